/* "key: value" text messages, the format spoken between vigie and its helper vigie-net:
 * a builder and a parser (keys may repeat; values never hold a line break). */
#ifndef VIGIE_CORE_KV_H
#define VIGIE_CORE_KV_H

#include <stddef.h>

/* Builder: a growing NUL-terminated buffer. */
struct kv_out {
	char *buf;
	size_t len, cap;
	int bad;          /* out of memory, or a value with a line break in strict mode */
	int sanitize;     /* 1: line breaks in values become spaces (replies), 0: refused */
};

void kv_out_init(struct kv_out *o, int sanitize);
void kv_put(struct kv_out *o, const char *key, const char *value);
void kv_putf(struct kv_out *o, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void kv_puti(struct kv_out *o, const char *key, long long v);
/* Wipes (secrets) and frees the buffer. */
void kv_out_free(struct kv_out *o);

/* Parsed message: pairs point into a private copy of the text. */
struct kv_pair {
	const char *key;
	const char *value;
};

struct kv_msg {
	char *text;
	size_t textlen;
	struct kv_pair *p;
	size_t n;
};

/* 0, or -1 (out of memory). Lines without ": " are skipped; "key:" gives an empty value. */
int kv_parse(const char *text, struct kv_msg *m);
/* First value of key, or def when absent. */
const char *kv_get(const struct kv_msg *m, const char *key, const char *def);
long long kv_get_int(const struct kv_msg *m, const char *key, long long def);
/* Index of the next pair named key at or after *pos (updates *pos past it), or -1. */
long kv_next(const struct kv_msg *m, size_t *pos, const char *key);
/* Wipes and frees. */
void kv_msg_free(struct kv_msg *m);

/* Copy value into dst (size bytes), truncated; returns dst. */
char *kv_copy(char *dst, size_t size, const char *value);

#endif
