/* INSi search on typed traits, from patient search when nothing local matches: the answer
 * then creates the dossier without retyping (screens/ins_compare.c, creation mode). */
#include "screens/app.h"
#include "core/cog.h"
#include "core/date.h"
#include "core/ins.h"
#include "core/text.h"
#include "jobs/insi_job.h"
#include "ui/form.h"
#include "ui/keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { N_BIRTH_NAME, N_FIRST_NAMES, N_SEX, N_BIRTH_DATE, N_COG, N_COUNT };

struct insi_new_screen {
	struct screen base;
	struct app *app;
	struct form_field f[N_COUNT];
	struct ui_form form;
	int quit_asked;
};

static int v_name(const char *v, char *msg, size_t size, void *ctx)
{
	char out[128];
	const char *why = NULL;

	(void)ctx;
	if (ins_normalize(v, 0, out, sizeof out, &why) == 0)
		return 0;
	snprintf(msg, size, "Nom non transmissible à INSi : %s", why);
	return -1;
}

static int v_first(const char *v, char *msg, size_t size, void *ctx)
{
	char out[208];
	const char *why = NULL;

	(void)ctx;
	if (ins_normalize(v, 1, out, sizeof out, &why) == 0)
		return 0;
	snprintf(msg, size, "Prénoms non transmissibles à INSi : %s", why);
	return -1;
}

static int v_sex(const char *v, char *msg, size_t size, void *ctx)
{
	(void)ctx;
	if ((v[0] == 'F' || v[0] == 'M' || v[0] == 'f' || v[0] == 'm') && !v[1])
		return 0;
	snprintf(msg, size, "Sexe : F ou M (INSi ne connaît pas d'autre valeur)");
	return -1;
}

static int v_date(const char *v, char *msg, size_t size, void *ctx)
{
	struct ymd d;
	int rc = date_parse_fr(v, &d);

	(void)ctx;
	if (rc == DATE_OK)
		return 0;
	snprintf(msg, size, "Date de naissance : %s (JJ/MM/AAAA)", date_strerror(rc));
	return -1;
}

static int v_cog(const char *v, char *msg, size_t size, void *ctx)
{
	struct insi_new_screen *s = ctx;
	char u[16];
	struct ymd d;

	text_upper(v, u, sizeof u);
	if (!*u)
		return 0;
	if (cog_classify(u) == COG_INVALID) {
		snprintf(msg, size, "%s", cog_explain_invalid(u));
		return -1;
	}
	/* Corsica was 20xxx until 1976-01-01, 2A/2B since (INSEE). */
	if (u[0] == '2' && u[1] == '0' && s &&
	    date_parse_fr(s->f[N_BIRTH_DATE].value, &d) == DATE_OK && d.y >= 1976) {
		snprintf(msg, size, "Depuis 1976, pour la Corse, utiliser 2A ou 2B, pas 20");
		return -1;
	}
	return 0;
}

/* "dupont jean 12/03/1980" typed in patient search fills name, first name and date. */
static void prefill(struct insi_new_screen *s, const char *q)
{
	char buf[256], *save = NULL, *tok;
	struct ymd d;
	int words = 0;

	if (!q)
		return;
	snprintf(buf, sizeof buf, "%s", q);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (date_parse_fr(tok, &d) == DATE_OK)
			date_to_fr(&d, s->f[N_BIRTH_DATE].value, sizeof s->f[N_BIRTH_DATE].value);
		else if (words++ == 0)
			text_upper(tok, s->f[N_BIRTH_NAME].value, sizeof s->f[N_BIRTH_NAME].value);
		else if (words == 2)
			text_upper(tok, s->f[N_FIRST_NAMES].value, sizeof s->f[N_FIRST_NAMES].value);
	}
}

static void submit(struct insi_new_screen *s)
{
	struct ins_identity typed;
	struct ymd d;
	long long job;
	struct screen *next;

	if (form_validate_all(&s->form))
		return;
	memset(&typed, 0, sizeof typed);
	text_trim_spaces(s->f[N_BIRTH_NAME].value, typed.birth_name, sizeof typed.birth_name);
	text_trim_spaces(s->f[N_FIRST_NAMES].value, typed.first_names, sizeof typed.first_names);
	ins_first_of_list(typed.first_names, typed.first_name, sizeof typed.first_name);
	typed.sex[0] = (char)(s->f[N_SEX].value[0] & ~0x20);
	date_parse_fr(s->f[N_BIRTH_DATE].value, &d);
	date_to_iso(&d, typed.birth_date, sizeof typed.birth_date);
	text_upper(s->f[N_COG].value, typed.birth_cog, sizeof typed.birth_cog);
	job = app_insi_post(s->app, 0, INSI_CREATE, &typed);
	if (job <= 0) {
		form_message(&s->form, 1, "%s", s->app->msg[0] ? s->app->msg : "Appel impossible");
		return;
	}
	next = ins_compare_new(s->app, 0, 0, job);
	if (next) {
		s->app->pending_push = next;
		s->base.done = 1;
	}
}

static void draw(struct screen *base)
{
	struct insi_new_screen *s = (struct insi_new_screen *)base;
	int lines = ui_lines(), cols = ui_cols();

	ui_text(1, 0, cols, ST_NORMAL, "Traits de la pièce d'identité (nom de naissance, tous les "
		"prénoms de naissance) :", 1);
	form_place(&s->form, 2, 0, lines - 4, cols);
	form_draw(&s->form);
	ui_text(lines - 2, 0, cols, ST_MUTED, "Entrée : interroger INSi   Tab : champ suivant   "
		"Échap : abandonner", 1);
	base->cursor_y = s->form.cursor_y;
	base->cursor_x = s->form.cursor_x;
}

static int filled(const struct insi_new_screen *s)
{
	return s->f[N_BIRTH_NAME].value[0] && s->f[N_FIRST_NAMES].value[0] &&
	       s->f[N_SEX].value[0] && s->f[N_BIRTH_DATE].value[0];
}

static int key(struct screen *base, int k, int action)
{
	struct insi_new_screen *s = (struct insi_new_screen *)base;
	const struct action_def *a = action_get(action);

	if (a && !key_is_text(k) && (!strcmp(a->name, "help") || !strcmp(a->name, "redraw") ||
				     !strcmp(a->name, "suspend")))
		return 0;
	/* Quitting with traits typed asks first, as the patient form does. */
	if (a && !key_is_text(k) && !strcmp(a->name, "quit") && !s->form.confirm_cancel) {
		if (!s->form.modified)
			return 0;
		s->form.confirm_cancel = 1;
		s->quit_asked = 1;
		form_message(&s->form, 1, "Quitter Vigie sans interroger INSi ? (o : oui, autre "
			     "touche : non)");
		return 1;
	}
	/* Enter sends as soon as the four mandatory traits are there. */
	if (k == VK_ENTER && filled(s)) {
		submit(s);
		return 1;
	}
	switch (form_key(&s->form, k, action)) {
	case FORM_SAVE:
		submit(s);
		break;
	case FORM_CANCEL:
		base->done = 1;
		if (s->quit_asked)
			s->app->quit = 1;
		break;
	case FORM_CONTINUE:
		if (!s->form.confirm_cancel)
			s->quit_asked = 0;
		break;
	}
	return 1;
}

static void destroy(struct screen *base)
{
	free(base);
}

static const struct screen_ops insi_new_ops = {
	.context = "form",
	.draw = draw,
	.key = key,
	.destroy = destroy,
};

static struct insi_new_screen *create(struct app *a);
static struct screen *start(struct insi_new_screen *s);

struct screen *insi_new_screen_new(struct app *a, const char *query)
{
	struct insi_new_screen *s = create(a);

	if (!s)
		return NULL;
	prefill(s, query);
	return start(s);
}

/* Traits sent before (an answer of a creation search), to correct and send again. */
struct screen *insi_new_screen_from(struct app *a, const struct ins_identity *t)
{
	struct insi_new_screen *s = create(a);

	if (!s)
		return NULL;
	snprintf(s->f[N_BIRTH_NAME].value, FORM_VALUE_MAX, "%s", t->birth_name);
	snprintf(s->f[N_FIRST_NAMES].value, FORM_VALUE_MAX, "%s", t->first_names);
	snprintf(s->f[N_SEX].value, FORM_VALUE_MAX, "%s", t->sex);
	date_iso_to_fr(t->birth_date, s->f[N_BIRTH_DATE].value, FORM_VALUE_MAX);
	snprintf(s->f[N_COG].value, FORM_VALUE_MAX, "%s", t->birth_cog);
	return start(s);
}

static struct insi_new_screen *create(struct app *a)
{
	struct insi_new_screen *s = calloc(1, sizeof *s);
	static const char *const labels[N_COUNT] = {
		"Nom de naissance", "Prénoms de naissance", "Sexe (F/M)",
		"Date de naissance", "Lieu de naissance (COG)" };
	int (*const checks[N_COUNT])(const char *, char *, size_t, void *) = {
		v_name, v_first, v_sex, v_date, v_cog };

	if (!s)
		return NULL;
	s->base.ops = &insi_new_ops;
	s->base.app = a;
	s->app = a;
	snprintf(s->base.title, sizeof s->base.title, " Recherche INSi — créer un patient");
	for (int i = 0; i < N_COUNT; i++) {
		s->f[i].label = labels[i];
		s->f[i].validate = checks[i];
		s->f[i].required = i != N_COG;
		s->f[i].maxbytes = i == N_FIRST_NAMES ? 200 : i == N_COG ? 5 : 100;
	}
	s->f[N_COG].hint = "Facultatif : envoyé seulement si INSi trouve plusieurs identités";
	s->f[N_SEX].hint = "F ou M";
	return s;
}

static struct screen *start(struct insi_new_screen *s)
{
	form_init(&s->form, s->f, N_COUNT, s);
	s->form.label_w = 25;
	for (int i = 0; i < N_COUNT; i++)
		if (!s->f[i].value[0]) {
			form_focus(&s->form, (size_t)i);
			s->form.top = 0;   /* not placed yet: keep every field in view */
			break;
		}
	return &s->base;
}
