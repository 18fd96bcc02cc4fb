/* vigie-sim: loopback simulator of the national teleservices (INSi) for Vigie's tests and demo. */
#include "config.h"
#include "sim/sim.h"
#include "sim/sim_dmp.h"

#include <errno.h>
#include <getopt.h>
#include <ini.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#ifndef SIM_DATADIR
#define SIM_DATADIR "/usr/local/share/vigie"
#endif
#ifndef SIM_SRCDIR
#define SIM_SRCDIR "."
#endif
#define IDENTITIES_FILE "insi-sim-identities.tsv"
#define DMP_PATIENTS_FILE "dmp-sim-patients.tsv"
#define PSC_USERS_FILE "psc-sim-users.tsv"

static void usage(FILE *out)
{
	fprintf(out,
		"Usage : vigie-sim --cert FICHIER --key FICHIER [OPTIONS]\n"
		"Simulateur local des téléservices nationaux pour les tests et la démonstration\n"
		"de Vigie : sert le téléservice INSi (SOAP 1.2, POST /lps), le DMP (TD0.2, TD0.3,\n"
		"TD3.1, TD3.2 sous /si-dmp-server/v2/services/) et Pro Santé Connect (CIBA sous\n"
		"/psc/) en HTTPS sur 127.0.0.1, avec des données fictives et des pannes injectables.\n"
		"\n"
		"  --port N               port d'écoute (0 = un port libre, par défaut)\n"
		"  --port-file FICHIER    écrit le port choisi dans FICHIER une fois à l'écoute\n"
		"  --cert FICHIER         certificat du serveur (PEM)\n"
		"  --key FICHIER          clé privée du serveur (PEM)\n"
		"  --client-ca FICHIER    exige un certificat client signé par cette autorité (PEM)\n"
		"  --log FICHIER          une ligne par requête : heure service opération détail "
		"résultat\n"
		"  --fault SERVICE=PANNE  panne injectée (répétable), SERVICE : insi, dmp, psc ;\n"
		"                         PANNE : none, delay:MS, http500, soap:CODE, malformed,\n"
		"                         reset, hang (CODE INSi : insi_102, desir_550, DESIR_560,\n"
		"                         desir_1020, insi_24 ; DMP : DMP_FERME, DMPVIHF...) ;\n"
		"                         dmp seulement : wrongpatient, badhash\n"
		"  --fault ciba=COMPORTEMENT  validation CIBA : approve[:MS], deny[:MS],\n"
		"                         expire[:S], interval:S, ttl:S, refresh_ttl:S, acr:V\n"
		"  --config FICHIER       les mêmes réglages dans un fichier INI\n"
		"  --identities FICHIER   table des identités fictives\n"
		"                         (par défaut : %s/%s)\n"
		"  --dmp-patients FICHIER table des DMP simulés (dmp-sim-patients.tsv)\n"
		"  --psc-users FICHIER    professionnels connus de PSC (psc-sim-users.tsv)\n"
		"  --style N              préfixes et ordre des réponses fixés (0 à 3) au lieu de\n"
		"                         varier à chaque requête\n"
		"  --help                 affiche cette aide\n"
		"\n"
		"Usage : vigie-sim mss-message [OPTIONS] : écrit un message MSSanté de test\n"
		"(« vigie-sim mss-message --help » pour ses options).\n"
		"\n"
		"Pilotage pendant les tests : POST /_sim/fault (corps insi=PANNE, dmp=..., ciba=...),\n"
		"GET /_sim/stats (lignes insi_requests: N ...).\n",
		SIM_DATADIR, IDENTITIES_FILE);
}

/* ---- settings: options and the INI file share the same names --------------------------- */

static int set_path(char *dst, size_t size, const char *value, const char *name, char *err,
		    size_t errsize)
{
	if (strlen(value) >= size) {
		snprintf(err, errsize, "%s : chemin trop long", name);
		return -1;
	}
	strcpy(dst, value);
	return 0;
}

static int parse_int(const char *value, int min, int max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(value, &end, 10);
	if (!value[0] || *end || errno || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

static int apply_setting(struct sim_options *o, const char *name, const char *value, char *err,
			 size_t errsize)
{
	if (!strcmp(name, "port")) {
		if (parse_int(value, 0, 65535, &o->port)) {
			snprintf(err, errsize, "port : nombre de 0 à 65535 attendu, « %s » reçu", value);
			return -1;
		}
		return 0;
	}
	if (!strcmp(name, "style")) {
		if (parse_int(value, 0, SIM_STYLES - 1, &o->style)) {
			snprintf(err, errsize, "style : 0 à %d attendu", SIM_STYLES - 1);
			return -1;
		}
		return 0;
	}
	if (!strcmp(name, "fault"))
		return sim_fault_assign(value, err, errsize);
	if (!strcmp(name, "port-file"))
		return set_path(o->port_file, sizeof o->port_file, value, name, err, errsize);
	if (!strcmp(name, "cert"))
		return set_path(o->cert, sizeof o->cert, value, name, err, errsize);
	if (!strcmp(name, "key"))
		return set_path(o->key, sizeof o->key, value, name, err, errsize);
	if (!strcmp(name, "client-ca"))
		return set_path(o->client_ca, sizeof o->client_ca, value, name, err, errsize);
	if (!strcmp(name, "log"))
		return set_path(o->log, sizeof o->log, value, name, err, errsize);
	if (!strcmp(name, "identities"))
		return set_path(o->identities, sizeof o->identities, value, name, err, errsize);
	if (!strcmp(name, "dmp-patients"))
		return set_path(o->dmp_patients, sizeof o->dmp_patients, value, name, err, errsize);
	if (!strcmp(name, "psc-users"))
		return set_path(o->psc_users, sizeof o->psc_users, value, name, err, errsize);
	snprintf(err, errsize, "réglage inconnu « %s »", name);
	return -1;
}

struct ini_state {
	struct sim_options *o;
	char err[300];
};

/* [sim] holds the options by name ('_' or '-'); [faults] holds SERVICE = PANNE lines. */
static int on_ini(void *user, const char *section, const char *name, const char *value)
{
	struct ini_state *st = user;
	char key[64], msg[256], assignment[128];

	if (st->err[0])
		return 0;
	if (!strcmp(section, "faults")) {
		snprintf(assignment, sizeof assignment, "%s=%s", name, value);
		if (sim_fault_assign(assignment, msg, sizeof msg) == 0)
			return 1;
	} else if (!strcmp(section, "sim") || !section[0]) {
		snprintf(key, sizeof key, "%s", name);
		for (char *p = key; *p; p++)
			if (*p == '_')
				*p = '-';
		if (apply_setting(st->o, key, value, msg, sizeof msg) == 0)
			return 1;
	} else {
		snprintf(msg, sizeof msg, "section inconnue [%s] (attendu : [sim] ou [faults])",
			 section);
	}
	snprintf(st->err, sizeof st->err, "%s", msg);
	return 0;
}

static int load_config(const char *path, struct sim_options *o, char *err, size_t errsize)
{
	struct ini_state st = { .o = o };
	int rc = ini_parse(path, on_ini, &st);

	if (rc == -1)
		snprintf(err, errsize, "%s : %s", path, strerror(errno));
	else if (st.err[0])
		snprintf(err, errsize, "%s:%d : %s", path, rc, st.err);
	else if (rc)
		snprintf(err, errsize, "%s:%d : ligne mal formée", path, rc);
	return rc ? -1 : 0;
}

/* ---- command line ---------------------------------------------------------------------- */

static const struct option long_opts[] = {
	{ "port", required_argument, NULL, 'p' },
	{ "port-file", required_argument, NULL, 'P' },
	{ "cert", required_argument, NULL, 'c' },
	{ "key", required_argument, NULL, 'k' },
	{ "client-ca", required_argument, NULL, 'a' },
	{ "log", required_argument, NULL, 'l' },
	{ "fault", required_argument, NULL, 'f' },
	{ "config", required_argument, NULL, 'C' },
	{ "identities", required_argument, NULL, 'i' },
	{ "dmp-patients", required_argument, NULL, 'D' },
	{ "psc-users", required_argument, NULL, 'U' },
	{ "style", required_argument, NULL, 's' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static const char *option_name(int c)
{
	for (const struct option *o = long_opts; o->name; o++)
		if (o->val == c)
			return o->name;
	return "?";
}

/* The config file is read first, whatever its place: the command line then overrides it. */
static int parse_command_line(int argc, char **argv, struct sim_options *o, char *err,
			      size_t errsize)
{
	const char *config = NULL;
	int c;

	opterr = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help"))
			return 1;
		if (!strcmp(argv[i], "--config") && i + 1 < argc)
			config = argv[i + 1];
		else if (!strncmp(argv[i], "--config=", 9))
			config = argv[i] + 9;
	}
	if (config && load_config(config, o, err, errsize))
		return -1;
	while ((c = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		if (c == '?' || c == ':') {
			snprintf(err, errsize, "option inconnue ou incomplète %s", argv[optind - 1]);
			return -2;
		}
		if (c == 'C' || c == 'h')
			continue;
		if (apply_setting(o, option_name(c), optarg, err, errsize))
			return -2;
	}
	if (optind < argc) {
		snprintf(err, errsize, "argument inattendu « %s »", argv[optind]);
		return -2;
	}
	return 0;
}

/* The installed table, else the source tree's (running from a build directory). */
static void default_table(char *path, size_t size, const char *file)
{
	if (path[0])
		return;
	snprintf(path, size, "%s/%s", SIM_DATADIR, file);
	if (access(path, R_OK) != 0)
		snprintf(path, size, "%s/data/%s", SIM_SRCDIR, file);
}

/* Written whole then renamed: a reader never sees a half-written number. */
static int write_port_file(const char *path, int port, char *err, size_t errsize)
{
	char tmp[1100];
	FILE *f;

	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f || fprintf(f, "%d\n", port) < 0 || fclose(f) != 0 || rename(tmp, path) != 0) {
		snprintf(err, errsize, "fichier de port %s : %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int serve(const struct sim_options *o, const struct sim_table *t, char *err,
		 size_t errsize)
{
	struct sim_server *s;
	sigset_t set;
	int sig = 0;

	/* Blocked before MHD starts its threads, so that only sigwait() sees them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	s = sim_server_start(o, t, err, errsize);
	if (!s)
		return -1;
	if (o->port_file[0] && write_port_file(o->port_file, sim_server_port(s), err, errsize)) {
		sim_server_stop(s);
		return -1;
	}
	printf("vigie-sim : INSi sur https://localhost:%d/lps, DMP sous /si-dmp-server/v2/"
	       "services, PSC sous /psc%s\n", sim_server_port(s),
	       o->client_ca[0] ? " (certificat client exigé)" : "");
	fflush(stdout);
	sigwait(&set, &sig);
	sim_server_stop(s);
	return 0;
}

int main(int argc, char **argv)
{
	struct sim_options o = { .port = 0, .style = -1 };
	struct sim_table table;
	char err[512] = "";
	int rc;

	/* Subcommands that build test data and exit, before the server's options. */
	if (argc > 1 && !strcmp(argv[1], "mss-message")) {
		default_table(o.dmp_patients, sizeof o.dmp_patients, DMP_PATIENTS_FILE);
		return sim_mss_main(argc - 1, argv + 1, o.dmp_patients);
	}
	if (argc > 1 && !strcmp(argv[1], "mss-extract"))
		return sim_mss_extract_main(argc - 1, argv + 1);
	rc = parse_command_line(argc, argv, &o, err, sizeof err);
	if (rc == 1) {
		usage(stdout);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "vigie-sim : %s\n", err);
		if (rc == -2)
			fprintf(stderr, "Essayez « vigie-sim --help ».\n");
		return rc == -2 ? 2 : 1;
	}
	default_table(o.identities, sizeof o.identities, IDENTITIES_FILE);
	default_table(o.dmp_patients, sizeof o.dmp_patients, DMP_PATIENTS_FILE);
	default_table(o.psc_users, sizeof o.psc_users, PSC_USERS_FILE);
	if (sim_identities_load(o.identities, &table, err, sizeof err)) {
		fprintf(stderr, "vigie-sim : %s\n", err);
		return 1;
	}
	if (sim_dmp_init(o.dmp_patients, err, sizeof err) ||
	    sim_psc_init(o.psc_users, err, sizeof err)) {
		fprintf(stderr, "vigie-sim : %s\n", err);
		sim_identities_free(&table);
		sim_dmp_free();
		sim_psc_free();
		return 1;
	}
	xmlInitParser();
	rc = serve(&o, &table, err, sizeof err);
	if (rc)
		fprintf(stderr, "vigie-sim : %s\n", err);
	sim_identities_free(&table);
	sim_dmp_free();
	sim_psc_free();
	xmlCleanupParser();
	return rc ? 1 : 0;
}
