/* Identity vigilance indicators (TBB.INS.02) computed from patients and the audit trail. */
#include "store/stats.h"
#include "core/date.h"
#include "core/identity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void stats_ins_free(struct stats_ins *s)
{
	free(s->users);
	free(s->crs);
	memset(s, 0, sizeof *s);
}

void stats_percent(long long part, long long total, char *buf, size_t size)
{
	long long tenths = total > 0 ? (part * 1000 + total / 2) / total : 0;

	snprintf(buf, size, "%lld,%lld %%", tenths / 10, tenths % 10);
}

/* Local midnight of iso + days, as the UTC text audit rows use ("AAAA-MM-JJTHH:MM:SSZ"), so
 * that a period typed in local dates compares as text with audit.at. */
static void local_midnight_utc(const struct ymd *d, int days, char *out, size_t size)
{
	struct tm tm = { .tm_year = d->y - 1900, .tm_mon = d->m - 1, .tm_mday = d->d + days,
			 .tm_isdst = -1 };
	time_t t = mktime(&tm);
	struct tm g;

	gmtime_r(&t, &g);
	strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &g);
}

/* Audit bounds [lo, hi) for the period; "" and "\x7f" leave a side open. */
static int period_to_utc(struct store *st, const char *from, const char *to, char *lo,
			 char *hi, size_t size)
{
	struct ymd f, t;

	snprintf(lo, size, "%s", "");
	snprintf(hi, size, "%s", "\x7f");
	if (from && *from && date_parse_iso(from, &f) != DATE_OK) {
		snprintf(st->err, sizeof st->err, "Date de début « %s » invalide (AAAA-MM-JJ)", from);
		return STORE_ERR_INVALID;
	}
	if (to && *to && date_parse_iso(to, &t) != DATE_OK) {
		snprintf(st->err, sizeof st->err, "Date de fin « %s » invalide (AAAA-MM-JJ)", to);
		return STORE_ERR_INVALID;
	}
	if (from && *from && to && *to && strcmp(from, to) > 0) {
		snprintf(st->err, sizeof st->err, "Période vide : le %s est après le %s", from, to);
		return STORE_ERR_INVALID;
	}
	if (from && *from)
		local_midnight_utc(&f, 0, lo, size);
	if (to && *to)
		local_midnight_utc(&t, 1, hi, size);   /* the "to" day is included */
	return 0;
}

static int count_statuses(struct store *st, struct stats_ins *s)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(st->db, "SELECT id_status, count(*) FROM patients"
				    " GROUP BY id_status", -1, &q, NULL);

	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Indicateurs");
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int status = id_status_from_code((const char *)sqlite3_column_text(q, 0));
		long long n = sqlite3_column_int64(q, 1);
		if (status >= 0 && status < 4)
			s->by_status[status] += n;
		s->patients += n;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : store_fail(st, rc, "Indicateurs");
}

/* The status an audit row's JSON records: "statut" as patients.c writes it ("id_status",
 * the column name, is accepted too). Invalid JSON counts as no status rather than failing
 * the whole query. */
#define STATUS_OF(col) \
	"CASE WHEN json_valid(" col ") THEN coalesce(json_extract(" col ", '$.statut')," \
	" json_extract(" col ", '$.id_status')) END"

static const char users_sql[] =
	"WITH a AS (SELECT who, action, " STATUS_OF("after") " AS st_after, "
	STATUS_OF("before") " AS st_before FROM audit"
	" WHERE entity = 'patient' AND at >= ?1 AND at < ?2)"
	" SELECT who, sum(CASE WHEN action = 'patient.create' THEN 1 ELSE 0 END),"
	" sum(CASE WHEN st_after = 'recuperee' AND st_before IS NOT 'recuperee' THEN 1 ELSE 0 END),"
	" sum(CASE WHEN st_after = 'qualifiee' AND st_before IS NOT 'qualifiee' THEN 1 ELSE 0 END)"
	" FROM a GROUP BY who ORDER BY who";

static int count_users(struct store *st, const char *lo, const char *hi, struct stats_ins *s)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(st->db, users_sql, -1, &q, NULL);

	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Indicateurs");
	sqlite3_bind_text(q, 1, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, hi, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct stats_user u = { .created = sqlite3_column_int(q, 1),
					.recovered = sqlite3_column_int(q, 2),
					.qualified = sqlite3_column_int(q, 3) };
		void *grown;
		if (!u.created && !u.recovered && !u.qualified)
			continue;   /* only notes or contact changes: nothing to count */
		snprintf(u.who, sizeof u.who, "%s", (const char *)sqlite3_column_text(q, 0));
		grown = realloc(s->users, (s->nusers + 1) * sizeof *s->users);
		if (!grown) {
			rc = SQLITE_NOMEM;
			break;
		}
		s->users = grown;
		s->users[s->nusers++] = u;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : store_fail(st, rc, "Indicateurs");
}

static const char insi_sql[] =
	"SELECT CASE WHEN json_valid(detail) THEN"
	" coalesce(CAST(json_extract(detail, '$.cr') AS TEXT), '') ELSE '' END AS cr, count(*)"
	" FROM audit WHERE action = 'insi-appel' AND at >= ?1 AND at < ?2"
	" GROUP BY cr ORDER BY cr = '', cr";

static int count_insi(struct store *st, const char *lo, const char *hi, struct stats_ins *s)
{
	sqlite3_stmt *q;
	int rc = sqlite3_prepare_v2(st->db, insi_sql, -1, &q, NULL);

	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Indicateurs");
	sqlite3_bind_text(q, 1, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, hi, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct stats_cr c = { .calls = sqlite3_column_int(q, 1) };
		void *grown = realloc(s->crs, (s->ncrs + 1) * sizeof *s->crs);
		if (!grown) {
			rc = SQLITE_NOMEM;
			break;
		}
		snprintf(c.cr, sizeof c.cr, "%s", (const char *)sqlite3_column_text(q, 0));
		s->crs = grown;
		s->crs[s->ncrs++] = c;
		s->insi_calls += c.calls;
	}
	sqlite3_finalize(q);
	return rc == SQLITE_DONE ? 0 : store_fail(st, rc, "Indicateurs");
}

int stats_ins(struct store *st, const char *from_iso, const char *to_iso, struct stats_ins *s)
{
	char lo[32], hi[32];
	int rc;

	memset(s, 0, sizeof *s);
	if ((rc = period_to_utc(st, from_iso, to_iso, lo, hi, sizeof lo)))
		return rc;
	/* One read transaction: the figures agree with each other even while others write. */
	if ((rc = sqlite3_exec(st->db, "SAVEPOINT stats", NULL, NULL, NULL)) != SQLITE_OK)
		return store_fail(st, rc, "Indicateurs");
	rc = count_statuses(st, s);
	if (!rc)
		rc = count_users(st, lo, hi, s);
	if (!rc)
		rc = count_insi(st, lo, hi, s);
	sqlite3_exec(st->db, "RELEASE stats", NULL, NULL, NULL);
	if (rc)
		stats_ins_free(s);
	return rc;
}

const char *stats_period_label(enum stats_period p)
{
	switch (p) {
	case STATS_THIS_MONTH:
		return "ce mois-ci";
	case STATS_LAST_12_MONTHS:
		return "12 derniers mois";
	default:
		return "depuis le début";
	}
}

void stats_period_bounds(enum stats_period p, const char *today_iso, char *from, char *to,
			 size_t size)
{
	struct ymd t;

	snprintf(from, size, "%s", "");
	snprintf(to, size, "%s", "");
	if (p == STATS_ALL || date_parse_iso(today_iso, &t) != DATE_OK)
		return;
	snprintf(to, size, "%s", today_iso);
	if (p == STATS_THIS_MONTH) {
		snprintf(from, size, "%04d-%02d-01", t.y, t.m);
	} else {
		/* The day after the same date a year ago (mktime normalises 29 February). */
		struct tm tm = { .tm_year = t.y - 1 - 1900, .tm_mon = t.m - 1, .tm_mday = t.d + 1,
				 .tm_hour = 12, .tm_isdst = -1 };
		mktime(&tm);
		strftime(from, size, "%Y-%m-%d", &tm);
	}
}
