/* Unit tests of key names (src/ui/keys.c) and keymaps (src/ui/keymap.c), incl. the default keymap file. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/embedded.h" /* struct embedded_file */
#include "ui/form.h"
#include "ui/keymap.h"
#include "ui/keys.h"

/* Generated from keymaps/default.keys (src/ui/keymap_gen.c); what vigie itself loads. */
extern const struct embedded_file default_keymap[];

static const char *const contexts[] = { "global", "list", "search", "dossier", "form", "help" };
#define NCONTEXTS (sizeof contexts / sizeof contexts[0])

static void default_path(char *buf, size_t size)
{
	const char *dir = getenv("SRCDIR");

	snprintf(buf, size, "%s%skeymaps/default.keys", dir && *dir ? dir : "",
		 dir && *dir ? "/" : "");
}

static void load_default(struct keymap *km)
{
	char path[4096];
	int bad;

	default_path(path, sizeof path);
	keymap_init(km);
	bad = keymap_load_file(km, path, 0);
	ck_assert_msg(bad == 0, "%s: %d bad lines, first: %s", path, bad,
		      km->nerrors ? km->errors[0] : "(none)");
	ck_assert_uint_eq(km->nerrors, 0);
}

static int act(const char *name)
{
	int a = action_lookup(name);

	ck_assert_msg(a >= 0, "unknown action %s", name);
	return a;
}

/* ---------------------------------------------------------------- key names */

START_TEST(key_names)
{
	ck_assert_int_eq(key_from_name("a"), 'a');
	ck_assert_int_eq(key_from_name("Z"), 'Z');
	ck_assert_int_eq(key_from_name("?"), '?');
	ck_assert_int_eq(key_from_name("/"), '/');
	ck_assert_int_eq(key_from_name("é"), 0xe9);
	ck_assert_int_eq(key_from_name("€"), 0x20ac);
	ck_assert_int_eq(key_from_name("C-n"), 14);
	ck_assert_int_eq(key_from_name("C-N"), 14);
	ck_assert_int_eq(key_from_name("c-a"), 1);
	ck_assert_int_eq(key_from_name("C-z"), 26);
	ck_assert_int_eq(key_from_name("Enter"), VK_ENTER);
	ck_assert_int_eq(key_from_name("enter"), VK_ENTER);
	ck_assert_int_eq(key_from_name("Esc"), VK_ESC);
	ck_assert_int_eq(key_from_name("Tab"), VK_TAB);
	ck_assert_int_eq(key_from_name("BTab"), VK_BTAB);
	ck_assert_int_eq(key_from_name("Space"), VK_SPACE);
	ck_assert_int_eq(key_from_name("Backspace"), VK_BACKSPACE);
	ck_assert_int_eq(key_from_name("Up"), VK_UP);
	ck_assert_int_eq(key_from_name("Down"), VK_DOWN);
	ck_assert_int_eq(key_from_name("Left"), VK_LEFT);
	ck_assert_int_eq(key_from_name("Right"), VK_RIGHT);
	ck_assert_int_eq(key_from_name("PgUp"), VK_PGUP);
	ck_assert_int_eq(key_from_name("PgDn"), VK_PGDN);
	ck_assert_int_eq(key_from_name("Home"), VK_HOME);
	ck_assert_int_eq(key_from_name("End"), VK_END);
	ck_assert_int_eq(key_from_name("Ins"), VK_INSERT);
	ck_assert_int_eq(key_from_name("Del"), VK_DELETE);
	ck_assert_int_eq(key_from_name("F1"), VK_F1);
	ck_assert_int_eq(key_from_name("F4"), VK_F4);
	ck_assert_int_eq(key_from_name("F12"), VK_F12);
	/* Ctrl keys give what the terminal sends: C-i is Tab, C-m and C-j Enter, C-h Backspace. */
	ck_assert_int_eq(key_from_name("C-i"), VK_TAB);
	ck_assert_int_eq(key_from_name("C-m"), VK_ENTER);
	ck_assert_int_eq(key_from_name("C-j"), VK_ENTER);
	ck_assert_int_eq(key_from_name("C-h"), VK_BACKSPACE);
	ck_assert_int_eq(key_from_name("C-H"), VK_BACKSPACE);
	/* VK_CTRL */
	ck_assert_int_eq(VK_CTRL('n'), 14);
	ck_assert_int_eq(VK_CTRL('N'), 14);
}
END_TEST

START_TEST(key_names_bad)
{
	ck_assert_int_eq(key_from_name("C-"), -1);
	ck_assert_int_eq(key_from_name("Foo"), -1);
	ck_assert_int_eq(key_from_name("ab"), -1);
	ck_assert_int_eq(key_from_name(""), -1);
	ck_assert_int_eq(key_from_name(NULL), -1);
	ck_assert_int_eq(key_from_name(" "), -1);      /* written Space */
	ck_assert_int_eq(key_from_name("C-1"), -1);
	ck_assert_int_eq(key_from_name("C-nn"), -1);
	ck_assert_int_eq(key_from_name("C-é"), -1);
	ck_assert_int_eq(key_from_name("F13"), -1);
	ck_assert_int_eq(key_from_name("F0"), -1);
	ck_assert_int_eq(key_from_name("\x01"), -1);
	ck_assert_int_eq(key_from_name("\x7f"), -1);
	ck_assert_int_eq(key_from_name("é!"), -1);
	ck_assert_int_eq(key_from_name("\xc3"), -1);   /* truncated UTF-8 */
	ck_assert_int_eq(key_from_name("\xa9"), -1);   /* lone continuation byte */
}
END_TEST

/* Byte sequences that are not one valid UTF-8 character are not keys: in particular they must
 * never decode to the codes above Unicode used for named keys. */
START_TEST(key_names_invalid_utf8)
{
	char up[8];

	/* U+110001 would be VK_UP (VK_NAMED + 1) */
	snprintf(up, sizeof up, "%c%c%c%c", 0xf4, 0x90, 0x80, 0x81);
	ck_assert_int_eq(VK_UP, 0x110001);
	ck_assert_int_eq(key_from_name(up), -1);
	ck_assert_int_eq(key_from_name("\xf7\xbf\xbf\xbf"), -1); /* U+1FFFFF */
	ck_assert_int_eq(key_from_name("\xed\xa0\x80"), -1);     /* surrogate U+D800 */
	ck_assert_int_eq(key_from_name("\xc0\xaf"), -1);         /* overlong "/" */
	ck_assert_int_eq(key_from_name("\xe0\x80\xbf"), -1);     /* overlong "?" */
}
END_TEST

START_TEST(key_labels)
{
	char buf[16];

	ck_assert_str_eq(vk_name(VK_CTRL('n'), buf, sizeof buf), "C-n");
	ck_assert_str_eq(vk_name(1, buf, sizeof buf), "C-a");
	ck_assert_str_eq(vk_name(VK_ENTER, buf, sizeof buf), "Entrée");
	ck_assert_str_eq(vk_name(VK_DOWN, buf, sizeof buf), "Bas");
	ck_assert_str_eq(vk_name(VK_UP, buf, sizeof buf), "Haut");
	ck_assert_str_eq(vk_name(VK_ESC, buf, sizeof buf), "Échap");
	ck_assert_str_eq(vk_name(VK_TAB, buf, sizeof buf), "Tab");
	ck_assert_str_eq(vk_name(VK_BTAB, buf, sizeof buf), "Maj-Tab");
	ck_assert_str_eq(vk_name(VK_SPACE, buf, sizeof buf), "Espace");
	ck_assert_str_eq(vk_name(VK_PGDN, buf, sizeof buf), "Page suiv.");
	ck_assert_str_eq(vk_name(VK_F5, buf, sizeof buf), "F5");
	ck_assert_str_eq(vk_name('a', buf, sizeof buf), "a");
	ck_assert_str_eq(vk_name('?', buf, sizeof buf), "?");
	ck_assert_str_eq(vk_name(0xe9, buf, sizeof buf), "é");
	ck_assert_str_eq(vk_name(VK_RESIZE, buf, sizeof buf), "?");
	ck_assert_str_eq(vk_name(-5, buf, sizeof buf), "?");
	/* vk_name returns buf */
	ck_assert_ptr_eq(vk_name('x', buf, sizeof buf), buf);
	/* Every name in a keymap file gets a label back */
	{
		static const char *const names[] = { "Enter", "Esc", "Tab", "BTab", "Space",
			"Backspace", "Up", "Down", "Left", "Right", "PgUp", "PgDn", "Home", "End",
			"Ins", "Del", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9", "F10",
			"F11", "F12", "C-a", "C-z", "q", "é" };
		for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
			vk_name(key_from_name(names[i]), buf, sizeof buf);
			ck_assert_msg(strcmp(buf, "?") != 0 && *buf, "no label for %s", names[i]);
		}
	}
}
END_TEST

START_TEST(key_text)
{
	ck_assert_int_eq(key_is_text('a'), 1);
	ck_assert_int_eq(key_is_text(' '), 1);
	ck_assert_int_eq(key_is_text(0xe9), 1);
	ck_assert_int_eq(key_is_text(0x20ac), 1);
	ck_assert_int_eq(key_is_text(VK_TAB), 0);
	ck_assert_int_eq(key_is_text(VK_ENTER), 0);
	ck_assert_int_eq(key_is_text(VK_ESC), 0);
	ck_assert_int_eq(key_is_text(VK_BACKSPACE), 0);
	ck_assert_int_eq(key_is_text(0x85), 0);
	ck_assert_int_eq(key_is_text(VK_UP), 0);
	ck_assert_int_eq(key_is_text(VK_F1), 0);
}
END_TEST

START_TEST(key_utf8_encoding)
{
	char out[8];

	memset(out, 'x', sizeof out);
	ck_assert_uint_eq(key_utf8('a', out), 1);
	ck_assert_str_eq(out, "a");
	ck_assert_uint_eq(key_utf8(0xe9, out), 2);
	ck_assert_str_eq(out, "\xc3\xa9");
	ck_assert_uint_eq(key_utf8(0x7ff, out), 2);
	ck_assert_str_eq(out, "\xdf\xbf");
	ck_assert_uint_eq(key_utf8(0x20ac, out), 3);
	ck_assert_str_eq(out, "\xe2\x82\xac");
	ck_assert_uint_eq(key_utf8(0xffff, out), 3);
	ck_assert_str_eq(out, "\xef\xbf\xbf");
	ck_assert_uint_eq(key_utf8(0x1f600, out), 4);
	ck_assert_str_eq(out, "\xf0\x9f\x98\x80");
	ck_assert_uint_eq(key_utf8(0x10ffff, out), 4);
	ck_assert_str_eq(out, "\xf4\x8f\xbf\xbf");
	ck_assert_uint_eq(key_utf8(0xd800, out), 0);
	ck_assert_uint_eq(key_utf8(0xdfff, out), 0);
	ck_assert_uint_eq(key_utf8(0x110000, out), 0);
	ck_assert_uint_eq(key_utf8(VK_UP, out), 0);
	ck_assert_uint_eq(key_utf8(-1, out), 0);
	/* Round trip through key names */
	ck_assert_uint_eq(key_utf8(key_from_name("ç"), out), 2);
	ck_assert_str_eq(out, "ç");
}
END_TEST

/* ---------------------------------------------------------------- actions */

START_TEST(action_table)
{
	ck_assert_uint_ge(action_count(), 20);
	for (size_t i = 0; i < action_count(); i++) {
		const struct action_def *d = action_get((int)i);
		ck_assert_ptr_nonnull(d);
		ck_assert_ptr_nonnull(d->name);
		ck_assert_msg(d->help && *d->help, "no help for %s", d->name);
		ck_assert_int_eq(action_lookup(d->name), (int)i);
	}
	ck_assert_ptr_null(action_get(-1));
	ck_assert_ptr_null(action_get((int)action_count()));
	ck_assert_int_eq(action_lookup("nosuchaction"), -1);
	ck_assert_int_eq(action_lookup("Quit"), -1);
	ck_assert_int_ge(action_lookup("quit"), 0);
	for (size_t i = 0; i < NCONTEXTS; i++)
		ck_assert_int_eq(keymap_context_known(contexts[i]), 1);
	ck_assert_int_eq(keymap_context_known("nowhere"), 0);
	ck_assert_int_eq(keymap_context_known("Global"), 0);
}
END_TEST

/* ---------------------------------------------------------------- field editing */

START_TEST(field_edit_utf8)
{
	char v[16] = "";
	size_t pos = 0;

	/* "zoé": é is two bytes; Backspace removes it whole. */
	ck_assert_int_eq(field_edit(v, sizeof v, 0, &pos, 'z'), FIELD_CHANGED);
	ck_assert_int_eq(field_edit(v, sizeof v, 0, &pos, 'o'), FIELD_CHANGED);
	ck_assert_int_eq(field_edit(v, sizeof v, 0, &pos, 0xe9), FIELD_CHANGED);
	ck_assert_str_eq(v, "zoé");
	ck_assert_uint_eq(pos, 4);
	ck_assert_int_eq(field_edit(v, sizeof v, 0, &pos, VK_BACKSPACE), FIELD_CHANGED);
	ck_assert_str_eq(v, "zo");
	/* Insert in the middle, then move over a two-byte character. */
	ck_assert_int_eq(field_edit(v, sizeof v, 0, &pos, VK_LEFT), FIELD_MOVED);
	ck_assert_int_eq(field_edit(v, sizeof v, 0, &pos, 0xe8), FIELD_CHANGED);
	ck_assert_str_eq(v, "zèo");
	ck_assert_int_eq(field_edit(v, sizeof v, 0, &pos, VK_LEFT), FIELD_MOVED);
	ck_assert_uint_eq(pos, 1);
	ck_assert_int_eq(field_edit(v, sizeof v, 0, &pos, VK_CTRL('k')), FIELD_CHANGED);
	ck_assert_str_eq(v, "z");
	ck_assert_int_eq(field_edit(v, sizeof v, 0, &pos, VK_CTRL('u')), FIELD_CHANGED);
	ck_assert_str_eq(v, "");
	ck_assert_uint_eq(pos, 0);
	/* Backspace at the start and a non-editing key change nothing. */
	ck_assert_int_eq(field_edit(v, sizeof v, 0, &pos, VK_BACKSPACE), FIELD_MOVED);
	ck_assert_int_eq(field_edit(v, sizeof v, 0, &pos, VK_F5), FIELD_IGNORED);
	/* The byte limit: "é" (2 bytes) does not fit after 2 of 3 bytes; value untouched. */
	ck_assert_int_eq(field_edit(v, sizeof v, 3, &pos, 'a'), FIELD_CHANGED);
	ck_assert_int_eq(field_edit(v, sizeof v, 3, &pos, 'b'), FIELD_CHANGED);
	ck_assert_int_eq(field_edit(v, sizeof v, 3, &pos, 0xe9), FIELD_FULL);
	ck_assert_str_eq(v, "ab");
	ck_assert_int_eq(field_edit(v, sizeof v, 3, &pos, 'c'), FIELD_CHANGED);
	ck_assert_int_eq(field_edit(v, sizeof v, 3, &pos, 'd'), FIELD_FULL);
	ck_assert_str_eq(v, "abc");
}
END_TEST

/* ---------------------------------------------------------------- default keymap */

START_TEST(default_loads)
{
	struct keymap km;
	static const char *const search_chain[] = { "search", "list", "global" };
	static const char *const dossier_chain[] = { "dossier", "global" };
	static const char *const form_chain[] = { "form", "global" };

	load_default(&km);
	ck_assert_uint_gt(km.n, 40);
	ck_assert_int_eq(keymap_resolve(&km, search_chain, 3, VK_ENTER), act("patient-open"));
	ck_assert_int_eq(keymap_resolve(&km, search_chain, 3, 'j'), act("list-down"));
	ck_assert_int_eq(keymap_resolve(&km, search_chain, 3, 'q'), act("quit"));
	ck_assert_int_eq(keymap_resolve(&km, search_chain, 3, VK_CTRL('c')), act("quit"));
	ck_assert_int_eq(keymap_resolve(&km, search_chain, 3, '?'), act("help"));
	ck_assert_int_eq(keymap_resolve(&km, search_chain, 3, VK_F1), act("help"));
	ck_assert_int_eq(keymap_resolve(&km, search_chain, 3, VK_PGDN), act("list-page-down"));
	ck_assert_int_eq(keymap_resolve(&km, search_chain, 3, VK_CTRL('u')), act("search-clear"));
	ck_assert_int_eq(keymap_resolve(&km, search_chain, 3, VK_ESC), act("back"));
	ck_assert_int_eq(keymap_resolve(&km, search_chain, 3, 'x'), -1);
	/* Only the first context is looked at when the chain is shorter */
	ck_assert_int_eq(keymap_resolve(&km, search_chain, 1, 'j'), -1);
	ck_assert_int_eq(keymap_resolve(&km, search_chain, 0, VK_ENTER), -1);
	ck_assert_int_eq(keymap_lookup(&km, "search", 'q'), -1);
	ck_assert_int_eq(keymap_lookup(&km, "global", 'q'), act("quit"));
	/* Help lists only keys that reach the action: "/" of the list context is taken over
	 * by the search screen's own "/", so list-find is reached through "f" only. */
	{
		char buf[64];
		ck_assert_uint_eq(keymap_keys_for(&km, "list", act("list-find"), search_chain, 3,
						  buf, sizeof buf), 0);
		ck_assert_uint_eq(keymap_keys_for(&km, "search", act("list-find"), search_chain,
						  3, buf, sizeof buf), 1);
		ck_assert_str_eq(buf, "f");
		ck_assert_uint_eq(keymap_keys_for(&km, "list", act("list-find"), NULL, 0, buf,
						  sizeof buf), 1);
	}

	ck_assert_int_eq(keymap_resolve(&km, dossier_chain, 2, 'm'), act("patient-edit"));
	ck_assert_int_eq(keymap_resolve(&km, dossier_chain, 2, 'a'), act("note-add"));
	ck_assert_int_eq(keymap_resolve(&km, dossier_chain, 2, 'r'), act("back"));
	/* A screen's own context wins over global */
	ck_assert_int_eq(keymap_resolve(&km, form_chain, 2, VK_ESC), act("form-cancel"));
	ck_assert_int_eq(keymap_resolve(&km, form_chain, 2, VK_CTRL('s')), act("form-save"));
	ck_assert_int_eq(keymap_resolve(&km, form_chain, 2, VK_ENTER), act("form-next"));
	ck_assert_int_eq(keymap_resolve(&km, form_chain, 2, VK_BTAB), act("form-prev"));
	keymap_free(&km);
	ck_assert_uint_eq(km.n, 0);
	ck_assert_ptr_null(km.v);
}
END_TEST

/* What vigie loads (embedded at build time) is the file in the source tree. */
START_TEST(default_embedded_matches_file)
{
	char path[4096], *text;
	FILE *f;
	long len;

	default_path(path, sizeof path);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_uint_eq(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	ck_assert_ptr_nonnull(default_keymap[0].text);
	ck_assert_str_eq(default_keymap[0].text, text);
	free(text);
}
END_TEST

START_TEST(default_every_action_bound)
{
	struct keymap km;

	load_default(&km);
	for (size_t a = 0; a < action_count(); a++) {
		int found = 0;
		for (size_t i = 0; i < km.n; i++)
			found |= km.v[i].action == (int)a;
		ck_assert_msg(found, "action %s has no key in default.keys", action_get((int)a)->name);
	}
	keymap_free(&km);
}
END_TEST

/* A key a vt100 surely has, that is not a named key: a printable character or Ctrl-letter;
 * form-* actions may also use Enter, Tab, Esc. */
static int plain_key(int k, const char *action)
{
	if (key_is_text(k))
		return 1;
	if (k >= 1 && k <= 26 && k != VK_TAB && k != VK_ENTER)
		return 1;
	if (strncmp(action, "form-", 5) == 0 && (k == VK_ENTER || k == VK_TAB || k == VK_ESC))
		return 1;
	return 0;
}

/* "Every action has a plain-letter key (vt100 has no PageUp/Home/End and only F1-F4)":
 * in each context, every action bound there has at least one plain key there. */
START_TEST(default_plain_keys)
{
	struct keymap km;
	char missing[1024] = "", keys[128];

	load_default(&km);
	for (size_t c = 0; c < NCONTEXTS; c++) {
		for (size_t i = 0; i < km.n; i++) {
			const struct binding *b = &km.v[i];
			const char *name = action_get(b->action)->name;
			int ok = 0;

			if (strcmp(b->context, contexts[c]) != 0)
				continue;
			for (size_t k = 0; k < km.n; k++)
				if (km.v[k].action == b->action && !strcmp(km.v[k].context, contexts[c]))
					ok |= plain_key(km.v[k].key, name);
			if (!ok) {
				char one[200];
				keymap_keys_for(&km, contexts[c], b->action, NULL, 0, keys, sizeof keys);
				snprintf(one, sizeof one, " [%s %s: %s]", contexts[c], name, keys);
				if (!strstr(missing, one))
					strncat(missing, one, sizeof missing - strlen(missing) - 1);
			}
		}
	}
	ck_assert_msg(missing[0] == '\0', "actions with only named keys:%s", missing);
	keymap_free(&km);
}
END_TEST

START_TEST(default_keys_for)
{
	struct keymap km;
	char buf[64];

	load_default(&km);
	ck_assert_uint_eq(keymap_keys_for(&km, "list", act("list-down"), NULL, 0, buf, sizeof buf), 3);
	ck_assert_str_eq(buf, "j, Bas, C-n");
	ck_assert_uint_eq(keymap_keys_for(&km, "global", act("help"), NULL, 0, buf, sizeof buf), 2);
	ck_assert_str_eq(buf, "?, F1");
	ck_assert_uint_eq(keymap_keys_for(&km, "search", act("patient-open"), NULL, 0, buf, sizeof buf), 2);
	ck_assert_str_eq(buf, "Entrée, o");
	ck_assert_uint_eq(keymap_keys_for(&km, "form", act("form-cancel"), NULL, 0, buf, sizeof buf), 2);
	ck_assert_str_eq(buf, "Échap, C-g");
	/* Not bound in that context */
	ck_assert_uint_eq(keymap_keys_for(&km, "list", act("quit"), NULL, 0, buf, sizeof buf), 0);
	ck_assert_str_eq(buf, "");
	/* A short buffer is cut, never overrun */
	strcpy(buf, "zzzzzzzzzzzzzzzzzz");
	keymap_keys_for(&km, "list", act("list-down"), NULL, 0, buf, 5);
	ck_assert_str_eq(buf, "j, B");
	ck_assert_int_eq(buf[5], 'z');
	keymap_free(&km);
}
END_TEST

START_TEST(load_file_missing)
{
	struct keymap km;

	keymap_init(&km);
	ck_assert_int_eq(keymap_load_file(&km, "/nonexistent/vigie/keys", 1), 0);
	ck_assert_uint_eq(km.nerrors, 0);
	ck_assert_int_eq(keymap_load_file(&km, "/nonexistent/vigie/keys", 0), -1);
	ck_assert_uint_eq(km.nerrors, 1);
	ck_assert_msg(strncmp(km.errors[0], "/nonexistent/vigie/keys: ", 25) == 0, "%s",
		      km.errors[0]);
	ck_assert_ptr_nonnull(strstr(km.errors[0], "illisible"));
	ck_assert_uint_eq(km.n, 0);
	keymap_free(&km);
	ck_assert_uint_eq(km.nerrors, 0);
	ck_assert_ptr_null(km.errors);
}
END_TEST

/* ---------------------------------------------------------------- parsing */

START_TEST(parse_errors_lines)
{
	static const char text[] = "bind global q quit\n"
				   "bind nowhere x quit\n"
				   "bind global Z nosuchaction\n"
				   "foo\n"
				   "bind global w\n"
				   "bind global C-k help\n";
	struct keymap km;

	keymap_init(&km);
	ck_assert_int_eq(keymap_parse(&km, text, "perso.keys"), 4);
	ck_assert_uint_eq(km.nerrors, 4);
	ck_assert_msg(strncmp(km.errors[0], "perso.keys:2: ", 14) == 0, "%s", km.errors[0]);
	ck_assert_ptr_nonnull(strstr(km.errors[0], "nowhere"));
	ck_assert_msg(strncmp(km.errors[1], "perso.keys:3: ", 14) == 0, "%s", km.errors[1]);
	ck_assert_ptr_nonnull(strstr(km.errors[1], "nosuchaction"));
	ck_assert_msg(strncmp(km.errors[2], "perso.keys:4: ", 14) == 0, "%s", km.errors[2]);
	ck_assert_ptr_nonnull(strstr(km.errors[2], "foo"));
	ck_assert_msg(strncmp(km.errors[3], "perso.keys:5: ", 14) == 0, "%s", km.errors[3]);
	ck_assert_ptr_nonnull(strstr(km.errors[3], "action manquante"));
	/* The good lines loaded, the bad ones bound nothing */
	ck_assert_uint_eq(km.n, 2);
	ck_assert_int_eq(keymap_lookup(&km, "global", 'q'), act("quit"));
	ck_assert_int_eq(keymap_lookup(&km, "global", VK_CTRL('k')), act("help"));
	ck_assert_int_eq(keymap_lookup(&km, "global", 'Z'), -1);
	ck_assert_int_eq(keymap_lookup(&km, "global", 'w'), -1);
	ck_assert_int_eq(keymap_lookup(&km, "nowhere", 'x'), -1);

	/* Errors accumulate across files, line numbers restart */
	ck_assert_int_eq(keymap_parse(&km, "\n\nbind list Foo list-down\n", "autre"), 1);
	ck_assert_uint_eq(km.nerrors, 5);
	ck_assert_msg(strncmp(km.errors[4], "autre:3: ", 9) == 0, "%s", km.errors[4]);
	ck_assert_ptr_nonnull(strstr(km.errors[4], "Foo"));
	keymap_free(&km);
}
END_TEST

START_TEST(parse_more_errors)
{
	struct keymap km;

	keymap_init(&km);
	ck_assert_int_eq(keymap_parse(&km,
				      "bind global\n"                 /* 1: incomplete */
				      "bind global q quit extra\n"    /* 2: trailing text */
				      "unbind global q extra\n"       /* 3: trailing text */
				      "unbind global\n"               /* 4: incomplete */
				      "unbind nowhere q\n"            /* 5: context */
				      "bind global C- quit\n"         /* 6: key */
				      "BIND global q quit\n"          /* 7: verb is case-sensitive */
				      "bind global q quit",           /* 8: good, no final newline */
				      "k"), 7);
	ck_assert_uint_eq(km.nerrors, 7);
	for (int i = 0; i < 7; i++) {
		char prefix[16];
		snprintf(prefix, sizeof prefix, "k:%d: ", i + 1);
		ck_assert_msg(strncmp(km.errors[i], prefix, strlen(prefix)) == 0, "%s", km.errors[i]);
	}
	ck_assert_uint_eq(km.n, 1);
	ck_assert_int_eq(keymap_lookup(&km, "global", 'q'), act("quit"));

	/* A line too long is one error and parsing goes on */
	{
		char text[1200];
		memset(text, 'x', 700);
		snprintf(text + 700, sizeof text - 700, "\nbind list j list-down\n");
		ck_assert_int_eq(keymap_parse(&km, text, "long"), 1);
		ck_assert_uint_eq(km.nerrors, 8);
		ck_assert_msg(strncmp(km.errors[7], "long:1: ", 8) == 0, "%s", km.errors[7]);
		ck_assert_int_eq(keymap_lookup(&km, "list", 'j'), act("list-down"));
	}
	keymap_free(&km);
}
END_TEST

START_TEST(parse_comments_blanks_crlf)
{
	struct keymap km;

	keymap_init(&km);
	ck_assert_int_eq(keymap_parse(&km,
				      "# comment\n"
				      "\n"
				      "   \t  \n"
				      "   # indented comment: bind list z quit\n"
				      "#bind list y quit\n"
				      "  bind\tlist   j  list-down   \r\n"
				      "bind list k list-up\r\n"
				      "bind list # list-find\n"      /* "#" is a key, not a comment */
				      "\tunbind list x\n",          /* not bound: no error */
				      "c"), 0);
	ck_assert_uint_eq(km.nerrors, 0);
	ck_assert_uint_eq(km.n, 3);
	ck_assert_int_eq(keymap_lookup(&km, "list", 'j'), act("list-down"));
	ck_assert_int_eq(keymap_lookup(&km, "list", 'k'), act("list-up"));
	ck_assert_int_eq(keymap_lookup(&km, "list", '#'), act("list-find"));
	ck_assert_int_eq(keymap_lookup(&km, "list", 'z'), -1);
	ck_assert_int_eq(keymap_lookup(&km, "list", 'y'), -1);
	ck_assert_int_eq(keymap_parse(&km, "", "vide"), 0);
	ck_assert_uint_eq(km.n, 3);
	keymap_free(&km);
}
END_TEST

START_TEST(parse_override_and_unbind)
{
	struct keymap km;
	char buf[64];

	keymap_init(&km);
	ck_assert_int_eq(keymap_parse(&km, "bind list j list-down\n"
					   "bind list k list-up\n"
					   "bind list j list-up\n", "a"), 0);
	/* Same context+key replaced, not duplicated */
	ck_assert_uint_eq(km.n, 2);
	ck_assert_int_eq(keymap_lookup(&km, "list", 'j'), act("list-up"));
	ck_assert_uint_eq(keymap_keys_for(&km, "list", act("list-up"), NULL, 0, buf, sizeof buf), 2);
	ck_assert_str_eq(buf, "j, k");
	ck_assert_uint_eq(keymap_keys_for(&km, "list", act("list-down"), NULL, 0, buf, sizeof buf), 0);
	/* Same key in another context is another binding */
	ck_assert_int_eq(keymap_parse(&km, "bind help j list-down\n", "b"), 0);
	ck_assert_uint_eq(km.n, 3);
	ck_assert_int_eq(keymap_lookup(&km, "help", 'j'), act("list-down"));
	ck_assert_int_eq(keymap_lookup(&km, "list", 'j'), act("list-up"));

	ck_assert_int_eq(keymap_parse(&km, "unbind list j\n", "c"), 0);
	ck_assert_uint_eq(km.n, 2);
	ck_assert_int_eq(keymap_lookup(&km, "list", 'j'), -1);
	ck_assert_int_eq(keymap_lookup(&km, "list", 'k'), act("list-up"));
	ck_assert_int_eq(keymap_lookup(&km, "help", 'j'), act("list-down"));
	/* Rebinding after unbind works */
	ck_assert_int_eq(keymap_parse(&km, "bind list j list-first\n", "d"), 0);
	ck_assert_int_eq(keymap_lookup(&km, "list", 'j'), act("list-first"));
	keymap_free(&km);
}
END_TEST

/* A user file read after the default one overrides and removes default bindings. */
START_TEST(user_file_over_default)
{
	struct keymap km;
	static const char *const chain[] = { "search", "list", "global" };
	char buf[64];
	size_t n;

	load_default(&km);
	n = km.n;
	ck_assert_int_eq(keymap_parse(&km, "bind global q help\n"
					   "unbind list j\n"
					   "bind list C-y list-down\n"
					   "bind global C-k nosuch\n", "keys"), 1);
	ck_assert_str_eq(km.errors[0], "keys:4: action inconnue « nosuch »");
	ck_assert_uint_eq(km.n, n);
	ck_assert_int_eq(keymap_resolve(&km, chain, 3, 'q'), act("help"));
	ck_assert_int_eq(keymap_resolve(&km, chain, 3, 'j'), -1);
	ck_assert_int_eq(keymap_resolve(&km, chain, 3, VK_CTRL('y')), act("list-down"));
	ck_assert_uint_eq(keymap_keys_for(&km, "list", act("list-down"), NULL, 0, buf, sizeof buf), 3);
	ck_assert_str_eq(buf, "Bas, C-n, C-y");
	keymap_free(&km);
}
END_TEST

/* ---------------------------------------------------------------- suite */

static Suite *keymap_suite(void)
{
	Suite *s = suite_create("keymap");
	TCase *tc;

	tc = tcase_create("keys");
	tcase_add_test(tc, key_names);
	tcase_add_test(tc, key_names_bad);
	tcase_add_test(tc, key_names_invalid_utf8);
	tcase_add_test(tc, key_labels);
	tcase_add_test(tc, key_text);
	tcase_add_test(tc, key_utf8_encoding);
	tcase_add_test(tc, field_edit_utf8);
	suite_add_tcase(s, tc);

	tc = tcase_create("default");
	tcase_add_test(tc, action_table);
	tcase_add_test(tc, default_loads);
	tcase_add_test(tc, default_embedded_matches_file);
	tcase_add_test(tc, default_every_action_bound);
	tcase_add_test(tc, default_plain_keys);
	tcase_add_test(tc, default_keys_for);
	tcase_add_test(tc, load_file_missing);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_test(tc, parse_errors_lines);
	tcase_add_test(tc, parse_more_errors);
	tcase_add_test(tc, parse_comments_blanks_crlf);
	tcase_add_test(tc, parse_override_and_unbind);
	tcase_add_test(tc, user_file_over_default);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(keymap_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
