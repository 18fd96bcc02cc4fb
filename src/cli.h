/* Command-line sub-commands other than the full-screen interface (vigie insi, cog, stats,
 * dmp, mss). */
#ifndef VIGIE_CLI_H
#define VIGIE_CLI_H

#include "settings.h"
#include "store/db.h"

struct cli {
	const struct config *c;   /* configuration after files and options (c->db set by --db) */
	const char *login;        /* user recorded in the audit trail */
	int nargs;
	const char **args;        /* args[0] is the command ("insi"), args[1] the sub-command */
	int argc;                 /* the raw command line, for commands with their own options */
	char **argv;
};

/* Open the configured base for command "cmd" ("vigie cog"...), recording cl->login in the
 * audit; prints the French error and returns the exit status (2 no base named, 1 refused),
 * 0 with *st open. Defined in main.c. */
int cli_open_store(const struct cli *cl, const char *cmd, struct store **st);

/* Each returns the process exit status: 0 success, 1 failure, 2 usage error. */
int cli_insi(const struct cli *cl);   /* vigie insi search|parse (in vigie-net) */
int cli_cog(const struct cli *cl);    /* vigie cog import|show|find */
int cli_stats(const struct cli *cl);  /* vigie stats ins [--from DATE --to DATE] */
int cli_dmp(const struct cli *cl);    /* vigie dica PATIENT, vigie dmp status|list|... */
/* vigie mss fetch|list|import|integrate|show; 3 when the mail server did not answer. */
int cli_mss(const struct cli *cl);

#endif
