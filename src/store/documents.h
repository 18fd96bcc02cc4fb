/* Documents of a dossier: original bytes (CDA XML, PDF), the PDF copy and its text, metadata
 * extracted from the CDA header, provenance (local, DMP, MSS), versions (setId/versionNumber)
 * and de-duplication by CDA id. */
#ifndef VIGIE_STORE_DOCUMENTS_H
#define VIGIE_STORE_DOCUMENTS_H

#include <stddef.h>
#include "store/db.h"

struct document {
	long long id;
	long long patient_id;
	char provenance[8];        /* "local", "DMP", "MSS" */
	char cda_id[160];          /* root^extension, "" when not a CDA */
	char set_id[160];
	int version;
	char title[256];
	char type_code[32];
	char type_label[160];
	char author[160];
	char author_profession[96];
	char doc_date[16];         /* CDA effectiveTime AAAAMMJJhhmmss (or shorter) */
	char integrated_at[21];
	int invisible_patient;
	char mime[64];             /* of the original: text/xml, application/pdf */
	int level;                 /* 1, 3, or 0 when not a CDA */
	char status[16];           /* "actif", "remplace" (a newer version exists), "retire" */
	long long replaced_by;     /* documents.id of the newer version, 0 */
	char sha1[41];             /* hex SHA-1 of the original, computed by the caller
				    * (vigie-net; the store does no hashing): "" or 40 hex */
	long long size;
	char source_ref[160];      /* DMP entryUUID or MSS message reference */
	int has_pdf;
	int has_text;
};

enum document_match {
	DOC_MATCH_NONE = 0,        /* not known: store it */
	DOC_MATCH_SAME = 1,        /* same CDA id already stored: do not store twice */
	DOC_MATCH_NEWER = 2,       /* same setId, higher version than the stored one: offer it */
	DOC_MATCH_OLDER = 3,       /* same setId, lower or equal version with another id */
};

/* How a document (cda_id, set_id, version) relates to the patient's documents; *existing is
 * the matching row (the current version for NEWER/OLDER), 0 for NONE. */
int document_match(struct store *st, long long patient_id, const char *cda_id,
		   const char *set_id, int version, enum document_match *m, long long *existing);

/* Store a document (d->id set). The same CDA id stored already is refused with
 * STORE_ERR_CONFLICT (use document_match first). A newer version marks the previous current
 * one "remplace" (replaced_by) in the same transaction. Audited ("document.integration",
 * detail: provenance, CDA id, version). pdf/text may be NULL. */
int document_insert(struct store *st, struct document *d, const void *original, size_t len,
		    const void *pdf, size_t pdf_len, const char *text);

int document_get(struct store *st, long long id, struct document *d);
/* Bytes of the original or of the PDF copy (malloc'd). STORE_ERR_NOTFOUND when absent. */
int document_original(struct store *st, long long id, void **buf, size_t *len);
int document_pdf(struct store *st, long long id, void **buf, size_t *len);
/* Text of the PDF (or of the document) if extracted ("" otherwise; malloc'd). */
int document_text(struct store *st, long long id, char **text);
int document_set_text(struct store *st, long long id, const char *text);
/* The author withdrew the document (MSSanté XDM action D): status "retire", audited
 * ("document.retrait"). A document withdrawn already is left as it is (*changed 0; changed
 * may be NULL). */
int document_withdraw(struct store *st, long long id, int *changed);

/* Documents of a patient, sorted by type label then date (newest first); all versions when
 * all_versions, else only current ones. *docs malloc'd. */
int document_list(struct store *st, long long patient_id, int all_versions,
		  struct document **docs, size_t *n);

#endif
