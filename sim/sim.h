/* vigie-sim: types and functions shared by the simulator's files (identities, INSi, faults, HTTP). */
#ifndef VIGIE_SIM_H
#define VIGIE_SIM_H

#include <stddef.h>

#include <libxml/xmlwriter.h>
#include <microhttpd.h>

/* ---- identity table (sim_identities.c) ------------------------------------------------ */

#define SIM_HISTO_MAX 4

struct sim_ins {
	char num[14];              /* NumIdentifiant: 13 characters */
	char key[3];               /* Cle: 2 digits, as written in the table (may not verify) */
	char date_deb[11];         /* "" when absent */
	char date_fin[11];
};

struct sim_identity {
	char birth_name[101];
	char first_names[201];     /* space-separated list of birth first names */
	char sex[2];
	char birth_date[11];       /* AAAA-MM-JJ */
	char cog[6];               /* "" when unknown */
	struct sim_ins active;     /* num "" when the identity has no INS (01 or fault rows) */
	char oid[32];
	char result[32];           /* "00", "01" or "soap:CODE": what a match answers */
	int tiq_prenom;            /* 1: the answer's TIQ carries Prenom (CNDA style) */
	struct sim_ins histo[SIM_HISTO_MAX];
	int n_histo;
	char vitale_od[16];        /* NIR + key of the card holder ("ouvrant droit"), "" if self */
	int vitale_rang;           /* birth rank on that card (twins), 1 by default */
};

struct sim_table {
	struct sim_identity *rows;
	size_t n;
};

/* Load the tab-separated table (see data/insi-sim-identities.tsv). 0, or -1 with err. */
int sim_identities_load(const char *path, struct sim_table *t, char *err, size_t errsize);
void sim_identities_free(struct sim_table *t);

#define SIM_PRENOM_MAX 8

/* A traits search as received (RECSANSVITALE). */
struct sim_traits {
	char birth_name[101];
	char first_names[SIM_PRENOM_MAX][101];
	int n_first_names;
	char sex[4];
	char birth_date[16];
	char cog[8];
	int has_cog;
};

/* A Vitale search as received (RECVITALE): NIR fields are 13 characters + key, or "". */
struct sim_vitale {
	char nir[16];
	char nir_od[16];
	char birth_name[101];
	char birth_date[16];       /* AAAA-MM-JJ or AAAAMMJJ (lunar dates allowed) */
	int rang;
};

/* Identities matching the query: fills up to max pointers, returns how many matched. */
size_t sim_match_traits(const struct sim_table *t, const struct sim_traits *q,
			const struct sim_identity **out, size_t max);
size_t sim_match_vitale(const struct sim_table *t, const struct sim_vitale *q,
			const struct sim_identity **out, size_t max);

/* ---- faults (sim_faults.c) ------------------------------------------------------------ */

enum sim_fault_kind {
	SIM_FAULT_NONE = 0,
	SIM_FAULT_DELAY,           /* answer normally after delay_ms */
	SIM_FAULT_HTTP500,
	SIM_FAULT_SOAP,            /* SOAP 1.2 fault with siram:Erreur code */
	SIM_FAULT_MALFORMED,       /* the normal answer, truncated */
	SIM_FAULT_RESET,           /* TCP reset, no answer */
	SIM_FAULT_HANG,            /* never answer */
};

struct sim_fault {
	enum sim_fault_kind kind;
	int delay_ms;
	char code[16];             /* SOAP fault code (kind SIM_FAULT_SOAP) */
};

/* Parse "none", "delay:MS", "http500", "soap:CODE", "malformed", "reset", "hang". */
int sim_fault_parse(const char *spec, struct sim_fault *f, char *err, size_t errsize);
void sim_fault_format(const struct sim_fault *f, char *buf, size_t size);
/* "ENDPOINT=SPEC" (endpoint "insi"): set the live fault of that endpoint. 0 or -1 with err. */
int sim_fault_assign(const char *assignment, char *err, size_t errsize);
/* Current fault of an endpoint (thread-safe copy); -1 when the endpoint is unknown. */
int sim_fault_get(const char *endpoint, struct sim_fault *out);
/* 1 when CODE is one of the SOAP fault codes the simulator knows. */
int sim_fault_code_known(const char *code);

/* A SOAP 1.2 fault as the CNAM sends it (malloc'd). reason_extra, if not NULL, is appended
 * to the siram:Erreur text (why the simulator refused a request). *http_status is 400 for
 * Sender faults, 500 for Receiver ones. */
char *sim_soap_fault(const char *code, const char *message_id, const char *reason_extra,
		     unsigned long style, int *http_status);

/* ---- SOAP envelopes in the styles of the CNAM platforms (sim_answer.c) ----------------- */

/* Namespace prefixes and element order differ between the CNAM platforms: a style is one of
 * them; the answer style cycles with the request counter so clients meet every one. */
struct sim_style {
	const char *env;           /* prefix of Envelope and Header */
	const char *body;          /* prefix of Body (declared on Body when it differs) */
	const char *result;        /* prefix of RESULTAT and its children, NULL: default ns */
	int dates_before;          /* INSHISTO: DateDeb/DateFin before IdIndividu (else after OID) */
	int indent;                /* whitespace text nodes between elements */
	const char *recvit;        /* unused prefixes declared on RESULTAT, as the platforms do */
	const char *recsans;
};

#define SIM_STYLES 4
const struct sim_style *sim_style_get(unsigned long n);

struct sim_xml {
	xmlBufferPtr buf;
	xmlTextWriterPtr w;
	const struct sim_style *st;
};

/* Start the document up to an open Body: Envelope, Header with wsa:Action and, when
 * message_id is not empty, wsa:RelatesTo. 0 or -1. */
int sim_xml_begin(struct sim_xml *x, unsigned long style, const char *action,
		  const char *message_id);
/* Close everything and return the text (malloc'd, NUL-terminated), NULL on error. */
char *sim_xml_end(struct sim_xml *x, size_t *len);
void sim_xml_abort(struct sim_xml *x);

/* ---- reading requests (sim_xml.c) -------------------------------------------------------- */

int sim_is_elem(xmlNodePtr n, const char *ns, const char *name);
xmlNodePtr sim_first_elem(xmlNodePtr n);
xmlNodePtr sim_next_elem(xmlNodePtr n);
/* First child element ns:name, or NULL. */
xmlNodePtr sim_child(xmlNodePtr n, const char *ns, const char *name);
/* The trimmed text of an element into dst; -1 (dst "") when it does not fit. */
int sim_text_of(xmlNodePtr n, char *dst, size_t size);
/* The action parameter of "application/soap+xml; charset=utf-8; action=\"...\"". */
void sim_content_type_action(const char *ct, char *action, size_t size);
/* 1 when the Content-Type's media type is type (parameters ignored). */
int sim_media_type_is(const char *ct, const char *type);

/* ---- INSi requests and answers (sim_insi.c, sim_answer.c) ------------------------------ */

enum sim_operation { SIM_OP_UNKNOWN = 0, SIM_OP_TRAITS, SIM_OP_VITALE };

struct sim_request {
	enum sim_operation op;
	char message_id[128];      /* wsa:MessageID, "" if absent */
	char idam[64];
	struct sim_traits traits;
	struct sim_vitale vitale;
	/* Refusal of the request itself: fault code and a short reason (log + fault text). */
	char error_code[16];       /* "" when the request is acceptable */
	char error_reason[160];
};

#define SIM_BODY_MAX (1024 * 1024)

/* Parse a POSTed body; content_type is the HTTP header (may be NULL). Never fails: a request
 * that cannot be served gets req->error_code set. */
void sim_insi_parse(const char *content_type, const char *body, size_t len,
		    struct sim_request *req);

struct sim_answer {
	int http_status;
	char *body;                /* malloc'd */
	size_t len;
	const char *content_type;
	char result[40];           /* for the log: "00", "01", "02", "soap:insi_102", ... */
};

/* The answer to a parsed request (RESULTAT or fault). style picks the namespace prefixes and
 * the place of DateDeb/DateFin; it is the request counter unless forced. */
void sim_insi_answer(const struct sim_table *t, const struct sim_request *req,
		     unsigned long style, struct sim_answer *a);

/* The log's "detail" field for the request: traits or Vitale numbers sent. */
void sim_insi_detail(const struct sim_request *req, char *buf, size_t size);
const char *sim_operation_name(enum sim_operation op);

/* ---- HTTP server (sim_http.c) ---------------------------------------------------------- */

struct sim_options {
	int port;
	char dmp_patients[1024];   /* --dmp-patients: the simulated DMPs (data/dmp-sim-patients.tsv) */
	char psc_users[1024];      /* --psc-users: professionals known to the CIBA endpoints */
	char port_file[1024];
	char cert[1024];
	char key[1024];
	char client_ca[1024];
	char log[1024];
	char identities[1024];
	int style;                 /* -1: vary with the request counter, else 0..3 */
};

struct sim_server;

/* Start listening on 127.0.0.1 (TLS, thread per connection). NULL with err on failure. */
struct sim_server *sim_server_start(const struct sim_options *o, const struct sim_table *t,
				    char *err, size_t errsize);
int sim_server_port(const struct sim_server *s);
void sim_server_stop(struct sim_server *s);

int sim_server_has_client_ca(const struct sim_server *s);

/* ---- helpers for the endpoint files (sim_http.c) ---------------------------------------- */

/* A request body as gathered (too_big: over SIM_BODY_MAX, body then incomplete). */
struct sim_req {
	char *body;                /* NUL-terminated, NULL when empty */
	size_t len;
	int too_big;
};

/* One log line "TIME ENDPOINT OP DETAIL RESULT" (detail sanitised to one field). */
void sim_log(struct sim_server *s, const char *endpoint, const char *op, const char *detail,
	     const char *result);
/* Queue a response taking ownership of body (malloc'd). */
enum MHD_Result sim_reply(struct MHD_Connection *c, unsigned status, const char *type,
			  char *body, size_t len);
enum MHD_Result sim_reply_text(struct MHD_Connection *c, unsigned status, const char *text);
/* A real TCP reset of the connection (then return MHD_NO). */
void sim_reset_connection(struct MHD_Connection *c);
/* Wait ms (forever if < 0): 0 when done, -1 when the client left or the simulator stops. */
int sim_wait_or_gone(struct MHD_Connection *c, struct sim_server *s, int ms);

/* ---- DMP (sim_dmp.c, sim_dmp_docs.c) and Pro Santé Connect (sim_psc.c) ------------------ */

/* Load the tables before the server starts; 0 or -1 with err. */
int sim_dmp_init(const char *patients_path, char *err, size_t errsize);
void sim_dmp_free(void);
int sim_psc_init(const char *users_path, char *err, size_t errsize);
void sim_psc_free(void);
/* Serve url when it belongs to the service: returns 1 with *rc set, 0 otherwise. */
int sim_dmp_route(struct MHD_Connection *c, struct sim_server *s, const char *url,
		  const char *method, const struct sim_req *rq, enum MHD_Result *rc);
int sim_psc_route(struct MHD_Connection *c, struct sim_server *s, const char *url,
		  const char *method, const struct sim_req *rq, enum MHD_Result *rc);
/* CIBA behaviour ("ciba=SPEC" in --fault and /_sim/fault): approve:MS, deny, expire, ...
 * 0 or -1 with err. */
int sim_psc_behaviour(const char *spec, char *err, size_t errsize);
/* Lines "key: value" appended to /_sim/stats. */
void sim_dmp_stats(char *buf, size_t size);
void sim_psc_stats(char *buf, size_t size);

#endif
