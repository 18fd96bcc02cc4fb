/* Keymaps: "bind <context> <key> <action>" files, live bindings, help texts. Pure (no curses). */
#ifndef VIGIE_UI_KEYMAP_H
#define VIGIE_UI_KEYMAP_H

#include <stddef.h>

/* Every action Vigie knows, with its help text: the keymap refers to them by name. */
struct action_def {
	const char *name;
	const char *help;   /* French */
};

/* Look an action up by name; returns its index or -1. */
int action_lookup(const char *name);
const struct action_def *action_get(int index);
size_t action_count(void);

/* Known contexts: "global", "list", and one per screen. */
int keymap_context_known(const char *ctx);

struct binding {
	char context[16];
	int key;
	int action;
};

struct keymap {
	struct binding *v;
	size_t n, cap;
	char **errors;      /* "file:line: message" for each rejected line */
	size_t nerrors;
};

void keymap_init(struct keymap *km);
void keymap_free(struct keymap *km);

/* Parse keymap text; later bindings of the same context+key replace earlier ones.
 * "unbind <context> <key>" removes one. Bad lines are recorded in km->errors with
 * "origin:line: message" and skipped. Returns the number of bad lines. */
int keymap_parse(struct keymap *km, const char *text, const char *origin);
/* Read and parse a file; a missing file is not an error when optional. Returns bad lines,
 * or -1 if the file could not be read (message recorded in errors). */
int keymap_load_file(struct keymap *km, const char *path, int optional);

/* Action bound to key in ctx, else -1. */
int keymap_lookup(const struct keymap *km, const char *ctx, int key);
/* Resolve through a chain of contexts (e.g. {"search", "list", "global"}), first match wins. */
int keymap_resolve(const struct keymap *km, const char *const *ctxs, size_t nctx, int key);

/* Keys bound to an action in a context, as display names joined by ", ". With a context chain
 * (as keymap_resolve takes), only the keys that really reach the action through it: a key a
 * more specific context takes over is left out. */
size_t keymap_keys_for(const struct keymap *km, const char *ctx, int action,
		       const char *const *chain, size_t nchain, char *buf, size_t size);

#endif
