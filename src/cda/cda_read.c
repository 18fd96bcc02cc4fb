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

/* The element el of the patient's name elements with qualifier q exactly, or NULL. */
static const xmlNode *exact(const xmlNode *pat, const char *el, const char *q)
{
	for (const xmlNode *name = pat ? pat->children : NULL; name; name = name->next) {
		if (!is_el(name, "name"))
			continue;
		for (const xmlNode *c = name->children; c; c = c->next) {
			char v[16];

			if (!is_el(c, el))
				continue;
			attr(c, "qualifier", v, sizeof v);
			if (!strcmp(v, q))
				return c;
		}
	}
	return NULL;
}

/* Appends the text of c to out (space separated), when it fits whole. */
static void append_word(const xmlNode *c, char *out, size_t size)
{
	char part[101];
	size_t o = strlen(out);

	text(c, part, sizeof part);
	if (part[0] && o + strlen(part) + 2 <= size)
		snprintf(out + o, size - o, "%s%s", o ? " " : "", part);
}

/*
 * Every birth first name: CI-SIS puts the whole list in an unqualified given (the first one in
 * given qualifier="BR"); without it, the BR givens, else every given that is not a used first
 * name (CL).
 */
static void read_given_all(const xmlNode *name, struct cda_header *h)
{
	static const char *const pass[] = { "", "BR", "*" };
	size_t sz = sizeof h->patient_given_all;

	for (size_t p = 0; p < 3 && !h->patient_given_all[0]; p++)
		for (const xmlNode *c = name ? name->children : NULL; c; c = c->next) {
			char q[16];

			if (!is_el(c, "given"))
				continue;
			attr(c, "qualifier", q, sizeof q);
			if (p < 2 ? !strcmp(q, pass[p]) : strcmp(q, "CL") && strcmp(q, "SP"))
				append_word(c, h->patient_given_all, sz);
		}
}

/* birthplace/place/addr: the COG (5 characters, 2A/2B for Corsica) in county or censusTract. */
static void read_birth_place(const xmlNode *pat, struct cda_header *h)
{
	const xmlNode *addr = path(pat, "birthplace", "place", "addr", NULL);
	static const char *const where[] = { "county", "censusTract" };

	for (size_t i = 0; i < 2 && !h->patient_birth_place[0]; i++) {
		char v[16];
		size_t k = 0;

		text(child(addr, where[i]), v, sizeof v);
		while (v[k] && ((v[k] >= '0' && v[k] <= '9') || v[k] == 'A' || v[k] == 'B' ||
				v[k] == 'a' || v[k] == 'b'))
			k++;
		if (k == 5 && !v[k])
			snprintf(h->patient_birth_place, sizeof h->patient_birth_place, "%s", v);
	}
}

static int read_patient(const xmlNode *doc, struct cda_header *h, char *err, size_t errsize)
{
	const xmlNode *role = path(doc, "recordTarget", "patientRole", NULL);
	const xmlNode *pat = child(role, "patient"), *name = child(pat, "name"), *br, *used;
	char sex[8];

	if (read_ins(role, h, err, errsize))
		return -1;
	/* The birth name may sit in a second name element (the first holding the used name). */
	if ((br = exact(pat, "family", "BR")))
		name = br->parent;
	text(qualified(name, "family", "BR"), h->patient_family, sizeof h->patient_family);
	text(qualified(name, "given", "BR"), h->patient_given, sizeof h->patient_given);
	read_given_all(name, h);
	/* Nom utilisé: qualifier SP (spouse) in HL7, CL in the CI-SIS examples. */
	if (!(used = exact(pat, "family", "SP")))
		used = exact(pat, "family", "CL");
	text(used, h->patient_used_family, sizeof h->patient_used_family);
	read_birth_place(pat, h);
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
	text(path(aa, "representedOrganization", "name", NULL), h->author_org, sizeof h->author_org);
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

/* The care date: documentationOf/serviceEvent/effectiveTime low, else its value. */
static void read_care_date(const xmlNode *doc, struct cda_header *h)
{
	const xmlNode *et = path(doc, "documentationOf", "serviceEvent", "effectiveTime", NULL);

	ts(child(et, "low"), h->care_date, sizeof h->care_date);
	if (!h->care_date[0])
		ts(et, h->care_date, sizeof h->care_date);
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
	read_care_date(doc, h);
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

/* ------------------------------------------------------------------ CR-BIO results */

#define NS_XSI "http://www.w3.org/2001/XMLSchema-instance"
#define TPL_LAB_OBS "1.3.6.1.4.1.19376.1.3.1.6"
#define BIO_MAX_DEPTH 64

/* The local part of xsi:type ("PQ", "IVL_PQ"). */
static void xsi_type(const xmlNode *n, char *out, size_t size)
{
	xmlChar *v = n ? xmlGetNsProp(n, (const xmlChar *)"type", (const xmlChar *)NS_XSI) : NULL;
	const char *colon = v ? strchr((const char *)v, ':') : NULL;

	snprintf(out, size, "%s", colon ? colon + 1 : v ? (const char *)v : "");
	xmlFree(v);
}

/* A decimal number as HL7 writes it ("-1.950", "5E3"), whatever the C locale: 0 or -1. */
static int decimal(const char *s, double *out)
{
	double v = 0, scale = 1;
	int neg = 0, digits = 0, ex = 0, eneg = 0;

	while (*s == ' ')
		s++;
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	for (; *s >= '0' && *s <= '9'; s++, digits++)
		v = v * 10 + (*s - '0');
	if (*s == '.')
		for (s++; *s >= '0' && *s <= '9'; s++, digits++)
			v += (*s - '0') * (scale /= 10);
	if (digits && (*s == 'e' || *s == 'E')) {
		s++;
		if (*s == '-' || *s == '+')
			eneg = *s++ == '-';
		if (*s < '0' || *s > '9')
			return -1;
		for (; *s >= '0' && *s <= '9' && ex < 400; s++)
			ex = ex * 10 + (*s - '0');
		while (ex-- > 0)
			v = eneg ? v / 10 : v * 10;
	}
	while (*s == ' ')
		s++;
	if (!digits || *s)
		return -1;
	*out = neg ? -v : v;
	return 0;
}

/* PQ value and unit of n (value or low/high element): 0, or -1 without a number. */
static int pq(const xmlNode *n, double *v, char *unit, size_t usize)
{
	char raw[64];

	attr(n, "value", raw, sizeof raw);
	attr(n, "unit", unit, usize);
	return n && raw[0] ? decimal(raw, v) : -1;
}

/* The value lies outside referenceRange/observationRange/value low..high (same unit). */
static int out_of_range(const xmlNode *obs)
{
	const xmlNode *val = child(obs, "value");
	char type[16], unit[64], ru[64];
	double v, bound;

	xsi_type(val, type, sizeof type);
	if (strcmp(type, "PQ") || pq(val, &v, unit, sizeof unit))
		return 0;
	for (const xmlNode *c = obs->children; c; c = c->next) {
		const xmlNode *range;

		if (!is_el(c, "referenceRange"))
			continue;
		range = path(c, "observationRange", "value", NULL);
		if (!pq(child(range, "low"), &bound, ru, sizeof ru) &&
		    (!ru[0] || !strcmp(ru, unit)) && v < bound)
			return 1;
		if (!pq(child(range, "high"), &bound, ru, sizeof ru) &&
		    (!ru[0] || !strcmp(ru, unit)) && v > bound)
			return 1;
	}
	return 0;
}

/* Interpretation codes that say "nothing abnormal": normal, negative, not detected,
 * susceptible (antibiogram). */
static int interpretation_abnormal(const xmlNode *obs)
{
	static const char *const normal[] = { "N", "NEG", "ND", "S" };
	char code[16];

	attr(child(obs, "interpretationCode"), "code", code, sizeof code);
	if (!code[0])
		return 0;
	for (size_t i = 0; i < sizeof normal / sizeof normal[0]; i++)
		if (!strcmp(code, normal[i]))
			return 0;
	return 1;
}

static int is_pq_result(const xmlNode *obs)
{
	char type[16];

	xsi_type(child(obs, "value"), type, sizeof type);
	return !strcmp(type, "PQ");
}

/*
 * Walks n for result observations (templated ones when tpl, else any with a PQ value), never
 * entering previous results (entryRelationship REFR) nor reference ranges. *seen counts the
 * results, the return value the abnormal ones.
 */
static int count_results(const xmlNode *n, int tpl, int depth, int *seen)
{
	int count = 0;

	for (const xmlNode *c = n ? n->children : NULL; c && depth > 0; c = c->next) {
		char type[16];

		if (c->type != XML_ELEMENT_NODE || is_el(c, "referenceRange"))
			continue;
		if (is_el(c, "entryRelationship")) {
			attr(c, "typeCode", type, sizeof type);
			if (!strcmp(type, "REFR"))
				continue;
		}
		if (is_el(c, "observation") &&
		    (tpl ? has_template(c, TPL_LAB_OBS) : is_pq_result(c))) {
			(*seen)++;
			count += interpretation_abnormal(c) || out_of_range(c);
		}
		count += count_results(c, tpl, depth - 1, seen);
	}
	return count;
}

/* CR-BIO (11502-2) in a structured body: the abnormal results; -1 for anything else. */
static int bio_abnormal(const xmlNode *doc, const struct cda_header *h)
{
	const xmlNode *body = path(doc, "component", "structuredBody", NULL);
	int seen = 0, n;

	if (strcmp(h->code, "11502-2") || !body)
		return -1;
	n = count_results(body, 1, BIO_MAX_DEPTH, &seen);
	if (!seen)
		n = count_results(body, 0, BIO_MAX_DEPTH, &seen);
	return n;
}

/* ------------------------------------------------------------------ entry point */

/* The ClinicalDocument element: the root, or inside a "self-presenting" document (the ANS
 * examples "Auto-Presentable": an XSLT stylesheet that embeds the CDA); NULL if none. */
const xmlNode *cda_clinical_document(const xmlNode *root)
{
	const xmlNode *n = root;

	if (is_el(root, "ClinicalDocument"))
		return root;
	if (!xml_is_el(root, "http://www.w3.org/1999/XSL/Transform", "stylesheet"))
		return NULL;
	/* depth-first walk of the stylesheet (bounded by the parser's own depth limit) */
	while (n) {
		if (n != root && is_el(n, "ClinicalDocument"))
			return n;
		if (n->children && n->type == XML_ELEMENT_NODE) {
			n = n->children;
			continue;
		}
		while (n && n != root && !n->next)
			n = n->parent;
		if (!n || n == root)
			break;
		n = n->next;
	}
	return NULL;
}

int cda_read(const char *xml, size_t len, struct cda_header *h, unsigned char **pdf,
	     size_t *pdf_len, char *err, size_t errsize)
{
	xmlDocPtr doc;
	const xmlNode *root;
	int rc = 0;

	memset(h, 0, sizeof *h);
	h->abnormal = -1;
	if (pdf) {
		*pdf = NULL;
		*pdf_len = 0;
	}
	if (!(doc = cda_xml_read(xml, len, "Document CDA", err, errsize)))
		return CDA_ERR_XML;
	root = cda_clinical_document(xmlDocGetRootElement(doc));
	if (!root) {
		fail(err, errsize, "Ce document n'est pas un CDA R2 (élément racine "
		     "ClinicalDocument de l'espace de noms " NS_HL7 " attendu)");
		rc = CDA_ERR_NOT_CDA;
	} else if (read_patient(root, h, err, errsize) ||
		   read_body(root, h, pdf, pdf_len, err, errsize)) {
		rc = CDA_ERR_INVALID;
	}
	if (!rc) {
		read_header(root, h);
		h->abnormal = bio_abnormal(root, h);
	}
	xmlFreeDoc(doc);
	if (rc) {
		memset(h, 0, sizeof *h);
		h->abnormal = -1;
	}
	return rc;
}
