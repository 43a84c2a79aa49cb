package pairing

import (
	"errors"
	"strings"
	"testing"
)

// TestJoinWithHostileCapsRefused: a phone (or anyone holding an offer)
// sends capabilities meant to take over the terminal that prints them; the
// desktop refuses the join and stores nothing. The offer is not used up.
func TestJoinWithHostileCapsRefused(t *testing.T) {
	d, p := ident(t), ident(t)
	o := offer(t, d)
	pending := NewPending()
	pending.Add(o)
	hostile := []any{
		map[string]any{"backend": "log\x1b]0;pwned\x07"},
		map[string]any{"backend": "log\nPixel2  online  calls"},
		map[string]any{"backend": "adb\u202e"},
		map[string]any{"backend": 7},
		map[string]any{"backend": "adb", "note": "x\x1b[2J"},
		map[string]any{"backend": "adb", "e\x1bvil": true},
		map[string]any{"backend": "adb", "list": []any{"ok", "\u2066x"}},
		map[string]any{"backend": strings.Repeat("a", 1000)},
		[]string{"not", "an", "object"},
	}
	for i, caps := range hostile {
		j, err := MakeJoin(o, p, "Pixel", caps)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := pending.Verify(j, p.CurvePub, t0); !errors.Is(err, ErrBadMessage) {
			t.Errorf("caps %d %v: Verify = %v, want ErrBadMessage", i, caps, err)
		}
	}
	j, _ := MakeJoin(o, p, "Pixel", map[string]any{"backend": "modemmanager", "places_calls": true, "can_hangup": false})
	peer, _, err := pending.Verify(j, p.CurvePub, t0)
	if err != nil {
		t.Fatalf("well-formed caps after hostile ones: %v", err)
	}
	if !strings.Contains(string(peer.Caps), `"modemmanager"`) {
		t.Errorf("stored caps = %s", peer.Caps)
	}
}

// FuzzCheckCaps: any capabilities document is either refused or free of
// raw control characters, and checking it never panics.
func FuzzCheckCaps(f *testing.F) {
	f.Add([]byte(`{"backend":"adb","places_calls":true}`))
	f.Add([]byte(`{"backend":"a\u001b"}`))
	f.Add([]byte(`[[[[[[[[1]]]]]]]]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if checkCaps(b) != nil {
			return
		}
		if strings.Contains(string(b), `\u001b`) && !strings.Contains(string(b), `\\`) {
			t.Fatalf("accepted an escaped ESC: %q", b)
		}
	})
}
