/* Help screen: the live bindings of the screen it was opened from, with their help text. */
#include "ui/help.h"
#include "ui/list.h"
#include "ui/ui.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct help_row {
	char keys[64];
	const char *help;
	const char *context;
};

struct help_screen {
	struct screen base;
	struct help_row *rows;
	size_t n;
	struct ui_list list;
	char contexts_label[64];
};

static const char *context_label(const char *ctx)
{
	if (!strcmp(ctx, "global"))
		return "partout";
	if (!strcmp(ctx, "list"))
		return "listes";
	return "cet écran";
}

static void draw_row(void *ctx, size_t idx, int y, int x, int w, int selected)
{
	struct help_screen *h = ctx;
	const struct help_row *r = &h->rows[idx];
	int kw = 27;

	(void)selected;
	ui_text(y, x, kw, ST_KEY, r->keys, 1);
	ui_text(y, x + kw, w - kw - 12, ST_NORMAL, r->help, 1);
	ui_text(y, x + w - 12, 12, ST_MUTED, context_label(r->context), 1);
}

static const char *row_text(void *ctx, size_t idx, char *buf, size_t size)
{
	struct help_screen *h = ctx;

	snprintf(buf, size, "%s %s", h->rows[idx].keys, h->rows[idx].help);
	return buf;
}

static void draw(struct screen *s)
{
	struct help_screen *h = (struct help_screen *)s;
	int lines = ui_lines(), y;

	ui_textf(1, 0, ui_cols(), ST_HEADER, 1, "  %-27s%-*s%s", "Touches", ui_cols() - 41,
		 "Action", "Contexte");
	list_place(&h->list, 2, 0, lines - 4, ui_cols());
	y = list_draw(&h->list);
	if (h->list.finding || h->list.msg[0])
		ui_textf(lines - 2, 0, ui_cols(), h->list.msg[0] ? ST_ERROR : ST_NORMAL, 1,
			 "%s%s", h->list.finding ? "Chercher : " : "",
			 h->list.msg[0] ? h->list.msg : h->list.find);
	else
		ui_text(lines - 2, 0, ui_cols(), ST_MUTED,
			"Échap, r : retour   j/k : défiler   / : chercher   q : quitter Vigie", 1);
	s->cursor_y = y;
	s->cursor_x = 0;
}

static int key(struct screen *s, int k, int action)
{
	struct help_screen *h = (struct help_screen *)s;
	const struct action_def *a = action_get(action);

	if (list_find_key(&h->list, k))
		return 1;
	if (list_action(&h->list, action))
		return 1;
	if (a && (!strcmp(a->name, "back") || !strcmp(a->name, "help"))) {
		s->done = 1;
		return 1;
	}
	return 0;
}

static void destroy(struct screen *s)
{
	struct help_screen *h = (struct help_screen *)s;

	free(h->rows);
	free(h);
}

static const struct screen_ops help_ops = {
	.context = "help",
	.uses_list = 1,
	.draw = draw,
	.key = key,
	.destroy = destroy,
};

struct screen *help_screen_new(const struct keymap *km, const struct screen *from, void *app)
{
	struct help_screen *h = calloc(1, sizeof *h);
	const char *ctx[4];
	size_t nctx = screen_contexts(from, ctx, 4);

	if (!h)
		return NULL;
	h->rows = calloc(action_count() * nctx, sizeof *h->rows);
	if (!h->rows) {
		free(h);
		return NULL;
	}
	/* One row per action bound in one of the screen's contexts, most specific first; an
	 * action already listed for a more specific context is not repeated, and a key that a
	 * more specific context takes over is not shown for the less specific one. */
	for (size_t c = 0; c < nctx; c++) {
		for (size_t a = 0; a < action_count(); a++) {
			struct help_row *r = &h->rows[h->n];
			int seen = 0;

			if (!keymap_keys_for(km, ctx[c], (int)a, ctx, nctx, r->keys,
					     sizeof r->keys))
				continue;
			for (size_t i = 0; i < h->n; i++)
				if (h->rows[i].help == action_get((int)a)->help)
					seen = 1;
			if (seen)
				continue;
			r->help = action_get((int)a)->help;
			r->context = ctx[c];
			h->n++;
		}
	}
	h->base.ops = &help_ops;
	h->base.app = app;
	snprintf(h->base.title, sizeof h->base.title, " Aide — touches de l'écran « %s »",
		 from->title[0] == ' ' ? from->title + 1 : from->title);
	list_init(&h->list);
	h->list.draw_row = draw_row;
	h->list.row_text = row_text;
	h->list.ctx = h;
	list_set_count(&h->list, h->n);
	return &h->base;
}
