/* Fuzz target of the DMP answer parsers (TD0.2, TD0.3, TD3.1, TD3.2 with MTOM), the CDA reader
 * and the vigie-net wire: libFuzzer entry point, plus a standalone driver (FUZZ_STANDALONE)
 * that replays tests/data/dmp and seeded random mutations under make check. */
#include "cda/cda_read.h"
#include "core/dmp_wire.h"
#include "net/dmp.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CX "288046311341243^^^&1.2.250.1.213.1.4.10&ISO^NH"

static const struct dmp_patient pat = { "288046311341243", "1.2.250.1.213.1.4.10" };

/* ------------------------------------------------------------------ invariants */

static int utf8_ok(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = *p < 0x80 ? 0 : (*p & 0xE0) == 0xC0 ? 1 : (*p & 0xF0) == 0xE0 ? 2
			: (*p & 0xF8) == 0xF0 ? 3 : -1;

		if (n < 0)
			return 0;
		p++;
		while (n--)
			if ((*p++ & 0xC0) != 0x80)
				return 0;
	}
	return 1;
}

/* NUL inside the array, valid UTF-8, and no control character that could forge a line. */
static int text_ok(const char *s, size_t size)
{
	if (!memchr(s, 0, size) || !utf8_ok(s))
		return 0;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20)
			return 0;
	return 1;
}

#define TEXT_OK(f) text_ok((f), sizeof(f))

/* An error is one of the kinds a parser may give, with a message fit for one line. */
static int error_ok(int rc, const struct dmp_error *e)
{
	return (rc == DMP_ERR_PARSE || rc == DMP_ERR_FAULT || rc == DMP_ERR_MISMATCH) &&
	       e->kind == rc && e->message[0] && TEXT_OK(e->message) && TEXT_OK(e->code);
}

static int status_ok(const struct dmp_status *st)
{
	return st->state <= DMP_STATE_CLOSED && st->authz <= DMP_AUTHZ_BLOCKED &&
	       TEXT_OK(st->closed_date) && TEXT_OK(st->closed_reason) && TEXT_OK(st->authz_end) &&
	       (!st->closed_date[0] || strlen(st->closed_date) == 10) &&
	       (!st->authz_end[0] || strlen(st->authz_end) == 10) && !strcmp(st->ins, pat.ins);
}

static int hash_ok(const char *h)
{
	if (!h[0])
		return 1;
	if (strlen(h) != 40)
		return 0;
	for (; *h; h++)
		if (!((*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f')))
			return 0;
	return 1;
}

static int doc_ok(const struct dmp_doc *d)
{
	/* Every kept entry is about the patient asked, and the identifiers are whole. */
	return !strcmp(d->patient_id, CX) && d->unique_id[0] && hash_ok(d->hash) &&
	       TEXT_OK(d->entry_uuid) && TEXT_OK(d->unique_id) && TEXT_OK(d->repository_id) &&
	       TEXT_OK(d->title) && TEXT_OK(d->type_code) && TEXT_OK(d->type_label) &&
	       TEXT_OK(d->class_code) && TEXT_OK(d->format_code) && TEXT_OK(d->mime) &&
	       TEXT_OK(d->author) && TEXT_OK(d->author_profession) &&
	       TEXT_OK(d->creation_time) && TEXT_OK(d->service_start) &&
	       TEXT_OK(d->submission_time) && TEXT_OK(d->status) && d->size >= -1;
}

static int cda_ok(const struct cda_header *h, const unsigned char *pdf, size_t n)
{
	if (!TEXT_OK(h->id) || !TEXT_OK(h->set_id) || !TEXT_OK(h->code) ||
	    !TEXT_OK(h->code_label) || !TEXT_OK(h->title) || !TEXT_OK(h->effective_time) ||
	    !TEXT_OK(h->patient_ins) || !TEXT_OK(h->patient_oid) || !TEXT_OK(h->patient_family) ||
	    !TEXT_OK(h->patient_given) || !TEXT_OK(h->patient_birth) || !TEXT_OK(h->patient_sex) ||
	    !TEXT_OK(h->author) || !TEXT_OK(h->author_profession) || !TEXT_OK(h->related_id))
		return 0;
	if (h->patient_ins[0] && strlen(h->patient_ins) != 15)
		return 0;
	if (h->level != 0 && h->level != 1 && h->level != 3)
		return 0;
	return h->has_pdf ? pdf && n >= 5 && !memcmp(pdf, "%PDF-", 5) : pdf == NULL;
}

static int check_td02_td03(const char *xml, size_t size)
{
	struct dmp_status st;
	struct dmp_error e;
	int rc = dmp_parse_td02(xml, size, &pat, &st, &e);

	if (rc ? !error_ok(rc, &e) : !status_ok(&st))
		return 0;
	rc = dmp_parse_td03(xml, size, &pat, &st, &e);
	return rc ? error_ok(rc, &e) && rc != DMP_ERR_MISMATCH
		  : status_ok(&st) && st.authz != DMP_AUTHZ_UNKNOWN;
}

static int check_td31(const char *xml, size_t size)
{
	struct dmp_doc *d;
	size_t n;
	struct dmp_error e;
	int rc = dmp_parse_td31(xml, size, &pat, &d, &n, &e), ok = 1;

	if (rc)
		return error_ok(rc, &e) && !d && !n;
	for (size_t i = 0; i < n; i++)
		ok &= doc_ok(&d[i]);
	free(d);
	return ok;
}

static int check_cda(const char *xml, size_t size)
{
	struct cda_header h;
	unsigned char *pdf;
	size_t n;
	char err[320];
	int rc = cda_read(xml, size, &h, &pdf, &n, err, sizeof err), ok;

	if (rc)
		return rc >= CDA_ERR_INVALID && rc < 0 && err[0] && TEXT_OK(err) && !pdf;
	ok = cda_ok(&h, pdf, n);
	free(pdf);
	return ok;
}

static int check_td32(const char *ctype, const char *body, size_t size)
{
	unsigned char *doc;
	size_t n;
	char mime[64];
	struct dmp_error e;
	struct dmp_mtom m;
	int rc = dmp_parse_td32(ctype, body, size, "1.2.250.1.999.1.1^N1.2024.1", &doc, &n, mime,
				sizeof mime, &e);

	if (rc)
		return error_ok(rc, &e) && !doc;
	free(doc);
	if (!TEXT_OK(mime))
		return 0;
	if (!ctype)
		return 1;
	/* A successful MTOM read means parts that lie inside the body. */
	if (dmp_mtom_parse(ctype, body, size, &m, &e) || m.root >= m.n)
		return 0;
	for (size_t i = 0; i < m.n; i++)
		if (m.part[i].data < body || m.part[i].data + m.part[i].len > body + size)
			return 0;
	return 1;
}

/* The same bytes read as the text of a vigie-net reply and request. */
static int check_wire(const char *text)
{
	struct dmp_reply r;
	struct dmp_request rq;
	char err[200];
	int rc = dmp_reply_parse(text, &r), ok;

	ok = rc <= 0 && rc >= DMP_ERR_MISMATCH && r.rc == rc && TEXT_OK(r.err.message) &&
	     (rc == 0 || (r.n_docs == 0 && !r.docs));
	dmp_reply_free(&r);
	if (dmp_request_parse(text, &rq, err, sizeof err) == 0)
		ok &= rq.op >= DMP_OP_STATUS && rq.op <= DMP_OP_RETRIEVE;
	return ok;
}

/* Returns 1 when every invariant holds. Input that starts with "multipart/" is a TD3.2
 * answer whose first line is its Content-Type. */
static int check_one(const uint8_t *data, size_t size)
{
	char *copy = malloc(size + 1), ctype[512];
	const char *nl;
	int ok;

	if (!copy)
		return 1;
	memcpy(copy, data, size);
	copy[size] = 0;
	if (size > 10 && !memcmp(copy, "multipart/", 10) && (nl = memchr(copy, '\n', size)) &&
	    (size_t)(nl - copy) < sizeof ctype) {
		snprintf(ctype, sizeof ctype, "%.*s", (int)(nl - copy), copy);
		ok = check_td32(ctype, nl + 1, size - (size_t)(nl + 1 - copy));
	} else {
		ok = check_td02_td03(copy, size) && check_td31(copy, size) &&
		     check_td32(NULL, copy, size) && check_cda(copy, size);
	}
	ok = ok && check_wire(copy);
	free(copy);
	return ok;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!check_one(data, size))
		abort();
	return 0;
}

#ifdef FUZZ_STANDALONE
/* ------------------------------------------------------------------ standalone driver */

#include <dirent.h>

#ifndef DMP_TEST_DATA
#define DMP_TEST_DATA "tests/data/dmp"
#endif

#define FUZZ_MAX_INPUT (64 * 1024)
#define MAX_FILES 256

struct corpus {
	uint8_t *data[MAX_FILES];
	size_t size[MAX_FILES];
	char *name[MAX_FILES];
	int n;
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible from the printed seed */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

static size_t rnd_below(size_t n)
{
	return n ? (size_t)(rnd() % n) : 0;
}

static int wanted(const char *name)
{
	size_t n = strlen(name);

	return (n > 4 && !strcmp(name + n - 4, ".xml")) || (n > 5 && !strcmp(name + n - 5, ".mtom"));
}

static int load_dir(const char *dir, struct corpus *c)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return -1;
	while ((de = readdir(d)) && c->n < MAX_FILES) {
		char path[2048];
		FILE *f;

		if (!wanted(de->d_name))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (!(f = fopen(path, "rb")))
			continue;
		c->data[c->n] = malloc(FUZZ_MAX_INPUT);
		c->size[c->n] = fread(c->data[c->n], 1, FUZZ_MAX_INPUT, f);
		fclose(f);
		c->name[c->n] = strdup(de->d_name);
		c->n++;
	}
	closedir(d);
	return 0;
}

/* Tokens that steer mutations towards the parsers' decisions. */
static const char *const tokens[] = {
	"<!DOCTYPE x [<!ENTITY e \"&e;\">]>", "&e;", "&amp;", "&#10;", "&#0;", "<![CDATA[", "]]>",
	"\r\n--MIMEBoundary_4a1f0c9e7d2b\r\n", "--MIMEBoundary_4a1f0c9e7d2b--", "\r\n\r\n",
	"Content-ID: <doc1@sim>\r\n", "Content-Transfer-Encoding: base64\r\n", "cid:doc1@sim",
	"<xop:Include href=\"cid:x\" xmlns:xop=\"http://www.w3.org/2004/08/xop/include\"/>",
	"<hl7:statusCode code=\"completed\"/>", "<dmp:etat>FERME</dmp:etat>", "BLOQUEE",
	"<hl7:queryResponseCode code=\"NF\"/>", "extension=\"180036322011182\"",
	"status=\"urn:oasis:names:tc:ebxml-regrep:ResponseStatusType:Failure\"",
	"<rim:ExtrinsicObject id=\"x\">", "</rim:ExtrinsicObject>", "INVISIBLE_PATIENT",
	"mediaType=\"application/pdf\" representation=\"B64\"", "JVBERi0xLjQK", "====",
	"<nonXMLBody>", "<structuredBody>", "root=\"1.2.250.1.213.1.1.2.243\"", "typeCode=\"RPLC\"",
	"<soap:Fault>", "\xC3\xA9", "\xFF\xFE", "\n", "\ndoc: begin\n", "\ndoc: end\n",
	"\ndocs: 3\n", "\nkind: 0\n", "\nend:\n", "<!--", "-->", ">", "<", "\"", "'",
};

static size_t mutate(uint8_t *buf, size_t len, size_t cap, const struct corpus *c)
{
	size_t pos = rnd_below(len + 1), n;
	const char *t;

	switch (rnd_below(7)) {
	case 0: /* flip bits */
		if (len)
			buf[rnd_below(len)] ^= (uint8_t)(1u << rnd_below(8));
		return len;
	case 1: /* random byte */
		if (len)
			buf[rnd_below(len)] = (uint8_t)rnd();
		return len;
	case 2: /* delete a range */
		n = rnd_below(len - pos + 1) % 64;
		memmove(buf + pos, buf + pos + n, len - pos - n);
		return len - n;
	case 3: /* truncate */
		return pos;
	case 4: /* duplicate a range */
		n = rnd_below(len - pos + 1) % 256;
		if (len + n > cap)
			return len;
		memmove(buf + pos + n, buf + pos, len - pos);
		return len + n;
	case 5: /* splice a piece of another file */
	{
		int i = (int)rnd_below((size_t)c->n);
		size_t from = rnd_below(c->size[i]), m = rnd_below(c->size[i] - from + 1) % 512;

		if (len + m > cap)
			return len;
		memmove(buf + pos + m, buf + pos, len - pos);
		memcpy(buf + pos, c->data[i] + from, m);
		return len + m;
	}
	default: /* insert a token */
		t = tokens[rnd_below(sizeof tokens / sizeof tokens[0])];
		n = strlen(t);
		if (len + n > cap)
			return len;
		memmove(buf + pos + n, buf + pos, len - pos);
		memcpy(buf + pos, t, n);
		return len + n;
	}
}

static void dump(const uint8_t *data, size_t size)
{
	fprintf(stderr, "fuzz_dmp: failing input (%zu bytes):\n", size);
	fwrite(data, 1, size, stderr);
	fputc('\n', stderr);
}

static long env_long(const char *name, long def)
{
	const char *v = getenv(name);

	return v && *v ? strtol(v, NULL, 10) : def;
}

static int run_corpus(const struct corpus *c)
{
	int bad = 0;

	for (int k = 0; k < c->n; k++) {
		if (!check_one(c->data[k], c->size[k])) {
			bad++;
			fprintf(stderr, "fuzz_dmp: invariant broken on %s\n", c->name[k]);
		}
	}
	return bad;
}

static int run_mutations(const struct corpus *c, long iterations)
{
	uint8_t *buf = malloc(2 * FUZZ_MAX_INPUT);
	int bad = 0;

	if (!buf)
		return 1;
	for (long i = 0; i < iterations; i++) {
		int k = (int)rnd_below((size_t)c->n), rounds = 1 + (int)rnd_below(4);
		size_t len = c->size[k];

		memcpy(buf, c->data[k], len);
		while (rounds--)
			len = mutate(buf, len, 2 * FUZZ_MAX_INPUT, c);
		if (!check_one(buf, len) && bad++ < 3)
			dump(buf, len);
	}
	free(buf);
	return bad;
}

int main(int argc, char **argv)
{
	struct corpus c = { 0 };
	const char *src = getenv("SRCDIR");
	char dir[1024];
	long iterations = env_long("FUZZ_ITERATIONS", 20000), seed = env_long("FUZZ_SEED", 20240502);
	int bad_files, bad_mutations;

	rng_state = (uint64_t)seed;
	if (argc > 1)
		snprintf(dir, sizeof dir, "%s", argv[1]);
	else if (src && *src)
		snprintf(dir, sizeof dir, "%s/tests/data/dmp", src);
	else
		snprintf(dir, sizeof dir, "%s", DMP_TEST_DATA);
	if (load_dir(dir, &c) || c.n == 0) {
		fprintf(stderr, "fuzz_dmp: no corpus in %s\nfuzz_dmp: 0 passed, 1 failed\n", dir);
		return 1;
	}
	dmp_global_init();
	bad_files = run_corpus(&c);
	bad_mutations = run_mutations(&c, iterations);
	if (bad_mutations)
		fprintf(stderr, "fuzz_dmp: %d of %ld mutations broke an invariant\n", bad_mutations,
			iterations);
	printf("fuzz_dmp: %d corpus files, %ld mutations (seed %ld)\n", c.n, iterations, seed);
	printf("fuzz_dmp: %d passed, %d failed\n", c.n - bad_files + !bad_mutations,
	       bad_files + !!bad_mutations);
	for (int k = 0; k < c.n; k++) {
		free(c.data[k]);
		free(c.name[k]);
	}
	dmp_global_cleanup();
	return bad_files || bad_mutations ? 1 : 0;
}
#endif
