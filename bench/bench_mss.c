/* bench_mss: the MSSanté worklist of vigie with 20 000 received documents: time to paint it,
 * terminal bytes per line moved, and terminal bytes while a fetch stores 20 000 items. */
#include "core/kv.h"
#include "core/mss_wire.h"
#include "session.h"
#include "store/db.h"
#include "store/mss_store.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MOVES 200
#define DETAIL_MOVES 50
#define LOAD_WAIT_MS 600000.0    /* a fetch of 20 000 messages may take minutes on a slow disk */

struct options {
	const char *vigie;
	long items;
	int keep;
};

static void usage(FILE *out)
{
	fputs("Usage: bench_mss --vigie PATH [--items N] [--keep]\n"
	      "  --vigie PATH  the vigie binary to run in a pseudo-terminal\n"
	      "  --items N     received documents (default 20000)\n"
	      "  --keep        keep the temporary directory (bases, fake vigie-net)\n"
	      "Prints figures next to their targets; never fails on time.\n", out);
}

static int parse_options(int argc, char **argv, struct options *o)
{
	memset(o, 0, sizeof *o);
	o->items = 20000;
	for (int i = 1; i < argc; i++) {
		char *end = NULL;

		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			exit(0);
		} else if (!strcmp(argv[i], "--keep")) {
			o->keep = 1;
		} else if (!strcmp(argv[i], "--vigie") && i + 1 < argc) {
			o->vigie = argv[++i];
		} else if (!strcmp(argv[i], "--items") && i + 1 < argc) {
			o->items = strtol(argv[++i], &end, 10);
			if (*end || o->items < 1) {
				fprintf(stderr, "bench_mss: --items expects a positive number\n");
				return -1;
			}
		} else {
			fprintf(stderr, "bench_mss: unknown option or missing value: %s\n", argv[i]);
			return -1;
		}
	}
	if (!o->vigie) {
		usage(stderr);
		return -1;
	}
	return 0;
}

/* ---- synthetic messages ------------------------------------------------------------------ */

static const char *const families[] = { "MARTIN", "BERNARD", "DUBOIS", "THOMAS", "ROBERT",
	"RICHARD", "PETIT", "DURAND", "LEROY", "MOREAU", "SIMON", "LAURENT", "LEFÈVRE", "MICHEL",
	"GARCIA", "DAVID", "BERTRAND", "ROUX", "VINCENT", "FOURNIER" };
static const char *const givens[] = { "Marie", "Jean", "Chloé", "Pierre", "Léa", "Louis",
	"Emma", "Hugo", "Inès", "Jules", "Zoé", "Paul", "Anaïs", "Lucas", "Manon", "Nathan" };
static const struct { const char *code, *label; } types[] = {
	{ "11502-2", "CR d'examens biologiques" }, { "87273-9", "Note de vaccination" },
	{ "11488-4", "Compte rendu de consultation" }, { "34112-3", "Compte rendu "
	"d'hospitalisation" }, { "18748-4", "Compte rendu d'imagerie médicale" } };

#define COUNT(a) (sizeof a / sizeof a[0])

/* Message i as vigie-net would read it (no file is needed to store it). */
static int make_message(long i, const char *archive, struct mss_message *m)
{
	struct mss_doc *d;
	unsigned long h = (unsigned long)i * 2654435761u;
	size_t t = (size_t)(h >> 7) % COUNT(types);

	memset(m, 0, sizeof *m);
	snprintf(m->file, sizeof m->file, "%s/bench-%ld.eml", archive, i);
	snprintf(m->key, sizeof m->key, "1-%ld", i + 1);
	m->uid = i + 1;
	snprintf(m->message_id, sizeof m->message_id, "<bench-%ld@labo.mssante.fr>", i);
	if (i % 17 == 0) {
		snprintf(m->from, sizeof m->from, "2%014ld@patient.mssante.fr", i);
		m->sender = MSS_SENDER_PATIENT;
	} else {
		snprintf(m->from, sizeof m->from, "labo%lu@labo.mssante.fr", h % 40);
		snprintf(m->from_name, sizeof m->from_name, "Laboratoire n° %lu", h % 40);
		m->sender = MSS_SENDER_PRO;
	}
	snprintf(m->subject, sizeof m->subject, "Résultats %ld", i);
	snprintf(m->date, sizeof m->date, "2025%02ld%02ld%02ld%02ld00", 1 + i % 12, 1 + i % 28,
		 i % 24, i % 60);
	m->urgent = i % 50 == 0;
	m->size = 40000;
	snprintf(m->sha1, sizeof m->sha1, "%040lx", (unsigned long)i + 1);
	if (!(d = mss_message_add_doc(m)))
		return -1;
	d->seq = 1;
	d->kind = MSS_DOC_CDA;
	snprintf(d->name, sizeof d->name, "DOC0001.XML");
	snprintf(d->mime, sizeof d->mime, "text/xml");
	snprintf(d->action, sizeof d->action, "C");
	snprintf(d->h.id, sizeof d->h.id, "1.2.250.1.213.1.1.9^bench%ld", i);
	snprintf(d->h.set_id, sizeof d->h.set_id, "1.2.250.1.213.1.1.9^set%ld", i);
	d->h.version = 1;
	snprintf(d->h.code, sizeof d->h.code, "%s", types[t].code);
	snprintf(d->h.code_label, sizeof d->h.code_label, "%s", types[t].label);
	snprintf(d->h.title, sizeof d->h.title, "%s", types[t].label);
	snprintf(d->h.effective_time, sizeof d->h.effective_time, "%s", m->date);
	snprintf(d->h.care_date, sizeof d->h.care_date, "%.8s", m->date);
	/* INS that no dossier has: every item waits to be attached ("?") */
	snprintf(d->h.patient_ins, sizeof d->h.patient_ins, "1%014ld", 80000000000000L + i);
	snprintf(d->h.patient_oid, sizeof d->h.patient_oid, "1.2.250.1.213.1.4.8");
	snprintf(d->h.patient_family, sizeof d->h.patient_family, "%s",
		 families[h % COUNT(families)]);
	snprintf(d->h.patient_given, sizeof d->h.patient_given, "%s",
		 givens[(h >> 5) % COUNT(givens)]);
	snprintf(d->h.patient_given_all, sizeof d->h.patient_given_all, "%s", d->h.patient_given);
	snprintf(d->h.patient_birth, sizeof d->h.patient_birth, "19%02lu%02lu%02lu",
		 30 + h % 70, 1 + (h >> 3) % 12, 1 + (h >> 9) % 28);
	snprintf(d->h.patient_sex, sizeof d->h.patient_sex, "%s", h & 1 ? "F" : "M");
	snprintf(d->h.author, sizeof d->h.author, "Dr Biologiste %lu", h % 40);
	d->h.level = 3;
	d->h.abnormal = t == 0 ? (int)(h % 4) : -1;
	snprintf(d->sha1, sizeof d->sha1, "%040lx", (unsigned long)i + 7);
	d->size = 20000;
	return 0;
}

/* 20 000 items through the store's API (the same path as a fetch), in large transactions. */
static int build_base(const char *path, const char *archive, long n)
{
	struct store *st = NULL;
	struct mss_message m;
	char err[512];
	double t0 = now_ms();
	int rc = -1;

	if (store_open(path, STORE_OPEN_CREATE, &st, err, sizeof err)) {
		fprintf(stderr, "bench_mss: cannot open %s: %s\n", path, err);
		return -1;
	}
	store_set_user(st, "bench");
	/* A benchmark base: losing it to a power cut costs nothing. */
	sqlite3_exec(st->db, "PRAGMA synchronous=OFF", NULL, NULL, NULL);
	if (store_begin(st)) {
		fprintf(stderr, "bench_mss: %s\n", st->err);
		goto out;
	}
	for (long i = 0; i < n; i++) {
		long long msg_id;
		int stored, withdrawn;

		if (i > 0 && i % 1000 == 0 && (store_commit(st) || store_begin(st))) {
			fprintf(stderr, "bench_mss: %s\n", st->err);
			goto out;
		}
		if (make_message(i, archive, &m) ||
		    mss_receive(st, "bench@labo.mssante.fr:993/INBOX", &m, &msg_id, &stored,
				&withdrawn)) {
			fprintf(stderr, "bench_mss: message %ld: %s\n", i, st->err);
			mss_message_free(&m);
			store_rollback(st);
			goto out;
		}
		mss_message_free(&m);
	}
	if (store_commit(st)) {
		fprintf(stderr, "bench_mss: %s\n", st->err);
		goto out;
	}
	printf("base: %ld items stored through mss_receive in %.1f s\n", n, (now_ms() - t0) / 1e3);
	rc = 0;
out:
	store_close(st);
	return rc;
}

/* The reply "vigie-net mss" would give for n new messages, in a file, and a fake vigie-net
 * that prints it (VIGIE_NET is how vigie finds its helper). */
static int write_fake_net(const char *dir, const char *archive, long n, char *script,
			  size_t size)
{
	struct mss_reply r;
	struct kv_out o;
	char reply[4200];
	FILE *f;

	memset(&r, 0, sizeof r);
	r.rc = MSS_OK;
	r.uidvalidity = 1;
	r.last_uid = n;
	for (long i = 0; i < n; i++) {
		struct mss_message m;
		if (make_message(i, archive, &m) || mss_reply_add(&r, &m)) {
			mss_message_free(&m);
			mss_reply_free(&r);
			return -1;
		}
	}
	kv_out_init(&o, 1);
	if (mss_reply_format(&r, &o) || o.bad) {
		mss_reply_free(&r);
		kv_out_free(&o);
		return -1;
	}
	mss_reply_free(&r);
	snprintf(reply, sizeof reply, "%s/reply.txt", dir);
	snprintf(script, size, "%s/fake-vigie-net", dir);
	f = fopen(reply, "w");
	if (!f || fwrite(o.buf, 1, o.len, f) != o.len || fclose(f)) {
		kv_out_free(&o);
		return -1;
	}
	printf("fake vigie-net reply: %ld messages, %.1f MiB\n", n, o.len / 1048576.0);
	kv_out_free(&o);
	f = fopen(script, "w");
	if (!f)
		return -1;
	/* The request is read (a helper that closes its input early breaks the pipe). */
	fprintf(f, "#!/bin/sh\ncat >/dev/null\nexec cat '%s'\n", reply);
	if (fclose(f) || chmod(script, 0700))
		return -1;
	return 0;
}

/* ---- terminal figures ------------------------------------------------------------------- */

static int start(struct session *s, const char *vigie, const char *conf, const char *db,
		 const char *term, const char *xdg)
{
	char *argv[] = { (char *)vigie, "--config", (char *)conf, "--db", (char *)db, "--user",
			 "bench", NULL };

	if (session_start(s, argv, term, xdg, "bench"))
		return -1;
	if (wait_first_paint(s) < 0) {
		report_child_failure(s, vigie, term);
		session_end(s);
		return -1;
	}
	return 0;
}

/* A count that straddled a clock minute (the status line changes) is taken again. */
static void send_counted(struct session *s, const char *k, struct burst *b)
{
	for (int tries = 0; tries < 2; tries++) {
		time_t minute = time(NULL) / 60;

		send_key(s, k, b);
		if (time(NULL) / 60 == minute)
			return;
	}
}

/* Moves over 60 bytes: those that scroll the list write a whole new row. */
static size_t over(const struct samples *v, double limit)
{
	size_t n = 0;

	for (size_t i = 0; i < v->n; i++)
		n += v->v[i] > limit;
	return n;
}

static void moves(struct session *s, int n, struct samples *bytes)
{
	struct burst b;

	for (int i = 0; i < n && !s->eof; i++) {
		send_counted(s, i % 40 < 20 ? "j" : "k", &b);
		samples_push(bytes, (double)b.bytes);
	}
}

static int bench_worklist(const struct options *o, const char *conf, const char *db,
			  const char *term, const char *xdg)
{
	struct session s;
	struct burst b;
	struct samples mv = { 0 }, mvd = { 0 };
	size_t from;

	if (start(&s, o->vigie, conf, db, term, xdg))
		return -1;
	wait_quiet(&s, now_ms(), SESSION_QUIET_MS, SESSION_QUIET_MS, &b);
	from = s.len;
	send_key_timed(&s, "\026", SESSION_STEP_MS, SESSION_QUIET_MS, &b);   /* C-v */
	if (!session_shows(&s, from, "document(s)")) {
		fprintf(stderr, "bench_mss: [%s] the worklist did not open\n", term);
		session_end(&s);
		return -1;
	}
	printf("[%s] C-v to worklist painted (last byte): %.1f ms, first byte %.1f ms, %zu "
	       "bytes (target <= 100 ms)\n", term, b.last_ms, b.first_ms, b.bytes);
	moves(&s, MOVES, &mv);
	printf("[%s] bytes per line move: median %.0f, max %.0f over %zu moves, %zu over 60 "
	       "(scrolling writes the new row) (target <= 60)\n", term, percentile(&mv, 50),
	       samples_max(&mv), mv.n, over(&mv, 60));
	send_key(&s, "i", &b);
	printf("[%s] detail pane shown (i): %zu bytes\n", term, b.bytes);
	moves(&s, DETAIL_MOVES, &mvd);
	printf("[%s] bytes per line move with the detail pane: median %.0f, max %.0f over %zu "
	       "moves, %zu over 60\n", term, percentile(&mvd, 50), samples_max(&mvd), mvd.n,
	       over(&mvd, 60));
	send_key(&s, "i", &b);
	send_key(&s, "G", &b);
	printf("[%s] G (last of %ld): %zu bytes, %.1f ms\n", term, o->items, b.bytes, b.last_ms);
	session_end(&s);
	samples_free(&mv);
	samples_free(&mvd);
	return 0;
}

/* Fetch of n messages while the worklist is open: bytes written until the count shows. */
static int bench_load(const struct options *o, const char *conf, const char *db,
		      const char *term, const char *xdg)
{
	struct session s;
	struct burst b;
	char want[32];
	size_t from, before_last = 0;
	double t0;

	if (start(&s, o->vigie, conf, db, term, xdg))
		return -1;
	wait_quiet(&s, now_ms(), SESSION_QUIET_MS, SESSION_QUIET_MS, &b);
	send_key(&s, "\026", &b);   /* the worklist, empty */
	from = s.len;
	t0 = now_ms();
	if (write(s.fd, "R", 1) != 1) {
		session_end(&s);
		return -1;
	}
	snprintf(want, sizeof want, "%ld document(s)", o->items);
	while (!s.eof && now_ms() - t0 < LOAD_WAIT_MS && !session_shows(&s, from, want)) {
		before_last = s.len;
		pump(&s, 200);
	}
	pump_until(&s, now_ms() + 300);   /* the end of that frame */
	if (!session_shows(&s, from, want))
		printf("[%s] load: \"%s\" not shown after %.0f s\n", term, want,
		       (now_ms() - t0) / 1e3);
	printf("[%s] fetch of %ld messages with the worklist open: %.1f s, %zu bytes to the "
	       "terminal (target <= 3 KB): %zu while it ran, %zu for the final frame (the list "
	       "read again, counts, message)\n", term, o->items, (now_ms() - t0) / 1e3,
	       s.len - from, before_last - from, s.len - before_last);
	session_end(&s);
	return 0;
}

static int write_conf(const char *path, const char *archive, int with_mss)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	if (with_mss)
		fprintf(f, "[mss]\nadresse = imaps://127.0.0.1:9\nidentifiant = "
			"bench@labo.mssante.fr\nmot_de_passe = x\nintervalle = 0\n"
			"messages_par_releve = 10000\narchive = %s\n", archive);
	return fclose(f);
}

int main(int argc, char **argv)
{
	struct options o;
	char dir[4096], db[4200], db2[4200], archive[4200], archive2[4200], xdg[4200];
	char conf[4200], conf2[4200], script[4300], cmd[4400];
	const char *tmp = getenv("TMPDIR");
	int rc = 1;

	if (parse_options(argc, argv, &o))
		return 2;
	if (access(o.vigie, X_OK) != 0) {
		fprintf(stderr, "bench_mss: cannot run %s: %s\n", o.vigie, strerror(errno));
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(dir, sizeof dir, "%s/vigie-bench-mss-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		fprintf(stderr, "bench_mss: mkdtemp %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(db, sizeof db, "%s/worklist.db", dir);
	snprintf(db2, sizeof db2, "%s/load.db", dir);
	snprintf(archive, sizeof archive, "%s/archive", dir);
	snprintf(archive2, sizeof archive2, "%s/load.db.mss", dir);
	snprintf(xdg, sizeof xdg, "%s/xdg", dir);
	snprintf(conf, sizeof conf, "%s/none.conf", dir);
	snprintf(conf2, sizeof conf2, "%s/mss.conf", dir);
	if (mkdir(xdg, 0700) || mkdir(archive, 0700) || mkdir(archive2, 0700) ||
	    write_conf(conf, archive, 0) || write_conf(conf2, archive2, 1)) {
		fprintf(stderr, "bench_mss: cannot prepare %s: %s\n", dir, strerror(errno));
		goto out;
	}
	if (build_base(db, archive, o.items))
		goto out;
	if (bench_worklist(&o, conf, db, "xterm-256color", xdg) ||
	    bench_worklist(&o, conf, db, "vt100", xdg))
		goto out;
	/* The load: an empty base, a FETCH job whose vigie-net prints n messages. */
	if (write_fake_net(dir, archive2, o.items, script, sizeof script)) {
		fprintf(stderr, "bench_mss: cannot write the fake vigie-net reply\n");
		goto out;
	}
	setenv("VIGIE_NET", script, 1);
	if (build_base(db2, archive2, 0) || bench_load(&o, conf2, db2, "xterm-256color", xdg))
		goto out;
	rc = 0;
out:
	if (!o.keep) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "bench_mss: could not remove %s\n", dir);
	} else {
		printf("kept: %s\n", dir);
	}
	return rc;
}
