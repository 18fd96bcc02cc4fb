/* DMP jobs: status and new documents on opening a dossier, the professional's authorisation,
 * retrieval for viewing, integration into the dossier. Every request passes one guard (the
 * DICA rules of core/dica.h): nothing is sent without consent (bris de glace aside). */
#ifndef VIGIE_JOBS_DMP_JOB_H
#define VIGIE_JOBS_DMP_JOB_H

#include <stddef.h>
#include "core/dica.h"
#include "core/dmp_types.h"
#include "jobs/jobs.h"
#include "store/db.h"

enum dmp_purpose {
	DMP_REFRESH = 0,       /* TD0.2, then TD3.1 when the DMP can be consulted */
	DMP_AUTHORIZE = 1,     /* TD0.3 (explicit user action, consent recorded), then TD0.2 */
	DMP_INTEGRATE = 2,     /* TD3.2 of cached entries, stored in the dossier */
	DMP_VIEW = 3,          /* TD3.2 of one entry, text kept for the viewer (view_texts_take) */
	DMP_LOCAL_TEXT = 4,    /* no call: texts of a stored document (rows[0] = documents.id) */
};

/* Outcome flags left in the event code (>= 0). */
#define DMP_JOB_STATUS 0x1        /* a TD0.2 answer was stored */
#define DMP_JOB_DOCS 0x2          /* the document list was refreshed */
#define DMP_JOB_DOWN 0x4          /* the service did not answer (connection, timeout, 5xx) */
#define DMP_JOB_REFUSED 0x8       /* nothing sent: DICA forbids it (message says why) */
#define DMP_JOB_INTEGRATED 0x10   /* at least one document stored */
#define DMP_JOB_DUPLICATE 0x20    /* at least one document was already in the dossier */
#define DMP_JOB_ERROR 0x40        /* a call failed (message) */
#define DMP_JOB_VIEW 0x80         /* DMP_VIEW: texts ready for view_texts_take(job id) */

/* Post a job; rows are dmp_docs cache ids (INTEGRATE, VIEW: first one). The acting
 * professional is taken from the Pro Santé Connect session now. Returns the job id, or a
 * negative value with a French reason in err. */
long long dmp_job_post(struct jobs *js, int kind, const struct dmp_config *cfg,
		       long long patient_id, enum dmp_purpose purpose, const long long *rows,
		       size_t n_rows, char *err, size_t errsize);

/* The DICA inputs of a dossier: patient identity, consent, last TD0.2 answer, service state
 * (from the store) and authentication (the session). Strings of in point into keep. */
struct dica_keep {
	char id_status[16];
	char now[21];
};
int dmp_dica_load(struct store *st, long long patient_id, struct dica_input *in,
		  struct dica_keep *keep);

/* The texts of a viewing job are taken with view_texts_take (jobs/view_texts.h). */

/* Run the same work synchronously (command line): the job function without the job system.
 * Returns the outcome flags (>= 0) or a negative value; message receives the French text. */
int dmp_run_now(struct store *st, const struct dmp_config *cfg, long long patient_id,
		enum dmp_purpose purpose, const long long *rows, size_t n_rows, char *message,
		size_t size);

#endif
