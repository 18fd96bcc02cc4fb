-- 0004: MSSanté reception: mailbox state, received messages, the worklist (one item per
-- document received). The bytes stay in the archive directory: rows hold their paths.

-- Where each mailbox's incremental fetch stands (IMAP UIDVALIDITY and last UID stored).
CREATE TABLE mss_mailboxes (
	mailbox TEXT PRIMARY KEY,                -- "user@host:port/INBOX"
	uidvalidity INTEGER NOT NULL DEFAULT 0,
	last_uid INTEGER NOT NULL DEFAULT 0,
	last_fetch TEXT NOT NULL DEFAULT '',      -- AAAA-MM-JJTHH:MM:SSZ, '' never
	last_error TEXT NOT NULL DEFAULT ''       -- French, '' when the last run went well
);

-- One row per message received (or imported from a file), recognised by its key in the
-- mailbox or by the SHA-1 of the original.
CREATE TABLE mss_messages (
	id INTEGER PRIMARY KEY,
	mailbox TEXT NOT NULL,
	key TEXT NOT NULL,                       -- "<uidvalidity>-<uid>" or "import-<sha1>"
	uid INTEGER NOT NULL DEFAULT 0,
	message_id TEXT NOT NULL DEFAULT '',
	from_addr TEXT NOT NULL DEFAULT '',
	from_name TEXT NOT NULL DEFAULT '',
	sender TEXT NOT NULL CHECK (sender IN ('pro', 'patient')),
	subject TEXT NOT NULL DEFAULT '',        -- without the XDM/1.0/DDM+ prefix
	date TEXT NOT NULL DEFAULT '',           -- AAAAMMJJhhmmss UTC of the Date header
	urgent INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1)),
	size INTEGER NOT NULL DEFAULT 0,
	sha1 TEXT NOT NULL DEFAULT '',
	file TEXT NOT NULL DEFAULT '',           -- the archived original (.eml)
	error TEXT NOT NULL DEFAULT '',
	received_at TEXT NOT NULL,
	UNIQUE (mailbox, key)
);
CREATE INDEX mss_messages_sha1 ON mss_messages(sha1) WHERE sha1 <> '';

-- The worklist: one item per document of a message (or the message itself when it carries
-- none). The CDA header is kept as read; the display columns are computed once at reception
-- so that drawing a line is one row read.
CREATE TABLE mss_items (
	id INTEGER PRIMARY KEY,
	message INTEGER NOT NULL REFERENCES mss_messages(id) ON DELETE CASCADE,
	seq INTEGER NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('cda', 'pdf', 'texte', 'autre')),
	name TEXT NOT NULL DEFAULT '',
	file TEXT NOT NULL DEFAULT '',
	pdf TEXT NOT NULL DEFAULT '',
	mime TEXT NOT NULL DEFAULT '',
	action TEXT NOT NULL DEFAULT '' CHECK (action IN ('', 'C', 'D')),
	-- CDA header (struct cda_header)
	cda_id TEXT NOT NULL DEFAULT '',
	set_id TEXT NOT NULL DEFAULT '',
	version INTEGER NOT NULL DEFAULT 0,
	cda_code TEXT NOT NULL DEFAULT '',
	cda_code_label TEXT NOT NULL DEFAULT '',
	title TEXT NOT NULL DEFAULT '',
	effective_time TEXT NOT NULL DEFAULT '',
	patient_ins TEXT NOT NULL DEFAULT '',
	patient_oid TEXT NOT NULL DEFAULT '',
	patient_family TEXT NOT NULL DEFAULT '',
	patient_given TEXT NOT NULL DEFAULT '',
	patient_birth TEXT NOT NULL DEFAULT '',   -- AAAAMMJJ
	patient_sex TEXT NOT NULL DEFAULT '',
	author TEXT NOT NULL DEFAULT '',
	author_profession TEXT NOT NULL DEFAULT '',
	level INTEGER NOT NULL DEFAULT 0,
	has_pdf INTEGER NOT NULL DEFAULT 0,
	related_id TEXT NOT NULL DEFAULT '',
	patient_used_family TEXT NOT NULL DEFAULT '',
	patient_given_all TEXT NOT NULL DEFAULT '',
	patient_birth_place TEXT NOT NULL DEFAULT '',
	care_date TEXT NOT NULL DEFAULT '',
	author_org TEXT NOT NULL DEFAULT '',
	abnormal INTEGER NOT NULL DEFAULT -1,    -- CR-BIO abnormal results, -1 not counted
	-- XDM metadata and checks
	xdm_ins TEXT NOT NULL DEFAULT '',
	xdm_oid TEXT NOT NULL DEFAULT '',
	conflict TEXT NOT NULL DEFAULT '',
	sha1 TEXT NOT NULL DEFAULT '',
	size INTEGER NOT NULL DEFAULT 0,
	error TEXT NOT NULL DEFAULT '',
	-- The INS the item is matched by (CDA, else XDM metadata, else the patient's address)
	match_ins TEXT NOT NULL DEFAULT '',
	match_oid TEXT NOT NULL DEFAULT '',
	-- Worklist state
	status TEXT NOT NULL DEFAULT 'nouveau'
		CHECK (status IN ('nouveau', 'lu', 'integre', 'remplace', 'retire', 'efface')),
	flags INTEGER NOT NULL DEFAULT 0,        -- MSS_F_* of src/store/mss_store.h
	sender TEXT NOT NULL DEFAULT 'pro' CHECK (sender IN ('pro', 'patient')),
	urgent INTEGER NOT NULL DEFAULT 0 CHECK (urgent IN (0, 1)),
	patient_id INTEGER REFERENCES patients(id) ON DELETE SET NULL,
	match TEXT NOT NULL DEFAULT 'aucun' CHECK (match IN ('aucun', 'ins', 'utilisateur')),
	document_id INTEGER REFERENCES documents(id) ON DELETE SET NULL,
	received_at TEXT NOT NULL,
	-- Display
	patient_name TEXT NOT NULL DEFAULT '',   -- "NOM (NOM UTILISÉ) Prénom", else the sender
	patient_key TEXT NOT NULL DEFAULT '',    -- folded, for sorting by patient
	birth_date TEXT NOT NULL DEFAULT '',     -- AAAA-MM-JJ
	type_code TEXT NOT NULL DEFAULT '',      -- CDA code, or mss-pdf, mss-texte, mss-autre
	type_label TEXT NOT NULL DEFAULT '',
	type_key TEXT NOT NULL DEFAULT '',       -- folded type label, for sorting by type
	sort_date TEXT NOT NULL DEFAULT '',      -- care date, else document date, else message date
	words TEXT NOT NULL DEFAULT '',          -- " folded words of patient, type, sender, subject "
	UNIQUE (message, seq)
);
-- One index per sort order, holding every column the list filters look at (except the text
-- filter): listing 20 000 items reads the index only.
CREATE INDEX mss_items_by_received ON mss_items(received_at DESC, id DESC, status, flags,
	abnormal, urgent, type_code, patient_id);
CREATE INDEX mss_items_by_date ON mss_items(sort_date DESC, id DESC, status, flags, abnormal,
	urgent, type_code, patient_id);
CREATE INDEX mss_items_by_type ON mss_items(type_key, sort_date DESC, id DESC, status, flags,
	abnormal, urgent, type_code, patient_id);
CREATE INDEX mss_items_by_patient ON mss_items(patient_key, sort_date DESC, id DESC, status,
	flags, abnormal, urgent, type_code, patient_id);
-- Counts for the status line, type menu.
CREATE INDEX mss_items_status ON mss_items(status, flags, abnormal, urgent);
CREATE INDEX mss_items_type ON mss_items(type_code, type_label, status);
-- Versions, deletions, matching.
CREATE INDEX mss_items_cda_id ON mss_items(cda_id) WHERE cda_id <> '';
CREATE INDEX mss_items_set_id ON mss_items(set_id, version) WHERE set_id <> '';
CREATE INDEX mss_items_patient_id ON mss_items(patient_id);
CREATE INDEX mss_items_document ON mss_items(document_id);

-- A CDA id or setId is looked up across every dossier ("déjà intégré", sender's deletion).
CREATE INDEX documents_cda_any ON documents(cda_id) WHERE cda_id <> '';
CREATE INDEX documents_set_any ON documents(set_id) WHERE set_id <> '';
