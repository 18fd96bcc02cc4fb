/* NIR / NIA matricule parsing and key check (pure, no I/O). */
#ifndef VIGIE_CORE_NIR_H
#define VIGIE_CORE_NIR_H

#include <stddef.h>

enum nir_error {
	NIR_OK = 0,
	NIR_ERR_EMPTY = -1,
	NIR_ERR_LENGTH = -2,    /* not 13 characters (+ 2 key digits) */
	NIR_ERR_CHARSET = -3,   /* characters other than digits, 2A/2B in position 6-7 */
	NIR_ERR_SEX = -4,       /* first digit not 1,2,3,4,7,8 */
	NIR_ERR_MONTH = -5,     /* birth month not 01-12, 20-42 or 50-99 */
	NIR_ERR_KEY = -6,       /* key does not verify */
	NIR_ERR_NO_KEY = -7,    /* 13 characters given where the key is required */
};

/* A parsed matricule: 13 characters (digits, or 2A/2B in positions 6-7) and its key. */
struct nir {
	char body[14];  /* 13 characters, NUL-terminated, upper case */
	int key;        /* 1..97, or -1 if not given */
};

/*
 * Parse user input: spaces, dots and dashes are ignored, letters are upper-cased.
 * Accepts 13 characters (key_required == 0) or 15 characters (13 + 2-digit key).
 * When a key is present it must verify. Returns NIR_OK or a negative nir_error.
 */
/* On NIR_ERR_KEY, out is still filled (body and the key given) so the expected key can be
 * computed and shown. */
int nir_parse(const char *input, int key_required, struct nir *out);

/* Compute the key of a 13-character body: 97 - (number mod 97), Corsica 2A -> 19, 2B -> 18,
 * using 64-bit arithmetic. Returns the key (1..97) or a negative nir_error. */
int nir_compute_key(const char *body13);

/* French message for an error code (static string, UTF-8). */
const char *nir_strerror(int err);

/* Write "1 75 12 63 220 749 74" style grouping of body+key into buf (NUL-terminated). */
void nir_format(const struct nir *n, char *buf, size_t size);

#endif
