/* DMP jobs: status and new documents, authorisation, viewing and integration, behind one
 * DICA guard; calls go through vigie-net ("vigie-net dmp"). */
#include "jobs/dmp_job.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/dmp_wire.h"
#include "core/identity.h"
#include "jobs/net_remote.h"
#include "jobs/pdf_text.h"
#include "jobs/view_texts.h"
#include "jobs/psc_session.h"
#include "store/audit.h"
#include "store/consent.h"
#include "store/dmp_store.h"
#include "store/documents.h"
#include "store/patients.h"

#define DMP_ROWS_MAX 64
#define DMP_REPLY_MAX (8 * 1024 * 1024)
#define DMP_FILE_MAX (64 * 1024 * 1024)

struct dmp_job_arg {
	enum dmp_purpose purpose;
	long long patient_id;
	struct dmp_config cfg;
	struct dmp_actor actor;    /* national_id "" when nobody was signed in */
	long long rows[DMP_ROWS_MAX];
	size_t n_rows;
};

/* One run: the job (NULL from the command line), its store, its argument, what to say. */
struct run {
	struct job *job;
	struct store *st;
	struct dmp_job_arg *arg;
	struct patient p;
	char msg[320];
	int flags;
};

static void arg_free(void *p)
{
	struct dmp_job_arg *a = p;

	if (a) {
		explicit_bzero(&a->cfg, sizeof a->cfg);   /* key passwords */
		free(a);
	}
}

static int stop_cb(void *ctx)
{
	return ctx ? job_should_stop(ctx) : 0;
}

static long ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1000 + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* ---- DICA inputs -------------------------------------------------------------------------- */

int dmp_dica_load(struct store *st, long long patient_id, struct dica_input *in,
		  struct dica_keep *keep)
{
	struct patient p;
	struct dmp_actor a;
	char checked[32];
	int rc;

	memset(in, 0, sizeof *in);
	memset(keep, 0, sizeof *keep);
	patient_init(&p);
	if ((rc = patient_get(st, patient_id, &p)))
		return rc;
	snprintf(keep->id_status, sizeof keep->id_status, "%s",
		 id_status_code((enum id_status)p.id_status));
	store_now_utc(keep->now, sizeof keep->now);
	in->id_status = keep->id_status;
	in->now = keep->now;
	in->has_ins = p.ins_matricule[0] != 0;
	in->douteuse = (p.id_attrs & ID_ATTR_DOUTEUSE) != 0;
	in->fictive = (p.id_attrs & ID_ATTR_FICTIVE) != 0;
	patient_clear(&p);
	if ((rc = consent_get(st, patient_id, &in->consent)))
		return rc;
	rc = dmp_status_get(st, patient_id, &in->dmp, checked, sizeof checked);
	if (rc && rc != STORE_ERR_NOTFOUND)
		return rc;
	in->dmp_asked = rc == 0 && checked[0];
	if (dmp_service_get(st, &in->service_up, in->service_error, sizeof in->service_error))
		in->service_up = -1;
	if (psc_session_actor(&a) == 0) {
		in->authenticated = 1;
		snprintf(in->auth_who, sizeof in->auth_who, "%s %s (Pro Santé Connect)", a.given,
			 a.family);
	}
	return 0;
}

/* ---- one call through vigie-net ----------------------------------------------------------- */

static int is_down(const struct dmp_reply *r)
{
	return r->rc == DMP_ERR_CONNECT || r->rc == DMP_ERR_TIMEOUT || r->rc == DMP_ERR_HTTP;
}

/* Trace of every call (action dmp-appel): transaction, result or error code, duration. */
static void trace(struct run *rn, enum dmp_op op, const struct dmp_reply *r, long ms)
{
	char detail[200], code[sizeof r->err.code];
	int own, rc;

	/* The fault code comes from the server: nothing in it may break the JSON. */
	snprintf(code, sizeof code, "%s", r->err.code);
	for (char *c = code; *c; c++)
		if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20)
			*c = '_';
	snprintf(detail, sizeof detail, "{\"transaction\":\"%s\",\"resultat\":\"%s\","
		 "\"duree_ms\":%ld,\"mode\":\"%s\"}", dmp_op_name(op),
		 r->rc == DMP_OK ? "ok" : *code ? code : dmp_error_kind_name(r->rc),
		 ms, rn->arg->actor.access_mode);
	rc = store_write_begin(rn->st, &own);
	if (rc == 0)
		rc = audit_write(rn->st, "dmp-appel", "patient", rn->arg->patient_id, NULL, NULL,
				 detail);
	store_write_end(rn->st, own, rc);
	if (r->rc == DMP_OK || r->rc == DMP_ERR_CANCELLED || r->rc == DMP_ERR_REFUSED)
		dmp_service_put(rn->st, 1, "");
	if (is_down(r))
		dmp_service_put(rn->st, 0, r->err.message);
}

static void request_base(struct run *rn, enum dmp_op op, struct dmp_request *rq)
{
	memset(rq, 0, sizeof *rq);
	rq->op = op;
	rq->cfg = rn->arg->cfg;
	rq->actor = rn->arg->actor;
	snprintf(rq->patient.ins, sizeof rq->patient.ins, "%s", rn->p.ins_matricule);
	snprintf(rq->patient.oid, sizeof rq->patient.oid, "%s", rn->p.ins_oid);
	rq->expect_size = -1;
}

static int call(struct run *rn, struct dmp_request *rq, struct dmp_reply *r)
{
	struct kv_out o;
	struct timespec t0;
	char *reply = NULL, err[256];
	int rc;

	memset(r, 0, sizeof *r);
	kv_out_init(&o, 0);
	if (dmp_request_format(rq, &o) || o.bad) {
		kv_out_free(&o);
		r->rc = r->err.kind = DMP_ERR_CONFIG;
		snprintf(r->err.message, sizeof r->err.message, "Configuration DMP invalide (saut "
			 "de ligne dans une valeur)");
		return r->rc;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = net_remote_run("dmp", o.buf, o.len, DMP_REPLY_MAX, &reply, stop_cb, rn->job, err,
			    sizeof err);
	kv_out_free(&o);
	if (rc == NET_REMOTE_OK && reply[0]) {
		dmp_reply_parse(reply, r);
	} else {
		r->rc = r->err.kind = rc == NET_REMOTE_CANCELLED ? DMP_ERR_CANCELLED : DMP_ERR_CONFIG;
		snprintf(r->err.message, sizeof r->err.message, "%s",
			 rc == NET_REMOTE_CANCELLED ? "Appel DMP annulé" : err);
	}
	free(reply);
	trace(rn, rq->op, r, ms_since(&t0));
	return r->rc;
}

static void fail_with(struct run *rn, const struct dmp_reply *r)
{
	snprintf(rn->msg, sizeof rn->msg, "%s", r->err.message);
	rn->flags |= is_down(r) ? DMP_JOB_DOWN | DMP_JOB_ERROR : DMP_JOB_ERROR;
}

/* ---- the guard ---------------------------------------------------------------------------- */

/* Nothing is sent unless the DICA rules allow it; the reason is the first failing line. */
static int guard(struct run *rn)
{
	struct dica_input in;
	struct dica_keep keep;
	struct dica_result res;
	static const enum dica_letter order[] = { DICA_I, DICA_C, DICA_A };
	int rc = dmp_dica_load(rn->st, rn->arg->patient_id, &in, &keep);

	if (rc) {
		snprintf(rn->msg, sizeof rn->msg, "Dossier illisible : %s", rn->st->err);
		return -1;
	}
	in.authenticated = rn->arg->actor.national_id[0] != 0;
	dica_evaluate(&in, &res);
	if (!res.may_query) {
		for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
			if (res.line[order[i]].state != DICA_OK) {
				snprintf(rn->msg, sizeof rn->msg, "DMP non interrogé : %s",
					 res.line[order[i]].reason);
				break;
			}
		if (!rn->msg[0])
			snprintf(rn->msg, sizeof rn->msg, "DMP non interrogé : conditions DICA non "
				 "remplies");
		rn->flags |= DMP_JOB_REFUSED;
		return 1;
	}
	if (rn->arg->purpose == DMP_AUTHORIZE && !in.consent.consultation) {
		snprintf(rn->msg, sizeof rn->msg, "Autorisation non déclarée : le consentement du "
			 "patient à la consultation n'est pas recueilli");
		rn->flags |= DMP_JOB_REFUSED;
		return 1;
	}
	snprintf(rn->arg->actor.access_mode, sizeof rn->arg->actor.access_mode, "%s",
		 !in.consent.consultation && res.bdg_active ? "bris_de_glace" : "normal");
	return 0;
}

/* ---- status and documents ----------------------------------------------------------------- */

static void status_message(struct run *rn, const struct dmp_status *s)
{
	switch (s->state) {
	case DMP_STATE_ABSENT:
		snprintf(rn->msg, sizeof rn->msg, "Pas de DMP pour ce patient");
		break;
	case DMP_STATE_CLOSED:
		snprintf(rn->msg, sizeof rn->msg, "DMP fermé le %s%s%s", s->closed_date,
			 s->closed_reason[0] ? " : " : "", s->closed_reason);
		break;
	default:
		if (s->authz == DMP_AUTHZ_BLOCKED)
			snprintf(rn->msg, sizeof rn->msg, "Le patient a bloqué votre accès à son DMP");
		else if (s->authz != DMP_AUTHZ_VALID)
			snprintf(rn->msg, sizeof rn->msg, "DMP actif, sans autorisation d'accès "
				 "valide pour vous (DICA : déclarer l'autorisation)");
		else
			snprintf(rn->msg, sizeof rn->msg, "DMP actif, accès autorisé");
	}
}

static void docs_message(struct run *rn)
{
	int n_new = 0, n_inv = 0, n_all = 0;
	char fetched[32];

	dmp_docs_count_new(rn->st, rn->arg->patient_id, rn->st->who, &n_new, &n_inv, &n_all,
			   fetched, sizeof fetched);
	if (n_new == 0)
		snprintf(rn->msg, sizeof rn->msg, "DMP : %d document(s), aucun nouveau depuis "
			 "votre dernière visite", n_all);
	else
		snprintf(rn->msg, sizeof rn->msg, "DMP : %d nouveau(x) document(s) depuis votre "
			 "dernière visite%s%.0d%s", n_new, n_inv ? ", dont " : "", n_inv,
			 n_inv ? " invisible(s) pour le patient" : "");
}

static int refresh(struct run *rn)
{
	struct dmp_request *rq = calloc(1, sizeof *rq);
	struct dmp_reply r;
	int bdg = !strcmp(rn->arg->actor.access_mode, "bris_de_glace");

	if (!rq)
		return -1;
	request_base(rn, DMP_OP_STATUS, rq);
	if (call(rn, rq, &r) == DMP_OK) {
		dmp_status_put(rn->st, rn->arg->patient_id, &r.status);
		rn->flags |= DMP_JOB_STATUS;
		status_message(rn, &r.status);
		if (r.status.state == DMP_STATE_ACTIVE && r.status.authz != DMP_AUTHZ_BLOCKED &&
		    (r.status.authz == DMP_AUTHZ_VALID || bdg)) {
			dmp_reply_free(&r);
			request_base(rn, DMP_OP_FIND, rq);
			if (call(rn, rq, &r) == DMP_OK) {
				if (dmp_docs_merge(rn->st, rn->arg->patient_id, r.docs, r.n_docs) == 0) {
					rn->flags |= DMP_JOB_DOCS;
					docs_message(rn);
				} else {
					snprintf(rn->msg, sizeof rn->msg, "Liste du DMP non enregistrée : %s",
						 rn->st->err);
					rn->flags |= DMP_JOB_ERROR;
				}
			} else {
				fail_with(rn, &r);
			}
		}
	} else {
		fail_with(rn, &r);
	}
	dmp_reply_free(&r);
	free(rq);
	return 0;
}

static int authorize(struct run *rn)
{
	struct dmp_request *rq = calloc(1, sizeof *rq);
	struct dmp_reply r;
	int rc;

	if (!rq)
		return -1;
	request_base(rn, DMP_OP_AUTHORIZE, rq);
	rc = call(rn, rq, &r);
	if (rc == DMP_OK)
		rn->flags |= DMP_JOB_STATUS;
	else
		fail_with(rn, &r);
	dmp_reply_free(&r);
	free(rq);
	if (rc == DMP_OK) {
		char keep[sizeof rn->msg];
		refresh(rn);
		snprintf(keep, sizeof keep, "%s", rn->msg);
		snprintf(rn->msg, sizeof rn->msg, "Autorisation d'accès déclarée. %s", keep);
	}
	return 0;
}

/* ---- retrieval ---------------------------------------------------------------------------- */

/* A private directory for the helper's files, removed afterwards. */
static int make_dir(char *dir, size_t size)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, size, "%s/vigie-dmp-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	return mkdtemp(dir) ? 0 : -1;
}

static void remove_dir(const char *dir)
{
	char path[1200];

	snprintf(path, sizeof path, "%s/original", dir);
	unlink(path);
	snprintf(path, sizeof path, "%s/pdf", dir);
	unlink(path);
	rmdir(dir);
}

struct fetched {
	struct dmp_doc_row row;
	struct dmp_reply r;
	void *original, *pdf;
	size_t len, pdf_len;
	char *text;
	char text_err[200];
};

static void fetched_free(struct fetched *f)
{
	dmp_reply_free(&f->r);
	free(f->original);
	free(f->pdf);
	free(f->text);
}

/* The cached entry's XDS patient id ("INS^^^&OID&ISO^NH") names this patient's INS: a row
 * number given on the command line may belong to another dossier. */
static int same_patient(const char *xds_id, const char *ins)
{
	size_t n = strlen(ins);

	return n > 0 && !strncmp(xds_id, ins, n) && xds_id[n] == '^';
}

/* TD3.2 of one cached entry, checked: the bytes, the PDF copy and its text. */
static int retrieve(struct run *rn, long long row_id, struct fetched *f)
{
	struct dmp_request *rq;
	char dir[1024];
	int rc = -1;

	memset(f, 0, sizeof *f);
	if (dmp_doc_get(rn->st, row_id, &f->row)) {
		snprintf(rn->msg, sizeof rn->msg, "Document du DMP introuvable dans la liste : "
			 "actualisez-la");
		rn->flags |= DMP_JOB_ERROR;
		return -1;
	}
	if (!same_patient(f->row.doc.patient_id, rn->p.ins_matricule)) {
		snprintf(rn->msg, sizeof rn->msg, "Le document n° %lld de la liste du DMP n'est pas "
			 "celui de ce patient : rien n'est demandé", row_id);
		rn->flags |= DMP_JOB_ERROR;
		return -1;
	}
	if (make_dir(dir, sizeof dir)) {
		snprintf(rn->msg, sizeof rn->msg, "Dossier temporaire impossible : %s",
			 strerror(errno));
		rn->flags |= DMP_JOB_ERROR;
		return -1;
	}
	rq = calloc(1, sizeof *rq);
	if (!rq) {
		rmdir(dir);
		return -1;
	}
	request_base(rn, DMP_OP_RETRIEVE, rq);
	snprintf(rq->unique_id, sizeof rq->unique_id, "%s", f->row.doc.unique_id);
	snprintf(rq->repository_id, sizeof rq->repository_id, "%s", f->row.doc.repository_id);
	snprintf(rq->expect_hash, sizeof rq->expect_hash, "%s", f->row.doc.hash);
	rq->expect_size = f->row.doc.size > 0 ? f->row.doc.size : -1;
	snprintf(rq->out_dir, sizeof rq->out_dir, "%s", dir);
	if (call(rn, rq, &f->r) != DMP_OK) {
		fail_with(rn, &f->r);
	} else if (net_remote_read_file(f->r.original_path, DMP_FILE_MAX, &f->original, &f->len)) {
		snprintf(rn->msg, sizeof rn->msg, "Document reçu illisible : %s", strerror(errno));
		rn->flags |= DMP_JOB_ERROR;
	} else if (f->r.is_cda && strcmp(f->r.cda.patient_ins, rn->p.ins_matricule)) {
		snprintf(rn->msg, sizeof rn->msg, "« %s » ne porte pas l'INS de ce patient : "
			 "document non intégré", f->row.doc.title);
		rn->flags |= DMP_JOB_ERROR;
	} else {
		if (f->r.pdf_path[0] && net_remote_read_file(f->r.pdf_path, DMP_FILE_MAX, &f->pdf, &f->pdf_len) == 0 &&
		    pdf_text_extract(f->r.pdf_path, &f->text, f->text_err, sizeof f->text_err))
			f->text = NULL;
		rc = 0;
	}
	free(rq);
	remove_dir(dir);
	return rc;
}

static void fill_document(const struct run *rn, const struct fetched *f, struct document *d)
{
	const struct dmp_doc *m = &f->row.doc;
	const struct cda_header *h = &f->r.cda;

	memset(d, 0, sizeof *d);
	d->patient_id = rn->arg->patient_id;
	snprintf(d->provenance, sizeof d->provenance, "DMP");
	snprintf(d->cda_id, sizeof d->cda_id, "%s", f->r.is_cda && h->id[0] ? h->id : m->unique_id);
	snprintf(d->set_id, sizeof d->set_id, "%s", h->set_id);
	d->version = h->version;
	snprintf(d->title, sizeof d->title, "%s", h->title[0] ? h->title : m->title);
	snprintf(d->type_code, sizeof d->type_code, "%s", m->type_code[0] ? m->type_code : h->code);
	snprintf(d->type_label, sizeof d->type_label, "%s",
		 m->type_label[0] ? m->type_label : h->code_label);
	snprintf(d->author, sizeof d->author, "%s", m->author[0] ? m->author : h->author);
	snprintf(d->author_profession, sizeof d->author_profession, "%s",
		 m->author_profession[0] ? m->author_profession : h->author_profession);
	snprintf(d->doc_date, sizeof d->doc_date, "%s",
		 h->effective_time[0] ? h->effective_time : m->creation_time);
	d->invisible_patient = m->invisible_patient;
	snprintf(d->mime, sizeof d->mime, "%s", f->r.mime[0] ? f->r.mime : m->mime);
	d->level = f->r.is_cda ? h->level : 0;
	snprintf(d->sha1, sizeof d->sha1, "%s", f->r.hash);
	d->size = (long long)f->len;
	snprintf(d->source_ref, sizeof d->source_ref, "%s", m->entry_uuid);
}

static int integrate_one(struct run *rn, long long row_id, int *stored, int *dup)
{
	struct fetched f;
	struct document d;
	enum document_match m;
	long long existing = 0;
	int rc;

	if (retrieve(rn, row_id, &f)) {
		fetched_free(&f);
		return -1;
	}
	fill_document(rn, &f, &d);
	rc = document_match(rn->st, d.patient_id, d.cda_id, d.set_id, d.version, &m, &existing);
	if (rc == 0 && (m == DOC_MATCH_SAME || m == DOC_MATCH_OLDER)) {
		(*dup)++;
		rn->flags |= DMP_JOB_DUPLICATE;
	} else if (rc == 0) {
		rc = document_insert(rn->st, &d, f.original, f.len, f.pdf, f.pdf_len, f.text);
		if (rc == 0) {
			(*stored)++;
			rn->flags |= DMP_JOB_INTEGRATED;
			if (rn->job)
				job_set_result(rn->job, d.id);
		}
	}
	if (rc) {
		snprintf(rn->msg, sizeof rn->msg, "« %s » non intégré : %s", d.title, rn->st->err);
		rn->flags |= DMP_JOB_ERROR;
	}
	fetched_free(&f);
	return rc;
}

static int integrate(struct run *rn)
{
	int stored = 0, dup = 0, failed = 0;
	char dups[64] = "", why[sizeof rn->msg] = "";

	for (size_t i = 0; i < rn->arg->n_rows; i++) {
		if (rn->job && job_should_stop(rn->job))
			break;
		if (integrate_one(rn, rn->arg->rows[i], &stored, &dup))
			failed++;
	}
	if (failed && !stored && !dup)
		return 0;   /* the message of the failure stands */
	if (dup)
		snprintf(dups, sizeof dups, ", %d déjà présent(s)", dup);
	if (failed)
		snprintf(why, sizeof why, " ; échec : %s", rn->msg);
	snprintf(rn->msg, sizeof rn->msg, "%d document(s) intégré(s) au dossier%s%s", stored,
		 dups, why);
	return 0;
}

/* ---- viewing ------------------------------------------------------------------------------ */

static int view(struct run *rn)
{
	struct fetched f;
	char *text, *narrative = NULL;

	if (!rn->job || rn->arg->n_rows == 0)
		return 0;
	if (retrieve(rn, rn->arg->rows[0], &f)) {
		fetched_free(&f);
		return 0;
	}
	if (f.r.is_cda && f.r.cda.level == 3)
		narrative = view_texts_narrative(f.original, f.len, 4 * 1024 * 1024, stop_cb, rn->job);
	if (f.text) {
		text = f.text;
		f.text = NULL;
	} else if (asprintf(&text, "%s\n\n%s", f.r.pdf_path[0] ? f.text_err
				: "Ce document ne contient pas de copie PDF.",
			    narrative ? "Touche s : document structuré." : "") < 0) {
		text = NULL;
	}
	if (text) {
		view_texts_put(job_id(rn->job), text, narrative, f.row.doc.title);
		rn->flags |= DMP_JOB_VIEW;
		snprintf(rn->msg, sizeof rn->msg, "Document du DMP prêt : %s", f.row.doc.title);
	} else {
		free(narrative);
	}
	fetched_free(&f);
	return 0;
}

/* A stored document: its PDF text and, for a CDA N3, its narrative. No DMP call. */
static int local_text(struct run *rn)
{
	struct document d;
	void *orig = NULL;
	size_t len = 0;
	char *text = NULL, *narrative = NULL;

	if (!rn->job || rn->arg->n_rows == 0 || document_get(rn->st, rn->arg->rows[0], &d) ||
	    d.patient_id != rn->arg->patient_id) {
		snprintf(rn->msg, sizeof rn->msg, "Document introuvable");
		rn->flags |= DMP_JOB_ERROR;
		return 0;
	}
	if (document_text(rn->st, d.id, &text) || !text || !text[0]) {
		free(text);
		text = strdup(d.has_pdf ? "Texte du PDF non extrait (pdftotext n'était pas "
			      "installé lors de l'intégration)." : "Ce document n'a pas de copie PDF.");
	}
	if (d.level == 3 && document_original(rn->st, d.id, &orig, &len) == 0)
		narrative = view_texts_narrative(orig, len, 4 * 1024 * 1024, stop_cb, rn->job);
	free(orig);
	if (!text) {
		free(narrative);
		return -1;
	}
	view_texts_put(job_id(rn->job), text, narrative, d.title);
	rn->flags |= DMP_JOB_VIEW;
	return 0;
}

/* ---- running ------------------------------------------------------------------------------ */

static int work(struct run *rn)
{
	int rc;

	patient_init(&rn->p);
	if ((rc = patient_get(rn->st, rn->arg->patient_id, &rn->p))) {
		snprintf(rn->msg, sizeof rn->msg, "Dossier introuvable : %s", rn->st->err);
		return rc;
	}
	if (rn->arg->purpose == DMP_LOCAL_TEXT) {
		rc = local_text(rn);
	} else if ((rc = guard(rn)) == 0) {
		switch (rn->arg->purpose) {
		case DMP_REFRESH: rc = refresh(rn); break;
		case DMP_AUTHORIZE: rc = authorize(rn); break;
		case DMP_INTEGRATE: rc = integrate(rn); break;
		case DMP_VIEW: rc = view(rn); break;
		case DMP_LOCAL_TEXT: break;
		}
	} else if (rc > 0) {
		rc = 0;
	}
	patient_clear(&rn->p);
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

static struct dmp_job_arg *make_arg(const struct dmp_config *cfg, long long patient_id,
				    enum dmp_purpose purpose, const long long *rows,
				    size_t n_rows)
{
	struct dmp_job_arg *a = calloc(1, sizeof *a);

	if (!a)
		return NULL;
	a->purpose = purpose;
	a->patient_id = patient_id;
	a->cfg = *cfg;
	if (psc_session_actor(&a->actor))
		memset(&a->actor, 0, sizeof a->actor);
	for (size_t i = 0; i < n_rows && i < DMP_ROWS_MAX; i++)
		a->rows[a->n_rows++] = rows[i];
	return a;
}

long long dmp_job_post(struct jobs *js, int kind, const struct dmp_config *cfg,
		       long long patient_id, enum dmp_purpose purpose, const long long *rows,
		       size_t n_rows, char *err, size_t errsize)
{
	static const char *const labels[] = { "DMP", "DMP autorisation", "DMP intégration",
					      "DMP document", "Document" };
	struct dmp_job_arg *a;
	struct job_spec spec;
	long long id;

	if (n_rows > DMP_ROWS_MAX) {
		snprintf(err, errsize, "Au plus %d documents à la fois", DMP_ROWS_MAX);
		return -1;
	}
	if (!(a = make_arg(cfg, patient_id, purpose, rows, n_rows))) {
		snprintf(err, errsize, "Mémoire insuffisante");
		return -1;
	}
	memset(&spec, 0, sizeof spec);
	spec.kind = kind;
	spec.patient_id = patient_id;
	/* Each call has its own timeouts; the job may chain a few of them. */
	spec.timeout_ms = (int)(n_rows + 2) * (cfg->timeout_ms > 0 ? cfg->timeout_ms : 30000);
	spec.run = run_job;
	spec.arg = a;
	spec.free_arg = arg_free;
	spec.label = labels[purpose];
	id = jobs_post(js, &spec);
	if (id < 0)
		snprintf(err, errsize, "Tâche DMP impossible à lancer");
	return id;
}

int dmp_run_now(struct store *st, const struct dmp_config *cfg, long long patient_id,
		enum dmp_purpose purpose, const long long *rows, size_t n_rows, char *message,
		size_t size)
{
	struct dmp_job_arg *a = make_arg(cfg, patient_id, purpose, rows, n_rows);
	struct run rn = { .st = st, .arg = a };
	int rc;

	if (!a) {
		snprintf(message, size, "Mémoire insuffisante");
		return -1;
	}
	rc = work(&rn);
	snprintf(message, size, "%s", rn.msg);
	arg_free(a);
	return rc;
}
