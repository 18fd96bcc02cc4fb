/* Key names for keymap files and help screens. */
#include "ui/keys.h"
#include "core/text.h"

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
	size_t n = text_utf8_encode(cp, out);

	out[n] = '\0';
	return n;
}

/* The code point of a name that is exactly one valid UTF-8 character, else -1. */
static int utf8_single(const char *s)
{
	size_t len;
	long cp = text_utf8_next(s, &len);

	return cp > 0 && s[len] == '\0' ? (int)cp : -1;
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
