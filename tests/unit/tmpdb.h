/* Unit tests: a fresh store in a private temporary directory, removed afterwards. */
#ifndef VIGIE_TESTS_TMPDB_H
#define VIGIE_TESTS_TMPDB_H

#include "store/db.h"

struct tmpdb {
	char dir[64];
	char path[128];
	struct store *st;
};

/* Creates /tmp/vigie-test-<name>-XXXXXX/t.db, opened as user "jmartin" (check assertions). */
void tmpdb_open(struct tmpdb *t, const char *name);
/* Closes the store and removes the base, its WAL files and the directory. */
void tmpdb_close(struct tmpdb *t);

#endif
