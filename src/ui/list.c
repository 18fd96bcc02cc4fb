/* Reusable list: selection marker, paging, first/last, incremental find. */
#include "ui/list.h"
#include "ui/form.h"
#include "ui/keymap.h"
#include "ui/keys.h"
#include "ui/ui.h"
#include "core/text.h"

#include <stdio.h>
#include <string.h>

void list_init(struct ui_list *l)
{
	memset(l, 0, sizeof *l);
}

static void keep_visible(struct ui_list *l)
{
	size_t h = l->h > 0 ? (size_t)l->h : 1;

	if (l->sel < l->top)
		l->top = l->sel;
	else if (l->sel >= l->top + h)
		l->top = l->sel - h + 1;
	if (l->count <= h)
		l->top = 0;
	else if (l->top + h > l->count)
		l->top = l->count - h;
}

void list_select(struct ui_list *l, size_t idx)
{
	if (!l->count)
		idx = 0;
	else if (idx >= l->count)
		idx = l->count - 1;
	l->sel = idx;
	keep_visible(l);
}

void list_set_count(struct ui_list *l, size_t count)
{
	l->count = count;
	list_select(l, l->sel);
}

void list_place(struct ui_list *l, int y, int x, int h, int w)
{
	l->y = y;
	l->x = x;
	l->h = h;
	l->w = w;
	keep_visible(l);
}

int list_draw(struct ui_list *l)
{
	int sel_y = -1;

	keep_visible(l);
	for (int r = 0; r < l->h; r++) {
		size_t idx = l->top + (size_t)r;
		int y = l->y + r;

		if (idx >= l->count) {
			ui_fill(y, l->x, l->w, ST_NORMAL);
			continue;
		}
		/* The selection is a marker, not a reversed row: moving costs two cells. */
		ui_text(y, l->x, 2, ST_MARKER, idx == l->sel ? ">" : " ", 1);
		l->draw_row(l->ctx, idx, y, l->x + 2, l->w - 2, idx == l->sel);
		if (idx == l->sel)
			sel_y = y;
	}
	return sel_y;
}

static int matches(struct ui_list *l, size_t idx, const char *needle)
{
	char text[512], folded[512];

	if (!l->row_text)
		return 0;
	text_fold(l->row_text(l->ctx, idx, text, sizeof text), folded, sizeof folded);
	return strstr(folded, needle) != NULL;
}

/* Select the first row at or after from (wrapping) whose text contains the find text. */
static int find_from(struct ui_list *l, size_t from)
{
	char needle[128];

	text_fold(l->find, needle, sizeof needle);
	if (!*needle || !l->count)
		return 0;
	for (size_t i = 0; i < l->count; i++) {
		size_t idx = (from + i) % l->count;
		if (matches(l, idx, needle)) {
			list_select(l, idx);
			l->msg[0] = '\0';
			return 1;
		}
	}
	snprintf(l->msg, sizeof l->msg, "Introuvable : %s", l->find);
	return 0;
}

int list_action(struct ui_list *l, int action)
{
	const struct action_def *a = action_get(action);
	size_t page = l->h > 1 ? (size_t)l->h - 1 : 1;

	if (!a || strncmp(a->name, "list-", 5) != 0)
		return 0;
	if (!strcmp(a->name, "list-down"))
		list_select(l, l->sel + 1 < l->count ? l->sel + 1 : l->sel);
	else if (!strcmp(a->name, "list-up"))
		list_select(l, l->sel ? l->sel - 1 : 0);
	else if (!strcmp(a->name, "list-page-down")) {
		list_select(l, l->sel + page);
	} else if (!strcmp(a->name, "list-page-up"))
		list_select(l, l->sel > page ? l->sel - page : 0);
	else if (!strcmp(a->name, "list-first"))
		list_select(l, 0);
	else if (!strcmp(a->name, "list-last"))
		list_select(l, l->count ? l->count - 1 : 0);
	else if (!strcmp(a->name, "list-find")) {
		l->finding = 1;
		l->find[0] = '\0';
		l->msg[0] = '\0';
	} else if (!strcmp(a->name, "list-find-next"))
		find_from(l, l->sel + 1);
	else
		return 0;
	return 1;
}

int list_find_key(struct ui_list *l, int key)
{
	if (!l->finding)
		return 0;
	if (key == VK_ENTER) {
		l->finding = 0;
	} else if (key == VK_ESC || key == VK_CTRL('g')) {
		l->finding = 0;
		l->find[0] = '\0';
		l->msg[0] = '\0';
	} else if (key == VK_BACKSPACE || key_is_text(key)) {
		/* Typed at the end of the find text, as in a one-line field. */
		size_t pos = strlen(l->find);
		if (field_edit(l->find, sizeof l->find, 0, &pos, key) == FIELD_CHANGED)
			find_from(l, l->sel);
	}
	return 1;
}
