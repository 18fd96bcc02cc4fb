/* The Pro Santé Connect session of this vigie process. Tokens live in this process's memory
 * only: never in the database, the logs, the environment or a command line. Sign-in is CIBA
 * in poll mode (a job runs "vigie-net psc"); the session refreshes itself before expiry. */
#ifndef VIGIE_JOBS_PSC_SESSION_H
#define VIGIE_JOBS_PSC_SESSION_H

#include <time.h>
#include "core/dmp_types.h"
#include "core/psc_types.h"
#include "jobs/jobs.h"

enum psc_state {
	PSC_STATE_NONE = 0,        /* nobody signed in */
	PSC_STATE_PENDING = 1,     /* CIBA request sent, waiting for approval on the e-CPS app */
	PSC_STATE_SIGNED_IN = 2,
	PSC_STATE_FAILED = 3,      /* last sign-in refused, expired or failed (message) */
};

struct psc_session_info {
	enum psc_state state;
	char binding[8];           /* PENDING: the 2 digits to compare on the phone */
	struct psc_user user;      /* SIGNED_IN */
	time_t signed_in_at;
	time_t expires_at;         /* access token expiry */
	long long job;             /* sign-in or refresh job in flight, 0 none */
	char message[200];         /* FAILED: why, in French */
};

/* Copy of the session state (thread-safe). */
void psc_session_info(struct psc_session_info *out);

/* Start a CIBA sign-in for national_id (login_hint): draws the 2-digit binding message
 * (returned in binding, shown by the caller at once) and posts a job of the given kind whose
 * event arrives when the professional approved, refused, or the request expired. Returns the
 * job id, or a negative value with err (French). A sign-in already in flight is cancelled. */
long long psc_signin_start(struct jobs *js, int kind, const struct psc_config *cfg,
			   const char *national_id, char binding[8], char *err, size_t errsize);

/* Called from the UI loop about once a second: posts a refresh job (same kind) when the
 * access token expires within 60 s and a refresh token is held; forgets an expired session.
 * Returns 1 when the state changed (the status line should be redrawn). */
int psc_session_tick(struct jobs *js, int kind, const struct psc_config *cfg, time_t now);

/* Forget the tokens now (wiped) and post a best-effort logout job (js may be NULL).
 * Returns the logout job's id, 0 when none was posted (nothing to close, no js). */
long long psc_signout(struct jobs *js, int kind, const struct psc_config *cfg);

/* For DMP calls: fills the VIHF subject from the session (auth_mode INDIRECTE_RENFORCEE,
 * class of an e-CPS/PSC authentication); 0, or -1 when nobody is signed in. */
int psc_session_actor(struct dmp_actor *a);

/* Tests: pretend a session (no network), or clear it. */
void psc_session_set_for_tests(const struct psc_user *u, long expires_in);
void psc_session_clear(void);

#endif
