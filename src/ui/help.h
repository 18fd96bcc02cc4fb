/* Help screen: the live bindings of the screen it was opened from, with their help text. */
#ifndef VIGIE_UI_HELP_H
#define VIGIE_UI_HELP_H

#include "ui/screen.h"

/* Build a help screen for the keymap contexts of `from`. NULL on memory failure. */
struct screen *help_screen_new(const struct keymap *km, const struct screen *from, void *app);

#endif
