/* Type-ahead patient search over the patient_terms index. */
#include "store/patients.h"
#include "core/identity.h"
#include "core/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HIT_COLS "p.id, p.birth_name, p.used_name, p.first_name, p.used_first_name, p.sex," \
	" p.birth_date, p.id_status, p.attr_homonyme, p.attr_douteuse, p.attr_fictive"

static int push_hit(struct patient_hits *h, sqlite3_stmt *s)
{
	struct patient_hit *x;
	const unsigned char *t;
	int st;

	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		void *v = realloc(h->v, cap * sizeof *h->v);
		if (!v)
			return -1;
		h->v = v;
		h->cap = cap;
	}
	x = &h->v[h->n++];
	x->id = sqlite3_column_int64(s, 0);
#define COPY(col, dst)                                                        \
	t = sqlite3_column_text(s, col);                                      \
	snprintf(dst, sizeof dst, "%s", t ? (const char *)t : "")
	COPY(1, x->birth_name);
	COPY(2, x->used_name);
	COPY(3, x->first_name);
	COPY(4, x->used_first_name);
	COPY(5, x->sex);
	COPY(6, x->birth_date);
#undef COPY
	st = id_status_from_code((const char *)sqlite3_column_text(s, 7));
	x->id_status = st < 0 ? ID_PROVISOIRE : st;
	x->id_attrs = (sqlite3_column_int(s, 8) ? ID_ATTR_HOMONYME : 0) |
		      (sqlite3_column_int(s, 9) ? ID_ATTR_DOUTEUSE : 0) |
		      (sqlite3_column_int(s, 10) ? ID_ATTR_FICTIVE : 0);
	return 0;
}

static int run(struct store *st, sqlite3_stmt *s, size_t limit, struct patient_hits *h)
{
	int rc;

	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (h->n == limit) {
			h->truncated = 1;
			break;
		}
		if (push_hit(h, s)) {
			snprintf(st->err, sizeof st->err, "Mémoire insuffisante pour la recherche");
			return STORE_ERR;
		}
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(st, rc, "Recherche de patients");
	return 0;
}

static int recent(struct store *st, size_t limit, struct patient_hits *h)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db,
				    "SELECT " HIT_COLS " FROM patient_recent r JOIN patients p"
				    " ON p.id = r.patient_id WHERE r.login = ?1"
				    " ORDER BY r.opened_at DESC LIMIT ?2",
				    -1, &s, NULL);

	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Recherche de patients");
	sqlite3_bind_text(s, 1, st->who, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)limit + 1);
	rc = run(st, s, limit, h);
	sqlite3_finalize(s);
	return rc;
}

/* The SQL depends only on how many criteria there are and which are prefixes, never on
 * the typed text itself: every value is a bound parameter. */
static void build_sql(const struct query *q, size_t drive, char *sql, size_t size)
{
	size_t len;
	int param = 1;

	len = (size_t)snprintf(sql, size,
			       "SELECT " HIT_COLS " FROM (SELECT DISTINCT patient_id FROM patient_terms"
			       " WHERE %s) t JOIN patients p ON p.id = t.patient_id WHERE 1",
			       q->t[drive].prefix ? "term >= ?1 AND term < ?2" : "term = ?1");
	param = q->t[drive].prefix ? 3 : 2;
	for (size_t i = 0; i < q->n && len < size; i++) {
		if (i == drive)
			continue;
		if (q->t[i].prefix) {
			len += (size_t)snprintf(sql + len, size - len,
						" AND EXISTS (SELECT 1 FROM patient_terms x WHERE"
						" x.patient_id = p.id AND x.term >= ?%d AND x.term < ?%d)",
						param, param + 1);
			param += 2;
		} else {
			len += (size_t)snprintf(sql + len, size - len,
						" AND EXISTS (SELECT 1 FROM patient_terms x WHERE"
						" x.patient_id = p.id AND x.term = ?%d)", param);
			param += 1;
		}
	}
	if (len < size)
		snprintf(sql + len, size - len, " ORDER BY p.sort_key LIMIT ?%d", param);
}

static int bind_term(sqlite3_stmt *s, int *param, const struct query_term *t)
{
	char hi[72];

	sqlite3_bind_text(s, (*param)++, t->lo, -1, SQLITE_STATIC);
	if (t->prefix) {
		query_prefix_end(t->lo, hi, sizeof hi);
		sqlite3_bind_text(s, (*param)++, hi, -1, SQLITE_TRANSIENT);
	}
	return 0;
}

int patient_search(struct store *st, const char *query, size_t limit, struct patient_hits *h)
{
	struct query q;
	char sql[3072];
	sqlite3_stmt *s;
	size_t drive = 0;
	int rc, param = 1;

	h->n = 0;
	h->truncated = 0;
	if (query_parse(query, &q) == 0)
		return recent(st, limit, h);
	for (size_t i = 1; i < q.n; i++)
		if (q.t[i].weight > q.t[drive].weight)
			drive = i;
	build_sql(&q, drive, sql, sizeof sql);
	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Recherche de patients");
	bind_term(s, &param, &q.t[drive]);
	for (size_t i = 0; i < q.n; i++)
		if (i != drive)
			bind_term(s, &param, &q.t[i]);
	sqlite3_bind_int64(s, param, (sqlite3_int64)limit + 1);
	rc = run(st, s, limit, h);
	sqlite3_finalize(s);
	return rc;
}
