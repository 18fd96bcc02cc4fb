/* MSSanté jobs: fetch new messages (scheduled and on demand) through "vigie-net mss", import a
 * saved message, integrate worklist items into their dossier, prepare the texts of an item for
 * the viewer. The UI never waits for the mail server. */
#ifndef VIGIE_JOBS_MSS_JOB_H
#define VIGIE_JOBS_MSS_JOB_H

#include <stddef.h>
#include "core/mss_types.h"
#include "jobs/jobs.h"
#include "store/db.h"

enum mss_purpose {
	MSS_FETCH = 0,         /* IMAP: every new message (in runs of cfg.max_messages) */
	MSS_IMPORT = 1,        /* one saved message file (copied into the archive first) */
	MSS_INTEGRATE = 2,     /* items into their dossier (PDF text extracted) */
	MSS_VIEW = 3,          /* texts of one item for the viewer (view_texts_take) */
};

/* Outcome flags left in the event code (>= 0). */
#define MSS_JOB_NEW 0x1           /* new messages stored */
#define MSS_JOB_DOWN 0x2          /* the server did not answer (connection, timeout, TLS) */
#define MSS_JOB_ERROR 0x4         /* an error (message says which); what was read is kept */
#define MSS_JOB_INTEGRATED 0x8    /* at least one item stored in a dossier */
#define MSS_JOB_ALREADY 0x10      /* at least one item was already in its dossier */
#define MSS_JOB_WITHDRAWN 0x20    /* a sender's deletion withdrew an integrated document */
#define MSS_JOB_VIEW 0x40         /* MSS_VIEW: texts ready for view_texts_take(job id) */
#define MSS_JOB_REPLACED 0x80     /* an integration replaced an older version */

/* Counts of a run (command line, tests). */
struct mss_run_stats {
	int messages;              /* messages stored (new) */
	int items;                 /* worklist items created */
	int duplicates;            /* messages already known */
	int withdrawn;             /* dossier documents withdrawn by a sender */
	int integrated, already, replaced, older;
	long long remaining;       /* left on the server (another run will take them) */
};

/* The stable key of a mailbox in the store ("user@host:port/INBOX"). */
const char *mss_mailbox_key(const struct mss_config *cfg, char *buf, size_t size);

/* Post a job. items: worklist item ids (INTEGRATE, VIEW: the first); file: MSS_IMPORT.
 * Returns the job id, or a negative value with a French reason in err. */
long long mss_job_post(struct jobs *js, int kind, const struct mss_config *cfg,
		       enum mss_purpose purpose, const long long *items, size_t n_items,
		       const char *file, char *err, size_t errsize);

/* The texts of a viewing job are taken with view_texts_take (jobs/view_texts.h). */

/* The same work synchronously (command line). Returns the outcome flags (>= 0) or a negative
 * value; message receives the French summary; stats may be NULL. */
int mss_run_now(struct store *st, const struct mss_config *cfg, enum mss_purpose purpose,
		const long long *items, size_t n_items, const char *file, char *message,
		size_t size, struct mss_run_stats *stats);

/* The same, telling progress_fn (may be NULL) how a long fetch or integration advances
 * ("Relève MSSanté : 200/1200"), at most once per run of max_messages or per item: the caller
 * throttles what it prints. */
int mss_run_now_progress(struct store *st, const struct mss_config *cfg,
			 enum mss_purpose purpose, const long long *items, size_t n_items,
			 const char *file, char *message, size_t size,
			 struct mss_run_stats *stats,
			 void (*progress_fn)(void *ctx, const char *text), void *ctx);

#endif
