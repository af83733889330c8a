/*
 * match.h — record linkage for family tracing and duplicate detection: is this trace
 * (a child a family is looking for) the same child as this case, or are these two cases
 * one child registered twice?
 *
 * Pure: no I/O, no clock; names go through names.h (ICU). Thread-safe once the
 * configuration is loaded: a struct match_config and prepared records are only read.
 *
 * THE MODEL (Fellegi-Sunter)
 *
 * Each of seven fields is compared and given an agreement level:
 *
 *   field               levels (best first)                          what is compared
 *   name                exact phonetic similar partial disagree      the child's names
 *   sex                 agree disagree                               sex
 *   age                 within_1 within_3 disagree                   ages, on one date
 *   date_of_birth       exact year disagree                          dates of birth
 *   location            same area country disagree                   P-codes
 *   date_of_separation  close plausible implausible                  see below
 *   family              exact phonetic similar partial disagree      relatives' names
 *
 * and every field can also be "missing" (one side does not say). A level has two
 * probabilities in config/match.json: m = P(level | same child), u = P(level |
 * different children among the candidates); its weight is log2(m / u). The total
 * weight W is the sum over the fields; the score is the match probability
 *
 *	score = 1 / (1 + 2^-(W + log2(prior / (1 - prior))))
 *
 * where `prior` is the share of true matches among the candidates one record is
 * compared with. "likely" is score >= the profile's likely threshold, "possible" >= its
 * possible threshold, else "unlikely". Two profiles carry their own weights, prior and
 * thresholds: "trace" (a case against a trace) and "duplicate" (two cases, or two
 * traces). A "missing" level weighs 0 unless the profile gives it m and u.
 *
 * NAMES. Every name is cut into tokens (names_tokens), each written in Latin
 * (names_latin: Arabic, Ethiopic and other scripts through ICU). Particles are left out
 * (al el ul bin ben ibn bint ould mint ag de del della der di da do dos das du van von
 * la le los las y, and their Arabic-script forms bn abn bnt wld mnt). A token also has
 * a bare form: a leading article taken off ("elfadil", "alfadl" -> "fadil", "fadl") and
 * abd- compounds made one ("abdelrahman", "abdulrahman", "cabdiraxmaan" -> "abd" +
 * the rest). Two adjacent tokens may stand for one on the other side ("Abdel Rahman" =
 * "Abdelrahman", "Wolde Michael" = "Woldemichael"). Two tokens agree "exact" (same Latin
 * or bare form), "phonetic" (a names_phonetic code of two or more letters in common,
 * either reading) or "similar" (Jaro-Winkler >= the configured threshold, 0.9). The
 * tokens of two names are paired greedily, best agreement first, each token used once,
 * in any order ("Ahmed Ali Hassan" = "Hassan Ahmed Ali"). The name level is then
 *   - the worst level among the pairs, when every token of one name found a partner
 *     and that name has two or more tokens (a dropped grandfather's name or second
 *     surname costs nothing), or every token of both names did;
 *   - "partial" when the paired tokens cover at least half of one of the names (a
 *     single shared given name, two of three names), or when only the nicknames agree;
 *   - "disagree" otherwise.
 * A single name that agrees with a single name is "partial": one word is weak evidence.
 * The names compared are every full name of each side (a case: "name" or first, middle
 * and last; name_other; name_original_script; a trace: name, name_other), and the best
 * level counts. Nicknames (name_nickname) only lift a "disagree" to "partial".
 *
 * FAMILY: the best name level between any relative of one side and any of the other:
 * a case's family_details_section[].relation_name and relation_nickname and its
 * name_caregiver; a tracing request's inquirer (relation_name, relation_nickname) and
 * its family_members[].relation_name and relation_nickname. Family agreement shows the
 * right family, not the right child: when the names agree only "partial"ly and the
 * first token of neither name found a partner (a brother's or a sister's name: "Selam
 * Tesfaye Kidane" for "Yonas Tesfaye Kidane"), the family field weighs at most 0.
 *
 * AGE: each side's age in years on its own date (a case: registration_date; a trace:
 * the request's inquiry_date; else `today`), from "age" or else from "date_of_birth"; a
 * case's assessed range (age_range_from .. age_range_to) widens its age. The ages are
 * brought to one date (the difference of the two dates is taken off) and the gap,
 * rounded to whole years, is "within_1" up to the first configured tolerance (1),
 * "within_3" up to the second (3), else "disagree".
 *
 * DATE OF BIRTH: "exact" same day, "year" same year, else "disagree".
 *
 * LOCATION: a P-code's ancestors are its prefixes at the configured code lengths
 * ("location_levels", [2, 4, 6] for country, admin-1, admin-2). "same" equal codes;
 * "area" one code inside the other or both inside one admin-1 or deeper area; "country"
 * the same country only; else "disagree". Trace profile: the trace's
 * location_separation against the case's location_separation, else its
 * location_current. Duplicate profile: location_current, else location_separation.
 *
 * DATE OF SEPARATION. Trace profile: the trace's date_of_separation against the case's
 * date_of_separation when it has one (as below), else its registration_date (the child
 * was registered after losing the family): registered from `grace` days before up to
 * `close` days after the separation is "close", up to `max` days after "plausible",
 * else "implausible". Two dates of separation (duplicate profile, or a case that has
 * one): within `grace` days "close", within `close` days "plausible", else
 * "implausible".
 *
 * COST (one core, -O2): preparing a case takes about 30 µs (ICU for names in other
 * scripts), comparing two prepared records 8 to 13 µs, most of it relatives' names.
 *
 * INPUT is plain JSON: a case body (config/forms/case.json), a tracing request body
 * (config/forms/tracing_request.json) with one of its traces
 * (tracing_request_subform_section[i]). Values of the wrong type count as missing;
 * names longer than NAMES_TOKEN_MAX bytes a token are cut, more than MATCH_TOKENS_MAX
 * tokens a name, MATCH_NAMES_MAX names a record or MATCH_FAMILY_MAX relatives are left
 * out, so a hostile record costs bounded time.
 */
#ifndef DOMAIN_MATCH_H
#define DOMAIN_MATCH_H

#include <stddef.h>
#include <jansson.h>

#define MATCH_TOKENS_MAX	8	/* tokens kept from one name */
#define MATCH_NAMES_MAX		6	/* full names and nicknames kept from one record */
#define MATCH_FAMILY_MAX	32	/* relatives' names kept from one record */
#define MATCH_KEYS_MAX		64	/* blocking keys given for one record */

enum match_field {
	MATCH_NAME,
	MATCH_SEX,
	MATCH_AGE,
	MATCH_DATE_OF_BIRTH,
	MATCH_LOCATION,
	MATCH_DATE_OF_SEPARATION,
	MATCH_FAMILY,
	MATCH_FIELD__MAX
};

enum match_level {
	MATCH_MISSING,
	MATCH_EXACT,
	MATCH_PHONETIC,
	MATCH_SIMILAR,
	MATCH_PARTIAL,
	MATCH_DISAGREE,
	MATCH_AGREE,
	MATCH_WITHIN_1,
	MATCH_WITHIN_3,
	MATCH_YEAR,
	MATCH_SAME,
	MATCH_AREA,
	MATCH_COUNTRY,
	MATCH_CLOSE,
	MATCH_PLAUSIBLE,
	MATCH_IMPLAUSIBLE,
	MATCH_LEVEL__MAX
};

enum match_profile {
	MATCH_PROFILE_TRACE,		/* a case against a trace */
	MATCH_PROFILE_DUPLICATE,	/* two cases (or two traces) */
	MATCH_PROFILE__MAX
};

enum match_likelihood {
	MATCH_UNLIKELY,
	MATCH_POSSIBLE,
	MATCH_LIKELY
};

/* Names as in config/match.json and the JSON explanation: "name", "phonetic",
 * "trace", "likely". Never NULL ("?" for a value out of range). */
const char	*match_field_name(enum match_field f);
const char	*match_level_name(enum match_level l);
const char	*match_profile_name(enum match_profile p);
const char	*match_likelihood_name(enum match_likelihood l);

/* ---- configuration -------------------------------------------------------------- */

/*
 * config/match.json:
 *
 *	{"jaro_winkler_similar": 0.9,
 *	 "age_tolerance_years": [1, 3],
 *	 "location_levels": [2, 4, 6],
 *	 "separation_days": {"grace": 30, "close": 365, "max": 1825},
 *	 "profiles": {
 *	   "trace": {"prior": 0.002, "likely": 0.9, "possible": 0.4,
 *	             "fields": {"name": {"exact": {"m": 0.55, "u": 0.0004}, ...}, ...}},
 *	   "duplicate": {...}},
 *	 "notes": ["free text: how the numbers were chosen"]}
 *
 *   - jaro_winkler_similar: 0.5 .. 1; age_tolerance_years: two integers 0 <= a <= b
 *     <= 30; location_levels: 1 to 8 increasing code lengths from 2 to 24, the first
 *     the country's; separation_days: integers 0 <= grace, 0 < close <= max <= 36500.
 *   - Both profiles are required. prior: 0 < prior < 1; 0 < possible <= likely < 1.
 *   - Every field, and every level of it but "missing", needs {"m", "u"}, each
 *     0 < p <= 1. "missing" is optional (absent: weight 0).
 *   - No other key is allowed anywhere but in "notes".
 *
 * Parse `n` bytes at `json`; RC_OK with `*out` (caller frees with match_config_free),
 * or RC_EINVALID / RC_ETOOBIG with `msg` naming the key at fault, or RC_ENOMEM.
 */
struct match_config;

int	match_config_load(const char *json, size_t n, struct match_config **out,
	    char *msg, size_t msgsz);
void	match_config_free(struct match_config *cfg);	/* NULL is fine */

/* The weight log2(m/u) of `level` of `field` in `profile`; 0 for "missing" unless the
 * profile gives it, and for a level the field does not have. */
double	match_config_weight(const struct match_config *cfg, enum match_profile profile,
	    enum match_field field, enum match_level level);
/* The score of a total weight `w` in `profile` (the logistic above). */
double	match_config_score(const struct match_config *cfg, enum match_profile profile,
	    double w);

/* ---- records -------------------------------------------------------------------- */

/*
 * A record made ready for comparing: names tokenised and transliterated once, dates
 * parsed. Prepare each record once and compare it with many (a trace against every
 * candidate case). Caller frees with match_record_free. RC_OK, RC_EINVALID (`body` or
 * `trace` not an object), RC_ENOMEM.
 */
struct match_record;

int	match_prepare_case(const json_t *case_body, struct match_record **out);
/* `request` is the tracing request body (inquirer, family members, inquiry date) and
 * may be NULL; `trace` one of its tracing_request_subform_section items. */
int	match_prepare_trace(const json_t *request, const json_t *trace,
	    struct match_record **out);
void	match_record_free(struct match_record *r);	/* NULL is fine */

struct match_field_result {
	enum match_level	level;
	double			weight;
};

struct match_result {
	enum match_profile		profile;
	double				weight;		/* sum of the field weights */
	double				score;		/* 0..1 */
	enum match_likelihood		likelihood;
	struct match_field_result	field[MATCH_FIELD__MAX];
};

/*
 * Compare two prepared records. A case and a trace (either order) use the "trace"
 * profile; two cases or two traces the "duplicate" profile. `today` ("YYYY-MM-DD" or
 * NULL) is the date for a record that has no date of its own (ages). Fills `*res`;
 * RC_OK, or RC_EINVALID when `today` is given and is not a date.
 */
int	match_compare(const struct match_config *cfg, const struct match_record *a,
	    const struct match_record *b, const char *today, struct match_result *res);

/* Prepare and compare in one call, for a single pair. */
int	match_compare_case_trace(const struct match_config *cfg, const json_t *case_body,
	    const json_t *request, const json_t *trace, const char *today,
	    struct match_result *res);
int	match_compare_cases(const struct match_config *cfg, const json_t *a,
	    const json_t *b, const char *today, struct match_result *res);

/*
 * The result as JSON, for the API and the match review page; caller decrefs, NULL on
 * out of memory. Weights and the score are rounded to two decimals.
 *
 *	{"score": 0.97, "likelihood": "likely", "weight": 21.4,
 *	 "fields": {"name": {"agreement": "phonetic", "weight": 9.1},
 *	            "sex": {"agreement": "agree", "weight": 0.96}, ...every field...}}
 */
json_t	*match_result_json(const struct match_result *res);

/* ---- blocking ------------------------------------------------------------------- */

/*
 * The blind-index keys under which candidates for `r` are found: `cb` is called with
 * each (kind, key), kind "name" (a normalised name token, as names_tokens gives it) or
 * "skeleton" (its names_skeleton), the very strings src/app/case.c blinds into
 * record_keys for a case's record_name_fields, so each key can be looked up as it is.
 * The keys come from the record's own names (a case: record_name_fields; a trace:
 * name, name_nickname, name_other), particles and one-letter tokens left out, two
 * adjacent tokens also joined ("abdel" "rahman" -> "abdelrahman"); each key is given
 * once, at most MATCH_KEYS_MAX. A candidate needs to share only one key: take the union
 * of the lookups. Stops at the first non-zero return of `cb` and returns it; else RC_OK.
 */
int	match_blocking_keys(const struct match_record *r,
	    int (*cb)(void *arg, const char *kind, const char *key), void *arg);

/* ---- ranking candidates before opening any ------------------------------------------ */

/*
 * At a large caseload every blocking key is shared by thousands of records, and
 * opening (unsealing, parsing, preparing) each costs far more than reading the key
 * index. So the records found through the keys are ranked first, from the index
 * alone, and only the best are opened.
 *
 * A key that `count` records have weighs match_key_weight(count) = log2(1 +
 * MATCH_RANK_SCALE / count): a family name few share says more than "Mohamed". A
 * record's rank weight is the sum of the weights of the keys it shares with the record
 * looked for (a token and its consonant skeleton count as two keys: a record written
 * the same way outranks one that only sounds the same).
 *
 * match_rank_plan: which of `n` keys, of `counts[i]` records each, to read within
 * `budget` index entries: rarest first, as long as the sum of the counts read stays
 * within the budget; a key no record has, or more than is left of the budget, is not
 * read. Sets use[i] to 1 or 0; returns the number of entries planned.
 */
#define MATCH_RANK_SCALE	1000000.0
#define MATCH_RANK_OPEN		100	/* best-ranked records opened for one lookup */
#define MATCH_RANK_BUDGET	60000	/* key index entries read to rank them */
#define MATCH_RANK_SHORT	1000	/* ranked records weighed by their index columns */
#define MATCH_RANK_DEPTH	5000	/* ranked records looked up to find those */
#define MATCH_RANK_ID_SIZE	40	/* bytes of a record id, NUL included */

double	match_key_weight(int64_t count);
/*
 * What the cleartext index columns of a case say about it against `r`, the record
 * looked for, before the case is opened: its sex and its age band (as record_index
 * writes them: "0-5", "6-11", "12-14", "15-17", "18+"; "" unknown), weighed as `cfg`
 * weighs them for the pair (a trace against a case: the trace profile; two cases: the
 * duplicate profile): the weight of sex agree or disagree (0 when either side does not
 * say) plus, when the band lies further from `r`'s age than the second age tolerance
 * and a year (the band was set when the case was saved), the weight of an age
 * disagreement. Namesakes share all their keys; this tells them apart.
 */
double	match_rank_index_weight(const struct match_config *cfg,
	    const struct match_record *r, const char *sex, const char *age_band);
/* The most match_rank_index_weight can give for `r` (its sex agreeing), or 0. */
double	match_rank_index_max(const struct match_config *cfg,
	    const struct match_record *r);
int64_t	match_rank_plan(const int64_t *counts, size_t n, int64_t budget, int *use);

/*
 * The records met while reading the planned keys, and their rank weights. Build with
 * match_rank_new (`expect`: about how many entries will be added, to size the table),
 * add each (key, record) entry with match_rank_add, then match_rank_sort; after that,
 * match_rank_id(rk, i) for i < match_rank_count(rk) gives the ids best first (ties by
 * id, so the order is the same on every run). Caller frees with match_rank_free.
 * match_rank_add returns RC_OK, RC_EINVALID (an id of MATCH_RANK_ID_SIZE bytes or
 * more, or added after the sort) or RC_ENOMEM.
 */
struct match_rank;

int	match_rank_new(size_t expect, struct match_rank **out);
int	match_rank_add(struct match_rank *rk, const char *id, double weight);
void	match_rank_sort(struct match_rank *rk);
size_t	match_rank_count(const struct match_rank *rk);
const char *match_rank_id(const struct match_rank *rk, size_t i);	/* NULL past end */
double	match_rank_weight(const struct match_rank *rk, size_t i);	/* 0 past end */
void	match_rank_free(struct match_rank *rk);			/* NULL is fine */

#endif
