/* vigie stats ins: identity vigilance indicators (TBB.INS.02) as stable key: value lines. */
#include "cli.h"

#include "core/identity.h"
#include "store/db.h"
#include "store/stats.h"

#include <stdio.h>
#include <string.h>

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "vigie stats : %s\n", why);
	fputs("Usage : vigie stats ins [--from AAAA-MM-JJ] [--to AAAA-MM-JJ]\n"
	      "        patients par statut d'identité, taux de qualification, et pour la période\n"
	      "        (dates incluses, toute l'histoire par défaut) : identités créées,\n"
	      "        récupérées et qualifiées par utilisateur, appels INSi par code retour\n",
	      stderr);
	return 2;
}

static int read_args(const struct cli *cl, const char **from, const char **to)
{
	char msg[160];

	*from = *to = NULL;
	for (int i = 2; i < cl->nargs; i++) {
		const char *w = cl->args[i];
		const char **slot = !strcmp(w, "--from") ? from : !strcmp(w, "--to") ? to : NULL;

		if (!slot) {
			snprintf(msg, sizeof msg, "argument inattendu %s", w);
			return usage(msg);
		}
		if (i + 1 >= cl->nargs) {
			snprintf(msg, sizeof msg, "%s attend une date AAAA-MM-JJ", w);
			return usage(msg);
		}
		*slot = cl->args[++i];
	}
	return 0;
}

/* A CR as a key suffix: what INSi returns is "00".."02"; anything else is made safe. */
static void cr_key(const char *cr, char *out, size_t size)
{
	size_t i = 0;

	if (!*cr) {
		snprintf(out, size, "erreur");
		return;
	}
	for (; cr[i] && i + 1 < size; i++) {
		char ch = cr[i];
		int ok = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
			 (ch >= 'A' && ch <= 'Z');
		out[i] = ok ? ch : '_';
	}
	out[i] = '\0';
}

static void print_stats(const struct stats_ins *s, const char *from, const char *to)
{
	char pct[32], key[16];

	printf("periode_du: %s\nperiode_au: %s\n", from ? from : "", to ? to : "");
	printf("patients: %lld\n", s->patients);
	for (int i = 0; i < 4; i++) {
		stats_percent(s->by_status[i], s->patients, pct, sizeof pct);
		printf("statut_%s: %lld (%s)\n", id_status_code((enum id_status)i), s->by_status[i],
		       pct);
	}
	stats_percent(s->by_status[ID_QUALIFIEE], s->patients, pct, sizeof pct);
	printf("taux_qualification: %s\n", pct);
	for (size_t i = 0; i < s->nusers; i++)
		printf("utilisateur %s: crees=%ld recuperees=%ld qualifiees=%ld\n", s->users[i].who,
		       s->users[i].created, s->users[i].recovered, s->users[i].qualified);
	printf("insi_appels: %ld\n", s->insi_calls);
	for (size_t i = 0; i < s->ncrs; i++) {
		cr_key(s->crs[i].cr, key, sizeof key);
		printf("insi_appels_%s: %ld\n", key, s->crs[i].calls);
	}
}

int cli_stats(const struct cli *cl)
{
	const char *from, *to;
	struct stats_ins s;
	struct store *st;
	int rc;

	if (cl->nargs < 2 || strcmp(cl->args[1], "ins"))
		return usage(cl->nargs < 2 ? NULL : "seul « vigie stats ins » existe");
	if ((rc = read_args(cl, &from, &to)))
		return rc;
	if ((rc = cli_open_store(cl, "vigie stats", &st)))
		return rc;
	rc = stats_ins(st, from, to, &s);
	if (rc) {
		fprintf(stderr, "vigie stats : %s\n", st->err);
		store_close(st);
		return rc == STORE_ERR_INVALID ? 2 : 1;
	}
	print_stats(&s, from, to);
	stats_ins_free(&s);
	store_close(st);
	return 0;
}
