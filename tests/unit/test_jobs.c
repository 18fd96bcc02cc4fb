/* Unit tests of the background jobs (src/jobs): queue, workers with their own store, events, cancel, timeouts. */
#include <check.h>
#include <ftw.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "jobs/jobs.h"
#include "store/db.h"
#include "store/patients.h"

/* ---------------------------------------------------------------- helpers */

static char base_dir[64];
static char test_dir[128];
static char db_path[192];
static struct jobs *js;

static atomic_int frees;     /* free_arg calls */
static atomic_int ran;       /* flag_job calls */
static atomic_int sleeping;  /* sleep_job calls started */
static atomic_int woke;      /* sleep_job calls ended */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void base_setup(void)
{
	snprintf(base_dir, sizeof base_dir, "/tmp/vigie-test-jobs-XXXXXX");
	if (!mkdtemp(base_dir))
		abort();
}

static void base_teardown(void)
{
	nftw(base_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* A created database and two workers on it. */
static void jobs_setup(void)
{
	struct store *st = NULL;
	char err[256];

	snprintf(test_dir, sizeof test_dir, "%s/t-XXXXXX", base_dir);
	ck_assert_ptr_nonnull(mkdtemp(test_dir));
	snprintf(db_path, sizeof db_path, "%s/cabinet.db", test_dir);
	ck_assert_int_eq(store_open(db_path, STORE_OPEN_CREATE, &st, err, sizeof err), 0);
	store_close(st);
	atomic_store(&frees, 0);
	atomic_store(&ran, 0);
	atomic_store(&sleeping, 0);
	atomic_store(&woke, 0);
	js = NULL;
	ck_assert_int_eq(jobs_start(db_path, 2, "jdoe", &js, err, sizeof err), 0);
	ck_assert_ptr_nonnull(js);
}

static void jobs_teardown(void)
{
	jobs_stop(js);
	js = NULL;
	nftw(test_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

static void pause_ms(long ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&t, NULL);
}

/* Wait up to timeout_ms for one event, through the wake fd as the UI does. 1 if got one. */
static int wait_event(struct job_event *ev, long timeout_ms)
{
	long deadline = now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd = { .fd = jobs_wake_fd(js), .events = POLLIN };
		long left = deadline - now_ms();
		int r;

		if (jobs_take_events(js, ev, 1) == 1)
			return 1;
		if (left <= 0)
			return 0;
		r = poll(&pfd, 1, (int)left);
		ck_assert_int_ge(r, 0);
		if (r == 1 && jobs_take_events(js, ev, 1) == 1)
			return 1;
	}
}

/* Wait until a counter reaches n (workers picked the jobs up). */
static void wait_count(atomic_int *c, int n)
{
	long deadline = now_ms() + 3000;

	while (atomic_load(c) < n) {
		ck_assert_msg(now_ms() < deadline, "counter stuck at %d, expected %d",
			      atomic_load(c), n);
		pause_ms(2);
	}
}

/* free_arg runs on the worker just after the event is posted: wait for it, then check that
 * it was called exactly n times. */
static void wait_frees(int n)
{
	wait_count(&frees, n);
	pause_ms(20);
	ck_assert_int_eq(atomic_load(&frees), n);
}

/* Job argument: an integer and a text, freed by free_arg. */
struct arg {
	int value;
	char text[64];
};

static struct arg *new_arg(int value, const char *text)
{
	struct arg *a = calloc(1, sizeof *a);

	ck_assert_ptr_nonnull(a);
	a->value = value;
	snprintf(a->text, sizeof a->text, "%s", text ? text : "");
	return a;
}

static void free_arg(void *p)
{
	atomic_fetch_add(&frees, 1);
	free(p);
}

static int ok_job(struct job *j, struct store *st, void *p)
{
	struct arg *a = p;

	if (!st)
		return -99;
	job_set_message(j, "Terminé : %d (%s)", a->value, a->text);
	return 0;
}

static int fail_job(struct job *j, struct store *st, void *p)
{
	struct arg *a = p;

	(void)st;
	job_set_message(j, "Échec simulé");
	return a->value;
}

static int flag_job(struct job *j, struct store *st, void *p)
{
	(void)j;
	(void)st;
	(void)p;
	atomic_fetch_add(&ran, 1);
	return 0;
}

/* Sleeps arg->value ms (10 s by default), cooperatively. */
static int sleep_job(struct job *j, struct store *st, void *p)
{
	struct arg *a = p;
	int rc;

	(void)st;
	atomic_fetch_add(&sleeping, 1);
	rc = job_sleep(j, a ? a->value : 10000);
	atomic_fetch_add(&woke, 1);
	return rc ? -1 : 0;
}

/* Creates a patient with the worker's own store; its id in the message. */
static int insert_job(struct job *j, struct store *st, void *p)
{
	struct arg *a = p;
	struct patient pt;
	int rc;

	patient_init(&pt);
	snprintf(pt.birth_name, sizeof pt.birth_name, "%s", a->text);
	snprintf(pt.first_name, sizeof pt.first_name, "Alice");
	snprintf(pt.sex, sizeof pt.sex, "F");
	snprintf(pt.birth_date, sizeof pt.birth_date, "1990-04-01");
	rc = patient_insert(st, &pt);
	if (rc)
		job_set_message(j, "%s", st->err);
	else
		job_set_message(j, "%lld", pt.id);
	return rc;
}

static long long post(job_fn fn, struct arg *a, int kind, long long patient_id, int timeout_ms,
		      const char *label)
{
	struct job_spec spec = { .kind = kind, .patient_id = patient_id, .timeout_ms = timeout_ms,
				 .run = fn, .arg = a, .free_arg = free_arg, .label = label };
	long long id = jobs_post(js, &spec);

	ck_assert_int_gt(id, 0);
	return id;
}

/* ---------------------------------------------------------------- tests */

START_TEST(job_done_event)
{
	struct job_event ev;
	long long id = post(ok_job, new_arg(42, "bonjour"), 7, 1234, 0, "Essai");

	ck_assert(wait_event(&ev, 3000));
	ck_assert_int_eq(ev.job_id, id);
	ck_assert_int_eq(ev.status, JOB_DONE);
	ck_assert_int_eq(ev.kind, 7);
	ck_assert_int_eq(ev.patient_id, 1234);
	ck_assert_int_eq(ev.code, 0);
	ck_assert_str_eq(ev.message, "Terminé : 42 (bonjour)");
	ck_assert_int_ge(ev.elapsed_ms, 0);
	ck_assert_int_lt(ev.elapsed_ms, 3000);
	wait_frees(1);
	/* Nothing more, and the fd is not left readable. */
	ck_assert_uint_eq(jobs_take_events(js, &ev, 1), 0);
	{
		struct pollfd pfd = { .fd = jobs_wake_fd(js), .events = POLLIN };
		ck_assert_int_eq(poll(&pfd, 1, 0), 0);
	}
	ck_assert_int_eq(jobs_pending(js, NULL, 0), 0);
	/* Ids increase */
	ck_assert_int_gt(post(ok_job, new_arg(1, ""), 0, 0, 0, NULL), id);
}
END_TEST

START_TEST(job_failed_event)
{
	struct job_event ev;
	long long id = post(fail_job, new_arg(-42, ""), 3, 0, 5000, "INSi");

	ck_assert(wait_event(&ev, 3000));
	ck_assert_int_eq(ev.job_id, id);
	ck_assert_int_eq(ev.status, JOB_FAILED);
	ck_assert_int_eq(ev.code, -42);
	ck_assert_int_eq(ev.kind, 3);
	ck_assert_int_eq(ev.patient_id, 0);
	ck_assert_str_eq(ev.message, "Échec simulé");
	wait_frees(1);
}
END_TEST

START_TEST(job_several_events)
{
	struct job_event ev[8];
	size_t got = 0;
	long deadline = now_ms() + 3000;
	int seen = 0;

	for (int i = 0; i < 5; i++)
		post(ok_job, new_arg(i, "lot"), 100 + i, 0, 0, NULL);
	while (got < 5 && now_ms() < deadline) {
		struct pollfd pfd = { .fd = jobs_wake_fd(js), .events = POLLIN };
		poll(&pfd, 1, 100);
		got += jobs_take_events(js, ev + got, 8 - got);
	}
	ck_assert_uint_eq(got, 5);
	for (size_t i = 0; i < got; i++) {
		ck_assert_int_eq(ev[i].status, JOB_DONE);
		ck_assert(ev[i].kind >= 100 && ev[i].kind < 105);
		seen |= 1 << (ev[i].kind - 100);
	}
	ck_assert_int_eq(seen, 0x1f);
	wait_frees(5);
}
END_TEST

START_TEST(job_timeout)
{
	struct job_event ev;
	long t0 = now_ms();
	long long id = post(sleep_job, new_arg(10000, ""), 1, 5, 200, "INSi");

	ck_assert(wait_event(&ev, 3000));
	ck_assert_int_lt(now_ms() - t0, 1000);
	ck_assert_int_eq(ev.job_id, id);
	ck_assert_int_eq(ev.status, JOB_TIMEOUT);
	ck_assert_int_eq(ev.code, -1);
	ck_assert_int_ge(ev.elapsed_ms, 190);
	ck_assert_int_lt(ev.elapsed_ms, 1000);
	ck_assert_ptr_nonnull(strstr(ev.message, "délai dépassé"));
	ck_assert_int_eq(atomic_load(&woke), 1);
	wait_frees(1);
}
END_TEST

/* A job that finishes its work in time is not a timeout even with a deadline. */
START_TEST(job_within_timeout)
{
	struct job_event ev;

	post(sleep_job, new_arg(50, ""), 1, 0, 2000, "Court");
	ck_assert(wait_event(&ev, 3000));
	ck_assert_int_eq(ev.status, JOB_DONE);
	ck_assert_int_eq(ev.code, 0);
	ck_assert_int_ge(ev.elapsed_ms, 45);
}
END_TEST

START_TEST(job_cancel_running)
{
	struct job_event ev;
	long long id = post(sleep_job, NULL, 2, 9, 0, "INSi");
	long t0;

	wait_count(&sleeping, 1);
	t0 = now_ms();
	ck_assert_int_eq(jobs_cancel(js, id), 0);
	ck_assert(wait_event(&ev, 2000));
	ck_assert_int_lt(now_ms() - t0, 500);
	ck_assert_int_eq(ev.job_id, id);
	ck_assert_int_eq(ev.status, JOB_CANCELLED);
	ck_assert_int_eq(ev.kind, 2);
	ck_assert_int_eq(ev.patient_id, 9);
	ck_assert_str_eq(ev.message, "INSi : tâche annulée");
	wait_frees(1);
	/* Gone: cancelling again or an unknown id finds nothing. */
	ck_assert_int_eq(jobs_cancel(js, id), -1);
	ck_assert_int_eq(jobs_cancel(js, id + 100), -1);
}
END_TEST

START_TEST(job_cancel_queued)
{
	struct job_event ev;
	char label[32];
	long long a, b, q;

	a = post(sleep_job, NULL, 1, 0, 0, "Premier");
	b = post(sleep_job, NULL, 1, 0, 0, "Second");
	wait_count(&sleeping, 2);
	q = post(flag_job, new_arg(0, ""), 4, 77, 0, "Attente");
	ck_assert_int_eq(jobs_pending(js, label, sizeof label), 3);
	ck_assert(strcmp(label, "Premier") == 0 || strcmp(label, "Second") == 0);

	ck_assert_int_eq(jobs_cancel(js, q), 0);
	ck_assert(wait_event(&ev, 1000));
	ck_assert_int_eq(ev.job_id, q);
	ck_assert_int_eq(ev.status, JOB_CANCELLED);
	ck_assert_int_eq(ev.kind, 4);
	ck_assert_int_eq(ev.patient_id, 77);
	ck_assert_str_eq(ev.message, "Attente : tâche annulée");
	wait_frees(1);
	ck_assert_int_eq(jobs_pending(js, NULL, 0), 2);
	ck_assert_int_eq(jobs_cancel(js, q), -1);

	/* The sleepers are still there; end them. */
	ck_assert_int_eq(jobs_cancel(js, a), 0);
	ck_assert_int_eq(jobs_cancel(js, b), 0);
	for (int i = 0; i < 2; i++) {
		ck_assert(wait_event(&ev, 2000));
		ck_assert_int_eq(ev.status, JOB_CANCELLED);
		ck_assert(ev.job_id == a || ev.job_id == b);
	}
	ck_assert_int_eq(jobs_pending(js, label, sizeof label), 0);
	ck_assert_str_eq(label, "");
	/* The cancelled queued job never ran, and no worker picks it up later. */
	pause_ms(100);
	ck_assert_int_eq(atomic_load(&ran), 0);
	wait_frees(3);
	ck_assert_uint_eq(jobs_take_events(js, &ev, 1), 0);
}
END_TEST

/* The job queue is FIFO: with both workers busy, queued jobs start in order once freed. */
START_TEST(job_queue_drains)
{
	struct job_event ev;
	long long a, b;

	a = post(sleep_job, NULL, 1, 0, 0, "A");
	b = post(sleep_job, NULL, 1, 0, 0, "B");
	wait_count(&sleeping, 2);
	for (int i = 0; i < 3; i++)
		post(flag_job, NULL, 10 + i, 0, 0, NULL);
	ck_assert_int_eq(jobs_pending(js, NULL, 0), 5);
	pause_ms(50);
	ck_assert_int_eq(atomic_load(&ran), 0);
	ck_assert_int_eq(jobs_cancel(js, a), 0);
	ck_assert(wait_event(&ev, 2000));
	ck_assert_int_eq(ev.job_id, a);
	for (int i = 0; i < 3; i++) {
		ck_assert(wait_event(&ev, 2000));
		ck_assert_int_eq(ev.status, JOB_DONE);
		ck_assert_int_eq(ev.kind, 10 + i);
	}
	ck_assert_int_eq(atomic_load(&ran), 3);
	ck_assert_int_eq(jobs_pending(js, NULL, 0), 1);
	ck_assert_int_eq(jobs_cancel(js, b), 0);
	ck_assert(wait_event(&ev, 2000));
	ck_assert_int_eq(ev.job_id, b);
	/* free_arg is called for every job, NULL arg included. */
	wait_frees(5);
}
END_TEST

START_TEST(job_writes_with_own_store)
{
	struct job_event ev;
	struct store *st = NULL;
	struct patient p;
	char err[256], sql[160];
	long long pid;
	sqlite3_stmt *s;

	post(insert_job, new_arg(0, "JOBTEST"), 8, 0, 5000, "Création");
	ck_assert(wait_event(&ev, 3000));
	ck_assert_msg(ev.status == JOB_DONE, "status %d: %s", ev.status, ev.message);
	pid = atoll(ev.message);
	ck_assert_int_gt(pid, 0);

	ck_assert_int_eq(store_open(db_path, 0, &st, err, sizeof err), 0);
	ck_assert_int_eq(patient_count(st), 1);
	patient_init(&p);
	ck_assert_int_eq(patient_get(st, pid, &p), 0);
	ck_assert_str_eq(p.birth_name, "JOBTEST");
	patient_clear(&p);
	/* Audited as the user given to jobs_start */
	snprintf(sql, sizeof sql, "SELECT who FROM audit WHERE action = 'patient.create' AND"
		 " entity_id = %lld", pid);
	ck_assert_int_eq(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "jdoe");
	sqlite3_finalize(s);

	/* Jobs run while the main thread holds its own connection open. */
	post(insert_job, new_arg(0, "JOBDEUX"), 8, 0, 5000, "Création");
	ck_assert(wait_event(&ev, 3000));
	ck_assert_int_eq(ev.status, JOB_DONE);
	ck_assert_int_eq(patient_count(st), 2);
	store_close(st);
}
END_TEST

START_TEST(job_free_arg_at_stop)
{
	long t0;

	post(sleep_job, new_arg(10000, ""), 1, 0, 0, "A");
	post(sleep_job, new_arg(10000, ""), 1, 0, 0, "B");
	wait_count(&sleeping, 2);
	for (int i = 0; i < 3; i++)
		post(flag_job, new_arg(i, ""), 2, 0, 0, NULL);
	ck_assert_int_eq(jobs_pending(js, NULL, 0), 5);

	t0 = now_ms();
	jobs_stop(js);
	js = NULL;
	ck_assert_int_lt(now_ms() - t0, 1000);
	ck_assert_int_eq(atomic_load(&frees), 5);
	ck_assert_int_eq(atomic_load(&woke), 2);
	ck_assert_int_eq(atomic_load(&ran), 0);
}
END_TEST

START_TEST(job_stop_idle)
{
	struct job_event ev;

	struct job_spec spec = { .kind = 9, .run = flag_job }; /* no arg, no free_arg */

	post(ok_job, new_arg(1, ""), 0, 0, 0, NULL);
	ck_assert(wait_event(&ev, 3000));
	ck_assert_int_gt(jobs_post(js, &spec), 0);
	ck_assert(wait_event(&ev, 3000));
	ck_assert_int_eq(ev.kind, 9);
	ck_assert_int_eq(ev.status, JOB_DONE);
	ck_assert_int_eq(atomic_load(&ran), 1);
	jobs_stop(js);
	js = NULL;
	ck_assert_int_eq(atomic_load(&frees), 1);
	jobs_stop(NULL);
}
END_TEST

/* Workers that cannot open the base fail each job with the reason, not crash. */
START_TEST(job_missing_database)
{
	struct job_event ev;
	char err[256], missing[256];

	jobs_stop(js);
	snprintf(missing, sizeof missing, "%s/absent.db", test_dir);
	ck_assert_int_eq(jobs_start(missing, 1, "jdoe", &js, err, sizeof err), 0);
	post(flag_job, new_arg(0, ""), 6, 0, 0, "Essai");
	ck_assert(wait_event(&ev, 3000));
	ck_assert_int_eq(ev.status, JOB_FAILED);
	ck_assert_int_ne(ev.code, 0);
	ck_assert_ptr_nonnull(strstr(ev.message, "introuvable"));
	ck_assert_int_eq(atomic_load(&ran), 0);
	wait_frees(1);
	ck_assert_int_eq(access(missing, F_OK), -1);
}
END_TEST

/* A job cancelled before it ran has no return value: its event must not carry the code
 * of some earlier job (the event ring slot is reused). */
START_TEST(job_cancel_queued_code)
{
	struct job_event ev;
	long long q;

	post(fail_job, new_arg(-42, ""), 0, 0, 0, NULL);
	ck_assert(wait_event(&ev, 3000));
	ck_assert_int_eq(ev.code, -42);
	/* Go round the event ring once (256 slots) with successful jobs. */
	for (int i = 0; i < 255; i++) {
		post(ok_job, new_arg(i, ""), 0, 0, 0, NULL);
		ck_assert(wait_event(&ev, 3000));
		ck_assert_int_eq(ev.code, 0);
	}
	post(sleep_job, NULL, 1, 0, 0, "A");
	post(sleep_job, NULL, 1, 0, 0, "B");
	wait_count(&sleeping, 2);
	q = post(flag_job, NULL, 4, 0, 0, NULL);
	ck_assert_int_eq(jobs_cancel(js, q), 0);
	ck_assert(wait_event(&ev, 1000));
	ck_assert_int_eq(ev.job_id, q);
	ck_assert_int_eq(ev.status, JOB_CANCELLED);
	ck_assert_int_eq(ev.code, 0);
}
END_TEST

/* ---------------------------------------------------------------- suite */

static Suite *jobs_suite(void)
{
	Suite *s = suite_create("jobs");
	TCase *tc = tcase_create("jobs");

	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, jobs_setup, jobs_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, job_done_event);
	tcase_add_test(tc, job_failed_event);
	tcase_add_test(tc, job_several_events);
	tcase_add_test(tc, job_timeout);
	tcase_add_test(tc, job_within_timeout);
	tcase_add_test(tc, job_cancel_running);
	tcase_add_test(tc, job_cancel_queued);
	tcase_add_test(tc, job_queue_drains);
	tcase_add_test(tc, job_writes_with_own_store);
	tcase_add_test(tc, job_free_arg_at_stop);
	tcase_add_test(tc, job_stop_idle);
	tcase_add_test(tc, job_missing_database);
	tcase_add_test(tc, job_cancel_queued_code);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(jobs_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
