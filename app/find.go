package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

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
	reg, err := findRegion(e, *region)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		files = []string{"-"}
	}
	show := findPrinter(e, *asJSON)
	seen := map[string]bool{}
	var errs []error
	for _, name := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		b, err := readInput(e, name)
		if err != nil {
			// Keep going: the other files' numbers are still printed.
			errs = append(errs, fmt.Errorf("find: read %s: %w", name, err))
			continue
		}
		if err := show(name, number.FindAll(string(b), reg), seen); err != nil {
			return err
		}
	}
	return errors.Join(errs...)
}

// findRegion is --region, checked, else defaultRegion.
func findRegion(e *env, flagRegion string) (string, error) {
	reg := strings.ToUpper(strings.TrimSpace(flagRegion))
	if reg == "" {
		var err error
		if reg, err = defaultRegion(e); err != nil {
			return "", err
		}
	}
	if !number.KnownRegion(reg) {
		return "", usageErr("find: unknown region %q (use an ISO 3166 code such as US, DE, JP)", reg)
	}
	return reg, nil
}

// readInput reads a named file, or stdin for "-".
func readInput(e *env, name string) ([]byte, error) {
	if name == "-" {
		return io.ReadAll(e.stdin)
	}
	return os.ReadFile(name)
}

// findPrinter prints the numbers of one input not seen before: each
// E.164 on a line, or with asJSON a findRecord.
func findPrinter(e *env, asJSON bool) func(name string, ms []number.Match, seen map[string]bool) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetEscapeHTML(false)
	return func(name string, ms []number.Match, seen map[string]bool) error {
		for _, m := range ms {
			if seen[m.E164] {
				continue
			}
			seen[m.E164] = true
			if !asJSON {
				fmt.Fprintln(e.stdout, m.E164)
				continue
			}
			rec := findRecord{File: name, Start: m.Start, End: m.End, Raw: m.Raw, E164: m.E164,
				Ext: m.Extension, Extension: m.Extension, Region: m.Region, Type: string(m.Type), SafeToAutoDial: m.SafeToAutoDial()}
			if err := enc.Encode(rec); err != nil {
				return fmt.Errorf("find: write: %w", err)
			}
		}
		return nil
	}
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

// findPiece is how much of a long input number.FindAll looks at at once.
const findPiece = number.FindPiece
