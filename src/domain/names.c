/* names.c — name normalisation with ICU. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <unicode/uchar.h>
#include <unicode/utrans.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include "base/err.h"
#include "domain/names.h"

/* Arabic letters written several ways for one name: fold them to one form. */
static UChar32
names_fold_arabic(UChar32 c)
{
	switch (c) {
	case 0x0622: case 0x0623: case 0x0625: case 0x0671:	/* alef forms */
		return 0x0627;
	case 0x0629:						/* taa marbuta */
		return 0x0647;
	case 0x0649:						/* alef maqsura */
		return 0x064A;
	case 0x0624:						/* waw with hamza */
		return 0x0648;
	case 0x0626:						/* yeh with hamza */
		return 0x064A;
	default:
		return c;
	}
}

int
names_normalise(const char *in, struct buf *out)
{
	const UNormalizer2 *nfkd;
	UErrorCode err = U_ZERO_ERROR;
	UChar *u = NULL, *d = NULL;
	int32_t ulen, dlen, i;
	int rc = RC_ENOMEM, space = 0, any = 0;
	size_t inlen = strlen(in);

	if (inlen > (size_t)INT32_MAX / 4)
		return RC_ETOOBIG;
	if ((nfkd = unorm2_getNFKDInstance(&err)) == NULL || U_FAILURE(err))
		return RC_EINTERNAL;

	/* UTF-8 to UTF-16, refusing ill-formed input */
	u_strFromUTF8(NULL, 0, &ulen, in, (int32_t)inlen, &err);
	if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err))
		return RC_EINVALID;
	err = U_ZERO_ERROR;
	if ((u = malloc(((size_t)ulen + 1) * sizeof(UChar))) == NULL)
		goto fail;
	u_strFromUTF8(u, ulen + 1, NULL, in, (int32_t)inlen, &err);
	if (U_FAILURE(err)) {
		rc = RC_EINVALID;
		goto fail;
	}

	/* case fold first (it may change length), then decompose */
	dlen = u_strFoldCase(NULL, 0, u, ulen, U_FOLD_CASE_DEFAULT, &err);
	if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err))
		goto fail;
	err = U_ZERO_ERROR;
	{
		UChar *f = malloc(((size_t)dlen + 1) * sizeof(UChar));

		if (f == NULL)
			goto fail;
		u_strFoldCase(f, dlen + 1, u, ulen, U_FOLD_CASE_DEFAULT, &err);
		free(u);
		u = f;
		ulen = dlen;
	}
	if (U_FAILURE(err))
		goto fail;
	dlen = unorm2_normalize(nfkd, u, ulen, NULL, 0, &err);
	if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err))
		goto fail;
	err = U_ZERO_ERROR;
	if ((d = malloc(((size_t)dlen + 1) * sizeof(UChar))) == NULL)
		goto fail;
	unorm2_normalize(nfkd, u, ulen, d, dlen + 1, &err);
	if (U_FAILURE(err))
		goto fail;

	for (i = 0; i < dlen;) {
		UChar32 c;
		char enc[U8_MAX_LENGTH];
		int32_t n = 0;
		UBool bad = 0;

		U16_NEXT(d, i, dlen, c);
		if (u_charType(c) == U_NON_SPACING_MARK || c == 0x0640)	/* tatweel */
			continue;
		if (!u_isalnum(c)) {
			space = any;	/* a separator, once, and not leading */
			continue;
		}
		c = names_fold_arabic(c);
		if (space) {
			if (buf_putc(out, ' ') != 0)
				goto fail;
			space = 0;
		}
		U8_APPEND(enc, n, (int32_t)sizeof(enc), c, bad);
		if (bad || buf_append(out, enc, (size_t)n) != 0)
			goto fail;
		any = 1;
	}
	if (buf_reserve(out, 0) != 0)
		goto fail;
	out->p[out->len] = '\0';
	rc = RC_OK;
fail:
	free(u);
	free(d);
	return rc;
}

int
names_tokens(const char *in, int (*cb)(void *arg, const char *token), void *arg)
{
	struct buf n = BUF_INIT;
	char tok[NAMES_TOKEN_MAX + 1];
	const char *p, *e;
	size_t len;
	int rc;

	if ((rc = names_normalise(in, &n)) != RC_OK)
		goto out;
	for (p = n.p; p != NULL && *p != '\0'; p = *e ? e + 1 : e) {
		e = strchr(p, ' ');
		if (e == NULL)
			e = p + strlen(p);
		len = (size_t)(e - p);
		if (len > NAMES_TOKEN_MAX) {
			/* cut at a character boundary */
			len = NAMES_TOKEN_MAX;
			while (len > 0 && ((unsigned char)p[len] & 0xc0) == 0x80)
				len--;
		}
		memcpy(tok, p, len);
		tok[len] = '\0';
		if (len > 0 && (rc = cb(arg, tok)) != 0)
			goto out;
	}
	rc = RC_OK;
out:
	buf_free(&n);
	return rc;
}

int
names_prefixes(const char *token, int (*cb)(void *arg, const char *prefix), void *arg)
{
	char pre[NAMES_TOKEN_MAX + 1];
	int32_t i = 0, len = (int32_t)strlen(token), chars = 0;
	int rc;
	UChar32 c;

	if (len > NAMES_TOKEN_MAX)
		return RC_EINVALID;
	while (i < len) {
		U8_NEXT(token, i, len, c);
		if (c < 0)
			return RC_EINVALID;
		chars++;
		if (chars >= NAMES_PREFIX_MIN && i < len) {
			memcpy(pre, token, (size_t)i);
			pre[i] = '\0';
			if ((rc = cb(arg, pre)) != 0)
				return rc;
		}
	}
	return RC_OK;
}

/* ---- skeletons ------------------------------------------------------------------ */

/*
 * One transliterator per thread (ICU transliterators are not to be shared), with
 * the Latin forms it gave lately: names repeat (Mohamed, Abdi, Amanuel in their
 * scripts) and ICU's rules cost more than the rest of a record's blind keys.
 */
#define NAMES_TR_CACHE	512	/* Latin forms kept per thread */

struct names_tr_entry {
	char	in[NAMES_TOKEN_MAX + 1];	/* "" when empty */
	char	out[NAMES_TOKEN_MAX * 4];	/* longer forms are not kept */
};

struct names_tr_state {
	UTransliterator		*t;
	struct names_tr_entry	 cache[NAMES_TR_CACHE];
};

static pthread_key_t	names_tr_key;
static pthread_once_t	names_tr_once = PTHREAD_ONCE_INIT;

static void
names_tr_free(void *p)
{
	struct names_tr_state *st = p;

	utrans_close(st->t);
	free(st);
}

static void
names_tr_init(void)
{
	(void)pthread_key_create(&names_tr_key, names_tr_free);
}

static struct names_tr_state *
names_tr(void)
{
	static const char id[] = "Any-Latin; Latin-ASCII; Lower";
	struct names_tr_state *st;
	UErrorCode err = U_ZERO_ERROR;
	UChar uid[sizeof(id)];

	pthread_once(&names_tr_once, names_tr_init);
	if ((st = pthread_getspecific(names_tr_key)) != NULL)
		return st;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	u_uastrcpy(uid, id);
	st->t = utrans_openU(uid, -1, UTRANS_FORWARD, NULL, 0, NULL, &err);
	if (U_FAILURE(err) || pthread_setspecific(names_tr_key, st) != 0) {
		utrans_close(st->t);
		free(st);
		return NULL;
	}
	return st;
}

/* `token` (`n` bytes, n <= NAMES_TOKEN_MAX) written in Latin by ICU into `out`
 * (NAMES_TOKEN_MAX * 16 bytes): from this thread's cache when it was asked lately.
 * 0, or -1 when ICU fails or the text does not fit. */
static int
names_translit(const char *token, size_t n, char out[NAMES_TOKEN_MAX * 16])
{
	struct names_tr_state *st;
	struct names_tr_entry *e;
	UErrorCode err = U_ZERO_ERROR;
	UChar u[NAMES_TOKEN_MAX * 8];
	int32_t len = 0, limit;
	uint32_t h = 2166136261u;
	size_t i;

	if (n > NAMES_TOKEN_MAX || (st = names_tr()) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)token[i]) * 16777619u;
	e = &st->cache[h % NAMES_TR_CACHE];
	if (n > 0 && strncmp(e->in, token, n) == 0 && e->in[n] == '\0') {
		memcpy(out, e->out, strlen(e->out) + 1);
		return 0;
	}
	u_strFromUTF8(u, (int32_t)(sizeof(u) / sizeof(u[0])), &len, token, (int32_t)n,
	    &err);
	if (U_FAILURE(err))
		return -1;
	limit = len;
	utrans_transUChars(st->t, u, &len, (int32_t)(sizeof(u) / sizeof(u[0])), 0, &limit,
	    &err);
	if (U_FAILURE(err))
		return -1;
	u_strToUTF8(out, NAMES_TOKEN_MAX * 16, NULL, u, len, &err);
	if (U_FAILURE(err) || err == U_STRING_NOT_TERMINATED_WARNING)
		return -1;
	if (n > 0 && strlen(out) < sizeof(e->out)) {
		memcpy(e->in, token, n);
		e->in[n] = '\0';
		memcpy(e->out, out, strlen(out) + 1);
	}
	return 0;
}

/* The sound a letter stands for in the skeleton, reading ahead for digraphs;
 * `*skip` is set to 1 when the next letter was consumed. 0 = no consonant. */
static char
skeleton_sound(const char *s, size_t i, size_t n, int *skip)
{
	char c = s[i], d = i + 1 < n ? s[i + 1] : '\0';

	*skip = 0;
	if (d == 'h' && strchr("kpstcdg", c) != NULL) {
		*skip = 1;
		switch (c) {
		case 'k': return 'k';		/* kh: Khadija, خديجة */
		case 'p': return 'f';		/* ph */
		case 's': case 'c': return 's';	/* sh, ch: Chérif, Sharif, شريف */
		case 't': return 't';		/* th */
		case 'd': return 'd';		/* dh */
		default: return 'j';		/* gh */
		}
	}
	switch (c) {
	case 'a': case 'e': case 'i': case 'o': case 'u': case 'w': case 'y':
		return 0;
	case 'q': case 'c': case 'k':
		return 'k';
	case 'g': case 'j':
		return 'j';
	case 'v': case 'b':
		return 'b';
	case 'x':
		return 'h';			/* Somali: Maxamed = Mohamed */
	case 'z':
		return 's';
	default:
		return c >= 'a' && c <= 'z' ? c : 0;
	}
}

int
names_skeleton(const char *token, char *out, size_t outsz)
{
	char latin[NAMES_TOKEN_MAX * 16], letters[NAMES_TOKEN_MAX * 16];
	size_t i, n = 0, k = 0;
	char last = 0;
	int skip, cut = 0;

	if (outsz < 2 || (n = strlen(token)) > NAMES_TOKEN_MAX)
		return -1;
	for (i = 0; i < n && token[i] >= 'a' && token[i] <= 'z'; i++)
		;
	if (i == n)		/* plain a-z: Any-Latin; Latin-ASCII; Lower keep it */
		memcpy(latin, token, n + 1);
	else if (names_translit(token, n, latin) != 0)
		return -1;
	n = 0;
	for (i = 0; latin[i] != '\0'; i++)
		if (latin[i] >= 'a' && latin[i] <= 'z')
			letters[n++] = latin[i];
	letters[n] = '\0';
	for (i = 0; i < n; i++) {
		char c = skeleton_sound(letters, i, n, &skip);

		i += (size_t)skip;
		if (c == 0) {
			last = 0;	/* a vowel separates: "mama" keeps both m */
			continue;
		}
		if (c == last)
			continue;
		if (k + 1 >= outsz) {
			cut = 1;
			break;
		}
		out[k++] = c;
		last = c;
	}
	while (!cut && k > 0 && out[k - 1] == 'h')	/* Aminah = Amina, taa marbuta */
		k--;
	out[k] = '\0';
	return k >= NAMES_SKELETON_MIN ? (int)k : 0;
}

/* ---- Latin forms, phonetic codes, string similarity ----------------------------- */

int
names_latin(const char *token, char *out, size_t outsz)
{
	char latin[NAMES_TOKEN_MAX * 16];
	size_t i, k = 0, n = strlen(token);

	if (outsz == 0 || n > NAMES_TOKEN_MAX)
		return -1;
	for (i = 0; i < n && token[i] >= 'a' && token[i] <= 'z'; i++)
		;
	if (i < n) {
		/* not plain a-z: let ICU write it in Latin */
		if (names_translit(token, n, latin) != 0)
			return -1;
		token = latin;
		n = strlen(latin);
	}
	for (i = 0; i < n && k + 1 < outsz; i++) {
		unsigned char c = (unsigned char)token[i];

		if (c >= 'a' && c <= 'z')
			out[k++] = (char)c;
		else if (c >= 'A' && c <= 'Z')
			out[k++] = (char)(c - 'A' + 'a');
		else if (c == 0xca && i + 1 < n && ((unsigned char)token[i + 1] == 0xbf ||
		    (unsigned char)token[i + 1] == 0xbe)) {
			out[k++] = 'a';		/* ayn or hamza: a vowel onset */
			i++;
		}
	}
	out[k] = '\0';
	return (int)k;
}

static int
phonetic_vowel(char c)
{
	return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y' ||
	    c == 'w';
}

/* The class of the letter at s[i] (reading ahead for digraphs, `*skip` letters more
 * consumed), or 0 for a vowel. See names.h for the rules. */
static char
phonetic_sound(const char *s, size_t i, int alt, int *skip)
{
	char c = s[i], d = s[i + 1], e = d != '\0' ? s[i + 2] : '\0';

	*skip = 0;
	if (c == 's' && d == 'c' && e == 'h') {
		*skip = 2;
		return 's';
	}
	*skip = 1;
	switch (c) {
	case 's': if (d == 'h') return 's'; break;
	case 'c':
		if (d == 'h')
			return alt ? 'k' : 's';
		if (d == 'k')
			return 'k';
		break;
	case 'k': if (d == 'h') return 'h'; break;
	case 'g': if (d == 'h') return 'k'; break;
	case 'p': if (d == 'h') return 'f'; break;
	case 't':
		if (d == 'h')
			return alt ? 's' : 't';
		if (d == 's' || d == 'z')
			return 's';
		break;
	case 'd': if (d == 'j') return 'j'; break;
	default: break;
	}
	*skip = 0;
	switch (c) {
	case 'q': case 'k':
		return 'k';
	case 'g':
		return alt ? 'j' : 'k';
	case 'c':
		if (alt)
			return 0;		/* Somali c: the ayn, a vowel onset */
		return d == 'e' || d == 'i' || d == 'y' ? 's' : 'k';
	case 'x':
		return 'h';
	case 'z':
		return 's';
	case 'p':
		return 'b';
	case 'v':
		return alt ? 0 : 'f';
	case 'y':
		/* Spanish and Ethiopian y/j at the start: Yaneth = Janeth, Yohannes */
		return alt && i == 0 && phonetic_vowel(d) ? 'j' : 0;
	default:
		return phonetic_vowel(c) || c < 'a' || c > 'z' ? 0 : c;
	}
}

int
names_phonetic(const char *latin, int alt, char *out, size_t outsz)
{
	size_t i, k = 0;
	char c, last = 0;
	int skip;

	if (outsz == 0)
		return -1;
	for (i = 0; latin[i] != '\0'; i++)
		if (latin[i] < 'a' || latin[i] > 'z')
			return -1;
	out[0] = '\0';
	if (latin[0] == '\0')
		return 0;
	if (phonetic_sound(latin, 0, alt, &skip) == 0) {
		if (outsz < 2)
			return 0;
		out[k++] = 'a';
	}
	for (i = 0; latin[i] != '\0'; i++) {
		c = phonetic_sound(latin, i, alt, &skip);
		i += (size_t)skip;
		if (c == 0) {
			last = 0;	/* a vowel separates: "mama" keeps both m */
			continue;
		}
		if (c == last)
			continue;
		if (k + 1 >= outsz)
			break;
		out[k++] = c;
		last = c;
	}
	while (k > 0 && out[k - 1] == 'h')	/* Aminah, Faarax, taa marbuta */
		k--;
	if (k > 0 && out[k - 1] == 'd')		/* Mohamed = Mahamat */
		out[k - 1] = 't';
	out[k] = '\0';
	return (int)k;
}

#define JW_MAX	255

double
names_jaro_winkler(const char *a, const char *b)
{
	unsigned char ma[JW_MAX], mb[JW_MAX];
	size_t la = strnlen(a, JW_MAX), lb = strnlen(b, JW_MAX), i, j, lo, hi, win;
	size_t m = 0, t = 0, p = 0;
	double jaro;

	if (la == 0 && lb == 0)
		return 1.0;
	if (la == 0 || lb == 0)
		return 0.0;
	win = (la > lb ? la : lb) / 2;
	win = win > 0 ? win - 1 : 0;
	memset(ma, 0, la);
	memset(mb, 0, lb);
	for (i = 0; i < la; i++) {
		lo = i > win ? i - win : 0;
		hi = i + win + 1 < lb ? i + win + 1 : lb;
		for (j = lo; j < hi; j++) {
			if (mb[j] || a[i] != b[j])
				continue;
			ma[i] = mb[j] = 1;
			m++;
			break;
		}
	}
	if (m == 0)
		return 0.0;
	for (i = 0, j = 0; i < la; i++) {
		if (!ma[i])
			continue;
		while (!mb[j])
			j++;
		if (a[i] != b[j])
			t++;
		j++;
	}
	jaro = ((double)m / (double)la + (double)m / (double)lb +
	    ((double)m - (double)t / 2.0) / (double)m) / 3.0;
	while (p < 4 && p < la && p < lb && a[p] == b[p])
		p++;
	return jaro + (double)p * 0.1 * (1.0 - jaro);
}
