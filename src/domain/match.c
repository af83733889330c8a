/* match.c — Fellegi-Sunter record linkage of cases and traces: see match.h. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/json.h"
#include "domain/match.h"
#include "domain/names.h"

#define CODE_MAX	32	/* bytes of a phonetic code, NUL included */
#define CODES		4	/* full and bare form, each read both ways */
#define LOC_MAX		24	/* bytes of a location code */
#define LEVELS_MAX	8	/* location_levels */
#define CONFIG_BYTES	(256 * 1024)
#define CONFIG_DEPTH	8

/* ---- names of things ------------------------------------------------------------ */

static const char *const field_names[MATCH_FIELD__MAX] = {
	[MATCH_NAME] = "name",
	[MATCH_SEX] = "sex",
	[MATCH_AGE] = "age",
	[MATCH_DATE_OF_BIRTH] = "date_of_birth",
	[MATCH_LOCATION] = "location",
	[MATCH_DATE_OF_SEPARATION] = "date_of_separation",
	[MATCH_FAMILY] = "family",
};

static const char *const level_names[MATCH_LEVEL__MAX] = {
	[MATCH_MISSING] = "missing",
	[MATCH_EXACT] = "exact",
	[MATCH_PHONETIC] = "phonetic",
	[MATCH_SIMILAR] = "similar",
	[MATCH_PARTIAL] = "partial",
	[MATCH_DISAGREE] = "disagree",
	[MATCH_AGREE] = "agree",
	[MATCH_WITHIN_1] = "within_1",
	[MATCH_WITHIN_3] = "within_3",
	[MATCH_YEAR] = "year",
	[MATCH_SAME] = "same",
	[MATCH_AREA] = "area",
	[MATCH_COUNTRY] = "country",
	[MATCH_CLOSE] = "close",
	[MATCH_PLAUSIBLE] = "plausible",
	[MATCH_IMPLAUSIBLE] = "implausible",
};

static const char *const profile_names[MATCH_PROFILE__MAX] = {
	[MATCH_PROFILE_TRACE] = "trace",
	[MATCH_PROFILE_DUPLICATE] = "duplicate",
};

/* The levels each field has, best first; "missing" is implied. */
#define FIELD_LEVELS_MAX	5

static const enum match_level field_levels[MATCH_FIELD__MAX][FIELD_LEVELS_MAX] = {
	[MATCH_NAME] = { MATCH_EXACT, MATCH_PHONETIC, MATCH_SIMILAR, MATCH_PARTIAL,
	    MATCH_DISAGREE },
	[MATCH_SEX] = { MATCH_AGREE, MATCH_DISAGREE },
	[MATCH_AGE] = { MATCH_WITHIN_1, MATCH_WITHIN_3, MATCH_DISAGREE },
	[MATCH_DATE_OF_BIRTH] = { MATCH_EXACT, MATCH_YEAR, MATCH_DISAGREE },
	[MATCH_LOCATION] = { MATCH_SAME, MATCH_AREA, MATCH_COUNTRY, MATCH_DISAGREE },
	[MATCH_DATE_OF_SEPARATION] = { MATCH_CLOSE, MATCH_PLAUSIBLE, MATCH_IMPLAUSIBLE },
	[MATCH_FAMILY] = { MATCH_EXACT, MATCH_PHONETIC, MATCH_SIMILAR, MATCH_PARTIAL,
	    MATCH_DISAGREE },
};

const char *
match_field_name(enum match_field f)
{
	return (unsigned)f < MATCH_FIELD__MAX ? field_names[f] : "?";
}

const char *
match_level_name(enum match_level l)
{
	return (unsigned)l < MATCH_LEVEL__MAX ? level_names[l] : "?";
}

const char *
match_profile_name(enum match_profile p)
{
	return (unsigned)p < MATCH_PROFILE__MAX ? profile_names[p] : "?";
}

const char *
match_likelihood_name(enum match_likelihood l)
{
	switch (l) {
	case MATCH_LIKELY: return "likely";
	case MATCH_POSSIBLE: return "possible";
	case MATCH_UNLIKELY: return "unlikely";
	}
	return "?";
}

static int
field_has_level(enum match_field f, enum match_level l)
{
	size_t i;

	for (i = 0; i < FIELD_LEVELS_MAX; i++)
		if (field_levels[f][i] == l && l != MATCH_MISSING)
			return 1;
	return l == MATCH_MISSING;
}

/* ---- configuration -------------------------------------------------------------- */

struct profile {
	double	log_prior_odds;		/* log2(prior / (1 - prior)) */
	double	likely, possible;
	double	w[MATCH_FIELD__MAX][MATCH_LEVEL__MAX];
};

struct match_config {
	double		jw_similar;
	int		age_tol[2];
	int		levels[LEVELS_MAX];
	size_t		nlevels;
	int		grace, close, max;
	struct profile	p[MATCH_PROFILE__MAX];
};

static int	cfg_fail(char *msg, size_t msgsz, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

static int
cfg_fail(char *msg, size_t msgsz, const char *fmt, ...)
{
	va_list ap;

	if (msgsz > 0) {
		va_start(ap, fmt);
		vsnprintf(msg, msgsz, fmt, ap);
		va_end(ap);
	}
	return RC_EINVALID;
}

/* Every key of `o` is one of the NULL-terminated `keys`; else the first that is not. */
static const char *
cfg_unknown_key(const json_t *o, const char *const *keys)
{
	const char *k;
	json_t *v;
	size_t i;

	json_object_foreach((json_t *)o, k, v) {
		for (i = 0; keys[i] != NULL; i++)
			if (strcmp(keys[i], k) == 0)
				break;
		if (keys[i] == NULL)
			return k;
	}
	return NULL;
}

static int
cfg_number(const json_t *o, const char *key, double lo, double hi, int open_lo,
    double *out, const char *where, char *msg, size_t msgsz)
{
	const json_t *v = json_object_get(o, key);
	double d;

	if (!json_is_number(v))
		return cfg_fail(msg, msgsz, "%s%s: a number is required", where, key);
	d = json_number_value(v);
	if (!isfinite(d) || d > hi || (open_lo ? d <= lo : d < lo))
		return cfg_fail(msg, msgsz, "%s%s: must be %s %g and at most %g", where, key,
		    open_lo ? "above" : "at least", lo, hi);
	*out = d;
	return RC_OK;
}

static int
cfg_int(const json_t *v, long long lo, long long hi, int *out)
{
	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return -1;
	*out = (int)json_integer_value(v);
	return 0;
}

static int
cfg_profile(struct profile *p, const json_t *o, const char *pname, char *msg,
    size_t msgsz)
{
	static const char *const pkeys[] = { "prior", "likely", "possible", "fields", NULL };
	static const char *const mu[] = { "m", "u", NULL };
	char where[96];
	const json_t *fields, *fo, *lo;
	const char *bad, *k;
	double prior, m, u;
	json_t *v;
	size_t f;
	int rc, l;

	snprintf(where, sizeof(where), "profiles.%s.", pname);
	if (!json_is_object(o))
		return cfg_fail(msg, msgsz, "profiles.%s: an object is required", pname);
	if ((bad = cfg_unknown_key(o, pkeys)) != NULL)
		return cfg_fail(msg, msgsz, "%s%s: unknown key", where, bad);
	if ((rc = cfg_number(o, "prior", 0, 1, 1, &prior, where, msg, msgsz)) != RC_OK ||
	    (rc = cfg_number(o, "likely", 0, 1, 1, &p->likely, where, msg, msgsz)) !=
	    RC_OK ||
	    (rc = cfg_number(o, "possible", 0, p->likely, 1, &p->possible, where, msg,
	    msgsz)) != RC_OK)
		return rc;
	if (prior >= 1 || p->likely >= 1)
		return cfg_fail(msg, msgsz, "%sprior, likely: must be below 1", where);
	p->log_prior_odds = log2(prior / (1 - prior));
	fields = json_object_get(o, "fields");
	if (!json_is_object(fields))
		return cfg_fail(msg, msgsz, "%sfields: an object is required", where);
	json_object_foreach((json_t *)fields, k, v) {
		for (f = 0; f < MATCH_FIELD__MAX; f++)
			if (strcmp(field_names[f], k) == 0)
				break;
		if (f == MATCH_FIELD__MAX)
			return cfg_fail(msg, msgsz, "%sfields.%s: unknown field", where, k);
	}
	for (f = 0; f < MATCH_FIELD__MAX; f++) {
		fo = json_object_get(fields, field_names[f]);
		if (!json_is_object(fo))
			return cfg_fail(msg, msgsz, "%sfields.%s: an object is required", where,
			    field_names[f]);
		json_object_foreach((json_t *)fo, k, v) {
			for (l = 0; l < MATCH_LEVEL__MAX; l++)
				if (strcmp(level_names[l], k) == 0 &&
				    field_has_level((enum match_field)f, (enum match_level)l))
					break;
			if (l == MATCH_LEVEL__MAX)
				return cfg_fail(msg, msgsz, "%sfields.%s.%s: not a level of "
				    "this field", where, field_names[f], k);
		}
		for (l = 0; l < MATCH_LEVEL__MAX; l++) {
			char w2[160];

			if (!field_has_level((enum match_field)f, (enum match_level)l))
				continue;
			lo = json_object_get(fo, level_names[l]);
			if (lo == NULL && l == MATCH_MISSING)
				continue;	/* weight 0 */
			snprintf(w2, sizeof(w2), "%sfields.%s.%s.", where, field_names[f],
			    level_names[l]);
			if (!json_is_object(lo))
				return cfg_fail(msg, msgsz, "%.*s: m and u are required",
				    (int)strlen(w2) - 1, w2);
			if ((bad = cfg_unknown_key(lo, mu)) != NULL)
				return cfg_fail(msg, msgsz, "%s%s: unknown key", w2, bad);
			if ((rc = cfg_number(lo, "m", 0, 1, 1, &m, w2, msg, msgsz)) != RC_OK ||
			    (rc = cfg_number(lo, "u", 0, 1, 1, &u, w2, msg, msgsz)) != RC_OK)
				return rc;
			p->w[f][l] = log2(m / u);
		}
	}
	return RC_OK;
}

int
match_config_load(const char *json, size_t n, struct match_config **out, char *msg,
    size_t msgsz)
{
	static const char *const keys[] = { "jaro_winkler_similar", "age_tolerance_years",
	    "location_levels", "separation_days", "profiles", "notes", NULL };
	static const char *const sepkeys[] = { "grace", "close", "max", NULL };
	static const char *const profkeys[] = { "trace", "duplicate", NULL };
	struct match_config *c = NULL;
	json_t *root = NULL;
	const json_t *v, *a;
	const char *bad;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = json_parse_bounded(json, n, CONFIG_BYTES, CONFIG_DEPTH, 1, &root, msg,
	    msgsz)) != RC_OK)
		return rc;
	rc = RC_ENOMEM;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto fail;
	rc = RC_EINVALID;
	if ((bad = cfg_unknown_key(root, keys)) != NULL) {
		cfg_fail(msg, msgsz, "%s: unknown key", bad);
		goto fail;
	}
	if ((rc = cfg_number(root, "jaro_winkler_similar", 0.5, 1, 0, &c->jw_similar, "",
	    msg, msgsz)) != RC_OK)
		goto fail;
	rc = RC_EINVALID;
	a = json_object_get(root, "age_tolerance_years");
	if (!json_is_array(a) || json_array_size(a) != 2 ||
	    cfg_int(json_array_get(a, 0), 0, 30, &c->age_tol[0]) != 0 ||
	    cfg_int(json_array_get(a, 1), c->age_tol[0], 30, &c->age_tol[1]) != 0) {
		cfg_fail(msg, msgsz, "age_tolerance_years: two integers 0 <= a <= b <= 30");
		goto fail;
	}
	a = json_object_get(root, "location_levels");
	if (!json_is_array(a) || json_array_size(a) < 1 || json_array_size(a) > LEVELS_MAX) {
		cfg_fail(msg, msgsz, "location_levels: 1 to %d code lengths", LEVELS_MAX);
		goto fail;
	}
	c->nlevels = json_array_size(a);
	for (i = 0; i < c->nlevels; i++)
		if (cfg_int(json_array_get(a, i), i == 0 ? 2 : c->levels[i - 1] + 1, LOC_MAX,
		    &c->levels[i]) != 0 || (i == 0 && c->levels[0] != 2)) {
			cfg_fail(msg, msgsz, "location_levels: increasing lengths from 2 to %d",
			    LOC_MAX);
			goto fail;
		}
	v = json_object_get(root, "separation_days");
	if (!json_is_object(v) || (bad = cfg_unknown_key(v, sepkeys)) != NULL ||
	    cfg_int(json_object_get(v, "grace"), 0, 36500, &c->grace) != 0 ||
	    cfg_int(json_object_get(v, "close"), 1, 36500, &c->close) != 0 ||
	    cfg_int(json_object_get(v, "max"), c->close, 36500, &c->max) != 0) {
		cfg_fail(msg, msgsz, "separation_days: integers grace >= 0, 0 < close <= max "
		    "<= 36500 and no other key");
		goto fail;
	}
	v = json_object_get(root, "profiles");
	if (!json_is_object(v) || (bad = cfg_unknown_key(v, profkeys)) != NULL) {
		cfg_fail(msg, msgsz, "profiles: an object with \"trace\" and \"duplicate\"");
		goto fail;
	}
	for (i = 0; i < MATCH_PROFILE__MAX; i++)
		if ((rc = cfg_profile(&c->p[i], json_object_get(v, profile_names[i]),
		    profile_names[i], msg, msgsz)) != RC_OK)
			goto fail;
	v = json_object_get(root, "notes");
	if (v != NULL && !json_is_array(v) && !json_is_string(v)) {
		rc = cfg_fail(msg, msgsz, "notes: text or an array of texts");
		goto fail;
	}
	*out = c;
	c = NULL;
	rc = RC_OK;
fail:
	free(c);
	json_decref(root);
	return rc;
}

void
match_config_free(struct match_config *cfg)
{
	free(cfg);
}

double
match_config_weight(const struct match_config *cfg, enum match_profile profile,
    enum match_field field, enum match_level level)
{
	if ((unsigned)profile >= MATCH_PROFILE__MAX || (unsigned)field >= MATCH_FIELD__MAX ||
	    (unsigned)level >= MATCH_LEVEL__MAX)
		return 0;
	return cfg->p[profile].w[field][level];
}

double
match_config_score(const struct match_config *cfg, enum match_profile profile, double w)
{
	double x = w + cfg->p[profile].log_prior_odds;

	if (x > 1000)
		return 1.0;
	if (x < -1000)
		return 0.0;
	return 1.0 / (1.0 + exp2(-x));
}

/* ---- prepared names ------------------------------------------------------------- */

/* One token of a name, or two adjacent tokens joined. */
struct mtok {
	char	norm[NAMES_TOKEN_MAX + 1];	/* as names_tokens gives it; "" when too long */
	char	full[NAMES_LATIN_MAX];		/* Latin letters */
	char	bare[NAMES_LATIN_MAX];		/* article off, abd- compound joined */
	char	code[CODES][CODE_MAX];		/* "" when shorter than two letters */
	uint8_t	hist[2][26];			/* letters of full and bare, counted */
	uint8_t	len[2];
	int	particle;
};

/* A name: tokens pool[first .. first+n), then its n-1 joined pairs. */
struct mname {
	size_t	first;
	size_t	n;
	int	nick;
};

struct match_record {
	int		is_trace;
	struct mtok	*pool;
	size_t		 npool, cappool;
	struct mname	 names[MATCH_NAMES_MAX];
	size_t		 nnames;
	struct mname	 family[MATCH_FAMILY_MAX];
	size_t		 nfamily;
	char		 sex[16];
	int		 has_age;
	int		 age_lo, age_hi;
	char		 dob[DATE_SIZE];		/* "" when absent */
	char		 ref[DATE_SIZE];		/* the record's own date */
	char		 loc_sep[LOC_MAX + 1], loc_cur[LOC_MAX + 1];
	char		 sep[DATE_SIZE], reg[DATE_SIZE];
};

static const char *const particles[] = {
	"al", "el", "ul", "bin", "ben", "ibn", "bint", "ould", "mint", "ag", "de", "del",
	"della", "der", "di", "da", "do", "dos", "das", "du", "van", "von", "la", "le", "los",
	"las", "y", "bn", "abn", "bnt", "wld", "mnt", NULL
};

static int
is_particle(const char *latin)
{
	size_t i;

	for (i = 0; particles[i] != NULL; i++)
		if (strcmp(particles[i], latin) == 0)
			return 1;
	return 0;
}

static int
starts(const char *s, const char *pre)
{
	return strncmp(s, pre, strlen(pre)) == 0;
}

/* The bare form of a Latin token: see match.h. */
static void
bare_form(const char *full, char *out, size_t outsz)
{
	static const char *const joins[] = { "oul", "el", "al", "ul", "il", "ol", "ou", "u",
	    "i", "o", "a", "e", "", NULL };
	const char *s = full, *r;
	size_t i;

	if (starts(s, "cabd"))
		s++;			/* Somali c: the ayn of Cabdi */
	if (starts(s, "abd") && strlen(s) > 3) {
		for (i = 0; joins[i] != NULL; i++) {
			if (!starts(s + 3, joins[i]))
				continue;
			r = s + 3 + strlen(joins[i]);
			if (strlen(r) < 2)
				continue;
			if ((starts(r, "al") || starts(r, "el")) && strlen(r) >= 4)
				r += 2;
			snprintf(out, outsz, "abd%s", r);
			return;
		}
	}
	if ((starts(s, "al") || starts(s, "el")) && strlen(s) >= 4)
		s += 2;
	snprintf(out, outsz, "%s", s);
}

static void
add_code(struct mtok *t, size_t *n, const char *latin, int alt)
{
	char c[CODE_MAX];
	size_t i;

	if (names_phonetic(latin, alt, c, sizeof(c)) < 2)
		return;
	for (i = 0; i < *n; i++)
		if (strcmp(t->code[i], c) == 0)
			return;
	memcpy(t->code[(*n)++], c, sizeof(c));
}

static void
count_letters(const char *s, uint8_t hist[26], uint8_t *len)
{
	size_t n = 0;

	memset(hist, 0, 26);
	for (; *s != '\0'; s++, n++)
		if (*s >= 'a' && *s <= 'z' && hist[*s - 'a'] < UINT8_MAX)
			hist[*s - 'a']++;
	*len = n > UINT8_MAX ? UINT8_MAX : (uint8_t)n;
}

/* Fill the forms and codes of `t` from its full form. */
static void
tok_forms(struct mtok *t)
{
	size_t n = 0, i;

	bare_form(t->full, t->bare, sizeof(t->bare));
	add_code(t, &n, t->full, 0);
	add_code(t, &n, t->full, 1);
	add_code(t, &n, t->bare, 0);
	add_code(t, &n, t->bare, 1);
	for (i = n; i < CODES; i++)
		t->code[i][0] = '\0';
	t->particle = is_particle(t->full);
	count_letters(t->full, t->hist[0], &t->len[0]);
	count_letters(t->bare, t->hist[1], &t->len[1]);
}

static struct mtok *
pool_new(struct match_record *r)
{
	if (r->npool == r->cappool) {
		size_t ncap = r->cappool ? r->cappool * 2 : 32;
		void *np;

		if (ncap > SIZE_MAX / sizeof(*r->pool))
			return NULL;
		if ((np = realloc(r->pool, ncap * sizeof(*r->pool))) == NULL)
			return NULL;
		r->pool = np;
		r->cappool = ncap;
	}
	memset(&r->pool[r->npool], 0, sizeof(r->pool[0]));
	return &r->pool[r->npool++];
}

struct tok_ctx {
	struct match_record	*r;
	size_t			 n;
	int			 nomem;
};

static int
tok_add(void *arg, const char *token)
{
	struct tok_ctx *c = arg;
	struct mtok *t;

	if (c->n == MATCH_TOKENS_MAX)
		return 0;		/* the rest of a long name is left out */
	if ((t = pool_new(c->r)) == NULL) {
		c->nomem = 1;
		return 1;
	}
	str_copy(t->norm, sizeof(t->norm), token);
	if (names_latin(token, t->full, sizeof(t->full)) < 1 || t->full[1] == '\0') {
		c->r->npool--;		/* nothing Latin left, or a lone initial */
		return 0;
	}
	tok_forms(t);
	c->n++;
	return 0;
}

/* `a` then `b` into `out`, cut to fit. */
static void
join_cut(char *out, size_t outsz, const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la > outsz - 1)
		la = outsz - 1;
	if (lb > outsz - 1 - la)
		lb = outsz - 1 - la;
	memcpy(out, a, la);
	memcpy(out + la, b, lb);
	out[la + lb] = '\0';
}

/* Tokenise `s` into a new name of `r` at `*nm`: tokens, then joined pairs. 1 when
 * the name was added, 0 when it has no token (or is not UTF-8), -1 out of memory. */
static int
name_add(struct match_record *r, const char *s, struct mname *nm)
{
	struct tok_ctx c = { r, 0, 0 };
	size_t first = r->npool, i, kept = 0, nonpart = 0;
	struct mtok *t, *a, *b;

	if (names_tokens(s, tok_add, &c) != RC_OK && c.nomem)
		return -1;
	if (c.nomem)
		return -1;
	for (i = 0; i < c.n; i++)
		nonpart += !r->pool[first + i].particle;
	/* particles out, unless the name is nothing else */
	for (i = 0; i < c.n; i++) {
		if (nonpart > 0 && r->pool[first + i].particle)
			continue;
		if (first + kept != first + i)
			r->pool[first + kept] = r->pool[first + i];
		kept++;
	}
	r->npool = first + kept;
	if (kept == 0)
		return 0;
	for (i = 0; i + 1 < kept; i++) {
		if ((t = pool_new(r)) == NULL)
			return -1;
		a = &r->pool[first + i];
		b = &r->pool[first + i + 1];
		if (strlen(a->norm) + strlen(b->norm) <= NAMES_TOKEN_MAX)
			join_cut(t->norm, sizeof(t->norm), a->norm, b->norm);
		join_cut(t->full, sizeof(t->full), a->full, b->full);
		tok_forms(t);
	}
	nm->first = first;
	nm->n = kept;
	nm->nick = 0;
	return 1;
}

/* Add the name `s` (may be NULL) to the names or the family of `r`. */
static int
record_name(struct match_record *r, const char *s, int family, int nick)
{
	struct mname *nm;
	int rc;

	if (s == NULL || *s == '\0')
		return RC_OK;
	if (family ? r->nfamily == MATCH_FAMILY_MAX : r->nnames == MATCH_NAMES_MAX)
		return RC_OK;
	nm = family ? &r->family[r->nfamily] : &r->names[r->nnames];
	if ((rc = name_add(r, s, nm)) < 0)
		return RC_ENOMEM;
	if (rc == 0)
		return RC_OK;
	nm->nick = nick;
	if (family)
		r->nfamily++;
	else
		r->nnames++;
	return RC_OK;
}

static void
copy_date(char out[DATE_SIZE], const json_t *o, const char *key)
{
	const char *s = json_get_str(o, key);
	int y, m, d;

	out[0] = '\0';
	if (s != NULL && date_parse(s, &y, &m, &d) == 0)
		str_copy(out, DATE_SIZE, s);
}

static void
copy_location(char out[LOC_MAX + 1], const json_t *o, const char *key)
{
	const char *s = json_get_str(o, key);

	out[0] = '\0';
	if (s != NULL && strlen(s) >= 2 && strlen(s) <= LOC_MAX)
		str_copy(out, LOC_MAX + 1, s);
}

static void
copy_age(struct match_record *r, const json_t *o)
{
	const json_t *a = json_object_get(o, "age"), *lo, *hi;

	r->has_age = 0;
	if (json_is_integer(a) && json_integer_value(a) >= 0 &&
	    json_integer_value(a) <= 150) {
		r->has_age = 1;
		r->age_lo = r->age_hi = (int)json_integer_value(a);
	}
	lo = json_object_get(o, "age_range_from");
	hi = json_object_get(o, "age_range_to");
	if (json_is_integer(lo) && json_is_integer(hi) && json_integer_value(lo) >= 0 &&
	    json_integer_value(lo) <= json_integer_value(hi) &&
	    json_integer_value(hi) <= 150) {
		if (!r->has_age || json_integer_value(lo) < r->age_lo)
			r->age_lo = (int)json_integer_value(lo);
		if (!r->has_age || json_integer_value(hi) > r->age_hi)
			r->age_hi = (int)json_integer_value(hi);
		r->has_age = 1;
	}
}

static void
copy_sex(struct match_record *r, const json_t *o)
{
	const char *s = json_get_str(o, "sex");

	r->sex[0] = '\0';
	if (s != NULL && strcmp(s, "unknown") != 0)
		str_copy(r->sex, sizeof(r->sex), s);
}

static int
family_names(struct match_record *r, const json_t *list)
{
	const json_t *m;
	size_t i;
	int rc;

	if (!json_is_array(list))
		return RC_OK;
	json_array_foreach(list, i, m) {
		if (!json_is_object(m))
			continue;
		if ((rc = record_name(r, json_get_str(m, "relation_name"), 1, 0)) != RC_OK ||
		    (rc = record_name(r, json_get_str(m, "relation_nickname"), 1, 1)) !=
		    RC_OK)
			return rc;
	}
	return RC_OK;
}

int
match_prepare_case(const json_t *c, struct match_record **out)
{
	struct match_record *r;
	struct buf parts = BUF_INIT;
	const char *s, *name;
	int rc = RC_ENOMEM;
	size_t i;

	*out = NULL;
	if (!json_is_object(c))
		return RC_EINVALID;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return RC_ENOMEM;
	/* the full name, and first middle last when they say something else */
	name = json_get_str(c, "name");
	for (i = 0; i < 3; i++) {
		static const char *const keys[] = { "name_first", "name_middle", "name_last" };

		if ((s = json_get_str(c, keys[i])) == NULL || *s == '\0')
			continue;
		if ((parts.len > 0 && buf_putc(&parts, ' ') != 0) || buf_puts(&parts, s) != 0)
			goto fail;
	}
	if ((rc = record_name(r, name, 0, 0)) != RC_OK)
		goto fail;
	if (parts.len > 0 && (name == NULL || strcmp(name, parts.p) != 0) &&
	    (rc = record_name(r, parts.p, 0, 0)) != RC_OK)
		goto fail;
	if ((rc = record_name(r, json_get_str(c, "name_other"), 0, 0)) != RC_OK ||
	    (rc = record_name(r, json_get_str(c, "name_original_script"), 0, 0)) != RC_OK ||
	    (rc = record_name(r, json_get_str(c, "name_nickname"), 0, 1)) != RC_OK)
		goto fail;
	if ((rc = family_names(r, json_object_get(c, "family_details_section"))) != RC_OK ||
	    (rc = record_name(r, json_get_str(c, "name_caregiver"), 1, 0)) != RC_OK)
		goto fail;
	copy_sex(r, c);
	copy_age(r, c);
	copy_date(r->dob, c, "date_of_birth");
	copy_date(r->reg, c, "registration_date");
	memcpy(r->ref, r->reg, sizeof(r->ref));
	copy_date(r->sep, c, "date_of_separation");
	copy_location(r->loc_cur, c, "location_current");
	copy_location(r->loc_sep, c, "location_separation");
	*out = r;
	r = NULL;
	rc = RC_OK;
fail:
	buf_free(&parts);
	match_record_free(r);
	return rc;
}

int
match_prepare_trace(const json_t *request, const json_t *trace, struct match_record **out)
{
	struct match_record *r;
	int rc = RC_ENOMEM;

	*out = NULL;
	if (!json_is_object(trace) || (request != NULL && !json_is_object(request)))
		return RC_EINVALID;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return RC_ENOMEM;
	r->is_trace = 1;
	if ((rc = record_name(r, json_get_str(trace, "name"), 0, 0)) != RC_OK ||
	    (rc = record_name(r, json_get_str(trace, "name_other"), 0, 0)) != RC_OK ||
	    (rc = record_name(r, json_get_str(trace, "name_nickname"), 0, 1)) != RC_OK)
		goto fail;
	if (request != NULL &&
	    ((rc = record_name(r, json_get_str(request, "relation_name"), 1, 0)) != RC_OK ||
	    (rc = record_name(r, json_get_str(request, "relation_nickname"), 1, 1)) !=
	    RC_OK ||
	    (rc = family_names(r, json_object_get(request, "family_members"))) != RC_OK))
		goto fail;
	copy_sex(r, trace);
	copy_age(r, trace);
	copy_date(r->dob, trace, "date_of_birth");
	copy_date(r->sep, trace, "date_of_separation");
	copy_location(r->loc_sep, trace, "location_separation");
	if (request != NULL)
		copy_date(r->ref, request, "inquiry_date");
	*out = r;
	return RC_OK;
fail:
	match_record_free(r);
	return rc;
}

void
match_record_free(struct match_record *r)
{
	if (r == NULL)
		return;
	free(r->pool);
	free(r);
}

/* ---- comparing names ------------------------------------------------------------ */

/*
 * The most Jaro-Winkler can give two strings of lengths la and lb with `common`
 * letters in common (no transposition, four common leading letters): a cheap test
 * that spares most comparisons of unrelated names.
 */
static double
jw_bound(const uint8_t *ha, unsigned la, const uint8_t *hb, unsigned lb)
{
	unsigned common = 0, i;
	double jaro;

	if (la == 0 || lb == 0)
		return 0;
	for (i = 0; i < 26; i++)
		common += ha[i] < hb[i] ? ha[i] : hb[i];
	jaro = ((double)common / la + (double)common / lb + 1.0) / 3.0;
	return jaro + 0.4 * (1.0 - jaro);
}

/* The best Jaro-Winkler of the full and the bare forms of `a` and `b`, or 0 when
 * neither can reach `floor`. */
static double
tok_jw(const struct mtok *a, const struct mtok *b, double floor)
{
	double best = 0, x;

	if (jw_bound(a->hist[0], a->len[0], b->hist[0], b->len[0]) >= floor &&
	    (x = names_jaro_winkler(a->full, b->full)) > best)
		best = x;
	if (jw_bound(a->hist[1], a->len[1], b->hist[1], b->len[1]) >= floor &&
	    (x = names_jaro_winkler(a->bare, b->bare)) > best)
		best = x;
	return best;
}

/* How well two tokens agree: 3 exact, 2 phonetic, 1 similar, 0 not at all; `jw`
 * orders pairs of one rank. */
static int
tok_rank(const struct match_config *cfg, const struct mtok *a, const struct mtok *b,
    double *jw)
{
	size_t i, j;

	*jw = 1.0;
	if (strcmp(a->full, b->full) == 0 || strcmp(a->bare, b->bare) == 0)
		return 3;
	for (i = 0; i < CODES && a->code[i][0] != '\0'; i++)
		for (j = 0; j < CODES && b->code[j][0] != '\0'; j++)
			if (strcmp(a->code[i], b->code[j]) == 0) {
				*jw = tok_jw(a, b, 0);
				return 2;
			}
	*jw = tok_jw(a, b, cfg->jw_similar);
	return *jw >= cfg->jw_similar ? 1 : 0;
}

static int
bits(unsigned x)
{
	int n = 0;

	for (; x != 0; x &= x - 1)
		n++;
	return n;
}

struct pairing {
	unsigned	amask, bmask;	/* tokens of each name used */
	int		rank;
	double		jw;
};

static int
pairing_cmp(const void *x, const void *y)
{
	const struct pairing *p = x, *q = y;
	int pn = bits(p->amask | (p->bmask << MATCH_TOKENS_MAX));
	int qn = bits(q->amask | (q->bmask << MATCH_TOKENS_MAX));

	if (p->rank != q->rank)
		return q->rank - p->rank;
	if (pn != qn)
		return qn - pn;
	return (q->jw > p->jw) - (q->jw < p->jw);
}

/* The token (i < n) or joined pair (i >= n: tokens i-n and i-n+1) i of `nm`. */
static const struct mtok *
span(const struct match_record *r, const struct mname *nm, size_t i, unsigned *mask)
{
	if (i < nm->n) {
		*mask = 1u << i;
		return &r->pool[nm->first + i];
	}
	*mask = 3u << (i - nm->n);
	return &r->pool[nm->first + i];
}

static enum match_level
rank_level(int rank)
{
	return rank >= 3 ? MATCH_EXACT : rank == 2 ? MATCH_PHONETIC : MATCH_SIMILAR;
}

/* The agreement of two names: see match.h. `*given_differs` (may be NULL) is set when
 * neither first token found a partner, as with a brother or a sister. */
static enum match_level
name_level(const struct match_config *cfg, const struct match_record *ra,
    const struct mname *a, const struct match_record *rb, const struct mname *b,
    int *given_differs)
{
	struct pairing p[(2 * MATCH_TOKENS_MAX) * (2 * MATCH_TOKENS_MAX)];
	size_t np = 0, i, j, sa = 2 * a->n - 1, sb = 2 * b->n - 1;
	unsigned ua = 0, ub = 0, ma, mb;
	int worst = 3, rank, ca, cb;
	const struct mtok *ta, *tb;
	double jw;

	for (i = 0; i < sa; i++) {
		ta = span(ra, a, i, &ma);
		for (j = 0; j < sb; j++) {
			if (i >= a->n && j >= b->n)
				continue;	/* a pair against a pair: two singles do */
			tb = span(rb, b, j, &mb);
			if ((rank = tok_rank(cfg, ta, tb, &jw)) == 0)
				continue;
			p[np].amask = ma;
			p[np].bmask = mb;
			p[np].rank = rank;
			p[np].jw = jw;
			np++;
		}
	}
	if (given_differs != NULL)
		*given_differs = 1;
	if (np == 0)
		return MATCH_DISAGREE;
	qsort(p, np, sizeof(p[0]), pairing_cmp);
	for (i = 0; i < np; i++) {
		if ((p[i].amask & ua) != 0 || (p[i].bmask & ub) != 0)
			continue;
		ua |= p[i].amask;
		ub |= p[i].bmask;
		if (p[i].rank < worst)
			worst = p[i].rank;
	}
	ca = bits(ua);
	cb = bits(ub);
	if (given_differs != NULL)
		*given_differs = (ua & 1u) == 0 && (ub & 1u) == 0;
	if ((size_t)ca == a->n && (size_t)cb == b->n && (ca >= 2 || cb >= 2))
		return rank_level(worst);
	if (((size_t)ca == a->n && ca >= 2) || ((size_t)cb == b->n && cb >= 2))
		return rank_level(worst);
	if (2 * (size_t)ca >= a->n || 2 * (size_t)cb >= b->n)
		return MATCH_PARTIAL;
	return MATCH_DISAGREE;
}

/* Better levels of a name first. */
static int
name_order(enum match_level l)
{
	switch (l) {
	case MATCH_EXACT: return 5;
	case MATCH_PHONETIC: return 4;
	case MATCH_SIMILAR: return 3;
	case MATCH_PARTIAL: return 2;
	case MATCH_DISAGREE: return 1;
	default: return 0;
	}
}

/* Does a nickname of one side agree (exact or phonetic) with any token of the other's
 * names? */
static int
nick_agrees(const struct match_config *cfg, const struct match_record *ra,
    const struct match_record *rb)
{
	const struct mname *na, *nb;
	size_t i, j, k, l;
	double jw;

	for (i = 0; i < ra->nnames; i++) {
		na = &ra->names[i];
		if (!na->nick)
			continue;
		for (j = 0; j < rb->nnames; j++) {
			nb = &rb->names[j];
			for (k = 0; k < na->n; k++)
				for (l = 0; l < nb->n; l++)
					if (tok_rank(cfg, &ra->pool[na->first + k],
					    &rb->pool[nb->first + l], &jw) >= 2)
						return 1;
		}
	}
	return 0;
}

static enum match_level
names_compare(const struct match_config *cfg, const struct match_record *a,
    const struct match_record *b, int *given_differs)
{
	enum match_level best = MATCH_MISSING, l;
	size_t i, j;
	int fa = 0, fb = 0, differs;

	*given_differs = 0;
	for (i = 0; i < a->nnames; i++)
		fa += !a->names[i].nick;
	for (j = 0; j < b->nnames; j++)
		fb += !b->names[j].nick;
	if (a->nnames == 0 || b->nnames == 0)
		return MATCH_MISSING;
	for (i = 0; i < a->nnames; i++) {
		if (a->names[i].nick)
			continue;
		for (j = 0; j < b->nnames; j++) {
			if (b->names[j].nick)
				continue;
			l = name_level(cfg, a, &a->names[i], b, &b->names[j], &differs);
			if (name_order(l) > name_order(best) ||
			    (l == best && !differs)) {
				best = l;
				*given_differs = differs;
			}
			if (best == MATCH_EXACT)
				return best;
		}
	}
	if (name_order(best) < name_order(MATCH_PARTIAL)) {
		if (nick_agrees(cfg, a, b) || nick_agrees(cfg, b, a)) {
			*given_differs = 0;	/* the name the child goes by agrees */
			return MATCH_PARTIAL;
		}
		if (fa == 0 || fb == 0)
			return MATCH_DISAGREE;	/* only a nickname to go by, and it differs */
	}
	return best;
}

static enum match_level
family_compare(const struct match_config *cfg, const struct match_record *a,
    const struct match_record *b)
{
	enum match_level best = MATCH_MISSING, l;
	size_t i, j;

	if (a->nfamily == 0 || b->nfamily == 0)
		return MATCH_MISSING;
	for (i = 0; i < a->nfamily; i++)
		for (j = 0; j < b->nfamily; j++) {
			l = name_level(cfg, a, &a->family[i], b, &b->family[j], NULL);
			if (name_order(l) > name_order(best))
				best = l;
			if (best == MATCH_EXACT)
				return best;
		}
	return best;
}

/* ---- comparing the other fields ------------------------------------------------- */

static int64_t
days_of(const char *date)
{
	int y, m, d;

	return date_parse(date, &y, &m, &d) == 0 ? date_days(y, m, d) : 0;
}

/* The age interval of `r` on its own date (or `today`), in `lo`..`hi`; `when` gets
 * that date ("" when none). 0 when the record says nothing of its age. */
static int
age_at(const struct match_record *r, const char *today, int *lo, int *hi,
    const char **when)
{
	const char *ref = r->ref[0] != '\0' ? r->ref : today != NULL ? today : "";
	int a;

	*when = ref;
	if (r->has_age) {
		*lo = r->age_lo;
		*hi = r->age_hi;
		return 1;
	}
	if (r->dob[0] != '\0' && ref[0] != '\0' && (a = date_age_years(r->dob, ref)) >= 0) {
		*lo = *hi = a;
		return 1;
	}
	return 0;
}

static enum match_level
age_compare(const struct match_config *cfg, const struct match_record *a,
    const struct match_record *b, const char *today)
{
	const char *wa, *wb;
	int alo, ahi, blo, bhi;
	double shift = 0, gap;
	long long g;

	if (!age_at(a, today, &alo, &ahi, &wa) || !age_at(b, today, &blo, &bhi, &wb))
		return MATCH_MISSING;
	if (wa[0] != '\0' && wb[0] != '\0')
		shift = (double)(days_of(wb) - days_of(wa)) / 365.25;
	/* a's ages brought to b's date */
	gap = 0;
	if ((double)alo + shift > (double)bhi)
		gap = (double)alo + shift - (double)bhi;
	else if ((double)ahi + shift < (double)blo)
		gap = (double)blo - ((double)ahi + shift);
	g = (long long)floor(gap + 0.5);
	if (g <= cfg->age_tol[0])
		return MATCH_WITHIN_1;
	if (g <= cfg->age_tol[1])
		return MATCH_WITHIN_3;
	return MATCH_DISAGREE;
}

static enum match_level
dob_compare(const struct match_record *a, const struct match_record *b)
{
	if (a->dob[0] == '\0' || b->dob[0] == '\0')
		return MATCH_MISSING;
	if (strcmp(a->dob, b->dob) == 0)
		return MATCH_EXACT;
	if (strncmp(a->dob, b->dob, 4) == 0)
		return MATCH_YEAR;
	return MATCH_DISAGREE;
}

static enum match_level
location_compare(const struct match_config *cfg, const char *a, const char *b)
{
	size_t common = 0, la = strlen(a), lb = strlen(b), i;

	if (la == 0 || lb == 0)
		return MATCH_MISSING;
	if (strcmp(a, b) == 0)
		return MATCH_SAME;
	while (a[common] != '\0' && a[common] == b[common])
		common++;
	if (common < (size_t)cfg->levels[0])
		return MATCH_DISAGREE;
	for (i = 1; i < cfg->nlevels; i++) {
		size_t l = (size_t)cfg->levels[i];

		if (l <= common && l <= la && l <= lb)
			return MATCH_AREA;
	}
	return MATCH_COUNTRY;
}

/* Two dates of separation. */
static enum match_level
sep_two(const struct match_config *cfg, const char *x, const char *y)
{
	int64_t d = days_of(x) - days_of(y);

	if (d < 0)
		d = -d;
	if (d <= cfg->grace)
		return MATCH_CLOSE;
	if (d <= cfg->close)
		return MATCH_PLAUSIBLE;
	return MATCH_IMPLAUSIBLE;
}

/* A trace's date of separation against a case. */
static enum match_level
sep_trace(const struct match_config *cfg, const struct match_record *t,
    const struct match_record *c)
{
	int64_t g;

	if (t->sep[0] == '\0')
		return MATCH_MISSING;
	if (c->sep[0] != '\0')
		return sep_two(cfg, t->sep, c->sep);
	if (c->reg[0] == '\0')
		return MATCH_MISSING;
	g = days_of(c->reg) - days_of(t->sep);
	if (g < -(int64_t)cfg->grace)
		return MATCH_IMPLAUSIBLE;	/* registered before the family lost the child */
	if (g <= cfg->close)
		return MATCH_CLOSE;
	if (g <= cfg->max)
		return MATCH_PLAUSIBLE;
	return MATCH_IMPLAUSIBLE;
}

static const char *
either(const char *first, const char *second)
{
	return first[0] != '\0' ? first : second;
}

int
match_compare(const struct match_config *cfg, const struct match_record *a,
    const struct match_record *b, const char *today, struct match_result *res)
{
	const struct match_record *c, *t;
	const struct profile *p;
	enum match_level lv[MATCH_FIELD__MAX];
	int y, m, d, given_differs;
	size_t f;

	memset(res, 0, sizeof(*res));
	if (today != NULL && date_parse(today, &y, &m, &d) != 0)
		return RC_EINVALID;
	res->profile = a->is_trace != b->is_trace ? MATCH_PROFILE_TRACE :
	    MATCH_PROFILE_DUPLICATE;
	p = &cfg->p[res->profile];

	lv[MATCH_NAME] = names_compare(cfg, a, b, &given_differs);
	lv[MATCH_SEX] = a->sex[0] == '\0' || b->sex[0] == '\0' ? MATCH_MISSING :
	    strcmp(a->sex, b->sex) == 0 ? MATCH_AGREE : MATCH_DISAGREE;
	lv[MATCH_AGE] = age_compare(cfg, a, b, today);
	lv[MATCH_DATE_OF_BIRTH] = dob_compare(a, b);
	if (res->profile == MATCH_PROFILE_TRACE) {
		t = a->is_trace ? a : b;
		c = a->is_trace ? b : a;
		lv[MATCH_LOCATION] = location_compare(cfg, t->loc_sep,
		    either(c->loc_sep, c->loc_cur));
		lv[MATCH_DATE_OF_SEPARATION] = sep_trace(cfg, t, c);
	} else {
		lv[MATCH_LOCATION] = location_compare(cfg, either(a->loc_cur, a->loc_sep),
		    either(b->loc_cur, b->loc_sep));
		lv[MATCH_DATE_OF_SEPARATION] = a->sep[0] == '\0' || b->sep[0] == '\0' ?
		    MATCH_MISSING : sep_two(cfg, a->sep, b->sep);
	}
	lv[MATCH_FAMILY] = family_compare(cfg, a, b);

	for (f = 0; f < MATCH_FIELD__MAX; f++) {
		res->field[f].level = lv[f];
		res->field[f].weight = p->w[f][lv[f]];
	}
	/* the right family, another child: a brother's or sister's names */
	if (lv[MATCH_NAME] == MATCH_PARTIAL && given_differs &&
	    res->field[MATCH_FAMILY].weight > 0)
		res->field[MATCH_FAMILY].weight = 0;
	for (f = 0; f < MATCH_FIELD__MAX; f++)
		res->weight += res->field[f].weight;
	res->score = match_config_score(cfg, res->profile, res->weight);
	res->likelihood = res->score >= p->likely ? MATCH_LIKELY :
	    res->score >= p->possible ? MATCH_POSSIBLE : MATCH_UNLIKELY;
	return RC_OK;
}

int
match_compare_case_trace(const struct match_config *cfg, const json_t *case_body,
    const json_t *request, const json_t *trace, const char *today,
    struct match_result *res)
{
	struct match_record *c = NULL, *t = NULL;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = match_prepare_case(case_body, &c)) == RC_OK &&
	    (rc = match_prepare_trace(request, trace, &t)) == RC_OK)
		rc = match_compare(cfg, c, t, today, res);
	match_record_free(c);
	match_record_free(t);
	return rc;
}

int
match_compare_cases(const struct match_config *cfg, const json_t *a, const json_t *b,
    const char *today, struct match_result *res)
{
	struct match_record *ra = NULL, *rb = NULL;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((rc = match_prepare_case(a, &ra)) == RC_OK &&
	    (rc = match_prepare_case(b, &rb)) == RC_OK)
		rc = match_compare(cfg, ra, rb, today, res);
	match_record_free(ra);
	match_record_free(rb);
	return rc;
}

static double
round2(double x)
{
	return round(x * 100.0) / 100.0;
}

json_t *
match_result_json(const struct match_result *res)
{
	json_t *fields, *o;
	size_t f;

	if ((fields = json_object()) == NULL)
		return NULL;
	for (f = 0; f < MATCH_FIELD__MAX; f++) {
		o = json_pack("{s:s, s:f}", "agreement",
		    match_level_name(res->field[f].level), "weight",
		    round2(res->field[f].weight));
		if (o == NULL || json_object_set_new(fields, field_names[f], o) != 0) {
			json_decref(fields);
			return NULL;
		}
	}
	return json_pack("{s:f, s:s, s:f, s:o}", "score", round2(res->score), "likelihood",
	    match_likelihood_name(res->likelihood), "weight", round2(res->weight),
	    "fields", fields);
}

/* ---- blocking ------------------------------------------------------------------- */

struct keys {
	char	seen[MATCH_KEYS_MAX][NAMES_TOKEN_MAX + 12];
	size_t	n;
	int	(*cb)(void *, const char *, const char *);
	void	*arg;
};

/* Give (kind, key) once; 1 when the key budget is spent. */
static int
key_give(struct keys *k, const char *kind, const char *key, int *rc)
{
	char both[NAMES_TOKEN_MAX + 12];
	size_t i;

	if (snprintf(both, sizeof(both), "%s:%s", kind, key) >= (int)sizeof(both))
		return 0;
	for (i = 0; i < k->n; i++)
		if (strcmp(k->seen[i], both) == 0)
			return 0;
	if (k->n == MATCH_KEYS_MAX)
		return 1;
	memcpy(k->seen[k->n++], both, sizeof(both));
	*rc = k->cb(k->arg, kind, key);
	return *rc != 0;
}

static int
key_token(struct keys *k, const struct mtok *t, int *rc)
{
	char skel[NAMES_TOKEN_MAX + 1];

	if (t->norm[0] == '\0' || t->particle)
		return 0;
	if (key_give(k, "name", t->norm, rc))
		return 1;
	if (names_skeleton(t->norm, skel, sizeof(skel)) > 0 &&
	    key_give(k, "skeleton", skel, rc))
		return 1;
	return 0;
}

int
match_blocking_keys(const struct match_record *r,
    int (*cb)(void *arg, const char *kind, const char *key), void *arg)
{
	struct keys *k;
	const struct mname *nm;
	size_t i, j;
	int rc = RC_OK;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		return RC_ENOMEM;
	k->cb = cb;
	k->arg = arg;
	/* single tokens of every name first, then joined pairs */
	for (i = 0; i < r->nnames; i++) {
		nm = &r->names[i];
		for (j = 0; j < nm->n; j++)
			if (key_token(k, &r->pool[nm->first + j], &rc))
				goto out;
	}
	for (i = 0; i < r->nnames; i++) {
		nm = &r->names[i];
		for (j = 0; j + 1 < nm->n; j++)
			if (key_token(k, &r->pool[nm->first + nm->n + j], &rc))
				goto out;
	}
out:
	free(k);
	return rc;
}

/* ---- ranking candidates before opening any ------------------------------------------ */

double
match_key_weight(int64_t count)
{
	return count > 0 ? log2(1.0 + MATCH_RANK_SCALE / (double)count) : 0;
}

double
match_rank_index_weight(const struct match_config *cfg, const struct match_record *r,
    const char *sex, const char *age_band)
{
	enum match_profile profile = r->is_trace ? MATCH_PROFILE_TRACE :
	    MATCH_PROFILE_DUPLICATE;
	const char *when;
	double w = 0;
	long lo, hi;
	char *end;
	int alo, ahi;

	if (sex != NULL && sex[0] != '\0' && r->sex[0] != '\0')
		w += match_config_weight(cfg, profile, MATCH_SEX,
		    strcmp(sex, r->sex) == 0 ? MATCH_AGREE : MATCH_DISAGREE);
	if (age_band == NULL || age_band[0] == '\0' ||
	    !age_at(r, NULL, &alo, &ahi, &when))
		return w;
	lo = strtol(age_band, &end, 10);
	if (end == age_band || lo < 0 || lo > 200)
		return w;
	if (*end == '+')
		hi = 200;
	else if (*end != '-' || (hi = strtol(end + 1, &end, 10)) < lo || hi > 200 ||
	    *end != '\0')
		return w;
	if ((long)alo - hi > cfg->age_tol[1] + 1 || lo - (long)ahi > cfg->age_tol[1] + 1)
		w += match_config_weight(cfg, profile, MATCH_AGE, MATCH_DISAGREE);
	return w;
}

double
match_rank_index_max(const struct match_config *cfg, const struct match_record *r)
{
	double w;

	if (r->sex[0] == '\0')
		return 0;
	w = match_config_weight(cfg, r->is_trace ? MATCH_PROFILE_TRACE :
	    MATCH_PROFILE_DUPLICATE, MATCH_SEX, MATCH_AGREE);
	return w > 0 ? w : 0;
}

int64_t
match_rank_plan(const int64_t *counts, size_t n, int64_t budget, int *use)
{
	int64_t planned = 0;
	size_t i, j, best;

	for (i = 0; i < n; i++)
		use[i] = 0;
	/* n is at most MATCH_KEYS_MAX: pick the rarest left each time */
	for (;;) {
		best = n;
		for (j = 0; j < n; j++)
			if (!use[j] && counts[j] > 0 && counts[j] <= budget - planned &&
			    (best == n || counts[j] < counts[best]))
				best = j;
		if (best == n)
			break;
		use[best] = 1;
		planned += counts[best];
	}
	return planned;
}

struct rank_entry {
	char	id[MATCH_RANK_ID_SIZE];
	double	w;
};

struct match_rank {
	struct rank_entry	*e;	/* entries, in order of arrival, then sorted */
	size_t			 n, ecap;
	uint32_t		*slot;	/* open addressing: entry index + 1, 0 empty */
	size_t			 scap;		/* a power of two */
	int			 sorted;
};

static uint64_t
rank_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* Put entry `i` into the slots (there is room: the load stays under 3/4). */
static void
rank_slot_put(struct match_rank *rk, size_t i)
{
	size_t at = (size_t)rank_hash(rk->e[i].id) & (rk->scap - 1);

	while (rk->slot[at] != 0)
		at = (at + 1) & (rk->scap - 1);
	rk->slot[at] = (uint32_t)(i + 1);
}

static int
rank_grow(struct match_rank *rk)
{
	uint32_t *ns;
	size_t i, ncap;

	if (rk->scap > SIZE_MAX / 2 / sizeof(*ns) || rk->scap >= UINT32_MAX / 2)
		return RC_ENOMEM;
	ncap = rk->scap * 2;
	if ((ns = calloc(ncap, sizeof(*ns))) == NULL)
		return RC_ENOMEM;
	free(rk->slot);
	rk->slot = ns;
	rk->scap = ncap;
	for (i = 0; i < rk->n; i++)
		rank_slot_put(rk, i);
	return RC_OK;
}

int
match_rank_new(size_t expect, struct match_rank **out)
{
	struct match_rank *rk;

	*out = NULL;
	if ((rk = calloc(1, sizeof(*rk))) == NULL)
		return RC_ENOMEM;
	rk->scap = 64;
	while (rk->scap < expect && rk->scap < ((size_t)1 << 24))
		rk->scap *= 2;
	rk->scap *= 2;		/* load under a half while `expect` holds */
	if ((rk->slot = calloc(rk->scap, sizeof(*rk->slot))) == NULL) {
		free(rk);
		return RC_ENOMEM;
	}
	*out = rk;
	return RC_OK;
}

int
match_rank_add(struct match_rank *rk, const char *id, double weight)
{
	struct rank_entry *ne;
	size_t at, len = strlen(id);
	uint32_t k;
	int rc;

	if (rk->sorted || len >= MATCH_RANK_ID_SIZE)
		return RC_EINVALID;
	at = (size_t)rank_hash(id) & (rk->scap - 1);
	while ((k = rk->slot[at]) != 0) {
		if (strcmp(rk->e[k - 1].id, id) == 0) {
			rk->e[k - 1].w += weight;
			return RC_OK;
		}
		at = (at + 1) & (rk->scap - 1);
	}
	if ((rk->n + 1) * 4 > rk->scap * 3) {
		if ((rc = rank_grow(rk)) != RC_OK)
			return rc;
		return match_rank_add(rk, id, weight);	/* its slot moved */
	}
	if (rk->n == rk->ecap) {
		size_t ncap = rk->ecap ? rk->ecap * 2 : 256;

		if (ncap > SIZE_MAX / sizeof(*ne) ||
		    (ne = realloc(rk->e, ncap * sizeof(*ne))) == NULL)
			return RC_ENOMEM;
		rk->e = ne;
		rk->ecap = ncap;
	}
	memcpy(rk->e[rk->n].id, id, len + 1);
	rk->e[rk->n].w = weight;
	rk->slot[at] = (uint32_t)(rk->n + 1);
	rk->n++;
	return RC_OK;
}

static int
rank_better(const void *x, const void *y)
{
	const struct rank_entry *a = x, *b = y;

	if (a->w != b->w)
		return a->w > b->w ? -1 : 1;
	return strcmp(a->id, b->id);
}

void
match_rank_sort(struct match_rank *rk)
{
	if (rk->n > 0)
		qsort(rk->e, rk->n, sizeof(rk->e[0]), rank_better);
	rk->sorted = 1;		/* the slots point at the old order: no more adds */
}

size_t
match_rank_count(const struct match_rank *rk)
{
	return rk->n;
}

const char *
match_rank_id(const struct match_rank *rk, size_t i)
{
	return i < rk->n ? rk->e[i].id : NULL;
}

double
match_rank_weight(const struct match_rank *rk, size_t i)
{
	return i < rk->n ? rk->e[i].w : 0;
}

void
match_rank_free(struct match_rank *rk)
{
	if (rk == NULL)
		return;
	free(rk->e);
	free(rk->slot);
	free(rk);
}
