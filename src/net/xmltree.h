/* libxml2 helpers shared by the readers of outside XML (INSi, DMP, CDA): the guarded parser
 * (no DTD, no entity, no network), element tests by namespace URI, one-line text, SOAP 1.2
 * fault pieces. */
#ifndef VIGIE_NET_XMLTREE_H
#define VIGIE_NET_XMLTREE_H

#include <stddef.h>
#include <libxml/tree.h>

/* Parse xml (len bytes, < 2 GiB). A DOCTYPE stops the parser before any declaration is read
 * (XXE, entity bombs): NULL with *dtd = 1. Malformed: NULL with *line set. libxml2 prints
 * nothing. */
xmlDocPtr xml_read_guarded(const char *xml, size_t len, int *dtd, int *line);

int xml_is_el(const xmlNode *n, const char *ns, const char *name);
/* First child element ns:name, or NULL. */
xmlNode *xml_child(const xmlNode *parent, const char *ns, const char *name);

/* raw as one line into out: runs of white space and control characters become one space (a
 * hostile value cannot start a new "key: value" line), cut at a character boundary. Returns
 * 0, or -1 when it did not fit (out then holds the cut text). */
int xml_line_text(const xmlChar *raw, char *out, size_t size);
/* Element content as one line, cut to fit; "" for NULL. */
void xml_text_cut(const xmlNode *n, char *out, size_t size);

/* SOAP 1.2 Fault/Reason/Text: the French one when several languages are given. */
const xmlNode *xml_soap12_reason(const xmlNode *fault);
/* "prefix:code" -> "code": the local part of a QName written as text. */
void xml_qname_local(const xmlNode *value, char *out, size_t size);

#endif
