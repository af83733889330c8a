/* consent.c — consent per purpose against the age bands. */
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/json.h"
#include "domain/consent.h"

#define ADULT_AGE	18
#define CHILD_MAX	17

static const char *const giver_names[CONSENT__GIVERS] = {
	[CONSENT_CHILD] = "child",
	[CONSENT_CAREGIVER] = "caregiver",
	[CONSENT_OTHER] = "other",
};

/* How the "needed" text names each giver. */
static const char *const giver_texts[CONSENT__GIVERS] = {
	[CONSENT_CHILD] = "the child",
	[CONSENT_CAREGIVER] = "the caregiver",
	[CONSENT_OTHER] = "another responsible adult",
};

/* The older one-purpose fields, each an entry given by consent_source. */
static const struct legacy {
	const char	*field;
	const char	*purpose;
} legacy_fields[] = {
	{ "consent_for_services", "services" },
	{ "consent_for_tracing", "tracing" },
	{ "disclosure_other_orgs", "data_sharing" },
	{ "disclosure_other_orgs", "referral" },
	{ "consent_reporting", "reporting" },
};

#define WHY_NO_CONSENT	"the consent required at the child's age is not recorded for " \
			"this purpose and recipient"
#define WHY_REFUSED	"consent for this purpose was refused or withdrawn"
#define WHY_NO_ASSENT	"the child's assent is required at this age and is not recorded"
#define WHY_NO_ASSENT2	"the child refused or withdrew their assent"

const char *
consent_giver_name(enum consent_giver g)
{
	return g < CONSENT__GIVERS ? giver_names[g] : "";
}

int
consent_giver_parse(const char *s)
{
	int g;

	for (g = 0; s != NULL && g < CONSENT__GIVERS; g++)
		if (strcmp(s, giver_names[g]) == 0)
			return g;
	return -1;
}

/* ---- the rules -------------------------------------------------------------------- */

static int
rules_fail(char *msg, size_t msgsz, size_t i, const char *what)
{
	if (msg != NULL && msgsz > 0)
		snprintf(msg, msgsz, "consent_age_bands[%zu]: %s", i, what);
	return RC_EINVALID;
}

int
consent_rules_load(const json_t *arr, struct consent_rules *out, char *msg, size_t msgsz)
{
	static const char *const keys[] = { "from", "to", "consent_by", "child_assent",
	    "assent_alone_without_caregiver" };
	const json_t *b, *v, *by;
	const char *key;
	struct consent_band *band;
	size_t i, j, k;
	int g, known, next = 0;

	memset(out, 0, sizeof(*out));
	if (!json_is_array(arr) || json_array_size(arr) == 0 ||
	    json_array_size(arr) > CONSENT_BANDS_MAX) {
		if (msg != NULL && msgsz > 0)
			snprintf(msg, msgsz, "consent_age_bands: must be an array of 1 to %d "
			    "bands", CONSENT_BANDS_MAX);
		return RC_EINVALID;
	}
	json_array_foreach(arr, i, b) {
		band = &out->band[i];
		if (!json_is_object(b))
			return rules_fail(msg, msgsz, i, "must be an object");
		json_object_foreach((json_t *)b, key, v) {
			for (known = 0, k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
				known |= strcmp(keys[k], key) == 0;
			if (!known)
				return rules_fail(msg, msgsz, i, "unknown key");
		}
		v = json_object_get(b, "from");
		if (!json_is_integer(v) || json_integer_value(v) != next)
			return rules_fail(msg, msgsz, i, "\"from\" must continue from the band "
			    "before (the first starts at 0)");
		band->from = next;
		v = json_object_get(b, "to");
		if (!json_is_integer(v) || json_integer_value(v) < band->from ||
		    json_integer_value(v) > CONSENT_AGE_MAX)
			return rules_fail(msg, msgsz, i, "\"to\" must be from \"from\" to 120");
		band->to = (int)json_integer_value(v);
		next = band->to + 1;
		by = json_object_get(b, "consent_by");
		if (!json_is_array(by) || json_array_size(by) == 0)
			return rules_fail(msg, msgsz, i, "\"consent_by\" must be a non-empty "
			    "array of child, caregiver, other");
		json_array_foreach(by, j, v) {
			if ((g = consent_giver_parse(json_string_value(v))) < 0)
				return rules_fail(msg, msgsz, i, "\"consent_by\" must be a "
				    "non-empty array of child, caregiver, other");
			band->consent_by |= 1u << g;
		}
		v = json_object_get(b, "child_assent");
		if (!json_is_boolean(v))
			return rules_fail(msg, msgsz, i, "\"child_assent\" must be true or "
			    "false");
		band->child_assent = json_is_true(v);
		v = json_object_get(b, "assent_alone_without_caregiver");
		if (!json_is_boolean(v))
			return rules_fail(msg, msgsz, i, "\"assent_alone_without_caregiver\" "
			    "must be true or false");
		band->assent_alone_without_caregiver = json_is_true(v);
		out->n = i + 1;
	}
	if (next != CONSENT_AGE_MAX + 1)
		return rules_fail(msg, msgsz, out->n - 1, "the last band must end at 120");
	return RC_OK;
}

/* ---- the age ---------------------------------------------------------------------- */

/* The integer field `key` within 0..CONSENT_AGE_MAX, or -1. */
static int
int_field(const json_t *body, const char *key)
{
	const json_t *v = json_object_get(body, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > CONSENT_AGE_MAX)
		return -1;
	return (int)json_integer_value(v);
}

static int
cap_child(int age)
{
	return age > CHILD_MAX ? CHILD_MAX : age;
}

void
consent_age(const json_t *body, const char *today, struct consent_age *out)
{
	const char *outcome = json_get_str(body, "age_assessment_outcome");
	const char *dob = json_get_str(body, "date_of_birth");
	int estimated = json_is_true(json_object_get(body, "estimated"));
	int from = int_field(body, "age_range_from"), to = int_field(body, "age_range_to");
	int age = int_field(body, "age"), dob_age = -1, child_decided;

	if (dob != NULL && today != NULL)
		dob_age = date_age_years(dob, today);
	if (dob_age > CONSENT_AGE_MAX)
		dob_age = -1;
	child_decided = outcome != NULL && (strcmp(outcome, "child") == 0 ||
	    strcmp(outcome, "undetermined") == 0);
	out->adult = 0;
	if (outcome != NULL && strcmp(outcome, "adult") == 0) {
		out->lo = out->hi = age >= ADULT_AGE ? age : ADULT_AGE;
		out->adult = 1;
		out->basis = "age_assessment_outcome";
		return;
	}
	if (from >= 0 || to >= 0) {
		out->lo = from >= 0 ? from : 0;
		out->hi = to >= 0 ? to : CHILD_MAX;
		if (out->hi < out->lo)
			out->hi = out->lo;
		out->lo = cap_child(out->lo);
		out->hi = cap_child(out->hi);
		out->basis = "age_range";
		return;
	}
	if (dob_age >= 0 && !estimated) {
		out->lo = out->hi = dob_age;
		out->basis = "date_of_birth";
	} else if (age >= 0) {
		out->lo = out->hi = estimated ? cap_child(age) : age;
		out->basis = "age";
	} else if (dob_age >= 0) {
		out->lo = out->hi = cap_child(dob_age);
		out->basis = "date_of_birth";
	} else {
		out->lo = 0;
		out->hi = CHILD_MAX;
		out->basis = "unknown";
		return;
	}
	if (child_decided) {
		out->lo = cap_child(out->lo);
		out->hi = cap_child(out->hi);
	}
	out->adult = out->lo >= ADULT_AGE;
}

/* ---- the entries ------------------------------------------------------------------ */

/* The latest applicable entry of one giver. */
struct latest {
	int		 present;
	int		 granted;
	int		 no_caregiver;
	char		 date[DATE_SIZE];	/* "" sorts before every date */
	size_t		 order;			/* position: legacy 0, entries 1.. */
};

/* Keep the entry if it is later than what `l` holds. */
static void
consider(struct latest *l, const char *date, size_t order, int granted, int no_caregiver)
{
	int y, m, d, cmp;
	const char *dt = date != NULL && date_parse(date, &y, &m, &d) == 0 ? date : "";

	if (l->present) {
		cmp = strcmp(dt, l->date);
		if (cmp < 0 || (cmp == 0 && order < l->order))
			return;
	}
	l->present = 1;
	l->granted = granted;
	l->no_caregiver = no_caregiver;
	snprintf(l->date, sizeof(l->date), "%s", dt);
	l->order = order;
}

static void
gather(const json_t *body, const char *purpose, const char *recipient,
    struct latest latest[CONSENT__GIVERS])
{
	const json_t *e, *v;
	const char *p, *r;
	size_t i;
	int g;

	memset(latest, 0, CONSENT__GIVERS * sizeof(*latest));
	/* the older fields hold no recipient: they apply to any */
	g = consent_giver_parse(json_get_str(body, "consent_source"));
	for (i = 0; g >= 0 && i < sizeof(legacy_fields) / sizeof(legacy_fields[0]); i++) {
		v = json_object_get(body, legacy_fields[i].field);
		if (strcmp(legacy_fields[i].purpose, purpose) != 0 || !json_is_boolean(v))
			continue;
		consider(&latest[g], json_get_str(body, "registration_date"), 0,
		    json_is_true(v), 0);
	}
	json_array_foreach(json_object_get(body, "consent_per_purpose"), i, e) {
		p = json_get_str(e, "consent_purpose");
		r = json_get_str(e, "consent_recipient_type");
		g = consent_giver_parse(json_get_str(e, "consent_given_by"));
		v = json_object_get(e, "consent_granted");
		if (p == NULL || strcmp(p, purpose) != 0 || g < 0 || !json_is_boolean(v))
			continue;
		if (r != NULL && r[0] != '\0' && (recipient == NULL ||
		    strcmp(r, recipient) != 0))
			continue;	/* restricted to another recipient */
		consider(&latest[g], json_get_str(e, "consent_date"), i + 1,
		    json_is_true(v), json_is_true(json_object_get(e,
		    "consent_no_appropriate_caregiver")));
	}
}

/* Describe what band `b` needs, appended to `out` at `*pos`. */
static void
describe(const struct consent_band *b, char *out, size_t outsz, size_t *pos)
{
	int g, n = 0, w;

	w = snprintf(out + *pos, outsz - *pos, "%sages %d-%d: consent from ",
	    *pos > 0 ? "; " : "", b->from, b->to);
	if (w < 0 || (size_t)w >= outsz - *pos)
		return;
	*pos += (size_t)w;
	for (g = 0; g < CONSENT__GIVERS; g++) {
		if (!(b->consent_by & (1u << g)))
			continue;
		w = snprintf(out + *pos, outsz - *pos, "%s%s", n++ > 0 ? " or " : "",
		    giver_texts[g]);
		if (w < 0 || (size_t)w >= outsz - *pos)
			return;
		*pos += (size_t)w;
	}
	w = snprintf(out + *pos, outsz - *pos, "%s%s", b->child_assent ?
	    " and the child's assent" : "", b->assent_alone_without_caregiver ?
	    " (the child's assent alone when there is no appropriate caregiver)" : "");
	if (w > 0 && (size_t)w < outsz - *pos)
		*pos += (size_t)w;
}

/* Is band `b` met by `latest`? NULL, or why not. */
static const char *
band_unmet(const struct consent_band *b, const struct latest latest[CONSENT__GIVERS])
{
	const struct latest *child = &latest[CONSENT_CHILD];
	int g, consented = 0, refused = 0;

	if (b->assent_alone_without_caregiver && child->present && child->granted &&
	    child->no_caregiver)
		return NULL;
	for (g = 0; g < CONSENT__GIVERS; g++) {
		if (!(b->consent_by & (1u << g)) || !latest[g].present)
			continue;
		consented |= latest[g].granted;
		refused |= !latest[g].granted;
	}
	if (!consented)
		return refused ? WHY_REFUSED : WHY_NO_CONSENT;
	if (b->child_assent && !(child->present && child->granted))
		return child->present ? WHY_NO_ASSENT2 : WHY_NO_ASSENT;
	return NULL;
}

int
consent_check(const struct consent_rules *rules, const json_t *body, const char *today,
    const char *purpose, const char *recipient_type, struct consent_result *res)
{
	struct latest latest[CONSENT__GIVERS];
	const struct consent_band *b;
	const char *why = NULL;
	size_t i, pos = 0;
	int covered_to = -1;

	memset(res, 0, sizeof(*res));
	if (rules == NULL || !json_is_object(body) || purpose == NULL || purpose[0] == '\0')
		return RC_EINVALID;
	consent_age(body, today, &res->age);
	gather(body, purpose, recipient_type, latest);
	for (i = 0; i < rules->n; i++) {
		b = &rules->band[i];
		if (b->to < res->age.lo || b->from > res->age.hi)
			continue;
		if (b->from > covered_to + 1 && covered_to >= res->age.lo)
			return RC_EINVALID;	/* a gap inside the range */
		covered_to = b->to;
		res->consent_by |= b->consent_by;
		res->child_assent |= b->child_assent;
		describe(b, res->needed, sizeof(res->needed), &pos);
		if (why == NULL)
			why = band_unmet(b, latest);
	}
	if (covered_to < res->age.hi || pos == 0)
		return RC_EINVALID;	/* no band for some age */
	res->why = why;
	return why == NULL ? RC_OK : RC_EDENIED;
}
