/* Fuzz target of the MSSanté readers: a whole MIME message, an IHE_XDM.ZIP archive, a CDA
 * header (the first byte chooses). libFuzzer entry point, plus a standalone driver
 * (FUZZ_STANDALONE) that mutates a corpus built in memory, with a fixed seed, under make check. */
#include "cda/cda_read.h"
#include "core/mss_wire.h"
#include "net/mss.h"
#include "../tests/unit/test_mss_fixtures.h"

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

/* NUL inside the array, valid UTF-8, no control character (the fields travel as kv lines). */
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

static void check(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "fuzz_mss: invariant broken: %s\n", what);
		abort();
	}
}

static void check_header(const struct cda_header *h)
{
	check(TEXT_OK(h->id) && TEXT_OK(h->set_id) && TEXT_OK(h->code) && TEXT_OK(h->code_label) &&
	      TEXT_OK(h->title) && TEXT_OK(h->effective_time) && TEXT_OK(h->patient_ins) &&
	      TEXT_OK(h->patient_oid) && TEXT_OK(h->patient_family) &&
	      TEXT_OK(h->patient_given) && TEXT_OK(h->patient_birth) && TEXT_OK(h->patient_sex) &&
	      TEXT_OK(h->author) && TEXT_OK(h->author_profession) && TEXT_OK(h->related_id) &&
	      TEXT_OK(h->patient_used_family) && TEXT_OK(h->patient_given_all) &&
	      TEXT_OK(h->patient_birth_place) && TEXT_OK(h->care_date) && TEXT_OK(h->author_org),
	      "CDA header text");
	check(h->abnormal >= -1 && (h->abnormal == -1 || !strcmp(h->code, "11502-2")),
	      "abnormal only for a CR-BIO");
	check(!h->patient_ins[0] || strlen(h->patient_ins) == 15, "INS of 15 characters");
}

static void check_message(const struct mss_message *m, int whole)
{
	check(TEXT_OK(m->message_id) && TEXT_OK(m->from) && TEXT_OK(m->from_name) &&
	      TEXT_OK(m->subject) && TEXT_OK(m->date) && TEXT_OK(m->error) && TEXT_OK(m->sha1),
	      "message text");
	check(!whole || m->n_docs >= 1, "at least one item");
	check(strncasecmp(m->subject, "XDM/1.0/DDM", 11) != 0, "XDM prefix hidden");
	check(!m->date[0] || strlen(m->date) == 14, "date AAAAMMJJhhmmss");
	for (size_t i = 0; i < m->n_docs; i++) {
		const struct mss_doc *d = &m->docs[i];

		check(d->seq == (int)i + 1 && d->kind >= MSS_DOC_CDA && d->kind <= MSS_DOC_OTHER,
		      "item numbering and kind");
		check(TEXT_OK(d->name) && TEXT_OK(d->mime) && TEXT_OK(d->action) &&
		      TEXT_OK(d->xdm_ins) && TEXT_OK(d->xdm_oid) && TEXT_OK(d->conflict) &&
		      TEXT_OK(d->sha1) && TEXT_OK(d->error), "item text");
		check(!d->file[0] && !d->pdf[0], "nothing written without an archive");
		check(!d->action[0] || !strcmp(d->action, "C") || !strcmp(d->action, "D"),
		      "action C or D");
		check_header(&d->h);
	}
}

/* ------------------------------------------------------------------ targets */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mss_message m = { 0 };
	struct cda_header h;
	unsigned char *pdf = NULL;
	size_t pdf_len = 0;
	char err[256];

	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		check(!mss_read_message_mem(data + 1, size - 1, NULL, NULL, 1 << 20, &m, err,
					    sizeof err), "a message in memory is always read");
		check_message(&m, 1);
		break;
	case 1:
		if (mss_read_xdm(data + 1, size - 1, NULL, 1 << 20, &m, err, sizeof err))
			check(err[0] && text_ok(err, sizeof err), "XDM error message");
		check_message(&m, 0);
		break;
	default:
		if (cda_read((const char *)data + 1, size - 1, &h, &pdf, &pdf_len, err, sizeof err))
			check(err[0] && !pdf && h.abnormal == -1, "CDA error");
		else
			check_header(&h);
		free(pdf);
		break;
	}
	mss_message_free(&m);
	return 0;
}

#ifdef FUZZ_STANDALONE

/* ------------------------------------------------------------------ standalone driver */

static unsigned long long seed = 0x5eed5eedULL;

static unsigned rnd(void)
{
	seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)(seed >> 33);
}

/* One mutation of in[len] (with the target byte first) into a new buffer. */
static unsigned char *mutate(unsigned char target, const unsigned char *in, size_t len,
			     size_t *out_len)
{
	size_t cap = len + 64, n = len;
	unsigned char *b = malloc(cap + 1);

	memcpy(b + 1, in, len);
	b[0] = target;
	for (unsigned k = 1 + rnd() % 4; k > 0; k--) {
		size_t at = n ? rnd() % n : 0;

		switch (rnd() % 5) {
		case 0:                          /* flip bytes */
			for (unsigned j = 0; j < 1 + rnd() % 8 && n; j++)
				b[1 + (at + j) % n] = (unsigned char)rnd();
			break;
		case 1:                          /* truncate */
			n = at;
			break;
		case 2:                          /* insert */
			if (n + 8 <= cap) {
				memmove(b + 1 + at + 8, b + 1 + at, n - at);
				for (int j = 0; j < 8; j++)
					b[1 + at + (size_t)j] = (unsigned char)"<>&\"=\r\n\0"[rnd() % 8];
				n += 8;
			}
			break;
		case 3:                          /* copy a slice over another place */
			if (n > 16) {
				size_t from = rnd() % (n - 16);

				memmove(b + 1 + at % (n - 16), b + 1 + from, 16);
			}
			break;
		default:                         /* overwrite with a digit run (sizes, counts) */
			for (unsigned j = 0; j < 4 && at + j < n; j++)
				b[1 + at + j] = (unsigned char)('0' + rnd() % 10);
			break;
		}
	}
	*out_len = n + 1;
	return b;
}

struct seed_input {
	unsigned char target;
	unsigned char *data;
	size_t len;
};

int main(int argc, char **argv)
{
	int iterations = argc > 1 ? atoi(argv[1]) : 3000;
	struct seed_input corpus[10];
	size_t nc = 0, len;
	static const char patient[] =
		"From: 279035121518989@patient.mssante.fr\r\nSubject: =?UTF-8?Q?XDM/1.0/DDM+r=C3=A9sultat?=\r\n"
		"Date: Fri, 03 May 2024 23:30:00 -0100\r\nContent-Type: text/html; charset=latin1\r\n"
		"\r\n<p>Bonjour &eacute;t&#xE9;</p>\r\n";
	struct fx_entry e[2];
	char *a, *b;
	size_t la, lb;

	corpus[nc++] = (struct seed_input){ 0, (unsigned char *)fx_typical(&len), len };
	corpus[nc - 1].len = len;
	corpus[nc++] = (struct seed_input){ 0, (unsigned char *)g_strdup(patient),
					    sizeof patient - 1 };
	corpus[nc].target = 1;
	corpus[nc].data = fx_crbio_xdm("D", 1, &corpus[nc].len);
	nc++;
	a = fx_vacc(FX_INS, &la);
	b = fx_n1(FX_INS, &lb);
	e[0] = (struct fx_entry){ "IHE_XDM/SUBSET01/DOC0001.XML", a, la };
	e[1] = (struct fx_entry){ "x/IHE_XDM/SUBSET02/DOC0001.XML", b, lb };
	corpus[nc].target = 1;
	corpus[nc].data = fx_zip(e, 2, 1, &corpus[nc].len);
	nc++;
	corpus[nc++] = (struct seed_input){ 2, (unsigned char *)fx_crbio(FX_INS, "1", "2", 3,
									  "0", 1, &len), 0 };
	corpus[nc - 1].len = len;
	corpus[nc++] = (struct seed_input){ 2, (unsigned char *)a, la };
	corpus[nc++] = (struct seed_input){ 2, (unsigned char *)b, lb };

	/* Each seed whole, then the mutations: iterations per target. */
	for (size_t i = 0; i < nc; i++) {
		size_t n;
		unsigned char *in = mutate(corpus[i].target, corpus[i].data, corpus[i].len, &n);

		memcpy(in + 1, corpus[i].data, corpus[i].len);
		LLVMFuzzerTestOneInput(in, corpus[i].len + 1);
		free(in);
	}
	for (int t = 0; t < 3; t++) {
		size_t k[10], nk = 0;

		for (size_t i = 0; i < nc; i++)
			if (corpus[i].target == t)
				k[nk++] = i;
		for (int it = 0; it < iterations; it++) {
			const struct seed_input *s = &corpus[k[rnd() % nk]];
			size_t n;
			unsigned char *in = mutate(s->target, s->data, s->len, &n);

			LLVMFuzzerTestOneInput(in, n);
			free(in);
		}
	}
	printf("fuzz_mss: %zu seeds, 3 targets x %d mutations, no invariant broken\n", nc,
	       iterations);
	for (size_t i = 0; i < nc; i++)
		if (corpus[i].data != (unsigned char *)a && corpus[i].data != (unsigned char *)b)
			g_free(corpus[i].data);
	g_free(a);
	g_free(b);
	return 0;
}

#endif
