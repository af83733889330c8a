/* json.c — bounded JSON parsing and helpers over jansson. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"

/* Walk the text once, outside strings, counting open brackets. */
static int
json_depth_exceeds(const char *s, size_t n, int max_depth)
{
	int depth = 0, in_str = 0, esc = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (in_str) {
			if (esc)
				esc = 0;
			else if (c == '\\')
				esc = 1;
			else if (c == '"')
				in_str = 0;
			continue;
		}
		if (c == '"')
			in_str = 1;
		else if (c == '{' || c == '[') {
			if (++depth > max_depth)
				return 1;
		} else if (c == '}' || c == ']')
			depth--;
	}
	return 0;
}

int
json_parse_bounded(const char *s, size_t n, size_t max_bytes, int max_depth,
    int want_object, json_t **out, char *msg, size_t msgsz)
{
	json_error_t jerr;
	json_t *j;

	*out = NULL;
	if (n > max_bytes) {
		snprintf(msg, msgsz, "body too large: %zu bytes, the limit is %zu", n,
		    max_bytes);
		return RC_ETOOBIG;
	}
	if (n == 0) {
		snprintf(msg, msgsz, "empty body: expected a JSON object");
		return RC_EINVALID;
	}
	if (json_depth_exceeds(s, n, max_depth)) {
		snprintf(msg, msgsz, "JSON nested deeper than %d levels", max_depth);
		return RC_ETOOBIG;
	}
	j = json_loadb(s, n, JSON_REJECT_DUPLICATES, &jerr);
	if (j == NULL) {
		/* jansson's text names the problem and position, never echoes values */
		snprintf(msg, msgsz, "malformed JSON at line %d column %d: %s", jerr.line,
		    jerr.column, jerr.text);
		return RC_EINVALID;
	}
	if (want_object && !json_is_object(j)) {
		json_decref(j);
		snprintf(msg, msgsz, "expected a JSON object");
		return RC_EINVALID;
	}
	*out = j;
	return RC_OK;
}

const char *
json_get_str(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int	json_write_any(struct buf *b, const json_t *j, int sorted);

char *
json_dump_compact(const json_t *j)
{
	struct buf b = BUF_INIT;

	/* what json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) gives,
	 * several times faster: every save seals, and keeps history of, a dump */
	if (json_write_any(&b, j, 1) != 0) {
		buf_wipe(&b);
		return NULL;
	}
	if (b.p == NULL)
		return strdup("");
	return b.p;
}

/* ---- writing ---------------------------------------------------------------------- */

int
json_write_str(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";	/* as jansson writes */
	size_t i, run = 0;
	char esc[6];

	if (buf_putc(b, '"') != 0)
		return -1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t elen = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if (buf_append(b, s + run, i - run) != 0)
			return -1;
		run = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"':	esc[1] = '"'; break;
		case '\\':	esc[1] = '\\'; break;
		case '\b':	esc[1] = 'b'; break;
		case '\f':	esc[1] = 'f'; break;
		case '\n':	esc[1] = 'n'; break;
		case '\r':	esc[1] = 'r'; break;
		case '\t':	esc[1] = 't'; break;
		default:
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 0xf];
			elen = 6;
		}
		if (buf_append(b, esc, elen) != 0)
			return -1;
	}
	if (buf_append(b, s + run, n - run) != 0 || buf_putc(b, '"') != 0)
		return -1;
	return 0;
}

static int
key_cmp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The members of object `j` with keys in strcmp order. */
static int
json_write_sorted_object(struct buf *b, const json_t *j)
{
	const char *stack_keys[32], **keys = stack_keys, *key;
	size_t n = json_object_size(j), i = 0;
	json_t *v;
	int rc = -1;

	if (n > sizeof(stack_keys) / sizeof(stack_keys[0]) &&
	    (n > SIZE_MAX / sizeof(*keys) || (keys = malloc(n * sizeof(*keys))) == NULL))
		return -1;
	json_object_foreach((json_t *)j, key, v) {
		if (i == n)
			goto out;	/* changed under us: cannot be */
		keys[i++] = key;
	}
	qsort(keys, i, sizeof(*keys), key_cmp);
	if (buf_putc(b, '{') != 0)
		goto out;
	for (n = i, i = 0; i < n; i++)
		if ((i > 0 && buf_putc(b, ',') != 0) ||
		    json_write_str(b, keys[i], strlen(keys[i])) != 0 ||
		    buf_putc(b, ':') != 0 ||
		    json_write_any(b, json_object_get(j, keys[i]), 1) != 0)
			goto out;
	rc = buf_putc(b, '}');
out:
	if (keys != stack_keys)
		free(keys);
	return rc;
}

int
json_write(struct buf *b, const json_t *j)
{
	return json_write_any(b, j, 0);
}

static int
json_write_any(struct buf *b, const json_t *j, int sorted)
{
	char num[64];
	const char *key;
	size_t i, n;
	json_t *v;
	char *comma, *e;
	int len;

	if (j == NULL)
		return -1;
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		if (sorted)
			return json_write_sorted_object(b, j);
		if (buf_putc(b, '{') != 0)
			return -1;
		i = 0;
		json_object_foreach((json_t *)j, key, v) {
			if ((i++ > 0 && buf_putc(b, ',') != 0) ||
			    json_write_str(b, key, strlen(key)) != 0 ||
			    buf_putc(b, ':') != 0 || json_write_any(b, v, sorted) != 0)
				return -1;
		}
		return buf_putc(b, '}');
	case JSON_ARRAY:
		if (buf_putc(b, '[') != 0)
			return -1;
		n = json_array_size(j);
		for (i = 0; i < n; i++)
			if ((i > 0 && buf_putc(b, ',') != 0) ||
			    json_write_any(b, json_array_get(j, i), sorted) != 0)
				return -1;
		return buf_putc(b, ']');
	case JSON_STRING:
		return json_write_str(b, json_string_value(j), json_string_length(j));
	case JSON_INTEGER:
		len = snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
		    json_integer_value(j));
		return len > 0 && (size_t)len < sizeof(num) ? buf_append(b, num,
		    (size_t)len) : -1;
	case JSON_REAL:
		/* as jansson writes it: 17 significant digits, always a real */
		len = snprintf(num, sizeof(num) - 2, "%.17g", json_real_value(j));
		if (len > 0 && (comma = strchr(num, ',')) != NULL)
			*comma = '.';	/* a locale's decimal comma */
		if (len <= 0 || (size_t)len >= sizeof(num) - 2 ||
		    strspn(num, "-0123456789.e+") != (size_t)len)
			return -1;	/* inf, nan: not JSON, as jansson refuses them */
		if (strpbrk(num, ".e") == NULL) {
			num[len++] = '.';
			num[len++] = '0';
		} else if ((e = strchr(num, 'e')) != NULL) {
			/* the exponent without '+' and leading zeros: 1e300, 1e-5 */
			char *d = e + 1, *from = d;

			if (*from == '-')
				d = ++from;
			while (*from == '+' || (*from == '0' && from[1] != '\0'))
				from++;
			memmove(d, from, strlen(from) + 1);
			len = (int)strlen(num);
		}
		return buf_append(b, num, (size_t)len);
	case JSON_TRUE:
		return buf_puts(b, "true");
	case JSON_FALSE:
		return buf_puts(b, "false");
	case JSON_NULL:
		return buf_puts(b, "null");
	default:
		return -1;
	}
}

/* ---- walking members without a parse -------------------------------------------- */

static size_t
skip_ws(const char *s, size_t n, size_t i)
{
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* Byte classes for the scanners below: a lookup per byte instead of a chain of
 * comparisons (the splice of a record view walks every byte of its body). */
enum scan_kind {
	SCAN_PLAIN = 0, SCAN_QUOTE, SCAN_ESCAPE, SCAN_CONTROL, SCAN_OPEN, SCAN_CLOSE,
	SCAN_LITERAL	/* a character of a number, true, false or null */
};

#define P SCAN_PLAIN
#define Q SCAN_QUOTE
#define E SCAN_ESCAPE
#define C SCAN_CONTROL
#define O SCAN_OPEN
#define X SCAN_CLOSE
#define L SCAN_LITERAL

static const unsigned char scan_class[256] = {
	C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C,
	C, C, C, C, C, C, C, C, C, C, C, C, C, C, C, C,
	P, P, Q, P, P, P, P, P, P, P, P, L, P, L, L, P,
	L, L, L, L, L, L, L, L, L, L, P, P, P, P, P, P,
	P, P, P, P, P, L, P, P, P, P, P, P, P, P, P, P,
	P, P, P, P, P, P, P, P, P, P, P, O, E, X, P, P,
	P, L, P, P, P, L, L, P, P, P, P, P, L, P, L, P,
	P, P, L, L, L, L, P, P, P, P, P, O, P, X, P, P,
	P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,
	P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,
	P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,
	P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,
	P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,
	P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,
	P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,
	P, P, P, P, P, P, P, P, P, P, P, P, P, P, P, P,
};
#undef P
#undef Q
#undef E
#undef C
#undef O
#undef X
#undef L

/* The index just past the string starting at s[i] == '"', or 0 when unterminated. */
static size_t
skip_string(const char *s, size_t n, size_t i)
{
	const unsigned char *u = (const unsigned char *)s;

	for (i++; i < n; i++) {
		switch (scan_class[u[i]]) {
		case SCAN_QUOTE:
			return i + 1;
		case SCAN_ESCAPE:
			i++;
			break;
		case SCAN_CONTROL:
			return 0;
		default:
			break;
		}
	}
	return 0;
}

/* The index just past the value starting at s[i], or 0 when malformed. */
static size_t
skip_value(const char *s, size_t n, size_t i)
{
	const unsigned char *u = (const unsigned char *)s;
	int depth = 0;

	if (i >= n)
		return 0;
	if (s[i] == '"')
		return skip_string(s, n, i);
	if (scan_class[u[i]] != SCAN_OPEN) {
		size_t start = i;

		/* literals and numbers: up to the next delimiter */
		while (i < n && scan_class[u[i]] == SCAN_LITERAL)
			i++;
		if (i == start)
			return 0;
		if (i == n)
			return i;
		switch (u[i]) {
		case ',': case '}': case ']': case ' ': case '\t': case '\n': case '\r':
			return i;
		default:
			return 0;
		}
	}
	for (; i < n; i++) {
		switch (scan_class[u[i]]) {
		case SCAN_QUOTE:
			if ((i = skip_string(s, n, i)) == 0)
				return 0;
			i--;
			break;
		case SCAN_OPEN:
			if (++depth > JSON_DEPTH_MAX)
				return 0;
			break;
		case SCAN_CLOSE:
			if (--depth == 0)
				return i + 1;
			break;
		default:
			break;
		}
	}
	return 0;
}

int
json_members(const char *s, size_t n,
    int (*cb)(void *arg, const char *key, size_t klen, const char *val, size_t vlen),
    void *arg)
{
	size_t i = skip_ws(s, n, 0), k, kend, v, vend;
	int rc;

	if (i >= n || s[i] != '{')
		return RC_EINVALID;
	i = skip_ws(s, n, i + 1);
	if (i < n && s[i] == '}')
		return skip_ws(s, n, i + 1) == n ? RC_OK : RC_EINVALID;
	for (;;) {
		if (i >= n || s[i] != '"' || (kend = skip_string(s, n, i)) == 0)
			return RC_EINVALID;
		k = i + 1;
		i = skip_ws(s, n, kend);
		if (i >= n || s[i] != ':')
			return RC_EINVALID;
		v = skip_ws(s, n, i + 1);
		if ((vend = skip_value(s, n, v)) == 0)
			return RC_EINVALID;
		if ((rc = cb(arg, s + k, kend - 1 - k, s + v, vend - v)) != 0)
			return rc;
		i = skip_ws(s, n, vend);
		if (i < n && s[i] == ',') {
			i = skip_ws(s, n, i + 1);
			continue;
		}
		if (i < n && s[i] == '}')
			return skip_ws(s, n, i + 1) == n ? RC_OK : RC_EINVALID;
		return RC_EINVALID;
	}
}
