package history

// migrations[i] takes the database from schema version i to i+1. A released
// step is never edited: a change is a new step, and testdata/ keeps a fixture
// of every earlier schema so the upgrade path from it stays tested.
var migrations = []string{
	// v1: calls and contacts.
	`
CREATE TABLE calls (
	id          INTEGER PRIMARY KEY,
	at          INTEGER NOT NULL,            -- unix milliseconds
	number      TEXT    NOT NULL,            -- E.164
	name        TEXT    NOT NULL DEFAULT '',
	phone_id    TEXT    NOT NULL DEFAULT '',
	phone_name  TEXT    NOT NULL DEFAULT '',
	outcome     TEXT    NOT NULL DEFAULT '',
	duration_ms INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX calls_at ON calls(at);
CREATE INDEX calls_number_at ON calls(number, at);

CREATE TABLE contacts (
	id     INTEGER PRIMARY KEY,
	name   TEXT NOT NULL,
	org    TEXT NOT NULL DEFAULT '',
	source TEXT NOT NULL DEFAULT '',
	uid    TEXT NOT NULL DEFAULT ''
);
CREATE INDEX contacts_uid ON contacts(uid);

CREATE TABLE contact_numbers (
	contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
	label      TEXT    NOT NULL CHECK (label IN ('mobile','work','home','other')),
	e164       TEXT    NOT NULL,
	PRIMARY KEY (contact_id, e164)
) WITHOUT ROWID;
CREATE INDEX contact_numbers_e164 ON contact_numbers(e164);
`,
	// v2: sync identity of calls, CardDAV bookkeeping, the search index,
	// per-number call statistics for ranking, and the sync outbox.
	`
ALTER TABLE calls ADD COLUMN sync_id TEXT;
ALTER TABLE calls ADD COLUMN updated INTEGER NOT NULL DEFAULT 0;  -- unix nanoseconds of the last change
UPDATE calls SET sync_id = lower(hex(randomblob(16))), updated = at * 1000000;
CREATE UNIQUE INDEX calls_sync_id ON calls(sync_id);

ALTER TABLE contacts ADD COLUMN href TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN etag TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN updated INTEGER NOT NULL DEFAULT 0;
UPDATE contacts SET uid = 'deskdial-' || lower(hex(randomblob(16))) WHERE uid = '';
CREATE INDEX contacts_href ON contacts(href) WHERE href <> '';
CREATE INDEX contacts_name ON contacts(name COLLATE NOCASE, id);
ALTER TABLE contact_numbers ADD COLUMN forms TEXT NOT NULL DEFAULT '';  -- deskdial_digits(e164)
UPDATE contact_numbers SET forms = deskdial_digits(e164);

CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO meta(key, value) VALUES ('device', lower(hex(randomblob(8))));

-- One row per number ever called: what search ranks by (recency and
-- frequency) and what recents without a contact are found through.
CREATE TABLE number_stats (
	id      INTEGER PRIMARY KEY,
	e164    TEXT    NOT NULL UNIQUE,
	calls   INTEGER NOT NULL,
	last_at INTEGER NOT NULL,
	name    TEXT    NOT NULL DEFAULT ''
);
INSERT INTO number_stats(e164, calls, last_at, name)
	SELECT number, count(*), max(at),
	       (SELECT c2.name FROM calls c2 WHERE c2.number = c.number ORDER BY c2.at DESC LIMIT 1)
	FROM calls c GROUP BY number;
CREATE INDEX number_stats_last_at ON number_stats(last_at);
CREATE INDEX number_stats_calls ON number_stats(calls);

CREATE TRIGGER calls_ai AFTER INSERT ON calls BEGIN
	INSERT INTO number_stats(e164, calls, last_at, name) VALUES (new.number, 1, new.at, new.name)
	ON CONFLICT(e164) DO UPDATE SET
		calls = calls + 1,
		name = CASE WHEN excluded.last_at >= last_at AND excluded.name <> '' THEN excluded.name ELSE name END,
		last_at = max(last_at, excluded.last_at);
END;
CREATE TRIGGER calls_ad AFTER DELETE ON calls BEGIN
	DELETE FROM number_stats WHERE e164 = old.number
		AND NOT EXISTS (SELECT 1 FROM calls WHERE number = old.number);
	UPDATE number_stats SET calls = calls - 1,
		last_at = (SELECT max(at) FROM calls WHERE number = old.number)
		WHERE e164 = old.number;
END;

-- Full-text index for as-you-type search. Names and organisations use the
-- unicode61 tokenizer without diacritics ("Muller" finds "Müller"); the
-- digits column holds each number in international, national and
-- national-significant form so typed digits match by prefix however the
-- user writes the number.
CREATE VIRTUAL TABLE contact_fts USING fts5(
	name, org, digits,
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '1 2 3'
);
INSERT INTO contact_fts(rowid, name, org, digits)
	SELECT c.id, c.name, c.org,
	       coalesce((SELECT group_concat(forms, ' ') FROM contact_numbers WHERE contact_id = c.id), '')
	FROM contacts c;

-- Every digit form of every contact number, for digit prefix search by
-- B-tree range: FTS5 answers a long prefix ("01511000*") by merging the
-- index entries of every number under it, which grows with the address
-- book; a range scan stops where the prefix ends.
CREATE TABLE number_forms (
	form       TEXT    NOT NULL,
	contact_id INTEGER NOT NULL REFERENCES contacts(id) ON DELETE CASCADE,
	PRIMARY KEY (form, contact_id)
) WITHOUT ROWID;
CREATE INDEX number_forms_contact ON number_forms(contact_id);
INSERT OR IGNORE INTO number_forms(form, contact_id)
	SELECT f.value, cn.contact_id FROM contact_numbers cn, json_each('["' || replace(cn.forms, ' ', '","') || '"]') f
	WHERE cn.forms <> '';

CREATE VIRTUAL TABLE recent_fts USING fts5(
	name, digits,
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '1 2 3'
);
INSERT INTO recent_fts(rowid, name, digits)
	SELECT id, name, deskdial_digits(e164) FROM number_stats;
CREATE TRIGGER number_stats_ai AFTER INSERT ON number_stats BEGIN
	INSERT INTO recent_fts(rowid, name, digits) VALUES (new.id, new.name, deskdial_digits(new.e164));
END;
CREATE TRIGGER number_stats_au AFTER UPDATE OF name ON number_stats WHEN new.name <> old.name BEGIN
	DELETE FROM recent_fts WHERE rowid = old.id;
	INSERT INTO recent_fts(rowid, name, digits) VALUES (new.id, new.name, deskdial_digits(new.e164));
END;
CREATE TRIGGER number_stats_ad AFTER DELETE ON number_stats BEGIN
	DELETE FROM recent_fts WHERE rowid = old.id;
END;

-- Entries changed here and not yet written to the sync bucket. kind is
-- 'recent' (ref = E.164) or 'contact' (ref = UID). The payload is built
-- from the tables when it is sent, so only the latest state goes out.
CREATE TABLE sync_outbox (
	kind    TEXT    NOT NULL,
	ref     TEXT    NOT NULL,
	updated INTEGER NOT NULL,
	PRIMARY KEY (kind, ref)
) WITHOUT ROWID;
INSERT INTO sync_outbox(kind, ref, updated) SELECT 'recent', e164, last_at * 1000000 FROM number_stats;
INSERT INTO sync_outbox(kind, ref, updated) SELECT 'contact', uid, 0 FROM contacts;

-- The version of each entry this store holds (made here or applied from
-- another device), for last-writer-wins and to ignore replays.
CREATE TABLE sync_state (
	kind    TEXT    NOT NULL,
	ref     TEXT    NOT NULL,
	updated INTEGER NOT NULL,
	device  TEXT    NOT NULL,
	PRIMARY KEY (kind, ref)
) WITHOUT ROWID;
`,
	// v3: what to key in after a number is answered (an extension, or
	// the digits after a pause), kept with the number; the phone dials
	// the number alone.
	`
ALTER TABLE contact_numbers ADD COLUMN ext TEXT NOT NULL DEFAULT '';
`,
	// v4: the device that asked for a call when it was not this desktop
	// (a phone's dial box, relayed by the desktop to another phone).
	`
ALTER TABLE calls ADD COLUMN asked_by_id TEXT NOT NULL DEFAULT '';
ALTER TABLE calls ADD COLUMN asked_by_name TEXT NOT NULL DEFAULT '';
`,
}
