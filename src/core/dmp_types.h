/* DMP data exchanged between the UI process and the network helper: configuration, the
 * acting professional (VIHF), DMP status (TD0.2), document metadata (TD3.1), errors. */
#ifndef VIGIE_CORE_DMP_TYPES_H
#define VIGIE_CORE_DMP_TYPES_H

/* Connection and identification of this software (configuration [dmp]). */
struct dmp_config {
	char endpoint[512];        /* https://.../si-dmp-server/v2/services (service names are
				    * appended: /patients, /habilitations, /registry, /repository) */
	char ca_file[1024];
	char cert_file[1024];      /* mutual TLS: organisation authentication certificate */
	char cert_type[8];         /* "PEM" or "P12" ("" = from the file name) */
	char key_file[1024];
	char key_password[256];    /* never logged */
	char seal_cert[1024];      /* organisation seal certificate signing the VIHF ("" none) */
	char seal_key[1024];
	char seal_password[256];
	char software_name[64];    /* LPS_Nom */
	char software_version[32]; /* LPS_Version */
	char homologation[64];     /* LPS_ID_HOMOLOGATION_DMP (kept out of displays) */
	char structure_id[64];     /* Identifiant_Structure (e.g. FINESS or SIRET prefixed) */
	char structure_name[128];
	char secteur[64];          /* Secteur_Activite, e.g. "SA07^1.2.250.1.71.4.2.4" */
	int connect_timeout_ms;
	int timeout_ms;
};

/* Who acts (VIHF subject), taken from the authenticated session. */
struct dmp_actor {
	char national_id[32];      /* Subject/NameID: "8" + RPPS */
	char family[101];
	char given[101];
	char profession[8];        /* G15 code, e.g. "10" */
	char speciality[16];       /* R01 code, e.g. "SM54" ("" if none) */
	char auth_mode[24];        /* DIRECTE, INDIRECTE, INDIRECTE_RENFORCEE */
	char authn_class[96];      /* SAML AuthnContextClassRef */
	char access_mode[16];      /* purposeofuse: "normal" or "bris_de_glace" */
};

/* The patient, by INS (matricule with its key, 15 characters) and its OID. */
struct dmp_patient {
	char ins[16];
	char oid[32];
};

enum dmp_state {
	DMP_STATE_UNKNOWN = 0,     /* not asked yet */
	DMP_STATE_ABSENT = 1,      /* no DMP for this INS */
	DMP_STATE_ACTIVE = 2,
	DMP_STATE_CLOSED = 3,
};

enum dmp_authz {
	DMP_AUTHZ_UNKNOWN = 0,
	DMP_AUTHZ_NONE = 1,        /* no authorisation for this professional */
	DMP_AUTHZ_VALID = 2,
	DMP_AUTHZ_EXPIRED = 3,
	DMP_AUTHZ_BLOCKED = 4,     /* the patient blocked this professional */
};

/* TD0.2 answer. */
struct dmp_status {
	enum dmp_state state;
	char closed_date[11];      /* AAAA-MM-JJ when closed */
	char closed_reason[128];
	enum dmp_authz authz;
	char authz_end[11];        /* AAAA-MM-JJ, "" unknown */
	int treating_doctor;       /* "médecin traitant DMP" */
	char ins[16];              /* the INS the answer is about (checked against the request) */
};

/* One DocumentEntry (TD3.1). Times are UTC "AAAAMMJJhhmmss" as in XDS (may be shorter). */
struct dmp_doc {
	char entry_uuid[80];
	char unique_id[128];       /* = CDA id (root^extension) */
	char repository_id[80];
	char patient_id[80];       /* INS^^^&OID&ISO^NH */
	char title[256];
	char type_code[32];
	char type_label[128];
	char class_code[16];
	char format_code[80];
	char mime[64];
	char author[160];          /* "Dr Prénom NOM" as far as the metadata tells */
	char author_profession[96];/* profession / speciality label */
	char creation_time[16];
	char service_start[16];
	char submission_time[16];
	int invisible_patient;     /* confidentialityCode INVISIBLE_PATIENT */
	int masked_ps;             /* MASQUE_PS */
	char hash[41];             /* SHA-1 hex of the document */
	long long size;
	char status[16];           /* "approved", "deprecated", "archived" */
};

/* Header of a retrieved CDA (src/cda/cda_read.h fills it in vigie-net). */
struct cda_header {
	char id[160];              /* root^extension (root alone when no extension) */
	char set_id[160];
	int version;               /* versionNumber, 0 if absent */
	char code[32];
	char code_label[160];
	char title[256];
	char effective_time[16];   /* AAAAMMJJhhmmss */
	char patient_ins[16];      /* recordTarget id with an INS OID */
	char patient_oid[32];
	char patient_family[101];
	char patient_given[101];
	char patient_birth[9];     /* AAAAMMJJ */
	char patient_sex[2];
	char author[160];
	char author_profession[96];
	int level;                 /* 1: nonXMLBody, 3: structuredBody */
	int has_pdf;               /* a PDF was found (N1 body, or N3 FR-Document-PDF-copie) */
	char related_id[160];      /* relatedDocument RPLC parentDocument id, "" none */
	/* Read for MSSanté matching and display (issue 5); "" / 0 / -1 when absent. */
	char patient_used_family[101]; /* name qualifier "SP" (nom utilisé), else "" */
	char patient_given_all[201];   /* every given name, space separated (birth first names) */
	char patient_birth_place[6];   /* birthplace COG (addr/censusTract or county code) */
	char care_date[16];        /* documentationOf/serviceEvent/effectiveTime low (or value) */
	char author_org[160];      /* author's organisation name */
	int abnormal;              /* CR-BIO: results with an interpretation other than N or a
				    * value outside its reference range; -1 when not a CR-BIO */
};

enum dmp_error_kind {
	DMP_OK = 0,
	DMP_ERR_CONFIG = -1,       /* endpoint or certificates missing or wrong */
	DMP_ERR_CONNECT = -2,
	DMP_ERR_TIMEOUT = -3,
	DMP_ERR_TLS = -4,
	DMP_ERR_HTTP = -5,         /* HTTP status without a SOAP fault */
	DMP_ERR_FAULT = -6,        /* SOAP fault, or XDS RegistryResponse failure */
	DMP_ERR_PARSE = -7,        /* malformed, hostile or unexpected answer */
	DMP_ERR_REFUSED = -8,      /* refused before sending (no consent, not authenticated...) */
	DMP_ERR_CANCELLED = -9,
	DMP_ERR_MISMATCH = -10,    /* answer about another patient, hash/size not as announced */
};

struct dmp_error {
	int kind;
	char code[64];             /* fault or XDS error code when there is one */
	char message[320];         /* French, for the user */
};

#endif
