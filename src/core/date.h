/* Dates: parsing of user input (JJ/MM/AAAA), ISO form, validity, partial dates for search. */
#ifndef VIGIE_CORE_DATE_H
#define VIGIE_CORE_DATE_H

#include <stddef.h>

struct ymd {
	int y, m, d;
};

enum date_error {
	DATE_OK = 0,
	DATE_ERR_FORMAT = -1,   /* not JJ/MM/AAAA */
	DATE_ERR_INVALID = -2,  /* no such day (31/02/2000) */
	DATE_ERR_FUTURE = -3,   /* after the reference date */
	DATE_ERR_TOO_OLD = -4,  /* before 1850 */
};

/* 1 if y/m/d is a real calendar date (Gregorian, leap years), else 0. */
int date_valid(int y, int m, int d);

/* Parse "JJ/MM/AAAA" (also "JJ-MM-AAAA", "JJ.MM.AAAA", "JJMMAAAA"). Returns DATE_OK or error. */
int date_parse_fr(const char *s, struct ymd *out);

/* Parse "AAAA-MM-JJ". Returns DATE_OK or DATE_ERR_FORMAT / DATE_ERR_INVALID. */
int date_parse_iso(const char *s, struct ymd *out);

/* Birth date check: valid, not after today (given), not before 1850. */
int date_check_birth(const struct ymd *date, const struct ymd *today);

/* "AAAA-MM-JJ" into buf (size >= 11). */
void date_to_iso(const struct ymd *d, char *buf, size_t size);
/* "JJ/MM/AAAA" into buf (size >= 11). */
void date_to_fr(const struct ymd *d, char *buf, size_t size);
/* ISO "AAAA-MM-JJ" text to "JJ/MM/AAAA"; copies input unchanged if it is not ISO. */
void date_iso_to_fr(const char *iso, char *buf, size_t size);
/* HL7/XDS time "AAAAMMJJ[hhmm...]" to "JJ/MM/AAAA"; missing gives "empty", other text is
 * copied unchanged. */
void date_hl7_to_fr(const char *t, const char *empty, char *buf, size_t size);

/* Age in whole years at the reference date. */
int date_age_years(const struct ymd *birth, const struct ymd *at);

/* French message for a date_error. */
const char *date_strerror(int err);

/* A partial date typed in a search box. */
enum date_query_kind {
	DATEQ_NONE = 0,     /* not a date */
	DATEQ_FULL,         /* JJ/MM/AAAA  -> y, m, d */
	DATEQ_DAY_MONTH,    /* JJ/MM       -> m, d */
	DATEQ_MONTH_YEAR,   /* MM/AAAA     -> y, m */
	DATEQ_YEAR,         /* AAAA (1850..2199) -> y */
};

struct date_query {
	enum date_query_kind kind;
	int y, m, d;
};

/* Classify a search token: "31/12/1975", "31/12", "12/1975", "1975", also with '-' or '.'
 * Incomplete typing such as "31/1" gives DATEQ_DAY_MONTH with m=1 (prefix semantics are
 * the caller's). Returns the kind (DATEQ_NONE when the token is not date-like). */
enum date_query_kind date_query_parse(const char *token, struct date_query *out);

#endif
