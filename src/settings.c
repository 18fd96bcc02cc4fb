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
		if (!strcmp(value, "oui"))
			c->insi_auto = 1;
		else if (!strcmp(value, "non"))
			c->insi_auto = 0;
		else
			snprintf(msg, msgsize, "[insi] automatique : oui ou non attendu");
	} else if (!strcmp(name, "verification_ans")) {
		if (parse_int(value, 1, 50, &c->insi_recheck_years))
			snprintf(msg, msgsize, "[insi] verification_ans : nombre d'années attendu");
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
	} else if (!strcmp(section, "insi") && insi_key(c, lc->path, name, value, msg, sizeof msg)) {
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
