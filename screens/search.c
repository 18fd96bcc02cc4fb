/* Patient search screen: type-ahead query over the store, result list, one key to open. */
#include "screens/app.h"
#include "screens/format.h"
#include "core/date.h"
#include "core/identity.h"
#include "store/patients.h"
#include "ui/form.h"
#include "ui/keys.h"
#include "ui/list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEARCH_LIMIT PATIENT_SEARCH_LIMIT

struct search_screen {
	struct screen base;
	struct app *app;
	char query[128];
	size_t pos;              /* cursor in query (bytes) */
	int editing;             /* 1: keys type in the query; 0: keys are list commands */
	int stale;               /* query changed since the last search */
	struct patient_hits hits;
	struct ui_list list;
	char error[256];
};

static void run_search(struct search_screen *s)
{
	struct store *st = s->app->st;

	s->stale = 0;
	s->error[0] = '\0';
	if (patient_search(st, s->query, SEARCH_LIMIT, &s->hits))
		snprintf(s->error, sizeof s->error, "%s", st->err);
	list_set_count(&s->list, s->hits.n);
}

static void draw_row(void *ctx, size_t idx, int y, int x, int w, int selected)
{
	struct search_screen *s = ctx;
	const struct patient_hit *h = &s->hits.v[idx];
	char name[320], birth[16], mark[16];
	int namew = w - 26;

	(void)selected;
	fmt_display_name(h->birth_name, h->used_name, h->first_name, h->used_first_name, name,
			 sizeof name);
	date_iso_to_fr(h->birth_date, birth, sizeof birth);
	snprintf(mark, sizeof mark, "%s%s", id_status_marker(h->id_status),
		 h->id_attrs & (ID_ATTR_DOUTEUSE | ID_ATTR_FICTIVE) ? "!"
		 : h->id_attrs & ID_ATTR_HOMONYME		    ? "H"
								    : "");
	ui_text(y, x, namew, ST_NORMAL, name, 1);
	ui_text(y, x + namew, 12, ST_NORMAL, birth, 1);
	ui_text(y, x + namew + 12, 3, ST_NORMAL, h->sex, 1);
	ui_text(y, x + namew + 15, w - namew - 15, fmt_status_style(h->id_status, h->id_attrs),
		mark, 1);
}

static const char *row_text(void *ctx, size_t idx, char *buf, size_t size)
{
	struct search_screen *s = ctx;
	const struct patient_hit *h = &s->hits.v[idx];

	snprintf(buf, size, "%s %s %s %s", h->birth_name, h->used_name, h->first_name,
		 h->used_first_name);
	return buf;
}

static void draw(struct screen *base)
{
	struct search_screen *s = (struct search_screen *)base;
	int cols = ui_cols(), lines = ui_lines(), x, sel_y;
	char info[200];

	if (s->stale)
		run_search(s);
	x = ui_text(1, 0, cols, ST_LABEL, "Recherche : ", 0);
	ui_text(1, x, cols - x, s->editing ? ST_FOCUS : ST_FIELD, s->query, 1);
	ui_textf(2, 0, cols, ST_HEADER, 1, "  %-*s%-12s%-3s%s", cols - 28, "Nom (nom de naissance) Prénom",
		 "Naissance", "S", "Identité");
	list_place(&s->list, 3, 0, lines - 5, cols);
	sel_y = list_draw(&s->list);
	if (s->error[0])
		snprintf(info, sizeof info, "%s", s->error);
	else if (s->list.finding || s->list.msg[0])
		snprintf(info, sizeof info, "%s%s", s->list.finding ? "Chercher dans la liste : " : "",
			 s->list.msg[0] ? s->list.msg : s->list.find);
	else if (!s->query[0])
		snprintf(info, sizeof info, "%zu dossier(s) récent(s) — tapez un nom, une date "
			 "JJ/MM/AAAA ou un NIR", s->hits.n);
	else if (!s->hits.n && s->hits.truncated)
		snprintf(info, sizeof info, "Aucun patient parmi les premiers : mots trop courants, "
			 "tapez quelques lettres de plus");
	else if (!s->hits.n)
		snprintf(info, sizeof info, "Aucun patient — %s : créer   F4 ou C-t : chercher dans "
			 "INSi", s->editing ? "F2 ou C-o" : "c ou F2");
	else if (s->hits.truncated && s->hits.n < SEARCH_LIMIT)
		snprintf(info, sizeof info, "%zu premier(s) patient(s) — mots trop courants, "
			 "précisez la recherche", s->hits.n);
	else
		snprintf(info, sizeof info, "%s%zu patient(s)%s — Entrée : ouvrir  %s  ? : aide",
			 s->hits.truncated ? "plus de " : "", s->hits.n,
			 s->hits.truncated ? ", précisez" : "",
			 s->editing ? "Tab : liste  C-c : quitter" : "/ : chercher  c : créer");
	ui_text(lines - 2, 0, cols, s->error[0] ? ST_ERROR : ST_MUTED, info, 1);
	if (s->editing) {
		char head[128];
		memcpy(head, s->query, s->pos);
		head[s->pos] = '\0';
		base->cursor_y = 1;
		base->cursor_x = x + ui_text_width(head);
	} else {
		base->cursor_y = sel_y;
		base->cursor_x = 0;
	}
}

static void open_selected(struct search_screen *s)
{
	struct screen *d;

	if (!s->hits.n) {
		app_message(s->app, ST_WARN, "Aucun patient sélectionné");
		return;
	}
	d = dossier_screen_new(s->app, s->hits.v[s->list.sel].id);
	if (d)
		screen_push(&s->app->ss, d);
}

static void new_patient(struct search_screen *s)
{
	struct screen *f = patient_form_new(s->app, 0, s->query);

	if (f)
		screen_push(&s->app->ss, f);
}

/* Query editing: returns 1 if the key edited the query. Only these keys edit it: C-u, C-k
 * and the rest go to the keymap (search-clear, job-cancel), and '?', which never occurs in a
 * name, date or NIR, stays the help key. */
static int edit_query(struct search_screen *s, int key)
{
	if (key != VK_BACKSPACE && key != VK_LEFT && key != VK_RIGHT && key != VK_CTRL('a') &&
	    key != VK_CTRL('e') && !(key_is_text(key) && key != '?'))
		return 0;
	if (field_edit(s->query, sizeof s->query, 0, &s->pos, key) == FIELD_CHANGED) {
		s->stale = 1;
		list_select(&s->list, 0);
	}
	return 1;
}

static int key(struct screen *base, int k, int action)
{
	struct search_screen *s = (struct search_screen *)base;
	const struct action_def *a = action_get(action);
	const char *name = a ? a->name : "";

	if (s->list.finding)
		return list_find_key(&s->list, k);
	if (s->editing) {
		if (edit_query(s, k))
			return 1;
		if (!strcmp(name, "search-edit")) {        /* Tab: from the field to the list */
			s->editing = 0;
			return 1;
		}
		if (!strcmp(name, "back")) {              /* Esc in the field clears it */
			if (s->query[0]) {
				s->query[0] = '\0';
				s->pos = 0;
				s->stale = 1;
			}
			return 1;
		}
		/* Only non-text keys reach here: arrows and Ctrl keys move in the list while
		 * the field keeps the focus. */
		if (!strcmp(name, "list-find"))
			return 0;
	} else if (!strcmp(name, "search-edit")) {
		s->editing = 1;
		s->pos = strlen(s->query);
		return 1;
	} else if (action < 0 && key_is_text(k) && k != '?') {
		/* An unbound letter in the list starts a new search: type-ahead everywhere. */
		s->editing = 1;
		s->query[0] = '\0';
		s->pos = 0;
		return edit_query(s, k);
	}
	/* Keys typed in one burst (a paste, a fast typist) reach here before any redraw: the
	 * list must reflect the query before a move or an open acts on it. */
	if (s->stale)
		run_search(s);
	if (list_action(&s->list, action))
		return 1;
	if (!strcmp(name, "patient-open")) {
		open_selected(s);
		return 1;
	}
	if (!strcmp(name, "patient-new")) {
		new_patient(s);
		return 1;
	}
	if (!strcmp(name, "ins-from-search")) {
		struct screen *f = insi_new_screen_new(s->app, s->query);
		if (f)
			screen_push(&s->app->ss, f);
		return 1;
	}
	if (!strcmp(name, "stats-show")) {
		struct screen *st = stats_screen_new(s->app);
		if (st)
			screen_push(&s->app->ss, st);
		return 1;
	}
	if (!strcmp(name, "search-clear")) {
		s->query[0] = '\0';
		s->pos = 0;
		s->stale = 1;
		s->editing = 1;
		return 1;
	}
	if (!strcmp(name, "back"))
		return 1;  /* root screen: nothing under it; q quits */
	return 0;
}

/* A background job changed a patient: the list is read again at the next draw. */
static void event(struct screen *base, const void *ev)
{
	struct search_screen *s = (struct search_screen *)base;
	const struct job_event *e = ev;

	if (e->patient_id && e->status == JOB_DONE)
		s->stale = 1;
}

static void enter(struct screen *base)
{
	struct search_screen *s = (struct search_screen *)base;

	/* Back from a dossier or form: data may have changed; keys act on the list. (No patient
	 * count in the title: counting 100 000 rows would cost a whole keystroke's budget.) */
	snprintf(base->title, sizeof base->title, " Vigie — Recherche de patient");
	s->stale = 1;
}

static void leave(struct screen *base)
{
	struct search_screen *s = (struct search_screen *)base;

	s->editing = 0;
}

static void destroy(struct screen *base)
{
	struct search_screen *s = (struct search_screen *)base;

	patient_hits_free(&s->hits);
	free(s);
}

static const struct screen_ops search_ops = {
	.context = "search",
	.uses_list = 1,
	.enter = enter,
	.draw = draw,
	.key = key,
	.event = event,
	.leave = leave,
	.destroy = destroy,
};

struct screen *search_screen_new(struct app *a)
{
	struct search_screen *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->base.ops = &search_ops;
	s->base.app = a;
	s->app = a;
	s->editing = 1;
	s->stale = 1;
	list_init(&s->list);
	s->list.draw_row = draw_row;
	s->list.row_text = row_text;
	s->list.ctx = s;
	return &s->base;
}
