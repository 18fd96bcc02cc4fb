/* vigie: options, configuration, store, workers, then the UI loop or a command-line command. */
#include <config.h>
#include "settings.h"
#include "cli.h"
#include "core/date.h"
#include "core/identity.h"
#include "core/nir.h"
#include "jobs/jobs.h"
#include "jobs/net_remote.h"
#include "screens/app.h"
#include "screens/format.h"
#include "store/cog.h"
#include "store/db.h"
#include "store/demo.h"
#include "store/embedded.h"
#include "store/patients.h"
#include "ui/keymap.h"
#include "ui/ui.h"

#include <errno.h>
#include <locale.h>
#include <signal.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern const struct embedded_file default_keymap[];

struct options {
	const char *db;
	const char *config;
	const char *user;
	const char *keys;
	int demo;
	int limit;
	int test_job;
	const char *args[64];
	int nargs;
};

static void usage(FILE *out)
{
	fputs("Usage : vigie [OPTIONS]                  interface plein écran\n"
	      "        vigie init --db FICHIER [--demo] crée (ou met à jour) une base\n"
	      "        vigie patient search TEXTE       recherche (sortie tabulée)\n"
	      "        vigie patient show N             identité d'un dossier (clé: valeur)\n"
	      "        vigie keys check [FICHIER...]    vérifie des fichiers de touches\n"
	      "        vigie insi search --nom NOM --prenom PRENOM --sexe F|M --naissance AAAA-MM-JJ\n"
	      "                   [--lieu COG] [--endpoint URL]   interroge INSi (clé: valeur)\n"
	      "        vigie insi parse FICHIER.xml     lit une réponse INSi enregistrée\n"
	      "        vigie cog import DOSSIER | show CODE [--date D] | find TEXTE | source\n"
	      "        vigie stats ins [--from AAAA-MM-JJ] [--to AAAA-MM-JJ]\n"
	      "        vigie dica PATIENT [--connexion]   la liste DICA d'accès au DMP\n"
	      "        vigie dmp status|list|consent|authorize|integrate PATIENT ...\n"
	      "        vigie mss fetch | list [...] | import FICHIER.eml... | integrate ELEMENT\n"
	      "                  [--dossier N] | show ELEMENT   messagerie MSSanté reçue\n"
	      "\n"
	      "Options :\n"
	      "  --db FICHIER       base du cabinet (sinon [base] fichier de la configuration)\n"
	      "  --config FICHIER   fichier de configuration lu après les fichiers standard\n"
	      "  --user IDENTIFIANT utilisateur inscrit dans le journal (défaut : $USER)\n"
	      "  --keys FICHIER     fichier de touches lu après les autres\n"
	      "  --limit N          nombre maximal de résultats de recherche (défaut 100)\n"
	      "  --test-job N       lance une tâche de fond de N secondes (tests)\n"
	      "  --version, --help\n"
	      "\n"
	      "Configuration : /etc/vigie/vigie.conf puis $XDG_CONFIG_HOME/vigie/vigie.conf.\n"
	      "Touches : celles par défaut (intégrées, copie dans share/vigie/default.keys), puis\n"
	      "$XDG_CONFIG_HOME/vigie/keys, [clavier] fichier et --keys. Voir vigie-keys(5).\n",
	      out);
}

/* Sub-commands that read their own options ("vigie insi search --nom X"): options this
 * parser does not know are handed to them, in order, with the other arguments. */
static int own_options(const struct options *o)
{
	return o->nargs > 0 && (!strcmp(o->args[0], "insi") || !strcmp(o->args[0], "cog") ||
				!strcmp(o->args[0], "stats") || !strcmp(o->args[0], "dica") ||
				!strcmp(o->args[0], "dmp") || !strcmp(o->args[0], "mss"));
}

static int parse_args(int argc, char **argv, struct options *o)
{
	memset(o, 0, sizeof *o);
	o->limit = 100;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;

		if (!strcmp(a, "--db"))
			slot = &o->db;
		else if (!strcmp(a, "--config"))
			slot = &o->config;
		else if (!strcmp(a, "--user"))
			slot = &o->user;
		else if (!strcmp(a, "--keys"))
			slot = &o->keys;
		if (slot || !strcmp(a, "--limit") || !strcmp(a, "--test-job")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "vigie : l'option %s attend une valeur\n", a);
				return -1;
			}
			if (slot) {
				*slot = argv[++i];
			} else {
				char *end;
				long v = strtol(argv[++i], &end, 10);
				if (*end || v < 1 || v > 100000) {
					fprintf(stderr, "vigie : %s attend un nombre entier positif\n", a);
					return -1;
				}
				if (!strcmp(a, "--limit"))
					o->limit = (int)v;
				else
					o->test_job = (int)v;
			}
		} else if (!strcmp(a, "--demo")) {
			o->demo = 1;
		} else if (a[0] == '-' && a[1] == '-' && a[2] && !own_options(o)) {
			fprintf(stderr, "vigie : option inconnue %s (voir vigie --help)\n", a);
			return -1;
		} else if (o->nargs < 64) {
			o->args[o->nargs++] = a;
		}
	}
	return 0;
}

static const char *default_login(void)
{
	const char *u = getenv("USER");
	struct passwd *pw;

	if (u && *u)
		return u;
	pw = getpwuid(getuid());
	return pw ? pw->pw_name : "inconnu";
}

static int open_store(const char *db, int create, struct store **st)
{
	char err[512];
	int rc = store_open(db, create ? STORE_OPEN_CREATE : 0, st, err, sizeof err);

	if (rc)
		fprintf(stderr, "vigie : %s\n", err);
	return rc;
}

int cli_open_store(const struct cli *cl, const char *cmd, struct store **st)
{
	if (!cl->c->db[0]) {
		fprintf(stderr, "%s : indiquez la base avec --db FICHIER\n", cmd);
		return 2;
	}
	if (open_store(cl->c->db, 0, st))
		return 1;
	store_set_user(*st, cl->login);
	return 0;
}

static int cmd_init(const struct options *o, const struct config *c, const char *login)
{
	struct store *st;
	int count;

	if (!c->db[0]) {
		fprintf(stderr, "vigie init : indiquez la base avec --db FICHIER\n");
		return 2;
	}
	if (open_store(c->db, 1, &st))
		return 1;
	store_set_user(st, login);
	printf("Base %s prête (schéma %d).\n", c->db, store_schema_version(st));
	/* A new base gets the COG demo subset so that birth places can be looked up at once. */
	if (cog_source_get(st, NULL, NULL, 0) == STORE_ERR_NOTFOUND) {
		struct cog_counts cn;
		if (cog_import_demo(st, &cn) == 0)
			printf("Table COG de démonstration chargée (%ld communes, %ld pays).\n",
			       cn.communes, cn.countries);
		else
			fprintf(stderr, "vigie init : table COG non chargée : %s\n", st->err);
	}
	if (o->demo) {
		if (demo_load(st, &count) == 0)
			printf("Données de démonstration : %d patients fictifs ajoutés.\n", count);
		else if (patient_count(st) > 0)
			printf("%s.\n", st->err);
		else {
			fprintf(stderr, "vigie init : %s\n", st->err);
			store_close(st);
			return 1;
		}
	}
	store_close(st);
	return 0;
}

static int cmd_patient_search(const struct options *o, struct store *st)
{
	struct patient_hits h = { 0 };
	char birth[16];
	int rc;

	char query[256] = "";

	/* "vigie patient search martin jean" is the same as "martin jean" quoted. */
	for (int i = 2; i < o->nargs; i++) {
		size_t len = strlen(query);
		snprintf(query + len, sizeof query - len, "%s%s", i > 2 ? " " : "", o->args[i]);
	}
	rc = patient_search(st, query, (size_t)o->limit, &h);
	if (rc) {
		fprintf(stderr, "vigie : %s\n", st->err);
		return 1;
	}
	for (size_t i = 0; i < h.n; i++) {
		const struct patient_hit *x = &h.v[i];
		date_iso_to_fr(x->birth_date, birth, sizeof birth);
		printf("%lld\t%s\t%s\t%s\t%s\t%s\t%s\n", x->id, x->birth_name, x->used_name,
		       x->first_name, x->sex, birth, id_status_code(x->id_status));
	}
	if (h.truncated && h.n == (size_t)o->limit)
		fprintf(stderr, "vigie : plus de %d résultats, seuls les %d premiers sont affichés\n",
			o->limit, o->limit);
	else if (h.truncated)
		fprintf(stderr, "vigie : liste incomplète (mots trop courants) : seuls les premiers "
			"patients dans l'ordre alphabétique ont été examinés, précisez la recherche\n");
	patient_hits_free(&h);
	return 0;
}

static int cmd_patient_show(const struct options *o, struct store *st)
{
	struct patient p;
	char attrs[64], birth[16];
	long long id = atoll(o->args[2]);

	patient_init(&p);
	if (id <= 0 || patient_get(st, id, &p)) {
		fprintf(stderr, "vigie : %s\n", id <= 0 ? "numéro de dossier invalide" : st->err);
		return 1;
	}
	fmt_attrs(p.id_attrs, attrs, sizeof attrs);
	date_iso_to_fr(p.birth_date, birth, sizeof birth);
	printf("id: %lld\nnom_naissance: %s\nnom_utilise: %s\npremier_prenom: %s\n"
	       "prenoms_naissance: %s\nprenom_utilise: %s\nsexe: %s\ndate_naissance: %s\n"
	       "lieu_naissance: %s\nnir: %s\nmatricule_ins: %s\noid_ins: %s\nstatut: %s\n"
	       "attributs: %s\nmode_validation: %s\nversion: %d\n",
	       p.id, p.birth_name, p.used_name, p.first_name, p.birth_first_names,
	       p.used_first_name, p.sex, birth, p.birth_cog, p.nir, p.ins_matricule, p.ins_oid,
	       id_status_code(p.id_status), attrs, p.validation_mode, p.version);
	patient_clear(&p);
	return 0;
}

/* Default bindings (embedded), then the user's file, then --keys / [clavier] fichier. */
static void load_keymaps(struct keymap *km, const struct config *c, const char *extra)
{
	char path[4096];

	keymap_init(km);
	keymap_parse(km, default_keymap[0].text, "default.keys");
	config_user_path("keys", path, sizeof path);
	keymap_load_file(km, path, 1);
	if (c->keys[0])
		keymap_load_file(km, c->keys, 0);
	if (extra)
		keymap_load_file(km, extra, 0);
}

static int cmd_keys_check(const struct options *o, const struct config *c)
{
	struct keymap km;
	int bad = 0;

	if (o->nargs > 2) {
		keymap_init(&km);
		keymap_parse(&km, default_keymap[0].text, "default.keys");
		for (int i = 2; i < o->nargs; i++)
			keymap_load_file(&km, o->args[i], 0);
	} else {
		load_keymaps(&km, c, o->keys);
	}
	for (size_t i = 0; i < km.nerrors; i++, bad++)
		fprintf(stderr, "%s\n", km.errors[i]);
	printf("%zu liaison(s), %d ligne(s) refusée(s)\n", km.n, bad);
	keymap_free(&km);
	return bad ? 1 : 0;
}

static int run_tui(const struct options *o, const struct config *c, const char *login)
{
	struct app *a = calloc(1, sizeof *a);
	struct ui_options uo = { .esc_delay_ms = c->esc_delay_ms, .colour = c->colour };
	char err[512];
	int rc = 1;

	if (!a)
		return 1;
	if (open_store(c->db, 0, &a->st))
		goto out;
	store_set_user(a->st, login);
	snprintf(a->login, sizeof a->login, "%s", login);
	a->test_job_seconds = o->test_job;
	a->insi = c->insi;
	a->insi_auto = c->insi_auto;
	a->insi_recheck_years = c->insi_recheck_years;
	a->insi_up = -1;
	a->cfg = c;
	a->dmp_up = -1;
	load_keymaps(&a->km, c, o->keys);
	for (size_t i = 0; i < a->km.nerrors; i++)
		fprintf(stderr, "vigie : %s\n", a->km.errors[i]);
	if (jobs_start(c->db, c->workers, login, &a->js, err, sizeof err)) {
		fprintf(stderr, "vigie : %s\n", err);
		goto out;
	}
	if (ui_init(&uo, err, sizeof err)) {
		fprintf(stderr, "vigie : %s\n", err);
		goto out;
	}
	rc = app_run(a, err, sizeof err);
	ui_end();
	if (rc)
		fprintf(stderr, "vigie : %s\n", err);
out:
	jobs_stop(a->js);
	keymap_free(&a->km);
	store_close(a->st);
	free(a);
	return rc;
}

int main(int argc, char **argv)
{
	struct options o;
	struct config c;
	char err[512];
	const char *login;
	struct store *st;
	int rc;

	setlocale(LC_ALL, "");
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--version")) {
			printf("vigie %s\n", PACKAGE_VERSION);
			return 0;
		}
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
	}
	if (parse_args(argc, argv, &o))
		return 2;
	config_defaults(&c);
	config_load_standard(&c);
	if (o.config && config_load(&c, o.config, 0, err, sizeof err)) {
		fprintf(stderr, "vigie : %s\n", err);
		return 2;
	}
	if (c.warnings[0])
		fprintf(stderr, "vigie : configuration :\n%s\n", c.warnings);
	if (o.db)
		snprintf(c.db, sizeof c.db, "%s", o.db);
	/* The MSSanté archive sits next to the base it belongs to, unless configured. */
	if (!c.mss.archive[0] && c.db[0])
		snprintf(c.mss.archive, sizeof c.mss.archive, "%.*s.mss",
			 (int)sizeof c.mss.archive - 5, c.db);
	/* The store keeps the paths of archived files: they must not depend on the directory
	 * vigie was started from. */
	if (c.mss.archive[0] && c.mss.archive[0] != '/') {
		char cwd[2048], abs[sizeof c.mss.archive];

		if (getcwd(cwd, sizeof cwd) &&
		    (size_t)snprintf(abs, sizeof abs, "%s/%s", cwd, c.mss.archive) < sizeof abs)
			memcpy(c.mss.archive, abs, sizeof abs);
	}
	login = o.user ? o.user : c.login[0] ? c.login : default_login();
	/* A helper (vigie-net) that dies early must not kill the interface on a write. */
	signal(SIGPIPE, SIG_IGN);

	if (o.nargs == 0) {
		if (!c.db[0]) {
			fprintf(stderr, "vigie : aucune base indiquée (--db FICHIER ou [base] fichier "
				"dans vigie.conf) ; créez-en une avec « vigie init --db FICHIER »\n");
			return 2;
		}
		return run_tui(&o, &c, login);
	}
	if (!strcmp(o.args[0], "init"))
		return cmd_init(&o, &c, login);
	if (!strcmp(o.args[0], "insi")) {
		/* INSi calls live in vigie-net (libcurl, OpenSSL, libxml2): hand the command over. */
		const char *helper = net_remote_helper();
		argv[0] = (char *)helper;
		execvp(helper, argv);
		fprintf(stderr, "vigie : programme d'appel INSi %s introuvable (%s)\n", helper,
			strerror(errno));
		return 1;
	}
	if (!strcmp(o.args[0], "cog") || !strcmp(o.args[0], "stats")) {
		struct cli cl = { &c, login, o.nargs, o.args, argc, argv };

		return !strcmp(o.args[0], "cog") ? cli_cog(&cl) : cli_stats(&cl);
	}
	if (!strcmp(o.args[0], "dica") || !strcmp(o.args[0], "dmp")) {
		struct cli cl = { &c, login, o.nargs, o.args, argc, argv };

		return cli_dmp(&cl);
	}
	if (!strcmp(o.args[0], "mss")) {
		struct cli cl = { &c, login, o.nargs, o.args, argc, argv };

		return cli_mss(&cl);
	}
	if (!strcmp(o.args[0], "keys") && o.nargs >= 2 && !strcmp(o.args[1], "check"))
		return cmd_keys_check(&o, &c);
	if (!strcmp(o.args[0], "patient") && o.nargs >= 3 &&
	    (!strcmp(o.args[1], "search") || (!strcmp(o.args[1], "show") && o.nargs == 3))) {
		struct cli cl = { &c, login, o.nargs, o.args, argc, argv };

		if ((rc = cli_open_store(&cl, "vigie", &st)))
			return rc;
		rc = !strcmp(o.args[1], "search") ? cmd_patient_search(&o, st)
						   : cmd_patient_show(&o, st);
		store_close(st);
		return rc;
	}
	fprintf(stderr, "vigie : commande inconnue « %s » (voir vigie --help)\n", o.args[0]);
	return 2;
}
