/* Store: opening a cabinet database, pragmas, migrations, errors, transactions. */
#ifndef VIGIE_STORE_DB_H
#define VIGIE_STORE_DB_H

#include <stddef.h>
#include <sqlite3.h>

/* application_id written into every Vigie database ("VIGI"). */
#define VIGIE_APPLICATION_ID 0x56494749

enum store_error {
	STORE_OK = 0,
	STORE_ERR = -1,          /* generic SQLite error, see message */
	STORE_ERR_NOTADB = -2,   /* corrupt or not an SQLite file */
	STORE_ERR_FOREIGN = -3,  /* an SQLite database of another application */
	STORE_ERR_NEWER = -4,    /* schema newer than this program */
	STORE_ERR_READONLY = -5, /* cannot write */
	STORE_ERR_NOTFOUND = -6, /* no such row */
	STORE_ERR_CONFLICT = -7, /* row changed by someone else since it was read */
	STORE_ERR_INVALID = -8,  /* invalid data refused */
	STORE_ERR_BUSY = -9,     /* database locked too long */
	STORE_ERR_MISSING = -10, /* file does not exist and creation not asked */
};

struct store {
	sqlite3 *db;
	int readonly;
	char who[64];        /* login recorded in audit rows */
	long long user_id;   /* users.id of who, 0 if not a known user */
	char err[256];       /* last error message, French */
	char path[4096];     /* the database file, to tell a full disk from other I/O errors */
};

/* How long a write waits for another session's lock before giving up. */
#define STORE_BUSY_TIMEOUT_MS 5000

#define STORE_OPEN_CREATE 0x1    /* create the file if missing */
#define STORE_OPEN_READONLY 0x2  /* never write */

/* Open (and migrate) a database. On error returns a negative store_error and writes a French
 * message in errbuf; *out is NULL. Every thread opens its own store. */
int store_open(const char *path, int flags, struct store **out, char *errbuf, size_t errsize);
void store_close(struct store *st);

/* Set the identity written into audit rows; looks the login up in users. */
int store_set_user(struct store *st, const char *login);

/* Schema version known by this program and applied in the file. */
int store_schema_version_known(void);
int store_schema_version(struct store *st);

/* A write that may run inside the caller's transaction or alone: store_write_begin opens one
 * only when none is open (*own tells which), store_write_end commits it on rc == 0 or rolls
 * it back, and returns the final result. */
int store_write_begin(struct store *st, int *own);
int store_write_end(struct store *st, int own, int rc);

/* Transactions: BEGIN IMMEDIATE (waits busy_timeout), COMMIT, ROLLBACK. */
int store_begin(struct store *st);
int store_commit(struct store *st);
void store_rollback(struct store *st);

/* If a transaction was left open (a bug), roll it back so that later writes are not swallowed
 * by it; returns 1 when one was found. */
int store_end_leaked_transaction(struct store *st);

/* Translate an SQLite result code into a store_error and fill st->err (French). */
int store_fail(struct store *st, int rc, const char *what);

/* Shared by the store modules: a text column copied into dst (NULL gives ""); a statement
 * prepared (store_fail on error); a statement that returns no row stepped and finalized. */
void store_col_copy(sqlite3_stmt *s, int col, char *dst, size_t size);
int store_prepare(struct store *st, const char *sql, sqlite3_stmt **s, const char *what);
int store_step_done(struct store *st, sqlite3_stmt *s, const char *what);

/* Current UTC time as "AAAA-MM-JJTHH:MM:SSZ". */
void store_now_utc(char *buf, size_t size);

#endif
