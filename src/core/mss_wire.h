/* MSSanté requests and replies exchanged with vigie-net ("vigie-net mss"), as "key: value"
 * lines (core/kv.h). Message and document bytes never travel on the pipe: vigie-net writes the
 * original message and the extracted documents into the archive directory and the reply names
 * the files. */
#ifndef VIGIE_CORE_MSS_WIRE_H
#define VIGIE_CORE_MSS_WIRE_H

#include <stddef.h>
#include "core/kv.h"
#include "core/mss_types.h"

enum mss_op {
	MSS_OP_NONE = 0,
	MSS_OP_FETCH,        /* IMAP: new messages since (uidvalidity, last_uid), archived, read */
	MSS_OP_PARSE,        /* read one message file already saved (vigie mss import) */
};

enum mss_error_kind {
	MSS_OK = 0,
	MSS_ERR_CONFIG = -1,       /* no address, no archive directory, unreadable CA */
	MSS_ERR_CONNECT = -2,
	MSS_ERR_TIMEOUT = -3,
	MSS_ERR_TLS = -4,
	MSS_ERR_AUTH = -5,         /* login refused */
	MSS_ERR_PROTOCOL = -6,     /* NO/BAD answer, connection dropped mid-fetch */
	MSS_ERR_IO = -7,           /* the archive could not be written (disk full...) */
	MSS_ERR_PARSE = -8,        /* reply or message file unreadable as a whole */
	MSS_ERR_CANCELLED = -9,
};

struct mss_request {
	enum mss_op op;
	struct mss_config cfg;
	/* FETCH: what the store knows of the mailbox (0, 0 the first time) */
	long long uidvalidity;
	long long last_uid;
	/* PARSE: the message file and its archive key (parts go to cfg.archive/<key>/) */
	char file[MSS_PATH_MAX];
	char key[64];
};

struct mss_reply {
	int rc;                    /* MSS_OK or a negative mss_error_kind; messages read before an
				    * error are still in msgs and must be kept */
	char error[320];           /* French */
	long long uidvalidity;     /* the mailbox's, as seen in this run */
	long long last_uid;        /* highest UID archived in this run (>= request's) */
	long long remaining;       /* new messages left for another run (max_messages reached) */
	int reset;                 /* UIDVALIDITY changed: every UID was fetched again */
	struct mss_message *msgs;  /* malloc'd; mss_reply_free */
	size_t n_msgs;
};

/* 0, or -1 when a value holds a line break or memory ran out (secrets are wiped by
 * kv_out_free). */
int mss_request_format(const struct mss_request *rq, struct kv_out *o);
/* 0, or -1 with a French reason. */
int mss_request_parse(const char *text, struct mss_request *rq, char *err, size_t errsize);

int mss_reply_format(const struct mss_reply *r, struct kv_out *o);
/* Fills r (mss_reply_free); returns r->rc. Unreadable text gives MSS_ERR_PARSE. */
int mss_reply_parse(const char *text, struct mss_reply *r);
void mss_reply_free(struct mss_reply *r);

/* Appends m to r->msgs (copied; m's docs are moved: m->docs becomes NULL). -1 out of memory. */
int mss_reply_add(struct mss_reply *r, struct mss_message *m);
/* Appends a zeroed document to m; returns it or NULL (out of memory). */
struct mss_doc *mss_message_add_doc(struct mss_message *m);

/* Subject without the IHE XDM e-mail prefix "XDM/1.0/DDM" ("+" or a space after it) and the
 * leading spaces; copied into out. */
void mss_subject_clean(const char *subject, char *out, size_t size);

/* enum mss_sender of an address: MSS_SENDER_PATIENT for <15 digits>@patient.mssante.fr (any
 * case); *ins gets the 15 digits then (ins may be NULL). */
int mss_sender_of(const char *address, char ins[16]);

#endif
