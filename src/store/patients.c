/* Patients: identity traits, contact, notes; search index; every change audited. */
#include "store/patients.h"
#include "store/audit.h"
#include "core/cog.h"
#include "core/date.h"
#include "core/nir.h"
#include "core/identity.h"
#include "core/text.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define COLS "id, birth_name, used_name, first_name, birth_first_names, used_first_name, sex," \
	" birth_date, birth_cog, nir, ins_matricule, ins_oid, id_status, attr_homonyme," \
	" attr_douteuse, attr_fictive, validation_mode, phone, mobile, email, address," \
	" postal_code, city, notes, created_at, updated_at, version"

void patient_init(struct patient *p)
{
	memset(p, 0, sizeof *p);
	p->id_status = ID_PROVISOIRE;
}

void patient_clear(struct patient *p)
{
	free(p->notes);
	p->notes = NULL;
}

void patient_hits_free(struct patient_hits *h)
{
	free(h->v);
	memset(h, 0, sizeof *h);
}

static void col_copy(sqlite3_stmt *s, int col, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	snprintf(dst, size, "%s", t ? (const char *)t : "");
}

static void row_to_patient(sqlite3_stmt *s, struct patient *p)
{
	const unsigned char *notes;
	int st;

	p->id = sqlite3_column_int64(s, 0);
	col_copy(s, 1, p->birth_name, sizeof p->birth_name);
	col_copy(s, 2, p->used_name, sizeof p->used_name);
	col_copy(s, 3, p->first_name, sizeof p->first_name);
	col_copy(s, 4, p->birth_first_names, sizeof p->birth_first_names);
	col_copy(s, 5, p->used_first_name, sizeof p->used_first_name);
	col_copy(s, 6, p->sex, sizeof p->sex);
	col_copy(s, 7, p->birth_date, sizeof p->birth_date);
	col_copy(s, 8, p->birth_cog, sizeof p->birth_cog);
	col_copy(s, 9, p->nir, sizeof p->nir);
	col_copy(s, 10, p->ins_matricule, sizeof p->ins_matricule);
	col_copy(s, 11, p->ins_oid, sizeof p->ins_oid);
	st = id_status_from_code((const char *)sqlite3_column_text(s, 12));
	p->id_status = st < 0 ? ID_PROVISOIRE : st;
	p->id_attrs = (sqlite3_column_int(s, 13) ? ID_ATTR_HOMONYME : 0) |
		      (sqlite3_column_int(s, 14) ? ID_ATTR_DOUTEUSE : 0) |
		      (sqlite3_column_int(s, 15) ? ID_ATTR_FICTIVE : 0);
	col_copy(s, 16, p->validation_mode, sizeof p->validation_mode);
	col_copy(s, 17, p->phone, sizeof p->phone);
	col_copy(s, 18, p->mobile, sizeof p->mobile);
	col_copy(s, 19, p->email, sizeof p->email);
	col_copy(s, 20, p->address, sizeof p->address);
	col_copy(s, 21, p->postal_code, sizeof p->postal_code);
	col_copy(s, 22, p->city, sizeof p->city);
	free(p->notes);
	notes = sqlite3_column_text(s, 23);
	p->notes = strdup(notes ? (const char *)notes : "");
	col_copy(s, 24, p->created_at, sizeof p->created_at);
	col_copy(s, 25, p->updated_at, sizeof p->updated_at);
	p->version = sqlite3_column_int(s, 26);
}

/* Fields in audit JSON, in a fixed order, with their current text value. */
struct field_view {
	const char *name;
	const char *value;
};

static size_t patient_fields(const struct patient *p, struct field_view *f, char *attrs, size_t asz)
{
	size_t n = 0;

	/* "homonyme,douteuse": the same codes as the demo data file. */
	snprintf(attrs, asz, "%s%s%s%s%s", p->id_attrs & ID_ATTR_HOMONYME ? "homonyme" : "",
		 (p->id_attrs & ID_ATTR_HOMONYME) && (p->id_attrs & ~ID_ATTR_HOMONYME) ? "," : "",
		 p->id_attrs & ID_ATTR_DOUTEUSE ? "douteuse" : "",
		 (p->id_attrs & ID_ATTR_DOUTEUSE) && (p->id_attrs & ID_ATTR_FICTIVE) ? "," : "",
		 p->id_attrs & ID_ATTR_FICTIVE ? "fictive" : "");
	f[n++] = (struct field_view){ "nom_naissance", p->birth_name };
	f[n++] = (struct field_view){ "nom_utilise", p->used_name };
	f[n++] = (struct field_view){ "premier_prenom", p->first_name };
	f[n++] = (struct field_view){ "prenoms_naissance", p->birth_first_names };
	f[n++] = (struct field_view){ "prenom_utilise", p->used_first_name };
	f[n++] = (struct field_view){ "sexe", p->sex };
	f[n++] = (struct field_view){ "date_naissance", p->birth_date };
	f[n++] = (struct field_view){ "lieu_naissance", p->birth_cog };
	f[n++] = (struct field_view){ "nir", p->nir };
	f[n++] = (struct field_view){ "matricule_ins", p->ins_matricule };
	f[n++] = (struct field_view){ "oid_ins", p->ins_oid };
	f[n++] = (struct field_view){ "statut", id_status_code(p->id_status) };
	f[n++] = (struct field_view){ "attributs", attrs };
	f[n++] = (struct field_view){ "mode_validation", p->validation_mode };
	f[n++] = (struct field_view){ "telephone", p->phone };
	f[n++] = (struct field_view){ "portable", p->mobile };
	f[n++] = (struct field_view){ "courriel", p->email };
	f[n++] = (struct field_view){ "adresse", p->address };
	f[n++] = (struct field_view){ "code_postal", p->postal_code };
	f[n++] = (struct field_view){ "ville", p->city };
	f[n++] = (struct field_view){ "notes", p->notes ? p->notes : "" };
	return n;
}

#define NFIELDS 21

/* JSON of the fields that differ between a and b (all of b when a is NULL). */
static int audit_diff(const struct patient *a, const struct patient *b, char **before, char **after)
{
	struct field_view fa[NFIELDS], fb[NFIELDS];
	char attrs_a[40], attrs_b[40];
	json_t *ja = json_object(), *jb = json_object();
	size_t n = patient_fields(b, fb, attrs_b, sizeof attrs_b);
	int changed = 0;

	if (a)
		patient_fields(a, fa, attrs_a, sizeof attrs_a);
	for (size_t i = 0; i < n; i++) {
		/* Notes are appended by patient_add_note, never rewritten by an update. */
		if (a && (strcmp(fa[i].value, fb[i].value) == 0 || !strcmp(fa[i].name, "notes")))
			continue;
		if (!a && !*fb[i].value)
			continue;
		if (a)
			json_object_set_new(ja, fa[i].name, json_string(fa[i].value));
		json_object_set_new(jb, fb[i].name, json_string(fb[i].value));
		changed++;
	}
	*before = a ? json_dumps(ja, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	*after = json_dumps(jb, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(ja);
	json_decref(jb);
	return changed;
}

static void sort_key(const struct patient *p, char *out, size_t size)
{
	char name[128], first[128];

	text_fold(*p->used_name ? p->used_name : p->birth_name, name, sizeof name);
	text_fold(*p->used_first_name ? p->used_first_name : p->first_name, first, sizeof first);
	snprintf(out, size, "%s\x1f%s\x1f%s", name, first, p->birth_date);
}

/* The search terms of a patient as one string, " t1 t2 ... " (see db/0001_init.sql). */
struct terms {
	char words[2048];
	size_t len;
};

static void add_term(struct terms *t, const char *term)
{
	char probe[96];
	int n;

	if (!t->len) {
		t->words[t->len++] = ' ';
		t->words[t->len] = '\0';
	}
	snprintf(probe, sizeof probe, " %s ", term);
	if (strstr(t->words, probe))
		return;
	n = snprintf(t->words + t->len, sizeof t->words - t->len, "%s ", term);
	if (n > 0 && (size_t)n < sizeof t->words - t->len)
		t->len += (size_t)n;
	else
		t->words[t->len] = '\0';   /* full: the rest of the terms is dropped, not cut */
}

static void add_words(struct terms *t, const char *text)
{
	char folded[256], joined[256], term[80];
	char *save = NULL, *w;

	text_fold(text, folded, sizeof folded);
	/* Compound names are also found typed without their separators ("dartagnan"). */
	if (strchr(folded, ' ')) {
		size_t n = 0;
		for (const char *c = folded; *c && n < sizeof joined - 1; c++)
			if (*c != ' ')
				joined[n++] = *c;
		joined[n] = '\0';
		snprintf(term, sizeof term, "n:%.70s", joined);
		add_term(t, term);
	}
	for (w = strtok_r(folded, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
		snprintf(term, sizeof term, "n:%.70s", w);
		add_term(t, term);
	}
}

static void build_terms(const struct patient *p, struct terms *t)
{
	char term[32];
	struct ymd d;

	t->len = 0;
	t->words[0] = '\0';
	add_words(t, p->birth_name);
	add_words(t, p->used_name);
	add_words(t, p->first_name);
	add_words(t, p->birth_first_names);
	add_words(t, p->used_first_name);
	if (date_parse_iso(p->birth_date, &d) == DATE_OK) {
		snprintf(term, sizeof term, "d:%04d%02d%02d", d.y, d.m, d.d);
		add_term(t, term);
		snprintf(term, sizeof term, "m:%02d%02d", d.m, d.d);
		add_term(t, term);
	}
	if (p->nir[0]) {
		snprintf(term, sizeof term, "i:%s", p->nir);
		add_term(t, term);
	}
	if (p->ins_matricule[0]) {
		snprintf(term, sizeof term, "i:%s", p->ins_matricule);
		add_term(t, term);
	}
}

/* Rewrite the patient_terms rows of a patient from its terms string. */
static int index_patient(struct store *st, long long id, const char *sk, const struct terms *t)
{
	sqlite3_stmt *del, *ins;
	char copy[sizeof t->words], *save = NULL, *term;
	int rc;

	rc = sqlite3_prepare_v2(st->db, "DELETE FROM patient_terms WHERE patient_id = ?1", -1, &del,
				NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Index de recherche");
	sqlite3_bind_int64(del, 1, id);
	rc = sqlite3_step(del);
	sqlite3_finalize(del);
	if (rc != SQLITE_DONE)
		return store_fail(st, rc, "Index de recherche");
	rc = sqlite3_prepare_v2(st->db,
				"INSERT OR IGNORE INTO patient_terms (term, patient_id, sort_key)"
				" VALUES (?1, ?2, ?3)",
				-1, &ins, NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Index de recherche");
	snprintf(copy, sizeof copy, "%s", t->words);
	rc = SQLITE_DONE;
	for (term = strtok_r(copy, " ", &save); term && rc == SQLITE_DONE;
	     term = strtok_r(NULL, " ", &save)) {
		sqlite3_reset(ins);
		sqlite3_bind_text(ins, 1, term, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins, 2, id);
		sqlite3_bind_text(ins, 3, sk, -1, SQLITE_STATIC);
		rc = sqlite3_step(ins);
	}
	sqlite3_finalize(ins);
	return rc == SQLITE_DONE ? 0 : store_fail(st, rc, "Index de recherche");
}

static void bind_fields(sqlite3_stmt *s, const struct patient *p, const char *sk,
			const char *words, const char *now)
{
	sqlite3_bind_text(s, 1, p->birth_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, p->used_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, p->first_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, p->birth_first_names, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, p->used_first_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, p->sex, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, p->birth_date, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, p->birth_cog, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, p->nir, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 10, p->ins_matricule, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 11, p->ins_oid, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 12, id_status_code(p->id_status), -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 13, !!(p->id_attrs & ID_ATTR_HOMONYME));
	sqlite3_bind_int(s, 14, !!(p->id_attrs & ID_ATTR_DOUTEUSE));
	sqlite3_bind_int(s, 15, !!(p->id_attrs & ID_ATTR_FICTIVE));
	sqlite3_bind_text(s, 16, p->validation_mode, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 17, p->phone, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 18, p->mobile, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 19, p->email, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 20, p->address, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 21, p->postal_code, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 22, p->city, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 23, p->notes ? p->notes : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 24, sk, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 25, words, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 26, now, -1, SQLITE_STATIC);
}

/* Store-level guard, whoever the caller is: required traits, a real ISO birth date, a COG and
 * a NIR that are well formed, and a status consistent with its attributes, its validation
 * document and its INS. (The screens validate the typing itself with id_validate.) */
static int check_record(struct store *st, const struct patient *p)
{
	const char *why = NULL;
	struct ymd d;
	struct nir n;
	int ins = p->id_status == ID_RECUPEREE || p->id_status == ID_QUALIFIEE;
	int doc = p->id_status == ID_VALIDEE || p->id_status == ID_QUALIFIEE;

	if (!*p->birth_name || !*p->first_name || !id_sex_valid(p->sex))
		why = "Nom de naissance, premier prénom et sexe sont obligatoires";
	else if (date_parse_iso(p->birth_date, &d) != DATE_OK)
		why = "Date de naissance invalide";
	else if (*p->birth_cog && cog_classify(p->birth_cog) == COG_INVALID)
		why = "Lieu de naissance (COG) invalide";
	else if (*p->nir && nir_parse(p->nir, 1, &n) != NIR_OK)
		why = "NIR invalide (clé ou format)";
	else if (*p->ins_matricule && nir_parse(p->ins_matricule, 1, &n) != NIR_OK)
		why = "Matricule INS invalide (clé ou format)";
	else if (ins != (*p->ins_matricule != '\0'))
		why = "Un matricule INS va avec le statut récupérée ou qualifiée, et lui seul";
	else if (doc != (*p->validation_mode != '\0'))
		why = "Une pièce d'identité vérifiée va avec le statut validée ou qualifiée, et lui seul";
	else
		id_check_attributes(p->id_status, p->id_attrs, &why);
	if (why) {
		snprintf(st->err, sizeof st->err, "%s : rien n'a été enregistré", why);
		return STORE_ERR_INVALID;
	}
	return 0;
}

/* Write the row (insert, or update guarded by version) and its search terms; now receives
 * the time written. Runs inside the caller's transaction. */
static int write_patient(struct store *st, struct patient *p, int update, char *now, size_t nsz)
{
	static const char insert_sql[] =
		"INSERT INTO patients (birth_name, used_name, first_name, birth_first_names,"
		" used_first_name, sex, birth_date, birth_cog, nir, ins_matricule, ins_oid, id_status,"
		" attr_homonyme, attr_douteuse, attr_fictive, validation_mode, phone, mobile, email,"
		" address, postal_code, city, notes, sort_key, words, created_at, updated_at, version)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
		" ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?26, 1)";
	static const char update_sql[] =
		"UPDATE patients SET birth_name = ?1, used_name = ?2, first_name = ?3,"
		" birth_first_names = ?4, used_first_name = ?5, sex = ?6, birth_date = ?7,"
		" birth_cog = ?8, nir = ?9, ins_matricule = ?10, ins_oid = ?11, id_status = ?12,"
		" attr_homonyme = ?13, attr_douteuse = ?14, attr_fictive = ?15, validation_mode = ?16,"
		" phone = ?17, mobile = ?18, email = ?19, address = ?20, postal_code = ?21, city = ?22,"
		" sort_key = ?24, words = ?25, updated_at = ?26, version = version + 1"
		" WHERE id = ?27 AND version = ?28";   /* ?23 (notes): only patient_add_note appends */
	const char *what = update ? "Modification du dossier" : "Création du patient";
	struct terms terms;
	sqlite3_stmt *s;
	char sk[400];
	int rc;

	sort_key(p, sk, sizeof sk);
	build_terms(p, &terms);
	store_now_utc(now, nsz);
	rc = sqlite3_prepare_v2(st->db, update ? update_sql : insert_sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, what);
	bind_fields(s, p, sk, terms.words, now);
	if (update) {
		sqlite3_bind_int64(s, 27, p->id);
		sqlite3_bind_int(s, 28, p->version);
	}
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, rc, what);
	if (!update)
		p->id = sqlite3_last_insert_rowid(st->db);
	return index_patient(st, p->id, sk, &terms);
}

int patient_insert(struct store *st, struct patient *p)
{
	char now[24], *before = NULL, *after = NULL;
	int rc, own_tx;

	if ((rc = check_record(st, p)) || (rc = store_write_begin(st, &own_tx)))
		return rc;
	if (!(rc = write_patient(st, p, 0, now, sizeof now))) {
		p->version = 1;
		snprintf(p->created_at, sizeof p->created_at, "%s", now);
		snprintf(p->updated_at, sizeof p->updated_at, "%s", now);
		audit_diff(NULL, p, &before, &after);
		rc = audit_write(st, "patient.create", "patient", p->id, NULL, after, NULL);
		free(after);
	}
	return store_write_end(st, own_tx, rc);
}

int patient_get(struct store *st, long long id, struct patient *p)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, "SELECT " COLS " FROM patients WHERE id = ?1", -1, &s,
				    NULL);

	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Lecture du dossier");
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		row_to_patient(s, p);
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE) {
		snprintf(st->err, sizeof st->err, "Dossier n° %lld introuvable", id);
		return STORE_ERR_NOTFOUND;
	}
	return rc == SQLITE_ROW ? 0 : store_fail(st, rc, "Lecture du dossier");
}

int patient_update(struct store *st, struct patient *p)
{
	return patient_update_audited(st, p, "patient.update", NULL);
}

int patient_update_audited(struct store *st, struct patient *p, const char *action,
			   const char *detail)
{
	struct patient old;
	char now[24], *before = NULL, *after = NULL;
	int rc, own_tx, changed = 0;

	if ((rc = check_record(st, p)) || (rc = store_write_begin(st, &own_tx)))
		return rc;
	patient_init(&old);
	rc = patient_get(st, p->id, &old);
	if (!rc && old.version != p->version) {
		snprintf(st->err, sizeof st->err,
			 "Ce dossier a été modifié sur un autre poste pendant votre saisie : "
			 "rien n'a été enregistré, rechargez-le avant de recommencer");
		rc = STORE_ERR_CONFLICT;
	}
	/* Nothing changed: no write, no audit row. */
	if (!rc && (changed = audit_diff(&old, p, &before, &after) > 0)) {
		rc = write_patient(st, p, 1, now, sizeof now);
		if (!rc)
			rc = audit_write(st, action, "patient", p->id, before, after, detail);
	}
	rc = store_write_end(st, own_tx, rc);
	if (!rc && changed) {
		p->version++;
		snprintf(p->updated_at, sizeof p->updated_at, "%s", now);
	}
	free(before);
	free(after);
	patient_clear(&old);
	return rc;
}

long long patient_count(struct store *st)
{
	sqlite3_stmt *s;
	long long n = -1;

	if (sqlite3_prepare_v2(st->db, "SELECT count(*) FROM patients", -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

int patient_touch_opened(struct store *st, long long id)
{
	sqlite3_stmt *s;
	int rc;

	if (st->readonly)
		return 0;
	/* Milliseconds: two dossiers opened within one second keep their order. */
	rc = sqlite3_prepare_v2(st->db,
				"INSERT INTO patient_recent (login, patient_id, opened_at) VALUES (?1, ?2,"
				" strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))"
				" ON CONFLICT (login, patient_id) DO UPDATE SET opened_at = excluded.opened_at",
				-1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Dossiers récents");
	sqlite3_bind_text(s, 1, st->who, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, id);
	/* A convenience list: never make the user wait for another session's write lock. */
	sqlite3_busy_timeout(st->db, 0);
	rc = sqlite3_step(s);
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	sqlite3_finalize(s);
	if ((rc & 0xff) == SQLITE_BUSY)
		return 0;
	return rc == SQLITE_DONE ? 0 : store_fail(st, rc, "Dossiers récents");
}

int patient_add_note(struct store *st, long long id, const char *text)
{
	static const char sql[] =
		"UPDATE patients SET notes = CASE WHEN notes = '' THEN ?1 ELSE notes || char(10) || ?1"
		" END, updated_at = ?2 WHERE id = ?3";
	char line[1200], now[24], stamp[20];
	sqlite3_stmt *s;
	int rc, own_tx;
	time_t t = time(NULL);
	struct tm tm;

	if (!text || !*text) {
		snprintf(st->err, sizeof st->err, "Note vide : rien n'a été ajouté");
		return STORE_ERR_INVALID;
	}
	if (strchr(text, '\n')) {
		snprintf(st->err, sizeof st->err, "Une note tient sur une ligne");
		return STORE_ERR_INVALID;
	}
	localtime_r(&t, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M", &tm);
	snprintf(line, sizeof line, "%s %s : %s", stamp, st->who, text);
	store_now_utc(now, sizeof now);
	if ((rc = store_write_begin(st, &own_tx)))
		return rc;
	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK) {
		rc = store_fail(st, rc, "Ajout de note");
		goto out;
	}
	sqlite3_bind_text(s, 1, line, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		rc = store_fail(st, rc, "Ajout de note");
		goto out;
	}
	if (sqlite3_changes(st->db) != 1) {
		snprintf(st->err, sizeof st->err, "Dossier n° %lld introuvable", id);
		rc = STORE_ERR_NOTFOUND;
		goto out;
	}
	{
		json_t *j = json_pack("{s:s}", "note", line);
		char *after = json_dumps(j, JSON_COMPACT);
		json_decref(j);
		rc = audit_write(st, "patient.note", "patient", id, NULL, after, NULL);
		free(after);
	}
out:
	return store_write_end(st, own_tx, rc);
}
