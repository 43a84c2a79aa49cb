package history

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

func importFile(t *testing.T, s *Store, name, region string) ImportReport {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rep, err := s.ImportVCard(context.Background(), f, region)
	if err != nil {
		t.Fatalf("ImportVCard(%s): %v", name, err)
	}
	return rep
}

func numbersOf(c Contact) string {
	var out []string
	for _, n := range c.Numbers {
		out = append(out, n.Label+":"+n.E164)
	}
	return strings.Join(out, " ")
}

func TestImportRealWorldShapes(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	rep := importFile(t, s, "testdata/realworld.vcf", "DE")
	if rep.Cards != 9 || rep.Added != 4 || rep.Merged != 2 || rep.NoNumber != 1 || rep.Skipped != 2 {
		t.Errorf("report = %+v", rep)
	}
	var probs []string
	for _, p := range rep.Problems {
		probs = append(probs, p.String())
	}
	joined := strings.Join(probs, "\n")
	for _, want := range []string{"card 3 at line 20: no END:VCARD", "card 6 at line 37: no name", `(Zoë Ångström): number "not a number" skipped`} {
		if !strings.Contains(joined, want) {
			t.Errorf("problems lack %q:\n%s", want, joined)
		}
	}

	cs, err := s.Contacts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, c := range cs {
		got[c.Name] = numbersOf(c) + " org=" + c.Org
	}
	want := map[string]string{
		// Folded NOTE, fax left out, merged by UID with a later card.
		"Jürgen Müller": "mobile:+491701234567 work:+4930123456 home:+4930555444 org=Bäckerei Müller",
		// vCard 4 tel: URIs with a quoted type list.
		"张伟": "mobile:+8613800138000 home:+861065529988 org=",
		// A folded TEL value; the bad number is reported, the card kept.
		"Zoë Ångström": "home:+49309876543 org=",
		// vCard 2.1 bare types; merged with "john  doe" by name and number.
		"John Doe": "mobile:+12015550123 work:+12015550199 other:+12015550100 org=",
	}
	if len(got) != len(want) {
		t.Errorf("contacts = %v", got)
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: got %q, want %q", name, got[name], w)
		}
	}

	// Importing the same file again adds nothing.
	rep2 := importFile(t, s, "testdata/realworld.vcf", "DE")
	if rep2.Added != 0 || rep2.Merged != 6 {
		t.Errorf("second import report = %+v, want everything merged", rep2)
	}
	if cs2, _ := s.Contacts(ctx); len(cs2) != len(cs) {
		t.Errorf("second import changed the number of contacts: %d -> %d", len(cs), len(cs2))
	}
}

func TestImportGarbageIsReportedNotFatal(t *testing.T) {
	s, _ := openTemp(t)
	in := "hello\nEND:VCARD\nBEGIN:VCARD\nFN:Half\nTEL:+4930123456\n"
	rep, err := s.ImportVCard(context.Background(), strings.NewReader(in), "DE")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Cards != 1 || rep.Skipped != 1 || rep.Added != 0 || len(rep.Problems) != 1 {
		t.Errorf("report = %+v", rep)
	}
}

// genVCards writes n cards with two numbers each.
func genVCards(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:%s %s %d\r\nORG:%s\r\nTEL;TYPE=CELL:+49 151 %08d\r\nTEL;TYPE=WORK:030 %07d\r\nUID:gen-%d\r\nEND:VCARD\r\n",
			firstNames[i%len(firstNames)], lastNames[(i/len(firstNames))%len(lastNames)], i, orgs[i%len(orgs)], 10000000+i, 2000000+i, i)
	}
	return b.String()
}

var (
	firstNames = []string{"Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hans", "Ida", "Jonas", "Käthe", "Lukas", "Mia", "Noah", "Olga", "Paul", "Ronja", "Søren", "Tim", "Ümit"}
	lastNames  = []string{"Schmidt", "Müller", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann", "Braun", "Krüger"}
	orgs       = []string{"", "ACME GmbH", "Stadtwerke", "Praxis Dr. Weiß", ""}
)

func BenchmarkImportVCard10k(b *testing.B) {
	data := genVCards(10000)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		b.StopTimer()
		s, _ := openTemp(b)
		b.StartTimer()
		rep, err := s.ImportVCard(context.Background(), strings.NewReader(data), "DE")
		if err != nil || rep.Added != 10000 {
			b.Fatalf("import: %+v, %v", rep, err)
		}
		b.StopTimer()
		s.Close()
		b.StartTimer()
	}
}

// FuzzImportVCard feeds the card reader (splitting, go-vcard, number
// normalisation) arbitrary input; the database side is covered by the
// import tests.
func FuzzImportVCard(f *testing.F) {
	if b, err := os.ReadFile("testdata/realworld.vcf"); err == nil {
		f.Add(string(b))
	}
	f.Add(genVCards(3))
	addExporterSeeds(f)
	f.Add("BEGIN:VCARD\nFN;QUOTED-PRINTABLE:=C3=\n=91\nNOTE;QUOTED-PRINTABLE:a=\nTEL:+49 30 1234567\nTEL;TYPE=\"A,B:C\",PREF:030 1234567p12w3\nEND:VCARD\n")
	f.Add("BEGIN:VCARD\nFN;CHARSET=SHIFT_JIS:\x82\nEND:VCARD\n")
	f.Add("BEGIN:VCARD\nTEL;;=:\"\nEND:VCARD\n")
	f.Add("BEGIN:VCARD\nFN:x\nTEL;CELL;VALUE=uri:tel:+49-30-1234567;ext=1\nEND:VCARD\n")
	f.Fuzz(func(t *testing.T, in string) {
		seen := map[string]bool{}
		rep, err := readCards(strings.NewReader(in), "DE", func(rec *contactRec) (bool, error) {
			if rec.Name == "" || len(rec.Numbers) == 0 {
				t.Fatalf("unusable card passed on: %+v", rec)
			}
			if !utf8.ValidString(rec.Name) || !utf8.ValidString(rec.Org) {
				t.Fatalf("name or organisation not UTF-8: %q %q", rec.Name, rec.Org)
			}
			for _, n := range rec.Numbers {
				if !strings.HasPrefix(n.E164, "+") || labelRank(n.Label) == 3 && n.Label != LabelOther {
					t.Fatalf("bad number %+v", n)
				}
				// Pauses are never dialled as part of the number.
				if !validExt(n.Ext) || strings.ContainsAny(n.E164, ",;pPwW") {
					t.Fatalf("bad extension %+v", n)
				}
			}
			existed := seen[rec.Name]
			seen[rec.Name] = true
			return existed, nil
		})
		if errors.Is(err, ErrNotVCard) && rep.Cards == 0 {
			return
		}
		if err != nil {
			t.Fatalf("read failed instead of reporting: %v", err)
		}
		if rep.Added+rep.Merged+rep.NoNumber+rep.Skipped != rep.Cards {
			t.Fatalf("report does not add up: %+v", rep)
		}
	})
}
