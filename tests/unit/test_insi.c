/* Unit tests of the INSi client (src/net/insi.c): answers, faults, hostile XML, requests,
 * transport errors against a TLS server of the test's own on loopback. */
#include <check.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "net/insi.h"

#ifndef INSI_TEST_DATA
#define INSI_TEST_DATA "tests/data/insi"
#endif

/* ---------------------------------------------------------------- helpers */

static char *load(const char *name, size_t *len)
{
	const char *src = getenv("SRCDIR");
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	if (src && *src)
		snprintf(path, sizeof path, "%s/tests/data/insi/%s", src, name);
	else
		snprintf(path, sizeof path, "%s/%s", INSI_TEST_DATA, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = 0;
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static int parse_file(const char *name, struct insi_result *r, struct insi_error *e)
{
	size_t len;
	char *xml = load(name, &len);
	int rc = insi_parse_response(xml, len, r, e);

	free(xml);
	return rc;
}

static int parse_str(const char *xml, struct insi_result *r, struct insi_error *e)
{
	return insi_parse_response(xml, strlen(xml), r, e);
}

#define ck_contains(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) != NULL, "« %s » not in « %s »", (needle), (hay))

/* What insi_result_print writes, as one string. */
static char *printed(const struct insi_result *r)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	insi_result_print(f, r);
	fclose(f);
	return buf;
}

#define ENV_OPEN "<?xml version=\"1.0\"?><s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\">" \
	"<s:Body><RESULTAT xmlns=\"http://www.cnamts.fr/INSiResultat\">"
#define ENV_CLOSE "</RESULTAT></s:Body></s:Envelope>"
#define CR00 "<CR><CodeCR>00</CodeCR><LibelleCR>OK</LibelleCR></CR>"
#define ACTIF_ADRUN "<INSACTIF><IdIndividu><NumIdentifiant>2751263220749</NumIdentifiant>" \
	"<Cle>74</Cle></IdIndividu><OID>1.2.250.1.213.1.4.8</OID></INSACTIF>"
#define TIQ_ADRUN "<TIQ><NomNaissance>ADRUN</NomNaissance><ListePrenom>ZOE</ListePrenom>" \
	"<Sexe>F</Sexe><DateNaissance>1975-12-31</DateNaissance><LieuNaissance>63220</LieuNaissance></TIQ>"

/* ---------------------------------------------------------------- CR 00 / 01 / 02 */

START_TEST(cr00_adrun_default_namespace)
{
	struct insi_result r;
	struct insi_error e;
	char *out;

	ck_assert_int_eq(parse_file("cr00_adrun.xml", &r, &e), 0);
	ck_assert_str_eq(r.cr, "00");
	ck_assert_str_eq(r.cr_label, "OK");
	ck_assert_int_eq(r.has_individu, 1);
	ck_assert_str_eq(r.active.num, "2751263220749");
	ck_assert_str_eq(r.active.key, "74");
	ck_assert_int_eq(r.active.key_ok, 1);
	ck_assert_str_eq(r.active.oid, "1.2.250.1.213.1.4.8");
	ck_assert_str_eq(r.birth_name, "ADRUN");
	/* No TIQ/Prenom: the first first name is the head of ListePrenom. */
	ck_assert_str_eq(r.first_name, "ZOE");
	ck_assert_str_eq(r.first_names, "ZOE");
	ck_assert_str_eq(r.sex, "F");
	ck_assert_str_eq(r.birth_date, "1975-12-31");
	ck_assert_str_eq(r.birth_cog, "63220");
	ck_assert_int_eq(r.n_history, 0);
	ck_assert_int_eq(r.key_anomaly, 0);
	out = printed(&r);
	ck_assert_str_eq(out, "cr: 00\nlibelle: OK\nmatricule: 2751263220749\ncle: 74\n"
			 "cle_valide: oui\noid: 1.2.250.1.213.1.4.8\ntype: NIR\n"
			 "nom_naissance: ADRUN\nprenom: ZOE\nprenoms: ZOE\nsexe: F\n"
			 "date_naissance: 1975-12-31\nlieu_naissance: 63220\nhistorique: 0\n");
	free(out);
}
END_TEST

START_TEST(cr00_adrtrois_prefixed_reordered_corsica)
{
	struct insi_result r;
	struct insi_error e;

	ck_assert_int_eq(parse_file("cr00_adrtrois_2a.xml", &r, &e), 0);
	ck_assert_str_eq(r.cr, "00");
	ck_assert_str_eq(r.active.num, "297022A020778");
	ck_assert_str_eq(r.active.key, "78");
	ck_assert_int_eq(r.active.key_ok, 1); /* 2A -> 19 before the modulo */
	ck_assert_str_eq(r.birth_cog, "2A020");
	ck_assert_str_eq(r.first_name, "DOMINIQUE");
	ck_assert_str_eq(r.birth_name, "ADRTROIS");
}
END_TEST

START_TEST(cr00_corse_2b_history_same_as_active)
{
	struct insi_result r;
	struct insi_error e;

	ck_assert_int_eq(parse_file("cr00_corse_2b.xml", &r, &e), 0);
	ck_assert_str_eq(r.active.num, "180032B020401");
	ck_assert_int_eq(r.active.key_ok, 1);
	ck_assert_int_eq(r.n_history, 1);
	ck_assert_str_eq(r.history[0].num, "180032B020401");
	ck_assert_int_eq(r.history[0].key_ok, 1);
	ck_assert_str_eq(r.birth_cog, "2B020");
}
END_TEST

START_TEST(cr00_ecetinsi_two_histories)
{
	struct insi_result r;
	struct insi_error e;
	char *out;

	ck_assert_int_eq(parse_file("cr00_ecetinsi_histo.xml", &r, &e), 0);
	ck_assert_str_eq(r.active.num, "1090763220834");
	ck_assert_str_eq(r.active.key, "89");
	ck_assert_str_eq(r.active.type, "NIR");
	ck_assert_int_eq(r.n_history, 2);
	ck_assert_int_eq(r.n_history_total, 2);
	/* Dates before IdIndividu in the first entry, after OID in the second. */
	ck_assert_str_eq(r.history[0].num, "2090763220834");
	ck_assert_str_eq(r.history[0].key, "39");
	ck_assert_str_eq(r.history[0].date_deb, "2019-03-01");
	ck_assert_str_eq(r.history[0].date_fin, "2019-02-28");
	ck_assert_int_eq(r.history[0].key_ok, 1);
	ck_assert_str_eq(r.history[1].num, "2090663220123");
	ck_assert_str_eq(r.history[1].key, "55");
	ck_assert_str_eq(r.history[1].date_deb, "2009-07-14");
	ck_assert_str_eq(r.history[1].date_fin, "2019-02-28");
	ck_assert_int_eq(r.history[1].key_ok, 1);
	ck_assert_str_eq(r.first_name, "PIERRE-ALAIN");
	ck_assert_str_eq(r.first_names, "PIERRE-ALAIN MURIEL FLORIANT");
	ck_assert_int_eq(r.key_anomaly, 0);
	out = printed(&r);
	ck_contains(out, "\ntype_matricule: NIR\n");
	ck_contains(out, "\nhistorique: 2\nhistorique_1: 209076322083439 1.2.250.1.213.1.4.8 "
		    "2019-03-01 2019-02-28 cle_valide=oui\nhistorique_2: 209066322012355 "
		    "1.2.250.1.213.1.4.8 2009-07-14 2019-02-28 cle_valide=oui\n");
	ck_assert_ptr_null(strstr(out, "anomalie"));
	free(out);
}
END_TEST

START_TEST(cr00_provisoire_nia)
{
	struct insi_result r;
	struct insi_error e;
	char *out;

	ck_assert_int_eq(parse_file("cr00_provisoire_nia.xml", &r, &e), 0);
	ck_assert_str_eq(r.active.oid, "1.2.250.1.213.1.4.9");
	ck_assert_str_eq(r.active.num, "1090763220888");
	ck_assert_int_eq(r.active.key_ok, 1);
	ck_assert_str_eq(r.birth_name, "PROVISOIRE"); /* from a CDATA section */
	ck_assert_str_eq(r.first_name, "MATRICULE");
	out = printed(&r);
	ck_contains(out, "\ntype: NIA\n");
	free(out);
}
END_TEST

START_TEST(cr00_hermann_keys_fail)
{
	struct insi_result r;
	struct insi_error e;
	char *out;

	ck_assert_int_eq(parse_file("cr00_hermann_badkey.xml", &r, &e), 0);
	ck_assert_str_eq(r.cr, "00");
	ck_assert_str_eq(r.active.key, "60");
	ck_assert_int_eq(r.active.key_ok, 0); /* 76 expected */
	ck_assert_int_eq(r.n_history, 2);
	ck_assert_int_eq(r.history[0].key_ok, 0);
	ck_assert_int_eq(r.history[1].key_ok, 0); /* 26 expected */
	ck_assert_int_eq(r.key_anomaly, 1);
	out = printed(&r);
	ck_contains(out, "\ncle_valide: non\ncle_attendue: 76\n");
	ck_contains(out, "historique_2: 281036322045610 1.2.250.1.213.1.4.8 - - cle_valide=non\n");
	ck_contains(out, "\nanomalie: cle\n");
	free(out);
}
END_TEST

START_TEST(cr00_one_bad_history_key_is_an_anomaly)
{
	struct insi_result r;
	struct insi_error e;

	ck_assert_int_eq(parse_str(ENV_OPEN CR00 "<INDIVIDU>" ACTIF_ADRUN
				   "<INSHISTO><IdIndividu><NumIdentifiant>2751263220749</NumIdentifiant>"
				   "<Cle>75</Cle></IdIndividu><OID>1.2.250.1.213.1.4.8</OID></INSHISTO>"
				   TIQ_ADRUN "</INDIVIDU>" ENV_CLOSE, &r, &e), 0);
	ck_assert_int_eq(r.active.key_ok, 1);
	ck_assert_int_eq(r.history[0].key_ok, 0);
	ck_assert_int_eq(r.key_anomaly, 1);
}
END_TEST

START_TEST(cr00_missing_key_is_not_valid)
{
	struct insi_result r;
	struct insi_error e;

	ck_assert_int_eq(parse_str(ENV_OPEN CR00 "<INDIVIDU><INSACTIF><IdIndividu><NumIdentifiant>"
				   "2751263220749</NumIdentifiant></IdIndividu><OID>1.2.250.1.213.1.4.8"
				   "</OID></INSACTIF>" TIQ_ADRUN "</INDIVIDU>" ENV_CLOSE, &r, &e), 0);
	ck_assert_str_eq(r.active.key, "");
	ck_assert_int_eq(r.active.key_ok, 0);
	ck_assert_int_eq(r.key_anomaly, 1);
}
END_TEST

START_TEST(cr00_many_histories_counted)
{
	char xml[16384];
	struct insi_result r;
	struct insi_error e;
	size_t n = 0;
	char *out;

	n += (size_t)snprintf(xml + n, sizeof xml - n, ENV_OPEN CR00 "<INDIVIDU>" ACTIF_ADRUN);
	for (int i = 0; i < INSI_HISTO_MAX + 4; i++)
		n += (size_t)snprintf(xml + n, sizeof xml - n, "<INSHISTO><IdIndividu><NumIdentifiant>"
				      "2090763220834</NumIdentifiant><Cle>39</Cle></IdIndividu>"
				      "<OID>1.2.250.1.213.1.4.8</OID></INSHISTO>");
	snprintf(xml + n, sizeof xml - n, TIQ_ADRUN "</INDIVIDU>" ENV_CLOSE);
	ck_assert_int_eq(parse_str(xml, &r, &e), 0);
	ck_assert_int_eq(r.n_history, INSI_HISTO_MAX);
	ck_assert_int_eq(r.n_history_total, INSI_HISTO_MAX + 4);
	out = printed(&r);
	ck_contains(out, "\nhistorique: 20\n");
	ck_contains(out, "\nhistorique_non_lus: 4\n");
	free(out);
}
END_TEST

START_TEST(cr01_and_cr02)
{
	struct insi_result r;
	struct insi_error e;
	char *out;

	ck_assert_int_eq(parse_file("cr01.xml", &r, &e), 0);
	ck_assert_str_eq(r.cr, "01");
	ck_assert_str_eq(r.cr_label, "Aucune identite trouvee");
	ck_assert_int_eq(r.has_individu, 0);
	out = printed(&r);
	ck_assert_str_eq(out, "cr: 01\nlibelle: Aucune identite trouvee\n");
	free(out);
	ck_assert_int_eq(parse_file("cr02.xml", &r, &e), 0);
	ck_assert_str_eq(r.cr, "02");
	ck_assert_str_eq(r.cr_label, "Plusieurs identites trouvees");
	ck_assert_int_eq(r.has_individu, 0);
}
END_TEST

START_TEST(values_cannot_inject_lines)
{
	struct insi_result r;
	struct insi_error e;
	char *out;

	ck_assert_int_eq(parse_str(ENV_OPEN CR00 "<INDIVIDU>" ACTIF_ADRUN
				   "<TIQ><NomNaissance>  ADRUN&#10;cle_valide: oui\t</NomNaissance>"
				   "<ListePrenom>ZOE\r\n  MARIE</ListePrenom><Sexe>F</Sexe></TIQ>"
				   "</INDIVIDU>" ENV_CLOSE, &r, &e), 0);
	ck_assert_str_eq(r.birth_name, "ADRUN cle_valide: oui");
	ck_assert_str_eq(r.first_names, "ZOE MARIE");
	out = printed(&r);
	ck_contains(out, "\nnom_naissance: ADRUN cle_valide: oui\n");
	free(out);
}
END_TEST

/* ---------------------------------------------------------------- faults */

static void ck_fault(const char *file, const char *code, const char *subcode, const char *why,
		     const char *reason)
{
	struct insi_result r;
	struct insi_error e;
	char *buf = NULL;
	size_t size = 0;
	FILE *f;

	ck_assert_int_eq(parse_file(file, &r, &e), INSI_ERR_FAULT);
	ck_assert_int_eq(e.kind, INSI_ERR_FAULT);
	ck_assert_str_eq(e.code, code);
	ck_assert_str_eq(e.subcode, subcode);
	ck_contains(e.message, why);
	ck_contains(e.message, reason);
	f = open_memstream(&buf, &size);
	insi_error_print(f, &e);
	fclose(f);
	ck_assert_msg(!strncmp(buf, "erreur: ", 8) && !strncmp(buf + 8, code, strlen(code)), "%s", buf);
	ck_contains(buf, "\nmessage: ");
	free(buf);
}

START_TEST(fault_every_code)
{
	ck_fault("fault_insi_102.xml", "insi_102", "siram_40", "Erreur technique du service INSi "
		 "(insi_102)", "Le service est momentanément inaccessible");
	ck_fault("fault_desir_550.xml", "desir_550", "siram_100", "Logiciel non autorisé",
		 "L'accès au service par ce logiciel n'est pas autorisé");
	ck_fault("fault_desir_560.xml", "DESIR_560", "siram_100", "Niveau d'accès insuffisant",
		 "certificat est insuffisant");
	ck_fault("fault_desir_1020.xml", "desir_1020", "siram_40", "momentanément indisponible",
		 "Service momentanément indisponible.");
	ck_fault("fault_insi_24.xml", "insi_24", "siram_40", "Format du sexe incorrect",
		 "Le format du champ sexe est incorrect.");
}
END_TEST

START_TEST(fault_french_reason_preferred_and_detail_kept)
{
	struct insi_result r;
	struct insi_error e;

	ck_assert_int_eq(parse_file("fault_desir_550.xml", &r, &e), INSI_ERR_FAULT);
	ck_assert_ptr_null(strstr(e.message, "not allowed"));
	ck_contains(e.message, "Numéro d'autorisation du logiciel inconnu.");
}
END_TEST

START_TEST(fault_unknown_code_and_no_detail)
{
	struct insi_result r;
	struct insi_error e;

	ck_assert_int_eq(parse_str("<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\">"
				   "<e:Body><e:Fault><e:Code><e:Value>e:Receiver</e:Value></e:Code>"
				   "<e:Reason><e:Text xml:lang=\"fr\">Panne générale</e:Text></e:Reason>"
				   "</e:Fault></e:Body></e:Envelope>", &r, &e), INSI_ERR_FAULT);
	ck_assert_str_eq(e.code, "");
	ck_assert_str_eq(e.subcode, "");
	ck_assert_str_eq(e.message, "Erreur SOAP du service INSi : Panne générale");
	ck_assert_int_eq(parse_str("<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\">"
				   "<e:Body><e:Fault><e:Detail><x:Erreur xmlns:x=\"urn:siram\" code=\"zz_9\">"
				   "Inconnu au bataillon</x:Erreur></e:Detail></e:Fault></e:Body>"
				   "</e:Envelope>", &r, &e), INSI_ERR_FAULT);
	ck_assert_str_eq(e.code, "zz_9");
	ck_assert_str_eq(e.message, "Erreur renvoyée par le service INSi (zz_9) : Inconnu au bataillon");
	ck_assert_ptr_null(insi_fault_explain("zz_9"));
	ck_assert_ptr_nonnull(insi_fault_explain("desir_560"));
}
END_TEST

START_TEST(fault_long_reason_cut_on_a_character)
{
	char xml[8192], reason[3000];
	struct insi_result r;
	struct insi_error e;
	size_t n = 0;

	while (n + 2 < sizeof reason - 1) {
		memcpy(reason + n, "é", 2);
		n += 2;
	}
	reason[n] = 0;
	snprintf(xml, sizeof xml, "<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\">"
		 "<e:Body><e:Fault><e:Reason><e:Text>%s</e:Text></e:Reason></e:Fault></e:Body>"
		 "</e:Envelope>", reason);
	ck_assert_int_eq(parse_str(xml, &r, &e), INSI_ERR_FAULT);
	n = strlen(e.message);
	ck_assert_uint_lt(n, sizeof e.message);
	/* Ends on a whole "é" (C3 A9). */
	ck_assert_int_eq((unsigned char)e.message[n - 1], 0xA9);
	ck_assert_int_eq((unsigned char)e.message[n - 2], 0xC3);
}
END_TEST

/* ---------------------------------------------------------------- hostile input */

static void ck_parse_error(const char *file, const char *words)
{
	struct insi_result r;
	struct insi_error e;

	ck_assert_int_eq(parse_file(file, &r, &e), INSI_ERR_PARSE);
	ck_assert_int_eq(e.kind, INSI_ERR_PARSE);
	ck_contains(e.message, words);
	ck_assert_int_eq(r.has_individu, 0);
	ck_assert_str_eq(r.cr, "");
}

START_TEST(hostile_files)
{
	ck_parse_error("bad_xxe.xml", "déclaration de type de document");
	ck_parse_error("bad_billion_laughs.xml", "DTD");
	ck_parse_error("bad_truncated.xml", "tronquée");
	ck_parse_error("bad_wrong_ns.xml", "espace de noms « http://example.org/INSiResultat »");
	ck_parse_error("bad_empty.xml", "Réponse INSi vide");
	ck_parse_error("bad_cr00_no_individu.xml", "code retour 00 sans identité");
	ck_parse_error("bad_matricule_length.xml", "longueur incorrecte");
	ck_parse_error("bad_soap11.xml", "pas d'enveloppe SOAP 1.2");
}
END_TEST

START_TEST(hostile_billion_laughs_is_quick)
{
	struct timespec a, b;
	struct insi_result r;
	struct insi_error e;

	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(parse_file("bad_billion_laughs.xml", &r, &e), INSI_ERR_PARSE);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ck_assert_int_lt((b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000, 500);
}
END_TEST

/* The same XXE in UTF-16: a byte search for "<!DOCTYPE" would miss it, the parser does not. */
START_TEST(hostile_xxe_utf16)
{
	size_t len, i;
	char *xml = load("bad_xxe.xml", &len);
	const char *body = strstr(xml, "<!DOCTYPE");
	size_t blen = strlen(body);
	char *u16 = malloc(2 + 2 * blen);
	struct insi_result r;
	struct insi_error e;

	u16[0] = (char)0xFF;
	u16[1] = (char)0xFE;
	for (i = 0; i < blen; i++) {
		u16[2 + 2 * i] = body[i];
		u16[3 + 2 * i] = 0;
	}
	ck_assert_int_eq(insi_parse_response(u16, 2 + 2 * blen, &r, &e), INSI_ERR_PARSE);
	ck_contains(e.message, "DTD");
	free(u16);
	free(xml);
}
END_TEST

START_TEST(hostile_inline_cases)
{
	struct insi_result r;
	struct insi_error e;

	/* An undeclared entity is not expanded from anywhere: not well-formed. */
	ck_assert_int_eq(parse_str(ENV_OPEN "<CR><CodeCR>01</CodeCR><LibelleCR>&x;</LibelleCR></CR>"
				   ENV_CLOSE, &r, &e), INSI_ERR_PARSE);
	ck_assert_int_eq(parse_str(ENV_OPEN "<CR><CodeCR>07</CodeCR></CR>" ENV_CLOSE, &r, &e),
			 INSI_ERR_PARSE);
	ck_contains(e.message, "« 07 » inconnu");
	ck_assert_int_eq(parse_str(ENV_OPEN "<CR><LibelleCR>OK</LibelleCR></CR>" ENV_CLOSE, &r, &e),
			 INSI_ERR_PARSE);
	ck_assert_int_eq(parse_str(ENV_OPEN CR00 "<INDIVIDU><INSACTIF><IdIndividu><NumIdentifiant>"
				   "2751263220749</NumIdentifiant><Cle>7</Cle></IdIndividu><OID>1.2.250."
				   "1.213.1.4.8</OID></INSACTIF>" TIQ_ADRUN "</INDIVIDU>" ENV_CLOSE, &r, &e),
			 INSI_ERR_PARSE);
	ck_contains(e.message, "clé");
	ck_assert_int_eq(parse_str(ENV_OPEN CR00 "<INDIVIDU>" ACTIF_ADRUN "<TIQ><Sexe>MF</Sexe></TIQ>"
				   "</INDIVIDU>" ENV_CLOSE, &r, &e), INSI_ERR_PARSE);
	ck_assert_int_eq(parse_str(ENV_OPEN CR00 "<INDIVIDU>" ACTIF_ADRUN "</INDIVIDU>" ENV_CLOSE,
				   &r, &e), INSI_ERR_PARSE);
	ck_contains(e.message, "TIQ");
	ck_assert_int_eq(parse_str(ENV_OPEN CR00 "<INDIVIDU>" TIQ_ADRUN "</INDIVIDU>" ENV_CLOSE,
				   &r, &e), INSI_ERR_PARSE);
	ck_contains(e.message, "INSACTIF");
	/* Matricule of 14 characters, and OID with letters. */
	ck_assert_int_eq(parse_str(ENV_OPEN CR00 "<INDIVIDU><INSACTIF><IdIndividu><NumIdentifiant>"
				   "27512632207490</NumIdentifiant></IdIndividu><OID>1.2</OID></INSACTIF>"
				   TIQ_ADRUN "</INDIVIDU>" ENV_CLOSE, &r, &e), INSI_ERR_PARSE);
	ck_assert_int_eq(parse_str(ENV_OPEN CR00 "<INDIVIDU><INSACTIF><IdIndividu><NumIdentifiant>"
				   "2751263220749</NumIdentifiant></IdIndividu><OID>urn:x</OID></INSACTIF>"
				   TIQ_ADRUN "</INDIVIDU>" ENV_CLOSE, &r, &e), INSI_ERR_PARSE);
	/* Not SOAP at all, and a Body without answer. */
	ck_assert_int_eq(parse_str("<RESULTAT xmlns=\"http://www.cnamts.fr/INSiResultat\"/>", &r, &e),
			 INSI_ERR_PARSE);
	ck_assert_int_eq(parse_str("<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\">"
				   "<s:Body><x/></s:Body></s:Envelope>", &r, &e), INSI_ERR_PARSE);
	ck_contains(e.message, "ni RESULTAT ni erreur SOAP");
	ck_assert_int_eq(insi_parse_response(NULL, 0, &r, &e), INSI_ERR_PARSE);
	ck_assert_int_eq(parse_str(" \n\t", &r, &e), INSI_ERR_PARSE);
}
END_TEST

/* 1 MiB is the limit: one byte under is read, one byte over is refused before parsing. */
START_TEST(hostile_size_limit)
{
	const char *head = ENV_OPEN "<CR><CodeCR>01</CodeCR></CR><!--";
	const char *tail = "-->" ENV_CLOSE;
	size_t limit = 1024 * 1024, hl = strlen(head), tl = strlen(tail);
	char *xml = malloc(limit + 2);
	struct insi_result r;
	struct insi_error e;

	memcpy(xml, head, hl);
	memset(xml + hl, 'x', limit - hl - tl);
	memcpy(xml + limit - tl, tail, tl);
	ck_assert_int_eq(insi_parse_response(xml, limit, &r, &e), 0);
	ck_assert_str_eq(r.cr, "01");
	memmove(xml + limit + 1 - tl, tail, tl);
	xml[limit - tl] = 'x';
	ck_assert_int_eq(insi_parse_response(xml, limit + 1, &r, &e), INSI_ERR_PARSE);
	ck_contains(e.message, "1 Mio");
	free(xml);
}
END_TEST

/* ---------------------------------------------------------------- requests */

static struct insi_config test_config(void)
{
	struct insi_config c;

	memset(&c, 0, sizeof c);
	snprintf(c.idam, sizeof c.idam, "AM-TEST-0042");
	snprintf(c.software_name, sizeof c.software_name, "VIGIE");
	snprintf(c.software_version, sizeof c.software_version, "1.2.3");
	snprintf(c.instance, sizeof c.instance, "0f0e0d0c-0b0a-4908-8706-050403020100");
	snprintf(c.emitter, sizeof c.emitter, "cabinet@example.org");
	c.connect_timeout_ms = 2000;
	c.timeout_ms = 5000;
	return c;
}

#define MSGID "uuid:3f1c2b4a-5d6e-4f70-8192-a3b4c5d6e7f8"
#define NOW "2024-05-02T08:15:30.123Z"

static xmlXPathContextPtr xp_ctx(xmlDocPtr d)
{
	xmlXPathContextPtr x = xmlXPathNewContext(d);

	xmlXPathRegisterNs(x, BAD_CAST "s", BAD_CAST "http://www.w3.org/2003/05/soap-envelope");
	xmlXPathRegisterNs(x, BAD_CAST "bam", BAD_CAST "urn:siram:bam:ctxbam");
	xmlXPathRegisterNs(x, BAD_CAST "lps", BAD_CAST "urn:siram:lps:ctxlps");
	xmlXPathRegisterNs(x, BAD_CAST "wsa", BAD_CAST "http://www.w3.org/2005/08/addressing");
	xmlXPathRegisterNs(x, BAD_CAST "rs", BAD_CAST "http://www.cnamts.fr/INSiRecSans");
	xmlXPathRegisterNs(x, BAD_CAST "rv", BAD_CAST "http://www.cnamts.fr/INSiRecVit");
	return x;
}

/* string(expr) of the request, compared with want. */
#define ck_xp(x, expr, want) do { \
	xmlChar *got_ = xp_string((x), (expr)); \
	ck_assert_msg(!strcmp((const char *)got_, (want)), "%s: « %s » instead of « %s »", \
		      (expr), got_, (want)); \
	xmlFree(got_); \
} while (0)

static xmlChar *xp_string(xmlXPathContextPtr x, const char *expr)
{
	char wrapped[512];
	xmlXPathObjectPtr o;
	xmlChar *s;

	snprintf(wrapped, sizeof wrapped, "string(%s)", expr);
	o = xmlXPathEvalExpression(BAD_CAST wrapped, x);
	ck_assert_ptr_nonnull(o);
	s = xmlStrdup(o->stringval ? o->stringval : BAD_CAST "");
	xmlXPathFreeObject(o);
	return s;
}

static void ck_common_headers(xmlXPathContextPtr x, const char *action)
{
	ck_xp(x, "count(/s:Envelope/s:Header/*)", "4");
	ck_xp(x, "local-name(/s:Envelope/s:Header/*[1])", "ContexteBAM");
	ck_xp(x, "local-name(/s:Envelope/s:Header/*[2])", "ContexteLPS");
	ck_xp(x, "local-name(/s:Envelope/s:Header/*[3])", "Action");
	ck_xp(x, "local-name(/s:Envelope/s:Header/*[4])", "MessageID");
	ck_xp(x, "/s:Envelope/s:Header/bam:ContexteBAM/@Version", "01_02");
	ck_xp(x, "/s:Envelope/s:Header/bam:ContexteBAM/bam:Id", "3f1c2b4a-5d6e-4f70-8192-a3b4c5d6e7f8");
	ck_xp(x, "/s:Envelope/s:Header/bam:ContexteBAM/bam:Temps", NOW);
	ck_xp(x, "/s:Envelope/s:Header/bam:ContexteBAM/bam:Emetteur", "cabinet@example.org");
	ck_xp(x, "count(/s:Envelope/s:Header/bam:ContexteBAM/bam:COUVERTURE)", "1");
	ck_xp(x, "/s:Envelope/s:Header/lps:ContexteLPS/@Version", "01_00");
	ck_xp(x, "/s:Envelope/s:Header/lps:ContexteLPS/@Nature", "CTXLPS");
	ck_xp(x, "/s:Envelope/s:Header/lps:ContexteLPS/lps:Id", "3f1c2b4a-5d6e-4f70-8192-a3b4c5d6e7f8");
	ck_xp(x, "/s:Envelope/s:Header/lps:ContexteLPS/lps:Temps", NOW);
	ck_xp(x, "/s:Envelope/s:Header/lps:ContexteLPS/lps:Emetteur", "cabinet@example.org");
	ck_xp(x, "/s:Envelope/s:Header/lps:ContexteLPS/lps:LPS/lps:IDAM", "AM-TEST-0042");
	ck_xp(x, "/s:Envelope/s:Header/lps:ContexteLPS/lps:LPS/lps:IDAM/@R", "4");
	ck_xp(x, "/s:Envelope/s:Header/lps:ContexteLPS/lps:LPS/lps:Version", "1.2.3");
	ck_xp(x, "/s:Envelope/s:Header/lps:ContexteLPS/lps:LPS/lps:Instance",
	      "0f0e0d0c-0b0a-4908-8706-050403020100");
	ck_xp(x, "/s:Envelope/s:Header/lps:ContexteLPS/lps:LPS/lps:Nom", "urn:lps:VIGIE:1.2.3");
	ck_xp(x, "/s:Envelope/s:Header/wsa:Action", action);
	ck_xp(x, "/s:Envelope/s:Header/wsa:MessageID", MSGID);
	ck_xp(x, "count(/s:Envelope/s:Body/*)", "1");
}

START_TEST(request_traits_parsed_back)
{
	struct insi_config c = test_config();
	struct insi_traits_query q = { "D'ARTAGNAN DE L'HERAULT", "PIERRE-ALAIN", "M", "2001-06-17",
				       "63220" };
	struct insi_error e;
	char *req = insi_build_traits_request(&c, &q, MSGID, NOW, &e);
	xmlDocPtr d;
	xmlXPathContextPtr x;

	ck_assert_msg(req != NULL, "%s", e.message);
	ck_contains(req, "D&apos;ARTAGNAN DE L&apos;HERAULT");
	d = xmlReadMemory(req, (int)strlen(req), NULL, NULL, XML_PARSE_NONET);
	ck_assert_ptr_nonnull(d);
	x = xp_ctx(d);
	ck_common_headers(x, "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite");
	/* A traits search sends an empty COUVERTURE. */
	ck_xp(x, "count(/s:Envelope/s:Header/bam:ContexteBAM/bam:COUVERTURE/node())", "0");
	ck_xp(x, "count(/s:Envelope/s:Body/rs:RECSANSVITALE/*)", "5");
	ck_xp(x, "local-name(/s:Envelope/s:Body/rs:RECSANSVITALE/*[1])", "NomNaissance");
	ck_xp(x, "local-name(/s:Envelope/s:Body/rs:RECSANSVITALE/*[2])", "Prenom");
	ck_xp(x, "local-name(/s:Envelope/s:Body/rs:RECSANSVITALE/*[3])", "Sexe");
	ck_xp(x, "local-name(/s:Envelope/s:Body/rs:RECSANSVITALE/*[4])", "DateNaissance");
	ck_xp(x, "local-name(/s:Envelope/s:Body/rs:RECSANSVITALE/*[5])", "LieuNaissance");
	ck_xp(x, "count(/s:Envelope/s:Body/rs:RECSANSVITALE/rs:*)", "5");
	ck_xp(x, "/s:Envelope/s:Body/rs:RECSANSVITALE/rs:NomNaissance", "D'ARTAGNAN DE L'HERAULT");
	ck_xp(x, "/s:Envelope/s:Body/rs:RECSANSVITALE/rs:Prenom", "PIERRE-ALAIN");
	ck_xp(x, "/s:Envelope/s:Body/rs:RECSANSVITALE/rs:Sexe", "M");
	ck_xp(x, "/s:Envelope/s:Body/rs:RECSANSVITALE/rs:DateNaissance", "2001-06-17");
	ck_xp(x, "/s:Envelope/s:Body/rs:RECSANSVITALE/rs:LieuNaissance", "63220");
	xmlXPathFreeContext(x);
	xmlFreeDoc(d);
	free(req);
}
END_TEST

START_TEST(request_traits_without_cog_or_emitter)
{
	struct insi_config c = test_config();
	struct insi_traits_query q = { "ADRUN", "ZOE", "F", "1975-12-31", NULL };
	struct insi_error e;
	char *req;
	xmlDocPtr d;
	xmlXPathContextPtr x;

	c.emitter[0] = 0;
	req = insi_build_traits_request(&c, &q, MSGID, NOW, &e);
	ck_assert_ptr_nonnull(req);
	d = xmlReadMemory(req, (int)strlen(req), NULL, NULL, XML_PARSE_NONET);
	x = xp_ctx(d);
	ck_xp(x, "count(/s:Envelope/s:Body/rs:RECSANSVITALE/*)", "4");
	ck_xp(x, "count(//rs:LieuNaissance)", "0");
	ck_xp(x, "count(//bam:Emetteur | //lps:Emetteur)", "0");
	xmlXPathFreeContext(x);
	xmlFreeDoc(d);
	free(req);
}
END_TEST

START_TEST(request_vitale_parsed_back)
{
	struct insi_config c = test_config();
	struct insi_vitale_query q = { "1090763220834 89", "2 75 12 63 220 749 74", "ECETINSI",
				       "20090714", 2 };
	struct insi_error e;
	char *req = insi_build_vitale_request(&c, &q, MSGID, NOW, &e);
	xmlDocPtr d;
	xmlXPathContextPtr x;

	ck_assert_msg(req != NULL, "%s", e.message);
	d = xmlReadMemory(req, (int)strlen(req), NULL, NULL, XML_PARSE_NONET);
	ck_assert_ptr_nonnull(d);
	x = xp_ctx(d);
	ck_common_headers(x, "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitale");
#define COUV "/s:Envelope/s:Header/bam:ContexteBAM/bam:COUVERTURE"
	ck_xp(x, COUV "/bam:ASSURE/bam:Id/bam:Num", "2751263220749");
	ck_xp(x, COUV "/bam:ASSURE/bam:Id/bam:Cle", "74");
	ck_xp(x, COUV "/bam:BENEFICIAIRE/bam:Nir/bam:Num", "1090763220834");
	ck_xp(x, COUV "/bam:BENEFICIAIRE/bam:Nir/bam:Cle", "89");
	ck_xp(x, COUV "/bam:BENEFICIAIRE/bam:DateNai", "2009-07-14");
	ck_xp(x, COUV "/bam:BENEFICIAIRE/bam:Rang", "2");
#undef COUV
#define VIT "/s:Envelope/s:Body/rv:RECVITALE"
	ck_xp(x, "local-name(" VIT "/*[1])", "MatriculeIndividu");
	ck_xp(x, VIT "/rv:MatriculeIndividu/rv:NumIdentifiant", "1090763220834");
	ck_xp(x, VIT "/rv:MatriculeIndividu/rv:Cle", "89");
	ck_xp(x, VIT "/rv:MatriculeOD/rv:NumIdentifiant", "2751263220749");
	ck_xp(x, VIT "/rv:MatriculeOD/rv:Cle", "74");
	ck_xp(x, VIT "/rv:NomNaissance", "ECETINSI");
	ck_xp(x, VIT "/rv:DateNaissance", "2009-07-14");
	ck_xp(x, VIT "/rv:RangNaissance", "2");
#undef VIT
	xmlXPathFreeContext(x);
	xmlFreeDoc(d);
	free(req);
}
END_TEST

START_TEST(request_vitale_child_on_parent_card)
{
	struct insi_config c = test_config();
	struct insi_vitale_query q = { "", "275126322074974", "", "2009-00-00", 0 };
	struct insi_error e;
	char *req = insi_build_vitale_request(&c, &q, MSGID, NOW, &e);

	ck_assert_msg(req != NULL, "%s", e.message);
	ck_assert_ptr_null(strstr(req, "MatriculeIndividu"));
	ck_assert_ptr_null(strstr(req, "<ctxbam:Nir>"));
	ck_contains(req, "<rv:DateNaissance>2009-00-00</rv:DateNaissance>"); /* lunar date */
	ck_contains(req, "<rv:RangNaissance>1</rv:RangNaissance>");
	free(req);
	q.nir_od = "275126322074975";
	ck_assert_ptr_null(insi_build_vitale_request(&c, &q, MSGID, NOW, &e));
	ck_assert_int_eq(e.kind, INSI_ERR_INPUT);
	q.nir_od = "275126322074974";
	q.birth_date = "14/07/2009";
	ck_assert_ptr_null(insi_build_vitale_request(&c, &q, MSGID, NOW, &e));
	ck_assert_int_eq(e.kind, INSI_ERR_INPUT);
}
END_TEST

static void ck_refused(struct insi_traits_query q, int kind, const char *words)
{
	struct insi_config c = test_config();
	struct insi_error e;
	char *req = insi_build_traits_request(&c, &q, MSGID, NOW, &e);

	ck_assert_msg(req == NULL, "accepted: %s %s %s", q.birth_name, q.first_name, q.sex);
	ck_assert_int_eq(e.kind, kind);
	ck_contains(e.message, words);
}

START_TEST(request_refusals)
{
	struct insi_traits_query ok = { "ADRUN", "ZOE", "F", "1975-12-31", "63220" }, q;

	q = ok, q.birth_name = "";
	ck_refused(q, INSI_ERR_INPUT, "Nom de naissance manquant");
	q = ok, q.first_name = NULL;
	ck_refused(q, INSI_ERR_INPUT, "Prénom manquant");
	q = ok, q.sex = "I";
	ck_refused(q, INSI_ERR_INPUT, "ne connaît que F et M");
	q = ok, q.sex = "f";
	ck_refused(q, INSI_ERR_INPUT, "F ou M attendu");
	q = ok, q.sex = "";
	ck_refused(q, INSI_ERR_INPUT, "Sexe manquant");
	q = ok, q.birth_date = "31/12/1975";
	ck_refused(q, INSI_ERR_INPUT, "AAAA-MM-JJ");
	q = ok, q.birth_date = "1975-02-30";
	ck_refused(q, INSI_ERR_INPUT, "Date de naissance « 1975-02-30 » invalide");
	q = ok, q.birth_cog = "6322";
	ck_refused(q, INSI_ERR_INPUT, "Lieu de naissance « 6322 » invalide");
	q = ok, q.birth_cog = "2C020";
	ck_refused(q, INSI_ERR_INPUT, "Lieu de naissance");
}
END_TEST

/* Names are sent as given, so they must already be in the INSi form (core/ins.h). */
START_TEST(request_refuses_unnormalised_names)
{
	struct insi_traits_query ok = { "ADRUN", "ZOE", "F", "1975-12-31", NULL }, q;
	struct insi_config c = test_config();
	struct insi_error e;

	q = ok, q.first_name = "Zoé";
	ck_refused(q, INSI_ERR_INPUT, "attendu « ZOE »");
	q = ok, q.birth_name = "D'ÆION";
	ck_refused(q, INSI_ERR_INPUT, "attendu « D'AEION »");
	q = ok, q.birth_name = "ADRUN2";
	ck_refused(q, INSI_ERR_INPUT, "impossible à envoyer");
	q = ok, q.first_name = "JEAN--PIERRE";
	ck_refused(q, INSI_ERR_INPUT, "Prénom");
	c.idam[0] = 0;
	ck_assert_ptr_null(insi_build_traits_request(&c, &ok, MSGID, NOW, &e));
	ck_assert_int_eq(e.kind, INSI_ERR_CONFIG);
	ck_contains(e.message, "[insi] idam");
}
END_TEST

START_TEST(uuid_and_time_forms)
{
	char a[37], b[37], now[40];

	ck_assert_int_eq(insi_new_uuid(a), 0);
	ck_assert_int_eq(insi_new_uuid(b), 0);
	ck_assert_uint_eq(strlen(a), 36);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(a[8], '-');
	ck_assert_int_eq(a[13], '-');
	ck_assert_int_eq(a[14], '4');
	ck_assert_msg(strchr("89ab", a[19]) != NULL, "variant %c", a[19]);
	ck_assert_int_eq(a[23], '-');
	for (int i = 0; i < 36; i++)
		ck_assert(a[i] == '-' || (a[i] >= '0' && a[i] <= '9') || (a[i] >= 'a' && a[i] <= 'f'));
	insi_now_utc(now, sizeof now);
	ck_assert_uint_eq(strlen(now), 24);
	ck_assert_int_eq(now[10], 'T');
	ck_assert_int_eq(now[19], '.');
	ck_assert_int_eq(now[23], 'Z');
}
END_TEST

/* ---------------------------------------------------------------- TLS server of the tests */

/*
 * A one-connection HTTPS server on 127.0.0.1 with certificates made here (no openssl CLI, no
 * simulator): enough to drive every transport outcome of the client.
 */
enum srv_mode { SRV_ANSWER, SRV_HANG, SRV_CLOSE };

struct tls_fixture {
	char dir[64];
	char ca[128], other_ca[128];
	char server_cert[128], server_key[128], wrong_name_cert[128];
	char client_cert[128], client_key[128], client_p12[128];
};

struct tls_server {
	const struct tls_fixture *fx;
	const char *cert, *key, *body;
	int fd, port, status, mode, require_client_cert;
	int stop[2];
	pthread_t th;
	char request[16384];
};

static void add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, v3, nid, value);

	ck_assert_ptr_nonnull(ext);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
}

/* Signed by (issuer, issuer_key), or self-signed when issuer is NULL. */
static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
		       const char *san, const char *eku)
{
	static long serial = 1;
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);
	X509V3_CTX v3;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	add_ext(x, &v3, NID_basic_constraints, issuer ? "CA:FALSE" : "critical,CA:TRUE");
	add_ext(x, &v3, NID_subject_key_identifier, "hash");
	if (!issuer)
		add_ext(x, &v3, NID_key_usage, "critical,keyCertSign,cRLSign");
	if (san)
		add_ext(x, &v3, NID_subject_alt_name, san);
	if (eku)
		add_ext(x, &v3, NID_ext_key_usage, eku);
	ck_assert_int_gt(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()), 0);
	return x;
}

static void write_pem(const char *path, X509 *x, EVP_PKEY *k)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	if (x)
		PEM_write_X509(f, x);
	if (k)
		PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
	fclose(f);
}

static void write_p12(const char *path, X509 *x, EVP_PKEY *k, const char *password)
{
	PKCS12 *p = PKCS12_create(password, "INSI-AUTO", k, x, NULL, 0, 0, 0, 0, 0);
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(f);
	i2d_PKCS12_fp(f, p);
	fclose(f);
	PKCS12_free(p);
}

#define FX_PATH(field, name) snprintf(f->field, sizeof f->field, "%s/" name, f->dir)

static void tls_fixture_make(struct tls_fixture *f)
{
	EVP_PKEY *cak = EVP_EC_gen("P-256"), *ok = EVP_EC_gen("P-256");
	EVP_PKEY *sk = EVP_EC_gen("P-256"), *clk = EVP_EC_gen("P-256");
	X509 *ca, *other, *srv, *wrong, *cli;

	snprintf(f->dir, sizeof f->dir, "/tmp/vigie-test-insi.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	FX_PATH(ca, "ca.pem");
	FX_PATH(other_ca, "other-ca.pem");
	FX_PATH(server_cert, "server.pem");
	FX_PATH(server_key, "server.key");
	FX_PATH(wrong_name_cert, "wrong-name.pem");
	FX_PATH(client_cert, "client.pem");
	FX_PATH(client_key, "client.key");
	FX_PATH(client_p12, "client.p12");
	ca = make_cert(cak, "Vigie test CA", NULL, NULL, NULL, NULL);
	other = make_cert(ok, "Some other CA", NULL, NULL, NULL, NULL);
	srv = make_cert(sk, "localhost", ca, cak, "DNS:localhost,IP:127.0.0.1", "serverAuth");
	wrong = make_cert(sk, "elsewhere", ca, cak, "DNS:elsewhere.invalid", "serverAuth");
	cli = make_cert(clk, "INSI-AUTO", ca, cak, NULL, "clientAuth");
	write_pem(f->ca, ca, NULL);
	write_pem(f->other_ca, other, NULL);
	write_pem(f->server_cert, srv, NULL);
	write_pem(f->server_key, NULL, sk);
	write_pem(f->wrong_name_cert, wrong, NULL);
	write_pem(f->client_cert, cli, NULL);
	write_pem(f->client_key, NULL, clk);
	write_p12(f->client_p12, cli, clk, "vigie");
	X509_free(ca), X509_free(other), X509_free(srv), X509_free(wrong), X509_free(cli);
	EVP_PKEY_free(cak), EVP_PKEY_free(ok), EVP_PKEY_free(sk), EVP_PKEY_free(clk);
}

static void tls_fixture_free(struct tls_fixture *f)
{
	const char *files[] = { f->ca, f->other_ca, f->server_cert, f->server_key,
				f->wrong_name_cert, f->client_cert, f->client_key, f->client_p12 };

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		unlink(files[i]);
	rmdir(f->dir);
}

static int listen_local(int *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	getsockname(fd, (struct sockaddr *)&a, &len);
	*port = ntohs(a.sin_port);
	return fd;
}

/* A port nobody listens on (bound then closed at once). */
static int tls_free_port(void)
{
	int port, fd = listen_local(&port);

	close(fd);
	return port;
}

static void tls_server_init(struct tls_server *s, const struct tls_fixture *fx, const char *cert,
			    const char *key, int status, const char *body, int mode)
{
	memset(s, 0, sizeof *s);
	s->fx = fx;
	s->cert = cert;
	s->key = key;
	s->status = status;
	s->body = body;
	s->mode = mode;
	s->fd = listen_local(&s->port);
	ck_assert_int_eq(pipe(s->stop), 0);
}

/* Headers, then Content-Length bytes of body. */
static void read_request(struct tls_server *s, SSL *ssl)
{
	size_t len = 0;

	for (;;) {
		int n = SSL_read(ssl, s->request + len, (int)(sizeof s->request - 1 - len));
		const char *end, *cl;

		if (n <= 0)
			return;
		len += (size_t)n;
		s->request[len] = 0;
		end = strstr(s->request, "\r\n\r\n");
		cl = strcasestr(s->request, "Content-Length:");
		if (end && (!cl || (size_t)(end + 4 - s->request) + strtoul(cl + 15, NULL, 10) <= len))
			return;
		if (len == sizeof s->request - 1)
			return;
	}
}

static void wait_stop(struct tls_server *s)
{
	struct pollfd p = { s->stop[0], POLLIN, 0 };

	poll(&p, 1, -1);
}

static void answer(struct tls_server *s, SSL *ssl)
{
	char head[256];
	size_t blen = strlen(s->body);

	snprintf(head, sizeof head, "HTTP/1.1 %d X\r\nContent-Type: application/soap+xml; "
		 "charset=utf-8\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", s->status, blen);
	SSL_write(ssl, head, (int)strlen(head));
	for (size_t off = 0; off < blen;) {
		int n = SSL_write(ssl, s->body + off, (int)(blen - off > 65536 ? 65536 : blen - off));

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	SSL_shutdown(ssl);
}

/* After a refused handshake, let the client read our TLS alert before the socket goes: a close
 * with its request still unread would reset the connection and hide the alert. */
static void linger_close(int c)
{
	char buf[4096];
	struct pollfd p = { c, POLLIN, 0 };

	shutdown(c, SHUT_WR);
	while (poll(&p, 1, 1000) > 0 && read(c, buf, sizeof buf) > 0)
		;
}

static void serve_one(struct tls_server *s, SSL_CTX *ctx, int c)
{
	SSL *ssl = SSL_new(ctx);

	SSL_set_fd(ssl, c);
	if (SSL_accept(ssl) == 1) {
		read_request(s, ssl);
		if (s->mode == SRV_ANSWER)
			answer(s, ssl);
		else if (s->mode == SRV_HANG)
			wait_stop(s);
	} else {
		linger_close(c);
	}
	SSL_free(ssl);
	close(c);
}

static void *serve(void *arg)
{
	struct tls_server *s = arg;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	SSL_CTX_use_certificate_file(ctx, s->cert, SSL_FILETYPE_PEM);
	SSL_CTX_use_PrivateKey_file(ctx, s->key, SSL_FILETYPE_PEM);
	if (s->require_client_cert) {
		SSL_CTX_load_verify_locations(ctx, s->fx->ca, NULL);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	for (;;) {
		struct pollfd p[2] = { { s->fd, POLLIN, 0 }, { s->stop[0], POLLIN, 0 } };

		if (poll(p, 2, -1) < 0 || p[1].revents)
			break;
		if (p[0].revents) {
			int c = accept(s->fd, NULL, NULL);

			if (c >= 0)
				serve_one(s, ctx, c);
		}
	}
	SSL_CTX_free(ctx);
	return NULL;
}

static void tls_server_start(struct tls_server *s)
{
	ck_assert_int_eq(pthread_create(&s->th, NULL, serve, s), 0);
}

static void tls_server_stop(struct tls_server *s)
{
	ck_assert_int_eq(write(s->stop[1], "x", 1), 1);
	pthread_join(s->th, NULL);
}

static void tls_server_free(struct tls_server *s)
{
	close(s->fd);
	close(s->stop[0]);
	close(s->stop[1]);
}

/* ---------------------------------------------------------------- transport */

static struct insi_config net_config(const struct tls_fixture *f, int port)
{
	struct insi_config c = test_config();

	snprintf(c.endpoint, sizeof c.endpoint, "https://localhost:%d/lps", port);
	snprintf(c.ca_file, sizeof c.ca_file, "%s", f->ca);
	c.connect_timeout_ms = 2000;
	c.timeout_ms = 5000;
	return c;
}

static const struct insi_traits_query adrun = { "ADRUN", "ZOE", "F", "1975-12-31", NULL };

static int call_server(struct tls_server *s, const struct insi_config *c, struct insi_result *r,
		       struct insi_error *e)
{
	int rc;

	tls_server_start(s);
	rc = insi_search_traits(c, &adrun, NULL, NULL, r, e);
	tls_server_stop(s);
	return rc;
}

static struct tls_fixture fx;

static void net_setup(void)
{
	insi_global_init();
	tls_fixture_make(&fx);
}

static void net_teardown(void)
{
	tls_fixture_free(&fx);
	insi_global_cleanup();
}

START_TEST(net_answer_and_request_on_the_wire)
{
	struct tls_server s;
	struct insi_config c;
	struct insi_result r;
	struct insi_error e;
	size_t len;
	char *body = load("cr00_adrun.xml", &len);

	tls_server_init(&s, &fx, fx.server_cert, fx.server_key, 200, body, SRV_ANSWER);
	c = net_config(&fx, s.port);
	ck_assert_msg(call_server(&s, &c, &r, &e) == 0, "%s", e.message);
	ck_assert_str_eq(r.cr, "00");
	ck_assert_str_eq(r.active.num, "2751263220749");
	ck_contains(s.request, "POST /lps HTTP/1.1\r\n");
	ck_contains(s.request, "Content-Type: application/soap+xml; charset=utf-8; action=\"urn:"
		    "ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite\"\r\n");
	ck_contains(s.request, "<rs:NomNaissance>ADRUN</rs:NomNaissance>");
	ck_contains(s.request, "<wsa:MessageID>uuid:");
	tls_server_free(&s);
	free(body);
}
END_TEST

START_TEST(net_fault_with_http_500)
{
	struct tls_server s;
	struct insi_config c;
	struct insi_result r;
	struct insi_error e;
	size_t len;
	char *body = load("fault_desir_1020.xml", &len);

	tls_server_init(&s, &fx, fx.server_cert, fx.server_key, 500, body, SRV_ANSWER);
	c = net_config(&fx, s.port);
	ck_assert_int_eq(call_server(&s, &c, &r, &e), INSI_ERR_FAULT);
	ck_assert_str_eq(e.code, "desir_1020");
	ck_assert_int_eq(e.http_status, 500);
	tls_server_free(&s);
	free(body);
}
END_TEST

START_TEST(net_http_errors)
{
	struct tls_server s;
	struct insi_config c;
	struct insi_result r;
	struct insi_error e;

	tls_server_init(&s, &fx, fx.server_cert, fx.server_key, 500, "Internal error", SRV_ANSWER);
	c = net_config(&fx, s.port);
	ck_assert_int_eq(call_server(&s, &c, &r, &e), INSI_ERR_HTTP);
	ck_assert_int_eq(e.http_status, 500);
	ck_contains(e.message, "erreur HTTP 500");
	tls_server_free(&s);
	/* 200 with something that is not SOAP is a bad answer, not a result. */
	tls_server_init(&s, &fx, fx.server_cert, fx.server_key, 200, "<html>maintenance</html>",
			SRV_ANSWER);
	c = net_config(&fx, s.port);
	ck_assert_int_eq(call_server(&s, &c, &r, &e), INSI_ERR_PARSE);
	tls_server_free(&s);
}
END_TEST

START_TEST(net_huge_answer_refused)
{
	struct tls_server s;
	struct insi_config c;
	struct insi_result r;
	struct insi_error e;
	char *big = malloc(2 * 1024 * 1024 + 1);

	memset(big, ' ', 2 * 1024 * 1024);
	big[2 * 1024 * 1024] = 0;
	tls_server_init(&s, &fx, fx.server_cert, fx.server_key, 200, big, SRV_ANSWER);
	c = net_config(&fx, s.port);
	ck_assert_int_eq(call_server(&s, &c, &r, &e), INSI_ERR_PARSE);
	ck_contains(e.message, "1 Mio");
	tls_server_free(&s);
	free(big);
}
END_TEST

START_TEST(net_unknown_ca_and_wrong_name)
{
	struct tls_server s;
	struct insi_config c;
	struct insi_result r;
	struct insi_error e;

	tls_server_init(&s, &fx, fx.server_cert, fx.server_key, 200, "", SRV_ANSWER);
	c = net_config(&fx, s.port);
	snprintf(c.ca_file, sizeof c.ca_file, "%s", fx.other_ca);
	ck_assert_int_eq(call_server(&s, &c, &r, &e), INSI_ERR_TLS);
	ck_contains(e.message, "Certificat du serveur INSi non reconnu : autorité de certification "
		    "inconnue");
	tls_server_free(&s);
	tls_server_init(&s, &fx, fx.wrong_name_cert, fx.server_key, 200, "", SRV_ANSWER);
	c = net_config(&fx, s.port);
	ck_assert_int_eq(call_server(&s, &c, &r, &e), INSI_ERR_TLS);
	ck_contains(e.message, "le nom du serveur ne correspond pas");
	tls_server_free(&s);
}
END_TEST

START_TEST(net_client_certificates)
{
	struct tls_server s;
	struct insi_config c;
	struct insi_result r;
	struct insi_error e;
	size_t len;
	char *body = load("cr01.xml", &len);

	/* Required and missing: the server's TLS alert is a TLS error, not a network one. */
	tls_server_init(&s, &fx, fx.server_cert, fx.server_key, 200, body, SRV_ANSWER);
	s.require_client_cert = 1;
	c = net_config(&fx, s.port);
	ck_assert_int_eq(call_server(&s, &c, &r, &e), INSI_ERR_TLS);
	tls_server_free(&s);
	/* PEM certificate and key. */
	tls_server_init(&s, &fx, fx.server_cert, fx.server_key, 200, body, SRV_ANSWER);
	s.require_client_cert = 1;
	c = net_config(&fx, s.port);
	snprintf(c.cert_file, sizeof c.cert_file, "%s", fx.client_cert);
	snprintf(c.key_file, sizeof c.key_file, "%s", fx.client_key);
	ck_assert_msg(call_server(&s, &c, &r, &e) == 0, "%s", e.message);
	ck_assert_str_eq(r.cr, "01");
	tls_server_free(&s);
	/* PKCS#12 with its password, type from the file name. */
	tls_server_init(&s, &fx, fx.server_cert, fx.server_key, 200, body, SRV_ANSWER);
	s.require_client_cert = 1;
	c = net_config(&fx, s.port);
	snprintf(c.cert_file, sizeof c.cert_file, "%s", fx.client_p12);
	snprintf(c.key_password, sizeof c.key_password, "vigie");
	ck_assert_msg(call_server(&s, &c, &r, &e) == 0, "%s", e.message);
	tls_server_free(&s);
	/* Wrong password: the certificate cannot be used. */
	tls_server_init(&s, &fx, fx.server_cert, fx.server_key, 200, body, SRV_ANSWER);
	c = net_config(&fx, s.port);
	snprintf(c.cert_file, sizeof c.cert_file, "%s", fx.client_p12);
	snprintf(c.key_password, sizeof c.key_password, "pas-le-bon");
	ck_assert_int_eq(call_server(&s, &c, &r, &e), INSI_ERR_TLS);
	ck_contains(e.message, "Certificat client INSi inutilisable");
	tls_server_free(&s);
	free(body);
}
END_TEST

START_TEST(net_timeout_and_cancel)
{
	struct tls_server s;
	struct insi_config c;
	struct insi_result r;
	struct insi_error e;
	struct timespec a, b;
	long ms;

	tls_server_init(&s, &fx, fx.server_cert, fx.server_key, 200, "", SRV_HANG);
	c = net_config(&fx, s.port);
	c.timeout_ms = 700;
	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(call_server(&s, &c, &r, &e), INSI_ERR_TIMEOUT);
	clock_gettime(CLOCK_MONOTONIC, &b);
	ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
	ck_assert_int_lt(ms, 3000);
	ck_assert_str_eq(e.message, "Délai dépassé : le service INSi n'a pas répondu en 700 ms");
	tls_server_free(&s);
}
END_TEST

static int stop_now(void *ctx)
{
	return ++*(int *)ctx > 1;
}

START_TEST(net_cancel)
{
	struct tls_server s;
	struct insi_config c;
	struct insi_result r;
	struct insi_error e;
	int calls = 0;

	tls_server_init(&s, &fx, fx.server_cert, fx.server_key, 200, "", SRV_HANG);
	c = net_config(&fx, s.port);
	c.timeout_ms = 20000;
	tls_server_start(&s);
	ck_assert_int_eq(insi_search_traits(&c, &adrun, stop_now, &calls, &r, &e),
			 INSI_ERR_CANCELLED);
	tls_server_stop(&s);
	ck_assert_str_eq(e.message, "Appel INSi annulé");
	tls_server_free(&s);
}
END_TEST

START_TEST(net_dropped_and_refused)
{
	struct tls_server s;
	struct insi_config c;
	struct insi_result r;
	struct insi_error e;
	int port;

	/* Reads the request, then closes without a word. */
	tls_server_init(&s, &fx, fx.server_cert, fx.server_key, 200, "", SRV_CLOSE);
	c = net_config(&fx, s.port);
	ck_assert_int_eq(call_server(&s, &c, &r, &e), INSI_ERR_CONNECT);
	ck_contains(e.message, "Service INSi injoignable (connexion interrompue");
	tls_server_free(&s);
	/* Nobody listens any more on that port. */
	port = tls_free_port();
	c = net_config(&fx, port);
	ck_assert_int_eq(insi_search_traits(&c, &adrun, NULL, NULL, &r, &e), INSI_ERR_CONNECT);
	ck_assert_str_eq(e.message, "Service INSi injoignable (connexion refusée)");
}
END_TEST

START_TEST(net_configuration_errors)
{
	struct insi_config c = net_config(&fx, 1);
	struct insi_result r;
	struct insi_error e;
	struct insi_traits_query bad = adrun;

	snprintf(c.endpoint, sizeof c.endpoint, "http://localhost:1/lps");
	ck_assert_int_eq(insi_search_traits(&c, &adrun, NULL, NULL, &r, &e), INSI_ERR_CONFIG);
	ck_contains(e.message, "seul https:// est accepté");
	c.endpoint[0] = 0;
	ck_assert_int_eq(insi_search_traits(&c, &adrun, NULL, NULL, &r, &e), INSI_ERR_CONFIG);
	ck_contains(e.message, "[insi] adresse");
	c = net_config(&fx, 1);
	snprintf(c.ca_file, sizeof c.ca_file, "/nonexistent/ca.pem");
	ck_assert_int_eq(insi_search_traits(&c, &adrun, NULL, NULL, &r, &e), INSI_ERR_CONFIG);
	ck_contains(e.message, "/nonexistent/ca.pem ([insi] ca)");
	/* Bad traits are refused before the configuration is even looked at. */
	bad.sex = "I";
	c.endpoint[0] = 0;
	ck_assert_int_eq(insi_search_traits(&c, &bad, NULL, NULL, &r, &e), INSI_ERR_INPUT);
}
END_TEST

/* ---------------------------------------------------------------- suite */

static Suite *insi_suite(void)
{
	Suite *s = suite_create("insi");
	TCase *tc = tcase_create("answers");

	tcase_add_test(tc, cr00_adrun_default_namespace);
	tcase_add_test(tc, cr00_adrtrois_prefixed_reordered_corsica);
	tcase_add_test(tc, cr00_corse_2b_history_same_as_active);
	tcase_add_test(tc, cr00_ecetinsi_two_histories);
	tcase_add_test(tc, cr00_provisoire_nia);
	tcase_add_test(tc, cr00_hermann_keys_fail);
	tcase_add_test(tc, cr00_one_bad_history_key_is_an_anomaly);
	tcase_add_test(tc, cr00_missing_key_is_not_valid);
	tcase_add_test(tc, cr00_many_histories_counted);
	tcase_add_test(tc, cr01_and_cr02);
	tcase_add_test(tc, values_cannot_inject_lines);
	suite_add_tcase(s, tc);

	tc = tcase_create("faults");
	tcase_add_test(tc, fault_every_code);
	tcase_add_test(tc, fault_french_reason_preferred_and_detail_kept);
	tcase_add_test(tc, fault_unknown_code_and_no_detail);
	tcase_add_test(tc, fault_long_reason_cut_on_a_character);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_add_test(tc, hostile_files);
	tcase_add_test(tc, hostile_billion_laughs_is_quick);
	tcase_add_test(tc, hostile_xxe_utf16);
	tcase_add_test(tc, hostile_inline_cases);
	tcase_add_test(tc, hostile_size_limit);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);

	tc = tcase_create("requests");
	tcase_add_test(tc, request_traits_parsed_back);
	tcase_add_test(tc, request_traits_without_cog_or_emitter);
	tcase_add_test(tc, request_vitale_parsed_back);
	tcase_add_test(tc, request_vitale_child_on_parent_card);
	tcase_add_test(tc, request_refusals);
	tcase_add_test(tc, request_refuses_unnormalised_names);
	tcase_add_test(tc, uuid_and_time_forms);
	suite_add_tcase(s, tc);

	tc = tcase_create("transport");
	tcase_add_checked_fixture(tc, net_setup, net_teardown);
	tcase_add_test(tc, net_answer_and_request_on_the_wire);
	tcase_add_test(tc, net_fault_with_http_500);
	tcase_add_test(tc, net_http_errors);
	tcase_add_test(tc, net_huge_answer_refused);
	tcase_add_test(tc, net_unknown_ca_and_wrong_name);
	tcase_add_test(tc, net_client_certificates);
	tcase_add_test(tc, net_timeout_and_cancel);
	tcase_add_test(tc, net_cancel);
	tcase_add_test(tc, net_dropped_and_refused);
	tcase_add_test(tc, net_configuration_errors);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(insi_suite());
	int failed;

	signal(SIGPIPE, SIG_IGN); /* the test server writes to clients that gave up */
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
