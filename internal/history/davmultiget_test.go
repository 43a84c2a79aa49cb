package history

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
)

// mkAddressBook makes alice's address book on a radicale server.
func mkAddressBook(t *testing.T, base string) string {
	t.Helper()
	book := base + "/alice/contacts/"
	davDo(t, "MKCOL", book, "application/xml", `<?xml version="1.0"?>
<mkcol xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><set><prop>
<resourcetype><collection/><C:addressbook/></resourcetype><displayname>Contacts</displayname>
</prop></set></mkcol>`)
	return book
}

// davGet returns what the server holds at url.
func davGet(t *testing.T, url string) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.SetBasicAuth("alice", "x")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s, %v", url, resp.Status, err)
	}
	return b
}

func contactsText(t *testing.T, s *Store) string {
	t.Helper()
	cs, err := s.Contacts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		got = append(got, c.Name+"="+numbersOf(c))
	}
	return strings.Join(got, "|")
}

// TestCardDAVSyncReadsCardsAsImport: cards whose TEL lines go-vcard cannot
// read (a quoted TYPE with a colon followed by another value; vCard 2.1
// bare parameters) keep their numbers when synced, exactly as when the
// same bytes are imported from a file.
func TestCardDAVSyncReadsCardsAsImport(t *testing.T) {
	ctx := context.Background()
	base := radicale(t)
	direct := mkAddressBook(t, base)
	proxy := newHostileProxy(t, base)
	book := proxy.url + "/alice/contacts/"
	cards := map[string]string{
		"quoted.vcf": "BEGIN:VCARD\r\nVERSION:3.0\r\nUID:u-quoted\r\nFN:Quirin Quote\r\n" +
			"TEL;TYPE=\"cell,voice:x\",PREF:+49 30 1234567\r\nTEL;TYPE=WORK:+49 30 7654321\r\nEND:VCARD\r\n",
		"v21.vcf": "BEGIN:VCARD\r\nVERSION:2.1\r\nUID:u-v21\r\nN:Alt;Adele\r\nFN:Adele Alt\r\n" +
			"TEL;CELL;VOICE:+49 170 2223334\r\nTEL;WORK:+49 40 5556667\r\nEND:VCARD\r\n",
	}
	for name, card := range cards {
		davDo(t, http.MethodPut, direct+name, "text/vcard", card)
	}
	// radicale rewrites the vCard 2.1 card as it stores it, dropping the
	// bare parameters (TEL;CELL;VOICE: becomes TEL:). Servers that keep
	// a card as it was written send it back as written: the proxy puts
	// radicale's answer back to the card that was written.
	held := string(davGet(t, direct+"v21.vcf"))
	if strings.Contains(held, "TEL;CELL") {
		t.Logf("radicale keeps vCard 2.1 bare parameters now")
	}
	proxy.rewrite(func(b []byte) []byte {
		b = bytes.Replace(b, []byte("TEL:+49 170 2223334"), []byte("TEL;CELL;VOICE:+49 170 2223334"), 1)
		return bytes.Replace(b, []byte("TEL:+49 40 5556667"), []byte("TEL;WORK:+49 40 5556667"), 1)
	})

	synced, _ := openTemp(t)
	rep, err := synced.SyncCardDAV(ctx, book, "DE", CardDAVOptions{User: "alice", Password: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Fetched != 2 || rep.Added != 2 || rep.Skipped != 0 || len(rep.Problems) != 0 {
		t.Errorf("sync report = %+v", rep)
	}
	if proxy.rewrote.Load() == 0 {
		t.Fatal("the vCard 2.1 card was not sent as written")
	}
	// The same cards, imported from a file: the quoted one as the server
	// holds it, the vCard 2.1 one as written.
	var file bytes.Buffer
	file.Write(davGet(t, direct+"quoted.vcf"))
	file.WriteString(cards["v21.vcf"])
	imported, _ := openTemp(t)
	irep, err := imported.ImportVCard(ctx, &file, "DE")
	if err != nil || irep.Added != 2 {
		t.Fatalf("import of the server's cards = %+v, %v", irep, err)
	}
	want := "Adele Alt=mobile:+491702223334 work:+49405556667|Quirin Quote=mobile:+49301234567 work:+49307654321"
	if got := contactsText(t, synced); got != want {
		t.Errorf("synced contacts:\n%s\nwant\n%s", got, want)
	}
	if got := contactsText(t, imported); got != want {
		t.Errorf("imported contacts:\n%s\nwant\n%s", got, want)
	}
	if r, err := synced.ResolveName(ctx, "quirin"); err != nil || r.Number.E164 != "+49301234567" {
		t.Errorf("resolve quirin after sync = %+v, %v; want the quoted-TYPE mobile number", r, err)
	}
}

// hostileProxy passes requests to a real CardDAV server, except that a
// multiget (the request for the cards themselves) is answered by the
// function given to set, or has its answer rewritten by the one given to
// rewrite.
type hostileProxy struct {
	url      string
	answer   atomic.Pointer[func(w http.ResponseWriter)]
	change   atomic.Pointer[func([]byte) []byte]
	multigot atomic.Int32
	rewrote  atomic.Int32
}

func newHostileProxy(t *testing.T, backend string) *hostileProxy {
	t.Helper()
	u, _ := url.Parse(backend)
	rp := httputil.NewSingleHostReverseProxy(u)
	p := &hostileProxy{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "REPORT" {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			if bytes.Contains(body, []byte("addressbook-multiget")) {
				p.multigot.Add(1)
				if a := p.answer.Load(); a != nil {
					(*a)(w)
					return
				}
				if c := p.change.Load(); c != nil {
					r.Header.Del("Accept-Encoding") // a plain answer to rewrite
					rec := httptest.NewRecorder()
					rp.ServeHTTP(rec, r)
					body := (*c)(rec.Body.Bytes())
					if !bytes.Equal(body, rec.Body.Bytes()) {
						p.rewrote.Add(1)
					}
					for k, v := range rec.Header() {
						w.Header()[k] = v
					}
					w.Header().Del("Content-Length")
					w.WriteHeader(rec.Code)
					w.Write(body)
					return
				}
			}
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

func (p *hostileProxy) rewrite(c func([]byte) []byte) { p.change.Store(&c) }

func (p *hostileProxy) set(a func(w http.ResponseWriter)) { p.answer.Store(&a) }

func multistatus(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "application/xml; charset=utf-8")
	w.WriteHeader(http.StatusMultiStatus)
	io.WriteString(w, body)
}

// TestCardDAVBadMultiGetAnswer: a server whose answer to the request for
// the cards is broken XML, not a multistatus, cut short or too large ends
// the sync with an error that says so; the contacts already stored and the
// sync token are untouched, and the next good sync brings the change.
func TestCardDAVBadMultiGetAnswer(t *testing.T) {
	ctx := context.Background()
	base := radicale(t)
	mkAddressBook(t, base)
	proxy := newHostileProxy(t, base)
	book := proxy.url + "/alice/contacts/"
	putCard(t, base+"/alice/contacts/", "anna.vcf", "u-anna", "Anna Schmidt", "TEL;TYPE=CELL:+49 170 1111111\r\n")
	putCard(t, base+"/alice/contacts/", "bernd.vcf", "u-bernd", "Bernd Kaiser", "TEL;TYPE=WORK:+49 30 3333333\r\n")

	s, _ := openTemp(t)
	dav := CardDAVOptions{User: "alice", Password: "x", MaxResponse: 1 << 20}
	if _, err := s.SyncCardDAV(ctx, book, "DE", dav); err != nil {
		t.Fatal(err)
	}
	before := contactsText(t, s)
	tokenOf := func() string {
		var tok string
		s.db.QueryRow(`SELECT value FROM meta WHERE key LIKE 'carddav-token:%'`).Scan(&tok)
		return tok
	}
	token := tokenOf()
	if token == "" || !strings.Contains(before, "Anna Schmidt") {
		t.Fatalf("first sync: contacts %q, token %q", before, token)
	}

	// Anna's number changes and a card is added on the server.
	putCard(t, base+"/alice/contacts/", "anna.vcf", "u-anna", "Anna Schmidt", "TEL;TYPE=CELL:+49 170 9999999\r\n")
	putCard(t, base+"/alice/contacts/", "carla.vcf", "u-carla", "Carla Vogt", "TEL;TYPE=HOME:+49 30 4444444\r\n")

	head := `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">`
	resp := `<d:response><d:href>/alice/contacts/anna.vcf</d:href><d:propstat><d:prop><d:getetag>"1"</d:getetag>` +
		`<c:address-data>BEGIN:VCARD&#13;&#10;FN:Anna Schmidt&#13;&#10;TEL:+49 170 5555555&#13;&#10;END:VCARD&#13;&#10;</c:address-data>` +
		`</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`
	for _, tc := range []struct {
		name   string
		answer func(w http.ResponseWriter)
		want   error
		says   string
	}{
		{"not XML", func(w http.ResponseWriter) { multistatus(w, "<html><body>Oops</bod") }, ErrBadAnswer, "cannot be read"},
		{"not a multistatus", func(w http.ResponseWriter) { multistatus(w, `<?xml version="1.0"?><d:error xmlns:d="DAV:"/>`) }, ErrBadAnswer, "not a DAV multistatus"},
		{"cut short", func(w http.ResponseWriter) { multistatus(w, head+resp[:len(resp)/2]) }, ErrBadAnswer, "cannot be read"},
		{"no closing tag", func(w http.ResponseWriter) { multistatus(w, head+resp) }, ErrBadAnswer, "cannot be read"},
		{"bad status line", func(w http.ResponseWriter) {
			multistatus(w, head+strings.Replace(resp, "HTTP/1.1 200 OK", "fine", 1)+"</d:multistatus>")
		}, ErrBadAnswer, "not an HTTP status line"},
		{"too large", func(w http.ResponseWriter) {
			multistatus(w, head+strings.Replace(resp, "FN:", "NOTE:"+strings.Repeat("x", 2<<20)+"&#13;&#10;FN:", 1)+"</d:multistatus>")
		}, ErrTooLarge, "more than 1 MiB in one answer"},
		{"server error", func(w http.ResponseWriter) { http.Error(w, "database \x1b[2Jlocked", http.StatusInternalServerError) }, nil, `"500 Internal Server Error" instead of a list of cards`},
	} {
		proxy.set(tc.answer)
		n := proxy.multigot.Load()
		_, err := s.SyncCardDAV(ctx, book, "DE", dav)
		if err == nil || (tc.want != nil && !errors.Is(err, tc.want)) || !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: err = %v, want %v saying %q", tc.name, err, tc.want, tc.says)
		} else {
			t.Logf("%s: %v", tc.name, err)
		}
		if err != nil && strings.ContainsAny(err.Error(), "\x1b\n") {
			t.Errorf("%s: error %q carries control characters from the server", tc.name, err)
		}
		if proxy.multigot.Load() == n {
			t.Errorf("%s: the sync never asked for the cards", tc.name)
		}
		if got := contactsText(t, s); got != before {
			t.Errorf("%s: contacts changed to %q", tc.name, got)
		}
		if tokenOf() != token {
			t.Errorf("%s: the sync token changed", tc.name)
		}
	}

	// The server answers again: the change arrives.
	proxy.answer.Store(nil)
	rep, err := s.SyncCardDAV(ctx, book, "DE", dav)
	if err != nil || rep.Fetched != 2 || rep.Added != 1 || rep.Updated != 1 {
		t.Fatalf("good sync after the bad ones = %+v, %v", rep, err)
	}
	want := "Anna Schmidt=mobile:+491709999999|Bernd Kaiser=work:+49303333333|Carla Vogt=home:+49304444444"
	if got := contactsText(t, s); got != want {
		t.Errorf("contacts:\n%s\nwant\n%s", got, want)
	}
}

// TestCardDAVMultiGetPartialAnswer: a server that says a card is gone (404)
// between listing and fetch, or leaves a card out, or cannot send one,
// costs only those cards: a gone card is deleted, the others keep their
// stored copy and are fetched again by the next sync.
func TestCardDAVMultiGetPartialAnswer(t *testing.T) {
	ctx := context.Background()
	base := radicale(t)
	mkAddressBook(t, base)
	proxy := newHostileProxy(t, base)
	direct := base + "/alice/contacts/"
	book := proxy.url + "/alice/contacts/"
	putCard(t, direct, "anna.vcf", "u-anna", "Anna Schmidt", "TEL;TYPE=CELL:+49 170 1111111\r\n")
	putCard(t, direct, "bernd.vcf", "u-bernd", "Bernd Kaiser", "TEL;TYPE=WORK:+49 30 3333333\r\n")
	putCard(t, direct, "carla.vcf", "u-carla", "Carla Vogt", "TEL;TYPE=HOME:+49 30 4444444\r\n")
	s, _ := openTemp(t)
	dav := CardDAVOptions{User: "alice", Password: "x"}
	if _, err := s.SyncCardDAV(ctx, book, "DE", dav); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"anna", "bernd", "carla"} {
		putCard(t, direct, n+".vcf", "u-"+n, strings.ToUpper(n[:1])+n[1:]+" Neu", "TEL;TYPE=CELL:+49 170 7777777\r\n")
	}
	proxy.set(func(w http.ResponseWriter) {
		multistatus(w, `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav">`+
			`<d:response><d:href>/alice/contacts/anna.vcf</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>`+
			`<d:response><d:href>/alice/contacts/bernd.vcf</d:href><d:propstat><d:prop><c:address-data/></d:prop>`+
			`<d:status>HTTP/1.1 403 Forbidden</d:status></d:propstat></d:response>`+
			`<d:response><d:href>/alice/contacts/mallory.vcf</d:href><d:propstat><d:prop><c:address-data>BEGIN:VCARD
FN:Mallory
TEL:+49 170 6666666
END:VCARD
</c:address-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`+
			`</d:multistatus>`)
	})
	rep, err := s.SyncCardDAV(ctx, book, "DE", dav)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Deleted != 1 || rep.Skipped != 2 || rep.Added+rep.Updated != 0 || len(rep.Problems) != 2 {
		t.Errorf("report = %+v, want anna deleted, bernd and carla skipped with a problem each", rep)
	}
	for _, p := range rep.Problems {
		t.Log(p)
		if !strings.Contains(p.String(), "next sync tries again") {
			t.Errorf("problem %q does not say the card is kept", p)
		}
	}
	if got, want := contactsText(t, s), "Bernd Kaiser=work:+49303333333|Carla Vogt=home:+49304444444"; got != want {
		t.Errorf("contacts = %q, want %q (no stranger's card, the others kept)", got, want)
	}
	proxy.answer.Store(nil)
	rep, err = s.SyncCardDAV(ctx, book, "DE", dav)
	if err != nil || rep.Incremental || rep.Fetched != 3 || rep.Added != 1 || rep.Updated != 2 {
		t.Fatalf("next sync = %+v, %v; want a full comparison fetching all three again", rep, err)
	}
	if got, want := contactsText(t, s), "Anna Neu=mobile:+491707777777|Bernd Neu=mobile:+491707777777|Carla Neu=mobile:+491707777777"; got != want {
		t.Errorf("contacts = %q, want %q", got, want)
	}
}

func TestReadMultiGet(t *testing.T) {
	in := `<?xml version="1.0" encoding="utf-8"?>
<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav">
 <response><href>/book/a%20b.vcf</href>
  <propstat><prop><getetag>"e-1"</getetag><C:address-data><![CDATA[BEGIN:VCARD
TEL;TYPE="cell,voice:x",PREF:+49 30 1234567
END:VCARD
]]></C:address-data></prop><status>HTTP/1.1 200 OK</status></propstat>
 </response>
 <response><href>http://example.org/book/c.vcf</href>
  <propstat><prop><C:address-data>BEGIN:VCARD&#13;
FN:C &amp; Co
END:VCARD</C:address-data></prop><status>HTTP/1.1 200 OK</status></propstat>
  <propstat><prop><getetag/></prop><status>HTTP/1.1 404 Not Found</status></propstat>
 </response>
 <response><href>/book/gone.vcf</href><status>HTTP/1.1 404 Not Found</status></response>
 <response><href>/book/other.vcf</href><propstat><prop><C:address-data>x</C:address-data></prop></propstat></response>
 <other xmlns="urn:x">ignored</other>
 <sync-token>t</sync-token>
</multistatus>`
	want := map[string]bool{"/book/a b.vcf": true, "/book/c.vcf": true, "/book/gone.vcf": true, "/book/missing.vcf": true}
	got, err := readMultiGet(strings.NewReader(in), want)
	if err != nil {
		t.Fatal(err)
	}
	text := fmt.Sprintf("%+v", got)
	if len(got) != 3 ||
		got["/book/a b.vcf"].ETag != "e-1" || string(got["/book/a b.vcf"].Data) != "BEGIN:VCARD\nTEL;TYPE=\"cell,voice:x\",PREF:+49 30 1234567\nEND:VCARD\n" ||
		got["/book/c.vcf"].ETag != "" || string(got["/book/c.vcf"].Data) != "BEGIN:VCARD\r\nFN:C & Co\nEND:VCARD" ||
		got["/book/gone.vcf"].Status != 404 || got["/book/gone.vcf"].Data != nil {
		t.Errorf("readMultiGet = %s", text)
	}
	for _, bad := range []string{
		"",
		"<multistatus xmlns=\"DAV:\">",
		`<multistatus xmlns="DAV:"><response><status>HTTP/1.1 200 OK</status></response></multistatus>`,
		`<multistatus xmlns="DAV:"><response><href>/book/c.vcf</href></response><response><href>/book/c.vcf</href></response></multistatus>`,
		`<multistatus xmlns="DAV:"><response><href>/book/c.vcf</href><href>/book/gone.vcf</href><propstat/></response></multistatus>`,
		`<multistatus xmlns="DAV:"><response><href>/book/c.vcf</href><propstat><prop><getetag>` + strings.Repeat("e", maxETag+1) + `</getetag></prop></propstat></response></multistatus>`,
		`<multistatus><response><href>/book/c.vcf</href></response></multistatus>`,
	} {
		if _, err := readMultiGet(strings.NewReader(bad), want); !errors.Is(err, ErrBadAnswer) {
			t.Errorf("readMultiGet(%.60q) = %v, want ErrBadAnswer", bad, err)
		}
	}
}

// FuzzReadMultiGet feeds the multistatus reader arbitrary answers: it
// returns cards only for hrefs asked for, or an error, and never panics;
// a card it returns goes through the card reader.
func FuzzReadMultiGet(f *testing.F) {
	f.Add(`<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:carddav"><d:response><d:href>/b/a.vcf</d:href><d:propstat><d:prop><d:getetag>"x"</d:getetag><c:address-data>BEGIN:VCARD
FN:A
TEL;TYPE="cell,voice:x",PREF:+49 30 1234567
END:VCARD</c:address-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>`)
	f.Add(`<multistatus xmlns="DAV:"><response><href>/b/a.vcf</href><href>/b/b.vcf</href><status>HTTP/1.1 404 x</status></response></multistatus>`)
	f.Add(`<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><response><href>http://h/b/b.vcf</href><propstat><prop><C:address-data><![CDATA[x]]></C:address-data></prop><status>HTTP/1.1 500 x</status></propstat></response></multistatus>`)
	f.Add(`<multistatus xmlns="DAV:"><response><href>/b/a.vcf</href></response><response><href>/b/a.vcf</href></response></multistatus>`)
	f.Fuzz(func(t *testing.T, in string) {
		want := map[string]bool{"/b/a.vcf": true, "/b/b.vcf": true}
		got, err := readMultiGet(strings.NewReader(in), want)
		if err != nil {
			if got != nil {
				t.Fatalf("cards %v returned with error %v", got, err)
			}
			if !errors.Is(err, ErrBadAnswer) {
				t.Fatalf("error %v is not ErrBadAnswer", err)
			}
			return
		}
		for href, c := range got {
			if !want[href] {
				t.Fatalf("card for %q, not asked for", href)
			}
			if (c.Data != nil) != (c.Status == http.StatusOK) || len(c.ETag) > maxETag {
				t.Fatalf("card %q = %+v", href, c)
			}
			if c.Data != nil {
				readCardData(c.Data, "DE")
			}
		}
	})
}
