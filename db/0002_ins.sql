-- 0002: INS identity vigilance: INSi answers and history, Vitale card data, COG tables.

-- When the INS was last retrieved or verified through INSi (AAAA-MM-JJ, '' never):
-- identities récupérées/qualifiées checked 4 years ago are verified again on opening.
ALTER TABLE patients ADD COLUMN ins_checked_at TEXT NOT NULL DEFAULT '';
-- A matricule is looked up before it is given to a dossier (duplicates) and from INSi answers.
CREATE INDEX patients_ins_matricule ON patients(ins_matricule);
CREATE INDEX patients_nir ON patients(nir);
CREATE INDEX patients_birth_date ON patients(birth_date);

-- Matricules INS of a patient returned by INSi (INSACTIF and every INSHISTO), kept
-- (guide EXI REC 08: the history of matricules must be kept).
CREATE TABLE ins_history (
	patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
	matricule TEXT NOT NULL,
	oid TEXT NOT NULL,
	active INTEGER NOT NULL DEFAULT 0,
	date_deb TEXT NOT NULL DEFAULT '',
	date_fin TEXT NOT NULL DEFAULT '',
	seen_at TEXT NOT NULL,
	PRIMARY KEY (patient_id, matricule, oid)
);
CREATE INDEX ins_history_matricule ON ins_history(matricule);

-- Data read from the patient's Vitale card (or its Appli carte Vitale), used for the
-- rechercherInsAvecCarteVitale search.
CREATE TABLE vitale_data (
	patient_id INTEGER PRIMARY KEY REFERENCES patients(id) ON DELETE CASCADE,
	nir_individu TEXT NOT NULL DEFAULT '',
	nir_od TEXT NOT NULL,
	birth_name TEXT NOT NULL DEFAULT '',
	birth_date TEXT NOT NULL,            -- as on the card, may be lunar: AAAAMMJJ
	rang INTEGER NOT NULL DEFAULT 1,
	read_at TEXT NOT NULL
);

-- INSi outcome of one search (a strategy of one or more calls) for a patient, or for traits
-- typed in patient search (patient_id NULL). The comparison screen draws from here.
CREATE TABLE insi_answers (
	id INTEGER PRIMARY KEY,
	patient_id INTEGER REFERENCES patients(id) ON DELETE CASCADE,
	at TEXT NOT NULL,
	who TEXT NOT NULL,
	purpose TEXT NOT NULL CHECK (purpose IN ('recherche', 'verification', 'creation')),
	outcome TEXT NOT NULL CHECK (outcome IN ('00', '01', '02', 'erreur')),
	cr_label TEXT NOT NULL DEFAULT '',
	error_code TEXT NOT NULL DEFAULT '',
	error_message TEXT NOT NULL DEFAULT '',
	matricule TEXT NOT NULL DEFAULT '',
	oid TEXT NOT NULL DEFAULT '',
	key_ok INTEGER NOT NULL DEFAULT 1,
	birth_name TEXT NOT NULL DEFAULT '',
	first_name TEXT NOT NULL DEFAULT '',
	first_names TEXT NOT NULL DEFAULT '',
	sex TEXT NOT NULL DEFAULT '',
	birth_date TEXT NOT NULL DEFAULT '',
	birth_cog TEXT NOT NULL DEFAULT '',
	-- INSHISTO, one per line: matricule TAB oid TAB date_deb TAB date_fin TAB key_ok
	history TEXT NOT NULL DEFAULT '',
	-- The traits that were sent (for creation from search and for the screen)
	q_birth_name TEXT NOT NULL DEFAULT '',
	q_first_names TEXT NOT NULL DEFAULT '',
	q_sex TEXT NOT NULL DEFAULT '',
	q_birth_date TEXT NOT NULL DEFAULT '',
	q_birth_cog TEXT NOT NULL DEFAULT '',
	-- Calls made, one per line ("traits sans lieu PIERRE: 02", ...)
	steps TEXT NOT NULL DEFAULT '',
	calls INTEGER NOT NULL DEFAULT 0,
	elapsed_ms INTEGER NOT NULL DEFAULT 0,
	decision TEXT NOT NULL DEFAULT ''
		CHECK (decision IN ('', 'automatique', 'acceptee', 'qualifiee', 'rejetee', 'creee',
				    'confirmee'))
);
CREATE INDEX insi_answers_patient ON insi_answers(patient_id, id);

-- COG: every commune and country code with its validity (INSEE files since 1943).
CREATE TABLE cog_places (
	code TEXT NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('commune', 'pays')),
	type TEXT NOT NULL DEFAULT '',       -- COM, COMA, COMD, ARM for communes
	name TEXT NOT NULL,
	name_folded TEXT NOT NULL,            -- lower case, no accents, for look-up by name
	date_debut TEXT NOT NULL DEFAULT '',  -- AAAA-MM-JJ, '' since ever (1943)
	date_fin TEXT NOT NULL DEFAULT ''     -- AAAA-MM-JJ exclusive end, '' still valid
);
CREATE INDEX cog_places_code ON cog_places(code, date_debut);
CREATE INDEX cog_places_name ON cog_places(name_folded);

-- INSEE movements (merges, renames, creations) for the communes.
CREATE TABLE cog_movements (
	mod INTEGER NOT NULL,
	date_eff TEXT NOT NULL,
	com_av TEXT NOT NULL,
	name_av TEXT NOT NULL,
	com_ap TEXT NOT NULL,
	name_ap TEXT NOT NULL
);
CREATE INDEX cog_movements_av ON cog_movements(com_av);

-- Which COG set is loaded: 'demo' (the project's subset) or the INSEE vintage imported.
CREATE TABLE cog_source (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	source TEXT NOT NULL,
	imported_at TEXT NOT NULL,
	communes INTEGER NOT NULL,
	countries INTEGER NOT NULL,
	movements INTEGER NOT NULL
);
