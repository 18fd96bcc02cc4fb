/* Audit trail rows, written inside the caller's transaction (DESIGN: same transaction). */
#include "store/audit.h"

#include <stdio.h>

int audit_write(struct store *st, const char *action, const char *entity, long long entity_id,
		const char *before, const char *after, const char *detail)
{
	static const char sql[] =
		"INSERT INTO audit (at, who, user_id, action, entity, entity_id, before, after, detail)"
		" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
	sqlite3_stmt *s;
	char now[24];
	int rc;

	store_now_utc(now, sizeof now);
	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Journal d'audit");
	sqlite3_bind_text(s, 1, now, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(s, 2, st->who, -1, SQLITE_STATIC);
	if (st->user_id)
		sqlite3_bind_int64(s, 3, st->user_id);
	else
		sqlite3_bind_null(s, 3);
	sqlite3_bind_text(s, 4, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, entity, -1, SQLITE_STATIC);
	if (entity_id)
		sqlite3_bind_int64(s, 6, entity_id);
	else
		sqlite3_bind_null(s, 6);
	sqlite3_bind_text(s, 7, before, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, after, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, detail, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, rc, "Journal d'audit");
}
