/*
 * gen.h — a deterministic generator of FICTIONAL children's case data, for demos, tests
 * and benchmarks.
 *
 * Pure: no I/O, no global state, no clock reads. Everything comes from the seed and the
 * arguments, so one seed gives the same records on every machine. Names are common
 * given and family names of each group combined at random (never real people; a short
 * list of well-known public figures' names is refused); telephone numbers are of the
 * obviously fictional form "+000 555 0123".
 *
 * Groups by migration route, each with its own naming convention, nationalities (ISO
 * 3166 alpha-2) and languages (ISO 639): Horn of Africa (ER, ET: given + father +
 * grandfather, Ge'ez script), Somali (SO), Arabic-speaking (SD, TD, EG: three names;
 * LY, SY: given + father + family name; MR: given + Ould/Mint + father; Arabic script),
 * West African francophone (ML, GN, CI, SN, BF, NE, CM), Mesoamerica (HN, GT, SV, NI,
 * VE: given names + two surnames; HT), Afghan (AF, Persian script).
 *
 * Language codes used: ti am tig om so ar fr en bm ff wo ha mnk sus dyu es mam quc kek ht
 * prs ps.
 */
#ifndef DOMAIN_GEN_H
#define DOMAIN_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

struct gen;					/* opaque: a seeded PRNG */

/* A generator seeded with `seed`; NULL on out of memory. Same seed, same sequence. */
struct gen	*gen_new(uint64_t seed);
void		 gen_free(struct gen *g);	/* NULL is fine */

/* The next 64-bit value (splitmix64 seeding xoshiro256**). */
uint64_t	 gen_next(struct gen *g);
/* An unbiased value in 0..n-1 (Lemire's method); 0 when n is 0. */
uint32_t	 gen_uniform(struct gen *g, uint32_t n);

/*
 * A fictional child's case as JSON data for config/forms/case.json: names in the
 * group's convention (and sometimes in the original script), sex, age (estimated, or
 * with a date of birth), nationality, language, UASC status, caregiver, family details,
 * protection concerns, risk level, consent. `today` is "YYYY-MM-DD": every date is
 * computed from it. location_current (and any relation_location_current) is one of
 * `locations` (n >= 1 P-codes whose first two letters are the country), preferring
 * level-1/2 codes of a country on the child's route. `name` is never set. Caller
 * json_decref()s. NULL on out of memory, when `today` is not a date or n is 0.
 */
json_t		*gen_case(struct gen *g, const char *today, const char *const *locations,
		    size_t nlocations);

/* A fictional adult's full name, for demo staff accounts: {"name": "..."}. NULL on out
 * of memory. */
json_t		*gen_staff_name(struct gen *g);

/*
 * The same child as another office might register it, for matching tests and
 * benchmarks: a new case copied from `c` (a gen_case() result) with other Latin
 * spellings (Mohamed / Muhammad, Keïta / Keita, Maxamed / Mohamed), a dropped
 * grandfather's name or second surname, the original script added or dropped, the
 * estimated age off by up to two years or the date of birth replaced by an estimate, a
 * later registration date (not after `today`), nickname or a relative dropped.
 * Location fields are kept. Caller json_decref()s; NULL on out of memory or when
 * `today` is not a date.
 */
json_t		*gen_case_variant(struct gen *g, const json_t *c, const char *today);

/*
 * The routes of the demo programmes, for gen_vot: Horn of Africa (citizens of ER, ET,
 * SO, SD; exploited in LY, SD, the Gulf, EG, YE), Central Mediterranean and Sahel (NG,
 * NE, ML, GN, CI, SN, CM; exploited in LY, DZ, IT, the Sahel, MA), Mesoamerica (HN, GT,
 * VE, SV, NI; exploited in MX, GT, US, PA).
 */
enum gen_route {
	GEN_ROUTE_HORN,
	GEN_ROUTE_SAHEL,
	GEN_ROUTE_MESOAMERICA,
	GEN_ROUTE__MAX
};

/*
 * A fictional victim of trafficking as JSON data for config/forms/vot.json, with
 * proportions after the shape of CTDC's public data (fictional figures): about two in
 * three female; three in ten minors (9 to 17), adults mostly 18 to 35; sexual
 * exploitation mostly of women and girls, forced labour mostly of men, with sectors,
 * forms and one to four means of control; recruitment mostly through smugglers and
 * acquaintances; registered in one of the last four years (identification_date in that
 * year, never after `today`); screening outcome confirmed for four in five; consent to
 * anonymised reporting for 85 %. Citizenship, country of exploitation and countries of
 * transit follow `route`; location_identified is one of `locations` (n >= 1) in a
 * country where the route's programme works, else any. case_id is never set (the
 * caller links a case). Caller json_decref()s; NULL on out of memory, an unknown route,
 * a `today` that is not a date, or no locations.
 */
json_t		*gen_vot(struct gen *g, const char *today, enum gen_route route,
		    const char *const *locations, size_t nlocations);

#endif
