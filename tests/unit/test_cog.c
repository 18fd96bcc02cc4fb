/* Unit tests of the COG tables (src/store/cog.c) and the INS indicators (src/store/stats.c). */
#include <check.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "core/identity.h"
#include "store/audit.h"
#include "store/cog.h"
#include "store/db.h"
#include "store/patients.h"
#include "store/stats.h"

/* ---------------------------------------------------------------- helpers */

static char test_dir[64];
static char db_path[128];
static struct store *st;

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void db_setup(void)
{
	char err[256];

	snprintf(test_dir, sizeof test_dir, "/tmp/vigie-test-cog-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(test_dir));
	snprintf(db_path, sizeof db_path, "%s/cabinet.db", test_dir);
	ck_assert_int_eq(store_open(db_path, STORE_OPEN_CREATE, &st, err, sizeof err), 0);
	store_set_user(st, "jmartin");
}

static void db_teardown(void)
{
	store_close(st);
	st = NULL;
	nftw(test_dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

/* A bundle directory under the test dir with the three files given. */
static const char *make_bundle(const char *sub, const char *communes, const char *pays_name,
			       const char *pays, const char *mvt_name, const char *mvt)
{
	static char dir[128];

	snprintf(dir, sizeof dir, "%s/%s", test_dir, sub);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	if (communes)
		write_file(dir, "v_commune_depuis_1943.csv", communes);
	if (pays)
		write_file(dir, pays_name, pays);
	if (mvt)
		write_file(dir, mvt_name, mvt);
	return dir;
}

static const char communes_hdr[] =
	"\"TYPECOM\",\"COM\",\"TNCC\",\"NCC\",\"NCCENR\",\"LIBELLE\",\"DATE_DEBUT\",\"DATE_FIN\"\n";
static const char mvt_hdr[] =
	"\"MOD\",\"DATE_EFF\",\"TYPECOM_AV\",\"COM_AV\",\"TNCC_AV\",\"NCC_AV\",\"NCCENR_AV\","
	"\"LIBELLE_AV\",\"TYPECOM_AP\",\"COM_AP\",\"TNCC_AP\",\"NCC_AP\",\"NCCENR_AP\",\"LIBELLE_AP\"\n";
static const char good_pays[] =
	"\"COG\",\"CRPAY\",\"LIBCOG\",\"LIBENR\",\"DATE_DEBUT\",\"DATE_FIN\"\n"
	"\"99350\",\"\",\"Maroc\",\"Royaume du Maroc\",\"1943-01-01\",\"\"\n";

/* ---------------------------------------------------------------- CSV reader */

/* Parse text (copied: the reader writes into its buffer) and join the records as
 * "a|b;c|d;" for easy comparison; returns the reader's last result. */
static int parse_all(const char *text, char *out, size_t size, struct cog_csv *c)
{
	size_t len = strlen(text);
	char *buf = malloc(len + 1);
	int rc;

	memcpy(buf, text, len + 1);
	out[0] = '\0';
	cog_csv_init(c, buf, len);
	while ((rc = cog_csv_next(c)) == 1) {
		for (int i = 0; i < c->n; i++) {
			strncat(out, c->f[i], size - strlen(out) - 1);
			strncat(out, i + 1 < c->n ? "|" : ";", size - strlen(out) - 1);
		}
	}
	free(buf);
	return rc;
}

START_TEST(csv_quotes_and_line_ends)
{
	struct cog_csv c;
	char out[512];

	ck_assert_int_eq(parse_all("\"a\",\"b\"\r\n\"c\",\"d\"\r\n", out, sizeof out, &c), 0);
	ck_assert_str_eq(out, "a|b;c|d;");
	/* Doubled quotes, commas and a newline inside quotes, an empty quoted field. */
	ck_assert_int_eq(parse_all("\"Say \"\"hi\"\"\",\"x,y\",\"\"\n\"l1\nl2\",z\n", out,
				   sizeof out, &c), 0);
	ck_assert_str_eq(out, "Say \"hi\"|x,y|;l1\nl2|z;");
	/* Unquoted fields, empty fields, trailing comma, no final newline. */
	ck_assert_int_eq(parse_all("a,,b,\n1,2", out, sizeof out, &c), 0);
	ck_assert_str_eq(out, "a||b|;1|2;");
}
END_TEST

START_TEST(csv_bom_blank_lines_and_line_numbers)
{
	struct cog_csv c;
	char out[256];

	ck_assert_int_eq(parse_all("\xEF\xBB\xBF\"COM\",\"X\"\n\n\r\n\"1\",\"2\"\n", out, sizeof out,
				   &c), 0);
	ck_assert_str_eq(out, "COM|X;1|2;");
	/* The quoted newline of record 2 moves record 3 to line 4. */
	ck_assert_int_eq(parse_all("h\n\"a\nb\"\n\"bad\"x\n", out, sizeof out, &c), -1);
	ck_assert_int_eq(c.record_line, 4);
	ck_assert_ptr_nonnull(strstr(c.err, "après un guillemet fermant"));
}
END_TEST

START_TEST(csv_errors)
{
	struct cog_csv c;
	char out[4096], many[200] = "";

	ck_assert_int_eq(parse_all("ok\n\"never closed\n", out, sizeof out, &c), -1);
	ck_assert_int_eq(c.record_line, 2);
	ck_assert_ptr_nonnull(strstr(c.err, "jamais fermé"));
	ck_assert_int_eq(parse_all("ab\"c\n", out, sizeof out, &c), -1);
	ck_assert_ptr_nonnull(strstr(c.err, "au milieu"));
	for (int i = 0; i < COG_CSV_MAX_FIELDS + 1; i++)
		strcat(many, "x,");
	ck_assert_int_eq(parse_all(many, out, sizeof out, &c), -1);
	ck_assert_ptr_nonnull(strstr(c.err, "trop de colonnes"));
	ck_assert_int_eq(parse_all("", out, sizeof out, &c), 0);
}
END_TEST

START_TEST(fold_names)
{
	char out[128];

	cog_fold_name("La Bourboule", out, sizeof out);
	ck_assert_str_eq(out, "bourboule");
	cog_fold_name("St-Flour", out, sizeof out);
	ck_assert_str_eq(out, "saint flour");
	cog_fold_name("STE  Agathe", out, sizeof out);
	ck_assert_str_eq(out, "sainte agathe");
	cog_fold_name("L'Abergement-Clémenciat", out, sizeof out);
	ck_assert_str_eq(out, "abergement clemenciat");
	cog_fold_name("Stella", out, sizeof out);   /* a word that starts with "st" stays */
	ck_assert_str_eq(out, "stella");
	cog_fold_name("Le", out, sizeof out);       /* an article alone is the text itself */
	ck_assert_str_eq(out, "le");
}
END_TEST

/* ---------------------------------------------------------------- demo subset and look-ups */

START_TEST(demo_import_and_source)
{
	struct cog_counts n, src;
	char at[32];

	ck_assert_int_eq(cog_source_get(st, &src, at, sizeof at), STORE_ERR_NOTFOUND);
	ck_assert_int_eq(cog_import_demo(st, &n), 0);
	ck_assert_int_ge(n.communes, 60);
	ck_assert_int_ge(n.countries, 30);
	ck_assert_int_ge(n.movements, 10);
	ck_assert_str_eq(n.source, "demo");
	ck_assert_int_eq(cog_source_get(st, &src, at, sizeof at), 0);
	ck_assert_str_eq(src.source, "demo");
	ck_assert_int_eq(src.communes, n.communes);
	ck_assert_int_eq(strlen(at), 20);
	/* Importing again replaces, never duplicates. */
	ck_assert_int_eq(cog_import_demo(st, &src), 0);
	ck_assert_int_eq(src.communes, n.communes);
}
END_TEST

START_TEST(lookup_without_table)
{
	struct cog_place p;

	ck_assert_int_eq(cog_lookup(st, "63113", NULL, &p), STORE_ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(st->err, "Aucune table COG"));
	/* 99999 needs no table. */
	ck_assert_int_eq(cog_lookup(st, "99999", "1999-01-01", &p), 0);
	ck_assert_int_eq(p.validity, COG_UNKNOWN_PLACE);
	ck_assert_str_eq(p.name, "Lieu de naissance inconnu");
}
END_TEST

START_TEST(lookup_corsica_1976)
{
	struct cog_place p;

	ck_assert_int_eq(cog_import_demo(st, NULL), 0);
	/* Born in Ajaccio in 1960: the code then was 20004. */
	ck_assert_int_eq(cog_lookup(st, "20004", "1960-01-01", &p), 0);
	ck_assert_int_eq(p.validity, COG_VALID);
	ck_assert_str_eq(p.name, "Ajaccio");
	ck_assert_str_eq(p.successor, "2A004");
	ck_assert_str_eq(p.successor_date, "1976-01-01");
	ck_assert_int_eq(cog_lookup(st, "2A004", "1960-01-01", &p), 0);
	ck_assert_int_eq(p.validity, COG_NOT_YET);
	ck_assert_str_eq(p.name, "Ajaccio");
	ck_assert_str_eq(p.code_at_date, "20004");
	/* After the split the old code has ended, and points to the new one. */
	ck_assert_int_eq(cog_lookup(st, "20033", "1990-05-01", &p), 0);
	ck_assert_int_eq(p.validity, COG_ENDED);
	ck_assert_str_eq(p.date_fin, "1976-01-01");
	ck_assert_str_eq(p.code_at_date, "2B033");
	ck_assert_int_eq(cog_lookup(st, "2b033", "1990-05-01", &p), 0);
	ck_assert_int_eq(p.validity, COG_VALID);
	ck_assert_str_eq(p.name, "Bastia");
	/* The day of the change belongs to the new code. */
	ck_assert_int_eq(cog_lookup(st, "20004", "1976-01-01", &p), 0);
	ck_assert_int_eq(p.validity, COG_ENDED);
	ck_assert_int_eq(cog_lookup(st, "20004", "1975-12-31", &p), 0);
	ck_assert_int_eq(p.validity, COG_VALID);
	/* 2A020 does not exist (20020 Aregno became 2B020). */
	ck_assert_int_eq(cog_lookup(st, "2A020", "1997-02-26", &p), STORE_ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(st->err, "2A020"));
	ck_assert_int_eq(cog_lookup(st, "2B020", "1960-01-01", &p), 0);
	ck_assert_str_eq(p.code_at_date, "20020");
}
END_TEST

START_TEST(lookup_merged_and_renamed)
{
	struct cog_place p;

	ck_assert_int_eq(cog_import_demo(st, NULL), 0);
	ck_assert_int_eq(cog_lookup(st, "63068", "1985-03-01", &p), 0);
	ck_assert_int_eq(p.validity, COG_VALID);
	ck_assert_str_eq(p.name, "Cellule");
	ck_assert_str_eq(p.successor, "63244");
	ck_assert_str_eq(p.successor_name, "Chambaron sur Morge");
	ck_assert_int_eq(cog_lookup(st, "63068", "2020-01-01", &p), 0);
	ck_assert_int_eq(p.validity, COG_ENDED);
	ck_assert_str_eq(p.code_at_date, "63244");
	/* Annecy-le-Vieux: a commune until 2017, then a commune déléguée of Annecy. */
	ck_assert_int_eq(cog_lookup(st, "74011", "2000-01-01", &p), 0);
	ck_assert_str_eq(p.type, "COM");
	ck_assert_int_eq(p.validity, COG_VALID);
	ck_assert_str_eq(p.successor, "74010");
	ck_assert_int_eq(cog_lookup(st, "74011", "2020-01-01", &p), 0);
	ck_assert_str_eq(p.type, "COMD");
	ck_assert_str_eq(p.successor_name, "Annecy");
	/* Annecy itself: the commune wins over its déléguée of the same code. */
	ck_assert_int_eq(cog_lookup(st, "74010", "2020-01-01", &p), 0);
	ck_assert_str_eq(p.type, "COM");
	ck_assert_str_eq(p.successor, "");
	/* A renamed commune keeps its code; the name is the one of the period. */
	ck_assert_int_eq(cog_lookup(st, "63103", "1990-01-01", &p), 0);
	ck_assert_str_eq(p.name, "Châtelguyon");
	ck_assert_int_eq(cog_lookup(st, "63103", "2010-01-01", &p), 0);
	ck_assert_str_eq(p.name, "Châtel-Guyon");
	/* Paris arrondissement. */
	ck_assert_int_eq(cog_lookup(st, "75115", NULL, &p), 0);
	ck_assert_str_eq(p.type, "ARM");
	ck_assert_str_eq(cog_type_label(&p), "arrondissement municipal");
}
END_TEST

START_TEST(lookup_countries_and_bad_input)
{
	struct cog_place p;

	ck_assert_int_eq(cog_import_demo(st, NULL), 0);
	ck_assert_int_eq(cog_lookup(st, "99352", "1978-10-05", &p), 0);
	ck_assert_str_eq(p.name, "Algérie");
	ck_assert_str_eq(p.kind, "pays");
	ck_assert_str_eq(cog_type_label(&p), "pays ou territoire");
	ck_assert_int_eq(cog_lookup(st, "99115", "2000-01-01", &p), 0);
	ck_assert_int_eq(p.validity, COG_ENDED);
	ck_assert_str_eq(p.name, "Tchécoslovaquie");
	ck_assert_int_eq(cog_lookup(st, "99102", "1944-01-01", &p), 0);
	ck_assert_int_eq(p.validity, COG_VALID);
	ck_assert_str_eq(p.date_fin, "1944-06-17");
	ck_assert_int_eq(cog_lookup(st, "99102", "1950-01-01", &p), 0);
	ck_assert_str_eq(p.date_debut, "1944-06-17");
	ck_assert_int_eq(cog_lookup(st, "99999", NULL, &p), 0);
	ck_assert_str_eq(cog_validity_label(p.validity), "lieu de naissance inconnu");
	ck_assert_int_eq(cog_lookup(st, "6311", NULL, &p), STORE_ERR_INVALID);
	ck_assert_int_eq(cog_lookup(st, "2C004", NULL, &p), STORE_ERR_INVALID);
	ck_assert_int_eq(cog_lookup(st, "63113", "1960-02-30", &p), STORE_ERR_INVALID);
	ck_assert_ptr_nonnull(strstr(st->err, "1960-02-30"));
}
END_TEST

START_TEST(find_by_name)
{
	struct cog_place r[20];
	size_t n;

	ck_assert_int_eq(cog_import_demo(st, NULL), 0);
	ck_assert_int_eq(cog_find(st, "st flour", "2024-01-01", r, 20, &n), 0);
	ck_assert_int_eq(n, 3);
	/* Valid ones first, by name: Saint-Flour (15), Saint-Flour-l'Étang, then the old name. */
	ck_assert_str_eq(r[0].code, "15187");
	ck_assert_str_eq(r[1].name, "Saint-Flour-l'Étang");
	ck_assert_int_eq(r[2].validity, COG_ENDED);
	ck_assert_int_eq(cog_find(st, "CLERMONT-FER", NULL, r, 20, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(r[0].code, "63113");
	ck_assert_int_eq(cog_find(st, "la bourboule", NULL, r, 20, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_int_eq(cog_find(st, "etats-unis", NULL, r, 20, &n), 0);
	ck_assert_str_eq(r[0].code, "99404");
	/* At a date before 1976 the 20xxx code comes first. */
	ck_assert_int_eq(cog_find(st, "ajaccio", "1960-01-01", r, 20, &n), 0);
	ck_assert_int_eq(n, 2);
	ck_assert_str_eq(r[0].code, "20004");
	ck_assert_int_eq(cog_find(st, "ajaccio", "2000-01-01", r, 20, &n), 0);
	ck_assert_str_eq(r[0].code, "2A004");
	ck_assert_int_eq(cog_find(st, "paris", NULL, r, 5, &n), 0);
	ck_assert_int_eq(n, 5);   /* limit respected */
	ck_assert_int_eq(cog_find(st, "inconnu", NULL, r, 20, &n), 0);
	ck_assert_int_eq(n, 1);
	ck_assert_str_eq(r[0].code, "99999");
	ck_assert_int_eq(cog_find(st, "zzz", NULL, r, 20, &n), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_eq(cog_find(st, " - ", NULL, r, 20, &n), STORE_ERR_INVALID);
}
END_TEST

/* ---------------------------------------------------------------- import from a directory */

START_TEST(import_dir_insee_shapes)
{
	/* CRLF, a BOM, the yearly country list, a year suffix, an extra unknown column. */
	static const char communes[] =
		"\xEF\xBB\xBF\"TYPECOM\",\"COM\",\"TNCC\",\"NCC\",\"NCCENR\",\"LIBELLE\",\"DATE_DEBUT\","
		"\"DATE_FIN\",\"NOUVELLE\"\r\n"
		"\"COM\",\"01001\",\"5\",\"ABERGEMENT\",\"Abergement\",\"L'Abergement\",\"1943-01-01\",\"\",\"x\"\r\n"
		"\"COM\",\"01002\",\"0\",\"X\",\"X\",\"Vieux-\"\"Nom\"\"\",\"1943-01-01\",\"1970-01-01\",\"\"\r\n"
		"\"COM\",\"01003\",\"0\",\"Y\",\"Y\",\"Neuf\",\"1943-01-01\",\"\",\"\"\r\n";
	static const char pays_year[] =
		"\"COG\",\"ACTUAL\",\"CRPAY\",\"ANI\",\"LIBCOG\",\"LIBENR\",\"CODEISO2\",\"CODEISO3\",\"CODENUM3\"\r\n"
		"\"99100\",\"1\",\"\",\"\",\"France\",\"République française\",\"FR\",\"FRA\",\"250\"\r\n"
		"\"99141\",\"2\",\"\",\"\",\"RDA\",\"RDA\",\"\",\"\",\"\"\r\n";
	char mvt[1024];
	struct cog_counts n;
	struct cog_place p;
	const char *dir;

	snprintf(mvt, sizeof mvt, "%s\"31\",\"1970-01-01\",\"COM\",\"01002\",\"0\",\"X\",\"X\",\"X\","
		 "\"COM\",\"01001\",\"5\",\"A\",\"A\",\"A\"\r\n"
		 "\"34\",\"1990-01-01\",\"COM\",\"01001\",\"5\",\"A\",\"A\",\"A\","
		 "\"COM\",\"01003\",\"0\",\"Y\",\"Y\",\"Neuf\"\r\n", mvt_hdr);
	dir = make_bundle("b1", communes, "v_pays_territoire_2031.csv", pays_year,
			  "v_mvt_commune_2031.csv", mvt);
	ck_assert_msg(cog_import_dir(st, dir, &n) == 0, "%s", st->err);
	ck_assert_str_eq(n.source, "INSEE 2031");
	ck_assert_int_eq(n.communes, 3);
	ck_assert_int_eq(n.countries, 1);   /* ACTUAL 2 left out */
	ck_assert_int_eq(n.movements, 2);
	ck_assert_int_eq(cog_lookup(st, "01002", "1960-01-01", &p), 0);
	ck_assert_str_eq(p.name, "Vieux-\"Nom\"");
	/* Two hops: 01002 -> 01001 (1970) -> 01003 (1990). */
	ck_assert_str_eq(p.successor, "01003");
	ck_assert_str_eq(p.successor_name, "Neuf");
	ck_assert_str_eq(p.successor_date, "1970-01-01");
	ck_assert_int_eq(cog_lookup(st, "99141", NULL, &p), STORE_ERR_NOTFOUND);
}
END_TEST

/* A broken bundle after the demo: French message with file and line, demo set untouched. */
static void expect_refused(const char *dir, const char *what)
{
	struct cog_counts src;
	struct cog_place p;

	ck_assert_int_ne(cog_import_dir(st, dir, NULL), 0);
	ck_assert_msg(strstr(st->err, what) != NULL, "« %s » not in: %s", what, st->err);
	ck_assert_int_eq(cog_source_get(st, &src, NULL, 0), 0);
	ck_assert_str_eq(src.source, "demo");
	ck_assert_int_eq(cog_lookup(st, "63113", NULL, &p), 0);
	ck_assert_str_eq(p.name, "Clermont-Ferrand");
}

START_TEST(import_errors_keep_previous_set)
{
	char bad_date[512], one[512], bad_mvt[1024], missing_col[256], bad_utf8[256];

	ck_assert_int_eq(cog_import_demo(st, NULL), 0);
	snprintf(bad_date, sizeof bad_date, "%s\"COM\",\"01001\",\"0\",\"A\",\"A\",\"A\",\"1943-01-01\",\"\"\n"
		 "\"COM\",\"01002\",\"0\",\"B\",\"B\",\"B\",\"1943-13-01\",\"\"\n", communes_hdr);
	expect_refused(make_bundle("e1", bad_date, "v_pays_et_territoire_depuis_1943.csv", good_pays,
				   "v_mvt_commune_2024.csv", mvt_hdr),
		       "v_commune_depuis_1943.csv:3 : date de début « 1943-13-01 » invalide");
	snprintf(missing_col, sizeof missing_col, "\"TYPECOM\",\"COM\",\"LIBELLE\",\"DATE_DEBUT\"\n"
		 "\"COM\",\"01001\",\"A\",\"1943-01-01\"\n");
	expect_refused(make_bundle("e2", missing_col, "v_pays_et_territoire_depuis_1943.csv",
				   good_pays, "v_mvt_commune_2024.csv", mvt_hdr),
		       "colonne « DATE_FIN » absente");
	snprintf(bad_mvt, sizeof bad_mvt, "%s\"32\",\"2017-01-01\",\"COM\",\"0100\",\"0\",\"A\",\"A\",\"A\","
		 "\"COM\",\"01001\",\"0\",\"A\",\"A\",\"A\"\n", mvt_hdr);
	snprintf(one, sizeof one, "%s\"COM\",\"01001\",\"0\",\"A\",\"A\",\"A\",\"1943-01-01\",\"\"\n",
		 communes_hdr);
	expect_refused(make_bundle("e3", one, "v_pays_et_territoire_depuis_1943.csv", good_pays,
				   "v_mvt_commune_2024.csv", bad_mvt),
		       "v_mvt_commune_2024.csv:2 : code commune « 0100 » invalide");
	snprintf(bad_utf8, sizeof bad_utf8, "%s\"COM\",\"01001\",\"0\",\"A\",\"A\",\"Ch\xe2teau\","
		 "\"1943-01-01\",\"\"\n", communes_hdr);
	expect_refused(make_bundle("e4", bad_utf8, "v_pays_et_territoire_depuis_1943.csv", good_pays,
				   "v_mvt_commune_2024.csv", mvt_hdr),
		       "v_commune_depuis_1943.csv:2 : texte qui n'est pas en UTF-8");
	expect_refused(make_bundle("e5", one, "v_pays_et_territoire_depuis_1943.csv", good_pays,
				   NULL, NULL),
		       "v_mvt_commune_AAAA.csv introuvable");
	expect_refused(make_bundle("e6", one, "v_pays_et_territoire_depuis_1943.csv",
				   "\"COG\",\"CRPAY\",\"LIBCOG\",\"LIBENR\",\"DATE_DEBUT\",\"DATE_FIN\"\n"
				   "\"99350\",\"\",\"Maroc\"\n", "v_mvt_commune.csv", mvt_hdr),
		       "v_pays_et_territoire_depuis_1943.csv:2 : 3 colonne(s) au lieu des 6");
	expect_refused(make_bundle("e7", communes_hdr, "v_pays_et_territoire_depuis_1943.csv",
				   good_pays, "v_mvt_commune.csv", mvt_hdr), "aucune commune");
	expect_refused("/nonexistent/cog", "illisible");
}
END_TEST

/* Tens of thousands of rows, as in the real file, import in well under the target. */
START_TEST(import_large_file_fast)
{
	size_t cap = 90000 * 100, len;
	char *text = malloc(cap), dir[128];
	struct cog_counts n;
	struct timespec t0, t1;
	double secs;

	len = (size_t)snprintf(text, cap, "%s", communes_hdr);
	for (int i = 0; i < 90000; i++)
		len += (size_t)snprintf(text + len, cap - len, "\"COM\",\"%02d%03d\",\"0\",\"N\",\"N\","
					"\"Commune-%d\",\"1943-01-01\",\"%s\"\n", 1 + i / 999,
					1 + i % 999, i, i % 3 ? "" : "2016-01-01");
	snprintf(dir, sizeof dir, "%s", make_bundle("big", text, "v_pays_et_territoire_depuis_1943.csv",
						    good_pays, "v_mvt_commune_2025.csv", mvt_hdr));
	free(text);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_msg(cog_import_dir(st, dir, &n) == 0, "%s", st->err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	ck_assert_int_eq(n.communes, 90000);
	/* Generous bound (sanitizer builds, slow CI disks); printed for the record. */
	fprintf(stderr, "test_cog: 90 000 communes imported in %.2f s\n", secs);
	ck_assert_msg(secs < 30.0, "import took %.1f s", secs);
}
END_TEST

/* ---------------------------------------------------------------- indicators */

static long long add_patient(const char *birth, const char *first, int status)
{
	struct patient p;

	patient_init(&p);
	snprintf(p.birth_name, sizeof p.birth_name, "%s", birth);
	snprintf(p.first_name, sizeof p.first_name, "%s", first);
	snprintf(p.sex, sizeof p.sex, "F");
	snprintf(p.birth_date, sizeof p.birth_date, "1975-12-31");
	p.id_status = status;
	if (status == ID_RECUPEREE || status == ID_QUALIFIEE) {
		snprintf(p.ins_matricule, sizeof p.ins_matricule, "275126322074974");
		snprintf(p.ins_oid, sizeof p.ins_oid, "1.2.250.1.213.1.4.8");
	}
	if (status == ID_VALIDEE || status == ID_QUALIFIEE)
		snprintf(p.validation_mode, sizeof p.validation_mode, "CN");
	ck_assert_msg(patient_insert(st, &p) == 0, "%s", st->err);
	patient_clear(&p);   /* frees the notes only: p.id stays */
	return p.id;
}

static void set_status(long long id, int status, const char *action)
{
	struct patient p;

	patient_init(&p);
	ck_assert_int_eq(patient_get(st, id, &p), 0);
	p.id_status = status;
	if (status == ID_RECUPEREE || status == ID_QUALIFIEE) {
		snprintf(p.ins_matricule, sizeof p.ins_matricule, "275126322074974");
		snprintf(p.ins_oid, sizeof p.ins_oid, "1.2.250.1.213.1.4.8");
	}
	if (status == ID_QUALIFIEE)
		snprintf(p.validation_mode, sizeof p.validation_mode, "CN");
	ck_assert_msg(patient_update_audited(st, &p, action, NULL) == 0, "%s", st->err);
	patient_clear(&p);
}

static void insi_call(const char *detail)
{
	ck_assert_int_eq(store_begin(st), 0);
	ck_assert_int_eq(audit_write(st, "insi-appel", "patient", 0, NULL, NULL, detail), 0);
	ck_assert_int_eq(store_commit(st), 0);
}

static const struct stats_user *user(const struct stats_ins *s, const char *who)
{
	for (size_t i = 0; i < s->nusers; i++)
		if (!strcmp(s->users[i].who, who))
			return &s->users[i];
	return NULL;
}

START_TEST(stats_statuses_users_and_calls)
{
	struct stats_ins s;
	const struct stats_user *u;
	long long a, b;
	char pct[32];

	a = add_patient("ALPHA", "ANNE", ID_PROVISOIRE);
	b = add_patient("BETA", "BRUNO", ID_PROVISOIRE);
	add_patient("GAMMA", "GINA", ID_QUALIFIEE);   /* created qualifiée (Appli carte Vitale) */
	store_set_user(st, "secretariat");
	add_patient("DELTA", "DORA", ID_VALIDEE);
	set_status(a, ID_RECUPEREE, "ins.recuperation");
	store_set_user(st, "jmartin");
	set_status(a, ID_QUALIFIEE, "ins.qualification");
	set_status(b, ID_RECUPEREE, "ins.recuperation");
	insi_call("{\"operation\":\"rechercherInsAvecTraitsIdentite\",\"cr\":\"00\"}");
	insi_call("{\"cr\":\"00\"}");
	insi_call("{\"cr\":\"02\",\"lieu\":false}");
	insi_call("{\"cr\":\"\",\"erreur\":\"insi_102\"}");
	insi_call("pas du JSON");

	ck_assert_int_eq(stats_ins(st, NULL, NULL, &s), 0);
	ck_assert_int_eq(s.patients, 4);
	ck_assert_int_eq(s.by_status[ID_PROVISOIRE], 0);
	ck_assert_int_eq(s.by_status[ID_RECUPEREE], 1);
	ck_assert_int_eq(s.by_status[ID_VALIDEE], 1);
	ck_assert_int_eq(s.by_status[ID_QUALIFIEE], 2);
	ck_assert_int_eq(s.nusers, 2);
	ck_assert_str_eq(s.users[0].who, "jmartin");   /* sorted */
	u = user(&s, "jmartin");
	ck_assert_int_eq(u->created, 3);
	ck_assert_int_eq(u->recovered, 1);   /* b */
	ck_assert_int_eq(u->qualified, 2);   /* GAMMA at creation, a */
	u = user(&s, "secretariat");
	ck_assert_int_eq(u->created, 1);
	ck_assert_int_eq(u->recovered, 1);
	ck_assert_int_eq(u->qualified, 0);
	ck_assert_int_eq(s.insi_calls, 5);
	ck_assert_int_eq(s.ncrs, 3);
	ck_assert_str_eq(s.crs[0].cr, "00");
	ck_assert_int_eq(s.crs[0].calls, 2);
	ck_assert_str_eq(s.crs[1].cr, "02");
	ck_assert_str_eq(s.crs[2].cr, "");   /* failed calls and unreadable details, last */
	ck_assert_int_eq(s.crs[2].calls, 2);
	stats_percent(s.by_status[ID_QUALIFIEE], s.patients, pct, sizeof pct);
	ck_assert_str_eq(pct, "50,0 %");
	stats_ins_free(&s);
}
END_TEST

START_TEST(stats_period_filter)
{
	struct stats_ins s;
	long long a;

	a = add_patient("ALPHA", "ANNE", ID_PROVISOIRE);
	set_status(a, ID_RECUPEREE, "ins.recuperation");
	insi_call("{\"cr\":\"01\"}");
	/* Move the creation and the call to 2020 (UTC noon: the same local day anywhere). */
	ck_assert_int_eq(sqlite3_exec(st->db, "UPDATE audit SET at = '2020-03-15T12:00:00Z'"
				      " WHERE action IN ('patient.create', 'insi-appel')", NULL, NULL,
				      NULL), SQLITE_OK);
	ck_assert_int_eq(stats_ins(st, "2020-03-15", "2020-03-15", &s), 0);
	ck_assert_int_eq(s.patients, 1);          /* statuses are always "now" */
	ck_assert_int_eq(s.nusers, 1);
	ck_assert_int_eq(s.users[0].created, 1);
	ck_assert_int_eq(s.users[0].recovered, 0);
	ck_assert_int_eq(s.insi_calls, 1);
	stats_ins_free(&s);
	ck_assert_int_eq(stats_ins(st, "2020-03-16", NULL, &s), 0);
	ck_assert_int_eq(s.nusers, 1);
	ck_assert_int_eq(s.users[0].created, 0);
	ck_assert_int_eq(s.users[0].recovered, 1);
	ck_assert_int_eq(s.insi_calls, 0);
	stats_ins_free(&s);
	ck_assert_int_eq(stats_ins(st, "2020-03-16", "2020-03-15", &s), STORE_ERR_INVALID);
	ck_assert_int_eq(stats_ins(st, "15/03/2020", NULL, &s), STORE_ERR_INVALID);
}
END_TEST

START_TEST(stats_helpers)
{
	char from[11], to[11], pct[32];

	stats_percent(1, 3, pct, sizeof pct);
	ck_assert_str_eq(pct, "33,3 %");
	stats_percent(2, 3, pct, sizeof pct);
	ck_assert_str_eq(pct, "66,7 %");
	stats_percent(0, 0, pct, sizeof pct);
	ck_assert_str_eq(pct, "0,0 %");
	stats_period_bounds(STATS_THIS_MONTH, "2024-03-17", from, to, sizeof from);
	ck_assert_str_eq(from, "2024-03-01");
	ck_assert_str_eq(to, "2024-03-17");
	stats_period_bounds(STATS_LAST_12_MONTHS, "2024-02-29", from, to, sizeof from);
	ck_assert_str_eq(from, "2023-03-02");   /* 2023-02-29 does not exist: the day after */
	stats_period_bounds(STATS_LAST_12_MONTHS, "2024-03-17", from, to, sizeof from);
	ck_assert_str_eq(from, "2023-03-18");
	stats_period_bounds(STATS_ALL, "2024-03-17", from, to, sizeof from);
	ck_assert_str_eq(from, "");
	ck_assert_str_eq(to, "");
}
END_TEST

static Suite *cog_suite(void)
{
	Suite *s = suite_create("cog");
	TCase *tc = tcase_create("csv");

	tcase_add_test(tc, csv_quotes_and_line_ends);
	tcase_add_test(tc, csv_bom_blank_lines_and_line_numbers);
	tcase_add_test(tc, csv_errors);
	tcase_add_test(tc, fold_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("tables");
	tcase_add_checked_fixture(tc, db_setup, db_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, demo_import_and_source);
	tcase_add_test(tc, lookup_without_table);
	tcase_add_test(tc, lookup_corsica_1976);
	tcase_add_test(tc, lookup_merged_and_renamed);
	tcase_add_test(tc, lookup_countries_and_bad_input);
	tcase_add_test(tc, find_by_name);
	tcase_add_test(tc, import_dir_insee_shapes);
	tcase_add_test(tc, import_errors_keep_previous_set);
	tcase_add_test(tc, import_large_file_fast);
	suite_add_tcase(s, tc);

	tc = tcase_create("stats");
	tcase_add_checked_fixture(tc, db_setup, db_teardown);
	tcase_add_test(tc, stats_statuses_users_and_calls);
	tcase_add_test(tc, stats_period_filter);
	tcase_add_test(tc, stats_helpers);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(cog_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
