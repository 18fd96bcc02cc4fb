/* Patient search query: split typed text into name, date and matricule criteria. */
#ifndef VIGIE_CORE_QUERY_H
#define VIGIE_CORE_QUERY_H

#include <stddef.h>

#define QUERY_MAX_TERMS 8

/* One criterion as an index range: terms t with lo <= t < hi (prefix match) or t == lo. */
struct query_term {
	char lo[72];
	int prefix;   /* 1: every term starting with lo; 0: exactly lo */
};

struct query {
	struct query_term t[QUERY_MAX_TERMS];
	size_t n;
};

/*
 * Parse a typed query. Words are folded (case and accents ignored) and become name prefixes
 * "n:word"; "JJ/MM/AAAA" becomes "d:AAAAMMJJ", "MM/AAAA" the prefix "d:AAAAMM", "AAAA" the
 * prefix "d:AAAA", "JJ/MM" "m:MMJJ"; a matricule (5 characters or more once spaces are removed,
 * digits with 2A/2B) becomes the prefix "i:...". Tokens still being typed that cannot match
 * anything yet ("31/", "19") are ignored rather than emptying the list.
 * Returns the number of criteria (0: show the default list).
 */
size_t query_parse(const char *text, struct query *q);

/* Upper bound of a prefix range: lo with its last byte incremented (hi must hold 72 bytes). */
void query_prefix_end(const char *lo, char *hi, size_t size);

#endif
