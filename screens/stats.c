/* Identity vigilance indicators screen (TBB.INS.02): statuses, per user and period, INSi calls. */
#include "screens/app.h"
#include "core/date.h"
#include "core/identity.h"
#include "store/stats.h"
#include "ui/keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BAR_WIDTH 20

/* Declared in screens/app.h by the application; repeated here so this file stands alone. */
struct screen *stats_screen_new(struct app *a);

struct stats_screen {
	struct screen base;
	struct app *app;
	enum stats_period period;
	struct stats_ins s;
	int loaded;
	char from[11], to[11];   /* bounds of the period shown, "" when open */
	char error[256];
};

/* Figures are computed on entry and on a period change, never while drawing: a redraw on
 * every key must stay cheap. */
static void load(struct stats_screen *d)
{
	char today[11];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(today, sizeof today, "%Y-%m-%d", &tm);
	stats_ins_free(&d->s);
	stats_period_bounds(d->period, today, d->from, d->to, sizeof d->from);
	d->error[0] = '\0';
	d->loaded = stats_ins(d->app->st, d->from, d->to, &d->s) == 0;
	if (!d->loaded)
		snprintf(d->error, sizeof d->error, "%s", d->app->st->err);
}

static void draw_period(struct stats_screen *d, int y, int cols)
{
	char from[16], to[16];

	if (d->period == STATS_ALL) {
		ui_textf(y, 0, cols, ST_LABEL, 1, " Période : %s", stats_period_label(d->period));
		return;
	}
	date_iso_to_fr(d->from, from, sizeof from);
	date_iso_to_fr(d->to, to, sizeof to);
	ui_textf(y, 0, cols, ST_LABEL, 1, " Période : %s (du %s au %s)",
		 stats_period_label(d->period), from, to);
}

/* Right-align text ending at column end: labels have accents, so widths are display columns,
 * not the bytes printf would count. */
static void text_right(int y, int end, enum ui_style style, const char *text)
{
	int w = ui_text_width(text);

	ui_text(y, end - w, w, style, text, 0);
}

/* One status line with a bar of '#': readable in monochrome and on a vt100. */
static void draw_status_row(struct stats_screen *d, int y, int status)
{
	long long n = d->s.by_status[status], total = d->s.patients;
	int filled = total > 0 ? (int)((n * BAR_WIDTH + total / 2) / total) : 0;
	char num[32], pct[32], bar[BAR_WIDTH + 1];

	memset(bar, '#', (size_t)filled);
	memset(bar + filled, '.', (size_t)(BAR_WIDTH - filled));
	bar[BAR_WIDTH] = '\0';
	stats_percent(n, total, pct, sizeof pct);
	snprintf(num, sizeof num, "%lld", n);
	ui_text(y, 3, 14, ST_NORMAL, id_status_label((enum id_status)status), 0);
	text_right(y, 25, ST_NORMAL, num);
	text_right(y, 35, ST_NORMAL, pct);
	ui_text(y, 38, BAR_WIDTH, ST_NORMAL, bar, 0);
}

static int draw_statuses(struct stats_screen *d, int y)
{
	char num[32], pct[32];

	ui_text(y++, 0, ui_cols(), ST_HEADER, " Identités des patients (aujourd'hui)", 1);
	for (int i = 0; i < 4; i++)
		draw_status_row(d, y++, i);
	snprintf(num, sizeof num, "%lld", d->s.patients);
	stats_percent(d->s.by_status[ID_QUALIFIEE], d->s.patients, pct, sizeof pct);
	ui_text(y, 3, 14, ST_LABEL, "Total", 0);
	text_right(y, 25, ST_LABEL, num);
	ui_textf(y++, 38, ui_cols() - 38, ST_LABEL, 0, "Taux de qualification : %s", pct);
	return y;
}

static void draw_user_row(int y, enum ui_style style, const char *who, const char *c1,
			  const char *c2, const char *c3)
{
	ui_text(y, 3, 26, style, who, 0);
	text_right(y, 40, style, c1);
	text_right(y, 53, style, c2);
	text_right(y, 66, style, c3);
}

/* Users of the period, as many as fit above the INSi line; the rest counted. */
static int draw_users(struct stats_screen *d, int y, int last, int cols)
{
	size_t shown = 0;

	ui_text(y++, 0, cols, ST_HEADER, " Par utilisateur sur la période", 1);
	draw_user_row(y++, ST_LABEL, "Utilisateur", "Créées", "Récupérées", "Qualifiées");
	if (!d->s.nusers)
		ui_text(y++, 3, cols - 3, ST_MUTED, "Aucune identité créée ni modifiée", 0);
	for (; shown < d->s.nusers && y <= last; shown++) {
		const struct stats_user *u = &d->s.users[shown];
		char c1[24], c2[24], c3[24];
		if (y == last && shown + 1 < d->s.nusers)
			break;
		snprintf(c1, sizeof c1, "%ld", u->created);
		snprintf(c2, sizeof c2, "%ld", u->recovered);
		snprintf(c3, sizeof c3, "%ld", u->qualified);
		draw_user_row(y++, ST_NORMAL, u->who, c1, c2, c3);
	}
	if (shown < d->s.nusers)
		ui_textf(y++, 3, cols - 3, ST_MUTED, 0, "… et %zu autre(s) : vigie stats ins",
			 d->s.nusers - shown);
	return y;
}

static void draw_insi(struct stats_screen *d, int y, int cols)
{
	char line[256];
	size_t len;

	len = (size_t)snprintf(line, sizeof line, " Appels INSi sur la période : %ld",
			       d->s.insi_calls);
	for (size_t i = 0; i < d->s.ncrs && len < sizeof line; i++)
		len += (size_t)snprintf(line + len, sizeof line - len, "   %s : %ld",
					d->s.crs[i].cr[0] ? d->s.crs[i].cr : "erreur",
					d->s.crs[i].calls);
	ui_text(y, 0, cols, ST_NORMAL, line, 1);
}

static void draw(struct screen *base)
{
	struct stats_screen *d = (struct stats_screen *)base;
	int cols = ui_cols(), lines = ui_lines(), y;

	for (int r = 1; r < lines - 1; r++)
		ui_fill(r, 0, cols, ST_NORMAL);
	draw_period(d, 1, cols);
	if (!d->loaded) {
		ui_text(3, 1, cols - 1, ST_ERROR, d->error, 1);
	} else {
		y = draw_statuses(d, 3);
		draw_users(d, y + 1, lines - 5, cols);
		draw_insi(d, lines - 3, cols);
	}
	ui_text(lines - 2, 0, cols, ST_MUTED,
		"p/n : période précédente/suivante  Échap : retour  ? : aide  q : quitter", 1);
}

static int key(struct screen *base, int k, int action)
{
	struct stats_screen *d = (struct stats_screen *)base;

	(void)action;
	if (k == 'p' || k == VK_LEFT) {
		d->period = (enum stats_period)((d->period + STATS_PERIOD_COUNT - 1) %
						STATS_PERIOD_COUNT);
		load(d);
		return 1;
	}
	if (k == 'n' || k == VK_RIGHT) {
		d->period = (enum stats_period)((d->period + 1) % STATS_PERIOD_COUNT);
		load(d);
		return 1;
	}
	return 0;
}

/* An INSi call or a qualification finished in the background: the figures moved. */
static void event(struct screen *base, const void *ev)
{
	struct stats_screen *d = (struct stats_screen *)base;
	const struct job_event *e = ev;

	if (e->status == JOB_DONE && screen_top(&d->app->ss) == base)
		load(d);
}

static void enter(struct screen *base)
{
	load((struct stats_screen *)base);
}

static void destroy(struct screen *base)
{
	struct stats_screen *d = (struct stats_screen *)base;

	stats_ins_free(&d->s);
	free(d);
}

static const struct screen_ops stats_ops = {
	.context = "stats",
	.enter = enter,
	.draw = draw,
	.key = key,
	.event = event,
	.destroy = destroy,
};

struct screen *stats_screen_new(struct app *a)
{
	struct stats_screen *d = calloc(1, sizeof *d);

	if (!d)
		return NULL;
	d->base.ops = &stats_ops;
	d->base.app = a;
	d->base.cursor_y = -1;
	d->base.cursor_x = -1;
	d->app = a;
	d->period = STATS_THIS_MONTH;
	snprintf(d->base.title, sizeof d->base.title, " Indicateurs d'identitovigilance (INS)");
	return &d->base;
}
