/* CDA R2 reader (libxml2): the header of a received document (DMP, later MSSanté) and the
 * PDF it carries, N1 body or N3 "FR-Document-PDF-copie"; hostile XML refused. */
#ifndef VIGIE_CDA_CDA_READ_H
#define VIGIE_CDA_CDA_READ_H

#include <stddef.h>

#include "core/dmp_types.h"

/* Largest document read (the DMP's own limit for a CDA with its PDF is of this order). */
#define CDA_MAX_BYTES (16u * 1024 * 1024)

/*
 * Reads a CDA R2 document (namespace urn:hl7-org:v3): fills h (id, setId, version, type code,
 * title, time, patient INS and traits, first author, level, RPLC parent) and, when pdf is not
 * NULL and a PDF is found, sets *pdf (malloc'd) and *pdf_len. Returns 0, or a negative
 * cda_read_error with a French message in err.
 */
enum cda_read_error {
	CDA_ERR_XML = -1,          /* not XML, truncated, DTD or entities, over CDA_MAX_BYTES */
	CDA_ERR_NOT_CDA = -2,      /* well-formed, but not an hl7 ClinicalDocument */
	CDA_ERR_INVALID = -3,      /* an INS of the wrong length, a PDF that is not one */
};
int cda_read(const char *xml, size_t len, struct cda_header *h, unsigned char **pdf,
	     size_t *pdf_len, char *err, size_t errsize);

/*
 * The XML parser of every received document and answer: no network, no DTD loaded, no entity
 * expanded, a DOCTYPE refused outright, libxml2's messages kept off the terminal. what names
 * the text in messages ("Réponse du DMP", "Document CDA"). Returns the document (an xmlDocPtr,
 * to xmlFreeDoc) or NULL with err.
 */
struct _xmlDoc *cda_xml_read(const char *xml, size_t len, const char *what, char *err,
			     size_t errsize);

/* The ClinicalDocument element of a parsed document: the root, or the CDA embedded in a
 * "self-presenting" XSLT stylesheet (ANS "Auto-Presentable" examples); NULL if none. */
const struct _xmlNode *cda_clinical_document(const struct _xmlNode *root);

/* The title written before an author's name: "Dr" for a médecin, pharmacien,
 * chirurgien-dentiste or sage-femme (code "G15_10...", 21, 40, 50) whatever the civilité,
 * else the civilité of JDV_J245 written out ("MME" -> "Mme", "M" -> "M."); "" without one. */
void cda_author_title(const char *prefix, const char *code, char *out, size_t size);

/* Strict base64 (white space allowed, nothing else) decoded with OpenSSL: 0 with *out
 * (malloc'd) and *outlen, -1 when the text is not base64. */
int cda_b64_decode(const char *in, size_t len, unsigned char **out, size_t *outlen);

#endif
