package history

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

const peopleVCF = `BEGIN:VCARD
VERSION:3.0
FN:Anna Schmidt
TEL;TYPE=CELL:+49 170 1111111
TEL;TYPE=WORK:+49 30 1111111
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Anna Berger
TEL;TYPE=HOME:+49 30 2222222
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Bernd Kaiser
ORG:Kaiser & Söhne
TEL;TYPE=WORK:+49 30 3333333
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Carla Vogt
TEL;TYPE=WORK:+49 30 4444444
TEL;TYPE=HOME:+49 30 4444445
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Dora Lang
TEL;TYPE=CELL:+49 170 5555555
TEL;TYPE=CELL:+49 171 5555555
END:VCARD
BEGIN:VCARD
VERSION:3.0
FN:Anna
TEL;TYPE=CELL:+49 170 6666666
END:VCARD
`

func peopleStore(t testing.TB) *Store {
	s, _ := openTemp(t)
	if _, err := s.ImportVCard(context.Background(), strings.NewReader(peopleVCF), "DE"); err != nil {
		t.Fatal(err)
	}
	return s
}

func e164s(hs []Hit) string {
	var out []string
	for _, h := range hs {
		out = append(out, h.E164)
	}
	return strings.Join(out, " ")
}

func TestSearchAsYouType(t *testing.T) {
	ctx := context.Background()
	s := peopleStore(t)
	for _, tc := range []struct{ q, want string }{
		{"kai", "+49303333333"},                  // name prefix
		{"sohne", "+49303333333"},                // organisation, without diacritics
		{"an sch", "+491701111111 +49301111111"}, // two prefixes, mobile first
		{"0170 11", "+491701111111"},             // national digits: only the matching number
		{"+49 30 444", "+49304444444 +49304444445"},
		{"0049304444445", "+49304444445"},
		{"zzz", ""},
		{`"`, ""},
		{"", ""},
	} {
		hits, err := s.Search(ctx, tc.q, 10)
		if err != nil {
			t.Errorf("Search(%q): %v", tc.q, err)
			continue
		}
		if got := e164s(hits); got != tc.want {
			t.Errorf("Search(%q) = %s, want %s", tc.q, got, tc.want)
		}
	}
}

func TestSearchRanksByRecencyAndFrequency(t *testing.T) {
	ctx := context.Background()
	s := peopleStore(t)
	hits, _ := s.Search(ctx, "anna", 10)
	if len(hits) != 4 {
		t.Fatalf("anna: %+v", hits)
	}
	// Calling Anna Berger three times moves her to the top.
	for i := 0; i < 3; i++ {
		s.RecordCall(ctx, Call{Number: "+49302222222", Name: "Anna Berger"})
	}
	hits, _ = s.Search(ctx, "anna", 10)
	if hits[0].E164 != "+49302222222" {
		t.Fatalf("after 3 calls Anna Berger is not first: %s", e164s(hits))
	}
	// A number called once today beats one called twice a year ago.
	old := time.Now().Add(-365 * 24 * time.Hour)
	s.RecordCall(ctx, Call{At: old, Number: "+491706666666"})
	s.RecordCall(ctx, Call{At: old, Number: "+491706666666"})
	s.RecordCall(ctx, Call{Number: "+49301111111"})
	hits, _ = s.Search(ctx, "anna", 10)
	if got := e164s(hits[:3]); got != "+49302222222 +49301111111 +491706666666" {
		t.Errorf("ranking = %s", e164s(hits))
	}
	// A number called that no contact has is found by the name it was
	// called under, marked as coming from recents.
	s.RecordCall(ctx, Call{Number: "+4989123456", Name: "Pizzeria Roma"})
	hits, _ = s.Search(ctx, "pizz", 10)
	if len(hits) != 1 || !hits[0].FromRecents || hits[0].Name != "Pizzeria Roma" {
		t.Errorf("recents-only hit = %+v", hits)
	}
	if hits, _ = s.Search(ctx, "089 12", 10); len(hits) != 1 || hits[0].E164 != "+4989123456" {
		t.Errorf("recents-only digits hit = %+v", hits)
	}
}

func TestResolveName(t *testing.T) {
	ctx := context.Background()
	s := peopleStore(t)
	for _, tc := range []struct {
		q       string
		want    string // chosen number
		wantErr error
		cands   string
	}{
		{q: "Bernd", want: "+49303333333"},         // one person, one number
		{q: "anna schmidt", want: "+491701111111"}, // several numbers: the mobile
		{q: "Anna", want: "+491706666666"},         // exact full name beats "Anna Schmidt"
		{q: "an", wantErr: ErrAmbiguous, cands: "+491706666666 +49302222222 +491701111111 +49301111111"},
		{q: "carla", wantErr: ErrAmbiguous, cands: "+49304444444 +49304444445"},  // no mobile: ask
		{q: "dora", wantErr: ErrAmbiguous, cands: "+491705555555 +491715555555"}, // two mobiles: ask
		{q: "Nobody", wantErr: ErrNoMatch},
		{q: "", wantErr: ErrNoMatch},
	} {
		res, err := s.ResolveName(ctx, tc.q)
		if tc.wantErr != nil {
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("ResolveName(%q) err = %v, want %v", tc.q, err, tc.wantErr)
			}
			if got := e164s(res.Candidates); got != tc.cands {
				t.Errorf("ResolveName(%q) candidates = %s, want %s", tc.q, got, tc.cands)
			}
			continue
		}
		if err != nil || res.Number.E164 != tc.want {
			t.Errorf("ResolveName(%q) = %+v, %v; want %s", tc.q, res, err, tc.want)
		}
	}
}

func FuzzSearch(f *testing.F) {
	for _, q := range []string{"anna", "0170 11", `"a" OR b*`, "NEAR(a b)", "a:b", "-", "+", "^x", "{name}:x", "'", "ä ö", "00"} {
		f.Add(q)
	}
	s := peopleStore(f)
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := s.Search(context.Background(), q, 5); err != nil {
			t.Fatalf("Search(%q): %v", q, err)
		}
		if _, err := s.ResolveName(context.Background(), q); err != nil && !errors.Is(err, ErrNoMatch) && !errors.Is(err, ErrAmbiguous) {
			t.Fatalf("ResolveName(%q): %v", q, err)
		}
	})
}

// BenchmarkSearch10k measures as-you-type search over 10,000 contacts with
// 2,000 calls in the history; each iteration runs every query once.
func BenchmarkSearch10k(b *testing.B) {
	ctx := context.Background()
	s, _ := openTemp(b)
	if _, err := s.ImportVCard(ctx, strings.NewReader(genVCards(10000)), "DE"); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 2000; i++ {
		s.RecordCall(ctx, Call{At: time.Now().Add(-time.Duration(i) * time.Hour), Number: "+49151" + pad8(10000000+i*7%10000)})
	}
	// Anchor: one primary-key lookup on the same database, the cheapest
	// query the driver can answer.
	b.Run("anchor-point-query", func(b *testing.B) {
		for b.Loop() {
			var name string
			if err := s.db.QueryRowContext(ctx, `SELECT name FROM contacts WHERE id = ?`, 5000).Scan(&name); err != nil {
				b.Fatal(err)
			}
		}
	})
	queries := map[string]string{"1letter": "a", "2letters": "an", "word": "schmidt", "two-words": "anna sch", "digits": "0151 1000 12", "digits-all": "0151 1000", "none": "xyzzy"}
	for name, q := range queries {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Search(ctx, q, 10); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func pad8(n int) string {
	s := "00000000" + itoa(n)
	return s[len(s)-8:]
}

func itoa(n int) string {
	var b []byte
	for n > 0 || len(b) == 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(b)
}

func TestDigitForms(t *testing.T) {
	for in, want := range map[string]string{
		"+4930123456":   "4930123456 30123456 030123456",
		"+442079460000": "442079460000 2079460000 02079460000",
		"+12015550123":  "12015550123 2015550123",
		"+390612345678": "390612345678 0612345678",
		"":              "",
	} {
		if got := digitForms(in); got != want {
			t.Errorf("digitForms(%q) = %q, want %q", in, got, want)
		}
	}
}
