/* MSSanté jobs: fetching new messages through "vigie-net mss", importing a saved message,
 * integrating worklist items into their dossier, preparing an item's texts for the viewer. */
#include "jobs/mss_job.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/mss_wire.h"
#include "jobs/net_remote.h"
#include "jobs/pdf_text.h"
#include "jobs/view_texts.h"
#include "store/audit.h"
#include "store/mss_store.h"

#define MSS_ITEMS_MAX 256
/* A reply names files and carries CDA headers: 200 messages stay far below this. */
#define MSS_REPLY_MAX (64 * 1024 * 1024)
/* Bytes read back from the archive for one document (its size was bounded by vigie-net). */
#define MSS_FILE_MAX (256LL * 1024 * 1024)
#define MSS_TEXT_MAX (4 * 1024 * 1024)
/* The mailbox key of imported messages. */
#define MSS_IMPORT_BOX "import"

struct mss_job_arg {
	enum mss_purpose purpose;
	struct mss_config cfg;
	long long items[MSS_ITEMS_MAX];
	size_t n_items;
	char file[MSS_PATH_MAX];
};

/* One run: the job (NULL from the command line), its store, its argument, what to say. */
struct run {
	struct job *job;
	struct store *st;
	struct mss_job_arg *arg;
	char msg[320];
	int flags;
	struct mss_run_stats s;
	int documents;             /* items of the stored messages that are documents */
	void (*progress)(void *ctx, const char *text);
	void *progress_ctx;
};

static void arg_free(void *p)
{
	struct mss_job_arg *a = p;

	if (a) {
		explicit_bzero(&a->cfg, sizeof a->cfg);   /* password, token */
		free(a);
	}
}

static int stop_cb(void *ctx)
{
	return ctx ? job_should_stop(ctx) : 0;
}

static int stopped(const struct run *rn)
{
	return rn->job && job_should_stop(rn->job);
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

static void progress(struct run *rn, const char *fmt, long long a, long long b)
{
	char text[160];

	snprintf(text, sizeof text, fmt, a, b);
	if (rn->job)
		job_set_message(rn->job, "%s", text);
	if (rn->progress)
		rn->progress(rn->progress_ctx, text);
}

/* A server's error text may echo what it was sent: the secrets never reach a message. */
static void scrub(char *text, const struct mss_config *cfg)
{
	const char *secrets[] = { cfg->password, cfg->token };

	for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++) {
		size_t n = strlen(secrets[i]);
		char *p;

		if (n < 3)
			continue;
		while ((p = strstr(text, secrets[i])))
			memset(p, '*', n);
	}
}

/* ---- mailbox key -------------------------------------------------------------------------- */

const char *mss_mailbox_key(const struct mss_config *cfg, char *buf, size_t size)
{
	const char *host = cfg->url, *end, *at, *colon;
	int port = 993;

	if (!strncmp(host, "imaps://", 8))
		host += 8;
	else if (!strncmp(host, "imap://", 7))
		host += 7;
	end = host + strcspn(host, "/?#");
	/* user info in the address ("imaps://user@host") is not part of the host */
	at = memchr(host, '@', (size_t)(end - host));
	if (at)
		host = at + 1;
	colon = host < end && *host == '[' ? memchr(host, ']', (size_t)(end - host)) : host;
	colon = colon ? memchr(colon, ':', (size_t)(end - colon)) : NULL;
	if (colon) {
		port = atoi(colon + 1);
		end = colon;
	}
	snprintf(buf, size, "%s@%.*s:%d/%s", cfg->user, (int)(end - host), host, port,
		 cfg->mailbox[0] ? cfg->mailbox : "INBOX");
	return buf;
}

/* ---- files -------------------------------------------------------------------------------- */

/* The archive directory and its parents; the last level is private (0700). */
static int make_archive(const char *dir, char *err, size_t errsize)
{
	char path[MSS_PATH_MAX];
	struct stat sb;

	if (!dir[0]) {
		snprintf(err, errsize, "Dossier d'archive MSSanté non configuré ([mss] archive)");
		return -1;
	}
	snprintf(path, sizeof path, "%s", dir);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(path, 0700) && errno != EEXIST) {
			snprintf(err, errsize, "Dossier d'archive MSSanté impossible à créer : %s (%s)",
				 path, strerror(errno));
			return -1;
		}
		*p = '/';
	}
	if (mkdir(path, 0700) && errno != EEXIST) {
		snprintf(err, errsize, "Dossier d'archive MSSanté impossible à créer : %s (%s)",
			 path, strerror(errno));
		return -1;
	}
	if (stat(path, &sb) || !S_ISDIR(sb.st_mode)) {
		snprintf(err, errsize, "Archive MSSanté : %s n'est pas un dossier", path);
		return -1;
	}
	return 0;
}

/* ---- one call through vigie-net ----------------------------------------------------------- */

static int is_down(int rc)
{
	return rc == MSS_ERR_CONNECT || rc == MSS_ERR_TIMEOUT || rc == MSS_ERR_TLS;
}

static const char *error_name(int rc)
{
	switch (rc) {
	case MSS_OK: return "ok";
	case MSS_ERR_CONFIG: return "configuration";
	case MSS_ERR_CONNECT: return "connexion";
	case MSS_ERR_TIMEOUT: return "delai";
	case MSS_ERR_TLS: return "tls";
	case MSS_ERR_AUTH: return "authentification";
	case MSS_ERR_PROTOCOL: return "protocole";
	case MSS_ERR_IO: return "archive";
	case MSS_ERR_PARSE: return "lecture";
	case MSS_ERR_CANCELLED: return "annule";
	default: return "erreur";
	}
}

/* Trace of every call to the mail server (action mss-releve): result, count, duration. */
static void trace(struct run *rn, const struct mss_request *rq, const struct mss_reply *r,
		  long ms)
{
	char detail[200];
	int own, rc;

	if (rq->op != MSS_OP_FETCH)
		return;
	snprintf(detail, sizeof detail, "{\"resultat\":\"%s\",\"messages\":%zu,"
		 "\"restants\":%lld,\"duree_ms\":%ld}", error_name(r->rc), r->n_msgs, r->remaining,
		 ms);
	rc = store_write_begin(rn->st, &own);
	if (rc == 0)
		rc = audit_write(rn->st, "mss-releve", "boite", 0, NULL, NULL, detail);
	store_write_end(rn->st, own, rc);
}

static int call(struct run *rn, const struct mss_request *rq, struct mss_reply *r)
{
	struct kv_out o;
	struct timespec t0;
	char *reply = NULL, err[256];
	int rc;

	memset(r, 0, sizeof *r);
	kv_out_init(&o, 0);
	if (mss_request_format(rq, &o) || o.bad) {
		kv_out_free(&o);
		r->rc = MSS_ERR_CONFIG;
		snprintf(r->error, sizeof r->error, "Configuration MSSanté invalide (saut de ligne "
			 "dans une valeur)");
		return r->rc;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = net_remote_run("mss", o.buf, o.len, MSS_REPLY_MAX, &reply, stop_cb, rn->job, err,
			    sizeof err);
	kv_out_free(&o);
	if (rc == NET_REMOTE_OK && reply[0]) {
		mss_reply_parse(reply, r);
		if (r->rc != MSS_OK && !r->error[0])
			snprintf(r->error, sizeof r->error, "Erreur MSSanté (%s)", error_name(r->rc));
	} else if (rc == NET_REMOTE_OK) {
		r->rc = MSS_ERR_PARSE;
		snprintf(r->error, sizeof r->error, "Le programme d'appel MSSanté (vigie-net) s'est "
			 "arrêté sans répondre");
	} else {
		r->rc = rc == NET_REMOTE_CANCELLED ? MSS_ERR_CANCELLED : MSS_ERR_CONFIG;
		snprintf(r->error, sizeof r->error, "%s",
			 rc == NET_REMOTE_CANCELLED ? "Relève MSSanté annulée" : err);
	}
	if (reply) {
		explicit_bzero(reply, strlen(reply));
		free(reply);
	}
	scrub(r->error, &rn->arg->cfg);
	trace(rn, rq, r, ms_since(&t0));
	return r->rc;
}

static void fail_with(struct run *rn, int rc, const char *error)
{
	snprintf(rn->msg, sizeof rn->msg, "%s", error);
	rn->flags |= is_down(rc) ? MSS_JOB_DOWN | MSS_JOB_ERROR : MSS_JOB_ERROR;
}

/* Stores one message read by vigie-net; counts what it made. */
static int receive(struct run *rn, const char *mailbox, const struct mss_message *m)
{
	long long msg_id = 0;
	int stored = 0, withdrawn = 0;

	if (mss_receive(rn->st, mailbox, m, &msg_id, &stored, &withdrawn))
		return -1;
	if (stored) {
		rn->s.messages++;
		rn->s.items += (int)m->n_docs;
		for (size_t i = 0; i < m->n_docs; i++)
			if (m->docs[i].kind != MSS_DOC_TEXT)
				rn->documents++;
		rn->flags |= MSS_JOB_NEW;
		if (rn->job)
			job_set_result(rn->job, msg_id);
	} else {
		rn->s.duplicates++;
	}
	if (withdrawn > 0) {
		rn->s.withdrawn += withdrawn;
		rn->flags |= MSS_JOB_WITHDRAWN;
	}
	return 0;
}

static void reception_summary(struct run *rn)
{
	char extra[160] = "";
	size_t len;

	if (rn->s.messages == 0 && rn->s.withdrawn == 0) {
		if (rn->s.duplicates)
			snprintf(rn->msg, sizeof rn->msg, "Aucun nouveau message MSSanté : %d déjà "
				 "reçu(s)", rn->s.duplicates);
		else
			snprintf(rn->msg, sizeof rn->msg, "Aucun nouveau message MSSanté");
		return;
	}
	if (rn->s.duplicates) {
		len = strlen(extra);
		snprintf(extra + len, sizeof extra - len, ", %d déjà reçu(s)", rn->s.duplicates);
	}
	if (rn->s.remaining > 0) {
		len = strlen(extra);
		snprintf(extra + len, sizeof extra - len, ", %lld en attente sur le serveur",
			 rn->s.remaining);
	}
	snprintf(rn->msg, sizeof rn->msg, "%d message(s) reçu(s), %d document(s), %d retiré(s) "
		 "par l'émetteur%s", rn->s.messages, rn->documents, rn->s.withdrawn, extra);
}

/* ---- fetching ----------------------------------------------------------------------------- */

/* One fetch at a time per process: the scheduled run and "relever" would fetch the same UIDs. */
static pthread_mutex_t fetch_lock = PTHREAD_MUTEX_INITIALIZER;

/* Stores the messages of one reply, oldest first. *last_uid becomes the highest UID stored
 * (all of the reply's when everything was stored). Returns the number stored, or -1 after
 * a store error (rn->msg says which). */
static int store_reply(struct run *rn, const char *mailbox, const struct mss_reply *r,
		       long long *last_uid)
{
	for (size_t i = 0; i < r->n_msgs; i++) {
		if (receive(rn, mailbox, &r->msgs[i])) {
			char why[sizeof rn->st->err], keep[sizeof rn->msg] = "";

			snprintf(why, sizeof why, "%s", rn->st->err);
			rn->s.remaining += (long long)(r->n_msgs - i);
			if (rn->s.messages || rn->s.duplicates) {
				reception_summary(rn);
				snprintf(keep, sizeof keep, " ; déjà enregistrés : %s", rn->msg);
			}
			snprintf(rn->msg, sizeof rn->msg, "Message MSSanté non enregistré (il sera "
				 "relu à la prochaine relève) : %s%s", why, keep);
			rn->flags |= MSS_JOB_ERROR;
			return -1;
		}
		if (r->msgs[i].uid > *last_uid)
			*last_uid = r->msgs[i].uid;
	}
	if (r->last_uid > *last_uid)
		*last_uid = r->last_uid;
	return (int)r->n_msgs;
}

static int fetch_locked(struct run *rn)
{
	struct mss_request *rq = calloc(1, sizeof *rq);
	struct mss_reply r;
	char mailbox[512], err[320];
	long long done = 0;
	int rc = 0;

	if (!rq)
		return -1;
	mss_mailbox_key(&rn->arg->cfg, mailbox, sizeof mailbox);
	if (make_archive(rn->arg->cfg.archive, err, sizeof err)) {
		fail_with(rn, MSS_ERR_CONFIG, err);
		free(rq);
		return 0;
	}
	for (;;) {
		long long uidvalidity, last_uid, new_last;
		int stored;

		if (mss_state_get(rn->st, mailbox, &uidvalidity, &last_uid)) {
			snprintf(rn->msg, sizeof rn->msg, "État de la boîte MSSanté illisible : %s",
				 rn->st->err);
			rn->flags |= MSS_JOB_ERROR;
			break;
		}
		memset(rq, 0, sizeof *rq);
		rq->op = MSS_OP_FETCH;
		rq->cfg = rn->arg->cfg;
		rq->uidvalidity = uidvalidity;
		rq->last_uid = last_uid;
		call(rn, rq, &r);
		rn->s.remaining = r.remaining;
		/* A new UIDVALIDITY numbers every message again (the store recognises the ones it
		 * has by their SHA-1): the UIDs start from 0. */
		new_last = r.uidvalidity && r.uidvalidity != uidvalidity ? 0 : last_uid;
		stored = store_reply(rn, mailbox, &r, &new_last);
		/* Only after the messages are stored, up to the last one stored: a killed process
		 * fetches the others again. */
		if (r.uidvalidity > 0)
			mss_state_set(rn->st, mailbox, r.uidvalidity, new_last,
				      stored < 0 ? rn->msg : r.rc == MSS_OK ? "" : r.error);
		else if (r.rc != MSS_OK)
			mss_state_set(rn->st, mailbox, uidvalidity, last_uid, r.error);
		done += stored > 0 ? stored : 0;
		if (stored < 0) {
			mss_reply_free(&r);
			break;
		}
		if (r.rc != MSS_OK) {
			reception_summary(rn);
			if (r.rc == MSS_ERR_CANCELLED) {
				char keep[sizeof rn->msg];
				snprintf(keep, sizeof keep, "%s", rn->msg);
				snprintf(rn->msg, sizeof rn->msg, "Relève MSSanté annulée : %s", keep);
				rn->flags |= MSS_JOB_ERROR;
			} else {
				char keep[sizeof rn->msg];
				snprintf(keep, sizeof keep, "%s", rn->msg);
				snprintf(rn->msg, sizeof rn->msg, "%s%s%s", r.error,
					 done ? " ; déjà enregistrés : " : "", done ? keep : "");
				rn->flags |= is_down(r.rc) ? MSS_JOB_DOWN | MSS_JOB_ERROR : MSS_JOB_ERROR;
			}
			mss_reply_free(&r);
			break;
		}
		if (r.remaining > 0)
			progress(rn, "Relève MSSanté : %lld/%lld", done, done + r.remaining);
		if (r.remaining <= 0 || r.n_msgs == 0 || stopped(rn)) {
			mss_reply_free(&r);
			reception_summary(rn);
			break;
		}
		mss_reply_free(&r);
	}
	explicit_bzero(rq, sizeof *rq);
	free(rq);
	return rc;
}

static int fetch(struct run *rn)
{
	int rc;

	if (!rn->arg->cfg.url[0]) {
		/* Nothing configured: a scheduled run stays silent, the command line says why. */
		if (!rn->job) {
			snprintf(rn->msg, sizeof rn->msg, "Aucune boîte MSSanté configurée ([mss] "
				 "adresse dans vigie.conf)");
			rn->flags |= MSS_JOB_ERROR;
		}
		return 0;
	}
	if (pthread_mutex_trylock(&fetch_lock)) {
		snprintf(rn->msg, sizeof rn->msg, "Relève MSSanté déjà en cours");
		return 0;
	}
	rc = fetch_locked(rn);
	pthread_mutex_unlock(&fetch_lock);
	return rc;
}

/* ---- import ------------------------------------------------------------------------------- */

/* Copies src into a new private file of the archive (synced); path receives its name. */
static int copy_in(const char *src, const char *archive, long long max, char *path,
		   size_t size, char *err, size_t errsize)
{
	char buf[65536];
	struct stat sb;
	int in, out, rc = -1;
	long long total = 0;

	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		snprintf(err, errsize, "Message illisible : %s (%s)", src, strerror(errno));
		return -1;
	}
	if (fstat(in, &sb) || !S_ISREG(sb.st_mode)) {
		snprintf(err, errsize, "%s n'est pas un fichier de message", src);
		close(in);
		return -1;
	}
	if (max > 0 && sb.st_size > max) {
		snprintf(err, errsize, "Message trop gros (%lld Mo, limite [mss] "
			 "taille_max_message : %lld Mo) : %s", (long long)sb.st_size >> 20, max >> 20,
			 src);
		close(in);
		return -1;
	}
	snprintf(path, size, "%s/import-tmp-XXXXXX.eml", archive);
	out = mkostemps(path, 4, O_CLOEXEC);   /* mode 0600 */
	if (out < 0) {
		snprintf(err, errsize, "Archive MSSanté non inscriptible : %s (%s)", archive,
			 strerror(errno));
		close(in);
		return -1;
	}
	for (;;) {
		ssize_t n = read(in, buf, sizeof buf), w = 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, errsize, "Message illisible : %s (%s)", src, strerror(errno));
			break;
		}
		if (n == 0) {
			rc = 0;
			break;
		}
		total += n;
		if (max > 0 && total > max) {
			snprintf(err, errsize, "Message trop gros : %s", src);
			break;
		}
		while (w < n) {
			ssize_t k = write(out, buf + w, (size_t)(n - w));
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				break;
			w += k;
		}
		if (w < n) {
			snprintf(err, errsize, "Archive MSSanté : écriture impossible (%s)",
				 strerror(errno));
			break;
		}
	}
	if (rc == 0 && fsync(out)) {
		snprintf(err, errsize, "Archive MSSanté : écriture impossible (%s)", strerror(errno));
		rc = -1;
	}
	close(out);
	close(in);
	if (rc)
		unlink(path);
	return rc;
}

/* Removes an extraction directory (flat: vigie-net writes DOC0001.XML, PJ01.pdf...). */
static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[MSS_PATH_MAX + 300];

	if (d) {
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			if (unlink(path) && errno == EISDIR)
				remove_tree(path);
		}
		closedir(d);
	}
	rmdir(dir);
}

static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* path names old_dir/...: it now names new_dir/... */
static void move_path(char *path, size_t size, const char *old_dir, const char *new_dir)
{
	size_t n = strlen(old_dir);
	char tail[MSS_PATH_MAX];

	if (strncmp(path, old_dir, n) || path[n] != '/')
		return;
	snprintf(tail, sizeof tail, "%s", path + n);
	snprintf(path, size, "%s%s", new_dir, tail);
}

/* The copy under a temporary key becomes import-<sha1> (the message's SHA-1, computed by
 * vigie-net): the same file imported twice lands on the same name. */
static int settle_import(const char *archive, const char *tmp_file, const char *tmp_key,
			 struct mss_message *m, char *err, size_t errsize)
{
	char key[64], file[MSS_PATH_MAX], old_dir[MSS_PATH_MAX], new_dir[MSS_PATH_MAX];
	struct stat sb;
	int again;

	if (strlen(m->sha1) != 40 || strspn(m->sha1, "0123456789abcdef") != 40)
		snprintf(key, sizeof key, "import-%s", tmp_key + strlen("import-tmp-"));
	else
		snprintf(key, sizeof key, "import-%s", m->sha1);
	snprintf(file, sizeof file, "%s/%s.eml", archive, key);
	snprintf(old_dir, sizeof old_dir, "%s/%s", archive, tmp_key);
	snprintf(new_dir, sizeof new_dir, "%s/%s", archive, key);
	again = stat(file, &sb) == 0;
	if (again) {
		/* Imported before: the same bytes gave the same parts; keep the first copy. */
		unlink(tmp_file);
		remove_tree(old_dir);
	} else {
		if (stat(old_dir, &sb) == 0) {
			remove_tree(new_dir);   /* left by an interrupted import */
			if (rename(old_dir, new_dir)) {
				snprintf(err, errsize, "Archive MSSanté : renommage impossible (%s)",
					 strerror(errno));
				return -1;
			}
		}
		if (rename(tmp_file, file)) {
			snprintf(err, errsize, "Archive MSSanté : renommage impossible (%s)",
				 strerror(errno));
			rename(new_dir, old_dir);
			return -1;
		}
		sync_dir(archive);
	}
	snprintf(m->file, sizeof m->file, "%s", file);
	snprintf(m->key, sizeof m->key, "%s", key);
	for (size_t i = 0; i < m->n_docs; i++) {
		move_path(m->docs[i].file, sizeof m->docs[i].file, old_dir, new_dir);
		move_path(m->docs[i].pdf, sizeof m->docs[i].pdf, old_dir, new_dir);
	}
	return 0;
}

static int import_one(struct run *rn, const char *src)
{
	const struct mss_config *cfg = &rn->arg->cfg;
	struct mss_request *rq;
	struct mss_reply r;
	char tmp[MSS_PATH_MAX], tmp_key[64], err[320];
	const char *base;
	int rc = -1;

	if (make_archive(cfg->archive, err, sizeof err) ||
	    copy_in(src, cfg->archive, cfg->max_message, tmp, sizeof tmp, err, sizeof err)) {
		fail_with(rn, MSS_ERR_IO, err);
		return -1;
	}
	base = strrchr(tmp, '/') + 1;
	snprintf(tmp_key, sizeof tmp_key, "%.*s", (int)(strlen(base) - 4), base);
	if (!(rq = calloc(1, sizeof *rq))) {
		unlink(tmp);
		return -1;
	}
	rq->op = MSS_OP_PARSE;
	rq->cfg = *cfg;
	/* Reading a file needs no secret. */
	explicit_bzero(rq->cfg.password, sizeof rq->cfg.password);
	explicit_bzero(rq->cfg.token, sizeof rq->cfg.token);
	snprintf(rq->file, sizeof rq->file, "%s", tmp);
	snprintf(rq->key, sizeof rq->key, "%s", tmp_key);
	call(rn, rq, &r);
	free(rq);
	if (r.rc != MSS_OK || r.n_msgs != 1) {
		char why[sizeof rn->msg];
		snprintf(why, sizeof why, "%s : %s", src, r.rc != MSS_OK ? r.error
			 : "message illisible");
		fail_with(rn, r.rc != MSS_OK ? r.rc : MSS_ERR_PARSE, why);
		unlink(tmp);
		snprintf(tmp, sizeof tmp, "%s/%s", cfg->archive, tmp_key);
		remove_tree(tmp);
	} else if (settle_import(cfg->archive, tmp, tmp_key, &r.msgs[0], err, sizeof err)) {
		fail_with(rn, MSS_ERR_IO, err);
	} else if (receive(rn, MSS_IMPORT_BOX, &r.msgs[0])) {
		snprintf(rn->msg, sizeof rn->msg, "%s : message non enregistré : %s", src,
			 rn->st->err);
		rn->flags |= MSS_JOB_ERROR;
	} else {
		rc = 0;
	}
	mss_reply_free(&r);
	return rc;
}

static int import(struct run *rn)
{
	/* On failure the message of import_one stands: nothing was stored. */
	if (import_one(rn, rn->arg->file) == 0)
		reception_summary(rn);
	return 0;
}

/* ---- integration -------------------------------------------------------------------------- */

struct doc_bytes {
	void *original, *pdf;
	size_t len, pdf_len;
	char *text;
	char text_err[200];
};

static void doc_bytes_free(struct doc_bytes *b)
{
	free(b->original);
	free(b->pdf);
	free(b->text);
	memset(b, 0, sizeof *b);
}

/* The PDF to show first: the CDA's copy, or the document itself when it is a PDF. */
static const char *pdf_path(const struct mss_item_full *f)
{
	if (f->doc.pdf[0])
		return f->doc.pdf;
	if (f->doc.kind == MSS_DOC_PDF && f->doc.file[0])
		return f->doc.file;
	return "";
}

static int load_doc(const struct mss_item_full *f, struct doc_bytes *b, char *err,
		    size_t errsize)
{
	const char *pdf = pdf_path(f);

	memset(b, 0, sizeof *b);
	if (!f->doc.file[0]) {
		snprintf(err, errsize, "document non extrait du message%s%s",
			 f->doc.error[0] ? " : " : "", f->doc.error);
		return -1;
	}
	if (net_remote_read_file(f->doc.file, MSS_FILE_MAX, &b->original, &b->len)) {
		snprintf(err, errsize, "document illisible dans l'archive (%s)", strerror(errno));
		return -1;
	}
	if (pdf[0]) {
		if (net_remote_read_file(pdf, MSS_FILE_MAX, &b->pdf, &b->pdf_len)) {
			snprintf(b->text_err, sizeof b->text_err, "Copie PDF illisible dans l'archive "
				 "(%s).", strerror(errno));
		} else if (pdf_text_extract(pdf, &b->text, b->text_err, sizeof b->text_err)) {
			b->text = NULL;
		}
	}
	return 0;
}

static int integrate_one(struct run *rn, long long id, int *failed, char *why, size_t why_size)
{
	struct mss_item_full *f = calloc(1, sizeof *f);
	struct doc_bytes b;
	enum mss_integrate_outcome out = MSS_INT_STORED;
	long long doc_id = 0;
	char err[256] = "", reason[256] = "";
	int rc = -1;

	if (!f)
		return -1;
	memset(&b, 0, sizeof b);
	if (mss_item_full_get(rn->st, id, f)) {
		snprintf(why, why_size, "élément %lld introuvable", id);
		(*failed)++;
		free(f);
		return -1;
	}
	/* Without the file, the store still says first why the item cannot be integrated
	 * anyway (no dossier, withdrawn...), or that it already is. */
	if (load_doc(f, &b, err, sizeof err))
		doc_bytes_free(&b);
	rc = mss_integrate(rn->st, id, b.original, b.len, b.pdf, b.pdf_len, b.text, &out, &doc_id,
			   reason, sizeof reason);
	if (rc) {
		snprintf(why, why_size, "« %s » : %s%s%s%s", f->it.type_label,
			 reason[0] ? reason : "non intégré", err[0] ? " (" : "", err,
			 err[0] ? ")" : "");
		(*failed)++;
	} else {
		switch (out) {
		case MSS_INT_STORED:
			rn->s.integrated++;
			rn->flags |= MSS_JOB_INTEGRATED;
			break;
		case MSS_INT_REPLACED:
			rn->s.integrated++;
			rn->s.replaced++;
			rn->flags |= MSS_JOB_INTEGRATED | MSS_JOB_REPLACED;
			break;
		case MSS_INT_ALREADY:
			rn->s.already++;
			rn->flags |= MSS_JOB_ALREADY;
			break;
		case MSS_INT_OLDER:
			rn->s.older++;
			rn->flags |= MSS_JOB_INTEGRATED;
			break;
		}
		if (rn->job && doc_id)
			job_set_result(rn->job, doc_id);
	}
	doc_bytes_free(&b);
	free(f);
	return rc ? -1 : 0;
}

static int integrate(struct run *rn)
{
	int failed = 0;
	char why[256] = "", last[256] = "", part[96];
	size_t len;

	for (size_t i = 0; i < rn->arg->n_items; i++) {
		if (stopped(rn))
			break;
		if (rn->arg->n_items > 1)
			progress(rn, "Intégration MSSanté : %lld/%lld", (long long)i,
				 (long long)rn->arg->n_items);
		if (integrate_one(rn, rn->arg->items[i], &failed, why, sizeof why))
			snprintf(last, sizeof last, "%s", why);
	}
	snprintf(rn->msg, sizeof rn->msg, "%d document(s) intégré(s)", rn->s.integrated);
	if (rn->s.already) {
		len = strlen(rn->msg);
		snprintf(part, sizeof part, ", %d déjà présent%s", rn->s.already,
			 rn->s.already > 1 ? "s" : "");
		snprintf(rn->msg + len, sizeof rn->msg - len, "%s", part);
	}
	if (rn->s.replaced) {
		len = strlen(rn->msg);
		snprintf(rn->msg + len, sizeof rn->msg - len, ", dont %d nouvelle%s version%s "
			 "(l'ancienne reste dans l'historique)", rn->s.replaced, rn->s.replaced > 1 ? "s" : "",
			 rn->s.replaced > 1 ? "s" : "");
	}
	if (rn->s.older) {
		len = strlen(rn->msg);
		snprintf(rn->msg + len, sizeof rn->msg - len, ", %d version%s plus ancienne%s "
			 "gardée%s dans l'historique", rn->s.older, rn->s.older > 1 ? "s" : "",
			 rn->s.older > 1 ? "s" : "", rn->s.older > 1 ? "s" : "");
	}
	if (failed) {
		len = strlen(rn->msg);
		snprintf(rn->msg + len, sizeof rn->msg - len, " ; %d échec(s) : %s", failed, last);
		rn->flags |= MSS_JOB_ERROR;
	}
	return 0;
}

/* ---- viewing ------------------------------------------------------------------------------ */

/* What the viewer shows first: the PDF text, the message body, or why there is nothing. */
static char *main_text(const struct mss_item_full *f, struct doc_bytes *b, int loaded,
		       const char *load_err, int has_narrative)
{
	char *text = NULL, head[600] = "";
	const char *body;
	size_t len;

	if (f->doc.conflict[0])
		snprintf(head, sizeof head, "Attention : %s\n\n", f->doc.conflict);
	if (f->doc.error[0]) {
		len = strlen(head);
		snprintf(head + len, sizeof head - len, "Document illisible : %s\n\n", f->doc.error);
	}
	if (f->msg_error[0]) {
		len = strlen(head);
		snprintf(head + len, sizeof head - len, "Message incomplet : %s\n\n", f->msg_error);
	}
	if (loaded && f->doc.kind == MSS_DOC_TEXT && b->original)
		body = b->original;
	else if (b->text && b->text[0])
		body = b->text;
	else if (!loaded)
		body = load_err;
	else if (b->text_err[0])
		body = b->text_err;
	else if (f->doc.kind == MSS_DOC_CDA)
		body = "Ce document ne contient pas de copie PDF.";
	else if (f->doc.kind == MSS_DOC_OTHER)
		body = "Pièce jointe d'un type que Vigie n'affiche pas : elle reste dans l'archive "
		       "MSSanté.";
	else
		body = "";
	if (asprintf(&text, "%s%s%s", head, body,
		     has_narrative && body[0] ? "\n\nTouche s : document structuré." : "") < 0)
		return NULL;
	return text;
}

static int view(struct run *rn)
{
	struct mss_item_full *f;
	struct doc_bytes b;
	char *text, *narrative = NULL, err[256] = "", title[256];
	int loaded;

	if (!rn->job || rn->arg->n_items == 0)
		return 0;
	if (!(f = calloc(1, sizeof *f)))
		return -1;
	if (mss_item_full_get(rn->st, rn->arg->items[0], f)) {
		snprintf(rn->msg, sizeof rn->msg, "Élément MSSanté introuvable : %s", rn->st->err);
		rn->flags |= MSS_JOB_ERROR;
		free(f);
		return 0;
	}
	loaded = load_doc(f, &b, err, sizeof err) == 0;
	if (!loaded) {
		char keep[sizeof err];
		snprintf(keep, sizeof keep, "%s", err);
		snprintf(err, sizeof err, "Document indisponible : %s.", keep);
	}
	if (loaded && f->doc.kind == MSS_DOC_CDA && f->doc.h.level == 3)
		narrative = view_texts_narrative(b.original, b.len, MSS_TEXT_MAX, stop_cb, rn->job);
	text = main_text(f, &b, loaded, err, narrative != NULL);
	snprintf(title, sizeof title, "%s%s%s", f->it.type_label, f->it.patient[0] ? " — " : "",
		 f->it.patient);
	if (text) {
		view_texts_put(job_id(rn->job), text, narrative, title);
		rn->flags |= MSS_JOB_VIEW;
		snprintf(rn->msg, sizeof rn->msg, "Document prêt : %s", title);
		mss_mark_read(rn->st, rn->arg->items[0], 1);
	} else {
		free(narrative);
	}
	doc_bytes_free(&b);
	free(f);
	return 0;
}

/* ---- running ------------------------------------------------------------------------------ */

static int work(struct run *rn)
{
	int rc = 0;

	switch (rn->arg->purpose) {
	case MSS_FETCH: rc = fetch(rn); break;
	case MSS_IMPORT: rc = import(rn); break;
	case MSS_INTEGRATE: rc = integrate(rn); break;
	case MSS_VIEW: rc = view(rn); break;
	}
	return rc < 0 ? rc : rn->flags;
}

static int run_job(struct job *j, struct store *st, void *p)
{
	struct run rn = { .job = j, .st = st, .arg = p };
	int rc = work(&rn);

	if (rn.msg[0])
		job_set_message(j, "%s", rn.msg);
	return rc;
}

static struct mss_job_arg *make_arg(const struct mss_config *cfg, enum mss_purpose purpose,
				    const long long *items, size_t n_items, const char *file)
{
	struct mss_job_arg *a = calloc(1, sizeof *a);

	if (!a)
		return NULL;
	a->purpose = purpose;
	a->cfg = *cfg;
	for (size_t i = 0; i < n_items && i < MSS_ITEMS_MAX; i++)
		a->items[a->n_items++] = items[i];
	if (file)
		snprintf(a->file, sizeof a->file, "%s", file);
	return a;
}

static int check_args(enum mss_purpose purpose, size_t n_items, const char *file, char *err,
		      size_t errsize)
{
	if ((unsigned)purpose > MSS_VIEW) {
		snprintf(err, errsize, "Tâche MSSanté inconnue");
		return -1;
	}
	if (n_items > MSS_ITEMS_MAX) {
		snprintf(err, errsize, "Au plus %d documents à la fois", MSS_ITEMS_MAX);
		return -1;
	}
	if ((purpose == MSS_INTEGRATE || purpose == MSS_VIEW) && n_items == 0) {
		snprintf(err, errsize, "Aucun document choisi");
		return -1;
	}
	if (purpose == MSS_IMPORT && (!file || !file[0] || strlen(file) >= MSS_PATH_MAX)) {
		snprintf(err, errsize, "Fichier de message à importer manquant");
		return -1;
	}
	return 0;
}

long long mss_job_post(struct jobs *js, int kind, const struct mss_config *cfg,
		       enum mss_purpose purpose, const long long *items, size_t n_items,
		       const char *file, char *err, size_t errsize)
{
	static const char *const labels[] = { "MSSanté", "MSSanté import",
					      "MSSanté intégration", "MSSanté document" };
	int per_call = cfg->timeout_ms > 0 ? cfg->timeout_ms : 120000;
	struct mss_job_arg *a;
	struct job_spec spec;
	long long id;

	if (check_args(purpose, n_items, file, err, errsize))
		return -1;
	if (!(a = make_arg(cfg, purpose, items, n_items, file))) {
		snprintf(err, errsize, "Mémoire insuffisante");
		return -1;
	}
	memset(&spec, 0, sizeof spec);
	spec.kind = kind;
	spec.run = run_job;
	spec.arg = a;
	spec.free_arg = arg_free;
	spec.label = labels[purpose];
	/* A fetch chains runs of max_messages; each call has its own timeouts, and what was
	 * stored before the limit stays stored. */
	switch (purpose) {
	case MSS_FETCH: spec.timeout_ms = 30 * 60 * 1000; break;
	case MSS_IMPORT: spec.timeout_ms = per_call; break;
	case MSS_INTEGRATE: spec.timeout_ms = (int)(n_items + 1) * 30000; break;
	case MSS_VIEW: spec.timeout_ms = 60000; break;
	}
	id = jobs_post(js, &spec);
	if (id < 0)
		snprintf(err, errsize, "Tâche MSSanté impossible à lancer");
	return id;
}

int mss_run_now_progress(struct store *st, const struct mss_config *cfg,
			 enum mss_purpose purpose, const long long *items, size_t n_items,
			 const char *file, char *message, size_t size,
			 struct mss_run_stats *stats,
			 void (*progress_fn)(void *ctx, const char *text), void *ctx)
{
	struct mss_job_arg *a;
	struct run rn = { .st = st, .progress = progress_fn, .progress_ctx = ctx };
	int rc;

	if (stats)
		memset(stats, 0, sizeof *stats);
	if (check_args(purpose, n_items, file, message, size))
		return -1;
	if (purpose == MSS_VIEW) {
		snprintf(message, size, "Affichage réservé à l'interface");
		return -1;
	}
	if (!(a = make_arg(cfg, purpose, items, n_items, file))) {
		snprintf(message, size, "Mémoire insuffisante");
		return -1;
	}
	rn.arg = a;
	rc = work(&rn);
	snprintf(message, size, "%s", rn.msg);
	if (stats)
		*stats = rn.s;
	arg_free(a);
	return rc;
}

int mss_run_now(struct store *st, const struct mss_config *cfg, enum mss_purpose purpose,
		const long long *items, size_t n_items, const char *file, char *message,
		size_t size, struct mss_run_stats *stats)
{
	return mss_run_now_progress(st, cfg, purpose, items, n_items, file, message, size, stats,
				    NULL, NULL);
}
