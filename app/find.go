package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/number"
)

// findRecord is one line of `deskdial find --json`.
type findRecord struct {
	File  string `json:"file"`
	Start int    `json:"start"`
	End   int    `json:"end"`
	Raw   string `json:"raw"`
	E164  string `json:"e164"`
	// Ext is the extension, to key in once the call is answered: "12" for
	// "ext. 12", "/x12", " ~12", "转12", "доб. 12". Extension is the same
	// under the name earlier versions printed.
	Ext            string `json:"ext,omitempty"`
	Extension      string `json:"extension,omitempty"`
	Region         string `json:"region"`
	Type           string `json:"type"`
	SafeToAutoDial bool   `json:"safe_to_autodial"`
}

// cmdFind prints the phone numbers found in files (or stdin), one E.164 per
// line in order of first appearance, without repeats. With --json each line
// is a JSON object with offsets, raw text, type and extension.
func cmdFind(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "find")
	region := fs.String("region", "", "region for national numbers, e.g. DE (default: from settings, else the OS locale)")
	asJSON := fs.Bool("json", false, "print one JSON object per number with offsets, raw text, type and extension")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	reg := strings.ToUpper(strings.TrimSpace(*region))
	if reg == "" {
		if reg, err = defaultRegion(e); err != nil {
			return err
		}
	}
	if !number.KnownRegion(reg) {
		return usageErr("find: unknown region %q (use an ISO 3166 code such as US, DE, JP)", reg)
	}
	type input struct {
		name string
		read func() ([]byte, error)
	}
	var inputs []input
	if len(files) == 0 {
		inputs = append(inputs, input{"-", func() ([]byte, error) { return io.ReadAll(e.stdin) }})
	}
	for _, f := range files {
		inputs = append(inputs, input{f, func() ([]byte, error) {
			if f == "-" {
				return io.ReadAll(e.stdin)
			}
			return os.ReadFile(f)
		}})
	}
	seen := map[string]bool{}
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	var errs []error
	for _, in := range inputs {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := in.read()
		if err != nil {
			// Keep going: the other files' numbers are still printed.
			errs = append(errs, fmt.Errorf("find: read %s: %w", in.name, err))
			continue
		}
		for _, m := range findAll(string(b), reg) {
			if seen[m.E164] {
				continue
			}
			seen[m.E164] = true
			if !*asJSON {
				fmt.Fprintln(e.stdout, m.E164)
				continue
			}
			rec := findRecord{File: in.name, Start: m.Start, End: m.End, Raw: m.Raw, E164: m.E164,
				Ext: m.Extension, Extension: m.Extension, Region: m.Region, Type: string(m.Type), SafeToAutoDial: m.SafeToAutoDial()}
			if err := enc.Encode(rec); err != nil {
				return fmt.Errorf("find: write: %w", err)
			}
		}
	}
	return errors.Join(errs...)
}

// defaultRegion is the region from the settings, else the OS locale, else US.
// find never creates deskdial's directories: a missing settings file just
// means the defaults.
func defaultRegion(e *env) (string, error) {
	p, err := config.ResolvePaths(e.home)
	if err != nil {
		return "", fmt.Errorf("find: %w", err)
	}
	st, err := config.Open(p.Config)
	if err != nil {
		return "", fmt.Errorf("find: %w", err)
	}
	if r := st.Get().KnownRegion(); r != "" {
		return r, nil
	}
	// find only prints numbers, so it reads them as libphonenumber does
	// with no region (US), but says so: in another country, its national
	// numbers are missed or taken for US ones.
	fmt.Fprintln(e.stderr, "find: no region is set (no --region, no region setting, none in the locale), so numbers without a country code are read as US numbers; give --region (such as --region DE) for another country's")
	return "US", nil
}

// number.Find gives up after a fixed number of digit groups that are no
// numbers, so that any clipboard costs bounded time. find reads files to
// their end, so it hands them over in pieces of findPiece bytes, each with
// findOverlap bytes of the text around it: a number across a boundary is
// seen whole and reported by the piece it starts in.
const (
	findPiece   = 32 << 10
	findOverlap = 256
)

// findAll is every number in text, in order, with offsets into text.
func findAll(text, region string) []number.Match {
	if len(text) <= findPiece {
		return number.Find(text, region, number.WithScanLimit(0))
	}
	var out []number.Match
	for start := 0; start < len(text); {
		end := runeStart(text, start+findPiece)
		lo, hi := runeStart(text, start-findOverlap), runeStart(text, end+findOverlap)
		for _, m := range number.Find(text[lo:hi], region, number.WithScanLimit(0)) {
			m.Start, m.End = m.Start+lo, m.End+lo
			if m.Start >= start && m.Start < end {
				out = append(out, m)
			}
		}
		start = end
	}
	return out
}

// runeStart is i clamped to text and moved back to the start of a rune.
func runeStart(text string, i int) int {
	i = max(0, min(i, len(text)))
	for i > 0 && i < len(text) && !utf8.RuneStart(text[i]) {
		i--
	}
	return i
}
