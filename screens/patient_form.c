/* Patient creation and edit form: INS traits, contact, attributes, with validation. */
#include "screens/app.h"
#include "core/cog.h"
#include "core/date.h"
#include "core/identity.h"
#include "core/nir.h"
#include "core/query.h"
#include "core/text.h"
#include "store/patients.h"
#include "ui/form.h"
#include "ui/keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
	F_BIRTH_NAME, F_USED_NAME, F_FIRST_NAMES, F_FIRST_NAME, F_USED_FIRST, F_SEX, F_BIRTH_DATE,
	F_COG, F_NIR, F_VALID_DOC, F_HOMONYME, F_DOUTEUSE, F_FICTIVE,
	F_PHONE, F_MOBILE, F_EMAIL, F_ADDRESS, F_POSTAL, F_CITY,
	F_COUNT
};

#define EFFECT_DEMOTED 0x100

struct form_screen {
	struct screen base;
	struct app *app;
	long long id;
	struct patient p;          /* as loaded (version for optimistic locking) */
	struct form_field f[F_COUNT];
	struct ui_form form;
	int strict_locked;         /* INS traits come from INSi: not editable here */
	long long created_id;      /* set once a creation is saved */
	unsigned effects;          /* ID_EDIT_* and EFFECT_DEMOTED of the last save */
	char orig[F_COUNT][FORM_VALUE_MAX];  /* values as loaded */
	int quit_asked;            /* the confirmation was asked by "quit", not "cancel" */
};

/* Fields typed in lower case are upper-cased on save: validators accept both. */
static void upper(const char *v, char *out, size_t size)
{
	text_upper(v, out, size);
}

static int v_sex(const char *v, char *msg, size_t size, void *ctx)
{
	char u[8];

	(void)ctx;
	upper(v, u, sizeof u);
	if (strlen(u) == 1 && strchr("FMI", u[0]))
		return 0;
	snprintf(msg, size, "Sexe : F, M ou I (indéterminé)");
	return -1;
}

static void today_iso(char *buf, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(buf, size, "%Y-%m-%d", &tm);
}

static int v_date(const char *v, char *msg, size_t size, void *ctx)
{
	struct ymd d, today;
	char t[16];
	int rc;

	(void)ctx;
	today_iso(t, sizeof t);
	date_parse_iso(t, &today);
	rc = date_parse_fr(v, &d);
	if (rc == DATE_OK)
		rc = date_check_birth(&d, &today);
	if (rc == DATE_OK)
		return 0;
	/* date_strerror names the format itself when that is the problem. */
	snprintf(msg, size, "Date de naissance : %s", date_strerror(rc));
	return -1;
}

static int v_cog(const char *v, char *msg, size_t size, void *ctx)
{
	struct form_screen *fs = ctx;
	char u[16];
	struct ymd d;

	upper(v, u, sizeof u);
	if (cog_classify(u) == COG_INVALID) {
		snprintf(msg, size, "Lieu de naissance : %s", cog_explain_invalid(u));
		return -1;
	}
	/* Corsica was 20xxx until 1976-01-01, 2A/2B since (INSEE). */
	if (u[0] == '2' && u[1] == '0' && fs &&
	    date_parse_fr(fs->f[F_BIRTH_DATE].value, &d) == DATE_OK && d.y >= 1976) {
		snprintf(msg, size, "Lieu de naissance : depuis 1976, pour la Corse, utiliser 2A "
			 "(Corse-du-Sud) ou 2B (Haute-Corse), pas 20");
		return -1;
	}
	return 0;
}

static int v_nir(const char *v, char *msg, size_t size, void *ctx)
{
	struct nir n;
	int rc = nir_parse(v, 1, &n);

	(void)ctx;
	if (rc == NIR_OK)
		return 0;
	if (rc == NIR_ERR_KEY) {
		int key = nir_compute_key(n.body);
		snprintf(msg, size, "NIR : clé incorrecte (attendue %02d) — vérifiez la saisie", key);
	} else {
		snprintf(msg, size, "NIR : %s", nir_strerror(rc));
	}
	return -1;
}

static int v_yesno(const char *v, char *msg, size_t size, void *ctx)
{
	(void)ctx;
	if (!strcmp(v, "o") || !strcmp(v, "n") || !strcmp(v, "O") || !strcmp(v, "N"))
		return 0;
	snprintf(msg, size, "Répondez o (oui) ou n (non)");
	return -1;
}

static int v_doc(const char *v, char *msg, size_t size, void *ctx)
{
	static const char *const docs[] = { "CN", "PA", "CS", "AN", "LE", "AV", "EX" };
	char u[8];

	(void)ctx;
	upper(v, u, sizeof u);
	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++)
		if (!strcmp(u, docs[i]))
			return 0;
	snprintf(msg, size, "Pièce : CN (carte d'identité), PA (passeport), CS (titre de séjour), "
		 "AN/LE (mineur + pièce du parent), AV (appli carte Vitale), EX (procédure "
		 "d'exception)");
	return -1;
}

static void setup_fields(struct form_screen *fs)
{
	struct form_field *f = fs->f;

	f[F_BIRTH_NAME] = (struct form_field){ .label = "Nom de naissance", .required = 1,
		.maxbytes = ID_NAME_MAX, .hint = "Nom de naissance, tel que sur la pièce d'identité" };
	f[F_USED_NAME] = (struct form_field){ .label = "Nom utilisé", .maxbytes = ID_NAME_MAX,
		.hint = "Nom d'usage (nom marital...), si différent du nom de naissance" };
	f[F_FIRST_NAMES] = (struct form_field){ .label = "Prénoms de naissance", .required = 1,
		.maxbytes = ID_FIRSTNAMES_MAX,
		.hint = "Tous les prénoms de l'acte de naissance, séparés par des espaces" };
	f[F_FIRST_NAME] = (struct form_field){ .label = "Premier prénom", .required = 1,
		.maxbytes = ID_NAME_MAX,
		.hint = "Premier prénom de naissance (rempli depuis la liste si vide)" };
	f[F_USED_FIRST] = (struct form_field){ .label = "Prénom utilisé", .maxbytes = ID_NAME_MAX,
		.hint = "Prénom d'usage, s'il diffère" };
	f[F_SEX] = (struct form_field){ .label = "Sexe (F/M/I)", .required = 1, .maxbytes = 1,
		.validate = v_sex };
	f[F_BIRTH_DATE] = (struct form_field){ .label = "Date de naissance", .required = 1,
		.maxbytes = 10, .validate = v_date, .hint = "JJ/MM/AAAA" };
	f[F_COG] = (struct form_field){ .label = "Lieu de naissance (COG)", .maxbytes = 5,
		.validate = v_cog,
		.hint = "Code INSEE de la commune (2A/2B en Corse), 99xxx pays, 99999 inconnu" };
	f[F_NIR] = (struct form_field){ .label = "NIR (carte Vitale)", .maxbytes = 21,
		.validate = v_nir, .hint = "13 caractères + clé, espaces permis" };
	f[F_VALID_DOC] = (struct form_field){ .label = "Pièce d'identité vue", .maxbytes = 2,
		.validate = v_doc,
		.hint = "CN, PA, CS, AN, LE, AV, EX : l'identité devient validée (vide : non vue)" };
	f[F_HOMONYME] = (struct form_field){ .label = "Homonyme (o/n)", .maxbytes = 1,
		.validate = v_yesno };
	f[F_DOUTEUSE] = (struct form_field){ .label = "Identité douteuse (o/n)", .maxbytes = 1,
		.validate = v_yesno };
	f[F_FICTIVE] = (struct form_field){ .label = "Identité fictive (o/n)", .maxbytes = 1,
		.validate = v_yesno };
	f[F_PHONE] = (struct form_field){ .label = "Téléphone", .maxbytes = 32 };
	f[F_MOBILE] = (struct form_field){ .label = "Portable", .maxbytes = 32 };
	f[F_EMAIL] = (struct form_field){ .label = "Courriel", .maxbytes = 128 };
	f[F_ADDRESS] = (struct form_field){ .label = "Adresse", .maxbytes = 200 };
	f[F_POSTAL] = (struct form_field){ .label = "Code postal", .maxbytes = 10 };
	f[F_CITY] = (struct form_field){ .label = "Ville", .maxbytes = 100 };
}

#define SET(i, v) snprintf(fs->f[i].value, sizeof fs->f[i].value, "%s", v)

/* The strict INS traits among the fields (RNIV). */
static const int strict_fields[] = { F_BIRTH_NAME, F_FIRST_NAMES, F_FIRST_NAME, F_SEX,
				     F_BIRTH_DATE, F_COG };
#define N_STRICT (sizeof strict_fields / sizeof strict_fields[0])

static void fill_from_patient(struct form_screen *fs)
{
	const struct patient *p = &fs->p;
	char date[16];

	SET(F_BIRTH_NAME, p->birth_name);
	SET(F_USED_NAME, p->used_name);
	SET(F_FIRST_NAMES, p->birth_first_names[0] ? p->birth_first_names : p->first_name);
	SET(F_FIRST_NAME, p->first_name);
	SET(F_USED_FIRST, p->used_first_name);
	SET(F_SEX, p->sex);
	date_iso_to_fr(p->birth_date, date, sizeof date);
	SET(F_BIRTH_DATE, date);
	SET(F_COG, p->birth_cog);
	SET(F_NIR, p->nir);
	SET(F_VALID_DOC, p->validation_mode);
	SET(F_HOMONYME, p->id_attrs & ID_ATTR_HOMONYME ? "o" : "n");
	SET(F_DOUTEUSE, p->id_attrs & ID_ATTR_DOUTEUSE ? "o" : "n");
	SET(F_FICTIVE, p->id_attrs & ID_ATTR_FICTIVE ? "o" : "n");
	SET(F_PHONE, p->phone);
	SET(F_MOBILE, p->mobile);
	SET(F_EMAIL, p->email);
	SET(F_ADDRESS, p->address);
	SET(F_POSTAL, p->postal_code);
	SET(F_CITY, p->city);
	/* RNIV: the strict traits of an INS returned by INSi are not retyped by hand. */
	fs->strict_locked = p->id_status == ID_RECUPEREE || p->id_status == ID_QUALIFIEE;
	for (size_t i = 0; i < N_STRICT; i++)
		fs->f[strict_fields[i]].readonly = fs->strict_locked;
}

/* Pre-fill a creation from what was typed in the search: words are names, a date is the
 * birth date, a matricule the NIR. */
static void fill_from_query(struct form_screen *fs, const char *q)
{
	char buf[128], *save = NULL, *tok;
	int words = 0;
	struct ymd d;

	SET(F_HOMONYME, "n");
	SET(F_DOUTEUSE, "n");
	SET(F_FICTIVE, "n");
	if (!q)
		return;
	snprintf(buf, sizeof buf, "%s", q);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (date_parse_fr(tok, &d) == DATE_OK) {
			char fr[16];
			date_to_fr(&d, fr, sizeof fr);
			SET(F_BIRTH_DATE, fr);
		} else if (strspn(tok, "0123456789ABab") >= 13) {
			SET(F_NIR, tok);
		} else if (words == 0) {
			char up[128];
			text_upper(tok, up, sizeof up);
			SET(F_BIRTH_NAME, up);
			words++;
		} else if (words == 1) {
			char cap[128];
			text_capitalize(tok, cap, sizeof cap);
			SET(F_FIRST_NAMES, cap);
			SET(F_FIRST_NAME, cap);
			words++;
		}
	}
}

static void trimmed(struct form_screen *fs, int i, char *out, size_t size)
{
	text_trim_spaces(fs->f[i].value, out, size);
}

static int field_of(enum id_field idf)
{
	switch (idf) {
	case IDF_BIRTH_NAME: return F_BIRTH_NAME;
	case IDF_USED_NAME: return F_USED_NAME;
	case IDF_FIRST_NAME: return F_FIRST_NAME;
	case IDF_BIRTH_FIRST_NAMES: return F_FIRST_NAMES;
	case IDF_USED_FIRST_NAME: return F_USED_FIRST;
	case IDF_SEX: return F_SEX;
	case IDF_BIRTH_DATE: return F_BIRTH_DATE;
	case IDF_BIRTH_COG: return F_COG;
	case IDF_NIR: return F_NIR;
	case IDF_ATTRIBUTES: return F_DOUTEUSE;
	default: return F_BIRTH_NAME;
	}
}

/* Build the record from the fields; 0, or -1 with the form focused on the faulty field. */
static int collect(struct form_screen *fs, struct patient *p)
{
	char v[F_COUNT][FORM_VALUE_MAX], today[16], msg[256];
	struct id_traits t;
	struct id_edit e;
	struct ymd d;
	struct nir n;
	enum id_field bad;
	unsigned attrs = 0, effects;
	int status;

	for (int i = 0; i < F_COUNT; i++)
		trimmed(fs, i, v[i], sizeof v[i]);
	/* The first first name follows the list unless typed (never for INSi traits). */
	if (!fs->strict_locked && !v[F_FIRST_NAME][0] && v[F_FIRST_NAMES][0]) {
		snprintf(v[F_FIRST_NAME], sizeof v[F_FIRST_NAME], "%s", v[F_FIRST_NAMES]);
		char *sp = strchr(v[F_FIRST_NAME], ' ');
		if (sp)
			*sp = '\0';
		SET(F_FIRST_NAME, v[F_FIRST_NAME]);
	}
	text_upper(v[F_BIRTH_NAME], v[F_BIRTH_NAME], sizeof v[F_BIRTH_NAME]);
	text_upper(v[F_USED_NAME], v[F_USED_NAME], sizeof v[F_USED_NAME]);
	text_upper(v[F_SEX], v[F_SEX], sizeof v[F_SEX]);
	text_upper(v[F_COG], v[F_COG], sizeof v[F_COG]);
	text_upper(v[F_VALID_DOC], v[F_VALID_DOC], sizeof v[F_VALID_DOC]);
	if (v[F_HOMONYME][0] == 'o' || v[F_HOMONYME][0] == 'O')
		attrs |= ID_ATTR_HOMONYME;
	if (v[F_DOUTEUSE][0] == 'o' || v[F_DOUTEUSE][0] == 'O')
		attrs |= ID_ATTR_DOUTEUSE;
	if (v[F_FICTIVE][0] == 'o' || v[F_FICTIVE][0] == 'O')
		attrs |= ID_ATTR_FICTIVE;
	/* The status follows the RNIV rules of core/identity (id_status_after_edit). */
	e = (struct id_edit){
		.old_status = fs->p.id_status,
		.has_ins = fs->p.ins_matricule[0] != '\0',
		.doc_before = fs->p.validation_mode[0] != '\0',
		.doc_after = v[F_VALID_DOC][0] != '\0',
		.doc_changed = strcmp(v[F_VALID_DOC], fs->orig[F_VALID_DOC]) != 0,
		.attrs = attrs,
	};
	for (size_t i = 0; i < N_STRICT; i++)
		e.strict_changed |= strcmp(fs->f[strict_fields[i]].value,
					   fs->orig[strict_fields[i]]) != 0;
	status = id_status_after_edit(&e, &effects);
	if (effects & ID_EDIT_DROP_DOC) {
		v[F_VALID_DOC][0] = '\0';
		SET(F_VALID_DOC, "");
	}
	fs->effects = effects | (fs->p.id && status < (int)fs->p.id_status ? EFFECT_DEMOTED : 0);
	t = (struct id_traits){
		.birth_name = v[F_BIRTH_NAME], .used_name = v[F_USED_NAME],
		.first_name = v[F_FIRST_NAME], .birth_first_names = v[F_FIRST_NAMES],
		.used_first_name = v[F_USED_FIRST], .sex = v[F_SEX], .birth_date = v[F_BIRTH_DATE],
		.birth_cog = v[F_COG], .nir = v[F_NIR], .status = status, .attrs = attrs,
	};
	today_iso(today, sizeof today);
	bad = id_validate(&t, today, msg, sizeof msg);
	if (bad != IDF_NONE) {
		if (bad == IDF_ATTRIBUTES && v[F_VALID_DOC][0])
			form_focus(&fs->form, F_VALID_DOC);
		else
			form_focus(&fs->form, (size_t)field_of(bad));
		form_message(&fs->form, 1, "%s", msg);
		return -1;
	}
	/* INSi traits (read-only here) stay exactly as INSi returned them. */
	if (!fs->strict_locked) {
		snprintf(p->birth_name, sizeof p->birth_name, "%s", v[F_BIRTH_NAME]);
		snprintf(p->first_name, sizeof p->first_name, "%s", v[F_FIRST_NAME]);
		snprintf(p->birth_first_names, sizeof p->birth_first_names, "%s", v[F_FIRST_NAMES]);
		snprintf(p->sex, sizeof p->sex, "%s", v[F_SEX]);
		date_parse_fr(v[F_BIRTH_DATE], &d);
		date_to_iso(&d, p->birth_date, sizeof p->birth_date);
		snprintf(p->birth_cog, sizeof p->birth_cog, "%s", v[F_COG]);
	}
	snprintf(p->used_name, sizeof p->used_name, "%s", v[F_USED_NAME]);
	snprintf(p->used_first_name, sizeof p->used_first_name, "%s", v[F_USED_FIRST]);
	p->nir[0] = '\0';
	if (v[F_NIR][0] && nir_parse(v[F_NIR], 1, &n) == NIR_OK)
		snprintf(p->nir, sizeof p->nir, "%s%02d", n.body, n.key);
	if (effects & ID_EDIT_DROP_INS) {
		p->ins_matricule[0] = '\0';
		p->ins_oid[0] = '\0';
	}
	p->id_status = status;
	p->id_attrs = attrs;
	snprintf(p->validation_mode, sizeof p->validation_mode, "%s", v[F_VALID_DOC]);
	snprintf(p->phone, sizeof p->phone, "%s", v[F_PHONE]);
	snprintf(p->mobile, sizeof p->mobile, "%s", v[F_MOBILE]);
	snprintf(p->email, sizeof p->email, "%s", v[F_EMAIL]);
	snprintf(p->address, sizeof p->address, "%s", v[F_ADDRESS]);
	snprintf(p->postal_code, sizeof p->postal_code, "%s", v[F_POSTAL]);
	snprintf(p->city, sizeof p->city, "%s", v[F_CITY]);
	return 0;
}

/* Remember the values as loaded, to tell what the user changed. */
static void keep_orig(struct form_screen *fs)
{
	for (int i = 0; i < F_COUNT; i++)
		snprintf(fs->orig[i], sizeof fs->orig[i], "%s", fs->f[i].value);
}

/* Another session saved this dossier meanwhile: re-read it, keep what the user typed and take
 * the other session's values everywhere else. */
static void merge_conflict(struct form_screen *fs)
{
	static char typed[F_COUNT][FORM_VALUE_MAX];
	struct patient fresh;

	patient_init(&fresh);
	if (patient_get(fs->app->st, fs->id, &fresh)) {
		form_message(&fs->form, 1, "%s", fs->app->st->err);
		patient_clear(&fresh);
		return;
	}
	for (int i = 0; i < F_COUNT; i++)
		snprintf(typed[i], sizeof typed[i], "%s", fs->f[i].value);
	patient_clear(&fs->p);
	fs->p = fresh;
	fill_from_patient(fs);
	for (int i = 0; i < F_COUNT; i++)
		if (strcmp(typed[i], fs->orig[i]) != 0 && !fs->f[i].readonly)
			snprintf(fs->f[i].value, sizeof fs->f[i].value, "%s", typed[i]);
	keep_orig(fs);
	form_message(&fs->form, 1, "Modifié sur un autre poste pendant votre saisie : dossier relu, "
		     "vos changements gardés — vérifiez puis C-s pour enregistrer");
}

static void save(struct form_screen *fs)
{
	struct store *st = fs->app->st;
	struct patient p = fs->p;   /* keeps id, version, INS and notes pointer */
	int rc;

	if (collect(fs, &p))
		return;
	if (fs->id) {
		rc = patient_update(st, &p);
	} else {
		p.notes = NULL;
		rc = patient_insert(st, &p);
	}
	if (rc == STORE_ERR_CONFLICT) {
		merge_conflict(fs);
		return;
	}
	if (rc) {
		form_message(&fs->form, 1, "%s", st->err);
		return;
	}
	if (p.id_attrs & ID_ATTR_DOUTEUSE && fs->effects & EFFECT_DEMOTED)
		app_message(fs->app, ST_WARN, "Identité douteuse : statut ramené à provisoire, INS "
			    "et validation retirés");
	else if (fs->effects & ID_EDIT_DROP_DOC)
		app_message(fs->app, ST_WARN, "Traits d'identité modifiés : identité à valider de "
			    "nouveau sur une pièce d'identité");
	else
		app_message(fs->app, ST_OK, fs->id ? "Dossier enregistré" : "Patient créé");
	fs->base.done = 1;
	if (!fs->id)
		fs->created_id = p.id;
}

static void draw(struct screen *base)
{
	struct form_screen *fs = (struct form_screen *)base;
	int lines = ui_lines(), cols = ui_cols();

	form_place(&fs->form, 1, 0, lines - 3, cols);
	form_draw(&fs->form);
	ui_text(lines - 2, 0, cols, ST_MUTED,
		fs->strict_locked
			? "= traits INS reçus d'INSi   C-s/F2 : enregistrer  Échap : abandonner"
			: "Tab/Entrée : champ suivant   C-s/F2 : enregistrer   Échap : abandonner",
		1);
	base->cursor_y = fs->form.cursor_y;
	base->cursor_x = fs->form.cursor_x;
}

static int key(struct screen *base, int k, int action)
{
	struct form_screen *fs = (struct form_screen *)base;
	const struct action_def *a = action_get(action);

	/* Help, redraw and suspend work in a form too; text keys stay text. */
	if (a && !key_is_text(k) && (!strcmp(a->name, "help") || !strcmp(a->name, "redraw") ||
				     !strcmp(a->name, "suspend")))
		return 0;
	/* Quitting (a non-text key such as C-c: "q" is a letter here) from a modified form asks
	 * first: nothing typed is lost silently. */
	if (a && !key_is_text(k) && !strcmp(a->name, "quit") && !fs->form.confirm_cancel) {
		if (!fs->form.modified) {
			fs->app->quit = 1;
			return 1;
		}
		fs->form.confirm_cancel = 1;
		fs->quit_asked = 1;
		form_message(&fs->form, 1,
			     "Quitter Vigie sans enregistrer ? (o : oui, autre touche : non)");
		return 1;
	}
	switch (form_key(&fs->form, k, action)) {
	case FORM_SAVE:
		save(fs);
		break;
	case FORM_CANCEL:
		base->done = 1;
		if (fs->quit_asked)
			fs->app->quit = 1;
		break;
	case FORM_CONTINUE:
		if (!fs->form.confirm_cancel)
			fs->quit_asked = 0;
		break;
	}
	return 1;
}

static void destroy(struct screen *base)
{
	struct form_screen *fs = (struct form_screen *)base;

	patient_clear(&fs->p);
	free(fs);
}

static void leave(struct screen *base)
{
	struct form_screen *fs = (struct form_screen *)base;

	/* A creation that was saved continues in the new dossier, in this form's place. */
	if (base->done && fs->created_id > 0) {
		fs->app->pending_push = dossier_screen_new(fs->app, fs->created_id);
		fs->created_id = 0;
	}
}

static const struct screen_ops form_ops = {
	.context = "form",
	.draw = draw,
	.key = key,
	.leave = leave,
	.destroy = destroy,
};

struct screen *patient_form_new(struct app *a, long long patient_id, const char *prefill_query)
{
	struct form_screen *fs = calloc(1, sizeof *fs);

	if (!fs)
		return NULL;
	if (a->st->readonly) {
		app_message(a, ST_ERROR, "Base en lecture seule : modification impossible");
		free(fs);
		return NULL;
	}
	fs->base.ops = &form_ops;
	fs->base.app = a;
	fs->app = a;
	fs->id = patient_id;
	patient_init(&fs->p);
	setup_fields(fs);
	if (patient_id) {
		if (patient_get(a->st, patient_id, &fs->p)) {
			app_message(a, ST_ERROR, "%s", a->st->err);
			patient_clear(&fs->p);
			free(fs);
			return NULL;
		}
		fill_from_patient(fs);
		snprintf(fs->base.title, sizeof fs->base.title, " Modifier le patient — %s %s",
			 fs->p.birth_name, fs->p.first_name);
	} else {
		fill_from_query(fs, prefill_query);
		snprintf(fs->base.title, sizeof fs->base.title, " Nouveau patient");
	}
	keep_orig(fs);
	form_init(&fs->form, fs->f, F_COUNT, fs);
	fs->form.label_w = 25;
	return &fs->base;
}
