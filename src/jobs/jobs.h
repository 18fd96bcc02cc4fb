/* Background jobs: a queue, worker threads with their own store, events to the UI via a pipe. */
#ifndef VIGIE_JOBS_JOBS_H
#define VIGIE_JOBS_JOBS_H

#include <stddef.h>
#include "store/db.h"

enum job_status {
	JOB_QUEUED = 0,
	JOB_RUNNING = 1,
	JOB_DONE = 2,
	JOB_FAILED = 3,
	JOB_CANCELLED = 4,
	JOB_TIMEOUT = 5,
};

struct job;
/* Runs on a worker thread with that worker's own store. Returns 0 (or a positive outcome
 * code, echoed in the event) on success, or a negative code; writes a French message with job_set_message. Long work must poll job_should_stop
 * or wait with job_sleep so that cancellation and timeouts take effect. */
typedef int (*job_fn)(struct job *j, struct store *st, void *arg);

struct job_spec {
	int kind;               /* caller-defined kind, echoed in the event */
	long long patient_id;   /* 0 if none */
	int timeout_ms;         /* total time allowed (0: none) */
	job_fn run;
	void *arg;
	void (*free_arg)(void *arg);
	const char *label;      /* short French label for the status line, e.g. "INSi" */
};

/* What the UI receives when a job ends. */
struct job_event {
	long long job_id;
	int kind;
	long long patient_id;
	enum job_status status;
	int code;               /* return value of the job function */
	long elapsed_ms;
	long long result_id;    /* row written by the job (job_set_result), 0 if none */
	char message[160];
};

struct jobs;

/* Start nworkers threads, each opening dbpath itself and recording audit rows as who. */
int jobs_start(const char *dbpath, int nworkers, const char *who, struct jobs **out,
	       char *err, size_t errsize);
/* Cancel everything, join the workers, free. */
void jobs_stop(struct jobs *js);

/* Queue a job; returns its id (> 0) or a negative error. arg is owned by the job system. */
long long jobs_post(struct jobs *js, const struct job_spec *spec);
/* Ask a queued or running job to stop. Returns 0 if found. */
int jobs_cancel(struct jobs *js, long long job_id);

/* Cancel the most recently posted job still queued or running (the one the user just
 * started). Returns its id, or 0 when nothing is pending; label receives its label. */
long long jobs_cancel_newest(struct jobs *js, char *label, size_t size);

/* File descriptor the UI polls: readable when events are waiting. */
int jobs_wake_fd(const struct jobs *js);
/* Take up to max finished-job events (non-blocking); returns how many. */
size_t jobs_take_events(struct jobs *js, struct job_event *ev, size_t max);
/* Jobs queued or running, and the label of the oldest running one (may be NULL). */
int jobs_pending(struct jobs *js, char *label, size_t size);

/* For job functions */
int job_should_stop(struct job *j);           /* cancelled or past its timeout */
int job_sleep(struct job *j, int ms);          /* 0, or -1 if it must stop */
void job_set_message(struct job *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
long long job_id(const struct job *j);
/* The message set so far. */
const char *job_message(const struct job *j);
/* Id of the row the job wrote (e.g. an INSi answer), passed on in its event. */
void job_set_result(struct job *j, long long id);

#endif
