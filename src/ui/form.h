/* Form: labelled one-line text fields, UTF-8 editing, validation messages. */
#ifndef VIGIE_UI_FORM_H
#define VIGIE_UI_FORM_H

#include <stddef.h>

#define FORM_VALUE_MAX 1024

struct form_field {
	const char *label;          /* French, shown left of the field */
	const char *hint;           /* shown in the message line while the field has focus */
	char value[FORM_VALUE_MAX]; /* UTF-8 */
	/* Bytes allowed (UTF-8: an accented letter takes two), the size the store keeps;
	 * 0: FORM_VALUE_MAX - 1. Typing stops there with a message, never a silent cut. */
	size_t maxbytes;
	int required;
	int readonly;
	/* Checks the value when the field is left and on save; 0 or -1 with a French message. */
	int (*validate)(const char *value, char *msg, size_t size, void *ctx);
	int error;                  /* last validation failed */
};

enum form_result { FORM_CONTINUE = 0, FORM_SAVE = 1, FORM_CANCEL = 2 };

struct ui_form {
	struct form_field *f;
	size_t n;
	size_t cur;       /* field with focus */
	size_t pos;       /* cursor, byte offset in the value */
	size_t top;       /* first field shown */
	int y, x, h, w;
	int label_w;
	char msg[256];
	int msg_error;
	int modified;
	int confirm_cancel;   /* asked "abandon changes?" */
	void *ctx;            /* passed to validators */
	int cursor_y, cursor_x;
};

/* Line editing of one UTF-8 value at a cursor, shared by forms, the search box and the list
 * find prompt: arrows, Home/End, C-a/C-e/C-b/C-f, Backspace, Del/C-d, C-k, C-u, text keys.
 * cap is the buffer size, maxbytes the length allowed (0: cap - 1). */
enum field_edit_result {
	FIELD_IGNORED = 0,   /* not an editing key */
	FIELD_MOVED,         /* cursor moved, value unchanged */
	FIELD_CHANGED,       /* value changed */
	FIELD_FULL,          /* a character did not fit: value unchanged */
};
enum field_edit_result field_edit(char *value, size_t cap, size_t maxbytes, size_t *pos, int key);

void form_init(struct ui_form *fm, struct form_field *fields, size_t n, void *ctx);
void form_place(struct ui_form *fm, int y, int x, int h, int w);
void form_draw(struct ui_form *fm);
/* A key and its bound action (form context); returns a form_result. */
enum form_result form_key(struct ui_form *fm, int key, int action);
/* Validate every field; focus moves to the first faulty one. 0 if all good. */
int form_validate_all(struct ui_form *fm);
/* Show a message (error or information) in the form's message line. */
void form_message(struct ui_form *fm, int error, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Move focus to field i. */
void form_focus(struct ui_form *fm, size_t i);

#endif
