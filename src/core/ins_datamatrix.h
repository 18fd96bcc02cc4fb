/* INS datamatrix payload (ANS « INS — Format datamatrix » v2.2): builder and reader. */
#ifndef VIGIE_CORE_INS_DATAMATRIX_H
#define VIGIE_CORE_INS_DATAMATRIX_H

#include <stddef.h>
#include "core/ins.h"

/* Largest payload: header 26 + S1 17 + S2 22 + S3 102 + S4 102 + S5 3 + S6 12 + S7 7. */
#define INS_DM_MAX 300

/*
 * Build the payload "IS01" + 22 zeros, then S1 matricule (15), S2 OID, S3 birth first names,
 * S4 birth name, S5 sex, S6 birth date JJ-MM-AAAA, S7 COG (left out when empty); a GS (0x1D)
 * ends a variable field shorter than its maximum that is not the last field. Values are
 * normalised to the INSi rules first. Returns the payload length, or -1 with a French reason
 * in err (missing trait, name that cannot be normalised, bad matricule...).
 */
int ins_dm_build(const struct ins_identity *id, char *out, size_t outsize, char *err,
		 size_t errsize);

/*
 * Read a payload as a scanner gives it: GS as 0x1D or as the literal text "<GS>", fields in
 * any order, trailing CR/LF ignored. Fills id (birth_date as AAAA-MM-JJ, first_name = first
 * token of S3). Returns 0, or -1 with a French reason (bad header, unknown field, bad length,
 * matricule key that does not verify, missing mandatory field).
 */
int ins_dm_parse(const char *payload, size_t len, struct ins_identity *id, char *err,
		 size_t errsize);

#endif
