/* Unit tests of the store (src/store): opening and refusing files, patients, audit, search, demo data. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/identity.h"
#include "store/audit.h"
#include "store/db.h"
#include "store/demo.h"
#include "store/embedded.h"
#include "store/patients.h"
#include "store/users.h"

/* ---------------------------------------------------------------- helpers */

/* Base directory made once per test case by the (unchecked) fixture in the parent process,
 * removed with everything in it even when a test fails in its child process. */
static char base_dir[64];
/* Per-test directory and database path, inside base_dir. */
static char test_dir[128];
static char db_path[192];
static struct store *st;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	chmod(path, 0700);
	return remove(path);
}

static void rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void base_setup(void)
{
	snprintf(base_dir, sizeof base_dir, "/tmp/vigie-test-store-XXXXXX");
	if (!mkdtemp(base_dir))
		abort();
}

static void base_teardown(void)
{
	rm_tree(base_dir);
}

/* Checked fixture: a fresh directory and path, no database yet. */
static void dir_setup(void)
{
	snprintf(test_dir, sizeof test_dir, "%s/t-XXXXXX", base_dir);
	ck_assert_ptr_nonnull(mkdtemp(test_dir));
	snprintf(db_path, sizeof db_path, "%s/cabinet.db", test_dir);
	st = NULL;
}

static void dir_teardown(void)
{
	store_close(st);
	st = NULL;
	rm_tree(test_dir);
}

/* Checked fixture: a created database open in st. */
static void db_setup(void)
{
	char err[256];

	dir_setup();
	ck_assert_int_eq(store_open(db_path, STORE_OPEN_CREATE, &st, err, sizeof err), 0);
	ck_assert_ptr_nonnull(st);
}

static int file_exists(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0;
}

/* Whole file in a malloc'd buffer. */
static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t cap = 0, n = 0, r;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		r = fread(buf + n, 1, cap - n, f);
		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	*len = n;
	return buf;
}

static void assert_file_is(const char *path, const unsigned char *bytes, size_t len)
{
	size_t n;
	unsigned char *now = slurp(path, &n);

	ck_assert_uint_eq(n, len);
	ck_assert_msg(memcmp(now, bytes, len) == 0, "%s was modified", path);
	free(now);
}

/* Run SQL on a file through a plain SQLite connection (no Vigie code involved). */
static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
					 NULL), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK, "%s: %s", sql,
		      msg ? msg : "?");
	sqlite3_close(db);
}

/* First column of the first row of sql on db, as an integer (-999 if no row). */
static long long q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *s;
	long long v = -999;

	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK, "%s: %s", sql,
		      sqlite3_errmsg(db));
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return v;
}

/* Same for text, copied into buf ("<null>" for NULL, "<norow>" when no row). */
static const char *q_text(sqlite3 *db, const char *sql, char *buf, size_t size)
{
	sqlite3_stmt *s;

	ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK, "%s: %s", sql,
		      sqlite3_errmsg(db));
	if (sqlite3_step(s) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 0);
		snprintf(buf, size, "%s", t ? (const char *)t : "<null>");
	} else {
		snprintf(buf, size, "<norow>");
	}
	sqlite3_finalize(s);
	return buf;
}

static long long audit_count(const char *action)
{
	char sql[160];

	snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE action = '%s'", action);
	return q_int(st->db, sql);
}

static void fill(struct patient *p, const char *birth, const char *used, const char *first,
		 const char *sex, const char *date)
{
	patient_init(p);
	snprintf(p->birth_name, sizeof p->birth_name, "%s", birth);
	snprintf(p->used_name, sizeof p->used_name, "%s", used);
	snprintf(p->first_name, sizeof p->first_name, "%s", first);
	snprintf(p->birth_first_names, sizeof p->birth_first_names, "%s", first);
	snprintf(p->sex, sizeof p->sex, "%s", sex);
	snprintf(p->birth_date, sizeof p->birth_date, "%s", date);
}

static long long add_patient(const char *birth, const char *used, const char *first,
			     const char *sex, const char *date, const char *nir)
{
	struct patient p;

	fill(&p, birth, used, first, sex, date);
	snprintf(p.nir, sizeof p.nir, "%s", nir);
	ck_assert_msg(patient_insert(st, &p) == 0, "insert %s: %s", birth, st->err);
	patient_clear(&p);
	return p.id;
}

static void add_user(const char *login)
{
	struct user u = { .role = "secretaire", .last_name = "DOE", .first_name = "Jane" };

	snprintf(u.login, sizeof u.login, "%s", login);
	ck_assert_int_eq(user_insert(st, &u), 0);
	ck_assert_int_gt(u.id, 0);
	ck_assert_int_eq(store_set_user(st, login), 0);
	ck_assert_int_eq(st->user_id, u.id);
	ck_assert_str_eq(st->who, login);
}

/* ---------------------------------------------------------------- opening */

START_TEST(open_create_migrates)
{
	char err[256] = "", buf[64];
	sqlite3 *db;

	ck_assert_int_gt(store_schema_version_known(), 0);
	ck_assert_int_eq(store_open(db_path, STORE_OPEN_CREATE, &st, err, sizeof err), 0);
	ck_assert_ptr_nonnull(st);
	ck_assert(file_exists(db_path));
	ck_assert_int_eq(st->readonly, 0);
	ck_assert_str_eq(st->who, "inconnu");
	ck_assert_int_eq(store_schema_version(st), store_schema_version_known());
	ck_assert_str_eq(q_text(st->db, "PRAGMA journal_mode", buf, sizeof buf), "wal");
	ck_assert_int_eq(q_int(st->db, "PRAGMA foreign_keys"), 1);
	ck_assert_int_eq(q_int(st->db, "PRAGMA application_id"), VIGIE_APPLICATION_ID);
	ck_assert_int_eq(q_int(st->db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
				       " AND name IN ('cabinet', 'users', 'patients', 'patient_terms',"
				       " 'patient_recent', 'audit')"), 6);
	ck_assert_int_eq(patient_count(st), 0);
	store_close(st);
	st = NULL;

	/* What was written is in the file, as seen by plain SQLite. */
	ck_assert_int_eq(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(q_int(db, "PRAGMA application_id"), VIGIE_APPLICATION_ID);
	ck_assert_int_eq(q_int(db, "PRAGMA user_version"), store_schema_version_known());
	ck_assert_str_eq(q_text(db, "PRAGMA journal_mode", buf, sizeof buf), "wal");
	sqlite3_close(db);
}
END_TEST

START_TEST(open_reopen_idempotent)
{
	char err[256];
	long long objects, id;

	ck_assert_int_eq(store_open(db_path, STORE_OPEN_CREATE, &st, err, sizeof err), 0);
	id = add_patient("DURAND", "", "Pierre", "M", "1962-01-20", "");
	objects = q_int(st->db, "SELECT count(*) FROM sqlite_schema");
	store_close(st);
	st = NULL;

	for (int i = 0; i < 2; i++) {
		struct patient p;

		/* With or without CREATE, an existing base opens as is. */
		ck_assert_int_eq(store_open(db_path, i ? 0 : STORE_OPEN_CREATE, &st, err, sizeof err),
				 0);
		ck_assert_int_eq(store_schema_version(st), store_schema_version_known());
		ck_assert_int_eq(q_int(st->db, "SELECT count(*) FROM sqlite_schema"), objects);
		ck_assert_int_eq(patient_count(st), 1);
		patient_init(&p);
		ck_assert_int_eq(patient_get(st, id, &p), 0);
		ck_assert_str_eq(p.birth_name, "DURAND");
		patient_clear(&p);
		store_close(st);
		st = NULL;
	}
}
END_TEST

START_TEST(open_missing)
{
	char err[256] = "";
	struct store *out = (struct store *)&err; /* any non-NULL value: must be reset */

	ck_assert_int_eq(store_open(db_path, 0, &out, err, sizeof err), STORE_ERR_MISSING);
	ck_assert_ptr_null(out);
	ck_assert_ptr_nonnull(strstr(err, "introuvable"));
	ck_assert(!file_exists(db_path));
	ck_assert_int_eq(store_open("", STORE_OPEN_CREATE, &st, err, sizeof err),
			 STORE_ERR_MISSING);
	ck_assert_ptr_null(st);
	/* A directory is not a base. */
	ck_assert_int_eq(store_open(test_dir, STORE_OPEN_CREATE, &st, err, sizeof err),
			 STORE_ERR_NOTADB);
	ck_assert_ptr_null(st);
}
END_TEST

START_TEST(open_random_bytes_notadb)
{
	unsigned char bytes[8192];
	unsigned state = 12345;
	char err[256] = "", side[256];
	FILE *f;

	for (size_t i = 0; i < sizeof bytes; i++) {
		state = state * 1103515245u + 12345u;
		bytes[i] = (unsigned char)(state >> 16);
	}
	f = fopen(db_path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(bytes, 1, sizeof bytes, f), sizeof bytes);
	fclose(f);

	for (int flags = 0; flags <= STORE_OPEN_CREATE; flags += STORE_OPEN_CREATE) {
		ck_assert_int_eq(store_open(db_path, flags, &st, err, sizeof err), STORE_ERR_NOTADB);
		ck_assert_ptr_null(st);
		ck_assert_msg(strstr(err, "pas une base Vigie") != NULL, "message: %s", err);
		assert_file_is(db_path, bytes, sizeof bytes);
	}
	snprintf(side, sizeof side, "%s-wal", db_path);
	ck_assert(!file_exists(side));
	snprintf(side, sizeof side, "%s-journal", db_path);
	ck_assert(!file_exists(side));
}
END_TEST

START_TEST(open_foreign_db)
{
	char err[256] = "", side[256];
	unsigned char *before;
	size_t len;

	raw_exec(db_path, "CREATE TABLE foo (a INTEGER, b TEXT); INSERT INTO foo VALUES (1, 'x');");
	before = slurp(db_path, &len);
	ck_assert_int_gt(len, 0);

	ck_assert_int_eq(store_open(db_path, STORE_OPEN_CREATE, &st, err, sizeof err),
			 STORE_ERR_FOREIGN);
	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(err, "autre logiciel") != NULL, "message: %s", err);
	ck_assert_int_eq(store_open(db_path, 0, &st, err, sizeof err), STORE_ERR_FOREIGN);
	assert_file_is(db_path, before, len);
	snprintf(side, sizeof side, "%s-wal", db_path);
	ck_assert(!file_exists(side));
	free(before);

	/* Still the other application's data, still in its journal mode. */
	{
		sqlite3 *db;
		char buf[32];

		ck_assert_int_eq(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
		ck_assert_int_eq(q_int(db, "SELECT count(*) FROM foo"), 1);
		ck_assert_int_eq(q_int(db, "PRAGMA user_version"), 0);
		ck_assert_str_eq(q_text(db, "PRAGMA journal_mode", buf, sizeof buf), "delete");
		sqlite3_close(db);
	}
}
END_TEST

/* An SQLite file stamped with another application's application_id belongs to that
 * application even before it holds any table. */
START_TEST(open_foreign_application_id)
{
	char err[256] = "";
	unsigned char *before;
	size_t len;

	raw_exec(db_path, "PRAGMA application_id = 305419896"); /* 0x12345678 */
	before = slurp(db_path, &len);
	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(store_open(db_path, STORE_OPEN_CREATE, &st, err, sizeof err),
			 STORE_ERR_FOREIGN);
	ck_assert_ptr_null(st);
	assert_file_is(db_path, before, len);
	free(before);
}
END_TEST

START_TEST(open_newer_schema)
{
	char err[256] = "", sql[64];
	unsigned char *before;
	size_t len;

	ck_assert_int_eq(store_open(db_path, STORE_OPEN_CREATE, &st, err, sizeof err), 0);
	store_close(st);
	st = NULL;
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", 99);
	raw_exec(db_path, sql);
	before = slurp(db_path, &len);

	ck_assert_int_eq(store_open(db_path, 0, &st, err, sizeof err), STORE_ERR_NEWER);
	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(err, "plus récente") != NULL, "message: %s", err);
	ck_assert_msg(strstr(err, "99") != NULL, "message: %s", err);
	ck_assert_int_eq(store_open(db_path, STORE_OPEN_READONLY, &st, err, sizeof err),
			 STORE_ERR_NEWER);
	ck_assert_ptr_null(st);
	assert_file_is(db_path, before, len);
	free(before);
}
END_TEST

START_TEST(open_readonly)
{
	char err[256] = "";
	struct patient p, q;
	long long id;
	int version;

	ck_assert_int_eq(store_open(db_path, STORE_OPEN_CREATE, &st, err, sizeof err), 0);
	id = add_patient("BERNARD", "", "Lucie", "F", "1988-09-09", "");
	store_close(st);
	st = NULL;
	ck_assert_int_eq(chmod(db_path, 0444), 0);

	/* root may write a 0444 file: then only the flag makes the store read-only. */
	ck_assert_int_eq(store_open(db_path, geteuid() == 0 ? STORE_OPEN_READONLY : 0, &st, err,
				    sizeof err), 0);
	ck_assert_int_eq(st->readonly, 1);
	ck_assert_int_eq(patient_count(st), 1);

	patient_init(&p);
	ck_assert_int_eq(patient_get(st, id, &p), 0);
	version = p.version;
	ck_assert_int_eq(store_begin(st), STORE_ERR_READONLY);
	ck_assert_ptr_nonnull(strstr(st->err, "lecture seule"));

	fill(&q, "PETIT", "", "Noël", "M", "2001-12-25");
	ck_assert_int_eq(patient_insert(st, &q), STORE_ERR_READONLY);
	ck_assert_int_eq(q.id, 0);
	snprintf(p.phone, sizeof p.phone, "0102030405");
	ck_assert_int_eq(patient_update(st, &p), STORE_ERR_READONLY);
	ck_assert_int_eq(p.version, version);
	ck_assert_int_eq(patient_add_note(st, id, "note"), STORE_ERR_READONLY);
	ck_assert_int_eq(patient_count(st), 1);
	patient_clear(&p);
	store_close(st);
	st = NULL;

	/* Nothing reached the file. */
	ck_assert_int_eq(chmod(db_path, 0644), 0);
	ck_assert_int_eq(store_open(db_path, 0, &st, err, sizeof err), 0);
	ck_assert_int_eq(patient_count(st), 1);
	patient_init(&p);
	ck_assert_int_eq(patient_get(st, id, &p), 0);
	ck_assert_str_eq(p.phone, "");
	ck_assert_str_eq(p.notes, "");
	ck_assert_int_eq(p.version, version);
	patient_clear(&p);
	ck_assert_int_eq(audit_count("patient.create"), 1);
	ck_assert_int_eq(q_int(st->db, "SELECT count(*) FROM audit"), 1);
}
END_TEST

/* A read-only store cannot bring an empty file up to the schema. */
START_TEST(open_readonly_needs_migration)
{
	char err[256] = "";
	sqlite3 *raw;
	struct stat before, after;

	/* A Vigie file whose schema was never applied (application_id only). */
	ck_assert_int_eq(sqlite3_open(db_path, &raw), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(raw, "PRAGMA application_id = 1447642953", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(raw);
	ck_assert_int_eq(stat(db_path, &before), 0);
	ck_assert_int_eq(store_open(db_path, STORE_OPEN_READONLY, &st, err, sizeof err),
			 STORE_ERR_READONLY);
	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(err, "lecture seule") != NULL, "message: %s", err);
	ck_assert_int_eq(stat(db_path, &after), 0);
	ck_assert_int_eq(after.st_size, before.st_size);
	ck_assert_int_eq(after.st_mtime, before.st_mtime);
}
END_TEST

START_TEST(open_empty_file_refused)
{
	char err[256] = "";
	struct stat sb;
	int fd = open(db_path, O_CREAT | O_WRONLY, 0644);

	ck_assert_int_ge(fd, 0);
	close(fd);
	ck_assert_int_eq(store_open(db_path, 0, &st, err, sizeof err), STORE_ERR_NOTADB);
	ck_assert_ptr_null(st);
	ck_assert_msg(strstr(err, "est vide") != NULL, "message: %s", err);
	ck_assert_int_eq(stat(db_path, &sb), 0);
	ck_assert_int_eq(sb.st_size, 0);
}
END_TEST

/* ---------------------------------------------------------------- patients */

static void sample(struct patient *p)
{
	fill(p, "LEFÈVRE", "", "Chloé", "F", "1980-05-14");
	snprintf(p->birth_first_names, sizeof p->birth_first_names, "Chloé Anne");
	snprintf(p->used_first_name, sizeof p->used_first_name, "Chloé");
	snprintf(p->birth_cog, sizeof p->birth_cog, "63113");
	snprintf(p->nir, sizeof p->nir, "280056311300186");
	p->id_status = ID_PROVISOIRE;
	p->id_attrs = ID_ATTR_HOMONYME;
	snprintf(p->phone, sizeof p->phone, "0473000000");
	snprintf(p->mobile, sizeof p->mobile, "0600000000");
	snprintf(p->email, sizeof p->email, "chloe@example.org");
	snprintf(p->address, sizeof p->address, "3 place de Jaude");
	snprintf(p->postal_code, sizeof p->postal_code, "63000");
	snprintf(p->city, sizeof p->city, "Clermont-Ferrand");
}

START_TEST(patient_insert_get)
{
	struct patient p, g;
	char buf[512], sql[256];

	add_user("jdoe");
	sample(&p);
	ck_assert_int_eq(patient_insert(st, &p), 0);
	ck_assert_int_gt(p.id, 0);
	ck_assert_int_eq(p.version, 1);
	ck_assert_int_eq(strlen(p.created_at), 20);
	ck_assert_str_eq(p.created_at, p.updated_at);
	ck_assert_int_eq(patient_count(st), 1);

	patient_init(&g);
	ck_assert_int_eq(patient_get(st, p.id, &g), 0);
	ck_assert_int_eq(g.id, p.id);
	ck_assert_str_eq(g.birth_name, "LEFÈVRE");
	ck_assert_str_eq(g.used_name, "");
	ck_assert_str_eq(g.first_name, "Chloé");
	ck_assert_str_eq(g.birth_first_names, "Chloé Anne");
	ck_assert_str_eq(g.used_first_name, "Chloé");
	ck_assert_str_eq(g.sex, "F");
	ck_assert_str_eq(g.birth_date, "1980-05-14");
	ck_assert_str_eq(g.birth_cog, "63113");
	ck_assert_str_eq(g.nir, "280056311300186");
	ck_assert_str_eq(g.ins_matricule, "");
	ck_assert_int_eq(g.id_status, ID_PROVISOIRE);
	ck_assert_uint_eq(g.id_attrs, ID_ATTR_HOMONYME);
	ck_assert_str_eq(g.phone, "0473000000");
	ck_assert_str_eq(g.mobile, "0600000000");
	ck_assert_str_eq(g.email, "chloe@example.org");
	ck_assert_str_eq(g.address, "3 place de Jaude");
	ck_assert_str_eq(g.postal_code, "63000");
	ck_assert_str_eq(g.city, "Clermont-Ferrand");
	ck_assert_ptr_nonnull(g.notes);
	ck_assert_str_eq(g.notes, "");
	ck_assert_str_eq(g.created_at, p.created_at);
	ck_assert_str_eq(g.updated_at, p.updated_at);
	ck_assert_int_eq(g.version, 1);
	patient_clear(&g);
	ck_assert_ptr_null(g.notes);

	/* One audit row, by the current user, with the traits in JSON. */
	ck_assert_int_eq(audit_count("patient.create"), 1);
	snprintf(sql, sizeof sql,
		 "SELECT count(*) FROM audit WHERE action = 'patient.create' AND entity = 'patient'"
		 " AND entity_id = %lld AND who = 'jdoe' AND user_id = %lld AND before IS NULL"
		 " AND json_valid(after)", p.id, st->user_id);
	ck_assert_int_eq(q_int(st->db, sql), 1);
	ck_assert_str_eq(q_text(st->db, "SELECT json_extract(after, '$.nom_naissance') FROM audit"
				" WHERE action = 'patient.create'", buf, sizeof buf), "LEFÈVRE");
	ck_assert_str_eq(q_text(st->db, "SELECT json_extract(after, '$.telephone') FROM audit"
				" WHERE action = 'patient.create'", buf, sizeof buf), "0473000000");
	ck_assert_str_eq(q_text(st->db, "SELECT json_extract(after, '$.attributs') FROM audit"
				" WHERE action = 'patient.create'", buf, sizeof buf), "homonyme");
	/* Empty fields are left out. */
	ck_assert_int_eq(q_int(st->db, "SELECT json_type(after, '$.nom_utilise') IS NULL FROM audit"
				       " WHERE action = 'patient.create'"), 1);

	patient_init(&g);
	ck_assert_int_eq(patient_get(st, p.id + 100, &g), STORE_ERR_NOTFOUND);
	patient_clear(&g);
}
END_TEST

START_TEST(patient_insert_invalid)
{
	struct patient p;

	/* douteuse is only for a provisoire identity */
	sample(&p);
	p.id_status = ID_QUALIFIEE;
	p.id_attrs = ID_ATTR_DOUTEUSE;
	ck_assert_int_eq(patient_insert(st, &p), STORE_ERR_INVALID);
	ck_assert_int_eq(p.id, 0);
	ck_assert_str_ne(st->err, "");

	/* douteuse and fictive together */
	sample(&p);
	p.id_attrs = ID_ATTR_DOUTEUSE | ID_ATTR_FICTIVE;
	ck_assert_int_eq(patient_insert(st, &p), STORE_ERR_INVALID);

	/* required traits */
	sample(&p);
	p.birth_name[0] = '\0';
	ck_assert_int_eq(patient_insert(st, &p), STORE_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(st->err, "obligatoires"));
	sample(&p);
	p.first_name[0] = '\0';
	ck_assert_int_eq(patient_insert(st, &p), STORE_ERR_INVALID);
	sample(&p);
	snprintf(p.sex, sizeof p.sex, "X");
	ck_assert_int_eq(patient_insert(st, &p), STORE_ERR_INVALID);
	sample(&p);
	p.birth_date[0] = '\0';
	ck_assert_int_eq(patient_insert(st, &p), STORE_ERR_INVALID);

	/* Refused by the schema itself (INS matricule on a provisoire identity): rolled back. */
	sample(&p);
	snprintf(p.ins_matricule, sizeof p.ins_matricule, "280056311300186");
	ck_assert_int_eq(patient_insert(st, &p), STORE_ERR_INVALID);

	ck_assert_int_eq(patient_count(st), 0);
	ck_assert_int_eq(q_int(st->db, "SELECT count(*) FROM audit"), 0);
	ck_assert_int_eq(q_int(st->db, "SELECT count(*) FROM patient_terms"), 0);
	ck_assert_int_eq(sqlite3_get_autocommit(st->db), 1);
}
END_TEST

START_TEST(patient_update_audit)
{
	struct patient p, g;
	char buf[512], sql[200];
	long long id;

	add_user("jdoe");
	sample(&p);
	snprintf(p.phone, sizeof p.phone, "old");
	ck_assert_int_eq(patient_insert(st, &p), 0);
	id = p.id;

	snprintf(p.phone, sizeof p.phone, "new");
	ck_assert_int_eq(patient_update(st, &p), 0);
	ck_assert_int_eq(p.version, 2);
	ck_assert_int_eq(audit_count("patient.update"), 1);
	ck_assert_str_eq(q_text(st->db, "SELECT before FROM audit WHERE action = 'patient.update'",
				buf, sizeof buf), "{\"telephone\":\"old\"}");
	ck_assert_str_eq(q_text(st->db, "SELECT after FROM audit WHERE action = 'patient.update'",
				buf, sizeof buf), "{\"telephone\":\"new\"}");
	snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE action = 'patient.update'"
		 " AND entity_id = %lld AND who = 'jdoe'", id);
	ck_assert_int_eq(q_int(st->db, sql), 1);

	patient_init(&g);
	ck_assert_int_eq(patient_get(st, id, &g), 0);
	ck_assert_str_eq(g.phone, "new");
	ck_assert_int_eq(g.version, 2);
	ck_assert_str_eq(g.updated_at, p.updated_at);
	patient_clear(&g);

	/* Changing the name moves the search index along. */
	snprintf(p.used_name, sizeof p.used_name, "GIRAUD");
	ck_assert_int_eq(patient_update(st, &p), 0);
	ck_assert_int_eq(p.version, 3);
	ck_assert_str_eq(q_text(st->db, "SELECT after FROM audit WHERE action = 'patient.update'"
				" ORDER BY id DESC LIMIT 1", buf, sizeof buf),
			 "{\"nom_utilise\":\"GIRAUD\"}");
	ck_assert_str_eq(q_text(st->db, "SELECT before FROM audit WHERE action = 'patient.update'"
				" ORDER BY id DESC LIMIT 1", buf, sizeof buf),
			 "{\"nom_utilise\":\"\"}");
	{
		struct patient_hits h = { 0 };
		ck_assert_int_eq(patient_search(st, "giraud", 10, &h), 0);
		ck_assert_uint_eq(h.n, 1);
		ck_assert_int_eq(h.v[0].id, id);
		ck_assert_str_eq(h.v[0].used_name, "GIRAUD");
		patient_hits_free(&h);
	}
	patient_clear(&p);
}
END_TEST

START_TEST(patient_update_conflict)
{
	struct patient a, b, g;
	long long audits;

	sample(&a);
	snprintf(a.phone, sizeof a.phone, "old");
	ck_assert_int_eq(patient_insert(st, &a), 0);
	/* b: the same dossier as loaded on another workstation */
	patient_init(&b);
	ck_assert_int_eq(patient_get(st, a.id, &b), 0);
	ck_assert_int_eq(b.version, 1);

	snprintf(a.phone, sizeof a.phone, "new");
	ck_assert_int_eq(patient_update(st, &a), 0);
	ck_assert_int_eq(a.version, 2);
	audits = q_int(st->db, "SELECT count(*) FROM audit");

	snprintf(b.city, sizeof b.city, "Riom");
	ck_assert_int_eq(patient_update(st, &b), STORE_ERR_CONFLICT);
	ck_assert_int_eq(b.version, 1);
	ck_assert_ptr_nonnull(strstr(st->err, "modifié"));
	ck_assert_int_eq(q_int(st->db, "SELECT count(*) FROM audit"), audits);
	ck_assert_int_eq(sqlite3_get_autocommit(st->db), 1);

	patient_init(&g);
	ck_assert_int_eq(patient_get(st, a.id, &g), 0);
	ck_assert_int_eq(g.version, 2);
	ck_assert_str_eq(g.phone, "new");
	ck_assert_str_eq(g.city, "Clermont-Ferrand");
	patient_clear(&g);

	/* Unknown dossier */
	b.id = a.id + 1000;
	ck_assert_int_eq(patient_update(st, &b), STORE_ERR_NOTFOUND);

	/* Invalid change refused before anything is written */
	a.id_status = ID_QUALIFIEE;
	a.id_attrs = ID_ATTR_DOUTEUSE;
	ck_assert_int_eq(patient_update(st, &a), STORE_ERR_INVALID);
	ck_assert_int_eq(a.version, 2);
	ck_assert_int_eq(q_int(st->db, "SELECT count(*) FROM audit"), audits);
	patient_clear(&a);
	patient_clear(&b);
}
END_TEST

START_TEST(patient_update_unchanged)
{
	struct patient p, g;
	char updated[24];

	sample(&p);
	ck_assert_int_eq(patient_insert(st, &p), 0);
	snprintf(updated, sizeof updated, "%s", p.updated_at);
	/* As loaded from the base (notes "" instead of NULL): still nothing changed. */
	patient_init(&g);
	ck_assert_int_eq(patient_get(st, p.id, &g), 0);
	ck_assert_int_eq(patient_update(st, &g), 0);
	ck_assert_int_eq(g.version, 1);
	ck_assert_int_eq(patient_update(st, &p), 0);
	ck_assert_int_eq(p.version, 1);
	ck_assert_int_eq(audit_count("patient.update"), 0);
	ck_assert_int_eq(q_int(st->db, "SELECT version FROM patients"), 1);
	ck_assert_int_eq(sqlite3_get_autocommit(st->db), 1);
	patient_clear(&g);
	patient_init(&g);
	ck_assert_int_eq(patient_get(st, p.id, &g), 0);
	ck_assert_str_eq(g.updated_at, updated);
	patient_clear(&g);
	patient_clear(&p);
}
END_TEST

/* "AAAA-MM-JJ HH:MM login : text" */
static void assert_note_line(const char *line, size_t len, const char *login, const char *text)
{
	char expect[256];
	int y, mo, d, h, mi, n = 0;

	ck_assert_msg(sscanf(line, "%4d-%2d-%2d %2d:%2d%n", &y, &mo, &d, &h, &mi, &n) == 5 &&
		      n == 16, "bad stamp in « %.*s »", (int)len, line);
	ck_assert_int_ge(y, 2024);
	ck_assert(mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59);
	ck_assert(line[4] == '-' && line[7] == '-' && line[10] == ' ' && line[13] == ':');
	snprintf(expect, sizeof expect, " %s : %s", login, text);
	ck_assert_uint_eq(len - 16, strlen(expect));
	ck_assert_msg(memcmp(line + 16, expect, len - 16) == 0, "note « %.*s »", (int)len, line);
}

START_TEST(patient_notes)
{
	struct patient p, g;
	const char *nl;
	char sql[200], buf[300];

	add_user("jdoe");
	sample(&p);
	ck_assert_int_eq(patient_insert(st, &p), 0);

	ck_assert_int_eq(patient_add_note(st, p.id, "Premier appel, rappeler lundi"), 0);
	ck_assert_int_eq(patient_add_note(st, p.id, "Résultats reçus"), 0);

	patient_init(&g);
	ck_assert_int_eq(patient_get(st, p.id, &g), 0);
	/* Appending notes does not make an open edit form conflict. */
	ck_assert_int_eq(g.version, 1);
	nl = strchr(g.notes, '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_ptr_null(strchr(nl + 1, '\n'));
	assert_note_line(g.notes, (size_t)(nl - g.notes), "jdoe", "Premier appel, rappeler lundi");
	assert_note_line(nl + 1, strlen(nl + 1), "jdoe", "Résultats reçus");
	/* An update from a form loaded before the notes keeps them and succeeds. */
	snprintf(p.phone, sizeof p.phone, "04 65 71 00 00");
	ck_assert_int_eq(patient_update(st, &p), 0);
	patient_clear(&g);
	patient_init(&g);
	ck_assert_int_eq(patient_get(st, p.id, &g), 0);
	ck_assert_ptr_nonnull(strstr(g.notes, "Résultats reçus"));
	ck_assert_str_eq(g.phone, "04 65 71 00 00");

	ck_assert_int_eq(audit_count("patient.note"), 2);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM audit WHERE action = 'patient.note' AND"
		 " entity_id = %lld AND who = 'jdoe' AND after LIKE '%%Résultats reçus%%'", p.id);
	ck_assert_int_eq(q_int(st->db, sql), 1);

	/* Refused: empty, NULL, multi-line, unknown dossier. Nothing changes. */
	ck_assert_int_eq(patient_add_note(st, p.id, ""), STORE_ERR_INVALID);
	ck_assert_int_eq(patient_add_note(st, p.id, NULL), STORE_ERR_INVALID);
	ck_assert_int_eq(patient_add_note(st, p.id, "deux\nlignes"), STORE_ERR_INVALID);
	ck_assert_int_eq(patient_add_note(st, p.id + 50, "perdu"), STORE_ERR_NOTFOUND);
	ck_assert_int_eq(audit_count("patient.note"), 2);
	ck_assert_int_eq(sqlite3_get_autocommit(st->db), 1);
	snprintf(sql, sizeof sql, "SELECT notes FROM patients WHERE id = %lld", p.id);
	ck_assert_str_eq(q_text(st->db, sql, buf, sizeof buf), g.notes);
	ck_assert_int_eq(q_int(st->db, "SELECT version FROM patients"), 2);

	/* A dossier loaded before another session's update is stale: refused, row unchanged. */
	p.version = 1;
	snprintf(p.phone, sizeof p.phone, "0101010101");
	ck_assert_int_eq(patient_update(st, &p), STORE_ERR_CONFLICT);
	ck_assert_str_eq(q_text(st->db, "SELECT phone FROM patients", buf, sizeof buf),
			 "04 65 71 00 00");
	patient_clear(&g);
	patient_clear(&p);
}
END_TEST

START_TEST(patient_store_guard)
{
	/* Whoever calls the store, malformed identities are refused and nothing is written. */
	struct patient p;

	sample(&p);
	snprintf(p.birth_date, sizeof p.birth_date, "1980-02-30");
	ck_assert_int_eq(patient_insert(st, &p), STORE_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(st->err, "Date de naissance invalide"));
	sample(&p);
	snprintf(p.nir, sizeof p.nir, "280056311300123");
	ck_assert_int_eq(patient_insert(st, &p), STORE_ERR_INVALID);
	sample(&p);
	snprintf(p.birth_cog, sizeof p.birth_cog, "2C004");
	ck_assert_int_eq(patient_insert(st, &p), STORE_ERR_INVALID);
	sample(&p);
	snprintf(p.validation_mode, sizeof p.validation_mode, "CN");   /* still provisoire */
	ck_assert_int_eq(patient_insert(st, &p), STORE_ERR_INVALID);
	sample(&p);
	p.id_status = ID_QUALIFIEE;                                     /* no INS, no document */
	ck_assert_int_eq(patient_insert(st, &p), STORE_ERR_INVALID);
	ck_assert_int_eq(q_int(st->db, "SELECT count(*) FROM patients"), 0);
	ck_assert_int_eq(q_int(st->db, "SELECT count(*) FROM audit"), 0);
	sample(&p);
	ck_assert_int_eq(patient_insert(st, &p), 0);
	patient_clear(&p);
}
END_TEST

/* audit.h: "before/after are JSON texts or NULL" — for every kind of row. */
START_TEST(audit_rows_are_json)
{
	struct patient p;

	add_user("jdoe");
	sample(&p);
	ck_assert_int_eq(patient_insert(st, &p), 0);
	snprintf(p.phone, sizeof p.phone, "0999999999");
	ck_assert_int_eq(patient_update(st, &p), 0);
	ck_assert_int_eq(patient_add_note(st, p.id, "Note simple"), 0);
	ck_assert_int_eq(cabinet_set(st, "Cabinet du Port", "", "1 quai"), 0);
	ck_assert_int_eq(q_int(st->db, "SELECT count(*) FROM audit"), 5);
	ck_assert_int_eq(q_int(st->db, "SELECT count(*) FROM audit WHERE"
				       " (before IS NOT NULL AND NOT json_valid(before)) OR"
				       " (after IS NOT NULL AND NOT json_valid(after))"), 0);
	patient_clear(&p);
}
END_TEST

START_TEST(audit_write_direct)
{
	char buf[128];

	/* Outside a transaction it still writes one row (autocommit). */
	ck_assert_int_eq(audit_write(st, "test.action", "patient", 0, NULL, "{\"a\":1}", "détail"),
			 0);
	ck_assert_int_eq(audit_count("test.action"), 1);
	ck_assert_int_eq(q_int(st->db, "SELECT entity_id IS NULL AND user_id IS NULL AND before"
				       " IS NULL FROM audit"), 1);
	ck_assert_str_eq(q_text(st->db, "SELECT who FROM audit", buf, sizeof buf), "inconnu");
	ck_assert_str_eq(q_text(st->db, "SELECT detail FROM audit", buf, sizeof buf), "détail");
	/* In a rolled back transaction it disappears with the change. */
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(audit_write(st, "test.action", "patient", 5, NULL, NULL, NULL), 0);
	store_rollback(st);
	ck_assert_int_eq(audit_count("test.action"), 1);
}
END_TEST

/* ---------------------------------------------------------------- search */

static long long id_lefevre, id_fontaine, id_fontaine2, id_adrun, id_adrtrois, id_married,
	id_durand, id_garcon, id_moreau, id_petit;

static void search_setup(void)
{
	db_setup();
	add_user("jdoe");
	id_lefevre = add_patient("LEFÈVRE", "", "Chloé", "F", "1980-05-14", "");
	id_fontaine = add_patient("DE LA FONTAINE", "", "Jean", "M", "1950-03-02", "");
	id_fontaine2 = add_patient("FONTAINE", "", "Paul", "M", "1955-08-08", "");
	id_adrun = add_patient("ADRUN", "", "Zoé", "F", "1975-12-31", "275126322074974");
	id_adrtrois = add_patient("ADRTROIS", "", "Dominique", "F", "1997-02-26", "");
	id_married = add_patient("MARTIN", "DUPONT", "Marie", "F", "1970-06-15", "");
	id_durand = add_patient("DURAND", "", "Pierre", "M", "1962-01-20", "");
	id_garcon = add_patient("GARÇON", "", "Françoise", "F", "1933-11-11", "");
	id_moreau = add_patient("MOREAU", "", "Étienne", "M", "1945-07-04", "");
	id_petit = add_patient("PETIT", "", "Noël", "M", "2001-12-25", "");
}

/* Search and compare the ids, in order. */
static void expect_hits(const char *query, size_t limit, int truncated, size_t n, ...)
{
	struct patient_hits h = { 0 };
	va_list ap;

	ck_assert_msg(patient_search(st, query, limit, &h) == 0, "search « %s »: %s", query,
		      st->err);
	ck_assert_msg(h.n == n, "search « %s »: %zu hits, expected %zu", query, h.n, n);
	ck_assert_msg(h.truncated == truncated, "search « %s »: truncated %d", query, h.truncated);
	va_start(ap, n);
	for (size_t i = 0; i < n; i++) {
		long long id = va_arg(ap, long long);
		ck_assert_msg(h.v[i].id == id, "search « %s »: hit %zu is %lld (%s), expected %lld",
			      query, i, h.v[i].id, h.v[i].birth_name, id);
	}
	va_end(ap);
	patient_hits_free(&h);
}

START_TEST(search_names)
{
	struct patient_hits h = { 0 };

	/* Prefix, sorted by sort key: ADRTROIS before ADRUN */
	expect_hits("adr", 50, 0, 2, id_adrtrois, id_adrun);
	expect_hits("ADR", 50, 0, 2, id_adrtrois, id_adrun);
	expect_hits("adru", 50, 0, 1, id_adrun);
	/* Accents and case ignored, in the query and in the names */
	expect_hits("lefevre", 50, 0, 1, id_lefevre);
	expect_hits("LEFÈV", 50, 0, 1, id_lefevre);
	expect_hits("lefèvre", 50, 0, 1, id_lefevre);
	expect_hits("chloe", 50, 0, 1, id_lefevre);
	expect_hits("Chloé", 50, 0, 1, id_lefevre);
	expect_hits("garcon", 50, 0, 1, id_garcon);
	expect_hits("francoise", 50, 0, 1, id_garcon);
	expect_hits("etienne", 50, 0, 1, id_moreau);
	expect_hits("noel", 50, 0, 1, id_petit);
	/* Used and birth names both match */
	expect_hits("dupont", 50, 0, 1, id_married);
	expect_hits("martin", 50, 0, 1, id_married);
	expect_hits("dupont marie", 50, 0, 1, id_married);
	/* Every word of a compound name is a start; every token must match */
	expect_hits("fontaine", 50, 0, 2, id_fontaine, id_fontaine2);
	expect_hits("fontaine jean", 50, 0, 1, id_fontaine);
	expect_hits("jean fontaine", 50, 0, 1, id_fontaine);
	expect_hits("de la fontaine", 50, 0, 1, id_fontaine);
	expect_hits("fontaine pierre", 50, 0, 0);
	/* Start of a word only, not the middle */
	expect_hits("ontaine", 50, 0, 0);
	expect_hits("zzz", 50, 0, 0);

	/* The hit carries what a list line needs. */
	ck_assert_int_eq(patient_search(st, "dupont", 50, &h), 0);
	ck_assert_uint_eq(h.n, 1);
	ck_assert_str_eq(h.v[0].birth_name, "MARTIN");
	ck_assert_str_eq(h.v[0].used_name, "DUPONT");
	ck_assert_str_eq(h.v[0].first_name, "Marie");
	ck_assert_str_eq(h.v[0].sex, "F");
	ck_assert_str_eq(h.v[0].birth_date, "1970-06-15");
	ck_assert_int_eq(h.v[0].id_status, ID_PROVISOIRE);
	ck_assert_uint_eq(h.v[0].id_attrs, 0);
	patient_hits_free(&h);
}
END_TEST

START_TEST(search_dates_and_nir)
{
	expect_hits("31/12/1975", 50, 0, 1, id_adrun);
	expect_hits("12/1975", 50, 0, 1, id_adrun);
	expect_hits("1975", 50, 0, 1, id_adrun);
	expect_hits("31/12", 50, 0, 1, id_adrun);
	expect_hits("adrun 31/12/1975", 50, 0, 1, id_adrun);
	expect_hits("adrtrois 31/12/1975", 50, 0, 0);
	expect_hits("30/12/1975", 50, 0, 0);
	expect_hits("25/12", 50, 0, 1, id_petit);
	expect_hits("02/1997", 50, 0, 1, id_adrtrois);
	/* NIR prefix, spaces ignored */
	expect_hits("2 75 12", 50, 0, 1, id_adrun);
	expect_hits("27512", 50, 0, 1, id_adrun);
	expect_hits("275126322074974", 50, 0, 1, id_adrun);
	expect_hits("2 75 13", 50, 0, 0);
}
END_TEST

START_TEST(search_limit)
{
	expect_hits("adr", 1, 1, 1, id_adrtrois);
	expect_hits("adr", 2, 0, 2, id_adrtrois, id_adrun);
	/* Truncation keeps the first by sort key ("de la fontaine" < "fontaine") */
	expect_hits("fontaine", 1, 1, 1, id_fontaine);
}
END_TEST

START_TEST(search_recent)
{
	struct timespec pause = { 0, 5000000L }; /* opened_at has a millisecond resolution */

	/* Nothing opened yet */
	expect_hits("", 10, 0, 0);
	ck_assert_int_eq(patient_touch_opened(st, id_durand), 0);
	nanosleep(&pause, NULL);
	ck_assert_int_eq(patient_touch_opened(st, id_adrun), 0);
	nanosleep(&pause, NULL);
	ck_assert_int_eq(patient_touch_opened(st, id_lefevre), 0);
	expect_hits("", 10, 0, 3, id_lefevre, id_adrun, id_durand);
	expect_hits("  ", 10, 0, 3, id_lefevre, id_adrun, id_durand);
	expect_hits(NULL, 10, 0, 3, id_lefevre, id_adrun, id_durand);
	expect_hits("", 2, 1, 2, id_lefevre, id_adrun);

	/* Opening again moves it to the top (one row per patient) */
	nanosleep(&pause, NULL);
	ck_assert_int_eq(patient_touch_opened(st, id_durand), 0);
	expect_hits("", 10, 0, 3, id_durand, id_lefevre, id_adrun);
	ck_assert_int_eq(q_int(st->db, "SELECT count(*) FROM patient_recent"), 3);

	/* The list is per user */
	ck_assert_int_eq(store_set_user(st, "autre"), STORE_ERR_NOTFOUND);
	ck_assert_str_eq(st->who, "autre");
	expect_hits("", 10, 0, 0);
	ck_assert_int_eq(patient_touch_opened(st, id_garcon), 0);
	expect_hits("", 10, 0, 1, id_garcon);
	ck_assert_int_eq(store_set_user(st, "jdoe"), 0);
	expect_hits("", 10, 0, 3, id_durand, id_lefevre, id_adrun);
}
END_TEST

START_TEST(search_shared_words)
{
	/* Patients inserted one after the other share words: each keeps its own terms. */
	struct patient a, b;
	struct patient_hits h = { 0 };

	fill(&a, "VERNET", "", "Louis", "M", "1950-01-01");
	ck_assert_int_eq(patient_insert(st, &a), 0);
	fill(&b, "VERNET", "", "Louise", "F", "1950-01-01");
	ck_assert_int_eq(patient_insert(st, &b), 0);
	ck_assert_int_eq(patient_search(st, "vernet", 10, &h), 0);
	ck_assert_uint_eq(h.n, 2);
	ck_assert_int_eq(patient_search(st, "vernet 01/01/1950", 10, &h), 0);
	ck_assert_uint_eq(h.n, 2);
	ck_assert_int_eq(patient_search(st, "louise", 10, &h), 0);
	ck_assert_uint_eq(h.n, 1);
	ck_assert_int_eq(h.v[0].id, b.id);
	patient_hits_free(&h);
	patient_clear(&a);
	patient_clear(&b);
}
END_TEST

/* ---------------------------------------------------------------- demo data */

START_TEST(demo_load_once)
{
	struct patient_hits h = { 0 };
	struct user u;
	int count = -1, lines = 0;
	long long audits;

	/* Expected: every line of the embedded TSV but its header. */
	for (const char *c = store_demo_data[0].text; *c; c++)
		lines += *c == '\n';
	ck_assert_int_ge(lines - 1, 50);

	ck_assert_int_eq(demo_load(st, &count), 0);
	ck_assert_int_eq(count, lines - 1);
	ck_assert_int_eq(patient_count(st), count);
	ck_assert_int_eq(audit_count("patient.create"), count);
	ck_assert_int_eq(user_get_by_login(st, "jmartin", &u), 0);
	ck_assert_str_eq(u.role, "medecin");
	ck_assert_str_eq(u.rpps, "89900000001");
	ck_assert_int_eq(user_get_by_login(st, "secretariat", &u), 0);
	ck_assert_str_eq(u.role, "secretaire");

	ck_assert_int_eq(patient_search(st, "adrun zoe", 10, &h), 0);
	ck_assert_uint_eq(h.n, 1);
	ck_assert_str_eq(h.v[0].birth_name, "ADRUN");
	ck_assert_str_eq(h.v[0].first_name, "ZOE");
	ck_assert_str_eq(h.v[0].birth_date, "1975-12-31");
	patient_hits_free(&h);
	ck_assert_int_eq(patient_search(st, "adrtrois dominique", 10, &h), 0);
	ck_assert_uint_eq(h.n, 1);
	ck_assert_str_eq(h.v[0].birth_name, "ADRTROIS");
	ck_assert_str_eq(h.v[0].first_name, "DOMINIQUE");
	patient_hits_free(&h);

	/* Second load refused, nothing added */
	audits = q_int(st->db, "SELECT count(*) FROM audit");
	count = -1;
	ck_assert_int_eq(demo_load(st, &count), STORE_ERR_INVALID);
	ck_assert_int_eq(count, 0);
	ck_assert_ptr_nonnull(strstr(st->err, "déjà"));
	ck_assert_int_eq(patient_count(st), lines - 1);
	ck_assert_int_eq(q_int(st->db, "SELECT count(*) FROM audit"), audits);
	ck_assert_int_eq(q_int(st->db, "SELECT count(*) FROM users"), 2);
}
END_TEST

START_TEST(demo_load_refused_with_patients)
{
	int count = -1;

	add_patient("DURAND", "", "Pierre", "M", "1962-01-20", "");
	ck_assert_int_eq(demo_load(st, &count), STORE_ERR_INVALID);
	ck_assert_int_eq(count, 0);
	ck_assert_int_eq(patient_count(st), 1);
	ck_assert_int_eq(q_int(st->db, "SELECT count(*) FROM users"), 0);
}
END_TEST

/* ---------------------------------------------------------------- concurrency */

START_TEST(two_connections_wal)
{
	struct store *other = NULL;
	char err[256];
	struct patient p;

	add_patient("DURAND", "", "Pierre", "M", "1962-01-20", "");
	ck_assert_int_eq(store_open(db_path, 0, &other, err, sizeof err), 0);
	ck_assert_int_eq(patient_count(other), 1);

	/* Writer inside a transaction: the reader keeps seeing the committed state. */
	ck_assert_int_eq(store_begin(st), 0);
	fill(&p, "PETIT", "", "Noël", "M", "2001-12-25");
	ck_assert_int_eq(patient_insert(st, &p), 0);
	ck_assert_int_eq(sqlite3_get_autocommit(st->db), 0); /* joined the caller's transaction */
	ck_assert_int_eq(patient_count(st), 2);
	ck_assert_int_eq(patient_count(other), 1);
	{
		struct patient_hits h = { 0 };
		ck_assert_int_eq(patient_search(other, "petit", 10, &h), 0);
		ck_assert_uint_eq(h.n, 0);
		patient_hits_free(&h);
	}

	/* A second writer gives up with BUSY once its timeout runs out. */
	sqlite3_busy_timeout(other->db, 100);
	ck_assert_int_eq(store_begin(other), STORE_ERR_BUSY);
	ck_assert_ptr_nonnull(strstr(other->err, "occupée"));

	ck_assert_int_eq(store_commit(st), 0);
	ck_assert_int_eq(patient_count(other), 2);
	{
		struct patient_hits h = { 0 };
		ck_assert_int_eq(patient_search(other, "petit", 10, &h), 0);
		ck_assert_uint_eq(h.n, 1);
		ck_assert_int_eq(h.v[0].id, p.id);
		patient_hits_free(&h);
	}

	/* A rolled back insert leaves nothing behind. */
	ck_assert_int_eq(store_begin(st), 0);
	fill(&p, "MOREAU", "", "Étienne", "M", "1945-07-04");
	ck_assert_int_eq(patient_insert(st, &p), 0);
	store_rollback(st);
	ck_assert_int_eq(patient_count(st), 2);
	ck_assert_int_eq(patient_count(other), 2);
	ck_assert_int_eq(audit_count("patient.create"), 2);

	/* The other connection can write now. */
	ck_assert_int_eq(store_begin(other), 0);
	store_rollback(other);
	store_close(other);
}
END_TEST

/* ---------------------------------------------------------------- suite */

static Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc;

	tc = tcase_create("open");
	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, dir_setup, dir_teardown);
	tcase_add_test(tc, open_create_migrates);
	tcase_add_test(tc, open_reopen_idempotent);
	tcase_add_test(tc, open_missing);
	tcase_add_test(tc, open_random_bytes_notadb);
	tcase_add_test(tc, open_foreign_db);
	tcase_add_test(tc, open_foreign_application_id);
	tcase_add_test(tc, open_newer_schema);
	tcase_add_test(tc, open_readonly);
	tcase_add_test(tc, open_readonly_needs_migration);
	tcase_add_test(tc, open_empty_file_refused);
	suite_add_tcase(s, tc);

	tc = tcase_create("patients");
	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, db_setup, dir_teardown);
	tcase_add_test(tc, patient_insert_get);
	tcase_add_test(tc, patient_insert_invalid);
	tcase_add_test(tc, patient_update_audit);
	tcase_add_test(tc, patient_update_conflict);
	tcase_add_test(tc, patient_update_unchanged);
	tcase_add_test(tc, patient_notes);
	tcase_add_test(tc, patient_store_guard);
	tcase_add_test(tc, audit_rows_are_json);
	tcase_add_test(tc, audit_write_direct);
	suite_add_tcase(s, tc);

	tc = tcase_create("search");
	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, search_setup, dir_teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, search_names);
	tcase_add_test(tc, search_dates_and_nir);
	tcase_add_test(tc, search_limit);
	tcase_add_test(tc, search_recent);
	tcase_add_test(tc, search_shared_words);
	suite_add_tcase(s, tc);

	tc = tcase_create("demo");
	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, db_setup, dir_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, demo_load_once);
	tcase_add_test(tc, demo_load_refused_with_patients);
	suite_add_tcase(s, tc);

	tc = tcase_create("concurrency");
	tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
	tcase_add_checked_fixture(tc, db_setup, dir_teardown);
	tcase_add_test(tc, two_connections_wal);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(store_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
