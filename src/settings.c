/* Configuration: /etc/vigie/vigie.conf, then $XDG_CONFIG_HOME/vigie/vigie.conf, then --config. */
#include <config.h>
#include "settings.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof *c);
	c->esc_delay_ms = 25;
	c->colour = -1;
	c->workers = 2;
	c->insi.connect_timeout_ms = 5000;
	c->insi.timeout_ms = 20000;
	snprintf(c->insi.software_name, sizeof c->insi.software_name, "VIGIE");
	snprintf(c->insi.software_version, sizeof c->insi.software_version, "%s", PACKAGE_VERSION);
	c->insi_auto = 1;
	c->insi_recheck_years = 4;
	c->dmp.connect_timeout_ms = 5000;
	c->dmp.timeout_ms = 30000;
	snprintf(c->dmp.software_name, sizeof c->dmp.software_name, "VIGIE");
	snprintf(c->dmp.software_version, sizeof c->dmp.software_version, "%s", PACKAGE_VERSION);
	snprintf(c->dmp.secteur, sizeof c->dmp.secteur, "SA07^1.2.250.1.71.4.2.4");
	c->dmp_auto = 1;
	c->dmp_bdg_minutes = 60;
	c->dmp_reminder_days = 180;
	snprintf(c->dmp_weather, sizeof c->dmp_weather,
		 "https://esante.gouv.fr/produits-services/meteo-des-services");
	c->psc.connect_timeout_ms = 5000;
	c->psc.timeout_ms = 15000;
	c->psc.max_wait_s = 120;
	snprintf(c->psc.scope, sizeof c->psc.scope, "openid scope_all");
	snprintf(c->psc.acr, sizeof c->psc.acr, "eidas1");
	snprintf(c->psc.channel, sizeof c->psc.channel, "MOBILE");
	snprintf(c->mss.mailbox, sizeof c->mss.mailbox, "INBOX");
	snprintf(c->mss.auth, sizeof c->mss.auth, "password");
	c->mss.max_message = 100LL * 1024 * 1024;
	c->mss.max_part = 30LL * 1024 * 1024;
	c->mss.max_messages = 200;
	c->mss.connect_timeout_ms = 10000;
	c->mss.timeout_ms = 120000;
	c->mss_interval = 300;
}

/* A relative path in a configuration file is relative to that file's folder. */
static void set_path(char *dst, size_t size, const char *conf_path, const char *value)
{
	const char *slash = strrchr(conf_path, '/');

	if (value[0] == '/' || !slash || !value[0])
		snprintf(dst, size, "%s", value);
	else
		snprintf(dst, size, "%.*s/%s", (int)(slash - conf_path), conf_path, value);
}

static int parse_int(const char *value, long lo, long hi, int *out)
{
	char *end;
	long v = strtol(value, &end, 10);

	if (!*value || *end || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

static int yes_no(const char *value, int *out)
{
	if (!strcmp(value, "oui"))
		*out = 1;
	else if (!strcmp(value, "non"))
		*out = 0;
	else
		return -1;
	return 0;
}

/* [insi] keys; returns 1 when the key was known. */
static int insi_key(struct config *c, const char *path, const char *name, const char *value,
		    char *msg, size_t msgsize)
{
	struct insi_config *i = &c->insi;
	int secs;

	msg[0] = 0;
	if (!strcmp(name, "adresse"))
		snprintf(i->endpoint, sizeof i->endpoint, "%s", value);
	else if (!strcmp(name, "ca"))
		set_path(i->ca_file, sizeof i->ca_file, path, value);
	else if (!strcmp(name, "certificat"))
		set_path(i->cert_file, sizeof i->cert_file, path, value);
	else if (!strcmp(name, "type_certificat")) {
		if (strcmp(value, "PEM") && strcmp(value, "P12") && value[0])
			snprintf(msg, msgsize, "[insi] type_certificat : PEM ou P12 attendu");
		else
			snprintf(i->cert_type, sizeof i->cert_type, "%s", value);
	} else if (!strcmp(name, "cle"))
		set_path(i->key_file, sizeof i->key_file, path, value);
	else if (!strcmp(name, "mot_de_passe"))
		snprintf(i->key_password, sizeof i->key_password, "%s", value);
	else if (!strcmp(name, "idam"))
		snprintf(i->idam, sizeof i->idam, "%s", value);
	else if (!strcmp(name, "emetteur"))
		snprintf(i->emitter, sizeof i->emitter, "%s", value);
	else if (!strcmp(name, "instance"))
		snprintf(i->instance, sizeof i->instance, "%s", value);
	else if (!strcmp(name, "delai_connexion")) {
		if (parse_int(value, 1, 120, &secs))
			snprintf(msg, msgsize, "[insi] delai_connexion : secondes (1 à 120) attendues");
		else
			i->connect_timeout_ms = secs * 1000;
	} else if (!strcmp(name, "delai_total")) {
		if (parse_int(value, 1, 600, &secs))
			snprintf(msg, msgsize, "[insi] delai_total : secondes (1 à 600) attendues");
		else
			i->timeout_ms = secs * 1000;
	} else if (!strcmp(name, "automatique")) {
		if (yes_no(value, &c->insi_auto))
			snprintf(msg, msgsize, "[insi] automatique : oui ou non attendu");
	} else if (!strcmp(name, "verification_ans")) {
		if (parse_int(value, 1, 50, &c->insi_recheck_years))
			snprintf(msg, msgsize, "[insi] verification_ans : nombre d'années attendu");
	} else
		return 0;
	return 1;
}

/* [dmp] keys; returns 1 when the key was known. */
static int dmp_key(struct config *c, const char *path, const char *name, const char *value,
		   char *msg, size_t msgsize)
{
	struct dmp_config *d = &c->dmp;
	int n;

	msg[0] = 0;
	if (!strcmp(name, "adresse"))
		snprintf(d->endpoint, sizeof d->endpoint, "%s", value);
	else if (!strcmp(name, "ca"))
		set_path(d->ca_file, sizeof d->ca_file, path, value);
	else if (!strcmp(name, "certificat"))
		set_path(d->cert_file, sizeof d->cert_file, path, value);
	else if (!strcmp(name, "type_certificat")) {
		if (strcmp(value, "PEM") && strcmp(value, "P12") && value[0])
			snprintf(msg, msgsize, "[dmp] type_certificat : PEM ou P12 attendu");
		else
			snprintf(d->cert_type, sizeof d->cert_type, "%s", value);
	} else if (!strcmp(name, "cle"))
		set_path(d->key_file, sizeof d->key_file, path, value);
	else if (!strcmp(name, "mot_de_passe"))
		snprintf(d->key_password, sizeof d->key_password, "%s", value);
	else if (!strcmp(name, "cachet_certificat"))
		set_path(d->seal_cert, sizeof d->seal_cert, path, value);
	else if (!strcmp(name, "cachet_cle"))
		set_path(d->seal_key, sizeof d->seal_key, path, value);
	else if (!strcmp(name, "cachet_mot_de_passe"))
		snprintf(d->seal_password, sizeof d->seal_password, "%s", value);
	else if (!strcmp(name, "homologation"))
		snprintf(d->homologation, sizeof d->homologation, "%s", value);
	else if (!strcmp(name, "structure"))
		snprintf(d->structure_id, sizeof d->structure_id, "%s", value);
	else if (!strcmp(name, "nom_structure"))
		snprintf(d->structure_name, sizeof d->structure_name, "%s", value);
	else if (!strcmp(name, "secteur"))
		snprintf(d->secteur, sizeof d->secteur, "%s", value);
	else if (!strcmp(name, "meteo"))
		snprintf(c->dmp_weather, sizeof c->dmp_weather, "%s", value);
	else if (!strcmp(name, "delai_connexion")) {
		if (parse_int(value, 1, 120, &n))
			snprintf(msg, msgsize, "[dmp] delai_connexion : secondes (1 à 120) attendues");
		else
			d->connect_timeout_ms = n * 1000;
	} else if (!strcmp(name, "delai_total")) {
		if (parse_int(value, 1, 600, &n))
			snprintf(msg, msgsize, "[dmp] delai_total : secondes (1 à 600) attendues");
		else
			d->timeout_ms = n * 1000;
	} else if (!strcmp(name, "automatique")) {
		if (yes_no(value, &c->dmp_auto))
			snprintf(msg, msgsize, "[dmp] automatique : oui ou non attendu");
	} else if (!strcmp(name, "bris_de_glace_minutes")) {
		if (parse_int(value, 5, 1440, &c->dmp_bdg_minutes))
			snprintf(msg, msgsize, "[dmp] bris_de_glace_minutes : minutes (5 à 1440) "
				 "attendues");
	} else if (!strcmp(name, "rappel_jours")) {
		if (parse_int(value, 1, 3650, &c->dmp_reminder_days))
			snprintf(msg, msgsize, "[dmp] rappel_jours : nombre de jours attendu");
	} else
		return 0;
	return 1;
}

/* [psc] keys; returns 1 when the key was known. */
static int psc_key(struct config *c, const char *path, const char *name, const char *value,
		   char *msg, size_t msgsize)
{
	struct psc_config *p = &c->psc;
	int n;

	msg[0] = 0;
	if (!strcmp(name, "emetteur"))
		snprintf(p->issuer, sizeof p->issuer, "%s", value);
	else if (!strcmp(name, "client_id"))
		snprintf(p->client_id, sizeof p->client_id, "%s", value);
	else if (!strcmp(name, "client_secret"))
		snprintf(p->client_secret, sizeof p->client_secret, "%s", value);
	else if (!strcmp(name, "ca"))
		set_path(p->ca_file, sizeof p->ca_file, path, value);
	else if (!strcmp(name, "certificat"))
		set_path(p->cert_file, sizeof p->cert_file, path, value);
	else if (!strcmp(name, "cle"))
		set_path(p->key_file, sizeof p->key_file, path, value);
	else if (!strcmp(name, "scope"))
		snprintf(p->scope, sizeof p->scope, "%s", value);
	else if (!strcmp(name, "acr"))
		snprintf(p->acr, sizeof p->acr, "%s", value);
	else if (!strcmp(name, "canal")) {
		if (strcmp(value, "MOBILE") && strcmp(value, "CARD"))
			snprintf(msg, msgsize, "[psc] canal : MOBILE ou CARD attendu");
		else
			snprintf(p->channel, sizeof p->channel, "%s", value);
	} else if (!strcmp(name, "identifiant"))
		snprintf(c->psc_login_hint, sizeof c->psc_login_hint, "%s", value);
	else if (!strcmp(name, "delai_connexion")) {
		if (parse_int(value, 1, 120, &n))
			snprintf(msg, msgsize, "[psc] delai_connexion : secondes (1 à 120) attendues");
		else
			p->connect_timeout_ms = n * 1000;
	} else if (!strcmp(name, "delai_total")) {
		if (parse_int(value, 1, 600, &n))
			snprintf(msg, msgsize, "[psc] delai_total : secondes (1 à 600) attendues");
		else
			p->timeout_ms = n * 1000;
	} else if (!strcmp(name, "attente_max")) {
		if (parse_int(value, 10, 900, &p->max_wait_s))
			snprintf(msg, msgsize, "[psc] attente_max : secondes (10 à 900) attendues");
	} else
		return 0;
	return 1;
}

/* [mss] keys; returns 1 when the key was known. */
static int mss_key(struct config *c, const char *path, const char *name, const char *value,
		   char *msg, size_t msgsize)
{
	struct mss_config *m = &c->mss;
	int n;

	msg[0] = 0;
	if (!strcmp(name, "adresse")) {
		if (value[0] && strncmp(value, "imaps://", 8))
			snprintf(msg, msgsize, "[mss] adresse : une adresse imaps://serveur:port est "
				 "attendue (TLS obligatoire), valeur ignorée");
		else
			snprintf(m->url, sizeof m->url, "%s", value);
	} else if (!strcmp(name, "boite")) {
		if (!value[0])
			snprintf(msg, msgsize, "[mss] boite : nom de dossier IMAP attendu (INBOX)");
		else
			snprintf(m->mailbox, sizeof m->mailbox, "%s", value);
	} else if (!strcmp(name, "identifiant"))
		snprintf(m->user, sizeof m->user, "%s", value);
	else if (!strcmp(name, "mot_de_passe"))
		snprintf(m->password, sizeof m->password, "%s", value);
	else if (!strcmp(name, "jeton"))
		snprintf(m->token, sizeof m->token, "%s", value);
	else if (!strcmp(name, "authentification")) {
		if (strcmp(value, "password") && strcmp(value, "OAUTHBEARER") &&
		    strcmp(value, "XOAUTH2"))
			snprintf(msg, msgsize, "[mss] authentification : password, OAUTHBEARER ou "
				 "XOAUTH2 attendu, valeur ignorée");
		else
			snprintf(m->auth, sizeof m->auth, "%s", value);
	} else if (!strcmp(name, "ca"))
		set_path(m->ca_file, sizeof m->ca_file, path, value);
	else if (!strcmp(name, "archive"))
		set_path(m->archive, sizeof m->archive, path, value);
	else if (!strcmp(name, "intervalle")) {
		if (parse_int(value, 0, 86400, &c->mss_interval))
			snprintf(msg, msgsize, "[mss] intervalle : secondes (0 à 86400) attendues");
	} else if (!strcmp(name, "taille_max_message")) {
		if (parse_int(value, 1, 2048, &n))
			snprintf(msg, msgsize, "[mss] taille_max_message : mégaoctets (1 à 2048) "
				 "attendus");
		else
			m->max_message = (long long)n * 1024 * 1024;
	} else if (!strcmp(name, "taille_max_piece")) {
		if (parse_int(value, 1, 2048, &n))
			snprintf(msg, msgsize, "[mss] taille_max_piece : mégaoctets (1 à 2048) "
				 "attendus");
		else
			m->max_part = (long long)n * 1024 * 1024;
	} else if (!strcmp(name, "messages_par_releve")) {
		if (parse_int(value, 1, 10000, &m->max_messages))
			snprintf(msg, msgsize, "[mss] messages_par_releve : nombre (1 à 10000) "
				 "attendu");
	} else if (!strcmp(name, "delai_connexion")) {
		if (parse_int(value, 1, 120, &n))
			snprintf(msg, msgsize, "[mss] delai_connexion : secondes (1 à 120) attendues");
		else
			m->connect_timeout_ms = n * 1000;
	} else if (!strcmp(name, "delai_total") || !strcmp(name, "delai")) {
		if (parse_int(value, 1, 3600, &n))
			snprintf(msg, msgsize, "[mss] %s : secondes (1 à 3600) attendues", name);
		else
			m->timeout_ms = n * 1000;
	} else
		return 0;
	return 1;
}

struct load_ctx {
	struct config *c;
	const char *path;
	int line;
};

static void warn(struct config *c, const char *path, int line, const char *msg)
{
	size_t len = strlen(c->warnings);

	if (line > 0)
		snprintf(c->warnings + len, sizeof c->warnings - len, "%s%s:%d: %s",
			 len ? "\n" : "", path, line, msg);
	else
		snprintf(c->warnings + len, sizeof c->warnings - len, "%s%s: %s",
			 len ? "\n" : "", path, msg);
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	/* Debian's libinih is built without line numbers in callbacks. */
	int lineno = 0;

	struct load_ctx *lc = user;
	struct config *c = lc->c;
	char msg[200];

	if (!strcmp(section, "base") && !strcmp(name, "fichier")) {
		snprintf(c->db, sizeof c->db, "%s", value);
	} else if (!strcmp(section, "utilisateur") && !strcmp(name, "identifiant")) {
		snprintf(c->login, sizeof c->login, "%s", value);
	} else if (!strcmp(section, "interface") && !strcmp(name, "delai_echap")) {
		char *end;
		long v = strtol(value, &end, 10);
		if (*end || v < 1 || v > 1000) {
			snprintf(msg, sizeof msg, "delai_echap : nombre de millisecondes attendu "
				 "(1 à 1000), « %s » ignoré", value);
			warn(c, lc->path, lineno, msg);
		} else {
			c->esc_delay_ms = (int)v;
		}
	} else if (!strcmp(section, "interface") && !strcmp(name, "couleurs")) {
		if (!strcmp(value, "auto"))
			c->colour = -1;
		else if (!strcmp(value, "oui"))
			c->colour = 1;
		else if (!strcmp(value, "non"))
			c->colour = 0;
		else {
			snprintf(msg, sizeof msg, "couleurs : auto, oui ou non attendu, « %s » ignoré",
				 value);
			warn(c, lc->path, lineno, msg);
		}
	} else if (!strcmp(section, "clavier") && !strcmp(name, "fichier")) {
		snprintf(c->keys, sizeof c->keys, "%s", value);
	} else if (!strcmp(section, "taches") && !strcmp(name, "nombre")) {
		char *end;
		long v = strtol(value, &end, 10);
		if (!*end && v >= 1 && v <= 8)
			c->workers = (int)v;
		else
			warn(c, lc->path, lineno, "[taches] nombre : un entier de 1 à 8, valeur ignorée");
	} else if ((!strcmp(section, "insi") && insi_key(c, lc->path, name, value, msg, sizeof msg)) ||
		   (!strcmp(section, "dmp") && dmp_key(c, lc->path, name, value, msg, sizeof msg)) ||
		   (!strcmp(section, "psc") && psc_key(c, lc->path, name, value, msg, sizeof msg)) ||
		   (!strcmp(section, "mss") && mss_key(c, lc->path, name, value, msg, sizeof msg))) {
		if (msg[0])
			warn(c, lc->path, lineno, msg);
	} else {
		snprintf(msg, sizeof msg, "clé inconnue [%s] %s, ignorée", section, name);
		warn(c, lc->path, lineno, msg);
	}
	return 1;
}

int config_load(struct config *c, const char *path, int optional, char *err, size_t errsize)
{
	struct load_ctx lc = { c, path, 0 };
	FILE *f = fopen(path, "r");
	int rc;

	if (!f) {
		if (optional && errno == ENOENT)
			return 0;
		snprintf(err, errsize, "Fichier de configuration illisible : %s (%s)", path,
			 strerror(errno));
		return -1;
	}
	rc = ini_parse_file(f, handler, &lc);
	fclose(f);
	if (rc > 0)
		warn(c, path, rc, "ligne mal formée (attendu : clé = valeur ou [section]), ignorée");
	return 0;
}

void config_user_path(const char *name, char *buf, size_t size)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");

	if (xdg && *xdg)
		snprintf(buf, size, "%s/vigie/%s", xdg, name);
	else
		snprintf(buf, size, "%s/.config/vigie/%s", home ? home : ".", name);
}

void config_load_standard(struct config *c)
{
	char path[4096], err[256];

	if (config_load(c, "/etc/vigie/vigie.conf", 1, err, sizeof err))
		warn(c, "/etc/vigie/vigie.conf", 0, err);
	config_user_path("vigie.conf", path, sizeof path);
	if (config_load(c, path, 1, err, sizeof err))
		warn(c, path, 0, err);
}
