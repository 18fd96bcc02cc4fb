/* Shared formatting of patient identities for screens and the command line. */
#include "screens/format.h"
#include "core/date.h"
#include "core/identity.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void fmt_display_name(const char *birth_name, const char *used_name, const char *first_name,
		      const char *used_first_name, char *buf, size_t size)
{
	const char *first = *used_first_name ? used_first_name : first_name;

	if (*used_name && strcmp(used_name, birth_name) != 0)
		snprintf(buf, size, "%s (%s) %s", used_name, birth_name, first);
	else
		snprintf(buf, size, "%s %s", birth_name, first);
}

void fmt_birth(const char *birth_iso, const char *sex, char *buf, size_t size)
{
	struct ymd b, today;
	time_t now = time(NULL);
	struct tm tm;
	char fr[16];
	int years;

	if (date_parse_iso(birth_iso, &b) != DATE_OK) {
		snprintf(buf, size, "date de naissance inconnue");
		return;
	}
	localtime_r(&now, &tm);
	today = (struct ymd){ tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday };
	date_to_fr(&b, fr, sizeof fr);
	years = date_age_years(&b, &today);
	if (years < 2) {
		int months = (today.y - b.y) * 12 + today.m - b.m - (today.d < b.d ? 1 : 0);
		snprintf(buf, size, "%s le %s (%d mois)", !strcmp(sex, "F") ? "née" : "né", fr,
			 months < 0 ? 0 : months);
	} else {
		snprintf(buf, size, "%s le %s (%d ans)", !strcmp(sex, "F") ? "née" : "né", fr, years);
	}
}

enum ui_style fmt_status_style(int status, unsigned attrs)
{
	if (attrs & (ID_ATTR_DOUTEUSE | ID_ATTR_FICTIVE))
		return ST_ERROR;
	if (status == ID_QUALIFIEE)
		return ST_OK;
	if (status == ID_PROVISOIRE)
		return ST_WARN;
	return ST_NORMAL;
}

void fmt_attrs(unsigned attrs, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s%s", attrs & ID_ATTR_HOMONYME ? "homonyme" : "",
		 (attrs & ID_ATTR_HOMONYME) && (attrs & (ID_ATTR_DOUTEUSE | ID_ATTR_FICTIVE)) ? ", "
											     : "",
		 attrs & ID_ATTR_DOUTEUSE ? "douteuse" : "",
		 (attrs & ID_ATTR_DOUTEUSE) && (attrs & ID_ATTR_FICTIVE) ? ", " : "",
		 attrs & ID_ATTR_FICTIVE ? "fictive" : "");
}
