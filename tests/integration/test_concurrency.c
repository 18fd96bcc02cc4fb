/* Two processes writing the same database at once: nothing lost, nothing half-written. */
#include "store/db.h"
#include "store/patients.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define ROUNDS 150

static char dir[64], path[128];
static long long shared_id;

static void make_patient(struct patient *p, const char *name, const char *first)
{
	patient_init(p);
	snprintf(p->birth_name, sizeof p->birth_name, "%s", name);
	snprintf(p->first_name, sizeof p->first_name, "%s", first);
	snprintf(p->birth_first_names, sizeof p->birth_first_names, "%s", first);
	snprintf(p->sex, sizeof p->sex, "F");
	snprintf(p->birth_date, sizeof p->birth_date, "1980-01-01");
}

/* One writer session: inserts, edits the shared dossier (reloading on conflict), appends
 * notes. Exit status: number of conflicts seen, capped, or 255 on a real error. */
static int writer(const char *login)
{
	struct store *st;
	char err[256];
	int conflicts = 0;

	if (store_open(path, 0, &st, err, sizeof err))
		return 255;
	store_set_user(st, login);
	for (int i = 0; i < ROUNDS; i++) {
		struct patient p, s;
		char first[32];

		snprintf(first, sizeof first, "Prenom%d", i);
		make_patient(&p, login, first);
		if (patient_insert(st, &p))
			return 255;
		for (;;) {
			patient_init(&s);
			if (patient_get(st, shared_id, &s))
				return 255;
			snprintf(s.phone, sizeof s.phone, "%s-%d", login, i);
			int rc = patient_update(st, &s);
			patient_clear(&s);
			if (rc == 0)
				break;
			if (rc != STORE_ERR_CONFLICT)
				return 255;
			conflicts++;
		}
		char note[64];
		snprintf(note, sizeof note, "note %s %d", login, i);
		if (patient_add_note(st, shared_id, note))
			return 255;
	}
	store_close(st);
	return conflicts > 200 ? 200 : conflicts;
}

static long long count(struct store *st, const char *sql)
{
	sqlite3_stmt *s;
	long long n = -1;

	sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

START_TEST(two_writers)
{
	struct store *st;
	struct patient p;
	char err[256];
	pid_t pids[2];
	int status;

	snprintf(dir, sizeof dir, "/tmp/vigie-conc.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/c.db", dir);
	ck_assert_int_eq(store_open(path, STORE_OPEN_CREATE, &st, err, sizeof err), 0);
	store_set_user(st, "setup");
	make_patient(&p, "PARTAGE", "Commun");
	ck_assert_int_eq(patient_insert(st, &p), 0);
	shared_id = p.id;
	store_close(st);

	for (int w = 0; w < 2; w++) {
		pids[w] = fork();
		ck_assert_int_ge(pids[w], 0);
		if (pids[w] == 0)
			_exit(writer(w ? "poste2" : "poste1"));
	}
	for (int w = 0; w < 2; w++) {
		ck_assert_int_eq(waitpid(pids[w], &status, 0), pids[w]);
		ck_assert(WIFEXITED(status));
		ck_assert_int_ne(WEXITSTATUS(status), 255);
	}

	ck_assert_int_eq(store_open(path, 0, &st, err, sizeof err), 0);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM patients"), 1 + 2 * ROUNDS);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM patients WHERE birth_name = 'POSTE1'")
			 + count(st, "SELECT count(*) FROM patients WHERE birth_name = 'poste1'"),
			 ROUNDS);
	/* Every update kept: version = 1 + the updates of both writers (notes do not count). */
	patient_init(&p);
	ck_assert_int_eq(patient_get(st, shared_id, &p), 0);
	ck_assert_int_eq(p.version, 1 + 2 * ROUNDS);
	/* No note lost: one line per append. */
	int lines = 1;
	for (const char *c = p.notes; *c; c++)
		lines += *c == '\n';
	ck_assert_int_eq(lines, 2 * ROUNDS);
	patient_clear(&p);
	/* One audit row per change, each in its writer's name. */
	ck_assert_int_eq(count(st, "SELECT count(*) FROM audit WHERE who = 'poste1'"), 3 * ROUNDS);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM audit WHERE who = 'poste2'"), 3 * ROUNDS);
	/* The search index follows every insert. */
	ck_assert_int_eq(count(st, "SELECT count(DISTINCT patient_id) FROM patient_terms"),
			 1 + 2 * ROUNDS);
	ck_assert_int_eq(count(st, "SELECT count(*) FROM pragma_integrity_check WHERE "
				   "integrity_check <> 'ok'"), 0);
	store_close(st);
	char cmd[160];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("concurrency");
	TCase *tc = tcase_create("two processes");
	SRunner *sr;
	int failed;

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, two_writers);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
