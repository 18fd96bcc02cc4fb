/* The structured narrative of a CDA R2 document as plain text (section titles, paragraphs,
 * lists, tables), for reading a CDA N3 on a terminal. */
#ifndef VIGIE_CDA_CDA_TEXT_H
#define VIGIE_CDA_CDA_TEXT_H

#include <stddef.h>

/* Returns 0 with *text malloc'd (UTF-8, lines separated by '\n'), or -1 with a French reason.
 * No DTD, no network, no entity expansion; documents over 16 MiB are refused. A CDA without a
 * structured body (N1) gives a one-line explanation. */
int cda_narrative(const char *xml, size_t len, char **text, char *err, size_t errsize);

#endif
