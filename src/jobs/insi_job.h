/* INSi jobs: the search strategy of DOMAIN.md §1 run on a worker, its outcome stored. */
#ifndef VIGIE_JOBS_INSI_JOB_H
#define VIGIE_JOBS_INSI_JOB_H

#include "core/ins.h"
#include "jobs/jobs.h"
#include "core/insi_types.h"

enum insi_purpose {
	INSI_SEARCH = 0,        /* dossier neither récupérée nor qualifiée */
	INSI_VERIFY = 1,        /* periodic re-verification of an INS */
	INSI_CREATE = 2,        /* traits typed in patient search, no dossier yet */
};

/* What opening a dossier should do (pure policy, tested):
 * status/attrs of the identity, when the INS was last checked ("" never), its OID, the age in
 * seconds of the newest INSi answer (-1 none) and whether it was an error, the years after
 * which an INS is verified again, today "AAAA-MM-JJ". */
enum insi_open_action {
	INSI_OPEN_NOTHING = 0,
	INSI_OPEN_SEARCH = 1,
	INSI_OPEN_VERIFY = 2,
};
/* Days after which a NIA (temporary matricule) is verified again. */
#define INSI_NIA_RECHECK_DAYS 30

enum insi_open_action insi_open_policy(int status, unsigned attrs, const char *checked_at,
				       const char *oid, long answer_age_s, int answer_error,
				       int recheck_years, const char *today);

/* Post an INSi job for a dossier (patient_id > 0) or for typed traits (INSI_CREATE, traits
 * given). Returns the job id or a negative error. The job stores an insi_answers row (its id
 * is the event's result_id), traces every call in the audit table and, for a search whose
 * answer matches every trait, makes the identity récupérée itself (DOMAIN.md §1). */
long long insi_job_post(struct jobs *js, int kind, const struct insi_config *cfg,
			long long patient_id, enum insi_purpose purpose,
			const struct ins_identity *typed);

/* Outcome flags the job leaves in its event code (>= 0): */
#define INSI_JOB_AUTO_ACCEPTED 0x1   /* the identity became récupérée automatically */
#define INSI_JOB_VERIFIED 0x2        /* a verification found the same INS */
#define INSI_JOB_SERVICE_DOWN 0x4    /* connection/timeout/unavailable: service shown down */
#define INSI_JOB_ERROR 0x8           /* the search ended on an error (answer row "erreur") */
#define INSI_JOB_FOUND 0x10          /* CR 00: one identity to compare */
#define INSI_JOB_SKIPPED 0x20        /* nothing sent (douteuse/fictive, already done) */

#endif
