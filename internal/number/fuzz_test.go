package number

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkFind runs the matcher on text and checks what must hold for any
// input: matches in order, not overlapping, inside the text, with their raw
// text and an E.164 number; and a parse budget linear in the text's length,
// so that no input makes the clipboard watcher stall.
func checkFind(t *testing.T, text, region string) {
	t.Helper()
	m := newMatcher(text, strings.ToUpper(region))
	out := m.run()
	end := 0
	for _, x := range out {
		if x.Start < end || x.End <= x.Start || x.End > len(text) {
			t.Fatalf("match [%d,%d) out of order or range (previous end %d) in %q", x.Start, x.End, end, text)
		}
		end = x.End
		if text[x.Start:x.End] != x.Raw {
			t.Fatalf("Raw %q != text[%d:%d]", x.Raw, x.Start, x.End)
		}
		if !strings.HasPrefix(x.E164, "+") || len(x.E164) < 4 {
			t.Fatalf("bad E.164 %q for %q", x.E164, x.Raw)
		}
		if !utf8.ValidString(x.Raw) && utf8.ValidString(text) {
			t.Fatalf("match splits a rune: %q", x.Raw)
		}
	}
	if budget := 4*len(text) + 16; m.lookups > budget {
		t.Fatalf("%d parses for %d bytes (budget %d)", m.lookups, len(text), budget)
	}
	// FindUnique and the scan limit never panic either.
	FindUnique(text, region, WithScanLimit(len(text)/2+1))
}

func FuzzFind(f *testing.F) {
	seeds := append(loadCorpus(f, "corpus"), loadCorpus(f, "heldout")...)
	for _, sn := range append(seeds, loadCorpus(f, "wild")...) {
		f.Add(sn.text, sn.region)
	}
	for _, s := range []string{"", "+", "((((((((1", "1-800-AAAAAAAAAA", "2024-05-17 14", "+44 (0)20 7946 0958 x 12#",
		"tel:%2B4930", "0xx11 3456-7890", "\xff\xfe030 1234567", "1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1",
		"&nbsp;&nbsp;030&nbsp;1234567", ",,,,;;;;12345678#", "wa.me/" + strings.Repeat("9", 30),
		"| 089 123 |\n|         | 4567 |", "> 0861\r\n> 234 567", "｜021-6438　｜\n｜　1234　｜", "12\n12\n12\n12",
		"$20 415-666-7777", "€20 030 1234567", "My number-415-666-7777", "415-666-7777/x12", "1 800 749 3524 ~1234",
		"0~0 49 30 1234567 ~12", "8~10 49 30 1234567", "Tel030/2345678·Fax030/2345679", "Ph:(212)503-1200Fax:(212)503-1299",
		"+52 1 55 1234 5678", "01 800 123 4567", "030 1234567, Durchwahl 12", "TEL 03-1234-5678（内線 203）",
		"020-87654321转8021", "400-601-2345（7×24小时）", "Cel#09176543210"} {
		f.Add(s, "DE")
	}
	f.Fuzz(func(t *testing.T, text, region string) {
		if len(region) > 3 {
			region = region[:3]
		}
		checkFind(t, text, region)
	})
}

// TestFindLongInputs feeds the shapes that make matchers slow: long digit
// runs, many short groups, nested brackets, separators without digits.
// The parse budget in checkFind bounds the work.
func TestFindLongInputs(t *testing.T) {
	n := 1 << 16
	inputs := map[string]string{
		"digits":       strings.Repeat("7", n),
		"groups":       strings.Repeat("12 ", n/3),
		"dashes":       strings.Repeat("1-", n/2),
		"brackets":     strings.Repeat("(1", n/2),
		"plus":         strings.Repeat("+1 ", n/3),
		"dates":        strings.Repeat("2024-05-17 14:22:09 ", n/20),
		"phones":       strings.Repeat("+49 30 1234567, ", n/16),
		"slashes":      strings.Repeat("030/1234567/", n/12),
		"ext":          strings.Repeat("650-253-0000 ext. 1 ", n/20),
		"nbsp":         strings.Repeat("1\u202f", n/4),
		"fullwidth":    strings.Repeat("１", n/3),
		"entities":     strings.Repeat("1&nbsp;", n/7),
		"commas":       strings.Repeat("1234567,,", n/9),
		"letters":      strings.Repeat("a1", n/2),
		"invalid-utf8": strings.Repeat("\xff1", n/2),
		"wrapped":      strings.Repeat("| 030 12 |\n", n/11),
		"quoted":       strings.Repeat("> 12\n", n/5),
		"wrapped-pad":  strings.Repeat("1 -   |\n|  ", n/12),
	}
	for name, text := range inputs {
		t.Run(name, func(t *testing.T) {
			checkFind(t, text, "DE")
			checkFind(t, text, "US")
		})
	}
}

// The hand-written inner-match splits agree with libphonenumber's
// patterns run by Go's regexp engine.
var innerPatterns = []*regexp.Regexp{
	regexp.MustCompile(`/+(.*)`),
	regexp.MustCompile(`([(（][^(（]*)`),
	regexp.MustCompile(`(?:\p{Z}-|-\p{Z})\p{Z}*(.+)`),
	regexp.MustCompile(`[\x{2012}-\x{2015}\x{FF0D}]\p{Z}*(.+)`),
	regexp.MustCompile(`\.+\p{Z}*([^.]+)`),
	regexp.MustCompile(`\p{Z}+(\P{Z}+)`),
}

func checkInnerSplits(t *testing.T, s string) {
	if !utf8.ValidString(s) || strings.ContainsAny(s, "\n\r") {
		return
	}
	for kind, re := range innerPatterns {
		want := re.FindAllStringSubmatchIndex(s, -1)
		var got [][]int
		for pos := 0; ; {
			ms, gs, ge, ok := innerSplit(kind, s, pos)
			if !ok {
				break
			}
			got = append(got, []int{ms, gs, ge})
			pos = ge
		}
		if len(got) != len(want) {
			t.Fatalf("kind %d on %q: %d matches, regexp %d (%v vs %v)", kind, s, len(got), len(want), got, want)
		}
		for i := range got {
			if got[i][0] != want[i][0] || got[i][1] != want[i][2] || got[i][2] != want[i][3] {
				t.Fatalf("kind %d on %q: match %d = %v, regexp %v", kind, s, i, got[i], want[i])
			}
		}
	}
}

func FuzzInnerSplit(f *testing.F) {
	for _, s := range []string{"651-234-2345/332-445-1234", "(82) 23-123456 (82) 23-123456", "030 - 1234567", "0301234567—12345",
		"1.2. 3..4", "12 34  56\u3000\u00a078", "//12", "- -1", ". .", "(((1", "1 - - 2", "a－ b", ".", " x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkInnerSplits(t, s) })
}

// FuzzParse checks that Parse never panics, and that what it accepts is an
// E.164 number that parses again to itself.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"+49 30 123456", "030 123456", "tel:+1-201-555-0123;ext=1234", "tel:5550123;phone-context=+1201",
		"callto://+4930123456", "sip:+4930123456@example.com;user=phone", "*#06#", "112", "tel:%2B4930123456", ""} {
		f.Add(s, "DE")
	}
	f.Fuzz(func(t *testing.T, s, region string) {
		n, err := Parse(s, region)
		if err != nil {
			return
		}
		if !strings.HasPrefix(n.E164, "+") {
			t.Fatalf("Parse(%q, %q) = %q, not E.164", s, region, n.E164)
		}
		if n.Type != TypeEmergency {
			again, err := Parse(n.E164, "")
			if err != nil || again.E164 != n.E164 {
				t.Fatalf("Parse(%q) = %q, which parses again as %q, %v", s, n.E164, again.E164, err)
			}
		}
	})
}
