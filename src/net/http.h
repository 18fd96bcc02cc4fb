/* HTTPS exchanges shared by the teleservice clients (INSi, DMP, Pro Santé Connect): libcurl
 * with TLS verification always on, client certificates, connect and total timeouts,
 * cooperative cancellation, body size limit, and transport errors said in French. */
#ifndef VIGIE_NET_HTTP_H
#define VIGIE_NET_HTTP_H

#include <stddef.h>

/* Transport error kinds: the same values as INSI_ERR_*, DMP_ERR_* and PSC_ERR_* 1 to 5. */
enum http_error_kind {
	HTTP_OK = 0,
	HTTP_ERR_CONFIG = -1,      /* address not https, files missing, bad certificate file */
	HTTP_ERR_CONNECT = -2,     /* refused, unreachable, unknown host, reset */
	HTTP_ERR_TIMEOUT = -3,
	HTTP_ERR_TLS = -4,
	HTTP_ERR_HTTP = -5,        /* never set by http_request itself: any status is returned */
	HTTP_ERR_CANCELLED = -9,   /* stop() returned nonzero */
	HTTP_ERR_TOO_BIG = -11,    /* answer over max_body */
};

/* How to reach a service; service and section name it in messages ("DMP", "[dmp]"). */
struct http_target {
	const char *service;       /* "INSi", "DMP", "Pro Santé Connect" */
	const char *section;       /* "insi", "dmp", "psc": messages say "([dmp] ca)" */
	const char *address_key;   /* key of the address in that section (NULL: "adresse") */
	const char *ca_file;       /* "" = system store */
	const char *cert_file;     /* "" = no client certificate */
	const char *cert_type;     /* "PEM", "P12" or "" (from the file name) */
	const char *key_file;
	const char *key_password;
	int connect_timeout_ms;    /* <= 0: 5 s */
	int timeout_ms;            /* <= 0: 20 s */
	size_t max_body;           /* answer size limit (0: 1 MiB) */
	int (*stop)(void *ctx);    /* may be NULL */
	void *stop_ctx;
};

struct http_response {
	long status;
	char *body;                /* malloc'd, NUL-terminated (free with http_response_free) */
	size_t len;
	char content_type[256];
};

/*
 * One request: method "GET" or "POST" (body/len for POST; content_type may be NULL), extra
 * headers NULL-terminated (may be NULL), basic_user/basic_password for HTTP Basic (NULL:
 * none). url must be https:// (HTTP_ERR_CONFIG otherwise). Returns HTTP_OK with resp filled
 * whatever the HTTP status, or a negative http_error_kind with a French message in msg.
 */
int http_request(const struct http_target *t, const char *method, const char *url,
		 const char *const *headers, const char *content_type, const char *body,
		 size_t len, const char *basic_user, const char *basic_password,
		 struct http_response *resp, char *msg, size_t msgsize);
void http_response_free(struct http_response *resp);

/* Checks done before any request: https address, readable files. 0 or HTTP_ERR_CONFIG. */
int http_check_target(const struct http_target *t, const char *url, char *msg,
		      size_t msgsize);

/* " : erreur interne du serveur", " : adresse introuvable (vérifiez [dmp] adresse)"... to
 * follow "a répondu par une erreur HTTP N"; "" for a status without a hint. Returns buf. */
const char *http_status_hint(const struct http_target *t, long status, char *buf, size_t size);

/* curl_global_init / cleanup, once per process. */
void http_global_init(void);
void http_global_cleanup(void);

#endif
