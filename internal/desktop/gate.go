package desktop

// Verdict is what to do about a clipboard change.
type Verdict int

const (
	Ignore     Verdict = iota
	Prompt             // ask: "Call ... on ...?"
	CallAtOnce         // the user chose "call at once" for this phone
)

// Why a change was ignored; for logs and tests.
const (
	WhySelection = "primary selection" // only the hotkey reads PRIMARY
	WhySensitive = "password manager copy"
	WhyOwn       = "deskdial wrote it"
	WhyRepeat    = "same copy as before"
	WhyPaused    = "paused"
	WhyOff       = "clipboard watching is off"
	WhyNoNumber  = "no phone number"
	WhyEmpty     = "empty"
)

// Decision is the verdict on one clipboard change.
type Decision struct {
	Verdict Verdict
	Why     string // when ignored
	Offer   *Offer // when there is a number (also kept while paused)
}

// GateContext is what the decision depends on besides the change itself.
type GateContext struct {
	Paused     bool
	Watch      bool // settings: watch the clipboard
	Region     string
	Find       Finder
	CallAtOnce bool // settings: the selected phone calls without asking
}

// ClipGate remembers what it has seen so that one copy never prompts twice
// and deskdial's own writes never prompt at all. Not safe for concurrent use;
// the core's loop owns it.
type ClipGate struct {
	last string
	own  []string
}

// maxOwn bounds how many of our own writes are remembered; a write is
// forgotten once its change event arrived.
const maxOwn = 4

// MarkOwn records text deskdial is about to put on the clipboard.
func (g *ClipGate) MarkOwn(text string) {
	g.own = append(g.own, text)
	if len(g.own) > maxOwn {
		g.own = g.own[len(g.own)-maxOwn:]
	}
}

// Decide returns what to do about ch.
func (g *ClipGate) Decide(ch ClipChange, gc GateContext) Decision {
	if ch.Selection != Clipboard {
		return Decision{Why: WhySelection}
	}
	if ch.Sensitive {
		// Forget the previous copy too: copying the same number again after
		// a password is a new copy.
		g.last = ""
		return Decision{Why: WhySensitive}
	}
	if ch.Text == "" {
		g.last = ""
		return Decision{Why: WhyEmpty}
	}
	for i, o := range g.own {
		if o == ch.Text {
			g.own = append(g.own[:i:i], g.own[i+1:]...)
			g.last = ch.Text
			return Decision{Why: WhyOwn}
		}
	}
	// Owners re-assert the selection (and some apps copy twice): the
	// same text right after itself is the same copy.
	if ch.Text == g.last {
		return Decision{Why: WhyRepeat}
	}
	g.last = ch.Text
	var found []Found
	if gc.Find != nil {
		found = gc.Find(ch.Text, gc.Region)
	}
	if len(found) == 0 {
		return Decision{Why: WhyNoNumber}
	}
	o := &Offer{
		Number:         found[0].E164,
		Raw:            found[0].Raw,
		Ext:            found[0].Ext,
		Text:           ch.Text,
		More:           len(found) - 1,
		SafeToAutoDial: found[0].SafeToAutoDial,
	}
	switch {
	case !gc.Watch:
		return Decision{Why: WhyOff, Offer: o}
	case gc.Paused:
		return Decision{Why: WhyPaused, Offer: o}
	case gc.CallAtOnce && o.SafeToAutoDial && o.More == 0:
		return Decision{Verdict: CallAtOnce, Offer: o}
	}
	return Decision{Verdict: Prompt, Offer: o}
}
