/* vigie-sim: parse INSi SOAP 1.2 requests (RECSANSVITALE, RECVITALE) safely with libxml2. */
#include "sim/sim.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#define SOAP_NS "http://www.w3.org/2003/05/soap-envelope"
#define WSA_NS "http://www.w3.org/2005/08/addressing"
#define CTXLPS_NS "urn:siram:lps:ctxlps"
#define RECSANS_NS "http://www.cnamts.fr/INSiRecSans"
#define RECVIT_NS "http://www.cnamts.fr/INSiRecVit"
#define ACTION_TRAITS "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite"
#define ACTION_VITALE "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitale"

const char *sim_operation_name(enum sim_operation op)
{
	return op == SIM_OP_TRAITS ? "RECSANSVITALE" : op == SIM_OP_VITALE ? "RECVITALE" : "-";
}

/* Keep the first reason only: it is the one that explains the refusal. */
static void refuse(struct sim_request *r, const char *code, const char *fmt, ...)
{
	va_list ap;

	if (r->error_code[0])
		return;
	snprintf(r->error_code, sizeof r->error_code, "%s", code);
	va_start(ap, fmt);
	vsnprintf(r->error_reason, sizeof r->error_reason, fmt, ap);
	va_end(ap);
}

static void field(struct sim_request *r, xmlNodePtr n, char *dst, size_t size)
{
	if (sim_text_of(n, dst, size))
		refuse(r, "insi_102", "Champ %s trop long.", (const char *)n->name);
}

/* ---- Content-Type and action ----------------------------------------------------------- */

static enum sim_operation operation_of_action(const char *action)
{
	if (!strcmp(action, ACTION_TRAITS))
		return SIM_OP_TRAITS;
	if (!strcmp(action, ACTION_VITALE))
		return SIM_OP_VITALE;
	return SIM_OP_UNKNOWN;
}

/* ---- headers --------------------------------------------------------------------------- */

static void parse_lps(struct sim_request *r, xmlNodePtr ctx)
{
	for (xmlNodePtr n = sim_first_elem(ctx->children); n; n = sim_next_elem(n)) {
		if (!sim_is_elem(n, CTXLPS_NS, "LPS"))
			continue;
		for (xmlNodePtr c = sim_first_elem(n->children); c; c = sim_next_elem(c))
			if (sim_is_elem(c, CTXLPS_NS, "IDAM"))
				field(r, c, r->idam, sizeof r->idam);
	}
}

static void parse_header(struct sim_request *r, xmlNodePtr h, char *wsa_action, size_t size)
{
	for (xmlNodePtr n = sim_first_elem(h->children); n; n = sim_next_elem(n)) {
		if (sim_is_elem(n, CTXLPS_NS, "ContexteLPS"))
			parse_lps(r, n);
		else if (sim_is_elem(n, WSA_NS, "Action"))
			field(r, n, wsa_action, size);
		else if (sim_is_elem(n, WSA_NS, "MessageID"))
			field(r, n, r->message_id, sizeof r->message_id);
	}
}

/* ---- bodies ---------------------------------------------------------------------------- */

static int is_date(const char *s)
{
	static const char pat[] = "dddd-dd-dd";

	if (strlen(s) != sizeof pat - 1)
		return 0;
	for (size_t i = 0; pat[i]; i++)
		if (pat[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != pat[i])
			return 0;
	return 1;
}

static void check_traits(struct sim_request *r)
{
	struct sim_traits *t = &r->traits;

	if (!t->birth_name[0])
		refuse(r, "insi_102", "Nom de naissance absent.");
	if (t->n_first_names == 0 || !t->first_names[0][0])
		refuse(r, "insi_102", "Prénom absent.");
	if (!is_date(t->birth_date))
		refuse(r, "insi_102", "Date de naissance absente ou mal formée.");
	if (strlen(t->sex) != 1 || !isupper((unsigned char)t->sex[0]))
		refuse(r, "insi_24", "Sexe reçu : « %s ».", t->sex);
	if (t->has_cog && strlen(t->cog) != 5)
		refuse(r, "insi_102", "Lieu de naissance mal formé.");
}

static void parse_traits(struct sim_request *r, xmlNodePtr body)
{
	struct sim_traits *t = &r->traits;

	for (xmlNodePtr n = sim_first_elem(body->children); n; n = sim_next_elem(n)) {
		if (sim_is_elem(n, RECSANS_NS, "NomNaissance"))
			field(r, n, t->birth_name, sizeof t->birth_name);
		else if (sim_is_elem(n, RECSANS_NS, "Prenom")) {
			if (t->n_first_names == SIM_PRENOM_MAX)
				refuse(r, "insi_102", "Trop de prénoms.");
			else
				field(r, n, t->first_names[t->n_first_names++], sizeof t->first_names[0]);
		} else if (sim_is_elem(n, RECSANS_NS, "Sexe"))
			field(r, n, t->sex, sizeof t->sex);
		else if (sim_is_elem(n, RECSANS_NS, "DateNaissance"))
			field(r, n, t->birth_date, sizeof t->birth_date);
		else if (sim_is_elem(n, RECSANS_NS, "LieuNaissance")) {
			field(r, n, t->cog, sizeof t->cog);
			t->has_cog = 1;
		} else
			refuse(r, "insi_102", "Élément inattendu %s.", (const char *)n->name);
	}
	check_traits(r);
}

/* MatriculeIndividu / MatriculeOD: NumIdentifiant (13) + Cle (2) into nir15. */
static void parse_matricule(struct sim_request *r, xmlNodePtr m, char *nir15)
{
	char num[16] = "", key[4] = "";

	for (xmlNodePtr n = sim_first_elem(m->children); n; n = sim_next_elem(n)) {
		if (sim_is_elem(n, RECVIT_NS, "NumIdentifiant"))
			field(r, n, num, sizeof num);
		else if (sim_is_elem(n, RECVIT_NS, "Cle"))
			field(r, n, key, sizeof key);
		else if (!sim_is_elem(n, RECVIT_NS, "TypeMatricule"))
			refuse(r, "insi_102", "Élément inattendu %s.", (const char *)n->name);
	}
	if (strlen(num) != 13 || strlen(key) != 2)
		refuse(r, "insi_102", "Matricule %s mal formé.", (const char *)m->name);
	else
		snprintf(nir15, 16, "%s%s", num, key);
}

static void parse_vitale(struct sim_request *r, xmlNodePtr body)
{
	struct sim_vitale *v = &r->vitale;
	char rang[8] = "";

	for (xmlNodePtr n = sim_first_elem(body->children); n; n = sim_next_elem(n)) {
		if (sim_is_elem(n, RECVIT_NS, "MatriculeIndividu"))
			parse_matricule(r, n, v->nir);
		else if (sim_is_elem(n, RECVIT_NS, "MatriculeOD"))
			parse_matricule(r, n, v->nir_od);
		else if (sim_is_elem(n, RECVIT_NS, "NomNaissance"))
			field(r, n, v->birth_name, sizeof v->birth_name);
		else if (sim_is_elem(n, RECVIT_NS, "DateNaissance"))
			field(r, n, v->birth_date, sizeof v->birth_date);
		else if (sim_is_elem(n, RECVIT_NS, "RangNaissance"))
			field(r, n, rang, sizeof rang);
		else
			refuse(r, "insi_102", "Élément inattendu %s.", (const char *)n->name);
	}
	v->rang = 1;
	if (rang[0]) {
		if (strlen(rang) != 1 || !isdigit((unsigned char)rang[0]) || rang[0] == '0')
			refuse(r, "insi_102", "Rang de naissance mal formé.");
		else
			v->rang = rang[0] - '0';
	}
	if (!v->nir[0] && (!v->nir_od[0] || !v->birth_date[0]))
		refuse(r, "insi_102", "Ni matricule de l'individu, ni matricule de l'ouvrant droit "
		       "avec la date de naissance.");
}

/* ---- the envelope ---------------------------------------------------------------------- */

static void parse_envelope(struct sim_request *r, xmlNodePtr env, const char *ct_action)
{
	char wsa_action[160] = "";
	xmlNodePtr body = NULL, op;
	enum sim_operation by_action;

	for (xmlNodePtr n = sim_first_elem(env->children); n; n = sim_next_elem(n)) {
		if (sim_is_elem(n, SOAP_NS, "Header"))
			parse_header(r, n, wsa_action, sizeof wsa_action);
		else if (sim_is_elem(n, SOAP_NS, "Body"))
			body = n;
	}
	op = body ? sim_first_elem(body->children) : NULL;
	if (sim_is_elem(op, RECSANS_NS, "RECSANSVITALE"))
		r->op = SIM_OP_TRAITS;
	else if (sim_is_elem(op, RECVIT_NS, "RECVITALE"))
		r->op = SIM_OP_VITALE;
	if (r->op == SIM_OP_UNKNOWN) {
		refuse(r, "insi_102", "Opération absente ou inconnue dans le corps SOAP.");
		return;
	}
	if (ct_action[0] && wsa_action[0] && strcmp(ct_action, wsa_action))
		refuse(r, "insi_102", "Action HTTP et wsa:Action différentes.");
	by_action = operation_of_action(ct_action[0] ? ct_action : wsa_action);
	if ((ct_action[0] || wsa_action[0]) && by_action != r->op)
		refuse(r, "insi_102", "L'action ne correspond pas au corps de la requête.");
	if (!r->idam[0])
		refuse(r, "desir_550", "IDAM absent.");
	if (r->op == SIM_OP_TRAITS)
		parse_traits(r, op);
	else
		parse_vitale(r, op);
}

void sim_insi_parse(const char *content_type, const char *body, size_t len,
		    struct sim_request *req)
{
	char ct_action[160] = "";
	xmlDocPtr doc;
	xmlNodePtr root;

	memset(req, 0, sizeof *req);
	if (!content_type || !sim_media_type_is(content_type, "application/soap+xml")) {
		refuse(req, "insi_102", "Type de contenu SOAP 1.2 attendu.");
		return;
	}
	sim_content_type_action(content_type, ct_action, sizeof ct_action);
	if (len > SIM_BODY_MAX) {
		refuse(req, "insi_102", "Requête trop grande.");
		return;
	}
	/* No DTD at all: entity declarations are how billion-laughs and XXE start. */
	if (memmem(body, len, "<!DOCTYPE", 9)) {
		refuse(req, "insi_102", "DTD refusée.");
		return;
	}
	doc = xmlReadMemory(body, (int)len, "requete.xml", NULL,
			    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc) {
		refuse(req, "insi_102", "XML mal formé.");
		return;
	}
	root = xmlDocGetRootElement(doc);
	if (doc->intSubset || doc->extSubset)
		refuse(req, "insi_102", "DTD refusée.");
	else if (!sim_is_elem(root, SOAP_NS, "Envelope"))
		refuse(req, "insi_102", "Enveloppe SOAP 1.2 attendue.");
	else
		parse_envelope(req, root, ct_action);
	xmlFreeDoc(doc);
}

/* The log's detail field: the traits sent (the log turns spaces into '_'). */
void sim_insi_detail(const struct sim_request *req, char *buf, size_t size)
{
	const struct sim_traits *t = &req->traits;
	const struct sim_vitale *v = &req->vitale;
	char tmp[1024];

	buf[0] = 0;
	if (req->op == SIM_OP_TRAITS) {
		snprintf(tmp, sizeof tmp, "%s/", t->birth_name[0] ? t->birth_name : "-");
		for (int i = 0; i < t->n_first_names; i++)
			snprintf(tmp + strlen(tmp), sizeof tmp - strlen(tmp), "%s%s", i ? "+" : "",
				 t->first_names[i]);
		snprintf(tmp + strlen(tmp), sizeof tmp - strlen(tmp), "/%s/%s/%s",
			 t->sex[0] ? t->sex : "-", t->birth_date[0] ? t->birth_date : "-",
			 t->has_cog ? t->cog : "-");
	} else if (req->op == SIM_OP_VITALE) {
		snprintf(tmp, sizeof tmp, "nir=%s/od=%s/naissance=%s/rang=%d",
			 v->nir[0] ? v->nir : "-", v->nir_od[0] ? v->nir_od : "-",
			 v->birth_date[0] ? v->birth_date : "-", v->rang);
	} else {
		snprintf(tmp, sizeof tmp, "-");
	}
	snprintf(buf, size, "%s", tmp);
}
