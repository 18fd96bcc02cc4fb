/* A growing text buffer for the SOAP and SAML documents the clients write. */
#include "net/sbuf.h"

#include <stdlib.h>
#include <string.h>

void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *np;

		while (b->len + n + 1 > cap)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

void sb_puts(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* The apostrophe too, as the CNAM samples do (D&apos;AEION). */
void sb_esc(struct sbuf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': sb_puts(b, "&amp;"); break;
		case '<': sb_puts(b, "&lt;"); break;
		case '>': sb_puts(b, "&gt;"); break;
		case '"': sb_puts(b, "&quot;"); break;
		case '\'': sb_puts(b, "&apos;"); break;
		default:
			/* A stray control character in the configuration is not XML 1.0 text. */
			if ((unsigned char)*s >= 0x20 || *s == '\t' || *s == '\n' || *s == '\r')
				sb_add(b, s, 1);
		}
	}
}

void sb_elem(struct sbuf *b, const char *qname, const char *text)
{
	sb_puts(b, "<");
	sb_puts(b, qname);
	sb_puts(b, ">");
	sb_esc(b, text);
	sb_puts(b, "</");
	sb_puts(b, qname);
	sb_puts(b, ">");
}
