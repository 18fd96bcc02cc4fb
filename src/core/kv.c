/* "key: value" text messages between vigie and vigie-net. */
#include "core/kv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void kv_out_init(struct kv_out *o, int sanitize)
{
	memset(o, 0, sizeof *o);
	o->sanitize = sanitize;
}

static int reserve(struct kv_out *o, size_t extra)
{
	size_t cap = o->cap ? o->cap : 1024;
	char *b;

	if (o->len + extra + 1 <= o->cap)
		return 0;
	while (cap < o->len + extra + 1)
		cap *= 2;
	b = malloc(cap);
	if (!b) {
		o->bad = 1;
		return -1;
	}
	if (o->buf) {
		memcpy(b, o->buf, o->len + 1);
		explicit_bzero(o->buf, o->cap);   /* requests may carry a password */
		free(o->buf);
	} else {
		b[0] = 0;
	}
	o->buf = b;
	o->cap = cap;
	return 0;
}

void kv_put(struct kv_out *o, const char *key, const char *value)
{
	size_t klen = strlen(key), vlen;

	if (!value)
		value = "";
	vlen = strlen(value);
	if (!o->sanitize && strpbrk(value, "\r\n"))
		o->bad = 1;
	if (reserve(o, klen + vlen + 3))
		return;
	memcpy(o->buf + o->len, key, klen);
	o->len += klen;
	o->buf[o->len++] = ':';
	o->buf[o->len++] = ' ';
	for (size_t i = 0; i < vlen; i++)
		o->buf[o->len++] = (value[i] == '\n' || value[i] == '\r') ? ' ' : value[i];
	o->buf[o->len++] = '\n';
	o->buf[o->len] = 0;
}

void kv_putf(struct kv_out *o, const char *key, const char *fmt, ...)
{
	char small[512], *big = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		o->bad = 1;
		return;
	}
	if ((size_t)n < sizeof small) {
		kv_put(o, key, small);
		return;
	}
	big = malloc((size_t)n + 1);
	if (!big) {
		o->bad = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	kv_put(o, key, big);
	free(big);
}

void kv_puti(struct kv_out *o, const char *key, long long v)
{
	kv_putf(o, key, "%lld", v);
}

void kv_out_free(struct kv_out *o)
{
	if (o->buf) {
		explicit_bzero(o->buf, o->cap);
		free(o->buf);
	}
	memset(o, 0, sizeof *o);
}

int kv_parse(const char *text, struct kv_msg *m)
{
	size_t lines = 1, n = 0;
	char *p;

	memset(m, 0, sizeof *m);
	m->text = strdup(text ? text : "");
	if (!m->text)
		return -1;
	m->textlen = strlen(m->text);
	for (p = m->text; *p; p++)
		if (*p == '\n')
			lines++;
	m->p = calloc(lines, sizeof *m->p);
	if (!m->p) {
		free(m->text);
		m->text = NULL;
		return -1;
	}
	for (p = m->text; p && *p;) {
		char *eol = strchr(p, '\n'), *sep;
		if (eol)
			*eol = 0;
		if (eol > p && eol[-1] == '\r')
			eol[-1] = 0;
		sep = strchr(p, ':');
		if (sep && sep > p) {
			*sep = 0;
			m->p[n].key = p;
			m->p[n].value = sep[1] == ' ' ? sep + 2 : sep + 1;
			n++;
		}
		p = eol ? eol + 1 : NULL;
	}
	m->n = n;
	return 0;
}

const char *kv_get(const struct kv_msg *m, const char *key, const char *def)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->p[i].key, key))
			return m->p[i].value;
	return def;
}

long long kv_get_int(const struct kv_msg *m, const char *key, long long def)
{
	const char *v = kv_get(m, key, NULL);
	char *end;
	long long n;

	if (!v || !*v)
		return def;
	n = strtoll(v, &end, 10);
	return *end ? def : n;
}

long kv_next(const struct kv_msg *m, size_t *pos, const char *key)
{
	for (size_t i = *pos; i < m->n; i++)
		if (!strcmp(m->p[i].key, key)) {
			*pos = i + 1;
			return (long)i;
		}
	*pos = m->n;
	return -1;
}

void kv_msg_free(struct kv_msg *m)
{
	if (m->text) {
		explicit_bzero(m->text, m->textlen);
		free(m->text);
	}
	free(m->p);
	memset(m, 0, sizeof *m);
}

char *kv_copy(char *dst, size_t size, const char *value)
{
	if (size)
		snprintf(dst, size, "%s", value ? value : "");
	return dst;
}
