/* Pro Santé Connect requests and replies exchanged with vigie-net ("vigie-net psc"), as
 * "key: value" lines (core/kv.h). Tokens cross the pipe and live in memory only. */
#ifndef VIGIE_CORE_PSC_WIRE_H
#define VIGIE_CORE_PSC_WIRE_H

#include "core/kv.h"
#include "core/psc_types.h"

enum psc_op {
	PSC_OP_NONE = 0,
	PSC_OP_CIBA,         /* discovery, backchannel authentication, poll, then userinfo */
	PSC_OP_REFRESH,      /* refresh_token grant, then userinfo */
	PSC_OP_LOGOUT,       /* end_session with id_token_hint (best effort) */
};

struct psc_request {
	enum psc_op op;
	struct psc_config cfg;
	char login_hint[32];       /* CIBA: national id of the professional */
	char binding_message[8];   /* CIBA: the 2 digits shown on screen */
	char refresh_token[PSC_TOKEN_MAX];
	char id_token[PSC_TOKEN_MAX];
};

struct psc_reply {
	int rc;                    /* PSC_OK or a negative psc_error_kind */
	struct psc_error err;
	struct psc_tokens tokens;
	struct psc_user user;
};

int psc_request_format(const struct psc_request *rq, struct kv_out *o);
int psc_request_parse(const char *text, struct psc_request *rq, char *err, size_t errsize);
int psc_reply_format(const struct psc_reply *r, struct kv_out *o);
/* Returns r->rc; unreadable text gives PSC_ERR_PARSE. */
int psc_reply_parse(const char *text, struct psc_reply *r);
const char *psc_error_kind_name(int kind);

#endif
