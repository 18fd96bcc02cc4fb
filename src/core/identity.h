/* Identity status (RNIV) and attributes, and validation of a patient's identity traits. */
#ifndef VIGIE_CORE_IDENTITY_H
#define VIGIE_CORE_IDENTITY_H

#include <stddef.h>

enum id_status {
	ID_PROVISOIRE = 0,
	ID_RECUPEREE = 1,
	ID_VALIDEE = 2,
	ID_QUALIFIEE = 3,
};

/* Attribute bits */
#define ID_ATTR_HOMONYME 0x1
#define ID_ATTR_DOUTEUSE 0x2
#define ID_ATTR_FICTIVE 0x4

/* Stable storage code ("provisoire", "recuperee", "validee", "qualifiee"). */
const char *id_status_code(enum id_status s);
/* Parse a storage code; returns -1 if unknown. */
int id_status_from_code(const char *code);
/* French label for users ("Provisoire", "Récupérée", "Validée", "Qualifiée"). */
const char *id_status_label(enum id_status s);
/* Short ASCII marker for lists and monochrome screens: "PROV", "RECUP", "VALI", "QUAL". */
const char *id_status_marker(enum id_status s);

/*
 * Check the RNIV constraints on a status + attributes combination:
 * douteuse and fictive only with provisoire, never both. Homonyme with any status.
 * Returns 0 when allowed, or -1 with a French reason in *why (static string).
 */
int id_check_attributes(enum id_status s, unsigned attrs, const char **why);

/* What an edit of a dossier does to its identity (RNIV, DOMAIN.md §1). */
struct id_edit {
	enum id_status old_status;
	int has_ins;            /* an INS matricule returned by INSi is recorded */
	int strict_changed;     /* a strict trait (names, sex, birth date, COG) was changed */
	int doc_before;         /* an ID document was recorded before the edit */
	int doc_after;          /* an ID document is recorded after the edit */
	int doc_changed;        /* the document was (re)entered in this edit */
	unsigned attrs;         /* attributes after the edit */
};

enum id_edit_effect {
	ID_EDIT_DROP_INS = 0x1,  /* clear the INS matricule and OID */
	ID_EDIT_DROP_DOC = 0x2,  /* clear the recorded ID document */
};

/*
 * Status after an edit, and what must be cleared (*effects, ID_EDIT_* bits):
 *  - douteuse demotes to provisoire and invalidates the INS and the validation;
 *  - a strict trait changed without the document being (re)checked in the same edit loses
 *    the validation (validée -> provisoire); an INS identity's strict traits come from INSi
 *    and are not edited by hand (callers keep them);
 *  - a document seen raises provisoire -> validée, récupérée -> qualifiée; removing it lowers
 *    qualifiée -> récupérée, validée -> provisoire.
 */
enum id_status id_status_after_edit(const struct id_edit *e, unsigned *effects);

/* Sex codes accepted: "F", "M", "I" (indéterminé). Returns 1 if valid. */
int id_sex_valid(const char *sex);

/* Maximum lengths of identity fields (bytes, UTF-8) */
#define ID_NAME_MAX 100
#define ID_FIRSTNAMES_MAX 200

/* Field identifiers for validation messages. */
enum id_field {
	IDF_NONE = 0,
	IDF_BIRTH_NAME,
	IDF_USED_NAME,
	IDF_FIRST_NAME,
	IDF_BIRTH_FIRST_NAMES,
	IDF_USED_FIRST_NAME,
	IDF_SEX,
	IDF_BIRTH_DATE,
	IDF_BIRTH_COG,
	IDF_NIR,
	IDF_ATTRIBUTES,
};

/* Identity traits as typed by a user (UTF-8 strings, may be empty, never NULL). */
struct id_traits {
	const char *birth_name;
	const char *used_name;
	const char *first_name;        /* first birth first name */
	const char *birth_first_names; /* all birth first names, space separated */
	const char *used_first_name;
	const char *sex;               /* "F", "M", "I" */
	const char *birth_date;        /* "JJ/MM/AAAA" as typed */
	const char *birth_cog;         /* 5 characters, may be empty */
	const char *nir;               /* matricule with key, may be empty */
	enum id_status status;
	unsigned attrs;
};

/*
 * Validate traits for saving a patient record. today_iso is "AAAA-MM-JJ".
 * Rules: birth name, first name, sex and birth date required; names only letters (any
 * Latin letter with accents), space, apostrophe, hyphen; first name must be the first of the
 * birth first names list when that list is given; birth date valid and not in the future;
 * COG valid when given; NIR parsed with its key (Corsica) and consistent with sex (1/3/7 M,
 * 2/4/8 F) and birth year/month when given; attributes allowed for the status.
 * Returns IDF_NONE (0) when valid, else the first faulty field with a French message in msg.
 */
enum id_field id_validate(const struct id_traits *t, const char *today_iso, char *msg, size_t msgsize);

#endif
