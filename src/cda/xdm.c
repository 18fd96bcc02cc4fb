/* IHE XDM archive reader (IHE_XDM.ZIP received by MSSanté): libzip, METADATA.XML (ebRS 3.0),
 * DOCnnnn.XML read as CDA, against zip bombs and path traversal; and the archive files. */
#include "net/mss.h"
#include "cda/cda_read.h"
#include "core/text.h"
#include "net/xmltree.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/tree.h>
#include <openssl/evp.h>
#include <zip.h>

#define XDM_MAX_METADATA (4u * 1024 * 1024)
#define XDM_MAX_DEPTH 32
#define UUID_UNIQUE_ID "urn:uuid:2e82c1f6-a085-4c72-9da3-8640a32e42ab"
#define UUID_PATIENT_ID "urn:uuid:58a6f841-87b3-4a3e-92fd-a8ffeff98427"

/* ------------------------------------------------------------------ archive files */

int mss_dir_make(const char *dir)
{
	struct stat st;

	if (!mkdir(dir, 0700))
		return 0;
	if (errno != EEXIST)
		return -1;
	if (lstat(dir, &st))
		return -1;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

int mss_file_open(const char *dir, const char *name, char *path, size_t size)
{
	struct stat st;
	int fd;

	if ((size_t)snprintf(path, size, "%s/%s", dir, name) >= size) {
		path[0] = 0;
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0 || errno != EEXIST)
		return fd;
	/* Ours from an earlier reading of the same message: a regular file we own. */
	if (lstat(path, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid()) {
		errno = EEXIST;
		return -1;
	}
	fd = open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0)
		fchmod(fd, 0600);
	return fd;
}

int mss_file_write(const char *dir, const char *name, const void *buf, size_t len, char *path,
		   size_t size)
{
	const char *p = buf;
	int fd = mss_file_open(dir, name, path, size), ok;

	if (fd < 0)
		return -1;
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		len -= (size_t)n;
	}
	ok = !len;
	if (close(fd))
		ok = 0;
	if (!ok) {
		unlink(path);
		path[0] = 0;
	}
	return ok ? 0 : -1;
}

void mss_sha1_hex(const void *buf, size_t len, char out[41])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	out[0] = 0;
	if (!EVP_Digest(buf, len, md, &n, EVP_sha1(), NULL) || n != 20)
		return;
	for (unsigned int i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* ------------------------------------------------------------------ archive listing */

struct entry {
	zip_uint64_t index;
	zip_uint64_t size, csize;     /* declared */
	int encrypted;
	char subset[64];              /* IHE_XDM/<subset>/<file>, "" for anything else */
	char file[64];
};

struct meta {
	char uri[256];
	char hash[64];
	long long size;               /* -1 when absent */
	char cx[256];
	char action[8];
	char uid[160];
};

struct xdm {
	zip_t *za;
	const char *outdir;
	long long max_part;
	struct mss_message *m;
	struct entry *e;
	size_t n;
	unsigned long long total;     /* bytes actually read, all entries */
};


/* A name that must never reach a file system: "" when fine, else why (French). */
static const char *unsafe_name(const char *name)
{
	const char *c = name;

	if (!name[0])
		return "nom vide";
	if (name[0] == '/')
		return "chemin absolu";
	for (; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7F)
			return "caractère de contrôle";
		if (*c == '\\')
			return "barre oblique inverse";
		if (*c == ':')
			return "lecteur ou flux Windows";
	}
	for (c = name; *c; ) {
		size_t k = strcspn(c, "/");

		if (k == 2 && c[0] == '.' && c[1] == '.')
			return "remontée de dossier (..)";
		c += k;
		if (*c == '/')
			c++;
	}
	return "";
}

/* One line of at most 60 characters of a name found in the archive, for a message. */
static void shown(const char *in, char *out, size_t size)
{
	size_t o = 0;

	for (; *in && o + 1 < size && o < 60; in++)
		out[o++] = (unsigned char)*in < 0x20 || *in == 0x7F ? '?' : *in;
	out[o] = 0;
	text_utf8_cut(out);
	if (!text_utf8_valid(out))
		for (char *p = out; *p; p++)
			if ((unsigned char)*p >= 0x80)
				*p = '?';
}

/* Splits name into IHE_XDM/<subset>/<file>, tolerating one wrapping folder. */
static void classify(const char *name, struct entry *e)
{
	char copy[512], *part[6], *save = NULL, *t;
	int n = 0;

	if (strlen(name) >= sizeof copy)
		return;
	snprintf(copy, sizeof copy, "%s", name);
	for (t = strtok_r(copy, "/", &save); t && n < 6; t = strtok_r(NULL, "/", &save))
		part[n++] = t;
	if (t || name[strlen(name) - 1] == '/')
		return;
	for (int i = 0; i <= 1; i++)
		if (n == i + 3 && !strcasecmp(part[i], "IHE_XDM") && strlen(part[i + 1]) < 64 &&
		    strlen(part[i + 2]) < 64) {
			snprintf(e->subset, sizeof e->subset, "%s", part[i + 1]);
			snprintf(e->file, sizeof e->file, "%s", part[i + 2]);
		}
}

static const char *zip_reason(int code)
{
	switch (code) {
	case ZIP_ER_NOZIP:
		return "ce n'est pas une archive ZIP";
	case ZIP_ER_INCONS:
		return "archive ZIP incohérente";
	case ZIP_ER_MEMORY:
		return "mémoire insuffisante";
	default:
		return "archive ZIP endommagée";
	}
}

/* Lists the entries; refuses the whole archive on an unsafe name or an oversize sum. */
static int list_entries(struct xdm *x, char *err, size_t errsize)
{
	zip_int64_t n = zip_get_num_entries(x->za, 0);
	unsigned long long declared = 0;

	if (n < 0 || n > MSS_XDM_MAX_ENTRIES)
		return text_fail(err, errsize, "Archive IHE_XDM.ZIP refusée : %lld fichiers (au plus %d "
			    "acceptés)", (long long)n, MSS_XDM_MAX_ENTRIES);
	if (!(x->e = calloc((size_t)n + 1, sizeof *x->e)))
		return text_fail(err, errsize, "Archive IHE_XDM.ZIP : mémoire insuffisante");
	for (zip_int64_t i = 0; i < n; i++) {
		struct entry *e = &x->e[x->n];
		zip_stat_t st;
		const char *why;
		char name[80];

		zip_stat_init(&st);
		if (zip_stat_index(x->za, (zip_uint64_t)i, ZIP_FL_ENC_RAW, &st) || !st.name)
			return text_fail(err, errsize, "Archive IHE_XDM.ZIP illisible : répertoire central "
				    "endommagé");
		if (*(why = unsafe_name(st.name))) {
			shown(st.name, name, sizeof name);
			return text_fail(err, errsize, "Archive IHE_XDM.ZIP refusée : nom de fichier dangereux "
				    "« %s » (%s)", name, why);
		}
		e->index = (zip_uint64_t)i;
		e->size = (st.valid & ZIP_STAT_SIZE) ? st.size : 0;
		e->csize = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0;
		e->encrypted = (st.valid & ZIP_STAT_ENCRYPTION_METHOD) &&
			       st.encryption_method != ZIP_EM_NONE;
		declared += e->size;
		if (declared > MSS_XDM_MAX_TOTAL)
			return text_fail(err, errsize, "Archive IHE_XDM.ZIP refusée : %llu Mo une fois "
				    "décompressée (au plus %u Mo ; bombe ZIP ?)",
				    declared >> 20, MSS_XDM_MAX_TOTAL >> 20);
		classify(st.name, e);
		x->n++;
	}
	return 0;
}

/* ------------------------------------------------------------------ entry bytes */

/*
 * Reads entry e whole into *out (malloc'd, NUL-terminated). Checks the declared size against
 * limit and the compression ratio first, then counts what the inflater really gives: a lying
 * header stops the reading one byte past the declared size. Returns 0 or -1 with why.
 */
static int read_entry(struct xdm *x, const struct entry *e, unsigned long long limit,
		      char **out, size_t *outlen, char *why, size_t wsize)
{
	zip_file_t *zf;
	char *buf;
	zip_uint64_t got = 0;
	zip_int64_t r = 0;

	*out = NULL;
	*outlen = 0;
	if (e->encrypted)
		return text_fail(why, wsize, "document chiffré dans l'archive, illisible");
	if (e->size > limit)
		return text_fail(why, wsize, "%.1f Mo une fois décompressé, au-delà de la limite de "
			    "%.1f Mo : non extrait", e->size / 1048576.0, limit / 1048576.0);
	if (e->size > 4096 && e->size / (e->csize ? e->csize : 1) > MSS_XDM_MAX_RATIO)
		return text_fail(why, wsize, "taux de compression anormal (bombe ZIP ?) : non extrait");
	if (x->total + e->size > MSS_XDM_MAX_TOTAL)
		return text_fail(why, wsize, "archive trop volumineuse une fois décompressée : non "
			    "extrait");
	if (!(buf = malloc(e->size + 2)))
		return text_fail(why, wsize, "mémoire insuffisante");
	if (!(zf = zip_fopen_index(x->za, e->index, 0))) {
		free(buf);
		return text_fail(why, wsize, "entrée de l'archive illisible (%s)",
			    zip_reason(zip_error_code_zip(zip_get_error(x->za))));
	}
	/* One byte more than declared is asked for, to catch a size that lies. */
	while (got <= e->size && (r = zip_fread(zf, buf + got, e->size + 1 - got)) > 0)
		got += (zip_uint64_t)r;
	zip_fclose(zf);
	x->total += got;
	if (got > e->size) {
		free(buf);
		return text_fail(why, wsize, "taille réelle supérieure à la taille déclarée (bombe ZIP ?) "
			    ": non extrait");
	}
	if (r < 0 || got != e->size) {
		free(buf);
		return text_fail(why, wsize, "données compressées endommagées (contrôle CRC ou taille "
			    "en échec)");
	}
	buf[got] = 0;
	*out = buf;
	*outlen = (size_t)got;
	return 0;
}

/* ------------------------------------------------------------------ METADATA.XML */

static int lname(const xmlNode *n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

static void prop(const xmlNode *n, const char *name, char *out, size_t size)
{
	xmlChar *v = xmlGetProp(n, (const xmlChar *)name);

	xml_line_text(v, out, size);
	xmlFree(v);
}

/* Slot/ValueList/Value texts joined; the IHE multi-part form "1|abc", "2|def" gives "abcdef". */
static void slot_value(const xmlNode *slot, char *out, size_t size)
{
	out[0] = 0;
	for (const xmlNode *vl = slot->children; vl; vl = vl->next) {
		if (!lname(vl, "ValueList"))
			continue;
		for (const xmlNode *v = vl->children; v; v = v->next) {
			char t[256];
			const char *p = t;
			size_t o = strlen(out);

			if (!lname(v, "Value"))
				continue;
			xml_text_cut(v, t, sizeof t);
			while (*p >= '0' && *p <= '9')
				p++;
			p = p > t && *p == '|' ? p + 1 : t;
			if (o + strlen(p) < size)
				snprintf(out + o, size - o, "%s", p);
		}
	}
}

static void read_extrinsic(const xmlNode *eo, struct meta *md)
{
	md->size = -1;
	for (const xmlNode *c = eo->children; c; c = c->next) {
		char name[64], v[256];

		if (lname(c, "Slot")) {
			prop(c, "name", name, sizeof name);
			slot_value(c, v, sizeof v);
			if (!strcmp(name, "URI"))
				snprintf(md->uri, sizeof md->uri, "%s", v);
			else if (!strcmp(name, "hash"))
				snprintf(md->hash, sizeof md->hash, "%s", v);
			else if (!strcmp(name, "size"))
				md->size = v[0] >= '0' && v[0] <= '9' ? strtoll(v, NULL, 10) : -1;
			else if (!strcmp(name, "sourcePatientId"))
				snprintf(md->cx, sizeof md->cx, "%s", v);
			else if (!strcmp(name, "urn:action:extraMetadataSlot"))
				snprintf(md->action, sizeof md->action, "%s", v);
		} else if (lname(c, "ExternalIdentifier")) {
			prop(c, "identificationScheme", name, sizeof name);
			prop(c, "value", v, sizeof v);
			if (!strcmp(name, UUID_UNIQUE_ID))
				snprintf(md->uid, sizeof md->uid, "%s", v);
			else if (!strcmp(name, UUID_PATIENT_ID) && !md->cx[0])
				snprintf(md->cx, sizeof md->cx, "%s", v);
		}
	}
}

/* Every ExtrinsicObject under n (by local name: generators differ in prefixes and default
 * namespaces). */
static void find_extrinsic(const xmlNode *n, int depth, struct meta *md, size_t *count,
			   size_t max)
{
	for (const xmlNode *c = n ? n->children : NULL; c && depth > 0; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (lname(c, "ExtrinsicObject")) {
			if (*count < max)
				read_extrinsic(c, &md[(*count)++]);
		} else {
			find_extrinsic(c, depth - 1, md, count, max);
		}
	}
}

/* "279035121518989^^^&1.2.250.1.213.1.4.8&ISO^NH" (also with "&amp;" left as text): the INS
 * and its OID when the assigning authority is an INS one. */
static void parse_cx(const char *cx, char ins[16], char oid[32])
{
	const char *hat = strchr(cx, '^'), *p;
	size_t idlen = hat ? (size_t)(hat - cx) : strlen(cx);

	ins[0] = oid[0] = 0;
	if (!hat || strncmp(hat, "^^^", 3))
		return;
	for (p = hat + 3; *p && *p != '^'; ) {
		size_t k = strspn(p, "0123456789.");

		if (k > 2 && k < 32 && memchr(p, '.', k) && (p[k] == '&' || p[k] == '^' ||
							    !p[k])) {
			char o[32];

			memcpy(o, p, k);
			o[k] = 0;
			if (idlen == 15 && (!strcmp(o, "1.2.250.1.213.1.4.8") ||
					    !strcmp(o, "1.2.250.1.213.1.4.9") ||
					    !strcmp(o, "1.2.250.1.213.1.4.10") ||
					    !strcmp(o, "1.2.250.1.213.1.4.11"))) {
				memcpy(ins, cx, 15);
				ins[15] = 0;
				snprintf(oid, 32, "%s", o);
			}
			return;
		}
		p += k ? k : 1;
	}
}

/* ------------------------------------------------------------------ documents */

static int is_hex40(const char *h)
{
	if (strlen(h) != 40)
		return 0;
	for (; *h; h++)
		if (!((*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f') ||
		      (*h >= 'A' && *h <= 'F')))
			return 0;
	return 1;
}

static void add_conflict(struct mss_doc *d, const char *text)
{
	size_t o = strlen(d->conflict);

	if (o + strlen(text) + 4 < sizeof d->conflict)
		snprintf(d->conflict + o, sizeof d->conflict - o, "%s%s", o ? " ; " : "", text);
}

static void write_out(struct xdm *x, struct mss_doc *d, const char *name, const void *buf,
		      size_t len, char *path, size_t size)
{
	if (!x->outdir)
		return;
	if (mss_file_write(x->outdir, name, buf, len, path, size))
		snprintf(d->error, sizeof d->error, "Écriture impossible dans l'archive locale "
			 "(%s) : %s", name, strerror(errno));
}

/* The CDA (or PDF) bytes of one document: header, PDF copy, files, checks against md. */
static void read_bytes(struct xdm *x, struct mss_doc *d, char *buf, size_t len,
		       const struct meta *md)
{
	unsigned char *pdf = NULL;
	size_t pdf_len = 0;
	char name[32], e[256];

	mss_sha1_hex(buf, len, d->sha1);
	d->size = (long long)len;
	if (md && ((is_hex40(md->hash) && strcasecmp(md->hash, d->sha1)) ||
		   (md->size >= 0 && md->size != d->size)))
		add_conflict(d, "Empreinte du document différente de METADATA.XML");
	if (len >= 5 && !memcmp(buf, "%PDF-", 5)) {
		d->kind = MSS_DOC_PDF;
		snprintf(d->mime, sizeof d->mime, "application/pdf");
		snprintf(d->name, sizeof d->name, "DOC%04d.pdf", d->seq);
		write_out(x, d, d->name, buf, len, d->file, sizeof d->file);
		snprintf(d->h.patient_ins, sizeof d->h.patient_ins, "%s", d->xdm_ins);
		snprintf(d->h.patient_oid, sizeof d->h.patient_oid, "%s", d->xdm_oid);
		return;
	}
	if (cda_read(buf, len, &d->h, &pdf, &pdf_len, e, sizeof e)) {
		snprintf(d->error, sizeof d->error, "%s", e);
		if (md)
			snprintf(d->h.id, sizeof d->h.id, "%s", md->uid);
	} else if (pdf) {
		snprintf(name, sizeof name, "DOC%04d.pdf", d->seq);
		write_out(x, d, name, pdf, pdf_len, d->pdf, sizeof d->pdf);
	}
	free(pdf);
	write_out(x, d, d->name, buf, len, d->file, sizeof d->file);
	if (d->h.patient_ins[0] && d->xdm_ins[0] &&
	    (strcmp(d->h.patient_ins, d->xdm_ins) || strcmp(d->h.patient_oid, d->xdm_oid))) {
		snprintf(e, sizeof e, "Le patient du document (INS %s) diffère de celui des "
			 "métadonnées XDM (INS %s)", d->h.patient_ins, d->xdm_ins);
		add_conflict(d, e);
	}
	if (md && md->uid[0] && d->h.id[0] && strcmp(md->uid, d->h.id))
		add_conflict(d, "Identifiant du document différent de METADATA.XML");
}

/*
 * One document item: entry e (NULL when METADATA.XML names a missing file), md its metadata
 * (NULL without), meta_err why METADATA.XML was refused ("" fine). Returns -1 when m is full.
 */
static int read_doc(struct xdm *x, const struct entry *e, const struct meta *md,
		    const char *meta_err)
{
	struct mss_doc *d = mss_message_add_doc(x->m);
	unsigned long long limit = CDA_MAX_BYTES;
	char why[200], shownname[80], *buf = NULL;
	size_t len = 0;

	if (!d)
		return -1;
	d->kind = MSS_DOC_CDA;
	snprintf(d->name, sizeof d->name, "DOC%04d.XML", d->seq);
	snprintf(d->mime, sizeof d->mime, "text/xml");
	if (md) {
		parse_cx(md->cx, d->xdm_ins, d->xdm_oid);
		if ((md->action[0] == 'C' || md->action[0] == 'D') && !md->action[1])
			d->action[0] = md->action[0];
	}
	if (x->max_part > 0 && (unsigned long long)x->max_part < limit)
		limit = (unsigned long long)x->max_part;
	if (!e) {
		shown(md->uri, shownname, sizeof shownname);
		snprintf(d->error, sizeof d->error, "Document « %s » annoncé par METADATA.XML mais "
			 "absent de l'archive", shownname);
		snprintf(d->h.id, sizeof d->h.id, "%s", md->uid);
		return 0;
	}
	if (read_entry(x, e, limit, &buf, &len, why, sizeof why)) {
		snprintf(d->error, sizeof d->error, "Document %s de l'archive IHE_XDM : %s",
			 d->name, why);
		if (md)
			snprintf(d->h.id, sizeof d->h.id, "%s", md->uid);
		return 0;
	}
	read_bytes(x, d, buf, len, md);
	free(buf);
	if (meta_err[0])
		snprintf(d->error, sizeof d->error, "%s", meta_err);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	const struct entry *x = *(const struct entry *const *)a, *y = *(const struct entry *const *)b;
	int c = strcasecmp(x->subset, y->subset);

	return c ? c : strcasecmp(x->file, y->file);
}

static int is_doc_name(const char *f)
{
	size_t n = strlen(f);

	return n > 7 && !strncasecmp(f, "DOC", 3) && !strcasecmp(f + n - 4, ".XML");
}

/* METADATA.XML of a subset into md (count): 0, or -1 with why (refused or unreadable). */
static int read_metadata(struct xdm *x, const struct entry *e, struct meta *md, size_t *count,
			 char *why, size_t wsize)
{
	char *buf, e2[200];
	size_t len;
	xmlDocPtr doc;

	if (read_entry(x, e, XDM_MAX_METADATA, &buf, &len, e2, sizeof e2))
		return text_fail(why, wsize, "Métadonnées XDM (METADATA.XML) illisibles : %s", e2);
	doc = cda_xml_read(buf, len, "Métadonnées XDM (METADATA.XML)", why, wsize);
	free(buf);
	if (!doc)
		return -1;
	find_extrinsic((const xmlNode *)doc, XDM_MAX_DEPTH, md, count, MSS_XDM_MAX_ENTRIES);
	xmlFreeDoc(doc);
	return 0;
}

/* The documents of one subset (entries s[0..n-1], sorted by file name). */
static int read_subset(struct xdm *x, struct entry **s, size_t n)
{
	struct meta *md = NULL;
	size_t nmd = 0;
	const struct entry *meta = NULL;
	char meta_err[256] = "";
	unsigned char *used = calloc(n + 1, 1);
	int rc = 0;

	if (!used)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (!strcasecmp(s[i]->file, "METADATA.XML"))
			meta = s[i];
	if (meta && !(md = calloc(MSS_XDM_MAX_ENTRIES, sizeof *md))) {
		free(used);
		return -1;
	}
	if (meta && read_metadata(x, meta, md, &nmd, meta_err, sizeof meta_err))
		nmd = 0;
	/* Documents named by the metadata first, in its order. */
	for (size_t k = 0; k < nmd && !rc; k++) {
		const char *base = strrchr(md[k].uri, '/');
		const struct entry *found = NULL;

		base = base ? base + 1 : md[k].uri;
		if (!base[0])
			continue;
		for (size_t i = 0; i < n && !found; i++)
			if (!used[i] && !strcasecmp(s[i]->file, base)) {
				found = s[i];
				used[i] = 1;
			}
		rc = read_doc(x, found, &md[k], meta_err);
	}
	/* Then DOC*.XML the metadata does not name (or all of them without metadata). */
	for (size_t i = 0; i < n && !rc; i++)
		if (!used[i] && is_doc_name(s[i]->file))
			rc = read_doc(x, s[i], NULL, meta_err);
	free(md);
	free(used);
	return rc;
}

static int read_subsets(struct xdm *x, char *err, size_t errsize)
{
	struct entry **s = calloc(x->n + 1, sizeof *s);
	size_t k = 0, before = x->m->n_docs;
	int rc = 0;

	if (!s)
		return text_fail(err, errsize, "Archive IHE_XDM.ZIP : mémoire insuffisante");
	for (size_t i = 0; i < x->n; i++)
		if (x->e[i].subset[0])
			s[k++] = &x->e[i];
	qsort(s, k, sizeof *s, name_cmp);
	for (size_t i = 0, j; i < k && !rc; i = j) {
		for (j = i + 1; j < k && !strcasecmp(s[j]->subset, s[i]->subset); j++)
			;
		rc = read_subset(x, s + i, j - i);
	}
	free(s);
	if (rc)
		return text_fail(err, errsize, "Archive IHE_XDM.ZIP : trop de documents ou mémoire "
			    "insuffisante");
	if (x->m->n_docs == before)
		return text_fail(err, errsize, "Archive IHE_XDM.ZIP sans document : aucun "
			    "IHE_XDM/SUBSETnn/DOCnnnn.XML");
	return 0;
}

int mss_read_xdm(const void *zip, size_t len, const char *outdir, long long max_part,
		 struct mss_message *m, char *err, size_t errsize)
{
	struct xdm x = { .outdir = outdir, .max_part = max_part, .m = m };
	zip_error_t ze;
	zip_source_t *src;
	int rc;

	if (err && errsize)
		err[0] = 0;
	if (!zip || len < 22)
		return text_fail(err, errsize, "Archive IHE_XDM.ZIP illisible : ce n'est pas une archive "
			    "ZIP");
	if (outdir && mss_dir_make(outdir))
		return text_fail(err, errsize, "Dossier de l'archive locale impossible à créer : %s",
			    strerror(errno));
	zip_error_init(&ze);
	if (!(src = zip_source_buffer_create(zip, len, 0, &ze))) {
		zip_error_fini(&ze);
		return text_fail(err, errsize, "Archive IHE_XDM.ZIP : mémoire insuffisante");
	}
	if (!(x.za = zip_open_from_source(src, ZIP_RDONLY, &ze))) {
		rc = zip_error_code_zip(&ze);
		zip_source_free(src);
		zip_error_fini(&ze);
		return text_fail(err, errsize, "Archive IHE_XDM.ZIP illisible : %s", zip_reason(rc));
	}
	zip_error_fini(&ze);
	rc = list_entries(&x, err, errsize);
	if (!rc)
		rc = read_subsets(&x, err, errsize);
	zip_discard(x.za);
	free(x.e);
	return rc;
}
