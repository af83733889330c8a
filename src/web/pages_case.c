/* pages_case.c — the case list, a case, registering a case and editing one. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/app.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "web/html.h"
#include "web/http.h"
#include "web/i18n.h"
#include "web/pages.h"

#define CASE_HISTORY_SHOWN	30	/* revisions listed on a case */
#define CASE_ACCESS_SHOWN	20	/* audit rows listed on a case */
#define CASE_HASH_HEX		9	/* 4 bytes in hex + NUL */
#define CASE_NOTICE_COOKIE	"rc_notice"
#define CASE_SECTION_MAX	48	/* a section id */

/* What registering a case asks for (step 1 of case management: identity, UASC status,
 * family, urgent concerns, consent); the other sections are edited one at a time. */
static const char *const case_registration_sections[] = {
	"basic_identity", "family_details", "protection", "consent", NULL
};

/* ---- shared ----------------------------------------------------------------------------- */

/* A field definition of the case form by id. */
static const json_t *
case_field(const struct case_form *cf, const char *id)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(cf->form, "fields"), i, f)
		if (strcmp(json_get_str(f, "id") ? json_get_str(f, "id") : "", id) == 0)
			return f;
	return NULL;
}

/* One-time notice after a redirect, carried by a short-lived cookie (no data in it). */
static void
case_notice_set(struct http_response *resp)
{
	http_header_add(resp, "Set-Cookie", CASE_NOTICE_COOKIE "=saved; HttpOnly; "
	    "SameSite=Strict; Path=/; Max-Age=60");
}

static int
case_notice_take(struct page *p)
{
	const char *c = http_cookie(p->req, CASE_NOTICE_COOKIE);

	if (c == NULL || strcmp(c, "saved") != 0)
		return 0;
	http_header_add(p->resp, "Set-Cookie", CASE_NOTICE_COOKIE "=; HttpOnly; "
	    "SameSite=Strict; Path=/; Max-Age=0");
	return 1;
}

/* <option>s from a select field's options, `selected` chosen. */
static void
case_filter_options(struct page *p, const json_t *f, const char *selected)
{
	const json_t *o;
	const char *id, *t;
	size_t i;

	json_array_foreach(json_object_get(f, "options"), i, o) {
		if ((id = json_get_str(o, "id")) == NULL)
			continue;
		t = page_label(json_object_get(o, "display_text"), p->lang);
		HTML_RAW(&p->h, "<option value=\"");
		html_attr(&p->h, id);
		HTML_RAW(&p->h, "\"");
		if (selected != NULL && strcmp(selected, id) == 0)
			HTML_RAW(&p->h, " selected");
		HTML_RAW(&p->h, ">");
		html_text(&p->h, t != NULL ? t : id);
		HTML_RAW(&p->h, "</option>");
	}
}

/* A labelled <select> of the search form; the empty option is "Any". */
static void
case_filter_open(struct page *p, const char *id, const char *label)
{
	HTML_RAW(&p->h, "<div class=\"field\"><label for=\"");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\">");
	page_say(p, label);
	HTML_RAW(&p->h, "</label><select id=\"");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\" name=\"");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\"><option value=\"\">");
	page_say(p, "Any");
	HTML_RAW(&p->h, "</option>");
}

static void
case_filter_close(struct page *p)
{
	HTML_RAW(&p->h, "</select></div>");
}

/* Two fixed choices of a filter (status, age band). */
static void
case_filter_fixed(struct page *p, const char *const *ids, const char *const *msgids,
    size_t n, const char *selected)
{
	size_t i;

	for (i = 0; i < n; i++) {
		HTML_RAW(&p->h, "<option value=\"");
		html_attr(&p->h, ids[i]);
		HTML_RAW(&p->h, "\"");
		if (selected != NULL && strcmp(selected, ids[i]) == 0)
			HTML_RAW(&p->h, " selected");
		HTML_RAW(&p->h, ">");
		if (msgids != NULL)
			page_say(p, msgids[i]);
		else
			html_text(&p->h, ids[i]);
		HTML_RAW(&p->h, "</option>");
	}
}

/* ---- the list ------------------------------------------------------------------------------ */

static const char *const case_filter_names[] = {
	"query", "status", "risk_level", "sex", "age_band", "location", "concern"
};

#define CASE_FILTERS	(sizeof(case_filter_names) / sizeof(case_filter_names[0]))

/* A link to page `page` of the list with the same filters. */
static void
case_list_link(struct page *p, int64_t page, const char *rel, const char *msgid,
    const void *arg)
{
	(void)arg;
	const char *v;
	size_t i;

	HTML_RAW(&p->h, "<a rel=\"");
	html_attr(&p->h, rel);
	HTML_RAW(&p->h, "\" href=\"/cases?page=");
	html_textf(&p->h, "%" PRId64, page);
	for (i = 0; i < CASE_FILTERS; i++) {
		if ((v = http_query(p->req, case_filter_names[i])) == NULL)
			continue;
		HTML_RAW(&p->h, "&amp;");
		html_attr(&p->h, case_filter_names[i]);
		HTML_RAW(&p->h, "=");
		html_url_param(&p->h, v);
	}
	HTML_RAW(&p->h, "\">");
	page_say(p, msgid);
	HTML_RAW(&p->h, "</a>");
}

static void
case_search_form(struct page *p, const struct case_form *cf, const struct app_case_query *q)
{
	static const char *const statuses[] = { "open", "closed" };
	static const char *const status_names[] = { "Open", "Closed" };
	static const char *const bands[] = { "0-5", "6-11", "12-14", "15-17", "18+" };
	const json_t *f;

	HTML_RAW(&p->h, "<form id=\"case-search\" class=\"search card\" method=\"get\" "
	    "action=\"/cases\" role=\"search\"><div class=\"field wide\"><label "
	    "for=\"query\">");
	page_say(p, "Name or case ID");
	HTML_RAW(&p->h, "</label><input type=\"search\" id=\"query\" name=\"query\" "
	    "maxlength=\"200\" autocomplete=\"off\"");
	if (q->text != NULL) {
		HTML_RAW(&p->h, " value=\"");
		html_attr(&p->h, q->text);
		HTML_RAW(&p->h, "\"");
	}
	HTML_RAW(&p->h, "></div><div class=\"filters\">");
	case_filter_open(p, "status", "Status");
	case_filter_fixed(p, statuses, status_names, 2, q->status);
	case_filter_close(p);
	case_filter_open(p, "risk_level", "Risk level");
	if ((f = case_field(cf, "risk_level")) != NULL)
		case_filter_options(p, f, q->risk_level);
	case_filter_close(p);
	case_filter_open(p, "sex", "Sex");
	if ((f = case_field(cf, "sex")) != NULL)
		case_filter_options(p, f, q->sex);
	case_filter_close(p);
	case_filter_open(p, "age_band", "Age");
	case_filter_fixed(p, bands, NULL, 5, q->age_band);
	case_filter_close(p);
	case_filter_open(p, "location", "Location");
	page_location_options(p, cf->locations, q->location);
	case_filter_close(p);
	case_filter_open(p, "concern", "Protection concern");
	if ((f = case_field(cf, "protection_concerns")) != NULL)
		case_filter_options(p, f, q->concern);
	case_filter_close(p);
	HTML_RAW(&p->h, "</div><div class=\"actions\"><button type=\"submit\" "
	    "id=\"search\">");
	page_say(p, "Search");
	HTML_RAW(&p->h, "</button> <a href=\"/cases\">");
	page_say(p, "Clear");
	HTML_RAW(&p->h, "</a></div></form>\n");
}

/* A table cell with its column name for narrow screens. */
static void
case_td(struct page *p, const char *msgid)
{
	HTML_RAW(&p->h, "<td data-label=\"");
	html_attr(&p->h, page_tr(p, msgid));
	HTML_RAW(&p->h, "\">");
}

static void
case_list_row(struct page *p, const struct case_form *cf, const json_t *c)
{
	const char *sid = json_get_str(c, "short_id"), *name = json_get_str(c, "name");
	const char *s;
	const json_t *f, *age;
	char text[256];

	HTML_RAW(&p->h, "<tr><th scope=\"row\"><a class=\"case-link\" href=\"/cases/");
	html_url_param(&p->h, sid);
	HTML_RAW(&p->h, "\"><bdi>");
	html_text(&p->h, name != NULL && *name != '\0' ? name : sid);
	HTML_RAW(&p->h, "</bdi></a>");
	if (json_is_true(json_object_get(c, "overdue"))) {
		HTML_RAW(&p->h, " <span class=\"due overdue\">");
		page_say(p, "Overdue");
		HTML_RAW(&p->h, "</span>");
	}
	HTML_RAW(&p->h, "</th>");
	case_td(p, "Case ID");
	HTML_RAW(&p->h, "<span class=\"sid\">");
	html_text(&p->h, sid);
	HTML_RAW(&p->h, "</span></td>");
	case_td(p, "Sex");
	if ((s = json_get_str(c, "sex")) != NULL && (f = case_field(cf, "sex")) != NULL) {
		page_option_text(p, f, s, text, sizeof(text));
		html_text(&p->h, text);
	}
	HTML_RAW(&p->h, "</td>");
	case_td(p, "Age");
	if (json_is_integer(age = json_object_get(c, "age"))) {
		html_textf(&p->h, "%" JSON_INTEGER_FORMAT, json_integer_value(age));
		if (json_is_true(json_object_get(c, "estimated"))) {
			HTML_RAW(&p->h, " ");
			page_say(p, "(est.)");
		}
	}
	HTML_RAW(&p->h, "</td>");
	case_td(p, "Risk");
	page_risk(p, json_get_str(c, "risk_level"));
	HTML_RAW(&p->h, "</td>");
	case_td(p, "Location");
	if ((s = json_get_str(c, "location_current")) != NULL)
		html_text(&p->h, page_location_name(p, cf->locations, s));
	HTML_RAW(&p->h, "</td>");
	case_td(p, "Registered");
	if ((s = json_get_str(c, "registration_date")) != NULL)
		page_date(p, s);
	else
		page_datetime(p, json_get_str(c, "created_at"));
	HTML_RAW(&p->h, "</td></tr>");
}

void
page_cases(struct http_request *req, struct http_response *resp)
{
	struct app_case_query q = { 0 };
	struct app_error err = { 0 };
	struct case_form cf = { 0 };
	json_t *out = NULL, *c;
	int64_t total, pages;
	char num[32];
	struct page p;
	size_t i;
	int rc;

	q.text = http_query(req, "query");
	q.status = http_query(req, "status");
	q.risk_level = http_query(req, "risk_level");
	q.sex = http_query(req, "sex");
	q.age_band = http_query(req, "age_band");
	q.location = http_query(req, "location");
	q.concern = http_query(req, "concern");
	q.page = page_query_int(req, "page", 1, 1000000, 1);
	q.per = PAGE_PER;

	page_init(&p, req, resp);
	if ((rc = case_form_load(&p, &cf)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	rc = app_case_list(req->app, &req->actor, &q, &out, &err);
	if (rc != RC_OK && rc != RC_EINVALID) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	page_head(&p, "Cases", "cases");
	page_h1(&p, page_tr(&p, "Cases"));
	if (page_may(&p, "case.create")) {
		HTML_RAW(&p.h, "<p><a id=\"new-case\" class=\"button\" href=\"/cases/new\">");
		page_say(&p, "Register a case");
		HTML_RAW(&p.h, "</a></p>\n");
	}
	case_search_form(&p, &cf, &q);
	if (rc == RC_EINVALID) {
		page_alert(&p, "search-error", page_tr(&p, "The search could not be run: "
		    "check the name and the filters."));
		page_finish(&p, 200);
		goto out;
	}
	total = json_integer_value(json_object_get(json_object_get(out, "metadata"),
	    "total"));
	snprintf(num, sizeof(num), "%" PRId64, total);
	HTML_RAW(&p.h, "<p id=\"case-count\" class=\"count\" role=\"status\">");
	if (total == 1)
		page_say(&p, "1 case");
	else
		page_say_args(&p, "{1} cases", num, NULL, NULL);
	HTML_RAW(&p.h, "</p>\n");
	if (json_array_size(json_object_get(out, "data")) > 0) {
		HTML_RAW(&p.h, "<div class=\"table-wrap\"><table id=\"case-list\" "
		    "class=\"cards\"><thead><tr><th scope=\"col\">");
		page_say(&p, "Name");
		HTML_RAW(&p.h, "</th><th scope=\"col\">");
		page_say(&p, "Case ID");
		HTML_RAW(&p.h, "</th><th scope=\"col\">");
		page_say(&p, "Sex");
		HTML_RAW(&p.h, "</th><th scope=\"col\">");
		page_say(&p, "Age");
		HTML_RAW(&p.h, "</th><th scope=\"col\">");
		page_say(&p, "Risk");
		HTML_RAW(&p.h, "</th><th scope=\"col\">");
		page_say(&p, "Location");
		HTML_RAW(&p.h, "</th><th scope=\"col\">");
		page_say(&p, "Registered");
		HTML_RAW(&p.h, "</th></tr></thead><tbody>");
		json_array_foreach(json_object_get(out, "data"), i, c)
			case_list_row(&p, &cf, c);
		HTML_RAW(&p.h, "</tbody></table></div>\n");
	} else {
		HTML_RAW(&p.h, "<p class=\"muted\">");
		page_say(&p, "No case matches. Try another spelling, part of the name, or "
		    "fewer filters.");
		HTML_RAW(&p.h, "</p>\n");
	}
	pages = (total + q.per - 1) / q.per;
	page_pager(&p, q.page, pages, case_list_link, NULL);
	page_finish(&p, 200);
out:
	case_form_free(&cf);
	json_decref(out);
}

/* ---- one case ------------------------------------------------------------------------------ */

static void
case_fact(struct page *p, const char *msgid)
{
	HTML_RAW(&p->h, "<div><dt>");
	page_say(p, msgid);
	HTML_RAW(&p->h, "</dt><dd>");
}

static void
case_meta(struct page *p, const json_t *c)
{
	const char *s;

	HTML_RAW(&p->h, "<dl class=\"facts meta\">");
	case_fact(p, "Case ID");
	HTML_RAW(&p->h, "<span class=\"sid\">");
	html_text(&p->h, json_get_str(c, "short_id"));
	HTML_RAW(&p->h, "</span></dd></div>");
	case_fact(p, "Status");
	s = json_get_str(c, "status");
	if (s != NULL && strcmp(s, "open") == 0)
		page_say(p, "Open");
	else if (s != NULL && strcmp(s, "closed") == 0)
		page_say(p, "Closed");
	else
		html_text(&p->h, s);
	HTML_RAW(&p->h, "</dd></div>");
	if ((s = json_get_str(c, "workflow")) != NULL) {
		case_fact(p, "Stage");
		html_text(&p->h, page_stage_name(p, s));
		HTML_RAW(&p->h, "</dd></div>");
	}
	case_fact(p, "Risk level");
	page_risk(p, json_get_str(c, "risk_level"));
	HTML_RAW(&p->h, "</dd></div>");
	if ((s = json_get_str(c, "assessment_due")) != NULL) {
		case_fact(p, "Initial assessment");
		page_due(p, c);
		HTML_RAW(&p->h, "</dd></div>");
	}
	if ((s = json_get_str(c, "owned_by")) != NULL) {
		case_fact(p, "Caseworker");
		html_text(&p->h, s);
		HTML_RAW(&p->h, "</dd></div>");
	}
	case_fact(p, "Registered");
	page_datetime(p, json_get_str(c, "created_at"));
	HTML_RAW(&p->h, "</dd></div>");
	case_fact(p, "Last updated");
	page_datetime(p, json_get_str(c, "updated_at"));
	HTML_RAW(&p->h, " <span class=\"muted\">(");
	page_say(p, "revision");
	HTML_RAW(&p->h, " ");
	html_textf(&p->h, "%" JSON_INTEGER_FORMAT,
	    json_integer_value(json_object_get(c, "rev")));
	HTML_RAW(&p->h, ")</span></dd></div></dl>\n");
}

/* 1 when section `sid` has inputs for this user (fields they may see that the server
 * does not set). */
static int
case_section_editable(const struct page *p, const struct case_form *cf, const char *sid)
{
	const json_t *f;
	const char *fs;
	size_t i;

	json_array_foreach(json_object_get(cf->form, "fields"), i, f) {
		fs = json_get_str(f, "section");
		if (fs != NULL && strcmp(fs, sid) == 0 && case_form_visible(p, f) &&
		    !json_is_true(json_object_get(f, "system")))
			return 1;
	}
	return 0;
}

/* The case's fields by section, each with a link to edit it. */
static void
case_sections(struct page *p, struct case_form *cf, const json_t *c)
{
	const json_t *fields = json_object_get(cf->form, "fields"), *section, *f, *v;
	const char *sid, *fs, *csid = json_get_str(c, "short_id");
	int may_edit = page_may(p, "case.update") &&
	    strcmp(json_get_str(c, "status") ? json_get_str(c, "status") : "", "closed") != 0;
	size_t s, i;
	int any, pass;

	json_array_foreach(json_object_get(cf->form, "sections"), s, section) {
		sid = json_get_str(section, "id");
		any = 0;
		/* pass 0: plain fields in a list; pass 1: subforms, entry by entry */
		for (pass = 0; pass < 2; pass++) {
			json_array_foreach(fields, i, f) {
				fs = json_get_str(f, "section");
				if (sid == NULL || fs == NULL || strcmp(sid, fs) != 0 ||
				    (v = json_object_get(c, json_get_str(f, "id"))) == NULL ||
				    json_is_null(v))
					continue;
				/* the workflow section shows these: the approvals with
				 * usernames, the suggestion's reasons in words */
				if (strcmp(json_get_str(f, "id"), "approval_subforms") == 0 ||
				    strcmp(json_get_str(f, "id"),
				    "risk_level_suggested_reasons") == 0)
					continue;
				if ((strcmp(json_get_str(f, "type"), "subform") == 0) != pass)
					continue;
				if (!any) {
					HTML_RAW(&p->h, "<section class=\"case-section\" "
					    "aria-labelledby=\"s-");
					html_attr(&p->h, sid);
					HTML_RAW(&p->h, "\"><h2 id=\"s-");
					html_attr(&p->h, sid);
					HTML_RAW(&p->h, "\">");
					html_text(&p->h, page_label(json_object_get(section,
					    "labels"), p->lang));
					HTML_RAW(&p->h, "</h2>");
					if (may_edit && case_section_editable(p, cf, sid)) {
						HTML_RAW(&p->h, "<p><a class=\"edit-section\" "
						    "href=\"/cases/");
						html_url_param(&p->h, csid);
						HTML_RAW(&p->h, "/edit?section=");
						html_url_param(&p->h, sid);
						HTML_RAW(&p->h, "\">");
						page_say(p, "Edit this section");
						HTML_RAW(&p->h, "</a></p>");
					}
					any = 1;
				}
				if (pass == 0 && any == 1) {
					HTML_RAW(&p->h, "<dl class=\"facts\">");
					any = 2;
				}
				if (pass == 1 && any == 2) {
					HTML_RAW(&p->h, "</dl>");
					any = 3;
				}
				if (pass == 0) {
					HTML_RAW(&p->h, "<div><dt>");
					html_text(&p->h, case_form_label(p, f));
					HTML_RAW(&p->h, "</dt><dd>");
					case_form_show_value(p, cf, f, v);
					HTML_RAW(&p->h, "</dd></div>");
				} else
					case_form_show_value(p, cf, f, v);
			}
		}
		if (any == 2)
			HTML_RAW(&p->h, "</dl>");
		if (any)
			HTML_RAW(&p->h, "</section>\n");
	}
}

static void
case_history(struct page *p, struct case_form *cf, const char *id)
{
	struct app_error err = { 0 };
	json_t *out = NULL, *e, *fld;
	const json_t *f;
	const char *action, *fid;
	size_t n, i, k, shown = 0;

	HTML_RAW(&p->h, "<section id=\"history\" aria-labelledby=\"history-title\"><h2 "
	    "id=\"history-title\">");
	page_say(p, "History");
	HTML_RAW(&p->h, "</h2>\n");
	if (app_case_history(p->req->app, &p->req->actor, id, &out, &err) != RC_OK) {
		HTML_RAW(&p->h, "<p class=\"muted\">");
		page_say(p, "The history cannot be shown now.");
		HTML_RAW(&p->h, "</p></section>\n");
		return;
	}
	n = json_array_size(out);
	HTML_RAW(&p->h, "<ol class=\"history\">");
	for (i = n; i > 0 && shown < CASE_HISTORY_SHOWN; i--, shown++) {
		e = json_array_get(out, i - 1);
		action = json_get_str(e, "action");
		HTML_RAW(&p->h, "<li><p><span class=\"when\">");
		page_datetime(p, json_get_str(e, "at"));
		HTML_RAW(&p->h, "</span> \xc2\xb7 <span class=\"who\">");
		html_text(&p->h, json_get_str(e, "user"));
		HTML_RAW(&p->h, "</span> \xc2\xb7 <span class=\"muted\">");
		page_say(p, "revision");
		HTML_RAW(&p->h, " ");
		html_textf(&p->h, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(e, "rev")));
		HTML_RAW(&p->h, "</span></p><p>");
		if (action != NULL && strcmp(action, "create") == 0) {
			page_say(p, "Registered the case.");
		} else if (json_array_size(json_object_get(e, "fields")) == 0) {
			page_say(p, "Saved without changes.");
		} else {
			page_say(p, "Changed:");
			HTML_RAW(&p->h, " ");
			json_array_foreach(json_object_get(e, "fields"), k, fld) {
				fid = json_string_value(fld);
				f = fid != NULL ? case_field(cf, fid) : NULL;
				if (k > 0)
					html_text(&p->h, page_tr(p, ", "));
				/* the index columns a move changes are no form fields */
				if (f == NULL && fid != NULL && strcmp(fid, "workflow") == 0)
					page_say(p, "Stage");
				else if (f == NULL && fid != NULL && strcmp(fid, "status") == 0)
					page_say(p, "Status");
				else
					html_text(&p->h, f != NULL ? case_form_label(p, f) : fid);
			}
		}
		HTML_RAW(&p->h, "</p></li>");
	}
	HTML_RAW(&p->h, "</ol>\n");
	if (n > CASE_HISTORY_SHOWN) {
		HTML_RAW(&p->h, "<p class=\"muted\">");
		page_say(p, "Only the latest 30 revisions are shown.");
		HTML_RAW(&p->h, "</p>\n");
	}
	HTML_RAW(&p->h, "</section>\n");
	json_decref(out);
}

static const struct case_action {
	const char	*action;
	const char	*msgid;
} case_actions[] = {
	{ "case.read",		"Opened the case" },
	{ "case.create",	"Registered the case" },
	{ "case.update",	"Edited the case" },
	{ "case.history",	"Looked at the history" },
	{ "case.approval",	"Requested or decided an approval" },
	{ "case.consent",	"Checked the consent" },
	{ "case.consent_override", "Overrode missing consent" },
	{ "audit.read",		"Looked at who saw the case" },
};

static void
case_access_log(struct page *p, const char *id)
{
	struct app_audit_query q = { 0 };
	struct app_error err = { 0 };
	json_t *out = NULL, *row;
	const char *action, *outcome;
	size_t i, k;

	q.record_id = id;
	q.per = CASE_ACCESS_SHOWN;
	HTML_RAW(&p->h, "<section id=\"access-log\" aria-labelledby=\"access-title\"><h2 "
	    "id=\"access-title\">");
	page_say(p, "Who saw this case");
	HTML_RAW(&p->h, "</h2>\n");
	if (app_audit_list(p->req->app, &p->req->actor, &q, &out, &err) != RC_OK) {
		HTML_RAW(&p->h, "<p class=\"muted\">");
		page_say(p, "The access log cannot be shown now.");
		HTML_RAW(&p->h, "</p></section>\n");
		return;
	}
	HTML_RAW(&p->h, "<div class=\"table-wrap\"><table class=\"cards\"><thead><tr>"
	    "<th scope=\"col\">");
	page_say(p, "User");
	HTML_RAW(&p->h, "</th><th scope=\"col\">");
	page_say(p, "Action");
	HTML_RAW(&p->h, "</th><th scope=\"col\">");
	page_say(p, "Time");
	HTML_RAW(&p->h, "</th></tr></thead><tbody>");
	json_array_foreach(json_object_get(out, "data"), i, row) {
		action = json_get_str(row, "action");
		outcome = json_get_str(row, "outcome");
		HTML_RAW(&p->h, "<tr><th scope=\"row\">");
		html_text(&p->h, json_get_str(row, "user"));
		HTML_RAW(&p->h, "</th>");
		case_td(p, "Action");
		for (k = 0; k < sizeof(case_actions) / sizeof(case_actions[0]); k++)
			if (action != NULL && strcmp(action, case_actions[k].action) == 0)
				break;
		if (k < sizeof(case_actions) / sizeof(case_actions[0]))
			page_say(p, case_actions[k].msgid);
		else
			html_text(&p->h, action);
		if (outcome != NULL && strcmp(outcome, "ok") != 0) {
			HTML_RAW(&p->h, " <span class=\"muted\">(");
			if (strncmp(outcome, "denied", 6) == 0)
				page_say(p, "refused");
			else if (strcmp(outcome, "conflict") == 0)
				page_say(p, "not saved: conflict");
			else if (strcmp(outcome, "invalid") == 0)
				page_say(p, "not saved: not valid");
			else
				html_text(&p->h, outcome);
			HTML_RAW(&p->h, ")</span>");
		}
		HTML_RAW(&p->h, "</td>");
		case_td(p, "Time");
		page_datetime(p, json_get_str(row, "at"));
		HTML_RAW(&p->h, "</td></tr>");
	}
	HTML_RAW(&p->h, "</tbody></table></div>\n");
	if (json_integer_value(json_object_get(json_object_get(out, "metadata"), "total")) >
	    CASE_ACCESS_SHOWN) {
		HTML_RAW(&p->h, "<p class=\"muted\">");
		page_say(p, "Only the latest 20 entries are shown.");
		HTML_RAW(&p->h, "</p>\n");
	}
	HTML_RAW(&p->h, "</section>\n");
	json_decref(out);
}

/* Fields the server fills with a user's id show the username instead. */
static void
case_user_names(struct page *p, json_t *c)
{
	static const struct {
		const char	*field, *sub;
	} ids[] = {
		{ "reopened_logs",	"reopened_user" },
		{ "consent_overrides",	"consent_override_by" },
	};
	json_t *row, *user;
	const char *id;
	size_t i, k;

	for (k = 0; k < sizeof(ids) / sizeof(ids[0]); k++)
		json_array_foreach(json_object_get(c, ids[k].field), i, row) {
			if ((id = json_get_str(row, ids[k].sub)) == NULL ||
			    (user = app_user_json(p->req->app, id)) == NULL)
				continue;
			if (json_get_str(user, "username") != NULL)
				json_object_set_new(row, ids[k].sub,
				    json_string(json_get_str(user, "username")));
			json_decref(user);
		}
}

/* Below a case's facts: its summary as PDF, and for counter-trafficking officers the
 * VoT records linked to it and a link to register one. */
static void
case_more_links(struct page *p, const json_t *c)
{
	struct app_error err = { 0 };
	const char *sid = json_get_str(c, "short_id");
	json_t *vots = NULL, *v;
	size_t i;

	HTML_RAW(&p->h, "<ul class=\"links\" id=\"case-links\"><li><a id=\"summary-pdf\" "
	    "href=\"/cases/");
	html_url_param(&p->h, sid);
	HTML_RAW(&p->h, "/summary.pdf\">");
	page_say(p, "Case summary (PDF)");
	HTML_RAW(&p->h, "</a></li>");
	if (page_may(p, "vot.list") && app_vot_list_for_case(p->req->app, &p->req->actor,
	    json_get_str(c, "id"), &vots, &err) == RC_OK) {
		json_array_foreach(json_object_get(vots, "data"), i, v) {
			HTML_RAW(&p->h, "<li><a class=\"vot-link\" href=\"/vots/");
			html_url_param(&p->h, json_get_str(v, "short_id"));
			HTML_RAW(&p->h, "\">");
			page_say_args(p, "VoT record {1}", json_get_str(v, "short_id"), NULL,
			    NULL);
			HTML_RAW(&p->h, "</a></li>");
		}
	}
	if (page_may(p, "vot.create")) {
		HTML_RAW(&p->h, "<li><a id=\"new-vot\" href=\"/vots/new?case=");
		html_url_param(&p->h, sid);
		HTML_RAW(&p->h, "\">");
		page_say(p, "Register a VoT record for this child");
		HTML_RAW(&p->h, "</a></li>");
	}
	HTML_RAW(&p->h, "</ul>\n");
	json_decref(vots);
}

void
page_case_view(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	struct case_form cf = { 0 };
	json_t *c = NULL;
	const char *sid, *name, *id;
	char title[64];
	struct page p;
	int rc;

	page_init(&p, req, resp);
	if ((rc = app_case_get_workflow(req->app, &req->actor, req->params[0], &c,
	    &err)) != RC_OK || (rc = case_form_load(&p, &cf)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	case_user_names(&p, c);
	sid = json_get_str(c, "short_id");
	id = json_get_str(c, "id");
	name = json_get_str(c, "name");
	page_head(&p, "Case", "cases");
	if (case_notice_take(&p))
		page_notice(&p, page_tr(&p, "The case has been saved."));
	page_case_refused(&p);
	if (name != NULL && *name != '\0')
		page_h1(&p, name);
	else {
		snprintf(title, sizeof(title), "%s %s", page_tr(&p, "Case"),
		    sid != NULL ? sid : "");
		page_h1(&p, title);
	}
	if (page_may(&p, "case.update")) {
		HTML_RAW(&p.h, "<p><a id=\"edit-case\" class=\"button\" href=\"/cases/");
		html_url_param(&p.h, sid);
		HTML_RAW(&p.h, "/edit\">");
		page_say(&p, "Edit the case");
		HTML_RAW(&p.h, "</a></p>\n");
	}
	case_meta(&p, c);
	page_case_workflow(&p, &cf, c);
	case_more_links(&p, c);
	case_sections(&p, &cf, c);
	pages_case_referrals(&p, c);
	pages_case_transfer(&p, c);
	pages_case_tracing(&p, c);	/* duplicates, matches: pages_tracing.c */
	case_history(&p, &cf, id);
	if (page_may(&p, "audit.read"))
		case_access_log(&p, id);
	page_finish(&p, 200);
out:
	case_form_free(&cf);
	json_decref(c);
}

/* ---- the form: register and edit ---------------------------------------------------------- */

/* A short fingerprint of a field's value (NULL: absent), for telling later which fields
 * the user changed. */
static void
case_hash(const json_t *v, char out[CASE_HASH_HEX])
{
	unsigned char h[(CASE_HASH_HEX - 1) / 2];
	char *text = v != NULL ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS |
	    JSON_ENCODE_ANY) : NULL;

	crypto_generichash(h, sizeof(h), (const unsigned char *)(text ? text : "null"),
	    strlen(text ? text : "null"), NULL, 0);
	if (text != NULL) {
		sodium_memzero(text, strlen(text));
		free(text);
	}
	sodium_bin2hex(out, CASE_HASH_HEX, h, sizeof(h));
}

/* "rev;id=hash,id=hash": the fingerprints of the visible fields `record` holds (a
 * field left out was empty). */
static void
case_base(struct page *p, const struct case_form *cf, const json_t *record,
    struct buf *out)
{
	char hash[CASE_HASH_HEX];
	const json_t *f, *v;
	const char *id;
	size_t i;

	buf_printf(out, "%" JSON_INTEGER_FORMAT ";",
	    json_integer_value(json_object_get(record, "rev")));
	json_array_foreach(json_object_get(cf->form, "fields"), i, f) {
		if (!case_form_editable(p, cf, f) || (id = json_get_str(f, "id")) == NULL ||
		    (v = json_object_get(record, id)) == NULL)
			continue;
		case_hash(v, hash);
		buf_printf(out, "%s=%s,", id, hash);
	}
}

/* The fingerprint of field `id` in a base string; -1 when there is no base. */
static int
case_base_get(const char *base, const char *id, char out[CASE_HASH_HEX])
{
	size_t n = strlen(id);
	const char *p = strchr(base, ';');

	if (p == NULL)
		return -1;
	for (p++; *p != '\0'; ) {
		if (strncmp(p, id, n) == 0 && p[n] == '=' &&
		    strspn(p + n + 1, "0123456789abcdef") == CASE_HASH_HEX - 1) {
			memcpy(out, p + n + 1, CASE_HASH_HEX - 1);
			out[CASE_HASH_HEX - 1] = '\0';
			return 0;
		}
		if ((p = strchr(p, ',')) == NULL)
			break;
		p++;
	}
	case_hash(NULL, out);	/* not in the base: the field was empty */
	return 0;
}

/* What a form page shows besides the fields. */
struct case_edit {
	const char	*sid;		/* NULL: registering */
	const char	*section;	/* the section edited (with sid) */
	int64_t		 rev;
	const char	*base;
	json_t		*diff;		/* conflict rows: [{"field","theirs","mine","kept"}] */
	char		 other_user[64];	/* who saved first */
	char		 other_at[32];
	json_t		*duplicates;	/* registering: possible duplicates shown */
};

static void
case_conflict_show(struct page *p, struct case_form *cf, const struct case_edit *ce)
{
	const json_t *row, *f;
	char when[128];
	size_t i;

	HTML_RAW(&p->h, "<div id=\"conflict\" class=\"conflict\" role=\"alert\"><h2>");
	page_say(p, "Someone else saved this case first");
	HTML_RAW(&p->h, "</h2><p>");
	when[0] = '\0';
	if (page_iso_time(ce->other_at) >= 0)
		i18n_datetime(p->lang, page_iso_time(ce->other_at), when, sizeof(when));
	page_say_args(p, "{1} saved this case on {2}, after you opened it. Nothing has "
	    "been lost: their changes are in the table below.",
	    ce->other_user[0] != '\0' ? ce->other_user : "?", when, NULL);
	HTML_RAW(&p->h, "</p><p>");
	page_say(p, "Where only they changed a field, their value is now in the form. "
	    "Where you both changed it, your value is in the form. Check the form and "
	    "save again.");
	HTML_RAW(&p->h, "</p></div>\n");
	if (json_array_size(ce->diff) == 0)
		return;
	HTML_RAW(&p->h, "<div class=\"table-wrap\"><table id=\"conflict-diff\" "
	    "class=\"cards diff\"><caption>");
	page_say(p, "Fields that differ");
	HTML_RAW(&p->h, "</caption><thead><tr><th scope=\"col\">");
	page_say(p, "Field");
	HTML_RAW(&p->h, "</th><th scope=\"col\">");
	page_say(p, "Saved by the other person");
	HTML_RAW(&p->h, "</th><th scope=\"col\">");
	page_say(p, "Yours");
	HTML_RAW(&p->h, "</th></tr></thead><tbody>");
	json_array_foreach(ce->diff, i, row) {
		f = json_object_get(row, "field");
		HTML_RAW(&p->h, "<tr><th scope=\"row\">");
		html_text(&p->h, case_form_label(p, f));
		HTML_RAW(&p->h, "</th>");
		case_td(p, "Saved by the other person");
		case_form_show_value(p, cf, f, json_object_get(row, "theirs"));
		if (json_is_true(json_object_get(row, "kept"))) {
			HTML_RAW(&p->h, " <span class=\"tag\">");
			page_say(p, "kept in the form");
			HTML_RAW(&p->h, "</span>");
		}
		HTML_RAW(&p->h, "</td>");
		case_td(p, "Yours");
		case_form_show_value(p, cf, f, json_object_get(row, "mine"));
		if (!json_is_true(json_object_get(row, "kept"))) {
			HTML_RAW(&p->h, " <span class=\"tag\">");
			page_say(p, "kept in the form");
			HTML_RAW(&p->h, "</span>");
		}
		HTML_RAW(&p->h, "</td></tr>");
	}
	HTML_RAW(&p->h, "</tbody></table></div>\n");
}

/* The sections of the case as links, the one being edited current: one section a
 * page keeps a form light on a slow link. */
static void
case_section_nav(struct page *p, struct case_form *cf, const struct case_edit *ce)
{
	const json_t *section;
	const char *id;
	size_t i;

	HTML_RAW(&p->h, "<nav class=\"subnav\" id=\"sections\" aria-label=\"");
	html_attr(&p->h, page_tr(p, "Sections"));
	HTML_RAW(&p->h, "\"><ul>");
	json_array_foreach(json_object_get(cf->form, "sections"), i, section) {
		if ((id = json_get_str(section, "id")) == NULL ||
		    !case_section_editable(p, cf, id))
			continue;
		HTML_RAW(&p->h, "<li><a href=\"/cases/");
		html_url_param(&p->h, ce->sid);
		HTML_RAW(&p->h, "/edit?section=");
		html_url_param(&p->h, id);
		HTML_RAW(&p->h, "\"");
		if (ce->section != NULL && strcmp(ce->section, id) == 0)
			HTML_RAW(&p->h, " aria-current=\"page\"");
		HTML_RAW(&p->h, ">");
		html_text(&p->h, page_label(json_object_get(section, "labels"), p->lang));
		HTML_RAW(&p->h, "</a></li>");
	}
	HTML_RAW(&p->h, "</ul></nav>\n");
}

/*
 * The section a page edits: `want` when the user has inputs in it, else the first
 * section they have. Copied into `out`; -1 when there is none.
 */
static int
case_edit_section(const struct page *p, const struct case_form *cf, const char *want,
    char out[CASE_SECTION_MAX])
{
	const json_t *section;
	const char *id;
	size_t i;

	out[0] = '\0';
	json_array_foreach(json_object_get(cf->form, "sections"), i, section) {
		if ((id = json_get_str(section, "id")) == NULL ||
		    !case_section_editable(p, cf, id))
			continue;
		if (want != NULL && strcmp(want, id) == 0)
			return str_copy(out, CASE_SECTION_MAX, id) == 0 ? 0 : -1;
		if (out[0] == '\0' && str_copy(out, CASE_SECTION_MAX, id) != 0)
			return -1;
	}
	return out[0] != '\0' ? 0 : -1;
}

/* The whole form page. */
static void
case_form_page(struct page *p, struct case_form *cf, const struct case_edit *ce,
    unsigned status)
{
	char title[64];

	page_head(p, ce->sid != NULL ? "Edit a case" : "Register a case", "cases");
	if (ce->sid != NULL) {
		snprintf(title, sizeof(title), "%s %s", page_tr(p, "Edit case"), ce->sid);
		page_h1(p, title);
	} else
		page_h1(p, page_tr(p, "Register a case"));
	if (ce->sid != NULL)
		case_section_nav(p, cf, ce);
	if (ce->diff != NULL)
		case_conflict_show(p, cf, ce);
	if (ce->duplicates != NULL)
		pages_case_duplicates_show(p, ce->duplicates);
	case_form_summary(p, cf);
	HTML_RAW(&p->h, "<form method=\"post\" class=\"case-form\" novalidate action=\"");
	if (ce->sid != NULL) {
		HTML_RAW(&p->h, "/cases/");
		html_url_param(&p->h, ce->sid);
		HTML_RAW(&p->h, "/edit\">");
	} else
		HTML_RAW(&p->h, "/cases/new\">");
	page_csrf(p);
	if (ce->duplicates != NULL)	/* seen: the next submission saves */
		HTML_RAW(&p->h, "<input type=\"hidden\" name=\"save_anyway\" value=\"1\">");
	if (ce->sid != NULL) {
		HTML_RAW(&p->h, "<input type=\"hidden\" name=\"rev\" value=\"");
		html_textf(&p->h, "%" PRId64, ce->rev);
		HTML_RAW(&p->h, "\"><input type=\"hidden\" name=\"base\" value=\"");
		html_attr(&p->h, ce->base);
		HTML_RAW(&p->h, "\"><input type=\"hidden\" name=\"section\" value=\"");
		html_attr(&p->h, ce->section);
		HTML_RAW(&p->h, "\">");
	}
	HTML_RAW(&p->h, "\n");
	case_form_fields(p, cf);
	HTML_RAW(&p->h, "<div class=\"actions\"><button type=\"submit\" id=\"save\">");
	page_say(p, ce->sid != NULL ? "Save the case" : ce->duplicates != NULL ?
	    "Save anyway" : "Register the case");
	HTML_RAW(&p->h, "</button> <a href=\"");
	if (ce->sid != NULL) {
		HTML_RAW(&p->h, "/cases/");
		html_url_param(&p->h, ce->sid);
	} else
		HTML_RAW(&p->h, "/cases");
	HTML_RAW(&p->h, "\">");
	page_say(p, "Cancel");
	HTML_RAW(&p->h, "</a></div></form>\n");
	page_finish(p, status);
}

void
page_case_new(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	struct case_edit ce = { 0 };
	struct case_form cf = { 0 };
	struct page p;
	int rc;

	page_init(&p, req, resp);
	if (!page_may(&p, "case.create")) {
		page_error(req, resp, 403);
		return;
	}
	if ((rc = case_form_load(&p, &cf)) != RC_OK)
		page_app_error(req, resp, rc, &err);
	else {
		cf.sections = case_registration_sections;
		case_form_page(&p, &cf, &ce, 200);
	}
	case_form_free(&cf);
}

/* Redirect to the case after saving. */
static void
case_saved(struct http_response *resp, const json_t *ref)
{
	char location[64];

	snprintf(location, sizeof(location), "/cases/%s", json_get_str(ref, "short_id") ?
	    json_get_str(ref, "short_id") : "");
	http_redirect(resp, location);
	case_notice_set(resp);
}

void
page_case_create(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	struct case_edit ce = { 0 };
	struct case_form cf = { 0 };
	json_t *data = NULL, *ref = NULL;
	struct page p;
	int rc;

	page_init(&p, req, resp);
	if ((rc = case_form_load(&p, &cf)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	cf.sections = case_registration_sections;
	if ((rc = case_form_values_from_request(&p, &cf)) != RC_OK ||
	    (rc = case_form_json(&p, &cf, 0, &data)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	/* a child registered before is shown before saving again */
	if (http_form(req, "save_anyway") == NULL &&
	    (ce.duplicates = pages_case_duplicates_find(&p, data)) != NULL) {
		case_form_page(&p, &cf, &ce, 200);
		goto out;
	}
	rc = app_case_create(req->app, &req->actor, data, &ref, &err);
	if (rc == RC_OK)
		case_saved(resp, ref);
	else if (rc == RC_EINVALID) {
		case_form_problems(&p, &cf, &err);
		case_form_page(&p, &cf, &ce, 200);
	} else
		page_app_error(req, resp, rc, &err);
out:
	json_decref(ce.duplicates);
	case_form_free(&cf);
	json_decref(data);
	json_decref(ref);
}

void
page_case_edit(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	struct case_edit ce = { 0 };
	struct case_form cf = { 0 };
	struct buf base = BUF_INIT;
	char section[CASE_SECTION_MAX];
	const char *sections[2] = { section, NULL };
	json_t *c = NULL;
	struct page p;
	int rc;

	page_init(&p, req, resp);
	if ((rc = app_case_get(req->app, &req->actor, req->params[0], &c, &err)) != RC_OK ||
	    (rc = case_form_load(&p, &cf)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	if (!page_may(&p, "case.update")) {
		page_error(req, resp, 403);
		goto out;
	}
	if (case_edit_section(&p, &cf, http_query(req, "section"), section) != 0) {
		page_error(req, resp, 404);
		goto out;
	}
	cf.sections = sections;
	ce.section = section;
	if ((rc = case_form_values_from_record(&p, &cf, c)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	case_base(&p, &cf, c, &base);
	ce.sid = json_get_str(c, "short_id");
	ce.rev = json_integer_value(json_object_get(c, "rev"));
	ce.base = base.p != NULL ? base.p : "";
	case_form_page(&p, &cf, &ce, 200);
out:
	buf_free(&base);
	case_form_free(&cf);
	json_decref(c);
}

/*
 * Someone saved the case after this user opened it. Compare field by field the saved
 * case ("theirs"), the submitted form ("mine") and what the user had opened (the
 * fingerprints in "base"): a field only they changed takes their value in the form; a
 * field both changed keeps the user's; every field they changed is listed.
 */
static int
case_conflict(struct page *p, struct case_form *cf, struct case_edit *ce,
    const char *base, json_t **current, struct buf *newbase)
{
	struct app_error err = { 0 };
	char hb[CASE_HASH_HEX], hm[CASE_HASH_HEX], ht[CASE_HASH_HEX];
	json_t *history = NULL, *mine, *e;
	const json_t *f, *theirs;
	const char *id;
	size_t i;
	int rc, kept;

	if ((rc = app_case_get(p->req->app, &p->req->actor, p->req->params[0], current,
	    &err)) != RC_OK)
		return rc;
	if ((ce->diff = json_array()) == NULL)
		return RC_ENOMEM;
	if (app_case_history(p->req->app, &p->req->actor, p->req->params[0], &history,
	    &err) == RC_OK) {
		json_array_foreach(history, i, e)
			if (json_integer_value(json_object_get(e, "rev")) > ce->rev) {
				str_copy(ce->other_user, sizeof(ce->other_user),
				    json_get_str(e, "user") ? json_get_str(e, "user") : "");
				str_copy(ce->other_at, sizeof(ce->other_at),
				    json_get_str(e, "at") ? json_get_str(e, "at") : "");
			}
	}
	json_array_foreach(json_object_get(cf->form, "fields"), i, f) {
		/* the fields of this page: the other sections were not sent */
		if (!case_form_editable(p, cf, f) || (id = json_get_str(f, "id")) == NULL)
			continue;
		mine = case_form_field_json(p, cf, f);
		theirs = json_object_get(*current, id);
		if ((mine == NULL && theirs == NULL) ||
		    (mine != NULL && theirs != NULL && json_equal(mine, theirs))) {
			json_decref(mine);
			continue;
		}
		case_hash(mine, hm);
		case_hash(theirs, ht);
		if (case_base_get(base, id, hb) == 0 && strcmp(ht, hb) == 0) {
			/* only this user changed it: no conflict, theirs is the old value */
			json_decref(mine);
			continue;
		}
		kept = case_base_get(base, id, hb) == 0 && strcmp(hm, hb) == 0;
		json_array_append_new(ce->diff, json_pack("{s:O, s:O?, s:O?, s:b}", "field",
		    f, "theirs", theirs, "mine", mine, "kept", kept));
		/* the user left it as it was: take the other person's value */
		if (kept && case_form_replace_field(p, cf, f, theirs) != RC_OK) {
			json_decref(mine);
			json_decref(history);
			return RC_ENOMEM;
		}
		json_decref(mine);
	}
	json_decref(history);
	case_base(p, cf, *current, newbase);
	ce->rev = json_integer_value(json_object_get(*current, "rev"));
	ce->base = newbase->p != NULL ? newbase->p : "";
	return RC_OK;
}

void
page_case_update(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	struct case_edit ce = { 0 };
	struct case_form cf = { 0 };
	struct buf newbase = BUF_INIT;
	const char *revs = http_form(req, "rev"), *base = http_form(req, "base");
	char section[CASE_SECTION_MAX];
	const char *sections[2] = { section, NULL };
	json_t *data = NULL, *ref = NULL, *current = NULL;
	char sid[16];
	struct page p;
	int rc;

	page_init(&p, req, resp);
	ce.rev = revs != NULL ? strtoll(revs, NULL, 10) : 0;
	ce.base = base != NULL ? base : "";
	if (ce.rev < 1) {
		page_error(req, resp, 400);
		return;
	}
	if ((rc = case_form_load(&p, &cf)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	/* the section the form came from; a form without one (an older page) is the
	 * first section, as the edit page shows it */
	if (case_edit_section(&p, &cf, http_form(req, "section"), section) != 0 ||
	    (http_form(req, "section") != NULL &&
	    strcmp(http_form(req, "section"), section) != 0)) {
		page_error(req, resp, 400);
		goto out;
	}
	cf.sections = sections;
	ce.section = section;
	if ((rc = case_form_values_from_request(&p, &cf)) != RC_OK ||
	    (rc = case_form_json(&p, &cf, 1, &data)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	rc = app_case_update(req->app, &req->actor, req->params[0], ce.rev, data, &ref,
	    &err);
	if (rc == RC_OK) {
		case_saved(resp, ref);
		goto out;
	}
	if (rc == RC_EINVALID) {
		/* the short id for the page comes from the case, not the URL */
		if (app_case_get(req->app, &req->actor, req->params[0], &current, &err) !=
		    RC_OK) {
			page_error(req, resp, 404);
			goto out;
		}
		str_copy(sid, sizeof(sid), json_get_str(current, "short_id"));
		ce.sid = sid;
		case_form_problems(&p, &cf, &err);
		case_form_page(&p, &cf, &ce, 200);
		goto out;
	}
	if (rc == RC_ECONFLICT) {
		if ((rc = case_conflict(&p, &cf, &ce, base != NULL ? base : "", &current,
		    &newbase)) != RC_OK) {
			page_app_error(req, resp, rc, &err);
			goto out;
		}
		str_copy(sid, sizeof(sid), json_get_str(current, "short_id"));
		ce.sid = sid;
		case_form_page(&p, &cf, &ce, 200);
		goto out;
	}
	page_app_error(req, resp, rc, &err);
out:
	json_decref(ce.diff);
	buf_free(&newbase);
	case_form_free(&cf);
	json_decref(data);
	json_decref(ref);
	json_decref(current);
}
