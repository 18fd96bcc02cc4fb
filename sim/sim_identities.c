/* vigie-sim: the table of fictitious identities (TSV) and the matching rules of INSi searches. */
#include "sim/sim.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
	COL_NAME, COL_FIRST, COL_SEX, COL_DATE, COL_COG, COL_NUM, COL_KEY, COL_OID, COL_RESULT,
	COL_TIQ_PRENOM, COL_HISTO, COL_VITALE_OD, COL_VITALE_RANG, COL_NOTE, NCOLS
};

/* "-" stands for an empty cell so that the file stays readable with aligned tabs. */
static int copy_cell(char *dst, size_t size, const char *src)
{
	if (!strcmp(src, "-"))
		src = "";
	if (strlen(src) >= size)
		return -1;
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

/* One history entry: NUM/CLE[/DATEDEB[/DATEFIN]]. */
static int parse_histo_entry(char *s, struct sim_ins *h)
{
	char *parts[4] = { 0 };
	int n = 0;

	memset(h, 0, sizeof *h);
	/* Split by hand: an empty DateDeb ("NUM/CLE//DATEFIN") must stay a field. */
	for (char *p = s; p && n < 4; n++) {
		parts[n] = p;
		p = strchr(p, '/');
		if (p)
			*p++ = 0;
	}
	if (n < 2 || strlen(parts[0]) != 13 || strlen(parts[1]) != 2)
		return -1;
	strcpy(h->num, parts[0]);
	strcpy(h->key, parts[1]);
	if (n > 2 && copy_cell(h->date_deb, sizeof h->date_deb, parts[2]))
		return -1;
	if (n > 3 && copy_cell(h->date_fin, sizeof h->date_fin, parts[3]))
		return -1;
	return 0;
}

static int parse_histo(char *cell, struct sim_identity *id)
{
	char *save = NULL;

	if (!strcmp(cell, "-") || !cell[0])
		return 0;
	for (char *e = strtok_r(cell, ";", &save); e; e = strtok_r(NULL, ";", &save)) {
		if (id->n_histo == SIM_HISTO_MAX || parse_histo_entry(e, &id->histo[id->n_histo]))
			return -1;
		id->n_histo++;
	}
	return 0;
}

static int parse_row(char **c, struct sim_identity *id)
{
	memset(id, 0, sizeof *id);
	if (copy_cell(id->birth_name, sizeof id->birth_name, c[COL_NAME]) ||
	    copy_cell(id->first_names, sizeof id->first_names, c[COL_FIRST]) ||
	    copy_cell(id->sex, sizeof id->sex, c[COL_SEX]) ||
	    copy_cell(id->birth_date, sizeof id->birth_date, c[COL_DATE]) ||
	    copy_cell(id->cog, sizeof id->cog, c[COL_COG]) ||
	    copy_cell(id->active.num, sizeof id->active.num, c[COL_NUM]) ||
	    copy_cell(id->active.key, sizeof id->active.key, c[COL_KEY]) ||
	    copy_cell(id->oid, sizeof id->oid, c[COL_OID]) ||
	    copy_cell(id->result, sizeof id->result, c[COL_RESULT]) ||
	    copy_cell(id->vitale_od, sizeof id->vitale_od, c[COL_VITALE_OD]))
		return -1;
	if (!id->birth_name[0] || !id->first_names[0] || !id->sex[0] || !id->birth_date[0])
		return -1;
	if (strcmp(id->result, "00") && strcmp(id->result, "01") &&
	    (strncmp(id->result, "soap:", 5) || !sim_fault_code_known(id->result + 5)))
		return -1;
	/* A 00 row must say which INS it returns. */
	if (!strcmp(id->result, "00") &&
	    (strlen(id->active.num) != 13 || strlen(id->active.key) != 2 || !id->oid[0]))
		return -1;
	if (!strcmp(c[COL_TIQ_PRENOM], "oui"))
		id->tiq_prenom = 1;
	else if (strcmp(c[COL_TIQ_PRENOM], "non") && strcmp(c[COL_TIQ_PRENOM], "-"))
		return -1;
	id->vitale_rang = 1;
	if (strcmp(c[COL_VITALE_RANG], "-")) {
		char *end;
		long r = strtol(c[COL_VITALE_RANG], &end, 10);
		if (*end || r < 1 || r > 9)
			return -1;
		id->vitale_rang = (int)r;
	}
	return parse_histo(c[COL_HISTO], id);
}

static int split_tabs(char *line, char **cols)
{
	int n = 0;
	char *p = line;

	for (;;) {
		if (n == NCOLS)
			return -1;
		cols[n++] = p;
		p = strchr(p, '\t');
		if (!p)
			break;
		*p++ = 0;
	}
	return n;
}

static int add_line(struct sim_table *t, size_t *cap, char *line, char *err, size_t errsize,
		    const char *path, int lineno)
{
	char *cols[NCOLS];

	if (split_tabs(line, cols) != NCOLS) {
		snprintf(err, errsize, "%s:%d : %d colonnes séparées par des tabulations attendues",
			 path, lineno, NCOLS);
		return -1;
	}
	if (!strcmp(cols[COL_NAME], "nom_naissance"))
		return 0; /* header */
	if (t->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 32;
		struct sim_identity *r = realloc(t->rows, ncap * sizeof *r);
		if (!r) {
			snprintf(err, errsize, "mémoire insuffisante");
			return -1;
		}
		t->rows = r;
		*cap = ncap;
	}
	if (parse_row(cols, &t->rows[t->n])) {
		snprintf(err, errsize, "%s:%d : ligne d'identité invalide", path, lineno);
		return -1;
	}
	t->n++;
	return 0;
}

int sim_identities_load(const char *path, struct sim_table *t, char *err, size_t errsize)
{
	char line[2048];
	size_t cap = 0;
	int lineno = 0, rc = 0;
	FILE *f = fopen(path, "r");

	t->rows = NULL;
	t->n = 0;
	if (!f) {
		snprintf(err, errsize, "impossible d'ouvrir la table des identités %s : %s", path,
			 strerror(errno));
		return -1;
	}
	while (rc == 0 && fgets(line, sizeof line, f)) {
		lineno++;
		line[strcspn(line, "\r\n")] = 0;
		if (!line[0] || line[0] == '#')
			continue;
		rc = add_line(t, &cap, line, err, errsize, path, lineno);
	}
	fclose(f);
	if (rc == 0 && t->n == 0) {
		snprintf(err, errsize, "%s : aucune identité", path);
		rc = -1;
	}
	if (rc)
		sim_identities_free(t);
	return rc;
}

void sim_identities_free(struct sim_table *t)
{
	free(t->rows);
	t->rows = NULL;
	t->n = 0;
}

/* Is word one of the space-separated tokens of list? */
static int has_token(const char *list, const char *word)
{
	size_t wl = strlen(word);

	if (!wl)
		return 0;
	for (const char *p = list; *p;) {
		size_t tl = strcspn(p, " ");
		if (tl == wl && !strncmp(p, word, wl))
			return 1;
		p += tl;
		p += strspn(p, " ");
	}
	return 0;
}

/* First names sent: one birth first name, the whole list in one element, or several elements
 * that are each a birth first name or together the whole list. */
static int first_names_match(const struct sim_identity *id, const struct sim_traits *q)
{
	char joined[SIM_PRENOM_MAX * 102] = "";
	int all_tokens = 1;

	if (q->n_first_names == 0)
		return 0;
	for (int i = 0; i < q->n_first_names; i++) {
		if (i)
			strcat(joined, " ");
		strcat(joined, q->first_names[i]);
		if (!has_token(id->first_names, q->first_names[i]))
			all_tokens = 0;
	}
	return all_tokens || !strcmp(joined, id->first_names);
}

size_t sim_match_traits(const struct sim_table *t, const struct sim_traits *q,
			const struct sim_identity **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct sim_identity *id = &t->rows[i];
		if (strcmp(id->birth_name, q->birth_name) || strcmp(id->sex, q->sex) ||
		    strcmp(id->birth_date, q->birth_date) || !first_names_match(id, q))
			continue;
		if (q->has_cog && strcmp(id->cog, q->cog))
			continue;
		if (n < max)
			out[n] = id;
		n++;
	}
	return n;
}

/* Compare dates written AAAA-MM-JJ or AAAAMMJJ (Vitale cards may hold lunar dates). */
static int same_date(const char *a, const char *b)
{
	while (*a || *b) {
		if (*a == '-') {
			a++;
			continue;
		}
		if (*b == '-') {
			b++;
			continue;
		}
		if (*a != *b)
			return 0;
		a++;
		b++;
	}
	return 1;
}

static int is_nir_of(const struct sim_identity *id, const char *nir15)
{
	return id->active.num[0] && strlen(nir15) == 15 && !strncmp(nir15, id->active.num, 13) &&
	       !strcmp(nir15 + 13, id->active.key);
}

size_t sim_match_vitale(const struct sim_table *t, const struct sim_vitale *q,
			const struct sim_identity **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct sim_identity *id = &t->rows[i];
		int hit;
		if (q->nir[0]) {
			hit = is_nir_of(id, q->nir);
		} else {
			/* A card holder is his own "ouvrant droit"; a child is on a parent's card. */
			int on_card = id->vitale_od[0] ? !strcmp(id->vitale_od, q->nir_od)
						       : is_nir_of(id, q->nir_od);
			hit = q->nir_od[0] && on_card && same_date(id->birth_date, q->birth_date) &&
			      id->vitale_rang == (q->rang ? q->rang : 1);
		}
		if (!hit)
			continue;
		if (n < max)
			out[n] = id;
		n++;
	}
	return n;
}
