/* Patients: identity traits, contact, notes; search index; every change audited. */
#ifndef VIGIE_STORE_PATIENTS_H
#define VIGIE_STORE_PATIENTS_H

#include <stddef.h>
#include "store/db.h"

struct patient {
	long long id;
	char birth_name[101];
	char used_name[101];
	char first_name[101];          /* first birth first name */
	char birth_first_names[201];   /* all birth first names, space separated */
	char used_first_name[101];
	char sex[2];                   /* F, M, I */
	char birth_date[11];           /* AAAA-MM-JJ */
	char birth_cog[6];
	char nir[16];                  /* matricule + key as typed by staff (Vitale, papers) */
	char ins_matricule[16];        /* INS matricule + key returned by INSi ("" if none) */
	char ins_oid[32];
	int id_status;                 /* enum id_status */
	unsigned id_attrs;             /* ID_ATTR_* bits */
	char validation_mode[8];       /* CN, PA, CS, AN, LE, AV, EX or "" */
	char phone[33];
	char mobile[33];
	char email[129];
	char address[201];
	char postal_code[11];
	char city[101];
	char *notes;                   /* malloc'd, may be NULL; freed by patient_clear */
	char created_at[24];
	char updated_at[24];
	int version;                   /* increases on every update (optimistic locking); notes,
					* being appended, do not count */
};

void patient_init(struct patient *p);
void patient_clear(struct patient *p);

/* Insert; fills p->id and p->version. Audited. */
int patient_insert(struct store *st, struct patient *p);
/* Update if p->version still matches the row (else STORE_ERR_CONFLICT). Notes are not
 * written (see patient_add_note). Audited with before/after of changed fields. On success
 * p->version is incremented. */
int patient_update(struct store *st, struct patient *p);
/* The same, with the audit action named ("ins.recuperation", ...) and a JSON detail. */
int patient_update_audited(struct store *st, struct patient *p, const char *action,
			   const char *detail);
/* Load by id. */
int patient_get(struct store *st, long long id, struct patient *p);
/* Number of patients. */
long long patient_count(struct store *st);

/* One search result row: enough to draw a list line without loading the dossier. */
struct patient_hit {
	long long id;
	char birth_name[101];
	char used_name[101];
	char first_name[101];
	char used_first_name[101];
	char sex[2];
	char birth_date[11];
	int id_status;
	unsigned id_attrs;
};

struct patient_hits {
	struct patient_hit *v;
	size_t n, cap;
	int truncated;    /* more than limit matched */
};

void patient_hits_free(struct patient_hits *h);

/* Rows a type-ahead search returns: five screens of results; past that, "précisez". */
#define PATIENT_SEARCH_LIMIT 200

/*
 * Type-ahead search. The query is split on spaces; every token must match:
 * a name token matches the start of a word of birth name, used name or first names (case
 * and accents ignored); "JJ/MM/AAAA", "JJ/MM", "MM/AAAA", "AAAA" match the birth date;
 * 5+ digits match the start of the NIR or INS matricule. Results sorted by used (else birth)
 * name, first name, birth date; at most limit rows, h->truncated set when more may exist.
 * When every criterion is very broad only the first rows of one term are examined: the
 * results are then the first matches in order, fewer than limit, and truncated is set.
 * An empty query gives the most recently opened patients.
 */
int patient_search(struct store *st, const char *query, size_t limit, struct patient_hits *h);

/* Append a dated note ("AAAA-MM-JJ HH:MM login : text") to the dossier's notes, atomically
 * (concurrent appends from other sessions are kept; an open edit form does not conflict with
 * it). Audited. */
int patient_add_note(struct store *st, long long id, const char *text);

/* Record that the current user opened a dossier (feeds the empty-query list). */
int patient_touch_opened(struct store *st, long long id);

#endif
