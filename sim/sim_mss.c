/* vigie-sim: "mss-message", realistic MSSanté messages (IHE_XDM.ZIP, PDF, plain text) (tests). */
#include "config.h"
#include "sim/sim_dmp.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <zip.h>

#define HL7_NS "urn:hl7-org:v3"
#define LCM_NS "urn:oasis:names:tc:ebxml-regrep:xsd:lcm:3.0"
#define RIM_NS "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
#define OID_INS_TEST "1.2.250.1.213.1.4.10"
#define OID_STRUCT "1.2.250.1.71.4.2.2"
/* Fictitious arc of the simulator for submission sets (documents use .1, orders .3). */
#define SET_ROOT "1.2.250.1.999.1.4"
#define PATIENT_DOMAIN "patient.mssante.fr"
#define DEFAULT_FROM "Dr Jean Dupont <jean.dupont@cardio.mssante.fr>"
#define DEFAULT_TO "dr.martin@test.mssante.fr"
#define XDM_PREFIX "XDM/1.0/DDM+"
#define EXTRACT_MAX (64L * 1024 * 1024)

/* ---- growing buffer with a sticky error ---------------------------------------------------- */

struct buf {
	char *p;
	size_t len, cap;
	int err;
};

static void buf_add(struct buf *b, const void *data, size_t n)
{
	if (b->err)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *grown;

		while (cap < b->len + n + 1)
			cap *= 2;
		grown = realloc(b->p, cap);
		if (!grown) {
			b->err = 1;
			return;
		}
		b->p = grown;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void buf_str(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

static void buf_fmt(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void buf_fmt(struct buf *b, const char *fmt, ...)
{
	char small[1024], *big = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->err = 1;
		return;
	}
	if ((size_t)n < sizeof small) {
		buf_add(b, small, (size_t)n);
		return;
	}
	big = malloc((size_t)n + 1);
	if (!big) {
		b->err = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	buf_add(b, big, (size_t)n);
	free(big);
}

/* ---- options ------------------------------------------------------------------------------ */

enum msg_type { T_BIO, T_VACC, T_CONSULT, T_ADRESSAGE, T_SYNTHESE, T_TEXTE, T_PDF, T_ZIP_BROKEN };

static const struct {
	const char *name;
	const char *kind;          /* document kind of sim_dmp_docs.c, NULL: none */
	const char *pdf_name;      /* file name of the PDF copy */
} types[] = {
	[T_BIO] = { "bio", "bio", "compte-rendu-biologie.pdf" },
	[T_VACC] = { "vacc", "vacc", NULL },
	[T_CONSULT] = { "consult", "consult", "compte-rendu-consultation.pdf" },
	[T_ADRESSAGE] = { "adressage", "adressage", "lettre-adressage.pdf" },
	[T_SYNTHESE] = { "synthese", "synthese", "synthese-medicale.pdf" },
	[T_TEXTE] = { "texte", NULL, NULL },
	[T_PDF] = { "pdf", "consult", "compte-rendu-consultation.pdf" },
	[T_ZIP_BROKEN] = { "zip-casse", "bio", "compte-rendu-biologie.pdf" },
};
#define N_TYPES (sizeof types / sizeof types[0])

struct mss_opts {
	enum msg_type type;
	char patients[1024];       /* DMP table */
	char patient[32];          /* --patient INS, "" none */
	struct sim_dmp_patient traits; /* --ins, --nom...: an explicit (maybe unknown) patient */
	int has_traits;
	int version;
	char action;               /* 'C' or 'D' */
	int action_given;
	char date[13];             /* AAAAMMJJhhmm */
	char from[512], to[512];
	int urgent;
	char xdm_ins[32];
	int pdf_joint;
	char message_id[256];
	char output[1024];
};

static const struct option mss_long_opts[] = {
	{ "type", required_argument, NULL, 't' },
	{ "patient", required_argument, NULL, 'p' },
	{ "dmp-patients", required_argument, NULL, 'D' },
	{ "ins", required_argument, NULL, 'i' },
	{ "oid", required_argument, NULL, 'o' },
	{ "nom", required_argument, NULL, 'n' },
	{ "nom-utilise", required_argument, NULL, 'u' },
	{ "prenoms", required_argument, NULL, 'P' },
	{ "sexe", required_argument, NULL, 's' },
	{ "naissance", required_argument, NULL, 'b' },
	{ "cog", required_argument, NULL, 'c' },
	{ "version", required_argument, NULL, 'v' },
	{ "action", required_argument, NULL, 'A' },
	{ "date", required_argument, NULL, 'd' },
	{ "de", required_argument, NULL, 'f' },
	{ "a", required_argument, NULL, 'T' },
	{ "urgent", no_argument, NULL, 'U' },
	{ "xdm-ins", required_argument, NULL, 'x' },
	{ "pdf-joint", no_argument, NULL, 'j' },
	{ "message-id", required_argument, NULL, 'm' },
	{ "sortie", required_argument, NULL, 'O' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static void mss_usage(FILE *out, const char *default_patients)
{
	fprintf(out,
		"Usage : vigie-sim mss-message [OPTIONS]\n"
		"Écrit un message MSSanté de test (RFC 5322, fins de ligne CRLF) sur la sortie\n"
		"standard : documents CDA dans une archive IHE_XDM.ZIP construits comme ceux du DMP\n"
		"simulé, PDF seul, simple texte ou archive endommagée. Sortie identique pour des\n"
		"options identiques.\n"
		"\n"
		"  --type TYPE            bio (CR de biologie N3, résultats anormaux), vacc (note de\n"
		"                         vaccination N3), consult, adressage, synthese (N1 PDF),\n"
		"                         texte (sans pièce jointe), pdf (PDF seul), zip-casse\n"
		"                         (IHE_XDM.ZIP illisible) ; bio par défaut\n"
		"  --patient INS          patient de la table des DMP simulés\n"
		"  --dmp-patients FICHIER cette table (par défaut : %s)\n"
		"  --ins INS --oid OID --nom NOM --nom-utilise NOM --prenoms \"P1 P2\" --sexe F|M\n"
		"  --naissance AAAA-MM-JJ --cog CODE\n"
		"                         patient donné trait par trait (inconnu de la table)\n"
		"  --version N            versionNumber (1 à 9) : N > 1 remplace la version N-1\n"
		"  --action C|D           métadonnée XDM urn:action:extraMetadataSlot (D : l'émetteur\n"
		"                         supprime le document) ; C par défaut\n"
		"  --date AAAAMMJJhhmm    date de l'acte, en UTC (par défaut : maintenant)\n"
		"  --de ADRESSE           expéditeur (par défaut : %s) ;\n"
		"                         INS@" PATIENT_DOMAIN " : un patient (texte ou pdf)\n"
		"  --a ADRESSE            destinataire (par défaut : %s)\n"
		"  --urgent               message urgent (Priority, X-Priority)\n"
		"  --xdm-ins INS          INS écrit dans METADATA.XML à la place de celui du CDA\n"
		"  --pdf-joint            joint aussi la copie PDF du document\n"
		"  --message-id ID        identifiant du message (par défaut : dérivé des options)\n"
		"  --sortie FICHIER       écrit le message dans FICHIER\n"
		"  --help                 affiche cette aide\n",
		default_patients, DEFAULT_FROM, DEFAULT_TO);
}

static int copy_opt(char *dst, size_t size, const char *v, const char *name, char *err,
		    size_t errsize)
{
	if (strlen(v) >= size) {
		snprintf(err, errsize, "--%s : valeur trop longue", name);
		return -1;
	}
	strcpy(dst, v);
	return 0;
}

/* 13 digits (or 2A/2B for Corsica) and a 2-digit key; the key itself is not checked, so that
 * the tests can send what a faulty sender would. */
static int ins_shape(const char *s)
{
	if (strlen(s) != 15)
		return 0;
	for (int i = 0; i < 15; i++)
		if (!isdigit((unsigned char)s[i]) &&
		    !(i == 6 && s[5] == '2' && (s[i] == 'A' || s[i] == 'B')))
			return 0;
	return 1;
}

static int all_digits(const char *s, size_t n)
{
	if (strlen(s) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* "AAAAMMJJhhmm[ss]" to a time_t (UTC); -1 when not a real date. */
static time_t stamp_time(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, sec = 0;
	time_t t;

	if (sscanf(s, "%4d%2d%2d%2d%2d", &y, &mo, &d, &h, &mi) != 5)
		return -1;
	if (strlen(s) >= 14)
		sscanf(s + 12, "%2d", &sec);
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1 || tm.tm_mon != mo - 1 || tm.tm_mday != d || h > 23 || mi > 59)
		return -1;
	return t;
}

static int parse_type(const char *v, enum msg_type *t)
{
	for (size_t i = 0; i < N_TYPES; i++)
		if (!strcmp(v, types[i].name)) {
			*t = (enum msg_type)i;
			return 0;
		}
	return -1;
}

static int trait_opt(struct mss_opts *o, int c, const char *v, char *err, size_t errsize)
{
	struct sim_dmp_patient *p = &o->traits;

	o->has_traits = 1;
	switch (c) {
	case 'i': return copy_opt(p->ins, sizeof p->ins, v, "ins", err, errsize);
	case 'o': return copy_opt(p->oid, sizeof p->oid, v, "oid", err, errsize);
	case 'n': return copy_opt(p->birth_name, sizeof p->birth_name, v, "nom", err, errsize);
	case 'u': return copy_opt(p->used_name, sizeof p->used_name, v, "nom-utilise", err,
				  errsize);
	case 'P': return copy_opt(p->first_names, sizeof p->first_names, v, "prenoms", err,
				  errsize);
	case 's': return copy_opt(p->sex, sizeof p->sex, v, "sexe", err, errsize);
	case 'b': return copy_opt(p->birth_date, sizeof p->birth_date, v, "naissance", err,
				  errsize);
	default: return copy_opt(p->cog, sizeof p->cog, v, "cog", err, errsize);
	}
}

static int apply_opt(struct mss_opts *o, int c, const char *v, char *err, size_t errsize)
{
	switch (c) {
	case 't':
		if (parse_type(v, &o->type) == 0)
			return 0;
		snprintf(err, errsize, "--type « %s » : bio, vacc, consult, adressage, synthese, "
			 "texte, pdf ou zip-casse attendu", v);
		return -1;
	case 'p': return copy_opt(o->patient, sizeof o->patient, v, "patient", err, errsize);
	case 'D': return copy_opt(o->patients, sizeof o->patients, v, "dmp-patients", err,
				  errsize);
	case 'v':
		if (strlen(v) == 1 && v[0] >= '1' && v[0] <= '9') {
			o->version = v[0] - '0';
			return 0;
		}
		snprintf(err, errsize, "--version « %s » : nombre de 1 à 9 attendu", v);
		return -1;
	case 'A':
		if (!strcmp(v, "C") || !strcmp(v, "D")) {
			o->action = v[0];
			o->action_given = 1;
			return 0;
		}
		snprintf(err, errsize, "--action « %s » : C (création ou remplacement) ou D "
			 "(suppression) attendu", v);
		return -1;
	case 'd':
		if (all_digits(v, 12) && stamp_time(v) != (time_t)-1)
			return copy_opt(o->date, sizeof o->date, v, "date", err, errsize);
		snprintf(err, errsize, "--date « %s » : AAAAMMJJhhmm attendu (date valide, UTC)", v);
		return -1;
	case 'f': return copy_opt(o->from, sizeof o->from, v, "de", err, errsize);
	case 'T': return copy_opt(o->to, sizeof o->to, v, "a", err, errsize);
	case 'U': o->urgent = 1; return 0;
	case 'x': return copy_opt(o->xdm_ins, sizeof o->xdm_ins, v, "xdm-ins", err, errsize);
	case 'j': o->pdf_joint = 1; return 0;
	case 'm': return copy_opt(o->message_id, sizeof o->message_id, v, "message-id", err,
				  errsize);
	case 'O': return copy_opt(o->output, sizeof o->output, v, "sortie", err, errsize);
	default: return trait_opt(o, c, v, err, errsize);
	}
}

/* 0, 1 for --help, -1 with err. */
static int parse_mss_args(int argc, char **argv, struct mss_opts *o, char *err, size_t errsize)
{
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "", mss_long_opts, NULL)) != -1) {
		if (c == 'h')
			return 1;
		if (c == '?' || c == ':') {
			snprintf(err, errsize, "option inconnue ou incomplète %s", argv[optind - 1]);
			return -1;
		}
		if (apply_opt(o, c, optarg, err, errsize))
			return -1;
	}
	if (optind < argc) {
		snprintf(err, errsize, "argument inattendu « %s »", argv[optind]);
		return -1;
	}
	return 0;
}

/* ---- addresses ------------------------------------------------------------------------------ */

struct mailbox {
	char name[256];            /* display name, "" none */
	char addr[256];
};

static int parse_mailbox(const char *s, struct mailbox *m, const char *what, char *err,
			 size_t errsize)
{
	const char *lt = strchr(s, '<'), *gt = lt ? strchr(lt, '>') : NULL, *at;
	size_t n;

	memset(m, 0, sizeof *m);
	if (lt) {
		if (!gt || gt[1]) {
			snprintf(err, errsize, "%s « %s » : adresse mal formée", what, s);
			return -1;
		}
		n = (size_t)(lt - s);
		while (n && s[n - 1] == ' ')
			n--;
		if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
			snprintf(m->name, sizeof m->name, "%.*s", (int)n - 2, s + 1);
		else
			snprintf(m->name, sizeof m->name, "%.*s", (int)n, s);
		snprintf(m->addr, sizeof m->addr, "%.*s", (int)(gt - lt - 1), lt + 1);
	} else {
		snprintf(m->addr, sizeof m->addr, "%s", s);
	}
	at = strchr(m->addr, '@');
	if (!at || at == m->addr || !at[1] || strchr(at + 1, '@') ||
	    strpbrk(m->addr, " \t\r\n\"<>,;") || strpbrk(m->name, "\r\n\"<>")) {
		snprintf(err, errsize, "%s « %s » : adresse électronique attendue", what, s);
		return -1;
	}
	return 0;
}

/* The INS of a Mon espace santé address "<INS>@patient.mssante.fr", else "". */
static void patient_address_ins(const char *addr, char ins[16])
{
	const char *at = strchr(addr, '@');

	ins[0] = 0;
	if (at && at - addr == 15 && !strcasecmp(at + 1, PATIENT_DOMAIN))
		snprintf(ins, 16, "%.15s", addr);
}

/* ---- the patient ---------------------------------------------------------------------------- */

static int check_traits(struct sim_dmp_patient *p, char *err, size_t errsize)
{
	int y, m, d;

	if (!p->oid[0])
		strcpy(p->oid, OID_INS_TEST);
	if (!ins_shape(p->ins)) {
		snprintf(err, errsize, "--ins « %s » : matricule INS de 13 caractères et sa clé "
			 "attendus", p->ins);
		return -1;
	}
	if (!p->birth_name[0] || !p->first_names[0] || strlen(p->cog) != 5) {
		snprintf(err, errsize, "patient donné par ses traits : --nom, --prenoms, --sexe, "
			 "--naissance et --cog (5 caractères) sont obligatoires");
		return -1;
	}
	if (strcmp(p->sex, "F") && strcmp(p->sex, "M")) {
		snprintf(err, errsize, "--sexe « %s » : F ou M attendu", p->sex);
		return -1;
	}
	if (strlen(p->birth_date) != 10 || sscanf(p->birth_date, "%4d-%2d-%2d", &y, &m, &d) != 3 ||
	    p->birth_date[4] != '-' || p->birth_date[7] != '-' || m < 1 || m > 12 || d < 1 ||
	    d > 31) {
		snprintf(err, errsize, "--naissance « %s » : AAAA-MM-JJ attendu", p->birth_date);
		return -1;
	}
	return 0;
}

static int load_table(const char *path, char *err, size_t errsize, int *loaded)
{
	if (*loaded)
		return 0;
	if (sim_dmp_init(path, err, errsize))
		return -1;
	*loaded = 1;
	return 0;
}

/* The patient of the message into p: from the table, the traits or the sender's address.
 * Returns 1 when there is one, 0 when none (plain mail), -1 with err. */
static int resolve_patient(const struct mss_opts *o, const char *sender_ins,
			   struct sim_dmp_patient *p, char *err, size_t errsize, int *loaded)
{
	memset(p, 0, sizeof *p);
	if (o->patient[0] && o->has_traits) {
		snprintf(err, errsize, "--patient et les traits (--ins, --nom...) sont exclusifs");
		return -1;
	}
	if (o->has_traits) {
		*p = o->traits;
		return check_traits(p, err, errsize) ? -1 : 1;
	}
	if (o->patient[0]) {
		if (load_table(o->patients, err, errsize, loaded))
			return -1;
		if (sim_dmp_patient_traits(o->patient, p) == 0)
			return 1;
		snprintf(err, errsize, "patient « %s » absent de la table %s (un patient inconnu "
			 "se donne par ses traits : --ins, --nom, --prenoms, --sexe, --naissance, "
			 "--cog)", o->patient, o->patients);
		return -1;
	}
	if (sender_ins[0]) {
		if (load_table(o->patients, err, errsize, loaded))
			return -1;
		return sim_dmp_patient_traits(sender_ins, p) == 0 ? 1 : 0;
	}
	return 0;
}

static void first_given(const struct sim_dmp_patient *p, char out[101])
{
	snprintf(out, 101, "%.*s", (int)strcspn(p->first_names, " "), p->first_names);
}

static void birth_fr(const struct sim_dmp_patient *p, char out[11])
{
	snprintf(out, 11, "%.2s/%.2s/%.4s", p->birth_date + 8, p->birth_date + 5, p->birth_date);
}

/* "Mme Chloé LEFÈVRE, née le 12/04/1988" */
static void patient_phrase(const struct sim_dmp_patient *p, char *out, size_t size)
{
	char given[101], birth[11];
	int f = p->sex[0] == 'F';

	first_given(p, given);
	birth_fr(p, birth);
	snprintf(out, size, "%s %s %s, %s le %s", f ? "Mme" : "M.", given, p->birth_name,
		 f ? "née" : "né", birth);
}

/* "LEFÈVRE Chloé 12/04/1988", as the subject line names the patient. */
static void patient_subject(const struct sim_dmp_patient *p, char *out, size_t size)
{
	char given[101], birth[11];

	first_given(p, given);
	birth_fr(p, birth);
	snprintf(out, size, "%s %s %s", p->birth_name, given, birth);
}

/* ---- what the document says about itself (read back from the CDA built) -------------------- */

struct cda_info {
	char code[64], label[200], title[200];
	char author_id[64], author_root[64], given[101], family[101], prefix[16];
	char spec_code[64], spec_label[200], spec_system[64];
	char org_root[64], org_id[64], org_name[200], street[200], postal[16], city[100];
	char phone[64];
	char custodian_root[64], custodian_id[64];
	char facility_code[32], facility_system[64], facility_label[200];
};

static void xp(xmlXPathContextPtr ctx, const char *path, char *out, size_t size)
{
	char expr[400];
	xmlXPathObjectPtr r;

	snprintf(expr, sizeof expr, "string(%s)", path);
	out[0] = 0;
	r = xmlXPathEvalExpression(BAD_CAST expr, ctx);
	if (r && r->type == XPATH_STRING && r->stringval)
		snprintf(out, size, "%s", (const char *)r->stringval);
	xmlXPathFreeObject(r);
}

#define AUTHOR "/h:ClinicalDocument/h:author[1]/h:assignedAuthor"
#define ORG AUTHOR "/h:representedOrganization"
#define CUSTODIAN "/h:ClinicalDocument/h:custodian/h:assignedCustodian/" \
	"h:representedCustodianOrganization/h:id"
#define FACILITY "/h:ClinicalDocument/h:componentOf/h:encompassingEncounter/h:location/" \
	"h:healthCareFacility/h:code"

static int read_cda_info(const struct sim_dmp_doc *d, struct cda_info *ci)
{
	xmlDocPtr doc = xmlReadMemory((const char *)d->bytes, (int)d->len, "DOC0001.XML", NULL,
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlXPathContextPtr ctx = doc ? xmlXPathNewContext(doc) : NULL;

	memset(ci, 0, sizeof *ci);
	if (!ctx || xmlXPathRegisterNs(ctx, BAD_CAST "h", BAD_CAST HL7_NS) != 0) {
		xmlXPathFreeContext(ctx);
		xmlFreeDoc(doc);
		return -1;
	}
	xp(ctx, "/h:ClinicalDocument/h:code/@code", ci->code, sizeof ci->code);
	xp(ctx, "/h:ClinicalDocument/h:code/@displayName", ci->label, sizeof ci->label);
	xp(ctx, "/h:ClinicalDocument/h:title", ci->title, sizeof ci->title);
	xp(ctx, AUTHOR "/h:id/@extension", ci->author_id, sizeof ci->author_id);
	xp(ctx, AUTHOR "/h:id/@root", ci->author_root, sizeof ci->author_root);
	xp(ctx, AUTHOR "/h:assignedPerson/h:name/h:given", ci->given, sizeof ci->given);
	xp(ctx, AUTHOR "/h:assignedPerson/h:name/h:family", ci->family, sizeof ci->family);
	xp(ctx, AUTHOR "/h:assignedPerson/h:name/h:prefix", ci->prefix, sizeof ci->prefix);
	xp(ctx, AUTHOR "/h:code/@code", ci->spec_code, sizeof ci->spec_code);
	xp(ctx, AUTHOR "/h:code/@displayName", ci->spec_label, sizeof ci->spec_label);
	xp(ctx, AUTHOR "/h:code/@codeSystem", ci->spec_system, sizeof ci->spec_system);
	xp(ctx, ORG "/h:id/@root", ci->org_root, sizeof ci->org_root);
	xp(ctx, ORG "/h:id/@extension", ci->org_id, sizeof ci->org_id);
	xp(ctx, ORG "/h:name", ci->org_name, sizeof ci->org_name);
	xp(ctx, ORG "/h:addr/h:streetAddressLine", ci->street, sizeof ci->street);
	xp(ctx, ORG "/h:addr/h:postalCode", ci->postal, sizeof ci->postal);
	xp(ctx, ORG "/h:addr/h:city", ci->city, sizeof ci->city);
	xp(ctx, "substring-after(" ORG "/h:telecom/@value, 'tel:')", ci->phone, sizeof ci->phone);
	xp(ctx, CUSTODIAN "/@root", ci->custodian_root, sizeof ci->custodian_root);
	xp(ctx, CUSTODIAN "/@extension", ci->custodian_id, sizeof ci->custodian_id);
	xp(ctx, FACILITY "/@code", ci->facility_code, sizeof ci->facility_code);
	xp(ctx, FACILITY "/@codeSystem", ci->facility_system, sizeof ci->facility_system);
	xp(ctx, FACILITY "/@displayName", ci->facility_label, sizeof ci->facility_label);
	xmlXPathFreeContext(ctx);
	xmlFreeDoc(doc);
	return ci->code[0] && ci->family[0] ? 0 : -1;
}

/* ---- deterministic identifiers ------------------------------------------------------------- */

/* A name-based UUID (version 5 layout over SHA-1), "urn:uuid:..." */
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

/* An OID arc from the same digest: "SET_ROOT.<digits>" */
static void oid_of(const char *name, char *out, size_t size)
{
	unsigned char md[20];
	unsigned long long v = 0;

	if (gnutls_hash_fast(GNUTLS_DIG_SHA1, name, strlen(name), md) < 0)
		memset(md, 0, sizeof md);
	for (int i = 0; i < 7; i++)
		v = (v << 8) | md[i];
	snprintf(out, size, "%s.%llu", SET_ROOT, v + 1);
}

/* ---- METADATA.XML (ebRS 3.0 SubmitObjectsRequest, as the ANS XDM examples) ------------------- */

static void x_slot(struct sim_xw *x, const char *name, const char *value)
{
	sim_xw_open(x, "ns2:Slot");
	sim_xw_attr(x, "name", name);
	sim_xw_open(x, "ns2:ValueList");
	sim_xw_leaf(x, "ns2:Value", value);
	sim_xw_close(x);
	sim_xw_close(x);
}

static void x_name(struct sim_xw *x, const char *element, const char *value)
{
	sim_xw_open(x, element);
	sim_xw_open(x, "ns2:LocalizedString");
	sim_xw_attr(x, "xml:lang", "fr-FR");
	sim_xw_attr(x, "charset", "UTF-8");
	sim_xw_attr(x, "value", value);
	sim_xw_close(x);
	sim_xw_close(x);
}

static void x_external_id(struct sim_xw *x, const char *set_id, const char *scheme,
			  const char *value, const char *label)
{
	char name[200], id[48];

	snprintf(name, sizeof name, "%s#%s", set_id, scheme);
	uuid_of(name, id);
	sim_xw_open(x, "ns2:ExternalIdentifier");
	sim_xw_attr(x, "id", id);
	sim_xw_attr(x, "identificationScheme", scheme);
	sim_xw_attr(x, "objectType",
	       "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:ExternalIdentifier");
	sim_xw_attr(x, "registryObject", set_id);
	sim_xw_attr(x, "value", value);
	x_name(x, "ns2:Name", label);
	sim_xw_close(x);
}

struct xdm_ctx {
	const struct sim_dmp_patient *p;
	const struct sim_dmp_doc *d;
	const struct cda_info *ci;
	const char *patient_id;    /* "INS^^^&OID&ISO^NH" written as sourcePatientId */
	const char *action;        /* "C", "D", or NULL: no extraMetadataSlot */
	char set_id[48], set_unique[80];
};

static void set_author(struct sim_xw *x, const struct xdm_ctx *c)
{
	const struct cda_info *ci = c->ci;
	char name[200], id[48], v[600];

	snprintf(name, sizeof name, "%s#author", c->set_id);
	uuid_of(name, id);
	sim_xw_comment(x, " Auteur du lot de soumission ");
	sim_xw_open(x, "ns2:Classification");
	sim_xw_attr(x, "classificationScheme", "urn:uuid:a7058bb9-b4e4-4307-ba5b-e3f0ab85e12d");
	sim_xw_attr(x, "classifiedObject", c->set_id);
	sim_xw_attr(x, "id", id);
	sim_xw_attr(x, "nodeRepresentation", "");
	sim_xw_attr(x, "objectType",
	       "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification");
	snprintf(v, sizeof v, "%s^^^^^&%s&ISO^IDNST^^^%s", ci->org_name,
		 ci->org_root[0] ? ci->org_root : OID_STRUCT, ci->org_id);
	x_slot(x, "authorInstitution", v);
	snprintf(v, sizeof v, "%s^%s^%s^^^^^^&%s&ISO^D^^^IDNPS", ci->author_id, ci->family,
		 ci->given, ci->author_root);
	x_slot(x, "authorPerson", v);
	snprintf(v, sizeof v, "%s^%s^%s", ci->spec_code, ci->spec_label, ci->spec_system);
	x_slot(x, "authorSpecialty", v);
	sim_xw_close(x);
}

static void set_classifications(struct sim_xw *x, const struct xdm_ctx *c)
{
	char name[200], id[48];

	snprintf(name, sizeof name, "%s#submissionset", c->set_id);
	uuid_of(name, id);
	sim_xw_open(x, "ns2:Classification");
	sim_xw_attr(x, "classificationNode", "urn:uuid:a54d6aa5-d40d-43f9-88c5-b4633d873bdd");
	sim_xw_attr(x, "classifiedObject", c->set_id);
	sim_xw_attr(x, "id", id);
	sim_xw_attr(x, "objectType",
	       "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification");
	sim_xw_close(x);
	set_author(x, c);
	/* contentTypeCode: the ANS generator puts the healthcare facility type there. */
	snprintf(name, sizeof name, "%s#contenttype", c->set_id);
	uuid_of(name, id);
	sim_xw_open(x, "ns2:Classification");
	sim_xw_attr(x, "classificationScheme", "urn:uuid:aa543740-bdda-424e-8c96-df4873be8500");
	sim_xw_attr(x, "classifiedObject", c->set_id);
	sim_xw_attr(x, "id", id);
	sim_xw_attr(x, "nodeRepresentation", c->ci->facility_code);
	sim_xw_attr(x, "objectType",
	       "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Classification");
	x_slot(x, "codingScheme", c->ci->facility_system);
	x_name(x, "ns2:Name", c->ci->facility_label);
	sim_xw_close(x);
}

static void submission_set(struct sim_xw *x, const struct xdm_ctx *c)
{
	char source[160];

	snprintf(source, sizeof source, "%s.%s", c->ci->custodian_root, c->ci->custodian_id);
	sim_xw_comment(x, " Lot de soumission (RegistryPackage) ");
	sim_xw_open(x, "ns2:RegistryPackage");
	sim_xw_attr(x, "id", c->set_id);
	sim_xw_attr(x, "objectType", "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:"
	       "RegistryPackage");
	sim_xw_attr(x, "status", "urn:oasis:names:tc:ebxml-regrep:StatusType:Approved");
	x_slot(x, "submissionTime", c->d->submission_time);
	x_name(x, "ns2:Name", c->ci->title);
	x_name(x, "ns2:Description", "");
	set_classifications(x, c);
	x_external_id(x, c->set_id, "urn:uuid:6b5aea1a-874d-4603-a4bc-96a0a7b38446",
		      c->patient_id, "XDSSubmissionSet.patientId");
	x_external_id(x, c->set_id, "urn:uuid:554ac39e-e3fe-47fe-b233-965d2a147832", source,
		      "XDSSubmissionSet.sourceId");
	x_external_id(x, c->set_id, "urn:uuid:96fdda7c-d067-4183-912e-bf5ee74998a8",
		      c->set_unique, "XDSSubmissionSet.uniqueId");
	sim_xw_close(x);
}

static void association(struct sim_xw *x, const struct xdm_ctx *c)
{
	char name[200], id[48];

	snprintf(name, sizeof name, "%s#hasmember", c->set_id);
	uuid_of(name, id);
	sim_xw_comment(x, " Association lot de soumission - document ");
	sim_xw_open(x, "ns2:Association");
	sim_xw_attr(x, "associationType", "urn:oasis:names:tc:ebxml-regrep:AssociationType:HasMember");
	sim_xw_attr(x, "id", id);
	sim_xw_attr(x, "objectType",
	       "urn:oasis:names:tc:ebxml-regrep:ObjectType:RegistryObject:Association");
	sim_xw_attr(x, "sourceObject", c->set_id);
	sim_xw_attr(x, "targetObject", c->d->entry_uuid);
	x_slot(x, "SubmissionSetStatus", "Original");
	sim_xw_close(x);
}

static int write_metadata(const struct xdm_ctx *c, struct buf *out)
{
	xmlBufferPtr xb = xmlBufferCreate();
	struct sim_xw x = { xb ? xmlNewTextWriterMemory(xb, 0) : NULL, NULL, 0 };
	const char *extra[] = { "urn:action:extraMetadataSlot", c->action, "URI", "DOC0001.XML",
				NULL };
	const char *const *slots = c->action ? extra : extra + 2;

	if (!x.w) {
		if (xb)
			xmlBufferFree(xb);
		return -1;
	}
	if (xmlTextWriterSetIndent(x.w, 1) < 0 ||
	    xmlTextWriterSetIndentString(x.w, BAD_CAST "   ") < 0 ||
	    xmlTextWriterStartDocument(x.w, "1.0", "UTF-8", NULL) < 0)
		x.err = 1;
	sim_xw_open(&x, "ns5:SubmitObjectsRequest");
	sim_xw_attr(&x, "xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance");
	sim_xw_attr(&x, "xmlns:xsd", "http://www.w3.org/2001/XMLSchema");
	sim_xw_attr(&x, "xmlns:ns5", LCM_NS);
	sim_xw_open(&x, "RegistryObjectList");
	sim_xw_attr(&x, "xmlns", RIM_NS);
	sim_xw_attr(&x, "xmlns:ns2", RIM_NS);
	submission_set(&x, c);
	sim_xw_comment(&x, c->action && c->action[0] == 'D'
		  ? " ExtraMetadata suppression de document "
		  : c->action ? " ExtraMetadata remplacement de document "
			      : " Document (ExtrinsicObject) - CDA DOC0001.XML ");
	if (!x.err && sim_dmp_write_entry_slots(x.w, "ns2", c->p, c->d, c->patient_id, slots))
		x.err = 1;
	association(&x, c);
	if (!x.err && xmlTextWriterEndDocument(x.w) < 0)
		x.err = 1;
	xmlFreeTextWriter(x.w);
	if (!x.err)
		buf_add(out, xmlBufferContent(xb), (size_t)xmlBufferLength(xb));
	xmlBufferFree(xb);
	return x.err || out->err ? -1 : 0;
}

/* ---- INDEX.HTM and README.TXT ------------------------------------------------------------- */

static void html_text(struct buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': buf_str(b, "&amp;"); break;
		case '<': buf_str(b, "&lt;"); break;
		case '>': buf_str(b, "&gt;"); break;
		case '"': buf_str(b, "&quot;"); break;
		default: buf_add(b, s, 1);
		}
	}
}

static void author_name(const struct cda_info *ci, char *out, size_t size)
{
	snprintf(out, size, "%s %s %s", strcmp(ci->prefix, "MME") ? "Dr" : "Dre", ci->given,
		 ci->family);
}

static void index_htm(struct buf *b, const struct cda_info *ci, const struct mailbox *from)
{
	char who[300];

	author_name(ci, who, sizeof who);
	buf_str(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n"
		"<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"fr\" lang=\"fr\">\r\n"
		"<head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=UTF-8\"/>\r\n"
		"<title>Documents de santé échangés selon le profil IHE XDM</title>\r\n</head>\r\n"
		"<body>\r\n<h1>Documents de santé</h1>\r\n<p>Émetteur : ");
	html_text(b, who);
	buf_str(b, ", ");
	html_text(b, ci->org_name);
	buf_str(b, ", ");
	html_text(b, ci->street);
	buf_str(b, ", ");
	html_text(b, ci->postal);
	buf_str(b, " ");
	html_text(b, ci->city);
	buf_str(b, " (messagerie : ");
	html_text(b, from->addr);
	buf_str(b, ")</p>\r\n<p><a href=\"README.TXT\">Informations sur ce support et son "
		"contenu (README.TXT)</a></p>\r\n<ul>\r\n<li><a href=\"IHE_XDM/SUBSET01/DOC0001.XML\">");
	html_text(b, ci->title);
	buf_str(b, "</a></li>\r\n</ul>\r\n</body>\r\n</html>\r\n");
}

static void readme_txt(struct buf *b, const struct cda_info *ci, const struct mailbox *from)
{
	char who[300];

	author_name(ci, who, sizeof who);
	buf_fmt(b, "ÉMETTEUR\r\n"
		"  Nom : %s\r\n"
		"  Organisation : %s\r\n"
		"  Adresse : %s, %s %s\r\n"
		"  Téléphone : %s\r\n"
		"  Messagerie sécurisée : %s\r\n\r\n", who, ci->org_name, ci->street, ci->postal,
		ci->city, ci->phone, from->addr);
	buf_fmt(b, "APPLICATION ÉMETTRICE\r\n"
		"  Nom : vigie-sim\r\n"
		"  Version : %s\r\n"
		"  Éditeur : projet Vigie (simulateur de test, données fictives)\r\n\r\n",
		PACKAGE_VERSION);
	buf_str(b, "INSTRUCTIONS\r\n"
		"  Ce support suit le profil IHE XDM (Cross-Enterprise Document Media\r\n"
		"  Interchange). Ouvrez INDEX.HTM dans un navigateur pour la liste des documents.\r\n"
		"  Les documents CDA R2 sont dans IHE_XDM/SUBSET01 ; METADATA.XML décrit chacun\r\n"
		"  d'eux (patient, type, dates, empreinte SHA-1 et taille) pour leur intégration\r\n"
		"  dans le dossier du patient par le logiciel du destinataire.\r\n\r\n"
		"ARBORESCENCE\r\n"
		"  INDEX.HTM\r\n"
		"  README.TXT\r\n"
		"  IHE_XDM/\r\n"
		"    SUBSET01/\r\n"
		"      DOC0001.XML\r\n"
		"      METADATA.XML\r\n");
}

/* ---- IHE_XDM.ZIP (libzip, in memory, fixed times) ------------------------------------------- */

struct entry {
	const char *name;
	const void *data;          /* NULL: a directory */
	size_t len;
};

static void dos_time(const char *ts, zip_uint16_t *dtime, zip_uint16_t *ddate)
{
	int y = 1980, mo = 1, d = 1, h = 0, mi = 0, s = 0;

	sscanf(ts, "%4d%2d%2d%2d%2d%2d", &y, &mo, &d, &h, &mi, &s);
	*dtime = (zip_uint16_t)((h << 11) | (mi << 5) | (s / 2));
	*ddate = (zip_uint16_t)(((y - 1980) << 9) | (mo << 5) | d);
}

static int zip_add_entries(zip_t *za, const struct entry *e, size_t n, const char *ts)
{
	zip_uint16_t dtime, ddate;

	dos_time(ts, &dtime, &ddate);
	for (size_t i = 0; i < n; i++) {
		zip_int64_t idx;

		if (e[i].data) {
			zip_source_t *s = zip_source_buffer(za, e[i].data, e[i].len, 0);
			if (!s)
				return -1;
			idx = zip_file_add(za, e[i].name, s, ZIP_FL_ENC_UTF_8);
			if (idx < 0) {
				zip_source_free(s);
				return -1;
			}
			if (zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 9) < 0)
				return -1;
		} else {
			idx = zip_dir_add(za, e[i].name, ZIP_FL_ENC_UTF_8);
			if (idx < 0)
				return -1;
		}
		if (zip_file_set_dostime(za, (zip_uint64_t)idx, dtime, ddate, 0) < 0)
			return -1;
	}
	return 0;
}

static int zip_build(const struct entry *e, size_t n, const char *ts, struct buf *out)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za;
	zip_stat_t st;
	char chunk[8192];
	zip_int64_t got;
	int rc = -1;

	zip_error_init(&ze);
	src = zip_source_buffer_create(NULL, 0, 0, &ze);
	if (!src)
		goto done;
	za = zip_open_from_source(src, ZIP_TRUNCATE, &ze);
	if (!za) {
		zip_source_free(src);
		goto done;
	}
	zip_source_keep(src);
	if (zip_add_entries(za, e, n, ts) < 0) {
		zip_discard(za);
		zip_source_free(src);
		goto done;
	}
	if (zip_close(za) < 0) {
		zip_discard(za);
		zip_source_free(src);
		goto done;
	}
	if (zip_source_stat(src, &st) == 0 && zip_source_open(src) == 0) {
		while ((got = zip_source_read(src, chunk, sizeof chunk)) > 0)
			buf_add(out, chunk, (size_t)got);
		zip_source_close(src);
		rc = got == 0 && !out->err && (zip_uint64_t)out->len == st.size ? 0 : -1;
	}
	zip_source_free(src);
done:
	zip_error_fini(&ze);
	return rc;
}

/* ---- MIME pieces ---------------------------------------------------------------------------- */

static int is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80 || *s == '\r' || *s == '\n')
			return 0;
	return 1;
}

static int base64_of(const void *data, size_t len, gnutls_datum_t *out)
{
	gnutls_datum_t in = { (unsigned char *)data, (unsigned)len };

	out->data = NULL;
	out->size = 0;
	return gnutls_base64_encode2(&in, out) < 0 ? -1 : 0;
}

/* RFC 2047 "B" encoded words cut between UTF-8 characters, each line (folded between words)
 * within 76 characters. col: characters already on the first line. */
static void encoded_words(struct buf *b, const char *s, size_t col)
{
	size_t len = strlen(s), i = 0;

	while (i < len) {
		size_t room = col + 12 < 76 ? (76 - col - 12) / 4 * 3 : 3;
		size_t n = len - i < room ? len - i : room;
		gnutls_datum_t enc;

		while (i + n < len && n > 1 && ((unsigned char)s[i + n] & 0xC0) == 0x80)
			n--;
		if (base64_of(s + i, n, &enc)) {
			b->err = 1;
			return;
		}
		if (i)
			buf_str(b, "\r\n ");
		buf_str(b, "=?UTF-8?B?");
		buf_add(b, enc.data, enc.size);
		buf_str(b, "?=");
		gnutls_free(enc.data);
		i += n;
		col = 1;
	}
}

static void header_text(struct buf *b, const char *name, const char *value)
{
	buf_fmt(b, "%s: ", name);
	if (is_ascii(value))
		buf_str(b, value);
	else
		encoded_words(b, value, strlen(name) + 2);
	buf_str(b, "\r\n");
}

static void header_mailbox(struct buf *b, const char *name, const struct mailbox *m)
{
	buf_fmt(b, "%s: ", name);
	if (m->name[0]) {
		if (!is_ascii(m->name))
			encoded_words(b, m->name, strlen(name) + 2);
		else if (strpbrk(m->name, "()<>[]:;@\\,.\""))
			buf_fmt(b, "\"%s\"", m->name);
		else
			buf_str(b, m->name);
		buf_fmt(b, " <%s>\r\n", m->addr);
	} else {
		buf_fmt(b, "%s\r\n", m->addr);
	}
}

/* RFC 5322 date of an "AAAAMMJJhhmm[ss]" UTC stamp. */
static void rfc5322_date(const char *ts, char out[64])
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
					      "Aug", "Sep", "Oct", "Nov", "Dec" };
	time_t t = stamp_time(ts);
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, 64, "%s, %d %s %d %02d:%02d:%02d +0000", days[tm.tm_wday], tm.tm_mday,
		 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* Quoted-printable (RFC 2045) of UTF-8 text with '\n' line ends, lines of at most 76. */
static void quoted_printable(struct buf *b, const char *text)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t col = 0;

	for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
		char piece[4];
		size_t n;
		int last = s[1] == '\n' || s[1] == 0;

		if (*s == '\n') {
			buf_str(b, "\r\n");
			col = 0;
			continue;
		}
		if ((*s >= 33 && *s <= 126 && *s != '=') || ((*s == ' ' || *s == '\t') && !last)) {
			piece[0] = (char)*s;
			n = 1;
		} else {
			piece[0] = '=';
			piece[1] = hex[*s >> 4];
			piece[2] = hex[*s & 15];
			n = 3;
		}
		if (col + n > 75) {
			buf_str(b, "=\r\n");
			col = 0;
		}
		buf_add(b, piece, n);
		col += n;
	}
}

static void base64_lines(struct buf *b, const void *data, size_t len)
{
	gnutls_datum_t enc;

	if (base64_of(data, len, &enc)) {
		b->err = 1;
		return;
	}
	for (size_t i = 0; i < enc.size; i += 76) {
		size_t n = enc.size - i < 76 ? enc.size - i : 76;
		buf_add(b, enc.data + i, n);
		buf_str(b, "\r\n");
	}
	gnutls_free(enc.data);
}

static void part_text(struct buf *b, const char *boundary, const char *body)
{
	if (boundary)
		buf_fmt(b, "--%s\r\n", boundary);
	buf_str(b, "Content-Type: text/plain; charset=UTF-8\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n");
	quoted_printable(b, body);
	buf_str(b, "\r\n");
}

static void part_file(struct buf *b, const char *boundary, const char *type, const char *name,
		      const void *data, size_t len)
{
	buf_fmt(b, "--%s\r\n"
		"Content-Type: %s; name=\"%s\"\r\n"
		"Content-Transfer-Encoding: base64\r\n"
		"Content-Disposition: attachment; filename=\"%s\"\r\n\r\n",
		boundary, type, name, name);
	base64_lines(b, data, len);
}

/* ---- the message -------------------------------------------------------------------------- */

struct msg {
	const struct mss_opts *o;
	struct mailbox from, to;
	int from_patient;          /* the sender is a patient (Mon espace santé) */
	struct sim_dmp_patient *p; /* the patient with at most one document built */
	int has_patient;
	struct sim_dmp_doc *d;     /* NULL: no document */
	struct cda_info ci;
	char date[15];             /* Date header, AAAAMMJJhhmmss */
	char subject[512];
	char body[2048];
	char seed[41];             /* SHA-1 of the options: Message-ID and boundary */
	struct buf zip;            /* IHE_XDM.ZIP bytes */
	unsigned char *pdf;        /* PDF attachment */
	size_t pdf_len;
	const char *pdf_name;
};

static const char *signature(const struct msg *m)
{
	return m->from.name[0] ? m->from.name : m->from.addr;
}

static void cda_texts(struct msg *m)
{
	char who[400], pat[300];

	patient_phrase(m->p, who, sizeof who);
	patient_subject(m->p, pat, sizeof pat);
	snprintf(m->subject, sizeof m->subject, XDM_PREFIX "%s %s", m->ci.label, pat);
	if (m->o->action == 'D')
		snprintf(m->body, sizeof m->body, "Bonjour,\n\nLe document « %s » concernant %s, "
			 "que je vous avais adressé, est supprimé : merci de ne plus en tenir "
			 "compte.\n\nBien cordialement,\n%s\n", m->ci.title, who, signature(m));
	else
		snprintf(m->body, sizeof m->body, "Bonjour,\n\nVeuillez trouver ci-joint le "
			 "document « %s » concernant %s.%s\n\nLe document structuré est dans "
			 "l'archive IHE_XDM.ZIP jointe.\n\nBien cordialement,\n%s\n", m->ci.title,
			 who, m->d->version > 1 ? "\nIl remplace la version transmise précédemment."
						: "", signature(m));
}

static void patient_signature(const struct msg *m, char *out, size_t size)
{
	char given[101];

	if (!m->has_patient) {
		snprintf(out, size, "Envoyé depuis Mon espace santé");
		return;
	}
	first_given(m->p, given);
	snprintf(out, size, "%s %s", given, m->p->used_name[0] ? m->p->used_name
							      : m->p->birth_name);
}

static void plain_texts(struct msg *m)
{
	char who[400], pat[300], sig[300], day[11];

	snprintf(day, sizeof day, "%.2s/%.2s/%.4s", m->o->date + 6, m->o->date + 4, m->o->date);
	if (m->from_patient) {
		patient_signature(m, sig, sizeof sig);
		snprintf(m->subject, sizeof m->subject, "Question avant mon prochain rendez-vous");
		snprintf(m->body, sizeof m->body, "Bonjour Docteur,\n\nDois-je être à jeun pour la "
			 "prise de sang prévue avant mon prochain rendez-vous ? Je ressens aussi "
			 "une fatigue inhabituelle depuis une quinzaine de jours.\n\nMerci "
			 "d'avance,\n%s\n", sig);
		return;
	}
	if (!m->has_patient) {
		snprintf(m->subject, sizeof m->subject, "Demande d'avis");
		snprintf(m->body, sizeof m->body, "Bonjour,\n\nPourriez-vous me rappeler au sujet "
			 "d'une patiente que nous suivons en commun ? Je suis joignable au cabinet "
			 "cet après-midi.\n\nBien cordialement,\n%s\n", signature(m));
		return;
	}
	patient_phrase(m->p, who, sizeof who);
	patient_subject(m->p, pat, sizeof pat);
	snprintf(m->subject, sizeof m->subject, "Au sujet de %s", pat);
	snprintf(m->body, sizeof m->body, "Bonjour,\n\nJe vois %s, en consultation le %s. "
		 "Pourriez-vous me transmettre son dernier bilan biologique et la liste de ses "
		 "traitements en cours ?\n\nBien cordialement,\n%s\n", who, day, signature(m));
}

static void pdf_texts(struct msg *m)
{
	char who[400], pat[300], sig[300], day[11];

	snprintf(day, sizeof day, "%.2s/%.2s/%.4s", m->o->date + 6, m->o->date + 4, m->o->date);
	if (m->from_patient) {
		patient_signature(m, sig, sizeof sig);
		snprintf(m->subject, sizeof m->subject, "Mes résultats d'analyses");
		snprintf(m->body, sizeof m->body, "Bonjour Docteur,\n\nVoici les résultats de ma "
			 "prise de sang du %s, comme convenu.\n\nCordialement,\n%s\n", day, sig);
		return;
	}
	patient_phrase(m->p, who, sizeof who);
	patient_subject(m->p, pat, sizeof pat);
	snprintf(m->subject, sizeof m->subject, "%s %s", m->ci.title, pat);
	snprintf(m->body, sizeof m->body, "Bonjour,\n\nVeuillez trouver ci-joint le document "
		 "« %s » concernant %s, au format PDF.\n\nBien cordialement,\n%s\n",
		 m->ci.title, who, signature(m));
}

static void make_seed(struct msg *m)
{
	const struct mss_opts *o = m->o;
	char text[2048];

	snprintf(text, sizeof text, "%s|%s|%s|%s|%d|%c|%s|%s|%s|%d|%s|%d", types[o->type].name,
		 m->has_patient ? m->p->ins : "", m->has_patient ? m->p->birth_name : "",
		 m->has_patient ? m->p->first_names : "", o->version, o->action, o->date,
		 m->from.addr, m->to.addr, o->urgent, o->xdm_ins, o->pdf_joint);
	if (sim_dmp_sha1_hex(text, strlen(text), m->seed))
		memset(m->seed, '0', 40);
	m->seed[40] = 0;
}

static void message_id(const struct msg *m, char *out, size_t size)
{
	const char *v = m->o->message_id, *domain = strchr(m->from.addr, '@') + 1;
	size_t n = strlen(v);

	if (n >= 2 && v[0] == '<' && v[n - 1] == '>')
		snprintf(out, size, "%s", v);
	else if (n)
		snprintf(out, size, "<%s>", v);
	else
		snprintf(out, size, "<%.20s.%.14s@%s>", m->seed, m->date, domain);
}

static void write_headers(struct buf *b, const struct msg *m, const char *boundary)
{
	char date[64], id[300];

	rfc5322_date(m->date, date);
	message_id(m, id, sizeof id);
	header_mailbox(b, "From", &m->from);
	header_mailbox(b, "To", &m->to);
	header_text(b, "Subject", m->subject);
	buf_fmt(b, "Date: %s\r\nMessage-ID: %s\r\nMIME-Version: 1.0\r\n", date, id);
	if (m->o->urgent)
		buf_str(b, "Priority: urgent\r\nX-Priority: 1\r\n");
	if (m->d && m->o->type != T_PDF)
		buf_fmt(b, "X-MSS-CODECDA: %s\r\nX-MSS-INS: O\r\n", m->ci.code);
	buf_str(b, "X-MSS-NIL: VIGIE-SIM\r\n");
	if (boundary)
		buf_fmt(b, "Content-Type: multipart/mixed;\r\n boundary=\"%s\"\r\n\r\n"
			"Message MIME en plusieurs parties.\r\n", boundary);
}

static int compose(struct msg *m, struct buf *b)
{
	char boundary[64];

	if (m->o->type == T_TEXTE) {
		write_headers(b, m, NULL);
		part_text(b, NULL, m->body);
		return b->err ? -1 : 0;
	}
	snprintf(boundary, sizeof boundary, "=_vigie-sim_%.24s", m->seed);
	write_headers(b, m, boundary);
	part_text(b, boundary, m->body);
	if (m->zip.len)
		part_file(b, boundary, "application/zip", "IHE_XDM.ZIP", m->zip.p, m->zip.len);
	if (m->pdf)
		part_file(b, boundary, "application/pdf", m->pdf_name, m->pdf, m->pdf_len);
	buf_fmt(b, "--%s--\r\n", boundary);
	return b->err ? -1 : 0;
}

/* ---- building the parts --------------------------------------------------------------------- */

static int build_document(struct msg *m, char *err, size_t errsize)
{
	const struct mss_opts *o = m->o;
	const char *kind = types[o->type].kind;
	char spec[64], msg[300];

	if (m->from_patient && o->type == T_PDF)
		kind = "bio"; /* a patient forwards the results of the laboratory */
	snprintf(spec, sizeof spec, "%s:%d@%s", kind, o->version, o->date);
	if (sim_dmp_docs_parse(spec, m->p, msg, sizeof msg) ||
	    sim_dmp_docs_build(m->p, msg, sizeof msg)) {
		snprintf(err, errsize, "document %s : %s", kind, msg);
		return -1;
	}
	m->d = &m->p->docs[0];
	if (read_cda_info(m->d, &m->ci)) {
		snprintf(err, errsize, "document %s : en-tête CDA illisible", kind);
		return -1;
	}
	memcpy(m->date, m->d->submission_time, sizeof m->date);
	return 0;
}

static int build_pdf(struct msg *m, char *err, size_t errsize)
{
	if (sim_dmp_doc_pdf(m->p, m->d, &m->pdf, &m->pdf_len) || !m->pdf) {
		snprintf(err, errsize, "copie PDF du document impossible à construire");
		return -1;
	}
	m->pdf_name = m->from_patient ? "resultats-analyses.pdf" : types[m->o->type].pdf_name;
	return 0;
}

static int build_xdm(struct msg *m, char *err, size_t errsize)
{
	struct buf meta = { 0 }, index = { 0 }, readme = { 0 };
	struct xdm_ctx c = { m->p, m->d, &m->ci, NULL, NULL, "", "" };
	char pid[96], name[200];
	int rc = -1;

	snprintf(pid, sizeof pid, "%s^^^&%s&ISO^NH", m->o->xdm_ins[0] ? m->o->xdm_ins : m->p->ins,
		 m->p->oid);
	c.patient_id = pid;
	if (m->o->action == 'D')
		c.action = "D";
	else if (m->d->version > 1)
		c.action = "C";
	snprintf(name, sizeof name, "vigie-sim:mss:set:%s:%c:%s", m->d->unique_id, m->o->action,
		 m->seed);
	uuid_of(name, c.set_id);
	oid_of(name, c.set_unique, sizeof c.set_unique);
	index_htm(&index, &m->ci, &m->from);
	readme_txt(&readme, &m->ci, &m->from);
	if (write_metadata(&c, &meta) == 0 && !index.err && !readme.err) {
		const struct entry e[] = {
			{ "INDEX.HTM", index.p, index.len },
			{ "README.TXT", readme.p, readme.len },
			{ "IHE_XDM", NULL, 0 },
			{ "IHE_XDM/SUBSET01", NULL, 0 },
			{ "IHE_XDM/SUBSET01/DOC0001.XML", m->d->bytes, m->d->len },
			{ "IHE_XDM/SUBSET01/METADATA.XML", meta.p, meta.len },
		};
		rc = zip_build(e, sizeof e / sizeof e[0], m->d->submission_time, &m->zip);
	}
	if (rc)
		snprintf(err, errsize, "archive IHE_XDM.ZIP impossible à construire");
	else if (m->o->type == T_ZIP_BROKEN)
		m->zip.len /= 2; /* cut in the middle: no central directory, not a ZIP any more */
	free(meta.p);
	free(index.p);
	free(readme.p);
	return rc;
}

/* Option combinations that make no message. 0 or -1 with err. */
static int check_combination(const struct msg *m, char *err, size_t errsize)
{
	const struct mss_opts *o = m->o;
	int cda = types[o->type].kind && o->type != T_PDF;

	if (m->from_patient && cda) {
		snprintf(err, errsize, "un patient (%s) n'envoie pas de document CDA : --type "
			 "texte ou pdf", m->from.addr);
		return -1;
	}
	if (!cda && (o->version > 1 || o->action_given || o->xdm_ins[0] || o->pdf_joint)) {
		snprintf(err, errsize, "--version, --action, --xdm-ins et --pdf-joint ne "
			 "s'appliquent qu'aux documents CDA (--type bio, vacc, consult, adressage, "
			 "synthese, zip-casse)");
		return -1;
	}
	if (o->xdm_ins[0] && !ins_shape(o->xdm_ins)) {
		snprintf(err, errsize, "--xdm-ins « %s » : matricule INS de 15 caractères attendu",
			 o->xdm_ins);
		return -1;
	}
	if (o->pdf_joint && o->type == T_VACC) {
		snprintf(err, errsize, "la note de vaccination n'a pas de copie PDF (--pdf-joint)");
		return -1;
	}
	if (!m->has_patient && (cda || o->type == T_PDF)) {
		snprintf(err, errsize, "patient manquant : --patient INS ou ses traits (--ins, "
			 "--nom, --prenoms, --sexe, --naissance, --cog)");
		return -1;
	}
	return 0;
}

static int build_message(struct msg *m, char *err, size_t errsize)
{
	const struct mss_opts *o = m->o;

	if (check_combination(m, err, errsize))
		return -1;
	make_seed(m);
	if (o->type == T_TEXTE) {
		snprintf(m->date, sizeof m->date, "%s00", o->date);
		plain_texts(m);
		return 0;
	}
	if (build_document(m, err, errsize))
		return -1;
	if (o->type == T_PDF) {
		if (build_pdf(m, err, errsize))
			return -1;
		pdf_texts(m);
		return 0;
	}
	if (build_xdm(m, err, errsize) || (o->pdf_joint && build_pdf(m, err, errsize)))
		return -1;
	cda_texts(m);
	return 0;
}

static int write_out(const char *path, const struct buf *b, char *err, size_t errsize)
{
	FILE *f = path[0] ? fopen(path, "wb") : stdout;

	if (!f || fwrite(b->p, 1, b->len, f) != b->len || fflush(f) != 0 ||
	    (path[0] && fclose(f) != 0)) {
		snprintf(err, errsize, "écriture de %s impossible : %s",
			 path[0] ? path : "la sortie standard", strerror(errno));
		if (f && path[0])
			fclose(f);
		return -1;
	}
	return 0;
}

static void default_date(char out[13])
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(out, 13, "%Y%m%d%H%M", &tm);
}

static int run(struct mss_opts *o, char *err, size_t errsize, int *loaded)
{
	struct sim_dmp_patient *p = calloc(1, sizeof *p);
	struct msg m = { .o = o, .p = p };
	struct buf out = { 0 };
	char sender_ins[16];
	int rc = -1;

	if (!p) {
		snprintf(err, errsize, "mémoire insuffisante");
		return -1;
	}
	if (parse_mailbox(o->from, &m.from, "--de", err, errsize) ||
	    parse_mailbox(o->to, &m.to, "--a", err, errsize))
		goto done;
	patient_address_ins(m.from.addr, sender_ins);
	m.from_patient = sender_ins[0] != 0;
	m.has_patient = resolve_patient(o, sender_ins, p, err, errsize, loaded);
	if (m.has_patient < 0)
		goto done;
	if (build_message(&m, err, errsize) == 0 && compose(&m, &out) == 0)
		rc = write_out(o->output, &out, err, errsize);
	else if (!err[0])
		snprintf(err, errsize, "mémoire insuffisante");
done:
	sim_dmp_docs_free(p);
	free(p);
	free(m.zip.p);
	free(m.pdf);
	free(out.p);
	return rc;
}

int sim_mss_main(int argc, char **argv, const char *default_patients)
{
	struct mss_opts o = { .type = T_BIO, .version = 1, .action = 'C' };
	char err[600] = "";
	int rc, loaded = 0;

	snprintf(o.patients, sizeof o.patients, "%s", default_patients);
	snprintf(o.from, sizeof o.from, "%s", DEFAULT_FROM);
	snprintf(o.to, sizeof o.to, "%s", DEFAULT_TO);
	rc = parse_mss_args(argc, argv, &o, err, sizeof err);
	if (rc == 1) {
		mss_usage(stdout, default_patients);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "vigie-sim mss-message : %s\nEssayez « vigie-sim mss-message "
			"--help ».\n", err);
		return 2;
	}
	if (!o.date[0])
		default_date(o.date);
	xmlInitParser();
	rc = run(&o, err, sizeof err, &loaded);
	if (rc)
		fprintf(stderr, "vigie-sim mss-message : %s\n", err);
	if (loaded)
		sim_dmp_free();
	xmlCleanupParser();
	return rc ? 1 : 0;
}

/* ---- "vigie-sim mss-extract ZIP NAME": one entry of an archive on stdout (tests) ------------ */

int sim_mss_extract_main(int argc, char **argv)
{
	int zerr = 0;
	zip_t *za;
	zip_file_t *zf;
	zip_stat_t st;
	char chunk[8192];
	zip_int64_t got = 0;
	long total = 0;

	if (argc != 3) {
		fprintf(stderr, "Usage : vigie-sim mss-extract ARCHIVE.ZIP NOM\n");
		return 2;
	}
	za = zip_open(argv[1], ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
	if (!za) {
		fprintf(stderr, "vigie-sim mss-extract : %s : archive ZIP illisible\n", argv[1]);
		return 1;
	}
	zf = zip_stat(za, argv[2], 0, &st) == 0 && st.size <= EXTRACT_MAX
	     ? zip_fopen(za, argv[2], 0) : NULL;
	if (!zf) {
		fprintf(stderr, "vigie-sim mss-extract : %s : pas d'entrée « %s » lisible\n",
			argv[1], argv[2]);
		zip_discard(za);
		return 1;
	}
	while (total <= EXTRACT_MAX && (got = zip_fread(zf, chunk, sizeof chunk)) > 0) {
		fwrite(chunk, 1, (size_t)got, stdout);
		total += (long)got;
	}
	zip_fclose(zf);
	zip_discard(za);
	if (got < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "vigie-sim mss-extract : %s : lecture de « %s » impossible\n",
			argv[1], argv[2]);
		return 1;
	}
	return 0;
}
