/* Identity banner and status line. */
#ifndef VIGIE_UI_WIDGETS_H
#define VIGIE_UI_WIDGETS_H

#include "ui/ui.h"

/* What the identity banner shows (all UTF-8, prepared by the screen from the store). */
struct banner_info {
	const char *name;          /* "ADRUN Zoé" or "DUPONT (née MARTIN) Marie" */
	const char *birth;         /* "née le 31/12/1975 (50 ans)" */
	const char *sex;           /* "F", "M", "I" */
	const char *status_label;  /* "Identité provisoire" */
	const char *status_marker; /* "PROV" */
	enum ui_style status_style;
	const char *attributes;    /* "homonyme, douteuse" or "" */
	const char *ins;           /* "INS 2 75 12 63 220 749 74" or "" */
};

/* Two rows at y: name/birth/sex, then status/attributes/INS. */
void banner_draw(int y, const struct banner_info *b);

struct status_service {
	const char *name;   /* "INSi" */
	int up;             /* 1 up, 0 down, -1 unknown, -2 name only (e.g. who is signed in) */
};

struct status_info {
	const char *user;
	int pending;                /* jobs queued or running */
	const char *pending_label;  /* label of a running job */
	const struct status_service *services;
	size_t nservices;
	const char *message;        /* transient message, may be NULL */
	enum ui_style message_style;
	int readonly;
	const char *clock;          /* "14:32" */
};

/* Bottom row. */
void status_draw(const struct status_info *si);

#endif
