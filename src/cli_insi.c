/* vigie insi search|parse: one INSi call, or a saved SOAP answer, printed as key: value lines. */
#include "cli.h"

#include "core/ins.h"
#include "net/insi.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A file larger than this is not read whole: the parser refuses anything over 1 MiB anyway. */
#define PARSE_READ_MAX (1024 * 1024 + 1)

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "vigie insi : %s\n", why);
	fputs("Usage : vigie insi search --nom NOM --prenom PRÉNOM --sexe F|M --naissance AAAA-MM-JJ\n"
	      "                          [--lieu COG] [--endpoint URL]\n"
	      "        vigie insi parse FICHIER.xml\n", stderr);
	return 2;
}

/* Print the outcome; 0 for a CR (00, 01, 02), 1 for any error. */
static int report(int rc, const struct insi_result *r, const struct insi_error *e)
{
	if (rc) {
		insi_error_print(stdout, e);
		return 1;
	}
	insi_result_print(stdout, r);
	return 0;
}

static int cmd_parse(const char *path)
{
	struct insi_result r;
	struct insi_error e;
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n;
	int rc;

	if (!f) {
		fprintf(stderr, "vigie insi : fichier illisible : %s\n", path);
		return 1;
	}
	buf = malloc(PARSE_READ_MAX);
	if (!buf) {
		fclose(f);
		fprintf(stderr, "vigie insi : mémoire insuffisante\n");
		return 1;
	}
	n = fread(buf, 1, PARSE_READ_MAX, f);
	fclose(f);
	insi_global_init();
	rc = insi_parse_response(buf, n, &r, &e);
	insi_global_cleanup();
	free(buf);
	return report(rc, &r, &e);
}

struct search_args {
	const char *nom, *prenom, *sexe, *naissance, *lieu, *endpoint;
};

static int read_search_args(const struct cli *cl, struct search_args *a)
{
	static const char *names[] = { "--nom", "--prenom", "--sexe", "--naissance", "--lieu",
				       "--endpoint" };
	const char **slots[] = { &a->nom, &a->prenom, &a->sexe, &a->naissance, &a->lieu,
				 &a->endpoint };
	char msg[128];

	memset(a, 0, sizeof *a);
	for (int i = 2; i < cl->nargs; i++) {
		size_t k = 0;

		while (k < 6 && strcmp(cl->args[i], names[k]))
			k++;
		if (k == 6) {
			snprintf(msg, sizeof msg, "argument inattendu « %s »", cl->args[i]);
			return usage(msg);
		}
		if (i + 1 >= cl->nargs) {
			snprintf(msg, sizeof msg, "l'option %s attend une valeur", names[k]);
			return usage(msg);
		}
		*slots[k] = cl->args[++i];
	}
	if (!a->nom || !a->prenom || !a->sexe || !a->naissance)
		return usage("--nom, --prenom, --sexe et --naissance sont obligatoires");
	return 0;
}

/* The user types names as on the ID document; INSi only takes the normalised form. */
static int normalise(const char *label, const char *in, int first_name, char *out, size_t size,
		     struct insi_error *e)
{
	const char *why = NULL;

	if (ins_normalize(in, first_name, out, size, &why) == 0)
		return 0;
	memset(e, 0, sizeof *e);
	e->kind = INSI_ERR_INPUT;
	snprintf(e->message, sizeof e->message, "%s « %s » refusé, aucun appel INSi : %s", label, in,
		 why ? why : "caractères non autorisés");
	return -1;
}

static int cmd_search(const struct cli *cl)
{
	struct search_args a;
	struct insi_config cfg = cl->c->insi;
	struct insi_traits_query q;
	struct insi_result r;
	struct insi_error e;
	char nom[128], prenom[128], sexe[2] = "";
	int rc;

	if ((rc = read_search_args(cl, &a)))
		return rc;
	if (a.endpoint)
		snprintf(cfg.endpoint, sizeof cfg.endpoint, "%s", a.endpoint);
	memset(&r, 0, sizeof r);
	if (normalise("Nom de naissance", a.nom, 0, nom, sizeof nom, &e) ||
	    normalise("Prénom", a.prenom, 1, prenom, sizeof prenom, &e))
		return report(INSI_ERR_INPUT, &r, &e);
	/* f/m typed in lower case are the same sexes; anything else is refused by the client. */
	if (a.sexe[0] && !a.sexe[1]) {
		sexe[0] = (char)(a.sexe[0] == 'f' ? 'F' : a.sexe[0] == 'm' ? 'M' : a.sexe[0]);
		sexe[1] = 0;
	}
	q.birth_name = nom;
	q.first_name = prenom;
	q.sex = sexe[0] ? sexe : a.sexe;
	q.birth_date = a.naissance;
	q.birth_cog = a.lieu;
	insi_global_init();
	rc = insi_search_traits(&cfg, &q, NULL, NULL, &r, &e);
	insi_global_cleanup();
	return report(rc, &r, &e);
}

int cli_insi(const struct cli *cl)
{
	if (cl->nargs < 2)
		return usage("sous-commande attendue (search ou parse)");
	if (!strcmp(cl->args[1], "parse")) {
		if (cl->nargs != 3)
			return usage("vigie insi parse attend un seul fichier");
		return cmd_parse(cl->args[2]);
	}
	if (!strcmp(cl->args[1], "search"))
		return cmd_search(cl);
	return usage("sous-commande inconnue (search ou parse)");
}
