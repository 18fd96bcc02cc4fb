/* Unit tests of Pro Santé Connect: the vigie-net wire, JSON answers, form encoding, session. */
#include <check.h>
#include <ftw.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/kv.h"
#include "core/psc_wire.h"
#include "jobs/jobs.h"
#include "jobs/psc_session.h"
#include "net/psc.h"
#include "store/db.h"

static struct psc_error e;

/* ---------------------------------------------------------------- wire */

static void fill_config(struct psc_config *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->issuer, sizeof c->issuer, "https://localhost:8443/psc");
	snprintf(c->client_id, sizeof c->client_id, "vigie-demo");
	snprintf(c->client_secret, sizeof c->client_secret, "secret: with colon");
	snprintf(c->ca_file, sizeof c->ca_file, "/etc/vigie/ca.pem");
	snprintf(c->scope, sizeof c->scope, "openid scope_all");
	snprintf(c->acr, sizeof c->acr, "eidas1");
	snprintf(c->channel, sizeof c->channel, "MOBILE");
	c->connect_timeout_ms = 5000;
	c->timeout_ms = 15000;
	c->max_wait_s = 120;
}

START_TEST(wire_request_round_trip)
{
	struct psc_request rq, back;
	struct kv_out o;
	char err[200];

	memset(&rq, 0, sizeof rq);
	rq.op = PSC_OP_REFRESH;
	fill_config(&rq.cfg);
	snprintf(rq.login_hint, sizeof rq.login_hint, "889900000001");
	snprintf(rq.binding_message, sizeof rq.binding_message, "07");
	memset(rq.refresh_token, 'r', PSC_TOKEN_MAX - 1);   /* the longest token fits */
	snprintf(rq.id_token, sizeof rq.id_token, "aaa.bbb.ccc");
	kv_out_init(&o, 0);
	ck_assert_int_eq(psc_request_format(&rq, &o), 0);
	ck_assert_int_eq(psc_request_parse(o.buf, &back, err, sizeof err), 0);
	kv_out_free(&o);
	ck_assert_int_eq(back.op, PSC_OP_REFRESH);
	ck_assert_str_eq(back.cfg.issuer, rq.cfg.issuer);
	ck_assert_str_eq(back.cfg.client_secret, "secret: with colon");
	ck_assert_str_eq(back.cfg.scope, "openid scope_all");
	ck_assert_int_eq(back.cfg.max_wait_s, 120);
	ck_assert_int_eq(back.cfg.timeout_ms, 15000);
	ck_assert_str_eq(back.login_hint, "889900000001");
	ck_assert_str_eq(back.binding_message, "07");
	ck_assert_uint_eq(strlen(back.refresh_token), PSC_TOKEN_MAX - 1);
	ck_assert_str_eq(back.id_token, "aaa.bbb.ccc");
}
END_TEST

START_TEST(wire_request_refused)
{
	struct psc_request rq;
	struct kv_out o;
	char err[200], *big;

	/* a line break in a value cannot be sent (it would forge a field) */
	memset(&rq, 0, sizeof rq);
	rq.op = PSC_OP_CIBA;
	fill_config(&rq.cfg);
	snprintf(rq.login_hint, sizeof rq.login_hint, "1\nop: logout");
	kv_out_init(&o, 0);
	ck_assert_int_eq(psc_request_format(&rq, &o), -1);
	kv_out_free(&o);
	ck_assert_int_eq(psc_request_parse("op: ciba\nissuer: https://x\n", &rq, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "end"));
	ck_assert_int_eq(psc_request_parse("op: steal\nend: \n", &rq, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "inconnue"));
	ck_assert_int_eq(psc_request_parse("", &rq, err, sizeof err), -1);
	/* a token longer than the buffer is refused, not cut */
	big = malloc(PSC_TOKEN_MAX + 64);
	snprintf(big, 40, "op: refresh\nrefresh_token: ");
	memset(big + strlen(big), 'x', PSC_TOKEN_MAX);
	big[27 + PSC_TOKEN_MAX] = 0;
	strcat(big, "\nend: \n");
	ck_assert_int_eq(psc_request_parse(big, &rq, err, sizeof err), -1);
	ck_assert_int_eq(rq.op, PSC_OP_NONE);
	free(big);
}
END_TEST

START_TEST(wire_reply_round_trip)
{
	struct psc_reply r, back;
	struct kv_out o;

	memset(&r, 0, sizeof r);
	snprintf(r.tokens.access_token, sizeof r.tokens.access_token, "acc");
	snprintf(r.tokens.refresh_token, sizeof r.tokens.refresh_token, "ref");
	snprintf(r.tokens.id_token, sizeof r.tokens.id_token, "a.b.c");
	r.tokens.expires_in = 300;
	r.tokens.refresh_expires_in = 1800;
	snprintf(r.user.national_id, sizeof r.user.national_id, "889900000002");
	snprintf(r.user.family, sizeof r.user.family, "LEFÈVRE");
	snprintf(r.user.given, sizeof r.user.given, "Hélène");
	snprintf(r.user.profession, sizeof r.user.profession, "10");
	snprintf(r.user.speciality, sizeof r.user.speciality, "SM26");
	snprintf(r.user.acr, sizeof r.user.acr, "eidas1");
	kv_out_init(&o, 1);
	ck_assert_int_eq(psc_reply_format(&r, &o), 0);
	ck_assert_int_eq(psc_reply_parse(o.buf, &back), PSC_OK);
	kv_out_free(&o);
	ck_assert_str_eq(back.tokens.access_token, "acc");
	ck_assert_str_eq(back.tokens.id_token, "a.b.c");
	ck_assert_int_eq(back.tokens.expires_in, 300);
	ck_assert_int_eq(back.tokens.refresh_expires_in, 1800);
	ck_assert_str_eq(back.user.family, "LEFÈVRE");
	ck_assert_str_eq(back.user.given, "Hélène");
	ck_assert_str_eq(back.user.speciality, "SM26");
	ck_assert_str_eq(back.user.acr, "eidas1");

	/* an error, with a line break in its message (sanitised) */
	memset(&r, 0, sizeof r);
	r.rc = r.err.kind = PSC_ERR_DENIED;
	snprintf(r.err.code, sizeof r.err.code, "access_denied");
	snprintf(r.err.message, sizeof r.err.message, "Connexion refusée\nsur l'application");
	kv_out_init(&o, 1);
	ck_assert_int_eq(psc_reply_format(&r, &o), 0);
	ck_assert_int_eq(psc_reply_parse(o.buf, &back), PSC_ERR_DENIED);
	kv_out_free(&o);
	ck_assert_str_eq(back.err.code, "access_denied");
	ck_assert_str_eq(back.err.message, "Connexion refusée sur l'application");
	ck_assert_str_eq(back.tokens.access_token, "");

	/* a logout */
	memset(&r, 0, sizeof r);
	kv_out_init(&o, 1);
	ck_assert_int_eq(psc_reply_format(&r, &o), 0);
	ck_assert_int_eq(psc_reply_parse(o.buf, &back), PSC_OK);
	kv_out_free(&o);
}
END_TEST

START_TEST(wire_reply_unreadable)
{
	struct psc_reply r;
	static const char *const bad[] = {
		"",
		"rc: 0\n",                                       /* no end */
		"rc: 1\nend: \n",                                /* positive */
		"rc: -99\nend: \n",                              /* unknown kind */
		"rc: zero\nend: \n",
		"rc: 0\nend: \n",                                /* success without anything */
		"rc: 0\naccess_token: x\nexpires_in: 300\nend: \n",   /* no identity */
		"rc: 0\naccess_token: x\nnational_id: 1\nend: \n",    /* no lifetime */
		"rc: 0\nsigned_out: 1\naccess_token: x\nend: \n",
		"garbage\n\n\n",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(psc_reply_parse(bad[i], &r) == PSC_ERR_PARSE, "case %zu", i);
		ck_assert_ptr_nonnull(strstr(r.err.message, "illisible"));
		ck_assert_str_eq(r.tokens.access_token, "");
	}
	ck_assert_str_eq(psc_error_kind_name(PSC_ERR_EXPIRED), "expire");
	ck_assert_str_eq(psc_error_kind_name(PSC_ERR_DENIED), "refus");
}
END_TEST

/* ---------------------------------------------------------------- JSON answers */

#define DISCOVERY_OK                                                                   \
	"{\"issuer\":\"https://h/psc\",\"token_endpoint\":\"https://h/psc/token\","   \
	"\"userinfo_endpoint\":\"https://h/psc/userinfo\","                            \
	"\"end_session_endpoint\":\"https://h/psc/logout\","                           \
	"\"backchannel_authentication_endpoint\":\"https://h/psc/ciba\","              \
	"\"backchannel_token_delivery_modes_supported\":[\"poll\",\"ping\"]}"

static int parse_discovery(const char *json, struct psc_endpoints *ep)
{
	return psc_parse_discovery(json, strlen(json), ep, &e);
}

START_TEST(discovery_ok)
{
	struct psc_endpoints ep;

	ck_assert_int_eq(parse_discovery(DISCOVERY_OK, &ep), PSC_OK);
	ck_assert_str_eq(ep.token, "https://h/psc/token");
	ck_assert_str_eq(ep.userinfo, "https://h/psc/userinfo");
	ck_assert_str_eq(ep.end_session, "https://h/psc/logout");
	ck_assert_str_eq(ep.ciba, "https://h/psc/ciba");
	/* push only: no CIBA for a terminal, the rest stays usable */
	ck_assert_int_eq(parse_discovery("{\"token_endpoint\":\"https://h/t\",\"userinfo_endpoint\":"
					 "\"https://h/u\",\"backchannel_authentication_endpoint\":"
					 "\"https://h/c\",\"backchannel_token_delivery_modes_supported\":"
					 "[\"push\"]}", &ep), PSC_OK);
	ck_assert_str_eq(ep.ciba, "");
	ck_assert_str_eq(ep.end_session, "");
}
END_TEST

START_TEST(discovery_bad)
{
	struct psc_endpoints ep;
	static const char *const bad[] = {
		"",
		"[]",
		"{",
		"null",
		"{\"token_endpoint\":\"https://h/t\"}",                              /* no userinfo */
		"{\"token_endpoint\":\"http://h/t\",\"userinfo_endpoint\":\"https://h/u\"}",
		"{\"token_endpoint\":\"https://h/t\",\"userinfo_endpoint\":\"https://h/u\","
		"\"backchannel_authentication_endpoint\":\"file:///etc/passwd\"}",
		"{\"token_endpoint\":12,\"userinfo_endpoint\":\"https://h/u\"}",
		"{\"token_endpoint\":\"https://h/t\",\"userinfo_endpoint\":\"https://h/u\","
		"\"token_endpoint\":\"https://evil/t\"}",                            /* duplicate */
		"{\"token_endpoint\":\"https://h/t x\",\"userinfo_endpoint\":\"https://h/u\"}",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(parse_discovery(bad[i], &ep) == PSC_ERR_PARSE, "case %zu", i);
		ck_assert_str_eq(ep.token, "");
		ck_assert_int_ne(e.message[0], 0);
	}
}
END_TEST

static int token(long status, const char *json, struct psc_tokens *t)
{
	return psc_parse_token_answer(status, json, strlen(json), t, &e);
}

/* n nested arrays around the value of token_endpoint */
static char *deep_json(size_t n)
{
	char *s = malloc(2 * n + 64), *p = s;

	p += sprintf(p, "{\"token_endpoint\":");
	memset(p, '[', n);
	p += n;
	memset(p, ']', n);
	p += n;
	strcpy(p, "}");
	return s;
}

START_TEST(hostile_json)
{
	struct psc_endpoints ep;
	struct psc_tokens t;
	struct psc_user u;
	char *deep = deep_json(100000), *huge;
	size_t n = PSC_MAX_BODY + 10;

	ck_assert_int_eq(parse_discovery(deep, &ep), PSC_ERR_PARSE);
	ck_assert_int_eq(psc_parse_token_answer(200, deep, strlen(deep), &t, &e), PSC_ERR_PARSE);
	ck_assert_int_eq(psc_parse_userinfo(deep, strlen(deep), "application/json", &u, &e),
			 PSC_ERR_PARSE);
	free(deep);
	/* a string over the body limit */
	huge = malloc(n + 64);
	strcpy(huge, "{\"access_token\":\"");
	memset(huge + strlen(huge), 'a', n);
	strcpy(huge + 17 + n, "\"}");
	ck_assert_int_eq(psc_parse_token_answer(200, huge, strlen(huge), &t, &e), PSC_ERR_PARSE);
	ck_assert_str_eq(t.access_token, "");
	/* within the limit but over the token size */
	strcpy(huge + 17 + PSC_TOKEN_MAX, "\",\"token_type\":\"Bearer\"}");
	ck_assert_int_eq(psc_parse_token_answer(200, huge, strlen(huge), &t, &e), PSC_ERR_PARSE);
	ck_assert_str_eq(t.access_token, "");
	free(huge);
	/* NUL inside a string */
	ck_assert_int_eq(token(200, "{\"access_token\":\"a\\u0000b\"}", &t), PSC_ERR_PARSE);
	/* binary garbage */
	ck_assert_int_eq(psc_parse_token_answer(200, "\xff\xfe{\x01", 4, &t, &e), PSC_ERR_PARSE);
}
END_TEST

START_TEST(ciba_answer)
{
	struct psc_ciba_answer a;
	const char *ok = "{\"auth_req_id\":\"1c266114-a1be-4252-8ad1-04986c5b9ac1\","
			 "\"expires_in\":120,\"interval\":2}";
	const char *no_interval = "{\"auth_req_id\":\"abc\",\"expires_in\":60}";

	ck_assert_int_eq(psc_parse_ciba_answer(200, ok, strlen(ok), &a, &e), PSC_OK);
	ck_assert_str_eq(a.auth_req_id, "1c266114-a1be-4252-8ad1-04986c5b9ac1");
	ck_assert_int_eq(a.expires_in, 120);
	ck_assert_int_eq(a.interval, 2);
	ck_assert_int_eq(psc_parse_ciba_answer(200, no_interval, strlen(no_interval), &a, &e),
			 PSC_OK);
	ck_assert_int_eq(a.interval, 5);
}
END_TEST

START_TEST(ciba_answer_errors)
{
	struct psc_ciba_answer a;
	const char *unknown = "{\"error\":\"unknown_user_id\",\"error_description\":\"x\"}";
	const char *client = "{\"error\":\"invalid_client\"}";
	const char *other = "{\"error\":\"invalid_binding_message\",\"error_description\":"
			    "\"\\u001b[2Jdeux chiffres\"}";
	const char *html = "<html>Bad Gateway</html>";
	static const char *const bad[] = {
		"{\"expires_in\":120}",
		"{\"auth_req_id\":\"has space\",\"expires_in\":120}",
		"{\"auth_req_id\":\"x\",\"expires_in\":\"120\"}",
		"{\"auth_req_id\":\"x\",\"expires_in\":0}",
		"{\"auth_req_id\":\"x\",\"expires_in\":-5}",
		"{\"auth_req_id\":\"x\",\"expires_in\":120,\"interval\":100000}",
		"{\"auth_req_id\":\"x\",\"expires_in\":1e400}",
	};

	ck_assert_int_eq(psc_parse_ciba_answer(400, unknown, strlen(unknown), &a, &e),
			 PSC_ERR_PROTOCOL);
	ck_assert_str_eq(e.code, "unknown_user_id");
	ck_assert_int_eq(psc_parse_ciba_answer(401, client, strlen(client), &a, &e),
			 PSC_ERR_PROTOCOL);
	ck_assert_ptr_nonnull(strstr(e.message, "client_secret"));
	ck_assert_int_eq(psc_parse_ciba_answer(400, other, strlen(other), &a, &e),
			 PSC_ERR_PROTOCOL);
	ck_assert_ptr_null(strchr(e.message, '\x1b'));        /* no escape reaches a screen */
	ck_assert_ptr_nonnull(strstr(e.message, "deux chiffres"));
	ck_assert_int_eq(psc_parse_ciba_answer(502, html, strlen(html), &a, &e), PSC_ERR_HTTP);
	ck_assert_ptr_nonnull(strstr(e.message, "502"));
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(psc_parse_ciba_answer(200, bad[i], strlen(bad[i]), &a, &e) ==
			      PSC_ERR_PARSE, "case %zu", i);
		ck_assert_str_eq(a.auth_req_id, "");
	}
}
END_TEST

START_TEST(token_answers)
{
	struct psc_tokens t;

	ck_assert_int_eq(token(200, "{\"access_token\":\"A1\",\"expires_in\":300,"
				    "\"refresh_expires_in\":1800,\"refresh_token\":\"R1\","
				    "\"token_type\":\"bearer\",\"id_token\":\"h.p.s\","
				    "\"not-before-policy\":0,\"scope\":\"openid scope_all\"}", &t),
			 PSC_OK);
	ck_assert_str_eq(t.access_token, "A1");
	ck_assert_str_eq(t.refresh_token, "R1");
	ck_assert_str_eq(t.id_token, "h.p.s");
	ck_assert_int_eq(t.expires_in, 300);
	ck_assert_int_eq(t.refresh_expires_in, 1800);
	/* minimal answer: lifetime defaults, no refresh */
	ck_assert_int_eq(token(200, "{\"access_token\":\"A2\"}", &t), PSC_OK);
	ck_assert_int_eq(t.expires_in, 300);
	ck_assert_str_eq(t.refresh_token, "");

	ck_assert_int_eq(token(400, "{\"error\":\"authorization_pending\"}", &t), PSC_POLL_PENDING);
	ck_assert_int_eq(token(400, "{\"error\":\"slow_down\"}", &t), PSC_POLL_SLOW_DOWN);
	ck_assert_int_eq(token(400, "{\"error\":\"access_denied\"}", &t), PSC_ERR_DENIED);
	ck_assert_int_eq(token(400, "{\"error\":\"expired_token\"}", &t), PSC_ERR_EXPIRED);
	ck_assert_int_eq(token(400, "{\"error\":\"invalid_grant\"}", &t), PSC_ERR_EXPIRED);
	ck_assert_int_eq(token(400, "{\"error\":\"invalid_scope\"}", &t), PSC_ERR_PROTOCOL);
	ck_assert_str_eq(e.code, "invalid_scope");
	ck_assert_int_eq(token(500, "<h1>500</h1>", &t), PSC_ERR_HTTP);
	ck_assert_int_eq(token(503, "", &t), PSC_ERR_HTTP);
	ck_assert_int_eq(token(400, "{\"error\":\"bad code\"}", &t), PSC_ERR_HTTP);
}
END_TEST

START_TEST(token_answers_bad)
{
	struct psc_tokens t;
	static const char *const bad[] = {
		"{}",
		"{\"access_token\":\"\"}",
		"{\"access_token\":42}",
		"{\"access_token\":\"a b\"}",
		"{\"access_token\":\"a\\nb\"}",
		"{\"access_token\":\"é\"}",
		"{\"access_token\":\"A\",\"refresh_token\":[]}",
		"{\"access_token\":\"A\",\"expires_in\":\"300\"}",
		"{\"access_token\":\"A\",\"expires_in\":99999999999}",
		"{\"access_token\":\"A\",\"refresh_expires_in\":-1}",
		"{\"access_token\":\"A\"",
		"{\"access_token\":\"A\"} trailing",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(token(200, bad[i], &t) == PSC_ERR_PARSE, "case %zu", i);
		ck_assert_str_eq(t.access_token, "");
	}
	ck_assert_int_eq(token(200, "{\"access_token\":\"A\",\"token_type\":\"mac\"}", &t),
			 PSC_ERR_PROTOCOL);
	ck_assert_str_eq(t.access_token, "");
}
END_TEST

/* Shaped like the ANS sandbox fixtures (research cards-psc-dmp.md 3.4). */
#define USERINFO_ANS                                                                      \
	"{\"Secteur_Activite\":\"SA07^1.2.250.1.71.4.2.4\",\"sub\":"                      \
	"\"f:550dc1c8-d97b-4b1e-ac8c-8eb4471cf9dd:899700218896\",\"email_verified\":false," \
	"\"SubjectOrganization\":\"CABINET M SPECIALISTE0021889\",\"preferred_username\":" \
	"\"899700218896\",\"given_name\":\"ROBERT\",\"SubjectRefPro\":{\"codeCivilite\":"  \
	"\"M\",\"exercices\":[{\"codeProfession\":\"10\",\"nomDexercice\":"               \
	"\"SPECIALISTE0021889\",\"prenomDexercice\":\"ROBERT\",\"codeTypeSavoirFaire\":"  \
	"\"S\",\"codeSavoirFaire\":\"SM26\",\"activities\":[]},{\"codeProfession\":"      \
	"\"40\"}]},\"SubjectRole\":[\"10^1.2.250.1.213.1.1.5.5\"],\"SubjectNameID\":"     \
	"\"899700218896\",\"family_name\":\"SPECIALISTE0021889\"}"

static int userinfo(const char *json, const char *type, struct psc_user *u)
{
	return psc_parse_userinfo(json, strlen(json), type, u, &e);
}

START_TEST(userinfo_ans)
{
	struct psc_user u;

	ck_assert_int_eq(userinfo(USERINFO_ANS, "application/json", &u), PSC_OK);
	ck_assert_str_eq(u.national_id, "899700218896");
	ck_assert_str_eq(u.family, "SPECIALISTE0021889");
	ck_assert_str_eq(u.given, "ROBERT");
	ck_assert_str_eq(u.profession, "10");   /* the first exercice */
	ck_assert_str_eq(u.speciality, "SM26");
	ck_assert_str_eq(u.acr, "");
}
END_TEST

START_TEST(userinfo_variants)
{
	struct psc_user u;
	/* SubjectRefPro serialised in a string, names only in the exercice, numeric code */
	const char *as_string = "{\"SubjectNameID\":\"889900000001\",\"acr\":\"eidas1\","
				"\"SubjectRefPro\":\"{\\\"exercices\\\":[{\\\"codeProfession\\\":10,"
				"\\\"nomDexercice\\\":\\\"MARTIN\\\",\\\"prenomDexercice\\\":"
				"\\\"Jeanne\\\"}]}\"}";
	/* terminal escapes and C1 controls in names are neutralised */
	const char *escapes = "{\"SubjectNameID\":\"1\",\"family_name\":\"A\\u001b[2JB\","
			      "\"given_name\":\"C\\u009bD\\u007f\"}";

	ck_assert_int_eq(userinfo(as_string, "application/json; charset=utf-8", &u), PSC_OK);
	ck_assert_str_eq(u.family, "MARTIN");
	ck_assert_str_eq(u.given, "Jeanne");
	ck_assert_str_eq(u.profession, "10");
	ck_assert_str_eq(u.speciality, "");
	ck_assert_str_eq(u.acr, "eidas1");
	ck_assert_int_eq(userinfo(escapes, NULL, &u), PSC_OK);
	ck_assert_str_eq(u.family, "A [2JB");
	ck_assert_str_eq(u.given, "C  D ");
}
END_TEST

START_TEST(userinfo_jwt)
{
	struct psc_user u;
	/* header.payload.signature, payload {"SubjectNameID":"889900000001","family_name":"MARTIN"} */
	const char *jwt = "eyJhbGciOiJSUzI1NiJ9.eyJTdWJqZWN0TmFtZUlEIjoiODg5OTAwMDAwMDAxIiwiZmFtaWx5"
			  "X25hbWUiOiJNQVJUSU4ifQ.c2ln";

	ck_assert_int_eq(userinfo(jwt, "application/jwt", &u), PSC_OK);
	ck_assert_str_eq(u.national_id, "889900000001");
	ck_assert_str_eq(u.family, "MARTIN");
	ck_assert_int_eq(userinfo("not-a-jwt", "application/jwt", &u), PSC_ERR_PARSE);
	ck_assert_int_eq(userinfo("a.!!!!.c", "application/jwt", &u), PSC_ERR_PARSE);
	ck_assert_int_eq(userinfo("a.eyJ.c", "application/jwt", &u), PSC_ERR_PARSE);
}
END_TEST

START_TEST(userinfo_bad)
{
	struct psc_user u;
	char long_name[400];
	size_t k;
	static const char *const bad[] = {
		"{\"family_name\":\"MARTIN\"}",                                   /* no id */
		"{\"SubjectNameID\":\"\",\"family_name\":\"MARTIN\"}",
		"{\"SubjectNameID\":\"8899/../1\",\"family_name\":\"MARTIN\"}",
		"{\"SubjectNameID\":\"1234567890123456789012345678901234\",\"family_name\":\"M\"}",
		"{\"SubjectNameID\":889900000001,\"family_name\":\"MARTIN\"}",
		"{\"SubjectNameID\":\"1\"}",                                      /* no name */
		"{\"SubjectNameID\":\"1\",\"family_name\":[\"MARTIN\"]}",
		"{\"SubjectNameID\":\"1\",\"family_name\":\"M\",\"SubjectRefPro\":{\"exercices\":"
		"[{\"codeProfession\":\"10 0\"}]}}",
		"{\"SubjectNameID\":\"1\",\"family_name\":\"M\",\"SubjectRefPro\":{\"exercices\":"
		"[{\"codeSavoirFaire\":\"SM123456789012345678\"}]}}",
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(userinfo(bad[i], "application/json", &u) == PSC_ERR_PARSE, "case %zu", i);
		ck_assert_str_eq(u.national_id, "");
	}
	snprintf(long_name, sizeof long_name, "{\"SubjectNameID\":\"1\",\"family_name\":\"");
	k = strlen(long_name);
	memset(long_name + k, 'N', 200);
	long_name[k + 200] = 0;
	strcat(long_name, "\"}");
	ck_assert_int_eq(userinfo(long_name, "application/json", &u), PSC_ERR_PARSE);
	/* a deep SubjectRefPro string is refused by the nesting cap */
	{
		char *deep = deep_json(5000), *wrapped = malloc(strlen(deep) * 2 + 128);
		char *p = wrapped;
		p += sprintf(p, "{\"SubjectNameID\":\"1\",\"family_name\":\"M\",\"SubjectRefPro\":\"");
		for (const char *q = deep; *q; q++) {
			if (*q == '"')
				*p++ = '\\';
			*p++ = *q;
		}
		strcpy(p, "\"}");
		ck_assert_int_eq(userinfo(wrapped, "application/json", &u), PSC_OK);
		ck_assert_str_eq(u.profession, "");   /* unreadable SubjectRefPro: no exercice */
		free(deep);
		free(wrapped);
	}
}
END_TEST

START_TEST(id_token_acr)
{
	char acr[32];
	/* {"alg":"none"} . {"acr":"eidas1","sub":"x"} . (no signature checked) */
	const char *tok = "eyJhbGciOiJub25lIn0.eyJhY3IiOiJlaWRhczEiLCJzdWIiOiJ4In0.x";
	/* {"sub":"x"} */
	const char *no_acr = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.x";

	ck_assert_int_eq(psc_id_token_acr(tok, acr, sizeof acr), 0);
	ck_assert_str_eq(acr, "eidas1");
	ck_assert_int_eq(psc_id_token_acr(no_acr, acr, sizeof acr), -1);
	ck_assert_str_eq(acr, "");
	ck_assert_int_eq(psc_id_token_acr("", acr, sizeof acr), -1);
	ck_assert_int_eq(psc_id_token_acr("abc", acr, sizeof acr), -1);
	ck_assert_int_eq(psc_id_token_acr("a..c", acr, sizeof acr), -1);
	ck_assert_int_eq(psc_id_token_acr("a.e.c", acr, sizeof acr), -1);   /* 1 char: no byte */
}
END_TEST

/* ---------------------------------------------------------------- form encoding */

START_TEST(form_encoding)
{
	const char *pairs[] = {
		"scope", "openid scope_all",
		"acr_values", NULL,                          /* left out */
		"login_hint", "889900000001",
		"binding_message", "42",
		"x", "a&b=c/é+%~*-._",
		NULL,
	};
	const char *empty[] = { NULL };
	char *s = psc_form_encode(pairs);

	ck_assert_str_eq(s, "scope=openid+scope_all&login_hint=889900000001&binding_message=42"
			    "&x=a%26b%3Dc%2F%C3%A9%2B%25%7E*-._");
	free(s);
	s = psc_form_encode(empty);
	ck_assert_str_eq(s, "");
	free(s);
}
END_TEST

/* ---------------------------------------------------------------- psc_run without network */

static void base_request(struct psc_request *rq, enum psc_op op)
{
	memset(rq, 0, sizeof *rq);
	rq->op = op;
	fill_config(&rq->cfg);
	rq->cfg.ca_file[0] = 0;
	rq->cfg.connect_timeout_ms = 1000;
	rq->cfg.timeout_ms = 1000;
	snprintf(rq->login_hint, sizeof rq->login_hint, "889900000001");
	snprintf(rq->binding_message, sizeof rq->binding_message, "42");
}

START_TEST(run_refuses_bad_requests)
{
	struct psc_request rq;
	struct psc_reply r;

	base_request(&rq, PSC_OP_CIBA);
	snprintf(rq.cfg.issuer, sizeof rq.cfg.issuer, "http://localhost/psc");
	ck_assert_int_eq(psc_run(&rq, NULL, NULL, &r), PSC_ERR_CONFIG);
	ck_assert_ptr_nonnull(strstr(r.err.message, "[psc] emetteur"));
	base_request(&rq, PSC_OP_CIBA);
	rq.cfg.client_id[0] = 0;
	ck_assert_int_eq(psc_run(&rq, NULL, NULL, &r), PSC_ERR_CONFIG);
	base_request(&rq, PSC_OP_CIBA);
	snprintf(rq.login_hint, sizeof rq.login_hint, "88 99");
	ck_assert_int_eq(psc_run(&rq, NULL, NULL, &r), PSC_ERR_CONFIG);
	base_request(&rq, PSC_OP_CIBA);
	snprintf(rq.binding_message, sizeof rq.binding_message, "421");
	ck_assert_int_eq(psc_run(&rq, NULL, NULL, &r), PSC_ERR_CONFIG);
	base_request(&rq, PSC_OP_REFRESH);
	ck_assert_int_eq(psc_run(&rq, NULL, NULL, &r), PSC_ERR_EXPIRED);
	base_request(&rq, PSC_OP_CIBA);
	snprintf(rq.cfg.ca_file, sizeof rq.cfg.ca_file, "/nonexistent/ca.pem");
	ck_assert_int_eq(psc_run(&rq, NULL, NULL, &r), PSC_ERR_CONFIG);
	ck_assert_int_eq(r.rc, PSC_ERR_CONFIG);
	ck_assert_str_eq(r.tokens.access_token, "");
}
END_TEST

START_TEST(run_unreachable)
{
	struct psc_request rq;
	struct psc_reply r;

	base_request(&rq, PSC_OP_CIBA);
	/* port 1 on loopback: refused at once */
	snprintf(rq.cfg.issuer, sizeof rq.cfg.issuer, "https://127.0.0.1:1/psc");
	ck_assert_int_eq(psc_run(&rq, NULL, NULL, &r), PSC_ERR_CONNECT);
	ck_assert_ptr_nonnull(strstr(r.err.message, "Pro Santé Connect"));
}
END_TEST

/* ---------------------------------------------------------------- session */

static struct psc_user demo_user(void)
{
	struct psc_user u;

	memset(&u, 0, sizeof u);
	snprintf(u.national_id, sizeof u.national_id, "889900000001");
	snprintf(u.family, sizeof u.family, "MARTIN");
	snprintf(u.given, sizeof u.given, "Jeanne");
	snprintf(u.profession, sizeof u.profession, "10");
	snprintf(u.speciality, sizeof u.speciality, "SM54");
	return u;
}

START_TEST(session_actor)
{
	struct psc_user u = demo_user();
	struct psc_session_info info;
	struct dmp_actor a;

	psc_session_clear();
	ck_assert_int_eq(psc_session_actor(&a), -1);
	psc_session_set_for_tests(&u, 300);
	psc_session_info(&info);
	ck_assert_int_eq(info.state, PSC_STATE_SIGNED_IN);
	ck_assert_str_eq(info.user.family, "MARTIN");
	ck_assert_int_ge(info.expires_at, time(NULL) + 299);
	ck_assert_int_eq(psc_session_actor(&a), 0);
	ck_assert_str_eq(a.national_id, "889900000001");
	ck_assert_str_eq(a.family, "MARTIN");
	ck_assert_str_eq(a.given, "Jeanne");
	ck_assert_str_eq(a.profession, "10");
	ck_assert_str_eq(a.speciality, "SM54");
	ck_assert_str_eq(a.auth_mode, "INDIRECTE_RENFORCEE");
	ck_assert_str_eq(a.authn_class,
			 "urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorUnregistered");
	ck_assert_str_eq(a.access_mode, "normal");
	ck_assert_int_eq(psc_signout(NULL, 0, NULL), 0);
	psc_session_info(&info);
	ck_assert_int_eq(info.state, PSC_STATE_NONE);
	ck_assert_str_eq(info.user.national_id, "");
	ck_assert_int_eq(psc_session_actor(&a), -1);
	ck_assert_str_eq(a.national_id, "");
}
END_TEST

START_TEST(session_expiry)
{
	struct psc_user u = demo_user();
	struct psc_session_info info;
	struct dmp_actor a;
	time_t now = time(NULL);

	psc_session_set_for_tests(&u, 30);
	psc_session_tick(NULL, 0, NULL, now);             /* consume the change flag */
	ck_assert_int_eq(psc_session_tick(NULL, 0, NULL, now + 10), 0);
	psc_session_info(&info);
	ck_assert_int_eq(info.state, PSC_STATE_SIGNED_IN);
	/* no refresh token: nothing to post, the session ends at expiry */
	ck_assert_int_eq(psc_session_tick(NULL, 0, NULL, now + 31), 1);
	psc_session_info(&info);
	ck_assert_int_eq(info.state, PSC_STATE_FAILED);
	ck_assert_ptr_nonnull(strstr(info.message, "expirée"));
	ck_assert_str_eq(info.user.national_id, "");
	ck_assert_int_eq(psc_session_actor(&a), -1);
	/* already expired when set */
	psc_session_set_for_tests(&u, 0);
	ck_assert_int_eq(psc_session_actor(&a), -1);
	psc_session_clear();
}
END_TEST

START_TEST(session_signin_refused_locally)
{
	struct psc_config cfg;
	char binding[8], err[200];

	fill_config(&cfg);
	ck_assert_int_eq(psc_signin_start(NULL, 1, &cfg, "", binding, err, sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "[psc] identifiant"));
	ck_assert_int_eq(psc_signin_start(NULL, 1, &cfg, "8899;rm", binding, err, sizeof err), -1);
	cfg.issuer[0] = 0;
	ck_assert_int_eq(psc_signin_start(NULL, 1, &cfg, "889900000001", binding, err,
					  sizeof err), -1);
	ck_assert_ptr_nonnull(strstr(err, "[psc] emetteur"));
}
END_TEST

/* --- with workers, a store and a stand-in for vigie-net (a shell script) --- */

static char dir[64], db_path[128], helper[128], req_log[128];

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Answers by login_hint like vigie-net would after talking to PSC; logs each request's op and
 * binding message (never tokens) so the test sees what the session asked. */
static const char helper_script[] =
	"#!/bin/sh\n"
	"req=$(cat)\n"
	"get() { printf '%s\\n' \"$req\" | sed -n \"s/^$1: //p\"; }\n"
	"echo \"$(get op) $(get login_hint) $(get binding_message) "
	"refresh=$(get refresh_token | cut -c1-14)\" >> \"$(dirname \"$0\")/requests.log\"\n"
	"case \"$(get op)\" in logout) printf 'rc: 0\\nsigned_out: 1\\nend: \\n'; exit 0;; esac\n"
	"case \"$(get login_hint)\" in\n"
	"889900000001)\n"
	"  n=$(grep -c . \"$(dirname \"$0\")/requests.log\")\n"
	"  printf 'rc: 0\\naccess_token: SECRET-ACCESS-%s\\nrefresh_token: SECRET-REFRESH-%s\\n"
	"id_token: SECRET-ID-%s\\nexpires_in: 4\\nrefresh_expires_in: 600\\n"
	"national_id: 889900000001\\nfamily: MARTIN\\ngiven: Jeanne\\nprofession: 10\\n"
	"speciality: SM54\\nuser_acr: eidas1\\nend: \\n' $n $n $n;;\n"
	"889900000002)\n"
	"  printf 'rc: -6\\nerror_kind: refus\\nerror_code: access_denied\\n"
	"error_message: Connexion refusée sur l’application e-CPS\\nend: \\n';;\n"
	"889900000003) exec sleep 30;;\n"
	"889900000004) printf 'rc: 0\\nend: \\n';;\n"
	"esac\n";

static void session_setup(void)
{
	struct store *st = NULL;
	char err[256];
	FILE *f;

	snprintf(dir, sizeof dir, "/tmp/vigie-test-psc-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(db_path, sizeof db_path, "%s/cabinet.db", dir);
	snprintf(helper, sizeof helper, "%s/vigie-net", dir);
	snprintf(req_log, sizeof req_log, "%s/requests.log", dir);
	f = fopen(helper, "w");
	ck_assert_ptr_nonnull(f);
	fputs(helper_script, f);
	fclose(f);
	chmod(helper, 0755);
	/* read once per process by net_remote_helper(): each test runs in its own fork */
	setenv("VIGIE_NET", helper, 1);
	ck_assert_int_eq(store_open(db_path, STORE_OPEN_CREATE, &st, err, sizeof err), 0);
	store_close(st);
	psc_session_clear();
}

static void session_teardown(void)
{
	psc_session_clear();
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static struct jobs *start_jobs(void)
{
	struct jobs *js = NULL;
	char err[256];

	ck_assert_int_eq(jobs_start(db_path, 2, "test", &js, err, sizeof err), 0);
	return js;
}

/* Waits (10 s at most) for the event of job id. */
static struct job_event wait_job(struct jobs *js, long long id)
{
	struct job_event ev[8];
	time_t end = time(NULL) + 10;

	while (time(NULL) < end) {
		struct pollfd p = { jobs_wake_fd(js), POLLIN, 0 };
		size_t n;
		poll(&p, 1, 100);
		n = jobs_take_events(js, ev, 8);
		for (size_t i = 0; i < n; i++)
			if (ev[i].job_id == id)
				return ev[i];
	}
	ck_abort_msg("job %lld did not end", id);
	return ev[0];
}

/* Bytes of a file contain needle? */
static int file_contains(const char *path, const char *needle)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long size;
	int found = 0;

	if (!f)
		return 0;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)size + 1);
	if (fread(buf, 1, (size_t)size, f) == (size_t)size)
		found = memmem(buf, (size_t)size, needle, strlen(needle)) != NULL;
	free(buf);
	fclose(f);
	return found;
}

static int store_contains(const char *needle)
{
	char path[160];

	snprintf(path, sizeof path, "%s-wal", db_path);
	return file_contains(db_path, needle) || file_contains(path, needle);
}

START_TEST(session_signin_refresh_signout)
{
	struct jobs *js = start_jobs();
	struct psc_session_info info;
	struct psc_config cfg;
	struct job_event ev;
	struct dmp_actor a;
	char binding[8], err[200], line[256];
	long long id;
	FILE *f;

	fill_config(&cfg);
	id = psc_signin_start(js, 7, &cfg, "889900000001", binding, err, sizeof err);
	ck_assert_int_gt(id, 0);
	ck_assert_uint_eq(strlen(binding), 2);
	ck_assert(binding[0] >= '0' && binding[0] <= '9' && binding[1] >= '0' && binding[1] <= '9');
	psc_session_info(&info);
	ck_assert(info.state == PSC_STATE_PENDING || info.state == PSC_STATE_SIGNED_IN);
	ev = wait_job(js, id);
	ck_assert_int_eq(ev.kind, 7);
	ck_assert_int_eq(ev.status, JOB_DONE);
	ck_assert_ptr_nonnull(strstr(ev.message, "Jeanne MARTIN"));
	psc_session_info(&info);
	ck_assert_int_eq(info.state, PSC_STATE_SIGNED_IN);
	ck_assert_str_eq(info.user.national_id, "889900000001");
	ck_assert_str_eq(info.binding, "");
	ck_assert_int_eq(info.job, 0);
	ck_assert_int_eq(psc_session_actor(&a), 0);

	/* expires_in 4: a refresh is due within half the lifetime */
	ck_assert_int_eq(psc_session_tick(js, 7, &cfg, time(NULL)), 1);   /* sign-in change */
	psc_session_info(&info);
	ck_assert_int_eq(info.job, 0);
	psc_session_tick(js, 7, &cfg, info.expires_at - 1);
	psc_session_info(&info);
	ck_assert_int_gt(info.job, 0);
	ev = wait_job(js, info.job);
	ck_assert_int_eq(ev.status, JOB_DONE);
	psc_session_info(&info);
	ck_assert_int_eq(info.state, PSC_STATE_SIGNED_IN);

	id = psc_signout(js, 7, &cfg);
	ck_assert_int_gt(id, 0);
	psc_session_info(&info);
	ck_assert_int_eq(info.state, PSC_STATE_NONE);
	ck_assert_int_eq(psc_session_actor(&a), -1);
	ev = wait_job(js, id);
	ck_assert_int_eq(ev.status, JOB_DONE);
	ck_assert_str_eq(ev.message, "Déconnecté de Pro Santé Connect");
	psc_session_info(&info);
	ck_assert_int_eq(info.state, PSC_STATE_NONE);   /* the logout reply changes nothing */
	jobs_stop(js);

	/* what the session asked, in order: the binding shown, then the refresh token held */
	f = fopen(req_log, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	ck_assert_int_eq(strncmp(line, "ciba 889900000001 ", 18), 0);
	ck_assert_int_eq(strncmp(line + 18, binding, 2), 0);
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	ck_assert_str_eq(line, "refresh 889900000001  refresh=SECRET-REFRESH\n");
	ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
	ck_assert_str_eq(line, "logout 889900000001  refresh=SECRET-REFRESH\n");
	fclose(f);

	/* audit rows were written, tokens were not */
	ck_assert(store_contains("psc-appel"));
	ck_assert(store_contains("889900000001"));
	ck_assert(!store_contains("SECRET-"));
	ck_assert(!store_contains("secret: with colon"));
}
END_TEST

START_TEST(session_denied)
{
	struct jobs *js = start_jobs();
	struct psc_session_info info;
	struct psc_config cfg;
	struct job_event ev;
	char binding[8], err[200];
	long long id;

	fill_config(&cfg);
	id = psc_signin_start(js, 7, &cfg, "889900000002", binding, err, sizeof err);
	ck_assert_int_gt(id, 0);
	ev = wait_job(js, id);
	ck_assert_int_eq(ev.status, JOB_FAILED);
	ck_assert_int_eq(ev.code, PSC_ERR_DENIED);
	ck_assert_ptr_nonnull(strstr(ev.message, "refusée"));
	psc_session_info(&info);
	ck_assert_int_eq(info.state, PSC_STATE_FAILED);
	ck_assert_ptr_nonnull(strstr(info.message, "e-CPS"));
	ck_assert_str_eq(info.binding, "");

	/* a success reply without tokens is not a sign-in */
	id = psc_signin_start(js, 7, &cfg, "889900000004", binding, err, sizeof err);
	ev = wait_job(js, id);
	ck_assert_int_eq(ev.status, JOB_FAILED);
	psc_session_info(&info);
	ck_assert_int_eq(info.state, PSC_STATE_FAILED);
	jobs_stop(js);
}
END_TEST

START_TEST(session_cancel_and_replace)
{
	struct jobs *js = start_jobs();
	struct psc_session_info info;
	struct psc_config cfg;
	struct job_event ev;
	char b1[8], b2[8], err[200];
	long long first, second;
	time_t t0 = time(NULL);

	fill_config(&cfg);
	/* the helper hangs for this one: a new sign-in cancels it (the helper is killed) */
	first = psc_signin_start(js, 7, &cfg, "889900000003", b1, err, sizeof err);
	ck_assert_int_gt(first, 0);
	usleep(200 * 1000);
	second = psc_signin_start(js, 7, &cfg, "889900000001", b2, err, sizeof err);
	ck_assert_int_gt(second, first);
	ev = wait_job(js, first);
	ck_assert_int_eq(ev.status, JOB_CANCELLED);
	ev = wait_job(js, second);
	ck_assert_int_eq(ev.status, JOB_DONE);
	ck_assert_int_lt(time(NULL) - t0, 5);
	psc_session_info(&info);
	ck_assert_int_eq(info.state, PSC_STATE_SIGNED_IN);   /* the late cancel changed nothing */

	/* cancelling a pending sign-in leaves a failed state, not "pending" forever */
	first = psc_signin_start(js, 7, &cfg, "889900000003", b1, err, sizeof err);
	usleep(200 * 1000);
	ck_assert_int_eq(jobs_cancel(js, first), 0);
	ev = wait_job(js, first);
	ck_assert_int_eq(ev.status, JOB_CANCELLED);
	psc_session_info(&info);
	ck_assert_int_eq(info.state, PSC_STATE_FAILED);
	ck_assert_ptr_nonnull(strstr(info.message, "interrompue"));
	jobs_stop(js);
}
END_TEST

static Suite *psc_suite(void)
{
	Suite *s = suite_create("psc");
	TCase *w = tcase_create("wire"), *j = tcase_create("json"), *r = tcase_create("run");
	TCase *ss = tcase_create("session"), *sj = tcase_create("session_jobs");

	tcase_add_test(w, wire_request_round_trip);
	tcase_add_test(w, wire_request_refused);
	tcase_add_test(w, wire_reply_round_trip);
	tcase_add_test(w, wire_reply_unreadable);
	suite_add_tcase(s, w);
	tcase_add_test(j, discovery_ok);
	tcase_add_test(j, discovery_bad);
	tcase_add_test(j, hostile_json);
	tcase_add_test(j, ciba_answer);
	tcase_add_test(j, ciba_answer_errors);
	tcase_add_test(j, token_answers);
	tcase_add_test(j, token_answers_bad);
	tcase_add_test(j, userinfo_ans);
	tcase_add_test(j, userinfo_variants);
	tcase_add_test(j, userinfo_jwt);
	tcase_add_test(j, userinfo_bad);
	tcase_add_test(j, id_token_acr);
	tcase_add_test(j, form_encoding);
	suite_add_tcase(s, j);
	tcase_add_test(r, run_refuses_bad_requests);
	tcase_add_test(r, run_unreachable);
	suite_add_tcase(s, r);
	tcase_add_test(ss, session_actor);
	tcase_add_test(ss, session_expiry);
	tcase_add_test(ss, session_signin_refused_locally);
	suite_add_tcase(s, ss);
	tcase_add_checked_fixture(sj, session_setup, session_teardown);
	tcase_set_timeout(sj, 30);
	tcase_add_test(sj, session_signin_refresh_signout);
	tcase_add_test(sj, session_denied);
	tcase_add_test(sj, session_cancel_and_replace);
	suite_add_tcase(s, sj);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(psc_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
