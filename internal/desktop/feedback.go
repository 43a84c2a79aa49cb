package desktop

import (
	"time"

	"github.com/deskdial/deskdial/internal/call"
)

// Notification action keys.
const (
	KeyCall    = "call"
	KeyDismiss = "dismiss"
	KeyPick    = "pick" // open the dial box with all numbers of the copy
	KeyHangup  = "hangup"
)

// NoticeSpec is a notification before translation.
type NoticeSpec struct {
	Title   Msg
	Body    Msg
	Actions []ActionSpec
}

// ActionSpec is a notification button before translation.
type ActionSpec struct {
	Key   string
	Label Msg
}

// Render translates a NoticeSpec.
func (n NoticeSpec) Render(l Localizer) Notice {
	out := Notice{Title: l.T(n.Title)}
	if n.Body.Key != "" {
		out.Body = l.T(n.Body)
	}
	for _, a := range n.Actions {
		out.Actions = append(out.Actions, NoticeAction{Key: a.Key, Label: l.T(a.Label)})
	}
	return out
}

// KeyCallOn prefixes the key of a button that calls on another phone
// (KeyCallOn + phone ID), offered when the chosen phone is offline.
const KeyCallOn = "call-on:"

// maxCallOn is how many other phones an offline prompt offers: notification
// servers show only a few buttons.
const maxCallOn = 3

// PromptNotice asks whether to call the offered number on phone. When phone
// is offline it says so and offers the phones of online that are online
// instead; with none online it says that and offers nothing that cannot
// work.
func PromptNotice(o Offer, phone Phone, online []Phone) NoticeSpec {
	num := FormatNumber(o.Number)
	if !phone.Online {
		var others []ActionSpec
		for _, p := range online {
			if p.Online && p.ID != phone.ID && len(others) < maxCallOn {
				others = append(others, ActionSpec{KeyCallOn + p.ID.String(), M("action.call_on", "Phone", p.Name)})
			}
		}
		if len(others) == 0 {
			return NoticeSpec{
				Title:   M("prompt.none_online", "Number", num),
				Body:    M("prompt.none_online_body", "Phone", phone.Name),
				Actions: []ActionSpec{{KeyDismiss, M("action.dismiss")}},
			}
		}
		return NoticeSpec{
			Title:   M("prompt.title_offline", "Number", num, "Phone", phone.Name),
			Actions: append(others, ActionSpec{KeyDismiss, M("action.dismiss")}),
		}
	}
	n := NoticeSpec{
		Title: M("prompt.title", "Number", num, "Phone", phone.Name),
		Actions: []ActionSpec{
			{KeyCall, M("action.call")},
			{KeyDismiss, M("action.dismiss")},
		},
	}
	if o.Ext != "" {
		// The phone dials the number only; the user keys the extension
		// in, so the question names it.
		n.Title = M("prompt.title_ext", "Number", FormatNumber(o.Number), "Ext", o.Ext, "Phone", phone.Name)
	}
	switch {
	case o.More > 0:
		n.Body = M("prompt.body_more", "More", o.More)
		n.Actions = append(n.Actions, ActionSpec{KeyPick, M("action.pick")})
	case !phone.PlacesCalls || !o.SafeToAutoDial:
		n.Body = M("prompt.body_dialer", "Phone", phone.Name)
	}
	return n
}

// CallNotice is the feedback for a call's current phase; ok is false when
// the phase needs no notification (the request is still on its way).
func CallNotice(c Call) (n NoticeSpec, ok bool) {
	num := FormatNumber(c.Number)
	who := num
	if c.Name != "" {
		who = c.Name + " (" + num + ")"
	}
	switch c.Phase {
	case call.Sent:
		n.Title = M("call.sent", "Who", who, "Phone", c.PhoneName)
	case call.Dialing:
		n.Title = M("call.dialing", "Who", who, "Phone", c.PhoneName)
	case call.Alerting:
		n.Title = M("call.alerting", "Who", who)
	case call.Active:
		n.Title = M("call.active", "Who", who)
	case call.Ended:
		switch {
		case c.ActiveAt.IsZero() && c.Reason != "":
			// The phone said why it ended without a connection (the
			// log backend: nothing was dialled); "without an answer"
			// would be wrong.
			n.Title = M("call.ended_said", "Who", who, "Phone", c.PhoneName)
			n.Body = M("call.reason", "Reason", c.Reason)
		case c.ActiveAt.IsZero():
			n.Title = M("call.ended_unanswered", "Who", who)
		default:
			n.Title = M("call.ended", "Who", who, "Duration", FormatDuration(c.Ended.Sub(c.ActiveAt)))
		}
	case call.Failed:
		n.Title = M("call.failed", "Who", who)
		n.Body = M("call.reason", "Reason", c.Reason)
	case call.Prefilled:
		n.Title = M("call.prefilled", "Who", who, "Phone", c.PhoneName)
	case call.Offline:
		n.Title = M("call.offline", "Phone", c.PhoneName)
		n.Body = M("call.offline_body", "Who", who)
	case call.Refused:
		n.Title = M("call.refused", "Phone", c.PhoneName)
		n.Body = M("call.reason", "Reason", c.Reason)
	default:
		return n, false
	}
	if c.Phase.Live() && c.CanHangup {
		n.Actions = []ActionSpec{{KeyHangup, M("action.hangup")}}
	}
	return n, true
}

// FormatDuration shows a call length as m:ss or h:mm:ss.
func FormatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int(d.Round(time.Second) / time.Second)
	h, m := s/3600, s/60%60
	s %= 60
	if h > 0 {
		return pad(h, 1) + ":" + pad(m, 2) + ":" + pad(s, 2)
	}
	return pad(m, 1) + ":" + pad(s, 2)
}

func pad(n, w int) string {
	b := []byte{}
	for n > 0 || len(b) < w {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}
