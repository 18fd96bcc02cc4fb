/* Calendar dates: French and ISO parsing, birth date checks, ages, partial dates typed in searches. */
#include "core/date.h"

#include <stdio.h>
#include <string.h>

/* Birth dates before this year are typing errors, not living patients (date.h contract). */
#define DATE_MIN_YEAR 1850
/* Upper bound of a bare year typed in a search box (date.h, DATEQ_YEAR). */
#define DATEQ_MAX_YEAR 2199

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && is_leap(y))
		return 29;
	return days[m - 1];
}

int date_valid(int y, int m, int d)
{
	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return 0;
	return d <= days_in_month(y, m);
}

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Read 1..max digits; returns the number of digits read (0 if none). */
static int read_num(const char **p, int max, int *val)
{
	int n = 0, v = 0;

	while (n < max && is_digit(**p)) {
		v = v * 10 + (**p - '0');
		(*p)++;
		n++;
	}
	*val = v;
	return n;
}

static int cmp_ymd(const struct ymd *a, const struct ymd *b)
{
	if (a->y != b->y)
		return a->y < b->y ? -1 : 1;
	if (a->m != b->m)
		return a->m < b->m ? -1 : 1;
	if (a->d != b->d)
		return a->d < b->d ? -1 : 1;
	return 0;
}

int date_parse_fr(const char *s, struct ymd *out)
{
	struct ymd r = { 0, 0, 0 };
	const char *p = s;
	char sep;
	int nd;

	if (out != NULL)
		*out = r;
	if (s == NULL)
		return DATE_ERR_FORMAT;
	while (*p == ' ')
		p++;
	/* A secretary types "31121975" as fast as "31/12/1975": both are accepted. */
	if (strspn(p, "0123456789") == 8) {
		(void)read_num(&p, 2, &r.d);
		(void)read_num(&p, 2, &r.m);
		(void)read_num(&p, 4, &r.y);
	} else {
		nd = read_num(&p, 2, &r.d);
		sep = *p;
		if (nd == 0 || (sep != '/' && sep != '-' && sep != '.'))
			return DATE_ERR_FORMAT;
		p++;
		if (read_num(&p, 2, &r.m) == 0 || *p != sep)
			return DATE_ERR_FORMAT;
		p++;
		/* Two-digit years are refused: 05 could be 1905 or 2005 for a birth date. */
		if (read_num(&p, 4, &r.y) != 4 || is_digit(*p))
			return DATE_ERR_FORMAT;
	}
	while (*p == ' ')
		p++;
	if (*p != '\0')
		return DATE_ERR_FORMAT;
	if (!date_valid(r.y, r.m, r.d))
		return DATE_ERR_INVALID;
	if (out != NULL)
		*out = r;
	return DATE_OK;
}

/* Shape check only ("DDDD-DD-DD"), shared by parsing and display conversion. */
static int iso_shape(const char *s)
{
	int i;

	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return 0;
		} else if (!is_digit(s[i])) {
			return 0;
		}
	}
	return s[10] == '\0';
}

int date_parse_iso(const char *s, struct ymd *out)
{
	struct ymd r;

	if (out != NULL)
		out->y = out->m = out->d = 0;
	if (s == NULL || !iso_shape(s))
		return DATE_ERR_FORMAT;
	r.y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	r.m = (s[5] - '0') * 10 + (s[6] - '0');
	r.d = (s[8] - '0') * 10 + (s[9] - '0');
	if (!date_valid(r.y, r.m, r.d))
		return DATE_ERR_INVALID;
	if (out != NULL)
		*out = r;
	return DATE_OK;
}

int date_check_birth(const struct ymd *date, const struct ymd *today)
{
	if (date == NULL || !date_valid(date->y, date->m, date->d))
		return DATE_ERR_INVALID;
	if (today != NULL && cmp_ymd(date, today) > 0)
		return DATE_ERR_FUTURE;
	if (date->y < DATE_MIN_YEAR)
		return DATE_ERR_TOO_OLD;
	return DATE_OK;
}

void date_to_iso(const struct ymd *d, char *buf, size_t size)
{
	if (buf == NULL || size == 0)
		return;
	if (d == NULL) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, size, "%04d-%02d-%02d", d->y, d->m, d->d);
}

void date_to_fr(const struct ymd *d, char *buf, size_t size)
{
	if (buf == NULL || size == 0)
		return;
	if (d == NULL) {
		buf[0] = '\0';
		return;
	}
	snprintf(buf, size, "%02d/%02d/%04d", d->d, d->m, d->y);
}

void date_hl7_to_fr(const char *t, const char *empty, char *buf, size_t size)
{
	int digits = t != NULL;

	if (buf == NULL || size == 0)
		return;
	for (int i = 0; digits && i < 8; i++)
		digits = t[i] >= '0' && t[i] <= '9';
	if (digits)
		snprintf(buf, size, "%.2s/%.2s/%.4s", t + 6, t + 4, t);
	else
		snprintf(buf, size, "%s", t && *t ? t : empty);
}

void date_iso_to_fr(const char *iso, char *buf, size_t size)
{
	if (buf == NULL || size == 0)
		return;
	if (iso == NULL) {
		buf[0] = '\0';
		return;
	}
	/* Rearranged as text, not re-validated: a stored value is shown as it is. */
	if (iso_shape(iso))
		snprintf(buf, size, "%.2s/%.2s/%.4s", iso + 8, iso + 5, iso);
	else
		snprintf(buf, size, "%s", iso);
}

/* Returns -1 when at precedes birth (or an argument is missing): no age to show. */
int date_age_years(const struct ymd *birth, const struct ymd *at)
{
	int age;

	if (birth == NULL || at == NULL || cmp_ymd(at, birth) < 0)
		return -1;
	age = at->y - birth->y;
	/* Born on 29/02: one year older on 01/03 in common years. */
	if (at->m < birth->m || (at->m == birth->m && at->d < birth->d))
		age--;
	return age;
}

const char *date_strerror(int err)
{
	switch (err) {
	case DATE_OK:
		return "Date correcte";
	case DATE_ERR_FORMAT:
		return "Format de date attendu : JJ/MM/AAAA";
	case DATE_ERR_INVALID:
		return "Cette date n'existe pas";
	case DATE_ERR_FUTURE:
		return "La date est dans le futur";
	case DATE_ERR_TOO_OLD:
		return "Date antérieure à 1850";
	default:
		return "Date incorrecte";
	}
}

static int is_date_sep(char c)
{
	return c == '/' || c == '-' || c == '.';
}

/* Day and month valid in some year (29/02 allowed). */
static int day_month_ok(int d, int m)
{
	return m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(2000, m);
}

enum date_query_kind date_query_parse(const char *token, struct date_query *out)
{
	struct date_query q = { DATEQ_NONE, 0, 0, 0 };
	const char *p = token;
	int a, b, c, na, nb, nc;
	char sep;

	if (out == NULL)
		out = &q;
	*out = q;
	if (token == NULL)
		return DATEQ_NONE;
	na = read_num(&p, 5, &a);
	if (na == 0)
		return DATEQ_NONE;
	if (*p == '\0') {
		/* Other digit runs are NIR prefixes for the caller, not dates. */
		if (na == 4 && a >= DATE_MIN_YEAR && a <= DATEQ_MAX_YEAR) {
			out->kind = DATEQ_YEAR;
			out->y = a;
		}
		return out->kind;
	}
	sep = *p;
	if (!is_date_sep(sep))
		return DATEQ_NONE;
	p++;
	nb = read_num(&p, 5, &b);
	if (nb == 0)
		return DATEQ_NONE;
	if (na == 4) {
		/* ISO "AAAA-MM-JJ" pasted from elsewhere. */
		if (sep != '-' || nb > 2 || *p != '-')
			return DATEQ_NONE;
		p++;
		nc = read_num(&p, 3, &c);
		if (nc == 0 || nc > 2 || *p != '\0' || !date_valid(a, b, c))
			return DATEQ_NONE;
		out->kind = DATEQ_FULL;
		out->y = a;
		out->m = b;
		out->d = c;
		return out->kind;
	}
	if (na > 2)
		return DATEQ_NONE;
	if (*p == '\0') {
		if (nb <= 2 && day_month_ok(a, b)) {
			out->kind = DATEQ_DAY_MONTH;
			out->d = a;
			out->m = b;
		} else if (nb == 4 && a >= 1 && a <= 12 && b >= DATE_MIN_YEAR &&
			   b <= DATEQ_MAX_YEAR) {
			out->kind = DATEQ_MONTH_YEAR;
			out->m = a;
			out->y = b;
		}
		return out->kind;
	}
	if (*p != sep || nb > 2)
		return DATEQ_NONE;
	p++;
	nc = read_num(&p, 5, &c);
	if (*p != '\0' || nc > 4 || !day_month_ok(a, b))
		return DATEQ_NONE;
	if (nc < 4) {
		/* The year is still being typed: narrow on day and month for now. */
		out->kind = DATEQ_DAY_MONTH;
		out->d = a;
		out->m = b;
		return out->kind;
	}
	if (!date_valid(c, b, a))
		return DATEQ_NONE; /* 29/02/1900 */
	out->kind = DATEQ_FULL;
	out->y = c;
	out->m = b;
	out->d = a;
	return out->kind;
}
