/* DMP documents of a patient: metadata list with filters on every field, new and invisible
 * markers, multi-select, viewing and integration into the dossier (jobs, never blocking). */
#include "screens/app.h"
#include "core/date.h"
#include "core/text.h"
#include "screens/format.h"
#include "store/dmp_store.h"
#include "store/patients.h"
#include "ui/keys.h"
#include "ui/list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct dmp_docs {
	struct screen base;
	struct app *app;
	long long id;
	struct dmp_doc_row *rows;   /* all cached entries */
	size_t nrows;
	size_t *shown;              /* indexes of rows passing the filters */
	size_t nshown;
	unsigned char *selected;    /* per row */
	struct ui_list list;
	char filter[64];            /* typed text, matched on every field (folded) */
	int filtering;              /* the filter prompt is open */
	int only_invisible, only_new;
	long long view_job;         /* DMP_VIEW job whose text will open the viewer */
	char result[160];           /* outcome of the last job of this patient, shown in full */
	char error[256];
	int seen;                   /* drawn at least once (not only queued behind the reminder) */
};

static int matches(const struct dmp_docs *d, const struct dmp_doc_row *r)
{
	char hay[1024], folded[1024], needle[128], date[16];

	if (d->only_invisible && !r->doc.invisible_patient)
		return 0;
	if (d->only_new && !r->is_new)
		return 0;
	if (!d->filter[0])
		return 1;
	date_hl7_to_fr(r->doc.creation_time, "—", date, sizeof date);
	snprintf(hay, sizeof hay, "%s|%s|%s|%s|%s|%s|%s|%s|%s", r->doc.title, r->doc.type_label,
		 r->doc.type_code, r->doc.author, r->doc.author_profession, date,
		 r->doc.invisible_patient ? "invisible patient" : "visible",
		 r->local_id ? "integre" : "", r->is_new ? "nouveau" : "");
	text_fold(hay, folded, sizeof folded);
	text_fold(d->filter, needle, sizeof needle);
	return strstr(folded, needle) != NULL;
}

static void apply_filters(struct dmp_docs *d)
{
	d->nshown = 0;
	for (size_t i = 0; i < d->nrows; i++)
		if (matches(d, &d->rows[i]))
			d->shown[d->nshown++] = i;
	list_set_count(&d->list, d->nshown);
}

static void load(struct dmp_docs *d)
{
	free(d->rows);
	free(d->shown);
	free(d->selected);
	d->rows = NULL;
	d->shown = NULL;
	d->selected = NULL;
	d->nrows = d->nshown = 0;
	d->error[0] = 0;
	if (dmp_docs_list(d->app->st, d->id, d->app->login, &d->rows, &d->nrows)) {
		snprintf(d->error, sizeof d->error, "%s", d->app->st->err);
		d->nrows = 0;
	}
	d->shown = calloc(d->nrows + 1, sizeof *d->shown);
	d->selected = calloc(d->nrows + 1, 1);
	if (!d->shown || !d->selected) {
		snprintf(d->error, sizeof d->error, "Mémoire insuffisante");
		d->nrows = 0;
	}
	apply_filters(d);
}

/* A job ended (a refresh on sign-in, an integration): reload, keeping the rows chosen. */
static void reload_keeping_choice(struct dmp_docs *d)
{
	long long *keep = calloc(d->nrows + 1, sizeof *keep);
	size_t nkeep = 0;

	for (size_t i = 0; keep && i < d->nrows; i++)
		if (d->selected[i])
			keep[nkeep++] = d->rows[i].id;
	load(d);
	for (size_t i = 0; i < d->nrows; i++)
		for (size_t k = 0; k < nkeep; k++)
			if (d->rows[i].id == keep[k])
				d->selected[i] = 1;
	free(keep);
}

static void draw_row(void *ctx, size_t idx, int y, int x, int w, int selected)
{
	struct dmp_docs *d = ctx;
	size_t i = d->shown[idx];
	const struct dmp_doc_row *r = &d->rows[i];
	char date[16], line[600];
	enum ui_style st = r->doc.invisible_patient ? ST_WARN : ST_NORMAL;

	(void)selected;
	date_hl7_to_fr(r->doc.creation_time, "—", date, sizeof date);
	/* Markers readable in monochrome: [x] chosen, N new, I invisible, = integrated. */
	snprintf(line, sizeof line, "%s%s%s%s %s  %-22.22s %-30.30s %s",
		 d->selected[i] ? "[x]" : "[ ]", r->is_new ? "N" : " ",
		 r->doc.invisible_patient ? "I" : " ", r->local_id ? "=" : " ", date,
		 r->doc.type_label[0] ? r->doc.type_label : r->doc.type_code, r->doc.title,
		 r->doc.author);
	ui_text(y, x, w, st, line, 1);
}

static const char *row_text(void *ctx, size_t idx, char *buf, size_t size)
{
	struct dmp_docs *d = ctx;
	const struct dmp_doc_row *r = &d->rows[d->shown[idx]];

	snprintf(buf, size, "%s %s %s", r->doc.title, r->doc.type_label, r->doc.author);
	return buf;
}

static size_t count_selected(const struct dmp_docs *d)
{
	size_t n = 0;

	for (size_t i = 0; i < d->nrows; i++)
		n += d->selected[i] != 0;
	return n;
}

static void draw_detail(struct dmp_docs *d, int y, int cols)
{
	const struct dmp_doc_row *r;
	char date[16];

	if (!d->nshown) {
		ui_fill(y, 0, cols, ST_NORMAL);
		ui_fill(y + 1, 0, cols, ST_NORMAL);
		return;
	}
	r = &d->rows[d->shown[d->list.sel]];
	date_hl7_to_fr(r->doc.creation_time, "—", date, sizeof date);
	ui_textf(y, 0, cols, ST_NORMAL, 1, " %s — %s (%s)", r->doc.title, r->doc.author,
		 r->doc.author_profession[0] ? r->doc.author_profession : "profession non précisée");
	ui_textf(y + 1, 0, cols, r->doc.invisible_patient ? ST_WARN : ST_MUTED, 1,
		 " %s  %s  %s  provenance DMP%s", date, r->doc.type_label,
		 r->doc.invisible_patient ? "INVISIBLE POUR LE PATIENT" : "visible par le patient",
		 r->local_id ? "  — intégré au dossier" : "");
}

static void draw(struct screen *base)
{
	struct dmp_docs *d = (struct dmp_docs *)base;
	int cols = ui_cols(), lines = ui_lines();
	int n_new = 0, n_inv = 0;

	d->seen = 1;
	for (size_t i = 0; i < d->nrows; i++) {
		n_new += d->rows[i].is_new;
		n_inv += d->rows[i].is_new && d->rows[i].doc.invisible_patient;
	}
	ui_textf(1, 0, cols, ST_HEADER, 1, " %zu document(s)%s%s — %d nouveau(x) dont %d "
		 "invisible(s) patient — %zu choisi(s)", d->nshown,
		 d->only_invisible ? " invisibles au patient" : "", d->only_new ? " nouveaux" : "",
		 n_new, n_inv, count_selected(d));
	/* Above the columns of draw_row, after the list's 2-character cursor and 6 markers. */
	ui_text(2, 0, cols, ST_LABEL, "         Date        Type                   Titre"
		"                          Auteur", 1);
	list_place(&d->list, 3, 0, lines - 8, cols);
	if (d->error[0]) {
		ui_text(3, 2, cols - 2, ST_ERROR, d->error, 1);
	} else if (!d->nshown) {
		for (int r = 3; r < lines - 5; r++)
			ui_fill(r, 0, cols, ST_NORMAL);
		ui_text(3, 2, cols - 2, ST_MUTED, d->nrows ? "Aucun document ne correspond au filtre"
			: app_dmp_pending(d->app, d->id) ? "Interrogation du DMP en cours…"
			: "Aucun document connu : R pour interroger le DMP (liste DICA : d)", 1);
	} else {
		list_draw(&d->list);
	}
	draw_detail(d, lines - 5, cols);
	if (d->result[0])
		ui_textf(lines - 3, 0, cols, ST_NORMAL, 1, " %s", d->result);
	else
		ui_text(lines - 3, 0, cols, ST_MUTED, " [x] choisi  N nouveau  I invisible patient  "
			"= intégré", 1);
	if (d->filtering)
		ui_textf(lines - 2, 0, cols, ST_FOCUS, 1, "Filtre (titre, type, auteur, date...) : "
			 "%s", d->filter);
	else if (d->list.finding || d->list.msg[0])
		ui_textf(lines - 2, 0, cols, d->list.msg[0] ? ST_ERROR : ST_NORMAL, 1, "%s%s",
			 d->list.finding ? "Chercher : " : "", d->list.msg[0] ? d->list.msg
									  : d->list.find);
	else
		ui_text(lines - 2, 0, cols, ST_MUTED, "Entrée voir  Espace choisir  * tout  I "
			"intégrer  / filtre  ! invisibles  n nouveaux  R DMP", 1);
	base->cursor_y = -1;
}

static void filter_key(struct dmp_docs *d, int k)
{
	size_t len = strlen(d->filter);

	if (k == VK_ENTER || k == VK_ESC) {
		d->filtering = 0;
		if (k == VK_ESC)
			d->filter[0] = 0;
	} else if (k == VK_BACKSPACE || k == 8) {
		while (len > 0 && ((unsigned char)d->filter[len - 1] & 0xC0) == 0x80)
			len--;
		if (len > 0)
			len--;
		d->filter[len] = 0;
	} else if (key_is_text(k)) {
		char u[8];
		size_t n = key_utf8(k, u);
		if (n && len + n < sizeof d->filter) {
			memcpy(d->filter + len, u, n);
			d->filter[len + n] = 0;
		}
	}
	apply_filters(d);
	list_select(&d->list, 0);
}

/* The chosen rows, or the current one when none is chosen. */
static size_t chosen(const struct dmp_docs *d, long long *ids, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < d->nrows && n < max; i++)
		if (d->selected[i])
			ids[n++] = d->rows[i].id;
	if (n == 0 && d->nshown)
		ids[n++] = d->rows[d->shown[d->list.sel]].id;
	return n;
}

static int key(struct screen *base, int k, int action)
{
	struct dmp_docs *d = (struct dmp_docs *)base;
	const struct action_def *ad = action_get(action);
	const char *name = ad ? ad->name : "";
	long long ids[64];
	size_t n;

	if (d->filtering) {
		filter_key(d, k);
		return 1;
	}
	if (list_find_key(&d->list, k))
		return 1;
	if (!strcmp(name, "dmp-filter")) {
		d->filtering = 1;
	} else if (!strcmp(name, "dmp-filter-invisible")) {
		d->only_invisible = !d->only_invisible;
		apply_filters(d);
		list_select(&d->list, 0);
	} else if (!strcmp(name, "dmp-filter-new")) {
		d->only_new = !d->only_new;
		apply_filters(d);
		list_select(&d->list, 0);
	} else if (!strcmp(name, "dmp-select") && d->nshown) {
		size_t i = d->shown[d->list.sel];
		d->selected[i] = !d->selected[i];
		list_select(&d->list, d->list.sel + 1 < d->nshown ? d->list.sel + 1 : d->list.sel);
	} else if (!strcmp(name, "dmp-select-all")) {
		int any = count_selected(d) > 0;
		for (size_t i = 0; i < d->nshown; i++)
			d->selected[d->shown[i]] = !any;
	} else if (!strcmp(name, "dmp-integrate")) {
		if ((n = chosen(d, ids, 64)) &&
		    app_dmp_post(d->app, d->id, DMP_INTEGRATE, ids, n) > 0) {
			app_message(d->app, ST_NORMAL, "Intégration de %zu document(s) lancée", n);
			memset(d->selected, 0, d->nrows);
		}
	} else if (!strcmp(name, "doc-view")) {
		if (d->nshown) {
			ids[0] = d->rows[d->shown[d->list.sel]].id;
			d->view_job = app_dmp_post(d->app, d->id, DMP_VIEW, ids, 1);
			if (d->view_job > 0)
				app_message(d->app, ST_NORMAL, "Récupération du document dans le DMP…");
		}
	} else if (!strcmp(name, "dmp-refresh")) {
		if (app_dmp_post(d->app, d->id, DMP_REFRESH, NULL, 0) > 0)
			app_message(d->app, ST_NORMAL, "Interrogation du DMP lancée");
	} else {
		return list_action(&d->list, action);
	}
	return 1;
}

static void event(struct screen *base, const void *ev)
{
	struct dmp_docs *d = (struct dmp_docs *)base;
	const struct job_event *e = ev;
	size_t sel = d->list.sel;

	if (e->kind != APP_JOB_DMP || e->patient_id != d->id)
		return;
	if (e->job_id == d->view_job) {
		d->view_job = 0;
		doc_view_open_job(d->app, e, e->code & DMP_JOB_ERROR);
		return;
	}
	snprintf(d->result, sizeof d->result, "%s", e->message);
	reload_keeping_choice(d);
	list_select(&d->list, sel < d->nshown ? sel : 0);
}

static void enter(struct screen *base)
{
	struct dmp_docs *d = (struct dmp_docs *)base;

	if (!d->rows)
		load(d);
}

static void destroy(struct screen *base)
{
	struct dmp_docs *d = (struct dmp_docs *)base;

	/* Leaving the list is the visit: later counts of new documents start from now. Not
	 * when the legal reminder was refused and the list never shown. */
	if (d->seen && !d->app->st->readonly && dmp_visit_mark(d->app->st, d->id, d->app->login))
		app_message(d->app, ST_ERROR, "Visite non enregistrée : %s", d->app->st->err);
	free(d->rows);
	free(d->shown);
	free(d->selected);
	free(d);
}

static const struct screen_ops dmp_docs_ops = {
	.context = "dmpdocs",
	.uses_list = 1,
	.enter = enter,
	.draw = draw,
	.key = key,
	.event = event,
	.destroy = destroy,
};

struct screen *dmp_docs_screen_new(struct app *a, long long patient_id)
{
	struct dmp_docs *d = calloc(1, sizeof *d);
	struct patient p;
	char name[320] = "";

	if (!d)
		return NULL;
	d->base.ops = &dmp_docs_ops;
	d->base.app = a;
	d->app = a;
	d->id = patient_id;
	list_init(&d->list);
	d->list.draw_row = draw_row;
	d->list.row_text = row_text;
	d->list.ctx = d;
	patient_init(&p);
	if (patient_get(a->st, patient_id, &p) == 0)
		fmt_display_name(p.birth_name, p.used_name, p.first_name, p.used_first_name, name,
				 sizeof name);
	patient_clear(&p);
	snprintf(d->base.title, sizeof d->base.title, " DMP — documents de %s", name);
	return app_after_reminder(a, &d->base);
}
