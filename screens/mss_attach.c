/* Attaching a received MSSanté document to a dossier: the document's identity traits against
 * ranked candidate dossiers (or any dossier found by name), trait by trait, differences
 * marked; a weak match needs an explicit "o"; then the document is integrated. */
#include "screens/app.h"
#include "core/date.h"
#include "core/text.h"
#include "jobs/mss_job.h"
#include "screens/format.h"
#include "store/insi_store.h"
#include "store/mss_store.h"
#include "store/patients.h"
#include "ui/form.h"
#include "ui/keys.h"
#include "ui/list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CANDIDATES_MAX 20
#define HITS_MAX 50

struct mss_attach_screen {
	struct screen base;
	struct app *app;
	long long item_id;
	struct mss_item_full *full;
	struct ins_identity doc;       /* the document's traits */
	struct mss_candidate *cand;    /* ranked by the store */
	size_t ncand;
	/* search by name: the list shows these hits instead of the candidates */
	int searching;                 /* the field has the focus */
	int use_hits;
	char query[128];
	size_t pos;
	struct patient_hits hits;
	struct mss_candidate hit;      /* the selected hit compared, for hit_id */
	long long hit_id;
	struct ui_list list;
	long long confirm_patient;     /* a weak match waiting for "o" */
	char error[256];
};

static size_t rows(const struct mss_attach_screen *s)
{
	return s->use_hits ? s->hits.n : s->ncand;
}

/* A dossier compared with the document the way the store ranks candidates. */
static void compare_dossier(struct mss_attach_screen *s, long long patient_id,
			    struct mss_candidate *c)
{
	struct patient p;
	char a[128], b[128];

	memset(c, 0, sizeof *c);
	c->patient_id = patient_id;
	patient_init(&p);
	if (patient_get(s->app->st, patient_id, &p) == 0) {
		insi_local_identity(&p, &c->local);
		snprintf(c->used_name, sizeof c->used_name, "%s", p.used_name);
		text_fold(s->doc.birth_name, a, sizeof a);
		text_fold(p.used_name, b, sizeof b);
		c->used_name_matches = a[0] && b[0] && !strcmp(a, b) &&
				       strcmp(p.used_name, p.birth_name) != 0;
	}
	patient_clear(&p);
	ins_compare(&c->local, &s->doc, c->cmp);
}

/* The selected dossier with its comparison (NULL when the list is empty). */
static const struct mss_candidate *selected(struct mss_attach_screen *s)
{
	if (!rows(s))
		return NULL;
	if (!s->use_hits)
		return &s->cand[s->list.sel];
	if (s->hit_id != s->hits.v[s->list.sel].id) {
		s->hit_id = s->hits.v[s->list.sel].id;
		compare_dossier(s, s->hit_id, &s->hit);
	}
	return &s->hit;
}

static void load(struct mss_attach_screen *s)
{
	free(s->cand);
	s->cand = NULL;
	s->ncand = 0;
	s->error[0] = 0;
	if (!s->full && !(s->full = calloc(1, sizeof *s->full))) {
		snprintf(s->error, sizeof s->error, "Mémoire insuffisante");
		return;
	}
	if (mss_item_full_get(s->app->st, s->item_id, s->full) ||
	    mss_candidates(s->app->st, s->item_id, &s->doc, &s->cand, &s->ncand, CANDIDATES_MAX)) {
		snprintf(s->error, sizeof s->error, "%s", s->app->st->err);
		s->ncand = 0;
	}
	list_set_count(&s->list, rows(s));
}

static void run_search(struct mss_attach_screen *s)
{
	s->hit_id = 0;
	if (patient_search(s->app->st, s->query, HITS_MAX, &s->hits))
		snprintf(s->error, sizeof s->error, "%s", s->app->st->err);
	list_set_count(&s->list, rows(s));
	list_select(&s->list, 0);
}

static void draw_row(void *ctx, size_t idx, int y, int x, int w, int sel)
{
	struct mss_attach_screen *s = ctx;
	char name[320], birth[16], score[32];
	const char *bn, *un, *fn, *ufn, *bd, *sex;

	(void)sel;
	if (s->use_hits) {
		const struct patient_hit *h = &s->hits.v[idx];
		bn = h->birth_name, un = h->used_name, fn = h->first_name;
		ufn = h->used_first_name, bd = h->birth_date, sex = h->sex;
		snprintf(score, sizeof score, "dossier n° %lld", h->id);
	} else {
		const struct mss_candidate *c = &s->cand[idx];
		bn = c->local.birth_name, un = c->used_name, fn = c->local.first_name;
		ufn = "", bd = c->local.birth_date, sex = c->local.sex;
		snprintf(score, sizeof score, "score %3d %s", c->score,
			 mss_candidate_strong(c) ? "proche" : "à vérifier");
	}
	fmt_display_name(bn, un, fn, ufn, name, sizeof name);
	date_iso_to_fr(bd, birth, sizeof birth);
	ui_text(y, x, w - 36, ST_NORMAL, name, 1);
	ui_text(y, x + w - 36, 12, ST_NORMAL, birth, 1);
	ui_text(y, x + w - 24, 3, ST_NORMAL, sex, 1);
	ui_text(y, x + w - 21, 21, ST_MUTED, score, 1);
}

static const char *row_text(void *ctx, size_t idx, char *buf, size_t size)
{
	struct mss_attach_screen *s = ctx;

	if (s->use_hits)
		snprintf(buf, size, "%s %s %s", s->hits.v[idx].birth_name, s->hits.v[idx].used_name,
			 s->hits.v[idx].first_name);
	else
		snprintf(buf, size, "%s %s %s", s->cand[idx].local.birth_name, s->cand[idx].used_name,
			 s->cand[idx].local.first_name);
	return buf;
}

static void draw(struct screen *base)
{
	struct mss_attach_screen *s = (struct mss_attach_screen *)base;
	int cols = ui_cols(), lines = ui_lines(), ytab = lines - 14, x;
	const struct mss_candidate *c;
	struct ins_identity none;
	enum ins_cmp cmp[INS_T_COUNT];
	char birth[16], date[16];
	const struct mss_item *it = s->full ? &s->full->it : NULL;

	base->cursor_y = -1;
	if (!it) {
		ui_text(2, 0, cols, ST_ERROR, s->error, 1);
		return;
	}
	date_iso_to_fr(it->birth_date, birth, sizeof birth);
	date_hl7_to_fr(it->date, "—", date, sizeof date);
	ui_textf(1, 0, cols, ST_HEADER, 1, " Document : %s, naissance %s — %s du %s — de %s",
		 /* a patient's own message: its address is the INS, never shown here */
		 it->sender == MSS_SENDER_PATIENT && strchr(it->patient, '@') ? "message du patient"
		 : it->patient[0] ? it->patient : "patient non précisé", birth[0] ? birth : "?",
		 it->type_label, date, s->full->from_name[0] ? s->full->from_name : s->full->from);
	if (s->use_hits || s->searching) {
		x = ui_text(2, 0, cols, ST_LABEL, " Chercher un dossier : ", 0);
		ui_text(2, x, cols - x, s->searching ? ST_FOCUS : ST_FIELD, s->query, 1);
		if (s->searching) {
			char head[128];
			memcpy(head, s->query, s->pos);
			head[s->pos] = 0;
			base->cursor_y = 2;
			base->cursor_x = x + ui_text_width(head);
		}
	} else {
		ui_textf(2, 0, cols, ST_HEADER, 1, " Dossiers proposés (%zu), du plus proche au "
			 "plus éloigné — / : chercher un autre dossier", s->ncand);
	}
	list_place(&s->list, 3, 0, lines - 18, cols);
	if (s->error[0] || !rows(s)) {
		for (int r = 3; r < lines - 15; r++)
			ui_fill(r, 0, cols, ST_NORMAL);
		ui_text(3, 2, cols - 2, s->error[0] ? ST_ERROR : ST_MUTED, s->error[0] ? s->error
			: s->use_hits ? "Aucun dossier trouvé : tapez un nom, une date JJ/MM/AAAA"
			: "Aucun dossier proche : / pour chercher par nom (ou créez le dossier "
			  "depuis la recherche de patient)", 1);
	} else {
		list_draw(&s->list);
	}
	c = selected(s);
	if (c)
		ui_textf(lines - 15, 0, cols, mss_candidate_strong(c) ? ST_OK : ST_WARN, 1,
			 " %s%s%s%s", mss_candidate_strong(c) ? "" : ui_mono_marker(ST_WARN),
			 mss_candidate_strong(c) ? "Correspondance forte"
			 : "Correspondance faible : confirmation demandée",
			 c->used_name_matches ? " — le nom du document est le nom d'usage (marital) "
			 "du dossier : " : "", c->used_name_matches ? c->used_name : "");
	else
		ui_fill(lines - 15, 0, cols, ST_NORMAL);
	if (!c) {
		memset(&none, 0, sizeof none);
		ins_compare(&none, &s->doc, cmp);
	}
	ins_draw_compare(ytab, cols, c ? &c->local : &none, &s->doc, c ? c->cmp : cmp, "Dossier");
	{
		/* The shared table names its right column for INSi: here it is the document. */
		int w = (cols - 24) / 2;
		ui_textf(ytab, 0, cols, ST_HEADER, 1, "   %-19s %-*.*s %s", "Trait", w, w, "Dossier",
			 "Document reçu");
	}
	if (s->full->doc.conflict[0])
		ui_textf(lines - 4, 0, cols, ST_ERROR, 1, " %sConflit : %s", ui_mono_marker(ST_ERROR),
			 s->full->doc.conflict);
	else
		ui_fill(lines - 4, 0, cols, ST_NORMAL);
	if (s->confirm_patient)
		ui_text(lines - 3, 0, cols, ST_FOCUS, "Rattacher malgré les différences ? (o : oui, "
			"autre touche : non)", 1);
	else
		ui_fill(lines - 3, 0, cols, ST_NORMAL);
	ui_text(lines - 2, 0, cols, ST_MUTED, s->searching
		? "Tapez un nom ou une date — Entrée : la liste   Échap : dossiers proposés"
		: "Entrée : rattacher et intégrer   / : chercher un dossier   Échap : retour", 1);
}

static void attach_now(struct mss_attach_screen *s, long long patient_id)
{
	char err[256];
	struct patient p;
	char name[320] = "";

	if (s->app->st->readonly) {
		app_message(s->app, ST_WARN, "Base en lecture seule : rattachement impossible");
		return;
	}
	if (mss_attach(s->app->st, s->item_id, patient_id)) {
		app_message(s->app, ST_ERROR, "Rattachement impossible : %s", s->app->st->err);
		return;
	}
	patient_init(&p);
	if (patient_get(s->app->st, patient_id, &p) == 0)
		fmt_display_name(p.birth_name, p.used_name, p.first_name, p.used_first_name, name,
				 sizeof name);
	patient_clear(&p);
	if (mss_job_post(s->app->js, APP_JOB_MSS, &s->app->cfg->mss, MSS_INTEGRATE, &s->item_id,
			 1, NULL, err, sizeof err) < 0)
		app_message(s->app, ST_ERROR, "Rattaché à %s ; intégration non lancée : %s", name,
			    err);
	else
		app_message(s->app, ST_OK, "Rattaché au dossier de %s ; intégration lancée", name);
	s->base.done = 1;
}

static void choose(struct mss_attach_screen *s)
{
	const struct mss_candidate *c = selected(s);

	if (!c) {
		app_message(s->app, ST_WARN, "Aucun dossier choisi : / pour chercher par nom");
		return;
	}
	if (mss_candidate_strong(c))
		attach_now(s, c->patient_id);
	else
		s->confirm_patient = c->patient_id;    /* never attached on a weak match silently */
}

static int search_key(struct mss_attach_screen *s, int k)
{
	if (k == VK_ESC) {
		s->searching = s->use_hits = 0;
		s->error[0] = 0;
		list_set_count(&s->list, rows(s));
		list_select(&s->list, 0);
		return 1;
	}
	if (k == VK_ENTER || k == VK_TAB) {
		s->searching = 0;
		return 1;
	}
	if (k != VK_BACKSPACE && k != VK_LEFT && k != VK_RIGHT && !key_is_text(k))
		return 0;    /* arrows up and down move in the hits */
	if (field_edit(s->query, sizeof s->query, 0, &s->pos, k) == FIELD_CHANGED)
		run_search(s);
	return 1;
}

static int key(struct screen *base, int k, int action)
{
	struct mss_attach_screen *s = (struct mss_attach_screen *)base;
	const struct action_def *ad = action_get(action);
	const char *name = ad ? ad->name : "";

	if (s->confirm_patient) {
		long long pid = s->confirm_patient;
		s->confirm_patient = 0;
		if (k == 'o' || k == 'O' || k == 'y' || k == 'Y')
			attach_now(s, pid);
		else
			app_message(s->app, ST_NORMAL, "Rien n'est rattaché");
		return 1;
	}
	if (s->searching && search_key(s, k))
		return 1;
	if (list_find_key(&s->list, k))
		return 1;
	if (!strcmp(name, "mss-attach-choose")) {
		choose(s);
	} else if (!strcmp(name, "mss-attach-search")) {
		s->searching = s->use_hits = 1;
		s->pos = strlen(s->query);
		run_search(s);
	} else if (!strcmp(name, "back") && s->use_hits) {
		s->use_hits = s->searching = 0;
		s->error[0] = 0;
		list_set_count(&s->list, rows(s));
		list_select(&s->list, 0);
	} else {
		return list_action(&s->list, action);
	}
	return 1;
}

static void destroy(struct screen *base)
{
	struct mss_attach_screen *s = (struct mss_attach_screen *)base;

	patient_hits_free(&s->hits);
	free(s->cand);
	free(s->full);
	free(s);
}

static const struct screen_ops mss_attach_ops = {
	.context = "mssattach",
	.uses_list = 1,
	.draw = draw,
	.key = key,
	.destroy = destroy,
};

struct screen *mss_attach_new(struct app *a, long long item_id)
{
	struct mss_attach_screen *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->base.ops = &mss_attach_ops;
	s->base.app = a;
	s->app = a;
	s->item_id = item_id;
	list_init(&s->list);
	s->list.draw_row = draw_row;
	s->list.row_text = row_text;
	s->list.ctx = s;
	snprintf(s->base.title, sizeof s->base.title, " MSSanté — rattacher un document à un "
		 "dossier");
	load(s);
	return &s->base;
}
