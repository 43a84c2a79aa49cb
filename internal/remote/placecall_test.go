package remote

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/device"
	"github.com/deskdial/deskdial/internal/history"
	"github.com/deskdial/deskdial/internal/protocol"
)

// addPeer pairs a made-up device with d, for the tests that only look at
// the registry.
func addPeer(t *testing.T, d *Desktop, name string, role device.Role) device.Peer {
	t.Helper()
	id, err := device.LoadOrCreate(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	p := device.Peer{ID: id.ID, Name: name, Role: role, SignPub: id.SignPub, CurvePub: id.CurvePub}
	if err := d.Registry.Add(p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPickPhone(t *testing.T) {
	d := newDesktop(t, "")
	if _, err := d.PickPhone(""); !errors.Is(err, ErrChoose) || !strings.Contains(err.Error(), "no phone is paired yet") {
		t.Fatalf("no phone: %v", err)
	}
	pixel := addPeer(t, d, "Pixel", device.RolePhone)
	addPeer(t, d, "Laptop", device.RoleDesktop)
	if p, err := d.PickPhone(""); err != nil || p.ID != pixel.ID {
		t.Fatalf("the only phone: %v %v", p, err)
	}
	addPeer(t, d, "Nokia", device.RolePhone)
	if _, err := d.PickPhone(""); !errors.Is(err, ErrChoose) || !strings.HasPrefix(err.Error(), "several phones are paired (") ||
		!strings.Contains(err.Error(), "Nokia") || !strings.Contains(err.Error(), "Pixel") {
		t.Fatalf("two phones: %v", err)
	}
	if p, err := d.PickPhone("pix"); err != nil || p.ID != pixel.ID {
		t.Fatalf("by prefix: %v %v", p, err)
	}
	d.Settings.DefaultPhone = "Pixel"
	if p, err := d.PickPhone(""); err != nil || p.ID != pixel.ID {
		t.Fatalf("the default phone: %v %v", p, err)
	}
	if _, err := d.PickPhone("Laptop"); !errors.Is(err, ErrChoose) || err.Error() != "Laptop is not a phone" {
		t.Fatalf("a desktop: %v", err)
	}
	if _, err := d.PickPhone("iPhone"); !errors.Is(err, ErrChoose) || err.Error() != `no paired phone "iPhone" (see deskdial phones)` {
		t.Fatalf("unknown: %v", err)
	}
}

const placeCallCards = "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anna Schmidt\r\nTEL;TYPE=CELL:0151 23456789\r\nEND:VCARD\r\n" +
	"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Anna Weber\r\nTEL;TYPE=CELL:0160 9876543\r\nEND:VCARD\r\n" +
	"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Empfang\r\nTEL;VALUE=uri;TYPE=work:tel:+49-89-5555555;ext=12\r\nEND:VCARD\r\n"

func importCards(t *testing.T, d *Desktop) {
	t.Helper()
	st, err := history.Open(filepath.Join(d.Paths.Data, history.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.ImportVCard(context.Background(), strings.NewReader(placeCallCards), "DE"); err != nil {
		t.Fatal(err)
	}
}

// TestPlaceCall: a call by name reaches the phone as the contact's number,
// is reported as it goes and lands in the history; a name that matches two
// people, a short code to be called and an unknown phone send nothing.
func TestPlaceCall(t *testing.T) {
	w := newWorld(t, worldOpts{serve: true})
	importCards(t, w.desk)
	ctx := context.Background()
	var contact, sentExt string
	var states []call.State
	var warned []string
	report := CallReport{
		Contact: func(r history.Resolution) {
			contact = r.Name + " " + history.NumberText(r.Number.Label, r.Number.E164, r.Number.Ext)
		},
		Sent:   func(_ device.Peer, r protocol.Reply, ext string) { sentExt = r.Number + "|" + ext },
		Status: func(_ device.Peer, st protocol.Status) { states = append(states, st.State) },
		Warn:   func(m string) { warned = append(warned, m) },
	}
	err := w.desk.PlaceCall(ctx, CallRequest{Target: "Empfang", Mode: call.ModeCall, Wait: true, Report: report})
	if err != nil {
		t.Fatal(err)
	}
	if contact != "Empfang (work): +49895555555, ext. 12" || sentExt != "+49895555555|12" || len(states) != 1 || states[0] != call.Ended || warned != nil {
		t.Fatalf("contact %q, sent %q, states %v, warnings %q", contact, sentExt, states, warned)
	}
	if got := w.dialled(); len(got) != 1 || got[0] != "+49895555555" {
		t.Fatalf("dialled %v", got)
	}
	if err := w.desk.PlaceCall(ctx, CallRequest{Target: "Anna", Mode: call.ModeCall}); !errors.Is(err, ErrChoose) ||
		!strings.Contains(err.Error(), "Anna Schmidt (mobile): +4915123456789") || !strings.Contains(err.Error(), "Anna Weber") {
		t.Fatalf("two Annas: %v", err)
	}
	var te *TargetError
	if err := w.desk.PlaceCall(ctx, CallRequest{Target: "110", Mode: call.ModeCall}); !errors.As(err, &te) {
		t.Fatalf("a short code called: %v", err)
	}
	if err := w.desk.PlaceCall(ctx, CallRequest{Target: "030 1234567", Phone: "Nokia", Mode: call.ModeCall}); !errors.Is(err, ErrChoose) {
		t.Fatalf("unknown phone: %v", err)
	}
	if got := w.dialled(); len(got) != 1 {
		t.Fatalf("dialled %v after calls that should send nothing", got)
	}
	st, err := history.Open(filepath.Join(w.desk.Paths.Data, history.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec, err := st.Recent(ctx, 10)
	if err != nil || len(rec) != 1 || rec[0].Number != "+49895555555" || rec[0].Name != "Empfang" || rec[0].PhoneName != "Pixel" || rec[0].Outcome != call.OutcomeEnded {
		t.Fatalf("recents %+v %v", rec, err)
	}
}

// TestPlaceCallOffline: a phone that is not connected is a *CallError
// that errors.Is sees as ErrOffline, and the history keeps it as offline.
func TestPlaceCallOffline(t *testing.T) {
	w := newWorld(t, worldOpts{serve: true})
	w.stop()
	w.waitOnline(w.client, false)
	err := w.desk.PlaceCall(context.Background(), CallRequest{Target: "+49 30 1234567", Mode: call.ModeCall})
	var ce *CallError
	if !errors.As(err, &ce) || !errors.Is(err, ErrOffline) {
		t.Fatalf("offline phone: %v", err)
	}
	st, err := history.Open(filepath.Join(w.desk.Paths.Data, history.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rec, err := st.Recent(context.Background(), 10)
	if err != nil || len(rec) != 1 || rec[0].Outcome != call.OutcomeOffline {
		t.Fatalf("recents %+v %v", rec, err)
	}
}
