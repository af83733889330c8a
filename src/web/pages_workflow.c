/*
 * pages_workflow.c — the case management workflow on the pages: on a case's page its
 * stage, the stages it may move to (and why not yet), approvals, deadlines and the
 * DoMV vulnerability profile; the forms that move a case and decide approvals; the
 * task list, and the tasks on the home pages.
 *
 * Rule ids, stage names and due kinds come from app/ as codes; every one is shown
 * through a table of msgids here. A redirect after a refusal carries the rule's id
 * (a code, no record data) to the case's page.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "web/html.h"
#include "web/http.h"
#include "web/i18n.h"
#include "web/pages.h"

#define WF_TASKS_HOME	10	/* tasks on a home page */
#define WF_LOCATION_MAX	128	/* a redirect to a case's page */

/* ---- names ------------------------------------------------------------------------------ */

struct wf_name {
	const char	*id;
	const char	*msgid;
};

static const struct wf_name wf_stages[] = {
	{ "new",		"New" },
	{ "assessment",		"Assessment" },
	{ "case_plan",		"Case plan" },
	{ "implementation",	"Implementation" },
	{ "follow_up",		"Follow-up" },
	{ "closure_requested",	"Closure requested" },
	{ "closed",		"Closed" },
	{ "reopened",		"Reopened" },
};

static const struct wf_name wf_approval_types[] = {
	{ "assessment",	"Assessment" },
	{ "bia",	"Best interests assessment" },
	{ "case_plan",	"Case plan" },
	{ "closure",	"Closure" },
};

static const struct wf_name wf_approval_statuses[] = {
	{ "requested",	"Requested" },
	{ "approved",	"Approved" },
	{ "rejected",	"Rejected" },
};

static const struct wf_name wf_due_kinds[] = {
	{ "response",		"Initial assessment (response time)" },
	{ "assessment",		"Comprehensive assessment" },
	{ "case_plan",		"Case plan" },
	{ "plan_review",	"Review of the case plan" },
	{ "follow_up",		"Follow-up visit" },
	{ "bid",		"Best interests determination" },
	{ "approval",		"Approval decision" },
};

/* What a rule that refused says to the user. */
static const struct wf_name wf_rules[] = {
	{ "transition.not_allowed",	"The workflow does not lead there from this stage." },
	{ "transition.role",		"Your role may not move a case to this stage." },
	{ "assessment.needs_initial_assessment",
	    "Needs the date of the initial assessment." },
	{ "assessment.needs_risk_level",	"Needs the risk level." },
	{ "case_plan.needs_approved_assessment",
	    "Needs an assessment or best interests assessment approved by a supervisor." },
	{ "implementation.needs_approved_plan",
	    "Needs a case plan approved by a supervisor." },
	{ "implementation.needs_bid",
	    "The plan proposes a durable solution or a separation from parents against "
	    "their will: it needs a best interests determination that approves it." },
	{ "closure.needs_reason",	"Needs the reason for closing." },
	{ "closure.needs_other_reason",	"Needs the other reason for closing, written out." },
	{ "closure.needs_approval",
	    "Needs the closure request approved by a supervisor." },
	{ "approval.case_closed",	"The case is closed." },
	{ "approval.stage",		"Not at this stage of the case." },
	{ "approval.role_request",	"Your role may not request this approval." },
	{ "approval.role_decide",	"Your role may not approve or reject this." },
	{ "approval.already_requested",	"Already requested: waiting for a decision." },
	{ "approval.not_requested",	"Nothing is waiting for a decision." },
	{ "approval.self",
	    "You requested it or own the case: someone else must decide." },
	{ "approval.comment_required",	"A rejection needs a comment saying why." },
	{ "approval.needs_assessment",
	    "Needs the date of the comprehensive assessment." },
	{ "approval.needs_bia",		"Needs a best interests assessment." },
	{ "approval.needs_case_plan",
	    "Needs the date of the plan and at least one action." },
	/* not rules, but what the forms below may come back with */
	{ "conflict",
	    "Someone saved the case in the meantime. Check it and try again." },
	{ "invalid",			"The case could not be changed: it is not complete." },
};

static const char *
wf_msgid(const struct wf_name *t, size_t n, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < n; i++)
		if (strcmp(t[i].id, id) == 0)
			return t[i].msgid;
	return NULL;
}

#define WF_MSGID(table, id)	wf_msgid((table), sizeof(table) / sizeof((table)[0]), (id))

const char *
page_stage_name(const struct page *p, const char *stage)
{
	const char *m = WF_MSGID(wf_stages, stage);

	return m != NULL ? page_tr(p, m) : (stage != NULL ? stage : "");
}

/* The sentence for rule `rule`; "This is not possible now." for one without. */
static const char *
wf_rule_text(const struct page *p, const char *rule)
{
	const char *m = WF_MSGID(wf_rules, rule);

	return page_tr(p, m != NULL ? m : "This is not possible now.");
}

/* The name of a task or deadline: its kind, and for an approval which one. */
static void
wf_due_name(struct page *p, const json_t *d)
{
	const char *kind = json_get_str(d, "kind"), *m = WF_MSGID(wf_due_kinds, kind);
	const char *ap = WF_MSGID(wf_approval_types, json_get_str(d, "approval"));

	if (kind != NULL && strcmp(kind, "approval") == 0 && ap != NULL)
		page_say_args(p, "Approval decision: {1}", page_tr(p, ap), NULL, NULL);
	else
		html_text(&p->h, m != NULL ? page_tr(p, m) : kind);
}

/* When it is due, marked when overdue: the time of an elapsed-time deadline (the
 * response), the day of a date-based one (due by the end of that local day). */
static void
wf_due_when(struct page *p, const json_t *d)
{
	const char *kind = json_get_str(d, "kind"), *day = json_get_str(d, "due_date");
	int64_t t = page_iso_time(json_get_str(d, "due_at"));
	int timed = kind != NULL && strcmp(kind, "response") == 0;
	char when[128];

	when[0] = '\0';
	if (timed && t >= 0)
		i18n_datetime(p->lang, t, when, sizeof(when));
	else if (!timed && day != NULL)
		i18n_date(p->lang, day, when, sizeof(when));
	if (json_is_true(json_object_get(d, "overdue"))) {
		HTML_RAW(&p->h, "<span class=\"due overdue\"><span aria-hidden=\"true\">"
		    "\xe2\x9a\xa0 </span>");
		page_say_args(p, timed ? "Overdue since {1}" : "Overdue: due by {1}", when,
		    NULL, NULL);
	} else {
		HTML_RAW(&p->h, "<span class=\"due\">");
		page_say_args(p, timed ? "Due {1}" : "Due by {1}", when, NULL, NULL);
	}
	HTML_RAW(&p->h, "</span>");
}

/* A short id fit for a path: letters and digits only. */
static int
wf_sid_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n > 0 && n < 40 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstu"
	    "vwxyz0123456789-") == n;
}

/* ---- on a case's page --------------------------------------------------------------- */

/* The hidden fields every form on a case's page carries. */
static void
wf_form_open(struct page *p, const char *sid, const char *what, const char *type,
    int64_t rev)
{
	HTML_RAW(&p->h, "<form class=\"inline\" method=\"post\" action=\"/cases/");
	html_url_param(&p->h, sid);
	HTML_RAW(&p->h, "/");
	html_attr(&p->h, what);
	if (type != NULL) {
		HTML_RAW(&p->h, "/");
		html_url_param(&p->h, type);
	}
	HTML_RAW(&p->h, "\">");
	page_csrf(p);
	HTML_RAW(&p->h, "<input type=\"hidden\" name=\"rev\" value=\"");
	html_textf(&p->h, "%" PRId64, rev);
	HTML_RAW(&p->h, "\">");
}

/* The stage and the stages the case may move to, each a button or the reason why
 * not yet. */
static void
wf_stages_show(struct page *p, const json_t *st, const char *sid, int64_t rev)
{
	const json_t *opts = json_object_get(st, "options"), *o;
	const char *to;
	size_t i;

	HTML_RAW(&p->h, "<p id=\"stage\">");
	page_say(p, "Stage:");
	HTML_RAW(&p->h, " <strong>");
	html_text(&p->h, page_stage_name(p, json_get_str(st, "stage")));
	HTML_RAW(&p->h, "</strong></p>\n");
	if (json_array_size(opts) == 0)
		return;
	HTML_RAW(&p->h, "<h3>");
	page_say(p, "Next steps");
	HTML_RAW(&p->h, "</h3><ul id=\"next-stages\" class=\"links\">");
	json_array_foreach(opts, i, o) {
		if ((to = json_get_str(o, "to")) == NULL)
			continue;
		HTML_RAW(&p->h, "<li>");
		if (json_is_true(json_object_get(o, "allowed"))) {
			wf_form_open(p, sid, "stage", NULL, rev);
			HTML_RAW(&p->h, "<input type=\"hidden\" name=\"to\" value=\"");
			html_attr(&p->h, to);
			HTML_RAW(&p->h, "\"><button type=\"submit\" id=\"stage-");
			html_attr(&p->h, to);
			HTML_RAW(&p->h, "\">");
			page_say_args(p, "Move to: {1}", page_stage_name(p, to), NULL, NULL);
			HTML_RAW(&p->h, "</button></form>");
		} else {
			HTML_RAW(&p->h, "<span class=\"muted\" id=\"not-");
			html_attr(&p->h, to);
			HTML_RAW(&p->h, "\">");
			html_text(&p->h, page_stage_name(p, to));
			HTML_RAW(&p->h, ": ");
			html_text(&p->h, wf_rule_text(p, json_get_str(o, "rule")));
			HTML_RAW(&p->h, "</span>");
		}
		HTML_RAW(&p->h, "</li>");
	}
	HTML_RAW(&p->h, "</ul>\n");
}

/* One approval: its status and the buttons the user may press now. */
static void
wf_approval_show(struct page *p, const json_t *ap, const char *sid, int64_t rev)
{
	const char *type = json_get_str(ap, "type"), *status = json_get_str(ap, "status");
	const char *m;
	int may_request = json_is_true(json_object_get(json_object_get(ap, "request"),
	    "allowed"));
	int may_approve = json_is_true(json_object_get(json_object_get(ap, "approve"),
	    "allowed"));
	int may_reject = json_is_true(json_object_get(json_object_get(ap, "reject"),
	    "allowed"));

	if (type == NULL || (status == NULL && !may_request))
		return;		/* nothing to say about an approval nobody can ask for */
	HTML_RAW(&p->h, "<tr><th scope=\"row\">");
	m = WF_MSGID(wf_approval_types, type);
	html_text(&p->h, m != NULL ? page_tr(p, m) : type);
	HTML_RAW(&p->h, "</th><td data-label=\"");
	html_attr(&p->h, page_tr(p, "Status"));
	HTML_RAW(&p->h, "\" id=\"approval-");
	html_attr(&p->h, type);
	HTML_RAW(&p->h, "\">");
	m = WF_MSGID(wf_approval_statuses, status);
	if (m != NULL)
		page_say(p, m);
	else {
		HTML_RAW(&p->h, "<span class=\"muted\">");
		page_say(p, "Not requested");
		HTML_RAW(&p->h, "</span>");
	}
	HTML_RAW(&p->h, "</td><td data-label=\"");
	html_attr(&p->h, page_tr(p, "Action"));
	HTML_RAW(&p->h, "\">");
	if (may_request) {
		wf_form_open(p, sid, "approvals", type, rev);
		HTML_RAW(&p->h, "<input type=\"hidden\" name=\"status\" value=\"requested\">"
		    "<button type=\"submit\" id=\"request-");
		html_attr(&p->h, type);
		HTML_RAW(&p->h, "\">");
		page_say(p, "Request approval");
		HTML_RAW(&p->h, "</button></form>");
	}
	if (may_approve || may_reject) {
		wf_form_open(p, sid, "approvals", type, rev);
		HTML_RAW(&p->h, "<div class=\"field\"><label for=\"comment-");
		html_attr(&p->h, type);
		HTML_RAW(&p->h, "\">");
		page_say(p, "Comment (needed to reject)");
		HTML_RAW(&p->h, "</label><textarea id=\"comment-");
		html_attr(&p->h, type);
		HTML_RAW(&p->h, "\" name=\"comment\" rows=\"2\" maxlength=\"2000\">"
		    "</textarea></div>");
		if (may_approve) {
			HTML_RAW(&p->h, "<button type=\"submit\" name=\"status\" "
			    "value=\"approved\" id=\"approve-");
			html_attr(&p->h, type);
			HTML_RAW(&p->h, "\">");
			page_say(p, "Approve");
			HTML_RAW(&p->h, "</button> ");
		}
		if (may_reject) {
			HTML_RAW(&p->h, "<button type=\"submit\" class=\"danger\" "
			    "name=\"status\" value=\"rejected\" id=\"reject-");
			html_attr(&p->h, type);
			HTML_RAW(&p->h, "\">");
			page_say(p, "Reject");
			HTML_RAW(&p->h, "</button>");
		}
		HTML_RAW(&p->h, "</form>");
	} else if (status != NULL && strcmp(status, "requested") == 0 && !may_request) {
		const json_t *why = json_object_get(ap, "approve");

		HTML_RAW(&p->h, "<span class=\"muted\">");
		html_text(&p->h, wf_rule_text(p, json_get_str(why, "rule")));
		HTML_RAW(&p->h, "</span>");
	}
	HTML_RAW(&p->h, "</td></tr>");
}

/* The requests and decisions, newest first. */
static void
wf_approval_log_show(struct page *p, const json_t *log)
{
	const json_t *e;
	const char *m;
	size_t i, n = json_array_size(log);

	if (n == 0)
		return;
	HTML_RAW(&p->h, "<ol id=\"approval-log\" class=\"history\">");
	for (i = n; i > 0; i--) {
		e = json_array_get(log, i - 1);
		HTML_RAW(&p->h, "<li><p><span class=\"when\">");
		page_date(p, json_get_str(e, "date"));
		HTML_RAW(&p->h, "</span> \xc2\xb7 <span class=\"who\">");
		html_text(&p->h, json_get_str(e, "by"));
		HTML_RAW(&p->h, "</span> \xc2\xb7 ");
		m = WF_MSGID(wf_approval_types, json_get_str(e, "type"));
		html_text(&p->h, m != NULL ? page_tr(p, m) : json_get_str(e, "type"));
		HTML_RAW(&p->h, ": ");
		m = WF_MSGID(wf_approval_statuses, json_get_str(e, "status"));
		html_text(&p->h, m != NULL ? page_tr(p, m) : json_get_str(e, "status"));
		HTML_RAW(&p->h, "</p>");
		if (json_get_str(e, "comment") != NULL) {
			HTML_RAW(&p->h, "<p><bdi class=\"pre\">");
			html_text(&p->h, json_get_str(e, "comment"));
			HTML_RAW(&p->h, "</bdi></p>");
		}
		HTML_RAW(&p->h, "</li>");
	}
	HTML_RAW(&p->h, "</ol>\n");
}

void
page_deadlines(struct page *p, const json_t *deadlines)
{
	const json_t *d;
	size_t i;

	if (json_array_size(deadlines) == 0) {
		HTML_RAW(&p->h, "<p class=\"muted\">");
		page_say(p, "Nothing is due.");
		HTML_RAW(&p->h, "</p>\n");
		return;
	}
	HTML_RAW(&p->h, "<ul id=\"deadlines\" class=\"case-items\">");
	json_array_foreach(deadlines, i, d) {
		HTML_RAW(&p->h, "<li");
		if (json_is_true(json_object_get(d, "overdue")))
			HTML_RAW(&p->h, " class=\"overdue\"");
		HTML_RAW(&p->h, "><strong>");
		wf_due_name(p, d);
		HTML_RAW(&p->h, "</strong> ");
		wf_due_when(p, d);
		HTML_RAW(&p->h, "</li>");
	}
	HTML_RAW(&p->h, "</ul>\n");
}

/* A DoMV reason as a sentence. */
static void
wf_domv_reason(struct page *p, struct case_form *cf, const json_t *r)
{
	const char *code = json_get_str(r, "code"), *detail = json_get_str(r, "detail");
	const json_t *f = NULL, *sf, *factor = NULL;
	char a[64], b[64], text[256];
	size_t i;

	a[0] = b[0] = '\0';
	if (detail != NULL && strstr(detail, ">=") != NULL &&
	    sscanf(detail, "%63[-0-9]>=%63[0-9]", a, b) != 2)
		a[0] = b[0] = '\0';
	if (code == NULL)
		return;
	if (strcmp(code, "critical_factor") == 0) {
		/* the factor's name from the DoMV subform's options */
		json_array_foreach(json_object_get(cf->form, "fields"), i, sf)
			if (json_get_str(sf, "id") != NULL &&
			    strcmp(json_get_str(sf, "id"), "domv_factors") == 0)
				f = sf;
		json_array_foreach(json_object_get(f, "fields"), i, sf)
			if (json_get_str(sf, "id") != NULL &&
			    strcmp(json_get_str(sf, "id"), "domv_factor") == 0)
				factor = sf;
		page_option_text(p, factor, detail, text, sizeof(text));
		page_say_args(p, "A critical risk factor is recorded: {1}", text, NULL, NULL);
	} else if (strcmp(code, "individual_risks") == 0)
		page_say_args(p, "{1} risk factors at the individual level (threshold {2})",
		    a, b, NULL);
	else if (strcmp(code, "net_risks") == 0)
		page_say_args(p, "{1} more risk factors than protective ones (threshold {2})",
		    a, b, NULL);
	else if (strcmp(code, "levels_with_risk") == 0)
		page_say_args(p, "Risk factors at {1} levels (threshold {2})", a, b, NULL);
	else if (strcmp(code, "urgent_concern") == 0)
		page_say(p, "An urgent protection concern is recorded");
	else if (strcmp(code, "below_thresholds") == 0)
		page_say(p, "Factors are recorded, below the thresholds for medium or high");
	else if (strcmp(code, "no_factors") == 0)
		page_say(p, "No factor is recorded");
	else
		html_text(&p->h, code);
}

/* The vulnerability profile per level, and the suggested risk level with its reasons
 * beside the caseworker's own. */
static void
wf_domv_show(struct page *p, struct case_form *cf, const json_t *c, const json_t *domv)
{
	static const struct wf_name levels[] = {
		{ "individual",	"Individual" },
		{ "household",	"Household and family" },
		{ "community",	"Community" },
		{ "structural",	"Structural" },
	};
	const json_t *lv, *r;
	const char *summary;
	size_t i;

	HTML_RAW(&p->h, "<section id=\"domv-profile\" aria-labelledby=\"domv-title\">"
	    "<h2 id=\"domv-title\">");
	page_say(p, "Vulnerability profile (DoMV)");
	HTML_RAW(&p->h, "</h2>\n<dl class=\"facts\"><div><dt>");
	page_say(p, "Risk level set by the caseworker");
	HTML_RAW(&p->h, "</dt><dd id=\"risk-level\">");
	page_risk(p, json_get_str(c, "risk_level"));
	HTML_RAW(&p->h, "</dd></div><div><dt>");
	page_say(p, "Risk level the assessment suggests");
	HTML_RAW(&p->h, "</dt><dd id=\"risk-suggested\">");
	if (json_get_str(domv, "suggested") != NULL)
		page_risk(p, json_get_str(domv, "suggested"));
	else {
		HTML_RAW(&p->h, "<span class=\"muted\">");
		page_say(p, "No suggestion");
		HTML_RAW(&p->h, "</span>");
	}
	HTML_RAW(&p->h, "</dd></div></dl>\n<ul id=\"risk-reasons\">");
	json_array_foreach(json_object_get(domv, "reasons"), i, r) {
		HTML_RAW(&p->h, "<li>");
		wf_domv_reason(p, cf, r);
		HTML_RAW(&p->h, "</li>");
	}
	HTML_RAW(&p->h, "</ul>\n<div class=\"table-wrap\"><table id=\"domv-levels\" "
	    "class=\"cards numbers\"><caption>");
	page_say(p, "Factors per level");
	HTML_RAW(&p->h, "</caption><thead><tr><th scope=\"col\">");
	page_say(p, "Level");
	HTML_RAW(&p->h, "</th><th scope=\"col\">");
	page_say(p, "Risk factors");
	HTML_RAW(&p->h, "</th><th scope=\"col\">");
	page_say(p, "Protective factors");
	HTML_RAW(&p->h, "</th><th scope=\"col\">");
	page_say(p, "Summary");
	HTML_RAW(&p->h, "</th></tr></thead><tbody>");
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		lv = json_object_get(json_object_get(domv, "levels"), levels[i].id);
		HTML_RAW(&p->h, "<tr id=\"domv-");
		html_attr(&p->h, levels[i].id);
		HTML_RAW(&p->h, "\"><th scope=\"row\">");
		page_say(p, levels[i].msgid);
		HTML_RAW(&p->h, "</th><td data-label=\"");
		html_attr(&p->h, page_tr(p, "Risk factors"));
		HTML_RAW(&p->h, "\">");
		html_textf(&p->h, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(lv, "risk")));
		HTML_RAW(&p->h, "</td><td data-label=\"");
		html_attr(&p->h, page_tr(p, "Protective factors"));
		HTML_RAW(&p->h, "\">");
		html_textf(&p->h, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(lv, "protective")));
		HTML_RAW(&p->h, "</td><td data-label=\"");
		html_attr(&p->h, page_tr(p, "Summary"));
		HTML_RAW(&p->h, "\">");
		if ((summary = json_get_str(lv, "summary")) != NULL) {
			HTML_RAW(&p->h, "<bdi class=\"pre\">");
			html_text(&p->h, summary);
			HTML_RAW(&p->h, "</bdi>");
		}
		HTML_RAW(&p->h, "</td></tr>");
	}
	HTML_RAW(&p->h, "</tbody></table></div>\n</section>\n");
}

void
page_case_workflow(struct page *p, struct case_form *cf, const json_t *c)
{
	const json_t *st = json_object_get(c, "workflow_state"), *ap, *apps;
	const char *sid = json_get_str(c, "short_id");
	int64_t rev = json_integer_value(json_object_get(c, "rev"));
	size_t i;
	int any = 0;

	if (st == NULL || !wf_sid_ok(sid))
		return;
	HTML_RAW(&p->h, "<section id=\"workflow\" aria-labelledby=\"workflow-title\">"
	    "<h2 id=\"workflow-title\">");
	page_say(p, "Workflow");
	HTML_RAW(&p->h, "</h2>\n");
	wf_stages_show(p, st, sid, rev);
	apps = json_object_get(st, "approvals");
	json_array_foreach(apps, i, ap)
		if (json_get_str(ap, "status") != NULL || json_is_true(json_object_get(
		    json_object_get(ap, "request"), "allowed")))
			any = 1;
	if (any) {
		HTML_RAW(&p->h, "<div class=\"table-wrap\"><table id=\"approvals\" "
		    "class=\"cards\"><caption>");
		page_say(p, "Approvals");
		HTML_RAW(&p->h, "</caption><thead><tr><th scope=\"col\">");
		page_say(p, "Approval");
		HTML_RAW(&p->h, "</th><th scope=\"col\">");
		page_say(p, "Status");
		HTML_RAW(&p->h, "</th><th scope=\"col\">");
		page_say(p, "Action");
		HTML_RAW(&p->h, "</th></tr></thead><tbody>");
		json_array_foreach(apps, i, ap)
			wf_approval_show(p, ap, sid, rev);
		HTML_RAW(&p->h, "</tbody></table></div>\n");
	}
	wf_approval_log_show(p, json_object_get(st, "approval_log"));
	HTML_RAW(&p->h, "<h3>");
	page_say(p, "Deadlines");
	HTML_RAW(&p->h, "</h3>\n");
	page_deadlines(p, json_object_get(c, "deadlines"));
	HTML_RAW(&p->h, "</section>\n");
	if (json_object_get(st, "domv") != NULL)
		wf_domv_show(p, cf, c, json_object_get(st, "domv"));
}

void
page_case_refused(struct page *p)
{
	const char *rule = http_query(p->req, "rule"), *done = http_query(p->req, "done");

	if (rule != NULL && WF_MSGID(wf_rules, rule) != NULL)
		page_alert(p, "workflow-refused", wf_rule_text(p, rule));
	else if (done != NULL && strcmp(done, "stage") == 0)
		page_notice(p, page_tr(p, "The case has moved to its new stage."));
	else if (done != NULL && strcmp(done, "approval") == 0)
		page_notice(p, page_tr(p, "The approval has been recorded."));
}

/* ---- the forms that move a case ------------------------------------------------------- */

/* Back to the case's page, with `key`=`value` (codes only). */
static void
wf_back(struct http_request *req, struct http_response *resp, const char *key,
    const char *value)
{
	char location[WF_LOCATION_MAX];
	int n;

	if (!wf_sid_ok(req->params[0]) || strspn(value, "abcdefghijklmnopqrstuvwxyz_.") !=
	    strlen(value)) {
		page_error(req, resp, 404);
		return;
	}
	n = snprintf(location, sizeof(location), "/cases/%s?%s=%s", req->params[0], key,
	    value);
	if (n < 0 || (size_t)n >= sizeof(location)) {
		page_error(req, resp, 404);
		return;
	}
	http_redirect(resp, location);
}

/* After a change: back to the case, saying what happened or which rule refused. */
static void
wf_answer(struct http_request *req, struct http_response *resp, int rc,
    const struct app_error *err, const char *done)
{
	if (rc == RC_OK)
		wf_back(req, resp, "done", done);
	else if (rc == RC_EINVALID && strcmp(err->code, "rule") == 0 && err->fields.n == 1)
		wf_back(req, resp, "rule", err->fields.e[0].problem);
	else if (rc == RC_EINVALID)
		wf_back(req, resp, "rule", "invalid");
	else if (rc == RC_ECONFLICT)
		wf_back(req, resp, "rule", "conflict");
	else
		page_app_error(req, resp, rc, err);
}

static int64_t
wf_form_rev(const struct http_request *req)
{
	const char *s = http_form(req, "rev");

	return s != NULL && strspn(s, "0123456789") == strlen(s) && strlen(s) < 18 ?
	    strtoll(s, NULL, 10) : 0;
}

/* POST /cases/{id}/stage: to=STAGE, rev */
static void
page_case_stage(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	const char *to = http_form(req, "to");
	int64_t rev = wf_form_rev(req);
	json_t *patch = NULL, *ref = NULL;
	int rc;

	if (to == NULL || rev < 1) {
		page_error(req, resp, 400);
		return;
	}
	if ((patch = json_pack("{s:s}", "workflow", to)) == NULL) {
		page_error(req, resp, 500);
		return;
	}
	rc = app_case_update(req->app, &req->actor, req->params[0], rev, patch, &ref, &err);
	wf_answer(req, resp, rc, &err, "stage");
	json_decref(patch);
	json_decref(ref);
}

/* POST /cases/{id}/approvals/{type}: status, comment, rev */
static void
page_case_approval(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	const char *status = http_form(req, "status"), *comment = http_form(req, "comment");
	int64_t rev = wf_form_rev(req);
	json_t *data = NULL, *ref = NULL;
	int rc;

	if (status == NULL || rev < 1) {
		page_error(req, resp, 400);
		return;
	}
	if (comment != NULL && comment[strspn(comment, " \t\r\n")] == '\0')
		comment = NULL;
	if ((data = json_pack("{s:s, s:s?}", "approval_status", status, "comment",
	    comment)) == NULL) {
		page_error(req, resp, 500);
		return;
	}
	if (json_is_null(json_object_get(data, "comment")))
		json_object_del(data, "comment");
	rc = app_case_approval(req->app, &req->actor, req->params[0], rev, req->params[1],
	    data, &ref, &err);
	wf_answer(req, resp, rc, &err, "approval");
	json_decref(data);
	json_decref(ref);
}

/* ---- the task list ---------------------------------------------------------------------- */

/* The rows of a task table. */
static void
wf_task_rows(struct page *p, const json_t *rows, int supervisor)
{
	const json_t *t;
	const char *sid, *who;
	size_t i;

	HTML_RAW(&p->h, "<thead><tr><th scope=\"col\">");
	page_say(p, "Task");
	HTML_RAW(&p->h, "</th><th scope=\"col\">");
	page_say(p, "Case ID");
	HTML_RAW(&p->h, "</th><th scope=\"col\">");
	page_say(p, "When");
	HTML_RAW(&p->h, "</th><th scope=\"col\">");
	page_say(p, "Risk");
	if (supervisor) {
		HTML_RAW(&p->h, "</th><th scope=\"col\">");
		page_say(p, "Caseworker");
	}
	HTML_RAW(&p->h, "</th></tr></thead><tbody>");
	json_array_foreach(rows, i, t) {
		sid = json_get_str(t, "short_id");
		HTML_RAW(&p->h, "<tr><th scope=\"row\">");
		wf_due_name(p, t);
		HTML_RAW(&p->h, "</th><td data-label=\"");
		html_attr(&p->h, page_tr(p, "Case ID"));
		HTML_RAW(&p->h, "\"><a class=\"sid\" href=\"/cases/");
		html_url_param(&p->h, sid);
		HTML_RAW(&p->h, "\">");
		html_text(&p->h, sid);
		HTML_RAW(&p->h, "</a></td><td data-label=\"");
		html_attr(&p->h, page_tr(p, "When"));
		HTML_RAW(&p->h, "\">");
		wf_due_when(p, t);
		HTML_RAW(&p->h, "</td><td data-label=\"");
		html_attr(&p->h, page_tr(p, "Risk"));
		HTML_RAW(&p->h, "\">");
		page_risk(p, json_get_str(t, "risk_level"));
		if (supervisor) {
			HTML_RAW(&p->h, "</td><td data-label=\"");
			html_attr(&p->h, page_tr(p, "Caseworker"));
			HTML_RAW(&p->h, "\">");
			who = json_get_str(t, "owned_by");
			if (who != NULL)
				html_text(&p->h, who);
			else
				page_say(p, "Supervisors");
		}
		HTML_RAW(&p->h, "</td></tr>");
	}
	HTML_RAW(&p->h, "</tbody>");
}

/* One list of a home page's tasks; returns how many are late in all (-1 on error). */
static int64_t
wf_home_list(struct page *p, const char *id, const char *title,
    const struct app_task_query *q)
{
	struct app_error err = { 0 };
	json_t *out = NULL;
	int64_t late;
	int supervisor = strcmp(p->req->actor.pu.role, "caseworker") != 0;

	if (app_task_list(p->req->app, &p->req->actor, q, &out, &err) != RC_OK) {
		page_alert(p, "tasks-error", page_tr(p, "The tasks cannot be shown now."));
		return -1;
	}
	late = json_integer_value(json_object_get(json_object_get(out, "metadata"),
	    "overdue"));
	HTML_RAW(&p->h, "<h3>");
	page_say(p, title);
	HTML_RAW(&p->h, "</h3>\n");
	if (json_array_size(json_object_get(out, "data")) == 0) {
		HTML_RAW(&p->h, "<p class=\"muted\">");
		page_say(p, q->overdue_only ? "Nothing is overdue." : "Nothing is due.");
		HTML_RAW(&p->h, "</p>\n");
	} else {
		HTML_RAW(&p->h, "<div class=\"table-wrap\"><table id=\"");
		html_attr(&p->h, id);
		HTML_RAW(&p->h, "\" class=\"cards\">");
		wf_task_rows(p, json_object_get(out, "data"), supervisor);
		HTML_RAW(&p->h, "</table></div>\n");
	}
	json_decref(out);
	return late;
}

void
page_home_tasks(struct page *p)
{
	struct app_task_query q = { 0 };
	char num[32];
	int64_t late;

	if (!page_may(p, "task.list"))
		return;
	HTML_RAW(&p->h, "<section id=\"home-tasks\" aria-labelledby=\"home-tasks-title\">"
	    "<h2 id=\"home-tasks-title\">");
	page_say(p, "Tasks");
	HTML_RAW(&p->h, "</h2>\n");
	/* what just became late first: the longest late are on /tasks */
	q.overdue_only = 1;
	q.latest_first = 1;
	q.per = WF_TASKS_HOME;
	if ((late = wf_home_list(p, "home-overdue-list", "Overdue tasks", &q)) < 0)
		goto out;
	snprintf(num, sizeof(num), "%" PRId64, late);
	HTML_RAW(&p->h, "<p id=\"tasks-overdue\" class=\"lead\">");
	page_say_args(p, "{1} tasks overdue.", num, NULL, NULL);
	HTML_RAW(&p->h, " <a href=\"/tasks?overdue=1\">");
	page_say(p, "See them all");
	HTML_RAW(&p->h, "</a></p>\n");
	/* a caseworker also sees what comes next, soonest first */
	if (strcmp(p->req->actor.pu.role, "caseworker") == 0) {
		memset(&q, 0, sizeof(q));
		q.upcoming_only = 1;
		q.per = WF_TASKS_HOME;
		if (wf_home_list(p, "home-task-list", "What is due next", &q) < 0)
			goto out;
		HTML_RAW(&p->h, "<p><a href=\"/tasks\">");
		page_say(p, "All tasks");
		HTML_RAW(&p->h, "</a></p>\n");
	}
out:
	HTML_RAW(&p->h, "</section>\n");
}

/* GET /tasks[?overdue=1][&page=N] */
static void
page_tasks(struct http_request *req, struct http_response *resp)
{
	struct app_task_query q = { 0 };
	struct app_error err = { 0 };
	json_t *out = NULL;
	int64_t total, pages, late;
	char num[32], num2[32];
	struct page p;
	int rc, supervisor = strcmp(req->actor.pu.role, "caseworker") != 0;

	q.overdue_only = page_query_int(req, "overdue", 0, 1, 0) == 1;
	q.page = page_query_int(req, "page", 1, 1000000, 1);
	q.per = PAGE_PER;
	page_init(&p, req, resp);
	if ((rc = app_task_list(req->app, &req->actor, &q, &out, &err)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		return;
	}
	page_head(&p, "Tasks", "tasks");
	page_h1(&p, page_tr(&p, "Tasks"));
	total = json_integer_value(json_object_get(json_object_get(out, "metadata"),
	    "total"));
	late = json_integer_value(json_object_get(json_object_get(out, "metadata"),
	    "overdue"));
	snprintf(num, sizeof(num), "%" PRId64, late);
	HTML_RAW(&p.h, "<nav class=\"subnav\" aria-label=\"");
	html_attr(&p.h, page_tr(&p, "Tasks"));
	HTML_RAW(&p.h, "\"><ul><li><a href=\"/tasks\"");
	if (!q.overdue_only)
		HTML_RAW(&p.h, " aria-current=\"page\"");
	HTML_RAW(&p.h, ">");
	page_say(&p, "Everything due");
	HTML_RAW(&p.h, "</a></li><li><a id=\"only-overdue\" href=\"/tasks?overdue=1\"");
	if (q.overdue_only)
		HTML_RAW(&p.h, " aria-current=\"page\"");
	HTML_RAW(&p.h, ">");
	page_say_args(&p, "Overdue ({1})", num, NULL, NULL);
	HTML_RAW(&p.h, "</a></li></ul></nav>\n");
	if (json_array_size(json_object_get(out, "data")) == 0) {
		HTML_RAW(&p.h, "<p class=\"muted\">");
		page_say(&p, q.overdue_only ? "Nothing is overdue." : "Nothing is due.");
		HTML_RAW(&p.h, "</p>\n");
	} else {
		HTML_RAW(&p.h, "<div class=\"table-wrap\"><table id=\"task-list\" "
		    "class=\"cards\">");
		wf_task_rows(&p, json_object_get(out, "data"), supervisor);
		HTML_RAW(&p.h, "</table></div>\n");
	}
	pages = (total + q.per - 1) / q.per;
	if (pages > 1) {
		snprintf(num, sizeof(num), "%" PRId64, q.page);
		snprintf(num2, sizeof(num2), "%" PRId64, pages);
		HTML_RAW(&p.h, "<nav class=\"pager\" aria-label=\"");
		html_attr(&p.h, page_tr(&p, "Pages"));
		HTML_RAW(&p.h, "\">");
		if (q.page > 1) {
			HTML_RAW(&p.h, "<a rel=\"prev\" href=\"/tasks?page=");
			html_textf(&p.h, "%" PRId64, q.page - 1);
			if (q.overdue_only)
				HTML_RAW(&p.h, "&amp;overdue=1");
			HTML_RAW(&p.h, "\">");
			page_say(&p, "Previous");
			HTML_RAW(&p.h, "</a>");
		}
		HTML_RAW(&p.h, " <span>");
		page_say_args(&p, "Page {1} of {2}", num, num2, NULL);
		HTML_RAW(&p.h, "</span> ");
		if (q.page < pages) {
			HTML_RAW(&p.h, "<a rel=\"next\" href=\"/tasks?page=");
			html_textf(&p.h, "%" PRId64, q.page + 1);
			if (q.overdue_only)
				HTML_RAW(&p.h, "&amp;overdue=1");
			HTML_RAW(&p.h, "\">");
			page_say(&p, "Next");
			HTML_RAW(&p.h, "</a>");
		}
		HTML_RAW(&p.h, "</nav>\n");
	}
	page_finish(&p, 200);
	json_decref(out);
}

/* ---- the routes ------------------------------------------------------------------------ */

static const struct http_route pages_workflow_table[] = {
	{ HTTP_GET,  "/tasks",				HTTP_PAGE,	page_tasks, NULL },
	{ HTTP_POST, "/cases/{id}/stage",		HTTP_PAGE,	page_case_stage, NULL },
	{ HTTP_POST, "/cases/{id}/approvals/{type}",	HTTP_PAGE,	page_case_approval,
	    NULL },
};

static const struct http_routes pages_workflow_table_routes = {
	pages_workflow_table,
	sizeof(pages_workflow_table) / sizeof(pages_workflow_table[0])
};

const struct http_routes *
pages_workflow_routes(void)
{
	return &pages_workflow_table_routes;
}
