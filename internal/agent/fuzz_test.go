package agent

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/protocol"
)

// FuzzHandle feeds the agent arbitrary bytes and damaged boxes from a paired
// desktop: it must never panic and never dial anything that is not a valid,
// current request.
func FuzzHandle(f *testing.F) {
	dir := f.TempDir()
	phone, _ := device.LoadOrCreate(filepath.Join(dir, "p"))
	desk, _ := device.LoadOrCreate(filepath.Join(dir, "d"))
	reg, _ := device.OpenRegistry(filepath.Join(dir, "p"))
	if err := reg.Add(device.Peer{ID: desk.ID, Name: "Laptop", Role: device.RoleDesktop, SignPub: desk.SignPub, CurvePub: desk.CurvePub, AddedAt: time.Now()}); err != nil {
		f.Fatal(err)
	}
	rec := &recDialer{}
	a, err := New(Config{Identity: phone, Registry: reg, Dialer: rec, Region: "DE", RatePerMinute: 1 << 30})
	if err != nil {
		f.Fatal(err)
	}
	box := protocol.NewBox(desk)
	for _, target := range []string{"+49301234567", "*#06#", "+49 900 1234567", "Alice", "110", ""} {
		req := protocol.NewDial(desk.ID, phone.ID, target, call.ModeCall, time.Now(), time.Hour)
		b, _ := box.Seal(protocol.KindDial, req, phone.CurvePub)
		f.Add(b, []byte(nil))
		f.Add(b, []byte(`{"v":1,"id":"x","issued_at":1,"expires_at":2,"from":"A","to":"B","target":"1","mode":"call"}`))
	}
	f.Add([]byte("DD\x01\x01"), []byte(nil))
	f.Fuzz(func(t *testing.T, raw, plain []byte) {
		// Either raw bytes, or arbitrary plaintext properly sealed by the
		// paired desktop (so the fuzzer reaches the decoder and policy).
		msg := raw
		if plain != nil {
			var err error
			if msg, err = box.Seal(protocol.KindDial, rawJSON(plain), phone.CurvePub); err != nil {
				return
			}
		}
		before := rec.count()
		out := a.Handle(context.Background(), msg, nil)
		if rec.count() > before {
			// Something was dialled: it must have been an accepted, valid,
			// current request from the desktop to this phone.
			kind, _, p, err := box.Open(out)
			if err != nil || kind != protocol.KindReply {
				t.Fatalf("dialled without a sealed reply: %v", err)
			}
			rep, err := protocol.DecodeReply(p)
			if err != nil || !rep.Accepted {
				t.Fatalf("dialled but replied %+v %v", rep, err)
			}
		}
	})
}

// rawJSON makes Seal send bytes as they are.
type rawJSON []byte

func (r rawJSON) MarshalJSON() ([]byte, error) { return r, nil }

// FuzzLoadMark: whatever the clock mark's file holds, loading it either
// gives a mark after the epoch or refuses with ErrClockMark.
func FuzzLoadMark(f *testing.F) {
	f.Add([]byte(`{"mark":1767225600000}`))
	f.Add([]byte(`{"mark":-1}`))
	f.Add([]byte(`{"mark":"x"}`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), ClockFile)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		m, err := loadMark(path)
		if err != nil {
			if !errors.Is(err, ErrClockMark) {
				t.Fatalf("loadMark = %v, want ErrClockMark", err)
			}
			return
		}
		defer m.close()
		if !m.get().After(time.UnixMilli(0)) {
			t.Fatalf("mark %v from %q", m.get(), data)
		}
	})
}
