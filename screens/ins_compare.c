/* INS comparison screen: local identity and INSi answer side by side, one row per trait,
 * accept / qualify in one action / reject; also the creation of a dossier from INSi. */
#include "screens/app.h"
#include "screens/format.h"
#include "core/date.h"
#include "core/identity.h"
#include "core/nir.h"
#include "jobs/insi_job.h"
#include "store/insi_store.h"
#include "store/patients.h"
#include "ui/keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct ins_screen {
	struct screen base;
	struct app *app;
	long long patient_id;      /* 0: creation from typed traits */
	long long answer_id;       /* creation: the answer once known */
	long long job_id;          /* creation: the job still running */
	struct patient p;
	int has_patient;
	struct insi_answer ans;
	int has_answer;
	struct ins_identity local;
	enum ins_cmp cmp[INS_T_COUNT];
	struct insi_answer_histo hist[INSI_ANSWER_HISTO_MAX];
	int nhist;
	int choosing;              /* the ID document menu is open */
	char error[256];
};

/* Keys of the ID document menu: one key picks the document (DOMAIN.md §1). */
static const struct {
	int key;
	enum ins_doc doc;
} doc_keys[] = {
	{ 'c', INS_DOC_CNI },
	{ 'p', INS_DOC_PASSEPORT },
	{ 's', INS_DOC_TITRE_SEJOUR },
	{ 'l', INS_DOC_LIVRET_FAMILLE },
	{ 'n', INS_DOC_ACTE_NAISSANCE },
	{ 'a', INS_DOC_APPLI_VITALE },
	{ 'e', INS_DOC_EXCEPTION },
};

static void utc_to_local_fr(const char *utc, char *buf, size_t size)
{
	struct tm tm = { 0 };
	time_t t;

	if (!strptime(utc, "%Y-%m-%dT%H:%M:%SZ", &tm)) {
		snprintf(buf, size, "%s", utc);
		return;
	}
	t = timegm(&tm);
	localtime_r(&t, &tm);
	strftime(buf, size, "%d/%m/%Y %H:%M", &tm);
}

static void load(struct ins_screen *s)
{
	struct store *st = s->app->st;

	s->error[0] = 0;
	s->has_patient = s->has_answer = 0;
	s->nhist = 0;
	if (s->patient_id > 0) {
		patient_clear(&s->p);
		patient_init(&s->p);
		if (patient_get(st, s->patient_id, &s->p)) {
			snprintf(s->error, sizeof s->error, "%s", st->err);
			return;
		}
		s->has_patient = 1;
		insi_local_identity(&s->p, &s->local);
		s->has_answer = insi_answer_latest(st, s->patient_id, &s->ans) == 0;
		s->nhist = ins_history_list(st, s->patient_id, s->hist, INSI_ANSWER_HISTO_MAX);
		if (s->nhist < 0)
			s->nhist = 0;
	} else if (s->answer_id > 0) {
		s->has_answer = insi_answer_get(st, s->answer_id, &s->ans) == 0;
		if (s->has_answer)
			s->local = s->ans.query;
	}
	if (s->has_answer && !s->nhist && !strcmp(s->ans.outcome, "00")) {
		s->nhist = s->ans.nhist;
		memcpy(s->hist, s->ans.hist, sizeof s->hist);
	}
	if (s->has_answer)
		ins_compare(&s->local, &s->ans.ins, s->cmp);
}

static int answer_found(const struct ins_screen *s)
{
	return s->has_answer && !strcmp(s->ans.outcome, "00");
}

static int has_ins(const struct ins_screen *s)
{
	return s->has_patient && (s->p.id_status == ID_RECUPEREE || s->p.id_status == ID_QUALIFIEE);
}

static void fmt_matricule(const char *m, char *buf, size_t size)
{
	struct nir n;
	int rc = nir_parse(m, 1, &n);

	if (!*m)
		snprintf(buf, size, "—");
	else if (rc == NIR_OK || rc == NIR_ERR_KEY)
		nir_format(&n, buf, size);
	else
		snprintf(buf, size, "%s", m);
}

static void trait_value(const struct ins_identity *id, enum ins_trait t, char *buf, size_t size)
{
	const char *type;

	switch (t) {
	case INS_T_MATRICULE:
		fmt_matricule(id->matricule, buf, size);
		return;
	case INS_T_TYPE:
		type = ins_oid_type(id->oid);
		snprintf(buf, size, "%s", type ? type : *id->matricule ? "NIR (saisi)" : "—");
		return;
	case INS_T_BIRTH_NAME:
		snprintf(buf, size, "%s", id->birth_name);
		break;
	case INS_T_FIRST_NAME:
		if (*id->first_name)
			snprintf(buf, size, "%s", id->first_name);
		else
			ins_first_of_list(id->first_names, buf, size);
		break;
	case INS_T_FIRST_NAMES:
		snprintf(buf, size, "%s", id->first_names);
		break;
	case INS_T_SEX:
		snprintf(buf, size, "%s", id->sex);
		break;
	case INS_T_BIRTH_DATE:
		date_iso_to_fr(id->birth_date, buf, size);
		break;
	case INS_T_BIRTH_COG:
		snprintf(buf, size, "%s", id->birth_cog);
		break;
	default:
		buf[0] = 0;
	}
	if (!buf[0])
		snprintf(buf, size, "—");
}

static const char *cmp_marker(enum ins_cmp c)
{
	return c == INS_EQUAL ? "=" : c == INS_DIFFERS ? "≠" : "?";
}

static enum ui_style cmp_style(enum ins_cmp c)
{
	return c == INS_EQUAL ? ST_OK : c == INS_DIFFERS ? ST_ERROR : ST_WARN;
}

static int count_differences(const struct ins_screen *s)
{
	int n = 0;

	for (int t = 0; t < INS_T_COUNT; t++)
		n += s->cmp[t] == INS_DIFFERS;
	return n;
}

/* Rows 1-2: the answer, its CR, anomalies and what was decided. */
static void draw_header(struct ins_screen *s, int cols)
{
	char when[32];
	const struct insi_answer *a = &s->ans;

	utc_to_local_fr(a->at, when, sizeof when);
	if (!strcmp(a->outcome, "erreur"))
		ui_textf(1, 0, cols, ST_ERROR, 1, "%sINSi du %s : échec — %s",
			 ui_mono_marker(ST_ERROR), when, a->error_message);
	else
		ui_textf(1, 0, cols, ST_NORMAL, 1, "Réponse INSi du %s (%s) : CR %s — %s%s", when,
			 a->who, a->outcome,
			 !strcmp(a->outcome, "00") ? "une identité trouvée"
			 : !strcmp(a->outcome, "01") ? "aucune identité trouvée"
						     : "plusieurs identités trouvées",
			 !strcmp(a->purpose, "verification") ? " (vérification)" : "");
	if (answer_found(s) && !a->key_ok)
		ui_textf(2, 0, cols, ST_ERROR, 1, "%sANOMALIE : clé de matricule fausse, réponse "
			 "inacceptable", ui_mono_marker(ST_ERROR));
	else if (!strcmp(a->decision, "automatique"))
		ui_text(2, 0, cols, ST_OK, "Traits identiques : récupérée automatiquement. "
			"q : qualifier", 1);
	else if (!strcmp(a->decision, "rejetee"))
		ui_text(2, 0, cols, ST_WARN, "Réponse rejetée : le dossier n'a pas été modifié.", 1);
	else if (!strcmp(a->decision, "acceptee") || !strcmp(a->decision, "qualifiee") ||
		 !strcmp(a->decision, "confirmee") || !strcmp(a->decision, "creee"))
		ui_textf(2, 0, cols, ST_OK, 1, "Réponse %s.", !strcmp(a->decision, "confirmee")
			 ? "confirmant l'INS du dossier" : !strcmp(a->decision, "creee")
			 ? "utilisée pour créer le dossier" : !strcmp(a->decision, "qualifiee")
			 ? "acceptée, identité qualifiée" : "acceptée");
	else if (answer_found(s) && !strcmp(a->purpose, "verification"))
		ui_text(2, 0, cols, ST_WARN, "Vérification : INSi ne renvoie pas la même INS — "
			"comparez et décidez.", 1);
	else if (answer_found(s))
		ui_textf(2, 0, cols, count_differences(s) ? ST_WARN : ST_OK, 1,
			 "%d trait%s différent%s. Vérifiez sur la pièce d'identité du patient.",
			 count_differences(s), count_differences(s) > 1 ? "s" : "",
			 count_differences(s) > 1 ? "s" : "");
}

void ins_draw_compare(int y, int cols, const struct ins_identity *local,
		      const struct ins_identity *insi, const enum ins_cmp cmp[INS_T_COUNT],
		      const char *left_head)
{
	int w = (cols - 24) / 2;

	ui_textf(y++, 0, cols, ST_HEADER, 1, "   %-19s %-*.*s %s", "Trait", w, w, left_head, "INSi");
	for (int t = 0; t < INS_T_COUNT; t++, y++) {
		char l[208], r[208];
		trait_value(local, (enum ins_trait)t, l, sizeof l);
		trait_value(insi, (enum ins_trait)t, r, sizeof r);
		ui_fill(y, 0, cols, ST_NORMAL);
		ui_textf(y, 0, 3, cmp_style(cmp[t]), 1, " %s", cmp_marker(cmp[t]));
		ui_text(y, 3, 20, ST_LABEL, ins_trait_label((enum ins_trait)t), 1);
		ui_text(y, 23, w, cmp[t] == INS_DIFFERS ? ST_ERROR : ST_NORMAL, l, 1);
		ui_text(y, 24 + w, cols - 24 - w, cmp[t] == INS_DIFFERS ? ST_ERROR : ST_NORMAL, r, 1);
	}
	ui_text(y, 0, cols, ST_MUTED, "   = identique   ≠ différent   ? absent d'un côté", 1);
}

static void draw_history(struct ins_screen *s, int y, int maxy, int cols)
{
	ui_textf(y++, 0, cols, ST_HEADER, 1, "Historique des matricules (%d)", s->nhist);
	for (int i = 0; i < s->nhist && y < maxy; i++, y++) {
		char m[32], deb[16], fin[16];
		const char *type = ins_oid_type(s->hist[i].oid);
		fmt_matricule(s->hist[i].matricule, m, sizeof m);
		date_iso_to_fr(s->hist[i].date_deb, deb, sizeof deb);
		date_iso_to_fr(s->hist[i].date_fin, fin, sizeof fin);
		ui_textf(y, 0, cols, s->hist[i].key_ok ? ST_NORMAL : ST_ERROR, 1,
			 "  %s  %-4s %s%s%s%s%s", m, type ? type : "?", *deb ? "du " : "", deb,
			 *fin ? " au " : "", fin, s->hist[i].key_ok ? "" : "  ANOMALIE : clé fausse");
	}
}

/* 01, 02 and errors: what was tried and what to do (DOMAIN.md §1). */
static void draw_advice(struct ins_screen *s, int y, int maxy, int cols)
{
	static const char *const adv01[] = {
		"• Nom de naissance, pas nom d'usage ou marital (fréquent chez les femmes mariées)",
		"• Orthographe, date de naissance et sexe : relisez la pièce d'identité.",
		"• Essayez la carte Vitale du patient (recherche par carte).",
		"• Saisissez tous les prénoms de naissance ; ajoutez le lieu de naissance (COG).",
		NULL };
	static const char *const adv02[] = {
		"• Plusieurs personnes ont ces traits : ajoutez le lieu de naissance (COG), puis I.",
		"• Saisissez tous les prénoms de naissance de la pièce d'identité.",
		"• Essayez la carte Vitale du patient (recherche par carte).",
		NULL };
	static const char *const adverr[] = {
		"• Service indisponible ou réseau : I relance l'appel ; le dossier reste utilisable.",
		"• Si l'erreur persiste, vérifiez [insi] dans vigie.conf (adresse, certificat).",
		NULL };
	const char *const *adv = !strcmp(s->ans.outcome, "01") ? adv01
				 : !strcmp(s->ans.outcome, "02") ? adv02 : adverr;
	char steps[sizeof s->ans.steps], *save = NULL, *line;

	ui_text(y++, 0, cols, ST_HEADER, "Appels effectués", 1);
	snprintf(steps, sizeof steps, "%s", s->ans.steps);
	for (line = strtok_r(steps, "\n", &save); line && y < maxy - 4;
	     line = strtok_r(NULL, "\n", &save))
		ui_textf(y++, 0, cols, ST_MUTED, 1, "  %s", line);
	ui_text(y++, 0, cols, ST_HEADER, "Que faire ?", 1);
	for (int i = 0; adv[i] && y < maxy; i++)
		ui_text(y++, 0, cols, ST_NORMAL, adv[i], 1);
}

void ins_draw_doc_choice(int y, int cols)
{
	ui_text(y++, 0, cols, ST_HEADER, "Pièce vue, concordant avec la colonne INSi :", 1);
	ui_text(y++, 0, cols, ST_NORMAL, "  c : carte d'identité  p : passeport  s : titre de séjour",
		1);
	ui_text(y++, 0, cols, ST_NORMAL, "  l : livret de famille  n : acte de naissance (+ pièce "
		"d'un parent)", 1);
	ui_text(y, 0, cols, ST_NORMAL, "  a : Appli carte Vitale  e : exception (patient connu)  "
		"Échap", 1);
}

int ins_doc_key(int k, enum ins_doc *doc)
{
	for (size_t i = 0; i < sizeof doc_keys / sizeof *doc_keys; i++)
		if (k == doc_keys[i].key) {
			*doc = doc_keys[i].doc;
			return 1;
		}
	return 0;
}

int ins_qualify_dossier(struct app *a, long long patient_id, enum ins_doc doc)
{
	struct store *st = a->st;
	struct insi_answer *ans = calloc(1, sizeof *ans);
	struct patient p;
	int rc, ins, take;

	patient_init(&p);
	if (!ans || (rc = patient_get(st, patient_id, &p))) {
		app_message(a, ST_ERROR, "%s", ans ? st->err : "Mémoire insuffisante");
		free(ans);
		return -1;
	}
	ins = p.id_status == ID_RECUPEREE || p.id_status == ID_QUALIFIEE;
	/* An answer not yet taken is taken and qualified in the same action; with an INS
	 * already there, an undecided answer (a verification that found something else) must
	 * be decided first: the document would otherwise qualify what INSi no longer says. */
	take = insi_answer_latest(st, patient_id, ans) == 0 && !strcmp(ans->outcome, "00") &&
	       !ans->decision[0];
	if (take && ins) {
		app_message(a, ST_WARN, "Réponse INSi en attente : acceptez-la ou rejetez-la "
			    "d'abord (i)");
		rc = -1;
	} else if (take && !ans->key_ok) {
		app_message(a, ST_ERROR, "Réponse INSi anormale (clé de matricule fausse) : "
			    "qualification impossible");
		rc = -1;
	} else if (take) {
		rc = insi_apply_answer(st, patient_id, p.version, ans, doc, "qualifiee", NULL);
		if (rc)
			app_message(a, ST_ERROR, "%s", st->err);
		else
			app_message(a, ST_OK, "Identité qualifiée (%s)", ins_doc_label(doc));
	} else {
		rc = insi_set_document(st, patient_id, doc);
		if (rc)
			app_message(a, ST_ERROR, "%s", st->err);
		else if (ins)
			app_message(a, ST_OK, "Identité qualifiée (%s)", ins_doc_label(doc));
		else
			app_message(a, ST_OK, "Identité validée (%s) ; qualifiée quand INSi la "
				    "retrouvera", ins_doc_label(doc));
	}
	patient_clear(&p);
	free(ans);
	return rc;
}

static const char *hint(const struct ins_screen *s)
{
	int anomaly = answer_found(s) && !s->ans.key_ok;

	if (!s->patient_id)
		return anomaly ? "Réponse anormale : pas de création   I : corriger   Échap"
		       : answer_found(s) ? "c : créer le dossier   q : créer qualifié (pièce)   "
					   "I : corriger" : "I : corriger les traits   Échap : retour";
	if (anomaly && !s->ans.decision[0])
		return "Réponse anormale : x : rejeter   I : relancer   Échap : retour";
	if (answer_found(s) && !s->ans.decision[0])
		return "a : accepter   q : qualifier (pièce)   x : rejeter   I : relancer   Échap";
	if (s->has_patient && s->p.id_status == ID_RECUPEREE)
		return "q : qualifier (pièce d'identité vue)   I : interroger INSi   Échap : retour";
	if (s->has_patient && s->p.id_status == ID_PROVISOIRE)
		return "I : interroger INSi   q : valider sur pièce   Échap : retour   ? : aide";
	return "I : interroger INSi   Échap : retour   ? : aide";
}

static void draw(struct screen *base)
{
	struct ins_screen *s = (struct ins_screen *)base;
	int cols = ui_cols(), lines = ui_lines(), y;
	long long pending = s->patient_id ? app_insi_pending(s->app, s->patient_id) : s->job_id;

	for (int r = 1; r < lines - 1; r++)
		ui_fill(r, 0, cols, ST_NORMAL);
	if (s->error[0]) {
		ui_text(1, 0, cols, ST_ERROR, s->error, 1);
		return;
	}
	if (pending)
		ui_text(1, 0, cols, ST_WARN, "Interrogation INSi en cours… (les touches restent "
			"actives ; Ctrl-K annule)", 1);
	else if (!s->has_answer)
		ui_text(1, 0, cols, ST_NORMAL, s->app->insi.endpoint[0]
			? "Pas encore de réponse INSi pour ce dossier : I pour interroger."
			: "INSi n'est pas configuré ([insi] adresse dans vigie.conf).", 1);
	if (s->has_answer && !pending)
		draw_header(s, cols);
	y = 4;
	if (s->has_answer && answer_found(s)) {
		ins_draw_compare(y, cols, &s->local, &s->ans.ins, s->cmp,
				 s->patient_id ? "Dossier" : "Saisi");
		y += INS_T_COUNT + 2;
		if (!s->choosing)
			draw_history(s, y, lines - 3, cols);
	} else if (s->has_answer && !pending) {
		draw_advice(s, 4, lines - 3, cols);
	}
	if (s->choosing)
		ins_draw_doc_choice(lines - 6, cols);
	if (s->has_patient && !s->choosing)
		ui_textf(lines - 3, 0, cols, fmt_status_style(s->p.id_status, s->p.id_attrs), 1,
			 "Statut du dossier : %s%s%s", id_status_label(s->p.id_status),
			 *s->p.validation_mode ? " — pièce : " : "",
			 *s->p.validation_mode ? ins_doc_label(ins_doc_from_code(s->p.validation_mode))
					       : "");
	ui_text(lines - 2, 0, cols, ST_MUTED, s->choosing ? "Une touche choisit la pièce" : hint(s),
		1);
}

static void after_write(struct ins_screen *s, int rc, const char *ok)
{
	if (rc) {
		app_message(s->app, ST_ERROR, "%s", s->app->st->err);
		return;
	}
	app_message(s->app, ST_OK, "%s", ok);
	load(s);
}

static int usable_or_say(struct ins_screen *s)
{
	if (!answer_found(s)) {
		app_message(s->app, ST_WARN, "Pas de réponse INSi désignant une identité unique");
		return 0;
	}
	if (!s->ans.key_ok) {
		app_message(s->app, ST_ERROR, "Réponse anormale (clé fausse) : acceptation "
			    "impossible");
		return 0;
	}
	return 1;
}

static void create_patient(struct ins_screen *s, enum ins_doc doc)
{
	long long id = 0;
	int rc;

	if (!usable_or_say(s))
		return;
	rc = insi_create_patient(s->app->st, &s->ans, doc, &id);
	if (rc) {
		app_message(s->app, ST_ERROR, "%s", s->app->st->err);
		return;
	}
	app_message(s->app, ST_OK, "Dossier créé depuis INSi : identité %s",
		    doc != INS_DOC_NONE ? "qualifiée" : "récupérée");
	s->app->pending_push = dossier_screen_new(s->app, id);
	s->base.done = 1;
}

static void accept(struct ins_screen *s)
{
	if (!s->patient_id) {
		create_patient(s, INS_DOC_NONE);
		return;
	}
	if (!usable_or_say(s))
		return;
	if (s->ans.decision[0]) {
		app_message(s->app, ST_NORMAL, "Cette réponse a déjà été traitée");
		return;
	}
	{
		int status = -1, rc = insi_apply_answer(s->app->st, s->patient_id, s->p.version,
							&s->ans, INS_DOC_NONE, "acceptee", &status);
		after_write(s, rc, status == ID_QUALIFIEE
			    ? "Réponse acceptée : identité qualifiée (pièce déjà vue)"
			    : "Réponse acceptée : identité récupérée (traits mis à jour)");
	}
}

static void qualify(struct ins_screen *s, enum ins_doc doc)
{
	s->choosing = 0;
	if (!s->patient_id) {
		create_patient(s, doc);
		return;
	}
	ins_qualify_dossier(s->app, s->patient_id, doc);
	load(s);
}

static int choice_key(struct ins_screen *s, int k)
{
	enum ins_doc doc;

	if (ins_doc_key(k, &doc)) {
		qualify(s, doc);
		return 1;
	}
	if (k == VK_ESC || k == VK_CTRL('g')) {
		s->choosing = 0;
		return 1;
	}
	app_message(s->app, ST_WARN, "Choisissez la pièce : c p s l n a e, ou Échap");
	return 1;
}

static int key(struct screen *base, int k, int action)
{
	struct ins_screen *s = (struct ins_screen *)base;
	const char *why = NULL;
	const struct action_def *a = action_get(action);
	const char *name = a ? a->name : "";

	if (s->choosing && strcmp(name, "help") && strcmp(name, "redraw"))
		return choice_key(s, k);
	if (!strcmp(name, "ins-accept")) {
		accept(s);
	} else if (!strcmp(name, "ins-qualify")) {
		if (s->has_patient && (s->p.id_attrs & (ID_ATTR_DOUTEUSE | ID_ATTR_FICTIVE)))
			app_message(s->app, ST_ERROR, "Identité douteuse ou fictive : elle reste "
				    "provisoire (RNIV)");
		else if (s->has_patient && s->p.id_status == ID_QUALIFIEE)
			app_message(s->app, ST_NORMAL, "Identité déjà qualifiée");
		else if (!s->patient_id && !usable_or_say(s))
			;
		else
			s->choosing = 1;
	} else if (!strcmp(name, "ins-reject")) {
		if (!answer_found(s) || s->ans.decision[0] || !s->patient_id)
			app_message(s->app, ST_NORMAL, "Rien à rejeter");
		else
			after_write(s, insi_answer_decide(s->app->st, s->ans.id, "rejetee"),
				    "Réponse INSi rejetée : dossier inchangé");
	} else if (!strcmp(name, "ins-search")) {
		if (!s->patient_id) {
			/* Correct the traits sent and send again, in this screen's place. */
			struct screen *f = s->has_answer ? insi_new_screen_from(s->app, &s->ans.query)
							 : NULL;
			if (f) {
				s->app->pending_push = f;
				s->base.done = 1;
			}
		} else if (s->has_patient && !ins_insi_call_allowed(s->p.id_attrs, &why)) {
			app_message(s->app, ST_ERROR, "%s", why);
		} else {
			long long id = app_insi_post(s->app, s->patient_id,
						     has_ins(s) ? INSI_VERIFY : INSI_SEARCH, NULL);
			if (id > 0)
				app_message(s->app, ST_NORMAL, "Interrogation INSi lancée");
		}
	} else {
		return 0;
	}
	return 1;
}

static void event(struct screen *base, const void *ev)
{
	struct ins_screen *s = (struct ins_screen *)base;
	const struct job_event *e = ev;

	if (e->kind != APP_JOB_INSI)
		return;
	if (!s->patient_id && e->job_id == s->job_id) {
		s->job_id = 0;
		s->answer_id = e->result_id;
		load(s);
	} else if (s->patient_id && e->patient_id == s->patient_id) {
		load(s);
	}
}

static void enter(struct screen *base)
{
	load((struct ins_screen *)base);
}

static void destroy(struct screen *base)
{
	struct ins_screen *s = (struct ins_screen *)base;

	patient_clear(&s->p);
	free(s);
}

static const struct screen_ops ins_ops = {
	.context = "ins",
	.enter = enter,
	.draw = draw,
	.key = key,
	.event = event,
	.destroy = destroy,
};

struct screen *ins_compare_new(struct app *a, long long patient_id, long long answer_id,
			       long long job_id)
{
	struct ins_screen *s = calloc(1, sizeof *s);

	if (!s)
		return NULL;
	s->base.ops = &ins_ops;
	s->base.app = a;
	s->base.cursor_y = -1;
	s->app = a;
	s->patient_id = patient_id;
	s->answer_id = answer_id;
	s->job_id = job_id;
	patient_init(&s->p);
	snprintf(s->base.title, sizeof s->base.title, " %s",
		 patient_id ? "Identité INS — comparaison avec INSi" : "Créer un patient depuis INSi");
	return &s->base;
}

/* The dossier's one-line INS state: pending call, newest answer and what to do next. */
void ins_summary_line(struct app *a, const struct patient *p, const struct insi_answer *ans,
		      char *buf, size_t size, enum ui_style *style)
{
	char when[32];

	*style = ST_MUTED;
	if (p->id_attrs & (ID_ATTR_DOUTEUSE | ID_ATTR_FICTIVE)) {
		snprintf(buf, size, "INSi : pas d'appel pour une identité %s (RNIV)",
			 p->id_attrs & ID_ATTR_DOUTEUSE ? "douteuse" : "fictive");
	} else if (app_insi_pending(a, p->id)) {
		*style = ST_WARN;
		snprintf(buf, size, "INSi : interrogation en cours…");
	} else if (!ans) {
		snprintf(buf, size, "INSi : %s", a->insi.endpoint[0] ? "pas encore interrogé — I : "
			 "interroger" : "non configuré");
	} else if (!strcmp(ans->outcome, "erreur")) {
		*style = ST_ERROR;
		snprintf(buf, size, "INSi : échec (I : relancer) — %s", ans->error_message);
	} else if (!strcmp(ans->outcome, "00") && !ans->decision[0]) {
		enum ins_cmp cmp[INS_T_COUNT];
		struct ins_identity local;
		int n = 0;
		insi_local_identity(p, &local);
		ins_compare(&local, &ans->ins, cmp);
		for (int t = 0; t < INS_T_COUNT; t++)
			n += cmp[t] == INS_DIFFERS;
		*style = ST_WARN;
		snprintf(buf, size, "INSi%s : une identité trouvée%s, %d trait%s différent%s — i : "
			 "comparer", !strcmp(ans->purpose, "verification") ? " (vérification)" : "",
			 ans->key_ok ? "" : " (ANOMALIE de clé)", n, n > 1 ? "s" : "", n > 1 ? "s" : "");
	} else if (!strcmp(ans->outcome, "01") || !strcmp(ans->outcome, "02")) {
		*style = ST_WARN;
		snprintf(buf, size, "INSi : %s (%s) — i : conseils", !strcmp(ans->outcome, "01")
			 ? "aucune identité trouvée" : "plusieurs identités trouvées", ans->outcome);
	} else {
		utc_to_local_fr(ans->at, when, sizeof when);
		*style = p->id_status == ID_QUALIFIEE ? ST_OK : ST_NORMAL;
		snprintf(buf, size, "INSi du %s : réponse %s — i : détails%s", when,
			 !strcmp(ans->decision, "rejetee") ? "rejetée" : !strcmp(ans->decision,
			 "confirmee") ? "confirmant l'INS" : "acceptée",
			 p->id_status == ID_RECUPEREE ? "  v : qualifier" : "");
	}
}
