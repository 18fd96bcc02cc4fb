/* bench_search: N generated patients; search latency, start-up, memory, terminal bytes of vigie. */
#include "store/db.h"
#include "names.h"
#include "session.h"
#include "store/patients.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define SEARCH_LIMIT PATIENT_SEARCH_LIMIT /* what screens/search.c asks for */
#define START_RUNS 10
#define DOWN_MOVES 10
#define MAX_QUERIES 64

struct options {
	const char *vigie;
	const char *db;
	long patients;
	unsigned long long seed;
};

static void usage(FILE *out)
{
	fputs("Usage: bench_search --vigie PATH [--patients N] [--db PATH] [--seed S]\n"
	      "  --vigie PATH    the vigie binary to run in a pseudo-terminal\n"
	      "  --patients N    patients to generate (default 100000)\n"
	      "  --db PATH       base to use; reused when it already holds N patients\n"
	      "                  (default: a new base in a temporary directory)\n"
	      "  --seed S        seed of the name generator (default 1)\n"
	      "Prints figures next to their targets; never fails on time.\n",
	      out);
}

static int parse_options(int argc, char **argv, struct options *o)
{
	memset(o, 0, sizeof *o);
	o->patients = 100000;
	o->seed = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end = NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			exit(0);
		}
		if (!v) {
			fprintf(stderr, "bench_search: unknown option or missing value: %s\n", a);
			return -1;
		}
		i++;
		if (!strcmp(a, "--vigie"))
			o->vigie = v;
		else if (!strcmp(a, "--db"))
			o->db = v;
		else if (!strcmp(a, "--patients"))
			o->patients = strtol(v, &end, 10);
		else if (!strcmp(a, "--seed"))
			o->seed = strtoull(v, &end, 10);
		else {
			fprintf(stderr, "bench_search: unknown option %s\n", a);
			return -1;
		}
		if (end && (*end || end == v)) {
			fprintf(stderr, "bench_search: %s expects a number, not '%s'\n", a, v);
			return -1;
		}
	}
	if (!o->vigie || o->patients < 1) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* ---- the base ------------------------------------------------------------------------- */

/* One transaction for all rows: per-row commits would time fsync, not the store. */
static int generate(struct store *st, long n, unsigned long long seed)
{
	struct patient p;
	double t0 = now_ms(), dt;
	int rc;

	patient_init(&p);
	if ((rc = store_begin(st)) != 0)
		goto fail;
	for (long i = 0; i < n; i++) {
		names_generate_patient(&seed, &p);
		if ((rc = patient_insert(st, &p)) != 0) {
			store_rollback(st);
			goto fail;
		}
	}
	if ((rc = store_commit(st)) != 0)
		goto fail;
	dt = (now_ms() - t0) / 1e3;
	printf("generation: %ld patients in %.1f s (%.0f patients/s)\n", n, dt, n / dt);
	patient_clear(&p);
	return 0;
fail:
	fprintf(stderr, "bench_search: cannot create the patients: %s\n", st->err);
	patient_clear(&p);
	return -1;
}

/* A base holding other patients is refused rather than emptied: it may be a real one. */
static int open_base(const struct options *o, const char *path, struct store **st)
{
	char err[512];
	long long count;

	if (store_open(path, STORE_OPEN_CREATE, st, err, sizeof err)) {
		fprintf(stderr, "bench_search: cannot open %s: %s\n", path, err);
		return -1;
	}
	store_set_user(*st, "bench");
	count = patient_count(*st);
	if (count == o->patients) {
		printf("generation: reusing %s (%lld patients)\n", path, count);
		return 0;
	}
	if (count != 0) {
		fprintf(stderr, "bench_search: %s already holds %lld patients, not %ld; "
			"give another --db file\n", path, count, o->patients);
		store_close(*st);
		*st = NULL;
		return -1;
	}
	if (generate(*st, o->patients, o->seed)) {
		store_close(*st);
		*st = NULL;
		return -1;
	}
	return 0;
}

/* ---- in-process search latency -------------------------------------------------------- */

/* Staff type in lower case; accented capitals are kept, the search folds them anyway. */
static void add_query(char q[][64], size_t *n, const char *text)
{
	char *d;

	if (*n >= MAX_QUERIES || !*text)
		return;
	d = q[(*n)++];
	snprintf(d, 64, "%s", text);
	for (; *d; d++)
		if ((unsigned char)*d < 0x80)
			*d = (char)tolower((unsigned char)*d);
}

/* First patient from id onwards who has a NIR: queries that exist whatever seed made the
 * base. Returns 0 when found (p to be cleared by the caller). */
static int patient_with_nir(struct store *st, long id, long patients, struct patient *p)
{
	for (; id <= patients; id++) {
		patient_clear(p);
		if (patient_get(st, id, p) == 0 && p->nir[0])
			return 0;
	}
	return -1;
}

static void add_patient_queries(struct store *st, char q[][64], size_t *n, long patients)
{
	struct patient p;
	char text[256];

	patient_init(&p);
	if (patient_with_nir(st, patients / 2, patients, &p) == 0) {
		snprintf(text, sizeof text, "%.13s", p.nir);   /* matricule without its key */
		add_query(q, n, text);
		snprintf(text, sizeof text, "%s %s", p.birth_name, p.first_name);
		add_query(q, n, text);
	}
	patient_clear(&p);
}

static size_t build_queries(struct store *st, char q[][64], long patients)
{
	size_t n = 0;

	/* Spread over the lists: the head holds the commonest names, the tail the rarer. */
	for (size_t i = 0; i < 24; i++)
		add_query(q, &n, names_surnames[i * names_surnames_count / 24]);
	for (size_t i = 0; i < 8; i++)
		add_query(q, &n, names_first_f[i * names_first_f_count / 8]);
	for (size_t i = 0; i < 8; i++)
		add_query(q, &n, names_first_m[i * names_first_m_count / 8]);
	add_query(q, &n, "12/03/1975");
	add_query(q, &n, "1975");
	add_query(q, &n, "martin marie");
	add_patient_queries(st, q, &n, patients);
	return n;
}

/* Timings of every keystroke, and split by how many characters the field then holds:
 * the first letters match most of the base, so they are where the cost lies. */
struct search_times {
	struct samples all, by_len[3];   /* 1 character, 2, 3 or more */
	size_t over;                     /* keystrokes over the 5 ms target */
	double worst;
	char worst_q[64];
};

/* Type q character by character (UTF-8 aware); t == NULL is the warm-up pass. */
static int type_query(struct store *st, const char *q, struct patient_hits *hits,
		      struct search_times *t)
{
	char prefix[64];
	size_t len = strlen(q), chars = 0;

	for (size_t k = 1; k <= len; k++) {
		double t0, dt;

		if (k < len && ((unsigned char)q[k] & 0xc0) == 0x80)
			continue;   /* inside a multibyte character: not a keystroke yet */
		chars++;
		memcpy(prefix, q, k);
		prefix[k] = '\0';
		t0 = now_ms();
		if (patient_search(st, prefix, SEARCH_LIMIT, hits)) {
			fprintf(stderr, "bench_search: search '%s' failed: %s\n", prefix, st->err);
			return -1;
		}
		dt = now_ms() - t0;
		if (!t)
			continue;
		samples_push(&t->all, dt);
		samples_push(&t->by_len[chars < 3 ? chars - 1 : 2], dt);
		t->over += dt > 5.0;
		if (dt > t->worst) {
			t->worst = dt;
			snprintf(t->worst_q, sizeof t->worst_q, "%s", prefix);
		}
	}
	return 0;
}

static void print_search_times(struct search_times *t, size_t nqueries)
{
	static const char *const len_name[3] = { "1 character", "2 characters",
						  "3+ characters" };

	printf("search keystrokes: %zu prefixes of %zu typed queries (limit %d rows)\n", t->all.n,
	       nqueries, SEARCH_LIMIT);
	printf("search p50: %.3f ms per keystroke\n", percentile(&t->all, 50));
	printf("search p99: %.3f ms per keystroke (target <= 5 ms)\n", percentile(&t->all, 99));
	printf("search max: %.3f ms per keystroke (query \"%s\")\n", t->worst, t->worst_q);
	printf("search keystrokes over 5 ms: %zu of %zu\n", t->over, t->all.n);
	for (int i = 0; i < 3; i++)
		printf("search p50/p99 with %s typed: %.3f / %.3f ms over %zu keystrokes\n",
		       len_name[i], percentile(&t->by_len[i], 50), percentile(&t->by_len[i], 99),
		       t->by_len[i].n);
}

static int bench_search(struct store *st, long patients)
{
	static char q[MAX_QUERIES][64];
	struct patient_hits hits = { 0 };
	struct search_times t = { 0 };
	size_t n = build_queries(st, q, patients);
	int rc = 0;

	for (size_t i = 0; i < n && !rc; i++)   /* warm-up: page cache and SQLite cache */
		rc = type_query(st, q[i], &hits, NULL);
	for (size_t i = 0; i < n && !rc; i++)
		rc = type_query(st, q[i], &hits, &t);
	if (!rc)
		print_search_times(&t, n);
	patient_hits_free(&hits);
	free(t.all.v);
	for (int i = 0; i < 3; i++)
		free(t.by_len[i].v);
	return rc;
}

/* ---- a vigie in a pseudo-terminal ------------------------------------------------------ */

static int start_vigie(struct session *s, const char *vigie, const char *db, const char *term,
		       const char *xdg)
{
	char *argv[] = { (char *)vigie, "--db", (char *)db, "--user", "bench", NULL };

	return session_start(s, argv, term, xdg, "bench");
}

/* ---- terminal figures ----------------------------------------------------------------- */

struct term_figures {
	struct samples paint;       /* fork to first paint, ms */
	size_t paint_bytes;
	long hwm_search_kib, hwm_end_kib;
	struct samples ttfb, ttq;   /* per keystroke: to first byte, to last byte, ms */
	struct samples down;        /* bytes per list line moved */
	size_t redraw_bytes;
};

static int start_runs(const char *vigie, const char *db, const char *term, const char *xdg,
		      struct term_figures *f)
{
	for (int i = 0; i < START_RUNS; i++) {
		struct session s;
		struct burst b;
		double ms;

		if (start_vigie(&s, vigie, db, term, xdg))
			return -1;
		if ((ms = wait_first_paint(&s)) < 0) {
			report_child_failure(&s, vigie, term);
			session_end(&s);
			return -1;
		}
		samples_push(&f->paint, ms);
		wait_quiet(&s, now_ms(), SESSION_QUIET_MS, SESSION_QUIET_MS, &b);
		if (i == 0)
			f->paint_bytes = s.len;
		session_end(&s);
	}
	return 0;
}

/* Type text one key at a time, as a person would, each key's output drained before the next. */
static void type_keys(struct session *s, const char *text, struct term_figures *f)
{
	for (const char *p = text; *p && !s->eof; p++) {
		char k[2] = { *p, '\0' };
		struct burst b;

		send_key(s, k, &b);
		if (b.first_ms >= 0) {
			samples_push(&f->ttfb, b.first_ms);
			samples_push(&f->ttq, b.last_ms);
		}
	}
}

/* Send a key whose bytes are counted. The clock on the status line changes once a minute
 * and would add its own bytes: a count that straddled a minute is taken again. */
static void send_counted(struct session *s, const char *k, struct burst *b)
{
	for (int tries = 0; tries < 2; tries++) {
		time_t minute = time(NULL) / 60;

		send_key(s, k, b);
		if (time(NULL) / 60 == minute)
			return;
	}
}

static void interactive_run(struct session *s, const char *nir, struct term_figures *f)
{
	static const char *const words[] = { "dupont", "12/03/1975", "bernard marie", "lefe" };
	struct burst b;

	type_keys(s, "martin", f);
	f->hwm_search_kib = vm_hwm_kib(s->pid);
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		send_key(s, "\025", &b);   /* C-u: empty field */
		type_keys(s, words[i], f);
	}
	if (nir[0]) {
		send_key(s, "\025", &b);
		type_keys(s, nir, f);
	}
	send_key(s, "\025", &b);
	type_keys(s, "ma", f);          /* hundreds of results: a full list */
	send_key(s, "\t", &b);          /* focus to the list: letters become commands */
	for (int i = 0; i < DOWN_MOVES && !s->eof; i++) {
		send_counted(s, "j", &b);
		samples_push(&f->down, (double)b.bytes);
	}
	send_counted(s, "\014", &b);    /* C-l: redraw everything */
	f->redraw_bytes = b.bytes;
	f->hwm_end_kib = vm_hwm_kib(s->pid);
}

static void print_term_figures(const char *term, struct term_figures *f)
{
	double sum = 0, max = 0;

	for (size_t i = 0; i < f->down.n; i++) {
		sum += f->down.v[i];
		max = f->down.v[i] > max ? f->down.v[i] : max;
	}
	printf("[%s] start to first paint median: %.1f ms (target <= 25 ms)\n", term,
	       percentile(&f->paint, 50));
	printf("[%s] start to first paint min: %.1f ms over %zu runs\n", term, f->paint.v[0],
	       f->paint.n);
	printf("[%s] first paint: %zu bytes\n", term, f->paint_bytes);
	printf("[%s] peak RSS after search \"martin\": %.2f MiB (target <= 8 MiB)\n", term,
	       f->hwm_search_kib / 1024.0);
	printf("[%s] peak RSS at end of session: %.2f MiB (target <= 8 MiB)\n", term,
	       f->hwm_end_kib / 1024.0);
	printf("[%s] keystroke to first byte p50: %.2f ms over %zu keys\n", term,
	       percentile(&f->ttfb, 50), f->ttfb.n);
	printf("[%s] keystroke to first byte p99: %.2f ms\n", term, percentile(&f->ttfb, 99));
	printf("[%s] keystroke to last byte p50: %.2f ms\n", term, percentile(&f->ttq, 50));
	printf("[%s] keystroke to last byte p99: %.2f ms\n", term, percentile(&f->ttq, 99));
	printf("[%s] one line down average: %.1f bytes (target <= 60 bytes)\n", term,
	       f->down.n ? sum / (double)f->down.n : -1);
	printf("[%s] one line down max: %.0f bytes over %zu moves (target <= 60 bytes)\n", term,
	       max, f->down.n);
	printf("[%s] full redraw: %zu bytes (target <= 2048 bytes)\n", term, f->redraw_bytes);
}

static int bench_terminal(const char *vigie, const char *db, const char *term, const char *xdg,
			  const char *nir)
{
	struct term_figures f = { 0 };
	struct session s;
	struct burst b;
	int rc = -1;

	if (start_runs(vigie, db, term, xdg, &f))
		goto out;
	if (start_vigie(&s, vigie, db, term, xdg))
		goto out;
	if (wait_first_paint(&s) < 0) {
		report_child_failure(&s, vigie, term);
		session_end(&s);
		goto out;
	}
	wait_quiet(&s, now_ms(), SESSION_QUIET_MS, SESSION_QUIET_MS, &b);
	interactive_run(&s, nir, &f);
	if (s.eof)
		fprintf(stderr, "bench_search: vigie (TERM=%s) ended during the session\n", term);
	session_end(&s);
	print_term_figures(term, &f);
	rc = 0;
out:
	free(f.paint.v);
	free(f.ttfb.v);
	free(f.ttq.v);
	free(f.down.v);
	return rc;
}

/* ---- main ------------------------------------------------------------------------------- */

/* The NIR typed in the terminal run: 13 digits of a real patient, read before the store closes. */
static void pick_nir(struct store *st, long patients, char *nir, size_t size)
{
	struct patient p;

	nir[0] = '\0';
	patient_init(&p);
	if (patient_with_nir(st, patients / 3, patients, &p) == 0)
		snprintf(nir, size, "%.13s", p.nir);
	patient_clear(&p);
}

static void remove_workdir(const char *dir, int own_db)
{
	static const char *const suffix[] = { "", "-wal", "-shm", "-journal" };
	char path[4200];

	for (size_t i = 0; own_db && i < sizeof suffix / sizeof suffix[0]; i++) {
		snprintf(path, sizeof path, "%s/bench.db%s", dir, suffix[i]);
		unlink(path);
	}
	rmdir(dir);
}

int main(int argc, char **argv)
{
	struct options o;
	struct store *st = NULL;
	char dir[4096], dbpath[4200], nir[16];
	const char *tmp = getenv("TMPDIR");
	int rc = 1;

	if (parse_options(argc, argv, &o))
		return 2;
	if (access(o.vigie, X_OK) != 0) {
		fprintf(stderr, "bench_search: cannot run %s: %s\n", o.vigie, strerror(errno));
		return 1;
	}
	/* The directory also serves as an empty XDG_CONFIG_HOME for the child. */
	snprintf(dir, sizeof dir, "%s/vigie-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "bench_search: mkdtemp %s: %s\n", dir, strerror(errno));
		return 1;
	}
	if (o.db)
		snprintf(dbpath, sizeof dbpath, "%s", o.db);
	else
		snprintf(dbpath, sizeof dbpath, "%s/bench.db", dir);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (open_base(&o, dbpath, &st))
		goto out;
	if (bench_search(st, o.patients))
		goto out;
	pick_nir(st, o.patients, nir, sizeof nir);
	store_close(st);   /* the child must not share a connection, nor compete with one */
	st = NULL;
	if (bench_terminal(o.vigie, dbpath, "xterm-256color", dir, nir) ||
	    bench_terminal(o.vigie, dbpath, "vt100", dir, nir))
		goto out;
	rc = 0;
out:
	if (st)
		store_close(st);
	remove_workdir(dir, !o.db);
	return rc;
}
