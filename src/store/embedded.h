/* Files embedded at build time (SQL migrations, demo data). */
#ifndef VIGIE_STORE_EMBEDDED_H
#define VIGIE_STORE_EMBEDDED_H
#include <stddef.h>
struct embedded_file { const char *name; const char *text; };
/* db/NNNN_*.sql in order; name starts with the 4-digit version. */
extern const struct embedded_file store_migrations[];
extern const size_t store_migrations_count;
/* data/demo-patients.tsv */
extern const struct embedded_file store_demo_data[];
extern const size_t store_demo_data_count;
#endif
