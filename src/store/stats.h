/* Identity vigilance indicators (TBB.INS.02): statuses now, per user and period from the audit trail. */
#ifndef VIGIE_STORE_STATS_H
#define VIGIE_STORE_STATS_H

#include <stddef.h>
#include "store/db.h"

/* What one user (the "who" of audit rows) did to identities during the period. */
struct stats_user {
	char who[64];
	long created;     /* dossiers created */
	long recovered;   /* identities brought to récupérée */
	long qualified;   /* identities brought to qualifiée */
};

/* INSi calls of the period with one CR ("00", "01", "02"; "" when the call failed). */
struct stats_cr {
	char cr[16];
	long calls;
};

struct stats_ins {
	long long patients;
	long long by_status[4];        /* indexed by enum id_status */
	struct stats_user *users;      /* sorted by who */
	size_t nusers;
	struct stats_cr *crs;          /* sorted by cr, "" (errors) last */
	size_t ncrs;
	long insi_calls;
};

/*
 * Fill s: patients per identity status now, and for the period from_iso .. to_iso (local
 * dates AAAA-MM-JJ, both included; NULL or "" for no bound) the identities each user created
 * and brought to récupérée / qualifiée (audit rows of patients: "statut" in after, and not
 * already in before), and the INSi calls per CR (audit action "insi-appel", detail "cr").
 * Free with stats_ins_free. On error st->err is set.
 */
int stats_ins(struct store *st, const char *from_iso, const char *to_iso, struct stats_ins *s);
void stats_ins_free(struct stats_ins *s);

/* Share as "52,6 %" (French decimal comma); "0,0 %" when total is 0. */
void stats_percent(long long part, long long total, char *buf, size_t size);

/* Periods offered by the screen. */
enum stats_period {
	STATS_THIS_MONTH = 0,
	STATS_LAST_12_MONTHS = 1,
	STATS_ALL = 2,
	STATS_PERIOD_COUNT
};

/* Bounds of a period relative to today (local): from/to "AAAA-MM-JJ", "" for none. */
void stats_period_bounds(enum stats_period p, const char *today_iso, char *from, char *to,
			 size_t size);
const char *stats_period_label(enum stats_period p);

#endif
