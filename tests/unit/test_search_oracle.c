/* Search on a base large enough for every plan (narrow sets, broad walk): each answer is
 * checked against a brute-force scan of all patients. */
#include "store/db.h"
#include "store/patients.h"
#include "core/query.h"
#include "core/text.h"
#include "names.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PATIENTS 20000

static char dir[64], path[128];

struct row {
	long long id;
	char sort_key[400];
	char words[2048];
};

static struct row *rows;
static size_t nrows;

/* All patients in display order, with their inline terms. */
static void load_rows(struct store *st)
{
	sqlite3_stmt *s;

	rows = calloc(PATIENTS, sizeof *rows);
	ck_assert_ptr_nonnull(rows);
	ck_assert_int_eq(sqlite3_prepare_v2(st->db, "SELECT id, sort_key, words FROM patients"
					    " ORDER BY sort_key, id", -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW && nrows < PATIENTS) {
		rows[nrows].id = sqlite3_column_int64(s, 0);
		snprintf(rows[nrows].sort_key, sizeof rows[nrows].sort_key, "%s",
			 (const char *)sqlite3_column_text(s, 1));
		snprintf(rows[nrows].words, sizeof rows[nrows].words, "%s",
			 (const char *)sqlite3_column_text(s, 2));
		nrows++;
	}
	sqlite3_finalize(s);
}

/* Brute force: does a patient's term list meet every criterion of the query? */
static int matches(const struct row *r, const struct query *q)
{
	for (size_t i = 0; i < q->n; i++) {
		char pat[80];
		snprintf(pat, sizeof pat, " %s%s", q->t[i].lo, q->t[i].prefix ? "" : " ");
		if (!strstr(r->words, pat))
			return 0;
	}
	return 1;
}

static void check_query(struct store *st, const char *text)
{
	struct patient_hits h = { 0 };
	struct query q;
	size_t expected = 0, k = 0;

	query_parse(text, &q);
	ck_assert_int_eq(patient_search(st, text, PATIENT_SEARCH_LIMIT, &h), 0);
	/* The answer is exactly the first matches in display order... */
	for (size_t i = 0; i < nrows && k < h.n; i++) {
		if (!matches(&rows[i], &q))
			continue;
		ck_assert_msg(rows[i].id == h.v[k].id, "query \"%s\": hit %zu is %lld, expected %lld",
			      text, k, h.v[k].id, rows[i].id);
		k++;
	}
	ck_assert_uint_eq(k, h.n);
	for (size_t i = 0; i < nrows; i++)
		expected += matches(&rows[i], &q);
	/* ...complete unless it says otherwise. */
	if (!h.truncated)
		ck_assert_msg(h.n == expected, "query \"%s\": %zu hits, %zu expected", text, h.n,
			      expected);
	else
		ck_assert_msg(h.n < expected, "query \"%s\": truncated but complete", text);
	/* A full page is shown whenever there are that many matches, except when every word is
	 * very common (the walk), where the shortfall is said by truncated. */
	if (h.n < PATIENT_SEARCH_LIMIT && expected > h.n)
		ck_assert(h.truncated);
	patient_hits_free(&h);
}

START_TEST(search_matches_brute_force)
{
	static const char *const queries[] = {
		"m", "ma", "mar", "mart", "martin", "martin m", "martin marie", "marie martin",
		"jean", "jean m", "jean-l", "le", "le r", "le roux", "de la", "a", "z", "zy",
		"b 1975", "1975", "12/1975", "03/1975", "14/07", "dupont jean", "lefèvre",
		"LEFEVRE", "chloé", "e", "ne", "nicolas", "garcia", "rob", "fr", "fra",
		"françois", "x", "the", "mo ma", "pi",
		/* Every word very common at this size (each over the narrow bound): the walk. */
		"l m", "m l", "c m", "j l", "m", "l",
	};
	struct store *st;
	struct patient p;
	unsigned long long seed = 7;
	char err[256];

	snprintf(dir, sizeof dir, "/tmp/vigie-oracle.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/o.db", dir);
	ck_assert_int_eq(store_open(path, STORE_OPEN_CREATE, &st, err, sizeof err), 0);
	ck_assert_int_eq(store_begin(st), 0);
	for (int i = 0; i < PATIENTS; i++) {
		patient_init(&p);
		names_generate_patient(&seed, &p);
		ck_assert_int_eq(patient_insert(st, &p), 0);
	}
	ck_assert_int_eq(store_commit(st), 0);
	load_rows(st);
	for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++)
		check_query(st, queries[i]);
	/* Typing a NIR of the base, digit by digit. */
	{
		char nir[32];
		sqlite3_stmt *s;
		sqlite3_prepare_v2(st->db, "SELECT nir FROM patients WHERE nir <> '' LIMIT 1", -1, &s,
				   NULL);
		ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
		snprintf(nir, sizeof nir, "%s", (const char *)sqlite3_column_text(s, 0));
		sqlite3_finalize(s);
		for (size_t len = 5; len <= strlen(nir); len++) {
			char pre[32];
			snprintf(pre, sizeof pre, "%.*s", (int)len, nir);
			check_query(st, pre);
		}
	}
	free(rows);
	store_close(st);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("search oracle");
	TCase *tc = tcase_create("20000 patients");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, search_matches_brute_force);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
