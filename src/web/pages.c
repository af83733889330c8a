/* pages.c — layout, error pages, static files, signing in and out, home, account. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <sodium.h>

#include "app/app.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/embed.h"
#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "web/html.h"
#include "web/http.h"
#include "web/i18n.h"
#include "web/pages.h"

#ifndef ROUTECARE_VERSION
#define ROUTECARE_VERSION "0.0.0"
#endif

#define PAGE_HOME_GROUP_MAX	15	/* cases shown per risk group on a caseworker's home */
#define PAGE_PRELOGIN_BYTES	32

/* ---- static files ------------------------------------------------------------------- */

/* The files under web/static/ that pages link to, with a fingerprint of their content
 * for their URLs (?v=...), so that they can be cached for good. */
static struct page_static {
	const char	*name;
	const char	*content_type;
	char		 version[17];
} page_statics[] = {
	{ "app.css",	"text/css; charset=utf-8",		"" },
	{ "app.js",	"text/javascript; charset=utf-8",	"" },
	{ "icon.svg",	"image/svg+xml",			"" },
};

#define PAGE_STATIC_N	(sizeof(page_statics) / sizeof(page_statics[0]))

static const struct page_static *
page_static_find(const char *name)
{
	size_t i;

	for (i = 0; i < PAGE_STATIC_N; i++)
		if (strcmp(page_statics[i].name, name) == 0)
			return &page_statics[i];
	return NULL;
}

int
pages_init(void)
{
	unsigned char hash[8];
	char path[64];
	const struct embed_file *e;
	size_t i;

	if (sodium_init() < 0)
		return -1;
	for (i = 0; i < PAGE_STATIC_N; i++) {
		snprintf(path, sizeof(path), "web/static/%s", page_statics[i].name);
		if ((e = embed_find(path)) == NULL) {
			log_error("pages: %s is not embedded in the binary", path);
			return -1;
		}
		crypto_generichash(hash, sizeof(hash), (const unsigned char *)e->data, e->len,
		    NULL, 0);
		sodium_bin2hex(page_statics[i].version, sizeof(page_statics[i].version), hash,
		    sizeof(hash));
	}
	return i18n_init();
}

static void
page_static(struct http_request *req, struct http_response *resp)
{
	const struct page_static *ps = page_static_find(req->params[0]);
	const struct embed_file *e;
	char path[64];

	if (ps == NULL) {
		page_error(req, resp, 404);
		return;
	}
	snprintf(path, sizeof(path), "web/static/%s", ps->name);
	if ((e = embed_find(path)) == NULL) {
		page_error(req, resp, 404);
		return;
	}
	http_body(resp, 200, ps->content_type, e->data, e->len);
	http_header_add(resp, "Cache-Control", "public, max-age=31536000, immutable");
}

static void
page_favicon(struct http_request *req, struct http_response *resp)
{
	(void)req;
	http_empty(resp, 204);
	http_header_add(resp, "Cache-Control", "public, max-age=86400");
}

/* Write the URL of a static file with its fingerprint. */
static void
page_static_url(struct page *p, const char *name)
{
	const struct page_static *ps = page_static_find(name);

	HTML_RAW(&p->h, "/static/");
	html_attr(&p->h, name);
	HTML_RAW(&p->h, "?v=");
	html_attr(&p->h, ps != NULL ? ps->version : ROUTECARE_VERSION);
}

/* ---- words ------------------------------------------------------------------------------ */

const char *
page_tr(const struct page *p, const char *msgid)
{
	return i18n_tr(p->lang, msgid);
}

void
page_say(struct page *p, const char *msgid)
{
	html_text(&p->h, i18n_tr(p->lang, msgid));
}

void
page_format(const char *lang, const char *msgid, const char *a1, const char *a2,
    const char *a3, char *out, size_t outsz)
{
	const char *t = i18n_tr(lang, msgid), *args[3] = { a1, a2, a3 }, *a;
	size_t n = 0, k;

	/* placeholders, not printf: a catalog can never supply a format */
	for (; *t != '\0' && n + 1 < outsz; t++) {
		if (t[0] == '{' && t[1] >= '1' && t[1] <= '3' && t[2] == '}') {
			a = args[t[1] - '1'] != NULL ? args[t[1] - '1'] : "";
			for (k = 0; a[k] != '\0' && n + 1 < outsz; k++)
				out[n++] = a[k];
			t += 2;
			continue;
		}
		out[n++] = *t;
	}
	out[n] = '\0';
}

void
page_say_args(struct page *p, const char *msgid, const char *a1, const char *a2,
    const char *a3)
{
	char out[2048];

	page_format(p->lang, msgid, a1, a2, a3, out, sizeof(out));
	html_text(&p->h, out);
}

const char *
page_label(const json_t *labels, const char *lang)
{
	const char *s = json_get_str(labels, lang);

	if (s == NULL || *s == '\0')
		s = json_get_str(labels, "en");
	return s;
}

void
page_int(struct page *p, int64_t n)
{
	html_textf(&p->h, "%" PRId64, n);
}

int64_t
page_iso_time(const char *iso)
{
	int y, mo, d, hh, mi, ss;
	char date[DATE_SIZE];

	if (iso == NULL || strlen(iso) != 20 || iso[10] != 'T' || iso[19] != 'Z')
		return -1;
	memcpy(date, iso, 10);
	date[10] = '\0';
	if (date_parse(date, &y, &mo, &d) != 0 ||
	    sscanf(iso + 11, "%2d:%2d:%2d", &hh, &mi, &ss) != 3 || hh > 23 || mi > 59 ||
	    ss > 60)
		return -1;
	return date_days(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss;
}

void
page_datetime(struct page *p, const char *iso)
{
	int64_t t = page_iso_time(iso);
	char out[128];

	if (t < 0) {
		page_date(p, iso);
		return;
	}
	i18n_datetime(p->lang, t, out, sizeof(out));
	html_text(&p->h, out[0] != '\0' ? out : iso);
}

void
page_date(struct page *p, const char *ymd)
{
	char out[128];

	if (ymd == NULL)
		return;
	i18n_date(p->lang, ymd, out, sizeof(out));
	html_text(&p->h, out);
}

/* ---- requests ------------------------------------------------------------------------- */

int
page_may(const struct page *p, const char *action)
{
	if (p->req->auth != HTTP_AUTH_COOKIE)
		return 0;
	return policy_allows(app_policy(p->req->app), &p->req->actor.pu, action, NULL, NULL);
}

int64_t
page_query_int(const struct http_request *req, const char *name, int64_t min,
    int64_t max, int64_t fallback)
{
	const char *s = http_query(req, name);
	int64_t v = 0;

	if (s == NULL || *s == '\0' || strlen(s) > 12)
		return fallback;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return fallback;
		v = v * 10 + (*s - '0');
	}
	return v < min || v > max ? fallback : v;
}

int
page_local_path(const char *path)
{
	size_t i, n;

	if (path == NULL || path[0] != '/' || path[1] == '/' ||
	    (n = strlen(path)) > PAGE_NEXT_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char ch = path[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || ch == '/' || ch == '-' || ch == '_' ||
		    ch == '.'))
			return 0;
		if (ch == '.' && i > 0 && path[i - 1] == '.')
			return 0;
	}
	return 1;
}

/* The supported language a request asks for in Accept-Language, or NULL. */
static const char *
page_accept_language(const struct http_request *req)
{
	const char *h = http_header(req, "Accept-Language"), *best = NULL;
	double bestq = 0.0;

	while (h != NULL && *h != '\0') {
		char tag[16];
		size_t n = 0, i;
		double q = 1.0;
		const char *semi;

		while (*h == ' ' || *h == ',')
			h++;
		while (h[n] != '\0' && h[n] != ',' && h[n] != ';' && h[n] != ' ')
			n++;
		if (n > 0 && n < sizeof(tag)) {
			memcpy(tag, h, n);
			tag[n] = '\0';
			for (i = 0; i < n && tag[i] != '-' && tag[i] != '_'; i++)
				;
			tag[i] = '\0';
		} else
			tag[0] = '\0';
		h += n;
		while (*h == ' ')
			h++;
		if (*h == ';') {
			semi = h;
			while (*semi != '\0' && *semi != ',' && *semi != '=')
				semi++;
			if (*semi == '=')
				q = strtod(semi + 1, NULL);
		}
		while (*h != '\0' && *h != ',')
			h++;
		for (i = 0; i < I18N_LANGS; i++)
			if (strcasecmp(tag, i18n_langs[i]) == 0 && q > bestq) {
				best = i18n_langs[i];
				bestq = q;
			}
	}
	return best;
}

static int
page_lang_known(const char *lang)
{
	return lang != NULL && strcmp(i18n_lang(lang), lang) == 0;
}

const char *
page_lang_guess(const struct http_request *req)
{
	const char *l = http_query(req, "lang");

	if (page_lang_known(l))
		return i18n_lang(l);
	if (req->form != NULL && page_lang_known(l = http_form(req, "lang")))
		return i18n_lang(l);
	if ((l = page_accept_language(req)) != NULL)
		return l;
	return "en";
}

/* ---- layout ------------------------------------------------------------------------------ */

static const struct page_nav {
	const char	*id;
	const char	*href;
	const char	*msgid;
	const char	*action;	/* shown when allowed; NULL: always */
} page_navs[] = {
	{ "home",	"/home",	"Home",		NULL },
	{ "cases",	"/cases",	"Cases",	"case.list" },
	{ "tasks",	"/tasks",	"Tasks",	"task.list" },
	{ "referrals",	"/referrals",	"Referrals",	"referral.receive" },
	{ "transfers",	"/transfers",	"Transfers",	"transfer.receive" },
	{ "services",	"/services",	"Services",	"service.list" },
	{ "tracing",	"/tracing",	"Tracing",	"tracing.list" },
	{ "vots",	"/vots",	"VoT records",	"vot.list" },
	{ "reports",	"/reports",	"Reports",	"report.read" },
	{ "admin",	"/admin/users",	"Admin",	"user.manage" },
	{ "account",	"/account",	"Account",	NULL },
};

static void
page_nav_link(struct page *p, const struct page_nav *n, const char *current)
{
	HTML_RAW(&p->h, "<li><a href=\"");
	html_attr(&p->h, n->href);
	HTML_RAW(&p->h, "\"");
	if (current != NULL && strcmp(current, n->id) == 0)
		HTML_RAW(&p->h, " aria-current=\"page\"");
	HTML_RAW(&p->h, ">");
	page_say(p, n->msgid);
	HTML_RAW(&p->h, "</a></li>");
}

/* <option>s of the four languages by their own names. */
static void
page_language_options(struct page *p, const char *selected)
{
	size_t i;

	for (i = 0; i < I18N_LANGS; i++) {
		HTML_RAW(&p->h, "<option value=\"");
		html_attr(&p->h, i18n_langs[i]);
		HTML_RAW(&p->h, "\" lang=\"");
		html_attr(&p->h, i18n_langs[i]);
		HTML_RAW(&p->h, "\"");
		if (strcmp(selected, i18n_langs[i]) == 0)
			HTML_RAW(&p->h, " selected");
		HTML_RAW(&p->h, ">");
		html_text(&p->h, i18n_lang_name(i18n_langs[i]));
		HTML_RAW(&p->h, "</option>");
	}
}

static void
page_header(struct page *p, const char *nav)
{
	const char *next = page_local_path(p->req->path) ? p->req->path : "/home";
	size_t i;

	HTML_RAW(&p->h, "<header class=\"site\"><div class=\"bar\">");
	if (p->req->auth != HTTP_AUTH_COOKIE) {
		HTML_RAW(&p->h, "<a class=\"brand\" href=\"/login?lang=");
		html_url_param(&p->h, p->lang);
		HTML_RAW(&p->h, "\">RouteCare</a></div></header>\n");
		return;
	}
	HTML_RAW(&p->h, "<a class=\"brand\" href=\"/home\">RouteCare</a>"
	    "<div class=\"session\"><span class=\"who\"><span class=\"vh\">");
	page_say(p, "Signed in as");
	HTML_RAW(&p->h, " </span>");
	html_text(&p->h, p->req->actor.username);
	HTML_RAW(&p->h, "</span><form class=\"inline\" method=\"post\" action=\"/logout\">");
	page_csrf(p);
	HTML_RAW(&p->h, "<button type=\"submit\" id=\"sign-out\" class=\"quiet\">");
	page_say(p, "Sign out");
	HTML_RAW(&p->h, "</button></form></div></div>\n<div class=\"bar nav-bar\">"
	    "<nav class=\"main-nav\" aria-label=\"");
	html_attr(&p->h, page_tr(p, "Main"));
	HTML_RAW(&p->h, "\"><ul>");
	for (i = 0; i < sizeof(page_navs) / sizeof(page_navs[0]); i++)
		if (page_navs[i].action == NULL || page_may(p, page_navs[i].action))
			page_nav_link(p, &page_navs[i], nav);
	HTML_RAW(&p->h, "</ul></nav><form class=\"lang-form\" method=\"post\" "
	    "action=\"/account/language\">");
	page_csrf(p);
	HTML_RAW(&p->h, "<input type=\"hidden\" name=\"next\" value=\"");
	html_attr(&p->h, next);
	HTML_RAW(&p->h, "\"><label for=\"header-language\">");
	page_say(p, "Language");
	HTML_RAW(&p->h, "</label> <select id=\"header-language\" name=\"language\">");
	page_language_options(p, p->lang);
	HTML_RAW(&p->h, "</select> <button type=\"submit\" class=\"quiet\">");
	page_say(p, "Change");
	HTML_RAW(&p->h, "</button></form></div></header>\n");
}

void
page_init(struct page *p, struct http_request *req, struct http_response *resp)
{
	memset(p, 0, sizeof(*p));
	p->req = req;
	p->resp = resp;
	p->h.b = &resp->body;
	if (req->auth == HTTP_AUTH_COOKIE) {
		p->lang = i18n_lang(req->actor.language);
		app_csrf_token(req->app, req->token, p->csrf);
	} else
		p->lang = page_lang_guess(req);
}

void
page_start(struct page *p, struct http_request *req, struct http_response *resp,
    const char *title, const char *nav)
{
	page_init(p, req, resp);
	page_head(p, title, nav);
}

void
page_head(struct page *p, const char *title, const char *nav)
{
	buf_reset(&p->resp->body);
	p->h.failed = 0;
	HTML_RAW(&p->h, "<!DOCTYPE html>\n<html lang=\"");
	html_attr(&p->h, p->lang);
	if (i18n_rtl(p->lang))
		HTML_RAW(&p->h, "\" dir=\"rtl\">");
	else
		HTML_RAW(&p->h, "\" dir=\"ltr\">");
	HTML_RAW(&p->h, "\n<head>\n<meta charset=\"utf-8\">\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	    "<title>RouteCare \xe2\x80\x94 ");
	page_say(p, title);
	HTML_RAW(&p->h, "</title>\n<link rel=\"stylesheet\" href=\"");
	page_static_url(p, "app.css");
	HTML_RAW(&p->h, "\">\n<link rel=\"icon\" type=\"image/svg+xml\" href=\"");
	page_static_url(p, "icon.svg");
	HTML_RAW(&p->h, "\">\n<script src=\"");
	page_static_url(p, "app.js");
	HTML_RAW(&p->h, "\" defer></script>\n</head>\n<body>\n<a class=\"skip\" "
	    "href=\"#main\">");
	page_say(p, "Skip to main content");
	HTML_RAW(&p->h, "</a>\n");
	page_header(p, nav);
	HTML_RAW(&p->h, "<main id=\"main\" tabindex=\"-1\">\n");
}

void
page_finish(struct page *p, unsigned status)
{
	HTML_RAW(&p->h, "</main>\n<footer class=\"site\"><p>RouteCare ");
	html_text(&p->h, ROUTECARE_VERSION);
	HTML_RAW(&p->h, "</p></footer>\n</body>\n</html>\n");
	sodium_memzero(p->csrf, sizeof(p->csrf));
	p->resp->status = status;
	p->resp->content_type = "text/html; charset=utf-8";
	if (p->h.failed)
		p->resp->failed = 1;
}

void
page_h1(struct page *p, const char *text)
{
	/* <bdi>: a name in one script reads right inside a page in another */
	HTML_RAW(&p->h, "<h1 id=\"page-title\"><bdi>");
	html_text(&p->h, text);
	HTML_RAW(&p->h, "</bdi></h1>\n");
}

void
page_csrf(struct page *p)
{
	HTML_RAW(&p->h, "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_attr(&p->h, p->csrf);
	HTML_RAW(&p->h, "\">");
}

void
page_notice(struct page *p, const char *text)
{
	HTML_RAW(&p->h, "<p class=\"notice\" role=\"status\">");
	html_text(&p->h, text);
	HTML_RAW(&p->h, "</p>\n");
}

void
page_alert(struct page *p, const char *id, const char *text)
{
	HTML_RAW(&p->h, "<p class=\"alert\" role=\"alert\" id=\"");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\">");
	html_text(&p->h, text);
	HTML_RAW(&p->h, "</p>\n");
}

/* ---- errors ------------------------------------------------------------------------------ */

static const struct page_status {
	unsigned	 status;
	const char	*title;
	const char	*text;
} page_statuses[] = {
	{ 400, "Bad request", "The request could not be understood. Go back and try again." },
	{ 403, "Not allowed", "You are not allowed to do this, or the form had expired. Go "
	    "back, reload the page and try again." },
	{ 404, "Page not found", "There is no page at this address, or you may not see it." },
	{ 405, "Not allowed", "This page cannot be used that way." },
	{ 413, "Too large", "What you sent is over the size limit." },
	{ 415, "Bad request", "The request could not be understood. Go back and try again." },
	{ 500, "Something went wrong", "The server could not answer this request. Try "
	    "again in a moment." },
	{ 503, "Unavailable", "The server is busy or stopping. Try again in a moment." },
};

void
page_error(struct http_request *req, struct http_response *resp, unsigned status)
{
	const struct page_status *ps = &page_statuses[6];	/* 500 */
	struct page p;
	size_t i;

	for (i = 0; i < sizeof(page_statuses) / sizeof(page_statuses[0]); i++)
		if (page_statuses[i].status == status)
			ps = &page_statuses[i];
	page_start(&p, req, resp, ps->title, NULL);
	page_h1(&p, page_tr(&p, ps->title));
	HTML_RAW(&p.h, "<p>");
	page_say(&p, ps->text);
	HTML_RAW(&p.h, "</p>\n<p><a href=\"");
	if (req->auth == HTTP_AUTH_COOKIE) {
		HTML_RAW(&p.h, "/home\">");
		page_say(&p, "Go to the home page");
	} else {
		HTML_RAW(&p.h, "/login\">");
		page_say(&p, "Sign in");
	}
	HTML_RAW(&p.h, "</a></p>\n");
	page_finish(&p, status);
}

void
page_app_error(struct http_request *req, struct http_response *resp, int rc,
    const struct app_error *err)
{
	(void)err;
	switch (rc) {
	case RC_ENOTFOUND:
		page_error(req, resp, 404);
		break;
	case RC_EDENIED:
		page_error(req, resp, 403);
		break;
	case RC_EAUTH:
		http_redirect(resp, "/login");
		break;
	case RC_EINVALID:
		page_error(req, resp, 400);
		break;
	case RC_ETOOBIG:
		page_error(req, resp, 413);
		break;
	default:
		/* the rc and the route, never the message: it may name a case */
		log_error("%s %s: %s", http_method_name(req->method),
		    req->route != NULL ? req->route->pattern : "-", rc_name(rc));
		page_error(req, resp, 500);
		break;
	}
}

/* ---- shared pieces ---------------------------------------------------------------------- */

static const struct page_role {
	const char	*id;
	const char	*msgid;
} page_roles[] = {
	{ "caseworker",		"Caseworker" },
	{ "supervisor",		"Supervisor" },
	{ "ftr_officer",	"Family tracing officer" },
	{ "ct_officer",		"Counter-trafficking officer" },
	{ "referral_partner",	"Referral partner" },
	{ "mne_officer",	"M&E officer" },
	{ "dpo",		"Data protection officer" },
	{ "admin",		"Administrator" },
};

const char *
page_role_name(const struct page *p, const char *role)
{
	size_t i;

	for (i = 0; role != NULL && i < sizeof(page_roles) / sizeof(page_roles[0]); i++)
		if (strcmp(page_roles[i].id, role) == 0)
			return page_tr(p, page_roles[i].msgid);
	return role != NULL ? role : "";
}

void
page_option_text(const struct page *p, const json_t *field, const char *id, char *out,
    size_t outsz)
{
	const char *names = json_get_str(field, "display_names"), *t;
	const json_t *o;
	size_t i;

	out[0] = '\0';
	if (id == NULL)
		return;
	if (names != NULL && strcmp(names, "icu_region") == 0) {
		i18n_region(p->lang, id, out, outsz);
		return;
	}
	if (names != NULL && strcmp(names, "icu_language") == 0) {
		i18n_language(p->lang, id, out, outsz);
		return;
	}
	json_array_foreach(json_object_get(field, "options"), i, o) {
		if (strcmp(json_get_str(o, "id") ? json_get_str(o, "id") : "", id) != 0)
			continue;
		if ((t = page_label(json_object_get(o, "display_text"), p->lang)) != NULL) {
			str_copy(out, outsz, t);
			return;
		}
		break;
	}
	str_copy(out, outsz, id);
}

const char *
page_location_name(const struct page *p, const json_t *locations, const char *code)
{
	const json_t *l;
	const char *n;
	size_t i;

	if (code == NULL)
		return "";
	json_array_foreach(locations, i, l)
		if (strcmp(json_get_str(l, "code") ? json_get_str(l, "code") : "", code) == 0) {
			n = page_label(json_object_get(l, "names"), p->lang);
			return n != NULL ? n : code;
		}
	return code;
}

void
page_location_options(struct page *p, const json_t *locations, const char *selected)
{
	const json_t *l;
	const char *code, *name;
	json_int_t level, k;
	size_t i;

	json_array_foreach(locations, i, l) {
		if ((code = json_get_str(l, "code")) == NULL)
			continue;
		name = page_label(json_object_get(l, "names"), p->lang);
		level = json_integer_value(json_object_get(l, "level"));
		HTML_RAW(&p->h, "<option value=\"");
		html_attr(&p->h, code);
		HTML_RAW(&p->h, "\"");
		if (selected != NULL && strcmp(selected, code) == 0)
			HTML_RAW(&p->h, " selected");
		HTML_RAW(&p->h, ">");
		for (k = 0; k < level && k < 6; k++)
			HTML_RAW(&p->h, "\xc2\xa0\xc2\xa0");	/* no-break spaces */
		html_text(&p->h, name != NULL ? name : code);
		HTML_RAW(&p->h, "</option>");
	}
}

/* A risk badge saying `msgid` (NULL: the level's own name). */
static void
page_risk_text(struct page *p, const char *risk, const char *msgid)
{
	if (risk != NULL && strcmp(risk, "high") == 0) {
		HTML_RAW(&p->h, "<span class=\"risk risk-high\">");
		page_say(p, msgid != NULL ? msgid : "High");
	} else if (risk != NULL && strcmp(risk, "medium") == 0) {
		HTML_RAW(&p->h, "<span class=\"risk risk-medium\">");
		page_say(p, msgid != NULL ? msgid : "Medium");
	} else if (risk != NULL && strcmp(risk, "low") == 0) {
		HTML_RAW(&p->h, "<span class=\"risk risk-low\">");
		page_say(p, msgid != NULL ? msgid : "Low");
	} else {
		HTML_RAW(&p->h, "<span class=\"risk risk-none\">");
		page_say(p, msgid != NULL ? msgid : "Not set");
	}
	HTML_RAW(&p->h, "</span>");
}

void
page_risk(struct page *p, const char *risk)
{
	page_risk_text(p, risk, NULL);
}

/* ---- signing in and out ---------------------------------------------------------------- */

static void
page_root(struct http_request *req, struct http_response *resp)
{
	http_redirect(resp, req->auth == HTTP_AUTH_COOKIE ? "/home" : "/login");
}

/* The pre-login token: the cookie's when it is well formed, else a new one. */
static void
page_prelogin_token(const struct http_request *req, char out[APP_TOKEN_SIZE])
{
	const char *c = http_cookie(req, HTTP_PRELOGIN_COOKIE);
	unsigned char raw[PAGE_PRELOGIN_BYTES];
	size_t i, n;

	if (c != NULL && (n = strlen(c)) == APP_TOKEN_SIZE - 1) {
		for (i = 0; i < n; i++)
			if (!((c[i] >= 'a' && c[i] <= 'z') || (c[i] >= 'A' && c[i] <= 'Z') ||
			    (c[i] >= '0' && c[i] <= '9') || c[i] == '-' || c[i] == '_'))
				break;
		if (i == n) {
			memcpy(out, c, n + 1);
			return;
		}
	}
	randombytes_buf(raw, sizeof(raw));
	sodium_bin2base64(out, APP_TOKEN_SIZE, raw, sizeof(raw),
	    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
	sodium_memzero(raw, sizeof(raw));
}

/* Messages the login page shows after a redirect (?done=...): fixed texts only. */
static const struct page_done {
	const char	*key;
	const char	*msgid;
} page_login_dones[] = {
	{ "out",	"You have signed out." },
	{ "password",	"Your password has been changed. Sign in with the new one." },
};

/* The sign-in form, with `error` (translated) when not NULL. */
static void
page_login_form(struct http_request *req, struct http_response *resp,
    const char *error, const char *username, unsigned status)
{
	char token[APP_TOKEN_SIZE];
	const char *done = http_query(req, "done");
	struct page p;
	size_t i;

	page_prelogin_token(req, token);
	page_start(&p, req, resp, "Sign in", NULL);
	http_header_add(resp, "Set-Cookie", HTTP_PRELOGIN_COOKIE "=%s; HttpOnly; "
	    "SameSite=Strict; Path=/", token);
	HTML_RAW(&p.h, "<div class=\"narrow\">\n");
	page_h1(&p, page_tr(&p, "Sign in"));
	HTML_RAW(&p.h, "<nav class=\"languages\" aria-label=\"");
	html_attr(&p.h, page_tr(&p, "Language"));
	HTML_RAW(&p.h, "\"><ul>");
	for (i = 0; i < I18N_LANGS; i++) {
		HTML_RAW(&p.h, "<li><a href=\"/login?lang=");
		html_url_param(&p.h, i18n_langs[i]);
		HTML_RAW(&p.h, "\" lang=\"");
		html_attr(&p.h, i18n_langs[i]);
		HTML_RAW(&p.h, "\" hreflang=\"");
		html_attr(&p.h, i18n_langs[i]);
		HTML_RAW(&p.h, "\"");
		if (strcmp(p.lang, i18n_langs[i]) == 0)
			HTML_RAW(&p.h, " aria-current=\"true\"");
		HTML_RAW(&p.h, ">");
		html_text(&p.h, i18n_lang_name(i18n_langs[i]));
		HTML_RAW(&p.h, "</a></li>");
	}
	HTML_RAW(&p.h, "</ul></nav>\n");
	for (i = 0; done != NULL && i < sizeof(page_login_dones) /
	    sizeof(page_login_dones[0]); i++)
		if (strcmp(done, page_login_dones[i].key) == 0 && error == NULL)
			page_notice(&p, page_tr(&p, page_login_dones[i].msgid));
	if (error != NULL)
		page_alert(&p, "login-error", error);
	HTML_RAW(&p.h, "<form method=\"post\" action=\"/login\" class=\"card\" novalidate>"
	    "<input type=\"hidden\" name=\"csrf\" value=\"");
	html_attr(&p.h, token);
	HTML_RAW(&p.h, "\"><input type=\"hidden\" name=\"lang\" value=\"");
	html_attr(&p.h, p.lang);
	HTML_RAW(&p.h, "\">\n<div class=\"field\"><label for=\"username\">");
	page_say(&p, "Username");
	HTML_RAW(&p.h, "</label><input type=\"text\" id=\"username\" name=\"username\" "
	    "autocomplete=\"username\" autocapitalize=\"none\" spellcheck=\"false\" "
	    "required maxlength=\"63\" dir=\"ltr\"");
	if (error != NULL)
		HTML_RAW(&p.h, " aria-describedby=\"login-error\"");
	if (username != NULL) {
		HTML_RAW(&p.h, " value=\"");
		html_attr(&p.h, username);
		HTML_RAW(&p.h, "\"");
	} else
		HTML_RAW(&p.h, " autofocus");
	HTML_RAW(&p.h, "></div>\n<div class=\"field\"><label for=\"password\">");
	page_say(&p, "Password");
	HTML_RAW(&p.h, "</label><input type=\"password\" id=\"password\" name=\"password\" "
	    "autocomplete=\"current-password\" required maxlength=\"1024\" dir=\"ltr\"");
	if (username != NULL)
		HTML_RAW(&p.h, " autofocus");
	HTML_RAW(&p.h, "></div>\n<button type=\"submit\" id=\"sign-in\">");
	page_say(&p, "Sign in");
	HTML_RAW(&p.h, "</button></form>\n</div>\n");
	sodium_memzero(token, sizeof(token));
	page_finish(&p, status);
}

static void
page_login(struct http_request *req, struct http_response *resp)
{
	if (req->auth == HTTP_AUTH_COOKIE) {
		http_redirect(resp, "/home");
		return;
	}
	page_login_form(req, resp, NULL, NULL, 200);
}

static void
page_login_post(struct http_request *req, struct http_response *resp)
{
	struct app_login login = { 0 };		/* token wiped, user decref'd */
	struct app_error err = { 0 };
	const char *username = http_form(req, "username");
	const char *password = http_form(req, "password");
	const char *lang = page_lang_guess(req);
	char msg[512], num[24];
	int64_t max_age, minutes;
	int rc;

	if (username == NULL || password == NULL || *username == '\0' ||
	    *password == '\0') {
		page_login_form(req, resp, i18n_tr(lang, "Enter your username and password."),
		    username, 200);
		return;
	}
	rc = app_login(req->app, username, password, &login, &err);
	if (rc == RC_OK) {
		max_age = login.expires_at - clock_now();
		http_redirect(resp, "/home");
		http_header_add(resp, "Set-Cookie", HTTP_SESSION_COOKIE "=%s; HttpOnly; "
		    "SameSite=Strict; Path=/; Max-Age=%" PRId64, login.token,
		    max_age > 0 ? max_age : 0);
		http_header_add(resp, "Set-Cookie", HTTP_PRELOGIN_COOKIE "=; HttpOnly; "
		    "SameSite=Strict; Path=/; Max-Age=0");
	} else if (rc == RC_ELOCKED) {
		minutes = (login.retry_after + 59) / 60;
		snprintf(num, sizeof(num), "%" PRId64, minutes);
		page_format(lang, minutes > 1 ? "This account is locked after too many wrong "
		    "passwords. Try again in {1} minutes." : "This account is locked after "
		    "too many wrong passwords. Try again in a minute.", num, NULL, NULL, msg,
		    sizeof(msg));
		page_login_form(req, resp, msg, username, 200);
	} else if (rc == RC_EAUTH || rc == RC_EINVALID) {
		page_login_form(req, resp, i18n_tr(lang, "Wrong username or password."),
		    username, 200);
	} else
		page_app_error(req, resp, rc, &err);
	sodium_memzero(login.token, sizeof(login.token));
	json_decref(login.user);
}

static void
page_logout(struct http_request *req, struct http_response *resp)
{
	char location[64];

	snprintf(location, sizeof(location), "/login?lang=%s&done=out",
	    i18n_lang(req->actor.language));
	app_logout(req->app, req->token);
	http_redirect(resp, location);
	http_header_add(resp, "Set-Cookie", HTTP_SESSION_COOKIE "=; HttpOnly; "
	    "SameSite=Strict; Path=/; Max-Age=0");
}

/* ---- home ------------------------------------------------------------------------------ */

/* Order of a caseworker's cases within a risk group: overdue first, then by due
 * time, then the rest as listed. */
static int
page_home_cmp(const void *a, const void *b)
{
	const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
	int ox = json_is_true(json_object_get(x, "overdue"));
	int oy = json_is_true(json_object_get(y, "overdue"));
	const char *dx = json_get_str(x, "assessment_due");
	const char *dy = json_get_str(y, "assessment_due");

	if (ox != oy)
		return oy - ox;
	if (dx != NULL && dy != NULL)
		return strcmp(dx, dy);
	return (dx == NULL) - (dy == NULL);
}

/* 1 when the case's response deadline (its initial assessment) is late. */
static int
page_response_late(const json_t *c)
{
	const json_t *d;
	size_t i;

	json_array_foreach(json_object_get(c, "deadlines"), i, d)
		if (json_get_str(d, "kind") != NULL &&
		    strcmp(json_get_str(d, "kind"), "response") == 0)
			return json_is_true(json_object_get(d, "overdue"));
	return 0;
}

void
page_due(struct page *p, const json_t *c)
{
	const char *due = json_get_str(c, "assessment_due");
	int64_t t = page_iso_time(due);
	char when[128];

	if (due == NULL)
		return;
	when[0] = '\0';
	if (t >= 0)
		i18n_datetime(p->lang, t, when, sizeof(when));
	if (page_response_late(c)) {
		HTML_RAW(&p->h, "<span class=\"due overdue\"><span aria-hidden=\"true\">"
		    "\xe2\x9a\xa0 </span>");
		page_say_args(p, "Overdue: the assessment was due {1}", when, NULL, NULL);
	} else {
		HTML_RAW(&p->h, "<span class=\"due\">");
		page_say_args(p, "Assessment due {1}", when, NULL, NULL);
	}
	HTML_RAW(&p->h, "</span>");
}

static const struct page_risk_group {
	const char	*id;		/* risk_level, "" for none */
	const char	*msgid;
} page_risk_groups[] = {
	{ "high",	"High risk" },
	{ "medium",	"Medium risk" },
	{ "low",	"Low risk" },
	{ "",		"Risk not set" },
};

static void
page_home_caseworker(struct page *p)
{
	struct app_case_query q = { 0 };
	struct app_error err = { 0 };
	json_t *out = NULL, *rows, *c;
	const json_t **group = NULL;
	const char *risk, *name;
	size_t i, g, n, total;
	int64_t overdue = 0;
	char num[32], num2[32];
	int rc;

	q.status = "open";
	q.per = 100;
	if ((rc = app_case_list(p->req->app, &p->req->actor, &q, &out, &err)) != RC_OK) {
		page_alert(p, "home-error", page_tr(p, "Your cases cannot be listed now."));
		return;
	}
	rows = json_object_get(out, "data");
	total = (size_t)json_integer_value(json_object_get(json_object_get(out,
	    "metadata"), "total"));
	json_array_foreach(rows, i, c)
		overdue += json_is_true(json_object_get(c, "overdue"));
	snprintf(num, sizeof(num), "%zu", total);
	snprintf(num2, sizeof(num2), "%" PRId64, overdue);
	HTML_RAW(&p->h, "<p class=\"lead\">");
	page_say_args(p, "{1} open cases, {2} with something overdue.", num, num2, NULL);
	HTML_RAW(&p->h, "</p>\n");
	if (page_may(p, "case.create")) {
		HTML_RAW(&p->h, "<p><a class=\"button\" href=\"/cases/new\">");
		page_say(p, "Register a case");
		HTML_RAW(&p->h, "</a></p>\n");
	}
	page_home_tasks(p);
	if ((group = calloc(json_array_size(rows) + 1, sizeof(*group))) == NULL) {
		p->h.failed = 1;
		goto out;
	}
	for (g = 0; g < sizeof(page_risk_groups) / sizeof(page_risk_groups[0]); g++) {
		n = 0;
		json_array_foreach(rows, i, c) {
			risk = json_get_str(c, "risk_level");
			if (strcmp(risk != NULL ? risk : "", page_risk_groups[g].id) == 0)
				group[n++] = c;
		}
		qsort(group, n, sizeof(*group), page_home_cmp);
		HTML_RAW(&p->h, "<section class=\"group\" aria-labelledby=\"group-");
		html_attr(&p->h, g == 3 ? "none" : page_risk_groups[g].id);
		HTML_RAW(&p->h, "\"><h2 id=\"group-");
		html_attr(&p->h, g == 3 ? "none" : page_risk_groups[g].id);
		HTML_RAW(&p->h, "\">");
		page_risk_text(p, page_risk_groups[g].id, page_risk_groups[g].msgid);
		HTML_RAW(&p->h, " <span class=\"count\">(");
		page_int(p, (int64_t)n);
		HTML_RAW(&p->h, ")</span></h2>\n");
		if (n == 0) {
			HTML_RAW(&p->h, "<p class=\"muted\">");
			page_say(p, "No open cases.");
			HTML_RAW(&p->h, "</p></section>\n");
			continue;
		}
		HTML_RAW(&p->h, "<ul class=\"case-items\">");
		for (i = 0; i < n && i < PAGE_HOME_GROUP_MAX; i++) {
			const char *sid = json_get_str(group[i], "short_id");

			name = json_get_str(group[i], "name");
			HTML_RAW(&p->h, "<li><a class=\"home-case\" href=\"/cases/");
			html_url_param(&p->h, sid);
			HTML_RAW(&p->h, "\"><bdi>");
			html_text(&p->h, name != NULL ? name : sid);
			HTML_RAW(&p->h, "</bdi></a> <span class=\"sid\">");
			html_text(&p->h, sid);
			HTML_RAW(&p->h, "</span>");
			HTML_RAW(&p->h, " ");
			page_due(p, group[i]);
			HTML_RAW(&p->h, "</li>");
		}
		HTML_RAW(&p->h, "</ul>\n");
		if (n > PAGE_HOME_GROUP_MAX) {
			snprintf(num, sizeof(num), "%zu", n - PAGE_HOME_GROUP_MAX);
			HTML_RAW(&p->h, "<p><a href=\"/cases?status=open");
			if (g < 3) {
				HTML_RAW(&p->h, "&amp;risk_level=");
				html_url_param(&p->h, page_risk_groups[g].id);
			}
			HTML_RAW(&p->h, "\">");
			page_say_args(p, "and {1} more", num, NULL, NULL);
			HTML_RAW(&p->h, "</a></p>\n");
		}
		HTML_RAW(&p->h, "</section>\n");
	}
	if (total > json_array_size(rows)) {
		HTML_RAW(&p->h, "<p><a href=\"/cases?status=open\">");
		page_say(p, "See all your open cases");
		HTML_RAW(&p->h, "</a></p>\n");
	}
out:
	free(group);
	json_decref(out);
}

static void
page_home_supervisor(struct page *p)
{
	static const char *const cols[] = { "open", "high", "medium", "low", "none",
	    "overdue" };
	static const char *const heads[] = { "Open", "High", "Medium", "Low", "Not set",
	    "Overdue tasks" };
	struct app_error err = { 0 };
	json_t *out = NULL, *line, *meta;
	const char *full;
	char num[32], num2[32];
	size_t i, k;

	if (app_caseload(p->req->app, &p->req->actor, &out, &err) != RC_OK) {
		page_alert(p, "home-error", page_tr(p, "The caseload cannot be shown now."));
		return;
	}
	meta = json_object_get(out, "metadata");
	snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
	    json_integer_value(json_object_get(meta, "open")));
	snprintf(num2, sizeof(num2), "%" JSON_INTEGER_FORMAT,
	    json_integer_value(json_object_get(meta, "overdue")));
	HTML_RAW(&p->h, "<p class=\"lead\">");
	page_say_args(p, "{1} open cases, {2} overdue tasks.", num, num2, NULL);
	HTML_RAW(&p->h, "</p>\n<div class=\"table-wrap\"><table id=\"caseload\" "
	    "class=\"numbers cards\"><caption>");
	page_say(p, "Open cases per caseworker");
	HTML_RAW(&p->h, "</caption><thead><tr><th scope=\"col\">");
	page_say(p, "Caseworker");
	HTML_RAW(&p->h, "</th>");
	for (k = 0; k < 6; k++) {
		HTML_RAW(&p->h, "<th scope=\"col\">");
		page_say(p, heads[k]);
		HTML_RAW(&p->h, "</th>");
	}
	HTML_RAW(&p->h, "</tr></thead><tbody>");
	json_array_foreach(json_object_get(out, "data"), i, line) {
		HTML_RAW(&p->h, "<tr><th scope=\"row\">");
		full = json_get_str(line, "full_name");
		if (full != NULL && *full != '\0') {
			html_text(&p->h, full);
			HTML_RAW(&p->h, " <span class=\"sid\">");
			html_text(&p->h, json_get_str(line, "user"));
			HTML_RAW(&p->h, "</span>");
		} else
			html_text(&p->h, json_get_str(line, "user"));
		HTML_RAW(&p->h, "</th>");
		for (k = 0; k < 6; k++) {
			json_int_t v = json_integer_value(json_object_get(line, cols[k]));

			if (k == 5 && v > 0)
				HTML_RAW(&p->h, "<td class=\"overdue\" data-label=\"");
			else
				HTML_RAW(&p->h, "<td data-label=\"");
			html_attr(&p->h, page_tr(p, heads[k]));
			HTML_RAW(&p->h, "\">");
			html_textf(&p->h, "%" JSON_INTEGER_FORMAT, v);
			HTML_RAW(&p->h, "</td>");
		}
		HTML_RAW(&p->h, "</tr>");
	}
	HTML_RAW(&p->h, "</tbody></table></div>\n<p><a href=\"/cases?status=open\">");
	page_say(p, "See the agency's open cases");
	HTML_RAW(&p->h, "</a>");
	if (page_may(p, "case.create")) {
		HTML_RAW(&p->h, " \xc2\xb7 <a href=\"/cases/new\">");
		page_say(p, "Register a case");
		HTML_RAW(&p->h, "</a>");
	}
	HTML_RAW(&p->h, "</p>\n");
	json_decref(out);
	page_home_tasks(p);
}

static void
page_home_admin(struct page *p)
{
	struct app_error err = { 0 };
	json_t *out = NULL;
	char num[32];

	if (app_admin_summary(p->req->app, &p->req->actor, &out, &err) != RC_OK) {
		page_alert(p, "home-error", page_tr(p, "The summary cannot be shown now."));
		return;
	}
	HTML_RAW(&p->h, "<ul class=\"tiles\">\n<li><a href=\"/admin/users\"><span "
	    "class=\"big\">");
	html_textf(&p->h, "%" JSON_INTEGER_FORMAT,
	    json_integer_value(json_object_get(out, "users")));
	HTML_RAW(&p->h, "</span> ");
	page_say(p, "Users");
	HTML_RAW(&p->h, "</a><p class=\"muted\">");
	snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT,
	    json_integer_value(json_object_get(out, "disabled_users")));
	page_say_args(p, "{1} disabled", num, NULL, NULL);
	HTML_RAW(&p->h, "</p></li>\n<li><a href=\"/admin/agencies\"><span class=\"big\">");
	html_textf(&p->h, "%" JSON_INTEGER_FORMAT,
	    json_integer_value(json_object_get(out, "agencies")));
	HTML_RAW(&p->h, "</span> ");
	page_say(p, "Agencies");
	HTML_RAW(&p->h, "</a></li>\n<li><a href=\"/admin/locations\"><span class=\"big\">");
	html_textf(&p->h, "%" JSON_INTEGER_FORMAT,
	    json_integer_value(json_object_get(out, "locations")));
	HTML_RAW(&p->h, "</span> ");
	page_say(p, "Locations");
	HTML_RAW(&p->h, "</a></li>\n</ul>\n");
	json_decref(out);
}

static void
page_home_other(struct page *p)
{
	int any = 0;

	HTML_RAW(&p->h, "<p class=\"lead\">");
	page_say_args(p, "You are signed in as {1} ({2}).", p->req->actor.username,
	    page_role_name(p, p->req->actor.pu.role), NULL);
	HTML_RAW(&p->h, "</p>\n<h2>");
	page_say(p, "What you can do here");
	HTML_RAW(&p->h, "</h2>\n<ul class=\"links\">");
	if (page_may(p, "case.list")) {
		HTML_RAW(&p->h, "<li><a href=\"/cases\">");
		page_say(p, "Find cases");
		HTML_RAW(&p->h, "</a></li>");
		any = 1;
	}
	if (page_may(p, "case.create")) {
		HTML_RAW(&p->h, "<li><a href=\"/cases/new\">");
		page_say(p, "Register a case");
		HTML_RAW(&p->h, "</a></li>");
		any = 1;
	}
	if (page_may(p, "vot.list")) {
		HTML_RAW(&p->h, "<li><a href=\"/vots\">");
		page_say(p, "Victims of trafficking");
		HTML_RAW(&p->h, "</a></li>");
		any = 1;
	}
	if (page_may(p, "report.read")) {
		HTML_RAW(&p->h, "<li><a href=\"/reports\">");
		page_say(p, "Reports");
		HTML_RAW(&p->h, "</a></li>");
		any = 1;
	}
	HTML_RAW(&p->h, "<li><a href=\"/account\">");
	page_say(p, "Change your password or language");
	HTML_RAW(&p->h, "</a></li></ul>\n");
	if (!any) {
		HTML_RAW(&p->h, "<p class=\"muted\">");
		page_say(p, "There are no pages for your role yet. Ask your administrator if "
		    "you need to work with cases.");
		HTML_RAW(&p->h, "</p>\n");
	}
}

static void
page_home(struct http_request *req, struct http_response *resp)
{
	const char *role = req->actor.pu.role;
	struct page p;

	if (strcmp(role, "caseworker") == 0) {
		page_start(&p, req, resp, "My open cases", "home");
		page_h1(&p, page_tr(&p, "My open cases"));
		page_home_caseworker(&p);
	} else if (strcmp(role, "supervisor") == 0) {
		page_start(&p, req, resp, "Caseload", "home");
		page_h1(&p, page_tr(&p, "Caseload"));
		page_home_supervisor(&p);
	} else if (policy_allows(app_policy(req->app), &req->actor.pu, "user.manage", NULL,
	    NULL)) {
		page_start(&p, req, resp, "Administration", "home");
		page_h1(&p, page_tr(&p, "Administration"));
		page_home_admin(&p);
	} else {
		page_start(&p, req, resp, "Home", "home");
		page_h1(&p, page_tr(&p, "Welcome"));
		page_home_other(&p);
	}
	page_finish(&p, 200);
}

/* ---- account ------------------------------------------------------------------------------ */

/* A password input with its label and, when `problem` is set, its error. */
static void
page_password_input(struct page *p, const char *id, const char *label,
    const char *autocomplete, const char *problem)
{
	HTML_RAW(&p->h, "<div class=\"field\"><label for=\"");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\">");
	page_say(p, label);
	HTML_RAW(&p->h, "</label>");
	if (problem != NULL) {
		HTML_RAW(&p->h, "<p class=\"field-error\" id=\"error-");
		html_attr(&p->h, id);
		HTML_RAW(&p->h, "\">");
		html_text(&p->h, problem);
		HTML_RAW(&p->h, "</p>");
	}
	HTML_RAW(&p->h, "<input type=\"password\" id=\"");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\" name=\"");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\" autocomplete=\"");
	html_attr(&p->h, autocomplete);
	HTML_RAW(&p->h, "\" required maxlength=\"1024\" dir=\"ltr\"");
	if (problem != NULL) {
		HTML_RAW(&p->h, " aria-invalid=\"true\" aria-describedby=\"error-");
		html_attr(&p->h, id);
		HTML_RAW(&p->h, "\"");
	}
	HTML_RAW(&p->h, "></div>\n");
}

struct page_account_problems {
	const char	*old_password, *new_password, *new_password_again;
};

static void
page_account_render(struct http_request *req, struct http_response *resp,
    const struct page_account_problems *pp, unsigned status)
{
	json_t *me = app_user_json(req->app, req->actor.pu.id);	/* owned */
	const char *s;
	struct page p;

	page_start(&p, req, resp, "Your account", "account");
	page_h1(&p, page_tr(&p, "Your account"));
	if (http_query(req, "done") != NULL && strcmp(http_query(req, "done"),
	    "language") == 0)
		page_notice(&p, page_tr(&p, "Your language has been changed."));
	HTML_RAW(&p.h, "<dl class=\"facts\"><div><dt>");
	page_say(&p, "Username");
	HTML_RAW(&p.h, "</dt><dd>");
	html_text(&p.h, req->actor.username);
	HTML_RAW(&p.h, "</dd></div>");
	if ((s = json_get_str(me, "full_name")) != NULL && *s != '\0') {
		HTML_RAW(&p.h, "<div><dt>");
		page_say(&p, "Full name");
		HTML_RAW(&p.h, "</dt><dd>");
		html_text(&p.h, s);
		HTML_RAW(&p.h, "</dd></div>");
	}
	HTML_RAW(&p.h, "<div><dt>");
	page_say(&p, "Role");
	HTML_RAW(&p.h, "</dt><dd>");
	html_text(&p.h, page_role_name(&p, req->actor.pu.role));
	HTML_RAW(&p.h, "</dd></div>");
	if ((s = json_get_str(me, "agency")) != NULL) {
		HTML_RAW(&p.h, "<div><dt>");
		page_say(&p, "Agency");
		HTML_RAW(&p.h, "</dt><dd>");
		html_text(&p.h, s);
		HTML_RAW(&p.h, "</dd></div>");
	}
	HTML_RAW(&p.h, "</dl>\n<section aria-labelledby=\"password-title\"><h2 "
	    "id=\"password-title\">");
	page_say(&p, "Change password");
	HTML_RAW(&p.h, "</h2>\n");
	if (pp != NULL)
		page_alert(&p, "password-error", page_tr(&p, "The password was not changed."));
	HTML_RAW(&p.h, "<form method=\"post\" action=\"/account/password\" class=\"card\">");
	page_csrf(&p);
	page_password_input(&p, "old_password", "Current password", "current-password",
	    pp != NULL ? pp->old_password : NULL);
	page_password_input(&p, "new_password", "New password (at least 10 characters)",
	    "new-password", pp != NULL ? pp->new_password : NULL);
	page_password_input(&p, "new_password_again", "New password again", "new-password",
	    pp != NULL ? pp->new_password_again : NULL);
	HTML_RAW(&p.h, "<p class=\"hint\">");
	page_say(&p, "You will be signed out everywhere and sign in again with the new "
	    "password.");
	HTML_RAW(&p.h, "</p><button type=\"submit\" id=\"change-password\">");
	page_say(&p, "Change password");
	HTML_RAW(&p.h, "</button></form></section>\n<section aria-labelledby=\"language-"
	    "title\"><h2 id=\"language-title\">");
	page_say(&p, "Language");
	HTML_RAW(&p.h, "</h2>\n<form method=\"post\" action=\"/account/language\" "
	    "class=\"card\">");
	page_csrf(&p);
	HTML_RAW(&p.h, "<input type=\"hidden\" name=\"next\" value=\"/account\">"
	    "<div class=\"field\"><label for=\"language\">");
	page_say(&p, "Language of the pages");
	HTML_RAW(&p.h, "</label><select id=\"language\" name=\"language\">");
	page_language_options(&p, p.lang);
	HTML_RAW(&p.h, "</select></div><button type=\"submit\" id=\"set-language\">");
	page_say(&p, "Save language");
	HTML_RAW(&p.h, "</button></form></section>\n");
	json_decref(me);
	page_finish(&p, status);
}

static void
page_account(struct http_request *req, struct http_response *resp)
{
	page_account_render(req, resp, NULL, 200);
}

static void
page_account_password(struct http_request *req, struct http_response *resp)
{
	struct page_account_problems pp = { 0 };
	struct app_error err = { 0 };
	const char *old = http_form(req, "old_password");
	const char *new = http_form(req, "new_password");
	const char *again = http_form(req, "new_password_again");
	const char *lang = i18n_lang(req->actor.language);
	char location[64];
	int rc;

	if (old == NULL || *old == '\0')
		pp.old_password = i18n_tr(lang, "Enter your current password.");
	if (new == NULL || strlen(new) < APP_PASSWORD_MIN)
		pp.new_password = i18n_tr(lang, "The new password needs at least 10 "
		    "characters.");
	else if (again == NULL || strcmp(new, again) != 0)
		pp.new_password_again = i18n_tr(lang, "The two new passwords are not the "
		    "same.");
	if (pp.old_password != NULL || pp.new_password != NULL ||
	    pp.new_password_again != NULL) {
		page_account_render(req, resp, &pp, 200);
		return;
	}
	rc = app_password_change(req->app, &req->actor, old, new, &err);
	if (rc == RC_EAUTH) {
		pp.old_password = i18n_tr(lang, "The current password is wrong.");
		page_account_render(req, resp, &pp, 200);
		return;
	}
	if (rc == RC_EINVALID) {
		pp.new_password = i18n_tr(lang, "The new password needs at least 10 "
		    "characters.");
		page_account_render(req, resp, &pp, 200);
		return;
	}
	if (rc != RC_OK) {
		page_app_error(req, resp, rc, &err);
		return;
	}
	/* every session of the user has ended, this one too */
	snprintf(location, sizeof(location), "/login?lang=%s&done=password", lang);
	http_redirect(resp, location);
	http_header_add(resp, "Set-Cookie", HTTP_SESSION_COOKIE "=; HttpOnly; "
	    "SameSite=Strict; Path=/; Max-Age=0");
}

static void
page_account_language(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	const char *lang = http_form(req, "language");
	const char *next = http_form(req, "next");
	int rc;

	if (!page_lang_known(lang)) {
		page_error(req, resp, 400);
		return;
	}
	if ((rc = app_user_set_language(req->app, &req->actor, lang, &err)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		return;
	}
	if (next != NULL && strcmp(next, "/account") == 0)
		http_redirect(resp, "/account?done=language");
	else
		http_redirect(resp, page_local_path(next) ? next : "/home");
}

/* ---- the routes -------------------------------------------------------------------------- */

#define PUBLIC_PAGE	(HTTP_PAGE | HTTP_PUBLIC)

static const struct http_route pages_table[] = {
	{ HTTP_GET,  "/",			PUBLIC_PAGE | HTTP_AUTH_OPT,	page_root, NULL },
	{ HTTP_GET,  "/login",			PUBLIC_PAGE | HTTP_AUTH_OPT,	page_login, NULL },
	{ HTTP_POST, "/login",			PUBLIC_PAGE,		page_login_post, NULL },
	{ HTTP_POST, "/logout",			HTTP_PAGE,		page_logout, NULL },
	{ HTTP_GET,  "/home",			HTTP_PAGE,		page_home, NULL },
	{ HTTP_GET,  "/account",		HTTP_PAGE,		page_account, NULL },
	{ HTTP_POST, "/account/password",	HTTP_PAGE,		page_account_password, NULL },
	{ HTTP_POST, "/account/language",	HTTP_PAGE,		page_account_language, NULL },
	{ HTTP_GET,  "/cases",			HTTP_PAGE,		page_cases, NULL },
	{ HTTP_GET,  "/cases/new",		HTTP_PAGE,		page_case_new, NULL },
	{ HTTP_POST, "/cases/new",		HTTP_PAGE,		page_case_create, NULL },
	{ HTTP_GET,  "/cases/{id}",		HTTP_PAGE,		page_case_view, NULL },
	{ HTTP_GET,  "/cases/{id}/edit",	HTTP_PAGE,		page_case_edit, NULL },
	{ HTTP_POST, "/cases/{id}/edit",	HTTP_PAGE,		page_case_update, NULL },
	{ HTTP_GET,  "/admin/users",		HTTP_PAGE,		page_admin_users, NULL },
	{ HTTP_POST, "/admin/users",		HTTP_PAGE,		page_admin_user_create, NULL },
	{ HTTP_POST, "/admin/users/{id}",	HTTP_PAGE,		page_admin_user_update, NULL },
	{ HTTP_GET,  "/admin/agencies",		HTTP_PAGE,		page_admin_agencies, NULL },
	{ HTTP_POST, "/admin/agencies",		HTTP_PAGE,		page_admin_agency_create, NULL },
	{ HTTP_GET,  "/admin/locations",	HTTP_PAGE,		page_admin_locations, NULL },
	{ HTTP_POST, "/admin/locations",	HTTP_PAGE,		page_admin_location_import, NULL },
	{ HTTP_GET,  "/lists/{kind}",		HTTP_PAGE,		page_list, NULL },
	{ HTTP_GET,  "/static/{name}",		PUBLIC_PAGE,		page_static, NULL },
	{ HTTP_GET,  "/favicon.ico",		PUBLIC_PAGE,		page_favicon, NULL },
};

static const struct http_routes pages_table_routes = {
	pages_table, sizeof(pages_table) / sizeof(pages_table[0])
};

const struct http_routes *
pages_routes(void)
{
	return &pages_table_routes;
}

/* ---- lists ------------------------------------------------------------------------------- */

void
page_pager(struct page *p, int64_t page, int64_t pages, page_link_fn link,
    const void *arg)
{
	char num[24], num2[24];

	if (pages <= 1)
		return;
	snprintf(num, sizeof(num), "%" PRId64, page);
	snprintf(num2, sizeof(num2), "%" PRId64, pages);
	HTML_RAW(&p->h, "<nav class=\"pager\" aria-label=\"");
	html_attr(&p->h, page_tr(p, "Pages"));
	HTML_RAW(&p->h, "\">");
	if (page > 1)
		link(p, page - 1, "prev", "Previous", arg);
	HTML_RAW(&p->h, " <span>");
	page_say_args(p, "Page {1} of {2}", num, num2, NULL);
	HTML_RAW(&p->h, "</span> ");
	if (page < pages)
		link(p, page + 1, "next", "Next", arg);
	HTML_RAW(&p->h, "</nav>\n");
}
