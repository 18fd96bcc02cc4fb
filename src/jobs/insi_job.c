/* INSi jobs: the search strategy of DOMAIN.md §1 run on a worker, its outcome stored. */
#include "jobs/insi_job.h"
#include "jobs/insi_remote.h"
#include "core/date.h"
#include "core/identity.h"
#include "store/insi_store.h"
#include "store/patients.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static long days_from_civil(const struct ymd *d)
{
	int y = d->y - (d->m <= 2);
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400;
	long doy = (153 * (d->m + (d->m > 2 ? -3 : 9)) + 2) / 5 + d->d - 1;
	long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

enum insi_open_action insi_open_policy(int status, unsigned attrs, const char *checked_at,
				       const char *oid, long answer_age_s, int answer_error,
				       int recheck_years, const char *today)
{
	struct ymd checked, now;

	if (!ins_insi_call_allowed(attrs, NULL))
		return INSI_OPEN_NOTHING;
	if (date_parse_iso(today, &now) != DATE_OK)
		return INSI_OPEN_NOTHING;
	if (status != ID_RECUPEREE && status != ID_QUALIFIEE) {
		/* An answer from the last day is shown again rather than asked again; an error is
		 * retried. */
		if (answer_age_s >= 0 && answer_age_s < 24 * 3600 && !answer_error)
			return INSI_OPEN_NOTHING;
		return INSI_OPEN_SEARCH;
	}
	if (answer_age_s >= 0 && answer_age_s < 24 * 3600)
		return INSI_OPEN_NOTHING;
	/* An INS whose retrieval date is unknown (imported) is verified once. */
	if (!checked_at || date_parse_iso(checked_at, &checked) != DATE_OK)
		return INSI_OPEN_VERIFY;
	if (oid && !strcmp(oid, INS_OID_NIA) &&
	    days_from_civil(&now) - days_from_civil(&checked) >= INSI_NIA_RECHECK_DAYS)
		return INSI_OPEN_VERIFY;
	if (date_age_years(&checked, &now) >= recheck_years)
		return INSI_OPEN_VERIFY;
	return INSI_OPEN_NOTHING;
}

struct insi_job_arg {
	struct insi_config cfg;
	long long patient_id;
	enum insi_purpose purpose;
	struct ins_identity typed;
};

struct run {
	struct job *job;
	struct store *st;
	struct insi_job_arg *arg;
	struct insi_answer *ans;
	struct insi_error lasterr;
	int saw_02;
	int flags;
	int trace_failed;
	int auto_status;        /* status written by an automatic acceptance */
	char refusal[256];      /* why an automatic acceptance was refused (duplicate...) */
};

static int stop_cb(void *ctx)
{
	return job_should_stop(ctx);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void add_step(struct insi_answer *a, const char *fmt, const char *what, const char *res)
{
	size_t len = strlen(a->steps);

	snprintf(a->steps + len, sizeof a->steps - len, fmt, what, res);
}

/* Copy a parsed result into the answer row. */
static void take_result(struct insi_answer *a, const struct insi_result *r)
{
	snprintf(a->outcome, sizeof a->outcome, "%s", r->cr);
	snprintf(a->cr_label, sizeof a->cr_label, "%s", r->cr_label);
	memset(&a->ins, 0, sizeof a->ins);
	a->nhist = 0;
	a->key_ok = 1;
	if (!r->has_individu)
		return;
	snprintf(a->ins.matricule, sizeof a->ins.matricule, "%s%s", r->active.num, r->active.key);
	snprintf(a->ins.oid, sizeof a->ins.oid, "%s", r->active.oid);
	snprintf(a->ins.birth_name, sizeof a->ins.birth_name, "%s", r->birth_name);
	snprintf(a->ins.first_name, sizeof a->ins.first_name, "%s", r->first_name);
	snprintf(a->ins.first_names, sizeof a->ins.first_names, "%s", r->first_names);
	snprintf(a->ins.sex, sizeof a->ins.sex, "%s", r->sex);
	snprintf(a->ins.birth_date, sizeof a->ins.birth_date, "%s", r->birth_date);
	snprintf(a->ins.birth_cog, sizeof a->ins.birth_cog, "%s", r->birth_cog);
	a->key_ok = !r->key_anomaly;
	for (int i = 0; i < r->n_history && i < INSI_ANSWER_HISTO_MAX; i++) {
		struct insi_answer_histo *h = &a->hist[a->nhist++];
		snprintf(h->matricule, sizeof h->matricule, "%s%s", r->history[i].num,
			 r->history[i].key);
		snprintf(h->oid, sizeof h->oid, "%s", r->history[i].oid);
		snprintf(h->date_deb, sizeof h->date_deb, "%s", r->history[i].date_deb);
		snprintf(h->date_fin, sizeof h->date_fin, "%s", r->history[i].date_fin);
		h->key_ok = r->history[i].key_ok;
	}
}

static int is_down(const struct insi_error *e)
{
	return e->kind == INSI_ERR_CONNECT || e->kind == INSI_ERR_TIMEOUT ||
	       (e->kind == INSI_ERR_FAULT && !strcasecmp(e->code, "desir_1020")) ||
	       e->kind == INSI_ERR_HTTP;
}

/* Short code of an error for the audit trace and the answer row: the siram code of a fault,
 * else the kind. */
static const char *error_code(const struct insi_error *e)
{
	return *e->code ? e->code : insi_error_kind_name(e->kind);
}

/* Every call is traced (SC.INS.17); a trace that cannot be written is said, not hidden. */
static void trace(struct run *rn, const char *op, int rc, const char *cr, long ms, int place,
		  const char *first)
{
	if (insi_trace_call(rn->st, rn->arg->patient_id, op, rc ? "" : cr,
			    rc ? error_code(&rn->lasterr) : NULL, ms, place, first))
		rn->trace_failed = 1;
}

/* One call through vigie-net, timed and traced; what names it in the steps of the answer.
 * Returns 0 on a CR (taken into the answer), < 0 on an error (in rn->lasterr). */
static int one_call(struct run *rn, struct insi_request *rq, const char *what, int place,
		    const char *first)
{
	const char *op = rq->vitale ? "rechercherInsAvecCarteVitale"
				    : "rechercherInsAvecTraitsIdentite";
	struct insi_result r;
	struct timespec t0;
	long ms;
	int rc;

	rq->cfg = rn->arg->cfg;
	memset(&rn->lasterr, 0, sizeof rn->lasterr);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = insi_remote_call(rq, stop_cb, rn->job, &r, &rn->lasterr);
	memset(rq->cfg.key_password, 0, sizeof rq->cfg.key_password);
	ms = ms_since(&t0);
	rn->ans->calls++;
	trace(rn, op, rc, r.cr, ms, place, first);
	if (rc) {
		add_step(rn->ans, "%s : %s\n", what, rn->lasterr.message);
		return rc;
	}
	add_step(rn->ans, "%s : CR %s\n", what, r.cr);
	take_result(rn->ans, &r);
	if (!strcmp(r.cr, "02"))
		rn->saw_02 = 1;
	return 0;
}

static int call_traits(struct run *rn, const char *first, const char *cog)
{
	const struct ins_identity *q = &rn->ans->query;
	struct insi_request rq = { .vitale = 0 };
	char what[200];
	int place = cog && *cog;

	snprintf(rq.birth_name, sizeof rq.birth_name, "%s", q->birth_name);
	snprintf(rq.first_name, sizeof rq.first_name, "%s", first);
	snprintf(rq.sex, sizeof rq.sex, "%s", q->sex);
	snprintf(rq.birth_date, sizeof rq.birth_date, "%s", q->birth_date);
	snprintf(rq.birth_cog, sizeof rq.birth_cog, "%s", place ? cog : "");
	snprintf(what, sizeof what, "Traits (%s, %s%s)", first, place ? "lieu " : "sans lieu",
		 place ? cog : "");
	return one_call(rn, &rq, what, place, first);
}

static int call_vitale(struct run *rn, const struct vitale_data *v)
{
	struct insi_request rq = { .vitale = 1, .rang = v->rang };

	snprintf(rq.nir_individu, sizeof rq.nir_individu, "%s", v->nir_individu);
	snprintf(rq.nir_od, sizeof rq.nir_od, "%s", v->nir_od);
	snprintf(rq.birth_name, sizeof rq.birth_name, "%s", v->birth_name);
	snprintf(rq.birth_date, sizeof rq.birth_date, "%s", v->birth_date);
	return one_call(rn, &rq, "Carte Vitale", 0, NULL);
}

/* First names tried one by one, at most. */
#define INSI_MAX_FIRST_NAMES 8

/* Split "PIERRE-ALAIN MURIEL FLORIANT" into its first names. */
static int split_first_names(const char *list, char out[][101], int max)
{
	char buf[512], *save = NULL, *tok;
	int n = 0;

	snprintf(buf, sizeof buf, "%s", list);
	for (tok = strtok_r(buf, " ", &save); tok && n < max; tok = strtok_r(NULL, " ", &save))
		snprintf(out[n++], 101, "%s", tok);
	return n;
}

/*
 * DOMAIN.md §1 strategy: the first birth first name of the dossier without the birth place;
 * on 02 the same with the birth place, silently; then one call per other birth first name
 * (with the birth place once a 02 was seen); last, the whole list as one first name, as the
 * CNDA test book does (HOUILLES). Stops at the first 00 or error.
 */
static int traits_strategy(struct run *rn)
{
	const struct ins_identity *q = &rn->ans->query;
	char names[INSI_MAX_FIRST_NAMES][101];
	int n = split_first_names(q->first_names, names, INSI_MAX_FIRST_NAMES), rc;
	const char *cog = q->birth_cog;

	rc = call_traits(rn, q->first_name, NULL);
	if (!rc && !strcmp(rn->ans->outcome, "02") && *cog)
		rc = call_traits(rn, q->first_name, cog);
	for (int i = 0; !rc && i < n && strcmp(rn->ans->outcome, "00"); i++)
		if (strcmp(names[i], q->first_name))
			rc = call_traits(rn, names[i], rn->saw_02 ? cog : NULL);
	if (!rc && n > 1 && strcmp(rn->ans->outcome, "00") && strlen(q->first_names) <= 100 &&
	    strcmp(q->first_names, q->first_name))
		rc = call_traits(rn, q->first_names, rn->saw_02 ? cog : NULL);
	/* Several identities seen and none found later: 02 says more than 01. */
	if (!rc && rn->saw_02 && !strcmp(rn->ans->outcome, "01")) {
		snprintf(rn->ans->outcome, sizeof rn->ans->outcome, "02");
		snprintf(rn->ans->cr_label, sizeof rn->ans->cr_label, "Plusieurs identites trouvees");
	}
	return rc;
}

/* Normalise a list of first names word by word (a long list is not refused as a whole). */
static int normalize_list(const char *list, char *out, size_t size, const char **why)
{
	char words[INSI_MAX_FIRST_NAMES][101], one[101];
	int n = split_first_names(list, words, INSI_MAX_FIRST_NAMES);
	size_t len = 0;

	out[0] = 0;
	for (int i = 0; i < n; i++) {
		if (ins_normalize(words[i], 1, one, sizeof one, why))
			return -1;
		len += (size_t)snprintf(out + len, size - len, "%s%s", i ? " " : "", one);
		if (len >= size) {
			*why = "liste des prénoms trop longue";
			return -1;
		}
	}
	if (n == 0) {
		*why = "aucun prénom";
		return -1;
	}
	return 0;
}

/* The traits to send, normalised to the INSi rules; refuses with the reason. */
static int prepare_query(struct run *rn, const struct ins_identity *src)
{
	struct ins_identity *q = &rn->ans->query;
	const char *why = NULL;
	const char *list = *src->first_names ? src->first_names : src->first_name;
	const char *first = *src->first_name ? src->first_name : list;

	memset(q, 0, sizeof *q);
	if (ins_normalize(src->birth_name, 0, q->birth_name, sizeof q->birth_name, &why)) {
		snprintf(rn->ans->error_message, sizeof rn->ans->error_message,
			 "Nom de naissance « %s » non transmissible à INSi : %s", src->birth_name, why);
		return -1;
	}
	if (normalize_list(list, q->first_names, sizeof q->first_names, &why)) {
		snprintf(rn->ans->error_message, sizeof rn->ans->error_message,
			 "Prénoms « %s » non transmissibles à INSi : %s", list, why);
		return -1;
	}
	/* The dossier's first first name ("JEAN-CHRISTOPHE" of "JEAN CHRISTOPHE PIERRE") is
	 * sent first, as it is; without one, the first word of the list. */
	if (*src->first_name ? ins_normalize(first, 1, q->first_name, sizeof q->first_name, &why)
			     : (ins_first_of_list(q->first_names, q->first_name,
						  sizeof q->first_name), 0)) {
		snprintf(rn->ans->error_message, sizeof rn->ans->error_message,
			 "Premier prénom « %s » non transmissible à INSi : %s", first, why);
		return -1;
	}
	if (strcmp(src->sex, "F") && strcmp(src->sex, "M")) {
		snprintf(rn->ans->error_message, sizeof rn->ans->error_message,
			 "Sexe indéterminé : INSi ne connaît que F et M, la recherche n'est pas "
			 "possible (qualifiez sur pièce d'identité)");
		return -1;
	}
	snprintf(q->sex, sizeof q->sex, "%s", src->sex);
	snprintf(q->birth_date, sizeof q->birth_date, "%s", src->birth_date);
	/* 99999 (unknown) says nothing to INSi: never sent. */
	if (strcmp(src->birth_cog, "99999"))
		snprintf(q->birth_cog, sizeof q->birth_cog, "%s", src->birth_cog);
	return 0;
}

static void finish_message(struct run *rn)
{
	struct insi_answer *a = rn->ans;
	const char *who = rn->arg->purpose == INSI_VERIFY ? " (vérification)" : "";

	if (!strcmp(a->outcome, "erreur"))
		job_set_message(rn->job, "INSi%s : %s", who, a->error_message);
	else if (rn->flags & INSI_JOB_VERIFIED)
		job_set_message(rn->job, "INS vérifiée auprès d'INSi : inchangée");
	else if ((rn->flags & INSI_JOB_AUTO_ACCEPTED) && rn->auto_status == ID_QUALIFIEE)
		job_set_message(rn->job, "INSi : traits identiques, identité qualifiée");
	else if (rn->flags & INSI_JOB_AUTO_ACCEPTED)
		job_set_message(rn->job, "INSi : traits identiques, identité récupérée");
	else if (rn->refusal[0])
		job_set_message(rn->job, "INSi : %s", rn->refusal);
	else if (!strcmp(a->outcome, "00") && !a->key_ok)
		job_set_message(rn->job, "INSi : réponse anormale (clé de matricule fausse)");
	else if (!strcmp(a->outcome, "00"))
		job_set_message(rn->job, "INSi%s : identité trouvée, à comparer", who);
	else if (!strcmp(a->outcome, "01"))
		job_set_message(rn->job, "INSi%s : aucune identité trouvée (01)", who);
	else
		job_set_message(rn->job, "INSi%s : plusieurs identités trouvées (02)", who);
	if (rn->trace_failed) {
		char m[160];
		snprintf(m, sizeof m, "%s", job_message(rn->job));
		job_set_message(rn->job, "%s (trace non écrite : %s)", m, rn->st->err);
	}
}

/* After a 00: auto-récupération for a search, confirmation for a verification. */
static void conclude(struct run *rn, const struct patient *p)
{
	struct ins_identity local;
	enum ins_cmp cmp[INS_T_COUNT];
	struct insi_answer *a = rn->ans;

	if (strcmp(a->outcome, "00"))
		return;
	rn->flags |= INSI_JOB_FOUND;
	if (!p)
		return;
	insi_local_identity(p, &local);
	ins_compare(&local, &a->ins, cmp);
	if (rn->arg->purpose == INSI_VERIFY) {
		/* Confirmed only when INSi gives back the same INS with the same traits; anything
		 * else stays undecided and is shown for comparison. */
		int same = a->key_ok && !strcmp(p->ins_oid, a->ins.oid);
		for (int t = 0; t < INS_T_COUNT; t++)
			same = same && cmp[t] == INS_EQUAL;
		if (same && insi_mark_verified(rn->st, p->id, a->id) == 0)
			rn->flags |= INSI_JOB_VERIFIED;
		return;
	}
	/* The list of first names may be completed by INSi ("ZOE" -> "ZOE MARIE"), not cut:
	 * a local first name INSi does not know is shown for a decision. */
	if (ins_auto_acceptable(cmp, a->key_ok) &&
	    (cmp[INS_T_FIRST_NAMES] != INS_DIFFERS ||
	     ins_first_name_coherent(local.first_names, a->ins.first_names))) {
		int status = -1;
		if (insi_apply_answer(rn->st, p->id, p->version, a, INS_DOC_NONE, "automatique",
				      &status) == 0) {
			rn->flags |= INSI_JOB_AUTO_ACCEPTED;
			rn->auto_status = status;
		} else {
			snprintf(rn->refusal, sizeof rn->refusal, "%s", rn->st->err);
		}
	}
}

static int run_calls(struct run *rn, const struct patient *p)
{
	struct vitale_data v;

	/* Vitale data first (DOMAIN.md §1), else the local traits: also when the card search
	 * fails for a reason of its own (fault, card data refused), not when the service is
	 * unreachable or the call was cancelled. */
	if (p && rn->arg->purpose == INSI_SEARCH && vitale_get(rn->st, p->id, &v) == 0) {
		int rc = call_vitale(rn, &v);
		if (!rc && !strcmp(rn->ans->outcome, "00"))
			return 0;
		if (rc && (is_down(&rn->lasterr) || rc == INSI_ERR_TLS || rc == INSI_ERR_CANCELLED ||
			   rc == INSI_ERR_CONFIG))
			return rc;
	}
	return traits_strategy(rn);
}

static int insi_job_run(struct job *j, struct store *st, void *varg)
{
	struct insi_job_arg *arg = varg;
	struct insi_answer *a = calloc(1, sizeof *a);
	struct run rn = { j, st, arg, a, { 0 }, 0, 0, 0 };
	struct patient p, *pp = NULL;
	struct ins_identity src;
	struct timespec t0;
	int rc;

	if (!a)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	patient_init(&p);
	src = arg->typed;
	if (arg->patient_id > 0) {
		if (patient_get(st, arg->patient_id, &p)) {
			job_set_message(j, "INSi : %s", st->err);
			free(a);
			return -1;
		}
		pp = &p;
		const char *why = NULL;
		if (!ins_insi_call_allowed(p.id_attrs, &why)) {
			job_set_message(j, "%s", why);
			job_set_result(j, 0);
			patient_clear(&p);
			free(a);
			return INSI_JOB_SKIPPED;
		}
		insi_local_identity(&p, &src);
	}
	a->patient_id = arg->patient_id;
	snprintf(a->purpose, sizeof a->purpose, "%s", arg->purpose == INSI_VERIFY ? "verification"
			: arg->purpose == INSI_CREATE ? "creation" : "recherche");
	if (prepare_query(&rn, &src)) {
		snprintf(a->outcome, sizeof a->outcome, "erreur");
		snprintf(a->error_code, sizeof a->error_code, "saisie");
		rn.flags |= INSI_JOB_ERROR;
	} else if ((rc = run_calls(&rn, pp)) < 0) {
		snprintf(a->outcome, sizeof a->outcome, "erreur");
		if (!rn.lasterr.kind)
			rn.lasterr.kind = rc;
		snprintf(a->error_code, sizeof a->error_code, "%s", error_code(&rn.lasterr));
		snprintf(a->error_message, sizeof a->error_message, "%s", rn.lasterr.message);
		rn.flags |= INSI_JOB_ERROR | (is_down(&rn.lasterr) ? INSI_JOB_SERVICE_DOWN : 0);
	}
	a->elapsed_ms = ms_since(&t0);
	if (insi_answer_save(st, a)) {
		job_set_message(j, "INSi : réponse non enregistrée : %s", st->err);
		patient_clear(&p);
		free(a);
		return -1;
	}
	job_set_result(j, a->id);
	conclude(&rn, pp);
	finish_message(&rn);
	patient_clear(&p);
	free(a);
	return rn.flags;
}

static void free_arg(void *p)
{
	struct insi_job_arg *arg = p;

	/* the key password lives in this copy of the configuration */
	memset(arg, 0, sizeof *arg);
	free(arg);
}

long long insi_job_post(struct jobs *js, int kind, const struct insi_config *cfg,
			long long patient_id, enum insi_purpose purpose,
			const struct ins_identity *typed)
{
	struct insi_job_arg *arg = calloc(1, sizeof *arg);
	struct job_spec spec = { 0 };

	if (!arg)
		return -1;
	arg->cfg = *cfg;
	arg->patient_id = patient_id;
	arg->purpose = purpose;
	if (typed)
		arg->typed = *typed;
	spec.kind = kind;
	spec.patient_id = patient_id;
	/* Each call has its own timeouts: the job may last as long as every call of the
	 * strategy (Vitale, two with the first name, one per other first name, the list). */
	spec.timeout_ms = (cfg->timeout_ms > 0 ? cfg->timeout_ms : 20000) *
			  (INSI_MAX_FIRST_NAMES + 4) + 2000;
	spec.run = insi_job_run;
	spec.arg = arg;
	spec.free_arg = free_arg;
	spec.label = "INSi";
	return jobs_post(js, &spec);
}
