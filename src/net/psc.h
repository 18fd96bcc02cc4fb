/* Pro Santé Connect client (OpenID Connect CIBA in poll mode, refresh, userinfo, logout). */
#ifndef VIGIE_NET_PSC_H
#define VIGIE_NET_PSC_H

#include <stddef.h>
#include "core/psc_types.h"
#include "core/psc_wire.h"

/* Addresses read from <issuer>/.well-known/wallet-openid-configuration (all https). */
struct psc_endpoints {
	char ciba[512];            /* backchannel_authentication_endpoint ("" if absent) */
	char token[512];
	char userinfo[512];
	char end_session[512];     /* "" if absent */
};

/* Answer of the backchannel authentication endpoint. */
struct psc_ciba_answer {
	char auth_req_id[1024];
	long expires_in;           /* seconds */
	long interval;             /* seconds between polls (5 when not given) */
};

/* Non-final outcomes of a poll of the token endpoint (positive: keep polling). */
enum {
	PSC_POLL_PENDING = 1,      /* authorization_pending */
	PSC_POLL_SLOW_DOWN = 2,    /* slow_down: interval + 5 s */
};

/* The largest answer read from PSC; also the cap of parsed JSON texts. */
#define PSC_MAX_BODY (256 * 1024)

/* Parsers of the JSON answers. Each returns PSC_OK, or a negative psc_error_kind with e
 * filled in French (e may be NULL). status is the HTTP status of the answer. */
int psc_parse_discovery(const char *body, size_t len, struct psc_endpoints *ep,
			struct psc_error *e);
int psc_parse_ciba_answer(long status, const char *body, size_t len,
			  struct psc_ciba_answer *a, struct psc_error *e);
/* Token endpoint: PSC_OK with t filled, PSC_POLL_PENDING / PSC_POLL_SLOW_DOWN, or an error
 * (access_denied: PSC_ERR_DENIED, expired_token / invalid_grant: PSC_ERR_EXPIRED, other
 * OAuth errors: PSC_ERR_PROTOCOL with e->code). */
int psc_parse_token_answer(long status, const char *body, size_t len, struct psc_tokens *t,
			   struct psc_error *e);
/* Userinfo, as JSON or as a JWT (content type application/jwt). */
int psc_parse_userinfo(const char *body, size_t len, const char *content_type,
		       struct psc_user *u, struct psc_error *e);
/* The acr claim of an ID token (its payload, not verified: it comes straight from the token
 * endpoint over TLS, OpenID Connect Core 3.1.3.7). 0, or -1 when unreadable or absent. */
int psc_id_token_acr(const char *id_token, char *acr, size_t size);

/* application/x-www-form-urlencoded body of name/value pairs (NULL-terminated list: name,
 * value, name, value, ..., NULL). Pairs whose value is NULL are left out. malloc'd, NULL
 * when out of memory. */
char *psc_form_encode(const char *const *pairs);

/* Runs one request (CIBA sign-in, refresh or logout) and fills r (r->rc is returned).
 * stop (may be NULL) is polled during waits and transfers. */
int psc_run(const struct psc_request *rq, int (*stop)(void *), void *stop_ctx,
	    struct psc_reply *r);

/* "vigie-net psc": reads one psc_request (core/psc_wire.h) on stdin, performs it, writes one
 * psc_reply on stdout. Returns the process exit status (0, or 2 when the request is
 * unreadable). */
int psc_helper_main(void);

#endif
