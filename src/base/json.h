/*
 * json.h — JSON at the boundary: parsing with limits, small jansson helpers.
 *
 * Bodies from outside (HTTP, stdin, files) go through json_parse_bounded(), which
 * refuses input over a byte limit or nested deeper than a depth limit before jansson
 * sees it, and returns a message that names the problem (never the input itself).
 */
#ifndef BASE_JSON_H
#define BASE_JSON_H

#include <stddef.h>
#include <jansson.h>

#define JSON_BODY_MAX	(1024 * 1024)	/* default byte limit for a request body */
#define JSON_DEPTH_MAX	32		/* default nesting limit */

/*
 * Parse `n` bytes at `s` into `*out` (caller owns, json_decref). Returns RC_OK,
 * RC_ETOOBIG (over `max_bytes` or deeper than `max_depth`) or RC_EINVALID (not JSON,
 * or not an object when `want_object`); `msg` (size `msgsz`) then says why.
 */
int	json_parse_bounded(const char *s, size_t n, size_t max_bytes, int max_depth,
	    int want_object, json_t **out, char *msg, size_t msgsz);

/* The string member `key` of `o`, or NULL when absent or not a string. */
const char *json_get_str(const json_t *o, const char *key);

/* Serialise compactly with sorted keys; caller frees. NULL on failure. */
char	*json_dump_compact(const json_t *j);

struct buf;

/*
 * Append `j` to `b` compactly, members in the order they were set: the text
 * json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) gives, written straight into the
 * buffer (several times faster than jansson's dumper, which the API's responses and
 * every record view go through). 0, or -1 when out of memory or `j` is NULL; `b`
 * may then hold part of the text.
 */
int	json_write(struct buf *b, const json_t *j);
/* Append the `n` bytes at `s` (UTF-8) as a JSON string, quotes included; 0 or -1. */
int	json_write_str(struct buf *b, const char *s, size_t n);

/*
 * Walk the members of the JSON object text `s` (`n` bytes) without building it:
 * `cb` gets each key as written between its quotes (escapes not decoded; `klen`
 * bytes) and the exact text of its value (`vlen` bytes), in order, and returns 0 to
 * go on or a nonzero value to stop (returned). RC_EINVALID when the text is not one
 * well-formed object (checked only as far as finding where each value ends: strings,
 * nesting, literals and numbers; the caller parses values it needs). For texts this
 * program wrote and authenticated, where splicing members is cheaper than a parse.
 */
int	json_members(const char *s, size_t n,
	    int (*cb)(void *arg, const char *key, size_t klen, const char *val,
	    size_t vlen), void *arg);

#endif
