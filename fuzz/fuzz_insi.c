/* Fuzz target of the INSi answer parser: libFuzzer entry point, plus a standalone driver
 * (FUZZ_STANDALONE) that replays a corpus and seeded random mutations under make check. */
#include "net/insi.h"

#include "core/nir.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

static int ins_ok(const struct insi_ins *i)
{
	int expected = nir_compute_key(i->num);

	if (!TEXT_OK(i->num) || strlen(i->num) != 13 || !TEXT_OK(i->key) || !TEXT_OK(i->type) ||
	    !TEXT_OK(i->oid) || !TEXT_OK(i->date_deb) || !TEXT_OK(i->date_fin))
		return 0;
	/* key_ok must be exactly "the key is there and verifies". */
	return i->key_ok == (i->key[0] && expected > 0 && expected == atoi(i->key));
}

static int result_ok(const struct insi_result *r)
{
	int anomaly;

	if (strcmp(r->cr, "00") && strcmp(r->cr, "01") && strcmp(r->cr, "02"))
		return 0;
	if (!TEXT_OK(r->cr_label) || !TEXT_OK(r->birth_name) || !TEXT_OK(r->first_name) ||
	    !TEXT_OK(r->first_names) || !TEXT_OK(r->sex) || !TEXT_OK(r->birth_date) ||
	    !TEXT_OK(r->birth_cog))
		return 0;
	if (!strcmp(r->cr, "00") != !!r->has_individu)
		return 0;
	if (!r->has_individu)
		return r->n_history == 0 && !r->key_anomaly;
	if (r->n_history < 0 || r->n_history > INSI_HISTO_MAX || r->n_history_total < r->n_history ||
	    !ins_ok(&r->active))
		return 0;
	anomaly = !r->active.key_ok;
	for (int i = 0; i < r->n_history; i++) {
		if (!ins_ok(&r->history[i]))
			return 0;
		anomaly |= !r->history[i].key_ok;
	}
	/* History entries beyond the kept ones may also carry a bad key. */
	return r->n_history_total > r->n_history ? r->key_anomaly >= anomaly
						 : r->key_anomaly == anomaly;
}

/* Returns 1 when every invariant holds. */
static int check_one(const uint8_t *data, size_t size)
{
	struct insi_result r;
	struct insi_error e;
	FILE *sink = fopen("/dev/null", "w");
	int rc = insi_parse_response((const char *)data, size, &r, &e), ok;

	if (rc == 0)
		ok = result_ok(&r);
	else
		ok = (rc == INSI_ERR_PARSE || rc == INSI_ERR_FAULT) && e.kind == rc && e.message[0] &&
		     TEXT_OK(e.message) && TEXT_OK(e.code) && TEXT_OK(e.subcode);
	if (sink) {
		if (rc == 0)
			insi_result_print(sink, &r);
		else
			insi_error_print(sink, &e);
		fclose(sink);
	}
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

#ifndef INSI_TEST_DATA
#define INSI_TEST_DATA "tests/data/insi"
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

static int load_dir(const char *dir, struct corpus *c)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return -1;
	while ((de = readdir(d)) && c->n < MAX_FILES) {
		char path[2048];
		FILE *f;
		size_t n;

		if (!strstr(de->d_name, ".xml"))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		if (!(f = fopen(path, "rb")))
			continue;
		c->data[c->n] = malloc(FUZZ_MAX_INPUT);
		n = fread(c->data[c->n], 1, FUZZ_MAX_INPUT, f);
		fclose(f);
		c->size[c->n] = n;
		c->name[c->n] = strdup(de->d_name);
		c->n++;
	}
	closedir(d);
	return 0;
}

/* Tokens that steer mutations towards the parser's decisions. */
static const char *const tokens[] = {
	"<!DOCTYPE x [<!ENTITY e \"&e;\">]>", "&e;", "&amp;", "&#10;", "&#0;", "<![CDATA[", "]]>",
	"<INSHISTO>", "</INSHISTO>", "<DateDeb>2019-03-01</DateDeb>", "<Cle>", "</Cle>",
	"<NumIdentifiant>297022A020778</NumIdentifiant>", "xmlns=\"http://www.cnamts.fr/INSiResultat\"",
	"xmlns=\"urn:other\"", "<CodeCR>00</CodeCR>", "<CodeCR>01</CodeCR>", "<INDIVIDU>",
	"</INDIVIDU>", "<TIQ>", "<S:Fault>", "code=\"insi_102\"", "\xC3\xA9", "\xFF\xFE", "\n",
	"<?xml version=\"1.0\" encoding=\"UTF-16\"?>", "<!--", "-->", ">", "<", "\"", "'",
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
	fprintf(stderr, "fuzz_insi: failing input (%zu bytes):\n", size);
	fwrite(data, 1, size, stderr);
	fputc('\n', stderr);
}

static long env_long(const char *name, long def)
{
	const char *v = getenv(name);

	return v && *v ? strtol(v, NULL, 10) : def;
}

/* Returns the number of corpus files that broke an invariant. */
static int run_corpus(const struct corpus *c)
{
	int bad = 0;

	for (int k = 0; k < c->n; k++) {
		if (!check_one(c->data[k], c->size[k])) {
			bad++;
			fprintf(stderr, "fuzz_insi: invariant broken on %s\n", c->name[k]);
		}
	}
	return bad;
}

/* Returns the number of mutated inputs that broke an invariant (the first ones are shown). */
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
		snprintf(dir, sizeof dir, "%s/tests/data/insi", src);
	else
		snprintf(dir, sizeof dir, "%s", INSI_TEST_DATA);
	if (load_dir(dir, &c) || c.n == 0) {
		fprintf(stderr, "fuzz_insi: no corpus in %s\nfuzz_insi: 0 passed, 1 failed\n", dir);
		return 1;
	}
	insi_global_init();
	bad_files = run_corpus(&c);
	bad_mutations = run_mutations(&c, iterations);
	if (bad_mutations)
		fprintf(stderr, "fuzz_insi: %d of %ld mutations broke an invariant\n", bad_mutations,
			iterations);
	printf("fuzz_insi: %d corpus files, %ld mutations (seed %ld)\n", c.n, iterations, seed);
	/* One check per corpus file, and the whole mutation campaign as one more. */
	printf("fuzz_insi: %d passed, %d failed\n", c.n - bad_files + !bad_mutations,
	       bad_files + !!bad_mutations);
	for (int k = 0; k < c.n; k++) {
		free(c.data[k]);
		free(c.name[k]);
	}
	insi_global_cleanup();
	return bad_files || bad_mutations ? 1 : 0;
}
#endif
