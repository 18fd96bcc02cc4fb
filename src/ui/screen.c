/* Screen stack: each screen is a set of callbacks plus its own state. */
#include "ui/screen.h"
#include "ui/ui.h"

#include <string.h>

void screen_stack_init(struct screen_stack *ss, const struct keymap *km)
{
	memset(ss, 0, sizeof *ss);
	ss->km = km;
}

int screen_push(struct screen_stack *ss, struct screen *s)
{
	struct screen *top = screen_top(ss);

	if (ss->n == SCREEN_STACK_MAX)
		return -1;
	if (top && top->ops->leave)
		top->ops->leave(top);
	ss->v[ss->n++] = s;
	s->done = 0;
	if (s->ops->enter)
		s->ops->enter(s);
	return 0;
}

void screen_pop(struct screen_stack *ss)
{
	struct screen *s, *top;

	if (!ss->n)
		return;
	s = ss->v[--ss->n];
	if (s->ops->leave)
		s->ops->leave(s);
	if (s->ops->destroy)
		s->ops->destroy(s);
	top = screen_top(ss);
	if (top && top->ops->enter)
		top->ops->enter(top);
}

void screen_pop_all(struct screen_stack *ss)
{
	while (ss->n) {
		struct screen *s = ss->v[--ss->n];
		if (s->ops->leave)
			s->ops->leave(s);
		if (s->ops->destroy)
			s->ops->destroy(s);
	}
}

struct screen *screen_top(const struct screen_stack *ss)
{
	return ss->n ? ss->v[ss->n - 1] : NULL;
}

size_t screen_contexts(const struct screen *s, const char **ctx, size_t max)
{
	size_t n = 0;

	if (n < max)
		ctx[n++] = s->ops->context;
	if (s->ops->uses_list && n < max)
		ctx[n++] = "list";
	if (n < max)
		ctx[n++] = "global";
	return n;
}

int screen_dispatch_key(struct screen_stack *ss, int key, int *consumed)
{
	struct screen *s = screen_top(ss);
	const char *ctx[4];
	int action;

	*consumed = 0;
	if (!s)
		return -1;
	action = keymap_resolve(ss->km, ctx, screen_contexts(s, ctx, 4), key);
	*consumed = s->ops->key ? s->ops->key(s, key, action) : 0;
	if (s->done)
		screen_pop(ss);
	return action;
}

void screen_dispatch_event(struct screen_stack *ss, const void *event)
{
	for (size_t i = 0; i < ss->n; i++)
		if (ss->v[i]->ops->event)
			ss->v[i]->ops->event(ss->v[i], event);
}

void screen_draw(struct screen_stack *ss)
{
	struct screen *s = screen_top(ss);

	if (!s)
		return;
	s->cursor_y = s->cursor_x = -1;
	/* Erasing the virtual screen costs nothing on the wire: curses sends only what differs. */
	ui_clear();
	ui_text(0, 0, ui_cols(), ST_TITLE, s->title, 1);
	s->ops->draw(s);
}
