/* Audit trail: who, when, what, before/after, written in the caller's transaction. */
#ifndef VIGIE_STORE_AUDIT_H
#define VIGIE_STORE_AUDIT_H

#include "store/db.h"

/* Append an audit row. before/after are JSON texts or NULL. Must run inside the
 * transaction that makes the change. */
int audit_write(struct store *st, const char *action, const char *entity, long long entity_id,
		const char *before, const char *after, const char *detail);

#endif
