/* UTF-8 text helpers: folding for search, ASCII transliteration for display. */
#ifndef VIGIE_CORE_TEXT_H
#define VIGIE_CORE_TEXT_H

#include <stddef.h>

/*
 * Fold UTF-8 text for search comparison: Latin letters lower-cased with diacritics removed
 * (é->e, ç->c, Æ->ae, Œ->oe, ß->ss), apostrophes, hyphens and runs of spaces become one space,
 * leading/trailing spaces removed, other punctuation dropped, digits kept.
 * Invalid UTF-8 bytes are dropped. Always NUL-terminates (truncates at a character boundary).
 * Returns the length written.
 */
size_t text_fold(const char *in, char *out, size_t size);

/*
 * Transliterate UTF-8 text to printable ASCII for a non-UTF-8 terminal: accents removed with
 * case kept (É->E, œ->oe, Œ->OE, «»->", ’->'), other non-ASCII characters become '?'.
 * Always NUL-terminates. Returns the length written.
 */
size_t text_to_ascii(const char *in, char *out, size_t size);

/* Number of code points in a valid UTF-8 string (invalid bytes count as one each). */
size_t text_utf8_len(const char *s);
/* A text cut by snprintf must not end inside a UTF-8 sequence (it is shown in a terminal):
 * drops an incomplete last sequence. */
void text_utf8_cut(char *s);

/* 1 if s is valid UTF-8, 0 otherwise. */
int text_utf8_valid(const char *s);

/* Copy with trimming of leading/trailing ASCII spaces and collapse of inner space runs. */
size_t text_trim_spaces(const char *in, char *out, size_t size);

/* Upper-case a UTF-8 name (in and out may be the same buffer: no letter grows): ASCII and
 * Latin-1 supplement / Latin Extended-A letters
 * (é->É, œ->Œ); other bytes unchanged. Always NUL-terminates. */
size_t text_upper(const char *in, char *out, size_t size);

/* Decode one code point at s: returns it and sets *len to its byte length; returns 0 with
 * *len = 0 at the terminating NUL, and -1 with *len = 1 for an invalid (or overlong,
 * surrogate, truncated) sequence so the caller can skip a single byte. */
long text_utf8_next(const char *s, size_t *len);

/* Encode a code point as UTF-8 into b (4 bytes, not NUL-terminated); returns the byte count,
 * 0 for a surrogate or a value past U+10FFFF. */
size_t text_utf8_encode(long cp, char *b);

/* 1 if cp is an ASCII letter or a letter of Latin-1 Supplement / Latin Extended-A
 * (U+00C0-U+017F except U+00D7 and U+00F7), 0 otherwise. */
int text_is_latin_letter(long cp);

/* First letter of each word upper case, the rest lower case ("jean-PIERRE" -> "Jean-Pierre"),
 * for first names typed in a hurry. Always NUL-terminates. */
size_t text_capitalize(const char *in, char *out, size_t size);

/* Writes a formatted French message into err (size bytes; nothing when err is NULL or size
 * 0) and returns -1, for "return text_fail(err, errsize, ...)". */
int text_fail(char *err, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
