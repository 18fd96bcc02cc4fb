/* DMP requests and replies between vigie and "vigie-net dmp", as "key: value" lines. */
#include "core/dmp_wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A FIND reply never holds more; a larger count is a corrupted reply, not a long list. */
#define DMP_WIRE_MAX_DOCS 100000

#define SET(dst, v) kv_copy((dst), sizeof(dst), (v))

/* ------------------------------------------------------------------ names */

static const char *const op_names[] = { "", "td0.2", "td0.3", "td3.1", "td3.2" };
static const char *const state_names[] = { "inconnu", "absent", "actif", "ferme" };
static const char *const authz_names[] = { "inconnue", "aucune", "valide", "expiree", "bloquee" };

const char *dmp_op_name(enum dmp_op op)
{
	return op > DMP_OP_NONE && op <= DMP_OP_RETRIEVE ? op_names[op] : "";
}

static enum dmp_op op_from_name(const char *name)
{
	for (int i = DMP_OP_STATUS; i <= DMP_OP_RETRIEVE; i++)
		if (!strcmp(name, op_names[i]))
			return (enum dmp_op)i;
	return DMP_OP_NONE;
}

const char *dmp_error_kind_name(int kind)
{
	switch (kind) {
	case DMP_OK: return "ok";
	case DMP_ERR_CONFIG: return "configuration";
	case DMP_ERR_CONNECT: return "connexion";
	case DMP_ERR_TIMEOUT: return "delai";
	case DMP_ERR_TLS: return "tls";
	case DMP_ERR_HTTP: return "http";
	case DMP_ERR_FAULT: return "soap";
	case DMP_ERR_PARSE: return "reponse_invalide";
	case DMP_ERR_REFUSED: return "refus";
	case DMP_ERR_CANCELLED: return "annule";
	case DMP_ERR_MISMATCH: return "incoherence";
	default: return "technique";
	}
}

const char *dmp_state_name(enum dmp_state s)
{
	return s >= DMP_STATE_UNKNOWN && s <= DMP_STATE_CLOSED ? state_names[s] : state_names[0];
}

const char *dmp_authz_name(enum dmp_authz a)
{
	return a >= DMP_AUTHZ_UNKNOWN && a <= DMP_AUTHZ_BLOCKED ? authz_names[a] : authz_names[0];
}

enum dmp_state dmp_state_from_name(const char *name)
{
	for (int i = DMP_STATE_UNKNOWN; name && i <= DMP_STATE_CLOSED; i++)
		if (!strcmp(name, state_names[i]))
			return (enum dmp_state)i;
	return DMP_STATE_UNKNOWN;
}

enum dmp_authz dmp_authz_from_name(const char *name)
{
	for (int i = DMP_AUTHZ_UNKNOWN; name && i <= DMP_AUTHZ_BLOCKED; i++)
		if (!strcmp(name, authz_names[i]))
			return (enum dmp_authz)i;
	return DMP_AUTHZ_UNKNOWN;
}

/* ------------------------------------------------------------------ request */

static void format_config(const struct dmp_config *c, struct kv_out *o)
{
	kv_put(o, "endpoint", c->endpoint);
	kv_put(o, "ca", c->ca_file);
	kv_put(o, "cert", c->cert_file);
	kv_put(o, "cert_type", c->cert_type);
	kv_put(o, "key", c->key_file);
	kv_put(o, "key_password", c->key_password);
	kv_put(o, "seal_cert", c->seal_cert);
	kv_put(o, "seal_key", c->seal_key);
	kv_put(o, "seal_password", c->seal_password);
	kv_put(o, "software_name", c->software_name);
	kv_put(o, "software_version", c->software_version);
	kv_put(o, "homologation", c->homologation);
	kv_put(o, "structure_id", c->structure_id);
	kv_put(o, "structure_name", c->structure_name);
	kv_put(o, "secteur", c->secteur);
	kv_puti(o, "connect_timeout_ms", c->connect_timeout_ms);
	kv_puti(o, "timeout_ms", c->timeout_ms);
}

static void format_actor(const struct dmp_actor *a, struct kv_out *o)
{
	kv_put(o, "actor_id", a->national_id);
	kv_put(o, "actor_family", a->family);
	kv_put(o, "actor_given", a->given);
	kv_put(o, "actor_profession", a->profession);
	kv_put(o, "actor_speciality", a->speciality);
	kv_put(o, "actor_auth_mode", a->auth_mode);
	kv_put(o, "actor_authn_class", a->authn_class);
	kv_put(o, "actor_access_mode", a->access_mode);
}

int dmp_request_format(const struct dmp_request *rq, struct kv_out *o)
{
	kv_put(o, "operation", dmp_op_name(rq->op));
	format_config(&rq->cfg, o);
	format_actor(&rq->actor, o);
	kv_put(o, "ins", rq->patient.ins);
	kv_put(o, "oid", rq->patient.oid);
	kv_put(o, "since", rq->since);
	kv_put(o, "unique_id", rq->unique_id);
	kv_put(o, "repository_id", rq->repository_id);
	kv_put(o, "expect_hash", rq->expect_hash);
	kv_puti(o, "expect_size", rq->expect_size);
	kv_put(o, "out_dir", rq->out_dir);
	kv_put(o, "end", "");
	return o->bad ? -1 : 0;
}

static void parse_config(const struct kv_msg *m, struct dmp_config *c)
{
	SET(c->endpoint, kv_get(m, "endpoint", ""));
	SET(c->ca_file, kv_get(m, "ca", ""));
	SET(c->cert_file, kv_get(m, "cert", ""));
	SET(c->cert_type, kv_get(m, "cert_type", ""));
	SET(c->key_file, kv_get(m, "key", ""));
	SET(c->key_password, kv_get(m, "key_password", ""));
	SET(c->seal_cert, kv_get(m, "seal_cert", ""));
	SET(c->seal_key, kv_get(m, "seal_key", ""));
	SET(c->seal_password, kv_get(m, "seal_password", ""));
	SET(c->software_name, kv_get(m, "software_name", ""));
	SET(c->software_version, kv_get(m, "software_version", ""));
	SET(c->homologation, kv_get(m, "homologation", ""));
	SET(c->structure_id, kv_get(m, "structure_id", ""));
	SET(c->structure_name, kv_get(m, "structure_name", ""));
	SET(c->secteur, kv_get(m, "secteur", ""));
	c->connect_timeout_ms = (int)kv_get_int(m, "connect_timeout_ms", 0);
	c->timeout_ms = (int)kv_get_int(m, "timeout_ms", 0);
}

static void parse_actor(const struct kv_msg *m, struct dmp_actor *a)
{
	SET(a->national_id, kv_get(m, "actor_id", ""));
	SET(a->family, kv_get(m, "actor_family", ""));
	SET(a->given, kv_get(m, "actor_given", ""));
	SET(a->profession, kv_get(m, "actor_profession", ""));
	SET(a->speciality, kv_get(m, "actor_speciality", ""));
	SET(a->auth_mode, kv_get(m, "actor_auth_mode", ""));
	SET(a->authn_class, kv_get(m, "actor_authn_class", ""));
	SET(a->access_mode, kv_get(m, "actor_access_mode", ""));
}

int dmp_request_parse(const char *text, struct dmp_request *rq, char *err, size_t errsize)
{
	struct kv_msg m;

	memset(rq, 0, sizeof *rq);
	if (kv_parse(text, &m)) {
		snprintf(err, errsize, "Mémoire insuffisante pour lire la requête DMP");
		return -1;
	}
	if (!kv_get(&m, "end", NULL)) {
		kv_msg_free(&m);
		snprintf(err, errsize, "Requête DMP incomplète (ligne « end » absente)");
		return -1;
	}
	rq->op = op_from_name(kv_get(&m, "operation", ""));
	if (rq->op == DMP_OP_NONE) {
		snprintf(err, errsize, "Requête DMP sans opération connue (« %.32s »)",
			 kv_get(&m, "operation", ""));
		kv_msg_free(&m);
		return -1;
	}
	parse_config(&m, &rq->cfg);
	parse_actor(&m, &rq->actor);
	SET(rq->patient.ins, kv_get(&m, "ins", ""));
	SET(rq->patient.oid, kv_get(&m, "oid", ""));
	SET(rq->since, kv_get(&m, "since", ""));
	SET(rq->unique_id, kv_get(&m, "unique_id", ""));
	SET(rq->repository_id, kv_get(&m, "repository_id", ""));
	SET(rq->expect_hash, kv_get(&m, "expect_hash", ""));
	rq->expect_size = kv_get_int(&m, "expect_size", -1);
	SET(rq->out_dir, kv_get(&m, "out_dir", ""));
	kv_msg_free(&m);
	return 0;
}

/* ------------------------------------------------------------------ reply */

static void format_status(const struct dmp_status *s, struct kv_out *o)
{
	kv_put(o, "state", dmp_state_name(s->state));
	kv_put(o, "closed_date", s->closed_date);
	kv_put(o, "closed_reason", s->closed_reason);
	kv_put(o, "authz", dmp_authz_name(s->authz));
	kv_put(o, "authz_end", s->authz_end);
	kv_puti(o, "treating_doctor", s->treating_doctor);
	kv_put(o, "status_ins", s->ins);
}

/* One document entry: a "doc: begin" ... "doc: end" block. */
static void format_doc(const struct dmp_doc *d, struct kv_out *o)
{
	kv_put(o, "doc", "begin");
	kv_put(o, "entry_uuid", d->entry_uuid);
	kv_put(o, "unique_id", d->unique_id);
	kv_put(o, "repository_id", d->repository_id);
	kv_put(o, "patient_id", d->patient_id);
	kv_put(o, "title", d->title);
	kv_put(o, "type_code", d->type_code);
	kv_put(o, "type_label", d->type_label);
	kv_put(o, "class_code", d->class_code);
	kv_put(o, "format_code", d->format_code);
	kv_put(o, "mime", d->mime);
	kv_put(o, "author", d->author);
	kv_put(o, "author_profession", d->author_profession);
	kv_put(o, "creation_time", d->creation_time);
	kv_put(o, "service_start", d->service_start);
	kv_put(o, "submission_time", d->submission_time);
	kv_puti(o, "invisible_patient", d->invisible_patient);
	kv_puti(o, "masked_ps", d->masked_ps);
	kv_put(o, "hash", d->hash);
	kv_puti(o, "size", d->size);
	kv_put(o, "status", d->status);
	kv_put(o, "doc", "end");
}

void dmp_wire_format_cda(const struct cda_header *h, struct kv_out *o)
{
	kv_put(o, "cda_id", h->id);
	kv_put(o, "cda_set_id", h->set_id);
	kv_puti(o, "cda_version", h->version);
	kv_put(o, "cda_code", h->code);
	kv_put(o, "cda_code_label", h->code_label);
	kv_put(o, "cda_title", h->title);
	kv_put(o, "cda_effective_time", h->effective_time);
	kv_put(o, "cda_patient_ins", h->patient_ins);
	kv_put(o, "cda_patient_oid", h->patient_oid);
	kv_put(o, "cda_patient_family", h->patient_family);
	kv_put(o, "cda_patient_given", h->patient_given);
	kv_put(o, "cda_patient_birth", h->patient_birth);
	kv_put(o, "cda_patient_sex", h->patient_sex);
	kv_put(o, "cda_author", h->author);
	kv_put(o, "cda_author_profession", h->author_profession);
	kv_puti(o, "cda_level", h->level);
	kv_puti(o, "cda_has_pdf", h->has_pdf);
	kv_put(o, "cda_related_id", h->related_id);
	kv_put(o, "cda_patient_used", h->patient_used_family);
	kv_put(o, "cda_patient_given_all", h->patient_given_all);
	kv_put(o, "cda_patient_birth_place", h->patient_birth_place);
	kv_put(o, "cda_care_date", h->care_date);
	kv_put(o, "cda_author_org", h->author_org);
	kv_puti(o, "cda_abnormal", h->abnormal);
}

static void format_retrieve(const struct dmp_reply *r, struct kv_out *o)
{
	kv_put(o, "original_path", r->original_path);
	kv_put(o, "mime", r->mime);
	kv_put(o, "hash", r->hash);
	kv_puti(o, "size", r->size);
	kv_puti(o, "is_cda", r->is_cda);
	if (r->is_cda)
		dmp_wire_format_cda(&r->cda, o);
	kv_put(o, "pdf_path", r->pdf_path);
}

int dmp_reply_format(const struct dmp_reply *r, struct kv_out *o)
{
	kv_puti(o, "kind", r->rc);
	if (r->rc) {
		kv_put(o, "code", r->err.code);
		kv_put(o, "message", r->err.message);
		kv_put(o, "end", "");
		return o->bad ? -1 : 0;
	}
	format_status(&r->status, o);
	format_retrieve(r, o);
	kv_puti(o, "docs", (long long)r->n_docs);
	for (size_t i = 0; i < r->n_docs; i++)
		format_doc(&r->docs[i], o);
	kv_put(o, "end", "");
	return o->bad ? -1 : 0;
}

static void parse_status(const struct kv_msg *m, struct dmp_status *s)
{
	s->state = dmp_state_from_name(kv_get(m, "state", ""));
	SET(s->closed_date, kv_get(m, "closed_date", ""));
	SET(s->closed_reason, kv_get(m, "closed_reason", ""));
	s->authz = dmp_authz_from_name(kv_get(m, "authz", ""));
	SET(s->authz_end, kv_get(m, "authz_end", ""));
	s->treating_doctor = kv_get_int(m, "treating_doctor", 0) != 0;
	SET(s->ins, kv_get(m, "status_ins", ""));
}

void dmp_wire_parse_cda(const struct kv_msg *m, struct cda_header *h)
{
	SET(h->id, kv_get(m, "cda_id", ""));
	SET(h->set_id, kv_get(m, "cda_set_id", ""));
	h->version = (int)kv_get_int(m, "cda_version", 0);
	SET(h->code, kv_get(m, "cda_code", ""));
	SET(h->code_label, kv_get(m, "cda_code_label", ""));
	SET(h->title, kv_get(m, "cda_title", ""));
	SET(h->effective_time, kv_get(m, "cda_effective_time", ""));
	SET(h->patient_ins, kv_get(m, "cda_patient_ins", ""));
	SET(h->patient_oid, kv_get(m, "cda_patient_oid", ""));
	SET(h->patient_family, kv_get(m, "cda_patient_family", ""));
	SET(h->patient_given, kv_get(m, "cda_patient_given", ""));
	SET(h->patient_birth, kv_get(m, "cda_patient_birth", ""));
	SET(h->patient_sex, kv_get(m, "cda_patient_sex", ""));
	SET(h->author, kv_get(m, "cda_author", ""));
	SET(h->author_profession, kv_get(m, "cda_author_profession", ""));
	h->level = (int)kv_get_int(m, "cda_level", 0);
	h->has_pdf = kv_get_int(m, "cda_has_pdf", 0) != 0;
	SET(h->related_id, kv_get(m, "cda_related_id", ""));
	SET(h->patient_used_family, kv_get(m, "cda_patient_used", ""));
	SET(h->patient_given_all, kv_get(m, "cda_patient_given_all", ""));
	SET(h->patient_birth_place, kv_get(m, "cda_patient_birth_place", ""));
	SET(h->care_date, kv_get(m, "cda_care_date", ""));
	SET(h->author_org, kv_get(m, "cda_author_org", ""));
	h->abnormal = (int)kv_get_int(m, "cda_abnormal", -1);
}

static void doc_field(struct dmp_doc *d, const char *k, const char *v)
{
	if (!strcmp(k, "entry_uuid")) SET(d->entry_uuid, v);
	else if (!strcmp(k, "unique_id")) SET(d->unique_id, v);
	else if (!strcmp(k, "repository_id")) SET(d->repository_id, v);
	else if (!strcmp(k, "patient_id")) SET(d->patient_id, v);
	else if (!strcmp(k, "title")) SET(d->title, v);
	else if (!strcmp(k, "type_code")) SET(d->type_code, v);
	else if (!strcmp(k, "type_label")) SET(d->type_label, v);
	else if (!strcmp(k, "class_code")) SET(d->class_code, v);
	else if (!strcmp(k, "format_code")) SET(d->format_code, v);
	else if (!strcmp(k, "mime")) SET(d->mime, v);
	else if (!strcmp(k, "author")) SET(d->author, v);
	else if (!strcmp(k, "author_profession")) SET(d->author_profession, v);
	else if (!strcmp(k, "creation_time")) SET(d->creation_time, v);
	else if (!strcmp(k, "service_start")) SET(d->service_start, v);
	else if (!strcmp(k, "submission_time")) SET(d->submission_time, v);
	else if (!strcmp(k, "invisible_patient")) d->invisible_patient = atoi(v) != 0;
	else if (!strcmp(k, "masked_ps")) d->masked_ps = atoi(v) != 0;
	else if (!strcmp(k, "hash")) SET(d->hash, v);
	else if (!strcmp(k, "size")) d->size = strtoll(v, NULL, 10);
	else if (!strcmp(k, "status")) SET(d->status, v);
}

/* Walks the pairs: doc blocks fill r->docs, the others go to top, so that kv_get on top never
 * sees a document's "hash" or "size". Returns 0, or -1 when the blocks do not match the
 * announced count or are not closed. */
static int split_docs(const struct kv_msg *m, struct dmp_reply *r, struct kv_msg *top)
{
	long long count = -1;
	struct dmp_doc *cur = NULL;

	for (size_t i = 0; i < m->n; i++) {
		const char *k = m->p[i].key, *v = m->p[i].value;

		if (!strcmp(k, "docs") && !cur) {
			char *end;
			count = strtoll(v, &end, 10);
			if (*end || count < 0 || count > DMP_WIRE_MAX_DOCS || r->docs)
				return -1;
			if (count && !(r->docs = calloc((size_t)count, sizeof *r->docs)))
				return -1;
		} else if (!strcmp(k, "doc") && !strcmp(v, "begin")) {
			if (cur || count < 0 || r->n_docs >= (size_t)count)
				return -1;
			cur = &r->docs[r->n_docs++];
		} else if (!strcmp(k, "doc") && !strcmp(v, "end")) {
			if (!cur)
				return -1;
			cur = NULL;
		} else if (cur) {
			doc_field(cur, k, v);
		} else {
			top->p[top->n++] = m->p[i];
		}
	}
	return cur || (count >= 0 && r->n_docs != (size_t)count) ? -1 : 0;
}

static int unreadable(struct dmp_reply *r)
{
	dmp_reply_free(r);
	memset(r, 0, sizeof *r);
	r->rc = r->err.kind = DMP_ERR_PARSE;
	snprintf(r->err.message, sizeof r->err.message, "Réponse illisible du programme d'appel "
		 "DMP (vigie-net)");
	return r->rc;
}

static int fill_reply(const struct kv_msg *top, struct dmp_reply *r)
{
	long long kind = kv_get_int(top, "kind", 1);

	if (!kv_get(top, "end", NULL) || kind > 0 || kind < DMP_ERR_MISMATCH)
		return -1;
	r->rc = (int)kind;
	if (kind) {
		r->err.kind = (int)kind;
		SET(r->err.code, kv_get(top, "code", ""));
		SET(r->err.message, kv_get(top, "message", ""));
		return r->n_docs ? -1 : 0;
	}
	parse_status(top, &r->status);
	SET(r->original_path, kv_get(top, "original_path", ""));
	SET(r->mime, kv_get(top, "mime", ""));
	SET(r->hash, kv_get(top, "hash", ""));
	r->size = kv_get_int(top, "size", 0);
	r->is_cda = kv_get_int(top, "is_cda", 0) != 0;
	if (r->is_cda)
		dmp_wire_parse_cda(top, &r->cda);
	SET(r->pdf_path, kv_get(top, "pdf_path", ""));
	return 0;
}

int dmp_reply_parse(const char *text, struct dmp_reply *r)
{
	struct kv_msg m, top = { 0 };
	int bad;

	memset(r, 0, sizeof *r);
	if (kv_parse(text, &m))
		return unreadable(r);
	top.p = calloc(m.n ? m.n : 1, sizeof *top.p);
	bad = !top.p || split_docs(&m, r, &top) || fill_reply(&top, r);
	free(top.p);
	kv_msg_free(&m);
	return bad ? unreadable(r) : r->rc;
}

void dmp_reply_free(struct dmp_reply *r)
{
	if (!r)
		return;
	free(r->docs);
	r->docs = NULL;
	r->n_docs = 0;
}
