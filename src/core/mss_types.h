/* MSSanté reception: a received message and the documents it carries, as vigie-net reads them
 * (MIME, IHE_XDM.ZIP, CDA header) and the worklist stores them. Strings are UTF-8, "" when
 * absent. */
#ifndef VIGIE_CORE_MSS_TYPES_H
#define VIGIE_CORE_MSS_TYPES_H

#include <stddef.h>
#include "core/dmp_types.h"

#define MSS_PATH_MAX 1024

/* Mailbox settings (vigie.conf [mss], per user: vigie.conf(5)). */
struct mss_config {
	char url[512];             /* imaps://host:port (TLS verified, always) */
	char mailbox[128];         /* "INBOX" */
	char user[256];            /* the professional's MSSanté address (IMAP login) */
	char password[256];        /* never logged, wiped after use */
	char token[4096];          /* OAuth 2 access token (OAUTHBEARER / XOAUTH2), never logged */
	char auth[16];             /* "password" (default), "OAUTHBEARER", "XOAUTH2" */
	char ca_file[1024];        /* CA bundle of the operator's server ("" = system store) */
	char archive[MSS_PATH_MAX];  /* directory of the original messages and extracted parts */
	long long max_message;     /* bytes: a larger message is not downloaded (kept on server) */
	long long max_part;        /* bytes: a larger attachment is not extracted */
	int max_messages;          /* per fetch run (the rest waits for the next run) */
	int connect_timeout_ms;
	int timeout_ms;
};

enum mss_sender {
	MSS_SENDER_PRO = 0,        /* a professional's MSSanté address */
	MSS_SENDER_PATIENT = 1,    /* <INS>@patient.mssante.fr (Mon espace santé) */
};

enum mss_doc_kind {
	MSS_DOC_CDA = 0,           /* a CDA from IHE_XDM.ZIP (DOC000n.XML) */
	MSS_DOC_PDF = 1,           /* a PDF attachment that is not the copy of an XDM document */
	MSS_DOC_TEXT = 2,          /* a message without document: its text body */
	MSS_DOC_OTHER = 3,         /* another attachment (image, unreadable ZIP...) */
};

/* One worklist line: a document (or the message itself when it carries none). */
struct mss_doc {
	int seq;                   /* 1, 2... in the message */
	int kind;                  /* enum mss_doc_kind */
	char name[256];            /* file name in the message or the archive (DOC0001.XML) */
	char file[MSS_PATH_MAX];   /* extracted bytes (archive/<key>/...), "" when not extracted */
	char pdf[MSS_PATH_MAX];    /* PDF copy to show first, "" none */
	char mime[64];
	char action[2];            /* XDM urn:action:extraMetadataSlot: "C", "D", "" */
	struct cda_header h;       /* kind CDA; for a patient's message, patient_ins is the
				    * address's INS and the rest is empty */
	char xdm_ins[16];          /* METADATA.XML sourcePatientId, "" none */
	char xdm_oid[32];
	char conflict[256];        /* French: the CDA's patient contradicts the XDM metadata, or
				    * the document's hash/size differs from METADATA.XML */
	char sha1[41];             /* of the extracted bytes */
	long long size;
	char error[256];           /* French: why this document could not be read ("" fine) */
};

struct mss_message {
	char file[MSS_PATH_MAX];   /* the archived original (.eml) */
	char key[64];              /* archive key: "<uidvalidity>-<uid>" or "import-<sha1>" */
	long long uid;             /* IMAP UID, 0 for an import */
	char message_id[256];
	char from[256];            /* address */
	char from_name[128];
	int sender;                /* enum mss_sender */
	char subject[256];         /* without the XDM/1.0/DDM+ prefix */
	char date[16];             /* AAAAMMJJhhmmss, UTC, of the Date header ("" unreadable) */
	int urgent;                /* Priority: urgent, X-Priority 1/2, Importance: high */
	long long size;
	char sha1[41];             /* of the original message */
	char error[256];           /* French: the message could not be read entirely */
	struct mss_doc *docs;      /* at least one: a message without document gets a TEXT one */
	size_t n_docs;
};

/* Frees docs (the struct itself is the caller's). */
void mss_message_free(struct mss_message *m);

#endif
