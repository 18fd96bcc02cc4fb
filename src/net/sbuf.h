/* A growing text buffer for the SOAP and SAML documents the clients write (INSi, DMP, VIHF). */
#ifndef VIGIE_NET_SBUF_H
#define VIGIE_NET_SBUF_H

#include <stddef.h>

struct sbuf {
	char *p;          /* NUL-terminated, malloc'd (NULL while empty) */
	size_t len, cap;
	int oom;          /* memory ran out: the text is incomplete, the caller refuses it */
};

void sb_add(struct sbuf *b, const char *s, size_t n);
void sb_puts(struct sbuf *b, const char *s);
/* XML text or attribute content: & < > " ' escaped; control characters other than tab and
 * line breaks (not XML 1.0) dropped. */
void sb_esc(struct sbuf *b, const char *s);
/* <qname>escaped text</qname> */
void sb_elem(struct sbuf *b, const char *qname, const char *text);

#endif
