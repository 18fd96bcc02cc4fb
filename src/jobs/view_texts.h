/* Texts a viewing job prepared (PDF text, structured narrative, title), kept by job id until
 * the interface takes them, shared by the DMP and MSSanté jobs; and the narrative of a CDA N3
 * read by "vigie-net cda-text" (libxml2 stays out of vigie). */
#ifndef VIGIE_JOBS_VIEW_TEXTS_H
#define VIGIE_JOBS_VIEW_TEXTS_H

#include <stddef.h>

/* Keeps text and narrative (ownership taken; narrative may be NULL) for job; the oldest of
 * the few kept is dropped when full. */
void view_texts_put(long long job, char *text, char *narrative, const char *title);
/* The texts of a viewing job (malloc'd, to free; *narrative NULL when none) and its title.
 * 0, or -1 when nothing is kept for that job. */
int view_texts_take(long long job, char **text, char **narrative, char *title,
		    size_t title_size);
/* The structured narrative of a CDA document (at most max bytes), NULL when it has none or
 * it cannot be read; stop is polled while vigie-net runs. */
char *view_texts_narrative(const void *xml, size_t len, size_t max, int (*stop)(void *),
			   void *stop_ctx);

#endif
