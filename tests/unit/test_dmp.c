/* Unit tests of the DMP client: wire, VIHF and its signature, requests, answer parsers, MTOM,
 * CDA reader, received documents, and calls to a TLS server of the test's own on loopback. */
#include <check.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "cda/cda_read.h"
#include "core/dmp_wire.h"
#include "net/dmp.h"
#include "net/vihf.h"

#ifndef DMP_TEST_DATA
#define DMP_TEST_DATA "tests/data/dmp"
#endif

#define INS "288046311341243"
#define OID "1.2.250.1.213.1.4.10"
#define CX INS "^^^&" OID "&ISO^NH"
#define SOAP_CT_TEXT "application/soap+xml; charset=utf-8"

static const struct dmp_patient pat = { INS, OID };

/* ---------------------------------------------------------------- helpers */

static char *load(const char *name, size_t *len)
{
	const char *src = getenv("SRCDIR");
	char path[1024];
	FILE *f;
	char *buf;
	long n;

	if (src && *src)
		snprintf(path, sizeof path, "%s/tests/data/dmp/%s", src, name);
	else
		snprintf(path, sizeof path, "%s/%s", DMP_TEST_DATA, name);
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

/* A .mtom sample: its first line is the Content-Type, the rest the body. */
struct mtom_sample {
	char *all;
	char ctype[512];
	const char *body;
	size_t len;
};

static void load_mtom(const char *name, struct mtom_sample *m)
{
	size_t n;
	char *nl;

	m->all = load(name, &n);
	nl = strchr(m->all, '\n');
	ck_assert_ptr_nonnull(nl);
	snprintf(m->ctype, sizeof m->ctype, "%.*s", (int)(nl - m->all), m->all);
	m->body = nl + 1;
	m->len = n - (size_t)(nl + 1 - m->all);
}

#define ck_contains(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) != NULL, "« %s » not in « %s »", (needle), (hay))

static void sha1_hex(const void *p, size_t n, char out[41])
{
	unsigned char md[SHA_DIGEST_LENGTH];

	SHA1(p, n, md);
	for (int i = 0; i < SHA_DIGEST_LENGTH; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static struct dmp_config test_cfg(void)
{
	struct dmp_config c;

	memset(&c, 0, sizeof c);
	snprintf(c.endpoint, sizeof c.endpoint, "https://localhost:1/si-dmp-server/v2/services");
	snprintf(c.structure_id, sizeof c.structure_id, "399900000100017");
	snprintf(c.secteur, sizeof c.secteur, "SA07^1.2.250.1.71.4.2.4");
	snprintf(c.software_name, sizeof c.software_name, "VIGIE");
	snprintf(c.software_version, sizeof c.software_version, "0.9");
	snprintf(c.homologation, sizeof c.homologation, "HOMOL-&-42");
	c.connect_timeout_ms = 2000;
	c.timeout_ms = 5000;
	return c;
}

static struct dmp_actor test_actor(void)
{
	struct dmp_actor a;

	memset(&a, 0, sizeof a);
	snprintf(a.national_id, sizeof a.national_id, "889900000001");
	snprintf(a.family, sizeof a.family, "MARTIN");
	snprintf(a.given, sizeof a.given, "Jeanne");
	snprintf(a.profession, sizeof a.profession, "10");
	snprintf(a.speciality, sizeof a.speciality, "SM54");
	snprintf(a.auth_mode, sizeof a.auth_mode, "INDIRECTE_RENFORCEE");
	snprintf(a.authn_class, sizeof a.authn_class,
		 "urn:oasis:names:tc:SAML:2.0:ac:classes:TLSClient");
	snprintf(a.access_mode, sizeof a.access_mode, "normal");
	return a;
}

/* ---------------------------------------------------------------- XPath */

static xmlXPathContextPtr xpath_ctx(xmlDocPtr doc)
{
	xmlXPathContextPtr x = xmlXPathNewContext(doc);
	static const char *const ns[][2] = {
		{ "soap", "http://www.w3.org/2003/05/soap-envelope" },
		{ "wsa", "http://www.w3.org/2005/08/addressing" },
		{ "wsse", "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-"
			  "secext-1.0.xsd" },
		{ "saml", VIHF_NS_SAML }, { "ds", VIHF_NS_DS }, { "hl7", "urn:hl7-org:v3" },
		{ "hab", "urn:si-dmp-habilitations" },
		{ "query", "urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0" },
		{ "rim", "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0" },
		{ "xds", "urn:ihe:iti:xds-b:2007" },
	};

	ck_assert_ptr_nonnull(x);
	for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
		xmlXPathRegisterNs(x, BAD_CAST ns[i][0], BAD_CAST ns[i][1]);
	return x;
}

/* string(expr) as a malloc'd string. */
static char *xp(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr x = xpath_ctx(doc);
	xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, x);
	xmlChar *s;
	char *out;

	ck_assert_msg(o != NULL, "bad XPath %s", expr);
	s = xmlXPathCastToString(o);
	out = strdup((const char *)s);
	xmlFree(s);
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(x);
	return out;
}

#define ck_xp(doc, expr, want) do { \
	char *got_ = xp((doc), (expr)); \
	ck_assert_msg(!strcmp(got_, (want)), "%s: « %s », expected « %s »", (expr), got_, (want)); \
	free(got_); \
} while (0)

static xmlDocPtr parse_ok(const char *text)
{
	xmlDocPtr d = xmlReadMemory(text, (int)strlen(text), "t.xml", NULL, XML_PARSE_NONET);

	ck_assert_msg(d != NULL, "not well-formed: %s", text);
	return d;
}

/* ---------------------------------------------------------------- wire */

START_TEST(wire_request_round_trip)
{
	struct dmp_request rq, back;
	struct kv_out o;
	char err[200];

	memset(&rq, 0, sizeof rq);
	rq.op = DMP_OP_RETRIEVE;
	rq.cfg = test_cfg();
	snprintf(rq.cfg.key_password, sizeof rq.cfg.key_password, "s3cret: with colon");
	snprintf(rq.cfg.seal_cert, sizeof rq.cfg.seal_cert, "/etc/vigie/cachet.p12");
	rq.actor = test_actor();
	rq.patient = pat;
	snprintf(rq.since, sizeof rq.since, "20240101000000");
	snprintf(rq.unique_id, sizeof rq.unique_id, "1.2.250.1.999.1.1^N1.2024.1");
	snprintf(rq.repository_id, sizeof rq.repository_id, "1.2.250.1.213.1.1.9.2");
	snprintf(rq.expect_hash, sizeof rq.expect_hash, "%040d", 7);
	rq.expect_size = 2952;
	snprintf(rq.out_dir, sizeof rq.out_dir, "/tmp/x y");
	kv_out_init(&o, 0);
	ck_assert_int_eq(dmp_request_format(&rq, &o), 0);
	ck_assert_int_eq(dmp_request_parse(o.buf, &back, err, sizeof err), 0);
	kv_out_free(&o);
	ck_assert_int_eq(back.op, DMP_OP_RETRIEVE);
	ck_assert_int_eq(memcmp(&back.cfg, &rq.cfg, sizeof rq.cfg), 0);
	ck_assert_int_eq(memcmp(&back.actor, &rq.actor, sizeof rq.actor), 0);
	ck_assert_str_eq(back.patient.ins, INS);
	ck_assert_str_eq(back.patient.oid, OID);
	ck_assert_str_eq(back.since, rq.since);
	ck_assert_str_eq(back.unique_id, rq.unique_id);
	ck_assert_str_eq(back.repository_id, rq.repository_id);
	ck_assert_str_eq(back.expect_hash, rq.expect_hash);
	ck_assert_int_eq(back.expect_size, 2952);
	ck_assert_str_eq(back.out_dir, "/tmp/x y");
}
END_TEST

START_TEST(wire_request_refusals)
{
	struct dmp_request rq;
	struct kv_out o;
	char err[200];

	memset(&rq, 0, sizeof rq);
	rq.op = DMP_OP_STATUS;
	snprintf(rq.patient.ins, sizeof rq.patient.ins, "12\n45");
	kv_out_init(&o, 0);
	ck_assert_int_eq(dmp_request_format(&rq, &o), -1); /* a line break cannot be sent */
	kv_out_free(&o);
	ck_assert_int_eq(dmp_request_parse("operation: td0.2\nins: 1\n", &rq, err, sizeof err), -1);
	ck_contains(err, "end");
	ck_assert_int_eq(dmp_request_parse("operation: td9\nend:\n", &rq, err, sizeof err), -1);
	ck_contains(err, "opération");
	ck_assert_int_eq(dmp_request_parse("operation: td3.1\nend:\n", &rq, err, sizeof err), 0);
	ck_assert_int_eq(rq.op, DMP_OP_FIND);
	ck_assert_int_eq(rq.expect_size, -1);
}
END_TEST

START_TEST(wire_reply_round_trip_with_docs)
{
	struct dmp_reply r, back;
	struct dmp_doc docs[2];
	struct kv_out o;

	memset(&r, 0, sizeof r);
	memset(docs, 0, sizeof docs);
	r.status.state = DMP_STATE_CLOSED;
	snprintf(r.status.closed_date, sizeof r.status.closed_date, "2023-12-31");
	snprintf(r.status.closed_reason, sizeof r.status.closed_reason, "Décès\nsecret: 1");
	r.status.authz = DMP_AUTHZ_EXPIRED;
	r.status.treating_doctor = 1;
	snprintf(r.status.ins, sizeof r.status.ins, INS);
	snprintf(docs[0].unique_id, sizeof docs[0].unique_id, "1.2^A");
	snprintf(docs[0].title, sizeof docs[0].title, "Compte rendu: cardiologie");
	snprintf(docs[0].hash, sizeof docs[0].hash, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	docs[0].size = 12345678901LL;
	docs[0].invisible_patient = 1;
	snprintf(docs[1].unique_id, sizeof docs[1].unique_id, "1.2^B");
	snprintf(docs[1].status, sizeof docs[1].status, "approved");
	docs[1].masked_ps = 1;
	docs[1].size = -1;
	r.docs = docs;
	r.n_docs = 2;
	r.is_cda = 1;
	snprintf(r.cda.id, sizeof r.cda.id, "1.2^A");
	r.cda.level = 3;
	r.cda.has_pdf = 1;
	snprintf(r.hash, sizeof r.hash, "%s", docs[0].hash);
	r.size = 77;
	kv_out_init(&o, 1);
	ck_assert_int_eq(dmp_reply_format(&r, &o), 0);
	ck_assert_int_eq(dmp_reply_parse(o.buf, &back), DMP_OK);
	kv_out_free(&o);
	ck_assert_int_eq(back.status.state, DMP_STATE_CLOSED);
	ck_assert_str_eq(back.status.closed_reason, "Décès secret: 1"); /* no line forged */
	ck_assert_int_eq(back.status.authz, DMP_AUTHZ_EXPIRED);
	ck_assert_int_eq(back.status.treating_doctor, 1);
	ck_assert_uint_eq(back.n_docs, 2);
	ck_assert_str_eq(back.docs[0].title, "Compte rendu: cardiologie");
	ck_assert_int_eq(back.docs[0].size, 12345678901LL);
	ck_assert_int_eq(back.docs[0].invisible_patient, 1);
	ck_assert_int_eq(back.docs[1].masked_ps, 1);
	ck_assert_int_eq(back.docs[1].size, -1);
	ck_assert_str_eq(back.docs[1].status, "approved");
	/* Top-level hash/size are not those of a document. */
	ck_assert_str_eq(back.hash, docs[0].hash);
	ck_assert_int_eq(back.size, 77);
	ck_assert_int_eq(back.is_cda, 1);
	ck_assert_int_eq(back.cda.level, 3);
	dmp_reply_free(&back);
}
END_TEST

START_TEST(wire_reply_errors_and_garbage)
{
	struct dmp_reply r;
	struct kv_out o;
	static const char *const bad[] = {
		"", "kind: 0\n", "kind: 5\nend:\n", "kind: -99\nend:\n",
		"kind: 0\ndocs: 2\ndoc: begin\ndoc: end\nend:\n",
		"kind: 0\ndocs: 1\ndoc: begin\nend:\n",
		"kind: 0\ndocs: 1\ndoc: begin\ndoc: begin\ndoc: end\ndoc: end\nend:\n",
		"kind: 0\ndoc: begin\ndoc: end\nend:\n", "kind: 0\ndocs: 999999999\nend:\n",
		"kind: 0\ndocs: -1\nend:\n", "kind: 0\ndocs: x\nend:\n",
	};

	memset(&r, 0, sizeof r);
	r.rc = DMP_ERR_FAULT;
	snprintf(r.err.code, sizeof r.err.code, "DMP_FERME");
	snprintf(r.err.message, sizeof r.err.message, "Le DMP de ce patient est fermé");
	kv_out_init(&o, 1);
	ck_assert_int_eq(dmp_reply_format(&r, &o), 0);
	memset(&r, 0, sizeof r);
	ck_assert_int_eq(dmp_reply_parse(o.buf, &r), DMP_ERR_FAULT);
	kv_out_free(&o);
	ck_assert_int_eq(r.err.kind, DMP_ERR_FAULT);
	ck_assert_str_eq(r.err.code, "DMP_FERME");
	ck_assert_str_eq(r.err.message, "Le DMP de ce patient est fermé");
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ck_assert_msg(dmp_reply_parse(bad[i], &r) == DMP_ERR_PARSE, "accepted: %s", bad[i]);
		ck_contains(r.err.message, "vigie-net");
		ck_assert_ptr_null(r.docs);
	}
}
END_TEST

START_TEST(wire_names)
{
	ck_assert_str_eq(dmp_op_name(DMP_OP_STATUS), "td0.2");
	ck_assert_str_eq(dmp_op_name(DMP_OP_RETRIEVE), "td3.2");
	ck_assert_str_eq(dmp_error_kind_name(DMP_ERR_CONNECT), "connexion");
	ck_assert_str_eq(dmp_error_kind_name(DMP_ERR_TIMEOUT), "delai");
	ck_assert_str_eq(dmp_error_kind_name(DMP_ERR_MISMATCH), "incoherence");
	for (int s = DMP_STATE_UNKNOWN; s <= DMP_STATE_CLOSED; s++)
		ck_assert_int_eq(dmp_state_from_name(dmp_state_name((enum dmp_state)s)), s);
	for (int a = DMP_AUTHZ_UNKNOWN; a <= DMP_AUTHZ_BLOCKED; a++)
		ck_assert_int_eq(dmp_authz_from_name(dmp_authz_name((enum dmp_authz)a)), a);
	ck_assert_str_eq(dmp_state_name(DMP_STATE_CLOSED), "ferme");
	ck_assert_str_eq(dmp_authz_name(DMP_AUTHZ_BLOCKED), "bloquee");
	ck_assert_int_eq(dmp_state_from_name("n'importe"), DMP_STATE_UNKNOWN);
}
END_TEST

/* ---------------------------------------------------------------- seal certificates */

struct seal_files {
	char dir[64], cert[128], key[128], p12[128], ec_cert[128], ec_key[128];
	X509 *x;
};

static X509 *self_signed(EVP_PKEY *k, const char *cn)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 42);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"FR", -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC, (const unsigned char *)"CABINET TEST",
				   -1, -1, 0);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, n);
	ck_assert_int_gt(X509_sign(x, k, EVP_sha256()), 0);
	return x;
}

static void write_pem(const char *path, X509 *x, EVP_PKEY *k, const char *pass)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	if (x)
		PEM_write_X509(f, x);
	if (k)
		PEM_write_PrivateKey(f, k, pass ? EVP_aes_256_cbc() : NULL, NULL, 0, NULL,
				     (void *)pass);
	fclose(f);
}

static void seal_make(struct seal_files *s)
{
	EVP_PKEY *k = EVP_RSA_gen(2048), *ec = EVP_EC_gen("P-256");
	X509 *ecx;
	PKCS12 *p;
	FILE *f;

	ck_assert_ptr_nonnull(k);
	snprintf(s->dir, sizeof s->dir, "/tmp/vigie-test-dmp-seal.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(s->dir));
	snprintf(s->cert, sizeof s->cert, "%s/seal.pem", s->dir);
	snprintf(s->key, sizeof s->key, "%s/seal.key", s->dir);
	snprintf(s->p12, sizeof s->p12, "%s/seal.p12", s->dir);
	snprintf(s->ec_cert, sizeof s->ec_cert, "%s/ec.pem", s->dir);
	snprintf(s->ec_key, sizeof s->ec_key, "%s/ec.key", s->dir);
	s->x = self_signed(k, "CACHET 399900000100017");
	write_pem(s->cert, s->x, NULL, NULL);
	write_pem(s->key, NULL, k, "cachet");
	p = PKCS12_create("vigie", "cachet", k, s->x, NULL, 0, 0, 0, 0, 0);
	ck_assert_ptr_nonnull(p);
	f = fopen(s->p12, "wb");
	i2d_PKCS12_fp(f, p);
	fclose(f);
	PKCS12_free(p);
	ecx = self_signed(ec, "EC");
	write_pem(s->ec_cert, ecx, NULL, NULL);
	write_pem(s->ec_key, NULL, ec, NULL);
	X509_free(ecx);
	EVP_PKEY_free(k);
	EVP_PKEY_free(ec);
}

static void seal_free(struct seal_files *s)
{
	unlink(s->cert), unlink(s->key), unlink(s->p12), unlink(s->ec_cert), unlink(s->ec_key);
	rmdir(s->dir);
	X509_free(s->x);
}

/* ---------------------------------------------------------------- VIHF */

START_TEST(vihf_content_unsigned)
{
	struct dmp_config c = test_cfg();
	struct dmp_actor a = test_actor();
	char *v = NULL, err[320], *s;
	xmlDocPtr d;

	ck_assert_int_eq(vihf_build(&c, &a, &pat, 1714637730, &v, err, sizeof err), 0);
	d = parse_ok(v);
	ck_xp(d, "string(/saml:Assertion/@Version)", "2.0");
	ck_xp(d, "string(/saml:Assertion/@IssueInstant)", "2024-05-02T08:15:30Z");
	ck_xp(d, "string(/saml:Assertion/saml:Issuer)", "399900000100017");
	ck_xp(d, "count(//ds:Signature)", "0");
	ck_xp(d, "string(//saml:Subject/saml:NameID)", "889900000001");
	ck_xp(d, "string(//saml:Conditions/@NotBefore)", "2024-05-02T08:14:30Z");
	ck_xp(d, "string(//saml:Conditions/@NotOnOrAfter)", "2024-05-02T09:15:30Z");
	ck_xp(d, "string(//saml:AuthnContextClassRef)",
	      "urn:oasis:names:tc:SAML:2.0:ac:classes:TLSClient");
	ck_xp(d, "string(//saml:Attribute[@Name='VIHF_Version']/saml:AttributeValue)", "3.0");
	ck_xp(d, "string(//saml:Attribute[@Name='Identifiant_Structure'])", "399900000100017");
	ck_xp(d, "string(//saml:Attribute[@Name='Secteur_Activite'])", "SA07^1.2.250.1.71.4.2.4");
	ck_xp(d, "string(//saml:Attribute[@Name='urn:oasis:names:tc:xspa:1.0:subject:subject-id'])",
	      "MARTIN Jeanne");
	ck_xp(d, "count(//saml:Attribute[@Name='urn:oasis:names:tc:xacml:2.0:subject:role']"
	      "/saml:AttributeValue/hl7:Role)", "2");
	ck_xp(d, "string(//hl7:Role[@codeSystem='1.2.250.1.71.1.2.7']/@code)", "10");
	ck_xp(d, "string(//hl7:Role[@codeSystem='1.2.250.1.71.1.2.7']/@displayName)", "Médecin");
	ck_xp(d, "string(//hl7:Role[@codeSystem='1.2.250.1.71.4.2.5']/@code)", "SM54");
	ck_xp(d, "string(//saml:Attribute[@Name='Authentification_Mode'])", "INDIRECTE_RENFORCEE");
	ck_xp(d, "string(//saml:Attribute[@Name='urn:oasis:names:tc:xacml:2.0:resource:"
	      "resource-id'])", CX);
	ck_xp(d, "string(//saml:Attribute[@Name='Ressource_URN'])", "urn:dmp");
	ck_xp(d, "string(//hl7:PurposeOfUse/@code)", "normal");
	ck_xp(d, "string(//hl7:PurposeOfUse/@codeSystem)", "1.2.250.1.213.1.1.4.248");
	ck_xp(d, "string(//saml:Attribute[@Name='LPS_Nom'])", "VIGIE");
	ck_xp(d, "string(//saml:Attribute[@Name='LPS_Version'])", "0.9");
	ck_xp(d, "string(//saml:Attribute[@Name='LPS_ID_HOMOLOGATION_DMP'])", "HOMOL-&-42");
	s = xp(d, "string(/saml:Assertion/@ID)");
	ck_assert_int_eq(s[0], '_');
	ck_assert_uint_eq(strlen(s), 37);
	free(s);
	xmlFreeDoc(d);
	free(v);
	/* Bris de glace, no speciality. */
	snprintf(a.access_mode, sizeof a.access_mode, "bris_de_glace");
	a.speciality[0] = 0;
	ck_assert_int_eq(vihf_build(&c, &a, &pat, 1714637730, &v, err, sizeof err), 0);
	d = parse_ok(v);
	ck_xp(d, "string(//hl7:PurposeOfUse/@code)", "bris_de_glace");
	ck_xp(d, "count(//hl7:Role)", "1");
	xmlFreeDoc(d);
	free(v);
}
END_TEST

START_TEST(vihf_refusals)
{
	struct dmp_config c = test_cfg();
	struct dmp_actor a = test_actor();
	char *v = (char *)"x", err[320];

	a.national_id[0] = 0;
	ck_assert_int_eq(vihf_build(&c, &a, &pat, 0, &v, err, sizeof err), DMP_ERR_REFUSED);
	ck_assert_ptr_null(v);
	ck_contains(err, "authentifié");
	a = test_actor();
	a.authn_class[0] = 0;
	ck_assert_int_eq(vihf_build(&c, &a, &pat, 0, &v, err, sizeof err), DMP_ERR_REFUSED);
	a = test_actor();
	c.structure_id[0] = 0;
	ck_assert_int_eq(vihf_build(&c, &a, &pat, 0, &v, err, sizeof err), DMP_ERR_CONFIG);
	ck_contains(err, "[dmp] structure");
}
END_TEST

/* The canonical form of the nodes selected by expr (a node set, as XML-DSig defines them). */
static xmlChar *c14n_of(xmlDocPtr d, const char *expr, int *len)
{
	xmlXPathContextPtr x = xpath_ctx(d);
	xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST expr, x);
	xmlChar *out = NULL;

	ck_assert_ptr_nonnull(o);
	ck_assert_ptr_nonnull(o->nodesetval);
	ck_assert_int_gt(o->nodesetval->nodeNr, 0);
	*len = xmlC14NDocDumpMemory(d, o->nodesetval, XML_C14N_EXCLUSIVE_1_0, NULL, 0, &out);
	ck_assert_int_gt(*len, 0);
	xmlXPathFreeObject(o);
	xmlXPathFreeContext(x);
	return out;
}

static unsigned char *unb64(const char *s, size_t *n)
{
	unsigned char *out;

	ck_assert_int_eq(cda_b64_decode(s, strlen(s), &out, n), 0);
	return out;
}

/* Digest of the assertion without its signature, recomputed here; 1 when it matches. */
static int digest_matches(xmlDocPtr d)
{
	int len;
	xmlChar *c = c14n_of(d, "(//. | //@* | //namespace::*)[ancestor-or-self::saml:Assertion]"
			     "[not(ancestor-or-self::ds:Signature)]", &len);
	unsigned char md[32];
	char b64[64], *want = xp(d, "string(//ds:Reference/ds:DigestValue)");
	int ok;

	SHA256(c, (size_t)len, md);
	EVP_EncodeBlock((unsigned char *)b64, md, 32);
	ok = !strcmp(b64, want);
	free(want);
	xmlFree(c);
	return ok;
}

/* SignatureValue over the canonical SignedInfo, checked with the KeyInfo certificate, which
 * must be the seal's. */
static void check_signature(xmlDocPtr d, X509 *seal)
{
	int len;
	xmlChar *si = c14n_of(d, "(//. | //@* | //namespace::*)[ancestor-or-self::ds:SignedInfo]",
			      &len);
	char *sv = xp(d, "string(//ds:SignatureValue)"), *cv = xp(d, "string(//ds:X509Certificate)");
	size_t sn, cn;
	unsigned char *sig = unb64(sv, &sn), *der = unb64(cv, &cn);
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)cn);
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(X509_cmp(x, seal), 0);
	ck_contains((const char *)si, "<ds:SignedInfo xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">");
	ck_assert_int_eq(EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, X509_get0_pubkey(x)), 1);
	ck_assert_int_eq(EVP_DigestVerify(md, sig, sn, si, (size_t)len), 1);
	EVP_MD_CTX_free(md);
	X509_free(x);
	free(sig), free(der), free(sv), free(cv);
	xmlFree(si);
}

START_TEST(vihf_signature_verifies_inside_the_envelope)
{
	struct seal_files s;
	struct dmp_config c = test_cfg();
	struct dmp_actor a = test_actor();
	struct dmp_error e;
	char *env, *id, *uri;
	xmlDocPtr d;
	xmlNodePtr n;

	seal_make(&s);
	snprintf(c.seal_cert, sizeof c.seal_cert, "%s", s.cert);
	snprintf(c.seal_key, sizeof c.seal_key, "%s", s.key);
	snprintf(c.seal_password, sizeof c.seal_password, "cachet");
	env = dmp_build_td02(&c, &a, &pat, "urn:uuid:0", 1714637730, &e);
	ck_assert_msg(env != NULL, "%s", e.message);
	d = parse_ok(env);
	ck_xp(d, "string(//saml:Issuer)", "CN=CACHET 399900000100017,O=CABINET TEST,C=FR");
	ck_xp(d, "count(/soap:Envelope/soap:Header/wsse:Security/saml:Assertion/ds:Signature)", "1");
	/* Signature right after Issuer, as SAML orders it. */
	ck_xp(d, "local-name(//saml:Issuer/following-sibling::*[1])", "Signature");
	ck_xp(d, "string(//ds:CanonicalizationMethod/@Algorithm)",
	      "http://www.w3.org/2001/10/xml-exc-c14n#");
	ck_xp(d, "string(//ds:SignatureMethod/@Algorithm)",
	      "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
	ck_xp(d, "string(//ds:DigestMethod/@Algorithm)", "http://www.w3.org/2001/04/xmlenc#sha256");
	id = xp(d, "string(//saml:Assertion/@ID)");
	uri = xp(d, "string(//ds:Reference/@URI)");
	ck_assert_int_eq(uri[0], '#');
	ck_assert_str_eq(uri + 1, id);
	free(id), free(uri);
	ck_assert_msg(digest_matches(d), "digest of the assertion does not match");
	check_signature(d, s.x);
	/* Tampering with the professional breaks the digest. */
	{
		xmlXPathContextPtr x = xpath_ctx(d);
		xmlXPathObjectPtr o = xmlXPathEvalExpression(BAD_CAST "//saml:NameID", x);

		n = o->nodesetval->nodeTab[0];
		xmlNodeSetContent(n, BAD_CAST "810000000000");
		xmlXPathFreeObject(o);
		xmlXPathFreeContext(x);
	}
	ck_assert(!digest_matches(d));
	xmlFreeDoc(d);
	free(env);
	seal_free(&s);
}
END_TEST

START_TEST(vihf_seal_p12_and_bad_seals)
{
	struct seal_files s;
	struct dmp_config c = test_cfg();
	struct dmp_actor a = test_actor();
	char *v = NULL, err[320];
	xmlDocPtr d;

	seal_make(&s);
	snprintf(c.seal_cert, sizeof c.seal_cert, "%s", s.p12);
	snprintf(c.seal_password, sizeof c.seal_password, "vigie");
	ck_assert_msg(vihf_build(&c, &a, &pat, 1714637730, &v, err, sizeof err) == 0, "%s", err);
	d = parse_ok(v);
	ck_assert(digest_matches(d));
	check_signature(d, s.x);
	xmlFreeDoc(d);
	free(v);
	/* Wrong password, missing file, EC key: configuration errors, nothing built. */
	snprintf(c.seal_password, sizeof c.seal_password, "non");
	ck_assert_int_eq(vihf_build(&c, &a, &pat, 0, &v, err, sizeof err), DMP_ERR_CONFIG);
	ck_contains(err, "[dmp] cachet_certificat");
	ck_assert_ptr_null(v);
	snprintf(c.seal_cert, sizeof c.seal_cert, "%s/absent.pem", s.dir);
	ck_assert_int_eq(vihf_build(&c, &a, &pat, 0, &v, err, sizeof err), DMP_ERR_CONFIG);
	snprintf(c.seal_cert, sizeof c.seal_cert, "%s", s.ec_cert);
	snprintf(c.seal_key, sizeof c.seal_key, "%s", s.ec_key);
	ck_assert_int_eq(vihf_build(&c, &a, &pat, 0, &v, err, sizeof err), DMP_ERR_CONFIG);
	ck_contains(err, "RSA");
	/* A key that is not the certificate's. */
	snprintf(c.seal_cert, sizeof c.seal_cert, "%s", s.cert);
	snprintf(c.seal_key, sizeof c.seal_key, "%s", s.ec_key);
	ck_assert_int_eq(vihf_build(&c, &a, &pat, 0, &v, err, sizeof err), DMP_ERR_CONFIG);
	seal_free(&s);
}
END_TEST

/* ---------------------------------------------------------------- requests */

static xmlDocPtr built(char *env)
{
	xmlDocPtr d;

	ck_assert_ptr_nonnull(env);
	d = parse_ok(env);
	free(env);
	return d;
}

static void ck_header(xmlDocPtr d, const char *action, const char *service)
{
	char to[200];

	snprintf(to, sizeof to, "https://localhost:1/si-dmp-server/v2/services/%s", service);
	ck_xp(d, "string(/soap:Envelope/soap:Header/wsa:Action)", action);
	ck_xp(d, "string(/soap:Envelope/soap:Header/wsa:Action/@soap:mustUnderstand)", "1");
	ck_xp(d, "string(/soap:Envelope/soap:Header/wsa:MessageID)", "urn:uuid:1234");
	ck_xp(d, "string(/soap:Envelope/soap:Header/wsa:To)", to);
	ck_xp(d, "string(/soap:Envelope/soap:Header/wsse:Security/@soap:mustUnderstand)", "1");
	ck_xp(d, "string(//wsse:Security/saml:Assertion//saml:NameID)", "889900000001");
	ck_xp(d, "string(//saml:Attribute[@Name='urn:oasis:names:tc:xacml:2.0:resource:"
	      "resource-id'])", CX);
}

START_TEST(request_td02)
{
	struct dmp_config c = test_cfg();
	struct dmp_actor a = test_actor();
	struct dmp_error e;
	xmlDocPtr d;

	/* A trailing slash in the address does not double. */
	snprintf(c.endpoint, sizeof c.endpoint, "https://localhost:1/si-dmp-server/v2/services/");
	d = built(dmp_build_td02(&c, &a, &pat, "urn:uuid:1234", 1714637730, &e));
	ck_header(d, "urn:hl7-org:v3:PRPA_IN201307UV02", "patients");
	ck_xp(d, "string(//hl7:PRPA_IN201307UV02/hl7:creationTime/@value)", "20240502081530");
	ck_xp(d, "string(//hl7:interactionId/@extension)", "PRPA_IN201307UV02");
	ck_xp(d, "string(//hl7:controlActProcess/hl7:reasonCode/@code)", "TEST_EXST");
	ck_xp(d, "string(//hl7:parameterList/hl7:patientIdentifier/hl7:value/@root)", OID);
	ck_xp(d, "string(//hl7:parameterList/hl7:patientIdentifier/hl7:value/@extension)", INS);
	ck_xp(d, "string(//hl7:patientIdentifier/hl7:semanticsText)", "Patient.id");
	ck_xp(d, "string-length(//hl7:PRPA_IN201307UV02/hl7:id/@root)", "36");
	xmlFreeDoc(d);
}
END_TEST

START_TEST(request_td03_td31_td32)
{
	struct dmp_config c = test_cfg();
	struct dmp_actor a = test_actor();
	struct dmp_error e;
	xmlDocPtr d;

	d = built(dmp_build_td03(&c, &a, &pat, "urn:uuid:1234", 1714637730, &e));
	ck_header(d, "urn:si-dmp-habilitations:HabilitationsEndPoint:setAuthorization",
		  "habilitations");
	ck_xp(d, "string(//hab:setAuthorization/hab:action)", "AJOUT");
	ck_xp(d, "string(//hab:setAuthorization/hab:patientId)", CX);
	xmlFreeDoc(d);
	d = built(dmp_build_td31(&c, &a, &pat, "urn:uuid:1234", 1714637730, &e));
	ck_header(d, "urn:ihe:iti:2007:RegistryStoredQuery", "registry");
	ck_xp(d, "string(//query:AdhocQueryRequest/rim:AdhocQuery/@id)",
	      "urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d");
	ck_xp(d, "string(//query:ResponseOption/@returnType)", "LeafClass");
	ck_xp(d, "string(//rim:Slot[@name='$XDSDocumentEntryPatientId']/rim:ValueList/rim:Value)",
	      "'" CX "'");
	ck_xp(d, "string(//rim:Slot[@name='$XDSDocumentEntryStatus']//rim:Value)",
	      "('urn:oasis:names:tc:ebxml-regrep:StatusType:Approved')");
	xmlFreeDoc(d);
	d = built(dmp_build_td32(&c, &a, &pat, "1.2.250.1.213.1.1.9.2", "1.2.3^A&B<C",
				 "urn:uuid:1234", 1714637730, &e));
	ck_header(d, "urn:ihe:iti:2007:RetrieveDocumentSet", "repository");
	ck_xp(d, "string(//xds:DocumentRequest/xds:RepositoryUniqueId)", "1.2.250.1.213.1.1.9.2");
	ck_xp(d, "string(//xds:DocumentRequest/xds:DocumentUniqueId)", "1.2.3^A&B<C");
	xmlFreeDoc(d);
}
END_TEST

START_TEST(request_refusals)
{
	struct dmp_config c = test_cfg();
	struct dmp_actor a = test_actor();
	struct dmp_error e;
	struct dmp_patient p = pat;

	snprintf(p.ins, sizeof p.ins, "28804631134124");
	ck_assert_ptr_null(dmp_build_td02(&c, &a, &p, "urn:uuid:1", 0, &e));
	ck_assert_int_eq(e.kind, DMP_ERR_REFUSED);
	ck_contains(e.message, "mal formée");
	p = pat;
	snprintf(p.oid, sizeof p.oid, "1.2.3");
	ck_assert_ptr_null(dmp_build_td31(&c, &a, &p, "urn:uuid:1", 0, &e));
	ck_assert_int_eq(e.kind, DMP_ERR_REFUSED);
	p.ins[0] = 0;
	ck_assert_ptr_null(dmp_build_td03(&c, &a, &p, "urn:uuid:1", 0, &e));
	ck_assert_int_eq(e.kind, DMP_ERR_REFUSED);
	/* Corsica is a valid INS shape. */
	snprintf(p.ins, sizeof p.ins, "180032B02040123");
	snprintf(p.oid, sizeof p.oid, "1.2.250.1.213.1.4.8");
	xmlFreeDoc(built(dmp_build_td02(&c, &a, &p, "urn:uuid:1", 0, &e)));
	a.national_id[0] = 0;
	ck_assert_ptr_null(dmp_build_td02(&c, &a, &pat, "urn:uuid:1", 0, &e));
	ck_assert_int_eq(e.kind, DMP_ERR_REFUSED);
	a = test_actor();
	ck_assert_ptr_null(dmp_build_td32(&c, &a, &pat, "", "1.2^A", "urn:uuid:1", 0, &e));
	ck_assert_int_eq(e.kind, DMP_ERR_REFUSED);
}
END_TEST

/* ---------------------------------------------------------------- TD0.2 / TD0.3 */

static int td02_file(const char *name, struct dmp_status *st, struct dmp_error *e)
{
	size_t len;
	char *xml = load(name, &len);
	int rc = dmp_parse_td02(xml, len, &pat, st, e);

	free(xml);
	return rc;
}

START_TEST(td02_states)
{
	struct dmp_status st;
	struct dmp_error e;

	ck_assert_msg(td02_file("td02_actif.xml", &st, &e) == 0, "%s", e.message);
	ck_assert_int_eq(st.state, DMP_STATE_ACTIVE);
	ck_assert_int_eq(st.authz, DMP_AUTHZ_VALID);
	ck_assert_str_eq(st.authz_end, "2024-11-02");
	ck_assert_int_eq(st.treating_doctor, 1);
	ck_assert_str_eq(st.ins, INS);
	ck_assert_int_eq(td02_file("td02_ferme.xml", &st, &e), 0);
	ck_assert_int_eq(st.state, DMP_STATE_CLOSED);
	ck_assert_str_eq(st.closed_date, "2023-12-31");
	ck_assert_str_eq(st.closed_reason, "Fermeture à la demande du patient");
	ck_assert_int_eq(st.authz, DMP_AUTHZ_EXPIRED);
	ck_assert_int_eq(st.treating_doctor, 0);
	ck_assert_int_eq(td02_file("td02_inexistant.xml", &st, &e), 0);
	ck_assert_int_eq(st.state, DMP_STATE_ABSENT);
	ck_assert_int_eq(st.authz, DMP_AUTHZ_NONE);
	ck_assert_int_eq(td02_file("td02_bloque.xml", &st, &e), 0);
	ck_assert_int_eq(st.state, DMP_STATE_ACTIVE);
	ck_assert_int_eq(st.authz, DMP_AUTHZ_BLOCKED);
	ck_assert_str_eq(st.authz_end, "");
}
END_TEST

START_TEST(td02_wrong_patient_and_errors)
{
	struct dmp_status st;
	struct dmp_error e;
	size_t len;
	char *xml, *bad;

	ck_assert_int_eq(td02_file("td02_wrong_patient.xml", &st, &e), DMP_ERR_MISMATCH);
	ck_contains(e.message, "autre patient (INS 180036322011182)");
	ck_assert_int_eq(st.state, DMP_STATE_UNKNOWN);
	ck_assert_int_eq(td02_file("td02_ack_error.xml", &st, &e), DMP_ERR_FAULT);
	ck_assert_str_eq(e.code, "DMP_INS_INVALIDE");
	ck_contains(e.message, "INS non reconnu par le DMP");
	ck_assert_int_eq(td02_file("fault_vihf.xml", &st, &e), DMP_ERR_FAULT);
	ck_assert_str_eq(e.code, "DMPVIHF");
	ck_assert_str_eq(e.message, "Identification du professionnel refusée par le DMP (jeton "
			 "VIHF) (DMPVIHF) : Assertion VIHF absente ou incomplète");
	/* Same patient, other OID: still another patient. */
	xml = load("td02_actif.xml", &len);
	bad = strdup(xml);
	memcpy(strstr(bad, "4.10\" extension"), "4.11", 4);
	ck_assert_int_eq(dmp_parse_td02(bad, len, &pat, &st, &e), DMP_ERR_MISMATCH);
	/* State contradicting the HL7 status, unknown authorisation, bad date. */
	strcpy(bad, xml);
	memcpy(strstr(bad, "<dmp:etat>ACTIF"), "<dmp:etat>FERME", 15);
	ck_assert_int_eq(dmp_parse_td02(bad, strlen(bad), &pat, &st, &e), DMP_ERR_PARSE);
	ck_contains(e.message, "incohérente");
	strcpy(bad, xml);
	memcpy(strstr(bad, ">VALIDE<"), ">PEUTET<", 8);
	ck_assert_int_eq(dmp_parse_td02(bad, strlen(bad), &pat, &st, &e), DMP_ERR_PARSE);
	strcpy(bad, xml);
	memcpy(strstr(bad, "2024-11-02"), "02/11/2024", 10);
	ck_assert_int_eq(dmp_parse_td02(bad, strlen(bad), &pat, &st, &e), DMP_ERR_PARSE);
	/* A reason that only repeats the explanation is not said twice. */
	{
		const char *f = "<e:Envelope xmlns:e=\"http://www.w3.org/2003/05/soap-envelope\">"
				"<e:Body><e:Fault><e:Code><e:Value>e:Sender</e:Value><e:Subcode>"
				"<e:Value>x:DMP_FERME</e:Value></e:Subcode></e:Code><e:Reason><e:Text "
				"xml:lang=\"fr\">le DMP de ce patient est fermé.</e:Text></e:Reason>"
				"</e:Fault></e:Body></e:Envelope>";

		ck_assert_int_eq(dmp_parse_td02(f, strlen(f), &pat, &st, &e), DMP_ERR_FAULT);
		ck_assert_str_eq(e.code, "DMP_FERME");
		ck_assert_str_eq(e.message, "Le DMP de ce patient est fermé (DMP_FERME)");
	}
	/* A td0.3 answer is not a td0.2 one. */
	free(xml);
	xml = load("td03_ok.xml", &len);
	ck_assert_int_eq(dmp_parse_td02(xml, len, &pat, &st, &e), DMP_ERR_PARSE);
	free(xml);
	free(bad);
}
END_TEST

START_TEST(td03_ok_and_fault)
{
	struct dmp_status st;
	struct dmp_error e;
	size_t len;
	char *xml = load("td03_ok.xml", &len);

	ck_assert_int_eq(dmp_parse_td03(xml, len, &pat, &st, &e), 0);
	ck_assert_int_eq(st.authz, DMP_AUTHZ_VALID);
	ck_assert_str_eq(st.authz_end, "2024-11-02");
	ck_assert_str_eq(st.ins, INS);
	free(xml);
	xml = load("td03_fault.xml", &len);
	ck_assert_int_eq(dmp_parse_td03(xml, len, &pat, &st, &e), DMP_ERR_FAULT);
	ck_assert_str_eq(e.code, "DMP_AUTORISATION_INTERDITE");
	/* The French reason, not the English one. */
	ck_contains(e.message, "Le patient a bloqué l'accès de ce professionnel à son DMP "
		    "(DMP_AUTORISATION_INTERDITE) : Le patient a bloqué l'accès à son DMP");
	ck_assert_int_eq(st.authz, DMP_AUTHZ_UNKNOWN);
	free(xml);
}
END_TEST

/* ---------------------------------------------------------------- TD3.1 */

static int td31_file(const char *name, struct dmp_doc **docs, size_t *n, struct dmp_error *e)
{
	size_t len;
	char *xml = load(name, &len);
	int rc = dmp_parse_td31(xml, len, &pat, docs, n, e);

	free(xml);
	return rc;
}

START_TEST(td31_three_entries)
{
	struct dmp_doc *d;
	size_t n, len;
	struct dmp_error e;
	char h1[41], *cda = load("cda_n1_pdf.xml", &len);

	sha1_hex(cda, len, h1);
	ck_assert_msg(td31_file("td31_three.xml", &d, &n, &e) == 0, "%s", e.message);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(d[0].entry_uuid, "urn:uuid:0b7c1a52-5e3a-4c55-8f2b-000000000001");
	ck_assert_str_eq(d[0].unique_id, "1.2.250.1.999.1.1^N1.2024.1");
	ck_assert_str_eq(d[0].repository_id, "1.2.250.1.213.1.1.9.2");
	ck_assert_str_eq(d[0].patient_id, CX);
	ck_assert_str_eq(d[0].title, "Compte rendu de consultation de cardiologie");
	ck_assert_str_eq(d[0].type_code, "11488-4");
	ck_assert_str_eq(d[0].type_label, "CR de consultation");
	ck_assert_str_eq(d[0].class_code, "10");
	ck_assert_str_eq(d[0].format_code, "urn:ihe:iti:xds-sd:pdf:2008");
	ck_assert_str_eq(d[0].mime, "text/xml");
	ck_assert_str_eq(d[0].author, "Dr Antoine BERTRAND");
	ck_assert_str_eq(d[0].author_profession, "Médecin - Cardiologie et maladies vasculaires "
			 "(SM)");
	ck_assert_str_eq(d[0].creation_time, "20240502061530");
	ck_assert_str_eq(d[0].service_start, "20240502060000");
	ck_assert_str_eq(d[0].submission_time, "20240502063000");
	ck_assert_str_eq(d[0].status, "approved");
	ck_assert_str_eq(d[0].hash, h1); /* announced in capitals, kept in lower case */
	ck_assert_int_eq(d[0].size, (long long)len);
	ck_assert_int_eq(d[0].invisible_patient, 0);
	ck_assert_int_eq(d[0].masked_ps, 0);
	ck_assert_int_eq(d[1].invisible_patient, 1);
	ck_assert_int_eq(d[1].masked_ps, 0);
	ck_assert_int_eq(d[2].invisible_patient, 0);
	ck_assert_int_eq(d[2].masked_ps, 1);
	ck_assert_int_eq(d[2].size, 0);
	free(d);
	free(cda);
}
END_TEST

START_TEST(td31_refusals)
{
	struct dmp_doc *d = (struct dmp_doc *)1;
	size_t n = 9, len;
	struct dmp_error e;
	char *xml, *bad;

	ck_assert_int_eq(td31_file("td31_wrong_patient.xml", &d, &n, &e), DMP_ERR_MISMATCH);
	ck_assert_ptr_null(d);
	ck_assert_uint_eq(n, 0);
	ck_contains(e.message, "180036322011182");
	ck_assert_int_eq(td31_file("td31_failure.xml", &d, &n, &e), DMP_ERR_FAULT);
	ck_assert_str_eq(e.code, "XDSRegistryError");
	ck_contains(e.message, "Registre indisponible pour maintenance");
	ck_assert_int_eq(td31_file("td31_empty.xml", &d, &n, &e), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(td31_file("fault_vihf.xml", &d, &n, &e), DMP_ERR_FAULT);
	/* A hash that is not one, a negative size: refused, not guessed. */
	xml = load("td31_three.xml", &len);
	bad = strdup(xml);
	memcpy(strstr(bad, "<rim:Value>da39a3ee"), "<rim:Value>zz39a3ee", 19);
	ck_assert_int_eq(dmp_parse_td31(bad, len, &pat, &d, &n, &e), DMP_ERR_PARSE);
	ck_assert_ptr_null(d);
	strcpy(bad, xml);
	memcpy(strstr(bad, "<rim:Value>0</rim:Value>"), "<rim:Value>-</rim:Value>", 24);
	ck_assert_int_eq(dmp_parse_td31(bad, len, &pat, &d, &n, &e), DMP_ERR_PARSE);
	/* An entry without its patient id cannot be checked: refused. */
	strcpy(bad, xml);
	memcpy(strstr(bad, "58a6f841"), "58a6f84X", 8);
	ck_assert_int_eq(dmp_parse_td31(bad, len, &pat, &d, &n, &e), DMP_ERR_PARSE);
	free(bad);
	free(xml);
}
END_TEST

/* ---------------------------------------------------------------- MTOM and TD3.2 */

START_TEST(td32_mtom_answer)
{
	struct mtom_sample m;
	struct dmp_error e;
	unsigned char *doc;
	size_t doc_len, len;
	char mime[64], *cda = load("cda_n1_pdf.xml", &len);

	load_mtom("td32_mtom.mtom", &m);
	ck_assert_msg(dmp_parse_td32(m.ctype, m.body, m.len, "1.2.250.1.999.1.1^N1.2024.1", &doc,
				     &doc_len, mime, sizeof mime, &e) == 0, "%s", e.message);
	ck_assert_uint_eq(doc_len, len);
	ck_assert_int_eq(memcmp(doc, cda, len), 0);
	ck_assert_str_eq(mime, "text/xml");
	free(doc);
	/* Another document than the one asked. */
	ck_assert_int_eq(dmp_parse_td32(m.ctype, m.body, m.len, "1.2.250.1.999.1.1^AUTRE", &doc,
					&doc_len, mime, sizeof mime, &e), DMP_ERR_MISMATCH);
	ck_assert_ptr_null(doc);
	free(m.all);
	free(cda);
}
END_TEST

START_TEST(td32_inline_and_failure)
{
	struct dmp_error e;
	unsigned char *doc;
	size_t doc_len, len, clen;
	char mime[64], *xml = load("td32_inline.xml", &len), *cda = load("cda_n3_pdf.xml", &clen);

	ck_assert_int_eq(dmp_parse_td32("application/soap+xml; charset=utf-8", xml, len,
					"1.2.250.1.999.1.1^BIO.2024.7", &doc, &doc_len, mime,
					sizeof mime, &e), 0);
	ck_assert_uint_eq(doc_len, clen);
	ck_assert_int_eq(memcmp(doc, cda, clen), 0);
	free(doc);
	free(xml);
	xml = load("td32_unknown.xml", &len);
	ck_assert_int_eq(dmp_parse_td32(NULL, xml, len, "1.2^ABSENT", &doc, &doc_len, mime,
					sizeof mime, &e), DMP_ERR_FAULT);
	ck_assert_str_eq(e.code, "XDSDocumentUniqueIdError");
	ck_contains(e.message, "Document introuvable dans le DMP");
	free(xml);
	xml = load("fault_vihf.xml", &len);
	ck_assert_int_eq(dmp_parse_td32(NULL, xml, len, "1.2^A", &doc, &doc_len, mime, sizeof mime,
					&e), DMP_ERR_FAULT);
	free(xml);
	free(cda);
}
END_TEST

static int mtom_str(const char *ctype, const char *body, struct dmp_mtom *m,
		    struct dmp_error *e)
{
	return dmp_mtom_parse(ctype, body, strlen(body), m, e);
}

START_TEST(mtom_edge_cases)
{
	struct dmp_mtom m;
	struct dmp_error e;
	const char *ct = "multipart/related; type=\"application/xop+xml\"; boundary=zz; "
			 "start=\"<b@x>\"";

	/* LF line endings, preamble, unquoted boundary, start naming the second part. */
	ck_assert_int_eq(mtom_str(ct, "preamble\n--zz\nContent-ID: <a@x>\n\nAAA\n--zz\n"
				  "Content-ID: <b@x>\nContent-Type: text/plain\n\nBB\r\nB\n--zz--\n",
				  &m, &e), 0);
	ck_assert_uint_eq(m.n, 2);
	ck_assert_uint_eq(m.root, 1);
	ck_assert_uint_eq(m.part[0].len, 3);
	ck_assert_int_eq(memcmp(m.part[1].data, "BB\r\nB", 5), 0);
	ck_assert_uint_eq(m.part[1].len, 5);
	ck_assert_int_eq(memcmp(m.part[1].content_type, "text/plain", 10), 0);
	/* Truncated: no closing delimiter. */
	ck_assert_int_eq(mtom_str(ct, "--zz\r\nContent-ID: <b@x>\r\n\r\nAAA", &m, &e),
			 DMP_ERR_PARSE);
	ck_contains(e.message, "tronquée");
	/* Start part absent, boundary missing, headers without end, base64 transfer. */
	ck_assert_int_eq(mtom_str(ct, "--zz\r\nContent-ID: <a@x>\r\n\r\nA\r\n--zz--", &m, &e),
			 DMP_ERR_PARSE);
	ck_contains(e.message, "start");
	ck_assert_int_eq(mtom_str("multipart/related; type=x", "--zz\r\n\r\nA\r\n--zz--", &m, &e),
			 DMP_ERR_PARSE);
	ck_assert_int_eq(mtom_str(ct, "--zz\r\nContent-ID: <b@x>\r\nA\r\n--zz--", &m, &e),
			 DMP_ERR_PARSE);
	ck_assert_int_eq(mtom_str(ct, "--zz\r\nContent-ID: <b@x>\r\nContent-Transfer-Encoding: "
				  "base64\r\n\r\nQQ==\r\n--zz--", &m, &e), DMP_ERR_PARSE);
	ck_assert_int_eq(mtom_str(ct, "nothing here", &m, &e), DMP_ERR_PARSE);
	ck_assert_int_eq(mtom_str("text/xml", "--zz\r\n\r\nA\r\n--zz--", &m, &e), DMP_ERR_PARSE);
	/* Too many parts. */
	{
		char big[2048] = "";
		for (int i = 0; i < DMP_MTOM_MAX_PARTS + 1; i++)
			strcat(big, "--zz\r\nContent-ID: <b@x>\r\n\r\nA\r\n");
		strcat(big, "--zz--\r\n");
		ck_assert_int_eq(mtom_str(ct, big, &m, &e), DMP_ERR_PARSE);
	}
}
END_TEST

/* body with the first occurrence of from replaced by to (malloc'd). */
static char *replaced(const char *body, size_t len, const char *from, const char *to,
		      size_t *outlen)
{
	const char *p = memmem(body, len, from, strlen(from));
	size_t head, fl = strlen(from), tl = strlen(to);
	char *out;

	ck_assert_ptr_nonnull(p);
	head = (size_t)(p - body);
	*outlen = len - fl + tl;
	out = malloc(*outlen + 1);
	memcpy(out, body, head);
	memcpy(out + head, to, tl);
	memcpy(out + head + tl, p + fl, len - head - fl);
	out[*outlen] = 0;
	return out;
}

START_TEST(td32_include_to_missing_part)
{
	struct mtom_sample m;
	struct dmp_error e;
	unsigned char *doc;
	size_t doc_len, n;
	char mime[64], *b;

	load_mtom("td32_mtom.mtom", &m);
	b = replaced(m.body, m.len, "cid:doc1@sim", "cid:doc9@sim", &n);
	ck_assert_int_eq(dmp_parse_td32(m.ctype, b, n, "1.2.250.1.999.1.1^N1.2024.1", &doc,
					&doc_len, mime, sizeof mime, &e), DMP_ERR_PARSE);
	ck_contains(e.message, "doc9@sim");
	free(b);
	/* A URL-encoded cid (RFC 2392) still finds its part. */
	b = replaced(m.body, m.len, "cid:doc1@sim", "cid:doc1%40sim", &n);
	ck_assert_int_eq(dmp_parse_td32(m.ctype, b, n, "1.2.250.1.999.1.1^N1.2024.1", &doc,
					&doc_len, mime, sizeof mime, &e), 0);
	free(doc);
	free(b);
	/* No multipart content type: the xop:Include has no part to point to. */
	{
		const char *env = strstr(m.body, "<?xml");
		size_t elen = (size_t)(strstr(env, "</soap:Envelope>") + 16 - env);

		ck_assert_int_eq(dmp_parse_td32(SOAP_CT_TEXT, env, elen, "1.2.250.1.999.1.1^N1.2024.1",
						&doc, &doc_len, mime, sizeof mime, &e), DMP_ERR_PARSE);
		ck_contains(e.message, "sans partie MTOM");
	}
	free(m.all);
}
END_TEST

/* ---------------------------------------------------------------- received documents */

static char tmpdir[64];

static void make_tmpdir(void)
{
	snprintf(tmpdir, sizeof tmpdir, "/tmp/vigie-test-dmp.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void rm_tmpdir(void)
{
	char p[128];

	snprintf(p, sizeof p, "%s/original", tmpdir);
	unlink(p);
	snprintf(p, sizeof p, "%s/pdf", tmpdir);
	unlink(p);
	rmdir(tmpdir);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = malloc(1 << 20);

	ck_assert_ptr_nonnull(f);
	*len = fread(b, 1, 1 << 20, f);
	fclose(f);
	return b;
}

START_TEST(accept_n1_writes_original_and_pdf)
{
	struct dmp_reply r;
	struct dmp_error e;
	size_t len, plen, got;
	char h[41], *cda = load("cda_n1_pdf.xml", &len), *pdf = load("sample.pdf", &plen), *back;
	struct dmp_retrieve q = { "1.2.250.1.213.1.1.9.2", "1.2.250.1.999.1.1^N1.2024.1", h, 0,
				  tmpdir };
	struct stat st;

	make_tmpdir();
	sha1_hex(cda, len, h);
	q.expect_size = (long long)len;
	memset(&r, 0, sizeof r);
	ck_assert_msg(dmp_accept_document(&pat, &q, (unsigned char *)cda, len, "text/xml", &r,
					  &e) == 0, "%s", e.message);
	ck_assert_int_eq(r.is_cda, 1);
	ck_assert_str_eq(r.hash, h);
	ck_assert_int_eq(r.size, (long long)len);
	ck_assert_int_eq(r.cda.level, 1);
	ck_assert_int_eq(r.cda.has_pdf, 1);
	ck_assert_str_eq(r.cda.patient_ins, INS);
	back = slurp(r.original_path, &got);
	ck_assert_uint_eq(got, len);
	ck_assert_int_eq(memcmp(back, cda, len), 0);
	free(back);
	ck_assert_int_eq(stat(r.original_path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	back = slurp(r.pdf_path, &got);
	ck_assert_uint_eq(got, plen);
	ck_assert_int_eq(memcmp(back, pdf, plen), 0);
	free(back);
	/* A second retrieve never overwrites. */
	memset(&r, 0, sizeof r);
	ck_assert_int_eq(dmp_accept_document(&pat, &q, (unsigned char *)cda, len, "text/xml", &r,
					     &e), DMP_ERR_CONFIG);
	ck_assert_str_eq(r.original_path, "");
	rm_tmpdir();
	free(cda);
	free(pdf);
}
END_TEST

START_TEST(accept_refuses_bad_hash_size_patient_symlink)
{
	struct dmp_reply r;
	struct dmp_error e;
	struct mtom_sample m;
	size_t len, doc_len;
	unsigned char *doc;
	char h[41], mime[64], path[128], *cda = load("cda_n1_pdf.xml", &len), *other;
	struct dmp_retrieve q = { "r", "1.2.250.1.999.1.1^N1.2024.1", h, -1, tmpdir };

	make_tmpdir();
	sha1_hex(cda, len, h);
	/* The badhash answer carries one changed byte. */
	load_mtom("td32_badhash.mtom", &m);
	ck_assert_int_eq(dmp_parse_td32(m.ctype, m.body, m.len, q.unique_id, &doc, &doc_len, mime,
					sizeof mime, &e), 0);
	memset(&r, 0, sizeof r);
	ck_assert_int_eq(dmp_accept_document(&pat, &q, doc, doc_len, mime, &r, &e),
			 DMP_ERR_MISMATCH);
	ck_assert_str_eq(e.message, "Le document reçu ne correspond pas à ses métadonnées "
			 "(empreinte ou taille) : il n'est pas intégré");
	snprintf(path, sizeof path, "%s/original", tmpdir);
	ck_assert_int_ne(access(path, F_OK), 0);
	free(doc);
	free(m.all);
	/* Size alone. */
	q.expect_hash = "";
	q.expect_size = (long long)len + 1;
	ck_assert_int_eq(dmp_accept_document(&pat, &q, (unsigned char *)cda, len, "text/xml", &r,
					     &e), DMP_ERR_MISMATCH);
	/* A CDA about another patient. */
	q.expect_size = -1;
	other = strdup(cda);
	memcpy(strstr(other, "extension=\"" INS), "extension=\"180036322011182", 26);
	ck_assert_int_eq(dmp_accept_document(&pat, &q, (unsigned char *)other, len, "text/xml", &r,
					     &e), DMP_ERR_MISMATCH);
	ck_contains(e.message, "autre patient (INS 180036322011182)");
	ck_assert_int_ne(access(path, F_OK), 0);
	ck_assert_int_eq(r.is_cda, 0);
	free(other);
	/* A symbolic link planted at the file's place is not followed. */
	ck_assert_int_eq(symlink("/tmp/vigie-test-dmp-target", path), 0);
	ck_assert_int_eq(dmp_accept_document(&pat, &q, (unsigned char *)cda, len, "text/xml", &r,
					     &e), DMP_ERR_CONFIG);
	ck_assert_int_ne(access("/tmp/vigie-test-dmp-target", F_OK), 0);
	rm_tmpdir();
	free(cda);
}
END_TEST

START_TEST(accept_non_cda_document)
{
	struct dmp_reply r;
	struct dmp_error e;
	size_t plen;
	char *pdf = load("sample.pdf", &plen);
	struct dmp_retrieve q = { "r", "u", "", -1, tmpdir };

	make_tmpdir();
	memset(&r, 0, sizeof r);
	ck_assert_int_eq(dmp_accept_document(&pat, &q, (unsigned char *)pdf, plen,
					     "application/pdf", &r, &e), 0);
	ck_assert_int_eq(r.is_cda, 0);
	ck_assert_str_eq(r.pdf_path, "");
	ck_assert_str_eq(r.mime, "application/pdf");
	rm_tmpdir();
	/* XML that is no CDA: kept, not read as one. */
	make_tmpdir();
	memset(&r, 0, sizeof r);
	ck_assert_int_eq(dmp_accept_document(&pat, &q, (const unsigned char *)"<a xmlns=\"urn:x\"/>",
					     18, "text/xml", &r, &e), 0);
	ck_assert_int_eq(r.is_cda, 0);
	rm_tmpdir();
	/* Hostile XML declared as a document: refused. */
	make_tmpdir();
	{
		size_t n;
		char *x = load("bad_cda_xxe.xml", &n);

		ck_assert_int_eq(dmp_accept_document(&pat, &q, (unsigned char *)x, n, "text/xml", &r,
						     &e), DMP_ERR_PARSE);
		ck_contains(e.message, "DTD");
		free(x);
	}
	rm_tmpdir();
	free(pdf);
}
END_TEST

/* ---------------------------------------------------------------- CDA reader */

static int cda_file(const char *name, struct cda_header *h, unsigned char **pdf, size_t *n,
		    char *err)
{
	size_t len;
	char *xml = load(name, &len);
	int rc = cda_read(xml, len, h, pdf, n, err, 320);

	free(xml);
	return rc;
}

START_TEST(cda_n1)
{
	struct cda_header h;
	unsigned char *pdf;
	size_t n, plen;
	char err[320], *want = load("sample.pdf", &plen);

	ck_assert_msg(cda_file("cda_n1_pdf.xml", &h, &pdf, &n, err) == 0, "%s", err);
	ck_assert_str_eq(h.id, "1.2.250.1.999.1.1^N1.2024.1");
	ck_assert_str_eq(h.set_id, "1.2.250.1.999.1.1.9001");
	ck_assert_int_eq(h.version, 1);
	ck_assert_str_eq(h.code, "11488-4");
	ck_assert_str_eq(h.code_label, "Compte rendu de consultation");
	ck_assert_str_eq(h.title, "Compte rendu de consultation de cardiologie");
	ck_assert_str_eq(h.effective_time, "20240502081530");
	ck_assert_str_eq(h.patient_ins, INS);
	ck_assert_str_eq(h.patient_oid, OID);
	ck_assert_str_eq(h.patient_family, "LEFÈVRE");   /* BR, not the used name */
	ck_assert_str_eq(h.patient_given, "Chloé");
	ck_assert_str_eq(h.patient_birth, "19880412");
	ck_assert_str_eq(h.patient_sex, "F");
	ck_assert_str_eq(h.author, "Dr Antoine BERTRAND");
	ck_assert_str_eq(h.author_profession, "Médecin - Cardiologie et maladies vasculaires (SM)");
	ck_assert_int_eq(h.level, 1);
	ck_assert_int_eq(h.has_pdf, 1);
	ck_assert_str_eq(h.related_id, "");
	ck_assert_uint_eq(n, plen);
	ck_assert_int_eq(memcmp(pdf, want, plen), 0);
	free(pdf);
	free(want);
	/* Without a place for the PDF, only has_pdf is told. */
	ck_assert_int_eq(cda_file("cda_n1_pdf.xml", &h, NULL, NULL, err), 0);
	ck_assert_int_eq(h.has_pdf, 1);
}
END_TEST

/* The civilité of the CDA author: a doctor is "Dr", others keep theirs, written out. */
START_TEST(cda_author_prefix)
{
	struct cda_header h;
	size_t len, n, m;
	char err[320], *xml = load("cda_n1_pdf.xml", &len), *a, *b;

	a = replaced(xml, len, "<prefix>Dr</prefix>", "<prefix>MME</prefix>", &n);
	ck_assert_int_eq(cda_read(a, n, &h, NULL, NULL, err, sizeof err), 0);
	ck_assert_str_eq(h.author, "Dr Antoine BERTRAND");
	b = replaced(a, n, "G15_10/SM04", "G15_60", &m);
	ck_assert_int_eq(cda_read(b, m, &h, NULL, NULL, err, sizeof err), 0);
	ck_assert_str_eq(h.author, "Mme Antoine BERTRAND");
	free(b);
	b = replaced(a, n, "<prefix>MME</prefix>", "", &m);
	free(a);
	a = replaced(b, m, "G15_10/SM04", "G15_60", &n);
	ck_assert_int_eq(cda_read(a, n, &h, NULL, NULL, err, sizeof err), 0);
	ck_assert_str_eq(h.author, "Antoine BERTRAND");
	free(a), free(b), free(xml);
}
END_TEST

START_TEST(cda_n3_and_rplc)
{
	struct cda_header h;
	unsigned char *pdf;
	size_t n;
	char err[320];

	ck_assert_msg(cda_file("cda_n3_pdf.xml", &h, &pdf, &n, err) == 0, "%s", err);
	ck_assert_int_eq(h.level, 3);
	ck_assert_int_eq(h.has_pdf, 1);
	ck_assert_int_eq(memcmp(pdf, "%PDF-", 5), 0);
	/* The copy, not the PNG of the first section. */
	ck_assert_ptr_nonnull(memmem(pdf, n, "copie PDF", 9));
	free(pdf);
	ck_assert_int_eq(cda_file("cda_rplc.xml", &h, &pdf, &n, err), 0);
	ck_assert_str_eq(h.related_id, "1.2.250.1.999.1.1^N1.2024.1");
	ck_assert_int_eq(h.version, 2);
	ck_assert_int_eq(h.level, 3);
	ck_assert_int_eq(h.has_pdf, 0);
	ck_assert_ptr_null(pdf);
}
END_TEST

START_TEST(cda_refusals)
{
	struct cda_header h;
	unsigned char *pdf;
	size_t n, len;
	char err[320], *xml, *bad;

	ck_assert_int_eq(cda_file("bad_cda_xxe.xml", &h, &pdf, &n, err), CDA_ERR_XML);
	ck_contains(err, "DTD");
	ck_assert_int_eq(cda_file("td03_ok.xml", &h, &pdf, &n, err), CDA_ERR_NOT_CDA);
	ck_assert_int_eq(cda_read("<ClinicalDocument xmlns=\"urn:x\"/>", 33, &h, &pdf, &n, err,
				  sizeof err), CDA_ERR_NOT_CDA);
	ck_assert_int_eq(cda_read("<ClinicalDocument xmlns=\"urn:hl7-org:v3\">", 41, &h, &pdf, &n,
				  err, sizeof err), CDA_ERR_XML);
	xml = load("cda_n1_pdf.xml", &len);
	bad = replaced(xml, len, "extension=\"" INS "\"", "extension=\"28804631134124\"", &n);
	ck_assert_int_eq(cda_read(bad, n, &h, &pdf, &n, err, sizeof err), CDA_ERR_INVALID);
	ck_contains(err, "15 caractères");
	ck_assert_str_eq(h.id, "");
	free(bad);
	bad = strdup(xml);
	/* A "PDF" that is not one, and base64 that is not base64. */
	strcpy(bad, xml);
	memcpy(strstr(bad, "JVBERi0"), "QUJDRE0", 7);
	ck_assert_int_eq(cda_read(bad, len, &h, &pdf, &n, err, sizeof err), CDA_ERR_INVALID);
	ck_contains(err, "n'en est pas un");
	strcpy(bad, xml);
	memcpy(strstr(bad, "JVBERi0"), "JVB-Ri0", 7);
	ck_assert_int_eq(cda_read(bad, len, &h, &pdf, &n, err, sizeof err), CDA_ERR_INVALID);
	ck_contains(err, "base64");
	ck_assert_ptr_null(pdf);
	free(bad);
	free(xml);
}
END_TEST

START_TEST(b64_strict)
{
	unsigned char *o;
	size_t n;

	ck_assert_int_eq(cda_b64_decode("SGVs\nbG8=", 9, &o, &n), 0);
	ck_assert_uint_eq(n, 5);
	ck_assert_int_eq(memcmp(o, "Hello", 5), 0);
	free(o);
	ck_assert_int_eq(cda_b64_decode("", 0, &o, &n), 0);
	ck_assert_uint_eq(n, 0);
	free(o);
	ck_assert_int_eq(cda_b64_decode("SGVs-bG8=", 9, &o, &n), -1);
	ck_assert_int_eq(cda_b64_decode("SGVsbG8=QQ", 10, &o, &n), -1);
}
END_TEST

/* ---------------------------------------------------------------- hostile answers */

START_TEST(hostile_answers_every_parser)
{
	static const char *const files[] = { "bad_xxe.xml", "bad_billion_laughs.xml",
					     "bad_truncated.xml" };
	struct dmp_status st;
	struct dmp_doc *d;
	struct dmp_error e;
	unsigned char *doc;
	size_t n, len;
	char mime[64];
	time_t t0 = time(NULL);

	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		char *xml = load(files[i], &len);

		ck_assert_int_eq(dmp_parse_td02(xml, len, &pat, &st, &e), DMP_ERR_PARSE);
		ck_assert_int_eq(dmp_parse_td03(xml, len, &pat, &st, &e), DMP_ERR_PARSE);
		ck_assert_int_eq(dmp_parse_td31(xml, len, &pat, &d, &n, &e), DMP_ERR_PARSE);
		ck_assert_int_eq(dmp_parse_td32(NULL, xml, len, "u", &doc, &n, mime, sizeof mime, &e),
				 DMP_ERR_PARSE);
		if (i < 2)
			ck_contains(e.message, "DTD");
		else
			ck_contains(e.message, "tronqué");
		free(xml);
	}
	ck_assert_int_lt(time(NULL) - t0, 3);
	ck_assert_int_eq(dmp_parse_td02("", 0, &pat, &st, &e), DMP_ERR_PARSE);
	ck_contains(e.message, "vide");
	ck_assert_int_eq(dmp_parse_td02("<x/>", 4, &pat, &st, &e), DMP_ERR_PARSE);
	ck_contains(e.message, "SOAP 1.2");
}
END_TEST

START_TEST(hostile_size_limit)
{
	struct dmp_status st;
	struct dmp_error e;
	size_t big = DMP_MAX_ANSWER + 1;
	char *x = malloc(big);

	memset(x, ' ', big);
	ck_assert_int_eq(dmp_parse_td02(x, big, &pat, &st, &e), DMP_ERR_PARSE);
	ck_contains(e.message, "2 Mio");
	free(x);
}
END_TEST

/* ---------------------------------------------------------------- TLS server of the tests */

struct tls_fixture {
	char dir[64], ca[128], cert[128], key[128];
};

struct tls_server {
	const char *cert, *key;
	const char *ctype, *body;
	size_t len;
	int fd, port, status, served;
	int stop[2];
	pthread_t th;
	char request[65536];
};

static void add_ext(X509 *x, X509V3_CTX *v3, int nid, const char *value)
{
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, v3, nid, value);

	ck_assert_ptr_nonnull(ext);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
}

static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_get_subject_name(x);
	X509V3_CTX v3;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), issuer ? 2 : 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509V3_set_ctx_nodb(&v3);
	X509V3_set_ctx(&v3, issuer ? issuer : x, x, NULL, NULL, 0);
	add_ext(x, &v3, NID_basic_constraints, issuer ? "CA:FALSE" : "critical,CA:TRUE");
	if (!issuer)
		add_ext(x, &v3, NID_key_usage, "critical,keyCertSign,cRLSign");
	else
		add_ext(x, &v3, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
	ck_assert_int_gt(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()), 0);
	return x;
}

static struct tls_fixture fx;

static void net_setup(void)
{
	EVP_PKEY *cak = EVP_EC_gen("P-256"), *sk = EVP_EC_gen("P-256");
	X509 *ca = make_cert(cak, "Vigie DMP test CA", NULL, NULL);
	X509 *srv = make_cert(sk, "localhost", ca, cak);

	dmp_global_init();
	snprintf(fx.dir, sizeof fx.dir, "/tmp/vigie-test-dmp-tls.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(fx.dir));
	snprintf(fx.ca, sizeof fx.ca, "%s/ca.pem", fx.dir);
	snprintf(fx.cert, sizeof fx.cert, "%s/server.pem", fx.dir);
	snprintf(fx.key, sizeof fx.key, "%s/server.key", fx.dir);
	write_pem(fx.ca, ca, NULL, NULL);
	write_pem(fx.cert, srv, NULL, NULL);
	write_pem(fx.key, NULL, sk, NULL);
	X509_free(ca), X509_free(srv);
	EVP_PKEY_free(cak), EVP_PKEY_free(sk);
}

static void net_teardown(void)
{
	unlink(fx.ca), unlink(fx.cert), unlink(fx.key);
	rmdir(fx.dir);
	dmp_global_cleanup();
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

static void answer(struct tls_server *s, SSL *ssl)
{
	char head[1024];

	snprintf(head, sizeof head, "HTTP/1.1 %d X\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		 "Connection: close\r\n\r\n", s->status, s->ctype, s->len);
	SSL_write(ssl, head, (int)strlen(head));
	for (size_t off = 0; off < s->len;) {
		int n = SSL_write(ssl, s->body + off, (int)(s->len - off > 65536 ? 65536
							      : s->len - off));
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	SSL_shutdown(ssl);
}

static void *serve(void *arg)
{
	struct tls_server *s = arg;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

	SSL_CTX_use_certificate_file(ctx, s->cert, SSL_FILETYPE_PEM);
	SSL_CTX_use_PrivateKey_file(ctx, s->key, SSL_FILETYPE_PEM);
	for (;;) {
		struct pollfd p[2] = { { s->fd, POLLIN, 0 }, { s->stop[0], POLLIN, 0 } };
		int c;
		SSL *ssl;

		if (poll(p, 2, -1) < 0 || p[1].revents)
			break;
		if (!p[0].revents || (c = accept(s->fd, NULL, NULL)) < 0)
			continue;
		ssl = SSL_new(ctx);
		SSL_set_fd(ssl, c);
		if (SSL_accept(ssl) == 1) {
			read_request(s, ssl);
			answer(s, ssl);
			s->served++;
		}
		SSL_free(ssl);
		close(c);
	}
	SSL_CTX_free(ctx);
	return NULL;
}

static void server_start(struct tls_server *s, int status, const char *ctype, const char *body,
			 size_t len)
{
	memset(s, 0, sizeof *s);
	s->cert = fx.cert;
	s->key = fx.key;
	s->status = status;
	s->ctype = ctype;
	s->body = body;
	s->len = len;
	s->fd = listen_local(&s->port);
	ck_assert_int_eq(pipe(s->stop), 0);
	ck_assert_int_eq(pthread_create(&s->th, NULL, serve, s), 0);
}

static void server_stop(struct tls_server *s)
{
	ck_assert_int_eq(write(s->stop[1], "x", 1), 1);
	pthread_join(s->th, NULL);
	close(s->fd);
	close(s->stop[0]);
	close(s->stop[1]);
}

static struct dmp_config net_cfg(int port)
{
	struct dmp_config c = test_cfg();

	snprintf(c.endpoint, sizeof c.endpoint, "https://localhost:%d/si-dmp-server/v2/services",
		 port);
	snprintf(c.ca_file, sizeof c.ca_file, "%s", fx.ca);
	return c;
}

#define SOAP_CT "application/soap+xml; charset=utf-8"

START_TEST(net_td02_on_the_wire)
{
	struct tls_server s;
	struct dmp_config c;
	struct dmp_actor a = test_actor();
	struct dmp_status st;
	struct dmp_error e;
	size_t len;
	char *body = load("td02_actif.xml", &len);

	server_start(&s, 200, SOAP_CT, body, len);
	c = net_cfg(s.port);
	ck_assert_msg(dmp_td02(&c, &a, &pat, NULL, NULL, &st, &e) == 0, "%s", e.message);
	server_stop(&s);
	ck_assert_int_eq(st.state, DMP_STATE_ACTIVE);
	ck_assert_int_eq(st.authz, DMP_AUTHZ_VALID);
	ck_contains(s.request, "POST /si-dmp-server/v2/services/patients HTTP/1.1\r\n");
	ck_contains(s.request, "Content-Type: application/soap+xml; charset=utf-8; action=\"urn:"
		    "hl7-org:v3:PRPA_IN201307UV02\"\r\n");
	ck_contains(s.request, "<wsa:MessageID>urn:uuid:");
	ck_contains(s.request, "<saml:NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:"
		    "unspecified\">889900000001</saml:NameID>");
	ck_contains(s.request, "extension=\"" INS "\"");
	free(body);
}
END_TEST

START_TEST(net_fault_and_http_errors)
{
	struct tls_server s;
	struct dmp_config c;
	struct dmp_actor a = test_actor();
	struct dmp_status st;
	struct dmp_error e;
	size_t len;
	char *body = load("td03_fault.xml", &len);

	server_start(&s, 500, SOAP_CT, body, len);
	c = net_cfg(s.port);
	ck_assert_int_eq(dmp_td03(&c, &a, &pat, NULL, NULL, &st, &e), DMP_ERR_FAULT);
	server_stop(&s);
	ck_assert_str_eq(e.code, "DMP_AUTORISATION_INTERDITE");
	ck_contains(s.request, "POST /si-dmp-server/v2/services/habilitations ");
	server_start(&s, 503, "text/html", "<html>maintenance</html>", 24);
	c = net_cfg(s.port);
	ck_assert_int_eq(dmp_td03(&c, &a, &pat, NULL, NULL, &st, &e), DMP_ERR_HTTP);
	server_stop(&s);
	ck_assert_str_eq(e.message, "Le service DMP a répondu par une erreur HTTP 503 : service "
			 "indisponible");
	ck_assert_str_eq(e.code, "");
	/* 200 with something else than SOAP. */
	server_start(&s, 200, "text/html", "<html>maintenance</html>", 24);
	c = net_cfg(s.port);
	ck_assert_int_eq(dmp_td02(&c, &a, &pat, NULL, NULL, &st, &e), DMP_ERR_PARSE);
	server_stop(&s);
	free(body);
}
END_TEST

START_TEST(net_td32_mtom_to_files)
{
	struct tls_server s;
	struct dmp_config c;
	struct dmp_actor a = test_actor();
	struct dmp_reply r;
	struct dmp_error e;
	struct mtom_sample m;
	size_t len, plen, got;
	char h[41], *cda = load("cda_n1_pdf.xml", &len), *pdf = load("sample.pdf", &plen), *back;
	struct dmp_retrieve q = { "1.2.250.1.213.1.1.9.2", "1.2.250.1.999.1.1^N1.2024.1", h, 0,
				  tmpdir };

	make_tmpdir();
	sha1_hex(cda, len, h);
	q.expect_size = (long long)len;
	load_mtom("td32_mtom.mtom", &m);
	server_start(&s, 200, m.ctype, m.body, m.len);
	c = net_cfg(s.port);
	memset(&r, 0, sizeof r);
	ck_assert_msg(dmp_td32(&c, &a, &pat, &q, NULL, NULL, &r, &e) == 0, "%s", e.message);
	server_stop(&s);
	ck_contains(s.request, "POST /si-dmp-server/v2/services/repository ");
	ck_contains(s.request, "<xds:DocumentUniqueId>1.2.250.1.999.1.1^N1.2024.1<");
	ck_assert_int_eq(r.is_cda, 1);
	ck_assert_str_eq(r.cda.title, "Compte rendu de consultation de cardiologie");
	back = slurp(r.pdf_path, &got);
	ck_assert_uint_eq(got, plen);
	ck_assert_int_eq(memcmp(back, pdf, plen), 0);
	free(back);
	rm_tmpdir();
	/* The same answer with another hash announced: nothing written. */
	make_tmpdir();
	h[0] = h[0] == 'a' ? 'b' : 'a';
	server_start(&s, 200, m.ctype, m.body, m.len);
	c = net_cfg(s.port);
	memset(&r, 0, sizeof r);
	ck_assert_int_eq(dmp_td32(&c, &a, &pat, &q, NULL, NULL, &r, &e), DMP_ERR_MISMATCH);
	server_stop(&s);
	ck_assert_str_eq(r.original_path, "");
	rm_tmpdir();
	free(m.all), free(cda), free(pdf);
}
END_TEST

START_TEST(net_refused_and_configuration)
{
	struct dmp_config c;
	struct dmp_actor a = test_actor();
	struct dmp_status st;
	struct dmp_error e;
	int port, fd = listen_local(&port);

	close(fd);
	c = net_cfg(port);
	ck_assert_int_eq(dmp_td02(&c, &a, &pat, NULL, NULL, &st, &e), DMP_ERR_CONNECT);
	ck_assert_str_eq(e.message, "Service DMP injoignable (connexion refusée)");
	snprintf(c.endpoint, sizeof c.endpoint, "http://localhost:%d/x", port);
	ck_assert_int_eq(dmp_td02(&c, &a, &pat, NULL, NULL, &st, &e), DMP_ERR_CONFIG);
	ck_contains(e.message, "seul https:// est accepté");
	c.endpoint[0] = 0;
	ck_assert_int_eq(dmp_td02(&c, &a, &pat, NULL, NULL, &st, &e), DMP_ERR_CONFIG);
	ck_contains(e.message, "([dmp] adresse)");
	c = net_cfg(port);
	snprintf(c.ca_file, sizeof c.ca_file, "/nonexistent/ca.pem");
	ck_assert_int_eq(dmp_td02(&c, &a, &pat, NULL, NULL, &st, &e), DMP_ERR_CONFIG);
	ck_contains(e.message, "/nonexistent/ca.pem ([dmp] ca)");
	/* No professional: refused before any call. */
	a.national_id[0] = 0;
	c = net_cfg(port);
	ck_assert_int_eq(dmp_td02(&c, &a, &pat, NULL, NULL, &st, &e), DMP_ERR_REFUSED);
}
END_TEST

/* The helper's stdin and stdout redirected to files (each test runs in its own process). */
static char *run_helper(const char *request, int *status)
{
	char in[] = "/tmp/vigie-test-dmp-in.XXXXXX", out[] = "/tmp/vigie-test-dmp-out.XXXXXX";
	int fi = mkstemp(in), fo = mkstemp(out), save_in = dup(0), save_out = dup(1);
	int save_err = dup(2), null = open("/dev/null", O_WRONLY);
	size_t len;
	char *reply;

	ck_assert_int_ge(fi, 0);
	ck_assert_int_ge(fo, 0);
	ck_assert_int_eq(write(fi, request, strlen(request)), (ssize_t)strlen(request));
	lseek(fi, 0, SEEK_SET);
	fflush(stdout);
	dup2(fi, 0);
	dup2(fo, 1);
	dup2(null, 2); /* the helper says why it refuses a request there */
	*status = dmp_helper_main();
	fflush(stdout);
	dup2(save_in, 0);
	dup2(save_out, 1);
	dup2(save_err, 2);
	close(fi), close(fo), close(save_in), close(save_out), close(save_err), close(null);
	reply = slurp(out, &len);
	reply[len] = 0;
	unlink(in), unlink(out);
	return reply;
}

START_TEST(net_helper_find_since)
{
	struct tls_server s;
	struct dmp_request rq;
	struct dmp_reply r;
	struct kv_out o;
	size_t len;
	int status;
	char *body = load("td31_three.xml", &len), *reply;

	server_start(&s, 200, SOAP_CT, body, len);
	memset(&rq, 0, sizeof rq);
	rq.op = DMP_OP_FIND;
	rq.cfg = net_cfg(s.port);
	rq.actor = test_actor();
	rq.patient = pat;
	snprintf(rq.since, sizeof rq.since, "20240503");
	kv_out_init(&o, 0);
	ck_assert_int_eq(dmp_request_format(&rq, &o), 0);
	reply = run_helper(o.buf, &status);
	kv_out_free(&o);
	server_stop(&s);
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(dmp_reply_parse(reply, &r), 0);
	/* Submitted on 2024-05-02: before "since", left out. */
	ck_assert_uint_eq(r.n_docs, 2);
	ck_assert_str_eq(r.docs[0].unique_id, "1.2.250.1.999.1.1^BIO.2024.7");
	ck_assert_str_eq(r.docs[1].unique_id, "1.2.250.1.999.1.1^N1.2024.1.v2");
	dmp_reply_free(&r);
	free(reply);
	/* Unreadable request: status 2, nothing on stdout. */
	reply = run_helper("operation: td0.2\n", &status);
	ck_assert_int_eq(status, 2);
	ck_assert_str_eq(reply, "");
	free(reply);
	free(body);
}
END_TEST

START_TEST(net_helper_error_reply)
{
	struct dmp_request rq;
	struct dmp_reply r;
	struct kv_out o;
	int status, port, fd = listen_local(&port);
	char *reply;

	close(fd);
	memset(&rq, 0, sizeof rq);
	rq.op = DMP_OP_STATUS;
	rq.cfg = net_cfg(port);
	rq.actor = test_actor();
	rq.patient = pat;
	kv_out_init(&o, 0);
	ck_assert_int_eq(dmp_request_format(&rq, &o), 0);
	reply = run_helper(o.buf, &status);
	kv_out_free(&o);
	ck_assert_int_eq(status, 0);
	ck_assert_int_eq(dmp_reply_parse(reply, &r), DMP_ERR_CONNECT);
	ck_assert_str_eq(r.err.message, "Service DMP injoignable (connexion refusée)");
	free(reply);
}
END_TEST

/* ---------------------------------------------------------------- suite */

static Suite *dmp_suite(void)
{
	Suite *s = suite_create("dmp");
	TCase *tc = tcase_create("wire");

	tcase_add_test(tc, wire_request_round_trip);
	tcase_add_test(tc, wire_request_refusals);
	tcase_add_test(tc, wire_reply_round_trip_with_docs);
	tcase_add_test(tc, wire_reply_errors_and_garbage);
	tcase_add_test(tc, wire_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("vihf");
	tcase_add_test(tc, vihf_content_unsigned);
	tcase_add_test(tc, vihf_refusals);
	tcase_add_test(tc, vihf_signature_verifies_inside_the_envelope);
	tcase_add_test(tc, vihf_seal_p12_and_bad_seals);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);

	tc = tcase_create("requests");
	tcase_add_test(tc, request_td02);
	tcase_add_test(tc, request_td03_td31_td32);
	tcase_add_test(tc, request_refusals);
	suite_add_tcase(s, tc);

	tc = tcase_create("answers");
	tcase_add_test(tc, td02_states);
	tcase_add_test(tc, td02_wrong_patient_and_errors);
	tcase_add_test(tc, td03_ok_and_fault);
	tcase_add_test(tc, td31_three_entries);
	tcase_add_test(tc, td31_refusals);
	tcase_add_test(tc, td32_mtom_answer);
	tcase_add_test(tc, td32_inline_and_failure);
	tcase_add_test(tc, mtom_edge_cases);
	tcase_add_test(tc, td32_include_to_missing_part);
	tcase_add_test(tc, hostile_answers_every_parser);
	tcase_add_test(tc, hostile_size_limit);
	tcase_set_timeout(tc, 20);
	suite_add_tcase(s, tc);

	tc = tcase_create("documents");
	tcase_add_test(tc, accept_n1_writes_original_and_pdf);
	tcase_add_test(tc, accept_refuses_bad_hash_size_patient_symlink);
	tcase_add_test(tc, accept_non_cda_document);
	tcase_add_test(tc, cda_n1);
	tcase_add_test(tc, cda_author_prefix);
	tcase_add_test(tc, cda_n3_and_rplc);
	tcase_add_test(tc, cda_refusals);
	tcase_add_test(tc, b64_strict);
	suite_add_tcase(s, tc);

	tc = tcase_create("transport");
	tcase_add_checked_fixture(tc, net_setup, net_teardown);
	tcase_add_test(tc, net_td02_on_the_wire);
	tcase_add_test(tc, net_fault_and_http_errors);
	tcase_add_test(tc, net_td32_mtom_to_files);
	tcase_add_test(tc, net_refused_and_configuration);
	tcase_add_test(tc, net_helper_find_since);
	tcase_add_test(tc, net_helper_error_reply);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(dmp_suite());
	int failed;

	signal(SIGPIPE, SIG_IGN); /* the test server writes to clients that gave up */
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
