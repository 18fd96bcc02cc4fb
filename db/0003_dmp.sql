-- 0003: DMP: consent per care episode, legal reminder, TD0.2 status, service state, TD3.1
-- metadata cache, visits per user, documents of the dossier (originals kept).

-- One row per care episode of a patient, holding the DMP consent for the whole care team
-- (DSR 3.2.3). Defaults: nobody informed, feeding allowed, no consultation. There is no
-- column for the reason of an opposition: it must never be stored.
CREATE TABLE care_episodes (
	id INTEGER PRIMARY KEY,
	patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
	started_at TEXT NOT NULL,
	started_by TEXT NOT NULL,
	ended_at TEXT NOT NULL DEFAULT '',       -- '' while the episode goes on
	ended_by TEXT NOT NULL DEFAULT '',
	informed INTEGER NOT NULL DEFAULT 0 CHECK (informed IN (0, 1)),
	informed_at TEXT NOT NULL DEFAULT '',
	informed_by TEXT NOT NULL DEFAULT '',
	feeding_opposed INTEGER NOT NULL DEFAULT 0 CHECK (feeding_opposed IN (0, 1)),
	feeding_at TEXT NOT NULL DEFAULT '',
	feeding_by TEXT NOT NULL DEFAULT '',
	consultation INTEGER NOT NULL DEFAULT 0 CHECK (consultation IN (0, 1)),
	consultation_at TEXT NOT NULL DEFAULT '',
	consultation_by TEXT NOT NULL DEFAULT '',
	bdg_until TEXT NOT NULL DEFAULT '',      -- bris de glace active until (UTC), '' none
	bdg_by TEXT NOT NULL DEFAULT ''
);
-- At most one open episode per patient; it is what consent_get reads.
CREATE UNIQUE INDEX care_episodes_open ON care_episodes(patient_id) WHERE ended_at = '';
CREATE INDEX care_episodes_patient ON care_episodes(patient_id, id);

-- Last "J'ai compris" of the legal reminder per user (history is in the audit trail).
CREATE TABLE legal_acks (
	login TEXT PRIMARY KEY,
	acked_at TEXT NOT NULL
);

-- Last TD0.2 answer per patient.
CREATE TABLE dmp_status (
	patient_id INTEGER PRIMARY KEY REFERENCES patients(id) ON DELETE CASCADE,
	state TEXT NOT NULL CHECK (state IN ('inconnu', 'absent', 'actif', 'ferme')),
	closed_date TEXT NOT NULL DEFAULT '',
	closed_reason TEXT NOT NULL DEFAULT '',
	authz TEXT NOT NULL CHECK (authz IN ('inconnue', 'aucune', 'valide', 'expiree', 'bloquee')),
	authz_end TEXT NOT NULL DEFAULT '',
	treating INTEGER NOT NULL DEFAULT 0 CHECK (treating IN (0, 1)),
	ins TEXT NOT NULL DEFAULT '',
	checked_at TEXT NOT NULL
);

-- The DMP service as last seen by any call of this cabinet.
CREATE TABLE dmp_service (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	up INTEGER NOT NULL CHECK (up IN (-1, 0, 1)),
	error TEXT NOT NULL DEFAULT '',
	at TEXT NOT NULL
);

-- Each TD3.1 result merged for a patient gets the next generation number; an entry keeps
-- the generation it was first seen in, a visit the generation the user looked at, so "new
-- since your last visit" does not depend on clock resolution.
CREATE TABLE dmp_fetches (
	patient_id INTEGER PRIMARY KEY REFERENCES patients(id) ON DELETE CASCADE,
	gen INTEGER NOT NULL,
	fetched_at TEXT NOT NULL
);

-- DocumentEntry metadata of the last TD3.1 per patient.
CREATE TABLE dmp_docs (
	id INTEGER PRIMARY KEY,
	patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
	entry_uuid TEXT NOT NULL,
	unique_id TEXT NOT NULL DEFAULT '',
	repository_id TEXT NOT NULL DEFAULT '',
	xds_patient_id TEXT NOT NULL DEFAULT '',
	title TEXT NOT NULL DEFAULT '',
	type_code TEXT NOT NULL DEFAULT '',
	type_label TEXT NOT NULL DEFAULT '',
	class_code TEXT NOT NULL DEFAULT '',
	format_code TEXT NOT NULL DEFAULT '',
	mime TEXT NOT NULL DEFAULT '',
	author TEXT NOT NULL DEFAULT '',
	author_profession TEXT NOT NULL DEFAULT '',
	creation_time TEXT NOT NULL DEFAULT '',
	service_start TEXT NOT NULL DEFAULT '',
	submission_time TEXT NOT NULL DEFAULT '',
	invisible_patient INTEGER NOT NULL DEFAULT 0,
	masked_ps INTEGER NOT NULL DEFAULT 0,
	hash TEXT NOT NULL DEFAULT '',
	size INTEGER NOT NULL DEFAULT 0,
	status TEXT NOT NULL DEFAULT '',
	first_seen TEXT NOT NULL,
	first_gen INTEGER NOT NULL,
	gen INTEGER NOT NULL,                    -- last merge that listed it
	UNIQUE (patient_id, entry_uuid)
);
CREATE INDEX dmp_docs_list ON dmp_docs(patient_id, creation_time);
CREATE INDEX dmp_docs_unique ON dmp_docs(patient_id, unique_id);

-- When each user last looked at a patient's DMP list.
CREATE TABLE dmp_visits (
	patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
	login TEXT NOT NULL,
	visited_at TEXT NOT NULL,
	gen INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (patient_id, login)
);

-- Documents of the dossier. Metadata first and the bytes last, so that lists never read the
-- overflow pages of the originals.
CREATE TABLE documents (
	id INTEGER PRIMARY KEY,
	patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
	provenance TEXT NOT NULL CHECK (provenance IN ('local', 'DMP', 'MSS')),
	cda_id TEXT NOT NULL DEFAULT '',
	set_id TEXT NOT NULL DEFAULT '',
	version INTEGER NOT NULL DEFAULT 0,
	title TEXT NOT NULL DEFAULT '',
	type_code TEXT NOT NULL DEFAULT '',
	type_label TEXT NOT NULL DEFAULT '',
	author TEXT NOT NULL DEFAULT '',
	author_profession TEXT NOT NULL DEFAULT '',
	doc_date TEXT NOT NULL DEFAULT '',
	integrated_at TEXT NOT NULL,
	integrated_by TEXT NOT NULL,
	invisible_patient INTEGER NOT NULL DEFAULT 0 CHECK (invisible_patient IN (0, 1)),
	mime TEXT NOT NULL DEFAULT '',
	level INTEGER NOT NULL DEFAULT 0 CHECK (level IN (0, 1, 3)),
	status TEXT NOT NULL DEFAULT 'actif' CHECK (status IN ('actif', 'remplace', 'retire')),
	replaced_by INTEGER REFERENCES documents(id) ON DELETE SET NULL,
	sha1 TEXT NOT NULL DEFAULT '',           -- hex, computed by the caller (vigie-net)
	size INTEGER NOT NULL,
	source_ref TEXT NOT NULL DEFAULT '',
	original BLOB NOT NULL,
	pdf BLOB,
	text TEXT
);
CREATE INDEX documents_patient ON documents(patient_id);
-- A CDA document is stored once per dossier (DSR: duplicates recognised by the CDA id).
CREATE UNIQUE INDEX documents_cda_id ON documents(patient_id, cda_id) WHERE cda_id <> '';
CREATE INDEX documents_set ON documents(patient_id, set_id);
