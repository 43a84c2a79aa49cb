package history

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Hit is one dialable number found by Search.
type Hit struct {
	Name, Org   string
	Label       string // the contact's label; empty for a number only known from recents
	E164        string
	Ext         string // the contact's extension for this number (see LabeledNumber.Ext)
	FromRecents bool   // a number called before that no contact holds
	ContactID   int64

	score float64
}

// frecency ranks numbers the user calls often and lately first: the call
// count, discounted by a week for each week since the last call.
const frecencySQL = `CASE WHEN ns.calls IS NULL THEN 0.0 ELSE ns.calls * 1.0 / (1.0 + (?1 - ns.last_at) / 604800000.0) END`

// broadMatches is the number of matching contacts above which search walks
// indexes in rank order instead of sorting every match.
const broadMatches = 300

// topStats are the numbers a broad query ranks: the 200 called most lately
// and the 200 called most often.
const topStats = `(SELECT * FROM (SELECT * FROM number_stats ORDER BY last_at DESC LIMIT 200)
	UNION SELECT * FROM (SELECT * FROM number_stats ORDER BY calls DESC LIMIT 200))`

// query is a user's search text turned into an FTS5 expression.
type query struct {
	fts    string // FTS5 MATCH expression
	digits string // the typed digits when the text is a number being typed
	words  []string
}

func isNumberish(s string) bool {
	hasDigit := false
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			hasDigit = true
		case strings.ContainsRune("+-()./ \u00a0", r):
		default:
			return false
		}
	}
	return hasDigit
}

func parseQuery(q string) query {
	q = strings.TrimSpace(q)
	if isNumberish(q) {
		d := onlyDigits(q)
		// "0049…" is "+49…" typed with the international prefix.
		if !strings.HasPrefix(q, "+") && strings.HasPrefix(d, "00") {
			d = d[2:]
		}
		if d == "" {
			return query{}
		}
		return query{fts: `digits : "` + d + `"*`, digits: d}
	}
	words := strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var terms []string
	for _, w := range words {
		terms = append(terms, `"`+strings.ReplaceAll(w, `"`, `""`)+`"*`)
	}
	return query{fts: strings.Join(terms, " AND "), words: words}
}

// Search finds dialable numbers as the user types: contacts by name,
// organisation or digits, and numbers called before that no contact holds.
// Numbers called often and lately rank first. One Hit per number.
func (s *Store) Search(ctx context.Context, q string, limit int) ([]Hit, error) {
	pq := parseQuery(q)
	if pq.fts == "" || limit <= 0 {
		return nil, nil
	}
	hits, err := s.search(ctx, pq, limit, false)
	if err != nil {
		return nil, fmt.Errorf("search %q: %w", q, err)
	}
	return hits, nil
}

func (s *Store) search(ctx context.Context, pq query, limit int, namesOnly bool) ([]Hit, error) {
	// One connection for the whole search: the matches are collected once
	// into temporary tables on it. Evaluating a long prefix ("01511000*")
	// merges the index entries of every number under it, which is worth
	// doing once per keystroke, not once per step.
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `CREATE TEMP TABLE IF NOT EXISTS search_contacts (id INTEGER PRIMARY KEY);
		CREATE TEMP TABLE IF NOT EXISTS search_recents (id INTEGER PRIMARY KEY);
		DELETE FROM temp.search_contacts; DELETE FROM temp.search_recents;`); err != nil {
		return nil, err
	}
	// Leave the temporary tables empty for the next user of the connection.
	defer conn.ExecContext(context.Background(), `DELETE FROM temp.search_contacts; DELETE FROM temp.search_recents;`)

	now := time.Now().UnixMilli()
	match := pq.fts
	if namesOnly {
		match = "{name org} : (" + pq.fts + ")"
	}
	// inMatch restricts a query to the matching contacts. A typed number
	// is matched by a range over number_forms instead of FTS, and when
	// it matches many contacts the digit filter in each query is all the
	// restriction needed, so nothing is collected.
	var n int64
	inMatch := func(col string) string { return col + " IN temp.search_contacts" }
	if pq.digits != "" && !namesOnly {
		if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM number_forms
			WHERE form >= ?1 AND form < ?1 || ':' LIMIT ?2)`, pq.digits, broadMatches+1).Scan(&n); err != nil {
			return nil, err
		}
		if n > broadMatches {
			inMatch = func(string) string { return "1" }
		} else if _, err := conn.ExecContext(ctx, `INSERT OR IGNORE INTO temp.search_contacts(id)
			SELECT contact_id FROM number_forms WHERE form >= ?1 AND form < ?1 || ':'`, pq.digits); err != nil {
			return nil, err
		}
	} else {
		res, err := conn.ExecContext(ctx, `INSERT INTO temp.search_contacts(id) SELECT rowid FROM contact_fts WHERE contact_fts MATCH ?`, match)
		if err != nil {
			return nil, err
		}
		n, _ = res.RowsAffected()
	}

	scan := func(rows *sql.Rows, err error) ([]Hit, error) {
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []Hit
		for rows.Next() {
			var h Hit
			if err := rows.Scan(&h.ContactID, &h.Name, &h.Org, &h.Label, &h.E164, &h.Ext, &h.score); err != nil {
				return nil, err
			}
			out = append(out, h)
		}
		return out, rows.Err()
	}
	// Two steps, so that a one-letter query matching most of the address
	// book never sorts all of it: numbers called before, ranked by
	// frecency, then other matching contacts in name order. Few matches
	// are read from the match table and sorted; many are found by walking
	// the most-called numbers and the name index, stopping once enough are
	// found. A broad query ranks only the numbers called most lately and
	// most often (frecency puts the others below them anyway), and "+"
	// keeps SQLite from turning the match list into an index lookup per
	// called number, which would multiply the two sets.
	join, byName, plus, stats := "JOIN", "", "", "number_stats"
	if n > broadMatches {
		join, byName, plus, stats = "CROSS JOIN", "INDEXED BY contacts_name", "+", topStats
	}
	hits, err := scan(conn.QueryContext(ctx, `SELECT c.id, c.name, c.org, cn.label, cn.e164, cn.ext, `+frecencySQL+` AS score
		FROM `+stats+` ns
		`+join+` contact_numbers cn ON cn.e164 = ns.e164
		`+join+` contacts c ON c.id = cn.contact_id
		WHERE `+inMatch(plus+"cn.contact_id")+`
		  AND (?2 = '' OR instr(' ' || cn.forms, ' ' || ?2) > 0)
		ORDER BY score DESC, c.name COLLATE NOCASE, c.id
		LIMIT ?3`, now, pq.digits, limit))
	if err != nil {
		return nil, err
	}
	more, err := scan(conn.QueryContext(ctx, `SELECT c.id, c.name, c.org, cn.label, cn.e164, cn.ext, 0.0
		FROM (SELECT id FROM contacts `+byName+`
		      WHERE `+inMatch("id")+`
		        AND (?1 = '' OR EXISTS (SELECT 1 FROM contact_numbers x WHERE x.contact_id = contacts.id AND instr(' ' || x.forms, ' ' || ?1) > 0))
		      ORDER BY name COLLATE NOCASE, id LIMIT ?2) AS pick
		JOIN contacts c ON c.id = pick.id
		JOIN contact_numbers cn ON cn.contact_id = c.id
		WHERE (?1 = '' OR instr(' ' || cn.forms, ' ' || ?1) > 0)
		ORDER BY c.name COLLATE NOCASE, c.id, `+labelOrder+`, cn.e164`, pq.digits, limit))
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, h := range hits {
		seen[h.E164+"\x00"+strconv.FormatInt(h.ContactID, 10)] = true
	}
	for _, h := range more {
		if !seen[h.E164+"\x00"+strconv.FormatInt(h.ContactID, 10)] {
			hits = append(hits, h)
		}
	}
	if namesOnly {
		return hits, nil
	}

	// Numbers only known from recents, bounded the same way.
	rmatch := pq.fts
	if pq.digits == "" {
		rmatch = "name : (" + pq.fts + ")"
	}
	res, err := conn.ExecContext(ctx, `INSERT INTO temp.search_recents(id) SELECT rowid FROM recent_fts WHERE recent_fts MATCH ?`, rmatch)
	if err != nil {
		return nil, err
	}
	n, _ = res.RowsAffected()
	stats, plus = "number_stats", ""
	if n > broadMatches {
		stats, plus = topStats, "+"
	}
	rows, err := conn.QueryContext(ctx, `SELECT ns.name, ns.e164, `+frecencySQL+` AS score
		FROM `+stats+` ns
		WHERE `+plus+`ns.id IN temp.search_recents
		  AND NOT EXISTS (SELECT 1 FROM contact_numbers WHERE e164 = ns.e164)
		ORDER BY score DESC
		LIMIT ?2`, now, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		h := Hit{FromRecents: true}
		if err := rows.Scan(&h.Name, &h.E164, &h.score); err != nil {
			return nil, err
		}
		hits = append(hits, h)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].score > hits[j].score })
	if len(hits) > limit {
		hits = hits[:limit]
	}
	return hits, nil
}

// Resolution is the outcome of ResolveName: the number to call, or, with
// ErrAmbiguous, the candidates to ask the user about.
type Resolution struct {
	ContactID  int64
	Name, Org  string
	Number     LabeledNumber // set when the name resolved
	Candidates []Hit         // set with ErrAmbiguous: one per number to choose from
}

// resolveLimit bounds how many numbers a name can match; more than that is
// listed as ambiguous anyway, and the user types more.
const resolveLimit = 50

// ResolveName finds the number to call for a contact's name. One contact
// with one number resolves; with several numbers, its only mobile number
// resolves, else the numbers come back with ErrAmbiguous; several contacts
// come back with ErrAmbiguous, listing them; no contact is ErrNoMatch.
// A contact whose full name equals q wins over others that merely start
// with it ("Anna" over "Anna Schmidt"), and whole words over prefixes.
func (s *Store) ResolveName(ctx context.Context, q string) (Resolution, error) {
	pq := parseQuery(q)
	if pq.fts == "" || pq.digits != "" {
		return Resolution{}, fmt.Errorf("resolve %q: %w", q, ErrNoMatch)
	}
	hits, err := s.search(ctx, pq, resolveLimit, true)
	if err != nil {
		return Resolution{}, fmt.Errorf("resolve %q: %w", q, err)
	}
	if len(hits) == 0 {
		return Resolution{}, fmt.Errorf("resolve %q: %w", q, ErrNoMatch)
	}
	// Tiers: 0 exact full name, 1 every typed word is a whole word of
	// the name, 2 prefixes only. The best non-empty tier counts.
	want := foldName(strings.Join(pq.words, " "))
	tier := func(h Hit) int {
		nameWords := strings.FieldsFunc(foldName(h.Name), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
		if strings.Join(nameWords, " ") == want {
			return 0
		}
		set := map[string]bool{}
		for _, w := range nameWords {
			set[w] = true
		}
		for _, w := range pq.words {
			if !set[strings.ToLower(w)] {
				return 2
			}
		}
		return 1
	}
	best := 3
	for _, h := range hits {
		if t := tier(h); t < best {
			best = t
		}
	}
	var cands []Hit
	people := map[int64]bool{}
	for _, h := range hits {
		if tier(h) == best {
			cands = append(cands, h)
			people[h.ContactID] = true
		}
	}
	if len(people) > 1 {
		return Resolution{Candidates: cands}, fmt.Errorf("resolve %q: %w: %d contacts", q, ErrAmbiguous, len(people))
	}
	res := Resolution{ContactID: cands[0].ContactID, Name: cands[0].Name, Org: cands[0].Org}
	if len(cands) == 1 {
		res.Number = LabeledNumber{Label: cands[0].Label, E164: cands[0].E164, Ext: cands[0].Ext}
		return res, nil
	}
	var mobiles []Hit
	for _, h := range cands {
		if h.Label == LabelMobile {
			mobiles = append(mobiles, h)
		}
	}
	if len(mobiles) == 1 {
		res.Number = LabeledNumber{Label: LabelMobile, E164: mobiles[0].E164, Ext: mobiles[0].Ext}
		return res, nil
	}
	sort.SliceStable(cands, func(i, j int) bool { return labelRank(cands[i].Label) < labelRank(cands[j].Label) })
	res.Candidates = cands
	return res, fmt.Errorf("resolve %q: %w: %s has %d numbers", q, ErrAmbiguous, res.Name, len(cands))
}
