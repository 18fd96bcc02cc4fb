/* INS datamatrix payload (ANS « INS — Format datamatrix » v2.2): builder and tolerant reader. */
#include "core/ins_datamatrix.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/cog.h"
#include "core/date.h"

/* research/ins.md §5: "IS" marker, version "01", 22 reserved zeros. */
static const char dm_header[] = "IS010000000000000000000000";
#define DM_HEADER_LEN 26
#define DM_GS '\x1d'
#define DM_FIELDS 7
#define DM_VALUE_MAX 100

/* S1..S7 in their printed order; fixed fields never take a GS. */
struct dm_field {
	size_t max;
	int fixed;
	const char *what; /* for messages */
};

static const struct dm_field dm_fields[DM_FIELDS] = {
	{ 15, 1, "matricule INS" },
	{ 20, 0, "OID" },
	{ 100, 0, "prénoms de naissance" },
	{ 100, 0, "nom de naissance" },
	{ 1, 1, "sexe" },
	{ 10, 1, "date de naissance" },
	{ 5, 1, "lieu de naissance (COG)" },
};

static void say(char *err, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, size, fmt, ap);
	va_end(ap);
}

/* Shared by builder and reader: the matricule must verify, the OID be an INS authority. */
static int check_matricule(const char *m, char *err, size_t errsize)
{
	int expected = 0, rc = ins_matricule_check(m, &expected);

	if (rc < 0) {
		say(err, errsize, "Matricule INS absent ou mal formé (13 caractères et une clé à 2 "
				  "chiffres attendus)");
		return -1;
	}
	if (rc == 0) {
		say(err, errsize, "La clé du matricule INS ne vérifie pas (%.2s lue, %02d attendue)",
		    m + 13, expected);
		return -1;
	}
	return 0;
}

static int check_oid(const char *oid, char *err, size_t errsize)
{
	if (oid[0] == '\0') {
		say(err, errsize, "OID du matricule INS manquant");
		return -1;
	}
	if (ins_oid_type(oid) == NULL) {
		say(err, errsize, "OID « %.32s » inconnu : ce n'est pas l'OID d'un NIR ou d'un NIA",
		    oid);
		return -1;
	}
	return 0;
}

static int check_cog(const char *cog, char *err, size_t errsize)
{
	if (cog_classify(cog) == COG_INVALID) {
		say(err, errsize, "Lieu de naissance : %s", cog_explain_invalid(cog));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ builder */

/* The seven values as printed (S7 "" when the birth place is unknown). */
static int build_values(const struct ins_identity *id, char v[DM_FIELDS][DM_VALUE_MAX + 1],
			char *err, size_t errsize)
{
	const char *list = id->first_names[0] != '\0' ? id->first_names : id->first_name;
	const char *why;
	struct ymd d;

	if (check_matricule(id->matricule, err, errsize) < 0 || check_oid(id->oid, err, errsize) < 0)
		return -1;
	snprintf(v[0], sizeof v[0], "%s", id->matricule);
	snprintf(v[1], sizeof v[1], "%s", id->oid);
	if (ins_normalize(list, 1, v[2], sizeof v[2], &why) < 0) {
		say(err, errsize, "Prénoms de naissance : %s", why);
		return -1;
	}
	if (ins_normalize(id->birth_name, 0, v[3], sizeof v[3], &why) < 0) {
		say(err, errsize, "Nom de naissance : %s", why);
		return -1;
	}
	/* The INS sex is M or F; "I" has no INS. */
	if (strcmp(id->sex, "M") != 0 && strcmp(id->sex, "F") != 0) {
		say(err, errsize, "Sexe : M ou F attendu pour une INS");
		return -1;
	}
	snprintf(v[4], sizeof v[4], "%s", id->sex);
	if (date_parse_iso(id->birth_date, &d) != DATE_OK) {
		say(err, errsize, "Date de naissance absente ou invalide (AAAA-MM-JJ attendu)");
		return -1;
	}
	snprintf(v[5], sizeof v[5], "%02d-%02d-%04d", d.d, d.m, d.y);
	v[6][0] = '\0';
	if (id->birth_cog[0] != '\0') {
		if (check_cog(id->birth_cog, err, errsize) < 0)
			return -1;
		snprintf(v[6], sizeof v[6], "%s", id->birth_cog);
	}
	return 0;
}

int ins_dm_build(const struct ins_identity *id, char *out, size_t outsize, char *err,
		 size_t errsize)
{
	char v[DM_FIELDS][DM_VALUE_MAX + 1], buf[INS_DM_MAX + 1];
	size_t len = DM_HEADER_LEN, n;
	int i, last;

	say(err, errsize, "%s", "");
	if (id == NULL || out == NULL || outsize == 0) {
		say(err, errsize, "Aucune identité à coder");
		return -1;
	}
	out[0] = '\0';
	if (build_values(id, v, err, errsize) < 0)
		return -1;
	last = v[6][0] != '\0' ? 6 : 5;
	memcpy(buf, dm_header, DM_HEADER_LEN);
	/* Bounded by the field maxima: 291 bytes at most, under INS_DM_MAX. */
	for (i = 0; i <= last; i++) {
		n = strlen(v[i]);
		buf[len++] = 'S';
		buf[len++] = (char)('1' + i);
		memcpy(buf + len, v[i], n);
		len += n;
		/* GS ends a variable field that stopped short of its maximum, unless it is last. */
		if (!dm_fields[i].fixed && n < dm_fields[i].max && i != last)
			buf[len++] = DM_GS;
	}
	if (len + 1 > outsize) {
		say(err, errsize, "Zone trop petite pour le datamatrix INS (%zu octets nécessaires)",
		    len + 1);
		return -1;
	}
	memcpy(out, buf, len);
	out[len] = '\0';
	return (int)len;
}

/* ------------------------------------------------------------------ reader */

/* Length of a group separator at p: the GS byte, or "<GS>" as keyboard-wedge scanners type
 * it; 0 when there is none. */
static size_t gs_at(const char *p, size_t left)
{
	if (left >= 1 && p[0] == DM_GS)
		return 1;
	if (left >= 4 && p[0] == '<' && (p[1] == 'G' || p[1] == 'g') &&
	    (p[2] == 'S' || p[2] == 's') && p[3] == '>')
		return 4;
	return 0;
}

static char printable(char c)
{
	return c > ' ' && c < 0x7f ? c : '?';
}

/* Read one field value at *pos into val; the id is already consumed. */
static int read_value(const char *p, size_t len, size_t *pos, int f, char *val, char *err,
		      size_t errsize)
{
	size_t n = 0, max = dm_fields[f].max;

	if (dm_fields[f].fixed) {
		if (*pos + max > len) {
			say(err, errsize, "Datamatrix INS tronqué : champ S%d (%s) incomplet", f + 1,
			    dm_fields[f].what);
			return -1;
		}
		for (n = 0; n < max; n++) {
			if (gs_at(p + *pos + n, len - *pos - n)) {
				say(err, errsize, "Champ S%d (%s) : longueur incorrecte (%zu attendue)",
				    f + 1, dm_fields[f].what, max);
				return -1;
			}
			val[n] = p[*pos + n];
		}
	} else {
		while (*pos + n < len && n < max && gs_at(p + *pos + n, len - *pos - n) == 0) {
			val[n] = p[*pos + n];
			n++;
		}
	}
	val[n] = '\0';
	*pos += n;
	/* Liberal: a GS is also skipped after a fixed field or one at its maximum. */
	*pos += gs_at(p + *pos, len - *pos);
	return 0;
}

static int split_fields(const char *p, size_t len, char v[DM_FIELDS][DM_VALUE_MAX + 1],
			int seen[DM_FIELDS], char *err, size_t errsize)
{
	size_t pos = DM_HEADER_LEN;

	while (pos < len) {
		int f;

		if (pos + 2 > len) {
			say(err, errsize, "Datamatrix INS tronqué : identifiant de champ incomplet");
			return -1;
		}
		if (p[pos] != 'S' || p[pos + 1] < '1' || p[pos + 1] > '7') {
			say(err, errsize, "Identifiant de champ inconnu « %c%c » dans le datamatrix INS",
			    printable(p[pos]), printable(p[pos + 1]));
			return -1;
		}
		f = p[pos + 1] - '1';
		if (seen[f]) {
			say(err, errsize, "Champ S%d (%s) présent deux fois", f + 1, dm_fields[f].what);
			return -1;
		}
		seen[f] = 1;
		pos += 2;
		if (read_value(p, len, &pos, f, v[f], err, errsize) < 0)
			return -1;
	}
	return 0;
}

/* "JJ-MM-AAAA" to a checked date. */
static int parse_dm_date(const char *s, struct ymd *d)
{
	static const char shape[] = "99-99-9999";
	int i;

	for (i = 0; shape[i]; i++) {
		if (shape[i] == '9' ? (s[i] < '0' || s[i] > '9') : s[i] != '-')
			return -1;
	}
	if (s[i] != '\0')
		return -1;
	d->d = (s[0] - '0') * 10 + (s[1] - '0');
	d->m = (s[3] - '0') * 10 + (s[4] - '0');
	d->y = (s[6] - '0') * 1000 + (s[7] - '0') * 100 + (s[8] - '0') * 10 + (s[9] - '0');
	return date_valid(d->y, d->m, d->d) ? 0 : -1;
}

/* Check and copy the fields present, S1 to S7, so the first faulty one is the one named. */
static int fill_identity(char v[DM_FIELDS][DM_VALUE_MAX + 1], const int seen[DM_FIELDS],
			 struct ins_identity *id, char *err, size_t errsize)
{
	const char *why;
	struct ymd d;

	if (seen[0] && check_matricule(v[0], err, errsize) < 0)
		return -1;
	memcpy(id->matricule, v[0], 16);
	if (seen[1] && check_oid(v[1], err, errsize) < 0)
		return -1;
	snprintf(id->oid, sizeof id->oid, "%s", v[1]);
	if (seen[2] && ins_normalize(v[2], 1, id->first_names, sizeof id->first_names, &why) < 0) {
		say(err, errsize, "Champ S3 (prénoms de naissance) : %s", why);
		return -1;
	}
	ins_first_of_list(id->first_names, id->first_name, sizeof id->first_name);
	if (seen[3] && ins_normalize(v[3], 0, id->birth_name, sizeof id->birth_name, &why) < 0) {
		say(err, errsize, "Champ S4 (nom de naissance) : %s", why);
		return -1;
	}
	if (seen[4] && strcmp(v[4], "M") != 0 && strcmp(v[4], "F") != 0) {
		say(err, errsize, "Champ S5 (sexe) : M ou F attendu, « %c » lu", printable(v[4][0]));
		return -1;
	}
	memcpy(id->sex, v[4], 2);
	if (seen[5]) {
		if (parse_dm_date(v[5], &d) < 0) {
			say(err, errsize, "Champ S6 (date de naissance) : date JJ-MM-AAAA invalide");
			return -1;
		}
		date_to_iso(&d, id->birth_date, sizeof id->birth_date);
	}
	if (seen[6] && check_cog(v[6], err, errsize) < 0)
		return -1;
	memcpy(id->birth_cog, v[6], 6);
	return 0;
}

int ins_dm_parse(const char *payload, size_t len, struct ins_identity *id, char *err,
		 size_t errsize)
{
	char v[DM_FIELDS][DM_VALUE_MAX + 1];
	int seen[DM_FIELDS] = { 0 }, f;

	say(err, errsize, "%s", "");
	if (id != NULL)
		memset(id, 0, sizeof *id);
	if (payload == NULL || id == NULL) {
		say(err, errsize, "Aucun datamatrix INS à lire");
		return -1;
	}
	memset(v, 0, sizeof v);
	/* Scanners end what they type with Enter. */
	while (len > 0 && (payload[len - 1] == '\r' || payload[len - 1] == '\n'))
		len--;
	if (memchr(payload, '\0', len) != NULL) {
		say(err, errsize, "Datamatrix INS illisible (caractère nul)");
		return -1;
	}
	if (len >= 4 && memcmp(payload, "IS", 2) == 0 && memcmp(payload + 2, "01", 2) != 0) {
		say(err, errsize, "Version du datamatrix INS non prise en charge (%c%c, 01 attendue)",
		    printable(payload[2]), printable(payload[3]));
		return -1;
	}
	if (len < DM_HEADER_LEN || memcmp(payload, dm_header, DM_HEADER_LEN) != 0) {
		say(err, errsize, "Ce n'est pas un datamatrix INS : en-tête « IS01 » suivi de 22 "
				  "zéros attendu");
		return -1;
	}
	if (split_fields(payload, len, v, seen, err, errsize) < 0)
		return -1;
	if (fill_identity(v, seen, id, err, errsize) < 0) {
		memset(id, 0, sizeof *id);
		return -1;
	}
	/* S7 is optional (birth place unknown). */
	for (f = 0; f < DM_FIELDS - 1; f++) {
		if (!seen[f]) {
			say(err, errsize, "Champ S%d (%s) manquant dans le datamatrix INS", f + 1,
			    dm_fields[f].what);
			memset(id, 0, sizeof *id);
			return -1;
		}
	}
	return 0;
}
