/* Documents of a dossier, sorted by type and date, with their provenance (local, DMP, MSS),
 * version state, and the text viewer. */
#include "screens/app.h"
#include "core/date.h"
#include "store/documents.h"
#include "ui/list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct documents_screen {
	struct screen base;
	struct app *app;
	long long id;
	struct document *docs;
	size_t n;
	struct ui_list list;
	long long view_job;      /* DMP_LOCAL_TEXT job whose texts open the viewer */
	char error[256];
};

static void load(struct documents_screen *d)
{
	free(d->docs);
	d->docs = NULL;
	d->n = 0;
	d->error[0] = 0;
	if (document_list(d->app->st, d->id, 1, &d->docs, &d->n)) {
		snprintf(d->error, sizeof d->error, "%s", d->app->st->err);
		d->n = 0;
	}
	list_set_count(&d->list, d->n);
}

static void draw_row(void *ctx, size_t idx, int y, int x, int w, int selected)
{
	struct documents_screen *d = ctx;
	const struct document *doc = &d->docs[idx];
	char date[16], state[24] = "";

	(void)selected;
	date_hl7_to_fr(doc->doc_date, "—", date, sizeof date);
	if (!strcmp(doc->status, "remplace"))
		snprintf(state, sizeof state, "remplacé");
	else if (!strcmp(doc->status, "retire"))
		snprintf(state, sizeof state, "RETIRÉ");
	else if (doc->version > 1)
		snprintf(state, sizeof state, "v%d", doc->version);
	ui_textf(y, x, w, !strcmp(doc->status, "actif") ? ST_NORMAL : ST_MUTED, 1,
		 "%-5s %-22.22s %s  %-30.30s %s%s", doc->provenance,
		 doc->type_label[0] ? doc->type_label : doc->type_code, date, doc->title, state,
		 doc->invisible_patient ? " I" : "");
}

static const char *row_text(void *ctx, size_t idx, char *buf, size_t size)
{
	struct documents_screen *d = ctx;

	snprintf(buf, size, "%s %s %s %s", d->docs[idx].provenance, d->docs[idx].type_label,
		 d->docs[idx].title, d->docs[idx].author);
	return buf;
}

static void draw(struct screen *base)
{
	struct documents_screen *d = (struct documents_screen *)base;
	int cols = ui_cols(), lines = ui_lines();

	ui_textf(1, 0, cols, ST_HEADER, 1, " %zu document(s) — provenance, type, date, titre", d->n);
	list_place(&d->list, 2, 0, lines - 4, cols);
	if (d->error[0] || !d->n) {
		for (int r = 2; r < lines - 2; r++)
			ui_fill(r, 0, cols, ST_NORMAL);
		ui_text(2, 2, cols - 2, d->error[0] ? ST_ERROR : ST_MUTED,
			d->error[0] ? d->error : "Aucun document dans ce dossier", 1);
	} else {
		list_draw(&d->list);
	}
	ui_text(lines - 2, 0, cols, ST_MUTED, "Entrée : lire   / : chercher   I invisible "
		"patient   Échap : retour", 1);
	base->cursor_y = -1;
}

static int key(struct screen *base, int k, int action)
{
	struct documents_screen *d = (struct documents_screen *)base;
	const struct action_def *ad = action_get(action);

	if (list_find_key(&d->list, k))
		return 1;
	if (ad && !strcmp(ad->name, "doc-view") && d->n) {
		/* The narrative of a CDA is read by vigie-net (libxml2): a job, not a wait. */
		d->view_job = app_dmp_post(d->app, d->id, DMP_LOCAL_TEXT, &d->docs[d->list.sel].id,
					   1);
		return 1;
	}
	return list_action(&d->list, action);
}

static void event(struct screen *base, const void *ev)
{
	struct documents_screen *d = (struct documents_screen *)base;
	const struct job_event *e = ev;

	if (e->job_id && e->job_id == d->view_job) {
		d->view_job = 0;
		doc_view_open_job(d->app, e, e->code & DMP_JOB_ERROR);
		return;
	}
	if (e->patient_id == d->id && e->status == JOB_DONE)
		load(d);
}

static void destroy(struct screen *base)
{
	struct documents_screen *d = (struct documents_screen *)base;

	free(d->docs);
	free(d);
}

static const struct screen_ops documents_ops = {
	.context = "documents",
	.uses_list = 1,
	.draw = draw,
	.key = key,
	.event = event,
	.destroy = destroy,
};

struct screen *documents_screen_new(struct app *a, long long patient_id)
{
	struct documents_screen *d = calloc(1, sizeof *d);

	if (!d)
		return NULL;
	d->base.ops = &documents_ops;
	d->base.app = a;
	d->app = a;
	d->id = patient_id;
	list_init(&d->list);
	d->list.draw_row = draw_row;
	d->list.row_text = row_text;
	d->list.ctx = d;
	snprintf(d->base.title, sizeof d->base.title, " Documents du dossier");
	load(d);
	return &d->base;
}
