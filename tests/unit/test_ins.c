/* Unit tests of the INS rules (core/ins.c) and the INS datamatrix (core/ins_datamatrix.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/identity.h"
#include "core/ins.h"
#include "core/ins_datamatrix.h"

/* ---------------------------------------------------------------- helpers */

static char nout[256];
static const char *nwhy;

/* Normalise and return the result ("" on refusal, reason in nwhy). */
static const char *norm(const char *in, int first_name)
{
	memset(nout, 'x', sizeof nout);
	nwhy = "sentinel";
	if (ins_normalize(in, first_name, nout, sizeof nout, &nwhy) < 0)
		return NULL;
	return nout;
}

#define ck_norm(in, fn, expected)                                                            \
	do {                                                                                 \
		const char *got_ = norm((in), (fn));                                         \
		ck_assert_msg(got_ != NULL, "\"%s\" refused: %s", (in), nwhy ? nwhy : "?");  \
		ck_assert_str_eq(got_, (expected));                                          \
		ck_assert_ptr_null(nwhy);                                                    \
	} while (0)

#define ck_refused(in, fn, needle)                                                           \
	do {                                                                                 \
		const char *got_ = norm((in), (fn));                                         \
		ck_assert_msg(got_ == NULL, "\"%s\" accepted as \"%s\"", (in), nout);        \
		ck_assert_str_eq(nout, "");                                                  \
		ck_assert_msg(nwhy != NULL && strstr(nwhy, (needle)) != NULL,                \
			      "\"%s\": reason \"%s\" lacks \"%s\"", (in), nwhy ? nwhy : "(null)", \
			      (needle));                                                     \
	} while (0)

/* padoa's check of what INSi accepts (research/ins.md §1.4). */
static int insi_shape(const char *s)
{
	size_t i = 0;

	for (;;) {
		size_t letters = 0;

		while (s[i] >= 'A' && s[i] <= 'Z') {
			i++;
			letters++;
		}
		if (letters == 0)
			return 0;
		if (s[i] == '\0')
			return 1;
		if (s[i] == '-' && s[i + 1] == '-')
			i += 2;
		else if (s[i] == '-' || s[i] == '\'' || s[i] == ' ')
			i++;
		else
			return 0;
	}
}

/* ---------------------------------------------------------------- normalisation */

START_TEST(norm_examples)
{
	ck_norm("Dupont", 0, "DUPONT");
	ck_norm("Hélène-Marie", 1, "HELENE-MARIE");
	ck_norm("Hélène-Marie", 0, "HELENE-MARIE");
	ck_norm("D'ÆION", 0, "D'AEION");
	ck_norm("CŒUR", 1, "COEUR");
	ck_norm("cœur", 1, "COEUR");
	ck_norm("Lætitia", 1, "LAETITIA");
	ck_norm("de  vinci ", 0, "DE VINCI");
	ck_norm("  de vinci", 0, "DE VINCI");
	ck_norm("Strauß", 0, "STRAUSS");
	ck_norm("D’ARTAGNAN DE L’HERAULT", 0, "D'ARTAGNAN DE L'HERAULT");
	ck_norm("d‘artagnan", 0, "D'ARTAGNAN");
	ck_norm("Pierre-Alain Muriel Floriant", 1, "PIERRE-ALAIN MURIEL FLORIANT");
	ck_norm("DU  PONT", 0, "DU PONT");
}
END_TEST

START_TEST(norm_diacritics)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸÑ", "AAACEEEEIIOOUUUYN" },
		{ "àâäçéèêëîïôöùûüÿñ", "AAACEEEEIIOOUUUYN" },
		{ "ÁÃÌÍÒÓÕÚÝ", "AAIIOOOUY" },
		{ "ØÅŁŠČ", "OALSC" },
		{ "øåłšč", "OALSC" },
		{ "ŽŘĚŮŇŤĎ", "ZREUNTD" },
		{ "ĄĘŚŹŻĆŃÓ", "AESZZCNO" },
		{ "ŐŰőű", "OUOU" },
		{ "ĞİŞğış", "GISGIS" },
		{ "Þórðardóttir", "THORDARDOTTIR" },
		{ "Ĳsselmeer", "IJSSELMEER" },
		{ "ȘȚșț", "STST" },              /* Romanian, Latin Extended-B */
		{ "Nguyễn Thị Hương", "NGUYEN THI HUONG" }, /* Vietnamese, Latin Extended Additional */
		{ "Ǆuro", "DZURO" },
		{ "He\xcc\x81le\xcc\x80ne", "HELENE" }, /* decomposed: e + combining accents */
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *got = norm(cases[i].in, 0);

		ck_assert_msg(got != NULL, "%s refused: %s", cases[i].in, nwhy);
		ck_assert_str_eq(got, cases[i].out);
		ck_assert(insi_shape(got));
	}
}
END_TEST

START_TEST(norm_separators)
{
	/* Typographic apostrophes, dashes and spaces become the ASCII ones INSi knows. */
	ck_norm("JEAN\xe2\x80\x93PIERRE", 1, "JEAN-PIERRE");        /* en dash */
	ck_norm("JEAN\xe2\x80\x94PIERRE", 1, "JEAN-PIERRE");        /* em dash */
	ck_norm("JEAN\xe2\x80\x90PIERRE", 1, "JEAN-PIERRE");        /* hyphen */
	ck_norm("D\xca\xbc" "ARC", 0, "D'ARC");                     /* modifier apostrophe */
	ck_norm("DE\xc2\xa0VINCI", 0, "DE VINCI");                  /* no-break space */
	ck_norm("DE\t VINCI\n", 0, "DE VINCI");
	ck_norm("DU\xc2\xadPONT", 0, "DUPONT");                     /* soft hyphen is invisible */
	/* Double hyphen: allowed between the parts of a birth name, not in a first name. */
	ck_norm("MARTIN--DURAND", 0, "MARTIN--DURAND");
	ck_refused("MARTIN--DURAND", 1, "double trait d'union");
	ck_refused("JEAN--PIERRE PAUL", 1, "double trait d'union");
	ck_refused("MARTIN---DURAND", 0, "doublés ou combinés");
	/* Combined or doubled separators other than spaces (which are collapsed). */
	ck_refused("DU '-PONT", 0, "doublés ou combinés");
	ck_refused("D''ARC", 0, "doublés ou combinés");
	ck_refused("DU- PONT", 0, "doublés ou combinés");
	ck_refused("DU -PONT", 1, "doublés ou combinés");
	ck_refused("D' ARC", 0, "doublés ou combinés");
	ck_refused("D'’ARC", 0, "doublés ou combinés");
	/* Start and end. */
	ck_refused("-DUPONT", 0, "commencer par un trait d'union");
	ck_refused("-JEAN", 1, "commencer par un trait d'union");
	ck_norm("'T HOOFT", 0, "'T HOOFT"); /* SEL-MP-043: a leading apostrophe is allowed */
	ck_refused("JEAN-", 1, "finir");
	ck_refused("JEAN'", 1, "finir");
	ck_refused("JEAN PIERRE-", 1, "finir");
	/* SEL-MP-043 §2 states the end rule for first names; PROTOCOLS.md extends it to names:
	 * a trailing separator is a typing slip, never sent */
	ck_refused("DUPONT- ", 0, "Un nom ne doit pas finir");
	ck_refused("DUPONT'", 0, "Un nom ne doit pas finir");
	ck_refused("'", 0, "Aucune lettre");
	ck_refused("-", 0, "commencer");
}
END_TEST

START_TEST(norm_refusals)
{
	ck_refused("Dupont3", 0, "chiffres");
	ck_refused("Louis 14", 1, "chiffres");
	ck_refused("Иванов", 0, "alphabet latin");       /* Cyrillic */
	ck_refused("Σοφία", 1, "alphabet latin");        /* Greek */
	ck_refused("Duρont", 0, "alphabet latin");       /* a Greek rho hidden in a Latin name */
	ck_refused("محمد", 1, "alphabet latin");         /* Arabic */
	ck_refused("Dupont_Durand", 0, "Caractère refusé");
	ck_refused("Dupont.", 0, "Caractère refusé");
	ck_refused("Dupont×", 0, "Caractère refusé");
	ck_refused("Martin (née)", 0, "Caractère refusé");
	ck_refused("\xcc\x81" "Dupont", 0, "Caractère refusé"); /* accent with no letter */
	ck_refused("Zo\xe9", 1, "UTF-8");                 /* Latin-1 byte, not UTF-8 */
	ck_refused("", 0, "vide");
	ck_refused("", 1, "vide");
	ck_refused("   ", 0, "vide");
	ck_assert_ptr_null(norm(NULL, 0));
	ck_assert_ptr_nonnull(strstr(nwhy, "vide"));
	/* Every reason is French and readable. */
	ck_refused("Dupont3", 0, "accept");
}
END_TEST

START_TEST(norm_length)
{
	char in[160];
	char small[5];
	const char *why = "sentinel";

	memset(in, 'A', 100);
	in[100] = '\0';
	ck_assert_ptr_nonnull(norm(in, 0));
	ck_assert_uint_eq(strlen(nout), 100);
	in[100] = 'A';
	in[101] = '\0';
	ck_refused(in, 0, "100");
	/* The limit applies to the normalised text: 99 letters + Æ make 101. */
	memcpy(in + 99, "Æ", 3);
	ck_refused(in, 1, "100");
	/* Spaces collapsed before counting: 100 letters with extra spaces pass. */
	memset(in, 'A', 100);
	memcpy(in + 100, "     ", 6);
	ck_assert_ptr_nonnull(norm(in, 0));
	/* A destination too small is refused, never truncated. */
	ck_assert_int_eq(ins_normalize("DUPONT", 0, small, sizeof small, &why), -1);
	ck_assert_ptr_nonnull(why);
	ck_assert_str_eq(small, "");
	ck_assert_int_eq(ins_normalize("DUPO", 0, small, sizeof small, &why), 0);
	ck_assert_str_eq(small, "DUPO");
	ck_assert_ptr_null(why);
	/* why and out are optional. */
	ck_assert_int_eq(ins_normalize("DUPONT", 0, NULL, 0, NULL), 0);
	ck_assert_int_eq(ins_normalize("DUPONT2", 0, NULL, 0, NULL), -1);
}
END_TEST

/* Every accepted output has the shape INSi accepts (except the leading apostrophe / trailing
 * separator of birth names that SEL-MP-043 allows and padoa's pattern does not). */
START_TEST(norm_outputs_have_insi_shape)
{
	static const char *inputs[] = {
		"Dupont", "Hélène-Marie", "D'ÆION", "de  vinci ", "d’Artagnan de l’Hérault",
		"MARTIN--DURAND", "Nguyễn Văn", "Œ Æ ß", "Ñúñez-García", "  o'neil  ",
	};
	size_t i;

	for (i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
		const char *got = norm(inputs[i], 0);

		ck_assert_msg(got != NULL, "%s: %s", inputs[i], nwhy);
		ck_assert_msg(insi_shape(got), "%s -> %s", inputs[i], got);
	}
}
END_TEST

/* ---------------------------------------------------------------- first names */

START_TEST(first_name_coherence)
{
	/* EXI ID 10: hyphen and apostrophe count as spaces, word-sequence prefix. */
	ck_assert_int_eq(ins_first_name_coherent("JEAN-CHRISTOPHE", "JEAN CHRISTOPHE PIERRE"), 1);
	ck_assert_int_eq(ins_first_name_coherent("JEAN", "JEAN-CHRISTOPHE PIERRE"), 1);
	ck_assert_int_eq(ins_first_name_coherent("CHRISTOPHE", "JEAN CHRISTOPHE"), 0);
	ck_assert_int_eq(ins_first_name_coherent("JEANNE", "JEAN"), 0);
	ck_assert_int_eq(ins_first_name_coherent("JEAN", "JEANNE MARIE"), 0);
	ck_assert_int_eq(ins_first_name_coherent("JEAN", ""), 1);
	ck_assert_int_eq(ins_first_name_coherent("JEAN", "   "), 1);
	ck_assert_int_eq(ins_first_name_coherent("JEAN", NULL), 1);
	ck_assert_int_eq(ins_first_name_coherent("", "JEAN"), 0);
	ck_assert_int_eq(ins_first_name_coherent(NULL, "JEAN"), 0);
	ck_assert_int_eq(ins_first_name_coherent("JEAN CHRISTOPHE", "JEAN-CHRISTOPHE PIERRE"), 1);
	ck_assert_int_eq(ins_first_name_coherent("JEAN PIERRE", "JEAN CHRISTOPHE PIERRE"), 0);
	ck_assert_int_eq(ins_first_name_coherent("JEAN CHRISTOPHE PIERRE PAUL",
						 "JEAN CHRISTOPHE PIERRE"), 0);
	ck_assert_int_eq(ins_first_name_coherent("MARIE'ANGE", "MARIE ANGE LOUISE"), 1);
	/* Compared after normalisation: case, accents, ligatures, typographic signs. */
	ck_assert_int_eq(ins_first_name_coherent("Jean–Christophe", "JEAN CHRISTOPHE PIERRE"), 1);
	ck_assert_int_eq(ins_first_name_coherent("Hélène", "HELENE MARIE"), 1);
	ck_assert_int_eq(ins_first_name_coherent("Cœur", "COEUR JOIE"), 1);
	ck_assert_int_eq(ins_first_name_coherent("PIERRE-ALAIN", "PIERRE-ALAIN MURIEL FLORIANT"),
			 1);
	ck_assert_int_eq(ins_first_name_coherent("MURIEL", "PIERRE-ALAIN MURIEL FLORIANT"), 0);
	ck_assert_int_eq(ins_first_name_coherent("CATARINA", "OLA CATARINA BELLA"), 0);
}
END_TEST

START_TEST(first_of_list)
{
	char out[64];
	char tiny[3];

	ins_first_of_list("PIERRE-ALAIN MURIEL FLORIANT", out, sizeof out);
	ck_assert_str_eq(out, "PIERRE-ALAIN");
	ins_first_of_list("  ZOE", out, sizeof out);
	ck_assert_str_eq(out, "ZOE");
	ins_first_of_list("CATARINA", out, sizeof out);
	ck_assert_str_eq(out, "CATARINA");
	ins_first_of_list("", out, sizeof out);
	ck_assert_str_eq(out, "");
	ins_first_of_list(NULL, out, sizeof out);
	ck_assert_str_eq(out, "");
	ins_first_of_list("D'ARTAGNAN X", out, sizeof out);
	ck_assert_str_eq(out, "D'ARTAGNAN");
	/* Truncation keeps whole characters. */
	ins_first_of_list("HÉLÈNE MARIE", tiny, sizeof tiny);
	ck_assert_str_eq(tiny, "H");
	ins_first_of_list("ZOE", tiny, sizeof tiny);
	ck_assert_str_eq(tiny, "ZO");
}
END_TEST

/* ---------------------------------------------------------------- matricule */

/* Matricules of the public fictitious INSi test identities (data/insi-test-identities.tsv of
 * the research notes): 13 characters, the key given by the source, the key that verifies. */
static const struct {
	const char *who, *body, *key;
	int expected;
} test_keys[] = {
	{ "ADRUN Zoé", "2751263220749", "74", 74 },
	{ "ADRTROIS Dominique (2A)", "297022A020778", "78", 78 },
	{ "ADRTROIS Toussaint (2B)", "160012B020777", "13", 13 },
	{ "ECETINSI", "1090763220834", "89", 89 },
	{ "ECETINSI INSHISTO 1", "2090763220834", "39", 39 },
	{ "ECETINSI INSHISTO 2", "2090663220123", "55", 55 },
	{ "TCHITCHI", "2360663220836", "56", 56 },
	{ "CORSE (2B)", "180032B020401", "23", 23 },
	{ "HERMANN (CNDA 2.08 cas 2)", "1810363220456", "60", 76 },
	{ "HERMANN INSHISTO", "2810363220456", "10", 26 },
	{ "PROVISOIRE (NIA)", "1090763220888", "35", 35 },
	{ "NESSI", "1100863220830", "60", 60 },
	{ "PATB-QUATRE", "1810163220751", "40", 40 },
	{ "PAT-TROIS", "2790351215189", "89", 89 },
	{ "lsoulier datamatrix", "1850575123456", "73", 73 },
};

START_TEST(matricule_test_identities)
{
	size_t i;

	for (i = 0; i < sizeof test_keys / sizeof test_keys[0]; i++) {
		char m[16];
		int expected = -1, rc;

		snprintf(m, sizeof m, "%s%s", test_keys[i].body, test_keys[i].key);
		rc = ins_matricule_check(m, &expected);
		ck_assert_msg(rc == (atoi(test_keys[i].key) == test_keys[i].expected),
			      "%s: rc %d", test_keys[i].who, rc);
		ck_assert_msg(expected == test_keys[i].expected, "%s: expected %d, got %d",
			      test_keys[i].who, test_keys[i].expected, expected);
	}
	/* HERMANN's published key does not verify: 76 is the right one. */
	ck_assert_int_eq(ins_matricule_check("181036322045660", NULL), 0);
	ck_assert_int_eq(ins_matricule_check("181036322045676", NULL), 1);
}
END_TEST

START_TEST(matricule_corsica_nia)
{
	int expected = 0;

	/* 2A -> 19 and 2B -> 18 before the modulo. */
	ck_assert_int_eq(ins_matricule_check("297022A02077878", &expected), 1);
	ck_assert_int_eq(expected, 78);
	ck_assert_int_eq(ins_matricule_check("160012B02077713", &expected), 1);
	ck_assert_int_eq(ins_matricule_check("297022B02077878", &expected), 0);
	ck_assert_int_eq(expected, 8); /* 2970218020778 */
	/* A NIA (OID .9) follows the same rule. */
	ck_assert_int_eq(ins_matricule_check("109076322088835", &expected), 1);
	ck_assert_int_eq(ins_matricule_check("109076322088836", &expected), 0);
	ck_assert_int_eq(expected, 35);
	/* 64-bit arithmetic: a body above 2^32 whose key a 32-bit computation would miss. */
	ck_assert_int_eq(ins_matricule_check("899999999999936", &expected), 1);
}
END_TEST

START_TEST(matricule_not_a_matricule)
{
	int expected = 1234;

	ck_assert_int_eq(ins_matricule_check(NULL, &expected), -1);
	ck_assert_int_eq(ins_matricule_check("", &expected), -1);
	ck_assert_int_eq(ins_matricule_check("2751263220749", &expected), -1);     /* no key */
	ck_assert_int_eq(ins_matricule_check("27512632207497", &expected), -1);
	ck_assert_int_eq(ins_matricule_check("2751263220749741", &expected), -1);
	ck_assert_int_eq(ins_matricule_check("2751263220749 74", &expected), -1);
	ck_assert_int_eq(ins_matricule_check("27512632207497X", &expected), -1);
	ck_assert_int_eq(ins_matricule_check("275126322074X74", &expected), -1);
	ck_assert_int_eq(ins_matricule_check("297022a02077878", &expected), -1);
	ck_assert_int_eq(ins_matricule_check("297022C02077878", &expected), -1);
	ck_assert_int_eq(expected, 1234); /* untouched when not a matricule */
	/* Key 00 never verifies (keys run 01..97). */
	ck_assert_int_eq(ins_matricule_check("275126322074900", &expected), 0);
	ck_assert_int_eq(expected, 74);
}
END_TEST

/* ---------------------------------------------------------------- OID, documents, calls */

START_TEST(oid_types)
{
	ck_assert_str_eq(ins_oid_type("1.2.250.1.213.1.4.8"), "NIR");
	ck_assert_str_eq(ins_oid_type(INS_OID_NIA), "NIA");
	ck_assert_str_eq(ins_oid_type(INS_OID_TEST), "NIR de test");
	ck_assert_str_eq(ins_oid_type(INS_OID_DEMO), "NIR de démonstration");
	ck_assert_ptr_null(ins_oid_type("1.2.250.1.213.1.4.2"));
	ck_assert_ptr_null(ins_oid_type("1.2.250.1.213.1.4.8 "));
	ck_assert_ptr_null(ins_oid_type(""));
	ck_assert_ptr_null(ins_oid_type(NULL));
}
END_TEST

START_TEST(doc_codes_labels)
{
	static const struct {
		enum ins_doc d;
		const char *code, *label;
	} docs[] = {
		{ INS_DOC_CNI, "CN", "Carte nationale d'identité" },
		{ INS_DOC_PASSEPORT, "PA", "Passeport" },
		{ INS_DOC_TITRE_SEJOUR, "CS", "Titre de séjour" },
		{ INS_DOC_LIVRET_FAMILLE, "LE", "Livret de famille + pièce d'un parent (mineur)" },
		{ INS_DOC_ACTE_NAISSANCE, "AN", "Acte de naissance + pièce d'un parent (mineur)" },
		{ INS_DOC_APPLI_VITALE, "AV", "Appli carte Vitale" },
		{ INS_DOC_EXCEPTION, "EX", "Procédure d'exception (patient connu)" },
	};
	size_t i;

	ck_assert_uint_eq(sizeof docs / sizeof docs[0], INS_DOC_COUNT - 1);
	for (i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		char lower[3];

		ck_assert_str_eq(ins_doc_code(docs[i].d), docs[i].code);
		ck_assert_str_eq(ins_doc_label(docs[i].d), docs[i].label);
		ck_assert_int_eq(ins_doc_from_code(docs[i].code), docs[i].d);
		lower[0] = (char)(docs[i].code[0] + 32);
		lower[1] = (char)(docs[i].code[1] + 32);
		lower[2] = '\0';
		ck_assert_int_eq(ins_doc_from_code(lower), docs[i].d);
	}
	ck_assert_str_eq(ins_doc_code(INS_DOC_NONE), "");
	ck_assert_int_eq(ins_doc_from_code(""), INS_DOC_NONE);
	ck_assert_int_eq(ins_doc_from_code(NULL), INS_DOC_NONE);
	ck_assert_int_eq(ins_doc_from_code("XX"), INS_DOC_NONE);
	ck_assert_int_eq(ins_doc_from_code("CNI"), INS_DOC_NONE);
	ck_assert_int_eq(ins_doc_from_code("C"), INS_DOC_NONE);
	ck_assert_str_eq(ins_doc_code((enum ins_doc)42), "");
	ck_assert_ptr_nonnull(strstr(ins_doc_label((enum ins_doc)42), "inconnue"));
}
END_TEST

START_TEST(insi_call_allowed)
{
	const char *why = "sentinel";

	/* EXI SI 09: douteuse or fictive forbid any INSi call; homonyme does not. */
	ck_assert_int_eq(ins_insi_call_allowed(0, &why), 1);
	ck_assert_ptr_null(why);
	ck_assert_int_eq(ins_insi_call_allowed(ID_ATTR_HOMONYME, &why), 1);
	ck_assert_int_eq(ins_insi_call_allowed(ID_ATTR_DOUTEUSE, &why), 0);
	ck_assert_ptr_nonnull(strstr(why, "douteuse"));
	ck_assert_int_eq(ins_insi_call_allowed(ID_ATTR_FICTIVE, &why), 0);
	ck_assert_ptr_nonnull(strstr(why, "fictive"));
	ck_assert_int_eq(ins_insi_call_allowed(ID_ATTR_DOUTEUSE | ID_ATTR_HOMONYME, &why), 0);
	ck_assert_int_eq(ins_insi_call_allowed(ID_ATTR_FICTIVE, NULL), 0);
}
END_TEST

START_TEST(trait_labels)
{
	int t, u;

	for (t = 0; t < INS_T_COUNT; t++) {
		ck_assert_uint_gt(strlen(ins_trait_label((enum ins_trait)t)), 3);
		for (u = 0; u < t; u++)
			ck_assert_str_ne(ins_trait_label((enum ins_trait)t),
					 ins_trait_label((enum ins_trait)u));
	}
	ck_assert_str_eq(ins_trait_label(INS_T_BIRTH_NAME), "Nom de naissance");
	/* The comparison table gives a label 19 columns (Latin-1 accents: 2 bytes each) */
	for (t = 0; t < INS_T_COUNT; t++)
		ck_assert_uint_le(strlen(ins_trait_label((enum ins_trait)t)), 20);
	ck_assert_str_eq(ins_trait_label((enum ins_trait)INS_T_COUNT), "Trait inconnu");
}
END_TEST

/* ---------------------------------------------------------------- comparison */

static struct ins_identity make_id(const char *mat, const char *oid, const char *name,
				   const char *first, const char *firsts, const char *sex,
				   const char *date, const char *cog)
{
	struct ins_identity id;

	memset(&id, 0, sizeof id);
	snprintf(id.matricule, sizeof id.matricule, "%s", mat);
	snprintf(id.oid, sizeof id.oid, "%s", oid);
	snprintf(id.birth_name, sizeof id.birth_name, "%s", name);
	snprintf(id.first_name, sizeof id.first_name, "%s", first);
	snprintf(id.first_names, sizeof id.first_names, "%s", firsts);
	snprintf(id.sex, sizeof id.sex, "%s", sex);
	snprintf(id.birth_date, sizeof id.birth_date, "%s", date);
	snprintf(id.birth_cog, sizeof id.birth_cog, "%s", cog);
	return id;
}

/* ADRUN Zoé as typed at the desk, and as INSi returns her. */
static struct ins_identity local_adrun(void)
{
	return make_id("275126322074974", INS_OID_NIR, "Adrun", "Zoé", "Zoé", "F", "1975-12-31",
		       "63220");
}

static struct ins_identity insi_adrun(void)
{
	return make_id("275126322074974", INS_OID_NIR, "ADRUN", "ZOE", "ZOE", "F", "1975-12-31",
		       "63220");
}

static enum ins_cmp cmp[INS_T_COUNT];

static void compare(const struct ins_identity *a, const struct ins_identity *b)
{
	memset(cmp, 0x7f, sizeof cmp);
	ins_compare(a, b, cmp);
}

START_TEST(compare_all_equal)
{
	struct ins_identity l = local_adrun(), r = insi_adrun();
	int t;

	compare(&l, &r);
	for (t = 0; t < INS_T_COUNT; t++)
		ck_assert_msg(cmp[t] == INS_EQUAL, "trait %d: %d", t, cmp[t]);
	ck_assert_int_eq(ins_auto_acceptable(cmp, 1), 1);
}
END_TEST

START_TEST(compare_matricule)
{
	struct ins_identity l = local_adrun(), r = insi_adrun();

	snprintf(l.matricule, sizeof l.matricule, "297022A02077878");
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_MATRICULE], INS_DIFFERS);
	/* Same body, other key: the key is part of the comparison. */
	snprintf(l.matricule, sizeof l.matricule, "275126322074975");
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_MATRICULE], INS_DIFFERS);
	l.matricule[0] = '\0';
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_MATRICULE], INS_MISSING);
	l = local_adrun();
	r.matricule[0] = '\0';
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_MATRICULE], INS_MISSING);
	/* Corsica in lower case typed locally is the same matricule. */
	l = make_id("297022a02077878", "", "ADRTROIS", "DOMINIQUE", "", "F", "1997-02-26", "");
	r = make_id("297022A02077878", INS_OID_NIR, "ADRTROIS", "DOMINIQUE", "DOMINIQUE", "F",
		    "1997-02-26", "2A020");
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_MATRICULE], INS_EQUAL);
}
END_TEST

START_TEST(compare_type)
{
	struct ins_identity l = local_adrun(), r = insi_adrun();

	/* A local matricule without OID counts as a NIR. */
	l.oid[0] = '\0';
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_TYPE], INS_EQUAL);
	snprintf(r.oid, sizeof r.oid, "%s", INS_OID_TEST);
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_TYPE], INS_EQUAL);
	snprintf(r.oid, sizeof r.oid, "%s", INS_OID_NIA);
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_TYPE], INS_DIFFERS);
	/* Both OIDs given: NIR vs NIA and production vs test differ. */
	l = local_adrun();
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_TYPE], INS_DIFFERS);
	snprintf(r.oid, sizeof r.oid, "%s", INS_OID_TEST);
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_TYPE], INS_DIFFERS);
	/* Nothing known locally, or no OID in the answer. */
	l.oid[0] = '\0';
	l.matricule[0] = '\0';
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_TYPE], INS_MISSING);
	l = local_adrun();
	r = insi_adrun();
	r.oid[0] = '\0';
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_TYPE], INS_MISSING);
}
END_TEST

START_TEST(compare_birth_name)
{
	struct ins_identity l = local_adrun(), r = insi_adrun();

	snprintf(l.birth_name, sizeof l.birth_name, "ADRIN");
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_BIRTH_NAME], INS_DIFFERS);
	l.birth_name[0] = '\0';
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_BIRTH_NAME], INS_MISSING);
	snprintf(l.birth_name, sizeof l.birth_name, "   ");
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_BIRTH_NAME], INS_MISSING);
	/* Case, accents, ligatures and typographic apostrophes are not differences. */
	l = make_id("", "", "d’Æion", "Cœur", "", "M", "1987-01-01", "");
	r = make_id("", "", "D'AEION", "COEUR", "COEUR", "M", "1987-01-01", "");
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_BIRTH_NAME], INS_EQUAL);
	ck_assert_int_eq(cmp[INS_T_FIRST_NAME], INS_EQUAL);
	snprintf(l.birth_name, sizeof l.birth_name, "de  Vinci ");
	snprintf(r.birth_name, sizeof r.birth_name, "DE VINCI");
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_BIRTH_NAME], INS_EQUAL);
	/* A separator is a difference: DE VINCI is not DEVINCI nor DE-VINCI. */
	snprintf(r.birth_name, sizeof r.birth_name, "DE-VINCI");
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_BIRTH_NAME], INS_DIFFERS);
	/* Text that cannot be normalised compares as its upper-cased text. */
	snprintf(l.birth_name, sizeof l.birth_name, "Martin2");
	snprintf(r.birth_name, sizeof r.birth_name, "MARTIN2");
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_BIRTH_NAME], INS_EQUAL);
	snprintf(r.birth_name, sizeof r.birth_name, "MARTIN");
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_BIRTH_NAME], INS_DIFFERS);
}
END_TEST

START_TEST(compare_first_name)
{
	struct ins_identity l = local_adrun(), r = insi_adrun();

	snprintf(l.first_name, sizeof l.first_name, "ZOEE");
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_FIRST_NAME], INS_DIFFERS);
	l.first_name[0] = '\0';
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_FIRST_NAME], INS_MISSING);
	/* TIQ without Prenom: the first of ListePrenom stands for it. */
	l = make_id("", "", "ECETINSI", "Pierre-Alain", "", "M", "2009-07-14", "");
	r = make_id("109076322083489", INS_OID_NIR, "ECETINSI", "", "PIERRE-ALAIN MURIEL FLORIANT",
		    "M", "2009-07-14", "63220");
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_FIRST_NAME], INS_EQUAL);
	ck_assert_int_eq(cmp[INS_T_FIRST_NAMES], INS_MISSING);
	snprintf(l.first_name, sizeof l.first_name, "PIERRE");
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_FIRST_NAME], INS_DIFFERS);
	r.first_names[0] = '\0';
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_FIRST_NAME], INS_MISSING);
}
END_TEST

START_TEST(compare_first_names)
{
	struct ins_identity l = local_adrun(), r = insi_adrun();

	snprintf(l.first_names, sizeof l.first_names, "Pierre-Alain  Muriel Floriant");
	snprintf(r.first_names, sizeof r.first_names, "PIERRE-ALAIN MURIEL FLORIANT");
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_FIRST_NAMES], INS_EQUAL);
	snprintf(l.first_names, sizeof l.first_names, "PIERRE ALAIN MURIEL FLORIANT");
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_FIRST_NAMES], INS_DIFFERS);
	snprintf(l.first_names, sizeof l.first_names, "PIERRE-ALAIN MURIEL");
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_FIRST_NAMES], INS_DIFFERS);
	l.first_names[0] = '\0';
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_FIRST_NAMES], INS_MISSING);
	/* A list longer than INSi's 100 characters still ignores accents. */
	memset(l.first_names, 'A', 150);
	memcpy(l.first_names + 150, " HÉLÈNE", 10);
	memset(r.first_names, 'A', 150);
	memcpy(r.first_names + 150, " HELENE", 8);
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_FIRST_NAMES], INS_EQUAL);
}
END_TEST

START_TEST(compare_sex_date_cog)
{
	struct ins_identity l = local_adrun(), r = insi_adrun();

	snprintf(l.sex, sizeof l.sex, "M");
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_SEX], INS_DIFFERS);
	snprintf(l.sex, sizeof l.sex, "f");
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_SEX], INS_EQUAL);
	l.sex[0] = '\0';
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_SEX], INS_MISSING);

	snprintf(l.birth_date, sizeof l.birth_date, "1975-12-30");
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_BIRTH_DATE], INS_DIFFERS);
	l.birth_date[0] = '\0';
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_BIRTH_DATE], INS_MISSING);
	r.birth_date[0] = '\0';
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_BIRTH_DATE], INS_MISSING);

	l = local_adrun();
	r = insi_adrun();
	snprintf(l.birth_cog, sizeof l.birth_cog, "63221");
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_BIRTH_COG], INS_DIFFERS);
	l.birth_cog[0] = '\0';
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_BIRTH_COG], INS_MISSING);
	snprintf(l.birth_cog, sizeof l.birth_cog, "2b020");
	snprintf(r.birth_cog, sizeof r.birth_cog, "2B020");
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_BIRTH_COG], INS_EQUAL);
}
END_TEST

START_TEST(auto_acceptable)
{
	struct ins_identity l = local_adrun(), r = insi_adrun();
	static const enum ins_trait required[] = { INS_T_BIRTH_NAME, INS_T_FIRST_NAME, INS_T_SEX,
						   INS_T_BIRTH_DATE };
	size_t i;

	compare(&l, &r);
	ck_assert_int_eq(ins_auto_acceptable(cmp, 1), 1);
	/* An answer whose key does not verify is never taken automatically. */
	ck_assert_int_eq(ins_auto_acceptable(cmp, 0), 0);
	/* Different first name. */
	snprintf(l.first_name, sizeof l.first_name, "ZOEE");
	compare(&l, &r);
	ck_assert_int_eq(ins_auto_acceptable(cmp, 1), 0);
	/* No matricule locally yet: that is what INSi brings. */
	l = local_adrun();
	l.matricule[0] = '\0';
	l.oid[0] = '\0';
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_MATRICULE], INS_MISSING);
	ck_assert_int_eq(ins_auto_acceptable(cmp, 1), 1);
	/* Birth place unknown locally is fine; a different one is not. */
	l = local_adrun();
	l.birth_cog[0] = '\0';
	compare(&l, &r);
	ck_assert_int_eq(ins_auto_acceptable(cmp, 1), 1);
	snprintf(l.birth_cog, sizeof l.birth_cog, "75056");
	compare(&l, &r);
	ck_assert_int_eq(ins_auto_acceptable(cmp, 1), 0);
	/* Another matricule, or a NIA where a NIR was known. */
	l = local_adrun();
	snprintf(l.matricule, sizeof l.matricule, "297022A02077878");
	compare(&l, &r);
	ck_assert_int_eq(ins_auto_acceptable(cmp, 1), 0);
	l = local_adrun();
	snprintf(r.oid, sizeof r.oid, "%s", INS_OID_NIA);
	compare(&l, &r);
	ck_assert_int_eq(ins_auto_acceptable(cmp, 1), 0);
	/* The list of first names is not among the traits that must match (DOMAIN.md §1). */
	r = insi_adrun();
	snprintf(r.first_names, sizeof r.first_names, "ZOE MARIE");
	compare(&l, &r);
	ck_assert_int_eq(cmp[INS_T_FIRST_NAMES], INS_DIFFERS);
	ck_assert_int_eq(ins_auto_acceptable(cmp, 1), 1);
	/* Each required trait must be equal: differing or missing blocks. */
	for (i = 0; i < sizeof required / sizeof required[0]; i++) {
		compare(&l, &r);
		cmp[required[i]] = INS_DIFFERS;
		ck_assert_int_eq(ins_auto_acceptable(cmp, 1), 0);
		cmp[required[i]] = INS_MISSING;
		ck_assert_int_eq(ins_auto_acceptable(cmp, 1), 0);
	}
}
END_TEST

/* ---------------------------------------------------------------- datamatrix */

#define GS "\x1d"
#define HDR "IS010000000000000000000000"
/* research/ins.md §5, lsoulier's test payload; its key 73 verifies. */
#define LOVELACE_LITERAL                                                                     \
	HDR "S1185057512345673S21.2.250.1.213.1.4.8<GS>S3ADA<GS>S4LOVELACE<GS>S5FS610-12-1815" \
	    "S799100"
#define LOVELACE_GS                                                                          \
	HDR "S1185057512345673S21.2.250.1.213.1.4.8" GS "S3ADA" GS "S4LOVELACE" GS            \
	    "S5FS610-12-1815S799100"

static struct ins_identity lovelace(void)
{
	return make_id("185057512345673", INS_OID_NIR, "Lovelace", "Ada", "Ada", "F", "1815-12-10",
		       "99100");
}

static char dmerr[256];

static int dm_parse_str(const char *payload, struct ins_identity *id)
{
	memset(dmerr, 'x', sizeof dmerr);
	dmerr[sizeof dmerr - 1] = '\0';
	return ins_dm_parse(payload, strlen(payload), id, dmerr, sizeof dmerr);
}

#define ck_dm_refused(payload, needle)                                                       \
	do {                                                                                 \
		struct ins_identity id_;                                                     \
		ck_assert_int_eq(dm_parse_str((payload), &id_), -1);                         \
		ck_assert_msg(strstr(dmerr, (needle)) != NULL, "error \"%s\" lacks \"%s\"",  \
			      dmerr, (needle));                                              \
		ck_assert_str_eq(id_.matricule, "");                                         \
		ck_assert_str_eq(id_.birth_name, "");                                        \
	} while (0)

static void ck_lovelace(const struct ins_identity *id)
{
	ck_assert_str_eq(id->matricule, "185057512345673");
	ck_assert_str_eq(id->oid, INS_OID_NIR);
	ck_assert_str_eq(id->first_names, "ADA");
	ck_assert_str_eq(id->first_name, "ADA");
	ck_assert_str_eq(id->birth_name, "LOVELACE");
	ck_assert_str_eq(id->sex, "F");
	ck_assert_str_eq(id->birth_date, "1815-12-10");
	ck_assert_str_eq(id->birth_cog, "99100");
}

START_TEST(dm_build_example)
{
	struct ins_identity id = lovelace();
	char out[INS_DM_MAX];
	int len;

	len = ins_dm_build(&id, out, sizeof out, dmerr, sizeof dmerr);
	ck_assert_msg(len > 0, "%s", dmerr);
	ck_assert_str_eq(out, LOVELACE_GS);
	ck_assert_int_eq(len, 104);
	ck_assert_str_eq(dmerr, "");
}
END_TEST

START_TEST(dm_parse_example)
{
	struct ins_identity id;

	ck_assert_int_eq(dm_parse_str(LOVELACE_LITERAL, &id), 0);
	ck_lovelace(&id);
	ck_assert_int_eq(dm_parse_str(LOVELACE_GS, &id), 0);
	ck_lovelace(&id);
	ck_assert_str_eq(dmerr, "");
	/* Scanner habits: Enter at the end, lower-case literal, a GS after a fixed field. */
	ck_assert_int_eq(dm_parse_str(LOVELACE_GS "\r\n", &id), 0);
	ck_lovelace(&id);
	ck_assert_int_eq(dm_parse_str(LOVELACE_LITERAL "\n", &id), 0);
	ck_assert_int_eq(dm_parse_str(HDR "S1185057512345673S21.2.250.1.213.1.4.8<gs>S3ADA<gs>"
					  "S4LOVELACE<gs>S5FS610-12-1815S799100", &id), 0);
	ck_lovelace(&id);
	ck_assert_int_eq(dm_parse_str(HDR "S1185057512345673" GS "S21.2.250.1.213.1.4.8" GS
					  "S3ADA" GS "S4LOVELACE" GS "S5F" GS "S610-12-1815" GS
					  "S799100",
				      &id),
			 0);
	ck_lovelace(&id);
}
END_TEST

START_TEST(dm_parse_other_order)
{
	struct ins_identity id;

	/* ZXing's sample puts S4 last: no GS after it, the payload just ends. */
	ck_assert_int_eq(dm_parse_str(HDR "S1185057512345673S21.2.250.1.213.1.4.8" GS "S3ADA" GS
					  "S5FS610-12-1815S799100S4LOVELACE",
				      &id),
			 0);
	ck_lovelace(&id);
	ck_assert_int_eq(dm_parse_str(HDR "S799100S610-12-1815S5FS4LOVELACE<GS>S3ADA<GS>"
					  "S21.2.250.1.213.1.4.8<GS>S1185057512345673",
				      &id),
			 0);
	ck_lovelace(&id);
}
END_TEST

START_TEST(dm_without_cog)
{
	struct ins_identity id = lovelace(), back;
	char out[INS_DM_MAX];
	int len;

	id.birth_cog[0] = '\0';
	len = ins_dm_build(&id, out, sizeof out, dmerr, sizeof dmerr);
	ck_assert_msg(len > 0, "%s", dmerr);
	/* S6 is last and fixed: nothing after it. */
	ck_assert_str_eq(out, HDR "S1185057512345673S21.2.250.1.213.1.4.8" GS "S3ADA" GS
				  "S4LOVELACE" GS "S5FS610-12-1815");
	ck_assert_int_eq(len, 97);
	ck_assert_int_eq(ins_dm_parse(out, (size_t)len, &back, dmerr, sizeof dmerr), 0);
	ck_assert_str_eq(back.birth_cog, "");
	ck_assert_str_eq(back.birth_name, "LOVELACE");
}
END_TEST

START_TEST(dm_fields_at_max_length)
{
	struct ins_identity id = lovelace(), back;
	char out[INS_DM_MAX], expect[INS_DM_MAX], name[101], firsts[101];
	int len;

	memset(name, 'N', 100);
	name[100] = '\0';
	memset(firsts, 'P', 100);
	firsts[49] = ' ';
	firsts[100] = '\0';
	snprintf(id.birth_name, sizeof id.birth_name, "%s", name);
	snprintf(id.first_names, sizeof id.first_names, "%s", firsts);
	snprintf(id.oid, sizeof id.oid, "%s", INS_OID_DEMO); /* 20 characters, the S2 maximum */
	len = ins_dm_build(&id, out, sizeof out, dmerr, sizeof dmerr);
	ck_assert_msg(len > 0, "%s", dmerr);
	/* No GS after a field at its maximum length. */
	snprintf(expect, sizeof expect,
		 HDR "S1185057512345673S21.2.250.1.213.1.4.11S3%sS4%sS5FS610-12-1815S799100", firsts,
		 name);
	ck_assert_str_eq(out, expect);
	ck_assert_ptr_null(memchr(out, 0x1d, (size_t)len));
	ck_assert_int_eq(len, 26 + 17 + 22 + 102 + 102 + 3 + 12 + 7);
	ck_assert_int_eq(ins_dm_parse(out, (size_t)len, &back, dmerr, sizeof dmerr), 0);
	ck_assert_str_eq(back.birth_name, name);
	ck_assert_str_eq(back.first_names, firsts);
	ck_assert_str_eq(back.oid, INS_OID_DEMO);
	ck_assert_str_eq(back.sex, "F");
	/* One character short of the maximum: the GS comes back. */
	name[99] = '\0';
	snprintf(id.birth_name, sizeof id.birth_name, "%s", name);
	len = ins_dm_build(&id, out, sizeof out, dmerr, sizeof dmerr);
	ck_assert_ptr_nonnull(strstr(out, "NNN" GS "S5F"));
}
END_TEST

START_TEST(dm_round_trip)
{
	struct ins_identity ids[] = {
		make_id("275126322074974", INS_OID_NIR, "ADRUN", "ZOE", "ZOE", "F", "1975-12-31",
			"63220"),
		make_id("297022A02077878", INS_OID_NIR, "Adrtrois", "Dominique", "Dominique", "F",
			"1997-02-26", "2A020"),
		make_id("109076322083489", INS_OID_NIR, "ECETINSI", "PIERRE-ALAIN",
			"PIERRE-ALAIN MURIEL FLORIANT", "M", "2009-07-14", "63220"),
		make_id("109076322088835", INS_OID_NIA, "PROVISOIRE", "MATRICULE", "MATRICULE", "M",
			"2009-07-01", "63220"),
		make_id("279035121518989", INS_OID_TEST, "PAT-TROIS", "DOMINIQUE", "", "F",
			"1979-03-28", ""),
		make_id("180032B02040123", INS_OID_NIR, "d’Artagnan de l’Hérault", "Pierre-Alain",
			"Pierre-Alain", "M", "1980-03-02", "2B020"),
		make_id("160012B02077713", INS_OID_NIR, "MARTIN--DURAND", "Cœur", "Cœur Hélène",
			"M", "1960-01-01", "99999"),
	};
	size_t i;

	for (i = 0; i < sizeof ids / sizeof ids[0]; i++) {
		struct ins_identity back;
		char out[INS_DM_MAX];
		enum ins_cmp c[INS_T_COUNT];
		int len = ins_dm_build(&ids[i], out, sizeof out, dmerr, sizeof dmerr), t;

		ck_assert_msg(len > 0, "%zu: %s", i, dmerr);
		ck_assert_uint_eq(strlen(out), (size_t)len);
		ck_assert_msg(ins_dm_parse(out, (size_t)len, &back, dmerr, sizeof dmerr) == 0,
			      "%zu: %s", i, dmerr);
		/* The list stands in for a missing one; compare what was printed. */
		if (ids[i].first_names[0] == '\0')
			memcpy(ids[i].first_names, ids[i].first_name, sizeof ids[i].first_name);
		ins_compare(&ids[i], &back, c);
		for (t = 0; t < INS_T_COUNT; t++) {
			enum ins_cmp want = t == INS_T_BIRTH_COG && ids[i].birth_cog[0] == '\0'
						    ? INS_MISSING
						    : INS_EQUAL;

			ck_assert_msg(c[t] == want, "%zu trait %d: %d", i, t, c[t]);
		}
	}
}
END_TEST

START_TEST(dm_build_refusals)
{
	struct ins_identity id;
	char out[INS_DM_MAX];
	static const struct {
		const char *field, *value, *needle;
	} cases[] = {
		{ "matricule", "", "Matricule INS absent" },
		{ "matricule", "181036322045660", "76 attendue" },
		{ "matricule", "18103632204566", "mal formé" },
		{ "oid", "", "OID" },
		{ "oid", "1.2.250.1.213.1.4.2", "inconnu" },
		{ "name", "", "Nom de naissance" },
		{ "name", "LOVE1ACE", "chiffres" },
		{ "firsts", "ADA--MARIA", "Prénoms de naissance" },
		{ "sex", "I", "Sexe" },
		{ "sex", "", "Sexe" },
		{ "date", "10/12/1815", "Date de naissance" },
		{ "date", "1815-02-30", "Date de naissance" },
		{ "cog", "2C020", "Lieu de naissance" },
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *dst;
		size_t size;

		id = lovelace();
		if (strcmp(cases[i].field, "matricule") == 0)
			dst = id.matricule, size = sizeof id.matricule;
		else if (strcmp(cases[i].field, "oid") == 0)
			dst = id.oid, size = sizeof id.oid;
		else if (strcmp(cases[i].field, "name") == 0)
			dst = id.birth_name, size = sizeof id.birth_name;
		else if (strcmp(cases[i].field, "firsts") == 0)
			dst = id.first_names, size = sizeof id.first_names;
		else if (strcmp(cases[i].field, "sex") == 0)
			dst = id.sex, size = sizeof id.sex;
		else if (strcmp(cases[i].field, "date") == 0)
			dst = id.birth_date, size = sizeof id.birth_date;
		else
			dst = id.birth_cog, size = sizeof id.birth_cog;
		snprintf(dst, size, "%s", cases[i].value);
		memset(out, 'x', sizeof out);
		ck_assert_int_eq(ins_dm_build(&id, out, sizeof out, dmerr, sizeof dmerr), -1);
		ck_assert_msg(strstr(dmerr, cases[i].needle) != NULL, "%s=%s: \"%s\" lacks \"%s\"",
			      cases[i].field, cases[i].value, dmerr, cases[i].needle);
		ck_assert_str_eq(out, "");
	}
	/* No list of first names: the first name is printed. */
	id = lovelace();
	id.first_names[0] = '\0';
	ck_assert_int_gt(ins_dm_build(&id, out, sizeof out, dmerr, sizeof dmerr), 0);
	ck_assert_ptr_nonnull(strstr(out, "S3ADA" GS));
	id.first_name[0] = '\0';
	ck_assert_int_eq(ins_dm_build(&id, out, sizeof out, dmerr, sizeof dmerr), -1);
	ck_assert_ptr_nonnull(strstr(dmerr, "Prénoms"));
	/* Too small a buffer is an error, not a truncated symbol. */
	id = lovelace();
	ck_assert_int_eq(ins_dm_build(&id, out, 104, dmerr, sizeof dmerr), -1);
	ck_assert_ptr_nonnull(strstr(dmerr, "105"));
	ck_assert_int_eq(ins_dm_build(&id, out, 105, dmerr, sizeof dmerr), 104);
	ck_assert_int_eq(ins_dm_build(NULL, out, sizeof out, dmerr, sizeof dmerr), -1);
}
END_TEST

START_TEST(dm_parse_refusals)
{
	char buf[256];
	struct ins_identity id;

	/* Header. */
	ck_dm_refused("IS020000000000000000000000S1185057512345673", "Version");
	ck_dm_refused("XX010000000000000000000000S1185057512345673", "en-tête");
	ck_dm_refused("IS01000000000000000000000", "en-tête");
	ck_dm_refused("IS01000000000000000000001XS1185057512345673", "en-tête");
	ck_dm_refused("", "en-tête");
	ck_dm_refused("DC04 2D-Doc", "en-tête");
	/* Unknown field identifiers. */
	ck_dm_refused(HDR "S1185057512345673S8X", "inconnu « S8 »");
	ck_dm_refused(HDR "S1185057512345673T5F", "inconnu « T5 »");
	ck_dm_refused(HDR "S1185057512345673S", "tronqué");
	ck_dm_refused(HDR "S0185057512345673", "inconnu « S0 »");
	/* Truncated. */
	ck_dm_refused(HDR "S11850575123456", "tronqué");
	ck_dm_refused(HDR "S1185057512345673S21.2.250.1.213.1.4.8<GS>S3ADA<GS>S4LOVELACE<GS>"
			  "S5FS610-12-18",
		      "tronqué");
	ck_dm_refused(HDR "S1185057512345673S21.2.250.1.213.1.4.8<GS>S3ADA<GS>S4LOVELACE<GS>"
			  "S5FS610-12-1815S7991",
		      "tronqué");
	/* Key that does not verify. */
	ck_dm_refused(HDR "S1185057512345674S21.2.250.1.213.1.4.8<GS>S3ADA<GS>S4LOVELACE<GS>"
			  "S5FS610-12-1815S799100",
		      "73 attendue");
	ck_dm_refused(HDR "S1181036322045660S21.2.250.1.213.1.4.8<GS>S3GATIEN<GS>S4HERMANN<GS>"
			  "S5MS624-03-1981S763220",
		      "ne vérifie pas");
	/* Missing mandatory fields. */
	ck_dm_refused(HDR "S21.2.250.1.213.1.4.8<GS>S3ADA<GS>S4LOVELACE<GS>S5FS610-12-1815",
		      "S1 (matricule INS) manquant");
	ck_dm_refused(HDR "S1185057512345673S21.2.250.1.213.1.4.8<GS>S3ADA<GS>S5FS610-12-1815",
		      "S4 (nom de naissance) manquant");
	ck_dm_refused(HDR "S1185057512345673S21.2.250.1.213.1.4.8<GS>S3ADA<GS>S4LOVELACE<GS>"
			  "S610-12-1815",
		      "S5 (sexe) manquant");
	ck_dm_refused(HDR "S1185057512345673S21.2.250.1.213.1.4.8<GS>S3ADA<GS>S4LOVELACE<GS>S5F",
		      "S6 (date de naissance) manquant");
	ck_dm_refused(HDR "S1185057512345673S3ADA<GS>S4LOVELACE<GS>S5FS610-12-1815", "S2");
	ck_dm_refused(HDR "S1185057512345673S21.2.250.1.213.1.4.8<GS>S4LOVELACE<GS>S5FS610-12-1815",
		      "S3");
	ck_dm_refused(HDR, "S1 (matricule INS) manquant");
	/* Bad values. */
	ck_dm_refused(HDR "S1185057512345673S21.2.250.1.213.1.4.8<GS>S3ADA<GS>S4LOVELACE<GS>"
			  "S5XS610-12-1815",
		      "S5 (sexe)");
	ck_dm_refused(HDR "S1185057512345673S21.2.250.1.213.1.4.8<GS>S3ADA<GS>S4LOVELACE<GS>"
			  "S5FS631-02-1815",
		      "S6 (date de naissance)");
	ck_dm_refused(HDR "S1185057512345673S21.2.250.1.213.1.4.8<GS>S3ADA<GS>S4LOVELACE<GS>"
			  "S5FS61815-12-10",
		      "S6 (date de naissance)");
	ck_dm_refused(HDR "S1185057512345673S21.2.250.1.213.1.4.8<GS>S3ADA<GS>S4LOVE1ACE<GS>"
			  "S5FS610-12-1815",
		      "S4 (nom de naissance)");
	ck_dm_refused(HDR "S1185057512345673S21.2.250.1.213.1.4.8<GS>S3ADA<GS>S4<GS>"
			  "S5FS610-12-1815",
		      "S4 (nom de naissance)");
	ck_dm_refused(HDR "S1185057512345673S21.2.250.1.213.1.4.2<GS>S3ADA<GS>S4LOVELACE<GS>"
			  "S5FS610-12-1815",
		      "OID");
	ck_dm_refused(HDR "S1185057512345673S21.2.250.1.213.1.4.8<GS>S3ADA<GS>S4LOVELACE<GS>"
			  "S5FS610-12-1815S720000",
		      "Lieu de naissance");
	ck_dm_refused(HDR "S1185057512345673S21.2.250.1.213.1.4.8<GS>S3ADA<GS>S4LOVELACE<GS>"
			  "S5<GS>S610-12-1815",
		      "longueur incorrecte");
	/* A variable field not closed by GS runs into the next one and is refused. */
	ck_dm_refused(HDR "S1185057512345673S21.2.250.1.213.1.4.8<GS>S3ADA<GS>S4LOVELACES5F"
			  "S610-12-1815",
		      "S4 (nom de naissance)");
	/* The same field twice. */
	ck_dm_refused(LOVELACE_LITERAL "S5M", "deux fois");
	/* A NUL byte inside the given length. */
	memcpy(buf, LOVELACE_GS, sizeof LOVELACE_GS);
	buf[60] = '\0';
	ck_assert_int_eq(ins_dm_parse(buf, sizeof LOVELACE_GS - 1, &id, dmerr, sizeof dmerr), -1);
	ck_assert_ptr_nonnull(strstr(dmerr, "nul"));
	/* Only the given length is read. */
	ck_assert_int_eq(ins_dm_parse(LOVELACE_GS "S5M", sizeof LOVELACE_GS - 1, &id, dmerr,
				      sizeof dmerr),
			 0);
	ck_assert_int_eq(ins_dm_parse(NULL, 0, &id, dmerr, sizeof dmerr), -1);
}
END_TEST

/* ---------------------------------------------------------------- suite */

static Suite *ins_suite(void)
{
	Suite *s = suite_create("ins");
	TCase *tc;

	tc = tcase_create("normalize");
	tcase_add_test(tc, norm_examples);
	tcase_add_test(tc, norm_diacritics);
	tcase_add_test(tc, norm_separators);
	tcase_add_test(tc, norm_refusals);
	tcase_add_test(tc, norm_length);
	tcase_add_test(tc, norm_outputs_have_insi_shape);
	tcase_add_test(tc, first_name_coherence);
	tcase_add_test(tc, first_of_list);
	suite_add_tcase(s, tc);

	tc = tcase_create("matricule");
	tcase_add_test(tc, matricule_test_identities);
	tcase_add_test(tc, matricule_corsica_nia);
	tcase_add_test(tc, matricule_not_a_matricule);
	tcase_add_test(tc, oid_types);
	tcase_add_test(tc, doc_codes_labels);
	tcase_add_test(tc, insi_call_allowed);
	tcase_add_test(tc, trait_labels);
	suite_add_tcase(s, tc);

	tc = tcase_create("compare");
	tcase_add_test(tc, compare_all_equal);
	tcase_add_test(tc, compare_matricule);
	tcase_add_test(tc, compare_type);
	tcase_add_test(tc, compare_birth_name);
	tcase_add_test(tc, compare_first_name);
	tcase_add_test(tc, compare_first_names);
	tcase_add_test(tc, compare_sex_date_cog);
	tcase_add_test(tc, auto_acceptable);
	suite_add_tcase(s, tc);

	tc = tcase_create("datamatrix");
	tcase_add_test(tc, dm_build_example);
	tcase_add_test(tc, dm_parse_example);
	tcase_add_test(tc, dm_parse_other_order);
	tcase_add_test(tc, dm_without_cog);
	tcase_add_test(tc, dm_fields_at_max_length);
	tcase_add_test(tc, dm_round_trip);
	tcase_add_test(tc, dm_build_refusals);
	tcase_add_test(tc, dm_parse_refusals);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ins_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
