/* vigie-sim: the HTTPS server (libmicrohttpd, a thread per connection), routes, faults, log. */
#include "sim/sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>

struct sim_server {
	struct MHD_Daemon *daemon;
	const struct sim_table *table;
	char *cert_pem, *key_pem, *ca_pem;
	int port;
	int style;
	FILE *log;
	pthread_mutex_t log_lock;
	atomic_int stopping;
	atomic_ulong insi_requests, cr00, cr01, cr02, faults;
};

/* Body of one request, gathered over the calls of the access handler (struct sim_req in
 * sim.h is its public view). */
struct req_ctx {
	struct sim_req r;
	size_t cap;
};

/* ---- small helpers --------------------------------------------------------------------- */

void sim_log(struct sim_server *s, const char *endpoint, const char *op,
		     const char *detail, const char *result)
{
	struct timespec ts;
	struct tm tm;
	char when[32], field[512];
	size_t n = 0;

	if (!s->log)
		return;
	/* The detail comes from the client: one field, no spaces or control characters. */
	for (const char *p = detail; *p && n + 1 < sizeof field; p++)
		field[n++] = ((unsigned char)*p <= ' ' || *p == 0x7f) ? '_' : *p;
	field[n] = 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
	pthread_mutex_lock(&s->log_lock);
	fprintf(s->log, "%s.%03ldZ %s %s %s %s\n", when, ts.tv_nsec / 1000000, endpoint, op,
		n ? field : "-", result);
	fflush(s->log); /* tests read the log while the simulator runs */
	pthread_mutex_unlock(&s->log_lock);
}

/* Queue a response that takes ownership of body (malloc'd, may be NULL when len is 0). */
enum MHD_Result sim_reply(struct MHD_Connection *c, unsigned status, const char *type,
			  char *body, size_t len)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	enum MHD_Result rc;

	if (!r) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

enum MHD_Result sim_reply_text(struct MHD_Connection *c, unsigned status, const char *text)
{
	char *copy = strdup(text);

	return sim_reply(c, status, "text/plain; charset=utf-8", copy, copy ? strlen(copy) : 0);
}

static int connection_fd(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *i =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	return i ? i->connect_fd : -1;
}

/*
 * A real TCP reset: returning MHD_NO alone makes MHD close TLS cleanly (close_notify), which
 * a client reads as an empty answer. connect(AF_UNSPEC) disconnects the socket at once and
 * Linux sends a RST; linger 0 makes the later close() abortive too. MHD still owns the fd.
 */
void sim_reset_connection(struct MHD_Connection *c)
{
	int fd = connection_fd(c);
	struct linger lg = { 1, 0 };
	struct sockaddr sa;

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	memset(&sa, 0, sizeof sa);
	sa.sa_family = AF_UNSPEC;
	connect(fd, &sa, sizeof sa);
}

/* Wait ms milliseconds (forever if negative). 0 when the time ran out, -1 when the client
 * went away or the simulator stops: the caller then drops the connection. */
int sim_wait_or_gone(struct MHD_Connection *c, struct sim_server *s, int ms)
{
	struct timespec start, now;
	int fd = connection_fd(c);

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLRDHUP };
		long elapsed;
		if (atomic_load(&s->stopping))
			return -1;
		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
		if (ms >= 0 && elapsed >= ms)
			return 0;
		if (fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)))
			return -1;
		usleep(ms >= 0 && ms - elapsed < 50 ? (useconds_t)(ms - elapsed) * 1000 : 50000);
	}
}

/* ---- client certificate ---------------------------------------------------------------- */

/* The CNAM accepts only certificates whose CN is INSI-AUTO or INSI-MANU (else DESIR_560).
 * The TLS handshake already refused a missing or untrusted certificate (verify_client). */
static int client_cn_allowed(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *i =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	const gnutls_datum_t *certs;
	unsigned n = 0, status = 1;
	gnutls_x509_crt_t crt;
	char cn[128];
	size_t cn_len = sizeof cn;
	int ok = 0;

	if (!i || !i->tls_session)
		return 0;
	if (gnutls_certificate_verify_peers2(i->tls_session, &status) < 0 || status)
		return 0;
	certs = gnutls_certificate_get_peers(i->tls_session, &n);
	if (!certs || n == 0 || gnutls_x509_crt_init(&crt) < 0)
		return 0;
	if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) >= 0 &&
	    gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, cn,
					  &cn_len) >= 0)
		ok = !strcmp(cn, "INSI-AUTO") || !strcmp(cn, "INSI-MANU");
	gnutls_x509_crt_deinit(crt);
	return ok;
}

/* Run by GnuTLS during the handshake once the client sent its certificate (or none). A client
 * without a certificate signed by --client-ca fails the handshake with a TLS alert, as with
 * the real service: MHD itself would only close the socket, which reads as an empty answer. */
static int verify_client(gnutls_session_t ses)
{
	unsigned status = 0;
	int rc = gnutls_certificate_verify_peers2(ses, &status);
	gnutls_alert_description_t alert;

	if (rc == 0 && status == 0)
		return 0;
	if (rc == GNUTLS_E_NO_CERTIFICATE_FOUND)
		alert = gnutls_protocol_get_version(ses) == GNUTLS_TLS1_3
				? GNUTLS_A_CERTIFICATE_REQUIRED : GNUTLS_A_HANDSHAKE_FAILURE;
	else if (status & GNUTLS_CERT_SIGNER_NOT_FOUND)
		alert = GNUTLS_A_UNKNOWN_CA;
	else
		alert = GNUTLS_A_BAD_CERTIFICATE;
	gnutls_alert_send(ses, GNUTLS_AL_FATAL, alert);
	return -1;
}

/* Called before the TLS handshake of each connection. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct sim_server *s = cls;
	const union MHD_ConnectionInfo *i;

	(void)socket_context;
	if (code != MHD_CONNECTION_NOTIFY_STARTED || !s->ca_pem)
		return;
	i = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (i && i->tls_session)
		gnutls_session_set_verify_function(i->tls_session, verify_client);
}

/* ---- INSi endpoint --------------------------------------------------------------------- */

static void count_result(struct sim_server *s, const char *result)
{
	if (!strcmp(result, "00"))
		atomic_fetch_add(&s->cr00, 1);
	else if (!strcmp(result, "01"))
		atomic_fetch_add(&s->cr01, 1);
	else if (!strcmp(result, "02"))
		atomic_fetch_add(&s->cr02, 1);
	else
		atomic_fetch_add(&s->faults, 1);
}

static enum MHD_Result send_answer(struct MHD_Connection *c, struct sim_server *s,
				   struct sim_answer *a, const char *op, const char *detail)
{
	sim_log(s, "insi", op, detail, a->result);
	count_result(s, a->result);
	return sim_reply(c, (unsigned)a->http_status, a->content_type, a->body, a->len);
}

/* Faults that do not answer (reset, hang) or answer without looking at the request. */
static int early_fault(struct MHD_Connection *c, struct sim_server *s, const struct sim_fault *f,
		       const struct sim_request *req, const char *detail, unsigned long style,
		       enum MHD_Result *rc)
{
	const char *op = sim_operation_name(req->op);
	struct sim_answer a = { .content_type = "application/soap+xml; charset=utf-8" };

	switch (f->kind) {
	case SIM_FAULT_RESET:
		sim_log(s, "insi", op, detail, "reset");
		atomic_fetch_add(&s->faults, 1);
		sim_reset_connection(c);
		*rc = MHD_NO;
		return 1;
	case SIM_FAULT_HANG:
		sim_log(s, "insi", op, detail, "hang");
		atomic_fetch_add(&s->faults, 1);
		sim_wait_or_gone(c, s, -1);
		*rc = MHD_NO;
		return 1;
	case SIM_FAULT_HTTP500:
		a.http_status = 500;
		a.content_type = "text/html; charset=utf-8";
		a.body = strdup("<html><head><title>500 Internal Server Error</title></head>"
				"<body><h1>Internal Server Error</h1></body></html>\n");
		a.len = a.body ? strlen(a.body) : 0;
		snprintf(a.result, sizeof a.result, "http500");
		*rc = send_answer(c, s, &a, op, detail);
		return 1;
	case SIM_FAULT_SOAP:
		a.body = sim_soap_fault(f->code, req->message_id, NULL, style, &a.http_status);
		a.len = a.body ? strlen(a.body) : 0;
		snprintf(a.result, sizeof a.result, "soap:%s", f->code);
		*rc = send_answer(c, s, &a, op, detail);
		return 1;
	default:
		return 0;
	}
}

static enum MHD_Result handle_insi(struct MHD_Connection *c, struct sim_server *s,
				   struct req_ctx *ctx)
{
	unsigned long n = atomic_fetch_add(&s->insi_requests, 1) + 1;
	unsigned long style = s->style >= 0 ? (unsigned long)s->style : n - 1;
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_TYPE);
	struct sim_request req;
	struct sim_answer a;
	struct sim_fault f;
	char detail[512];
	enum MHD_Result rc;

	sim_insi_parse(ct, ctx->r.body ? ctx->r.body : "", ctx->r.too_big ? SIM_BODY_MAX + 1 : ctx->r.len,
		       &req);
	sim_insi_detail(&req, detail, sizeof detail);
	if (s->ca_pem && !req.error_code[0] && !client_cn_allowed(c))
		snprintf(req.error_code, sizeof req.error_code, "DESIR_560");
	sim_fault_get("insi", &f);
	if (early_fault(c, s, &f, &req, detail, style, &rc))
		return rc;
	if (f.kind == SIM_FAULT_DELAY && sim_wait_or_gone(c, s, f.delay_ms) < 0) {
		sim_log(s, "insi", sim_operation_name(req.op), detail, "abandon");
		return MHD_NO;
	}
	sim_insi_answer(s->table, &req, style, &a);
	if (f.kind == SIM_FAULT_MALFORMED && a.len > 1) {
		a.len /= 2; /* cut in the middle of an element: not well-formed any more */
		snprintf(a.result, sizeof a.result, "malformed");
	}
	return send_answer(c, s, &a, sim_operation_name(req.op), detail);
}

/* ---- control endpoints (tests) --------------------------------------------------------- */

/* Body "insi=SPEC", several assignments separated by '&' or new lines. */
static enum MHD_Result handle_fault(struct MHD_Connection *c, struct sim_server *s,
				    struct req_ctx *ctx)
{
	char body[512], err[256], *save = NULL;
	char answer[600] = "";

	if (ctx->r.too_big || ctx->r.len >= sizeof body) {
		sim_log(s, "_sim", "fault", "-", "400");
		return sim_reply_text(c, 400, "corps trop long\n");
	}
	memcpy(body, ctx->r.body ? ctx->r.body : "", ctx->r.len);
	body[ctx->r.len] = 0;
	for (char *a = strtok_r(body, "&\r\n", &save); a; a = strtok_r(NULL, "&\r\n", &save)) {
		if (sim_fault_assign(a, err, sizeof err)) {
			sim_log(s, "_sim", "fault", a, "400");
			snprintf(answer, sizeof answer, "%s\n", err);
			return sim_reply_text(c, 400, answer);
		}
		sim_log(s, "_sim", "fault", a, "200");
		snprintf(answer + strlen(answer), sizeof answer - strlen(answer), "%s\n", a);
	}
	if (!answer[0]) {
		sim_log(s, "_sim", "fault", "-", "400");
		return sim_reply_text(c, 400, "SERVICE=PANNE attendu (ex. insi=delay:500)\n");
	}
	return sim_reply_text(c, 200, answer);
}

static enum MHD_Result handle_stats(struct MHD_Connection *c, struct sim_server *s)
{
	struct sim_fault f;
	char spec[64], text[4096];
	size_t n;

	sim_fault_get("insi", &f);
	sim_fault_format(&f, spec, sizeof spec);
	snprintf(text, sizeof text,
		 "insi_requests: %lu\ninsi_cr00: %lu\ninsi_cr01: %lu\ninsi_cr02: %lu\n"
		 "insi_faults: %lu\ninsi_fault: %s\n",
		 atomic_load(&s->insi_requests), atomic_load(&s->cr00), atomic_load(&s->cr01),
		 atomic_load(&s->cr02), atomic_load(&s->faults), spec);
	n = strlen(text);
	sim_dmp_stats(text + n, sizeof text - n);
	n = strlen(text);
	sim_psc_stats(text + n, sizeof text - n);
	sim_log(s, "_sim", "stats", "-", "200");
	return sim_reply_text(c, 200, text);
}

/* ---- the access handler ---------------------------------------------------------------- */

static int gather(struct req_ctx *ctx, const char *data, size_t size)
{
	if (ctx->r.too_big || ctx->r.len + size > SIM_BODY_MAX) {
		ctx->r.too_big = 1; /* keep reading (and dropping) so that the answer can be sent */
		return 0;
	}
	if (ctx->r.len + size + 1 > ctx->cap) {
		size_t cap = ctx->cap ? ctx->cap : 8192;
		char *b;
		while (cap < ctx->r.len + size + 1)
			cap *= 2;
		b = realloc(ctx->r.body, cap);
		if (!b)
			return -1;
		ctx->r.body = b;
		ctx->cap = cap;
	}
	memcpy(ctx->r.body + ctx->r.len, data, size);
	ctx->r.len += size;
	ctx->r.body[ctx->r.len] = 0;
	return 0;
}

static enum MHD_Result route(struct MHD_Connection *c, struct sim_server *s, const char *url,
			     const char *method, struct req_ctx *ctx)
{
	int post = !strcmp(method, "POST");
	enum MHD_Result rc;

	if (sim_dmp_route(c, s, url, method, &ctx->r, &rc) ||
	    sim_psc_route(c, s, url, method, &ctx->r, &rc))
		return rc;
	if (!strcmp(url, "/lps")) {
		if (post)
			return handle_insi(c, s, ctx);
		sim_log(s, "insi", method, "-", "405");
		return sim_reply_text(c, 405, "méthode non permise : POST attendu\n");
	}
	if (!strcmp(url, "/_sim/fault") && post)
		return handle_fault(c, s, ctx);
	if (!strcmp(url, "/_sim/stats") && !strcmp(method, "GET"))
		return handle_stats(c, s);
	sim_log(s, "-", method, "-", "404");
	return sim_reply_text(c, 404, "adresse inconnue du simulateur\n");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **con_cls)
{
	struct sim_server *s = cls;
	struct req_ctx *ctx = *con_cls;

	(void)version;
	if (!ctx) {
		ctx = calloc(1, sizeof *ctx);
		*con_cls = ctx;
		return ctx ? MHD_YES : MHD_NO;
	}
	if (*upload_size) {
		if (gather(ctx, upload, *upload_size))
			return MHD_NO;
		*upload_size = 0;
		return MHD_YES;
	}
	return route(c, s, url, method, ctx);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct req_ctx *ctx = *con_cls;

	(void)cls;
	(void)c;
	(void)toe;
	if (ctx) {
		free(ctx->r.body);
		free(ctx);
		*con_cls = NULL;
	}
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("vigie-sim : ", stderr);
	vfprintf(stderr, fmt, ap);
}

/* ---- start / stop ---------------------------------------------------------------------- */

static char *read_file(const char *path, const char *what, char *err, size_t errsize)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;

	if (!f) {
		snprintf(err, errsize, "%s %s illisible : %s", what, path, strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && size < 1024 * 1024 &&
	    fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)size + 1))) {
		if (fread(buf, 1, (size_t)size, f) == (size_t)size)
			buf[size] = 0;
		else {
			free(buf);
			buf = NULL;
		}
	}
	fclose(f);
	if (!buf)
		snprintf(err, errsize, "%s %s illisible", what, path);
	return buf;
}

static void free_server(struct sim_server *s)
{
	if (s->log)
		fclose(s->log);
	free(s->cert_pem);
	free(s->key_pem);
	free(s->ca_pem);
	pthread_mutex_destroy(&s->log_lock);
	free(s);
}

static int load_files(struct sim_server *s, const struct sim_options *o, char *err,
		      size_t errsize)
{
	if (!o->cert[0] || !o->key[0]) {
		snprintf(err, errsize, "--cert et --key sont obligatoires (le simulateur ne parle "
			 "que HTTPS)");
		return -1;
	}
	if (!(s->cert_pem = read_file(o->cert, "certificat", err, errsize)) ||
	    !(s->key_pem = read_file(o->key, "clé", err, errsize)))
		return -1;
	if (o->client_ca[0] &&
	    !(s->ca_pem = read_file(o->client_ca, "autorité des clients", err, errsize)))
		return -1;
	if (o->log[0] && !(s->log = fopen(o->log, "a"))) {
		snprintf(err, errsize, "journal %s : %s", o->log, strerror(errno));
		return -1;
	}
	return 0;
}

static struct MHD_Daemon *start_daemon(struct sim_server *s, int port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* never listen outside this machine */
	/* A thread per connection: a delayed or hanging answer blocks only its own client. */
	return MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
				MHD_USE_TLS | MHD_USE_ERROR_LOG,
				(uint16_t)port, NULL, NULL, on_request, s,
				MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, /* first: MHD wants it so */
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
				MHD_OPTION_HTTPS_MEM_CERT, s->cert_pem,
				MHD_OPTION_HTTPS_MEM_KEY, s->key_pem,
				MHD_OPTION_HTTPS_MEM_TRUST, s->ca_pem,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
				MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
				/* idle keep-alive connections (and their threads) end after 2 min */
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)120,
				MHD_OPTION_END);
}

struct sim_server *sim_server_start(const struct sim_options *o, const struct sim_table *t,
				    char *err, size_t errsize)
{
	struct sim_server *s = calloc(1, sizeof *s);
	const union MHD_DaemonInfo *info;

	if (!s) {
		snprintf(err, errsize, "mémoire insuffisante");
		return NULL;
	}
	pthread_mutex_init(&s->log_lock, NULL);
	s->table = t;
	s->style = o->style;
	if (load_files(s, o, err, errsize)) {
		free_server(s);
		return NULL;
	}
	if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
		snprintf(err, errsize, "cette libmicrohttpd est compilée sans TLS : HTTPS impossible");
		free_server(s);
		return NULL;
	}
	s->daemon = start_daemon(s, o->port);
	if (!s->daemon) {
		snprintf(err, errsize, "impossible d'écouter sur 127.0.0.1:%d (port occupé, ou "
			 "certificat/clé invalides)", o->port);
		free_server(s);
		return NULL;
	}
	info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : o->port;
	return s;
}

int sim_server_has_client_ca(const struct sim_server *s)
{
	return s->ca_pem != NULL;
}

int sim_server_port(const struct sim_server *s)
{
	return s->port;
}

void sim_server_stop(struct sim_server *s)
{
	if (!s)
		return;
	atomic_store(&s->stopping, 1); /* ends delays and hangs, whose threads MHD joins */
	MHD_stop_daemon(s->daemon);
	free_server(s);
}
