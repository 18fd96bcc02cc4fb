/* MSSanté reception in vigie-net: reading a received message (MIME with GMime, IHE_XDM.ZIP
 * with libzip, CDA header with libxml2) and fetching new messages by IMAP (libcurl). */
#ifndef VIGIE_NET_MSS_H
#define VIGIE_NET_MSS_H

#include <stddef.h>
#include "core/mss_types.h"
#include "core/mss_wire.h"

/* ---- one message (net/mss_mime.c, cda/xdm.c) ---- */

/* Limits against hostile archives (zip bombs, path traversal, huge attachments). */
#define MSS_XDM_MAX_ENTRIES 256
#define MSS_XDM_MAX_TOTAL (256u * 1024 * 1024)   /* sum of uncompressed sizes read */
#define MSS_XDM_MAX_RATIO 200                   /* uncompressed / compressed, per entry */

/*
 * Reads the message in file (an RFC 5322 message, as archived) into m: headers (From, sender
 * type, Subject without XDM/1.0/DDM+, Date, Message-ID, priority), then its documents:
 *  - each IHE_XDM.ZIP attachment (any case, or a ZIP holding IHE_XDM/): DOC*.XML read as CDA
 *    (header, abnormal CR-BIO results, PDF copy), METADATA.XML (action C/D, sourcePatientId,
 *    hash and size checked), INDEX.HTM and README.TXT ignored; unsafe names (absolute, "..",
 *    backslashes) and oversize entries refused with a French reason in the document's error;
 *  - a PDF attachment that is not the copy of an XDM document: a PDF item;
 *  - no document at all: one TEXT item with the text body.
 * Extracted bytes go to archive/key/ (created 0700): DOC0001.XML, DOC0001.pdf (the CDA's PDF
 * copy, or the PDF attachment sent with it), PJ01.pdf, corps.txt. max_part: larger
 * attachments are not extracted (the item says so). m->file, m->key are set from the
 * arguments. Returns 0 (m filled, possibly with m->error and per-document errors: the message
 * is still listed), or -1 when the file itself cannot be read (err).
 */
int mss_read_message(const char *file, const char *archive, const char *key,
		     long long max_part, struct mss_message *m, char *err, size_t errsize);

/* The same from memory (fuzzing, tests): no file is written when archive is NULL. */
int mss_read_message_mem(const void *buf, size_t len, const char *archive, const char *key,
			 long long max_part, struct mss_message *m, char *err, size_t errsize);

/* The XDM part alone (fuzzing, tests): documents of the archive in zip[len] appended to m. */
int mss_read_xdm(const void *zip, size_t len, const char *outdir, long long max_part,
		 struct mss_message *m, char *err, size_t errsize);

/* ---- archive files (cda/xdm.c), shared by the readers ---- */

/* Creates dir mode 0700 when missing; an existing one must be a real directory of ours (not a
 * symbolic link). 0, or -1 with errno. */
int mss_dir_make(const char *dir);
/* Opens dir/name (a name of ours, never one taken from a message) for writing, mode 0600:
 * created with O_EXCL|O_NOFOLLOW, or truncated when it already is a regular file of ours (a
 * message read again). The full path goes to path. Returns the descriptor, or -1 with errno. */
int mss_file_open(const char *dir, const char *name, char *path, size_t size);
/* mss_file_open, write everything, close: 0, or -1 (the partial file is removed). */
int mss_file_write(const char *dir, const char *name, const void *buf, size_t len, char *path,
		   size_t size);
/* SHA-1 of buf as 40 lower-case hexadecimal digits. */
void mss_sha1_hex(const void *buf, size_t len, char out[41]);

/* ---- IMAP (net/mss_imap.c) ---- */

/*
 * FETCH: connects (TLS verified; password, OAUTHBEARER or XOAUTH2), EXAMINEs the mailbox,
 * compares UIDVALIDITY with rq->uidvalidity (a change fetches everything again: r->reset),
 * lists UIDs above rq->last_uid, and for each (at most cfg.max_messages, oldest first):
 * downloads it into cfg.archive/<uidvalidity>-<uid>.eml (written to a temporary name, synced,
 * renamed; a message above cfg.max_message gets only its header and an error), reads it with
 * mss_read_message and appends it to r. Messages are not marked \Seen nor deleted on the
 * server (BODY.PEEK). A failure after some messages keeps them in r with r->rc set.
 * stop() is polled between messages (NULL: never). Returns r->rc.
 */
int mss_imap_fetch(const struct mss_request *rq, struct mss_reply *r, int (*stop)(void *),
		   void *stop_ctx);

/* "vigie-net mss": request on stdin, reply on stdout (net/net_main.c). */
int mss_serve(void);

#endif
