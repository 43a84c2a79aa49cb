package bus

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestServerVersionOK(t *testing.T) {
	for v, want := range map[string]bool{
		"2.11.0": true, "v2.11.0": true, "2.11.3": true, "2.12.0-RC.1": true, "2.15.2": true, "3.0.0": true,
		"2.10.29": false, "2.10.99": false, "2.9.10": false, "v2.9.10": false, "1.99.99": false,
		"": false, "2.11": false, "x.y.z": false, "2.11.0.1": false, "-2.11.0": false, "2.+11.0": false,
	} {
		if got := ServerVersionOK(v); got != want {
			t.Errorf("ServerVersionOK(%q) = %v, want %v", v, got, want)
		}
	}
}

// FuzzServerVersion: any INFO version string is judged without a panic,
// and only something that reads as major.minor.patch can pass.
func FuzzServerVersion(f *testing.F) {
	for _, s := range []string{"2.11.0", "v2.9.10", "2.12.0-RC.1", "", "2..0", "999999999999.0.0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if ServerVersionOK(v) && strings.Count(v, ".") < 2 {
			t.Fatalf("%q passed without a full version", v)
		}
	})
}

// TestInboxDeniedIsNamed: a connection whose reply inbox the server
// refuses learns that from the request, not as "no answer in time". The
// pairing login may read only its own inbox prefix.
func TestInboxDeniedIsNamed(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	desk := r.desktop(t)
	if _, err := desk.Subscribe(ctx, "deskdial.pair.DESK", func(m Msg) { _ = m.Respond([]byte("ok")) }); err != nil {
		t.Fatal(err)
	}
	if err := desk.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	c, err := Connect(ctx, InProcess(r.srv), UserPass(PairUser, "DESK"), Inbox("_INBOX_other"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Request(ctx, "deskdial.pair.DESK", []byte("join"), 2*time.Second)
	if !errors.Is(err, ErrRefused) || errors.Is(err, ErrTimeout) {
		t.Fatalf("request with a denied inbox: %v, want ErrRefused", err)
	}
	if !strings.Contains(err.Error(), "_INBOX_other") || !strings.Contains(err.Error(), "update the server or its configuration") {
		t.Fatalf("the refusal does not name the inbox and what to do: %v", err)
	}
}
