/* Terminal layer over ncursesw: init/restore, signals, styles, UTF-8 or ASCII text output. */
#ifndef VIGIE_UI_UI_H
#define VIGIE_UI_UI_H

#include <stddef.h>

#define UI_MIN_COLS 80
#define UI_MIN_LINES 24

/* Semantic styles; each has a colour rendering and a monochrome one (bold/reverse/underline). */
enum ui_style {
	ST_NORMAL = 0,
	ST_TITLE,     /* top bar */
	ST_STATUS,    /* bottom status line */
	ST_LABEL,     /* field labels */
	ST_FIELD,     /* editable field */
	ST_FOCUS,     /* field being edited */
	ST_MARKER,    /* list selection marker */
	ST_OK,        /* good state (identity qualifiée...) */
	ST_WARN,      /* attention (provisoire, douteuse...) */
	ST_ERROR,     /* error messages */
	ST_MUTED,     /* secondary text */
	ST_KEY,       /* key names in help and hints */
	ST_HEADER,    /* column headers, section titles */
	ST_COUNT
};

struct ui_options {
	int esc_delay_ms;   /* delay to tell Esc from an escape sequence (default 25) */
	int colour;         /* -1 auto, 0 never, 1 when available */
};

/* Start curses on the terminal; installs signal handlers (SIGWINCH, SIGTERM, SIGINT, SIGHUP
 * through a self-pipe; crash signals restore the terminal). Returns 0 or -1 with a message. */
int ui_init(const struct ui_options *o, char *err, size_t errsize);
/* Restore the terminal (idempotent, also registered with atexit). */
void ui_end(void);

/* Self-pipe: readable when a signal arrived. ui_take_signal returns the next one or 0. */
int ui_signal_fd(void);
int ui_take_signal(void);

/* Read one key without waiting (curses codes translated to VK_*); -1 when none. */
int ui_read_key(void);
/* Apply a terminal size change (after SIGWINCH). */
void ui_resize(void);
/* Suspend to the shell (Ctrl-Z) and come back; -1 when the shell has no job control. */
int ui_suspend(void);

int ui_cols(void);
int ui_lines(void);
int ui_too_small(void);

/* Drawing (main thread only). Text is UTF-8; on a non-UTF-8 terminal it is transliterated. */
void ui_clear(void);
/* Write text at (y, x) within width columns; pads with spaces when pad is set. Returns
 * columns used. */
int ui_text(int y, int x, int width, enum ui_style st, const char *utf8, int pad);
/* Printf variant. */
int ui_textf(int y, int x, int width, enum ui_style st, int pad, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
/* Fill a row segment with spaces in a style. */
void ui_fill(int y, int x, int width, enum ui_style st);
/* Display width of UTF-8 text as it will be shown. */
int ui_text_width(const char *utf8);
void ui_cursor(int y, int x, int visible);
void ui_refresh(void);
void ui_force_redraw(void);
/* Text marker for a style when colours are not available ("" otherwise): a screen adds it
 * next to text whose meaning would else be carried by colour alone. */
const char *ui_mono_marker(enum ui_style st);

#endif
