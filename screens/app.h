/* Application context shared by the screens: store, jobs, keymap, status line, loop. */
#ifndef VIGIE_SCREENS_APP_H
#define VIGIE_SCREENS_APP_H

#include <time.h>
#include "jobs/jobs.h"
#include "core/insi_types.h"
#include "core/ins.h"
#include "jobs/dmp_job.h"
#include "settings.h"
#include "store/db.h"
#include "ui/keymap.h"
#include "ui/screen.h"
#include "ui/ui.h"

/* Job kinds posted by screens (echoed in job events). */
enum app_job_kind {
	APP_JOB_TEST_SLEEP = 1,   /* --test-job: proves the UI stays live during long work */
	APP_JOB_INSI = 2,         /* INSi search or verification (jobs/insi_job.h) */
	APP_JOB_PSC = 3,          /* Pro Santé Connect sign-in or refresh (jobs/psc_session.h) */
	APP_JOB_DMP = 4,          /* DMP status, documents, integration (jobs/dmp_job.h) */
	APP_JOB_MSS = 5,          /* MSSanté fetch, integration, viewing (jobs/mss_job.h) */
};

#define APP_INSI_PENDING_MAX 8
#define APP_DMP_PENDING_MAX 8

struct app {
	struct store *st;         /* the UI thread's own connection */
	struct jobs *js;
	struct keymap km;
	struct screen_stack ss;
	char login[64];
	char msg[256];            /* transient status message */
	enum ui_style msg_style;
	time_t msg_until;
	int quit;
	int test_job_seconds;
	struct screen *pending_push;  /* pushed once the current key is handled */
	/* INSi: configuration, automatic calls, service state, jobs in flight per dossier */
	struct insi_config insi;
	int insi_auto;
	int insi_recheck_years;
	int insi_up;              /* 1 answered, 0 down (connection, timeout), -1 unknown */
	struct { long long job, patient; } insi_pending[APP_INSI_PENDING_MAX];
	long long focus_patient;  /* dossier on top of the stack (0: none), for announcements */
	/* DMP and Pro Santé Connect: configuration, service state, jobs in flight per dossier */
	const struct config *cfg;
	int dmp_up;               /* 1 answered, 0 down, -1 unknown */
	struct { long long job, patient; int purpose; } dmp_pending[APP_DMP_PENDING_MAX];
	int dmp_reminder_ok;      /* the legal reminder was acknowledged (or is not due) */
	time_t psc_tick;          /* last psc_session_tick */
	/* MSSanté: the fetch in flight (never two), the next automatic one, the counts of the
	 * status line (read again after each MSS event, not on every frame) */
	long long mss_fetch_job;
	time_t mss_next_fetch;    /* 0: at start */
	int mss_down;             /* the last fetch could not reach the server */
	int mss_asked;            /* the fetch in flight was asked by a key (says "nothing new") */
	long long mss_new, mss_alert;
	int mss_detail;           /* worklist: detail pane shown (kept for the session) */
};

/* DMP (screens/dica.c): post a job for a dossier unless the same purpose is in flight; the
 * job id, 0 when one was running, < 0 on error (message shown). */
long long app_dmp_post(struct app *a, long long patient_id, enum dmp_purpose purpose,
		       const long long *rows, size_t n_rows);
/* The DMP job in flight for a dossier (0 none). */
long long app_dmp_pending(const struct app *a, long long patient_id);
/* Opening a dossier: TD0.2/TD3.1 in the background when the DICA rules allow it. */
void app_dmp_on_open(struct app *a, long long patient_id);
/* The dossier's DMP line (icon DMP+/DMP-, new documents, invisible ones) without a key. */
void dmp_summary_line(struct app *a, long long patient_id, char *buf, size_t size,
		      enum ui_style *style);
/* Pro Santé Connect sign-in (CIBA): shows the code to compare on the e-CPS app. */
void app_psc_signin(struct app *a);
/* Legal reminder (consulting a DMP without consent exposes to prosecution): when it is due,
 * pushes it with s to follow once acknowledged and returns NULL; else returns s. */
struct screen *app_after_reminder(struct app *a, struct screen *s);
/* Job events of kinds PSC and DMP; the periodic session tick. */
void app_dmp_event(struct app *a, const struct job_event *e);
void app_psc_event(struct app *a, const struct job_event *e);
void app_psc_tick(struct app *a);
/* Status line entries: "DMP:ok|HS" once used, "PSC:<name>" or "PSC:code 42". */
void app_dmp_status(struct app *a, char *psc, size_t size);
/* Consent toggles from the dossier and the DICA screen (audited by the store). */
void app_consent_toggle(struct app *a, long long patient_id, const char *what);

/* MSSanté (screens/mss_worklist.c): a fetch now (asked: by a key; says why not when it
 * cannot), the automatic fetch tick of the main loop, job events, the status line entry
 * ("MSS:3", "MSS:3!" with alerts, "MSS:HS"; "" when MSS is unused), the counts again. */
void app_mss_fetch(struct app *a, int asked);
void app_mss_tick(struct app *a);
void app_mss_event(struct app *a, const struct job_event *e);
void app_mss_status(struct app *a, char *buf, size_t size);
void app_mss_counts(struct app *a);
/* Seconds until the next automatic fetch (for the main loop's poll), -1 when none. */
int app_mss_wait_seconds(const struct app *a);

/* INSi jobs: post one for a dossier (purpose: jobs/insi_job.h) unless one is in flight;
 * returns the job id, 0 when one was already running, < 0 on error (message shown). */
long long app_insi_post(struct app *a, long long patient_id, int purpose,
			const struct ins_identity *typed);
/* One line on a dossier's INS state for the dossier screen (pending call, newest answer). */
struct patient;
struct insi_answer;
/* ans: the dossier's newest INSi answer, NULL if none. */
void ins_summary_line(struct app *a, const struct patient *p, const struct insi_answer *ans,
		      char *buf, size_t size,
		      enum ui_style *style);
/* The INSi job in flight for a dossier (0 for none); patient 0 = a creation search. */
long long app_insi_pending(const struct app *a, long long patient_id);

/* Show a message in the status line for a few seconds. */
void app_message(struct app *a, enum ui_style st, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Run the UI until quit; the search screen is the root. Returns 0 or 1 on error. */
int app_run(struct app *a, char *err, size_t errsize);

/* Screens */
struct screen *search_screen_new(struct app *a);
struct screen *dossier_screen_new(struct app *a, long long patient_id);
/* patient_id 0: creation (prefill_query may hold what was typed in the search). */
struct screen *patient_form_new(struct app *a, long long patient_id, const char *prefill_query);

/* INSi comparison of a dossier's newest answer, or of answer_id for a creation search
 * (patient_id 0; job_id: the creation job still running, 0 if done). */
struct screen *ins_compare_new(struct app *a, long long patient_id, long long answer_id,
			       long long job_id);
/* Shared by the dossier and the comparison screen: the per-trait table (10 rows), the ID
 * document menu (4 rows) and its keys, and qualification of a dossier with a document (an
 * undecided INSi answer is taken in the same action). */
void ins_draw_compare(int y, int cols, const struct ins_identity *local,
		      const struct ins_identity *insi, const enum ins_cmp cmp[INS_T_COUNT],
		      const char *left_head);
void ins_draw_doc_choice(int y, int cols);
int ins_doc_key(int key, enum ins_doc *doc);
int ins_qualify_dossier(struct app *a, long long patient_id, enum ins_doc doc);
/* INSi search on typed traits, prefilled from the patient search text. */
struct screen *insi_new_screen_new(struct app *a, const char *query);
struct screen *insi_new_screen_from(struct app *a, const struct ins_identity *traits);
/* Indicators (screens/stats.c). */
struct screen *stats_screen_new(struct app *a);
/* DICA checklist (screens/dica.c), DMP documents (screens/dmp_docs.c), text viewer
 * (screens/doc_view.c; texts copied; s switches to the narrative when there is one), local
 * documents of a dossier. The DICA and
 * DMP documents screens come after the legal reminder when it is due (NULL is returned: the
 * reminder was pushed instead). */
struct screen *dica_screen_new(struct app *a, long long patient_id);
struct screen *dmp_docs_screen_new(struct app *a, long long patient_id);
struct screen *doc_view_new(struct app *a, const char *title, const char *text,
			    const char *narrative);
struct screen *documents_screen_new(struct app *a, long long patient_id);
/* A viewing job (DMP_VIEW, DMP_LOCAL_TEXT, MSS_VIEW) ended: open the viewer on its texts, or
 * say why there are none (unless error_shown: the job's own message already did). */
void doc_view_open_job(struct app *a, const struct job_event *e, int error_shown);

/* MSSanté worklist (patient_id: only that dossier's items, 0 all) and the attachment of one
 * item to a dossier (ranked candidates, per-trait comparison, search by name). */
struct screen *mss_worklist_new(struct app *a, long long patient_id);
struct screen *mss_attach_new(struct app *a, long long item_id);

/* Job event type delivered to screens' event callback. */
typedef struct job_event app_event;

#endif
