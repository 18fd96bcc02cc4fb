/* The DICA checklist of DMP access (DOMAIN.md §2): DMP accessible, INS qualified,
 * Consentement recorded, Authentification; each line with a state, a reason and a remedy. */
#ifndef VIGIE_CORE_DICA_H
#define VIGIE_CORE_DICA_H

#include "core/consent.h"
#include "core/dmp_types.h"

enum dica_letter { DICA_D = 0, DICA_I, DICA_C, DICA_A, DICA_COUNT };

enum dica_state {
	DICA_OK = 0,
	DICA_KO = 1,
	DICA_UNKNOWN = 2,          /* not known yet (DMP not asked, or cannot be asked) */
};

enum dica_remedy {
	DICA_REMEDY_NONE = 0,
	DICA_REMEDY_WEATHER,       /* DMP down: the "météo des services" address */
	DICA_REMEDY_AUTHORIZE,     /* no/expired authorisation and consent recorded: TD0.3 */
	DICA_REMEDY_RETRY,         /* ask the DMP again */
	DICA_REMEDY_QUALIFY_INS,   /* open the INS comparison / qualification */
	DICA_REMEDY_CONSENT,       /* record consent (or bris de glace) */
	DICA_REMEDY_SIGN_IN,       /* Pro Santé Connect (CIBA) */
};

struct dica_input {
	/* D: last TD0.2 answer (state UNKNOWN when none) and service state */
	struct dmp_status dmp;
	int dmp_asked;             /* a TD0.2 answer is known */
	int service_up;            /* 1 answered, 0 down (connection, timeout, HTTP 5xx), -1 unknown */
	char service_error[160];   /* last error text when down */
	/* I */
	const char *id_status;     /* "provisoire", "recuperee", "validee", "qualifiee" */
	int has_ins;               /* an INS matricule is on the dossier */
	int douteuse, fictive;
	/* C */
	struct dmp_consent consent;
	/* A */
	int authenticated;         /* a Pro Santé Connect session (or CPS) is valid */
	char auth_who[160];        /* "Dr Prénom NOM (e-CPS)" */
	const char *now;           /* "AAAA-MM-JJTHH:MM:SSZ" */
};

struct dica_line {
	enum dica_state state;
	char label[48];            /* "DMP accessible", "INS qualifiée", ... */
	char reason[200];          /* why (French), also when OK ("DMP actif, accès autorisé") */
	enum dica_remedy remedy;
	char remedy_text[96];      /* e.g. "Q : qualifier l'INS" (key shown by the screen) */
};

struct dica_result {
	struct dica_line line[DICA_COUNT];
	int all_ok;                /* the DMP can be consulted */
	int may_query;             /* TD0.2/TD3.x may be sent: INS qualified, consent (or bris de
				    * glace), authenticated */
	int may_feed;              /* feeding allowed: INS qualified, not opposed, authenticated */
	int bdg_active;
	char bdg_until[21];        /* UTC end of the active bris de glace ("" none): the screen
				    * shows it in local time */
};

void dica_evaluate(const struct dica_input *in, struct dica_result *out);

/* One letter ("D", "I", "C", "A") and stable key names for "key: value" output. */
const char *dica_letter_name(enum dica_letter l);
const char *dica_state_name(enum dica_state s);   /* "ok", "ko", "inconnu" */
const char *dica_remedy_name(enum dica_remedy r); /* "aucun", "meteo", "autoriser", ... */

#endif
