/* DMP consent per patient and care episode (core/consent.h), and the legal reminder
 * acknowledgements per user. Every change is audited; the reason of an opposition is never
 * asked nor stored. */
#ifndef VIGIE_STORE_CONSENT_H
#define VIGIE_STORE_CONSENT_H

#include "core/consent.h"
#include "store/db.h"

/* The current (open) episode's consent, or the defaults (episode_id 0) when none. */
int consent_get(struct store *st, long long patient_id, struct dmp_consent *c);

/* Each opens the current episode when there is none, sets one field (now, st->who), writes
 * an audit row (action "dmp.consentement", before/after JSON) in the same transaction. */
int consent_set_informed(struct store *st, long long patient_id, int informed);
int consent_set_feeding_opposed(struct store *st, long long patient_id, int opposed);
int consent_set_consultation(struct store *st, long long patient_id, int consent);
/* Bris de glace for minutes from now (action "dmp.bris-de-glace"); minutes 0 ends it. */
int consent_set_bdg(struct store *st, long long patient_id, int minutes);
/* Close the current episode (the next change opens a new one with the defaults). */
int consent_close_episode(struct store *st, long long patient_id);

/* Legal reminder: last acknowledgement of login ("" when never): 0 or STORE_ERR_NOTFOUND. */
int legal_ack_get(struct store *st, const char *login, char *at, size_t size);
/* Record "J'ai compris" now (audited, action "dmp.rappel-legal"). */
int legal_ack_set(struct store *st, const char *login);

#endif
