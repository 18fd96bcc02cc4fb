/* COG reference tables (INSEE communes and countries since 1943): import, look-up by code and name. */
#ifndef VIGIE_STORE_COG_H
#define VIGIE_STORE_COG_H

#include <stddef.h>
#include "store/db.h"

/* ------------------------------------------------------------------ CSV reader */

/* A CSV reader over a mutable buffer, as INSEE writes its files: comma separated, fields
 * optionally quoted with doubled quotes inside, CRLF or LF, optional UTF-8 BOM. Fields are
 * unquoted in place and point into the buffer. */
#define COG_CSV_MAX_FIELDS 32

struct cog_csv {
	char *cur, *end;
	long line;                        /* line where the next record starts (1-based) */
	long record_line;                 /* line where the record just read started */
	char *f[COG_CSV_MAX_FIELDS];
	int n;                            /* fields in the record just read */
	char err[160];                    /* French reason of the last error */
};

void cog_csv_init(struct cog_csv *c, char *buf, size_t len);
/* Read the next record: 1 with c->f / c->n set, 0 at the end, -1 on a malformed record
 * (c->err says why, c->record_line where). Blank lines are skipped. */
int cog_csv_next(struct cog_csv *c);

/* ------------------------------------------------------------------ import */

struct cog_counts {
	long communes;       /* rows of cog_places of kind commune */
	long countries;      /* rows of kind pays */
	long movements;
	char source[64];     /* "demo", "INSEE 2025" ... */
};

/*
 * Replace the COG set with the INSEE files found in dir: v_commune_depuis_1943.csv,
 * v_pays_et_territoire_depuis_1943.csv (else v_pays_territoire[_AAAA].csv) and
 * v_mvt_commune[_AAAA].csv. Headers are checked by column name. Everything happens in one
 * transaction: on any error (French message with file and line in st->err) the previous
 * set is kept. Audited ("cog.import").
 */
int cog_import_dir(struct store *st, const char *dir, struct cog_counts *out);

/* The same from the project's demo subset embedded at build time (data/cog/). */
int cog_import_demo(struct store *st, struct cog_counts *out);

/* Which set is loaded: 0 with out filled, STORE_ERR_NOTFOUND when none. */
int cog_source_get(struct store *st, struct cog_counts *out, char *imported_at, size_t size);

/* ------------------------------------------------------------------ look-ups */

enum cog_validity {
	COG_VALID = 0,       /* valid at the date asked (now when no date) */
	COG_ENDED = 1,       /* the code existed, but had ended by that date */
	COG_NOT_YET = 2,     /* the code only came into use after that date */
	COG_UNKNOWN_PLACE = 3, /* 99999: birth place unknown */
};

struct cog_place {
	char code[6];
	char kind[8];          /* "commune", "pays", "" for 99999 */
	char type[8];          /* COM, COMA, COMD, ARM for communes, "" otherwise */
	char name[160];
	char date_debut[11];   /* AAAA-MM-JJ, "" since 1943 or before */
	char date_fin[11];     /* exclusive end (the day of the change), "" still valid */
	enum cog_validity validity;
	/* The code that was in use at the date asked for the same place, when it differs
	 * (20004 for 2A004 before 1976), from the movements; "" otherwise. */
	char code_at_date[6];
	/* Where the commune went (merged, new code), followed through movements; "" none. */
	char successor[6];
	char successor_name[160];
	char successor_date[11];
};

/*
 * The place named by code at date_iso (AAAA-MM-JJ, NULL or "" for today). Returns 0 with
 * out filled -- also when the code is only known at another date (then out->validity says
 * so and out->name is the name of the nearest period) -- STORE_ERR_NOTFOUND (st->err set)
 * when the code is in no period, STORE_ERR_INVALID for a malformed code or date. 99999 is
 * always found as "Lieu de naissance inconnu".
 */
int cog_lookup(struct store *st, const char *code, const char *date_iso, struct cog_place *out);

/*
 * Places whose name starts with text (case, accents, hyphens/spaces, a leading article and
 * "St"/"Ste" for "Saint"/"Sainte" ignored). Places valid at date_iso (today when NULL/"")
 * come first, then by name. At most max results in out; *n is the count.
 */
int cog_find(struct store *st, const char *text, const char *date_iso, struct cog_place *out,
	     size_t max, size_t *n);

/* Fold a place name for look-up: text_fold, leading article dropped, "st"/"ste" expanded. */
void cog_fold_name(const char *name, char *out, size_t size);

/* French label of a place type ("commune", "arrondissement municipal", "pays ou territoire"). */
const char *cog_type_label(const struct cog_place *p);
/* French label of a validity ("valide", "ancien", ...). */
const char *cog_validity_label(enum cog_validity v);

#endif
