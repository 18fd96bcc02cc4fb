/* DMP consent rules (DOMAIN.md §2): defaults, bris de glace window, legal reminder due date. */
#include "core/consent.h"

#include <stdio.h>
#include <string.h>

void consent_defaults(struct dmp_consent *c, long long patient_id)
{
	/* Feeding allowed, no consultation, nobody informed yet (DSR 3.2.3). */
	memset(c, 0, sizeof *c);
	c->patient_id = patient_id;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil): no
 * timegm, whose availability depends on feature macros, and no time zone involved. */
static long long days_from_civil(int y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153LL * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(long long z, int *y, int *m, int *d)
{
	long long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int two_digits(const char *s, int *out)
{
	if (s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9')
		return -1;
	*out = (s[0] - '0') * 10 + (s[1] - '0');
	return 0;
}

/* "AAAA-MM-JJTHH:MM:SSZ" to seconds since the epoch; -1 on anything else, so that a
 * damaged stamp never extends a bris de glace or silences the legal reminder. */
static int parse_utc(const char *s, long long *out)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int cy, yy, mo, dd, hh, mi, ss;

	if (!s || strlen(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':' || s[19] != 'Z')
		return -1;
	if (two_digits(s, &cy) || two_digits(s + 2, &yy) || two_digits(s + 5, &mo) ||
	    two_digits(s + 8, &dd) || two_digits(s + 11, &hh) || two_digits(s + 14, &mi) ||
	    two_digits(s + 17, &ss))
		return -1;
	if (mo < 1 || mo > 12 || dd < 1 || dd > mdays[mo - 1] || hh > 23 || mi > 59 || ss > 60)
		return -1;
	yy += cy * 100;
	if (mo == 2 && dd == 29 && !(yy % 4 == 0 && (yy % 100 != 0 || yy % 400 == 0)))
		return -1;
	*out = days_from_civil(yy, mo, dd) * 86400 + hh * 3600 + mi * 60 + ss;
	return 0;
}

static void format_utc(long long t, char *out, size_t size)
{
	long long days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	long long rem = t - days * 86400;
	int y, m, d;

	civil_from_days(days, &y, &m, &d);
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, (int)(rem / 3600),
		 (int)(rem / 60 % 60), (int)(rem % 60));
}

void consent_time_plus(const char *now, int minutes, char *out, size_t size)
{
	long long t;

	if (!size)
		return;
	if (parse_utc(now, &t)) {
		out[0] = '\0';
		return;
	}
	format_utc(t + (long long)minutes * 60, out, size);
}

int consent_bdg_active(const struct dmp_consent *c, const char *now)
{
	long long until, t;

	if (!c->bdg_until[0] || parse_utc(c->bdg_until, &until) || parse_utc(now, &t))
		return 0;
	return t < until;
}

int consent_allows_consultation(const struct dmp_consent *c, const char *now)
{
	return c->consultation || consent_bdg_active(c, now);
}

int consent_allows_feeding(const struct dmp_consent *c)
{
	/* Feeding needs no consultation consent, only the absence of opposition (DSR 3.2.3). */
	return !c->feeding_opposed;
}

int consent_reminder_due(const char *last_ack, const char *now, int days)
{
	long long ack, t;

	/* days <= 0 asks for the reminder at every use; an unreadable clock or stamp errs on
	 * the side of showing it. */
	if (days <= 0 || !last_ack || !*last_ack || parse_utc(last_ack, &ack) ||
	    parse_utc(now, &t))
		return 1;
	return t - ack >= (long long)days * 86400;
}
