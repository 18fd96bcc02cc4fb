/* Dossier screen: identity banner with its status, contact, birth identity, dated notes. */
#include "screens/app.h"
#include "screens/format.h"
#include "core/cog.h"
#include "core/date.h"
#include "core/identity.h"
#include "core/nir.h"
#include "store/patients.h"
#include "store/insi_store.h"
#include "store/cog.h"
#include "jobs/insi_job.h"
#include "ui/form.h"
#include "ui/keys.h"
#include "ui/list.h"
#include "ui/widgets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct dossier_screen {
	struct screen base;
	struct app *app;
	long long id;
	struct patient p;
	int loaded;
	char error[256];
	/* Notes, newest first: pointers into a copy of p.notes split on newlines. */
	char *notes_buf;
	char **notes;
	size_t nnotes;
	struct ui_list list;
	/* One-line prompt for a new note. */
	int adding;
	struct form_field note_field;
	struct ui_form note_form;
	int quit_asked;     /* the prompt's question came from "quit" */
	int auto_done;      /* the automatic INSi call on opening was considered */
	char ins_line[256]; /* INS state: pending call, newest answer, next step */
	enum ui_style ins_style;
	/* An INSi answer awaiting the user is compared in the dossier itself, no keypress */
	struct insi_answer ans;    /* newest INSi answer, read once per load */
	int has_ans;
	int panel;
	struct ins_identity local;
	enum ins_cmp cmp[INS_T_COUNT];
	int choosing;       /* the ID document menu is open */
	char dmp_line[256]; /* DMP icon, new documents, bris de glace: no keypress needed */
	enum ui_style dmp_style;
};

static void split_notes(struct dossier_screen *d)
{
	size_t n = 0;

	free(d->notes_buf);
	free(d->notes);
	d->notes = NULL;
	d->nnotes = 0;
	d->notes_buf = strdup(d->p.notes ? d->p.notes : "");
	if (!d->notes_buf)
		return;
	for (char *c = d->notes_buf; *c; c++)
		n += *c == '\n';
	d->notes = calloc(n + 1, sizeof *d->notes);
	if (!d->notes)
		return;
	for (char *line = d->notes_buf; line && *line;) {
		char *nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		d->notes[d->nnotes++] = line;
		line = nl ? nl + 1 : NULL;
	}
	/* Newest first. */
	for (size_t i = 0; i < d->nnotes / 2; i++) {
		char *t = d->notes[i];
		d->notes[i] = d->notes[d->nnotes - 1 - i];
		d->notes[d->nnotes - 1 - i] = t;
	}
	list_set_count(&d->list, d->nnotes);
}

/* The comparison is shown in the dossier while the newest answer (00) waits for a decision,
 * or was taken automatically and the identity still waits for its ID document. */
static void load_panel(struct dossier_screen *d)
{
	d->panel = 0;
	if (!d->has_ans || strcmp(d->ans.outcome, "00"))
		return;
	if (d->ans.decision[0] && !(!strcmp(d->ans.decision, "automatique") &&
				    d->p.id_status == ID_RECUPEREE))
		return;
	insi_local_identity(&d->p, &d->local);
	ins_compare(&d->local, &d->ans.ins, d->cmp);
	d->panel = 1;
}

static void load(struct dossier_screen *d)
{
	char name[320];

	d->error[0] = '\0';
	if (patient_get(d->app->st, d->id, &d->p)) {
		snprintf(d->error, sizeof d->error, "%s", d->app->st->err);
		d->loaded = 0;
		return;
	}
	d->loaded = 1;
	split_notes(d);
	fmt_display_name(d->p.birth_name, d->p.used_name, d->p.first_name, d->p.used_first_name,
			 name, sizeof name);
	snprintf(d->base.title, sizeof d->base.title, " Dossier — %s", name);
	d->has_ans = insi_answer_latest(d->app->st, d->id, &d->ans) == 0;
	ins_summary_line(d->app, &d->p, d->has_ans ? &d->ans : NULL, d->ins_line,
			 sizeof d->ins_line, &d->ins_style);
	load_panel(d);
	dmp_summary_line(d->app, d->id, d->dmp_line, sizeof d->dmp_line, &d->dmp_style);
	/* A background change (qualified elsewhere, new answer) closes an open menu. */
	if (d->choosing && (d->p.id_status == ID_QUALIFIEE ||
			    (d->p.id_attrs & (ID_ATTR_DOUTEUSE | ID_ATTR_FICTIVE))))
		d->choosing = 0;
}

/* Age in seconds of an "AAAA-MM-JJTHH:MM:SSZ" time, -1 if unreadable. */
static long age_seconds(const char *utc)
{
	struct tm tm = { 0 };

	if (!strptime(utc, "%Y-%m-%dT%H:%M:%SZ", &tm))
		return -1;
	return (long)(time(NULL) - timegm(&tm));
}

/* DOMAIN.md §1: opening a dossier calls INSi by itself, in the background, when the identity
 * is neither récupérée nor qualifiée (nor douteuse/fictive), and re-verifies old INS. */
static void auto_insi(struct dossier_screen *d)
{
	char checked[16], today[16];
	long age = d->has_ans ? age_seconds(d->ans.at) : -1;
	int err = d->has_ans && !strcmp(d->ans.outcome, "erreur"), act;
	time_t now = time(NULL);
	struct tm tm;

	if (!d->app->insi_auto || !d->app->insi.endpoint[0] || d->app->st->readonly)
		return;
	insi_checked_at(d->app->st, d->id, checked, sizeof checked);
	localtime_r(&now, &tm);
	strftime(today, sizeof today, "%Y-%m-%d", &tm);
	act = insi_open_policy(d->p.id_status, d->p.id_attrs, checked, d->p.ins_oid, age, err,
			       d->app->insi_recheck_years, today);
	if (act != INSI_OPEN_NOTHING &&
	    app_insi_post(d->app, d->id, act == INSI_OPEN_VERIFY ? INSI_VERIFY : INSI_SEARCH,
			  NULL) > 0)
		ins_summary_line(d->app, &d->p, d->has_ans ? &d->ans : NULL, d->ins_line,
				 sizeof d->ins_line, &d->ins_style);
}

static void draw_note(void *ctx, size_t idx, int y, int x, int w, int selected)
{
	struct dossier_screen *d = ctx;

	(void)selected;
	ui_text(y, x, w, ST_NORMAL, d->notes[idx], 1);
}

static const char *note_text(void *ctx, size_t idx, char *buf, size_t size)
{
	struct dossier_screen *d = ctx;

	snprintf(buf, size, "%s", d->notes[idx]);
	return buf;
}

static void draw_banner(struct dossier_screen *d)
{
	struct banner_info b;
	char name[320], birth[64], attrs[64], ins[64];
	struct nir n;

	fmt_display_name(d->p.birth_name, d->p.used_name, d->p.first_name, d->p.used_first_name,
			 name, sizeof name);
	fmt_birth(d->p.birth_date, d->p.sex, birth, sizeof birth);
	fmt_attrs(d->p.id_attrs, attrs, sizeof attrs);
	ins[0] = '\0';
	if (d->p.ins_matricule[0] && nir_parse(d->p.ins_matricule, 1, &n) == NIR_OK) {
		char f[32];
		nir_format(&n, f, sizeof f);
		snprintf(ins, sizeof ins, "INS %s", f);
	}
	b = (struct banner_info){
		.name = name,
		.birth = birth,
		.sex = d->p.sex,
		.status_label = id_status_label(d->p.id_status),
		.status_marker = id_status_marker(d->p.id_status),
		.status_style = fmt_status_style(d->p.id_status, d->p.id_attrs),
		.attributes = attrs,
		.ins = ins,
	};
	banner_draw(1, &b);
}

static void draw_prompt_or_hint(struct dossier_screen *d, int cols, int lines,
				const char *hint);

/* Dossier with the INSi comparison on top: contact on one line, then the notes. */
static void draw_with_panel(struct dossier_screen *d, int cols, int lines)
{
	int y = 5 + INS_T_COUNT + 2;

	ins_draw_compare(5, cols, &d->local, &d->ans.ins, d->cmp, "Dossier");
	ui_textf(y++, 0, cols, ST_NORMAL, 1, "Tél. %s  Port. %s  %s", d->p.phone[0] ? d->p.phone
		 : "—", d->p.mobile[0] ? d->p.mobile : "—", d->p.email);
	ui_textf(y++, 0, cols, ST_HEADER, 1, "Notes (%zu)", d->nnotes);
	list_place(&d->list, y, 0, lines - 2 - y, cols);
	if (d->nnotes)
		list_draw(&d->list);
	else
		for (int r = y; r < lines - 2; r++)
			ui_fill(r, 0, cols, ST_NORMAL);
	if (d->choosing) {
		ins_draw_doc_choice(lines - 6, cols);
		ui_text(lines - 2, 0, cols, ST_MUTED, "Une touche choisit la pièce", 1);
		return;
	}
	draw_prompt_or_hint(d, cols, lines, d->p.id_status == ID_RECUPEREE
			    ? "v : qualifier (pièce vue)  i : détails  a : note  m : modifier  Échap"
			    : "v : qualifier (pièce vue)  i : comparer/accepter  a : note  Échap");
}

static void draw(struct screen *base)
{
	struct dossier_screen *d = (struct dossier_screen *)base;
	int cols = ui_cols(), lines = ui_lines(), y = 4;
	char buf[256], cog[96];
	struct nir n;

	if (!d->loaded) {
		ui_text(2, 0, cols, ST_ERROR, d->error, 1);
		ui_text(lines - 2, 0, cols, ST_MUTED, "Échap : retour", 1);
		return;
	}
	draw_banner(d);
	ui_textf(3, 0, cols, d->ins_style, 1, "%s%s", ui_mono_marker(d->ins_style), d->ins_line);
	ui_textf(4, 0, cols, d->dmp_style, 1, "%s%s", ui_mono_marker(d->dmp_style), d->dmp_line);
	if (d->panel) {
		draw_with_panel(d, cols, lines);
		return;
	}
	y = 6;
	ui_text(5, 0, cols, ST_HEADER, "Coordonnées", 1);
	ui_textf(y++, 0, cols, ST_NORMAL, 1, "  Téléphone : %-20s Portable : %s",
		 d->p.phone[0] ? d->p.phone : "—", d->p.mobile[0] ? d->p.mobile : "—");
	ui_textf(y++, 0, cols, ST_NORMAL, 1, "  Courriel  : %s", d->p.email[0] ? d->p.email : "—");
	ui_textf(y++, 0, cols, ST_NORMAL, 1, "  Adresse   : %s %s %s", d->p.address,
		 d->p.postal_code, d->p.city);
	ui_text(y++, 0, cols, ST_HEADER, "Identité de naissance", 1);
	ui_textf(y++, 0, cols, ST_NORMAL, 1, "  Nom de naissance : %s    Prénoms : %s",
		 d->p.birth_name, d->p.birth_first_names[0] ? d->p.birth_first_names : d->p.first_name);
	switch (cog_classify(d->p.birth_cog)) {
	case COG_FOREIGN:
		snprintf(cog, sizeof cog, "%s (étranger)", d->p.birth_cog);
		break;
	case COG_UNKNOWN:
		snprintf(cog, sizeof cog, "99999 (inconnu)");
		break;
	case COG_COMMUNE: {
		/* The name valid at the birth date, when the COG table knows the code. */
		struct cog_place pl;
		if (cog_lookup(d->app->st, d->p.birth_cog, d->p.birth_date, &pl) == 0)
			snprintf(cog, sizeof cog, "%s %.40s", d->p.birth_cog, pl.name);
		else
			snprintf(cog, sizeof cog, "%s", d->p.birth_cog);
		break;
	}
	default:
		snprintf(cog, sizeof cog, "non renseigné");
	}
	buf[0] = '\0';
	if (d->p.nir[0] && nir_parse(d->p.nir, 1, &n) == NIR_OK)
		nir_format(&n, buf, sizeof buf);
	ui_textf(y++, 0, cols, ST_NORMAL, 1, "  Lieu de naissance : %-28s NIR : %s", cog,
		 buf[0] ? buf : "—");
	ui_textf(y++, 0, cols, ST_HEADER, 1, "Notes (%zu)", d->nnotes);
	list_place(&d->list, y, 0, lines - 2 - y, cols);
	if (d->nnotes) {
		list_draw(&d->list);
	} else {
		for (int r = y; r < lines - 2; r++)
			ui_fill(r, 0, cols, ST_NORMAL);
		ui_text(y, 2, cols - 2, ST_MUTED, "Aucune note — a : ajouter une note", 1);
	}
	if (d->choosing) {
		ins_draw_doc_choice(lines - 6, cols);
		ui_text(lines - 2, 0, cols, ST_MUTED, d->p.id_status == ID_RECUPEREE
			? "Une touche choisit la pièce : identité qualifiée"
			: "Une touche choisit la pièce : identité validée (sans INS)", 1);
		return;
	}
	draw_prompt_or_hint(d, cols, lines,
			    "m modifier a note i INS v pièce d DICA D DMP c consent. o docs ? aide");
}

static void draw_prompt_or_hint(struct dossier_screen *d, int cols, int lines, const char *hint)
{
	struct screen *base = &d->base;

	if (d->adding) {
		/* Prompt, spare row, message: all above the status line. */
		form_place(&d->note_form, lines - 4, 0, 3, cols);
		d->note_form.label_w = 6;
		form_draw(&d->note_form);
		base->cursor_y = d->note_form.cursor_y;
		base->cursor_x = d->note_form.cursor_x;
	} else if (d->list.finding || d->list.msg[0]) {
		ui_textf(lines - 2, 0, cols, d->list.msg[0] ? ST_ERROR : ST_NORMAL, 1, "%s%s",
			 d->list.finding ? "Chercher dans les notes : " : "",
			 d->list.msg[0] ? d->list.msg : d->list.find);
	} else {
		ui_text(lines - 2, 0, cols, ST_MUTED, hint, 1);
	}
}

static void save_note(struct dossier_screen *d)
{
	struct store *st = d->app->st;

	if (patient_add_note(st, d->id, d->note_field.value)) {
		form_message(&d->note_form, 1, "%s", st->err);
		return;
	}
	d->adding = 0;
	app_message(d->app, ST_OK, "Note ajoutée");
	load(d);
	list_select(&d->list, 0);
}

static int key(struct screen *base, int k, int action)
{
	struct dossier_screen *d = (struct dossier_screen *)base;
	const struct action_def *a = action_get(action);
	const char *name = a ? a->name : "";

	if (d->adding && a && !key_is_text(k) &&
	    (!strcmp(name, "help") || !strcmp(name, "redraw") || !strcmp(name, "suspend")))
		return 0;
	/* C-c while a note is typed: quit at once if it is empty, else ask. */
	if (d->adding && a && !key_is_text(k) && !strcmp(name, "quit") &&
	    !d->note_form.confirm_cancel) {
		if (!d->note_field.value[0])
			return 0;
		d->quit_asked = 1;
		d->note_form.confirm_cancel = 1;
		form_message(&d->note_form, 1, "Quitter sans enregistrer la note ? (o : oui)");
		return 1;
	}
	if (d->adding) {
		/* The prompt has its own keys: Enter saves, Esc cancels, letters are text. */
		const char *fctx[] = { "form", "global" };
		int fa = keymap_resolve(&d->app->km, fctx, 2, k);
		const struct action_def *fd = action_get(fa);
		if (k == VK_ENTER || (fd && !strcmp(fd->name, "form-save"))) {
			save_note(d);
			return 1;
		}
		switch (form_key(&d->note_form, k, fa)) {
		case FORM_CANCEL:
			d->adding = 0;
			if (d->quit_asked)
				d->app->quit = 1;
			break;
		case FORM_SAVE:
			save_note(d);
			break;
		case FORM_CONTINUE:
			if (!d->note_form.confirm_cancel)
				d->quit_asked = 0;
			break;
		}
		return 1;
	}
	if (d->choosing && strcmp(name, "help") && strcmp(name, "redraw")) {
		enum ins_doc doc;
		if (ins_doc_key(k, &doc)) {
			d->choosing = 0;
			ins_qualify_dossier(d->app, d->id, doc);
			load(d);
		} else if (k == VK_ESC || k == VK_CTRL('g')) {
			d->choosing = 0;
		} else {
			app_message(d->app, ST_WARN, "Choisissez la pièce : c p s l n a e, ou Échap");
		}
		return 1;
	}
	if (list_find_key(&d->list, k))
		return 1;
	if (!d->loaded)
		return 0;
	if (!strcmp(name, "ins-qualify")) {
		if (d->p.id_attrs & (ID_ATTR_DOUTEUSE | ID_ATTR_FICTIVE))
			app_message(d->app, ST_ERROR, "Identité douteuse ou fictive : elle reste "
				    "provisoire (RNIV)");
		else if (d->p.id_status == ID_QUALIFIEE)
			app_message(d->app, ST_NORMAL, "Identité déjà qualifiée");
		else if (d->panel && !d->ans.key_ok)
			app_message(d->app, ST_ERROR, "Réponse INSi anormale (clé de matricule "
				    "fausse) : qualification impossible");
		else if (d->panel && d->ans.decision[0] == 0 && d->p.id_status == ID_RECUPEREE)
			app_message(d->app, ST_WARN, "Réponse INSi en attente : acceptez-la ou "
				    "rejetez-la d'abord (i)");
		else
			d->choosing = 1;
		return 1;
	}
	if (list_action(&d->list, action))
		return 1;
	if (!strcmp(name, "patient-edit")) {
		struct screen *f = patient_form_new(d->app, d->id, NULL);
		if (f)
			screen_push(&d->app->ss, f);
		return 1;
	}
	if (!strcmp(name, "ins-compare")) {
		struct screen *c = ins_compare_new(d->app, d->id, 0, 0);
		if (c)
			screen_push(&d->app->ss, c);
		return 1;
	}
	if (!strcmp(name, "ins-search")) {
		int has_ins = d->p.id_status == ID_RECUPEREE || d->p.id_status == ID_QUALIFIEE;
		const char *why = NULL;
		if (!ins_insi_call_allowed(d->p.id_attrs, &why))
			app_message(d->app, ST_ERROR, "%s", why);
		else if (app_insi_post(d->app, d->id, has_ins ? INSI_VERIFY : INSI_SEARCH, NULL) > 0)
			app_message(d->app, ST_NORMAL, "Interrogation INSi lancée");
		else if (app_insi_pending(d->app, d->id))
			app_message(d->app, ST_NORMAL, "Interrogation INSi déjà en cours");
		load(d);
		return 1;
	}
	if (!strcmp(name, "dica-show") || !strcmp(name, "dmp-docs")) {
		struct screen *s = !strcmp(name, "dica-show") ? dica_screen_new(d->app, d->id)
							       : dmp_docs_screen_new(d->app, d->id);
		if (s)
			screen_push(&d->app->ss, s);
		return 1;
	}
	if (!strcmp(name, "dmp-consent")) {
		app_consent_toggle(d->app, d->id, "consultation");
		load(d);
		return 1;
	}
	if (!strcmp(name, "mss-patient")) {
		struct screen *s = mss_worklist_new(d->app, d->id);
		if (s)
			screen_push(&d->app->ss, s);
		return 1;
	}
	if (!strcmp(name, "documents-show")) {
		struct screen *s = documents_screen_new(d->app, d->id);
		if (s)
			screen_push(&d->app->ss, s);
		return 1;
	}
	if (!strcmp(name, "note-add")) {
		if (d->app->st->readonly) {
			app_message(d->app, ST_ERROR, "Base en lecture seule : ajout impossible");
			return 1;
		}
		memset(&d->note_field, 0, sizeof d->note_field);
		d->note_field.label = "Note";
		d->note_field.hint = "Entrée : enregistrer   Échap : abandonner";
		d->note_field.maxbytes = 1000;   /* the store line holds 1200 */
		form_init(&d->note_form, &d->note_field, 1, d);
		d->adding = 1;
		return 1;
	}
	return 0;
}

/* A background job changed this patient (INSi, DMP...): show the new state. */
static void event(struct screen *base, const void *ev)
{
	struct dossier_screen *d = (struct dossier_screen *)base;
	const struct job_event *e = ev;

	if ((e->patient_id == d->id && (e->status == JOB_DONE || e->kind == APP_JOB_INSI ||
					 e->kind == APP_JOB_DMP)) || e->kind == APP_JOB_PSC)
		load(d);
}

static void enter(struct screen *base)
{
	struct dossier_screen *d = (struct dossier_screen *)base;

	/* (Re)load: a form or another session may have changed the dossier. */
	d->app->focus_patient = d->id;
	load(d);
	if (d->loaded && !d->auto_done) {
		d->auto_done = 1;
		auto_insi(d);
		app_dmp_on_open(d->app, d->id);
		dmp_summary_line(d->app, d->id, d->dmp_line, sizeof d->dmp_line, &d->dmp_style);
	}
}

static void leave(struct screen *base)
{
	struct dossier_screen *d = (struct dossier_screen *)base;

	if (d->app->focus_patient == d->id)
		d->app->focus_patient = 0;
}

static void destroy(struct screen *base)
{
	struct dossier_screen *d = (struct dossier_screen *)base;

	patient_clear(&d->p);
	free(d->notes_buf);
	free(d->notes);
	free(d);
}

static const struct screen_ops dossier_ops = {
	.context = "dossier",
	.uses_list = 1,
	.enter = enter,
	.draw = draw,
	.key = key,
	.event = event,
	.leave = leave,
	.destroy = destroy,
};

struct screen *dossier_screen_new(struct app *a, long long patient_id)
{
	struct dossier_screen *d = calloc(1, sizeof *d);

	if (!d)
		return NULL;
	d->base.ops = &dossier_ops;
	d->base.app = a;
	d->app = a;
	d->id = patient_id;
	patient_init(&d->p);
	list_init(&d->list);
	d->list.draw_row = draw_note;
	d->list.row_text = note_text;
	d->list.ctx = d;
	patient_touch_opened(a->st, patient_id);
	return &d->base;
}
