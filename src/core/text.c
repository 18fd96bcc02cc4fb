/* UTF-8 text helpers: accent/case folding for search, ASCII transliteration, trimming, upper case. */
#include "core/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * Lower-case ASCII spelling of every code point U+00C0..U+017F (NULL for the two symbols
 * in that block). One table serves folding, transliteration and the letter test, so the
 * three can never disagree about what a letter is.
 */
#define LATIN_FIRST 0xC0L
#define LATIN_LAST 0x17FL

static const char *const latin_base[LATIN_LAST - LATIN_FIRST + 1] = {
	/* U+00C0 */ "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
	/* U+00D0 */ "d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th", "ss",
	/* U+00E0 */ "a", "a", "a", "a", "a", "a", "ae", "c", "e", "e", "e", "e", "i", "i", "i", "i",
	/* U+00F0 */ "d", "n", "o", "o", "o", "o", "o", NULL, "o", "u", "u", "u", "u", "y", "th", "y",
	/* U+0100 */ "a", "a", "a", "a", "a", "a", "c", "c", "c", "c", "c", "c", "c", "c", "d", "d",
	/* U+0110 */ "d", "d", "e", "e", "e", "e", "e", "e", "e", "e", "e", "e", "g", "g", "g", "g",
	/* U+0120 */ "g", "g", "g", "g", "h", "h", "h", "h", "i", "i", "i", "i", "i", "i", "i", "i",
	/* U+0130 */ "i", "i", "ij", "ij", "j", "j", "k", "k", "k", "l", "l", "l", "l", "l", "l", "l",
	/* U+0140 */ "l", "l", "l", "n", "n", "n", "n", "n", "n", "n", "n", "n", "o", "o", "o", "o",
	/* U+0150 */ "o", "o", "oe", "oe", "r", "r", "r", "r", "r", "r", "s", "s", "s", "s", "s", "s",
	/* U+0160 */ "s", "s", "t", "t", "t", "t", "t", "t", "u", "u", "u", "u", "u", "u", "u", "u",
	/* U+0170 */ "u", "u", "u", "u", "w", "w", "y", "y", "y", "z", "z", "z", "z", "z", "z", "s",
};

long text_utf8_next(const char *s, size_t *len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n, i;
	long cp, min;

	if (p[0] == 0) {
		*len = 0;
		return 0;
	}
	if (p[0] < 0x80) {
		*len = 1;
		return p[0];
	}
	/* C0/C1 and F5..FF can only start overlong or out-of-range sequences. */
	if (p[0] >= 0xC2 && p[0] <= 0xDF) {
		n = 2;
		cp = p[0] & 0x1F;
		min = 0x80;
	} else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
		n = 3;
		cp = p[0] & 0x0F;
		min = 0x800;
	} else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
		n = 4;
		cp = p[0] & 0x07;
		min = 0x10000;
	} else {
		*len = 1;
		return -1;
	}
	/* A NUL is not a continuation byte, so this never reads past the terminator. */
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xC0) != 0x80) {
			*len = 1;
			return -1;
		}
		cp = (cp << 6) | (p[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
		*len = 1;
		return -1;
	}
	*len = n;
	return cp;
}

static const char *latin_lookup(long cp)
{
	if (cp < LATIN_FIRST || cp > LATIN_LAST)
		return NULL;
	return latin_base[cp - LATIN_FIRST];
}

int text_is_latin_letter(long cp)
{
	if ((cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z'))
		return 1;
	return latin_lookup(cp) != NULL;
}

/* Case of a letter in U+00C0..U+017F; Latin Extended-A alternates upper/lower in pairs,
 * but the parity flips after U+0138 (kra) and again after U+0149 and U+0178. */
static int latin_is_upper(long cp)
{
	if (cp >= 0xC0 && cp <= 0xDE)
		return cp != 0xD7;
	if (cp >= 0x100 && cp <= 0x137)
		return (cp & 1) == 0;
	if (cp >= 0x139 && cp <= 0x148)
		return (cp & 1) == 1;
	if (cp >= 0x14A && cp <= 0x177)
		return (cp & 1) == 0;
	if (cp == 0x178)
		return 1;
	if (cp >= 0x179 && cp <= 0x17E)
		return (cp & 1) == 1;
	return 0;
}

static long latin_to_upper(long cp)
{
	if (cp >= 'a' && cp <= 'z')
		return cp - 32;
	if (cp >= 0xE0 && cp <= 0xFE && cp != 0xF7)
		return cp - 0x20;
	if (cp == 0xFF)
		return 0x178;
	if (cp == 0x131) /* dotless i */
		return 'I';
	if (cp == 0x17F) /* long s */
		return 'S';
	if (cp >= 0x100 && cp <= 0x137 && (cp & 1) == 1)
		return cp - 1;
	if (cp >= 0x139 && cp <= 0x148 && (cp & 1) == 0)
		return cp - 1;
	if (cp >= 0x14A && cp <= 0x177 && (cp & 1) == 1)
		return cp - 1;
	if (cp >= 0x179 && cp <= 0x17E && (cp & 1) == 0)
		return cp - 1;
	return cp;
}

static int is_apostrophe(long cp)
{
	return cp == '\'' || cp == 0x2018 || cp == 0x2019 || cp == 0x02BC;
}

static int is_hyphen(long cp)
{
	return cp == '-' || (cp >= 0x2010 && cp <= 0x2014) || cp == 0x2212;
}

static int is_space(long cp)
{
	return cp == ' ' || (cp >= '\t' && cp <= '\r') || cp == 0xA0 ||
	       (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F || cp == 0x205F;
}

/* Append n bytes if they fit with the final NUL; otherwise report failure so the caller
 * stops there and never leaves half of a character or of an expansion. */
static int put(char *out, size_t size, size_t *pos, const char *src, size_t n)
{
	if (*pos + n + 1 > size)
		return 0;
	memcpy(out + *pos, src, n);
	*pos += n;
	return 1;
}

size_t text_utf8_encode(long cp, char *b)
{
	if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	if (cp < 0x80) {
		b[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (char)(0xC0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (char)(0xE0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		b[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	b[0] = (char)(0xF0 | (cp >> 18));
	b[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	b[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	b[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t text_fold(const char *in, char *out, size_t size)
{
	size_t pos = 0, len;
	int pending_space = 0;
	const char *p = in ? in : "";

	if (size == 0 || out == NULL)
		return 0;
	while (*p) {
		long cp = text_utf8_next(p, &len);
		char lower;
		const char *piece = NULL;
		size_t plen;
		char tmp[4];

		p += len;
		if (cp < 0)
			continue;
		if (is_space(cp) || is_apostrophe(cp) || is_hyphen(cp)) {
			pending_space = 1;
			continue;
		}
		if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
			lower = (char)cp;
			piece = &lower;
			plen = 1;
		} else if (cp >= 'A' && cp <= 'Z') {
			lower = (char)(cp + 32);
			piece = &lower;
			plen = 1;
		} else {
			piece = latin_lookup(cp);
			if (piece == NULL)
				continue; /* punctuation, symbols, scripts we cannot fold */
			plen = strlen(piece);
		}
		/* Space and piece go out together so truncation never leaves a trailing space. */
		len = 0;
		if (pending_space && pos > 0)
			tmp[len++] = ' ';
		memcpy(tmp + len, piece, plen);
		len += plen;
		if (!put(out, size, &pos, tmp, len))
			break;
		pending_space = 0;
	}
	out[pos] = '\0';
	return pos;
}

/* ASCII stand-ins for the typographic signs French text is full of. */
static const char *ascii_sign(long cp)
{
	switch (cp) {
	case 0xAB: case 0xBB: case 0x201C: case 0x201D: case 0x201E:
		return "\"";
	case 0x2018: case 0x2019: case 0x02BC: case 0xB4:
		return "'";
	case 0x2010: case 0x2011: case 0x2012: case 0x2013: case 0x2014: case 0x2212:
		return "-";
	case 0xA0: case 0x202F: case 0x2009: case 0x200A:
		return " ";
	case 0x2026:
		return "...";
	case 0x20AC:
		return "EUR";
	case 0xD7:
		return "x";
	case 0xB7: case 0x2022:
		return ".";
	case 0x2502: case 0x2503: case 0x2551:   /* box-drawing separators of the status line */
		return "|";
	case 0x2260:   /* the "different" marker of the INS comparison; "?" means missing */
		return "!";
	case 0x2713:
		return "v";
	case 0x2717:
		return "x";
	default:
		return NULL;
	}
}

void text_utf8_cut(char *s)
{
	size_t len = strlen(s), i = len, need;
	unsigned char c;

	while (i > 0 && i + 4 > len && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
		i--;
	if (i == 0)
		return;
	c = (unsigned char)s[i - 1];
	if (c < 0x80)
		return;
	need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
	if (i - 1 + need > len)
		s[i - 1] = 0;
}

size_t text_to_ascii(const char *in, char *out, size_t size)
{
	size_t pos = 0, len;
	const char *p = in ? in : "";

	if (size == 0 || out == NULL)
		return 0;
	while (*p) {
		long cp = text_utf8_next(p, &len);
		char buf[4];
		const char *piece;
		size_t plen, i;

		p += len;
		if (cp >= 0x20 && cp < 0x7F) {
			buf[0] = (char)cp;
			piece = buf;
			plen = 1;
		} else if (cp == '\n' || cp == '\t') {
			/* Harmless layout controls; other controls would drive the terminal. */
			buf[0] = (char)cp;
			piece = buf;
			plen = 1;
		} else if ((piece = latin_lookup(cp)) != NULL) {
			plen = strlen(piece);
			if (latin_is_upper(cp)) {
				for (i = 0; i < plen; i++)
					buf[i] = (char)(piece[i] - 32);
				piece = buf;
			}
		} else if ((piece = ascii_sign(cp)) != NULL) {
			plen = strlen(piece);
		} else {
			piece = "?";
			plen = 1;
		}
		if (!put(out, size, &pos, piece, plen))
			break;
	}
	out[pos] = '\0';
	return pos;
}

size_t text_utf8_len(const char *s)
{
	size_t n = 0, len;

	if (s == NULL)
		return 0;
	while (*s) {
		text_utf8_next(s, &len);
		s += len;
		n++;
	}
	return n;
}

int text_utf8_valid(const char *s)
{
	size_t len;

	if (s == NULL)
		return 0;
	while (*s) {
		if (text_utf8_next(s, &len) < 0)
			return 0;
		s += len;
	}
	return 1;
}

static int ascii_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

size_t text_trim_spaces(const char *in, char *out, size_t size)
{
	size_t pos = 0, len;
	int pending_space = 0;
	const char *p = in ? in : "";

	if (size == 0 || out == NULL)
		return 0;
	while (*p) {
		char tmp[5];
		size_t n = 0;

		if (ascii_space(*p)) {
			pending_space = 1;
			p++;
			continue;
		}
		/* Copy whole characters (or one stray byte) so truncation keeps valid UTF-8. */
		text_utf8_next(p, &len);
		if (pending_space && pos > 0)
			tmp[n++] = ' ';
		memcpy(tmp + n, p, len);
		n += len;
		if (!put(out, size, &pos, tmp, n))
			break;
		pending_space = 0;
		p += len;
	}
	out[pos] = '\0';
	return pos;
}

/* Copy in to out, mapping each letter with map(cp, word_start); a word starts after a space,
 * hyphen or apostrophe. Unchanged characters (and invalid bytes) are copied as they are. */
static size_t map_letters(const char *in, char *out, size_t size, long (*map)(long, int))
{
	size_t pos = 0, len;
	const char *p = in ? in : "";
	int word_start = 1;

	if (size == 0 || out == NULL)
		return 0;
	while (*p) {
		long cp = text_utf8_next(p, &len);
		long to = cp < 0 ? cp : map(cp, word_start);
		char buf[4];
		int ok = to == cp ? put(out, size, &pos, p, len)
				  : put(out, size, &pos, buf, text_utf8_encode(to, buf));

		if (!ok)
			break;
		word_start = cp >= 0 && (is_space(cp) || is_hyphen(cp) || is_apostrophe(cp));
		p += len;
	}
	out[pos] = '\0';
	return pos;
}

static long map_upper(long cp, int word_start)
{
	(void)word_start;
	return latin_to_upper(cp);
}

size_t text_upper(const char *in, char *out, size_t size)
{
	return map_letters(in, out, size, map_upper);
}

/* Inverse of latin_to_upper for the letters it maps (ASCII, Latin-1, Latin Extended-A). */
static long latin_to_lower(long cp)
{
	if (cp >= 'A' && cp <= 'Z')
		return cp + 32;
	if (cp == 0x178)
		return 0xFF;
	if (cp >= 0xC0 && cp <= 0xDE && cp != 0xD7)
		return cp + 0x20;
	if (cp >= 0x100 && cp <= 0x17E && latin_is_upper(cp))
		return cp + 1;
	return cp;
}

static long map_capital(long cp, int word_start)
{
	return word_start ? latin_to_upper(cp) : latin_to_lower(cp);
}

size_t text_capitalize(const char *in, char *out, size_t size)
{
	return map_letters(in, out, size, map_capital);
}

int text_fail(char *err, size_t size, const char *fmt, ...)
{
	va_list ap;

	if (err && size) {
		va_start(ap, fmt);
		vsnprintf(err, size, fmt, ap);
		va_end(ap);
	}
	return -1;
}
