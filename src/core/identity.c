/* Identity vigilance (RNIV) statuses and attributes, and validation of a patient's identity traits. */
#include "core/identity.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/cog.h"
#include "core/date.h"
#include "core/ins.h"
#include "core/nir.h"
#include "core/text.h"

/* Storage codes are stable ASCII; labels and markers are for people. Indexed by enum id_status. */
static const char *const status_codes[] = { "provisoire", "recuperee", "validee", "qualifiee" };
static const char *const status_labels[] = { "Provisoire", "Récupérée", "Validée", "Qualifiée" };
static const char *const status_markers[] = { "PROV", "RECUP", "VALI", "QUAL" };

#define STATUS_COUNT 4

static int status_ok(enum id_status s)
{
	return (int)s >= 0 && (int)s < STATUS_COUNT;
}

/* NULL for an out-of-range status: storing a made-up code would hide the bug. */
const char *id_status_code(enum id_status s)
{
	return status_ok(s) ? status_codes[s] : NULL;
}

int id_status_from_code(const char *code)
{
	int i;

	if (code == NULL)
		return -1;
	for (i = 0; i < STATUS_COUNT; i++)
		if (strcmp(code, status_codes[i]) == 0)
			return i;
	return -1;
}

const char *id_status_label(enum id_status s)
{
	return status_ok(s) ? status_labels[s] : "Statut inconnu";
}

const char *id_status_marker(enum id_status s)
{
	return status_ok(s) ? status_markers[s] : "?";
}

int id_check_attributes(enum id_status s, unsigned attrs, const char **why)
{
	const char *reason = NULL;

	if (!status_ok(s))
		reason = "Statut d'identité inconnu";
	else if (attrs & ~(unsigned)(ID_ATTR_HOMONYME | ID_ATTR_DOUTEUSE | ID_ATTR_FICTIVE))
		reason = "Attribut d'identité inconnu";
	/* DOMAIN.md §1 (RNIV): douteuse and fictive are never combined, and exist only on a
	 * provisoire identity; homonyme goes with any status. */
	else if ((attrs & ID_ATTR_DOUTEUSE) && (attrs & ID_ATTR_FICTIVE))
		reason = "Une identité ne peut pas être à la fois douteuse et fictive";
	else if ((attrs & ID_ATTR_DOUTEUSE) && s != ID_PROVISOIRE)
		reason = "Une identité douteuse ne peut avoir que le statut provisoire";
	else if ((attrs & ID_ATTR_FICTIVE) && s != ID_PROVISOIRE)
		reason = "Une identité fictive ne peut avoir que le statut provisoire";
	if (why != NULL)
		*why = reason;
	return reason == NULL ? 0 : -1;
}

enum id_status id_status_after_edit(const struct id_edit *e, unsigned *effects)
{
	int ins = e->has_ins && (e->old_status == ID_RECUPEREE || e->old_status == ID_QUALIFIEE);
	int doc = e->doc_after;

	*effects = 0;
	/* Douteuse invalidates any recorded INS, whatever the status said (RNIV; lsoulier). */
	if (e->attrs & ID_ATTR_DOUTEUSE) {
		*effects = (e->has_ins ? ID_EDIT_DROP_INS : 0) | (e->doc_after ? ID_EDIT_DROP_DOC : 0);
		return ID_PROVISOIRE;
	}
	/* A validation covers the traits that were checked: new traits need a new check. */
	if (e->strict_changed && e->doc_before && !e->doc_changed && doc) {
		doc = 0;
		*effects |= ID_EDIT_DROP_DOC;
	}
	if (ins)
		return doc ? ID_QUALIFIEE : ID_RECUPEREE;
	return doc ? ID_VALIDEE : ID_PROVISOIRE;
}

int id_sex_valid(const char *sex)
{
	if (sex == NULL)
		return 0;
	return strcmp(sex, "F") == 0 || strcmp(sex, "M") == 0 || strcmp(sex, "I") == 0;
}

static const char *nz(const char *s)
{
	return s != NULL ? s : "";
}

static int blank(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '\0';
}

static void say(char *msg, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *msg, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (msg == NULL || size == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, size, fmt, ap);
	va_end(ap);
}

/*
 * Name syntax shared by names and first names: letters (ASCII or Latin accented), space,
 * apostrophe (' or ’), hyphen; starts with a letter. what is the field's name for the user.
 */
static int check_name(const char *s, size_t max, const char *what, char *msg, size_t size)
{
	const char *p = s;
	size_t len;
	int first = 1;

	if (strlen(s) > max) {
		say(msg, size, "%s : trop long (%zu octets au maximum)", what, max);
		return -1;
	}
	while (*p) {
		long cp = text_utf8_next(p, &len);

		if (cp < 0) {
			say(msg, size, "%s : caractère mal encodé (UTF-8 invalide)", what);
			return -1;
		}
		if (first && !text_is_latin_letter(cp)) {
			say(msg, size, "%s : doit commencer par une lettre", what);
			return -1;
		}
		if (!text_is_latin_letter(cp) && cp != ' ' && cp != '\'' && cp != 0x2019 && cp != '-') {
			say(msg, size,
			    "%s : caractère « %.*s » refusé (seuls lettres, espaces, apostrophes et "
			    "traits d'union sont permis)",
			    what, (int)len, p);
			return -1;
		}
		first = 0;
		p += len;
	}
	return 0;
}

static int nir_digit(const char *b, int i)
{
	return (b[i] - '0') * 10 + (b[i + 1] - '0');
}

static enum id_field check_nir(const char *text, const char *sex, const struct ymd *birth,
			       char *msg, size_t size)
{
	struct nir n;
	int rc, yy, mm;

	rc = nir_parse(text, 1, &n);
	if (rc == NIR_ERR_KEY) {
		/* nir_parse only reports a key error once the body itself is well formed. */
		char body[14];
		size_t i = 0;
		const char *p;

		for (p = text; *p && i < 13; p++)
			if (*p != ' ' && *p != '.' && *p != '-' && *p != '\t')
				body[i++] = (char)((*p >= 'a' && *p <= 'z') ? *p - 32 : *p);
		body[i] = '\0';
		say(msg, size, "Clé du NIR incorrecte (attendue %02d)", nir_compute_key(body));
		return IDF_NIR;
	}
	if (rc != NIR_OK) {
		say(msg, size, "%s", nir_strerror(rc));
		return IDF_NIR;
	}
	/* Sex digit: 1/3/7 men, 2/4/8 women; "I" (indéterminé) cannot contradict it. */
	if (strcmp(sex, "F") == 0 && (n.body[0] == '1' || n.body[0] == '3' || n.body[0] == '7')) {
		say(msg, size, "Le NIR commence par %c (homme) alors que le sexe indiqué est F",
		    n.body[0]);
		return IDF_NIR;
	}
	if (strcmp(sex, "M") == 0 && (n.body[0] == '2' || n.body[0] == '4' || n.body[0] == '8')) {
		say(msg, size, "Le NIR commence par %c (femme) alors que le sexe indiqué est M",
		    n.body[0]);
		return IDF_NIR;
	}
	yy = nir_digit(n.body, 1);
	mm = nir_digit(n.body, 3);
	if (yy != birth->y % 100) {
		say(msg, size,
		    "L'année de naissance du NIR (%02d) ne correspond pas à la date de naissance "
		    "(%04d)",
		    yy, birth->y);
		return IDF_NIR;
	}
	/* Months 20-42 and 50-99 stand for an unknown month or a temporary number. */
	if (mm >= 1 && mm <= 12 && mm != birth->m) {
		say(msg, size,
		    "Le mois de naissance du NIR (%02d) ne correspond pas à la date de naissance "
		    "(%02d)",
		    mm, birth->m);
		return IDF_NIR;
	}
	return IDF_NONE;
}

enum id_field id_validate(const struct id_traits *t, const char *today_iso, char *msg, size_t msgsize)
{
	const char *birth_name, *used_name, *first_name, *first_names, *used_first_name, *sex;
	const char *birth_date, *cog, *nir, *why;
	struct ymd birth, today;
	int have_today, rc;

	say(msg, msgsize, "%s", "");
	if (t == NULL) {
		say(msg, msgsize, "Aucune identité à vérifier");
		return IDF_BIRTH_NAME;
	}
	birth_name = nz(t->birth_name);
	used_name = nz(t->used_name);
	first_name = nz(t->first_name);
	first_names = nz(t->birth_first_names);
	used_first_name = nz(t->used_first_name);
	sex = nz(t->sex);
	birth_date = nz(t->birth_date);
	cog = nz(t->birth_cog);
	nir = nz(t->nir);

	if (blank(birth_name)) {
		say(msg, msgsize, "Le nom de naissance est obligatoire");
		return IDF_BIRTH_NAME;
	}
	if (check_name(birth_name, ID_NAME_MAX, "Nom de naissance", msg, msgsize) < 0)
		return IDF_BIRTH_NAME;
	if (!blank(used_name) &&
	    check_name(used_name, ID_NAME_MAX, "Nom utilisé", msg, msgsize) < 0)
		return IDF_USED_NAME;
	if (blank(first_name)) {
		say(msg, msgsize, "Le premier prénom de naissance est obligatoire");
		return IDF_FIRST_NAME;
	}
	if (check_name(first_name, ID_NAME_MAX, "Premier prénom", msg, msgsize) < 0)
		return IDF_FIRST_NAME;
	if (!blank(first_names)) {
		if (check_name(first_names, ID_FIRSTNAMES_MAX, "Prénoms de naissance", msg,
			       msgsize) < 0)
			return IDF_BIRTH_FIRST_NAMES;
		/* EXI ID 10, the same rule as the INSi comparison: hyphen and apostrophe count
		 * as spaces, so INSi's "JEAN-CHRISTOPHE" opens "JEAN CHRISTOPHE PIERRE". */
		if (!ins_first_name_coherent(first_name, first_names)) {
			say(msg, msgsize,
			    "Le premier prénom doit être le premier de la liste des prénoms de "
			    "naissance (« %s »)",
			    first_names);
			return IDF_FIRST_NAME;
		}
	}
	if (!blank(used_first_name) &&
	    check_name(used_first_name, ID_NAME_MAX, "Prénom utilisé", msg, msgsize) < 0)
		return IDF_USED_FIRST_NAME;

	if (blank(sex)) {
		say(msg, msgsize, "Le sexe est obligatoire");
		return IDF_SEX;
	}
	if (!id_sex_valid(sex)) {
		say(msg, msgsize, "Sexe invalide : F (féminin), M (masculin) ou I (indéterminé)");
		return IDF_SEX;
	}

	if (blank(birth_date)) {
		say(msg, msgsize, "La date de naissance est obligatoire");
		return IDF_BIRTH_DATE;
	}
	rc = date_parse_fr(birth_date, &birth);
	if (rc == DATE_ERR_FORMAT) {
		say(msg, msgsize, "Date de naissance : format JJ/MM/AAAA attendu");
		return IDF_BIRTH_DATE;
	}
	if (rc == DATE_ERR_INVALID) {
		say(msg, msgsize, "La date de naissance %s n'existe pas", birth_date);
		return IDF_BIRTH_DATE;
	}
	/* A missing reference date only skips the future check: a caller bug must not block
	 * every save. */
	have_today = date_parse_iso(today_iso, &today) == DATE_OK;
	rc = date_check_birth(&birth, have_today ? &today : NULL);
	if (rc == DATE_ERR_FUTURE) {
		say(msg, msgsize, "La date de naissance est dans le futur");
		return IDF_BIRTH_DATE;
	}
	if (rc != DATE_OK) {
		say(msg, msgsize, "La date de naissance est antérieure à 1850");
		return IDF_BIRTH_DATE;
	}

	if (!blank(cog) && cog_classify(cog) == COG_INVALID) {
		say(msg, msgsize, "Lieu de naissance : %s", cog_explain_invalid(cog));
		return IDF_BIRTH_COG;
	}
	/* Corsican 20xxx codes ended on 1976-01-01 (INSEE); 2A/2B are accepted for any date. */
	if (!blank(cog) && cog[0] == '2' && cog[1] == '0' && birth.y >= 1976) {
		say(msg, msgsize, "Lieu de naissance : depuis 1976, pour la Corse, utiliser 2A "
		    "(Corse-du-Sud) ou 2B (Haute-Corse), pas 20");
		return IDF_BIRTH_COG;
	}

	if (!blank(nir) && check_nir(nir, sex, &birth, msg, msgsize) != IDF_NONE)
		return IDF_NIR;

	if (id_check_attributes(t->status, t->attrs, &why) < 0) {
		say(msg, msgsize, "%s", why);
		return IDF_ATTRIBUTES;
	}
	return IDF_NONE;
}
