/* vigie-sim: the simulated DMPs and their documents, shared by sim_dmp.c, sim_dmp_docs.c, sim_faults.c. */
#ifndef VIGIE_SIM_DMP_H
#define VIGIE_SIM_DMP_H

#include <stddef.h>

#include <libxml/xmlwriter.h>

#include "sim/sim.h"

/* Fictitious repository of the simulated DMP (XDS repositoryUniqueId). */
#define SIM_DMP_REPOSITORY "1.2.250.1.999.1.2"

#define SIM_DMP_DOCS_MAX 16
#define SIM_DMP_BLOCKED_MAX 8

enum sim_dmp_authz {
	SIM_AUTHZ_NONE = 0,
	SIM_AUTHZ_VALID,
	SIM_AUTHZ_EXPIRED,
	SIM_AUTHZ_BLOCKED,
};

/* One document of a simulated DMP, built once at start: the same bytes on every request, so
 * that the hash and size announced by TD3.1 match what TD3.2 serves. */
struct sim_dmp_doc {
	int kind;                  /* index in the document kinds of sim_dmp_docs.c */
	int version;               /* versionNumber: versions of one kind share the setId */
	int deprecated;            /* replaced by a later version (status Deprecated) */
	char service_time[15];     /* AAAAMMJJhhmmss UTC: the act itself */
	char creation_time[15];    /* the document (CDA effectiveTime) */
	char submission_time[15];  /* when it reached the DMP */
	char unique_id[96];        /* CDA id "root^extension" = XDS uniqueId */
	char entry_uuid[48];       /* "urn:uuid:..." (derived from the uniqueId: no randomness) */
	unsigned char *bytes;      /* the CDA R2 document (malloc'd) */
	size_t len;
	char hash[41];             /* SHA-1 of bytes, lower-case hex */
};

struct sim_dmp_patient {
	char ins[16];              /* matricule + key, 15 characters */
	char oid[32];
	char birth_name[101];
	char used_name[101];       /* "" when none */
	char first_names[201];     /* birth first names, space-separated */
	char sex[2];
	char birth_date[11];       /* AAAA-MM-JJ */
	char cog[6];
	int closed;
	char closed_date[11];
	char closed_reason[161];
	enum sim_dmp_authz authz;  /* what any professional has, unless told otherwise */
	char authz_end[11];
	char treating[16];         /* national id of the "médecin traitant DMP", "" none */
	char blocked[SIM_DMP_BLOCKED_MAX][16]; /* national ids the patient blocked */
	int n_blocked;
	struct sim_dmp_doc docs[SIM_DMP_DOCS_MAX];
	int n_docs;
};

/* A libxml2 text writer whose first error stops the rest (sim_dmp_docs.c, sim_mss.c);
 * pfx: element prefix, NULL for the default namespace. */
struct sim_xw {
	xmlTextWriterPtr w;
	const char *pfx;
	int err;
};
void sim_xw_open(struct sim_xw *c, const char *name);
void sim_xw_close(struct sim_xw *c);
void sim_xw_attr(struct sim_xw *c, const char *name, const char *value);
void sim_xw_text(struct sim_xw *c, const char *t);
void sim_xw_leaf(struct sim_xw *c, const char *name, const char *t);
void sim_xw_comment(struct sim_xw *c, const char *t);

/* The "documents" column: "KIND[:VERSION]@AAAAMMJJhhmm;..." (see data/dmp-sim-patients.tsv).
 * 0, or -1 with a French message. */
int sim_dmp_docs_parse(const char *spec, struct sim_dmp_patient *p, char *err, size_t errsize);
/* Build every document of p (CDA, PDF copies, hash). 0 or -1 with err. */
int sim_dmp_docs_build(struct sim_dmp_patient *p, char *err, size_t errsize);
void sim_dmp_docs_free(struct sim_dmp_patient *p);

/* One rim:ExtrinsicObject (XDS.b DocumentEntry) for d. rim is the prefix the caller bound to
 * urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0; patient_id ("INS^^^&OID&ISO^NH") is the
 * patient the entry names (another one under the wrongpatient fault). 0 or -1. */
int sim_dmp_write_entry(xmlTextWriterPtr w, const char *rim, const struct sim_dmp_patient *p,
			const struct sim_dmp_doc *d, const char *patient_id);

/* The same with extra slots written first: extra is NULL or "name", "value", ..., NULL (the
 * XDM METADATA.XML of an MSSanté message adds URI and urn:action:extraMetadataSlot). */
int sim_dmp_write_entry_slots(xmlTextWriterPtr w, const char *rim,
			      const struct sim_dmp_patient *p, const struct sim_dmp_doc *d,
			      const char *patient_id, const char *const *extra);

/* The PDF copy of d (malloc'd, the bytes embedded in the CDA); *pdf NULL when its kind has
 * none (vaccination note). 0 or -1. */
int sim_dmp_doc_pdf(const struct sim_dmp_patient *p, const struct sim_dmp_doc *d,
		    unsigned char **pdf, size_t *len);

/* A copy of the traits of the patient ins of the table loaded by sim_dmp_init (documents not
 * copied: n_docs 0). 0, or -1 when the table has no such patient. */
int sim_dmp_patient_traits(const char *ins, struct sim_dmp_patient *out);

/* "vigie-sim mss-message [OPTIONS]": one MSSanté message on stdout (sim_mss.c); argv[0] is
 * the subcommand. default_patients: the DMP table used when --dmp-patients is not given.
 * Returns the exit status. "vigie-sim mss-extract ZIP NAME" (tests): one archive entry. */
int sim_mss_main(int argc, char **argv, const char *default_patients);
int sim_mss_extract_main(int argc, char **argv);

/* SHA-1 of data as 40 lower-case hex digits (GnuTLS). 0 or -1. */
int sim_dmp_sha1_hex(const void *data, size_t len, char hex[41]);

/* DMP SOAP fault codes (sim_dmp.c): 1 when code is one of them; the list for messages. */
int sim_dmp_fault_known(const char *code);
const char *sim_dmp_fault_list(void);

/* The live "dmp" fault with its full SOAP code: DMP codes are longer than the code field of
 * struct sim_fault, which keeps a truncated copy (sim_faults.c). */
void sim_fault_get_dmp(struct sim_fault *f, char *code, size_t size);

/* The DMP-only faults change the content of a normal answer, so their kind stays
 * SIM_FAULT_NONE and the code field names them. */
#define SIM_DMP_FAULT_WRONGPATIENT "wrongpatient"
#define SIM_DMP_FAULT_BADHASH "badhash"

#endif
