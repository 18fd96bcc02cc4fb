/* CDA R2 header and embedded PDF reader, and the hostile-XML-proof parser of received texts. */
#include "cda/cda_read.h"
#include "core/text.h"
#include "net/xmltree.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/evp.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NS_HL7 "urn:hl7-org:v3"
#define TPL_PDF_COPY "1.2.250.1.213.1.1.2.243"

/* ------------------------------------------------------------------ safe parsing */


__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (err && size) {
		va_start(ap, fmt);
		vsnprintf(err, size, fmt, ap);
		va_end(ap);
	}
	return CDA_ERR_INVALID;
}

struct _xmlDoc *cda_xml_read(const char *xml, size_t len, const char *what, char *err,
			     size_t errsize)
{
	int dtd, line;
	xmlDocPtr doc;

	if (len > CDA_MAX_BYTES || len > 0x7fffffff) {
		fail(err, errsize, "%s : %zu octets, plus que la limite de 16 Mio", what, len);
		return NULL;
	}
	doc = xml_read_guarded(xml, len, &dtd, &line);
	if (dtd)
		fail(err, errsize, "%s : refusé, déclaration de type de document (DTD, entités) "
		     "interdite ici", what);
	else if (!doc)
		fail(err, errsize, "%s : XML mal formé ou tronqué (ligne %d)", what, line);
	return doc;
}

int cda_b64_decode(const char *in, size_t len, unsigned char **out, size_t *outlen)
{
	EVP_ENCODE_CTX *ctx;
	unsigned char *buf;
	int n = 0, tail = 0, ok;

	*out = NULL;
	*outlen = 0;
	/* OpenSSL stops quietly at some characters ('-'): only base64 and blanks get there. */
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)in[i];
		if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
		      (ch >= '0' && ch <= '9') || ch == '+' || ch == '/' || ch == '=' || ch == ' ' ||
		      ch == '\t' || ch == '\r' || ch == '\n'))
			return -1;
	}
	if (len > 0x7fffffff || !(buf = malloc(len / 4 * 3 + 4)))
		return -1;
	if (!(ctx = EVP_ENCODE_CTX_new())) {
		free(buf);
		return -1;
	}
	EVP_DecodeInit(ctx);
	ok = EVP_DecodeUpdate(ctx, buf, &n, (const unsigned char *)in, (int)len) >= 0 &&
	     EVP_DecodeFinal(ctx, buf + n, &tail) == 1;
	EVP_ENCODE_CTX_free(ctx);
	if (!ok) {
		free(buf);
		return -1;
	}
	*out = buf;
	*outlen = (size_t)n + (size_t)tail;
	return 0;
}

/* ------------------------------------------------------------------ tree helpers */

static int is_el(const xmlNode *n, const char *name)
{
	return xml_is_el(n, NS_HL7, name);
}

static const xmlNode *child(const xmlNode *parent, const char *name)
{
	return xml_child(parent, NS_HL7, name);
}

/* parent/a/b/... (NULL-terminated names), first match at each step. */
static const xmlNode *path(const xmlNode *n, ...)
{
	va_list ap;
	const char *name;

	va_start(ap, n);
	while (n && (name = va_arg(ap, const char *)))
		n = child(n, name);
	va_end(ap);
	return n;
}


static void attr(const xmlNode *n, const char *name, char *out, size_t size)
{
	xmlChar *v = n ? xmlGetNoNsProp(n, (const xmlChar *)name) : NULL;

	xml_line_text(v, out, size);
	xmlFree(v);
}

static void text(const xmlNode *n, char *out, size_t size)
{
	xmlChar *v = n ? xmlNodeGetContent(n) : NULL;

	xml_line_text(v, out, size);
	xmlFree(v);
}

/* II as "root^extension" (root alone without extension). */
static void ii(const xmlNode *n, char *out, size_t size)
{
	char root[128], ext[128];

	attr(n, "root", root, sizeof root);
	attr(n, "extension", ext, sizeof ext);
	snprintf(out, size, "%s%s%s", root, ext[0] ? "^" : "", ext);
}

/* The leading digits of a TS value ("20240502081530+0200" -> "20240502081530"). */
static void ts(const xmlNode *n, char *out, size_t size)
{
	char v[64];
	size_t i = 0;

	attr(n, "value", v, sizeof v);
	while (v[i] >= '0' && v[i] <= '9' && i + 1 < size)
		i++;
	memcpy(out, v, i);
	out[i] = 0;
}

/* ------------------------------------------------------------------ header */

static int is_ins_oid(const char *oid)
{
	return !strcmp(oid, "1.2.250.1.213.1.4.8") || !strcmp(oid, "1.2.250.1.213.1.4.9") ||
	       !strcmp(oid, "1.2.250.1.213.1.4.10") || !strcmp(oid, "1.2.250.1.213.1.4.11");
}

static int read_ins(const xmlNode *role, struct cda_header *h, char *err, size_t errsize)
{
	for (const xmlNode *c = role ? role->children : NULL; c; c = c->next) {
		char root[40], ext[64];

		if (!is_el(c, "id"))
			continue;
		attr(c, "root", root, sizeof root);
		if (!is_ins_oid(root))
			continue;
		attr(c, "extension", ext, sizeof ext);
		if (strlen(ext) != 15)
			return fail(err, errsize, "Document CDA invalide : INS du patient « %.20s » de "
				    "longueur incorrecte (15 caractères attendus)", ext);
		snprintf(h->patient_ins, sizeof h->patient_ins, "%s", ext);
		snprintf(h->patient_oid, sizeof h->patient_oid, "%s", root);
		return 0;
	}
	return 0;
}

/* The element of that name with qualifier q, else the first of that name. */
static const xmlNode *qualified(const xmlNode *name, const char *el, const char *q)
{
	const xmlNode *first = NULL;

	for (const xmlNode *c = name ? name->children : NULL; c; c = c->next) {
		char v[16];

		if (!is_el(c, el))
			continue;
		if (!first)
			first = c;
		attr(c, "qualifier", v, sizeof v);
		if (!strcmp(v, q))
			return c;
	}
	return first;
}

static int read_patient(const xmlNode *doc, struct cda_header *h, char *err, size_t errsize)
{
	const xmlNode *role = path(doc, "recordTarget", "patientRole", NULL);
	const xmlNode *pat = child(role, "patient"), *name = child(pat, "name");
	char sex[8];

	if (read_ins(role, h, err, errsize))
		return -1;
	text(qualified(name, "family", "BR"), h->patient_family, sizeof h->patient_family);
	text(qualified(name, "given", "BR"), h->patient_given, sizeof h->patient_given);
	ts(child(pat, "birthTime"), h->patient_birth, sizeof h->patient_birth);
	attr(child(pat, "administrativeGenderCode"), "code", sex, sizeof sex);
	if (strlen(sex) == 1)
		h->patient_sex[0] = sex[0];
	return 0;
}

void cda_author_title(const char *prefix, const char *code, char *out, size_t size)
{
	static const char *const map[][2] = {
		{ "M", "M." }, { "MME", "Mme" }, { "MLLE", "Mlle" }, { "DR", "Dr" }, { "PR", "Pr" },
	};
	const char *p = prefix ? prefix : "";

	if ((!strncmp(code, "G15_10", 6) || !strncmp(code, "G15_21", 6) ||
	     !strncmp(code, "G15_40", 6) || !strncmp(code, "G15_50", 6)) &&
	    (!p[0] || !strcasecmp(p, "M") || !strcasecmp(p, "MME") || !strcasecmp(p, "MLLE")))
		p = "DR";
	snprintf(out, size, "%s", p);
	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (!strcasecmp(p, map[i][0]))
			snprintf(out, size, "%s", map[i][1]);
}

/* "Dr Charles MULLER": prefix, given names, family, as the name element has them. */
static void read_author(const xmlNode *doc, struct cda_header *h)
{
	const xmlNode *aa = path(doc, "author", "assignedAuthor", NULL);
	const xmlNode *name = path(aa, "assignedPerson", "name", NULL);
	static const char *const order[] = { "given", "family" };
	char code[32], prefix[32];
	size_t o;

	attr(child(aa, "code"), "code", code, sizeof code);
	text(child(name, "prefix"), prefix, sizeof prefix);
	cda_author_title(prefix, code, h->author, sizeof h->author);
	o = strlen(h->author);
	for (size_t k = 0; k < 2; k++) {
		for (const xmlNode *c = name ? name->children : NULL; c; c = c->next) {
			char part[101];

			if (!is_el(c, order[k]))
				continue;
			text(c, part, sizeof part);
			if (part[0] && o + strlen(part) + 2 < sizeof h->author)
				o += (size_t)snprintf(h->author + o, sizeof h->author - o, "%s%s",
						      o ? " " : "", part);
		}
	}
	attr(child(aa, "code"), "displayName", h->author_profession, sizeof h->author_profession);
}

static void read_related(const xmlNode *doc, struct cda_header *h)
{
	for (const xmlNode *c = doc->children; c; c = c->next) {
		char type[16];

		if (!is_el(c, "relatedDocument"))
			continue;
		attr(c, "typeCode", type, sizeof type);
		if (!strcmp(type, "RPLC")) {
			ii(path(c, "parentDocument", "id", NULL), h->related_id, sizeof h->related_id);
			return;
		}
	}
}

static void read_header(const xmlNode *doc, struct cda_header *h)
{
	char v[16];

	ii(child(doc, "id"), h->id, sizeof h->id);
	ii(child(doc, "setId"), h->set_id, sizeof h->set_id);
	attr(child(doc, "versionNumber"), "value", v, sizeof v);
	h->version = atoi(v) > 0 ? atoi(v) : 0;
	attr(child(doc, "code"), "code", h->code, sizeof h->code);
	attr(child(doc, "code"), "displayName", h->code_label, sizeof h->code_label);
	text(child(doc, "title"), h->title, sizeof h->title);
	ts(child(doc, "effectiveTime"), h->effective_time, sizeof h->effective_time);
	read_author(doc, h);
	read_related(doc, h);
}

/* ------------------------------------------------------------------ PDF */

static int is_b64_pdf(const xmlNode *n)
{
	char media[64], rep[16];

	attr(n, "mediaType", media, sizeof media);
	attr(n, "representation", rep, sizeof rep);
	return !strcmp(media, "application/pdf") && !strcmp(rep, "B64");
}

static int has_template(const xmlNode *n, const char *root)
{
	for (const xmlNode *c = n->children; c; c = c->next) {
		char r[64];

		if (!is_el(c, "templateId"))
			continue;
		attr(c, "root", r, sizeof r);
		if (!strcmp(r, root))
			return 1;
	}
	return 0;
}

/* observationMedia/value holding a base64 PDF, under n (depth-first). */
static const xmlNode *find_media(const xmlNode *n, int depth)
{
	for (const xmlNode *c = n ? n->children : NULL; c && depth > 0; c = c->next) {
		const xmlNode *f;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_el(c, "observationMedia") && is_b64_pdf(child(c, "value")))
			return child(c, "value");
		if ((f = find_media(c, depth - 1)))
			return f;
	}
	return NULL;
}

/* The FR-Document-PDF-copie section, anywhere in the structured body. */
static const xmlNode *find_copy_section(const xmlNode *n, int depth)
{
	for (const xmlNode *c = n ? n->children : NULL; c && depth > 0; c = c->next) {
		const xmlNode *f;

		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (is_el(c, "section") && has_template(c, TPL_PDF_COPY))
			return c;
		if ((f = find_copy_section(c, depth - 1)))
			return f;
	}
	return NULL;
}

static int decode_pdf(const xmlNode *value, struct cda_header *h, unsigned char **pdf,
		      size_t *pdf_len, char *err, size_t errsize)
{
	xmlChar *raw = xmlNodeGetContent(value);
	unsigned char *bytes = NULL;
	size_t n = 0;
	int rc = raw ? cda_b64_decode((const char *)raw, strlen((const char *)raw), &bytes, &n) : -1;

	xmlFree(raw);
	if (rc)
		return fail(err, errsize, "Document CDA invalide : le PDF joint n'est pas un base64 "
			    "valide");
	if (n < 5 || memcmp(bytes, "%PDF-", 5)) {
		free(bytes);
		return fail(err, errsize, "Document CDA invalide : le fichier joint déclaré PDF "
			    "n'en est pas un");
	}
	h->has_pdf = 1;
	if (pdf) {
		*pdf = bytes;
		*pdf_len = n;
	} else {
		free(bytes);
	}
	return 0;
}

static int read_body(const xmlNode *doc, struct cda_header *h, unsigned char **pdf,
		     size_t *pdf_len, char *err, size_t errsize)
{
	const xmlNode *comp = child(doc, "component");
	const xmlNode *n1 = child(comp, "nonXMLBody"), *n3 = child(comp, "structuredBody");
	const xmlNode *value = NULL, *section;

	if (n1) {
		h->level = 1;
		if (is_b64_pdf(child(n1, "text")))
			value = child(n1, "text");
	} else if (n3) {
		h->level = 3;
		section = find_copy_section(n3, 64);
		value = section ? find_media(section, 64) : NULL;
		if (!value)
			value = find_media(n3, 64);
	}
	return value ? decode_pdf(value, h, pdf, pdf_len, err, errsize) : 0;
}

int cda_read(const char *xml, size_t len, struct cda_header *h, unsigned char **pdf,
	     size_t *pdf_len, char *err, size_t errsize)
{
	xmlDocPtr doc;
	const xmlNode *root;
	int rc = 0;

	memset(h, 0, sizeof *h);
	if (pdf) {
		*pdf = NULL;
		*pdf_len = 0;
	}
	if (!(doc = cda_xml_read(xml, len, "Document CDA", err, errsize)))
		return CDA_ERR_XML;
	root = xmlDocGetRootElement(doc);
	if (!is_el(root, "ClinicalDocument")) {
		fail(err, errsize, "Ce document n'est pas un CDA R2 (élément racine "
		     "ClinicalDocument de l'espace de noms " NS_HL7 " attendu)");
		rc = CDA_ERR_NOT_CDA;
	} else if (read_patient(root, h, err, errsize) ||
		   read_body(root, h, pdf, pdf_len, err, errsize)) {
		rc = CDA_ERR_INVALID;
	}
	if (!rc)
		read_header(root, h);
	xmlFreeDoc(doc);
	if (rc)
		memset(h, 0, sizeof *h);
	return rc;
}
