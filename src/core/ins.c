/* INS rules: INSi name normalisation, trait comparison, first-name coherence, matricule. */
#include "core/ins.h"

#include <string.h>

#include "core/date.h"
#include "core/identity.h"
#include "core/nir.h"
#include "core/text.h"

/* SEL-MP-043 §3.4.1 (research/ins.md §1.4): traits sent to INSi are at most 100 characters. */
#define INS_TRAIT_MAX 100
/* Work buffers: every struct ins_identity string fits, with room for typed input. */
#define WORK_MAX 512

/* ------------------------------------------------------------------ OID and matricule */

const char *ins_oid_type(const char *oid)
{
	if (oid == NULL)
		return NULL;
	if (strcmp(oid, INS_OID_NIR) == 0)
		return "NIR";
	if (strcmp(oid, INS_OID_NIA) == 0)
		return "NIA";
	if (strcmp(oid, INS_OID_TEST) == 0)
		return "NIR de test";
	if (strcmp(oid, INS_OID_DEMO) == 0)
		return "NIR de démonstration";
	return NULL;
}

int ins_matricule_check(const char *matricule15, int *expected)
{
	char body[14];
	int key, want;

	if (matricule15 == NULL || strnlen(matricule15, 16) != 15)
		return -1;
	if (matricule15[13] < '0' || matricule15[13] > '9' || matricule15[14] < '0' ||
	    matricule15[14] > '9')
		return -1;
	memcpy(body, matricule15, 13);
	body[13] = '\0';
	/* Same rule for NIR and NIA (CNDA TEST_2.05); Corsica handled by nir_compute_key. */
	want = nir_compute_key(body);
	if (want < 0)
		return -1;
	if (expected != NULL)
		*expected = want;
	key = (matricule15[13] - '0') * 10 + (matricule15[14] - '0');
	return key == want ? 1 : 0;
}

/* ------------------------------------------------------------------ normalisation */

/* Refusal reasons (static strings shown to the user). */
static const char R_EMPTY_NAME[] = "Le nom est vide";
static const char R_EMPTY_FIRST[] = "Le prénom est vide";
static const char R_NO_LETTER[] = "Aucune lettre : un nom ou un prénom doit contenir des lettres";
static const char R_DIGIT[] = "Les chiffres ne sont pas acceptés dans un nom ou un prénom";
static const char R_SCRIPT[] =
	"Seules les lettres de l'alphabet latin sont acceptées (lettre cyrillique, grecque, "
	"arabe… refusée)";
static const char R_SYMBOL[] =
	"Caractère refusé : seuls les lettres, l'espace, l'apostrophe et le trait d'union sont "
	"acceptés";
static const char R_UTF8[] = "Texte mal encodé (UTF-8 invalide)";
static const char R_LONG[] = "Trop long : 100 caractères au maximum une fois normalisé";
static const char R_LEAD_HYPHEN[] = "Ne doit pas commencer par un trait d'union";
static const char R_COMBINED[] =
	"Séparateurs doublés ou combinés refusés (espace, apostrophe, trait d'union)";
static const char R_FIRST_DOUBLE_HYPHEN[] =
	"Le double trait d'union n'est permis que dans un nom, pas dans un prénom";
static const char R_FIRST_TRAILING[] =
	"Un prénom ne doit pas finir par un trait d'union ou une apostrophe";
static const char R_NAME_TRAILING[] =
	"Un nom ne doit pas finir par un trait d'union ou une apostrophe";
static const char R_OUT_SMALL[] = "Zone de résultat trop petite pour le trait normalisé";

enum ch_class {
	CH_LETTER,      /* up holds its upper-case ASCII spelling */
	CH_APOSTROPHE,
	CH_HYPHEN,
	CH_SPACE,
	CH_IGNORE,      /* invisible formatting characters */
	CH_MARK,        /* combining diacritic (decomposed input) */
	CH_DIGIT,
	CH_SCRIPT,      /* letter of another script */
	CH_SYMBOL,
	CH_BAD_UTF8,
};

/*
 * Upper-case base letter of Latin Extended-B (U+0180-U+024F) and Latin Extended Additional
 * (U+1E00-U+1EFF): Romanian Ș/Ț, Vietnamese Ễ, Ǎ... Generated from the Unicode 14 NFKD
 * decompositions and "LETTER X WITH ..." names. '.' is not a Latin letter with a diacritic
 * (schwa, ezh, clicks...), '*' a digraph spelt by ext_digraph(). text.c covers U+00C0-U+017F.
 */
static const char ext_b[] =
	/* U+0180 */ "BBBB...CC.DDD....FFG...IKKL..NNO"
	/* U+01A0 */ "OO..PP.....TTTTUU.VYYZZ........."
	/* U+01C0 */ "....*********AAIIOOUUUUUUUUUU.AA"
	/* U+01E0 */ "AA**GGGGKKOOOO..J***GG..NNAA**OO"
	/* U+0200 */ "AAAAEEEEIIIIOOOORRRRUUUUSSTT..HH"
	/* U+0220 */ "ND..ZZAAEEOOOOOOOOYYLNTJ..ACCLTS"
	/* U+0240 */ "Z..B..EEJJ.QRRYY";
static const char ext_add[] =
	/* U+1E00 */ "AABBBBBBCCDDDDDDDDDDEEEEEEEEEEFF"
	/* U+1E20 */ "GGHHHHHHHHHHIIIIKKKKKKLLLLLLLLMM"
	/* U+1E40 */ "MMMMNNNNNNNNOOOOOOOOPPPPRRRRRRRR"
	/* U+1E60 */ "SSSSSSSSSSTTTTTTTTUUUUUUUUUUVVVV"
	/* U+1E80 */ "WWWWWWWWWWXXXXYYZZZZZZHTWYAS..*."
	/* U+1EA0 */ "AAAAAAAAAAAAAAAAAAAAAAAAEEEEEEEE"
	/* U+1EC0 */ "EEEEEEEEIIIIOOOOOOOOOOOOOOOOOOOO"
	/* U+1EE0 */ "OOOOUUUUUUUUUUUUUUYYYYYYYY....YY";

static const char *ext_digraph(long cp)
{
	if ((cp >= 0x1C4 && cp <= 0x1C6) || (cp >= 0x1F1 && cp <= 0x1F3))
		return "DZ";
	if (cp >= 0x1C7 && cp <= 0x1C9)
		return "LJ";
	if (cp >= 0x1CA && cp <= 0x1CC)
		return "NJ";
	if (cp == 0x1E9E) /* capital sharp s */
		return "SS";
	return "AE"; /* U+01E2/3, U+01FC/D: Æ with macron or acute */
}

/* Upper-case ASCII spelling of a Latin letter into up (at most 2 letters), 0 if not one. */
static int latin_spelling(long cp, char up[4])
{
	const char *table = NULL;
	long first = 0;
	char utf8[5], ascii[8];
	size_t i, n;

	if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z')) {
		up[0] = (char)(cp >= 'a' ? cp - 32 : cp);
		up[1] = '\0';
		return 1;
	}
	if (cp >= 0xC0 && cp <= 0x17F) {
		if (!text_is_latin_letter(cp))
			return 0;
		/* text.c's table: Œ -> "OE", ß -> "ss", Ø -> "O", Ł -> "L" (case kept). */
		n = text_utf8_encode(cp, utf8);
		utf8[n] = '\0';
		text_to_ascii(utf8, ascii, sizeof ascii);
		for (i = 0; ascii[i] && i < 3; i++)
			up[i] = (char)(ascii[i] >= 'a' && ascii[i] <= 'z' ? ascii[i] - 32 : ascii[i]);
		up[i] = '\0';
		return i > 0;
	}
	if (cp >= 0x180 && cp <= 0x24F) {
		table = ext_b;
		first = 0x180;
	} else if (cp >= 0x1E00 && cp <= 0x1EFF) {
		table = ext_add;
		first = 0x1E00;
	}
	if (table == NULL || table[cp - first] == '.')
		return 0;
	if (table[cp - first] == '*') {
		memcpy(up, ext_digraph(cp), 3);
		return 1;
	}
	up[0] = table[cp - first];
	up[1] = '\0';
	return 1;
}

static int is_apostrophe(long cp)
{
	/* ’ ‘ ʼ and the acute/grave accents typed for want of an apostrophe key. */
	return cp == '\'' || cp == 0x2019 || cp == 0x2018 || cp == 0x02BC || cp == 0xB4 ||
	       cp == '`';
}

static int is_hyphen(long cp)
{
	return cp == '-' || (cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212;
}

static int is_space(long cp)
{
	return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0xA0 ||
	       (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* Punctuation and symbol blocks, so that what is left above U+036F is another script. */
static int is_symbol_block(long cp)
{
	return (cp >= 0x250 && cp <= 0x36F) || (cp >= 0x2000 && cp <= 0x2BFF) ||
	       (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xE000 && cp <= 0xF8FF) ||
	       (cp >= 0xFE00 && cp <= 0xFE6F) || (cp >= 0xFF00 && cp <= 0xFFEF) ||
	       (cp >= 0xFFF0 && cp <= 0xFFFF) || (cp >= 0x1F000 && cp <= 0x1FAFF);
}

static enum ch_class classify(long cp, char up[4])
{
	if (cp < 0)
		return CH_BAD_UTF8;
	if (latin_spelling(cp, up))
		return CH_LETTER;
	if (is_apostrophe(cp)) {
		memcpy(up, "'", 2);
		return CH_APOSTROPHE;
	}
	if (is_hyphen(cp)) {
		memcpy(up, "-", 2);
		return CH_HYPHEN;
	}
	if (is_space(cp))
		return CH_SPACE;
	if (cp == 0xAD || (cp >= 0x200B && cp <= 0x200D) || cp == 0x2060 || cp == 0xFEFF)
		return CH_IGNORE;
	if (cp >= 0x300 && cp <= 0x36F)
		return CH_MARK;
	if (cp >= '0' && cp <= '9')
		return CH_DIGIT;
	if (cp >= 0x370 && !is_symbol_block(cp))
		return CH_SCRIPT;
	return CH_SYMBOL;
}

static int append(char *buf, size_t *len, size_t max, const char *piece)
{
	size_t n = strlen(piece);

	if (*len + n > max)
		return 0;
	memcpy(buf + *len, piece, n);
	*len += n;
	buf[*len] = '\0';
	return 1;
}

/*
 * Character pass: letters to upper-case A-Z, typographic separators to ASCII, spaces trimmed
 * and collapsed, combining accents after a letter dropped. At most max characters go to buf
 * (size max + 1). Returns NULL, or the reason for the first character that cannot be
 * written, or R_LONG when the text did not fit.
 */
static const char *translit(const char *in, char *buf, size_t max)
{
	size_t len = 0, n;
	int pending_space = 0, after_letter = 0, too_long = 0;
	const char *p = in;

	buf[0] = '\0';
	while (*p) {
		char up[4] = "";
		long cp = text_utf8_next(p, &n);
		enum ch_class c = classify(cp, up);

		p += n;
		switch (c) {
		case CH_SPACE:
			pending_space = 1;
			after_letter = 0;
			continue;
		case CH_IGNORE:
			continue;
		case CH_MARK:
			if (!after_letter)
				return R_SYMBOL;
			continue;
		case CH_DIGIT:
			return R_DIGIT;
		case CH_SCRIPT:
			return R_SCRIPT;
		case CH_SYMBOL:
			return R_SYMBOL;
		case CH_BAD_UTF8:
			return R_UTF8;
		default:
			break;
		}
		if (pending_space && len > 0)
			too_long |= !append(buf, &len, max, " ");
		pending_space = 0;
		too_long |= !append(buf, &len, max, up);
		after_letter = c == CH_LETTER;
	}
	return too_long ? R_LONG : NULL;
}

static int is_sep(char c)
{
	return c == ' ' || c == '\'' || c == '-';
}

/* Shape rules of SEL-MP-043 §2 on the transliterated text (research/ins.md §1.4). */
static const char *check_shape(const char *s, int first_name)
{
	size_t i = 0, len = strlen(s), run;
	int letters = 0;

	if (len == 0)
		return first_name ? R_EMPTY_FIRST : R_EMPTY_NAME;
	if (s[0] == '-')
		return R_LEAD_HYPHEN;
	while (s[i]) {
		if (!is_sep(s[i])) {
			letters++;
			i++;
			continue;
		}
		for (run = 0; is_sep(s[i + run]); run++)
			;
		/* The double hyphen separates the two parts of a compound birth name. */
		if (run == 2 && s[i] == '-' && s[i + 1] == '-') {
			if (first_name)
				return R_FIRST_DOUBLE_HYPHEN;
		} else if (run > 1) {
			return R_COMBINED;
		}
		i += run;
	}
	if (letters == 0)
		return R_NO_LETTER;
	/* PROTOCOLS.md: no trailing separator, in names as in first names */
	if (s[len - 1] == '-' || s[len - 1] == '\'')
		return first_name ? R_FIRST_TRAILING : R_NAME_TRAILING;
	return NULL;
}

int ins_normalize(const char *in, int first_name, char *out, size_t outsize, const char **why)
{
	char buf[INS_TRAIT_MAX + 1];
	const char *reason;

	if (out != NULL && outsize > 0)
		out[0] = '\0';
	reason = translit(in != NULL ? in : "", buf, INS_TRAIT_MAX);
	if (reason == NULL)
		reason = check_shape(buf, first_name);
	if (reason == NULL && out != NULL && strlen(buf) + 1 > outsize)
		reason = R_OUT_SMALL;
	if (why != NULL)
		*why = reason;
	if (reason != NULL)
		return -1;
	if (out != NULL)
		memcpy(out, buf, strlen(buf) + 1);
	return 0;
}

/* ------------------------------------------------------------------ first names */

/*
 * Words of a first name or list for EXI ID 10: transliterated, hyphens and apostrophes as
 * spaces, one space between words. Text that cannot be transliterated falls back on the
 * search folding, so a stray character never makes two equal spellings differ.
 */
static void first_name_words(const char *in, char *out, size_t size)
{
	char tmp[WORK_MAX + 1];
	size_t i, n = 0;
	int pending = 0;

	if (translit(in != NULL ? in : "", tmp, WORK_MAX) != NULL)
		text_fold(in, tmp, sizeof tmp);
	for (i = 0; tmp[i] && n + 2 < size; i++) {
		char c = tmp[i];

		if (is_sep(c)) {
			pending = 1;
			continue;
		}
		if (pending && n > 0)
			out[n++] = ' ';
		pending = 0;
		out[n++] = (char)(c >= 'a' && c <= 'z' ? c - 32 : c);
	}
	out[n] = '\0';
}

int ins_first_name_coherent(const char *first_name, const char *first_names)
{
	char f[WORK_MAX + 1], l[WORK_MAX + 1];
	size_t n;

	first_name_words(first_names, l, sizeof l);
	if (l[0] == '\0')
		return 1;
	first_name_words(first_name, f, sizeof f);
	if (f[0] == '\0')
		return 0;
	/* Word-sequence prefix: "JEAN" opens "JEAN CHRISTOPHE", not "JEANNE". */
	n = strlen(f);
	return strncmp(l, f, n) == 0 && (l[n] == '\0' || l[n] == ' ');
}

void ins_first_of_list(const char *first_names, char *out, size_t outsize)
{
	const char *p = first_names != NULL ? first_names : "";
	size_t n = 0;

	if (out == NULL || outsize == 0)
		return;
	while (*p == ' ' || *p == '\t')
		p++;
	while (p[n] && p[n] != ' ' && p[n] != '\t')
		n++;
	/* Cut at a character boundary rather than leave half of an accented letter. */
	if (n + 1 > outsize) {
		n = outsize - 1;
		while (n > 0 && ((unsigned char)p[n] & 0xC0) == 0x80)
			n--;
	}
	memcpy(out, p, n);
	out[n] = '\0';
}

/* EXI SI 09 (research/ins.md §4): no INSi call for a douteuse or fictive identity. */
int ins_insi_call_allowed(unsigned attrs, const char **why)
{
	const char *reason = NULL;

	if (attrs & ID_ATTR_FICTIVE)
		reason = "Identité fictive : aucun appel au téléservice INSi n'est permis";
	else if (attrs & ID_ATTR_DOUTEUSE)
		reason = "Identité douteuse : aucun appel au téléservice INSi n'est permis";
	if (why != NULL)
		*why = reason;
	return reason == NULL;
}

/* ------------------------------------------------------------------ comparison */

/* Short enough (19 columns) for the comparison table at 80x24. */
static const char *const trait_labels[INS_T_COUNT] = {
	"Matricule INS",
	"Type (NIR/NIA)",
	"Nom de naissance",
	"Premier prénom",
	"Prénoms naissance",
	"Sexe",
	"Date de naissance",
	"Lieu naiss. (COG)",
};

const char *ins_trait_label(enum ins_trait t)
{
	if ((int)t < 0 || t >= INS_T_COUNT)
		return "Trait inconnu";
	return trait_labels[t];
}

/* Trimmed, upper-cased copy for codes (matricule, sex, COG, date, OID): spaces dropped. */
static void canon_code(const char *in, char *out, size_t size)
{
	size_t n = 0;
	const char *p;

	for (p = in != NULL ? in : ""; *p && n + 1 < size; p++) {
		if (*p == ' ' || *p == '\t')
			continue;
		out[n++] = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	}
	out[n] = '\0';
}

/*
 * Name as compared: the INSi normalisation when it succeeds; a list longer than INSi allows
 * still gets the same transliteration; anything else its upper-cased, trimmed text.
 */
static void canon_name(const char *in, int first_name, char *out, size_t size)
{
	char tmp[WORK_MAX + 1];

	if (ins_normalize(in, first_name, out, size, NULL) == 0)
		return;
	if (translit(in != NULL ? in : "", out, size - 1) == NULL)
		return;
	text_trim_spaces(in, tmp, sizeof tmp);
	text_upper(tmp, out, size);
}

static enum ins_cmp cmp_strings(const char *a, const char *b)
{
	if (a[0] == '\0' || b[0] == '\0')
		return INS_MISSING;
	return strcmp(a, b) == 0 ? INS_EQUAL : INS_DIFFERS;
}

static enum ins_cmp cmp_codes(const char *a, const char *b)
{
	char ca[64], cb[64];

	canon_code(a, ca, sizeof ca);
	canon_code(b, cb, sizeof cb);
	return cmp_strings(ca, cb);
}

static enum ins_cmp cmp_names(const char *a, const char *b, int first_name)
{
	char ca[WORK_MAX + 1], cb[WORK_MAX + 1];

	canon_name(a, first_name, ca, sizeof ca);
	canon_name(b, first_name, cb, sizeof cb);
	return cmp_strings(ca, cb);
}

/* Kind of matricule: "NIR" or "NIA" from a known OID (test and demonstration authorities
 * issue NIRs too, FR Core), an unknown OID as it is, a NIR for a matricule typed locally
 * without OID, "" when nothing is known. oid and mat are canonical codes. */
static const char *matricule_kind(const char *oid, const char *mat, int local)
{
	const char *type;

	if (oid[0] == '\0')
		return local && mat[0] != '\0' ? "NIR" : "";
	type = ins_oid_type(oid);
	if (type == NULL)
		return oid;
	return strcmp(type, "NIA") == 0 ? "NIA" : "NIR";
}

static enum ins_cmp cmp_type(const struct ins_identity *local, const struct ins_identity *insi)
{
	char oa[sizeof local->oid], ob[sizeof insi->oid];
	char ma[sizeof local->matricule], mb[sizeof insi->matricule];
	const char *a, *b;

	canon_code(local->oid, oa, sizeof oa);
	canon_code(insi->oid, ob, sizeof ob);
	canon_code(local->matricule, ma, sizeof ma);
	canon_code(insi->matricule, mb, sizeof mb);
	a = matricule_kind(oa, ma, 1);
	b = matricule_kind(ob, mb, 0);
	if (a[0] == '\0' || b[0] == '\0')
		return INS_MISSING;
	/* With both OIDs given, a production NIR and a test NIR are not the same authority. */
	if (oa[0] != '\0' && ob[0] != '\0')
		return strcmp(oa, ob) == 0 ? INS_EQUAL : INS_DIFFERS;
	return strcmp(a, b) == 0 ? INS_EQUAL : INS_DIFFERS;
}

static enum ins_cmp cmp_dates(const char *a, const char *b)
{
	struct ymd da, db;
	char ca[32], cb[32];

	canon_code(a, ca, sizeof ca);
	canon_code(b, cb, sizeof cb);
	if (ca[0] != '\0' && cb[0] != '\0' && date_parse_iso(ca, &da) == DATE_OK &&
	    date_parse_iso(cb, &db) == DATE_OK)
		return da.y == db.y && da.m == db.m && da.d == db.d ? INS_EQUAL : INS_DIFFERS;
	return cmp_strings(ca, cb);
}

void ins_compare(const struct ins_identity *local, const struct ins_identity *insi,
		 enum ins_cmp out[INS_T_COUNT])
{
	char first[sizeof insi->first_name];

	/* INSi may leave TIQ/Prenom out: the first first name is then the head of ListePrenom. */
	if (insi->first_name[0] != '\0')
		memcpy(first, insi->first_name, sizeof first);
	else
		ins_first_of_list(insi->first_names, first, sizeof first);
	out[INS_T_MATRICULE] = cmp_codes(local->matricule, insi->matricule);
	out[INS_T_TYPE] = cmp_type(local, insi);
	out[INS_T_BIRTH_NAME] = cmp_names(local->birth_name, insi->birth_name, 0);
	out[INS_T_FIRST_NAME] = cmp_names(local->first_name, first, 1);
	out[INS_T_FIRST_NAMES] = cmp_names(local->first_names, insi->first_names, 1);
	out[INS_T_SEX] = cmp_codes(local->sex, insi->sex);
	out[INS_T_BIRTH_DATE] = cmp_dates(local->birth_date, insi->birth_date);
	out[INS_T_BIRTH_COG] = cmp_codes(local->birth_cog, insi->birth_cog);
}

int ins_auto_acceptable(const enum ins_cmp cmp[INS_T_COUNT], int key_ok)
{
	/* DOMAIN.md §1: "every trait matches exactly (matricule, NIR, birth name, first given
	 * name, birth date, sex)"; a matricule or birth place the dossier does not know yet is
	 * what INSi brings, so only a difference there blocks. */
	return key_ok && cmp[INS_T_BIRTH_NAME] == INS_EQUAL && cmp[INS_T_FIRST_NAME] == INS_EQUAL &&
	       cmp[INS_T_SEX] == INS_EQUAL && cmp[INS_T_BIRTH_DATE] == INS_EQUAL &&
	       cmp[INS_T_MATRICULE] != INS_DIFFERS && cmp[INS_T_TYPE] != INS_DIFFERS &&
	       cmp[INS_T_BIRTH_COG] != INS_DIFFERS;
}

/* ------------------------------------------------------------------ ID documents */

struct doc_entry {
	const char *code;
	const char *label;
};

/* Codes of the FR Core INS validation modes (research/ins.md §4), EX ours. */
static const struct doc_entry docs[INS_DOC_COUNT] = {
	[INS_DOC_NONE] = { "", "Aucune pièce d'identité" },
	[INS_DOC_CNI] = { "CN", "Carte nationale d'identité" },
	[INS_DOC_PASSEPORT] = { "PA", "Passeport" },
	[INS_DOC_TITRE_SEJOUR] = { "CS", "Titre de séjour" },
	[INS_DOC_LIVRET_FAMILLE] = { "LE", "Livret de famille + pièce d'un parent (mineur)" },
	[INS_DOC_ACTE_NAISSANCE] = { "AN", "Acte de naissance + pièce d'un parent (mineur)" },
	[INS_DOC_APPLI_VITALE] = { "AV", "Appli carte Vitale" },
	[INS_DOC_EXCEPTION] = { "EX", "Procédure d'exception (patient connu)" },
};

static int doc_ok(enum ins_doc d)
{
	return (int)d >= 0 && d < INS_DOC_COUNT;
}

const char *ins_doc_code(enum ins_doc d)
{
	return doc_ok(d) ? docs[d].code : "";
}

const char *ins_doc_label(enum ins_doc d)
{
	return doc_ok(d) ? docs[d].label : "Pièce d'identité inconnue";
}

enum ins_doc ins_doc_from_code(const char *code)
{
	char c[3];
	int i;

	if (code == NULL || strnlen(code, 3) != 2)
		return INS_DOC_NONE;
	c[0] = (char)(code[0] >= 'a' && code[0] <= 'z' ? code[0] - 32 : code[0]);
	c[1] = (char)(code[1] >= 'a' && code[1] <= 'z' ? code[1] - 32 : code[1]);
	c[2] = '\0';
	for (i = INS_DOC_NONE + 1; i < INS_DOC_COUNT; i++)
		if (strcmp(c, docs[i].code) == 0)
			return (enum ins_doc)i;
	return INS_DOC_NONE;
}
