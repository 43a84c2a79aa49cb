package uiproc

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/deskdial/deskdial/internal/device"
)

var testPhone = device.ID{1}.String()

// TestDecodeRefuses: what a window process (or a tray) must not send is
// refused where it is read, with the reason.
func TestDecodeRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		line string
		dir  Direction
	}{
		{"not JSON", `call +4930123`, FromChild},
		{"unknown kind", `{"kind":"exec","text":"rm"}`, FromChild},
		{"tray kind from a child", `{"kind":"open"}`, FromChild},
		{"child kind from the tray", `{"kind":"call","number":"+4930123456"}`, FromTray},
		{"unknown field", `{"kind":"dismiss","shell":"x"}`, FromChild},
		{"two values", `{"kind":"dismiss"}{"kind":"dismiss"}`, FromChild},
		{"call without number", `{"kind":"call"}`, FromChild},
		{"national number", `{"kind":"call","number":"030123456"}`, FromChild},
		{"number with letters", `{"kind":"call","number":"+49301234x"}`, FromChild},
		{"number too long", `{"kind":"call","number":"+49301234567890123"}`, FromChild},
		{"bad phone id", `{"kind":"call","number":"+4930123456","phone":"nope"}`, FromChild},
		{"escape in name", `{"kind":"call","number":"+4930123456","name":"a\u001b[2Jb"}`, FromChild},
		{"direction override", `{"kind":"rename","phone":"` + testPhone + `","name":"evil\u202etxt"}`, FromChild},
		{"name too long", `{"kind":"call","number":"+4930123456","name":"` + strings.Repeat("a", maxLabel+1) + `"}`, FromChild},
		{"menu without item", `{"kind":"menu"}`, FromChild},
		{"negative item", `{"kind":"menu","item":-1}`, FromChild},
		{"limit too big", `{"kind":"search","id":1,"limit":100000}`, FromChild},
		{"hello without version", `{"kind":"hello"}`, FromTray},
		{"settings not JSON", `{"kind":"save","id":1,"settings":"x"}`, FromChild},
		{"menu too deep", `{"kind":"state","menu":[{"children":[{"children":[{"children":[{"children":[{"label":"x"}]}]}]}]}]}`, FromTray},
		{"choice not a number", `{"kind":"reply","id":1,"choices":[{"number":"*#06#","source":"typed"}]}`, FromTray},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if m, err := Decode([]byte(tc.line), tc.dir); !errors.Is(err, ErrBadMsg) {
				t.Fatalf("Decode(%s) = %+v, %v; want ErrBadMsg", tc.line, m, err)
			}
		})
	}
}

// TestReaderRefusesLongLines: a line over MaxLine ends the stream rather
// than being read into memory whole.
func TestReaderRefusesLongLines(t *testing.T) {
	long := `{"kind":"dialtext","text":"` + strings.Repeat("1", MaxLine) + "\"}\n"
	r := NewReader(strings.NewReader(long+`{"kind":"dismiss"}`+"\n"), FromChild)
	if _, err := r.Read(); !errors.Is(err, ErrTooLong) {
		t.Fatalf("Read = %v; want ErrTooLong", err)
	}
	r = NewReader(strings.NewReader(`{"kind":"dismiss"}`), FromChild)
	if _, err := r.Read(); !errors.Is(err, ErrBadMsg) {
		t.Fatalf("Read of a cut line = %v; want ErrBadMsg", err)
	}
}

// TestRoundTrip: what one side encodes the other reads back.
func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	in := []Msg{
		{Kind: KOpen, Title: "Call +49 30 123456?", Body: "Line one\nline two", Number: "+4930123456",
			Buttons: []Button{{Key: "call", Label: "Call"}}, Phones: []Phone{{ID: testPhone, Name: "Pixel", Online: true}},
			Menu: []Item{{Label: "Open dial box", Action: 1}, {Separator: true}, {Label: "Phones", Children: []Item{{Label: "Pixel", Action: 2, Checked: true}}}}},
		{Kind: KReply, ID: 7, Choices: []Choice{{Name: "Alice", Number: "+4930123456", Ext: "12", Source: "contact"}}},
	}
	for _, m := range in {
		if err := Encode(&buf, m); err != nil {
			t.Fatal(err)
		}
	}
	r := NewReader(&buf, FromTray)
	for _, want := range in {
		got, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		if got.Kind != want.Kind || got.Number != want.Number || len(got.Menu) != len(want.Menu) || len(got.Choices) != len(want.Choices) {
			t.Fatalf("read %+v; want %+v", got, want)
		}
	}
}

// FuzzDecode: no line makes Decode panic, and a line it accepts encodes
// to one it accepts again.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"kind":"call","number":"+4930123456","phone":"` + testPhone + `"}`,
		`{"kind":"search","id":3,"text":"ali","limit":12}`,
		`{"kind":"save","id":1,"settings":{"version":2,"hotkey":"Ctrl+Alt+D"}}`,
		`{"kind":"open","menu":[{"label":"x","action":1,"children":[{"label":"y"}]}]}`,
		`{"kind":"reply","id":1,"scan":{"phones":[{"backend":"hfp:P","name":"P"}]}}`,
		`{"kind":"hello","v":1,"app_id":"io.github.deskdial","lang":"en"}`,
	} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, line []byte, fromChild bool) {
		dir := FromTray
		if fromChild {
			dir = FromChild
		}
		m, err := Decode(line, dir)
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := Encode(&buf, m); err != nil {
			t.Fatalf("encode accepted %q: %v", line, err)
		}
		if _, err := Decode(bytes.TrimSuffix(buf.Bytes(), []byte("\n")), dir); err != nil {
			t.Fatalf("re-encoded %q refused: %v", buf.Bytes(), err)
		}
	})
}
