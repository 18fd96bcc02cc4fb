-- 0001: cabinet, users, patients with INS traits, search index, audit trail.

CREATE TABLE cabinet (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	name TEXT NOT NULL,
	finess TEXT NOT NULL DEFAULT '',
	address TEXT NOT NULL DEFAULT ''
);

CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	login TEXT NOT NULL UNIQUE,
	role TEXT NOT NULL CHECK (role IN ('medecin', 'secretaire')),
	last_name TEXT NOT NULL,
	first_name TEXT NOT NULL,
	rpps TEXT NOT NULL DEFAULT '' CHECK (rpps = '' OR length(rpps) = 11),
	profession TEXT NOT NULL DEFAULT '',
	specialty TEXT NOT NULL DEFAULT '',
	active INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE patients (
	id INTEGER PRIMARY KEY,
	birth_name TEXT NOT NULL,
	used_name TEXT NOT NULL DEFAULT '',
	first_name TEXT NOT NULL,
	birth_first_names TEXT NOT NULL DEFAULT '',
	used_first_name TEXT NOT NULL DEFAULT '',
	sex TEXT NOT NULL CHECK (sex IN ('F', 'M', 'I')),
	birth_date TEXT NOT NULL,
	birth_cog TEXT NOT NULL DEFAULT '',
	nir TEXT NOT NULL DEFAULT '',
	ins_matricule TEXT NOT NULL DEFAULT '',
	ins_oid TEXT NOT NULL DEFAULT '',
	id_status TEXT NOT NULL DEFAULT 'provisoire'
		CHECK (id_status IN ('provisoire', 'recuperee', 'validee', 'qualifiee')),
	attr_homonyme INTEGER NOT NULL DEFAULT 0,
	attr_douteuse INTEGER NOT NULL DEFAULT 0,
	attr_fictive INTEGER NOT NULL DEFAULT 0,
	validation_mode TEXT NOT NULL DEFAULT '',
	phone TEXT NOT NULL DEFAULT '',
	mobile TEXT NOT NULL DEFAULT '',
	email TEXT NOT NULL DEFAULT '',
	address TEXT NOT NULL DEFAULT '',
	postal_code TEXT NOT NULL DEFAULT '',
	city TEXT NOT NULL DEFAULT '',
	notes TEXT NOT NULL DEFAULT '',
	sort_key TEXT NOT NULL DEFAULT '',
	-- Every search term of the patient, space separated with a space at both ends
	-- (" d:19751231 m:1231 n:adrun n:zoe "): a criterion is then a substring test.
	words TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	updated_at TEXT NOT NULL,
	version INTEGER NOT NULL DEFAULT 1,
	-- RNIV: douteuse and fictive only on a provisoire identity, never together.
	CHECK (NOT (attr_douteuse AND attr_fictive)),
	CHECK (id_status = 'provisoire' OR (attr_douteuse = 0 AND attr_fictive = 0)),
	-- An INS matricule only exists on récupérée/qualifiée identities.
	CHECK (ins_matricule = '' OR id_status IN ('recuperee', 'qualifiee'))
);
-- Walked in display order by broad searches: covering, so no table row is read.
CREATE INDEX patients_walk ON patients(sort_key, id, words);

-- Search terms: kind + ':' + folded value. n: name word, d: birth date YYYYMMDD,
-- m: birth month-day MMDD, i: NIR or INS matricule. Narrow searches start from here; the
-- patient's sort key is repeated so that they need not read the patients table to sort.
CREATE TABLE patient_terms (
	term TEXT NOT NULL,
	patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
	sort_key TEXT NOT NULL,
	PRIMARY KEY (term, patient_id)
) WITHOUT ROWID;
CREATE INDEX patient_terms_patient ON patient_terms(patient_id);

-- Recently opened dossiers, per user login.
CREATE TABLE patient_recent (
	login TEXT NOT NULL,
	patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
	opened_at TEXT NOT NULL,
	PRIMARY KEY (login, patient_id)
);
CREATE INDEX patient_recent_at ON patient_recent(login, opened_at);

CREATE TABLE audit (
	id INTEGER PRIMARY KEY,
	at TEXT NOT NULL,
	who TEXT NOT NULL,
	user_id INTEGER REFERENCES users(id),
	action TEXT NOT NULL,
	entity TEXT NOT NULL,
	entity_id INTEGER,
	before TEXT,
	after TEXT,
	detail TEXT
);
CREATE INDEX audit_entity ON audit(entity, entity_id);
CREATE INDEX audit_at ON audit(at);
