/* Application context shared by the screens: store, jobs, keymap, status line, loop. */
#ifndef VIGIE_SCREENS_APP_H
#define VIGIE_SCREENS_APP_H

#include <time.h>
#include "jobs/jobs.h"
#include "store/db.h"
#include "ui/keymap.h"
#include "ui/screen.h"
#include "ui/ui.h"

/* Job kinds posted by screens (echoed in job events). */
enum app_job_kind {
	APP_JOB_TEST_SLEEP = 1,   /* --test-job: proves the UI stays live during long work */
};

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
};

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

/* Job event type delivered to screens' event callback. */
typedef struct job_event app_event;

#endif
