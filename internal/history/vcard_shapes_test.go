package history

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/emersion/go-vcard"
)

// contactLines renders stored contacts the way a user checks them: name,
// organisation, then label:number[/extension] per number.
func contactLines(t *testing.T, s *Store) []string {
	t.Helper()
	cs, err := s.Contacts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		l := c.Name
		if c.Org != "" {
			l += " [" + c.Org + "]"
		}
		for _, n := range c.Numbers {
			l += " " + n.Label + ":" + n.E164
			if n.Ext != "" {
				l += "/" + n.Ext
			}
		}
		out = append(out, l)
	}
	return out
}

// Each file is written in the shape one exporter writes (our own cards,
// not copies): importing it must give the names, numbers and extensions
// a person reading the phone's address book would expect.
func TestImportExporterShapes(t *testing.T) {
	tests := []struct {
		file, region string
		want         []string
		faxPager     int
		problems     []string // substrings, one per expected problem
	}{
		{file: "android21.vcf", region: "PL", faxPager: 2, want: []string{
			"Ñandú Pérez-Castañeda Ortíz mobile:+34612345678",
			"Łukasz Wróbel home:+48221234567",
		}},
		{file: "iphone30.vcf", region: "FR", faxPager: 1, want: []string{
			"Amélie Lefèvre [Boulangerie du Coin] mobile:+33612345678 work:+33142685300/214 home:+33145000001",
		}},
		{file: "outlook21.vcf", region: "DE", faxPager: 1, want: []string{
			"Jürgen Größe [Müller & Söhne] mobile:+491712345678 work:+498912345678/31",
		}},
		{file: "featurephone-sjis.vcf", region: "JP", want: []string{
			"太郎 山田 mobile:+819012345678 home:+81312345678/1234;9",
			"花子 鈴木 mobile:+818098765432",
		}, problems: []string{`number "p1234p5678w9" skipped: it starts with a pause`}},
		{file: "latin1.vcf", region: "FR", want: []string{
			"François Lemaître work:+33478000000",
		}},
		{file: "evolution-thunderbird.vcf", region: "DE", want: []string{
			"Ingrid Solberg mobile:+4740000001 work:+4722334455 other:+4791500000",
			"Jiří Novák mobile:+420602111222 work:+420222333444/55",
		}},
		{file: "nextcloud40.vcf", region: "CA", faxPager: 1, want: []string{
			"Marie-Ève Tremblay mobile:+14185550142 work:+14186569254/102 home:+14185550199",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, _ := openTemp(t)
			rep := importFile(t, s, filepath.Join("testdata", "exporters", tt.file), tt.region)
			if got := contactLines(t, s); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("contacts:\n got %q\nwant %q", got, tt.want)
			}
			if rep.FaxPager != tt.faxPager {
				t.Errorf("fax/pager numbers counted = %d, want %d", rep.FaxPager, tt.faxPager)
			}
			var probs []string
			for _, p := range rep.Problems {
				probs = append(probs, p.String())
			}
			if len(probs) != len(tt.problems) {
				t.Fatalf("problems = %q, want %d", probs, len(tt.problems))
			}
			for i, w := range tt.problems {
				if !strings.Contains(probs[i], w) {
					t.Errorf("problem %q lacks %q", probs[i], w)
				}
			}
		})
	}
}

// Item: quoted-printable values are decoded, in any charset declared.
func TestDecodeValue(t *testing.T) {
	tests := []struct {
		name    string
		params  vcard.Params
		raw     string
		want    string
		wantErr string
	}{
		{"qp utf-8", vcard.Params{"ENCODING": {"QUOTED-PRINTABLE"}, "CHARSET": {"UTF-8"}}, "=C3=91and=C3=BA", "Ñandú", ""},
		{"qp lower-case names", vcard.Params{"ENCODING": {"quoted-printable"}, "CHARSET": {"utf-8"}}, "Ren=C3=A9", "René", ""},
		{"qp without charset is utf-8", vcard.Params{"ENCODING": {"QUOTED-PRINTABLE"}}, "=E2=82=AC 5", "€ 5", ""},
		{"qp shift_jis", vcard.Params{"ENCODING": {"QUOTED-PRINTABLE"}, "CHARSET": {"SHIFT_JIS"}}, "=8E=52=93=63", "山田", ""},
		{"shift_jis bytes", vcard.Params{"CHARSET": {"Shift_JIS"}}, "\x8e\x52\x93\x63", "山田", ""},
		{"iso-8859-1", vcard.Params{"CHARSET": {"ISO-8859-1"}}, "Fran\xe7ois", "François", ""},
		{"windows-1252", vcard.Params{"CHARSET": {"Windows-1252"}}, "Gr\xf6\xdfe \x80", "Größe €", ""},
		{"iso-8859-2 qp", vcard.Params{"ENCODING": {"QUOTED-PRINTABLE"}, "CHARSET": {"ISO-8859-2"}}, "=A3ukasz", "Łukasz", ""},
		{"escapes after decoding", vcard.Params{"ENCODING": {"QUOTED-PRINTABLE"}}, "a=5C,b", "a,b", ""},
		{"structured values keep \\;", nil, `Doe\;Jr;John`, `Doe\;Jr;John`, ""},
		{"bad shift_jis", vcard.Params{"CHARSET": {"Shift_JIS"}}, "\x82", "", "not valid Shift_JIS"},
		{"unknown charset", vcard.Params{"CHARSET": {"X-KLINGON"}}, "abc", "", "unknown CHARSET=X-KLINGON"},
		{"latin-1 bytes without charset", nil, "Fran\xe7ois", "", "not UTF-8 and the card does not say its CHARSET"},
		{"bad utf-8 with charset", vcard.Params{"CHARSET": {"UTF-8"}}, "\xff", "", "not valid UTF-8"},
		// A malformed escape is kept as written, as mail readers do.
		{"malformed qp escape kept", vcard.Params{"ENCODING": {"QUOTED-PRINTABLE"}}, "=ZZ=4", "=ZZ=4", ""},
		{"lower-case hex", vcard.Params{"ENCODING": {"QUOTED-PRINTABLE"}}, "=c3=a9", "é", ""},
		{"value longer than a QP line", vcard.Params{"ENCODING": {"QUOTED-PRINTABLE"}}, strings.Repeat("=41", 3000), strings.Repeat("A", 3000), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := vcard.Field{Value: tt.raw, Params: tt.params}
			err := decodeValue(&f)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("decodeValue(%q) = %q, %v; want error with %q", tt.raw, f.Value, err, tt.wantErr)
				}
				return
			}
			if err != nil || f.Value != tt.want {
				t.Fatalf("decodeValue(%q) = %q, %v; want %q", tt.raw, f.Value, err, tt.want)
			}
		})
	}
}

// Item: soft line breaks join a quoted-printable value; the next line is
// never read as a property.
func TestSplitCardsJoinsSoftBreaks(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"soft break", "FN;ENCODING=QUOTED-PRINTABLE:=C3=91an=\r\ndu\r\n",
			[]string{"FN;ENCODING=QUOTED-PRINTABLE:=C3=91andu"}},
		{"continuation that looks like a TEL", "NOTE;QUOTED-PRINTABLE:call=\r\nTEL:+49 30 1234567\r\nFN:A\r\n",
			[]string{"NOTE;QUOTED-PRINTABLE:callTEL:+49 30 1234567", "FN:A"}},
		{"several soft breaks", "FN;ENCODING=QUOTED-PRINTABLE:a=\nb=\nc\nTEL:1\n",
			[]string{"FN;ENCODING=QUOTED-PRINTABLE:abc", "TEL:1"}},
		{"= at the end of a plain value is not a break", "NOTE:a=\nTEL:1\n",
			[]string{"NOTE:a=", "TEL:1"}},
		{"folded header then soft break", "FN;ENCODING=\n QUOTED-PRINTABLE:a=\nb\n",
			[]string{"FN;ENCODING=QUOTED-PRINTABLE:ab"}},
		{"CR CR LF line ends", "FN:A\r\r\nTEL:1\r\r\n",
			[]string{"FN:A", "TEL:1"}},
		{"END:VCARD ends a broken soft break", "FN;QUOTED-PRINTABLE:a=\n",
			[]string{"FN;QUOTED-PRINTABLE:a="}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got [][]string
			err := splitCards(strings.NewReader("BEGIN:VCARD\n"+tt.in+"END:VCARD\n"), func(rc rawCard) error {
				if rc.broken != "" {
					t.Errorf("card broken: %s", rc.broken)
				}
				got = append(got, rc.lines)
				return nil
			})
			if err != nil || len(got) != 1 || !reflect.DeepEqual(got[0], tt.want) {
				t.Fatalf("lines = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

// Item: parameters by the RFC 6350 grammar, with vCard 2.1 bare ones.
func TestParseContentLine(t *testing.T) {
	tests := []struct {
		line   string
		name   string
		group  string
		params vcard.Params
		value  string
		err    string
	}{
		{line: `TEL;TYPE="A,B:C",PREF:+1 555`, name: "TEL", params: vcard.Params{"TYPE": {"A,B:C", "PREF"}}, value: "+1 555"},
		{line: `TEL;TYPE="work,voice";VALUE=uri:tel:+1-418-656-9254;ext=102`, name: "TEL", params: vcard.Params{"TYPE": {"work,voice"}, "VALUE": {"uri"}}, value: "tel:+1-418-656-9254;ext=102"},
		{line: `TEL;CELL;VOICE:+49 170`, name: "TEL", params: vcard.Params{"TYPE": {"CELL", "VOICE"}}, value: "+49 170"},
		{line: `FN;CHARSET=UTF-8;QUOTED-PRINTABLE:=C3=91`, name: "FN", params: vcard.Params{"CHARSET": {"UTF-8"}, "ENCODING": {"QUOTED-PRINTABLE"}}, value: "=C3=91"},
		{line: `item1.TEL;type=pref:+33 6`, name: "TEL", group: "item1", params: vcard.Params{"TYPE": {"pref"}}, value: "+33 6"},
		{line: `TEL;TYPE=work,voice;TYPE=pref:1`, name: "TEL", params: vcard.Params{"TYPE": {"work", "voice", "pref"}}, value: "1"},
		{line: `TEL;LABEL="a\b";TYPE=home:1`, name: "TEL", params: vcard.Params{"LABEL": {`a\b`}, "TYPE": {"home"}}, value: "1"},
		{line: `ADR;LABEL="Caf^'e^' ^^1^n2":;;`, name: "ADR", params: vcard.Params{"LABEL": {"Caf\"e\" ^1\n2"}}, value: ";;"},
		{line: `tel;;:1`, name: "TEL", value: "1"},
		{line: `NOTE:a:b;c`, name: "NOTE", value: "a:b;c"},
		{line: `TEL;TYPE="cell:1`, err: "without its closing quote"},
		{line: `TEL;TYPE="cell"x:1`, err: "unexpected text"},
		{line: `TEL;TYPE=cell`, err: "no colon"},
		{line: `:1`, err: "without a property name"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			p, err := parseContentLine(tt.line)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.name != tt.name || p.field.Group != tt.group || p.field.Value != tt.value || !reflect.DeepEqual(p.field.Params, tt.params) {
				t.Errorf("got %s group=%q params=%v value=%q", p.name, p.field.Group, p.field.Params, p.field.Value)
			}
		})
	}
}

// Item: a colon in a quoted parameter value no longer loses the number.
func TestQuotedParameterKeepsNumber(t *testing.T) {
	s, _ := openTemp(t)
	in := "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Quoted\r\nTEL;TYPE=\"A,B:C\",PREF:+49 30 1234567\r\nEND:VCARD\r\n"
	rep, err := s.ImportVCard(context.Background(), strings.NewReader(in), "DE")
	if err != nil || rep.Added != 1 || len(rep.Problems) != 0 {
		t.Fatalf("report %+v, %v", rep, err)
	}
	if got := contactLines(t, s); !reflect.DeepEqual(got, []string{"Quoted other:+49301234567"}) {
		t.Errorf("contacts = %q", got)
	}
}

// Items: extensions are kept; pauses and waits are cut, never merged.
func TestCardNumberExtensions(t *testing.T) {
	tests := []struct {
		tel, region string
		e164, ext   string
		err         string
	}{
		{tel: "tel:+1-418-656-9254;ext=102", e164: "+14186569254", ext: "102"},
		{tel: "+1 418 656 9254 x 102", e164: "+14186569254", ext: "102"},
		{tel: "+1-418-656-9254 ext. 102", e164: "+14186569254", ext: "102"},
		{tel: "+420 222 333 444;ext=55", e164: "+420222333444", ext: "55"},
		{tel: "tel:030123456;phone-context=+49;ext=7", e164: "+4930123456", ext: "7"},
		{tel: "03-1234-5678p1234w9", region: "JP", e164: "+81312345678", ext: "1234;9"},
		{tel: "03-1234-5678,,1234", region: "JP", e164: "+81312345678", ext: "1234"},
		{tel: "+81 3 1234 5678 W 12#", e164: "+81312345678", ext: "12#"},
		{tel: "03-1234-5678;9", region: "JP", e164: "+81312345678", ext: "9"},
		{tel: "tel:+81-3-1234-5678p99", e164: "+81312345678", ext: "99"},
		{tel: "p1234p5678w9", region: "JP", err: "starts with a pause"},
		{tel: "tel:+49-30-1234567;ext=A0", e164: "+49301234567", err: `extension "A0" is not digits`},
		{tel: "w12345678", region: "JP", err: "starts with a pause"},
		{tel: "03-1234-5678p12a", region: "JP", err: `"a" after the pause`},
		{tel: "03-1234-5678p" + strings.Repeat("1", 41), region: "JP", err: "more than 40 digits"},
		// A vanity number's letters are not pauses: the W of FLOWERS
		// does not cut it.
		{tel: "+1-800-FLOWERS", e164: "+18003569377"},
		{tel: "+1-800-PIZZA-42", e164: "+18007499242"},
	}
	for _, tt := range tests {
		t.Run(tt.tel, func(t *testing.T) {
			region := tt.region
			if region == "" {
				region = "DE"
			}
			c := vcard.Card{"FN": {{Value: "X"}}, "TEL": {{Value: tt.tel}}}
			rec, probs := cardToRec(c, region)
			if tt.err != "" && tt.e164 != "" {
				// Kept without the extension, and said.
				if len(rec.Numbers) != 1 || rec.Numbers[0].E164 != tt.e164 || rec.Numbers[0].Ext != "" || len(probs) != 1 || !strings.Contains(probs[0], tt.err) {
					t.Fatalf("numbers %+v, problems %q; want %s without extension and %q", rec.Numbers, probs, tt.e164, tt.err)
				}
				return
			}
			if tt.err != "" {
				if len(rec.Numbers) != 0 || len(probs) != 1 || !strings.Contains(probs[0], tt.err) {
					t.Fatalf("numbers %+v, problems %q; want none and %q", rec.Numbers, probs, tt.err)
				}
				return
			}
			if len(probs) != 0 || len(rec.Numbers) != 1 || rec.Numbers[0].E164 != tt.e164 || rec.Numbers[0].Ext != tt.ext {
				t.Fatalf("numbers %+v, problems %q; want %s ext %q", rec.Numbers, probs, tt.e164, tt.ext)
			}
		})
	}
}

func TestExtText(t *testing.T) {
	for ext, want := range map[string]string{"": "", "102": "ext. 102", "1234;9": "then key in 1234, 9", "1234,5678": "then key in 1234, 5678"} {
		if got := ExtText(ext); got != want {
			t.Errorf("ExtText(%q) = %q, want %q", ext, got, want)
		}
	}
}

// Item: a file that is no vCard at all is an error, not "0 cards".
func TestImportNotAVCardFile(t *testing.T) {
	for _, in := range []string{"", "name,phone\nAnna,+49 30 123456\n", "\xff\xd8\xff\xe0 JFIF", "END:VCARD\n"} {
		s, _ := openTemp(t)
		_, err := s.ImportVCard(context.Background(), strings.NewReader(in), "DE")
		if !errors.Is(err, ErrNotVCard) || !strings.Contains(err.Error(), "no BEGIN:VCARD") {
			t.Errorf("ImportVCard(%q) = %v, want ErrNotVCard", in, err)
		}
	}
}

// Extensions survive a second import, a merge from a card without one,
// and reach search and name resolution.
func TestExtensionStoredAndFound(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	importFile(t, s, "testdata/exporters/nextcloud40.vcf", "CA")
	plain := "BEGIN:VCARD\nVERSION:3.0\nFN:Marie-Ève Tremblay\nTEL;TYPE=work:+1 418 656 9254\nEND:VCARD\n"
	if _, err := s.ImportVCard(ctx, strings.NewReader(plain), "CA"); err != nil {
		t.Fatal(err)
	}
	want := []string{"Marie-Ève Tremblay mobile:+14185550142 work:+14186569254/102 home:+14185550199"}
	if got := contactLines(t, s); !reflect.DeepEqual(got, want) {
		t.Errorf("after merge: %q, want %q", got, want)
	}
	hits, err := s.Search(ctx, "418 656", 5)
	if err != nil || len(hits) != 1 || hits[0].Ext != "102" {
		t.Errorf("search = %+v, %v; want the work number with ext 102", hits, err)
	}
	office := "BEGIN:VCARD\nVERSION:4.0\nFN:Front Desk\nTEL;VALUE=uri:tel:+1-418-656-2000;ext=5\nEND:VCARD\n"
	if _, err := s.ImportVCard(ctx, strings.NewReader(office), "CA"); err != nil {
		t.Fatal(err)
	}
	res, err := s.ResolveName(ctx, "Front Desk")
	if err != nil || res.Number.E164 != "+14186562000" || res.Number.Ext != "5" {
		t.Errorf("resolve Front Desk = %+v, %v; want the number with ext 5", res, err)
	}
}

func TestOpenMigratesV2Fixture(t *testing.T) {
	ctx := context.Background()
	s, err := Open(loadFixture(t, "schema_v2.sql"))
	if err != nil {
		t.Fatalf("Open v2 database: %v", err)
	}
	defer s.Close()
	if got := contactLines(t, s); !reflect.DeepEqual(got, []string{"Alice Example home:+12015550123", "Jürgen Müller [Bäckerei Müller] mobile:+491701234567 work:+4930123456"}) {
		t.Errorf("contacts after migration = %q", got)
	}
	in := "BEGIN:VCARD\nFN:Jürgen Müller\nTEL;TYPE=work:+49 30 123456 x 12\nEND:VCARD\n"
	if _, err := s.ImportVCard(ctx, strings.NewReader(in), "DE"); err != nil {
		t.Fatal(err)
	}
	cs, _ := s.Contacts(ctx)
	for _, c := range cs {
		for _, n := range c.Numbers {
			if n.E164 == "+4930123456" && n.Ext != "12" {
				t.Errorf("extension not stored in a migrated database: %+v", n)
			}
		}
	}
}

// The exporter fixtures seed the fuzzer too.
func addExporterSeeds(f *testing.F) {
	files, _ := filepath.Glob("testdata/exporters/*.vcf")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(string(b))
		}
	}
}

// A name that cannot be decoded skips its card with the reason; a TEL
// line that cannot be read costs only that number.
func TestUndecodableCardsReported(t *testing.T) {
	s, _ := openTemp(t)
	in := "BEGIN:VCARD\r\nVERSION:2.1\r\nN;CHARSET=SHIFT_JIS:\x82\r\nTEL:+81 3 1234 5678\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:2.1\r\nFN;CHARSET=X-KLINGON:Worf\r\nTEL:+81 3 1234 5679\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:2.1\r\nFN:Gunnar L\xf8vland\r\nTEL:+47 22 33 44 56\r\nEND:VCARD\r\n" +
		"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Kept\r\nTEL;TYPE=\"cell:+49 170 1234567\r\nTEL;TYPE=work:+49 30 1234567\r\nEND:VCARD\r\n"
	rep, err := s.ImportVCard(context.Background(), strings.NewReader(in), "JP")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Cards != 4 || rep.Skipped != 3 || rep.Added != 1 {
		t.Errorf("report = %+v", rep)
	}
	var probs []string
	for _, p := range rep.Problems {
		probs = append(probs, p.String())
	}
	for i, want := range []string{
		"card 1 at line 1: N: the text is not valid SHIFT_JIS",
		"card 2 at line 6: FN: unknown CHARSET=X-KLINGON; export the contacts as UTF-8",
		"card 3 at line 11: FN: the text is not UTF-8 and the card does not say its CHARSET",
		"card 4 at line 16 (Kept): a TEL line could not be read (parameter TYPE: a quoted value without its closing quote)",
	} {
		if i >= len(probs) || !strings.HasPrefix(probs[i], want) {
			t.Errorf("problem %d = %q, want %q…", i, probs, want)
		}
	}
	if got := contactLines(t, s); !reflect.DeepEqual(got, []string{"Kept work:+49301234567"}) {
		t.Errorf("contacts = %q", got)
	}
}
