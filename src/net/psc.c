/* Pro Santé Connect client: discovery, CIBA in poll mode, refresh, userinfo, logout. */
#include "net/psc.h"
#include "core/text.h"
#include "net/http.h"

#include <jansson.h>
#include <openssl/evp.h>

#include <errno.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define SVC "Pro Santé Connect"
#define DISCOVERY_PATH "/.well-known/wallet-openid-configuration"
#define CIBA_GRANT "urn:openid:params:grant-type:ciba"
#define FORM_TYPE "application/x-www-form-urlencoded"
#define DEFAULT_INTERVAL 5
#define SLOW_DOWN_STEP 5
#define MAX_SECONDS (366L * 24 * 3600)

/* ------------------------------------------------------------------ errors, text */

__attribute__((format(printf, 3, 4)))
static int fail(struct psc_error *e, int kind, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		e->kind = kind;
		va_start(ap, fmt);
		vsnprintf(e->message, sizeof e->message, fmt, ap);
		va_end(ap);
		text_utf8_cut(e->message);
	}
	return kind;
}

/* Server text shown on a terminal: C0 and C1 control characters and DEL become spaces (an
 * escape sequence in a name must not reach the screen). The text is valid UTF-8 (jansson). */
static void clean_text(char *s)
{
	unsigned char *p = (unsigned char *)s;

	for (size_t i = 0; p[i]; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f) {
			p[i] = ' ';
		} else if (p[i] == 0xC2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F) {
			p[i] = ' ';
			p[++i] = ' ';
		}
	}
}

/* Tokens, codes and ids: visible ASCII only (RFC 6749 VSCHAR without space). */
static int visible_ascii(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return 0;
	return 1;
}

/* National ids of health professionals: "8" + RPPS, "0" + ADELI, ...: letters and digits. */
static int national_id_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= 32)
		return 0;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
			return 0;
	return 1;
}

static void wipe_free(char *p)
{
	if (p) {
		explicit_bzero(p, strlen(p));
		free(p);
	}
}

static void wipe_response(struct http_response *resp)
{
	if (resp->body)
		explicit_bzero(resp->body, resp->len);
	http_response_free(resp);
}

/* ------------------------------------------------------------------ JSON helpers */

static json_t *load_json(const char *body, size_t len)
{
	json_error_t je;

	if (!body || len == 0 || len > PSC_MAX_BODY)
		return NULL;
	/* Duplicated members are refused: two parsers must never read different values. jansson
	 * caps nesting (JSON_PARSER_MAX_DEPTH) and refuses \u0000 in strings. */
	return json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
}

static json_t *load_object(const char *body, size_t len, const char *what, struct psc_error *e)
{
	json_t *root;

	if (!body || len == 0) {
		fail(e, PSC_ERR_PARSE, "Réponse %s vide (%s)", SVC, what);
		return NULL;
	}
	if (len > PSC_MAX_BODY) {
		fail(e, PSC_ERR_PARSE, "Réponse %s trop grande (%s)", SVC, what);
		return NULL;
	}
	root = load_json(body, len);
	if (!root || !json_is_object(root)) {
		json_decref(root);
		fail(e, PSC_ERR_PARSE, "Réponse %s illisible (%s) : objet JSON attendu", SVC, what);
		return NULL;
	}
	return root;
}

/* The string member key into dst: 1 copied, 0 absent or null (dst ""), -1 not a string or too
 * long (dst ""). */
static int get_string(const json_t *o, const char *key, char *dst, size_t size)
{
	const json_t *v = json_object_get(o, key);

	dst[0] = 0;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_string(v) || json_string_length(v) >= size)
		return -1;
	memcpy(dst, json_string_value(v), json_string_length(v) + 1);
	return 1;
}

/* A code such as codeProfession: a string or a small integer. */
static int get_code(const json_t *o, const char *key, char *dst, size_t size)
{
	const json_t *v = json_object_get(o, key);

	if (v && json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) < 1000000) {
		snprintf(dst, size, "%lld", (long long)json_integer_value(v));
		return 1;
	}
	if (get_string(o, key, dst, size) < 0)
		return -1;
	if (dst[0] && !visible_ascii(dst))
		return -1;
	return dst[0] ? 1 : 0;
}

/* An integer number of seconds in [lo, MAX_SECONDS]; def when absent. 0 or -1. */
static int get_seconds(const json_t *o, const char *key, long def, long lo, long *out)
{
	const json_t *v = json_object_get(o, key);
	json_int_t n;

	*out = def;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v))
		return -1;
	n = json_integer_value(v);
	if (n < lo || n > MAX_SECONDS)
		return -1;
	*out = (long)n;
	return 0;
}

/* ------------------------------------------------------------------ base64url, JWT */

/* The payload (second part) of a JWT, decoded; malloc'd and NUL-terminated, or NULL. */
static char *jwt_payload(const char *jwt, size_t len, size_t *outlen)
{
	const char *p = memchr(jwt, '.', len), *q;
	unsigned char *b64, *out;
	size_t n, pad;
	int m;

	if (!p || (q = memchr(p + 1, '.', len - (size_t)(p + 1 - jwt))) == NULL)
		return NULL;
	p++;
	n = (size_t)(q - p);
	if (n == 0 || n % 4 == 1 || n > PSC_MAX_BODY)
		return NULL;
	pad = (4 - n % 4) % 4;
	b64 = malloc(n + pad + 1);
	out = malloc((n + pad) / 4 * 3 + 1);
	if (!b64 || !out) {
		free(b64);
		free(out);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')))
			c = '!';   /* refused by the decoder */
		b64[i] = (unsigned char)c;
	}
	memset(b64 + n, '=', pad);
	b64[n + pad] = 0;
	m = EVP_DecodeBlock(out, b64, (int)(n + pad));
	explicit_bzero(b64, n + pad);
	free(b64);
	if (m < 0 || (size_t)m < pad) {
		free(out);
		return NULL;
	}
	m -= (int)pad;   /* EVP_DecodeBlock counts the padding as zero bytes */
	out[m] = 0;
	*outlen = (size_t)m;
	return (char *)out;
}

int psc_id_token_acr(const char *id_token, char *acr, size_t size)
{
	size_t len = 0;
	char *payload;
	json_t *root;
	int rc = -1;

	if (size)
		acr[0] = 0;
	if (!id_token || !*id_token || !(payload = jwt_payload(id_token, strlen(id_token), &len)))
		return -1;
	root = load_json(payload, len);
	if (root && json_is_object(root) && get_string(root, "acr", acr, size) == 1 &&
	    visible_ascii(acr))
		rc = 0;
	else if (size)
		acr[0] = 0;
	json_decref(root);
	explicit_bzero(payload, len);
	free(payload);
	return rc;
}

/* ------------------------------------------------------------------ form encoding */

/* WHATWG application/x-www-form-urlencoded: ALPHA DIGIT * - . _ kept, space as '+'. */
static size_t form_escape(const char *s, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '*' || *p == '-' || *p == '.' || *p == '_') {
			out[n++] = (char)*p;
		} else if (*p == ' ') {
			out[n++] = '+';
		} else {
			out[n++] = '%';
			out[n++] = hex[*p >> 4];
			out[n++] = hex[*p & 15];
		}
	}
	out[n] = 0;
	return n;
}

char *psc_form_encode(const char *const *pairs)
{
	size_t need = 1, n = 0;
	char *out;

	for (size_t i = 0; pairs[i]; i += 2)
		if (pairs[i + 1])
			need += 3 * (strlen(pairs[i]) + strlen(pairs[i + 1])) + 2;
	if (!(out = malloc(need)))
		return NULL;
	out[0] = 0;
	for (size_t i = 0; pairs[i]; i += 2) {
		if (!pairs[i + 1])
			continue;
		if (n)
			out[n++] = '&';
		n += form_escape(pairs[i], out + n);
		out[n++] = '=';
		n += form_escape(pairs[i + 1], out + n);
	}
	out[n] = 0;
	return out;
}

/* RFC 6749 2.3.1: client_id and secret are form-encoded before HTTP Basic. */
static char *basic_part(const char *s)
{
	char *out = malloc(3 * strlen(s) + 1);

	if (out)
		form_escape(s, out);
	return out;
}

/* ------------------------------------------------------------------ OAuth errors */

static const char *status_hint(long status)
{
	switch (status) {
	case 401: case 403: return " : accès refusé";
	case 404: return " : adresse introuvable (vérifiez [psc] emetteur)";
	case 500: return " : erreur interne du serveur";
	case 502: case 504: return " : passerelle en erreur";
	case 503: return " : service indisponible";
	default: return "";
	}
}

static int http_status_error(long status, const char *what, struct psc_error *e)
{
	return fail(e, PSC_ERR_HTTP, "%s a répondu par une erreur HTTP %ld (%s)%s", SVC, status,
		    what, status_hint(status));
}

static int map_oauth_code(const char *code, const char *desc, struct psc_error *e)
{
	if (!strcmp(code, "authorization_pending"))
		return PSC_POLL_PENDING;
	if (!strcmp(code, "slow_down"))
		return PSC_POLL_SLOW_DOWN;
	if (!strcmp(code, "access_denied"))
		return fail(e, PSC_ERR_DENIED, "Connexion refusée par le professionnel");
	if (!strcmp(code, "expired_token") || !strcmp(code, "invalid_grant"))
		return fail(e, PSC_ERR_EXPIRED, "Demande ou session %s expirée", SVC);
	if (!strcmp(code, "invalid_client") || !strcmp(code, "unauthorized_client"))
		return fail(e, PSC_ERR_PROTOCOL, "Vigie n'est pas reconnu par %s : identifiant ou "
			    "secret client refusé (vérifiez [psc] client_id et client_secret)", SVC);
	if (!strcmp(code, "unknown_user_id"))
		return fail(e, PSC_ERR_PROTOCOL, "Identifiant national inconnu de %s", SVC);
	return fail(e, PSC_ERR_PROTOCOL, "%s a refusé la demande : %s%s%s", SVC, code,
		    desc[0] ? " — " : "", desc);
}

/* An answer that is not a success: an OAuth error object (RFC 6749 5.2) when it has one,
 * else a plain HTTP error. Positive PSC_POLL_* for the pending answers of the token endpoint. */
static int oauth_error(long status, const char *body, size_t len, const char *what,
		       struct psc_error *e)
{
	json_t *root = load_json(body, len);
	const char *code = NULL;
	char desc[160] = "";
	int rc;

	if (root && json_is_object(root))
		code = json_string_value(json_object_get(root, "error"));
	if (!code || strlen(code) >= sizeof e->code || !visible_ascii(code)) {
		json_decref(root);
		return status >= 200 && status < 300
			? fail(e, PSC_ERR_PARSE, "Réponse %s inattendue (%s)", SVC, what)
			: http_status_error(status, what, e);
	}
	snprintf(e->code, sizeof e->code, "%s", code);
	if (json_is_string(json_object_get(root, "error_description"))) {
		snprintf(desc, sizeof desc, "%s",
			 json_string_value(json_object_get(root, "error_description")));
		text_utf8_cut(desc);
		clean_text(desc);
	}
	json_decref(root);
	rc = map_oauth_code(e->code, desc, e);
	if (rc > 0)
		memset(e, 0, sizeof *e);
	return rc;
}

/* ------------------------------------------------------------------ answer parsers */

static int endpoint(const json_t *o, const char *key, char *dst, size_t size, int required,
		    struct psc_error *e)
{
	int rc = get_string(o, key, dst, size);

	if (rc < 0)
		return fail(e, PSC_ERR_PARSE, "Document de découverte %s invalide : %s illisible",
			    SVC, key);
	if (rc == 0)
		return required ? fail(e, PSC_ERR_PARSE, "Document de découverte %s invalide : "
				       "%s absent", SVC, key) : 0;
	if (strncasecmp(dst, "https://", 8) || !visible_ascii(dst)) {
		dst[0] = 0;
		return fail(e, PSC_ERR_PARSE, "Document de découverte %s invalide : %s n'est pas "
			    "une adresse https", SVC, key);
	}
	return 0;
}

/* When the server lists its CIBA delivery modes, poll must be one of them. */
static int poll_mode_offered(const json_t *root)
{
	const json_t *modes = json_object_get(root, "backchannel_token_delivery_modes_supported");
	size_t i;
	const json_t *m;

	if (!modes || !json_is_array(modes))
		return 1;
	json_array_foreach(modes, i, m)
		if (json_is_string(m) && !strcmp(json_string_value(m), "poll"))
			return 1;
	return 0;
}

int psc_parse_discovery(const char *body, size_t len, struct psc_endpoints *ep,
			struct psc_error *e)
{
	struct psc_error tmp;
	json_t *root;
	int rc;

	if (!e)
		e = &tmp;
	memset(ep, 0, sizeof *ep);
	memset(e, 0, sizeof *e);
	if (!(root = load_object(body, len, "découverte", e)))
		return e->kind;
	if (!(rc = endpoint(root, "backchannel_authentication_endpoint", ep->ciba,
			    sizeof ep->ciba, 0, e)) &&
	    !(rc = endpoint(root, "token_endpoint", ep->token, sizeof ep->token, 1, e)) &&
	    !(rc = endpoint(root, "userinfo_endpoint", ep->userinfo, sizeof ep->userinfo, 1, e)) &&
	    !(rc = endpoint(root, "end_session_endpoint", ep->end_session, sizeof ep->end_session,
			    0, e)) &&
	    ep->ciba[0] && !poll_mode_offered(root)) {
		ep->ciba[0] = 0;   /* ping and push need a callback address: unusable here */
	}
	json_decref(root);
	if (rc)
		memset(ep, 0, sizeof *ep);
	return rc;
}

int psc_parse_ciba_answer(long status, const char *body, size_t len, struct psc_ciba_answer *a,
			  struct psc_error *e)
{
	struct psc_error tmp;
	json_t *root;
	int rc = 0, got;

	if (!e)
		e = &tmp;
	memset(a, 0, sizeof *a);
	memset(e, 0, sizeof *e);
	if (status != 200) {
		rc = oauth_error(status, body, len, "authentification", e);
		/* pending is meaningless here */
		return rc > 0 ? fail(e, PSC_ERR_PROTOCOL, "Réponse %s inattendue "
				     "(authentification)", SVC) : rc;
	}
	if (!(root = load_object(body, len, "authentification", e)))
		return e->kind;
	got = get_string(root, "auth_req_id", a->auth_req_id, sizeof a->auth_req_id);
	if (got != 1 || !visible_ascii(a->auth_req_id))
		rc = fail(e, PSC_ERR_PARSE, "Réponse %s invalide : auth_req_id absent ou illisible",
			  SVC);
	else if (get_seconds(root, "expires_in", -1, 1, &a->expires_in) || a->expires_in < 1)
		rc = fail(e, PSC_ERR_PARSE, "Réponse %s invalide : expires_in absent ou illisible",
			  SVC);
	else if (get_seconds(root, "interval", DEFAULT_INTERVAL, 1, &a->interval) ||
		 a->interval > 600)
		rc = fail(e, PSC_ERR_PARSE, "Réponse %s invalide : interval illisible", SVC);
	json_decref(root);
	if (rc)
		memset(a, 0, sizeof *a);
	return rc;
}

static int get_token(const json_t *root, const char *key, char *dst, size_t size, int required)
{
	int got = get_string(root, key, dst, size);

	if (got < 0 || (got == 0 && required) || (got == 1 && !visible_ascii(dst)))
		return -1;
	return 0;
}

static int token_fields(const json_t *root, struct psc_tokens *t, struct psc_error *e)
{
	char type[32];

	if (get_string(root, "token_type", type, sizeof type) < 0 ||
	    (type[0] && strcasecmp(type, "Bearer")))
		return fail(e, PSC_ERR_PROTOCOL, "Réponse %s inattendue : jeton de type « %.20s » "
			    "(Bearer attendu)", SVC, type);
	if (get_token(root, "access_token", t->access_token, sizeof t->access_token, 1) ||
	    get_token(root, "refresh_token", t->refresh_token, sizeof t->refresh_token, 0) ||
	    get_token(root, "id_token", t->id_token, sizeof t->id_token, 0))
		return fail(e, PSC_ERR_PARSE, "Réponse %s invalide : jeton absent, trop long ou "
			    "illisible", SVC);
	if (get_seconds(root, "expires_in", 300, 1, &t->expires_in) ||
	    get_seconds(root, "refresh_expires_in", 0, 0, &t->refresh_expires_in))
		return fail(e, PSC_ERR_PARSE, "Réponse %s invalide : durée de validité illisible",
			    SVC);
	return 0;
}

int psc_parse_token_answer(long status, const char *body, size_t len, struct psc_tokens *t,
			   struct psc_error *e)
{
	struct psc_error tmp;
	json_t *root;
	int rc;

	if (!e)
		e = &tmp;
	memset(t, 0, sizeof *t);
	memset(e, 0, sizeof *e);
	if (status != 200)
		return oauth_error(status, body, len, "jeton", e);
	if (!(root = load_object(body, len, "jeton", e)))
		return e->kind;
	rc = token_fields(root, t, e);
	json_decref(root);
	if (rc)
		explicit_bzero(t, sizeof *t);
	return rc;
}

/* SubjectRefPro: an object, or (some gateways) the same object serialised in a string. */
static json_t *ref_pro(const json_t *root)
{
	const json_t *v = json_object_get(root, "SubjectRefPro");

	if (v && json_is_object(v))
		return json_incref((json_t *)v);
	if (v && json_is_string(v))
		return load_json(json_string_value(v), json_string_length(v));
	return NULL;
}

/* exercices[0]: profession, speciality, and the names of exercise when the top has none. */
static int parse_exercice(const json_t *root, struct psc_user *u)
{
	json_t *ref = ref_pro(root);
	const json_t *ex = ref && json_is_object(ref) ?
		json_array_get(json_object_get(ref, "exercices"), 0) : NULL;
	int rc = 0;

	if (ex && json_is_object(ex)) {
		if (get_code(ex, "codeProfession", u->profession, sizeof u->profession) < 0 ||
		    get_code(ex, "codeSavoirFaire", u->speciality, sizeof u->speciality) < 0)
			rc = -1;
		if (!u->family[0] && get_string(ex, "nomDexercice", u->family, sizeof u->family) < 0)
			rc = -1;
		if (!u->given[0] && get_string(ex, "prenomDexercice", u->given, sizeof u->given) < 0)
			rc = -1;
	}
	json_decref(ref);
	return rc;
}

static int user_fields(const json_t *root, struct psc_user *u, struct psc_error *e)
{
	if (get_string(root, "SubjectNameID", u->national_id, sizeof u->national_id) != 1 ||
	    !national_id_ok(u->national_id))
		return fail(e, PSC_ERR_PARSE, "Réponse %s invalide : identifiant national "
			    "(SubjectNameID) absent ou illisible", SVC);
	if (get_string(root, "family_name", u->family, sizeof u->family) < 0 ||
	    get_string(root, "given_name", u->given, sizeof u->given) < 0 ||
	    parse_exercice(root, u) < 0)
		return fail(e, PSC_ERR_PARSE, "Réponse %s invalide : nom, prénom ou exercice "
			    "illisible ou trop long", SVC);
	if (get_string(root, "acr", u->acr, sizeof u->acr) < 0 ||
	    (u->acr[0] && !visible_ascii(u->acr)))
		u->acr[0] = 0;
	clean_text(u->family);
	clean_text(u->given);
	if (!u->family[0])
		return fail(e, PSC_ERR_PARSE, "Réponse %s invalide : nom du professionnel absent",
			    SVC);
	return 0;
}

int psc_parse_userinfo(const char *body, size_t len, const char *content_type,
		       struct psc_user *u, struct psc_error *e)
{
	struct psc_error tmp;
	char *payload = NULL;
	size_t plen = 0;
	json_t *root;
	int rc;

	if (!e)
		e = &tmp;
	memset(u, 0, sizeof *u);
	memset(e, 0, sizeof *e);
	if (content_type && !strncasecmp(content_type, "application/jwt", 15)) {
		if (!body || !(payload = jwt_payload(body, len, &plen)))
			return fail(e, PSC_ERR_PARSE, "Réponse %s illisible (identité) : JWT "
				    "invalide", SVC);
		body = payload;
		len = plen;
	}
	root = load_object(body, len, "identité", e);
	rc = root ? user_fields(root, u, e) : e->kind;
	json_decref(root);
	free(payload);
	if (rc)
		memset(u, 0, sizeof *u);
	return rc;
}

/* ------------------------------------------------------------------ HTTP exchanges */

struct psc_call {
	const struct psc_request *rq;
	struct psc_reply *r;
	struct http_target t;
	struct psc_endpoints ep;
	int (*stop)(void *);
	void *stop_ctx;
};

static void target_init(struct psc_call *c)
{
	const struct psc_config *cfg = &c->rq->cfg;

	memset(&c->t, 0, sizeof c->t);
	c->t.service = SVC;
	c->t.section = "psc";
	c->t.address_key = "emetteur";
	c->t.ca_file = cfg->ca_file;
	c->t.cert_file = cfg->cert_file;
	c->t.cert_type = "";
	c->t.key_file = cfg->key_file;
	c->t.key_password = "";
	c->t.connect_timeout_ms = cfg->connect_timeout_ms > 0 ? cfg->connect_timeout_ms : 5000;
	c->t.timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 15000;
	c->t.max_body = PSC_MAX_BODY;
	c->t.stop = c->stop;
	c->t.stop_ctx = c->stop_ctx;
}

static int transport_kind(int http_rc)
{
	switch (http_rc) {
	case HTTP_ERR_TOO_BIG: return PSC_ERR_PARSE;
	case HTTP_ERR_CANCELLED: return PSC_ERR_CANCELLED;
	case HTTP_ERR_CONFIG: case HTTP_ERR_CONNECT: case HTTP_ERR_TIMEOUT: case HTTP_ERR_TLS:
		return http_rc;   /* the same values as PSC_ERR_* */
	default: return PSC_ERR_CONNECT;
	}
}

/* One exchange; basic: authenticate the client with HTTP Basic when it has a secret. */
static int exchange(struct psc_call *c, const char *method, const char *url,
		    const char *const *headers, const char *form, int basic,
		    struct http_response *resp)
{
	const struct psc_config *cfg = &c->rq->cfg;
	char *user = NULL, *pass = NULL;
	int rc;

	if (basic && cfg->client_secret[0]) {
		user = basic_part(cfg->client_id);
		pass = basic_part(cfg->client_secret);
		if (!user || !pass) {
			wipe_free(user);
			wipe_free(pass);
			return fail(&c->r->err, PSC_ERR_CONNECT, "Mémoire insuffisante");
		}
	}
	rc = http_request(&c->t, method, url, headers, form ? FORM_TYPE : NULL, form,
			  form ? strlen(form) : 0, user, pass, resp, c->r->err.message,
			  sizeof c->r->err.message);
	wipe_free(user);
	wipe_free(pass);
	if (rc == HTTP_OK)
		return PSC_OK;
	return c->r->err.kind = transport_kind(rc);
}

static const char *const accept_json[] = { "Accept: application/json", NULL };

static int discover(struct psc_call *c)
{
	const char *issuer = c->rq->cfg.issuer;
	size_t n = strlen(issuer);
	struct http_response resp;
	char url[700];
	int rc;

	while (n > 0 && issuer[n - 1] == '/')
		n--;
	snprintf(url, sizeof url, "%.*s%s", (int)n, issuer, DISCOVERY_PATH);
	if ((rc = exchange(c, "GET", url, accept_json, NULL, 0, &resp)))
		return rc;
	if (resp.status != 200)
		rc = http_status_error(resp.status, "découverte", &c->r->err);
	else
		rc = psc_parse_discovery(resp.body, resp.len, &c->ep, &c->r->err);
	http_response_free(&resp);
	return rc;
}

/* POST form to url with client authentication; then parse(status, body) through fn. */
static int post_form(struct psc_call *c, const char *url, const char *const *pairs,
		     struct http_response *resp)
{
	char *form = psc_form_encode(pairs);
	int rc;

	if (!form)
		return fail(&c->r->err, PSC_ERR_CONNECT, "Mémoire insuffisante");
	rc = exchange(c, "POST", url, accept_json, form, 1, resp);
	wipe_free(form);
	return rc;
}

/* The client says who it is in the form only when it has no secret (mutual TLS). */
static const char *form_client_id(const struct psc_call *c)
{
	return c->rq->cfg.client_secret[0] ? NULL : c->rq->cfg.client_id;
}

static const char *means(const struct psc_call *c)
{
	return !strcmp(c->rq->cfg.channel, "CARD") ? "avec la carte CPS" : "sur l'application e-CPS";
}

static int ciba_request(struct psc_call *c, struct psc_ciba_answer *a)
{
	const struct psc_request *rq = c->rq;
	const struct psc_config *cfg = &rq->cfg;
	const char *pairs[] = {
		"scope", cfg->scope[0] ? cfg->scope : "openid scope_all",
		"acr_values", cfg->acr[0] ? cfg->acr : NULL,
		"login_hint", rq->login_hint,
		"binding_message", rq->binding_message,
		"channel", cfg->channel[0] ? cfg->channel : NULL,
		"client_id", form_client_id(c),
		NULL,
	};
	struct http_response resp;
	int rc;

	if (!c->ep.ciba[0])
		return fail(&c->r->err, PSC_ERR_PROTOCOL, "Ce serveur %s ne propose pas la "
			    "connexion par l'application e-CPS (CIBA en mode poll)", SVC);
	if ((rc = post_form(c, c->ep.ciba, pairs, &resp)))
		return rc;
	rc = psc_parse_ciba_answer(resp.status, resp.body, resp.len, a, &c->r->err);
	wipe_response(&resp);
	if (rc == PSC_ERR_PROTOCOL && !strcmp(c->r->err.code, "unknown_user_id"))
		fail(&c->r->err, rc, "Identifiant national %s inconnu de %s (vérifiez [psc] "
		     "identifiant ou le RPPS de l'utilisateur)", rq->login_hint, SVC);
	else if (rc == PSC_ERR_DENIED)
		fail(&c->r->err, rc, "Connexion refusée %s", means(c));
	return rc;
}

static int poll_token(struct psc_call *c, const struct psc_ciba_answer *a, struct psc_tokens *t)
{
	const char *pairs[] = {
		"grant_type", CIBA_GRANT,
		"auth_req_id", a->auth_req_id,
		"client_id", form_client_id(c),
		NULL,
	};
	struct http_response resp;
	int rc;

	if ((rc = post_form(c, c->ep.token, pairs, &resp)))
		return rc;
	rc = psc_parse_token_answer(resp.status, resp.body, resp.len, t, &c->r->err);
	wipe_response(&resp);
	return rc;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleep ms in short steps so that stop() is heard; -1 when it asked to give up. */
static int wait_ms(long ms, int (*stop)(void *), void *ctx)
{
	double end = now_s() + ms / 1000.0;

	for (;;) {
		double left = end - now_s();
		struct timespec ts;
		if (stop && stop(ctx))
			return -1;
		if (left <= 0)
			return 0;
		if (left > 0.1)
			left = 0.1;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)(left * 1e9);
		nanosleep(&ts, NULL);
	}
}

/* Poll until the professional answers or time runs out: at the request's own expiry (the
 * server's expires_in) or at cfg.max_wait_s, whichever comes first. */
static int ciba_wait(struct psc_call *c, const struct psc_ciba_answer *a, struct psc_tokens *t)
{
	const struct psc_config *cfg = &c->rq->cfg;
	long interval = a->interval > 0 ? a->interval : DEFAULT_INTERVAL;
	long max_wait = cfg->max_wait_s > 0 ? cfg->max_wait_s : 120;
	int expires_first = a->expires_in <= max_wait;
	double deadline = now_s() + (double)(expires_first ? a->expires_in : max_wait);
	int rc;

	for (;;) {
		double left = deadline - now_s();
		long ms = left <= 0 ? 0 : left * 1000 < interval * 1000 ? (long)(left * 1000) + 1
									 : interval * 1000;
		if (wait_ms(ms, c->stop, c->stop_ctx))
			return fail(&c->r->err, PSC_ERR_CANCELLED, "Connexion %s annulée", SVC);
		rc = poll_token(c, a, t);
		if (rc == PSC_POLL_SLOW_DOWN)
			interval += SLOW_DOWN_STEP;
		else if (rc != PSC_POLL_PENDING)
			break;
		if (now_s() >= deadline) {
			rc = expires_first ? PSC_ERR_EXPIRED : PSC_ERR_TIMEOUT;
			break;
		}
	}
	if (rc == PSC_ERR_DENIED)
		fail(&c->r->err, rc, "Connexion refusée %s", means(c));
	else if (rc == PSC_ERR_EXPIRED)
		fail(&c->r->err, rc, "Demande expirée : personne n'a validé le code %s à temps",
		     c->rq->binding_message);
	else if (rc == PSC_ERR_TIMEOUT && !c->r->err.message[0])
		fail(&c->r->err, rc, "Code %s non validé en %ld s : demande abandonnée (voir [psc] "
		     "attente_max)", c->rq->binding_message, max_wait);
	return rc;
}

static int userinfo(struct psc_call *c, const struct psc_tokens *t, struct psc_user *u)
{
	size_t size = strlen(t->access_token) + 32;
	char *auth = malloc(size);
	const char *headers[] = { auth, "Accept: application/json, application/jwt", NULL };
	struct http_response resp;
	int rc;

	if (!auth)
		return fail(&c->r->err, PSC_ERR_CONNECT, "Mémoire insuffisante");
	snprintf(auth, size, "Authorization: Bearer %s", t->access_token);
	rc = exchange(c, "GET", c->ep.userinfo, headers, NULL, 0, &resp);
	wipe_free(auth);
	if (rc)
		return rc;
	if (resp.status == 401 || resp.status == 403)
		rc = fail(&c->r->err, PSC_ERR_PROTOCOL, "Jeton refusé par %s (identité du "
			  "professionnel)", SVC);
	else if (resp.status != 200)
		rc = http_status_error(resp.status, "identité", &c->r->err);
	else
		rc = psc_parse_userinfo(resp.body, resp.len, resp.content_type, u, &c->r->err);
	wipe_response(&resp);
	return rc;
}

/* eidasN satisfies a request for eidasM when N >= M (the sandbox answers eidas3 to eidas1
 * requests made with stronger means); other values must match exactly. */
static int acr_satisfies(const char *got, const char *wanted)
{
	if (!strcmp(got, wanted))
		return 1;
	if (strncmp(got, "eidas", 5) || strncmp(wanted, "eidas", 5) || strlen(got) != 6 ||
	    strlen(wanted) != 6 || got[5] < '0' || got[5] > '9' || wanted[5] < '0' ||
	    wanted[5] > '9')
		return 0;
	return got[5] >= wanted[5];
}

/* After tokens: who signed in, checked against whom we asked for and the level requested. */
static int identify(struct psc_call *c)
{
	const struct psc_request *rq = c->rq;
	struct psc_user *u = &c->r->user;
	int rc = userinfo(c, &c->r->tokens, u);

	if (rc)
		return rc;
	if (rq->login_hint[0] && strcmp(u->national_id, rq->login_hint))
		return fail(&c->r->err, PSC_ERR_PROTOCOL, "%s a authentifié %s au lieu de %s : "
			    "connexion refusée", SVC, u->national_id, rq->login_hint);
	if (!u->acr[0])
		psc_id_token_acr(c->r->tokens.id_token, u->acr, sizeof u->acr);
	if (rq->cfg.acr[0] && u->acr[0] && !acr_satisfies(u->acr, rq->cfg.acr))
		return fail(&c->r->err, PSC_ERR_PROTOCOL, "Niveau d'authentification « %s » au "
			    "lieu de « %s » : connexion refusée", u->acr, rq->cfg.acr);
	return 0;
}

static int run_ciba(struct psc_call *c)
{
	struct psc_ciba_answer a;
	int rc = ciba_request(c, &a);

	if (!rc)
		rc = ciba_wait(c, &a, &c->r->tokens);
	explicit_bzero(&a, sizeof a);
	return rc ? rc : identify(c);
}

static int run_refresh(struct psc_call *c)
{
	const struct psc_request *rq = c->rq;
	struct psc_tokens *t = &c->r->tokens;
	const char *pairs[] = {
		"grant_type", "refresh_token",
		"refresh_token", rq->refresh_token,
		"client_id", form_client_id(c),
		NULL,
	};
	struct http_response resp;
	int rc;

	if ((rc = post_form(c, c->ep.token, pairs, &resp)))
		return rc;
	rc = psc_parse_token_answer(resp.status, resp.body, resp.len, t, &c->r->err);
	wipe_response(&resp);
	if (rc > 0)
		return fail(&c->r->err, PSC_ERR_PROTOCOL, "Réponse %s inattendue (rafraîchissement)",
			    SVC);
	if (rc == PSC_ERR_EXPIRED)
		return fail(&c->r->err, rc, "Session %s expirée : reconnectez-vous", SVC);
	if (rc)
		return rc;
	/* The server may keep the same refresh and ID tokens without sending them again. */
	if (!t->refresh_token[0])
		memcpy(t->refresh_token, rq->refresh_token, sizeof t->refresh_token);
	if (!t->id_token[0])
		memcpy(t->id_token, rq->id_token, sizeof t->id_token);
	return identify(c);
}

static int run_logout(struct psc_call *c)
{
	const struct psc_request *rq = c->rq;
	const char *pairs[] = {
		"id_token_hint", rq->id_token[0] ? rq->id_token : NULL,
		"refresh_token", rq->refresh_token[0] ? rq->refresh_token : NULL,
		"client_id", rq->cfg.client_id,
		NULL,
	};
	struct http_response resp;
	int rc;

	if (!c->ep.end_session[0])
		return fail(&c->r->err, PSC_ERR_PROTOCOL, "%s ne donne pas d'adresse de "
			    "déconnexion (end_session_endpoint)", SVC);
	if ((rc = post_form(c, c->ep.end_session, pairs, &resp)))
		return rc;
	if (resp.status >= 400) {
		rc = oauth_error(resp.status, resp.body, resp.len, "déconnexion", &c->r->err);
		if (rc > 0)
			rc = http_status_error(resp.status, "déconnexion", &c->r->err);
	}
	wipe_response(&resp);
	return rc;
}

/* ------------------------------------------------------------------ request checks, run */

static int two_digits(const char *s)
{
	return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && !s[2];
}

static int check_request(struct psc_call *c)
{
	const struct psc_request *rq = c->rq;
	const struct psc_config *cfg = &rq->cfg;
	struct psc_error *e = &c->r->err;

	if (!cfg->issuer[0] || strncasecmp(cfg->issuer, "https://", 8) || !visible_ascii(cfg->issuer))
		return fail(e, PSC_ERR_CONFIG, "Adresse de %s absente ou non https ([psc] emetteur)",
			    SVC);
	if (!cfg->client_id[0])
		return fail(e, PSC_ERR_CONFIG, "Identifiant client %s absent ([psc] client_id)", SVC);
	if (rq->op == PSC_OP_CIBA && !national_id_ok(rq->login_hint))
		return fail(e, PSC_ERR_CONFIG, "Identifiant national du professionnel absent ou "
			    "invalide ([psc] identifiant)");
	if (rq->op == PSC_OP_CIBA && !two_digits(rq->binding_message))
		return fail(e, PSC_ERR_CONFIG, "Code de vérification invalide (deux chiffres "
			    "attendus)");
	if (rq->op == PSC_OP_REFRESH && !rq->refresh_token[0])
		return fail(e, PSC_ERR_EXPIRED, "Session %s sans jeton de rafraîchissement : "
			    "reconnectez-vous", SVC);
	if (rq->op == PSC_OP_LOGOUT && !rq->id_token[0] && !rq->refresh_token[0])
		return fail(e, PSC_ERR_CONFIG, "Déconnexion %s : aucune session à fermer", SVC);
	if (http_check_target(&c->t, cfg->issuer, e->message, sizeof e->message))
		return e->kind = PSC_ERR_CONFIG;
	return 0;
}

int psc_run(const struct psc_request *rq, int (*stop)(void *), void *stop_ctx,
	    struct psc_reply *r)
{
	struct psc_call c;
	int rc;

	memset(r, 0, sizeof *r);
	memset(&c, 0, sizeof c);
	c.rq = rq;
	c.r = r;
	c.stop = stop;
	c.stop_ctx = stop_ctx;
	target_init(&c);
	rc = check_request(&c);
	if (!rc)
		rc = discover(&c);
	if (!rc && rq->op == PSC_OP_CIBA)
		rc = run_ciba(&c);
	else if (!rc && rq->op == PSC_OP_REFRESH)
		rc = run_refresh(&c);
	else if (!rc && rq->op == PSC_OP_LOGOUT)
		rc = run_logout(&c);
	else if (!rc)
		rc = fail(&r->err, PSC_ERR_CONFIG, "Opération %s inconnue", SVC);
	if (rc > 0)   /* never leaves this file */
		rc = fail(&r->err, PSC_ERR_PROTOCOL, "Réponse %s inattendue", SVC);
	if (rc) {
		explicit_bzero(&r->tokens, sizeof r->tokens);
		memset(&r->user, 0, sizeof r->user);
		if (!r->err.message[0])
			fail(&r->err, rc, "Échec de l'appel %s", SVC);
	}
	r->rc = r->err.kind = rc;
	return rc;
}

/* ------------------------------------------------------------------ vigie-net psc */

/* jansson's copies of tokens are wiped when freed. */
static void *json_wipe_malloc(size_t n)
{
	return malloc(n);
}

static void json_wipe_free(void *p)
{
	if (p) {
		explicit_bzero(p, malloc_usable_size(p));
		free(p);
	}
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Reads stdin whole into buf; its length, or -1 when it does not fit. */
static long read_request(char *buf, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while ((n = read(0, buf + len, size - 1 - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		len += (size_t)n;
		if (len == size - 1)
			return -1;
	}
	buf[len] = 0;
	return (long)len;
}

int psc_helper_main(void)
{
	static char in[64 * 1024];
	static struct psc_request rq;
	static struct psc_reply r;
	struct kv_out o;
	char err[200];
	long len;
	int rc;

	json_set_alloc_funcs(json_wipe_malloc, json_wipe_free);
	len = read_request(in, sizeof in);
	rc = len < 0 ? -1 : psc_request_parse(in, &rq, err, sizeof err);
	explicit_bzero(in, sizeof in);   /* the client secret, tokens */
	if (rc) {
		fprintf(stderr, "vigie-net : %s\n", len < 0 ? "requête Pro Santé Connect illisible "
			"ou trop longue" : err);
		return 2;
	}
	http_global_init();
	psc_run(&rq, NULL, NULL, &r);
	http_global_cleanup();
	explicit_bzero(&rq, sizeof rq);
	kv_out_init(&o, 1);
	rc = psc_reply_format(&r, &o);
	explicit_bzero(&r, sizeof r);
	if (!rc)
		rc = write_all(1, o.buf, o.len);
	kv_out_free(&o);
	return rc ? 2 : 0;
}
