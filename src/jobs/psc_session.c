/* The Pro Santé Connect session of this vigie process: state, CIBA sign-in, refresh, logout. */
#include "jobs/psc_session.h"

#include "core/kv.h"
#include "core/psc_wire.h"
#include "jobs/net_remote.h"
#include "store/audit.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define REPLY_MAX (64 * 1024)
#define REFRESH_MARGIN_S 60        /* refresh when the access token has less left than this */
#define RETRY_AFTER_S 15           /* after a refresh that failed for a passing reason */
#define LABEL "Pro Santé Connect"

/* Process-global: one professional signed in per vigie process (one per SSH session). */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
	enum psc_state state;
	char binding[8];
	struct psc_user user;
	struct psc_tokens tokens;
	time_t signed_in_at, issued_at, expires_at, refresh_expires_at, retry_at;
	long long job;             /* in flight; -1 while being posted */
	unsigned gen;              /* bumped by sign-in, sign-out, clear: late results dropped */
	int changed;               /* for psc_session_tick's answer */
	char message[200];
} S;

struct psc_job_arg {
	struct psc_request rq;
	unsigned gen;
	int ran;                   /* the job function ran (else it was cancelled while queued) */
};

/* ------------------------------------------------------------------ state helpers */

/* Tokens and identity gone, wiped. Called locked. */
static void forget_locked(void)
{
	explicit_bzero(&S.tokens, sizeof S.tokens);
	memset(&S.user, 0, sizeof S.user);
	S.binding[0] = 0;
	S.signed_in_at = S.issued_at = S.expires_at = S.refresh_expires_at = S.retry_at = 0;
}

static void fail_locked(const char *message)
{
	forget_locked();
	S.state = PSC_STATE_FAILED;
	snprintf(S.message, sizeof S.message, "%s", message);
	S.changed = 1;
}

void psc_session_info(struct psc_session_info *out)
{
	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&mu);
	out->state = S.state;
	memcpy(out->binding, S.binding, sizeof out->binding);
	out->user = S.user;
	out->signed_in_at = S.signed_in_at;
	out->expires_at = S.expires_at;
	out->job = S.job > 0 ? S.job : 0;
	memcpy(out->message, S.message, sizeof out->message);
	pthread_mutex_unlock(&mu);
}

static void free_arg(void *p)
{
	struct psc_job_arg *a = p;

	if (!a)
		return;
	if (!a->ran && a->rq.op != PSC_OP_LOGOUT) {
		/* cancelled while queued: the session must not stay "pending" */
		pthread_mutex_lock(&mu);
		if (a->gen == S.gen && S.job != 0) {
			S.job = 0;
			if (a->rq.op == PSC_OP_CIBA)
				fail_locked("Connexion Pro Santé Connect annulée");
			else
				S.retry_at = time(NULL) + RETRY_AFTER_S;
			S.changed = 1;
		}
		pthread_mutex_unlock(&mu);
	}
	explicit_bzero(a, sizeof *a);
	free(a);
}

static struct psc_job_arg *new_arg(enum psc_op op, const struct psc_config *cfg)
{
	struct psc_job_arg *a = calloc(1, sizeof *a);

	if (a) {
		a->rq.op = op;
		a->rq.cfg = *cfg;
	}
	return a;
}

/* Whole job time: the wait for approval plus a few HTTP exchanges. */
static int job_timeout_ms(const struct psc_config *cfg, enum psc_op op)
{
	int http = cfg->timeout_ms > 0 ? cfg->timeout_ms : 15000;
	int conn = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 5000;
	int wait = op == PSC_OP_CIBA ? (cfg->max_wait_s > 0 ? cfg->max_wait_s : 120) : 0;

	return wait * 1000 + 5 * (http + conn) + 5000;
}

/* ------------------------------------------------------------------ the job */

static int stop_job(void *ctx)
{
	return job_should_stop(ctx);
}

static void reply_fail(struct psc_reply *r, int kind, const char *message)
{
	memset(r, 0, sizeof *r);
	r->rc = r->err.kind = kind;
	snprintf(r->err.message, sizeof r->err.message, "%s", message);
}

/* Runs "vigie-net psc" with the request; r is always filled. */
static void call_helper(struct job *j, const struct psc_request *rq, struct psc_reply *r)
{
	struct kv_out o;
	char *reply = NULL, err[200];
	int rc;

	kv_out_init(&o, 0);
	if (psc_request_format(rq, &o)) {
		kv_out_free(&o);
		reply_fail(r, PSC_ERR_CONFIG, "Configuration Pro Santé Connect invalide (saut de "
			   "ligne dans une valeur)");
		return;
	}
	rc = net_remote_run("psc", o.buf, o.len, REPLY_MAX, &reply, stop_job, j, err, sizeof err);
	kv_out_free(&o);   /* wipes the client secret and tokens */
	if (rc == NET_REMOTE_CANCELLED)
		reply_fail(r, PSC_ERR_CANCELLED, "Connexion Pro Santé Connect interrompue (annulée "
			   "ou délai dépassé)");
	else if (rc != NET_REMOTE_OK || !reply[0])
		reply_fail(r, PSC_ERR_CONFIG, err);
	else if (psc_reply_parse(reply, r) == PSC_OK && rq->op != PSC_OP_LOGOUT &&
		 !r->tokens.access_token[0])
		reply_fail(r, PSC_ERR_PARSE, "Réponse illisible du programme d'appel Pro Santé "
			   "Connect (vigie-net)");
	if (reply) {
		explicit_bzero(reply, strlen(reply));
		free(reply);
	}
}

/* A refresh that failed for these reasons ends the session; others are retried. */
static int ends_session(int rc)
{
	return rc == PSC_ERR_EXPIRED || rc == PSC_ERR_DENIED || rc == PSC_ERR_PROTOCOL;
}

static void apply_reply(const struct psc_job_arg *a, const struct psc_reply *r)
{
	time_t now = time(NULL);

	pthread_mutex_lock(&mu);
	if (a->gen != S.gen) {   /* signed out, or another sign-in started meanwhile */
		pthread_mutex_unlock(&mu);
		return;
	}
	S.job = 0;
	S.changed = 1;
	if (r->rc == PSC_OK) {
		S.state = PSC_STATE_SIGNED_IN;
		S.user = r->user;
		S.tokens = r->tokens;
		if (a->rq.op == PSC_OP_CIBA)
			S.signed_in_at = now;
		S.issued_at = now;
		S.expires_at = now + r->tokens.expires_in;
		S.refresh_expires_at = r->tokens.refresh_expires_in > 0
			? now + r->tokens.refresh_expires_in : 0;
		S.retry_at = 0;
		S.binding[0] = 0;
		S.message[0] = 0;
	} else if (a->rq.op == PSC_OP_REFRESH && !ends_session(r->rc)) {
		S.retry_at = now + RETRY_AFTER_S;
	} else {
		fail_locked(r->err.message);
	}
	pthread_mutex_unlock(&mu);
}

/* The audit row of the call: what was asked, for whom, the outcome; never a token. */
static void audit_call(struct store *st, const struct psc_job_arg *a, const struct psc_reply *r)
{
	static const char *const ops[] = { "", "connexion", "rafraîchissement", "déconnexion" };
	char detail[400];
	int own, rc;

	snprintf(detail, sizeof detail, "%s %s : %s%s%s", ops[a->rq.op],
		 a->rq.login_hint[0] ? a->rq.login_hint : "-", psc_error_kind_name(r->rc),
		 r->rc ? " — " : "", r->rc ? r->err.message : "");
	if (store_write_begin(st, &own))
		return;
	rc = audit_write(st, "psc-appel", "psc", 0, NULL, NULL, detail);
	store_write_end(st, own, rc);
}

static void set_message(struct job *j, const struct psc_job_arg *a, const struct psc_reply *r)
{
	if (r->rc)
		job_set_message(j, "%s", r->err.message);
	else if (a->rq.op == PSC_OP_LOGOUT)
		job_set_message(j, "Déconnecté de Pro Santé Connect");
	else
		job_set_message(j, "Connecté à Pro Santé Connect : %s %s", r->user.given,
				r->user.family);
}

static int psc_job_run(struct job *j, struct store *st, void *arg)
{
	struct psc_job_arg *a = arg;
	struct psc_reply *r = calloc(1, sizeof *r);
	int rc;

	a->ran = 1;
	if (!r) {
		job_set_message(j, "Mémoire insuffisante");
		return PSC_ERR_CONFIG;
	}
	call_helper(j, &a->rq, r);
	if (a->rq.op != PSC_OP_LOGOUT)
		apply_reply(a, r);
	if (st)
		audit_call(st, a, r);
	set_message(j, a, r);
	rc = r->rc;
	explicit_bzero(r, sizeof *r);
	free(r);
	return rc;
}

static long long post(struct jobs *js, int kind, struct psc_job_arg *a)
{
	struct job_spec spec = {
		.kind = kind,
		.timeout_ms = job_timeout_ms(&a->rq.cfg, a->rq.op),
		.run = psc_job_run,
		.arg = a,
		.free_arg = free_arg,
		.label = LABEL,
	};

	return jobs_post(js, &spec);
}

/* After jobs_post: remember the id unless the job already ended (or failed to post). */
static void posted(unsigned gen, long long id, int ciba)
{
	pthread_mutex_lock(&mu);
	if (gen == S.gen && S.job == -1) {
		if (id > 0) {
			S.job = id;
		} else {
			S.job = 0;
			if (ciba)
				fail_locked("Connexion Pro Santé Connect impossible : tâche refusée");
			else
				S.retry_at = time(NULL) + RETRY_AFTER_S;
		}
	}
	pthread_mutex_unlock(&mu);
}

/* ------------------------------------------------------------------ public */

static int national_id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	if (n == 0 || n >= sizeof S.user.national_id)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
			return 0;
	return 1;
}

/* "00".."99", uniform: bytes of 200 and over are drawn again. */
static int draw_binding(char out[8])
{
	unsigned char b;

	do {
		if (getrandom(&b, 1, 0) != 1)
			return -1;
	} while (b >= 200);
	snprintf(out, 8, "%02u", (unsigned)(b % 100));
	return 0;
}

long long psc_signin_start(struct jobs *js, int kind, const struct psc_config *cfg,
			   const char *national_id, char binding[8], char *err, size_t errsize)
{
	struct psc_job_arg *a;
	long long old, id;
	unsigned gen;

	if (!cfg->issuer[0] || !cfg->client_id[0]) {
		snprintf(err, errsize, "Pro Santé Connect n'est pas configuré ([psc] emetteur, "
			 "client_id)");
		return -1;
	}
	if (!national_id_ok(national_id)) {
		snprintf(err, errsize, "Identifiant national du professionnel absent ou invalide "
			 "([psc] identifiant)");
		return -1;
	}
	if (draw_binding(binding) || !(a = new_arg(PSC_OP_CIBA, cfg))) {
		snprintf(err, errsize, "Connexion Pro Santé Connect impossible (aléa ou mémoire)");
		return -1;
	}
	snprintf(a->rq.login_hint, sizeof a->rq.login_hint, "%s", national_id);
	snprintf(a->rq.binding_message, sizeof a->rq.binding_message, "%s", binding);
	pthread_mutex_lock(&mu);
	old = S.job;
	forget_locked();
	gen = a->gen = ++S.gen;
	S.state = PSC_STATE_PENDING;
	memcpy(S.binding, binding, sizeof S.binding);
	S.message[0] = 0;
	S.job = -1;
	S.changed = 1;
	pthread_mutex_unlock(&mu);
	if (old > 0)
		jobs_cancel(js, old);
	id = post(js, kind, a);
	posted(gen, id, 1);
	if (id <= 0)
		snprintf(err, errsize, "Connexion Pro Santé Connect impossible : tâche refusée");
	return id > 0 ? id : -1;
}

/* A refresh is due: token nearly out (within a minute, or half its life when short). */
static int refresh_due_locked(time_t now)
{
	time_t life = S.expires_at - S.issued_at;
	time_t margin = life / 2 < REFRESH_MARGIN_S ? life / 2 : REFRESH_MARGIN_S;

	return S.job == 0 && S.tokens.refresh_token[0] && now >= S.retry_at &&
	       S.expires_at - now <= margin &&
	       (!S.refresh_expires_at || now < S.refresh_expires_at);
}

static struct psc_job_arg *refresh_arg_locked(const struct psc_config *cfg)
{
	struct psc_job_arg *a = new_arg(PSC_OP_REFRESH, cfg);

	if (!a)
		return NULL;
	memcpy(a->rq.refresh_token, S.tokens.refresh_token, sizeof a->rq.refresh_token);
	memcpy(a->rq.id_token, S.tokens.id_token, sizeof a->rq.id_token);
	/* the helper checks that the refreshed identity is still this one */
	memcpy(a->rq.login_hint, S.user.national_id, sizeof a->rq.login_hint);
	a->gen = S.gen;
	S.job = -1;
	return a;
}

int psc_session_tick(struct jobs *js, int kind, const struct psc_config *cfg, time_t now)
{
	struct psc_job_arg *a = NULL;
	unsigned gen;
	int changed;

	pthread_mutex_lock(&mu);
	if (S.state == PSC_STATE_SIGNED_IN && now >= S.expires_at)
		fail_locked("Session Pro Santé Connect expirée : reconnectez-vous");
	else if (S.state == PSC_STATE_SIGNED_IN && js && cfg && refresh_due_locked(now))
		a = refresh_arg_locked(cfg);
	gen = S.gen;
	changed = S.changed;
	S.changed = 0;
	pthread_mutex_unlock(&mu);
	if (a)
		posted(gen, post(js, kind, a), 0);
	return changed;
}

long long psc_signout(struct jobs *js, int kind, const struct psc_config *cfg)
{
	struct psc_job_arg *a = NULL;
	long long old, id;

	pthread_mutex_lock(&mu);
	old = S.job;
	if (js && cfg && cfg->issuer[0] && (S.tokens.id_token[0] || S.tokens.refresh_token[0]) &&
	    (a = new_arg(PSC_OP_LOGOUT, cfg))) {
		memcpy(a->rq.id_token, S.tokens.id_token, sizeof a->rq.id_token);
		memcpy(a->rq.refresh_token, S.tokens.refresh_token, sizeof a->rq.refresh_token);
		memcpy(a->rq.login_hint, S.user.national_id, sizeof a->rq.login_hint);
	}
	forget_locked();
	S.state = PSC_STATE_NONE;
	S.message[0] = 0;
	S.job = 0;
	S.gen++;
	if (a)
		a->gen = S.gen;
	S.changed = 1;
	pthread_mutex_unlock(&mu);
	if (old > 0 && js)
		jobs_cancel(js, old);
	if (!a)
		return 0;
	id = post(js, kind, a);   /* best effort: the local session is gone either way */
	return id > 0 ? id : 0;
}

int psc_session_actor(struct dmp_actor *a)
{
	int rc = -1;

	memset(a, 0, sizeof *a);
	pthread_mutex_lock(&mu);
	if (S.state == PSC_STATE_SIGNED_IN && S.expires_at > time(NULL)) {
		snprintf(a->national_id, sizeof a->national_id, "%s", S.user.national_id);
		snprintf(a->family, sizeof a->family, "%s", S.user.family);
		snprintf(a->given, sizeof a->given, "%s", S.user.given);
		snprintf(a->profession, sizeof a->profession, "%s", S.user.profession);
		snprintf(a->speciality, sizeof a->speciality, "%s", S.user.speciality);
		snprintf(a->auth_mode, sizeof a->auth_mode, "INDIRECTE_RENFORCEE");
		snprintf(a->authn_class, sizeof a->authn_class,
			 "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorUnregistered");
		snprintf(a->access_mode, sizeof a->access_mode, "normal");
		rc = 0;
	}
	pthread_mutex_unlock(&mu);
	return rc;
}

void psc_session_set_for_tests(const struct psc_user *u, long expires_in)
{
	time_t now = time(NULL);

	pthread_mutex_lock(&mu);
	forget_locked();
	S.gen++;
	S.state = PSC_STATE_SIGNED_IN;
	S.user = *u;
	S.signed_in_at = S.issued_at = now;
	S.expires_at = now + expires_in;
	S.job = 0;
	S.message[0] = 0;
	S.changed = 1;
	pthread_mutex_unlock(&mu);
}

void psc_session_clear(void)
{
	pthread_mutex_lock(&mu);
	forget_locked();
	S.gen++;
	S.state = PSC_STATE_NONE;
	S.job = 0;
	S.message[0] = 0;
	S.changed = 1;
	pthread_mutex_unlock(&mu);
}
