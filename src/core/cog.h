/* COG (code officiel géographique) birth place code syntax. */
#ifndef VIGIE_CORE_COG_H
#define VIGIE_CORE_COG_H

enum cog_kind {
	COG_INVALID = -1,
	COG_COMMUNE = 0,   /* 5 characters: 2 digits or 2A/2B, then 3 digits */
	COG_FOREIGN = 1,   /* 99xxx: country or territory (born abroad) */
	COG_UNKNOWN = 2,   /* 99999 */
};

/* Classify a COG code (exactly 5 characters, upper-case letters only for 2A/2B;
 * leading/trailing spaces not accepted). */
enum cog_kind cog_classify(const char *code);

/* French message explaining why a code is invalid (static string). */
const char *cog_explain_invalid(const char *code);

#endif
