package desktop

import (
	"testing"

	"github.com/deskdial/deskdial/internal/call"
	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/testsupport"
)

// A short code typed in the dial box or clicked as a tel: link is filled
// in on the phone as typed: 112, never +49112.
func TestCoreShortCodeIsFilledInAsTyped(t *testing.T) {
	r := newRig(t, pixel)
	r.core.Do(Action{Kind: ActDialText, Text: "112"})
	testsupport.WaitFor(t, "the dial request", func() bool { return len(r.remote.dialed()) == 1 })
	if d := r.remote.dialed()[0]; d != (dialed{pixel.ID, "112", call.ModePrefill}) {
		t.Fatalf("dial box 112: dialed %+v, want the dialer opened with 112", d)
	}
	r.core.Do(Action{Kind: ActOfferLink, Text: "tel:110"})
	r.core.Sync()
	if n := r.notifier.last(); n.Title != "prompt.title{Number=110 Phone=Pixel}" {
		t.Fatalf("tel:110 prompt %+v", n)
	}
	r.core.NoticeEvent(r.notifier.lastID(), KeyCall)
	testsupport.WaitFor(t, "the second dial request", func() bool { return len(r.remote.dialed()) == 2 })
	if d := r.remote.dialed()[1]; d != (dialed{pixel.ID, "110", call.ModePrefill}) {
		t.Fatalf("tel:110: dialed %+v, want the dialer opened with 110", d)
	}
}

// With no region set and none in the locale, a national number typed in
// the dial box or clicked as a link is not sent: the notice says to set
// the region.
func TestCoreNationalNumberWithoutRegion(t *testing.T) {
	for _, k := range []string{"LC_ALL", "LC_TELEPHONE", "LC_MESSAGES"} {
		t.Setenv(k, "")
	}
	t.Setenv("LANG", "en")
	r := newRig(t, pixel)
	if err := r.settings.Modify(func(s *config.Settings) { s.Region = "" }); err != nil {
		t.Fatal(err)
	}
	for _, a := range []Action{
		{Kind: ActDialText, Text: "(202) 555-0123"},
		{Kind: ActDialText, Text: "030 1234567"},
		{Kind: ActOfferLink, Text: "tel:030-1234567"},
	} {
		r.core.Do(a)
		r.core.Sync()
		n := r.notifier.last()
		if n.Title != "notice.no_region{Number="+a.Text+"}" || n.Body != "notice.no_region_body" {
			t.Errorf("%q: notice %+v, want one saying to set the region", a.Text, n)
		}
	}
	// A copied national number says so too, where it would have prompted;
	// other copies say nothing.
	r.core.Clipboard(ClipChange{Text: "030 1234567"})
	r.core.Sync()
	if n := r.notifier.last(); n.Title != "notice.no_region{Number=030 1234567}" {
		t.Errorf("copied national number: notice %+v, want one saying to set the region", n)
	}
	shown := len(r.notifier.titles())
	r.core.Clipboard(ClipChange{Text: "Order 12345 shipped"})
	r.core.Sync()
	if got := len(r.notifier.titles()); got != shown {
		t.Errorf("a copy without a number showed %q", r.notifier.titles()[shown:])
	}
	if got := r.remote.dialed(); len(got) != 0 {
		t.Fatalf("sent %+v without a region", got)
	}
}

// lastID is the id the last new notice got.
func (n *fakeNotifier) lastID() uint32 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.counter
}
