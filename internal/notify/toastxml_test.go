package notify

import (
	"encoding/xml"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/textsafe"
)

// toastDoc is the part of the toast schema we write, read back with a real
// XML parser as Windows' XmlDocument reads it.
type toastDoc struct {
	XMLName  xml.Name `xml:"toast"`
	Launch   string   `xml:"launch,attr"`
	Scenario string   `xml:"scenario,attr"`
	Duration string   `xml:"duration,attr"`
	Texts    []struct {
		MaxLines string `xml:"hint-maxLines,attr"`
		Text     string `xml:",chardata"`
	} `xml:"visual>binding>text"`
	Actions []struct {
		Type    string `xml:"activationType,attr"`
		Content string `xml:"content,attr"`
		Args    string `xml:"arguments,attr"`
	} `xml:"actions>action"`
	Extra []xml.Name `xml:",any"`
}

// nonChars writes out the two noncharacters XML cannot carry, which
// textsafe leaves alone, as the toast shows them.
var nonChars = strings.NewReplacer("\ufffe", `\ufffe`, "\uffff", `\uffff`)

func parseToast(t testing.TB, doc string) toastDoc {
	t.Helper()
	var d toastDoc
	dec := xml.NewDecoder(strings.NewReader(doc))
	dec.Strict = true
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("the toast XML does not parse: %v\n%s", err, doc)
	}
	for _, x := range d.Extra {
		if x.Local != "visual" && x.Local != "actions" {
			t.Fatalf("an element <%s> we did not write:\n%s", x.Local, doc)
		}
	}
	return d
}

func TestToastXMLHostileText(t *testing.T) {
	hostile := []string{
		`Bob & <b>Alice</b>`,
		`]]><action content="Pay" arguments="x"/><![CDATA[`,
		`"/><action activationType="protocol" arguments="https://evil.example"/>`,
		`it's "quoted"`,
		"line one\nline two\r\n\ttabbed",
		"esc \x1b[31mred\x1b[0m bell \x07",
		"\u202egnp.exe",
		"bad \xff\xfe bytes",
		"nul \x00 and \ufffe \uffff",
		"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e SYSTEM 'file:///c:/'>]>&e;",
	}
	for _, s := range hostile {
		n := Notification{Title: "Call " + s + "?", Body: s,
			Actions: []Action{{Key: "call-on:" + s, Label: s}, {Key: "dismiss", Label: "Dismiss"}}}
		doc, err := toastXML(7, n)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		d := parseToast(t, doc)
		if len(d.Texts) != 2 || len(d.Actions) != 2 {
			t.Fatalf("%q: %d texts and %d buttons, want 2 and 2:\n%s", s, len(d.Texts), len(d.Actions), doc)
		}
		if got, want := d.Texts[0].Text, nonChars.Replace(textsafe.Terminal(n.Title)); got != want {
			t.Errorf("title shown as %q, want %q", got, want)
		}
		if got, want := d.Texts[1].Text, nonChars.Replace(textsafe.Plain(n.Body)); got != want {
			t.Errorf("body shown as %q, want %q", got, want)
		}
		if got, want := d.Actions[0].Content, nonChars.Replace(textsafe.Terminal(s)); got != want {
			t.Errorf("button label %q, want %q", got, want)
		}
		for _, text := range []string{d.Texts[0].Text, d.Texts[1].Text, d.Actions[0].Content} {
			for _, r := range text {
				if r != '\n' && textsafe.Unsafe(r) {
					t.Errorf("%q: control or direction character %U shown raw in %q", s, r, text)
				}
			}
		}
		for _, a := range d.Actions {
			if a.Type != "foreground" {
				t.Errorf("%q: a button activates by %q, want foreground (our COM activator)", s, a.Type)
			}
		}
	}
}

func TestToastXMLActionsRoundTrip(t *testing.T) {
	n := Notification{Title: "Call +49 30 1234567?", Body: "from the clipboard",
		Actions: []Action{
			{Key: "call", Label: "Call"},
			{Key: "call-on:phone-2&x=1", Label: "Call on Ana's Pixel"},
			{Key: "call-on:ünïcode phone", Label: "Call on Tablet"},
			{Key: "dismiss", Label: "Dismiss"},
		},
		Timeout: -1}
	doc, err := toastXML(4294967295, n)
	if err != nil {
		t.Fatal(err)
	}
	d := parseToast(t, doc)
	if d.Scenario != "reminder" {
		t.Errorf("a prompt kept until answered has scenario %q, want reminder", d.Scenario)
	}
	id, key, err := parseToastArgs(d.Launch)
	if err != nil || id != 4294967295 || key != "default" {
		t.Errorf("a click on the body gives (%d, %q, %v), want (4294967295, default)", id, key, err)
	}
	if len(d.Actions) != len(n.Actions) {
		t.Fatalf("%d buttons, want %d", len(d.Actions), len(n.Actions))
	}
	for i, a := range d.Actions {
		if a.Content != n.Actions[i].Label {
			t.Errorf("button %d reads %q, want %q", i, a.Content, n.Actions[i].Label)
		}
		id, key, err := parseToastArgs(a.Args)
		if err != nil || id != 4294967295 || key != n.Actions[i].Key {
			t.Errorf("button %d gives (%d, %q, %v), want (4294967295, %q)", i, id, key, err, n.Actions[i].Key)
		}
	}
}

func TestToastXMLDuration(t *testing.T) {
	for _, c := range []struct {
		timeout        time.Duration
		actions        bool
		scenario, dura string
	}{
		{0, false, "", ""},
		{5 * time.Second, true, "", ""},
		{20 * time.Second, false, "", "long"},
		{-1, false, "", "long"},
		{-1, true, "reminder", ""},
	} {
		n := Notification{Title: "t", Timeout: c.timeout}
		if c.actions {
			n.Actions = []Action{{Key: "hangup", Label: "Hang up"}}
		}
		doc, err := toastXML(1, n)
		if err != nil {
			t.Fatal(err)
		}
		d := parseToast(t, doc)
		if d.Scenario != c.scenario || d.Duration != c.dura {
			t.Errorf("timeout %v, buttons %v: scenario %q duration %q, want %q %q", c.timeout, c.actions, d.Scenario, d.Duration, c.scenario, c.dura)
		}
	}
}

func TestToastXMLTooManyButtons(t *testing.T) {
	n := Notification{Title: "Call?"}
	for i := 0; i < maxToastActions+1; i++ {
		n.Actions = append(n.Actions, Action{Key: "k" + string(rune('a'+i)), Label: "L"})
	}
	if _, err := toastXML(1, n); !errors.Is(err, ErrNoActions) {
		t.Fatalf("%d buttons on a toast: %v, want ErrNoActions (the prompt window shows them all)", len(n.Actions), err)
	}
}

func TestParseToastArgsRefuses(t *testing.T) {
	for _, s := range []string{
		"",
		"call",
		"https://example.com/?id=1&key=call",
		toastArgsPrefix + "id=1",
		toastArgsPrefix + "key=call",
		toastArgsPrefix + "id=0&key=call",
		toastArgsPrefix + "id=-1&key=call",
		toastArgsPrefix + "id=4294967296&key=call",
		toastArgsPrefix + "id=1&key=",
		toastArgsPrefix + "id=1&key=call&key=dismiss",
		toastArgsPrefix + "id=1&key=call&extra=1",
		toastArgsPrefix + "id=1&key=%1b%5B31m",
		toastArgsPrefix + "id=1&key=%ff",
		toastArgsPrefix + "id=1&key=%zz",
		toastArgsPrefix + "id=1&key=" + strings.Repeat("a", maxToastArgs),
	} {
		if id, key, err := parseToastArgs(s); !errors.Is(err, errToastArgs) {
			t.Errorf("parseToastArgs(%q) = (%d, %q, %v), want errToastArgs", s, id, key, err)
		}
	}
}

func FuzzToastXML(f *testing.F) {
	f.Add(uint32(1), "Call?", "body", "call-on:x", "Call on X")
	f.Add(uint32(9), "]]>", "<&>\"'", "\x00", "\u202e\xff")
	f.Fuzz(func(t *testing.T, id uint32, title, body, key, label string) {
		if id == 0 || key == "" {
			return
		}
		doc, err := toastXML(id, Notification{Title: title, Body: body, Actions: []Action{{Key: key, Label: label}}})
		if err != nil {
			t.Fatal(err)
		}
		d := parseToast(t, doc)
		if len(d.Actions) != 1 {
			t.Fatalf("%d buttons, want 1:\n%s", len(d.Actions), doc)
		}
		gotID, gotKey, err := parseToastArgs(d.Actions[0].Args)
		if textsafe.Check(key, 256) != nil {
			if err == nil {
				t.Fatalf("an unsafe key %q came back as %q", key, gotKey)
			}
			return
		}
		if len(toastArgs(id, key)) > maxToastArgs {
			return
		}
		if err != nil || gotID != id || gotKey != key {
			t.Fatalf("(%d, %q) came back as (%d, %q, %v)", id, key, gotID, gotKey, err)
		}
	})
}

func FuzzParseToastArgs(f *testing.F) {
	f.Add(toastArgs(3, "call"))
	f.Add(toastArgsPrefix + "id=1&key=%00")
	f.Fuzz(func(t *testing.T, s string) {
		id, key, err := parseToastArgs(s)
		if err != nil {
			return
		}
		if id == 0 || key == "" || textsafe.Check(key, 256) != nil {
			t.Fatalf("accepted (%d, %q) from %q", id, key, s)
		}
		again, k2, err := parseToastArgs(toastArgs(id, key))
		if err != nil || again != id || k2 != key {
			t.Fatalf("(%d, %q) does not round-trip: (%d, %q, %v)", id, key, again, k2, err)
		}
	})
}
