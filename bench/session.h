/* Benchmarks' shared code: a vigie child on a pseudo-terminal, keys, timed screen updates. */
#ifndef VIGIE_BENCH_SESSION_H
#define VIGIE_BENCH_SESSION_H

#include <stddef.h>
#include <sys/types.h>

#define SESSION_QUIET_MS 150.0       /* no byte for this long: the program has finished drawing */
#define SESSION_FIRST_BYTE_MS 2000.0 /* a slow search may take long before its first byte */
#define SESSION_STEP_MS 5000.0       /* no step may wait longer: a benchmark never hangs */

/* Milliseconds on the monotonic clock. */
double now_ms(void);

/* Measured values, for nearest-rank percentiles. */
struct samples {
	double *v;
	size_t n, cap;
	size_t dropped;   /* values lost to an allocation failure (reported, never hidden) */
};

/* Append v; -1 (and dropped counted) when memory runs out. */
int samples_push(struct samples *s, double v);
/* Nearest-rank percentile: a value that was really measured, never an interpolation.
 * Sorts the samples. -1 when there is no sample. */
double percentile(struct samples *s, unsigned pct);
double samples_max(const struct samples *s);
void samples_free(struct samples *s);

/* One child on a pseudo-terminal and everything it wrote. */
struct session {
	pid_t pid;
	int fd;
	double t0;        /* ms, just before the fork */
	char *out;
	size_t len, cap;
	int eof;
	char user[64];    /* the --user given to vigie: its status line ends with "user HH:MM" */
	int status;       /* waitpid() status once session_end() reaped the child, else -1 */
};

/* What one key press caused: bytes, and when the first and last of them came. */
struct burst {
	size_t bytes;
	double first_ms, last_ms;   /* from the write; first_ms < 0 when nothing came */
};

/*
 * Run argv (argv[0] is the program's path, NULL-terminated) on a new 80x24 pseudo-terminal,
 * in the same environment on every machine: TERM=term, LANG=C.UTF-8, XDG_CONFIG_HOME=xdg, no
 * LC_ALL/LC_CTYPE/LINES/COLUMNS/NO_COLOR/ESCDELAY. user is the login the status line shows.
 * Returns 0, or -1 with a message on stderr.
 */
int session_start(struct session *s, char *const argv[], const char *term, const char *xdg,
		  const char *user);

/* Wait up to wait_ms for output and append it; returns the bytes read (0: nothing yet). */
size_t pump(struct session *s, double wait_ms);

/* Read whatever comes until the time deadline_ms (now_ms() clock); returns the bytes read. */
size_t pump_until(struct session *s, double deadline_ms);

/* Milliseconds from the fork to the first paint (the clock of the status line), or -1
 * (timeout, child gone). */
double wait_first_paint(struct session *s);

/* Read until quiet; times are from t_send. The first byte may take first_wait_ms, then the
 * screen is taken as drawn after quiet_ms without a byte. Bounded by SESSION_STEP_MS. */
void wait_quiet(struct session *s, double t_send, double first_wait_ms, double quiet_ms,
		struct burst *b);

/* Write the bytes of one key (the child's output is drained if it blocks); fills b when not
 * NULL, waiting as wait_quiet does. Returns 0, or -1 when the terminal cannot be written. */
int send_key_timed(struct session *s, const char *k, double first_wait_ms, double quiet_ms,
		   struct burst *b);
/* send_key_timed with SESSION_FIRST_BYTE_MS and SESSION_QUIET_MS. */
int send_key(struct session *s, const char *k, struct burst *b);

/* Does the visible text written since offset from (escape sequences and control bytes left
 * out) contain text? Curses writes new text whole, but may put escapes between its cells. */
int session_shows(const struct session *s, size_t from, const char *text);

/* Ask vigie to quit with C-c ("q" would be typed into a field), then make sure it is gone:
 * never leave a child behind (status tells how it ended). Frees the output. */
void session_end(struct session *s);

/* Peak resident set (VmHWM) of a live process, in KiB; -1 if unreadable. */
long vm_hwm_kib(pid_t pid);

/* What the child printed when it failed before its first screen, control bytes shown as ^. */
void report_child_failure(const struct session *s, const char *prog, const char *term);

#endif
