/* libxml2 helpers shared by the readers of outside XML (INSi, DMP, CDA). */
#include "net/xmltree.h"
#include "core/text.h"

#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>

#define NS_SOAP12 "http://www.w3.org/2003/05/soap-envelope"

struct parse_guard {
	int dtd;
};

/* A DOCTYPE is the door to XXE and entity bombs; no answer nor document we read has one.
 * Stop at once, before libxml2 reads any declaration. */
static void guard_subset(void *ctx, const xmlChar *name, const xmlChar *ext_id,
			 const xmlChar *sys_id)
{
	xmlParserCtxtPtr c = ctx;

	(void)name;
	(void)ext_id;
	(void)sys_id;
	((struct parse_guard *)c->_private)->dtd = 1;
	xmlStopParser(c);
}

static void guard_entity(void *ctx, const xmlChar *name, int type, const xmlChar *public_id,
			 const xmlChar *system_id, xmlChar *content)
{
	(void)type;
	(void)public_id;
	(void)system_id;
	(void)content;
	guard_subset(ctx, name, NULL, NULL);
}

static void silent(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

xmlDocPtr xml_read_guarded(const char *xml, size_t len, int *dtd, int *line)
{
	struct parse_guard g = { 0 };
	xmlParserCtxtPtr c;
	/* Encoding errors bypass XML_PARSE_NOERROR and would print on the terminal (per thread). */
	xmlGenericErrorFunc saved = xmlGenericError;
	void *saved_ctx = xmlGenericErrorContext;
	const xmlError *xe;
	xmlDocPtr doc;

	*dtd = 0;
	*line = 0;
	if (len > 0x7fffffff || !(c = xmlNewParserCtxt()))
		return NULL;
	c->_private = &g;
	c->sax->internalSubset = guard_subset;
	c->sax->externalSubset = guard_subset;
	c->sax->entityDecl = guard_entity;
	/* NONET, and neither NOENT nor DTDLOAD: nothing is fetched, no entity is expanded.
	 * HUGE stays off: libxml2's own limits on text nodes and depth hold. */
	xmlSetGenericErrorFunc(NULL, silent);
	doc = xmlCtxtReadMemory(c, xml ? xml : "", (int)len, "document.xml", NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlSetGenericErrorFunc(saved_ctx, saved);
	if (g.dtd || (doc && (doc->intSubset || doc->extSubset))) {
		*dtd = 1;
		xmlFreeDoc(doc);
		doc = NULL;
	} else if (!doc) {
		xe = xmlCtxtGetLastError(c);
		*line = xe ? xe->line : 0;
	}
	xmlFreeParserCtxt(c);
	return doc;
}

int xml_is_el(const xmlNode *n, const char *ns, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       !strcmp((const char *)n->ns->href, ns) && !strcmp((const char *)n->name, name);
}

xmlNode *xml_child(const xmlNode *parent, const char *ns, const char *name)
{
	for (xmlNode *c = parent ? parent->children : NULL; c; c = c->next)
		if (xml_is_el(c, ns, name))
			return c;
	return NULL;
}

int xml_line_text(const xmlChar *raw, char *out, size_t size)
{
	const unsigned char *s = raw;
	size_t o = 0;
	int space = 0;

	out[0] = 0;
	for (; s && *s; s++) {
		if (*s <= 0x20 || *s == 0x7F) {
			space = o > 0;
			continue;
		}
		if (o + space + 1 >= size)
			break;
		if (space)
			out[o++] = ' ';
		space = 0;
		out[o++] = (char)*s;
	}
	out[o] = 0;
	text_utf8_cut(out);
	return s && *s ? -1 : 0;
}

void xml_text_cut(const xmlNode *n, char *out, size_t size)
{
	xmlChar *v = n ? xmlNodeGetContent(n) : NULL;

	xml_line_text(v, out, size);
	xmlFree(v);
}

const xmlNode *xml_soap12_reason(const xmlNode *fault)
{
	const xmlNode *reason = xml_child(fault, NS_SOAP12, "Reason"), *first = NULL;

	for (const xmlNode *t = reason ? reason->children : NULL; t; t = t->next) {
		xmlChar *lang;
		int fr;

		if (!xml_is_el(t, NS_SOAP12, "Text"))
			continue;
		if (!first)
			first = t;
		lang = xmlNodeGetLang(t);
		fr = lang && !xmlStrncasecmp(lang, (const xmlChar *)"fr", 2);
		xmlFree(lang);
		if (fr)
			return t;
	}
	return first;
}

void xml_qname_local(const xmlNode *value, char *out, size_t size)
{
	char tmp[128];
	const char *colon;

	xml_text_cut(value, tmp, sizeof tmp);
	colon = strrchr(tmp, ':');
	snprintf(out, size, "%s", colon ? colon + 1 : tmp);
}
