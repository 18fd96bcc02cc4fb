/* Screen stack: each screen is a set of callbacks plus its own state. */
#ifndef VIGIE_UI_SCREEN_H
#define VIGIE_UI_SCREEN_H

#include <stddef.h>
#include "ui/keymap.h"

struct screen;

struct screen_ops {
	const char *context;      /* keymap context, e.g. "search" */
	int uses_list;            /* also resolve keys in the "list" context */
	void (*enter)(struct screen *s);          /* became the top screen (again) */
	void (*draw)(struct screen *s);           /* draw rows 1 .. lines-2 */
	/* A key: action is the bound action index or -1. Return 1 when consumed. */
	int (*key)(struct screen *s, int key, int action);
	void (*event)(struct screen *s, const void *event);  /* background job finished */
	void (*leave)(struct screen *s);          /* about to be covered or popped */
	void (*destroy)(struct screen *s);        /* free; called once after pop */
};

struct screen {
	const struct screen_ops *ops;
	void *app;                /* application context, owned by the caller */
	char title[160];
	/* Where the hardware cursor goes after drawing (-1: hidden). */
	int cursor_y, cursor_x;
	/* Set by a screen to ask the stack to pop it after the current key. */
	int done;
};

#define SCREEN_STACK_MAX 16

struct screen_stack {
	struct screen *v[SCREEN_STACK_MAX];
	size_t n;
	const struct keymap *km;
};

void screen_stack_init(struct screen_stack *ss, const struct keymap *km);
int screen_push(struct screen_stack *ss, struct screen *s);
void screen_pop(struct screen_stack *ss);
void screen_pop_all(struct screen_stack *ss);
struct screen *screen_top(const struct screen_stack *ss);
/* Keymap contexts for a screen, most specific first, ending with "global". */
size_t screen_contexts(const struct screen *s, const char **ctx, size_t max);
/* Dispatch a key to the top screen (resolving its action); returns the action or -1, and
 * sets *consumed. Pops the screen if it set done. */
int screen_dispatch_key(struct screen_stack *ss, int key, int *consumed);
/* Give an event to every screen in the stack (covered ones keep their state fresh). */
void screen_dispatch_event(struct screen_stack *ss, const void *event);
/* Draw the title bar and the top screen. */
void screen_draw(struct screen_stack *ss);

#endif
