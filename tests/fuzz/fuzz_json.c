/*
 * fuzz_json.c — json_parse_bounded() on arbitrary bytes, with the limits of a form
 * body (64 KiB, depth 32).
 *
 * Checks: never crashes or leaks; RC_OK exactly when `*out` is set, and then an object
 * no deeper than the limit that survives a dump and reparse unchanged; a refusal always
 * says why. json_members() on the raw bytes never crashes, and on the dump of an
 * object finds every member, each value text parsing to the member's value.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/err.h"
#include "base/json.h"

#define FUZZ_MAX_BYTES	(64 * 1024)
#define FUZZ_MAX_DEPTH	32

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Nesting depth of `j`: 0 for a scalar, 1 for [] or {}. */
static int
json_depth(const json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;
	int d, max = 0;

	if (json_is_object(j)) {
		json_object_foreach((json_t *)j, key, v)
			if ((d = json_depth(v)) > max)
				max = d;
		return max + 1;
	}
	if (json_is_array(j)) {
		json_array_foreach(j, i, v)
			if ((d = json_depth(v)) > max)
				max = d;
		return max + 1;
	}
	return 0;
}

static int
ignore_member(void *arg, const char *key, size_t klen, const char *val, size_t vlen)
{
	(void)arg;
	(void)key;
	(void)klen;
	(void)val;
	(void)vlen;
	return 0;
}

struct members_ctx {
	const json_t	*obj;
	size_t		 seen;
};

static int
check_member(void *arg, const char *key, size_t klen, const char *val, size_t vlen)
{
	struct members_ctx *c = arg;
	json_t *k, *v;

	/* the key as written decodes through jansson as a string */
	if ((k = json_loadb(key - 1, klen + 2, JSON_DECODE_ANY, NULL)) == NULL ||
	    !json_is_string(k))
		abort();
	v = json_loadb(val, vlen, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	if (v == NULL || !json_equal(v, json_object_get(c->obj, json_string_value(k))))
		abort();
	json_decref(v);
	json_decref(k);
	c->seen++;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *j = NULL, *again;
	char msg[256], *text;
	int rc, want_object;

	(void)json_members((const char *)data, size, ignore_member, NULL);
	for (want_object = 0; want_object <= 1; want_object++) {
		msg[0] = '\0';
		rc = json_parse_bounded((const char *)data, size, FUZZ_MAX_BYTES,
		    FUZZ_MAX_DEPTH, want_object, &j, msg, sizeof(msg));
		if (rc != RC_OK) {
			if (j != NULL || msg[0] == '\0' || memchr(msg, '\0', sizeof(msg)) == NULL)
				abort();
			if (rc != RC_EINVALID && rc != RC_ETOOBIG)
				abort();
			continue;
		}
		if (j == NULL || (want_object && !json_is_object(j)))
			abort();
		if (size > FUZZ_MAX_BYTES || json_depth(j) > FUZZ_MAX_DEPTH)
			abort();
		(void)json_get_str(j, "data");
		(void)json_get_str(j, "");
		/* what we would send back parses to the same value */
		if ((text = json_dump_compact(j)) != NULL) {
			again = json_loads(text, JSON_DECODE_ANY, NULL);
			if (again == NULL || !json_equal(j, again))
				abort();
			json_decref(again);
			if (json_is_object(j)) {
				struct members_ctx mc = { j, 0 };

				if (json_members(text, strlen(text), check_member, &mc) !=
				    RC_OK || mc.seen != json_object_size(j))
					abort();
			}
			free(text);
		}
		json_decref(j);
		j = NULL;
	}
	return 0;
}
