/* DMP client: SOAP 1.2 + WS-Addressing + VIHF requests, answer parsers (HL7v3, XDS.b, MTOM). */
#include "net/dmp.h"
#include "net/sbuf.h"
#include "net/xmltree.h"
#include "core/text.h"

#include "cda/cda_read.h"
#include "net/http.h"
#include "net/insi.h"
#include "net/vihf.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <openssl/sha.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define NS_SOAP12 "http://www.w3.org/2003/05/soap-envelope"
#define NS_WSA "http://www.w3.org/2005/08/addressing"
#define NS_WSSE "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
#define NS_HL7 "urn:hl7-org:v3"
#define NS_DMPX "urn:si-dmp:extensions:1.0"
#define NS_HAB "urn:si-dmp-habilitations"
#define NS_QUERY "urn:oasis:names:tc:ebxml-regrep:xsd:query:3.0"
#define NS_RIM "urn:oasis:names:tc:ebxml-regrep:xsd:rim:3.0"
#define NS_RS "urn:oasis:names:tc:ebxml-regrep:xsd:rs:3.0"
#define NS_XDS "urn:ihe:iti:xds-b:2007"
#define NS_XOP "http://www.w3.org/2004/08/xop/include"

#define ACTION_TD02 "urn:hl7-org:v3:PRPA_IN201307UV02"
#define ACTION_TD03 "urn:si-dmp-habilitations:HabilitationsEndPoint:setAuthorization"
#define ACTION_TD31 "urn:ihe:iti:2007:RegistryStoredQuery"
#define ACTION_TD32 "urn:ihe:iti:2007:RetrieveDocumentSet"

#define FIND_DOCUMENTS "urn:uuid:14d4debf-8f97-4251-9a74-a90016b0af0d"
#define STATUS_APPROVED "urn:oasis:names:tc:ebxml-regrep:StatusType:Approved"
#define SCHEME_AUTHOR "urn:uuid:93606bcf-9494-43ec-9b4e-a7748d1a838d"
#define SCHEME_CLASS "urn:uuid:41a5887f-8865-4c09-adf7-e362475b143a"
#define SCHEME_TYPE "urn:uuid:f0306f51-975f-434e-a61c-c59651d33983"
#define SCHEME_FORMAT "urn:uuid:a09d5840-386c-46f2-b5ad-9c3699a4309d"
#define SCHEME_CONFID "urn:uuid:f4f85eac-e6cb-4883-b524-f2705394840f"
#define EXT_PATIENT "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"
#define EXT_UNIQUE "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab"

/* More entries than any DMP holds: past it the answer is refused, not cut. */
#define MAX_ENTRIES 5000

/* ------------------------------------------------------------------ errors */

__attribute__((format(printf, 3, 4)))
static int fail(struct dmp_error *e, int kind, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		e->kind = kind;
		va_start(ap, fmt);
		vsnprintf(e->message, sizeof e->message, fmt, ap);
		va_end(ap);
		text_utf8_cut(e->message);
	}
	return kind;
}

static void err_clear(struct dmp_error *e)
{
	if (e)
		memset(e, 0, sizeof *e);
}

static int kind_of(const struct dmp_error *e, int def)
{
	return e && e->kind ? e->kind : def;
}

/* ------------------------------------------------------------------ input checks */

static int is_ins_oid(const char *oid)
{
	return !strcmp(oid, "1.2.250.1.213.1.4.8") || !strcmp(oid, "1.2.250.1.213.1.4.9") ||
	       !strcmp(oid, "1.2.250.1.213.1.4.10") || !strcmp(oid, "1.2.250.1.213.1.4.11");
}

/* 13 characters of matricule (digits, 2A/2B for Corsica) and a 2-digit key. */
static int ins_shape(const char *ins)
{
	if (strlen(ins) != 15)
		return 0;
	for (int i = 0; i < 15; i++) {
		int digit = ins[i] >= '0' && ins[i] <= '9';
		if (!digit && !(i == 6 && (ins[i] == 'A' || ins[i] == 'B')))
			return 0;
	}
	return 1;
}

static int check_patient(const struct dmp_patient *p, struct dmp_error *e)
{
	if (!p || !p->ins[0])
		return fail(e, DMP_ERR_REFUSED, "Patient sans INS qualifiée : le DMP ne peut pas "
			    "être interrogé");
	if (!ins_shape(p->ins))
		return fail(e, DMP_ERR_REFUSED, "INS « %s » mal formée (15 caractères attendus) : le "
			    "DMP ne peut pas être interrogé", p->ins);
	if (!is_ins_oid(p->oid))
		return fail(e, DMP_ERR_REFUSED, "Autorité d'affectation de l'INS « %s » inconnue : "
			    "le DMP ne peut pas être interrogé", p->oid);
	return 0;
}

/* ------------------------------------------------------------------ request builders */

static void service_url(const struct dmp_config *cfg, const char *service, char *buf,
			size_t size)
{
	size_t n = strlen(cfg->endpoint);

	while (n > 0 && cfg->endpoint[n - 1] == '/')
		n--;
	snprintf(buf, size, "%.*s/%s", (int)n, cfg->endpoint, service);
}

static void creation_time(time_t now, char *buf, size_t size)
{
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(buf, size, "%Y%m%d%H%M%S", &tm);
}

static char *envelope(const struct dmp_config *cfg, const struct dmp_actor *actor,
		      const struct dmp_patient *patient, const char *service, const char *action,
		      const char *message_id, time_t now, const char *body, struct dmp_error *e)
{
	struct sbuf b = { 0 };
	char url[600], *vihf = NULL;
	int rc = vihf_build(cfg, actor, patient, now, &vihf, e ? e->message : NULL,
			    e ? sizeof e->message : 0);

	if (rc) {
		if (e)
			e->kind = rc;
		return NULL;
	}
	service_url(cfg, service, url, sizeof url);
	sb_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soap:Envelope xmlns:soap=\""
		NS_SOAP12 "\" xmlns:wsa=\"" NS_WSA "\"><soap:Header>"
		"<wsa:Action soap:mustUnderstand=\"1\">");
	sb_esc(&b, action);
	sb_puts(&b, "</wsa:Action>");
	sb_elem(&b, "wsa:MessageID", message_id);
	sb_puts(&b, "<wsa:To soap:mustUnderstand=\"1\">");
	sb_esc(&b, url);
	sb_puts(&b, "</wsa:To><wsse:Security xmlns:wsse=\"" NS_WSSE "\" soap:mustUnderstand=\"1\">");
	sb_puts(&b, vihf);
	sb_puts(&b, "</wsse:Security></soap:Header><soap:Body>");
	sb_puts(&b, body);
	sb_puts(&b, "</soap:Body></soap:Envelope>");
	free(vihf);
	if (b.oom) {
		free(b.p);
		fail(e, DMP_ERR_CONFIG, "Mémoire insuffisante pour construire la requête DMP");
		return NULL;
	}
	return b.p;
}

static int body_done(struct sbuf *b, struct dmp_error *e)
{
	if (!b->oom)
		return 0;
	free(b->p);
	b->p = NULL;
	return fail(e, DMP_ERR_CONFIG, "Mémoire insuffisante pour construire la requête DMP");
}

static int uuid_attr(struct sbuf *b, const char *qname, struct dmp_error *e)
{
	char uuid[37];

	if (insi_new_uuid(uuid))
		return fail(e, DMP_ERR_CONFIG, "Générateur aléatoire indisponible (OpenSSL)");
	sb_puts(b, "<");
	sb_puts(b, qname);
	sb_puts(b, " root=\"");
	sb_puts(b, uuid);
	sb_puts(b, "\"/>");
	return 0;
}

static int td02_body(const struct dmp_patient *p, time_t now, struct sbuf *b,
		     struct dmp_error *e)
{
	char ct[20];

	creation_time(now, ct, sizeof ct);
	sb_puts(b, "<hl7:PRPA_IN201307UV02 xmlns:hl7=\"" NS_HL7 "\" ITSVersion=\"XML_1.0\">");
	if (uuid_attr(b, "hl7:id", e))
		return DMP_ERR_CONFIG;
	sb_puts(b, "<hl7:creationTime value=\"");
	sb_puts(b, ct);
	sb_puts(b, "\"/><hl7:interactionId root=\"2.16.840.1.113883.1.6\" extension=\""
		"PRPA_IN201307UV02\"/><hl7:processingCode code=\"P\"/><hl7:processingModeCode "
		"code=\"T\"/><hl7:acceptAckCode code=\"AL\"/><hl7:controlActProcess classCode=\""
		"CACT\" moodCode=\"EVN\"><hl7:code code=\"PRPA_TE201307UV02\" codeSystem=\""
		"2.16.840.1.113883.1.6\"/><hl7:reasonCode code=\"TEST_EXST\" codeSystem=\""
		"1.2.250.1.213.1.1.4.11\"/><hl7:queryByParameter>");
	if (uuid_attr(b, "hl7:queryId", e))
		return DMP_ERR_CONFIG;
	sb_puts(b, "<hl7:statusCode code=\"new\"/><hl7:responsePriorityCode code=\"I\"/>"
		"<hl7:parameterList><hl7:patientIdentifier><hl7:value root=\"");
	sb_esc(b, p->oid);
	sb_puts(b, "\" extension=\"");
	sb_esc(b, p->ins);
	sb_puts(b, "\"/><hl7:semanticsText>Patient.id</hl7:semanticsText></hl7:patientIdentifier>"
		"</hl7:parameterList></hl7:queryByParameter></hl7:controlActProcess>"
		"</hl7:PRPA_IN201307UV02>");
	return body_done(b, e);
}

static void td03_body(const struct dmp_patient *p, struct sbuf *b)
{
	char cx[80];

	vihf_patient_cx(p, cx, sizeof cx);
	sb_puts(b, "<setAuthorization xmlns=\"" NS_HAB "\"><action>AJOUT</action>");
	sb_elem(b, "patientId", cx);
	sb_puts(b, "</setAuthorization>");
}

static void td31_body(const struct dmp_patient *p, struct sbuf *b)
{
	char cx[80];

	vihf_patient_cx(p, cx, sizeof cx);
	sb_puts(b, "<query:AdhocQueryRequest xmlns:query=\"" NS_QUERY "\" xmlns:rim=\"" NS_RIM
		"\"><query:ResponseOption returnComposedObjects=\"true\" returnType=\"LeafClass\"/>"
		"<rim:AdhocQuery id=\"" FIND_DOCUMENTS "\">"
		"<rim:Slot name=\"$XDSDocumentEntryPatientId\"><rim:ValueList><rim:Value>'");
	sb_esc(b, cx);
	sb_puts(b, "'</rim:Value></rim:ValueList></rim:Slot>"
		"<rim:Slot name=\"$XDSDocumentEntryStatus\"><rim:ValueList><rim:Value>('"
		STATUS_APPROVED "')</rim:Value></rim:ValueList></rim:Slot>"
		"</rim:AdhocQuery></query:AdhocQueryRequest>");
}

static void td32_body(const char *repository_id, const char *unique_id, struct sbuf *b)
{
	sb_puts(b, "<xds:RetrieveDocumentSetRequest xmlns:xds=\"" NS_XDS "\"><xds:DocumentRequest>");
	sb_elem(b, "xds:RepositoryUniqueId", repository_id);
	sb_elem(b, "xds:DocumentUniqueId", unique_id);
	sb_puts(b, "</xds:DocumentRequest></xds:RetrieveDocumentSetRequest>");
}

/* The envelope around a finished body (freed here). */
static char *wrap(const struct dmp_config *cfg, const struct dmp_actor *actor,
		  const struct dmp_patient *patient, const char *service, const char *action,
		  const char *message_id, time_t now, struct sbuf *body, struct dmp_error *e)
{
	char *env = NULL;

	if (!body_done(body, e))
		env = envelope(cfg, actor, patient, service, action, message_id, now, body->p, e);
	free(body->p);
	return env;
}

char *dmp_build_td02(const struct dmp_config *cfg, const struct dmp_actor *actor,
		     const struct dmp_patient *patient, const char *message_id, time_t now,
		     struct dmp_error *e)
{
	struct sbuf b = { 0 };

	err_clear(e);
	if (check_patient(patient, e))
		return NULL;
	if (td02_body(patient, now, &b, e)) {
		free(b.p);
		return NULL;
	}
	return wrap(cfg, actor, patient, "patients", ACTION_TD02, message_id, now, &b, e);
}

char *dmp_build_td03(const struct dmp_config *cfg, const struct dmp_actor *actor,
		     const struct dmp_patient *patient, const char *message_id, time_t now,
		     struct dmp_error *e)
{
	struct sbuf b = { 0 };

	err_clear(e);
	if (check_patient(patient, e))
		return NULL;
	td03_body(patient, &b);
	return wrap(cfg, actor, patient, "habilitations", ACTION_TD03, message_id, now, &b, e);
}

char *dmp_build_td31(const struct dmp_config *cfg, const struct dmp_actor *actor,
		     const struct dmp_patient *patient, const char *message_id, time_t now,
		     struct dmp_error *e)
{
	struct sbuf b = { 0 };

	err_clear(e);
	if (check_patient(patient, e))
		return NULL;
	td31_body(patient, &b);
	return wrap(cfg, actor, patient, "registry", ACTION_TD31, message_id, now, &b, e);
}

char *dmp_build_td32(const struct dmp_config *cfg, const struct dmp_actor *actor,
		     const struct dmp_patient *patient, const char *repository_id,
		     const char *unique_id, const char *message_id, time_t now,
		     struct dmp_error *e)
{
	struct sbuf b = { 0 };

	err_clear(e);
	if (check_patient(patient, e))
		return NULL;
	if (!unique_id || !unique_id[0] || !repository_id || !repository_id[0]) {
		fail(e, DMP_ERR_REFUSED, "Document à récupérer non désigné (identifiant ou entrepôt "
		     "absent)");
		return NULL;
	}
	td32_body(repository_id, unique_id, &b);
	return wrap(cfg, actor, patient, "repository", ACTION_TD32, message_id, now, &b, e);
}

/* ------------------------------------------------------------------ tree helpers */



/* Attribute (no namespace); exact: -1 when too long (identifiers are never shortened). */
static int attr_exact(const xmlNode *n, const char *name, char *out, size_t size)
{
	xmlChar *v = n ? xmlGetNoNsProp(n, (const xmlChar *)name) : NULL;
	int rc = xml_line_text(v, out, size);

	xmlFree(v);
	return rc;
}

static void attr_cut(const xmlNode *n, const char *name, char *out, size_t size)
{
	attr_exact(n, name, out, size);
}

static int text_exact(const xmlNode *n, char *out, size_t size)
{
	xmlChar *v = n ? xmlNodeGetContent(n) : NULL;
	int rc = xml_line_text(v, out, size);

	xmlFree(v);
	return rc;
}

static int iso_date_shape(const char *s)
{
	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return 0;
	return 1;
}

/* ------------------------------------------------------------------ faults */

static const struct {
	const char *code, *why;
} fault_codes[] = {
	{ "DMPVIHF", "Identification du professionnel refusée par le DMP (jeton VIHF)" },
	{ "DMP_AUTORISATION_INTERDITE", "Le patient a bloqué l'accès de ce professionnel à son "
					"DMP" },
	{ "DMP_FERME", "Le DMP de ce patient est fermé" },
	{ "DMP_INEXISTANT", "Ce patient n'a pas de DMP" },
	{ "XDSDocumentUniqueIdError", "Document introuvable dans le DMP" },
	{ "XDSUnknownPatientId", "Patient inconnu du DMP" },
	{ "XDSPatientIdDoesNotMatch", "Le document n'appartient pas au DMP de ce patient" },
	{ "XDSRegistryError", "Erreur du registre des documents du DMP" },
	{ "XDSRepositoryError", "Erreur de l'entrepôt des documents du DMP" },
	{ "XDSRegistryBusy", "Registre du DMP momentanément occupé, réessayez plus tard" },
	{ "XDSRepositoryBusy", "Entrepôt du DMP momentanément occupé, réessayez plus tard" },
};

const char *dmp_fault_explain(const char *code)
{
	for (size_t i = 0; code && i < sizeof fault_codes / sizeof fault_codes[0]; i++)
		if (!strcmp(code, fault_codes[i].code))
			return fault_codes[i].why;
	return NULL;
}

/* The server's text says no more than ours: equal but for case and a final full stop. */
static int same_sentence(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	while (la > 0 && (a[la - 1] == '.' || a[la - 1] == ' '))
		la--;
	while (lb > 0 && (b[lb - 1] == '.' || b[lb - 1] == ' '))
		lb--;
	return la == lb && !strncasecmp(a, b, la);
}

/* "Ce patient n'a pas de DMP (DMP_INEXISTANT) : texte du serveur" */
static int coded_error(struct dmp_error *e, const char *code, const char *text)
{
	const char *why = dmp_fault_explain(code);
	int same;

	if (!e)
		return DMP_ERR_FAULT;
	snprintf(e->code, sizeof e->code, "%s", code);
	for (char *p = e->code; *p; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7F)
			*p = '_';
	if (!why)
		why = code[0] ? "Erreur renvoyée par le service DMP" : "Erreur SOAP du service DMP";
	same = text && same_sentence(why, text);
	return fail(e, DMP_ERR_FAULT, "%s%s%s%s%s%s", why, e->code[0] ? " (" : "", e->code,
		    e->code[0] ? ")" : "", text && text[0] && !same ? " : " : "",
		    text && !same ? text : "");
}

static int parse_fault(const xmlNode *fault, struct dmp_error *e)
{
	const xmlNode *code = xml_child(fault, NS_SOAP12, "Code");
	const xmlNode *sub = xml_child(code, NS_SOAP12, "Subcode");
	char subcode[64], reason[256];

	xml_qname_local(xml_child(sub, NS_SOAP12, "Value"), subcode, sizeof subcode);
	xml_text_cut(xml_soap12_reason(fault), reason, sizeof reason);
	return coded_error(e, subcode, reason[0] ? reason : "sans explication");
}

/* RegistryErrorList (rs, or rim as vigie-sim writes it): the first error. */
static int registry_error(const xmlNode *holder, struct dmp_error *e)
{
	const xmlNode *list = xml_child(holder, NS_RS, "RegistryErrorList");
	const xmlNode *err = NULL;
	char code[64] = "", context[256] = "";

	if (!list)
		list = xml_child(holder, NS_RIM, "RegistryErrorList");
	if (list && !(err = xml_child(list, NS_RS, "RegistryError")))
		err = xml_child(list, NS_RIM, "RegistryError");
	attr_cut(err, "errorCode", code, sizeof code);
	attr_cut(err, "codeContext", context, sizeof context);
	if (!code[0])
		snprintf(code, sizeof code, "XDSRegistryError");
	return coded_error(e, code, context[0] ? context : "échec sans détail");
}

static int status_is(const xmlNode *n, const char *suffix)
{
	char st[128];
	size_t a, b = strlen(suffix);

	attr_cut(n, "status", st, sizeof st);
	a = strlen(st);
	return a >= b && !strcmp(st + a - b, suffix);
}

/* ------------------------------------------------------------------ SOAP answers */

struct answer {
	xmlDocPtr doc;
	const xmlNode *body;       /* soap:Body */
};

/* Parses a SOAP 1.2 envelope; a Fault gives DMP_ERR_FAULT. 0 with a->body set. */
static int read_soap(const char *xml, size_t len, size_t max, struct answer *a,
		     struct dmp_error *e)
{
	char msg[sizeof e->message];
	const xmlNode *root, *fault;

	memset(a, 0, sizeof *a);
	if (!xml || !len)
		return fail(e, DMP_ERR_PARSE, "Réponse du DMP vide");
	if (len > max)
		return fail(e, DMP_ERR_PARSE, "Réponse du DMP refusée : %zu octets, plus que la "
			    "limite de %zu Mio", len, max / (1024 * 1024));
	if (!(a->doc = cda_xml_read(xml, len, "Réponse du DMP", msg, sizeof msg)))
		return fail(e, DMP_ERR_PARSE, "%s", msg);
	root = xmlDocGetRootElement(a->doc);
	if (!xml_is_el(root, NS_SOAP12, "Envelope") || !(a->body = xml_child(root, NS_SOAP12, "Body")))
		return fail(e, DMP_ERR_PARSE, "Réponse du DMP inattendue : pas d'enveloppe SOAP 1.2 "
			    "avec un corps");
	if ((fault = xml_child(a->body, NS_SOAP12, "Fault")))
		return parse_fault(fault, e);
	return 0;
}

static void answer_free(struct answer *a)
{
	xmlFreeDoc(a->doc);
	memset(a, 0, sizeof *a);
}

static int unexpected(struct dmp_error *e, const char *what)
{
	return fail(e, DMP_ERR_PARSE, "Réponse du DMP inattendue : %s absent du corps du message",
		    what);
}

/* ------------------------------------------------------------------ TD0.2 */

static int ack_error(const xmlNode *ack, struct dmp_error *e)
{
	const xmlNode *det = xml_child(ack, NS_HL7, "acknowledgementDetail");
	char code[64], text[256];

	attr_cut(xml_child(det, NS_HL7, "code"), "code", code, sizeof code);
	xml_text_cut(xml_child(det, NS_HL7, "text"), text, sizeof text);
	return coded_error(e, code, text[0] ? text : "demande refusée");
}

static int same_patient(const xmlNode *id, const struct dmp_patient *p, char *got, size_t size)
{
	char root[40], ext[40];

	attr_cut(id, "root", root, sizeof root);
	attr_cut(id, "extension", ext, sizeof ext);
	snprintf(got, size, "%s", ext[0] ? ext : "(aucun)");
	return !strcmp(root, p->oid) && !strcmp(ext, p->ins);
}

static int wrong_patient(struct dmp_error *e, const char *got)
{
	return fail(e, DMP_ERR_MISMATCH, "Le DMP a répondu pour un autre patient (INS %s) : "
		    "réponse ignorée", got);
}

/* statusCode of the patient: active, completed (closed), nullified (no DMP). */
static enum dmp_state state_of_hl7(const char *code)
{
	return !strcmp(code, "active") ? DMP_STATE_ACTIVE : !strcmp(code, "completed")
	       ? DMP_STATE_CLOSED : !strcmp(code, "nullified") ? DMP_STATE_ABSENT
	       : DMP_STATE_UNKNOWN;
}

static enum dmp_state state_of_etat(const char *etat)
{
	return !strcmp(etat, "ACTIF") ? DMP_STATE_ACTIVE : !strcmp(etat, "FERME")
	       ? DMP_STATE_CLOSED : !strcmp(etat, "INEXISTANT") ? DMP_STATE_ABSENT
	       : DMP_STATE_UNKNOWN;
}

static enum dmp_authz authz_of(const char *v)
{
	return !strcmp(v, "VALIDE") ? DMP_AUTHZ_VALID : !strcmp(v, "EXPIREE") ? DMP_AUTHZ_EXPIRED
	       : !strcmp(v, "AUCUNE") ? DMP_AUTHZ_NONE : !strcmp(v, "BLOQUEE") ? DMP_AUTHZ_BLOCKED
	       : DMP_AUTHZ_UNKNOWN;
}

static int dmp_date(const xmlNode *n, char *out, size_t size, const char *what,
		    struct dmp_error *e)
{
	if (text_exact(n, out, size) || (out[0] && !iso_date_shape(out)))
		return fail(e, DMP_ERR_PARSE, "Réponse du DMP invalide : %s mal formée (AAAA-MM-JJ "
			    "attendu)", what);
	return 0;
}

/* dmp:statutDMP: state (cross-checked with the HL7 one), closure, authorisation. */
static int read_statut(const xmlNode *s, struct dmp_status *st, struct dmp_error *e)
{
	char etat[32], authz[32], mt[16];
	enum dmp_state state;

	xml_text_cut(xml_child(s, NS_DMPX, "etat"), etat, sizeof etat);
	xml_text_cut(xml_child(s, NS_DMPX, "autorisation"), authz, sizeof authz);
	xml_text_cut(xml_child(s, NS_DMPX, "medecinTraitant"), mt, sizeof mt);
	state = state_of_etat(etat);
	if (etat[0] && state == DMP_STATE_UNKNOWN)
		return fail(e, DMP_ERR_PARSE, "Réponse du DMP invalide : état « %s » inconnu", etat);
	if (state && st->state && state != st->state)
		return fail(e, DMP_ERR_PARSE, "Réponse du DMP incohérente : état « %s » contredit le "
			    "statut HL7 du patient", etat);
	if (state)
		st->state = state;
	st->authz = authz_of(authz);
	if (authz[0] && st->authz == DMP_AUTHZ_UNKNOWN)
		return fail(e, DMP_ERR_PARSE, "Réponse du DMP invalide : autorisation « %s » "
			    "inconnue", authz);
	st->treating_doctor = !strcmp(mt, "true") || !strcmp(mt, "1");
	xml_text_cut(xml_child(s, NS_DMPX, "motifFermeture"), st->closed_reason, sizeof st->closed_reason);
	if (dmp_date(xml_child(s, NS_DMPX, "dateFermeture"), st->closed_date, sizeof st->closed_date,
		     "date de fermeture", e) ||
	    dmp_date(xml_child(s, NS_DMPX, "finAutorisation"), st->authz_end, sizeof st->authz_end,
		     "date de fin d'autorisation", e))
		return DMP_ERR_PARSE;
	return 0;
}

static int read_td02(const xmlNode *resp, const struct dmp_patient *p, struct dmp_status *st,
		     struct dmp_error *e)
{
	const xmlNode *ack = xml_child(resp, NS_HL7, "acknowledgement");
	const xmlNode *cap = xml_child(resp, NS_HL7, "controlActProcess");
	const xmlNode *pat = xml_child(xml_child(xml_child(xml_child(cap, NS_HL7, "subject"), NS_HL7,
						     "registrationEvent"), NS_HL7, "subject1"),
				   NS_HL7, "patient");
	char type[8], qrc[8], status[32], got[40];

	attr_cut(xml_child(ack, NS_HL7, "typeCode"), "code", type, sizeof type);
	if (strcmp(type, "AA"))
		return ack ? ack_error(ack, e) : unexpected(e, "acquittement (acknowledgement)");
	attr_cut(xml_child(xml_child(cap, NS_HL7, "queryAck"), NS_HL7, "queryResponseCode"), "code", qrc,
		 sizeof qrc);
	if (strcmp(qrc, "OK") && strcmp(qrc, "NF"))
		return fail(e, DMP_ERR_PARSE, "Réponse du DMP invalide : code de réponse « %s » "
			    "inconnu (OK ou NF attendu)", qrc);
	if (!strcmp(qrc, "OK") && !pat)
		return unexpected(e, "patient");
	if (pat && !same_patient(xml_child(pat, NS_HL7, "id"), p, got, sizeof got))
		return wrong_patient(e, got);
	attr_cut(xml_child(pat, NS_HL7, "statusCode"), "code", status, sizeof status);
	st->state = !strcmp(qrc, "NF") ? DMP_STATE_ABSENT : state_of_hl7(status);
	if (st->state == DMP_STATE_UNKNOWN)
		return fail(e, DMP_ERR_PARSE, "Réponse du DMP invalide : statut du patient « %s » "
			    "inconnu", status);
	snprintf(st->ins, sizeof st->ins, "%s", p->ins);
	return read_statut(xml_child(resp, NS_DMPX, "statutDMP"), st, e);
}

int dmp_parse_td02(const char *xml, size_t len, const struct dmp_patient *patient,
		   struct dmp_status *st, struct dmp_error *e)
{
	struct answer a;
	const xmlNode *resp;
	int rc;

	memset(st, 0, sizeof *st);
	err_clear(e);
	rc = read_soap(xml, len, DMP_MAX_ANSWER, &a, e);
	if (!rc && !(resp = xml_child(a.body, NS_HL7, "PRPA_IN201308UV02")))
		rc = unexpected(e, "PRPA_IN201308UV02");
	else if (!rc)
		rc = read_td02(resp, patient, st, e);
	answer_free(&a);
	if (rc)
		memset(st, 0, sizeof *st);
	return rc;
}

/* ------------------------------------------------------------------ TD0.3 */

int dmp_parse_td03(const char *xml, size_t len, const struct dmp_patient *patient,
		   struct dmp_status *st, struct dmp_error *e)
{
	struct answer a;
	const xmlNode *resp = NULL;
	char status[16], authz[32];
	int rc;

	memset(st, 0, sizeof *st);
	err_clear(e);
	rc = read_soap(xml, len, DMP_MAX_ANSWER, &a, e);
	if (!rc && !(resp = xml_child(a.body, NS_HAB, "setAuthorizationResponse")))
		rc = unexpected(e, "setAuthorizationResponse");
	if (!rc) {
		xml_text_cut(xml_child(resp, NS_HAB, "status"), status, sizeof status);
		xml_text_cut(xml_child(resp, NS_HAB, "autorisation"), authz, sizeof authz);
		st->authz = authz_of(authz);
		if (strcmp(status, "OK"))
			rc = fail(e, DMP_ERR_PARSE, "Réponse du DMP invalide : statut « %s » au lieu "
				  "de OK", status);
		else if (st->authz == DMP_AUTHZ_UNKNOWN)
			rc = fail(e, DMP_ERR_PARSE, "Réponse du DMP invalide : autorisation « %s » "
				  "inconnue", authz);
		else
			rc = dmp_date(xml_child(resp, NS_HAB, "finAutorisation"), st->authz_end,
				      sizeof st->authz_end, "date de fin d'autorisation", e);
	}
	answer_free(&a);
	if (rc)
		memset(st, 0, sizeof *st);
	else
		snprintf(st->ins, sizeof st->ins, "%s", patient->ins);
	return rc;
}

/* ------------------------------------------------------------------ TD3.1 */

static const xmlNode *slot(const xmlNode *obj, const char *name)
{
	for (const xmlNode *c = obj ? obj->children : NULL; c; c = c->next) {
		char n[64];

		if (!xml_is_el(c, NS_RIM, "Slot"))
			continue;
		attr_cut(c, "name", n, sizeof n);
		if (!strcmp(n, name))
			return xml_child(xml_child(c, NS_RIM, "ValueList"), NS_RIM, "Value");
	}
	return NULL;
}

static int slot_exact(const xmlNode *obj, const char *name, char *out, size_t size)
{
	return text_exact(slot(obj, name), out, size);
}

static void name_of(const xmlNode *obj, char *out, size_t size)
{
	attr_cut(xml_child(xml_child(obj, NS_RIM, "Name"), NS_RIM, "LocalizedString"), "value", out, size);
}

/* The n-th (0-based) '^' component of an HL7 v2 value. */
static void component(const char *v, int n, char *out, size_t size)
{
	const char *end;

	for (; n > 0 && v; n--)
		if ((v = strchr(v, '^')))
			v++;
	if (!v) {
		out[0] = 0;
		return;
	}
	end = strchr(v, '^');
	snprintf(out, size, "%.*s", (int)(end ? (size_t)(end - v) : strlen(v)), v);
}

/* authorPerson XCN "id^FAMILY^Given^^^Prefix..." and authorSpecialty "G15_10/SM26^label^oid":
 * "Dr Given FAMILY", as the CDA reader says it (cda_author_title). */
static void read_author(const xmlNode *cls, struct dmp_doc *d)
{
	char person[256] = "", spec[256] = "", fam[101], giv[101], raw[32], pre[32], code[32];

	text_exact(slot(cls, "authorPerson"), person, sizeof person);
	text_exact(slot(cls, "authorSpecialty"), spec, sizeof spec);
	component(person, 1, fam, sizeof fam);
	component(person, 2, giv, sizeof giv);
	component(person, 5, raw, sizeof raw);
	component(spec, 0, code, sizeof code);
	component(spec, 1, d->author_profession, sizeof d->author_profession);
	cda_author_title(raw, code, pre, sizeof pre);
	snprintf(d->author, sizeof d->author, "%s%s%s%s%s", pre, pre[0] && (giv[0] || fam[0]) ?
		 " " : "", giv, giv[0] && fam[0] ? " " : "", fam);
}

static void read_classifications(const xmlNode *obj, struct dmp_doc *d)
{
	int author_seen = 0;

	for (const xmlNode *c = obj->children; c; c = c->next) {
		char scheme[64], node[80];

		if (!xml_is_el(c, NS_RIM, "Classification"))
			continue;
		attr_cut(c, "classificationScheme", scheme, sizeof scheme);
		attr_cut(c, "nodeRepresentation", node, sizeof node);
		if (!strcmp(scheme, SCHEME_AUTHOR) && !author_seen++) {
			read_author(c, d);
		} else if (!strcmp(scheme, SCHEME_TYPE)) {
			snprintf(d->type_code, sizeof d->type_code, "%s", node);
			name_of(c, d->type_label, sizeof d->type_label);
		} else if (!strcmp(scheme, SCHEME_CLASS)) {
			snprintf(d->class_code, sizeof d->class_code, "%s", node);
		} else if (!strcmp(scheme, SCHEME_FORMAT)) {
			snprintf(d->format_code, sizeof d->format_code, "%s", node);
		} else if (!strcmp(scheme, SCHEME_CONFID)) {
			d->invisible_patient |= !strcmp(node, "INVISIBLE_PATIENT");
			d->masked_ps |= !strcmp(node, "MASQUE_PS");
		}
	}
}

static int read_external_ids(const xmlNode *obj, struct dmp_doc *d)
{
	for (const xmlNode *c = obj->children; c; c = c->next) {
		char scheme[64];

		if (!xml_is_el(c, NS_RIM, "ExternalIdentifier"))
			continue;
		attr_cut(c, "identificationScheme", scheme, sizeof scheme);
		if (!strcmp(scheme, EXT_PATIENT) &&
		    attr_exact(c, "value", d->patient_id, sizeof d->patient_id))
			return -1;
		if (!strcmp(scheme, EXT_UNIQUE) &&
		    attr_exact(c, "value", d->unique_id, sizeof d->unique_id))
			return -1;
	}
	return 0;
}

static int hex40(char *h)
{
	if (strlen(h) != 40)
		return 0;
	for (char *p = h; *p; p++) {
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	}
	return 1;
}

/* "urn:...:StatusType:Approved" -> "approved" */
static void read_status(const xmlNode *obj, struct dmp_doc *d)
{
	char st[128];
	const char *colon;

	attr_cut(obj, "status", st, sizeof st);
	colon = strrchr(st, ':');
	snprintf(d->status, sizeof d->status, "%s", colon ? colon + 1 : st);
	for (char *p = d->status; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
}

static int read_numbers(const xmlNode *obj, struct dmp_doc *d)
{
	char size[32];
	char *end;

	if (slot_exact(obj, "hash", d->hash, sizeof d->hash) || (d->hash[0] && !hex40(d->hash)))
		return -1;
	if (slot_exact(obj, "size", size, sizeof size))
		return -1;
	d->size = -1;
	if (size[0]) {
		errno = 0;
		d->size = strtoll(size, &end, 10);
		if (*end || errno || d->size < 0)
			return -1;
	}
	return 0;
}

static int read_entry(const xmlNode *obj, struct dmp_doc *d, struct dmp_error *e)
{
	memset(d, 0, sizeof *d);
	if (attr_exact(obj, "id", d->entry_uuid, sizeof d->entry_uuid) ||
	    read_external_ids(obj, d) ||
	    slot_exact(obj, "repositoryUniqueId", d->repository_id, sizeof d->repository_id) ||
	    read_numbers(obj, d))
		return fail(e, DMP_ERR_PARSE, "Réponse du DMP invalide : identifiant, empreinte ou "
			    "taille de document mal formé");
	attr_cut(obj, "mimeType", d->mime, sizeof d->mime);
	name_of(obj, d->title, sizeof d->title);
	slot_exact(obj, "creationTime", d->creation_time, sizeof d->creation_time);
	slot_exact(obj, "serviceStartTime", d->service_start, sizeof d->service_start);
	slot_exact(obj, "submissionTime", d->submission_time, sizeof d->submission_time);
	read_status(obj, d);
	read_classifications(obj, d);
	if (!d->unique_id[0] || !d->patient_id[0])
		return fail(e, DMP_ERR_PARSE, "Réponse du DMP invalide : document sans identifiant "
			    "unique ou sans patient");
	return 0;
}

/* "INS^^^&OID&ISO^NH" -> "INS" (in place: the entry is dropped anyway). */
static const char *cx_ins(char *cx)
{
	cx[strcspn(cx, "^")] = 0;
	return cx;
}

static size_t count_entries(const xmlNode *list)
{
	size_t n = 0;

	for (const xmlNode *c = list ? list->children : NULL; c; c = c->next)
		n += xml_is_el(c, NS_RIM, "ExtrinsicObject");
	return n;
}

static int read_entries(const xmlNode *list, const struct dmp_patient *p, struct dmp_doc **docs,
			size_t *n_docs, struct dmp_error *e)
{
	size_t n = count_entries(list), i = 0;
	char cx[80];
	struct dmp_doc *d;

	if (n > MAX_ENTRIES)
		return fail(e, DMP_ERR_PARSE, "Réponse du DMP refusée : %zu documents, plus que la "
			    "limite de %d", n, MAX_ENTRIES);
	if (!n)
		return 0;
	if (!(d = calloc(n, sizeof *d)))
		return fail(e, DMP_ERR_PARSE, "Mémoire insuffisante pour lire la liste du DMP");
	vihf_patient_cx(p, cx, sizeof cx);
	for (const xmlNode *c = list->children; c; c = c->next) {
		if (!xml_is_el(c, NS_RIM, "ExtrinsicObject"))
			continue;
		if (read_entry(c, &d[i], e) || (strcmp(d[i].patient_id, cx) &&
						 wrong_patient(e, cx_ins(d[i].patient_id)))) {
			free(d);
			return kind_of(e, DMP_ERR_PARSE);
		}
		i++;
	}
	*docs = d;
	*n_docs = n;
	return 0;
}

int dmp_parse_td31(const char *xml, size_t len, const struct dmp_patient *patient,
		   struct dmp_doc **docs, size_t *n_docs, struct dmp_error *e)
{
	struct answer a;
	const xmlNode *resp = NULL;
	int rc;

	*docs = NULL;
	*n_docs = 0;
	err_clear(e);
	rc = read_soap(xml, len, DMP_MAX_ANSWER, &a, e);
	if (!rc && !(resp = xml_child(a.body, NS_QUERY, "AdhocQueryResponse")))
		rc = unexpected(e, "AdhocQueryResponse");
	else if (!rc && status_is(resp, ":Failure"))
		rc = registry_error(resp, e);
	else if (!rc && !status_is(resp, ":Success") && !status_is(resp, ":PartialSuccess"))
		rc = fail(e, DMP_ERR_PARSE, "Réponse du DMP invalide : statut de la recherche "
			  "inconnu");
	else if (!rc)
		rc = read_entries(xml_child(resp, NS_RIM, "RegistryObjectList"), patient, docs, n_docs,
				  e);
	answer_free(&a);
	return rc;
}

/* ------------------------------------------------------------------ MTOM */

static const char *find_bytes(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	return nlen ? memmem(hay, hlen, needle, nlen) : NULL;
}

/* Parameter name=value of a header value (value quoted or not); 0 or -1. */
static int header_param(const char *hv, const char *name, char *out, size_t size)
{
	size_t nl = strlen(name);

	for (const char *p = strchr(hv, ';'); p; p = strchr(p, ';')) {
		const char *v, *end;

		p++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncasecmp(p, name, nl) || p[nl] != '=')
			continue;
		v = p + nl + 1;
		if (*v == '"')
			end = strchr(++v, '"');
		else
			end = v + strcspn(v, "; \t");
		if (!end || (size_t)(end - v) >= size)
			return -1;
		memcpy(out, v, (size_t)(end - v));
		out[end - v] = 0;
		return 0;
	}
	return -1;
}

/* Trimmed value of header name in the block [h, h + n), or NULL. */
static const char *part_header(const char *h, size_t n, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);
	const char *end = h + n;

	for (const char *line = h; line < end;) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		const char *le = eol ? eol : end, *v;

		if ((size_t)(le - line) > nl && !strncasecmp(line, name, nl) && line[nl] == ':') {
			v = line + nl + 1;
			while (v < le && (*v == ' ' || *v == '\t'))
				v++;
			while (le > v && (le[-1] == '\r' || le[-1] == ' ' || le[-1] == '\t'))
				le--;
			*vlen = (size_t)(le - v);
			return v;
		}
		line = eol ? eol + 1 : end;
	}
	return NULL;
}

static int mtom_bad(struct dmp_error *e, const char *why)
{
	return fail(e, DMP_ERR_PARSE, "Réponse du DMP mal formée (multipart MTOM) : %s", why);
}

/* Content-ID "<x>" -> x, Content-Type; then checks the transfer encoding. */
static int part_fill(struct dmp_part *pt, const char *h, size_t hn, struct dmp_error *e)
{
	size_t n = 0;
	const char *cte = part_header(h, hn, "Content-Transfer-Encoding", &n), *v;

	if (cte && !(n == 6 && !strncasecmp(cte, "binary", 6)) &&
	    !(n == 4 && !strncasecmp(cte, "8bit", 4)) && !(n == 4 && !strncasecmp(cte, "7bit", 4)))
		return mtom_bad(e, "codage de transfert non pris en charge");
	v = part_header(h, hn, "Content-ID", &n);
	if (v && n >= 2 && v[0] == '<' && v[n - 1] == '>') {
		v++;
		n -= 2;
	}
	pt->content_id = v;
	pt->content_id_len = v ? n : 0;
	pt->content_type = part_header(h, hn, "Content-Type", &pt->content_type_len);
	return 0;
}

/* One part starting at p (just after a delimiter line); *next is the next delimiter or the
 * close one. */
static int mtom_part(const char *p, const char *end, const char *delim, size_t dlen,
		     struct dmp_part *pt, const char **next, struct dmp_error *e)
{
	const char *hend = find_bytes(p, (size_t)(end - p), "\r\n\r\n", 4);
	const char *lf = find_bytes(p, (size_t)(end - p), "\n\n", 2);
	const char *data, *stop;

	/* Headers end at an empty line, CRLF or bare LF. */
	if (lf && (!hend || lf < hend)) {
		hend = lf;
		data = lf + 2;
	} else if (hend) {
		data = hend + 4;
	} else {
		return mtom_bad(e, "en-têtes de partie sans fin");
	}
	if (part_fill(pt, p, (size_t)(hend - p), e))
		return DMP_ERR_PARSE;
	/* The delimiter is CRLF (or LF) "--boundary": the line break belongs to it. */
	if (!(stop = find_bytes(data, (size_t)(end - data), delim, dlen)))
		return mtom_bad(e, "délimiteur de fin absent (réponse tronquée ?)");
	*next = stop + dlen;
	if (stop > data && stop[-1] == '\r')
		stop--;
	pt->data = data;
	pt->len = (size_t)(stop - data);
	return 0;
}

static int mtom_boundary(const char *content_type, char *delim, size_t size,
			 struct dmp_error *e)
{
	char boundary[80];

	if (!content_type || strncasecmp(content_type, "multipart/related", 17))
		return mtom_bad(e, "type de contenu multipart/related attendu");
	if (header_param(content_type, "boundary", boundary, sizeof boundary) || !boundary[0] ||
	    strlen(boundary) > 70)
		return mtom_bad(e, "paramètre boundary absent ou invalide");
	snprintf(delim, size, "\n--%s", boundary);
	return 0;
}

/* After a delimiter: "--" closes, else optional blanks and the line break. */
static int after_delim(const char **p, const char *end, int *closed)
{
	const char *q = *p;

	if (end - q >= 2 && q[0] == '-' && q[1] == '-') {
		*closed = 1;
		return 0;
	}
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	if (q < end && *q == '\r')
		q++;
	if (q >= end || *q != '\n')
		return -1;
	*p = q + 1;
	return 0;
}

static void mtom_root(const char *content_type, struct dmp_mtom *m)
{
	char start[160];
	size_t n;
	const char *s = start;

	m->root = 0;
	if (header_param(content_type, "start", start, sizeof start))
		return;
	n = strlen(start);
	if (n >= 2 && start[0] == '<' && start[n - 1] == '>')
		s++, n -= 2;
	for (size_t i = 0; i < m->n; i++)
		if (m->part[i].content_id_len == n && !memcmp(m->part[i].content_id, s, n)) {
			m->root = i;
			return;
		}
	m->root = m->n; /* named but absent */
}

int dmp_mtom_parse(const char *content_type, const char *body, size_t len, struct dmp_mtom *m,
		   struct dmp_error *e)
{
	char delim[80];
	const char *end = body + len, *p;
	int closed = 0;

	memset(m, 0, sizeof *m);
	if (mtom_boundary(content_type, delim, sizeof delim, e))
		return DMP_ERR_PARSE;
	/* The first delimiter may open the body (no line break before it). */
	if (len >= strlen(delim) - 1 && !memcmp(body, delim + 1, strlen(delim) - 1))
		p = body + strlen(delim) - 1;
	else if ((p = find_bytes(body, len, delim, strlen(delim))))
		p += strlen(delim);
	else
		return mtom_bad(e, "aucun délimiteur de partie");
	while (!closed) {
		if (after_delim(&p, end, &closed))
			return mtom_bad(e, "ligne de délimiteur invalide");
		if (closed)
			break;
		if (m->n == DMP_MTOM_MAX_PARTS)
			return mtom_bad(e, "trop de parties");
		if (mtom_part(p, end, delim, strlen(delim), &m->part[m->n], &p, e))
			return DMP_ERR_PARSE;
		m->n++;
	}
	if (!m->n)
		return mtom_bad(e, "aucune partie");
	mtom_root(content_type, m);
	if (m->root >= m->n)
		return mtom_bad(e, "partie racine (start) introuvable");
	return 0;
}

/* ------------------------------------------------------------------ TD3.2 */

/* "cid:doc1%40sim" -> "doc1@sim" (RFC 2392: URL-encoded). */
static int cid_decode(const char *href, char *out, size_t size)
{
	size_t o = 0;

	if (strncasecmp(href, "cid:", 4))
		return -1;
	for (const char *p = href + 4; *p; p++) {
		unsigned int c = (unsigned char)*p;

		if (c == '%' && p[1] && p[2] && sscanf(p + 1, "%2x", &c) == 1)
			p += 2;
		if (o + 1 >= size)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = 0;
	return 0;
}

static int attachment(const struct dmp_mtom *m, const xmlNode *inc, unsigned char **doc,
		      size_t *doc_len, struct dmp_error *e)
{
	char href[300] = "", cid[300];

	attr_cut(inc, "href", href, sizeof href);
	if (!m || cid_decode(href, cid, sizeof cid))
		return fail(e, DMP_ERR_PARSE, "Réponse du DMP invalide : référence xop:Include « %s » "
			    "sans partie MTOM", href);
	for (size_t i = 0; i < m->n; i++) {
		const struct dmp_part *pt = &m->part[i];

		if (pt->content_id_len != strlen(cid) || memcmp(pt->content_id, cid, strlen(cid)))
			continue;
		if (!(*doc = malloc(pt->len ? pt->len : 1)))
			return fail(e, DMP_ERR_PARSE, "Mémoire insuffisante pour le document reçu");
		memcpy(*doc, pt->data, pt->len);
		*doc_len = pt->len;
		return 0;
	}
	return fail(e, DMP_ERR_PARSE, "Réponse du DMP invalide : partie MTOM « %s » absente", cid);
}

static int inline_document(const xmlNode *d, unsigned char **doc, size_t *doc_len,
			   struct dmp_error *e)
{
	xmlChar *raw = xmlNodeGetContent(d);
	int rc = raw ? cda_b64_decode((const char *)raw, strlen((const char *)raw), doc, doc_len)
		     : -1;

	xmlFree(raw);
	if (rc)
		return fail(e, DMP_ERR_PARSE, "Réponse du DMP invalide : document en base64 "
			    "illisible");
	return 0;
}

/* The DocumentResponse for unique_id; another document only is a mismatch. */
static int pick_response(const xmlNode *resp, const char *unique_id, const xmlNode **out,
			 struct dmp_error *e)
{
	char got[160] = "";

	*out = NULL;
	for (const xmlNode *c = resp->children; c; c = c->next) {
		if (!xml_is_el(c, NS_XDS, "DocumentResponse"))
			continue;
		xml_text_cut(xml_child(c, NS_XDS, "DocumentUniqueId"), got, sizeof got);
		if (!strcmp(got, unique_id)) {
			*out = c;
			return 0;
		}
	}
	if (got[0])
		return fail(e, DMP_ERR_MISMATCH, "Le DMP a renvoyé un autre document (%s) que celui "
			    "demandé : il n'est pas intégré", got);
	return unexpected(e, "DocumentResponse");
}

static int read_td32(const xmlNode *body, const struct dmp_mtom *m, const char *unique_id,
		     unsigned char **doc, size_t *doc_len, char *mime, size_t mimesize,
		     struct dmp_error *e)
{
	const xmlNode *resp = xml_child(body, NS_XDS, "RetrieveDocumentSetResponse");
	const xmlNode *rr = xml_child(resp, NS_RS, "RegistryResponse"), *dr, *d, *inc;

	if (!resp)
		return unexpected(e, "RetrieveDocumentSetResponse");
	if (rr && status_is(rr, ":Failure"))
		return registry_error(rr, e);
	if (pick_response(resp, unique_id, &dr, e))
		return kind_of(e, DMP_ERR_PARSE);
	xml_text_cut(xml_child(dr, NS_XDS, "mimeType"), mime, mimesize);
	if (!(d = xml_child(dr, NS_XDS, "Document")))
		return unexpected(e, "Document");
	if ((inc = xml_child(d, NS_XOP, "Include")))
		return attachment(m, inc, doc, doc_len, e);
	return inline_document(d, doc, doc_len, e);
}

int dmp_parse_td32(const char *content_type, const char *body, size_t len,
		   const char *unique_id, unsigned char **doc, size_t *doc_len, char *mime,
		   size_t mimesize, struct dmp_error *e)
{
	struct dmp_mtom m;
	const struct dmp_mtom *mp = NULL;
	const char *xml = body;
	size_t xlen = len;
	struct answer a;
	int rc;

	*doc = NULL;
	*doc_len = 0;
	mime[0] = 0;
	err_clear(e);
	if (content_type && !strncasecmp(content_type, "multipart/", 10)) {
		if (dmp_mtom_parse(content_type, body, len, &m, e))
			return DMP_ERR_PARSE;
		mp = &m;
		xml = m.part[m.root].data;
		xlen = m.part[m.root].len;
	}
	rc = read_soap(xml, xlen, DMP_MAX_RETRIEVE, &a, e);
	if (!rc)
		rc = read_td32(a.body, mp, unique_id ? unique_id : "", doc, doc_len, mime, mimesize,
			       e);
	answer_free(&a);
	if (rc && *doc) {
		free(*doc);
		*doc = NULL;
		*doc_len = 0;
	}
	return rc;
}

/* ------------------------------------------------------------------ received document */

static void sha1_hex(const unsigned char *p, size_t n, char out[41])
{
	unsigned char md[SHA_DIGEST_LENGTH];
	static const char hex[] = "0123456789abcdef";

	SHA1(p, n, md);
	for (int i = 0; i < SHA_DIGEST_LENGTH; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[40] = 0;
}

static int not_as_announced(struct dmp_error *e)
{
	return fail(e, DMP_ERR_MISMATCH, "Le document reçu ne correspond pas à ses métadonnées "
		    "(empreinte ou taille) : il n'est pas intégré");
}

/* A new private file: never an existing one, never through a symbolic link. */
static int write_new(const char *path, const unsigned char *p, size_t n, struct dmp_error *e)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	size_t done = 0;

	if (fd < 0)
		return fail(e, DMP_ERR_CONFIG, "Impossible d'enregistrer le document reçu (%s) : %s",
			    path, strerror(errno));
	while (done < n) {
		ssize_t w = write(fd, p + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	if (done < n || fsync(fd) || close(fd)) {
		int err = errno;
		if (done < n)
			close(fd);
		unlink(path);
		return fail(e, DMP_ERR_CONFIG, "Impossible d'enregistrer le document reçu (%s) : %s",
			    path, strerror(err));
	}
	return 0;
}

/* CDA: read, and its patient must be the one asked. is_cda stays 0 for other documents. */
static int check_cda(const struct dmp_patient *p, const unsigned char *doc, size_t len,
		     struct dmp_reply *r, unsigned char **pdf, size_t *pdf_len,
		     struct dmp_error *e)
{
	char msg[sizeof e->message];
	int rc = cda_read((const char *)doc, len, &r->cda, pdf, pdf_len, msg, sizeof msg);

	if (rc == CDA_ERR_NOT_CDA)
		return 0;
	if (rc)
		return fail(e, DMP_ERR_PARSE, "%s : le document n'est pas intégré", msg);
	r->is_cda = 1;
	if (strcmp(r->cda.patient_ins, p->ins) || strcmp(r->cda.patient_oid, p->oid)) {
		free(*pdf);
		*pdf = NULL;
		return fail(e, DMP_ERR_MISMATCH, "Le document reçu concerne un autre patient (INS "
			    "%s) : il n'est pas intégré", r->cda.patient_ins[0] ? r->cda.patient_ins
			    : "absente");
	}
	return 0;
}

static int looks_xml(const char *mime, const unsigned char *doc, size_t len)
{
	size_t i = 0;

	if (mime && strstr(mime, "xml"))
		return 1;
	if (len >= 3 && doc[0] == 0xEF && doc[1] == 0xBB && doc[2] == 0xBF)
		i = 3;
	while (i < len && (doc[i] == ' ' || doc[i] == '\t' || doc[i] == '\r' || doc[i] == '\n'))
		i++;
	return i < len && doc[i] == '<';
}

static int write_files(const struct dmp_retrieve *q, const unsigned char *doc, size_t len,
		       const unsigned char *pdf, size_t pdf_len, struct dmp_reply *r,
		       struct dmp_error *e)
{
	if (!q->out_dir || !q->out_dir[0])
		return fail(e, DMP_ERR_CONFIG, "Répertoire de réception du document non indiqué");
	snprintf(r->original_path, sizeof r->original_path, "%s/original", q->out_dir);
	if (write_new(r->original_path, doc, len, e))
		return DMP_ERR_CONFIG;
	if (!pdf)
		return 0;
	snprintf(r->pdf_path, sizeof r->pdf_path, "%s/pdf", q->out_dir);
	if (write_new(r->pdf_path, pdf, pdf_len, e)) {
		unlink(r->original_path);
		return DMP_ERR_CONFIG;
	}
	return 0;
}

int dmp_accept_document(const struct dmp_patient *patient, const struct dmp_retrieve *q,
			const unsigned char *doc, size_t len, const char *mime,
			struct dmp_reply *r, struct dmp_error *e)
{
	unsigned char *pdf = NULL;
	size_t pdf_len = 0;
	int rc = 0;

	err_clear(e);
	sha1_hex(doc, len, r->hash);
	r->size = (long long)len;
	snprintf(r->mime, sizeof r->mime, "%s", mime ? mime : "");
	if ((q->expect_size >= 0 && q->expect_size != (long long)len) ||
	    (q->expect_hash && q->expect_hash[0] && strcasecmp(q->expect_hash, r->hash)))
		rc = not_as_announced(e);
	else if (looks_xml(mime, doc, len))
		rc = check_cda(patient, doc, len, r, &pdf, &pdf_len, e);
	if (!rc)
		rc = write_files(q, doc, len, pdf, pdf_len, r, e);
	free(pdf);
	if (rc) {
		r->original_path[0] = r->pdf_path[0] = 0;
		r->is_cda = 0;
		memset(&r->cda, 0, sizeof r->cda);
	}
	return rc;
}

/* ------------------------------------------------------------------ transport */

static void make_target(const struct dmp_config *cfg, size_t max, dmp_stop_fn stop,
			void *stop_ctx, struct http_target *t)
{
	memset(t, 0, sizeof *t);
	t->service = "DMP";
	t->section = "dmp";
	t->ca_file = cfg->ca_file;
	t->cert_file = cfg->cert_file;
	t->cert_type = cfg->cert_type;
	t->key_file = cfg->key_file;
	t->key_password = cfg->key_password;
	t->connect_timeout_ms = cfg->connect_timeout_ms;
	t->timeout_ms = cfg->timeout_ms;
	t->max_body = max;
	t->stop = stop;
	t->stop_ctx = stop_ctx;
}

struct call {
	const char *service;       /* "patients", ... */
	const char *action;
	size_t max;
	dmp_stop_fn stop;
	void *stop_ctx;
};

static int check_config(const struct dmp_config *cfg, struct dmp_error *e)
{
	struct http_target t;
	char msg[sizeof e->message];

	make_target(cfg, 0, NULL, NULL, &t);
	if (http_check_target(&t, cfg->endpoint, msg, sizeof msg))
		return fail(e, DMP_ERR_CONFIG, "%s", msg);
	return 0;
}

/* POSTs the envelope (freed here); resp holds whatever status came back. */
static int post(const struct dmp_config *cfg, const struct call *c, char *env,
		struct http_response *resp, struct dmp_error *e)
{
	static const char *const headers[] = {
		"Accept: application/soap+xml, multipart/related", NULL
	};
	struct http_target t;
	char url[600], ctype[200], msg[sizeof e->message];
	int rc;

	if (!env)
		return kind_of(e, DMP_ERR_CONFIG);
	make_target(cfg, c->max, c->stop, c->stop_ctx, &t);
	service_url(cfg, c->service, url, sizeof url);
	snprintf(ctype, sizeof ctype, "application/soap+xml; charset=utf-8; action=\"%s\"",
		 c->action);
	rc = http_request(&t, "POST", url, headers, ctype, env, strlen(env), NULL, NULL, resp, msg,
			  sizeof msg);
	free(env);
	if (rc == HTTP_ERR_TOO_BIG)
		return fail(e, DMP_ERR_PARSE, "%s", msg);
	if (rc)
		return fail(e, rc, "%s", msg); /* the same values as DMP_ERR_* */
	return 0;
}

/* A SOAP fault wins over the status (SOAP 1.2 sends it with 500); any other answer than
 * 200 is an HTTP error. */
static int http_verdict(const struct http_response *resp, int parse_rc, struct dmp_error *e)
{
	struct http_target t = { .section = "dmp" };
	char hint[128];

	if (resp->status == 200 || parse_rc == DMP_ERR_FAULT)
		return parse_rc;
	err_clear(e);
	return fail(e, DMP_ERR_HTTP, "Le service DMP a répondu par une erreur HTTP %ld%s",
		    resp->status, http_status_hint(&t, resp->status, hint, sizeof hint));
}

static char *new_message_id(struct dmp_error *e)
{
	char uuid[37], *id;

	if (insi_new_uuid(uuid)) {
		fail(e, DMP_ERR_CONFIG, "Générateur aléatoire indisponible (OpenSSL)");
		return NULL;
	}
	if ((id = malloc(48)))
		snprintf(id, 48, "urn:uuid:%s", uuid);
	return id;
}

static int prepare(const struct dmp_config *cfg, const struct dmp_patient *p, char **msgid,
		   struct dmp_error *e)
{
	err_clear(e);
	*msgid = NULL;
	if (check_patient(p, e) || check_config(cfg, e) || !(*msgid = new_message_id(e)))
		return kind_of(e, DMP_ERR_CONFIG);
	return 0;
}

/* ------------------------------------------------------------------ transactions */

/* TD0.2 and TD0.3 have the same shape: one request about the patient, a status back. */
static int status_call(const struct dmp_config *cfg, const struct dmp_actor *actor,
		       const struct dmp_patient *patient, struct call *c,
		       char *(*build)(const struct dmp_config *, const struct dmp_actor *,
				      const struct dmp_patient *, const char *, time_t,
				      struct dmp_error *),
		       int (*parse)(const char *, size_t, const struct dmp_patient *,
				    struct dmp_status *, struct dmp_error *),
		       struct dmp_status *st, struct dmp_error *e)
{
	struct http_response resp;
	char *id;
	int rc;

	memset(st, 0, sizeof *st);
	if ((rc = prepare(cfg, patient, &id, e)))
		return rc;
	rc = post(cfg, c, build(cfg, actor, patient, id, time(NULL), e), &resp, e);
	free(id);
	if (rc)
		return rc;
	rc = http_verdict(&resp, parse(resp.body, resp.len, patient, st, e), e);
	http_response_free(&resp);
	if (rc)
		memset(st, 0, sizeof *st);
	return rc;
}

int dmp_td02(const struct dmp_config *cfg, const struct dmp_actor *actor,
	     const struct dmp_patient *patient, dmp_stop_fn stop, void *stop_ctx,
	     struct dmp_status *st, struct dmp_error *e)
{
	struct call c = { "patients", ACTION_TD02, DMP_MAX_ANSWER, stop, stop_ctx };

	return status_call(cfg, actor, patient, &c, dmp_build_td02, dmp_parse_td02, st, e);
}

int dmp_td03(const struct dmp_config *cfg, const struct dmp_actor *actor,
	     const struct dmp_patient *patient, dmp_stop_fn stop, void *stop_ctx,
	     struct dmp_status *st, struct dmp_error *e)
{
	struct call c = { "habilitations", ACTION_TD03, DMP_MAX_ANSWER, stop, stop_ctx };

	return status_call(cfg, actor, patient, &c, dmp_build_td03, dmp_parse_td03, st, e);
}

/* Submitted before since: left out. Times compared on their 14 digits (shorter = padded). */
static int before(const char *t, const char *since)
{
	char a[15], b[15];

	snprintf(a, sizeof a, "%-14s", t);
	snprintf(b, sizeof b, "%-14s", since);
	for (int i = 0; i < 14; i++) {
		if (a[i] == ' ')
			a[i] = '0';
		if (b[i] == ' ')
			b[i] = '0';
	}
	return strcmp(a, b) < 0;
}

static void keep_since(struct dmp_doc *docs, size_t *n, const char *since)
{
	size_t o = 0;

	if (!since || !since[0])
		return;
	for (size_t i = 0; i < *n; i++)
		if (!docs[i].submission_time[0] || !before(docs[i].submission_time, since))
			docs[o++] = docs[i];
	*n = o;
}

int dmp_td31(const struct dmp_config *cfg, const struct dmp_actor *actor,
	     const struct dmp_patient *patient, const char *since, dmp_stop_fn stop,
	     void *stop_ctx, struct dmp_doc **docs, size_t *n_docs, struct dmp_error *e)
{
	struct call c = { "registry", ACTION_TD31, DMP_MAX_ANSWER, stop, stop_ctx };
	struct http_response resp;
	char *id;
	int rc;

	*docs = NULL;
	*n_docs = 0;
	if ((rc = prepare(cfg, patient, &id, e)))
		return rc;
	rc = post(cfg, &c, dmp_build_td31(cfg, actor, patient, id, time(NULL), e), &resp, e);
	free(id);
	if (rc)
		return rc;
	rc = http_verdict(&resp, dmp_parse_td31(resp.body, resp.len, patient, docs, n_docs, e), e);
	http_response_free(&resp);
	if (rc) {
		free(*docs);
		*docs = NULL;
		*n_docs = 0;
	} else {
		keep_since(*docs, n_docs, since);
	}
	return rc;
}

int dmp_td32(const struct dmp_config *cfg, const struct dmp_actor *actor,
	     const struct dmp_patient *patient, const struct dmp_retrieve *q,
	     dmp_stop_fn stop, void *stop_ctx, struct dmp_reply *r, struct dmp_error *e)
{
	struct call c = { "repository", ACTION_TD32, DMP_MAX_RETRIEVE, stop, stop_ctx };
	struct http_response resp;
	unsigned char *doc = NULL;
	size_t len = 0;
	char *id, mime[64];
	int rc;

	if ((rc = prepare(cfg, patient, &id, e)))
		return rc;
	rc = post(cfg, &c, dmp_build_td32(cfg, actor, patient, q->repository_id, q->unique_id, id,
					  time(NULL), e), &resp, e);
	free(id);
	if (rc)
		return rc;
	rc = http_verdict(&resp, dmp_parse_td32(resp.content_type, resp.body, resp.len,
						q->unique_id, &doc, &len, mime, sizeof mime, e), e);
	http_response_free(&resp);
	if (!rc)
		rc = dmp_accept_document(patient, q, doc, len, mime, r, e);
	free(doc);
	return rc;
}

/* ------------------------------------------------------------------ helper process */

static int global_done;

void dmp_global_init(void)
{
	if (global_done++)
		return;
	http_global_init();
	xmlInitParser();
}

void dmp_global_cleanup(void)
{
	if (global_done == 0 || --global_done)
		return;
	http_global_cleanup();
	xmlCleanupParser();
}

static int perform(const struct dmp_request *rq, struct dmp_reply *r)
{
	struct dmp_retrieve q = { rq->repository_id, rq->unique_id, rq->expect_hash,
				  rq->expect_size, rq->out_dir };

	switch (rq->op) {
	case DMP_OP_STATUS:
		return dmp_td02(&rq->cfg, &rq->actor, &rq->patient, NULL, NULL, &r->status, &r->err);
	case DMP_OP_AUTHORIZE:
		return dmp_td03(&rq->cfg, &rq->actor, &rq->patient, NULL, NULL, &r->status, &r->err);
	case DMP_OP_FIND:
		return dmp_td31(&rq->cfg, &rq->actor, &rq->patient, rq->since, NULL, NULL, &r->docs,
				&r->n_docs, &r->err);
	case DMP_OP_RETRIEVE:
		return dmp_td32(&rq->cfg, &rq->actor, &rq->patient, &q, NULL, NULL, r, &r->err);
	default:
		return fail(&r->err, DMP_ERR_REFUSED, "Opération DMP inconnue");
	}
}

/* The request, whole, from standard input (it holds passwords: wiped after use). */
static char *read_request(size_t *len)
{
	size_t cap = 65536, max = 1024 * 1024;
	char *buf = malloc(cap), *nb;
	ssize_t n;

	*len = 0;
	while (buf) {
		if (*len + 1 >= cap) {
			if (cap >= max || !(nb = malloc(cap * 2)))
				break;
			memcpy(nb, buf, *len);
			memset(buf, 0, cap);
			free(buf);
			buf = nb;
			cap *= 2;
		}
		n = read(0, buf + *len, cap - 1 - *len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		*len += (size_t)n;
	}
	if (buf)
		buf[*len] = 0;
	return buf;
}

int dmp_helper_main(void)
{
	static struct dmp_request rq;
	struct dmp_reply r;
	struct kv_out o;
	size_t len;
	char *in = read_request(&len), err[200];
	int ok;

	if (!in || dmp_request_parse(in, &rq, err, sizeof err)) {
		fprintf(stderr, "vigie-net : %s\n", in ? err : "mémoire insuffisante");
		free(in);
		return 2;
	}
	memset(in, 0, len);
	free(in);
	memset(&r, 0, sizeof r);
	dmp_global_init();
	r.rc = perform(&rq, &r);
	if (r.rc)
		r.err.kind = r.rc;
	dmp_global_cleanup();
	memset(&rq, 0, sizeof rq);
	kv_out_init(&o, 1);
	ok = dmp_reply_format(&r, &o) == 0 && fputs(o.buf, stdout) >= 0 && fflush(stdout) == 0;
	kv_out_free(&o);
	dmp_reply_free(&r);
	return ok ? 0 : 2;
}
