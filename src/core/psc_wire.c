/* Pro Santé Connect requests and replies between vigie and "vigie-net psc", as kv lines. */
#include "core/psc_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *op_name(enum psc_op op)
{
	switch (op) {
	case PSC_OP_CIBA: return "ciba";
	case PSC_OP_REFRESH: return "refresh";
	case PSC_OP_LOGOUT: return "logout";
	default: return "";
	}
}

static enum psc_op op_of(const char *name)
{
	if (!strcmp(name, "ciba"))
		return PSC_OP_CIBA;
	if (!strcmp(name, "refresh"))
		return PSC_OP_REFRESH;
	if (!strcmp(name, "logout"))
		return PSC_OP_LOGOUT;
	return PSC_OP_NONE;
}

int psc_request_format(const struct psc_request *rq, struct kv_out *o)
{
	const struct psc_config *c = &rq->cfg;

	kv_put(o, "op", op_name(rq->op));
	kv_put(o, "issuer", c->issuer);
	kv_put(o, "client_id", c->client_id);
	kv_put(o, "client_secret", c->client_secret);
	kv_put(o, "ca", c->ca_file);
	kv_put(o, "cert", c->cert_file);
	kv_put(o, "key", c->key_file);
	kv_put(o, "scope", c->scope);
	kv_put(o, "acr", c->acr);
	kv_put(o, "channel", c->channel);
	kv_puti(o, "connect_timeout_ms", c->connect_timeout_ms);
	kv_puti(o, "timeout_ms", c->timeout_ms);
	kv_puti(o, "max_wait_s", c->max_wait_s);
	kv_put(o, "login_hint", rq->login_hint);
	kv_put(o, "binding_message", rq->binding_message);
	kv_put(o, "refresh_token", rq->refresh_token);
	kv_put(o, "id_token", rq->id_token);
	kv_put(o, "end", "");
	return o->bad ? -1 : 0;
}

/* Copies value into dst; 0, or -1 when it does not fit (a token cut short is worthless). */
static int copy_whole(char *dst, size_t size, const char *value)
{
	if (strlen(value) >= size)
		return -1;
	kv_copy(dst, size, value);
	return 0;
}

#define COPY(dst, key) copy_whole((dst), sizeof(dst), kv_get(m, (key), ""))

static int request_fields(const struct kv_msg *m, struct psc_request *rq)
{
	struct psc_config *c = &rq->cfg;

	if (COPY(c->issuer, "issuer") || COPY(c->client_id, "client_id") ||
	    COPY(c->client_secret, "client_secret") || COPY(c->ca_file, "ca") ||
	    COPY(c->cert_file, "cert") || COPY(c->key_file, "key") || COPY(c->scope, "scope") ||
	    COPY(c->acr, "acr") || COPY(c->channel, "channel") ||
	    COPY(rq->login_hint, "login_hint") || COPY(rq->binding_message, "binding_message") ||
	    COPY(rq->refresh_token, "refresh_token") || COPY(rq->id_token, "id_token"))
		return -1;
	c->connect_timeout_ms = (int)kv_get_int(m, "connect_timeout_ms", 0);
	c->timeout_ms = (int)kv_get_int(m, "timeout_ms", 0);
	c->max_wait_s = (int)kv_get_int(m, "max_wait_s", 0);
	return 0;
}

int psc_request_parse(const char *text, struct psc_request *rq, char *err, size_t errsize)
{
	struct kv_msg m;
	int rc = -1;

	memset(rq, 0, sizeof *rq);
	if (kv_parse(text, &m)) {
		snprintf(err, errsize, "Mémoire insuffisante");
		return -1;
	}
	if (!kv_get(&m, "end", NULL))
		snprintf(err, errsize, "Requête Pro Santé Connect incomplète (ligne « end » absente)");
	else if ((rq->op = op_of(kv_get(&m, "op", ""))) == PSC_OP_NONE)
		snprintf(err, errsize, "Requête Pro Santé Connect : opération inconnue « %.40s »",
			 kv_get(&m, "op", ""));
	else if (request_fields(&m, rq))
		snprintf(err, errsize, "Requête Pro Santé Connect : valeur trop longue");
	else
		rc = 0;
	kv_msg_free(&m);
	if (rc)
		memset(rq, 0, sizeof *rq);
	return rc;
}

int psc_reply_format(const struct psc_reply *r, struct kv_out *o)
{
	const struct psc_tokens *t = &r->tokens;
	const struct psc_user *u = &r->user;

	kv_puti(o, "rc", r->rc);
	if (r->rc != PSC_OK) {
		kv_put(o, "error_kind", psc_error_kind_name(r->rc));
		kv_put(o, "error_code", r->err.code);
		kv_put(o, "error_message", r->err.message);
	} else if (!t->access_token[0]) {
		kv_put(o, "signed_out", "1");   /* a logout: success without a session */
	} else {
		kv_put(o, "access_token", t->access_token);
		kv_put(o, "refresh_token", t->refresh_token);
		kv_put(o, "id_token", t->id_token);
		kv_puti(o, "expires_in", t->expires_in);
		kv_puti(o, "refresh_expires_in", t->refresh_expires_in);
		kv_put(o, "national_id", u->national_id);
		kv_put(o, "family", u->family);
		kv_put(o, "given", u->given);
		kv_put(o, "profession", u->profession);
		kv_put(o, "speciality", u->speciality);
		kv_put(o, "user_acr", u->acr);
	}
	kv_put(o, "end", "");
	return o->bad ? -1 : 0;
}

static int reply_ok_fields(const struct kv_msg *m, struct psc_reply *r)
{
	struct psc_tokens *t = &r->tokens;
	struct psc_user *u = &r->user;

	if (kv_get(m, "signed_out", NULL) && !kv_get(m, "access_token", NULL))
		return 0;
	if (COPY(t->access_token, "access_token") || COPY(t->refresh_token, "refresh_token") ||
	    COPY(t->id_token, "id_token") || COPY(u->national_id, "national_id") ||
	    COPY(u->family, "family") || COPY(u->given, "given") ||
	    COPY(u->profession, "profession") || COPY(u->speciality, "speciality") ||
	    COPY(u->acr, "user_acr"))
		return -1;
	t->expires_in = (long)kv_get_int(m, "expires_in", 0);
	t->refresh_expires_in = (long)kv_get_int(m, "refresh_expires_in", 0);
	/* A success without a token or an identity is not one. */
	return t->access_token[0] && u->national_id[0] && t->expires_in > 0 ? 0 : -1;
}

static int reply_fields(const struct kv_msg *m, struct psc_reply *r)
{
	const char *rc = kv_get(m, "rc", NULL);
	char *end;
	long v;

	if (!rc || !*rc || !kv_get(m, "end", NULL))
		return -1;
	v = strtol(rc, &end, 10);
	if (*end || v > 0 || v < PSC_ERR_PROTOCOL)
		return -1;
	r->rc = (int)v;
	if (r->rc == PSC_OK)
		return reply_ok_fields(m, r);
	r->err.kind = r->rc;
	kv_copy(r->err.code, sizeof r->err.code, kv_get(m, "error_code", ""));
	kv_copy(r->err.message, sizeof r->err.message, kv_get(m, "error_message", ""));
	if (!r->err.message[0])
		snprintf(r->err.message, sizeof r->err.message, "Échec de l'appel Pro Santé Connect");
	return 0;
}

int psc_reply_parse(const char *text, struct psc_reply *r)
{
	struct kv_msg m;
	int bad;

	memset(r, 0, sizeof *r);
	if (kv_parse(text, &m))
		bad = 1;
	else {
		bad = reply_fields(&m, r) != 0;
		kv_msg_free(&m);
	}
	if (bad) {
		memset(r, 0, sizeof *r);
		r->rc = r->err.kind = PSC_ERR_PARSE;
		snprintf(r->err.message, sizeof r->err.message, "Réponse illisible du programme "
			 "d'appel Pro Santé Connect (vigie-net)");
	}
	return r->rc;
}

const char *psc_error_kind_name(int kind)
{
	switch (kind) {
	case PSC_OK: return "ok";
	case PSC_ERR_CONFIG: return "configuration";
	case PSC_ERR_CONNECT: return "connexion";
	case PSC_ERR_TIMEOUT: return "delai";
	case PSC_ERR_TLS: return "tls";
	case PSC_ERR_HTTP: return "http";
	case PSC_ERR_DENIED: return "refus";
	case PSC_ERR_EXPIRED: return "expire";
	case PSC_ERR_PARSE: return "reponse_invalide";
	case PSC_ERR_CANCELLED: return "annule";
	case PSC_ERR_PROTOCOL: return "protocole";
	default: return "technique";
	}
}
