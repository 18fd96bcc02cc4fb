/* Pro Santé Connect data exchanged between the UI process and the network helper:
 * configuration, tokens, the authenticated professional, errors. */
#ifndef VIGIE_CORE_PSC_TYPES_H
#define VIGIE_CORE_PSC_TYPES_H

/* Configuration [psc]. ANS requires an editor-side server between the client and PSC: issuer
 * is that server's address in production, vigie-sim's in the demo and tests. */
struct psc_config {
	char issuer[512];          /* discovery at <issuer>/.well-known/wallet-openid-configuration */
	char client_id[128];
	char client_secret[256];   /* HTTP Basic on the CIBA and token endpoints (never logged) */
	char ca_file[1024];
	char cert_file[1024];      /* optional mutual TLS */
	char key_file[1024];
	char scope[128];           /* "openid scope_all" */
	char acr[32];              /* "eidas1" */
	char channel[16];          /* "MOBILE" (e-CPS) or "CARD" */
	int connect_timeout_ms;
	int timeout_ms;            /* one HTTP exchange */
	int max_wait_s;            /* how long a CIBA sign-in may wait for approval */
};

#define PSC_TOKEN_MAX 8192

struct psc_tokens {
	char access_token[PSC_TOKEN_MAX];
	char refresh_token[PSC_TOKEN_MAX];
	char id_token[PSC_TOKEN_MAX];
	long expires_in;           /* seconds, from the token answer */
	long refresh_expires_in;   /* 0 when not given */
};

/* The professional, from userinfo. */
struct psc_user {
	char national_id[32];      /* SubjectNameID, e.g. 899700218896 */
	char family[101];
	char given[101];
	char profession[8];        /* SubjectRefPro exercices[0].codeProfession */
	char speciality[16];       /* codeSavoirFaire */
	char acr[32];              /* acr of the ID token or answer, e.g. eidas1 */
};

enum psc_error_kind {
	PSC_OK = 0,
	PSC_ERR_CONFIG = -1,
	PSC_ERR_CONNECT = -2,
	PSC_ERR_TIMEOUT = -3,      /* the HTTP exchange, or nobody approved in time */
	PSC_ERR_TLS = -4,
	PSC_ERR_HTTP = -5,
	PSC_ERR_DENIED = -6,       /* access_denied: the professional refused */
	PSC_ERR_EXPIRED = -7,      /* expired_token: the request or the refresh token expired */
	PSC_ERR_PARSE = -8,        /* malformed or unexpected JSON */
	PSC_ERR_CANCELLED = -9,
	PSC_ERR_PROTOCOL = -10,    /* any other OAuth error (invalid_client...): code kept */
};

struct psc_error {
	int kind;
	char code[64];             /* OAuth error code when there is one */
	char message[320];         /* French */
};

#endif
