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

#define NAMES_LATIN_MAX		(NAMES_TOKEN_MAX * 2)	/* bytes of a Latin form, NUL included */

/*
 * The Latin letters of a normalised token (names_normalise, names_tokens), for
 * comparing one name across scripts: transliterated with ICU "Any-Latin; Latin-ASCII;
 * Lower" (Arabic, Ethiopic, Persian, Cyrillic, ... all become Latin), the Arabic ayn
 * and hamza marks (U+02BF, U+02BE) read as the vowel "a" they sound like at the start
 * of a name ("علي" -> "aly", like "Ali"), everything but a-z dropped. "محمد" -> "mhmd",
 * "ተስፋይ" -> "tasfay", "josé" -> "jose". A token already in a-z is copied without
 * ICU. Writes at most `outsz` - 1 bytes (cut, never overflowing); returns the length
 * (0 when nothing is left) or -1 on error (not UTF-8, over NAMES_TOKEN_MAX bytes).
 */
int	names_latin(const char *token, char *out, size_t outsz);

/*
 * A phonetic code of a Latin form (names_latin) for names that travel between Arabic,
 * Somali, Tigrinya, Amharic, French and Spanish spellings. Our own design, stricter
 * than names_skeleton (which the blind index keeps) in two ways: it marks a name that
 * starts with a vowel ("Amina" -> "amn", "Mona" -> "mn") and it keeps t/d and b/f
 * apart. Rules, in order:
 *
 *   - a leading vowel (a e i o u, and y w, which read as vowels) gives the marker "a";
 *     after that vowels, y and w are dropped but still separate letters, so "mama"
 *     keeps both m while "Mohammed" collapses to one;
 *   - digraphs: sch sh ch ts tz -> s (Chérif, Sharif, Tsegay/ጸጋይ "sagay"); kh x -> h
 *     (Khalid, Somali Xasan = Hassan); gh -> k; ph -> f; th -> t; dj -> j; ck -> k;
 *   - letters: q k g c (hard) -> k (Qasim, Kassem, Gadir); c before e i y -> s (Cissé);
 *     s z -> s; b p -> b; f v -> f; j -> j; h -> h; d t l m n r as they are;
 *   - doubles collapse (only across no vowel); a final h is dropped (Aminah, Farah =
 *     Faarax, taa marbuta); a final d becomes t (Mohamed = Mahamat, Ahmed = Ahmat).
 *
 * With `alt` set, the other common readings are taken instead: Somali c as the ayn it
 * stands for (Cabdi = Abdi, Cumar = Omar, Jaamac = Jama), g as j (Egyptian Gamal =
 * Jamal), ch as k (Michael = ሚካኤል "mikael"), th as s (Osman = Othman), v as w
 * (Persian Javad = Jawad) and a leading y before a vowel as j (Yaneth = Janeth,
 * Yohannes = Johannes). Names agree phonetically when any code of one equals any
 * code of the other. "Mohamed", "Muhammad", "Maxamed", "Mahamat" and "محمد" give
 * "mhmt"; "Fatima" and "Fatuma" "ftm"; "Tesfay", "Tesfai", "Tesfaye" and "ተስፋይ" "tsf".
 * Writes at most `outsz` - 1 bytes; returns the length (0 for no code) or -1 when
 * `latin` holds anything but a-z or `outsz` is 0.
 */
int	names_phonetic(const char *latin, int alt, char *out, size_t outsz);

/*
 * The Jaro-Winkler similarity of two byte strings, 0 (nothing in common) to 1 (equal):
 * Jaro's matches within half the longer length and transpositions, then Winkler's
 * bonus of 0.1 per common leading byte, up to four. Two empty strings give 1. Strings
 * longer than 255 bytes are compared on their first 255.
 */
double	names_jaro_winkler(const char *a, const char *b);

#endif
