/* Keymaps: "bind <context> <key> <action>" files, live bindings, help texts. */
#include "ui/keymap.h"
#include "ui/keys.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct action_def actions[] = {
	{ "quit", "Quitter Vigie" },
	{ "help", "Aide : touches de cet écran" },
	{ "back", "Revenir à l'écran précédent" },
	{ "redraw", "Redessiner l'écran" },
	{ "suspend", "Suspendre Vigie (reprendre avec fg)" },
	{ "job-cancel", "Annuler la dernière tâche de fond lancée" },
	{ "list-down", "Ligne suivante" },
	{ "list-up", "Ligne précédente" },
	{ "list-page-down", "Page suivante" },
	{ "list-page-up", "Page précédente" },
	{ "list-first", "Première ligne" },
	{ "list-last", "Dernière ligne" },
	{ "list-find", "Chercher dans la liste" },
	{ "list-find-next", "Occurrence suivante" },
	{ "search-edit", "Saisir la recherche de patient" },
	{ "search-clear", "Effacer la recherche" },
	{ "patient-open", "Ouvrir le dossier sélectionné" },
	{ "patient-new", "Créer un patient" },
	{ "patient-edit", "Modifier l'identité et les coordonnées" },
	{ "note-add", "Ajouter une note au dossier" },
	{ "form-next", "Champ suivant" },
	{ "form-prev", "Champ précédent" },
	{ "form-save", "Enregistrer" },
	{ "form-cancel", "Abandonner la saisie" },
	{ "ins-compare", "INS : comparer l'identité locale et la réponse INSi" },
	{ "ins-search", "INS : interroger INSi maintenant (relancer)" },
	{ "ins-accept", "INS : accepter la réponse (identité récupérée)" },
	{ "ins-qualify", "INS : qualifier (choisir la pièce d'identité vue)" },
	{ "ins-reject", "INS : rejeter la réponse" },
	{ "ins-from-search", "Créer le patient depuis INSi (traits saisis)" },
	{ "stats-show", "Indicateurs d'identitovigilance" },
	{ "dica-show", "DMP : liste DICA (conditions d'accès et remèdes)" },
	{ "dmp-docs", "DMP : documents du patient" },
	{ "dmp-consent", "DMP : consentement à la consultation (oui/non)" },
	{ "dmp-informed", "DMP : patient informé (oui/non)" },
	{ "dmp-oppose", "DMP : opposition à l'alimentation (oui/non, sans motif)" },
	{ "dmp-bdg", "DMP : bris de glace (urgence, tracé) / le terminer" },
	{ "dmp-authorize", "DMP : déclarer votre autorisation d'accès (TD0.3)" },
	{ "dmp-refresh", "DMP : interroger à nouveau" },
	{ "dmp-weather", "DMP : adresse de la météo des services" },
	{ "psc-signin", "Pro Santé Connect : se connecter (code à valider sur e-CPS)" },
	{ "psc-signout", "Pro Santé Connect : se déconnecter" },
	{ "doc-view", "Document : afficher (texte du PDF)" },
	{ "doc-structured", "Document : texte du PDF / document structuré" },
	{ "dmp-select", "DMP : sélectionner le document (plusieurs possibles)" },
	{ "dmp-select-all", "DMP : tout sélectionner / tout désélectionner" },
	{ "dmp-integrate", "DMP : intégrer au dossier les documents sélectionnés" },
	{ "dmp-filter", "DMP : filtrer sur un texte (titre, type, auteur, date...)" },
	{ "dmp-filter-invisible", "DMP : seulement les documents invisibles au patient" },
	{ "dmp-filter-new", "DMP : seulement les nouveaux documents" },
	{ "documents-show", "Documents du dossier" },
	{ "mss-worklist", "MSSanté : documents reçus (liste de travail)" },
	{ "mss-patient", "MSSanté : documents reçus pour ce patient" },
	{ "mss-integrate", "MSS : intégrer au dossier (sinon rattacher)" },
	{ "mss-attach", "MSS : rattacher à un autre dossier" },
	{ "mss-read", "MSS : marquer lu / non lu" },
	{ "mss-delete", "MSS : effacer de la liste (original archivé, tracé)" },
	{ "mss-select", "MSS : sélectionner le document (plusieurs possibles)" },
	{ "mss-select-all", "MSS : tout sélectionner / tout désélectionner" },
	{ "mss-filter", "MSS : filtrer sur un texte (patient, type, émetteur, objet)" },
	{ "mss-filter-new", "MSS : seulement les nouveaux" },
	{ "mss-filter-alerts", "MSS : seulement les alertes" },
	{ "mss-filter-type", "MSS : filtrer par type de document (suivant)" },
	{ "mss-filter-patient", "MSS : seulement ce patient (oui/non)" },
	{ "mss-filter-clear", "MSS : enlever tous les filtres" },
	{ "mss-sort", "MSS : trier par réception, date, type, patient" },
	{ "mss-fetch", "MSS : relever la boîte aux lettres maintenant" },
	{ "mss-detail", "MSS : détails du document (afficher / masquer)" },
	{ "mss-attach-choose", "MSS : rattacher au dossier choisi et intégrer" },
	{ "mss-attach-search", "MSS : chercher un autre dossier par nom" },
};

static const char *const contexts[] = { "global", "list", "search", "dossier", "form", "help",
					 "ins", "stats", "dica", "dmpdocs", "docview", "legal",
					 "documents", "mss", "mssattach" };

int action_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
		if (strcmp(actions[i].name, name) == 0)
			return (int)i;
	return -1;
}

const struct action_def *action_get(int index)
{
	if (index < 0 || (size_t)index >= sizeof actions / sizeof actions[0])
		return NULL;
	return &actions[index];
}

size_t action_count(void)
{
	return sizeof actions / sizeof actions[0];
}

int keymap_context_known(const char *ctx)
{
	for (size_t i = 0; i < sizeof contexts / sizeof contexts[0]; i++)
		if (strcmp(contexts[i], ctx) == 0)
			return 1;
	return 0;
}

void keymap_init(struct keymap *km)
{
	memset(km, 0, sizeof *km);
}

void keymap_free(struct keymap *km)
{
	for (size_t i = 0; i < km->nerrors; i++)
		free(km->errors[i]);
	free(km->errors);
	free(km->v);
	memset(km, 0, sizeof *km);
}

static void add_error(struct keymap *km, const char *origin, int line, const char *fmt, ...)
{
	char msg[300], *full;
	char **v;
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	n = line > 0 ? snprintf(NULL, 0, "%s:%d: %s", origin, line, msg)
		     : snprintf(NULL, 0, "%s: %s", origin, msg);
	full = malloc((size_t)n + 1);
	v = realloc(km->errors, (km->nerrors + 1) * sizeof *v);
	if (!full || !v) {
		free(full);
		if (v)
			km->errors = v;
		return;
	}
	if (line > 0)
		snprintf(full, (size_t)n + 1, "%s:%d: %s", origin, line, msg);
	else
		snprintf(full, (size_t)n + 1, "%s: %s", origin, msg);
	km->errors = v;
	km->errors[km->nerrors++] = full;
}

static struct binding *find(const struct keymap *km, const char *ctx, int key)
{
	for (size_t i = 0; i < km->n; i++)
		if (km->v[i].key == key && strcmp(km->v[i].context, ctx) == 0)
			return &km->v[i];
	return NULL;
}

static int bind(struct keymap *km, const char *ctx, int key, int action)
{
	struct binding *b = find(km, ctx, key);

	if (!b) {
		if (km->n == km->cap) {
			size_t cap = km->cap ? km->cap * 2 : 128;
			void *v = realloc(km->v, cap * sizeof *km->v);
			if (!v)
				return -1;
			km->v = v;
			km->cap = cap;
		}
		b = &km->v[km->n++];
		snprintf(b->context, sizeof b->context, "%s", ctx);
		b->key = key;
	}
	b->action = action;
	return 0;
}

static void unbind(struct keymap *km, const char *ctx, int key)
{
	struct binding *b = find(km, ctx, key);

	if (b)
		*b = km->v[--km->n];
}

/* One line: returns 0 if good (or blank/comment), -1 if rejected. */
static int parse_line(struct keymap *km, char *line, const char *origin, int lineno)
{
	char *save = NULL, *verb, *ctx, *keyname, *act;
	int key, action;

	/* A comment is a line whose first non-blank character is '#', so "#" stays bindable. */
	verb = strtok_r(line, " \t\r", &save);
	if (!verb || verb[0] == '#')
		return 0;
	ctx = strtok_r(NULL, " \t\r", &save);
	keyname = strtok_r(NULL, " \t\r", &save);
	if (strcmp(verb, "bind") != 0 && strcmp(verb, "unbind") != 0) {
		add_error(km, origin, lineno, "mot-clé inconnu « %s » (attendu : bind ou unbind)",
			  verb);
		return -1;
	}
	if (!ctx || !keyname) {
		add_error(km, origin, lineno, "ligne incomplète (attendu : %s <contexte> <touche>%s)",
			  verb, strcmp(verb, "bind") == 0 ? " <action>" : "");
		return -1;
	}
	if (!keymap_context_known(ctx)) {
		add_error(km, origin, lineno, "contexte inconnu « %s »", ctx);
		return -1;
	}
	key = key_from_name(keyname);
	if (key < 0) {
		add_error(km, origin, lineno, "touche inconnue « %s »", keyname);
		return -1;
	}
	if (strcmp(verb, "unbind") == 0) {
		if (strtok_r(NULL, " \t\r", &save)) {
			add_error(km, origin, lineno, "texte en trop après la touche");
			return -1;
		}
		unbind(km, ctx, key);
		return 0;
	}
	act = strtok_r(NULL, " \t\r", &save);
	if (!act) {
		add_error(km, origin, lineno, "action manquante après la touche « %s »", keyname);
		return -1;
	}
	if (strtok_r(NULL, " \t\r", &save)) {
		add_error(km, origin, lineno, "texte en trop après l'action « %s »", act);
		return -1;
	}
	action = action_lookup(act);
	if (action < 0) {
		add_error(km, origin, lineno, "action inconnue « %s »", act);
		return -1;
	}
	if (bind(km, ctx, key, action)) {
		add_error(km, origin, lineno, "mémoire insuffisante");
		return -1;
	}
	return 0;
}

int keymap_parse(struct keymap *km, const char *text, const char *origin)
{
	const char *p = text;
	int lineno = 0, bad = 0;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[512];

		lineno++;
		if (len >= sizeof line) {
			add_error(km, origin, lineno, "ligne trop longue");
			bad++;
		} else {
			memcpy(line, p, len);
			line[len] = '\0';
			if (parse_line(km, line, origin, lineno))
				bad++;
		}
		p += len + (nl ? 1 : 0);
	}
	return bad;
}

int keymap_load_file(struct keymap *km, const char *path, int optional)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0, cap = 0, r;
	char buf[4096];
	int bad;

	if (!f) {
		if (optional && errno == ENOENT)
			return 0;
		add_error(km, path, 0, "fichier illisible (%s)", strerror(errno));
		return -1;
	}
	while ((r = fread(buf, 1, sizeof buf, f)) > 0) {
		if (len + r + 1 > cap) {
			size_t ncap = (len + r + 1) * 2;
			char *t = realloc(text, ncap);
			if (!t) {
				free(text);
				fclose(f);
				add_error(km, path, 0, "mémoire insuffisante");
				return -1;
			}
			text = t;
			cap = ncap;
		}
		memcpy(text + len, buf, r);
		len += r;
	}
	fclose(f);
	if (!text)
		return 0;
	text[len] = '\0';
	bad = keymap_parse(km, text, path);
	free(text);
	return bad;
}

int keymap_lookup(const struct keymap *km, const char *ctx, int key)
{
	const struct binding *b = find(km, ctx, key);

	return b ? b->action : -1;
}

int keymap_resolve(const struct keymap *km, const char *const *ctxs, size_t nctx, int key)
{
	for (size_t i = 0; i < nctx; i++) {
		int a = keymap_lookup(km, ctxs[i], key);
		if (a >= 0)
			return a;
	}
	return -1;
}

size_t keymap_keys_for(const struct keymap *km, const char *ctx, int action,
		       const char *const *chain, size_t nchain, char *buf, size_t size)
{
	size_t len = 0, count = 0;
	char name[16];

	if (size)
		buf[0] = '\0';
	for (size_t i = 0; i < km->n && len < size; i++) {
		if (km->v[i].action != action || strcmp(km->v[i].context, ctx) != 0 ||
		    (chain && keymap_resolve(km, chain, nchain, km->v[i].key) != action))
			continue;
		len += (size_t)snprintf(buf + len, size - len, "%s%s", count ? ", " : "",
					vk_name(km->v[i].key, name, sizeof name));
		count++;
	}
	return count;
}
