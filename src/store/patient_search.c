/* Type-ahead patient search: narrow criteria start from the term index, broad ones walk the
 * patients in display order. */
#include "store/patients.h"
#include "core/identity.h"
#include "core/query.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HIT_COLS "p.id, p.birth_name, p.used_name, p.first_name, p.used_first_name, p.sex," \
	" p.birth_date, p.id_status, p.attr_homonyme, p.attr_douteuse, p.attr_fictive"

/*
 * Every keystroke runs one search; each criterion's rows in the term index are first counted
 * up to SET_MAX (a cheap index range).
 *  - Criteria with at most SET_MAX rows are "narrow". The narrowest drives: its rows, which
 *    carry the sort key, are read sorted; the other narrow criteria are id sets (binary
 *    search); a broad criterion is tested on the candidate's inline terms (one primary-key
 *    read). Candidates are taken in display order and the search stops at the limit, so the
 *    result is complete and exact.
 *  - When every criterion is broad (a letter or two of common names), the covering index
 *    patients_walk is read in display order, each row tested on its inline terms, up to
 *    WALK_MAX rows: what is found is exactly the first matches; if the walk stopped early
 *    the result says "précisez".
 * bench/bench_search measures both on 100 000 patients.
 */
#define SET_MAX 5000
#define WALK_MAX 12000

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

/* Step a statement whose rows are HIT_COLS into h; one row more than limit sets truncated. */
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

/* Rows of the term index under one criterion, counted up to cap. */
static long capped_count(struct store *st, const struct query_term *t, int cap)
{
	char hi[72];
	sqlite3_stmt *s;
	long n = -1;
	int rc = sqlite3_prepare_v2(st->db, t->prefix
		? "SELECT count(*) FROM (SELECT 1 FROM patient_terms WHERE term >= ?1 AND term < ?2"
		  " LIMIT ?3)"
		: "SELECT count(*) FROM (SELECT 1 FROM patient_terms WHERE term = ?1 LIMIT ?2)",
		-1, &s, NULL);

	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Recherche de patients");
	sqlite3_bind_text(s, 1, t->lo, -1, SQLITE_STATIC);
	if (t->prefix) {
		query_prefix_end(t->lo, hi, sizeof hi);
		sqlite3_bind_text(s, 2, hi, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int(s, t->prefix ? 3 : 2, cap);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	else
		n = store_fail(st, rc, "Recherche de patients");
	sqlite3_finalize(s);
	return n;
}

/* The substring a patient's words must contain for a criterion: " n:mar" for a prefix,
 * " d:19751231 " for an exact term. */
static void pattern(const struct query_term *t, char *out, size_t size)
{
	snprintf(out, size, " %s%s", t->lo, t->prefix ? "" : " ");
}

/* Fetch the rows of ids, in that order. */
static int fetch_hits(struct store *st, const long long *ids, size_t n, struct patient_hits *h)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, "SELECT " HIT_COLS " FROM patients p WHERE p.id = ?1",
				    -1, &s, NULL);

	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Recherche de patients");
	for (size_t i = 0; i < n && !rc; i++) {
		sqlite3_reset(s);
		sqlite3_bind_int64(s, 1, ids[i]);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			rc = 0;
			if (push_hit(h, s)) {
				snprintf(st->err, sizeof st->err,
					 "Mémoire insuffisante pour la recherche");
				rc = STORE_ERR;
			}
		} else if (rc == SQLITE_DONE) {
			rc = 0;   /* removed meanwhile by another session: skip it */
		} else {
			rc = store_fail(st, rc, "Recherche de patients");
		}
	}
	sqlite3_finalize(s);
	return rc;
}

static int broad(struct store *st, const struct query *q, size_t limit, struct patient_hits *h)
{
	char pat[QUERY_MAX_TERMS][80];
	long long *ids = malloc((limit + 1) * sizeof *ids);
	size_t n = 0, walked = 0;
	sqlite3_stmt *s;
	int rc;

	if (!ids) {
		snprintf(st->err, sizeof st->err, "Mémoire insuffisante pour la recherche");
		return STORE_ERR;
	}
	for (size_t i = 0; i < q->n; i++)
		pattern(&q->t[i], pat[i], sizeof pat[i]);
	/* The covering index gives rows in display order without touching the table; the
	 * test is on the patient's inline terms. */
	rc = sqlite3_prepare_v2(st->db, "SELECT id, words FROM patients INDEXED BY patients_walk"
				" ORDER BY sort_key, id", -1, &s, NULL);
	if (rc != SQLITE_OK) {
		free(ids);
		return store_fail(st, rc, "Recherche de patients");
	}
	while (n <= limit && walked < WALK_MAX && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *words = (const char *)sqlite3_column_text(s, 1);
		size_t i = 0;

		walked++;
		while (i < q->n && words && strstr(words, pat[i]))
			i++;
		if (i == q->n)
			ids[n++] = sqlite3_column_int64(s, 0);
	}
	if (n <= limit && walked < WALK_MAX && rc != SQLITE_DONE) {
		rc = store_fail(st, rc, "Recherche de patients");
	} else {
		/* Stopped by the limit, or by the walk bound before the end: more may exist. */
		h->truncated = n > limit || (walked == WALK_MAX && sqlite3_step(s) == SQLITE_ROW);
		rc = fetch_hits(st, ids, n > limit ? limit : n, h);
	}
	sqlite3_finalize(s);
	free(ids);
	return rc;
}

static int cmp_id(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

/* Ids of a narrow criterion, sorted, for membership tests. */
static int id_set(struct store *st, const struct query_term *t, long long **out, size_t *n)
{
	char hi[72];
	sqlite3_stmt *s;
	long long *v = malloc((SET_MAX + 1) * sizeof *v);
	int rc = sqlite3_prepare_v2(st->db, t->prefix
		? "SELECT patient_id FROM patient_terms WHERE term >= ?1 AND term < ?2 LIMIT ?3"
		: "SELECT patient_id FROM patient_terms WHERE term = ?1 LIMIT ?2", -1, &s, NULL);

	*n = 0;
	if (rc != SQLITE_OK || !v) {
		free(v);
		if (rc == SQLITE_OK)
			sqlite3_finalize(s);
		return rc == SQLITE_OK ? STORE_ERR : store_fail(st, rc, "Recherche de patients");
	}
	sqlite3_bind_text(s, 1, t->lo, -1, SQLITE_STATIC);
	if (t->prefix) {
		query_prefix_end(t->lo, hi, sizeof hi);
		sqlite3_bind_text(s, 2, hi, -1, SQLITE_STATIC);
	}
	sqlite3_bind_int(s, t->prefix ? 3 : 2, SET_MAX + 1);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW && *n <= SET_MAX)
		v[(*n)++] = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		free(v);
		return store_fail(st, rc, "Recherche de patients");
	}
	qsort(v, *n, sizeof *v, cmp_id);
	*out = v;
	return 0;
}

struct plan {
	const struct query *q;
	long count[QUERY_MAX_TERMS];    /* rows, capped at SET_MAX + 1 */
	long long *set[QUERY_MAX_TERMS]; /* sorted ids of narrow criteria */
	size_t nset[QUERY_MAX_TERMS];
	char pat[QUERY_MAX_TERMS][80];   /* inline-terms pattern of each criterion */
	size_t drive;
	sqlite3_stmt *words;             /* inline terms by (sort_key, id) */
};

/* Does candidate id meet every criterion but the driving one? */
static int candidate_ok(struct plan *pl, long long id, sqlite3_stmt *row)
{
	const char *w = NULL;
	int broad_checked = 0;

	for (size_t i = 0; i < pl->q->n; i++) {
		if (i == pl->drive)
			continue;
		if (pl->set[i]) {
			if (!bsearch(&id, pl->set[i], pl->nset[i], sizeof id, cmp_id))
				return 0;
			continue;
		}
		if (!broad_checked) {
			/* Read lazily: only candidates that passed the id sets cost a lookup, in
			 * the compact covering index rather than the wide patients rows. */
			sqlite3_reset(pl->words);
			sqlite3_bind_value(pl->words, 1, sqlite3_column_value(row, 1));
			sqlite3_bind_int64(pl->words, 2, id);
			w = sqlite3_step(pl->words) == SQLITE_ROW
				    ? (const char *)sqlite3_column_text(pl->words, 0) : NULL;
			broad_checked = 1;
		}
		if (!w || !strstr(w, pl->pat[i]))
			return 0;
	}
	return 1;
}

static int narrow(struct store *st, struct plan *pl, size_t limit, struct patient_hits *h)
{
	const struct query_term *d = &pl->q->t[pl->drive];
	long long *ids = malloc((limit + 1) * sizeof *ids), last = 0;
	size_t n = 0;
	char hi[72];
	sqlite3_stmt *s = NULL;
	int rc;

	if (!ids) {
		snprintf(st->err, sizeof st->err, "Mémoire insuffisante pour la recherche");
		return STORE_ERR;
	}
	rc = sqlite3_prepare_v2(st->db, "SELECT words FROM patients INDEXED BY patients_walk"
				" WHERE sort_key = ?1 AND id = ?2", -1, &pl->words, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(st->db, d->prefix
			? "SELECT patient_id, sort_key FROM patient_terms WHERE term >= ?1"
			  " AND term < ?2 ORDER BY sort_key, patient_id"
			: "SELECT patient_id, sort_key FROM patient_terms WHERE term = ?1"
			  " ORDER BY sort_key, patient_id", -1, &s, NULL);
	if (rc != SQLITE_OK) {
		rc = store_fail(st, rc, "Recherche de patients");
		sqlite3_finalize(pl->words);
		free(ids);
		return rc;
	}
	sqlite3_bind_text(s, 1, d->lo, -1, SQLITE_STATIC);
	if (d->prefix) {
		query_prefix_end(d->lo, hi, sizeof hi);
		sqlite3_bind_text(s, 2, hi, -1, SQLITE_STATIC);
	}
	while (n <= limit && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		long long id = sqlite3_column_int64(s, 0);
		/* One patient matching through several words gives adjacent rows. */
		if ((n && id == last) || !candidate_ok(pl, id, s))
			continue;
		ids[n++] = last = id;
	}
	sqlite3_finalize(s);
	sqlite3_finalize(pl->words);
	if (n <= limit && rc != SQLITE_DONE) {
		free(ids);
		return store_fail(st, rc, "Recherche de patients");
	}
	h->truncated = n > limit;
	rc = fetch_hits(st, ids, n > limit ? limit : n, h);
	free(ids);
	return rc;
}

int patient_search(struct store *st, const char *query, size_t limit, struct patient_hits *h)
{
	struct query q;
	struct plan pl = { .q = &q };
	int rc = 0, any_narrow = 0;

	h->n = 0;
	h->truncated = 0;
	if (query_parse(query, &q) == 0)
		return recent(st, limit, h);
	for (size_t i = 0; i < q.n; i++) {
		pl.count[i] = capped_count(st, &q.t[i], SET_MAX + 1);
		if (pl.count[i] < 0)
			return (int)pl.count[i];
		if (pl.count[i] == 0)
			return 0;
		pattern(&q.t[i], pl.pat[i], sizeof pl.pat[i]);
		if (pl.count[i] <= SET_MAX && (!any_narrow || pl.count[i] < pl.count[pl.drive])) {
			pl.drive = i;
			any_narrow = 1;
		}
	}
	if (!any_narrow)
		return broad(st, &q, limit, h);
	for (size_t i = 0; i < q.n && !rc; i++)
		if (i != pl.drive && pl.count[i] <= SET_MAX)
			rc = id_set(st, &q.t[i], &pl.set[i], &pl.nset[i]);
	if (!rc)
		rc = narrow(st, &pl, limit, h);
	for (size_t i = 0; i < q.n; i++)
		free(pl.set[i]);
	return rc;
}
