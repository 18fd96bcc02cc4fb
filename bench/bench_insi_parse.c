/* bench_insi_parse: time to parse a typical INSi answer (CR 00, two INSHISTO); figures only. */
#include "net/insi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DEFAULT_RUNS 20000
#define TARGET_MS 1.0 /* issue 3: parsing an INSi answer <= 1 ms */

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static char *load(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*len = (size_t)n;
	return buf;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "tests/data/insi/cr00_ecetinsi_histo.xml";
	long runs = argc > 2 ? strtol(argv[2], NULL, 10) : DEFAULT_RUNS;
	struct insi_result r;
	struct insi_error e;
	double *t, sum = 0;
	size_t len;
	char *xml = load(path, &len);

	if (!xml || runs < 1) {
		fprintf(stderr, "usage: bench_insi_parse [ANSWER.xml [RUNS]] (%s unreadable?)\n", path);
		return 2;
	}
	t = malloc((size_t)runs * sizeof *t);
	insi_global_init();
	/* Check once that this is the intended answer, then warm the caches. */
	if (insi_parse_response(xml, len, &r, &e) || strcmp(r.cr, "00") || r.n_history != 2) {
		fprintf(stderr, "bench_insi_parse: %s is not a CR 00 with two INSHISTO (%s)\n", path,
			e.message);
		return 1;
	}
	for (long i = 0; i < runs; i++) {
		double a = now_us();

		insi_parse_response(xml, len, &r, &e);
		t[i] = now_us() - a;
		sum += t[i];
	}
	qsort(t, (size_t)runs, sizeof *t, cmp_double);
	printf("bench_insi_parse: %ld parses of %s (%zu bytes)\n", runs, path, len);
	printf("insi_parse mean: %.1f us  p50: %.1f us  p99: %.1f us  max: %.1f us\n",
	       sum / runs, t[runs / 2], t[(long)(runs * 0.99)], t[runs - 1]);
	printf("insi_parse target p99 <= %.0f ms: %s\n", TARGET_MS,
	       t[(long)(runs * 0.99)] <= TARGET_MS * 1000 ? "met" : "NOT met");
	free(t);
	free(xml);
	insi_global_cleanup();
	return 0;
}
