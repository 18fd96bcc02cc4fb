/* Background jobs: a queue, worker threads with their own store, events to the UI via a pipe. */
#include "jobs/jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_WORKERS 8
#define EVENT_RING 256

struct job {
	long long id;
	struct job_spec spec;
	enum job_status status;
	int cancelled;
	struct timespec start, deadline;
	char message[160];
	long long result_id;
	struct jobs *js;
	struct job *next;
};

struct jobs {
	pthread_mutex_t mu;
	pthread_cond_t cv;          /* work queued, cancellation, shutdown */
	struct job *head, *tail;    /* queued */
	struct job *running[MAX_WORKERS];
	int nworkers;
	pthread_t threads[MAX_WORKERS];
	int stopping;
	long long next_id;
	struct job_event ring[EVENT_RING];
	size_t ring_head, ring_count;
	int pipe_r, pipe_w;
	char dbpath[4096];
	char who[64];
};

static long ms_between(const struct timespec *a, const struct timespec *b)
{
	return (b->tv_sec - a->tv_sec) * 1000L + (b->tv_nsec - a->tv_nsec) / 1000000L;
}

static void add_ms(struct timespec *t, int ms)
{
	t->tv_sec += ms / 1000;
	t->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

/* Caller holds mu. The pipe only wakes poll(); the events themselves stay in the ring. */
static void post_event_locked(struct jobs *js, struct job *j, int code)
{
	struct job_event *e;
	struct timespec now;
	ssize_t w;

	if (js->ring_count == EVENT_RING) {
		/* UI not reading: drop the oldest rather than block a worker. */
		js->ring_head = (js->ring_head + 1) % EVENT_RING;
		js->ring_count--;
	}
	e = &js->ring[(js->ring_head + js->ring_count) % EVENT_RING];
	js->ring_count++;
	clock_gettime(CLOCK_MONOTONIC, &now);
	e->job_id = j->id;
	e->kind = j->spec.kind;
	e->patient_id = j->spec.patient_id;
	e->status = j->status;
	e->code = code;
	e->result_id = j->result_id;
	e->elapsed_ms = ms_between(&j->start, &now);
	snprintf(e->message, sizeof e->message, "%s", j->message);
	do {
		w = write(js->pipe_w, "!", 1);
	} while (w < 0 && errno == EINTR);
}

static void free_job(struct job *j)
{
	if (j->spec.free_arg)
		j->spec.free_arg(j->spec.arg);
	free(j);
}

static int past_deadline(const struct job *j)
{
	struct timespec now;

	if (j->spec.timeout_ms <= 0)
		return 0;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return ms_between(&j->deadline, &now) >= 0;
}

int job_should_stop(struct job *j)
{
	int stop;

	pthread_mutex_lock(&j->js->mu);
	stop = j->cancelled || j->js->stopping;
	pthread_mutex_unlock(&j->js->mu);
	return stop || past_deadline(j);
}

int job_sleep(struct job *j, int ms)
{
	struct timespec until, now;
	int rc = 0;

	clock_gettime(CLOCK_MONOTONIC, &until);
	add_ms(&until, ms);
	if (j->spec.timeout_ms > 0 && ms_between(&j->deadline, &until) > 0)
		until = j->deadline;
	pthread_mutex_lock(&j->js->mu);
	for (;;) {
		if (j->cancelled || j->js->stopping) {
			rc = -1;
			break;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (ms_between(&now, &until) <= 0)
			break;
		pthread_cond_timedwait(&j->js->cv, &j->js->mu, &until);
	}
	pthread_mutex_unlock(&j->js->mu);
	if (!rc && past_deadline(j))
		rc = -1;
	return rc;
}

const char *job_message(const struct job *j)
{
	return j->message;
}

void job_set_result(struct job *j, long long id)
{
	j->result_id = id;
}

void job_set_message(struct job *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(j->message, sizeof j->message, fmt, ap);
	va_end(ap);
}

long long job_id(const struct job *j)
{
	return j->id;
}

struct worker_arg {
	struct jobs *js;
	int slot;
};

static void *worker_main(void *p)
{
	struct worker_arg *wa = p;
	struct jobs *js = wa->js;
	int slot = wa->slot;
	struct store *st = NULL;
	char err[256];

	free(wa);
	err[0] = '\0';
	pthread_mutex_lock(&js->mu);
	for (;;) {
		struct job *j;
		int code;

		while (!js->stopping && !js->head)
			pthread_cond_wait(&js->cv, &js->mu);
		if (js->stopping)
			break;
		j = js->head;
		js->head = j->next;
		if (!js->head)
			js->tail = NULL;
		js->running[slot] = j;
		j->status = JOB_RUNNING;
		pthread_mutex_unlock(&js->mu);

		/* Each worker has its own connection (DESIGN: one per thread), opened with its
		 * first job so that start-up does not pay for it. */
		if (!st && store_open(js->dbpath, 0, &st, err, sizeof err) == 0)
			store_set_user(st, js->who);

		if (!st) {
			code = -1;
			job_set_message(j, "%s", err);
		} else if (job_should_stop(j)) {
			code = -1;
		} else {
			code = j->spec.run(j, st, j->spec.arg);
			if (store_end_leaked_transaction(st) && code == 0) {
				code = -1;
				job_set_message(j, "%s : transaction laissée ouverte, annulée",
						j->spec.label);
			}
		}

		int late = past_deadline(j);

		pthread_mutex_lock(&js->mu);
		js->running[slot] = NULL;
		if (j->cancelled || js->stopping)
			j->status = JOB_CANCELLED;
		else if (code != 0 && late)
			j->status = JOB_TIMEOUT;
		else
			j->status = code >= 0 ? JOB_DONE : JOB_FAILED;
		if (j->status == JOB_CANCELLED && !*j->message)
			snprintf(j->message, sizeof j->message, "%s : tâche annulée", j->spec.label);
		if (j->status == JOB_TIMEOUT && !*j->message)
			snprintf(j->message, sizeof j->message, "%s : délai dépassé (%.1f s)",
				 j->spec.label, j->spec.timeout_ms / 1000.0);
		post_event_locked(js, j, code);
		pthread_mutex_unlock(&js->mu);
		free_job(j);
		pthread_mutex_lock(&js->mu);
	}
	pthread_mutex_unlock(&js->mu);
	store_close(st);
	return NULL;
}

int jobs_start(const char *dbpath, int nworkers, const char *who, struct jobs **out,
	       char *err, size_t errsize)
{
	struct jobs *js;
	int fds[2];

	*out = NULL;
	if (nworkers < 1)
		nworkers = 1;
	if (nworkers > MAX_WORKERS)
		nworkers = MAX_WORKERS;
	js = calloc(1, sizeof *js);
	if (!js || pipe(fds) != 0) {
		snprintf(err, errsize, "Impossible de démarrer les tâches de fond : %s",
			 strerror(errno));
		free(js);
		return -1;
	}
	js->pipe_r = fds[0];
	js->pipe_w = fds[1];
	for (int i = 0; i < 2; i++) {
		fcntl(fds[i], F_SETFL, fcntl(fds[i], F_GETFL) | O_NONBLOCK);
		fcntl(fds[i], F_SETFD, FD_CLOEXEC);
	}
	snprintf(js->dbpath, sizeof js->dbpath, "%s", dbpath);
	snprintf(js->who, sizeof js->who, "%s", who ? who : "");
	pthread_mutex_init(&js->mu, NULL);
	{
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&js->cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	js->next_id = 1;
	for (int i = 0; i < nworkers; i++) {
		struct worker_arg *wa = malloc(sizeof *wa);
		if (!wa)
			break;
		wa->js = js;
		wa->slot = i;
		if (pthread_create(&js->threads[i], NULL, worker_main, wa) != 0) {
			free(wa);
			break;
		}
		js->nworkers++;
	}
	if (js->nworkers == 0) {
		snprintf(err, errsize, "Impossible de démarrer les tâches de fond");
		jobs_stop(js);
		return -1;
	}
	*out = js;
	return 0;
}

void jobs_stop(struct jobs *js)
{
	struct job *j, *next;

	if (!js)
		return;
	pthread_mutex_lock(&js->mu);
	js->stopping = 1;
	pthread_cond_broadcast(&js->cv);
	pthread_mutex_unlock(&js->mu);
	for (int i = 0; i < js->nworkers; i++)
		pthread_join(js->threads[i], NULL);
	for (j = js->head; j; j = next) {
		next = j->next;
		free_job(j);
	}
	close(js->pipe_r);
	close(js->pipe_w);
	pthread_cond_destroy(&js->cv);
	pthread_mutex_destroy(&js->mu);
	free(js);
}

long long jobs_post(struct jobs *js, const struct job_spec *spec)
{
	struct job *j = calloc(1, sizeof *j);
	long long id;

	if (!j) {
		if (spec->free_arg)
			spec->free_arg(spec->arg);
		return -1;
	}
	j->spec = *spec;
	if (!j->spec.label)
		j->spec.label = "Tâche";
	j->js = js;
	j->status = JOB_QUEUED;
	clock_gettime(CLOCK_MONOTONIC, &j->start);
	j->deadline = j->start;
	add_ms(&j->deadline, spec->timeout_ms > 0 ? spec->timeout_ms : 0);
	pthread_mutex_lock(&js->mu);
	id = j->id = js->next_id++;
	if (js->tail)
		js->tail->next = j;
	else
		js->head = j;
	js->tail = j;
	pthread_cond_broadcast(&js->cv);
	pthread_mutex_unlock(&js->mu);
	return id;
}

int jobs_cancel(struct jobs *js, long long id)
{
	struct job *j, *prev = NULL, *unqueued = NULL;
	int found = -1;

	pthread_mutex_lock(&js->mu);
	for (j = js->head; j; prev = j, j = j->next) {
		if (j->id != id)
			continue;
		/* Never started: report it cancelled at once. */
		if (prev)
			prev->next = j->next;
		else
			js->head = j->next;
		if (js->tail == j)
			js->tail = prev;
		j->status = JOB_CANCELLED;
		snprintf(j->message, sizeof j->message, "%s : tâche annulée", j->spec.label);
		post_event_locked(js, j, 0);
		unqueued = j;
		found = 0;
		break;
	}
	for (int i = 0; found && i < js->nworkers; i++) {
		if (js->running[i] && js->running[i]->id == id) {
			js->running[i]->cancelled = 1;
			found = 0;
		}
	}
	pthread_cond_broadcast(&js->cv);
	pthread_mutex_unlock(&js->mu);
	/* Outside the lock: a free_arg may call back into the job system. */
	if (unqueued)
		free_job(unqueued);
	return found;
}

long long jobs_cancel_newest(struct jobs *js, char *label, size_t size)
{
	long long id = 0;

	pthread_mutex_lock(&js->mu);
	for (struct job *j = js->head; j; j = j->next)
		if (j->id > id) {
			id = j->id;
			snprintf(label, size, "%s", j->spec.label);
		}
	for (int i = 0; i < js->nworkers; i++)
		if (js->running[i] && !js->running[i]->cancelled && js->running[i]->id > id) {
			id = js->running[i]->id;
			snprintf(label, size, "%s", js->running[i]->spec.label);
		}
	pthread_mutex_unlock(&js->mu);
	if (id)
		jobs_cancel(js, id);
	return id;
}

int jobs_wake_fd(const struct jobs *js)
{
	return js->pipe_r;
}

size_t jobs_take_events(struct jobs *js, struct job_event *ev, size_t max)
{
	char buf[64];
	size_t n = 0;

	while (read(js->pipe_r, buf, sizeof buf) > 0)
		;
	pthread_mutex_lock(&js->mu);
	while (n < max && js->ring_count) {
		ev[n++] = js->ring[js->ring_head];
		js->ring_head = (js->ring_head + 1) % EVENT_RING;
		js->ring_count--;
	}
	/* Leave the pipe readable if events remain. */
	if (js->ring_count) {
		ssize_t w = write(js->pipe_w, "!", 1);
		(void)w;
	}
	pthread_mutex_unlock(&js->mu);
	return n;
}

int jobs_pending(struct jobs *js, char *label, size_t size)
{
	int n = 0;

	if (label && size)
		*label = '\0';
	pthread_mutex_lock(&js->mu);
	for (struct job *j = js->head; j; j = j->next)
		n++;
	const struct job *oldest = NULL;
	for (int i = 0; i < js->nworkers; i++) {
		if (!js->running[i])
			continue;
		n++;
		if (!oldest || js->running[i]->id < oldest->id)
			oldest = js->running[i];
	}
	if (label && size && oldest)
		snprintf(label, size, "%s", oldest->spec.label);
	if (label && size && !*label && js->head)
		snprintf(label, size, "%s", js->head->spec.label);
	pthread_mutex_unlock(&js->mu);
	return n;
}
