/* DMP knowledge per patient: last TD0.2 answer, service state, TD3.1 cache, visits per user. */
#include "store/dmp_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const state_codes[] = {
	[DMP_STATE_UNKNOWN] = "inconnu", [DMP_STATE_ABSENT] = "absent",
	[DMP_STATE_ACTIVE] = "actif", [DMP_STATE_CLOSED] = "ferme",
};

static const char *const authz_codes[] = {
	[DMP_AUTHZ_UNKNOWN] = "inconnue", [DMP_AUTHZ_NONE] = "aucune",
	[DMP_AUTHZ_VALID] = "valide", [DMP_AUTHZ_EXPIRED] = "expiree",
	[DMP_AUTHZ_BLOCKED] = "bloquee",
};

#define NSTATES ((int)(sizeof state_codes / sizeof *state_codes))
#define NAUTHZ ((int)(sizeof authz_codes / sizeof *authz_codes))

static int code_index(const char *const *codes, int n, const unsigned char *text)
{
	for (int i = 0; text && i < n; i++)
		if (!strcmp(codes[i], (const char *)text))
			return i;
	return 0;
}

/* ---- TD0.2 status ------------------------------------------------------------------------- */

int dmp_status_get(struct store *st, long long patient_id, struct dmp_status *out,
		   char *checked_at, size_t size)
{
	sqlite3_stmt *s;
	int rc;

	memset(out, 0, sizeof *out);
	if (size)
		checked_at[0] = '\0';
	if ((rc = store_prepare(st, "SELECT state, closed_date, closed_reason, authz, authz_end,"
			  " treating, ins, checked_at FROM dmp_status WHERE patient_id = ?1", &s,
			  "État du DMP")))
		return rc;
	sqlite3_bind_int64(s, 1, patient_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		out->state = (enum dmp_state)code_index(state_codes, NSTATES,
							sqlite3_column_text(s, 0));
		store_col_copy(s, 1, out->closed_date, sizeof out->closed_date);
		store_col_copy(s, 2, out->closed_reason, sizeof out->closed_reason);
		out->authz = (enum dmp_authz)code_index(authz_codes, NAUTHZ,
							sqlite3_column_text(s, 3));
		store_col_copy(s, 4, out->authz_end, sizeof out->authz_end);
		out->treating_doctor = sqlite3_column_int(s, 5);
		store_col_copy(s, 6, out->ins, sizeof out->ins);
		store_col_copy(s, 7, checked_at, size);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE) {
		snprintf(st->err, sizeof st->err, "Le DMP de ce patient n'a pas encore été interrogé");
		return STORE_ERR_NOTFOUND;
	}
	return rc == SQLITE_ROW ? 0 : store_fail(st, rc, "État du DMP");
}

int dmp_status_put(struct store *st, long long patient_id, const struct dmp_status *in)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO dmp_status (patient_id, state, closed_date, closed_reason,"
		" authz, authz_end, treating, ins, checked_at)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
	sqlite3_stmt *s;
	char now[24];
	int rc, own;

	if ((int)in->state < 0 || (int)in->state >= NSTATES || (int)in->authz < 0 ||
	    (int)in->authz >= NAUTHZ) {
		snprintf(st->err, sizeof st->err, "État du DMP invalide : non enregistré");
		return STORE_ERR_INVALID;
	}
	if ((rc = store_write_begin(st, &own)))
		return rc;
	if ((rc = store_prepare(st, sql, &s, "État du DMP")))
		return store_write_end(st, own, rc);
	store_now_utc(now, sizeof now);
	sqlite3_bind_int64(s, 1, patient_id);
	sqlite3_bind_text(s, 2, state_codes[in->state], -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, in->closed_date, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, in->closed_reason, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, authz_codes[in->authz], -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, in->authz_end, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 7, in->treating_doctor != 0);
	sqlite3_bind_text(s, 8, in->ins, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, now, -1, SQLITE_STATIC);
	return store_write_end(st, own, store_step_done(st, s, "État du DMP"));
}

/* ---- service state ------------------------------------------------------------------------ */

int dmp_service_get(struct store *st, int *up, char *error, size_t size)
{
	sqlite3_stmt *s;
	int rc;

	*up = -1;
	if (size)
		error[0] = '\0';
	if ((rc = store_prepare(st, "SELECT up, error FROM dmp_service WHERE id = 1", &s,
			  "État du service DMP")))
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*up = sqlite3_column_int(s, 0);
		store_col_copy(s, 1, error, size);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(st, rc, "État du service DMP");
}

int dmp_service_put(struct store *st, int up, const char *error)
{
	sqlite3_stmt *s;
	char now[24];
	int rc, own;

	if (up < -1 || up > 1) {
		snprintf(st->err, sizeof st->err, "État du service DMP invalide");
		return STORE_ERR_INVALID;
	}
	if ((rc = store_write_begin(st, &own)))
		return rc;
	if ((rc = store_prepare(st, "INSERT OR REPLACE INTO dmp_service (id, up, error, at)"
			  " VALUES (1, ?1, ?2, ?3)", &s, "État du service DMP")))
		return store_write_end(st, own, rc);
	store_now_utc(now, sizeof now);
	sqlite3_bind_int(s, 1, up);
	sqlite3_bind_text(s, 2, error ? error : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, now, -1, SQLITE_STATIC);
	return store_write_end(st, own, store_step_done(st, s, "État du service DMP"));
}

/* ---- TD3.1 cache -------------------------------------------------------------------------- */

/* Next fetch generation of the patient, recorded with the fetch time. */
static int next_gen(struct store *st, long long patient_id, const char *now, long long *gen)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = store_prepare(st, "INSERT INTO dmp_fetches (patient_id, gen, fetched_at)"
			  " VALUES (?1, 1, ?2) ON CONFLICT (patient_id) DO UPDATE SET"
			  " gen = gen + 1, fetched_at = excluded.fetched_at RETURNING gen", &s,
			  "Liste du DMP")))
		return rc;
	sqlite3_bind_int64(s, 1, patient_id);
	sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*gen = sqlite3_column_int64(s, 0);
		rc = sqlite3_step(s);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, rc, "Liste du DMP");
}

/* A new entry keeps the first sighting of an entry with the same document id: a new
 * metadata version (visibility changed, TD3.3) is not a new document. */
static const char merge_sql[] =
	"INSERT INTO dmp_docs (patient_id, entry_uuid, unique_id, repository_id, xds_patient_id,"
	" title, type_code, type_label, class_code, format_code, mime, author, author_profession,"
	" creation_time, service_start, submission_time, invisible_patient, masked_ps, hash, size,"
	" status, first_seen, first_gen, gen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
	" ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,"
	" coalesce((SELECT min(first_seen) FROM dmp_docs WHERE patient_id = ?1 AND unique_id = ?3"
	"  AND ?3 <> ''), ?22),"
	" coalesce((SELECT min(first_gen) FROM dmp_docs WHERE patient_id = ?1 AND unique_id = ?3"
	"  AND ?3 <> ''), ?23), ?23)"
	" ON CONFLICT (patient_id, entry_uuid) DO UPDATE SET unique_id = excluded.unique_id,"
	" repository_id = excluded.repository_id, xds_patient_id = excluded.xds_patient_id,"
	" title = excluded.title, type_code = excluded.type_code,"
	" type_label = excluded.type_label, class_code = excluded.class_code,"
	" format_code = excluded.format_code, mime = excluded.mime, author = excluded.author,"
	" author_profession = excluded.author_profession,"
	" creation_time = excluded.creation_time, service_start = excluded.service_start,"
	" submission_time = excluded.submission_time,"
	" invisible_patient = excluded.invisible_patient, masked_ps = excluded.masked_ps,"
	" hash = excluded.hash, size = excluded.size, status = excluded.status,"
	" gen = excluded.gen";

static void bind_doc(sqlite3_stmt *s, const struct dmp_doc *d)
{
	const char *txt[] = { d->entry_uuid, d->unique_id, d->repository_id, d->patient_id,
			      d->title, d->type_code, d->type_label, d->class_code, d->format_code,
			      d->mime, d->author, d->author_profession, d->creation_time,
			      d->service_start, d->submission_time };

	for (int i = 0; i < (int)(sizeof txt / sizeof *txt); i++)
		sqlite3_bind_text(s, i + 2, txt[i], -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 17, d->invisible_patient != 0);
	sqlite3_bind_int(s, 18, d->masked_ps != 0);
	sqlite3_bind_text(s, 19, d->hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 20, d->size);
	sqlite3_bind_text(s, 21, d->status, -1, SQLITE_STATIC);
}

static int merge_one(struct store *st, sqlite3_stmt *s, long long patient_id,
		     const struct dmp_doc *d, const char *now, long long gen)
{
	int rc;

	if (!d->entry_uuid[0]) {
		snprintf(st->err, sizeof st->err, "Liste du DMP : entrée sans identifiant, liste "
			 "non enregistrée");
		return STORE_ERR_INVALID;
	}
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	sqlite3_bind_int64(s, 1, patient_id);
	bind_doc(s, d);
	sqlite3_bind_text(s, 22, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 23, gen);
	rc = sqlite3_step(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, rc, "Liste du DMP");
}

static int drop_unlisted(struct store *st, long long patient_id, long long gen)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = store_prepare(st, "DELETE FROM dmp_docs WHERE patient_id = ?1 AND gen <> ?2", &s,
			  "Liste du DMP")))
		return rc;
	sqlite3_bind_int64(s, 1, patient_id);
	sqlite3_bind_int64(s, 2, gen);
	return store_step_done(st, s, "Liste du DMP");
}

int dmp_docs_merge(struct store *st, long long patient_id, const struct dmp_doc *docs,
		   size_t n)
{
	sqlite3_stmt *s = NULL;
	char now[24];
	long long gen = 0;
	int rc, own;

	if (n && !docs)
		return STORE_ERR_INVALID;
	store_now_utc(now, sizeof now);
	if ((rc = store_write_begin(st, &own)))
		return rc;
	rc = next_gen(st, patient_id, now, &gen);
	if (!rc)
		rc = store_prepare(st, merge_sql, &s, "Liste du DMP");
	for (size_t i = 0; !rc && i < n; i++)
		rc = merge_one(st, s, patient_id, &docs[i], now, gen);
	sqlite3_finalize(s);
	if (!rc)
		rc = drop_unlisted(st, patient_id, gen);
	return store_write_end(st, own, rc);
}

#define ROW_COLS "d.id, d.entry_uuid, d.unique_id, d.repository_id, d.xds_patient_id, d.title," \
	" d.type_code, d.type_label, d.class_code, d.format_code, d.mime, d.author," \
	" d.author_profession, d.creation_time, d.service_start, d.submission_time," \
	" d.invisible_patient, d.masked_ps, d.hash, d.size, d.status, d.first_seen," \
	" (v.gen IS NULL OR d.first_gen > v.gen)," \
	" coalesce((SELECT l.id FROM documents l WHERE l.patient_id = d.patient_id" \
	"  AND l.cda_id = d.unique_id AND l.cda_id <> ''), 0)"

static void row_to_doc(sqlite3_stmt *s, struct dmp_doc_row *r)
{
	struct dmp_doc *d = &r->doc;
	struct {
		char *dst;
		size_t size;
	} txt[] = {
		{ d->entry_uuid, sizeof d->entry_uuid }, { d->unique_id, sizeof d->unique_id },
		{ d->repository_id, sizeof d->repository_id },
		{ d->patient_id, sizeof d->patient_id }, { d->title, sizeof d->title },
		{ d->type_code, sizeof d->type_code }, { d->type_label, sizeof d->type_label },
		{ d->class_code, sizeof d->class_code }, { d->format_code, sizeof d->format_code },
		{ d->mime, sizeof d->mime }, { d->author, sizeof d->author },
		{ d->author_profession, sizeof d->author_profession },
		{ d->creation_time, sizeof d->creation_time },
		{ d->service_start, sizeof d->service_start },
		{ d->submission_time, sizeof d->submission_time },
	};

	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(s, 0);
	for (int i = 0; i < (int)(sizeof txt / sizeof *txt); i++)
		store_col_copy(s, i + 1, txt[i].dst, txt[i].size);
	d->invisible_patient = sqlite3_column_int(s, 16);
	d->masked_ps = sqlite3_column_int(s, 17);
	store_col_copy(s, 18, d->hash, sizeof d->hash);
	d->size = sqlite3_column_int64(s, 19);
	store_col_copy(s, 20, d->status, sizeof d->status);
	store_col_copy(s, 21, r->first_seen, sizeof r->first_seen);
	r->is_new = sqlite3_column_int(s, 22);
	r->local_id = sqlite3_column_int64(s, 23);
}

int dmp_docs_list(struct store *st, long long patient_id, const char *login,
		  struct dmp_doc_row **rows, size_t *n)
{
	sqlite3_stmt *s;
	struct dmp_doc_row *v = NULL, *grown;
	size_t cap = 0, len = 0;
	int rc;

	*rows = NULL;
	*n = 0;
	if ((rc = store_prepare(st, "SELECT " ROW_COLS " FROM dmp_docs d LEFT JOIN dmp_visits v"
			  " ON v.patient_id = d.patient_id AND v.login = ?2 WHERE d.patient_id = ?1"
			  " ORDER BY d.creation_time DESC, d.id DESC", &s, "Liste du DMP")))
		return rc;
	sqlite3_bind_int64(s, 1, patient_id);
	sqlite3_bind_text(s, 2, login ? login : "", -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(v, cap * sizeof *v);
			if (!grown) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = grown;
		}
		row_to_doc(s, &v[len++]);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(v);
		return store_fail(st, rc, "Liste du DMP");
	}
	*rows = v;
	*n = len;
	return 0;
}

int dmp_doc_get(struct store *st, long long row_id, struct dmp_doc_row *row)
{
	sqlite3_stmt *s;
	int rc;

	/* is_new is relative to the visits of the store's user. */
	if ((rc = store_prepare(st, "SELECT " ROW_COLS " FROM dmp_docs d LEFT JOIN dmp_visits v"
			  " ON v.patient_id = d.patient_id AND v.login = ?2 WHERE d.id = ?1", &s,
			  "Document du DMP")))
		return rc;
	sqlite3_bind_int64(s, 1, row_id);
	sqlite3_bind_text(s, 2, st->who, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		row_to_doc(s, row);
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE) {
		snprintf(st->err, sizeof st->err, "Cette entrée de la liste du DMP n'existe plus "
			 "(liste rafraîchie entre-temps)");
		return STORE_ERR_NOTFOUND;
	}
	return rc == SQLITE_ROW ? 0 : store_fail(st, rc, "Document du DMP");
}

int dmp_docs_count_new(struct store *st, long long patient_id, const char *login, int *n_new,
		       int *n_invisible, int *n_total, char *fetched_at, size_t size)
{
	static const char sql[] =
		"SELECT count(d.id),"
		" coalesce(sum(v.gen IS NULL OR d.first_gen > v.gen), 0),"
		" coalesce(sum((v.gen IS NULL OR d.first_gen > v.gen) AND d.invisible_patient), 0),"
		" (SELECT fetched_at FROM dmp_fetches WHERE patient_id = ?1)"
		" FROM dmp_docs d LEFT JOIN dmp_visits v ON v.patient_id = d.patient_id"
		" AND v.login = ?2 WHERE d.patient_id = ?1";
	sqlite3_stmt *s;
	int rc;

	*n_new = *n_invisible = *n_total = 0;
	if (size)
		fetched_at[0] = '\0';
	if ((rc = store_prepare(st, sql, &s, "Nouveaux documents du DMP")))
		return rc;
	sqlite3_bind_int64(s, 1, patient_id);
	sqlite3_bind_text(s, 2, login ? login : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*n_total = sqlite3_column_int(s, 0);
		*n_new = sqlite3_column_int(s, 1);
		*n_invisible = sqlite3_column_int(s, 2);
		store_col_copy(s, 3, fetched_at, size);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : store_fail(st, rc, "Nouveaux documents du DMP");
}

int dmp_visit_mark(struct store *st, long long patient_id, const char *login)
{
	sqlite3_stmt *s;
	char now[24];
	int rc, own;

	if (!login || !*login) {
		snprintf(st->err, sizeof st->err, "Visite du DMP : utilisateur inconnu");
		return STORE_ERR_INVALID;
	}
	if ((rc = store_write_begin(st, &own)))
		return rc;
	/* The visit covers every entry fetched so far (the current generation). */
	if ((rc = store_prepare(st, "INSERT INTO dmp_visits (patient_id, login, visited_at, gen)"
			  " VALUES (?1, ?2, ?3, coalesce((SELECT gen FROM dmp_fetches"
			  " WHERE patient_id = ?1), 0)) ON CONFLICT (patient_id, login) DO UPDATE"
			  " SET visited_at = excluded.visited_at, gen = excluded.gen", &s,
			  "Visite du DMP")))
		return store_write_end(st, own, rc);
	store_now_utc(now, sizeof now);
	sqlite3_bind_int64(s, 1, patient_id);
	sqlite3_bind_text(s, 2, login, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, now, -1, SQLITE_STATIC);
	return store_write_end(st, own, store_step_done(st, s, "Visite du DMP"));
}
