package history

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/deskdial/deskdial/internal/testsupport"
)

const radicalePython = "/usr/bin/python3"

// radicale starts Debian's radicale on a loopback port with an empty
// store and returns its base URL. Authentication is off; the user name in
// the basic-auth header picks the owner's collections.
func radicale(t *testing.T) string {
	t.Helper()
	if err := exec.Command(radicalePython, "-c", "import radicale").Run(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("radicale is not installed (apt-get install radicale): %v", err)
		}
		t.Skipf("radicale is not installed (apt-get install radicale): %v", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, radicalePython, "-m", "radicale",
		"--config", "", // ignore /etc/radicale/config
		"--server-hosts", addr,
		"--storage-filesystem-folder", t.TempDir(),
		"--auth-type", "none",
		"--rights-type", "owner_only",
		"--logging-level", "warning")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	base := "http://" + addr
	testsupport.WaitForListen(t, addr, "radicale")
	return base
}

func davDo(t *testing.T, method, url, ctype, body string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.SetBasicAuth("alice", "x")
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %s", method, url, resp.Status)
	}
}

func putCard(t *testing.T, book, name, uid, fn, tels string) {
	t.Helper()
	card := fmt.Sprintf("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:%s\r\nFN:%s\r\n%sEND:VCARD\r\n", uid, fn, tels)
	davDo(t, http.MethodPut, book+name, "text/vcard", card)
}

func TestCardDAVSyncWithRadicale(t *testing.T) {
	ctx := context.Background()
	base := radicale(t)
	book := base + "/alice/contacts/"
	davDo(t, "MKCOL", book, "application/xml", `<?xml version="1.0"?>
<mkcol xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><set><prop>
<resourcetype><collection/><C:addressbook/></resourcetype><displayname>Contacts</displayname>
</prop></set></mkcol>`)
	putCard(t, book, "anna.vcf", "u-anna", "Anna Schmidt", "TEL;TYPE=CELL:0170 1111111\r\nTEL;TYPE=WORK:030 1111111\r\n")
	putCard(t, book, "bernd.vcf", "u-bernd", "Bernd Kaiser", "TEL;TYPE=WORK:+49 30 3333333\r\n")
	putCard(t, book, "carla.vcf", "u-carla", "Carla Vogt", "TEL;TYPE=HOME:+49 30 4444444\r\n")

	s, _ := openTemp(t)
	dav := CardDAVOptions{User: "alice", Password: "x"}
	// The user may give the server root: the address book is discovered.
	rep, err := s.SyncCardDAV(ctx, base+"/alice/", "DE", dav)
	if err != nil {
		t.Fatalf("first sync: %v", err)
	}
	if rep.Incremental || rep.Fetched != 3 || rep.Added != 3 || !strings.HasSuffix(rep.AddressBook, "/alice/contacts/") {
		t.Errorf("first sync report = %+v", rep)
	}
	if r, err := s.ResolveName(ctx, "anna"); err != nil || r.Number.E164 != "+491701111111" {
		t.Errorf("resolve anna after sync = %+v, %v", r, err)
	}

	// Nothing changed: nothing fetched.
	rep, err = s.SyncCardDAV(ctx, book, "DE", dav)
	if err != nil || !rep.Incremental || rep.Fetched != 0 {
		t.Errorf("idle sync = %+v, %v", rep, err)
	}

	// Change one, add one, delete one: only two cards travel.
	putCard(t, book, "bernd.vcf", "u-bernd", "Bernd Kaiser", "TEL;TYPE=CELL:+49 171 3333333\r\n")
	putCard(t, book, "dora.vcf", "u-dora", "Dora Lang", "TEL;TYPE=CELL:+49 170 5555555\r\n")
	davDo(t, http.MethodDelete, book+"carla.vcf", "", "")
	rep, err = s.SyncCardDAV(ctx, book, "DE", dav)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Incremental || rep.Fetched != 2 || rep.Added != 1 || rep.Updated != 1 || rep.Deleted != 1 {
		t.Errorf("incremental sync report = %+v", rep)
	}
	cs, _ := s.Contacts(ctx)
	var got []string
	for _, c := range cs {
		got = append(got, c.Name+"="+numbersOf(c))
	}
	want := "Anna Schmidt=mobile:+491701111111 work:+49301111111|Bernd Kaiser=mobile:+491713333333|Dora Lang=mobile:+491705555555"
	if strings.Join(got, "|") != want {
		t.Errorf("contacts after sync:\n%s\nwant\n%s", strings.Join(got, "|"), want)
	}

	// A forgotten sync token falls back to a full comparison by ETag.
	s.db.Exec(`UPDATE meta SET value = 'http://radicale.org/ns/sync/bogus' WHERE key LIKE 'carddav-token:%'`)
	rep, err = s.SyncCardDAV(ctx, book, "DE", dav)
	if err != nil || rep.Fetched != 0 || rep.Deleted != 0 {
		t.Errorf("sync after a lost token = %+v, %v; want nothing fetched", rep, err)
	}

	if _, err := s.SyncCardDAV(ctx, "ftp://example.org/", "DE", dav); err == nil {
		t.Error("an ftp:// address book was accepted")
	}
}

// TestCardDAVHostileNamesNotImported: a CardDAV server hands out cards whose
// names carry an escaped newline, an escape sequence or a bidi override.
// They are skipped with one escaped problem each; the good card is stored.
func TestCardDAVHostileNamesNotImported(t *testing.T) {
	ctx := context.Background()
	base := radicale(t)
	book := base + "/alice/contacts/"
	davDo(t, "MKCOL", book, "application/xml", `<?xml version="1.0"?>
<mkcol xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><set><prop>
<resourcetype><collection/><C:addressbook/></resourcetype><displayname>Contacts</displayname>
</prop></set></mkcol>`)
	putCard(t, book, "good.vcf", "u-good", "Anna Good", "TEL;TYPE=CELL:0170 1111111\r\n")
	putCard(t, book, "nl.vcf", "u-nl", `Eve\nMallory\tmobile\t+491709999999`, "TEL;TYPE=CELL:0170 2222222\r\n")
	putCard(t, book, "bidi.vcf", "u-bidi", "Carl \u202egnp.exe", "TEL;TYPE=CELL:0170 3333333\r\n")

	s, _ := openTemp(t)
	rep, err := s.SyncCardDAV(ctx, book, "DE", CardDAVOptions{User: "alice", Password: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Added != 1 || rep.Skipped != 2 || len(rep.Problems) != 2 {
		t.Fatalf("report = %+v, want 1 added and 2 skipped with a problem each", rep)
	}
	for _, p := range rep.Problems {
		line := p.String()
		if strings.ContainsAny(line, "\n\t\u202e") || !strings.Contains(line, "not imported") {
			t.Errorf("problem line %q", line)
		}
	}
	cs, _ := s.Contacts(ctx)
	if len(cs) != 1 || cs[0].Name != "Anna Good" {
		t.Errorf("contacts = %+v", cs)
	}
}
