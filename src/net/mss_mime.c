/* Reading one received MSSanté message with GMime: headers, IHE_XDM.ZIP, PDF and other
 * attachments, text body; attachments decoded to the archive by streaming. */
#include "net/mss.h"
#include "core/mss_wire.h"
#include "core/text.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gmime/gmime.h>
#include <openssl/evp.h>
#include <zip.h>

#define MIME_MAX_DEPTH 32
#define MIME_MAX_ATTACHMENTS 200
#define TEXT_MAX_BYTES (4u * 1024 * 1024)

/* An attachment waiting for the end of the walk (a PDF may be the copy of the XDM CDA). */
struct pending {
	struct mss_doc d;
	int pdf_copy;                 /* a readable PDF attachment: candidate human-readable copy */
};

struct walk {
	struct mss_message *m;
	const char *outdir;           /* NULL: nothing written */
	long long max_part;
	int n_att;
	struct pending *p;
	size_t n_p;
	GMimeTextPart *plain, *html;  /* first text bodies */
	char warn[256];               /* first structural problem GMime reported */
	int nomem;
};


/* in as one line of valid UTF-8 (control characters become spaces, runs collapse), cut to
 * fit at a character boundary. */
static void line(char *out, size_t size, const char *in)
{
	char *valid = g_utf8_make_valid(in ? in : "", -1);
	size_t o = 0;
	int space = 0;

	for (const unsigned char *s = (const unsigned char *)valid; *s; s++) {
		if (*s < 0x20 || *s == 0x7F) {
			space = o > 0;
			continue;
		}
		if (o + space + 1 >= size)
			break;
		if (space && *s != ' ')
			out[o++] = ' ';
		space = 0;
		if (*s != ' ' || o > 0)
			out[o++] = (char)*s;
	}
	while (o > 0 && out[o - 1] == ' ')
		o--;
	out[o] = 0;
	text_utf8_cut(out);
	g_free(valid);
}

/* "52,4" (Mo of 2^20 bytes, French decimal comma; whole numbers without decimals). */
static void mo(long long bytes, char *out, size_t size)
{
	double v = bytes / 1048576.0;
	char *dot;

	if (bytes % 1048576 == 0)
		snprintf(out, size, "%lld", bytes / 1048576);
	else
		snprintf(out, size, "%.1f", v);
	if ((dot = strchr(out, '.')))
		*dot = ',';
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = s ? strlen(s) : 0, k = strlen(suffix);

	return n >= k && !strcasecmp(s + n - k, suffix);
}

/* ------------------------------------------------------------------ GMime warnings */

static void on_warning(gint64 offset, GMimeParserWarning code, const gchar *item, gpointer data)
{
	struct walk *w = data;
	const char *what;

	(void)item;
	switch (code) {
	case GMIME_WARN_TRUNCATED_MESSAGE:
		what = "message tronqué (la fin manque)";
		break;
	case GMIME_WARN_MALFORMED_MULTIPART:
	case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
		what = "partie multiple sans délimiteur ni contenu valide";
		break;
	case GMIME_WARN_MALFORMED_MESSAGE:
		what = "structure MIME invalide";
		break;
	case GMIME_CRIT_INVALID_HEADER_NAME:
		what = "en-tête invalide";
		break;
	case GMIME_CRIT_NESTING_OVERFLOW:
		what = "imbrication MIME excessive";
		break;
	case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
	case GMIME_WARN_PART_WITHOUT_CONTENT:
		what = "partie MIME vide";
		break;
	default:
		return;
	}
	if (!w->warn[0])
		snprintf(w->warn, sizeof w->warn, "Message MIME mal formé (%s, vers l'octet %lld) : "
			 "son contenu lisible a été repris, l'original est conservé", what,
			 (long long)offset);
}

/* ------------------------------------------------------------------ headers */

static void read_from(GMimeMessage *msg, struct mss_message *m)
{
	InternetAddressList *list = g_mime_message_get_from(msg);
	int n = list ? internet_address_list_length(list) : 0;

	for (int i = 0; i < n; i++) {
		InternetAddress *ia = internet_address_list_get_address(list, i);

		if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
			continue;
		line(m->from, sizeof m->from,
		     internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia)));
		line(m->from_name, sizeof m->from_name, internet_address_get_name(ia));
		break;
	}
	m->sender = mss_sender_of(m->from, NULL);
}

static int urgent(GMimeObject *o)
{
	const char *p = g_mime_object_get_header(o, "Priority");
	const char *x = g_mime_object_get_header(o, "X-Priority");
	const char *i = g_mime_object_get_header(o, "Importance");

	while (x && (*x == ' ' || *x == '\t'))
		x++;
	while (p && (*p == ' ' || *p == '\t'))
		p++;
	while (i && (*i == ' ' || *i == '\t'))
		i++;
	return (p && !strncasecmp(p, "urgent", 6)) || (x && (*x == '1' || *x == '2')) ||
	       (i && !strncasecmp(i, "high", 4));
}

static void read_headers(GMimeMessage *msg, struct mss_message *m)
{
	GDateTime *dt = g_mime_message_get_date(msg);
	char subject[256];

	read_from(msg, m);
	line(subject, sizeof subject, g_mime_message_get_subject(msg));
	mss_subject_clean(subject, m->subject, sizeof m->subject);
	line(m->message_id, sizeof m->message_id, g_mime_message_get_message_id(msg));
	if (dt) {
		GDateTime *u = g_date_time_to_utc(dt);
		char *s = u && g_date_time_get_year(u) >= 1970 ?
			  g_date_time_format(u, "%Y%m%d%H%M%S") : NULL;

		if (s && strlen(s) == 14)
			snprintf(m->date, sizeof m->date, "%s", s);
		g_free(s);
		if (u)
			g_date_time_unref(u);
	}
	m->urgent = urgent(GMIME_OBJECT(msg));
}

/* ------------------------------------------------------------------ attachments */

static struct pending *add_pending(struct walk *w)
{
	struct pending *v;

	if (w->n_p >= MIME_MAX_ATTACHMENTS || !(v = realloc(w->p, (w->n_p + 1) * sizeof *v))) {
		w->nomem = 1;
		return NULL;
	}
	w->p = v;
	memset(&v[w->n_p], 0, sizeof *v);
	v[w->n_p].d.h.abnormal = -1;
	return &v[w->n_p++];
}

/* Our file name for attachment n: "PJ03.pdf", the extension kept when it is plain. */
static void our_name(int n, const char *filename, int pdf, char *out, size_t size)
{
	const char *dot = filename ? strrchr(filename, '.') : NULL;
	char ext[8] = "bin";
	size_t k = 0;

	if (pdf) {
		snprintf(ext, sizeof ext, "pdf");
	} else if (dot && strlen(dot + 1) >= 1 && strlen(dot + 1) <= 5) {
		for (const char *c = dot + 1; *c; c++) {
			if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			      (*c >= '0' && *c <= '9')))
				break;
			ext[k++] = (char)(*c >= 'A' && *c <= 'Z' ? *c + 32 : *c);
		}
		ext[k] = 0;
		if (k != strlen(dot + 1))
			snprintf(ext, sizeof ext, "bin");
	}
	snprintf(out, size, "PJ%02d.%s", n, ext);
}

/* SHA-1 and size of a file, read by blocks. 0 / -1. */
static int sha1_file(const char *path, char out[41], long long *size)
{
	unsigned char buf[65536], md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC), ok = ctx && fd >= 0;
	ssize_t r = 0;

	*size = 0;
	out[0] = 0;
	ok = ok && EVP_DigestInit_ex(ctx, EVP_sha1(), NULL);
	while (ok && (r = read(fd, buf, sizeof buf)) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		ok = r > 0 && EVP_DigestUpdate(ctx, buf, (size_t)r);
		*size += r > 0 ? r : 0;
	}
	ok = ok && EVP_DigestFinal_ex(ctx, md, &n) && n == 20;
	for (unsigned int i = 0; ok && i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	EVP_MD_CTX_free(ctx);
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* Decoded content into a new memory stream (the caller checked its size). */
static GByteArray *decode_mem(GMimeDataWrapper *dw, GMimeStream **keep)
{
	GMimeStream *mem = g_mime_stream_mem_new();

	if (g_mime_data_wrapper_write_to_stream(dw, mem) < 0) {
		g_object_unref(mem);
		return NULL;
	}
	*keep = mem;
	return g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
}

/* Decoded content streamed into outdir/name: d->file, sha1, size. */
static void decode_file(struct walk *w, GMimeDataWrapper *dw, const char *name,
			struct mss_doc *d)
{
	GMimeStream *fs;
	int fd = mss_file_open(w->outdir, name, d->file, sizeof d->file);
	ssize_t n;

	if (fd < 0) {
		snprintf(d->error, sizeof d->error, "Écriture impossible dans l'archive locale (%s) "
			 ": %s", name, strerror(errno));
		d->file[0] = 0;
		return;
	}
	fs = g_mime_stream_fs_new(fd);
	/* No g_mime_stream_flush: on a file stream it is an fsync, and the extracted parts can
	 * always be made again from the archived original. */
	n = g_mime_data_wrapper_write_to_stream(dw, fs);
	if (n < 0) {
		g_object_unref(fs);
		unlink(d->file);
		d->file[0] = 0;
		snprintf(d->error, sizeof d->error, "Pièce jointe illisible ou écriture impossible "
			 "dans l'archive locale (%s)", name);
		return;
	}
	g_object_unref(fs);
	sha1_file(d->file, d->sha1, &d->size);
}

/* Exact decoded size, counted without keeping the bytes. */
static long long decoded_size(GMimeDataWrapper *dw)
{
	GMimeStream *null = g_mime_stream_null_new();
	long long n;

	g_mime_data_wrapper_write_to_stream(dw, null);
	n = (long long)GMIME_STREAM_NULL(null)->written;
	g_object_unref(null);
	return n;
}

/* A ZIP holding an IHE_XDM/ folder (at the top or under one folder). */
static int zip_has_xdm(const unsigned char *buf, size_t len)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za;
	zip_int64_t n;
	int found = 0;

	if (len < 22 || memcmp(buf, "PK\3\4", 4))
		return 0;
	zip_error_init(&ze);
	src = zip_source_buffer_create(buf, len, 0, &ze);
	za = src ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
	if (src && !za)
		zip_source_free(src);
	zip_error_fini(&ze);
	n = za ? zip_get_num_entries(za, 0) : 0;
	for (zip_int64_t i = 0; i < n && i < MSS_XDM_MAX_ENTRIES && !found; i++) {
		const char *name = zip_get_name(za, (zip_uint64_t)i, ZIP_FL_ENC_RAW);
		const char *slash = name ? strchr(name, '/') : NULL;

		found = name && (!strncasecmp(name, "IHE_XDM/", 8) ||
				 (slash && !strncasecmp(slash + 1, "IHE_XDM/", 8)));
	}
	if (za)
		zip_discard(za);
	return found;
}

static void pending_base(struct pending *p, int pdf, const char *filename, const char *mime,
			 int n)
{
	p->d.kind = pdf ? MSS_DOC_PDF : MSS_DOC_OTHER;
	if (filename && *filename)
		line(p->d.name, sizeof p->d.name, filename);
	else
		snprintf(p->d.name, sizeof p->d.name, "PJ%02d", n);
	line(p->d.mime, sizeof p->d.mime, mime);
}

/* A ZIP-looking attachment: the XDM archive, or an ordinary attachment after all. */
static void zip_attachment(struct walk *w, GMimeDataWrapper *dw, const char *filename,
			   const char *mime, int named_xdm, int n)
{
	GMimeStream *keep = NULL;
	GByteArray *ba = decode_mem(dw, &keep);
	struct pending *p;
	char e[256], name[32];

	if (ba && (named_xdm || zip_has_xdm(ba->data, ba->len)) &&
	    !mss_read_xdm(ba->data, ba->len, w->outdir, w->max_part, w->m, e, sizeof e)) {
		g_object_unref(keep);
		return;
	}
	if (!ba)
		snprintf(e, sizeof e, "Pièce jointe illisible (encodage invalide)");
	else if (!named_xdm && !zip_has_xdm(ba->data, ba->len))
		e[0] = 0;
	if ((p = add_pending(w))) {
		pending_base(p, 0, filename, mime, n);
		snprintf(p->d.error, sizeof p->d.error, "%s", e);
		if (ba) {
			mss_sha1_hex(ba->data, ba->len, p->d.sha1);
			p->d.size = (long long)ba->len;
			our_name(n, filename, 0, name, sizeof name);
			if (w->outdir && mss_file_write(w->outdir, name, ba->data, ba->len,
							p->d.file, sizeof p->d.file) && !e[0])
				snprintf(p->d.error, sizeof p->d.error, "Écriture impossible dans "
					 "l'archive locale (%s) : %s", name, strerror(errno));
		}
	}
	if (keep)
		g_object_unref(keep);
}

static void attachment(struct walk *w, GMimePart *part, const char *mime)
{
	const char *filename = g_mime_part_get_filename(part);
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *raw = dw ? g_mime_data_wrapper_get_stream(dw) : NULL;
	int n = ++w->n_att, pdf, named_xdm, zipish;
	long long size = raw ? (long long)g_mime_stream_length(raw) : 0;
	struct pending *p;
	char name[32], a[32], b[32];

	if (!dw)
		return;
	pdf = !strcasecmp(mime, "application/pdf") || ends_with(filename, ".pdf");
	named_xdm = filename && !strcasecmp(filename, "IHE_XDM.ZIP");
	zipish = !pdf && (!strcasecmp(mime, "application/zip") ||
			  !strcasecmp(mime, "application/x-zip-compressed") ||
			  !strcasecmp(mime, "application/x-zip") ||
			  !strcasecmp(mime, "application/octet-stream") || ends_with(filename, ".zip"));
	/* Decoded bytes never outnumber the encoded ones: count only what may be too big. */
	if (w->max_part > 0 && size > w->max_part)
		size = decoded_size(dw);
	if (w->max_part > 0 && size > w->max_part) {
		if (!(p = add_pending(w)))
			return;
		pending_base(p, pdf, filename, mime, n);
		p->d.size = size;
		mo(size, a, sizeof a);
		mo(w->max_part, b, sizeof b);
		snprintf(p->d.error, sizeof p->d.error, "Pièce jointe de %s Mo non extraite (limite "
			 "%s Mo) : le message original est conservé dans l'archive.", a, b);
		return;
	}
	if (named_xdm || zipish) {
		zip_attachment(w, dw, filename, mime, named_xdm, n);
		return;
	}
	if (!(p = add_pending(w)))
		return;
	pending_base(p, pdf, filename, mime, n);
	our_name(n, filename, pdf, name, sizeof name);
	if (w->outdir) {
		decode_file(w, dw, name, &p->d);
	} else {
		GMimeStream *keep = NULL;
		GByteArray *ba = decode_mem(dw, &keep);

		if (ba) {
			mss_sha1_hex(ba->data, ba->len, p->d.sha1);
			p->d.size = (long long)ba->len;
			g_object_unref(keep);
		}
	}
	p->pdf_copy = pdf && !p->d.error[0];
}

/* ------------------------------------------------------------------ walk */

static void leaf(struct walk *w, GMimePart *part)
{
	GMimeObject *o = GMIME_OBJECT(part);
	GMimeContentType *ct = g_mime_object_get_content_type(o);
	GMimeContentDisposition *cd = g_mime_object_get_content_disposition(o);
	char *mime = ct ? g_mime_content_type_get_mime_type(ct) : NULL;
	int attached = (cd && g_mime_content_disposition_is_attachment(cd)) ||
		       g_mime_part_get_filename(part);

	if (GMIME_IS_TEXT_PART(part) && !attached && ct &&
	    g_mime_content_type_is_type(ct, "text", "plain")) {
		if (!w->plain)
			w->plain = GMIME_TEXT_PART(part);
	} else if (GMIME_IS_TEXT_PART(part) && !attached && ct &&
		   g_mime_content_type_is_type(ct, "text", "html")) {
		if (!w->html)
			w->html = GMIME_TEXT_PART(part);
	} else {
		attachment(w, part, mime ? mime : "application/octet-stream");
	}
	g_free(mime);
}

/* A forwarded message: kept whole as an attachment (PJnn.eml). */
static void message_part(struct walk *w, GMimeMessagePart *mp)
{
	GMimeMessage *inner = g_mime_message_part_get_message(mp);
	struct pending *p;
	char name[32];
	int n = ++w->n_att, fd;

	if (!inner || !(p = add_pending(w)))
		return;
	pending_base(p, 0, "message.eml", "message/rfc822", n);
	snprintf(name, sizeof name, "PJ%02d.eml", n);
	if (w->outdir && (fd = mss_file_open(w->outdir, name, p->d.file, sizeof p->d.file)) >= 0) {
		GMimeStream *fs = g_mime_stream_fs_new(fd);

		g_mime_object_write_to_stream(GMIME_OBJECT(inner), NULL, fs);
		g_object_unref(fs);
		sha1_file(p->d.file, p->d.sha1, &p->d.size);
	}
}

static void walk(struct walk *w, GMimeObject *o, int depth)
{
	if (!o || depth > MIME_MAX_DEPTH || w->nomem)
		return;
	if (GMIME_IS_MULTIPART(o)) {
		GMimeMultipart *mp = GMIME_MULTIPART(o);
		int n = g_mime_multipart_get_count(mp);

		for (int i = 0; i < n; i++)
			walk(w, g_mime_multipart_get_part(mp, i), depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(o)) {
		message_part(w, GMIME_MESSAGE_PART(o));
	} else if (GMIME_IS_PART(o)) {
		leaf(w, GMIME_PART(o));
	}
}

/* ------------------------------------------------------------------ text body */

static int starts_tag(const char *s, const char *tag)
{
	size_t n = strlen(tag);

	return !strncasecmp(s, tag, n) && (s[n] == '>' || s[n] == ' ' || s[n] == '/' ||
					    s[n] == '\t' || s[n] == '\n' || s[n] == '\r');
}

/* HTML to text: tags dropped (script and style with their content), block ends become line
 * breaks, the common entities decoded. */
static GString *html_text(const char *h)
{
	static const struct { const char *ent, *txt; } ents[] = {
		{ "&amp;", "&" }, { "&lt;", "<" }, { "&gt;", ">" }, { "&quot;", "\"" },
		{ "&#39;", "'" }, { "&apos;", "'" }, { "&nbsp;", " " }, { "&eacute;", "é" },
		{ "&egrave;", "è" }, { "&agrave;", "à" }, { "&ccedil;", "ç" }, { "&ecirc;", "ê" },
	};
	GString *t = g_string_new(NULL);

	while (*h) {
		if (*h == '<') {
			const char *skip = NULL;

			if (starts_tag(h + 1, "script"))
				skip = "</script";
			else if (starts_tag(h + 1, "style"))
				skip = "</style";
			if (starts_tag(h + 1, "br") || starts_tag(h + 1, "/p") ||
			    starts_tag(h + 1, "/div") || starts_tag(h + 1, "/tr") ||
			    starts_tag(h + 1, "li") || starts_tag(h + 1, "/h1") ||
			    starts_tag(h + 1, "/h2") || starts_tag(h + 1, "/h3"))
				g_string_append_c(t, '\n');
			if (skip) {
				const char *end = strcasestr(h, skip);

				h = end ? end : h + strlen(h);
			}
			while (*h && *h != '>')
				h++;
			if (*h)
				h++;
			continue;
		}
		if (*h == '&') {
			size_t i;

			for (i = 0; i < sizeof ents / sizeof ents[0]; i++)
				if (!strncasecmp(h, ents[i].ent, strlen(ents[i].ent)))
					break;
			if (i < sizeof ents / sizeof ents[0]) {
				g_string_append(t, ents[i].txt);
				h += strlen(ents[i].ent);
				continue;
			}
			if (h[1] == '#') {
				char *end;
				long cp = h[2] == 'x' || h[2] == 'X' ? strtol(h + 3, &end, 16)
								     : strtol(h + 2, &end, 10);

				if (*end == ';' && cp > 0x1F && cp < 0x110000 &&
				    (cp < 0xD800 || cp > 0xDFFF)) {
					g_string_append_unichar(t, (gunichar)cp);
					h = end + 1;
					continue;
				}
			}
		}
		if (*h == '\r' || *h == '\n' || *h == '\t') {
			if (t->len && t->str[t->len - 1] != ' ' && t->str[t->len - 1] != '\n')
				g_string_append_c(t, ' ');
			h++;
			continue;
		}
		g_string_append_c(t, *h++);
	}
	return t;
}

/* Text of the body as UTF-8 (converted by GMime from its charset), NULL when too big. */
static char *body_text(struct walk *w, GMimeTextPart *tp, int html)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(GMIME_PART(tp));
	GMimeStream *raw = dw ? g_mime_data_wrapper_get_stream(dw) : NULL;
	char *text, *valid;

	if (raw && g_mime_stream_length(raw) > (gint64)TEXT_MAX_BYTES)
		return NULL;
	(void)w;
	text = g_mime_text_part_get_text(tp);
	valid = g_utf8_make_valid(text ? text : "", -1);
	g_free(text);
	if (html) {
		GString *s = html_text(valid);

		g_free(valid);
		valid = g_string_free(s, FALSE);
	}
	return valid;
}

static void text_item(struct walk *w)
{
	struct mss_doc *d = mss_message_add_doc(w->m);
	char *text = NULL;
	int big = 0;

	if (!d)
		return;
	d->kind = MSS_DOC_TEXT;
	snprintf(d->name, sizeof d->name, "corps.txt");
	snprintf(d->mime, sizeof d->mime, "text/plain");
	if (w->plain || w->html) {
		text = body_text(w, w->plain ? w->plain : w->html, !w->plain);
		big = !text;
	}
	if (big) {
		snprintf(d->error, sizeof d->error, "Texte du message trop long pour être extrait : "
			 "le message original est conservé dans l'archive.");
		return;
	}
	if (!text)
		text = g_strdup("");
	mss_sha1_hex(text, strlen(text), d->sha1);
	d->size = (long long)strlen(text);
	if (w->outdir && mss_file_write(w->outdir, "corps.txt", text, strlen(text), d->file,
					sizeof d->file))
		snprintf(d->error, sizeof d->error, "Écriture impossible dans l'archive locale "
			 "(corps.txt) : %s", strerror(errno));
	g_free(text);
}

/* ------------------------------------------------------------------ end of the walk */

/*
 * One XDM CDA in the message: the first readable PDF attachment is its human-readable copy
 * (its pdf when the CDA carries none, else nothing more); other attachments become items.
 */
static void finish(struct walk *w)
{
	size_t n_cda = 0, at = 0;
	int copy_taken = 0;

	for (size_t i = 0; i < w->m->n_docs; i++)
		if (w->m->docs[i].kind == MSS_DOC_CDA) {
			at = i;
			n_cda++;
		}
	for (size_t i = 0; i < w->n_p; i++) {
		struct pending *p = &w->p[i];
		/* docs moves as items are added */
		struct mss_doc *d, *cda = n_cda ? &w->m->docs[at] : NULL;

		if (n_cda == 1 && p->pdf_copy && !copy_taken) {
			copy_taken = 1;
			if (!cda->pdf[0] && p->d.file[0]) {
				char name[32], path[MSS_PATH_MAX];

				snprintf(name, sizeof name, "DOC%04d.pdf", cda->seq);
				if ((size_t)snprintf(path, sizeof path, "%s/%s", w->outdir, name) <
				    sizeof path && !rename(p->d.file, path))
					snprintf(cda->pdf, sizeof cda->pdf, "%s", path);
				else
					snprintf(cda->pdf, sizeof cda->pdf, "%s", p->d.file);
			}
			continue;
		}
		if (!(d = mss_message_add_doc(w->m)))
			break;
		p->d.seq = d->seq;
		*d = p->d;
	}
	if (!w->m->n_docs)
		text_item(w);
	if (w->m->sender == MSS_SENDER_PATIENT) {
		char ins[16];

		mss_sender_of(w->m->from, ins);
		for (size_t i = 0; i < w->m->n_docs; i++) {
			struct mss_doc *d = &w->m->docs[i];

			if (d->kind == MSS_DOC_CDA)
				continue;
			/* The address carries the matricule only: no OID is guessed (test and
			 * demonstration INS have their own OIDs). */
			snprintf(d->h.patient_ins, sizeof d->h.patient_ins, "%s", ins);
		}
	}
}

/* ------------------------------------------------------------------ entry points */

static int key_ok(const char *key)
{
	if (!key || !key[0] || key[0] == '.' || strlen(key) >= 64)
		return 0;
	for (const char *c = key; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '-' || *c == '_' || *c == '.'))
			return 0;
	return 1;
}

/* Reads the message in stream (owned) into m; outdir as prepared by the caller. */
static void read_stream(GMimeStream *stream, const char *outdir, long long max_part,
			struct mss_message *m)
{
	struct walk w = { .m = m, .outdir = outdir, .max_part = max_part };
	GMimeParserOptions *opts;
	GMimeParser *parser;
	GMimeMessage *msg;

	g_mime_init();
	opts = g_mime_parser_options_new();
	g_mime_parser_options_set_warning_callback(opts, on_warning, &w);
	parser = g_mime_parser_new_with_stream(stream);
	g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(parser, opts);
	g_object_unref(parser);
	g_object_unref(stream);
	if (!msg) {
		struct mss_doc *d;

		snprintf(m->error, sizeof m->error, "Message illisible : ni en-tête ni contenu MIME "
			 "reconnaissable ; l'original est conservé dans l'archive");
		if ((d = mss_message_add_doc(m))) {
			d->kind = MSS_DOC_TEXT;
			snprintf(d->name, sizeof d->name, "corps.txt");
			snprintf(d->error, sizeof d->error, "%s", m->error);
		}
		g_mime_parser_options_free(opts);
		return;
	}
	read_headers(msg, m);
	walk(&w, g_mime_message_get_mime_part(msg), 0);
	finish(&w);
	if (w.warn[0])
		snprintf(m->error, sizeof m->error, "%s", w.warn);
	else if (w.nomem)
		snprintf(m->error, sizeof m->error, "Message partiellement lu : trop de pièces "
			 "jointes ou mémoire insuffisante");
	free(w.p);
	g_object_unref(msg);
	g_mime_parser_options_free(opts);
}

/* archive/key created 0700 into outdir; NULL archive: no directory. */
static int prepare(const char *archive, const char *key, struct mss_message *m, char *outdir,
		   size_t size, char *err, size_t errsize)
{
	snprintf(m->key, sizeof m->key, "%s", key ? key : "");
	if (!archive)
		return 0;
	if (!key_ok(key))
		return text_fail(err, errsize, "Clé d'archive du message invalide : « %.40s »",
			    key ? key : "");
	if ((size_t)snprintf(outdir, size, "%s/%s", archive, key) >= size)
		return text_fail(err, errsize, "Chemin de l'archive des messages trop long");
	if (mss_dir_make(archive) || mss_dir_make(outdir))
		return text_fail(err, errsize, "Dossier de l'archive des messages impossible à créer "
			    "(%s) : %s", outdir, strerror(errno));
	return 0;
}

int mss_read_message_mem(const void *buf, size_t len, const char *archive, const char *key,
			 long long max_part, struct mss_message *m, char *err, size_t errsize)
{
	char outdir[MSS_PATH_MAX];

	memset(m, 0, sizeof *m);
	if (err && errsize)
		err[0] = 0;
	if (prepare(archive, key, m, outdir, sizeof outdir, err, errsize))
		return -1;
	mss_sha1_hex(buf ? buf : "", buf ? len : 0, m->sha1);
	m->size = (long long)len;
	g_mime_init();
	read_stream(g_mime_stream_mem_new_with_buffer(buf ? buf : "", buf ? len : 0),
		    archive ? outdir : NULL, max_part, m);
	return 0;
}

int mss_read_message(const char *file, const char *archive, const char *key,
		     long long max_part, struct mss_message *m, char *err, size_t errsize)
{
	char outdir[MSS_PATH_MAX];
	struct stat st;
	int fd;

	memset(m, 0, sizeof *m);
	if (err && errsize)
		err[0] = 0;
	if ((fd = open(file, O_RDONLY | O_CLOEXEC)) < 0)
		return text_fail(err, errsize, "Message %s illisible : %s", file, strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return text_fail(err, errsize, "Message %s illisible : ce n'est pas un fichier", file);
	}
	if (prepare(archive, key, m, outdir, sizeof outdir, err, errsize)) {
		close(fd);
		return -1;
	}
	snprintf(m->file, sizeof m->file, "%s", file);
	if (sha1_file(file, m->sha1, &m->size)) {
		close(fd);
		return text_fail(err, errsize, "Message %s illisible : %s", file, strerror(errno));
	}
	g_mime_init();
	/* GMime keeps the parts as windows on the file: attachments are never all in memory. */
	read_stream(g_mime_stream_fs_new(fd), archive ? outdir : NULL, max_part, m);
	return 0;
}
