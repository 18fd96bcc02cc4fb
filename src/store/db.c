/* Store: opening a cabinet database, pragmas, migrations, errors, transactions. */
#include "store/db.h"
#include "store/embedded.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

static void set_err(char *buf, size_t size, const char *fmt, const char *a, const char *b)
{
	if (buf && size)
		snprintf(buf, size, fmt, a ? a : "", b ? b : "");
}

int store_schema_version_known(void)
{
	return (int)store_migrations_count;
}

/* SQLite reports a disk that filled up while mapping the -shm as an I/O error. */
static int disk_full(const struct store *st)
{
	char dir[4096];
	struct statvfs vfs;
	char *slash;

	snprintf(dir, sizeof dir, "%s", st->path[0] ? st->path : ".");
	slash = strrchr(dir, '/');
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	return statvfs(dir, &vfs) == 0 && (unsigned long long)vfs.f_bavail * vfs.f_frsize < 65536;
}

int store_fail(struct store *st, int rc, const char *what)
{
	const char *msg = sqlite3_errmsg(st->db);
	int prim = rc & 0xff;
	int code = STORE_ERR;

	if (prim == SQLITE_IOERR && disk_full(st))
		prim = SQLITE_FULL;

	switch (prim) {
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		code = STORE_ERR_NOTADB;
		snprintf(st->err, sizeof st->err,
			 "%s : base de données endommagée ou illisible (%s)", what, msg);
		break;
	case SQLITE_READONLY:
		code = STORE_ERR_READONLY;
		snprintf(st->err, sizeof st->err,
			 "%s : la base est en lecture seule, rien n'a été modifié", what);
		break;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		code = STORE_ERR_BUSY;
		snprintf(st->err, sizeof st->err,
			 "%s : la base est occupée par un autre poste, réessayez", what);
		break;
	case SQLITE_FULL:
		snprintf(st->err, sizeof st->err,
			 "%s : disque plein, rien n'a été enregistré (libérez de la place)", what);
		break;
	case SQLITE_IOERR:
		snprintf(st->err, sizeof st->err,
			 "%s : erreur d'entrée/sortie sur la base (%s)", what, msg);
		break;
	case SQLITE_CONSTRAINT:
		code = STORE_ERR_INVALID;
		snprintf(st->err, sizeof st->err,
			 "%s : données refusées par la base (%s)", what, msg);
		break;
	default:
		snprintf(st->err, sizeof st->err, "%s : erreur de la base (%s)", what, msg);
	}
	return code;
}

void store_now_utc(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int exec_simple(struct store *st, const char *sql, const char *what)
{
	int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : store_fail(st, rc, what);
}

int store_begin(struct store *st)
{
	if (st->readonly) {
		snprintf(st->err, sizeof st->err,
			 "La base est ouverte en lecture seule : modification impossible");
		return STORE_ERR_READONLY;
	}
	return exec_simple(st, "BEGIN IMMEDIATE", "Début de transaction");
}

int store_commit(struct store *st)
{
	int rc = exec_simple(st, "COMMIT", "Enregistrement");

	if (rc)
		store_rollback(st);
	return rc;
}

int store_write_begin(struct store *st, int *own)
{
	*own = sqlite3_get_autocommit(st->db);
	return *own ? store_begin(st) : 0;
}

int store_write_end(struct store *st, int own, int rc)
{
	if (!own)
		return rc;
	if (rc) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st);
}

int store_end_leaked_transaction(struct store *st)
{
	if (!st || sqlite3_get_autocommit(st->db))
		return 0;
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return 1;
}

void store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

static int pragma_int(struct store *st, const char *sql, int *out)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);

	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Lecture de la base");
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*out = sqlite3_column_int(s, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(s);
	return rc == SQLITE_OK || rc == SQLITE_DONE ? 0 : store_fail(st, rc, "Lecture de la base");
}

int store_schema_version(struct store *st)
{
	int v = -1;

	pragma_int(st, "PRAGMA user_version", &v);
	return v;
}

/* Count of objects in the schema: a non-Vigie database has some and no application_id. */
static int count_schema_objects(struct store *st, int *n)
{
	return pragma_int(st, "SELECT count(*) FROM sqlite_schema", n);
}

static int set_version(struct store *st, int v)
{
	/* PRAGMA takes no bound parameters; v is an integer from our own table. */
	char sql[64];

	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v);
	return exec_simple(st, sql, "Mise à jour du schéma");
}

/* Refuse foreign, corrupt or newer files before anything is written to them. */
static int check_header(struct store *st, int *version)
{
	int appid, objects, known = store_schema_version_known();
	int rc = pragma_int(st, "PRAGMA application_id", &appid);

	if (rc)
		return rc;
	*version = store_schema_version(st);
	if (count_schema_objects(st, &objects))
		return STORE_ERR_NOTADB;
	if (appid != VIGIE_APPLICATION_ID && (appid != 0 || objects > 0 || *version > 0)) {
		snprintf(st->err, sizeof st->err,
			 "Ce fichier est une base SQLite d'un autre logiciel, pas une base Vigie : "
			 "il n'a pas été modifié");
		return STORE_ERR_FOREIGN;
	}
	if (*version > known) {
		snprintf(st->err, sizeof st->err,
			 "Cette base a été créée par une version plus récente de Vigie "
			 "(schéma %d, ce programme connaît le schéma %d) : mettez Vigie à jour",
			 *version, known);
		return STORE_ERR_NEWER;
	}
	if (*version < known && st->readonly) {
		snprintf(st->err, sizeof st->err,
			 "La base doit être mise à jour (schéma %d vers %d) mais elle est en "
			 "lecture seule", *version, known);
		return STORE_ERR_READONLY;
	}
	return 0;
}

/* Apply the embedded migrations not yet recorded in user_version, in one transaction. */
static int migrate(struct store *st)
{
	int known = store_schema_version_known();
	char sql[64];
	int rc = store_begin(st);

	if (rc)
		return rc;
	/* Another process may have migrated while we waited for the write lock. */
	for (int i = store_schema_version(st); i < known; i++) {
		rc = sqlite3_exec(st->db, store_migrations[i].text, NULL, NULL, NULL);
		if (rc != SQLITE_OK) {
			rc = store_fail(st, rc, store_migrations[i].name);
			store_rollback(st);
			return rc;
		}
	}
	snprintf(sql, sizeof sql, "PRAGMA application_id = %d", VIGIE_APPLICATION_ID);
	if ((rc = exec_simple(st, sql, "Mise à jour du schéma")) || (rc = set_version(st, known))) {
		store_rollback(st);
		return rc;
	}
	return store_commit(st);
}

/* A WAL database in a directory we cannot write to has no -shm to share: read it as an
 * immutable snapshot instead (another session writing meanwhile is not seen). */
static int reopen_immutable(struct store *st, const char *path)
{
	char uri[4200 * 3], *u = uri;
	struct stat wal;
	int rc;

	/* Changes still in the -wal would be invisible in a snapshot: refuse rather than show
	 * an old state. */
	snprintf(uri, sizeof uri, "%s-wal", path);
	if (stat(uri, &wal) == 0 && wal.st_size > 0) {
		snprintf(st->err, sizeof st->err,
			 "Base en lecture seule dont les dernières modifications (%s) ne peuvent "
			 "pas être lues sans droit d'écriture sur le dossier", uri);
		return STORE_ERR_READONLY;
	}
	u += sprintf(u, "file:");
	for (const unsigned char *p = (const unsigned char *)path; *p && u < uri + sizeof uri - 20;
	     p++) {
		if (*p == '?' || *p == '#' || *p == '%' || *p < 0x20)
			u += sprintf(u, "%%%02X", *p);
		else
			*u++ = (char)*p;
	}
	snprintf(u, (size_t)(uri + sizeof uri - u), "?immutable=1");
	sqlite3_close_v2(st->db);
	rc = sqlite3_open_v2(uri, &st->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
				   SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Ouverture de la base en lecture seule");
	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	return exec_simple(st, "PRAGMA foreign_keys = ON; PRAGMA cache_size = -2000",
			   "Ouverture de la base");
}

int store_open(const char *path, int flags, struct store **out, char *errbuf, size_t errsize)
{
	struct store *st;
	struct stat sb;
	int oflags, rc, version = 0;

	*out = NULL;
	if (!path || !*path) {
		set_err(errbuf, errsize, "Aucune base indiquée (option --db ou [base] fichier)%s%s",
			NULL, NULL);
		return STORE_ERR_MISSING;
	}
	if (stat(path, &sb) != 0) {
		if (errno != ENOENT || !(flags & STORE_OPEN_CREATE)) {
			set_err(errbuf, errsize, "Base introuvable : %s (%s)", path, strerror(errno));
			return STORE_ERR_MISSING;
		}
	} else if (!S_ISREG(sb.st_mode)) {
		set_err(errbuf, errsize, "%s n'est pas un fichier ordinaire%s", path, NULL);
		return STORE_ERR_NOTADB;
	} else if (sb.st_size == 0 && !(flags & STORE_OPEN_CREATE)) {
		/* An empty file is not a base yet: only "vigie init" turns a file into one. */
		set_err(errbuf, errsize, "%s est vide : ce n'est pas une base Vigie (créez-la avec "
			"« vigie init --db %s »)", path, path);
		return STORE_ERR_NOTADB;
	}
	st = calloc(1, sizeof *st);
	if (!st) {
		set_err(errbuf, errsize, "Mémoire insuffisante%s%s", NULL, NULL);
		return STORE_ERR;
	}
	snprintf(st->path, sizeof st->path, "%s", path);
	st->readonly = (flags & STORE_OPEN_READONLY) ||
		       (access(path, F_OK) == 0 && access(path, W_OK) != 0);
	oflags = SQLITE_OPEN_NOMUTEX |
		 (st->readonly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
		 ((flags & STORE_OPEN_CREATE) && !st->readonly ? SQLITE_OPEN_CREATE : 0);
	rc = sqlite3_open_v2(path, &st->db, oflags, NULL);
	if (rc != SQLITE_OK) {
		set_err(errbuf, errsize, "Impossible d'ouvrir la base %s : %s", path,
			st->db ? sqlite3_errmsg(st->db) : "mémoire insuffisante");
		sqlite3_close(st->db);
		free(st);
		return STORE_ERR;
	}
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(st->db, 1);
	/* Defensive: never let SQL text from a file run code or attach other files. */
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
	sqlite3_db_config(st->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	rc = exec_simple(st, "PRAGMA foreign_keys = ON; PRAGMA cache_size = -2000;"
			 "PRAGMA temp_store = MEMORY", "Ouverture de la base");
	if (!rc)
		rc = check_header(st, &version);
	/* Without write access to the folder SQLite cannot create the -shm it needs for a WAL
	 * base: it says "read-only" or "cannot open". Try a snapshot then. */
	if (rc && st->readonly &&
	    (rc == STORE_ERR_READONLY || (sqlite3_errcode(st->db) & 0xff) == SQLITE_CANTOPEN)) {
		rc = reopen_immutable(st, path);
		if (!rc)
			rc = check_header(st, &version);
	}
	if (!rc && !st->readonly) {
		/* WAL lets several vigie processes (one per SSH session) read while one writes. */
		rc = exec_simple(st, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL",
				 "Ouverture de la base");
	}
	if (!rc && version < store_schema_version_known())
		rc = migrate(st);
	if (rc) {
		if (rc == STORE_ERR_NOTADB || (sqlite3_errcode(st->db) & 0xff) == SQLITE_NOTADB)
			snprintf(st->err, sizeof st->err,
				 "%s n'est pas une base Vigie lisible (fichier endommagé ou d'un "
				 "autre format) : il n'a pas été modifié", path);
		set_err(errbuf, errsize, "%s%s", st->err, NULL);
		store_close(st);
		return rc;
	}
	snprintf(st->who, sizeof st->who, "%s", "inconnu");
	*out = st;
	return 0;
}

void store_close(struct store *st)
{
	if (!st)
		return;
	sqlite3_close_v2(st->db);
	free(st);
}

int store_set_user(struct store *st, const char *login)
{
	sqlite3_stmt *s;
	int rc;

	snprintf(st->who, sizeof st->who, "%s", login && *login ? login : "inconnu");
	st->user_id = 0;
	rc = sqlite3_prepare_v2(st->db, "SELECT id FROM users WHERE login = ?1 AND active",
				-1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Lecture des utilisateurs");
	sqlite3_bind_text(s, 1, st->who, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		st->user_id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return st->user_id ? 0 : STORE_ERR_NOTFOUND;
}

void store_col_copy(sqlite3_stmt *s, int col, char *dst, size_t size)
{
	const unsigned char *t = sqlite3_column_text(s, col);

	snprintf(dst, size, "%s", t ? (const char *)t : "");
}

int store_prepare(struct store *st, const char *sql, sqlite3_stmt **s, const char *what)
{
	int rc = sqlite3_prepare_v2(st->db, sql, -1, s, NULL);

	return rc == SQLITE_OK ? 0 : store_fail(st, rc, what);
}

int store_step_done(struct store *st, sqlite3_stmt *s, const char *what)
{
	int rc = sqlite3_step(s);

	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, rc, what);
}
