/* Terminal layer over ncursesw: init/restore, signals, styles, UTF-8 or ASCII text output. */
#include "ui/ui.h"
#include "ui/keys.h"
#include "core/text.h"

#include <curses.h>
#include <term.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>

static int sig_pipe[2] = { -1, -1 };
static int active;
static int utf8;
static int colour;
static struct termios saved_tio;
static int have_saved_tio;
/* Escape strings to put the terminal back from a crash handler (async-signal-safe write). */
static char crash_reset[256];
static size_t crash_reset_len;
static attr_t style_attr[ST_COUNT];

static void on_signal(int sig)
{
	int saved = errno;
	unsigned char b = (unsigned char)sig;
	ssize_t w = write(sig_pipe[1], &b, 1);

	(void)w;
	errno = saved;
}

static void on_crash(int sig)
{
	if (active) {
		ssize_t w = write(STDOUT_FILENO, crash_reset, crash_reset_len);
		(void)w;
		if (have_saved_tio)
			tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void append_cap(const char *cap)
{
	char *s = tigetstr(cap);
	size_t n;

	if (!s || s == (char *)-1)
		return;
	n = strlen(s);
	if (crash_reset_len + n < sizeof crash_reset) {
		memcpy(crash_reset + crash_reset_len, s, n);
		crash_reset_len += n;
	}
}

static void init_styles(void)
{
	static const struct { short fg, bg; attr_t extra; attr_t mono; } def[ST_COUNT] = {
		[ST_NORMAL] = { -1, -1, 0, A_NORMAL },
		[ST_TITLE] = { COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE },
		[ST_STATUS] = { COLOR_BLACK, COLOR_CYAN, 0, A_REVERSE },
		[ST_LABEL] = { -1, -1, 0, A_NORMAL },
		[ST_FIELD] = { -1, -1, A_UNDERLINE, A_UNDERLINE },
		[ST_FOCUS] = { COLOR_BLACK, COLOR_YELLOW, 0, A_REVERSE },
		[ST_MARKER] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD },
		[ST_OK] = { COLOR_GREEN, -1, A_BOLD, A_BOLD },
		[ST_WARN] = { COLOR_YELLOW, -1, A_BOLD, A_BOLD | A_UNDERLINE },
		[ST_ERROR] = { COLOR_RED, -1, A_BOLD, A_BOLD | A_REVERSE },
		[ST_MUTED] = { COLOR_CYAN, -1, 0, A_DIM },
		[ST_KEY] = { COLOR_CYAN, -1, A_BOLD, A_BOLD },
		[ST_HEADER] = { -1, -1, A_BOLD | A_UNDERLINE, A_BOLD | A_UNDERLINE },
	};

	for (int i = 0; i < ST_COUNT; i++) {
		if (colour && (def[i].fg != -1 || def[i].bg != -1)) {
			init_pair((short)(i + 1), def[i].fg, def[i].bg);
			style_attr[i] = COLOR_PAIR(i + 1) | def[i].extra;
		} else {
			style_attr[i] = colour ? def[i].extra : def[i].mono;
		}
	}
}

const char *ui_mono_marker(enum ui_style st)
{
	if (colour)
		return "";
	switch (st) {
	case ST_WARN:
		return "!";
	case ST_ERROR:
		return "!!";
	default:
		return "";
	}
}

int ui_init(const struct ui_options *o, char *err, size_t errsize)
{
	struct sigaction sa;
	const char *cs;

	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		snprintf(err, errsize, "Vigie a besoin d'un terminal (entrée et sortie)");
		return -1;
	}
	cs = nl_langinfo(CODESET);
	utf8 = cs && strcmp(cs, "UTF-8") == 0;
	if (pipe(sig_pipe) != 0) {
		snprintf(err, errsize, "pipe : %s", strerror(errno));
		return -1;
	}
	for (int i = 0; i < 2; i++) {
		fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
		fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	if (tcgetattr(STDIN_FILENO, &saved_tio) == 0)
		have_saved_tio = 1;
	/* Installed before initscr so that ncurses leaves SIGWINCH/SIGINT/SIGTERM to us; it still
	 * handles SIGTSTP (Ctrl-Z) itself. */
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGWINCH, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_crash;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGILL, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);

	if (!getenv("ESCDELAY"))
		set_escdelay(o->esc_delay_ms > 0 ? o->esc_delay_ms : 25);
	if (!newterm(NULL, stdout, stdin)) {
		snprintf(err, errsize, "Terminal « %s » inconnu ou inutilisable",
			 getenv("TERM") ? getenv("TERM") : "(TERM non défini)");
		return -1;
	}
	active = 1;
	atexit(ui_end);
	append_cap("sgr0");
	append_cap("cnorm");
	append_cap("rmkx");
	append_cap("rmcup");
	/* raw: Ctrl-C, Ctrl-Z, Ctrl-S reach us as keys (flow control off), bound in keymaps. */
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	intrflush(stdscr, FALSE);
	/* "auto" follows NO_COLOR; "oui" uses colours whenever the terminal has them. */
	colour = o->colour != 0 && has_colors() && (o->colour > 0 || !getenv("NO_COLOR"));
	if (colour) {
		start_color();
		use_default_colors();
		colour = COLORS >= 8;
	}
	init_styles();
	leaveok(stdscr, FALSE);
	return 0;
}

void ui_end(void)
{
	char *rmcup;

	if (!active)
		return;
	active = 0;
	/* Without an alternate screen (vt100, linux console) the last frame would stay under
	 * the shell prompt: leave a clean screen instead. */
	rmcup = tigetstr("rmcup");
	if (!rmcup || rmcup == (char *)-1) {
		erase();
		refresh();
	}
	endwin();
}

int ui_signal_fd(void)
{
	return sig_pipe[0];
}

int ui_take_signal(void)
{
	unsigned char b;

	if (read(sig_pipe[0], &b, 1) == 1)
		return b;
	return 0;
}

static int translate(int code)
{
	switch (code) {
	case KEY_UP: return VK_UP;
	case KEY_DOWN: return VK_DOWN;
	case KEY_LEFT: return VK_LEFT;
	case KEY_RIGHT: return VK_RIGHT;
	case KEY_PPAGE: return VK_PGUP;
	case KEY_NPAGE: return VK_PGDN;
	case KEY_HOME: return VK_HOME;
	case KEY_END: return VK_END;
	case KEY_IC: return VK_INSERT;
	case KEY_DC: return VK_DELETE;
	case KEY_BTAB: return VK_BTAB;
	case KEY_BACKSPACE: return VK_BACKSPACE;
	case KEY_ENTER: return VK_ENTER;
	case KEY_RESIZE: return VK_RESIZE;
	default:
		if (code >= KEY_F(1) && code <= KEY_F(12))
			return VK_F1 + (code - KEY_F(1));
		return -1;
	}
}

int ui_read_key(void)
{
	wint_t wc;
	int r = wget_wch(stdscr, &wc);

	if (r == ERR)
		return -1;
	if (r == KEY_CODE_YES)
		return translate((int)wc);
	if (wc == 8)
		return VK_BACKSPACE;
	if (wc == '\n')
		return VK_ENTER;
	return (int)wc;
}

void ui_resize(void)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
}

int ui_suspend(void)
{
	struct sigaction old, dfl;

	/* A shell without job control ignores SIGTSTP: stopping would leave no way back. */
	if (sigaction(SIGTSTP, NULL, &old) == 0 && old.sa_handler == SIG_IGN)
		return -1;
	endwin();
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(SIGTSTP, &dfl, NULL);
	raise(SIGTSTP);          /* stopped here until the shell's fg sends SIGCONT */
	sigaction(SIGTSTP, &old, NULL);
	reset_prog_mode();
	ui_resize();
	return 0;
}

int ui_cols(void) { return COLS; }
int ui_lines(void) { return LINES; }
int ui_too_small(void) { return COLS < UI_MIN_COLS || LINES < UI_MIN_LINES; }

void ui_clear(void)
{
	erase();
}

/* Decode one UTF-8 character; returns bytes consumed (1 on invalid input, cp = U+FFFD). */
static int next_cp(const char *s, wchar_t *cp)
{
	mbstate_t st;
	size_t r;

	memset(&st, 0, sizeof st);
	r = mbrtowc(cp, s, MB_CUR_MAX, &st);
	if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
		*cp = L'?';
		return 1;
	}
	return (int)r;
}

int ui_text(int y, int x, int width, enum ui_style st, const char *s, int pad)
{
	int used = 0;

	if (width <= 0 || y < 0 || y >= LINES || x >= COLS)
		return 0;
	if (x + width > COLS)
		width = COLS - x;
	attrset(style_attr[st]);
	move(y, x);
	if (!s)
		s = "";
	if (utf8) {
		while (*s && used < width) {
			wchar_t wc;
			int n = next_cp(s, &wc);
			int w = wcwidth(wc);
			if (wc < 32)
				wc = L' ', w = 1;
			if (w < 0)
				wc = L'?', w = 1;
			if (used + w > width)
				break;
			addnwstr(&wc, 1);
			used += w;
			s += n;
		}
	} else {
		char ascii[1024];
		text_to_ascii(s, ascii, sizeof ascii);
		for (const char *p = ascii; *p && used < width; p++, used++)
			addch((chtype)(unsigned char)(*p < 32 ? ' ' : *p));
	}
	if (pad)
		for (; used < width; used++)
			addch(' ');
	attrset(A_NORMAL);
	return used;
}

int ui_textf(int y, int x, int width, enum ui_style st, int pad, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return ui_text(y, x, width, st, buf, pad);
}

void ui_fill(int y, int x, int width, enum ui_style st)
{
	ui_text(y, x, width, st, "", 1);
}

int ui_text_width(const char *s)
{
	int w = 0;

	if (!utf8) {
		char ascii[1024];
		return (int)text_to_ascii(s, ascii, sizeof ascii);
	}
	while (*s) {
		wchar_t wc;
		s += next_cp(s, &wc);
		int cw = wcwidth(wc);
		w += cw < 0 ? 1 : cw;
	}
	return w;
}

void ui_cursor(int y, int x, int visible)
{
	curs_set(visible ? 1 : 0);
	if (y >= 0 && y < LINES && x >= 0 && x < COLS)
		move(y, x);
}

void ui_refresh(void)
{
	refresh();
}

void ui_force_redraw(void)
{
	clearok(curscr, TRUE);
}
