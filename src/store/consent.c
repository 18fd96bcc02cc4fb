/* DMP consent per care episode and legal reminder acknowledgements, every change audited. */
#include "store/consent.h"
#include "store/audit.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The consent fields that can be changed, one per setter; the column names are constants
 * of this file, never user text. */
enum consent_field { CF_INFORMED, CF_FEEDING, CF_CONSULTATION };

static const struct {
	const char *json;      /* key in the audit before/after */
	const char *sql;       /* UPDATE of the flag, its time and its author */
} fields[] = {
	[CF_INFORMED] = { "patient_informe",
			  "UPDATE care_episodes SET informed = ?1, informed_at = ?2,"
			  " informed_by = ?3 WHERE id = ?4" },
	[CF_FEEDING] = { "opposition_alimentation",
			 "UPDATE care_episodes SET feeding_opposed = ?1, feeding_at = ?2,"
			 " feeding_by = ?3 WHERE id = ?4" },
	[CF_CONSULTATION] = { "consentement_consultation",
			      "UPDATE care_episodes SET consultation = ?1, consultation_at = ?2,"
			      " consultation_by = ?3 WHERE id = ?4" },
};

static void row_to_consent(sqlite3_stmt *s, struct dmp_consent *c)
{
	c->episode_id = sqlite3_column_int64(s, 0);
	store_col_copy(s, 1, c->episode_start, sizeof c->episode_start);
	c->informed = sqlite3_column_int(s, 2);
	store_col_copy(s, 3, c->informed_at, sizeof c->informed_at);
	store_col_copy(s, 4, c->informed_by, sizeof c->informed_by);
	c->feeding_opposed = sqlite3_column_int(s, 5);
	store_col_copy(s, 6, c->feeding_at, sizeof c->feeding_at);
	store_col_copy(s, 7, c->feeding_by, sizeof c->feeding_by);
	c->consultation = sqlite3_column_int(s, 8);
	store_col_copy(s, 9, c->consultation_at, sizeof c->consultation_at);
	store_col_copy(s, 10, c->consultation_by, sizeof c->consultation_by);
	store_col_copy(s, 11, c->bdg_until, sizeof c->bdg_until);
	store_col_copy(s, 12, c->bdg_by, sizeof c->bdg_by);
}

int consent_get(struct store *st, long long patient_id, struct dmp_consent *c)
{
	static const char sql[] =
		"SELECT id, started_at, informed, informed_at, informed_by, feeding_opposed,"
		" feeding_at, feeding_by, consultation, consultation_at, consultation_by,"
		" bdg_until, bdg_by FROM care_episodes WHERE patient_id = ?1 AND ended_at = ''"
		" ORDER BY id DESC LIMIT 1";
	sqlite3_stmt *s;
	int rc;

	consent_defaults(c, patient_id);
	rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Lecture du consentement DMP");
	sqlite3_bind_int64(s, 1, patient_id);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		row_to_consent(s, c);
	sqlite3_finalize(s);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0
			: store_fail(st, rc, "Lecture du consentement DMP");
}

static int patient_exists(struct store *st, long long patient_id)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, "SELECT 1 FROM patients WHERE id = ?1", -1, &s, NULL);

	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Lecture du dossier");
	sqlite3_bind_int64(s, 1, patient_id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return store_fail(st, rc, "Lecture du dossier");
	snprintf(st->err, sizeof st->err, "Dossier n° %lld introuvable", patient_id);
	return STORE_ERR_NOTFOUND;
}

/* The open episode of the patient, created with the defaults when there is none. */
static int open_episode(struct store *st, long long patient_id, struct dmp_consent *c,
			int *created)
{
	sqlite3_stmt *s;
	char now[24];
	int rc;

	*created = 0;
	if ((rc = patient_exists(st, patient_id)) || (rc = consent_get(st, patient_id, c)))
		return rc;
	if (c->episode_id)
		return 0;
	rc = sqlite3_prepare_v2(st->db, "INSERT INTO care_episodes (patient_id, started_at,"
				" started_by) VALUES (?1, ?2, ?3)", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Épisode de soins");
	store_now_utc(now, sizeof now);
	sqlite3_bind_int64(s, 1, patient_id);
	sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, st->who, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, rc, "Épisode de soins");
	c->episode_id = sqlite3_last_insert_rowid(st->db);
	snprintf(c->episode_start, sizeof c->episode_start, "%s", now);
	*created = 1;
	return 0;
}

static char *dump(json_t *j)
{
	char *text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);

	json_decref(j);
	return text;
}

static int audit_change(struct store *st, const char *action, long long patient_id,
			json_t *before, json_t *after, long long episode_id, int created,
			int minutes)
{
	json_t *d = json_pack("{s:I}", "episode", (json_int_t)episode_id);
	char *b, *a, *detail;
	int rc;

	if (created)
		json_object_set_new(d, "nouvel_episode", json_true());
	if (minutes >= 0)
		json_object_set_new(d, "minutes", json_integer(minutes));
	b = dump(before);
	a = dump(after);
	detail = dump(d);
	if (!b || !a || !detail) {
		snprintf(st->err, sizeof st->err, "Mémoire insuffisante (journal d'audit)");
		rc = STORE_ERR;
	} else {
		rc = audit_write(st, action, "patient", patient_id, b, a, detail);
	}
	free(b);
	free(a);
	free(detail);
	return rc;
}

static int field_value(const struct dmp_consent *c, enum consent_field f)
{
	return f == CF_INFORMED ? c->informed : f == CF_FEEDING ? c->feeding_opposed
		: c->consultation;
}

/* Set one flag of the open episode, with its time and author, and audit it. */
static int set_flag(struct store *st, long long patient_id, enum consent_field f, int value)
{
	struct dmp_consent c;
	sqlite3_stmt *s;
	char now[24];
	int rc, own, created;

	value = value != 0;
	if ((rc = store_write_begin(st, &own)))
		return rc;
	rc = open_episode(st, patient_id, &c, &created);
	if (!rc && (rc = sqlite3_prepare_v2(st->db, fields[f].sql, -1, &s, NULL)) != SQLITE_OK)
		rc = store_fail(st, rc, "Enregistrement du consentement DMP");
	if (!rc) {
		store_now_utc(now, sizeof now);
		sqlite3_bind_int(s, 1, value);
		sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, st->who, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 4, c.episode_id);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		rc = rc == SQLITE_DONE ? 0 : store_fail(st, rc, "Enregistrement du consentement DMP");
	}
	if (!rc)
		rc = audit_change(st, "dmp.consentement", patient_id,
				  json_pack("{s:b}", fields[f].json, field_value(&c, f)),
				  json_pack("{s:b}", fields[f].json, value), c.episode_id, created,
				  -1);
	return store_write_end(st, own, rc);
}

int consent_set_informed(struct store *st, long long patient_id, int informed)
{
	return set_flag(st, patient_id, CF_INFORMED, informed);
}

int consent_set_feeding_opposed(struct store *st, long long patient_id, int opposed)
{
	/* No reason parameter: the reason of an opposition is never asked nor stored. */
	return set_flag(st, patient_id, CF_FEEDING, opposed);
}

int consent_set_consultation(struct store *st, long long patient_id, int consent)
{
	return set_flag(st, patient_id, CF_CONSULTATION, consent);
}

int consent_set_bdg(struct store *st, long long patient_id, int minutes)
{
	struct dmp_consent c;
	sqlite3_stmt *s;
	char now[24], until[24] = "";
	int rc, own, created;

	if (minutes < 0 || minutes > CONSENT_BDG_MAX_MINUTES) {
		snprintf(st->err, sizeof st->err, "Durée de bris de glace invalide : de 1 à %d "
			 "minutes (0 pour y mettre fin)", CONSENT_BDG_MAX_MINUTES);
		return STORE_ERR_INVALID;
	}
	store_now_utc(now, sizeof now);
	if (minutes)
		consent_time_plus(now, minutes, until, sizeof until);
	if ((rc = store_write_begin(st, &own)))
		return rc;
	rc = open_episode(st, patient_id, &c, &created);
	if (!rc && (rc = sqlite3_prepare_v2(st->db, "UPDATE care_episodes SET bdg_until = ?1,"
					    " bdg_by = ?2 WHERE id = ?3", -1, &s, NULL)) != SQLITE_OK)
		rc = store_fail(st, rc, "Bris de glace");
	if (!rc) {
		sqlite3_bind_text(s, 1, until, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, minutes ? st->who : "", -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, c.episode_id);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		rc = rc == SQLITE_DONE ? 0 : store_fail(st, rc, "Bris de glace");
	}
	if (!rc)
		rc = audit_change(st, "dmp.bris-de-glace", patient_id,
				  json_pack("{s:s}", "bris_de_glace_jusqu_a", c.bdg_until),
				  json_pack("{s:s}", "bris_de_glace_jusqu_a", until), c.episode_id,
				  created, minutes);
	return store_write_end(st, own, rc);
}

int consent_close_episode(struct store *st, long long patient_id)
{
	struct dmp_consent c;
	sqlite3_stmt *s;
	char now[24];
	int rc, own;

	if ((rc = store_write_begin(st, &own)))
		return rc;
	rc = consent_get(st, patient_id, &c);
	if (rc || !c.episode_id)    /* nothing open: nothing to close */
		return store_write_end(st, own, rc);
	rc = sqlite3_prepare_v2(st->db, "UPDATE care_episodes SET ended_at = ?1, ended_by = ?2"
				" WHERE id = ?3", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_write_end(st, own, store_fail(st, rc, "Fin d'épisode de soins"));
	store_now_utc(now, sizeof now);
	sqlite3_bind_text(s, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, st->who, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, c.episode_id);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	rc = rc == SQLITE_DONE ? 0 : store_fail(st, rc, "Fin d'épisode de soins");
	if (!rc)
		rc = audit_change(st, "dmp.fin-episode", patient_id,
				  json_pack("{s:s}", "fin_episode", ""),
				  json_pack("{s:s}", "fin_episode", now), c.episode_id, 0, -1);
	return store_write_end(st, own, rc);
}

int legal_ack_get(struct store *st, const char *login, char *at, size_t size)
{
	sqlite3_stmt *s;
	int rc;

	if (size)
		at[0] = '\0';
	rc = sqlite3_prepare_v2(st->db, "SELECT acked_at FROM legal_acks WHERE login = ?1", -1,
				&s, NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Rappel légal DMP");
	sqlite3_bind_text(s, 1, login ? login : "", -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		store_col_copy(s, 0, at, size);
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE) {
		snprintf(st->err, sizeof st->err, "Rappel légal jamais validé par %s",
			 login ? login : "");
		return STORE_ERR_NOTFOUND;
	}
	return rc == SQLITE_ROW ? 0 : store_fail(st, rc, "Rappel légal DMP");
}

int legal_ack_set(struct store *st, const char *login)
{
	sqlite3_stmt *s;
	char now[24], *after;
	int rc, own;

	if (!login || !*login) {
		snprintf(st->err, sizeof st->err, "Rappel légal : utilisateur inconnu");
		return STORE_ERR_INVALID;
	}
	if ((rc = store_write_begin(st, &own)))
		return rc;
	rc = sqlite3_prepare_v2(st->db, "INSERT INTO legal_acks (login, acked_at) VALUES (?1, ?2)"
				" ON CONFLICT (login) DO UPDATE SET acked_at = excluded.acked_at",
				-1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_write_end(st, own, store_fail(st, rc, "Rappel légal DMP"));
	store_now_utc(now, sizeof now);
	sqlite3_bind_text(s, 1, login, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	rc = rc == SQLITE_DONE ? 0 : store_fail(st, rc, "Rappel légal DMP");
	if (!rc) {
		after = dump(json_pack("{s:s,s:s}", "login", login, "compris_le", now));
		rc = audit_write(st, "dmp.rappel-legal", "utilisateur", st->user_id, NULL, after,
				 NULL);
		free(after);
	}
	return store_write_end(st, own, rc);
}
