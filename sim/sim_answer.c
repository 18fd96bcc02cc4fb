/* vigie-sim: SOAP 1.2 envelopes and INSi RESULTAT answers, in the styles of the CNAM platforms. */
#include "sim/sim.h"

#include <stdlib.h>
#include <string.h>

#define SOAP_NS "http://www.w3.org/2003/05/soap-envelope"
#define WSA_NS "http://www.w3.org/2005/08/addressing"
#define RES_NS "http://www.cnamts.fr/INSiResultat"
#define RECSANS_NS "http://www.cnamts.fr/INSiRecSans"
#define RECVIT_NS "http://www.cnamts.fr/INSiRecVit"
#define ACTION_TRAITS "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecTraitsIdentite"
#define ACTION_VITALE "urn:ServiceIdentiteCertifiee:1.0.0:rechercherInsAvecCarteVitale"

/* 0: CNDA test book (soap/S, default ns, dates first); 1: live qualification platform
 * (soap/env, default ns, dates last); 2 and 3: every element prefixed, indented or not. */
static const struct sim_style styles[SIM_STYLES] = {
	{ "soap", "S", NULL, 1, 0, "xmlns:ns3", "xmlns:ns2" },
	{ "soap", "env", NULL, 0, 0, "xmlns:ns0", "xmlns:ns1" },
	{ "S", "S", "ns2", 1, 1, "xmlns:ns3", "xmlns:ns4" },
	{ "env", "env", "ns0", 0, 0, "xmlns:ns5", "xmlns:ns1" },
};

const struct sim_style *sim_style_get(unsigned long n)
{
	return &styles[n % SIM_STYLES];
}

static int write_header(struct sim_xml *x, const char *action, const char *message_id)
{
	xmlTextWriterPtr w = x->w;

	if (xmlTextWriterStartElementNS(w, BAD_CAST x->st->env, BAD_CAST "Header", NULL) < 0 ||
	    xmlTextWriterWriteElementNS(w, BAD_CAST "wsa", BAD_CAST "Action", BAD_CAST WSA_NS,
					BAD_CAST action) < 0)
		return -1;
	if (message_id && message_id[0] &&
	    xmlTextWriterWriteElementNS(w, BAD_CAST "wsa", BAD_CAST "RelatesTo", BAD_CAST WSA_NS,
					BAD_CAST message_id) < 0)
		return -1;
	return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

int sim_xml_begin(struct sim_xml *x, unsigned long style, const char *action,
		  const char *message_id)
{
	int same = 0;

	x->st = sim_style_get(style);
	x->buf = xmlBufferCreate();
	x->w = x->buf ? xmlNewTextWriterMemory(x->buf, 0) : NULL;
	if (!x->w) {
		if (x->buf)
			xmlBufferFree(x->buf);
		return -1;
	}
	xmlTextWriterSetIndent(x->w, x->st->indent);
	same = !strcmp(x->st->env, x->st->body);
	if (xmlTextWriterStartDocument(x->w, "1.0", "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElementNS(x->w, BAD_CAST x->st->env, BAD_CAST "Envelope",
					BAD_CAST SOAP_NS) < 0 ||
	    write_header(x, action, message_id) < 0 ||
	    xmlTextWriterStartElementNS(x->w, BAD_CAST x->st->body, BAD_CAST "Body",
					same ? NULL : BAD_CAST SOAP_NS) < 0) {
		sim_xml_abort(x);
		return -1;
	}
	return 0;
}

char *sim_xml_end(struct sim_xml *x, size_t *len)
{
	char *out = NULL;
	int rc = xmlTextWriterEndDocument(x->w);

	xmlFreeTextWriter(x->w); /* flushes into the buffer */
	x->w = NULL;
	if (rc >= 0) {
		size_t n = (size_t)xmlBufferLength(x->buf);
		out = malloc(n + 1);
		if (out) {
			memcpy(out, xmlBufferContent(x->buf), n);
			out[n] = 0;
			if (len)
				*len = n;
		}
	}
	xmlBufferFree(x->buf);
	x->buf = NULL;
	return out;
}

void sim_xml_abort(struct sim_xml *x)
{
	if (x->w)
		xmlFreeTextWriter(x->w);
	if (x->buf)
		xmlBufferFree(x->buf);
	x->w = NULL;
	x->buf = NULL;
}

/* ---- RESULTAT ------------------------------------------------------------------------- */

static int start(struct sim_xml *x, const char *name)
{
	return xmlTextWriterStartElementNS(x->w, BAD_CAST x->st->result, BAD_CAST name, NULL);
}

static int end(struct sim_xml *x)
{
	return xmlTextWriterEndElement(x->w);
}

static int leaf(struct sim_xml *x, const char *name, const char *text)
{
	return xmlTextWriterWriteElementNS(x->w, BAD_CAST x->st->result, BAD_CAST name, NULL,
					   BAD_CAST text);
}

static int write_dates(struct sim_xml *x, const struct sim_ins *ins)
{
	if (ins->date_deb[0] && leaf(x, "DateDeb", ins->date_deb) < 0)
		return -1;
	if (ins->date_fin[0] && leaf(x, "DateFin", ins->date_fin) < 0)
		return -1;
	return 0;
}

static int write_ins(struct sim_xml *x, const char *elem, const struct sim_ins *ins,
		     const char *oid)
{
	int before = x->st->dates_before;

	if (start(x, elem) < 0 || (before && write_dates(x, ins) < 0) ||
	    start(x, "IdIndividu") < 0 || leaf(x, "NumIdentifiant", ins->num) < 0 ||
	    (ins->key[0] && leaf(x, "Cle", ins->key) < 0))
		return -1;
	/* TypeMatricule is optional; one platform style sends it for NIRs. */
	if (x->st->result && !before && !strcmp(oid, "1.2.250.1.213.1.4.8") &&
	    leaf(x, "TypeMatricule", "NIR") < 0)
		return -1;
	if (end(x) < 0 || leaf(x, "OID", oid) < 0 || (!before && write_dates(x, ins) < 0))
		return -1;
	return end(x);
}

static int write_tiq(struct sim_xml *x, const struct sim_identity *id)
{
	char first[101];

	snprintf(first, sizeof first, "%.*s", (int)strcspn(id->first_names, " "),
		 id->first_names);
	if (start(x, "TIQ") < 0 || leaf(x, "NomNaissance", id->birth_name) < 0 ||
	    (id->tiq_prenom && leaf(x, "Prenom", first) < 0) ||
	    leaf(x, "ListePrenom", id->first_names) < 0 || leaf(x, "Sexe", id->sex) < 0 ||
	    leaf(x, "DateNaissance", id->birth_date) < 0 ||
	    (id->cog[0] && leaf(x, "LieuNaissance", id->cog) < 0))
		return -1;
	return end(x);
}

static int write_individu(struct sim_xml *x, const struct sim_identity *id)
{
	if (start(x, "INDIVIDU") < 0 || write_ins(x, "INSACTIF", &id->active, id->oid) < 0)
		return -1;
	for (int i = 0; i < id->n_histo; i++)
		if (write_ins(x, "INSHISTO", &id->histo[i], id->oid) < 0)
			return -1;
	if (write_tiq(x, id) < 0)
		return -1;
	return end(x);
}

static int write_resultat(struct sim_xml *x, const char *cr, const char *label,
			  const struct sim_identity *id)
{
	xmlTextWriterPtr w = x->w;

	if (xmlTextWriterStartElementNS(w, BAD_CAST x->st->result, BAD_CAST "RESULTAT",
					BAD_CAST RES_NS) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST x->st->recvit, BAD_CAST RECVIT_NS) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST x->st->recsans, BAD_CAST RECSANS_NS) < 0 ||
	    start(x, "CR") < 0 || leaf(x, "CodeCR", cr) < 0 || leaf(x, "LibelleCR", label) < 0 ||
	    end(x) < 0)
		return -1;
	if (id && write_individu(x, id) < 0)
		return -1;
	return end(x);
}

static void set_fault(struct sim_answer *a, const char *code, const char *message_id,
		      const char *extra, unsigned long style)
{
	a->body = sim_soap_fault(code, message_id, extra, style, &a->http_status);
	a->len = a->body ? strlen(a->body) : 0;
	snprintf(a->result, sizeof a->result, "soap:%s", code);
}

static void set_resultat(struct sim_answer *a, const struct sim_request *req, unsigned long style,
			 const char *cr, const char *label, const struct sim_identity *id)
{
	char action[128];
	struct sim_xml x;

	snprintf(action, sizeof action, "%sResponse",
		 req->op == SIM_OP_VITALE ? ACTION_VITALE : ACTION_TRAITS);
	a->http_status = 200;
	snprintf(a->result, sizeof a->result, "%s", cr);
	if (sim_xml_begin(&x, style, action, req->message_id) < 0)
		return;
	if (write_resultat(&x, cr, label, id) < 0) {
		sim_xml_abort(&x);
		return;
	}
	a->body = sim_xml_end(&x, &a->len);
}

void sim_insi_answer(const struct sim_table *t, const struct sim_request *req,
		     unsigned long style, struct sim_answer *a)
{
	const struct sim_identity *found[2];
	size_t n;

	memset(a, 0, sizeof *a);
	a->content_type = "application/soap+xml; charset=utf-8";
	if (req->error_code[0]) {
		set_fault(a, req->error_code, req->message_id, req->error_reason, style);
	} else {
		n = req->op == SIM_OP_VITALE ? sim_match_vitale(t, &req->vitale, found, 2)
					     : sim_match_traits(t, &req->traits, found, 2);
		if (n == 0 || (n == 1 && !strcmp(found[0]->result, "01")))
			set_resultat(a, req, style, "01", "Aucune identite trouvee", NULL);
		else if (n > 1)
			set_resultat(a, req, style, "02", "Plusieurs identites trouvees", NULL);
		else if (!strncmp(found[0]->result, "soap:", 5))
			set_fault(a, found[0]->result + 5, req->message_id, NULL, style);
		else
			set_resultat(a, req, style, "00", "OK", found[0]);
	}
	if (!a->body) { /* out of memory or writer error: say so like a broken server would */
		a->http_status = 500;
		a->content_type = "text/plain; charset=utf-8";
		a->body = strdup("erreur interne du simulateur\n");
		a->len = a->body ? strlen(a->body) : 0;
		snprintf(a->result, sizeof a->result, "erreur-interne");
	}
}
