/* INSi data exchanged between the UI process and the network helper: configuration, queries,
 * results and errors (plain structs, no library). */
#ifndef VIGIE_CORE_INSI_TYPES_H
#define VIGIE_CORE_INSI_TYPES_H

/* Connection and identification of this software (configuration [insi]). */
struct insi_config {
	char endpoint[512];        /* https://... (only https is accepted) */
	char ca_file[1024];        /* CA bundle that signs the server (PEM) */
	char cert_file[1024];      /* client certificate: PEM, or PKCS#12 (.p12/.pfx) */
	char cert_type[8];         /* "PEM" or "P12" ("" = from the file name) */
	char key_file[1024];       /* private key (PEM) when not inside the certificate */
	char key_password[256];    /* for the key or the PKCS#12 file (never logged) */
	char idam[64];             /* software authorisation number (ContexteLPS/LPS/IDAM) */
	char software_name[64];    /* LPS/Nom is "urn:lps:<name>:<version>" */
	char software_version[32];
	char instance[64];         /* UUID of this installation (LPS/Instance) */
	char emitter[128];         /* ContexteBAM/ContexteLPS Emetteur */
	int connect_timeout_ms;
	int timeout_ms;            /* total time of one call */
};

/* Search by identity traits (RECSANSVITALE). Strings already normalised (core/ins.h). */
struct insi_traits_query {
	const char *birth_name;
	const char *first_name;    /* one first name per call */
	const char *sex;           /* "F" or "M" */
	const char *birth_date;    /* AAAA-MM-JJ */
	const char *birth_cog;     /* "" or NULL: not sent */
};

/* Search with Vitale card data (RECVITALE). */
struct insi_vitale_query {
	const char *nir_individu;  /* 13 + key, may be "" (child on a parent's card) */
	const char *nir_od;        /* 13 + key of the "ouvrant droit" */
	const char *birth_name;    /* may be "" */
	const char *birth_date;    /* as on the card: AAAA-MM-JJ or lunar AAAAMMJJ */
	int rang;                  /* birth rank (twins), 1 by default */
};

#define INSI_HISTO_MAX 16

struct insi_ins {
	char num[14];              /* NumIdentifiant, 13 characters */
	char key[3];               /* Cle, 2 digits ("" if absent) */
	char type[8];              /* TypeMatricule if present */
	char oid[32];
	char date_deb[11];
	char date_fin[11];
	int key_ok;                /* 1 the key verifies, 0 it does not (or is absent) */
};

struct insi_result {
	char cr[3];                /* "00", "01", "02" */
	char cr_label[128];
	int has_individu;
	struct insi_ins active;    /* INSACTIF */
	struct insi_ins history[INSI_HISTO_MAX];
	int n_history;             /* INSHISTO kept (extra ones beyond the max are counted) */
	int n_history_total;
	/* TIQ */
	char birth_name[101];
	char first_name[101];      /* TIQ/Prenom, else first token of ListePrenom */
	char first_names[201];     /* TIQ/ListePrenom */
	char sex[2];
	char birth_date[11];
	char birth_cog[6];
	int key_anomaly;           /* a matricule returned (active or history) fails its key */
};

enum insi_error_kind {
	INSI_OK = 0,
	INSI_ERR_CONFIG = -1,      /* endpoint/certificates missing or wrong */
	INSI_ERR_CONNECT = -2,     /* connection refused, DNS, reset */
	INSI_ERR_TIMEOUT = -3,
	INSI_ERR_TLS = -4,         /* certificate verification, handshake */
	INSI_ERR_HTTP = -5,        /* HTTP status other than 200 without a SOAP fault */
	INSI_ERR_FAULT = -6,       /* SOAP 1.2 fault (siram:Erreur) */
	INSI_ERR_PARSE = -7,       /* malformed, hostile or unexpected XML */
	INSI_ERR_INPUT = -8,       /* traits that cannot be sent (normalisation) */
	INSI_ERR_CANCELLED = -9,
};

struct insi_error {
	int kind;                  /* enum insi_error_kind */
	long http_status;
	char code[48];             /* siram:Erreur/@code, e.g. "insi_102", or "" */
	char subcode[48];          /* Fault Subcode value, e.g. "siram_40" */
	char message[512];         /* French text for the user (fault Reason text when given) */
};

#endif
