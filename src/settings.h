/* Configuration: /etc/vigie/vigie.conf, then $XDG_CONFIG_HOME/vigie/vigie.conf, then --config. */
#ifndef VIGIE_SETTINGS_H
#define VIGIE_SETTINGS_H

#include <stddef.h>
#include "core/insi_types.h"
#include "core/dmp_types.h"
#include "core/psc_types.h"
#include "core/mss_types.h"

struct config {
	char db[4096];          /* [base] fichier */
	char login[64];         /* [utilisateur] identifiant */
	int esc_delay_ms;       /* [interface] delai_echap */
	int colour;             /* [interface] couleurs: -1 auto, 0 non, 1 oui */
	char keys[4096];        /* [clavier] fichier: extra keymap read after the user's */
	int workers;            /* [taches] nombre */
	struct insi_config insi; /* [insi] */
	int insi_auto;          /* [insi] automatique: call INSi on opening a dossier */
	int insi_recheck_years; /* [insi] verification_ans: re-verify INS older than this */
	struct dmp_config dmp;  /* [dmp] */
	int dmp_auto;           /* [dmp] automatique: status and new documents on opening */
	int dmp_bdg_minutes;    /* [dmp] bris_de_glace_minutes */
	int dmp_reminder_days;  /* [dmp] rappel_jours: legal reminder period */
	char dmp_weather[512];  /* [dmp] meteo: the "météo des services" address */
	struct psc_config psc;  /* [psc] */
	char psc_login_hint[32];/* [psc] identifiant: national id ("" = 8 + the user's RPPS) */
	struct mss_config mss;  /* [mss]: the user's mailbox (archive defaults to <db>.mss/) */
	int mss_interval;       /* [mss] intervalle: seconds between automatic fetches, 0 = only
				 * on demand (default 300) */
	char warnings[1024];    /* non-fatal problems, "file:line: message" joined by '\n' */
};

void config_defaults(struct config *c);
/* Read one file. Missing optional files are fine; a missing explicit file is an error
 * (returns -1 with a message). Unknown keys become warnings. */
int config_load(struct config *c, const char *path, int optional, char *err, size_t errsize);
/* The standard files (system then user). */
void config_load_standard(struct config *c);
/* $XDG_CONFIG_HOME/vigie/<name> (or ~/.config/vigie/<name>) into buf. */
void config_user_path(const char *name, char *buf, size_t size);

#endif
