/* vigie-sim: libxml2 tree walking and SOAP 1.2 Content-Type reading shared by the INSi and
 * DMP request parsers. */
#include "sim/sim.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

int sim_is_elem(xmlNodePtr n, const char *ns, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
	       !strcmp((const char *)n->ns->href, ns) && !strcmp((const char *)n->name, name);
}

xmlNodePtr sim_first_elem(xmlNodePtr n)
{
	for (; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE)
			return n;
	return NULL;
}

xmlNodePtr sim_next_elem(xmlNodePtr n)
{
	return sim_first_elem(n ? n->next : NULL);
}

xmlNodePtr sim_child(xmlNodePtr n, const char *ns, const char *name)
{
	for (xmlNodePtr c = n ? sim_first_elem(n->children) : NULL; c; c = sim_next_elem(c))
		if (sim_is_elem(c, ns, name))
			return c;
	return NULL;
}

int sim_text_of(xmlNodePtr n, char *dst, size_t size)
{
	xmlChar *c = n ? xmlNodeGetContent(n) : NULL;
	const char *s = c ? (const char *)c : "";
	size_t len;
	int rc = 0;

	while (*s && isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	dst[0] = 0;
	if (len >= size)
		rc = -1;
	else {
		memcpy(dst, s, len);
		dst[len] = 0;
	}
	xmlFree(c);
	return rc;
}

void sim_content_type_action(const char *ct, char *action, size_t size)
{
	action[0] = 0;
	for (const char *p = strchr(ct, ';'); p; p = strchr(p + 1, ';')) {
		const char *q = p + 1;
		while (*q == ' ' || *q == '\t')
			q++;
		if (strncasecmp(q, "action=", 7))
			continue;
		q += 7;
		if (*q == '"')
			snprintf(action, size, "%.*s", (int)strcspn(q + 1, "\""), q + 1);
		else
			snprintf(action, size, "%.*s", (int)strcspn(q, "; \t"), q);
		return;
	}
}

int sim_media_type_is(const char *ct, const char *type)
{
	size_t n = strlen(type);

	while (*ct == ' ')
		ct++;
	return !strncasecmp(ct, type, n) && (ct[n] == 0 || ct[n] == ';' || ct[n] == ' ');
}
