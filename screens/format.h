/* Shared formatting of patient identities for screens and the command line. */
#ifndef VIGIE_SCREENS_FORMAT_H
#define VIGIE_SCREENS_FORMAT_H

#include <stddef.h>
#include "store/patients.h"
#include "ui/ui.h"

/* "DUPONT Marie" or "DUPONT (MARTIN) Marie" when the used name differs from the birth name;
 * the used first name replaces the first name when there is one. */
void fmt_display_name(const char *birth_name, const char *used_name, const char *first_name,
		      const char *used_first_name, char *buf, size_t size);
/* "née le 31/12/1975 (50 ans)" (accorded with sex); age in months under 2 years. */
void fmt_birth(const char *birth_iso, const char *sex, char *buf, size_t size);
/* Style of an identity status (qualifiée: OK; provisoire / douteuse / fictive: warning). */
enum ui_style fmt_status_style(int status, unsigned attrs);
/* "homonyme, douteuse" */
void fmt_attrs(unsigned attrs, char *buf, size_t size);

#endif
