/* vigie-sim: the documents of the simulated DMPs (CDA R2 N1/N3, PDF copies, XDS.b metadata). */
#include "sim/sim_dmp.h"

#include <ctype.h>
#include <iconv.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <hpdf.h>

#define HL7_NS "urn:hl7-org:v3"
#define XSI_NS "http://www.w3.org/2001/XMLSchema-instance"
#define LAB_NS "urn:oid:1.3.6.1.4.1.19376.1.3.2"
#define LOINC "2.16.840.1.113883.6.1"
#define OID_RPPS "1.2.250.1.71.4.2.1"
#define OID_STRUCT "1.2.250.1.71.4.2.2"
#define OID_R02 "1.2.250.1.71.4.2.4"
#define OID_J01 "1.2.250.1.213.1.1.4.5"
#define OID_INTERP "2.16.840.1.113883.5.83"
/* Fictitious arcs of the simulator: document ids and laboratory orders. */
#define DOC_ROOT "1.2.250.1.999.1.1"
#define ORDER_ROOT "1.2.250.1.999.1.3"

/* ---- who writes the documents (invented professionals and structures) -------------------- */

struct person {
	const char *national_id;   /* "8" + RPPS */
	const char *prefix;        /* civilité (JDV_J245) */
	const char *given, *family;
	const char *spec_code, *spec_label; /* JDV_J01 XdsAuthorSpecialty */
	const char *org_id, *org_name;
	const char *street, *postal, *city, *phone;
	const char *facility_code, *facility_label; /* TRE_R02 secteur: healthcareFacilityTypeCode */
	const char *title;         /* as printed on the letterhead */
};

/* The demo practitioner of Vigie (RPPS 89900000001, also in data/psc-sim-users.tsv). */
static const struct person gp = {
	"889900000001", "MME", "Jeanne", "MARTIN", "G15_10/SM54",
	"Médecin - Médecine générale (SM)", "399900000100017", "Cabinet médical du Dr Jeanne MARTIN",
	"18 rue Blatin", "63000", "Clermont-Ferrand", "+33473000101", "SA07", "Cabinet individuel",
	"Médecine générale",
};
static const struct person cardiologist = {
	"810100345676", "M", "Antoine", "BERTRAND", "G15_10/SM04",
	"Médecin - Cardiologie et maladies vasculaires (SM)", "399900000200014",
	"Cabinet de cardiologie Jaude", "3 avenue Julien", "63000", "Clermont-Ferrand",
	"+33473000202", "SA07", "Cabinet individuel", "Cardiologie et maladies vasculaires",
};
static const struct person biologist = {
	"810100789121", "MME", "Hélène", "ROUSSEL", "G15_10/SM03",
	"Médecin - Biologie médicale (SM)", "1630999991",
	"Laboratoire de biologie médicale des Dômes", "12 place de Jaude", "63000",
	"Clermont-Ferrand", "+33473000303", "SA25", "Laboratoire de biologie médicale",
	"Biologie médicale",
};

/* ---- document kinds ------------------------------------------------------------------- */

enum body_kind { BODY_N1, BODY_BIO, BODY_VACC };

struct doc_ctx;
struct pdf;
typedef void (*pdf_text_fn)(struct pdf *, const struct doc_ctx *);

struct doc_kind {
	const char *name;          /* as written in the table */
	const char *type_code, *type_system, *type_label;     /* JDV_J07 */
	const char *class_code, *class_label;                 /* JDV_J57 */
	const char *format_code, *format_system;              /* ASS_A11 / ASS_A12 */
	const char *title;
	const struct person *author;
	enum body_kind body;
	int invisible_patient;     /* confidentialityCode INVISIBLE_PATIENT in the metadata */
	pdf_text_fn pdf;           /* NULL: no PDF */
	int creation_delay;        /* minutes from the act to the document */
};

static void pdf_bio(struct pdf *, const struct doc_ctx *);
static void pdf_consult(struct pdf *, const struct doc_ctx *);
static void pdf_referral(struct pdf *, const struct doc_ctx *);
static void pdf_summary(struct pdf *, const struct doc_ctx *);

#define CLASS_SCHEME "1.2.250.1.213.1.1.4.1"
#define FORMAT_IHE "1.3.6.1.4.1.19376.1.2.3"
#define TRE_A05 "1.2.250.1.213.1.1.4.12"

static const struct doc_kind kinds[] = {
	{ "bio", "11502-2", LOINC, "CR d'examens biologiques", "10", "Compte rendu",
	  "urn:ihe:lab:xd-lab:2008", FORMAT_IHE, "Compte rendu d'examens biologiques", &biologist,
	  BODY_BIO, 0, pdf_bio, 200 },
	{ "consult", "11488-4", LOINC, "CR ou fiche de consultation ou de visite", "10",
	  "Compte rendu", "urn:ihe:iti:xds-sd:pdf:2008", FORMAT_IHE,
	  "Compte rendu de consultation de cardiologie", &cardiologist, BODY_N1, 0, pdf_consult, 45 },
	{ "adressage", "96349-6", LOINC, "Lettre d'adressage", "10", "Compte rendu",
	  "urn:ihe:iti:xds-sd:pdf:2008", FORMAT_IHE, "Lettre d'adressage en cardiologie", &gp,
	  BODY_N1, 1, pdf_referral, 20 },
	{ "vacc", "87273-9", LOINC, "Note de vaccination", "52", "Certificat, déclaration",
	  "urn:asip:ci-sis:vac-note:2021", "1.2.250.1.213.1.1.4.2.282", "Note de vaccination", &gp,
	  BODY_VACC, 0, NULL, 10 },
	{ "synthese", "SYNTH", TRE_A05, "Synthèse", "11", "Synthèse",
	  "urn:ihe:iti:xds-sd:pdf:2008", FORMAT_IHE, "Synthèse médicale", &gp, BODY_N1, 0,
	  pdf_summary, 30 },
};
#define N_KINDS (sizeof kinds / sizeof kinds[0])

struct doc_ctx {
	const struct sim_dmp_patient *p;
	const struct sim_dmp_doc *d;
	const struct doc_kind *k;
};

/* ---- small helpers ---------------------------------------------------------------------- */

int sim_dmp_sha1_hex(const void *data, size_t len, char hex[41])
{
	unsigned char md[20];

	if (gnutls_hash_fast(GNUTLS_DIG_SHA1, data, len, md) < 0)
		return -1;
	for (int i = 0; i < 20; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* A name-based UUID (version 5 layout over SHA-1): stable from one run to the next. */
static void uuid_of(const char *name, char out[48])
{
	unsigned char md[20];

	if (gnutls_hash_fast(GNUTLS_DIG_SHA1, name, strlen(name), md) < 0)
		memset(md, 0, sizeof md);
	md[6] = (unsigned char)((md[6] & 0x0f) | 0x50);
	md[8] = (unsigned char)((md[8] & 0x3f) | 0x80);
	snprintf(out, 48, "urn:uuid:%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
		 "%02x%02x%02x%02x%02x%02x", md[0], md[1], md[2], md[3], md[4], md[5], md[6],
		 md[7], md[8], md[9], md[10], md[11], md[12], md[13], md[14], md[15]);
}

/* "AAAAMMJJhhmm[ss]" plus minutes, as "AAAAMMJJhhmmss" (UTC). -1 when not a valid time. */
static int time_add(const char *ts, long minutes, char out[15])
{
	struct tm tm;
	time_t t;
	int y, mo, d, h, mi, s = 0;

	if (sscanf(ts, "%4d%2d%2d%2d%2d", &y, &mo, &d, &h, &mi) != 5)
		return -1;
	if (strlen(ts) >= 14)
		sscanf(ts + 12, "%2d", &s);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mon != mo - 1 || tm.tm_mday != d)
		return -1;
	t += minutes * 60;
	gmtime_r(&t, &tm);
	strftime(out, 15, "%Y%m%d%H%M%S", &tm);
	return 0;
}

/* "AAAAMMJJ..." -> "JJ/MM/AAAA"; "hh:mm" from the same stamp. */
static void fr_date(const char *ts, char out[11])
{
	snprintf(out, 11, "%.2s/%.2s/%.4s", ts + 6, ts + 4, ts);
}

static void fr_time(const char *ts, char out[6])
{
	snprintf(out, 6, "%.2s:%.2s", ts + 8, ts + 10);
}

/* "AAAA-MM-JJ" -> "AAAAMMJJ" */
static void compact_date(const char *iso, char out[9])
{
	snprintf(out, 9, "%.4s%.2s%.2s", iso, iso + 5, iso + 8);
}

static int age_at(const char *birth_iso, const char *ts)
{
	int by, bm, bd, y, m, d, age;

	if (sscanf(birth_iso, "%4d-%2d-%2d", &by, &bm, &bd) != 3 ||
	    sscanf(ts, "%4d%2d%2d", &y, &m, &d) != 3)
		return 0;
	age = y - by;
	if (m < bm || (m == bm && d < bd))
		age--;
	return age;
}

static const char *gendered(const struct sim_dmp_patient *p, const char *m, const char *f)
{
	return p->sex[0] == 'F' ? f : m;
}

/* First of the birth first names. */
static void first_given(const struct sim_dmp_patient *p, char out[101])
{
	snprintf(out, 101, "%.*s", (int)strcspn(p->first_names, " "), p->first_names);
}

/* "Mme Chloé LEFÈVRE" */
static void patient_label(const struct sim_dmp_patient *p, char *out, size_t size)
{
	char given[101];

	first_given(p, given);
	snprintf(out, size, "%s %s %s", gendered(p, "M.", "Mme"), given, p->birth_name);
}

/* ---- document list of a patient (table column) ----------------------------------------- */

static int kind_index(const char *name, size_t len)
{
	for (size_t i = 0; i < N_KINDS; i++)
		if (strlen(kinds[i].name) == len && !strncmp(kinds[i].name, name, len))
			return (int)i;
	return -1;
}

static int all_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return s[n] == 0;
}

/* One "KIND[:VERSION]@AAAAMMJJhhmm" item. */
static int parse_item(const char *item, struct sim_dmp_doc *d, char *err, size_t errsize)
{
	const char *at = strchr(item, '@'), *colon = strchr(item, ':');
	size_t name_len;
	char stamp[16];

	memset(d, 0, sizeof *d);
	d->version = 1;
	if (!at || (colon && colon > at)) {
		snprintf(err, errsize, "document « %s » : TYPE[:VERSION]@AAAAMMJJhhmm attendu", item);
		return -1;
	}
	name_len = (size_t)((colon ? colon : at) - item);
	d->kind = kind_index(item, name_len);
	if (d->kind < 0) {
		snprintf(err, errsize, "type de document inconnu « %.*s » (bio, consult, adressage, "
			 "vacc, synthese)", (int)name_len, item);
		return -1;
	}
	if (colon) {
		d->version = atoi(colon + 1);
		if (d->version < 1 || d->version > 9 || colon + 2 != at) {
			snprintf(err, errsize, "document « %s » : version de 1 à 9 attendue", item);
			return -1;
		}
	}
	snprintf(stamp, sizeof stamp, "%s", at + 1);
	if (strlen(at + 1) != 12 || !all_digits(stamp, 12) ||
	    time_add(stamp, 0, d->service_time) < 0) {
		snprintf(err, errsize, "document « %s » : date AAAAMMJJhhmm invalide", item);
		return -1;
	}
	return 0;
}

/* A version is Deprecated when the same kind has a later version for this patient. */
static void mark_replaced(struct sim_dmp_patient *p)
{
	for (int i = 0; i < p->n_docs; i++)
		for (int j = 0; j < p->n_docs; j++)
			if (p->docs[j].kind == p->docs[i].kind &&
			    p->docs[j].version > p->docs[i].version)
				p->docs[i].deprecated = 1;
}

static int check_versions(const struct sim_dmp_patient *p, char *err, size_t errsize)
{
	for (int i = 0; i < p->n_docs; i++)
		for (int j = i + 1; j < p->n_docs; j++)
			if (p->docs[j].kind == p->docs[i].kind &&
			    p->docs[j].version == p->docs[i].version) {
				snprintf(err, errsize, "document %s version %d en double",
					 kinds[p->docs[i].kind].name, p->docs[i].version);
				return -1;
			}
	return 0;
}

static void doc_ids(const struct sim_dmp_patient *p, struct sim_dmp_doc *d)
{
	const struct doc_kind *k = &kinds[d->kind];
	char name[160], ins[16];

	memcpy(ins, p->ins, sizeof ins); /* d lies inside p: no overlapping snprintf */
	time_add(d->service_time, k->creation_delay, d->creation_time);
	time_add(d->creation_time, 60, d->submission_time);
	snprintf(d->unique_id, sizeof d->unique_id, "%s^%s.%d.%d", DOC_ROOT, ins, d->kind + 1,
		 d->version);
	snprintf(name, sizeof name, "vigie-sim:entry:%s", d->unique_id);
	uuid_of(name, d->entry_uuid);
}

int sim_dmp_docs_parse(const char *spec, struct sim_dmp_patient *p, char *err, size_t errsize)
{
	char buf[1024], *save = NULL;

	p->n_docs = 0;
	if (!strcmp(spec, "-") || !spec[0])
		return 0;
	if (strlen(spec) >= sizeof buf) {
		snprintf(err, errsize, "liste de documents trop longue");
		return -1;
	}
	strcpy(buf, spec);
	for (char *it = strtok_r(buf, ";", &save); it; it = strtok_r(NULL, ";", &save)) {
		if (p->n_docs == SIM_DMP_DOCS_MAX) {
			snprintf(err, errsize, "plus de %d documents", SIM_DMP_DOCS_MAX);
			return -1;
		}
		if (parse_item(it, &p->docs[p->n_docs], err, errsize))
			return -1;
		doc_ids(p, &p->docs[p->n_docs]);
		p->n_docs++;
	}
	if (check_versions(p, err, errsize))
		return -1;
	mark_replaced(p);
	return 0;
}

/* ---- PDF copies (libharu) ---------------------------------------------------------------- */

struct pdf {
	HPDF_Doc doc;
	HPDF_Page page;
	HPDF_Font regular, bold;
	iconv_t cd;                /* UTF-8 -> WinAnsi (CP1252) for the base-14 fonts */
	float y;
	int failed;
};

#define PDF_LEFT 56.0f
#define PDF_WIDTH 483.0f
#define PDF_TOP 790.0f
#define PDF_BOTTOM 60.0f

static void pdf_on_error(HPDF_STATUS error_no, HPDF_STATUS detail_no, void *user)
{
	struct pdf *p = user;

	(void)error_no;
	(void)detail_no;
	p->failed = 1;
}

/* The text in CP1252 (what WinAnsiEncoding expects); characters outside it are approximated. */
static void to_winansi(struct pdf *p, const char *utf8, char *out, size_t size)
{
	char *in = (char *)utf8, *o = out;
	size_t inleft = strlen(utf8), outleft = size - 1;

	iconv(p->cd, NULL, NULL, NULL, NULL);
	if (iconv(p->cd, &in, &inleft, &o, &outleft) == (size_t)-1)
		p->failed = p->failed || inleft > 0;
	*o = 0;
}

static void pdf_new_page(struct pdf *p)
{
	p->page = HPDF_AddPage(p->doc);
	HPDF_Page_SetSize(p->page, HPDF_PAGE_SIZE_A4, HPDF_PAGE_PORTRAIT);
	p->y = PDF_TOP;
}

static void pdf_at(struct pdf *p, int bold, float size, float x, const char *utf8)
{
	char text[1024];

	to_winansi(p, utf8, text, sizeof text);
	HPDF_Page_BeginText(p->page);
	HPDF_Page_SetFontAndSize(p->page, bold ? p->bold : p->regular, size);
	HPDF_Page_TextOut(p->page, x, p->y, text);
	HPDF_Page_EndText(p->page);
}

static void pdf_advance(struct pdf *p, float dy)
{
	p->y -= dy;
	if (p->y < PDF_BOTTOM)
		pdf_new_page(p);
}

static void pdf_line(struct pdf *p, int bold, float size, const char *utf8)
{
	pdf_at(p, bold, size, PDF_LEFT, utf8);
	pdf_advance(p, size * 1.45f);
}

static void pdf_skip(struct pdf *p)
{
	pdf_advance(p, 8.0f);
}

/* A paragraph wrapped to the page width. */
static void pdf_para(struct pdf *p, const char *utf8)
{
	char text[4096], line[1024];
	const char *s = text;

	to_winansi(p, utf8, text, sizeof text);
	HPDF_Page_SetFontAndSize(p->page, p->regular, 10.5f);
	while (*s) {
		HPDF_REAL used = 0;
		HPDF_UINT n = HPDF_Page_MeasureText(p->page, s, PDF_WIDTH, HPDF_TRUE, &used);
		if (n == 0)
			n = (HPDF_UINT)strcspn(s, " ") + 1; /* one word wider than the page */
		snprintf(line, sizeof line, "%.*s", (int)n, s);
		HPDF_Page_BeginText(p->page);
		HPDF_Page_SetFontAndSize(p->page, p->regular, 10.5f);
		HPDF_Page_TextOut(p->page, PDF_LEFT, p->y, line);
		HPDF_Page_EndText(p->page);
		pdf_advance(p, 15.0f);
		s += n;
		while (*s == ' ')
			s++;
	}
	pdf_skip(p);
}

static void pdf_fmt(struct pdf *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void pdf_fmt(struct pdf *p, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	pdf_para(p, buf);
}

static void pdf_letterhead(struct pdf *p, const struct person *a)
{
	char line[300];

	snprintf(line, sizeof line, "%s %s %s", strcmp(a->prefix, "MME") ? "Docteur" : "Docteure",
		 a->given, a->family);
	pdf_line(p, 1, 13.0f, line);
	pdf_line(p, 0, 10.0f, a->title);
	snprintf(line, sizeof line, "%s — %s, %s %s", a->org_name, a->street, a->postal, a->city);
	pdf_line(p, 0, 9.0f, line);
	snprintf(line, sizeof line, "RPPS %s", a->national_id + 1);
	pdf_line(p, 0, 9.0f, line);
	pdf_skip(p);
}

/* "Mme Chloé LEFÈVRE (nom d'usage MARTIN), née le 12/04/1988 — INS 288046311341243" */
static void pdf_patient_line(struct pdf *p, const struct sim_dmp_patient *pt)
{
	char who[300], birth[11], line[600], used[140] = "";

	patient_label(pt, who, sizeof who);
	snprintf(birth, sizeof birth, "%.2s/%.2s/%.4s", pt->birth_date + 8, pt->birth_date + 5,
		 pt->birth_date);
	if (pt->used_name[0])
		snprintf(used, sizeof used, " (nom d'usage %s)", pt->used_name);
	snprintf(line, sizeof line, "Patient%s : %s%s, %s le %s — INS %s", gendered(pt, "", "e"),
		 who, used, gendered(pt, "né", "née"), birth, pt->ins);
	pdf_para(p, line);
}

static int pdf_begin(struct pdf *p, const struct doc_ctx *c)
{
	char title[300], author[300], author_w[300];
	HPDF_Date date = { 0 };
	const char *ts = c->d->creation_time;

	memset(p, 0, sizeof *p);
	p->cd = iconv_open("WINDOWS-1252//TRANSLIT", "UTF-8");
	if (p->cd == (iconv_t)-1)
		return -1;
	p->doc = HPDF_New(pdf_on_error, p);
	if (!p->doc) {
		iconv_close(p->cd);
		return -1;
	}
	HPDF_SetCompressionMode(p->doc, HPDF_COMP_ALL);
	p->regular = HPDF_GetFont(p->doc, "Helvetica", "WinAnsiEncoding");
	p->bold = HPDF_GetFont(p->doc, "Helvetica-Bold", "WinAnsiEncoding");
	to_winansi(p, c->k->title, title, sizeof title);
	snprintf(author, sizeof author, "%s %s", c->k->author->given, c->k->author->family);
	to_winansi(p, author, author_w, sizeof author_w);
	HPDF_SetInfoAttr(p->doc, HPDF_INFO_TITLE, title);
	HPDF_SetInfoAttr(p->doc, HPDF_INFO_AUTHOR, author_w);
	HPDF_SetInfoAttr(p->doc, HPDF_INFO_CREATOR, "vigie-sim");
	/* A fixed date (the document's), never the clock: the bytes must not change. */
	sscanf(ts, "%4d%2d%2d%2d%2d%2d", &date.year, &date.month, &date.day, &date.hour,
	       &date.minutes, &date.seconds);
	date.ind = 'Z';
	HPDF_SetInfoDateAttr(p->doc, HPDF_INFO_CREATION_DATE, date);
	pdf_new_page(p);
	return p->failed ? -1 : 0;
}

static int pdf_end(struct pdf *p, unsigned char **out, size_t *len)
{
	HPDF_UINT32 size = 0, n = 0;
	unsigned char *buf = NULL;
	int ok = 0;

	*out = NULL;
	if (!p->failed && HPDF_SaveToStream(p->doc) == HPDF_OK && !p->failed)
		size = HPDF_GetStreamSize(p->doc);
	if (size > 0 && (buf = malloc(size))) {
		n = size;
		/* Reading to the end may report HPDF_STREAM_EOF through the handler: only the
		 * byte count tells whether all was read. */
		HPDF_ReadFromStream(p->doc, buf, &n);
		ok = n == size;
	}
	HPDF_Free(p->doc);
	iconv_close(p->cd);
	if (!ok) {
		free(buf);
		return -1;
	}
	*out = buf;
	*len = size;
	return 0;
}

/* ---- laboratory results (the CR-BIO body and its PDF copy) -------------------------------- */

struct result {
	const char *id;            /* narrative anchor */
	const char *loinc, *loinc_label;
	const char *label;         /* as the laboratory prints it */
	const char *value, *unit;  /* CDA: decimal point, UCUM unit */
	const char *unit_shown;
	const char *low, *high, *low_m, *high_m; /* reference range (women / men) */
	const char *interp;        /* N, H, L */
	const char *previous;      /* an earlier value (antériorité), NULL none */
};

struct chapter {
	const char *code, *label, *title;
	const char *battery_code, *battery_label; /* NULL: results directly under the act */
	const struct result *results;
	size_t n;
};

static const struct result hematology[] = {
	{ "res-hb", "718-7", "Hémoglobine [Masse/Volume] Sang ; Numérique", "Hémoglobine",
	  "10.9", "g/dL", "g/dL", "12.0", "16.0", "13.0", "17.0", "L", NULL },
	{ "res-gb", "6690-2", "Leucocytes [Nombre/Volume] Sang ; Numérique", "Leucocytes",
	  "6.8", "10*9/L", "G/L", "4.0", "10.0", NULL, NULL, "N", NULL },
	{ "res-plq", "777-3", "Plaquettes [Nombre/Volume] Sang ; Numérique", "Plaquettes",
	  "245", "10*9/L", "G/L", "150", "400", NULL, NULL, "N", NULL },
};

static const struct result chemistry[] = {
	{ "res-glu-g", "53049-3", "Glucose à jeun [Masse/Volume] Sérum/Plasma ; Numérique",
	  "Glycémie à jeun", "1.32", "g/L", "g/L", "0.70", "1.10", NULL, NULL, "H", "1.18" },
	{ "res-glu-m", "40193-5", "Glucose à jeun [Moles/Volume] Sérum/Plasma ; Numérique",
	  "Glycémie à jeun", "7.33", "mmol/L", "mmol/L", "3.89", "6.11", NULL, NULL, "H", NULL },
	{ "res-creat", "14682-9", "Créatinine [Moles/Volume] Sérum/Plasma ; Numérique",
	  "Créatinine", "69", "umol/L", "µmol/L", "45", "90", "59", "104", "N", NULL },
	{ "res-k", "2823-3", "Potassium [Moles/Volume] Sérum/Plasma ; Numérique", "Potassium",
	  "4.1", "mmol/L", "mmol/L", "3.5", "5.0", NULL, NULL, "N", NULL },
};

static const struct chapter chapters[] = {
	{ "18723-7", "Hématologie", "HÉMATOLOGIE", "58410-2", "Numération formule sanguine",
	  hematology, sizeof hematology / sizeof hematology[0] },
	{ "18719-5", "Biochimie", "BIOCHIMIE", NULL, NULL, chemistry,
	  sizeof chemistry / sizeof chemistry[0] },
};
#define N_CHAPTERS (sizeof chapters / sizeof chapters[0])

static const char *range_low(const struct result *r, const struct sim_dmp_patient *p)
{
	return p->sex[0] == 'M' && r->low_m ? r->low_m : r->low;
}

static const char *range_high(const struct result *r, const struct sim_dmp_patient *p)
{
	return p->sex[0] == 'M' && r->high_m ? r->high_m : r->high;
}

static const char *interp_label(const char *code)
{
	return !strcmp(code, "H") ? "Haut" : !strcmp(code, "L") ? "Bas" : "Normal";
}

/* "10.9" -> "10,9": French display of a decimal. */
static void fr_decimal(const char *v, char out[24])
{
	snprintf(out, 24, "%s", v);
	for (char *s = out; *s; s++)
		if (*s == '.')
			*s = ',';
}

/* Earlier results are from about six months before the sampling. */
static void previous_time(const struct sim_dmp_doc *d, char out[15])
{
	time_add(d->service_time, -190L * 24 * 60, out);
}

static void pdf_result_row(struct pdf *p, const struct sim_dmp_patient *pt,
			   const struct result *r)
{
	char v[24], lo[24], hi[24], cell[96];
	int abnormal = strcmp(r->interp, "N") != 0;

	fr_decimal(r->value, v);
	fr_decimal(range_low(r, pt), lo);
	fr_decimal(range_high(r, pt), hi);
	pdf_at(p, 0, 10.0f, PDF_LEFT + 10, r->label);
	snprintf(cell, sizeof cell, "%s %s", v, r->unit_shown);
	pdf_at(p, abnormal, 10.0f, PDF_LEFT + 170, cell);
	snprintf(cell, sizeof cell, "(%s - %s)", lo, hi);
	pdf_at(p, 0, 10.0f, PDF_LEFT + 290, cell);
	if (abnormal)
		pdf_at(p, 1, 10.0f, PDF_LEFT + 400, interp_label(r->interp));
	pdf_advance(p, 14.0f);
}

static void pdf_bio(struct pdf *p, const struct doc_ctx *c)
{
	char date[11], hour[6], vdate[11], vhour[6], prev[15], pdate[11];

	fr_date(c->d->service_time, date);
	fr_time(c->d->service_time, hour);
	fr_date(c->d->creation_time, vdate);
	fr_time(c->d->creation_time, vhour);
	pdf_line(p, 1, 13.0f, biologist.org_name);
	pdf_line(p, 0, 9.0f, "12 place de Jaude, 63000 Clermont-Ferrand — laboratoire fictif du "
		 "simulateur Vigie");
	pdf_skip(p);
	pdf_line(p, 1, 12.0f, "COMPTE RENDU D'EXAMENS BIOLOGIQUES");
	pdf_patient_line(p, c->p);
	pdf_fmt(p, "Prescripteur : Dr %s %s. Prélèvement du %s à %s.", gp.given, gp.family, date,
		hour);
	for (size_t i = 0; i < N_CHAPTERS; i++) {
		pdf_line(p, 1, 11.0f, chapters[i].title);
		for (size_t j = 0; j < chapters[i].n; j++)
			pdf_result_row(p, c->p, &chapters[i].results[j]);
		pdf_skip(p);
	}
	previous_time(c->d, prev);
	fr_date(prev, pdate);
	pdf_fmt(p, "Antériorité : glycémie à jeun 1,18 g/L le %s.", pdate);
	pdf_fmt(p, "Résultats validés par Dr %s %s, biologiste médicale, le %s à %s.",
		biologist.given, biologist.family, vdate, vhour);
}

static void pdf_consult(struct pdf *p, const struct doc_ctx *c)
{
	char date[11], who[300];

	fr_date(c->d->service_time, date);
	patient_label(c->p, who, sizeof who);
	pdf_letterhead(p, &cardiologist);
	pdf_fmt(p, "Clermont-Ferrand, le %s", date);
	pdf_line(p, 1, 12.0f, "COMPTE RENDU DE CONSULTATION DE CARDIOLOGIE");
	pdf_patient_line(p, c->p);
	pdf_para(p, "Chère consœur,");
	pdf_fmt(p, "J'ai vu en consultation le %s %s, %d ans, que vous m'avez %s pour des "
		"palpitations à l'effort.", date, who, age_at(c->p->birth_date, c->d->service_time),
		gendered(c->p, "adressé", "adressée"));
	pdf_para(p, "Examen : pression artérielle 118/72 mmHg, fréquence cardiaque 76/min "
		 "régulière, auscultation cardiaque normale, pas de souffle.");
	pdf_para(p, "ECG : rythme sinusal, PR 160 ms, QRS fins, pas de trouble de la "
		 "repolarisation. Holter ECG des 24 heures : extrasystoles auriculaires isolées "
		 "(moins de 1 %), aucun trouble du rythme soutenu. Échocardiographie : FEVG 62 %, "
		 "cavités non dilatées, valves fines.");
	pdf_para(p, "Conclusion : palpitations bénignes sur extrasystolie auriculaire. Pas de "
		 "traitement. Réduction du café conseillée ; je reverrai si récidive.");
	pdf_para(p, "Bien confraternellement.");
	pdf_line(p, 0, 10.5f, "Dr Antoine BERTRAND");
}

static void pdf_referral(struct pdf *p, const struct doc_ctx *c)
{
	char date[11], who[300], birth[11];

	fr_date(c->d->service_time, date);
	patient_label(c->p, who, sizeof who);
	snprintf(birth, sizeof birth, "%.2s/%.2s/%.4s", c->p->birth_date + 8,
		 c->p->birth_date + 5, c->p->birth_date);
	pdf_letterhead(p, &gp);
	pdf_fmt(p, "Clermont-Ferrand, le %s", date);
	pdf_line(p, 1, 12.0f, "LETTRE D'ADRESSAGE");
	pdf_para(p, "Dr Antoine BERTRAND, cardiologue, Cabinet de cardiologie Jaude");
	pdf_para(p, "Cher confrère,");
	pdf_fmt(p, "Je vous adresse %s, %s le %s, pour avis cardiologique : palpitations à "
		"l'effort depuis trois mois, sans malaise ni douleur thoracique. Allergie à la "
		"pénicilline. Pas de traitement en cours.", who, gendered(c->p, "né", "née"), birth);
	pdf_para(p, "Document non visible par le patient : un oncle paternel est suivi pour une "
		 "cardiomyopathie hypertrophique ; ce point n'a pas encore été abordé avec la "
		 "famille, je vous remercie de m'en parler avant de l'évoquer.");
	pdf_para(p, "Merci de votre avis. Bien confraternellement.");
	pdf_line(p, 0, 10.5f, "Dr Jeanne MARTIN");
}

static void pdf_summary(struct pdf *p, const struct doc_ctx *c)
{
	char date[11];

	fr_date(c->d->service_time, date);
	pdf_letterhead(p, &gp);
	pdf_line(p, 1, 12.0f, c->d->version > 1 ? "SYNTHÈSE MÉDICALE (MISE À JOUR)"
						: "SYNTHÈSE MÉDICALE");
	pdf_patient_line(p, c->p);
	pdf_fmt(p, "Établie le %s par le Dr Jeanne MARTIN, %s.", date,
		c->d->version > 1 ? "en remplacement de la version précédente"
				  : "médecin traitant");
	pdf_para(p, "Antécédents : appendicectomie (2001). Allergie : pénicilline (urticaire).");
	pdf_para(p, "Traitements au long cours : aucun.");
	pdf_para(p, "Facteurs de risque : pas de tabac, activité physique régulière.");
	if (c->d->version > 1)
		pdf_para(p, "Mise à jour : bilan lipidique normal ; vaccinations à jour. Points de "
			 "vigilance : allergie à la pénicilline.");
	else
		pdf_para(p, "Points de vigilance : allergie à la pénicilline.");
}

static int build_pdf(const struct doc_ctx *c, unsigned char **pdf, size_t *len)
{
	struct pdf p;

	*pdf = NULL;
	*len = 0;
	if (!c->k->pdf)
		return 0;
	if (pdf_begin(&p, c) < 0)
		return -1;
	c->k->pdf(&p, c);
	return pdf_end(&p, pdf, len);
}

/* ---- XML writing with a sticky error ------------------------------------------------------ */

static void empty(struct sim_xw *c, const char *name, ...)
{
	va_list ap;
	const char *a;

	sim_xw_open(c, name);
	va_start(ap, name);
	while ((a = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);
		sim_xw_attr(c, a, v);
	}
	va_end(ap);
	sim_xw_close(c);
}

/* Attributes on the element just opened (same pairs as empty()). */
static void attrs(struct sim_xw *c, ...)
{
	va_list ap;
	const char *a;

	va_start(ap, c);
	while ((a = va_arg(ap, const char *))) {
		const char *v = va_arg(ap, const char *);
		sim_xw_attr(c, a, v);
	}
	va_end(ap);
}

/* CDA TS with the UTC offset. */
static void ts_el(struct sim_xw *c, const char *name, const char *ts)
{
	char v[24];

	snprintf(v, sizeof v, "%s+0000", ts);
	empty(c, name, "value", v, NULL);
}

static void template_id(struct sim_xw *c, const char *root)
{
	empty(c, "templateId", "root", root, NULL);
}

static void loinc(struct sim_xw *c, const char *name, const char *code, const char *label)
{
	empty(c, name, "code", code, "displayName", label, "codeSystem", LOINC,
	      "codeSystemName", "LOINC", NULL);
}

/* The PDF as base64, in lines of 76 characters as mail and most CDA producers write it. */
static void base64_text(struct sim_xw *c, const unsigned char *data, size_t len)
{
	gnutls_datum_t in = { (unsigned char *)data, (unsigned)len }, out = { NULL, 0 };
	char line[80];

	if (c->err || gnutls_base64_encode2(&in, &out) < 0) {
		c->err = 1;
		return;
	}
	for (size_t i = 0; i < out.size; i += 76) {
		size_t n = out.size - i < 76 ? out.size - i : 76;
		snprintf(line, sizeof line, "\n%.*s", (int)n, (const char *)out.data + i);
		sim_xw_text(c, line);
	}
	sim_xw_text(c, "\n");
	gnutls_free(out.data);
}

/* ---- CDA header ------------------------------------------------------------------------- */

static void addr(struct sim_xw *c, const struct person *a)
{
	sim_xw_open(c, "addr");
	sim_xw_leaf(c, "streetAddressLine", a->street);
	sim_xw_leaf(c, "postalCode", a->postal);
	sim_xw_leaf(c, "city", a->city);
	sim_xw_close(c);
}

static void telecom(struct sim_xw *c, const struct person *a)
{
	char v[40];

	snprintf(v, sizeof v, "tel:%s", a->phone);
	empty(c, "telecom", "value", v, "use", "WP", NULL);
}

static void person_name(struct sim_xw *c, const struct person *a)
{
	sim_xw_open(c, "name");
	sim_xw_leaf(c, "prefix", a->prefix);
	sim_xw_leaf(c, "given", a->given);
	sim_xw_leaf(c, "family", a->family);
	sim_xw_leaf(c, "suffix", "DR");
	sim_xw_close(c);
}

static void organization(struct sim_xw *c, const char *name, const struct person *a, int setting)
{
	sim_xw_open(c, name);
	empty(c, "id", "root", OID_STRUCT, "extension", a->org_id, NULL);
	sim_xw_leaf(c, "name", a->org_name);
	telecom(c, a);
	addr(c, a);
	if (setting)
		empty(c, "standardIndustryClassCode", "code", "AMBULATOIRE", "displayName",
		      "Ambulatoire", "codeSystem", "1.2.250.1.213.1.1.4.9", NULL);
	sim_xw_close(c);
}

/* assignedAuthor / assignedEntity content: id, profession, contact, person, organisation. */
static void assigned(struct sim_xw *c, const char *name, const struct person *a, int setting)
{
	sim_xw_open(c, name);
	empty(c, "id", "root", OID_RPPS, "extension", a->national_id, NULL);
	empty(c, "code", "code", a->spec_code, "displayName", a->spec_label, "codeSystem", OID_J01,
	      NULL);
	addr(c, a);
	telecom(c, a);
	sim_xw_open(c, "assignedPerson");
	person_name(c, a);
	sim_xw_close(c);
	organization(c, "representedOrganization", a, setting);
	sim_xw_close(c);
}

static void patient_names(struct sim_xw *c, const struct sim_dmp_patient *p)
{
	char given[101];

	first_given(p, given);
	sim_xw_open(c, "name");
	sim_xw_open(c, "family");
	sim_xw_attr(c, "qualifier", "BR");
	sim_xw_text(c, p->birth_name);
	sim_xw_close(c);
	sim_xw_leaf(c, "given", p->first_names);
	sim_xw_open(c, "given");
	sim_xw_attr(c, "qualifier", "BR");
	sim_xw_text(c, given);
	sim_xw_close(c);
	if (p->used_name[0]) {
		sim_xw_open(c, "family");
		sim_xw_attr(c, "qualifier", "CL");
		sim_xw_text(c, p->used_name);
		sim_xw_close(c);
	}
	sim_xw_close(c);
}

static void record_target(struct sim_xw *c, const struct sim_dmp_patient *p)
{
	char birth[9], mail[64];

	compact_date(p->birth_date, birth);
	snprintf(mail, sizeof mail, "mailto:%s@patient.mssante.fr", p->ins);
	sim_xw_open(c, "recordTarget");
	sim_xw_open(c, "patientRole");
	empty(c, "id", "root", p->oid, "extension", p->ins, NULL);
	empty(c, "telecom", "value", mail, NULL);
	sim_xw_open(c, "patient");
	sim_xw_attr(c, "classCode", "PSN");
	patient_names(c, p);
	empty(c, "administrativeGenderCode", "code", p->sex, "displayName",
	      gendered(p, "Masculin", "Féminin"), "codeSystem", "2.16.840.1.113883.5.1", NULL);
	empty(c, "birthTime", "value", birth, NULL);
	sim_xw_open(c, "birthplace");
	sim_xw_open(c, "place");
	sim_xw_open(c, "addr");
	sim_xw_leaf(c, "county", p->cog);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
}

static void author_block(struct sim_xw *c, const struct doc_ctx *x)
{
	sim_xw_open(c, "author");
	ts_el(c, "time", x->d->creation_time);
	assigned(c, "assignedAuthor", x->k->author, 0);
	sim_xw_close(c);
}

static void custodian(struct sim_xw *c, const struct person *a)
{
	sim_xw_open(c, "custodian");
	sim_xw_open(c, "assignedCustodian");
	sim_xw_open(c, "representedCustodianOrganization");
	empty(c, "id", "root", OID_STRUCT, "extension", a->org_id, NULL);
	sim_xw_leaf(c, "name", a->org_name);
	telecom(c, a);
	addr(c, a);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
}

static void legal_authenticator(struct sim_xw *c, const struct doc_ctx *x)
{
	sim_xw_open(c, "legalAuthenticator");
	ts_el(c, "time", x->d->creation_time);
	empty(c, "signatureCode", "code", "S", NULL);
	assigned(c, "assignedEntity", x->k->author, 1);
	sim_xw_close(c);
}

/* CR-BIO: the prescriber, and the order the laboratory received. */
static void bio_order(struct sim_xw *c, const struct doc_ctx *x)
{
	char ext[40];

	sim_xw_open(c, "participant");
	sim_xw_attr(c, "typeCode", "REF");
	template_id(c, "1.3.6.1.4.1.19376.1.3.3.1.6");
	sim_xw_open(c, "time");
	sim_xw_attr(c, "xsi:type", "IVL_TS");
	empty(c, "high", "value", x->d->service_time, NULL);
	sim_xw_close(c);
	sim_xw_open(c, "associatedEntity");
	sim_xw_attr(c, "classCode", "PROV");
	empty(c, "id", "root", OID_RPPS, "extension", gp.national_id, NULL);
	empty(c, "code", "code", gp.spec_code, "displayName", gp.spec_label, "codeSystem", OID_J01,
	      NULL);
	addr(c, &gp);
	telecom(c, &gp);
	sim_xw_open(c, "associatedPerson");
	person_name(c, &gp);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
	snprintf(ext, sizeof ext, "%.8s%s", x->d->service_time, x->p->ins + 9);
	sim_xw_open(c, "inFulfillmentOf");
	sim_xw_open(c, "order");
	empty(c, "id", "root", ORDER_ROOT, "extension", ext, NULL);
	sim_xw_close(c);
	sim_xw_close(c);
}

static void service_event(struct sim_xw *c, const struct doc_ctx *x, const char *code,
			  const char *system, const char *label, int first)
{
	sim_xw_open(c, "documentationOf");
	sim_xw_open(c, "serviceEvent");
	empty(c, "code", "code", code, "displayName", label, "codeSystem", system, NULL);
	if (x->k->body == BODY_BIO)
		empty(c, "lab:statusCode", "code", "completed", NULL);
	if (first) {
		sim_xw_open(c, "effectiveTime");
		ts_el(c, "low", x->d->service_time);
		ts_el(c, "high", x->d->creation_time);
		sim_xw_close(c);
		sim_xw_open(c, "performer");
		sim_xw_attr(c, "typeCode", "PRF");
		if (x->k->body == BODY_BIO)
			template_id(c, "1.3.6.1.4.1.19376.1.3.3.1.7");
		assigned(c, "assignedEntity", x->k->author, 1);
		sim_xw_close(c);
	}
	sim_xw_close(c);
	sim_xw_close(c);
}

static void documentation_of(struct sim_xw *c, const struct doc_ctx *x)
{
	if (x->k->body != BODY_BIO) {
		service_event(c, x, x->k->type_code, x->k->type_system, x->k->type_label, 1);
		return;
	}
	/* One per chapter: they become the XDS eventCodeList. */
	for (size_t i = 0; i < N_CHAPTERS; i++)
		service_event(c, x, chapters[i].code, LOINC, chapters[i].label, i == 0);
}

static void related_document(struct sim_xw *c, const struct doc_ctx *x)
{
	char ext[64];

	if (x->d->version < 2)
		return;
	snprintf(ext, sizeof ext, "%s.%d.%d", x->p->ins, x->d->kind + 1, x->d->version - 1);
	sim_xw_open(c, "relatedDocument");
	sim_xw_attr(c, "typeCode", "RPLC");
	sim_xw_open(c, "parentDocument");
	empty(c, "id", "root", DOC_ROOT, "extension", ext, NULL);
	sim_xw_close(c);
	sim_xw_close(c);
}

static void component_of(struct sim_xw *c, const struct doc_ctx *x)
{
	const struct person *a = x->k->author;

	sim_xw_open(c, "componentOf");
	sim_xw_open(c, "encompassingEncounter");
	empty(c, "code", "code", "AMB", "displayName", "Ambulatoire (hors établissement)",
	      "codeSystem", "2.16.840.1.113883.5.4", NULL);
	sim_xw_open(c, "effectiveTime");
	ts_el(c, "low", x->d->service_time);
	sim_xw_close(c);
	sim_xw_open(c, "location");
	sim_xw_open(c, "healthCareFacility");
	empty(c, "code", "code", a->facility_code, "displayName", a->facility_label, "codeSystem",
	      OID_R02, NULL);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
}

static void header_templates(struct sim_xw *c, const struct doc_ctx *x)
{
	template_id(c, "2.16.840.1.113883.2.8.2.1");
	template_id(c, "1.2.250.1.213.1.1.1.1");
	switch (x->k->body) {
	case BODY_N1:
		template_id(c, "1.3.6.1.4.1.19376.1.2.20");
		break;
	case BODY_BIO:
		template_id(c, "1.3.6.1.4.1.19376.1.3.3");
		template_id(c, "1.2.250.1.213.1.1.1.55");
		break;
	case BODY_VACC:
		template_id(c, "1.3.6.1.4.1.19376.1.5.3.1.1.18.1.2");
		empty(c, "templateId", "root", "1.2.250.1.213.1.1.1.46", "extension", "2023.01",
		      NULL);
		break;
	}
}

static void header(struct sim_xw *c, const struct doc_ctx *x)
{
	char ext[64], set_ext[64], version[8];

	snprintf(ext, sizeof ext, "%s.%d.%d", x->p->ins, x->d->kind + 1, x->d->version);
	snprintf(set_ext, sizeof set_ext, "%s.%d", x->p->ins, x->d->kind + 1);
	snprintf(version, sizeof version, "%d", x->d->version);
	empty(c, "realmCode", "code", "FR", NULL);
	empty(c, "typeId", "root", "2.16.840.1.113883.1.3", "extension", "POCD_HD000040", NULL);
	header_templates(c, x);
	empty(c, "id", "root", DOC_ROOT, "extension", ext, NULL);
	empty(c, "code", "code", x->k->type_code, "displayName", x->k->type_label, "codeSystem",
	      x->k->type_system, NULL);
	sim_xw_leaf(c, "title", x->k->title);
	ts_el(c, "effectiveTime", x->d->creation_time);
	empty(c, "confidentialityCode", "code", "N", "displayName", "Normal", "codeSystem",
	      "2.16.840.1.113883.5.25", NULL);
	empty(c, "languageCode", "code", "fr-FR", NULL);
	empty(c, "setId", "root", DOC_ROOT, "extension", set_ext, NULL);
	empty(c, "versionNumber", "value", version, NULL);
	record_target(c, x->p);
	author_block(c, x);
	custodian(c, x->k->author);
	legal_authenticator(c, x);
	if (x->k->body == BODY_BIO)
		bio_order(c, x);
	documentation_of(c, x);
	related_document(c, x);
	component_of(c, x);
}

/* ---- CDA bodies ------------------------------------------------------------------------- */

static void body_n1(struct sim_xw *c, const unsigned char *pdf, size_t len)
{
	sim_xw_open(c, "component");
	sim_xw_open(c, "nonXMLBody");
	sim_xw_open(c, "text");
	attrs(c, "mediaType", "application/pdf", "representation", "B64", NULL);
	base64_text(c, pdf, len);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
}

static void pq(struct sim_xw *c, const char *name, const char *value, const char *unit)
{
	empty(c, name, "value", value, "unit", unit, NULL);
}

static void interpretation(struct sim_xw *c, const char *code)
{
	empty(c, "interpretationCode", "code", code, "displayName", interp_label(code),
	      "codeSystem", OID_INTERP, NULL);
}

static void reference_range(struct sim_xw *c, const struct result *r,
			    const struct sim_dmp_patient *p)
{
	sim_xw_open(c, "referenceRange");
	sim_xw_attr(c, "typeCode", "REFV");
	sim_xw_open(c, "observationRange");
	attrs(c, "classCode", "OBS", "moodCode", "EVN.CRT", NULL);
	sim_xw_open(c, "value");
	sim_xw_attr(c, "xsi:type", "IVL_PQ");
	pq(c, "low", range_low(r, p), r->unit);
	pq(c, "high", range_high(r, p), r->unit);
	sim_xw_close(c);
	interpretation(c, "N");
	sim_xw_close(c);
	sim_xw_close(c);
}

/* An earlier result of the same analysis (antériorité). */
static void previous_result(struct sim_xw *c, const struct doc_ctx *x, const struct result *r)
{
	char when[15];

	if (!r->previous)
		return;
	previous_time(x->d, when);
	sim_xw_open(c, "entryRelationship");
	sim_xw_attr(c, "typeCode", "REFR");
	sim_xw_open(c, "observation");
	attrs(c, "classCode", "OBS", "moodCode", "EVN", NULL);
	loinc(c, "code", r->loinc, r->loinc_label);
	empty(c, "statusCode", "code", "completed", NULL);
	ts_el(c, "effectiveTime", when);
	sim_xw_open(c, "value");
	attrs(c, "xsi:type", "PQ", "value", r->previous, "unit", r->unit, NULL);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
}

static void observation(struct sim_xw *c, const struct doc_ctx *x, const struct result *r)
{
	char ref[40];

	snprintf(ref, sizeof ref, "#%s", r->id);
	sim_xw_open(c, "observation");
	attrs(c, "classCode", "OBS", "moodCode", "EVN", NULL);
	template_id(c, "1.3.6.1.4.1.19376.1.3.1.6");
	template_id(c, "1.2.250.1.213.1.1.3.80");
	sim_xw_open(c, "code");
	attrs(c, "code", r->loinc, "displayName", r->loinc_label, "codeSystem", LOINC,
	      "codeSystemName", "LOINC", NULL);
	sim_xw_open(c, "originalText");
	empty(c, "reference", "value", ref, NULL);
	sim_xw_close(c);
	sim_xw_close(c);
	empty(c, "statusCode", "code", "completed", NULL);
	ts_el(c, "effectiveTime", x->d->service_time);
	sim_xw_open(c, "value");
	attrs(c, "xsi:type", "PQ", "value", r->value, "unit", r->unit, NULL);
	sim_xw_close(c);
	interpretation(c, r->interp);
	reference_range(c, r, x->p);
	previous_result(c, x, r);
	sim_xw_close(c);
}

static void chapter_table(struct sim_xw *c, const struct doc_ctx *x, const struct chapter *ch)
{
	char v[24], lo[24], hi[24], cell[96];

	sim_xw_open(c, "text");
	sim_xw_open(c, "table");
	sim_xw_attr(c, "border", "0");
	sim_xw_open(c, "thead");
	sim_xw_open(c, "tr");
	sim_xw_leaf(c, "th", "Examen");
	sim_xw_leaf(c, "th", "Résultat");
	sim_xw_leaf(c, "th", "Valeurs de référence");
	sim_xw_leaf(c, "th", "Interprétation");
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_open(c, "tbody");
	for (size_t i = 0; i < ch->n; i++) {
		const struct result *r = &ch->results[i];
		fr_decimal(r->value, v);
		fr_decimal(range_low(r, x->p), lo);
		fr_decimal(range_high(r, x->p), hi);
		sim_xw_open(c, "tr");
		sim_xw_leaf(c, "td", r->label);
		sim_xw_open(c, "td");
		sim_xw_open(c, "content");
		sim_xw_attr(c, "ID", r->id);
		snprintf(cell, sizeof cell, "%s %s", v, r->unit_shown);
		sim_xw_text(c, cell);
		sim_xw_close(c);
		sim_xw_close(c);
		snprintf(cell, sizeof cell, "%s - %s", lo, hi);
		sim_xw_leaf(c, "td", cell);
		sim_xw_leaf(c, "td", interp_label(r->interp));
		sim_xw_close(c);
	}
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
}

static void chapter_entry(struct sim_xw *c, const struct doc_ctx *x, const struct chapter *ch)
{
	sim_xw_open(c, "entry");
	sim_xw_attr(c, "typeCode", "DRIV");
	template_id(c, "1.3.6.1.4.1.19376.1.3.1");
	template_id(c, "1.2.250.1.213.1.1.3.21");
	sim_xw_open(c, "act");
	attrs(c, "classCode", "ACT", "moodCode", "EVN", NULL);
	loinc(c, "code", ch->code, ch->label);
	empty(c, "statusCode", "code", "completed", NULL);
	if (ch->battery_code) {
		sim_xw_open(c, "entryRelationship");
		sim_xw_attr(c, "typeCode", "COMP");
		sim_xw_open(c, "organizer");
		attrs(c, "classCode", "BATTERY", "moodCode", "EVN", NULL);
		template_id(c, "1.3.6.1.4.1.19376.1.3.1.4");
		loinc(c, "code", ch->battery_code, ch->battery_label);
		empty(c, "statusCode", "code", "completed", NULL);
		ts_el(c, "effectiveTime", x->d->service_time);
	}
	for (size_t i = 0; i < ch->n; i++) {
		sim_xw_open(c, ch->battery_code ? "component" : "entryRelationship");
		if (!ch->battery_code)
			sim_xw_attr(c, "typeCode", "COMP");
		observation(c, x, &ch->results[i]);
		sim_xw_close(c);
	}
	if (ch->battery_code) {
		sim_xw_close(c);
		sim_xw_close(c);
	}
	sim_xw_close(c);
	sim_xw_close(c);
}

static void chapter_section(struct sim_xw *c, const struct doc_ctx *x, const struct chapter *ch)
{
	sim_xw_open(c, "component");
	sim_xw_open(c, "section");
	template_id(c, "1.3.6.1.4.1.19376.1.3.3.2.1");
	template_id(c, "1.2.250.1.213.1.1.2.70");
	loinc(c, "code", ch->code, ch->label);
	sim_xw_leaf(c, "title", ch->title);
	chapter_table(c, x, ch);
	chapter_entry(c, x, ch);
	sim_xw_close(c);
	sim_xw_close(c);
}

/* FR-Document-PDF-copie: the laboratory's PDF, which readers show first. */
static void pdf_copy_section(struct sim_xw *c, const unsigned char *pdf, size_t len)
{
	sim_xw_open(c, "component");
	sim_xw_open(c, "section");
	template_id(c, "1.2.250.1.213.1.1.2.243");
	loinc(c, "code", "55108-5", "Copie du document");
	sim_xw_leaf(c, "title", "Copie PDF du compte rendu");
	sim_xw_open(c, "text");
	sim_xw_open(c, "table");
	sim_xw_open(c, "tbody");
	sim_xw_open(c, "tr");
	sim_xw_open(c, "td");
	empty(c, "renderMultiMedia", "referencedObject", "doc-1", NULL);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_open(c, "entry");
	sim_xw_open(c, "organizer");
	attrs(c, "classCode", "CLUSTER", "moodCode", "EVN", NULL);
	template_id(c, "1.2.250.1.213.1.1.3.18");
	loinc(c, "code", "55107-7", "Document attaché");
	empty(c, "statusCode", "code", "completed", NULL);
	sim_xw_open(c, "component");
	sim_xw_open(c, "observation");
	attrs(c, "classCode", "OBS", "moodCode", "EVN", NULL);
	template_id(c, "1.3.6.1.4.1.19376.1.5.3.1.4.13");
	template_id(c, "1.2.250.1.213.1.1.3.48");
	template_id(c, "1.2.250.1.213.1.1.3.48.18");
	loinc(c, "code", "69764-9", "Type de document");
	empty(c, "statusCode", "code", "completed", NULL);
	empty(c, "effectiveTime", "nullFlavor", "NA", NULL);
	sim_xw_open(c, "value");
	attrs(c, "xsi:type", "CD", "code", "55108-5", "displayName", "Copie du document",
	      "codeSystem", LOINC, NULL);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_open(c, "component");
	sim_xw_open(c, "observationMedia");
	attrs(c, "classCode", "OBS", "moodCode", "EVN", "ID", "doc-1", NULL);
	sim_xw_open(c, "value");
	attrs(c, "mediaType", "application/pdf", "representation", "B64", NULL);
	base64_text(c, pdf, len);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
}

static void body_bio(struct sim_xw *c, const struct doc_ctx *x, const unsigned char *pdf,
		     size_t len)
{
	sim_xw_open(c, "component");
	sim_xw_open(c, "structuredBody");
	for (size_t i = 0; i < N_CHAPTERS; i++)
		chapter_section(c, x, &chapters[i]);
	pdf_copy_section(c, pdf, len);
	sim_xw_close(c);
	sim_xw_close(c);
}

/* The vaccine: the tetanus vaccine of the ANS example (CIS, CIP13 and ATC codes). */
#define VACCINE_NAME "VACCIN TETANIQUE PASTEUR, suspension injectable en seringue préremplie. " \
	"Vaccin tétanique adsorbé"

static void vacc_table(struct sim_xw *c, const struct doc_ctx *x)
{
	char date[11], lot[16];

	fr_date(x->d->service_time, date);
	snprintf(lot, sizeof lot, "V%.6s", x->p->ins + 7);
	sim_xw_open(c, "text");
	sim_xw_open(c, "table");
	sim_xw_attr(c, "border", "0");
	sim_xw_open(c, "thead");
	sim_xw_open(c, "tr");
	sim_xw_leaf(c, "th", "Date");
	sim_xw_leaf(c, "th", "Vaccin");
	sim_xw_leaf(c, "th", "Lot n°");
	sim_xw_leaf(c, "th", "Rang");
	sim_xw_leaf(c, "th", "Voie d'administration");
	sim_xw_leaf(c, "th", "Région d'administration");
	sim_xw_leaf(c, "th", "Vaccinateur");
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_open(c, "tbody");
	sim_xw_open(c, "tr");
	sim_xw_leaf(c, "td", date);
	sim_xw_open(c, "td");
	sim_xw_open(c, "content");
	sim_xw_attr(c, "ID", "vac-01");
	sim_xw_text(c, VACCINE_NAME);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_leaf(c, "td", lot);
	sim_xw_leaf(c, "td", "3");
	sim_xw_leaf(c, "td", "voie intramusculaire");
	sim_xw_leaf(c, "td", "Deltoïde gauche");
	sim_xw_leaf(c, "td", "Dr Jeanne MARTIN");
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
}

static void vaccine_product(struct sim_xw *c, const struct doc_ctx *x)
{
	char lot[16];

	snprintf(lot, sizeof lot, "V%.6s", x->p->ins + 7);
	sim_xw_open(c, "consumable");
	sim_xw_attr(c, "typeCode", "CSM");
	sim_xw_open(c, "manufacturedProduct");
	template_id(c, "2.16.840.1.113883.10.20.1.53");
	template_id(c, "1.3.6.1.4.1.19376.1.5.3.1.4.7.2");
	template_id(c, "1.2.250.1.213.1.1.3.43");
	sim_xw_open(c, "manufacturedMaterial");
	sim_xw_open(c, "code");
	attrs(c, "code", "68747507", "displayName", VACCINE_NAME, "codeSystem",
	      "1.2.250.1.213.2.3.1", "codeSystemName", "CIS", NULL);
	sim_xw_open(c, "originalText");
	empty(c, "reference", "value", "#vac-01", NULL);
	sim_xw_close(c);
	empty(c, "translation", "code", "J07AM", "displayName", "vaccins tétaniques", "codeSystem",
	      "2.16.840.1.113883.6.73", "codeSystemName", "ATC", NULL);
	empty(c, "translation", "code", "3400932857241", "displayName", VACCINE_NAME,
	      "codeSystem", "1.2.250.1.213.2.3.2", "codeSystemName", "CIP", NULL);
	sim_xw_close(c);
	sim_xw_leaf(c, "name", "vaccins tétaniques");
	sim_xw_leaf(c, "lotNumberText", lot);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
}

static void vaccination_rank(struct sim_xw *c)
{
	sim_xw_open(c, "entryRelationship");
	sim_xw_attr(c, "typeCode", "SUBJ");
	sim_xw_open(c, "observation");
	attrs(c, "classCode", "OBS", "moodCode", "EVN", NULL);
	template_id(c, "2.16.840.1.113883.10.20.1.46");
	template_id(c, "1.2.250.1.213.1.1.3.82");
	loinc(c, "code", "30973-2", "Rang de la vaccination");
	empty(c, "statusCode", "code", "completed", NULL);
	empty(c, "value", "xsi:type", "INT", "value", "3", NULL);
	sim_xw_close(c);
	sim_xw_close(c);
}

static void vaccination(struct sim_xw *c, const struct doc_ctx *x)
{
	char day[9], id[64];

	snprintf(day, sizeof day, "%.8s", x->d->service_time);
	uuid_of(x->d->unique_id, id);
	sim_xw_open(c, "substanceAdministration");
	attrs(c, "classCode", "SBADM", "moodCode", "EVN", "negationInd", "false", NULL);
	template_id(c, "2.16.840.1.113883.10.20.1.24");
	template_id(c, "1.3.6.1.4.1.19376.1.5.3.1.4.12");
	template_id(c, "1.2.250.1.213.1.1.3.45");
	empty(c, "id", "root", id + 9, NULL);
	empty(c, "code", "code", "BOOSTER", "displayName", "Rappel", "codeSystem",
	      "2.16.840.1.113883.5.4", NULL);
	sim_xw_open(c, "text");
	empty(c, "reference", "value", "#vac-01", NULL);
	sim_xw_close(c);
	empty(c, "statusCode", "code", "completed", NULL);
	empty(c, "effectiveTime", "value", day, NULL);
	empty(c, "routeCode", "code", "20035000", "displayName", "Voie intramusculaire",
	      "codeSystem", "0.4.0.127.0.16.1.1.2.1", "codeSystemName", "EDQM", NULL);
	empty(c, "approachSiteCode", "code", "16217701000119102", "displayName", "deltoïde gauche",
	      "codeSystem", "2.16.840.1.113883.6.96", "codeSystemName", "SNOMED CT", NULL);
	vaccine_product(c, x);
	sim_xw_open(c, "performer");
	sim_xw_attr(c, "typeCode", "PRF");
	assigned(c, "assignedEntity", &gp, 1);
	sim_xw_close(c);
	sim_xw_open(c, "author");
	attrs(c, "contextControlCode", "OP", "typeCode", "AUT", NULL);
	ts_el(c, "time", x->d->service_time);
	assigned(c, "assignedAuthor", &gp, 0);
	sim_xw_close(c);
	vaccination_rank(c);
	sim_xw_close(c);
}

static void body_vacc(struct sim_xw *c, const struct doc_ctx *x)
{
	sim_xw_open(c, "component");
	sim_xw_open(c, "structuredBody");
	sim_xw_open(c, "component");
	sim_xw_open(c, "section");
	template_id(c, "2.16.840.1.113883.10.20.1.6");
	template_id(c, "1.3.6.1.4.1.19376.1.5.3.1.3.23");
	template_id(c, "1.2.250.1.213.1.1.2.147");
	loinc(c, "code", "11369-6", "Historique des vaccinations");
	sim_xw_leaf(c, "title", "Note de vaccination");
	vacc_table(c, x);
	sim_xw_open(c, "entry");
	vaccination(c, x);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
	sim_xw_close(c);
}

/* ---- one document ----------------------------------------------------------------------- */

static int start_document(struct sim_xw *c, const struct doc_ctx *x)
{
	if (xmlTextWriterSetIndent(c->w, 1) < 0 ||
	    xmlTextWriterSetIndentString(c->w, BAD_CAST "  ") < 0 ||
	    xmlTextWriterStartDocument(c->w, "1.0", "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElementNS(c->w, NULL, BAD_CAST "ClinicalDocument",
					BAD_CAST HL7_NS) < 0 ||
	    xmlTextWriterWriteAttribute(c->w, BAD_CAST "xmlns:xsi", BAD_CAST XSI_NS) < 0)
		return -1;
	if (x->k->body == BODY_BIO &&
	    xmlTextWriterWriteAttribute(c->w, BAD_CAST "xmlns:lab", BAD_CAST LAB_NS) < 0)
		return -1;
	return 0;
}

static int write_cda(const struct doc_ctx *x, const unsigned char *pdf, size_t pdf_len,
		     xmlBufferPtr buf)
{
	struct sim_xw c = { xmlNewTextWriterMemory(buf, 0), NULL, 0 };

	if (!c.w)
		return -1;
	if (start_document(&c, x) < 0)
		c.err = 1;
	header(&c, x);
	if (x->k->body == BODY_N1)
		body_n1(&c, pdf, pdf_len);
	else if (x->k->body == BODY_BIO)
		body_bio(&c, x, pdf, pdf_len);
	else
		body_vacc(&c, x);
	if (!c.err && xmlTextWriterEndDocument(c.w) < 0)
		c.err = 1;
	xmlFreeTextWriter(c.w); /* flushes into buf */
	return c.err ? -1 : 0;
}

static int build_one(const struct sim_dmp_patient *p, struct sim_dmp_doc *d)
{
	struct doc_ctx x = { p, d, &kinds[d->kind] };
	unsigned char *pdf = NULL;
	size_t pdf_len = 0;
	xmlBufferPtr buf;
	int rc = -1;

	if (build_pdf(&x, &pdf, &pdf_len) < 0)
		return -1;
	buf = xmlBufferCreate();
	if (buf && write_cda(&x, pdf, pdf_len, buf) == 0) {
		d->len = (size_t)xmlBufferLength(buf);
		d->bytes = malloc(d->len);
		if (d->bytes) {
			memcpy(d->bytes, xmlBufferContent(buf), d->len);
			rc = sim_dmp_sha1_hex(d->bytes, d->len, d->hash);
		}
	}
	if (buf)
		xmlBufferFree(buf);
	free(pdf);
	return rc;
}

int sim_dmp_docs_build(struct sim_dmp_patient *p, char *err, size_t errsize)
{
	for (int i = 0; i < p->n_docs; i++)
		if (build_one(p, &p->docs[i]) < 0) {
			snprintf(err, errsize, "document %s du patient %s : construction impossible",
				 kinds[p->docs[i].kind].name, p->ins);
			return -1;
		}
	return 0;
}

void sim_dmp_docs_free(struct sim_dmp_patient *p)
{
	for (int i = 0; i < p->n_docs; i++) {
		free(p->docs[i].bytes);
		p->docs[i].bytes = NULL;
	}
}

/* ---- XDS.b metadata (TD3.1) --------------------------------------------------------------- */

static void slot(struct sim_xw *c, const char *name, const char *const *values, size_t n)
{
	sim_xw_open(c, "Slot");
	sim_xw_attr(c, "name", name);
	sim_xw_open(c, "ValueList");
	for (size_t i = 0; i < n; i++)
		sim_xw_leaf(c, "Value", values[i]);
	sim_xw_close(c);
	sim_xw_close(c);
}

static void slot1(struct sim_xw *c, const char *name, const char *value)
{
	slot(c, name, &value, 1);
}

static void localized_name(struct sim_xw *c, const char *value)
{
	sim_xw_open(c, "Name");
	empty(c, "LocalizedString", "charset", "UTF-8", "xml:lang", "fr-FR", "value", value, NULL);
	sim_xw_close(c);
}

/* A Classification: scheme UUID, code, its coding scheme, label. */
static void classification(struct sim_xw *c, const struct sim_dmp_doc *d, const char *scheme,
			   const char *code, const char *coding, const char *label)
{
	char name[200], id[48];

	snprintf(name, sizeof name, "%s#%s#%s", d->entry_uuid, scheme, code);
	uuid_of(name, id);
	sim_xw_open(c, "Classification");
	attrs(c, "classificationScheme", scheme, "classifiedObject", d->entry_uuid, "id", id,
	      "nodeRepresentation", code, "objectType",
	      "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification", NULL);
	slot1(c, "codingScheme", coding);
	localized_name(c, label);
	sim_xw_close(c);
}

static void xcn(const struct person *a, char *out, size_t size)
{
	snprintf(out, size, "%s^%s^%s^^^^^^&%s&ISO^D^^^IDNPS", a->national_id, a->family, a->given,
		 OID_RPPS);
}

static void author_classification(struct sim_xw *c, const struct sim_dmp_doc *d,
				  const struct person *a)
{
	char name[200], id[48], person[200], inst[200], spec[200];

	snprintf(name, sizeof name, "%s#author", d->entry_uuid);
	uuid_of(name, id);
	xcn(a, person, sizeof person);
	snprintf(inst, sizeof inst, "%s^^^^^&%s&ISO^IDNST^^^%s", a->org_name, OID_STRUCT,
		 a->org_id);
	snprintf(spec, sizeof spec, "%s^%s^%s", a->spec_code, a->spec_label, OID_J01);
	sim_xw_open(c, "Classification");
	attrs(c, "classificationScheme", "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d",
	      "classifiedObject", d->entry_uuid, "id", id, "nodeRepresentation", "",
	      "objectType", "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification",
	      NULL);
	slot1(c, "authorInstitution", inst);
	slot1(c, "authorPerson", person);
	slot1(c, "authorSpecialty", spec);
	sim_xw_close(c);
}

static void external_id(struct sim_xw *c, const struct sim_dmp_doc *d, const char *scheme,
			const char *value, const char *label)
{
	char name[200], id[48];

	snprintf(name, sizeof name, "%s#%s", d->entry_uuid, scheme);
	uuid_of(name, id);
	sim_xw_open(c, "ExternalIdentifier");
	attrs(c, "id", id, "identificationScheme", scheme, "objectType",
	      "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:ExternalIdentifier",
	      "registryObject", d->entry_uuid, "value", value, NULL);
	localized_name(c, label);
	sim_xw_close(c);
}

static void entry_slots(struct sim_xw *c, const struct sim_dmp_patient *p,
			const struct sim_dmp_doc *d, const char *patient_id, const char *const *extra)
{
	const struct doc_kind *k = &kinds[d->kind];
	char size[24], legal[200], pid5[300], pid7[40], pid8[16], given[101];
	const char *info[3] = { pid5, pid7, pid8 };

	for (; extra && extra[0] && extra[1]; extra += 2)
		slot1(c, extra[0], extra[1]);

	snprintf(size, sizeof size, "%zu", d->len);
	xcn(k->author, legal, sizeof legal);
	first_given(p, given);
	snprintf(pid5, sizeof pid5, "PID-5|%s^%s^%s^^^^L", p->birth_name, given, p->first_names);
	snprintf(pid7, sizeof pid7, "PID-7|%.4s%.2s%.2s", p->birth_date, p->birth_date + 5,
		 p->birth_date + 8);
	snprintf(pid8, sizeof pid8, "PID-8|%s", p->sex);
	slot1(c, "creationTime", d->creation_time);
	slot1(c, "hash", d->hash);
	slot1(c, "languageCode", "fr-FR");
	slot1(c, "legalAuthenticator", legal);
	slot1(c, "repositoryUniqueId", SIM_DMP_REPOSITORY);
	slot1(c, "serviceStartTime", d->service_time);
	slot1(c, "serviceStopTime", d->creation_time);
	slot1(c, "size", size);
	slot1(c, "sourcePatientId", patient_id);
	slot(c, "sourcePatientInfo", info, 3);
	slot1(c, "submissionTime", d->submission_time);
}

static void entry_classifications(struct sim_xw *c, const struct sim_dmp_doc *d)
{
	const struct doc_kind *k = &kinds[d->kind];
	const char *cc = "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f";

	author_classification(c, d, k->author);
	classification(c, d, "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a", k->class_code,
		       CLASS_SCHEME, k->class_label);
	classification(c, d, cc, "N", "2.16.840.1.113883.5.25", "Normal");
	if (k->invisible_patient)
		classification(c, d, cc, "INVISIBLE_PATIENT", "1.2.250.1.213.1.1.4.13",
			       "Non visible par le patient");
	if (k->body == BODY_BIO)
		for (size_t i = 0; i < N_CHAPTERS; i++)
			classification(c, d, "urn:uuid:2c6b8cb7-8b2a-4051-b291-b1ae6a575ef4",
				       chapters[i].code, LOINC, chapters[i].label);
	classification(c, d, "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d", k->format_code,
		       k->format_system, k->format_code);
	classification(c, d, "urn:uuid:f33fb8ac-18af-42cc-ae0e-ed0b0bdb91e1",
		       k->author->facility_code, OID_R02, k->author->facility_label);
	classification(c, d, "urn:uuid:cccf5598-8b07-4b77-a05e-ae952c785ead", "AMBULATOIRE",
		       "1.2.250.1.213.1.1.4.9", "Ambulatoire");
	classification(c, d, "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983", k->type_code,
		       k->type_system, k->type_label);
}

int sim_dmp_write_entry_slots(xmlTextWriterPtr w, const char *rim,
			      const struct sim_dmp_patient *p, const struct sim_dmp_doc *d,
			      const char *patient_id, const char *const *extra)
{
	struct sim_xw c = { w, rim, 0 };
	const struct doc_kind *k = &kinds[d->kind];

	sim_xw_open(&c, "ExtrinsicObject");
	attrs(&c, "id", d->entry_uuid, "lid", d->entry_uuid, "mimeType", "text/xml",
	      "objectType", "urn:uuid:7edca82f-054d-47f2-a032-9b2a5b5186c1", "status",
	      d->deprecated ? "urn:oasis:names:tc:ebxml-regrep:StatusType:Deprecated"
			    : "urn:oasis:names:tc:ebxml-regrep:StatusType:Approved", NULL);
	entry_slots(&c, p, d, patient_id, extra);
	localized_name(&c, k->title);
	entry_classifications(&c, d);
	external_id(&c, d, "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427", patient_id,
		    "XDSDocumentEntry.patientId");
	external_id(&c, d, "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab", d->unique_id,
		    "XDSDocumentEntry.uniqueId");
	sim_xw_close(&c);
	return c.err ? -1 : 0;
}

int sim_dmp_write_entry(xmlTextWriterPtr w, const char *rim, const struct sim_dmp_patient *p,
			const struct sim_dmp_doc *d, const char *patient_id)
{
	return sim_dmp_write_entry_slots(w, rim, p, d, patient_id, NULL);
}

/* The same PDF as the one built into the document (same fixed date, same bytes). */
int sim_dmp_doc_pdf(const struct sim_dmp_patient *p, const struct sim_dmp_doc *d,
		    unsigned char **pdf, size_t *len)
{
	struct doc_ctx x = { p, d, &kinds[d->kind] };

	return build_pdf(&x, pdf, len);
}

/* ---- the guarded text writer shared with sim_mss.c ------------------------------------------ */

void sim_xw_open(struct sim_xw *c, const char *name)
{
	if (!c->err && xmlTextWriterStartElementNS(c->w, BAD_CAST c->pfx, BAD_CAST name, NULL) < 0)
		c->err = 1;
}

void sim_xw_close(struct sim_xw *c)
{
	if (!c->err && xmlTextWriterEndElement(c->w) < 0)
		c->err = 1;
}

void sim_xw_attr(struct sim_xw *c, const char *name, const char *value)
{
	if (!c->err && xmlTextWriterWriteAttribute(c->w, BAD_CAST name, BAD_CAST value) < 0)
		c->err = 1;
}

void sim_xw_text(struct sim_xw *c, const char *t)
{
	if (!c->err && xmlTextWriterWriteString(c->w, BAD_CAST t) < 0)
		c->err = 1;
}

void sim_xw_leaf(struct sim_xw *c, const char *name, const char *t)
{
	sim_xw_open(c, name);
	sim_xw_text(c, t);
	sim_xw_close(c);
}

void sim_xw_comment(struct sim_xw *c, const char *t)
{
	if (!c->err && xmlTextWriterWriteComment(c->w, BAD_CAST t) < 0)
		c->err = 1;
}
