/* Documents of a dossier: originals and PDF copies kept, versions by setId, no duplicate CDA id. */
#include "store/documents.h"
#include "store/audit.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int not_found(struct store *st, long long id)
{
	snprintf(st->err, sizeof st->err, "Document n° %lld introuvable", id);
	return STORE_ERR_NOTFOUND;
}

/* ---- duplicates and versions -------------------------------------------------------------- */

/* The row with this CDA id, 0 when none. */
static int find_same(struct store *st, long long patient_id, const char *cda_id, long long *id)
{
	sqlite3_stmt *s;
	int rc;

	*id = 0;
	if (!cda_id || !*cda_id)
		return 0;
	if ((rc = store_prepare(st, "SELECT id FROM documents WHERE patient_id = ?1 AND cda_id = ?2"
			  " AND cda_id <> ''", &s, "Recherche de doublon")))
		return rc;
	sqlite3_bind_int64(s, 1, patient_id);
	sqlite3_bind_text(s, 2, cda_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(st, rc, "Recherche de doublon");
}

/* The current version of a set: the active row first, then the highest version. */
static int find_current(struct store *st, long long patient_id, const char *set_id,
			long long *id, int *version)
{
	sqlite3_stmt *s;
	int rc;

	*id = 0;
	*version = 0;
	if (!set_id || !*set_id)
		return 0;
	if ((rc = store_prepare(st, "SELECT id, version FROM documents WHERE patient_id = ?1"
			  " AND set_id = ?2 ORDER BY status = 'actif' DESC, version DESC, id DESC"
			  " LIMIT 1", &s, "Recherche de version")))
		return rc;
	sqlite3_bind_int64(s, 1, patient_id);
	sqlite3_bind_text(s, 2, set_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(s, 0);
		*version = sqlite3_column_int(s, 1);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(st, rc, "Recherche de version");
}

int document_match(struct store *st, long long patient_id, const char *cda_id,
		   const char *set_id, int version, enum document_match *m, long long *existing)
{
	long long id;
	int cur_version, rc;

	*m = DOC_MATCH_NONE;
	*existing = 0;
	if ((rc = find_same(st, patient_id, cda_id, &id)))
		return rc;
	if (id) {
		*m = DOC_MATCH_SAME;
		*existing = id;
		return 0;
	}
	if ((rc = find_current(st, patient_id, set_id, &id, &cur_version)))
		return rc;
	if (id) {
		*m = version > cur_version ? DOC_MATCH_NEWER : DOC_MATCH_OLDER;
		*existing = id;
	}
	return 0;
}

/* ---- insertion ---------------------------------------------------------------------------- */

/* The SHA-1 is computed by the caller (vigie-net has OpenSSL, the store has no hashing):
 * accept it empty or as 40 hex digits, kept in lower case. */
static int normalize_sha1(const char *in, char *out, size_t size)
{
	size_t n = strlen(in);

	if (n != 0 && n != 40)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)in[i]))
			return -1;
	for (size_t i = 0; i < n && i + 1 < size; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[n < size ? n : size - 1] = '\0';
	return 0;
}

static int check_document(struct store *st, struct document *d, const void *original,
			  size_t len)
{
	const char *why = NULL;
	char sha1[41];

	if (d->patient_id <= 0)
		why = "dossier non indiqué";
	else if (strcmp(d->provenance, "local") && strcmp(d->provenance, "DMP") &&
		 strcmp(d->provenance, "MSS"))
		why = "provenance inconnue (local, DMP ou MSS)";
	else if (!original || !len)
		why = "document vide";
	else if (d->level != 0 && d->level != 1 && d->level != 3)
		why = "niveau CDA invalide (1 ou 3)";
	else if (d->version < 0)
		why = "numéro de version négatif";
	else if (normalize_sha1(d->sha1, sha1, sizeof sha1))
		why = "empreinte SHA-1 mal formée";
	if (why) {
		snprintf(st->err, sizeof st->err, "Document refusé : %s", why);
		return STORE_ERR_INVALID;
	}
	memcpy(d->sha1, sha1, sizeof sha1);
	return 0;
}

static const char insert_sql[] =
	"INSERT INTO documents (patient_id, provenance, cda_id, set_id, version, title,"
	" type_code, type_label, author, author_profession, doc_date, integrated_at,"
	" integrated_by, invisible_patient, mime, level, status, replaced_by, sha1, size,"
	" source_ref, original, pdf, text) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
	" ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)";

static int insert_row(struct store *st, struct document *d, const void *original, size_t len,
		      const void *pdf, size_t pdf_len, const char *text)
{
	const char *txt[] = { d->provenance, d->cda_id, d->set_id, NULL, d->title, d->type_code,
			      d->type_label, d->author, d->author_profession, d->doc_date,
			      d->integrated_at, st->who };
	sqlite3_stmt *s;
	int rc;

	if ((rc = store_prepare(st, insert_sql, &s, "Intégration du document")))
		return rc;
	sqlite3_bind_int64(s, 1, d->patient_id);
	for (int i = 0; i < (int)(sizeof txt / sizeof *txt); i++)
		if (txt[i])
			sqlite3_bind_text(s, i + 2, txt[i], -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 5, d->version);
	sqlite3_bind_int(s, 14, d->invisible_patient != 0);
	sqlite3_bind_text(s, 15, d->mime, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 16, d->level);
	sqlite3_bind_text(s, 17, d->status, -1, SQLITE_STATIC);
	if (d->replaced_by)
		sqlite3_bind_int64(s, 18, d->replaced_by);
	sqlite3_bind_text(s, 19, d->sha1, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 20, d->size);
	sqlite3_bind_text(s, 21, d->source_ref, -1, SQLITE_STATIC);
	sqlite3_bind_blob64(s, 22, original, len, SQLITE_STATIC);
	if (pdf && pdf_len)
		sqlite3_bind_blob64(s, 23, pdf, pdf_len, SQLITE_STATIC);
	if (text && *text)
		sqlite3_bind_text(s, 24, text, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, rc, "Intégration du document");
	d->id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

/* Older current versions of the set now point to the new one. */
static int mark_replaced(struct store *st, const struct document *d)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = store_prepare(st, "UPDATE documents SET status = 'remplace', replaced_by = ?1"
			  " WHERE patient_id = ?2 AND set_id = ?3 AND id <> ?1 AND status = 'actif'"
			  " AND version < ?4", &s, "Remplacement de version")))
		return rc;
	sqlite3_bind_int64(s, 1, d->id);
	sqlite3_bind_int64(s, 2, d->patient_id);
	sqlite3_bind_text(s, 3, d->set_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, d->version);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, rc, "Remplacement de version");
}

static int audit_insert(struct store *st, const struct document *d, long long replaced)
{
	json_t *j = json_pack("{s:I,s:s,s:s,s:i}", "document", (json_int_t)d->id, "provenance",
			      d->provenance, "cda_id", d->cda_id, "version", d->version);
	char *detail;
	int rc;

	if (j && replaced)
		json_object_set_new(j, "remplace", json_integer(replaced));
	if (j && !strcmp(d->status, "remplace"))
		json_object_set_new(j, "ancienne_version", json_true());
	detail = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (!detail) {
		/* json_pack refuses text that is not UTF-8: say so rather than lose the trace. */
		snprintf(st->err, sizeof st->err, "Document refusé : identifiant CDA illisible "
			 "(UTF-8 invalide)");
		return STORE_ERR_INVALID;
	}
	rc = audit_write(st, "document.integration", "patient", d->patient_id, NULL, NULL, detail);
	free(detail);
	return rc;
}

int document_insert(struct store *st, struct document *d, const void *original, size_t len,
		    const void *pdf, size_t pdf_len, const char *text)
{
	enum document_match m;
	long long existing = 0;
	int rc, own;

	if ((rc = check_document(st, d, original, len)) || (rc = store_write_begin(st, &own)))
		return rc;
	rc = document_match(st, d->patient_id, d->cda_id, d->set_id, d->version, &m, &existing);
	if (!rc && m == DOC_MATCH_SAME) {
		snprintf(st->err, sizeof st->err, "Ce document est déjà dans le dossier "
			 "(document n° %lld) : il n'est pas enregistré deux fois", existing);
		rc = STORE_ERR_CONFLICT;
	}
	if (!rc) {
		/* An older version is kept for the record but never becomes the current one. */
		snprintf(d->status, sizeof d->status, "%s", m == DOC_MATCH_OLDER ? "remplace"
			 : "actif");
		d->replaced_by = m == DOC_MATCH_OLDER ? existing : 0;
		d->size = (long long)len;
		store_now_utc(d->integrated_at, sizeof d->integrated_at);
		rc = insert_row(st, d, original, len, pdf, pdf_len, text);
	}
	if (!rc && m == DOC_MATCH_NEWER)
		rc = mark_replaced(st, d);
	if (!rc)
		rc = audit_insert(st, d, m == DOC_MATCH_NEWER ? existing : 0);
	if (rc)
		d->id = 0;
	else {
		d->has_pdf = pdf && pdf_len;
		d->has_text = text && *text;
	}
	return store_write_end(st, own, rc);
}

/* ---- reading ------------------------------------------------------------------------------ */

/* typeof() reads the record header only: listing never loads the bytes. */
#define DOC_COLS "id, patient_id, provenance, cda_id, set_id, version, title, type_code," \
	" type_label, author, author_profession, doc_date, integrated_at, invisible_patient," \
	" mime, level, status, replaced_by, sha1, size, source_ref, typeof(pdf) = 'blob'," \
	" typeof(text) = 'text'"

static void row_to_document(sqlite3_stmt *s, struct document *d)
{
	memset(d, 0, sizeof *d);
	d->id = sqlite3_column_int64(s, 0);
	d->patient_id = sqlite3_column_int64(s, 1);
	store_col_copy(s, 2, d->provenance, sizeof d->provenance);
	store_col_copy(s, 3, d->cda_id, sizeof d->cda_id);
	store_col_copy(s, 4, d->set_id, sizeof d->set_id);
	d->version = sqlite3_column_int(s, 5);
	store_col_copy(s, 6, d->title, sizeof d->title);
	store_col_copy(s, 7, d->type_code, sizeof d->type_code);
	store_col_copy(s, 8, d->type_label, sizeof d->type_label);
	store_col_copy(s, 9, d->author, sizeof d->author);
	store_col_copy(s, 10, d->author_profession, sizeof d->author_profession);
	store_col_copy(s, 11, d->doc_date, sizeof d->doc_date);
	store_col_copy(s, 12, d->integrated_at, sizeof d->integrated_at);
	d->invisible_patient = sqlite3_column_int(s, 13);
	store_col_copy(s, 14, d->mime, sizeof d->mime);
	d->level = sqlite3_column_int(s, 15);
	store_col_copy(s, 16, d->status, sizeof d->status);
	d->replaced_by = sqlite3_column_int64(s, 17);
	store_col_copy(s, 18, d->sha1, sizeof d->sha1);
	d->size = sqlite3_column_int64(s, 19);
	store_col_copy(s, 20, d->source_ref, sizeof d->source_ref);
	d->has_pdf = sqlite3_column_int(s, 21);
	d->has_text = sqlite3_column_int(s, 22);
}

int document_get(struct store *st, long long id, struct document *d)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = store_prepare(st, "SELECT " DOC_COLS " FROM documents WHERE id = ?1", &s,
			  "Lecture du document")))
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		row_to_document(s, d);
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return not_found(st, id);
	return rc == SQLITE_ROW ? 0 : store_fail(st, rc, "Lecture du document");
}

/* One blob column of a document, copied (NULL column: STORE_ERR_NOTFOUND). The column
 * name is one of this file's constants. */
static int read_blob(struct store *st, long long id, const char *sql, void **buf, size_t *len)
{
	sqlite3_stmt *s;
	const void *p;
	int rc, n;

	*buf = NULL;
	*len = 0;
	if ((rc = store_prepare(st, sql, &s, "Lecture du document")))
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW || sqlite3_column_type(s, 0) == SQLITE_NULL) {
		sqlite3_finalize(s);
		if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
			if (rc == SQLITE_DONE)
				return not_found(st, id);
			snprintf(st->err, sizeof st->err, "Pas de copie PDF pour le document n° %lld",
				 id);
			return STORE_ERR_NOTFOUND;
		}
		return store_fail(st, rc, "Lecture du document");
	}
	p = sqlite3_column_blob(s, 0);
	n = sqlite3_column_bytes(s, 0);
	*buf = malloc(n > 0 ? (size_t)n : 1);
	if (!*buf) {
		sqlite3_finalize(s);
		snprintf(st->err, sizeof st->err, "Mémoire insuffisante pour lire le document");
		return STORE_ERR;
	}
	if (n > 0)
		memcpy(*buf, p, (size_t)n);
	*len = (size_t)n;
	sqlite3_finalize(s);
	return 0;
}

int document_original(struct store *st, long long id, void **buf, size_t *len)
{
	return read_blob(st, id, "SELECT original FROM documents WHERE id = ?1", buf, len);
}

int document_pdf(struct store *st, long long id, void **buf, size_t *len)
{
	return read_blob(st, id, "SELECT pdf FROM documents WHERE id = ?1", buf, len);
}

int document_text(struct store *st, long long id, char **text)
{
	sqlite3_stmt *s;
	const unsigned char *t;
	int rc;

	*text = NULL;
	if ((rc = store_prepare(st, "SELECT coalesce(text, '') FROM documents WHERE id = ?1", &s,
			  "Lecture du document")))
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		t = sqlite3_column_text(s, 0);
		*text = strdup(t ? (const char *)t : "");
		rc = *text ? 0 : SQLITE_NOMEM;
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return not_found(st, id);
	return rc == 0 ? 0 : store_fail(st, rc, "Lecture du document");
}

int document_set_text(struct store *st, long long id, const char *text)
{
	sqlite3_stmt *s;
	int rc, own;

	if ((rc = store_write_begin(st, &own)))
		return rc;
	if ((rc = store_prepare(st, "UPDATE documents SET text = ?1 WHERE id = ?2", &s,
			  "Texte du document")))
		return store_write_end(st, own, rc);
	if (text && *text)   /* "" is stored as no text, so has_text stays meaningful */
		sqlite3_bind_text(s, 1, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		rc = store_fail(st, rc, "Texte du document");
	else
		rc = sqlite3_changes(st->db) ? 0 : not_found(st, id);
	return store_write_end(st, own, rc);
}

int document_withdraw(struct store *st, long long id, int *changed)
{
	sqlite3_stmt *s;
	char before[16] = "", *detail;
	long long patient_id = 0;
	json_t *j;
	int rc, own;

	if (changed)
		*changed = 0;
	if ((rc = store_write_begin(st, &own)))
		return rc;
	if ((rc = store_prepare(st, "SELECT patient_id, status FROM documents WHERE id = ?1", &s,
			  "Retrait du document")))
		return store_write_end(st, own, rc);
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		patient_id = sqlite3_column_int64(s, 0);
		store_col_copy(s, 1, before, sizeof before);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return store_write_end(st, own, not_found(st, id));
	if (rc != SQLITE_ROW)
		return store_write_end(st, own, store_fail(st, rc, "Retrait du document"));
	if (!strcmp(before, "retire"))
		return store_write_end(st, own, 0);
	if ((rc = store_prepare(st, "UPDATE documents SET status = 'retire' WHERE id = ?1", &s,
			  "Retrait du document")))
		return store_write_end(st, own, rc);
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_write_end(st, own, store_fail(st, rc, "Retrait du document"));
	j = json_pack("{s:I,s:s}", "document", (json_int_t)id, "statut_avant", before);
	detail = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	if (!detail) {
		snprintf(st->err, sizeof st->err, "Retrait du document : mémoire insuffisante");
		return store_write_end(st, own, STORE_ERR);
	}
	rc = audit_write(st, "document.retrait", "patient", patient_id, NULL, NULL, detail);
	free(detail);
	if (!rc && changed)
		*changed = 1;
	return store_write_end(st, own, rc);
}

int document_list(struct store *st, long long patient_id, int all_versions,
		  struct document **docs, size_t *n)
{
	sqlite3_stmt *s;
	struct document *v = NULL, *grown;
	size_t cap = 0, len = 0;
	int rc;

	*docs = NULL;
	*n = 0;
	/* Untyped documents last; within a type the newest first. */
	if ((rc = store_prepare(st, "SELECT " DOC_COLS " FROM documents WHERE patient_id = ?1"
			  " AND (?2 OR status <> 'remplace') ORDER BY type_label = '', type_label,"
			  " doc_date DESC, id DESC", &s, "Documents du dossier")))
		return rc;
	sqlite3_bind_int64(s, 1, patient_id);
	sqlite3_bind_int(s, 2, all_versions != 0);
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
		row_to_document(s, &v[len++]);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(v);
		return store_fail(st, rc, "Documents du dossier");
	}
	*docs = v;
	*n = len;
	return 0;
}
