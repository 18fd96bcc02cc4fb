/* Unit tests of the DICA rules and consent rules (src/core/dica.c, consent.c) and of DMP
 * consent, status, document cache and documents in the store (src/store/consent.c,
 * dmp_store.c, documents.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/consent.h"
#include "core/dica.h"
#include "core/identity.h"
#include "tests/unit/tmpdb.h"
#include "store/consent.h"
#include "store/db.h"
#include "store/dmp_store.h"
#include "store/documents.h"
#include "store/patients.h"

/* ---- DICA rules (no database) ------------------------------------------------------------- */

#define NOW "2025-03-10T10:00:00Z"

/* Everything green: DMP active, authorisation valid, INS qualified, consent, signed in. */
static void green(struct dica_input *in)
{
	memset(in, 0, sizeof *in);
	in->dmp.state = DMP_STATE_ACTIVE;
	in->dmp.authz = DMP_AUTHZ_VALID;
	strcpy(in->dmp.authz_end, "2025-09-01");
	in->dmp_asked = 1;
	in->service_up = 1;
	in->id_status = "qualifiee";
	in->has_ins = 1;
	consent_defaults(&in->consent, 7);
	in->consent.episode_id = 3;
	in->consent.consultation = 1;
	strcpy(in->consent.consultation_at, "2025-03-01T09:00:00Z");
	strcpy(in->consent.consultation_by, "jmartin");
	in->authenticated = 1;
	strcpy(in->auth_who, "Dr Jean MARTIN (e-CPS)");
	in->now = NOW;
}

/* Number of characters of a UTF-8 text. */
static size_t utf8_len(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

static void check_remedy_texts(const struct dica_result *r)
{
	for (int k = 0; k < DICA_COUNT; k++) {
		ck_assert_uint_le(utf8_len(r->line[k].remedy_text), 60);
		ck_assert_int_eq(r->line[k].remedy == DICA_REMEDY_NONE,
				 r->line[k].remedy_text[0] == '\0');
		ck_assert(r->line[k].label[0]);
		ck_assert(r->line[k].reason[0]);
	}
}

static void eval(const struct dica_input *in, struct dica_result *r)
{
	dica_evaluate(in, r);
	check_remedy_texts(r);
}

START_TEST(dica_all_green)
{
	struct dica_input in;
	struct dica_result r;

	green(&in);
	eval(&in, &r);
	for (int k = 0; k < DICA_COUNT; k++) {
		ck_assert_int_eq(r.line[k].state, DICA_OK);
		ck_assert_int_eq(r.line[k].remedy, DICA_REMEDY_NONE);
	}
	ck_assert_int_eq(r.all_ok, 1);
	ck_assert_int_eq(r.may_query, 1);
	ck_assert_int_eq(r.may_feed, 1);
	ck_assert_int_eq(r.bdg_active, 0);
	ck_assert_str_eq(r.bdg_until, "");
	ck_assert_str_eq(r.line[DICA_D].label, "DMP accessible");
	ck_assert_str_eq(r.line[DICA_I].label, "INS qualifiée");
	ck_assert_str_eq(r.line[DICA_C].label, "Consentement");
	ck_assert_str_eq(r.line[DICA_A].label, "Authentification");
	ck_assert_str_eq(r.line[DICA_D].reason, "DMP actif, accès autorisé jusqu'au 01/09/2025");
	ck_assert_ptr_nonnull(strstr(r.line[DICA_C].reason, "01/03/2025 par jmartin"));
	ck_assert_ptr_nonnull(strstr(r.line[DICA_A].reason, "Dr Jean MARTIN (e-CPS)"));
	in.dmp.treating_doctor = 1;
	eval(&in, &r);
	ck_assert_ptr_nonnull(strstr(r.line[DICA_D].reason, "médecin traitant DMP"));
}
END_TEST

START_TEST(dica_no_consent)
{
	struct dica_input in;
	struct dica_result r;

	green(&in);
	in.consent.consultation = 0;
	in.dmp_asked = 0;
	in.dmp.state = DMP_STATE_UNKNOWN;
	eval(&in, &r);
	ck_assert_int_eq(r.line[DICA_C].state, DICA_KO);
	ck_assert_int_eq(r.line[DICA_C].remedy, DICA_REMEDY_CONSENT);
	ck_assert_int_eq(r.line[DICA_D].state, DICA_UNKNOWN);
	ck_assert_str_eq(r.line[DICA_D].reason,
			 "Consentement non recueilli : le DMP n'est pas interrogé");
	ck_assert_int_eq(r.line[DICA_D].remedy, DICA_REMEDY_CONSENT);
	ck_assert_int_eq(r.all_ok, 0);
	ck_assert_int_eq(r.may_query, 0);
	/* Feeding needs no consultation consent. */
	ck_assert_int_eq(r.may_feed, 1);
}
END_TEST

START_TEST(dica_authorisation_missing)
{
	struct dica_input in;
	struct dica_result r;

	green(&in);
	in.dmp.authz = DMP_AUTHZ_NONE;
	in.dmp.authz_end[0] = 0;
	eval(&in, &r);
	ck_assert_int_eq(r.line[DICA_D].state, DICA_KO);
	ck_assert_int_eq(r.line[DICA_D].remedy, DICA_REMEDY_AUTHORIZE);
	ck_assert_ptr_nonnull(strstr(r.line[DICA_D].remedy_text, "TD0.3"));
	ck_assert_int_eq(r.all_ok, 0);
	ck_assert_int_eq(r.may_query, 1);   /* TD0.3 then TD0.2 may be sent */

	in.dmp.authz = DMP_AUTHZ_EXPIRED;
	strcpy(in.dmp.authz_end, "2025-01-15");
	eval(&in, &r);
	ck_assert_int_eq(r.line[DICA_D].remedy, DICA_REMEDY_AUTHORIZE);
	ck_assert_ptr_nonnull(strstr(r.line[DICA_D].reason, "expiré le 15/01/2025"));

	/* Without consent the remedy is to record it, not to declare an authorisation. */
	in.consent.consultation = 0;
	eval(&in, &r);
	ck_assert_int_eq(r.line[DICA_D].state, DICA_KO);
	ck_assert_int_eq(r.line[DICA_D].remedy, DICA_REMEDY_CONSENT);

	in.consent.consultation = 1;
	in.dmp.authz = DMP_AUTHZ_UNKNOWN;
	eval(&in, &r);
	ck_assert_int_eq(r.line[DICA_D].state, DICA_KO);
	ck_assert_int_eq(r.line[DICA_D].remedy, DICA_REMEDY_RETRY);
}
END_TEST

START_TEST(dica_ins_not_qualified)
{
	static const char *const statuses[] = { "provisoire", "recuperee", "validee", "autre" };
	struct dica_input in;
	struct dica_result r;

	for (size_t i = 0; i < sizeof statuses / sizeof *statuses; i++) {
		green(&in);
		in.id_status = statuses[i];
		in.has_ins = !strcmp(statuses[i], "recuperee");
		eval(&in, &r);
		ck_assert_int_eq(r.line[DICA_I].state, DICA_KO);
		ck_assert_int_eq(r.line[DICA_I].remedy, DICA_REMEDY_QUALIFY_INS);
		ck_assert_int_eq(r.may_query, 0);
		ck_assert_int_eq(r.may_feed, 0);
		ck_assert_int_eq(r.all_ok, 0);
	}
	green(&in);
	in.id_status = NULL;
	eval(&in, &r);
	ck_assert_int_eq(r.line[DICA_I].state, DICA_KO);
	green(&in);
	in.has_ins = 0;     /* qualifiee without INS: inconsistent, refused */
	eval(&in, &r);
	ck_assert_int_eq(r.line[DICA_I].state, DICA_KO);
	ck_assert_int_eq(r.may_query, 0);
	/* Not asked because of the INS: D says so. */
	green(&in);
	in.id_status = "recuperee";
	in.dmp_asked = 0;
	eval(&in, &r);
	ck_assert_int_eq(r.line[DICA_D].state, DICA_UNKNOWN);
	ck_assert_ptr_nonnull(strstr(r.line[DICA_D].reason, "INS non qualifiée"));
}
END_TEST

START_TEST(dica_douteuse_fictive)
{
	struct dica_input in;
	struct dica_result r;

	green(&in);
	in.douteuse = 1;
	eval(&in, &r);
	ck_assert_int_eq(r.line[DICA_I].state, DICA_KO);
	ck_assert_int_eq(r.line[DICA_I].remedy, DICA_REMEDY_NONE);
	ck_assert_ptr_nonnull(strstr(r.line[DICA_I].reason, "douteuse"));
	ck_assert_int_eq(r.may_query, 0);
	ck_assert_int_eq(r.may_feed, 0);
	green(&in);
	in.fictive = 1;
	eval(&in, &r);
	ck_assert_int_eq(r.line[DICA_I].remedy, DICA_REMEDY_NONE);
	ck_assert_ptr_nonnull(strstr(r.line[DICA_I].reason, "fictive"));
	ck_assert_int_eq(r.may_query, 0);
}
END_TEST

START_TEST(dica_closed_absent)
{
	struct dica_input in;
	struct dica_result r;

	green(&in);
	in.dmp.state = DMP_STATE_CLOSED;
	strcpy(in.dmp.closed_date, "2024-02-02");
	strcpy(in.dmp.closed_reason, "Décès du patient");
	eval(&in, &r);
	ck_assert_int_eq(r.line[DICA_D].state, DICA_KO);
	ck_assert_int_eq(r.line[DICA_D].remedy, DICA_REMEDY_NONE);
	ck_assert_str_eq(r.line[DICA_D].reason, "DMP fermé le 02/02/2024 : Décès du patient");
	ck_assert_int_eq(r.all_ok, 0);

	green(&in);
	in.dmp.state = DMP_STATE_ABSENT;
	eval(&in, &r);
	ck_assert_int_eq(r.line[DICA_D].state, DICA_KO);
	ck_assert_str_eq(r.line[DICA_D].reason, "Pas de DMP pour ce patient");
	ck_assert_int_eq(r.all_ok, 0);
}
END_TEST

START_TEST(dica_blocked)
{
	struct dica_input in;
	struct dica_result r;

	green(&in);
	in.dmp.authz = DMP_AUTHZ_BLOCKED;
	eval(&in, &r);
	ck_assert_int_eq(r.line[DICA_D].state, DICA_KO);
	ck_assert_str_eq(r.line[DICA_D].reason, "Le patient a bloqué votre accès");
	ck_assert_int_eq(r.line[DICA_D].remedy, DICA_REMEDY_NONE);
	/* Bris de glace does not lift a block. */
	consent_time_plus(NOW, 30, in.consent.bdg_until, sizeof in.consent.bdg_until);
	eval(&in, &r);
	ck_assert_int_eq(r.line[DICA_D].state, DICA_KO);
	ck_assert_int_eq(r.all_ok, 0);
}
END_TEST

START_TEST(dica_not_authenticated)
{
	struct dica_input in;
	struct dica_result r;

	green(&in);
	in.authenticated = 0;
	in.auth_who[0] = 0;
	eval(&in, &r);
	ck_assert_int_eq(r.line[DICA_A].state, DICA_KO);
	ck_assert_int_eq(r.line[DICA_A].remedy, DICA_REMEDY_SIGN_IN);
	ck_assert_int_eq(r.may_query, 0);
	ck_assert_int_eq(r.may_feed, 0);
	ck_assert_int_eq(r.all_ok, 0);
	in.dmp_asked = 0;
	eval(&in, &r);
	ck_assert_int_eq(r.line[DICA_D].state, DICA_UNKNOWN);
	ck_assert_str_eq(r.line[DICA_D].reason, "Non authentifié : le DMP n'est pas interrogé");
	ck_assert_int_eq(r.line[DICA_D].remedy, DICA_REMEDY_SIGN_IN);
	/* Everything else fine, simply not asked yet. */
	in.authenticated = 1;
	eval(&in, &r);
	ck_assert_int_eq(r.line[DICA_D].state, DICA_UNKNOWN);
	ck_assert_int_eq(r.line[DICA_D].remedy, DICA_REMEDY_RETRY);
	ck_assert_int_eq(r.may_query, 1);
}
END_TEST

START_TEST(dica_bris_de_glace)
{
	struct dica_input in;
	struct dica_result r;

	green(&in);
	in.consent.consultation = 0;
	in.dmp.authz = DMP_AUTHZ_NONE;
	consent_time_plus(NOW, 30, in.consent.bdg_until, sizeof in.consent.bdg_until);
	ck_assert_str_eq(in.consent.bdg_until, "2025-03-10T10:30:00Z");
	eval(&in, &r);
	ck_assert_int_eq(r.bdg_active, 1);
	ck_assert_str_eq(r.bdg_until, "2025-03-10T10:30:00Z");
	ck_assert_int_eq(r.line[DICA_C].state, DICA_OK);
	/* The practitioner reads wall time: 10:30 UTC is 11:30 in Paris in March (UTC+1). */
	setenv("TZ", "Europe/Paris", 1);
	tzset();
	eval(&in, &r);
	ck_assert_str_eq(r.line[DICA_C].reason, "Bris de glace actif jusqu'à 11:30");
	setenv("TZ", "UTC", 1);
	tzset();
	eval(&in, &r);
	ck_assert_str_eq(r.line[DICA_C].reason, "Bris de glace actif jusqu'à 10:30");
	ck_assert_int_eq(r.line[DICA_D].state, DICA_OK);
	ck_assert_ptr_nonnull(strstr(r.line[DICA_D].reason, "bris de glace"));
	ck_assert_int_eq(r.may_query, 1);
	ck_assert_int_eq(r.all_ok, 1);

	/* Expired: exactly at the end, and after. */
	in.now = "2025-03-10T10:30:00Z";
	eval(&in, &r);
	ck_assert_int_eq(r.bdg_active, 0);
	ck_assert_str_eq(r.bdg_until, "");
	ck_assert_int_eq(r.line[DICA_C].state, DICA_KO);
	ck_assert_int_eq(r.line[DICA_C].remedy, DICA_REMEDY_CONSENT);
	ck_assert_ptr_nonnull(strstr(r.line[DICA_C].reason, "terminé à 10:30"));
	ck_assert_int_eq(r.line[DICA_D].state, DICA_KO);
	ck_assert_int_eq(r.may_query, 0);
	in.now = "2025-03-11T08:00:00Z";
	eval(&in, &r);
	ck_assert_int_eq(r.bdg_active, 0);
	ck_assert_int_eq(r.may_query, 0);

	/* A damaged end time or clock never opens access. */
	in.now = NOW;
	strcpy(in.consent.bdg_until, "2099-13-01T00:00:00Z");
	eval(&in, &r);
	ck_assert_int_eq(r.bdg_active, 0);
	ck_assert_int_eq(r.may_query, 0);
	strcpy(in.consent.bdg_until, "2025-03-10T10:30:00Z");
	in.now = "demain";
	eval(&in, &r);
	ck_assert_int_eq(r.bdg_active, 0);
	in.now = NULL;
	eval(&in, &r);
	ck_assert_int_eq(r.bdg_active, 0);
}
END_TEST

START_TEST(dica_service_down)
{
	struct dica_input in;
	struct dica_result r;

	green(&in);
	in.service_up = 0;
	strcpy(in.service_error, "Délai dépassé (10 s)");
	eval(&in, &r);
	ck_assert_int_eq(r.line[DICA_D].state, DICA_KO);
	ck_assert_int_eq(r.line[DICA_D].remedy, DICA_REMEDY_WEATHER);
	ck_assert_str_eq(r.line[DICA_D].reason, "Service DMP indisponible : Délai dépassé (10 s)");
	ck_assert_ptr_nonnull(strstr(r.line[DICA_D].remedy_text, "météo"));
	ck_assert_int_eq(r.all_ok, 0);
	/* Service state unknown but an answer is known: the answer stands. */
	in.service_up = -1;
	eval(&in, &r);
	ck_assert_int_eq(r.line[DICA_D].state, DICA_OK);
}
END_TEST

START_TEST(dica_feeding_opposed)
{
	struct dica_input in;
	struct dica_result r;

	green(&in);
	in.consent.feeding_opposed = 1;
	eval(&in, &r);
	ck_assert_int_eq(r.may_feed, 0);
	ck_assert_int_eq(r.may_query, 1);
	ck_assert_int_eq(r.all_ok, 1);
	ck_assert_ptr_nonnull(strstr(r.line[DICA_C].reason, "opposition à l'alimentation"));
	/* Opposition and no consultation consent: nothing at all. */
	in.consent.consultation = 0;
	eval(&in, &r);
	ck_assert_int_eq(r.may_feed, 0);
	ck_assert_int_eq(r.may_query, 0);
}
END_TEST

START_TEST(dica_names)
{
	ck_assert_str_eq(dica_letter_name(DICA_D), "D");
	ck_assert_str_eq(dica_letter_name(DICA_A), "A");
	ck_assert_str_eq(dica_letter_name((enum dica_letter)9), "?");
	ck_assert_str_eq(dica_state_name(DICA_OK), "ok");
	ck_assert_str_eq(dica_state_name(DICA_KO), "ko");
	ck_assert_str_eq(dica_state_name(DICA_UNKNOWN), "inconnu");
	ck_assert_str_eq(dica_remedy_name(DICA_REMEDY_NONE), "aucun");
	ck_assert_str_eq(dica_remedy_name(DICA_REMEDY_WEATHER), "meteo");
	ck_assert_str_eq(dica_remedy_name(DICA_REMEDY_AUTHORIZE), "autoriser");
	ck_assert_str_eq(dica_remedy_name(DICA_REMEDY_SIGN_IN), "connexion");
	ck_assert_str_eq(dica_remedy_name((enum dica_remedy)42), "aucun");
}
END_TEST

START_TEST(consent_times)
{
	char out[24];
	struct dmp_consent c;

	consent_time_plus("2024-02-28T23:50:00Z", 20, out, sizeof out);
	ck_assert_str_eq(out, "2024-02-29T00:10:00Z");
	consent_time_plus("2023-12-31T23:59:00Z", 1, out, sizeof out);
	ck_assert_str_eq(out, "2024-01-01T00:00:00Z");
	consent_time_plus("2025-03-01T00:10:00Z", -20, out, sizeof out);
	ck_assert_str_eq(out, "2025-02-28T23:50:00Z");
	consent_time_plus("2025-03-10T10:00:00Z", 180 * 1440, out, sizeof out);
	ck_assert_str_eq(out, "2025-09-06T10:00:00Z");
	consent_time_plus("2023-02-29T10:00:00Z", 1, out, sizeof out);   /* no such day */
	ck_assert_str_eq(out, "");
	consent_time_plus("2025-03-10 10:00:00", 1, out, sizeof out);
	ck_assert_str_eq(out, "");
	consent_time_plus(NULL, 1, out, sizeof out);
	ck_assert_str_eq(out, "");

	consent_defaults(&c, 12);
	ck_assert_int_eq(c.patient_id, 12);
	ck_assert_int_eq(c.episode_id, 0);
	ck_assert_int_eq(consent_allows_feeding(&c), 1);
	ck_assert_int_eq(consent_allows_consultation(&c, NOW), 0);
	ck_assert_int_eq(consent_bdg_active(&c, NOW), 0);
	c.feeding_opposed = 1;
	ck_assert_int_eq(consent_allows_feeding(&c), 0);
}
END_TEST

START_TEST(consent_reminder)
{
	char ack[24];

	ck_assert_int_eq(consent_reminder_due("", NOW, 180), 1);
	ck_assert_int_eq(consent_reminder_due(NULL, NOW, 180), 1);
	consent_time_plus(NOW, -179 * 1440, ack, sizeof ack);
	ck_assert_int_eq(consent_reminder_due(ack, NOW, 180), 0);
	consent_time_plus(NOW, -180 * 1440, ack, sizeof ack);
	ck_assert_int_eq(consent_reminder_due(ack, NOW, 180), 1);
	consent_time_plus(NOW, -181 * 1440, ack, sizeof ack);
	ck_assert_int_eq(consent_reminder_due(ack, NOW, 180), 1);
	/* Configurable period; 0 means at every use. */
	consent_time_plus(NOW, -31 * 1440, ack, sizeof ack);
	ck_assert_int_eq(consent_reminder_due(ack, NOW, 30), 1);
	ck_assert_int_eq(consent_reminder_due(ack, NOW, 60), 0);
	ck_assert_int_eq(consent_reminder_due(NOW, NOW, 0), 1);
	/* Damaged stamps show the reminder. */
	ck_assert_int_eq(consent_reminder_due("hier", NOW, 180), 1);
	ck_assert_int_eq(consent_reminder_due(NOW, "???", 180), 1);
}
END_TEST

/* ---- store -------------------------------------------------------------------------------- */

static struct tmpdb db;
static struct store *st;

static void setup(void)
{
	tmpdb_open(&db, "dica");
	st = db.st;
}

static void teardown(void)
{
	tmpdb_close(&db);
	st = NULL;
}

static long long new_patient(const char *name)
{
	struct patient p;

	patient_init(&p);
	snprintf(p.birth_name, sizeof p.birth_name, "%s", name);
	snprintf(p.first_name, sizeof p.first_name, "ALICE");
	snprintf(p.sex, sizeof p.sex, "F");
	snprintf(p.birth_date, sizeof p.birth_date, "1980-05-04");
	ck_assert_int_eq(patient_insert(st, &p), 0);
	patient_clear(&p);
	return p.id;
}

static int count_sql(const char *sql, long long id)
{
	sqlite3_stmt *s;
	int n = -1;

	ck_assert_int_eq(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_bind_parameter_count(s) >= 1)
		sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return n;
}

static void exec_sql(const char *sql, long long id)
{
	sqlite3_stmt *s;

	ck_assert_int_eq(sqlite3_prepare_v2(st->db, sql, -1, &s, NULL), SQLITE_OK);
	sqlite3_bind_int64(s, 1, id);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_DONE);
	sqlite3_finalize(s);
}

/* Text of the first column of the first row, "" when none. */
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

START_TEST(migration_applied)
{
	static const char *const tables[] = { "care_episodes", "legal_acks", "dmp_status",
					      "dmp_service", "dmp_fetches", "dmp_docs",
					      "dmp_visits", "documents" };
	char sql[128];

	ck_assert_int_eq(store_schema_version(st), store_schema_version_known());
	ck_assert_int_ge(store_schema_version_known(), 3);
	for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
		snprintf(sql, sizeof sql, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
			 " AND name = '%s'", tables[i]);
		ck_assert_int_eq(count_sql(sql, 0), 1);
	}
	/* No column may hold the reason of an opposition. */
	ck_assert_int_eq(count_sql("SELECT count(*) FROM pragma_table_info('care_episodes')"
				   " WHERE name LIKE '%reason%' OR name LIKE '%motif%'"
				   " OR name LIKE '%raison%' OR name LIKE '%why%'", 0), 0);
}
END_TEST

START_TEST(consent_store_defaults_and_changes)
{
	long long id = new_patient("DUPONT");
	struct dmp_consent c;
	char text[256], now[24];

	ck_assert_int_eq(consent_get(st, id, &c), 0);
	ck_assert_int_eq(c.episode_id, 0);
	ck_assert_int_eq(c.patient_id, id);
	ck_assert_int_eq(c.informed + c.feeding_opposed + c.consultation, 0);

	ck_assert_int_eq(consent_set_informed(st, id, 1), 0);
	ck_assert_int_eq(consent_set_feeding_opposed(st, id, 1), 0);
	ck_assert_int_eq(consent_set_consultation(st, id, 7), 0);   /* any non-zero is yes */
	ck_assert_int_eq(consent_get(st, id, &c), 0);
	ck_assert_int_gt(c.episode_id, 0);
	ck_assert_int_eq(c.informed, 1);
	ck_assert_int_eq(c.feeding_opposed, 1);
	ck_assert_int_eq(c.consultation, 1);
	ck_assert_str_eq(c.informed_by, "jmartin");
	ck_assert_str_eq(c.feeding_by, "jmartin");
	ck_assert_str_eq(c.consultation_by, "jmartin");
	store_now_utc(now, sizeof now);
	ck_assert_int_eq(strncmp(c.consultation_at, now, 10), 0);
	ck_assert_uint_eq(strlen(c.informed_at), 20);
	ck_assert_uint_eq(strlen(c.episode_start), 20);
	/* One episode for all three changes; three audit rows with small before/after. */
	ck_assert_int_eq(count_sql("SELECT count(*) FROM care_episodes WHERE patient_id = ?1", id),
			 1);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM audit WHERE action = 'dmp.consentement'"
				   " AND entity = 'patient' AND entity_id = ?1", id), 3);
	text_sql("SELECT before || ' ' || after FROM audit WHERE action = 'dmp.consentement'"
		 " AND entity_id = ?1 AND after LIKE '%opposition%'", id, text, sizeof text);
	ck_assert_str_eq(text, "{\"opposition_alimentation\":false} "
			 "{\"opposition_alimentation\":true}");
	text_sql("SELECT detail FROM audit WHERE action = 'dmp.consentement' AND entity_id = ?1"
		 " ORDER BY id LIMIT 1", id, text, sizeof text);
	ck_assert_ptr_nonnull(strstr(text, "\"nouvel_episode\":true"));
	/* Withdrawal of the opposition, then of consent. */
	ck_assert_int_eq(consent_set_feeding_opposed(st, id, 0), 0);
	ck_assert_int_eq(consent_set_consultation(st, id, 0), 0);
	ck_assert_int_eq(consent_get(st, id, &c), 0);
	ck_assert_int_eq(c.feeding_opposed, 0);
	ck_assert_int_eq(c.consultation, 0);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM audit WHERE action = 'dmp.consentement'"
				   " AND entity_id = ?1", id), 5);
}
END_TEST

START_TEST(consent_store_unknown_patient)
{
	struct dmp_consent c;

	ck_assert_int_eq(consent_set_consultation(st, 999, 1), STORE_ERR_NOTFOUND);
	ck_assert_int_eq(consent_set_bdg(st, 999, 10), STORE_ERR_NOTFOUND);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM care_episodes", 0), 0);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM audit WHERE action LIKE 'dmp.%'", 0), 0);
	ck_assert_int_eq(consent_get(st, 999, &c), 0);
	ck_assert_int_eq(c.episode_id, 0);
}
END_TEST

/* The change and its audit row go in the caller's transaction: both or neither. */
START_TEST(consent_store_same_transaction)
{
	long long id = new_patient("DURAND");
	struct dmp_consent c;

	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(consent_set_consultation(st, id, 1), 0);
	store_rollback(st);
	ck_assert_int_eq(consent_get(st, id, &c), 0);
	ck_assert_int_eq(c.consultation, 0);
	ck_assert_int_eq(c.episode_id, 0);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM audit WHERE action = 'dmp.consentement'",
				   0), 0);
}
END_TEST

START_TEST(consent_store_bdg)
{
	long long id = new_patient("MARTIN");
	struct dmp_consent c;
	char now[24], text[256];

	ck_assert_int_eq(consent_set_bdg(st, id, -1), STORE_ERR_INVALID);
	ck_assert_int_eq(consent_set_bdg(st, id, CONSENT_BDG_MAX_MINUTES + 1), STORE_ERR_INVALID);
	ck_assert_int_eq(consent_set_bdg(st, id, 30), 0);
	ck_assert_int_eq(consent_get(st, id, &c), 0);
	store_now_utc(now, sizeof now);
	ck_assert_str_eq(c.bdg_by, "jmartin");
	ck_assert_int_eq(consent_bdg_active(&c, now), 1);
	ck_assert_int_eq(consent_allows_consultation(&c, now), 1);
	ck_assert_int_eq(c.consultation, 0);   /* bris de glace is not consent */
	{
		char later[24];
		consent_time_plus(now, 31, later, sizeof later);
		ck_assert_int_eq(consent_bdg_active(&c, later), 0);
	}
	text_sql("SELECT detail FROM audit WHERE action = 'dmp.bris-de-glace' AND entity_id = ?1",
		 id, text, sizeof text);
	ck_assert_ptr_nonnull(strstr(text, "\"minutes\":30"));
	ck_assert_int_eq(consent_set_bdg(st, id, 0), 0);
	ck_assert_int_eq(consent_get(st, id, &c), 0);
	ck_assert_str_eq(c.bdg_until, "");
	ck_assert_int_eq(consent_bdg_active(&c, now), 0);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM audit WHERE action = 'dmp.bris-de-glace'"
				   " AND entity_id = ?1", id), 2);
}
END_TEST

START_TEST(consent_store_episodes)
{
	long long id = new_patient("PETIT"), first;
	struct dmp_consent c;

	ck_assert_int_eq(consent_close_episode(st, id), 0);   /* none open: nothing to do */
	ck_assert_int_eq(consent_set_consultation(st, id, 1), 0);
	ck_assert_int_eq(consent_set_feeding_opposed(st, id, 1), 0);
	ck_assert_int_eq(consent_get(st, id, &c), 0);
	first = c.episode_id;
	ck_assert_int_eq(consent_close_episode(st, id), 0);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM audit WHERE action = 'dmp.fin-episode'"
				   " AND entity_id = ?1", id), 1);
	/* Back to the defaults until something is recorded again. */
	ck_assert_int_eq(consent_get(st, id, &c), 0);
	ck_assert_int_eq(c.episode_id, 0);
	ck_assert_int_eq(c.consultation, 0);
	ck_assert_int_eq(c.feeding_opposed, 0);
	ck_assert_int_eq(consent_set_informed(st, id, 1), 0);
	ck_assert_int_eq(consent_get(st, id, &c), 0);
	ck_assert_int_gt(c.episode_id, first);
	ck_assert_int_eq(c.consultation, 0);
	ck_assert_int_eq(c.informed, 1);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM care_episodes WHERE patient_id = ?1", id),
			 2);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM care_episodes WHERE patient_id = ?1"
				   " AND ended_at <> '' AND consultation = 1", id), 1);
	/* Deleting the dossier removes its episodes. */
	exec_sql("DELETE FROM patients WHERE id = ?1", id);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM care_episodes WHERE patient_id = ?1", id),
			 0);
}
END_TEST

START_TEST(legal_ack)
{
	char at[24], now[24], old[24];

	ck_assert_int_eq(legal_ack_get(st, "jmartin", at, sizeof at), STORE_ERR_NOTFOUND);
	ck_assert_str_eq(at, "");
	store_now_utc(now, sizeof now);
	ck_assert_int_eq(consent_reminder_due(at, now, 180), 1);
	ck_assert_int_eq(legal_ack_set(st, ""), STORE_ERR_INVALID);
	ck_assert_int_eq(legal_ack_set(st, "jmartin"), 0);
	ck_assert_int_eq(legal_ack_get(st, "jmartin", at, sizeof at), 0);
	ck_assert_uint_eq(strlen(at), 20);
	ck_assert_int_eq(consent_reminder_due(at, now, 180), 0);
	ck_assert_int_eq(legal_ack_get(st, "asecretaire", at, sizeof at), STORE_ERR_NOTFOUND);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM audit WHERE action = 'dmp.rappel-legal'"
				   " AND after LIKE '%jmartin%'", 0), 1);
	/* 181 days later the reminder is due again; a new acknowledgement replaces the old. */
	consent_time_plus(now, -181 * 1440, old, sizeof old);
	{
		sqlite3_stmt *s;
		ck_assert_int_eq(sqlite3_prepare_v2(st->db, "UPDATE legal_acks SET acked_at = ?1",
						    -1, &s, NULL), SQLITE_OK);
		sqlite3_bind_text(s, 1, old, -1, SQLITE_STATIC);
		ck_assert_int_eq(sqlite3_step(s), SQLITE_DONE);
		sqlite3_finalize(s);
	}
	ck_assert_int_eq(legal_ack_get(st, "jmartin", at, sizeof at), 0);
	ck_assert_int_eq(consent_reminder_due(at, now, 180), 1);
	ck_assert_int_eq(legal_ack_set(st, "jmartin"), 0);
	ck_assert_int_eq(legal_ack_get(st, "jmartin", at, sizeof at), 0);
	ck_assert_int_eq(consent_reminder_due(at, now, 180), 0);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM legal_acks", 0), 1);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM audit WHERE action = 'dmp.rappel-legal'",
				   0), 2);
}
END_TEST

START_TEST(status_and_service)
{
	long long id = new_patient("BERNARD");
	struct dmp_status s, g;
	char at[24], err[160];
	int up;

	ck_assert_int_eq(dmp_status_get(st, id, &g, at, sizeof at), STORE_ERR_NOTFOUND);
	ck_assert_int_eq(g.state, DMP_STATE_UNKNOWN);
	ck_assert_str_eq(at, "");
	memset(&s, 0, sizeof s);
	s.state = DMP_STATE_CLOSED;
	strcpy(s.closed_date, "2024-02-02");
	strcpy(s.closed_reason, "Demande du patient");
	s.authz = DMP_AUTHZ_EXPIRED;
	strcpy(s.authz_end, "2024-01-01");
	s.treating_doctor = 1;
	strcpy(s.ins, "280069307610258");
	ck_assert_int_eq(dmp_status_put(st, id, &s), 0);
	ck_assert_int_eq(dmp_status_get(st, id, &g, at, sizeof at), 0);
	ck_assert_int_eq(g.state, DMP_STATE_CLOSED);
	ck_assert_str_eq(g.closed_date, "2024-02-02");
	ck_assert_str_eq(g.closed_reason, "Demande du patient");
	ck_assert_int_eq(g.authz, DMP_AUTHZ_EXPIRED);
	ck_assert_str_eq(g.authz_end, "2024-01-01");
	ck_assert_int_eq(g.treating_doctor, 1);
	ck_assert_str_eq(g.ins, "280069307610258");
	ck_assert_uint_eq(strlen(at), 20);
	s.state = DMP_STATE_ACTIVE;
	s.authz = DMP_AUTHZ_BLOCKED;
	ck_assert_int_eq(dmp_status_put(st, id, &s), 0);
	ck_assert_int_eq(dmp_status_get(st, id, &g, at, sizeof at), 0);
	ck_assert_int_eq(g.state, DMP_STATE_ACTIVE);
	ck_assert_int_eq(g.authz, DMP_AUTHZ_BLOCKED);
	s.authz = (enum dmp_authz)17;
	ck_assert_int_eq(dmp_status_put(st, id, &s), STORE_ERR_INVALID);
	s.authz = DMP_AUTHZ_VALID;
	ck_assert_int_eq(dmp_status_put(st, 4242, &s), STORE_ERR_INVALID);   /* no such patient */

	ck_assert_int_eq(dmp_service_get(st, &up, err, sizeof err), 0);
	ck_assert_int_eq(up, -1);
	ck_assert_int_eq(dmp_service_put(st, 0, "Délai dépassé"), 0);
	ck_assert_int_eq(dmp_service_get(st, &up, err, sizeof err), 0);
	ck_assert_int_eq(up, 0);
	ck_assert_str_eq(err, "Délai dépassé");
	ck_assert_int_eq(dmp_service_put(st, 1, NULL), 0);
	ck_assert_int_eq(dmp_service_get(st, &up, err, sizeof err), 0);
	ck_assert_int_eq(up, 1);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(dmp_service_put(st, 2, ""), STORE_ERR_INVALID);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM dmp_service", 0), 1);
}
END_TEST

static void make_doc(struct dmp_doc *d, const char *uuid, const char *uid, const char *title,
		     const char *created, int invisible)
{
	memset(d, 0, sizeof *d);
	snprintf(d->entry_uuid, sizeof d->entry_uuid, "%s", uuid);
	snprintf(d->unique_id, sizeof d->unique_id, "%s", uid);
	snprintf(d->repository_id, sizeof d->repository_id, "1.2.250.1.213.1.1.1.1");
	snprintf(d->patient_id, sizeof d->patient_id,
		 "280069307610258^^^&1.2.250.1.213.1.4.10&ISO^NH");
	snprintf(d->title, sizeof d->title, "%s", title);
	snprintf(d->type_code, sizeof d->type_code, "11488-4");
	snprintf(d->type_label, sizeof d->type_label, "Compte rendu de consultation");
	snprintf(d->class_code, sizeof d->class_code, "10");
	snprintf(d->format_code, sizeof d->format_code, "urn:ihe:iti:xds-sd:pdf:2008");
	snprintf(d->mime, sizeof d->mime, "text/xml");
	snprintf(d->author, sizeof d->author, "Dr Éric GIRARD");
	snprintf(d->author_profession, sizeof d->author_profession, "Médecin - Cardiologie");
	snprintf(d->creation_time, sizeof d->creation_time, "%s", created);
	snprintf(d->service_start, sizeof d->service_start, "20250101");
	snprintf(d->submission_time, sizeof d->submission_time, "20250102090000");
	d->invisible_patient = invisible;
	d->masked_ps = 0;
	snprintf(d->hash, sizeof d->hash, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	d->size = 1234;
	snprintf(d->status, sizeof d->status, "approved");
}

static void counts(long long id, const char *login, int want_new, int want_inv, int want_all)
{
	int n_new = -1, n_inv = -1, n_all = -1;
	char fetched[24];

	ck_assert_int_eq(dmp_docs_count_new(st, id, login, &n_new, &n_inv, &n_all, fetched,
					    sizeof fetched), 0);
	ck_assert_int_eq(n_new, want_new);
	ck_assert_int_eq(n_inv, want_inv);
	ck_assert_int_eq(n_all, want_all);
}

START_TEST(docs_merge_and_visits)
{
	long long id = new_patient("THOMAS"), other = new_patient("ROBERT");
	struct dmp_doc d[5];
	struct dmp_doc_row *rows, row;
	size_t n;
	int n_new, n_inv, n_all;
	char fetched[24];

	ck_assert_int_eq(dmp_docs_count_new(st, id, "jmartin", &n_new, &n_inv, &n_all, fetched,
					    sizeof fetched), 0);
	ck_assert_int_eq(n_all, 0);
	ck_assert_str_eq(fetched, "");
	make_doc(&d[0], "urn:uuid:a", "1.2.3^A", "CR consultation", "20250110100000", 0);
	make_doc(&d[1], "urn:uuid:b", "1.2.3^B", "Biologie", "20250301080000", 1);
	make_doc(&d[2], "urn:uuid:c", "1.2.3^C", "Imagerie", "20250201", 0);
	ck_assert_int_eq(dmp_docs_merge(st, id, d, 3), 0);
	/* Never visited: everything is new for everyone. */
	counts(id, "jmartin", 3, 1, 3);
	ck_assert_int_eq(dmp_docs_count_new(st, id, "jmartin", &n_new, &n_inv, &n_all, fetched,
					    sizeof fetched), 0);
	ck_assert_uint_eq(strlen(fetched), 20);
	counts(other, "jmartin", 0, 0, 0);

	ck_assert_int_eq(dmp_docs_list(st, id, "jmartin", &rows, &n), 0);
	ck_assert_uint_eq(n, 3);
	/* Newest creation first. */
	ck_assert_str_eq(rows[0].doc.entry_uuid, "urn:uuid:b");
	ck_assert_str_eq(rows[1].doc.entry_uuid, "urn:uuid:c");
	ck_assert_str_eq(rows[2].doc.entry_uuid, "urn:uuid:a");
	ck_assert_int_eq(rows[0].is_new, 1);
	ck_assert_int_eq(rows[0].doc.invisible_patient, 1);
	ck_assert_str_eq(rows[0].doc.author, "Dr Éric GIRARD");
	ck_assert_str_eq(rows[0].doc.hash, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	ck_assert_int_eq(rows[0].doc.size, 1234);
	ck_assert_str_eq(rows[0].doc.patient_id,
			 "280069307610258^^^&1.2.250.1.213.1.4.10&ISO^NH");
	ck_assert_int_eq(rows[0].local_id, 0);
	ck_assert_uint_eq(strlen(rows[0].first_seen), 20);
	ck_assert_int_eq(dmp_doc_get(st, rows[2].id, &row), 0);
	ck_assert_str_eq(row.doc.title, "CR consultation");
	ck_assert_str_eq(row.doc.format_code, "urn:ihe:iti:xds-sd:pdf:2008");
	ck_assert_str_eq(row.doc.submission_time, "20250102090000");
	free(rows);

	/* jmartin looks; then a new invisible document arrives in the same second. */
	ck_assert_int_eq(dmp_visit_mark(st, id, "jmartin"), 0);
	counts(id, "jmartin", 0, 0, 3);
	counts(id, "asecretaire", 3, 1, 3);
	make_doc(&d[3], "urn:uuid:d", "1.2.3^D", "Lettre", "20250305", 1);
	ck_assert_int_eq(dmp_docs_merge(st, id, d, 4), 0);
	counts(id, "jmartin", 1, 1, 4);
	counts(id, "asecretaire", 4, 2, 4);
	ck_assert_int_eq(dmp_docs_list(st, id, "jmartin", &rows, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(rows[0].doc.entry_uuid, "urn:uuid:d");
	ck_assert_int_eq(rows[0].is_new, 1);
	for (size_t i = 1; i < n; i++)
		ck_assert_int_eq(rows[i].is_new, 0);
	free(rows);
	ck_assert_int_eq(dmp_visit_mark(st, id, "jmartin"), 0);
	counts(id, "jmartin", 0, 0, 4);

	/* A new metadata version of a known document (new entryUUID, same id) is not new;
	 * entries no longer listed leave the cache. */
	make_doc(&d[4], "urn:uuid:b2", "1.2.3^B", "Biologie", "20250301080000", 0);
	{
		struct dmp_doc next[3] = { d[0], d[2], d[4] };
		ck_assert_int_eq(dmp_docs_merge(st, id, next, 3), 0);
	}
	counts(id, "jmartin", 0, 0, 3);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM dmp_docs WHERE entry_uuid IN"
				   " ('urn:uuid:b', 'urn:uuid:d')", 0), 0);
	ck_assert_int_eq(dmp_doc_get(st, row.id, &row), 0);

	/* A bad entry refuses the whole list, the cache stays as it was. */
	make_doc(&d[1], "", "1.2.3^X", "Sans identifiant", "20250401", 0);
	ck_assert_int_eq(dmp_docs_merge(st, id, d, 2), STORE_ERR_INVALID);
	counts(id, "jmartin", 0, 0, 3);
	/* An empty answer empties the cache. */
	ck_assert_int_eq(dmp_docs_merge(st, id, NULL, 0), 0);
	counts(id, "jmartin", 0, 0, 0);
	ck_assert_int_eq(dmp_doc_get(st, row.id, &row), STORE_ERR_NOTFOUND);
	ck_assert_int_eq(dmp_visit_mark(st, id, ""), STORE_ERR_INVALID);
	ck_assert_int_eq(dmp_docs_merge(st, 4242, d, 1), STORE_ERR_INVALID);
}
END_TEST

/* ---- documents ---------------------------------------------------------------------------- */

static void make_document(struct document *d, long long patient, const char *cda_id,
			  const char *set_id, int version, const char *type_label,
			  const char *date)
{
	memset(d, 0, sizeof *d);
	d->patient_id = patient;
	snprintf(d->provenance, sizeof d->provenance, "DMP");
	snprintf(d->cda_id, sizeof d->cda_id, "%s", cda_id);
	snprintf(d->set_id, sizeof d->set_id, "%s", set_id);
	d->version = version;
	snprintf(d->title, sizeof d->title, "Document %s v%d", cda_id, version);
	snprintf(d->type_code, sizeof d->type_code, "11488-4");
	snprintf(d->type_label, sizeof d->type_label, "%s", type_label);
	snprintf(d->author, sizeof d->author, "Dr Éric GIRARD");
	snprintf(d->doc_date, sizeof d->doc_date, "%s", date);
	snprintf(d->mime, sizeof d->mime, "text/xml");
	d->level = 3;
	snprintf(d->sha1, sizeof d->sha1, "DA39A3EE5E6B4B0D3255BFEF95601890AFD80709");
	snprintf(d->source_ref, sizeof d->source_ref, "urn:uuid:%s", cda_id);
}

static const char cda[] = "<ClinicalDocument>\0binary\xff tail</ClinicalDocument>";
static const char pdf[] = "%PDF-1.4\n\0\x01\x02%%EOF";

START_TEST(documents_round_trip)
{
	long long id = new_patient("LEROY");
	struct document d, g;
	void *buf;
	size_t len;
	char *text, detail[512];

	make_document(&d, id, "1.2.3^A", "1.2.3^S", 1, "Compte rendu", "20250110");
	d.invisible_patient = 1;
	ck_assert_int_eq(document_insert(st, &d, cda, sizeof cda, pdf, sizeof pdf,
					 "Texte du compte rendu"), 0);
	ck_assert_int_gt(d.id, 0);
	ck_assert_str_eq(d.status, "actif");
	ck_assert_int_eq(document_get(st, d.id, &g), 0);
	ck_assert_int_eq(g.patient_id, id);
	ck_assert_str_eq(g.provenance, "DMP");
	ck_assert_str_eq(g.cda_id, "1.2.3^A");
	ck_assert_str_eq(g.set_id, "1.2.3^S");
	ck_assert_int_eq(g.version, 1);
	ck_assert_str_eq(g.title, "Document 1.2.3^A v1");
	ck_assert_str_eq(g.type_label, "Compte rendu");
	ck_assert_str_eq(g.author, "Dr Éric GIRARD");
	ck_assert_str_eq(g.doc_date, "20250110");
	ck_assert_uint_eq(strlen(g.integrated_at), 20);
	ck_assert_int_eq(g.invisible_patient, 1);
	ck_assert_str_eq(g.mime, "text/xml");
	ck_assert_int_eq(g.level, 3);
	ck_assert_str_eq(g.status, "actif");
	ck_assert_int_eq(g.replaced_by, 0);
	ck_assert_str_eq(g.sha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	ck_assert_int_eq(g.size, (long long)sizeof cda);
	ck_assert_str_eq(g.source_ref, "urn:uuid:1.2.3^A");
	ck_assert_int_eq(g.has_pdf, 1);
	ck_assert_int_eq(g.has_text, 1);

	ck_assert_int_eq(document_original(st, d.id, &buf, &len), 0);
	ck_assert_uint_eq(len, sizeof cda);
	ck_assert_int_eq(memcmp(buf, cda, len), 0);
	free(buf);
	ck_assert_int_eq(document_pdf(st, d.id, &buf, &len), 0);
	ck_assert_uint_eq(len, sizeof pdf);
	ck_assert_int_eq(memcmp(buf, pdf, len), 0);
	free(buf);
	ck_assert_int_eq(document_text(st, d.id, &text), 0);
	ck_assert_str_eq(text, "Texte du compte rendu");
	free(text);

	text_sql("SELECT detail FROM audit WHERE action = 'document.integration' AND entity_id = ?1",
		 id, detail, sizeof detail);
	ck_assert_ptr_nonnull(strstr(detail, "\"provenance\":\"DMP\""));
	ck_assert_ptr_nonnull(strstr(detail, "\"cda_id\":\"1.2.3^A\""));
	ck_assert_ptr_nonnull(strstr(detail, "\"version\":1"));

	/* Without PDF nor text. */
	make_document(&d, id, "", "", 0, "", "");
	snprintf(d.provenance, sizeof d.provenance, "local");
	snprintf(d.mime, sizeof d.mime, "application/pdf");
	d.level = 0;
	d.sha1[0] = 0;
	ck_assert_int_eq(document_insert(st, &d, pdf, sizeof pdf, NULL, 0, NULL), 0);
	ck_assert_int_eq(document_get(st, d.id, &g), 0);
	ck_assert_int_eq(g.has_pdf, 0);
	ck_assert_int_eq(g.has_text, 0);
	ck_assert_int_eq(document_pdf(st, d.id, &buf, &len), STORE_ERR_NOTFOUND);
	ck_assert_ptr_null(buf);
	ck_assert_int_eq(document_text(st, d.id, &text), 0);
	ck_assert_str_eq(text, "");
	free(text);
	ck_assert_int_eq(document_set_text(st, d.id, "Extrait plus tard"), 0);
	ck_assert_int_eq(document_get(st, d.id, &g), 0);
	ck_assert_int_eq(g.has_text, 1);
	ck_assert_int_eq(document_text(st, d.id, &text), 0);
	ck_assert_str_eq(text, "Extrait plus tard");
	free(text);
	ck_assert_int_eq(document_set_text(st, d.id, ""), 0);
	ck_assert_int_eq(document_get(st, d.id, &g), 0);
	ck_assert_int_eq(g.has_text, 0);
	/* A document without CDA id is not de-duplicated: stored again. */
	ck_assert_int_eq(document_insert(st, &d, pdf, sizeof pdf, NULL, 0, NULL), 0);

	ck_assert_int_eq(document_get(st, 9999, &g), STORE_ERR_NOTFOUND);
	ck_assert_int_eq(document_original(st, 9999, &buf, &len), STORE_ERR_NOTFOUND);
	ck_assert_int_eq(document_text(st, 9999, &text), STORE_ERR_NOTFOUND);
	ck_assert_int_eq(document_set_text(st, 9999, "x"), STORE_ERR_NOTFOUND);
}
END_TEST

START_TEST(documents_refused)
{
	long long id = new_patient("MOREAU");
	struct document d;

	make_document(&d, id, "9.9^A", "9.9^S", 1, "CR", "2025");
	ck_assert_int_eq(document_insert(st, &d, cda, 0, NULL, 0, NULL), STORE_ERR_INVALID);
	ck_assert_int_eq(document_insert(st, &d, NULL, 10, NULL, 0, NULL), STORE_ERR_INVALID);
	snprintf(d.provenance, sizeof d.provenance, "web");
	ck_assert_int_eq(document_insert(st, &d, cda, sizeof cda, NULL, 0, NULL), STORE_ERR_INVALID);
	make_document(&d, id, "9.9^A", "9.9^S", 1, "CR", "2025");
	snprintf(d.sha1, sizeof d.sha1, "not-a-hash");
	ck_assert_int_eq(document_insert(st, &d, cda, sizeof cda, NULL, 0, NULL), STORE_ERR_INVALID);
	snprintf(d.sha1, sizeof d.sha1, "da39a3ee5e6b4b0d3255bfef95601890afd8070g");
	ck_assert_int_eq(document_insert(st, &d, cda, sizeof cda, NULL, 0, NULL), STORE_ERR_INVALID);
	make_document(&d, id, "9.9^A", "9.9^S", 1, "CR", "2025");
	d.level = 2;
	ck_assert_int_eq(document_insert(st, &d, cda, sizeof cda, NULL, 0, NULL), STORE_ERR_INVALID);
	make_document(&d, 4242, "9.9^A", "9.9^S", 1, "CR", "2025");   /* no such dossier */
	ck_assert_int_eq(document_insert(st, &d, cda, sizeof cda, NULL, 0, NULL), STORE_ERR_INVALID);
	make_document(&d, id, "9.9^A", "9.9^S", 1, "CR", "2025");
	memcpy(d.cda_id, "9.9^\xff\xfe", 7);      /* not UTF-8: refused, nothing stored */
	ck_assert_int_eq(document_insert(st, &d, cda, sizeof cda, NULL, 0, NULL), STORE_ERR_INVALID);
	ck_assert_int_eq(d.id, 0);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM documents", 0), 0);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM audit WHERE action = "
				   "'document.integration'", 0), 0);
}
END_TEST

START_TEST(documents_versions)
{
	long long id = new_patient("FOURNIER"), other = new_patient("GIRAUD");
	struct document v1, v2, again, old, g;
	enum document_match m;
	long long ex;

	ck_assert_int_eq(document_match(st, id, "1.2.3^A", "1.2.3^S", 1, &m, &ex), 0);
	ck_assert_int_eq(m, DOC_MATCH_NONE);
	ck_assert_int_eq(ex, 0);
	make_document(&v1, id, "1.2.3^A", "1.2.3^S", 1, "CR", "20250110");
	ck_assert_int_eq(document_insert(st, &v1, cda, sizeof cda, NULL, 0, NULL), 0);

	/* The same document again: recognised, refused, not stored twice. */
	ck_assert_int_eq(document_match(st, id, "1.2.3^A", "1.2.3^S", 1, &m, &ex), 0);
	ck_assert_int_eq(m, DOC_MATCH_SAME);
	ck_assert_int_eq(ex, v1.id);
	make_document(&again, id, "1.2.3^A", "1.2.3^S", 1, "CR", "20250110");
	ck_assert_int_eq(document_insert(st, &again, cda, sizeof cda, NULL, 0, NULL),
			 STORE_ERR_CONFLICT);
	ck_assert_ptr_nonnull(strstr(st->err, "déjà dans le dossier"));
	ck_assert_int_eq(count_sql("SELECT count(*) FROM documents WHERE patient_id = ?1", id), 1);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM audit WHERE action ="
				   " 'document.integration' AND entity_id = ?1", id), 1);
	/* Same CDA id in another dossier is another document. */
	ck_assert_int_eq(document_match(st, other, "1.2.3^A", "1.2.3^S", 1, &m, &ex), 0);
	ck_assert_int_eq(m, DOC_MATCH_NONE);

	/* A newer version is offered, and replaces the current one when stored. */
	ck_assert_int_eq(document_match(st, id, "1.2.3^B", "1.2.3^S", 2, &m, &ex), 0);
	ck_assert_int_eq(m, DOC_MATCH_NEWER);
	ck_assert_int_eq(ex, v1.id);
	make_document(&v2, id, "1.2.3^B", "1.2.3^S", 2, "CR", "20250210");
	ck_assert_int_eq(document_insert(st, &v2, cda, sizeof cda, NULL, 0, NULL), 0);
	ck_assert_int_eq(document_get(st, v1.id, &g), 0);
	ck_assert_str_eq(g.status, "remplace");
	ck_assert_int_eq(g.replaced_by, v2.id);
	ck_assert_int_eq(document_get(st, v2.id, &g), 0);
	ck_assert_str_eq(g.status, "actif");
	ck_assert_int_eq(count_sql("SELECT count(*) FROM audit WHERE action ="
				   " 'document.integration' AND detail LIKE '%\"remplace\":%'", 0), 1);

	/* An older (or equal) version with another id is recognised as such. */
	ck_assert_int_eq(document_match(st, id, "1.2.3^C", "1.2.3^S", 1, &m, &ex), 0);
	ck_assert_int_eq(m, DOC_MATCH_OLDER);
	ck_assert_int_eq(ex, v2.id);
	ck_assert_int_eq(document_match(st, id, "1.2.3^C", "1.2.3^S", 2, &m, &ex), 0);
	ck_assert_int_eq(m, DOC_MATCH_OLDER);
	/* Stored anyway (the caller's choice), it never becomes current. */
	make_document(&old, id, "1.2.3^C", "1.2.3^S", 1, "CR", "20250105");
	ck_assert_int_eq(document_insert(st, &old, cda, sizeof cda, NULL, 0, NULL), 0);
	ck_assert_int_eq(document_get(st, old.id, &g), 0);
	ck_assert_str_eq(g.status, "remplace");
	ck_assert_int_eq(g.replaced_by, v2.id);
	ck_assert_int_eq(document_get(st, v2.id, &g), 0);
	ck_assert_str_eq(g.status, "actif");
	ck_assert_int_eq(document_match(st, id, "1.2.3^D", "1.2.3^S", 3, &m, &ex), 0);
	ck_assert_int_eq(m, DOC_MATCH_NEWER);
	ck_assert_int_eq(ex, v2.id);
}
END_TEST

START_TEST(documents_list_sorted)
{
	long long id = new_patient("LAMBERT");
	struct document d, *v;
	size_t n;
	struct {
		const char *cda, *set, *label, *date;
		int version;
	} in[] = {
		{ "A", "S1", "Compte rendu", "20240101", 1 },
		{ "B", "S2", "Biologie", "20250101", 1 },
		{ "C", "S3", "", "20250301", 1 },
		{ "D", "S4", "Biologie", "20250301", 1 },
		{ "E", "S1", "Compte rendu", "20240601", 2 },   /* replaces A */
	};

	for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
		make_document(&d, id, in[i].cda, in[i].set, in[i].version, in[i].label, in[i].date);
		ck_assert_int_eq(document_insert(st, &d, cda, sizeof cda, NULL, 0, NULL), 0);
	}
	ck_assert_int_eq(document_list(st, id, 0, &v, &n), 0);
	ck_assert_uint_eq(n, 4);
	ck_assert_str_eq(v[0].cda_id, "D");
	ck_assert_str_eq(v[1].cda_id, "B");
	ck_assert_str_eq(v[2].cda_id, "E");
	ck_assert_str_eq(v[3].cda_id, "C");   /* untyped last */
	free(v);
	ck_assert_int_eq(document_list(st, id, 1, &v, &n), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_str_eq(v[2].cda_id, "E");
	ck_assert_str_eq(v[3].cda_id, "A");
	ck_assert_str_eq(v[3].status, "remplace");
	free(v);
	ck_assert_int_eq(document_list(st, 4242, 1, &v, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(v);

	/* The DMP list tells which entries are already in the dossier. */
	{
		struct dmp_doc e[2];
		struct dmp_doc_row *rows;
		size_t nr;
		make_doc(&e[0], "urn:uuid:1", "D", "Biologie", "20250301", 0);
		make_doc(&e[1], "urn:uuid:2", "Z", "Autre", "20250302", 0);
		ck_assert_int_eq(dmp_docs_merge(st, id, e, 2), 0);
		ck_assert_int_eq(dmp_docs_list(st, id, "jmartin", &rows, &nr), 0);
		ck_assert_uint_eq(nr, 2);
		ck_assert_str_eq(rows[1].doc.unique_id, "D");
		ck_assert_int_gt(rows[1].local_id, 0);
		ck_assert_int_eq(rows[0].local_id, 0);
		free(rows);
	}
	/* Deleting the dossier removes its documents and DMP cache. */
	exec_sql("DELETE FROM patients WHERE id = ?1", id);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM documents", 0), 0);
	ck_assert_int_eq(count_sql("SELECT count(*) FROM dmp_docs", 0), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("dica");
	TCase *rules = tcase_create("rules");
	TCase *store = tcase_create("store");

	tcase_add_test(rules, dica_all_green);
	tcase_add_test(rules, dica_no_consent);
	tcase_add_test(rules, dica_authorisation_missing);
	tcase_add_test(rules, dica_ins_not_qualified);
	tcase_add_test(rules, dica_douteuse_fictive);
	tcase_add_test(rules, dica_closed_absent);
	tcase_add_test(rules, dica_blocked);
	tcase_add_test(rules, dica_not_authenticated);
	tcase_add_test(rules, dica_bris_de_glace);
	tcase_add_test(rules, dica_service_down);
	tcase_add_test(rules, dica_feeding_opposed);
	tcase_add_test(rules, dica_names);
	tcase_add_test(rules, consent_times);
	tcase_add_test(rules, consent_reminder);
	suite_add_tcase(s, rules);

	tcase_add_checked_fixture(store, setup, teardown);
	tcase_add_test(store, migration_applied);
	tcase_add_test(store, consent_store_defaults_and_changes);
	tcase_add_test(store, consent_store_unknown_patient);
	tcase_add_test(store, consent_store_same_transaction);
	tcase_add_test(store, consent_store_bdg);
	tcase_add_test(store, consent_store_episodes);
	tcase_add_test(store, legal_ack);
	tcase_add_test(store, status_and_service);
	tcase_add_test(store, docs_merge_and_visits);
	tcase_add_test(store, documents_round_trip);
	tcase_add_test(store, documents_refused);
	tcase_add_test(store, documents_versions);
	tcase_add_test(store, documents_list_sorted);
	suite_add_tcase(s, store);
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
