package history

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/deskdial/deskdial/internal/textsafe"
	"github.com/emersion/go-webdav"
)

// The cards themselves are fetched with an addressbook-multiget REPORT
// (RFC 6352 section 8.7) sent and read here, not with go-webdav's
// MultiGetAddressBook: that one decodes each card with go-vcard before
// handing it over, and go-vcard drops lines that deskdial's own reader
// (splitCards, parseContentLine) reads — a vCard 2.1 bare parameter, a
// quoted TYPE="A,B:C",PREF — so a synced card would lose numbers that an
// import of the same card keeps. go-webdav has no call that returns the
// address-data as sent. The request goes through the sync's own HTTP
// client, so the size limit per answer, the timeouts and the byte count
// of davclient.go hold for it as for every other request; the answer is
// read as a stream and only the cards asked for are kept, at most
// multiGetBatch per request.

// ErrBadAnswer is returned when a CardDAV server's answer cannot be read:
// not XML, not a multistatus, or cut short.
var ErrBadAnswer = errors.New("history: CardDAV server sent an answer that cannot be read")

const (
	davNS     = "DAV:"
	cardDAVNS = "urn:ietf:params:xml:ns:carddav"
	// maxETag bounds an entity tag; real ones are a few dozen bytes.
	maxETag = 1024
)

// davCard is one address book entry of a multiget answer.
type davCard struct {
	ETag string
	// Data is the address-data as the server sent it; nil when Status
	// says the card could not be sent.
	Data []byte
	// Status is the HTTP status the server gave for this entry: 200 when
	// Data is the card, 404 when the entry is gone.
	Status int
}

// multiGet fetches the cards at hrefs (paths, as go-webdav lists them)
// from the address book at book. Entries the server leaves out of its
// answer are missing from the map.
func multiGet(ctx context.Context, hc webdav.HTTPClient, book *url.URL, hrefs []string) (map[string]davCard, error) {
	var body bytes.Buffer
	body.WriteString(xml.Header)
	body.WriteString(`<C:addressbook-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:carddav"><D:prop><D:getetag/><C:address-data/></D:prop>`)
	want := make(map[string]bool, len(hrefs))
	for _, h := range hrefs {
		want[h] = true
		body.WriteString("<D:href>")
		// Written as go-webdav writes hrefs, so the server sees the
		// same names it listed.
		xml.EscapeText(&body, []byte((&url.URL{Path: h}).String()))
		body.WriteString("</D:href>")
	}
	body.WriteString("</C:addressbook-multiget>")
	u := *book
	u.RawQuery, u.Fragment = "", ""
	req, err := http.NewRequestWithContext(ctx, "REPORT", u.String(), &body)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", `text/xml; charset="utf-8"`)
	// The server ignores Depth for a multiget; it is sent as go-webdav
	// sends it, which the common servers accept.
	req.Header.Set("Depth", "1")
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusMultiStatus {
		return nil, fmt.Errorf("the server answered the request for the cards with %q instead of a list of cards", textsafe.Terminal(shorten(resp.Status)))
	}
	return readMultiGet(resp.Body, want)
}

// msResponse is one DAV:response of a multistatus (RFC 4918 section 14.24).
type msResponse struct {
	Hrefs     []string `xml:"DAV: href"`
	Status    string   `xml:"DAV: status"`
	PropStats []struct {
		Status string `xml:"DAV: status"`
		Prop   struct {
			ETag *string `xml:"DAV: getetag"`
			Data *string `xml:"urn:ietf:params:xml:ns:carddav address-data"`
		} `xml:"DAV: prop"`
	} `xml:"DAV: propstat"`
}

// readMultiGet reads a multistatus answer to a multiget, keeping the
// entries whose href is in want. Anything that is not a well-formed
// multistatus is an ErrBadAnswer, so a broken answer never reads as an
// address book that lost its cards.
func readMultiGet(r io.Reader, want map[string]bool) (map[string]davCard, error) {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrBadAnswer}, a...)...)
	}
	d := xml.NewDecoder(r)
	var root xml.StartElement
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, readErr(err, bad)
		}
		if se, ok := tok.(xml.StartElement); ok {
			root = se
			break
		}
	}
	if root.Name.Space != davNS || root.Name.Local != "multistatus" {
		return nil, bad("it is <%s>, not a DAV multistatus", textsafe.Terminal(shorten(root.Name.Local)))
	}
	cards := map[string]davCard{}
	for {
		tok, err := d.Token()
		if err != nil {
			return nil, readErr(err, bad)
		}
		switch t := tok.(type) {
		case xml.EndElement:
			// The end of the multistatus: the decoder checks that it
			// matches.
			return cards, nil
		case xml.StartElement:
			if t.Name.Space != davNS || t.Name.Local != "response" {
				if err := d.Skip(); err != nil {
					return nil, readErr(err, bad)
				}
				continue
			}
			var resp msResponse
			if err := d.DecodeElement(&resp, &t); err != nil {
				return nil, readErr(err, bad)
			}
			if err := takeResponse(&resp, want, cards); err != nil {
				return nil, bad("%v", err)
			}
		}
	}
}

// readErr says what went wrong reading the answer: the size limit and
// the deadline pass through as they are (explain names them); anything
// else is a broken answer.
func readErr(err error, bad func(string, ...any) error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return bad("it ends in the middle")
	}
	var se *xml.SyntaxError
	var ue xml.UnmarshalError
	if errors.As(err, &se) || errors.As(err, &ue) {
		return bad("%s", textsafe.Terminal(shorten(err.Error())))
	}
	return err
}

// takeResponse files one DAV:response under its href.
func takeResponse(resp *msResponse, want map[string]bool, cards map[string]davCard) error {
	if len(resp.Hrefs) == 0 {
		return errors.New("an entry without an href")
	}
	var paths []string
	for _, h := range resp.Hrefs {
		u, err := url.Parse(strings.TrimSpace(h))
		if err != nil {
			return fmt.Errorf("href %q: %v", textsafe.Terminal(shorten(h)), err)
		}
		if want[u.Path] {
			paths = append(paths, u.Path)
		}
	}
	if len(paths) == 0 {
		// Not asked for: a server cannot add cards to the address book
		// this way, nor make the answer hold more than was asked for.
		return nil
	}
	var c davCard
	if resp.Status != "" {
		code, err := parseDAVStatus(resp.Status)
		if err != nil {
			return err
		}
		c.Status = code
	}
	if c.Status == 0 || c.Status/100 == 2 {
		if len(resp.Hrefs) != 1 {
			return fmt.Errorf("%d hrefs for one card", len(resp.Hrefs))
		}
		c.Status = http.StatusNotFound // no address-data anywhere
		for _, ps := range resp.PropStats {
			code := http.StatusOK
			if ps.Status != "" {
				var err error
				if code, err = parseDAVStatus(ps.Status); err != nil {
					return err
				}
			}
			if code/100 != 2 {
				if ps.Prop.Data != nil {
					c.Status = code
				}
				continue
			}
			if ps.Prop.ETag != nil {
				c.ETag = parseETag(*ps.Prop.ETag)
				if len(c.ETag) > maxETag || !utf8.ValidString(c.ETag) {
					return fmt.Errorf("the entity tag of %q is not a short UTF-8 text", textsafe.Terminal(shorten(paths[0])))
				}
			}
			if ps.Prop.Data != nil {
				c.Data, c.Status = []byte(*ps.Prop.Data), http.StatusOK
			}
		}
	}
	for _, p := range paths {
		if _, dup := cards[p]; dup {
			return fmt.Errorf("two entries for %q", textsafe.Terminal(shorten(p)))
		}
		cards[p] = c
	}
	return nil
}

// parseDAVStatus reads "HTTP/1.1 404 Not Found".
func parseDAVStatus(s string) (int, error) {
	f := strings.Fields(s)
	if len(f) >= 2 && strings.HasPrefix(f[0], "HTTP/") {
		if code, err := strconv.Atoi(f[1]); err == nil && code >= 100 && code <= 999 {
			return code, nil
		}
	}
	return 0, fmt.Errorf("status %q is not an HTTP status line", textsafe.Terminal(shorten(s)))
}

// parseETag reads an entity tag as go-webdav does for the listing (the
// quotes taken off), so the two compare equal; a tag go-webdav would
// refuse is kept as written.
func parseETag(s string) string {
	s = strings.TrimSpace(s)
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s
}
