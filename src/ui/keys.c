/* Key names for keymap files and help screens. */
#include "ui/keys.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;   /* as written in keymap files */
	const char *label;  /* as shown to users (French) */
	int key;
} named[] = {
	{ "Enter", "Entrée", VK_ENTER },     { "Esc", "Échap", VK_ESC },
	{ "Tab", "Tab", VK_TAB },            { "BTab", "Maj-Tab", VK_BTAB },
	{ "Space", "Espace", VK_SPACE },     { "Backspace", "Retour arr.", VK_BACKSPACE },
	{ "Up", "Haut", VK_UP },             { "Down", "Bas", VK_DOWN },
	{ "Left", "Gauche", VK_LEFT },       { "Right", "Droite", VK_RIGHT },
	{ "PgUp", "Page préc.", VK_PGUP },   { "PgDn", "Page suiv.", VK_PGDN },
	{ "Home", "Début", VK_HOME },        { "End", "Fin", VK_END },
	{ "Ins", "Inser", VK_INSERT },       { "Del", "Suppr", VK_DELETE },
	{ "F1", "F1", VK_F1 },   { "F2", "F2", VK_F2 },   { "F3", "F3", VK_F3 },
	{ "F4", "F4", VK_F4 },   { "F5", "F5", VK_F5 },   { "F6", "F6", VK_F6 },
	{ "F7", "F7", VK_F7 },   { "F8", "F8", VK_F8 },   { "F9", "F9", VK_F9 },
	{ "F10", "F10", VK_F10 }, { "F11", "F11", VK_F11 }, { "F12", "F12", VK_F12 },
};

size_t key_utf8(int cp, char *out)
{
	if (cp < 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	if (cp < 0x80) {
		out[0] = (char)cp;
		out[1] = '\0';
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		out[2] = '\0';
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		out[3] = '\0';
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	out[4] = '\0';
	return 4;
}

/* Decode exactly one UTF-8 character; -1 if s is not exactly one. */
static int utf8_single(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	int cp, len;

	if (u[0] < 0x80)
		cp = u[0], len = 1;
	else if ((u[0] & 0xe0) == 0xc0)
		cp = u[0] & 0x1f, len = 2;
	else if ((u[0] & 0xf0) == 0xe0)
		cp = u[0] & 0x0f, len = 3;
	else if ((u[0] & 0xf8) == 0xf0)
		cp = u[0] & 0x07, len = 4;
	else
		return -1;
	for (int i = 1; i < len; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return -1;
		cp = (cp << 6) | (u[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF would alias named keys. */
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return -1;
	return u[len] == '\0' ? cp : -1;
}

int key_from_name(const char *name)
{
	int cp;

	if (!name || !*name)
		return -1;
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
		if (strcasecmp(name, named[i].name) == 0)
			return named[i].key;
	if ((name[0] == 'C' || name[0] == 'c') && name[1] == '-' && name[2] && !name[3]) {
		char c = name[2];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c < 'a' || c > 'z')
			return -1;
		/* The terminal sends these as Backspace, Tab and Enter: bind what will arrive. */
		if (c == 'h')
			return VK_BACKSPACE;
		if (c == 'j' || c == 'm')
			return VK_ENTER;
		return VK_CTRL(c);
	}
	cp = utf8_single(name);
	if (cp > 32 && cp != 127)
		return cp;
	return -1;
}

const char *vk_name(int key, char *buf, size_t size)
{
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
		if (named[i].key == key) {
			snprintf(buf, size, "%s", named[i].label);
			return buf;
		}
	}
	if (key >= 1 && key <= 26) {
		snprintf(buf, size, "C-%c", 'a' + key - 1);
		return buf;
	}
	if (key_utf8(key, buf) && size >= 5)
		return buf;
	snprintf(buf, size, "?");
	return buf;
}

int key_is_text(int key)
{
	return key >= 32 && key != 127 && key < VK_NAMED && !(key >= 0x80 && key < 0xa0);
}
