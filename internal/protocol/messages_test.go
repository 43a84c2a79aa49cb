package protocol

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/device"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func validDial(t *testing.T) DialRequest {
	return NewDial(desktop(t).ID, phone(t).ID, "+493012345678", call.ModeCall, t0, 30*time.Second)
}

func TestDialValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(d *DialRequest)
		want   error
	}{
		{"valid", func(d *DialRequest) {}, nil},
		{"prefill", func(d *DialRequest) { d.Mode = call.ModePrefill }, nil},
		{"contact name", func(d *DialRequest) { d.Target = "Zoë Müller" }, nil},
		{"exactly MaxTTL", func(d *DialRequest) { d.ExpiresAt = d.IssuedAt + MaxTTL.Milliseconds() }, nil},
		{"version 0", func(d *DialRequest) { d.V = 0 }, ErrVersion},
		{"version 2", func(d *DialRequest) { d.V = 2 }, ErrVersion},
		{"no id", func(d *DialRequest) { d.ID = "" }, ErrMalformed},
		{"id with dot", func(d *DialRequest) { d.ID = "a.b" }, ErrMalformed},
		{"id too long", func(d *DialRequest) { d.ID = strings.Repeat("a", 65) }, ErrMalformed},
		{"no issued_at", func(d *DialRequest) { d.IssuedAt = 0 }, ErrMalformed},
		{"expires before issued", func(d *DialRequest) { d.ExpiresAt = d.IssuedAt - 1 }, ErrMalformed},
		{"expires at issued", func(d *DialRequest) { d.ExpiresAt = d.IssuedAt }, ErrMalformed},
		{"ttl over 60s", func(d *DialRequest) { d.ExpiresAt = d.IssuedAt + MaxTTL.Milliseconds() + 1 }, ErrMalformed},
		{"no from", func(d *DialRequest) { d.From = "" }, ErrMalformed},
		{"from not canonical", func(d *DialRequest) { d.From = strings.ToLower(d.From) }, ErrMalformed},
		{"to typo", func(d *DialRequest) { d.To = otherFirst(d.To) }, ErrMalformed},
		{"no target", func(d *DialRequest) { d.Target = "" }, ErrMalformed},
		{"target too long", func(d *DialRequest) { d.Target = strings.Repeat("1", MaxTarget+1) }, ErrMalformed},
		{"newline in target", func(d *DialRequest) { d.Target = "+49\n30" }, ErrMalformed},
		{"NUL in target", func(d *DialRequest) { d.Target = "+49\x0030" }, ErrMalformed},
		{"bad mode", func(d *DialRequest) { d.Mode = "sms" }, ErrMalformed},
		{"no mode", func(d *DialRequest) { d.Mode = "" }, ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := validDial(t)
			c.mutate(&d)
			err := d.Validate()
			if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
				t.Fatalf("Validate = %v, want %v", err, c.want)
			}
			// The decoder applies the same rules to the wire form.
			b, _ := json.Marshal(d)
			_, derr := DecodeDial(b)
			if (err == nil) != (derr == nil) {
				t.Fatalf("DecodeDial = %v, Validate = %v", derr, err)
			}
		})
	}
}

func TestDialCheckTime(t *testing.T) {
	d := validDial(t) // issued t0, expires t0+30s
	cases := []struct {
		now  time.Time
		want error
	}{
		{t0, nil},
		{t0.Add(30 * time.Second), nil}, // the last valid millisecond
		{t0.Add(30*time.Second + time.Millisecond), ErrExpired},
		{t0.Add(time.Hour), ErrExpired},
		{t0.Add(-MaxSkew), nil}, // receiver clock behind by MaxSkew
		{t0.Add(-MaxSkew - time.Millisecond), ErrNotYetValid},
	}
	for _, c := range cases {
		err := d.CheckTime(c.now)
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("CheckTime(t0%+v) = %v, want %v", c.now.Sub(t0), err, c.want)
		}
	}
	if !d.Expires().Equal(t0.Add(30 * time.Second)) {
		t.Errorf("Expires = %v", d.Expires())
	}
}

func TestNewDialClampsTTL(t *testing.T) {
	d := NewDial(desktop(t).ID, phone(t).ID, "+1", call.ModeCall, t0, time.Hour)
	if d.ExpiresAt-d.IssuedAt != MaxTTL.Milliseconds() {
		t.Fatalf("ttl %d ms", d.ExpiresAt-d.IssuedAt)
	}
	d = NewDial(desktop(t).ID, phone(t).ID, "+1", call.ModeCall, t0, 0)
	if d.ExpiresAt-d.IssuedAt != DefaultTTL.Milliseconds() {
		t.Fatalf("default ttl %d ms", d.ExpiresAt-d.IssuedAt)
	}
	if NewDial(device.ID{}, device.ID{}, "+1", call.ModeCall, t0, 0).ID == d.ID {
		t.Fatal("two requests got the same id")
	}
}

func TestDecodeStrict(t *testing.T) {
	good, _ := json.Marshal(validDial(t))
	cases := map[string]string{
		"empty":         "",
		"null":          "null",
		"array":         "[]",
		"string":        `"x"`,
		"trailing data": string(good) + "{}",
		"not utf-8":     strings.Replace(string(good), "+4930", "+\xff4930", 1),
		"wrong type":    strings.Replace(string(good), `"v":1`, `"v":"1"`, 1),
		"huge":          `{"v":1,"target":"` + strings.Repeat("x", MaxMessage) + `"}`,
		"truncated":     string(good[:len(good)-1]),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := DecodeDial([]byte(in)); !errors.Is(err, ErrMalformed) {
				t.Fatalf("DecodeDial = %v, want ErrMalformed", err)
			}
		})
	}
	// Unknown fields are ignored: a later version may add optional ones.
	extra := strings.Replace(string(good), "{", `{"priority":"high",`, 1)
	if _, err := DecodeDial([]byte(extra)); err != nil {
		t.Fatalf("unknown field refused: %v", err)
	}
}

func TestReplyValidate(t *testing.T) {
	id := NewMsgID()
	cases := []struct {
		r    Reply
		want error
	}{
		{Accept(id, "+493012345678"), nil},
		{Refuse(id, CodeMMI, "USSD codes are not allowed"), nil},
		{Refuse(id, "future_code_2", ""), nil},
		{Reply{V: 1, ID: id, Accepted: true, Code: CodeMMI}, ErrMalformed},
		{Refuse(id, "", "why"), ErrMalformed},
		{Refuse(id, "Bad Code", ""), ErrMalformed},
		{Refuse(id, CodeBusy, strings.Repeat("x", MaxReason+1)), ErrMalformed},
		{Refuse("", CodeBusy, ""), ErrMalformed},
		{Reply{V: 3, ID: id, Accepted: true}, ErrVersion},
	}
	for i, c := range cases {
		err := c.r.Validate()
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%d %+v: Validate = %v, want %v", i, c.r, err, c.want)
		}
		b, _ := json.Marshal(c.r)
		if _, derr := DecodeReply(b); (derr == nil) != (err == nil) {
			t.Errorf("%d: DecodeReply = %v", i, derr)
		}
	}
}

func TestStatusValidate(t *testing.T) {
	from := phone(t).ID.String()
	ok := Status{V: 1, ID: NewMsgID(), Seq: 3, State: call.Ended, At: t0.UnixMilli(), DurationMS: 42000, From: from}
	cases := []struct {
		name   string
		mutate func(s *Status)
		want   error
	}{
		{"valid", func(s *Status) {}, nil},
		{"failed with reason", func(s *Status) { s.State = call.Failed; s.Reason = "no signal" }, nil},
		{"unknown state", func(s *Status) { s.State = "ringing" }, ErrMalformed},
		{"no at", func(s *Status) { s.At = 0 }, ErrMalformed},
		{"negative seq", func(s *Status) { s.Seq = -1 }, ErrMalformed},
		{"negative duration", func(s *Status) { s.DurationMS = -1 }, ErrMalformed},
		{"bad from", func(s *Status) { s.From = "nobody" }, ErrMalformed},
		{"v2", func(s *Status) { s.V = 2 }, ErrVersion},
	}
	for _, c := range cases {
		s := ok
		c.mutate(&s)
		err := s.Validate()
		if c.want == nil && err != nil || c.want != nil && !errors.Is(err, c.want) {
			t.Errorf("%s: Validate = %v, want %v", c.name, err, c.want)
		}
		b, _ := json.Marshal(s)
		if _, derr := DecodeStatus(b); (derr == nil) != (err == nil) {
			t.Errorf("%s: DecodeStatus = %v", c.name, derr)
		}
	}
	for state, final := range map[call.State]bool{call.Dialing: false, call.Alerting: false, call.Active: false, call.Ended: true, call.Failed: true, call.Prefilled: true} {
		if (Status{State: state}).Final() != final {
			t.Errorf("Final(%s) != %v", state, final)
		}
	}
}

func TestHangupValidate(t *testing.T) {
	d := validDial(t)
	h := Hangup{V: 1, ID: NewMsgID(), CallID: d.ID, IssuedAt: d.IssuedAt, ExpiresAt: d.ExpiresAt, From: d.From, To: d.To}
	if err := h.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := h.CheckTime(t0.Add(time.Minute)); !errors.Is(err, ErrExpired) {
		t.Fatalf("CheckTime late = %v", err)
	}
	bad := h
	bad.CallID = ""
	if err := bad.Validate(); !errors.Is(err, ErrMalformed) {
		t.Fatalf("no call_id: %v", err)
	}
	b, _ := json.Marshal(h)
	if got, err := DecodeHangup(b); err != nil || got != h {
		t.Fatalf("DecodeHangup = %+v %v", got, err)
	}
}

func TestRefusalCode(t *testing.T) {
	cases := map[error]Code{
		fmt.Errorf("x: %w", ErrVersion):     CodeVersion,
		fmt.Errorf("x: %w", ErrMalformed):   CodeMalformed,
		fmt.Errorf("x: %w", ErrForged):      CodeUnknownSender,
		fmt.Errorf("x: %w", ErrExpired):     CodeExpired,
		fmt.Errorf("x: %w", ErrNotYetValid): CodeNotYetValid,
		errors.New("other"):                 "",
	}
	for err, want := range cases {
		if got := RefusalCode(err); got != want {
			t.Errorf("RefusalCode(%v) = %q, want %q", err, got, want)
		}
	}
}

func TestPresenceMetadata(t *testing.T) {
	p := Presence{ID: phone(t).ID.String(), Name: "Pixel", Backend: "log", PlacesCalls: true, ReportsStates: false, CanHangup: true, Version: "1.0"}
	got, err := PresenceFromMetadata(p.Metadata())
	if err != nil || got != p {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	if _, err := PresenceFromMetadata(map[string]string{"id": "x"}); !errors.Is(err, ErrMalformed) {
		t.Fatalf("bad id: %v", err)
	}
}

func TestSubjects(t *testing.T) {
	id := phone(t).ID
	for _, s := range []string{SubjectDial("deskdial", id), SubjectStatus("acme.deskdial", id), SubjectPair("deskdial", id)} {
		tokens := strings.Split(s, ".")
		last := tokens[len(tokens)-1]
		if last != id.String() || strings.ContainsAny(s, " *>") {
			t.Errorf("subject %q", s)
		}
	}
	if SubjectDial("deskdial", id) != "deskdial.dial."+id.String() {
		t.Error(SubjectDial("deskdial", id))
	}
	if SubjectStatus("deskdial", id) != "deskdial.status."+id.String() || SubjectPair("deskdial", id) != "deskdial.pair."+id.String() {
		t.Error("status or pair subject")
	}
}

// otherFirst changes the first character of a device ID: a typo.
func otherFirst(s string) string {
	if s[0] == 'A' {
		return "B" + s[1:]
	}
	return "A" + s[1:]
}

// TestCodesMatchProtocolDoc: the refusal codes a phone may send are the
// ones docs/protocol.md lists (a second implementation, the web agent, is
// written from that table).
func TestCodesMatchProtocolDoc(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "docs", "protocol.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	start := strings.Index(doc, "## 5. Refusal codes")
	end := strings.Index(doc, "## 6.")
	if start < 0 || end < start {
		t.Fatal("docs/protocol.md has no section 5, Refusal codes")
	}
	documented := map[Code]bool{}
	for _, line := range strings.Split(doc[start:end], "\n") {
		if !strings.HasPrefix(line, "| `") {
			continue
		}
		first := strings.Split(line, "|")[1]
		for _, m := range regexp.MustCompile("`([a-z0-9_]+)`").FindAllStringSubmatch(first, -1) {
			documented[Code(m[1])] = true
		}
	}
	for _, c := range codes {
		if !documented[c] {
			t.Errorf("code %q is not in docs/protocol.md's table", c)
		}
		delete(documented, c)
	}
	for c := range documented {
		if c.Known() {
			continue
		}
		t.Errorf("docs/protocol.md lists %q, which protocol does not define", c)
	}
	if Code("no_such_code").Known() {
		t.Error("an unknown code is Known")
	}
}
