/* The text exchanged with vigie-net, the helper process that makes INSi calls: one
 * request on its standard input, one reply on its standard output, "key: value" lines.
 * Keeping libcurl, OpenSSL and libxml2 out of the UI process keeps it small and fast to
 * start, and a hostile answer is parsed in a process that cannot touch the screen. */
#ifndef VIGIE_CORE_INSI_WIRE_H
#define VIGIE_CORE_INSI_WIRE_H

#include <stddef.h>
#include "core/insi_types.h"

struct insi_request {
	int vitale;                    /* 0: rechercherInsAvecTraitsIdentite, 1: ...CarteVitale */
	struct insi_config cfg;
	char birth_name[101];
	char first_name[101];
	char sex[2];
	char birth_date[11];
	char birth_cog[6];
	char nir_individu[16];
	char nir_od[16];
	int rang;
};

/* The largest request or reply accepted. */
#define INSI_WIRE_MAX 65536

/* Write a request into buf; returns its length, or -1 when a value holds a line break or the
 * buffer is too small. */
int insi_request_format(const struct insi_request *rq, char *buf, size_t size);
/* Read a request; 0, or -1 with a French reason in err. */
int insi_request_parse(const char *text, struct insi_request *rq, char *err, size_t errsize);

/* Write the outcome of a call (rc 0: r holds a CR; otherwise e) into buf; line breaks in
 * values become spaces. Returns the length, or -1 when buf is too small. */
int insi_reply_format(int rc, const struct insi_result *r, const struct insi_error *e,
		      char *buf, size_t size);
/* Read a reply: returns 0 with r filled, or a negative insi_error_kind with e filled (also
 * INSI_ERR_PARSE with a French message when the text is not a reply). */
int insi_reply_parse(const char *text, struct insi_result *r, struct insi_error *e);

/* Short stable name of an error kind ("connexion", "delai", "tls"...), for traces and
 * "key: value" output. */
const char *insi_error_kind_name(int kind);

#endif
