/* vigie cog import|show|find|source: the COG reference tables from the command line. */
#include "cli.h"

#include "store/cog.h"
#include "store/db.h"

#include <stdio.h>
#include <string.h>

#define FIND_MAX 100

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "vigie cog : %s\n", why);
	fputs("Usage : vigie cog import DOSSIER             remplace la table COG par les fichiers\n"
	      "                                            INSEE du dossier\n"
	      "        vigie cog show CODE [--date AAAA-MM-JJ]  lieu désigné par un code\n"
	      "        vigie cog find TEXTE [--date AAAA-MM-JJ] lieux dont le nom commence par TEXTE\n"
	      "        vigie cog source                     table chargée (démo ou millésime INSEE)\n",
	      stderr);
	return 2;
}

struct cog_args {
	const char *date;
	char text[256];      /* the positional words after the sub-command, space separated */
	int nwords;
};

static int read_args(const struct cli *cl, struct cog_args *a)
{
	char msg[160];

	memset(a, 0, sizeof *a);
	for (int i = 2; i < cl->nargs; i++) {
		const char *w = cl->args[i];
		size_t len = strlen(a->text);

		if (!strcmp(w, "--date")) {
			if (i + 1 >= cl->nargs)
				return usage("--date attend une date AAAA-MM-JJ");
			a->date = cl->args[++i];
			continue;
		}
		if (w[0] == '-' && w[1] == '-') {
			snprintf(msg, sizeof msg, "option inconnue %s", w);
			return usage(msg);
		}
		snprintf(a->text + len, sizeof a->text - len, "%s%s", len ? " " : "", w);
		a->nwords++;
	}
	return 0;
}

static int cmd_import(struct store *st, const char *dir)
{
	struct cog_counts n;

	if (cog_import_dir(st, dir, &n)) {
		fprintf(stderr, "vigie cog : %s\n", st->err);
		return 1;
	}
	printf("Table COG importée (%s) : %ld communes, %ld pays ou territoires, %ld mouvements.\n",
	       n.source, n.communes, n.countries, n.movements);
	return 0;
}

static int cmd_show(struct store *st, const char *code, const char *date)
{
	struct cog_place p;
	char successor[200] = "";

	if (cog_lookup(st, code, date, &p)) {
		fprintf(stderr, "vigie cog : %s\n", st->err);
		return 1;
	}
	if (p.successor[0])
		snprintf(successor, sizeof successor, "%s %s (%s)", p.successor, p.successor_name,
			 p.successor_date);
	printf("code: %s\nnom: %s\ntype: %s\nvalide_du: %s\nvalide_au: %s\nstatut: %s\n"
	       "successeur: %s\ncode_a_la_date: %s\n",
	       p.code, p.name, cog_type_label(&p), p.date_debut, p.date_fin,
	       cog_validity_label(p.validity), successor, p.code_at_date);
	return 0;
}

static int cmd_find(struct store *st, const char *text, const char *date)
{
	static struct cog_place found[FIND_MAX];
	size_t n;

	if (cog_find(st, text, date, found, FIND_MAX, &n)) {
		fprintf(stderr, "vigie cog : %s\n", st->err);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct cog_place *p = &found[i];
		printf("%s\t%s\t%s\t%s\t%s\t%s\n", p->code, p->name, cog_type_label(p),
		       p->date_debut, p->date_fin, cog_validity_label(p->validity));
	}
	if (!n) {
		fprintf(stderr, "vigie cog : aucun lieu dont le nom commence par « %s »\n", text);
		return 1;
	}
	return 0;
}

static int cmd_source(struct store *st)
{
	struct cog_counts n;
	char at[32];

	if (cog_source_get(st, &n, at, sizeof at)) {
		fprintf(stderr, "vigie cog : %s\n", st->err);
		return 1;
	}
	printf("source: %s\nimporte_le: %s\ncommunes: %ld\npays: %ld\nmouvements: %ld\n",
	       n.source, at, n.communes, n.countries, n.movements);
	return 0;
}

int cli_cog(const struct cli *cl)
{
	const char *sub = cl->nargs >= 2 ? cl->args[1] : "";
	struct cog_args a;
	struct store *st;
	int rc, want;

	want = !strcmp(sub, "source") ? 0 : 1;
	if (strcmp(sub, "import") && strcmp(sub, "show") && strcmp(sub, "find") && want)
		return usage(*sub ? "sous-commande inconnue" : NULL);
	if ((rc = read_args(cl, &a)))
		return rc;
	if (a.nwords != want && strcmp(sub, "find"))
		return usage(want ? "un argument attendu" : "aucun argument attendu");
	if (!a.nwords && !strcmp(sub, "find"))
		return usage("texte à chercher manquant");
	if ((rc = cli_open_store(cl, "vigie cog", &st)))
		return rc;
	if (!strcmp(sub, "import"))
		rc = cmd_import(st, a.text);
	else if (!strcmp(sub, "show"))
		rc = cmd_show(st, a.text, a.date);
	else if (!strcmp(sub, "find"))
		rc = cmd_find(st, a.text, a.date);
	else
		rc = cmd_source(st);
	store_close(st);
	return rc;
}
