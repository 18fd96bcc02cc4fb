/* INSi teleservice client: SOAP 1.2 requests over libcurl, answer and fault parser. */
#ifndef VIGIE_NET_INSI_H
#define VIGIE_NET_INSI_H

#include <stddef.h>
#include <stdio.h>

#include "core/insi_types.h"

/* Build the SOAP envelope of a traits search / Vitale search (malloc'd, NUL-terminated).
 * message_id is "uuid:..." and now_utc an xs:dateTime; both passed in for reproducible tests.
 * Returns NULL with e filled on bad input. */
char *insi_build_traits_request(const struct insi_config *cfg, const struct insi_traits_query *q,
				const char *message_id, const char *now_utc, struct insi_error *e);
char *insi_build_vitale_request(const struct insi_config *cfg, const struct insi_vitale_query *q,
				const char *message_id, const char *now_utc, struct insi_error *e);

/*
 * Parse an answer body (SOAP 1.2 envelope holding RESULTAT, or a Fault). Matching is by
 * namespace URI and local name only; no network, no DTD, no entity expansion; bodies larger
 * than 1 MiB are refused. Returns 0 with r filled, or a negative insi_error_kind with e.
 */
int insi_parse_response(const char *xml, size_t len, struct insi_result *r, struct insi_error *e);

/* Cooperative cancellation: return nonzero to abort the transfer. */
typedef int (*insi_stop_fn)(void *ctx);

/* One call. Fills r on a CR (00/01/02); returns 0, or a negative kind with e filled. */
int insi_search_traits(const struct insi_config *cfg, const struct insi_traits_query *q,
		       insi_stop_fn stop, void *stop_ctx, struct insi_result *r, struct insi_error *e);
int insi_search_vitale(const struct insi_config *cfg, const struct insi_vitale_query *q,
		       insi_stop_fn stop, void *stop_ctx, struct insi_result *r, struct insi_error *e);

/* Stable "key: value" lines (cr, libelle, matricule, cle, cle_valide, oid, type, traits,
 * historique N ...) as printed by "vigie insi parse" and "vigie insi search". */
void insi_result_print(FILE *out, const struct insi_result *r);

/* A random (version 4) UUID, lower case, 36 characters + NUL, from OpenSSL's RAND_bytes.
 * Returns 0, or -1 when the random generator fails. */
int insi_new_uuid(char out[37]);

/* The current UTC time as an xs:dateTime with milliseconds ("2024-05-02T08:15:30.123Z"). */
void insi_now_utc(char *buf, size_t size);

/* French explanation of a siram:Erreur code ("insi_102", "DESIR_560"...), NULL if unknown. */
const char *insi_fault_explain(const char *code);

/* Print an error as stable lines: "erreur: <siram code or kind>", "sous_code: ...",
 * "http: N" when known, then "message: <French text>". */
void insi_error_print(FILE *out, const struct insi_error *e);

/* Call once at start (curl and libxml2 global init) and at exit. */
void insi_global_init(void);
void insi_global_cleanup(void);

#endif
