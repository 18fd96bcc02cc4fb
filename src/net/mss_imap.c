/* MSSanté reception by IMAP in vigie-net: libcurl opens the TLS connection and logs in
 * (password, OAUTHBEARER or XOAUTH2), then EXAMINE and UID FETCH are spoken on that connection;
 * each new message is archived byte for byte and read (mss_read_message). Also "vigie-net mss".
 *
 * Why not libcurl's IMAP URLs for the commands: its mailbox URLs SELECT (read-write) and fetch
 * with BODY[], which marks the message \Seen on the server, and its custom requests are read
 * line by line, which loses the bytes of a literal. The connection, certificate checks and
 * SASL stay libcurl's (CURLOPT_CONNECT_ONLY stops after the login). */
#include "net/mss.h"
#include "net/http.h"
#include "core/text.h"

#include <curl/curl.h>
#include <dirent.h>
#include <openssl/evp.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_CONNECT_MS 10000
#define DEFAULT_TIMEOUT_MS 60000
#define DEFAULT_MAX_MESSAGE (100LL * 1024 * 1024)
#define DEFAULT_MAX_MESSAGES 200
#define LINE_MAX_BYTES (8u * 1024 * 1024)   /* one response line (a long UID list) */
#define LOW_SPEED_BYTES 1024                /* B/s: slower than this for timeout_ms = stalled */
#define POLL_SLICE_MS 200                   /* stop() is polled this often while waiting */
#define REQUEST_MAX (64 * 1024)
#define DISCARD_MAX (64LL * 1024 * 1024)    /* a literal we do not want (hostile server) */
#define STALE_TMP_S 3600                    /* a temporary file this old: an interrupted run */

struct imap {
	CURL *h;
	curl_socket_t fd;
	const struct mss_config *cfg;
	const char *box;
	char host[256];
	int (*stop)(void *);
	void *stop_ctx;
	int timeout_ms;
	/* received bytes not yet consumed: buf[pos, len) */
	char *buf;
	size_t pos, len, cap;
	unsigned tag;
	long long op_start, op_bytes;       /* current command: low-speed detection */
	char doing[96];                     /* "pendant la lecture du message 12": errors */
	char status[160];                   /* text of the last NO/BAD/BYE answer */
	struct mss_reply *r;
};

__attribute__((format(printf, 3, 4)))
static int fail(struct imap *x, int kind, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(x->r->error, sizeof x->r->error, fmt, ap);
	va_end(ap);
	text_utf8_cut(x->r->error);
	return kind;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "52,4 Mo", "100 Mo", "812 Ko", "90 octets" (1 Mo = 1 048 576 octets, as vigie.conf). */
static void fmt_size(long long n, char *buf, size_t size)
{
	const long long mo = 1024 * 1024, ko = 1024;

	if (n >= mo && n % mo == 0)
		snprintf(buf, size, "%lld Mo", n / mo);
	else if (n >= mo)
		snprintf(buf, size, "%lld,%lld Mo", n / mo, n % mo * 10 / mo);
	else if (n >= ko)
		snprintf(buf, size, "%lld Ko", n / ko);
	else
		snprintf(buf, size, "%lld octets", n);
}

/* A server's answer text as it may appear in a message: printable, short. */
static void copy_status(char *dst, size_t size, const char *s)
{
	size_t i = 0;

	for (; *s && i + 1 < size && i < 140; s++)
		dst[i++] = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;
	dst[i] = 0;
	text_utf8_cut(dst);
}

/* ------------------------------------------------------------------ transport */

static int cancelled(struct imap *x)
{
	return x->stop && x->stop(x->stop_ctx);
}

static int dropped(struct imap *x)
{
	if (x->status[0])
		return fail(x, MSS_ERR_PROTOCOL, "Connexion au serveur MSSanté %s interrompue %s "
			    "(boîte %s ; le serveur a dit : %s)", x->host, x->doing, x->box,
			    x->status);
	return fail(x, MSS_ERR_PROTOCOL, "Connexion au serveur MSSanté %s interrompue %s "
		    "(boîte %s)", x->host, x->doing, x->box);
}

static int timed_out(struct imap *x)
{
	return fail(x, MSS_ERR_TIMEOUT, "Délai dépassé : le serveur MSSanté %s ne répond plus %s "
		    "(boîte %s, %d s)", x->host, x->doing, x->box, x->timeout_ms / 1000);
}

/* Waits for fd (POLLIN or POLLOUT) a slice at a time: stop(), silence and low speed. */
static int wait_fd(struct imap *x, short events, long long since)
{
	struct pollfd p = { x->fd, events, 0 };
	long long t = now_ms();

	if (cancelled(x))
		return fail(x, MSS_ERR_CANCELLED, "Relève MSSanté annulée");
	if (t - since >= x->timeout_ms)
		return timed_out(x);
	/* Bytes trickling in slower than LOW_SPEED_BYTES for a whole timeout: stalled too. */
	if (t - x->op_start > x->timeout_ms &&
	    x->op_bytes * 1000 / (t - x->op_start) < LOW_SPEED_BYTES)
		return timed_out(x);
	if (poll(&p, 1, POLL_SLICE_MS) < 0 && errno != EINTR)
		return dropped(x);
	return 0;
}

static int send_all(struct imap *x, const char *s, size_t n)
{
	long long since = now_ms();

	while (n) {
		size_t sent = 0;
		CURLcode rc = curl_easy_send(x->h, s, n, &sent);
		int e;

		if (rc == CURLE_OK) {
			s += sent;
			n -= sent;
			since = now_ms();
		} else if (rc != CURLE_AGAIN) {
			return dropped(x);
		} else if ((e = wait_fd(x, POLLOUT, since))) {
			return e;
		}
	}
	return 0;
}

/* Receives at least one more byte into buf. */
static int recv_some(struct imap *x)
{
	long long since = now_ms();

	if (x->pos == x->len) {
		x->pos = x->len = 0;
	} else if (x->pos > 0 && x->cap - x->len < 16384) {
		memmove(x->buf, x->buf + x->pos, x->len - x->pos);
		x->len -= x->pos;
		x->pos = 0;
	}
	if (x->cap - x->len < 16384) {
		size_t nc = x->cap ? x->cap * 2 : 65536;
		char *nb = realloc(x->buf, nc);

		if (!nb)
			return fail(x, MSS_ERR_IO, "Mémoire insuffisante pour la relève MSSanté");
		x->buf = nb;
		x->cap = nc;
	}
	for (;;) {
		size_t n = 0;
		/* TLS may hold decrypted bytes the socket no longer shows: read before polling. */
		CURLcode rc = curl_easy_recv(x->h, x->buf + x->len, x->cap - x->len - 1, &n);
		int e;

		if (rc == CURLE_OK && n > 0) {
			x->len += n;
			x->op_bytes += (long long)n;
			return 0;
		}
		if (rc != CURLE_AGAIN)
			return dropped(x);   /* closed (n == 0) or a TLS/socket error */
		if ((e = wait_fd(x, POLLIN, since)))
			return e;
	}
}

/* The next line of the answer, CRLF removed, NUL-terminated in place (valid until the next
 * read). */
static int read_line(struct imap *x, char **line, size_t *n)
{
	for (;;) {
		char *s = x->buf + x->pos;
		char *e = x->len > x->pos ? memchr(s, '\n', x->len - x->pos) : NULL;
		int rc;

		if (e) {
			size_t l = (size_t)(e - s);

			x->pos += l + 1;
			if (l && s[l - 1] == '\r')
				l--;
			s[l] = 0;
			*line = s;
			*n = l;
			return 0;
		}
		if (x->len - x->pos > LINE_MAX_BYTES)
			return fail(x, MSS_ERR_PROTOCOL, "Réponse du serveur MSSanté %s illisible "
				    "(ligne de plus de %u octets) %s", x->host, LINE_MAX_BYTES, x->doing);
		if ((rc = recv_some(x)))
			return rc;
	}
}

/* Size of the literal announced at the end of line ("... {1234}"), or -1. */
static long long literal_size(const char *line, size_t n)
{
	long long v = 0;
	size_t i;

	if (n < 3 || line[n - 1] != '}')
		return -1;
	i = n - 1;
	while (i > 0 && line[i - 1] >= '0' && line[i - 1] <= '9')
		i--;
	if (i == 0 || line[i - 1] != '{' || i == n - 1 || n - 1 - i > 15)
		return -1;
	for (; i < n - 1; i++)
		v = v * 10 + (line[i] - '0');
	return v;
}

/* Reads size bytes of literal, written to fd (or dropped when fd < 0). */
static int read_literal(struct imap *x, long long size, int fd, int *write_errno)
{
	while (size > 0) {
		size_t avail = x->len - x->pos, take;
		int rc;

		if (avail == 0) {
			if ((rc = recv_some(x)))
				return rc;
			continue;
		}
		take = (long long)avail < size ? avail : (size_t)size;
		if (fd >= 0 && !*write_errno) {
			const char *p = x->buf + x->pos;
			size_t left = take;

			while (left) {
				ssize_t w = write(fd, p, left);

				if (w < 0 && errno == EINTR)
					continue;
				if (w <= 0) {
					*write_errno = w < 0 ? errno : EIO;
					break;
				}
				p += w;
				left -= (size_t)w;
			}
		}
		x->pos += take;
		size -= (long long)take;
	}
	return 0;
}

/* ------------------------------------------------------------------ commands */

/* Called for each untagged line (cont: a line that follows a literal); may set *sink to a
 * file descriptor receiving the literal announced at the end of the line. Returns 0 or an
 * error kind. */
typedef int (*untagged_fn)(struct imap *x, void *ctx, const char *line, int cont, int *sink);

struct answer {
	int write_errno;                    /* the sink could not be written */
	long long literal;                  /* bytes of the last literal given to a sink */
};

/* Sends "Vn cmd" and reads the answer up to its tagged line. Returns 0 (OK), 1 (NO or BAD:
 * x->status holds the text) or a negative error kind. */
static int command(struct imap *x, const char *cmd, untagged_fn fn, void *ctx, struct answer *a)
{
	char tag[16], out[256], *line = NULL;
	size_t n = 0, tl;
	int rc, cont = 0;

	x->tag++;
	tl = (size_t)snprintf(tag, sizeof tag, "V%u ", x->tag);
	snprintf(out, sizeof out, "%s%s\r\n", tag, cmd);
	x->op_start = now_ms();
	x->op_bytes = 0;
	x->status[0] = 0;
	memset(a, 0, sizeof *a);
	if ((rc = send_all(x, out, strlen(out))))
		return rc;
	for (;;) {
		long long lit;
		int sink = -1;

		if ((rc = read_line(x, &line, &n)))
			return rc;
		if (!cont && n >= tl && !memcmp(line, tag, tl)) {
			const char *st = line + tl;

			if (!strncasecmp(st, "OK", 2))
				return 0;
			copy_status(x->status, sizeof x->status, st);
			return 1;
		}
		if (!cont && !strncasecmp(line, "* BYE", 5))
			copy_status(x->status, sizeof x->status, line + 5);
		if (fn && (cont || line[0] == '*') && (rc = fn(x, ctx, line, cont, &sink)))
			return rc;
		lit = literal_size(line, n);
		cont = lit >= 0;
		if (lit >= 0) {
			if (sink >= 0)
				a->literal = lit;
			else if (lit > DISCARD_MAX)
				return fail(x, MSS_ERR_PROTOCOL, "Réponse du serveur MSSanté %s "
					    "refusée : %lld octets inattendus %s", x->host, lit,
					    x->doing);
			if ((rc = read_literal(x, lit, sink, &a->write_errno)))
				return rc;
		}
	}
}

/* Value of the item name (a number) in a FETCH line: "... (UID 12 RFC822.SIZE 1234)". */
static int item_num(const char *line, const char *name, long long *v)
{
	size_t nl = strlen(name);

	for (const char *p = line; (p = strcasestr(p, name)); p += nl) {
		char *end;

		if (p == line || (p[-1] != ' ' && p[-1] != '(') || p[nl] != ' ')
			continue;
		*v = strtoll(p + nl + 1, &end, 10);
		return end != p + nl + 1;
	}
	return 0;
}

struct box_state {
	long long uidvalidity;
	long long exists;
};

static int on_examine(struct imap *x, void *ctx, const char *line, int cont, int *sink)
{
	struct box_state *b = ctx;
	const char *p;
	char *end;
	long long v;

	(void)x;
	(void)sink;
	if (cont)
		return 0;
	if ((p = strcasestr(line, "[UIDVALIDITY ")))
		b->uidvalidity = strtoll(p + 13, NULL, 10);
	v = strtoll(line + 1, &end, 10);
	if (end != line + 1 && !strncasecmp(end, " EXISTS", 7))
		b->exists = v;
	return 0;
}

struct uid_item {
	long long uid, size;
};

struct uid_list {
	struct uid_item *v;
	size_t n, cap;
	long long above;                    /* keep UIDs above this one only */
};

static int on_sizes(struct imap *x, void *ctx, const char *line, int cont, int *sink)
{
	struct uid_list *l = ctx;
	long long uid, size = -1;

	(void)sink;
	if (cont || !strcasestr(line, " FETCH ") || !item_num(line, "UID", &uid))
		return 0;
	/* "n:*" always names the last message, even below n: only UIDs above last_uid count. */
	if (uid <= l->above)
		return 0;
	item_num(line, "RFC822.SIZE", &size);
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].uid == uid)
			return 0;
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 256;
		struct uid_item *nv = realloc(l->v, nc * sizeof *nv);

		if (!nv)
			return fail(x, MSS_ERR_IO, "Mémoire insuffisante pour la relève MSSanté");
		l->v = nv;
		l->cap = nc;
	}
	l->v[l->n].uid = uid;
	l->v[l->n].size = size;
	l->n++;
	return 0;
}

static int by_uid(const void *a, const void *b)
{
	const struct uid_item *x = a, *y = b;

	return (x->uid > y->uid) - (x->uid < y->uid);
}

struct body_sink {
	int fd;
	int got;
	long long limit;                    /* a larger literal is refused */
};

/* "* 3 FETCH (UID 12 BODY[] {1234}": the literal is the message (or its header). */
static int on_body(struct imap *x, void *ctx, const char *line, int cont, int *sink)
{
	struct body_sink *b = ctx;
	const char *p;

	if (cont || !strcasestr(line, " FETCH "))
		return 0;
	if (((p = strcasestr(line, "BODY[] {")) || (p = strcasestr(line, "BODY[HEADER] {"))) &&
	    (p[-1] == ' ' || p[-1] == '(') && !b->got) {
		long long n = literal_size(line, strlen(line));

		if (n > b->limit)
			return fail(x, MSS_ERR_PROTOCOL, "Réponse du serveur MSSanté %s refusée : "
				    "message de %lld octets, plus que sa taille annoncée %s", x->host,
				    n, x->doing);
		*sink = b->fd;
		b->got = 1;
	}
	return 0;
}

/* ------------------------------------------------------------------ connection */

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct imap *x = ud;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return cancelled(x) ? 1 : 0;
}

static int is_tls_error(CURLcode rc)
{
	return rc == CURLE_SSL_CONNECT_ERROR || rc == CURLE_PEER_FAILED_VERIFICATION ||
	       rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CIPHER ||
	       rc == CURLE_SSL_CACERT_BADFILE || rc == CURLE_SSL_ISSUER_ERROR ||
	       rc == CURLE_SSL_CRL_BADFILE || rc == CURLE_SSL_INVALIDCERTSTATUS ||
	       rc == CURLE_SSL_PINNEDPUBKEYNOTMATCH;
}

static const char *tls_reason(const char *detail)
{
	if (strstr(detail, "unable to get local issuer") || strstr(detail, "self-signed") ||
	    strstr(detail, "self signed"))
		return "certificat émis par une autorité inconnue (vérifiez [mss] ca)";
	if (strstr(detail, "has expired"))
		return "certificat expiré";
	if (strstr(detail, "not yet valid"))
		return "certificat pas encore valide";
	if (strstr(detail, "revoked"))
		return "certificat révoqué";
	if (strstr(detail, "subject name") || strstr(detail, "does not match"))
		return "le nom du serveur ne correspond pas à son certificat";
	return NULL;
}

static int map_connect_error(struct imap *x, CURLcode rc, const char *detail)
{
	const struct mss_config *c = x->cfg;
	const char *why;
	long os_errno = 0;
	double connect_time = 0;

	if (is_tls_error(rc) && !strstr(detail, "reset by peer") &&
	    !strstr(detail, "unexpected eof") && !strstr(detail, "SSL_ERROR_SYSCALL")) {
		if (rc == CURLE_SSL_CACERT_BADFILE)
			return fail(x, MSS_ERR_TLS, "Fichier des autorités de certification "
				    "inutilisable : %s ([mss] ca)", c->ca_file[0] ? c->ca_file
				    : "(système)");
		why = tls_reason(detail);
		if (why)
			return fail(x, MSS_ERR_TLS, "Certificat du serveur MSSanté %s non reconnu : "
				    "%s", x->host, why);
		return fail(x, MSS_ERR_TLS, "Échec de la connexion sécurisée (TLS) au serveur "
			    "MSSanté %s (détail : %s)", x->host, detail);
	}
	switch (rc) {
	case CURLE_USE_SSL_FAILED:
		return fail(x, MSS_ERR_TLS, "Le serveur MSSanté %s ne propose pas de connexion "
			    "chiffrée (STARTTLS) : relève refusée, les messages ne circulent jamais "
			    "en clair", x->host);
	case CURLE_LOGIN_DENIED:
		if (!strcasecmp(c->auth, "password") || !c->auth[0])
			return fail(x, MSS_ERR_AUTH, "Connexion refusée par le serveur MSSanté %s "
				    "pour %s : identifiant ou mot de passe incorrect (vérifiez [mss] "
				    "identifiant et mot_de_passe)", x->host, c->user);
		return fail(x, MSS_ERR_AUTH, "Connexion refusée par le serveur MSSanté %s pour "
			    "%s : jeton %s refusé ou expiré (vérifiez [mss] jeton)", x->host, c->user,
			    c->auth);
	case CURLE_COULDNT_RESOLVE_HOST:
		return fail(x, MSS_ERR_CONNECT, "Serveur MSSanté %s injoignable (nom de serveur "
			    "inconnu ; boîte %s)", x->host, x->box);
	case CURLE_COULDNT_CONNECT:
		curl_easy_getinfo(x->h, CURLINFO_OS_ERRNO, &os_errno);
		return fail(x, MSS_ERR_CONNECT, "Serveur MSSanté %s injoignable (%s ; boîte %s)",
			    x->host, os_errno == ECONNREFUSED ? "connexion refusée"
			    : os_errno == ENETUNREACH || os_errno == EHOSTUNREACH
			    ? "réseau inaccessible" : "connexion impossible", x->box);
	case CURLE_OPERATION_TIMEDOUT:
		curl_easy_getinfo(x->h, CURLINFO_CONNECT_TIME, &connect_time);
		if (connect_time <= 0)
			return fail(x, MSS_ERR_TIMEOUT, "Délai dépassé : le serveur MSSanté %s n'a "
				    "pas accepté la connexion en %d s (boîte %s)", x->host,
				    (c->connect_timeout_ms > 0 ? c->connect_timeout_ms
				     : DEFAULT_CONNECT_MS) / 1000, x->box);
		return fail(x, MSS_ERR_TIMEOUT, "Délai dépassé : le serveur MSSanté %s ne répond "
			    "pas à la connexion (boîte %s, %d s)", x->host, x->box,
			    x->timeout_ms / 1000);
	case CURLE_ABORTED_BY_CALLBACK:
		return fail(x, MSS_ERR_CANCELLED, "Relève MSSanté annulée");
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
		return fail(x, MSS_ERR_CONFIG, "Adresse MSSanté « %s » invalide ([mss] adresse)",
			    c->url);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_PARTIAL_FILE:
	case CURLE_QUOTE_ERROR:
		return fail(x, MSS_ERR_PROTOCOL, "Connexion au serveur MSSanté %s interrompue "
			    "pendant l'ouverture de session (boîte %s ; détail : %s)", x->host, x->box,
			    detail);
	default:
		return fail(x, MSS_ERR_CONNECT, "Échec de la connexion au serveur MSSanté %s "
			    "(boîte %s ; erreur libcurl %d : %s)", x->host, x->box, (int)rc, detail);
	}
}

/* The configuration, before anything is sent. */
static int check_config(struct imap *x)
{
	const struct mss_config *c = x->cfg;
	CURLU *u;
	char *host = NULL;

	if (!c->url[0])
		return fail(x, MSS_ERR_CONFIG, "Adresse du serveur MSSanté absente de la "
			    "configuration ([mss] adresse)");
	if (strncasecmp(c->url, "imaps://", 8) && strncasecmp(c->url, "imap://", 7))
		return fail(x, MSS_ERR_CONFIG, "Adresse MSSanté « %s » refusée : seules imaps:// "
			    "(ou imap:// avec STARTTLS obligatoire) sont acceptées, les messages ne "
			    "circulent jamais en clair ([mss] adresse)", c->url);
	u = curl_url();
	if (!u || curl_url_set(u, CURLUPART_URL, c->url, 0) ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0)) {
		curl_url_cleanup(u);
		return fail(x, MSS_ERR_CONFIG, "Adresse MSSanté « %s » invalide ([mss] adresse)",
			    c->url);
	}
	snprintf(x->host, sizeof x->host, "%s", host);
	curl_free(host);
	curl_url_cleanup(u);
	for (const char *p = x->box; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			return fail(x, MSS_ERR_CONFIG, "Nom de boîte MSSanté « %s » non pris en "
				    "charge : caractères ASCII seulement ([mss] boite)", x->box);
	if (!c->archive[0])
		return fail(x, MSS_ERR_CONFIG, "Dossier d'archive des messages MSSanté absent de "
			    "la configuration ([mss] archive)");
	if (!c->user[0])
		return fail(x, MSS_ERR_CONFIG, "Identifiant MSSanté absent de la configuration "
			    "([mss] identifiant)");
	if (!c->auth[0] || !strcasecmp(c->auth, "password")) {
		if (!c->password[0])
			return fail(x, MSS_ERR_CONFIG, "Mot de passe MSSanté absent de la "
				    "configuration ([mss] mot_de_passe)");
	} else if (!strcasecmp(c->auth, "OAUTHBEARER") || !strcasecmp(c->auth, "XOAUTH2")) {
		if (!c->token[0])
			return fail(x, MSS_ERR_CONFIG, "Jeton OAuth 2 absent de la configuration "
				    "([mss] jeton, authentification %s)", c->auth);
	} else {
		return fail(x, MSS_ERR_CONFIG, "Authentification MSSanté « %s » inconnue : password, "
			    "OAUTHBEARER ou XOAUTH2 ([mss] authentification)", c->auth);
	}
	if (c->ca_file[0] && access(c->ca_file, R_OK))
		return fail(x, MSS_ERR_CONFIG, "Fichier des autorités de certification introuvable "
			    "ou illisible : %s ([mss] ca)", c->ca_file);
	return 0;
}

/* TLS, login: libcurl's part, up to an authenticated connection. */
static int open_session(struct imap *x)
{
	const struct mss_config *c = x->cfg;
	char errbuf[CURL_ERROR_SIZE] = "", opts[32];
	int connect_ms = c->connect_timeout_ms > 0 ? c->connect_timeout_ms : DEFAULT_CONNECT_MS;
	CURLcode rc;

	if (!(x->h = curl_easy_init()))
		return fail(x, MSS_ERR_IO, "Mémoire insuffisante pour la relève MSSanté");
	curl_easy_setopt(x->h, CURLOPT_URL, c->url);
	curl_easy_setopt(x->h, CURLOPT_PROTOCOLS_STR, "imaps,imap");
	/* imap:// must upgrade with STARTTLS or fail: never in clear. */
	curl_easy_setopt(x->h, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	curl_easy_setopt(x->h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(x->h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (c->ca_file[0])
		curl_easy_setopt(x->h, CURLOPT_CAINFO, c->ca_file);
	curl_easy_setopt(x->h, CURLOPT_USERNAME, c->user);
	if (!c->auth[0] || !strcasecmp(c->auth, "password")) {
		curl_easy_setopt(x->h, CURLOPT_PASSWORD, c->password);
	} else {
		snprintf(opts, sizeof opts, "AUTH=%s", !strcasecmp(c->auth, "XOAUTH2")
			 ? "XOAUTH2" : "OAUTHBEARER");
		curl_easy_setopt(x->h, CURLOPT_LOGIN_OPTIONS, opts);
		curl_easy_setopt(x->h, CURLOPT_XOAUTH2_BEARER, c->token);
	}
	curl_easy_setopt(x->h, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(x->h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->h, CURLOPT_CONNECTTIMEOUT_MS, (long)connect_ms);
	curl_easy_setopt(x->h, CURLOPT_TIMEOUT_MS, (long)(connect_ms + x->timeout_ms));
	curl_easy_setopt(x->h, CURLOPT_SERVER_RESPONSE_TIMEOUT, (long)(x->timeout_ms / 1000));
	curl_easy_setopt(x->h, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(x->h, CURLOPT_LOW_SPEED_TIME, (long)(x->timeout_ms / 1000));
	curl_easy_setopt(x->h, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(x->h, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(x->h, CURLOPT_XFERINFODATA, x);
	curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, errbuf);
	snprintf(x->doing, sizeof x->doing, "pendant l'ouverture de session");
	rc = curl_easy_perform(x->h);
	/* libcurl keeps its own copies until the handle goes: drop them now (curl_easy_setopt
	 * frees the previous string). */
	curl_easy_setopt(x->h, CURLOPT_PASSWORD, "");
	curl_easy_setopt(x->h, CURLOPT_XOAUTH2_BEARER, "");
	curl_easy_setopt(x->h, CURLOPT_ERRORBUFFER, NULL);
	if (rc != CURLE_OK)
		return map_connect_error(x, rc, errbuf[0] ? errbuf : curl_easy_strerror(rc));
	if (curl_easy_getinfo(x->h, CURLINFO_ACTIVESOCKET, &x->fd) != CURLE_OK ||
	    x->fd == CURL_SOCKET_BAD)
		return fail(x, MSS_ERR_PROTOCOL, "Connexion au serveur MSSanté %s perdue après "
			    "l'ouverture de session (boîte %s)", x->host, x->box);
	return 0;
}

static void close_session(struct imap *x, int polite)
{
	struct answer a;

	if (!x->h)
		return;
	if (polite && x->fd != CURL_SOCKET_BAD) {
		int saved = x->timeout_ms;
		char err[sizeof x->r->error];

		/* LOGOUT is a courtesy: a late answer must neither wait long nor change r. */
		memcpy(err, x->r->error, sizeof err);
		x->timeout_ms = 2000;
		snprintf(x->doing, sizeof x->doing, "à la fermeture de session");
		command(x, "LOGOUT", NULL, NULL, &a);
		memcpy(x->r->error, err, sizeof err);
		x->timeout_ms = saved;
	}
	/* Otherwise libcurl would send its own LOGOUT on a connection we may have left in the
	 * middle of an answer, and wait for it. */
	if (x->fd != CURL_SOCKET_BAD)
		shutdown(x->fd, SHUT_RDWR);
	curl_easy_cleanup(x->h);
	x->h = NULL;
}

/* ------------------------------------------------------------------ archive */

static int mkdirs(const char *path)
{
	char p[MSS_PATH_MAX];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof p)
		return -1;
	memcpy(p, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != 0)
			continue;
		p[i] = 0;
		if (mkdir(p, 0700) && errno != EEXIST)
			return -1;
		p[i] = i < n ? '/' : 0;
	}
	return 0;
}

static int io_error(struct imap *x, int e, const char *what, long long uid)
{
	if (e == ENOSPC || e == EDQUOT)
		return fail(x, MSS_ERR_IO, "Disque plein : le message %lld de la boîte %s n'a pas pu "
			    "être archivé dans %s", uid, x->box, x->cfg->archive);
	return fail(x, MSS_ERR_IO, "Archive MSSanté %s : %s impossible pour le message %lld (%s)",
		    x->cfg->archive, what, uid, strerror(e));
}

static void sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Temporary files of runs killed more than STALE_TMP_S ago ("<key>.eml.<pid>.tmp"); a
 * recent one may belong to a run going on in another process. */
static void sweep_stale(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	time_t now = time(NULL);

	while (d && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		struct stat st;

		if (n < 9 || strcmp(e->d_name + n - 4, ".tmp") || !strstr(e->d_name, ".eml.") ||
		    fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode) ||
		    now - st.st_mtime < STALE_TMP_S)
			continue;
		unlinkat(dirfd(d), e->d_name, 0);
	}
	if (d)
		closedir(d);
}

/* Downloads the message (or its header) into path, through a temporary file of this process.
 * Returns 0, 1 when the message is no longer on the server, or an error kind. */
static int download(struct imap *x, const struct uid_item *it, long long limit, int header_only,
		    const char *path)
{
	char tmp[MSS_PATH_MAX + 96], cmd[96];
	struct body_sink b = { -1, 0, 0 };
	struct answer a;
	long long uid = it->uid;
	int rc, e;

	/* What the server announced (with room for a header grown by a relay), or the limit. */
	b.limit = it->size >= 0 && !header_only ? it->size + 65536 : limit;
	snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
	if (unlink(tmp) && errno != ENOENT)
		return io_error(x, errno, "suppression d'un fichier temporaire", uid);
	b.fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (b.fd < 0)
		return io_error(x, errno, "création du fichier", uid);
	snprintf(cmd, sizeof cmd, "UID FETCH %lld BODY.PEEK[%s]", uid, header_only ? "HEADER" : "");
	snprintf(x->doing, sizeof x->doing, "pendant la lecture du message %lld", uid);
	rc = command(x, cmd, on_body, &b, &a);
	if (rc == 1) {
		rc = fail(x, MSS_ERR_PROTOCOL, "Le serveur MSSanté %s refuse de donner le message "
			  "%lld de la boîte %s : %s", x->host, uid, x->box, x->status);
	} else if (rc == 0 && a.write_errno) {
		rc = io_error(x, a.write_errno, "écriture", uid);
	} else if (rc == 0 && !b.got) {
		rc = 1;   /* expunged meanwhile: nothing to archive */
	} else if (rc == 0 && fsync(b.fd)) {
		rc = io_error(x, errno, "écriture sur disque", uid);
	}
	e = close(b.fd);
	if (rc == 0 && e)
		rc = io_error(x, errno, "écriture", uid);
	if (rc == 0 && rename(tmp, path))
		rc = io_error(x, errno, "renommage", uid);
	if (rc)
		unlink(tmp);
	else
		sync_dir(x->cfg->archive);
	return rc;
}

/* Archives, reads and appends one message. Returns 0, or an error kind. */
static int take(struct imap *x, long long uidvalidity, const struct uid_item *it)
{
	const struct mss_config *c = x->cfg;
	long long max = c->max_message > 0 ? c->max_message : DEFAULT_MAX_MESSAGE;
	int header_only = it->size > max;
	struct mss_message m;
	char key[64], path[MSS_PATH_MAX + 80], err[256], a[32], b[32];
	int rc;

	snprintf(key, sizeof key, "%lld-%lld", uidvalidity, it->uid);
	snprintf(path, sizeof path, "%s/%s.eml", c->archive, key);
	if ((rc = download(x, it, max, header_only, path)))
		return rc == 1 ? 0 : rc;
	memset(&m, 0, sizeof m);
	if (mss_read_message(path, c->archive, key, c->max_part, &m, err, sizeof err)) {
		struct mss_doc *d;

		mss_message_free(&m);
		memset(&m, 0, sizeof m);
		snprintf(m.error, sizeof m.error, "%s", err);
		if ((d = mss_message_add_doc(&m))) {
			d->kind = MSS_DOC_OTHER;
			snprintf(d->name, sizeof d->name, "%s.eml", key);
			snprintf(d->error, sizeof d->error, "%s", err);
		}
	}
	snprintf(m.file, sizeof m.file, "%s", path);
	snprintf(m.key, sizeof m.key, "%s", key);
	m.uid = it->uid;
	if (header_only) {
		m.size = it->size;
		fmt_size(it->size, a, sizeof a);
		fmt_size(max, b, sizeof b);
		snprintf(m.error, sizeof m.error, "Message de %s non téléchargé (limite %s) : il "
			 "reste sur le serveur de messagerie.", a, b);
	}
	if (mss_reply_add(x->r, &m)) {
		mss_message_free(&m);
		return fail(x, MSS_ERR_IO, "Mémoire insuffisante pour la relève MSSanté");
	}
	x->r->last_uid = it->uid;
	return 0;
}

/* ------------------------------------------------------------------ fetch */

static int run(struct imap *x, const struct mss_request *rq)
{
	struct box_state bs = { 0, -1 };
	struct uid_list l = { NULL, 0, 0, 0 };
	struct answer a;
	char cmd[320], quoted[2 * sizeof rq->cfg.mailbox + 3], *q = quoted;
	int max = x->cfg->max_messages > 0 ? x->cfg->max_messages : DEFAULT_MAX_MESSAGES;
	size_t todo, done = 0;
	int rc;

	if ((rc = check_config(x)))
		return rc;
	if (mkdirs(x->cfg->archive))
		return fail(x, MSS_ERR_IO, "Dossier d'archive MSSanté %s impossible à créer (%s ; "
			    "[mss] archive)", x->cfg->archive, strerror(errno));
	sweep_stale(x->cfg->archive);
	if ((rc = open_session(x)))
		return rc;

	/* EXAMINE: read-only, nothing the practitioner has not read becomes \Seen. */
	*q++ = '"';
	for (const char *p = x->box; *p; p++) {
		if (*p == '"' || *p == '\\')
			*q++ = '\\';
		*q++ = *p;
	}
	*q++ = '"';
	*q = 0;
	snprintf(cmd, sizeof cmd, "EXAMINE %s", quoted);
	snprintf(x->doing, sizeof x->doing, "à l'ouverture de la boîte");
	rc = command(x, cmd, on_examine, &bs, &a);
	if (rc == 1)
		return fail(x, MSS_ERR_PROTOCOL, "Boîte %s introuvable ou illisible sur le serveur "
			    "MSSanté %s : %s ([mss] boite)", x->box, x->host, x->status);
	if (rc)
		return rc;
	if (bs.uidvalidity <= 0)
		return fail(x, MSS_ERR_PROTOCOL, "Le serveur MSSanté %s ne donne pas l'UIDVALIDITY "
			    "de la boîte %s : relève incrémentale impossible", x->host, x->box);
	x->r->uidvalidity = bs.uidvalidity;
	x->r->last_uid = rq->last_uid;
	if (rq->uidvalidity && rq->uidvalidity != bs.uidvalidity) {
		/* The server renumbered the box: every message is fetched again (the store
		 * recognises those it already has by their content). */
		x->r->reset = 1;
		x->r->last_uid = 0;
	}
	l.above = x->r->last_uid;
	if (bs.exists != 0) {
		snprintf(cmd, sizeof cmd, "UID FETCH %lld:* (UID RFC822.SIZE)", l.above + 1);
		snprintf(x->doing, sizeof x->doing, "pendant la liste des nouveaux messages");
		rc = command(x, cmd, on_sizes, &l, &a);
		if (rc == 1)
			rc = fail(x, MSS_ERR_PROTOCOL, "Le serveur MSSanté %s refuse de lister les "
				  "messages de la boîte %s : %s", x->host, x->box, x->status);
		if (rc) {
			free(l.v);
			return rc;
		}
	}
	if (l.n)
		qsort(l.v, l.n, sizeof *l.v, by_uid);
	todo = l.n < (size_t)max ? l.n : (size_t)max;
	x->r->remaining = (long long)(l.n - todo);
	for (; done < todo; done++) {
		if (cancelled(x)) {
			rc = fail(x, MSS_ERR_CANCELLED, "Relève MSSanté annulée");
			break;
		}
		if ((rc = take(x, bs.uidvalidity, &l.v[done])))
			break;
	}
	x->r->remaining = (long long)(l.n - done);
	free(l.v);
	return rc;
}

int mss_imap_fetch(const struct mss_request *rq, struct mss_reply *r, int (*stop)(void *),
		   void *stop_ctx)
{
	struct imap x;

	memset(&x, 0, sizeof x);
	x.fd = CURL_SOCKET_BAD;
	x.cfg = &rq->cfg;
	x.box = rq->cfg.mailbox[0] ? rq->cfg.mailbox : "INBOX";
	x.stop = stop;
	x.stop_ctx = stop_ctx;
	x.timeout_ms = rq->cfg.timeout_ms > 0 ? rq->cfg.timeout_ms : DEFAULT_TIMEOUT_MS;
	x.r = r;
	snprintf(x.host, sizeof x.host, "?");
	r->error[0] = 0;
	r->rc = run(&x, rq);
	close_session(&x, r->rc == MSS_OK);
	if (x.buf) {
		explicit_bzero(x.buf, x.cap);
		free(x.buf);
	}
	return r->rc;
}

/* ------------------------------------------------------------------ vigie-net mss */

/* "import-<sha1 of the file>": the archive key of a message read outside IMAP. */
static int import_key(const char *file, char *key, size_t size)
{
	unsigned char md[EVP_MAX_MD_SIZE], buf[65536];
	unsigned int mdlen = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int fd = open(file, O_RDONLY | O_CLOEXEC), ok = c && fd >= 0;
	ssize_t n;
	size_t k;

	if (ok)
		ok = EVP_DigestInit_ex(c, EVP_sha1(), NULL) == 1;
	while (ok && (n = read(fd, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		ok = n > 0 && EVP_DigestUpdate(c, buf, (size_t)n) == 1;
	}
	if (ok)
		ok = EVP_DigestFinal_ex(c, md, &mdlen) == 1;
	if (fd >= 0)
		close(fd);
	EVP_MD_CTX_free(c);
	if (!ok)
		return -1;
	k = (size_t)snprintf(key, size, "import-");
	for (unsigned int i = 0; i < mdlen && k + 2 < size; i++, k += 2)
		snprintf(key + k, size - k, "%02x", md[i]);
	return 0;
}

static void parse_one(struct mss_request *rq, struct mss_reply *r)
{
	struct mss_message m;
	char err[256];

	if (!rq->file[0]) {
		r->rc = MSS_ERR_CONFIG;
		snprintf(r->error, sizeof r->error, "Fichier du message à lire absent de la requête");
		return;
	}
	if (!rq->cfg.archive[0]) {
		r->rc = MSS_ERR_CONFIG;
		snprintf(r->error, sizeof r->error, "Dossier d'archive des messages MSSanté absent de "
			 "la configuration ([mss] archive)");
		return;
	}
	if (!rq->key[0] && import_key(rq->file, rq->key, sizeof rq->key)) {
		r->rc = MSS_ERR_PARSE;
		snprintf(r->error, sizeof r->error, "Message %s illisible (%s)", rq->file,
			 strerror(errno));
		text_utf8_cut(r->error);
		return;
	}
	memset(&m, 0, sizeof m);
	if (mkdirs(rq->cfg.archive)) {
		r->rc = MSS_ERR_IO;
		snprintf(r->error, sizeof r->error, "Dossier d'archive MSSanté %s impossible à créer "
			 "(%s ; [mss] archive)", rq->cfg.archive, strerror(errno));
		text_utf8_cut(r->error);
		return;
	}
	if (mss_read_message(rq->file, rq->cfg.archive, rq->key, rq->cfg.max_part, &m, err,
			     sizeof err)) {
		mss_message_free(&m);
		r->rc = MSS_ERR_PARSE;
		snprintf(r->error, sizeof r->error, "%s", err);
		return;
	}
	if (mss_reply_add(r, &m)) {
		mss_message_free(&m);
		r->rc = MSS_ERR_IO;
		snprintf(r->error, sizeof r->error, "Mémoire insuffisante pour lire le message");
	}
}

int mss_serve(void)
{
	static char in[REQUEST_MAX + 1];
	static struct mss_request rq;
	struct mss_reply r;
	struct kv_out o;
	size_t len = 0;
	ssize_t n;
	char err[200];
	int ok;

	while (len < sizeof in && (n = read(0, in + len, sizeof in - len)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		len += (size_t)n;
	}
	if (len > REQUEST_MAX) {
		explicit_bzero(in, sizeof in);
		fprintf(stderr, "vigie-net : requête MSSanté trop longue (plus de %d Kio)\n",
			REQUEST_MAX / 1024);
		return 2;
	}
	in[len] = 0;
	ok = mss_request_parse(in, &rq, err, sizeof err) == 0;
	explicit_bzero(in, sizeof in);   /* the password or the token */
	if (!ok) {
		explicit_bzero(&rq, sizeof rq);
		fprintf(stderr, "vigie-net : %s\n", err);
		return 2;
	}
	memset(&r, 0, sizeof r);
	http_global_init();
	if (rq.op == MSS_OP_FETCH)
		mss_imap_fetch(&rq, &r, NULL, NULL);
	else
		parse_one(&rq, &r);
	http_global_cleanup();
	explicit_bzero(&rq, sizeof rq);
	kv_out_init(&o, 1);
	ok = mss_reply_format(&r, &o) == 0 && fputs(o.buf, stdout) >= 0 && fflush(stdout) == 0;
	kv_out_free(&o);
	mss_reply_free(&r);
	return ok ? 0 : 2;
}
