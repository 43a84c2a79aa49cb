package number

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// Ratchet for the labelled corpus: raise it when the matcher gets better,
// never lower it.
const (
	minF1        = 1.0
	minPrecision = 1.0
	minRecall    = 1.0
)

// Ratchet for the held-out corpus (testdata/heldout). It was written
// without looking at testdata/corpus, to measure how the rules carry over to
// text they were not tuned on. The rules have since been fixed by category
// against it, so it is no longer unseen: it now guards those fixes.
const (
	minHeldoutF1 = 1.0
)

// Ratchet for the wild corpus (testdata/wild): 412 snippets in 31 regions
// written to measure text nobody had tuned the rules for, and scored before
// the rules were changed for it (docs/benchmarks.md has both rows). The
// rules have since been fixed by category against it, so it is no longer
// unseen: it now guards those fixes.
const (
	minWildF1        = 1.0
	minWildPrecision = 1.0
)

// Ratchet for the fresh corpus. It scored F1 0.990, P 0.990 when first
// run; its two failures were then fixed by category, so it too is no longer
// unseen.
const (
	minFreshF1        = 1.0
	minFreshPrecision = 1.0
)

// snippet is one labelled text from testdata/corpus.
type snippet struct {
	file     string
	line     int
	region   string
	category string
	text     string
	want     []string // E.164
}

// loadCorpus reads testdata/<dir>/*.txt. A snippet starts with a header
// line "=== REGION CATEGORY... | +E164 +E164" ("-" when it holds no
// number); lines starting with '#' before the first header are comments.
func loadCorpus(t testing.TB, dir string) []snippet {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", dir, "*.txt"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files: %v", err)
	}
	var out []snippet
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		var cur *snippet
		var body []string
		flush := func() {
			if cur != nil {
				cur.text = strings.Join(body, "\n")
				out = append(out, *cur)
			}
			cur, body = nil, nil
		}
		n := 0
		for sc.Scan() {
			n++
			line := sc.Text()
			if strings.HasPrefix(line, "=== ") {
				flush()
				head, labels, ok := strings.Cut(line[4:], "|")
				fields := strings.Fields(head)
				if !ok || len(fields) < 2 {
					t.Fatalf("%s:%d: bad header %q", f, n, line)
				}
				cur = &snippet{file: filepath.Base(f), line: n, region: fields[0], category: strings.Join(fields[1:], " ")}
				for _, l := range strings.Fields(labels) {
					if l == "-" {
						continue
					}
					if !strings.HasPrefix(l, "+") {
						t.Fatalf("%s:%d: label %q is not E.164", f, n, l)
					}
					cur.want = append(cur.want, l)
				}
				continue
			}
			if cur == nil {
				continue // comments before the first snippet
			}
			body = append(body, line)
		}
		flush()
		fh.Close()
	}
	return out
}

type score struct{ tp, fp, fn int }

func (s score) precision() float64 { return ratio(s.tp, s.tp+s.fp) }
func (s score) recall() float64    { return ratio(s.tp, s.tp+s.fn) }
func (s score) f1() float64 {
	p, r := s.precision(), s.recall()
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}
func (s score) String() string {
	return fmt.Sprintf("P %.3f R %.3f F1 %.3f (tp %d fp %d fn %d)", s.precision(), s.recall(), s.f1(), s.tp, s.fp, s.fn)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

func (s *score) add(want, got []string) (missed, extra []string) {
	w := map[string]bool{}
	for _, x := range want {
		w[x] = true
	}
	g := map[string]bool{}
	for _, x := range got {
		g[x] = true
	}
	for x := range g {
		if w[x] {
			s.tp++
		} else {
			s.fp++
			extra = append(extra, x)
		}
	}
	for x := range w {
		if !g[x] {
			s.fn++
			missed = append(missed, x)
		}
	}
	return missed, extra
}

// TestCorpus scores Find on the labelled corpus: each snippet's set of
// E.164 numbers against its labels.
func TestCorpus(t *testing.T) {
	corpus := loadCorpus(t, "corpus")
	total, locales := scoreCorpus(t, corpus)
	if len(corpus) < 300 || locales < 8 {
		t.Errorf("corpus has %d snippets in %d locales, want >= 300 in >= 8", len(corpus), locales)
	}
	if total.f1() < minF1 || total.precision() < minPrecision || total.recall() < minRecall {
		t.Errorf("corpus score %v is below the ratchet (F1 %.3f, P %.3f, R %.3f)", total, minF1, minPrecision, minRecall)
	}
}

// TestHeldout scores Find on the held-out corpus the same way.
func TestHeldout(t *testing.T) {
	corpus := loadCorpus(t, "heldout")
	total, locales := scoreCorpus(t, corpus)
	if len(corpus) < 250 || locales < 12 {
		t.Errorf("held-out corpus has %d snippets in %d locales, want >= 250 in >= 12", len(corpus), locales)
	}
	if total.f1() < minHeldoutF1 {
		t.Errorf("held-out score %v is below the ratchet (F1 %.3f)", total, minHeldoutF1)
	}
}

// TestWild scores Find on the wild corpus the same way.
func TestWild(t *testing.T) {
	corpus := loadCorpus(t, "wild")
	total, locales := scoreCorpus(t, corpus)
	if len(corpus) < 400 || locales < 30 {
		t.Errorf("wild corpus has %d snippets in %d locales, want >= 400 in >= 30", len(corpus), locales)
	}
	if total.f1() < minWildF1 || total.precision() < minWildPrecision {
		t.Errorf("wild score %v is below the ratchet (F1 %.3f, P %.3f)", total, minWildF1, minWildPrecision)
	}
}

// TestFresh scores Find on the fresh corpus (testdata/fresh): 108 snippets
// in 31 regions written after the rules were fixed against testdata/wild and
// scored once before any rule was changed for it.
func TestFresh(t *testing.T) {
	corpus := loadCorpus(t, "fresh")
	total, _ := scoreCorpus(t, corpus)
	if total.f1() < minFreshF1 || total.precision() < minFreshPrecision {
		t.Errorf("fresh score %v is below the ratchet (F1 %.3f, P %.3f)", total, minFreshF1, minFreshPrecision)
	}
}

// TestCorpusLabelsValid checks every label of every corpus against
// libphonenumber's metadata: a label that is not a valid number would score
// a correct rejection as a miss.
func TestCorpusLabelsValid(t *testing.T) {
	for _, dir := range []string{"corpus", "heldout", "wild", "fresh"} {
		for _, sn := range loadCorpus(t, dir) {
			for _, l := range sn.want {
				pn, err := phonenumbers.Parse(l, "ZZ")
				if err != nil || !phonenumbers.IsValidNumber(pn) || phonenumbers.Format(pn, phonenumbers.E164) != l {
					t.Errorf("%s/%s:%d: label %s is not a valid number in E.164 (%v)", dir, sn.file, sn.line, l, err)
				}
			}
		}
	}
}

// scoreCorpus runs FindUnique on every snippet and logs every miss and
// false hit, then precision, recall and F1 per region, per category (first
// word) and overall.
func scoreCorpus(t *testing.T, corpus []snippet) (total score, locales int) {
	t.Helper()
	byRegion := map[string]*score{}
	byCat := map[string]*score{}
	for _, sn := range corpus {
		var got []string
		for _, m := range FindUnique(sn.text, sn.region) {
			got = append(got, m.E164)
		}
		missed, extra := total.add(sn.want, got)
		for _, k := range []struct {
			m   map[string]*score
			key string
		}{{byRegion, sn.region}, {byCat, strings.Fields(sn.category)[0]}} {
			if k.m[k.key] == nil {
				k.m[k.key] = &score{}
			}
			k.m[k.key].add(sn.want, got)
		}
		if len(missed)+len(extra) > 0 {
			t.Logf("%s:%d %s %s: missed %v, extra %v", sn.file, sn.line, sn.region, sn.category, missed, extra)
		}
	}
	report := func(title string, m map[string]*score) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			t.Logf("%s %-14s %v", title, k, *m[k])
		}
	}
	report("region", byRegion)
	report("category", byCat)
	t.Logf("corpus: %d snippets, %d locales: %v", len(corpus), len(byRegion), total)
	return total, len(byRegion)
}
