/* Unit tests of the pure domain layer (src/core): NIR, text folding, dates, COG, identity rules. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cog.h"
#include "core/date.h"
#include "core/identity.h"
#include "core/nir.h"
#include "core/text.h"
#include "core/mss_wire.h"

/* ---------------------------------------------------------------- NIR */

/* Keys from data/insi-test-identities.tsv (PROTOCOLS.md "Matricule"), all verified mod 97. */
START_TEST(nir_key_test_identities)
{
	ck_assert_int_eq(nir_compute_key("2751263220749"), 74); /* ADRUN ZOE */
	ck_assert_int_eq(nir_compute_key("1090763220834"), 89); /* ECETINSI */
	ck_assert_int_eq(nir_compute_key("2090763220834"), 39); /* ECETINSI INSHISTO */
	ck_assert_int_eq(nir_compute_key("2090663220123"), 55);
	ck_assert_int_eq(nir_compute_key("2360663220836"), 56); /* TCHITCHI */
	ck_assert_int_eq(nir_compute_key("1100863220830"), 60); /* NESSI */
	ck_assert_int_eq(nir_compute_key("2790351215189"), 89); /* PAT-TROIS */
	ck_assert_int_eq(nir_compute_key("1810163220751"), 40);
}
END_TEST

START_TEST(nir_key_corsica)
{
	/* 2A -> 19 and 2B -> 18 before the modulo. */
	ck_assert_int_eq(nir_compute_key("297022A020778"), 78);
	ck_assert_int_eq(nir_compute_key("160012B020777"), 13);
	ck_assert_int_eq(nir_compute_key("180032B020401"), 23);
	/* Same keys as the substituted all-digit numbers. */
	ck_assert_int_eq(nir_compute_key("2970219020778"), 78);
	ck_assert_int_eq(nir_compute_key("1600118020777"), 13);
	/* Lower case is not a parsed body: nir_parse upper-cases first. */
	ck_assert_int_eq(nir_compute_key("297022a020778"), NIR_ERR_CHARSET);
}
END_TEST

START_TEST(nir_key_nia)
{
	/* CNDA TEST_2.05: a NIA (OID .9) has the same key rule. */
	ck_assert_int_eq(nir_compute_key("1090763220888"), 35);
}
END_TEST

START_TEST(nir_key_64bit)
{
	/* 13-digit numbers overflow 32 bits; a truncated computation would give other keys. */
	ck_assert_int_eq(nir_compute_key("8999999999999"), 36);
	ck_assert_int_eq(nir_compute_key("4999999999999"), 42);
	ck_assert_int_eq(nir_compute_key("2999999999999"), 45);
	ck_assert_int_eq(nir_compute_key("1999999999999"), 95);
	ck_assert_int_eq(nir_compute_key("1010101010101"), 71);
	/* A multiple of 97 gives key 97, never 0. */
	ck_assert_int_eq(nir_compute_key("1000000000047"), 97);
	ck_assert_int_eq(nir_compute_key("1750100000074"), 97);
}
END_TEST

START_TEST(nir_key_bad_body)
{
	ck_assert_int_eq(nir_compute_key(NULL), NIR_ERR_EMPTY);
	ck_assert_int_eq(nir_compute_key(""), NIR_ERR_EMPTY);
	ck_assert_int_eq(nir_compute_key("275126322074"), NIR_ERR_LENGTH);
	ck_assert_int_eq(nir_compute_key("27512632207490"), NIR_ERR_LENGTH);
	ck_assert_int_eq(nir_compute_key("27512632207X9"), NIR_ERR_CHARSET);
	ck_assert_int_eq(nir_compute_key("2A51263220749"), NIR_ERR_CHARSET);
	ck_assert_int_eq(nir_compute_key("29702C020778"), NIR_ERR_LENGTH);
	ck_assert_int_eq(nir_compute_key("297022C020778"), NIR_ERR_CHARSET);
	ck_assert_int_eq(nir_compute_key("297023A020778"), NIR_ERR_CHARSET); /* 3A is not Corsica */
	ck_assert_int_eq(nir_compute_key("29702A2020778"), NIR_ERR_CHARSET);
	ck_assert_int_eq(nir_compute_key("2751263220 49"), NIR_ERR_CHARSET);
}
END_TEST

START_TEST(nir_parse_ok)
{
	struct nir n;

	ck_assert_int_eq(nir_parse("275126322074974", 1, &n), NIR_OK);
	ck_assert_str_eq(n.body, "2751263220749");
	ck_assert_int_eq(n.key, 74);

	/* Spaces, dots and dashes as printed on cards and letters are ignored. */
	ck_assert_int_eq(nir_parse("2 75 12 63 220 749 74", 1, &n), NIR_OK);
	ck_assert_str_eq(n.body, "2751263220749");
	ck_assert_int_eq(nir_parse("2.75.12.63.220.749.74", 1, &n), NIR_OK);
	ck_assert_int_eq(nir_parse("2-75-12-63-220-749-74", 1, &n), NIR_OK);
	ck_assert_int_eq(nir_parse("  2751263220749 74  ", 1, &n), NIR_OK);
	ck_assert_int_eq(n.key, 74);

	/* Corsica, typed in lower case: upper-cased in the body. */
	ck_assert_int_eq(nir_parse("2 97 02 2a 020 778 78", 1, &n), NIR_OK);
	ck_assert_str_eq(n.body, "297022A020778");
	ck_assert_int_eq(n.key, 78);
	ck_assert_int_eq(nir_parse("160012B020777 13", 1, &n), NIR_OK);
	ck_assert_str_eq(n.body, "160012B020777");
	ck_assert_int_eq(nir_parse("180032B020401 23", 1, &n), NIR_OK);

	/* NIA */
	ck_assert_int_eq(nir_parse("1090763220888 35", 1, &n), NIR_OK);
	ck_assert_int_eq(n.key, 35);

	/* Key 97 is a valid two-digit key. */
	ck_assert_int_eq(nir_parse("1750100000074 97", 1, &n), NIR_OK);
	ck_assert_int_eq(n.key, 97);

	/* out may be NULL when only the verdict matters. */
	ck_assert_int_eq(nir_parse("2751263220749 74", 1, NULL), NIR_OK);
}
END_TEST

START_TEST(nir_parse_without_key)
{
	struct nir n;

	ck_assert_int_eq(nir_parse("2751263220749", 0, &n), NIR_OK);
	ck_assert_str_eq(n.body, "2751263220749");
	ck_assert_int_eq(n.key, -1);
	ck_assert_int_eq(nir_parse("2751263220749", 1, &n), NIR_ERR_NO_KEY);
	/* A key given when not required must still verify. */
	ck_assert_int_eq(nir_parse("2751263220749 74", 0, &n), NIR_OK);
	ck_assert_int_eq(n.key, 74);
	ck_assert_int_eq(nir_parse("2751263220749 75", 0, &n), NIR_ERR_KEY);
}
END_TEST

START_TEST(nir_parse_wrong_key)
{
	struct nir n;

	ck_assert_int_eq(nir_parse("2751263220749 75", 1, &n), NIR_ERR_KEY);
	ck_assert_int_eq(nir_parse("2751263220749 00", 1, &n), NIR_ERR_KEY);
	ck_assert_int_eq(nir_parse("2751263220749 98", 1, &n), NIR_ERR_KEY);
	/* A Corsica number whose key was computed with 20 instead of 2A. */
	ck_assert_int_eq(nir_parse("297022A020778 12", 1, &n), NIR_ERR_KEY);
	/* One digit swapped in the body. */
	ck_assert_int_eq(nir_parse("2751263220794 74", 1, &n), NIR_ERR_KEY);
	/* CNDA TEST_2.08 cas 2: keys that fail mod 97 on purpose. */
	ck_assert_int_eq(nir_parse("1810363220456 60", 1, &n), NIR_ERR_KEY);
	ck_assert_int_eq(nir_compute_key("1810363220456"), 76);
	/* A wrong key still gives the body and the key typed, so the caller can say which key
	 * was expected. */
	ck_assert_str_eq(n.body, "1810363220456");
	ck_assert_int_eq(n.key, 60);
	ck_assert_int_eq(nir_compute_key(n.body), 76);
}
END_TEST

START_TEST(nir_parse_bad_input)
{
	struct nir n;

	ck_assert_int_eq(nir_parse(NULL, 1, &n), NIR_ERR_EMPTY);
	ck_assert_int_eq(nir_parse("", 1, &n), NIR_ERR_EMPTY);
	ck_assert_int_eq(nir_parse("  . - ", 1, &n), NIR_ERR_EMPTY);
	/* Wrong lengths */
	ck_assert_int_eq(nir_parse("275126322074", 0, &n), NIR_ERR_LENGTH);
	ck_assert_int_eq(nir_parse("27512632207497", 1, &n), NIR_ERR_LENGTH);
	ck_assert_int_eq(nir_parse("2751263220749744", 1, &n), NIR_ERR_LENGTH);
	ck_assert_int_eq(nir_parse("27512632207497400000", 1, &n), NIR_ERR_LENGTH);
	ck_assert_int_eq(nir_parse("1", 1, &n), NIR_ERR_LENGTH);
	/* Letters outside the Corsica positions, other signs, non-ASCII */
	ck_assert_int_eq(nir_parse("27512632207X9 74", 1, &n), NIR_ERR_CHARSET);
	ck_assert_int_eq(nir_parse("2751263220749 7A", 1, &n), NIR_ERR_CHARSET);
	ck_assert_int_eq(nir_parse("29702C020778 78", 1, &n), NIR_ERR_LENGTH);
	ck_assert_int_eq(nir_parse("297022C020778 78", 1, &n), NIR_ERR_CHARSET);
	ck_assert_int_eq(nir_parse("297025A020778 78", 1, &n), NIR_ERR_CHARSET);
	ck_assert_int_eq(nir_parse("2751263220749/74", 1, &n), NIR_ERR_CHARSET);
	ck_assert_int_eq(nir_parse("2751263220749_74", 1, &n), NIR_ERR_CHARSET);
	ck_assert_int_eq(nir_parse("27512632207\xc3\xa9" "9 74", 1, &n), NIR_ERR_CHARSET);
	ck_assert_int_eq(nir_parse("NIR275126322074", 1, &n), NIR_ERR_CHARSET);
	ck_assert_int_eq(nir_parse("NIR 2751263220749", 1, &n), NIR_ERR_LENGTH);
}
END_TEST

START_TEST(nir_parse_sex_digit)
{
	char body[14], input[32];
	const char *ok = "123478", *bad = "0569";
	size_t i;

	for (i = 0; i < strlen(ok); i++) {
		strcpy(body, "2751263220749");
		body[0] = ok[i];
		snprintf(input, sizeof input, "%s%02d", body, nir_compute_key(body));
		ck_assert_msg(nir_parse(input, 1, NULL) == NIR_OK, "first digit %c", ok[i]);
	}
	for (i = 0; i < strlen(bad); i++) {
		strcpy(body, "2751263220749");
		body[0] = bad[i];
		snprintf(input, sizeof input, "%s%02d", body, nir_compute_key(body));
		ck_assert_msg(nir_parse(input, 1, NULL) == NIR_ERR_SEX, "first digit %c", bad[i]);
	}
}
END_TEST

START_TEST(nir_parse_month)
{
	char body[14], input[32];
	int m;

	for (m = 0; m <= 99; m++) {
		int valid = (m >= 1 && m <= 12) || (m >= 20 && m <= 42) || m >= 50;
		int rc;

		snprintf(body, sizeof body, "275%02d63220749", m);
		snprintf(input, sizeof input, "%s%02d", body, nir_compute_key(body));
		rc = nir_parse(input, 1, NULL);
		ck_assert_msg(rc == (valid ? NIR_OK : NIR_ERR_MONTH), "month %02d gave %d", m, rc);
		/* Same verdict without the key. */
		ck_assert_int_eq(nir_parse(body, 0, NULL), valid ? NIR_OK : NIR_ERR_MONTH);
	}
}
END_TEST

START_TEST(nir_strerror_all)
{
	int codes[] = { NIR_ERR_EMPTY, NIR_ERR_LENGTH, NIR_ERR_CHARSET, NIR_ERR_SEX,
			NIR_ERR_MONTH,  NIR_ERR_KEY,    NIR_ERR_NO_KEY };
	size_t i, j;

	for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
		const char *s = nir_strerror(codes[i]);

		ck_assert_ptr_nonnull(s);
		ck_assert_int_gt(strlen(s), 5);
		ck_assert(text_utf8_valid(s));
		for (j = 0; j < i; j++)
			ck_assert_str_ne(s, nir_strerror(codes[j]));
	}
	ck_assert_str_eq(nir_strerror(NIR_ERR_KEY), "Clé du NIR incorrecte");
	ck_assert_ptr_nonnull(nir_strerror(NIR_OK));
	ck_assert_ptr_nonnull(nir_strerror(-42));
	ck_assert_ptr_nonnull(nir_strerror(12));
}
END_TEST

START_TEST(nir_format_groups)
{
	struct nir n;
	char buf[32];

	ck_assert_int_eq(nir_parse("275126322074974", 1, &n), NIR_OK);
	nir_format(&n, buf, sizeof buf);
	ck_assert_str_eq(buf, "2 75 12 63 220 749 74");

	ck_assert_int_eq(nir_parse("297022a020778 78", 1, &n), NIR_OK);
	nir_format(&n, buf, sizeof buf);
	ck_assert_str_eq(buf, "2 97 02 2A 020 778 78");

	ck_assert_int_eq(nir_parse("1750100000074", 0, &n), NIR_OK);
	nir_format(&n, buf, sizeof buf);
	ck_assert_str_eq(buf, "1 75 01 00 000 074");

	n.key = 5;
	nir_format(&n, buf, sizeof buf);
	ck_assert_str_eq(buf, "1 75 01 00 000 074 05");
}
END_TEST

START_TEST(nir_format_small_buffers)
{
	struct nir n;
	char buf[8];

	ck_assert_int_eq(nir_parse("2751263220749 74", 1, &n), NIR_OK);
	nir_format(&n, buf, sizeof buf);
	ck_assert_str_eq(buf, "2 75 12");
	buf[0] = 'x';
	nir_format(&n, buf, 0); /* nothing written */
	ck_assert_int_eq(buf[0], 'x');
	nir_format(&n, buf, 1);
	ck_assert_str_eq(buf, "");
	nir_format(NULL, buf, sizeof buf);
	ck_assert_str_eq(buf, "");
	nir_format(&n, NULL, 10);
	/* An empty (failed) parse prints nothing. */
	ck_assert_int_eq(nir_parse("abc", 1, &n), NIR_ERR_LENGTH);
	nir_format(&n, buf, sizeof buf);
	ck_assert_str_eq(buf, "");
}
END_TEST

/* ---------------------------------------------------------------- text */

static const char *fold(const char *in)
{
	static char buf[256];

	text_fold(in, buf, sizeof buf);
	return buf;
}

START_TEST(text_fold_accents_case)
{
	ck_assert_str_eq(fold("Éléonore"), "eleonore");
	ck_assert_str_eq(fold("FRANÇOISE"), "francoise");
	ck_assert_str_eq(fold("àâäéèêëîïôöùûüÿç"), "aaaeeeeiioouuuyc");
	ck_assert_str_eq(fold("ÀÂÄÉÈÊËÎÏÔÖÙÛÜŸÇ"), "aaaeeeeiioouuuyc");
	ck_assert_str_eq(fold("ÁÃÅÌÍÐÑÒÓÕØÚÝ"), "aaaiidnoooouy");
	ck_assert_str_eq(fold("MiXeD CaSe"), "mixed case");
	ck_assert_str_eq(fold("dupont"), "dupont");
	/* Latin Extended-A */
	ck_assert_str_eq(fold("Łódź"), "lodz");
	ck_assert_str_eq(fold("Dvořák"), "dvorak");
	ck_assert_str_eq(fold("Şahin Ğ ı İ"), "sahin g i i");
	ck_assert_str_eq(fold("ĀāĂăĄąĆćĈĉĊċČčĎďĐđ"), "aaaaaaccccccccdddd");
	ck_assert_str_eq(fold("ĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħ"), "eeeeeeeeeegggggggghhhh");
	ck_assert_str_eq(fold("ĨĩĪīĬĭĮįĴĵĶķĸĹĺĻļĽľĿŀŁł"), "iiiiiiiijjkkkllllllllll");
	ck_assert_str_eq(fold("ŃńŅņŇňŉŊŋŌōŎŏŐő"), "nnnnnnnnnoooooo");
	ck_assert_str_eq(fold("ŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧ"), "rrrrrrsssssssstttttt");
	ck_assert_str_eq(fold("ŨũŪūŬŭŮůŰűŲųŴŵŶŷŹźŻżŽžſ"), "uuuuuuuuuuuuwwyyzzzzzzs");
}
END_TEST

START_TEST(text_fold_ligatures)
{
	ck_assert_str_eq(fold("D'ÆION"), "d aeion");
	ck_assert_str_eq(fold("CŒUR"), "coeur");
	ck_assert_str_eq(fold("cœur æ"), "coeur ae");
	ck_assert_str_eq(fold("Strauß"), "strauss");
	ck_assert_str_eq(fold("ÞÓR þ"), "thor th");
	ck_assert_str_eq(fold("Ĳssel ĳ"), "ijssel ij");
}
END_TEST

START_TEST(text_fold_separators)
{
	/* Apostrophes ' ’ ‘ ʼ, hyphens - ‐ ‑ – and runs of spaces: one space. */
	ck_assert_str_eq(fold("D'ARTAGNAN DE L'HERAULT"), "d artagnan de l herault");
	ck_assert_str_eq(fold("D’Artagnan"), "d artagnan");
	ck_assert_str_eq(fold("D\xca\xbc" "Artagnan"), "d artagnan");
	ck_assert_str_eq(fold("Jean-Pierre"), "jean pierre");
	ck_assert_str_eq(fold("Jean\xe2\x80\x90Pierre"), "jean pierre");
	ck_assert_str_eq(fold("Jean\xe2\x80\x91Pierre"), "jean pierre");
	ck_assert_str_eq(fold("Jean\xe2\x80\x93Pierre"), "jean pierre");
	ck_assert_str_eq(fold("Jean -- Pierre"), "jean pierre");
	ck_assert_str_eq(fold("  Jean   Pierre  "), "jean pierre");
	ck_assert_str_eq(fold("\tJean\n\tPierre\r\n"), "jean pierre");
	ck_assert_str_eq(fold("Jean\xc2\xa0Pierre"), "jean pierre"); /* no-break space */
	ck_assert_str_eq(fold("'-’ -"), "");
	ck_assert_str_eq(fold("-Dupont-"), "dupont");
}
END_TEST

START_TEST(text_fold_punctuation_digits)
{
	ck_assert_str_eq(fold("Dupont (née Durand)."), "dupont nee durand");
	ck_assert_str_eq(fold("St.Jean"), "stjean");
	ck_assert_str_eq(fold("«Zoé»"), "zoe");
	ck_assert_str_eq(fold("12, rue de la Paix"), "12 rue de la paix");
	ck_assert_str_eq(fold("31/12/1975"), "31121975");
	ck_assert_str_eq(fold("× ÷ ° € ½"), "");
	ck_assert_str_eq(fold("Ωmega 日本 x"), "mega x");
	ck_assert_str_eq(fold("a😀b"), "ab");
	ck_assert_str_eq(fold(""), "");
	ck_assert_str_eq(fold(NULL), "");
}
END_TEST

START_TEST(text_fold_invalid_utf8)
{
	ck_assert_str_eq(fold("ab\xff" "cd"), "abcd");
	ck_assert_str_eq(fold("Zo\xe9"), "zo");            /* Latin-1 byte, not UTF-8 */
	ck_assert_str_eq(fold("abc\xc3"), "abc");          /* truncated sequence at the end */
	ck_assert_str_eq(fold("a\xc3" "b"), "ab");         /* lead byte without continuation */
	ck_assert_str_eq(fold("a\xc0\xaf" "b"), "ab");     /* overlong '/' */
	ck_assert_str_eq(fold("a\xed\xa0\x80" "b"), "ab"); /* surrogate */
	ck_assert_str_eq(fold("a\x80\x80" "b"), "ab");     /* stray continuation bytes */
	ck_assert_str_eq(fold("a\xf4\x90\x80\x80" "b"), "ab"); /* beyond U+10FFFF */
}
END_TEST

START_TEST(text_fold_truncation)
{
	char out[16];

	memset(out, 'x', sizeof out);
	ck_assert_uint_eq(text_fold("Éléonore", out, 4), 3);
	ck_assert_str_eq(out, "ele");
	/* An expansion is never cut in half. */
	ck_assert_uint_eq(text_fold("Æ", out, 2), 0);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(text_fold("aß", out, 3), 1);
	ck_assert_str_eq(out, "a");
	ck_assert_uint_eq(text_fold("aß", out, 4), 3);
	ck_assert_str_eq(out, "ass");
	/* No trailing space when the next word does not fit. */
	ck_assert_uint_eq(text_fold("a bc", out, 3), 1);
	ck_assert_str_eq(out, "a");
	ck_assert_uint_eq(text_fold("a bc", out, 4), 3);
	ck_assert_str_eq(out, "a b");
	/* Size 1: just the terminator; size 0: nothing touched. */
	ck_assert_uint_eq(text_fold("abc", out, 1), 0);
	ck_assert_str_eq(out, "");
	out[0] = 'x';
	ck_assert_uint_eq(text_fold("abc", out, 0), 0);
	ck_assert_int_eq(out[0], 'x');
	ck_assert_uint_eq(text_fold("abc", NULL, 0), 0);
	/* Exact fit */
	ck_assert_uint_eq(text_fold("abc", out, 4), 3);
	ck_assert_str_eq(out, "abc");
}
END_TEST

static const char *ascii(const char *in)
{
	static char buf[256];

	text_to_ascii(in, buf, sizeof buf);
	return buf;
}

START_TEST(text_ascii_translit)
{
	ck_assert_str_eq(ascii("Élève Éloïse"), "Eleve Eloise");
	ck_assert_str_eq(ascii("Œuvre œil Æ æ"), "OEuvre oeil AE ae");
	ck_assert_str_eq(ascii("CŒUR"), "COEUR");
	ck_assert_str_eq(ascii("Straße"), "Strasse");
	ck_assert_str_eq(ascii("ŁÓDŹ łódź Ÿ ÿ"), "LODZ lodz Y y");
	ck_assert_str_eq(ascii("«Bonjour»"), "\"Bonjour\"");
	ck_assert_str_eq(ascii("« Bonjour »"), "\" Bonjour \"");
	ck_assert_str_eq(ascii("l’été"), "l'ete");
	ck_assert_str_eq(ascii("“guillemets”"), "\"guillemets\"");
	ck_assert_str_eq(ascii("Jean\xe2\x80\x93Pierre"), "Jean-Pierre");
	ck_assert_str_eq(ascii("Attendez…"), "Attendez...");
	ck_assert_str_eq(ascii("10\xc2\xa0€"), "10 EUR");
	ck_assert_str_eq(ascii("Plain ASCII 123 !?"), "Plain ASCII 123 !?");
	/* INS comparison markers stay distinct: different "!" and missing "?" */
	ck_assert_str_eq(ascii("= ≠ ?"), "= ! ?");
	ck_assert_str_eq(ascii(""), "");
	ck_assert_str_eq(ascii(NULL), "");
}
END_TEST

START_TEST(text_ascii_unknown)
{
	ck_assert_str_eq(ascii("日本"), "??");
	ck_assert_str_eq(ascii("a😀b"), "a?b");
	ck_assert_str_eq(ascii("Ωmega"), "?mega");
	ck_assert_str_eq(ascii("a\xff" "b"), "a?b");
	ck_assert_str_eq(ascii("Zo\xe9"), "Zo?");
	/* Terminal controls are not passed through; newline and tab are. */
	ck_assert_str_eq(ascii("a\x1b[2Jb"), "a?[2Jb");
	ck_assert_str_eq(ascii("a\x7f" "b"), "a?b");
	ck_assert_str_eq(ascii("a\nb\tc"), "a\nb\tc");
}
END_TEST

START_TEST(text_ascii_truncation)
{
	char out[8];

	ck_assert_uint_eq(text_to_ascii("Œuvre", out, 2), 0);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(text_to_ascii("aŒ", out, 3), 1);
	ck_assert_str_eq(out, "a");
	ck_assert_uint_eq(text_to_ascii("aŒ", out, 4), 3);
	ck_assert_str_eq(out, "aOE");
	ck_assert_uint_eq(text_to_ascii("Élodie Dupont", out, sizeof out), 7);
	ck_assert_str_eq(out, "Elodie ");
	out[0] = 'x';
	ck_assert_uint_eq(text_to_ascii("abc", out, 0), 0);
	ck_assert_int_eq(out[0], 'x');
}
END_TEST

START_TEST(text_utf8_len_valid)
{
	ck_assert_uint_eq(text_utf8_len("héllo"), 5);
	ck_assert_uint_eq(text_utf8_len(""), 0);
	ck_assert_uint_eq(text_utf8_len(NULL), 0);
	ck_assert_uint_eq(text_utf8_len("日本"), 2);
	ck_assert_uint_eq(text_utf8_len("😀"), 1);
	ck_assert_uint_eq(text_utf8_len("a\xff" "b"), 3);
	ck_assert_uint_eq(text_utf8_len("\xe6\x97"), 2); /* truncated: two invalid bytes */

	ck_assert_int_eq(text_utf8_valid(""), 1);
	ck_assert_int_eq(text_utf8_valid("Élodie cœur 日本 😀"), 1);
	ck_assert_int_eq(text_utf8_valid(NULL), 0);
	ck_assert_int_eq(text_utf8_valid("\xff"), 0);
	ck_assert_int_eq(text_utf8_valid("\x80"), 0);
	ck_assert_int_eq(text_utf8_valid("ab\xc3"), 0);
	ck_assert_int_eq(text_utf8_valid("\xc0\xaf"), 0);
	ck_assert_int_eq(text_utf8_valid("\xe0\x80\xaf"), 0);
	ck_assert_int_eq(text_utf8_valid("\xed\xa0\x80"), 0);
	ck_assert_int_eq(text_utf8_valid("\xf4\x90\x80\x80"), 0);
	ck_assert_int_eq(text_utf8_valid("\xf4\x8f\xbf\xbf"), 1); /* U+10FFFF */
}
END_TEST

START_TEST(text_utf8_next_decode)
{
	size_t len;

	ck_assert_int_eq(text_utf8_next("A", &len), 'A');
	ck_assert_uint_eq(len, 1);
	ck_assert_int_eq(text_utf8_next("é", &len), 0xE9);
	ck_assert_uint_eq(len, 2);
	ck_assert_int_eq(text_utf8_next("’", &len), 0x2019);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(text_utf8_next("😀", &len), 0x1F600);
	ck_assert_uint_eq(len, 4);
	ck_assert_int_eq(text_utf8_next("", &len), 0);
	ck_assert_uint_eq(len, 0);
	ck_assert_int_eq(text_utf8_next("\xc3(", &len), -1);
	ck_assert_uint_eq(len, 1);

	ck_assert_int_eq(text_is_latin_letter('A'), 1);
	ck_assert_int_eq(text_is_latin_letter('z'), 1);
	ck_assert_int_eq(text_is_latin_letter(0xC0), 1);
	ck_assert_int_eq(text_is_latin_letter(0x17F), 1);
	ck_assert_int_eq(text_is_latin_letter(0x153), 1);
	ck_assert_int_eq(text_is_latin_letter(0xD7), 0); /* × */
	ck_assert_int_eq(text_is_latin_letter(0xF7), 0); /* ÷ */
	ck_assert_int_eq(text_is_latin_letter(0xBF), 0);
	ck_assert_int_eq(text_is_latin_letter(0x180), 0);
	ck_assert_int_eq(text_is_latin_letter('1'), 0);
	ck_assert_int_eq(text_is_latin_letter('-'), 0);
	ck_assert_int_eq(text_is_latin_letter(-1), 0);
}
END_TEST

static const char *trim(const char *in)
{
	static char buf[64];

	text_trim_spaces(in, buf, sizeof buf);
	return buf;
}

START_TEST(text_trim)
{
	char out[8];

	ck_assert_str_eq(trim("  Jean   Pierre  "), "Jean Pierre");
	ck_assert_str_eq(trim("\tJean\n Pierre\r"), "Jean Pierre");
	ck_assert_str_eq(trim("Zoé"), "Zoé");
	ck_assert_str_eq(trim("   "), "");
	ck_assert_str_eq(trim(""), "");
	ck_assert_str_eq(trim(NULL), "");
	/* Punctuation is kept: only spaces are touched. */
	ck_assert_str_eq(trim(" D' Artagnan - x "), "D' Artagnan - x");
	ck_assert_uint_eq(text_trim_spaces("aé", out, 3), 1);
	ck_assert_str_eq(out, "a");
	ck_assert_uint_eq(text_trim_spaces("a b", out, 2), 1);
	ck_assert_str_eq(out, "a");
	ck_assert_uint_eq(text_trim_spaces("  ab  ", out, 3), 2);
	ck_assert_str_eq(out, "ab");
	out[0] = 'x';
	ck_assert_uint_eq(text_trim_spaces("ab", out, 0), 0);
	ck_assert_int_eq(out[0], 'x');
}
END_TEST

static const char *upper(const char *in)
{
	static char buf[128];

	text_upper(in, buf, sizeof buf);
	return buf;
}

START_TEST(identity_status_after_edit)
{
	unsigned fx;
	struct id_edit e = { .old_status = ID_PROVISOIRE };

	/* A document seen: provisoire -> validée; récupérée -> qualifiée. */
	e.doc_after = e.doc_changed = 1;
	ck_assert_int_eq(id_status_after_edit(&e, &fx), ID_VALIDEE);
	ck_assert_uint_eq(fx, 0);
	e = (struct id_edit){ .old_status = ID_RECUPEREE, .has_ins = 1, .doc_after = 1,
			      .doc_changed = 1 };
	ck_assert_int_eq(id_status_after_edit(&e, &fx), ID_QUALIFIEE);
	/* Document removed: qualifiée -> récupérée, validée -> provisoire. */
	e = (struct id_edit){ .old_status = ID_QUALIFIEE, .has_ins = 1, .doc_before = 1,
			      .doc_changed = 1 };
	ck_assert_int_eq(id_status_after_edit(&e, &fx), ID_RECUPEREE);
	e = (struct id_edit){ .old_status = ID_VALIDEE, .doc_before = 1, .doc_changed = 1 };
	ck_assert_int_eq(id_status_after_edit(&e, &fx), ID_PROVISOIRE);
	/* Douteuse: provisoire, INS and document dropped (RNIV). */
	e = (struct id_edit){ .old_status = ID_QUALIFIEE, .has_ins = 1, .doc_before = 1,
			      .doc_after = 1, .attrs = ID_ATTR_DOUTEUSE };
	ck_assert_int_eq(id_status_after_edit(&e, &fx), ID_PROVISOIRE);
	ck_assert_uint_eq(fx, ID_EDIT_DROP_INS | ID_EDIT_DROP_DOC);
	/* A strict trait changed on a validée identity without a new check: back to
	 * provisoire, document dropped. */
	e = (struct id_edit){ .old_status = ID_VALIDEE, .strict_changed = 1, .doc_before = 1,
			      .doc_after = 1 };
	ck_assert_int_eq(id_status_after_edit(&e, &fx), ID_PROVISOIRE);
	ck_assert_uint_eq(fx, ID_EDIT_DROP_DOC);
	/* ... but if the document was entered again in the same edit, it stays validée. */
	e.doc_changed = 1;
	ck_assert_int_eq(id_status_after_edit(&e, &fx), ID_VALIDEE);
	ck_assert_uint_eq(fx, 0);
	/* Contact changes only: nothing moves. */
	e = (struct id_edit){ .old_status = ID_QUALIFIEE, .has_ins = 1, .doc_before = 1,
			      .doc_after = 1 };
	ck_assert_int_eq(id_status_after_edit(&e, &fx), ID_QUALIFIEE);
	ck_assert_uint_eq(fx, 0);
	/* Homonyme changes nothing either. */
	e.attrs = ID_ATTR_HOMONYME;
	ck_assert_int_eq(id_status_after_edit(&e, &fx), ID_QUALIFIEE);
}
END_TEST

/* RNIV (DOMAIN.md §1): douteuse on any status demotes to provisoire and invalidates the INS
 * and the validation; combined with homonyme it does the same. */
START_TEST(identity_douteuse_demotes)
{
	static const struct {
		enum id_status from;
		int has_ins, doc;
		unsigned effects;
	} cases[] = {
		{ ID_QUALIFIEE, 1, 1, ID_EDIT_DROP_INS | ID_EDIT_DROP_DOC },
		{ ID_RECUPEREE, 1, 0, ID_EDIT_DROP_INS },
		{ ID_VALIDEE, 0, 1, ID_EDIT_DROP_DOC },
		{ ID_PROVISOIRE, 0, 0, 0 },
		/* A matricule recorded on a provisoire identity is invalidated too. */
		{ ID_PROVISOIRE, 1, 0, ID_EDIT_DROP_INS },
	};
	size_t i;
	unsigned attrs[] = { ID_ATTR_DOUTEUSE, ID_ATTR_DOUTEUSE | ID_ATTR_HOMONYME };
	size_t a;

	for (a = 0; a < sizeof attrs / sizeof attrs[0]; a++) {
		for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			unsigned fx = 0xff;
			struct id_edit e = { .old_status = cases[i].from, .has_ins = cases[i].has_ins,
					     .doc_before = cases[i].doc, .doc_after = cases[i].doc,
					     .attrs = attrs[a] };
			enum id_status st = id_status_after_edit(&e, &fx);

			ck_assert_msg(st == ID_PROVISOIRE, "case %zu attrs %u: status %d", i, attrs[a],
				      st);
			ck_assert_msg(fx == cases[i].effects, "case %zu attrs %u: effects %u", i,
				      attrs[a], fx);
			/* The result is a combination the rules allow. */
			ck_assert_int_eq(id_check_attributes(st, attrs[a], NULL), 0);
		}
	}
	/* Fictive does not demote: on a higher status the combination is refused at save. */
	{
		unsigned fx;
		struct id_edit e = { .old_status = ID_QUALIFIEE, .has_ins = 1, .doc_before = 1,
				     .doc_after = 1, .attrs = ID_ATTR_FICTIVE };
		enum id_status st = id_status_after_edit(&e, &fx);

		ck_assert_int_eq(st, ID_QUALIFIEE);
		ck_assert_int_eq(id_check_attributes(st, ID_ATTR_FICTIVE, NULL), -1);
		e.attrs = ID_ATTR_FICTIVE | ID_ATTR_DOUTEUSE;
		st = id_status_after_edit(&e, &fx);
		ck_assert_int_eq(id_check_attributes(st, e.attrs, NULL), -1);
	}
	/* Homonyme alone keeps every status. */
	for (i = ID_PROVISOIRE; i <= ID_QUALIFIEE; i++) {
		unsigned fx;
		int ins = i == ID_RECUPEREE || i == ID_QUALIFIEE;
		int doc = i == ID_VALIDEE || i == ID_QUALIFIEE;
		struct id_edit e = { .old_status = (enum id_status)i, .has_ins = ins,
				     .doc_before = doc, .doc_after = doc,
				     .attrs = ID_ATTR_HOMONYME };

		ck_assert_int_eq(id_status_after_edit(&e, &fx), (int)i);
		ck_assert_uint_eq(fx, 0);
		ck_assert_int_eq(id_check_attributes((enum id_status)i, ID_ATTR_HOMONYME, NULL), 0);
	}
}
END_TEST

START_TEST(text_capitalize_first_names)
{
	char out[64];

	text_capitalize("jean-PIERRE", out, sizeof out);
	ck_assert_str_eq(out, "Jean-Pierre");
	text_capitalize("d'ARC", out, sizeof out);
	ck_assert_str_eq(out, "D'Arc");
	text_capitalize("élodie marie", out, sizeof out);
	ck_assert_str_eq(out, "Élodie Marie");
	text_capitalize("ŒUVRE", out, sizeof out);
	ck_assert_str_eq(out, "Œuvre");
	text_capitalize("ZOÉ", out, sizeof out);
	ck_assert_str_eq(out, "Zoé");
	/* Too small: cut at a character boundary, never inside "é". */
	text_capitalize("zoé", out, 4);
	ck_assert_str_eq(out, "Zo");
}
END_TEST

START_TEST(text_upper_names)
{
	char out[8];

	ck_assert_str_eq(upper("élodie"), "ÉLODIE");
	ck_assert_str_eq(upper("cœur d'æion"), "CŒUR D'ÆION");
	ck_assert_str_eq(upper("àâäçèéêëîïôöùûüÿ"), "ÀÂÄÇÈÉÊËÎÏÔÖÙÛÜŸ");
	ck_assert_str_eq(upper("łódź žŋ ĺľ ő ŷ"), "ŁÓDŹ ŽŊ ĹĽ Ő Ŷ");
	ck_assert_str_eq(upper("ı ſ"), "I S");
	ck_assert_str_eq(upper("ÉLODIE"), "ÉLODIE");
	ck_assert_str_eq(upper("straße"), "STRAßE"); /* no single upper-case ß in names */
	ck_assert_str_eq(upper("÷ × 日本 1-2"), "÷ × 日本 1-2");
	ck_assert_str_eq(upper("a\xff" "b"), "A\xff" "B");
	ck_assert_str_eq(upper(""), "");
	ck_assert_str_eq(upper(NULL), "");
	ck_assert_uint_eq(text_upper("éa", out, 2), 0);
	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(text_upper("éa", out, 3), 2);
	ck_assert_str_eq(out, "É");
	ck_assert_uint_eq(text_upper("éa", out, 4), 3);
	ck_assert_str_eq(out, "ÉA");
}
END_TEST

/* ---------------------------------------------------------------- dates */

START_TEST(date_valid_calendar)
{
	ck_assert_int_eq(date_valid(2000, 2, 29), 1); /* divisible by 400 */
	ck_assert_int_eq(date_valid(1900, 2, 29), 0); /* divisible by 100 */
	ck_assert_int_eq(date_valid(2100, 2, 29), 0);
	ck_assert_int_eq(date_valid(2400, 2, 29), 1);
	ck_assert_int_eq(date_valid(2004, 2, 29), 1);
	ck_assert_int_eq(date_valid(2023, 2, 29), 0);
	ck_assert_int_eq(date_valid(2023, 2, 28), 1);
	ck_assert_int_eq(date_valid(2023, 4, 31), 0);
	ck_assert_int_eq(date_valid(2023, 4, 30), 1);
	ck_assert_int_eq(date_valid(2023, 12, 31), 1);
	ck_assert_int_eq(date_valid(2023, 1, 32), 0);
	ck_assert_int_eq(date_valid(2023, 0, 1), 0);
	ck_assert_int_eq(date_valid(2023, 13, 1), 0);
	ck_assert_int_eq(date_valid(2023, 1, 0), 0);
	ck_assert_int_eq(date_valid(2023, -1, 1), 0);
	ck_assert_int_eq(date_valid(0, 1, 1), 0);
	ck_assert_int_eq(date_valid(10000, 1, 1), 0);
}
END_TEST

static int parse_fr(const char *s, int y, int m, int d)
{
	struct ymd r;
	int rc = date_parse_fr(s, &r);

	return rc == DATE_OK && r.y == y && r.m == m && r.d == d;
}

START_TEST(date_parse_fr_forms)
{
	ck_assert(parse_fr("31/12/1975", 1975, 12, 31));
	ck_assert(parse_fr("31-12-1975", 1975, 12, 31));
	ck_assert(parse_fr("31.12.1975", 1975, 12, 31));
	ck_assert(parse_fr("31121975", 1975, 12, 31));
	ck_assert(parse_fr("1/2/1975", 1975, 2, 1));
	ck_assert(parse_fr("01/02/1975", 1975, 2, 1));
	ck_assert(parse_fr(" 31/12/1975 ", 1975, 12, 31));
	ck_assert(parse_fr("29/02/2000", 2000, 2, 29));
	ck_assert(parse_fr("29022000", 2000, 2, 29));
}
END_TEST

START_TEST(date_parse_fr_errors)
{
	struct ymd r = { 1, 1, 1 };

	ck_assert_int_eq(date_parse_fr("29/02/1900", &r), DATE_ERR_INVALID);
	ck_assert_int_eq(r.y, 0); /* nothing half-parsed left behind */
	ck_assert_int_eq(date_parse_fr("31/02/2000", &r), DATE_ERR_INVALID);
	ck_assert_int_eq(date_parse_fr("29/02/2023", &r), DATE_ERR_INVALID);
	ck_assert_int_eq(date_parse_fr("00/01/2000", &r), DATE_ERR_INVALID);
	ck_assert_int_eq(date_parse_fr("31/13/2000", &r), DATE_ERR_INVALID);
	ck_assert_int_eq(date_parse_fr("31/00/2000", &r), DATE_ERR_INVALID);
	ck_assert_int_eq(date_parse_fr("31129999", &r), DATE_OK); /* validity, not plausibility */
	ck_assert_int_eq(date_parse_fr("32132000", &r), DATE_ERR_INVALID);

	ck_assert_int_eq(date_parse_fr("31/12/75", &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_fr("311275", &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_fr("3112197", &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_fr("311219755", &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_fr("31/12-1975", &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_fr("31/12/19755", &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_fr("31/12/1975x", &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_fr("123/12/1975", &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_fr("31//1975", &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_fr("/12/1975", &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_fr("31 12 1975", &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_fr("1975-12-31", &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_fr("abc", &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_fr("", &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_fr("   ", &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_fr(NULL, &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_fr("31/12/1975", NULL), DATE_OK);
}
END_TEST

START_TEST(date_parse_iso_forms)
{
	struct ymd r;

	ck_assert_int_eq(date_parse_iso("1975-12-31", &r), DATE_OK);
	ck_assert_int_eq(r.y, 1975);
	ck_assert_int_eq(r.m, 12);
	ck_assert_int_eq(r.d, 31);
	ck_assert_int_eq(date_parse_iso("2000-02-29", &r), DATE_OK);
	ck_assert_int_eq(date_parse_iso("1900-02-29", &r), DATE_ERR_INVALID);
	ck_assert_int_eq(date_parse_iso("1975-02-30", &r), DATE_ERR_INVALID);
	ck_assert_int_eq(date_parse_iso("1975-13-01", &r), DATE_ERR_INVALID);
	ck_assert_int_eq(date_parse_iso("0000-01-01", &r), DATE_ERR_INVALID);
	ck_assert_int_eq(date_parse_iso("1975-12-31T10:00", &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_iso("1975/12/31", &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_iso("75-12-31", &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_iso("1975-1-31", &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_iso(" 1975-12-31", &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_iso("31/12/1975", &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_iso("", &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_iso("1975", &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_iso(NULL, &r), DATE_ERR_FORMAT);
	ck_assert_int_eq(date_parse_iso("1975-12-31", NULL), DATE_OK);
}
END_TEST

START_TEST(date_birth_checks)
{
	struct ymd today = { 2024, 5, 10 };
	struct ymd d;

	d = (struct ymd){ 2024, 5, 10 };
	ck_assert_int_eq(date_check_birth(&d, &today), DATE_OK); /* born today */
	d = (struct ymd){ 2024, 5, 11 };
	ck_assert_int_eq(date_check_birth(&d, &today), DATE_ERR_FUTURE);
	d = (struct ymd){ 2025, 1, 1 };
	ck_assert_int_eq(date_check_birth(&d, &today), DATE_ERR_FUTURE);
	d = (struct ymd){ 2024, 6, 1 };
	ck_assert_int_eq(date_check_birth(&d, &today), DATE_ERR_FUTURE);
	d = (struct ymd){ 1850, 1, 1 };
	ck_assert_int_eq(date_check_birth(&d, &today), DATE_OK);
	d = (struct ymd){ 1849, 12, 31 };
	ck_assert_int_eq(date_check_birth(&d, &today), DATE_ERR_TOO_OLD);
	d = (struct ymd){ 1900, 2, 29 };
	ck_assert_int_eq(date_check_birth(&d, &today), DATE_ERR_INVALID);
	d = (struct ymd){ 2030, 1, 1 };
	ck_assert_int_eq(date_check_birth(&d, NULL), DATE_OK); /* no reference: no future check */
	ck_assert_int_eq(date_check_birth(NULL, &today), DATE_ERR_INVALID);
}
END_TEST

START_TEST(date_formatting)
{
	struct ymd d = { 1975, 1, 2 };
	char buf[32], small[6];

	date_to_iso(&d, buf, sizeof buf);
	ck_assert_str_eq(buf, "1975-01-02");
	date_to_fr(&d, buf, sizeof buf);
	ck_assert_str_eq(buf, "02/01/1975");
	d = (struct ymd){ 5, 3, 7 };
	date_to_iso(&d, buf, sizeof buf);
	ck_assert_str_eq(buf, "0005-03-07");
	date_to_fr(&d, small, sizeof small);
	ck_assert_str_eq(small, "07/03");
	date_to_iso(NULL, buf, sizeof buf);
	ck_assert_str_eq(buf, "");
	date_to_fr(NULL, buf, sizeof buf);
	ck_assert_str_eq(buf, "");
	buf[0] = 'x';
	date_to_iso(&d, buf, 0);
	date_to_fr(&d, buf, 0);
	ck_assert_int_eq(buf[0], 'x');

	date_iso_to_fr("1975-12-31", buf, sizeof buf);
	ck_assert_str_eq(buf, "31/12/1975");
	date_iso_to_fr("bonjour", buf, sizeof buf);
	ck_assert_str_eq(buf, "bonjour");
	date_iso_to_fr("31/12/1975", buf, sizeof buf);
	ck_assert_str_eq(buf, "31/12/1975");
	date_iso_to_fr("1975-12-31T10:00", buf, sizeof buf);
	ck_assert_str_eq(buf, "1975-12-31T10:00");
	date_iso_to_fr("", buf, sizeof buf);
	ck_assert_str_eq(buf, "");
	date_iso_to_fr(NULL, buf, sizeof buf);
	ck_assert_str_eq(buf, "");
	date_iso_to_fr("1975-12-31", small, sizeof small);
	ck_assert_str_eq(small, "31/12");
	date_iso_to_fr("a long text", small, sizeof small);
	ck_assert_str_eq(small, "a lon");
}
END_TEST

START_TEST(date_ages)
{
	struct ymd b = { 1975, 12, 31 }, at;

	at = (struct ymd){ 2024, 12, 30 };
	ck_assert_int_eq(date_age_years(&b, &at), 48);
	at = (struct ymd){ 2024, 12, 31 };
	ck_assert_int_eq(date_age_years(&b, &at), 49);
	at = (struct ymd){ 1975, 12, 31 };
	ck_assert_int_eq(date_age_years(&b, &at), 0);
	at = (struct ymd){ 1975, 12, 30 };
	ck_assert_int_eq(date_age_years(&b, &at), -1);
	b = (struct ymd){ 2000, 2, 29 };
	at = (struct ymd){ 2001, 2, 28 };
	ck_assert_int_eq(date_age_years(&b, &at), 0);
	at = (struct ymd){ 2001, 3, 1 };
	ck_assert_int_eq(date_age_years(&b, &at), 1);
	at = (struct ymd){ 2004, 2, 29 };
	ck_assert_int_eq(date_age_years(&b, &at), 4);
	b = (struct ymd){ 1980, 6, 15 };
	at = (struct ymd){ 2024, 6, 14 };
	ck_assert_int_eq(date_age_years(&b, &at), 43);
	at = (struct ymd){ 2024, 5, 20 };
	ck_assert_int_eq(date_age_years(&b, &at), 43);
	at = (struct ymd){ 2024, 7, 1 };
	ck_assert_int_eq(date_age_years(&b, &at), 44);
	ck_assert_int_eq(date_age_years(NULL, &at), -1);
	ck_assert_int_eq(date_age_years(&b, NULL), -1);
}
END_TEST

START_TEST(date_strerror_all)
{
	int codes[] = { DATE_ERR_FORMAT, DATE_ERR_INVALID, DATE_ERR_FUTURE, DATE_ERR_TOO_OLD };
	size_t i, j;

	for (i = 0; i < 4; i++) {
		ck_assert_int_gt(strlen(date_strerror(codes[i])), 5);
		ck_assert(text_utf8_valid(date_strerror(codes[i])));
		for (j = 0; j < i; j++)
			ck_assert_str_ne(date_strerror(codes[i]), date_strerror(codes[j]));
	}
	ck_assert_str_eq(date_strerror(DATE_ERR_FORMAT), "Format de date attendu : JJ/MM/AAAA");
	ck_assert_ptr_nonnull(date_strerror(DATE_OK));
	ck_assert_ptr_nonnull(date_strerror(-99));
}
END_TEST

static int dq(const char *token, enum date_query_kind kind, int y, int m, int d)
{
	struct date_query q;
	enum date_query_kind k = date_query_parse(token, &q);

	return k == kind && q.kind == kind && q.y == y && q.m == m && q.d == d;
}

START_TEST(date_query_forms)
{
	ck_assert(dq("31/12/1975", DATEQ_FULL, 1975, 12, 31));
	ck_assert(dq("31-12-1975", DATEQ_FULL, 1975, 12, 31));
	ck_assert(dq("31.12.1975", DATEQ_FULL, 1975, 12, 31));
	ck_assert(dq("1/2/1975", DATEQ_FULL, 1975, 2, 1));
	ck_assert(dq("1975-12-31", DATEQ_FULL, 1975, 12, 31));
	ck_assert(dq("29/02/2000", DATEQ_FULL, 2000, 2, 29));
	ck_assert(dq("31/12", DATEQ_DAY_MONTH, 0, 12, 31));
	ck_assert(dq("29/02", DATEQ_DAY_MONTH, 0, 2, 29));
	ck_assert(dq("1/2", DATEQ_DAY_MONTH, 0, 2, 1));
	ck_assert(dq("31/1", DATEQ_DAY_MONTH, 0, 1, 31)); /* "31/12" being typed */
	ck_assert(dq("31/12/", DATEQ_DAY_MONTH, 0, 12, 31));
	ck_assert(dq("31/12/19", DATEQ_DAY_MONTH, 0, 12, 31));
	ck_assert(dq("12/1975", DATEQ_MONTH_YEAR, 1975, 12, 0));
	ck_assert(dq("1-1975", DATEQ_MONTH_YEAR, 1975, 1, 0));
	ck_assert(dq("1975", DATEQ_YEAR, 1975, 0, 0));
	ck_assert(dq("1850", DATEQ_YEAR, 1850, 0, 0));
	ck_assert(dq("2199", DATEQ_YEAR, 2199, 0, 0));
}
END_TEST

START_TEST(date_query_not_dates)
{
	struct date_query q = { DATEQ_FULL, 1, 1, 1 };

	ck_assert(dq("1849", DATEQ_NONE, 0, 0, 0));
	ck_assert(dq("2200", DATEQ_NONE, 0, 0, 0));
	ck_assert(dq("197", DATEQ_NONE, 0, 0, 0));
	ck_assert(dq("12345", DATEQ_NONE, 0, 0, 0));    /* NIR prefix */
	ck_assert(dq("31121975", DATEQ_NONE, 0, 0, 0)); /* digits only: NIR prefix too */
	ck_assert(dq("31/13", DATEQ_NONE, 0, 0, 0));
	ck_assert(dq("32/12", DATEQ_NONE, 0, 0, 0));
	ck_assert(dq("30/02", DATEQ_NONE, 0, 0, 0));
	ck_assert(dq("0/12", DATEQ_NONE, 0, 0, 0));
	ck_assert(dq("29/02/1900", DATEQ_NONE, 0, 0, 0));
	ck_assert(dq("31/04/1975", DATEQ_NONE, 0, 0, 0));
	ck_assert(dq("31/12/19755", DATEQ_NONE, 0, 0, 0));
	ck_assert(dq("13/1975", DATEQ_NONE, 0, 0, 0));
	ck_assert(dq("12/1849", DATEQ_NONE, 0, 0, 0));
	ck_assert(dq("12/19", DATEQ_NONE, 0, 0, 0));
	ck_assert(dq("31/12-1975", DATEQ_NONE, 0, 0, 0));
	ck_assert(dq("1975/12/31", DATEQ_NONE, 0, 0, 0));
	ck_assert(dq("1975-02-30", DATEQ_NONE, 0, 0, 0));
	ck_assert(dq("31/", DATEQ_NONE, 0, 0, 0));
	ck_assert(dq("/12", DATEQ_NONE, 0, 0, 0));
	ck_assert(dq("31/12/1975/", DATEQ_NONE, 0, 0, 0));
	ck_assert(dq("dupont", DATEQ_NONE, 0, 0, 0));
	ck_assert(dq("12a", DATEQ_NONE, 0, 0, 0));
	ck_assert(dq("", DATEQ_NONE, 0, 0, 0));
	ck_assert_int_eq(date_query_parse(NULL, &q), DATEQ_NONE);
	ck_assert_int_eq(q.kind, DATEQ_NONE);
	ck_assert_int_eq(q.y, 0);
	ck_assert_int_eq(date_query_parse("31/12/1975", NULL), DATEQ_FULL);
}
END_TEST

/* ---------------------------------------------------------------- COG */

START_TEST(cog_valid_codes)
{
	ck_assert_int_eq(cog_classify("63220"), COG_COMMUNE);
	ck_assert_int_eq(cog_classify("75056"), COG_COMMUNE);
	ck_assert_int_eq(cog_classify("01001"), COG_COMMUNE);
	ck_assert_int_eq(cog_classify("2A004"), COG_COMMUNE); /* Ajaccio */
	ck_assert_int_eq(cog_classify("2B033"), COG_COMMUNE); /* Bastia */
	ck_assert_int_eq(cog_classify("2B020"), COG_COMMUNE);
	ck_assert_int_eq(cog_classify("97411"), COG_COMMUNE);
	ck_assert_int_eq(cog_classify("98735"), COG_COMMUNE);
	ck_assert_int_eq(cog_classify("99100"), COG_FOREIGN);
	ck_assert_int_eq(cog_classify("99352"), COG_FOREIGN);
	ck_assert_int_eq(cog_classify("99999"), COG_UNKNOWN); /* DOMAIN.md §1: unknown place */
	ck_assert_str_eq(cog_explain_invalid("63220"), "");
	ck_assert_str_eq(cog_explain_invalid("99999"), "");
}
END_TEST

START_TEST(cog_invalid_codes)
{
	const char *bad[] = { "2a004", "2b033", "2C004", "A2004", "3A004",
			      "6322",  "632200", " 63220", "63220 ", "63 20", "6322O", "",
			      "00100", "75000", "2A000", "63-20", "６３２２０" };
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *why = cog_explain_invalid(bad[i]);

		ck_assert_msg(cog_classify(bad[i]) == COG_INVALID, "\"%s\" accepted", bad[i]);
		ck_assert_msg(why != NULL && strlen(why) > 10, "no reason for \"%s\"", bad[i]);
		ck_assert(text_utf8_valid(why));
	}
	ck_assert_int_eq(cog_classify(NULL), COG_INVALID);
	ck_assert_int_gt(strlen(cog_explain_invalid(NULL)), 10);
}
END_TEST

START_TEST(cog_messages)
{
	/* Corsica before 1976 (20xxx) is a valid shape; the date is checked by id_validate. */
	ck_assert_int_eq(cog_classify("20004"), COG_COMMUNE);
	ck_assert_str_eq(cog_explain_invalid("20004"), "");
	ck_assert_ptr_nonnull(strstr(cog_explain_invalid("2a004"), "majuscules"));
	ck_assert_ptr_nonnull(strstr(cog_explain_invalid("6322"), "5 caractères"));
	ck_assert_ptr_nonnull(strstr(cog_explain_invalid(" 63220"), "espace"));
	ck_assert_ptr_nonnull(strstr(cog_explain_invalid("6322O"), "chiffres"));
	ck_assert_ptr_nonnull(strstr(cog_explain_invalid("00100"), "00"));
	ck_assert_ptr_nonnull(strstr(cog_explain_invalid("75000"), "000"));
	ck_assert_ptr_nonnull(strstr(cog_explain_invalid(""), "non renseigné"));
}
END_TEST

/* ---------------------------------------------------------------- identity status */

START_TEST(id_status_codes)
{
	int s;

	ck_assert_str_eq(id_status_code(ID_PROVISOIRE), "provisoire");
	ck_assert_str_eq(id_status_code(ID_RECUPEREE), "recuperee");
	ck_assert_str_eq(id_status_code(ID_VALIDEE), "validee");
	ck_assert_str_eq(id_status_code(ID_QUALIFIEE), "qualifiee");
	ck_assert_str_eq(id_status_label(ID_PROVISOIRE), "Provisoire");
	ck_assert_str_eq(id_status_label(ID_RECUPEREE), "Récupérée");
	ck_assert_str_eq(id_status_label(ID_VALIDEE), "Validée");
	ck_assert_str_eq(id_status_label(ID_QUALIFIEE), "Qualifiée");
	ck_assert_str_eq(id_status_marker(ID_PROVISOIRE), "PROV");
	ck_assert_str_eq(id_status_marker(ID_RECUPEREE), "RECUP");
	ck_assert_str_eq(id_status_marker(ID_VALIDEE), "VALI");
	ck_assert_str_eq(id_status_marker(ID_QUALIFIEE), "QUAL");
	for (s = ID_PROVISOIRE; s <= ID_QUALIFIEE; s++)
		ck_assert_int_eq(id_status_from_code(id_status_code((enum id_status)s)), s);
	ck_assert_int_eq(id_status_from_code("Provisoire"), -1);
	ck_assert_int_eq(id_status_from_code("récupérée"), -1);
	ck_assert_int_eq(id_status_from_code("qualifiee "), -1);
	ck_assert_int_eq(id_status_from_code(""), -1);
	ck_assert_int_eq(id_status_from_code(NULL), -1);
	ck_assert_ptr_null(id_status_code((enum id_status)4));
	ck_assert_ptr_null(id_status_code((enum id_status)-1));
	ck_assert_ptr_nonnull(id_status_label((enum id_status)9));
	ck_assert_ptr_nonnull(id_status_marker((enum id_status)9));
}
END_TEST

START_TEST(id_attributes_matrix)
{
	int s;
	unsigned a;

	/* DOMAIN.md §1 (RNIV): douteuse/fictive only with provisoire, never both; homonyme any. */
	for (s = ID_PROVISOIRE; s <= ID_QUALIFIEE; s++) {
		for (a = 0; a < 8; a++) {
			int d = (a & ID_ATTR_DOUTEUSE) != 0, f = (a & ID_ATTR_FICTIVE) != 0;
			int allowed = !(d && f) && (!(d || f) || s == ID_PROVISOIRE);
			const char *why = "sentinel";
			int rc = id_check_attributes((enum id_status)s, a, &why);

			ck_assert_msg(rc == (allowed ? 0 : -1), "status %d attrs %u", s, a);
			if (allowed)
				ck_assert_ptr_null(why);
			else
				ck_assert_msg(why != NULL && strlen(why) > 10, "status %d attrs %u", s, a);
		}
	}
}
END_TEST

START_TEST(id_attributes_reasons)
{
	const char *why;

	ck_assert_int_eq(id_check_attributes(ID_QUALIFIEE, ID_ATTR_DOUTEUSE, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "provisoire"));
	ck_assert_int_eq(id_check_attributes(ID_VALIDEE, ID_ATTR_FICTIVE, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "fictive"));
	ck_assert_int_eq(
		id_check_attributes(ID_PROVISOIRE, ID_ATTR_DOUTEUSE | ID_ATTR_FICTIVE, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "à la fois"));
	ck_assert_int_eq(id_check_attributes(ID_QUALIFIEE, ID_ATTR_HOMONYME, &why), 0);
	ck_assert_int_eq(id_check_attributes(ID_PROVISOIRE, 0x8, &why), -1);
	ck_assert_ptr_nonnull(strstr(why, "inconnu"));
	ck_assert_int_eq(id_check_attributes((enum id_status)7, 0, &why), -1);
	ck_assert_int_eq(id_check_attributes(ID_RECUPEREE, ID_ATTR_DOUTEUSE, NULL), -1);
	ck_assert_int_eq(id_check_attributes(ID_RECUPEREE, 0, NULL), 0);
}
END_TEST

START_TEST(id_sex_codes)
{
	ck_assert_int_eq(id_sex_valid("F"), 1);
	ck_assert_int_eq(id_sex_valid("M"), 1);
	ck_assert_int_eq(id_sex_valid("I"), 1);
	ck_assert_int_eq(id_sex_valid("f"), 0);
	ck_assert_int_eq(id_sex_valid("X"), 0);
	ck_assert_int_eq(id_sex_valid("FM"), 0);
	ck_assert_int_eq(id_sex_valid("F "), 0);
	ck_assert_int_eq(id_sex_valid(""), 0);
	ck_assert_int_eq(id_sex_valid(NULL), 0);
}
END_TEST

/* ---------------------------------------------------------------- id_validate */

#define TODAY "2024-05-10"

/* ADRUN ZOE from data/insi-test-identities.tsv, qualified. */
static struct id_traits adrun(void)
{
	struct id_traits t = {
		.birth_name = "ADRUN",
		.used_name = "",
		.first_name = "ZOE",
		.birth_first_names = "ZOE",
		.used_first_name = "",
		.sex = "F",
		.birth_date = "31/12/1975",
		.birth_cog = "63220",
		.nir = "2751263220749 74",
		.status = ID_QUALIFIEE,
		.attrs = 0,
	};
	return t;
}

static char vmsg[512];

static enum id_field validate(const struct id_traits *t)
{
	memset(vmsg, 'x', sizeof vmsg);
	return id_validate(t, TODAY, vmsg, sizeof vmsg);
}

#define ck_assert_msg_has(needle) \
	ck_assert_msg(strstr(vmsg, (needle)) != NULL, "message \"%s\" lacks \"%s\"", vmsg, (needle))

START_TEST(id_validate_ok)
{
	struct id_traits t = adrun();

	ck_assert_int_eq(validate(&t), IDF_NONE);
	ck_assert_str_eq(vmsg, "");

	/* Corsica 2A (ADRTROIS DOMINIQUE) */
	t.birth_name = "ADRTROIS";
	t.first_name = "DOMINIQUE";
	t.birth_first_names = "DOMINIQUE";
	t.birth_date = "26/02/1997";
	t.birth_cog = "2A020";
	t.nir = "297022A020778 78";
	ck_assert_int_eq(validate(&t), IDF_NONE);
	t.nir = "2 97 02 2a 020 778 78";
	ck_assert_int_eq(validate(&t), IDF_NONE);

	/* Corsica 2B, born before 1976 (ADRTROIS TOUSSAINT) */
	t.first_name = "Toussaint";
	t.birth_first_names = "";
	t.sex = "M";
	t.birth_date = "01/01/1960";
	t.birth_cog = "2B020";
	t.nir = "160012B020777 13";
	ck_assert_int_eq(validate(&t), IDF_NONE);

	/* NIA (PROVISOIRE MATRICULE, CNDA TEST_2.05) */
	t = adrun();
	t.birth_name = "PROVISOIRE";
	t.first_name = "MATRICULE";
	t.birth_first_names = "MATRICULE";
	t.sex = "M";
	t.birth_date = "01/07/2009";
	t.nir = "1090763220888 35";
	ck_assert_int_eq(validate(&t), IDF_NONE);

	/* Only the required traits */
	t = adrun();
	t.birth_first_names = "";
	t.birth_cog = "";
	t.nir = "";
	t.status = ID_PROVISOIRE;
	ck_assert_int_eq(validate(&t), IDF_NONE);

	/* NULL optional fields count as empty */
	t.used_name = NULL;
	t.birth_first_names = NULL;
	t.used_first_name = NULL;
	t.birth_cog = NULL;
	t.nir = NULL;
	ck_assert_int_eq(validate(&t), IDF_NONE);
}
END_TEST

START_TEST(id_validate_names_ok)
{
	struct id_traits t = adrun();
	const char *good[] = { "D'ARTAGNAN DE L'HERAULT", "D’Artagnan", "Müller-Lüdenscheidt",
			       "Œdipe", "Lætitia", "Łukasiewicz", "de la Fontaine",
			       "PATB-QUATRE", "DUPONT--DURAND", "Ñúñez" };
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		t.birth_name = good[i];
		t.used_name = good[i];
		ck_assert_msg(validate(&t) == IDF_NONE, "%s: %s", good[i], vmsg);
	}
}
END_TEST

START_TEST(id_validate_birth_name)
{
	struct id_traits t = adrun();
	char longname[ID_NAME_MAX + 2];

	t.birth_name = "";
	ck_assert_int_eq(validate(&t), IDF_BIRTH_NAME);
	ck_assert_str_eq(vmsg, "Le nom de naissance est obligatoire");
	t.birth_name = "   ";
	ck_assert_int_eq(validate(&t), IDF_BIRTH_NAME);
	ck_assert_msg_has("obligatoire");
	t.birth_name = NULL;
	ck_assert_int_eq(validate(&t), IDF_BIRTH_NAME);

	t.birth_name = "Dupont3";
	ck_assert_int_eq(validate(&t), IDF_BIRTH_NAME);
	ck_assert_msg_has("« 3 » refusé");
	t.birth_name = "Dupont_Durand";
	ck_assert_int_eq(validate(&t), IDF_BIRTH_NAME);
	ck_assert_msg_has("« _ »");
	t.birth_name = "Dupont.";
	ck_assert_int_eq(validate(&t), IDF_BIRTH_NAME);
	t.birth_name = "Duρont"; /* Greek rho */
	ck_assert_int_eq(validate(&t), IDF_BIRTH_NAME);
	ck_assert_msg_has("« ρ »");
	t.birth_name = "Dupont×";
	ck_assert_int_eq(validate(&t), IDF_BIRTH_NAME);
	t.birth_name = "Dupont\xe2\x80\x93" "Durand"; /* en dash is not a name hyphen */
	ck_assert_int_eq(validate(&t), IDF_BIRTH_NAME);

	t.birth_name = "-Dupont";
	ck_assert_int_eq(validate(&t), IDF_BIRTH_NAME);
	ck_assert_msg_has("commencer par une lettre");
	t.birth_name = "'Dupont";
	ck_assert_int_eq(validate(&t), IDF_BIRTH_NAME);
	t.birth_name = " Dupont";
	ck_assert_int_eq(validate(&t), IDF_BIRTH_NAME);

	t.birth_name = "Zo\xe9"; /* Latin-1, not UTF-8 */
	ck_assert_int_eq(validate(&t), IDF_BIRTH_NAME);
	ck_assert_msg_has("UTF-8");

	memset(longname, 'A', sizeof longname);
	longname[ID_NAME_MAX] = '\0';
	t.birth_name = longname;
	ck_assert_int_eq(validate(&t), IDF_NONE);
	longname[ID_NAME_MAX] = 'A';
	longname[ID_NAME_MAX + 1] = '\0';
	ck_assert_int_eq(validate(&t), IDF_BIRTH_NAME);
	ck_assert_msg_has("trop long");
}
END_TEST

START_TEST(id_validate_used_names)
{
	struct id_traits t = adrun();

	t.used_name = "MARTIN";
	t.used_first_name = "Zozo";
	ck_assert_int_eq(validate(&t), IDF_NONE);
	t.used_name = "Martin2";
	ck_assert_int_eq(validate(&t), IDF_USED_NAME);
	ck_assert_msg_has("Nom utilisé");
	t.used_name = "   ";
	ck_assert_int_eq(validate(&t), IDF_NONE);
	t.used_first_name = "Zo@";
	ck_assert_int_eq(validate(&t), IDF_USED_FIRST_NAME);
	ck_assert_msg_has("Prénom utilisé");
	t.used_first_name = "-Zo";
	ck_assert_int_eq(validate(&t), IDF_USED_FIRST_NAME);
}
END_TEST

START_TEST(id_validate_first_names)
{
	struct id_traits t = adrun();
	char longlist[ID_FIRSTNAMES_MAX + 2];

	t.first_name = "";
	ck_assert_int_eq(validate(&t), IDF_FIRST_NAME);
	ck_assert_msg_has("prénom");
	ck_assert_msg_has("obligatoire");
	t.first_name = "Zoé1";
	ck_assert_int_eq(validate(&t), IDF_FIRST_NAME);

	/* Case and accents do not matter when comparing with the list. */
	t.first_name = "Zoé";
	ck_assert_int_eq(validate(&t), IDF_NONE);

	t.first_name = "PIERRE-ALAIN";
	t.birth_first_names = "PIERRE-ALAIN MURIEL FLORIANT";
	ck_assert_int_eq(validate(&t), IDF_NONE);
	t.first_name = "Pierre-Alain";
	ck_assert_int_eq(validate(&t), IDF_NONE);
	t.first_name = "MURIEL";
	ck_assert_int_eq(validate(&t), IDF_FIRST_NAME);
	ck_assert_msg_has("premier de la liste");
	ck_assert_msg_has("PIERRE-ALAIN MURIEL FLORIANT");
	/* EXI ID 10: hyphen and apostrophe count as spaces, the first name is a word prefix of
	 * the list (the rule core/ins.c applies to INSi answers, so an INSi identity saves). */
	t.first_name = "PIERRE";
	ck_assert_int_eq(validate(&t), IDF_NONE);
	t.first_name = "PIERRE ALAIN";
	ck_assert_int_eq(validate(&t), IDF_NONE);
	t.first_name = "PIER";
	ck_assert_int_eq(validate(&t), IDF_FIRST_NAME);
	t.first_name = "JEAN-CHRISTOPHE";
	t.birth_first_names = "JEAN CHRISTOPHE PIERRE";
	ck_assert_int_eq(validate(&t), IDF_NONE);
	t.first_name = "CHRISTOPHE";
	ck_assert_int_eq(validate(&t), IDF_FIRST_NAME);
	t.first_name = "JEANNE";
	t.birth_first_names = "JEAN";
	ck_assert_int_eq(validate(&t), IDF_FIRST_NAME);
	t.first_name = "PIERRE-ALAIN";
	t.birth_first_names = "PIERRE-ALAIN MURIEL FLORIANT";
	t.first_name = "PIERRE-ALAIN MURIEL";
	ck_assert_int_eq(validate(&t), IDF_NONE);
	t.first_name = "PIERRE-ALAIN FLORIANT";
	ck_assert_int_eq(validate(&t), IDF_FIRST_NAME);
	t.first_name = "PIERRE-ALAIN MURIEL FLORIANT JEAN";
	ck_assert_int_eq(validate(&t), IDF_FIRST_NAME);

	t.first_name = "CATARINA";
	t.birth_first_names = "CATARINA   BELLA";
	ck_assert_int_eq(validate(&t), IDF_NONE);
	t.birth_first_names = " CATARINA BELLA"; /* the form trims; a leading space is a fault */
	ck_assert_int_eq(validate(&t), IDF_BIRTH_FIRST_NAMES);

	t.first_name = "ZOE";
	t.birth_first_names = "ZOE 2";
	ck_assert_int_eq(validate(&t), IDF_BIRTH_FIRST_NAMES);
	ck_assert_msg_has("Prénoms de naissance");

	memset(longlist, 'A', sizeof longlist);
	longlist[0] = 'Z';
	longlist[1] = 'O';
	longlist[2] = 'E';
	longlist[3] = ' ';
	longlist[ID_FIRSTNAMES_MAX] = '\0';
	t.birth_first_names = longlist;
	ck_assert_int_eq(validate(&t), IDF_NONE);
	longlist[ID_FIRSTNAMES_MAX] = 'A';
	longlist[ID_FIRSTNAMES_MAX + 1] = '\0';
	ck_assert_int_eq(validate(&t), IDF_BIRTH_FIRST_NAMES);
	ck_assert_msg_has("trop long");
}
END_TEST

START_TEST(id_validate_sex)
{
	struct id_traits t = adrun();

	t.sex = "";
	ck_assert_int_eq(validate(&t), IDF_SEX);
	ck_assert_str_eq(vmsg, "Le sexe est obligatoire");
	t.sex = NULL;
	ck_assert_int_eq(validate(&t), IDF_SEX);
	t.sex = "X";
	ck_assert_int_eq(validate(&t), IDF_SEX);
	ck_assert_msg_has("F (féminin), M (masculin) ou I (indéterminé)");
	t.sex = "f";
	ck_assert_int_eq(validate(&t), IDF_SEX);
	t.sex = "I"; /* indéterminé accepts any NIR sex digit */
	ck_assert_int_eq(validate(&t), IDF_NONE);
}
END_TEST

START_TEST(id_validate_birth_date)
{
	struct id_traits t = adrun();

	t.nir = "";
	t.birth_date = "";
	ck_assert_int_eq(validate(&t), IDF_BIRTH_DATE);
	ck_assert_str_eq(vmsg, "La date de naissance est obligatoire");
	t.birth_date = "1975-12-31";
	ck_assert_int_eq(validate(&t), IDF_BIRTH_DATE);
	ck_assert_msg_has("JJ/MM/AAAA");
	t.birth_date = "31/12/75";
	ck_assert_int_eq(validate(&t), IDF_BIRTH_DATE);
	t.birth_date = "31/02/2000";
	ck_assert_int_eq(validate(&t), IDF_BIRTH_DATE);
	ck_assert_str_eq(vmsg, "La date de naissance 31/02/2000 n'existe pas");
	t.birth_date = "29/02/1900";
	ck_assert_int_eq(validate(&t), IDF_BIRTH_DATE);
	ck_assert_msg_has("n'existe pas");
	t.birth_date = "29/02/2000";
	ck_assert_int_eq(validate(&t), IDF_NONE);
	t.birth_date = "10/05/2024"; /* born today */
	ck_assert_int_eq(validate(&t), IDF_NONE);
	t.birth_date = "11/05/2024";
	ck_assert_int_eq(validate(&t), IDF_BIRTH_DATE);
	ck_assert_msg_has("futur");
	t.birth_date = "01/01/1849";
	ck_assert_int_eq(validate(&t), IDF_BIRTH_DATE);
	ck_assert_msg_has("1850");
	/* Without a usable reference date the future is not checked. */
	t.birth_date = "11/05/2024";
	ck_assert_int_eq(id_validate(&t, NULL, vmsg, sizeof vmsg), IDF_NONE);
	ck_assert_int_eq(id_validate(&t, "10/05/2024", vmsg, sizeof vmsg), IDF_NONE);
}
END_TEST

START_TEST(id_validate_cog)
{
	struct id_traits t = adrun();

	t.birth_cog = "20004";   /* Ajaccio before 1976: valid for a 1975 birth */
	ck_assert_int_eq(validate(&t), IDF_NONE);
	t.birth_date = "02/01/1976";
	t.nir = "";
	ck_assert_int_eq(validate(&t), IDF_BIRTH_COG);
	ck_assert_msg_has("Lieu de naissance");
	ck_assert_msg_has("2A");
	t = adrun();
	t.birth_cog = "6322";
	ck_assert_int_eq(validate(&t), IDF_BIRTH_COG);
	t.birth_cog = "2a004";
	ck_assert_int_eq(validate(&t), IDF_BIRTH_COG);
	t.birth_cog = "99999";
	ck_assert_int_eq(validate(&t), IDF_NONE);
	t.birth_cog = "99100";
	ck_assert_int_eq(validate(&t), IDF_NONE);
	t.birth_cog = "2B033";
	ck_assert_int_eq(validate(&t), IDF_NONE);
	t.birth_cog = "";
	ck_assert_int_eq(validate(&t), IDF_NONE);
}
END_TEST

START_TEST(id_validate_nir_key)
{
	struct id_traits t = adrun();

	t.nir = "2751263220749 75";
	ck_assert_int_eq(validate(&t), IDF_NIR);
	ck_assert_str_eq(vmsg, "Clé du NIR incorrecte (attendue 74)");
	t.nir = "2 75 12 63 220 749 75";
	ck_assert_int_eq(validate(&t), IDF_NIR);
	ck_assert_str_eq(vmsg, "Clé du NIR incorrecte (attendue 74)");

	t = adrun();
	t.birth_name = "ADRTROIS";
	t.first_name = "DOMINIQUE";
	t.birth_first_names = "DOMINIQUE";
	t.birth_date = "26/02/1997";
	t.nir = "297022a020778 12";
	ck_assert_int_eq(validate(&t), IDF_NIR);
	ck_assert_str_eq(vmsg, "Clé du NIR incorrecte (attendue 78)");

	/* Key 97 and a key below 10 print on two digits. */
	t = adrun();
	t.sex = "M";
	t.birth_date = "01/01/1975";
	t.nir = "1750100000074 96";
	ck_assert_int_eq(validate(&t), IDF_NIR);
	ck_assert_str_eq(vmsg, "Clé du NIR incorrecte (attendue 97)");
	t.sex = "F";
	t.birth_date = "01/01/1975";
	t.nir = "2752063220749 09";
	ck_assert_int_eq(validate(&t), IDF_NIR);
	ck_assert_str_eq(vmsg, "Clé du NIR incorrecte (attendue 08)");
}
END_TEST

START_TEST(id_validate_nir_syntax)
{
	struct id_traits t = adrun();

	t.nir = "2751263220749";
	ck_assert_int_eq(validate(&t), IDF_NIR);
	ck_assert_msg_has("clé");
	t.nir = "27512632207";
	ck_assert_int_eq(validate(&t), IDF_NIR);
	ck_assert_msg_has("13 caractères");
	t.nir = "27512632207X9 74";
	ck_assert_int_eq(validate(&t), IDF_NIR);
	ck_assert_msg_has("chiffres");
	t.nir = "   ";
	ck_assert_int_eq(validate(&t), IDF_NONE); /* blank = not given */
}
END_TEST

START_TEST(id_validate_nir_consistency)
{
	struct id_traits t = adrun();

	/* Sex digit */
	t.sex = "M";
	ck_assert_int_eq(validate(&t), IDF_NIR);
	ck_assert_str_eq(vmsg, "Le NIR commence par 2 (femme) alors que le sexe indiqué est M");
	t.sex = "I";
	ck_assert_int_eq(validate(&t), IDF_NONE);
	t = adrun();
	t.birth_name = "PROVISOIRE";
	t.first_name = "MATRICULE";
	t.birth_first_names = "";
	t.birth_date = "01/07/2009";
	t.nir = "1090763220888 35";
	t.sex = "F";
	ck_assert_int_eq(validate(&t), IDF_NIR);
	ck_assert_msg_has("commence par 1 (homme)");

	/* Birth year */
	t = adrun();
	t.birth_date = "31/12/1976";
	ck_assert_int_eq(validate(&t), IDF_NIR);
	ck_assert_msg_has("année");
	ck_assert_msg_has("(75)");
	t.birth_date = "31/12/1875"; /* same two digits, other century: cannot be told apart */
	ck_assert_int_eq(validate(&t), IDF_NONE);

	/* Birth month */
	t = adrun();
	t.birth_date = "30/11/1975";
	ck_assert_int_eq(validate(&t), IDF_NIR);
	ck_assert_msg_has("mois");
	ck_assert_msg_has("(12)");
}
END_TEST

START_TEST(id_validate_nir_sex_digits)
{
	/* 1/3/7 men, 2/4/8 women: each digit against F and M. */
	const char *digits = "123478";
	size_t i;

	for (i = 0; i < strlen(digits); i++) {
		struct id_traits t = adrun();
		char body[14], nir[20];
		int male = digits[i] == '1' || digits[i] == '3' || digits[i] == '7';

		strcpy(body, "2751263220749");
		body[0] = digits[i];
		snprintf(nir, sizeof nir, "%s %02d", body, nir_compute_key(body));
		t.nir = nir;
		t.sex = "M";
		ck_assert_msg(validate(&t) == (male ? IDF_NONE : IDF_NIR), "%s M: %s", nir, vmsg);
		t.sex = "F";
		ck_assert_msg(validate(&t) == (male ? IDF_NIR : IDF_NONE), "%s F: %s", nir, vmsg);
		t.sex = "I";
		ck_assert_msg(validate(&t) == IDF_NONE, "%s I: %s", nir, vmsg);
	}
}
END_TEST

START_TEST(id_validate_nir_unknown_month)
{
	/* Months 20-42 and 50-99 mean unknown month or temporary number: any birth month goes. */
	const int months[] = { 20, 30, 42, 50, 99 };
	size_t i;

	for (i = 0; i < sizeof months / sizeof months[0]; i++) {
		struct id_traits t = adrun();
		char body[14], nir[20];

		snprintf(body, sizeof body, "275%02d63220749", months[i]);
		snprintf(nir, sizeof nir, "%s %02d", body, nir_compute_key(body));
		t.nir = nir;
		t.birth_date = "15/06/1975";
		ck_assert_msg(validate(&t) == IDF_NONE, "%s: %s", nir, vmsg);
		t.birth_date = "15/06/1976";
		ck_assert_msg(validate(&t) == IDF_NIR, "%s year", nir);
	}
}
END_TEST

START_TEST(id_validate_attributes)
{
	struct id_traits t = adrun();

	t.attrs = ID_ATTR_DOUTEUSE;
	ck_assert_int_eq(validate(&t), IDF_ATTRIBUTES);
	ck_assert_msg_has("provisoire");
	t.attrs = ID_ATTR_FICTIVE;
	ck_assert_int_eq(validate(&t), IDF_ATTRIBUTES);
	t.attrs = ID_ATTR_HOMONYME;
	ck_assert_int_eq(validate(&t), IDF_NONE);
	t.status = ID_PROVISOIRE;
	t.attrs = ID_ATTR_DOUTEUSE | ID_ATTR_FICTIVE;
	ck_assert_int_eq(validate(&t), IDF_ATTRIBUTES);
	ck_assert_msg_has("à la fois");
	t.attrs = ID_ATTR_FICTIVE | ID_ATTR_HOMONYME;
	ck_assert_int_eq(validate(&t), IDF_NONE);
	t.attrs = ID_ATTR_DOUTEUSE;
	ck_assert_int_eq(validate(&t), IDF_NONE);
	t.attrs = 0x10;
	ck_assert_int_eq(validate(&t), IDF_ATTRIBUTES);
	t.attrs = 0;
	t.status = (enum id_status)5;
	ck_assert_int_eq(validate(&t), IDF_ATTRIBUTES);
}
END_TEST

START_TEST(id_validate_order_and_buffers)
{
	struct id_traits t = adrun();
	char small[12];

	/* Several faults: the first field in form order is reported. */
	t.birth_name = "";
	t.sex = "X";
	t.nir = "1";
	ck_assert_int_eq(validate(&t), IDF_BIRTH_NAME);
	t.birth_name = "ADRUN";
	ck_assert_int_eq(validate(&t), IDF_SEX);
	t.sex = "F";
	ck_assert_int_eq(validate(&t), IDF_NIR);

	/* Messages are truncated, never overflow, and stay valid UTF-8 through snprintf. */
	t = adrun();
	t.birth_name = "";
	ck_assert_int_eq(id_validate(&t, TODAY, small, sizeof small), IDF_BIRTH_NAME);
	ck_assert_uint_eq(strlen(small), sizeof small - 1);
	ck_assert_int_eq(id_validate(&t, TODAY, NULL, 0), IDF_BIRTH_NAME);
	ck_assert_int_eq(id_validate(&t, TODAY, small, 0), IDF_BIRTH_NAME);
	ck_assert_int_eq(id_validate(NULL, TODAY, vmsg, sizeof vmsg), IDF_BIRTH_NAME);
	ck_assert_int_gt(strlen(vmsg), 0);
}
END_TEST


/* ---------------------------------------------------------------- MSSanté wire */

START_TEST(mss_subject_prefix)
{
	char out[128];

	mss_subject_clean("XDM/1.0/DDM+CR d'examens biologiques LEFEVRE Chloé 04/06/1988", out,
			  sizeof out);
	ck_assert_str_eq(out, "CR d'examens biologiques LEFEVRE Chloé 04/06/1988");
	mss_subject_clean("  xdm/1.0/ddm Note de vaccination", out, sizeof out);
	ck_assert_str_eq(out, "Note de vaccination");
	mss_subject_clean("Re: résultats", out, sizeof out);
	ck_assert_str_eq(out, "Re: résultats");
	mss_subject_clean(NULL, out, sizeof out);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(mss_sender_kind)
{
	char ins[16];

	ck_assert_int_eq(mss_sender_of("279035121518989@patient.mssante.fr", ins),
			 MSS_SENDER_PATIENT);
	ck_assert_str_eq(ins, "279035121518989");
	ck_assert_int_eq(mss_sender_of("279035121518989@PATIENT.MSSANTE.FR", ins),
			 MSS_SENDER_PATIENT);
	ck_assert_int_eq(mss_sender_of("jean.dupont@cardio.mssante.fr", ins), MSS_SENDER_PRO);
	ck_assert_str_eq(ins, "");
	ck_assert_int_eq(mss_sender_of("27903512151898@patient.mssante.fr", ins), MSS_SENDER_PRO);
	ck_assert_int_eq(mss_sender_of("27903512151898x@patient.mssante.fr", ins),
			 MSS_SENDER_PRO);
	ck_assert_int_eq(mss_sender_of("279035121518989@patient.mssante.fr.evil.org", ins),
			 MSS_SENDER_PRO);
	ck_assert_int_eq(mss_sender_of(NULL, NULL), MSS_SENDER_PRO);
}
END_TEST

START_TEST(mss_wire_round_trip)
{
	struct mss_request rq = { .op = MSS_OP_FETCH }, rq2;
	struct mss_reply r = { 0 }, back;
	struct mss_message m = { 0 };
	struct mss_doc *d;
	struct kv_out o;
	char err[200];

	snprintf(rq.cfg.url, sizeof rq.cfg.url, "imaps://localhost:1993");
	snprintf(rq.cfg.password, sizeof rq.cfg.password, "secret");
	snprintf(rq.cfg.archive, sizeof rq.cfg.archive, "/tmp/a");
	rq.cfg.max_messages = 200;
	rq.uidvalidity = 17;
	rq.last_uid = 42;
	kv_out_init(&o, 0);
	ck_assert_int_eq(mss_request_format(&rq, &o), 0);
	ck_assert_int_eq(mss_request_parse(o.buf, &rq2, err, sizeof err), 0);
	kv_out_free(&o);
	ck_assert_int_eq(rq2.op, MSS_OP_FETCH);
	ck_assert_str_eq(rq2.cfg.password, "secret");
	ck_assert_str_eq(rq2.cfg.mailbox, "");
	ck_assert_int_eq(rq2.last_uid, 42);
	ck_assert_int_eq(rq2.cfg.max_messages, 200);
	/* a line break in a value is refused on requests */
	snprintf(rq.cfg.user, sizeof rq.cfg.user, "a\nb");
	kv_out_init(&o, 0);
	ck_assert_int_eq(mss_request_format(&rq, &o), -1);
	kv_out_free(&o);
	ck_assert_int_ne(mss_request_parse("operation: fetch\n", &rq2, err, sizeof err), 0);
	ck_assert_int_ne(mss_request_parse("operation: nope\nend:\n", &rq2, err, sizeof err), 0);

	/* two messages, the first with two documents, the second with none listed */
	snprintf(m.key, sizeof m.key, "17-43");
	snprintf(m.subject, sizeof m.subject, "CR de biologie");
	m.uid = 43;
	m.sender = MSS_SENDER_PATIENT;
	d = mss_message_add_doc(&m);
	ck_assert_ptr_nonnull(d);
	d->kind = MSS_DOC_CDA;
	snprintf(d->action, sizeof d->action, "D");
	snprintf(d->h.id, sizeof d->h.id, "1.2.3^4");
	snprintf(d->h.patient_given_all, sizeof d->h.patient_given_all, "Chloé Marie");
	d->h.abnormal = 3;
	d = mss_message_add_doc(&m);
	d->kind = MSS_DOC_PDF;
	snprintf(d->name, sizeof d->name, "copie.pdf");
	ck_assert_int_eq(mss_reply_add(&r, &m), 0);
	ck_assert_ptr_null(m.docs);
	memset(&m, 0, sizeof m);
	snprintf(m.key, sizeof m.key, "17-44");
	snprintf(m.error, sizeof m.error, "Message illisible");
	ck_assert_int_eq(mss_reply_add(&r, &m), 0);
	r.rc = MSS_ERR_PROTOCOL;
	snprintf(r.error, sizeof r.error, "Connexion coupée");
	r.last_uid = 44;
	r.remaining = 5;
	kv_out_init(&o, 1);
	ck_assert_int_eq(mss_reply_format(&r, &o), 0);
	ck_assert_int_eq(mss_reply_parse(o.buf, &back), MSS_ERR_PROTOCOL);
	kv_out_free(&o);
	ck_assert_uint_eq(back.n_msgs, 2);
	ck_assert_str_eq(back.error, "Connexion coupée");
	ck_assert_int_eq(back.remaining, 5);
	ck_assert_uint_eq(back.msgs[0].n_docs, 2);
	ck_assert_int_eq(back.msgs[0].sender, MSS_SENDER_PATIENT);
	ck_assert_str_eq(back.msgs[0].docs[0].action, "D");
	ck_assert_str_eq(back.msgs[0].docs[0].h.id, "1.2.3^4");
	ck_assert_str_eq(back.msgs[0].docs[0].h.patient_given_all, "Chloé Marie");
	ck_assert_int_eq(back.msgs[0].docs[0].h.abnormal, 3);
	ck_assert_int_eq(back.msgs[0].docs[1].kind, MSS_DOC_PDF);
	ck_assert_int_eq(back.msgs[0].docs[1].h.abnormal, -1);
	ck_assert_str_eq(back.msgs[0].docs[1].name, "copie.pdf");
	ck_assert_uint_eq(back.msgs[1].n_docs, 0);
	ck_assert_str_eq(back.msgs[1].error, "Message illisible");
	mss_reply_free(&back);
	mss_reply_free(&r);
}
END_TEST

START_TEST(mss_wire_bad_replies)
{
	static const char *const bad[] = {
		"", "kind: 0\n", "kind: 0\nmsgs: 1\nend:\n",
		"kind: 0\nmsgs: 1\nmsg: a\nend:\n",            /* no msg_end */
		"kind: 0\nmsgs: 999999999\nend:\n", "kind: 5\nmsgs: 0\nend:\n",
		"kind: -99\nmsgs: 0\nend:\n",
	};
	struct mss_reply r;

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(mss_reply_parse(bad[i], &r) == MSS_ERR_PARSE, "accepted: %s", bad[i]);
		ck_assert_uint_eq(r.n_msgs, 0);
		ck_assert_ptr_null(r.msgs);
		ck_assert_str_ne(r.error, "");
	}
	ck_assert_int_eq(mss_reply_parse(NULL, &r), MSS_ERR_PARSE);
}
END_TEST

/* ---------------------------------------------------------------- runner */

static Suite *core_suite(void)
{
	Suite *s = suite_create("core");
	TCase *tc;

	tc = tcase_create("nir");
	tcase_add_test(tc, nir_key_test_identities);
	tcase_add_test(tc, nir_key_corsica);
	tcase_add_test(tc, nir_key_nia);
	tcase_add_test(tc, nir_key_64bit);
	tcase_add_test(tc, nir_key_bad_body);
	tcase_add_test(tc, nir_parse_ok);
	tcase_add_test(tc, nir_parse_without_key);
	tcase_add_test(tc, nir_parse_wrong_key);
	tcase_add_test(tc, nir_parse_bad_input);
	tcase_add_test(tc, nir_parse_sex_digit);
	tcase_add_test(tc, nir_parse_month);
	tcase_add_test(tc, nir_strerror_all);
	tcase_add_test(tc, nir_format_groups);
	tcase_add_test(tc, nir_format_small_buffers);
	suite_add_tcase(s, tc);

	tc = tcase_create("text");
	tcase_add_test(tc, text_fold_accents_case);
	tcase_add_test(tc, text_fold_ligatures);
	tcase_add_test(tc, text_fold_separators);
	tcase_add_test(tc, text_fold_punctuation_digits);
	tcase_add_test(tc, text_fold_invalid_utf8);
	tcase_add_test(tc, text_fold_truncation);
	tcase_add_test(tc, text_ascii_translit);
	tcase_add_test(tc, text_ascii_unknown);
	tcase_add_test(tc, text_ascii_truncation);
	tcase_add_test(tc, text_utf8_len_valid);
	tcase_add_test(tc, text_utf8_next_decode);
	tcase_add_test(tc, text_trim);
	tcase_add_test(tc, text_upper_names);
	tcase_add_test(tc, text_capitalize_first_names);
	tcase_add_test(tc, identity_status_after_edit);
	tcase_add_test(tc, identity_douteuse_demotes);
	suite_add_tcase(s, tc);

	tc = tcase_create("date");
	tcase_add_test(tc, date_valid_calendar);
	tcase_add_test(tc, date_parse_fr_forms);
	tcase_add_test(tc, date_parse_fr_errors);
	tcase_add_test(tc, date_parse_iso_forms);
	tcase_add_test(tc, date_birth_checks);
	tcase_add_test(tc, date_formatting);
	tcase_add_test(tc, date_ages);
	tcase_add_test(tc, date_strerror_all);
	tcase_add_test(tc, date_query_forms);
	tcase_add_test(tc, date_query_not_dates);
	suite_add_tcase(s, tc);

	tc = tcase_create("cog");
	tcase_add_test(tc, cog_valid_codes);
	tcase_add_test(tc, cog_invalid_codes);
	tcase_add_test(tc, cog_messages);
	suite_add_tcase(s, tc);

	tc = tcase_create("identity");
	tcase_add_test(tc, id_status_codes);
	tcase_add_test(tc, id_attributes_matrix);
	tcase_add_test(tc, id_attributes_reasons);
	tcase_add_test(tc, id_sex_codes);
	tcase_add_test(tc, id_validate_ok);
	tcase_add_test(tc, id_validate_names_ok);
	tcase_add_test(tc, id_validate_birth_name);
	tcase_add_test(tc, id_validate_used_names);
	tcase_add_test(tc, id_validate_first_names);
	tcase_add_test(tc, id_validate_sex);
	tcase_add_test(tc, id_validate_birth_date);
	tcase_add_test(tc, id_validate_cog);
	tcase_add_test(tc, id_validate_nir_key);
	tcase_add_test(tc, id_validate_nir_syntax);
	tcase_add_test(tc, id_validate_nir_consistency);
	tcase_add_test(tc, id_validate_nir_sex_digits);
	tcase_add_test(tc, id_validate_nir_unknown_month);
	tcase_add_test(tc, id_validate_attributes);
	tcase_add_test(tc, id_validate_order_and_buffers);
	suite_add_tcase(s, tc);

	tc = tcase_create("mss_wire");
	tcase_add_test(tc, mss_subject_prefix);
	tcase_add_test(tc, mss_sender_kind);
	tcase_add_test(tc, mss_wire_round_trip);
	tcase_add_test(tc, mss_wire_bad_replies);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(core_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
