/* Benchmarks' shared code: a vigie child on a pseudo-terminal, keys, timed screen updates. */
#include "session.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Messages name the benchmark that runs this code (glibc, _GNU_SOURCE). */
#define PROG program_invocation_short_name

double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- samples ---------------------------------------------------------------------------- */

int samples_push(struct samples *s, double v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		double *nv = realloc(s->v, cap * sizeof *nv);
		if (!nv) {
			s->dropped++;
			return -1;
		}
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double percentile(struct samples *s, unsigned pct)
{
	size_t rank;

	if (!s->n)
		return -1;
	qsort(s->v, s->n, sizeof *s->v, cmp_double);
	rank = (pct * s->n + 99) / 100;
	return s->v[rank ? rank - 1 : 0];
}

double samples_max(const struct samples *s)
{
	double max = -1;

	for (size_t i = 0; i < s->n; i++)
		max = s->v[i] > max ? s->v[i] : max;
	return max;
}

void samples_free(struct samples *s)
{
	free(s->v);
	memset(s, 0, sizeof *s);
}

/* ---- the child -------------------------------------------------------------------------- */

static void child_exec(char *const argv[], const char *term, const char *xdg)
{
	/* Same environment on every machine: no user configuration, keys or colour switch. */
	setenv("TERM", term, 1);
	setenv("LANG", "C.UTF-8", 1);
	setenv("XDG_CONFIG_HOME", xdg, 1);
	unsetenv("LC_ALL");
	unsetenv("LC_CTYPE");
	unsetenv("LINES");
	unsetenv("COLUMNS");
	unsetenv("NO_COLOR");
	unsetenv("ESCDELAY");
	execv(argv[0], argv);
	fprintf(stderr, "%s: cannot run %s: %s\n", PROG, argv[0], strerror(errno));
	_exit(127);
}

int session_start(struct session *s, char *const argv[], const char *term, const char *xdg,
		  const char *user)
{
	struct winsize ws = { .ws_row = 24, .ws_col = 80 };

	memset(s, 0, sizeof s[0]);
	s->status = -1;
	snprintf(s->user, sizeof s->user, "%s", user);
	s->fd = -1;
	s->t0 = now_ms();
	s->pid = forkpty(&s->fd, NULL, NULL, &ws);
	if (s->pid < 0) {
		fprintf(stderr, "%s: forkpty: %s\n", PROG, strerror(errno));
		return -1;
	}
	if (s->pid == 0)
		child_exec(argv, term, xdg);
	fcntl(s->fd, F_SETFL, fcntl(s->fd, F_GETFL) | O_NONBLOCK);
	return 0;
}

size_t pump(struct session *s, double wait_ms)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	size_t got = 0;
	ssize_t r;

	if (s->eof || poll(&pfd, 1, wait_ms < 0 ? 0 : (int)wait_ms + 1) <= 0)
		return 0;
	for (;;) {
		if (s->cap - s->len < 4096) {
			size_t cap = s->cap ? s->cap * 2 : 65536;
			char *o = realloc(s->out, cap);
			if (!o)
				return got;
			s->out = o;
			s->cap = cap;
		}
		r = read(s->fd, s->out + s->len, s->cap - s->len);
		if (r > 0) {
			s->len += (size_t)r;
			got += (size_t)r;
		} else {
			/* EIO: every slave descriptor closed, the child is gone. */
			if (r == 0 || (errno != EAGAIN && errno != EINTR))
				s->eof = 1;
			return got;
		}
	}
}

size_t pump_until(struct session *s, double deadline_ms)
{
	size_t got = 0;
	double left;

	/* poll() takes whole milliseconds: the last fraction is waited with a zero timeout. */
	while (!s->eof && (left = deadline_ms - now_ms()) > 0)
		got += pump(s, left >= 1 ? left - 1 : 0);
	return got;
}

/* ---- reading the screen ----------------------------------------------------------------- */

/* Length of the escape or control sequence at p (0 if p is a printable byte). */
static size_t control_len(const char *p, const char *end)
{
	const char *q = p + 1;

	if ((unsigned char)*p >= 0x20 && *p != 0x7f)
		return 0;
	if (*p != '\033' || q >= end)
		return 1;
	if (*q == '[') {   /* CSI: parameters, then a final byte @..~ */
		for (q++; q < end && !(*q >= 0x40 && *q <= 0x7e); q++)
			;
		return (size_t)(q < end ? q + 1 - p : end - p);
	}
	if (*q == '(' || *q == ')' || *q == '#')   /* charset designation: ESC ( B */
		return (size_t)(q + 1 < end ? 3 : end - p);
	return 2;
}

/* The first paint ends with the status line: "user HH:MM" at the bottom right. The last
 * character sits in the bottom-right corner, which curses writes with a trick (autowrap off,
 * insert mode...): escape sequences may split the clock, so only visible bytes count. */
static int has_clock(const struct session *s)
{
	const char *p, *end;
	char who[80];
	size_t wlen = (size_t)snprintf(who, sizeof who, "%s ", s->user);

	if (!s->out)   /* nothing read yet; memmem() must not be given NULL */
		return 0;
	p = s->out;
	end = s->out + s->len;
	while ((p = memmem(p, (size_t)(end - p), who, wlen)) != NULL) {
		const char *c = p + wlen;
		char vis[5];
		size_t n = 0, skip;

		while (c < end && n < 5) {
			if ((skip = control_len(c, end)) > 0) {
				c += skip;
				continue;
			}
			vis[n++] = *c++;
		}
		if (n == 5 && isdigit((unsigned char)vis[0]) && isdigit((unsigned char)vis[1]) &&
		    vis[2] == ':' && isdigit((unsigned char)vis[3]) && isdigit((unsigned char)vis[4]))
			return 1;
		p++;
	}
	return 0;
}

int session_shows(const struct session *s, size_t from, const char *text)
{
	const char *p, *end;
	char *vis;
	size_t n = 0, skip;
	int found;

	if (!s->out)
		return 0;
	p = s->out + (from < s->len ? from : s->len);
	end = s->out + s->len;
	if (!(vis = malloc((size_t)(end - p) + 1)))
		return 0;
	while (p < end) {
		if ((skip = control_len(p, end)) > 0)
			p += skip;
		else
			vis[n++] = *p++;
	}
	vis[n] = '\0';
	found = memmem(vis, n, text, strlen(text)) != NULL;
	free(vis);
	return found;
}

double wait_first_paint(struct session *s)
{
	double deadline = s->t0 + SESSION_STEP_MS;

	while (!has_clock(s)) {
		double left = deadline - now_ms();
		if (left <= 0 || s->eof)
			return -1;
		pump(s, left);
	}
	return now_ms() - s->t0;
}

void wait_quiet(struct session *s, double t_send, double first_wait_ms, double quiet_ms,
		struct burst *b)
{
	size_t before = s->len;
	double last = t_send;

	b->first_ms = b->last_ms = -1;
	while (!s->eof) {
		double now = now_ms();
		double limit = b->first_ms < 0 ? first_wait_ms : quiet_ms;
		double wait = last + limit - now;

		if (wait <= 0 || now - t_send >= SESSION_STEP_MS)
			break;
		if (pump(s, wait) > 0) {
			last = now_ms();
			if (b->first_ms < 0)
				b->first_ms = last - t_send;
			b->last_ms = last - t_send;
		}
	}
	b->bytes = s->len - before;
}

/* ---- keys -------------------------------------------------------------------------------- */

int send_key_timed(struct session *s, const char *k, double first_wait_ms, double quiet_ms,
		   struct burst *b)
{
	size_t n = strlen(k), off = 0;
	double t = now_ms();

	while (off < n) {
		ssize_t w = write(s->fd, k + off, n - off);
		if (w < 0 && errno != EAGAIN && errno != EINTR)
			return -1;
		if (w < 0)
			pump(s, 10);   /* the child is blocked on output: drain it */
		else
			off += (size_t)w;
	}
	if (b)
		wait_quiet(s, t, first_wait_ms, quiet_ms, b);
	return 0;
}

int send_key(struct session *s, const char *k, struct burst *b)
{
	return send_key_timed(s, k, SESSION_FIRST_BYTE_MS, SESSION_QUIET_MS, b);
}

void session_end(struct session *s)
{
	double deadline = now_ms() + SESSION_STEP_MS;
	int status = 0;
	pid_t r = 0;

	if (s->pid > 0) {
		if (!s->eof)
			send_key(s, "\003", NULL);
		while ((r = waitpid(s->pid, &status, WNOHANG)) == 0 && now_ms() < deadline)
			if (!pump(s, 20) && s->eof)
				usleep(5000);
		if (r == 0) {
			fprintf(stderr, "%s: vigie did not quit on C-c, killed\n", PROG);
			kill(s->pid, SIGKILL);
			waitpid(s->pid, &status, 0);
		}
		s->status = status;
	}
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	free(s->out);
	s->out = NULL;
	s->pid = 0;
}

long vm_hwm_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	FILE *f;

	snprintf(path, sizeof path, "/proc/%ld/status", (long)pid);
	if (!(f = fopen(path, "r")))
		return -1;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

void report_child_failure(const struct session *s, const char *prog, const char *term)
{
	if (s->eof)
		fprintf(stderr, "%s: %s (TERM=%s) ended before its first screen", PROG, prog, term);
	else
		fprintf(stderr, "%s: %s (TERM=%s) did not paint its first screen within %.0f s",
			PROG, prog, term, SESSION_STEP_MS / 1e3);
	if (s->len) {
		fputs("; it wrote:\n", stderr);
		for (size_t i = 0; i < s->len && i < 2000; i++)
			fputc(s->out[i] == '\033' ? '^' : s->out[i], stderr);
	}
	fputc('\n', stderr);
}
