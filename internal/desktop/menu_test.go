package desktop

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/device"
)

// render flattens a menu to lines: labels, "[x]" for checked, "(off)" for
// disabled, "->kind:arg" for actions, children indented.
func render(items []Item, indent string) []string {
	var out []string
	for _, it := range items {
		if it.Separator {
			out = append(out, indent+"---")
			continue
		}
		l := indent + it.Label.String()
		if it.Checked {
			l += " [x]"
		}
		if it.Disabled {
			l += " (off)"
		}
		if it.Action.Kind != "" {
			l += " ->" + string(it.Action.Kind)
			if arg := it.Action.Number + testPhoneName(it.Action.Phone); arg != "" {
				l += ":" + arg
			}
		}
		out = append(out, l)
		out = append(out, render(it.Children, indent+"  ")...)
	}
	return out
}

func TestBuildMenu(t *testing.T) {
	var recent []RecentCall
	for i := 0; i < 12; i++ {
		recent = append(recent, RecentCall{Name: fmt.Sprintf("C%d", i), Number: fmt.Sprintf("+4930123456%d", i%10+10)})
	}
	tests := []struct {
		name string
		s    State
		want string
	}{
		{"connecting, nothing paired", State{}, `
status.connecting (off)
---
menu.recent
  menu.recent_empty (off)
menu.phones
  menu.phones_none (off)
menu.dial ->dial
menu.pause ->pause
---
menu.pair ->pair
menu.settings ->settings
---
menu.quit ->quit`},
		{"phones, clipboard number, recents, paused", State{
			Connected: true, Phones: []Phone{pixel, nokia}, Default: nokia.ID, Paused: true,
			Clip: &Offer{Number: "+49301234567"},
			Recent: []RecentCall{
				{Name: "Anna", Number: "+49301234567"},
				{Number: "+4989765432"},
				{Name: "Anna", Number: "+49301234567"}, // listed once
			},
		}, `
status.online{Online=1 Total=2} (off)
menu.call_clip_on{Number=+49 30 1234567 Phone=Nokia} ->call:+49301234567
---
menu.recent
  menu.recent_item{Name=Anna Number=+49 30 1234567} ->call:+49301234567
  menu.recent_number{Number=+49 89 765432} ->call:+4989765432
menu.phones
  menu.phone_online{Does=phone.calls Name=Pixel} ->phone:P1
  menu.phone_offline{Does=phone.opens_dialer Name=Nokia} [x] ->phone:P2
menu.dial ->dial
menu.pause [x] ->pause
---
menu.pair ->pair
menu.settings ->settings
---
menu.quit ->quit`},
		{"a live call that can be hung up; default phone gone", State{
			Connected: true, Phones: []Phone{nokia, pixel}, Default: device.ID{9},
			Call: &Call{Number: "+49301234567", Phase: call.Active, CanHangup: true},
		}, `
status.online{Online=1 Total=2} (off)
menu.hangup{Number=+49 30 1234567} ->hangup
---
menu.recent
  menu.recent_empty (off)
menu.phones
  menu.phone_offline{Does=phone.opens_dialer Name=Nokia} ->phone:P2
  menu.phone_online{Does=phone.calls Name=Pixel} [x] ->phone:P1
menu.dial ->dial
menu.pause ->pause
---
menu.pair ->pair
menu.settings ->settings
---
menu.quit ->quit`},
		{"connection error, clipboard number without a phone", State{
			ConnErr: "tls: bad certificate", Clip: &Offer{Number: "+49301234567"},
		}, `
status.error{Error=tls: bad certificate} (off)
menu.call_clip{Number=+49 30 1234567} (off) ->call:+49301234567
---
menu.recent
  menu.recent_empty (off)
menu.phones
  menu.phones_none (off)
menu.dial ->dial
menu.pause ->pause
---
menu.pair ->pair
menu.settings ->settings
---
menu.quit ->quit`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(render(BuildMenu(tt.s), ""), "\n")
			if want := strings.TrimPrefix(tt.want, "\n"); got != want {
				t.Errorf("menu:\n%s\nwant:\n%s", got, want)
			}
		})
	}
	t.Run("recent lists the last ten", func(t *testing.T) {
		m := BuildMenu(State{Recent: recent})
		var rec Item
		for _, it := range m {
			if it.Label.Key == "menu.recent" {
				rec = it
			}
		}
		if len(rec.Children) != MaxRecent {
			t.Fatalf("recent has %d entries, want %d", len(rec.Children), MaxRecent)
		}
		if rec.Children[0].Action.Number != recent[0].Number {
			t.Errorf("first recent %q, want the newest %q", rec.Children[0].Action.Number, recent[0].Number)
		}
	})
}

func TestIconFor(t *testing.T) {
	tests := []struct {
		s    State
		want Icon
	}{
		{State{}, IconOffline},
		{State{Connected: true}, IconOffline},
		{State{Connected: true, Phones: []Phone{nokia}}, IconOffline},
		{State{Connected: true, Phones: []Phone{pixel}}, IconIdle},
		{State{Connected: true, Phones: []Phone{pixel}, Call: &Call{}}, IconCalling},
		{State{Connected: true, Phones: []Phone{pixel}, Call: &Call{Phase: call.Active}}, IconCalling},
		{State{Connected: true, Phones: []Phone{pixel}, Call: &Call{Phase: call.Ended}}, IconIdle},
		{State{ConnErr: "x", Phones: []Phone{pixel}, Call: &Call{Phase: call.Active}}, IconError},
	}
	for i, tt := range tests {
		if got := IconFor(tt.s); got != tt.want {
			t.Errorf("%d: IconFor = %s, want %s", i, got, tt.want)
		}
	}
}

func TestCallNotice(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	base := Call{Number: "+49301234567", Name: "Anna", PhoneName: "Pixel", CanHangup: true}
	with := func(p call.State, f func(*Call)) Call {
		c := base
		c.Phase = p
		if f != nil {
			f(&c)
		}
		return c
	}
	tests := []struct {
		c    Call
		want string // title | body | actions
	}{
		{with("", nil), ""},
		{with(call.Sent, nil), "call.sent{Phone=Pixel Who=Anna (+49 30 1234567)} |  | hangup"},
		{with(call.Dialing, func(c *Call) { c.Name = "" }), "call.dialing{Phone=Pixel Who=+49 30 1234567} |  | hangup"},
		{with(call.Alerting, func(c *Call) { c.CanHangup = false }), "call.alerting{Who=Anna (+49 30 1234567)} |  | "},
		{with(call.Active, nil), "call.active{Who=Anna (+49 30 1234567)} |  | hangup"},
		{with(call.Ended, func(c *Call) { c.ActiveAt = t0; c.Ended = t0.Add(83 * time.Second) }),
			"call.ended{Duration=1:23 Who=Anna (+49 30 1234567)} |  | "},
		{with(call.Ended, nil), "call.ended_unanswered{Who=Anna (+49 30 1234567)} |  | "},
		// The log backend dials nothing and says so: not "without an answer".
		{with(call.Ended, func(c *Call) { c.Reason = "logged only; nothing was dialled" }),
			"call.ended_said{Phone=Pixel Who=Anna (+49 30 1234567)} | call.reason{Reason=logged only; nothing was dialled} | "},
		{with(call.Offline, nil), "call.offline{Phone=Pixel} | call.offline_body{Who=Anna (+49 30 1234567)} | "},
		{with(call.Refused, func(c *Call) { c.Reason = "rate limit" }), "call.refused{Phone=Pixel} | call.reason{Reason=rate limit} | "},
		{with(call.Failed, func(c *Call) { c.Reason = "no modem" }), "call.failed{Who=Anna (+49 30 1234567)} | call.reason{Reason=no modem} | "},
		{with(call.Prefilled, nil), "call.prefilled{Phone=Pixel Who=Anna (+49 30 1234567)} |  | "},
	}
	for _, tt := range tests {
		n, ok := CallNotice(tt.c)
		got := ""
		if ok {
			var keys []string
			for _, a := range n.Actions {
				keys = append(keys, a.Key)
			}
			body := ""
			if n.Body.Key != "" {
				body = n.Body.String()
			}
			got = n.Title.String() + " | " + body + " | " + strings.Join(keys, ",")
		}
		if got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.c.Phase, got, tt.want)
		}
	}
}

func TestPromptNotice(t *testing.T) {
	o := Offer{Number: "+49301234567", SafeToAutoDial: true}
	n := PromptNotice(o, pixel, []Phone{pixel, nokia})
	if n.Title.String() != "prompt.title{Number=+49 30 1234567 Phone=Pixel}" || n.Body.Key != "" {
		t.Errorf("prompt: %v / %v", n.Title, n.Body)
	}
	if len(n.Actions) != 2 || n.Actions[0].Key != KeyCall || n.Actions[1].Key != KeyDismiss {
		t.Errorf("actions: %+v", n.Actions)
	}
	o.More = 2
	n = PromptNotice(o, pixel, []Phone{pixel})
	if n.Body.String() != "prompt.body_more{More=2}" || n.Actions[2].Key != KeyPick {
		t.Errorf("several numbers: %v %+v", n.Body, n.Actions)
	}
}

// The prompt never offers a call on a phone that is offline: it says so
// and offers the phones that are online, or, with none, nothing to call.
func TestPromptNoticeOfflinePhone(t *testing.T) {
	o := Offer{Number: "+49301234567", SafeToAutoDial: true}
	keys := func(n NoticeSpec) string {
		var k []string
		for _, a := range n.Actions {
			k = append(k, a.Key+"="+a.Label.String())
		}
		return strings.Join(k, ",")
	}
	n := PromptNotice(o, nokia, []Phone{pixel, nokia})
	if n.Title.String() != "prompt.title_offline{Number=+49 30 1234567 Phone=Nokia}" ||
		keys(n) != "call-on:"+pixel.ID.String()+"=action.call_on{Phone=Pixel},dismiss=action.dismiss" {
		t.Errorf("offline with Pixel online: %v | %s", n.Title, keys(n))
	}
	n = PromptNotice(o, nokia, []Phone{nokia})
	if n.Title.String() != "prompt.none_online{Number=+49 30 1234567}" ||
		n.Body.String() != "prompt.none_online_body{Phone=Nokia}" || keys(n) != "dismiss=action.dismiss" {
		t.Errorf("none online: %v / %v | %s", n.Title, n.Body, keys(n))
	}
	// An extension is named in the question: the phone dials the number
	// and the user keys the extension in.
	n = PromptNotice(Offer{Number: "+49301234567", Ext: "213", SafeToAutoDial: true}, pixel, []Phone{pixel})
	if n.Title.String() != "prompt.title_ext{Ext=213 Number=+49 30 1234567 Phone=Pixel}" {
		t.Errorf("extension: %v", n.Title)
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0:00", 5 * time.Second: "0:05", 83 * time.Second: "1:23",
		time.Hour + 2*time.Minute + 3*time.Second: "1:02:03", -time.Second: "0:00",
	} {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestMatches(t *testing.T) {
	tests := []struct {
		name, number, q string
		want            bool
	}{
		{"Anna Muster", "+49301234567", "ann", true},
		{"Anna Muster", "+49301234567", "MUST", true},
		{"Anna Muster", "+49301234567", "1234", true},
		{"Anna Muster", "+49301234567", "030 1234", true},
		{"Anna Muster", "+49301234567", "+49 30", true},
		{"Anna Muster", "+49301234567", "bob", false},
		{"Anna Muster", "+49301234567", "9", false},
		{"", "+49301234567", "", true},
	}
	for _, tt := range tests {
		if got := Matches(tt.name, tt.number, tt.q); got != tt.want {
			t.Errorf("Matches(%q, %q, %q) = %v", tt.name, tt.number, tt.q, got)
		}
	}
}

// testPhoneName names the test phones' IDs as the golden menus do.
func testPhoneName(id device.ID) string {
	switch id {
	case device.ID{}:
		return ""
	case pixel.ID:
		return "P1"
	case nokia.ID:
		return "P2"
	}
	return id.String()
}
