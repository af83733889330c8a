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

#define NAMES_SKELETON_MIN	2	/* shorter skeletons are not indexed */

/*
 * The consonant skeleton of a normalised token, for finding one name written in
 * another script or spelling: transliterated to Latin (ICU "Any-Latin; Latin-ASCII"),
 * letters only, similar sounds merged (q/c/k, g/j, v/b, x/h as in Somali, ph/f, kh,
 * sh, th, ch, dh, gh), vowels and the semivowels w and y dropped, doubles collapsed, a
 * final h dropped. "Mohamed", "Muhammad", "Maxamed" and "محمد" all give "mhmd";
 * "Tesfaye" and "ተስፋየ" give "tsf". Writes at most `outsz` - 1 bytes; returns the
 * length, 0 when the skeleton is shorter than NAMES_SKELETON_MIN, or -1 on error.
 */
int	names_skeleton(const char *token, char *out, size_t outsz);

#endif
