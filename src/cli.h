/* Command-line sub-commands other than the full-screen interface (vigie insi, cog, stats). */
#ifndef VIGIE_CLI_H
#define VIGIE_CLI_H

#include "settings.h"

struct cli {
	const struct config *c;   /* configuration after files and options (c->db set by --db) */
	const char *login;        /* user recorded in the audit trail */
	int nargs;
	const char **args;        /* args[0] is the command ("insi"), args[1] the sub-command */
	int argc;                 /* the raw command line, for commands with their own options */
	char **argv;
};

/* Each returns the process exit status: 0 success, 1 failure, 2 usage error. */
int cli_insi(const struct cli *cl);   /* vigie insi search|parse (in vigie-net) */
int cli_cog(const struct cli *cl);    /* vigie cog import|show|find */
int cli_stats(const struct cli *cl);  /* vigie stats ins [--from DATE --to DATE] */

#endif
