/*
 * pages_tracing.c — family tracing pages: the list of tracing requests, registering
 * and editing one, a request with its traces and each trace's ranked matches (the
 * agreement of each field in words, confirm and "not a match" buttons); and on a
 * case's page its duplicate links and possible matches, and the duplicates shown
 * before a registration is saved.
 *
 * The forms are the generic ones of pages_form.c, loaded with the tracing request
 * form; system fields (match decisions) are never inputs.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/id.h"
#include "base/json.h"
#include "web/html.h"
#include "web/http.h"
#include "web/i18n.h"
#include "web/pages.h"

#define TRACING_TYPE		"tracing_request"
#define TRACES_FIELD		"tracing_request_subform_section"
#define TRACING_MATCHES_SHOWN	5	/* matches shown under each trace */
#define TRACING_NOTICE_COOKIE	"rc_tnotice"

/* ---- shared ---------------------------------------------------------------- */

/* The tracing request form, without the fields only the system writes. */
static int
tracing_form_load(struct page *p, struct case_form *cf)
{
	struct app_error err = { 0 };
	json_t *locs = NULL, *fields, *f;
	size_t i;
	int rc;

	memset(cf, 0, sizeof(*cf));
	if ((rc = app_form_get(p->req->app, &p->req->actor, TRACING_TYPE, &cf->form,
	    &err)) != RC_OK)
		return rc;
	fields = json_object_get(cf->form, "fields");
	for (i = json_array_size(fields); i > 0; i--) {
		f = json_array_get(fields, i - 1);
		if (json_is_true(json_object_get(f, "system")))
			json_array_remove(fields, i - 1);
	}
	if ((rc = app_location_list(p->req->app, &p->req->actor, &locs, &err)) != RC_OK)
		return rc;
	cf->locations = json_incref(json_object_get(locs, "data"));
	json_decref(locs);
	if (cf->locations == NULL)
		cf->locations = json_array();
	return cf->locations != NULL ? RC_OK : RC_ENOMEM;
}

/* A field definition by id among `fields`. */
static const json_t *
tracing_field(const json_t *fields, const char *id)
{
	const json_t *f;
	size_t i;

	json_array_foreach(fields, i, f)
		if (strcmp(json_get_str(f, "id") ? json_get_str(f, "id") : "", id) == 0)
			return f;
	return NULL;
}

static void
tracing_td(struct page *p, const char *msgid)
{
	HTML_RAW(&p->h, "<td data-label=\"");
	html_attr(&p->h, page_tr(p, msgid));
	HTML_RAW(&p->h, "\">");
}

static void
tracing_fact(struct page *p, const char *msgid)
{
	HTML_RAW(&p->h, "<div><dt>");
	page_say(p, msgid);
	HTML_RAW(&p->h, "</dt><dd>");
}

/* Redirect to the request after saving, with a one-time notice. */
static void
tracing_saved(struct http_response *resp, const char *short_id, const char *notice)
{
	char location[96];

	snprintf(location, sizeof(location), "/tracing/%s", short_id != NULL &&
	    id_is_short(short_id) ? short_id : "");
	http_redirect(resp, location);
	http_header_add(resp, "Set-Cookie", TRACING_NOTICE_COOKIE "=%s; HttpOnly; "
	    "SameSite=Strict; Path=/; Max-Age=60", notice);
}

/* The one-time notice after a redirect: "saved", "decided", or NULL. */
static const char *
tracing_notice_take(struct page *p)
{
	const char *c = http_cookie(p->req, TRACING_NOTICE_COOKIE);

	if (c == NULL || (strcmp(c, "saved") != 0 && strcmp(c, "decided") != 0 &&
	    strcmp(c, "linked") != 0))
		return NULL;
	http_header_add(p->resp, "Set-Cookie", TRACING_NOTICE_COOKIE "=; HttpOnly; "
	    "SameSite=Strict; Path=/; Max-Age=0");
	return strcmp(c, "saved") == 0 ? "The tracing request has been saved." :
	    strcmp(c, "decided") == 0 ? "The decision has been saved." :
	    "The duplicate link has been saved.";
}

/* ---- matches in words ------------------------------------------------------ */

/* What an agreement level of a field means, as a sentence. */
static const struct match_words {
	const char	*field;
	const char	*level;
	const char	*msgid;
} match_words[] = {
	{ "name", "exact", "The names are the same" },
	{ "name", "phonetic", "The names sound the same" },
	{ "name", "similar", "The names are spelled alike" },
	{ "name", "partial", "Part of the names agree" },
	{ "name", "disagree", "The names differ" },
	{ "sex", "agree", "Same sex" },
	{ "sex", "disagree", "Different sex" },
	{ "age", "within_1", "Ages agree within a year" },
	{ "age", "within_3", "Ages agree within three years" },
	{ "age", "disagree", "Ages are too far apart" },
	{ "date_of_birth", "exact", "Same date of birth" },
	{ "date_of_birth", "year", "Same year of birth" },
	{ "date_of_birth", "disagree", "Different dates of birth" },
	{ "location", "same", "Same place" },
	{ "location", "area", "Places in the same area" },
	{ "location", "country", "Places in the same country" },
	{ "location", "disagree", "Places in different countries" },
	{ "date_of_separation", "close", "The dates of separation fit closely" },
	{ "date_of_separation", "plausible", "The dates of separation are plausible" },
	{ "date_of_separation", "implausible", "The dates of separation do not fit" },
	{ "family", "exact", "Family names are the same" },
	{ "family", "phonetic", "Family names sound the same" },
	{ "family", "similar", "Family names are spelled alike" },
	{ "family", "partial", "Some family names agree" },
	{ "family", "disagree", "No family name agrees" },
};

/* The fields in the order they are explained. */
static const char *const match_fields[] = {
	"name", "family", "sex", "age", "date_of_birth", "location", "date_of_separation"
};

/* The explanation: one line per field compared, with its weight. */
static void
tracing_explain(struct page *p, const json_t *fields)
{
	const json_t *f;
	const char *level;
	size_t i, k;
	double w;

	HTML_RAW(&p->h, "<ul class=\"checks\">");
	for (i = 0; i < sizeof(match_fields) / sizeof(match_fields[0]); i++) {
		f = json_object_get(fields, match_fields[i]);
		level = json_get_str(f, "agreement");
		if (level == NULL || strcmp(level, "missing") == 0)
			continue;
		for (k = 0; k < sizeof(match_words) / sizeof(match_words[0]); k++)
			if (strcmp(match_words[k].field, match_fields[i]) == 0 &&
			    strcmp(match_words[k].level, level) == 0)
				break;
		if (k == sizeof(match_words) / sizeof(match_words[0]))
			continue;
		w = json_number_value(json_object_get(f, "weight"));
		HTML_RAW(&p->h, "<li>");
		page_say(p, match_words[k].msgid);
		/* isolated: "(+6.6)" keeps its sign on the left in Arabic too */
		HTML_RAW(&p->h, " <span class=\"muted\"><bdi>(");
		html_textf(&p->h, "%+.1f", w);
		HTML_RAW(&p->h, ")</bdi></span></li>");
	}
	HTML_RAW(&p->h, "</ul>");
}

/* "Likely match, score 97%" with the decision when there is one. */
static void
tracing_score(struct page *p, const json_t *m)
{
	const char *lk = json_get_str(m, "likelihood"), *dec = json_get_str(m, "decision");
	char pct[16];

	snprintf(pct, sizeof(pct), "%d", (int)lround(100.0 *
	    json_number_value(json_object_get(m, "score"))));
	HTML_RAW(&p->h, "<p><span class=\"tag\">");
	page_say(p, lk != NULL && strcmp(lk, "likely") == 0 ? "Likely match" :
	    "Possible match");
	HTML_RAW(&p->h, "</span> ");
	page_say_args(p, "score {1}%", pct, NULL, NULL);
	if (dec != NULL && strcmp(dec, "confirmed") == 0) {
		HTML_RAW(&p->h, " <span class=\"tag\">");
		page_say(p, "Confirmed match");
		HTML_RAW(&p->h, "</span>");
	}
	HTML_RAW(&p->h, "</p>");
}

/* Name, sex and age of a match's summary, as the user may see them. */
static void
tracing_summary(struct page *p, const json_t *s, const json_t *sex_field)
{
	const char *name = json_get_str(s, "name"), *sex = json_get_str(s, "sex");
	const json_t *age = json_object_get(s, "age");
	char text[128];

	if (name != NULL) {
		HTML_RAW(&p->h, "<bdi>");
		html_text(&p->h, name);
		HTML_RAW(&p->h, "</bdi>");
	}
	if (sex != NULL) {
		if (sex_field != NULL)
			page_option_text(p, sex_field, sex, text, sizeof(text));
		else
			str_copy(text, sizeof(text), sex);
		html_text(&p->h, page_tr(p, ", "));
		html_text(&p->h, text);
	}
	if (json_is_integer(age)) {
		snprintf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(age));
		html_text(&p->h, page_tr(p, ", "));
		page_say_args(p, "age {1}", text, NULL, NULL);
	}
}

/* The decision form of one pair: a note and two buttons. */
static void
tracing_decide_form(struct page *p, const char *request_sid, const char *trace_id,
    const char *case_id, size_t n)
{
	char id[48];

	HTML_RAW(&p->h, "<form method=\"post\" class=\"row-form\" action=\"/tracing/");
	html_url_param(&p->h, request_sid);
	HTML_RAW(&p->h, "/decide\">");
	page_csrf(p);
	HTML_RAW(&p->h, "<input type=\"hidden\" name=\"trace_id\" value=\"");
	html_attr(&p->h, trace_id);
	HTML_RAW(&p->h, "\"><input type=\"hidden\" name=\"case_id\" value=\"");
	html_attr(&p->h, case_id);
	HTML_RAW(&p->h, "\">");
	snprintf(id, sizeof(id), "note-%zu", n);
	HTML_RAW(&p->h, "<label for=\"");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\">");
	page_say(p, "Note (optional)");
	HTML_RAW(&p->h, "</label> <input type=\"text\" maxlength=\"1000\" name=\"note\" id=\"");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\"> <button type=\"submit\" name=\"decision\" value=\"confirmed\">");
	page_say(p, "Confirm the match");
	HTML_RAW(&p->h, "</button> <button type=\"submit\" class=\"quiet\" "
	    "name=\"decision\" value=\"not_a_match\">");
	page_say(p, "Not a match");
	HTML_RAW(&p->h, "</button></form>");
}

/* ---- the list -------------------------------------------------------------- */

static void
tracing_list_link(struct page *p, int64_t page, const char *rel, const char *msgid,
    const void *arg)
{
	const char *query = arg;

	HTML_RAW(&p->h, "<a rel=\"");
	html_attr(&p->h, rel);
	HTML_RAW(&p->h, "\" href=\"/tracing?page=");
	html_textf(&p->h, "%" PRId64, page);
	if (query != NULL) {
		HTML_RAW(&p->h, "&amp;query=");
		html_url_param(&p->h, query);
	}
	HTML_RAW(&p->h, "\">");
	page_say(p, msgid);
	HTML_RAW(&p->h, "</a>");
}

static void
page_tracing_list(struct http_request *req, struct http_response *resp)
{
	struct app_case_query q = { 0 };
	struct app_error err = { 0 };
	struct case_form cf = { 0 };
	const json_t *relf;
	json_t *out = NULL, *t;
	const char *s;
	char num[32], text[128];
	int64_t total, pages;
	struct page p;
	size_t i;
	int rc;

	q.text = http_query(req, "query");
	q.page = page_query_int(req, "page", 1, 1000000, 1);
	q.per = PAGE_PER;
	page_init(&p, req, resp);
	if (!page_may(&p, "tracing.list")) {
		page_error(req, resp, 403);
		return;
	}
	if ((rc = tracing_form_load(&p, &cf)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	rc = app_record_list(req->app, &req->actor, TRACING_TYPE, &q, &out, &err);
	if (rc != RC_OK && rc != RC_EINVALID) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	page_head(&p, "Tracing requests", "tracing");
	page_h1(&p, page_tr(&p, "Tracing requests"));
	if (page_may(&p, "tracing.create")) {
		HTML_RAW(&p.h, "<p><a id=\"new-tracing\" class=\"button\" "
		    "href=\"/tracing/new\">");
		page_say(&p, "Register a tracing request");
		HTML_RAW(&p.h, "</a></p>\n");
	}
	HTML_RAW(&p.h, "<form method=\"get\" action=\"/tracing\" class=\"search\" "
	    "role=\"search\"><label for=\"query\">");
	page_say(&p, "Name of the person asking or of a child sought");
	HTML_RAW(&p.h, "</label> <input type=\"search\" id=\"query\" name=\"query\" "
	    "maxlength=\"200\" value=\"");
	html_attr(&p.h, q.text != NULL ? q.text : "");
	HTML_RAW(&p.h, "\"> <button type=\"submit\">");
	page_say(&p, "Search");
	HTML_RAW(&p.h, "</button></form>\n");
	if (rc == RC_EINVALID) {
		page_alert(&p, "search-error", page_tr(&p, "The search could not be run: "
		    "check the name and the filters."));
		page_finish(&p, 200);
		goto out;
	}
	total = json_integer_value(json_object_get(json_object_get(out, "metadata"),
	    "total"));
	snprintf(num, sizeof(num), "%" PRId64, total);
	HTML_RAW(&p.h, "<p id=\"tracing-count\" class=\"count\" role=\"status\">");
	if (total == 1)
		page_say(&p, "1 tracing request");
	else
		page_say_args(&p, "{1} tracing requests", num, NULL, NULL);
	HTML_RAW(&p.h, "</p>\n");
	relf = tracing_field(json_object_get(cf.form, "fields"), "relation");
	if (json_array_size(json_object_get(out, "data")) > 0) {
		HTML_RAW(&p.h, "<div class=\"table-wrap\"><table id=\"tracing-list\" "
		    "class=\"cards\"><thead><tr><th scope=\"col\">");
		page_say(&p, "Person asking");
		HTML_RAW(&p.h, "</th><th scope=\"col\">");
		page_say(&p, "Request ID");
		HTML_RAW(&p.h, "</th><th scope=\"col\">");
		page_say(&p, "Relationship");
		HTML_RAW(&p.h, "</th><th scope=\"col\">");
		page_say(&p, "Date of the request");
		HTML_RAW(&p.h, "</th></tr></thead><tbody>");
		json_array_foreach(json_object_get(out, "data"), i, t) {
			const char *sid = json_get_str(t, "short_id");

			s = json_get_str(t, "relation_name");
			HTML_RAW(&p.h, "<tr><th scope=\"row\"><a class=\"case-link\" "
			    "href=\"/tracing/");
			html_url_param(&p.h, sid);
			HTML_RAW(&p.h, "\"><bdi>");
			html_text(&p.h, s != NULL && *s != '\0' ? s : sid);
			HTML_RAW(&p.h, "</bdi></a></th>");
			tracing_td(&p, "Request ID");
			HTML_RAW(&p.h, "<span class=\"sid\">");
			html_text(&p.h, sid);
			HTML_RAW(&p.h, "</span></td>");
			tracing_td(&p, "Relationship");
			if ((s = json_get_str(t, "relation")) != NULL && relf != NULL) {
				page_option_text(&p, relf, s, text, sizeof(text));
				html_text(&p.h, text);
			}
			HTML_RAW(&p.h, "</td>");
			tracing_td(&p, "Date of the request");
			if ((s = json_get_str(t, "inquiry_date")) != NULL)
				page_date(&p, s);
			else
				page_datetime(&p, json_get_str(t, "created_at"));
			HTML_RAW(&p.h, "</td></tr>");
		}
		HTML_RAW(&p.h, "</tbody></table></div>\n");
	} else {
		HTML_RAW(&p.h, "<p class=\"muted\">");
		page_say(&p, "No tracing request matches.");
		HTML_RAW(&p.h, "</p>\n");
	}
	pages = (total + q.per - 1) / q.per;
	page_pager(&p, q.page, pages, tracing_list_link, q.text);
	page_finish(&p, 200);
out:
	case_form_free(&cf);
	json_decref(out);
}

/* ---- registering and editing ----------------------------------------------- */

/*
 * One blank entry under the filled ones in each subform, not pages_form.c's three: a
 * child sought is a long entry and the page must stay light (save, then edit to add
 * more). max_items of the page's copy of the form only sets the rows drawn; the
 * server's form still validates the record.
 */
static void
tracing_form_rows(struct case_form *cf)
{
	char prefix[96];
	json_t *f;
	size_t i, k, rows;
	json_int_t max;
	int any;

	json_array_foreach(json_object_get(cf->form, "fields"), i, f) {
		if (strcmp(json_get_str(f, "type") ? json_get_str(f, "type") : "",
		    "subform") != 0)
			continue;
		for (rows = 0; rows < 1000; rows++) {
			snprintf(prefix, sizeof(prefix), "%s[%zu][", json_get_str(f, "id"),
			    rows);
			for (any = 0, k = 0; k < cf->values.n && !any; k++)
				any = strncmp(cf->values.v[k].name, prefix,
				    strlen(prefix)) == 0;
			if (!any)
				break;
		}
		max = json_integer_value(json_object_get(f, "max_items"));
		if (max <= 0 || (json_int_t)rows + 1 < max)
			json_object_set_new(f, "max_items", json_integer((json_int_t)rows + 1));
	}
}

/* The form page; `sid` NULL when registering. */
static void
tracing_form_page(struct page *p, struct case_form *cf, const char *sid, int64_t rev,
    int conflict)
{
	page_head(p, sid != NULL ? "Edit a tracing request" :
	    "Register a tracing request", "tracing");
	page_h1(p, page_tr(p, sid != NULL ? "Edit a tracing request" :
	    "Register a tracing request"));
	if (conflict)
		page_alert(p, "conflict", page_tr(p, "Someone else saved this tracing "
		    "request after you opened it. Open it again and redo your change."));
	case_form_summary(p, cf);
	HTML_RAW(&p->h, "<form method=\"post\" class=\"case-form\" novalidate action=\"");
	if (sid != NULL) {
		HTML_RAW(&p->h, "/tracing/");
		html_url_param(&p->h, sid);
		HTML_RAW(&p->h, "/edit\">");
		HTML_RAW(&p->h, "<input type=\"hidden\" name=\"rev\" value=\"");
		html_textf(&p->h, "%" PRId64, rev);
		HTML_RAW(&p->h, "\">");
	} else
		HTML_RAW(&p->h, "/tracing/new\">");
	page_csrf(p);
	HTML_RAW(&p->h, "\n");
	tracing_form_rows(cf);
	case_form_fields(p, cf);
	HTML_RAW(&p->h, "<div class=\"actions\"><button type=\"submit\" id=\"save\">");
	page_say(p, sid != NULL ? "Save the tracing request" :
	    "Register the tracing request");
	HTML_RAW(&p->h, "</button> <a href=\"/tracing");
	if (sid != NULL) {
		HTML_RAW(&p->h, "/");
		html_url_param(&p->h, sid);
	}
	HTML_RAW(&p->h, "\">");
	page_say(p, "Cancel");
	HTML_RAW(&p->h, "</a></div></form>\n");
	page_finish(p, 200);
}

static void
page_tracing_new(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	struct case_form cf = { 0 };
	struct page p;
	int rc;

	page_init(&p, req, resp);
	if (!page_may(&p, "tracing.create")) {
		page_error(req, resp, 403);
		return;
	}
	if ((rc = tracing_form_load(&p, &cf)) != RC_OK)
		page_app_error(req, resp, rc, &err);
	else
		tracing_form_page(&p, &cf, NULL, 0, 0);
	case_form_free(&cf);
}

static void
page_tracing_create(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	struct case_form cf = { 0 };
	json_t *data = NULL, *ref = NULL;
	struct page p;
	int rc;

	page_init(&p, req, resp);
	if ((rc = tracing_form_load(&p, &cf)) != RC_OK ||
	    (rc = case_form_values_from_request(&p, &cf)) != RC_OK ||
	    (rc = case_form_json(&p, &cf, 0, &data)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	rc = app_tracing_create(req->app, &req->actor, data, &ref, &err);
	if (rc == RC_OK)
		tracing_saved(resp, json_get_str(ref, "short_id"), "saved");
	else if (rc == RC_EINVALID) {
		case_form_problems(&p, &cf, &err);
		tracing_form_page(&p, &cf, NULL, 0, 0);
	} else
		page_app_error(req, resp, rc, &err);
out:
	case_form_free(&cf);
	json_decref(data);
	json_decref(ref);
}

static void
page_tracing_edit(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	struct case_form cf = { 0 };
	json_t *t = NULL;
	struct page p;
	int rc;

	page_init(&p, req, resp);
	if ((rc = app_record_get(req->app, &req->actor, TRACING_TYPE, req->params[0], &t,
	    &err)) != RC_OK || (rc = tracing_form_load(&p, &cf)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	if (!page_may(&p, "tracing.update")) {
		page_error(req, resp, 403);
		goto out;
	}
	if ((rc = case_form_values_from_record(&p, &cf, t)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	tracing_form_page(&p, &cf, json_get_str(t, "short_id"),
	    json_integer_value(json_object_get(t, "rev")), 0);
out:
	case_form_free(&cf);
	json_decref(t);
}

static void
page_tracing_update(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	struct case_form cf = { 0 };
	const char *revs = http_form(req, "rev");
	json_t *data = NULL, *ref = NULL, *cur = NULL;
	char sid[SHORT_ID_SIZE];
	struct page p;
	int64_t rev = revs != NULL ? strtoll(revs, NULL, 10) : 0;
	int rc;

	page_init(&p, req, resp);
	if (rev < 1) {
		page_error(req, resp, 400);
		return;
	}
	if ((rc = tracing_form_load(&p, &cf)) != RC_OK ||
	    (rc = case_form_values_from_request(&p, &cf)) != RC_OK ||
	    (rc = case_form_json(&p, &cf, 1, &data)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	rc = app_tracing_update(req->app, &req->actor, req->params[0], rev, data, &ref,
	    &err);
	if (rc == RC_OK) {
		tracing_saved(resp, json_get_str(ref, "short_id"), "saved");
		goto out;
	}
	if (rc != RC_EINVALID && rc != RC_ECONFLICT) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	/* the short id for the page comes from the record, not the URL */
	if (app_record_get(req->app, &req->actor, TRACING_TYPE, req->params[0], &cur,
	    &err) != RC_OK) {
		page_error(req, resp, 404);
		goto out;
	}
	str_copy(sid, sizeof(sid), json_get_str(cur, "short_id"));
	if (rc == RC_EINVALID)
		case_form_problems(&p, &cf, &err);
	tracing_form_page(&p, &cf, sid, rc == RC_ECONFLICT ?
	    json_integer_value(json_object_get(cur, "rev")) : rev, rc == RC_ECONFLICT);
out:
	case_form_free(&cf);
	json_decref(data);
	json_decref(ref);
	json_decref(cur);
}

/* ---- one request ----------------------------------------------------------- */

/* The plain fields of a section as a list of facts; subforms after them. */
static void
tracing_section(struct page *p, struct case_form *cf, const json_t *t,
    const json_t *section)
{
	const json_t *fields = json_object_get(cf->form, "fields"), *f, *v;
	const char *sid = json_get_str(section, "id"), *fs;
	size_t i;
	int any = 0, pass;

	for (pass = 0; pass < 2; pass++)
		json_array_foreach(fields, i, f) {
			fs = json_get_str(f, "section");
			if (sid == NULL || fs == NULL || strcmp(sid, fs) != 0 ||
			    strcmp(json_get_str(f, "id"), TRACES_FIELD) == 0 ||
			    (strcmp(json_get_str(f, "type"), "subform") == 0) != pass ||
			    (v = json_object_get(t, json_get_str(f, "id"))) == NULL ||
			    json_is_null(v))
				continue;
			if (!any) {
				HTML_RAW(&p->h, "<section class=\"case-section\"><h2>");
				html_text(&p->h, page_label(json_object_get(section,
				    "labels"), p->lang));
				HTML_RAW(&p->h, "</h2>");
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
	if (any == 2)
		HTML_RAW(&p->h, "</dl>");
	if (any)
		HTML_RAW(&p->h, "</section>\n");
}

/* The ranked matches of one trace. */
static void
tracing_trace_matches(struct page *p, const char *request_sid, const char *trace_id,
    const json_t *sex_field, size_t *nform)
{
	struct app_error err = { 0 };
	json_t *out = NULL, *m;
	const json_t *meta;
	size_t i, n;

	HTML_RAW(&p->h, "<h4>");
	page_say(p, "Possible matches among registered children");
	HTML_RAW(&p->h, "</h4>");
	if (app_match_trace(p->req->app, &p->req->actor, trace_id, &out, &err) != RC_OK) {
		HTML_RAW(&p->h, "<p class=\"muted\">");
		page_say(p, "The matches cannot be shown now.");
		HTML_RAW(&p->h, "</p>");
		return;
	}
	meta = json_object_get(out, "metadata");
	if (!json_is_true(json_object_get(meta, "tracing_consent"))) {
		HTML_RAW(&p->h, "<p class=\"muted\">");
		page_say(p, "The person asking has not consented to tracing: this request "
		    "is not compared with registered children.");
		HTML_RAW(&p->h, "</p>");
		goto out;
	}
	n = json_array_size(json_object_get(out, "data"));
	if (n == 0) {
		HTML_RAW(&p->h, "<p class=\"muted\">");
		page_say(p, "No registered child matches yet. Matches are looked for "
		    "again whenever a case or this request is saved.");
		HTML_RAW(&p->h, "</p>");
		goto out;
	}
	HTML_RAW(&p->h, "<ol class=\"case-items\">");
	json_array_foreach(json_object_get(out, "data"), i, m) {
		if (i == TRACING_MATCHES_SHOWN)
			break;
		HTML_RAW(&p->h, "<li class=\"card\"><p><a class=\"case-link\" "
		    "href=\"/cases/");
		html_url_param(&p->h, json_get_str(m, "short_id"));
		HTML_RAW(&p->h, "\">");
		page_say(p, "Case");
		HTML_RAW(&p->h, " <span class=\"sid\">");
		html_text(&p->h, json_get_str(m, "short_id"));
		HTML_RAW(&p->h, "</span></a> ");
		tracing_summary(p, json_object_get(m, "summary"), sex_field);
		HTML_RAW(&p->h, "</p>");
		tracing_score(p, m);
		tracing_explain(p, json_object_get(m, "fields"));
		if (page_may(p, "match.decide"))
			tracing_decide_form(p, request_sid, trace_id,
			    json_get_str(m, "case_id"), (*nform)++);
		HTML_RAW(&p->h, "</li>");
	}
	HTML_RAW(&p->h, "</ol>");
	if (n > TRACING_MATCHES_SHOWN) {
		HTML_RAW(&p->h, "<p class=\"muted\">");
		page_say(p, "Only the best 5 matches are shown.");
		HTML_RAW(&p->h, "</p>");
	}
out:
	json_decref(out);
}

/* Every trace of the request, with its matches. */
static void
tracing_traces(struct page *p, struct case_form *cf, const json_t *t)
{
	const json_t *fields = json_object_get(cf->form, "fields");
	const json_t *tf = tracing_field(fields, TRACES_FIELD), *trace, *sf, *v;
	const char *tid, *sid = json_get_str(t, "short_id");
	char num[24];
	size_t i, k, nform = 0;

	if (tf == NULL || !case_form_visible(p, tf))
		return;
	json_array_foreach(json_object_get(t, TRACES_FIELD), i, trace) {
		tid = json_get_str(trace, "unique_id");
		snprintf(num, sizeof(num), "%zu", i + 1);
		HTML_RAW(&p->h, "<section class=\"case-section\" id=\"trace-");
		html_textf(&p->h, "%zu", i + 1);
		HTML_RAW(&p->h, "\"><h2>");
		page_say_args(p, "Child sought {1}", num, NULL, NULL);
		HTML_RAW(&p->h, "</h2><dl class=\"facts\">");
		json_array_foreach(json_object_get(tf, "fields"), k, sf) {
			if ((v = json_object_get(trace, json_get_str(sf, "id"))) == NULL ||
			    json_is_null(v))
				continue;
			HTML_RAW(&p->h, "<div><dt>");
			html_text(&p->h, case_form_label(p, sf));
			HTML_RAW(&p->h, "</dt><dd>");
			case_form_show_value(p, cf, sf, v);
			HTML_RAW(&p->h, "</dd></div>");
		}
		HTML_RAW(&p->h, "</dl>");
		if (tid != NULL && page_may(p, "match.read"))
			tracing_trace_matches(p, sid, tid, tracing_field(json_object_get(tf,
			    "fields"), "sex"), &nform);
		HTML_RAW(&p->h, "</section>\n");
	}
}

static void
page_tracing_view(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	struct case_form cf = { 0 };
	const json_t *section;
	const char *notice, *s;
	json_t *t = NULL, *full = NULL;
	char title[64];
	struct page p;
	size_t i;
	int rc;

	page_init(&p, req, resp);
	if ((rc = app_record_get(req->app, &req->actor, TRACING_TYPE, req->params[0], &t,
	    &err)) != RC_OK || (rc = app_form_get(req->app, &req->actor, TRACING_TYPE,
	    &full, &err)) != RC_OK || (rc = tracing_form_load(&p, &cf)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	/* shown with every field, the system's too */
	json_decref(cf.form);
	cf.form = full;
	full = NULL;
	page_head(&p, "Tracing request", "tracing");
	if ((notice = tracing_notice_take(&p)) != NULL)
		page_notice(&p, page_tr(&p, notice));
	snprintf(title, sizeof(title), "%s %s", page_tr(&p, "Tracing request"),
	    json_get_str(t, "short_id") ? json_get_str(t, "short_id") : "");
	page_h1(&p, title);
	if (page_may(&p, "tracing.update")) {
		HTML_RAW(&p.h, "<p><a id=\"edit-tracing\" class=\"button\" href=\"/tracing/");
		html_url_param(&p.h, json_get_str(t, "short_id"));
		HTML_RAW(&p.h, "/edit\">");
		page_say(&p, "Edit the tracing request");
		HTML_RAW(&p.h, "</a></p>\n");
	}
	HTML_RAW(&p.h, "<dl class=\"facts meta\">");
	tracing_fact(&p, "Request ID");
	HTML_RAW(&p.h, "<span class=\"sid\">");
	html_text(&p.h, json_get_str(t, "short_id"));
	HTML_RAW(&p.h, "</span></dd></div>");
	if ((s = json_get_str(t, "owned_by")) != NULL) {
		tracing_fact(&p, "Registered by");
		html_text(&p.h, s);
		HTML_RAW(&p.h, "</dd></div>");
	}
	tracing_fact(&p, "Registered");
	page_datetime(&p, json_get_str(t, "created_at"));
	HTML_RAW(&p.h, "</dd></div>");
	tracing_fact(&p, "Last updated");
	page_datetime(&p, json_get_str(t, "updated_at"));
	HTML_RAW(&p.h, "</dd></div></dl>\n");
	json_array_foreach(json_object_get(cf.form, "sections"), i, section) {
		if (strcmp(json_get_str(section, "id") ? json_get_str(section, "id") : "",
		    "traces") == 0)
			tracing_traces(&p, &cf, t);
		else
			tracing_section(&p, &cf, t, section);
	}
	page_finish(&p, 200);
out:
	case_form_free(&cf);
	json_decref(full);
	json_decref(t);
}

/* POST /tracing/{id}/decide: trace_id, case_id, decision, note. */
static void
page_tracing_decide(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	const char *trace_id = http_form(req, "trace_id"), *case_id = http_form(req,
	    "case_id"), *decision = http_form(req, "decision"), *note = http_form(req,
	    "note");
	json_t *body = NULL, *out = NULL, *t = NULL;
	struct page p;
	int rc;

	page_init(&p, req, resp);
	if (trace_id == NULL || case_id == NULL || decision == NULL) {
		page_error(req, resp, 400);
		return;
	}
	/* the request of the URL must be the trace's, and readable */
	if ((rc = app_record_get(req->app, &req->actor, TRACING_TYPE, req->params[0], &t,
	    &err)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	body = json_pack("{s:s, s:s?}", "decision", decision, "note",
	    note != NULL && *note != '\0' ? note : NULL);
	if (body == NULL) {
		page_error(req, resp, 500);
		goto out;
	}
	rc = app_match_decide(req->app, &req->actor, trace_id, case_id, body, &out, &err);
	if (rc == RC_OK && strcmp(json_get_str(out, "request_id"),
	    json_get_str(t, "id")) == 0)
		tracing_saved(resp, json_get_str(t, "short_id"), "decided");
	else if (rc == RC_OK)
		page_error(req, resp, 400);
	else if (rc == RC_EINVALID) {
		page_head(&p, "Tracing request", "tracing");
		page_h1(&p, page_tr(&p, "The decision was not saved"));
		page_alert(&p, "decision-error", page_tr(&p, "The case has no recorded "
		    "consent for tracing, or the decision was not one of the two buttons."));
		HTML_RAW(&p.h, "<p><a href=\"/tracing/");
		html_url_param(&p.h, json_get_str(t, "short_id"));
		HTML_RAW(&p.h, "\">");
		page_say(&p, "Back to the tracing request");
		HTML_RAW(&p.h, "</a></p>\n");
		page_finish(&p, 422);
	} else
		page_app_error(req, resp, rc, &err);
out:
	json_decref(body);
	json_decref(out);
	json_decref(t);
}

/* ---- on a case's page ------------------------------------------------------ */

/* A link to a case by short id. */
static void
tracing_case_link(struct page *p, const json_t *ref)
{
	const char *sid = json_get_str(ref, "short_id");

	if (sid == NULL) {
		page_say(p, "a case you may not see");
		return;
	}
	HTML_RAW(&p->h, "<a class=\"case-link\" href=\"/cases/");
	html_url_param(&p->h, sid);
	HTML_RAW(&p->h, "\"><span class=\"sid\">");
	html_text(&p->h, sid);
	HTML_RAW(&p->h, "</span></a>");
}

static void
tracing_case_duplicates(struct page *p, const json_t *c)
{
	struct app_error err = { 0 };
	const char *sid = json_get_str(c, "short_id");
	json_t *out = NULL, *d;
	const json_t *of, *dups;
	size_t i;

	if (app_case_duplicate_links(p->req->app, &p->req->actor, json_get_str(c, "id"),
	    &out, &err) != RC_OK)
		return;
	of = json_object_get(out, "duplicate_of");
	dups = json_object_get(out, "duplicates");
	if (json_is_null(of) && json_array_size(dups) == 0 && !page_may(p, "case.update"))
		goto out;
	HTML_RAW(&p->h, "<section id=\"duplicates\" aria-labelledby=\"duplicates-title\">"
	    "<h2 id=\"duplicates-title\">");
	page_say(p, "Duplicate registrations");
	HTML_RAW(&p->h, "</h2>");
	if (!json_is_null(of)) {
		HTML_RAW(&p->h, "<p id=\"duplicate-of\">");
		page_say(p, "This case is a duplicate of:");
		HTML_RAW(&p->h, " ");
		tracing_case_link(p, of);
		HTML_RAW(&p->h, "</p>");
	}
	if (json_array_size(dups) > 0) {
		HTML_RAW(&p->h, "<p id=\"duplicated-by\">");
		page_say(p, "Registered again as:");
		json_array_foreach(dups, i, d) {
			HTML_RAW(&p->h, " ");
			tracing_case_link(p, d);
		}
		HTML_RAW(&p->h, "</p>");
	}
	if (page_may(p, "case.update") && json_is_null(of)) {
		HTML_RAW(&p->h, "<form method=\"post\" class=\"row-form\" action=\"/cases/");
		html_url_param(&p->h, sid);
		HTML_RAW(&p->h, "/duplicate_of\">");
		page_csrf(p);
		HTML_RAW(&p->h, "<label for=\"duplicate-case\">");
		page_say(p, "Mark as a duplicate of the case (its ID)");
		HTML_RAW(&p->h, "</label> <input type=\"text\" id=\"duplicate-case\" "
		    "name=\"case_id\" maxlength=\"36\" required> <button type=\"submit\">");
		page_say(p, "Mark as a duplicate");
		HTML_RAW(&p->h, "</button></form>");
	}
	HTML_RAW(&p->h, "</section>\n");
out:
	json_decref(out);
}

static void
tracing_case_matches(struct page *p, const json_t *c)
{
	struct app_error err = { 0 };
	json_t *out = NULL, *m;
	const json_t *meta;
	size_t i;

	HTML_RAW(&p->h, "<section id=\"matches\" aria-labelledby=\"matches-title\">"
	    "<h2 id=\"matches-title\">");
	page_say(p, "Possible matches with tracing requests");
	HTML_RAW(&p->h, "</h2>");
	if (app_match_case(p->req->app, &p->req->actor, json_get_str(c, "id"), &out,
	    &err) != RC_OK) {
		HTML_RAW(&p->h, "<p class=\"muted\">");
		page_say(p, "The matches cannot be shown now.");
		HTML_RAW(&p->h, "</p></section>\n");
		return;
	}
	meta = json_object_get(out, "metadata");
	if (!json_is_true(json_object_get(meta, "tracing_consent"))) {
		HTML_RAW(&p->h, "<p class=\"muted\" id=\"no-tracing-consent\">");
		page_say(p, "No valid consent for tracing is recorded for this child: the "
		    "case is not compared with tracing requests.");
		HTML_RAW(&p->h, "</p>");
	} else if (json_array_size(json_object_get(out, "data")) == 0) {
		HTML_RAW(&p->h, "<p class=\"muted\">");
		page_say(p, "No tracing request matches this child yet.");
		HTML_RAW(&p->h, "</p>");
	} else {
		HTML_RAW(&p->h, "<ol class=\"case-items\">");
		json_array_foreach(json_object_get(out, "data"), i, m) {
			if (i == TRACING_MATCHES_SHOWN)
				break;
			HTML_RAW(&p->h, "<li class=\"card\"><p><a class=\"case-link\" "
			    "href=\"/tracing/");
			html_url_param(&p->h, json_get_str(m, "request_short_id"));
			HTML_RAW(&p->h, "\">");
			page_say(p, "Tracing request");
			HTML_RAW(&p->h, " <span class=\"sid\">");
			html_text(&p->h, json_get_str(m, "request_short_id"));
			HTML_RAW(&p->h, "</span></a> ");
			tracing_summary(p, json_object_get(m, "summary"), NULL);
			HTML_RAW(&p->h, "</p>");
			tracing_score(p, m);
			tracing_explain(p, json_object_get(m, "fields"));
			HTML_RAW(&p->h, "</li>");
		}
		HTML_RAW(&p->h, "</ol>");
	}
	HTML_RAW(&p->h, "</section>\n");
	json_decref(out);
}

void
pages_case_tracing(struct page *p, const json_t *c)
{
	tracing_case_duplicates(p, c);
	if (page_may(p, "match.read"))
		tracing_case_matches(p, c);
}

json_t *
pages_case_duplicates_find(struct page *p, const json_t *data)
{
	struct app_error err = { 0 };
	json_t *out = NULL, *list;

	if (app_case_duplicates(p->req->app, &p->req->actor, data, &out, &err) != RC_OK)
		return NULL;	/* no name yet, or not allowed: nothing to show */
	list = json_incref(json_object_get(out, "data"));
	json_decref(out);
	if (json_array_size(list) == 0) {
		json_decref(list);
		return NULL;
	}
	return list;
}

void
pages_case_duplicates_show(struct page *p, const json_t *dups)
{
	const json_t *m;
	size_t i;

	HTML_RAW(&p->h, "<section id=\"possible-duplicates\" class=\"conflict\" "
	    "role=\"alert\"><h2>");
	page_say(p, "This child may be registered already");
	HTML_RAW(&p->h, "</h2><p>");
	page_say(p, "Check these cases before saving. If one of them is this child, "
	    "open it instead of registering the child again; if none is, save anyway.");
	HTML_RAW(&p->h, "</p><ol class=\"case-items\">");
	json_array_foreach(dups, i, m) {
		if (i == TRACING_MATCHES_SHOWN)
			break;
		HTML_RAW(&p->h, "<li class=\"card\"><p>");
		tracing_case_link(p, m);
		HTML_RAW(&p->h, " ");
		tracing_summary(p, json_object_get(m, "summary"), NULL);
		HTML_RAW(&p->h, "</p>");
		tracing_score(p, m);
		tracing_explain(p, json_object_get(m, "fields"));
		HTML_RAW(&p->h, "</li>");
	}
	HTML_RAW(&p->h, "</ol></section>\n");
}

/* POST /cases/{id}/duplicate_of: case_id (an id or short id). */
static void
page_case_duplicate_of(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	const char *other = http_form(req, "case_id");
	json_t *o = NULL, *out = NULL;
	char location[64];
	struct page p;
	int rc;

	page_init(&p, req, resp);
	if (other == NULL || *other == '\0' || (o = json_string(other)) == NULL) {
		page_error(req, resp, 400);
		return;
	}
	rc = app_case_duplicate_of(req->app, &req->actor, req->params[0], o, &out, &err);
	if (rc == RC_OK) {
		snprintf(location, sizeof(location), "/cases/%s",
		    json_get_str(out, "short_id") ? json_get_str(out, "short_id") : "");
		http_redirect(resp, location);
	} else if (rc == RC_EINVALID) {
		page_head(&p, "Case", "cases");
		page_h1(&p, page_tr(&p, "The duplicate link was not saved"));
		page_alert(&p, "duplicate-error", page_tr(&p, "No case with that ID that "
		    "you may see, or it is this case, or it is already linked the other "
		    "way round."));
		HTML_RAW(&p.h, "<p><a href=\"/cases\">");
		page_say(&p, "Back to the cases");
		HTML_RAW(&p.h, "</a></p>\n");
		page_finish(&p, 422);
	} else
		page_app_error(req, resp, rc, &err);
	json_decref(o);
	json_decref(out);
}

/* ---- routes ---------------------------------------------------------------- */

static const struct http_route pages_tracing_table[] = {
	{ HTTP_GET,  "/tracing",		HTTP_PAGE,	page_tracing_list, NULL },
	{ HTTP_GET,  "/tracing/new",		HTTP_PAGE,	page_tracing_new, NULL },
	{ HTTP_POST, "/tracing/new",		HTTP_PAGE,	page_tracing_create, NULL },
	{ HTTP_GET,  "/tracing/{id}",		HTTP_PAGE,	page_tracing_view, NULL },
	{ HTTP_GET,  "/tracing/{id}/edit",	HTTP_PAGE,	page_tracing_edit, NULL },
	{ HTTP_POST, "/tracing/{id}/edit",	HTTP_PAGE,	page_tracing_update, NULL },
	{ HTTP_POST, "/tracing/{id}/decide",	HTTP_PAGE,	page_tracing_decide, NULL },
	{ HTTP_POST, "/cases/{id}/duplicate_of", HTTP_PAGE,	page_case_duplicate_of,
	    NULL },
};

static const struct http_routes pages_tracing_table_routes = {
	pages_tracing_table, sizeof(pages_tracing_table) / sizeof(pages_tracing_table[0])
};

const struct http_routes *
pages_tracing_routes(void)
{
	return &pages_tracing_table_routes;
}
