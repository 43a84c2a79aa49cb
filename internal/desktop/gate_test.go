package desktop

import "testing"

func TestClipGate(t *testing.T) {
	const sig = "Anna Muster\nTel. +49 30 1234567\nAcme GmbH"
	const two = "+49 30 1234567;+49 89 7654321"
	type step struct {
		ch      ClipChange
		gc      GateContext
		verdict Verdict
		why     string
		number  string
		more    int
	}
	on := GateContext{Watch: true, Region: "DE", Find: lineFinder}
	paused := on
	paused.Paused = true
	off := on
	off.Watch = false
	atOnce := on
	atOnce.CallAtOnce = true
	clip := func(s string) ClipChange { return ClipChange{Text: s} }
	tests := []struct {
		name  string
		own   []string
		steps []step
	}{
		{"a number prompts", nil, []step{
			{ch: clip(sig), gc: on, verdict: Prompt, number: "+49301234567"},
		}},
		{"the same copy never prompts twice", nil, []step{
			{ch: clip(sig), gc: on, verdict: Prompt, number: "+49301234567"},
			{ch: clip(sig), gc: on, why: WhyRepeat},
			{ch: clip("hello"), gc: on, why: WhyNoNumber},
			{ch: clip(sig), gc: on, verdict: Prompt, number: "+49301234567"},
		}},
		{"deskdial's own writes do not prompt", []string{"+49301234567"}, []step{
			{ch: clip("+49301234567"), gc: on, why: WhyOwn},
			{ch: clip("+49301234567"), gc: on, why: WhyRepeat},
		}},
		{"an own write is forgotten once seen", []string{"+49301234567"}, []step{
			{ch: clip("+49301234567"), gc: on, why: WhyOwn},
			{ch: clip("x"), gc: on, why: WhyNoNumber},
			{ch: clip("+49301234567"), gc: on, verdict: Prompt, number: "+49301234567"},
		}},
		{"password manager copies are never looked at", nil, []step{
			{ch: ClipChange{Text: "+49 30 1234567", Sensitive: true}, gc: on, why: WhySensitive},
		}},
		{"a copy after a password is new", nil, []step{
			{ch: clip(sig), gc: on, verdict: Prompt, number: "+49301234567"},
			{ch: ClipChange{Text: "hunter2", Sensitive: true}, gc: on, why: WhySensitive},
			{ch: clip(sig), gc: on, verdict: Prompt, number: "+49301234567"},
		}},
		{"not while paused", nil, []step{
			{ch: clip(sig), gc: paused, why: WhyPaused, number: "+49301234567"},
			// Unpausing does not bring back the copy made while paused.
			{ch: clip(sig), gc: on, why: WhyRepeat},
		}},
		{"not when watching is off", nil, []step{
			{ch: clip(sig), gc: off, why: WhyOff, number: "+49301234567"},
		}},
		{"the primary selection is for the hotkey only", nil, []step{
			{ch: ClipChange{Text: sig, Selection: Primary}, gc: on, why: WhySelection},
		}},
		{"several numbers offer the first", nil, []step{
			{ch: clip(two), gc: on, verdict: Prompt, number: "+49301234567", more: 1},
		}},
		{"call at once skips the prompt", nil, []step{
			{ch: clip(sig), gc: atOnce, verdict: CallAtOnce, number: "+49301234567"},
		}},
		{"call at once still asks when there are several numbers", nil, []step{
			{ch: clip(two), gc: atOnce, verdict: Prompt, number: "+49301234567", more: 1},
		}},
		{"call at once never dials a premium-rate number", nil, []step{
			{ch: clip("Hotline 0900 1234567"), gc: atOnce, verdict: Prompt, number: "+499001234567"},
		}},
		// The finder offers no emergency number from copied text at all:
		// "112" in a text is as often a house number as a call.
		{"call at once never dials an emergency number", nil, []step{
			{ch: clip("112"), gc: atOnce, why: WhyNoNumber},
		}},
		{"empty clipboard", nil, []step{
			{ch: clip(""), gc: on, why: WhyEmpty},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var g ClipGate
			for _, o := range tt.own {
				g.MarkOwn(o)
			}
			for i, s := range tt.steps {
				d := g.Decide(s.ch, s.gc)
				num, more := "", 0
				if d.Offer != nil {
					num, more = d.Offer.Number, d.Offer.More
				}
				if d.Verdict != s.verdict || d.Why != s.why || num != s.number || more != s.more {
					t.Errorf("step %d: got verdict %d why %q number %q more %d; want %d %q %q %d",
						i, d.Verdict, d.Why, num, more, s.verdict, s.why, s.number, s.more)
				}
			}
		})
	}
}
