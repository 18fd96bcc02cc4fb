/* Time to read one typical MSSanté message (CR-BIO in IHE_XDM.ZIP with its PDF copy, the PDF
 * beside it, about 100 KB): MIME, ZIP, METADATA.XML, CDA header and results, files written to
 * a temporary archive. Prints figures; never fails on time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "net/mss.h"
#include "../tests/unit/test_mss_fixtures.h"

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double cpu_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static double cpu;   /* CPU time per message of the last run */

/* Wall-clock time per message (the machine may be shared: CPU time is kept in cpu). */
static double run(const char *msg, size_t len, const char *archive, int n)
{
	double c0 = cpu_ms();

	struct mss_message m;
	char err[256];
	double t0;

	static int run_no;

	run_no++;
	t0 = now_ms();
	for (int i = 0; i < n; i++) {
		char key[32];

		/* A new key each time, as each received message has its own directory. */
		snprintf(key, sizeof key, "%d-%d", run_no, i);
		if (mss_read_message_mem(msg, len, archive, key, 30LL << 20, &m, err,
					 sizeof err) || m.n_docs != 1 || m.docs[0].h.abnormal != 2) {
			fprintf(stderr, "bench_mss_parse: unexpected reading (%s)\n", err);
			exit(1);
		}
		mss_message_free(&m);
	}
	cpu = (cpu_ms() - c0) / n;
	return (now_ms() - t0) / n;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 300;
	size_t pdf_len = 45000, len;
	double wall;
	char *pdf = malloc(pdf_len), dir[] = "/tmp/vigie-bench-mss-XXXXXX", *msg, cmd[128];

	/* A PDF of realistic size whose bytes do not compress to nothing. */
	srand(1);
	memcpy(pdf, FX_PDF, sizeof FX_PDF - 1);
	for (size_t i = sizeof FX_PDF - 1; i < pdf_len; i++)
		pdf[i] = (char)(' ' + rand() % 90);
	fx_pdf = pdf;
	fx_pdf_len = pdf_len;
	msg = fx_typical(&len);
	if (!mkdtemp(dir))
		return 1;
	run(msg, len, dir, 20);
	printf("mss parse: message of %zu bytes\n", len);
	wall = run(msg, len, NULL, n);
	printf("mss parse: %.3f ms per message (%.3f ms CPU), in memory (no archive)\n", wall,
	       cpu);
	wall = run(msg, len, dir, n);
	printf("mss parse: %.3f ms per message (%.3f ms CPU), files written (target <= 5 ms)\n",
	       wall, cpu);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd))
		return 1;
	free(pdf);
	g_free(msg);
	return 0;
}
