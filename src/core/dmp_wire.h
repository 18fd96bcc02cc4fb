/* DMP requests and replies exchanged with vigie-net ("vigie-net dmp"), as "key: value" lines
 * (core/kv.h). Document bytes never travel on the pipe: the helper writes them into files of
 * a directory the worker created, and the reply names them. */
#ifndef VIGIE_CORE_DMP_WIRE_H
#define VIGIE_CORE_DMP_WIRE_H

#include <stddef.h>
#include "core/dmp_types.h"
#include "core/kv.h"

enum dmp_op {
	DMP_OP_NONE = 0,
	DMP_OP_STATUS,       /* TD0.2: DMP existence/status and this professional's authorisation */
	DMP_OP_AUTHORIZE,    /* TD0.3: add this professional's authorisation (AJOUT) */
	DMP_OP_FIND,         /* TD3.1: FindDocuments, approved entries of the patient */
	DMP_OP_RETRIEVE,     /* TD3.2: one document, checked against hash and size */
};

struct dmp_request {
	enum dmp_op op;
	struct dmp_config cfg;
	struct dmp_actor actor;
	struct dmp_patient patient;
	/* DMP_OP_FIND: only entries submitted since (AAAAMMJJhhmmss UTC), "" = all */
	char since[16];
	/* DMP_OP_RETRIEVE */
	char unique_id[128];
	char repository_id[80];
	char expect_hash[41];      /* from the metadata: a mismatch is DMP_ERR_MISMATCH */
	long long expect_size;     /* -1: unknown */
	char out_dir[1024];        /* existing private directory: "original" and "pdf" files */
};

struct dmp_reply {
	int rc;                    /* DMP_OK or a negative dmp_error_kind */
	struct dmp_error err;
	struct dmp_status status;  /* STATUS; AUTHORIZE: the authorisation afterwards */
	struct dmp_doc *docs;      /* FIND: malloc'd array */
	size_t n_docs;
	/* RETRIEVE */
	char original_path[1100];  /* out_dir/original */
	char mime[64];
	char hash[41];             /* SHA-1 hex of the bytes received */
	long long size;
	int is_cda;
	struct cda_header cda;     /* when is_cda */
	char pdf_path[1100];       /* out_dir/pdf when a PDF was found (N1 body or N3 copy) */
};

/* 0, or -1 when a value holds a line break or memory ran out. */
int dmp_request_format(const struct dmp_request *rq, struct kv_out *o);
/* 0, or -1 with a French reason. */
int dmp_request_parse(const char *text, struct dmp_request *rq, char *err, size_t errsize);

int dmp_reply_format(const struct dmp_reply *r, struct kv_out *o);
/* Fills r (docs malloc'd: dmp_reply_free); returns r->rc. Unreadable text gives
 * DMP_ERR_PARSE with a French message. */
int dmp_reply_parse(const char *text, struct dmp_reply *r);
void dmp_reply_free(struct dmp_reply *r);

/* A CDA header as "cda_*" pairs (shared with the MSSanté wire, core/mss_wire.h); parse reads
 * the first value of each key in m (a whole message or one record's slice). */
void dmp_wire_format_cda(const struct cda_header *h, struct kv_out *o);
void dmp_wire_parse_cda(const struct kv_msg *m, struct cda_header *h);

/* Stable short names, for traces and "key: value" output. */
const char *dmp_op_name(enum dmp_op op);            /* "td0.2", "td0.3", "td3.1", "td3.2" */
const char *dmp_error_kind_name(int kind);          /* "connexion", "delai", "tls", ... */
const char *dmp_state_name(enum dmp_state s);       /* "inconnu", "absent", "actif", "ferme" */
const char *dmp_authz_name(enum dmp_authz a);       /* "inconnue", "aucune", "valide",
						     * "expiree", "bloquee" */
enum dmp_state dmp_state_from_name(const char *name);
enum dmp_authz dmp_authz_from_name(const char *name);

#endif
