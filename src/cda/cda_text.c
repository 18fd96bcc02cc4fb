/* The structured narrative of a CDA R2 document as plain text. */
#include "cda/cda_text.h"
#include "cda/cda_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#define HL7 "urn:hl7-org:v3"
#define CDA_TEXT_MAX_IN (16 * 1024 * 1024)
#define CDA_TEXT_MAX_OUT (4 * 1024 * 1024)

struct out {
	char *buf;
	size_t len, cap;
	int full;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->full)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 4096;
		char *b;
		while (cap < o->len + n + 1)
			cap *= 2;
		if (cap > CDA_TEXT_MAX_OUT || !(b = realloc(o->buf, cap))) {
			o->full = 1;
			return;
		}
		o->buf = b;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = 0;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* A line break unless the text already ends one. */
static void newline(struct out *o)
{
	if (o->len && o->buf[o->len - 1] != '\n')
		put(o, "\n", 1);
}

static int is_hl7(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && n->ns && !strcmp((const char *)n->ns->href, HL7) &&
	       !strcmp((const char *)n->name, name);
}

/* Text content with white space collapsed to single spaces. */
static void put_text(struct out *o, const xmlChar *t)
{
	int space = o->len && o->buf[o->len - 1] != '\n' && o->buf[o->len - 1] != ' ' &&
		    o->buf[o->len - 1] != '\t';

	for (const xmlChar *p = t; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') {
			space = 1;
			continue;
		}
		if (space && o->len && o->buf[o->len - 1] != '\n' && o->buf[o->len - 1] != '\t')
			put(o, " ", 1);
		space = 0;
		put(o, (const char *)p, 1);
	}
}

static void narrative(struct out *o, const xmlNode *n, int depth);

static void children(struct out *o, const xmlNode *n, int depth)
{
	for (const xmlNode *c = n->children; c; c = c->next)
		narrative(o, c, depth);
}

/* The narrative block of a section: paragraph, list, table, content, br. */
static void narrative(struct out *o, const xmlNode *n, int depth)
{
	if (depth > 64)
		return;
	if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
		put_text(o, n->content);
		return;
	}
	if (n->type != XML_ELEMENT_NODE)
		return;
	if (is_hl7(n, "br")) {
		put(o, "\n", 1);
	} else if (is_hl7(n, "paragraph") || is_hl7(n, "caption")) {
		newline(o);
		children(o, n, depth + 1);
		newline(o);
	} else if (is_hl7(n, "item")) {
		newline(o);
		puts_(o, "  - ");
		children(o, n, depth + 1);
		newline(o);
	} else if (is_hl7(n, "tr")) {
		int first = 1;
		newline(o);
		for (const xmlNode *c = n->children; c; c = c->next) {
			if (!is_hl7(c, "td") && !is_hl7(c, "th"))
				continue;
			if (!first)
				puts_(o, " | ");
			first = 0;
			children(o, c, depth + 1);
		}
		newline(o);
	} else if (is_hl7(n, "renderMultiMedia")) {
		puts_(o, "[document joint]");
	} else {
		children(o, n, depth + 1);
	}
}

static void section(struct out *o, const xmlNode *s, int level)
{
	if (level > 16)
		return;
	for (const xmlNode *c = s->children; c; c = c->next) {
		if (is_hl7(c, "title")) {
			xmlChar *t = xmlNodeGetContent(c);
			newline(o);
			put(o, "\n", 1);
			for (int i = 0; i < level; i++)
				puts_(o, "#");
			puts_(o, " ");
			if (t)
				put_text(o, t);
			xmlFree(t);
			put(o, "\n", 1);
		} else if (is_hl7(c, "text")) {
			narrative(o, c, 0);
			newline(o);
		} else if (is_hl7(c, "component")) {
			for (const xmlNode *cc = c->children; cc; cc = cc->next)
				if (is_hl7(cc, "section"))
					section(o, cc, level + 1);
		}
	}
}

static const xmlNode *child(const xmlNode *n, const char *name)
{
	for (const xmlNode *c = n ? n->children : NULL; c; c = c->next)
		if (is_hl7(c, name))
			return c;
	return NULL;
}

int cda_narrative(const char *xml, size_t len, char **text, char *err, size_t errsize)
{
	struct out o = { 0 };
	xmlDocPtr doc;
	const xmlNode *root, *body;

	*text = NULL;
	if (len > CDA_TEXT_MAX_IN) {
		snprintf(err, errsize, "Document trop volumineux (plus de 16 Mio)");
		return -1;
	}
	/* The one guarded parser: a DOCTYPE stops it before any declaration is read. */
	if (!(doc = cda_xml_read(xml, len, "Document CDA", err, errsize)))
		return -1;
	root = cda_clinical_document(xmlDocGetRootElement(doc));
	if (!root) {
		xmlFreeDoc(doc);
		snprintf(err, errsize, "Ce n'est pas un document CDA R2");
		return -1;
	}
	body = child(child(root, "component"), "structuredBody");
	if (!body) {
		puts_(&o, "Document non structuré (CDA N1) : seul son PDF se lit.\n");
	} else {
		for (const xmlNode *c = body->children; c; c = c->next)
			if (is_hl7(c, "component") && child(c, "section"))
				section(&o, child(c, "section"), 1);
	}
	xmlFreeDoc(doc);
	if (o.full) {
		free(o.buf);
		snprintf(err, errsize, "Texte du document trop long");
		return -1;
	}
	*text = o.buf ? o.buf : strdup("");
	return *text ? 0 : -1;
}
