/* VIHF SAML 2.0 assertion of the DMP requests, with its XML-DSig seal signature (OpenSSL). */
#include "net/vihf.h"
#include "net/sbuf.h"

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NS_HL7 "urn:hl7-org:v3"
#define NS_XSI "http://www.w3.org/2001/XMLSchema-instance"
#define ALG_EXC_C14N "http://www.w3.org/2001/10/xml-exc-c14n#"
#define ALG_ENVELOPED "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
#define ALG_RSA_SHA256 "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
#define ALG_SHA256 "http://www.w3.org/2001/04/xmlenc#sha256"

/* ------------------------------------------------------------------ helpers */

__attribute__((format(printf, 4, 5)))
static int fail(char *err, size_t size, int kind, const char *fmt, ...)
{
	va_list ap;

	if (err && size) {
		va_start(ap, fmt);
		vsnprintf(err, size, fmt, ap);
		va_end(ap);
	}
	return kind;
}

void vihf_patient_cx(const struct dmp_patient *p, char *buf, size_t size)
{
	snprintf(buf, size, "%s^^^&%s&ISO^NH", p->ins, p->oid);
}

static void iso_time(time_t t, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "_" + a version 4 UUID: an xs:ID must not start with a digit. */
static int new_id(char out[38])
{
	unsigned char r[16];
	static const char hex[] = "0123456789abcdef";
	int o = 0;

	if (RAND_bytes(r, sizeof r) != 1)
		return -1;
	r[6] = (unsigned char)((r[6] & 0x0F) | 0x40);
	r[8] = (unsigned char)((r[8] & 0x3F) | 0x80);
	out[o++] = '_';
	for (int i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hex[r[i] >> 4];
		out[o++] = hex[r[i] & 15];
	}
	out[o] = 0;
	return 0;
}

/* G15 profession labels (TRE_G15), for the role's displayName. */
static const char *profession_label(const char *code)
{
	static const struct {
		const char *code, *label;
	} map[] = {
		{ "10", "Médecin" }, { "21", "Pharmacien" }, { "26", "Audioprothésiste" },
		{ "28", "Opticien-Lunetier" }, { "40", "Chirurgien-Dentiste" },
		{ "50", "Sage-Femme" }, { "60", "Infirmier" }, { "70", "Masseur-Kinésithérapeute" },
		{ "80", "Pédicure-Podologue" }, { "91", "Orthophoniste" }, { "92", "Orthoptiste" },
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcmp(code, map[i].code))
			return map[i].label;
	return NULL;
}

/* ------------------------------------------------------------------ assertion text */

struct vihf_ctx {
	const struct dmp_config *cfg;
	const struct dmp_actor *actor;
	const struct dmp_patient *patient;
	char id[38];
	char now[24], not_before[24], not_after[24];
	char issuer[512];
};

static void attr_open(struct sbuf *b, const char *name)
{
	sb_puts(b, "<saml:Attribute Name=\"");
	sb_esc(b, name);
	sb_puts(b, "\">");
}

static void attr_text(struct sbuf *b, const char *name, const char *value)
{
	attr_open(b, name);
	sb_puts(b, "<saml:AttributeValue>");
	sb_esc(b, value);
	sb_puts(b, "</saml:AttributeValue></saml:Attribute>");
}

static void put_roles(struct sbuf *b, const struct dmp_actor *a)
{
	const char *label = profession_label(a->profession);

	attr_open(b, "urn:oasis:names:tc:xacml:2.0:subject:role");
	sb_puts(b, "<saml:AttributeValue><Role xmlns=\"" NS_HL7 "\" xmlns:xsi=\"" NS_XSI "\" "
		"xsi:type=\"CE\" code=\"");
	sb_esc(b, a->profession);
	sb_puts(b, "\" codeSystem=\"1.2.250.1.71.1.2.7\"");
	if (label) {
		sb_puts(b, " displayName=\"");
		sb_esc(b, label);
		sb_puts(b, "\"");
	}
	sb_puts(b, "/></saml:AttributeValue>");
	if (a->speciality[0]) {
		sb_puts(b, "<saml:AttributeValue><Role xmlns=\"" NS_HL7 "\" xmlns:xsi=\"" NS_XSI
			"\" xsi:type=\"CE\" code=\"");
		sb_esc(b, a->speciality);
		sb_puts(b, "\" codeSystem=\"1.2.250.1.71.4.2.5\"/></saml:AttributeValue>");
	}
	sb_puts(b, "</saml:Attribute>");
}

static void put_purpose(struct sbuf *b, const struct dmp_actor *a)
{
	attr_open(b, "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse");
	sb_puts(b, "<saml:AttributeValue><PurposeOfUse xmlns=\"" NS_HL7 "\" xmlns:xsi=\"" NS_XSI
		"\" xsi:type=\"CE\" code=\"");
	sb_esc(b, a->access_mode[0] ? a->access_mode : "normal");
	sb_puts(b, "\" codeSystem=\"1.2.250.1.213.1.1.4.248\"/></saml:AttributeValue>"
		"</saml:Attribute>");
}

static void put_attributes(struct sbuf *b, const struct vihf_ctx *c)
{
	const struct dmp_config *cfg = c->cfg;
	const struct dmp_actor *a = c->actor;
	char name[256], cx[80];

	sb_puts(b, "<saml:AttributeStatement>");
	attr_text(b, "VIHF_Version", "3.0");
	attr_text(b, "Identifiant_Structure", cfg->structure_id);
	attr_text(b, "Secteur_Activite", cfg->secteur);
	snprintf(name, sizeof name, "%s %s", a->family, a->given);
	attr_text(b, "urn:oasis:names:tc:xspa:1.0:subject:subject-id", name);
	put_roles(b, a);
	attr_text(b, "Authentification_Mode", a->auth_mode);
	if (c->patient) {
		vihf_patient_cx(c->patient, cx, sizeof cx);
		attr_text(b, "urn:oasis:names:tc:xacml:2.0:resource:resource-id", cx);
	}
	attr_text(b, "Ressource_URN", "urn:dmp");
	put_purpose(b, a);
	attr_text(b, "LPS_Nom", cfg->software_name);
	attr_text(b, "LPS_Version", cfg->software_version);
	attr_text(b, "LPS_ID_HOMOLOGATION_DMP", cfg->homologation);
	sb_puts(b, "</saml:AttributeStatement>");
}

/* The whole assertion; signature (may be NULL) goes right after Issuer, as SAML orders it.
 * Without it, this text is exactly what the enveloped-signature transform leaves. */
static void put_assertion(struct sbuf *b, const struct vihf_ctx *c, const char *signature)
{
	sb_puts(b, "<saml:Assertion xmlns:saml=\"" VIHF_NS_SAML "\" ID=\"");
	sb_puts(b, c->id);
	sb_puts(b, "\" IssueInstant=\"");
	sb_puts(b, c->now);
	sb_puts(b, "\" Version=\"2.0\"><saml:Issuer Format=\"urn:oasis:names:tc:SAML:1.1:"
		"nameid-format:X509SubjectName\">");
	sb_esc(b, c->issuer);
	sb_puts(b, "</saml:Issuer>");
	if (signature)
		sb_puts(b, signature);
	sb_puts(b, "<saml:Subject><saml:NameID Format=\"urn:oasis:names:tc:SAML:1.1:nameid-format:"
		"unspecified\">");
	sb_esc(b, c->actor->national_id);
	sb_puts(b, "</saml:NameID></saml:Subject><saml:Conditions NotBefore=\"");
	sb_puts(b, c->not_before);
	sb_puts(b, "\" NotOnOrAfter=\"");
	sb_puts(b, c->not_after);
	sb_puts(b, "\"/><saml:AuthnStatement AuthnInstant=\"");
	sb_puts(b, c->now);
	sb_puts(b, "\"><saml:AuthnContext><saml:AuthnContextClassRef>");
	sb_esc(b, c->actor->authn_class);
	sb_puts(b, "</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>");
	put_attributes(b, c);
	sb_puts(b, "</saml:Assertion>");
}

/* ------------------------------------------------------------------ seal */

struct seal {
	X509 *cert;
	EVP_PKEY *key;
};

static void seal_free(struct seal *s)
{
	X509_free(s->cert);
	EVP_PKEY_free(s->key);
	memset(s, 0, sizeof *s);
}

static int is_p12(const char *path)
{
	size_t n = strlen(path);

	return n > 4 && (!strcasecmp(path + n - 4, ".p12") || !strcasecmp(path + n - 4, ".pfx"));
}

static int load_p12(const struct dmp_config *cfg, struct seal *s)
{
	BIO *bio = BIO_new_file(cfg->seal_cert, "rb");
	PKCS12 *p12 = bio ? d2i_PKCS12_bio(bio, NULL) : NULL;
	int ok = p12 && PKCS12_parse(p12, cfg->seal_password, &s->key, &s->cert, NULL) == 1;

	PKCS12_free(p12);
	BIO_free(bio);
	return ok ? 0 : -1;
}

/* PEM certificate, and its key from seal_key (or the same file when seal_key is empty). */
static int load_pem(const struct dmp_config *cfg, struct seal *s)
{
	const char *keyfile = cfg->seal_key[0] ? cfg->seal_key : cfg->seal_cert;
	BIO *bio = BIO_new_file(cfg->seal_cert, "r");

	if (!bio)
		return -1;
	s->cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (!s->cert || !(bio = BIO_new_file(keyfile, "r")))
		return -1;
	s->key = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)cfg->seal_password);
	BIO_free(bio);
	return s->key ? 0 : -1;
}

static int load_seal(const struct dmp_config *cfg, struct seal *s, char *err, size_t errsize)
{
	int rc = is_p12(cfg->seal_cert) ? load_p12(cfg, s) : load_pem(cfg, s);

	ERR_clear_error();
	if (rc || !s->cert || !s->key) {
		seal_free(s);
		return fail(err, errsize, DMP_ERR_CONFIG, "Certificat de cachet inutilisable pour "
			    "signer le jeton VIHF : fichier, format ou mot de passe incorrect (%s, "
			    "[dmp] cachet_certificat)", cfg->seal_cert);
	}
	if (EVP_PKEY_base_id(s->key) != EVP_PKEY_RSA || X509_check_private_key(s->cert, s->key) != 1) {
		ERR_clear_error();
		seal_free(s);
		return fail(err, errsize, DMP_ERR_CONFIG, "Certificat de cachet inutilisable : la "
			    "clé doit être une clé RSA correspondant au certificat ([dmp] cachet_cle)");
	}
	return 0;
}

static int subject_dn(X509 *cert, char *out, size_t size)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	long n;

	if (!bio)
		return -1;
	X509_NAME_print_ex(bio, X509_get_subject_name(cert), 0,
			   XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	n = BIO_get_mem_data(bio, &p);
	snprintf(out, size, "%.*s", (int)(n < 0 ? 0 : n), p);
	BIO_free(bio);
	return 0;
}

/* ------------------------------------------------------------------ signature */

/* Exclusive canonical form (no comments) of a whole document given as text. */
static xmlChar *c14n(const char *text, int *len)
{
	xmlDocPtr doc = xmlReadMemory(text, (int)strlen(text), "vihf.xml", "UTF-8",
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlChar *out = NULL;

	*len = doc ? xmlC14NDocDumpMemory(doc, NULL, XML_C14N_EXCLUSIVE_1_0, NULL, 0, &out) : -1;
	xmlFreeDoc(doc);
	if (*len < 0) {
		xmlFree(out);
		return NULL;
	}
	return out;
}

static char *b64(const unsigned char *in, size_t len)
{
	char *out = malloc(4 * ((len + 2) / 3) + 1);

	if (out)
		EVP_EncodeBlock((unsigned char *)out, in, (int)len);
	return out;
}

static void put_signed_info(struct sbuf *b, const char *id, const char *digest, int standalone)
{
	sb_puts(b, standalone ? "<ds:SignedInfo xmlns:ds=\"" VIHF_NS_DS "\">" : "<ds:SignedInfo>");
	sb_puts(b, "<ds:CanonicalizationMethod Algorithm=\"" ALG_EXC_C14N "\"/>"
		"<ds:SignatureMethod Algorithm=\"" ALG_RSA_SHA256 "\"/><ds:Reference URI=\"#");
	sb_puts(b, id);
	sb_puts(b, "\"><ds:Transforms><ds:Transform Algorithm=\"" ALG_ENVELOPED "\"/>"
		"<ds:Transform Algorithm=\"" ALG_EXC_C14N "\"/></ds:Transforms>"
		"<ds:DigestMethod Algorithm=\"" ALG_SHA256 "\"/><ds:DigestValue>");
	sb_puts(b, digest);
	sb_puts(b, "</ds:DigestValue></ds:Reference></ds:SignedInfo>");
}

/* sha256 of the canonical form of text, base64. */
static char *digest_of(const char *text)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int len;
	xmlChar *canon = c14n(text, &len);
	char *out = NULL;

	if (canon && EVP_Digest(canon, (size_t)len, md, &mdlen, EVP_sha256(), NULL) == 1)
		out = b64(md, mdlen);
	xmlFree(canon);
	return out;
}

static char *sign_text(EVP_PKEY *key, const char *text)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	unsigned char *sig = NULL;
	size_t siglen = 0;
	int len;
	xmlChar *canon = c14n(text, &len);
	char *out = NULL;

	if (md && canon && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
	    EVP_DigestSign(md, NULL, &siglen, canon, (size_t)len) == 1 &&
	    (sig = malloc(siglen)) && EVP_DigestSign(md, sig, &siglen, canon, (size_t)len) == 1)
		out = b64(sig, siglen);
	free(sig);
	xmlFree(canon);
	EVP_MD_CTX_free(md);
	return out;
}

static char *cert_b64(X509 *cert)
{
	unsigned char *der = NULL;
	int n = i2d_X509(cert, &der);
	char *out = n > 0 ? b64(der, (size_t)n) : NULL;

	OPENSSL_free(der);
	return out;
}

/* The ds:Signature element over the unsigned assertion text. */
static char *make_signature(const struct vihf_ctx *c, const char *unsigned_text, X509 *cert,
			    EVP_PKEY *key)
{
	struct sbuf si = { 0 }, sig = { 0 };
	char *digest = digest_of(unsigned_text), *value = NULL, *certb = cert_b64(cert);

	if (digest && certb) {
		put_signed_info(&si, c->id, digest, 1);
		value = si.oom ? NULL : sign_text(key, si.p);
	}
	if (value) {
		sb_puts(&sig, "<ds:Signature xmlns:ds=\"" VIHF_NS_DS "\">");
		put_signed_info(&sig, c->id, digest, 0);
		sb_puts(&sig, "<ds:SignatureValue>");
		sb_puts(&sig, value);
		sb_puts(&sig, "</ds:SignatureValue><ds:KeyInfo><ds:X509Data><ds:X509Certificate>");
		sb_puts(&sig, certb);
		sb_puts(&sig, "</ds:X509Certificate></ds:X509Data></ds:KeyInfo></ds:Signature>");
	}
	free(digest);
	free(value);
	free(certb);
	free(si.p);
	if (sig.oom || !value) {
		free(sig.p);
		return NULL;
	}
	return sig.p;
}

/* ------------------------------------------------------------------ entry point */

static int check_inputs(const struct dmp_config *cfg, const struct dmp_actor *a, char *err,
			size_t errsize)
{
	if (!a || !a->national_id[0])
		return fail(err, errsize, DMP_ERR_REFUSED, "Aucun professionnel de santé authentifié "
			    "(carte CPS ou Pro Santé Connect) : le DMP ne peut pas être interrogé");
	if (!a->authn_class[0] || !a->auth_mode[0] || !a->profession[0])
		return fail(err, errsize, DMP_ERR_REFUSED, "Identification du professionnel "
			    "incomplète (mode d'authentification ou profession absents) : le DMP ne "
			    "peut pas être interrogé");
	if (!cfg->structure_id[0])
		return fail(err, errsize, DMP_ERR_CONFIG, "Identifiant de la structure absent de la "
			    "configuration ([dmp] structure) : le jeton VIHF ne peut pas être construit");
	return 0;
}

static int init_ctx(struct vihf_ctx *c, const struct dmp_config *cfg, const struct dmp_actor *a,
		    const struct dmp_patient *p, time_t now, char *err, size_t errsize)
{
	memset(c, 0, sizeof *c);
	c->cfg = cfg;
	c->actor = a;
	c->patient = p;
	if (new_id(c->id))
		return fail(err, errsize, DMP_ERR_CONFIG, "Générateur aléatoire indisponible "
			    "(OpenSSL) : jeton VIHF impossible");
	iso_time(now, c->now, sizeof c->now);
	iso_time(now - 60, c->not_before, sizeof c->not_before);
	iso_time(now + 3600, c->not_after, sizeof c->not_after);
	snprintf(c->issuer, sizeof c->issuer, "%s", cfg->structure_id);
	return 0;
}

static int sealed(const struct vihf_ctx *c, struct sbuf *b, char *err, size_t errsize)
{
	struct seal s = { 0 };
	struct sbuf plain = { 0 };
	struct vihf_ctx cc = *c;
	char *sig = NULL;
	int rc = load_seal(c->cfg, &s, err, errsize);

	if (rc)
		return rc;
	subject_dn(s.cert, cc.issuer, sizeof cc.issuer);
	put_assertion(&plain, &cc, NULL);
	if (!plain.oom)
		sig = make_signature(&cc, plain.p, s.cert, s.key);
	if (sig)
		put_assertion(b, &cc, sig);
	else
		rc = fail(err, errsize, DMP_ERR_CONFIG, "Signature du jeton VIHF impossible "
			  "(certificat de cachet, OpenSSL)");
	ERR_clear_error();
	free(sig);
	free(plain.p);
	seal_free(&s);
	return rc;
}

int vihf_build(const struct dmp_config *cfg, const struct dmp_actor *actor,
	       const struct dmp_patient *patient, time_t now, char **out, char *err,
	       size_t errsize)
{
	struct vihf_ctx c;
	struct sbuf b = { 0 };
	int rc;

	*out = NULL;
	if ((rc = check_inputs(cfg, actor, err, errsize)) ||
	    (rc = init_ctx(&c, cfg, actor, patient, now, err, errsize)))
		return rc;
	if (cfg->seal_cert[0])
		rc = sealed(&c, &b, err, errsize);
	else
		put_assertion(&b, &c, NULL);
	if (!rc && b.oom)
		rc = fail(err, errsize, DMP_ERR_CONFIG, "Mémoire insuffisante pour le jeton VIHF");
	if (rc) {
		free(b.p);
		return rc;
	}
	*out = b.p;
	return 0;
}
