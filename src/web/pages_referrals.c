/*
 * pages_referrals.c — the service directory, referrals (sending from a case,
 * receiving in an inbox), transfers inside the instance, and packages from partner
 * instances for supervisors; and the referral and transfer blocks of the case page.
 *
 * Pages call app/ only. Every text is an msgid; values go through html_text/html_attr.
 * A referral's receiver never gets a link to the case.
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

#define RP_NOTICE_COOKIE	"rc_rnotice"
#define RP_SERVICES_PER		50

/* ---- shared ------------------------------------------------------------------------------ */

/* A one-time "done" notice after a redirect (a cookie with no data in it). */
static void
rp_notice_set(struct http_response *resp)
{
	http_header_add(resp, "Set-Cookie", RP_NOTICE_COOKIE "=done; HttpOnly; "
	    "SameSite=Strict; Path=/; Max-Age=60");
}

static void
rp_notice_show(struct page *p)
{
	const char *c = http_cookie(p->req, RP_NOTICE_COOKIE);

	if (c == NULL || strcmp(c, "done") != 0)
		return;
	http_header_add(p->resp, "Set-Cookie", RP_NOTICE_COOKIE "=; HttpOnly; "
	    "SameSite=Strict; Path=/; Max-Age=0");
	page_notice(p, page_tr(p, "Done."));
}

/* An app/ failure on a form: a translated lead and the reason. */
static void
rp_alert(struct page *p, const char *message)
{
	char text[400];

	if (message == NULL)
		return;
	snprintf(text, sizeof(text), "%s %s", page_tr(p, "This was not saved:"),
	    message);
	page_alert(p, "form-error", text);
}

/* A field definition of a form (app_form_get) by id. */
static const json_t *
rp_field(const json_t *form, const char *id)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(form, "fields"), i, f)
		if (strcmp(json_get_str(f, "id") ? json_get_str(f, "id") : "", id) == 0)
			return f;
	return NULL;
}

/* The display text of option `id` of field `fid` of `form`. */
static void
rp_say_option(struct page *p, const json_t *form, const char *fid, const char *id)
{
	const json_t *f = rp_field(form, fid);
	char text[256];

	if (id == NULL)
		return;
	if (f == NULL) {
		html_text(&p->h, id);
		return;
	}
	page_option_text(p, f, id, text, sizeof(text));
	html_text(&p->h, text);
}

/* <option>s of field `fid` of `form`, `selected` chosen, after an empty one. */
static void
rp_options(struct page *p, const json_t *form, const char *fid, const char *selected)
{
	const json_t *o;
	size_t i;

	HTML_RAW(&p->h, "<option value=\"\"></option>");
	json_array_foreach(json_object_get(rp_field(form, fid), "options"), i, o) {
		const char *id = json_get_str(o, "id");

		HTML_RAW(&p->h, "<option value=\"");
		html_attr(&p->h, id);
		HTML_RAW(&p->h, "\"");
		if (selected != NULL && id != NULL && strcmp(selected, id) == 0)
			HTML_RAW(&p->h, " selected");
		HTML_RAW(&p->h, ">");
		html_text(&p->h, page_label(json_object_get(o, "display_text"), p->lang));
		HTML_RAW(&p->h, "</option>");
	}
}

/* A table cell with its column name for narrow screens. */
static void
rp_td(struct page *p, const char *msgid)
{
	HTML_RAW(&p->h, "<td data-label=\"");
	html_attr(&p->h, page_tr(p, msgid));
	HTML_RAW(&p->h, "\">");
}

static void
rp_th(struct page *p, const char *msgid)
{
	HTML_RAW(&p->h, "<th scope=\"col\">");
	page_say(p, msgid);
	HTML_RAW(&p->h, "</th>");
}

static void
rp_fact(struct page *p, const char *msgid)
{
	HTML_RAW(&p->h, "<div><dt>");
	page_say(p, msgid);
	HTML_RAW(&p->h, "</dt><dd>");
}

static void
rp_fact_text(struct page *p, const char *msgid, const char *value)
{
	if (value == NULL || *value == '\0')
		return;
	rp_fact(p, msgid);
	HTML_RAW(&p->h, "<span class=\"pre\">");
	html_text(&p->h, value);
	HTML_RAW(&p->h, "</span></dd></div>");
}

/* A labelled input or textarea of a form. */
static void
rp_input(struct page *p, const char *id, const char *msgid, const char *type,
    const char *value, int required)
{
	HTML_RAW(&p->h, "<div class=\"field\"><label for=\"");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\">");
	page_say(p, msgid);
	if (required)
		HTML_RAW(&p->h, " <span class=\"req\" aria-hidden=\"true\">*</span>");
	HTML_RAW(&p->h, "</label>");
	if (strcmp(type, "textarea") == 0) {
		HTML_RAW(&p->h, "<textarea id=\"");
		html_attr(&p->h, id);
		HTML_RAW(&p->h, "\" name=\"");
		html_attr(&p->h, id);
		HTML_RAW(&p->h, "\" rows=\"3\"");
		if (required)
			HTML_RAW(&p->h, " required");
		HTML_RAW(&p->h, ">");
		html_text(&p->h, value);
		HTML_RAW(&p->h, "</textarea></div>\n");
		return;
	}
	HTML_RAW(&p->h, "<input type=\"");
	html_attr(&p->h, type);
	HTML_RAW(&p->h, "\" id=\"");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\" name=\"");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\" autocomplete=\"off\"");
	if (value != NULL) {
		HTML_RAW(&p->h, " value=\"");
		html_attr(&p->h, value);
		HTML_RAW(&p->h, "\"");
	}
	if (required)
		HTML_RAW(&p->h, " required");
	HTML_RAW(&p->h, "></div>\n");
}

static void
rp_select_open(struct page *p, const char *id, const char *msgid, int multiple)
{
	HTML_RAW(&p->h, "<div class=\"field\"><label for=\"");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\">");
	page_say(p, msgid);
	HTML_RAW(&p->h, "</label><select id=\"");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\" name=\"");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\"");
	if (multiple)
		HTML_RAW(&p->h, " multiple size=\"6\"");
	HTML_RAW(&p->h, ">");
}

static void
rp_select_close(struct page *p)
{
	HTML_RAW(&p->h, "</select></div>\n");
}

/* Every value of form field `name` (checkboxes, multiple selects), as an array of
 * strings; empty values are left out. Caller decrefs. */
static json_t *
rp_form_all(const struct http_request *req, const char *name)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; arr != NULL && i < req->nform; i++)
		if (!req->form[i].file && strcmp(req->form[i].name, name) == 0 &&
		    req->form[i].value[0] != '\0')
			json_array_append_new(arr, json_string(req->form[i].value));
	return arr;
}

/* Set `key` of `o` to the form field `name` when it is not empty. */
static void
rp_form_str(json_t *o, const struct http_request *req, const char *name, const char *key)
{
	const char *v = http_form(req, name);

	if (v != NULL && *v != '\0')
		json_object_set_new(o, key, json_string(v));
}

/* The status of a referral, a transfer or a package, in words. */
static const struct rp_status {
	const char	*id;
	const char	*msgid;
} rp_statuses[] = {
	{ "pending",	 "Pending" },
	{ "accepted",	 "Accepted" },
	{ "declined",	 "Declined" },
	{ "in_progress", "In progress" },
	{ "completed",	 "Completed" },
	{ "revoked",	 "Withdrawn" },
	{ "sent",	 "Sent to the partner" },
	{ "delivered",	 "Delivered" },
};

static void
rp_say_status(struct page *p, const char *status)
{
	size_t i;

	for (i = 0; status != NULL && i < sizeof(rp_statuses) / sizeof(rp_statuses[0]);
	    i++)
		if (strcmp(rp_statuses[i].id, status) == 0) {
			HTML_RAW(&p->h, "<span class=\"tag\">");
			page_say(p, rp_statuses[i].msgid);
			HTML_RAW(&p->h, "</span>");
			return;
		}
	html_text(&p->h, status);
}

/* A form posting one status or decision, with an optional text. */
static void
rp_action_form(struct page *p, const char *action, const char *field,
    const char *value, const char *button, const char *text_id, const char *text_msgid,
    int text_required)
{
	HTML_RAW(&p->h, "<form method=\"post\" class=\"card\" action=\"");
	html_attr(&p->h, action);
	HTML_RAW(&p->h, "\">");
	page_csrf(p);
	HTML_RAW(&p->h, "<input type=\"hidden\" name=\"");
	html_attr(&p->h, field);
	HTML_RAW(&p->h, "\" value=\"");
	html_attr(&p->h, value);
	HTML_RAW(&p->h, "\">");
	if (text_id != NULL) {
		const char *id = text_id;

		HTML_RAW(&p->h, "<div class=\"field\"><label for=\"");
		html_attr(&p->h, value);
		HTML_RAW(&p->h, "-");
		html_attr(&p->h, id);
		HTML_RAW(&p->h, "\">");
		page_say(p, text_msgid);
		HTML_RAW(&p->h, "</label><textarea rows=\"2\" id=\"");
		html_attr(&p->h, value);
		HTML_RAW(&p->h, "-");
		html_attr(&p->h, id);
		HTML_RAW(&p->h, "\" name=\"");
		html_attr(&p->h, id);
		HTML_RAW(&p->h, "\"");
		if (text_required)
			HTML_RAW(&p->h, " required");
		HTML_RAW(&p->h, "></textarea></div>");
	}
	HTML_RAW(&p->h, "<button type=\"submit\" id=\"do-");
	html_attr(&p->h, value);
	HTML_RAW(&p->h, "\">");
	page_say(p, button);
	HTML_RAW(&p->h, "</button></form>\n");
}

/* The referral form (for labels and options); NULL when it cannot be had. */
static json_t *
rp_referral_form(struct page *p)
{
	struct app_error err = { 0 };
	json_t *f = NULL;

	app_form_get(p->req->app, &p->req->actor, "referral", &f, &err);
	return f;
}

/* ---- the service directory ------------------------------------------------------------ */

static void
rp_service_row(struct page *p, const json_t *rform, const json_t *locations,
    const json_t *s)
{
	const json_t *v;
	size_t i;

	HTML_RAW(&p->h, "<tr><th scope=\"row\"><a href=\"/services/");
	html_url_param(&p->h, json_get_str(s, "id"));
	HTML_RAW(&p->h, "\">");
	html_text(&p->h, json_get_str(s, "name"));
	HTML_RAW(&p->h, "</a></th>");
	rp_td(p, "Agency");
	html_text(&p->h, json_get_str(s, "agency_name"));
	HTML_RAW(&p->h, "</td>");
	rp_td(p, "Services");
	json_array_foreach(json_object_get(s, "service_types"), i, v) {
		if (i > 0)
			html_text(&p->h, page_tr(p, ", "));
		rp_say_option(p, rform, "service_type", json_string_value(v));
	}
	HTML_RAW(&p->h, "</td>");
	rp_td(p, "Where");
	json_array_foreach(json_object_get(s, "locations"), i, v) {
		if (i > 0)
			html_text(&p->h, page_tr(p, ", "));
		html_text(&p->h, page_location_name(p, locations, json_string_value(v)));
	}
	HTML_RAW(&p->h, "</td>");
	rp_td(p, "Capacity");
	if (json_is_integer(v = json_object_get(s, "capacity")))
		page_int(p, json_integer_value(v));
	HTML_RAW(&p->h, "</td></tr>");
}

static void
page_services(struct http_request *req, struct http_response *resp)
{
	struct app_service_query q = { 0 };
	struct app_error err = { 0 };
	json_t *out = NULL, *rform = NULL, *locs = NULL, *s;
	const json_t *locations;
	struct page p;
	size_t i;
	int rc;

	page_init(&p, req, resp);
	q.type = http_query(req, "type");
	q.location = http_query(req, "location");
	q.per = RP_SERVICES_PER;
	q.page = page_query_int(req, "page", 1, 1000000, 1);
	q.all = page_may(&p, "service.manage");
	if ((rc = app_service_list(req->app, &req->actor, &q, &out, &err)) != RC_OK ||
	    (rc = app_location_list(req->app, &req->actor, &locs, &err)) != RC_OK) {
		page_app_error(req, resp, rc == RC_EINVALID ? RC_ENOTFOUND : rc, &err);
		goto out;
	}
	rform = rp_referral_form(&p);
	locations = json_object_get(locs, "data");
	page_head(&p, "Services", "services");
	rp_notice_show(&p);
	page_h1(&p, page_tr(&p, "Services"));
	if (page_may(&p, "service.manage")) {
		HTML_RAW(&p.h, "<p><a class=\"button\" id=\"new-service\" "
		    "href=\"/services/new\">");
		page_say(&p, "Add a service");
		HTML_RAW(&p.h, "</a></p>\n");
	}
	HTML_RAW(&p.h, "<form method=\"get\" action=\"/services\" class=\"search grid-form\" "
	    "role=\"search\">");
	rp_select_open(&p, "type", "Service type", 0);
	rp_options(&p, rform, "service_type", q.type);
	rp_select_close(&p);
	rp_select_open(&p, "location", "Where the child is", 0);
	HTML_RAW(&p.h, "<option value=\"\"></option>");
	page_location_options(&p, locations, q.location);
	rp_select_close(&p);
	HTML_RAW(&p.h, "<div class=\"actions\"><button type=\"submit\">");
	page_say(&p, "Search");
	HTML_RAW(&p.h, "</button></div></form>\n");
	if (json_array_size(json_object_get(out, "data")) == 0) {
		HTML_RAW(&p.h, "<p class=\"muted\">");
		page_say(&p, "No service matches.");
		HTML_RAW(&p.h, "</p>\n");
	} else {
		HTML_RAW(&p.h, "<div class=\"table-wrap\"><table class=\"cards\" "
		    "id=\"services\"><thead><tr>");
		rp_th(&p, "Name");
		rp_th(&p, "Agency");
		rp_th(&p, "Services");
		rp_th(&p, "Where");
		rp_th(&p, "Capacity");
		HTML_RAW(&p.h, "</tr></thead><tbody>");
		json_array_foreach(json_object_get(out, "data"), i, s)
			rp_service_row(&p, rform, locations, s);
		HTML_RAW(&p.h, "</tbody></table></div>\n");
	}
	page_finish(&p, 200);
out:
	json_decref(out);
	json_decref(rform);
	json_decref(locs);
}

/* The form of a service: new (`s` NULL) or to change. */
static void
rp_service_form(struct page *p, const json_t *s, const json_t *rform,
    const json_t *locations, const char *alert)
{
	struct app_error err = { 0 };
	json_t *agencies = NULL, *cform = NULL, *a, *v;
	const json_t *rt = NULL, *sf;
	const char *id = json_get_str(s, "id");
	char buf[64];
	size_t i, k;

	app_agency_list(p->req->app, &p->req->actor, &agencies, &err);
	app_form_get(p->req->app, &p->req->actor, "case", &cform, &err);
	/* the recipient types are those of the consent records */
	json_array_foreach(json_object_get(rp_field(cform, "consent_per_purpose"),
	    "fields"), i, sf)
		if (strcmp(json_get_str(sf, "id") ? json_get_str(sf, "id") : "",
		    "consent_recipient_type") == 0)
			rt = sf;
	rp_alert(p, alert);
	HTML_RAW(&p->h, "<form method=\"post\" class=\"card\" id=\"service-form\" action=\"");
	if (id != NULL) {
		HTML_RAW(&p->h, "/services/");
		html_url_param(&p->h, id);
	} else
		HTML_RAW(&p->h, "/services/new");
	HTML_RAW(&p->h, "\">");
	page_csrf(p);
	rp_input(p, "name", "Name", "text", json_get_str(s, "name"), 1);
	rp_select_open(p, "agency", "Agency", 0);
	json_array_foreach(json_object_get(agencies, "data"), i, a) {
		HTML_RAW(&p->h, "<option value=\"");
		html_attr(&p->h, json_get_str(a, "code"));
		HTML_RAW(&p->h, "\"");
		if (json_get_str(s, "agency") != NULL && json_get_str(a, "code") != NULL &&
		    strcmp(json_get_str(s, "agency"), json_get_str(a, "code")) == 0)
			HTML_RAW(&p->h, " selected");
		HTML_RAW(&p->h, ">");
		html_text(&p->h, json_get_str(a, "name"));
		HTML_RAW(&p->h, "</option>");
	}
	rp_select_close(p);
	HTML_RAW(&p->h, "<fieldset class=\"field\"><legend>");
	page_say(p, "Services");
	HTML_RAW(&p->h, "</legend><div class=\"checks\">");
	json_array_foreach(json_object_get(rp_field(rform, "service_type"), "options"), i,
	    v) {
		const char *oid = json_get_str(v, "id");
		int on = 0;
		const json_t *t;

		json_array_foreach(json_object_get(s, "service_types"), k, t)
			on |= json_is_string(t) && oid != NULL &&
			    strcmp(json_string_value(t), oid) == 0;
		HTML_RAW(&p->h, "<label class=\"check\"><input type=\"checkbox\" "
		    "name=\"service_types\" value=\"");
		html_attr(&p->h, oid);
		HTML_RAW(&p->h, "\"");
		if (on)
			HTML_RAW(&p->h, " checked");
		HTML_RAW(&p->h, "> ");
		html_text(&p->h, page_label(json_object_get(v, "display_text"), p->lang));
		HTML_RAW(&p->h, "</label>");
	}
	HTML_RAW(&p->h, "</div></fieldset>\n");
	rp_select_open(p, "locations", "Places served (and every place within them)", 1);
	json_array_foreach(locations, i, a) {
		const char *code = json_get_str(a, "code");
		int on = 0;
		const json_t *t;

		json_array_foreach(json_object_get(s, "locations"), k, t)
			on |= json_is_string(t) && code != NULL &&
			    strcmp(json_string_value(t), code) == 0;
		HTML_RAW(&p->h, "<option value=\"");
		html_attr(&p->h, code);
		HTML_RAW(&p->h, "\"");
		if (on)
			HTML_RAW(&p->h, " selected");
		HTML_RAW(&p->h, ">");
		html_text(&p->h, page_location_name(p, locations, code));
		HTML_RAW(&p->h, "</option>");
	}
	rp_select_close(p);
	{
		struct buf langs = BUF_INIT;

		json_array_foreach(json_object_get(s, "languages"), i, v)
			buf_printf(&langs, "%s%s", i > 0 ? ", " : "", json_string_value(v) ?
			    json_string_value(v) : "");
		rp_input(p, "languages", "Languages (codes such as ar, ti, fr)", "text",
		    langs.p, 0);
		buf_free(&langs);
	}
	rp_input(p, "contact", "Contact", "textarea", json_get_str(s, "contact"), 0);
	HTML_RAW(&p->h, "<div class=\"grid\">");
	snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
	    json_integer_value(json_object_get(s, "age_from")));
	rp_input(p, "age_from", "From age", "number",
	    json_is_integer(json_object_get(s, "age_from")) ? buf : NULL, 0);
	snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
	    json_integer_value(json_object_get(s, "age_to")));
	rp_input(p, "age_to", "To age", "number",
	    json_is_integer(json_object_get(s, "age_to")) ? buf : NULL, 0);
	snprintf(buf, sizeof(buf), "%" JSON_INTEGER_FORMAT,
	    json_integer_value(json_object_get(s, "capacity")));
	rp_input(p, "capacity", "Capacity", "number",
	    json_is_integer(json_object_get(s, "capacity")) ? buf : NULL, 0);
	HTML_RAW(&p->h, "</div>");
	HTML_RAW(&p->h, "<fieldset class=\"field\"><legend>");
	page_say(p, "Sexes served");
	HTML_RAW(&p->h, "</legend><div class=\"checks\">");
	json_array_foreach(json_object_get(rp_field(cform, "sex"), "options"), i, v) {
		const char *oid = json_get_str(v, "id");
		int on = 0;
		const json_t *t;

		json_array_foreach(json_object_get(s, "sexes"), k, t)
			on |= json_is_string(t) && oid != NULL &&
			    strcmp(json_string_value(t), oid) == 0;
		HTML_RAW(&p->h, "<label class=\"check\"><input type=\"checkbox\" "
		    "name=\"sexes\" value=\"");
		html_attr(&p->h, oid);
		HTML_RAW(&p->h, "\"");
		if (on)
			HTML_RAW(&p->h, " checked");
		HTML_RAW(&p->h, "> ");
		html_text(&p->h, page_label(json_object_get(v, "display_text"), p->lang));
		HTML_RAW(&p->h, "</label>");
	}
	HTML_RAW(&p->h, "</div></fieldset>\n");
	rp_select_open(p, "provider_type", "Kind of organisation (for consent)", 0);
	HTML_RAW(&p->h, "<option value=\"\"></option>");
	json_array_foreach(json_object_get(rt, "options"), i, v) {
		HTML_RAW(&p->h, "<option value=\"");
		html_attr(&p->h, json_get_str(v, "id"));
		HTML_RAW(&p->h, "\"");
		if (json_get_str(s, "provider_type") != NULL && json_get_str(v, "id") &&
		    strcmp(json_get_str(s, "provider_type"), json_get_str(v, "id")) == 0)
			HTML_RAW(&p->h, " selected");
		HTML_RAW(&p->h, ">");
		html_text(&p->h, page_label(json_object_get(v, "display_text"), p->lang));
		HTML_RAW(&p->h, "</option>");
	}
	rp_select_close(p);
	if (id != NULL) {
		HTML_RAW(&p->h, "<div class=\"field check\"><label class=\"check\">"
		    "<input type=\"checkbox\" name=\"active\" value=\"1\"");
		if (!json_is_false(json_object_get(s, "active")))
			HTML_RAW(&p->h, " checked");
		HTML_RAW(&p->h, "> ");
		page_say(p, "Open to referrals");
		HTML_RAW(&p->h, "</label></div>");
	}
	HTML_RAW(&p->h, "<div class=\"actions\"><button type=\"submit\" "
	    "id=\"save-service\">");
	page_say(p, "Save the service");
	HTML_RAW(&p->h, "</button></div></form>\n");
	json_decref(agencies);
	json_decref(cform);
}

/* The service as the form sent it. Caller decrefs. */
static json_t *
rp_service_from_form(const struct http_request *req, int edit)
{
	static const char *const ints[] = { "age_from", "age_to", "capacity" };
	json_t *s = json_object(), *langs;
	const char *v, *q, *e;
	size_t i;

	if (s == NULL)
		return NULL;
	rp_form_str(s, req, "name", "name");
	rp_form_str(s, req, "agency", "agency");
	rp_form_str(s, req, "contact", "contact");
	rp_form_str(s, req, "provider_type", "provider_type");
	json_object_set_new(s, "service_types", rp_form_all(req, "service_types"));
	json_object_set_new(s, "locations", rp_form_all(req, "locations"));
	json_object_set_new(s, "sexes", rp_form_all(req, "sexes"));
	for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
		char *end;
		long long n;

		v = http_form(req, ints[i]);
		if (v == NULL || *v == '\0') {
			if (edit)
				json_object_set_new(s, ints[i], json_null());
			continue;
		}
		n = strtoll(v, &end, 10);
		/* what is not a number goes as typed: the check names the field */
		json_object_set_new(s, ints[i], *end == '\0' ? json_integer(n) :
		    json_string(v));
	}
	if ((langs = json_array()) != NULL && (v = http_form(req, "languages")) != NULL) {
		for (q = v; *q != '\0'; q = *e != '\0' ? e + 1 : e) {
			while (*q == ' ' || *q == ',')
				q++;
			for (e = q; *e != '\0' && *e != ',' && *e != ' '; e++)
				;
			if (e > q)
				json_array_append_new(langs, json_stringn(q, (size_t)(e - q)));
			if (*e == '\0')
				break;
		}
	}
	json_object_set_new(s, "languages", langs);
	if (edit) {
		json_object_set_new(s, "active", json_boolean(http_form(req, "active") !=
		    NULL));
		if (json_object_get(s, "contact") == NULL)
			json_object_set_new(s, "contact", json_null());
		if (json_object_get(s, "provider_type") == NULL)
			json_object_set_new(s, "provider_type", json_null());
	}
	return s;
}

/* The new-service page, or the page of service `id`; `alert` after a failed save. */
static void
rp_service_page(struct http_request *req, struct http_response *resp, const char *id,
    const json_t *typed, const char *alert, unsigned status)
{
	struct app_error err = { 0 };
	json_t *s = NULL, *rform = NULL, *locs = NULL;
	const json_t *locations, *v;
	struct page p;
	size_t i;
	int rc;

	page_init(&p, req, resp);
	if (id != NULL && (rc = app_service_get(req->app, &req->actor, id, &s, &err)) !=
	    RC_OK) {
		page_app_error(req, resp, rc, &err);
		return;
	}
	if (id == NULL && !page_may(&p, "service.manage")) {
		page_error(req, resp, 403);
		return;
	}
	if ((rc = app_location_list(req->app, &req->actor, &locs, &err)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		json_decref(s);
		return;
	}
	rform = rp_referral_form(&p);
	locations = json_object_get(locs, "data");
	page_head(&p, id != NULL ? "Service" : "Add a service", "services");
	rp_notice_show(&p);
	page_h1(&p, id != NULL ? json_get_str(s, "name") : page_tr(&p, "Add a service"));
	if (id != NULL) {
		HTML_RAW(&p.h, "<dl class=\"facts meta\">");
		rp_fact(&p, "Agency");
		html_text(&p.h, json_get_str(s, "agency_name"));
		HTML_RAW(&p.h, "</dd></div>");
		rp_fact(&p, "Services");
		json_array_foreach(json_object_get(s, "service_types"), i, v) {
			if (i > 0)
				html_text(&p.h, page_tr(&p, ", "));
			rp_say_option(&p, rform, "service_type", json_string_value(v));
		}
		HTML_RAW(&p.h, "</dd></div>");
		rp_fact(&p, "Where");
		json_array_foreach(json_object_get(s, "locations"), i, v) {
			if (i > 0)
				html_text(&p.h, page_tr(&p, ", "));
			html_text(&p.h, page_location_name(&p, locations,
			    json_string_value(v)));
		}
		HTML_RAW(&p.h, "</dd></div>");
		if (json_array_size(json_object_get(s, "languages")) > 0) {
			rp_fact(&p, "Languages");
			json_array_foreach(json_object_get(s, "languages"), i, v) {
				char name[64];

				if (i > 0)
					html_text(&p.h, page_tr(&p, ", "));
				i18n_language(p.lang, json_string_value(v), name,
				    sizeof(name));
				html_text(&p.h, name[0] ? name : json_string_value(v));
			}
			HTML_RAW(&p.h, "</dd></div>");
		}
		if (json_is_integer(json_object_get(s, "age_from")) ||
		    json_is_integer(json_object_get(s, "age_to"))) {
			char ages[48];

			snprintf(ages, sizeof(ages), "%" JSON_INTEGER_FORMAT "\xe2\x80\x93%"
			    JSON_INTEGER_FORMAT, json_integer_value(json_object_get(s,
			    "age_from")), json_is_integer(json_object_get(s, "age_to")) ?
			    json_integer_value(json_object_get(s, "age_to")) : 120);
			rp_fact_text(&p, "Ages", ages);
		}
		if (json_is_integer(v = json_object_get(s, "capacity"))) {
			rp_fact(&p, "Capacity");
			page_int(&p, json_integer_value(v));
			HTML_RAW(&p.h, "</dd></div>");
		}
		rp_fact_text(&p, "Contact", json_get_str(s, "contact"));
		if (json_is_false(json_object_get(s, "active")))
			rp_fact_text(&p, "Status", page_tr(&p, "Closed to referrals"));
		HTML_RAW(&p.h, "</dl>\n");
	}
	if (page_may(&p, "service.manage")) {
		if (id != NULL) {
			HTML_RAW(&p.h, "<h2>");
			page_say(&p, "Change the service");
			HTML_RAW(&p.h, "</h2>");
		}
		rp_service_form(&p, typed != NULL ? typed : s, rform, locations, alert);
	}
	page_finish(&p, status);
	json_decref(s);
	json_decref(rform);
	json_decref(locs);
}

static void
page_service_new(struct http_request *req, struct http_response *resp)
{
	rp_service_page(req, resp, NULL, NULL, NULL, 200);
}

static void
page_service_view(struct http_request *req, struct http_response *resp)
{
	rp_service_page(req, resp, req->params[0], NULL, NULL, 200);
}

/* POST /services/new and /services/{id}. */
static void
page_service_save(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	const char *id = req->nparams > 0 ? req->params[0] : NULL;
	json_t *s = rp_service_from_form(req, id != NULL), *out = NULL;
	char where[128];
	int rc;

	if (s == NULL) {
		page_error(req, resp, 500);
		return;
	}
	rc = id != NULL ? app_service_update(req->app, &req->actor, id, s, &out, &err) :
	    app_service_create(req->app, &req->actor, s, &out, &err);
	if (rc == RC_OK) {
		snprintf(where, sizeof(where), "/services/%s", json_get_str(out, "id") ?
		    json_get_str(out, "id") : "");
		rp_notice_set(resp);
		http_redirect(resp, where);
	} else if (rc == RC_EINVALID)
		rp_service_page(req, resp, id, s, err.message, 422);
	else
		page_app_error(req, resp, rc, &err);
	json_decref(s);
	json_decref(out);
}

/* ---- referrals: lists ---------------------------------------------------------------- */

static void
rp_referral_rows(struct page *p, const json_t *rform, const json_t *rows, int with_feedback)
{
	const json_t *r;
	size_t i;

	HTML_RAW(&p->h, "<div class=\"table-wrap\"><table class=\"cards referrals\"><thead>"
	    "<tr>");
	rp_th(p, "Referral");
	rp_th(p, "Status");
	rp_th(p, "Service type");
	rp_th(p, "From");
	rp_th(p, "To");
	rp_th(p, with_feedback ? "Feedback" : "Answer by");
	HTML_RAW(&p->h, "</tr></thead><tbody>");
	json_array_foreach(rows, i, r) {
		HTML_RAW(&p->h, "<tr><th scope=\"row\"><a class=\"sid\" href=\"/referrals/");
		html_url_param(&p->h, json_get_str(r, "short_id"));
		HTML_RAW(&p->h, "\">");
		html_text(&p->h, json_get_str(r, "short_id"));
		HTML_RAW(&p->h, "</a></th>");
		rp_td(p, "Status");
		rp_say_status(p, json_get_str(r, "status"));
		if (json_is_true(json_object_get(r, "overdue"))) {
			HTML_RAW(&p->h, " <span class=\"due overdue\">");
			page_say(p, "Overdue");
			HTML_RAW(&p->h, "</span>");
		}
		HTML_RAW(&p->h, "</td>");
		rp_td(p, "Service type");
		rp_say_option(p, rform, "service_type", json_get_str(r, "service_type"));
		HTML_RAW(&p->h, "</td>");
		rp_td(p, "From");
		html_text(&p->h, json_get_str(r, "from_agency"));
		HTML_RAW(&p->h, "</td>");
		rp_td(p, "To");
		html_text(&p->h, json_get_str(r, "to_agency"));
		HTML_RAW(&p->h, "</td>");
		if (with_feedback) {
			rp_td(p, "Feedback");
			HTML_RAW(&p->h, "<span class=\"pre\">");
			html_text(&p->h, json_get_str(r, "feedback"));
			HTML_RAW(&p->h, "</span></td></tr>");
		} else {
			rp_td(p, "Answer by");
			if (json_get_str(r, "respond_by") != NULL)
				page_datetime(p, json_get_str(r, "respond_by"));
			HTML_RAW(&p->h, "</td></tr>");
		}
	}
	HTML_RAW(&p->h, "</tbody></table></div>\n");
}

static void
page_referrals(struct http_request *req, struct http_response *resp)
{
	struct app_referral_query q = { 0 };
	struct app_error err = { 0 };
	json_t *out = NULL, *rform = NULL;
	const char *box = http_query(req, "box");
	struct page p;
	int may_in, may_out, rc;

	page_init(&p, req, resp);
	may_in = page_may(&p, "referral.receive");
	may_out = page_may(&p, "referral.list");
	if (box == NULL || (strcmp(box, "in") != 0 && strcmp(box, "out") != 0))
		box = may_in ? "in" : "out";
	q.box = box;
	q.per = PAGE_PER;
	q.page = page_query_int(req, "page", 1, 1000000, 1);
	if ((rc = app_referral_list(req->app, &req->actor, &q, &out, &err)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		return;
	}
	rform = rp_referral_form(&p);
	page_head(&p, "Referrals", "referrals");
	page_h1(&p, page_tr(&p, "Referrals"));
	if (may_in && may_out) {
		HTML_RAW(&p.h, "<nav class=\"subnav\" aria-label=\"");
		html_attr(&p.h, page_tr(&p, "Referrals"));
		HTML_RAW(&p.h, "\"><ul><li><a href=\"/referrals?box=in\"");
		if (strcmp(box, "in") == 0)
			HTML_RAW(&p.h, " aria-current=\"page\"");
		HTML_RAW(&p.h, ">");
		page_say(&p, "Received");
		HTML_RAW(&p.h, "</a></li><li><a href=\"/referrals?box=out\"");
		if (strcmp(box, "out") == 0)
			HTML_RAW(&p.h, " aria-current=\"page\"");
		HTML_RAW(&p.h, ">");
		page_say(&p, "Sent");
		HTML_RAW(&p.h, "</a></li></ul></nav>\n");
	}
	if (json_array_size(json_object_get(out, "data")) == 0) {
		HTML_RAW(&p.h, "<p class=\"muted\" id=\"no-referrals\">");
		page_say(&p, "No referrals.");
		HTML_RAW(&p.h, "</p>\n");
	} else
		rp_referral_rows(&p, rform, json_object_get(out, "data"), 0);
	if (q.page > 1 || json_integer_value(json_object_get(json_object_get(out,
	    "metadata"), "total")) > q.page * q.per) {
		HTML_RAW(&p.h, "<nav class=\"pager\">");
		if (q.page > 1) {
			HTML_RAW(&p.h, "<a rel=\"prev\" href=\"/referrals?box=");
			html_url_param(&p.h, box);
			html_textf(&p.h, "&page=%" PRId64, q.page - 1);
			HTML_RAW(&p.h, "\">");
			page_say(&p, "Previous");
			HTML_RAW(&p.h, "</a>");
		}
		if (json_integer_value(json_object_get(json_object_get(out, "metadata"),
		    "total")) > q.page * q.per) {
			HTML_RAW(&p.h, "<a rel=\"next\" href=\"/referrals?box=");
			html_url_param(&p.h, box);
			html_textf(&p.h, "&page=%" PRId64, q.page + 1);
			HTML_RAW(&p.h, "\">");
			page_say(&p, "Next");
			HTML_RAW(&p.h, "</a>");
		}
		HTML_RAW(&p.h, "</nav>\n");
	}
	page_finish(&p, 200);
	json_decref(out);
	json_decref(rform);
}

/* ---- one referral ------------------------------------------------------------------- */

static void
rp_referral_page(struct http_request *req, struct http_response *resp, const char *alert,
    unsigned status)
{
	struct app_error err = { 0 };
	struct case_form cf = { 0 };
	json_t *r = NULL, *rform = NULL;
	const json_t *shared, *v, *e;
	const char *st, *side, *key, *sid;
	char title[64], action[96];
	struct page p;
	size_t i;
	int rc, sender, receiver;

	page_init(&p, req, resp);
	if ((rc = app_referral_get(req->app, &req->actor, req->params[0], &r, &err)) !=
	    RC_OK || (rc = case_form_load(&p, &cf)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	rform = rp_referral_form(&p);
	st = json_get_str(r, "status");
	side = json_get_str(r, "side");
	sid = json_get_str(r, "short_id");
	sender = side != NULL && strcmp(side, "sender") == 0;
	receiver = !sender;
	page_head(&p, "Referral", "referrals");
	rp_notice_show(&p);
	rp_alert(&p, alert);
	snprintf(title, sizeof(title), "%s %s", page_tr(&p, "Referral"), sid ? sid : "");
	page_h1(&p, title);
	HTML_RAW(&p.h, "<dl class=\"facts meta\" id=\"referral-facts\">");
	rp_fact(&p, "Status");
	rp_say_status(&p, st);
	HTML_RAW(&p.h, "</dd></div>");
	rp_fact(&p, "Service type");
	rp_say_option(&p, rform, "service_type", json_get_str(r, "service_type"));
	HTML_RAW(&p.h, "</dd></div>");
	rp_fact_text(&p, "Service", json_get_str(r, "service_name"));
	rp_fact(&p, "From");
	html_text(&p.h, json_get_str(r, "from_agency"));
	HTML_RAW(&p.h, " \xc2\xb7 ");
	html_text(&p.h, json_get_str(r, "from_user"));
	HTML_RAW(&p.h, "</dd></div>");
	rp_fact_text(&p, "To", json_get_str(r, "to_agency"));
	if (json_get_str(r, "urgency") != NULL) {
		rp_fact(&p, "Urgency");
		page_risk(&p, json_get_str(r, "urgency"));
		HTML_RAW(&p.h, "</dd></div>");
	}
	if (json_get_str(r, "due_date") != NULL) {
		rp_fact(&p, "Service needed by");
		page_date(&p, json_get_str(r, "due_date"));
		HTML_RAW(&p.h, "</dd></div>");
	}
	if (json_get_str(r, "respond_by") != NULL) {
		rp_fact(&p, "Answer by");
		page_datetime(&p, json_get_str(r, "respond_by"));
		if (json_is_true(json_object_get(r, "overdue"))) {
			HTML_RAW(&p.h, " <span class=\"due overdue\">");
			page_say(&p, "Overdue");
			HTML_RAW(&p.h, "</span>");
		}
		HTML_RAW(&p.h, "</dd></div>");
	}
	if (sender && json_get_str(r, "case_id") != NULL) {
		rp_fact(&p, "Case");
		HTML_RAW(&p.h, "<a id=\"referral-case\" href=\"/cases/");
		html_url_param(&p.h, json_get_str(r, "case_id"));
		HTML_RAW(&p.h, "\">");
		page_say(&p, "Open the case");
		HTML_RAW(&p.h, "</a></dd></div>");
	}
	rp_fact_text(&p, "Case plan action", json_get_str(r, "case_plan_action_text"));
	rp_fact(&p, "Basis for sharing");
	rp_say_option(&p, rform, "consent_basis", json_get_str(r, "consent_basis"));
	HTML_RAW(&p.h, "</dd></div>");
	rp_fact_text(&p, "Reason for the override", json_get_str(r,
	    "consent_override_reason"));
	rp_fact_text(&p, "Reason for the referral", json_get_str(r, "reason"));
	rp_fact_text(&p, "Reason given", json_get_str(r, "status_reason"));
	rp_fact_text(&p, "Feedback", json_get_str(r, "feedback"));
	HTML_RAW(&p.h, "</dl>\n<section aria-labelledby=\"shared-title\"><h2 "
	    "id=\"shared-title\">");
	page_say(&p, "Information shared");
	HTML_RAW(&p.h, "</h2>");
	shared = json_object_get(r, "shared");
	if (json_object_size(shared) > 0) {
		HTML_RAW(&p.h, "<dl class=\"facts\" id=\"shared\">");
		json_object_foreach((json_t *)shared, key, v) {
			const json_t *f = rp_field(cf.form, key);

			HTML_RAW(&p.h, "<div><dt>");
			html_text(&p.h, f != NULL ? case_form_label(&p, f) : key);
			HTML_RAW(&p.h, "</dt><dd>");
			if (f != NULL)
				case_form_show_value(&p, &cf, f, v);
			HTML_RAW(&p.h, "</dd></div>");
		}
		HTML_RAW(&p.h, "</dl>");
	} else if (json_array_size(json_object_get(r, "shared_fields")) > 0) {
		HTML_RAW(&p.h, "<p class=\"muted\" id=\"shared-gone\">");
		page_say(&p, "The referral is closed: the information shared is no longer "
		    "kept with it.");
		HTML_RAW(&p.h, "</p>");
	} else {
		HTML_RAW(&p.h, "<p class=\"muted\">");
		page_say(&p, "No information about the child was shared.");
		HTML_RAW(&p.h, "</p>");
	}
	HTML_RAW(&p.h, "</section>\n");
	if (json_array_size(json_object_get(r, "status_log")) > 0) {
		HTML_RAW(&p.h, "<section aria-labelledby=\"log-title\"><h2 id=\"log-title\">");
		page_say(&p, "History");
		HTML_RAW(&p.h, "</h2><ol class=\"history\">");
		json_array_foreach(json_object_get(r, "status_log"), i, e) {
			HTML_RAW(&p.h, "<li><p><span class=\"when\">");
			page_datetime(&p, json_get_str(e, "at"));
			HTML_RAW(&p.h, "</span> \xc2\xb7 <span class=\"who\">");
			html_text(&p.h, json_get_str(e, "by"));
			HTML_RAW(&p.h, "</span> \xc2\xb7 ");
			rp_say_status(&p, json_get_str(e, "status"));
			HTML_RAW(&p.h, "</p>");
			if (json_get_str(e, "note") != NULL) {
				HTML_RAW(&p.h, "<p class=\"pre\">");
				html_text(&p.h, json_get_str(e, "note"));
				HTML_RAW(&p.h, "</p>");
			}
			HTML_RAW(&p.h, "</li>");
		}
		HTML_RAW(&p.h, "</ol></section>\n");
	}
	snprintf(action, sizeof(action), "/referrals/%s/status", sid ? sid : "");
	if (st != NULL && receiver) {
		if (strcmp(st, "pending") == 0) {
			rp_action_form(&p, action, "status", "accepted",
			    "Accept the referral", NULL, NULL, 0);
			rp_action_form(&p, action, "status", "declined",
			    "Decline the referral", "reason", "Why it is declined", 1);
		} else if (strcmp(st, "accepted") == 0)
			rp_action_form(&p, action, "status", "in_progress",
			    "The service has started", "feedback", "Feedback for the "
			    "caseworker", 0);
		else if (strcmp(st, "in_progress") == 0)
			rp_action_form(&p, action, "status", "completed",
			    "The service is completed", "feedback", "Feedback for the "
			    "caseworker", 0);
	}
	if (st != NULL && sender && page_may(&p, "referral.update") &&
	    (strcmp(st, "pending") == 0 || strcmp(st, "accepted") == 0 ||
	    strcmp(st, "in_progress") == 0))
		rp_action_form(&p, action, "status", "revoked", "Withdraw the referral",
		    "reason", "Why it is withdrawn", 0);
	page_finish(&p, status);
out:
	case_form_free(&cf);
	json_decref(r);
	json_decref(rform);
}

static void
page_referral_view(struct http_request *req, struct http_response *resp)
{
	rp_referral_page(req, resp, NULL, 200);
}

static void
page_referral_status(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *body = json_object(), *out = NULL;
	char where[96];
	int rc;

	if (body == NULL) {
		page_error(req, resp, 500);
		return;
	}
	rp_form_str(body, req, "status", "status");
	rp_form_str(body, req, "reason", "reason");
	rp_form_str(body, req, "feedback", "feedback");
	rc = app_referral_status(req->app, &req->actor, req->params[0], body, &out, &err);
	if (rc == RC_OK) {
		snprintf(where, sizeof(where), "/referrals/%s", json_get_str(out,
		    "short_id") ? json_get_str(out, "short_id") : "");
		rp_notice_set(resp);
		http_redirect(resp, where);
	} else if (rc == RC_EINVALID || rc == RC_EDENIED)
		rp_referral_page(req, resp, err.message, 422);
	else
		page_app_error(req, resp, rc, &err);
	json_decref(body);
	json_decref(out);
}

/* ---- referring a case ------------------------------------------------------------------ */

static void
rp_refer_page(struct http_request *req, struct http_response *resp, const char *alert,
    unsigned status)
{
	struct app_service_query q = { 0 };
	struct app_error err = { 0 };
	struct case_form cf = { 0 };
	json_t *opts = NULL, *svcs = NULL, *agencies = NULL, *rform = NULL, *c = NULL;
	const json_t *v, *consent;
	const char *sel, *sid;
	char action[96], text[256];
	struct page p;
	size_t i;
	int rc;

	page_init(&p, req, resp);
	q.per = 100;
	if ((rc = app_case_get(req->app, &req->actor, req->params[0], &c, &err)) != RC_OK ||
	    (rc = app_referral_options(req->app, &req->actor, req->params[0], &opts,
	    &err)) != RC_OK || (rc = case_form_load(&p, &cf)) != RC_OK ||
	    (rc = app_service_list(req->app, &req->actor, &q, &svcs, &err)) != RC_OK ||
	    (rc = app_agency_list(req->app, &req->actor, &agencies, &err)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	rform = rp_referral_form(&p);
	sid = json_get_str(c, "short_id");
	page_head(&p, "Refer the case", "cases");
	rp_alert(&p, alert);
	snprintf(text, sizeof(text), "%s %s", page_tr(&p, "Refer case"), sid ? sid : "");
	page_h1(&p, text);
	consent = json_object_get(opts, "consent");
	if (!json_is_true(json_object_get(consent, "ok"))) {
		snprintf(text, sizeof(text), "%s %s", page_tr(&p, "The case records no "
		    "consent for a referral."), page_may(&p, "case.consent_override") ?
		    page_tr(&p, "You may record an override with a reason.") :
		    page_tr(&p, "Record the consent first, or ask a supervisor."));
		page_alert(&p, "consent-missing", text);
	}
	snprintf(action, sizeof(action), "/cases/%s/refer", sid ? sid : "");
	HTML_RAW(&p.h, "<form method=\"post\" class=\"card\" id=\"refer-form\" action=\"");
	html_attr(&p.h, action);
	HTML_RAW(&p.h, "\">");
	page_csrf(&p);
	sel = http_form(req, "service_id");
	rp_select_open(&p, "service_id", "Service from the directory", 0);
	HTML_RAW(&p.h, "<option value=\"\"></option>");
	json_array_foreach(json_object_get(svcs, "data"), i, v) {
		HTML_RAW(&p.h, "<option value=\"");
		html_attr(&p.h, json_get_str(v, "id"));
		HTML_RAW(&p.h, "\"");
		if (sel != NULL && json_get_str(v, "id") != NULL &&
		    strcmp(sel, json_get_str(v, "id")) == 0)
			HTML_RAW(&p.h, " selected");
		HTML_RAW(&p.h, ">");
		html_text(&p.h, json_get_str(v, "name"));
		HTML_RAW(&p.h, " \xe2\x80\x94 ");
		html_text(&p.h, json_get_str(v, "agency_name"));
		HTML_RAW(&p.h, "</option>");
	}
	rp_select_close(&p);
	sel = http_form(req, "to_agency");
	rp_select_open(&p, "to_agency", "Or an agency", 0);
	HTML_RAW(&p.h, "<option value=\"\"></option>");
	json_array_foreach(json_object_get(agencies, "data"), i, v) {
		HTML_RAW(&p.h, "<option value=\"");
		html_attr(&p.h, json_get_str(v, "code"));
		HTML_RAW(&p.h, "\"");
		if (sel != NULL && json_get_str(v, "code") != NULL &&
		    strcmp(sel, json_get_str(v, "code")) == 0)
			HTML_RAW(&p.h, " selected");
		HTML_RAW(&p.h, ">");
		html_text(&p.h, json_get_str(v, "name"));
		HTML_RAW(&p.h, "</option>");
	}
	rp_select_close(&p);
	rp_select_open(&p, "service_type", "Service type", 0);
	rp_options(&p, rform, "service_type", http_form(req, "service_type"));
	rp_select_close(&p);
	rp_input(&p, "reason", "Reason for the referral", "textarea",
	    http_form(req, "reason"), 1);
	rp_select_open(&p, "urgency", "Urgency", 0);
	rp_options(&p, rform, "urgency", http_form(req, "urgency"));
	rp_select_close(&p);
	rp_input(&p, "due_date", "Service needed by", "date", http_form(req, "due_date"),
	    0);
	if (json_array_size(json_object_get(opts, "actions")) > 0) {
		sel = http_form(req, "action_id");
		rp_select_open(&p, "action_id", "Case plan action", 0);
		HTML_RAW(&p.h, "<option value=\"\"></option>");
		json_array_foreach(json_object_get(opts, "actions"), i, v) {
			char n[24];

			snprintf(n, sizeof(n), "%" JSON_INTEGER_FORMAT,
			    json_integer_value(json_object_get(v, "n")));
			HTML_RAW(&p.h, "<option value=\"");
			html_attr(&p.h, n);
			HTML_RAW(&p.h, "\"");
			if (sel != NULL && strcmp(sel, n) == 0)
				HTML_RAW(&p.h, " selected");
			HTML_RAW(&p.h, ">");
			html_text(&p.h, n);
			HTML_RAW(&p.h, ". ");
			html_text(&p.h, json_get_str(v, "text"));
			HTML_RAW(&p.h, "</option>");
		}
		rp_select_close(&p);
	}
	HTML_RAW(&p.h, "<fieldset class=\"field\" id=\"share-fields\"><legend>");
	page_say(&p, "Information to share with the receiving agency");
	HTML_RAW(&p.h, "</legend><p class=\"help\">");
	page_say(&p, "Only what you tick is sent; share no more than the service needs.");
	HTML_RAW(&p.h, "</p><div class=\"checks long\">");
	json_array_foreach(json_object_get(opts, "fields"), i, v) {
		const json_t *f = rp_field(cf.form, json_string_value(v));

		HTML_RAW(&p.h, "<label class=\"check\"><input type=\"checkbox\" "
		    "name=\"field\" value=\"");
		html_attr(&p.h, json_string_value(v));
		HTML_RAW(&p.h, "\"> ");
		html_text(&p.h, f != NULL ? case_form_label(&p, f) : json_string_value(v));
		HTML_RAW(&p.h, "</label>");
	}
	HTML_RAW(&p.h, "</div></fieldset>\n");
	if (!json_is_true(json_object_get(consent, "ok")) &&
	    page_may(&p, "case.consent_override"))
		rp_input(&p, "override_reason", "Reason for the override", "textarea",
		    NULL, 0);
	HTML_RAW(&p.h, "<div class=\"actions\"><button type=\"submit\" "
	    "id=\"send-referral\">");
	page_say(&p, "Send the referral");
	HTML_RAW(&p.h, "</button><a href=\"/cases/");
	html_url_param(&p.h, sid);
	HTML_RAW(&p.h, "\">");
	page_say(&p, "Cancel");
	HTML_RAW(&p.h, "</a></div></form>\n");
	page_finish(&p, status);
out:
	case_form_free(&cf);
	json_decref(c);
	json_decref(opts);
	json_decref(svcs);
	json_decref(agencies);
	json_decref(rform);
}

static void
page_case_refer(struct http_request *req, struct http_response *resp)
{
	rp_refer_page(req, resp, NULL, 200);
}

static void
page_case_refer_post(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *body = json_object(), *out = NULL;
	const char *action = http_form(req, "action_id");
	char where[96];
	int rc;

	if (body == NULL) {
		page_error(req, resp, 500);
		return;
	}
	rp_form_str(body, req, "service_id", "service_id");
	rp_form_str(body, req, "to_agency", "to_agency");
	rp_form_str(body, req, "service_type", "service_type");
	rp_form_str(body, req, "reason", "reason");
	rp_form_str(body, req, "urgency", "urgency");
	rp_form_str(body, req, "due_date", "due_date");
	rp_form_str(body, req, "override_reason", "override_reason");
	json_object_set_new(body, "fields", rp_form_all(req, "field"));
	if (action != NULL && *action != '\0') {
		char *end;
		long long n = strtoll(action, &end, 10);

		json_object_set_new(body, "action_id", *end == '\0' ? json_integer(n) :
		    json_string(action));
	}
	rc = app_referral_create(req->app, &req->actor, req->params[0], body, &out, &err);
	if (rc == RC_OK) {
		snprintf(where, sizeof(where), "/referrals/%s", json_get_str(out,
		    "short_id") ? json_get_str(out, "short_id") : "");
		rp_notice_set(resp);
		http_redirect(resp, where);
	} else if (rc == RC_EINVALID || rc == RC_EDENIED)
		rp_refer_page(req, resp, err.message, 422);
	else
		page_app_error(req, resp, rc, &err);
	json_decref(body);
	json_decref(out);
}

/* ---- the case page's blocks -------------------------------------------------------------- */

void
pages_case_referrals(struct page *p, const json_t *c)
{
	struct app_referral_query q = { 0 };
	struct app_error err = { 0 };
	json_t *out = NULL, *rform;
	const char *st = json_get_str(c, "status");

	if (!page_may(p, "referral.list"))
		return;
	q.case_id = json_get_str(c, "id");
	q.per = 100;
	HTML_RAW(&p->h, "<section id=\"referrals\" aria-labelledby=\"referrals-title\"><h2 "
	    "id=\"referrals-title\">");
	page_say(p, "Referrals");
	HTML_RAW(&p->h, "</h2>\n");
	if (page_may(p, "referral.create") && st != NULL && strcmp(st, "open") == 0) {
		HTML_RAW(&p->h, "<p><a class=\"button\" id=\"refer-case\" href=\"/cases/");
		html_url_param(&p->h, json_get_str(c, "short_id"));
		HTML_RAW(&p->h, "/refer\">");
		page_say(p, "Refer the case");
		HTML_RAW(&p->h, "</a></p>\n");
	}
	if (app_referral_list(p->req->app, &p->req->actor, &q, &out, &err) != RC_OK) {
		HTML_RAW(&p->h, "<p class=\"muted\">");
		page_say(p, "The referrals cannot be shown now.");
		HTML_RAW(&p->h, "</p></section>\n");
		return;
	}
	if (json_array_size(json_object_get(out, "data")) > 0) {
		json_t *full = json_array(), *r;
		size_t i;

		/* the list rows hold no feedback: read each referral (few per case) */
		json_array_foreach(json_object_get(out, "data"), i, r) {
			json_t *one = NULL;

			if (full != NULL && app_referral_get(p->req->app, &p->req->actor,
			    json_get_str(r, "id"), &one, &err) == RC_OK)
				json_array_append_new(full, one);
		}
		rform = rp_referral_form(p);
		rp_referral_rows(p, rform, full, 1);
		json_decref(rform);
		json_decref(full);
	} else {
		HTML_RAW(&p->h, "<p class=\"muted\">");
		page_say(p, "No referrals.");
		HTML_RAW(&p->h, "</p>");
	}
	HTML_RAW(&p->h, "</section>\n");
	json_decref(out);
}

void
pages_case_transfer(struct page *p, const json_t *c)
{
	struct app_error err = { 0 };
	const json_t *log = json_object_get(c, "transfers"), *e, *pending = NULL;
	const char *sid = json_get_str(c, "short_id"), *st = json_get_str(c, "status");
	json_t *agencies = NULL;
	char action[96];
	size_t i;

	if (!page_may(p, "transfer.request") && json_array_size(log) == 0)
		return;
	json_array_foreach(log, i, e) {
		const char *k = json_get_str(e, "transfer_kind");
		const char *s = json_get_str(e, "transfer_status");

		if (k != NULL && s != NULL && strcmp(k, "internal") == 0 &&
		    strcmp(s, "pending") == 0)
			pending = e;
	}
	HTML_RAW(&p->h, "<section id=\"transfer\" aria-labelledby=\"transfer-title\"><h2 "
	    "id=\"transfer-title\">");
	page_say(p, "Transfer");
	HTML_RAW(&p->h, "</h2>\n");
	if (json_array_size(log) > 0) {
		HTML_RAW(&p->h, "<ul class=\"case-items\" id=\"transfer-status\">");
		json_array_foreach(log, i, e) {
			const char *k = json_get_str(e, "transfer_kind");

			HTML_RAW(&p->h, "<li>");
			if (k != NULL && strcmp(k, "outgoing") == 0) {
				page_say(p, "To partner instance");
				HTML_RAW(&p->h, " ");
				html_text(&p->h, json_get_str(e, "transfer_partner"));
			} else if (k != NULL && strcmp(k, "incoming") == 0) {
				page_say(p, "From partner instance");
				HTML_RAW(&p->h, " ");
				html_text(&p->h, json_get_str(e, "transfer_partner"));
			} else {
				page_say(p, "To");
				HTML_RAW(&p->h, " ");
				html_text(&p->h, json_get_str(e, "transfer_to_user") ?
				    json_get_str(e, "transfer_to_user") :
				    json_get_str(e, "transfer_to_agency"));
			}
			HTML_RAW(&p->h, ": ");
			rp_say_status(p, json_get_str(e, "transfer_status"));
			if (json_get_str(e, "transfer_decision_reason") != NULL) {
				HTML_RAW(&p->h, " <span class=\"pre muted\">");
				html_text(&p->h, json_get_str(e, "transfer_decision_reason"));
				HTML_RAW(&p->h, "</span>");
			}
			HTML_RAW(&p->h, "</li>");
		}
		HTML_RAW(&p->h, "</ul>\n");
	}
	snprintf(action, sizeof(action), "/cases/%s/transfer", sid ? sid : "");
	if (pending != NULL) {
		HTML_RAW(&p->h, "<p class=\"notice\" role=\"status\">");
		page_say(p, "A transfer is waiting for an answer.");
		HTML_RAW(&p->h, "</p>");
		if (page_may(p, "case.update")) {
			snprintf(action, sizeof(action), "/cases/%s/transfer/decision",
			    sid ? sid : "");
			rp_action_form(p, action, "decision", "revoked",
			    "Withdraw the transfer", NULL, NULL, 0);
		}
	} else if (page_may(p, "transfer.request") && st != NULL &&
	    strcmp(st, "open") == 0) {
		app_agency_list(p->req->app, &p->req->actor, &agencies, &err);
		HTML_RAW(&p->h, "<form method=\"post\" class=\"card\" id=\"transfer-form\" "
		    "action=\"");
		html_attr(&p->h, action);
		HTML_RAW(&p->h, "\">");
		page_csrf(p);
		rp_input(p, "to_user", "To user (username)", "text", NULL, 0);
		rp_select_open(p, "to_agency", "Or to an agency", 0);
		HTML_RAW(&p->h, "<option value=\"\"></option>");
		json_array_foreach(json_object_get(agencies, "data"), i, e) {
			HTML_RAW(&p->h, "<option value=\"");
			html_attr(&p->h, json_get_str(e, "code"));
			HTML_RAW(&p->h, "\">");
			html_text(&p->h, json_get_str(e, "name"));
			HTML_RAW(&p->h, "</option>");
		}
		rp_select_close(p);
		rp_input(p, "reason", "Reason for the transfer", "textarea", NULL, 1);
		if (page_may(p, "case.consent_override"))
			rp_input(p, "override_reason", "Reason for the override (only when "
			    "the case records no consent)", "textarea", NULL, 0);
		HTML_RAW(&p->h, "<div class=\"actions\"><button type=\"submit\" "
		    "id=\"transfer-case\">");
		page_say(p, "Transfer the case");
		HTML_RAW(&p->h, "</button></div></form>\n");
		json_decref(agencies);
	}
	HTML_RAW(&p->h, "</section>\n");
}

/* ---- transfers inside the instance ---------------------------------------------------- */

/* After a transfer form: back to `where`, or the page with the problem. */
static void
rp_transfer_done(struct http_request *req, struct http_response *resp, int rc,
    const struct app_error *err, const char *where)
{
	if (rc == RC_OK) {
		rp_notice_set(resp);
		http_redirect(resp, where);
		return;
	}
	if (rc == RC_EINVALID || rc == RC_EDENIED || rc == RC_ECONFLICT) {
		struct page p;

		page_start(&p, req, resp, "Transfer", "cases");
		rp_alert(&p, err->message);
		HTML_RAW(&p.h, "<p><a href=\"");
		html_attr(&p.h, where);
		HTML_RAW(&p.h, "\">");
		page_say(&p, "Back");
		HTML_RAW(&p.h, "</a></p>");
		page_finish(&p, 422);
		return;
	}
	page_app_error(req, resp, rc, err);
}

static void
page_case_transfer(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *body = json_object(), *out = NULL;
	char where[96];
	int rc;

	if (body == NULL) {
		page_error(req, resp, 500);
		return;
	}
	rp_form_str(body, req, "to_user", "to_user");
	rp_form_str(body, req, "to_agency", "to_agency");
	rp_form_str(body, req, "reason", "reason");
	rp_form_str(body, req, "override_reason", "override_reason");
	rc = app_transfer_request(req->app, &req->actor, req->params[0], body, &out, &err);
	snprintf(where, sizeof(where), "/cases/%s", req->params[0]);
	rp_transfer_done(req, resp, rc, &err, page_local_path(where) ? where : "/cases");
	json_decref(body);
	json_decref(out);
}

static void
page_case_transfer_decision(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *body = json_object(), *out = NULL;
	const char *d = http_form(req, "decision");
	char where[96];
	int rc;

	if (body == NULL) {
		page_error(req, resp, 500);
		return;
	}
	rp_form_str(body, req, "decision", "decision");
	rp_form_str(body, req, "reason", "reason");
	rp_form_str(body, req, "assign_to", "assign_to");
	rc = app_transfer_decide(req->app, &req->actor, req->params[0], body, &out, &err);
	/* an accepted case is the receiver's to open; the others go back to the list */
	if (d != NULL && (strcmp(d, "accepted") == 0 || strcmp(d, "revoked") == 0))
		snprintf(where, sizeof(where), "/cases/%s", req->params[0]);
	else
		snprintf(where, sizeof(where), "/transfers");
	rp_transfer_done(req, resp, rc, &err, page_local_path(where) ? where :
	    "/transfers");
	json_decref(body);
	json_decref(out);
}

static void
page_transfers(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *in = NULL, *pkgs = NULL, *t;
	struct page p;
	char action[96];
	size_t i;
	int rc;

	page_init(&p, req, resp);
	if ((rc = app_transfer_inbox(req->app, &req->actor, &in, &err)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		return;
	}
	if (page_may(&p, "transfer.import") &&
	    (rc = app_package_list(req->app, &req->actor, NULL, &pkgs, &err)) != RC_OK) {
		json_decref(in);
		page_app_error(req, resp, rc, &err);
		return;
	}
	page_head(&p, "Transfers", "transfers");
	rp_notice_show(&p);
	page_h1(&p, page_tr(&p, "Transfers"));
	HTML_RAW(&p.h, "<section aria-labelledby=\"in-title\"><h2 id=\"in-title\">");
	page_say(&p, "Cases transferred to you");
	HTML_RAW(&p.h, "</h2>");
	if (json_array_size(json_object_get(in, "data")) == 0) {
		HTML_RAW(&p.h, "<p class=\"muted\" id=\"no-transfers\">");
		page_say(&p, "Nothing is waiting for your answer.");
		HTML_RAW(&p.h, "</p>");
	}
	json_array_foreach(json_object_get(in, "data"), i, t) {
		HTML_RAW(&p.h, "<article class=\"card transfer\"><h3><span class=\"sid\">");
		html_text(&p.h, json_get_str(t, "short_id"));
		HTML_RAW(&p.h, "</span></h3><dl class=\"facts\">");
		rp_fact_text(&p, "From", json_get_str(t, "from_agency"));
		rp_fact_text(&p, "Requested by", json_get_str(t, "requested_by"));
		rp_fact_text(&p, "To", json_get_str(t, "to_user"));
		rp_fact(&p, "Risk level");
		page_risk(&p, json_get_str(t, "risk_level"));
		HTML_RAW(&p.h, "</dd></div>");
		rp_fact_text(&p, "Age", json_get_str(t, "age_band"));
		rp_fact_text(&p, "Reason for the transfer", json_get_str(t, "reason"));
		HTML_RAW(&p.h, "</dl>");
		snprintf(action, sizeof(action), "/cases/%s/transfer/decision",
		    json_get_str(t, "short_id") ? json_get_str(t, "short_id") : "");
		rp_action_form(&p, action, "decision", "accepted", "Accept the case", NULL,
		    NULL, 0);
		rp_action_form(&p, action, "decision", "declined", "Decline the case",
		    "reason", "Why it is declined", 1);
		HTML_RAW(&p.h, "</article>\n");
	}
	HTML_RAW(&p.h, "</section>\n");
	if (pkgs != NULL) {
		HTML_RAW(&p.h, "<section aria-labelledby=\"pkg-title\"><h2 id=\"pkg-title\">");
		page_say(&p, "Cases from partner instances");
		HTML_RAW(&p.h, "</h2>");
		if (json_array_size(json_object_get(pkgs, "data")) == 0) {
			HTML_RAW(&p.h, "<p class=\"muted\">");
			page_say(&p, "No package was received.");
			HTML_RAW(&p.h, "</p>");
		} else {
			HTML_RAW(&p.h, "<div class=\"table-wrap\"><table class=\"cards\" "
			    "id=\"packages\"><thead><tr>");
			rp_th(&p, "Package");
			rp_th(&p, "Partner");
			rp_th(&p, "Status");
			rp_th(&p, "Received");
			HTML_RAW(&p.h, "</tr></thead><tbody>");
			json_array_foreach(json_object_get(pkgs, "data"), i, t) {
				HTML_RAW(&p.h, "<tr><th scope=\"row\"><a class=\"sid\" "
				    "href=\"/transfers/packages/");
				html_url_param(&p.h, json_get_str(t, "package_id"));
				HTML_RAW(&p.h, "\">");
				html_textf(&p.h, "%.8s", json_get_str(t, "package_id") ?
				    json_get_str(t, "package_id") : "");
				HTML_RAW(&p.h, "</a></th>");
				rp_td(&p, "Partner");
				html_text(&p.h, json_get_str(t, "partner"));
				HTML_RAW(&p.h, " <span class=\"muted\">");
				html_text(&p.h, json_get_str(t, "fingerprint"));
				HTML_RAW(&p.h, "</span></td>");
				rp_td(&p, "Status");
				rp_say_status(&p, json_get_str(t, "status"));
				HTML_RAW(&p.h, "</td>");
				rp_td(&p, "Received");
				page_datetime(&p, json_get_str(t, "received_at"));
				HTML_RAW(&p.h, "</td></tr>");
			}
			HTML_RAW(&p.h, "</tbody></table></div>\n");
		}
		HTML_RAW(&p.h, "<form method=\"post\" class=\"card\" id=\"package-upload\" "
		    "enctype=\"multipart/form-data\" action=\"/transfers/packages\">");
		page_csrf(&p);
		HTML_RAW(&p.h, "<div class=\"field\"><label for=\"package\">");
		page_say(&p, "Import a package file");
		HTML_RAW(&p.h, "</label><input type=\"file\" id=\"package\" name=\"package\" "
		    "required></div><div class=\"actions\"><button type=\"submit\">");
		page_say(&p, "Import");
		HTML_RAW(&p.h, "</button></div></form>\n</section>\n");
	}
	page_finish(&p, 200);
	json_decref(in);
	json_decref(pkgs);
}

/* ---- packages from partner instances ------------------------------------------------- */

static void
rp_package_page(struct http_request *req, struct http_response *resp, const char *id,
    const char *alert, unsigned status)
{
	struct app_error err = { 0 };
	struct case_form cf = { 0 };
	json_t *k = NULL;
	const json_t *prov, *v;
	const char *st, *key;
	char action[96];
	struct page p;
	size_t i;
	int rc;

	page_init(&p, req, resp);
	if ((rc = app_package_get(req->app, &req->actor, id, &k, &err)) != RC_OK ||
	    (rc = case_form_load(&p, &cf)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	st = json_get_str(k, "status");
	prov = json_object_get(k, "provenance");
	page_head(&p, "Package", "transfers");
	rp_notice_show(&p);
	rp_alert(&p, alert);
	page_h1(&p, page_tr(&p, "Case from a partner instance"));
	HTML_RAW(&p.h, "<dl class=\"facts meta\" id=\"package-facts\">");
	rp_fact(&p, "Status");
	rp_say_status(&p, st);
	HTML_RAW(&p.h, "</dd></div>");
	rp_fact_text(&p, "Partner", json_get_str(k, "partner"));
	rp_fact_text(&p, "Fingerprint", json_get_str(k, "fingerprint"));
	rp_fact_text(&p, "From agency", json_get_str(prov, "agency"));
	rp_fact_text(&p, "Sender's role", json_get_str(prov, "caseworker_role"));
	rp_fact_text(&p, "Reason for the transfer", json_get_str(prov, "reason"));
	rp_fact(&p, "Basis for sharing");
	html_text(&p.h, json_get_str(json_object_get(prov, "consent"), "basis") &&
	    strcmp(json_get_str(json_object_get(prov, "consent"), "basis"),
	    "override") == 0 ? page_tr(&p, "Supervisor's override") :
	    page_tr(&p, "Recorded consent"));
	HTML_RAW(&p.h, "</dd></div>");
	rp_fact(&p, "Received");
	page_datetime(&p, json_get_str(k, "received_at"));
	HTML_RAW(&p.h, "</dd></div>");
	rp_fact(&p, "Valid until");
	page_datetime(&p, json_get_str(k, "expires_at"));
	HTML_RAW(&p.h, "</dd></div>");
	rp_fact_text(&p, "Reason given", json_get_str(k, "decision_reason"));
	HTML_RAW(&p.h, "</dl>\n");
	if (json_object_size(json_object_get(k, "case")) > 0) {
		HTML_RAW(&p.h, "<section aria-labelledby=\"pcase-title\"><h2 "
		    "id=\"pcase-title\">");
		page_say(&p, "The case as it would be registered");
		HTML_RAW(&p.h, "</h2><dl class=\"facts\" id=\"package-case\">");
		json_object_foreach(json_object_get(k, "case"), key, v) {
			const json_t *f = rp_field(cf.form, key);

			if (f == NULL)
				continue;
			HTML_RAW(&p.h, "<div><dt>");
			html_text(&p.h, case_form_label(&p, f));
			HTML_RAW(&p.h, "</dt><dd>");
			case_form_show_value(&p, &cf, f, v);
			HTML_RAW(&p.h, "</dd></div>");
		}
		HTML_RAW(&p.h, "</dl>");
		if (json_array_size(json_object_get(k, "unknown_fields")) > 0) {
			HTML_RAW(&p.h, "<p class=\"muted\">");
			page_say(&p, "Fields this instance's form does not have, left out:");
			HTML_RAW(&p.h, " ");
			json_array_foreach(json_object_get(k, "unknown_fields"), i, v) {
				if (i > 0)
					html_text(&p.h, page_tr(&p, ", "));
				html_text(&p.h, json_string_value(v));
			}
			HTML_RAW(&p.h, "</p>");
		}
		HTML_RAW(&p.h, "</section>\n");
	}
	snprintf(action, sizeof(action), "/transfers/packages/%s", id);
	if (st != NULL && strcmp(st, "pending") == 0) {
		rp_action_form(&p, action, "decision", "accepted",
		    "Accept: register the case", NULL, NULL, 0);
		rp_action_form(&p, action, "decision", "declined", "Decline the case",
		    "reason", "Why it is declined", 1);
	} else {
		if (json_get_str(k, "case_id") != NULL) {
			HTML_RAW(&p.h, "<p><a id=\"package-case-link\" href=\"/cases/");
			html_url_param(&p.h, json_get_str(k, "case_id"));
			HTML_RAW(&p.h, "\">");
			page_say(&p, "Open the case");
			HTML_RAW(&p.h, "</a></p>");
		}
		HTML_RAW(&p.h, "<p><a class=\"button\" id=\"download-ack\" "
		    "href=\"/transfers/packages/");
		html_url_param(&p.h, id);
		HTML_RAW(&p.h, "/ack\">");
		page_say(&p, "Download the acknowledgement for the sender");
		HTML_RAW(&p.h, "</a></p>\n");
	}
	page_finish(&p, status);
out:
	case_form_free(&cf);
	json_decref(k);
}

static void
page_package_view(struct http_request *req, struct http_response *resp)
{
	rp_package_page(req, resp, req->params[0], NULL, 200);
}

static void
page_package_decision(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *body = json_object(), *out = NULL;
	char where[96];
	int rc;

	if (body == NULL) {
		page_error(req, resp, 500);
		return;
	}
	rp_form_str(body, req, "decision", "decision");
	rp_form_str(body, req, "reason", "reason");
	rp_form_str(body, req, "assign_to", "assign_to");
	rc = app_package_decide(req->app, &req->actor, req->params[0], body, &out, &err);
	if (rc == RC_OK) {
		snprintf(where, sizeof(where), "/transfers/packages/%s", req->params[0]);
		rp_notice_set(resp);
		http_redirect(resp, page_local_path(where) ? where : "/transfers");
	} else if (rc == RC_EINVALID || rc == RC_ECONFLICT)
		rp_package_page(req, resp, req->params[0], err.message, 422);
	else
		page_app_error(req, resp, rc, &err);
	json_decref(body);
	json_decref(out);
}

static void
page_package_upload(struct http_request *req, struct http_response *resp)
{
	const struct http_field *f = http_form_file(req, "package");
	struct app_error err = { 0 };
	json_t *out = NULL;
	char where[96];
	struct page p;
	int rc;

	if (f == NULL) {
		page_start(&p, req, resp, "Transfers", "transfers");
		rp_alert(&p, page_tr(&p, "Choose a package file."));
		page_finish(&p, 422);
		return;
	}
	rc = app_package_import(req->app, &req->actor, f->value, f->len, &out, &err);
	if (rc == RC_OK) {
		if (strcmp(json_get_str(out, "kind") ? json_get_str(out, "kind") : "",
		    "ack") == 0)
			snprintf(where, sizeof(where), "/transfers");
		else
			snprintf(where, sizeof(where), "/transfers/packages/%s",
			    json_get_str(out, "package_id") ? json_get_str(out,
			    "package_id") : "");
		rp_notice_set(resp);
		http_redirect(resp, page_local_path(where) ? where : "/transfers");
	} else if (rc == RC_EDENIED && err.fields.n == 0)
		page_app_error(req, resp, rc, &err);
	else {
		/* a refused package: its reason, and nothing stored */
		page_start(&p, req, resp, "Transfers", "transfers");
		HTML_RAW(&p.h, "<h1 id=\"page-title\">");
		page_say(&p, "The package was refused");
		HTML_RAW(&p.h, "</h1>");
		page_alert(&p, "package-refused", err.message);
		HTML_RAW(&p.h, "<p><a href=\"/transfers\">");
		page_say(&p, "Back");
		HTML_RAW(&p.h, "</a></p>");
		page_finish(&p, 422);
	}
	json_decref(out);
}

static void
page_package_ack(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	struct buf text = BUF_INIT;
	char ack_id[40];
	int rc;

	rc = app_package_ack(req->app, &req->actor, req->params[0], &text, ack_id, &err);
	if (rc != RC_OK) {
		buf_free(&text);
		page_app_error(req, resp, rc, &err);
		return;
	}
	http_header_add(resp, "Content-Disposition", "attachment; filename=\"ack-%s.txt\"",
	    ack_id);
	http_body(resp, 200, "text/plain; charset=utf-8", text.p, text.len);
	buf_free(&text);
}

/* ---- the routes ------------------------------------------------------------------------- */

static const struct http_route pages_referral_table[] = {
	{ HTTP_GET,  "/services",			HTTP_PAGE, page_services, NULL },
	{ HTTP_GET,  "/services/new",			HTTP_PAGE, page_service_new, NULL },
	{ HTTP_POST, "/services/new",			HTTP_PAGE, page_service_save, NULL },
	{ HTTP_GET,  "/services/{id}",			HTTP_PAGE, page_service_view, NULL },
	{ HTTP_POST, "/services/{id}",			HTTP_PAGE, page_service_save, NULL },
	{ HTTP_GET,  "/referrals",			HTTP_PAGE, page_referrals, NULL },
	{ HTTP_GET,  "/referrals/{id}",			HTTP_PAGE, page_referral_view, NULL },
	{ HTTP_POST, "/referrals/{id}/status",		HTTP_PAGE, page_referral_status, NULL },
	{ HTTP_GET,  "/cases/{id}/refer",		HTTP_PAGE, page_case_refer, NULL },
	{ HTTP_POST, "/cases/{id}/refer",		HTTP_PAGE, page_case_refer_post, NULL },
	{ HTTP_POST, "/cases/{id}/transfer",		HTTP_PAGE, page_case_transfer, NULL },
	{ HTTP_POST, "/cases/{id}/transfer/decision",	HTTP_PAGE, page_case_transfer_decision,
	    NULL },
	{ HTTP_GET,  "/transfers",			HTTP_PAGE, page_transfers, NULL },
	{ HTTP_POST, "/transfers/packages",		HTTP_PAGE, page_package_upload, NULL },
	{ HTTP_GET,  "/transfers/packages/{id}",	HTTP_PAGE, page_package_view, NULL },
	{ HTTP_POST, "/transfers/packages/{id}",	HTTP_PAGE, page_package_decision, NULL },
	{ HTTP_GET,  "/transfers/packages/{id}/ack",	HTTP_PAGE, page_package_ack, NULL },
};

static const struct http_routes pages_referral_routes = {
	pages_referral_table, sizeof(pages_referral_table) /
	    sizeof(pages_referral_table[0])
};

const struct http_routes *
pages_referrals_routes(void)
{
	return &pages_referral_routes;
}
