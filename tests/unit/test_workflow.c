/*
 * test_workflow.c — the case management rules: stages and who may move a case, the
 * supervisor's approvals, deadlines (risk levels, months, time zones, daylight saving),
 * the DoMV vulnerability profile and its suggested risk level, consent by age band.
 * These rules protect children: each refusal is checked with the rule that refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/embed.h"
#include "base/err.h"
#include "domain/consent.h"
#include "domain/deadline.h"
#include "domain/domv.h"
#include "domain/form.h"
#include "domain/policy.h"
#include "domain/workflow.h"

#define CW_ID	"11111111-1111-4111-8111-111111111111"	/* the caseworker who owns */
#define SV_ID	"22222222-2222-4222-8222-222222222222"	/* their supervisor */
#define SV2_ID	"33333333-3333-4333-8333-333333333333"	/* another supervisor */

struct fixture {
	struct workflow_config	*cfg;
	struct policy		*policy;
	struct forms		*forms;
};

static const struct workflow_actor caseworker = { CW_ID, "caseworker" };
static const struct workflow_actor supervisor = { SV_ID, "supervisor" };
static const struct workflow_actor supervisor2 = { SV2_ID, "supervisor" };

/* ---- helpers ------------------------------------------------------------------------- */

static json_t *
parse(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);

	if (j == NULL)
		fail_msg("test JSON: %s: %s", jerr.text, text);
	return j;
}

static const struct embed_file *
embedded(const char *path)
{
	const struct embed_file *e = embed_find(path);

	if (e == NULL)
		fail_msg("%s is not embedded", path);
	return e;
}

static int64_t
utc(int y, int m, int d, int hh, int mm)
{
	return date_days(y, m, d) * 86400 + hh * 3600 + mm * 60;
}

static struct record_meta
meta(const char *stage, const char *risk, int64_t created)
{
	struct record_meta m;

	memset(&m, 0, sizeof(m));
	str_copy(m.type, sizeof(m.type), "case");
	str_copy(m.status, sizeof(m.status), workflow_stage_status(stage) != NULL ?
	    workflow_stage_status(stage) : "open");
	str_copy(m.workflow, sizeof(m.workflow), stage);
	str_copy(m.risk_level, sizeof(m.risk_level), risk);
	str_copy(m.owner_id, sizeof(m.owner_id), CW_ID);
	m.created_at = created;
	m.updated_at = created;
	return m;
}

static int
setup(void **state)
{
	const struct embed_file *wf = embedded("config/workflow.json");
	const struct embed_file *roles = embedded("config/roles.json");
	struct fixture *f = calloc(1, sizeof(*f));
	char msg[256];
	size_t i;

	assert_non_null(f);
	if (workflow_config_load(wf->data, wf->len, &f->cfg, msg, sizeof(msg)) != RC_OK)
		fail_msg("workflow.json: %s", msg);
	if (policy_load(roles->data, roles->len, &f->policy, msg, sizeof(msg)) != RC_OK)
		fail_msg("roles.json: %s", msg);
	f->forms = forms_new();
	assert_non_null(f->forms);
	for (i = 0; i < embed_count; i++)
		if (strncmp(embed_files[i].path, "config/lookups/", 15) == 0 &&
		    forms_add_lookup(f->forms, embed_files[i].data, embed_files[i].len, msg,
		    sizeof(msg)) != RC_OK)
			fail_msg("%s: %s", embed_files[i].path, msg);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	workflow_config_free(f->cfg);
	policy_free(f->policy);
	forms_free(f->forms);
	free(f);
	return 0;
}

/* The shipped workflow.json with `from` replaced by `to` (once). */
static char *
config_edited(const char *from, const char *to)
{
	const struct embed_file *wf = embedded("config/workflow.json");
	const char *at = strstr(wf->data, from);
	char *out;
	size_t head, n;

	if (at == NULL)
		fail_msg("workflow.json has no \"%s\"", from);
	head = (size_t)(at - wf->data);
	n = wf->len - strlen(from) + strlen(to);
	out = malloc(n + 1);
	assert_non_null(out);
	memcpy(out, wf->data, head);
	memcpy(out + head, to, strlen(to));
	memcpy(out + head + strlen(to), at + strlen(from), wf->len - head - strlen(from));
	out[n] = '\0';
	return out;
}

static struct workflow_config *
config_with(const char *from, const char *to)
{
	struct workflow_config *cfg;
	char *text = config_edited(from, to), msg[256];

	if (workflow_config_load(text, strlen(text), &cfg, msg, sizeof(msg)) != RC_OK)
		fail_msg("edited workflow.json: %s", msg);
	free(text);
	return cfg;
}

static void
assert_config_rejected(const char *from, const char *to, const char *expect)
{
	struct workflow_config *cfg = (struct workflow_config *)1;
	char *text = config_edited(from, to), msg[256];

	if (workflow_config_load(text, strlen(text), &cfg, msg, sizeof(msg)) != RC_EINVALID)
		fail_msg("accepted: \"%s\" for \"%s\"", to, from);
	assert_null(cfg);
	if (strstr(msg, expect) == NULL)
		fail_msg("expected \"%s\", got \"%s\"", expect, msg);
	free(text);
}

/* workflow_check with the body `text`, expecting `rc` and, on refusal, `rule`. */
static void
assert_move(const struct workflow_config *cfg, const char *role, const char *from,
    const char *to, const char *text, int rc, const char *rule)
{
	struct workflow_why why;
	json_t *body = parse(text);
	int got = workflow_check(cfg, role, from, to, body, &why);

	if (got != rc)
		fail_msg("%s %s -> %s: rc %d (%s), expected %d (%s)", role, from, to, got,
		    why.rule != NULL ? why.rule : "-", rc, rule != NULL ? rule : "-");
	if (rule != NULL) {
		assert_non_null(why.rule);
		assert_string_equal(why.rule, rule);
		assert_non_null(why.message);
		assert_true(strlen(why.message) > 20);
	} else
		assert_null(why.rule);
	json_decref(body);
}

static int
approval(const struct workflow_config *cfg, const struct workflow_actor *who,
    const char *type, const char *status, const char *comment, const char *stage,
    const json_t *body, struct workflow_why *why)
{
	struct record_meta m = meta(stage, "medium", utc(2025, 6, 1, 9, 0));

	return workflow_approval_check(cfg, who, type, status, comment, &m, body, why);
}

static void
assert_approval(const struct workflow_config *cfg, const struct workflow_actor *who,
    const char *type, const char *status, const char *comment, const char *stage,
    const json_t *body, int rc, const char *rule)
{
	struct workflow_why why;
	int got = approval(cfg, who, type, status, comment, stage, body, &why);

	if (got != rc)
		fail_msg("%s %s %s at %s: rc %d (%s), expected %d (%s)", who->role, status,
		    type, stage, got, why.rule != NULL ? why.rule : "-", rc,
		    rule != NULL ? rule : "-");
	if (rule != NULL)
		assert_string_equal(why.rule, rule);
}

/* The deadline of `kind` (and approval `a` for WDK_APPROVAL) among `due`, or NULL. */
static const struct workflow_due *
find_due(const struct workflow_due *due, size_t n, enum workflow_due_kind kind,
    enum workflow_approval a)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (due[i].kind == kind && (kind != WDK_APPROVAL || due[i].approval == a))
			return &due[i];
	return NULL;
}

static size_t
deadlines(const struct workflow_config *cfg, const char *stage, const char *risk,
    int64_t created, const char *text, int64_t now, const struct deadline_tz *tz,
    struct workflow_due out[WORKFLOW_DUE_MAX])
{
	struct record_meta m = meta(stage, risk, created);
	json_t *body = parse(text);
	size_t n = workflow_deadlines(cfg, &m, body, now, tz, out);

	json_decref(body);
	return n;
}

static void
assert_due(const struct workflow_due *d, int64_t due_at, const char *date, int overdue)
{
	char a[CLOCK_ISO_SIZE], b[CLOCK_ISO_SIZE];

	assert_non_null(d);
	if (d->due_at != due_at) {
		clock_iso(d->due_at, a);
		clock_iso(due_at, b);
		fail_msg("%s due at %s, expected %s", workflow_due_kind_name(d->kind), a, b);
	}
	assert_string_equal(d->due_date, date);
	assert_int_equal(d->overdue, overdue);
}

/* ---- configuration ----------------------------------------------------------------- */

static void
test_shipped_config_loads_and_agrees_with_roles_and_lookups(void **state)
{
	struct fixture *f = *state;
	char msg[256];
	int64_t t[4];

	assert_int_equal(workflow_config_check(f->cfg, f->policy, f->forms, msg,
	    sizeof(msg)), RC_OK);
	workflow_response_table(f->cfg, t);
	assert_int_equal(t[0], 24 * 3600);		/* high */
	assert_int_equal(t[1], 3 * 86400);		/* medium */
	assert_int_equal(t[2], 7 * 86400);		/* low */
	assert_int_equal(t[3], 3 * 86400);		/* not set yet */
	assert_int_equal(workflow_response_seconds(f->cfg, "high"), 24 * 3600);
	assert_int_equal(workflow_response_seconds(f->cfg, ""), 3 * 86400);
	assert_int_equal(workflow_response_seconds(f->cfg, "none"), 3 * 86400);
	assert_int_equal(workflow_response_seconds(f->cfg, "severe"), 3 * 86400);
	assert_int_equal(workflow_consent_rules(f->cfg)->n, 5);
	assert_int_equal(workflow_domv_rule(f->cfg)->ncritical, 4);
}

static void
test_response_times_are_configurable(void **state)
{
	struct workflow_config *cfg = config_with("\"high\": 24, \"medium\": 72",
	    "\"high\": 12, \"medium\": 48");

	(void)state;
	assert_int_equal(workflow_response_seconds(cfg, "high"), 12 * 3600);
	assert_int_equal(workflow_response_seconds(cfg, "medium"), 48 * 3600);
	assert_int_equal(workflow_response_seconds(cfg, "low"), 7 * 86400);
	workflow_config_free(cfg);
}

static void
test_malformed_configs_are_rejected_with_a_message(void **state)
{
	(void)state;
	assert_config_rejected("\"assessment_days\": 14,", "", "\"assessment_days\" must be");
	assert_config_rejected("\"bid_days\": 30,", "\"bid_days\": 0,", "\"bid_days\" must be");
	assert_config_rejected("\"high\": 24, \"medium\": 72", "\"high\": 0, \"medium\": 72",
	    "\"response_hours\".high must be");
	assert_config_rejected("\"low\": 168, ", "", "\"response_hours\" must have exactly");
	assert_config_rejected("\"approval_days\": 3,", "\"approval_days\": 3, \"colour\": 1,",
	    "unknown key \"colour\"");
	assert_config_rejected("\"reopened\": [\"supervisor\"]", "\"reopened\": []",
	    "stage_roles.reopened must be an array of 1");
	assert_config_rejected("\"reopened\": [\"supervisor\"]",
	    "\"reopened\": [\"supervisor\"], \"new\": [\"caseworker\"]",
	    "every stage but new");
	assert_config_rejected("\"decide\": [\"supervisor\"], \"self_approval\": []}",
	    "\"decide\": [\"supervisor\"], \"self_approval\": [\"caseworker\"]}",
	    "approvals.assessment.self_approval: caseworker may not decide at all");
	assert_config_rejected("{\"from\": 6, \"to\": 11", "{\"from\": 7, \"to\": 11",
	    "consent_age_bands[1]: \"from\" must continue");
	assert_config_rejected("{\"from\": 18, \"to\": 120", "{\"from\": 18, \"to\": 99",
	    "the last band must end at 120");
	assert_config_rejected("\"consent_by\": [\"child\"], \"child_assent\": false, "
	    "\"assent_alone_without_caregiver\": false},\n  {\"from\": 18",
	    "\"consent_by\": [\"pet\"], \"child_assent\": false, "
	    "\"assent_alone_without_caregiver\": false},\n  {\"from\": 18",
	    "\"consent_by\" must be");
	assert_config_rejected("\"community_armed_groups\"]", "\"armed_groups\"]",
	    "domv: \"critical_factors\" holds something");
	assert_config_rejected("\"individual_risks\": 3", "\"individual_risks\": -1",
	    "domv: \"high\" must be");
	assert_config_rejected("\"urgent_concern_is_high\": true",
	    "\"urgent_concern_is_high\": 1", "urgent_concern_is_high");
	assert_config_rejected("\"response_hours\"", "\"response_hour\"",
	    "unknown key \"response_hour\"");
	assert_config_rejected("{\n \"_comment\"", "[{\n \"_comment\"", "");
}

static void
test_config_naming_an_unknown_role_or_factor_fails_the_check(void **state)
{
	struct fixture *f = *state;
	struct workflow_config *cfg;
	char msg[256];

	cfg = config_with("\"reopened\": [\"supervisor\"]", "\"reopened\": [\"director\"]");
	assert_int_equal(workflow_config_check(cfg, f->policy, f->forms, msg, sizeof(msg)),
	    RC_EINVALID);
	assert_non_null(strstr(msg, "stage_roles.reopened: no role director"));
	workflow_config_free(cfg);
	cfg = config_with("\"community_armed_groups\"]", "\"community_dragons\"]");
	assert_int_equal(workflow_config_check(cfg, f->policy, f->forms, msg, sizeof(msg)),
	    RC_EINVALID);
	assert_non_null(strstr(msg, "community_dragons is not in lookup-domv-factors"));
	workflow_config_free(cfg);
}

/* ---- transitions ------------------------------------------------------------------- */

/* A case that has everything every stage needs. */
#define COMPLETE "{\"initial_assessment_date\":\"2025-06-01\",\"risk_level\":\"medium\"," \
	"\"approval_status_assessment\":\"approved\",\"approval_status_case_plan\":" \
	"\"approved\",\"approval_status_closure\":\"approved\",\"closure_reason\":" \
	"\"reunified\"}"

static void
test_the_transition_table_allows_exactly_these_moves(void **state)
{
	static const char *const allowed[] = {
		"new>assessment", "new>closure_requested",
		"assessment>case_plan", "assessment>closure_requested",
		"case_plan>implementation", "case_plan>assessment",
		"case_plan>closure_requested",
		"implementation>follow_up", "implementation>case_plan",
		"implementation>assessment", "implementation>closure_requested",
		"follow_up>implementation", "follow_up>case_plan", "follow_up>assessment",
		"follow_up>closure_requested",
		"closure_requested>closed", "closure_requested>assessment",
		"closure_requested>case_plan", "closure_requested>implementation",
		"closure_requested>follow_up",
		"closed>reopened",
		"reopened>assessment", "reopened>case_plan", "reopened>implementation",
		"reopened>closure_requested",
	};
	struct fixture *f = *state;
	char pair[64];
	size_t i;
	int from, to, want, n = 0;

	for (from = 0; from < WS__MAX; from++)
		for (to = 0; to < WS__MAX; to++) {
			snprintf(pair, sizeof(pair), "%s>%s", workflow_stage_name(from),
			    workflow_stage_name(to));
			for (want = 0, i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
				want |= strcmp(allowed[i], pair) == 0;
			n += want;
			assert_move(f->cfg, "supervisor", workflow_stage_name(from),
			    workflow_stage_name(to), COMPLETE, want ? RC_OK : RC_EINVALID,
			    want ? NULL : from == to ? "stage.same" :
			    "transition.not_allowed");
		}
	assert_int_equal(n, sizeof(allowed) / sizeof(allowed[0]));
	/* nothing ever goes back to new */
	for (from = 0; from < WS__MAX; from++)
		if (from != WS_NEW)
			assert_move(f->cfg, "supervisor", workflow_stage_name(from), "new",
			    COMPLETE, RC_EINVALID, "transition.not_allowed");
}

static void
test_unknown_stages_are_refused(void **state)
{
	struct fixture *f = *state;

	assert_move(f->cfg, "supervisor", "new", "done", COMPLETE, RC_EINVALID,
	    "stage.unknown");
	assert_move(f->cfg, "supervisor", "archived", "closed", COMPLETE, RC_EINVALID,
	    "stage.unknown");
	assert_int_equal(workflow_check(f->cfg, "supervisor", NULL, "closed", NULL, NULL),
	    RC_EINVALID);
	assert_null(workflow_stage_status("archived"));
	assert_string_equal(workflow_stage_status("closed"), "closed");
	assert_string_equal(workflow_stage_status("closure_requested"), "open");
	assert_string_equal(workflow_stage_status("reopened"), "open");
}

static void
test_roles_that_may_not_move_cases_are_denied_every_move(void **state)
{
	static const char *const roles[] = { "ftr_officer", "ct_officer",
	    "referral_partner", "mne_officer", "dpo", "admin", "", "root" };
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		assert_move(f->cfg, roles[i], "new", "assessment", COMPLETE, RC_EDENIED,
		    "transition.role");
		assert_move(f->cfg, roles[i], "closure_requested", "closed", COMPLETE,
		    RC_EDENIED, "transition.role");
		assert_move(f->cfg, roles[i], "closed", "reopened", COMPLETE, RC_EDENIED,
		    "transition.role");
	}
	assert_int_equal(workflow_check(f->cfg, NULL, "new", "assessment", NULL, NULL),
	    RC_EDENIED);
}

static void
test_assessment_needs_the_initial_assessment_and_a_risk_level(void **state)
{
	struct fixture *f = *state;

	assert_move(f->cfg, "caseworker", "new", "assessment", "{}", RC_EINVALID,
	    "assessment.needs_initial_assessment");
	assert_move(f->cfg, "caseworker", "new", "assessment",
	    "{\"initial_assessment_date\":\"2025-13-01\",\"risk_level\":\"high\"}",
	    RC_EINVALID, "assessment.needs_initial_assessment");
	assert_move(f->cfg, "caseworker", "new", "assessment",
	    "{\"initial_assessment_date\":\"2025-06-01\"}", RC_EINVALID,
	    "assessment.needs_risk_level");
	assert_move(f->cfg, "caseworker", "new", "assessment",
	    "{\"initial_assessment_date\":\"2025-06-01\",\"risk_level\":\"\"}", RC_EINVALID,
	    "assessment.needs_risk_level");
	assert_move(f->cfg, "caseworker", "new", "assessment",
	    "{\"initial_assessment_date\":\"2025-06-01\",\"risk_level\":\"low\"}", RC_OK,
	    NULL);
}

static void
test_case_planning_needs_an_approved_assessment_or_bia(void **state)
{
	struct fixture *f = *state;
	static const char *const refused[] = {
		"{}",
		"{\"approval_status_assessment\":\"requested\"}",
		"{\"approval_status_assessment\":\"rejected\"}",
		"{\"approval_status_bia\":\"requested\",\"approval_subforms\":[{"
		    "\"approval_response_for\":\"assessment\",\"approval_status\":"
		    "\"approved\",\"approval_date\":\"2025-06-01\"}]}",
	};
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		assert_move(f->cfg, "caseworker", "assessment", "case_plan", refused[i],
		    RC_EINVALID, "case_plan.needs_approved_assessment");
	assert_move(f->cfg, "caseworker", "assessment", "case_plan",
	    "{\"approval_status_assessment\":\"approved\"}", RC_OK, NULL);
	assert_move(f->cfg, "caseworker", "assessment", "case_plan",
	    "{\"approval_status_bia\":\"approved\"}", RC_OK, NULL);
	assert_move(f->cfg, "caseworker", "reopened", "case_plan", "{}", RC_EINVALID,
	    "case_plan.needs_approved_assessment");
}

static void
test_implementation_needs_an_approved_plan(void **state)
{
	struct fixture *f = *state;

	assert_move(f->cfg, "caseworker", "case_plan", "implementation", "{}", RC_EINVALID,
	    "implementation.needs_approved_plan");
	assert_move(f->cfg, "caseworker", "case_plan", "implementation",
	    "{\"approval_status_case_plan\":\"requested\"}", RC_EINVALID,
	    "implementation.needs_approved_plan");
	assert_move(f->cfg, "caseworker", "case_plan", "implementation",
	    "{\"approval_status_case_plan\":\"rejected\"}", RC_EINVALID,
	    "implementation.needs_approved_plan");
	assert_move(f->cfg, "caseworker", "case_plan", "implementation",
	    "{\"approval_status_case_plan\":\"approved\"}", RC_OK, NULL);
	assert_move(f->cfg, "caseworker", "closure_requested", "follow_up",
	    "{\"approval_status_case_plan\":\"rejected\"}", RC_EINVALID,
	    "implementation.needs_approved_plan");
}

static void
test_durable_solution_or_separation_needs_an_approving_bid(void **state)
{
	struct fixture *f = *state;
	static const char *const triggers[] = { "durable_solution_proposed",
	    "separation_from_parents_against_will" };
	static const char *const not_yet[] = { "", ",\"bid_decision\":\"defer\"",
	    ",\"bid_decision\":\"reject\"" };
	char text[512];
	size_t i, j;

	for (i = 0; i < 2; i++) {
		for (j = 0; j < 3; j++) {
			snprintf(text, sizeof(text), "{\"approval_status_case_plan\":"
			    "\"approved\",\"%s\":true%s}", triggers[i], not_yet[j]);
			assert_move(f->cfg, "supervisor", "case_plan", "implementation",
			    text, RC_EINVALID, "implementation.needs_bid");
			assert_move(f->cfg, "supervisor", "implementation", "follow_up",
			    text, RC_EINVALID, "implementation.needs_bid");
			assert_move(f->cfg, "supervisor", "reopened", "implementation",
			    text, RC_EINVALID, "implementation.needs_bid");
		}
		snprintf(text, sizeof(text), "{\"approval_status_case_plan\":\"approved\","
		    "\"%s\":true,\"bid_decision\":\"approve\"}", triggers[i]);
		assert_move(f->cfg, "caseworker", "case_plan", "implementation", text, RC_OK,
		    NULL);
		/* false means no BID is needed */
		snprintf(text, sizeof(text), "{\"approval_status_case_plan\":\"approved\","
		    "\"%s\":false}", triggers[i]);
		assert_move(f->cfg, "caseworker", "case_plan", "implementation", text, RC_OK,
		    NULL);
	}
}

static void
test_closure_request_needs_a_reason(void **state)
{
	struct fixture *f = *state;
	static const char *const from[] = { "new", "assessment", "case_plan",
	    "implementation", "follow_up", "reopened" };
	size_t i;

	for (i = 0; i < sizeof(from) / sizeof(from[0]); i++) {
		assert_move(f->cfg, "caseworker", from[i], "closure_requested", "{}",
		    RC_EINVALID, "closure.needs_reason");
		assert_move(f->cfg, "caseworker", from[i], "closure_requested",
		    "{\"closure_reason\":\"\"}", RC_EINVALID, "closure.needs_reason");
		assert_move(f->cfg, "caseworker", from[i], "closure_requested",
		    "{\"closure_reason\":\"other\"}", RC_EINVALID,
		    "closure.needs_other_reason");
		assert_move(f->cfg, "caseworker", from[i], "closure_requested",
		    "{\"closure_reason\":\"other\",\"closure_reason_other\":\"Adopted\"}",
		    RC_OK, NULL);
		assert_move(f->cfg, "caseworker", from[i], "closure_requested",
		    "{\"closure_reason\":\"reunified\"}", RC_OK, NULL);
	}
}

static void
test_a_case_cannot_be_closed_without_an_approved_closure_request(void **state)
{
	struct fixture *f = *state;

	assert_move(f->cfg, "caseworker", "closure_requested", "closed",
	    "{\"closure_reason\":\"reunified\"}", RC_EINVALID, "closure.needs_approval");
	assert_move(f->cfg, "supervisor", "closure_requested", "closed",
	    "{\"closure_reason\":\"reunified\",\"approval_status_closure\":\"requested\"}",
	    RC_EINVALID, "closure.needs_approval");
	assert_move(f->cfg, "supervisor", "closure_requested", "closed",
	    "{\"closure_reason\":\"reunified\",\"approval_status_closure\":\"rejected\"}",
	    RC_EINVALID, "closure.needs_approval");
	/* an approval in the history does not count once the status was cleared */
	assert_move(f->cfg, "supervisor", "closure_requested", "closed",
	    "{\"closure_reason\":\"reunified\",\"approval_subforms\":[{"
	    "\"approval_response_for\":\"closure\",\"approval_status\":\"approved\","
	    "\"approval_date\":\"2025-01-01\"}]}", RC_EINVALID, "closure.needs_approval");
	assert_move(f->cfg, "caseworker", "closure_requested", "closed",
	    "{\"closure_reason\":\"reunified\",\"approval_status_closure\":\"approved\"}",
	    RC_OK, NULL);
	/* and there is no other way into closed */
	assert_move(f->cfg, "supervisor", "follow_up", "closed", COMPLETE, RC_EINVALID,
	    "transition.not_allowed");
	assert_move(f->cfg, "supervisor", "new", "closed", COMPLETE, RC_EINVALID,
	    "transition.not_allowed");
}

static void
test_only_a_supervisor_reopens_a_closed_case(void **state)
{
	struct fixture *f = *state;

	assert_move(f->cfg, "caseworker", "closed", "reopened", "{}", RC_EDENIED,
	    "transition.role");
	assert_move(f->cfg, "supervisor", "closed", "reopened", "{}", RC_OK, NULL);
}

static void
test_options_list_each_next_stage_with_its_answer(void **state)
{
	struct fixture *f = *state;
	struct workflow_option opt[WS__MAX];
	json_t *body = parse("{\"closure_reason\":\"moved_on\"}");
	size_t n;

	n = workflow_options(f->cfg, "caseworker", "new", body, opt);
	assert_int_equal(n, 2);
	assert_int_equal(opt[0].to, WS_ASSESSMENT);
	assert_int_equal(opt[0].rc, RC_EINVALID);
	assert_string_equal(opt[0].why.rule, "assessment.needs_initial_assessment");
	assert_int_equal(opt[1].to, WS_CLOSURE_REQUESTED);
	assert_int_equal(opt[1].rc, RC_OK);
	n = workflow_options(f->cfg, "caseworker", "closed", body, opt);
	assert_int_equal(n, 1);
	assert_int_equal(opt[0].rc, RC_EDENIED);
	assert_int_equal(workflow_options(f->cfg, "caseworker", "gone", body, opt), 0);
	json_decref(body);
}

/* ---- applying a move ----------------------------------------------------------------- */

static void
test_entering_a_stage_clears_the_approvals_it_must_obtain_again(void **state)
{
	json_t *body = parse("{\"approval_status_assessment\":\"approved\","
	    "\"approval_status_bia\":\"approved\",\"approval_status_case_plan\":"
	    "\"approved\",\"approval_status_closure\":\"rejected\"}");

	(void)state;
	/* a review goes back to planning: the plan must be approved again */
	assert_int_equal(workflow_transition_apply(body, "follow_up", "case_plan",
	    &caseworker, "2025-06-16"), RC_OK);
	assert_null(json_object_get(body, "approval_status_case_plan"));
	assert_non_null(json_object_get(body, "approval_status_assessment"));
	/* a closure request starts from no decision */
	assert_int_equal(workflow_transition_apply(body, "case_plan", "closure_requested",
	    &caseworker, "2025-06-16"), RC_OK);
	assert_null(json_object_get(body, "approval_status_closure"));
	/* a reassessment needs the assessment approved again; a BIA stands */
	json_object_set_new(body, "approval_status_case_plan", json_string("approved"));
	assert_int_equal(workflow_transition_apply(body, "closure_requested", "assessment",
	    &caseworker, "2025-06-16"), RC_OK);
	assert_null(json_object_get(body, "approval_status_assessment"));
	assert_null(json_object_get(body, "approval_status_case_plan"));
	assert_string_equal(json_string_value(json_object_get(body, "approval_status_bia")),
	    "approved");
	assert_int_equal(workflow_transition_apply(body, "new", "nowhere", &caseworker,
	    "2025-06-16"), RC_EINVALID);
	json_decref(body);
}

static void
test_closing_dates_the_closure_and_reopening_logs_who_and_when(void **state)
{
	struct fixture *f = *state;
	json_t *body = parse("{\"closure_reason\":\"other\",\"closure_reason_other\":"
	    "\"Adopted\",\"approval_status_closure\":\"approved\",\"closure_notes\":\"n\"}");
	const json_t *logs;

	assert_int_equal(workflow_transition_apply(body, "closure_requested", "closed",
	    &caseworker, "2025-06-16"), RC_OK);
	assert_string_equal(json_string_value(json_object_get(body, "date_closure")),
	    "2025-06-16");
	assert_int_equal(workflow_transition_apply(body, "closed", "reopened", &supervisor,
	    "2025-07-01"), RC_OK);
	logs = json_object_get(body, "reopened_logs");
	assert_int_equal(json_array_size(logs), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(logs, 0),
	    "reopened_date")), "2025-07-01");
	assert_string_equal(json_string_value(json_object_get(json_array_get(logs, 0),
	    "reopened_user")), SV_ID);
	assert_true(json_is_true(json_object_get(body, "case_status_reopened")));
	/* the old closure no longer closes the case: reason and approval are gone */
	assert_null(json_object_get(body, "approval_status_closure"));
	assert_null(json_object_get(body, "closure_reason"));
	assert_null(json_object_get(body, "closure_reason_other"));
	assert_null(json_object_get(body, "date_closure"));
	assert_string_equal(json_string_value(json_object_get(body, "closure_notes")), "n");
	{
		struct workflow_why why;

		assert_int_equal(workflow_check(f->cfg, "caseworker", "reopened",
		    "closure_requested", body, &why), RC_EINVALID);
		assert_string_equal(why.rule, "closure.needs_reason");
	}
	/* a date the caseworker gave is kept; a second reopening adds a line */
	json_object_set_new(body, "date_closure", json_string("2025-07-10"));
	assert_int_equal(workflow_transition_apply(body, "closure_requested", "closed",
	    &caseworker, "2025-07-12"), RC_OK);
	assert_string_equal(json_string_value(json_object_get(body, "date_closure")),
	    "2025-07-10");
	assert_int_equal(workflow_transition_apply(body, "closed", "reopened", &supervisor2,
	    "2025-08-01"), RC_OK);
	assert_int_equal(json_array_size(json_object_get(body, "reopened_logs")), 2);
	json_decref(body);
}

/* ---- approvals -------------------------------------------------------------------------- */

#define ASSESSED "{\"comprehensive_assessment_date\":\"2025-06-10\"}"

static void
test_assessment_approval_request_then_supervisor_approves(void **state)
{
	struct fixture *f = *state;
	json_t *body = parse(ASSESSED);
	const json_t *log, *e;

	assert_approval(f->cfg, &caseworker, "assessment", "requested", NULL, "assessment",
	    body, RC_OK, NULL);
	assert_int_equal(workflow_approval_apply(body, &caseworker, "assessment",
	    "requested", NULL, "2025-06-10"), RC_OK);
	assert_string_equal(json_string_value(json_object_get(body,
	    "approval_status_assessment")), "requested");
	assert_approval(f->cfg, &supervisor, "assessment", "approved", "Thorough",
	    "assessment", body, RC_OK, NULL);
	assert_int_equal(workflow_approval_apply(body, &supervisor, "assessment",
	    "approved", "Thorough", "2025-06-11"), RC_OK);
	assert_string_equal(json_string_value(json_object_get(body,
	    "approval_status_assessment")), "approved");
	log = json_object_get(body, "approval_subforms");
	assert_int_equal(json_array_size(log), 2);
	e = json_array_get(log, 0);
	assert_string_equal(json_string_value(json_object_get(e, "approval_requested_for")),
	    "assessment");
	assert_string_equal(json_string_value(json_object_get(e, "approval_status")),
	    "requested");
	assert_string_equal(json_string_value(json_object_get(e, "requested_by")), CW_ID);
	assert_string_equal(json_string_value(json_object_get(e, "approval_date")),
	    "2025-06-10");
	assert_null(json_object_get(e, "approved_by"));
	e = json_array_get(log, 1);
	assert_string_equal(json_string_value(json_object_get(e, "approval_response_for")),
	    "assessment");
	assert_string_equal(json_string_value(json_object_get(e, "approval_status")),
	    "approved");
	assert_string_equal(json_string_value(json_object_get(e, "approved_by")), SV_ID);
	assert_string_equal(json_string_value(json_object_get(e,
	    "approval_manager_comments")), "Thorough");
	/* and now the case may go on to planning */
	assert_int_equal(workflow_check(f->cfg, "caseworker", "assessment", "case_plan",
	    body, NULL), RC_OK);
	/* a decided approval cannot be decided again */
	assert_approval(f->cfg, &supervisor, "assessment", "rejected", "No", "assessment",
	    body, RC_EINVALID, "approval.not_requested");
	json_decref(body);
}

static void
test_a_caseworker_cannot_approve_any_plan(void **state)
{
	struct fixture *f = *state;
	json_t *body = parse("{\"date_case_plan\":\"2025-06-12\","
	    "\"cp_case_plan_subform_case_plan_interventions\":[{"
	    "\"intervention_service_to_be_provided\":\"School enrolment\"}]}");

	assert_int_equal(workflow_approval_apply(body, &caseworker, "case_plan", "requested",
	    NULL, "2025-06-12"), RC_OK);
	assert_approval(f->cfg, &caseworker, "case_plan", "approved", NULL, "case_plan",
	    body, RC_EDENIED, "approval.role_decide");
	assert_approval(f->cfg, &caseworker, "case_plan", "rejected", "x", "case_plan",
	    body, RC_EDENIED, "approval.role_decide");
	json_decref(body);
}

static void
test_self_approval_only_where_the_role_allows_it(void **state)
{
	struct fixture *f = *state;
	struct workflow_config *lenient = config_with(
	    "\"case_plan\": {\"request\": [\"caseworker\", \"supervisor\"], \"decide\": "
	    "[\"supervisor\"], \"self_approval\": []}",
	    "\"case_plan\": {\"request\": [\"caseworker\", \"supervisor\"], \"decide\": "
	    "[\"supervisor\"], \"self_approval\": [\"supervisor\"]}");
	json_t *body = parse("{\"date_case_plan\":\"2025-06-12\","
	    "\"cp_case_plan_subform_case_plan_interventions\":[{"
	    "\"intervention_service_to_be_provided\":\"School enrolment\"}]}");
	struct record_meta m = meta("case_plan", "low", utc(2025, 6, 1, 9, 0));
	struct workflow_why why;

	/* a supervisor who requested the approval may not grant it by default */
	assert_int_equal(workflow_approval_apply(body, &supervisor, "case_plan",
	    "requested", NULL, "2025-06-12"), RC_OK);
	assert_approval(f->cfg, &supervisor, "case_plan", "approved", NULL, "case_plan",
	    body, RC_EDENIED, "approval.self");
	assert_approval(f->cfg, &supervisor, "case_plan", "rejected", "No", "case_plan",
	    body, RC_EDENIED, "approval.self");
	/* another supervisor may */
	assert_approval(f->cfg, &supervisor2, "case_plan", "approved", NULL, "case_plan",
	    body, RC_OK, NULL);
	/* where the configuration allows supervisors to approve their own work */
	assert_approval(lenient, &supervisor, "case_plan", "approved", NULL, "case_plan",
	    body, RC_OK, NULL);
	/* owning the case counts as one's own work too */
	str_copy(m.owner_id, sizeof(m.owner_id), SV2_ID);
	assert_int_equal(workflow_approval_check(f->cfg, &supervisor2, "case_plan",
	    "approved", NULL, &m, body, &why), RC_EDENIED);
	assert_string_equal(why.rule, "approval.self");
	assert_int_equal(workflow_approval_check(lenient, &supervisor2, "case_plan",
	    "approved", NULL, &m, body, &why), RC_OK);
	/* the lenient rule is per type: closure stays strict */
	json_object_set_new(body, "closure_reason", json_string("reunified"));
	str_copy(m.workflow, sizeof(m.workflow), "closure_requested");
	assert_int_equal(workflow_approval_apply(body, &supervisor2, "closure",
	    "requested", NULL, "2025-06-12"), RC_OK);
	assert_int_equal(workflow_approval_check(lenient, &supervisor2, "closure",
	    "approved", NULL, &m, body, &why), RC_EDENIED);
	assert_string_equal(why.rule, "approval.self");
	workflow_config_free(lenient);
	json_decref(body);
}

static void
test_a_rejection_needs_a_comment_and_can_be_requested_again(void **state)
{
	struct fixture *f = *state;
	json_t *body = parse("{\"bia_subform_section\":[{\"bia_type\":\"short\","
	    "\"bia_date\":\"2025-06-02\"}]}");

	assert_int_equal(workflow_approval_apply(body, &caseworker, "bia", "requested", NULL,
	    "2025-06-02"), RC_OK);
	assert_approval(f->cfg, &supervisor, "bia", "rejected", NULL, "new", body,
	    RC_EINVALID, "approval.comment_required");
	assert_approval(f->cfg, &supervisor, "bia", "rejected", "", "new", body,
	    RC_EINVALID, "approval.comment_required");
	assert_approval(f->cfg, &supervisor, "bia", "rejected", "Ask the child", "new",
	    body, RC_OK, NULL);
	assert_int_equal(workflow_approval_apply(body, &supervisor, "bia", "rejected",
	    "Ask the child", "2025-06-03"), RC_OK);
	assert_approval(f->cfg, &supervisor, "bia", "approved", NULL, "new", body,
	    RC_EINVALID, "approval.not_requested");
	assert_approval(f->cfg, &caseworker, "bia", "requested", NULL, "new", body, RC_OK,
	    NULL);
	assert_int_equal(workflow_approval_apply(body, &caseworker, "bia", "requested", NULL,
	    "2025-06-04"), RC_OK);
	assert_approval(f->cfg, &caseworker, "bia", "requested", NULL, "new", body,
	    RC_EINVALID, "approval.already_requested");
	assert_approval(f->cfg, &supervisor, "bia", "approved", NULL, "new", body, RC_OK,
	    NULL);
	assert_int_equal(json_array_size(json_object_get(body, "approval_subforms")), 3);
	json_decref(body);
}

static void
test_approvals_belong_to_their_stage(void **state)
{
	struct fixture *f = *state;
	json_t *body = parse("{\"comprehensive_assessment_date\":\"2025-06-10\","
	    "\"bia_subform_section\":[{\"bia_type\":\"short\",\"bia_date\":\"2025-06-02\"}],"
	    "\"date_case_plan\":\"2025-06-12\","
	    "\"cp_case_plan_subform_case_plan_interventions\":[{"
	    "\"intervention_service_to_be_provided\":\"x\"}],\"closure_reason\":\"moved_on\"}");
	static const struct {
		const char	*type;
		const char	*stage;
		int		 ok;
	} cases[] = {
		{ "assessment", "new", 0 }, { "assessment", "assessment", 1 },
		{ "assessment", "case_plan", 0 }, { "assessment", "reopened", 0 },
		{ "bia", "new", 1 }, { "bia", "assessment", 1 }, { "bia", "follow_up", 1 },
		{ "bia", "reopened", 1 }, { "bia", "closure_requested", 1 },
		{ "case_plan", "assessment", 0 }, { "case_plan", "case_plan", 1 },
		{ "case_plan", "implementation", 0 },
		{ "closure", "implementation", 0 }, { "closure", "follow_up", 0 },
		{ "closure", "closure_requested", 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_approval(f->cfg, &caseworker, cases[i].type, "requested", NULL,
		    cases[i].stage, body, cases[i].ok ? RC_OK : RC_EINVALID,
		    cases[i].ok ? NULL : "approval.stage");
	/* nothing at all on a closed case */
	for (i = 0; i < WA__MAX; i++) {
		assert_approval(f->cfg, &caseworker, workflow_approval_name(i), "requested",
		    NULL, "closed", body, RC_EINVALID, "approval.case_closed");
		assert_approval(f->cfg, &supervisor, workflow_approval_name(i), "approved",
		    NULL, "closed", body, RC_EINVALID, "approval.case_closed");
	}
	/* a pending closure cannot be decided once the request was withdrawn */
	assert_int_equal(workflow_approval_apply(body, &caseworker, "closure", "requested",
	    NULL, "2025-06-13"), RC_OK);
	assert_approval(f->cfg, &supervisor, "closure", "approved", NULL, "follow_up", body,
	    RC_EINVALID, "approval.stage");
	json_decref(body);
}

static void
test_a_request_needs_what_is_to_be_approved(void **state)
{
	struct fixture *f = *state;
	json_t *empty = parse("{\"bia_subform_section\":[],"
	    "\"cp_case_plan_subform_case_plan_interventions\":[]}");
	json_t *plan_no_action = parse("{\"date_case_plan\":\"2025-06-12\"}");
	json_t *other = parse("{\"closure_reason\":\"other\"}");

	assert_approval(f->cfg, &caseworker, "assessment", "requested", NULL, "assessment",
	    empty, RC_EINVALID, "approval.needs_assessment");
	assert_approval(f->cfg, &caseworker, "bia", "requested", NULL, "assessment", empty,
	    RC_EINVALID, "approval.needs_bia");
	assert_approval(f->cfg, &caseworker, "case_plan", "requested", NULL, "case_plan",
	    empty, RC_EINVALID, "approval.needs_case_plan");
	assert_approval(f->cfg, &caseworker, "case_plan", "requested", NULL, "case_plan",
	    plan_no_action, RC_EINVALID, "approval.needs_case_plan");
	assert_approval(f->cfg, &caseworker, "closure", "requested", NULL,
	    "closure_requested", empty, RC_EINVALID, "closure.needs_reason");
	assert_approval(f->cfg, &caseworker, "closure", "requested", NULL,
	    "closure_requested", other, RC_EINVALID, "closure.needs_other_reason");
	json_decref(empty);
	json_decref(plan_no_action);
	json_decref(other);
}

static void
test_approval_requests_and_decisions_by_role(void **state)
{
	struct fixture *f = *state;
	static const struct workflow_actor others[] = { { SV_ID, "ftr_officer" },
	    { SV_ID, "ct_officer" }, { SV_ID, "referral_partner" }, { SV_ID, "dpo" },
	    { SV_ID, "admin" }, { SV_ID, "mne_officer" } };
	json_t *body = parse(ASSESSED);
	size_t i;

	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		assert_approval(f->cfg, &others[i], "assessment", "requested", NULL,
		    "assessment", body, RC_EDENIED, "approval.role_request");
	assert_int_equal(workflow_approval_apply(body, &caseworker, "assessment",
	    "requested", NULL, "2025-06-10"), RC_OK);
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++)
		assert_approval(f->cfg, &others[i], "assessment", "approved", NULL,
		    "assessment", body, RC_EDENIED, "approval.role_decide");
	assert_approval(f->cfg, &supervisor, "assessment", "approved", NULL, "assessment",
	    body, RC_OK, NULL);
	assert_approval(f->cfg, &supervisor, "plan", "approved", NULL, "assessment", body,
	    RC_EINVALID, "approval.unknown_type");
	assert_approval(f->cfg, &supervisor, "assessment", "pending", NULL, "assessment",
	    body, RC_EINVALID, "approval.unknown_status");
	assert_int_equal(workflow_approval_apply(body, &supervisor, "plan", "approved", NULL,
	    "2025-06-11"), RC_EINVALID);
	assert_int_equal(workflow_approval_apply(body, &supervisor, "assessment", "pending",
	    NULL, "2025-06-11"), RC_EINVALID);
	json_decref(body);
}

/* ---- deadline arithmetic -------------------------------------------------------------- */

/* Europe/Paris in 2025: CEST from 30 March 01:00 UTC to 26 October 01:00 UTC. */
static long
paris(void *arg, int64_t t)
{
	(void)arg;
	return t >= utc(2025, 3, 30, 1, 0) && t < utc(2025, 10, 26, 1, 0) ? 7200 : 3600;
}

/* Central America: UTC-6 all year. */
static long
guatemala(void *arg, int64_t t)
{
	(void)arg;
	(void)t;
	return -6 * 3600;
}

/* A zone whose clocks jump from 00:00 to 01:00 on 7 September (midnight skipped)
 * and fall back from 01:00 to 00:00 on 6 April (midnight twice). */
static long
midnight_changes(void *arg, int64_t t)
{
	(void)arg;
	if (t >= utc(2025, 4, 6, 4, 0) && t < utc(2025, 9, 7, 4, 0))
		return -4 * 3600;
	return -3 * 3600;
}

static void
test_calendar_arithmetic(void **state)
{
	char out[DATE_SIZE];

	(void)state;
	assert_int_equal(deadline_add_months("2025-01-31", 1, out), RC_OK);
	assert_string_equal(out, "2025-02-28");
	assert_int_equal(deadline_add_months("2024-01-31", 1, out), RC_OK);
	assert_string_equal(out, "2024-02-29");
	assert_int_equal(deadline_add_months("2025-11-30", 3, out), RC_OK);
	assert_string_equal(out, "2026-02-28");
	assert_int_equal(deadline_add_months("2025-05-15", 3, out), RC_OK);
	assert_string_equal(out, "2025-08-15");
	assert_int_equal(deadline_add_months("2025-03-31", -1, out), RC_OK);
	assert_string_equal(out, "2025-02-28");
	assert_int_equal(deadline_add_days("2024-02-28", 1, out), RC_OK);
	assert_string_equal(out, "2024-02-29");
	assert_int_equal(deadline_add_days("2025-12-25", 14, out), RC_OK);
	assert_string_equal(out, "2026-01-08");
	assert_int_equal(deadline_add_days("2025-03-01", -1, out), RC_OK);
	assert_string_equal(out, "2025-02-28");
	assert_int_equal(deadline_add_days("2025-02-30", 1, out), RC_EINVALID);
	assert_int_equal(deadline_add_days(NULL, 1, out), RC_EINVALID);
	assert_int_equal(deadline_add_days("9999-12-31", 1, out), RC_EINVALID);
	assert_int_equal(deadline_add_months("2025-13-01", 1, out), RC_EINVALID);
}

static void
test_local_days_follow_the_time_zone_and_daylight_saving(void **state)
{
	const struct deadline_tz tz_paris = { paris, NULL };
	const struct deadline_tz tz_gt = { guatemala, NULL };
	const struct deadline_tz tz_odd = { midnight_changes, NULL };
	char day[DATE_SIZE];
	int64_t t;

	(void)state;
	/* 23:30 UTC on 15 June is already 16 June in Paris, still 15 June in Guatemala */
	deadline_local_date(&tz_paris, utc(2025, 6, 15, 23, 30), day);
	assert_string_equal(day, "2025-06-16");
	deadline_local_date(&tz_gt, utc(2025, 6, 16, 3, 0), day);
	assert_string_equal(day, "2025-06-15");
	deadline_local_date(NULL, utc(2025, 6, 15, 23, 30), day);
	assert_string_equal(day, "2025-06-15");
	/* local midnight in winter and summer time */
	assert_int_equal(deadline_day_start(&tz_paris, "2025-03-29", &t), RC_OK);
	assert_int_equal(t, utc(2025, 3, 28, 23, 0));
	assert_int_equal(deadline_day_start(&tz_paris, "2025-03-31", &t), RC_OK);
	assert_int_equal(t, utc(2025, 3, 30, 22, 0));
	/* the day of the change is 23 hours long */
	assert_int_equal(deadline_day_end(&tz_paris, "2025-03-30", &t), RC_OK);
	assert_int_equal(t, utc(2025, 3, 30, 22, 0));
	assert_int_equal(deadline_day_start(&tz_paris, "2025-10-27", &t), RC_OK);
	assert_int_equal(t, utc(2025, 10, 26, 23, 0));
	assert_int_equal(deadline_day_start(&tz_gt, "2025-06-16", &t), RC_OK);
	assert_int_equal(t, utc(2025, 6, 16, 6, 0));
	/* midnight skipped: the day starts when the clocks jump */
	assert_int_equal(deadline_day_start(&tz_odd, "2025-09-07", &t), RC_OK);
	assert_int_equal(t, utc(2025, 9, 7, 4, 0));
	/* midnight twice: the first one */
	assert_int_equal(deadline_day_start(&tz_odd, "2025-04-06", &t), RC_OK);
	assert_int_equal(t, utc(2025, 4, 6, 3, 0));
	assert_int_equal(deadline_day_start(&tz_odd, "2025-04-31", &t), RC_EINVALID);
}

/* ---- deadlines of a case --------------------------------------------------------------- */

static void
test_a_high_risk_case_is_due_in_24_hours_then_overdue(void **state)
{
	struct fixture *f = *state;
	struct workflow_due due[WORKFLOW_DUE_MAX];
	int64_t created = utc(2025, 6, 16, 9, 0);
	size_t n;

	n = deadlines(f->cfg, "new", "high", created, "{\"risk_level\":\"high\"}",
	    created + 3600, NULL, due);
	assert_int_equal(n, 3);
	assert_int_equal(due[0].kind, WDK_RESPONSE);
	assert_due(&due[0], utc(2025, 6, 17, 9, 0), "2025-06-17", 0);
	/* the comprehensive assessment within 14 days, the plan 14 days after that */
	assert_due(find_due(due, n, WDK_ASSESSMENT, 0), utc(2025, 7, 1, 0, 0), "2025-06-30",
	    0);
	assert_due(find_due(due, n, WDK_CASE_PLAN, 0), utc(2025, 7, 15, 0, 0), "2025-07-14",
	    0);
	/* one second before the day is up it is still due; then it is overdue */
	n = deadlines(f->cfg, "new", "high", created, "{}", created + 24 * 3600 - 1, NULL,
	    due);
	assert_false(find_due(due, n, WDK_RESPONSE, 0)->overdue);
	n = deadlines(f->cfg, "new", "high", created, "{}", created + 24 * 3600, NULL, due);
	assert_true(find_due(due, n, WDK_RESPONSE, 0)->overdue);
	assert_false(find_due(due, n, WDK_ASSESSMENT, 0)->overdue);
	/* the initial assessment meets it */
	n = deadlines(f->cfg, "new", "high", created,
	    "{\"initial_assessment_date\":\"2025-06-16\"}", created + 48 * 3600, NULL, due);
	assert_null(find_due(due, n, WDK_RESPONSE, 0));
	assert_non_null(find_due(due, n, WDK_ASSESSMENT, 0));
}

static void
test_response_time_follows_the_risk_level(void **state)
{
	struct fixture *f = *state;
	struct workflow_due due[WORKFLOW_DUE_MAX];
	int64_t created = utc(2025, 6, 16, 9, 0);
	size_t n;

	n = deadlines(f->cfg, "new", "medium", created, "{}", created, NULL, due);
	assert_due(find_due(due, n, WDK_RESPONSE, 0), created + 3 * 86400, "2025-06-19", 0);
	n = deadlines(f->cfg, "new", "low", created, "{}", created, NULL, due);
	assert_due(find_due(due, n, WDK_RESPONSE, 0), created + 7 * 86400, "2025-06-23", 0);
	n = deadlines(f->cfg, "new", "", created, "{}", created, NULL, due);
	assert_due(find_due(due, n, WDK_RESPONSE, 0), created + 3 * 86400, "2025-06-19", 0);
	/* only while the case is new */
	n = deadlines(f->cfg, "assessment", "high", created, "{}", created, NULL, due);
	assert_null(find_due(due, n, WDK_RESPONSE, 0));
	assert_non_null(find_due(due, n, WDK_ASSESSMENT, 0));
}

static void
test_a_paper_registration_starts_the_clock_on_its_day(void **state)
{
	struct fixture *f = *state;
	struct workflow_due due[WORKFLOW_DUE_MAX];
	const struct deadline_tz tz = { paris, NULL };
	int64_t created = utc(2025, 6, 16, 9, 0);
	size_t n;

	/* registered on paper on the 14th, typed in on the 16th: already late */
	n = deadlines(f->cfg, "new", "high", created, "{\"registration_date\":"
	    "\"2025-06-14\"}", created, &tz, due);
	assert_due(find_due(due, n, WDK_RESPONSE, 0), utc(2025, 6, 14, 22, 0), "2025-06-14",
	    1);
	assert_due(find_due(due, n, WDK_ASSESSMENT, 0), utc(2025, 6, 28, 22, 0),
	    "2025-06-28", 0);
	/* the same day: the clock starts at creation */
	n = deadlines(f->cfg, "new", "high", created, "{\"registration_date\":"
	    "\"2025-06-16\"}", created, &tz, due);
	assert_due(find_due(due, n, WDK_RESPONSE, 0), utc(2025, 6, 17, 9, 0), "2025-06-17",
	    0);
	/* a registration date after creation cannot delay anything */
	n = deadlines(f->cfg, "new", "low", created, "{\"registration_date\":"
	    "\"2025-07-20\"}", created, &tz, due);
	assert_due(find_due(due, n, WDK_ASSESSMENT, 0), utc(2025, 6, 30, 22, 0),
	    "2025-06-30", 0);
}

static void
test_deadlines_across_a_daylight_saving_change(void **state)
{
	struct fixture *f = *state;
	struct workflow_due due[WORKFLOW_DUE_MAX];
	const struct deadline_tz tz = { paris, NULL };
	int64_t created = utc(2025, 3, 29, 22, 30);	/* 23:30 in Paris, winter time */
	size_t n;

	/* 24 hours are 24 hours, even on the night the clocks go forward */
	n = deadlines(f->cfg, "new", "high", created, "{}", created, &tz, due);
	assert_due(find_due(due, n, WDK_RESPONSE, 0), utc(2025, 3, 30, 22, 30),
	    "2025-03-31", 0);
	/* 14 days after 29 March is due by the end of 12 April, summer time */
	assert_due(find_due(due, n, WDK_ASSESSMENT, 0), utc(2025, 4, 12, 22, 0),
	    "2025-04-12", 0);
	/* the same case in Guatemala registered on the 29th local too */
	{
		const struct deadline_tz gt = { guatemala, NULL };

		n = deadlines(f->cfg, "new", "high", created, "{}", created, &gt, due);
		assert_due(find_due(due, n, WDK_ASSESSMENT, 0), utc(2025, 4, 13, 6, 0),
		    "2025-04-12", 0);
	}
	/* and a local day the UTC day does not show: created 23:30 UTC is the 16th in
	 * Paris in summer */
	created = utc(2025, 6, 15, 23, 30);
	n = deadlines(f->cfg, "new", "medium", created, "{}", created, &tz, due);
	assert_due(find_due(due, n, WDK_ASSESSMENT, 0), utc(2025, 6, 30, 22, 0),
	    "2025-06-30", 0);
}

#define APPROVED_PLAN(date) "\"approval_status_case_plan\":\"approved\"," \
	"\"date_case_plan\":\"2025-01-20\",\"approval_subforms\":[{" \
	"\"approval_requested_for\":\"case_plan\",\"approval_status\":\"requested\"," \
	"\"approval_date\":\"2025-01-21\"},{\"approval_response_for\":\"case_plan\"," \
	"\"approval_status\":\"approved\",\"approval_date\":\"" date "\"}]"

static void
test_plan_review_is_monthly_when_high_risk_else_every_three_months(void **state)
{
	struct fixture *f = *state;
	struct workflow_due due[WORKFLOW_DUE_MAX];
	int64_t created = utc(2025, 1, 10, 9, 0), now = utc(2025, 2, 1, 0, 0);
	size_t n;

	n = deadlines(f->cfg, "implementation", "high", created, "{" APPROVED_PLAN(
	    "2025-01-31") "}", now, NULL, due);
	assert_due(find_due(due, n, WDK_PLAN_REVIEW, 0), utc(2025, 3, 1, 0, 0),
	    "2025-02-28", 0);
	n = deadlines(f->cfg, "implementation", "medium", created, "{" APPROVED_PLAN(
	    "2025-01-31") "}", now, NULL, due);
	assert_due(find_due(due, n, WDK_PLAN_REVIEW, 0), utc(2025, 5, 1, 0, 0),
	    "2025-04-30", 0);
	n = deadlines(f->cfg, "follow_up", "low", created, "{" APPROVED_PLAN(
	    "2025-01-31") "}", utc(2025, 5, 1, 0, 0), NULL, due);
	assert_due(find_due(due, n, WDK_PLAN_REVIEW, 0), utc(2025, 5, 1, 0, 0),
	    "2025-04-30", 1);
	/* a review restarts the count; an ordinary visit does not */
	n = deadlines(f->cfg, "follow_up", "high", created, "{" APPROVED_PLAN("2025-01-31")
	    ",\"followup_subform_section\":[{\"followup_type\":\"case_plan_review\","
	    "\"followup_date\":\"2025-02-20\"},{\"followup_type\":\"in_care\","
	    "\"followup_date\":\"2025-03-10\"}]}", now, NULL, due);
	assert_due(find_due(due, n, WDK_PLAN_REVIEW, 0), utc(2025, 3, 21, 0, 0),
	    "2025-03-20", 0);
	/* not before the plan is being implemented */
	n = deadlines(f->cfg, "case_plan", "high", created, "{" APPROVED_PLAN("2025-01-31")
	    "}", now, NULL, due);
	assert_null(find_due(due, n, WDK_PLAN_REVIEW, 0));
	assert_null(find_due(due, n, WDK_FOLLOW_UP, 0));
}

static void
test_follow_up_visits_are_due_by_risk_or_as_planned(void **state)
{
	struct fixture *f = *state;
	struct workflow_due due[WORKFLOW_DUE_MAX];
	int64_t created = utc(2025, 1, 10, 9, 0), now = utc(2025, 2, 1, 0, 0);
	size_t n;

	/* after the plan's approval: 7 days when high, 30 when low */
	n = deadlines(f->cfg, "implementation", "high", created, "{" APPROVED_PLAN(
	    "2025-01-31") "}", now, NULL, due);
	assert_due(find_due(due, n, WDK_FOLLOW_UP, 0), utc(2025, 2, 8, 0, 0), "2025-02-07",
	    0);
	n = deadlines(f->cfg, "implementation", "low", created, "{" APPROVED_PLAN(
	    "2025-01-31") "}", now, NULL, due);
	assert_due(find_due(due, n, WDK_FOLLOW_UP, 0), utc(2025, 3, 3, 0, 0), "2025-03-02",
	    0);
	/* after the last visit */
	n = deadlines(f->cfg, "follow_up", "medium", created, "{" APPROVED_PLAN(
	    "2025-01-31") ",\"followup_subform_section\":[{\"followup_date\":\"2025-02-10\"},"
	    "{\"followup_date\":\"2025-02-03\"}]}", now, NULL, due);
	assert_due(find_due(due, n, WDK_FOLLOW_UP, 0), utc(2025, 2, 25, 0, 0), "2025-02-24",
	    0);
	/* a planned visit is due by its date, the earliest first */
	n = deadlines(f->cfg, "follow_up", "medium", created, "{" APPROVED_PLAN(
	    "2025-01-31") ",\"followup_subform_section\":[{\"followup_date\":\"2025-02-10\"},"
	    "{\"followup_needed_by_date\":\"2025-03-05\"},{\"followup_needed_by_date\":"
	    "\"2025-02-15\"}]}", utc(2025, 2, 16, 0, 0), NULL, due);
	assert_due(find_due(due, n, WDK_FOLLOW_UP, 0), utc(2025, 2, 16, 0, 0), "2025-02-15",
	    1);
}

static void
test_a_bid_is_due_when_the_plan_needs_one(void **state)
{
	struct fixture *f = *state;
	struct workflow_due due[WORKFLOW_DUE_MAX];
	int64_t created = utc(2025, 1, 10, 9, 0), now = utc(2025, 1, 25, 0, 0);
	size_t n;

	n = deadlines(f->cfg, "case_plan", "medium", created, "{\"date_case_plan\":"
	    "\"2025-01-20\"}", now, NULL, due);
	assert_null(find_due(due, n, WDK_BID, 0));
	n = deadlines(f->cfg, "case_plan", "medium", created, "{\"date_case_plan\":"
	    "\"2025-01-20\",\"durable_solution_proposed\":true}", now, NULL, due);
	assert_due(find_due(due, n, WDK_BID, 0), utc(2025, 2, 20, 0, 0), "2025-02-19", 0);
	/* deferred: due when the panel meets again */
	n = deadlines(f->cfg, "case_plan", "medium", created, "{\"date_case_plan\":"
	    "\"2025-01-20\",\"separation_from_parents_against_will\":true,"
	    "\"bid_decision\":\"defer\",\"bid_followup_date\":\"2025-03-03\"}", now, NULL,
	    due);
	assert_due(find_due(due, n, WDK_BID, 0), utc(2025, 3, 4, 0, 0), "2025-03-03", 0);
	/* decided */
	n = deadlines(f->cfg, "implementation", "medium", created, "{" APPROVED_PLAN(
	    "2025-01-22") ",\"durable_solution_proposed\":true,\"bid_decision\":"
	    "\"approve\"}", now, NULL, due);
	assert_null(find_due(due, n, WDK_BID, 0));
}

static void
test_pending_approvals_are_due_for_the_supervisor(void **state)
{
	struct fixture *f = *state;
	struct workflow_due due[WORKFLOW_DUE_MAX];
	int64_t created = utc(2025, 6, 1, 9, 0);
	const char *body = "{\"approval_status_assessment\":\"requested\","
	    "\"approval_status_bia\":\"approved\",\"approval_subforms\":["
	    "{\"approval_requested_for\":\"assessment\",\"approval_status\":\"requested\","
	    "\"approval_date\":\"2025-06-05\"},{\"approval_response_for\":\"assessment\","
	    "\"approval_status\":\"rejected\",\"approval_date\":\"2025-06-06\"},"
	    "{\"approval_requested_for\":\"assessment\",\"approval_status\":\"requested\","
	    "\"approval_date\":\"2025-06-10\"}]}";
	json_t *arr;
	size_t n;

	n = deadlines(f->cfg, "assessment", "medium", created, body, utc(2025, 6, 13, 23,
	    59), NULL, due);
	assert_due(find_due(due, n, WDK_APPROVAL, WA_ASSESSMENT), utc(2025, 6, 14, 0, 0),
	    "2025-06-13", 0);
	assert_null(find_due(due, n, WDK_APPROVAL, WA_BIA));
	n = deadlines(f->cfg, "assessment", "medium", created, body, utc(2025, 6, 14, 0, 0),
	    NULL, due);
	assert_true(find_due(due, n, WDK_APPROVAL, WA_ASSESSMENT)->overdue);
	arr = workflow_due_to_json(due, n);
	assert_non_null(arr);
	assert_int_equal(json_array_size(arr), n);
	{
		const json_t *last = json_array_get(arr, n - 1);

		assert_string_equal(json_string_value(json_object_get(last, "kind")),
		    "approval");
		assert_string_equal(json_string_value(json_object_get(last, "approval")),
		    "assessment");
		assert_string_equal(json_string_value(json_object_get(last, "due_at")),
		    "2025-06-14T00:00:00Z");
		assert_string_equal(json_string_value(json_object_get(last, "due_date")),
		    "2025-06-13");
		assert_true(json_is_true(json_object_get(last, "overdue")));
		assert_null(json_object_get(json_array_get(arr, 0), "approval"));
	}
	json_decref(arr);
}

static void
test_closed_cases_owe_nothing(void **state)
{
	struct fixture *f = *state;
	struct workflow_due due[WORKFLOW_DUE_MAX];
	int64_t created = utc(2025, 6, 1, 9, 0);

	assert_int_equal(deadlines(f->cfg, "closed", "high", created,
	    "{\"approval_status_closure\":\"requested\"}", created + 86400 * 90, NULL, due),
	    0);
	/* closure requested: only the supervisor's decision is due */
	assert_int_equal(deadlines(f->cfg, "closure_requested", "high", created,
	    "{\"approval_status_closure\":\"requested\",\"approval_subforms\":[{"
	    "\"approval_requested_for\":\"closure\",\"approval_status\":\"requested\","
	    "\"approval_date\":\"2025-06-20\"}]}", created, NULL, due), 1);
	assert_int_equal(due[0].kind, WDK_APPROVAL);
	assert_int_equal(due[0].approval, WA_CLOSURE);
	assert_int_equal(workflow_deadlines(f->cfg, NULL, NULL, 0, NULL, due), 0);
}

/* ---- DoMV ------------------------------------------------------------------------------- */

#define FACTOR(level, id, type) "{\"domv_level\":\"" level "\",\"domv_factor\":\"" id \
	"\",\"domv_factor_type\":\"" type "\"}"

static void
profile_of(const struct domv_rule *rule, const char *text, struct domv_profile *p,
    json_t **keep)
{
	*keep = parse(text);
	assert_int_equal(domv_profile(rule, *keep, p), RC_OK);
}

static int
has_reason(const struct domv_profile *p, const char *code, const char *detail)
{
	size_t i;

	for (i = 0; i < p->nreasons; i++)
		if (strcmp(p->reason[i].code, code) == 0 && (detail == NULL ||
		    strcmp(p->reason[i].detail, detail) == 0))
			return 1;
	return 0;
}

static void
test_every_domv_factor_belongs_to_a_level(void **state)
{
	struct fixture *f = *state;
	const json_t *values = forms_lookup(f->forms, "lookup-domv-factors"), *v;
	size_t i, per[DOMV__MAX] = { 0 };
	int l;

	assert_non_null(values);
	json_array_foreach(values, i, v) {
		l = domv_factor_level(json_string_value(json_object_get(v, "id")));
		if (l < 0)
			fail_msg("factor %s has no level prefix",
			    json_string_value(json_object_get(v, "id")));
		per[l]++;
	}
	for (l = 0; l < DOMV__MAX; l++)
		if (per[l] < 10)
			fail_msg("level %s has only %zu factors", domv_level_name(l), per[l]);
	assert_int_equal(domv_factor_level("individual_"), -1);
	assert_int_equal(domv_factor_level("individuals_x"), -1);
	assert_int_equal(domv_factor_level("structural_conflict"), DOMV_STRUCTURAL);
	assert_int_equal(domv_level_parse("household"), DOMV_HOUSEHOLD);
	assert_int_equal(domv_level_parse("family"), -1);
}

static void
test_profile_counts_distinct_factors_per_level_with_summaries(void **state)
{
	struct fixture *f = *state;
	struct domv_profile p;
	json_t *body, *j;

	profile_of(workflow_domv_rule(f->cfg), "{\"domv_factors\":["
	    FACTOR("individual", "individual_documents", "risk") ","
	    FACTOR("individual", "individual_documents", "risk") ","	/* again */
	    FACTOR("individual", "individual_language", "protective") ","
	    FACTOR("household", "household_caregiver", "protective") ","
	    FACTOR("household", "household_income", "risk") ","
	    FACTOR("structural", "structural_legal_status", "risk") ","
	    FACTOR("community", "community_support", "protective") ","
	    "{\"domv_level\":\"community\",\"domv_evidence\":\"no factor\"}],"
	    "\"domv_summary_household\":\"An aunt in Tripoli cares for him\","
	    "\"domv_summary_community\":\"\"}", &p, &body);
	assert_int_equal(p.nfactors, 7);
	assert_int_equal(p.level[DOMV_INDIVIDUAL].risks, 1);
	assert_int_equal(p.level[DOMV_INDIVIDUAL].protective, 1);
	assert_int_equal(p.level[DOMV_HOUSEHOLD].risks, 1);
	assert_int_equal(p.level[DOMV_HOUSEHOLD].protective, 1);
	assert_int_equal(p.level[DOMV_COMMUNITY].risks, 0);
	assert_int_equal(p.level[DOMV_COMMUNITY].protective, 1);
	assert_int_equal(p.level[DOMV_STRUCTURAL].risks, 1);
	assert_int_equal(p.net, 0);
	assert_string_equal(p.level[DOMV_HOUSEHOLD].summary,
	    "An aunt in Tripoli cares for him");
	assert_null(p.level[DOMV_COMMUNITY].summary);
	assert_null(p.level[DOMV_INDIVIDUAL].summary);
	/* risks at three levels: medium */
	assert_string_equal(p.suggested, "medium");
	assert_true(has_reason(&p, "levels_with_risk", "3>=3"));
	j = domv_profile_to_json(&p);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(json_object_get(
	    j, "levels"), "household"), "risk")), 1);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    json_object_get(j, "levels"), "household"), "summary")),
	    "An aunt in Tripoli cares for him");
	assert_null(json_object_get(json_object_get(json_object_get(j, "levels"),
	    "community"), "summary"));
	assert_string_equal(json_string_value(json_object_get(j, "suggested")), "medium");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(j, "reasons"), 0), "code")), "levels_with_risk");
	json_decref(j);
	json_decref(body);
}

static void
test_a_critical_risk_factor_suggests_high(void **state)
{
	struct fixture *f = *state;
	struct domv_profile p;
	json_t *body;

	profile_of(workflow_domv_rule(f->cfg), "{\"domv_factors\":["
	    FACTOR("individual", "individual_history_exploitation", "risk") ","
	    FACTOR("individual", "individual_coping_skills", "protective") ","
	    FACTOR("household", "household_caregiver", "protective") "]}", &p, &body);
	assert_string_equal(p.suggested, "high");
	assert_true(has_reason(&p, "critical_factor", "individual_history_exploitation"));
	json_decref(body);
	/* the same factor marked protective is not critical */
	profile_of(workflow_domv_rule(f->cfg), "{\"domv_factors\":["
	    FACTOR("community", "community_traffickers", "protective") "]}", &p, &body);
	assert_string_equal(p.suggested, "low");
	assert_true(has_reason(&p, "below_thresholds", "net -1"));
	json_decref(body);
	/* the prefix decides the level, whatever domv_level says */
	profile_of(workflow_domv_rule(f->cfg), "{\"domv_factors\":["
	    FACTOR("structural", "household_family_violence", "risk") "]}", &p, &body);
	assert_int_equal(p.level[DOMV_HOUSEHOLD].risks, 1);
	assert_int_equal(p.level[DOMV_STRUCTURAL].risks, 0);
	assert_string_equal(p.suggested, "high");
	json_decref(body);
}

static void
test_thresholds_for_high_and_medium(void **state)
{
	struct fixture *f = *state;
	struct domv_profile p;
	json_t *body;

	/* three individual risks: high */
	profile_of(workflow_domv_rule(f->cfg), "{\"domv_factors\":["
	    FACTOR("individual", "individual_age", "risk") ","
	    FACTOR("individual", "individual_documents", "risk") ","
	    FACTOR("individual", "individual_journey_debt", "risk") ","
	    FACTOR("household", "household_caregiver", "protective") ","
	    FACTOR("community", "community_support", "protective") "]}", &p, &body);
	assert_string_equal(p.suggested, "high");
	assert_true(has_reason(&p, "individual_risks", "3>=3"));
	assert_false(has_reason(&p, "net_risks", NULL));
	json_decref(body);
	/* two individual risks and a net of 2: medium */
	profile_of(workflow_domv_rule(f->cfg), "{\"domv_factors\":["
	    FACTOR("individual", "individual_age", "risk") ","
	    FACTOR("individual", "individual_documents", "risk") "]}", &p, &body);
	assert_string_equal(p.suggested, "medium");
	assert_true(has_reason(&p, "net_risks", "2>=2"));
	json_decref(body);
	/* a protective factor brings it down to low */
	profile_of(workflow_domv_rule(f->cfg), "{\"domv_factors\":["
	    FACTOR("individual", "individual_age", "risk") ","
	    FACTOR("individual", "individual_documents", "risk") ","
	    FACTOR("household", "household_caregiver", "protective") "]}", &p, &body);
	assert_string_equal(p.suggested, "low");
	assert_int_equal(p.net, 1);
	json_decref(body);
	/* six more risks than protective factors: high */
	profile_of(workflow_domv_rule(f->cfg), "{\"domv_factors\":["
	    FACTOR("individual", "individual_age", "risk") ","
	    FACTOR("household", "household_income", "risk") ","
	    FACTOR("household", "household_debt", "risk") ","
	    FACTOR("household", "household_structure", "risk") ","
	    FACTOR("structural", "structural_conflict", "risk") ","
	    FACTOR("structural", "structural_economy", "risk") "]}", &p, &body);
	assert_string_equal(p.suggested, "high");
	assert_true(has_reason(&p, "net_risks", "6>=6"));
	json_decref(body);
}

static void
test_no_factors_no_suggestion_unless_urgent(void **state)
{
	struct fixture *f = *state;
	struct domv_rule calm = *workflow_domv_rule(f->cfg);
	struct domv_profile p;
	json_t *body;

	profile_of(workflow_domv_rule(f->cfg), "{\"risk_level\":\"low\"}", &p, &body);
	assert_string_equal(p.suggested, "");
	assert_true(has_reason(&p, "no_factors", ""));
	json_decref(body);
	profile_of(workflow_domv_rule(f->cfg), "{\"urgent_protection_concern\":true}", &p,
	    &body);
	assert_string_equal(p.suggested, "high");
	assert_true(has_reason(&p, "urgent_concern", ""));
	json_decref(body);
	calm.urgent_concern_is_high = 0;
	profile_of(&calm, "{\"urgent_protection_concern\":true}", &p, &body);
	assert_string_equal(p.suggested, "");
	json_decref(body);
	assert_int_equal(domv_profile(&calm, NULL, &p), RC_EINVALID);
}

static void
test_domv_rule_is_configurable(void **state)
{
	struct workflow_config *cfg = config_with("\"individual_risks\": 3",
	    "\"individual_risks\": 0");
	struct domv_profile p;
	json_t *body;

	(void)state;
	/* threshold 0 is off: three individual risks are only a net of 3, medium */
	profile_of(workflow_domv_rule(cfg), "{\"domv_factors\":["
	    FACTOR("individual", "individual_age", "risk") ","
	    FACTOR("individual", "individual_documents", "risk") ","
	    FACTOR("individual", "individual_journey_debt", "risk") "]}", &p, &body);
	assert_string_equal(p.suggested, "medium");
	json_decref(body);
	workflow_config_free(cfg);
}

static void
test_domv_validate_refuses_a_factor_of_another_level(void **state)
{
	struct form_errors errs;
	json_t *body = parse("{\"domv_factors\":["
	    FACTOR("individual", "individual_age", "risk") ","
	    FACTOR("community", "household_debt", "risk") ","
	    FACTOR("community", "community_other", "risk") "]}");

	(void)state;
	assert_int_equal(domv_validate(body, &errs), RC_EINVALID);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.e[0].field, "domv_factors[1].domv_factor");
	assert_string_equal(errs.e[0].problem, "is a factor of the household level, not "
	    "of the community level");
	json_array_remove(json_object_get(body, "domv_factors"), 1);
	assert_int_equal(domv_validate(body, &errs), RC_OK);
	json_decref(body);
}

static void
test_domv_apply_records_the_suggestion_beside_the_caseworkers_level(void **state)
{
	struct fixture *f = *state;
	json_t *body = parse("{\"risk_level\":\"low\",\"domv_factors\":["
	    FACTOR("community", "community_armed_groups", "risk") ","
	    FACTOR("individual", "individual_age", "risk") ","
	    FACTOR("individual", "individual_sex_gender", "risk") ","
	    FACTOR("individual", "individual_disability", "risk") "]}");

	assert_int_equal(domv_apply(workflow_domv_rule(f->cfg), body), RC_OK);
	assert_string_equal(json_string_value(json_object_get(body, "risk_level")), "low");
	assert_string_equal(json_string_value(json_object_get(body, "risk_level_suggested")),
	    "high");
	assert_string_equal(json_string_value(json_object_get(body,
	    "risk_level_suggested_reasons")), "critical_factor:community_armed_groups; "
	    "individual_risks:3>=3");
	/* with every factor gone, so is the suggestion */
	json_object_set_new(body, "domv_factors", json_array());
	assert_int_equal(domv_apply(workflow_domv_rule(f->cfg), body), RC_OK);
	assert_null(json_object_get(body, "risk_level_suggested"));
	assert_null(json_object_get(body, "risk_level_suggested_reasons"));
	assert_string_equal(json_string_value(json_object_get(body, "risk_level")), "low");
	json_decref(body);
}

/* ---- consent ----------------------------------------------------------------------------- */

#define GIVEN(purpose, by, granted, date) "{\"consent_purpose\":\"" purpose "\"," \
	"\"consent_given_by\":\"" by "\",\"consent_granted\":" granted ",\"consent_date\":\"" \
	date "\"}"

static int
consent(const struct fixture *f, const char *text, const char *purpose,
    const char *recipient, struct consent_result *res)
{
	json_t *body = parse(text);
	int rc = consent_check(workflow_consent_rules(f->cfg), body, "2025-06-15", purpose,
	    recipient, res);

	json_decref(body);
	return rc;
}

static void
assert_consent(const struct fixture *f, const char *text, const char *purpose,
    const char *recipient, int rc, const char *why)
{
	struct consent_result res;
	int got = consent(f, text, purpose, recipient, &res);

	if (got != rc)
		fail_msg("consent for %s: rc %d (%s), expected %d; needed: %s; body %s",
		    purpose, got, res.why != NULL ? res.why : "-", rc, res.needed, text);
	if (why != NULL) {
		assert_non_null(res.why);
		if (strstr(res.why, why) == NULL)
			fail_msg("expected why \"%s\", got \"%s\"", why, res.why);
	}
}

static void
test_under_6_the_caregiver_consents(void **state)
{
	struct fixture *f = *state;
	struct consent_result res;

	assert_consent(f, "{\"age\":4,\"consent_per_purpose\":[" GIVEN("tracing",
	    "caregiver", "true", "2025-06-01") "]}", "tracing", NULL, RC_OK, NULL);
	assert_consent(f, "{\"age\":4,\"consent_per_purpose\":[" GIVEN("tracing", "child",
	    "true", "2025-06-01") "]}", "tracing", NULL, RC_EDENIED, "not recorded");
	assert_consent(f, "{\"age\":4}", "tracing", NULL, RC_EDENIED, "not recorded");
	assert_int_equal(consent(f, "{\"age\":4}", "tracing", NULL, &res), RC_EDENIED);
	assert_string_equal(res.needed, "ages 0-5: consent from the caregiver");
	assert_int_equal(res.consent_by, 1u << CONSENT_CAREGIVER);
	assert_false(res.child_assent);
}

static void
test_from_6_to_11_the_child_assents_and_the_caregiver_consents(void **state)
{
	struct fixture *f = *state;
	struct consent_result res;

	assert_consent(f, "{\"age\":9,\"consent_per_purpose\":[" GIVEN("referral",
	    "caregiver", "true", "2025-06-01") "]}", "referral", NULL, RC_EDENIED,
	    "the child's assent is required");
	assert_consent(f, "{\"age\":9,\"consent_per_purpose\":[" GIVEN("referral",
	    "child", "true", "2025-06-01") "]}", "referral", NULL, RC_EDENIED,
	    "not recorded");
	assert_consent(f, "{\"age\":9,\"consent_per_purpose\":[" GIVEN("referral",
	    "child", "true", "2025-06-01") "," GIVEN("referral", "caregiver", "true",
	    "2025-06-02") "]}", "referral", NULL, RC_OK, NULL);
	/* the child says no */
	assert_consent(f, "{\"age\":9,\"consent_per_purpose\":[" GIVEN("referral",
	    "child", "false", "2025-06-01") "," GIVEN("referral", "caregiver", "true",
	    "2025-06-02") "]}", "referral", NULL, RC_EDENIED,
	    "the child refused or withdrew their assent");
	/* even when no caregiver can be asked, a 9-year-old's assent is not enough */
	assert_consent(f, "{\"age\":9,\"consent_per_purpose\":[{\"consent_purpose\":"
	    "\"referral\",\"consent_given_by\":\"child\",\"consent_granted\":true,"
	    "\"consent_date\":\"2025-06-01\",\"consent_no_appropriate_caregiver\":true}]}",
	    "referral", NULL, RC_EDENIED, "not recorded");
	assert_int_equal(consent(f, "{\"age\":9}", "referral", NULL, &res), RC_EDENIED);
	assert_string_equal(res.needed, "ages 6-11: consent from the caregiver and the "
	    "child's assent");
}

static void
test_from_12_to_14_assent_alone_suffices_without_an_appropriate_caregiver(void **state)
{
	struct fixture *f = *state;
	const char *alone = "{\"age\":13,\"consent_per_purpose\":[{\"consent_purpose\":"
	    "\"tracing\",\"consent_given_by\":\"child\",\"consent_granted\":true,"
	    "\"consent_date\":\"2025-06-01\",\"consent_no_appropriate_caregiver\":true}]}";

	assert_consent(f, alone, "tracing", NULL, RC_OK, NULL);
	assert_consent(f, "{\"age\":13,\"consent_per_purpose\":[" GIVEN("tracing", "child",
	    "true", "2025-06-01") "]}", "tracing", NULL, RC_EDENIED, "not recorded");
	assert_consent(f, "{\"age\":13,\"consent_per_purpose\":[" GIVEN("tracing", "child",
	    "true", "2025-06-01") "," GIVEN("tracing", "caregiver", "true", "2025-06-01")
	    "]}", "tracing", NULL, RC_OK, NULL);
	assert_consent(f, "{\"age\":13,\"consent_per_purpose\":[" GIVEN("tracing",
	    "caregiver", "true", "2025-06-01") "]}", "tracing", NULL, RC_EDENIED,
	    "assent is required");
}

static void
test_from_15_the_child_consents(void **state)
{
	struct fixture *f = *state;

	assert_consent(f, "{\"age\":16,\"consent_per_purpose\":[" GIVEN("data_sharing",
	    "child", "true", "2025-06-01") "]}", "data_sharing", NULL, RC_OK, NULL);
	/* a caregiver cannot consent for a 16-year-old */
	assert_consent(f, "{\"age\":16,\"consent_per_purpose\":[" GIVEN("data_sharing",
	    "caregiver", "true", "2025-06-01") "]}", "data_sharing", NULL, RC_EDENIED,
	    "not recorded");
	/* nor refuse for them */
	assert_consent(f, "{\"age\":16,\"consent_per_purpose\":[" GIVEN("data_sharing",
	    "child", "true", "2025-06-01") "," GIVEN("data_sharing", "caregiver", "false",
	    "2025-06-02") "]}", "data_sharing", NULL, RC_OK, NULL);
	/* adults decide for themselves */
	assert_consent(f, "{\"age\":19,\"consent_per_purpose\":[" GIVEN("data_sharing",
	    "child", "true", "2025-06-01") "]}", "data_sharing", NULL, RC_OK, NULL);
}

static void
test_a_child_whose_age_is_being_assessed_is_treated_as_a_child(void **state)
{
	struct fixture *f = *state;
	struct consent_result res;
	const char *own = "\"consent_per_purpose\":[" GIVEN("transfer", "child", "true",
	    "2025-06-01") "]";
	char text[1024];

	/* says 19, no document, assessment under way: a child until decided */
	snprintf(text, sizeof(text), "{\"age\":19,\"estimated\":true,%s}", own);
	assert_int_equal(consent(f, text, "transfer", NULL, &res), RC_OK);
	assert_int_equal(res.age.hi, 17);
	assert_false(res.age.adult);
	/* assessed 14 to 17: both the caregiver's consent and the child's are needed */
	snprintf(text, sizeof(text), "{\"age\":16,\"age_range_from\":14,"
	    "\"age_range_to\":17,%s}", own);
	assert_int_equal(consent(f, text, "transfer", NULL, &res), RC_EDENIED);
	assert_int_equal(res.age.lo, 14);
	assert_int_equal(res.age.hi, 17);
	assert_string_equal(res.age.basis, "age_range");
	assert_string_equal(res.needed, "ages 12-14: consent from the caregiver and the "
	    "child's assent (the child's assent alone when there is no appropriate "
	    "caregiver); ages 15-17: consent from the child");
	assert_true(res.child_assent);
	assert_int_equal(res.consent_by, (1u << CONSENT_CAREGIVER) | (1u << CONSENT_CHILD));
	/* a range reaching past 18 is capped while undecided */
	snprintf(text, sizeof(text), "{\"age_range_from\":16,\"age_range_to\":22,"
	    "\"age_assessment_outcome\":\"undetermined\",%s}", own);
	assert_int_equal(consent(f, text, "transfer", NULL, &res), RC_OK);
	assert_int_equal(res.age.hi, 17);
	/* decided adult */
	snprintf(text, sizeof(text), "{\"age_range_from\":16,\"age_range_to\":22,"
	    "\"age_assessment_outcome\":\"adult\",%s}", own);
	assert_int_equal(consent(f, text, "transfer", NULL, &res), RC_OK);
	assert_true(res.age.adult);
	assert_string_equal(res.needed, "ages 18-120: consent from the child");
	/* decided a child: even a stated 18 counts as 17 */
	snprintf(text, sizeof(text), "{\"age\":18,\"age_assessment_outcome\":\"child\"}");
	assert_int_equal(consent(f, text, "transfer", NULL, &res), RC_EDENIED);
	assert_int_equal(res.age.hi, 17);
}

static void
test_how_the_age_is_read(void **state)
{
	struct consent_age age;
	json_t *body;

	(void)state;
	body = parse("{\"date_of_birth\":\"2011-06-16\",\"age\":20}");
	consent_age(body, "2025-06-15", &age);		/* a day before 14 */
	assert_int_equal(age.lo, 13);
	assert_int_equal(age.hi, 13);
	assert_string_equal(age.basis, "date_of_birth");
	json_decref(body);
	body = parse("{\"date_of_birth\":\"2000-01-01\",\"estimated\":true}");
	consent_age(body, "2025-06-15", &age);
	assert_int_equal(age.hi, 17);
	assert_false(age.adult);
	json_decref(body);
	body = parse("{\"date_of_birth\":\"2000-01-01\"}");
	consent_age(body, "2025-06-15", &age);
	assert_int_equal(age.lo, 25);
	assert_true(age.adult);
	json_decref(body);
	body = parse("{}");
	consent_age(body, "2025-06-15", &age);
	assert_int_equal(age.lo, 0);
	assert_int_equal(age.hi, 17);
	assert_string_equal(age.basis, "unknown");
	json_decref(body);
	body = parse("{\"age_range_to\":12}");
	consent_age(body, "2025-06-15", &age);
	assert_int_equal(age.lo, 0);
	assert_int_equal(age.hi, 12);
	json_decref(body);
}

static void
test_an_unknown_age_needs_every_childs_band(void **state)
{
	struct fixture *f = *state;

	assert_consent(f, "{\"consent_per_purpose\":[" GIVEN("tracing", "caregiver", "true",
	    "2025-06-01") "]}", "tracing", NULL, RC_EDENIED, NULL);
	assert_consent(f, "{\"consent_per_purpose\":[" GIVEN("tracing", "caregiver", "true",
	    "2025-06-01") "," GIVEN("tracing", "child", "true", "2025-06-01") "]}",
	    "tracing", NULL, RC_OK, NULL);
}

static void
test_the_latest_word_counts_and_a_withdrawal_ends_consent(void **state)
{
	struct fixture *f = *state;

	/* withdrawn later */
	assert_consent(f, "{\"age\":16,\"consent_per_purpose\":[" GIVEN("tracing", "child",
	    "true", "2025-05-01") "," GIVEN("tracing", "child", "false", "2025-06-01") "]}",
	    "tracing", NULL, RC_EDENIED, "refused or withdrawn");
	/* given again after a refusal, listed first: the date decides */
	assert_consent(f, "{\"age\":16,\"consent_per_purpose\":[" GIVEN("tracing", "child",
	    "true", "2025-06-10") "," GIVEN("tracing", "child", "false", "2025-06-01") "]}",
	    "tracing", NULL, RC_OK, NULL);
	/* same day: the later line */
	assert_consent(f, "{\"age\":16,\"consent_per_purpose\":[" GIVEN("tracing", "child",
	    "true", "2025-06-10") "," GIVEN("tracing", "child", "false", "2025-06-10") "]}",
	    "tracing", NULL, RC_EDENIED, "refused or withdrawn");
	/* consent for one purpose is not consent for another */
	assert_consent(f, "{\"age\":16,\"consent_per_purpose\":[" GIVEN("tracing", "child",
	    "true", "2025-06-10") "]}", "transfer", NULL, RC_EDENIED, "not recorded");
}

static void
test_consent_limited_to_a_recipient_type(void **state)
{
	struct fixture *f = *state;
	const char *ngo_only = "{\"age\":16,\"consent_per_purpose\":[{\"consent_purpose\":"
	    "\"data_sharing\",\"consent_given_by\":\"child\",\"consent_granted\":true,"
	    "\"consent_date\":\"2025-06-01\",\"consent_recipient_type\":\"ngo\"}]}";

	assert_consent(f, ngo_only, "data_sharing", "ngo", RC_OK, NULL);
	assert_consent(f, ngo_only, "data_sharing", "government", RC_EDENIED, NULL);
	assert_consent(f, ngo_only, "data_sharing", NULL, RC_EDENIED, NULL);
	/* unrestricted consent covers every recipient; a later refusal for one wins */
	assert_consent(f, "{\"age\":16,\"consent_per_purpose\":[" GIVEN("data_sharing",
	    "child", "true", "2025-06-01") "]}", "data_sharing", "government", RC_OK, NULL);
	assert_consent(f, "{\"age\":16,\"consent_per_purpose\":[" GIVEN("data_sharing",
	    "child", "true", "2025-06-01") ",{\"consent_purpose\":\"data_sharing\","
	    "\"consent_given_by\":\"child\",\"consent_granted\":false,\"consent_date\":"
	    "\"2025-06-05\",\"consent_recipient_type\":\"government\"}]}", "data_sharing",
	    "government", RC_EDENIED, "refused or withdrawn");
	assert_consent(f, "{\"age\":16,\"consent_per_purpose\":[" GIVEN("data_sharing",
	    "child", "true", "2025-06-01") ",{\"consent_purpose\":\"data_sharing\","
	    "\"consent_given_by\":\"child\",\"consent_granted\":false,\"consent_date\":"
	    "\"2025-06-05\",\"consent_recipient_type\":\"government\"}]}", "data_sharing",
	    "ngo", RC_OK, NULL);
}

static void
test_the_older_consent_fields_still_count(void **state)
{
	struct fixture *f = *state;
	struct consent_result res;

	assert_consent(f, "{\"age\":16,\"consent_for_tracing\":true,\"consent_source\":"
	    "\"child\"}", "tracing", NULL, RC_OK, NULL);
	assert_consent(f, "{\"age\":16,\"consent_for_tracing\":true}", "tracing", NULL,
	    RC_EDENIED, NULL);		/* who gave it is unknown */
	assert_consent(f, "{\"age\":9,\"consent_for_tracing\":true,\"consent_source\":"
	    "\"caregiver\"}", "tracing", NULL, RC_EDENIED, "assent");
	assert_consent(f, "{\"age\":16,\"disclosure_other_orgs\":true,\"consent_source\":"
	    "\"child\"}", "referral", "ngo", RC_OK, NULL);
	/* a later line replaces the older field */
	assert_consent(f, "{\"age\":16,\"registration_date\":\"2025-05-01\","
	    "\"consent_for_tracing\":true,\"consent_source\":\"child\","
	    "\"consent_per_purpose\":[" GIVEN("tracing", "child", "false", "2025-06-01") "]}",
	    "tracing", NULL, RC_EDENIED, "refused or withdrawn");
	assert_int_equal(consent(f, "{\"age\":16}", "", NULL, &res), RC_EINVALID);
	assert_int_equal(consent(f, "{\"age\":16}", NULL, NULL, &res), RC_EINVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_shipped_config_loads_and_agrees_with_roles_and_lookups),
		T(test_response_times_are_configurable),
		T(test_malformed_configs_are_rejected_with_a_message),
		T(test_config_naming_an_unknown_role_or_factor_fails_the_check),
		T(test_the_transition_table_allows_exactly_these_moves),
		T(test_unknown_stages_are_refused),
		T(test_roles_that_may_not_move_cases_are_denied_every_move),
		T(test_assessment_needs_the_initial_assessment_and_a_risk_level),
		T(test_case_planning_needs_an_approved_assessment_or_bia),
		T(test_implementation_needs_an_approved_plan),
		T(test_durable_solution_or_separation_needs_an_approving_bid),
		T(test_closure_request_needs_a_reason),
		T(test_a_case_cannot_be_closed_without_an_approved_closure_request),
		T(test_only_a_supervisor_reopens_a_closed_case),
		T(test_options_list_each_next_stage_with_its_answer),
		T(test_entering_a_stage_clears_the_approvals_it_must_obtain_again),
		T(test_closing_dates_the_closure_and_reopening_logs_who_and_when),
		T(test_assessment_approval_request_then_supervisor_approves),
		T(test_a_caseworker_cannot_approve_any_plan),
		T(test_self_approval_only_where_the_role_allows_it),
		T(test_a_rejection_needs_a_comment_and_can_be_requested_again),
		T(test_approvals_belong_to_their_stage),
		T(test_a_request_needs_what_is_to_be_approved),
		T(test_approval_requests_and_decisions_by_role),
		T(test_calendar_arithmetic),
		T(test_local_days_follow_the_time_zone_and_daylight_saving),
		T(test_a_high_risk_case_is_due_in_24_hours_then_overdue),
		T(test_response_time_follows_the_risk_level),
		T(test_a_paper_registration_starts_the_clock_on_its_day),
		T(test_deadlines_across_a_daylight_saving_change),
		T(test_plan_review_is_monthly_when_high_risk_else_every_three_months),
		T(test_follow_up_visits_are_due_by_risk_or_as_planned),
		T(test_a_bid_is_due_when_the_plan_needs_one),
		T(test_pending_approvals_are_due_for_the_supervisor),
		T(test_closed_cases_owe_nothing),
		T(test_every_domv_factor_belongs_to_a_level),
		T(test_profile_counts_distinct_factors_per_level_with_summaries),
		T(test_a_critical_risk_factor_suggests_high),
		T(test_thresholds_for_high_and_medium),
		T(test_no_factors_no_suggestion_unless_urgent),
		T(test_domv_rule_is_configurable),
		T(test_domv_validate_refuses_a_factor_of_another_level),
		T(test_domv_apply_records_the_suggestion_beside_the_caseworkers_level),
		T(test_under_6_the_caregiver_consents),
		T(test_from_6_to_11_the_child_assents_and_the_caregiver_consents),
		T(test_from_12_to_14_assent_alone_suffices_without_an_appropriate_caregiver),
		T(test_from_15_the_child_consents),
		T(test_a_child_whose_age_is_being_assessed_is_treated_as_a_child),
		T(test_how_the_age_is_read),
		T(test_an_unknown_age_needs_every_childs_band),
		T(test_the_latest_word_counts_and_a_withdrawal_ends_consent),
		T(test_consent_limited_to_a_recipient_type),
		T(test_the_older_consent_fields_still_count),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
