-- A history database as schema version 1 wrote it, with data, for the
-- migration test. Never edit: it stands for files already on users' disks.
CREATE TABLE schema_version (version INTEGER NOT NULL);
INSERT INTO schema_version(version) VALUES (1);

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

INSERT INTO contacts(id, name, org, source, uid) VALUES
	(1, 'Jürgen Müller', 'Bäckerei Müller', 'vcard', 'urn:uuid:6b1c1c1e-0001'),
	(2, 'Alice Example', '', 'vcard', '');
INSERT INTO contact_numbers(contact_id, label, e164) VALUES
	(1, 'mobile', '+491701234567'),
	(1, 'work', '+4930123456'),
	(2, 'home', '+12015550123');

INSERT INTO calls(id, at, number, name, phone_id, phone_name, outcome, duration_ms) VALUES
	(1, 1767225600000, '+4930123456', 'Jürgen Müller', 'P1', 'Pixel', 'answered', 65000),
	(2, 1767229200000, '+12015550123', 'Alice Example', 'P1', 'Pixel', 'refused', 0),
	(3, 1767232800000, '+4930123456', 'Jürgen Müller', 'P1', 'Pixel', 'ended', 5000),
	(4, 1767236400000, '+442079460000', '', 'P2', 'Fairphone', 'offline', 0);
