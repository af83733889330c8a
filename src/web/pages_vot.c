/*
 * pages_vot.c — victim-of-trafficking records for counter-trafficking officers: the
 * list, registering one (alone, or from a child's case), one record, editing it.
 * Supervisors read them. The form is config/forms/vot.json, rendered and read back by
 * pages_form.c exactly as the case form is.
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

#define VOT_NOTICE_COOKIE	"rc_vot_notice"

/* The VoT form and the locations, as case_form_load does for cases. */
static int
vot_form_load(struct page *p, struct case_form *cf)
{
	struct app_error err = { 0 };
	json_t *locs = NULL;
	int rc;

	memset(cf, 0, sizeof(*cf));
	if ((rc = app_form_get(p->req->app, &p->req->actor, "vot", &cf->form, &err)) !=
	    RC_OK)
		return rc;
	if ((rc = app_location_list(p->req->app, &p->req->actor, &locs, &err)) != RC_OK)
		return rc;
	cf->locations = json_incref(json_object_get(locs, "data"));
	json_decref(locs);
	if (cf->locations == NULL)
		cf->locations = json_array();
	return cf->locations != NULL ? RC_OK : RC_ENOMEM;
}

static const json_t *
vot_field(const struct case_form *cf, const char *id)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(cf->form, "fields"), i, f)
		if (strcmp(json_get_str(f, "id") ? json_get_str(f, "id") : "", id) == 0)
			return f;
	return NULL;
}

/* The label of a field of the form, or `fallback` translated. */
static const char *
vot_label(struct page *p, const struct case_form *cf, const char *id,
    const char *fallback)
{
	const json_t *f = vot_field(cf, id);

	return f != NULL ? case_form_label(p, f) : page_tr(p, fallback);
}

static void
vot_td(struct page *p, const char *label)
{
	HTML_RAW(&p->h, "<td data-label=\"");
	html_attr(&p->h, label);
	HTML_RAW(&p->h, "\">");
}

/* A field's value for reading, or nothing when the record has none. */
static void
vot_show(struct page *p, struct case_form *cf, const json_t *rec, const char *id)
{
	const json_t *f = vot_field(cf, id), *v = json_object_get(rec, id);

	if (f != NULL && v != NULL && !json_is_null(v))
		case_form_show_value(p, cf, f, v);
}

/* ---- the list ------------------------------------------------------------------------------ */

static const char *const vot_columns[] = {
	"screening_outcome", "identification_date", "sex", "age_at_identification",
	"citizenship"
};
#define VOT_COLUMNS	(sizeof(vot_columns) / sizeof(vot_columns[0]))

static void
vot_list_link(struct page *p, int64_t page, const char *rel, const char *msgid,
    const void *arg)
{
	(void)arg;
	static const char *const keep[] = { "query", "sex", "age_band" };
	const char *v;
	size_t i;

	HTML_RAW(&p->h, "<a rel=\"");
	html_attr(&p->h, rel);
	HTML_RAW(&p->h, "\" href=\"/vots?page=");
	html_textf(&p->h, "%" PRId64, page);
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		if ((v = http_query(p->req, keep[i])) == NULL)
			continue;
		HTML_RAW(&p->h, "&amp;");
		html_attr(&p->h, keep[i]);
		HTML_RAW(&p->h, "=");
		html_url_param(&p->h, v);
	}
	HTML_RAW(&p->h, "\">");
	page_say(p, msgid);
	HTML_RAW(&p->h, "</a>");
}

static void
vot_search_form(struct page *p, const struct case_form *cf, const struct app_case_query *q)
{
	static const char *const bands[] = { "0-5", "6-11", "12-14", "15-17", "18+" };
	const json_t *f = vot_field(cf, "sex"), *o;
	size_t i;

	HTML_RAW(&p->h, "<form id=\"vot-search\" class=\"search card\" method=\"get\" "
	    "action=\"/vots\" role=\"search\"><div class=\"field wide\"><label "
	    "for=\"query\">");
	page_say(p, "VoT record ID");
	HTML_RAW(&p->h, "</label><input type=\"search\" id=\"query\" name=\"query\" "
	    "maxlength=\"36\" autocomplete=\"off\"");
	if (q->text != NULL) {
		HTML_RAW(&p->h, " value=\"");
		html_attr(&p->h, q->text);
		HTML_RAW(&p->h, "\"");
	}
	HTML_RAW(&p->h, "></div><div class=\"filters\"><div class=\"field\"><label "
	    "for=\"sex\">");
	page_say(p, "Sex");
	HTML_RAW(&p->h, "</label><select id=\"sex\" name=\"sex\"><option value=\"\">");
	page_say(p, "Any");
	HTML_RAW(&p->h, "</option>");
	json_array_foreach(json_object_get(f, "options"), i, o) {
		const char *id = json_get_str(o, "id");

		if (id == NULL)
			continue;
		HTML_RAW(&p->h, "<option value=\"");
		html_attr(&p->h, id);
		HTML_RAW(&p->h, "\"");
		if (q->sex != NULL && strcmp(q->sex, id) == 0)
			HTML_RAW(&p->h, " selected");
		HTML_RAW(&p->h, ">");
		html_text(&p->h, page_label(json_object_get(o, "display_text"), p->lang));
		HTML_RAW(&p->h, "</option>");
	}
	HTML_RAW(&p->h, "</select></div><div class=\"field\"><label for=\"age_band\">");
	page_say(p, "Age");
	HTML_RAW(&p->h, "</label><select id=\"age_band\" name=\"age_band\"><option "
	    "value=\"\">");
	page_say(p, "Any");
	HTML_RAW(&p->h, "</option>");
	for (i = 0; i < sizeof(bands) / sizeof(bands[0]); i++) {
		HTML_RAW(&p->h, "<option value=\"");
		html_attr(&p->h, bands[i]);
		HTML_RAW(&p->h, "\"");
		if (q->age_band != NULL && strcmp(q->age_band, bands[i]) == 0)
			HTML_RAW(&p->h, " selected");
		HTML_RAW(&p->h, ">");
		html_text(&p->h, bands[i]);
		HTML_RAW(&p->h, "</option>");
	}
	HTML_RAW(&p->h, "</select></div></div><div class=\"actions\"><button "
	    "type=\"submit\" id=\"search\">");
	page_say(p, "Search");
	HTML_RAW(&p->h, "</button> <a href=\"/vots\">");
	page_say(p, "Clear");
	HTML_RAW(&p->h, "</a></div></form>\n");
}

static void
vot_list_row(struct page *p, struct case_form *cf, const json_t *v)
{
	const char *sid = json_get_str(v, "short_id"), *cid = json_get_str(v, "case_id");
	size_t i;

	HTML_RAW(&p->h, "<tr><th scope=\"row\"><a class=\"case-link\" href=\"/vots/");
	html_url_param(&p->h, sid);
	HTML_RAW(&p->h, "\"><span class=\"sid\">");
	html_text(&p->h, sid);
	HTML_RAW(&p->h, "</span></a></th>");
	for (i = 0; i < VOT_COLUMNS; i++) {
		vot_td(p, vot_label(p, cf, vot_columns[i], vot_columns[i]));
		vot_show(p, cf, v, vot_columns[i]);
		HTML_RAW(&p->h, "</td>");
	}
	vot_td(p, page_tr(p, "Case"));
	if (cid != NULL) {
		HTML_RAW(&p->h, "<a href=\"/cases/");
		html_url_param(&p->h, cid);
		HTML_RAW(&p->h, "\">");
		page_say(p, "Linked case");
		HTML_RAW(&p->h, "</a>");
	}
	HTML_RAW(&p->h, "</td></tr>");
}

static void
page_vots(struct http_request *req, struct http_response *resp)
{
	struct app_case_query q = { 0 };
	struct app_error err = { 0 };
	struct case_form cf = { 0 };
	json_t *out = NULL, *v;
	char num[32];
	int64_t total, pages;
	struct page p;
	size_t i;
	int rc;

	q.text = http_query(req, "query");
	q.sex = http_query(req, "sex");
	q.age_band = http_query(req, "age_band");
	q.page = page_query_int(req, "page", 1, 1000000, 1);
	q.per = PAGE_PER;
	page_init(&p, req, resp);
	if ((rc = vot_form_load(&p, &cf)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	rc = app_record_list(req->app, &req->actor, "vot", &q, &out, &err);
	if (rc != RC_OK && rc != RC_EINVALID) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	page_head(&p, "VoT records", "vots");
	page_h1(&p, page_tr(&p, "Victims of trafficking"));
	HTML_RAW(&p.h, "<p>");
	if (page_may(&p, "vot.create")) {
		HTML_RAW(&p.h, "<a id=\"new-vot\" class=\"button\" href=\"/vots/new\">");
		page_say(&p, "Register a VoT record");
		HTML_RAW(&p.h, "</a> ");
	}
	if (page_may(&p, "export.ctdc")) {
		HTML_RAW(&p.h, "<a id=\"ctdc-export\" href=\"/api/v1/exports/ctdc\">");
		page_say(&p, "Anonymised CTDC export (CSV)");
		HTML_RAW(&p.h, "</a>");
	}
	HTML_RAW(&p.h, "</p>\n");
	vot_search_form(&p, &cf, &q);
	if (rc == RC_EINVALID) {
		page_alert(&p, "search-error", page_tr(&p, "The search could not be run: "
		    "check the name and the filters."));
		page_finish(&p, 200);
		goto out;
	}
	total = json_integer_value(json_object_get(json_object_get(out, "metadata"),
	    "total"));
	snprintf(num, sizeof(num), "%" PRId64, total);
	HTML_RAW(&p.h, "<p id=\"vot-count\" class=\"count\" role=\"status\">");
	page_say_args(&p, "{1} VoT records", num, NULL, NULL);
	HTML_RAW(&p.h, "</p>\n");
	if (json_array_size(json_object_get(out, "data")) > 0) {
		HTML_RAW(&p.h, "<div class=\"table-wrap\"><table id=\"vot-list\" "
		    "class=\"cards\"><thead><tr><th scope=\"col\">");
		page_say(&p, "VoT record ID");
		for (i = 0; i < VOT_COLUMNS; i++) {
			HTML_RAW(&p.h, "</th><th scope=\"col\">");
			html_text(&p.h, vot_label(&p, &cf, vot_columns[i], vot_columns[i]));
		}
		HTML_RAW(&p.h, "</th><th scope=\"col\">");
		page_say(&p, "Case");
		HTML_RAW(&p.h, "</th></tr></thead><tbody>");
		json_array_foreach(json_object_get(out, "data"), i, v)
			vot_list_row(&p, &cf, v);
		HTML_RAW(&p.h, "</tbody></table></div>\n");
	} else {
		HTML_RAW(&p.h, "<p class=\"muted\">");
		page_say(&p, "No VoT record matches.");
		HTML_RAW(&p.h, "</p>\n");
	}
	pages = (total + q.per - 1) / q.per;
	page_pager(&p, q.page, pages, vot_list_link, NULL);
	page_finish(&p, 200);
out:
	case_form_free(&cf);
	json_decref(out);
}

/* ---- one record ------------------------------------------------------------------------------ */

static void
vot_notice_set(struct http_response *resp)
{
	http_header_add(resp, "Set-Cookie", VOT_NOTICE_COOKIE "=saved; HttpOnly; "
	    "SameSite=Strict; Path=/; Max-Age=60");
}

static int
vot_notice_take(struct page *p)
{
	const char *c = http_cookie(p->req, VOT_NOTICE_COOKIE);

	if (c == NULL || strcmp(c, "saved") != 0)
		return 0;
	http_header_add(p->resp, "Set-Cookie", VOT_NOTICE_COOKIE "=; HttpOnly; "
	    "SameSite=Strict; Path=/; Max-Age=0");
	return 1;
}

static void
vot_fact(struct page *p, const char *msgid)
{
	HTML_RAW(&p->h, "<div><dt>");
	page_say(p, msgid);
	HTML_RAW(&p->h, "</dt><dd>");
}

/* The record's fields by section, from the form. */
static void
vot_sections(struct page *p, struct case_form *cf, const json_t *v)
{
	const json_t *fields = json_object_get(cf->form, "fields"), *sec, *f, *val;
	const char *sid, *fs;
	size_t s, i;
	int any;

	json_array_foreach(json_object_get(cf->form, "sections"), s, sec) {
		sid = json_get_str(sec, "id");
		any = 0;
		json_array_foreach(fields, i, f) {
			fs = json_get_str(f, "section");
			if (sid == NULL || fs == NULL || strcmp(sid, fs) != 0 ||
			    (val = json_object_get(v, json_get_str(f, "id"))) == NULL ||
			    json_is_null(val))
				continue;
			if (!any) {
				HTML_RAW(&p->h, "<section class=\"case-section\" "
				    "aria-labelledby=\"s-");
				html_attr(&p->h, sid);
				HTML_RAW(&p->h, "\"><h2 id=\"s-");
				html_attr(&p->h, sid);
				HTML_RAW(&p->h, "\">");
				html_text(&p->h, page_label(json_object_get(sec, "labels"),
				    p->lang));
				HTML_RAW(&p->h, "</h2><dl class=\"facts\">");
				any = 1;
			}
			HTML_RAW(&p->h, "<div><dt>");
			html_text(&p->h, case_form_label(p, f));
			HTML_RAW(&p->h, "</dt><dd>");
			if (strcmp(json_get_str(f, "id"), "case_id") == 0 &&
			    json_is_string(val)) {
				HTML_RAW(&p->h, "<a id=\"linked-case\" href=\"/cases/");
				html_url_param(&p->h, json_string_value(val));
				HTML_RAW(&p->h, "\">");
				page_say(p, "Open the linked case");
				HTML_RAW(&p->h, "</a>");
			} else
				case_form_show_value(p, cf, f, val);
			HTML_RAW(&p->h, "</dd></div>");
		}
		if (any)
			HTML_RAW(&p->h, "</dl></section>\n");
	}
}

static void
page_vot_view(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	struct case_form cf = { 0 };
	json_t *v = NULL;
	const char *sid, *s;
	char title[96];
	struct page p;
	int rc;

	page_init(&p, req, resp);
	if ((rc = app_record_get(req->app, &req->actor, "vot", req->params[0], &v, &err)) !=
	    RC_OK || (rc = vot_form_load(&p, &cf)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	sid = json_get_str(v, "short_id");
	page_head(&p, "VoT record", "vots");
	if (vot_notice_take(&p))
		page_notice(&p, page_tr(&p, "The VoT record has been saved."));
	snprintf(title, sizeof(title), "%s %s", page_tr(&p, "VoT record"), sid ? sid : "");
	page_h1(&p, title);
	if (page_may(&p, "vot.update")) {
		HTML_RAW(&p.h, "<p><a id=\"edit-vot\" class=\"button\" href=\"/vots/");
		html_url_param(&p.h, sid);
		HTML_RAW(&p.h, "/edit\">");
		page_say(&p, "Edit the VoT record");
		HTML_RAW(&p.h, "</a></p>\n");
	}
	HTML_RAW(&p.h, "<dl class=\"facts meta\">");
	vot_fact(&p, "VoT record ID");
	HTML_RAW(&p.h, "<span class=\"sid\">");
	html_text(&p.h, sid);
	HTML_RAW(&p.h, "</span></dd></div>");
	vot_fact(&p, "Status");
	s = json_get_str(v, "status");
	page_say(&p, s != NULL && strcmp(s, "closed") == 0 ? "Closed" : "Open");
	HTML_RAW(&p.h, "</dd></div>");
	if ((s = json_get_str(v, "owned_by")) != NULL) {
		vot_fact(&p, "Counter-trafficking officer");
		html_text(&p.h, s);
		HTML_RAW(&p.h, "</dd></div>");
	}
	vot_fact(&p, "Registered");
	page_datetime(&p, json_get_str(v, "created_at"));
	HTML_RAW(&p.h, "</dd></div>");
	vot_fact(&p, "Last updated");
	page_datetime(&p, json_get_str(v, "updated_at"));
	HTML_RAW(&p.h, "</dd></div></dl>\n");
	vot_sections(&p, &cf, v);
	page_finish(&p, 200);
out:
	case_form_free(&cf);
	json_decref(v);
}

/* ---- the form ---------------------------------------------------------------------------- */

/* Problems with the linked case, in the page's language. */
static void
vot_problems(struct page *p, struct case_form *cf, const struct app_error *err)
{
	const json_t *f = vot_field(cf, "case_id");
	char text[256];
	size_t i;

	case_form_problems(p, cf, err);
	for (i = 0; i < cf->problems.n; i++) {
		if (strcmp(cf->problems.e[i].field, "case_id") != 0)
			continue;
		page_format(p->lang, "{1}: no case with this ID that you may see.",
		    f != NULL ? case_form_label(p, f) : "case_id", NULL, NULL, text,
		    sizeof(text));
		str_copy(cf->problems.e[i].problem, sizeof(cf->problems.e[i].problem), text);
		str_copy(cf->problems.e[i].summary, sizeof(cf->problems.e[i].summary), text);
	}
}

struct vot_edit {
	const char	*sid;		/* NULL: registering */
	int64_t		 rev;
	int		 conflict;
};

static void
vot_form_page(struct page *p, struct case_form *cf, const struct vot_edit *ve,
    unsigned status)
{
	char title[96];

	page_head(p, ve->sid != NULL ? "Edit a VoT record" : "Register a VoT record",
	    "vots");
	if (ve->sid != NULL) {
		snprintf(title, sizeof(title), "%s %s", page_tr(p, "Edit VoT record"),
		    ve->sid);
		page_h1(p, title);
	} else
		page_h1(p, page_tr(p, "Register a VoT record"));
	if (ve->conflict) {
		HTML_RAW(&p->h, "<div id=\"conflict\" class=\"conflict\" role=\"alert\"><p>");
		page_say(p, "Someone else saved this record after you opened it, so your "
		    "changes were not saved. Your input is still in the form: open the "
		    "record again to see their changes, then make yours.");
		HTML_RAW(&p->h, " <a href=\"/vots/");
		html_url_param(&p->h, ve->sid);
		HTML_RAW(&p->h, "/edit\">");
		page_say(p, "Open it again");
		HTML_RAW(&p->h, "</a></p></div>\n");
	}
	case_form_summary(p, cf);
	HTML_RAW(&p->h, "<form method=\"post\" class=\"case-form\" novalidate action=\"");
	if (ve->sid != NULL) {
		HTML_RAW(&p->h, "/vots/");
		html_url_param(&p->h, ve->sid);
		HTML_RAW(&p->h, "/edit\">");
	} else
		HTML_RAW(&p->h, "/vots/new\">");
	page_csrf(p);
	if (ve->sid != NULL) {
		HTML_RAW(&p->h, "<input type=\"hidden\" name=\"rev\" value=\"");
		html_textf(&p->h, "%" PRId64, ve->rev);
		HTML_RAW(&p->h, "\">");
	}
	HTML_RAW(&p->h, "\n");
	case_form_fields(p, cf);
	HTML_RAW(&p->h, "<div class=\"actions\"><button type=\"submit\" id=\"save\">");
	page_say(p, ve->sid != NULL ? "Save the VoT record" : "Register the VoT record");
	HTML_RAW(&p->h, "</button> <a href=\"");
	if (ve->sid != NULL) {
		HTML_RAW(&p->h, "/vots/");
		html_url_param(&p->h, ve->sid);
	} else
		HTML_RAW(&p->h, "/vots");
	HTML_RAW(&p->h, "\">");
	page_say(p, "Cancel");
	HTML_RAW(&p->h, "</a></div></form>\n");
	page_finish(p, status);
}

static void
page_vot_new(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	struct vot_edit ve = { 0 };
	struct case_form cf = { 0 };
	const char *cid = http_query(req, "case");
	const json_t *f;
	json_t *v;
	struct page p;
	int rc;

	page_init(&p, req, resp);
	if (!page_may(&p, "vot.create")) {
		page_error(req, resp, 403);
		return;
	}
	if ((rc = vot_form_load(&p, &cf)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	/* registered from a child's case: the link filled in (checked when saved) */
	if (cid != NULL && strlen(cid) <= 36 && (f = vot_field(&cf, "case_id")) != NULL) {
		v = json_string(cid);
		rc = v != NULL ? case_form_replace_field(&p, &cf, f, v) : RC_ENOMEM;
		json_decref(v);
		if (rc != RC_OK) {
			page_app_error(req, resp, rc, &err);
			goto out;
		}
	}
	vot_form_page(&p, &cf, &ve, 200);
out:
	case_form_free(&cf);
}

static void
vot_saved(struct http_response *resp, const json_t *ref)
{
	char location[64];

	snprintf(location, sizeof(location), "/vots/%s", json_get_str(ref, "short_id") ?
	    json_get_str(ref, "short_id") : "");
	http_redirect(resp, location);
	vot_notice_set(resp);
}

static void
page_vot_create(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	struct vot_edit ve = { 0 };
	struct case_form cf = { 0 };
	json_t *data = NULL, *ref = NULL;
	struct page p;
	int rc;

	page_init(&p, req, resp);
	if ((rc = vot_form_load(&p, &cf)) != RC_OK ||
	    (rc = case_form_values_from_request(&p, &cf)) != RC_OK ||
	    (rc = case_form_json(&p, &cf, 0, &data)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	rc = app_record_create(req->app, &req->actor, "vot", data, &ref, &err);
	if (rc == RC_OK)
		vot_saved(resp, ref);
	else if (rc == RC_EINVALID) {
		vot_problems(&p, &cf, &err);
		vot_form_page(&p, &cf, &ve, 200);
	} else
		page_app_error(req, resp, rc, &err);
out:
	case_form_free(&cf);
	json_decref(data);
	json_decref(ref);
}

static void
page_vot_edit(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	struct vot_edit ve = { 0 };
	struct case_form cf = { 0 };
	json_t *v = NULL;
	struct page p;
	int rc;

	page_init(&p, req, resp);
	if ((rc = app_record_get(req->app, &req->actor, "vot", req->params[0], &v, &err)) !=
	    RC_OK || (rc = vot_form_load(&p, &cf)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	if (!page_may(&p, "vot.update")) {
		page_error(req, resp, 403);
		goto out;
	}
	if ((rc = case_form_values_from_record(&p, &cf, v)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	ve.sid = json_get_str(v, "short_id");
	ve.rev = json_integer_value(json_object_get(v, "rev"));
	vot_form_page(&p, &cf, &ve, 200);
out:
	case_form_free(&cf);
	json_decref(v);
}

static void
page_vot_update(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	struct vot_edit ve = { 0 };
	struct case_form cf = { 0 };
	const char *revs = http_form(req, "rev");
	json_t *data = NULL, *ref = NULL, *cur = NULL;
	struct app_error gerr = { 0 };
	char sid[16];
	struct page p;
	int rc;

	page_init(&p, req, resp);
	ve.rev = revs != NULL ? strtoll(revs, NULL, 10) : 0;
	if (ve.rev < 1) {
		page_error(req, resp, 400);
		return;
	}
	if ((rc = vot_form_load(&p, &cf)) != RC_OK ||
	    (rc = case_form_values_from_request(&p, &cf)) != RC_OK ||
	    (rc = case_form_json(&p, &cf, 1, &data)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	rc = app_record_update(req->app, &req->actor, "vot", req->params[0], ve.rev, data,
	    &ref, &err);
	if (rc == RC_OK) {
		vot_saved(resp, ref);
		goto out;
	}
	if (rc != RC_EINVALID && rc != RC_ECONFLICT) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	/* the short id for the page comes from the record, not the URL */
	if (app_record_get(req->app, &req->actor, "vot", req->params[0], &cur, &gerr) !=
	    RC_OK) {
		page_error(req, resp, 404);
		goto out;
	}
	str_copy(sid, sizeof(sid), json_get_str(cur, "short_id"));
	ve.sid = sid;
	ve.conflict = rc == RC_ECONFLICT;
	if (rc == RC_EINVALID)
		vot_problems(&p, &cf, &err);
	vot_form_page(&p, &cf, &ve, 200);
out:
	case_form_free(&cf);
	json_decref(data);
	json_decref(ref);
	json_decref(cur);
}

/* ---- the table ---------------------------------------------------------------------------- */

static const struct http_route pages_vot_table[] = {
	{ HTTP_GET,  "/vots",			HTTP_PAGE,	page_vots, NULL },
	{ HTTP_GET,  "/vots/new",		HTTP_PAGE,	page_vot_new, NULL },
	{ HTTP_POST, "/vots/new",		HTTP_PAGE,	page_vot_create, NULL },
	{ HTTP_GET,  "/vots/{id}",		HTTP_PAGE,	page_vot_view, NULL },
	{ HTTP_GET,  "/vots/{id}/edit",		HTTP_PAGE,	page_vot_edit, NULL },
	{ HTTP_POST, "/vots/{id}/edit",		HTTP_PAGE,	page_vot_update, NULL },
};

static const struct http_routes pages_vot_table_routes = {
	pages_vot_table, sizeof(pages_vot_table) / sizeof(pages_vot_table[0])
};

const struct http_routes *
pages_vot_routes(void)
{
	return &pages_vot_table_routes;
}
