/* Application loop: poll stdin, the job wake pipe and the signal pipe; draw; dispatch. */
#include "screens/app.h"
#include "store/audit.h"
#include "jobs/insi_job.h"
#include "screens/format.h"
#include "store/patients.h"
#include "ui/help.h"
#include "ui/keys.h"
#include "ui/widgets.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MESSAGE_SECONDS 6

void app_message(struct app *a, enum ui_style st, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof a->msg, fmt, ap);
	va_end(ap);
	a->msg_style = st;
	a->msg_until = time(NULL) + MESSAGE_SECONDS;
}

long long app_insi_pending(const struct app *a, long long patient_id)
{
	for (int i = 0; i < APP_INSI_PENDING_MAX; i++)
		if (a->insi_pending[i].job && a->insi_pending[i].patient == patient_id)
			return a->insi_pending[i].job;
	return 0;
}

long long app_insi_post(struct app *a, long long patient_id, int purpose,
			const struct ins_identity *typed)
{
	long long id;
	int slot = -1;

	if (!a->insi.endpoint[0]) {
		app_message(a, ST_WARN, "INSi non configuré ([insi] adresse dans vigie.conf)");
		return -1;
	}
	if (a->st->readonly) {
		app_message(a, ST_WARN, "Base en lecture seule : la réponse INSi ne pourrait pas "
			    "être enregistrée");
		return -1;
	}
	if (patient_id > 0 && app_insi_pending(a, patient_id))
		return 0;
	for (int i = 0; i < APP_INSI_PENDING_MAX && slot < 0; i++)
		if (!a->insi_pending[i].job)
			slot = i;
	if (slot < 0) {
		app_message(a, ST_WARN, "Trop d'appels INSi en cours : réessayez dans un instant");
		return -1;
	}
	id = insi_job_post(a->js, APP_JOB_INSI, &a->insi, patient_id, (enum insi_purpose)purpose,
			   typed);
	if (id > 0) {
		a->insi_pending[slot].job = id;
		a->insi_pending[slot].patient = patient_id;
	}
	return id;
}

/* An INSi job ended: forget it, follow the service state, announce the outcome, naming the
 * patient when another dossier (or none) is on screen. */
static void insi_event(struct app *a, const struct job_event *e)
{
	char who[160] = "", name[320];
	struct patient p;
	int here = e->patient_id > 0 && e->patient_id == a->focus_patient;

	for (int i = 0; i < APP_INSI_PENDING_MAX; i++)
		if (a->insi_pending[i].job == e->job_id)
			a->insi_pending[i].job = 0;
	if (e->status == JOB_TIMEOUT)
		a->insi_up = 0;
	if (e->status == JOB_DONE && !(e->code & INSI_JOB_SKIPPED))
		a->insi_up = (e->code & INSI_JOB_SERVICE_DOWN) ? 0
			     : (e->code & INSI_JOB_ERROR) ? a->insi_up : 1;
	if (e->status == JOB_DONE && (e->code & INSI_JOB_SKIPPED))
		return;
	patient_init(&p);
	if (e->patient_id > 0 && !here && patient_get(a->st, e->patient_id, &p) == 0) {
		fmt_display_name(p.birth_name, p.used_name, p.first_name, p.used_first_name, name,
				 sizeof name);
		snprintf(who, sizeof who, "%.60s — ", name);
	}
	patient_clear(&p);
	if (e->status != JOB_DONE || (e->code & INSI_JOB_ERROR))
		app_message(a, ST_ERROR, "%s%s%s", who, e->message, here ? " — I : relancer" : "");
	else if (e->code & (INSI_JOB_AUTO_ACCEPTED | INSI_JOB_VERIFIED))
		app_message(a, ST_OK, "%s%s", who, e->message);
	else
		app_message(a, ST_WARN, "%s%s%s", who, e->message, here ? " — i" : "");
}

static void draw_status(struct app *a)
{
	struct status_info si;
	struct status_service svc[4];
	char clock[8], label[32], psc[48], mss[16];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(clock, sizeof clock, "%H:%M", &tm);
	memset(&si, 0, sizeof si);
	si.user = a->login;
	si.pending = a->js ? jobs_pending(a->js, label, sizeof label) : 0;
	si.pending_label = label[0] ? label : NULL;
	si.readonly = a->st->readonly;
	si.clock = clock;
	/* Shown once INSi was used in this session: a dead service stays visible. */
	si.services = svc;
	if (a->insi_up >= 0 && a->insi.endpoint[0])
		svc[si.nservices++] = (struct status_service){ "INSi", a->insi_up };
	if (a->dmp_up >= 0)
		svc[si.nservices++] = (struct status_service){ "DMP", a->dmp_up };
	app_dmp_status(a, psc, sizeof psc);
	if (psc[0])
		svc[si.nservices++] = (struct status_service){ psc, -2 };
	app_mss_status(a, mss, sizeof mss);
	if (mss[0])
		svc[si.nservices++] = (struct status_service){ mss, -2 };
	if (a->msg[0] && now <= a->msg_until) {
		si.message = a->msg;
		si.message_style = a->msg_style;
	}
	status_draw(&si);
}

static void draw_too_small(void)
{
	ui_clear();
	ui_textf(0, 0, ui_cols(), ST_ERROR, 1, "Terminal trop petit : %d×%d.", ui_cols(),
		 ui_lines());
	ui_textf(1, 0, ui_cols(), ST_NORMAL, 1, "Vigie a besoin de %d×%d au moins.", UI_MIN_COLS,
		 UI_MIN_LINES);
	ui_text(2, 0, ui_cols(), ST_NORMAL, "Agrandissez la fenêtre (q : quitter).", 1);
	ui_cursor(-1, -1, 0);
}

static void draw(struct app *a)
{
	struct screen *s = screen_top(&a->ss);

	if (ui_too_small()) {
		draw_too_small();
	} else if (s) {
		screen_draw(&a->ss);
		draw_status(a);
		ui_cursor(s->cursor_y, s->cursor_x, s->cursor_y >= 0);
	}
	ui_refresh();
}

/* Actions every screen shares, when the screen did not take the key itself. */
static void global_action(struct app *a, int action)
{
	const struct action_def *d = action_get(action);
	struct screen *top = screen_top(&a->ss);

	if (!d)
		return;
	if (!strcmp(d->name, "quit")) {
		a->quit = 1;
	} else if (!strcmp(d->name, "help") && top) {
		struct screen *h = help_screen_new(&a->km, top, a);
		if (h)
			screen_push(&a->ss, h);
	} else if (!strcmp(d->name, "back")) {
		if (a->ss.n > 1)
			screen_pop(&a->ss);
	} else if (!strcmp(d->name, "redraw")) {
		ui_force_redraw();
	} else if (!strcmp(d->name, "job-cancel")) {
		char label[32];
		if (jobs_cancel_newest(a->js, label, sizeof label))
			app_message(a, ST_WARN, "%s : annulation demandée", label);
		else
			app_message(a, ST_NORMAL, "Aucune tâche de fond en cours");
	} else if (!strcmp(d->name, "mss-worklist")) {
		struct screen *w = mss_worklist_new(a, 0);
		if (w)
			screen_push(&a->ss, w);
	} else if (!strcmp(d->name, "psc-signin")) {
		app_psc_signin(a);
	} else if (!strcmp(d->name, "suspend")) {
		if (ui_suspend())
			app_message(a, ST_WARN, "Suspension impossible : ce shell n'a pas de "
				    "contrôle des tâches");
	}
}

static void handle_key(struct app *a, int key)
{
	int consumed, action;

	if (key == VK_RESIZE) {
		ui_force_redraw();
		return;
	}
	if (ui_too_small()) {
		if (key == 'q' || key == VK_CTRL('c'))
			a->quit = 1;
		return;
	}
	action = screen_dispatch_key(&a->ss, key, &consumed);
	if (!consumed && action >= 0)
		global_action(a, action);
	if (a->pending_push) {
		screen_push(&a->ss, a->pending_push);
		a->pending_push = NULL;
	}
	if (store_end_leaked_transaction(a->st))
		app_message(a, ST_ERROR, "Erreur interne : transaction laissée ouverte, annulée");
}

static void handle_events(struct app *a)
{
	struct job_event ev[32];
	size_t n;

	while ((n = jobs_take_events(a->js, ev, 32)) > 0) {
		for (size_t i = 0; i < n; i++) {
			if (ev[i].kind == APP_JOB_TEST_SLEEP)
				app_message(a, ev[i].status == JOB_DONE ? ST_OK : ST_ERROR, "%s",
					    ev[i].message);
			if (ev[i].kind == APP_JOB_INSI)
				insi_event(a, &ev[i]);
			if (ev[i].kind == APP_JOB_DMP)
				app_dmp_event(a, &ev[i]);
			if (ev[i].kind == APP_JOB_PSC)
				app_psc_event(a, &ev[i]);
			if (ev[i].kind == APP_JOB_MSS)
				app_mss_event(a, &ev[i]);
			screen_dispatch_event(&a->ss, &ev[i]);
		}
	}
}

static int test_sleep_job(struct job *j, struct store *st, void *arg)
{
	int seconds = *(int *)arg;
	char detail[64];
	int rc;

	if (job_sleep(j, seconds * 1000))
		return -1;
	/* A job writes its result to the store before the UI hears of it. */
	snprintf(detail, sizeof detail, "attente de %d s", seconds);
	if ((rc = store_begin(st)) == 0) {
		rc = audit_write(st, "test.job", "job", job_id(j), NULL, NULL, detail);
		rc = rc ? (store_rollback(st), rc) : store_commit(st);
	}
	if (rc) {
		job_set_message(j, "Tâche de test : %s", st->err);
		return rc;
	}
	job_set_message(j, "Tâche de test terminée (%d s)", seconds);
	return 0;
}

static void free_int(void *p)
{
	free(p);
}

static int poll_timeout_ms(struct app *a)
{
	time_t now = time(NULL);
	int ms = (int)(60 - now % 60) * 1000;   /* next clock minute */
	int wait;

	if (a->msg[0] && a->msg_until >= now && (a->msg_until - now + 1) * 1000 < ms)
		ms = (int)(a->msg_until - now + 1) * 1000;
	if (jobs_pending(a->js, NULL, 0) > 0 && ms > 1000)
		ms = 1000;
	wait = app_mss_wait_seconds(a);
	if (wait >= 0 && wait * 1000 < ms)
		ms = wait * 1000;
	return ms;
}

int app_run(struct app *a, char *err, size_t errsize)
{
	struct screen *root = search_screen_new(a);
	struct pollfd pfd[3];

	if (!root) {
		snprintf(err, errsize, "Mémoire insuffisante");
		return 1;
	}
	screen_stack_init(&a->ss, &a->km);
	screen_push(&a->ss, root);
	if (a->km.nerrors) {
		/* The full path is on stderr; the status line has room for the file name only. */
		const char *e = a->km.errors[0], *slash = strrchr(e, '/');
		const char *colon = strchr(e, ':');
		if (slash && colon && slash < colon)
			e = slash + 1;
		app_message(a, ST_ERROR, "Touches : %s%s", e,
			    a->km.nerrors > 1 ? " (et d'autres lignes ignorées)" : "");
	}
	if (a->test_job_seconds > 0) {
		int *arg = malloc(sizeof *arg);
		if (arg) {
			*arg = a->test_job_seconds;
			struct job_spec spec = { .kind = APP_JOB_TEST_SLEEP, .run = test_sleep_job,
						 .arg = arg, .free_arg = free_int,
						 .timeout_ms = (a->test_job_seconds + 30) * 1000,
						 .label = "Test" };
			jobs_post(a->js, &spec);
		}
	}
	app_mss_counts(a);
	pfd[0].fd = 0;
	pfd[0].events = POLLIN;
	pfd[1].fd = jobs_wake_fd(a->js);
	pfd[1].events = POLLIN;
	pfd[2].fd = ui_signal_fd();
	pfd[2].events = POLLIN;
	while (!a->quit) {
		int key, r;

		draw(a);
		r = poll(pfd, 3, poll_timeout_ms(a));
		if (r < 0 && errno != EINTR)
			break;
		if (pfd[2].revents & POLLIN) {
			int sig;
			while ((sig = ui_take_signal()) != 0) {
				if (sig == SIGWINCH)
					ui_resize();
				else
					a->quit = 1;   /* SIGTERM, SIGINT, SIGHUP: leave cleanly */
			}
		}
		if (pfd[1].revents & POLLIN)
			handle_events(a);
		app_psc_tick(a);
		app_mss_tick(a);
		if (pfd[0].revents & (POLLHUP | POLLERR | POLLNVAL))
			a->quit = 1;
		/* Every key waiting is handled before the next draw: a burst costs one frame. */
		while (!a->quit && (key = ui_read_key()) >= 0)
			handle_key(a, key);
	}
	screen_pop_all(&a->ss);
	return 0;
}
