/* bench_insi_keys: per-key latency and lost keys in vigie while INSi answers take 5 s. */
#include "session.h"
#include "store/db.h"
#include "store/insi_store.h"
#include "store/patients.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define INSI_DELAY "insi=delay:5000"
#define PATIENT "ECETINSI"     /* demo identity, provisoire: opening it calls INSi by itself */
#define USER "bench"
#define PACE_MS 15.0           /* one key every 15 ms (66 keys/s): faster than any typist */
/* The answer to a key is drawn by one doupdate(), whose writes follow each other within
 * microseconds: 5 ms without a byte means the screen is quiet again. */
#define KEY_QUIET_MS 5.0
#define KEY_FIRST_MS 250.0     /* no byte within 250 ms: the key changed nothing on screen */
/* Once a character of a note draws nothing (the field shows no more), the next ones are given
 * this long: a key slower than that is still seen, its drawing lands on the next key. */
#define KEY_UNSEEN_MS 30.0
#define NOTE_CHARS 150
#define NOTE2_AT_MS 4000.0     /* the second note starts 4 s into the call: the answer lands
				* while it is being typed */
#define AFTER_ANSWER_MS 1000.0 /* keys go on for this long once the answer is in the base */
#define RUN_CAP_MS 20000.0     /* no answer after 20 s: stop sending keys anyway */
#define POLL_MS 20.0           /* how often the base is read to see the answer land */
#define MOVES_PER_HELP 8       /* j/k moves between two "? then Esc" */
#define LAST_KEYS_MIN 72       /* keys after note 2, at least: four rounds of moves and help */

static volatile sig_atomic_t interrupted;

/* What a key does; latencies are reported per group. */
enum group { G_OPEN, G_CHAR, G_ENTER, G_MOVE, G_HELP, G_ESC, G_COUNT };
static const char *const group_name[G_COUNT] = {
	"a (ouvre la saisie de note)", "caractères de la note", "Entrée (enregistre la note)",
	"j/k (liste des notes)", "? (aide)", "Échap (ferme l'aide)",
};

enum phase { P_OPEN, P_NOTE1, P_MOVES1, P_NOTE2, P_MOVES2 };
static const char *const phase_name[] = {
	"l'ouverture du dossier", "la saisie de la note 1", "les déplacements dans la liste",
	"la saisie de la note 2", "les déplacements après la note 2",
};

struct options {
	const char *vigie, *sim, *srcdir;
};

/* Paths of the temporary directory, shared by every run. */
struct setup {
	char dir[4096];
	char xdg[4200], certs[4200], conf[4200], log[4200];
	pid_t sim_pid;
	int port;
};

/* One TERM: its vigie, what was measured and what was seen. */
struct run {
	const char *term;
	struct session s;
	struct store *st;          /* read-only: the answer is seen landing in insi_answers */
	long long patient_id;
	struct insi_answer ans;
	enum phase phase, answer_phase;
	double t_open;             /* the Enter that opened the dossier: the INSi call starts */
	double t_answer;           /* when insi_answers got the row; < 0 not yet */
	double next_send, next_poll;
	int insi_pending_seen, answer_shown;
	size_t answer_from;        /* output offset when the answer was last not in the base */
	struct samples all, no_esc, group[G_COUNT];
	size_t sent, before_answer, after_answer, silent[G_COUNT];
	size_t unseen_from[2];     /* first note character that drew nothing (1-based), 0: none */
	size_t background_bytes, background_writes;
	char note[2][NOTE_CHARS * 4 + 1];
	int note_ok[2];
};

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void usage(FILE *out)
{
	fputs("Usage: bench_insi_keys --vigie PATH [--sim PATH] [--srcdir DIR]\n"
	      "  --vigie PATH    the vigie binary to run in a pseudo-terminal\n"
	      "  --sim PATH      vigie-sim (default: vigie-sim next to vigie)\n"
	      "  --srcdir DIR    source tree: scripts/make-certs.sh and the identities of\n"
	      "                  data/insi-sim-identities.tsv (default: .)\n"
	      "Types notes, list moves and help while INSi answers take 5 s; prints the latency\n"
	      "of every key and whether a key was lost. Never fails on time.\n",
	      out);
}

static int parse_options(int argc, char **argv, struct options *o, char *simbuf, size_t size)
{
	memset(o, 0, sizeof *o);
	o->srcdir = ".";
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--help") || !strcmp(a, "-h"))
			return 1;
		if (!v || (strcmp(a, "--vigie") && strcmp(a, "--sim") && strcmp(a, "--srcdir"))) {
			fprintf(stderr, "bench_insi_keys: unknown option or missing value: %s\n", a);
			return -1;
		}
		i++;
		*(!strcmp(a, "--vigie") ? &o->vigie : !strcmp(a, "--sim") ? &o->sim : &o->srcdir) = v;
	}
	if (!o->vigie)
		return -1;
	if (!o->sim) {   /* built next to vigie */
		const char *slash = strrchr(o->vigie, '/');
		snprintf(simbuf, size, "%.*svigie-sim", slash ? (int)(slash - o->vigie + 1) : 0,
			 o->vigie);
		o->sim = simbuf;
	}
	return 0;
}

/* ---- setup: commands, the simulator, the configuration ----------------------------------- */

/* Run argv (argv[0] looked up in PATH) with its output appended to log; 0 when it exits 0. */
static int run_cmd(char *const argv[], const struct setup *su)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(su->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		setenv("XDG_CONFIG_HOME", su->xdg, 1);
		execvp(argv[0], argv);
		fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* A failed set-up step: say which, and show what the commands printed. */
static void show_log(const struct setup *su, const char *what)
{
	char buf[2048];
	size_t n;
	FILE *f = fopen(su->log, "r");

	fprintf(stderr, "bench_insi_keys: %s failed\n", what);
	if (!f)
		return;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(f);
}

static int read_port(const char *path)
{
	FILE *f = fopen(path, "r");
	int port = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%d", &port) != 1)
		port = 0;
	fclose(f);
	return port;
}

static int port_listening(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	if (fd < 0)
		return 0;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	close(fd);
	return ok;
}

static void sim_exec(const struct options *o, const struct setup *su, const char *portfile)
{
	char cert[4300], key[4300], ids[4300];
	int fd = open(su->log, O_WRONLY | O_CREAT | O_APPEND, 0600);

	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
	snprintf(cert, sizeof cert, "%s/server.pem", su->certs);
	snprintf(key, sizeof key, "%s/server.key", su->certs);
	snprintf(ids, sizeof ids, "%s/data/insi-sim-identities.tsv", o->srcdir);
	execl(o->sim, "vigie-sim", "--port", "0", "--port-file", portfile, "--cert", cert,
	      "--key", key, "--identities", ids, "--fault", INSI_DELAY, (char *)NULL);
	fprintf(stderr, "cannot run %s: %s\n", o->sim, strerror(errno));
	_exit(127);
}

/* Start vigie-sim on a free loopback port, INSi answering after 5 s. */
static int sim_start(const struct options *o, struct setup *su)
{
	char portfile[4300];
	double deadline = now_ms() + SESSION_STEP_MS;

	snprintf(portfile, sizeof portfile, "%s/sim.port", su->dir);
	if ((su->sim_pid = fork()) < 0)
		return -1;
	if (su->sim_pid == 0)
		sim_exec(o, su, portfile);
	while (!(su->port = read_port(portfile)) || !port_listening(su->port)) {
		if (now_ms() > deadline || interrupted ||
		    waitpid(su->sim_pid, NULL, WNOHANG) == su->sim_pid) {
			su->port = 0;
			return -1;
		}
		usleep(20000);
	}
	return 0;
}

static void sim_stop(struct setup *su)
{
	double deadline = now_ms() + SESSION_STEP_MS;

	if (su->sim_pid <= 0)
		return;
	kill(su->sim_pid, SIGTERM);
	while (waitpid(su->sim_pid, NULL, WNOHANG) == 0) {
		if (now_ms() > deadline) {
			fprintf(stderr, "bench_insi_keys: vigie-sim did not stop, killed\n");
			kill(su->sim_pid, SIGKILL);
			waitpid(su->sim_pid, NULL, 0);
			break;
		}
		usleep(10000);
	}
	su->sim_pid = 0;
}

/* The [insi] section of tests/sim.sh: the simulator, its test CA and client certificate. */
static int write_config(const struct setup *su)
{
	FILE *f = fopen(su->conf, "w");

	if (!f)
		return -1;
	fprintf(f, "[insi]\nadresse = https://localhost:%d/lps\nca = %s/ca.pem\n"
		"certificat = %s/client.pem\ncle = %s/client.key\nidam = VIGIE-TEST-0001\n"
		"emetteur = cabinet.test@vigie.invalid\n"
		"instance = 6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f\n",
		su->port, su->certs, su->certs, su->certs);
	return fclose(f);
}

static int rm_entry(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

static int setup_start(const struct options *o, struct setup *su)
{
	char script[4300];
	char *certs_argv[] = { "sh", script, su->certs, NULL };

	snprintf(su->xdg, sizeof su->xdg, "%s/xdg", su->dir);
	snprintf(su->certs, sizeof su->certs, "%s/certs", su->dir);
	snprintf(su->conf, sizeof su->conf, "%s/vigie.conf", su->dir);
	snprintf(su->log, sizeof su->log, "%s/setup.log", su->dir);
	snprintf(script, sizeof script, "%s/scripts/make-certs.sh", o->srcdir);
	if (mkdir(su->xdg, 0700)) {
		fprintf(stderr, "bench_insi_keys: mkdir %s: %s\n", su->xdg, strerror(errno));
		return -1;
	}
	if (run_cmd(certs_argv, su)) {
		show_log(su, "scripts/make-certs.sh");
		return -1;
	}
	if (sim_start(o, su)) {
		show_log(su, "starting vigie-sim");
		return -1;
	}
	if (write_config(su)) {
		fprintf(stderr, "bench_insi_keys: cannot write %s\n", su->conf);
		return -1;
	}
	return 0;
}

/* ---- the keys ------------------------------------------------------------------------------ */

/* Exactly NOTE_CHARS characters of French text (UTF-8), not ending with a space. */
static void make_note(const char *text, char *out, size_t size)
{
	size_t n = 0, chars = 0, len = strlen(text), i = 0;

	while (chars < NOTE_CHARS && n + 5 < size) {
		out[n++] = text[i % len];
		i++;
		while (((unsigned char)text[i % len] & 0xc0) == 0x80)
			out[n++] = text[i++ % len];
		chars++;
	}
	out[n] = '\0';
	if (n && out[n - 1] == ' ')
		out[n - 1] = '.';
}

/* Read the base at most every POLL_MS: when did the INSi answer land? */
static void poll_answer(struct run *r)
{
	double now = now_ms();

	if (r->t_answer >= 0 || now < r->next_poll)
		return;
	r->next_poll = now + POLL_MS;
	if (insi_answer_latest(r->st, r->patient_id, &r->ans) == 0) {
		r->t_answer = now_ms();
		r->answer_phase = r->phase;
	} else {
		r->answer_from = r->s.len;
	}
}

/* Until the next key is due: read what vigie draws by itself, and watch the base. */
static void wait_turn(struct run *r)
{
	do {
		double until = r->next_send, got;

		poll_answer(r);
		if (r->t_answer < 0 && r->next_poll < until)
			until = r->next_poll;
		if ((got = (double)pump_until(&r->s, until)) > 0) {
			r->background_bytes += (size_t)got;
			r->background_writes++;
		}
	} while (now_ms() < r->next_send && !r->s.eof && !interrupted);
}

/* One key at the steady pace; its latency is the time until the screen is quiet again.
 * Returns 1 when the key drew nothing within first_ms, 0 when measured, -1 to stop. */
static int press(struct run *r, const char *k, enum group g, double first_ms)
{
	struct burst b;

	wait_turn(r);
	if (r->s.eof || interrupted)
		return -1;
	r->next_send = now_ms() + PACE_MS;
	if (send_key_timed(&r->s, k, first_ms, KEY_QUIET_MS, &b))
		return -1;
	r->sent++;
	if (r->t_answer < 0)
		r->before_answer++;
	else
		r->after_answer++;
	if (b.first_ms < 0) {
		r->silent[g]++;
		return 1;
	}
	samples_push(&r->all, b.last_ms);
	samples_push(&r->group[g], b.last_ms);
	if (g != G_ESC)
		samples_push(&r->no_esc, b.last_ms);
	return 0;
}

/* a, note i one character (one UTF-8 sequence) at a time, Enter. A field that does not
 * scroll draws nothing past its width: from the first character that drew nothing on, the
 * others are not waited for as long (the base tells whether they were all taken). */
static int type_note(struct run *r, int i)
{
	size_t chars = 0;

	if (press(r, "a", G_OPEN, KEY_FIRST_MS) < 0)
		return -1;
	for (const char *p = r->note[i]; *p;) {
		char k[8];
		size_t n = 1;
		int rc;

		while (n < sizeof k - 1 && ((unsigned char)p[n] & 0xc0) == 0x80)
			n++;
		memcpy(k, p, n);
		k[n] = '\0';
		p += n;
		chars++;
		rc = press(r, k, G_CHAR, r->unseen_from[i] ? KEY_UNSEEN_MS : KEY_FIRST_MS);
		if (rc < 0)
			return -1;
		if (rc > 0 && !r->unseen_from[i])
			r->unseen_from[i] = chars;
	}
	return press(r, "\r", G_ENTER, KEY_FIRST_MS) < 0 ? -1 : 0;
}

/* j/k in the notes list (the selection goes down and back up: every key moves it), and now
 * and then ? then Esc, until the time `until` — or, when until < 0, for LAST_KEYS_MIN keys
 * at least and until the answer has been in for AFTER_ANSWER_MS. */
static int moves(struct run *r, double until)
{
	for (unsigned i = 0;; i++) {
		double now = now_ms();

		if (now >= r->t_open + RUN_CAP_MS || (until >= 0 && now >= until) ||
		    (until < 0 && i >= LAST_KEYS_MIN && r->t_answer >= 0 &&
		     now >= r->t_answer + AFTER_ANSWER_MS))
			return 0;
		if (i % (2 * MOVES_PER_HELP + 2) < 2 * MOVES_PER_HELP) {
			if (press(r, i % 2 ? "k" : "j", G_MOVE, KEY_FIRST_MS) < 0)
				return -1;
		} else if (press(r, i % 2 ? "\033" : "?", i % 2 ? G_ESC : G_HELP,
				 KEY_FIRST_MS) < 0) {
			return -1;
		}
	}
}

/* ---- one run: a fresh demo base, vigie on a pty, the keys, the checks -------------------- */

static int find_patient(struct run *r)
{
	struct patient_hits h = { 0 };

	r->patient_id = 0;
	if (patient_search(r->st, "ecetinsi", 10, &h) == 0)
		for (size_t i = 0; i < h.n && !r->patient_id; i++)
			if (!strcmp(h.v[i].birth_name, PATIENT))
				r->patient_id = h.v[i].id;
	patient_hits_free(&h);
	return r->patient_id ? 0 : -1;
}

/* A new demo base for this run: the answer makes the identity récupérée, so a base is used
 * once. Opened read-only here to watch the answer land. */
static int make_base(struct run *r, const struct options *o, const struct setup *su,
		     char *db, size_t size)
{
	char err[512];
	char *argv[] = { (char *)o->vigie, "init", "--db", db, "--demo", NULL };

	snprintf(db, size, "%s/%s.db", su->dir, r->term);
	if (run_cmd(argv, su)) {
		show_log(su, "vigie init --demo");
		return -1;
	}
	if (store_open(db, STORE_OPEN_READONLY, &r->st, err, sizeof err)) {
		fprintf(stderr, "bench_insi_keys: cannot open %s: %s\n", db, err);
		return -1;
	}
	if (find_patient(r)) {
		fprintf(stderr, "bench_insi_keys: no %s in the demo base\n", PATIENT);
		return -1;
	}
	return 0;
}

/* Search, then Enter on the dossier: vigie starts the INSi call by itself. */
static int open_dossier(struct run *r)
{
	struct burst b;
	size_t from;

	for (const char *p = "ecetinsi"; *p; p++) {
		char k[2] = { *p, '\0' };
		send_key(&r->s, k, &b);
	}
	if (!session_shows(&r->s, 0, PATIENT)) {
		fprintf(stderr, "bench_insi_keys: [%s] the search did not show %s\n", r->term,
			PATIENT);
		return -1;
	}
	from = r->s.len;
	r->t_open = now_ms();
	send_key(&r->s, "\r", &b);
	if (!session_shows(&r->s, from, "Dossier")) {
		fprintf(stderr, "bench_insi_keys: [%s] Enter did not open the dossier\n", r->term);
		return -1;
	}
	r->insi_pending_seen = session_shows(&r->s, from, "interrogation en cours");
	return 0;
}

/* Note 1, moves until 4 s into the call, note 2 (the answer lands while it is typed), then
 * moves until the answer has been in for a second. */
static void drive(struct run *r)
{
	r->t_answer = -1;
	r->next_send = r->next_poll = now_ms();
	r->answer_from = r->s.len;
	r->phase = P_NOTE1;
	if (type_note(r, 0))
		return;
	r->phase = P_MOVES1;
	if (moves(r, r->t_open + NOTE2_AT_MS))
		return;
	r->phase = P_NOTE2;
	if (type_note(r, 1))
		return;
	r->phase = P_MOVES2;
	moves(r, -1);
}

/* The last two notes of the dossier, after "AAAA-MM-JJ HH:MM bench : ", are exactly what was
 * typed, in that order. */
static void check_notes(struct run *r)
{
	static const char tag[] = " " USER " : ";
	struct patient p;
	char *line[2] = { NULL, NULL };

	patient_init(&p);
	if (patient_get(r->st, r->patient_id, &p) == 0 && p.notes) {
		for (char *c = strtok(p.notes, "\n"); c; c = strtok(NULL, "\n")) {
			line[0] = line[1];
			line[1] = c;
		}
		for (int i = 0; i < 2; i++) {
			char *t = line[i] ? strstr(line[i], tag) : NULL;
			r->note_ok[i] = t && !strcmp(t + strlen(tag), r->note[i]);
			if (!r->note_ok[i])
				printf("[%s] note %d enregistrée : « %s »\n", r->term, i + 1,
				       line[i] ? line[i] : "(aucune)");
		}
	}
	patient_clear(&p);
}

/* ---- figures and verdicts ------------------------------------------------------------------ */

static const char *yes_no(int v)
{
	return v ? "oui" : "non";
}

static void print_latency(const char *term, const char *what, struct samples *s)
{
	printf("[%s] %s : %zu touches mesurées, p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", term,
	       what, s->n, percentile(s, 50), percentile(s, 99), samples_max(s));
}

/* Keys that drew nothing, outside the notes' characters: each should have changed the screen,
 * so one that did not may have been lost. */
static size_t silent_commands(const struct run *r)
{
	size_t n = 0;

	for (int g = 0; g < G_COUNT; g++)
		n += g == G_CHAR ? 0 : r->silent[g];
	return n;
}

static void print_keys(struct run *r, double seconds)
{
	printf("[%s] touches envoyées : %zu en %.1f s (une toutes les %.0f ms au plus), %zu avant "
	       "la réponse INSi, %zu après\n", r->term, r->sent, seconds, PACE_MS,
	       r->before_answer, r->after_answer);
	printf("[%s] touche → écran calme p50 : %.2f ms (Échap exclu)\n", r->term,
	       percentile(&r->no_esc, 50));
	printf("[%s] touche → écran calme p99 : %.2f ms (objectif ≤ 10 ms ; Échap exclu)\n",
	       r->term, percentile(&r->no_esc, 99));
	printf("[%s] touche → écran calme max : %.2f ms (Échap exclu)\n", r->term,
	       samples_max(&r->no_esc));
	print_latency(r->term, "toutes touches, Échap compris", &r->all);
	for (int g = 0; g < G_COUNT; g++)
		print_latency(r->term, group_name[g], &r->group[g]);
	printf("[%s] Échap : curses attend 25 ms une suite éventuelle avant de le livrer "
	       "(ESCDELAY de vigie)\n", r->term);
	for (int i = 0; i < 2; i++)
		if (r->unseen_from[i])
			printf("[%s] note %d : rien ne s'affiche à partir du caractère %zu (le champ ne "
			       "défile pas) ; le texte enregistré est vérifié dans la base\n", r->term,
			       i + 1, r->unseen_from[i]);
	printf("[%s] caractères de note sans changement d'écran : %zu\n", r->term,
	       r->silent[G_CHAR]);
	printf("[%s] autres touches sans changement d'écran en %.0f ms : %zu\n", r->term,
	       KEY_FIRST_MS, silent_commands(r));
	printf("[%s] écritures de vigie hors réponse à une touche : %zu (%zu octets : réponse "
	       "INSi, horloge)\n", r->term, r->background_writes, r->background_bytes);
	if (r->all.dropped)
		printf("[%s] mesures perdues faute de mémoire : %zu\n", r->term, r->all.dropped);
}

static void print_answer(struct run *r, int late)
{
	int during = r->t_answer >= 0 && r->before_answer && r->after_answer;

	printf("[%s] appel INSi en cours à l'ouverture du dossier : %s\n", r->term,
	       yes_no(r->insi_pending_seen));
	if (r->t_answer >= 0)
		printf("[%s] réponse INSi : CR %s en %ld ms (insi_answers), dans la base %.2f s après "
		       "l'ouverture, pendant %s\n", r->term, r->ans.outcome, r->ans.elapsed_ms,
		       (r->t_answer - r->t_open) / 1e3, phase_name[r->answer_phase]);
	else
		printf("[%s] réponse INSi : %s\n", r->term,
		       late ? "arrivée après la dernière touche" : "aucune dans la base");
	printf("[%s] réponse INSi arrivée pendant l'envoi des touches : %s\n", r->term,
	       yes_no(during));
	printf("[%s] réponse INSi annoncée à l'écran : %s\n", r->term, yes_no(r->answer_shown));
}

static void print_verdicts(struct run *r)
{
	for (int i = 0; i < 2; i++)
		printf("[%s] note %d intacte : %s (%d caractères tapés)\n", r->term, i + 1,
		       yes_no(r->note_ok[i]), NOTE_CHARS);
	printf("[%s] aucune touche perdue : %s\n", r->term,
	       yes_no(r->note_ok[0] && r->note_ok[1] && !silent_commands(r)));
}

/* ---- one TERM ------------------------------------------------------------------------------ */

static const char note1[] = "Consultation de suivi : tension 13/8, poids stable à 72 kg, pas "
	"de fièvre ; auscultation cardiaque et pulmonaire normale. Traitement renouvelé pour "
	"trois mois, bilan à jeun prévu. ";
static const char note2[] = "Appel pendant la réponse INSi : la patiente signale une allergie "
	"à la pénicilline (urticaire en 2019) ; à vérifier avec le pharmacien, à reporter dans "
	"le dossier. ";

/* Start vigie on the base, open the dossier, send the keys; fills r. -1: set-up failed. */
static int session_run(struct run *r, const struct options *o, const struct setup *su,
		       char *db, double *seconds)
{
	char *argv[] = { (char *)o->vigie, "--config", (char *)su->conf, "--db", db,
			 "--user", USER, NULL };
	struct burst b;
	double t;

	if (session_start(&r->s, argv, r->term, su->xdg, USER))
		return -1;
	if (wait_first_paint(&r->s) < 0) {
		report_child_failure(&r->s, o->vigie, r->term);
		return -1;
	}
	wait_quiet(&r->s, now_ms(), SESSION_QUIET_MS, SESSION_QUIET_MS, &b);
	if (open_dossier(r))
		return -1;
	t = now_ms();
	drive(r);
	*seconds = (now_ms() - t) / 1e3;
	if (interrupted || r->s.eof) {
		fprintf(stderr, "bench_insi_keys: [%s] %s\n", r->term,
			interrupted ? "interrupted" : "vigie ended during the keys");
		return -1;
	}
	r->answer_shown = session_shows(&r->s, r->answer_from, "écupérée") ||
			  session_shows(&r->s, r->answer_from, "trouvée");
	return 0;
}

static int run_term(const struct options *o, const struct setup *su, const char *term)
{
	struct run *r = calloc(1, sizeof *r);
	char db[4300];
	double seconds = 0;
	int rc = -1, late;

	if (!r)
		return -1;
	r->term = term;
	r->s.fd = -1;
	make_note(note1, r->note[0], sizeof r->note[0]);
	make_note(note2, r->note[1], sizeof r->note[1]);
	if (make_base(r, o, su, db, sizeof db) == 0 &&
	    session_run(r, o, su, db, &seconds) == 0) {
		session_end(&r->s);   /* vigie is gone: what the base holds is final */
		if (!WIFEXITED(r->s.status) || WEXITSTATUS(r->s.status))
			printf("[%s] vigie ne s'est pas terminé normalement (état %d)\n", r->term,
			       r->s.status);
		late = r->t_answer < 0 && insi_answer_latest(r->st, r->patient_id, &r->ans) == 0;
		print_keys(r, seconds);
		print_answer(r, late);
		check_notes(r);
		print_verdicts(r);
		rc = 0;
	}
	session_end(&r->s);
	if (r->st)
		store_close(r->st);
	samples_free(&r->all);
	samples_free(&r->no_esc);
	for (int g = 0; g < G_COUNT; g++)
		samples_free(&r->group[g]);
	free(r);
	return rc;
}

/* ---- main ---------------------------------------------------------------------------------- */

static int check_inputs(const struct options *o)
{
	char path[4300];
	const char *need[] = { o->vigie, o->sim };

	for (int i = 0; i < 2; i++)
		if (access(need[i], X_OK) != 0) {
			fprintf(stderr, "bench_insi_keys: cannot run %s: %s\n", need[i],
				strerror(errno));
			return -1;
		}
	snprintf(path, sizeof path, "%s/scripts/make-certs.sh", o->srcdir);
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "bench_insi_keys: %s: %s (give --srcdir)\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void catch_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;   /* no SA_RESTART: a waiting poll() returns at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

int main(int argc, char **argv)
{
	static const char *const terms[] = { "xterm-256color", "vt100" };
	struct options o;
	struct setup su = { 0 };
	const char *tmp = getenv("TMPDIR");
	char simbuf[4096];
	int rc;

	if ((rc = parse_options(argc, argv, &o, simbuf, sizeof simbuf)) != 0) {
		usage(rc > 0 ? stdout : stderr);
		return rc > 0 ? 0 : 2;
	}
	if (check_inputs(&o))
		return 1;
	snprintf(su.dir, sizeof su.dir, "%s/vigie-bench-insi-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(su.dir)) {
		fprintf(stderr, "bench_insi_keys: mkdtemp %s: %s\n", su.dir, strerror(errno));
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	catch_signals();
	printf("INSi : vigie-sim répond après 5000 ms (%s) ; dossier %s ; une touche toutes les "
	       "%.0f ms au plus\n", INSI_DELAY, PATIENT, PACE_MS);
	rc = setup_start(&o, &su);
	for (size_t i = 0; i < sizeof terms / sizeof terms[0] && !rc && !interrupted; i++)
		rc = run_term(&o, &su, terms[i]);
	sim_stop(&su);
	nftw(su.dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return rc || interrupted ? 1 : 0;
}
