/* pages_admin.c — users, agencies and locations for the administrator. */
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

#define ADMIN_USERS_PER		25
#define ADMIN_LOCATIONS_PER	100

/* A problem with one input of an admin form (already translated). */
struct admin_problem {
	const char	*field;
	const char	*text;
};

/* What a failed create shows again: the values typed (passwords aside) and why. */
struct admin_state {
	struct admin_problem	 problem;
	const char		*alert;		/* translated, or NULL */
};

/* The translated problem of an app/ failure on an admin form. */
static const struct admin_field_text {
	const char	*field;
	const char	*msgid;
} admin_field_texts[] = {
	{ "username",	   "Use 3 to 63 lowercase letters, digits, dots, hyphens or "
	    "underscores." },
	{ "role",	   "Choose a role." },
	{ "password",	   "The password needs at least 10 characters." },
	{ "agency",	   "Choose an agency: this role works for one." },
	{ "location_code", "Choose a location from the list." },
	{ "full_name",	   "The name is too long." },
	{ "language",	   "Choose a language." },
	{ "code",	   "Use 2 to 31 lowercase letters, digits or hyphens." },
	{ "name",	   "The name is too long." },
};

static void
admin_problem_from(const struct page *p, int rc, const struct app_error *err,
    struct admin_problem *out)
{
	size_t i;

	out->field = NULL;
	out->text = NULL;
	if (err->fields.n == 0)
		return;
	out->field = err->fields.e[0].field;
	if (rc == RC_EEXIST) {
		out->text = page_tr(p, strcmp(out->field, "code") == 0 ?
		    "An agency with this code exists already." : "This username is taken.");
		return;
	}
	for (i = 0; i < sizeof(admin_field_texts) / sizeof(admin_field_texts[0]); i++)
		if (strcmp(admin_field_texts[i].field, out->field) == 0) {
			out->text = page_tr(p, admin_field_texts[i].msgid);
			return;
		}
	out->text = err->fields.e[0].problem;
}

/* The sub-navigation of the admin pages. */
static void
admin_nav(struct page *p, const char *current)
{
	static const char *const ids[] = { "users", "agencies", "locations" };
	static const char *const hrefs[] = { "/admin/users", "/admin/agencies",
	    "/admin/locations" };
	static const char *const names[] = { "Users", "Agencies", "Locations" };
	size_t i;

	HTML_RAW(&p->h, "<nav class=\"subnav\" aria-label=\"");
	html_attr(&p->h, page_tr(p, "Administration"));
	HTML_RAW(&p->h, "\"><ul>");
	for (i = 0; i < 3; i++) {
		HTML_RAW(&p->h, "<li><a href=\"");
		html_attr(&p->h, hrefs[i]);
		HTML_RAW(&p->h, "\"");
		if (strcmp(current, ids[i]) == 0)
			HTML_RAW(&p->h, " aria-current=\"page\"");
		HTML_RAW(&p->h, ">");
		page_say(p, names[i]);
		HTML_RAW(&p->h, "</a></li>");
	}
	HTML_RAW(&p->h, "</ul></nav>\n");
}

/* A labelled text input of an admin form, with its problem and typed value. */
static void
admin_input(struct page *p, const char *id, const char *label, const char *type,
    const char *extra_hint, const struct admin_state *st, int keep)
{
	const char *v = keep ? http_form(p->req, id) : NULL;
	int bad = st != NULL && st->problem.field != NULL &&
	    strcmp(st->problem.field, id) == 0;

	HTML_RAW(&p->h, "<div class=\"field\"><label for=\"");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\">");
	page_say(p, label);
	HTML_RAW(&p->h, "</label>");
	if (extra_hint != NULL) {
		HTML_RAW(&p->h, "<p class=\"help\" id=\"help-");
		html_attr(&p->h, id);
		HTML_RAW(&p->h, "\">");
		page_say(p, extra_hint);
		HTML_RAW(&p->h, "</p>");
	}
	if (bad) {
		HTML_RAW(&p->h, "<p class=\"field-error\" id=\"error-");
		html_attr(&p->h, id);
		HTML_RAW(&p->h, "\">");
		html_text(&p->h, st->problem.text);
		HTML_RAW(&p->h, "</p>");
	}
	HTML_RAW(&p->h, "<input type=\"");
	html_attr(&p->h, type);
	HTML_RAW(&p->h, "\" id=\"");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\" name=\"");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\" autocomplete=\"off\"");
	if (bad || extra_hint != NULL) {
		HTML_RAW(&p->h, " aria-describedby=\"");
		if (bad) {
			HTML_RAW(&p->h, "error-");
			html_attr(&p->h, id);
			HTML_RAW(&p->h, " ");
		}
		if (extra_hint != NULL) {
			HTML_RAW(&p->h, "help-");
			html_attr(&p->h, id);
		}
		HTML_RAW(&p->h, "\"");
	}
	if (bad)
		HTML_RAW(&p->h, " aria-invalid=\"true\"");
	if (v != NULL) {
		HTML_RAW(&p->h, " value=\"");
		html_attr(&p->h, v);
		HTML_RAW(&p->h, "\"");
	}
	HTML_RAW(&p->h, "></div>\n");
}

/* Open a labelled <select> of an admin form. */
static void
admin_select_open(struct page *p, const char *id, const char *label,
    const struct admin_state *st)
{
	int bad = st != NULL && st->problem.field != NULL &&
	    strcmp(st->problem.field, id) == 0;

	HTML_RAW(&p->h, "<div class=\"field\"><label for=\"");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\">");
	page_say(p, label);
	HTML_RAW(&p->h, "</label>");
	if (bad) {
		HTML_RAW(&p->h, "<p class=\"field-error\" id=\"error-");
		html_attr(&p->h, id);
		HTML_RAW(&p->h, "\">");
		html_text(&p->h, st->problem.text);
		HTML_RAW(&p->h, "</p>");
	}
	HTML_RAW(&p->h, "<select id=\"");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\" name=\"");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\"");
	if (bad) {
		HTML_RAW(&p->h, " aria-invalid=\"true\" aria-describedby=\"error-");
		html_attr(&p->h, id);
		HTML_RAW(&p->h, "\"");
	}
	HTML_RAW(&p->h, ">");
}

static void
admin_option(struct page *p, const char *value, const char *text, const char *selected)
{
	HTML_RAW(&p->h, "<option value=\"");
	html_attr(&p->h, value);
	HTML_RAW(&p->h, "\"");
	if (selected != NULL && strcmp(selected, value) == 0)
		HTML_RAW(&p->h, " selected");
	HTML_RAW(&p->h, ">");
	html_text(&p->h, text);
	HTML_RAW(&p->h, "</option>");
}

static void
admin_role_options(struct page *p, const char *selected)
{
	const char *role;
	size_t i;

	for (i = 0; (role = policy_role_at(app_policy(p->req->app), i)) != NULL; i++)
		admin_option(p, role, page_role_name(p, role), selected);
}

/* Links to the previous and next page of an admin list at `path`. */
static void
admin_pager(struct page *p, const char *path, int64_t page, int64_t pages)
{
	char num[24], num2[24];

	if (pages <= 1)
		return;
	snprintf(num, sizeof(num), "%" PRId64, page);
	snprintf(num2, sizeof(num2), "%" PRId64, pages);
	HTML_RAW(&p->h, "<nav class=\"pager\" aria-label=\"");
	html_attr(&p->h, page_tr(p, "Pages"));
	HTML_RAW(&p->h, "\">");
	if (page > 1) {
		HTML_RAW(&p->h, "<a rel=\"prev\" href=\"");
		html_attr(&p->h, path);
		HTML_RAW(&p->h, "?page=");
		html_textf(&p->h, "%" PRId64, page - 1);
		HTML_RAW(&p->h, "\">");
		page_say(p, "Previous");
		HTML_RAW(&p->h, "</a> ");
	}
	HTML_RAW(&p->h, "<span>");
	page_say_args(p, "Page {1} of {2}", num, num2, NULL);
	HTML_RAW(&p->h, "</span>");
	if (page < pages) {
		HTML_RAW(&p->h, " <a rel=\"next\" href=\"");
		html_attr(&p->h, path);
		HTML_RAW(&p->h, "?page=");
		html_textf(&p->h, "%" PRId64, page + 1);
		HTML_RAW(&p->h, "\">");
		page_say(p, "Next");
		HTML_RAW(&p->h, "</a>");
	}
	HTML_RAW(&p->h, "</nav>\n");
}

static int
admin_allowed(struct http_request *req, struct http_response *resp, const char *action)
{
	if (!policy_allows(app_policy(req->app), &req->actor.pu, action, NULL, NULL)) {
		page_error(req, resp, 403);
		return 0;
	}
	return 1;
}

/* ---- users ---------------------------------------------------------------------------------- */

static void
admin_user_row(struct page *p, const json_t *u, const json_t *locations)
{
	const char *id = json_get_str(u, "id"), *s;
	int disabled = json_is_true(json_object_get(u, "disabled"));
	int self = id != NULL && strcmp(id, p->req->actor.pu.id) == 0;

	HTML_RAW(&p->h, "<tr><th scope=\"row\">");
	html_text(&p->h, json_get_str(u, "username"));
	HTML_RAW(&p->h, "</th><td data-label=\"");
	html_attr(&p->h, page_tr(p, "Full name"));
	HTML_RAW(&p->h, "\">");
	html_text(&p->h, json_get_str(u, "full_name"));
	HTML_RAW(&p->h, "</td><td data-label=\"");
	html_attr(&p->h, page_tr(p, "Agency"));
	HTML_RAW(&p->h, "\">");
	html_text(&p->h, json_get_str(u, "agency"));
	HTML_RAW(&p->h, "</td><td data-label=\"");
	html_attr(&p->h, page_tr(p, "Location"));
	HTML_RAW(&p->h, "\">");
	if ((s = json_get_str(u, "location_code")) != NULL)
		html_text(&p->h, page_location_name(p, locations, s));
	HTML_RAW(&p->h, "</td><td data-label=\"");
	html_attr(&p->h, page_tr(p, "Language"));
	HTML_RAW(&p->h, "\">");
	html_text(&p->h, i18n_lang_name(json_get_str(u, "language")));
	HTML_RAW(&p->h, "</td><td data-label=\"");
	html_attr(&p->h, page_tr(p, "Status"));
	HTML_RAW(&p->h, "\">");
	if (disabled)
		HTML_RAW(&p->h, "<span class=\"tag off\">");
	else
		HTML_RAW(&p->h, "<span class=\"tag\">");
	page_say(p, disabled ? "Disabled" : "Active");
	HTML_RAW(&p->h, "</span></td><td data-label=\"");
	html_attr(&p->h, page_tr(p, "Role"));
	HTML_RAW(&p->h, "\"><form class=\"row-form\" method=\"post\" action=\"/admin/users/");
	html_url_param(&p->h, id);
	HTML_RAW(&p->h, "\">");
	page_csrf(p);
	HTML_RAW(&p->h, "<label class=\"vh\" for=\"role-");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\">");
	page_say_args(p, "Role of {1}", json_get_str(u, "username"), NULL, NULL);
	HTML_RAW(&p->h, "</label><select id=\"role-");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\" name=\"role\">");
	admin_role_options(p, json_get_str(u, "role"));
	HTML_RAW(&p->h, "</select> <button type=\"submit\" class=\"quiet\" name=\"do\" "
	    "value=\"role\">");
	page_say(p, "Change role");
	HTML_RAW(&p->h, "</button>");
	if (!self) {
		if (disabled)
			HTML_RAW(&p->h, " <button type=\"submit\" class=\"quiet\" name=\"do\" "
			    "value=\"enable\">");
		else
			HTML_RAW(&p->h, " <button type=\"submit\" class=\"quiet danger\" "
			    "name=\"do\" value=\"disable\" data-confirm=\"");
		if (!disabled) {
			html_attr(&p->h, page_tr(p, "Disable this user? Their sessions end at "
			    "once."));
			HTML_RAW(&p->h, "\">");
		}
		page_say(p, disabled ? "Enable" : "Disable");
		HTML_RAW(&p->h, "</button>");
	}
	HTML_RAW(&p->h, "</form></td></tr>");
}

static void
admin_users_render(struct http_request *req, struct http_response *resp,
    const struct admin_state *st, unsigned status)
{
	struct app_error err = { 0 };
	json_t *users = NULL, *agencies = NULL, *locs = NULL, *u, *a;
	const char *done = http_query(req, "done");
	int64_t page = page_query_int(req, "page", 1, 100000, 1), pages, total;
	struct page p;
	size_t i;
	int rc;

	page_init(&p, req, resp);
	if ((rc = app_user_list(req->app, &req->actor, &users, &err)) != RC_OK ||
	    (rc = app_agency_list(req->app, &req->actor, &agencies, &err)) != RC_OK ||
	    (rc = app_location_list(req->app, &req->actor, &locs, &err)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	page_head(&p, "Users", "admin");
	page_h1(&p, page_tr(&p, "Users"));
	admin_nav(&p, "users");
	if (done != NULL && strcmp(done, "created") == 0)
		page_notice(&p, page_tr(&p, "The user has been created."));
	else if (done != NULL && strcmp(done, "updated") == 0)
		page_notice(&p, page_tr(&p, "The user has been changed."));
	if (st != NULL && st->alert != NULL)
		page_alert(&p, "admin-error", st->alert);
	total = (int64_t)json_array_size(json_object_get(users, "data"));
	pages = (total + ADMIN_USERS_PER - 1) / ADMIN_USERS_PER;
	if (page > pages && pages > 0)
		page = pages;
	HTML_RAW(&p.h, "<div class=\"table-wrap\"><table id=\"user-list\" class=\"cards\">"
	    "<thead><tr><th scope=\"col\">");
	page_say(&p, "Username");
	HTML_RAW(&p.h, "</th><th scope=\"col\">");
	page_say(&p, "Full name");
	HTML_RAW(&p.h, "</th><th scope=\"col\">");
	page_say(&p, "Agency");
	HTML_RAW(&p.h, "</th><th scope=\"col\">");
	page_say(&p, "Location");
	HTML_RAW(&p.h, "</th><th scope=\"col\">");
	page_say(&p, "Language");
	HTML_RAW(&p.h, "</th><th scope=\"col\">");
	page_say(&p, "Status");
	HTML_RAW(&p.h, "</th><th scope=\"col\">");
	page_say(&p, "Role");
	HTML_RAW(&p.h, "</th></tr></thead><tbody>");
	json_array_foreach(json_object_get(users, "data"), i, u)
		if ((int64_t)i >= (page - 1) * ADMIN_USERS_PER &&
		    (int64_t)i < page * ADMIN_USERS_PER)
			admin_user_row(&p, u, json_object_get(locs, "data"));
	HTML_RAW(&p.h, "</tbody></table></div>\n");
	admin_pager(&p, "/admin/users", page, pages);

	HTML_RAW(&p.h, "<section aria-labelledby=\"create-title\"><h2 id=\"create-title\">");
	page_say(&p, "Create a user");
	HTML_RAW(&p.h, "</h2>\n<form method=\"post\" action=\"/admin/users\" "
	    "class=\"card grid-form\" novalidate>");
	page_csrf(&p);
	admin_input(&p, "username", "Username", "text", NULL, st, st != NULL);
	admin_input(&p, "full_name", "Full name", "text", NULL, st, st != NULL);
	admin_select_open(&p, "role", "Role", st);
	admin_role_options(&p, st != NULL ? http_form(req, "role") : "caseworker");
	HTML_RAW(&p.h, "</select></div>\n");
	admin_select_open(&p, "agency", "Agency", st);
	admin_option(&p, "", page_tr(&p, "(none)"), NULL);
	json_array_foreach(json_object_get(agencies, "data"), i, a) {
		const char *code = json_get_str(a, "code"), *name = json_get_str(a, "name");
		char text[256];

		if (code == NULL)
			continue;
		snprintf(text, sizeof(text), "%s (%s)", name != NULL ? name : code, code);
		admin_option(&p, code, text, st != NULL ? http_form(req, "agency") : NULL);
	}
	HTML_RAW(&p.h, "</select></div>\n");
	admin_select_open(&p, "location_code", "Location", st);
	HTML_RAW(&p.h, "<option value=\"\"></option>");
	page_location_options(&p, json_object_get(locs, "data"),
	    st != NULL ? http_form(req, "location_code") : NULL);
	HTML_RAW(&p.h, "</select></div>\n");
	admin_select_open(&p, "language", "Language", st);
	for (i = 0; i < I18N_LANGS; i++)
		admin_option(&p, i18n_langs[i], i18n_lang_name(i18n_langs[i]),
		    st != NULL ? http_form(req, "language") : p.lang);
	HTML_RAW(&p.h, "</select></div>\n");
	admin_input(&p, "password", "Password", "password", "At least 10 characters. "
	    "Give it to the user in person; they can change it under Account.", st, 0);
	HTML_RAW(&p.h, "<div class=\"actions\"><button type=\"submit\" id=\"create-user\">");
	page_say(&p, "Create the user");
	HTML_RAW(&p.h, "</button></div></form></section>\n");
	page_finish(&p, status);
out:
	json_decref(users);
	json_decref(agencies);
	json_decref(locs);
}

void
page_admin_users(struct http_request *req, struct http_response *resp)
{
	if (admin_allowed(req, resp, "user.manage"))
		admin_users_render(req, resp, NULL, 200);
}

/* Add the form field `name` to `data` when it is not empty. */
static void
admin_json_field(json_t *data, const struct http_request *req, const char *name)
{
	const char *v = http_form(req, name);

	if (v != NULL && *v != '\0')
		json_object_set_new(data, name, json_string(v));
}

void
page_admin_user_create(struct http_request *req, struct http_response *resp)
{
	static const char *const names[] = { "username", "full_name", "role", "agency",
	    "location_code", "language", "password" };
	struct admin_state st = { 0 };
	struct app_error err = { 0 };
	json_t *data = json_object(), *out = NULL;
	struct page p;
	size_t i;
	int rc;

	if (!admin_allowed(req, resp, "user.manage"))
		goto out;
	if (data == NULL) {
		page_error(req, resp, 500);
		goto out;
	}
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		admin_json_field(data, req, names[i]);
	if (json_object_get(data, "username") == NULL)
		json_object_set_new(data, "username", json_string(""));
	if (json_object_get(data, "password") == NULL)
		json_object_set_new(data, "password", json_string(""));
	rc = app_user_create(req->app, &req->actor, data, &out, &err);
	if (rc == RC_OK) {
		http_redirect(resp, "/admin/users?done=created");
		goto out;
	}
	if (rc != RC_EINVALID && rc != RC_EEXIST) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	page_init(&p, req, resp);
	admin_problem_from(&p, rc, &err, &st.problem);
	st.alert = page_tr(&p, "The user was not created.");
	admin_users_render(req, resp, &st, 200);
out:
	json_object_clear(data);
	json_decref(data);
	json_decref(out);
}

void
page_admin_user_update(struct http_request *req, struct http_response *resp)
{
	struct admin_state st = { 0 };
	struct app_error err = { 0 };
	const char *what = http_form(req, "do"), *role = http_form(req, "role");
	json_t *patch = NULL, *out = NULL;
	struct page p;
	int rc;

	if (!admin_allowed(req, resp, "user.manage"))
		return;
	if (what != NULL && strcmp(what, "role") == 0 && role != NULL)
		patch = json_pack("{s:s}", "role", role);
	else if (what != NULL && strcmp(what, "disable") == 0)
		patch = json_pack("{s:b}", "disabled", 1);
	else if (what != NULL && strcmp(what, "enable") == 0)
		patch = json_pack("{s:b}", "disabled", 0);
	if (patch == NULL) {
		page_error(req, resp, 400);
		return;
	}
	rc = app_user_update(req->app, &req->actor, req->params[0], patch, &out, &err);
	json_decref(patch);
	json_decref(out);
	if (rc == RC_OK) {
		http_redirect(resp, "/admin/users?done=updated");
		return;
	}
	if (rc != RC_EINVALID) {
		page_app_error(req, resp, rc, &err);
		return;
	}
	page_init(&p, req, resp);
	st.alert = page_tr(&p, "The user was not changed.");
	admin_users_render(req, resp, &st, 200);
}

/* ---- agencies ------------------------------------------------------------------------------ */

static void
admin_agencies_render(struct http_request *req, struct http_response *resp,
    const struct admin_state *st, unsigned status)
{
	struct app_error err = { 0 };
	json_t *agencies = NULL, *a;
	const char *done = http_query(req, "done");
	struct page p;
	size_t i;
	int rc;

	page_init(&p, req, resp);
	if ((rc = app_agency_list(req->app, &req->actor, &agencies, &err)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		return;
	}
	page_head(&p, "Agencies", "admin");
	page_h1(&p, page_tr(&p, "Agencies"));
	admin_nav(&p, "agencies");
	if (done != NULL && strcmp(done, "created") == 0)
		page_notice(&p, page_tr(&p, "The agency has been created."));
	if (st != NULL && st->alert != NULL)
		page_alert(&p, "admin-error", st->alert);
	HTML_RAW(&p.h, "<div class=\"table-wrap\"><table id=\"agency-list\"><thead><tr>"
	    "<th scope=\"col\">");
	page_say(&p, "Code");
	HTML_RAW(&p.h, "</th><th scope=\"col\">");
	page_say(&p, "Name");
	HTML_RAW(&p.h, "</th></tr></thead><tbody>");
	json_array_foreach(json_object_get(agencies, "data"), i, a) {
		HTML_RAW(&p.h, "<tr><td><span class=\"sid\">");
		html_text(&p.h, json_get_str(a, "code"));
		HTML_RAW(&p.h, "</span></td><td>");
		html_text(&p.h, json_get_str(a, "name"));
		HTML_RAW(&p.h, "</td></tr>");
	}
	HTML_RAW(&p.h, "</tbody></table></div>\n<section aria-labelledby=\"create-title\">"
	    "<h2 id=\"create-title\">");
	page_say(&p, "Create an agency");
	HTML_RAW(&p.h, "</h2>\n<form method=\"post\" action=\"/admin/agencies\" "
	    "class=\"card grid-form\" novalidate>");
	page_csrf(&p);
	admin_input(&p, "code", "Code", "text", "A short code, such as horizon.", st,
	    st != NULL);
	admin_input(&p, "name", "Name", "text", NULL, st, st != NULL);
	HTML_RAW(&p.h, "<div class=\"actions\"><button type=\"submit\" "
	    "id=\"create-agency\">");
	page_say(&p, "Create the agency");
	HTML_RAW(&p.h, "</button></div></form></section>\n");
	page_finish(&p, status);
	json_decref(agencies);
}

void
page_admin_agencies(struct http_request *req, struct http_response *resp)
{
	if (admin_allowed(req, resp, "agency.manage"))
		admin_agencies_render(req, resp, NULL, 200);
}

void
page_admin_agency_create(struct http_request *req, struct http_response *resp)
{
	struct admin_state st = { 0 };
	struct app_error err = { 0 };
	json_t *data, *out = NULL;
	struct page p;
	int rc;

	if (!admin_allowed(req, resp, "agency.manage"))
		return;
	if ((data = json_object()) == NULL) {
		page_error(req, resp, 500);
		return;
	}
	json_object_set_new(data, "code", json_string(http_form(req, "code") ?
	    http_form(req, "code") : ""));
	admin_json_field(data, req, "name");
	rc = app_agency_create(req->app, &req->actor, data, &out, &err);
	json_decref(data);
	json_decref(out);
	if (rc == RC_OK) {
		http_redirect(resp, "/admin/agencies?done=created");
		return;
	}
	if (rc != RC_EINVALID && rc != RC_EEXIST) {
		page_app_error(req, resp, rc, &err);
		return;
	}
	page_init(&p, req, resp);
	admin_problem_from(&p, rc, &err, &st.problem);
	st.alert = page_tr(&p, "The agency was not created.");
	admin_agencies_render(req, resp, &st, 200);
}

/* ---- locations ------------------------------------------------------------------------------ */

static void
admin_locations_render(struct http_request *req, struct http_response *resp,
    const char *upload_error, unsigned status)
{
	struct app_error err = { 0 };
	json_t *locs = NULL, *l;
	const char *name;
	int64_t page = page_query_int(req, "page", 1, 100000, 1), total, pages;
	int64_t loaded = page_query_int(req, "loaded", 0, 100000000, -1);
	int64_t fresh = page_query_int(req, "new", 0, 100000000, 0);
	char num[24], num2[24];
	struct page p;
	size_t i;
	int rc;

	page_init(&p, req, resp);
	if ((rc = app_location_list(req->app, &req->actor, &locs, &err)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		return;
	}
	page_head(&p, "Locations", "admin");
	page_h1(&p, page_tr(&p, "Locations"));
	admin_nav(&p, "locations");
	if (loaded >= 0) {
		snprintf(num, sizeof(num), "%" PRId64, loaded);
		snprintf(num2, sizeof(num2), "%" PRId64, fresh);
		HTML_RAW(&p.h, "<p class=\"notice\" role=\"status\" id=\"upload-result\">");
		page_say_args(&p, "{1} locations loaded ({2} new).", num, num2, NULL);
		HTML_RAW(&p.h, "</p>\n");
	}
	if (upload_error != NULL) {
		HTML_RAW(&p.h, "<p class=\"alert\" role=\"alert\" id=\"upload-error\">");
		page_say(&p, "The file was not loaded:");
		HTML_RAW(&p.h, " <span dir=\"ltr\">");
		html_text(&p.h, upload_error);
		HTML_RAW(&p.h, "</span></p>\n");
	}
	HTML_RAW(&p.h, "<section aria-labelledby=\"upload-title\"><h2 id=\"upload-title\">");
	page_say(&p, "Load locations");
	HTML_RAW(&p.h, "</h2>\n<form method=\"post\" action=\"/admin/locations\" "
	    "enctype=\"multipart/form-data\" class=\"card\">");
	page_csrf(&p);
	HTML_RAW(&p.h, "<div class=\"field\"><label for=\"csv\">");
	page_say(&p, "P-code file (CSV)");
	HTML_RAW(&p.h, "</label><p class=\"help\" id=\"help-csv\">");
	page_say(&p, "Columns: code, parent_code, level, name_en, name_fr, name_ar, "
	    "name_es, with a header line. Known codes are updated; the whole file is "
	    "loaded or none of it.");
	HTML_RAW(&p.h, "</p><input type=\"file\" id=\"csv\" name=\"csv\" "
	    "accept=\".csv,text/csv\" aria-describedby=\"help-csv\"></div>"
	    "<div class=\"actions\"><button type=\"submit\" id=\"upload-locations\">");
	page_say(&p, "Load the file");
	HTML_RAW(&p.h, "</button></div></form></section>\n");

	total = (int64_t)json_array_size(json_object_get(locs, "data"));
	pages = (total + ADMIN_LOCATIONS_PER - 1) / ADMIN_LOCATIONS_PER;
	if (page > pages && pages > 0)
		page = pages;
	snprintf(num, sizeof(num), "%" PRId64, total);
	HTML_RAW(&p.h, "<section aria-labelledby=\"tree-title\"><h2 id=\"tree-title\">");
	page_say_args(&p, "All locations ({1})", num, NULL, NULL);
	HTML_RAW(&p.h, "</h2>\n<ul id=\"location-list\" class=\"tree\">");
	json_array_foreach(json_object_get(locs, "data"), i, l) {
		if ((int64_t)i < (page - 1) * ADMIN_LOCATIONS_PER ||
		    (int64_t)i >= page * ADMIN_LOCATIONS_PER)
			continue;
		switch (json_integer_value(json_object_get(l, "level"))) {
		case 0:
			HTML_RAW(&p.h, "<li class=\"l0\">");
			break;
		case 1:
			HTML_RAW(&p.h, "<li class=\"l1\">");
			break;
		case 2:
			HTML_RAW(&p.h, "<li class=\"l2\">");
			break;
		default:
			HTML_RAW(&p.h, "<li class=\"l3\">");
			break;
		}
		name = page_label(json_object_get(l, "names"), p.lang);
		html_text(&p.h, name != NULL ? name : json_get_str(l, "code"));
		HTML_RAW(&p.h, " <span class=\"sid\">");
		html_text(&p.h, json_get_str(l, "code"));
		HTML_RAW(&p.h, "</span></li>");
	}
	HTML_RAW(&p.h, "</ul>\n");
	admin_pager(&p, "/admin/locations", page, pages);
	HTML_RAW(&p.h, "</section>\n");
	page_finish(&p, status);
	json_decref(locs);
}

void
page_admin_locations(struct http_request *req, struct http_response *resp)
{
	if (admin_allowed(req, resp, "location.manage"))
		admin_locations_render(req, resp, NULL, 200);
}

void
page_admin_location_import(struct http_request *req, struct http_response *resp)
{
	const struct http_field *file = http_form_file(req, "csv");
	struct app_error err = { 0 };
	json_t *out = NULL;
	char location[96];
	struct page p;
	int rc;

	if (!admin_allowed(req, resp, "location.manage"))
		return;
	if (file == NULL || file->len == 0) {
		page_init(&p, req, resp);
		admin_locations_render(req, resp, page_tr(&p, "choose a CSV file first."),
		    200);
		return;
	}
	rc = app_location_import(req->app, &req->actor, file->value, file->len, &out, &err);
	if (rc == RC_OK) {
		snprintf(location, sizeof(location), "/admin/locations?loaded=%"
		    JSON_INTEGER_FORMAT "&new=%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(out, "loaded")),
		    json_integer_value(json_object_get(out, "new")));
		http_redirect(resp, location);
	} else if (rc == RC_EINVALID || rc == RC_ETOOBIG)
		admin_locations_render(req, resp, err.message[0] != '\0' ? err.message :
		    "?", 200);
	else
		page_app_error(req, resp, rc, &err);
	json_decref(out);
}
