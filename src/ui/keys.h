/* Key codes independent of curses: Unicode code points, control keys and named keys. */
#ifndef VIGIE_UI_KEYS_H
#define VIGIE_UI_KEYS_H

#include <stddef.h>

/* Printable keys are their Unicode code point; Ctrl-A..Ctrl-Z are 1..26 (Tab=9, Enter=13). */
enum {
	VK_TAB = 9,
	VK_ENTER = 13,
	VK_ESC = 27,
	VK_SPACE = 32,
	VK_BACKSPACE = 127,
	VK_NAMED = 0x110000, /* beyond Unicode */
	VK_UP, VK_DOWN, VK_LEFT, VK_RIGHT,
	VK_PGUP, VK_PGDN, VK_HOME, VK_END,
	VK_INSERT, VK_DELETE, VK_BTAB,
	VK_F1, VK_F2, VK_F3, VK_F4, VK_F5, VK_F6, VK_F7, VK_F8, VK_F9, VK_F10, VK_F11, VK_F12,
	VK_RESIZE,
	VK_LAST
};

#define VK_CTRL(c) ((c) & 0x1f)

/* Parse a key name as written in a keymap file: "a", "?", "é", "C-x", "Enter", "Esc", "Tab",
 * "BTab", "Space", "Backspace", "Up", "Down", "Left", "Right", "PgUp", "PgDn", "Home", "End",
 * "Ins", "Del", "F1".."F12". Returns the key code or -1. */
int key_from_name(const char *name);

/* Name of a key for help screens ("C-n", "Entrée", "Haut"...). buf >= 16 bytes. */
const char *vk_name(int key, char *buf, size_t size);

/* 1 for a key that types text (printable, not a control or named key). */
int key_is_text(int key);

/* Encode a code point as UTF-8 into out (>= 5 bytes); returns the byte count (0 if invalid). */
size_t key_utf8(int cp, char *out);

#endif
