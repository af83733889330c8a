/* domv.c — vulnerability profile per DoMV level and the suggested risk level. */
#include <stdio.h>
#include <string.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "domain/domv.h"

#define THRESHOLD_MAX	1000

static const char *const level_names[DOMV__MAX] = {
	[DOMV_INDIVIDUAL] = "individual",
	[DOMV_HOUSEHOLD] = "household",
	[DOMV_COMMUNITY] = "community",
	[DOMV_STRUCTURAL] = "structural",
};

static const char *const summary_fields[DOMV__MAX] = {
	[DOMV_INDIVIDUAL] = "domv_summary_individual",
	[DOMV_HOUSEHOLD] = "domv_summary_household",
	[DOMV_COMMUNITY] = "domv_summary_community",
	[DOMV_STRUCTURAL] = "domv_summary_structural",
};

const char *
domv_level_name(enum domv_level l)
{
	return l < DOMV__MAX ? level_names[l] : "";
}

int
domv_level_parse(const char *s)
{
	int l;

	for (l = 0; s != NULL && l < DOMV__MAX; l++)
		if (strcmp(s, level_names[l]) == 0)
			return l;
	return -1;
}

int
domv_factor_level(const char *factor)
{
	size_t n;
	int l;

	for (l = 0; factor != NULL && l < DOMV__MAX; l++) {
		n = strlen(level_names[l]);
		if (strncmp(factor, level_names[l], n) == 0 && factor[n] == '_' &&
		    factor[n + 1] != '\0')
			return l;
	}
	return -1;
}

/* ---- the rule --------------------------------------------------------------------- */

static int
rule_fail(char *msg, size_t msgsz, const char *what)
{
	if (msg != NULL && msgsz > 0)
		snprintf(msg, msgsz, "domv: %s", what);
	return RC_EINVALID;
}

/* The integer `obj`.`key` within 0..THRESHOLD_MAX into `*out`; -1 when missing or bad. */
static int
rule_threshold(const json_t *obj, const char *key, long *out)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > THRESHOLD_MAX)
		return -1;
	*out = (long)json_integer_value(v);
	return 0;
}

int
domv_rule_load(const json_t *obj, struct domv_rule *out, char *msg, size_t msgsz)
{
	const json_t *crit, *high, *medium, *urgent, *v;
	const char *key;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!json_is_object(obj))
		return rule_fail(msg, msgsz, "must be an object");
	json_object_foreach((json_t *)obj, key, v)
		if (strcmp(key, "critical_factors") != 0 && strcmp(key, "high") != 0 &&
		    strcmp(key, "medium") != 0 && strcmp(key, "urgent_concern_is_high") != 0)
			return rule_fail(msg, msgsz, "unknown key");
	crit = json_object_get(obj, "critical_factors");
	high = json_object_get(obj, "high");
	medium = json_object_get(obj, "medium");
	urgent = json_object_get(obj, "urgent_concern_is_high");
	if (!json_is_array(crit) || json_array_size(crit) > DOMV_CRITICAL_MAX)
		return rule_fail(msg, msgsz, "\"critical_factors\" must be an array of at "
		    "most 32 factor ids");
	json_array_foreach(crit, i, v) {
		if (!json_is_string(v) || domv_factor_level(json_string_value(v)) < 0 ||
		    str_copy(out->critical[i], sizeof(out->critical[i]),
		    json_string_value(v)) != 0)
			return rule_fail(msg, msgsz, "\"critical_factors\" holds something "
			    "that is not a factor id with a level prefix");
		out->ncritical = i + 1;
	}
	if (!json_is_object(high) || json_object_size(high) != 2 ||
	    rule_threshold(high, "individual_risks", &out->high_individual_risks) != 0 ||
	    rule_threshold(high, "net_risks", &out->high_net_risks) != 0)
		return rule_fail(msg, msgsz, "\"high\" must be {\"individual_risks\": N, "
		    "\"net_risks\": N} with N from 0 to 1000");
	if (!json_is_object(medium) || json_object_size(medium) != 2 ||
	    rule_threshold(medium, "net_risks", &out->medium_net_risks) != 0 ||
	    rule_threshold(medium, "levels_with_risk", &out->medium_levels_with_risk) != 0)
		return rule_fail(msg, msgsz, "\"medium\" must be {\"net_risks\": N, "
		    "\"levels_with_risk\": N} with N from 0 to 1000");
	if (!json_is_boolean(urgent))
		return rule_fail(msg, msgsz, "\"urgent_concern_is_high\" must be true or "
		    "false");
	out->urgent_concern_is_high = json_is_true(urgent);
	return RC_OK;
}

/* ---- the profile ------------------------------------------------------------------ */

enum marking { MARK_NONE = -1, MARK_RISK, MARK_PROTECTIVE };

static enum marking
entry_marking(const json_t *e)
{
	const char *t = json_get_str(e, "domv_factor_type");

	if (t != NULL && strcmp(t, "risk") == 0)
		return MARK_RISK;
	if (t != NULL && strcmp(t, "protective") == 0)
		return MARK_PROTECTIVE;
	return MARK_NONE;
}

/* The level entry `e` counts for: its factor's prefix, else its domv_level; -1. */
static int
entry_level(const json_t *e)
{
	int l = domv_factor_level(json_get_str(e, "domv_factor"));

	return l >= 0 ? l : domv_level_parse(json_get_str(e, "domv_level"));
}

/* 1 when entry `e` counts: a factor, a marking and a level. */
static int
entry_counts(const json_t *e)
{
	const char *f = json_get_str(e, "domv_factor");

	return json_is_object(e) && f != NULL && f[0] != '\0' &&
	    entry_marking(e) != MARK_NONE && entry_level(e) >= 0;
}

/* 1 when an entry before index `i` of `arr` records the same factor the same way. */
static int
seen_before(const json_t *arr, size_t i)
{
	const json_t *e = json_array_get(arr, i), *o;
	const char *f = json_get_str(e, "domv_factor");
	size_t j;

	for (j = 0; j < i; j++) {
		o = json_array_get(arr, j);
		if (entry_counts(o) && strcmp(json_get_str(o, "domv_factor"), f) == 0 &&
		    entry_marking(o) == entry_marking(e) && entry_level(o) == entry_level(e))
			return 1;
	}
	return 0;
}

static int
is_critical(const struct domv_rule *rule, const char *factor)
{
	size_t i;

	for (i = 0; i < rule->ncritical; i++)
		if (strcmp(rule->critical[i], factor) == 0)
			return 1;
	return 0;
}

static void
add_reason(struct domv_profile *p, const char *code, const char *detail)
{
	struct domv_reason *r;

	if (p->nreasons >= DOMV_REASONS_MAX)
		return;
	r = &p->reason[p->nreasons++];
	snprintf(r->code, sizeof(r->code), "%s", code);
	snprintf(r->detail, sizeof(r->detail), "%s", detail);
}

static void
add_threshold_reason(struct domv_profile *p, const char *code, long value, long threshold)
{
	char detail[48];

	snprintf(detail, sizeof(detail), "%ld>=%ld", value, threshold);
	add_reason(p, code, detail);
}

int
domv_profile(const struct domv_rule *rule, const json_t *body, struct domv_profile *out)
{
	const json_t *arr, *e;
	const char *s;
	long risks = 0, protective = 0, levels = 0;
	size_t i;
	int l, critical = 0;

	memset(out, 0, sizeof(*out));
	out->suggested = "";
	if (rule == NULL || !json_is_object(body))
		return RC_EINVALID;
	for (l = 0; l < DOMV__MAX; l++) {
		s = json_get_str(body, summary_fields[l]);
		out->level[l].summary = s != NULL && s[0] != '\0' ? s : NULL;
	}
	arr = json_object_get(body, "domv_factors");
	json_array_foreach(arr, i, e) {
		if (!entry_counts(e))
			continue;
		out->nfactors++;
		if (seen_before(arr, i))
			continue;
		l = entry_level(e);
		if (entry_marking(e) == MARK_RISK)
			out->level[l].risks++;
		else
			out->level[l].protective++;
	}
	for (l = 0; l < DOMV__MAX; l++) {
		risks += (long)out->level[l].risks;
		protective += (long)out->level[l].protective;
		levels += out->level[l].risks > 0;
	}
	out->net = risks - protective;

	/* high: every condition that holds is a reason */
	json_array_foreach(arr, i, e)
		if (entry_counts(e) && entry_marking(e) == MARK_RISK && !seen_before(arr, i) &&
		    is_critical(rule, json_get_str(e, "domv_factor"))) {
			add_reason(out, "critical_factor", json_get_str(e, "domv_factor"));
			critical = 1;
		}
	if (rule->high_individual_risks > 0 &&
	    (long)out->level[DOMV_INDIVIDUAL].risks >= rule->high_individual_risks) {
		add_threshold_reason(out, "individual_risks",
		    (long)out->level[DOMV_INDIVIDUAL].risks, rule->high_individual_risks);
		critical = 1;
	}
	if (rule->high_net_risks > 0 && out->net >= rule->high_net_risks) {
		add_threshold_reason(out, "net_risks", out->net, rule->high_net_risks);
		critical = 1;
	}
	if (rule->urgent_concern_is_high &&
	    json_is_true(json_object_get(body, "urgent_protection_concern"))) {
		add_reason(out, "urgent_concern", "");
		critical = 1;
	}
	if (critical) {
		out->suggested = "high";
		return RC_OK;
	}
	if (rule->medium_net_risks > 0 && out->net >= rule->medium_net_risks)
		add_threshold_reason(out, "net_risks", out->net, rule->medium_net_risks);
	if (rule->medium_levels_with_risk > 0 && levels >= rule->medium_levels_with_risk)
		add_threshold_reason(out, "levels_with_risk", levels,
		    rule->medium_levels_with_risk);
	if (out->nreasons > 0) {
		out->suggested = "medium";
		return RC_OK;
	}
	if (out->nfactors > 0) {
		char detail[48];

		snprintf(detail, sizeof(detail), "net %ld", out->net);
		add_reason(out, "below_thresholds", detail);
		out->suggested = "low";
		return RC_OK;
	}
	add_reason(out, "no_factors", "");
	return RC_OK;
}

json_t *
domv_profile_to_json(const struct domv_profile *p)
{
	json_t *o, *levels, *lv, *reasons;
	size_t i;
	int l, bad = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	bad |= json_object_set_new(o, "levels", levels = json_object());
	bad |= json_object_set_new(o, "reasons", reasons = json_array());
	if (bad || levels == NULL || reasons == NULL) {
		json_decref(o);
		return NULL;
	}
	for (l = 0; l < DOMV__MAX; l++) {
		lv = json_pack("{s:I, s:I}", "risk", (json_int_t)p->level[l].risks,
		    "protective", (json_int_t)p->level[l].protective);
		if (lv != NULL && p->level[l].summary != NULL)
			bad |= json_object_set_new(lv, "summary",
			    json_string(p->level[l].summary));
		bad |= json_object_set_new(levels, level_names[l], lv);
	}
	bad |= json_object_set_new(o, "factors", json_integer((json_int_t)p->nfactors));
	bad |= json_object_set_new(o, "net", json_integer(p->net));
	bad |= json_object_set_new(o, "suggested", p->suggested != NULL &&
	    p->suggested[0] != '\0' ? json_string(p->suggested) : json_null());
	for (i = 0; i < p->nreasons; i++)
		bad |= json_array_append_new(reasons, json_pack("{s:s, s:s}", "code",
		    p->reason[i].code, "detail", p->reason[i].detail));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

int
domv_validate(const json_t *body, struct form_errors *errs)
{
	const json_t *e;
	struct form_error *fe;
	size_t i;
	int fl, ll;

	errs->n = 0;
	errs->dropped = 0;
	json_array_foreach(json_object_get(body, "domv_factors"), i, e) {
		if (!json_is_object(e))
			continue;
		fl = domv_factor_level(json_get_str(e, "domv_factor"));
		ll = domv_level_parse(json_get_str(e, "domv_level"));
		if (fl < 0 || ll < 0 || fl == ll)
			continue;
		if (errs->n >= FORM_ERRORS_MAX) {
			errs->dropped++;
			continue;
		}
		fe = &errs->e[errs->n++];
		snprintf(fe->field, sizeof(fe->field), "domv_factors[%zu].domv_factor", i);
		snprintf(fe->problem, sizeof(fe->problem), "is a factor of the %s level, "
		    "not of the %s level", level_names[fl], level_names[ll]);
	}
	return errs->n == 0 && errs->dropped == 0 ? RC_OK : RC_EINVALID;
}

int
domv_apply(const struct domv_rule *rule, json_t *body)
{
	struct domv_profile p;
	struct buf b = BUF_INIT;
	size_t i;
	int rc;

	if ((rc = domv_profile(rule, body, &p)) != RC_OK)
		return rc;
	if (p.suggested[0] == '\0') {
		json_object_del(body, "risk_level_suggested");
		json_object_del(body, "risk_level_suggested_reasons");
		return RC_OK;
	}
	for (i = 0; i < p.nreasons; i++)
		if (buf_printf(&b, "%s%s%s%s", i > 0 ? "; " : "", p.reason[i].code,
		    p.reason[i].detail[0] != '\0' ? ":" : "", p.reason[i].detail) != 0) {
			buf_free(&b);
			return RC_ENOMEM;
		}
	rc = json_object_set_new(body, "risk_level_suggested", json_string(p.suggested)) ||
	    json_object_set_new(body, "risk_level_suggested_reasons",
	    json_stringn(b.p != NULL ? b.p : "", b.len)) ? RC_ENOMEM : RC_OK;
	buf_free(&b);
	return rc;
}
