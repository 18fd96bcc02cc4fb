/* vigie-net: the helper that makes teleservice calls for vigie (INSi, DMP, Pro Santé Connect),
 * so that libcurl, OpenSSL and libxml2 stay out of the interface process; also runs
 * "vigie insi ..." for the command line. */
#include <config.h>
#include "cli.h"
#include "core/insi_wire.h"
#include "net/dmp.h"
#include "cda/cda_text.h"
#include "net/insi.h"
#include "net/mss.h"
#include "net/psc.h"
#include "settings.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* "vigie-net call": one request on stdin, one reply on stdout. The reply always comes (an
 * error is a reply); exit 2 only when the request itself is unreadable. */
static int call(void)
{
	static char in[INSI_WIRE_MAX], out[INSI_WIRE_MAX];
	struct insi_request rq;
	struct insi_result r;
	struct insi_error e;
	size_t len = 0;
	ssize_t n;
	char err[200];
	int rc;

	while (len < sizeof in - 1 && (n = read(0, in + len, sizeof in - 1 - len)) > 0)
		len += (size_t)n;
	in[len] = 0;
	if (insi_request_parse(in, &rq, err, sizeof err)) {
		fprintf(stderr, "vigie-net : %s\n", err);
		return 2;
	}
	memset(in, 0, len);   /* the key password */
	memset(&r, 0, sizeof r);
	memset(&e, 0, sizeof e);
	insi_global_init();
	if (rq.vitale) {
		struct insi_vitale_query q = { rq.nir_individu, rq.nir_od, rq.birth_name,
					       rq.birth_date, rq.rang > 0 ? rq.rang : 1 };
		rc = insi_search_vitale(&rq.cfg, &q, NULL, NULL, &r, &e);
	} else {
		struct insi_traits_query q = { rq.birth_name, rq.first_name, rq.sex, rq.birth_date,
					       rq.birth_cog };
		rc = insi_search_traits(&rq.cfg, &q, NULL, NULL, &r, &e);
	}
	insi_global_cleanup();
	memset(&rq, 0, sizeof rq);
	if (insi_reply_format(rc, &r, &e, out, sizeof out) < 0)
		return 2;
	fputs(out, stdout);
	return fflush(stdout) == 0 ? 0 : 2;
}

/* "vigie insi search|parse ..." (vigie hands its command line over): the global options
 * vigie knows are read here too. */
static int command(int argc, char **argv)
{
	static const char *args[64];
	struct config c;
	char err[512];
	const char *conf = NULL, *user = NULL;
	int nargs = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--config") || !strcmp(a, "--user") || !strcmp(a, "--db") ||
		    !strcmp(a, "--keys") || !strcmp(a, "--limit") || !strcmp(a, "--test-job")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "vigie : l'option %s attend une valeur\n", a);
				return 2;
			}
			if (!strcmp(a, "--config"))
				conf = argv[i + 1];
			else if (!strcmp(a, "--user"))
				user = argv[i + 1];
			i++;
		} else if (nargs < 64) {
			args[nargs++] = a;
		}
	}
	config_defaults(&c);
	config_load_standard(&c);
	if (conf && config_load(&c, conf, 0, err, sizeof err)) {
		fprintf(stderr, "vigie : %s\n", err);
		return 2;
	}
	{
		struct cli cl = { &c, user ? user : "", nargs, args, argc, argv };
		return cli_insi(&cl);
	}
}

#define CDA_TEXT_INPUT_MAX (16 * 1024 * 1024)

/* "vigie-net cda-text": a CDA document on stdin, its structured narrative on stdout (the
 * interface does not link libxml2). Exit 1 with a French reason on stderr when unreadable. */
static int cda_text(void)
{
	size_t cap = 1 << 16, len = 0;
	char *in = malloc(cap), *text = NULL, err[200];
	ssize_t n;
	int rc = 1;

	while (in) {
		if (len == cap) {
			char *b = cap >= CDA_TEXT_INPUT_MAX ? NULL : realloc(in, cap * 2);
			if (!b) {
				fprintf(stderr, "vigie-net : document trop volumineux\n");
				free(in);
				return 1;
			}
			in = b;
			cap *= 2;
		}
		n = read(0, in + len, cap - len);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	if (in && cda_narrative(in, len, &text, err, sizeof err) == 0) {
		fputs(text, stdout);
		rc = fflush(stdout) == 0 ? 0 : 1;
	} else if (in) {
		fprintf(stderr, "vigie-net : %s\n", err);
	}
	free(text);
	free(in);
	return rc;
}

int main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc == 2 && !strcmp(argv[1], "call"))
		return call();
	if (argc == 2 && !strcmp(argv[1], "dmp"))
		return dmp_helper_main();
	if (argc == 2 && !strcmp(argv[1], "psc"))
		return psc_helper_main();
	if (argc == 2 && !strcmp(argv[1], "cda-text"))
		return cda_text();
	if (argc == 2 && !strcmp(argv[1], "mss"))
		return mss_serve();
	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "insi"))
			return command(argc, argv);
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("vigie-net %s\n", PACKAGE_VERSION);
		return 0;
	}
	fprintf(stderr, "Usage : vigie-net call            (requête INSi sur l'entrée standard)\n"
			"        vigie-net dmp             (requête DMP sur l'entrée standard)\n"
			"        vigie-net psc             (requête Pro Santé Connect, idem)\n"
			"        vigie-net cda-text        (document CDA sur l'entrée, texte en sortie)\n"
			"        vigie-net mss             (requête MSSanté sur l'entrée standard)\n"
			"        vigie-net insi search|parse ... (comme « vigie insi »)\n"
			"vigie-net est lancé par vigie pour les appels aux téléservices.\n");
	return 2;
}
