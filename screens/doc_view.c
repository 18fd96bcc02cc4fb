/* Text viewer: a document's PDF text first, its structured narrative on request (s), scrolled
 * by lines and pages, with find. */
#include "screens/app.h"
#include "jobs/view_texts.h"
#include "store/documents.h"
#include "ui/keys.h"
#include "ui/list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct doc_view {
	struct screen base;
	struct app *app;
	char *texts[2];      /* PDF text, narrative (NULL when none); owned */
	int which;           /* shown: 0 PDF text, 1 narrative */
	char *text;          /* copy of the shown one; lines point into it */
	char **lines;
	size_t nlines;
	struct ui_list list;
};

static void split(struct doc_view *d)
{
	size_t n = 1;

	free(d->lines);
	free(d->text);
	d->lines = NULL;
	d->nlines = 0;
	list_set_count(&d->list, 0);
	d->text = strdup(d->texts[d->which]);
	if (!d->text)
		return;
	for (char *c = d->text; *c; c++)
		n += *c == '\n';
	d->lines = calloc(n, sizeof *d->lines);
	if (!d->lines) {
		free(d->text);
		d->text = NULL;
		return;
	}
	for (char *line = d->text; line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		/* pdftotext ends pages with a form feed: a blank line reads better */
		for (char *ff; (ff = strchr(line, '\f'));)
			*ff = ' ';
		d->lines[d->nlines++] = line;
		line = nl ? nl + 1 : NULL;
	}
	list_set_count(&d->list, d->nlines);
}

static void draw_line(void *ctx, size_t idx, int y, int x, int w, int selected)
{
	struct doc_view *d = ctx;

	(void)selected;
	ui_text(y, x, w, ST_NORMAL, d->lines[idx], 1);
}

static const char *line_text(void *ctx, size_t idx, char *buf, size_t size)
{
	struct doc_view *d = ctx;

	snprintf(buf, size, "%s", d->lines[idx]);
	return buf;
}

static void draw(struct screen *base)
{
	struct doc_view *d = (struct doc_view *)base;
	int cols = ui_cols(), lines = ui_lines();

	list_place(&d->list, 1, 0, lines - 3, cols);
	list_draw(&d->list);
	if (d->list.finding || d->list.msg[0])
		ui_textf(lines - 2, 0, cols, d->list.msg[0] ? ST_ERROR : ST_NORMAL, 1, "%s%s",
			 d->list.finding ? "Chercher : " : "", d->list.msg[0] ? d->list.msg
									  : d->list.find);
	else
		ui_textf(lines - 2, 0, cols, ST_MUTED, 1, "Ligne %zu/%zu  Espace page  / chercher%s"
			 "  Échap retour", d->nlines ? d->list.sel + 1 : 0, d->nlines,
			 !d->texts[1] ? "" : d->which ? "  s : texte du PDF"
						      : "  s : document structuré");
	base->cursor_y = -1;
}

static int key(struct screen *base, int k, int action)
{
	struct doc_view *d = (struct doc_view *)base;

	const struct action_def *ad = action_get(action);

	if (list_find_key(&d->list, k))
		return 1;
	if (ad && !strcmp(ad->name, "doc-structured")) {
		if (!d->texts[1]) {
			app_message(d->app, ST_NORMAL, "Pas de document structuré (CDA N1 ou PDF "
				    "seul)");
			return 1;
		}
		d->which = !d->which;
		split(d);
		list_select(&d->list, 0);
		return 1;
	}
	return list_action(&d->list, action);
}

static void destroy(struct screen *base)
{
	struct doc_view *d = (struct doc_view *)base;

	free(d->lines);
	free(d->text);
	free(d->texts[0]);
	free(d->texts[1]);
	free(d);
}

static const struct screen_ops doc_view_ops = {
	.context = "docview",
	.uses_list = 1,
	.draw = draw,
	.key = key,
	.destroy = destroy,
};

struct screen *doc_view_new(struct app *a, const char *title, const char *text,
			    const char *narrative)
{
	struct doc_view *d = calloc(1, sizeof *d);

	if (!d || !(d->texts[0] = strdup(text ? text : ""))) {
		free(d);
		return NULL;
	}
	if (narrative && !(d->texts[1] = strdup(narrative))) {
		free(d->texts[0]);
		free(d);
		return NULL;
	}
	d->base.ops = &doc_view_ops;
	d->base.app = a;
	d->app = a;
	snprintf(d->base.title, sizeof d->base.title, " %s", title);
	list_init(&d->list);
	d->list.draw_row = draw_line;
	d->list.row_text = line_text;
	d->list.ctx = d;
	split(d);
	return &d->base;
}

void doc_view_open_job(struct app *a, const struct job_event *e, int error_shown)
{
	char *text = NULL, *narrative = NULL, title[256];
	struct screen *v;

	if (view_texts_take(e->job_id, &text, &narrative, title, sizeof title)) {
		/* A failed retrieval already said why in the status line. */
		if (!error_shown)
			app_message(a, ST_ERROR, "Document illisible : %s",
				    e->message[0] ? e->message : "aucun texte");
		return;
	}
	v = doc_view_new(a, title, text, narrative);
	if (v)
		screen_push(&a->ss, v);
	free(text);
	free(narrative);
}
