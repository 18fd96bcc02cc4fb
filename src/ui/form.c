/* Form: labelled one-line text fields, UTF-8 editing, validation messages. */
#include "ui/form.h"
#include "ui/keymap.h"
#include "ui/keys.h"
#include "ui/ui.h"
#include "core/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void form_init(struct ui_form *fm, struct form_field *fields, size_t n, void *ctx)
{
	memset(fm, 0, sizeof *fm);
	fm->f = fields;
	fm->n = n;
	fm->ctx = ctx;
	fm->label_w = 26;
	form_focus(fm, 0);
}

void form_place(struct ui_form *fm, int y, int x, int h, int w)
{
	fm->y = y;
	fm->x = x;
	fm->h = h;
	fm->w = w;
}

void form_message(struct ui_form *fm, int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fm->msg, sizeof fm->msg, fmt, ap);
	va_end(ap);
	fm->msg_error = error;
}

void form_focus(struct ui_form *fm, size_t i)
{
	size_t rows = fm->h > 2 ? (size_t)fm->h - 2 : 1;

	if (i >= fm->n)
		return;
	fm->cur = i;
	fm->pos = strlen(fm->f[i].value);
	if (i < fm->top)
		fm->top = i;
	else if (i >= fm->top + rows)
		fm->top = i - rows + 1;
}

static int check_field(struct ui_form *fm, size_t i)
{
	struct form_field *f = &fm->f[i];
	char msg[256] = "";

	f->error = 0;
	if (f->required && !*f->value) {
		snprintf(msg, sizeof msg, "« %s » est obligatoire", f->label);
		f->error = 1;
	} else if (f->validate && *f->value && f->validate(f->value, msg, sizeof msg, fm->ctx)) {
		f->error = 1;
	}
	if (f->error)
		form_message(fm, 1, "%s", msg);
	return f->error ? -1 : 0;
}

int form_validate_all(struct ui_form *fm)
{
	for (size_t i = 0; i < fm->n; i++) {
		if (fm->f[i].readonly)
			continue;
		if (check_field(fm, i)) {
			form_focus(fm, i);
			return -1;
		}
	}
	return 0;
}

/* Display columns before the cursor: the byte offset converted through the display width. */
/* Display width of value[from, pos) */
static int span_width(const char *value, size_t from, size_t pos)
{
	char head[FORM_VALUE_MAX];

	memcpy(head, value + from, pos - from);
	head[pos - from] = '\0';
	return ui_text_width(head);
}

/* First byte shown of a value being edited in w columns: the text scrolls sideways so that
 * the cursor stays visible (a long note typed past the right edge). */
static size_t view_start(const char *value, size_t pos, int w)
{
	size_t from = pos;
	int width = 0;

	/* walk back from the cursor one character at a time while it still fits */
	while (from > 0) {
		size_t prev = from - 1;
		while (prev > 0 && ((unsigned char)value[prev] & 0xc0) == 0x80)
			prev--;
		width += span_width(value, prev, from);
		if (width > w - 1)
			break;
		from = prev;
	}
	return from;
}

/* The message takes the spare row above its own when it is too long for one. */
static void draw_message(struct ui_form *fm, int y)
{
	enum ui_style st = fm->msg_error ? ST_ERROR : ST_MUTED;
	char text[300];
	size_t cut;

	snprintf(text, sizeof text, "%s%s", fm->msg_error ? ui_mono_marker(ST_ERROR) : "", fm->msg);
	if (ui_text_width(text) <= fm->w) {
		ui_text(y + 1, fm->x, fm->w, st, text, 1);
		return;
	}
	/* Split at the last space that fits (byte count bounds the width from above). */
	cut = (size_t)fm->w < strlen(text) ? (size_t)fm->w : strlen(text);
	while (cut > 0 && text[cut] != ' ')
		cut--;
	if (cut == 0) {
		ui_text(y + 1, fm->x, fm->w, st, text, 1);
		return;
	}
	text[cut] = '\0';
	ui_text(y, fm->x, fm->w, st, text, 1);
	ui_text(y + 1, fm->x, fm->w, st, text + cut + 1, 1);
}

void form_draw(struct ui_form *fm)
{
	size_t rows = fm->h > 2 ? (size_t)fm->h - 2 : 1;
	int vx = fm->x + fm->label_w + 2;
	int vw = fm->w - fm->label_w - 2;

	fm->cursor_y = fm->cursor_x = -1;
	for (size_t r = 0; r < rows; r++) {
		size_t i = fm->top + r;
		int y = fm->y + (int)r;
		struct form_field *f;

		if (i >= fm->n) {
			ui_fill(y, fm->x, fm->w, ST_NORMAL);
			continue;
		}
		f = &fm->f[i];
		/* Markers keep the meaning on a monochrome terminal: '*' required, '!' error,
		 * '=' read-only, '>' focus. */
		ui_textf(y, fm->x, fm->label_w + 2, i == fm->cur ? ST_HEADER : ST_LABEL, 1, "%s%s%s",
			 i == fm->cur ? ">" : f->error ? "!" : f->readonly ? "=" : " ", f->label,
			 f->required ? " *" : "");
		if (i == fm->cur) {
			size_t from = view_start(f->value, fm->pos, vw);
			ui_text(y, vx, vw, f->readonly ? ST_MUTED : ST_FOCUS, f->value + from, 1);
			fm->cursor_y = y;
			fm->cursor_x = vx + span_width(f->value, from, fm->pos);
		} else {
			ui_text(y, vx, vw, f->readonly ? ST_MUTED : ST_FIELD, f->value, 1);
		}
	}
	ui_fill(fm->y + (int)rows, fm->x, fm->w, ST_NORMAL);
	if (fm->msg[0])
		draw_message(fm, fm->y + (int)rows);
	else if (fm->f[fm->cur].hint)
		ui_text(fm->y + (int)rows + 1, fm->x, fm->w, ST_MUTED, fm->f[fm->cur].hint, 1);
	else
		ui_fill(fm->y + (int)rows + 1, fm->x, fm->w, ST_NORMAL);
}

static size_t prev_char(const char *s, size_t pos)
{
	while (pos > 0 && ((unsigned char)s[pos - 1] & 0xc0) == 0x80)
		pos--;
	return pos ? pos - 1 : 0;
}

static size_t next_char(const char *s, size_t pos)
{
	if (!s[pos])
		return pos;
	pos++;
	while (s[pos] && ((unsigned char)s[pos] & 0xc0) == 0x80)
		pos++;
	return pos;
}

enum field_edit_result field_edit(char *value, size_t cap, size_t maxbytes, size_t *pos, int key)
{
	size_t len = strlen(value), p, n;
	char u[5];

	if (!maxbytes || maxbytes > cap - 1)
		maxbytes = cap - 1;
	switch (key) {
	case VK_LEFT:
	case VK_CTRL('b'):
		*pos = prev_char(value, *pos);
		return FIELD_MOVED;
	case VK_RIGHT:
	case VK_CTRL('f'):
		*pos = next_char(value, *pos);
		return FIELD_MOVED;
	case VK_HOME:
	case VK_CTRL('a'):
		*pos = 0;
		return FIELD_MOVED;
	case VK_END:
	case VK_CTRL('e'):
		*pos = len;
		return FIELD_MOVED;
	case VK_BACKSPACE:
		if (!*pos)
			return FIELD_MOVED;
		p = prev_char(value, *pos);
		memmove(value + p, value + *pos, len - *pos + 1);
		*pos = p;
		return FIELD_CHANGED;
	case VK_DELETE:
	case VK_CTRL('d'):
		p = next_char(value, *pos);
		memmove(value + *pos, value + p, len - p + 1);
		return FIELD_CHANGED;
	case VK_CTRL('k'):
		value[*pos] = '\0';
		return FIELD_CHANGED;
	case VK_CTRL('u'):
		memmove(value, value + *pos, len - *pos + 1);
		*pos = 0;
		return FIELD_CHANGED;
	default:
		if (!key_is_text(key))
			return FIELD_IGNORED;
		n = key_utf8(key, u);
		if (!n || len + n > maxbytes)
			return FIELD_FULL;
		memmove(value + *pos + n, value + *pos, len - *pos + 1);
		memcpy(value + *pos, u, n);
		*pos += n;
		return FIELD_CHANGED;
	}
}

static void edit(struct ui_form *fm, int key)
{
	struct form_field *f = &fm->f[fm->cur];

	if (f->readonly) {
		form_message(fm, 1, "Ce champ ne se modifie pas ici");
		return;
	}
	switch (field_edit(f->value, sizeof f->value, f->maxbytes, &fm->pos, key)) {
	case FIELD_FULL:
		form_message(fm, 1, "« %s » : longueur maximale atteinte", f->label);
		return;
	case FIELD_CHANGED:
		fm->modified = 1;
		fm->msg[0] = '\0';
		f->error = 0;
		return;
	case FIELD_IGNORED:
	case FIELD_MOVED:
		return;
	}
}

enum form_result form_key(struct ui_form *fm, int key, int action)
{
	const struct action_def *a = action_get(action);
	const char *name = a ? a->name : "";

	if (fm->confirm_cancel) {
		fm->confirm_cancel = 0;
		if (key == 'o' || key == 'O')
			return FORM_CANCEL;
		form_message(fm, 0, "Saisie conservée");
		return FORM_CONTINUE;
	}
	/* Letters are text in a form: only non-text keys go through the keymap. */
	if (key_is_text(key) && key != ' ') {
		edit(fm, key);
		return FORM_CONTINUE;
	}
	if (!strcmp(name, "form-next")) {
		check_field(fm, fm->cur);
		if (fm->cur + 1 < fm->n)
			form_focus(fm, fm->cur + 1);
		else if (key == VK_ENTER)
			return form_validate_all(fm) ? FORM_CONTINUE : FORM_SAVE;
		return FORM_CONTINUE;
	}
	if (!strcmp(name, "form-prev")) {
		check_field(fm, fm->cur);
		if (fm->cur > 0)
			form_focus(fm, fm->cur - 1);
		return FORM_CONTINUE;
	}
	if (!strcmp(name, "form-save"))
		return form_validate_all(fm) ? FORM_CONTINUE : FORM_SAVE;
	if (!strcmp(name, "form-cancel")) {
		if (!fm->modified)
			return FORM_CANCEL;
		fm->confirm_cancel = 1;
		form_message(fm, 1, "Abandonner les modifications ? (o : oui, autre touche : non)");
		return FORM_CONTINUE;
	}
	edit(fm, key);
	return FORM_CONTINUE;
}
