/* INSi outcomes, matricule history and Vitale data of patients; applying an answer to a
 * dossier (récupération, qualification, creation), every change audited. */
#ifndef VIGIE_STORE_INSI_STORE_H
#define VIGIE_STORE_INSI_STORE_H

#include "core/ins.h"
#include "store/db.h"
#include "store/patients.h"

#define INSI_ANSWER_HISTO_MAX 16

struct insi_answer_histo {
	char matricule[16];
	char oid[32];
	char date_deb[11];
	char date_fin[11];
	int key_ok;
};

/* One row of insi_answers: what a search (one or more calls) found. */
struct insi_answer {
	long long id;
	long long patient_id;          /* 0: traits typed in patient search */
	char at[24];
	char who[64];
	char purpose[16];              /* recherche, verification, creation */
	char outcome[8];               /* 00, 01, 02, erreur */
	char cr_label[128];
	char error_code[48];
	char error_message[512];
	struct ins_identity ins;       /* the identity returned (outcome 00) */
	int key_ok;                    /* every matricule returned verifies */
	struct insi_answer_histo hist[INSI_ANSWER_HISTO_MAX];
	int nhist;
	struct ins_identity query;     /* traits sent (matricule/oid empty) */
	char steps[1024];              /* one line per call */
	int calls;
	long elapsed_ms;
	char decision[16];             /* "", automatique, acceptee, qualifiee, rejetee, creee,
					* confirmee */
};

/* Insert a new answer (fills a->id and a->at, a->who from the store's user). */
int insi_answer_save(struct store *st, struct insi_answer *a);
/* The newest answer of a patient; STORE_ERR_NOTFOUND when none. */
int insi_answer_latest(struct store *st, long long patient_id, struct insi_answer *a);
int insi_answer_get(struct store *st, long long id, struct insi_answer *a);
/* Record the user's decision on an answer (audited as ins.decision). */
int insi_answer_decide(struct store *st, long long id, const char *decision);

/* The local identity of a dossier as compared with INSi (matricule: the INS if any, else the
 * NIR typed from the Vitale card or papers). */
void insi_local_identity(const struct patient *p, struct ins_identity *out);

/*
 * Take an INSi answer (outcome 00, keys verifying) into the dossier: strict traits from INSi
 * (birth name, first names, first first name, sex, birth date, birth COG; used names
 * untouched), matricule and OID, status récupérée — or qualifiée when doc is not
 * INS_DOC_NONE (the document the user checked) or when the identity was already validée on
 * traits that INSi confirms (a document checked against other traits is dropped) —
 * matricule history kept, ins_checked_at set, the answer's decision written. One transaction,
 * audited as "ins.recuperation" or "ins.qualification" with the answer id in the detail.
 * expected_version guards against a concurrent edit (0: do not check). Refused when another
 * dossier holds the matricule (or one of its history): a probable duplicate. *status_out
 * (may be NULL) receives the status written.
 */
int insi_apply_answer(struct store *st, long long patient_id, int expected_version,
		      const struct insi_answer *a, enum ins_doc doc, const char *decision,
		      int *status_out);

/* Qualify a récupérée identity (doc checked), or validate a provisoire one. Audited. */
int insi_set_document(struct store *st, long long patient_id, enum ins_doc doc);

/* A dossier other than exclude holding this matricule as its INS, its NIR or in its
 * history (0: none). */
long long insi_find_by_matricule(struct store *st, const char *matricule, long long exclude);
/* A dossier with the same sex, birth date and birth (or used) name, INSi-normalised. */
long long insi_find_similar(struct store *st, const struct ins_identity *id);

/* Create a dossier from an answer of a search typed in patient search: traits and INS from
 * INSi, status récupérée or qualifiée (doc). Fills *id. Refused (STORE_ERR_INVALID, *id set to
 * it) when a dossier already holds that matricule or looks the same (insi_find_similar).
 * Audited as patient.create and ins.creation (answer id, document). */
int insi_create_patient(struct store *st, const struct insi_answer *a, enum ins_doc doc,
			long long *id);

/* A verification found the same INS: only ins_checked_at moves (audited "ins.verification"). */
int insi_mark_verified(struct store *st, long long patient_id, long long answer_id);

/* When the INS was last retrieved or verified ("" never); AAAA-MM-JJ. */
int insi_checked_at(struct store *st, long long patient_id, char *out, size_t size);

/* Matricule history of a dossier, newest first. Returns the count (≤ max) or < 0. */
int ins_history_list(struct store *st, long long patient_id, struct insi_answer_histo *out,
		     int max);

/* Vitale card data of a dossier. */
struct vitale_data {
	char nir_individu[16];
	char nir_od[16];
	char birth_name[101];
	char birth_date[11];
	int rang;
};
/* 0 with v filled, STORE_ERR_NOTFOUND when the dossier has none. */
int vitale_get(struct store *st, long long patient_id, struct vitale_data *v);
int vitale_set(struct store *st, long long patient_id, const struct vitale_data *v);

/* Trace one INSi call (action "insi-appel", detail JSON: operation, cr or error, duration,
 * lieu sent, first name sent). Runs in its own transaction. */
int insi_trace_call(struct store *st, long long patient_id, const char *operation,
		    const char *cr, const char *error_code, long elapsed_ms, int with_place,
		    const char *first_name);

#endif
