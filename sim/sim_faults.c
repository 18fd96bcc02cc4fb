/* vigie-sim: fault specs per endpoint (live, thread-safe) and the SOAP 1.2 faults of the CNAM. */
#include "sim/sim.h"
#include "sim/sim_dmp.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The SOAP faults INSi sends (research/ins.md §1.6). Texts of insi_102, desir_550 and the
 * siram codes are those of recorded answers; DESIR_560, desir_1020 and insi_24 texts are
 * written in the same spirit since no recording of them is public. */
struct soap_fault_def {
	const char *code;
	const char *env_code;      /* Sender or Receiver */
	const char *subcode;
	const char *severite;
	const char *reason;
	const char *detail;
};

#define REASON_UNAVAILABLE "Le service est temporairement inaccessible. Veuillez renouveler " \
	"votre demande ultérieurement. Si le problème persiste, contactez l'éditeur du " \
	"progiciel ou votre responsable informatique."
#define REASON_REFUSED "L'accès par ce progiciel au service n'est pas autorisé. Contactez " \
	"l'éditeur du progiciel ou votre responsable informatique."

static const struct soap_fault_def fault_defs[] = {
	{ "insi_102", "Receiver", "siram_40", "fatal", REASON_UNAVAILABLE,
	  "L'appel au service de recherche avec les traits d'identité renvoie une erreur "
	  "technique." },
	{ "desir_550", "Sender", "siram_100", "erreur", REASON_REFUSED,
	  "Numéro d'autorisation du logiciel inconnu." },
	{ "DESIR_560", "Sender", "siram_100", "erreur",
	  "Le niveau d'accès au service est insuffisant. Contactez l'éditeur du progiciel ou "
	  "votre responsable informatique.",
	  "Niveau d'accès insuffisant : le certificat doit être un certificat INSI-AUTO ou "
	  "INSI-MANU." },
	{ "desir_1020", "Receiver", "siram_40", "fatale", REASON_UNAVAILABLE,
	  "Le service est momentanément indisponible." },
	{ "insi_24", "Sender", "siram_40", "erreur",
	  "La requête est incorrecte. Contactez l'éditeur du progiciel ou votre responsable "
	  "informatique.",
	  "Le format du champ sexe est incorrect." },
};

static const struct soap_fault_def *fault_def(const char *code)
{
	for (size_t i = 0; i < sizeof fault_defs / sizeof fault_defs[0]; i++)
		if (!strcmp(fault_defs[i].code, code))
			return &fault_defs[i];
	return NULL;
}

int sim_fault_code_known(const char *code)
{
	return fault_def(code) != NULL;
}

int sim_fault_parse(const char *spec, struct sim_fault *f, char *err, size_t errsize)
{
	memset(f, 0, sizeof *f);
	if (!strcmp(spec, "none"))
		f->kind = SIM_FAULT_NONE;
	else if (!strcmp(spec, "http500"))
		f->kind = SIM_FAULT_HTTP500;
	else if (!strcmp(spec, "malformed"))
		f->kind = SIM_FAULT_MALFORMED;
	else if (!strcmp(spec, "reset"))
		f->kind = SIM_FAULT_RESET;
	else if (!strcmp(spec, "hang"))
		f->kind = SIM_FAULT_HANG;
	else if (!strncmp(spec, "delay:", 6)) {
		char *end;
		long ms = strtol(spec + 6, &end, 10);
		if (spec[6] < '0' || spec[6] > '9' || *end || ms > 3600 * 1000) {
			snprintf(err, errsize, "délai invalide « %s » (millisecondes, 0 à 3600000)",
				 spec + 6);
			return -1;
		}
		f->kind = SIM_FAULT_DELAY;
		f->delay_ms = (int)ms;
	} else if (!strcmp(spec, SIM_DMP_FAULT_WRONGPATIENT) ||
		   !strcmp(spec, SIM_DMP_FAULT_BADHASH)) {
		/* DMP-only: a normal answer whose content is changed (kind stays NONE). */
		snprintf(f->code, sizeof f->code, "%s", spec);
	} else if (!strncmp(spec, "soap:", 5)) {
		if (!fault_def(spec + 5) && !sim_dmp_fault_known(spec + 5)) {
			snprintf(err, errsize, "code de faute SOAP inconnu « %s » (insi_102, desir_550, "
				 "DESIR_560, desir_1020, insi_24 ; DMP : %s)", spec + 5,
				 sim_dmp_fault_list());
			return -1;
		}
		f->kind = SIM_FAULT_SOAP;
		/* DMP codes may not fit: sim_fault_assign keeps the whole code for "dmp". */
		snprintf(f->code, sizeof f->code, "%.*s", (int)sizeof f->code - 1, spec + 5);
	} else {
		snprintf(err, errsize, "panne inconnue « %s » (none, delay:MS, http500, soap:CODE, "
			 "malformed, reset, hang ; DMP : wrongpatient, badhash)", spec);
		return -1;
	}
	return 0;
}

void sim_fault_format(const struct sim_fault *f, char *buf, size_t size)
{
	switch (f->kind) {
	case SIM_FAULT_NONE: snprintf(buf, size, "%s", f->code[0] ? f->code : "none"); break;
	case SIM_FAULT_DELAY: snprintf(buf, size, "delay:%d", f->delay_ms); break;
	case SIM_FAULT_HTTP500: snprintf(buf, size, "http500"); break;
	case SIM_FAULT_SOAP: snprintf(buf, size, "soap:%s", f->code); break;
	case SIM_FAULT_MALFORMED: snprintf(buf, size, "malformed"); break;
	case SIM_FAULT_RESET: snprintf(buf, size, "reset"); break;
	case SIM_FAULT_HANG: snprintf(buf, size, "hang"); break;
	}
}

/* Live faults, one per endpoint; changed by options, the config file and /_sim/fault. */
static const char *const endpoints[] = { "insi", "dmp", "psc" };
#define N_ENDPOINTS (sizeof endpoints / sizeof endpoints[0])
#define DMP_ENDPOINT 1                 /* index of "dmp" in endpoints[] */
static struct sim_fault live[N_ENDPOINTS];
static char dmp_soap_code[48];     /* the whole DMP fault code (struct sim_fault's is short) */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;

static int endpoint_index(const char *name, size_t len)
{
	for (size_t i = 0; i < N_ENDPOINTS; i++)
		if (strlen(endpoints[i]) == len && !strncmp(endpoints[i], name, len))
			return (int)i;
	return -1;
}

/* SOAP codes belong to one service, and the DMP-only faults to the DMP. */
static int check_endpoint(int i, const char *spec, const struct sim_fault *f, char *err,
			  size_t errsize)
{
	int dmp = i == DMP_ENDPOINT;

	if (f->kind == SIM_FAULT_SOAP && dmp != sim_dmp_fault_known(spec + 5)) {
		snprintf(err, errsize, "code de faute SOAP inconnu « %s » pour %s (%s)", spec + 5,
			 endpoints[i], dmp ? sim_dmp_fault_list()
			 : "insi_102, desir_550, DESIR_560, desir_1020, insi_24");
		return -1;
	}
	if (f->kind == SIM_FAULT_NONE && f->code[0] && !dmp) {
		snprintf(err, errsize, "panne « %s » réservée au service dmp", spec);
		return -1;
	}
	return 0;
}

int sim_fault_assign(const char *assignment, char *err, size_t errsize)
{
	const char *eq = strchr(assignment, '=');
	struct sim_fault f;
	int i;

	if (!eq) {
		snprintf(err, errsize, "« %s » : SERVICE=PANNE attendu (ex. insi=delay:500)",
			 assignment);
		return -1;
	}
	if ((size_t)(eq - assignment) == 4 && !strncmp(assignment, "ciba", 4))
		return sim_psc_behaviour(eq + 1, err, errsize);
	i = endpoint_index(assignment, (size_t)(eq - assignment));
	if (i < 0) {
		snprintf(err, errsize, "service inconnu « %.*s » (services : insi, dmp, psc, ciba)",
			 (int)(eq - assignment), assignment);
		return -1;
	}
	if (sim_fault_parse(eq + 1, &f, err, errsize) || check_endpoint(i, eq + 1, &f, err, errsize))
		return -1;
	pthread_mutex_lock(&live_lock);
	live[i] = f;
	if (i == DMP_ENDPOINT)
		snprintf(dmp_soap_code, sizeof dmp_soap_code, "%s",
			 f.kind == SIM_FAULT_SOAP ? eq + 1 + 5 : "");
	pthread_mutex_unlock(&live_lock);
	return 0;
}

void sim_fault_get_dmp(struct sim_fault *f, char *code, size_t size)
{
	pthread_mutex_lock(&live_lock);
	*f = live[DMP_ENDPOINT];
	snprintf(code, size, "%s", dmp_soap_code);
	pthread_mutex_unlock(&live_lock);
}

int sim_fault_get(const char *endpoint, struct sim_fault *out)
{
	int i = endpoint_index(endpoint, strlen(endpoint));

	if (i < 0)
		return -1;
	pthread_mutex_lock(&live_lock);
	*out = live[i];
	pthread_mutex_unlock(&live_lock);
	return 0;
}

/* QName values (Code/Value, Subcode/Value) use the prefix bound to the envelope namespace. */
static int write_fault_code(struct sim_xml *x, const char *pfx, const struct soap_fault_def *d)
{
	char qname[64];
	xmlTextWriterPtr w = x->w;

	snprintf(qname, sizeof qname, "%s:%s", pfx, d->env_code);
	if (xmlTextWriterStartElementNS(w, BAD_CAST pfx, BAD_CAST "Code", NULL) < 0 ||
	    xmlTextWriterWriteElementNS(w, BAD_CAST pfx, BAD_CAST "Value", NULL,
					BAD_CAST qname) < 0)
		return -1;
	snprintf(qname, sizeof qname, "%s:%s", pfx, d->subcode);
	if (xmlTextWriterStartElementNS(w, BAD_CAST pfx, BAD_CAST "Subcode", NULL) < 0 ||
	    xmlTextWriterWriteElementNS(w, BAD_CAST pfx, BAD_CAST "Value", NULL,
					BAD_CAST qname) < 0 ||
	    xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndElement(w) < 0)
		return -1;
	return 0;
}

static int write_fault(struct sim_xml *x, const struct soap_fault_def *d, const char *message_id,
		       const char *reason_extra)
{
	const char *pfx = x->st->body;
	xmlTextWriterPtr w = x->w;
	char detail[512];

	if (!reason_extra)
		reason_extra = "";
	snprintf(detail, sizeof detail, "%s%s%s", d->detail, reason_extra[0] ? " " : "",
		 reason_extra);
	if (xmlTextWriterStartElementNS(w, BAD_CAST pfx, BAD_CAST "Fault", NULL) < 0 ||
	    write_fault_code(x, pfx, d) < 0 ||
	    xmlTextWriterStartElementNS(w, BAD_CAST pfx, BAD_CAST "Reason", NULL) < 0 ||
	    xmlTextWriterStartElementNS(w, BAD_CAST pfx, BAD_CAST "Text", NULL) < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "xml:lang", BAD_CAST "fr") < 0 ||
	    xmlTextWriterWriteString(w, BAD_CAST d->reason) < 0 ||
	    xmlTextWriterEndElement(w) < 0 || xmlTextWriterEndElement(w) < 0 ||
	    xmlTextWriterStartElementNS(w, BAD_CAST pfx, BAD_CAST "Detail", NULL) < 0 ||
	    xmlTextWriterStartElementNS(w, BAD_CAST "siram", BAD_CAST "Erreur",
					BAD_CAST "urn:siram") < 0 ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "code", BAD_CAST d->code) < 0 ||
	    (message_id && message_id[0] &&
	     xmlTextWriterWriteAttribute(w, BAD_CAST "messageID", BAD_CAST message_id) < 0) ||
	    xmlTextWriterWriteAttribute(w, BAD_CAST "severite", BAD_CAST d->severite) < 0 ||
	    xmlTextWriterWriteString(w, BAD_CAST detail) < 0)
		return -1;
	return 0; /* sim_xml_end closes the open elements */
}

char *sim_soap_fault(const char *code, const char *message_id, const char *reason_extra,
		     unsigned long style, int *http_status)
{
	const struct soap_fault_def *d = fault_def(code);
	struct sim_xml x;

	if (!d)
		d = fault_def("insi_102");
	*http_status = !strcmp(d->env_code, "Sender") ? 400 : 500;
	if (sim_xml_begin(&x, style, "http://www.w3.org/2005/08/addressing/soap/fault",
			  message_id) < 0)
		return NULL;
	if (write_fault(&x, d, message_id, reason_extra) < 0) {
		sim_xml_abort(&x);
		return NULL;
	}
	return sim_xml_end(&x, NULL);
}
