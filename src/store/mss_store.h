/* MSSanté reception in the store (db/0004_mss.sql): received messages, one worklist item per
 * document, mailbox state (UIDVALIDITY + last UID), matching to a dossier (INS, then ranked
 * identity traits), versions (setId/versionNumber, sender's deletion "D"), integration into the
 * dossier's documents (provenance MSS). Every reception and action is audited. The bytes stay
 * in the archive directory (original message, extracted parts): rows hold their paths. */
#ifndef VIGIE_STORE_MSS_STORE_H
#define VIGIE_STORE_MSS_STORE_H

#include <stddef.h>
#include "core/ins.h"
#include "core/mss_types.h"
#include "store/db.h"

enum mss_status {
	MSS_ST_NEW = 0,            /* "nouveau": not opened yet */
	MSS_ST_READ = 1,           /* "lu" */
	MSS_ST_INTEGRATED = 2,     /* "integre": stored in a dossier (document_id) */
	MSS_ST_REPLACED = 3,       /* "remplace": a newer version of the same setId was received */
	MSS_ST_WITHDRAWN = 4,      /* "retire": the sender deleted this document (XDM action D) */
	MSS_ST_DELETED = 5,        /* "efface": deleted locally (hidden; original kept, audited) */
};
#define MSS_ST_COUNT 6

/* Stable storage code ("nouveau", "lu", "integre", "remplace", "retire", "efface"). */
const char *mss_status_code(int status);
/* French label ("Nouveau", "Lu", "Intégré", "Remplacé", "Supprimé par l'émetteur",
 * "Effacé"). */
const char *mss_status_label(int status);

/* Item flags */
#define MSS_F_NEW_VERSION 0x01  /* setId of a document integrated in the matched dossier, with
				 * a higher version: "nouvelle version" */
#define MSS_F_ALREADY 0x02      /* the same CDA id is already integrated (DMP, MSS or local) */
#define MSS_F_CONFLICT 0x04     /* CDA patient contradicts the XDM metadata, hash mismatch */
#define MSS_F_ERROR 0x08        /* unreadable (error holds why) */
#define MSS_F_DELETE 0x10       /* the sender's deletion notice (XDM action D) */
#define MSS_F_OLDER 0x20        /* an older version than the one integrated */

enum mss_match {
	MSS_MATCH_NONE = 0,        /* no dossier: to be attached by the user */
	MSS_MATCH_INS = 1,         /* the dossier with the same INS (matricule + OID) */
	MSS_MATCH_USER = 2,        /* chosen by the user (attach) */
};

/* One worklist line (what the list draws; compact). */
struct mss_item {
	long long id;
	long long message_id;
	int status;                /* enum mss_status */
	int sender;                /* enum mss_sender */
	int kind;                  /* enum mss_doc_kind */
	int flags;                 /* MSS_F_* */
	int abnormal;              /* CR-BIO abnormal results, -1 not counted */
	int urgent;
	int match;                 /* enum mss_match */
	long long patient_id;      /* dossier matched or chosen, 0 none */
	long long document_id;     /* documents.id once integrated (or the one already there) */
	char patient[128];         /* "NOM Prénom" from the CDA (birth name; used name in
				    * brackets when different), else the sender's name */
	char birth_date[11];       /* AAAA-MM-JJ, "" unknown */
	char type_code[32];
	char type_label[128];      /* CDA code label; "Message", "PDF", "Pièce jointe" otherwise */
	char date[16];             /* document date (CDA effectiveTime), else care date
				    * (serviceEvent), else the message date: AAAAMMJJ[hhmmss] */
	char received_at[21];      /* AAAA-MM-JJTHH:MM:SSZ */
};

/* Everything about one item, for the detail pane, viewing and integration. */
struct mss_item_full {
	struct mss_item it;
	struct mss_doc doc;        /* as received (paths, CDA header, XDM patient, conflict) */
	char from[256];
	char from_name[128];
	char subject[256];
	char msg_date[16];
	char msg_file[MSS_PATH_MAX];
	char msg_error[256];
	char message_id[256];
};

/* ---- mailbox state ---- */
/* mailbox: a stable key of the box ("user@host:port/INBOX"). 0 with zeros when unknown. */
int mss_state_get(struct store *st, const char *mailbox, long long *uidvalidity,
		  long long *last_uid);
/* After a fetch run: remembers the box's UIDVALIDITY and the last UID stored, the time and
 * the outcome (error "" when fine). */
int mss_state_set(struct store *st, const char *mailbox, long long uidvalidity,
		  long long last_uid, const char *error);
/* Last fetch time (AAAA-MM-JJTHH:MM:SSZ) and error of a box ("" when never). */
int mss_state_info(struct store *st, const char *mailbox, char *last_fetch, size_t lf_size,
		   char *error, size_t err_size);

/* ---- reception ---- */
/*
 * Stores a received message and one item per document, in one transaction, audited
 * ("mss.reception": sender, subject, documents). The same message stored twice (same mailbox
 * and key, or same SHA-1) is recognised: *msg_id is the existing row and *stored 0. On the way:
 *  - matching: a document whose INS (matricule + OID) is a dossier's goes to that dossier
 *    (MSS_MATCH_INS); otherwise none (candidates: mss_candidates). A patient's message
 *    (<INS>@patient.mssante.fr) matches by the address's INS. An item with a conflict
 *    (MSS_F_CONFLICT) is never matched automatically;
 *  - versions: MSS_F_ALREADY when the same CDA id is integrated (any provenance),
 *    MSS_F_NEW_VERSION when the setId of an integrated document has a lower version, and
 *    earlier worklist items of the same setId with a lower version become MSS_ST_REPLACED;
 *  - action D: the document with that CDA id (or that setId) in the dossiers becomes
 *    "retire" (documents.status), worklist items of that CDA id become MSS_ST_WITHDRAWN, the
 *    notice itself is MSS_F_DELETE; audited "mss.suppression-emetteur". *withdrawn counts
 *    the dossier documents withdrawn (may be NULL).
 */
int mss_receive(struct store *st, const char *mailbox, const struct mss_message *m,
		long long *msg_id, int *stored, int *withdrawn);

/* New INS matches for unmatched items (dossiers created or qualified since): count made. */
int mss_rematch(struct store *st, int *matched);

/* ---- worklist ---- */
enum mss_sort {
	MSS_SORT_RECEIVED = 0,     /* newest reception first (default) */
	MSS_SORT_DATE = 1,         /* document/care date, newest first */
	MSS_SORT_TYPE = 2,         /* type label, then date */
	MSS_SORT_PATIENT = 3,      /* patient name, then date */
};

struct mss_filter {
	int only_new;              /* MSS_ST_NEW only */
	int only_alerts;           /* abnormal > 0, urgent, new version, withdrawn, conflict */
	int show_deleted;          /* include MSS_ST_DELETED (hidden by default) */
	char type_code[32];        /* "" any */
	long long patient_id;      /* 0 any */
	char text[64];             /* "" any: words found in patient, type, sender, subject */
};

/* Item ids in display order (malloc'd). Cheap for 20 000 items (no row is loaded). */
int mss_list(struct store *st, const struct mss_filter *f, enum mss_sort sort,
	     long long **ids, size_t *n);
/* One line's fields. */
int mss_item_get(struct store *st, long long id, struct mss_item *it);
int mss_item_full_get(struct store *st, long long id, struct mss_item_full *f);
/* Counts for the status line: new items, items with an alert among the new ones. */
int mss_counts(struct store *st, long long *n_new, long long *n_alert);
/* Distinct type codes and labels of the items (filter menu): malloc'd parallel arrays. */
int mss_types(struct store *st, char (**codes)[32], char (**labels)[128], size_t *n);

/* ---- actions (audited as the store's user, store_set_user) ---- */
/* Read / unread (MSS_ST_NEW <-> MSS_ST_READ; other statuses are kept). */
int mss_mark_read(struct store *st, long long id, int read);
/* Local deletion: MSS_ST_DELETED, the archived original stays ("mss.effacement"). */
int mss_delete_local(struct store *st, long long id);
/* Attach an item to a dossier chosen by the user (MSS_MATCH_USER, "mss.rattachement"). */
int mss_attach(struct store *st, long long id, long long patient_id);

/* A dossier proposed for an item, ranked by identity traits. */
struct mss_candidate {
	long long patient_id;
	int score;                 /* higher is closer (birth name, first names, birth date, sex;
				    * accents and case ignored; used name vs birth name counted) */
	struct ins_identity local; /* the dossier's traits */
	enum ins_cmp cmp[INS_T_COUNT];  /* against the document's traits */
	char used_name[101];
	int used_name_matches;     /* the document's name is the dossier's used (married) name */
};
/* The document's identity (for the comparison table) and up to max candidates, best first.
 * Candidates share at least a birth date, or a birth/used name (folded). *c malloc'd. */
int mss_candidates(struct store *st, long long id, struct ins_identity *doc_identity,
		   struct mss_candidate **c, size_t *n, size_t max);
/* Whether a candidate is strong enough to be proposed as the default choice (birth name or
 * used name, first name, birth date and sex equal); a weak one always needs a confirmation. */
int mss_candidate_strong(const struct mss_candidate *c);

/* Outcome of an integration. */
enum mss_integrate_outcome {
	MSS_INT_STORED = 0,        /* new document in the dossier */
	MSS_INT_REPLACED = 1,      /* stored as a newer version: the previous one stays in history */
	MSS_INT_ALREADY = 2,       /* the same CDA id was there (DMP, MSS, local): not stored twice */
	MSS_INT_OLDER = 3,         /* an older version than the dossier's: stored in history only */
};
/*
 * Integrates an item into the dossier it is matched or attached to: the original bytes
 * (read by the caller from doc.file), the PDF copy and its text (may be NULL), metadata from
 * the CDA header, provenance "MSS", source_ref = message key. Refused (STORE_ERR_INVALID with
 * a French reason in why) for an item without dossier, a withdrawn or deleted one, a deletion
 * notice, or a conflict not resolved by an explicit attach. The item becomes MSS_ST_INTEGRATED
 * with document_id. Audited "mss.integration".
 */
int mss_integrate(struct store *st, long long id, const void *original,
		  size_t len, const void *pdf, size_t pdf_len, const char *text,
		  enum mss_integrate_outcome *out, long long *document_id, char *why,
		  size_t why_size);

#endif
