/*
 * names.h — name normalisation for search, blind indexing and (later) matching.
 *
 * Pure: ICU's normaliser and character properties only, no I/O. Thread-safe.
 */
#ifndef DOMAIN_NAMES_H
#define DOMAIN_NAMES_H

#include "base/buf.h"

#define NAMES_TOKEN_MAX		64	/* bytes; longer tokens are cut at a character */
#define NAMES_PREFIX_MIN	3	/* shortest prefix indexed, in characters */

/*
 * Normalise `in` (UTF-8) into `out` (appended, NUL-terminated): compatibility
 * decomposition, combining marks removed ("José" -> "jose"), case folded, Arabic letter
 * variants unified (alef forms, taa marbuta, alef maqsura, tatweel removed), anything
 * that is not a letter or digit turned into one space, trimmed. RC_OK, RC_EINVALID
 * (not UTF-8), RC_ENOMEM.
 */
int	names_normalise(const char *in, struct buf *out);

/* Normalise `in` and call `cb` with each token (NUL-terminated, at most
 * NAMES_TOKEN_MAX bytes). Stops at the first non-zero return and returns it. */
int	names_tokens(const char *in, int (*cb)(void *arg, const char *token), void *arg);

/* Call `cb` with each prefix of `token` of NAMES_PREFIX_MIN characters up to one
 * character short of the whole token (whole characters, never a broken sequence). */
int	names_prefixes(const char *token, int (*cb)(void *arg, const char *prefix),
	    void *arg);

#endif
