/* Patient search query: split typed text into name, date and matricule criteria. */
#include "core/query.h"
#include "core/date.h"
#include "core/text.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

static void add(struct query *q, const char *term, int prefix)
{
	if (q->n >= QUERY_MAX_TERMS)
		return;
	snprintf(q->t[q->n].lo, sizeof q->t[q->n].lo, "%s", term);
	q->t[q->n].prefix = prefix;
	q->n++;
}

/* The whole query is a matricule when, spaces removed, it is digits (2A/2B at 6-7) >= 5. */
static int as_matricule(const char *text, char *out, size_t size)
{
	size_t n = 0;

	for (const char *p = text; *p; p++) {
		if (*p == ' ')
			continue;
		char c = (char)toupper((unsigned char)*p);
		int ok = isdigit((unsigned char)c) || (n == 6 && (c == 'A' || c == 'B') && n > 0 &&
							  out[5] == '2');
		if (!ok || n + 1 >= size)
			return 0;
		out[n++] = c;
	}
	out[n] = '\0';
	return n >= 5;
}

static void add_date(struct query *q, const char *tok)
{
	struct date_query dq;
	char term[24];

	switch (date_query_parse(tok, &dq)) {
	case DATEQ_FULL:
		snprintf(term, sizeof term, "d:%04d%02d%02d", dq.y, dq.m, dq.d);
		add(q, term, 0);
		break;
	case DATEQ_MONTH_YEAR:
		snprintf(term, sizeof term, "d:%04d%02d", dq.y, dq.m);
		add(q, term, 1);
		break;
	case DATEQ_YEAR:
		snprintf(term, sizeof term, "d:%04d", dq.y);
		add(q, term, 1);
		break;
	case DATEQ_DAY_MONTH:
		snprintf(term, sizeof term, "m:%02d%02d", dq.m, dq.d);
		add(q, term, 0);
		break;
	case DATEQ_NONE:
		break;
	}
}

static int looks_numeric(const char *tok)
{
	for (; *tok; tok++)
		if (!isdigit((unsigned char)*tok) && *tok != '/' && *tok != '-' && *tok != '.')
			return 0;
	return 1;
}

size_t query_parse(const char *text, struct query *q)
{
	char buf[256], folded[256], term[72], mat[32];
	struct ymd d;
	char *save = NULL, *tok;

	memset(q, 0, sizeof *q);
	if (!text)
		return 0;
	/* Eight digits that make a real date ("31121975") are a birth date: the first eight
	 * characters of a NIR almost never do (their month would be digits 4-5 of the NIR). */
	if (strlen(text) == 8 && strspn(text, "0123456789") == 8 && date_parse_fr(text, &d) == 0 &&
	    d.y >= 1850 && d.y <= 2199) {
		snprintf(term, sizeof term, "d:%04d%02d%02d", d.y, d.m, d.d);
		add(q, term, 0);
		return q->n;
	}
	if (as_matricule(text, mat, sizeof mat)) {
		snprintf(term, sizeof term, "i:%s", mat);
		add(q, term, 1);
		return q->n;
	}
	snprintf(buf, sizeof buf, "%s", text);
	for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (looks_numeric(tok)) {
			add_date(q, tok);
			continue;
		}
		text_fold(tok, folded, sizeof folded);
		char *s2 = NULL;
		for (char *w = strtok_r(folded, " ", &s2); w; w = strtok_r(NULL, " ", &s2)) {
			snprintf(term, sizeof term, "n:%.60s", w);
			add(q, term, 1);
		}
	}
	return q->n;
}

void query_prefix_end(const char *lo, char *hi, size_t size)
{
	size_t n = strlen(lo);

	snprintf(hi, size, "%s", lo);
	if (n > 0 && n < size)
		hi[n - 1] = (char)(hi[n - 1] + 1);
}
