/* Unit tests of the MSSanté worklist in the store (src/store/mss_store.c): reception,
 * matching by INS, candidates, versions, sender's deletion, actions, integration, list
 * queries, audit trail, and a 20 000-item base (times printed, not asserted). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/identity.h"
#include "core/ins.h"
#include "core/mss_types.h"
#include "core/mss_wire.h"
#include "tests/unit/tmpdb.h"
#include "store/db.h"
#include "store/documents.h"
#include "store/mss_store.h"
#include "store/patients.h"

#define BOX "dr.martin@test.mssante.fr:993/INBOX"
/* Matricules whose key verifies (97 - n mod 97). */
#define INS_A "279035121518989"
#define INS_B "185057512345673"
#define INS_C "280051234567834"
#define INS_D "169039901234529"

static struct tmpdb db;
static struct store *st;

static void setup(void)
{
	tmpdb_open(&db, "mss-store");
	st = db.st;
}

static void teardown(void)
{
	tmpdb_close(&db);
	st = NULL;
}

/* ---- helpers ------------------------------------------------------------------------------ */

static long long count_sql(const char *sql, long long id)
{
	sqlite3_stmt *s;
	long long n = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_bind_parameter_count(s) >= 1)
		sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

static void text_sql(const char *sql, long long id, char *out, size_t size)
{
	sqlite3_stmt *s;

	out[0] = 0;
	ck_assert_int_eq(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW && sqlite3_column_text(s, 0))
		snprintf(out, size, "%s", (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
}

static long long audits(const char *action)
{
	sqlite3_stmt *s;
	long long n = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(st->db, "SELECT count(*) FROM audit WHERE action = ?1",
					    -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_text(s, 1, action, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return n;
}

static long long new_patient(const char *birth_name, const char *used_name, const char *first,
			     const char *sex, const char *birth, const char *ins, const char *oid)
{
	struct patient p;

	patient_init(&p);
	snprintf(p.birth_name, sizeof p.birth_name, "%s", birth_name);
	snprintf(p.used_name, sizeof p.used_name, "%s", used_name);
	snprintf(p.first_name, sizeof p.first_name, "%s", first);
	snprintf(p.birth_first_names, sizeof p.birth_first_names, "%s", first);
	snprintf(p.sex, sizeof p.sex, "%s", sex);
	snprintf(p.birth_date, sizeof p.birth_date, "%s", birth);
	if (ins) {
		snprintf(p.ins_matricule, sizeof p.ins_matricule, "%s", ins);
		snprintf(p.ins_oid, sizeof p.ins_oid, "%s", oid ? oid : "");
		p.id_status = ID_RECUPEREE;
	}
	ck_assert_int_eq(patient_insert(st, &p), 0);
	patient_clear(&p);
	return p.id;
}

static void message(struct mss_message *m, const char *key, const char *subject)
{
	memset(m, 0, sizeof *m);
	snprintf(m->key, sizeof m->key, "%s", key);
	snprintf(m->file, sizeof m->file, "/archive/%s.eml", key);
	snprintf(m->message_id, sizeof m->message_id, "<%s@test>", key);
	snprintf(m->from, sizeof m->from, "labo.bio@test.mssante.fr");
	snprintf(m->from_name, sizeof m->from_name, "Laboratoire Pasteur");
	snprintf(m->subject, sizeof m->subject, "%s", subject);
	snprintf(m->date, sizeof m->date, "20250310083000");
	m->size = 4096;
	/* A distinct fake SHA-1 per key (djb2). */
	unsigned long h = 5381;
	for (const char *c = key; *c; c++)
		h = h * 33 + (unsigned char)*c;
	snprintf(m->sha1, sizeof m->sha1, "%040lx", h);
}

struct cda_spec {
	const char *id, *set_id;
	int version;
	const char *ins, *oid;
	const char *family, *given, *birth, *sex;
	const char *code, *label;
	const char *care_date;
	int abnormal;
};

static struct mss_doc *add_cda(struct mss_message *m, const struct cda_spec *c)
{
	struct mss_doc *d = mss_message_add_doc(m);
	struct cda_header *h;

	ck_assert_ptr_nonnull(d);
	h = &d->h;
	d->seq = (int)m->n_docs;
	d->kind = MSS_DOC_CDA;
	snprintf(d->name, sizeof d->name, "DOC%04d.XML", d->seq);
	snprintf(d->file, sizeof d->file, "/archive/%s/DOC%04d.XML", m->key, d->seq);
	snprintf(d->mime, sizeof d->mime, "text/xml");
	snprintf(d->action, sizeof d->action, "C");
	snprintf(h->id, sizeof h->id, "%s", c->id);
	snprintf(h->set_id, sizeof h->set_id, "%s", c->set_id ? c->set_id : "");
	h->version = c->version;
	snprintf(h->code, sizeof h->code, "%s", c->code ? c->code : "11502-2");
	snprintf(h->code_label, sizeof h->code_label, "%s",
		 c->label ? c->label : "CR d'examens biologiques");
	snprintf(h->title, sizeof h->title, "Compte rendu");
	/* the document is written on the day of care, at noon */
	snprintf(h->effective_time, sizeof h->effective_time, "%s120000",
		 c->care_date ? c->care_date : "20250309");
	snprintf(h->care_date, sizeof h->care_date, "%s", c->care_date ? c->care_date : "");
	snprintf(h->patient_ins, sizeof h->patient_ins, "%s", c->ins ? c->ins : "");
	snprintf(h->patient_oid, sizeof h->patient_oid, "%s", c->oid ? c->oid : "");
	snprintf(h->patient_family, sizeof h->patient_family, "%s", c->family ? c->family : "");
	snprintf(h->patient_given, sizeof h->patient_given, "%s", c->given ? c->given : "");
	snprintf(h->patient_given_all, sizeof h->patient_given_all, "%s", c->given ? c->given : "");
	snprintf(h->patient_birth, sizeof h->patient_birth, "%s", c->birth ? c->birth : "");
	snprintf(h->patient_sex, sizeof h->patient_sex, "%s", c->sex ? c->sex : "");
	snprintf(h->author, sizeof h->author, "Dr Paul BIOLOGISTE");
	h->level = 3;
	h->abnormal = c->abnormal;
	snprintf(d->sha1, sizeof d->sha1, "%040d", d->seq);
	d->size = 10;
	return d;
}

static long long receive(struct mss_message *m, int *withdrawn)
{
	long long id = 0;
	int stored = -1;

	ck_assert_msg(mss_receive(st, BOX, m, &id, &stored, withdrawn) == 0, "%s", st->err);
	ck_assert_int_eq(stored, 1);
	ck_assert_int_gt(id, 0);
	mss_message_free(m);
	return id;
}

/* The id of item seq of a message. */
static long long item_of(long long msg, int seq)
{
	sqlite3_stmt *s;
	long long id = 0;

	ck_assert_int_eq(sqlite3_prepare_v2(st->db, "SELECT id FROM mss_items WHERE message = ?1"
					    " AND seq = ?2", -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, msg);
	sqlite3_bind_int(s, 2, seq);
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	ck_assert_int_gt(id, 0);
	return id;
}

/* Receives one CDA in its own message; returns the item. */
static long long receive_cda(const char *key, const struct cda_spec *c)
{
	struct mss_message m;

	message(&m, key, "XDM/1.0/DDM+CR");
	add_cda(&m, c);
	return item_of(receive(&m, NULL), 1);
}

static struct mss_item get(long long id)
{
	struct mss_item it;

	ck_assert_int_eq(mss_item_get(st, id, &it), 0);
	return it;
}

/* The documents built by add_cda say 10 bytes: integrate() passes the first 10. */
static const char ORIGINAL[] = "<ClinicalDocument/>";

static int integrate(long long id, enum mss_integrate_outcome *out, long long *doc, char *why,
		     size_t why_size)
{
	return mss_integrate(st, id, ORIGINAL, 10, NULL, 0, "texte", out, doc, why, why_size);
}

static long long dmp_document(long long patient, const char *cda_id, const char *set_id,
			      int version)
{
	struct document d;

	memset(&d, 0, sizeof d);
	d.patient_id = patient;
	snprintf(d.provenance, sizeof d.provenance, "DMP");
	snprintf(d.cda_id, sizeof d.cda_id, "%s", cda_id);
	snprintf(d.set_id, sizeof d.set_id, "%s", set_id);
	d.version = version;
	snprintf(d.title, sizeof d.title, "CR bio");
	snprintf(d.mime, sizeof d.mime, "text/xml");
	d.level = 3;
	ck_assert_int_eq(document_insert(st, &d, ORIGINAL, sizeof ORIGINAL, NULL, 0, NULL), 0);
	return d.id;
}

static size_t list(const struct mss_filter *f, enum mss_sort sort, long long **ids)
{
	size_t n = 0;

	ck_assert_int_eq(mss_list(st, f, sort, ids, &n), 0);
	return n;
}

/* ---- tests -------------------------------------------------------------------------------- */

START_TEST(schema_and_codes)
{
	static const char *const tables[] = { "mss_mailboxes", "mss_messages", "mss_items" };
	char sql[128];

	ck_assert_int_eq(store_schema_version(st), store_schema_version_known());
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
		snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
			 " AND name = '%s'", tables[i]);
		ck_assert_int_eq(count_sql(sql, 0), 1);
	}
	for (int s = 0; s < MSS_ST_COUNT; s++) {
		ck_assert(mss_status_code(s)[0]);
		ck_assert(mss_status_label(s)[0]);
	}
	ck_assert_str_eq(mss_status_code(MSS_ST_INTEGRATED), "integre");
	ck_assert_str_eq(mss_status_label(MSS_ST_WITHDRAWN), "Supprimé par l'émetteur");
	ck_assert_str_eq(mss_status_label(MSS_ST_INTEGRATED), "Intégré");
	/* The CHECK refuses an unknown status. */
	ck_assert_int_ne(sqlite3_exec(st->db, "INSERT INTO mss_messages (mailbox, key, sender,"
				      " received_at) VALUES ('b', 'k', 'pro', 'x');"
				      " INSERT INTO mss_items (message, seq, kind, status,"
				      " received_at) VALUES (last_insert_rowid(), 1, 'cda', 'ouvert',"
				      " 'x')", NULL, NULL, NULL), SQLITE_OK);
}
END_TEST

START_TEST(mailbox_state)
{
	long long v, u;
	char lf[32], err[64];

	ck_assert_int_eq(mss_state_get(st, BOX, &v, &u), 0);
	ck_assert_int_eq(v, 0);
	ck_assert_int_eq(u, 0);
	ck_assert_int_eq(mss_state_info(st, BOX, lf, sizeof lf, err, sizeof err), 0);
	ck_assert_str_eq(lf, "");
	ck_assert_int_eq(mss_state_set(st, BOX, 1700000000, 42, ""), 0);
	ck_assert_int_eq(mss_state_set(st, BOX, 1700000000, 57, "Serveur injoignable"), 0);
	ck_assert_int_eq(mss_state_get(st, BOX, &v, &u), 0);
	ck_assert_int_eq(v, 1700000000);
	ck_assert_int_eq(u, 57);
	ck_assert_int_eq(mss_state_info(st, BOX, lf, sizeof lf, err, sizeof err), 0);
	ck_assert_int_eq(strlen(lf), 20);
	ck_assert_str_eq(err, "Serveur injoignable");
	ck_assert_int_eq(mss_state_set(st, "", 1, 1, ""), STORE_ERR_INVALID);
}
END_TEST

START_TEST(reception_and_duplicates)
{
	struct cda_spec c = { .id = "1.2.3^doc1", .set_id = "1.2.3^set1", .version = 1,
			      .ins = INS_A, .oid = INS_OID_NIR, .family = "Dupont",
			      .given = "Marie", .birth = "19790312", .sex = "F",
			      .care_date = "20250308", .abnormal = 2 };
	struct mss_message m;
	struct mss_item_full f;
	struct mss_item it;
	long long pid, msg, again, item;
	int stored;

	pid = new_patient("DUPONT", "", "MARIE", "F", "1979-03-12", INS_A, INS_OID_NIR);
	message(&m, "1700-1", "CR DUPONT");
	m.urgent = 1;
	add_cda(&m, &c);
	msg = receive(&m, NULL);
	item = item_of(msg, 1);
	it = get(item);
	ck_assert_int_eq(it.message_id, msg);
	ck_assert_int_eq(it.status, MSS_ST_NEW);
	ck_assert_int_eq(it.kind, MSS_DOC_CDA);
	ck_assert_int_eq(it.sender, MSS_SENDER_PRO);
	ck_assert_int_eq(it.match, MSS_MATCH_INS);
	ck_assert_int_eq(it.patient_id, pid);
	ck_assert_int_eq(it.abnormal, 2);
	ck_assert_int_eq(it.urgent, 1);
	ck_assert_int_eq(it.flags, 0);
	ck_assert_str_eq(it.patient, "DUPONT Marie");
	ck_assert_str_eq(it.birth_date, "1979-03-12");
	ck_assert_str_eq(it.type_code, "11502-2");
	ck_assert_str_eq(it.type_label, "CR d'examens biologiques");
	ck_assert_str_eq(it.date, "20250308120000"); /* the document date first */
	ck_assert_int_eq(strlen(it.received_at), 20);

	ck_assert_int_eq(mss_item_full_get(st, item, &f), 0);
	ck_assert_str_eq(f.doc.h.id, "1.2.3^doc1");
	ck_assert_str_eq(f.doc.h.patient_ins, INS_A);
	ck_assert_str_eq(f.doc.name, "DOC0001.XML");
	ck_assert_str_eq(f.doc.action, "C");
	ck_assert_str_eq(f.from, "labo.bio@test.mssante.fr");
	ck_assert_str_eq(f.subject, "CR DUPONT");
	ck_assert_str_eq(f.msg_file, "/archive/1700-1.eml");
	ck_assert_int_eq(f.doc.h.abnormal, 2);
	ck_assert_int_eq(audits("mss.reception"), 1);

	/* The same message again: recognised by its key, nothing stored, nothing audited. */
	message(&m, "1700-1", "CR DUPONT");
	add_cda(&m, &c);
	ck_assert_int_eq(mss_receive(st, BOX, &m, &again, &stored, NULL), 0);
	mss_message_free(&m);
	ck_assert_int_eq(stored, 0);
	ck_assert_int_eq(again, msg);
	/* ... and by its SHA-1 under another key (imported from a file, then fetched). */
	message(&m, "1700-1", "CR DUPONT");
	snprintf(m.key, sizeof m.key, "import-abc");
	add_cda(&m, &c);
	ck_assert_int_eq(mss_receive(st, "import", &m, &again, &stored, NULL), 0);
	mss_message_free(&m);
	ck_assert_int_eq(stored, 0);
	ck_assert_int_eq(again, msg);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM mss_items", 0), 1);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM mss_messages", 0), 1);
	ck_assert_int_eq(audits("mss.reception"), 1);

	/* A plain mail gets one "Message" line under the sender's name. */
	message(&m, "1700-2", "Question");
	msg = receive(&m, NULL);
	it = get(item_of(msg, 1));
	ck_assert_int_eq(it.kind, MSS_DOC_TEXT);
	ck_assert_str_eq(it.type_label, "Message");
	ck_assert_str_eq(it.patient, "Laboratoire Pasteur");
	ck_assert_int_eq(it.patient_id, 0);
	ck_assert_str_eq(it.date, "20250310083000");
	ck_assert_int_eq(it.abnormal, -1);

	/* Bad input: refused with a French reason. */
	message(&m, "", "x");
	ck_assert_int_eq(mss_receive(st, BOX, &m, &again, &stored, NULL), STORE_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(st->err, "clé"));
}
END_TEST

START_TEST(reception_used_name_and_parts)
{
	struct cda_spec c = { .id = "1.2.9^d", .ins = INS_B, .oid = INS_OID_NIR,
			      .family = "Lefèvre", .given = "Anne", .birth = "19850505",
			      .sex = "F", .abnormal = -1 };
	struct mss_message m;
	struct mss_doc *pdf, *d;
	struct mss_item it;
	long long msg, pid;

	pid = new_patient("LEFEVRE", "GARNIER", "ANNE", "F", "1985-05-05", INS_B, INS_OID_NIR);
	message(&m, "1700-3", "CR");
	d = add_cda(&m, &c);
	snprintf(d->h.patient_used_family, sizeof d->h.patient_used_family, "Garnier");
	pdf = mss_message_add_doc(&m);
	pdf->seq = 2;
	pdf->kind = MSS_DOC_PDF;
	snprintf(pdf->name, sizeof pdf->name, "ordonnance.pdf");
	snprintf(pdf->mime, sizeof pdf->mime, "application/pdf");
	msg = receive(&m, NULL);
	it = get(item_of(msg, 1));
	ck_assert_str_eq(it.patient, "LEFÈVRE (GARNIER) Anne");
	/* The PDF of the same message takes the message's patient. */
	it = get(item_of(msg, 2));
	ck_assert_str_eq(it.type_code, "mss-pdf");
	ck_assert_str_eq(it.type_label, "PDF");
	ck_assert_str_eq(it.patient, "LEFÈVRE (GARNIER) Anne");
	ck_assert_int_eq(it.patient_id, pid);
	ck_assert_int_eq(it.match, MSS_MATCH_INS);
}
END_TEST

START_TEST(reception_bad_input)
{
	struct mss_message m;
	struct mss_doc *d;
	struct mss_item it;
	char detail[2048];
	long long msg;

	/* Parts numbered badly, an unknown kind, a subject that is not UTF-8: all kept. */
	message(&m, "1709-1", "R\xE9sultats");
	for (int i = 0; i < 2; i++) {
		d = mss_message_add_doc(&m);
		d->seq = 0;
		d->kind = 9;
		snprintf(d->name, sizeof d->name, "photo%d.jpg", i);
	}
	msg = receive(&m, NULL);
	it = get(item_of(msg, 1));
	ck_assert_int_eq(it.kind, MSS_DOC_OTHER);
	ck_assert_str_eq(it.type_label, "Pièce jointe");
	ck_assert_int_eq(get(item_of(msg, 2)).kind, MSS_DOC_OTHER);
	text_sql("SELECT detail FROM audit WHERE action = 'mss.reception' AND entity_id = ?1", msg,
		 detail, sizeof detail);
	ck_assert_ptr_nonnull(strstr(detail, "\"objet\":\"R?sultats\""));
	/* Document contents never reach the audit trail: only ids and codes. */
	ck_assert_ptr_null(strstr(detail, "photo0"));
}
END_TEST

START_TEST(ins_matching_and_oid)
{
	struct cda_spec c = { .id = "1.2.4^a", .ins = INS_A, .oid = INS_OID_TEST,
			      .family = "Durand", .given = "Lea", .birth = "19790312", .sex = "F",
			      .abnormal = -1 };
	struct mss_message m;
	struct mss_doc *d;
	struct mss_item it;
	long long pa, pc, item;
	int n;

	pa = new_patient("DURAND", "", "LEA", "F", "1979-03-12", INS_A, INS_OID_NIR);
	/* Same matricule, another OID (test NIR): not that dossier. */
	it = get(receive_cda("1701-1", &c));
	ck_assert_int_eq(it.patient_id, 0);
	ck_assert_int_eq(it.match, MSS_MATCH_NONE);
	/* Same matricule and OID: matched. */
	c.id = "1.2.4^b";
	c.oid = INS_OID_NIR;
	it = get(receive_cda("1701-2", &c));
	ck_assert_int_eq(it.patient_id, pa);
	/* The key is part of the matricule: 13 digits alone never match. */
	c.id = "1.2.4^c";
	c.ins = "2790351215189";
	it = get(receive_cda("1701-3", &c));
	ck_assert_int_eq(it.patient_id, 0);
	/* A dossier without OID matches on the matricule alone. */
	pc = new_patient("MOREAU", "", "JEANNE", "F", "1980-05-12", INS_C, NULL);
	c.id = "1.2.4^d";
	c.ins = INS_C;
	c.oid = INS_OID_NIR;
	it = get(receive_cda("1701-4", &c));
	ck_assert_int_eq(it.patient_id, pc);
	/* The XDM metadata's INS is used when the CDA has none. */
	message(&m, "1701-5", "CR");
	c.id = "1.2.4^e";
	c.ins = NULL;
	c.oid = NULL;
	d = add_cda(&m, &c);
	snprintf(d->xdm_ins, sizeof d->xdm_ins, "%s", INS_A);
	snprintf(d->xdm_oid, sizeof d->xdm_oid, "%s", INS_OID_NIR);
	it = get(item_of(receive(&m, NULL), 1));
	ck_assert_int_eq(it.patient_id, pa);
	/* A patient's message matches by the INS of the address. */
	message(&m, "1701-6", "Mes résultats");
	snprintf(m.from, sizeof m.from, "%s@patient.mssante.fr", INS_C);
	snprintf(m.from_name, sizeof m.from_name, "Jeanne Moreau");
	m.sender = MSS_SENDER_PATIENT;
	it = get(item_of(receive(&m, NULL), 1));
	ck_assert_int_eq(it.sender, MSS_SENDER_PATIENT);
	ck_assert_int_eq(it.patient_id, pc);
	ck_assert_int_eq(it.match, MSS_MATCH_INS);
	/* An unknown INS: unmatched until its dossier exists, then mss_rematch finds it. */
	c.id = "1.2.4^f";
	c.ins = INS_D;
	c.oid = INS_OID_NIR;
	item = receive_cda("1701-7", &c);
	ck_assert_int_eq(get(item).patient_id, 0);
	ck_assert_int_eq(mss_rematch(st, &n), 0);
	ck_assert_int_eq(n, 0);
	pa = new_patient("PETIT", "", "LUC", "M", "1969-03-01", INS_D, INS_OID_NIR);
	ck_assert_int_eq(mss_rematch(st, &n), 0);
	ck_assert_int_eq(n, 1);
	it = get(item);
	ck_assert_int_eq(it.patient_id, pa);
	ck_assert_int_eq(it.match, MSS_MATCH_INS);
	ck_assert_int_eq(audits("mss.rattachement"), 1);
	/* Deleting the dossier leaves the item unmatched, not pointing anywhere. */
	ck_assert_int_eq(sqlite3_exec(st->db, "DELETE FROM patients WHERE ins_matricule = '"
				      INS_D "'", NULL, NULL, NULL), SQLITE_OK);
	it = get(item);
	ck_assert_int_eq(it.patient_id, 0);
	ck_assert_int_eq(it.match, MSS_MATCH_NONE);
}
END_TEST

START_TEST(conflict_never_matched)
{
	struct cda_spec c = { .id = "1.2.5^a", .ins = INS_A, .oid = INS_OID_NIR,
			      .family = "Durand", .given = "Lea", .birth = "19790312", .sex = "F",
			      .abnormal = -1 };
	struct mss_message m;
	struct mss_doc *d;
	struct mss_item it;
	enum mss_integrate_outcome out;
	long long pa, item, doc;
	char why[256];

	pa = new_patient("DURAND", "", "LEA", "F", "1979-03-12", INS_A, INS_OID_NIR);
	message(&m, "1702-1", "CR");
	d = add_cda(&m, &c);
	snprintf(d->conflict, sizeof d->conflict, "Le patient du document diffère des "
		 "métadonnées XDM");
	snprintf(d->xdm_ins, sizeof d->xdm_ins, "%s", INS_B);
	item = item_of(receive(&m, NULL), 1);
	it = get(item);
	ck_assert_int_eq(it.patient_id, 0);
	ck_assert(it.flags & MSS_F_CONFLICT);
	/* Not by rematch either. */
	int n;
	ck_assert_int_eq(mss_rematch(st, &n), 0);
	ck_assert_int_eq(n, 0);
	/* Refused until the user attaches it explicitly. */
	ck_assert_int_eq(integrate(item, &out, &doc, why, sizeof why), STORE_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(why, "rattachez"));
	ck_assert_int_eq(mss_attach(st, item, pa), 0);
	it = get(item);
	ck_assert_int_eq(it.match, MSS_MATCH_USER);
	ck_assert_int_eq(it.patient_id, pa);
	ck_assert_msg(integrate(item, &out, &doc, why, sizeof why) == 0, "%s", why);
	ck_assert_int_eq(out, MSS_INT_STORED);
	ck_assert_int_eq(get(item).status, MSS_ST_INTEGRATED);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM audit WHERE action = 'mss.rattachement'"
				   " AND detail LIKE '%conflit_leve%'", 0), 1);
}
END_TEST

START_TEST(candidates_ranked)
{
	struct cda_spec c = { .id = "1.2.6^a", .family = "Dupont", .given = "Marie",
			      .birth = "19800504", .sex = "F", .abnormal = -1 };
	struct ins_identity doc;
	struct mss_candidate *v;
	long long item, p1, p2, p3, p4;
	size_t n;

	p1 = new_patient("DUPONT", "", "MARIE", "F", "1980-05-04", NULL, NULL);
	p2 = new_patient("LEROY", "Dupont", "Marie", "F", "1980-05-04", NULL, NULL); /* married */
	p3 = new_patient("DUPOND", "", "PAUL", "M", "1980-05-04", NULL, NULL);
	p4 = new_patient("Dupônt", "", "marie", "F", "1981-01-01", NULL, NULL);
	new_patient("BERNARD", "", "MARIE", "F", "1975-02-02", NULL, NULL);   /* not proposed */
	item = receive_cda("1703-1", &c);
	ck_assert_int_eq(get(item).patient_id, 0);
	ck_assert_int_eq(mss_candidates(st, item, &doc, &v, &n, 10), 0);
	ck_assert_str_eq(doc.birth_name, "Dupont");
	ck_assert_str_eq(doc.first_name, "Marie");
	ck_assert_str_eq(doc.birth_date, "1980-05-04");
	ck_assert_int_eq(n, 4);
	ck_assert_int_eq(v[0].patient_id, p1);
	ck_assert_int_eq(v[1].patient_id, p2);
	ck_assert_int_eq(v[2].patient_id, p4);
	ck_assert_int_eq(v[3].patient_id, p3);
	ck_assert(v[0].score > v[1].score && v[1].score > v[2].score && v[2].score > v[3].score);
	ck_assert_int_eq(v[0].cmp[INS_T_BIRTH_NAME], INS_EQUAL);
	ck_assert_int_eq(v[0].used_name_matches, 0);
	ck_assert_int_eq(v[1].cmp[INS_T_BIRTH_NAME], INS_DIFFERS);
	ck_assert_int_eq(v[1].used_name_matches, 1);
	ck_assert_str_eq(v[1].used_name, "Dupont");
	ck_assert_int_eq(v[2].cmp[INS_T_BIRTH_NAME], INS_EQUAL);    /* accents, case ignored */
	ck_assert_int_eq(v[2].cmp[INS_T_BIRTH_DATE], INS_DIFFERS);
	ck_assert_int_eq(mss_candidate_strong(&v[0]), 1);
	ck_assert_int_eq(mss_candidate_strong(&v[1]), 1);
	ck_assert_int_eq(mss_candidate_strong(&v[2]), 0);
	ck_assert_int_eq(mss_candidate_strong(&v[3]), 0);
	free(v);
	/* max cuts the list. */
	ck_assert_int_eq(mss_candidates(st, item, NULL, &v, &n, 2), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(v[0].patient_id, p1);
	free(v);
	ck_assert_int_eq(mss_candidates(st, 999999, &doc, &v, &n, 2), STORE_ERR_NOTFOUND);
}
END_TEST

START_TEST(versions_and_already)
{
	struct cda_spec c = { .id = "1.2.7^v1", .set_id = "1.2.7^set", .version = 1,
			      .ins = INS_A, .oid = INS_OID_NIR, .family = "Durand", .given = "Lea",
			      .birth = "19790312", .sex = "F", .abnormal = -1 };
	enum mss_integrate_outcome out;
	struct document *docs, d;
	struct mss_item it;
	long long pa, dmp, i_dmp, i1, i2, i3, t1, t2, doc1, doc2, doc3;
	char why[256], status[16];
	size_t n;

	pa = new_patient("DURAND", "", "LEA", "F", "1979-03-12", INS_A, INS_OID_NIR);
	/* Already there from the DMP: recognised, not stored twice. */
	dmp = dmp_document(pa, "1.2.7^dmp", "1.2.7^dmpset", 1);
	c.id = "1.2.7^dmp";
	c.set_id = "1.2.7^dmpset";
	i_dmp = receive_cda("1704-0", &c);
	it = get(i_dmp);
	ck_assert(it.flags & MSS_F_ALREADY);
	ck_assert_int_eq(it.document_id, dmp);
	ck_assert_int_eq(integrate(i_dmp, &out, &doc1, why, sizeof why), 0);
	ck_assert_int_eq(out, MSS_INT_ALREADY);
	ck_assert_int_eq(doc1, dmp);
	ck_assert_int_eq(get(i_dmp).status, MSS_ST_INTEGRATED);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM documents", 0), 1);
	/* Integrating it again is harmless. */
	ck_assert_int_eq(integrate(i_dmp, &out, &doc1, why, sizeof why), 0);
	ck_assert_int_eq(out, MSS_INT_ALREADY);

	/* Version 1 by MSS, integrated. */
	c.id = "1.2.7^v1";
	c.set_id = "1.2.7^set";
	i1 = receive_cda("1704-1", &c);
	ck_assert_int_eq(get(i1).flags, 0);
	ck_assert_int_eq(integrate(i1, &out, &doc1, why, sizeof why), 0);
	ck_assert_int_eq(out, MSS_INT_STORED);
	ck_assert_int_eq(document_get(st, doc1, &d), 0);
	ck_assert_str_eq(d.provenance, "MSS");
	ck_assert_str_eq(d.cda_id, "1.2.7^v1");
	ck_assert_str_eq(d.source_ref, "1704-1");
	ck_assert_str_eq(d.type_code, "11502-2");
	ck_assert_int_eq(d.level, 3);
	ck_assert_int_eq(d.has_text, 1);
	/* Version 2: "nouvelle version". */
	c.id = "1.2.7^v2";
	c.version = 2;
	i2 = receive_cda("1704-2", &c);
	it = get(i2);
	ck_assert(it.flags & MSS_F_NEW_VERSION);
	ck_assert_int_eq(get(i1).status, MSS_ST_INTEGRATED);   /* integrated: kept until v2 is */
	ck_assert_int_eq(integrate(i2, &out, &doc2, why, sizeof why), 0);
	ck_assert_int_eq(out, MSS_INT_REPLACED);
	ck_assert_int_eq(document_get(st, doc1, &d), 0);
	ck_assert_str_eq(d.status, "remplace");
	ck_assert_int_eq(d.replaced_by, doc2);
	ck_assert_int_eq(get(i1).status, MSS_ST_REPLACED);
	ck_assert_int_eq(get(i2).status, MSS_ST_INTEGRATED);
	ck_assert_int_eq(document_list(st, pa, 1, &docs, &n), 0);
	ck_assert_int_eq(n, 3);
	free(docs);
	ck_assert_int_eq(document_list(st, pa, 0, &docs, &n), 0);
	ck_assert_int_eq(n, 2);   /* DMP document + current v2 */
	free(docs);
	/* An older version arriving late: flagged, stored in history only. */
	c.id = "1.2.7^v0";
	c.version = 0;
	i3 = receive_cda("1704-3", &c);
	ck_assert(get(i3).flags & MSS_F_OLDER);
	ck_assert_int_eq(integrate(i3, &out, &doc3, why, sizeof why), 0);
	ck_assert_int_eq(out, MSS_INT_OLDER);
	text_sql("SELECT status FROM documents WHERE id = ?1", doc3, status, sizeof status);
	ck_assert_str_eq(status, "remplace");
	text_sql("SELECT status FROM documents WHERE id = ?1", doc2, status, sizeof status);
	ck_assert_str_eq(status, "actif");
	ck_assert_int_eq(audits("mss.integration"), 4);   /* not the repeated one */

	/* Worklist items not yet integrated: a higher version replaces them... */
	c.id = "1.2.8^v1";
	c.set_id = "1.2.8^set";
	c.version = 1;
	t1 = receive_cda("1704-4", &c);
	c.id = "1.2.8^v2";
	c.version = 2;
	t2 = receive_cda("1704-5", &c);
	ck_assert_int_eq(get(t1).status, MSS_ST_REPLACED);
	ck_assert_int_eq(get(t2).status, MSS_ST_NEW);
	/* v2 of the dossier's document, then v2 replacing a worklist item. */
	ck_assert_int_eq(audits("mss.nouvelle-version"), 2);
	/* ... and a lower one arriving after the higher one is replaced at once. */
	c.id = "1.2.8^v0";
	c.version = 0;
	ck_assert_int_eq(get(receive_cda("1704-6", &c)).status, MSS_ST_REPLACED);
	ck_assert_int_eq(get(t2).status, MSS_ST_NEW);
}
END_TEST

START_TEST(sender_deletion)
{
	struct cda_spec c = { .id = "1.2.9^bio", .set_id = "1.2.9^set", .version = 2,
			      .ins = INS_A, .oid = INS_OID_NIR, .family = "Durand", .given = "Lea",
			      .birth = "19790312", .sex = "F", .abnormal = 1 };
	enum mss_integrate_outcome out;
	struct mss_message m;
	struct mss_doc *d;
	struct mss_item it;
	long long pa, i1, i_other, notice, doc;
	char why[256], status[16];
	int withdrawn = -1;

	pa = new_patient("DURAND", "", "LEA", "F", "1979-03-12", INS_A, INS_OID_NIR);
	i1 = receive_cda("1705-1", &c);
	ck_assert_int_eq(integrate(i1, &out, &doc, why, sizeof why), 0);
	/* A second copy of the same document, left in the list. */
	i_other = receive_cda("1705-2", &c);
	ck_assert(get(i_other).flags & MSS_F_ALREADY);
	/* The sender deletes it. */
	message(&m, "1705-3", "CR");
	d = add_cda(&m, &c);
	snprintf(d->action, sizeof d->action, "D");
	notice = item_of(receive(&m, &withdrawn), 1);
	ck_assert_int_eq(withdrawn, 1);
	text_sql("SELECT status FROM documents WHERE id = ?1", doc, status, sizeof status);
	ck_assert_str_eq(status, "retire");
	ck_assert_int_eq(get(i1).status, MSS_ST_WITHDRAWN);
	ck_assert_int_eq(get(i_other).status, MSS_ST_WITHDRAWN);
	it = get(notice);
	ck_assert(it.flags & MSS_F_DELETE);
	ck_assert_int_eq(it.status, MSS_ST_NEW);
	ck_assert_int_eq(it.patient_id, pa);
	ck_assert_int_eq(it.document_id, doc);
	ck_assert_int_eq(audits("mss.suppression-emetteur"), 1);
	ck_assert_int_eq(audits("document.retrait"), 1);
	/* Neither the notice nor a withdrawn item can be integrated. */
	ck_assert_int_eq(integrate(notice, &out, &doc, why, sizeof why), STORE_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(why, "suppression"));
	ck_assert_int_eq(integrate(i_other, &out, &doc, why, sizeof why), STORE_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(why, "supprimé par l'émetteur"));
	/* The same notice twice withdraws nothing more. */
	message(&m, "1705-4", "CR");
	d = add_cda(&m, &c);
	snprintf(d->action, sizeof d->action, "D");
	receive(&m, &withdrawn);
	ck_assert_int_eq(withdrawn, 0);
	ck_assert_int_eq(audits("document.retrait"), 1);
	/* A deletion for a setId only (other id) withdraws the documents of the set. */
	c.id = "1.2.10^x1";
	c.set_id = "1.2.10^set";
	c.version = 1;
	i1 = receive_cda("1705-5", &c);
	ck_assert_int_eq(integrate(i1, &out, &doc, why, sizeof why), 0);
	message(&m, "1705-6", "CR");
	c.id = "1.2.10^x2";
	c.version = 2;
	d = add_cda(&m, &c);
	snprintf(d->action, sizeof d->action, "D");
	receive(&m, &withdrawn);
	ck_assert_int_eq(withdrawn, 1);
	ck_assert_int_eq(get(i1).status, MSS_ST_WITHDRAWN);
}
END_TEST

START_TEST(read_delete_attach)
{
	struct cda_spec c = { .id = "1.3.1^a", .family = "Inconnu", .given = "Paul",
			      .birth = "19700101", .sex = "M", .abnormal = -1 };
	struct mss_filter f = { 0 };
	enum mss_integrate_outcome out;
	long long item, other, pa, *ids, doc;
	char why[256];
	size_t n;

	item = receive_cda("1706-1", &c);
	c.id = "1.3.1^b";
	other = receive_cda("1706-2", &c);
	/* Read / unread */
	ck_assert_int_eq(mss_mark_read(st, item, 1), 0);
	ck_assert_int_eq(get(item).status, MSS_ST_READ);
	ck_assert_int_eq(mss_mark_read(st, item, 1), 0);            /* no change, no trace */
	ck_assert_int_eq(audits("mss.lecture"), 1);
	ck_assert_int_eq(mss_mark_read(st, item, 0), 0);
	ck_assert_int_eq(get(item).status, MSS_ST_NEW);
	ck_assert_int_eq(audits("mss.lecture"), 2);
	ck_assert_int_eq(mss_mark_read(st, 424242, 1), STORE_ERR_NOTFOUND);
	/* Attach */
	ck_assert_int_eq(mss_attach(st, item, 0), STORE_ERR_INVALID);
	ck_assert_int_eq(mss_attach(st, item, 424242), STORE_ERR_NOTFOUND);
	pa = new_patient("INCONNU", "", "PAUL", "M", "1970-01-01", NULL, NULL);
	ck_assert_int_eq(mss_attach(st, item, pa), 0);
	ck_assert_int_eq(get(item).match, MSS_MATCH_USER);
	ck_assert_int_eq(get(item).patient_id, pa);
	ck_assert_int_eq(audits("mss.rattachement"), 1);
	/* An integrated item keeps its dossier; a read one integrated keeps its status. */
	ck_assert_int_eq(integrate(item, &out, &doc, why, sizeof why), 0);
	ck_assert_int_eq(mss_attach(st, item, pa), STORE_ERR_INVALID);
	ck_assert_int_eq(mss_mark_read(st, item, 0), 0);
	ck_assert_int_eq(get(item).status, MSS_ST_INTEGRATED);
	/* Local deletion: hidden by default, kept, traced. */
	ck_assert_int_eq(list(&f, MSS_SORT_RECEIVED, &ids), 2);
	free(ids);
	ck_assert_int_eq(mss_delete_local(st, other), 0);
	ck_assert_int_eq(get(other).status, MSS_ST_DELETED);
	n = list(&f, MSS_SORT_RECEIVED, &ids);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(ids[0], item);
	free(ids);
	f.show_deleted = 1;
	ck_assert_int_eq(list(&f, MSS_SORT_RECEIVED, &ids), 2);
	free(ids);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM mss_items WHERE id = ?1", other), 1);
	ck_assert_int_eq(audits("mss.effacement"), 1);
	ck_assert_int_eq(mss_attach(st, other, pa), STORE_ERR_INVALID);
	ck_assert_int_eq(integrate(other, &out, &doc, why, sizeof why), STORE_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(why, "effacé"));
}
END_TEST

START_TEST(integrate_refusals)
{
	struct cda_spec c = { .id = "1.3.2^a", .family = "Inconnu", .given = "Paul",
			      .birth = "19700101", .sex = "M", .abnormal = -1 };
	enum mss_integrate_outcome out;
	struct mss_message m;
	struct mss_doc *d;
	long long item, doc, pa;
	char why[256];

	item = receive_cda("1707-1", &c);
	ck_assert_int_eq(integrate(item, &out, &doc, why, sizeof why), STORE_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(why, "Aucun dossier"));
	ck_assert_int_eq(doc, 0);
	pa = new_patient("INCONNU", "", "PAUL", "M", "1970-01-01", NULL, NULL);
	ck_assert_int_eq(mss_attach(st, item, pa), 0);
	ck_assert_int_eq(mss_integrate(st, item, NULL, 0, NULL, 0, NULL, &out, &doc, why,
				       sizeof why), STORE_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(why, "vide"));
	ck_assert_int_eq(mss_integrate(st, item, ORIGINAL, 7, NULL, 0, NULL, &out, &doc, why,
				       sizeof why), STORE_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(why, "taille"));
	ck_assert_int_eq(integrate(424242, &out, &doc, why, sizeof why), STORE_ERR_NOTFOUND);
	ck_assert(why[0]);
	/* An unreadable document. */
	message(&m, "1707-2", "CR");
	c.id = "1.3.2^b";
	d = add_cda(&m, &c);
	snprintf(d->error, sizeof d->error, "XML mal formé");
	item = item_of(receive(&m, NULL), 1);
	ck_assert(get(item).flags & MSS_F_ERROR);
	ck_assert_int_eq(mss_attach(st, item, pa), 0);
	ck_assert_int_eq(integrate(item, &out, &doc, why, sizeof why), STORE_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(why, "illisible"));
	/* Nothing was stored, nothing integrated was traced. */
	ck_assert_int_eq(count_sql("SELECT count(*) FROM documents", 0), 0);
	ck_assert_int_eq(audits("mss.integration"), 0);
	/* A non-CDA part integrates too. */
	message(&m, "1707-3", "Ordonnance");
	d = mss_message_add_doc(&m);
	d->seq = 1;
	d->kind = MSS_DOC_PDF;
	d->size = 10;
	snprintf(d->name, sizeof d->name, "ordonnance.pdf");
	snprintf(d->mime, sizeof d->mime, "application/pdf");
	item = item_of(receive(&m, NULL), 1);
	ck_assert_int_eq(mss_attach(st, item, pa), 0);
	ck_assert_int_eq(integrate(item, &out, &doc, why, sizeof why), 0);
	ck_assert_int_eq(out, MSS_INT_STORED);
	{
		struct document dd;
		ck_assert_int_eq(document_get(st, doc, &dd), 0);
		ck_assert_str_eq(dd.title, "ordonnance.pdf");
		ck_assert_str_eq(dd.mime, "application/pdf");
		ck_assert_str_eq(dd.cda_id, "");
		ck_assert_str_eq(dd.provenance, "MSS");
	}
}
END_TEST

START_TEST(list_filters_sorts_counts)
{
	struct cda_spec a = { .id = "2.1^a", .ins = INS_A, .oid = INS_OID_NIR, .family = "Zola",
			      .given = "Emile", .birth = "19790312", .sex = "M",
			      .code = "11502-2", .label = "CR d'examens biologiques",
			      .care_date = "20250101", .abnormal = 3 };
	struct cda_spec b = { .id = "2.1^b", .family = "Àbel", .given = "Anne",
			      .birth = "19600101", .sex = "F", .code = "87273-9",
			      .label = "Note de vaccination", .care_date = "20250301",
			      .abnormal = -1 };
	struct cda_spec c = { .id = "2.1^c", .family = "Martin", .given = "Jules",
			      .birth = "19900101", .sex = "M", .code = "11502-2",
			      .label = "CR d'examens biologiques", .care_date = "20241201",
			      .abnormal = 0 };
	struct mss_filter f = { 0 };
	struct mss_message m;
	long long ia, ib, ic, it_msg, pa, *ids, n_new, n_alert;
	char (*codes)[32], (*labels)[128];
	size_t n;

	pa = new_patient("ZOLA", "", "EMILE", "M", "1979-03-12", INS_A, INS_OID_NIR);
	ia = receive_cda("1708-1", &a);
	ib = receive_cda("1708-2", &b);
	message(&m, "1708-3", "Hématologie de contrôle");
	m.urgent = 1;
	add_cda(&m, &c);
	ic = item_of(receive(&m, NULL), 1);
	message(&m, "1708-4", "Bonjour");
	snprintf(m.date, sizeof m.date, "20250201000000");
	it_msg = item_of(receive(&m, NULL), 1);
	/* received_at has a one-second resolution: ids break ties, newest first. */
	ck_assert_int_eq(list(&f, MSS_SORT_RECEIVED, &ids), 4);
	ck_assert_int_eq(ids[0], it_msg);
	ck_assert_int_eq(ids[3], ia);
	free(ids);
	ck_assert_int_eq(list(&f, MSS_SORT_DATE, &ids), 4);
	ck_assert_int_eq(ids[0], ib);       /* 20250301 */
	ck_assert_int_eq(ids[1], it_msg);   /* 20250201 */
	ck_assert_int_eq(ids[2], ia);       /* 20250101 */
	ck_assert_int_eq(ids[3], ic);       /* 20241201 */
	free(ids);
	ck_assert_int_eq(list(&f, MSS_SORT_TYPE, &ids), 4);
	ck_assert_int_eq(ids[0], ia);       /* CR..., newest first */
	ck_assert_int_eq(ids[1], ic);
	ck_assert_int_eq(ids[2], it_msg);   /* Message */
	ck_assert_int_eq(ids[3], ib);       /* Note de vaccination */
	free(ids);
	ck_assert_int_eq(list(&f, MSS_SORT_PATIENT, &ids), 4);
	ck_assert_int_eq(ids[0], ib);       /* ABEL (accent folded) */
	ck_assert_int_eq(ids[1], it_msg);   /* Laboratoire Pasteur */
	ck_assert_int_eq(ids[2], ic);       /* MARTIN */
	ck_assert_int_eq(ids[3], ia);       /* ZOLA */
	free(ids);
	/* Filters */
	f.only_alerts = 1;
	n = list(&f, MSS_SORT_DATE, &ids);
	ck_assert_int_eq(n, 2);             /* abnormal biology, urgent mail */
	ck_assert_int_eq(ids[0], ia);
	ck_assert_int_eq(ids[1], ic);
	free(ids);
	f.only_alerts = 0;
	snprintf(f.type_code, sizeof f.type_code, "11502-2");
	ck_assert_int_eq(list(&f, MSS_SORT_DATE, &ids), 2);
	free(ids);
	f.type_code[0] = 0;
	f.patient_id = pa;
	for (int s = 0; s <= MSS_SORT_PATIENT; s++) {
		ck_assert_int_eq(list(&f, (enum mss_sort)s, &ids), 1);
		ck_assert_int_eq(ids[0], ia);
		free(ids);
	}
	f.patient_id = 0;
	snprintf(f.text, sizeof f.text, "HEMATO");       /* subject, accents ignored */
	ck_assert_int_eq(list(&f, MSS_SORT_RECEIVED, &ids), 1);
	ck_assert_int_eq(ids[0], ic);
	free(ids);
	snprintf(f.text, sizeof f.text, "pasteur vaccination");   /* every word must match */
	ck_assert_int_eq(list(&f, MSS_SORT_RECEIVED, &ids), 1);
	ck_assert_int_eq(ids[0], ib);
	free(ids);
	snprintf(f.text, sizeof f.text, "50%% _x");     /* no wildcard reaches LIKE */
	ck_assert_int_eq(list(&f, MSS_SORT_RECEIVED, &ids), 0);
	free(ids);
	f.text[0] = 0;
	ck_assert_int_eq(mss_mark_read(st, ib, 1), 0);
	f.only_new = 1;
	ck_assert_int_eq(list(&f, MSS_SORT_RECEIVED, &ids), 3);
	free(ids);
	/* Counts: new items, and alerts among them. */
	ck_assert_int_eq(mss_counts(st, &n_new, &n_alert), 0);
	ck_assert_int_eq(n_new, 3);
	ck_assert_int_eq(n_alert, 2);
	ck_assert_int_eq(mss_mark_read(st, ia, 1), 0);
	ck_assert_int_eq(mss_counts(st, &n_new, &n_alert), 0);
	ck_assert_int_eq(n_alert, 1);
	/* Type menu */
	ck_assert_int_eq(mss_types(st, &codes, &labels, &n), 0);
	ck_assert_int_eq(n, 3);
	ck_assert_str_eq(codes[0], "11502-2");
	ck_assert_str_eq(labels[0], "CR d'examens biologiques");
	ck_assert_str_eq(codes[1], "mss-texte");
	ck_assert_str_eq(labels[2], "Note de vaccination");
	free(codes);
	free(labels);
}
END_TEST

/* ---- a 20 000-item base ------------------------------------------------------------------- */

static double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 + (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

/* EXPLAIN QUERY PLAN of the list query must read one index and sort nothing. */
static void check_plan(const char *sql)
{
	sqlite3_stmt *s;
	char plan[1024] = "";
	size_t len = 0;

	ck_assert_int_eq(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), SQLITE_OK);
	while (sqlite3_step(s) == SQLITE_ROW)
		len += (size_t)snprintf(plan + len, sizeof plan - len, "%s; ",
					(const char *)sqlite3_column_text(s, 3));
	sqlite3_finalize(s);
	ck_assert_msg(strstr(plan, "COVERING INDEX") && !strstr(plan, "TEMP B-TREE"), "%s", plan);
}

START_TEST(bench_20000)
{
	static const char *const names[] = { "Martin", "Bernard", "Thomas", "Petit", "Robert",
					     "Richard", "Durand", "Dubois", "Moreau", "Laurent" };
	static const char *const labels[] = { "CR d'examens biologiques", "Note de vaccination",
					      "Compte rendu opératoire", "Lettre de liaison" };
	static const char *const codes[] = { "11502-2", "87273-9", "34874-0", "34133-9" };
	static const char *const sorts[] = { "réception", "date", "type", "patient" };
	struct mss_filter f = { 0 };
	struct timespec t0;
	struct mss_item it;
	long long *ids, pid;
	char key[32], id[40], date[16];
	size_t n;
	double ms;

	pid = new_patient("MARTIN", "", "ANNE", "F", "1979-03-12", INS_A, INS_OID_NIR);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(store_begin(st), 0);
	for (int i = 0; i < 4000; i++) {
		struct mss_message m;

		snprintf(key, sizeof key, "1-%d", i + 1);
		message(&m, key, "Résultats");
		snprintf(m.sha1, sizeof m.sha1, "%040x", i + 1);
		for (int k = 0; k < 5; k++) {
			int j = i * 5 + k;
			struct cda_spec c = { .family = names[j % 10], .given = "Anne",
					      .birth = "19790312", .sex = "F",
					      .code = codes[j % 4], .label = labels[j % 4],
					      .abnormal = j % 7 == 0 ? 1 : -1 };
			snprintf(id, sizeof id, "9.9^%d", j);
			snprintf(date, sizeof date, "2024%02d%02d", j % 12 + 1, j % 28 + 1);
			c.id = id;
			c.care_date = date;
			c.ins = j % 50 == 0 ? INS_A : NULL;
			c.oid = INS_OID_NIR;
			add_cda(&m, &c);
		}
		long long mid;
		int stored;
		ck_assert_int_eq(mss_receive(st, BOX, &m, &mid, &stored, NULL), 0);
		mss_message_free(&m);
	}
	ck_assert_int_eq(store_commit(st), 0);
	ms = ms_since(&t0);
	printf("mss_store bench: 20000 items received in %.0f ms (%.3f ms per 5-document "
	       "message)\n", ms, ms / 4000);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM mss_items", 0), 20000);
	ck_assert_int_eq(sqlite3_exec(st->db, "ANALYZE", NULL, NULL, NULL), SQLITE_OK);

	for (int s = 0; s <= MSS_SORT_PATIENT; s++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		n = list(&f, (enum mss_sort)s, &ids);
		ms = ms_since(&t0);
		ck_assert_int_eq(n, 20000);
		printf("mss_store bench: mss_list sort %-9s 20000 ids in %.2f ms\n", sorts[s], ms);
		/* 50 lines of a screen */
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (int i = 0; i < 50; i++)
			ck_assert_int_eq(mss_item_get(st, ids[(size_t)i * 397 % n], &it), 0);
		ms = ms_since(&t0);
		printf("mss_store bench: 50 mss_item_get in %.3f ms\n", ms);
		free(ids);
	}
	f.only_alerts = 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = list(&f, MSS_SORT_DATE, &ids);
	printf("mss_store bench: mss_list alerts (%zu) in %.2f ms\n", n, ms_since(&t0));
	ck_assert_int_eq(n, 20000 / 7 + 1);
	free(ids);
	f.only_alerts = 0;
	f.only_new = 1;
	snprintf(f.type_code, sizeof f.type_code, "87273-9");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = list(&f, MSS_SORT_PATIENT, &ids);
	printf("mss_store bench: mss_list new + type (%zu) in %.2f ms\n", n, ms_since(&t0));
	ck_assert_int_eq(n, 5000);
	free(ids);
	memset(&f, 0, sizeof f);
	f.patient_id = pid;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = list(&f, MSS_SORT_TYPE, &ids);
	printf("mss_store bench: mss_list one patient (%zu) in %.2f ms\n", n, ms_since(&t0));
	ck_assert_int_eq(n, 400);
	free(ids);
	memset(&f, 0, sizeof f);
	snprintf(f.text, sizeof f.text, "dubois vaccin");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	n = list(&f, MSS_SORT_RECEIVED, &ids);
	printf("mss_store bench: mss_list text \"%s\" (%zu) in %.2f ms\n", f.text, n,
	       ms_since(&t0));
	ck_assert_int_gt(n, 0);
	free(ids);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	long long n_new, n_alert;
	ck_assert_int_eq(mss_counts(st, &n_new, &n_alert), 0);
	printf("mss_store bench: mss_counts in %.2f ms\n", ms_since(&t0));
	ck_assert_int_eq(n_new, 20000);

	check_plan("EXPLAIN QUERY PLAN SELECT id FROM mss_items INDEXED BY mss_items_by_type"
		   " WHERE ?5 = 0 AND (?1 OR status <> 'efface') AND (NOT ?2 OR status = 'nouveau')"
		   " ORDER BY type_key, sort_date DESC, id DESC");
	check_plan("EXPLAIN QUERY PLAN SELECT id FROM mss_items INDEXED BY mss_items_by_patient"
		   " WHERE ?5 = 0 AND (?1 OR status <> 'efface')"
		   " ORDER BY patient_key, sort_date DESC, id DESC");
	fflush(stdout);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("mss_store");
	TCase *tc = tcase_create("store");
	TCase *bench = tcase_create("bench");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, schema_and_codes);
	tcase_add_test(tc, mailbox_state);
	tcase_add_test(tc, reception_and_duplicates);
	tcase_add_test(tc, reception_used_name_and_parts);
	tcase_add_test(tc, reception_bad_input);
	tcase_add_test(tc, ins_matching_and_oid);
	tcase_add_test(tc, conflict_never_matched);
	tcase_add_test(tc, candidates_ranked);
	tcase_add_test(tc, versions_and_already);
	tcase_add_test(tc, sender_deletion);
	tcase_add_test(tc, read_delete_attach);
	tcase_add_test(tc, integrate_refusals);
	tcase_add_test(tc, list_filters_sorts_counts);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(bench, setup, teardown);
	tcase_set_timeout(bench, 300);
	tcase_add_test(bench, bench_20000);
	suite_add_tcase(s, bench);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
