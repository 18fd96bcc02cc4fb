/* NIR / NIA matricule (INS): parsing of typed input, key computation and display grouping. */
#include "core/nir.h"

#include <stdint.h>
#include <stdio.h>

/* Longest input worth looking at once separators are gone: 13 characters + 2 key digits. */
#define NIR_FULL_LEN 15
#define NIR_BODY_LEN 13

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Positions 6-7 (index 5-6) hold the department; only Corsica has letters there. */
static int body_charset_ok(const char *b)
{
	int i;

	for (i = 0; i < NIR_BODY_LEN; i++) {
		if (is_digit(b[i]))
			continue;
		if (i == 6 && b[5] == '2' && (b[6] == 'A' || b[6] == 'B'))
			continue;
		return 0;
	}
	return 1;
}

int nir_compute_key(const char *body13)
{
	uint64_t n = 0;
	int i;

	if (body13 == NULL || body13[0] == '\0')
		return NIR_ERR_EMPTY;
	for (i = 0; i < NIR_BODY_LEN; i++)
		if (body13[i] == '\0')
			return NIR_ERR_LENGTH;
	if (body13[NIR_BODY_LEN] != '\0')
		return NIR_ERR_LENGTH;
	if (!body_charset_ok(body13))
		return NIR_ERR_CHARSET;
	/* PROTOCOLS.md "Matricule": 2A -> 19, 2B -> 18 before the modulo. 13 digits exceed
	 * 32 bits, hence uint64_t. */
	for (i = 0; i < NIR_BODY_LEN; i++) {
		int digit;

		if (i == 5 && body13[6] == 'A')
			digit = 1;
		else if (i == 6 && body13[6] == 'A')
			digit = 9;
		else if (i == 5 && body13[6] == 'B')
			digit = 1;
		else if (i == 6 && body13[6] == 'B')
			digit = 8;
		else
			digit = body13[i] - '0';
		n = n * 10 + (uint64_t)digit;
	}
	return 97 - (int)(n % 97);
}

int nir_parse(const char *input, int key_required, struct nir *out)
{
	char buf[NIR_FULL_LEN + 1];
	size_t n = 0;
	const char *p;
	int month, key, expected = -1, i;

	if (out != NULL) {
		out->body[0] = '\0';
		out->key = -1;
	}
	if (input == NULL)
		return NIR_ERR_EMPTY;
	/* Staff copy the number from cards and letters written "1 75 12 63 220 749 74". */
	for (p = input; *p; p++) {
		char c = *p;

		if (c == ' ' || c == '.' || c == '-' || c == '\t')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 32);
		if (!is_digit(c) && !(c >= 'A' && c <= 'Z'))
			return NIR_ERR_CHARSET;
		if (n == NIR_FULL_LEN)
			return NIR_ERR_LENGTH;
		buf[n++] = c;
	}
	buf[n] = '\0';
	if (n == 0)
		return NIR_ERR_EMPTY;
	if (n == NIR_BODY_LEN && key_required)
		return NIR_ERR_NO_KEY;
	if (n != NIR_BODY_LEN && n != NIR_FULL_LEN)
		return NIR_ERR_LENGTH;
	if (!body_charset_ok(buf))
		return NIR_ERR_CHARSET;
	if (n == NIR_FULL_LEN && (!is_digit(buf[13]) || !is_digit(buf[14])))
		return NIR_ERR_CHARSET;
	/* 1/2 born in France or abroad, 3/4 foreigners being registered, 7/8 temporary numbers. */
	if (buf[0] != '1' && buf[0] != '2' && buf[0] != '3' && buf[0] != '4' && buf[0] != '7' &&
	    buf[0] != '8')
		return NIR_ERR_SEX;
	/* 20 and 30-42 stand for an unknown or incomplete birth month, 50-99 for temporary
	 * registrations; 00, 13-19 and 43-49 are never issued. */
	month = (buf[3] - '0') * 10 + (buf[4] - '0');
	if (!((month >= 1 && month <= 12) || (month >= 20 && month <= 42) || month >= 50))
		return NIR_ERR_MONTH;
	key = -1;
	if (n == NIR_FULL_LEN) {
		key = (buf[13] - '0') * 10 + (buf[14] - '0');
		buf[NIR_BODY_LEN] = '\0';
		expected = nir_compute_key(buf);
		if (expected < 0)
			return expected;
	}
	/* Filled even when the key is wrong, so that callers can say which key was expected. */
	if (out != NULL) {
		for (i = 0; i <= NIR_BODY_LEN; i++)
			out->body[i] = buf[i];
		out->body[NIR_BODY_LEN] = '\0';
		out->key = key;
	}
	return n == NIR_FULL_LEN && key != expected ? NIR_ERR_KEY : NIR_OK;
}

const char *nir_strerror(int err)
{
	switch (err) {
	case NIR_OK:
		return "NIR correct";
	case NIR_ERR_EMPTY:
		return "NIR non renseigné";
	case NIR_ERR_LENGTH:
		return "Le NIR doit comporter 13 caractères suivis de la clé à 2 chiffres";
	case NIR_ERR_CHARSET:
		return "Le NIR ne doit contenir que des chiffres (2A ou 2B permis pour la Corse)";
	case NIR_ERR_SEX:
		return "Le NIR doit commencer par 1, 2, 3, 4, 7 ou 8";
	case NIR_ERR_MONTH:
		return "Mois de naissance du NIR invalide";
	case NIR_ERR_KEY:
		return "Clé du NIR incorrecte";
	case NIR_ERR_NO_KEY:
		return "La clé du NIR (2 derniers chiffres) est obligatoire";
	default:
		return "Erreur inconnue sur le NIR";
	}
}

void nir_format(const struct nir *n, char *buf, size_t size)
{
	const char *b;
	int i;

	if (buf == NULL || size == 0)
		return;
	buf[0] = '\0';
	if (n == NULL)
		return;
	b = n->body;
	for (i = 0; i < NIR_BODY_LEN; i++)
		if (b[i] == '\0')
			return; /* not a parsed matricule: print nothing rather than garbage */
	if (n->key >= 0 && n->key <= 99)
		snprintf(buf, size, "%.1s %.2s %.2s %.2s %.3s %.3s %02d", b, b + 1, b + 3, b + 5, b + 7,
			 b + 10, n->key);
	else
		snprintf(buf, size, "%.1s %.2s %.2s %.2s %.3s %.3s", b, b + 1, b + 3, b + 5, b + 7,
			 b + 10);
}
