/* vigie dica / vigie dmp: the DICA checklist, DMP status, documents, consent and
 * integration from the command line, as stable "key: value" lines or tab-separated rows. */
#include "cli.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/dica.h"
#include "core/dmp_wire.h"
#include "jobs/dmp_job.h"
#include "jobs/jobs.h"
#include "jobs/psc_session.h"
#include "store/consent.h"
#include "store/dmp_store.h"
#include "store/insi_store.h"
#include "store/patients.h"
#include "store/users.h"

#define CLI_JOB_PSC 3

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "vigie : %s\n", why);
	fputs("Usage : vigie dica PATIENT [--connexion]\n"
	      "        vigie dmp status PATIENT [--hors-ligne]\n"
	      "        vigie dmp list PATIENT [--hors-ligne]\n"
	      "        vigie dmp consent PATIENT [--informe oui|non] [--consultation oui|non]\n"
	      "                          [--opposition oui|non] [--bris-de-glace] [--fin-bris-de-glace]\n"
	      "                          [--nouvel-episode]\n"
	      "        vigie dmp authorize PATIENT\n"
	      "        vigie dmp integrate PATIENT NUMERO... | --tous\n"
	      "PATIENT : numéro de dossier ou matricule INS (15 caractères).\n"
	      "Les appels au DMP demandent une connexion Pro Santé Connect : le code à comparer\n"
	      "sur l'application e-CPS est affiché sur la sortie d'erreur.\n",
	      stderr);
	return 2;
}

static long long find_patient(struct store *st, const char *arg)
{
	char *end;
	long long id = strtoll(arg, &end, 10);

	if (*arg && !*end && id > 0 && strlen(arg) < 15)
		return id;
	if (strlen(arg) == 15)
		return insi_find_by_matricule(st, arg, 0);
	return 0;
}

static int has_flag(const struct cli *cl, int from, const char *flag)
{
	for (int i = from; i < cl->nargs; i++)
		if (!strcmp(cl->args[i], flag))
			return 1;
	return 0;
}

/* The national id used as CIBA login_hint: configuration, else 8 + the user's RPPS. */
static int national_id(const struct cli *cl, struct store *st, char *out, size_t size)
{
	struct user u;

	if (cl->c->psc_login_hint[0]) {
		snprintf(out, size, "%s", cl->c->psc_login_hint);
		return 0;
	}
	memset(&u, 0, sizeof u);
	if (user_get_by_login(st, cl->login, &u) == 0 && u.rpps[0]) {
		snprintf(out, size, "8%s", u.rpps);
		return 0;
	}
	fprintf(stderr, "vigie : identifiant national inconnu pour « %s » : indiquez [psc] "
		"identifiant ou le RPPS de l'utilisateur\n", cl->login);
	return -1;
}

/* Pro Santé Connect by CIBA, waiting here for the approval (the code goes to stderr). */
static int sign_in(const struct cli *cl, struct store *st)
{
	struct psc_session_info info;
	struct jobs *js = NULL;
	char nid[32], binding[8], err[256];
	long long job;
	int done = 0;

	if (national_id(cl, st, nid, sizeof nid))
		return -1;
	if (jobs_start(cl->c->db, 1, cl->login, &js, err, sizeof err)) {
		fprintf(stderr, "vigie : %s\n", err);
		return -1;
	}
	job = psc_signin_start(js, CLI_JOB_PSC, &cl->c->psc, nid, binding, err, sizeof err);
	if (job < 0) {
		fprintf(stderr, "vigie : %s\n", err);
		jobs_stop(js);
		return -1;
	}
	fprintf(stderr, "Pro Santé Connect : validez le code %s sur l'application e-CPS…\n",
		binding);
	while (!done) {
		struct pollfd p = { jobs_wake_fd(js), POLLIN, 0 };
		struct job_event ev[4];
		size_t n;

		poll(&p, 1, 500);
		n = jobs_take_events(js, ev, 4);
		for (size_t i = 0; i < n; i++)
			if (ev[i].job_id == job)
				done = 1;
	}
	jobs_stop(js);
	psc_session_info(&info);
	if (info.state != PSC_STATE_SIGNED_IN) {
		fprintf(stderr, "vigie : connexion Pro Santé Connect impossible : %s\n",
			info.message[0] ? info.message : "raison inconnue");
		return -1;
	}
	fprintf(stderr, "Pro Santé Connect : connecté(e) : %s %s\n", info.user.given,
		info.user.family);
	return 0;
}

static const char *yes_no(int v)
{
	return v ? "oui" : "non";
}

static void print_dica(long long pid, const struct dica_input *in, const struct dica_result *r)
{
	static const char *const keys[DICA_COUNT] = { "d", "i", "c", "a" };

	printf("patient: %lld\n", pid);
	for (int l = 0; l < DICA_COUNT; l++) {
		printf("%s: %s\n", keys[l], dica_state_name(r->line[l].state));
		printf("%s_raison: %s\n", keys[l], r->line[l].reason);
		printf("%s_remede: %s\n", keys[l], dica_remedy_name(r->line[l].remedy));
	}
	printf("consultation_possible: %s\n", yes_no(r->all_ok));
	printf("interrogation_possible: %s\n", yes_no(r->may_query));
	printf("alimentation_possible: %s\n", yes_no(r->may_feed));
	printf("bris_de_glace: %s\n", r->bdg_active ? in->consent.bdg_until : "non");
	printf("authentifie: %s\n", in->authenticated ? in->auth_who : "non");
}

static int dica(const struct cli *cl, struct store *st, long long pid)
{
	struct dica_input in;
	struct dica_keep keep;
	struct dica_result r;
	char msg[320];

	if (has_flag(cl, 2, "--connexion")) {
		if (sign_in(cl, st))
			return 1;
		if (dmp_dica_load(st, pid, &in, &keep) == 0) {
			dica_evaluate(&in, &r);
			if (r.may_query) {
				dmp_run_now(st, &cl->c->dmp, pid, DMP_REFRESH, NULL, 0, msg,
					    sizeof msg);
				fprintf(stderr, "%s\n", msg);
			}
		}
	}
	if (dmp_dica_load(st, pid, &in, &keep)) {
		fprintf(stderr, "vigie : %s\n", st->err);
		return 1;
	}
	dica_evaluate(&in, &r);
	print_dica(pid, &in, &r);
	return 0;
}

static void print_status(struct store *st, long long pid)
{
	struct dmp_status s;
	char at[32] = "";
	int n_new = 0, n_inv = 0, n_all = 0;
	char fetched[32] = "";

	memset(&s, 0, sizeof s);
	dmp_status_get(st, pid, &s, at, sizeof at);
	printf("dmp: %s\n", dmp_state_name(s.state));
	printf("date_fermeture: %s\nmotif_fermeture: %s\n", s.closed_date, s.closed_reason);
	printf("autorisation: %s\nfin_autorisation: %s\n", dmp_authz_name(s.authz), s.authz_end);
	printf("medecin_traitant: %s\n", yes_no(s.treating_doctor));
	printf("verifie_le: %s\n", at);
	dmp_docs_count_new(st, pid, st->who, &n_new, &n_inv, &n_all, fetched, sizeof fetched);
	printf("documents: %d\nnouveaux: %d\nnouveaux_invisibles_patient: %d\nliste_du: %s\n",
	       n_all, n_new, n_inv, fetched);
}

/* Sign in, then TD0.2 (+ TD3.1); prints the job's message. 0, or 1 when nothing was asked. */
static int refresh_online(const struct cli *cl, struct store *st, long long pid)
{
	char msg[320];
	int rc;

	if (sign_in(cl, st))
		return 1;
	rc = dmp_run_now(st, &cl->c->dmp, pid, DMP_REFRESH, NULL, 0, msg, sizeof msg);
	printf("message: %s\n", msg);
	return rc < 0 || (rc & (DMP_JOB_REFUSED | DMP_JOB_ERROR)) ? 1 : 0;
}

static int status(const struct cli *cl, struct store *st, long long pid)
{
	int rc = has_flag(cl, 3, "--hors-ligne") ? 0 : refresh_online(cl, st, pid);

	print_status(st, pid);
	return rc;
}

static int list(const struct cli *cl, struct store *st, long long pid)
{
	struct dmp_doc_row *rows = NULL;
	size_t n = 0;
	int rc = has_flag(cl, 3, "--hors-ligne") ? 0 : refresh_online(cl, st, pid);

	if (dmp_docs_list(st, pid, st->who, &rows, &n)) {
		fprintf(stderr, "vigie : %s\n", st->err);
		return 1;
	}
	printf("numero\tnouveau\tinvisible_patient\tdate\ttype\ttitre\tauteur\tprofession\t"
	       "integre\n");
	for (size_t i = 0; i < n; i++) {
		const struct dmp_doc *d = &rows[i].doc;
		char date[16];
		date_hl7_to_fr(d->creation_time, "", date, sizeof date);
		printf("%lld\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", rows[i].id, yes_no(rows[i].is_new),
		       yes_no(d->invisible_patient), date,
		       d->type_label[0] ? d->type_label : d->type_code, d->title, d->author,
		       d->author_profession, rows[i].local_id ? "oui" : "non");
	}
	free(rows);
	return rc;
}

static int parse_yes_no(const char *v, int *out)
{
	if (!v)
		return -1;
	if (!strcmp(v, "oui"))
		*out = 1;
	else if (!strcmp(v, "non"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int consent(const struct cli *cl, struct store *st, long long pid)
{
	int rc = 0, v;

	for (int i = 3; i < cl->nargs && rc == 0; i++) {
		const char *a = cl->args[i], *val = i + 1 < cl->nargs ? cl->args[i + 1] : NULL;

		if (!strcmp(a, "--bris-de-glace"))
			rc = consent_set_bdg(st, pid, cl->c->dmp_bdg_minutes);
		else if (!strcmp(a, "--fin-bris-de-glace"))
			rc = consent_set_bdg(st, pid, 0);
		else if (!strcmp(a, "--nouvel-episode"))
			rc = consent_close_episode(st, pid);
		else if (!strcmp(a, "--informe") || !strcmp(a, "--consultation") ||
			 !strcmp(a, "--opposition")) {
			if (parse_yes_no(val, &v))
				return usage("oui ou non attendu après l'option");
			i++;
			rc = !strcmp(a, "--informe") ? consent_set_informed(st, pid, v)
			   : !strcmp(a, "--consultation") ? consent_set_consultation(st, pid, v)
							  : consent_set_feeding_opposed(st, pid, v);
		} else {
			return usage("option inconnue");
		}
	}
	if (rc) {
		fprintf(stderr, "vigie : %s\n", st->err);
		return 1;
	}
	{
		struct dmp_consent c;
		if (consent_get(st, pid, &c)) {
			fprintf(stderr, "vigie : %s\n", st->err);
			return 1;
		}
		printf("patient: %lld\nepisode: %lld\ninforme: %s\nopposition_alimentation: %s\n"
		       "consentement_consultation: %s\nbris_de_glace_jusqu_a: %s\n", pid,
		       c.episode_id, yes_no(c.informed), yes_no(c.feeding_opposed),
		       yes_no(c.consultation), c.bdg_until);
	}
	return 0;
}

static int act(const struct cli *cl, struct store *st, long long pid, enum dmp_purpose what)
{
	long long ids[64];
	size_t n = 0;
	char msg[320];
	int rc;

	if (what == DMP_INTEGRATE) {
		if (has_flag(cl, 3, "--tous")) {
			struct dmp_doc_row *rows = NULL;
			size_t nr = 0;
			if (dmp_docs_list(st, pid, st->who, &rows, &nr)) {
				fprintf(stderr, "vigie : %s\n", st->err);
				return 1;
			}
			for (size_t i = 0; i < nr && n < 64; i++)
				ids[n++] = rows[i].id;
			free(rows);
		} else {
			for (int i = 3; i < cl->nargs && n < 64; i++)
				if ((ids[n] = atoll(cl->args[i])) > 0)
					n++;
		}
		if (n == 0)
			return usage("aucun document à intégrer (numéros de « vigie dmp list »)");
	}
	if (sign_in(cl, st))
		return 1;
	rc = dmp_run_now(st, &cl->c->dmp, pid, what, ids, n, msg, sizeof msg);
	printf("message: %s\n", msg);
	return rc < 0 || (rc & (DMP_JOB_REFUSED | DMP_JOB_ERROR)) ? 1 : 0;
}

int cli_dmp(const struct cli *cl)
{
	int is_dica = !strcmp(cl->args[0], "dica");
	const char *sub = is_dica ? "dica" : cl->nargs > 1 ? cl->args[1] : "";
	int parg = is_dica ? 1 : 2;
	struct store *st;
	long long pid;
	int rc;

	if (cl->nargs <= parg)
		return usage(NULL);
	if (!is_dica && strcmp(sub, "status") && strcmp(sub, "list") && strcmp(sub, "consent") &&
	    strcmp(sub, "authorize") && strcmp(sub, "integrate"))
		return usage("sous-commande inconnue");
	if ((rc = cli_open_store(cl, "vigie", &st)))
		return rc;
	pid = find_patient(st, cl->args[parg]);
	if (pid <= 0) {
		fprintf(stderr, "vigie : patient « %s » introuvable\n", cl->args[parg]);
		store_close(st);
		return 1;
	}
	if (is_dica)
		rc = dica(cl, st, pid);
	else if (!strcmp(sub, "status"))
		rc = status(cl, st, pid);
	else if (!strcmp(sub, "list"))
		rc = list(cl, st, pid);
	else if (!strcmp(sub, "consent"))
		rc = consent(cl, st, pid);
	else
		rc = act(cl, st, pid, !strcmp(sub, "authorize") ? DMP_AUTHORIZE : DMP_INTEGRATE);
	psc_session_clear();
	store_close(st);
	return rc;
}
