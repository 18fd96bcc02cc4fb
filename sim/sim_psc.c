/* vigie-sim: Pro Santé Connect endpoints (discovery, CIBA poll mode, token, userinfo, logout). */
#include "sim/sim.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <gnutls/gnutls.h>
#include <jansson.h>
#include <microhttpd.h>

#define CLIENT_ID "vigie-demo"
#define CLIENT_SECRET "secret-demo"
#define CIBA_GRANT "urn:openid:params:grant-type:ciba"
#define PFX "/psc"
#define MAX_USERS 256
#define MAX_REQUESTS 64
#define MAX_TOKENS 512
#define TOKEN_LEN 64          /* hex characters of an opaque token */
#define JWT_HEAD "{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"vigie-sim\"}"

/* ---- the table of professionals ------------------------------------------------------ */

struct psc_row {
	char id[32];
	char family[101];
	char given[101];
	char profession[8];
	char speciality[16];
};

static struct psc_row *rows;
static size_t n_rows;

static int cell(char *dst, size_t size, const char *src)
{
	if (!strcmp(src, "-"))
		src = "";
	if (strlen(src) >= size)
		return -1;
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

static int parse_row(char *line, struct psc_row *r)
{
	char *f[5], *save = line;
	int n = 0;

	while (n < 5 && (f[n] = strsep(&save, "\t")))
		n++;
	if (n < 5 || save || !f[0][0] || !f[1][0] || cell(r->id, sizeof r->id, f[0]) ||
	    cell(r->family, sizeof r->family, f[1]) || cell(r->given, sizeof r->given, f[2]) ||
	    cell(r->profession, sizeof r->profession, f[3]) ||
	    cell(r->speciality, sizeof r->speciality, f[4]))
		return -1;
	return 0;
}

int sim_psc_init(const char *users_path, char *err, size_t errsize)
{
	FILE *f = fopen(users_path, "r");
	char line[512];
	int lineno = 0;

	if (!f) {
		snprintf(err, errsize, "table des professionnels %s illisible : %s", users_path,
			 strerror(errno));
		return -1;
	}
	rows = calloc(MAX_USERS, sizeof *rows);
	if (!rows) {
		fclose(f);
		snprintf(err, errsize, "mémoire insuffisante");
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		if (n_rows == MAX_USERS || parse_row(line, &rows[n_rows])) {
			snprintf(err, errsize, "%s:%d : ligne invalide (5 colonnes séparées par des "
				 "tabulations attendues, %d lignes au plus)", users_path, lineno,
				 MAX_USERS);
			fclose(f);
			sim_psc_free();
			return -1;
		}
		n_rows++;
	}
	fclose(f);
	return 0;
}

void sim_psc_free(void)
{
	free(rows);
	rows = NULL;
	n_rows = 0;
}

static const struct psc_row *find_user(const char *id)
{
	for (size_t i = 0; i < n_rows; i++)
		if (!strcmp(rows[i].id, id))
			return &rows[i];
	return NULL;
}

/* ---- behaviour (ciba=SPEC) --------------------------------------------------------------- */

enum ciba_mode { MODE_APPROVE, MODE_DENY, MODE_EXPIRE };

struct behaviour {
	enum ciba_mode mode;
	int delay_ms;              /* approve / deny: answer this long after the request */
	int expires_in;            /* auth_req_id lifetime, s */
	int interval;              /* poll interval announced, s */
	int ttl;                   /* access token lifetime, s */
	int refresh_ttl;           /* refresh token lifetime, s */
	char acr[16];              /* acr claim of the ID tokens */
};

#define DEFAULT_BEHAVIOUR { MODE_APPROVE, 2000, 120, 5, 300, 1800, "eidas1" }
static const struct behaviour default_behaviour = DEFAULT_BEHAVIOUR;

/* All the mutable state of the service: one lock (a thread per connection). */
struct auth_req {
	char id[TOKEN_LEN + 1];
	const struct psc_row *user;
	struct behaviour b;
	long long created_ms, last_poll_ms;
	int used;
};

enum token_kind { TOK_ACCESS = 1, TOK_REFRESH, TOK_ID };

struct token {
	enum token_kind kind;
	char value[TOKEN_LEN + 1];      /* for ID tokens: their signature part */
	char sid[33];
	const struct psc_row *user;
	long long expires_ms;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct behaviour beh = DEFAULT_BEHAVIOUR;
static struct auth_req reqs[MAX_REQUESTS];
static unsigned long next_req;
static struct token toks[MAX_TOKENS];
static unsigned long next_tok;

static atomic_ulong st_ciba, st_refused, st_approved, st_denied, st_expired, st_pending,
	st_tokens, st_refresh, st_userinfo, st_logout, st_faults;

static int parse_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtol(s, &end, 10);
	if (*end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* One item: approve[:MS], deny[:MS], expire[:S], interval:S, ttl:S, refresh_ttl:S, acr:V,
 * default. */
static int behaviour_item(const char *item, struct behaviour *b)
{
	const char *colon = strchr(item, ':');
	const char *arg = colon ? colon + 1 : NULL;
	size_t n = colon ? (size_t)(colon - item) : strlen(item);

#define IS(word) (n == strlen(word) && !strncmp(item, word, n))
	if (IS("default") && !arg)
		*b = default_behaviour;
	else if (IS("approve") || IS("deny")) {
		b->mode = IS("approve") ? MODE_APPROVE : MODE_DENY;
		b->delay_ms = IS("approve") ? 2000 : 1000;
		if (arg && parse_int(arg, 0, 3600 * 1000, &b->delay_ms))
			return -1;
	} else if (IS("expire")) {
		b->mode = MODE_EXPIRE;
		b->expires_in = 3;
		if (arg && parse_int(arg, 1, 3600, &b->expires_in))
			return -1;
	} else if (IS("interval") && arg)
		return parse_int(arg, 1, 60, &b->interval);
	else if (IS("ttl") && arg)
		return parse_int(arg, 1, 86400, &b->ttl);
	else if (IS("refresh_ttl") && arg)
		return parse_int(arg, 1, 86400 * 30, &b->refresh_ttl);
	else if (IS("acr") && arg && arg[0] && strlen(arg) < sizeof b->acr &&
		 strspn(arg, "abcdefghijklmnopqrstuvwxyz0123456789") == strlen(arg))
		snprintf(b->acr, sizeof b->acr, "%s", arg);
	else
		return -1;
#undef IS
	return 0;
}

int sim_psc_behaviour(const char *spec, char *err, size_t errsize)
{
	char buf[256], *save = NULL;
	struct behaviour b;

	if (strlen(spec) >= sizeof buf || !spec[0]) {
		snprintf(err, errsize, "comportement CIBA vide ou trop long");
		return -1;
	}
	snprintf(buf, sizeof buf, "%s", spec);
	pthread_mutex_lock(&lock);
	b = beh;
	pthread_mutex_unlock(&lock);
	for (char *it = strtok_r(buf, ",", &save); it; it = strtok_r(NULL, ",", &save))
		if (behaviour_item(it, &b)) {
			snprintf(err, errsize, "comportement CIBA inconnu « %s » (approve[:MS], "
				 "deny[:MS], expire[:S], interval:S, ttl:S, refresh_ttl:S, acr:VALEUR, "
				 "default)",
				 it);
			return -1;
		}
	/* expire never approves but other modes keep a realistic lifetime */
	if (b.mode != MODE_EXPIRE && b.expires_in < 10)
		b.expires_in = default_behaviour.expires_in;
	pthread_mutex_lock(&lock);
	beh = b;
	pthread_mutex_unlock(&lock);
	return 0;
}

static void behaviour_format(const struct behaviour *b, char *buf, size_t size)
{
	if (b->mode == MODE_EXPIRE)
		snprintf(buf, size, "expire:%d", b->expires_in);
	else
		snprintf(buf, size, "%s:%d", b->mode == MODE_APPROVE ? "approve" : "deny",
			 b->delay_ms);
	snprintf(buf + strlen(buf), size - strlen(buf), ",interval:%d,ttl:%d,refresh_ttl:%d,acr:%s",
		 b->interval, b->ttl, b->refresh_ttl, b->acr);
}

void sim_psc_stats(char *buf, size_t size)
{
	struct behaviour b;
	struct sim_fault f;
	char spec[128], fault[64];

	pthread_mutex_lock(&lock);
	b = beh;
	pthread_mutex_unlock(&lock);
	behaviour_format(&b, spec, sizeof spec);
	if (sim_fault_get("psc", &f))
		memset(&f, 0, sizeof f);
	sim_fault_format(&f, fault, sizeof fault);
	snprintf(buf, size,
		 "psc_ciba_requests: %lu\npsc_ciba_refused: %lu\npsc_approved: %lu\n"
		 "psc_denied: %lu\npsc_expired: %lu\npsc_pending: %lu\npsc_tokens: %lu\n"
		 "psc_refreshes: %lu\npsc_userinfo: %lu\npsc_logouts: %lu\npsc_faults: %lu\n"
		 "psc_ciba: %s\npsc_fault: %s\n",
		 atomic_load(&st_ciba), atomic_load(&st_refused), atomic_load(&st_approved),
		 atomic_load(&st_denied), atomic_load(&st_expired), atomic_load(&st_pending),
		 atomic_load(&st_tokens), atomic_load(&st_refresh), atomic_load(&st_userinfo),
		 atomic_load(&st_logout), atomic_load(&st_faults), spec, fault);
}

/* ---- small helpers --------------------------------------------------------------------- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int random_hex(char *out, size_t nbytes)
{
	unsigned char raw[64];
	static const char hex[] = "0123456789abcdef";

	if (nbytes > sizeof raw || getrandom(raw, nbytes, 0) != (ssize_t)nbytes)
		return -1;
	for (size_t i = 0; i < nbytes; i++) {
		out[2 * i] = hex[raw[i] >> 4];
		out[2 * i + 1] = hex[raw[i] & 15];
	}
	out[2 * nbytes] = 0;
	return 0;
}

/* base64url without padding (JWT), malloc'd. */
static char *b64url(const char *data, size_t len)
{
	gnutls_datum_t in = { (unsigned char *)data, (unsigned)len }, out = { NULL, 0 };
	char *s;
	size_t n = 0;

	if (gnutls_base64_encode2(&in, &out) < 0)
		return NULL;
	s = malloc(out.size + 1);
	if (s)
		for (unsigned i = 0; i < out.size; i++) {
			char c = (char)out.data[i];
			if (c == '=' || c == '\n' || c == '\r')
				continue;
			s[n++] = c == '+' ? '-' : c == '/' ? '_' : c;
		}
	if (s)
		s[n] = 0;
	gnutls_free(out.data);
	return s;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
		: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* Percent-decodes n bytes of s ('+' is a space) into out; -1 on bad encoding or overflow. */
static int form_decode(const char *s, size_t n, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '+')
			c = ' ';
		else if (c == '%') {
			int h, l;
			if (i + 2 >= n || (h = hexval(s[i + 1])) < 0 || (l = hexval(s[i + 2])) < 0)
				return -1;
			c = (char)(h * 16 + l);
			i += 2;
		}
		if (c == 0 || o + 1 >= size)
			return -1;
		out[o++] = c;
	}
	out[o] = 0;
	return 0;
}

/* Value of name in a form body: 1 found, 0 absent, -1 malformed, too long or repeated
 * (RFC 6749 3.1: parameters must not be included more than once). */
static int form_get(const char *body, const char *name, char *out, size_t size)
{
	char key[64];
	int found = 0;

	out[0] = 0;
	for (const char *p = body ? body : ""; *p;) {
		const char *amp = strchr(p, '&'), *end = amp ? amp : p + strlen(p);
		const char *eq = memchr(p, '=', (size_t)(end - p));
		if (eq && form_decode(p, (size_t)(eq - p), key, sizeof key) == 0 &&
		    !strcmp(key, name)) {
			if (found || form_decode(eq + 1, (size_t)(end - eq - 1), out, size))
				return -1;
			found = 1;
		}
		p = amp ? amp + 1 : end;
	}
	return found;
}

/* ---- answers ------------------------------------------------------------------------------ */

/* JSON answer, never cached (RFC 6749 5.1); www_auth: a WWW-Authenticate value or NULL. */
static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status, json_t *obj,
				  const char *www_auth, int truncate)
{
	char *body = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
	size_t len = body ? strlen(body) : 0;
	struct MHD_Response *r;
	enum MHD_Result rc;

	json_decref(obj);
	if (truncate)
		len /= 2;
	r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "Pragma", "no-cache");
	if (www_auth)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, www_auth);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result oauth_error(struct MHD_Connection *c, unsigned status, const char *code,
				   const char *description)
{
	json_t *o = json_pack("{s:s, s:s}", "error", code, "error_description", description);

	return reply_json(c, status, o, status == 401 ? "Basic realm=\"esante-wallet\"" : NULL, 0);
}

static int check_client(struct MHD_Connection *c)
{
	char *pass = NULL, *user = MHD_basic_auth_get_username_password(c, &pass);
	char u[128], p[128];
	int ok = user && pass && !form_decode(user, strlen(user), u, sizeof u) &&
		 !form_decode(pass, strlen(pass), p, sizeof p) && !strcmp(u, CLIENT_ID) &&
		 !strcmp(p, CLIENT_SECRET);

	if (user)
		MHD_free(user);
	if (pass)
		MHD_free(pass);
	return ok;
}

static int form_request(struct MHD_Connection *c, const struct sim_req *rq)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_TYPE);

	return ct && !strncasecmp(ct, "application/x-www-form-urlencoded", 33) && !rq->too_big;
}

/* ---- discovery ---------------------------------------------------------------------------- */

static void issuer_of(struct sim_server *s, char *buf, size_t size)
{
	snprintf(buf, size, "https://localhost:%d" PFX, sim_server_port(s));
}

static enum MHD_Result handle_discovery(struct MHD_Connection *c, struct sim_server *s)
{
	char iss[128], a[6][192];
	json_t *o;

	issuer_of(s, iss, sizeof iss);
	snprintf(a[0], sizeof a[0], "%s/protocol/openid-connect/token", iss);
	snprintf(a[1], sizeof a[1], "%s/protocol/openid-connect/userinfo", iss);
	snprintf(a[2], sizeof a[2], "%s/protocol/openid-connect/logout", iss);
	snprintf(a[3], sizeof a[3], "%s/protocol/openid-connect/ext/ciba/auth", iss);
	snprintf(a[4], sizeof a[4], "%s/protocol/openid-connect/certs", iss);
	snprintf(a[5], sizeof a[5], "https://localhost:%d/psc-wallet/auth", sim_server_port(s));
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:[s,s,s], s:[s], s:[s,s], "
		      "s:[s,s]}",
		      "issuer", iss, "authorization_endpoint", a[5], "token_endpoint", a[0],
		      "userinfo_endpoint", a[1], "end_session_endpoint", a[2],
		      "backchannel_authentication_endpoint", a[3], "jwks_uri", a[4],
		      "backchannel_token_delivery_modes_supported", "poll",
		      "grant_types_supported", "authorization_code", "refresh_token", CIBA_GRANT,
		      "acr_values_supported", "eidas1",
		      "scopes_supported", "openid", "scope_all",
		      "token_endpoint_auth_methods_supported", "client_secret_basic",
		      "tls_client_auth");
	sim_log(s, "psc", "discovery", "-", "200");
	return reply_json(c, 200, o, NULL, 0);
}

/* ---- CIBA authentication request ---------------------------------------------------------- */

static int two_digits(const char *s)
{
	return s[0] >= '0' && s[0] <= '9' && s[1] >= '0' && s[1] <= '9' && !s[2];
}

static enum MHD_Result ciba_refuse(struct MHD_Connection *c, struct sim_server *s,
				   const char *hint, unsigned status, const char *code,
				   const char *why)
{
	atomic_fetch_add(&st_refused, 1);
	sim_log(s, "psc", "ciba", hint[0] ? hint : "-", code);
	return oauth_error(c, status, code, why);
}

/* Reads and checks the parameters; a refusal is answered at once (returns 1 with *rc). */
static int ciba_params(struct MHD_Connection *c, struct sim_server *s, const struct sim_req *rq,
		       char *hint, const struct psc_row **user, enum MHD_Result *rc)
{
	char scope[256], acr[64], binding[64], channel[32];

	if (form_get(rq->body, "login_hint", hint, 32) < 0)
		hint[0] = 0;
	if (!form_request(c, rq) || form_get(rq->body, "scope", scope, sizeof scope) < 0 ||
	    form_get(rq->body, "acr_values", acr, sizeof acr) < 0 ||
	    form_get(rq->body, "channel", channel, sizeof channel) < 0)
		*rc = ciba_refuse(c, s, hint, 400, "invalid_request", "formulaire invalide");
	else if (!check_client(c))
		*rc = ciba_refuse(c, s, hint, 401, "invalid_client", "client inconnu");
	else if (!strstr(scope, "openid"))
		*rc = ciba_refuse(c, s, hint, 400, "invalid_scope", "scope openid attendu");
	else if (acr[0] && strcmp(acr, "eidas1"))
		*rc = ciba_refuse(c, s, hint, 400, "invalid_request", "acr_values non supporté");
	else if (channel[0] && strcmp(channel, "MOBILE") && strcmp(channel, "CARD"))
		*rc = ciba_refuse(c, s, hint, 400, "invalid_request", "channel inconnu");
	else if (!hint[0])
		*rc = ciba_refuse(c, s, hint, 400, "invalid_request", "login_hint absent");
	else if (!(*user = find_user(hint)))
		*rc = ciba_refuse(c, s, hint, 400, "unknown_user_id", "professionnel inconnu");
	else if (form_get(rq->body, "binding_message", binding, sizeof binding) != 1 ||
		 !two_digits(binding))
		*rc = ciba_refuse(c, s, hint, 400, "invalid_binding_message",
				  "binding_message : deux chiffres attendus");
	else
		return 0;
	return 1;
}

static enum MHD_Result handle_ciba(struct MHD_Connection *c, struct sim_server *s,
				   const struct sim_req *rq)
{
	const struct psc_row *user = NULL;
	struct auth_req *r;
	char hint[32], id[TOKEN_LEN + 1];
	struct behaviour b;
	enum MHD_Result rc;

	atomic_fetch_add(&st_ciba, 1);
	if (ciba_params(c, s, rq, hint, &user, &rc))
		return rc;
	if (random_hex(id, TOKEN_LEN / 2))
		return oauth_error(c, 500, "server_error", "aléa indisponible");
	pthread_mutex_lock(&lock);
	b = beh;
	r = &reqs[next_req++ % MAX_REQUESTS];
	memset(r, 0, sizeof *r);
	memcpy(r->id, id, sizeof r->id);
	r->user = user;
	r->b = b;
	r->created_ms = now_ms();
	pthread_mutex_unlock(&lock);
	sim_log(s, "psc", "ciba", hint, "ok");
	return reply_json(c, 200, json_pack("{s:s, s:i, s:i}", "auth_req_id", id, "expires_in",
					    b.expires_in, "interval", b.interval), NULL, 0);
}

/* ---- tokens ------------------------------------------------------------------------------- */

static struct token *new_token_locked(enum token_kind kind, const char *value, const char *sid,
				      const struct psc_row *u, int ttl_s)
{
	struct token *t = &toks[next_tok++ % MAX_TOKENS];

	memset(t, 0, sizeof *t);
	t->kind = kind;
	snprintf(t->value, sizeof t->value, "%s", value);
	snprintf(t->sid, sizeof t->sid, "%s", sid);
	t->user = u;
	t->expires_ms = now_ms() + (long long)ttl_s * 1000;
	return t;
}

/* Valid token of that kind, or NULL (expired ones are forgotten). Called locked. */
static struct token *find_token_locked(enum token_kind kind, const char *value)
{
	for (size_t i = 0; i < MAX_TOKENS; i++) {
		struct token *t = &toks[i];
		if (t->kind != kind || strcmp(t->value, value))
			continue;
		if (t->expires_ms <= now_ms()) {
			memset(t, 0, sizeof *t);
			return NULL;
		}
		return t;
	}
	return NULL;
}

static void revoke_sid_locked(const char *sid)
{
	for (size_t i = 0; i < MAX_TOKENS; i++)
		if (toks[i].kind && !strcmp(toks[i].sid, sid))
			memset(&toks[i], 0, sizeof toks[i]);
}

/* A JWT-shaped ID token; the signature is random bytes (the simulator holds no key). */
static char *make_id_token(struct sim_server *s, const struct psc_row *u, const char *sid,
			   const struct behaviour *b, char sig[TOKEN_LEN + 1])
{
	char iss[128], sub[96], *head, *body, *payload_json, *out = NULL;
	time_t now = time(NULL);
	json_t *p;

	issuer_of(s, iss, sizeof iss);
	snprintf(sub, sizeof sub, "f:%.8s-sim:%s", sid, u->id);
	p = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:s, s:s}", "iss", iss,
		      "sub", sub, "aud", CLIENT_ID, "azp", CLIENT_ID, "exp",
		      (json_int_t)(now + b->ttl), "iat", (json_int_t)now, "auth_time",
		      (json_int_t)now, "acr", b->acr, "sid", sid, "SubjectNameID", u->id,
		      "preferred_username", u->id);
	payload_json = p ? json_dumps(p, JSON_COMPACT) : NULL;
	json_decref(p);
	head = b64url(JWT_HEAD, strlen(JWT_HEAD));
	body = payload_json ? b64url(payload_json, strlen(payload_json)) : NULL;
	if (head && body && random_hex(sig, TOKEN_LEN / 2) == 0 &&
	    (out = malloc(strlen(head) + strlen(body) + TOKEN_LEN + 3)))
		sprintf(out, "%s.%s.%s", head, body, sig);
	free(head);
	free(body);
	free(payload_json);
	return out;
}

/* New access, refresh and ID tokens for u in session sid (answer of the token endpoint). */
static json_t *issue_tokens(struct sim_server *s, const struct psc_row *u, const char *sid,
			    const struct behaviour *b)
{
	char access[TOKEN_LEN + 1], refresh[TOKEN_LEN + 1], sig[TOKEN_LEN + 1];
	char *id_token;
	json_t *o;

	if (random_hex(access, TOKEN_LEN / 2) || random_hex(refresh, TOKEN_LEN / 2) ||
	    !(id_token = make_id_token(s, u, sid, b, sig)))
		return NULL;
	pthread_mutex_lock(&lock);
	new_token_locked(TOK_ACCESS, access, sid, u, b->ttl);
	new_token_locked(TOK_REFRESH, refresh, sid, u, b->refresh_ttl);
	new_token_locked(TOK_ID, sig, sid, u, b->refresh_ttl);
	pthread_mutex_unlock(&lock);
	atomic_fetch_add(&st_tokens, 1);
	o = json_pack("{s:s, s:i, s:i, s:s, s:s, s:s, s:i, s:s, s:s}", "access_token", access,
		      "expires_in", b->ttl, "refresh_expires_in", b->refresh_ttl, "refresh_token",
		      refresh, "token_type", "Bearer", "id_token", id_token, "not-before-policy", 0,
		      "session_state", sid, "scope", "openid scope_all");
	free(id_token);
	return o;
}

enum ciba_state { ST_UNKNOWN, ST_PENDING, ST_SLOW, ST_APPROVED, ST_DENIED, ST_EXPIRED };

/* Where a request stands now; an approved one is used up. Called locked. */
static enum ciba_state ciba_state_locked(struct auth_req *r, const struct psc_row **u,
					 struct behaviour *b)
{
	long long now = now_ms(), age = now - r->created_ms, last = r->last_poll_ms;

	*u = r->user;
	*b = r->b;
	r->last_poll_ms = now;
	if (age >= (long long)r->b.expires_in * 1000)
		return ST_EXPIRED;
	if (last && now - last < (long long)r->b.interval * 1000 / 2)
		return ST_SLOW;   /* polling faster than announced: slow_down (CIBA 11) */
	if (r->b.mode == MODE_EXPIRE || age < r->b.delay_ms)
		return ST_PENDING;
	if (r->b.mode == MODE_DENY)
		return ST_DENIED;
	r->used = 1;
	return ST_APPROVED;
}

static enum ciba_state ciba_lookup(const char *id, const struct psc_row **u, struct behaviour *b)
{
	enum ciba_state st = ST_UNKNOWN;

	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < MAX_REQUESTS; i++)
		if (reqs[i].id[0] && !reqs[i].used && !strcmp(reqs[i].id, id)) {
			st = ciba_state_locked(&reqs[i], u, b);
			break;
		}
	pthread_mutex_unlock(&lock);
	return st;
}

static enum MHD_Result grant_ciba(struct MHD_Connection *c, struct sim_server *s,
				  const struct sim_req *rq, int truncate)
{
	char id[TOKEN_LEN + 8], sid[33];
	const struct psc_row *u = NULL;
	struct behaviour b;
	json_t *o;

	if (form_get(rq->body, "auth_req_id", id, sizeof id) != 1)
		return oauth_error(c, 400, "invalid_request", "auth_req_id absent");
	switch (ciba_lookup(id, &u, &b)) {
	case ST_UNKNOWN:
		sim_log(s, "psc", "token", "-", "invalid_grant");
		return oauth_error(c, 400, "invalid_grant", "auth_req_id inconnu ou déjà utilisé");
	case ST_EXPIRED:
		atomic_fetch_add(&st_expired, 1);
		sim_log(s, "psc", "token", "-", "expired");
		return oauth_error(c, 400, "expired_token", "demande expirée");
	case ST_SLOW:
		sim_log(s, "psc", "token", "-", "slow_down");
		return oauth_error(c, 400, "slow_down", "interrogations trop rapprochées");
	case ST_PENDING:
		atomic_fetch_add(&st_pending, 1);
		sim_log(s, "psc", "token", "-", "pending");
		return oauth_error(c, 400, "authorization_pending", "en attente de validation");
	case ST_DENIED:
		atomic_fetch_add(&st_denied, 1);
		sim_log(s, "psc", "token", "-", "denied");
		return oauth_error(c, 400, "access_denied", "refusé par l'utilisateur");
	case ST_APPROVED:
		break;
	}
	if (random_hex(sid, 16) || !(o = issue_tokens(s, u, sid, &b)))
		return oauth_error(c, 500, "server_error", "jetons indisponibles");
	atomic_fetch_add(&st_approved, 1);
	sim_log(s, "psc", "token", "-", "ok");
	return reply_json(c, 200, o, NULL, truncate);
}

static enum MHD_Result grant_refresh(struct MHD_Connection *c, struct sim_server *s,
				     const struct sim_req *rq, int truncate)
{
	char value[TOKEN_LEN + 8], sid[33];
	const struct psc_row *u = NULL;
	struct behaviour b;
	struct token *t;
	json_t *o;

	if (form_get(rq->body, "refresh_token", value, sizeof value) != 1)
		return oauth_error(c, 400, "invalid_request", "refresh_token absent");
	pthread_mutex_lock(&lock);
	b = beh;
	if ((t = find_token_locked(TOK_REFRESH, value))) {
		u = t->user;
		snprintf(sid, sizeof sid, "%s", t->sid);
		memset(t, 0, sizeof *t);   /* rotated: each refresh token serves once */
	}
	pthread_mutex_unlock(&lock);
	if (!u) {
		sim_log(s, "psc", "refresh", "-", "expired");
		return oauth_error(c, 400, "invalid_grant", "jeton de rafraîchissement expiré");
	}
	if (!(o = issue_tokens(s, u, sid, &b)))
		return oauth_error(c, 500, "server_error", "jetons indisponibles");
	atomic_fetch_add(&st_refresh, 1);
	sim_log(s, "psc", "refresh", "-", "ok");
	return reply_json(c, 200, o, NULL, truncate);
}

static enum MHD_Result reply_html500(struct MHD_Connection *c)
{
	char *body = strdup("<html><body><h1>500 Internal Server Error</h1></body></html>\n");

	return sim_reply(c, 500, "text/html; charset=utf-8", body, body ? strlen(body) : 0);
}

/* The generic "psc" fault applies to the token endpoint: 1 when it answered (*rc set). */
static int token_fault(struct MHD_Connection *c, struct sim_server *s, int *truncate,
		       enum MHD_Result *rc)
{
	struct sim_fault f;

	*truncate = 0;
	if (sim_fault_get("psc", &f))
		return 0;
	switch (f.kind) {
	case SIM_FAULT_RESET:
		atomic_fetch_add(&st_faults, 1);
		sim_log(s, "psc", "token", "-", "reset");
		sim_reset_connection(c);
		*rc = MHD_NO;
		return 1;
	case SIM_FAULT_HANG:
		atomic_fetch_add(&st_faults, 1);
		sim_log(s, "psc", "token", "-", "hang");
		sim_wait_or_gone(c, s, -1);
		*rc = MHD_NO;
		return 1;
	case SIM_FAULT_HTTP500:
		atomic_fetch_add(&st_faults, 1);
		sim_log(s, "psc", "token", "-", "http500");
		*rc = reply_html500(c);
		return 1;
	case SIM_FAULT_DELAY:
		if (sim_wait_or_gone(c, s, f.delay_ms) < 0) {
			sim_log(s, "psc", "token", "-", "abandon");
			*rc = MHD_NO;
			return 1;
		}
		return 0;
	case SIM_FAULT_MALFORMED:
		atomic_fetch_add(&st_faults, 1);
		*truncate = 1;
		return 0;
	default:   /* SOAP faults mean nothing to an OAuth endpoint */
		return 0;
	}
}

static enum MHD_Result handle_token(struct MHD_Connection *c, struct sim_server *s,
				    const struct sim_req *rq)
{
	char grant[96];
	int truncate;
	enum MHD_Result rc;

	if (token_fault(c, s, &truncate, &rc))
		return rc;
	if (!form_request(c, rq) || form_get(rq->body, "grant_type", grant, sizeof grant) != 1) {
		sim_log(s, "psc", "token", "-", "invalid_request");
		return oauth_error(c, 400, "invalid_request", "grant_type absent ou formulaire "
				   "invalide");
	}
	if (!check_client(c)) {
		sim_log(s, "psc", "token", "-", "invalid_client");
		return oauth_error(c, 401, "invalid_client", "client inconnu");
	}
	if (!strcmp(grant, CIBA_GRANT))
		return grant_ciba(c, s, rq, truncate);
	if (!strcmp(grant, "refresh_token"))
		return grant_refresh(c, s, rq, truncate);
	sim_log(s, "psc", "token", "-", "unsupported_grant_type");
	return oauth_error(c, 400, "unsupported_grant_type", grant);
}

/* ---- userinfo, logout ------------------------------------------------------------------- */

static json_t *userinfo_json(const struct psc_row *u, const char *sid)
{
	char sub[96];
	json_t *ex, *ref;

	snprintf(sub, sizeof sub, "f:%.8s-sim:%s", sid, u->id);
	ex = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[]}", "codeProfession",
		       u->profession, "codeCategorieProfessionnelle", "C", "codeCiviliteDexercice",
		       "DR", "nomDexercice", u->family, "prenomDexercice", u->given,
		       "codeTypeSavoirFaire", u->speciality[0] ? "S" : "", "codeSavoirFaire",
		       u->speciality, "activities");
	ref = json_pack("{s:s, s:[o]}", "codeCivilite", "M", "exercices", ex);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:[s], s:s, s:s, s:o}", "sub", sub,
			 "SubjectNameID", u->id, "preferred_username", u->id, "given_name",
			 u->given, "family_name", u->family, "email_verified", 0, "SubjectRole",
			 "10^1.2.250.1.213.1.1.5.5", "Secteur_Activite", "SA07^1.2.250.1.71.4.2.4",
			 "Palier_Authentification", "APPPRIP3^1.2.250.1.213.1.5.1.1.1",
			 "SubjectRefPro", ref);
}

static enum MHD_Result handle_userinfo(struct MHD_Connection *c, struct sim_server *s)
{
	const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_AUTHORIZATION);
	const struct psc_row *u = NULL;
	char sid[33] = "";
	struct token *t;

	atomic_fetch_add(&st_userinfo, 1);
	pthread_mutex_lock(&lock);
	if (auth && !strncasecmp(auth, "Bearer ", 7) &&
	    (t = find_token_locked(TOK_ACCESS, auth + 7))) {
		u = t->user;
		snprintf(sid, sizeof sid, "%s", t->sid);
	}
	pthread_mutex_unlock(&lock);
	if (!u) {
		sim_log(s, "psc", "userinfo", "-", "401");
		return reply_json(c, 401, json_pack("{s:s}", "error", "invalid_token"),
				  "Bearer error=\"invalid_token\"", 0);
	}
	sim_log(s, "psc", "userinfo", u->id, "200");
	return reply_json(c, 200, userinfo_json(u, sid), NULL, 0);
}

/* The session of an ID token (by its signature part) or of a refresh token. */
static const struct psc_row *session_of_locked(const struct sim_req *rq, char *sid, size_t size)
{
	char hint[16384], refresh[TOKEN_LEN + 8];
	const char *dot;
	struct token *t = NULL;

	if (form_get(rq->body, "id_token_hint", hint, sizeof hint) == 1 &&
	    (dot = strrchr(hint, '.')))
		t = find_token_locked(TOK_ID, dot + 1);
	if (!t && form_get(rq->body, "refresh_token", refresh, sizeof refresh) == 1)
		t = find_token_locked(TOK_REFRESH, refresh);
	if (!t)
		return NULL;
	snprintf(sid, size, "%s", t->sid);
	return t->user;
}

static enum MHD_Result handle_logout(struct MHD_Connection *c, struct sim_server *s,
				     const struct sim_req *rq)
{
	const struct psc_row *u;
	char sid[33];

	if (!form_request(c, rq) || !check_client(c)) {
		sim_log(s, "psc", "logout", "-", "401");
		return oauth_error(c, 401, "invalid_client", "client inconnu");
	}
	pthread_mutex_lock(&lock);
	u = session_of_locked(rq, sid, sizeof sid);
	if (u)
		revoke_sid_locked(sid);
	pthread_mutex_unlock(&lock);
	if (!u) {
		sim_log(s, "psc", "logout", "-", "400");
		return oauth_error(c, 400, "invalid_grant", "session inconnue ou expirée");
	}
	atomic_fetch_add(&st_logout, 1);
	sim_log(s, "psc", "logout", u->id, "204");
	return sim_reply(c, 204, "text/plain", NULL, 0);
}

/* ---- routing -------------------------------------------------------------------------------- */

static enum MHD_Result wrong_method(struct MHD_Connection *c, struct sim_server *s,
				    const char *method)
{
	sim_log(s, "psc", method, "-", "405");
	return sim_reply_text(c, 405, "méthode non permise\n");
}

int sim_psc_route(struct MHD_Connection *c, struct sim_server *s, const char *url,
		  const char *method, const struct sim_req *rq, enum MHD_Result *rc)
{
	int get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
	const char *p;

	if (strncmp(url, PFX "/", strlen(PFX) + 1))
		return 0;
	p = url + strlen(PFX);
	if (!strcmp(p, "/.well-known/wallet-openid-configuration"))
		*rc = get ? handle_discovery(c, s) : wrong_method(c, s, method);
	else if (!strcmp(p, "/protocol/openid-connect/ext/ciba/auth"))
		*rc = post ? handle_ciba(c, s, rq) : wrong_method(c, s, method);
	else if (!strcmp(p, "/protocol/openid-connect/token"))
		*rc = post ? handle_token(c, s, rq) : wrong_method(c, s, method);
	else if (!strcmp(p, "/protocol/openid-connect/userinfo"))
		*rc = get || post ? handle_userinfo(c, s) : wrong_method(c, s, method);
	else if (!strcmp(p, "/protocol/openid-connect/logout"))
		*rc = post ? handle_logout(c, s, rq) : wrong_method(c, s, method);
	else {
		sim_log(s, "psc", method, "-", "404");
		*rc = sim_reply_text(c, 404, "adresse inconnue du simulateur Pro Santé Connect\n");
	}
	return 1;
}
