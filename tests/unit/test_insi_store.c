/* Unit tests of INSi outcomes in the store (src/store/insi_store.c) and of the policy that
 * decides what opening a dossier does (src/jobs/insi_job.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/identity.h"
#include "jobs/insi_job.h"
#include "core/insi_wire.h"
#include "store/db.h"
#include "store/insi_store.h"
#include "store/patients.h"

static char dir[64];
static char db_path[128];
static struct store *st;

static void setup(void)
{
	char err[256];

	snprintf(dir, sizeof dir, "/tmp/vigie-test-insi-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(db_path, sizeof db_path, "%s/t.db", dir);
	ck_assert_int_eq(store_open(db_path, STORE_OPEN_CREATE, &st, err, sizeof err), 0);
	store_set_user(st, "jmartin");
}

static void teardown(void)
{
	char path[160];

	store_close(st);
	st = NULL;
	for (const char *sfx = ""; ; sfx = sfx[0] ? NULL : "-wal") {
		if (!sfx)
			break;
		snprintf(path, sizeof path, "%s%s", db_path, sfx);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s-shm", db_path);
	unlink(path);
	rmdir(dir);
}

static long long new_patient(const char *name, const char *first, const char *list,
			     const char *sex, const char *date, const char *cog, int status,
			     const char *doc)
{
	struct patient p;

	patient_init(&p);
	snprintf(p.birth_name, sizeof p.birth_name, "%s", name);
	snprintf(p.first_name, sizeof p.first_name, "%s", first);
	snprintf(p.birth_first_names, sizeof p.birth_first_names, "%s", list);
	snprintf(p.sex, sizeof p.sex, "%s", sex);
	snprintf(p.birth_date, sizeof p.birth_date, "%s", date);
	snprintf(p.birth_cog, sizeof p.birth_cog, "%s", cog);
	snprintf(p.used_name, sizeof p.used_name, "MARTIN");
	p.id_status = status;
	snprintf(p.validation_mode, sizeof p.validation_mode, "%s", doc);
	ck_assert_int_eq(patient_insert(st, &p), 0);
	patient_clear(&p);
	return p.id;
}

/* The ECETINSI answer of the CNDA test book: NIR, two history rows. */
static void ecetinsi_answer(struct insi_answer *a, long long patient_id)
{
	memset(a, 0, sizeof *a);
	a->patient_id = patient_id;
	strcpy(a->purpose, "recherche");
	strcpy(a->outcome, "00");
	strcpy(a->cr_label, "OK");
	strcpy(a->ins.matricule, "109076322083489");
	strcpy(a->ins.oid, INS_OID_NIR);
	strcpy(a->ins.birth_name, "ECETINSI");
	strcpy(a->ins.first_names, "PIERRE-ALAIN MURIEL FLORIANT");
	strcpy(a->ins.sex, "M");
	strcpy(a->ins.birth_date, "2009-07-14");
	strcpy(a->ins.birth_cog, "63220");
	a->key_ok = 1;
	a->nhist = 2;
	strcpy(a->hist[0].matricule, "209076322083439");
	strcpy(a->hist[0].oid, INS_OID_NIR);
	strcpy(a->hist[0].date_deb, "2019-03-01");
	strcpy(a->hist[0].date_fin, "2019-02-28");
	a->hist[0].key_ok = 1;
	strcpy(a->hist[1].matricule, "209066322012355");
	strcpy(a->hist[1].oid, INS_OID_NIR);
	a->hist[1].key_ok = 1;
	strcpy(a->query.birth_name, "ECETINSI");
	strcpy(a->query.first_names, "PIERRE-ALAIN");
	strcpy(a->steps, "Traits (PIERRE-ALAIN, sans lieu) : CR 00\n");
	a->calls = 1;
}

static int count_rows(const char *sql, long long id)
{
	sqlite3_stmt *s;
	int n = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return n;
}

START_TEST(answer_round_trip)
{
	long long id = new_patient("ECETINSI", "PIERRE", "PIERRE", "M", "2009-07-14", "", 0, "");
	struct insi_answer a, b;

	ecetinsi_answer(&a, id);
	ck_assert_int_eq(insi_answer_save(st, &a), 0);
	ck_assert_int_gt(a.id, 0);
	ck_assert_int_eq(insi_answer_latest(st, id, &b), 0);
	ck_assert_int_eq(b.id, a.id);
	ck_assert_str_eq(b.who, "jmartin");
	ck_assert_str_eq(b.ins.matricule, "109076322083489");
	ck_assert_str_eq(b.ins.first_names, "PIERRE-ALAIN MURIEL FLORIANT");
	ck_assert_int_eq(b.nhist, 2);
	ck_assert_str_eq(b.hist[0].date_deb, "2019-03-01");
	ck_assert_str_eq(b.hist[1].date_deb, "");
	ck_assert_str_eq(b.hist[1].matricule, "209066322012355");
	ck_assert_str_eq(b.query.first_name, "PIERRE-ALAIN");
	ck_assert_str_eq(b.steps, a.steps);
	ck_assert_int_eq(insi_answer_latest(st, id + 100, &b), STORE_ERR_NOTFOUND);
}
END_TEST

START_TEST(accept_takes_traits_keeps_used_names)
{
	long long id = new_patient("ECETINSI", "PIERRE", "PIERRE", "M", "2009-07-14", "", 0, "");
	struct insi_answer a;
	struct patient p;

	ecetinsi_answer(&a, id);
	ck_assert_int_eq(insi_answer_save(st, &a), 0);
	ck_assert_int_eq(insi_apply_answer(st, id, 1, &a, INS_DOC_NONE, "acceptee", NULL), 0);
	patient_init(&p);
	ck_assert_int_eq(patient_get(st, id, &p), 0);
	ck_assert_int_eq(p.id_status, ID_RECUPEREE);
	ck_assert_str_eq(p.first_name, "PIERRE-ALAIN");
	ck_assert_str_eq(p.birth_first_names, "PIERRE-ALAIN MURIEL FLORIANT");
	ck_assert_str_eq(p.birth_cog, "63220");
	ck_assert_str_eq(p.used_name, "MARTIN");
	ck_assert_str_eq(p.ins_matricule, "109076322083489");
	ck_assert_str_eq(p.ins_oid, INS_OID_NIR);
	patient_clear(&p);
	/* history: the active matricule and the two INSHISTO */
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ins_history WHERE patient_id = ?1", id), 3);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit WHERE entity_id = ?1 AND "
				    "action = 'ins.recuperation'", id), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM insi_answers WHERE patient_id = ?1 AND "
				    "decision = 'acceptee'", id), 1);
	/* then the document: qualifiée */
	ck_assert_int_eq(insi_set_document(st, id, INS_DOC_CNI), 0);
	patient_init(&p);
	ck_assert_int_eq(patient_get(st, id, &p), 0);
	ck_assert_int_eq(p.id_status, ID_QUALIFIEE);
	ck_assert_str_eq(p.validation_mode, "CN");
	patient_clear(&p);
}
END_TEST

START_TEST(qualify_in_one_action_and_version_guard)
{
	long long id = new_patient("ECETINSI", "PIERRE", "PIERRE", "M", "2009-07-14", "", 0, "");
	struct insi_answer a;
	struct patient p;

	ecetinsi_answer(&a, id);
	ck_assert_int_eq(insi_answer_save(st, &a), 0);
	/* someone edited the dossier since it was read: refused */
	ck_assert_int_eq(insi_apply_answer(st, id, 7, &a, INS_DOC_CNI, "qualifiee", NULL),
			 STORE_ERR_CONFLICT);
	ck_assert_int_eq(insi_apply_answer(st, id, 1, &a, INS_DOC_CNI, "qualifiee", NULL), 0);
	patient_init(&p);
	ck_assert_int_eq(patient_get(st, id, &p), 0);
	ck_assert_int_eq(p.id_status, ID_QUALIFIEE);
	ck_assert_str_eq(p.validation_mode, "CN");
	patient_clear(&p);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit WHERE entity_id = ?1 AND "
				    "action = 'ins.qualification' AND detail LIKE '%\"piece\":\"CN\"%'",
				    id), 1);
}
END_TEST

START_TEST(validee_becomes_qualifiee)
{
	long long id = new_patient("ECETINSI", "PIERRE-ALAIN", "PIERRE-ALAIN MURIEL FLORIANT", "M",
				   "2009-07-14", "63220", ID_VALIDEE, "PA");
	struct insi_answer a;
	struct patient p;

	ecetinsi_answer(&a, id);
	ck_assert_int_eq(insi_answer_save(st, &a), 0);
	ck_assert_int_eq(insi_apply_answer(st, id, 0, &a, INS_DOC_NONE, "automatique", NULL), 0);
	patient_init(&p);
	ck_assert_int_eq(patient_get(st, id, &p), 0);
	ck_assert_int_eq(p.id_status, ID_QUALIFIEE);
	ck_assert_str_eq(p.validation_mode, "PA");
	patient_clear(&p);
}
END_TEST

START_TEST(refusals_change_nothing)
{
	long long id = new_patient("ECETINSI", "PIERRE", "PIERRE", "M", "2009-07-14", "", 0, "");
	struct insi_answer a;
	struct patient p;
	long long other = 0;

	ecetinsi_answer(&a, id);
	a.key_ok = 0;          /* HERMANN-like answer: a key that does not verify */
	ck_assert_int_eq(insi_answer_save(st, &a), 0);
	ck_assert_int_eq(insi_apply_answer(st, id, 0, &a, INS_DOC_CNI, "qualifiee", NULL),
			 STORE_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(st->err, "clé"));
	strcpy(a.outcome, "02");
	a.key_ok = 1;
	ck_assert_int_eq(insi_apply_answer(st, id, 0, &a, INS_DOC_NONE, "acceptee", NULL),
			 STORE_ERR_INVALID);
	patient_init(&p);
	ck_assert_int_eq(patient_get(st, id, &p), 0);
	ck_assert_int_eq(p.id_status, ID_PROVISOIRE);
	ck_assert_int_eq(p.version, 1);
	patient_clear(&p);
	/* douteuse: never an INS */
	id = new_patient("DOUTE", "JEAN", "JEAN", "M", "1980-01-01", "", 0, "");
	patient_init(&p);
	patient_get(st, id, &p);
	p.id_attrs = ID_ATTR_DOUTEUSE;
	ck_assert_int_eq(patient_update(st, &p), 0);
	patient_clear(&p);
	ecetinsi_answer(&a, id);
	ck_assert_int_eq(insi_apply_answer(st, id, 0, &a, INS_DOC_NONE, "acceptee", NULL),
			 STORE_ERR_INVALID);
	ck_assert_int_eq(insi_set_document(st, id, INS_DOC_CNI), STORE_ERR_INVALID);
	/* creating a dossier that looks like an existing one (same birth name, sex, date) */
	ecetinsi_answer(&a, 0);
	ck_assert_int_eq(insi_create_patient(st, &a, INS_DOC_NONE, &other), STORE_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(st->err, "semblable"));
	ck_assert_int_eq(other, 1);
}
END_TEST

START_TEST(duplicates_refused)
{
	long long id1 = new_patient("ECETINSI", "PIERRE", "PIERRE", "M", "2009-07-14", "", 0, "");
	long long id2 = new_patient("ECETINSY", "PIERRE", "PIERRE", "M", "2009-07-14", "", 0, "");
	long long other = 0;
	struct insi_answer a;

	ecetinsi_answer(&a, id1);
	ck_assert_int_eq(insi_apply_answer(st, id1, 0, &a, INS_DOC_NONE, "acceptee", NULL), 0);
	/* the same INS on a second dossier: a probable duplicate, never applied */
	ecetinsi_answer(&a, id2);
	ck_assert_int_eq(insi_apply_answer(st, id2, 0, &a, INS_DOC_NONE, "automatique", NULL),
			 STORE_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(st->err, "Doublon probable"));
	/* also through a history matricule only */
	strcpy(a.ins.matricule, "275126322074974");
	ck_assert_int_eq(insi_apply_answer(st, id2, 0, &a, INS_DOC_NONE, "automatique", NULL),
			 STORE_ERR_INVALID);
	/* and a creation from INSi */
	ecetinsi_answer(&a, 0);
	strcpy(a.ins.birth_name, "AUTRE");
	ck_assert_int_eq(insi_create_patient(st, &a, INS_DOC_NONE, &other), STORE_ERR_INVALID);
	ck_assert_int_eq(other, id1);
	ck_assert_ptr_nonnull(strstr(st->err, "déjà ce matricule"));
}
END_TEST

START_TEST(validee_on_other_traits_loses_document)
{
	/* CNI checked against OLA; INSi says CATARINA: the document no longer proves anything */
	long long id = new_patient("ECETINSI", "PIERRE", "PIERRE", "M", "2009-07-14", "63220",
				   ID_VALIDEE, "CN");
	struct insi_answer a;
	struct patient p;
	int status = -1;

	ecetinsi_answer(&a, id);
	ck_assert_int_eq(insi_apply_answer(st, id, 0, &a, INS_DOC_NONE, "acceptee", &status), 0);
	ck_assert_int_eq(status, ID_RECUPEREE);
	patient_init(&p);
	ck_assert_int_eq(patient_get(st, id, &p), 0);
	ck_assert_int_eq(p.id_status, ID_RECUPEREE);
	ck_assert_str_eq(p.validation_mode, "");
	patient_clear(&p);
}
END_TEST

START_TEST(previous_ins_kept_in_history)
{
	long long id = new_patient("ECETINSI", "PIERRE-ALAIN", "PIERRE-ALAIN MURIEL FLORIANT", "M",
				   "2009-07-14", "63220", 0, "");
	struct insi_answer a;

	/* an INS imported without history, then INSi returns another matricule */
	ck_assert_int_eq(sqlite3_exec(st->db, "UPDATE patients SET id_status = 'recuperee',"
				      " ins_matricule = '109076322088835', ins_oid = "
				      "'1.2.250.1.213.1.4.9'", NULL, NULL, NULL), SQLITE_OK);
	ecetinsi_answer(&a, id);
	a.nhist = 0;
	ck_assert_int_eq(insi_apply_answer(st, id, 0, &a, INS_DOC_NONE, "acceptee", NULL), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ins_history WHERE patient_id = ?1 AND "
				    "matricule = '109076322088835' AND active = 0", id), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM ins_history WHERE patient_id = ?1 AND "
				    "matricule = '109076322083489' AND active = 1", id), 1);
}
END_TEST
END_TEST

START_TEST(create_from_answer)
{
	struct insi_answer a;
	struct patient p;
	long long id = 0;

	ecetinsi_answer(&a, 0);
	strcpy(a.purpose, "creation");
	ck_assert_int_eq(insi_find_similar(st, &a.ins), 0);
	ck_assert_int_eq(insi_answer_save(st, &a), 0);
	ck_assert_int_eq(insi_create_patient(st, &a, INS_DOC_PASSEPORT, &id), 0);
	patient_init(&p);
	ck_assert_int_eq(patient_get(st, id, &p), 0);
	ck_assert_int_eq(p.id_status, ID_QUALIFIEE);
	ck_assert_str_eq(p.birth_name, "ECETINSI");
	ck_assert_str_eq(p.first_name, "PIERRE-ALAIN");
	ck_assert_str_eq(p.validation_mode, "PA");
	patient_clear(&p);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM insi_answers WHERE patient_id = ?1 AND "
				    "decision = 'creee'", id), 1);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit WHERE entity_id = ?1 AND action ="
				    " 'ins.creation' AND detail LIKE '%\"piece\":\"PA\"%'", id), 1);
}
END_TEST

START_TEST(trace_and_verify)
{
	long long id = new_patient("ECETINSI", "PIERRE", "PIERRE", "M", "2009-07-14", "", 0, "");
	char checked[16];

	ck_assert_int_eq(insi_trace_call(st, id, "rechercherInsAvecTraitsIdentite", "02", NULL,
					 1234, 0, "PIERRE"), 0);
	ck_assert_int_eq(count_rows("SELECT count(*) FROM audit WHERE entity_id = ?1 AND action ="
				    " 'insi-appel' AND who = 'jmartin' AND detail LIKE "
				    "'%\"cr\":\"02\"%\"duree_ms\":1234%'", id), 1);
	ck_assert_int_eq(insi_checked_at(st, id, checked, sizeof checked), 0);
	ck_assert_str_eq(checked, "");
	ck_assert_int_eq(insi_mark_verified(st, id, 0), 0);
	ck_assert_int_eq(insi_checked_at(st, id, checked, sizeof checked), 0);
	ck_assert_int_eq((int)strlen(checked), 10);
}
END_TEST

START_TEST(vitale_round_trip)
{
	long long id = new_patient("ADRUN", "ZOE", "ZOE", "F", "1975-12-31", "", 0, "");
	struct vitale_data v = { "275126322074974", "275126322074974", "ADRUN", "19751231", 1 }, w;

	ck_assert_int_eq(vitale_get(st, id, &w), STORE_ERR_NOTFOUND);
	ck_assert_int_eq(vitale_set(st, id, &v), 0);
	ck_assert_int_eq(vitale_get(st, id, &w), 0);
	ck_assert_str_eq(w.nir_od, "275126322074974");
	ck_assert_int_eq(w.rang, 1);
}
END_TEST

START_TEST(open_policy)
{
	const char *today = "2026-11-22";

	/* provisoire/validée: search, unless a fresh non-error answer exists */
	ck_assert_int_eq(insi_open_policy(ID_PROVISOIRE, 0, "", "", -1, 0, 4, today), INSI_OPEN_SEARCH);
	ck_assert_int_eq(insi_open_policy(ID_VALIDEE, 0, "", "", -1, 0, 4, today), INSI_OPEN_SEARCH);
	ck_assert_int_eq(insi_open_policy(ID_PROVISOIRE, 0, "", "", 600, 0, 4, today),
			 INSI_OPEN_NOTHING);
	ck_assert_int_eq(insi_open_policy(ID_PROVISOIRE, 0, "", "", 600, 1, 4, today),
			 INSI_OPEN_SEARCH);
	ck_assert_int_eq(insi_open_policy(ID_PROVISOIRE, 0, "", "", 2 * 86400, 0, 4, today),
			 INSI_OPEN_SEARCH);
	/* douteuse / fictive: never (RNIV EXI SI 09), homonyme does not matter */
	ck_assert_int_eq(insi_open_policy(ID_PROVISOIRE, ID_ATTR_DOUTEUSE, "", "", -1, 0, 4, today),
			 INSI_OPEN_NOTHING);
	ck_assert_int_eq(insi_open_policy(ID_PROVISOIRE, ID_ATTR_FICTIVE, "", "", -1, 0, 4, today),
			 INSI_OPEN_NOTHING);
	ck_assert_int_eq(insi_open_policy(ID_PROVISOIRE, ID_ATTR_HOMONYME, "", "", -1, 0, 4, today),
			 INSI_OPEN_SEARCH);
	/* récupérée/qualifiée: verified again after 4 years, a NIA after 30 days */
	ck_assert_int_eq(insi_open_policy(ID_QUALIFIEE, 0, "2023-01-01", INS_OID_NIR, -1, 0, 4, today),
			 INSI_OPEN_NOTHING);
	ck_assert_int_eq(insi_open_policy(ID_QUALIFIEE, 0, "2022-11-22", INS_OID_NIR, -1, 0, 4, today),
			 INSI_OPEN_VERIFY);
	ck_assert_int_eq(insi_open_policy(ID_RECUPEREE, 0, "2022-11-23", INS_OID_NIR, -1, 0, 4, today),
			 INSI_OPEN_NOTHING);
	ck_assert_int_eq(insi_open_policy(ID_RECUPEREE, 0, "2026-10-01", INS_OID_NIA, -1, 0, 4, today),
			 INSI_OPEN_VERIFY);
	ck_assert_int_eq(insi_open_policy(ID_RECUPEREE, 0, "2026-11-01", INS_OID_NIA, -1, 0, 4, today),
			 INSI_OPEN_NOTHING);
	ck_assert_int_eq(insi_open_policy(ID_QUALIFIEE, 0, "", INS_OID_NIR, -1, 0, 4, today),
			 INSI_OPEN_VERIFY);
	ck_assert_int_eq(insi_open_policy(ID_QUALIFIEE, 0, "", INS_OID_NIR, 3600, 0, 4, today),
			 INSI_OPEN_NOTHING);
}
END_TEST

START_TEST(wire_round_trip)
{
	struct insi_request rq = { .vitale = 0, .rang = 2 }, back;
	struct insi_result r = { 0 }, r2;
	struct insi_error e = { 0 }, e2;
	static char buf[INSI_WIRE_MAX];
	char err[128];

	strcpy(rq.cfg.endpoint, "https://localhost:8443/lps");
	strcpy(rq.cfg.key_password, "s3cret: with colon");
	rq.cfg.timeout_ms = 20000;
	strcpy(rq.birth_name, "D'ARTAGNAN DE L'HERAULT");
	strcpy(rq.first_name, "PIERRE-ALAIN");
	strcpy(rq.sex, "M");
	strcpy(rq.birth_date, "2001-06-17");
	ck_assert_int_gt(insi_request_format(&rq, buf, sizeof buf), 0);
	ck_assert_int_eq(insi_request_parse(buf, &back, err, sizeof err), 0);
	ck_assert_str_eq(back.cfg.key_password, "s3cret: with colon");
	ck_assert_str_eq(back.birth_name, "D'ARTAGNAN DE L'HERAULT");
	ck_assert_int_eq(back.cfg.timeout_ms, 20000);
	ck_assert_int_eq(back.rang, 2);
	/* a line break in a value is refused, never turned into another field */
	strcpy(rq.cfg.emitter, "x\nkey_password: vol");
	ck_assert_int_eq(insi_request_format(&rq, buf, sizeof buf), -1);
	ck_assert_int_eq(insi_request_parse("operation: traits\n", &back, err, sizeof err), -1);

	strcpy(r.cr, "00");
	strcpy(r.cr_label, "OK");
	r.has_individu = 1;
	strcpy(r.active.num, "1090763220834");
	strcpy(r.active.key, "89");
	strcpy(r.active.oid, INS_OID_NIR);
	r.active.key_ok = 1;
	r.n_history = 1;
	strcpy(r.history[0].num, "2090763220834");
	strcpy(r.history[0].key, "39");
	strcpy(r.history[0].date_deb, "2019-03-01");
	strcpy(r.first_names, "PIERRE-ALAIN MURIEL\nFLORIANT");
	ck_assert_int_gt(insi_reply_format(0, &r, &e, buf, sizeof buf), 0);
	ck_assert_int_eq(insi_reply_parse(buf, &r2, &e2), 0);
	ck_assert_str_eq(r2.active.num, "1090763220834");
	ck_assert_int_eq(r2.active.key_ok, 1);
	ck_assert_int_eq(r2.n_history, 1);
	ck_assert_str_eq(r2.history[0].date_deb, "2019-03-01");
	ck_assert_str_eq(r2.history[0].date_fin, "");
	ck_assert_str_eq(r2.first_names, "PIERRE-ALAIN MURIEL FLORIANT");
	/* an error */
	e.kind = INSI_ERR_FAULT;
	strcpy(e.code, "insi_102");
	strcpy(e.message, "Erreur technique");
	ck_assert_int_gt(insi_reply_format(INSI_ERR_FAULT, &r, &e, buf, sizeof buf), 0);
	ck_assert_int_eq(insi_reply_parse(buf, &r2, &e2), INSI_ERR_FAULT);
	ck_assert_str_eq(e2.code, "insi_102");
	/* garbage, a truncated reply, a CR that is not one */
	ck_assert_int_eq(insi_reply_parse("", &r2, &e2), INSI_ERR_PARSE);
	ck_assert_int_eq(insi_reply_parse("kind: 0\ncr: 00\n", &r2, &e2), INSI_ERR_PARSE);
	ck_assert_int_eq(insi_reply_parse("kind: 0\ncr: 99\nend: \n", &r2, &e2), INSI_ERR_PARSE);
	ck_assert_int_eq(insi_reply_parse("kind: 5\nend: \n", &r2, &e2), INSI_ERR_PARSE);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("insi_store");
	TCase *tc = tcase_create("store");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, answer_round_trip);
	tcase_add_test(tc, accept_takes_traits_keeps_used_names);
	tcase_add_test(tc, qualify_in_one_action_and_version_guard);
	tcase_add_test(tc, validee_becomes_qualifiee);
	tcase_add_test(tc, refusals_change_nothing);
	tcase_add_test(tc, create_from_answer);
	tcase_add_test(tc, duplicates_refused);
	tcase_add_test(tc, validee_on_other_traits_loses_document);
	tcase_add_test(tc, previous_ins_kept_in_history);
	tcase_add_test(tc, trace_and_verify);
	tcase_add_test(tc, vitale_round_trip);
	tcase_add_test(tc, open_policy);
	tcase_add_test(tc, wire_round_trip);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
