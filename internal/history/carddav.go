package history

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/deskdial/deskdial/internal/textsafe"
	"github.com/emersion/go-webdav/carddav"
)

// CardDAVReport says what a CardDAV sync did.
type CardDAVReport struct {
	AddressBook string // URL of the address book synced
	Incremental bool   // only changes since the last sync were asked for
	Fetched     int    // cards downloaded
	Added       int
	Updated     int
	Deleted     int
	Skipped     int // cards that could not be read or had no number
	NoRegion    int // numbers without a country code, skipped because no region was given
	Problems    []ImportProblem
}

// multiGetBatch bounds how many cards one REPORT asks for.
const multiGetBatch = 100

// SyncCardDAV brings the contacts from a CardDAV address book up to date.
// bookURL is the address book, or any collection above it (the first
// address book found below is used); o carries the credentials and the
// limits (see CardDAVOptions). With a sync token from the previous run,
// only the changes are fetched (RFC 6578 sync-collection); a server that
// does not support it, or has forgotten the token, gets a full listing
// compared by ETag, so unchanged cards are never downloaded. Everything is
// stored in one transaction at the end, so a sync that fails or is
// cancelled (ErrTimeout, ErrTooLarge, ErrCanceled, ErrBadAnswer) changes
// nothing. Cards are read with the same reader as ImportVCard, so a synced
// card keeps the numbers an import of it keeps.
func (s *Store) SyncCardDAV(ctx context.Context, bookURL, region string, o CardDAVOptions) (rep CardDAVReport, err error) {
	u, err := url.Parse(bookURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return rep, fmt.Errorf("sync CardDAV: %w: address book URL %q must be http(s)://host/path", ErrInvalidInput, textsafe.Terminal(bookURL))
	}
	o = o.withDefaults()
	parent := ctx
	ctx, cancel := context.WithTimeoutCause(ctx, o.Timeout, errSyncDeadline)
	defer cancel()
	tr := &davTracker{}
	defer func() {
		if err != nil {
			err = o.explain(ctx, parent, tr, err)
			err = fmt.Errorf("sync CardDAV %s: %w", textsafe.Terminal(u.Redacted()), err)
		}
	}()
	var last CardDAVProgress
	progress := func(step string, done, total int) {
		last = CardDAVProgress{Step: step, Done: done, Total: total}
		if o.Progress != nil {
			o.Progress(CardDAVProgress{Step: step, Done: done, Total: total, Bytes: tr.bytes.Load()})
		}
	}
	// Bytes arrive on the goroutine that reads the answer, which is this
	// one (go-webdav decodes as it reads).
	tr.tick = func() { progress(last.Step, last.Done, last.Total) }
	progress("connecting", 0, 0)
	hc := o.client(tr)
	cl, err := carddav.NewClient(hc, bookURL)
	if err != nil {
		return rep, err
	}
	path, err := findAddressBook(ctx, cl, u.Path)
	if err != nil {
		return rep, err
	}
	base := *u
	base.Path, base.RawPath = path, ""
	rep.AddressBook = base.String()
	source := "carddav:" + rep.AddressBook
	tokenKey := "carddav-token:" + rep.AddressBook

	var token string
	err = s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, tokenKey).Scan(&token)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return rep, fmt.Errorf("read sync token: %w", err)
	}

	// What the server has (or what changed), as href → ETag.
	var (
		listing  map[string]string // full listing when not incremental
		changed  = map[string]string{}
		deleted  []string
		newToken string
	)
	progress("listing", 0, 0)
	etagReq := carddav.AddressDataRequest{Props: []string{"UID"}}
	resp, err := cl.SyncCollection(ctx, path, &carddav.SyncQuery{DataRequest: etagReq, SyncToken: token})
	if err != nil && token != "" {
		// An expired or unknown token: start over from an empty one.
		token = ""
		resp, err = cl.SyncCollection(ctx, path, &carddav.SyncQuery{DataRequest: etagReq})
	}
	switch {
	case err == nil && token != "":
		rep.Incremental = true
		for _, o := range resp.Updated {
			changed[o.Path] = o.ETag
		}
		deleted = resp.Deleted
		newToken = resp.SyncToken
	case err == nil:
		listing = map[string]string{}
		for _, o := range resp.Updated {
			listing[o.Path] = o.ETag
		}
		newToken = resp.SyncToken
	default:
		// No sync-collection: list the collection with its ETags.
		objs, qerr := cl.QueryAddressBook(ctx, path, &carddav.AddressBookQuery{DataRequest: etagReq})
		if qerr != nil {
			return rep, fmt.Errorf("list address book: %w (sync-collection: %v)", qerr, err)
		}
		listing = map[string]string{}
		for _, o := range objs {
			listing[o.Path] = o.ETag
		}
	}

	// Compare with what is stored from this address book.
	stored := map[string]string{} // href → etag
	storedID := map[string]int64{}
	rows, err := s.db.QueryContext(ctx, `SELECT id, href, etag FROM contacts WHERE source = ? AND href <> ''`, source)
	if err != nil {
		return rep, fmt.Errorf("read contacts: %w", err)
	}
	for rows.Next() {
		var id int64
		var href, etag string
		if err := rows.Scan(&id, &href, &etag); err != nil {
			rows.Close()
			return rep, fmt.Errorf("read contacts: %w", err)
		}
		stored[href], storedID[href] = etag, id
	}
	rows.Close()
	if listing != nil {
		for href, etag := range listing {
			changed[href] = etag
		}
		for href := range stored {
			if _, ok := listing[href]; !ok {
				deleted = append(deleted, href)
			}
		}
	}
	var fetch []string
	for href, etag := range changed {
		if old, ok := stored[href]; ok && etag != "" && old == etag {
			continue
		}
		fetch = append(fetch, href)
	}

	sort.Strings(fetch)

	type card struct {
		href string
		davCard
	}
	var cards []card
	// keepToken is cleared when a card that changed could not be fetched:
	// without the token, the next sync compares the whole listing by
	// ETag and fetches that card again, instead of never seeing it.
	keepToken := true
	for i := 0; i < len(fetch); i += multiGetBatch {
		progress("fetching", i, len(fetch))
		batch := fetch[i:min(i+multiGetBatch, len(fetch))]
		got, err := multiGet(ctx, hc, &base, batch)
		if err != nil {
			return rep, fmt.Errorf("fetch cards: %w", err)
		}
		for _, href := range batch {
			c, ok := got[href]
			switch {
			case !ok:
				c.Status = 0
			case c.Data != nil:
				rep.Fetched++
			}
			cards = append(cards, card{href, c})
		}
	}
	progress("storing", rep.Fetched, len(fetch))

	err = s.write(ctx, func(tx *wtx) error {
		for i, c := range cards {
			problem := func(name, reason string) {
				rep.Problems = append(rep.Problems, ImportProblem{Card: i + 1, Name: strings.TrimSpace(name + " <" + c.href + ">"), Reason: reason})
			}
			if c.Status == http.StatusNotFound {
				// Gone between the listing and the fetch.
				deleted = append(deleted, c.href)
				continue
			}
			if c.Data == nil {
				rep.Skipped++
				keepToken = false
				why := "the server left it out of its answer"
				if c.Status != 0 {
					why = fmt.Sprintf("the server could not send it (HTTP status %d)", c.Status)
				}
				problem("", "not fetched: "+why+"; the stored copy is kept and the next sync tries again")
				continue
			}
			rec, problems, err := readCardData(c.Data, region)
			if err == nil {
				err = checkContact(&rec.Contact)
			}
			rep.NoRegion += rec.noRegion
			if err != nil {
				// Skipped, and a stored copy is kept: the server sent
				// something that cannot be read, or that no honest
				// address book has.
				rep.Skipped++
				problem("", "not imported: "+strings.TrimPrefix(err.Error(), ErrInvalidInput.Error()+": "))
				continue
			}
			for _, p := range problems {
				problem(rec.Name, p)
			}
			lost := false
			for _, p := range problems {
				lost = lost || lostNumber(p)
			}
			if rec.Name != "" && len(rec.Numbers) == 0 && lost {
				// It has numbers, none of them readable: skipped as
				// import skips it, and a stored copy is kept.
				rep.Skipped++
				continue
			}
			if rec.Name == "" || len(rec.Numbers) == 0 {
				// Not dialable (any more): drop a stored copy.
				rep.Skipped++
				if id, ok := storedID[c.href]; ok {
					if err := deleteContact(ctx, tx, id, true); err != nil {
						return err
					}
				}
				continue
			}
			if rec.UID == "" {
				rec.UID = source + "#" + c.href
			}
			rec.Source, rec.href, rec.etag = source, c.href, c.ETag
			if id, ok := storedID[c.href]; ok {
				// The card may have changed its UID; the href is what
				// identifies it on this server.
				if _, err := tx.ExecContext(ctx, `UPDATE contacts SET uid = ? WHERE id = ?`, rec.UID, id); err != nil {
					return err
				}
			}
			_, existed, err := putContact(ctx, tx, &rec, true, true)
			if err != nil {
				return err
			}
			if existed {
				rep.Updated++
			} else {
				rep.Added++
			}
		}
		for _, href := range deleted {
			id, ok := storedID[href]
			if !ok {
				continue
			}
			if err := deleteContact(ctx, tx, id, true); err != nil {
				return err
			}
			rep.Deleted++
		}
		if newToken == "" || !keepToken {
			_, err := tx.ExecContext(ctx, `DELETE FROM meta WHERE key = ?`, tokenKey)
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, tokenKey, newToken)
		return err
	})
	if err != nil {
		return rep, fmt.Errorf("store contacts: %w", err)
	}
	s.notify()
	return rep, nil
}

// findAddressBook returns the path of the address book at or below path.
func findAddressBook(ctx context.Context, cl *carddav.Client, path string) (string, error) {
	if path == "" {
		path = "/"
	}
	books, err := cl.FindAddressBooks(ctx, path)
	if err == nil {
		for _, b := range books {
			if strings.TrimSuffix(b.Path, "/") == strings.TrimSuffix(path, "/") {
				return b.Path, nil
			}
		}
		if len(books) > 0 {
			return books[0].Path, nil
		}
	}
	// A server root or principal URL: follow RFC 6352 discovery.
	principal, perr := cl.FindCurrentUserPrincipal(ctx)
	if perr != nil {
		return "", fmt.Errorf("no address book at %s: %v; find principal: %w", path, err, perr)
	}
	home, herr := cl.FindAddressBookHomeSet(ctx, principal)
	if herr != nil {
		return "", fmt.Errorf("find address book home: %w", herr)
	}
	books, err = cl.FindAddressBooks(ctx, home)
	if err != nil {
		return "", fmt.Errorf("list address books: %w", err)
	}
	if len(books) == 0 {
		return "", fmt.Errorf("%w: no address book under %s", ErrNotFound, home)
	}
	return books[0].Path, nil
}
