/* COG reference tables: INSEE CSV reader and importer, look-ups by code (at a date) and by name. */
#include "store/cog.h"
#include "store/audit.h"
#include "store/embedded.h"
#include "core/date.h"
#include "core/text.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

/* The data/cog CSV files, embedded by scripts/embed.sh (see Makefile.am). */
extern const struct embedded_file store_cog_data[];

/* Movements are followed this many hops at most: real chains are one or two long, and a
 * cycle in a damaged file must not loop. */
#define COG_MAX_HOPS 8
/* INSEE's historical files start on this date: a row starting then was valid before too. */
#define COG_EPOCH "1943-01-01"
/* Refuse absurd inputs before reading them into memory (the real commune file is ~4 MB). */
#define COG_MAX_FILE (256L * 1024 * 1024)

/* ================================================================== CSV reader */

void cog_csv_init(struct cog_csv *c, char *buf, size_t len)
{
	memset(c, 0, sizeof *c);
	c->cur = buf;
	c->end = buf + len;
	c->line = 1;
	/* Spreadsheets save UTF-8 with a BOM; INSEE does not. Accept both. */
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		c->cur += 3;
}

static int csv_fail(struct cog_csv *c, const char *msg)
{
	snprintf(c->err, sizeof c->err, "%s", msg);
	return -1;
}

/* One quoted field starting at *pp (on the opening quote); unquoted in place at out. */
static int csv_quoted(struct cog_csv *c, char **pp, char *out)
{
	char *p = *pp + 1;

	for (;;) {
		if (p >= c->end)
			return csv_fail(c, "guillemet ouvert jamais fermé");
		if (*p == '"') {
			if (p + 1 < c->end && p[1] == '"') {
				*out++ = '"';
				p += 2;
				continue;
			}
			p++;
			break;
		}
		if (*p == '\n')
			c->line++;
		*out++ = *p++;
	}
	if (p < c->end && *p != ',' && *p != '\r' && *p != '\n')
		return csv_fail(c, "caractère inattendu après un guillemet fermant");
	*out = '\0';
	*pp = p;
	return 0;
}

static int csv_plain(struct cog_csv *c, char **pp)
{
	char *p = *pp;

	while (p < c->end && *p != ',' && *p != '\r' && *p != '\n') {
		if (*p == '"')
			return csv_fail(c, "guillemet au milieu d'un champ sans guillemets");
		p++;
	}
	*pp = p;
	return 0;
}

/* The buffer must have one writable byte past len (a NUL): the last field ends there. */
int cog_csv_next(struct cog_csv *c)
{
	char *p = c->cur;

	while (p < c->end && (*p == '\n' || *p == '\r'))
		c->line += *p++ == '\n';
	if (p >= c->end) {
		c->cur = p;
		return 0;
	}
	c->record_line = c->line;
	c->n = 0;
	for (;;) {
		char *start = p, sep;
		int quoted = *p == '"';

		if (c->n == COG_CSV_MAX_FIELDS)
			return csv_fail(c, "trop de colonnes");
		if (quoted ? csv_quoted(c, &p, start) : csv_plain(c, &p))
			return -1;
		sep = p < c->end ? *p : '\n';
		if (!quoted)
			*p = '\0';   /* ends the field on its separator, already saved in sep */
		c->f[c->n++] = start;
		if (p < c->end)
			p++;
		if (sep == ',')
			continue;
		if (sep == '\r' && p < c->end && *p == '\n')
			p++;
		c->line++;
		break;
	}
	c->cur = p;
	return 1;
}

/* ================================================================== validation helpers */

static int is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

/* A commune code as INSEE writes it, Corsica included: 20xxx before 1976, 2A/2B after. */
static int commune_code_ok(const char *s)
{
	if (strlen(s) != 5 || !is_digits(s + 2, 3))
		return 0;
	return is_digits(s, 2) || (s[0] == '2' && (s[1] == 'A' || s[1] == 'B'));
}

static int country_code_ok(const char *s)
{
	return strlen(s) == 5 && s[0] == '9' && s[1] == '9' && is_digits(s + 2, 3);
}

static int iso_date_ok(const char *s)
{
	struct ymd d;

	return !*s || date_parse_iso(s, &d) == DATE_OK;
}

static void today_iso(char *buf, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(buf, size, "%Y-%m-%d", &tm);
}

static void copy(char *dst, size_t size, const char *src)
{
	snprintf(dst, size, "%s", src ? src : "");
}

/* Expand "st"/"ste" word by word so that "St-Flour" finds "Saint-Flour". */
static void expand_saints(const char *in, char *out, size_t size)
{
	size_t len = 0;

	out[0] = '\0';
	while (*in) {
		size_t w = strcspn(in, " ");
		const char *word = in;
		int wl = (int)w, k;

		if (w == 2 && !strncmp(in, "st", 2))
			word = "saint", wl = 5;
		else if (w == 3 && !strncmp(in, "ste", 3))
			word = "sainte", wl = 6;
		k = snprintf(out + len, size - len, "%s%.*s", len ? " " : "", wl, word);
		if (k < 0 || (size_t)k >= size - len)
			break;   /* truncated: what fits is kept */
		len += (size_t)k;
		in += w;
		while (*in == ' ')
			in++;
	}
}

void cog_fold_name(const char *name, char *out, size_t size)
{
	static const char *const articles[] = { "le ", "la ", "les ", "l " };
	char folded[256];
	const char *p = folded;

	text_fold(name, folded, sizeof folded);
	/* INSEE sorts "La Bourboule" as "Bourboule": a leading article is not part of the
	 * name people search by. */
	for (size_t i = 0; i < sizeof articles / sizeof *articles; i++) {
		size_t n = strlen(articles[i]);
		if (!strncmp(folded, articles[i], n) && folded[n]) {
			p = folded + n;
			break;
		}
	}
	expand_saints(p, out, size);
}

/* ================================================================== import */

/* One input file: its name for messages and its text (writable, NUL at text[len]). */
struct cog_input {
	const char *name;
	char *text;
	size_t len;
};

struct importer {
	struct store *st;
	sqlite3_stmt *place, *mvt;
	struct cog_counts n;
};

/* A column looked up by name in the header row: INSEE adds columns over the years (CTCD in
 * 2021), so positions are never assumed. */
struct col {
	const char *name;
	int required;
	int idx;
};

/* A row handler: 0 ok, 1 bad row (why filled), negative store error. */
typedef int (*row_fn)(struct importer *im, const struct cog_csv *c, const struct col *cols,
		      char *why, size_t size);

static const char *field(const struct cog_csv *c, const struct col *col)
{
	return col->idx >= 0 && col->idx < c->n ? c->f[col->idx] : "";
}

static int input_fail(struct store *st, const char *file, long line, const char *why)
{
	if (line > 0)
		snprintf(st->err, sizeof st->err, "%s:%ld : %s ; rien n'a été importé", file, line,
			 why);
	else
		snprintf(st->err, sizeof st->err, "%s : %s ; rien n'a été importé", file, why);
	return STORE_ERR_INVALID;
}

static int map_columns(struct importer *im, struct cog_csv *c, const char *file,
		       struct col *cols, size_t ncols)
{
	int rc = cog_csv_next(c);

	if (rc < 0)
		return input_fail(im->st, file, c->record_line, c->err);
	if (rc == 0)
		return input_fail(im->st, file, 0, "fichier vide, en-tête attendu");
	for (size_t i = 0; i < ncols; i++) {
		cols[i].idx = -1;
		for (int j = 0; j < c->n; j++)
			if (!strcasecmp(c->f[j], cols[i].name))
				cols[i].idx = j;
		if (cols[i].required && cols[i].idx < 0) {
			char why[160];
			snprintf(why, sizeof why, "colonne « %s » absente de l'en-tête (ce n'est pas "
				 "le format INSEE attendu)", cols[i].name);
			return input_fail(im->st, file, 1, why);
		}
	}
	return 0;
}

/* NUL bytes and invalid UTF-8 are refused with the line where they are: an old INSEE file
 * in Windows-1252 would else import garbled names. */
static int check_encoding(struct store *st, const struct cog_input *in)
{
	long line = 1;
	size_t len;

	if (memchr(in->text, '\0', in->len))
		return input_fail(st, in->name, 0, "fichier binaire (octet nul), CSV attendu");
	for (const char *p = in->text; *p; p += len) {
		if (text_utf8_next(p, &len) < 0)
			return input_fail(st, in->name, line, "texte qui n'est pas en UTF-8 (les "
					  "fichiers INSEE le sont)");
		line += *p == '\n';
	}
	return 0;
}

static int import_file(struct importer *im, struct cog_input *in, struct col *cols,
		       size_t ncols, row_fn fn)
{
	struct cog_csv c;
	char why[200];
	int rc, nhead;

	if ((rc = check_encoding(im->st, in)))
		return rc;
	cog_csv_init(&c, in->text, in->len);
	if ((rc = map_columns(im, &c, in->name, cols, ncols)))
		return rc;
	nhead = c.n;
	while ((rc = cog_csv_next(&c)) == 1) {
		if (c.n != nhead) {
			snprintf(why, sizeof why, "%d colonne(s) au lieu des %d de l'en-tête", c.n,
				 nhead);
			return input_fail(im->st, in->name, c.record_line, why);
		}
		rc = fn(im, &c, cols, why, sizeof why);
		if (rc > 0)
			return input_fail(im->st, in->name, c.record_line, why);
		if (rc < 0)
			return rc;
	}
	return rc < 0 ? input_fail(im->st, in->name, c.record_line, c.err) : 0;
}

static int insert_place(struct importer *im, const char *code, const char *kind,
			const char *type, const char *name, const char *debut, const char *fin)
{
	sqlite3_stmt *s = im->place;
	char folded[256];
	int rc;

	cog_fold_name(name, folded, sizeof folded);
	sqlite3_reset(s);
	sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, type, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, folded, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, strcmp(debut, COG_EPOCH) ? debut : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, fin, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	return rc == SQLITE_DONE ? 0 : store_fail(im->st, rc, "Import du COG");
}

/* Checks shared by communes and countries: name and validity dates. */
static int check_period(const char *name, const char *debut, const char *fin, char *why,
			size_t size)
{
	if (!*name)
		snprintf(why, size, "nom vide");
	else if (!iso_date_ok(debut))
		snprintf(why, size, "date de début « %s » invalide (AAAA-MM-JJ attendu)", debut);
	else if (!iso_date_ok(fin))
		snprintf(why, size, "date de fin « %s » invalide (AAAA-MM-JJ attendu)", fin);
	else
		return 0;
	return 1;
}

/* v_commune_depuis_1943.csv: TYPECOM (absent from old vintages), COM, LIBELLE, dates. */
enum { CC_TYPECOM, CC_COM, CC_LIBELLE, CC_DEBUT, CC_FIN, CC_COUNT };
static const struct col commune_cols[CC_COUNT] = {
	{ "TYPECOM", 0, -1 }, { "COM", 1, -1 }, { "LIBELLE", 1, -1 },
	{ "DATE_DEBUT", 1, -1 }, { "DATE_FIN", 1, -1 },
};

static int commune_row(struct importer *im, const struct cog_csv *c, const struct col *cols,
		       char *why, size_t size)
{
	const char *type = field(c, &cols[CC_TYPECOM]), *code = field(c, &cols[CC_COM]);
	const char *debut = field(c, &cols[CC_DEBUT]), *fin = field(c, &cols[CC_FIN]);
	int rc;

	if (!*type)
		type = "COM";
	if (strcmp(type, "COM") && strcmp(type, "COMA") && strcmp(type, "COMD") &&
	    strcmp(type, "ARM")) {
		snprintf(why, size, "type de commune « %s » inconnu (COM, COMA, COMD, ARM)", type);
		return 1;
	}
	if (!commune_code_ok(code)) {
		snprintf(why, size, "code commune « %s » invalide", code);
		return 1;
	}
	if (check_period(field(c, &cols[CC_LIBELLE]), debut, fin, why, size))
		return 1;
	rc = insert_place(im, code, "commune", type, field(c, &cols[CC_LIBELLE]), debut, fin);
	im->n.communes += !rc;
	return rc;
}

/* v_pays_et_territoire_depuis_1943.csv: COG, LIBCOG and validity dates. */
enum { CP_COG, CP_LIBCOG, CP_DEBUT, CP_FIN, CP_COUNT };
static const struct col pays_cols[CP_COUNT] = {
	{ "COG", 1, -1 }, { "LIBCOG", 1, -1 }, { "DATE_DEBUT", 1, -1 }, { "DATE_FIN", 1, -1 },
};

static int pays_row(struct importer *im, const struct cog_csv *c, const struct col *cols,
		    char *why, size_t size)
{
	const char *code = field(c, &cols[CP_COG]), *name = field(c, &cols[CP_LIBCOG]);
	const char *debut = field(c, &cols[CP_DEBUT]), *fin = field(c, &cols[CP_FIN]);
	int rc;

	if (!country_code_ok(code)) {
		snprintf(why, size, "code pays « %s » invalide (99xxx attendu)", code);
		return 1;
	}
	if (check_period(name, debut, fin, why, size))
		return 1;
	rc = insert_place(im, code, "pays", "", name, debut, fin);
	im->n.countries += !rc;
	return rc;
}

/* v_pays_territoire_AAAA.csv (current list, no dates). ACTUAL 1 = country, 4 = territory
 * with its own code; 2 (no longer exists) and 3 (territory coded as its country) carry no
 * period of validity, so they are left out rather than shown as valid. */
enum { CY_COG, CY_ACTUAL, CY_LIBCOG, CY_COUNT };
static const struct col pays_year_cols[CY_COUNT] = {
	{ "COG", 1, -1 }, { "ACTUAL", 1, -1 }, { "LIBCOG", 1, -1 },
};

static int pays_year_row(struct importer *im, const struct cog_csv *c, const struct col *cols,
			 char *why, size_t size)
{
	const char *code = field(c, &cols[CY_COG]), *actual = field(c, &cols[CY_ACTUAL]);
	int rc;

	if (strcmp(actual, "1") && strcmp(actual, "4"))
		return 0;
	if (!country_code_ok(code)) {
		snprintf(why, size, "code pays « %s » invalide (99xxx attendu)", code);
		return 1;
	}
	if (check_period(field(c, &cols[CY_LIBCOG]), "", "", why, size))
		return 1;
	rc = insert_place(im, code, "pays", "", field(c, &cols[CY_LIBCOG]), "", "");
	im->n.countries += !rc;
	return rc;
}

/* v_mvt_commune_AAAA.csv: MOD, DATE_EFF, before and after blocks. */
enum { CM_MOD, CM_DATE, CM_COM_AV, CM_LIB_AV, CM_TYPE_AP, CM_COM_AP, CM_LIB_AP, CM_COUNT };
static const struct col mvt_cols[CM_COUNT] = {
	{ "MOD", 1, -1 }, { "DATE_EFF", 1, -1 }, { "COM_AV", 1, -1 }, { "LIBELLE_AV", 1, -1 },
	{ "TYPECOM_AP", 0, -1 }, { "COM_AP", 1, -1 }, { "LIBELLE_AP", 1, -1 },
};

static int mvt_row(struct importer *im, const struct cog_csv *c, const struct col *cols,
		   char *why, size_t size)
{
	const char *mod = field(c, &cols[CM_MOD]), *date = field(c, &cols[CM_DATE]);
	const char *av = field(c, &cols[CM_COM_AV]), *ap = field(c, &cols[CM_COM_AP]);
	const char *type_ap = field(c, &cols[CM_TYPE_AP]);
	sqlite3_stmt *s = im->mvt;
	int rc;

	if (!*mod || strlen(mod) > 3 || !is_digits(mod, strlen(mod)))
		snprintf(why, size, "code de mouvement MOD « %s » invalide", mod);
	else if (!*date || !iso_date_ok(date))
		snprintf(why, size, "date d'effet « %s » invalide (AAAA-MM-JJ attendu)", date);
	else if ((*av && !commune_code_ok(av)) || (*ap && !commune_code_ok(ap)))
		snprintf(why, size, "code commune « %s » invalide", commune_code_ok(av) ? ap : av);
	else
		why[0] = '\0';
	if (why[0])
		return 1;
	/* A side left empty (a creation from nothing) says nothing about a successor. */
	if (!*av || !*ap)
		return 0;
	/* The déléguée/associée rows a merger creates are already in the commune file; only
	 * the moves of a commune to its successor are needed to follow it. */
	if (!strcmp(type_ap, "COMD") || !strcmp(type_ap, "COMA"))
		return 0;
	sqlite3_reset(s);
	sqlite3_bind_int(s, 1, atoi(mod));
	sqlite3_bind_text(s, 2, date, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, av, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, field(c, &cols[CM_LIB_AV]), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, ap, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, field(c, &cols[CM_LIB_AP]), -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		return store_fail(im->st, rc, "Import du COG");
	im->n.movements++;
	return 0;
}

/* The set to import: communes, countries (historical or yearly list), movements. */
struct cog_bundle {
	struct cog_input communes, pays, mvt;
	int pays_yearly;              /* pays is v_pays_territoire_AAAA.csv */
	char source[64];
};

static int record_source(struct importer *im, const char *source)
{
	static const char sql[] =
		"INSERT OR REPLACE INTO cog_source (id, source, imported_at, communes, countries,"
		" movements) VALUES (1, ?1, ?2, ?3, ?4, ?5)";
	sqlite3_stmt *s;
	char now[24], *detail;
	json_t *j;
	int rc = sqlite3_prepare_v2(im->st->db, sql, -1, &s, NULL);

	if (rc != SQLITE_OK)
		return store_fail(im->st, rc, "Import du COG");
	store_now_utc(now, sizeof now);
	sqlite3_bind_text(s, 1, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, im->n.communes);
	sqlite3_bind_int64(s, 4, im->n.countries);
	sqlite3_bind_int64(s, 5, im->n.movements);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(im->st, rc, "Import du COG");
	j = json_pack("{s:s,s:I,s:I,s:I}", "source", source, "communes",
		      (json_int_t)im->n.communes, "pays", (json_int_t)im->n.countries,
		      "mouvements", (json_int_t)im->n.movements);
	detail = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(j);
	rc = audit_write(im->st, "cog.import", "cog", 0, NULL, NULL, detail);
	free(detail);
	return rc;
}

static int import_files(struct importer *im, struct cog_bundle *b)
{
	struct col cc[CC_COUNT], cp[CP_COUNT], cy[CY_COUNT], cm[CM_COUNT];
	int rc;

	memcpy(cc, commune_cols, sizeof cc);
	memcpy(cp, pays_cols, sizeof cp);
	memcpy(cy, pays_year_cols, sizeof cy);
	memcpy(cm, mvt_cols, sizeof cm);
	if ((rc = import_file(im, &b->communes, cc, CC_COUNT, commune_row)))
		return rc;
	if (!im->n.communes)
		return input_fail(im->st, b->communes.name, 0, "aucune commune");
	rc = b->pays_yearly ? import_file(im, &b->pays, cy, CY_COUNT, pays_year_row)
			    : import_file(im, &b->pays, cp, CP_COUNT, pays_row);
	if (rc)
		return rc;
	if (!im->n.countries)
		return input_fail(im->st, b->pays.name, 0, "aucun pays");
	return import_file(im, &b->mvt, cm, CM_COUNT, mvt_row);
}

/* Replace the whole set in one transaction: a failure leaves the previous one in place. */
static int import_bundle(struct store *st, struct cog_bundle *b, struct cog_counts *out)
{
	struct importer im = { .st = st };
	int rc = store_begin(st);

	if (rc)
		return rc;
	rc = sqlite3_prepare_v2(st->db, "INSERT INTO cog_places (code, kind, type, name,"
				" name_folded, date_debut, date_fin) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
				-1, &im.place, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(st->db, "INSERT INTO cog_movements (mod, date_eff, com_av,"
					" name_av, com_ap, name_ap) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
					-1, &im.mvt, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(st->db, "DELETE FROM cog_places; DELETE FROM cog_movements",
				  NULL, NULL, NULL);
	rc = rc == SQLITE_OK ? 0 : store_fail(st, rc, "Import du COG");
	if (!rc)
		rc = import_files(&im, b);
	if (!rc)
		rc = record_source(&im, b->source);
	sqlite3_finalize(im.place);
	sqlite3_finalize(im.mvt);
	if (rc) {
		store_rollback(st);
		return rc;
	}
	if ((rc = store_commit(st)))
		return rc;
	copy(im.n.source, sizeof im.n.source, b->source);
	if (out)
		*out = im.n;
	return 0;
}

/* name is prefix + ("" or "_" + digits) + ".csv"; returns the digits ("" none) or NULL. */
static const char *vintage_suffix(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *p = name + n, *digits;

	if (strncmp(name, prefix, n))
		return NULL;
	if (!strcmp(p, ".csv"))
		return p + strlen(p);
	if (*p++ != '_')
		return NULL;
	digits = p;
	while (*p >= '0' && *p <= '9')
		p++;
	return p > digits && !strcmp(p, ".csv") ? digits : NULL;
}

/* Keep the newest of several vintages (v_mvt_commune_2024.csv, ..._2025.csv). */
static void keep_newest(char *slot, size_t size, const char *name)
{
	if (!*slot || strcmp(name, slot) > 0)
		copy(slot, size, name);
}

struct bundle_names {
	char communes[256], pays_histo[256], pays_year[256], mvt[256];
};

static int scan_dir(struct store *st, const char *dir, struct bundle_names *nm)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	memset(nm, 0, sizeof *nm);
	if (!d) {
		snprintf(st->err, sizeof st->err, "Dossier %s illisible : %s", dir, strerror(errno));
		return STORE_ERR_MISSING;
	}
	while ((e = readdir(d)) != NULL) {
		const char *n = e->d_name;
		if (!strcmp(n, "v_commune_depuis_1943.csv"))
			copy(nm->communes, sizeof nm->communes, n);
		else if (!strcmp(n, "v_pays_et_territoire_depuis_1943.csv"))
			copy(nm->pays_histo, sizeof nm->pays_histo, n);
		else if (vintage_suffix(n, "v_pays_territoire"))
			keep_newest(nm->pays_year, sizeof nm->pays_year, n);
		else if (vintage_suffix(n, "v_mvt_commune"))
			keep_newest(nm->mvt, sizeof nm->mvt, n);
	}
	closedir(d);
	if (!nm->communes[0] || (!nm->pays_histo[0] && !nm->pays_year[0]) || !nm->mvt[0]) {
		snprintf(st->err, sizeof st->err, "Dossier %s : fichier %s introuvable (fichiers "
			 "du COG de l'INSEE attendus, décompressés)", dir,
			 !nm->communes[0] ? "v_commune_depuis_1943.csv"
			 : !nm->mvt[0] ? "v_mvt_commune_AAAA.csv"
				       : "v_pays_et_territoire_depuis_1943.csv");
		return STORE_ERR_MISSING;
	}
	return 0;
}

static int read_input(struct store *st, const char *dir, const char *name, struct cog_input *in)
{
	char path[4096];
	struct stat sb = { 0 };
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	in->name = name;
	f = fopen(path, "rb");
	if (!f) {
		snprintf(st->err, sizeof st->err, "Lecture de %s impossible : %s", path,
			 strerror(errno));
		return STORE_ERR_MISSING;
	}
	if (fstat(fileno(f), &sb) || !S_ISREG(sb.st_mode) || sb.st_size > COG_MAX_FILE) {
		snprintf(st->err, sizeof st->err, "Lecture de %s impossible : %s", path,
			 S_ISREG(sb.st_mode) ? "fichier trop gros" : "pas un fichier ordinaire");
		fclose(f);
		return STORE_ERR_INVALID;
	}
	in->len = (size_t)sb.st_size;
	in->text = malloc(in->len + 1);
	if (!in->text || fread(in->text, 1, in->len, f) != in->len) {
		snprintf(st->err, sizeof st->err, "Lecture de %s impossible", path);
		fclose(f);
		return STORE_ERR;
	}
	in->text[in->len] = '\0';
	fclose(f);
	return 0;
}

static void bundle_free(struct cog_bundle *b)
{
	free(b->communes.text);
	free(b->pays.text);
	free(b->mvt.text);
}

int cog_import_dir(struct store *st, const char *dir, struct cog_counts *out)
{
	struct bundle_names nm;
	struct cog_bundle b = { 0 };
	const char *year;
	int rc;

	if ((rc = scan_dir(st, dir, &nm)))
		return rc;
	/* The historical country list has the periods; the yearly one is a fallback. */
	b.pays_yearly = !nm.pays_histo[0];
	year = vintage_suffix(nm.mvt, "v_mvt_commune");
	if (!*year && b.pays_yearly)
		year = vintage_suffix(nm.pays_year, "v_pays_territoire");
	snprintf(b.source, sizeof b.source, "INSEE%s%.4s", *year ? " " : "", year);
	rc = read_input(st, dir, nm.communes, &b.communes);
	if (!rc)
		rc = read_input(st, dir, b.pays_yearly ? nm.pays_year : nm.pays_histo, &b.pays);
	if (!rc)
		rc = read_input(st, dir, nm.mvt, &b.mvt);
	if (!rc)
		rc = import_bundle(st, &b, out);
	bundle_free(&b);
	return rc;
}

static int embedded_input(struct store *st, const char *name, struct cog_input *in)
{
	for (const struct embedded_file *e = store_cog_data; e->name; e++) {
		if (strcmp(e->name, name))
			continue;
		in->name = e->name;
		in->len = strlen(e->text);
		in->text = strdup(e->text);
		if (in->text)
			return 0;
		snprintf(st->err, sizeof st->err, "Mémoire insuffisante");
		return STORE_ERR;
	}
	snprintf(st->err, sizeof st->err, "COG de démonstration : %s absent du programme", name);
	return STORE_ERR_MISSING;
}

int cog_import_demo(struct store *st, struct cog_counts *out)
{
	struct cog_bundle b = { .source = "demo" };
	int rc = embedded_input(st, "v_commune_depuis_1943.csv", &b.communes);

	if (!rc)
		rc = embedded_input(st, "v_pays_et_territoire_depuis_1943.csv", &b.pays);
	if (!rc)
		rc = embedded_input(st, "v_mvt_commune.csv", &b.mvt);
	if (!rc)
		rc = import_bundle(st, &b, out);
	bundle_free(&b);
	return rc;
}

int cog_source_get(struct store *st, struct cog_counts *out, char *imported_at, size_t size)
{
	sqlite3_stmt *s;
	int rc = sqlite3_prepare_v2(st->db, "SELECT source, imported_at, communes, countries,"
				    " movements FROM cog_source WHERE id = 1", -1, &s, NULL);

	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Lecture du COG");
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		if (out) {
			copy(out->source, sizeof out->source, (const char *)sqlite3_column_text(s, 0));
			out->communes = sqlite3_column_int64(s, 2);
			out->countries = sqlite3_column_int64(s, 3);
			out->movements = sqlite3_column_int64(s, 4);
		}
		if (imported_at)
			copy(imported_at, size, (const char *)sqlite3_column_text(s, 1));
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE) {
		snprintf(st->err, sizeof st->err, "Aucune table COG chargée (vigie cog import DOSSIER)");
		return STORE_ERR_NOTFOUND;
	}
	return rc == SQLITE_ROW ? 0 : store_fail(st, rc, "Lecture du COG");
}

/* ================================================================== look-ups */

const char *cog_type_label(const struct cog_place *p)
{
	if (!strcmp(p->kind, "pays"))
		return "pays ou territoire";
	if (!strcmp(p->type, "ARM"))
		return "arrondissement municipal";
	if (!strcmp(p->type, "COMD"))
		return "commune déléguée";
	if (!strcmp(p->type, "COMA"))
		return "commune associée";
	if (!strcmp(p->kind, "commune"))
		return "commune";
	return "lieu inconnu";
}

const char *cog_validity_label(enum cog_validity v)
{
	switch (v) {
	case COG_VALID:
		return "valide";
	case COG_ENDED:
		return "ancien";
	case COG_NOT_YET:
		return "pas encore en vigueur";
	case COG_UNKNOWN_PLACE:
		return "lieu de naissance inconnu";
	}
	return "";
}

static enum cog_validity validity_at(const char *debut, const char *fin, const char *date)
{
	if (*debut && strcmp(date, debut) < 0)
		return COG_NOT_YET;
	if (*fin && strcmp(date, fin) >= 0)
		return COG_ENDED;
	return COG_VALID;
}

/* Among rows valid at the same time, the commune itself before its déléguée of the same
 * code (74010 is both Annecy and the commune déléguée Annecy since 2017). */
static int type_rank(const char *type)
{
	return !strcmp(type, "COMD") ? 2 : !strcmp(type, "COMA") ? 3 : 0;
}

static void row_to_place(sqlite3_stmt *s, const char *date, struct cog_place *p)
{
	memset(p, 0, sizeof *p);
	copy(p->code, sizeof p->code, (const char *)sqlite3_column_text(s, 0));
	copy(p->kind, sizeof p->kind, (const char *)sqlite3_column_text(s, 1));
	copy(p->type, sizeof p->type, (const char *)sqlite3_column_text(s, 2));
	copy(p->name, sizeof p->name, (const char *)sqlite3_column_text(s, 3));
	copy(p->date_debut, sizeof p->date_debut, (const char *)sqlite3_column_text(s, 4));
	copy(p->date_fin, sizeof p->date_fin, (const char *)sqlite3_column_text(s, 5));
	p->validity = validity_at(p->date_debut, p->date_fin, date);
}

/* Is candidate a better answer than best for that date? Valid first (commune before
 * déléguée), then the period that ended last, then the one that starts first. */
static int better(const struct cog_place *c, const struct cog_place *best)
{
	if (c->validity != best->validity) {
		static const int order[] = { [COG_VALID] = 0, [COG_ENDED] = 1, [COG_NOT_YET] = 2 };
		return order[c->validity] < order[best->validity];
	}
	if (c->validity == COG_VALID)
		return type_rank(c->type) < type_rank(best->type);
	if (c->validity == COG_ENDED)
		return strcmp(c->date_fin, best->date_fin) > 0;
	return strcmp(c->date_debut, best->date_debut) < 0;
}

/* The best row for code at date: 0, STORE_ERR_NOTFOUND, or a store error. */
static int best_row(struct store *st, const char *code, const char *date, struct cog_place *out)
{
	sqlite3_stmt *s;
	int rc, found = 0;

	rc = sqlite3_prepare_v2(st->db, "SELECT code, kind, type, name, date_debut, date_fin"
				" FROM cog_places WHERE code = ?1 ORDER BY date_debut", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Lecture du COG");
	sqlite3_bind_text(s, 1, code, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		struct cog_place c;
		row_to_place(s, date, &c);
		if (!found || better(&c, out))
			*out = c;
		found = 1;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return store_fail(st, rc, "Lecture du COG");
	return found ? 0 : STORE_ERR_NOTFOUND;
}

static int valid_at(struct store *st, const char *code, const char *date, int *valid)
{
	struct cog_place p;
	int rc = best_row(st, code, date, &p);

	*valid = !rc && p.validity == COG_VALID;
	return rc == STORE_ERR_NOTFOUND ? 0 : rc;
}

/* Follow the moves of p's code to other codes (merger, new département) from its period
 * on; on the way, note the first code that is valid at date. */
static int follow_successor(struct store *st, struct cog_place *p, const char *date)
{
	char code[6], since[11];
	sqlite3_stmt *s;
	int rc, valid = 0;

	rc = sqlite3_prepare_v2(st->db, "SELECT com_ap, name_ap, date_eff FROM cog_movements"
				" WHERE com_av = ?1 AND com_ap <> ?1 AND date_eff >= ?2"
				" ORDER BY date_eff, rowid LIMIT 1", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Lecture du COG");
	copy(code, sizeof code, p->code);
	copy(since, sizeof since, p->date_debut);
	for (int hop = 0; hop < COG_MAX_HOPS && !rc; hop++) {
		sqlite3_reset(s);
		sqlite3_bind_text(s, 1, code, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, since, -1, SQLITE_TRANSIENT);
		if (sqlite3_step(s) != SQLITE_ROW)
			break;
		copy(code, sizeof code, (const char *)sqlite3_column_text(s, 0));
		copy(since, sizeof since, (const char *)sqlite3_column_text(s, 2));
		copy(p->successor, sizeof p->successor, code);
		copy(p->successor_name, sizeof p->successor_name,
		     (const char *)sqlite3_column_text(s, 1));
		if (!hop)
			copy(p->successor_date, sizeof p->successor_date, since);
		if (p->validity == COG_ENDED && !p->code_at_date[0] &&
		    !(rc = valid_at(st, code, date, &valid)) && valid)
			copy(p->code_at_date, sizeof p->code_at_date, code);
	}
	sqlite3_finalize(s);
	return rc;
}

/* The successor's name as it is today (it may have been renamed since the move). */
static int successor_current_name(struct store *st, struct cog_place *p)
{
	struct cog_place now;
	char today[11];
	int rc;

	if (!p->successor[0])
		return 0;
	today_iso(today, sizeof today);
	rc = best_row(st, p->successor, today, &now);
	if (!rc)
		copy(p->successor_name, sizeof p->successor_name, now.name);
	return rc == STORE_ERR_NOTFOUND ? 0 : rc;
}

/* A code that only came later (2A004 in 1976): the one code it replaced, if that one was
 * valid at date. Several predecessors (a merger) give no answer: which one is unknown. */
static int predecessor_at(struct store *st, struct cog_place *p, const char *date)
{
	char code[6], cand[6] = "";
	sqlite3_stmt *s;
	int rc, n, valid = 0;

	rc = sqlite3_prepare_v2(st->db, "SELECT DISTINCT com_av FROM cog_movements"
				" WHERE com_ap = ?1 AND com_av <> ?1 AND date_eff > ?2 LIMIT 2",
				-1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Lecture du COG");
	copy(code, sizeof code, p->code);
	for (int hop = 0; hop < COG_MAX_HOPS && !rc && !valid; hop++) {
		sqlite3_reset(s);
		sqlite3_bind_text(s, 1, code, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(s, 2, date, -1, SQLITE_STATIC);
		for (n = 0; sqlite3_step(s) == SQLITE_ROW; n++)
			if (!n)
				copy(cand, sizeof cand, (const char *)sqlite3_column_text(s, 0));
		if (n != 1)
			break;
		copy(code, sizeof code, cand);
		if (!(rc = valid_at(st, code, date, &valid)) && valid)
			copy(p->code_at_date, sizeof p->code_at_date, code);
	}
	sqlite3_finalize(s);
	return rc;
}

static int parse_date_arg(struct store *st, const char *date_iso, char *date, size_t size)
{
	if (!date_iso || !*date_iso) {
		today_iso(date, size);
		return 0;
	}
	if (strlen(date_iso) != 10 || !iso_date_ok(date_iso)) {
		snprintf(st->err, sizeof st->err, "Date « %s » invalide (AAAA-MM-JJ attendu)",
			 date_iso);
		return STORE_ERR_INVALID;
	}
	copy(date, size, date_iso);
	return 0;
}

static void unknown_place(struct cog_place *out)
{
	memset(out, 0, sizeof *out);
	copy(out->code, sizeof out->code, "99999");
	copy(out->name, sizeof out->name, "Lieu de naissance inconnu");
	out->validity = COG_UNKNOWN_PLACE;
}

int cog_lookup(struct store *st, const char *code_in, const char *date_iso,
	       struct cog_place *out)
{
	char date[11], code[8] = "";
	int rc;

	memset(out, 0, sizeof *out);
	/* "2a004" typed in a hurry is 2A004; nothing else is rewritten. */
	copy(code, sizeof code, code_in);
	if (code[0] == '2' && (code[1] == 'a' || code[1] == 'b'))
		code[1] = (char)(code[1] - 'a' + 'A');
	if (!code_in || !(commune_code_ok(code) || country_code_ok(code))) {
		snprintf(st->err, sizeof st->err, "Code COG « %s » invalide : 5 caractères, chiffres "
			 "(2A ou 2B pour la Corse, 99xxx pour un pays)", code);
		return STORE_ERR_INVALID;
	}
	if ((rc = parse_date_arg(st, date_iso, date, sizeof date)))
		return rc;
	/* 99999 is the INS convention for an unknown birth place, in no INSEE file. */
	if (!strcmp(code, "99999")) {
		unknown_place(out);
		return 0;
	}
	rc = best_row(st, code, date, out);
	if (rc == STORE_ERR_NOTFOUND) {
		if (cog_source_get(st, NULL, NULL, 0) == STORE_ERR_NOTFOUND)
			return STORE_ERR_NOTFOUND;   /* "no COG loaded" already in st->err */
		snprintf(st->err, sizeof st->err, "Code COG %s absent de la table chargée", code);
		return rc;
	}
	if (!rc)
		rc = follow_successor(st, out, date);
	if (!rc && out->validity == COG_NOT_YET)
		rc = predecessor_at(st, out, date);
	if (!rc)
		rc = successor_current_name(st, out);
	return rc;
}

int cog_find(struct store *st, const char *text, const char *date_iso, struct cog_place *out,
	     size_t max, size_t *n)
{
	char q[256], hi[260], date[11], unknown[64];
	sqlite3_stmt *s;
	int rc;

	*n = 0;
	cog_fold_name(text ? text : "", q, sizeof q);
	if (!q[0]) {
		snprintf(st->err, sizeof st->err, "Indiquez le début d'un nom de commune ou de pays");
		return STORE_ERR_INVALID;
	}
	if ((rc = parse_date_arg(st, date_iso, date, sizeof date)))
		return rc;
	/* Folded names are ASCII below 0x7f: [q, q"\x7f") is "starts with q", on the index. */
	snprintf(hi, sizeof hi, "%s\x7f", q);
	rc = sqlite3_prepare_v2(st->db, "SELECT code, kind, type, name, date_debut, date_fin"
		" FROM cog_places WHERE name_folded >= ?1 AND name_folded < ?2"
		" ORDER BY ((date_debut = '' OR date_debut <= ?3) AND (date_fin = '' OR date_fin > ?3))"
		" DESC, name_folded, code, date_debut LIMIT ?4", -1, &s, NULL);
	if (rc != SQLITE_OK)
		return store_fail(st, rc, "Recherche dans le COG");
	sqlite3_bind_text(s, 1, q, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, hi, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, date, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, (sqlite3_int64)max);
	while (*n < max && (rc = sqlite3_step(s)) == SQLITE_ROW)
		row_to_place(s, date, &out[(*n)++]);
	sqlite3_finalize(s);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(st, rc, "Recherche dans le COG");
	cog_fold_name("Lieu de naissance inconnu", unknown, sizeof unknown);
	if (*n < max && (!strncmp(unknown, q, strlen(q)) || !strncmp("inconnu", q, strlen(q))))
		unknown_place(&out[(*n)++]);
	return 0;
}
