/*
 * workflow.h — the case management workflow of DOMAIN.md: stages and the transitions
 * between them, the supervisor's approvals, and the deadlines that a case's risk level
 * sets. Pure: the rules come from config/workflow.json, the case from its body (the
 * fields of config/forms/case.json) and index columns, the time and time zone from the
 * caller.
 *
 * STAGES (record_meta.workflow; record_meta.status is "closed" at "closed", else "open")
 *
 *   from               to                  needs (in the case body)
 *   new                assessment          initial_assessment_date and risk_level
 *   assessment         case_plan           approval_status_assessment or
 *                                          approval_status_bia "approved"
 *   case_plan          implementation      approval_status_case_plan "approved" and,
 *                                          when durable_solution_proposed or
 *                                          separation_from_parents_against_will is true,
 *                                          bid_decision "approve"
 *   implementation     follow_up           the same as implementation
 *   follow_up          implementation      the same as implementation
 *   (reviews)          case_plan, from implementation and follow_up: as case_plan
 *                      assessment, from case_plan, implementation and follow_up: as
 *                      assessment
 *   any open stage     closure_requested   closure_reason (and closure_reason_other when
 *                                          the reason is "other")
 *   closure_requested  closed              approval_status_closure "approved"
 *   closure_requested  assessment, case_plan, implementation, follow_up (request
 *                      withdrawn): what that stage needs
 *   closed             reopened            —
 *   reopened           assessment, case_plan, implementation, closure_requested
 *
 * "Any open stage" is new, assessment, case_plan, implementation, follow_up, reopened.
 * Who may move a case into each stage is "stage_roles" in workflow.json (by default
 * caseworkers and supervisors, and only supervisors reopen). Whether the user may
 * touch the case at all is policy.h's question, asked first by app/.
 *
 * APPROVALS (type assessment | bia | case_plan | closure; status requested | approved
 * | rejected). The current status of each type is the system field
 * approval_status_<type>; the history is the system subform approval_subforms, one
 * entry per request or decision (Primero's fields: approval_requested_for or
 * approval_response_for, approval_status, approval_date, requested_by, approved_by,
 * approval_manager_comments). A type may be requested or decided only at these
 * stages, and a request needs:
 *   assessment  stage assessment             comprehensive_assessment_date
 *   bia         any stage but closed         a bia_subform_section entry
 *   case_plan   stage case_plan              date_case_plan and one action in
 *                                            cp_case_plan_subform_case_plan_interventions
 *   closure     stage closure_requested      closure_reason (as above)
 * Requests come from the roles in approvals.<type>.request, decisions from
 * approvals.<type>.decide, only on a pending request; a rejection needs a comment.
 * Deciding on one's own request, or on a case one owns, needs the role to be in
 * approvals.<type>.self_approval.
 *
 * Entering a stage clears the approvals that it exists to obtain again: assessment
 * clears the assessment and case plan approvals, case_plan the case plan approval,
 * closure_requested and reopened the closure approval (workflow_transition_apply).
 *
 * DEADLINES (workflow_deadlines), for open cases only, with R the case's risk level
 * ("none" when not set yet) and registration the registration_date, else the local
 * date of created_at:
 *   response    stage new, until initial_assessment_date is set: response_hours[R]
 *               after registration (created_at; or, when registration_date is an
 *               earlier day, that day's local midnight — in the child's favour)
 *   assessment  stages new and assessment, until comprehensive_assessment_date:
 *               registration + assessment_days
 *   case_plan   stages new, assessment and case_plan, until date_case_plan:
 *               comprehensive_assessment_date (else the assessment due date) +
 *               case_plan_days
 *   plan_review stages implementation and follow_up: the later of the case plan's
 *               approval and the last follow-up of type case_plan_review +
 *               plan_review_months[R] calendar months
 *   follow_up   stages implementation and follow_up: the earliest followup_needed_by_date
 *               of a planned visit (no followup_date yet); else the last followup_date
 *               (else the plan's approval) + follow_up_days[R]
 *   bid         stages case_plan, implementation and follow_up, when a BID is needed
 *               (above) and bid_decision is not "approve": bid_followup_date when the
 *               decision was deferred, else date_case_plan (else registration) +
 *               bid_days
 *   approval    any open stage, one per pending request: its approval_date +
 *               approval_days (the supervisors' task list)
 * Date-based deadlines fall due at the end of their local day (deadline.h).
 */
#ifndef DOMAIN_WORKFLOW_H
#define DOMAIN_WORKFLOW_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "base/clock.h"
#include "base/record_meta.h"
#include "domain/consent.h"
#include "domain/deadline.h"
#include "domain/domv.h"

struct forms;
struct policy;

enum workflow_stage {
	WS_NEW,
	WS_ASSESSMENT,
	WS_CASE_PLAN,
	WS_IMPLEMENTATION,
	WS_FOLLOW_UP,
	WS_CLOSURE_REQUESTED,
	WS_CLOSED,
	WS_REOPENED,
	WS__MAX
};

enum workflow_approval {
	WA_ASSESSMENT,
	WA_BIA,
	WA_CASE_PLAN,
	WA_CLOSURE,
	WA__MAX
};

enum workflow_approval_status {
	WAS_REQUESTED,
	WAS_APPROVED,
	WAS_REJECTED,
	WAS__MAX
};

enum workflow_due_kind {
	WDK_RESPONSE,
	WDK_ASSESSMENT,
	WDK_CASE_PLAN,
	WDK_PLAN_REVIEW,
	WDK_FOLLOW_UP,
	WDK_BID,
	WDK_APPROVAL,
	WDK__MAX
};

/* Names as in the JSON and the index columns: "new", "closure_requested", ...;
 * "assessment", "bia", ...; "requested", ...; "response", "plan_review", .... */
const char *workflow_stage_name(enum workflow_stage s);
const char *workflow_approval_name(enum workflow_approval a);
const char *workflow_approval_status_name(enum workflow_approval_status s);
const char *workflow_due_kind_name(enum workflow_due_kind k);
/* The value named `s`, or -1. */
int	workflow_stage_parse(const char *s);
int	workflow_approval_parse(const char *s);
int	workflow_approval_status_parse(const char *s);

/* "open" or "closed" for stage `stage`; NULL when it is no stage. */
const char *workflow_stage_status(const char *stage);

/* ---- configuration ---------------------------------------------------------------- */

struct workflow_config;

/*
 * Parse config/workflow.json (`n` bytes at `json`):
 *
 *	{"response_hours": {"high": 24, "medium": 72, "low": 168, "none": 72},
 *	 "assessment_days": 14, "case_plan_days": 14, "bid_days": 30,
 *	 "approval_days": 3,
 *	 "plan_review_months": {"high": 1, "medium": 3, "low": 3, "none": 3},
 *	 "follow_up_days": {"high": 7, "medium": 14, "low": 30, "none": 14},
 *	 "stage_roles": {"assessment": ["caseworker", "supervisor"], ...,
 *			 "reopened": ["supervisor"]},	every stage but "new"
 *	 "approvals": {"assessment": {"request": [...], "decide": ["supervisor"],
 *				      "self_approval": []}, "bia": ..., "case_plan": ...,
 *				      "closure": ...},
 *	 "consent_age_bands": [...],	consent.h
 *	 "domv": {...}}			domv.h
 *
 * Every key is required ("_comment" is allowed and ignored); hours 1..8760, days
 * 1..365, months 1..24; role lists hold 1 to 16 role ids (self_approval may be empty
 * and must be a subset of decide). RC_OK with `*out` (workflow_config_free), or
 * RC_EINVALID / RC_ENOMEM with `msg` naming the key and problem.
 */
int	workflow_config_load(const char *json, size_t n, struct workflow_config **out,
	    char *msg, size_t msgsz);
void	workflow_config_free(struct workflow_config *cfg);	/* NULL is fine */

/*
 * Cross-check a loaded configuration with the roles and lookups of the instance:
 * every role named exists in `p`; every critical DoMV factor is a value of
 * lookup-domv-factors and every consent giver one of lookup-consent-source (when `fs`
 * has them). RC_OK or RC_EINVALID with `msg`.
 */
int	workflow_config_check(const struct workflow_config *cfg, const struct policy *p,
	    const struct forms *fs, char *msg, size_t msgsz);

const struct domv_rule *workflow_domv_rule(const struct workflow_config *cfg);
const struct consent_rules *workflow_consent_rules(const struct workflow_config *cfg);

/* Seconds from registration to the initial assessment for a risk level ("high",
 * "medium", "low"; anything else, including "", is "none"). */
int64_t	workflow_response_seconds(const struct workflow_config *cfg,
	    const char *risk_level);
/* The four response times in the order high, medium, low, unset (store_caseload). */
void	workflow_response_table(const struct workflow_config *cfg, int64_t out[4]);

/* ---- transitions ------------------------------------------------------------------ */

/* Why something was refused: a stable rule id ("closure.needs_approval") and an
 * English sentence that states the rule; both static. */
struct workflow_why {
	const char	*rule;
	const char	*message;
};

/*
 * May a user of role `role` move a case whose body is `body` from stage `from` to
 * stage `to`? RC_OK; RC_EDENIED when the role may not; RC_EINVALID when a stage is
 * unknown, the move is not in the table or the case lacks what the stage needs. On
 * refusal `why` (not NULL) says which rule refused.
 */
int	workflow_check(const struct workflow_config *cfg, const char *role,
	    const char *from, const char *to, const json_t *body, struct workflow_why *why);

/* One possible next stage and whether `role` could take the case there now. */
struct workflow_option {
	enum workflow_stage	to;
	int			rc;	/* workflow_check's answer */
	struct workflow_why	why;
};

/* The stages the table allows after `from`, each checked (for buttons on the case
 * page). Returns how many were written to `out`; 0 when `from` is unknown. */
size_t	workflow_options(const struct workflow_config *cfg, const char *role,
	    const char *from, const json_t *body, struct workflow_option out[WS__MAX]);

/* The acting user. */
struct workflow_actor {
	const char	*id;	/* user id (UUID) */
	const char	*role;
};

/*
 * Change `body` as the move from `from` to `to` requires, after workflow_check said
 * yes: clear the approvals the new stage obtains again (above); at closed, set
 * date_closure to `today` when absent; at reopened, append {reopened_date,
 * reopened_user} to reopened_logs, set case_status_reopened, and clear the previous
 * closure's closure_reason, closure_reason_other and date_closure (the record
 * history keeps them). The caller sets the index columns (stage, and status from
 * workflow_stage_status). RC_OK, RC_EINVALID (unknown stage), RC_ENOMEM.
 */
int	workflow_transition_apply(json_t *body, const char *from, const char *to,
	    const struct workflow_actor *who, const char *today);

/* ---- approvals -------------------------------------------------------------------- */

/*
 * May `who` set approval `type` of the case (`m`: its stage and owner; `body`) to
 * `status`, with `comment` (NULL or "" for none)? RC_OK; RC_EDENIED (role, or
 * self-approval); RC_EINVALID (unknown type or status, closed case, wrong stage,
 * already requested, nothing to decide, missing content, rejection without comment).
 * `why` names the rule.
 */
int	workflow_approval_check(const struct workflow_config *cfg,
	    const struct workflow_actor *who, const char *type, const char *status,
	    const char *comment, const struct record_meta *m, const json_t *body,
	    struct workflow_why *why);

/*
 * Record it in `body` after workflow_approval_check said yes: append an entry to
 * approval_subforms (a request: approval_requested_for, requested_by; a decision:
 * approval_response_for, approved_by; both approval_status, approval_date = `today`
 * and approval_manager_comments when there is a comment) and set
 * approval_status_<type>. RC_OK, RC_EINVALID, RC_ENOMEM.
 */
int	workflow_approval_apply(json_t *body, const struct workflow_actor *who,
	    const char *type, const char *status, const char *comment, const char *today);

/* ---- deadlines -------------------------------------------------------------------- */

#define WORKFLOW_DUE_MAX	(WDK__MAX + WA__MAX)

struct workflow_due {
	enum workflow_due_kind		kind;
	enum workflow_approval		approval;	/* WDK_APPROVAL: which one */
	int64_t				due_at;		/* Unix seconds: late from then on */
	char				due_date[DATE_SIZE];	/* local day it falls due */
	int				overdue;	/* now >= due_at */
};

/*
 * What is due for the case (`m`: stage, status, risk level, created_at; `body`) at
 * `now`, in time zone `tz` (NULL: UTC), in the order of enum workflow_due_kind.
 * Returns how many items were written to `out`.
 */
size_t	workflow_deadlines(const struct workflow_config *cfg, const struct record_meta *m,
	    const json_t *body, int64_t now, const struct deadline_tz *tz,
	    struct workflow_due out[WORKFLOW_DUE_MAX]);

/* The items as JSON for clients; caller decrefs; NULL on out of memory:
 *	[{"kind": "response", "due_at": "2025-06-16T09:00:00Z", "due_date": "2025-06-16",
 *	  "overdue": false}, {"kind": "approval", "approval": "case_plan", ...}] */
json_t	*workflow_due_to_json(const struct workflow_due *due, size_t n);

#endif
