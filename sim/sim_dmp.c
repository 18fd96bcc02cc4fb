/* vigie-sim: the DMP web services (TD0.2, TD0.3, TD3.1, TD3.2) with VIHF checks and faults. */
#include "sim/sim_dmp.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#define SOAP_NS "http://www.w3.org/2003/05/soap-envelope"
#define WSA_NS "http://www.w3.org/2005/08/addressing"
#define WSSE_NS "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
#define SAML_NS "urn:oasis:names:tc:SAML:2.0:assertion"
#define HL7_NS "urn:hl7-org:v3"
#define DMPX_NS "urn:si-dmp:extensions:1.0"
#define HAB_NS "urn:si-dmp-habilitations"
#define QUERY_NS "urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0"
#define RIM_NS "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
#define RS_NS "urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0"
#define XDS_NS "urn:ihe:iti:xds-b:2007"
#define XOP_NS "http://www.w3.org/2004/08/xop/include"

#define SERVICES "/si-dmp-server/v2/services/"
#define FIND_DOCUMENTS "urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d"
#define STATUS_PREFIX "urn:oasis:names:tc:ebxml-regrep:StatusType:"
#define RESPONSE_STATUS "urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:"
#define PATIENT_ID_MAX 128
#define RETRIEVE_MAX 8
#define MTOM_BOUNDARY "MIMEBoundary_vigie-sim_6b0b8f2e3c1d"

/* ---- the operations ---------------------------------------------------------------------- */

enum dmp_op { OP_TD02, OP_TD03, OP_TD31, OP_TD32 };

struct op_def {
	const char *service;       /* last path element */
	const char *log_name;
	const char *action;
	const char *answer_action;
};

static const struct op_def ops[] = {
	{ "patients", "td0.2", "urn:hl7-org:v3:PRPA_IN201307UV02",
	  "urn:hl7-org:v3:PRPA_IN201308UV02" },
	{ "habilitations", "td0.3", "urn:si-dmp-habilitations:HabilitationsEndPoint:setAuthorization",
	  "urn:si-dmp-habilitations:HabilitationsEndPoint:setAuthorizationResponse" },
	{ "registry", "td3.1", "urn:ihe:iti:2007:RegistryStoredQuery",
	  "urn:ihe:iti:2007:RegistryStoredQueryResponse" },
	{ "repository", "td3.2", "urn:ihe:iti:2007:RetrieveDocumentSet",
	  "urn:ihe:iti:2007:RetrieveDocumentSetResponse" },
};
#define N_OPS (sizeof ops / sizeof ops[0])

/* ---- SOAP faults of the DMP -------------------------------------------------------------- */

/* No public list of DMP error codes exists (research cards-psc-dmp.md §4.6): these are the
 * simulator's, with messages in the spirit of the DMPi ones. */
struct dmp_fault_def {
	const char *code;
	const char *env_code;      /* Sender or Receiver */
	const char *reason;
};

static const struct dmp_fault_def dmp_faults[] = {
	{ "DMPVIHF", "Sender", "Le jeton d'authentification VIHF est absent, incomplet ou ne "
	  "correspond pas à la requête." },
	{ "DMP_REQUETE_INVALIDE", "Sender", "La requête est incorrecte. Contactez l'éditeur du "
	  "logiciel." },
	{ "DMP_INEXISTANT", "Sender", "Ce patient n'a pas de DMP." },
	{ "DMP_FERME", "Sender", "Le DMP de ce patient est fermé." },
	{ "DMP_AUTORISATION_ABSENTE", "Sender", "Vous n'avez pas d'autorisation d'accès valide à "
	  "ce DMP : le patient doit y consentir, ou l'accès doit se faire en mode bris de glace." },
	{ "DMP_AUTORISATION_INTERDITE", "Sender", "Le patient a bloqué l'accès de ce "
	  "professionnel à son DMP." },
	{ "DMP_INDISPONIBLE", "Receiver", "Le service DMP est momentanément indisponible. "
	  "Veuillez renouveler votre demande ultérieurement." },
	{ "DMP_ERREUR_TECHNIQUE", "Receiver", "Le service DMP a rencontré une erreur technique." },
};
#define N_FAULTS (sizeof dmp_faults / sizeof dmp_faults[0])

static const struct dmp_fault_def *dmp_fault_def(const char *code)
{
	for (size_t i = 0; i < N_FAULTS; i++)
		if (!strcmp(dmp_faults[i].code, code))
			return &dmp_faults[i];
	return NULL;
}

int sim_dmp_fault_known(const char *code)
{
	return dmp_fault_def(code) != NULL;
}

const char *sim_dmp_fault_list(void)
{
	return "DMPVIHF, DMP_REQUETE_INVALIDE, DMP_INEXISTANT, DMP_FERME, "
	       "DMP_AUTORISATION_ABSENTE, DMP_AUTORISATION_INTERDITE, DMP_INDISPONIBLE, "
	       "DMP_ERREUR_TECHNIQUE";
}

/* ---- state: the table, the authorisations given at run time, the counters ---------------- */

static struct sim_dmp_patient *patients;
static size_t n_patients;

/* Authorisations set by TD0.3, per professional and patient. */
struct grant {
	char national_id[64];
	char ins[16];
	enum sim_dmp_authz authz;
	char end[11];
};

#define GRANTS_MAX 512
static struct grant grants[GRANTS_MAX];
static size_t n_grants, next_grant;
static pthread_mutex_t grants_lock = PTHREAD_MUTEX_INITIALIZER;

static atomic_ulong st_requests, st_td02, st_td03, st_td31, st_td32, st_faults;

/* ---- table ----------------------------------------------------------------------------- */

enum col {
	C_INS, C_OID, C_BIRTH_NAME, C_USED_NAME, C_FIRST_NAMES, C_SEX, C_BIRTH_DATE, C_COG,
	C_STATE, C_CLOSED_DATE, C_CLOSED_REASON, C_AUTHZ, C_AUTHZ_END, C_TREATING, C_BLOCKED,
	C_DOCS, C_NOTE, N_COLS
};

static int copy_field(char *dst, size_t size, const char *v, const char *what, char *err,
		      size_t errsize)
{
	if (!strcmp(v, "-"))
		v = "";
	if (strlen(v) >= size) {
		snprintf(err, errsize, "%s trop long", what);
		return -1;
	}
	strcpy(dst, v);
	return 0;
}

static int valid_ins(const char *s)
{
	if (strlen(s) != 15)
		return 0;
	for (int i = 0; i < 15; i++)
		if (!isdigit((unsigned char)s[i]) &&
		    !(i == 6 && s[5] == '2' && (s[i] == 'A' || s[i] == 'B')))
			return 0;
	return 1;
}

static int valid_oid(const char *s)
{
	if (!*s || *s == '.')
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s) && !(*s == '.' && s[1] && s[1] != '.'))
			return 0;
	return 1;
}

static int valid_iso_date(const char *s)
{
	int y, m, d;
	char tail;

	return strlen(s) == 10 && sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 &&
	       m >= 1 && m <= 12 && d >= 1 && d <= 31 && s[4] == '-' && s[7] == '-';
}

static int parse_authz(const char *v, enum sim_dmp_authz *a)
{
	static const char *const names[] = { "AUCUNE", "VALIDE", "EXPIREE", "BLOQUEE" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(v, names[i])) {
			*a = (enum sim_dmp_authz)i;
			return 0;
		}
	return -1;
}

static const char *authz_name(enum sim_dmp_authz a)
{
	switch (a) {
	case SIM_AUTHZ_VALID: return "VALIDE";
	case SIM_AUTHZ_EXPIRED: return "EXPIREE";
	case SIM_AUTHZ_BLOCKED: return "BLOQUEE";
	default: return "AUCUNE";
	}
}

static int parse_blocked(const char *v, struct sim_dmp_patient *p, char *err, size_t errsize)
{
	char buf[256], *save = NULL;

	if (!strcmp(v, "-"))
		return 0;
	snprintf(buf, sizeof buf, "%s", v);
	for (char *id = strtok_r(buf, ";", &save); id; id = strtok_r(NULL, ";", &save)) {
		if (p->n_blocked == SIM_DMP_BLOCKED_MAX || strlen(id) >= sizeof p->blocked[0]) {
			snprintf(err, errsize, "ps_bloques : trop d'identifiants ou trop longs");
			return -1;
		}
		strcpy(p->blocked[p->n_blocked++], id);
	}
	return 0;
}

static int check_patient(const struct sim_dmp_patient *p, const char *state, char *err,
			 size_t errsize)
{
	if (!valid_ins(p->ins) || !valid_oid(p->oid)) {
		snprintf(err, errsize, "INS ou OID invalide « %s » « %s »", p->ins, p->oid);
		return -1;
	}
	if ((strcmp(p->sex, "F") && strcmp(p->sex, "M")) || !valid_iso_date(p->birth_date) ||
	    strlen(p->cog) != 5 || !p->birth_name[0] || !p->first_names[0]) {
		snprintf(err, errsize, "traits d'identité incomplets ou invalides");
		return -1;
	}
	if (strcmp(state, "ACTIF") && strcmp(state, "FERME")) {
		snprintf(err, errsize, "etat « %s » : ACTIF ou FERME attendu", state);
		return -1;
	}
	if (p->closed && !valid_iso_date(p->closed_date)) {
		snprintf(err, errsize, "DMP fermé sans date_fermeture AAAA-MM-JJ");
		return -1;
	}
	if ((p->authz == SIM_AUTHZ_VALID || p->authz == SIM_AUTHZ_EXPIRED) &&
	    !valid_iso_date(p->authz_end)) {
		snprintf(err, errsize, "autorisation %s sans fin_autorisation AAAA-MM-JJ",
			 authz_name(p->authz));
		return -1;
	}
	return 0;
}

static int parse_row(char **f, struct sim_dmp_patient *p, char *err, size_t errsize)
{
	memset(p, 0, sizeof *p);
	if (copy_field(p->ins, sizeof p->ins, f[C_INS], "ins", err, errsize) ||
	    copy_field(p->oid, sizeof p->oid, f[C_OID], "oid", err, errsize) ||
	    copy_field(p->birth_name, sizeof p->birth_name, f[C_BIRTH_NAME], "nom", err, errsize) ||
	    copy_field(p->used_name, sizeof p->used_name, f[C_USED_NAME], "nom d'usage", err,
		       errsize) ||
	    copy_field(p->first_names, sizeof p->first_names, f[C_FIRST_NAMES], "prénoms", err,
		       errsize) ||
	    copy_field(p->sex, sizeof p->sex, f[C_SEX], "sexe", err, errsize) ||
	    copy_field(p->birth_date, sizeof p->birth_date, f[C_BIRTH_DATE], "date", err,
		       errsize) ||
	    copy_field(p->cog, sizeof p->cog, f[C_COG], "lieu", err, errsize) ||
	    copy_field(p->closed_date, sizeof p->closed_date, f[C_CLOSED_DATE], "date_fermeture",
		       err, errsize) ||
	    copy_field(p->closed_reason, sizeof p->closed_reason, f[C_CLOSED_REASON],
		       "motif_fermeture", err, errsize) ||
	    copy_field(p->authz_end, sizeof p->authz_end, f[C_AUTHZ_END], "fin_autorisation", err,
		       errsize) ||
	    copy_field(p->treating, sizeof p->treating, f[C_TREATING], "medecin_traitant", err,
		       errsize) ||
	    parse_blocked(f[C_BLOCKED], p, err, errsize))
		return -1;
	p->closed = !strcmp(f[C_STATE], "FERME");
	if (parse_authz(f[C_AUTHZ], &p->authz)) {
		snprintf(err, errsize, "autorisation « %s » : VALIDE, EXPIREE, AUCUNE ou BLOQUEE",
			 f[C_AUTHZ]);
		return -1;
	}
	if (check_patient(p, f[C_STATE], err, errsize))
		return -1;
	return sim_dmp_docs_parse(f[C_DOCS], p, err, errsize);
}

static int split_tabs(char *line, char **f)
{
	int n = 0;

	for (char *s = line;; s++) {
		if (n == N_COLS)
			return -1;
		f[n++] = s;
		s = strchr(s, '\t');
		if (!s)
			break;
		*s = 0;
	}
	return n == N_COLS ? 0 : -1;
}

static int add_line(char *line, int lineno, char *err, size_t errsize)
{
	char *f[N_COLS], msg[256];
	struct sim_dmp_patient *grown;

	if (split_tabs(line, f)) {
		snprintf(err, errsize, "ligne %d : %d colonnes séparées par des tabulations attendues",
			 lineno, N_COLS);
		return -1;
	}
	grown = realloc(patients, (n_patients + 1) * sizeof *patients);
	if (!grown) {
		snprintf(err, errsize, "mémoire insuffisante");
		return -1;
	}
	patients = grown;
	if (parse_row(f, &patients[n_patients], msg, sizeof msg)) {
		snprintf(err, errsize, "ligne %d : %s", lineno, msg);
		return -1;
	}
	for (size_t i = 0; i < n_patients; i++)
		if (!strcmp(patients[i].ins, patients[n_patients].ins)) {
			snprintf(err, errsize, "ligne %d : INS %s en double", lineno,
				 patients[i].ins);
			return -1;
		}
	n_patients++;
	return 0;
}

static int load_table(FILE *f, char *err, size_t errsize)
{
	char line[4096];
	int lineno = 0, header_seen = 0;

	while (fgets(line, sizeof line, f)) {
		size_t len = strlen(line);
		lineno++;
		if (len && line[len - 1] != '\n' && !feof(f)) {
			snprintf(err, errsize, "ligne %d trop longue", lineno);
			return -1;
		}
		line[strcspn(line, "\r\n")] = 0;
		if (line[0] == '#' || !line[0])
			continue;
		if (!header_seen) { /* the column names */
			header_seen = 1;
			continue;
		}
		if (add_line(line, lineno, err, errsize))
			return -1;
	}
	return 0;
}

int sim_dmp_init(const char *patients_path, char *err, size_t errsize)
{
	char msg[400];
	FILE *f = fopen(patients_path, "r");
	int rc;

	if (!f) {
		snprintf(err, errsize, "table des DMP %s illisible : %s", patients_path,
			 strerror(errno));
		return -1;
	}
	rc = load_table(f, msg, sizeof msg);
	fclose(f);
	for (size_t i = 0; rc == 0 && i < n_patients; i++)
		rc = sim_dmp_docs_build(&patients[i], msg, sizeof msg);
	if (rc) {
		snprintf(err, errsize, "table des DMP %s : %s", patients_path, msg);
		sim_dmp_free();
	}
	return rc;
}

void sim_dmp_free(void)
{
	for (size_t i = 0; i < n_patients; i++)
		sim_dmp_docs_free(&patients[i]);
	free(patients);
	patients = NULL;
	n_patients = 0;
	pthread_mutex_lock(&grants_lock);
	n_grants = next_grant = 0;
	pthread_mutex_unlock(&grants_lock);
}

static const struct sim_dmp_patient *find_patient(const char *ins, const char *oid)
{
	for (size_t i = 0; i < n_patients; i++)
		if (!strcmp(patients[i].ins, ins) && !strcmp(patients[i].oid, oid))
			return &patients[i];
	return NULL;
}

/* Another patient of the table (wrongpatient fault), one with documents when asked. */
static const struct sim_dmp_patient *other_patient(const char *ins, int with_docs)
{
	for (size_t i = 0; i < n_patients; i++)
		if (strcmp(patients[i].ins, ins) && (!with_docs || patients[i].n_docs > 0))
			return &patients[i];
	return NULL;
}

/* ---- dates and authorisations ------------------------------------------------------------ */

static void today(char out[11])
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/* Today + 6 months, the day clamped to the end of a shorter month. */
static void in_six_months(char out[11])
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	time_t t = time(NULL);
	struct tm tm;
	int y, m, d, last;

	gmtime_r(&t, &tm);
	y = tm.tm_year + 1900;
	m = tm.tm_mon + 6;
	d = tm.tm_mday;
	if (m >= 12) {
		m -= 12;
		y++;
	}
	last = days[m] + (m == 1 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	snprintf(out, 11, "%04d-%02d-%02d", y, m + 1, d > last ? last : d);
}

static int is_blocked(const struct sim_dmp_patient *p, const char *national_id)
{
	if (p->authz == SIM_AUTHZ_BLOCKED)
		return 1;
	for (int i = 0; i < p->n_blocked; i++)
		if (!strcmp(p->blocked[i], national_id))
			return 1;
	return 0;
}

/* What this professional has on this patient's DMP, and until when. */
static enum sim_dmp_authz authz_of(const struct sim_dmp_patient *p, const char *national_id,
				   char end[11])
{
	enum sim_dmp_authz a = p->authz;
	int granted = 0;
	char now[11];

	snprintf(end, 11, "%s", p->authz_end);
	if (is_blocked(p, national_id)) {
		end[0] = 0;
		return SIM_AUTHZ_BLOCKED;
	}
	pthread_mutex_lock(&grants_lock);
	for (size_t i = 0; i < n_grants; i++)
		if (!strcmp(grants[i].national_id, national_id) && !strcmp(grants[i].ins, p->ins)) {
			a = grants[i].authz;
			snprintf(end, 11, "%s", grants[i].end);
			granted = 1;
		}
	pthread_mutex_unlock(&grants_lock);
	today(now);
	/* A grant of this run that ran out; the table's states are served as written. */
	if (granted && a == SIM_AUTHZ_VALID && end[0] && strcmp(end, now) < 0)
		a = SIM_AUTHZ_EXPIRED;
	return a;
}

static void set_grant(const char *national_id, const char *ins, enum sim_dmp_authz a,
		      const char *end)
{
	struct grant *g = NULL;

	pthread_mutex_lock(&grants_lock);
	for (size_t i = 0; i < n_grants && !g; i++)
		if (!strcmp(grants[i].national_id, national_id) && !strcmp(grants[i].ins, ins))
			g = &grants[i];
	if (!g) {
		if (n_grants < GRANTS_MAX)
			g = &grants[n_grants++];
		else /* a long run: forget the oldest */
			g = &grants[next_grant++ % GRANTS_MAX];
	}
	snprintf(g->national_id, sizeof g->national_id, "%s", national_id);
	snprintf(g->ins, sizeof g->ins, "%s", ins);
	g->authz = a;
	snprintf(g->end, sizeof g->end, "%s", end);
	pthread_mutex_unlock(&grants_lock);
}

/* ---- requests ---------------------------------------------------------------------------- */

struct dmp_req {
	enum dmp_op op;
	char message_id[160];
	/* VIHF */
	int has_assertion;
	char national_id[64];
	char resource_id[PATIENT_ID_MAX];
	char purpose[32];
	char not_before[40], not_after[40];
	/* body */
	char ins[16], oid[32];     /* the patient of the body (TD3.2: of the VIHF) */
	char action[32];           /* TD0.3 */
	char query_id[80];
	int missing_status;        /* TD3.1 without $XDSDocumentEntryStatus */
	char return_type[32];
	int want_approved, want_deprecated;
	int n_retrieve;
	char repo[RETRIEVE_MAX][80];
	char uid[RETRIEVE_MAX][128];
	/* refusal: a fault code and why */
	char error_code[40];
	char error_reason[200];
};

static void refuse(struct dmp_req *r, const char *code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void refuse(struct dmp_req *r, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (r->error_code[0])
		return; /* the first reason explains the refusal */
	snprintf(r->error_code, sizeof r->error_code, "%s", code);
	va_start(ap, fmt);
	vsnprintf(r->error_reason, sizeof r->error_reason, fmt, ap);
	va_end(ap);
}

static void field(struct dmp_req *r, xmlNodePtr n, char *dst, size_t size, const char *code)
{
	if (sim_text_of(n, dst, size))
		refuse(r, code, "Champ %s trop long.", n ? (const char *)n->name : "?");
}

static int attr_of(xmlNodePtr n, const char *name, char *dst, size_t size)
{
	xmlChar *v = n ? xmlGetNoNsProp(n, BAD_CAST name) : NULL;
	int rc = 0;

	dst[0] = 0;
	if (v && strlen((const char *)v) < size)
		strcpy(dst, (const char *)v);
	else
		rc = -1;
	xmlFree(v);
	return rc;
}

/* "INS^^^&OID&ISO^NH" -> ins, oid. 0 or -1. */
static int parse_patient_id(const char *s, char ins[16], char oid[32])
{
	const char *amp, *iso;

	if (strlen(s) < 20 || strlen(s) >= PATIENT_ID_MAX || strncmp(s + 15, "^^^&", 4))
		return -1;
	amp = s + 19;
	iso = strstr(amp, "&ISO^NH");
	if (!iso || iso[7] || (size_t)(iso - amp) >= 32)
		return -1;
	snprintf(ins, 16, "%.15s", s);
	snprintf(oid, 32, "%.*s", (int)(iso - amp), amp);
	return valid_ins(ins) && valid_oid(oid) ? 0 : -1;
}

static void patient_id_of(const char *ins, const char *oid, char out[PATIENT_ID_MAX])
{
	snprintf(out, PATIENT_ID_MAX, "%s^^^&%s&ISO^NH", ins, oid);
}

/* ---- the VIHF assertion ------------------------------------------------------------------- */

static void parse_attribute(struct dmp_req *r, xmlNodePtr a)
{
	char name[160];
	xmlNodePtr v = sim_child(a, SAML_NS, "AttributeValue");

	if (attr_of(a, "Name", name, sizeof name) || !v)
		return;
	if (!strcmp(name, "urn:oasis:names:tc:xacml:2.0:resource:resource-id"))
		field(r, v, r->resource_id, sizeof r->resource_id, "DMPVIHF");
	else if (!strcmp(name, "urn:oasis:names:tc:xspa:1.0:subject:purposeofuse"))
		attr_of(sim_child(v, HL7_NS, "PurposeOfUse"), "code", r->purpose, sizeof r->purpose);
}

static void parse_assertion(struct dmp_req *r, xmlNodePtr as)
{
	xmlNodePtr subject = sim_child(as, SAML_NS, "Subject");
	xmlNodePtr cond = sim_child(as, SAML_NS, "Conditions");
	xmlNodePtr st = sim_child(as, SAML_NS, "AttributeStatement");

	r->has_assertion = 1;
	field(r, sim_child(subject, SAML_NS, "NameID"), r->national_id, sizeof r->national_id,
	      "DMPVIHF");
	if (cond) {
		attr_of(cond, "NotBefore", r->not_before, sizeof r->not_before);
		attr_of(cond, "NotOnOrAfter", r->not_after, sizeof r->not_after);
	}
	for (xmlNodePtr a = st ? sim_first_elem(st->children) : NULL; a; a = sim_next_elem(a))
		if (sim_is_elem(a, SAML_NS, "Attribute"))
			parse_attribute(r, a);
}

/* "YYYY-MM-DDThh:mm:ss[.fff]Z" -> seconds since the epoch, -1 if not so. */
static time_t parse_instant(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, se;
	const char *z = strchr(s, 'Z');

	if (!z || z[1] || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &se) != 6)
		return -1;
	memset(&tm, 0, sizeof tm);
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	return timegm(&tm);
}

/* The simulator REQUIRES a subject, the patient and the access mode; a validity window, when
 * present, must contain now (5 minutes of clock skew allowed). */
static void check_vihf(struct dmp_req *r)
{
	time_t now = time(NULL), nb, na;

	if (!r->has_assertion) {
		refuse(r, "DMPVIHF", "Assertion VIHF absente.");
		return;
	}
	if (!r->national_id[0])
		refuse(r, "DMPVIHF", "NameID (identifiant national du professionnel) absent.");
	if (!r->resource_id[0])
		refuse(r, "DMPVIHF", "Attribut resource-id (patient) absent.");
	if (strcmp(r->purpose, "normal") && strcmp(r->purpose, "bris_de_glace") &&
	    strcmp(r->purpose, "centre_15"))
		refuse(r, "DMPVIHF", "Mode d'accès (purposeofuse) absent ou inconnu.");
	nb = r->not_before[0] ? parse_instant(r->not_before) : 0;
	na = r->not_after[0] ? parse_instant(r->not_after) : 0;
	if (nb < 0 || na < 0)
		refuse(r, "DMPVIHF", "Conditions de validité mal formées.");
	else if ((nb && now + 300 < nb) || (na && now - 300 >= na))
		refuse(r, "DMPVIHF", "Assertion VIHF hors de sa période de validité.");
}

/* ---- headers and bodies ------------------------------------------------------------------ */

static void parse_header(struct dmp_req *r, xmlNodePtr h, char *wsa_action, size_t size,
			 char *to, size_t to_size)
{
	for (xmlNodePtr n = sim_first_elem(h->children); n; n = sim_next_elem(n)) {
		if (sim_is_elem(n, WSA_NS, "Action"))
			field(r, n, wsa_action, size, "DMP_REQUETE_INVALIDE");
		else if (sim_is_elem(n, WSA_NS, "MessageID"))
			field(r, n, r->message_id, sizeof r->message_id, "DMP_REQUETE_INVALIDE");
		else if (sim_is_elem(n, WSA_NS, "To"))
			field(r, n, to, to_size, "DMP_REQUETE_INVALIDE");
		else if (sim_is_elem(n, WSSE_NS, "Security")) {
			xmlNodePtr as = sim_child(n, SAML_NS, "Assertion");
			if (as)
				parse_assertion(r, as);
		}
	}
}

static void body_patient(struct dmp_req *r, const char *patient_id)
{
	if (parse_patient_id(patient_id, r->ins, r->oid))
		refuse(r, "DMP_REQUETE_INVALIDE", "Identifiant de patient mal formé.");
}

static void parse_td02(struct dmp_req *r, xmlNodePtr op)
{
	xmlNodePtr n = sim_child(op, HL7_NS, "controlActProcess");

	n = sim_child(sim_child(sim_child(n, HL7_NS, "queryByParameter"), HL7_NS, "parameterList"), HL7_NS,
		  "patientIdentifier");
	n = sim_child(n, HL7_NS, "value");
	if (attr_of(n, "root", r->oid, sizeof r->oid) ||
	    attr_of(n, "extension", r->ins, sizeof r->ins) || !valid_ins(r->ins) ||
	    !valid_oid(r->oid))
		refuse(r, "DMP_REQUETE_INVALIDE", "patientIdentifier absent ou mal formé.");
}

static void parse_td03(struct dmp_req *r, xmlNodePtr op)
{
	char pid[PATIENT_ID_MAX];

	field(r, sim_child(op, HAB_NS, "action"), r->action, sizeof r->action, "DMP_REQUETE_INVALIDE");
	field(r, sim_child(op, HAB_NS, "patientId"), pid, sizeof pid, "DMP_REQUETE_INVALIDE");
	if (strcmp(r->action, "AJOUT") && strcmp(r->action, "SUPPRESSION"))
		refuse(r, "DMP_REQUETE_INVALIDE", "Action « %s » : AJOUT ou SUPPRESSION attendue.",
		       r->action);
	body_patient(r, pid);
}

/* "'value'" -> value, in place. */
static char *unquote(char *s)
{
	size_t n;

	while (*s == ' ' || *s == '(')
		s++;
	n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == ')'))
		s[--n] = 0;
	if (n >= 2 && s[0] == '\'' && s[n - 1] == '\'') {
		s[n - 1] = 0;
		s++;
	}
	return s;
}

/* $XDSDocumentEntryStatus: "('urn:...:Approved', 'urn:...:Deprecated')" in one or several
 * Values. */
static void parse_status_value(struct dmp_req *r, char *v)
{
	char *save = NULL;

	for (char *s = strtok_r(v, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
		s = unquote(s);
		if (!strcmp(s, STATUS_PREFIX "Approved"))
			r->want_approved = 1;
		else if (!strcmp(s, STATUS_PREFIX "Deprecated"))
			r->want_deprecated = 1;
		else
			refuse(r, "DMP_REQUETE_INVALIDE", "Statut de document inconnu.");
	}
}

static void parse_slot(struct dmp_req *r, xmlNodePtr slot, int *has_patient, int *has_status)
{
	char name[80], v[PATIENT_ID_MAX + 160];
	xmlNodePtr list = sim_child(slot, RIM_NS, "ValueList");

	if (attr_of(slot, "name", name, sizeof name))
		return;
	for (xmlNodePtr n = list ? sim_first_elem(list->children) : NULL; n; n = sim_next_elem(n)) {
		if (!sim_is_elem(n, RIM_NS, "Value"))
			continue;
		field(r, n, v, sizeof v, "DMP_REQUETE_INVALIDE");
		if (!strcmp(name, "$XDSDocumentEntryPatientId")) {
			body_patient(r, unquote(v));
			*has_patient = 1;
		} else if (!strcmp(name, "$XDSDocumentEntryStatus")) {
			parse_status_value(r, v);
			*has_status = 1;
		}
	}
}

static void parse_td31(struct dmp_req *r, xmlNodePtr op)
{
	xmlNodePtr q = sim_child(op, RIM_NS, "AdhocQuery");
	int has_patient = 0, has_status = 0;

	attr_of(sim_child(op, QUERY_NS, "ResponseOption"), "returnType", r->return_type,
		sizeof r->return_type);
	if (!q || attr_of(q, "id", r->query_id, sizeof r->query_id)) {
		refuse(r, "DMP_REQUETE_INVALIDE", "AdhocQuery absente.");
		return;
	}
	for (xmlNodePtr n = sim_first_elem(q->children); n; n = sim_next_elem(n))
		if (sim_is_elem(n, RIM_NS, "Slot"))
			parse_slot(r, n, &has_patient, &has_status);
	if (!has_patient)
		refuse(r, "DMP_REQUETE_INVALIDE", "$XDSDocumentEntryPatientId absent.");
	r->missing_status = !has_status; /* an XDS error, not a SOAP fault */
}

static void parse_td32(struct dmp_req *r, xmlNodePtr op)
{
	for (xmlNodePtr n = sim_first_elem(op->children); n; n = sim_next_elem(n)) {
		if (!sim_is_elem(n, XDS_NS, "DocumentRequest"))
			continue;
		if (r->n_retrieve == RETRIEVE_MAX) {
			refuse(r, "DMP_REQUETE_INVALIDE", "Plus de %d documents demandés.",
			       RETRIEVE_MAX);
			return;
		}
		field(r, sim_child(n, XDS_NS, "RepositoryUniqueId"), r->repo[r->n_retrieve],
		      sizeof r->repo[0], "DMP_REQUETE_INVALIDE");
		field(r, sim_child(n, XDS_NS, "DocumentUniqueId"), r->uid[r->n_retrieve],
		      sizeof r->uid[0], "DMP_REQUETE_INVALIDE");
		if (!r->uid[r->n_retrieve][0])
			refuse(r, "DMP_REQUETE_INVALIDE", "DocumentUniqueId absent.");
		r->n_retrieve++;
	}
	if (!r->n_retrieve)
		refuse(r, "DMP_REQUETE_INVALIDE", "Aucun DocumentRequest.");
	/* The patient is the one the VIHF names. */
	if (r->resource_id[0])
		body_patient(r, r->resource_id);
}

static void parse_body(struct dmp_req *r, xmlNodePtr op)
{
	static const struct { const char *ns, *name; } roots[] = {
		{ HL7_NS, "PRPA_IN201307UV02" },
		{ HAB_NS, "setAuthorization" },
		{ QUERY_NS, "AdhocQueryRequest" },
		{ XDS_NS, "RetrieveDocumentSetRequest" },
	};

	if (!sim_is_elem(op, roots[r->op].ns, roots[r->op].name)) {
		refuse(r, "DMP_REQUETE_INVALIDE", "Corps SOAP inattendu pour ce service.");
		return;
	}
	switch (r->op) {
	case OP_TD02: parse_td02(r, op); break;
	case OP_TD03: parse_td03(r, op); break;
	case OP_TD31: parse_td31(r, op); break;
	case OP_TD32: parse_td32(r, op); break;
	}
}

static int ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), m = strlen(tail);

	return n >= m && !strcmp(s + n - m, tail);
}

static void parse_envelope(struct dmp_req *r, xmlNodePtr env, const char *ct_action)
{
	char wsa_action[200] = "", to[600] = "", service[40];
	xmlNodePtr body = NULL;

	for (xmlNodePtr n = sim_first_elem(env->children); n; n = sim_next_elem(n)) {
		if (sim_is_elem(n, SOAP_NS, "Header"))
			parse_header(r, n, wsa_action, sizeof wsa_action, to, sizeof to);
		else if (sim_is_elem(n, SOAP_NS, "Body"))
			body = n;
	}
	snprintf(service, sizeof service, "/%s", ops[r->op].service);
	if (strcmp(wsa_action, ops[r->op].action) || (ct_action[0] &&
						       strcmp(ct_action, ops[r->op].action)))
		refuse(r, "DMP_REQUETE_INVALIDE", "Action absente ou différente de %s.",
		       ops[r->op].action);
	if (to[0] && !ends_with(to, service))
		refuse(r, "DMP_REQUETE_INVALIDE", "wsa:To ne désigne pas ce service.");
	if (!body) {
		refuse(r, "DMP_REQUETE_INVALIDE", "Corps SOAP absent.");
		return;
	}
	check_vihf(r);
	parse_body(r, sim_first_elem(body->children));
}

static void parse_request(const char *content_type, const struct sim_req *rq, struct dmp_req *r)
{
	char ct_action[200] = "";
	const char *body = rq->body ? rq->body : "";
	xmlDocPtr doc;
	xmlNodePtr root;

	if (!content_type || !sim_media_type_is(content_type, "application/soap+xml")) {
		refuse(r, "DMP_REQUETE_INVALIDE", "Type de contenu SOAP 1.2 attendu.");
		return;
	}
	sim_content_type_action(content_type, ct_action, sizeof ct_action);
	if (rq->too_big) {
		refuse(r, "DMP_REQUETE_INVALIDE", "Requête trop grande.");
		return;
	}
	/* No DTD at all: entity declarations are how billion-laughs and XXE start. */
	if (memmem(body, rq->len, "<!DOCTYPE", 9) || memmem(body, rq->len, "<!ENTITY", 8)) {
		refuse(r, "DMP_REQUETE_INVALIDE", "DTD refusée.");
		return;
	}
	doc = xmlReadMemory(body, (int)rq->len, "requete.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		refuse(r, "DMP_REQUETE_INVALIDE", "XML mal formé.");
		return;
	}
	root = xmlDocGetRootElement(doc);
	if (doc->intSubset || doc->extSubset)
		refuse(r, "DMP_REQUETE_INVALIDE", "DTD refusée.");
	else if (!sim_is_elem(root, SOAP_NS, "Envelope"))
		refuse(r, "DMP_REQUETE_INVALIDE", "Enveloppe SOAP 1.2 attendue.");
	else
		parse_envelope(r, root, ct_action);
	xmlFreeDoc(doc);
}

/* ---- answers ----------------------------------------------------------------------------- */

struct dmp_answer {
	int http_status;
	char *body;                /* malloc'd */
	size_t len;
	char content_type[240];
	char result[64];           /* the log's last field */
	int failed;                /* counts in dmp_faults */
};

/* Prefixes of the DMP payload; NULL: default namespace. They vary with the request counter,
 * like the envelope's (sim_style_get), so that clients meet each form. */
struct dmp_style {
	const char *hl7, *dmp, *hab, *query, *rim, *rs, *xds;
};

static const struct dmp_style dmp_styles[SIM_STYLES] = {
	{ NULL, "dmp", NULL, NULL, "rim", "rs", NULL },
	{ "hl7", "ns2", "ha", "query", "rim", "rs", "xds" },
	{ "v3", "ext", "h", "q", NULL, "r", "xdsb" },
	{ "ns0", "ns1", "ns2", "ns3", "ns4", "ns5", "ns6" },
};

struct out {
	struct sim_xml x;
	const struct dmp_style *ds;
	int err;
};

static void o_start_ns(struct out *o, const char *pfx, const char *name, const char *ns)
{
	if (!o->err && xmlTextWriterStartElementNS(o->x.w, BAD_CAST pfx, BAD_CAST name,
						   BAD_CAST ns) < 0)
		o->err = 1;
}

static void o_start(struct out *o, const char *pfx, const char *name)
{
	o_start_ns(o, pfx, name, NULL);
}

static void o_end(struct out *o)
{
	if (!o->err && xmlTextWriterEndElement(o->x.w) < 0)
		o->err = 1;
}

static void o_attr(struct out *o, const char *name, const char *value)
{
	if (!o->err && xmlTextWriterWriteAttribute(o->x.w, BAD_CAST name, BAD_CAST value) < 0)
		o->err = 1;
}

static void o_leaf(struct out *o, const char *pfx, const char *name, const char *text)
{
	if (!o->err && xmlTextWriterWriteElementNS(o->x.w, BAD_CAST pfx, BAD_CAST name, NULL,
						   BAD_CAST text) < 0)
		o->err = 1;
}

/* An element with one attribute. */
static void o_empty1(struct out *o, const char *pfx, const char *name, const char *a,
		     const char *v)
{
	o_start(o, pfx, name);
	o_attr(o, a, v);
	o_end(o);
}

static int o_begin(struct out *o, unsigned long style, const char *action, const char *msgid)
{
	o->ds = &dmp_styles[style % SIM_STYLES];
	o->err = 0;
	return sim_xml_begin(&o->x, style, action, msgid);
}

/* Close the document into a; -1 (nothing to free) on error. */
static int o_finish(struct out *o, struct dmp_answer *a)
{
	if (o->err) {
		sim_xml_abort(&o->x);
		return -1;
	}
	a->body = sim_xml_end(&o->x, &a->len);
	return a->body ? 0 : -1;
}

/* A DMP SOAP 1.2 fault (HTTP 500, SOAP 1.2 binding): Subcode = the DMP code. */
static void fault_answer(struct dmp_answer *a, const char *code, const char *message_id,
			 unsigned long style)
{
	const struct dmp_fault_def *d = dmp_fault_def(code);
	struct out o;
	char qname[64];
	const char *pfx;

	if (!d)
		d = dmp_fault_def("DMP_ERREUR_TECHNIQUE");
	memset(a, 0, sizeof *a);
	a->http_status = 500;
	a->failed = 1;
	snprintf(a->content_type, sizeof a->content_type, "application/soap+xml; charset=utf-8");
	snprintf(a->result, sizeof a->result, "soap:%s", d->code);
	if (o_begin(&o, style, "http://www.w3.org/2005/08/addressing/soap/fault", message_id))
		return;
	pfx = o.x.st->body;
	snprintf(qname, sizeof qname, "%s:%s", pfx, d->env_code);
	o_start(&o, pfx, "Fault");
	o_start(&o, pfx, "Code");
	o_leaf(&o, pfx, "Value", qname);
	o_start(&o, pfx, "Subcode");
	o_leaf(&o, pfx, "Value", d->code);
	o_end(&o);
	o_end(&o);
	o_start(&o, pfx, "Reason");
	o_start(&o, pfx, "Text");
	o_attr(&o, "xml:lang", "fr");
	if (!o.err && xmlTextWriterWriteString(o.x.w, BAD_CAST d->reason) < 0)
		o.err = 1;
	o_finish(&o, a);
}

static void soap_ok(struct dmp_answer *a, const char *result)
{
	a->http_status = 200;
	snprintf(a->content_type, sizeof a->content_type, "application/soap+xml; charset=utf-8");
	snprintf(a->result, sizeof a->result, "%s", result);
}

/* ---- TD0.2 ------------------------------------------------------------------------------- */

static void td02_status(struct out *o, const struct sim_dmp_patient *p, const char *national_id)
{
	const char *x = o->ds->dmp;
	char end[11] = "";
	enum sim_dmp_authz az = p ? authz_of(p, national_id, end) : SIM_AUTHZ_NONE;

	o_start_ns(o, x, "statutDMP", DMPX_NS);
	o_leaf(o, x, "etat", !p ? "INEXISTANT" : p->closed ? "FERME" : "ACTIF");
	if (p && p->closed) {
		o_leaf(o, x, "dateFermeture", p->closed_date);
		o_leaf(o, x, "motifFermeture", p->closed_reason);
	}
	o_leaf(o, x, "autorisation", authz_name(az));
	if ((az == SIM_AUTHZ_VALID || az == SIM_AUTHZ_EXPIRED) && end[0])
		o_leaf(o, x, "finAutorisation", end);
	o_leaf(o, x, "medecinTraitant",
	       p && p->treating[0] && !strcmp(p->treating, national_id) ? "true" : "false");
	o_end(o);
}

static void td02_subject(struct out *o, const struct sim_dmp_patient *p, const char *ins,
			 const char *oid)
{
	const char *h = o->ds->hl7;

	o_start(o, h, "subject");
	o_attr(o, "typeCode", "SUBJ");
	o_start(o, h, "registrationEvent");
	o_attr(o, "classCode", "REG");
	o_attr(o, "moodCode", "EVN");
	o_empty1(o, h, "statusCode", "code", "active");
	o_start(o, h, "subject1");
	o_attr(o, "typeCode", "SBJ");
	o_start(o, h, "patient");
	o_attr(o, "classCode", "PAT");
	o_start(o, h, "id");
	o_attr(o, "root", oid);
	o_attr(o, "extension", ins);
	o_end(o);
	o_empty1(o, h, "statusCode", "code", p->closed ? "completed" : "active");
	o_end(o);
	o_end(o);
	o_end(o);
	o_end(o);
}

/* Opens PRPA_IN201308UV02 and writes the transmission wrapper up to the acknowledgement. */
static void td02_open(struct out *o, const struct dmp_req *r)
{
	const char *h = o->ds->hl7;
	char id[64], when[16];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y%m%d%H%M%S", &tm);
	/* The request's MessageID is a URN; an HL7 id root is the bare UUID. */
	snprintf(id, sizeof id, "%s", !strncmp(r->message_id, "urn:uuid:", 9)
		 ? r->message_id + 9 : r->message_id[0] ? r->message_id : "-");
	o_start_ns(o, h, "PRPA_IN201308UV02", HL7_NS);
	o_attr(o, "ITSVersion", "XML_1.0");
	o_empty1(o, h, "creationTime", "value", when);
	o_start(o, h, "interactionId");
	o_attr(o, "root", "2.16.840.1.113883.1.6");
	o_attr(o, "extension", "PRPA_IN201308UV02");
	o_end(o);
	o_empty1(o, h, "processingCode", "code", "P");
	o_empty1(o, h, "processingModeCode", "code", "T");
	o_empty1(o, h, "acceptAckCode", "code", "NE");
	o_start(o, h, "acknowledgement");
	o_empty1(o, h, "typeCode", "code", "AA");
	o_start(o, h, "targetMessage");
	o_empty1(o, h, "id", "root", id);
	o_end(o);
	o_end(o);
}

/* p NULL: no DMP for this INS (queryResponseCode NF, no subject). */
static void answer_td02(const struct dmp_req *r, const struct sim_dmp_patient *p,
			const char *ins, const char *oid, unsigned long style,
			struct dmp_answer *a)
{
	struct out o;
	const char *h;

	if (o_begin(&o, style, ops[OP_TD02].answer_action, r->message_id))
		return;
	h = o.ds->hl7;
	td02_open(&o, r);
	o_start(&o, h, "controlActProcess");
	o_attr(&o, "classCode", "CACT");
	o_attr(&o, "moodCode", "EVN");
	o_start(&o, h, "code");
	o_attr(&o, "code", "PRPA_TE201308UV02");
	o_attr(&o, "codeSystem", "2.16.840.1.113883.1.6");
	o_end(&o);
	if (p)
		td02_subject(&o, p, ins, oid);
	o_start(&o, h, "queryAck");
	o_empty1(&o, h, "queryResponseCode", "code", p ? "OK" : "NF");
	o_end(&o);
	o_end(&o);
	td02_status(&o, p, r->national_id);
	o_end(&o);
	if (o_finish(&o, a) == 0)
		soap_ok(a, p ? "ok" : "nf");
}

static void serve_td02(const struct dmp_req *r, const struct sim_fault *f, unsigned long style,
		       struct dmp_answer *a)
{
	const struct sim_dmp_patient *p = find_patient(r->ins, r->oid), *other;

	if (!strcmp(f->code, SIM_DMP_FAULT_WRONGPATIENT)) {
		other = other_patient(r->ins, 0);
		if (other) {
			answer_td02(r, other, other->ins, other->oid, style, a);
			snprintf(a->result, sizeof a->result, "%s", SIM_DMP_FAULT_WRONGPATIENT);
			a->failed = 1;
			return;
		}
	}
	answer_td02(r, p, r->ins, r->oid, style, a);
}

/* ---- TD0.3 ------------------------------------------------------------------------------- */

static void serve_td03(const struct dmp_req *r, unsigned long style, struct dmp_answer *a)
{
	const struct sim_dmp_patient *p = find_patient(r->ins, r->oid);
	int add = !strcmp(r->action, "AJOUT");
	char end[11] = "";
	struct out o;
	const char *h;

	if (!p || p->closed || is_blocked(p, r->national_id)) {
		fault_answer(a, !p ? "DMP_INEXISTANT" : p->closed ? "DMP_FERME"
				   : "DMP_AUTORISATION_INTERDITE", r->message_id, style);
		return;
	}
	if (add)
		in_six_months(end);
	set_grant(r->national_id, p->ins, add ? SIM_AUTHZ_VALID : SIM_AUTHZ_NONE, end);
	if (o_begin(&o, style, ops[OP_TD03].answer_action, r->message_id))
		return;
	h = o.ds->hab;
	o_start_ns(&o, h, "setAuthorizationResponse", HAB_NS);
	o_leaf(&o, h, "status", "OK");
	o_leaf(&o, h, "autorisation", add ? "VALIDE" : "AUCUNE");
	if (add)
		o_leaf(&o, h, "finAutorisation", end);
	o_end(&o);
	if (o_finish(&o, a) == 0)
		soap_ok(a, "ok");
}

/* ---- access to documents (TD3.1, TD3.2) -------------------------------------------------- */

/* NULL when the professional may read this DMP (*tag "bdg"/"c15" for an emergency access),
 * else the fault code. */
static const char *consult_refusal(const struct dmp_req *r, const struct sim_dmp_patient *p,
				   const char **tag)
{
	char end[11];
	enum sim_dmp_authz az;

	*tag = "";
	if (!p)
		return "DMP_INEXISTANT";
	if (p->closed)
		return "DMP_FERME";
	az = authz_of(p, r->national_id, end);
	if (az == SIM_AUTHZ_BLOCKED)
		return "DMP_AUTORISATION_INTERDITE";
	if (az == SIM_AUTHZ_VALID)
		return NULL;
	if (!strcmp(r->purpose, "bris_de_glace")) {
		*tag = "bdg";
		return NULL;
	}
	if (!strcmp(r->purpose, "centre_15")) {
		*tag = "c15";
		return NULL;
	}
	return "DMP_AUTORISATION_ABSENTE";
}

static void result_with_tag(struct dmp_answer *a, const char *result, const char *tag)
{
	snprintf(a->result, sizeof a->result, "%s%s%s", result, tag[0] ? "/" : "", tag);
}

/* ---- TD3.1 ------------------------------------------------------------------------------- */

/* An XDS failure (the query itself is wrong): HTTP 200, status Failure. The protocol puts
 * RegistryErrorList in the rim namespace. */
static void td31_failure(const struct dmp_req *r, const char *code, const char *context,
			 unsigned long style, struct dmp_answer *a)
{
	struct out o;
	const char *q, *rim;

	if (o_begin(&o, style, ops[OP_TD31].answer_action, r->message_id))
		return;
	q = o.ds->query;
	rim = o.ds->rim ? o.ds->rim : "rim";
	o_start_ns(&o, q, "AdhocQueryResponse", QUERY_NS);
	o_attr(&o, "status", RESPONSE_STATUS "Failure");
	o_start_ns(&o, rim, "RegistryErrorList", RIM_NS);
	o_attr(&o, "highestSeverity", "urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error");
	o_start(&o, rim, "RegistryError");
	o_attr(&o, "errorCode", code);
	o_attr(&o, "codeContext", context);
	o_attr(&o, "severity", "urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error");
	o_end(&o);
	o_end(&o);
	o_end(&o);
	if (o_finish(&o, a) == 0) {
		soap_ok(a, code);
		a->failed = 1;
	}
}

static int wanted(const struct dmp_req *r, const struct sim_dmp_doc *d)
{
	return d->deprecated ? r->want_deprecated : r->want_approved;
}

static void td31_entries(struct out *o, const struct dmp_req *r,
			 const struct sim_dmp_patient *p, const char *patient_id, int *n)
{
	const char *rim = o->ds->rim;
	int refs = !strcmp(r->return_type, "ObjectRef");

	o_start_ns(o, rim, "RegistryObjectList", RIM_NS);
	for (int i = 0; i < p->n_docs && !o->err; i++) {
		const struct sim_dmp_doc *d = &p->docs[i];
		if (!wanted(r, d))
			continue;
		if (refs)
			o_empty1(o, rim, "ObjectRef", "id", d->entry_uuid);
		else if (sim_dmp_write_entry(o->x.w, rim, p, d, patient_id) < 0)
			o->err = 1;
		(*n)++;
	}
	o_end(o);
}

static void serve_td31(const struct dmp_req *r, const struct sim_fault *f, unsigned long style,
		       struct dmp_answer *a)
{
	const struct sim_dmp_patient *p = find_patient(r->ins, r->oid), *other;
	char patient_id[PATIENT_ID_MAX], count[16];
	const char *tag, *refusal;
	int n = 0, wrong = !strcmp(f->code, SIM_DMP_FAULT_WRONGPATIENT);
	struct out o;

	if (strcmp(r->query_id, FIND_DOCUMENTS)) {
		td31_failure(r, "XDSUnknownStoredQuery", "Requête stockée inconnue", style, a);
		return;
	}
	if (r->missing_status) {
		td31_failure(r, "XDSStoredQueryParamNumber", "$XDSDocumentEntryStatus absent",
			     style, a);
		return;
	}
	if (r->return_type[0] && strcmp(r->return_type, "LeafClass") &&
	    strcmp(r->return_type, "ObjectRef")) {
		td31_failure(r, "XDSRegistryError", "returnType LeafClass ou ObjectRef attendu",
			     style, a);
		return;
	}
	refusal = consult_refusal(r, p, &tag);
	if (refusal) {
		fault_answer(a, refusal, r->message_id, style);
		return;
	}
	other = wrong ? other_patient(p->ins, 0) : NULL;
	patient_id_of(other ? other->ins : p->ins, other ? other->oid : p->oid, patient_id);
	if (o_begin(&o, style, ops[OP_TD31].answer_action, r->message_id))
		return;
	o_start_ns(&o, o.ds->query, "AdhocQueryResponse", QUERY_NS);
	o_attr(&o, "status", RESPONSE_STATUS "Success");
	td31_entries(&o, r, p, patient_id, &n);
	o_end(&o);
	if (o_finish(&o, a) < 0)
		return;
	snprintf(count, sizeof count, "%d", n);
	soap_ok(a, count);
	result_with_tag(a, other ? SIM_DMP_FAULT_WRONGPATIENT : count, tag);
	a->failed = other != NULL;
}

/* ---- TD3.2 ------------------------------------------------------------------------------- */

struct served {
	const struct sim_dmp_doc *doc; /* NULL: unknown */
	unsigned char *bytes;      /* what is sent (a changed copy under badhash), malloc'd */
	size_t len;
};

static const struct sim_dmp_doc *find_doc(const struct sim_dmp_patient *p, const char *repo,
					  const char *uid)
{
	if (strcmp(repo, SIM_DMP_REPOSITORY))
		return NULL;
	for (int i = 0; i < p->n_docs; i++)
		if (!strcmp(p->docs[i].unique_id, uid))
			return &p->docs[i];
	return NULL;
}

/* badhash: one byte of the title changes case (still well-formed XML, same size). */
static void spoil(unsigned char *b, size_t len)
{
	unsigned char *t = memmem(b, len, "<title>", 7);
	size_t i = t ? (size_t)(t - b) + 7 : len / 2;

	for (; i < len; i++)
		if (isalpha(b[i])) {
			b[i] ^= 0x20;
			return;
		}
}

static int serve_docs(const struct dmp_req *r, const struct sim_dmp_patient *p,
		      const struct sim_fault *f, struct served *sv)
{
	const struct sim_dmp_patient *other = NULL;
	int found = 0;

	if (!strcmp(f->code, SIM_DMP_FAULT_WRONGPATIENT))
		other = other_patient(p->ins, 1);
	for (int i = 0; i < r->n_retrieve; i++) {
		sv[i].doc = find_doc(p, r->repo[i], r->uid[i]);
		if (sv[i].doc && other) /* a document of someone else */
			sv[i].doc = &other->docs[0];
		if (!sv[i].doc)
			continue;
		sv[i].bytes = malloc(sv[i].doc->len);
		if (!sv[i].bytes)
			return -1;
		memcpy(sv[i].bytes, sv[i].doc->bytes, sv[i].doc->len);
		sv[i].len = sv[i].doc->len;
		if (!strcmp(f->code, SIM_DMP_FAULT_BADHASH))
			spoil(sv[i].bytes, sv[i].len);
		found++;
	}
	return found;
}

static void td32_errors(struct out *o, const struct dmp_req *r, const struct served *sv)
{
	const char *rim = o->ds->rim ? o->ds->rim : "rim";

	o_start_ns(o, rim, "RegistryErrorList", RIM_NS);
	o_attr(o, "highestSeverity", "urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error");
	for (int i = 0; i < r->n_retrieve; i++) {
		if (sv[i].doc)
			continue;
		o_start(o, rim, "RegistryError");
		o_attr(o, "errorCode", strcmp(r->repo[i], SIM_DMP_REPOSITORY)
			   ? "XDSUnknownRepositoryId" : "XDSDocumentUniqueIdError");
		o_attr(o, "codeContext", r->uid[i]);
		o_attr(o, "severity", "urn:oasis:names:tc:ebxml-regrep:ErrorSeverityType:Error");
		o_end(o);
	}
	o_end(o);
}

static void td32_document(struct out *o, const struct dmp_req *r, int i, int part)
{
	const char *x = o->ds->xds;
	char cid[32];

	snprintf(cid, sizeof cid, "cid:doc%d@sim", part);
	o_start(o, x, "DocumentResponse");
	o_leaf(o, x, "RepositoryUniqueId", r->repo[i]);
	o_leaf(o, x, "DocumentUniqueId", r->uid[i]);
	o_leaf(o, x, "mimeType", "text/xml");
	o_start(o, x, "Document");
	o_start_ns(o, "xop", "Include", XOP_NS);
	o_attr(o, "href", cid);
	o_end(o);
	o_end(o);
	o_end(o);
}

static int td32_envelope(const struct dmp_req *r, const struct served *sv, int found,
			 unsigned long style, struct dmp_answer *env)
{
	struct out o;
	const char *status = found == r->n_retrieve ? "Success"
			     : found ? "PartialSuccess" : "Failure";
	char full[120];
	int part = 0;

	if (o_begin(&o, style, ops[OP_TD32].answer_action, r->message_id))
		return -1;
	snprintf(full, sizeof full, "%s%s", RESPONSE_STATUS, status);
	o_start_ns(&o, o.ds->xds, "RetrieveDocumentSetResponse", XDS_NS);
	o_start_ns(&o, o.ds->rs, "RegistryResponse", RS_NS);
	o_attr(&o, "status", full);
	if (found < r->n_retrieve)
		td32_errors(&o, r, sv);
	o_end(&o);
	for (int i = 0; i < r->n_retrieve; i++)
		if (sv[i].doc)
			td32_document(&o, r, i, ++part);
	o_end(&o);
	return o_finish(&o, env);
}

static int append(char **buf, size_t *len, size_t *cap, const void *data, size_t n)
{
	if (*len + n > *cap) {
		size_t c = *cap ? *cap * 2 : 16384;
		char *b;
		while (c < *len + n)
			c *= 2;
		b = realloc(*buf, c);
		if (!b)
			return -1;
		*buf = b;
		*cap = c;
	}
	memcpy(*buf + *len, data, n);
	*len += n;
	return 0;
}

static int part_header(char **buf, size_t *len, size_t *cap, const char *type,
		       const char *encoding, const char *cid)
{
	char h[400];

	snprintf(h, sizeof h, "--" MTOM_BOUNDARY "\r\nContent-Type: %s\r\n"
		 "Content-Transfer-Encoding: %s\r\nContent-ID: <%s>\r\n\r\n", type, encoding, cid);
	return append(buf, len, cap, h, strlen(h));
}

/* MTOM/XOP: the envelope, then one binary part per document. */
static int mtom(const struct dmp_answer *env, const struct served *sv, int n,
		struct dmp_answer *a)
{
	char *buf = NULL, cid[32];
	size_t len = 0, cap = 0;
	int part = 0, rc;

	rc = part_header(&buf, &len, &cap, "application/xop+xml; charset=UTF-8; "
			 "type=\"application/soap+xml\"", "8bit", "root@sim") ||
	     append(&buf, &len, &cap, env->body, env->len) ||
	     append(&buf, &len, &cap, "\r\n", 2);
	for (int i = 0; i < n && !rc; i++) {
		if (!sv[i].doc)
			continue;
		snprintf(cid, sizeof cid, "doc%d@sim", ++part);
		rc = part_header(&buf, &len, &cap, "text/xml", "binary", cid) ||
		     append(&buf, &len, &cap, sv[i].bytes, sv[i].len) ||
		     append(&buf, &len, &cap, "\r\n", 2);
	}
	if (rc || append(&buf, &len, &cap, "--" MTOM_BOUNDARY "--\r\n", strlen(MTOM_BOUNDARY) + 6)) {
		free(buf);
		return -1;
	}
	a->body = buf;
	a->len = len;
	snprintf(a->content_type, sizeof a->content_type, "multipart/related; "
		 "type=\"application/xop+xml\"; boundary=\"" MTOM_BOUNDARY "\"; "
		 "start=\"<root@sim>\"; start-info=\"application/soap+xml\"");
	return 0;
}

static void td32_result(struct dmp_answer *a, const struct sim_fault *f, int found, int asked,
			const char *tag)
{
	const char *res = found == asked ? "ok" : found ? "partiel" : "XDSDocumentUniqueIdError";

	a->http_status = 200;
	if (found && (!strcmp(f->code, SIM_DMP_FAULT_WRONGPATIENT) ||
		      !strcmp(f->code, SIM_DMP_FAULT_BADHASH))) {
		res = f->code;
		a->failed = 1;
	}
	a->failed = a->failed || found < asked;
	result_with_tag(a, res, tag);
}

static void serve_td32(const struct dmp_req *r, const struct sim_fault *f, unsigned long style,
		       struct dmp_answer *a)
{
	const struct sim_dmp_patient *p = find_patient(r->ins, r->oid);
	struct served sv[RETRIEVE_MAX];
	struct dmp_answer env;
	const char *tag, *refusal = consult_refusal(r, p, &tag);
	int found;

	if (refusal) {
		fault_answer(a, refusal, r->message_id, style);
		return;
	}
	memset(sv, 0, sizeof sv);
	memset(&env, 0, sizeof env);
	found = serve_docs(r, p, f, sv);
	if (found >= 0 && td32_envelope(r, sv, found, style, &env) == 0 &&
	    mtom(&env, sv, r->n_retrieve, a) == 0)
		td32_result(a, f, found, r->n_retrieve, tag);
	free(env.body);
	for (int i = 0; i < RETRIEVE_MAX; i++)
		free(sv[i].bytes);
}

/* ---- dispatch ---------------------------------------------------------------------------- */

static void answer(const struct dmp_req *r, const struct sim_fault *f, unsigned long style,
		   struct dmp_answer *a)
{
	memset(a, 0, sizeof *a);
	if (r->error_code[0]) {
		fault_answer(a, r->error_code, r->message_id, style);
		return;
	}
	if (r->op != OP_TD32 && strcmp(r->resource_id, "")) {
		char ins[16], oid[32];
		if (parse_patient_id(r->resource_id, ins, oid) || strcmp(ins, r->ins) ||
		    strcmp(oid, r->oid)) {
			fault_answer(a, "DMPVIHF", r->message_id, style);
			return;
		}
	}
	switch (r->op) {
	case OP_TD02: serve_td02(r, f, style, a); break;
	case OP_TD03: serve_td03(r, style, a); break;
	case OP_TD31: serve_td31(r, f, style, a); break;
	case OP_TD32: serve_td32(r, f, style, a); break;
	}
}

static void detail_of(const struct dmp_req *r, char *buf, size_t size)
{
	buf[0] = 0;
	if (r->op == OP_TD32) {
		for (int i = 0; i < r->n_retrieve; i++)
			snprintf(buf + strlen(buf), size - strlen(buf), "%s%s", i ? "+" : "",
				 r->uid[i]);
	} else {
		snprintf(buf, size, "%s", r->ins);
	}
	if (!buf[0])
		snprintf(buf, size, "-");
}

static void count_op(enum dmp_op op)
{
	atomic_ulong *c[] = { &st_td02, &st_td03, &st_td31, &st_td32 };

	atomic_fetch_add(c[op], 1);
}

static enum MHD_Result send_answer(struct MHD_Connection *c, struct sim_server *s,
				   const struct dmp_req *r, const char *detail,
				   struct dmp_answer *a)
{
	if (!a->body) /* could not build it: say so as the real service would */
		fault_answer(a, "DMP_ERREUR_TECHNIQUE", r->message_id, 0);
	if (a->failed)
		atomic_fetch_add(&st_faults, 1);
	sim_log(s, "dmp", ops[r->op].log_name, detail, a->result);
	return sim_reply(c, (unsigned)a->http_status, a->content_type, a->body, a->len);
}

/* Faults that do not answer (reset, hang) or answer without looking at the request. */
static int early_fault(struct MHD_Connection *c, struct sim_server *s, const struct sim_fault *f,
		       const char *code, const struct dmp_req *r, const char *detail,
		       unsigned long style, enum MHD_Result *rc)
{
	const char *op = ops[r->op].log_name;
	struct dmp_answer a;

	memset(&a, 0, sizeof a);
	switch (f->kind) {
	case SIM_FAULT_RESET:
	case SIM_FAULT_HANG:
		sim_log(s, "dmp", op, detail, f->kind == SIM_FAULT_RESET ? "reset" : "hang");
		atomic_fetch_add(&st_faults, 1);
		if (f->kind == SIM_FAULT_RESET)
			sim_reset_connection(c);
		else
			sim_wait_or_gone(c, s, -1);
		*rc = MHD_NO;
		return 1;
	case SIM_FAULT_HTTP500:
		a.http_status = 500;
		a.failed = 1;
		snprintf(a.content_type, sizeof a.content_type, "text/html; charset=utf-8");
		a.body = strdup("<html><head><title>500 Internal Server Error</title></head>"
				"<body><h1>Internal Server Error</h1></body></html>\n");
		a.len = a.body ? strlen(a.body) : 0;
		snprintf(a.result, sizeof a.result, "http500");
		*rc = send_answer(c, s, r, detail, &a);
		return 1;
	case SIM_FAULT_SOAP:
		fault_answer(&a, code, r->message_id, style);
		*rc = send_answer(c, s, r, detail, &a);
		return 1;
	default:
		return 0;
	}
}

static enum MHD_Result handle(struct MHD_Connection *c, struct sim_server *s, enum dmp_op op,
			      const struct sim_req *rq)
{
	static atomic_ulong counter;
	unsigned long style = atomic_fetch_add(&counter, 1);
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_TYPE);
	struct dmp_req *r = calloc(1, sizeof *r);
	struct dmp_answer a;
	struct sim_fault f;
	char detail[RETRIEVE_MAX * 130], code[48];
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	r->op = op;
	atomic_fetch_add(&st_requests, 1);
	count_op(op);
	parse_request(ct, rq, r);
	detail_of(r, detail, sizeof detail);
	sim_fault_get_dmp(&f, code, sizeof code);
	if (!early_fault(c, s, &f, code, r, detail, style, &rc)) {
		if (f.kind == SIM_FAULT_DELAY && sim_wait_or_gone(c, s, f.delay_ms) < 0) {
			sim_log(s, "dmp", ops[op].log_name, detail, "abandon");
			free(r);
			return MHD_NO;
		}
		answer(r, &f, style, &a);
		if (f.kind == SIM_FAULT_MALFORMED && a.len > 1) {
			a.len /= 2; /* cut in the middle: not well-formed any more */
			snprintf(a.result, sizeof a.result, "malformed");
			a.failed = 1;
		}
		rc = send_answer(c, s, r, detail, &a);
	}
	free(r);
	return rc;
}

int sim_dmp_route(struct MHD_Connection *c, struct sim_server *s, const char *url,
		  const char *method, const struct sim_req *rq, enum MHD_Result *rc)
{
	if (strncmp(url, "/si-dmp-server/", 15))
		return 0;
	for (size_t i = 0; i < N_OPS; i++) {
		if (strncmp(url, SERVICES, strlen(SERVICES)) ||
		    strcmp(url + strlen(SERVICES), ops[i].service))
			continue;
		if (strcmp(method, "POST")) {
			sim_log(s, "dmp", method, "-", "405");
			*rc = sim_reply_text(c, 405, "méthode non permise : POST attendu\n");
		} else {
			*rc = handle(c, s, (enum dmp_op)i, rq);
		}
		return 1;
	}
	sim_log(s, "dmp", method, "-", "404");
	*rc = sim_reply_text(c, 404, "service DMP inconnu du simulateur\n");
	return 1;
}

void sim_dmp_stats(char *buf, size_t size)
{
	struct sim_fault f;
	char code[48], spec[64];

	sim_fault_get_dmp(&f, code, sizeof code);
	if (f.kind == SIM_FAULT_SOAP)
		snprintf(spec, sizeof spec, "soap:%s", code);
	else
		sim_fault_format(&f, spec, sizeof spec);
	snprintf(buf, size, "dmp_requests: %lu\ndmp_td02: %lu\ndmp_td03: %lu\ndmp_td31: %lu\n"
		 "dmp_td32: %lu\ndmp_faults: %lu\ndmp_fault: %s\n", atomic_load(&st_requests),
		 atomic_load(&st_td02), atomic_load(&st_td03), atomic_load(&st_td31),
		 atomic_load(&st_td32), atomic_load(&st_faults), spec);
}

int sim_dmp_patient_traits(const char *ins, struct sim_dmp_patient *out)
{
	for (size_t i = 0; i < n_patients; i++)
		if (!strcmp(patients[i].ins, ins)) {
			*out = patients[i];
			out->n_docs = 0;
			memset(out->docs, 0, sizeof out->docs);
			return 0;
		}
	return -1;
}
