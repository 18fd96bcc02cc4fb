/* DMP access in the interface: jobs and session glue of the app, the dossier's DMP line, the
 * DICA checklist screen (one key per remedy) and the legal reminder screen. */
#include "screens/app.h"
#include "core/dica.h"
#include "core/dmp_wire.h"
#include "jobs/dmp_job.h"
#include "jobs/psc_session.h"
#include "store/consent.h"
#include "store/dmp_store.h"
#include "store/patients.h"
#include "store/users.h"
#include "screens/format.h"
#include "ui/keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- app glue ------------------------------------------------------------------------------ */

long long app_dmp_pending(const struct app *a, long long patient_id)
{
	for (int i = 0; i < APP_DMP_PENDING_MAX; i++)
		if (a->dmp_pending[i].job && a->dmp_pending[i].patient == patient_id)
			return a->dmp_pending[i].job;
	return 0;
}

long long app_dmp_post(struct app *a, long long patient_id, enum dmp_purpose purpose,
		       const long long *rows, size_t n_rows)
{
	char err[256];
	int slot = -1;
	long long id;

	for (int i = 0; i < APP_DMP_PENDING_MAX; i++) {
		if (a->dmp_pending[i].job && a->dmp_pending[i].patient == patient_id &&
		    a->dmp_pending[i].purpose == (int)purpose) {
			/* An explicit action must not vanish without a word. */
			if (purpose != DMP_REFRESH)
				app_message(a, ST_WARN, "Un appel DMP du même type est déjà en cours "
					    "pour ce patient : attendez sa fin");
			return 0;
		}
		if (!a->dmp_pending[i].job && slot < 0)
			slot = i;
	}
	if (slot < 0) {
		app_message(a, ST_WARN, "Trop d'appels DMP en cours : réessayez dans un instant");
		return -1;
	}
	id = dmp_job_post(a->js, APP_JOB_DMP, &a->cfg->dmp, patient_id, purpose, rows, n_rows,
			  err, sizeof err);
	if (id < 0) {
		app_message(a, ST_ERROR, "%s", err);
		return -1;
	}
	a->dmp_pending[slot].job = id;
	a->dmp_pending[slot].patient = patient_id;
	a->dmp_pending[slot].purpose = (int)purpose;
	return id;
}

void app_dmp_on_open(struct app *a, long long patient_id)
{
	struct dica_input in;
	struct dica_keep keep;
	struct dica_result r;

	if (!a->cfg->dmp_auto || !a->cfg->dmp.endpoint[0] || a->st->readonly)
		return;
	if (dmp_dica_load(a->st, patient_id, &in, &keep))
		return;
	dica_evaluate(&in, &r);
	if (r.may_query)
		app_dmp_post(a, patient_id, DMP_REFRESH, NULL, 0);
}

void app_dmp_event(struct app *a, const struct job_event *e)
{
	int here = e->patient_id > 0 && e->patient_id == a->focus_patient;
	int asked = 0;    /* an explicit action (not the call made on opening a dossier) */
	enum ui_style st = ST_NORMAL;

	for (int i = 0; i < APP_DMP_PENDING_MAX; i++)
		if (a->dmp_pending[i].job == e->job_id) {
			a->dmp_pending[i].job = 0;
			asked = a->dmp_pending[i].purpose != DMP_REFRESH;
		}
	if (e->status == JOB_TIMEOUT)
		a->dmp_up = 0;
	else if (e->status == JOB_DONE && (e->code & DMP_JOB_DOWN))
		a->dmp_up = 0;
	else if (e->status == JOB_DONE && (e->code & (DMP_JOB_STATUS | DMP_JOB_DOCS |
						      DMP_JOB_INTEGRATED | DMP_JOB_VIEW)))
		a->dmp_up = 1;
	if (e->status != JOB_DONE || (e->code & (DMP_JOB_ERROR | DMP_JOB_REFUSED)))
		st = ST_ERROR;
	else if (e->code & (DMP_JOB_INTEGRATED | DMP_JOB_DOCS))
		st = ST_OK;
	if (e->status == JOB_CANCELLED)
		app_message(a, ST_WARN, "DMP : appel annulé");
	else if (e->message[0] && (here || asked || st == ST_ERROR))
		app_message(a, st, "%s", e->message);
}

/* The national id of the user for CIBA: configuration, else 8 + RPPS. */
static int login_hint(struct app *a, char *out, size_t size)
{
	struct user u;

	if (a->cfg->psc_login_hint[0]) {
		snprintf(out, size, "%s", a->cfg->psc_login_hint);
		return 0;
	}
	memset(&u, 0, sizeof u);
	if (user_get_by_login(a->st, a->login, &u) == 0 && u.rpps[0]) {
		snprintf(out, size, "8%s", u.rpps);
		return 0;
	}
	return -1;
}

void app_psc_signin(struct app *a)
{
	char nid[32], binding[8], err[256];

	if (!a->cfg->psc.issuer[0]) {
		app_message(a, ST_ERROR, "Pro Santé Connect n'est pas configuré ([psc] emetteur)");
		return;
	}
	if (login_hint(a, nid, sizeof nid)) {
		app_message(a, ST_ERROR, "Identifiant national inconnu pour %s : RPPS de "
			    "l'utilisateur ou [psc] identifiant", a->login);
		return;
	}
	if (psc_signin_start(a->js, APP_JOB_PSC, &a->cfg->psc, nid, binding, err, sizeof err) < 0)
		app_message(a, ST_ERROR, "%s", err);
	else
		app_message(a, ST_WARN, "Code e-CPS à valider : %s (Pro Santé Connect, "
			    "application e-CPS)", binding);
}

void app_psc_event(struct app *a, const struct job_event *e)
{
	struct psc_session_info info;

	psc_session_info(&info);
	if (info.state == PSC_STATE_SIGNED_IN) {
		/* A refresh says nothing and asks nothing; a sign-in that just succeeded
		 * announces who, and the open dossier's DMP can now be asked. */
		if (e->status == JOB_DONE && e->code == 0 && info.signed_in_at + 5 >= time(NULL)) {
			app_message(a, ST_OK, "Pro Santé Connect : connecté(e) — %s %s",
				    info.user.given, info.user.family);
			if (a->focus_patient > 0)
				app_dmp_on_open(a, a->focus_patient);
		}
	} else if (info.state == PSC_STATE_FAILED || e->status != JOB_DONE) {
		app_message(a, ST_ERROR, "Pro Santé Connect : %s",
			    info.message[0] ? info.message : e->message);
	}
}

void app_psc_tick(struct app *a)
{
	time_t now = time(NULL);

	if (now == a->psc_tick)
		return;
	a->psc_tick = now;
	psc_session_tick(a->js, APP_JOB_PSC, &a->cfg->psc, now);
}

void app_dmp_status(struct app *a, char *psc, size_t size)
{
	struct psc_session_info info;

	psc_session_info(&info);
	psc[0] = 0;
	if (info.state == PSC_STATE_SIGNED_IN)
		snprintf(psc, size, "PSC:%s", info.user.family);
	else if (info.state == PSC_STATE_PENDING)
		snprintf(psc, size, "PSC:code %s", info.binding);
	(void)a;
}

/* ---- consent ------------------------------------------------------------------------------- */

void app_consent_toggle(struct app *a, long long patient_id, const char *what)
{
	struct dmp_consent c;
	int rc;

	if (a->st->readonly) {
		app_message(a, ST_ERROR, "Base en lecture seule : consentement non modifiable");
		return;
	}
	if (consent_get(a->st, patient_id, &c)) {
		app_message(a, ST_ERROR, "%s", a->st->err);
		return;
	}
	if (!strcmp(what, "consultation")) {
		rc = consent_set_consultation(a->st, patient_id, !c.consultation);
		/* Consent is given after the information: record both. */
		if (rc == 0 && !c.consultation && !c.informed)
			rc = consent_set_informed(a->st, patient_id, 1);
		if (rc == 0)
			app_message(a, c.consultation ? ST_WARN : ST_OK, c.consultation
				    ? "DMP : consentement retiré (consultation)"
				    : "DMP : consentement recueilli (consultation)");
	} else if (!strcmp(what, "informe")) {
		rc = consent_set_informed(a->st, patient_id, !c.informed);
		if (rc == 0)
			app_message(a, ST_OK, c.informed ? "Information du patient : non"
				    : "Patient informé sur le DMP");
	} else if (!strcmp(what, "opposition")) {
		rc = consent_set_feeding_opposed(a->st, patient_id, !c.feeding_opposed);
		if (rc == 0)
			app_message(a, c.feeding_opposed ? ST_OK : ST_WARN, c.feeding_opposed
				    ? "Le patient ne s'oppose plus à l'alimentation de son DMP"
				    : "Opposition à l'alimentation du DMP enregistrée (sans motif)");
	} else {
		char now[32];
		int on;
		store_now_utc(now, sizeof now);
		on = !consent_bdg_active(&c, now);
		rc = consent_set_bdg(a->st, patient_id, on ? a->cfg->dmp_bdg_minutes : 0);
		if (rc == 0)
			app_message(a, on ? ST_WARN : ST_OK, on
				    ? "BRIS DE GLACE actif %d min : accès d'urgence tracé"
				    : "Bris de glace terminé", a->cfg->dmp_bdg_minutes);
	}
	if (rc)
		app_message(a, ST_ERROR, "Consentement non enregistré : %s", a->st->err);
	else
		app_dmp_on_open(a, patient_id);
}

/* ---- the dossier's DMP line ---------------------------------------------------------------- */

/* "AAAA-MM-JJTHH:MM:SSZ" (UTC) as local "HH:MM". */
static void local_hm(const char *utc, char *out, size_t size)
{
	struct tm tm = { 0 };
	time_t t;

	if (!strptime(utc, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		snprintf(out, size, "?");
		return;
	}
	t = timegm(&tm);
	localtime_r(&t, &tm);
	strftime(out, size, "%H:%M", &tm);
}

void dmp_summary_line(struct app *a, long long patient_id, char *buf, size_t size,
		      enum ui_style *style)
{
	struct dica_input in;
	struct dica_keep keep;
	struct dica_result r;
	int n_new = 0, n_inv = 0, n_all = 0;
	char fetched[32] = "", hm[16];
	size_t len;

	*style = ST_MUTED;
	if (dmp_dica_load(a->st, patient_id, &in, &keep)) {
		snprintf(buf, size, "DMP?  état illisible : %s", a->st->err);
		return;
	}
	dica_evaluate(&in, &r);
	/* Bris de glace already makes C (and D without authorisation) green: all four lines
	 * still have to be, an unqualified INS or nobody signed in is not "consultable". */
	if (r.all_ok) {
		*style = ST_OK;
		len = (size_t)snprintf(buf, size, "DMP+  consultable");
	} else {
		const char *why = "";
		for (int l = 0; l < DICA_COUNT; l++)
			if (r.line[l].state != DICA_OK) {
				why = r.line[l].reason;
				break;
			}
		*style = in.dmp.state == DMP_STATE_CLOSED || in.dmp.authz == DMP_AUTHZ_BLOCKED
			 ? ST_ERROR : ST_WARN;
		len = (size_t)snprintf(buf, size, "DMP-  %s", why);
	}
	if (r.bdg_active && len < size) {
		local_hm(in.consent.bdg_until, hm, sizeof hm);
		len += (size_t)snprintf(buf + len, size - len, "  !BRIS DE GLACE jusqu'à %s", hm);
		*style = ST_ERROR;
	}
	if (app_dmp_pending(a, patient_id) && len < size)
		len += (size_t)snprintf(buf + len, size - len, "  — interrogation du DMP…");
	else if (dmp_docs_count_new(a->st, patient_id, a->login, &n_new, &n_inv, &n_all, fetched,
				    sizeof fetched) == 0 && fetched[0] && len < size) {
		if (n_new)
			len += (size_t)snprintf(buf + len, size - len, "  %d nouveau%s document%s",
						n_new, n_new > 1 ? "x" : "", n_new > 1 ? "s" : "");
		else
			len += (size_t)snprintf(buf + len, size - len, "  %d document%s, aucun "
						"nouveau", n_all, n_all > 1 ? "s" : "");
		if (n_inv && len < size)
			len += (size_t)snprintf(buf + len, size - len, " [%d invisible%s patient]",
						n_inv, n_inv > 1 ? "s" : "");
	}
	if (len < size)
		snprintf(buf + len, size - len, "   d : DICA");   /* D is on the hint line */
}

/* ---- legal reminder ------------------------------------------------------------------------ */

struct legal_screen {
	struct screen base;
	struct app *app;
	int checked;
	struct screen *then;      /* pushed once acknowledged (owned until then) */
};

static void legal_draw(struct screen *base)
{
	struct legal_screen *d = (struct legal_screen *)base;
	int cols = ui_cols(), y = 2;

	ui_text(y++, 0, cols, ST_HEADER, " Rappel légal — accès au DMP", 1);
	y++;
	ui_text(y++, 2, cols - 2, ST_NORMAL, "Consulter le DMP d'un patient sans son consentement,",
		1);
	ui_text(y++, 2, cols - 2, ST_NORMAL, "hors urgence (bris de glace), expose le "
		"professionnel à des", 1);
	ui_text(y++, 2, cols - 2, ST_NORMAL, "poursuites (code de la santé publique, "
		"art. L. 1111-15 et suivants).", 1);
	ui_text(y++, 2, cols - 2, ST_NORMAL, "Recueillez le consentement du patient avant "
		"toute consultation ;", 1);
	ui_text(y++, 2, cols - 2, ST_NORMAL, "chaque accès est tracé.", 1);
	y++;
	ui_textf(y++, 2, cols - 2, d->checked ? ST_OK : ST_WARN, 1, "[%s] J'ai compris",
		 d->checked ? "x" : " ");
	y++;
	ui_text(y, 2, cols - 2, ST_MUTED, "Espace : cocher   Entrée : valider   Échap : renoncer",
		1);
	for (int r = y + 1; r < ui_lines() - 2; r++)
		ui_fill(r, 0, cols, ST_NORMAL);
	ui_fill(ui_lines() - 2, 0, cols, ST_NORMAL);
	base->cursor_y = -1;
}

static int legal_key(struct screen *base, int k, int action)
{
	struct legal_screen *d = (struct legal_screen *)base;

	(void)action;
	if (k == ' ') {
		d->checked = !d->checked;
		return 1;
	}
	if (k == VK_ENTER) {
		if (!d->checked) {
			app_message(d->app, ST_WARN, "Cochez « J'ai compris » (Espace) avant de "
				    "valider");
			return 1;
		}
		if (legal_ack_set(d->app->st, d->app->login)) {
			app_message(d->app, ST_ERROR, "%s", d->app->st->err);
			return 1;
		}
		d->app->dmp_reminder_ok = 1;
		d->app->pending_push = d->then;
		d->then = NULL;
		base->done = 1;
		return 1;
	}
	return 0;
}

static void legal_destroy(struct screen *base)
{
	struct legal_screen *d = (struct legal_screen *)base;

	if (d->then && d->then->ops->destroy)
		d->then->ops->destroy(d->then);
	free(d);
}

static const struct screen_ops legal_ops = {
	.context = "legal",
	.draw = legal_draw,
	.key = legal_key,
	.destroy = legal_destroy,
};

/* Due: never acknowledged, or more than [dmp] rappel_jours ago. */
static int reminder_due(struct app *a)
{
	char at[32] = "", now[32];

	if (a->dmp_reminder_ok)
		return 0;
	store_now_utc(now, sizeof now);
	legal_ack_get(a->st, a->login, at, sizeof at);
	if (!consent_reminder_due(at, now, a->cfg->dmp_reminder_days)) {
		a->dmp_reminder_ok = 1;
		return 0;
	}
	return 1;
}

/* Push s, behind the legal reminder when it is due. */
static void push_after_reminder(struct app *a, struct screen *s)
{
	struct legal_screen *d;

	if (!s)
		return;
	if (!reminder_due(a) || !(d = calloc(1, sizeof *d))) {
		screen_push(&a->ss, s);
		return;
	}
	d->base.ops = &legal_ops;
	d->base.app = a;
	d->app = a;
	d->then = s;
	snprintf(d->base.title, sizeof d->base.title, " Rappel légal");
	screen_push(&a->ss, &d->base);
}

/* ---- DICA screen --------------------------------------------------------------------------- */

struct dica_screen {
	struct screen base;
	struct app *app;
	long long id;
	struct dica_input in;
	struct dica_keep keep;
	struct dica_result r;
	char name[320];
	int loaded;
	int confirm_bdg;
};

static void dica_load(struct dica_screen *d)
{
	struct patient p;

	d->loaded = dmp_dica_load(d->app->st, d->id, &d->in, &d->keep) == 0;
	if (d->loaded)
		dica_evaluate(&d->in, &d->r);
	patient_init(&p);
	if (patient_get(d->app->st, d->id, &p) == 0)
		fmt_display_name(p.birth_name, p.used_name, p.first_name, p.used_first_name,
				 d->name, sizeof d->name);
	patient_clear(&p);
}

/* The key of each remedy, as the hint shows it. */
static const char *remedy_key(enum dica_remedy r)
{
	switch (r) {
	case DICA_REMEDY_WEATHER: return "m";
	case DICA_REMEDY_AUTHORIZE: return "A";
	case DICA_REMEDY_RETRY: return "R";
	case DICA_REMEDY_QUALIFY_INS: return "i";
	case DICA_REMEDY_CONSENT: return "c";
	case DICA_REMEDY_SIGN_IN: return "s";
	default: return "";
	}
}

static void draw_consent(struct dica_screen *d, int y, int cols)
{
	const struct dmp_consent *c = &d->in.consent;
	char hm[16];

	ui_text(y++, 0, cols, ST_HEADER, " Consentement (épisode de soins en cours, équipe de "
		"soins)", 1);
	ui_textf(y++, 2, cols - 2, ST_NORMAL, 1, "n  Patient informé du DMP ........ %s%s%s",
		 c->informed ? "oui" : "non", c->informed ? "  par " : "", c->informed_by);
	ui_textf(y++, 2, cols - 2, ST_NORMAL, 1, "c  Consentement à la consultation  %s",
		 c->consultation ? "oui" : "non (par défaut)");
	ui_textf(y++, 2, cols - 2, c->feeding_opposed ? ST_WARN : ST_NORMAL, 1,
		 "o  Opposition à l'alimentation .. %s", c->feeding_opposed ? "OUI (le DMP n'est "
		 "pas alimenté)" : "non (alimentation par défaut)");
	if (d->r.bdg_active) {
		local_hm(c->bdg_until, hm, sizeof hm);
		ui_textf(y, 2, cols - 2, ST_ERROR, 1, "b  !BRIS DE GLACE ACTIF jusqu'à %s (urgence, "
			 "tracé) — b : terminer", hm);
	} else {
		ui_text(y, 2, cols - 2, ST_NORMAL, "b  Bris de glace (urgence seulement) .. inactif",
			1);
	}
}

static void dica_draw(struct screen *base)
{
	struct dica_screen *d = (struct dica_screen *)base;
	int cols = ui_cols(), lines = ui_lines(), y = 2;
	static const char *const letters[] = { "D", "I", "C", "A" };

	for (int r = 1; r < lines - 1; r++)
		ui_fill(r, 0, cols, ST_NORMAL);
	if (!d->loaded) {
		ui_text(2, 0, cols, ST_ERROR, d->app->st->err, 1);
		return;
	}
	ui_textf(1, 0, cols, ST_HEADER, 1, " %s", d->name);
	for (int l = 0; l < DICA_COUNT; l++) {
		const struct dica_line *ln = &d->r.line[l];
		enum ui_style st = ln->state == DICA_OK ? ST_OK : ln->state == DICA_KO ? ST_ERROR
										       : ST_WARN;
		const char *mark = ln->state == DICA_OK ? "✓ OK" : ln->state == DICA_KO ? "✗ KO"
											: "? --";
		ui_textf(y++, 1, cols - 1, st, 1, "%s %s  %s", letters[l], mark, ln->label);
		ui_textf(y++, 8, cols - 8, ST_NORMAL, 1, "%s", ln->reason);
		if (ln->remedy != DICA_REMEDY_NONE) {
			if (ln->remedy == DICA_REMEDY_WEATHER)
				ui_textf(y++, 8, cols - 8, ST_KEY, 1, "m : météo des services (%s)",
					 d->app->cfg->dmp_weather);
			else
				ui_textf(y++, 8, cols - 8, ST_KEY, 1, "%s : %s",
					 remedy_key(ln->remedy), ln->remedy_text);
		}
	}
	y++;
	draw_consent(d, y, cols);
	if (d->confirm_bdg)
		ui_text(lines - 2, 0, cols, ST_ERROR, "Bris de glace : accès d'urgence pour les soins,"
			" tracé. Confirmer ? (o : oui)", 1);
	else
		ui_text(lines - 2, 0, cols, ST_MUTED, app_dmp_pending(d->app, d->id)
			? "Interrogation du DMP en cours…   D : documents  Échap"
			: "c n o b : consentement  s : connexion  R : interroger  D : documents  Échap",
			1);
	base->cursor_y = -1;
}

static int dica_key(struct screen *base, int k, int action)
{
	struct dica_screen *d = (struct dica_screen *)base;
	const struct action_def *ad = action_get(action);
	const char *name = ad ? ad->name : "";
	struct app *a = d->app;

	if (d->confirm_bdg) {
		d->confirm_bdg = 0;
		if (k == 'o' || k == 'O')
			app_consent_toggle(a, d->id, "bdg");
		else
			app_message(a, ST_NORMAL, "Bris de glace abandonné");
		dica_load(d);
		return 1;
	}
	if (!strcmp(name, "dmp-consent")) {
		app_consent_toggle(a, d->id, "consultation");
	} else if (!strcmp(name, "dmp-informed")) {
		app_consent_toggle(a, d->id, "informe");
	} else if (!strcmp(name, "dmp-oppose")) {
		app_consent_toggle(a, d->id, "opposition");
	} else if (!strcmp(name, "dmp-bdg")) {
		if (d->r.bdg_active)
			app_consent_toggle(a, d->id, "bdg");
		else
			d->confirm_bdg = 1;
	} else if (!strcmp(name, "psc-signin")) {
		app_psc_signin(a);
	} else if (!strcmp(name, "psc-signout")) {
		psc_signout(a->js, APP_JOB_PSC, &a->cfg->psc);
		app_message(a, ST_NORMAL, "Pro Santé Connect : déconnecté(e), jetons effacés");
	} else if (!strcmp(name, "dmp-refresh")) {
		if (!d->r.may_query)
			app_message(a, ST_WARN, "DMP non interrogé : conditions DICA non remplies");
		else if (app_dmp_post(a, d->id, DMP_REFRESH, NULL, 0) > 0)
			app_message(a, ST_NORMAL, "Interrogation du DMP lancée");
	} else if (!strcmp(name, "dmp-authorize")) {
		if (d->r.line[DICA_D].remedy != DICA_REMEDY_AUTHORIZE)
			app_message(a, ST_NORMAL, "Aucune autorisation à déclarer maintenant");
		else if (app_dmp_post(a, d->id, DMP_AUTHORIZE, NULL, 0) > 0)
			app_message(a, ST_NORMAL, "Déclaration de l'autorisation d'accès (TD0.3)…");
	} else if (!strcmp(name, "dmp-weather")) {
		app_message(a, ST_NORMAL, "Météo des services : %s", a->cfg->dmp_weather);
	} else if (!strcmp(name, "ins-compare")) {
		screen_push(&a->ss, ins_compare_new(a, d->id, 0, 0));
	} else if (!strcmp(name, "dmp-docs")) {
		push_after_reminder(a, dmp_docs_screen_new(a, d->id));
	} else {
		return 0;
	}
	dica_load(d);
	return 1;
}

static void dica_event(struct screen *base, const void *ev)
{
	struct dica_screen *d = (struct dica_screen *)base;
	const struct job_event *e = ev;

	if (e->patient_id == d->id || e->kind == APP_JOB_PSC)
		dica_load(d);
}

static void dica_enter(struct screen *base)
{
	dica_load((struct dica_screen *)base);
}

static void dica_destroy(struct screen *base)
{
	free(base);
}

static const struct screen_ops dica_ops = {
	.context = "dica",
	.enter = dica_enter,
	.draw = dica_draw,
	.key = dica_key,
	.event = dica_event,
	.destroy = dica_destroy,
};

static struct screen *dica_make(struct app *a, long long patient_id)
{
	struct dica_screen *d = calloc(1, sizeof *d);

	if (!d)
		return NULL;
	d->base.ops = &dica_ops;
	d->base.app = a;
	d->app = a;
	d->id = patient_id;
	snprintf(d->base.title, sizeof d->base.title, " DMP — liste DICA");
	return &d->base;
}

struct screen *app_after_reminder(struct app *a, struct screen *s)
{
	if (s && reminder_due(a)) {
		push_after_reminder(a, s);
		return NULL;
	}
	return s;
}

struct screen *dica_screen_new(struct app *a, long long patient_id)
{
	return app_after_reminder(a, dica_make(a, patient_id));
}
