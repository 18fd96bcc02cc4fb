/* HTTPS transport shared by the teleservice clients: libcurl, TLS, timeouts, French errors. */
#include "net/http.h"
#include "core/text.h"

#include <curl/curl.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define DEFAULT_MAX_BODY (1024 * 1024)

__attribute__((format(printf, 4, 5)))
static int fail(char *msg, size_t size, int kind, const char *fmt, ...)
{
	va_list ap;

	if (msg && size) {
		va_start(ap, fmt);
		vsnprintf(msg, size, fmt, ap);
		va_end(ap);
		text_utf8_cut(msg);
	}
	return kind;
}

static const char *svc(const struct http_target *t)
{
	return t->service && t->service[0] ? t->service : "distant";
}

static const char *sec(const struct http_target *t)
{
	return t->section && t->section[0] ? t->section : "?";
}

static const char *addr_key(const struct http_target *t)
{
	return t->address_key && t->address_key[0] ? t->address_key : "adresse";
}

static const char *str(const char *s)
{
	return s ? s : "";
}

/* ------------------------------------------------------------------ checks */

static int file_ok(const struct http_target *t, const char *path, const char *key, char *msg,
		   size_t size)
{
	if (path && path[0] && access(path, R_OK))
		return fail(msg, size, HTTP_ERR_CONFIG, "Fichier introuvable ou illisible : %s "
			    "([%s] %s)", path, sec(t), key);
	return 0;
}

int http_check_target(const struct http_target *t, const char *url, char *msg, size_t msgsize)
{
	if (!url || !url[0])
		return fail(msg, msgsize, HTTP_ERR_CONFIG, "Adresse du service %s absente de la "
			    "configuration ([%s] %s)", svc(t), sec(t), addr_key(t));
	if (strncasecmp(url, "https://", 8))
		return fail(msg, msgsize, HTTP_ERR_CONFIG, "Adresse %s « %s » refusée : seul "
			    "https:// est accepté (les données de santé ne circulent jamais en "
			    "clair)", svc(t), url);
	if (file_ok(t, t->ca_file, "ca", msg, msgsize) ||
	    file_ok(t, t->cert_file, "certificat", msg, msgsize) ||
	    file_ok(t, t->key_file, "cle", msg, msgsize))
		return HTTP_ERR_CONFIG;
	return 0;
}

/* A zeroed configuration must not mean "wait for ever" (libcurl's 0). */
static int total_ms(const struct http_target *t)
{
	return t->timeout_ms > 0 ? t->timeout_ms : 20000;
}

static int connect_ms(const struct http_target *t)
{
	return t->connect_timeout_ms > 0 ? t->connect_timeout_ms : 5000;
}

static size_t max_body(const struct http_target *t)
{
	return t->max_body ? t->max_body : DEFAULT_MAX_BODY;
}

/* "PEM" or "P12": from the configuration, else from the file name. */
static const char *cert_type(const struct http_target *t)
{
	size_t n = strlen(str(t->cert_file));

	if (t->cert_type && t->cert_type[0])
		return t->cert_type;
	if (n > 4 && (!strcasecmp(t->cert_file + n - 4, ".p12") ||
		      !strcasecmp(t->cert_file + n - 4, ".pfx")))
		return "P12";
	return "PEM";
}

/* ------------------------------------------------------------------ transfer */

struct xfer {
	char *buf;
	size_t len, max;
	int too_big;
	const struct http_target *t;
};

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
	struct xfer *x = ud;
	size_t bytes = size * n;
	char *nb;

	if (bytes > x->max || x->len + bytes > x->max) {
		x->too_big = 1;
		return 0;
	}
	nb = realloc(x->buf, x->len + bytes + 1);
	if (!nb)
		return 0;
	memcpy(nb + x->len, p, bytes);
	x->buf = nb;
	x->len += bytes;
	x->buf[x->len] = 0;
	return bytes;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct xfer *x = ud;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return x->t->stop && x->t->stop(x->t->stop_ctx) ? 1 : 0;
}

static void set_tls(CURL *h, const struct http_target *t)
{
	/* Said explicitly, though they are libcurl's defaults: never turned off. */
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (t->ca_file && t->ca_file[0])
		curl_easy_setopt(h, CURLOPT_CAINFO, t->ca_file);
	if (t->cert_file && t->cert_file[0]) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, t->cert_file);
		curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, cert_type(t));
	}
	if (t->key_file && t->key_file[0]) {
		curl_easy_setopt(h, CURLOPT_SSLKEY, t->key_file);
		curl_easy_setopt(h, CURLOPT_SSLKEYTYPE, "PEM");
	}
	if (t->key_password && t->key_password[0])
		curl_easy_setopt(h, CURLOPT_KEYPASSWD, t->key_password);
}

/* ------------------------------------------------------------------ errors */

/* "20 s", "1,5 s", "300 ms" */
static void fmt_duration(int ms, char *buf, size_t size)
{
	if (ms < 1000)
		snprintf(buf, size, "%d ms", ms);
	else if (ms % 1000 == 0)
		snprintf(buf, size, "%d s", ms / 1000);
	else
		snprintf(buf, size, "%d,%d s", ms / 1000, (ms % 1000) / 100);
}

/* "1 Mio", "16 Mio" (rounded down: "plus de" stays true), "512 Kio", "1000 octets" */
static void fmt_size(size_t n, char *buf, size_t size)
{
	if (n >= 1024 * 1024)
		snprintf(buf, size, "%zu Mio", n / (1024 * 1024));
	else if (n >= 1024)
		snprintf(buf, size, "%zu Kio", n / 1024);
	else
		snprintf(buf, size, "%zu octets", n);
}

/* OpenSSL's verification reasons, as libcurl reports them, said in French. */
static const char *tls_reason(const char *detail)
{
	static const struct {
		const char *needle, *fr;
	} map[] = {
		{ "unable to get local issuer", "autorité de certification inconnue" },
		{ "self-signed", "certificat autosigné, émis par aucune autorité reconnue" },
		{ "self signed", "certificat autosigné, émis par aucune autorité reconnue" },
		{ "has expired", "certificat expiré" },
		{ "not yet valid", "certificat pas encore valide" },
		{ "revoked", "certificat révoqué" },
		{ "subject name", "le nom du serveur ne correspond pas à son certificat" },
		{ "does not match", "le nom du serveur ne correspond pas à son certificat" },
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strstr(detail, map[i].needle))
			return map[i].fr;
	return NULL;
}

static int map_tls_error(CURLcode rc, const char *detail, const struct http_target *t, char *msg,
			 size_t size)
{
	const char *fr = tls_reason(detail);

	switch (rc) {
	case CURLE_PEER_FAILED_VERIFICATION:
		if (fr && !strcmp(fr, "autorité de certification inconnue"))
			return fail(msg, size, HTTP_ERR_TLS, "Certificat du serveur %s non reconnu : "
				    "%s (vérifiez [%s] ca)", svc(t), fr, sec(t));
		if (fr)
			return fail(msg, size, HTTP_ERR_TLS, "Certificat du serveur %s non reconnu : "
				    "%s", svc(t), fr);
		return fail(msg, size, HTTP_ERR_TLS, "Certificat du serveur %s non reconnu (détail : "
			    "%s)", svc(t), detail);
	case CURLE_SSL_CACERT_BADFILE:
		return fail(msg, size, HTTP_ERR_TLS, "Fichier des autorités de certification %s "
			    "inutilisable : %s ([%s] ca)", svc(t),
			    t->ca_file && t->ca_file[0] ? t->ca_file : "(système)", sec(t));
	case CURLE_SSL_CERTPROBLEM:
		return fail(msg, size, HTTP_ERR_TLS, "Certificat client %s inutilisable : fichier, "
			    "format (%s) ou mot de passe incorrect (détail : %s)", svc(t),
			    cert_type(t), detail);
	default:
		return fail(msg, size, HTTP_ERR_TLS, "Échec de la connexion sécurisée (TLS) au "
			    "service %s : certificat client refusé ou protocole incompatible "
			    "(détail : %s)", svc(t), detail);
	}
}

static int is_tls_error(CURLcode rc)
{
	return rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION ||
	       rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CIPHER ||
	       rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_ISSUER_ERROR ||
	       rc == CURLE_SSL_ENGINE_NOTFOUND || rc == CURLE_SSL_ENGINE_SETFAILED ||
	       rc == CURLE_SSL_CRL_BADFILE || rc == CURLE_SSL_INVALIDCERTSTATUS ||
	       rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH || rc == CURLE_USE_SSL_FAILED;
}

/* The peer closed the connection (no TLS verdict): a connection problem, not a certificate one. */
static int dropped(const char *detail)
{
	return strstr(detail, "reset by peer") || strstr(detail, "unexpected eof") ||
	       strstr(detail, "SSL_ERROR_SYSCALL");
}

static int map_connect(CURL *h, const struct http_target *t, char *msg, size_t size)
{
	long os_errno = 0;

	curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
	return fail(msg, size, HTTP_ERR_CONNECT, "Service %s injoignable (%s)", svc(t),
		    os_errno == ECONNREFUSED ? "connexion refusée"
		    : os_errno == ENETUNREACH || os_errno == EHOSTUNREACH ? "réseau inaccessible"
		    : "connexion impossible");
}

static int map_timeout(CURL *h, const struct http_target *t, char *msg, size_t size)
{
	double connect_time = 0;
	char d[32];

	curl_easy_getinfo(h, CURLINFO_CONNECT_TIME, &connect_time);
	if (connect_time <= 0) {
		fmt_duration(connect_ms(t), d, sizeof d);
		return fail(msg, size, HTTP_ERR_TIMEOUT, "Délai dépassé : le service %s n'a pas "
			    "accepté la connexion en %s", svc(t), d);
	}
	fmt_duration(total_ms(t), d, sizeof d);
	return fail(msg, size, HTTP_ERR_TIMEOUT, "Délai dépassé : le service %s n'a pas répondu "
		    "en %s", svc(t), d);
}

static int map_curl_error(CURLcode rc, CURL *h, const char *detail, const char *url,
			  const struct http_target *t, const struct xfer *x, char *msg,
			  size_t size)
{
	char n[32];

	if (is_tls_error(rc) && !dropped(detail))
		return map_tls_error(rc, detail, t, msg, size);
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
		return map_connect(h, t, msg, size);
	case CURLE_COULDNT_RESOLVE_HOST:
		return fail(msg, size, HTTP_ERR_CONNECT, "Service %s injoignable (nom de serveur "
			    "inconnu : %s)", svc(t), url);
	case CURLE_OPERATION_TIMEDOUT:
		return map_timeout(h, t, msg, size);
	case CURLE_ABORTED_BY_CALLBACK:
		return fail(msg, size, HTTP_ERR_CANCELLED, "Appel %s annulé", svc(t));
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
		if (x->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
			fmt_size(max_body(t), n, sizeof n);
			return fail(msg, size, HTTP_ERR_TOO_BIG, "Réponse %s refusée : plus de %s",
				    svc(t), n);
		}
		return fail(msg, size, HTTP_ERR_CONNECT, "Mémoire insuffisante pour recevoir la "
			    "réponse %s", svc(t));
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		/* A TLS alert here is the server refusing our certificate after the handshake. */
		if (strstr(detail, "alert"))
			return map_tls_error(CURLE_SSL_CONNECT_ERROR, detail, t, msg, size);
		/* fall through */
	case CURLE_GOT_NOTHING:
	case CURLE_SSL_CONNECT_ERROR: /* dropped during the handshake */
		/* A server that refuses a missing certificate may reset before its alert is read. */
		if (t->cert_file && t->cert_file[0])
			return fail(msg, size, HTTP_ERR_CONNECT, "Service %s injoignable (connexion "
				    "interrompue par le serveur sans réponse)", svc(t));
		return fail(msg, size, HTTP_ERR_CONNECT, "Service %s injoignable (connexion "
			    "interrompue par le serveur sans réponse) ; aucun certificat client "
			    "n'est configuré ([%s] certificat)", svc(t), sec(t));
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return fail(msg, size, HTTP_ERR_CONFIG, "Adresse %s « %s » invalide ([%s] %s)",
			    svc(t), url, sec(t), addr_key(t));
	default:
		return fail(msg, size, HTTP_ERR_CONNECT, "Échec de l'appel %s (erreur libcurl %d : "
			    "%s)", svc(t), (int)rc, detail);
	}
}

/* ------------------------------------------------------------------ request */

static struct curl_slist *make_headers(const char *const *headers, const char *content_type)
{
	struct curl_slist *hdr = NULL, *nh;
	char ct[512];

	if (content_type) {
		snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
		if (!(hdr = curl_slist_append(hdr, ct)))
			return NULL;
	}
	for (size_t i = 0; headers && headers[i]; i++) {
		if (!(nh = curl_slist_append(hdr, headers[i]))) {
			curl_slist_free_all(hdr);
			return NULL;
		}
		hdr = nh;
	}
	/* No 1 s wait for "100 Continue". */
	if (!(nh = curl_slist_append(hdr, "Expect:"))) {
		curl_slist_free_all(hdr);
		return NULL;
	}
	return nh;
}

static void set_method(CURL *h, const char *method, const char *body, size_t len)
{
	if (method && !strcmp(method, "POST")) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? len : 0));
	} else {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
	}
}

static void set_basic(CURL *h, const char *user, const char *password)
{
	if (!user)
		return;
	curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
	curl_easy_setopt(h, CURLOPT_USERNAME, user);
	curl_easy_setopt(h, CURLOPT_PASSWORD, password ? password : "");
}

static CURL *make_handle(const struct http_target *t, const char *url, struct curl_slist *hdr,
			 struct xfer *x, char *errbuf)
{
	CURL *h = curl_easy_init();

	if (!h)
		return NULL;
	curl_easy_setopt(h, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
#else
	curl_easy_setopt(h, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTPS);
#endif
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)connect_ms(t));
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)total_ms(t));
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_body(t));
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	set_tls(h, t);
	return h;
}

/* Status, content type and body (never NULL on success: "" when the answer had none). */
static int fill_response(CURL *h, struct xfer *x, struct http_response *resp, char *msg,
			 size_t size, const struct http_target *t)
{
	char *ct = NULL;

	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
		snprintf(resp->content_type, sizeof resp->content_type, "%s", ct);
	if (!x->buf && !(x->buf = calloc(1, 1)))
		return fail(msg, size, HTTP_ERR_CONNECT, "Mémoire insuffisante pour recevoir la "
			    "réponse %s", svc(t));
	resp->body = x->buf;
	resp->len = x->len;
	x->buf = NULL;
	return HTTP_OK;
}

int http_request(const struct http_target *t, const char *method, const char *url,
		 const char *const *headers, const char *content_type, const char *body,
		 size_t len, const char *basic_user, const char *basic_password,
		 struct http_response *resp, char *msg, size_t msgsize)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct xfer x = { NULL, 0, max_body(t), 0, t };
	struct curl_slist *hdr;
	CURL *h = NULL;
	CURLcode rc;
	int ret;

	memset(resp, 0, sizeof *resp);
	if (msg && msgsize)
		msg[0] = 0;
	if (!url || strncasecmp(url, "https://", 8))
		return http_check_target(t, url, msg, msgsize);
	hdr = make_headers(headers, content_type);
	if (hdr)
		h = make_handle(t, url, hdr, &x, errbuf);
	if (!h) {
		curl_slist_free_all(hdr);
		return fail(msg, msgsize, HTTP_ERR_CONNECT, "Impossible de préparer l'appel %s "
			    "(libcurl)", svc(t));
	}
	set_method(h, method, body, len);
	set_basic(h, basic_user, basic_password);
	rc = curl_easy_perform(h);
	if (rc != CURLE_OK)
		ret = map_curl_error(rc, h, errbuf[0] ? errbuf : curl_easy_strerror(rc), url, t, &x,
				     msg, msgsize);
	else
		ret = fill_response(h, &x, resp, msg, msgsize, t);
	curl_easy_cleanup(h);
	curl_slist_free_all(hdr);
	free(x.buf);
	return ret;
}

void http_response_free(struct http_response *resp)
{
	if (!resp)
		return;
	free(resp->body);
	resp->body = NULL;
	resp->len = 0;
}

const char *http_status_hint(const struct http_target *t, long status, char *buf, size_t size)
{
	switch (status) {
	case 401: case 403:
		snprintf(buf, size, " : accès refusé (certificat client ?)");
		break;
	case 404:
		snprintf(buf, size, " : adresse introuvable (vérifiez [%s] %s)", sec(t),
			 addr_key(t));
		break;
	case 500: snprintf(buf, size, " : erreur interne du serveur"); break;
	case 502: case 504: snprintf(buf, size, " : passerelle en erreur"); break;
	case 503: snprintf(buf, size, " : service indisponible"); break;
	default: if (size) buf[0] = 0;
	}
	return buf;
}

/* ------------------------------------------------------------------ global */

static int global_done;

void http_global_init(void)
{
	if (global_done++)
		return;
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void http_global_cleanup(void)
{
	if (global_done == 0 || --global_done)
		return;
	curl_global_cleanup();
}
