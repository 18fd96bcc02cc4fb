/* Users of the cabinet: practitioners (RPPS, profession) and secretaries. */
#ifndef VIGIE_STORE_USERS_H
#define VIGIE_STORE_USERS_H

#include "store/db.h"

struct user {
	long long id;
	char login[64];
	char role[16];        /* "medecin", "secretaire" */
	char last_name[101];
	char first_name[101];
	char rpps[12];        /* 11 digits for practitioners, "" otherwise */
	char profession[8];   /* G15 code, e.g. "10" médecin */
	char specialty[16];   /* e.g. "SM54" médecine générale */
};

int user_insert(struct store *st, struct user *u);
int user_get_by_login(struct store *st, const char *login, struct user *u);
int cabinet_set(struct store *st, const char *name, const char *finess, const char *address);

#endif
