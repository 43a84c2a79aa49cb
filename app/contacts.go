package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/deskdial/deskdial/internal/config"
	"github.com/deskdial/deskdial/internal/history"
	"github.com/deskdial/deskdial/internal/number"
	"github.com/deskdial/deskdial/internal/textsafe"
)

// envCardDAVPassword carries the CardDAV password for `contacts sync`; it is
// not kept in the settings file.
const envCardDAVPassword = "DESKDIAL_CARDDAV_PASSWORD"

// contactsCommands manage the contacts deskdial can call by name.
func contactsCommands() []command {
	return []command{
		{"import", "import [--region CC] FILE.vcf...          import contacts from vCard files (- reads stdin)", contactsImport},
		{"list", "list                                     print each contact's numbers: name, organisation, label, number, extension", contactsList},
		{"sync", "sync [--url URL] [--user NAME] [--password-file FILE] [--region CC] [--timeout D]   fetch a CardDAV address book's contacts", contactsSync},
	}
}

// contactsNote ends `deskdial contacts --help`.
const contactsNote = "The CardDAV password comes from --password-file or $" + envCardDAVPassword + "."

// cmdContacts imports, lists and syncs the contacts deskdial can call by name.
func cmdContacts(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "contacts")
	rest, err := parseGroupFlags(fs, args)
	if err != nil {
		return err
	}
	return runGroup(ctx, e, fs, "contacts", rest)
}

// openHistory opens the history database and the settings.
func openHistory(e *env) (*history.Store, config.Settings, error) {
	p, err := e.paths()
	if err != nil {
		return nil, config.Settings{}, err
	}
	cfg, err := config.Open(p.Config)
	if err != nil {
		return nil, config.Settings{}, err
	}
	st, err := history.Open(filepath.Join(p.Data, "history.db"))
	if err != nil {
		return nil, config.Settings{}, err
	}
	return st, cfg.Get(), nil
}

func contactsImport(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "contacts import")
	region := fs.String("region", "", "region `CC` for numbers without a country code (default: from settings)")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usageErr("contacts import: name a .vcf file (or - for stdin)")
	}
	st, set, err := openHistory(e)
	if err != nil {
		return err
	}
	defer st.Close()
	if *region, err = contactsRegion(*region, set); err != nil {
		return err
	}
	return st.ImportFiles(ctx, files, e.stdin, *region, func(name string, rep history.ImportReport, err error) {
		printImport(e, name, rep, err)
	})
}

// printImport says what the import of one file did.
func printImport(e *env, name string, rep history.ImportReport, err error) {
	if err != nil {
		fmt.Fprintf(e.stderr, "%s: not a vCard file (no BEGIN:VCARD line), nothing imported; export the contacts as vCard (.vcf) and import that file\n", name)
		return
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(e.stderr, "%s: %s\n", name, p)
	}
	fmt.Fprintf(e.stdout, "%s: %d %s: %d added, %d merged, %d without a phone number, %d skipped",
		name, rep.Cards, plural(rep.Cards, "card", "cards"), rep.Added, rep.Merged, rep.NoNumber, rep.Skipped)
	if rep.SkippedNumbers > 0 {
		// Each is listed above with its reason; the count keeps
		// "0 skipped" (cards) from hiding them.
		fmt.Fprintf(e.stdout, "; %d %s could not be read (listed above)", rep.SkippedNumbers, plural(rep.SkippedNumbers, "number", "numbers"))
	}
	if rep.FaxPager > 0 {
		// Left out by design (nobody answers a fax or a pager),
		// but said, so a count that looks short is explained.
		fmt.Fprintf(e.stdout, "; %d fax or pager %s left out", rep.FaxPager, plural(rep.FaxPager, "number", "numbers"))
	}
	fmt.Fprintln(e.stdout)
	noRegionHint(e, rep.NoRegion, "import again")
}

// contactsRegion is the region to read a contact's national numbers in:
// --region, else the setting or the locale's region. With none known it is
// "", and such numbers are skipped rather than read as US numbers: an
// Italian mobile, 347 123 4567, is a valid New York number.
func contactsRegion(flagRegion string, set config.Settings) (string, error) {
	r := strings.ToUpper(strings.TrimSpace(flagRegion))
	if r == "" {
		return set.KnownRegion(), nil
	}
	if !number.KnownRegion(r) {
		return "", usageErr("unknown region %q (use an ISO 3166 code such as US, DE, JP)", flagRegion)
	}
	return r, nil
}

// noRegionHint says once what to do about numbers skipped for want of a
// region.
func noRegionHint(e *env, n int, again string) {
	if n == 0 {
		return
	}
	fmt.Fprintf(e.stderr, "%d %s without a country code %s skipped because no region is set: %s with --region (such as --region DE), or set the region in the settings\n",
		n, plural(n, "number", "numbers"), plural(n, "was", "were"), again)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func contactsList(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "contacts list")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErr("contacts list: unexpected argument %q", rest[0])
	}
	st, _, err := openHistory(e)
	if err != nil {
		return err
	}
	defer st.Close()
	cs, err := st.Contacts(ctx)
	if err != nil {
		return err
	}
	// One line per number: name, organisation, label, E.164, separated by
	// tabs so that scripts can cut columns, and a fifth column ("ext.
	// 102") for a number with something to key in once answered. Names
	// are escaped: a tab or newline stored by an older version cannot add
	// a column or a row.
	for _, c := range cs {
		for _, n := range c.Numbers {
			fmt.Fprintf(e.stdout, "%s\t%s\t%s\t%s", textsafe.Terminal(c.Name), textsafe.Terminal(c.Org), n.Label, n.E164)
			if n.Ext != "" {
				fmt.Fprintf(e.stdout, "\t%s", history.ExtText(n.Ext))
			}
			fmt.Fprintln(e.stdout)
		}
	}
	return nil
}

func contactsSync(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "contacts sync")
	bookURL := fs.String("url", "", "CardDAV address book `URL` (default: carddav_url from settings)")
	user := fs.String("user", "", "CardDAV user `NAME` (default: carddav_user from settings)")
	passFile := fs.String("password-file", "", "`FILE` holding the CardDAV password (default: $"+envCardDAVPassword+")")
	region := fs.String("region", "", "region `CC` for numbers without a country code (default: from settings)")
	timeout := fs.Duration("timeout", history.DefaultCardDAVTimeout, "give up when the sync takes longer than `D`")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return usageErr("contacts sync: unexpected argument %q", rest[0])
	}
	if *timeout <= 0 {
		return usageErr("contacts sync: --timeout must be positive")
	}
	st, set, err := openHistory(e)
	if err != nil {
		return err
	}
	defer st.Close()
	book := cmp.Or(*bookURL, set.CardDAVURL)
	if book == "" {
		return usageErr("contacts sync: no address book configured (set carddav_url in the settings or pass --url)")
	}
	if *region, err = contactsRegion(*region, set); err != nil {
		return err
	}
	opts := history.CardDAVOptions{User: cmp.Or(*user, set.CardDAVUser), Timeout: *timeout}
	if opts.Password, err = cardDAVPassword(*passFile); err != nil {
		return err
	}
	return syncContacts(ctx, e, st, book, *region, opts)
}

// cardDAVPassword is the password in file, else in $DESKDIAL_CARDDAV_PASSWORD.
func cardDAVPassword(file string) (string, error) {
	if file == "" {
		return os.Getenv(envCardDAVPassword), nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("contacts sync: read password: %w", err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// syncContacts runs the sync, showing its progress on a terminal, and
// says what it did.
func syncContacts(ctx context.Context, e *env, st *history.Store, book, region string, opts history.CardDAVOptions) error {
	prog := newSyncProgress(e.stderr)
	opts.Progress = prog.show
	rep, err := st.SyncCardDAV(ctx, book, region, opts)
	prog.done()
	for _, p := range rep.Problems {
		fmt.Fprintf(e.stderr, "%s\n", p)
	}
	switch {
	case errors.Is(err, history.ErrInvalidInput):
		return withCode(exitUsage, err)
	case errors.Is(err, history.ErrTimeout):
		return withCode(exitTimedOut, err)
	case err != nil:
		return err
	}
	kind := "full"
	if rep.Incremental {
		kind = "incremental"
	}
	fmt.Fprintf(e.stdout, "%s: %s sync: %d %s fetched: %d added, %d updated, %d deleted, %d skipped\n",
		textsafe.Terminal(rep.AddressBook), kind, rep.Fetched, plural(rep.Fetched, "card", "cards"), rep.Added, rep.Updated, rep.Deleted, rep.Skipped)
	noRegionHint(e, rep.NoRegion, "sync again")
	return nil
}

// syncProgress shows what a CardDAV sync is doing on one line of a
// terminal, so a slow server is seen to be slow (Ctrl-C cancels; nothing
// is changed then). On anything but a terminal it shows nothing: scripts
// get the summary line only.
type syncProgress struct {
	w     io.Writer
	shown bool
}

func newSyncProgress(w io.Writer) *syncProgress {
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			return &syncProgress{w: w}
		}
	}
	return &syncProgress{}
}

func (p *syncProgress) show(s history.CardDAVProgress) {
	if p.w == nil {
		return
	}
	line := "contacts sync: " + s.Step
	if s.Total > 0 {
		line += fmt.Sprintf(" %d of %d cards", s.Done, s.Total)
	}
	if s.Bytes > 0 {
		line += fmt.Sprintf(", %d KiB received", s.Bytes>>10)
	}
	// \r and erase-line: the next step overwrites this one.
	fmt.Fprintf(p.w, "\r\x1b[K%s (Ctrl-C cancels)", line)
	p.shown = true
}

func (p *syncProgress) done() {
	if p.shown {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
}
