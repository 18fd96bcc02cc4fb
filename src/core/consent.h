/* DMP consent of a patient for a care episode (DOMAIN.md §2): information, opposition to
 * feeding, consent to consultation, bris de glace. Pure rules, no storage. */
#ifndef VIGIE_CORE_CONSENT_H
#define VIGIE_CORE_CONSENT_H

#include <stddef.h>

/* Times are UTC "AAAA-MM-JJTHH:MM:SSZ" (ISO 8601, sortable as text); "" = never. */
struct dmp_consent {
	long long patient_id;
	long long episode_id;      /* 0: no episode recorded yet (defaults below) */
	char episode_start[21];
	int informed;              /* patient informed about the DMP (default 0) */
	char informed_at[21];
	char informed_by[64];      /* login */
	int feeding_opposed;       /* default 0: feeding allowed; the reason is never stored */
	char feeding_at[21];
	char feeding_by[64];
	int consultation;          /* consent to consultation, default 0 */
	char consultation_at[21];
	char consultation_by[64];
	char bdg_until[21];        /* bris de glace active until, "" none */
	char bdg_by[64];
};

/* Bris de glace is time-limited (DSR 3.2.3): at most this long at once. */
#define CONSENT_BDG_MAX_MINUTES 1440

/* Defaults for a patient with nothing recorded. */
void consent_defaults(struct dmp_consent *c, long long patient_id);
/* 1 while bris de glace is active at now. */
int consent_bdg_active(const struct dmp_consent *c, const char *now);
/* Consultation allowed: consent recorded, or bris de glace active. */
int consent_allows_consultation(const struct dmp_consent *c, const char *now);
/* Feeding allowed: the patient does not oppose (consultation consent not needed). */
int consent_allows_feeding(const struct dmp_consent *c);
/* "AAAA-MM-JJTHH:MM:SSZ" of now + minutes ("" when now is not such a stamp). */
void consent_time_plus(const char *now, int minutes, char *out, size_t size);

/* Legal reminder (consulting without consent exposes to prosecution): due when never
 * acknowledged or acknowledged more than days ago. */
int consent_reminder_due(const char *last_ack, const char *now, int days);

#endif
