/* json.c — bounded JSON parsing and helpers over jansson. */
#include <stdio.h>
#include <string.h>

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

char *
json_dump_compact(const json_t *j)
{
	return json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
}
