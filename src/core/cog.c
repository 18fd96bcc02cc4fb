/* Syntax of COG birth place codes (commune, country/territory, unknown) as INSi expects them. */
#include "core/cog.h"

#include <string.h>

/*
 * Only the shape is checked here; whether a commune existed at the birth date is the COG
 * table's business (DOMAIN.md §1: a code returned by INSi that the table lacks can be
 * accepted), so this must not reject anything INSi could return.
 */

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

enum cog_fault {
	COGF_NONE,
	COGF_EMPTY,
	COGF_LENGTH,
	COGF_SPACES,
	COGF_LOWER_CORSICA,
	COGF_CHARSET,
	COGF_DEPT_00,
	COGF_COMMUNE_000,
};

static enum cog_fault cog_fault(const char *code)
{
	size_t len;
	int i;

	if (code == NULL || code[0] == '\0')
		return COGF_EMPTY;
	len = strlen(code);
	if (code[0] == ' ' || code[len - 1] == ' ')
		return COGF_SPACES;
	if (len != 5)
		return COGF_LENGTH;
	if (code[0] == '2' && (code[1] == 'a' || code[1] == 'b'))
		return COGF_LOWER_CORSICA;
	for (i = 0; i < 5; i++) {
		if (is_digit(code[i]))
			continue;
		if (i == 1 && code[0] == '2' && (code[1] == 'A' || code[1] == 'B'))
			continue;
		return COGF_CHARSET;
	}
	/* Corsica: 20xxx until 1976-01-01, 2A/2B since (INSEE v_commune_depuis_1943). INSi has
	 * returned both forms for births before 1976 (research/ins.md §1.5, open question 8),
	 * so both are accepted here; the COG table tells which one was valid at a date. */
	if (code[0] == '0' && code[1] == '0')
		return COGF_DEPT_00;
	/* Commune numbers start at 001; 99xxx codes are countries and follow their own list. */
	if (!(code[0] == '9' && code[1] == '9') && code[2] == '0' && code[3] == '0' &&
	    code[4] == '0')
		return COGF_COMMUNE_000;
	return COGF_NONE;
}

enum cog_kind cog_classify(const char *code)
{
	if (cog_fault(code) != COGF_NONE)
		return COG_INVALID;
	if (strcmp(code, "99999") == 0)
		return COG_UNKNOWN;
	if (code[0] == '9' && code[1] == '9')
		return COG_FOREIGN;
	return COG_COMMUNE;
}

/* Returns "" for a valid code, so the result can always be printed. */
const char *cog_explain_invalid(const char *code)
{
	switch (cog_fault(code)) {
	case COGF_NONE:
		return "";
	case COGF_EMPTY:
		return "Code de lieu de naissance (COG) non renseigné";
	case COGF_LENGTH:
		return "Le code de lieu de naissance (COG) doit comporter exactement 5 caractères";
	case COGF_SPACES:
		return "Le code de lieu de naissance (COG) ne doit pas contenir d'espace";
	case COGF_LOWER_CORSICA:
		return "Corse : écrire 2A ou 2B en majuscules";
	case COGF_CHARSET:
		return "Le code de lieu de naissance (COG) ne comporte que des chiffres "
		       "(2A ou 2B pour la Corse)";
	case COGF_DEPT_00:
		return "Le département 00 n'existe pas";
	case COGF_COMMUNE_000:
		return "Le numéro de commune 000 n'existe pas";
	}
	return "Code de lieu de naissance (COG) invalide";
}
