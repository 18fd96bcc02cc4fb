/* Reusable list: selection marker, paging, first/last, incremental find. */
#ifndef VIGIE_UI_LIST_H
#define VIGIE_UI_LIST_H

#include <stddef.h>

struct ui_list {
	size_t count;     /* rows */
	size_t sel;       /* selected row */
	size_t top;       /* first visible row */
	int y, x, h, w;   /* area on screen; column x holds the selection marker */
	/* Draw row idx content at (y, x) in w columns (the marker is drawn by the list). */
	void (*draw_row)(void *ctx, size_t idx, int y, int x, int w, int selected);
	/* Text of a row for the incremental find (UTF-8). */
	const char *(*row_text)(void *ctx, size_t idx, char *buf, size_t size);
	void *ctx;
	int finding;      /* find prompt open */
	char find[64];    /* find text (UTF-8) */
	char msg[96];     /* "Introuvable : ..." */
};

void list_init(struct ui_list *l);
void list_set_count(struct ui_list *l, size_t count);
void list_place(struct ui_list *l, int y, int x, int h, int w);
/* Draw visible rows; the selected row gets the marker '>' in column x. Returns the screen row
 * of the selection (or -1 when empty), where the caller puts the cursor. */
int list_draw(struct ui_list *l);
/* Handle a list-* action (index from the keymap). Returns 1 if handled. */
int list_action(struct ui_list *l, int action);
/* While finding: feed keys (text, Backspace, Enter to close, Esc to cancel). 1 if consumed. */
int list_find_key(struct ui_list *l, int key);
/* Move the selection keeping it visible. */
void list_select(struct ui_list *l, size_t idx);

#endif
