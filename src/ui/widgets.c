/* Identity banner and status line. */
#include "ui/widgets.h"

#include <stdio.h>
#include <string.h>

void banner_draw(int y, const struct banner_info *b)
{
	int w = ui_cols(), x;

	x = ui_text(y, 0, w, ST_HEADER, b->name, 0);
	x += ui_textf(y, x, w - x, ST_NORMAL, 1, "  %s  %s", b->sex, b->birth);
	/* The status is words plus a bracketed marker, so it reads without colour. */
	x = ui_textf(y + 1, 0, w, b->status_style, 0, "[%s] Identité : %s", b->status_marker,
		     b->status_label);
	if (b->attributes && *b->attributes)
		x += ui_textf(y + 1, x, w - x, ST_WARN, 0, "  !%s", b->attributes);
	if (b->ins && *b->ins)
		x += ui_textf(y + 1, x, w - x, ST_MUTED, 0, "  %s", b->ins);
	ui_fill(y + 1, x, w - x, ST_NORMAL);
}

void status_draw(const struct status_info *si)
{
	int y = ui_lines() - 1, w = ui_cols();
	char right[160];
	int len = 0, rw;

	if (si->pending > 0)
		len += snprintf(right + len, sizeof right - len, "%s%s… %d tâche%s │ ",
				si->pending_label ? si->pending_label : "",
				si->pending_label ? "" : "Tâches", si->pending,
				si->pending > 1 ? "s" : "");
	for (size_t i = 0; i < si->nservices && len < (int)sizeof right; i++)
		len += snprintf(right + len, sizeof right - len, "%s%s%s │ ", si->services[i].name,
				si->services[i].up == -2 ? "" : ":",
				si->services[i].up == -2 ? "" : si->services[i].up > 0 ? "ok"
				: si->services[i].up == 0 ? "HS" : "?");
	if (si->readonly && len < (int)sizeof right)
		len += snprintf(right + len, sizeof right - len, "LECTURE SEULE │ ");
	if (len < (int)sizeof right)
		snprintf(right + len, sizeof right - len, "%s %s", si->user, si->clock);
	rw = ui_text_width(right);
	if (rw > w)
		rw = w;
	if (si->message && *si->message)
		ui_textf(y, 0, w - rw - 1, si->message_style == ST_ERROR ? ST_ERROR : ST_STATUS, 1,
			 "%s%s", si->message_style == ST_ERROR ? ui_mono_marker(ST_ERROR) : "",
			 si->message);
	else
		ui_fill(y, 0, w - rw - 1, ST_STATUS);
	ui_text(y, w - rw - 1, rw + 1, ST_STATUS, " ", 0);
	ui_text(y, w - rw, rw, ST_STATUS, right, 1);
}
