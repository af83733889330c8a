/*
 * consent.h — is there valid consent in a case for a purpose, given the child's age?
 * Pure.
 *
 * THE RULES (config/workflow.json, "consent_age_bands"; DOMAIN.md)
 *
 *	[{"from": 0,  "to": 5,   "consent_by": ["caregiver"], "child_assent": false,
 *	  "assent_alone_without_caregiver": false},
 *	 {"from": 6,  "to": 11,  "consent_by": ["caregiver"], "child_assent": true, ...},
 *	 {"from": 12, "to": 14,  "consent_by": ["caregiver"], "child_assent": true,
 *	  "assent_alone_without_caregiver": true},
 *	 {"from": 15, "to": 17,  "consent_by": ["child"], "child_assent": false, ...},
 *	 {"from": 18, "to": 120, "consent_by": ["child"], "child_assent": false, ...}]
 *
 * Bands are in order, contiguous, from 0 to 120 years. A band is met when someone in
 * "consent_by" (child, caregiver, other: lookup-consent-source) consented and, with
 * "child_assent", the child assented too; or, with "assent_alone_without_caregiver",
 * when the child assented on an entry that records that there is no appropriate
 * caregiver to ask.
 *
 * THE DATA (config/forms/case.json, section "consent")
 *
 *	"consent_per_purpose": [{"consent_purpose": "tracing",
 *				 "consent_given_by": "caregiver",
 *				 "consent_granted": true, "consent_date": "2025-06-01",
 *				 "consent_recipient_type": "ngo",	  optional
 *				 "consent_no_appropriate_caregiver": false}, ...]
 *
 * For a purpose and a recipient, the entries that apply are those of that purpose whose
 * consent_recipient_type is absent (any recipient) or equals the recipient asked about
 * (a question about no particular recipient only takes unrestricted entries). For each
 * person (child, caregiver, other) only the latest applicable entry counts — latest by
 * consent_date, then by position — so a later refusal withdraws an earlier consent.
 * The older single-purpose fields count as one entry each, dated registration_date
 * (or before everything when absent), given by consent_source: consent_for_services
 * (purpose "services"), consent_for_tracing ("tracing"), disclosure_other_orgs
 * ("data_sharing" and "referral") and consent_reporting ("reporting").
 *
 * THE AGE (consent_age)
 *
 * The child is treated as a child until an age assessment decides otherwise, and an
 * uncertain age counts in the child's favour: consent must satisfy the band of every
 * age the child may have.
 *   1. age_assessment_outcome "adult": an adult (18 or the recorded age if higher);
 *   2. else age_range_from / age_range_to (an age being assessed): that range, capped
 *      at 17;
 *   3. else date_of_birth (not estimated): the exact age on `today`;
 *   4. else age: exact when not estimated, else capped at 17;
 *   5. else an estimated date_of_birth: its age, capped at 17;
 *   6. else unknown: 0 to 17.
 * With an outcome "child" or "undetermined" the age is capped at 17 in every case.
 */
#ifndef DOMAIN_CONSENT_H
#define DOMAIN_CONSENT_H

#include <stddef.h>
#include <jansson.h>

enum consent_giver {
	CONSENT_CHILD,
	CONSENT_CAREGIVER,
	CONSENT_OTHER,		/* e.g. a guardian or legal representative */
	CONSENT__GIVERS
};

#define CONSENT_BANDS_MAX	8
#define CONSENT_AGE_MAX		120

struct consent_band {
	int		from, to;		/* whole years, inclusive */
	unsigned	consent_by;		/* bit (1u << enum consent_giver) per giver */
	int		child_assent;		/* the child's assent is needed too */
	int		assent_alone_without_caregiver;
};

struct consent_rules {
	size_t			n;
	struct consent_band	band[CONSENT_BANDS_MAX];
};

/* Parse "consent_age_bands" (above) into `out`. RC_OK or RC_EINVALID with `msg`. */
int	consent_rules_load(const json_t *arr, struct consent_rules *out, char *msg,
	    size_t msgsz);

/* "child", "caregiver", "other" (the lookup-consent-source ids). */
const char *consent_giver_name(enum consent_giver g);
int	consent_giver_parse(const char *s);	/* the giver, or -1 */

struct consent_age {
	int		 lo, hi;	/* the ages the child may have, in whole years */
	int		 adult;		/* 1 when decided or recorded as 18 or over */
	const char	*basis;		/* static: "age_assessment_outcome", "age_range",
					 * "date_of_birth", "age", "unknown" */
};

/* The ages to apply the bands to for case `body` on `today` ("YYYY-MM-DD"). */
void	consent_age(const json_t *body, const char *today, struct consent_age *out);

struct consent_result {
	struct consent_age	 age;
	unsigned		 consent_by;	/* givers whose consent was needed (bits) */
	int			 child_assent;	/* the child's assent was needed */
	char			 needed[320];	/* "ages 6-11: the caregiver's consent and
						 * the child's assent" ... */
	const char		*why;		/* static; why not, on RC_EDENIED */
};

/*
 * Is there valid consent in `body` for `purpose` ("tracing", "referral", "transfer",
 * "data_sharing", "reporting", "services", "age_assessment") with `recipient_type`
 * (lookup-consent-recipient-type; NULL for none in particular)? Returns RC_OK;
 * RC_EDENIED with res->why ("the child's assent is required at this age and is not
 * recorded", ...) and res->needed saying who had to give it; RC_EINVALID when the
 * purpose is missing, `body` is not an object, or no band covers an age.
 */
int	consent_check(const struct consent_rules *rules, const json_t *body,
	    const char *today, const char *purpose, const char *recipient_type,
	    struct consent_result *res);

#endif
