/* The text exchanged with vigie-net: requests and replies as "key: value" lines. */
#include "core/insi_wire.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct out {
	char *buf;
	size_t size, len;
	int bad;        /* a value held a line break (requests refuse it) */
	int sanitize;   /* replies: line breaks become spaces */
};

static void put(struct out *o, const char *key, const char *value)
{
	size_t need = strlen(key) + strlen(value) + 3;

	if (strpbrk(value, "\r\n") && !o->sanitize)
		o->bad = 1;
	if (o->len + need >= o->size) {
		o->bad = 1;
		return;
	}
	o->len += (size_t)snprintf(o->buf + o->len, o->size - o->len, "%s: ", key);
	for (const char *v = value; *v; v++)
		o->buf[o->len++] = (*v == '\n' || *v == '\r') ? ' ' : *v;
	o->buf[o->len++] = '\n';
	o->buf[o->len] = 0;
}

static void puti(struct out *o, const char *key, long v)
{
	char n[32];

	snprintf(n, sizeof n, "%ld", v);
	put(o, key, n);
}

int insi_request_format(const struct insi_request *rq, char *buf, size_t size)
{
	struct out o = { buf, size, 0, 0, 0 };
	const struct insi_config *c = &rq->cfg;

	if (size)
		buf[0] = 0;
	put(&o, "operation", rq->vitale ? "vitale" : "traits");
	put(&o, "endpoint", c->endpoint);
	put(&o, "ca", c->ca_file);
	put(&o, "cert", c->cert_file);
	put(&o, "cert_type", c->cert_type);
	put(&o, "key", c->key_file);
	put(&o, "key_password", c->key_password);
	put(&o, "idam", c->idam);
	put(&o, "software_name", c->software_name);
	put(&o, "software_version", c->software_version);
	put(&o, "instance", c->instance);
	put(&o, "emitter", c->emitter);
	puti(&o, "connect_timeout_ms", c->connect_timeout_ms);
	puti(&o, "timeout_ms", c->timeout_ms);
	put(&o, "birth_name", rq->birth_name);
	put(&o, "first_name", rq->first_name);
	put(&o, "sex", rq->sex);
	put(&o, "birth_date", rq->birth_date);
	put(&o, "birth_cog", rq->birth_cog);
	put(&o, "nir_individu", rq->nir_individu);
	put(&o, "nir_od", rq->nir_od);
	puti(&o, "rang", rq->rang);
	put(&o, "end", "");
	return o.bad ? -1 : (int)o.len;
}

/* Calls fn(key, value, ctx) for each "key: value" line; returns 1 if "end" was seen. */
static int each_line(const char *text, void (*fn)(const char *, const char *, void *), void *ctx)
{
	char line[INSI_WIRE_MAX < 4096 ? INSI_WIRE_MAX : 4096];
	int ended = 0;

	while (text && *text) {
		const char *nl = strchr(text, '\n');
		size_t n = nl ? (size_t)(nl - text) : strlen(text);
		char *sep;

		if (n >= sizeof line)
			n = sizeof line - 1;
		memcpy(line, text, n);
		line[n] = 0;
		text = nl ? nl + 1 : text + strlen(text);
		sep = strstr(line, ": ");
		if (!sep) {
			if (!strcmp(line, "end:"))
				ended = 1;
			continue;
		}
		*sep = 0;
		if (!strcmp(line, "end"))
			ended = 1;
		else
			fn(line, sep + 2, ctx);
	}
	return ended;
}

#define SET(dst, v) snprintf((dst), sizeof(dst), "%s", (v))

static void request_field(const char *k, const char *v, void *ctx)
{
	struct insi_request *rq = ctx;
	struct insi_config *c = &rq->cfg;

	if (!strcmp(k, "operation")) rq->vitale = !strcmp(v, "vitale");
	else if (!strcmp(k, "endpoint")) SET(c->endpoint, v);
	else if (!strcmp(k, "ca")) SET(c->ca_file, v);
	else if (!strcmp(k, "cert")) SET(c->cert_file, v);
	else if (!strcmp(k, "cert_type")) SET(c->cert_type, v);
	else if (!strcmp(k, "key")) SET(c->key_file, v);
	else if (!strcmp(k, "key_password")) SET(c->key_password, v);
	else if (!strcmp(k, "idam")) SET(c->idam, v);
	else if (!strcmp(k, "software_name")) SET(c->software_name, v);
	else if (!strcmp(k, "software_version")) SET(c->software_version, v);
	else if (!strcmp(k, "instance")) SET(c->instance, v);
	else if (!strcmp(k, "emitter")) SET(c->emitter, v);
	else if (!strcmp(k, "connect_timeout_ms")) c->connect_timeout_ms = atoi(v);
	else if (!strcmp(k, "timeout_ms")) c->timeout_ms = atoi(v);
	else if (!strcmp(k, "birth_name")) SET(rq->birth_name, v);
	else if (!strcmp(k, "first_name")) SET(rq->first_name, v);
	else if (!strcmp(k, "sex")) SET(rq->sex, v);
	else if (!strcmp(k, "birth_date")) SET(rq->birth_date, v);
	else if (!strcmp(k, "birth_cog")) SET(rq->birth_cog, v);
	else if (!strcmp(k, "nir_individu")) SET(rq->nir_individu, v);
	else if (!strcmp(k, "nir_od")) SET(rq->nir_od, v);
	else if (!strcmp(k, "rang")) rq->rang = atoi(v);
}

int insi_request_parse(const char *text, struct insi_request *rq, char *err, size_t errsize)
{
	memset(rq, 0, sizeof *rq);
	if (!each_line(text, request_field, rq)) {
		snprintf(err, errsize, "Requête INSi incomplète (ligne « end » absente)");
		return -1;
	}
	return 0;
}

/* "num|key|type|oid|deb|fin|key_ok" */
static void format_ins(struct out *o, const char *key, const struct insi_ins *i)
{
	char v[160];

	snprintf(v, sizeof v, "%s|%s|%s|%s|%s|%s|%d", i->num, i->key, i->type, i->oid, i->date_deb,
		 i->date_fin, i->key_ok);
	put(o, key, v);
}

int insi_reply_format(int rc, const struct insi_result *r, const struct insi_error *e,
		      char *buf, size_t size)
{
	struct out o = { buf, size, 0, 0, 1 };

	if (size)
		buf[0] = 0;
	puti(&o, "kind", rc ? (e->kind ? e->kind : rc) : 0);
	if (rc) {
		puti(&o, "http", e->http_status);
		put(&o, "code", e->code);
		put(&o, "subcode", e->subcode);
		put(&o, "message", e->message);
		put(&o, "end", "");
		return o.bad ? -1 : (int)o.len;
	}
	put(&o, "cr", r->cr);
	put(&o, "cr_label", r->cr_label);
	puti(&o, "has_individu", r->has_individu);
	format_ins(&o, "active", &r->active);
	for (int i = 0; i < r->n_history && i < INSI_HISTO_MAX; i++)
		format_ins(&o, "history", &r->history[i]);
	puti(&o, "n_history_total", r->n_history_total);
	put(&o, "birth_name", r->birth_name);
	put(&o, "first_name", r->first_name);
	put(&o, "first_names", r->first_names);
	put(&o, "sex", r->sex);
	put(&o, "birth_date", r->birth_date);
	put(&o, "birth_cog", r->birth_cog);
	puti(&o, "key_anomaly", r->key_anomaly);
	put(&o, "end", "");
	return o.bad ? -1 : (int)o.len;
}

static void parse_ins(const char *v, struct insi_ins *i)
{
	char buf[160], *f[7] = { 0 }, *save = buf;
	int n = 0;

	memset(i, 0, sizeof *i);
	snprintf(buf, sizeof buf, "%s", v);
	while (n < 7 && (f[n] = strsep(&save, "|")))
		n++;
	if (n < 7)
		return;
	SET(i->num, f[0]);
	SET(i->key, f[1]);
	SET(i->type, f[2]);
	SET(i->oid, f[3]);
	SET(i->date_deb, f[4]);
	SET(i->date_fin, f[5]);
	i->key_ok = atoi(f[6]);
}

struct reply_ctx {
	struct insi_result *r;
	struct insi_error *e;
	int kind, seen_kind;
};

static void reply_field(const char *k, const char *v, void *ctx)
{
	struct reply_ctx *c = ctx;
	struct insi_result *r = c->r;
	struct insi_error *e = c->e;

	if (!strcmp(k, "kind")) { c->kind = atoi(v); c->seen_kind = 1; }
	else if (!strcmp(k, "http")) e->http_status = atol(v);
	else if (!strcmp(k, "code")) SET(e->code, v);
	else if (!strcmp(k, "subcode")) SET(e->subcode, v);
	else if (!strcmp(k, "message")) SET(e->message, v);
	else if (!strcmp(k, "cr")) SET(r->cr, v);
	else if (!strcmp(k, "cr_label")) SET(r->cr_label, v);
	else if (!strcmp(k, "has_individu")) r->has_individu = atoi(v);
	else if (!strcmp(k, "active")) parse_ins(v, &r->active);
	else if (!strcmp(k, "history") && r->n_history < INSI_HISTO_MAX)
		parse_ins(v, &r->history[r->n_history++]);
	else if (!strcmp(k, "n_history_total")) r->n_history_total = atoi(v);
	else if (!strcmp(k, "birth_name")) SET(r->birth_name, v);
	else if (!strcmp(k, "first_name")) SET(r->first_name, v);
	else if (!strcmp(k, "first_names")) SET(r->first_names, v);
	else if (!strcmp(k, "sex")) SET(r->sex, v);
	else if (!strcmp(k, "birth_date")) SET(r->birth_date, v);
	else if (!strcmp(k, "birth_cog")) SET(r->birth_cog, v);
	else if (!strcmp(k, "key_anomaly")) r->key_anomaly = atoi(v);
}

int insi_reply_parse(const char *text, struct insi_result *r, struct insi_error *e)
{
	struct reply_ctx c = { r, e, 0, 0 };

	memset(r, 0, sizeof *r);
	memset(e, 0, sizeof *e);
	if (!each_line(text, reply_field, &c) || !c.seen_kind || c.kind > 0 ||
	    (c.kind == 0 && strcmp(r->cr, "00") && strcmp(r->cr, "01") && strcmp(r->cr, "02"))) {
		memset(r, 0, sizeof *r);
		memset(e, 0, sizeof *e);
		e->kind = INSI_ERR_PARSE;
		snprintf(e->message, sizeof e->message, "Réponse illisible du programme d'appel INSi "
			 "(vigie-net)");
		return INSI_ERR_PARSE;
	}
	if (c.kind < 0) {
		e->kind = c.kind;
		memset(r, 0, sizeof *r);
		return c.kind;
	}
	return 0;
}

const char *insi_error_kind_name(int kind)
{
	switch (kind) {
	case INSI_ERR_CONFIG: return "configuration";
	case INSI_ERR_CONNECT: return "connexion";
	case INSI_ERR_TIMEOUT: return "delai";
	case INSI_ERR_TLS: return "tls";
	case INSI_ERR_HTTP: return "http";
	case INSI_ERR_FAULT: return "soap";
	case INSI_ERR_PARSE: return "reponse_invalide";
	case INSI_ERR_INPUT: return "saisie";
	case INSI_ERR_CANCELLED: return "annule";
	default: return "technique";
	}
}
