/* Unit tests: a fresh store in a private temporary directory. */
#include "tests/unit/tmpdb.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void tmpdb_open(struct tmpdb *t, const char *name)
{
	char err[256];

	snprintf(t->dir, sizeof t->dir, "/tmp/vigie-test-%.20s-XXXXXX", name);
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	snprintf(t->path, sizeof t->path, "%s/t.db", t->dir);
	ck_assert_int_eq(store_open(t->path, STORE_OPEN_CREATE, &t->st, err, sizeof err), 0);
	store_set_user(t->st, "jmartin");
}

void tmpdb_close(struct tmpdb *t)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char path[160];

	store_close(t->st);
	t->st = NULL;
	for (size_t i = 0; i < sizeof sfx / sizeof *sfx; i++) {
		snprintf(path, sizeof path, "%s%s", t->path, sfx[i]);
		unlink(path);
	}
	rmdir(t->dir);
}
