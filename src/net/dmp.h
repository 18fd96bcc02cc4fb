/* DMP client (SOAP 1.2, WS-Addressing, VIHF): TD0.2, TD0.3, TD3.1, TD3.2, and the
 * "vigie-net dmp" helper entry point. */
#ifndef VIGIE_NET_DMP_H
#define VIGIE_NET_DMP_H

#include <stddef.h>
#include <time.h>

#include "core/dmp_types.h"
#include "core/dmp_wire.h"

/* Answer size limits: a retrieved document with its MTOM envelope, anything else. */
#define DMP_MAX_RETRIEVE (16u * 1024 * 1024 + 64 * 1024)
#define DMP_MAX_ANSWER (2u * 1024 * 1024)

/* "vigie-net dmp": reads one dmp_request (core/dmp_wire.h) on stdin, performs it, writes one
 * dmp_reply on stdout. Returns the process exit status (0, or 2 when the request is
 * unreadable). */
int dmp_helper_main(void);

/* Cooperative cancellation: return nonzero to abort the transfer. */
typedef int (*dmp_stop_fn)(void *ctx);

/* ---------------------------------------------------------------- transactions
 * Each checks its input (DMP_ERR_REFUSED: no professional, bad INS), the configuration
 * (DMP_ERR_CONFIG), calls the service and reads the answer. Returns DMP_OK or a negative
 * dmp_error_kind with e filled (French message; fault or XDS code in e->code). */

/* TD0.2: does the patient have a DMP, is it open, may this professional read it. */
int dmp_td02(const struct dmp_config *cfg, const struct dmp_actor *actor,
	     const struct dmp_patient *patient, dmp_stop_fn stop, void *stop_ctx,
	     struct dmp_status *st, struct dmp_error *e);

/* TD0.3 (AJOUT): st gets the new authorisation (authz, authz_end, ins). */
int dmp_td03(const struct dmp_config *cfg, const struct dmp_actor *actor,
	     const struct dmp_patient *patient, dmp_stop_fn stop, void *stop_ctx,
	     struct dmp_status *st, struct dmp_error *e);

/* TD3.1 FindDocuments (approved): *docs malloc'd (free), entries submitted before since
 * (AAAAMMJJhhmmss, "" or NULL = all) left out. */
int dmp_td31(const struct dmp_config *cfg, const struct dmp_actor *actor,
	     const struct dmp_patient *patient, const char *since, dmp_stop_fn stop,
	     void *stop_ctx, struct dmp_doc **docs, size_t *n_docs, struct dmp_error *e);

/* What TD3.2 asks for and checks the bytes against. */
struct dmp_retrieve {
	const char *repository_id;
	const char *unique_id;
	const char *expect_hash;   /* SHA-1 hex from the metadata, "" = not checked */
	long long expect_size;     /* -1 = not checked */
	const char *out_dir;       /* existing private directory */
};

/* TD3.2: checks size, SHA-1 and, for a CDA, the patient; only then writes out_dir/original
 * (and out_dir/pdf when the CDA carries a PDF), files that must not exist yet. Fills the
 * RETRIEVE fields of r (original_path, mime, hash, size, is_cda, cda, pdf_path). */
int dmp_td32(const struct dmp_config *cfg, const struct dmp_actor *actor,
	     const struct dmp_patient *patient, const struct dmp_retrieve *q,
	     dmp_stop_fn stop, void *stop_ctx, struct dmp_reply *r, struct dmp_error *e);

/* ---------------------------------------------------------------- builders (tests)
 * The whole SOAP envelope (malloc'd), VIHF included, for a message id ("urn:uuid:...") and a
 * time given. NULL with e filled on bad input. */
char *dmp_build_td02(const struct dmp_config *cfg, const struct dmp_actor *actor,
		     const struct dmp_patient *patient, const char *message_id, time_t now,
		     struct dmp_error *e);
char *dmp_build_td03(const struct dmp_config *cfg, const struct dmp_actor *actor,
		     const struct dmp_patient *patient, const char *message_id, time_t now,
		     struct dmp_error *e);
char *dmp_build_td31(const struct dmp_config *cfg, const struct dmp_actor *actor,
		     const struct dmp_patient *patient, const char *message_id, time_t now,
		     struct dmp_error *e);
char *dmp_build_td32(const struct dmp_config *cfg, const struct dmp_actor *actor,
		     const struct dmp_patient *patient, const char *repository_id,
		     const char *unique_id, const char *message_id, time_t now,
		     struct dmp_error *e);

/* ---------------------------------------------------------------- parsers (tests, fuzzing)
 * Answer bodies; namespace URI + local name only; DTDs refused; a SOAP fault gives
 * DMP_ERR_FAULT with its DMP code. The patient the answer must be about is given. */
int dmp_parse_td02(const char *xml, size_t len, const struct dmp_patient *patient,
		   struct dmp_status *st, struct dmp_error *e);
int dmp_parse_td03(const char *xml, size_t len, const struct dmp_patient *patient,
		   struct dmp_status *st, struct dmp_error *e);
/* Every entry is checked before any is kept: one about another patient is DMP_ERR_MISMATCH
 * and *docs stays NULL. */
int dmp_parse_td31(const char *xml, size_t len, const struct dmp_patient *patient,
		   struct dmp_doc **docs, size_t *n_docs, struct dmp_error *e);

/* One MIME part of a multipart/related (MTOM/XOP) body; pointers into that body. */
struct dmp_part {
	const char *content_id;    /* without the angle brackets, not NUL-terminated */
	size_t content_id_len;
	const char *content_type;  /* not NUL-terminated */
	size_t content_type_len;
	const char *data;
	size_t len;
};

#define DMP_MTOM_MAX_PARTS 8

struct dmp_mtom {
	struct dmp_part part[DMP_MTOM_MAX_PARTS];
	size_t n;
	size_t root;               /* index of the start part (start parameter, else 0) */
};

/* Splits body by the boundary of content_type ("multipart/related; boundary=..."). 0, or
 * DMP_ERR_PARSE with e (no boundary, no closing delimiter, headers without end, too many
 * parts, start part missing). */
int dmp_mtom_parse(const char *content_type, const char *body, size_t len, struct dmp_mtom *m,
		   struct dmp_error *e);

/* TD3.2 answer (MTOM, or a plain SOAP envelope with an inline base64 Document): *doc
 * (malloc'd) and *doc_len are the bytes of the document unique_id, mime its mimeType. */
int dmp_parse_td32(const char *content_type, const char *body, size_t len,
		   const char *unique_id, unsigned char **doc, size_t *doc_len, char *mime,
		   size_t mimesize, struct dmp_error *e);

/* Checks the received bytes (size, SHA-1, CDA patient) and writes them (see dmp_td32). */
int dmp_accept_document(const struct dmp_patient *patient, const struct dmp_retrieve *q,
			const unsigned char *doc, size_t len, const char *mime,
			struct dmp_reply *r, struct dmp_error *e);

/* French explanation of a DMP fault or XDS error code, NULL if unknown. */
const char *dmp_fault_explain(const char *code);

/* curl and libxml2 global init / cleanup, once per process. */
void dmp_global_init(void);
void dmp_global_cleanup(void);

#endif
