/* MSSanté worklist: documents received by secure mail, one line each (status, sender, patient,
 * type, date, alerts), filters and sorts done by the store, actions in one key, and the app
 * glue (automatic fetch, status line entry, job events). Only the visible rows are read. */
#include "screens/app.h"
#include "core/date.h"
#include "jobs/mss_job.h"
#include "screens/format.h"
#include "store/documents.h"
#include "store/mss_store.h"
#include "store/patients.h"
#include "ui/keys.h"
#include "ui/list.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* An important message (a sender withdrew an integrated document) stays this long. */
#define MSS_LONG_MESSAGE_SECONDS 60
/* Rows kept from the store: more than a tall terminal shows. */
#define ROW_CACHE 128
/* Items integrated by one key at most (a job each time). */
#define INTEGRATE_MAX 2000

/* ---- app glue ------------------------------------------------------------------------------ */

static int mss_configured(const struct app *a)
{
	return a->cfg && a->cfg->mss.url[0];
}

void app_mss_counts(struct app *a)
{
	long long n_new = 0, n_alert = 0;

	if (mss_counts(a->st, &n_new, &n_alert) == 0) {
		a->mss_new = n_new;
		a->mss_alert = n_alert;
	}
}

void app_mss_fetch(struct app *a, int asked)
{
	char err[256];
	long long id;

	if (!mss_configured(a)) {
		if (asked)
			app_message(a, ST_WARN, "MSSanté non configuré ([mss] adresse dans "
				    "vigie.conf)");
		return;
	}
	if (a->cfg->mss_interval > 0)
		a->mss_next_fetch = time(NULL) + a->cfg->mss_interval;
	if (a->st->readonly) {
		if (asked)
			app_message(a, ST_WARN, "Base en lecture seule : les messages reçus ne "
				    "pourraient pas être enregistrés");
		return;
	}
	if (a->mss_fetch_job) {
		if (asked) {
			a->mss_asked = 1;
			app_message(a, ST_NORMAL, "Relève MSSanté déjà en cours");
		}
		return;
	}
	id = mss_job_post(a->js, APP_JOB_MSS, &a->cfg->mss, MSS_FETCH, NULL, 0, NULL, err,
			  sizeof err);
	if (id < 0) {
		app_message(a, ST_ERROR, "MSSanté : %s", err);
		return;
	}
	a->mss_fetch_job = id;
	a->mss_asked = asked;
	if (asked)
		app_message(a, ST_NORMAL, "Relève de la boîte MSSanté lancée");
}

void app_mss_tick(struct app *a)
{
	if (!mss_configured(a) || a->cfg->mss_interval <= 0 || a->mss_fetch_job ||
	    a->st->readonly)
		return;
	if (time(NULL) >= a->mss_next_fetch)
		app_mss_fetch(a, 0);
}

int app_mss_wait_seconds(const struct app *a)
{
	time_t now = time(NULL);

	if (!mss_configured(a) || a->cfg->mss_interval <= 0 || a->mss_fetch_job ||
	    a->st->readonly)
		return -1;
	return a->mss_next_fetch <= now ? 0 : (int)(a->mss_next_fetch - now);
}

void app_mss_status(struct app *a, char *buf, size_t size)
{
	buf[0] = 0;
	if (a->mss_down && mss_configured(a))
		snprintf(buf, size, "MSS:HS");
	else if (mss_configured(a) || a->mss_new > 0)
		snprintf(buf, size, "MSS:%lld%s", a->mss_new, a->mss_alert > 0 ? "!" : "");
}

/* The newest deletion notice: who and what the sender withdrew, for the announcement. */
static void withdrawn_what(struct app *a, char *buf, size_t size)
{
	struct mss_filter f;
	long long *ids = NULL;
	size_t n = 0;
	struct mss_item it;

	buf[0] = 0;
	memset(&f, 0, sizeof f);
	f.only_alerts = 1;
	if (mss_list(a->st, &f, MSS_SORT_RECEIVED, &ids, &n))
		return;
	for (size_t i = 0; i < n && i < 50; i++)
		if (mss_item_get(a->st, ids[i], &it) == 0 && (it.flags & MSS_F_DELETE)) {
			snprintf(buf, size, "%s — %s", it.patient, it.type_label);
			break;
		}
	free(ids);
}

void app_mss_event(struct app *a, const struct job_event *e)
{
	int fetch = e->job_id && e->job_id == a->mss_fetch_job;
	int asked = fetch ? a->mss_asked : 1;
	int was_down = a->mss_down, down;
	long long before = a->mss_new;

	if (fetch) {
		a->mss_fetch_job = 0;
		a->mss_asked = 0;
		if (e->status == JOB_TIMEOUT || (e->status == JOB_DONE && (e->code & MSS_JOB_DOWN)))
			a->mss_down = 1;
		else if (e->status == JOB_DONE && !(e->code & MSS_JOB_ERROR))
			a->mss_down = 0;
	}
	app_mss_counts(a);
	if (e->status == JOB_DONE && (e->code & MSS_JOB_VIEW))
		return;    /* the worklist opens the viewer */
	if (e->status == JOB_CANCELLED) {
		app_message(a, ST_WARN, "MSSanté : tâche annulée");
	} else if (e->status == JOB_DONE && (e->code & MSS_JOB_WITHDRAWN)) {
		char what[300];
		withdrawn_what(a, what, sizeof what);
		/* Short enough to be read whole beside the status line's services. */
		app_message(a, ST_ERROR, "Document retiré par l'émetteur%s%s",
			    what[0] ? " : " : " (liste MSS : C-v)", what);
		a->msg_until = time(NULL) + MSS_LONG_MESSAGE_SECONDS;
	} else if (e->status != JOB_DONE || (e->code & (MSS_JOB_ERROR | MSS_JOB_DOWN))) {
		/* An automatic fetch against a dead server says it once; the status line keeps
		 * "MSS:HS" visible afterwards. */
		down = e->status == JOB_TIMEOUT || (e->code & MSS_JOB_DOWN);
		if (asked || !fetch || !down || !was_down)
			app_message(a, ST_ERROR, "MSSanté : %s", e->message[0] ? e->message
				    : "la tâche a échoué");
	} else if (fetch && (e->code & MSS_JOB_NEW)) {
		long long added = a->mss_new - before;
		if (added > 1)
			app_message(a, ST_OK, "%lld nouveaux documents MSSanté", added);
		else if (added == 1)
			app_message(a, ST_OK, "1 nouveau document MSSanté");
		else
			app_message(a, ST_OK, "MSSanté : %s", e->message);
	} else if (asked && e->message[0]) {
		app_message(a, e->code & (MSS_JOB_INTEGRATED | MSS_JOB_REPLACED) ? ST_OK : ST_NORMAL,
			    "%s", e->message);
	}
}

/* ---- the worklist screen ------------------------------------------------------------------- */

struct row_cache {
	long long id;      /* 0: empty */
	int ok;            /* read without error */
	struct mss_item it;
};

struct mss_worklist {
	struct screen base;
	struct app *app;
	struct mss_filter filter;
	enum mss_sort sort;
	char type_label[128];       /* of filter.type_code */
	char patient_label[320];    /* of filter.patient_id */
	int type_index;             /* in the types menu, -1 none */
	long long *ids;             /* items in display order */
	size_t n;
	struct row_cache cache[ROW_CACHE];
	long long *chosen;          /* selected ids, sorted */
	size_t nchosen;
	struct ui_list list;
	char error[256];
	int filtering;              /* the text filter prompt is open */
	long long confirm_delete;   /* item asked about (o/n), 0 none */
	long long view_job;
	/* detail pane of the selected item, read when the selection changes */
	long long detail_id;
	struct mss_item_full *full;
	char detail_dossier[300];
	char detail_note[600];
};

static const char *const sort_labels[] = { "réception", "date", "type", "patient" };

static int cmp_id(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int is_chosen(const struct mss_worklist *w, long long id)
{
	return w->nchosen && bsearch(&id, w->chosen, w->nchosen, sizeof id, cmp_id) != NULL;
}

static void choose_toggle(struct mss_worklist *w, long long id)
{
	long long *p = w->nchosen ? bsearch(&id, w->chosen, w->nchosen, sizeof id, cmp_id) : NULL;
	long long *v;

	if (p) {
		memmove(p, p + 1, (size_t)(w->chosen + w->nchosen - p - 1) * sizeof *p);
		w->nchosen--;
		return;
	}
	v = realloc(w->chosen, (w->nchosen + 1) * sizeof *v);
	if (!v) {
		app_message(w->app, ST_ERROR, "Mémoire insuffisante");
		return;
	}
	w->chosen = v;
	w->chosen[w->nchosen++] = id;
	qsort(w->chosen, w->nchosen, sizeof *w->chosen, cmp_id);
}

static void cache_clear(struct mss_worklist *w)
{
	for (size_t i = 0; i < ROW_CACHE; i++)
		w->cache[i].id = 0;
	w->detail_id = 0;
}

/* The item of a row, from the cache or the store (NULL when unreadable). */
static const struct mss_item *row_item(struct mss_worklist *w, size_t idx)
{
	struct row_cache *c;

	if (idx >= w->n)
		return NULL;
	c = &w->cache[idx % ROW_CACHE];
	if (c->id != w->ids[idx]) {
		c->id = w->ids[idx];
		c->ok = mss_item_get(w->app->st, c->id, &c->it) == 0;
	}
	return c->ok ? &c->it : NULL;
}

static long long current_id(const struct mss_worklist *w)
{
	return w->n ? w->ids[w->list.sel] : 0;
}

/* Reads the list again (filters, sort), keeping the selection on the same item. */
static void load(struct mss_worklist *w)
{
	long long keep = current_id(w);
	size_t sel = w->list.sel;

	free(w->ids);
	w->ids = NULL;
	w->n = 0;
	w->error[0] = 0;
	cache_clear(w);
	if (mss_list(w->app->st, &w->filter, w->sort, &w->ids, &w->n)) {
		snprintf(w->error, sizeof w->error, "%s", w->app->st->err);
		w->n = 0;
	}
	for (size_t i = 0; keep && i < w->n; i++)
		if (w->ids[i] == keep) {
			sel = i;
			break;
		}
	list_set_count(&w->list, w->n);
	list_select(&w->list, sel);
}

static char status_letter(const struct mss_item *it)
{
	switch (it->status) {
	case MSS_ST_NEW: return 'N';
	case MSS_ST_INTEGRATED: return 'I';
	case MSS_ST_REPLACED: return 'R';
	case MSS_ST_WITHDRAWN: return 'X';
	case MSS_ST_DELETED: return 'D';
	default: return ' ';
	}
}

/* Alert markers, readable without colour: !3 abnormal results, U urgent, V new version,
 * = already integrated, S the sender's deletion notice, ? no dossier, C conflict, E error. */
static enum ui_style alerts_of(const struct mss_item *it, char *buf, size_t size)
{
	enum ui_style st = ST_NORMAL;
	size_t len = 0;

	buf[0] = 0;
#define ADD(...) do { if (len < size) len += (size_t)snprintf(buf + len, size - len, __VA_ARGS__); } while (0)
	if (it->abnormal > 0) {
		ADD("!%d", it->abnormal);
		st = ST_WARN;
	}
	if (it->urgent) {
		ADD("U");
		st = ST_WARN;
	}
	if (it->flags & MSS_F_NEW_VERSION) {
		ADD("V");
		st = ST_WARN;
	}
	if (it->flags & MSS_F_ALREADY)
		ADD("=");
	if (it->flags & MSS_F_DELETE) {
		ADD("S");
		st = ST_WARN;
	}
	if (!it->patient_id && !(it->flags & MSS_F_DELETE) && it->status != MSS_ST_DELETED)
		ADD("?");
	if (it->flags & MSS_F_CONFLICT) {
		ADD("C");
		st = ST_ERROR;
	}
	if (it->flags & MSS_F_ERROR) {
		ADD("E");
		st = ST_ERROR;
	}
#undef ADD
	return st;
}

/* The patient of a line: a patient's own message has no CDA, and its address is made of the
 * INS matricule, which a line never shows. */
static const char *patient_shown(const struct mss_item *it)
{
	if (it->sender == MSS_SENDER_PATIENT && strchr(it->patient, '@'))
		return "Message du patient";
	return it->patient[0] ? it->patient : "—";
}

/* Column positions inside a row of width w (after the list's 2-column marker). */
struct cols {
	int patient, birth, type, date, alerts;
	int patient_w, type_w, alerts_w;
};

static void columns(int w, struct cols *c)
{
	c->alerts_w = 8;
	c->type_w = w >= 100 ? 30 : 18;
	c->patient = 5;
	c->patient_w = w - 5 - 11 - (c->type_w + 1) - 11 - c->alerts_w;
	if (c->patient_w < 10)
		c->patient_w = 10;
	c->birth = c->patient + c->patient_w + 1;
	c->type = c->birth + 11;
	c->date = c->type + c->type_w + 1;
	c->alerts = c->date + 11;
}

static void draw_row(void *ctx, size_t idx, int y, int x, int w, int selected)
{
	struct mss_worklist *wl = ctx;
	const struct mss_item *it = row_item(wl, idx);
	char head[8], birth[16], date[16], alerts[48];
	enum ui_style st, ast, name_st;
	struct cols c;

	(void)selected;
	if (!it) {
		ui_text(y, x, w, ST_ERROR, "   (ligne illisible)", 1);
		return;
	}
	columns(w, &c);
	st = it->status == MSS_ST_NEW ? ST_KEY
	     : it->status >= MSS_ST_REPLACED ? ST_MUTED : ST_NORMAL;
	name_st = it->status == MSS_ST_NEW ? ST_KEY : st;
	ast = alerts_of(it, alerts, sizeof alerts);
	snprintf(head, sizeof head, "%c%c %c ", is_chosen(wl, it->id) ? '*' : ' ',
		 status_letter(it), it->sender == MSS_SENDER_PATIENT ? 'M' : 'P');
	date_iso_to_fr(it->birth_date, birth, sizeof birth);
	date_hl7_to_fr(it->date, "—", date, sizeof date);
	ui_text(y, x, 5, st, head, 1);
	ui_text(y, x + c.patient, c.patient_w, name_st, patient_shown(it), 1);
	ui_text(y, x + c.birth, 10, st, birth, 1);
	ui_text(y, x + c.type, c.type_w, st, it->type_label, 1);
	ui_text(y, x + c.date, 10, st, date, 1);
	ui_text(y, x + c.alerts, w - c.alerts, ast, alerts, 1);
}

static const char *row_text(void *ctx, size_t idx, char *buf, size_t size)
{
	struct mss_worklist *w = ctx;
	const struct mss_item *it = row_item(w, idx);

	snprintf(buf, size, "%s %s", it ? it->patient : "", it ? it->type_label : "");
	return buf;
}

/* What the detail pane says about the selected item (read once per selection). */
static void detail_load(struct mss_worklist *w)
{
	struct mss_item_full *f;
	const struct mss_item *it;
	struct patient p;
	struct document d;
	size_t len = 0;
	char name[320], when[16];

	if (!w->n || w->detail_id == current_id(w))
		return;
	w->detail_id = current_id(w);
	w->detail_dossier[0] = w->detail_note[0] = 0;
	if (!w->full && !(w->full = malloc(sizeof *w->full)))
		return;
	f = w->full;
	if (mss_item_full_get(w->app->st, w->detail_id, f)) {
		memset(f, 0, sizeof *f);
		snprintf(w->detail_note, sizeof w->detail_note, "%s", w->app->st->err);
		return;
	}
	it = &f->it;
	patient_init(&p);
	if (it->patient_id && patient_get(w->app->st, it->patient_id, &p) == 0) {
		char birth[16];
		fmt_display_name(p.birth_name, p.used_name, p.first_name, p.used_first_name, name,
				 sizeof name);
		date_iso_to_fr(p.birth_date, birth, sizeof birth);
		snprintf(w->detail_dossier, sizeof w->detail_dossier, "Dossier : %s, né%s le %s "
			 "(%s)", name, !strcmp(p.sex, "F") ? "e" : "(e)", birth,
			 it->match == MSS_MATCH_INS ? "même INS" : "rattaché par l'utilisateur");
	} else if (it->flags & MSS_F_DELETE) {
		snprintf(w->detail_dossier, sizeof w->detail_dossier, "Avis de suppression de "
			 "l'émetteur : rien à intégrer");
	} else {
		snprintf(w->detail_dossier, sizeof w->detail_dossier, "Aucun dossier : a pour "
			 "rattacher");
	}
	patient_clear(&p);
#define NOTE(...) do { if (len < sizeof w->detail_note) len += (size_t)snprintf(w->detail_note + len, sizeof w->detail_note - len, __VA_ARGS__); } while (0)
	memset(&d, 0, sizeof d);
	when[0] = 0;
	if (it->document_id && document_get(w->app->st, it->document_id, &d) == 0) {
		char day[11];
		snprintf(day, sizeof day, "%.10s", d.integrated_at);   /* AAAA-MM-JJ of the UTC time */
		if (day[0])
			date_iso_to_fr(day, when, sizeof when);
	} else {
		d.provenance[0] = 0;
	}
	if (it->status == MSS_ST_WITHDRAWN)
		NOTE("Supprimé par l'émetteur%s. ", it->document_id ? " : retiré du dossier" : "");
	if (it->status == MSS_ST_REPLACED)
		NOTE("Remplacé par une version plus récente reçue. ");
	if (it->status == MSS_ST_DELETED)
		NOTE("Effacé de la liste (l'original reste archivé). ");
	if (it->status == MSS_ST_INTEGRATED)
		NOTE("Intégré au dossier%s%s. ", when[0] ? " le " : "", when);
	if (it->flags & MSS_F_NEW_VERSION)
		NOTE("Nouvelle version du document intégré%s%s. ", when[0] ? " le " : "", when);
	if ((it->flags & MSS_F_ALREADY) && it->status != MSS_ST_INTEGRATED)
		NOTE("Déjà intégré%s%s%s%s%s. ", d.provenance[0] ? " (" : "", d.provenance,
		     d.provenance[0] ? ")" : "", when[0] ? " le " : "", when);
	if (it->flags & MSS_F_OLDER)
		NOTE("Version plus ancienne que celle du dossier. ");
	if (f->doc.conflict[0])
		NOTE("Conflit : %s ", f->doc.conflict);
	if (f->doc.error[0])
		NOTE("Erreur : %s ", f->doc.error);
	if (f->msg_error[0])
		NOTE("Message : %s ", f->msg_error);
#undef NOTE
}

static void draw_detail(struct mss_worklist *w, int y, int rows, int cols)
{
	const struct mss_item_full *f;
	char received[32] = "";
	const char *note;
	int r = 0;

	for (int i = 0; i < rows; i++)
		ui_fill(y + i, 0, cols, ST_NORMAL);
	if (!w->n)
		return;
	detail_load(w);
	f = w->full;
	if (!f)
		return;
	if (f->it.received_at[0]) {
		char d[16];
		char iso[11];
		snprintf(iso, sizeof iso, "%.10s", f->it.received_at);
		date_iso_to_fr(iso, d, sizeof d);
		snprintf(received, sizeof received, "reçu le %s", d);
	}
	if (f->it.sender == MSS_SENDER_PATIENT)   /* the address is the INS: not shown */
		ui_textf(y + r++, 0, cols, ST_NORMAL, 1, " De : le patient, par Mon espace santé%s%s"
			 "  %s", f->from_name[0] ? " — " : "", f->from_name, received);
	else
		ui_textf(y + r++, 0, cols, ST_NORMAL, 1, " De : %s%s%s%s (professionnel)  %s",
			 f->from_name, f->from_name[0] ? " <" : "", f->from,
			 f->from_name[0] ? ">" : "", received);
	ui_textf(y + r++, 0, cols, ST_NORMAL, 1, " Objet : %s%s", f->subject[0] ? f->subject :
		 "(sans objet)", f->it.urgent ? "  [URGENT]" : "");
	ui_textf(y + r++, 0, cols, f->it.patient_id ? ST_NORMAL : ST_WARN, 1, " %s%s",
		 f->it.patient_id ? "" : ui_mono_marker(ST_WARN), w->detail_dossier);
	/* The note in full, over the rows left (conflicts and errors are long sentences). */
	note = w->detail_note;
	while (r < rows && *note) {
		int width = cols - 2, used = 0;
		const char *p = note, *cut = NULL;
		char line[600];

		/* Break at a space within the width, counting display columns. */
		while (*p) {
			int cw = ((unsigned char)*p & 0xC0) == 0x80 ? 0 : 1;
			if (used + cw > width)
				break;
			used += cw;
			if (*p == ' ')
				cut = p;
			p++;
		}
		if (*p && cut && r < rows - 1)
			p = cut + 1;
		snprintf(line, sizeof line, "%.*s", (int)(p - note), note);
		ui_textf(y + r++, 0, cols, (f->it.flags & (MSS_F_CONFLICT | MSS_F_ERROR)) ||
			 f->it.status == MSS_ST_WITHDRAWN ? ST_ERROR : ST_WARN, 1, " %s", line);
		note = p;
	}
}

/* Filter on one dossier, named in the header. */
static void filter_patient(struct mss_worklist *w, long long patient_id)
{
	struct patient p;

	w->filter.patient_id = patient_id;
	snprintf(w->patient_label, sizeof w->patient_label, "dossier n° %lld", patient_id);
	patient_init(&p);
	if (patient_get(w->app->st, patient_id, &p) == 0)
		fmt_display_name(p.birth_name, p.used_name, p.first_name, p.used_first_name,
				 w->patient_label, sizeof w->patient_label);
	patient_clear(&p);
}

static void filter_summary(const struct mss_worklist *w, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = 0;
#define ADD(...) do { if (len < size) len += (size_t)snprintf(buf + len, size - len, __VA_ARGS__); } while (0)
	if (w->filter.only_new)
		ADD("%snouveaux", len ? ", " : "");
	if (w->filter.only_alerts)
		ADD("%salertes", len ? ", " : "");
	if (w->filter.type_code[0])
		ADD("%stype « %s »", len ? ", " : "", w->type_label);
	if (w->filter.patient_id)
		ADD("%s%s", len ? ", " : "", w->patient_label);
	if (w->filter.text[0])
		ADD("%s« %s »", len ? ", " : "", w->filter.text);
#undef ADD
}

static void draw(struct screen *base)
{
	struct mss_worklist *w = (struct mss_worklist *)base;
	int cols = ui_cols(), lines = ui_lines(), detail = w->app->mss_detail;
	int list_h = detail ? lines - 11 : lines - 7;
	char filt[300], choice[48] = "";
	struct cols c;

	filter_summary(w, filt, sizeof filt);
	if (w->nchosen)
		snprintf(choice, sizeof choice, " — %zu choisi(s)", w->nchosen);
	/* What is shown first: the filter must not be cut off by the counts. */
	ui_textf(1, 0, cols, ST_HEADER, 1, " %zu document(s)%s%s%s — tri : %s — %lld nouveau(x), "
		 "%lld alerte(s)", w->n, filt[0] ? " — filtre : " : "", filt, choice,
		 sort_labels[w->sort], w->app->mss_new, w->app->mss_alert);
	columns(cols - 2, &c);
	ui_fill(2, 0, cols, ST_LABEL);
	ui_text(2, 2, 5, ST_LABEL, " S E", 0);
	ui_text(2, 2 + c.patient, c.patient_w, ST_LABEL, "Patient", 0);
	ui_text(2, 2 + c.birth, 10, ST_LABEL, "Naissance", 0);
	ui_text(2, 2 + c.type, c.type_w, ST_LABEL, "Type", 0);
	ui_text(2, 2 + c.date, 10, ST_LABEL, "Date", 0);
	ui_text(2, 2 + c.alerts, cols - 2 - c.alerts, ST_LABEL, "Alertes", 0);
	list_place(&w->list, 3, 0, list_h, cols);
	if (w->error[0] || !w->n) {
		for (int r = 3; r < 3 + list_h; r++)
			ui_fill(r, 0, cols, ST_NORMAL);
		ui_text(3, 2, cols - 2, w->error[0] ? ST_ERROR : ST_MUTED, w->error[0] ? w->error
			: filt[0] ? "Aucun document ne correspond au filtre (0 : enlever les filtres)"
			: w->app->mss_fetch_job ? "Relève de la boîte MSSanté en cours…"
			: mss_configured(w->app) ? "Aucun document reçu — R : relever maintenant"
			: "Aucun document reçu ([mss] adresse dans vigie.conf pour la relève)", 1);
	} else {
		list_draw(&w->list);
	}
	if (detail) {
		draw_detail(w, lines - 8, 5, cols);
		ui_fill(lines - 3, 0, cols, ST_NORMAL);
	} else {
		/* Legends of the markers (S status, E sender, alerts), 80 columns each. */
		ui_text(lines - 4, 0, cols, ST_MUTED, " N nouveau I intégré R remplacé X retiré "
			"D effacé · P pro M patient · C conflit", 1);
		ui_text(lines - 3, 0, cols, ST_MUTED, " !n anormaux U urgent V version = déjà "
			"intégré S suppr. ? sans dossier E erreur", 1);
	}
	if (w->confirm_delete) {
		const struct mss_item *it = w->n ? row_item(w, w->list.sel) : NULL;
		ui_textf(lines - 2, 0, cols, ST_FOCUS, 1, "Effacer « %s — %s » de la liste ? "
			 "(o : oui, autre touche : non)", it ? it->patient : "",
			 it ? it->type_label : "");
	} else if (w->filtering) {
		ui_textf(lines - 2, 0, cols, ST_FOCUS, 1, "Filtre (patient, type, émetteur, objet) : "
			 "%s", w->filter.text);
	} else if (w->list.finding || w->list.msg[0]) {
		ui_textf(lines - 2, 0, cols, w->list.msg[0] ? ST_ERROR : ST_NORMAL, 1, "%s%s",
			 w->list.finding ? "Chercher : " : "", w->list.msg[0] ? w->list.msg
									  : w->list.find);
	} else {
		ui_text(lines - 2, 0, cols, ST_MUTED, "Entrée voir I intégrer a rattacher l lu "
			"d effacer /n!tp filtres o tri i détails", 1);
	}
	base->cursor_y = -1;
}

/* ---- actions ------------------------------------------------------------------------------- */

static int writable(struct mss_worklist *w)
{
	if (w->app->st->readonly) {
		app_message(w->app, ST_WARN, "Base en lecture seule : action impossible");
		return 0;
	}
	return 1;
}

static void after_change(struct mss_worklist *w)
{
	load(w);
	app_mss_counts(w->app);
}

static void open_attach(struct mss_worklist *w, long long id)
{
	struct screen *s = mss_attach_new(w->app, id);

	if (s)
		screen_push(&w->app->ss, s);
}

/* Why an item cannot be integrated ("" when it can, or needs the attach screen first). */
static const char *refusal(const struct mss_item *it)
{
	if (it->flags & MSS_F_DELETE)
		return "avis de suppression de l'émetteur : rien à intégrer";
	if (it->status == MSS_ST_WITHDRAWN)
		return "document supprimé par son émetteur : intégration refusée";
	if (it->status == MSS_ST_DELETED)
		return "document effacé de la liste";
	if (it->status == MSS_ST_INTEGRATED)
		return "déjà intégré au dossier";
	if (it->flags & MSS_F_ERROR)
		return "document illisible (i : détails)";
	return "";
}

static int needs_attach(const struct mss_item *it)
{
	return !it->patient_id || ((it->flags & MSS_F_CONFLICT) && it->match != MSS_MATCH_USER);
}

static void post_integrate(struct mss_worklist *w, const long long *ids, size_t n)
{
	char err[256];

	if (mss_job_post(w->app->js, APP_JOB_MSS, &w->app->cfg->mss, MSS_INTEGRATE, ids, n, NULL,
			 err, sizeof err) < 0)
		app_message(w->app, ST_ERROR, "%s", err);
	else
		app_message(w->app, ST_NORMAL, "Intégration de %zu document(s) lancée", n);
}

static void integrate(struct mss_worklist *w)
{
	long long *ids;
	size_t n = 0, skipped = 0, total = w->nchosen ? w->nchosen : w->n ? 1 : 0;
	struct mss_item it;

	if (!total || !writable(w))
		return;
	if (!w->nchosen) {
		long long id = current_id(w);
		const char *why;
		if (mss_item_get(w->app->st, id, &it)) {
			app_message(w->app, ST_ERROR, "%s", w->app->st->err);
			return;
		}
		why = refusal(&it);
		if (*why)
			app_message(w->app, ST_WARN, "Intégration impossible : %s", why);
		else if (needs_attach(&it))
			open_attach(w, id);
		else
			post_integrate(w, &id, 1);
		return;
	}
	ids = calloc(total, sizeof *ids);
	if (!ids)
		return;
	for (size_t i = 0; i < w->nchosen && n < INTEGRATE_MAX; i++) {
		if (mss_item_get(w->app->st, w->chosen[i], &it) || *refusal(&it) ||
		    needs_attach(&it))
			skipped++;
		else
			ids[n++] = w->chosen[i];
	}
	if (n)
		post_integrate(w, ids, n);
	if (skipped)
		app_message(w->app, n ? ST_WARN : ST_ERROR, "%s%zu document(s) laissé(s) : sans "
			    "dossier, en conflit, retiré(s) ou déjà intégré(s) (a : rattacher)",
			    n ? "Intégration lancée ; " : "", skipped);
	free(ids);
	w->nchosen = 0;
}

static void attach(struct mss_worklist *w)
{
	struct mss_item it;
	const char *why;

	if (!w->n || !writable(w))
		return;
	if (mss_item_get(w->app->st, current_id(w), &it)) {
		app_message(w->app, ST_ERROR, "%s", w->app->st->err);
		return;
	}
	why = refusal(&it);
	if (*why && it.status != MSS_ST_INTEGRATED)
		app_message(w->app, ST_WARN, "Rattachement impossible : %s", why);
	else if (it.status == MSS_ST_INTEGRATED)
		app_message(w->app, ST_WARN, "Déjà intégré au dossier : le document y reste "
			    "(rattachement impossible)");
	else
		open_attach(w, it.id);
}

static void view(struct mss_worklist *w)
{
	long long id = current_id(w);
	char err[256];

	if (!id)
		return;
	w->view_job = mss_job_post(w->app->js, APP_JOB_MSS, &w->app->cfg->mss, MSS_VIEW, &id, 1,
				   NULL, err, sizeof err);
	if (w->view_job < 0) {
		w->view_job = 0;
		app_message(w->app, ST_ERROR, "%s", err);
	} else {
		app_message(w->app, ST_NORMAL, "Préparation du document…");
	}
}

static void toggle_read(struct mss_worklist *w)
{
	const struct mss_item *it = w->n ? row_item(w, w->list.sel) : NULL;

	if (!it || !writable(w))
		return;
	if (it->status != MSS_ST_NEW && it->status != MSS_ST_READ) {
		app_message(w->app, ST_NORMAL, "Statut « %s » gardé", mss_status_label(it->status));
		return;
	}
	if (mss_mark_read(w->app->st, it->id, it->status == MSS_ST_NEW))
		app_message(w->app, ST_ERROR, "%s", w->app->st->err);
	after_change(w);
}

static void delete_confirmed(struct mss_worklist *w, int k)
{
	long long id = w->confirm_delete;

	w->confirm_delete = 0;
	if (k != 'o' && k != 'O' && k != 'y' && k != 'Y') {
		app_message(w->app, ST_NORMAL, "Rien n'est effacé");
		return;
	}
	if (mss_delete_local(w->app->st, id)) {
		app_message(w->app, ST_ERROR, "%s", w->app->st->err);
		return;
	}
	app_message(w->app, ST_OK, "Effacé de la liste (original archivé, action tracée)");
	after_change(w);
}

static void cycle_type(struct mss_worklist *w)
{
	char (*codes)[32] = NULL;
	char (*labels)[128] = NULL;
	size_t n = 0;

	if (mss_types(w->app->st, &codes, &labels, &n)) {
		app_message(w->app, ST_ERROR, "%s", w->app->st->err);
		return;
	}
	/* The next type after the current one; after the last, every type again. */
	w->type_index = 0;
	for (size_t i = 0; w->filter.type_code[0] && i < n; i++)
		if (!strcmp(codes[i], w->filter.type_code))
			w->type_index = (int)i + 1;
	if ((size_t)w->type_index >= n) {
		w->filter.type_code[0] = w->type_label[0] = 0;
		app_message(w->app, ST_NORMAL, "Tous les types");
	} else {
		snprintf(w->filter.type_code, sizeof w->filter.type_code, "%s", codes[w->type_index]);
		snprintf(w->type_label, sizeof w->type_label, "%s",
			 labels[w->type_index][0] ? labels[w->type_index] : codes[w->type_index]);
		app_message(w->app, ST_NORMAL, "Type : %s (t : suivant)", w->type_label);
	}
	free(codes);
	free(labels);
	load(w);
}

static void filter_key(struct mss_worklist *w, int k)
{
	size_t len = strlen(w->filter.text);

	if (k == VK_ENTER || k == VK_ESC) {
		w->filtering = 0;
		if (k == VK_ESC)
			w->filter.text[0] = 0;
	} else if (k == VK_BACKSPACE || k == 8) {
		while (len > 0 && ((unsigned char)w->filter.text[len - 1] & 0xC0) == 0x80)
			len--;
		if (len > 0)
			len--;
		w->filter.text[len] = 0;
	} else if (key_is_text(k)) {
		char u[8];
		size_t n = key_utf8(k, u);
		if (n && len + n < sizeof w->filter.text) {
			memcpy(w->filter.text + len, u, n);
			w->filter.text[len + n] = 0;
		}
	} else {
		return;
	}
	load(w);
}

static int key(struct screen *base, int k, int action)
{
	struct mss_worklist *w = (struct mss_worklist *)base;
	const struct action_def *ad = action_get(action);
	const char *name = ad ? ad->name : "";

	if (w->confirm_delete) {
		delete_confirmed(w, k);
		return 1;
	}
	if (w->filtering) {
		filter_key(w, k);
		return 1;
	}
	if (list_find_key(&w->list, k))
		return 1;
	if (!strcmp(name, "doc-view")) {
		view(w);
	} else if (!strcmp(name, "mss-integrate")) {
		integrate(w);
	} else if (!strcmp(name, "mss-attach")) {
		attach(w);
	} else if (!strcmp(name, "mss-read")) {
		toggle_read(w);
	} else if (!strcmp(name, "mss-delete")) {
		if (w->n && writable(w))
			w->confirm_delete = current_id(w);
	} else if (!strcmp(name, "mss-select")) {
		if (w->n) {
			choose_toggle(w, current_id(w));
			list_select(&w->list, w->list.sel + 1 < w->n ? w->list.sel + 1 : w->list.sel);
		}
	} else if (!strcmp(name, "mss-select-all")) {
		if (w->nchosen) {
			w->nchosen = 0;
		} else if (w->n) {
			long long *v = malloc(w->n * sizeof *v);
			if (v) {
				memcpy(v, w->ids, w->n * sizeof *v);
				qsort(v, w->n, sizeof *v, cmp_id);
				free(w->chosen);
				w->chosen = v;
				w->nchosen = w->n;
			}
		}
	} else if (!strcmp(name, "mss-filter")) {
		w->filtering = 1;
	} else if (!strcmp(name, "mss-filter-new")) {
		w->filter.only_new = !w->filter.only_new;
		load(w);
	} else if (!strcmp(name, "mss-filter-alerts")) {
		w->filter.only_alerts = !w->filter.only_alerts;
		load(w);
	} else if (!strcmp(name, "mss-filter-type")) {
		cycle_type(w);
	} else if (!strcmp(name, "mss-filter-patient")) {
		const struct mss_item *it = w->n ? row_item(w, w->list.sel) : NULL;
		if (w->filter.patient_id)
			w->filter.patient_id = 0;
		else if (it && it->patient_id)
			filter_patient(w, it->patient_id);
		else
			app_message(w->app, ST_WARN, "Aucun dossier pour ce document : a pour le "
				    "rattacher");
		load(w);
	} else if (!strcmp(name, "mss-filter-clear")) {
		memset(&w->filter, 0, sizeof w->filter);
		w->type_label[0] = 0;
		load(w);
	} else if (!strcmp(name, "mss-sort")) {
		w->sort = (enum mss_sort)((w->sort + 1) % 4);
		app_message(w->app, ST_NORMAL, "Tri : %s", sort_labels[w->sort]);
		load(w);
	} else if (!strcmp(name, "mss-fetch")) {
		app_mss_fetch(w->app, 1);
	} else if (!strcmp(name, "mss-detail")) {
		w->app->mss_detail = !w->app->mss_detail;
	} else if (!strcmp(name, "mss-worklist")) {
		/* already here */
	} else {
		return list_action(&w->list, action);
	}
	return 1;
}

static void open_viewer(struct mss_worklist *w, const struct job_event *e)
{
	w->app->msg[0] = 0;    /* "Préparation du document…" is over */
	doc_view_open_job(w->app, e, 0);
}

static void event(struct screen *base, const void *ev)
{
	struct mss_worklist *w = (struct mss_worklist *)base;
	const struct job_event *e = ev;

	if (e->kind != APP_JOB_MSS)
		return;
	if (e->job_id == w->view_job) {
		w->view_job = 0;
		/* Viewing marks the item read: the line changes too. */
		load(w);
		if (e->status == JOB_DONE)
			open_viewer(w, e);
		else
			app_message(w->app, ST_ERROR, "Document : %s", e->message);
		return;
	}
	load(w);
}

static void enter(struct screen *base)
{
	struct mss_worklist *w = (struct mss_worklist *)base;

	/* First opening, or back from the viewer or the attach screen: what changed shows. */
	load(w);
}

static void destroy(struct screen *base)
{
	struct mss_worklist *w = (struct mss_worklist *)base;

	free(w->ids);
	free(w->chosen);
	free(w->full);
	free(w);
}

static const struct screen_ops mss_worklist_ops = {
	.context = "mss",
	.uses_list = 1,
	.enter = enter,
	.draw = draw,
	.key = key,
	.event = event,
	.destroy = destroy,
};

struct screen *mss_worklist_new(struct app *a, long long patient_id)
{
	struct mss_worklist *w = calloc(1, sizeof *w);

	if (!w)
		return NULL;
	w->base.ops = &mss_worklist_ops;
	w->base.app = a;
	w->app = a;
	if (patient_id)
		filter_patient(w, patient_id);
	w->type_index = -1;
	list_init(&w->list);
	w->list.draw_row = draw_row;
	w->list.row_text = row_text;
	w->list.ctx = w;
	snprintf(w->base.title, sizeof w->base.title, " MSSanté — documents reçus");
	return &w->base;
}
