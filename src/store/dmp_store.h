/* What is known of a patient's DMP: the last TD0.2 answer, the service state, the document
 * metadata of the last TD3.1 (with when each entry was first seen) and the last visit of each
 * user, for the "new since your last visit" count. */
#ifndef VIGIE_STORE_DMP_STORE_H
#define VIGIE_STORE_DMP_STORE_H

#include <stddef.h>
#include "core/dmp_types.h"
#include "store/db.h"

/* Last TD0.2 answer (checked_at "" when never asked): 0 or STORE_ERR_NOTFOUND. */
int dmp_status_get(struct store *st, long long patient_id, struct dmp_status *s,
		   char *checked_at, size_t size);
int dmp_status_put(struct store *st, long long patient_id, const struct dmp_status *s);

/* Service state of the DMP as last seen by any call (1 up, 0 down, -1 unknown) and the last
 * error text. Kept per cabinet. */
int dmp_service_get(struct store *st, int *up, char *error, size_t size);
int dmp_service_put(struct store *st, int up, const char *error);

/* Merge the result of a TD3.1: entries not seen before get first_seen = now (a new metadata
 * entry of a document already listed, same unique_id, keeps its first sighting); entries no
 * longer listed are removed from the cache. Not audited: the caller traces the call. */
int dmp_docs_merge(struct store *st, long long patient_id, const struct dmp_doc *docs,
		   size_t n);

struct dmp_doc_row {
	long long id;              /* row id in the cache */
	struct dmp_doc doc;
	char first_seen[21];
	int is_new;                /* first seen after the user's last visit (or never visited) */
	long long local_id;        /* documents.id when integrated (same CDA id), 0 otherwise */
};

/* The cached entries of a patient, newest first (creation time). *rows malloc'd. */
int dmp_docs_list(struct store *st, long long patient_id, const char *login,
		  struct dmp_doc_row **rows, size_t *n);
int dmp_doc_get(struct store *st, long long row_id, struct dmp_doc_row *row);
/* Entries new for login since the last visit, and how many of those are invisible to the
 * patient; fetched_at: when the list was last fetched ("" never). */
int dmp_docs_count_new(struct store *st, long long patient_id, const char *login, int *n_new,
		       int *n_invisible, int *n_total, char *fetched_at, size_t size);

/* The user looked at the list now: later counts start from here. */
int dmp_visit_mark(struct store *st, long long patient_id, const char *login);

#endif
