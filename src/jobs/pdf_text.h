/* Text of a PDF through pdftotext (poppler-utils), run as a child process with a time limit. */
#ifndef VIGIE_JOBS_PDF_TEXT_H
#define VIGIE_JOBS_PDF_TEXT_H

#include <stddef.h>

/* Extract the text of the PDF file at path (UTF-8, layout kept). Returns 0 with *text
 * malloc'd, or -1 with a French reason in err (pdftotext missing, unreadable PDF, too slow). */
int pdf_text_extract(const char *path, char **text, char *err, size_t errsize);

#endif
