/*
 * fuzz_names.c — name normalisation, tokens, prefixes and skeletons on arbitrary
 * bytes, invalid UTF-8 included.
 *
 * The input (up to its first NUL byte) goes to names_normalise and names_tokens; every
 * token to names_prefixes and names_skeleton; the raw input, cut to a token's length,
 * also straight to names_prefixes and names_skeleton, which callers may hand text that
 * did not come from the normaliser.
 *
 * Checks: never crashes or leaks; normalised text is valid UTF-8 without leading,
 * trailing or doubled spaces; tokens fit NAMES_TOKEN_MAX and are whole characters;
 * prefixes are proper prefixes; a skeleton is as long as it says and fits `outsz`.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/utf8.h>

#include "base/buf.h"
#include "base/err.h"
#include "domain/names.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
valid_utf8(const char *s, size_t n)
{
	int32_t i = 0, len = (int32_t)n;
	UChar32 c;

	while (i < len) {
		U8_NEXT(s, i, len, c);
		if (c < 0)
			return 0;
	}
	return 1;
}

struct prefix_ctx {
	const char	*token;
	size_t		 last;
};

static int
on_prefix(void *arg, const char *prefix)
{
	struct prefix_ctx *p = arg;
	size_t n = strlen(prefix);

	/* strictly growing, strictly shorter than the token, a prefix of it */
	if (n <= p->last || n >= strlen(p->token) || strncmp(prefix, p->token, n) != 0)
		abort();
	p->last = n;
	return 0;
}

static void
skeleton(const char *token)
{
	static const size_t sizes[] = { 2, 3, 8, NAMES_TOKEN_MAX + 1 };
	char out[NAMES_TOKEN_MAX + 1];
	size_t i;
	int n;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(out, 'X', sizeof(out));
		n = names_skeleton(token, out, sizes[i]);
		if (n < -1 || (n >= 0 && (size_t)n >= sizes[i]))
			abort();
		if (n > 0 && strlen(out) != (size_t)n)
			abort();
	}
}

static int
on_token(void *arg, const char *token)
{
	struct prefix_ctx p = { token, 0 };
	size_t n = strlen(token);

	(void)arg;
	if (n == 0 || n > NAMES_TOKEN_MAX || !valid_utf8(token, n) ||
	    strchr(token, ' ') != NULL)
		abort();
	if (names_prefixes(token, on_prefix, &p) != RC_OK)
		abort();
	skeleton(token);
	return 0;
}

static int
on_token_stop(void *arg, const char *token)
{
	(void)token;
	return ++*(int *)arg >= 2 ? 7 : 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct buf out = BUF_INIT;
	struct prefix_ctx p;
	char *s, raw[NAMES_TOKEN_MAX + 1];
	size_t n;
	int rc, count = 0;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	rc = names_normalise(s, &out);
	if (rc == RC_OK) {
		if (out.p == NULL || !valid_utf8(out.p, out.len) ||
		    strlen(out.p) != out.len)
			abort();
		if (out.len > 0 && (out.p[0] == ' ' || out.p[out.len - 1] == ' '))
			abort();
		if (strstr(out.p, "  ") != NULL)
			abort();
	} else if (rc != RC_EINVALID && rc != RC_ETOOBIG)
		abort();
	buf_free(&out);

	rc = names_tokens(s, on_token, NULL);
	if (rc != RC_OK && rc != RC_EINVALID && rc != RC_ETOOBIG)
		abort();
	rc = names_tokens(s, on_token_stop, &count);
	if (rc != 0 && rc != 7 && rc != RC_EINVALID && rc != RC_ETOOBIG)
		abort();

	/* raw bytes, not normalised, cut to a token's length */
	n = strlen(s);
	if (n > NAMES_TOKEN_MAX)
		n = NAMES_TOKEN_MAX;
	memcpy(raw, s, n);
	raw[n] = '\0';
	p.token = raw;
	p.last = 0;
	rc = names_prefixes(raw, on_prefix, &p);
	if (rc != RC_OK && rc != RC_EINVALID)
		abort();
	skeleton(raw);
	skeleton(s);	/* over NAMES_TOKEN_MAX: refused */

	free(s);
	return 0;
}
