/* Demo data set: fictitious cabinet, users and patients (incl. the public INSi test identities). */
#ifndef VIGIE_STORE_DEMO_H
#define VIGIE_STORE_DEMO_H

#include "store/db.h"

/* Load the embedded data/demo-patients.tsv with the demo cabinet and users, in one
 * transaction. Refuses (STORE_ERR_INVALID) when the base already holds patients.
 * Returns 0 and the number of patients in *count. */
int demo_load(struct store *st, int *count);

#endif
