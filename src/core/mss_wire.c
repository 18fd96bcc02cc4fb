/* MSSanté requests and replies between vigie and "vigie-net mss", as "key: value" lines. */
#include "core/mss_wire.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/dmp_wire.h"

/* A reply never holds more; a larger count is a corrupted reply. */
#define MSS_WIRE_MAX_MSGS 100000
#define MSS_WIRE_MAX_DOCS 1000

#define SET(dst, v) kv_copy((dst), sizeof(dst), (v))

static const char *const op_names[] = { "", "fetch", "parse" };

void mss_message_free(struct mss_message *m)
{
	if (!m)
		return;
	free(m->docs);
	m->docs = NULL;
	m->n_docs = 0;
}

void mss_reply_free(struct mss_reply *r)
{
	for (size_t i = 0; i < r->n_msgs; i++)
		mss_message_free(&r->msgs[i]);
	free(r->msgs);
	r->msgs = NULL;
	r->n_msgs = 0;
}

int mss_reply_add(struct mss_reply *r, struct mss_message *m)
{
	struct mss_message *v = realloc(r->msgs, (r->n_msgs + 1) * sizeof *v);

	if (!v)
		return -1;
	r->msgs = v;
	v[r->n_msgs++] = *m;
	m->docs = NULL;
	m->n_docs = 0;
	return 0;
}

struct mss_doc *mss_message_add_doc(struct mss_message *m)
{
	struct mss_doc *v;

	if (m->n_docs >= MSS_WIRE_MAX_DOCS)
		return NULL;
	v = realloc(m->docs, (m->n_docs + 1) * sizeof *v);
	if (!v)
		return NULL;
	m->docs = v;
	memset(&v[m->n_docs], 0, sizeof *v);
	v[m->n_docs].seq = (int)m->n_docs + 1;
	v[m->n_docs].h.abnormal = -1;
	return &v[m->n_docs++];
}

void mss_subject_clean(const char *subject, char *out, size_t size)
{
	const char *s = subject ? subject : "";

	while (*s == ' ' || *s == '\t')
		s++;
	if (!strncasecmp(s, "XDM/1.0/DDM", 11)) {
		s += 11;
		if (*s == '+')
			s++;
		while (*s == ' ' || *s == '\t')
			s++;
	}
	snprintf(out, size, "%s", s);
}

int mss_sender_of(const char *address, char ins[16])
{
	static const char dom[] = "@patient.mssante.fr";
	size_t n = address ? strlen(address) : 0, dl = sizeof dom - 1;

	if (ins)
		ins[0] = 0;
	if (n != 15 + dl || strcasecmp(address + 15, dom))
		return MSS_SENDER_PRO;
	for (int i = 0; i < 15; i++)
		if (!isdigit((unsigned char)address[i]))
			return MSS_SENDER_PRO;
	if (ins) {
		memcpy(ins, address, 15);
		ins[15] = 0;
	}
	return MSS_SENDER_PATIENT;
}

/* ------------------------------------------------------------------ request */

int mss_request_format(const struct mss_request *rq, struct kv_out *o)
{
	const struct mss_config *c = &rq->cfg;

	kv_put(o, "operation", rq->op > MSS_OP_NONE && rq->op <= MSS_OP_PARSE ? op_names[rq->op]
									     : "");
	kv_put(o, "url", c->url);
	kv_put(o, "mailbox", c->mailbox);
	kv_put(o, "user", c->user);
	kv_put(o, "password", c->password);
	kv_put(o, "token", c->token);
	kv_put(o, "auth", c->auth);
	kv_put(o, "ca_file", c->ca_file);
	kv_put(o, "archive", c->archive);
	kv_puti(o, "max_message", c->max_message);
	kv_puti(o, "max_part", c->max_part);
	kv_puti(o, "max_messages", c->max_messages);
	kv_puti(o, "connect_timeout_ms", c->connect_timeout_ms);
	kv_puti(o, "timeout_ms", c->timeout_ms);
	kv_puti(o, "uidvalidity", rq->uidvalidity);
	kv_puti(o, "last_uid", rq->last_uid);
	kv_put(o, "file", rq->file);
	kv_put(o, "key", rq->key);
	kv_put(o, "end", "");
	return o->bad ? -1 : 0;
}

int mss_request_parse(const char *text, struct mss_request *rq, char *err, size_t errsize)
{
	struct kv_msg m;
	struct mss_config *c = &rq->cfg;
	const char *op;

	memset(rq, 0, sizeof *rq);
	if (kv_parse(text, &m)) {
		snprintf(err, errsize, "Mémoire insuffisante pour lire la requête MSSanté");
		return -1;
	}
	if (!kv_get(&m, "end", NULL)) {
		kv_msg_free(&m);
		snprintf(err, errsize, "Requête MSSanté incomplète (ligne « end » absente)");
		return -1;
	}
	op = kv_get(&m, "operation", "");
	for (int i = MSS_OP_FETCH; i <= MSS_OP_PARSE; i++)
		if (!strcmp(op, op_names[i]))
			rq->op = (enum mss_op)i;
	if (rq->op == MSS_OP_NONE) {
		snprintf(err, errsize, "Requête MSSanté sans opération connue (« %.32s »)", op);
		kv_msg_free(&m);
		return -1;
	}
	SET(c->url, kv_get(&m, "url", ""));
	SET(c->mailbox, kv_get(&m, "mailbox", "INBOX"));
	SET(c->user, kv_get(&m, "user", ""));
	SET(c->password, kv_get(&m, "password", ""));
	SET(c->token, kv_get(&m, "token", ""));
	SET(c->auth, kv_get(&m, "auth", "password"));
	SET(c->ca_file, kv_get(&m, "ca_file", ""));
	SET(c->archive, kv_get(&m, "archive", ""));
	c->max_message = kv_get_int(&m, "max_message", 0);
	c->max_part = kv_get_int(&m, "max_part", 0);
	c->max_messages = (int)kv_get_int(&m, "max_messages", 0);
	c->connect_timeout_ms = (int)kv_get_int(&m, "connect_timeout_ms", 0);
	c->timeout_ms = (int)kv_get_int(&m, "timeout_ms", 0);
	rq->uidvalidity = kv_get_int(&m, "uidvalidity", 0);
	rq->last_uid = kv_get_int(&m, "last_uid", 0);
	SET(rq->file, kv_get(&m, "file", ""));
	SET(rq->key, kv_get(&m, "key", ""));
	kv_msg_free(&m);
	return 0;
}

/* ------------------------------------------------------------------ reply */

static void format_doc(const struct mss_doc *d, struct kv_out *o)
{
	kv_puti(o, "doc", d->seq);
	kv_puti(o, "doc_kind", d->kind);
	kv_put(o, "doc_name", d->name);
	kv_put(o, "doc_file", d->file);
	kv_put(o, "doc_pdf", d->pdf);
	kv_put(o, "doc_mime", d->mime);
	kv_put(o, "doc_action", d->action);
	if (d->kind == MSS_DOC_CDA || d->h.patient_ins[0])
		dmp_wire_format_cda(&d->h, o);
	kv_put(o, "doc_xdm_ins", d->xdm_ins);
	kv_put(o, "doc_xdm_oid", d->xdm_oid);
	kv_put(o, "doc_conflict", d->conflict);
	kv_put(o, "doc_sha1", d->sha1);
	kv_puti(o, "doc_size", d->size);
	kv_put(o, "doc_error", d->error);
	kv_put(o, "doc_end", "");
}

static void format_msg(const struct mss_message *m, struct kv_out *o)
{
	kv_put(o, "msg", m->key);
	kv_put(o, "msg_file", m->file);
	kv_puti(o, "msg_uid", m->uid);
	kv_put(o, "msg_id", m->message_id);
	kv_put(o, "msg_from", m->from);
	kv_put(o, "msg_from_name", m->from_name);
	kv_puti(o, "msg_sender", m->sender);
	kv_put(o, "msg_subject", m->subject);
	kv_put(o, "msg_date", m->date);
	kv_puti(o, "msg_urgent", m->urgent);
	kv_puti(o, "msg_size", m->size);
	kv_put(o, "msg_sha1", m->sha1);
	kv_put(o, "msg_error", m->error);
	for (size_t i = 0; i < m->n_docs; i++)
		format_doc(&m->docs[i], o);
	kv_put(o, "msg_end", "");
}

int mss_reply_format(const struct mss_reply *r, struct kv_out *o)
{
	kv_puti(o, "kind", r->rc);
	kv_put(o, "message", r->error);
	kv_puti(o, "uidvalidity", r->uidvalidity);
	kv_puti(o, "last_uid", r->last_uid);
	kv_puti(o, "remaining", r->remaining);
	kv_puti(o, "reset", r->reset);
	kv_puti(o, "msgs", (long long)r->n_msgs);
	for (size_t i = 0; i < r->n_msgs; i++)
		format_msg(&r->msgs[i], o);
	kv_put(o, "end", "");
	return o->bad ? -1 : 0;
}

/* The pairs [from, to) of m as a message of their own (no text of its own: not freed). */
static struct kv_msg slice(const struct kv_msg *m, size_t from, size_t to)
{
	struct kv_msg s = { 0 };

	s.p = m->p + from;
	s.n = to - from;
	return s;
}

static void parse_doc(const struct kv_msg *s, struct mss_doc *d)
{
	d->seq = (int)kv_get_int(s, "doc", 0);
	d->kind = (int)kv_get_int(s, "doc_kind", MSS_DOC_OTHER);
	if (d->kind < MSS_DOC_CDA || d->kind > MSS_DOC_OTHER)
		d->kind = MSS_DOC_OTHER;
	SET(d->name, kv_get(s, "doc_name", ""));
	SET(d->file, kv_get(s, "doc_file", ""));
	SET(d->pdf, kv_get(s, "doc_pdf", ""));
	SET(d->mime, kv_get(s, "doc_mime", ""));
	SET(d->action, kv_get(s, "doc_action", ""));
	dmp_wire_parse_cda(s, &d->h);
	SET(d->xdm_ins, kv_get(s, "doc_xdm_ins", ""));
	SET(d->xdm_oid, kv_get(s, "doc_xdm_oid", ""));
	SET(d->conflict, kv_get(s, "doc_conflict", ""));
	SET(d->sha1, kv_get(s, "doc_sha1", ""));
	d->size = kv_get_int(s, "doc_size", 0);
	SET(d->error, kv_get(s, "doc_error", ""));
}

static void parse_msg_head(const struct kv_msg *s, struct mss_message *m)
{
	SET(m->key, kv_get(s, "msg", ""));
	SET(m->file, kv_get(s, "msg_file", ""));
	m->uid = kv_get_int(s, "msg_uid", 0);
	SET(m->message_id, kv_get(s, "msg_id", ""));
	SET(m->from, kv_get(s, "msg_from", ""));
	SET(m->from_name, kv_get(s, "msg_from_name", ""));
	m->sender = kv_get_int(s, "msg_sender", 0) == MSS_SENDER_PATIENT ? MSS_SENDER_PATIENT
									 : MSS_SENDER_PRO;
	SET(m->subject, kv_get(s, "msg_subject", ""));
	SET(m->date, kv_get(s, "msg_date", ""));
	m->urgent = kv_get_int(s, "msg_urgent", 0) != 0;
	m->size = kv_get_int(s, "msg_size", 0);
	SET(m->sha1, kv_get(s, "msg_sha1", ""));
	SET(m->error, kv_get(s, "msg_error", ""));
}

static int fail_parse(struct mss_reply *r, const char *why)
{
	mss_reply_free(r);
	r->rc = MSS_ERR_PARSE;
	snprintf(r->error, sizeof r->error, "Réponse de vigie-net illisible (%s)", why);
	return r->rc;
}

int mss_reply_parse(const char *text, struct mss_reply *r)
{
	struct kv_msg m;
	size_t i;
	long long want;

	memset(r, 0, sizeof *r);
	if (kv_parse(text ? text : "", &m))
		return fail_parse(r, "mémoire insuffisante");
	if (!kv_get(&m, "end", NULL)) {
		kv_msg_free(&m);
		return fail_parse(r, "réponse incomplète : vigie-net s'est-il arrêté ?");
	}
	r->rc = (int)kv_get_int(&m, "kind", MSS_ERR_PARSE);
	if (r->rc > 0 || r->rc < MSS_ERR_CANCELLED) {
		kv_msg_free(&m);
		return fail_parse(r, "code de résultat inconnu");
	}
	SET(r->error, kv_get(&m, "message", ""));
	r->uidvalidity = kv_get_int(&m, "uidvalidity", 0);
	r->last_uid = kv_get_int(&m, "last_uid", 0);
	r->remaining = kv_get_int(&m, "remaining", 0);
	r->reset = kv_get_int(&m, "reset", 0) != 0;
	want = kv_get_int(&m, "msgs", 0);
	if (want < 0 || want > MSS_WIRE_MAX_MSGS) {
		kv_msg_free(&m);
		return fail_parse(r, "nombre de messages hors limites");
	}
	for (i = 0; i < m.n; i++) {
		struct mss_message msg;
		size_t start, j;
		struct kv_msg s;

		if (strcmp(m.p[i].key, "msg"))
			continue;
		memset(&msg, 0, sizeof msg);
		start = i;
		for (j = i + 1; j < m.n && strcmp(m.p[j].key, "msg_end"); j++)
			;
		if (j == m.n) {
			kv_msg_free(&m);
			return fail_parse(r, "message sans fin");
		}
		/* the message's own fields come before its first document */
		{
			size_t k = start;

			while (k < j && strcmp(m.p[k].key, "doc"))
				k++;
			s = slice(&m, start, k);
			parse_msg_head(&s, &msg);
			while (k < j) {
				size_t e = k + 1;
				struct mss_doc *d;

				while (e < j && strcmp(m.p[e].key, "doc_end"))
					e++;
				if (!(d = mss_message_add_doc(&msg))) {
					mss_message_free(&msg);
					kv_msg_free(&m);
					return fail_parse(r, "trop de documents");
				}
				s = slice(&m, k, e);
				parse_doc(&s, d);
				k = e + 1;
				while (k < j && strcmp(m.p[k].key, "doc"))
					k++;
			}
		}
		if (mss_reply_add(r, &msg)) {
			mss_message_free(&msg);
			kv_msg_free(&m);
			return fail_parse(r, "mémoire insuffisante");
		}
		i = j;
	}
	kv_msg_free(&m);
	if ((long long)r->n_msgs != want)
		return fail_parse(r, "nombre de messages incohérent");
	return r->rc;
}
