/* MSSanté reception in the store: messages, worklist items, matching, versions, integration. */
#include "store/mss_store.h"
#include "store/audit.h"
#include "store/documents.h"
#include "store/patients.h"
#include "core/mss_wire.h"
#include "core/text.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- codes -------------------------------------------------------------------------------- */

static const char *const status_codes[MSS_ST_COUNT] = {
	[MSS_ST_NEW] = "nouveau", [MSS_ST_READ] = "lu", [MSS_ST_INTEGRATED] = "integre",
	[MSS_ST_REPLACED] = "remplace", [MSS_ST_WITHDRAWN] = "retire",
	[MSS_ST_DELETED] = "efface",
};

static const char *const status_labels[MSS_ST_COUNT] = {
	[MSS_ST_NEW] = "Nouveau", [MSS_ST_READ] = "Lu", [MSS_ST_INTEGRATED] = "Intégré",
	[MSS_ST_REPLACED] = "Remplacé", [MSS_ST_WITHDRAWN] = "Supprimé par l'émetteur",
	[MSS_ST_DELETED] = "Effacé",
};

static const char *const kind_codes[] = {
	[MSS_DOC_CDA] = "cda", [MSS_DOC_PDF] = "pdf", [MSS_DOC_TEXT] = "texte",
	[MSS_DOC_OTHER] = "autre",
};

static const char *const match_codes[] = {
	[MSS_MATCH_NONE] = "aucun", [MSS_MATCH_INS] = "ins", [MSS_MATCH_USER] = "utilisateur",
};

#define NKINDS ((int)(sizeof kind_codes / sizeof *kind_codes))
#define NMATCH ((int)(sizeof match_codes / sizeof *match_codes))

/* What makes an item an alert (the list filter and the status line count). */
#define ALERT_FLAGS (MSS_F_NEW_VERSION | MSS_F_CONFLICT | MSS_F_DELETE)
#define ALERT_SQL "(abnormal > 0 OR urgent <> 0 OR (flags & 21) <> 0 OR status = 'retire')"
_Static_assert(ALERT_FLAGS == 21, "ALERT_SQL spells ALERT_FLAGS");
_Static_assert(MSS_F_DELETE == 16, "SQL below spells MSS_F_DELETE as 16");

const char *mss_status_code(int status)
{
	return status >= 0 && status < MSS_ST_COUNT ? status_codes[status] : "nouveau";
}

const char *mss_status_label(int status)
{
	return status >= 0 && status < MSS_ST_COUNT ? status_labels[status] : "?";
}

static int code_index(const char *const *codes, int n, const unsigned char *text, int dflt)
{
	for (int i = 0; text && i < n; i++)
		if (!strcmp(codes[i], (const char *)text))
			return i;
	return dflt;
}

/* ---- SQLite helpers ----------------------------------------------------------------------- */

/* One integer from a one-row query whose parameters are among :a, :b (integers) and :t
 * (text); *out 0 when no row. */
static int query_id(struct store *st, const char *sql, long long a, long long b,
		    const char *t, long long *out, const char *what)
{
	sqlite3_stmt *s;
	int rc, i;

	*out = 0;
	if ((rc = store_prepare(st, sql, &s, what)))
		return rc;
	if ((i = sqlite3_bind_parameter_index(s, ":a")))
		sqlite3_bind_int64(s, i, a);
	if ((i = sqlite3_bind_parameter_index(s, ":b")))
		sqlite3_bind_int64(s, i, b);
	if ((i = sqlite3_bind_parameter_index(s, ":t")))
		sqlite3_bind_text(s, i, t ? t : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(st, rc, what);
}

static int no_item(struct store *st, long long id)
{
	snprintf(st->err, sizeof st->err, "Élément n° %lld introuvable dans la liste MSSanté", id);
	return STORE_ERR_NOTFOUND;
}

static int invalid(struct store *st, const char *why)
{
	snprintf(st->err, sizeof st->err, "%s", why);
	return STORE_ERR_INVALID;
}

/* ---- audit details ------------------------------------------------------------------------ */

/* A JSON string of outside text: invalid UTF-8 bytes become '?' (jansson refuses them, and a
 * trace must not be lost for a bad byte in a subject). */
static json_t *jstr(const char *s)
{
	char buf[1024];
	size_t n = 0, len;
	const char *p = s ? s : "";

	if (text_utf8_valid(p))
		return json_string(p);
	while (*p && n + 5 < sizeof buf) {
		long cp = text_utf8_next(p, &len);
		if (cp < 0)
			buf[n++] = '?';
		else {
			memcpy(buf + n, p, len);
			n += len;
		}
		p += len;
	}
	buf[n] = '\0';
	return json_string(buf);
}

/* JSON text of j (consumed), NULL when memory ran out. */
static char *dump(json_t *j)
{
	char *text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;

	json_decref(j);
	return text;
}

static int audit_json(struct store *st, const char *action, const char *entity,
		      long long entity_id, json_t *detail)
{
	char *text = dump(detail);
	int rc;

	if (!text) {
		snprintf(st->err, sizeof st->err, "Journal d'audit : mémoire insuffisante, rien n'a "
			 "été modifié");
		return STORE_ERR;
	}
	rc = audit_write(st, action, entity, entity_id, NULL, NULL, text);
	free(text);
	return rc;
}

/* ---- mailbox state ------------------------------------------------------------------------ */

int mss_state_get(struct store *st, const char *mailbox, long long *uidvalidity,
		  long long *last_uid)
{
	sqlite3_stmt *s;
	int rc;

	*uidvalidity = 0;
	*last_uid = 0;
	if ((rc = store_prepare(st, "SELECT uidvalidity, last_uid FROM mss_mailboxes WHERE mailbox = ?1",
			  &s, "État de la boîte MSSanté")))
		return rc;
	sqlite3_bind_text(s, 1, mailbox ? mailbox : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*uidvalidity = sqlite3_column_int64(s, 0);
		*last_uid = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0
		: store_fail(st, rc, "État de la boîte MSSanté");
}

int mss_state_set(struct store *st, const char *mailbox, long long uidvalidity,
		  long long last_uid, const char *error)
{
	sqlite3_stmt *s;
	char now[24];
	int rc, own;

	if (!mailbox || !*mailbox || uidvalidity < 0 || last_uid < 0)
		return invalid(st, "État de la boîte MSSanté invalide : non enregistré");
	if ((rc = store_write_begin(st, &own)))
		return rc;
	if ((rc = store_prepare(st, "INSERT INTO mss_mailboxes (mailbox, uidvalidity, last_uid,"
			  " last_fetch, last_error) VALUES (?1, ?2, ?3, ?4, ?5)"
			  " ON CONFLICT (mailbox) DO UPDATE SET uidvalidity = excluded.uidvalidity,"
			  " last_uid = excluded.last_uid, last_fetch = excluded.last_fetch,"
			  " last_error = excluded.last_error", &s, "État de la boîte MSSanté")))
		return store_write_end(st, own, rc);
	store_now_utc(now, sizeof now);
	sqlite3_bind_text(s, 1, mailbox, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, uidvalidity);
	sqlite3_bind_int64(s, 3, last_uid);
	sqlite3_bind_text(s, 4, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, error ? error : "", -1, SQLITE_STATIC);
	return store_write_end(st, own, store_step_done(st, s, "État de la boîte MSSanté"));
}

int mss_state_info(struct store *st, const char *mailbox, char *last_fetch, size_t lf_size,
		   char *error, size_t err_size)
{
	sqlite3_stmt *s;
	int rc;

	if (lf_size)
		last_fetch[0] = '\0';
	if (err_size)
		error[0] = '\0';
	if ((rc = store_prepare(st, "SELECT last_fetch, last_error FROM mss_mailboxes WHERE mailbox = ?1",
			  &s, "État de la boîte MSSanté")))
		return rc;
	sqlite3_bind_text(s, 1, mailbox ? mailbox : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (lf_size)
			store_col_copy(s, 0, last_fetch, lf_size);
		if (err_size)
			store_col_copy(s, 1, error, err_size);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0
		: store_fail(st, rc, "État de la boîte MSSanté");
}

/* ---- identity helpers --------------------------------------------------------------------- */

/* "AAAAMMJJ" -> "AAAA-MM-JJ" when it looks like a date, else "". */
static void birth_iso(const char *hl7, char *out, size_t size)
{
	if (size)
		out[0] = '\0';
	if (!hl7 || strlen(hl7) < 8)
		return;
	for (int i = 0; i < 8; i++)
		if (!isdigit((unsigned char)hl7[i]))
			return;
	snprintf(out, size, "%.4s-%.2s-%.2s", hl7, hl7 + 4, hl7 + 6);
}

static int folded_equal(const char *a, const char *b)
{
	char fa[256], fb[256];

	text_fold(a, fa, sizeof fa);
	text_fold(b, fb, sizeof fb);
	return fa[0] && !strcmp(fa, fb);
}

/* "NOM Prénom" of a CDA patient: birth name, the used name in brackets when different. */
static void display_name(const struct cda_header *h, char *out, size_t size)
{
	const char *family = h->patient_family[0] ? h->patient_family : h->patient_used_family;
	int used = h->patient_family[0] && h->patient_used_family[0] &&
		   !folded_equal(h->patient_family, h->patient_used_family);
	char upper[128], used_upper[128];

	text_upper(family, upper, sizeof upper);
	text_upper(h->patient_used_family, used_upper, sizeof used_upper);
	if (used)
		snprintf(out, size, "%s (%s)%s%s", upper, used_upper,
			 h->patient_given[0] ? " " : "", h->patient_given);
	else
		snprintf(out, size, "%s%s%s", upper, upper[0] && h->patient_given[0] ? " " : "",
			 h->patient_given);
	text_utf8_cut(out);
}

/* An INS as written on the documents: 15 characters, digits or 2A/2B, upper-cased. */
static int ins_usable(const char *ins, char out[16])
{
	size_t n = ins ? strlen(ins) : 0;

	out[0] = '\0';
	if (n != 15)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = (char)toupper((unsigned char)ins[i]);
		if (!isdigit((unsigned char)c) && !((i == 5 || i == 6) && (c == 'A' || c == 'B')))
			return 0;
		out[i] = c;
	}
	out[n] = '\0';
	return 1;
}

/* The one dossier with this INS: the matricule with its key equal, and the OID equal when
 * both sides have one (a patient's address carries no OID). 0 when none or ambiguous. */
static int find_by_ins(struct store *st, const char *ins, const char *oid, long long *pid)
{
	sqlite3_stmt *s;
	char mat[16], dboid[32];
	int rc, n = 0;

	*pid = 0;
	if (!ins_usable(ins, mat))
		return 0;
	if ((rc = store_prepare(st, "SELECT id, ins_oid FROM patients WHERE ins_matricule = ?1"
			  " AND ins_matricule <> ''", &s, "Rapprochement par INS")))
		return rc;
	sqlite3_bind_text(s, 1, mat, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		store_col_copy(s, 1, dboid, sizeof dboid);
		if (dboid[0] && oid && oid[0] && strcmp(dboid, oid))
			continue;
		if (n++ == 0)
			*pid = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, rc, "Rapprochement par INS");
	if (n > 1)
		*pid = 0;   /* two dossiers with the same INS: the user chooses */
	return 0;
}

/* ---- versions ----------------------------------------------------------------------------- */

/* The version flags of a CDA item for a dossier (0: none): MSS_F_ALREADY with *doc the
 * document with that CDA id (that dossier's first, else any), MSS_F_NEW_VERSION /
 * MSS_F_OLDER against the dossier's current version of the set. */
static int version_flags(struct store *st, long long patient_id, const char *cda_id,
			 const char *set_id, int version, int *flags, long long *doc)
{
	enum document_match m;
	long long existing;
	int rc;

	*flags = 0;
	*doc = 0;
	if (!cda_id[0] && !set_id[0])
		return 0;
	if (cda_id[0]) {
		if ((rc = query_id(st, "SELECT id FROM documents WHERE cda_id = :t AND cda_id <> ''"
				   " ORDER BY patient_id = :a DESC, id LIMIT 1",
				   patient_id, 0, cda_id, doc, "Recherche du document")))
			return rc;
		if (*doc) {
			*flags = MSS_F_ALREADY;
			return 0;
		}
	}
	if (!patient_id)
		return 0;
	if ((rc = document_match(st, patient_id, cda_id, set_id, version, &m, &existing)))
		return rc;
	if (m == DOC_MATCH_NEWER)
		*flags = MSS_F_NEW_VERSION;
	else if (m == DOC_MATCH_OLDER)
		*flags = MSS_F_OLDER;
	return 0;
}

/* The name and birth date of a dossier as the worklist shows them ("NOM Prénom"). */
static int dossier_display(struct store *st, long long patient_id, char *name, size_t size,
			   char *birth, size_t bsize)
{
	struct patient pt;
	char upper[128];
	int rc;

	patient_init(&pt);
	if ((rc = patient_get(st, patient_id, &pt))) {
		patient_clear(&pt);
		return rc == STORE_ERR_NOTFOUND ? 0 : rc;
	}
	text_upper(pt.birth_name, upper, sizeof upper);
	snprintf(name, size, "%s %s", upper, pt.first_name);
	text_utf8_cut(name);
	snprintf(birth, bsize, "%s", pt.birth_date);
	patient_clear(&pt);
	return 0;
}

/* ---- reception ---------------------------------------------------------------------------- */

/* What is computed for an item before it is stored. */
struct prep {
	char match_ins[16];
	char match_oid[32];
	char patient_name[128];
	char patient_key[128];
	char birth_date[11];
	char type_code[32];
	char type_label[128];
	char type_key[128];
	char sort_date[16];
	char words[1024];
	int status, flags, match;
	int name_from_sender;      /* no CDA identity: the name shown is the sender's */
	long long patient_id, document_id;
};

/* The patient of a message when its CDA documents agree on one (MSSanté: one patient per
 * message): non-CDA parts of the message take it. */
struct msg_patient {
	int known;
	char ins[16], oid[32];
	const struct cda_header *h;
};

static void message_patient(const struct mss_message *m, struct msg_patient *mp)
{
	char ins[16];

	memset(mp, 0, sizeof *mp);
	for (size_t i = 0; i < m->n_docs; i++) {
		const struct mss_doc *d = &m->docs[i];
		if (d->kind != MSS_DOC_CDA || d->error[0])
			continue;
		if (d->conflict[0] || !ins_usable(d->h.patient_ins, ins)) {
			mp->known = -1;
			return;
		}
		if (mp->known && (strcmp(mp->ins, ins) || strcmp(mp->oid, d->h.patient_oid))) {
			mp->known = -1;
			return;
		}
		mp->known = 1;
		memcpy(mp->ins, ins, sizeof ins);
		snprintf(mp->oid, sizeof mp->oid, "%s", d->h.patient_oid);
		if (!mp->h)
			mp->h = &d->h;
	}
}

static void add_words(char *words, size_t size, const char *text)
{
	char folded[512];
	size_t n = strlen(words);

	text_fold(text, folded, sizeof folded);
	if (!folded[0] || n + strlen(folded) + 2 >= size)
		return;
	snprintf(words + n, size - n, "%s ", folded);
}

static void prep_display(const struct mss_message *m, const struct mss_doc *d,
			 const struct msg_patient *mp, struct prep *p)
{
	const struct cda_header *h = &d->h;
	char addr[256];

	if (d->kind == MSS_DOC_CDA && (h->patient_family[0] || h->patient_used_family[0])) {
		display_name(h, p->patient_name, sizeof p->patient_name);
		birth_iso(h->patient_birth, p->birth_date, sizeof p->birth_date);
	} else if (d->kind != MSS_DOC_CDA && mp->known == 1 && mp->h) {
		display_name(mp->h, p->patient_name, sizeof p->patient_name);
		birth_iso(mp->h->patient_birth, p->birth_date, sizeof p->birth_date);
	} else {
		/* A patient's address is <INS>@patient.mssante.fr: never show the matricule. */
		if (m->from_name[0])
			snprintf(p->patient_name, sizeof p->patient_name, "%s", m->from_name);
		else if (m->sender == MSS_SENDER_PATIENT)
			snprintf(p->patient_name, sizeof p->patient_name,
				 "Patient (Mon espace santé)");
		else
			snprintf(p->patient_name, sizeof p->patient_name, "%s", m->from);
		text_utf8_cut(p->patient_name);
		p->name_from_sender = 1;
	}
	text_fold(p->patient_name, p->patient_key, sizeof p->patient_key);

	switch (d->kind) {
	case MSS_DOC_CDA:
		snprintf(p->type_code, sizeof p->type_code, "%s", h->code[0] ? h->code : "mss-cda");
		snprintf(p->type_label, sizeof p->type_label, "%s",
			 h->code_label[0] ? h->code_label : h->title[0] ? h->title : "Document CDA");
		break;
	case MSS_DOC_PDF:
		snprintf(p->type_code, sizeof p->type_code, "mss-pdf");
		snprintf(p->type_label, sizeof p->type_label, "PDF");
		break;
	case MSS_DOC_TEXT:
		snprintf(p->type_code, sizeof p->type_code, "mss-texte");
		snprintf(p->type_label, sizeof p->type_label, "Message");
		break;
	default:
		snprintf(p->type_code, sizeof p->type_code, "mss-autre");
		snprintf(p->type_label, sizeof p->type_label, "Pièce jointe");
	}
	text_utf8_cut(p->type_label);
	text_fold(p->type_label, p->type_key, sizeof p->type_key);

	/* The document's date (CDA effectiveTime, XDS creationTime), else the date of care,
	 * else the message's. */
	if (d->kind == MSS_DOC_CDA && h->effective_time[0])
		snprintf(p->sort_date, sizeof p->sort_date, "%s", h->effective_time);
	else if (d->kind == MSS_DOC_CDA && h->care_date[0])
		snprintf(p->sort_date, sizeof p->sort_date, "%s", h->care_date);
	else
		snprintf(p->sort_date, sizeof p->sort_date, "%s", m->date);

	/* Addresses fold without their punctuation: split them into words first. */
	snprintf(addr, sizeof addr, "%s", m->from);
	for (char *c = addr; *c; c++)
		if (*c == '@' || *c == '.' || *c == '_')
			*c = ' ';
	snprintf(p->words, sizeof p->words, " ");
	add_words(p->words, sizeof p->words, p->patient_name);
	add_words(p->words, sizeof p->words, p->type_label);
	add_words(p->words, sizeof p->words, m->from_name);
	add_words(p->words, sizeof p->words, addr);
	add_words(p->words, sizeof p->words, m->subject);
	if (d->kind != MSS_DOC_CDA)
		add_words(p->words, sizeof p->words, d->name);
}

/* Matching, flags and versions of one document about to be stored. */
static int prep_item(struct store *st, const struct mss_message *m, const struct mss_doc *d,
		     const struct msg_patient *mp, struct prep *p)
{
	char ins[16], addr_ins[16];
	long long newer;
	int vflags, rc = 0;

	memset(p, 0, sizeof *p);
	p->status = MSS_ST_NEW;
	prep_display(m, d, mp, p);
	if (d->conflict[0])
		p->flags |= MSS_F_CONFLICT;
	if (d->error[0])
		p->flags |= MSS_F_ERROR;
	if (!strcmp(d->action, "D"))
		p->flags |= MSS_F_DELETE;

	/* The INS this document is about: its CDA, else the XDM metadata, else (a part without
	 * CDA) the message's patient or the patient's own address. */
	if (ins_usable(d->h.patient_ins, ins)) {
		/* Outside a CDA, the INS comes from a patient's address, which carries no
		 * OID: the matricule alone is compared. */
		memcpy(p->match_ins, ins, sizeof ins);
		snprintf(p->match_oid, sizeof p->match_oid, "%s",
			 d->kind == MSS_DOC_CDA ? d->h.patient_oid : "");
	} else if (ins_usable(d->xdm_ins, ins)) {
		memcpy(p->match_ins, ins, sizeof ins);
		snprintf(p->match_oid, sizeof p->match_oid, "%s", d->xdm_oid);
	} else if (d->kind != MSS_DOC_CDA && mp->known == 1) {
		memcpy(p->match_ins, mp->ins, sizeof mp->ins);
		snprintf(p->match_oid, sizeof p->match_oid, "%s", mp->oid);
	} else if (m->sender == MSS_SENDER_PATIENT && mss_sender_of(m->from, addr_ins) ==
		   MSS_SENDER_PATIENT && ins_usable(addr_ins, ins)) {
		memcpy(p->match_ins, ins, sizeof ins);
	}
	/* A contradiction between CDA and metadata is never settled automatically. */
	if (p->match_ins[0] && !(p->flags & MSS_F_CONFLICT)) {
		if ((rc = find_by_ins(st, p->match_ins, p->match_oid, &p->patient_id)))
			return rc;
		if (p->patient_id)
			p->match = MSS_MATCH_INS;
	}
	if (p->patient_id && p->name_from_sender &&
	    (rc = dossier_display(st, p->patient_id, p->patient_name, sizeof p->patient_name,
				  p->birth_date, sizeof p->birth_date)) == 0)
		text_fold(p->patient_name, p->patient_key, sizeof p->patient_key);
	else if (rc)
		return rc;
	if (d->kind != MSS_DOC_CDA || (p->flags & (MSS_F_DELETE | MSS_F_ERROR)))
		return 0;
	if ((rc = version_flags(st, p->patient_id, d->h.id, d->h.set_id, d->h.version, &vflags,
				&p->document_id)))
		return rc;
	p->flags |= vflags;
	/* A later version of the set is already in the worklist: this one arrives replaced. */
	if (d->h.set_id[0]) {
		if ((rc = query_id(st, "SELECT id FROM mss_items WHERE set_id = :t AND set_id <> ''"
				   " AND version > :a AND (flags & 16) = 0"
				   " AND status <> 'efface' LIMIT 1", d->h.version, 0, d->h.set_id,
				   &newer, "Versions reçues")))
			return rc;
		if (newer)
			p->status = MSS_ST_REPLACED;
	}
	return 0;
}

static int find_message(struct store *st, const char *mailbox, const struct mss_message *m,
			long long *id)
{
	sqlite3_stmt *s;
	int rc;

	*id = 0;
	if ((rc = store_prepare(st, "SELECT id FROM mss_messages WHERE mailbox = ?1 AND key = ?2"
			  " UNION ALL SELECT id FROM mss_messages WHERE sha1 = ?3 AND sha1 <> ''"
			  " LIMIT 1", &s, "Réception MSSanté")))
		return rc;
	sqlite3_bind_text(s, 1, mailbox, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, m->key, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, m->sha1, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(st, rc, "Réception MSSanté");
}

static int insert_message(struct store *st, const char *mailbox, const struct mss_message *m,
			  const char *now, long long *id)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = store_prepare(st, "INSERT INTO mss_messages (mailbox, key, uid, message_id, from_addr,"
			  " from_name, sender, subject, date, urgent, size, sha1, file, error,"
			  " received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
			  " ?13, ?14, ?15)", &s, "Réception MSSanté")))
		return rc;
	sqlite3_bind_text(s, 1, mailbox, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, m->key, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, m->uid);
	sqlite3_bind_text(s, 4, m->message_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, m->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, m->from_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, m->sender == MSS_SENDER_PATIENT ? "patient" : "pro", -1,
			  SQLITE_STATIC);
	sqlite3_bind_text(s, 8, m->subject, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, m->date, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 10, m->urgent != 0);
	sqlite3_bind_int64(s, 11, m->size);
	sqlite3_bind_text(s, 12, m->sha1, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 13, m->file, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 14, m->error, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 15, now, -1, SQLITE_STATIC);
	if ((rc = store_step_done(st, s, "Réception MSSanté")))
		return rc;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

static const char item_insert_sql[] =
	"INSERT INTO mss_items (message, seq, kind, name, file, pdf, mime, action, cda_id, set_id,"
	" version, cda_code, cda_code_label, title, effective_time, patient_ins, patient_oid,"
	" patient_family, patient_given, patient_birth, patient_sex, author, author_profession,"
	" level, has_pdf, related_id, patient_used_family, patient_given_all, patient_birth_place,"
	" care_date, author_org, abnormal, xdm_ins, xdm_oid, conflict, sha1, size, error,"
	" match_ins, match_oid, status, flags, sender, urgent, patient_id, match, document_id,"
	" received_at, patient_name, patient_key, birth_date, type_code, type_label, type_key,"
	" sort_date, words) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
	" ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
	" ?, ?, ?, ?, ?, ?, ?)";
#define ITEM_INSERT_PARAMS 56

static void bt(sqlite3_stmt *s, int *i, const char *v)
{
	sqlite3_bind_text(s, ++*i, v ? v : "", -1, SQLITE_STATIC);
}

static void bi(sqlite3_stmt *s, int *i, long long v)
{
	sqlite3_bind_int64(s, ++*i, v);
}

static void bid(sqlite3_stmt *s, int *i, long long v)
{
	if (v)
		sqlite3_bind_int64(s, ++*i, v);
	else
		sqlite3_bind_null(s, ++*i);
}

static int insert_item(struct store *st, long long msg_id, int seq,
		       const struct mss_message *m, const struct mss_doc *d, const struct prep *p,
		       const char *now, long long *id)
{
	const struct cda_header *h = &d->h;
	const char *action = !strcmp(d->action, "C") || !strcmp(d->action, "D") ? d->action : "";
	int kind = d->kind >= 0 && d->kind < NKINDS ? d->kind : MSS_DOC_OTHER;
	sqlite3_stmt *s;
	int rc, i = 0;

	if ((rc = store_prepare(st, item_insert_sql, &s, "Réception MSSanté")))
		return rc;
	if (sqlite3_bind_parameter_count(s) != ITEM_INSERT_PARAMS) {
		sqlite3_finalize(s);
		return invalid(st, "Réception MSSanté : requête d'insertion incohérente");
	}
	bi(s, &i, msg_id);
	bi(s, &i, seq);
	bt(s, &i, kind_codes[kind]);
	bt(s, &i, d->name);
	bt(s, &i, d->file);
	bt(s, &i, d->pdf);
	bt(s, &i, d->mime);
	bt(s, &i, action);
	bt(s, &i, h->id);
	bt(s, &i, h->set_id);
	bi(s, &i, h->version);
	bt(s, &i, h->code);
	bt(s, &i, h->code_label);
	bt(s, &i, h->title);
	bt(s, &i, h->effective_time);
	bt(s, &i, h->patient_ins);
	bt(s, &i, h->patient_oid);
	bt(s, &i, h->patient_family);
	bt(s, &i, h->patient_given);
	bt(s, &i, h->patient_birth);
	bt(s, &i, h->patient_sex);
	bt(s, &i, h->author);
	bt(s, &i, h->author_profession);
	bi(s, &i, h->level);
	bi(s, &i, h->has_pdf != 0);
	bt(s, &i, h->related_id);
	bt(s, &i, h->patient_used_family);
	bt(s, &i, h->patient_given_all);
	bt(s, &i, h->patient_birth_place);
	bt(s, &i, h->care_date);
	bt(s, &i, h->author_org);
	bi(s, &i, d->kind == MSS_DOC_CDA ? h->abnormal : -1);
	bt(s, &i, d->xdm_ins);
	bt(s, &i, d->xdm_oid);
	bt(s, &i, d->conflict);
	bt(s, &i, d->sha1);
	bi(s, &i, d->size);
	bt(s, &i, d->error);
	bt(s, &i, p->match_ins);
	bt(s, &i, p->match_oid);
	bt(s, &i, status_codes[p->status]);
	bi(s, &i, p->flags);
	bt(s, &i, m->sender == MSS_SENDER_PATIENT ? "patient" : "pro");
	bi(s, &i, m->urgent != 0);
	bid(s, &i, p->patient_id);
	bt(s, &i, match_codes[p->match]);
	bid(s, &i, p->document_id);
	bt(s, &i, now);
	bt(s, &i, p->patient_name);
	bt(s, &i, p->patient_key);
	bt(s, &i, p->birth_date);
	bt(s, &i, p->type_code);
	bt(s, &i, p->type_label);
	bt(s, &i, p->type_key);
	bt(s, &i, p->sort_date);
	bt(s, &i, p->words);
	if ((rc = store_step_done(st, s, "Réception MSSanté")))
		return rc;
	*id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

/* Earlier worklist items of the set with a lower version, not yet dealt with, are replaced. */
static int replace_earlier(struct store *st, long long item_id, const struct cda_header *h,
			   int *replaced)
{
	sqlite3_stmt *s;
	int rc;

	*replaced = 0;
	if (!h->set_id[0])
		return 0;
	if ((rc = store_prepare(st, "UPDATE mss_items SET status = 'remplace' WHERE set_id = ?1"
			  " AND set_id <> '' AND version < ?2 AND id <> ?3 AND (flags & 16) = 0"
			  " AND status IN ('nouveau', 'lu')", &s, "Versions reçues")))
		return rc;
	sqlite3_bind_text(s, 1, h->set_id, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, h->version);
	sqlite3_bind_int64(s, 3, item_id);
	if (!(rc = store_step_done(st, s, "Versions reçues")))
		*replaced = sqlite3_changes(st->db);
	return rc;
}

/* A new version of a document was received: of one integrated in the dossier (flag), or of
 * items still in the worklist (replaced). */
static int audit_new_version(struct store *st, long long item, const struct prep *p,
			     const struct cda_header *h, int replaced)
{
	json_t *j;

	if (!(p->flags & MSS_F_NEW_VERSION) && !replaced)
		return 0;
	j = json_pack("{s:I,s:o,s:o,s:i,s:b,s:i}", "element", (json_int_t)item, "cda_id",
		      jstr(h->id), "set_id", jstr(h->set_id), "version", h->version,
		      "version_integree_plus_ancienne", (p->flags & MSS_F_NEW_VERSION) != 0,
		      "elements_remplaces", replaced);
	if (j && p->patient_id)
		json_object_set_new(j, "dossier", json_integer(p->patient_id));
	return audit_json(st, "mss.nouvelle-version", p->patient_id ? "patient" : "mss_item",
			  p->patient_id ? p->patient_id : item, j);
}

/* Ids of a one-column query with one text parameter (malloc'd). */
static int ids_by_text(struct store *st, const char *sql, const char *t, long long **ids,
		       size_t *n, const char *what)
{
	sqlite3_stmt *s;
	size_t cap = 0;
	long long *v = NULL, *grown;
	int rc;

	*ids = NULL;
	*n = 0;
	if ((rc = store_prepare(st, sql, &s, what)))
		return rc;
	sqlite3_bind_text(s, 1, t, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? cap * 2 : 8;
			if (!(grown = realloc(v, cap * sizeof *v))) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = grown;
		}
		v[(*n)++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(v);
		*n = 0;
		return store_fail(st, rc, what);
	}
	*ids = v;
	return 0;
}

/*
 * The sender deleted a document (XDM action D): the dossier documents with that CDA id (none
 * known by that id: the documents of that setId) are withdrawn, and so are the worklist items
 * of that CDA id or pointing to a withdrawn document. The notice points to the first one.
 */
static int sender_deletion(struct store *st, long long msg_id, long long notice,
			   const struct mss_doc *d, int *withdrawn)
{
	const struct cda_header *h = &d->h;
	long long *docs = NULL, any = 0, first = 0;
	size_t n = 0;
	sqlite3_stmt *s;
	json_t *j, *list;
	int rc = 0, changed, items = 0;

	*withdrawn = 0;
	if (h->id[0] && (rc = query_id(st, "SELECT id FROM documents WHERE cda_id = :t"
				       " AND cda_id <> '' LIMIT 1", 0, 0,
				       h->id, &any, "Suppression par l'émetteur")))
		return rc;
	if (any)
		rc = ids_by_text(st, "SELECT id FROM documents WHERE cda_id = ?1 AND cda_id <> ''"
				 " AND status <> 'retire' ORDER BY id", h->id, &docs, &n,
				 "Suppression par l'émetteur");
	else if (h->set_id[0])
		rc = ids_by_text(st, "SELECT id FROM documents WHERE set_id = ?1 AND set_id <> ''"
				 " AND status <> 'retire' ORDER BY id", h->set_id, &docs, &n,
				 "Suppression par l'émetteur");
	if (rc)
		return rc;
	list = json_array();
	for (size_t i = 0; !rc && i < n; i++) {
		rc = document_withdraw(st, docs[i], &changed);
		*withdrawn += changed;
		if (!first)
			first = docs[i];
		json_array_append_new(list, json_integer(docs[i]));
		if (!rc && !(rc = store_prepare(st, "UPDATE mss_items SET status = 'retire'"
					  " WHERE document_id = ?1 AND id <> ?2 AND (flags & 16) = 0"
					  " AND status <> 'efface'", &s, "Suppression par l'émetteur"))) {
			sqlite3_bind_int64(s, 1, docs[i]);
			sqlite3_bind_int64(s, 2, notice);
			rc = store_step_done(st, s, "Suppression par l'émetteur");
			items += sqlite3_changes(st->db);
		}
	}
	free(docs);
	if (!rc && h->id[0] &&
	    !(rc = store_prepare(st, "UPDATE mss_items SET status = 'retire' WHERE cda_id = ?1"
			   " AND cda_id <> '' AND id <> ?2 AND (flags & 16) = 0"
			   " AND status NOT IN ('efface', 'retire')", &s,
			   "Suppression par l'émetteur"))) {
		sqlite3_bind_text(s, 1, h->id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, notice);
		rc = store_step_done(st, s, "Suppression par l'émetteur");
		items += sqlite3_changes(st->db);
	}
	if (!rc && first && !(rc = store_prepare(st, "UPDATE mss_items SET document_id = ?1 WHERE id = ?2",
					   &s, "Suppression par l'émetteur"))) {
		sqlite3_bind_int64(s, 1, first);
		sqlite3_bind_int64(s, 2, notice);
		rc = store_step_done(st, s, "Suppression par l'émetteur");
	}
	if (rc) {
		json_decref(list);
		return rc;
	}
	j = json_pack("{s:I,s:I,s:o,s:o,s:o,s:i}", "element", (json_int_t)notice, "message",
		      (json_int_t)msg_id, "cda_id", jstr(h->id), "set_id", jstr(h->set_id),
		      "documents_retires", list, "elements_retires", items);
	return audit_json(st, "mss.suppression-emetteur", "mss_item", notice, j);
}

static int check_message(struct store *st, const char *mailbox, const struct mss_message *m)
{
	if (!mailbox || !*mailbox)
		return invalid(st, "Message MSSanté refusé : boîte aux lettres non indiquée");
	if (!m || !m->key[0])
		return invalid(st, "Message MSSanté refusé : message sans clé d'archive");
	if (m->n_docs && !m->docs)
		return invalid(st, "Message MSSanté refusé : liste des documents absente");
	return 0;
}

int mss_receive(struct store *st, const char *mailbox, const struct mss_message *m,
		long long *msg_id, int *stored, int *withdrawn)
{
	struct msg_patient mp;
	struct mss_doc text_doc;
	const struct mss_doc *docs;
	size_t n_docs;
	char now[24];
	json_t *list = NULL, *j;
	long long mid = 0, item;
	int rc, own, nw, replaced, total_w = 0, seq = 0;

	*msg_id = 0;
	*stored = 0;
	if (withdrawn)
		*withdrawn = 0;
	if ((rc = check_message(st, mailbox, m)) || (rc = store_write_begin(st, &own)))
		return rc;
	if ((rc = find_message(st, mailbox, m, &mid)) || mid) {
		*msg_id = mid;
		return store_write_end(st, own, rc);
	}
	/* A message always gets a line, even if vigie-net found nothing in it. */
	docs = m->docs;
	n_docs = m->n_docs;
	if (!n_docs) {
		memset(&text_doc, 0, sizeof text_doc);
		text_doc.seq = 1;
		text_doc.kind = MSS_DOC_TEXT;
		text_doc.h.abnormal = -1;
		docs = &text_doc;
		n_docs = 1;
	}
	store_now_utc(now, sizeof now);
	rc = insert_message(st, mailbox, m, now, &mid);
	message_patient(m, &mp);
	if (!rc && !(list = json_array()))
		rc = invalid(st, "Réception MSSanté : mémoire insuffisante");
	for (size_t i = 0; !rc && i < n_docs; i++) {
		const struct mss_doc *d = &docs[i];
		struct prep p;

		/* Positions in the message, kept unique even if the reader numbered badly. */
		seq = d->seq > seq ? d->seq : seq + 1;
		if ((rc = prep_item(st, m, d, &mp, &p)) ||
		    (rc = insert_item(st, mid, seq, m, d, &p, now, &item)))
			break;
		if (p.flags & MSS_F_DELETE) {
			rc = sender_deletion(st, mid, item, d, &nw);
			total_w += nw;
		} else if (d->kind == MSS_DOC_CDA && p.status != MSS_ST_REPLACED &&
			   !(p.flags & MSS_F_ERROR)) {
			if (!(rc = replace_earlier(st, item, &d->h, &replaced)))
				rc = audit_new_version(st, item, &p, &d->h, replaced);
		}
		j = json_pack("{s:I,s:o,s:o,s:o,s:i}", "element", (json_int_t)item, "type",
			      jstr(p.type_code), "cda_id", jstr(d->h.id), "action", jstr(d->action),
			      "indicateurs", p.flags);
		if (j && p.patient_id) {
			json_object_set_new(j, "dossier", json_integer(p.patient_id));
			json_object_set_new(j, "rapprochement", json_string("ins"));
		}
		json_array_append_new(list, j);
	}
	if (!rc) {
		j = json_pack("{s:I,s:o,s:o,s:o,s:s,s:o,s:o}", "message", (json_int_t)mid, "boite",
			      jstr(mailbox), "cle", jstr(m->key), "expediteur", jstr(m->from),
			      "type_expediteur", m->sender == MSS_SENDER_PATIENT ? "patient" : "pro",
			      "objet", jstr(m->subject), "documents", list);
		list = NULL;
		rc = audit_json(st, "mss.reception", "mss_message", mid, j);
	}
	json_decref(list);
	if (!rc) {
		*msg_id = mid;
		*stored = 1;
		if (withdrawn)
			*withdrawn = total_w;
	}
	return store_write_end(st, own, rc);
}

/* ---- loading items ------------------------------------------------------------------------ */

#define ITEM_COLS "i.id, i.message, i.status, i.sender, i.kind, i.flags, i.abnormal, i.urgent," \
	" i.match, i.patient_id, i.document_id, i.patient_name, i.birth_date, i.type_code," \
	" i.type_label, i.sort_date, i.received_at"
#define ITEM_NCOLS 17

static void row_to_item(sqlite3_stmt *s, struct mss_item *it)
{
	memset(it, 0, sizeof *it);
	it->id = sqlite3_column_int64(s, 0);
	it->message_id = sqlite3_column_int64(s, 1);
	it->status = code_index(status_codes, MSS_ST_COUNT, sqlite3_column_text(s, 2), 0);
	it->sender = code_index((const char *const[]){ "pro", "patient" }, 2,
				sqlite3_column_text(s, 3), 0);
	it->kind = code_index(kind_codes, NKINDS, sqlite3_column_text(s, 4), MSS_DOC_OTHER);
	it->flags = sqlite3_column_int(s, 5);
	it->abnormal = sqlite3_column_int(s, 6);
	it->urgent = sqlite3_column_int(s, 7);
	it->patient_id = sqlite3_column_int64(s, 9);
	/* A dossier deleted since leaves the item unmatched (ON DELETE SET NULL). */
	it->match = it->patient_id ? code_index(match_codes, NMATCH, sqlite3_column_text(s, 8), 0)
		: MSS_MATCH_NONE;
	it->document_id = sqlite3_column_int64(s, 10);
	store_col_copy(s, 11, it->patient, sizeof it->patient);
	store_col_copy(s, 12, it->birth_date, sizeof it->birth_date);
	store_col_copy(s, 13, it->type_code, sizeof it->type_code);
	store_col_copy(s, 14, it->type_label, sizeof it->type_label);
	store_col_copy(s, 15, it->date, sizeof it->date);
	store_col_copy(s, 16, it->received_at, sizeof it->received_at);
}

int mss_item_get(struct store *st, long long id, struct mss_item *it)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = store_prepare(st, "SELECT " ITEM_COLS " FROM mss_items i WHERE i.id = ?1", &s,
			  "Liste MSSanté")))
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		row_to_item(s, it);
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return no_item(st, id);
	return rc == SQLITE_ROW ? 0 : store_fail(st, rc, "Liste MSSanté");
}

#define FULL_COLS ITEM_COLS ", i.seq, i.name, i.file, i.pdf, i.mime, i.action, i.cda_id," \
	" i.set_id, i.version, i.cda_code, i.cda_code_label, i.title, i.effective_time," \
	" i.patient_ins, i.patient_oid, i.patient_family, i.patient_given, i.patient_birth," \
	" i.patient_sex, i.author, i.author_profession, i.level, i.has_pdf, i.related_id," \
	" i.patient_used_family, i.patient_given_all, i.patient_birth_place, i.care_date," \
	" i.author_org, i.xdm_ins, i.xdm_oid, i.conflict, i.sha1, i.size, i.error," \
	" m.from_addr, m.from_name, m.subject, m.date, m.file, m.error, m.message_id, m.key"

/* Every field of an item; key (the message's archive key) may be NULL. */
static int load_full(struct store *st, long long id, struct mss_item_full *f, char *key,
		     size_t key_size)
{
	struct cda_header *h = &f->doc.h;
	sqlite3_stmt *s;
	int rc, c = ITEM_NCOLS;

	memset(f, 0, sizeof *f);
	if ((rc = store_prepare(st, "SELECT " FULL_COLS " FROM mss_items i JOIN mss_messages m"
			  " ON m.id = i.message WHERE i.id = ?1", &s, "Élément MSSanté")))
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(s);
		return rc == SQLITE_DONE ? no_item(st, id) : store_fail(st, rc, "Élément MSSanté");
	}
	row_to_item(s, &f->it);
	f->doc.seq = sqlite3_column_int(s, c++);
	f->doc.kind = f->it.kind;
	store_col_copy(s, c++, f->doc.name, sizeof f->doc.name);
	store_col_copy(s, c++, f->doc.file, sizeof f->doc.file);
	store_col_copy(s, c++, f->doc.pdf, sizeof f->doc.pdf);
	store_col_copy(s, c++, f->doc.mime, sizeof f->doc.mime);
	store_col_copy(s, c++, f->doc.action, sizeof f->doc.action);
	store_col_copy(s, c++, h->id, sizeof h->id);
	store_col_copy(s, c++, h->set_id, sizeof h->set_id);
	h->version = sqlite3_column_int(s, c++);
	store_col_copy(s, c++, h->code, sizeof h->code);
	store_col_copy(s, c++, h->code_label, sizeof h->code_label);
	store_col_copy(s, c++, h->title, sizeof h->title);
	store_col_copy(s, c++, h->effective_time, sizeof h->effective_time);
	store_col_copy(s, c++, h->patient_ins, sizeof h->patient_ins);
	store_col_copy(s, c++, h->patient_oid, sizeof h->patient_oid);
	store_col_copy(s, c++, h->patient_family, sizeof h->patient_family);
	store_col_copy(s, c++, h->patient_given, sizeof h->patient_given);
	store_col_copy(s, c++, h->patient_birth, sizeof h->patient_birth);
	store_col_copy(s, c++, h->patient_sex, sizeof h->patient_sex);
	store_col_copy(s, c++, h->author, sizeof h->author);
	store_col_copy(s, c++, h->author_profession, sizeof h->author_profession);
	h->level = sqlite3_column_int(s, c++);
	h->has_pdf = sqlite3_column_int(s, c++);
	store_col_copy(s, c++, h->related_id, sizeof h->related_id);
	store_col_copy(s, c++, h->patient_used_family, sizeof h->patient_used_family);
	store_col_copy(s, c++, h->patient_given_all, sizeof h->patient_given_all);
	store_col_copy(s, c++, h->patient_birth_place, sizeof h->patient_birth_place);
	store_col_copy(s, c++, h->care_date, sizeof h->care_date);
	store_col_copy(s, c++, h->author_org, sizeof h->author_org);
	h->abnormal = f->it.abnormal;
	store_col_copy(s, c++, f->doc.xdm_ins, sizeof f->doc.xdm_ins);
	store_col_copy(s, c++, f->doc.xdm_oid, sizeof f->doc.xdm_oid);
	store_col_copy(s, c++, f->doc.conflict, sizeof f->doc.conflict);
	store_col_copy(s, c++, f->doc.sha1, sizeof f->doc.sha1);
	f->doc.size = sqlite3_column_int64(s, c++);
	store_col_copy(s, c++, f->doc.error, sizeof f->doc.error);
	store_col_copy(s, c++, f->from, sizeof f->from);
	store_col_copy(s, c++, f->from_name, sizeof f->from_name);
	store_col_copy(s, c++, f->subject, sizeof f->subject);
	store_col_copy(s, c++, f->msg_date, sizeof f->msg_date);
	store_col_copy(s, c++, f->msg_file, sizeof f->msg_file);
	store_col_copy(s, c++, f->msg_error, sizeof f->msg_error);
	store_col_copy(s, c++, f->message_id, sizeof f->message_id);
	if (key && key_size)
		store_col_copy(s, c, key, key_size);
	sqlite3_finalize(s);
	return 0;
}

int mss_item_full_get(struct store *st, long long id, struct mss_item_full *f)
{
	return load_full(st, id, f, NULL, 0);
}

/* ---- worklist ----------------------------------------------------------------------------- */

#define LIST_TEXT_WORDS 4

/* The list's SQL from fixed fragments only (values are always bound): one sort index each,
 * read without touching the table unless a text is searched; a patient's items come from
 * their own index. */
static void list_sql(enum mss_sort sort, int by_patient, int with_text, char *sql, size_t size)
{
	static const char *const order[] = {
		[MSS_SORT_RECEIVED] = " ORDER BY received_at DESC, id DESC",
		[MSS_SORT_DATE] = " ORDER BY sort_date DESC, id DESC",
		[MSS_SORT_TYPE] = " ORDER BY type_key, sort_date DESC, id DESC",
		[MSS_SORT_PATIENT] = " ORDER BY patient_key, sort_date DESC, id DESC",
	};
	static const char *const index[] = {
		[MSS_SORT_RECEIVED] = " INDEXED BY mss_items_by_received",
		[MSS_SORT_DATE] = " INDEXED BY mss_items_by_date",
		[MSS_SORT_TYPE] = " INDEXED BY mss_items_by_type",
		[MSS_SORT_PATIENT] = " INDEXED BY mss_items_by_patient",
	};

	snprintf(sql, size, "SELECT id FROM mss_items%s WHERE %s"
		 " AND (?1 OR status <> 'efface') AND (NOT ?2 OR status = 'nouveau')"
		 " AND (NOT ?3 OR " ALERT_SQL ") AND (?4 = '' OR type_code = ?4)%s%s",
		 by_patient ? " INDEXED BY mss_items_patient_id" : index[sort],
		 by_patient ? "patient_id = ?5" : "?5 = 0",
		 with_text ? " AND (?6 IS NULL OR words LIKE ?6 ESCAPE '\\')"
			     " AND (?7 IS NULL OR words LIKE ?7 ESCAPE '\\')"
			     " AND (?8 IS NULL OR words LIKE ?8 ESCAPE '\\')"
			     " AND (?9 IS NULL OR words LIKE ?9 ESCAPE '\\')" : "",
		 order[sort]);
}

/* The folded words of a text filter as LIKE patterns "%word%" (wildcards escaped). */
static int text_patterns(const char *text, char pat[LIST_TEXT_WORDS][80])
{
	char folded[128], *save = NULL, *w;
	int n = 0;

	text_fold(text, folded, sizeof folded);
	for (w = strtok_r(folded, " ", &save); w && n < LIST_TEXT_WORDS;
	     w = strtok_r(NULL, " ", &save)) {
		size_t k = 0;
		pat[n][k++] = '%';
		for (const char *c = w; *c && k < 76; c++) {
			if (*c == '%' || *c == '_' || *c == '\\')
				pat[n][k++] = '\\';
			pat[n][k++] = *c;
		}
		pat[n][k++] = '%';
		pat[n][k] = '\0';
		n++;
	}
	return n;
}

int mss_list(struct store *st, const struct mss_filter *f, enum mss_sort sort,
	     long long **ids, size_t *n)
{
	static const struct mss_filter none;
	char sql[1024], pat[LIST_TEXT_WORDS][80];
	sqlite3_stmt *s;
	long long *v = NULL, *grown;
	size_t cap = 0, len = 0;
	int rc, words;

	*ids = NULL;
	*n = 0;
	if (!f)
		f = &none;
	if ((int)sort < 0 || sort > MSS_SORT_PATIENT)
		sort = MSS_SORT_RECEIVED;
	words = text_patterns(f->text, pat);
	list_sql(sort, f->patient_id > 0, words > 0, sql, sizeof sql);
	if ((rc = store_prepare(st, sql, &s, "Liste MSSanté")))
		return rc;
	sqlite3_bind_int(s, 1, f->show_deleted != 0);
	sqlite3_bind_int(s, 2, f->only_new != 0);
	sqlite3_bind_int(s, 3, f->only_alerts != 0);
	sqlite3_bind_text(s, 4, f->type_code, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 5, f->patient_id > 0 ? f->patient_id : 0);
	for (int i = 0; i < words; i++)
		sqlite3_bind_text(s, 6 + i, pat[i], -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			cap = cap ? cap * 2 : 256;
			if (!(grown = realloc(v, cap * sizeof *v))) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = grown;
		}
		v[len++] = sqlite3_column_int64(s, 0);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(v);
		return store_fail(st, rc, "Liste MSSanté");
	}
	*ids = v;
	*n = len;
	return 0;
}

int mss_counts(struct store *st, long long *n_new, long long *n_alert)
{
	sqlite3_stmt *s;
	int rc;

	*n_new = 0;
	*n_alert = 0;
	if ((rc = store_prepare(st, "SELECT count(*), coalesce(sum(" ALERT_SQL "), 0) FROM mss_items"
			  " WHERE status = 'nouveau'", &s, "Liste MSSanté")))
		return rc;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*n_new = sqlite3_column_int64(s, 0);
		*n_alert = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_ROW ? 0 : store_fail(st, rc, "Liste MSSanté");
}

int mss_types(struct store *st, char (**codes)[32], char (**labels)[128], size_t *n)
{
	sqlite3_stmt *s;
	char (*c)[32] = NULL, (*l)[128] = NULL;
	size_t cap = 0, len = 0;
	int rc;

	*codes = NULL;
	*labels = NULL;
	*n = 0;
	if ((rc = store_prepare(st, "SELECT type_code, min(type_label) FROM mss_items"
			  " WHERE status <> 'efface' GROUP BY type_code ORDER BY 2, 1", &s,
			  "Types de documents MSSanté")))
		return rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		if (len == cap) {
			void *gc, *gl;
			cap = cap ? cap * 2 : 16;
			gc = realloc(c, cap * sizeof *c);
			if (gc)
				c = gc;
			gl = realloc(l, cap * sizeof *l);
			if (gl)
				l = gl;
			if (!gc || !gl) {
				rc = SQLITE_NOMEM;
				break;
			}
		}
		store_col_copy(s, 0, c[len], sizeof c[len]);
		store_col_copy(s, 1, l[len], sizeof l[len]);
		len++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(c);
		free(l);
		return store_fail(st, rc, "Types de documents MSSanté");
	}
	*codes = c;
	*labels = l;
	*n = len;
	return 0;
}

/* ---- actions ------------------------------------------------------------------------------ */

/* Status of an item (inside the caller's transaction). */
static int item_status(struct store *st, long long id, int *status)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = store_prepare(st, "SELECT status FROM mss_items WHERE id = ?1", &s, "Élément MSSanté")))
		return rc;
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*status = code_index(status_codes, MSS_ST_COUNT, sqlite3_column_text(s, 0), 0);
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return no_item(st, id);
	return rc == SQLITE_ROW ? 0 : store_fail(st, rc, "Élément MSSanté");
}

static int set_status(struct store *st, long long id, int status)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = store_prepare(st, "UPDATE mss_items SET status = ?1 WHERE id = ?2", &s,
			  "Élément MSSanté")))
		return rc;
	sqlite3_bind_text(s, 1, status_codes[status], -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, id);
	return store_step_done(st, s, "Élément MSSanté");
}

int mss_mark_read(struct store *st, long long id, int read)
{
	int rc, own, status = 0, to;

	if ((rc = store_write_begin(st, &own)))
		return rc;
	if ((rc = item_status(st, id, &status)))
		return store_write_end(st, own, rc);
	to = read && status == MSS_ST_NEW ? MSS_ST_READ
		: !read && status == MSS_ST_READ ? MSS_ST_NEW : status;
	if (to != status && !(rc = set_status(st, id, to)))
		rc = audit_json(st, "mss.lecture", "mss_item", id,
				json_pack("{s:I,s:b}", "element", (json_int_t)id, "lu", read != 0));
	return store_write_end(st, own, rc);
}

int mss_delete_local(struct store *st, long long id)
{
	int rc, own, status = 0;

	if ((rc = store_write_begin(st, &own)))
		return rc;
	if ((rc = item_status(st, id, &status)) || status == MSS_ST_DELETED)
		return store_write_end(st, own, rc);
	if (!(rc = set_status(st, id, MSS_ST_DELETED)))
		rc = audit_json(st, "mss.effacement", "mss_item", id,
				json_pack("{s:I,s:s}", "element", (json_int_t)id, "statut_avant",
					  status_codes[status]));
	return store_write_end(st, own, rc);
}

/* Matches an item to a dossier and recomputes its version flags for it. */
static int set_match(struct store *st, const struct mss_item_full *f, long long patient_id,
		     int match)
{
	const struct cda_header *h = &f->doc.h;
	long long doc = 0;
	int vflags = 0, flags, rc;
	sqlite3_stmt *s;

	flags = f->it.flags & ~(MSS_F_ALREADY | MSS_F_NEW_VERSION | MSS_F_OLDER);
	if (f->it.kind == MSS_DOC_CDA && !(flags & (MSS_F_DELETE | MSS_F_ERROR))) {
		if ((rc = version_flags(st, patient_id, h->id, h->set_id, h->version, &vflags,
					&doc)))
			return rc;
		flags |= vflags;
	}
	/* An item dealt with keeps the document it was stored as (or withdrew). */
	if (f->it.document_id && (f->it.status == MSS_ST_INTEGRATED ||
				  f->it.status == MSS_ST_REPLACED ||
				  f->it.status == MSS_ST_WITHDRAWN || (f->it.flags & MSS_F_DELETE)))
		doc = f->it.document_id;
	if ((rc = store_prepare(st, "UPDATE mss_items SET patient_id = ?1, match = ?2, flags = ?3,"
			  " document_id = ?4 WHERE id = ?5", &s, "Rattachement")))
		return rc;
	sqlite3_bind_int64(s, 1, patient_id);
	sqlite3_bind_text(s, 2, match_codes[match], -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 3, flags);
	if (doc)
		sqlite3_bind_int64(s, 4, doc);
	sqlite3_bind_int64(s, 5, f->it.id);
	return store_step_done(st, s, "Rattachement");
}

static int patient_exists(struct store *st, long long patient_id)
{
	long long found;
	int rc = query_id(st, "SELECT id FROM patients WHERE id = :a", patient_id, 0,
			  NULL, &found, "Rattachement");

	if (rc)
		return rc;
	if (!found) {
		snprintf(st->err, sizeof st->err, "Dossier n° %lld introuvable", patient_id);
		return STORE_ERR_NOTFOUND;
	}
	return 0;
}

int mss_attach(struct store *st, long long id, long long patient_id)
{
	struct mss_item_full *f;
	int rc, own;

	if (patient_id <= 0)
		return invalid(st, "Rattachement refusé : aucun dossier choisi");
	if (!(f = malloc(sizeof *f)))
		return invalid(st, "Rattachement : mémoire insuffisante");
	if ((rc = store_write_begin(st, &own)) == 0) {
		if (!(rc = load_full(st, id, f, NULL, 0)) && !(rc = patient_exists(st, patient_id))) {
			if (f->it.status == MSS_ST_INTEGRATED)
				rc = invalid(st, "Rattachement refusé : ce document est déjà intégré "
					     "dans un dossier");
			else if (f->it.status == MSS_ST_DELETED)
				rc = invalid(st, "Rattachement refusé : cet élément a été effacé de "
					     "la liste");
		}
		if (!rc)
			rc = set_match(st, f, patient_id, MSS_MATCH_USER);
		if (!rc) {
			json_t *j = json_pack("{s:I,s:I,s:s}", "element", (json_int_t)id, "dossier",
					      (json_int_t)patient_id, "mode", "utilisateur");
			if (j && f->it.patient_id)
				json_object_set_new(j, "dossier_avant", json_integer(f->it.patient_id));
			if (j && (f->it.flags & MSS_F_CONFLICT))
				json_object_set_new(j, "conflit_leve", json_true());
			rc = audit_json(st, "mss.rattachement", "patient", patient_id, j);
		}
		rc = store_write_end(st, own, rc);
	}
	free(f);
	return rc;
}

int mss_rematch(struct store *st, int *matched)
{
	struct mss_item_full *f;
	long long *ids = NULL, pid;
	size_t n = 0;
	int rc, own;

	*matched = 0;
	if (!(f = malloc(sizeof *f)))
		return invalid(st, "Rapprochement : mémoire insuffisante");
	if ((rc = store_write_begin(st, &own))) {
		free(f);
		return rc;
	}
	rc = ids_by_text(st, "SELECT id FROM mss_items WHERE patient_id IS NULL AND match_ins <> ?1"
			 " AND (flags & 4) = 0 AND status <> 'efface' ORDER BY id", "", &ids, &n,
			 "Rapprochement");
	for (size_t i = 0; !rc && i < n; i++) {
		char ins[16], oid[32];
		sqlite3_stmt *s;

		if ((rc = load_full(st, ids[i], f, NULL, 0)))
			break;
		if ((rc = store_prepare(st, "SELECT match_ins, match_oid FROM mss_items WHERE id = ?1", &s,
				  "Rapprochement")))
			break;
		sqlite3_bind_int64(s, 1, ids[i]);
		ins[0] = oid[0] = '\0';
		if (sqlite3_step(s) == SQLITE_ROW) {
			store_col_copy(s, 0, ins, sizeof ins);
			store_col_copy(s, 1, oid, sizeof oid);
		}
		sqlite3_finalize(s);
		if ((rc = find_by_ins(st, ins, oid, &pid)) || !pid)
			continue;
		if (!(rc = set_match(st, f, pid, MSS_MATCH_INS)))
			rc = audit_json(st, "mss.rattachement", "patient", pid,
					json_pack("{s:I,s:I,s:s}", "element", (json_int_t)ids[i],
						  "dossier", (json_int_t)pid, "mode", "ins"));
		if (!rc)
			++*matched;
	}
	free(ids);
	free(f);
	if (rc)
		*matched = 0;
	return store_write_end(st, own, rc);
}

/* ---- candidates --------------------------------------------------------------------------- */

/* The document's identity traits (a part without CDA: those of a CDA of its message). */
static int doc_identity_of(struct store *st, const struct mss_item_full *f,
			   struct ins_identity *id, char *used, size_t used_size)
{
	const struct cda_header *h = &f->doc.h;
	struct mss_item_full *sib = NULL;
	long long sib_id = 0;
	int rc;

	if (f->it.kind != MSS_DOC_CDA) {
		if ((rc = query_id(st, "SELECT id FROM mss_items WHERE message = :a AND kind = 'cda'"
				   " AND patient_family <> '' ORDER BY seq LIMIT 1",
				   f->it.message_id, 0, NULL, &sib_id, "Dossiers proposés")))
			return rc;
		if (sib_id) {
			if (!(sib = malloc(sizeof *sib)))
				return invalid(st, "Dossiers proposés : mémoire insuffisante");
			if ((rc = load_full(st, sib_id, sib, NULL, 0))) {
				free(sib);
				return rc;
			}
			h = &sib->doc.h;
		}
	}
	memset(id, 0, sizeof *id);
	snprintf(id->matricule, sizeof id->matricule, "%s", h->patient_ins);
	snprintf(id->oid, sizeof id->oid, "%s", h->patient_oid);
	snprintf(id->birth_name, sizeof id->birth_name, "%s",
		 h->patient_family[0] ? h->patient_family : h->patient_used_family);
	ins_first_of_list(h->patient_given, id->first_name, sizeof id->first_name);
	snprintf(id->first_names, sizeof id->first_names, "%s", h->patient_given_all);
	snprintf(id->sex, sizeof id->sex, "%s", h->patient_sex);
	birth_iso(h->patient_birth, id->birth_date, sizeof id->birth_date);
	snprintf(id->birth_cog, sizeof id->birth_cog, "%s", h->patient_birth_place);
	snprintf(used, used_size, "%s", h->patient_used_family);
	free(sib);
	return 0;
}

/* "n:" term of the search index for a name: folded, separators removed (db/0001_init.sql). */
static void name_term(const char *name, char *out, size_t size)
{
	char folded[256], joined[256];
	size_t n = 0;

	text_fold(name, folded, sizeof folded);
	for (const char *c = folded; *c && n < sizeof joined - 1; c++)
		if (*c != ' ')
			joined[n++] = *c;
	joined[n] = '\0';
	if (n)
		snprintf(out, size, "n:%.70s", joined);
	else
		out[0] = '\0';
}

static void score_candidate(const struct ins_identity *doc, const char *doc_used,
			    struct mss_candidate *c)
{
	ins_compare(&c->local, doc, c->cmp);
	c->used_name_matches = c->used_name[0] &&
			       (folded_equal(c->used_name, doc->birth_name) ||
				folded_equal(c->used_name, doc_used));
	c->score = 0;
	if (c->cmp[INS_T_BIRTH_NAME] == INS_EQUAL)
		c->score += 30;
	else if (c->used_name_matches)
		c->score += 20;
	if (c->cmp[INS_T_FIRST_NAME] == INS_EQUAL)
		c->score += 20;
	if (c->cmp[INS_T_BIRTH_DATE] == INS_EQUAL)
		c->score += 30;
	if (c->cmp[INS_T_SEX] == INS_EQUAL)
		c->score += 10;
	if (c->cmp[INS_T_FIRST_NAMES] == INS_EQUAL)
		c->score += 5;
	if (c->cmp[INS_T_BIRTH_COG] == INS_EQUAL)
		c->score += 5;
}

static int candidate_order(const void *a, const void *b)
{
	const struct mss_candidate *x = a, *y = b;
	char fx[128], fy[128];
	int d;

	if (x->score != y->score)
		return y->score - x->score;
	text_fold(x->local.birth_name, fx, sizeof fx);
	text_fold(y->local.birth_name, fy, sizeof fy);
	if ((d = strcmp(fx, fy)))
		return d;
	text_fold(x->local.first_name, fx, sizeof fx);
	text_fold(y->local.first_name, fy, sizeof fy);
	if ((d = strcmp(fx, fy)))
		return d;
	return x->patient_id < y->patient_id ? -1 : x->patient_id > y->patient_id;
}

/* Dossiers read at most: a very common name or date cannot make the look-up slow. */
#define CANDIDATES_READ 500

int mss_candidates(struct store *st, long long id, struct ins_identity *doc_identity,
		   struct mss_candidate **c, size_t *n, size_t max)
{
	struct mss_item_full *f;
	struct ins_identity doc;
	struct mss_candidate *v = NULL, *grown;
	char used[101], t_birth[80], t_used[80];
	size_t cap = 0, len = 0;
	sqlite3_stmt *s;
	int rc;

	*c = NULL;
	*n = 0;
	if (!(f = malloc(sizeof *f)))
		return invalid(st, "Dossiers proposés : mémoire insuffisante");
	rc = load_full(st, id, f, NULL, 0);
	if (!rc)
		rc = doc_identity_of(st, f, &doc, used, sizeof used);
	free(f);
	if (rc)
		return rc;
	if (doc_identity)
		*doc_identity = doc;
	name_term(doc.birth_name, t_birth, sizeof t_birth);
	name_term(used, t_used, sizeof t_used);
	if ((rc = store_prepare(st, "SELECT id, birth_name, used_name, first_name, birth_first_names, sex,"
			  " birth_date, birth_cog, ins_matricule, ins_oid FROM patients WHERE id IN"
			  " (SELECT id FROM patients WHERE birth_date = ?1 AND ?1 <> ''"
			  "  UNION SELECT patient_id FROM patient_terms WHERE term IN (?2, ?3))"
			  " LIMIT ?4", &s, "Dossiers proposés")))
		return rc;
	sqlite3_bind_text(s, 1, doc.birth_date, -1, SQLITE_STATIC);
	if (t_birth[0])
		sqlite3_bind_text(s, 2, t_birth, -1, SQLITE_STATIC);
	if (t_used[0])
		sqlite3_bind_text(s, 3, t_used, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, CANDIDATES_READ);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct mss_candidate *x;

		if (len == cap) {
			cap = cap ? cap * 2 : 16;
			if (!(grown = realloc(v, cap * sizeof *v))) {
				rc = SQLITE_NOMEM;
				break;
			}
			v = grown;
		}
		x = &v[len++];
		memset(x, 0, sizeof *x);
		x->patient_id = sqlite3_column_int64(s, 0);
		store_col_copy(s, 1, x->local.birth_name, sizeof x->local.birth_name);
		store_col_copy(s, 2, x->used_name, sizeof x->used_name);
		store_col_copy(s, 3, x->local.first_name, sizeof x->local.first_name);
		store_col_copy(s, 4, x->local.first_names, sizeof x->local.first_names);
		store_col_copy(s, 5, x->local.sex, sizeof x->local.sex);
		store_col_copy(s, 6, x->local.birth_date, sizeof x->local.birth_date);
		store_col_copy(s, 7, x->local.birth_cog, sizeof x->local.birth_cog);
		store_col_copy(s, 8, x->local.matricule, sizeof x->local.matricule);
		store_col_copy(s, 9, x->local.oid, sizeof x->local.oid);
		score_candidate(&doc, used, x);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		free(v);
		return store_fail(st, rc, "Dossiers proposés");
	}
	if (len)
		qsort(v, len, sizeof *v, candidate_order);
	if (len > max)
		len = max;
	if (!len) {
		free(v);
		v = NULL;
	}
	*c = v;
	*n = len;
	return 0;
}

int mss_candidate_strong(const struct mss_candidate *c)
{
	return c && (c->cmp[INS_T_BIRTH_NAME] == INS_EQUAL || c->used_name_matches) &&
	       c->cmp[INS_T_FIRST_NAME] == INS_EQUAL && c->cmp[INS_T_BIRTH_DATE] == INS_EQUAL &&
	       c->cmp[INS_T_SEX] == INS_EQUAL;
}

/* ---- integration -------------------------------------------------------------------------- */

/* Why an item may not be integrated, NULL when it may. */
static const char *integrate_refusal(const struct mss_item_full *f)
{
	if (f->it.flags & MSS_F_DELETE)
		return "Avis de suppression envoyé par l'émetteur : ce n'est pas un document à "
		       "intégrer";
	if (f->it.status == MSS_ST_WITHDRAWN)
		return "Document supprimé par l'émetteur : il ne peut plus être intégré";
	if (f->it.status == MSS_ST_DELETED)
		return "Élément effacé de la liste : il ne peut pas être intégré";
	if (!f->it.patient_id)
		return "Aucun dossier n'est rattaché à ce document : rattachez-le d'abord";
	if ((f->it.flags & MSS_F_CONFLICT) && f->it.match != MSS_MATCH_USER)
		return "L'identité du patient est contradictoire dans ce message : rattachez "
		       "explicitement le document au bon dossier avant de l'intégrer";
	if (f->it.flags & MSS_F_ERROR)
		return "Document illisible : il ne peut pas être intégré";
	return NULL;
}

static void fill_document(const struct mss_item_full *f, const char *key, struct document *d)
{
	const struct cda_header *h = &f->doc.h;

	memset(d, 0, sizeof *d);
	d->patient_id = f->it.patient_id;
	snprintf(d->provenance, sizeof d->provenance, "MSS");
	snprintf(d->mime, sizeof d->mime, "%s", f->doc.mime[0] ? f->doc.mime
		 : f->it.kind == MSS_DOC_CDA ? "text/xml" : f->it.kind == MSS_DOC_PDF
		 ? "application/pdf" : f->it.kind == MSS_DOC_TEXT ? "text/plain"
		 : "application/octet-stream");
	snprintf(d->sha1, sizeof d->sha1, "%s", f->doc.sha1);
	snprintf(d->source_ref, sizeof d->source_ref, "%s", key);
	if (f->it.kind == MSS_DOC_CDA) {
		snprintf(d->cda_id, sizeof d->cda_id, "%s", h->id);
		snprintf(d->set_id, sizeof d->set_id, "%s", h->set_id);
		d->version = h->version > 0 ? h->version : 0;
		snprintf(d->title, sizeof d->title, "%s", h->title[0] ? h->title : f->it.type_label);
		snprintf(d->type_code, sizeof d->type_code, "%s", h->code);
		snprintf(d->type_label, sizeof d->type_label, "%s", h->code_label[0] ? h->code_label
			 : f->it.type_label);
		snprintf(d->author, sizeof d->author, "%s", h->author);
		snprintf(d->author_profession, sizeof d->author_profession, "%s",
			 h->author_profession);
		snprintf(d->doc_date, sizeof d->doc_date, "%s", h->effective_time[0]
			 ? h->effective_time : f->msg_date);
		d->level = h->level == 1 || h->level == 3 ? h->level : 0;
	} else {
		snprintf(d->title, sizeof d->title, "%s", f->doc.name[0] ? f->doc.name
			 : f->subject[0] ? f->subject : f->it.type_label);
		snprintf(d->type_label, sizeof d->type_label, "%s", f->it.type_label);
		snprintf(d->author, sizeof d->author, "%s", f->from_name[0] ? f->from_name : f->from);
		snprintf(d->doc_date, sizeof d->doc_date, "%s", f->msg_date);
	}
	text_utf8_cut(d->title);
}

/* After a newer version replaced a document: items integrated as the old one say so. */
static int items_of_replaced(struct store *st, long long old_doc)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = store_prepare(st, "UPDATE mss_items SET status = 'remplace' WHERE document_id = ?1"
			  " AND status = 'integre'", &s, "Intégration")))
		return rc;
	sqlite3_bind_int64(s, 1, old_doc);
	return store_step_done(st, s, "Intégration");
}

static int integrated(struct store *st, long long id, long long doc, int add_flags)
{
	sqlite3_stmt *s;
	int rc;

	if ((rc = store_prepare(st, "UPDATE mss_items SET status = 'integre', document_id = ?1,"
			  " flags = flags | ?2 WHERE id = ?3", &s, "Intégration")))
		return rc;
	sqlite3_bind_int64(s, 1, doc);
	sqlite3_bind_int(s, 2, add_flags);
	sqlite3_bind_int64(s, 3, id);
	return store_step_done(st, s, "Intégration");
}

static const char *const outcome_codes[] = {
	[MSS_INT_STORED] = "enregistre", [MSS_INT_REPLACED] = "nouvelle_version",
	[MSS_INT_ALREADY] = "deja_present", [MSS_INT_OLDER] = "ancienne_version",
};

static int do_integrate(struct store *st, struct mss_item_full *f, const char *key,
			const void *original, size_t len, const void *pdf, size_t pdf_len,
			const char *text, enum mss_integrate_outcome *out, long long *doc_id)
{
	struct document d;
	enum document_match m = DOC_MATCH_NONE;
	long long existing = 0;
	const char *why;
	json_t *j;
	int rc;

	if (f->it.status == MSS_ST_INTEGRATED && f->it.document_id) {
		/* Integrated already (a job run twice): nothing more to do. */
		*out = MSS_INT_ALREADY;
		*doc_id = f->it.document_id;
		return 0;
	}
	if ((why = integrate_refusal(f)))
		return invalid(st, why);
	if (!original || !len)
		return invalid(st, "Le fichier du document est vide ou n'a pas pu être lu : rien "
			       "n'a été intégré");
	if (f->doc.size > 0 && (long long)len != f->doc.size)
		return invalid(st, "Le fichier du document a changé depuis sa réception (taille "
			       "différente) : rien n'a été intégré");
	fill_document(f, key, &d);
	if (d.cda_id[0] || d.set_id[0]) {
		if ((rc = document_match(st, d.patient_id, d.cda_id, d.set_id, d.version, &m,
					 &existing)))
			return rc;
	}
	if (m == DOC_MATCH_SAME) {
		*out = MSS_INT_ALREADY;
		*doc_id = existing;
		rc = integrated(st, f->it.id, existing, MSS_F_ALREADY);
	} else {
		*out = m == DOC_MATCH_NEWER ? MSS_INT_REPLACED : m == DOC_MATCH_OLDER ? MSS_INT_OLDER
			: MSS_INT_STORED;
		if (!(rc = document_insert(st, &d, original, len, pdf, pdf_len, text)))
			*doc_id = d.id;
		if (!rc)
			rc = integrated(st, f->it.id, d.id, 0);
		if (!rc && m == DOC_MATCH_NEWER)
			rc = items_of_replaced(st, existing);
	}
	if (rc)
		return rc;
	j = json_pack("{s:I,s:I,s:I,s:s,s:o,s:i}", "element", (json_int_t)f->it.id, "message",
		      (json_int_t)f->it.message_id, "document", (json_int_t)*doc_id, "resultat",
		      outcome_codes[*out], "cda_id", jstr(d.cda_id), "version", d.version);
	if (j && existing && m != DOC_MATCH_SAME)
		json_object_set_new(j, "version_courante", json_integer(existing));
	return audit_json(st, "mss.integration", "patient", d.patient_id, j);
}

int mss_integrate(struct store *st, long long id, const void *original,
		  size_t len, const void *pdf, size_t pdf_len, const char *text,
		  enum mss_integrate_outcome *out, long long *document_id, char *why,
		  size_t why_size)
{
	struct mss_item_full *f;
	char key[64] = "";
	int rc, own;

	*out = MSS_INT_STORED;
	*document_id = 0;
	if (why && why_size)
		why[0] = '\0';
	if (!(f = malloc(sizeof *f)))
		rc = invalid(st, "Intégration : mémoire insuffisante");
	else if (!(rc = store_write_begin(st, &own))) {
		rc = load_full(st, id, f, key, sizeof key);
		if (!rc)
			rc = do_integrate(st, f, key, original, len, pdf, pdf_len, text, out,
					  document_id);
		rc = store_write_end(st, own, rc);
	}
	free(f);
	if (rc) {
		*document_id = 0;
		if (why && why_size)
			snprintf(why, why_size, "%s", st->err);
	}
	return rc;
}
