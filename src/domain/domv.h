/*
 * domv.h — IOM's Determinants of Migrant Vulnerability (DOMAIN.md): the vulnerability
 * profile of a case per level and the risk level it suggests. Pure.
 *
 * THE DATA (config/forms/case.json, section "domv")
 *
 *	"domv_factors": [{"domv_level": "individual",
 *			  "domv_factor": "individual_history_exploitation",
 *			  "domv_factor_type": "risk",		   risk | protective
 *			  "domv_evidence": "...", "domv_source": "child",
 *			  "domv_date": "2025-06-01"}, ...],
 *	"domv_summary_individual" | _household | _community | _structural: the
 *	caseworker's summary per level;
 *	"risk_level_suggested", "risk_level_suggested_reasons": set by domv_apply();
 *	"risk_level": the caseworker's decision, never set here.
 *
 * Factors come from config/lookups/lookup-domv-factors.json. A factor's id starts with
 * its level and an underscore ("individual_", "household_", "community_",
 * "structural_"): that prefix, not the entry's "domv_level", decides the level it
 * counts for, and domv_validate() refuses entries where the two disagree.
 *
 * THE SUGGESTION (rule from config/workflow.json, "domv"; see struct domv_rule)
 *
 * Counts are of distinct factors: a factor recorded twice as a risk counts once; one
 * recorded as a risk and as a protective factor (the same factor can be either,
 * depending on context) counts on both sides. net = risks - protective factors, over
 * all levels.
 *
 *   high    when any factor listed in "critical_factors" is recorded as a risk; or the
 *           individual level has at least "high.individual_risks" risk factors; or net
 *           is at least "high.net_risks"; or ("urgent_concern_is_high") the case has
 *           urgent_protection_concern true;
 *   medium  else when net is at least "medium.net_risks", or at least
 *           "medium.levels_with_risk" levels have a risk factor;
 *   low     else, when any factor is recorded;
 *   ""      (no suggestion) when no factor is recorded and nothing above applies.
 *
 * A threshold of 0 is not used. Every condition that held for the suggested level is
 * given as a reason. The suggestion informs the caseworker's risk level; it does not
 * replace the caseworker's judgement.
 */
#ifndef DOMAIN_DOMV_H
#define DOMAIN_DOMV_H

#include <stddef.h>
#include <jansson.h>

#include "domain/form.h"

enum domv_level {
	DOMV_INDIVIDUAL,
	DOMV_HOUSEHOLD,		/* household and family */
	DOMV_COMMUNITY,
	DOMV_STRUCTURAL,
	DOMV__MAX
};

#define DOMV_CRITICAL_MAX	32
#define DOMV_FACTOR_ID_MAX	64
#define DOMV_REASONS_MAX	8

/* The rule for the suggested risk level; thresholds of 0 are not used. */
struct domv_rule {
	size_t	ncritical;
	char	critical[DOMV_CRITICAL_MAX][DOMV_FACTOR_ID_MAX];	/* factor ids */
	long	high_individual_risks;
	long	high_net_risks;
	long	medium_net_risks;
	long	medium_levels_with_risk;
	int	urgent_concern_is_high;
};

/*
 * Parse the "domv" object of config/workflow.json into `out`:
 *	{"critical_factors": ["individual_history_exploitation", ...],
 *	 "high": {"individual_risks": 3, "net_risks": 6},
 *	 "medium": {"net_risks": 2, "levels_with_risk": 3},
 *	 "urgent_concern_is_high": true}
 * Every key is required; thresholds are integers 0..1000; critical factor ids must
 * carry a level prefix. RC_OK or RC_EINVALID with `msg` saying what is wrong.
 */
int	domv_rule_load(const json_t *obj, struct domv_rule *out, char *msg, size_t msgsz);

/* "individual", "household", "community", "structural". */
const char *domv_level_name(enum domv_level l);
/* The level named `s`, or -1. */
int	domv_level_parse(const char *s);
/* The level a factor id belongs to by its prefix, or -1 when it has none. */
int	domv_factor_level(const char *factor);

struct domv_level_profile {
	size_t		 risks;		/* distinct factors recorded as risk */
	size_t		 protective;	/* distinct factors recorded as protective */
	const char	*summary;	/* the caseworker's summary, borrowed from the body;
					 * NULL when none */
};

struct domv_reason {
	char	code[24];	/* "critical_factor", "individual_risks", "net_risks",
				 * "urgent_concern", "levels_with_risk",
				 * "below_thresholds", "no_factors" */
	char	detail[80];	/* the factor id, or "4>=3" (value>=threshold), or "" */
};

struct domv_profile {
	struct domv_level_profile level[DOMV__MAX];
	size_t			 nfactors;	/* entries counted */
	long			 net;		/* risks - protective, all levels */
	const char		*suggested;	/* "high", "medium", "low" or "" (static) */
	size_t			 nreasons;
	struct domv_reason	 reason[DOMV_REASONS_MAX];
};

/*
 * The profile of case `body` and the level `rule` suggests. Entries without a factor
 * or a valid risk/protective marking are skipped (domv_validate reports them); an
 * entry whose factor has no level prefix counts for its "domv_level". `out` borrows
 * from `body`. RC_OK, or RC_EINVALID when `body` is not an object.
 */
int	domv_profile(const struct domv_rule *rule, const json_t *body,
	    struct domv_profile *out);

/* The profile as JSON for clients; caller decrefs; NULL on out of memory:
 *	{"levels": {"individual": {"risk": 2, "protective": 1, "summary": "..."}, ...},
 *	 "factors": 3, "net": 1, "suggested": "medium",
 *	 "reasons": [{"code": "net_risks", "detail": "2>=2"}]}
 * ("summary" only when there is one; "suggested" null when there is none.) */
json_t	*domv_profile_to_json(const struct domv_profile *p);

/*
 * Check what the form validator cannot: each domv_factors entry's factor belongs to
 * its domv_level. Problems are named "domv_factors[1].domv_factor". RC_OK or
 * RC_EINVALID; `errs` is reset first.
 */
int	domv_validate(const json_t *body, struct form_errors *errs);

/*
 * Record the suggestion in `body`: risk_level_suggested and
 * risk_level_suggested_reasons ("code:detail; code:detail"), both removed when there
 * is no suggestion. risk_level is left alone. RC_OK or RC_ENOMEM.
 */
int	domv_apply(const struct domv_rule *rule, json_t *body);

#endif
