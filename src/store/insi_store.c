/* INSi outcomes, matricule history and Vitale data; applying an answer to a dossier. */
#include "store/insi_store.h"
#include "store/audit.h"
#include "core/identity.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* history column: "matricule TAB oid TAB date_deb TAB date_fin TAB key_ok" per line */
static void histo_to_text(const struct insi_answer *a, char *out, size_t size)
{
	size_t len = 0;

	out[0] = 0;
	for (int i = 0; i < a->nhist && len < size; i++) {
		const struct insi_answer_histo *h = &a->hist[i];
		len += (size_t)snprintf(out + len, size - len, "%s\t%s\t%s\t%s\t%d\n", h->matricule,
					h->oid, h->date_deb, h->date_fin, h->key_ok);
	}
}

static void histo_from_text(const char *text, struct insi_answer *a)
{
	a->nhist = 0;
	while (text && *text && a->nhist < INSI_ANSWER_HISTO_MAX) {
		struct insi_answer_histo *h = &a->hist[a->nhist];
		char line[160];
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);
		char *f[5] = { 0 }, *save = NULL;
		int k = 0;

		snprintf(line, sizeof line, "%.*s", (int)(n < sizeof line ? n : sizeof line - 1), text);
		text += n + (nl ? 1 : 0);
		/* strsep keeps empty fields (dates may be empty) */
		save = line;
		while (k < 5 && (f[k] = strsep(&save, "\t")))
			k++;
		if (k < 5)
			continue;
		memset(h, 0, sizeof *h);
		snprintf(h->matricule, sizeof h->matricule, "%s", f[0]);
		snprintf(h->oid, sizeof h->oid, "%s", f[1]);
		snprintf(h->date_deb, sizeof h->date_deb, "%s", f[2]);
		snprintf(h->date_fin, sizeof h->date_fin, "%s", f[3]);
		h->key_ok = atoi(f[4]);
		a->nhist++;
	}
}

#define ANSWER_COLS "id, patient_id, at, who, purpose, outcome, cr_label, error_code," \
	" error_message, matricule, oid, key_ok, birth_name, first_name, first_names, sex," \
	" birth_date, birth_cog, history, q_birth_name, q_first_names, q_sex, q_birth_date," \
	" q_birth_cog, steps, calls, elapsed_ms, decision"

static void row_to_answer(sqlite3_stmt *s, struct insi_answer *a)
{
	memset(a, 0, sizeof *a);
	a->id = sqlite3_column_int64(s, 0);
	a->patient_id = sqlite3_column_int64(s, 1);
	store_col_copy(s, 2, a->at, sizeof a->at);
	store_col_copy(s, 3, a->who, sizeof a->who);
	store_col_copy(s, 4, a->purpose, sizeof a->purpose);
	store_col_copy(s, 5, a->outcome, sizeof a->outcome);
	store_col_copy(s, 6, a->cr_label, sizeof a->cr_label);
	store_col_copy(s, 7, a->error_code, sizeof a->error_code);
	store_col_copy(s, 8, a->error_message, sizeof a->error_message);
	store_col_copy(s, 9, a->ins.matricule, sizeof a->ins.matricule);
	store_col_copy(s, 10, a->ins.oid, sizeof a->ins.oid);
	a->key_ok = sqlite3_column_int(s, 11);
	store_col_copy(s, 12, a->ins.birth_name, sizeof a->ins.birth_name);
	store_col_copy(s, 13, a->ins.first_name, sizeof a->ins.first_name);
	store_col_copy(s, 14, a->ins.first_names, sizeof a->ins.first_names);
	store_col_copy(s, 15, a->ins.sex, sizeof a->ins.sex);
	store_col_copy(s, 16, a->ins.birth_date, sizeof a->ins.birth_date);
	store_col_copy(s, 17, a->ins.birth_cog, sizeof a->ins.birth_cog);
	histo_from_text((const char *)sqlite3_column_text(s, 18), a);
	store_col_copy(s, 19, a->query.birth_name, sizeof a->query.birth_name);
	store_col_copy(s, 20, a->query.first_names, sizeof a->query.first_names);
	store_col_copy(s, 21, a->query.sex, sizeof a->query.sex);
	store_col_copy(s, 22, a->query.birth_date, sizeof a->query.birth_date);
	store_col_copy(s, 23, a->query.birth_cog, sizeof a->query.birth_cog);
	ins_first_of_list(a->query.first_names, a->query.first_name, sizeof a->query.first_name);
	store_col_copy(s, 24, a->steps, sizeof a->steps);
	a->calls = sqlite3_column_int(s, 25);
	a->elapsed_ms = (long)sqlite3_column_int64(s, 26);
	store_col_copy(s, 27, a->decision, sizeof a->decision);
}

int insi_answer_save(struct store *st, struct insi_answer *a)
{
	static const char sql[] =
		"INSERT INTO insi_answers (patient_id, at, who, purpose, outcome, cr_label,"
		" error_code, error_message, matricule, oid, key_ok, birth_name, first_name,"
		" first_names, sex, birth_date, birth_cog, history, q_birth_name, q_first_names,"
		" q_sex, q_birth_date, q_birth_cog, steps, calls, elapsed_ms, decision)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
		" ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)";
	const char *txt[] = { NULL, a->at, a->who, a->purpose, a->outcome, a->cr_label,
			      a->error_code, a->error_message, a->ins.matricule, a->ins.oid, NULL,
			      a->ins.birth_name, a->ins.first_name, a->ins.first_names, a->ins.sex,
			      a->ins.birth_date, a->ins.birth_cog, NULL, a->query.birth_name,
			      a->query.first_names, a->query.sex, a->query.birth_date,
			      a->query.birth_cog, a->steps };
	char histo[INSI_ANSWER_HISTO_MAX * 100];
	sqlite3_stmt *s;
	int rc, own;

	store_now_utc(a->at, sizeof a->at);
	snprintf(a->who, sizeof a->who, "%s", st->who);
	histo_to_text(a, histo, sizeof histo);
	if ((rc = store_write_begin(st, &own)))
		return rc;
	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_write_end(st, own, store_fail(st, rc, "Enregistrement de la réponse INSi"));
	if (a->patient_id > 0)
		sqlite3_bind_int64(s, 1, a->patient_id);
	for (int i = 1; i < (int)(sizeof txt / sizeof *txt); i++)
		if (txt[i])
			sqlite3_bind_text(s, i + 1, txt[i], -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 11, a->key_ok);
	sqlite3_bind_text(s, 18, histo, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 25, a->calls);
	sqlite3_bind_int64(s, 26, a->elapsed_ms);
	sqlite3_bind_text(s, 27, a->decision, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_write_end(st, own, store_fail(st, rc, "Enregistrement de la réponse INSi"));
	a->id = sqlite3_last_insert_rowid(st->db);
	return store_write_end(st, own, 0);
}

static int answer_query(struct store *st, const char *where, long long key, struct insi_answer *a)
{
	char sql[512];
	sqlite3_stmt *s;
	int rc;

	snprintf(sql, sizeof sql, "SELECT " ANSWER_COLS " FROM insi_answers WHERE %s", where);
	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Lecture de la réponse INSi");
	sqlite3_bind_int64(s, 1, key);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		row_to_answer(s, a);
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE) {
		snprintf(st->err, sizeof st->err, "Aucune réponse INSi pour ce dossier");
		return STORE_ERR_NOTFOUND;
	}
	return rc == SQLITE_ROW ? 0 : store_fail(st, rc, "Lecture de la réponse INSi");
}

int insi_answer_latest(struct store *st, long long patient_id, struct insi_answer *a)
{
	return answer_query(st, "patient_id = ?1 ORDER BY id DESC LIMIT 1", patient_id, a);
}

int insi_answer_get(struct store *st, long long id, struct insi_answer *a)
{
	return answer_query(st, "id = ?1", id, a);
}

static int set_decision(struct store *st, long long id, const char *decision)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, "UPDATE insi_answers SET decision = ?2 WHERE id = ?1",
				    -1, &s, NULL);

	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Décision INSi");
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_text(s, 2, decision, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, rc, "Décision INSi");
}

static char *detail_json(long long answer_id, const char *decision, const char *doc)
{
	json_t *j = json_object();
	char *out;

	json_object_set_new(j, "reponse_insi", json_integer(answer_id));
	if (decision)
		json_object_set_new(j, "decision", json_string(decision));
	if (doc && *doc)
		json_object_set_new(j, "piece", json_string(doc));
	out = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	return out;
}

int insi_answer_decide(struct store *st, long long id, const char *decision)
{
	struct insi_answer a;
	char *detail;
	int rc, own;

	if ((rc = store_write_begin(st, &own)))
		return rc;
	rc = insi_answer_get(st, id, &a);
	if (!rc)
		rc = set_decision(st, id, decision);
	if (!rc) {
		detail = detail_json(id, decision, NULL);
		rc = audit_write(st, "ins.decision", "patient", a.patient_id, NULL, NULL, detail);
		free(detail);
	}
	return store_write_end(st, own, rc);
}

void insi_local_identity(const struct patient *p, struct ins_identity *out)
{
	memset(out, 0, sizeof *out);
	snprintf(out->matricule, sizeof out->matricule, "%s", *p->ins_matricule ? p->ins_matricule
										  : p->nir);
	snprintf(out->oid, sizeof out->oid, "%s", p->ins_oid);
	snprintf(out->birth_name, sizeof out->birth_name, "%s", p->birth_name);
	snprintf(out->first_name, sizeof out->first_name, "%s", p->first_name);
	snprintf(out->first_names, sizeof out->first_names, "%s", p->birth_first_names);
	snprintf(out->sex, sizeof out->sex, "%s", p->sex);
	snprintf(out->birth_date, sizeof out->birth_date, "%s", p->birth_date);
	snprintf(out->birth_cog, sizeof out->birth_cog, "%s", p->birth_cog);
}

static int exec_bound(struct store *st, const char *sql, long long id, const char *t1,
		      const char *what)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);

	if (rc != SQLITE_OK)
		return store_fail(st, rc, what);
	sqlite3_bind_int64(s, 1, id);
	if (t1)
		sqlite3_bind_text(s, 2, t1, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, rc, what);
}

static int set_checked_today(struct store *st, long long patient_id)
{
	char now[24];

	store_now_utc(now, sizeof now);
	now[10] = 0;
	return exec_bound(st, "UPDATE patients SET ins_checked_at = ?2 WHERE id = ?1", patient_id,
			  now, "Date de vérification INS");
}

static int save_history_row(struct store *st, long long patient_id, const char *matricule,
			    const char *oid, int active, const char *deb, const char *fin)
{
	static const char sql[] =
		"INSERT INTO ins_history (patient_id, matricule, oid, active, date_deb, date_fin,"
		" seen_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
		" ON CONFLICT (patient_id, matricule, oid) DO UPDATE SET active = excluded.active,"
		" date_deb = excluded.date_deb, date_fin = excluded.date_fin, seen_at = excluded.seen_at";
	char now[24];
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);

	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Historique INS");
	store_now_utc(now, sizeof now);
	sqlite3_bind_int64(s, 1, patient_id);
	sqlite3_bind_text(s, 2, matricule, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, oid, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, active);
	sqlite3_bind_text(s, 5, deb, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, fin, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, rc, "Historique INS");
}

/* previous: the INS the dossier held before this answer ("" none), kept inactive (EXI REC 08:
 * the history of matricules is kept, also when it was imported without one). */
static int save_history(struct store *st, long long patient_id, const struct insi_answer *a,
			const char *prev_matricule, const char *prev_oid)
{
	int rc = exec_bound(st, "UPDATE ins_history SET active = 0 WHERE patient_id = ?1",
			    patient_id, NULL, "Historique INS");

	if (!rc && prev_matricule && *prev_matricule &&
	    (strcmp(prev_matricule, a->ins.matricule) || strcmp(prev_oid, a->ins.oid)))
		rc = save_history_row(st, patient_id, prev_matricule, prev_oid, 0, "", "");

	if (!rc)
		rc = save_history_row(st, patient_id, a->ins.matricule, a->ins.oid, 1, "", "");
	for (int i = 0; !rc && i < a->nhist; i++) {
		const struct insi_answer_histo *h = &a->hist[i];
		/* INSHISTO may repeat the active matricule (CNDA 2.08 cas 1): keep it active. */
		if (!strcmp(h->matricule, a->ins.matricule) && !strcmp(h->oid, a->ins.oid))
			continue;
		rc = save_history_row(st, patient_id, h->matricule, h->oid, 0, h->date_deb,
				      h->date_fin);
	}
	return rc;
}

/* An answer may only change a dossier when it names one identity whose keys verify. */
static int answer_usable(struct store *st, const struct insi_answer *a)
{
	if (strcmp(a->outcome, "00") || !a->ins.matricule[0]) {
		snprintf(st->err, sizeof st->err,
			 "Cette réponse INSi ne désigne pas une identité unique : rien n'a été modifié");
		return STORE_ERR_INVALID;
	}
	if (!a->key_ok) {
		snprintf(st->err, sizeof st->err,
			 "La clé d'un matricule renvoyé par INSi ne se vérifie pas : réponse "
			 "anormale, elle ne peut pas être acceptée (contactez l'assistance)");
		return STORE_ERR_INVALID;
	}
	return 0;
}

static void take_traits(struct patient *p, const struct insi_answer *a)
{
	snprintf(p->birth_name, sizeof p->birth_name, "%s", a->ins.birth_name);
	snprintf(p->birth_first_names, sizeof p->birth_first_names, "%s", a->ins.first_names);
	if (a->ins.first_name[0])
		snprintf(p->first_name, sizeof p->first_name, "%s", a->ins.first_name);
	else
		ins_first_of_list(a->ins.first_names, p->first_name, sizeof p->first_name);
	snprintf(p->sex, sizeof p->sex, "%s", a->ins.sex);
	snprintf(p->birth_date, sizeof p->birth_date, "%s", a->ins.birth_date);
	if (a->ins.birth_cog[0])
		snprintf(p->birth_cog, sizeof p->birth_cog, "%s", a->ins.birth_cog);
	snprintf(p->ins_matricule, sizeof p->ins_matricule, "%s", a->ins.matricule);
	snprintf(p->ins_oid, sizeof p->ins_oid, "%s", a->ins.oid);
}

long long insi_find_by_matricule(struct store *st, const char *matricule, long long exclude)
{
	sqlite3_stmt *s;
	long long id = 0;

	if (!*matricule)
		return 0;
	if (sqlite3_prepare_v2(st->db, "SELECT id FROM patients WHERE (ins_matricule = ?1"
			       " OR nir = ?1) AND id <> ?2 UNION SELECT patient_id FROM ins_history"
			       " WHERE matricule = ?1 AND patient_id <> ?2 LIMIT 1", -1, &s,
			       NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, matricule, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, exclude);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return id;
}

/* A dossier other than exclude holding the answer's matricule or one of its history. */
static long long other_holder(struct store *st, const struct insi_answer *a, long long exclude)
{
	long long id = insi_find_by_matricule(st, a->ins.matricule, exclude);

	for (int i = 0; id == 0 && i < a->nhist; i++)
		id = insi_find_by_matricule(st, a->hist[i].matricule, exclude);
	return id;
}

long long insi_find_similar(struct store *st, const struct ins_identity *id)
{
	char want[128], got[128];
	const char *why;
	sqlite3_stmt *s;
	long long found = 0;

	if (ins_normalize(id->birth_name, 0, want, sizeof want, &why))
		return 0;
	if (sqlite3_prepare_v2(st->db, "SELECT id, birth_name, used_name FROM patients"
			       " WHERE birth_date = ?1 AND sex = ?2", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(s, 1, id->birth_date, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, id->sex, -1, SQLITE_STATIC);
	while (!found && sqlite3_step(s) == SQLITE_ROW) {
		for (int col = 1; col <= 2 && !found; col++) {
			const char *n = (const char *)sqlite3_column_text(s, col);
			if (n && *n && ins_normalize(n, 0, got, sizeof got, &why) == 0 &&
			    !strcmp(got, want))
				found = sqlite3_column_int64(s, 0);
		}
	}
	sqlite3_finalize(s);
	return found;
}

/* The strict traits of the dossier agree with the answer (a document checked against them
 * then also agrees with INSi). */
static int strict_traits_agree(const struct patient *p, const struct insi_answer *a)
{
	static const enum ins_trait strict[] = { INS_T_BIRTH_NAME, INS_T_FIRST_NAME,
						 INS_T_FIRST_NAMES, INS_T_SEX, INS_T_BIRTH_DATE,
						 INS_T_BIRTH_COG };
	struct ins_identity local;
	enum ins_cmp cmp[INS_T_COUNT];

	insi_local_identity(p, &local);
	ins_compare(&local, &a->ins, cmp);
	for (size_t i = 0; i < sizeof strict / sizeof *strict; i++)
		if (cmp[strict[i]] == INS_DIFFERS)
			return 0;
	return 1;
}

int insi_apply_answer(struct store *st, long long patient_id, int expected_version,
		      const struct insi_answer *a, enum ins_doc doc, const char *decision,
		      int *status_out)
{
	struct patient p;
	char *detail = NULL, prev_m[16], prev_oid[32];
	long long other;
	int rc, own;

	if ((rc = answer_usable(st, a)) || (rc = store_write_begin(st, &own)))
		return rc;
	patient_init(&p);
	rc = patient_get(st, patient_id, &p);
	if (!rc && expected_version && p.version != expected_version) {
		snprintf(st->err, sizeof st->err, "Ce dossier a été modifié sur un autre poste : "
			 "rien n'a été enregistré, relisez la comparaison");
		rc = STORE_ERR_CONFLICT;
	}
	if (!rc && (p.id_attrs & (ID_ATTR_DOUTEUSE | ID_ATTR_FICTIVE))) {
		snprintf(st->err, sizeof st->err, "Identité douteuse ou fictive : elle reste "
			 "provisoire et ne reçoit pas d'INS (RNIV)");
		rc = STORE_ERR_INVALID;
	}
	if (!rc && (other = other_holder(st, a, patient_id)) != 0) {
		snprintf(st->err, sizeof st->err, "Doublon probable : le dossier n° %lld porte déjà "
			 "ce matricule INS ; rien n'a été modifié (à signaler en identitovigilance)",
			 other);
		rc = STORE_ERR_INVALID;
	}
	if (!rc) {
		/* A document checked earlier (validée) still qualifies only if the traits it was
		 * checked against are those INSi returns (DOMAIN.md §1). */
		int keep_doc = (p.id_status == ID_VALIDEE || p.id_status == ID_QUALIFIEE) &&
			       strict_traits_agree(&p, a);
		snprintf(prev_m, sizeof prev_m, "%s", p.ins_matricule);
		snprintf(prev_oid, sizeof prev_oid, "%s", p.ins_oid);
		take_traits(&p, a);
		if (doc != INS_DOC_NONE)
			snprintf(p.validation_mode, sizeof p.validation_mode, "%s", ins_doc_code(doc));
		else if (!keep_doc)
			p.validation_mode[0] = 0;
		p.id_status = (doc != INS_DOC_NONE || keep_doc) ? ID_QUALIFIEE : ID_RECUPEREE;
		detail = detail_json(a->id, decision, doc != INS_DOC_NONE ? ins_doc_code(doc) : NULL);
		rc = patient_update_audited(st, &p, p.id_status == ID_QUALIFIEE ? "ins.qualification"
						: "ins.recuperation", detail);
	}
	if (!rc)
		rc = save_history(st, patient_id, a, prev_m, prev_oid);
	if (!rc)
		rc = set_checked_today(st, patient_id);
	if (!rc && a->id > 0)
		rc = set_decision(st, a->id, decision);
	if (!rc && status_out)
		*status_out = p.id_status;
	free(detail);
	patient_clear(&p);
	return store_write_end(st, own, rc);
}

int insi_set_document(struct store *st, long long patient_id, enum ins_doc doc)
{
	struct patient p;
	char *detail;
	int rc, own;

	if (doc == INS_DOC_NONE || doc >= INS_DOC_COUNT)
		return STORE_ERR_INVALID;
	if ((rc = store_write_begin(st, &own)))
		return rc;
	patient_init(&p);
	rc = patient_get(st, patient_id, &p);
	if (!rc && (p.id_attrs & (ID_ATTR_DOUTEUSE | ID_ATTR_FICTIVE))) {
		snprintf(st->err, sizeof st->err, "Identité douteuse ou fictive : elle reste "
			 "provisoire (RNIV)");
		rc = STORE_ERR_INVALID;
	}
	if (!rc) {
		snprintf(p.validation_mode, sizeof p.validation_mode, "%s", ins_doc_code(doc));
		p.id_status = (p.id_status == ID_RECUPEREE || p.id_status == ID_QUALIFIEE)
				      ? ID_QUALIFIEE : ID_VALIDEE;
		detail = detail_json(0, NULL, ins_doc_code(doc));
		rc = patient_update_audited(st, &p, p.id_status == ID_QUALIFIEE ? "ins.qualification"
						: "ins.validation", detail);
		free(detail);
	}
	patient_clear(&p);
	return store_write_end(st, own, rc);
}

int insi_create_patient(struct store *st, const struct insi_answer *a, enum ins_doc doc,
			long long *id)
{
	struct patient p;
	long long other;
	int rc, own;

	if ((rc = answer_usable(st, a)) || (rc = store_write_begin(st, &own)))
		return rc;
	other = other_holder(st, a, 0);
	if (other > 0) {
		snprintf(st->err, sizeof st->err, "Un dossier porte déjà ce matricule INS (dossier "
			 "n° %lld) : ouvrez-le plutôt que d'en créer un second", other);
		*id = other;
		return store_write_end(st, own, STORE_ERR_INVALID);
	}
	other = insi_find_similar(st, &a->ins);
	if (other > 0) {
		snprintf(st->err, sizeof st->err, "Un dossier semblable existe (n° %lld, même nom, "
			 "sexe et date de naissance) : ouvrez-le, INSi y sera interrogé", other);
		*id = other;
		return store_write_end(st, own, STORE_ERR_INVALID);
	}
	patient_init(&p);
	take_traits(&p, a);
	if (doc != INS_DOC_NONE)
		snprintf(p.validation_mode, sizeof p.validation_mode, "%s", ins_doc_code(doc));
	p.id_status = doc != INS_DOC_NONE ? ID_QUALIFIEE : ID_RECUPEREE;
	rc = patient_insert(st, &p);
	if (!rc)
		rc = save_history(st, p.id, a, NULL, NULL);
	if (!rc) {
		char *detail = detail_json(a->id, "creee", doc != INS_DOC_NONE ? ins_doc_code(doc) : NULL);
		rc = audit_write(st, "ins.creation", "patient", p.id, NULL, NULL, detail);
		free(detail);
	}
	if (!rc)
		rc = set_checked_today(st, p.id);
	if (!rc && a->id > 0) {
		sqlite3_stmt *s;
		rc = sqlite3_prepare_v2(st->db, "UPDATE insi_answers SET patient_id = ?1,"
					" decision = 'creee' WHERE id = ?2", -1, &s, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(s, 1, p.id);
			sqlite3_bind_int64(s, 2, a->id);
			rc = sqlite3_step(s);
			sqlite3_finalize(s);
		}
		rc = rc == SQLITE_DONE ? 0 : store_fail(st, rc, "Réponse INSi");
	}
	if (!rc)
		*id = p.id;
	patient_clear(&p);
	return store_write_end(st, own, rc);
}

int insi_mark_verified(struct store *st, long long patient_id, long long answer_id)
{
	char *detail;
	int rc, own;

	if ((rc = store_write_begin(st, &own)))
		return rc;
	rc = set_checked_today(st, patient_id);
	if (!rc && answer_id > 0)
		rc = set_decision(st, answer_id, "confirmee");
	if (!rc) {
		detail = detail_json(answer_id, "confirmee", NULL);
		rc = audit_write(st, "ins.verification", "patient", patient_id, NULL, NULL, detail);
		free(detail);
	}
	return store_write_end(st, own, rc);
}

int insi_checked_at(struct store *st, long long patient_id, char *out, size_t size)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, "SELECT ins_checked_at FROM patients WHERE id = ?1", -1,
				    &s, NULL);

	out[0] = 0;
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Date de vérification INS");
	sqlite3_bind_int64(s, 1, patient_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		store_col_copy(s, 0, out, size);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? STORE_ERR_NOTFOUND
			: store_fail(st, rc, "Date de vérification INS");
}

int ins_history_list(struct store *st, long long patient_id, struct insi_answer_histo *out,
		     int max)
{
	sqlite3_stmt *s;
	int n = 0, rc = sqlite3_prepare_v2(st->db,
		"SELECT matricule, oid, date_deb, date_fin FROM ins_history WHERE patient_id = ?1"
		" ORDER BY active DESC, seen_at DESC, date_deb DESC", -1, &s, NULL);

	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Historique INS");
	sqlite3_bind_int64(s, 1, patient_id);
	while (n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct insi_answer_histo *h = &out[n++];
		store_col_copy(s, 0, h->matricule, sizeof h->matricule);
		store_col_copy(s, 1, h->oid, sizeof h->oid);
		store_col_copy(s, 2, h->date_deb, sizeof h->date_deb);
		store_col_copy(s, 3, h->date_fin, sizeof h->date_fin);
		h->key_ok = ins_matricule_check(h->matricule, NULL) == 1;
	}
	sqlite3_finalize(s);
	return n;
}

int vitale_get(struct store *st, long long patient_id, struct vitale_data *v)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, "SELECT nir_individu, nir_od, birth_name, birth_date,"
				    " rang FROM vitale_data WHERE patient_id = ?1", -1, &s, NULL);

	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Données Vitale");
	sqlite3_bind_int64(s, 1, patient_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		store_col_copy(s, 0, v->nir_individu, sizeof v->nir_individu);
		store_col_copy(s, 1, v->nir_od, sizeof v->nir_od);
		store_col_copy(s, 2, v->birth_name, sizeof v->birth_name);
		store_col_copy(s, 3, v->birth_date, sizeof v->birth_date);
		v->rang = sqlite3_column_int(s, 4);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? STORE_ERR_NOTFOUND
			: store_fail(st, rc, "Données Vitale");
}

int vitale_set(struct store *st, long long patient_id, const struct vitale_data *v)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO vitale_data (patient_id, nir_individu, nir_od, birth_name,"
		" birth_date, rang, read_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
	char now[24];
	sqlite3_stmt *s;
	int rc, own;

	if ((rc = store_write_begin(st, &own)))
		return rc;
	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_write_end(st, own, store_fail(st, rc, "Données Vitale"));
	store_now_utc(now, sizeof now);
	sqlite3_bind_int64(s, 1, patient_id);
	sqlite3_bind_text(s, 2, v->nir_individu, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, v->nir_od, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, v->birth_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, v->birth_date, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, v->rang > 0 ? v->rang : 1);
	sqlite3_bind_text(s, 7, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	rc = rc == SQLITE_DONE ? 0 : store_fail(st, rc, "Données Vitale");
	if (!rc)
		rc = audit_write(st, "vitale.lecture", "patient", patient_id, NULL, NULL, NULL);
	return store_write_end(st, own, rc);
}

int insi_trace_call(struct store *st, long long patient_id, const char *operation,
		    const char *cr, const char *error_code, long elapsed_ms, int with_place,
		    const char *first_name)
{
	json_t *j = json_object();
	char *detail;
	int rc, own;

	json_object_set_new(j, "operation", json_string(operation));
	json_object_set_new(j, "cr", json_string(cr ? cr : ""));
	if (error_code && *error_code)
		json_object_set_new(j, "erreur", json_string(error_code));
	json_object_set_new(j, "duree_ms", json_integer(elapsed_ms));
	json_object_set_new(j, "lieu", json_boolean(with_place));
	if (first_name && *first_name)
		json_object_set_new(j, "prenom", json_string(first_name));
	detail = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	if ((rc = store_write_begin(st, &own))) {
		free(detail);
		return rc;
	}
	rc = audit_write(st, "insi-appel", "patient", patient_id, NULL, NULL, detail);
	free(detail);
	return store_write_end(st, own, rc);
}
