/* INS rules for INSi: lexical normalisation of traits, per-trait comparison, first-name
 * coherence, matricule check (pure, no I/O). */
#ifndef VIGIE_CORE_INS_H
#define VIGIE_CORE_INS_H

#include <stddef.h>

#define INS_OID_NIR "1.2.250.1.213.1.4.8"
#define INS_OID_NIA "1.2.250.1.213.1.4.9"
#define INS_OID_TEST "1.2.250.1.213.1.4.10"
#define INS_OID_DEMO "1.2.250.1.213.1.4.11"

/* "NIR", "NIA", "NIR de test", "NIR de démonstration", or NULL for an unknown OID. */
const char *ins_oid_type(const char *oid);

/*
 * Check a 15-character matricule INS (13 + 2-digit key; 2A/2B accepted in positions 6-7).
 * Returns 1 when the key verifies, 0 when it does not (*expected receives the right key),
 * -1 when the text is not a matricule at all.
 */
int ins_matricule_check(const char *matricule15, int *expected);

/*
 * Normalise a birth name (first_name == 0) or a first name / list of first names
 * (first_name == 1) to the INSi lexical rules (SEL-MP-043 §2, §3.4.1): upper case A-Z,
 * space, apostrophe, hyphen; accents removed, Æ→AE, Œ→OE, ß→SS; typographic apostrophes and
 * dashes become ASCII; surrounding spaces trimmed and inner runs of spaces collapsed.
 * Refused (-1, French reason in *why, static string) when the result would still break the
 * rules: empty, a character that is not a letter or an allowed separator (digit, other
 * script...), starting with a space or hyphen, doubled or combined separators other than the
 * double hyphen of names, a double hyphen in a first name, a first name ending with a hyphen
 * or apostrophe, more than 100 bytes. Returns 0 with out filled otherwise.
 */
int ins_normalize(const char *in, int first_name, char *out, size_t outsize, const char **why);

/*
 * EXI ID 10: the first birth first name must be the start of the list of birth first names,
 * hyphen and apostrophe counting as spaces ("JEAN-CHRISTOPHE" is coherent with
 * "JEAN CHRISTOPHE PIERRE"; "JEAN" is coherent with "JEAN-CHRISTOPHE PIERRE" only if the
 * words match in order). Compared after normalisation. Returns 1 when coherent (also when the
 * list is empty), 0 otherwise (also for an empty first name with a list).
 */
int ins_first_name_coherent(const char *first_name, const char *first_names);

/*
 * EXI SI 09: no INSi call (automatic or manual) for an identity with the douteuse or fictive
 * attribute (ID_ATTR_* bits of core/identity.h). Returns 1 when a call is allowed, else 0
 * with a French reason in *why (static string; NULL when allowed).
 */
int ins_insi_call_allowed(unsigned attrs, const char **why);

/* First first name of a list: the first space-separated token ("PIERRE-ALAIN" of
 * "PIERRE-ALAIN MURIEL FLORIANT"). */
void ins_first_of_list(const char *first_names, char *out, size_t outsize);

/* The traits compared between the local identity and an INSi answer. */
enum ins_trait {
	INS_T_MATRICULE = 0,    /* matricule + key */
	INS_T_TYPE,             /* NIR or NIA (from the OID; local: OID, else a NIR typed) */
	INS_T_BIRTH_NAME,
	INS_T_FIRST_NAME,       /* first birth first name */
	INS_T_FIRST_NAMES,      /* the whole list */
	INS_T_SEX,
	INS_T_BIRTH_DATE,
	INS_T_BIRTH_COG,
	INS_T_COUNT
};

enum ins_cmp {
	INS_EQUAL = 0,
	INS_DIFFERS = 1,
	INS_MISSING = 2,        /* absent on one side or both */
};

/* One identity, as stored locally or as returned by INSi. Strings are UTF-8, "" when absent. */
struct ins_identity {
	char matricule[16];     /* 13 + key */
	char oid[32];
	char birth_name[101];
	char first_name[101];
	char first_names[201];
	char sex[2];
	char birth_date[11];    /* AAAA-MM-JJ */
	char birth_cog[6];
};

/* French label of a trait ("Nom de naissance", ...), at most 19 columns wide. */
const char *ins_trait_label(enum ins_trait t);

/*
 * Compare trait by trait. Names are compared after INSi normalisation of both sides (so case,
 * accents and ligatures do not make a difference; a list longer than INSi's 100 characters is
 * still transliterated; a name with characters INSi refuses compares as its upper-cased
 * text). The first first name of an answer without one is the first token of its list. The
 * local matricule is compared with its key; a local identity without OID but with a
 * matricule counts as a NIR for INS_T_TYPE (test and demonstration OIDs are NIRs too); when
 * both sides have an OID the OIDs themselves are compared.
 */
void ins_compare(const struct ins_identity *local, const struct ins_identity *insi,
		 enum ins_cmp out[INS_T_COUNT]);

/*
 * DOMAIN.md §1: an answer may be taken automatically (identity becomes récupérée without a
 * keypress) only when birth name, first first name, sex and birth date are equal, the
 * matricule is equal or unknown locally, the matricule type (NIR/NIA) and the birth place
 * are not different, and the answer's matricule key verifies (key_ok). The list of first
 * names is not required to match. Returns 1 when it may.
 */
int ins_auto_acceptable(const enum ins_cmp cmp[INS_T_COUNT], int key_ok);

/* ID documents for qualification (RNIV; FR Core validation modes). */
enum ins_doc {
	INS_DOC_NONE = 0,
	INS_DOC_CNI,            /* CN carte nationale d'identité */
	INS_DOC_PASSEPORT,      /* PA */
	INS_DOC_TITRE_SEJOUR,   /* CS */
	INS_DOC_LIVRET_FAMILLE, /* LE livret de famille + parent's ID (minor) */
	INS_DOC_ACTE_NAISSANCE, /* AN extrait d'acte de naissance + parent's ID (minor) */
	INS_DOC_APPLI_VITALE,   /* AV Appli carte Vitale (SC.INS.22) */
	INS_DOC_EXCEPTION,      /* EX procédure d'exception, patient bien connu */
	INS_DOC_COUNT
};

/* Storage code ("CN", "PA", "CS", "LE", "AN", "AV", "EX"), French label, and parse. */
const char *ins_doc_code(enum ins_doc d);
const char *ins_doc_label(enum ins_doc d);
enum ins_doc ins_doc_from_code(const char *code);

#endif
