/* workflow.c — stages, approvals and deadlines of a case (see workflow.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/json.h"
#include "domain/form.h"
#include "domain/policy.h"
#include "domain/workflow.h"

#define CONFIG_BYTES_MAX	(256 * 1024)
#define CONFIG_DEPTH_MAX	8
#define ROLES_MAX		16
#define ROLE_ID_MAX		32
#define HOUR			3600
#define DAY			86400

/* Risk levels as the configuration keys them; WR_NONE is "not set yet". */
enum risk { WR_HIGH, WR_MEDIUM, WR_LOW, WR_NONE, WR__MAX };

static const char *const risk_names[WR__MAX] = { "high", "medium", "low", "none" };

static const char *const stage_names[WS__MAX] = {
	[WS_NEW] = "new",
	[WS_ASSESSMENT] = "assessment",
	[WS_CASE_PLAN] = "case_plan",
	[WS_IMPLEMENTATION] = "implementation",
	[WS_FOLLOW_UP] = "follow_up",
	[WS_CLOSURE_REQUESTED] = "closure_requested",
	[WS_CLOSED] = "closed",
	[WS_REOPENED] = "reopened",
};

static const char *const approval_names[WA__MAX] = {
	[WA_ASSESSMENT] = "assessment",
	[WA_BIA] = "bia",
	[WA_CASE_PLAN] = "case_plan",
	[WA_CLOSURE] = "closure",
};

/* The system field holding each approval's current status. */
static const char *const approval_fields[WA__MAX] = {
	[WA_ASSESSMENT] = "approval_status_assessment",
	[WA_BIA] = "approval_status_bia",
	[WA_CASE_PLAN] = "approval_status_case_plan",
	[WA_CLOSURE] = "approval_status_closure",
};

static const char *const approval_status_names[WAS__MAX] = {
	[WAS_REQUESTED] = "requested",
	[WAS_APPROVED] = "approved",
	[WAS_REJECTED] = "rejected",
};

static const char *const due_names[WDK__MAX] = {
	[WDK_RESPONSE] = "response",
	[WDK_ASSESSMENT] = "assessment",
	[WDK_CASE_PLAN] = "case_plan",
	[WDK_PLAN_REVIEW] = "plan_review",
	[WDK_FOLLOW_UP] = "follow_up",
	[WDK_BID] = "bid",
	[WDK_APPROVAL] = "approval",
};

#define S(x)		(1u << (x))
#define OPEN_STAGES	(S(WS_NEW) | S(WS_ASSESSMENT) | S(WS_CASE_PLAN) | \
			 S(WS_IMPLEMENTATION) | S(WS_FOLLOW_UP) | S(WS_REOPENED))

/* The stages each stage may go to. */
static const unsigned next_stages[WS__MAX] = {
	[WS_NEW] = S(WS_ASSESSMENT) | S(WS_CLOSURE_REQUESTED),
	[WS_ASSESSMENT] = S(WS_CASE_PLAN) | S(WS_CLOSURE_REQUESTED),
	[WS_CASE_PLAN] = S(WS_IMPLEMENTATION) | S(WS_ASSESSMENT) | S(WS_CLOSURE_REQUESTED),
	[WS_IMPLEMENTATION] = S(WS_FOLLOW_UP) | S(WS_CASE_PLAN) | S(WS_ASSESSMENT) |
	    S(WS_CLOSURE_REQUESTED),
	[WS_FOLLOW_UP] = S(WS_IMPLEMENTATION) | S(WS_CASE_PLAN) | S(WS_ASSESSMENT) |
	    S(WS_CLOSURE_REQUESTED),
	[WS_CLOSURE_REQUESTED] = S(WS_CLOSED) | S(WS_ASSESSMENT) | S(WS_CASE_PLAN) |
	    S(WS_IMPLEMENTATION) | S(WS_FOLLOW_UP),
	[WS_CLOSED] = S(WS_REOPENED),
	[WS_REOPENED] = S(WS_ASSESSMENT) | S(WS_CASE_PLAN) | S(WS_IMPLEMENTATION) |
	    S(WS_CLOSURE_REQUESTED),
};

/* The stages at which each approval may be requested or decided. */
static const unsigned approval_stages[WA__MAX] = {
	[WA_ASSESSMENT] = S(WS_ASSESSMENT),
	[WA_BIA] = OPEN_STAGES | S(WS_CLOSURE_REQUESTED),
	[WA_CASE_PLAN] = S(WS_CASE_PLAN),
	[WA_CLOSURE] = S(WS_CLOSURE_REQUESTED),
};

/* The approvals that entering each stage clears. */
static const unsigned stage_clears[WS__MAX] = {
	[WS_ASSESSMENT] = S(WA_ASSESSMENT) | S(WA_CASE_PLAN),
	[WS_CASE_PLAN] = S(WA_CASE_PLAN),
	[WS_CLOSURE_REQUESTED] = S(WA_CLOSURE),
	[WS_REOPENED] = S(WA_CLOSURE),
};

/* ---- the rules, each a stable id and the sentence that states it -------------------- */

#define RULE(name, id, text) static const struct workflow_why name = { id, text }

RULE(W_STAGE_UNKNOWN, "stage.unknown", "that is not a workflow stage");
RULE(W_STAGE_SAME, "stage.same", "the case is already at that stage");
RULE(W_NOT_ALLOWED, "transition.not_allowed",
    "the workflow does not lead from the case's stage to that one");
RULE(W_ROLE, "transition.role", "your role may not move a case to that stage");
RULE(W_NEEDS_INITIAL, "assessment.needs_initial_assessment",
    "the assessment stage needs the initial assessment (initial_assessment_date)");
RULE(W_NEEDS_RISK, "assessment.needs_risk_level",
    "the assessment stage needs the caseworker's risk level (risk_level)");
RULE(W_NEEDS_ASSESSMENT_OK, "case_plan.needs_approved_assessment",
    "case planning needs an assessment or best interests assessment approved by a "
    "supervisor");
RULE(W_NEEDS_PLAN_OK, "implementation.needs_approved_plan",
    "implementing the plan needs a case plan approved by a supervisor");
RULE(W_NEEDS_BID, "implementation.needs_bid",
    "the case plan proposes a durable solution or a separation from parents against "
    "their will: it needs a best interests determination (BID) that approves it");
RULE(W_NEEDS_REASON, "closure.needs_reason",
    "a closure request needs the reason for closing (closure_reason)");
RULE(W_NEEDS_OTHER, "closure.needs_other_reason",
    "a closure for another reason needs that reason written (closure_reason_other)");
RULE(W_NEEDS_CLOSURE_OK, "closure.needs_approval",
    "a case can be closed only after a supervisor approved its closure request");
RULE(W_A_TYPE, "approval.unknown_type",
    "the approval type must be assessment, bia, case_plan or closure");
RULE(W_A_STATUS, "approval.unknown_status",
    "the approval status must be requested, approved or rejected");
RULE(W_A_CLOSED, "approval.case_closed", "the case is closed");
RULE(W_A_STAGE, "approval.stage",
    "this approval cannot be requested or decided at the case's current stage");
RULE(W_A_ROLE_REQUEST, "approval.role_request", "your role may not request this approval");
RULE(W_A_ROLE_DECIDE, "approval.role_decide",
    "your role may not approve or reject this request");
RULE(W_A_PENDING, "approval.already_requested",
    "this approval is already requested and waits for a decision");
RULE(W_A_NOTHING, "approval.not_requested", "there is no pending request to decide");
RULE(W_A_SELF, "approval.self",
    "you requested this approval or own the case, and your role may not approve its own "
    "work");
RULE(W_A_COMMENT, "approval.comment_required", "a rejection needs a comment saying why");
RULE(W_A_NEEDS_ASSESSMENT, "approval.needs_assessment",
    "an assessment approval needs the comprehensive assessment "
    "(comprehensive_assessment_date)");
RULE(W_A_NEEDS_BIA, "approval.needs_bia",
    "a BIA approval needs a best interests assessment (bia_subform_section)");
RULE(W_A_NEEDS_PLAN, "approval.needs_case_plan",
    "a case plan approval needs the plan's date (date_case_plan) and at least one "
    "action (cp_case_plan_subform_case_plan_interventions)");

/* ---- names -------------------------------------------------------------------------- */

static int
name_index(const char *const *names, int n, const char *s)
{
	int i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

const char *
workflow_stage_name(enum workflow_stage s)
{
	return s < WS__MAX ? stage_names[s] : "";
}

const char *
workflow_approval_name(enum workflow_approval a)
{
	return a < WA__MAX ? approval_names[a] : "";
}

const char *
workflow_approval_status_name(enum workflow_approval_status s)
{
	return s < WAS__MAX ? approval_status_names[s] : "";
}

const char *
workflow_due_kind_name(enum workflow_due_kind k)
{
	return k < WDK__MAX ? due_names[k] : "";
}

int
workflow_stage_parse(const char *s)
{
	return name_index(stage_names, WS__MAX, s);
}

int
workflow_approval_parse(const char *s)
{
	return name_index(approval_names, WA__MAX, s);
}

int
workflow_approval_status_parse(const char *s)
{
	return name_index(approval_status_names, WAS__MAX, s);
}

const char *
workflow_stage_status(const char *stage)
{
	int s = workflow_stage_parse(stage);

	if (s < 0)
		return NULL;
	return s == WS_CLOSED ? "closed" : "open";
}

/* ---- configuration ------------------------------------------------------------------ */

struct role_list {
	size_t	n;
	char	role[ROLES_MAX][ROLE_ID_MAX];
};

struct workflow_config {
	int64_t			response_seconds[WR__MAX];
	int			review_months[WR__MAX];
	long			follow_up_days[WR__MAX];
	long			assessment_days;
	long			case_plan_days;
	long			bid_days;
	long			approval_days;
	struct role_list	stage_roles[WS__MAX];	/* who may move a case there */
	struct {
		struct role_list	request;
		struct role_list	decide;
		struct role_list	self;
	}			approvals[WA__MAX];
	struct consent_rules	consent;
	struct domv_rule	domv;
};

static int	cfg_fail(char *msg, size_t msgsz, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

static int
cfg_fail(char *msg, size_t msgsz, const char *fmt, ...)
{
	va_list ap;

	if (msg != NULL && msgsz > 0) {
		va_start(ap, fmt);
		vsnprintf(msg, msgsz, fmt, ap);
		va_end(ap);
	}
	return RC_EINVALID;
}

/* An integer `key` of `obj` within lo..hi. */
static int
cfg_int(const json_t *obj, const char *key, long lo, long hi, long *out, char *msg,
    size_t msgsz)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
		return cfg_fail(msg, msgsz, "\"%s\" must be an integer from %ld to %ld", key,
		    lo, hi);
	*out = (long)json_integer_value(v);
	return RC_OK;
}

/* {"high": N, "medium": N, "low": N, "none": N} within lo..hi. */
static int
cfg_per_risk(const json_t *root, const char *key, long lo, long hi, long out[WR__MAX],
    char *msg, size_t msgsz)
{
	const json_t *obj = json_object_get(root, key);
	int r;

	if (!json_is_object(obj) || json_object_size(obj) != WR__MAX)
		return cfg_fail(msg, msgsz, "\"%s\" must have exactly the keys high, medium, "
		    "low and none", key);
	for (r = 0; r < WR__MAX; r++) {
		const json_t *v = json_object_get(obj, risk_names[r]);

		if (!json_is_integer(v) || json_integer_value(v) < lo ||
		    json_integer_value(v) > hi)
			return cfg_fail(msg, msgsz, "\"%s\".%s must be an integer from %ld "
			    "to %ld", key, risk_names[r], lo, hi);
		out[r] = (long)json_integer_value(v);
	}
	return RC_OK;
}

static int
cfg_roles(const json_t *arr, int may_be_empty, struct role_list *out, const char *what,
    char *msg, size_t msgsz)
{
	const json_t *v;
	size_t i, j;

	memset(out, 0, sizeof(*out));
	if (!json_is_array(arr) || json_array_size(arr) > ROLES_MAX ||
	    (!may_be_empty && json_array_size(arr) == 0))
		return cfg_fail(msg, msgsz, "%s must be an array of %d to %d role ids", what,
		    may_be_empty ? 0 : 1, ROLES_MAX);
	json_array_foreach(arr, i, v) {
		if (!json_is_string(v) || json_string_length(v) == 0 ||
		    str_copy(out->role[i], sizeof(out->role[i]), json_string_value(v)) != 0)
			return cfg_fail(msg, msgsz, "%s[%zu] must be a role id", what, i);
		for (j = 0; j < i; j++)
			if (strcmp(out->role[j], out->role[i]) == 0)
				return cfg_fail(msg, msgsz, "%s names %s twice", what,
				    out->role[i]);
		out->n = i + 1;
	}
	return RC_OK;
}

static int
role_in(const struct role_list *l, const char *role)
{
	size_t i;

	for (i = 0; role != NULL && i < l->n; i++)
		if (strcmp(l->role[i], role) == 0)
			return 1;
	return 0;
}

static int
cfg_approvals(const json_t *root, struct workflow_config *cfg, char *msg, size_t msgsz)
{
	const json_t *obj = json_object_get(root, "approvals"), *a;
	char what[64];
	size_t i;
	int t, rc;

	if (!json_is_object(obj) || json_object_size(obj) != WA__MAX)
		return cfg_fail(msg, msgsz, "\"approvals\" must have exactly the keys "
		    "assessment, bia, case_plan and closure");
	for (t = 0; t < WA__MAX; t++) {
		a = json_object_get(obj, approval_names[t]);
		if (!json_is_object(a) || json_object_size(a) != 3)
			return cfg_fail(msg, msgsz, "approvals.%s must have exactly the keys "
			    "request, decide and self_approval", approval_names[t]);
		snprintf(what, sizeof(what), "approvals.%s.request", approval_names[t]);
		if ((rc = cfg_roles(json_object_get(a, "request"), 0,
		    &cfg->approvals[t].request, what, msg, msgsz)) != RC_OK)
			return rc;
		snprintf(what, sizeof(what), "approvals.%s.decide", approval_names[t]);
		if ((rc = cfg_roles(json_object_get(a, "decide"), 0,
		    &cfg->approvals[t].decide, what, msg, msgsz)) != RC_OK)
			return rc;
		snprintf(what, sizeof(what), "approvals.%s.self_approval", approval_names[t]);
		if ((rc = cfg_roles(json_object_get(a, "self_approval"), 1,
		    &cfg->approvals[t].self, what, msg, msgsz)) != RC_OK)
			return rc;
		for (i = 0; i < cfg->approvals[t].self.n; i++)
			if (!role_in(&cfg->approvals[t].decide, cfg->approvals[t].self.role[i]))
				return cfg_fail(msg, msgsz, "%s: %s may not decide at all", what,
				    cfg->approvals[t].self.role[i]);
	}
	return RC_OK;
}

static int
cfg_stage_roles(const json_t *root, struct workflow_config *cfg, char *msg, size_t msgsz)
{
	const json_t *obj = json_object_get(root, "stage_roles");
	char what[64];
	int s, rc;

	if (!json_is_object(obj) || json_object_size(obj) != WS__MAX - 1 ||
	    json_object_get(obj, "new") != NULL)
		return cfg_fail(msg, msgsz, "\"stage_roles\" must name the roles for every "
		    "stage but new");
	for (s = 0; s < WS__MAX; s++) {
		if (s == WS_NEW)
			continue;
		snprintf(what, sizeof(what), "stage_roles.%s", stage_names[s]);
		if ((rc = cfg_roles(json_object_get(obj, stage_names[s]), 0,
		    &cfg->stage_roles[s], what, msg, msgsz)) != RC_OK)
			return rc;
	}
	return RC_OK;
}

static int
cfg_parse(const json_t *root, struct workflow_config *cfg, char *msg, size_t msgsz)
{
	static const char *const keys[] = { "_comment", "response_hours",
	    "assessment_days", "case_plan_days", "bid_days", "approval_days",
	    "plan_review_months", "follow_up_days", "stage_roles", "approvals",
	    "consent_age_bands", "domv" };
	long v[WR__MAX];
	const char *key;
	json_t *val;
	char sub[160];
	size_t i;
	int r, known, rc;

	json_object_foreach((json_t *)root, key, val) {
		for (known = 0, i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			known |= strcmp(keys[i], key) == 0;
		if (!known)
			return cfg_fail(msg, msgsz, "unknown key \"%.32s\"", key);
	}
	if ((rc = cfg_per_risk(root, "response_hours", 1, 8760, v, msg, msgsz)) != RC_OK)
		return rc;
	for (r = 0; r < WR__MAX; r++)
		cfg->response_seconds[r] = (int64_t)v[r] * HOUR;
	if ((rc = cfg_per_risk(root, "plan_review_months", 1, 24, v, msg, msgsz)) != RC_OK)
		return rc;
	for (r = 0; r < WR__MAX; r++)
		cfg->review_months[r] = (int)v[r];
	if ((rc = cfg_per_risk(root, "follow_up_days", 1, 365, cfg->follow_up_days, msg,
	    msgsz)) != RC_OK ||
	    (rc = cfg_int(root, "assessment_days", 1, 365, &cfg->assessment_days, msg,
	    msgsz)) != RC_OK ||
	    (rc = cfg_int(root, "case_plan_days", 1, 365, &cfg->case_plan_days, msg,
	    msgsz)) != RC_OK ||
	    (rc = cfg_int(root, "bid_days", 1, 365, &cfg->bid_days, msg, msgsz)) != RC_OK ||
	    (rc = cfg_int(root, "approval_days", 1, 365, &cfg->approval_days, msg,
	    msgsz)) != RC_OK ||
	    (rc = cfg_stage_roles(root, cfg, msg, msgsz)) != RC_OK ||
	    (rc = cfg_approvals(root, cfg, msg, msgsz)) != RC_OK)
		return rc;
	if (consent_rules_load(json_object_get(root, "consent_age_bands"), &cfg->consent,
	    sub, sizeof(sub)) != RC_OK)
		return cfg_fail(msg, msgsz, "%s", sub);
	if (domv_rule_load(json_object_get(root, "domv"), &cfg->domv, sub,
	    sizeof(sub)) != RC_OK)
		return cfg_fail(msg, msgsz, "%s", sub);
	return RC_OK;
}

int
workflow_config_load(const char *json, size_t n, struct workflow_config **out, char *msg,
    size_t msgsz)
{
	struct workflow_config *cfg;
	json_t *root = NULL;
	char why[160];
	int rc;

	*out = NULL;
	if (msg != NULL && msgsz > 0)
		msg[0] = '\0';
	rc = json_parse_bounded(json, n, CONFIG_BYTES_MAX, CONFIG_DEPTH_MAX, 1, &root, why,
	    sizeof(why));
	if (rc != RC_OK) {
		cfg_fail(msg, msgsz, "%s", why);
		return rc;
	}
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL) {
		json_decref(root);
		cfg_fail(msg, msgsz, "out of memory");
		return RC_ENOMEM;
	}
	if ((rc = cfg_parse(root, cfg, msg, msgsz)) != RC_OK) {
		free(cfg);
		cfg = NULL;
	}
	json_decref(root);
	*out = cfg;
	return rc;
}

void
workflow_config_free(struct workflow_config *cfg)
{
	free(cfg);
}

static int
check_role_list(const struct role_list *l, const struct policy *p, const char *what,
    char *msg, size_t msgsz)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!policy_role_exists(p, l->role[i]))
			return cfg_fail(msg, msgsz, "%s: no role %s in roles.json", what,
			    l->role[i]);
	return RC_OK;
}

/* 1 when `id` is a value of `values` (a lookup's array), or the lookup is absent. */
static int
lookup_has(const json_t *values, const char *id)
{
	const json_t *v;
	size_t i;

	if (values == NULL)
		return 1;
	json_array_foreach(values, i, v)
		if (strcmp(json_get_str(v, "id") != NULL ? json_get_str(v, "id") : "", id) == 0)
			return 1;
	return 0;
}

int
workflow_config_check(const struct workflow_config *cfg, const struct policy *p,
    const struct forms *fs, char *msg, size_t msgsz)
{
	const json_t *factors = fs != NULL ? forms_lookup(fs, "lookup-domv-factors") : NULL;
	const json_t *givers = fs != NULL ? forms_lookup(fs, "lookup-consent-source") : NULL;
	char what[64];
	size_t i;
	int s, t, g, rc;

	for (s = 0; p != NULL && s < WS__MAX; s++) {
		snprintf(what, sizeof(what), "stage_roles.%s", stage_names[s]);
		if ((rc = check_role_list(&cfg->stage_roles[s], p, what, msg, msgsz)) != RC_OK)
			return rc;
	}
	for (t = 0; p != NULL && t < WA__MAX; t++) {
		snprintf(what, sizeof(what), "approvals.%s", approval_names[t]);
		if ((rc = check_role_list(&cfg->approvals[t].request, p, what, msg,
		    msgsz)) != RC_OK ||
		    (rc = check_role_list(&cfg->approvals[t].decide, p, what, msg,
		    msgsz)) != RC_OK)
			return rc;
	}
	for (i = 0; i < cfg->domv.ncritical; i++)
		if (!lookup_has(factors, cfg->domv.critical[i]))
			return cfg_fail(msg, msgsz, "domv: critical factor %s is not in "
			    "lookup-domv-factors", cfg->domv.critical[i]);
	for (i = 0; i < cfg->consent.n; i++)
		for (g = 0; g < CONSENT__GIVERS; g++)
			if ((cfg->consent.band[i].consent_by & (1u << g)) &&
			    !lookup_has(givers, consent_giver_name((enum consent_giver)g)))
				return cfg_fail(msg, msgsz, "consent_age_bands[%zu]: %s is "
				    "not in lookup-consent-source", i,
				    consent_giver_name((enum consent_giver)g));
	return RC_OK;
}

const struct domv_rule *
workflow_domv_rule(const struct workflow_config *cfg)
{
	return &cfg->domv;
}

const struct consent_rules *
workflow_consent_rules(const struct workflow_config *cfg)
{
	return &cfg->consent;
}

static enum risk
risk_of(const char *risk_level)
{
	int r = name_index(risk_names, WR_NONE, risk_level);	/* never "none" itself */

	return r < 0 ? WR_NONE : (enum risk)r;
}

int64_t
workflow_response_seconds(const struct workflow_config *cfg, const char *risk_level)
{
	return cfg->response_seconds[risk_of(risk_level)];
}

void
workflow_response_table(const struct workflow_config *cfg, int64_t out[4])
{
	int r;

	for (r = 0; r < WR__MAX; r++)
		out[r] = cfg->response_seconds[r];
}

/* ---- reading the case body ------------------------------------------------------------ */

static int
has_text(const json_t *body, const char *key)
{
	const char *s = json_get_str(body, key);

	return s != NULL && s[0] != '\0';
}

static int
is_value(const json_t *body, const char *key, const char *value)
{
	const char *s = json_get_str(body, key);

	return s != NULL && strcmp(s, value) == 0;
}

/* A valid "YYYY-MM-DD" field, or NULL. */
static const char *
date_field(const json_t *obj, const char *key)
{
	const char *s = json_get_str(obj, key);
	int y, m, d;

	return s != NULL && date_parse(s, &y, &m, &d) == 0 ? s : NULL;
}

/* The later of two dates, either may be NULL. */
static const char *
later(const char *a, const char *b)
{
	if (a == NULL)
		return b;
	if (b == NULL)
		return a;
	return strcmp(a, b) >= 0 ? a : b;
}

static int
approved(const json_t *body, enum workflow_approval a)
{
	return is_value(body, approval_fields[a], "approved");
}

static int
bid_needed(const json_t *body)
{
	return json_is_true(json_object_get(body, "durable_solution_proposed")) ||
	    json_is_true(json_object_get(body, "separation_from_parents_against_will"));
}

static int
array_nonempty(const json_t *body, const char *key)
{
	const json_t *v = json_object_get(body, key);

	return json_is_array(v) && json_array_size(v) > 0;
}

/* Why the case may not close for want of a reason; NULL when it has one. */
static const struct workflow_why *
closure_reason_missing(const json_t *body)
{
	if (!has_text(body, "closure_reason"))
		return &W_NEEDS_REASON;
	if (is_value(body, "closure_reason", "other") && !has_text(body,
	    "closure_reason_other"))
		return &W_NEEDS_OTHER;
	return NULL;
}

/* What stage `to` needs of the case; NULL when it has it. */
static const struct workflow_why *
stage_unmet(enum workflow_stage to, const json_t *body)
{
	switch (to) {
	case WS_ASSESSMENT:
		if (date_field(body, "initial_assessment_date") == NULL)
			return &W_NEEDS_INITIAL;
		if (!has_text(body, "risk_level"))
			return &W_NEEDS_RISK;
		return NULL;
	case WS_CASE_PLAN:
		return approved(body, WA_ASSESSMENT) || approved(body, WA_BIA) ? NULL :
		    &W_NEEDS_ASSESSMENT_OK;
	case WS_IMPLEMENTATION:
	case WS_FOLLOW_UP:
		if (!approved(body, WA_CASE_PLAN))
			return &W_NEEDS_PLAN_OK;
		if (bid_needed(body) && !is_value(body, "bid_decision", "approve"))
			return &W_NEEDS_BID;
		return NULL;
	case WS_CLOSURE_REQUESTED:
		return closure_reason_missing(body);
	case WS_CLOSED:
		return approved(body, WA_CLOSURE) ? NULL : &W_NEEDS_CLOSURE_OK;
	default:
		return NULL;
	}
}

/* ---- transitions ---------------------------------------------------------------------- */

static int
refuse(struct workflow_why *why, const struct workflow_why *rule, int rc)
{
	if (why != NULL)
		*why = *rule;
	return rc;
}

int
workflow_check(const struct workflow_config *cfg, const char *role, const char *from,
    const char *to, const json_t *body, struct workflow_why *why)
{
	const struct workflow_why *unmet;
	int f = workflow_stage_parse(from), t = workflow_stage_parse(to);

	if (why != NULL)
		why->rule = why->message = NULL;
	if (f < 0 || t < 0)
		return refuse(why, &W_STAGE_UNKNOWN, RC_EINVALID);
	if (f == t)
		return refuse(why, &W_STAGE_SAME, RC_EINVALID);
	if (!(next_stages[f] & S(t)))
		return refuse(why, &W_NOT_ALLOWED, RC_EINVALID);
	if (!role_in(&cfg->stage_roles[t], role))
		return refuse(why, &W_ROLE, RC_EDENIED);
	if ((unmet = stage_unmet((enum workflow_stage)t, json_is_object(body) ? body :
	    NULL)) != NULL)
		return refuse(why, unmet, RC_EINVALID);
	return RC_OK;
}

size_t
workflow_options(const struct workflow_config *cfg, const char *role, const char *from,
    const json_t *body, struct workflow_option out[WS__MAX])
{
	int f = workflow_stage_parse(from), t;
	size_t n = 0;

	if (f < 0)
		return 0;
	for (t = 0; t < WS__MAX; t++) {
		if (!(next_stages[f] & S(t)))
			continue;
		out[n].to = (enum workflow_stage)t;
		out[n].rc = workflow_check(cfg, role, from, stage_names[t], body, &out[n].why);
		n++;
	}
	return n;
}

int
workflow_transition_apply(json_t *body, const char *from, const char *to,
    const struct workflow_actor *who, const char *today)
{
	static const char *const closure_fields[] = { "closure_reason",
	    "closure_reason_other", "date_closure" };
	json_t *logs, *entry;
	size_t i;
	int t = workflow_stage_parse(to), a;

	if (!json_is_object(body) || workflow_stage_parse(from) < 0 || t < 0)
		return RC_EINVALID;
	for (a = 0; a < WA__MAX; a++)
		if (stage_clears[t] & S(a))
			json_object_del(body, approval_fields[a]);
	if (t == WS_CLOSED && date_field(body, "date_closure") == NULL && today != NULL &&
	    json_object_set_new(body, "date_closure", json_string(today)) != 0)
		return RC_ENOMEM;
	if (t != WS_REOPENED)
		return RC_OK;
	for (i = 0; i < sizeof(closure_fields) / sizeof(closure_fields[0]); i++)
		json_object_del(body, closure_fields[i]);
	if ((logs = json_object_get(body, "reopened_logs")) == NULL || !json_is_array(logs)) {
		if (json_object_set_new(body, "reopened_logs", json_array()) != 0)
			return RC_ENOMEM;
		logs = json_object_get(body, "reopened_logs");
	}
	if ((entry = json_object()) == NULL)
		return RC_ENOMEM;
	if ((today != NULL && json_object_set_new(entry, "reopened_date",
	    json_string(today)) != 0) || (who != NULL && who->id != NULL &&
	    json_object_set_new(entry, "reopened_user", json_string(who->id)) != 0)) {
		json_decref(entry);
		return RC_ENOMEM;
	}
	if (json_array_append_new(logs, entry) != 0)	/* releases `entry` */
		return RC_ENOMEM;
	if (json_object_set_new(body, "case_status_reopened", json_true()) != 0)
		return RC_ENOMEM;
	return RC_OK;
}

/* ---- approvals ------------------------------------------------------------------------ */

/* The latest entry of approval_subforms that requests approval `type`, or NULL. */
static const json_t *
pending_request(const json_t *body, enum workflow_approval type)
{
	const json_t *arr = json_object_get(body, "approval_subforms"), *e, *found = NULL;
	size_t i;

	json_array_foreach(arr, i, e)
		if (is_value(e, "approval_requested_for", approval_names[type]) &&
		    is_value(e, "approval_status", "requested"))
			found = e;
	return found;
}

/* Why approval `type` may not be requested for want of content; NULL when it may. */
static const struct workflow_why *
content_missing(enum workflow_approval type, const json_t *body)
{
	switch (type) {
	case WA_ASSESSMENT:
		return date_field(body, "comprehensive_assessment_date") != NULL ? NULL :
		    &W_A_NEEDS_ASSESSMENT;
	case WA_BIA:
		return array_nonempty(body, "bia_subform_section") ? NULL : &W_A_NEEDS_BIA;
	case WA_CASE_PLAN:
		return date_field(body, "date_case_plan") != NULL && array_nonempty(body,
		    "cp_case_plan_subform_case_plan_interventions") ? NULL :
		    &W_A_NEEDS_PLAN;
	case WA_CLOSURE:
		return closure_reason_missing(body);
	default:
		return &W_A_TYPE;
	}
}

int
workflow_approval_check(const struct workflow_config *cfg,
    const struct workflow_actor *who, const char *type, const char *status,
    const char *comment, const struct record_meta *m, const json_t *body,
    struct workflow_why *why)
{
	const struct workflow_why *missing;
	const json_t *req;
	const char *current, *requester;
	int t = workflow_approval_parse(type), st = workflow_approval_status_parse(status);
	int stage, self;

	if (why != NULL)
		why->rule = why->message = NULL;
	if (t < 0)
		return refuse(why, &W_A_TYPE, RC_EINVALID);
	if (st < 0)
		return refuse(why, &W_A_STATUS, RC_EINVALID);
	if (who == NULL || m == NULL || !json_is_object(body))
		return refuse(why, &W_A_STAGE, RC_EINVALID);
	stage = workflow_stage_parse(m->workflow);
	if (stage == WS_CLOSED || strcmp(m->status, "closed") == 0)
		return refuse(why, &W_A_CLOSED, RC_EINVALID);
	if (stage < 0 || !(approval_stages[t] & S(stage)))
		return refuse(why, &W_A_STAGE, RC_EINVALID);
	current = json_get_str(body, approval_fields[t]);
	if (st == WAS_REQUESTED) {
		if (!role_in(&cfg->approvals[t].request, who->role))
			return refuse(why, &W_A_ROLE_REQUEST, RC_EDENIED);
		if (current != NULL && strcmp(current, "requested") == 0)
			return refuse(why, &W_A_PENDING, RC_EINVALID);
		if ((missing = content_missing((enum workflow_approval)t, body)) != NULL)
			return refuse(why, missing, RC_EINVALID);
		return RC_OK;
	}
	if (!role_in(&cfg->approvals[t].decide, who->role))
		return refuse(why, &W_A_ROLE_DECIDE, RC_EDENIED);
	if (current == NULL || strcmp(current, "requested") != 0)
		return refuse(why, &W_A_NOTHING, RC_EINVALID);
	req = pending_request(body, (enum workflow_approval)t);
	requester = req != NULL ? json_get_str(req, "requested_by") : NULL;
	self = who->id != NULL && who->id[0] != '\0' && ((requester != NULL &&
	    strcmp(requester, who->id) == 0) || strcmp(m->owner_id, who->id) == 0);
	if (self && !role_in(&cfg->approvals[t].self, who->role))
		return refuse(why, &W_A_SELF, RC_EDENIED);
	if (st == WAS_REJECTED && (comment == NULL || comment[0] == '\0'))
		return refuse(why, &W_A_COMMENT, RC_EINVALID);
	return RC_OK;
}

int
workflow_approval_apply(json_t *body, const struct workflow_actor *who, const char *type,
    const char *status, const char *comment, const char *today)
{
	json_t *arr, *e;
	int t = workflow_approval_parse(type), st = workflow_approval_status_parse(status);
	int bad = 0;

	if (!json_is_object(body) || t < 0 || st < 0 || today == NULL)
		return RC_EINVALID;
	if ((arr = json_object_get(body, "approval_subforms")) == NULL ||
	    !json_is_array(arr)) {
		if (json_object_set_new(body, "approval_subforms", json_array()) != 0)
			return RC_ENOMEM;
		arr = json_object_get(body, "approval_subforms");
	}
	if ((e = json_object()) == NULL)
		return RC_ENOMEM;
	bad |= json_object_set_new(e, st == WAS_REQUESTED ? "approval_requested_for" :
	    "approval_response_for", json_string(approval_names[t]));
	bad |= json_object_set_new(e, "approval_status", json_string(status));
	bad |= json_object_set_new(e, "approval_date", json_string(today));
	if (who != NULL && who->id != NULL)
		bad |= json_object_set_new(e, st == WAS_REQUESTED ? "requested_by" :
		    "approved_by", json_string(who->id));
	if (comment != NULL && comment[0] != '\0')
		bad |= json_object_set_new(e, "approval_manager_comments",
		    json_string(comment));
	if (bad) {
		json_decref(e);
		return RC_ENOMEM;
	}
	if (json_array_append_new(arr, e) != 0 ||
	    json_object_set_new(body, approval_fields[t], json_string(status)) != 0)
		return RC_ENOMEM;
	return RC_OK;
}

/* ---- deadlines ------------------------------------------------------------------------ */

struct due_ctx {
	const struct workflow_config	*cfg;
	const struct deadline_tz	*tz;
	int64_t				 now;
	struct workflow_due		*out;
	size_t				 n;
};

static void
due_at(struct due_ctx *c, enum workflow_due_kind kind, enum workflow_approval a,
    int64_t when)
{
	struct workflow_due *d;

	if (c->n >= WORKFLOW_DUE_MAX)
		return;
	d = &c->out[c->n++];
	d->kind = kind;
	d->approval = a;
	d->due_at = when;
	/* the day it is due: the local day of its last second */
	deadline_local_date(c->tz, when - 1, d->due_date);
	d->overdue = c->now >= when;
}

/* Due by the end of local day `date` + `days`; nothing when the date is bad. */
static void
due_on(struct due_ctx *c, enum workflow_due_kind kind, enum workflow_approval a,
    const char *date, long days)
{
	char day[DATE_SIZE];
	int64_t end;

	if (date != NULL && deadline_add_days(date, days, day) == RC_OK &&
	    deadline_day_end(c->tz, day, &end) == RC_OK)
		due_at(c, kind, a, end);
}

/* The date of the latest approval_subforms decision that approved `type`, or NULL. */
static const char *
approved_on(const json_t *body, enum workflow_approval type)
{
	const json_t *e;
	const char *found = NULL;
	size_t i;

	json_array_foreach(json_object_get(body, "approval_subforms"), i, e)
		if (is_value(e, "approval_response_for", approval_names[type]) &&
		    is_value(e, "approval_status", "approved"))
			found = later(found, date_field(e, "approval_date"));
	return found;
}

/* The plan's review and follow-up deadlines. */
static void
due_follow_up(struct due_ctx *c, const json_t *body, enum risk r)
{
	const char *plan = approved_on(body, WA_CASE_PLAN), *review = NULL, *visit = NULL;
	const char *planned = NULL, *d;
	const json_t *e;
	char when[DATE_SIZE];
	size_t i;
	int64_t end;

	if (plan == NULL)
		plan = date_field(body, "date_case_plan");
	json_array_foreach(json_object_get(body, "followup_subform_section"), i, e) {
		if ((d = date_field(e, "followup_date")) != NULL) {
			visit = later(visit, d);
			if (is_value(e, "followup_type", "case_plan_review"))
				review = later(review, d);
		} else if ((d = date_field(e, "followup_needed_by_date")) != NULL &&
		    (planned == NULL || strcmp(d, planned) < 0))
			planned = d;
	}
	if ((d = later(plan, review)) != NULL &&
	    deadline_add_months(d, c->cfg->review_months[r], when) == RC_OK &&
	    deadline_day_end(c->tz, when, &end) == RC_OK)
		due_at(c, WDK_PLAN_REVIEW, WA_ASSESSMENT, end);
	if (planned != NULL)
		due_on(c, WDK_FOLLOW_UP, WA_ASSESSMENT, planned, 0);
	else if ((d = later(plan, visit)) != NULL)
		due_on(c, WDK_FOLLOW_UP, WA_ASSESSMENT, d, c->cfg->follow_up_days[r]);
}

size_t
workflow_deadlines(const struct workflow_config *cfg, const struct record_meta *m,
    const json_t *body, int64_t now, const struct deadline_tz *tz,
    struct workflow_due out[WORKFLOW_DUE_MAX])
{
	struct due_ctx c = { cfg, tz, now, out, 0 };
	const json_t *req;
	const char *reg, *base, *d;
	char created[DATE_SIZE], assess_due[DATE_SIZE];
	int64_t start;
	enum risk r;
	int stage, a;

	if (cfg == NULL || m == NULL || !json_is_object(body) ||
	    strcmp(m->status, "closed") == 0)
		return 0;
	stage = workflow_stage_parse(m->workflow);
	if (stage < 0 || stage == WS_CLOSED)
		return 0;
	r = risk_of(m->risk_level);
	deadline_local_date(tz, m->created_at, created);
	reg = date_field(body, "registration_date");
	if (reg == NULL || strcmp(reg, created) > 0)
		reg = created;		/* a registration date after creation is a typo */

	if (stage == WS_NEW && date_field(body, "initial_assessment_date") == NULL) {
		start = m->created_at;
		if (strcmp(reg, created) < 0 && deadline_day_start(tz, reg, &start) != RC_OK)
			start = m->created_at;
		due_at(&c, WDK_RESPONSE, WA_ASSESSMENT, start + cfg->response_seconds[r]);
	}
	if ((stage == WS_NEW || stage == WS_ASSESSMENT) &&
	    date_field(body, "comprehensive_assessment_date") == NULL)
		due_on(&c, WDK_ASSESSMENT, WA_ASSESSMENT, reg, cfg->assessment_days);
	if ((stage == WS_NEW || stage == WS_ASSESSMENT || stage == WS_CASE_PLAN) &&
	    date_field(body, "date_case_plan") == NULL) {
		/* after the assessment, or after the day it is due when not done yet */
		base = date_field(body, "comprehensive_assessment_date");
		if (base == NULL && deadline_add_days(reg, cfg->assessment_days,
		    assess_due) == RC_OK)
			base = assess_due;
		due_on(&c, WDK_CASE_PLAN, WA_ASSESSMENT, base, cfg->case_plan_days);
	}
	if (stage == WS_IMPLEMENTATION || stage == WS_FOLLOW_UP)
		due_follow_up(&c, body, r);
	if ((stage == WS_CASE_PLAN || stage == WS_IMPLEMENTATION || stage == WS_FOLLOW_UP) &&
	    bid_needed(body) && !is_value(body, "bid_decision", "approve")) {
		if (is_value(body, "bid_decision", "defer") &&
		    (d = date_field(body, "bid_followup_date")) != NULL)
			due_on(&c, WDK_BID, WA_ASSESSMENT, d, 0);
		else {
			base = date_field(body, "date_case_plan");
			due_on(&c, WDK_BID, WA_ASSESSMENT, base != NULL ? base : reg,
			    cfg->bid_days);
		}
	}
	for (a = 0; a < WA__MAX; a++) {
		if (!is_value(body, approval_fields[a], "requested"))
			continue;
		req = pending_request(body, (enum workflow_approval)a);
		d = req != NULL ? date_field(req, "approval_date") : NULL;
		due_on(&c, WDK_APPROVAL, (enum workflow_approval)a, d != NULL ? d : reg,
		    cfg->approval_days);
	}
	return c.n;
}

json_t *
workflow_due_to_json(const struct workflow_due *due, size_t n)
{
	char iso[CLOCK_ISO_SIZE];
	json_t *arr, *o;
	size_t i;

	if ((arr = json_array()) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		clock_iso(due[i].due_at, iso);
		o = json_pack("{s:s, s:s, s:s, s:b}", "kind", due_names[due[i].kind],
		    "due_at", iso, "due_date", due[i].due_date, "overdue", due[i].overdue);
		if (o != NULL && due[i].kind == WDK_APPROVAL &&
		    json_object_set_new(o, "approval",
		    json_string(approval_names[due[i].approval])) != 0) {
			json_decref(o);
			o = NULL;
		}
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}
