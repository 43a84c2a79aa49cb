package history

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/deskdial/deskdial/internal/call"
)

func openTemp(t testing.TB) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func schemaVersion(t *testing.T, path string) int {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v int
	if err := db.QueryRow(`SELECT version FROM schema_version`).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestOpenEmptyFileMigratesToCurrent(t *testing.T) {
	s, path := openTemp(t)
	var mode string
	if err := s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q, %v; want wal", mode, err)
	}
	s.Close()
	if v := schemaVersion(t, path); v != SchemaVersion() {
		t.Fatalf("schema version %d, want %d", v, SchemaVersion())
	}
	// Opening again is a no-op and keeps the device identity.
	s1, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	dev := s1.Device()
	s1.Close()
	s2, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s2.Device() != dev || dev == "" {
		t.Fatalf("device id changed across opens: %q then %q", dev, s2.Device())
	}
}

// loadFixture builds a database file from an SQL fixture of an earlier schema.
func loadFixture(t *testing.T, name string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "history.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(string(src)); err != nil {
		t.Fatalf("load %s: %v", name, err)
	}
	return path
}

// schemaOf lists the tables and indexes of a database, normalised, so the
// fixture can be compared with what the migration steps make.
func schemaOf(t *testing.T, db *sql.DB) string {
	t.Helper()
	rows, err := db.Query(`SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name <> 'schema_version' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	comment := regexp.MustCompile(`--[^\n]*`)
	var b strings.Builder
	for rows.Next() {
		var s string
		rows.Scan(&s)
		b.WriteString(strings.Join(strings.Fields(comment.ReplaceAllString(s, "")), " "))
		b.WriteString("\n")
	}
	return b.String()
}

// Every fixture must really be the schema its version made, or the upgrade
// test proves nothing.
func TestFixturesMatchMigrationSteps(t *testing.T) {
	for v := 1; v < SchemaVersion(); v++ {
		name := "schema_v" + string(rune('0'+v)) + ".sql"
		fixture := loadFixture(t, name)
		fdb, _ := sql.Open("sqlite", fixture)
		got := schemaOf(t, fdb)
		fdb.Close()

		mdb, _ := sql.Open("sqlite", filepath.Join(t.TempDir(), "m.db"))
		for _, m := range migrations[:v] {
			if _, err := mdb.Exec(m); err != nil {
				t.Fatal(err)
			}
		}
		want := schemaOf(t, mdb)
		mdb.Close()
		if got != want {
			t.Errorf("%s differs from migration steps 1..%d:\nfixture:\n%s\nmigrations:\n%s", name, v, got, want)
		}
	}
}

func TestOpenMigratesV1Fixture(t *testing.T) {
	ctx := context.Background()
	path := loadFixture(t, "schema_v1.sql")
	s, err := Open(path)
	if err != nil {
		t.Fatalf("Open v1 database: %v", err)
	}
	defer s.Close()

	calls, err := s.Calls(ctx, 0)
	if err != nil || len(calls) != 4 {
		t.Fatalf("calls after migration: %d, %v; want the 4 stored", len(calls), err)
	}
	if calls[3].Number != "+4930123456" || calls[3].Duration != 65*time.Second || calls[3].Outcome != "answered" {
		t.Errorf("oldest call changed by migration: %+v", calls[3])
	}
	recent, err := s.Recent(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var nums []string
	for _, c := range recent {
		nums = append(nums, c.Number)
	}
	if got := strings.Join(nums, " "); got != "+442079460000 +4930123456 +12015550123" {
		t.Errorf("recents after migration = %s", got)
	}
	cs, err := s.Contacts(ctx)
	if err != nil || len(cs) != 2 {
		t.Fatalf("contacts after migration: %v, %v", cs, err)
	}
	for _, c := range cs {
		if c.UID == "" {
			t.Errorf("contact %q has no UID after migration", c.Name)
		}
	}
	// The search index was built from the old rows: by name without
	// accents, and by national digits.
	hits, err := s.Search(ctx, "muller", 5)
	if err != nil || len(hits) != 2 || hits[0].E164 != "+4930123456" {
		t.Errorf("search muller after migration = %+v, %v; want both numbers, the called one first", hits, err)
	}
	hits, err = s.Search(ctx, "0170 123", 5)
	if err != nil || len(hits) != 1 || hits[0].Name != "Jürgen Müller" {
		t.Errorf("search 0170 123 after migration = %+v, %v", hits, err)
	}
	hits, err = s.Search(ctx, "+44 20", 5)
	if err != nil || len(hits) != 1 || !hits[0].FromRecents {
		t.Errorf("search +44 20 (a number only in recents) = %+v, %v", hits, err)
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	s, path := openTemp(t)
	s.db.Exec(`UPDATE schema_version SET version = 999`)
	s.Close()
	_, err := Open(path)
	if !errors.Is(err, ErrNewerSchema) {
		t.Fatalf("Open of a newer database = %v, want ErrNewerSchema", err)
	}
}

func TestRecentOnePerNumberNewestFirst(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	t0 := time.Now().Add(-time.Hour)
	rec := func(min int, num, name string) int64 {
		id, err := s.RecordCall(ctx, Call{At: t0.Add(time.Duration(min) * time.Minute), Number: num, Name: name, PhoneID: "P1", PhoneName: "Pixel", Outcome: call.OutcomeRequested})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	rec(1, "+4930111", "A")
	rec(2, "+4930222", "B")
	last := rec(3, "+4930111", "A")
	if err := s.UpdateCall(ctx, last, call.OutcomeEnded, 90*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := s.UpdateCall(ctx, 9999, call.OutcomeEnded, 0); !errors.Is(err, ErrNotFound) {
		t.Errorf("UpdateCall of a missing call = %v, want ErrNotFound", err)
	}
	got, err := s.Recent(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != last || got[1].Number != "+4930222" {
		t.Fatalf("Recent = %+v", got)
	}
	if got[0].Outcome != call.OutcomeEnded || got[0].Duration != 90*time.Second || got[0].PhoneName != "Pixel" {
		t.Errorf("updated call reads back as %+v", got[0])
	}
	if one, _ := s.Recent(ctx, 1); len(one) != 1 || one[0].ID != last {
		t.Errorf("Recent(1) = %+v", one)
	}
	if _, err := s.RecordCall(ctx, Call{}); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("RecordCall without a number = %v", err)
	}
}

func TestClearAndPrune(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	now := time.Now()
	for _, c := range []Call{
		{At: now.Add(-400 * 24 * time.Hour), Number: "+4930111"},
		{At: now.Add(-40 * 24 * time.Hour), Number: "+4930222"},
		{At: now.Add(-time.Hour), Number: "+4930333"},
	} {
		if _, err := s.RecordCall(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Prune(ctx, 0); err != nil {
		t.Fatal(err)
	}
	if cs, _ := s.Calls(ctx, 0); len(cs) != 3 {
		t.Fatalf("retention 0 deleted calls: %d left", len(cs))
	}
	if err := s.Prune(ctx, 30); err != nil {
		t.Fatal(err)
	}
	cs, _ := s.Calls(ctx, 0)
	if len(cs) != 1 || cs[0].Number != "+4930333" {
		t.Fatalf("after 30-day retention: %+v", cs)
	}
	// A pruned number is gone from search too.
	if hits, _ := s.Search(ctx, "4930111", 5); len(hits) != 0 {
		t.Errorf("pruned number still found: %+v", hits)
	}
	if err := s.Prune(ctx, -1); !errors.Is(err, ErrInvalidInput) {
		t.Errorf("Prune(-1) = %v", err)
	}
	if err := s.ClearCalls(ctx); err != nil {
		t.Fatal(err)
	}
	if r, _ := s.Recent(ctx, 10); len(r) != 0 {
		t.Fatalf("recents after clear: %+v", r)
	}
	if hits, _ := s.Search(ctx, "4930333", 5); len(hits) != 0 {
		t.Errorf("cleared number still found: %+v", hits)
	}
}
