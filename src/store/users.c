/* Users of the cabinet (practitioners, secretaries) and the cabinet itself. */
#include "store/users.h"
#include "store/audit.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

int user_insert(struct store *st, struct user *u)
{
	sqlite3_stmt *s;
	char *after;
	json_t *j;
	int rc, own_tx;

	if ((rc = store_write_begin(st, &own_tx)))
		return rc;
	rc = sqlite3_prepare_v2(st->db,
				"INSERT INTO users (login, role, last_name, first_name, rpps, profession,"
				" specialty) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", -1, &s, NULL);
	if (rc != SQLITE_OK) {
		rc = store_fail(st, rc, "Création de l'utilisateur");
		goto out;
	}
	sqlite3_bind_text(s, 1, u->login, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, u->role, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, u->last_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, u->first_name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, u->rpps, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, u->profession, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, u->specialty, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		rc = store_fail(st, rc, "Création de l'utilisateur");
		goto out;
	}
	u->id = sqlite3_last_insert_rowid(st->db);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s}", "login", u->login, "role", u->role, "nom",
		      u->last_name, "prenom", u->first_name, "rpps", u->rpps);
	after = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	rc = audit_write(st, "user.create", "user", u->id, NULL, after, NULL);
	free(after);
out:
	return store_write_end(st, own_tx, rc);
}

int user_get_by_login(struct store *st, const char *login, struct user *u)
{
	sqlite3_stmt *s;
	const unsigned char *t;
	int rc = sqlite3_prepare_v2(st->db,
				    "SELECT id, login, role, last_name, first_name, rpps, profession,"
				    " specialty FROM users WHERE login = ?1", -1, &s, NULL);

	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Lecture des utilisateurs");
	sqlite3_bind_text(s, 1, login, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		u->id = sqlite3_column_int64(s, 0);
#define COPY(col, dst)                                                        \
	t = sqlite3_column_text(s, col);                                      \
	snprintf(dst, sizeof dst, "%s", t ? (const char *)t : "")
		COPY(1, u->login);
		COPY(2, u->role);
		COPY(3, u->last_name);
		COPY(4, u->first_name);
		COPY(5, u->rpps);
		COPY(6, u->profession);
		COPY(7, u->specialty);
#undef COPY
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return STORE_ERR_NOTFOUND;
	return rc == SQLITE_ROW ? 0 : store_fail(st, rc, "Lecture des utilisateurs");
}

int cabinet_set(struct store *st, const char *name, const char *finess, const char *address)
{
	sqlite3_stmt *s;
	int rc, own_tx;

	/* The row and its audit row commit together. */
	if ((rc = store_write_begin(st, &own_tx)))
		return rc;
	rc = sqlite3_prepare_v2(st->db,
				    "INSERT INTO cabinet (id, name, finess, address) VALUES (1, ?1, ?2, ?3)"
				    " ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
				    " finess = excluded.finess, address = excluded.address",
				    -1, &s, NULL);

	if (rc != SQLITE_OK) {
		rc = store_fail(st, rc, "Cabinet");
		goto out;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, finess, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, address, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		rc = store_fail(st, rc, "Cabinet");
		goto out;
	}
	{
		json_t *j = json_pack("{s:s, s:s, s:s}", "nom", name, "finess", finess, "adresse",
				      address);
		char *after = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(j);
		rc = audit_write(st, "cabinet.set", "cabinet", 1, NULL, after, NULL);
		free(after);
	}
out:
	return store_write_end(st, own_tx, rc);
}
