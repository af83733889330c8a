/* api.c — the JSON API: sessions, cases, forms, audit, users, agencies, locations. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "app/app.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/id.h"
#include "web/api.h"
#include "web/http.h"
#include "web/metrics.h"

#define API_PAGE_MAX	1000000
#define API_PER_MAX	100

/* ---- input shapes ------------------------------------------------------------------ */

/*
 * The body must be exactly {"data": {...}}. Returns 0 with `*data` borrowed from the
 * request, or -1 after answering 400 "invalid_body".
 */
static int
api_body_data(struct http_request *req, struct http_response *resp, const json_t **data)
{
	*data = json_object_get(req->json, "data");
	if (*data == NULL) {
		http_error_field(resp, 400, "invalid_body",
		    "expected a body of the shape {\"data\": {...}}", "data", "is required");
		return -1;
	}
	if (!json_is_object(*data)) {
		http_error_field(resp, 400, "invalid_body",
		    "expected a body of the shape {\"data\": {...}}", "data",
		    "must be an object");
		return -1;
	}
	if (json_object_size(req->json) != 1) {
		http_error(resp, 400, "invalid_body", "expected a body of the shape "
		    "{\"data\": {...}}: no other member is allowed beside \"data\"");
		return -1;
	}
	return 0;
}

/*
 * The body must be an object whose members are all in `names` (NULL-terminated) and
 * are strings; every name is required. Fills `values` in the order of `names`.
 * Returns 0, or -1 after answering 400 "invalid_body".
 */
static int
api_body_strings(struct http_request *req, struct http_response *resp,
    const char *const *names, const char **values)
{
	const char *key;
	json_t *v;
	size_t i;

	json_object_foreach(req->json, key, v) {
		for (i = 0; names[i] != NULL; i++)
			if (strcmp(names[i], key) == 0)
				break;
		if (names[i] == NULL) {
			http_error(resp, 400, "invalid_body",
			    "the body has a member that is not allowed here");
			return -1;
		}
	}
	for (i = 0; names[i] != NULL; i++) {
		if ((values[i] = json_get_str(req->json, names[i])) == NULL) {
			http_error_field(resp, 400, "invalid_body", "a member is missing",
			    names[i], json_object_get(req->json, names[i]) == NULL ?
			    "is required" : "must be a string");
			return -1;
		}
	}
	return 0;
}

/* A bad filter in a list query is the caller's URL: 400, not 422. */
static void
api_query_error(struct http_request *req, struct http_response *resp, int rc,
    const struct app_error *err)
{
	if (rc == RC_EINVALID)
		http_app_invalid(resp, 400, "invalid_parameter", err);
	else
		http_app_error(req, resp, rc, err);
}

/* The integer "rev" of a record reference, or 0. */
static int64_t
api_rev(const json_t *j)
{
	const json_t *v = json_object_get(j, "rev");

	return json_is_integer(v) ? (int64_t)json_integer_value(v) : 0;
}

/*
 * If-Match: "<rev>" (or bare digits). Returns 0 with `*rev`, or -1 after answering 428
 * (absent) or 400 (anything but one positive revision: lists, weak tags, "*").
 */
static int
api_if_match(struct http_request *req, struct http_response *resp, int64_t *rev)
{
	const char *h = http_header(req, "If-Match");
	char tag[24];
	size_t n;
	char *p;
	int64_t v = 0;

	if (h == NULL) {
		http_error(resp, 428, "precondition_required",
		    "send If-Match: \"<rev>\" with the revision you read (its ETag)");
		return -1;
	}
	while (*h == ' ' || *h == '\t')
		h++;
	if (str_copy(tag, sizeof(tag), h) != 0)
		goto bad;
	n = strlen(tag);
	while (n > 0 && (tag[n - 1] == ' ' || tag[n - 1] == '\t'))
		tag[--n] = '\0';
	p = tag;
	if (n >= 2 && tag[0] == '"' && tag[n - 1] == '"') {
		tag[n - 1] = '\0';
		p = tag + 1;
	}
	if (*p == '\0' || strlen(p) > 18)
		goto bad;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		v = v * 10 + (*p - '0');
	}
	if (v <= 0)
		goto bad;
	*rev = v;
	return 0;
bad:
	http_error_field(resp, 400, "invalid_header", "bad If-Match header", "If-Match",
	    "must be one revision as its ETag shows it, such as \"3\"");
	return -1;
}

/* ---- health and metrics ------------------------------------------------------------- */

/*
 * Answer an app/ call: its error, or `out` with `status` — wrapped in {"data": ...}
 * unless the function already returns an envelope. Releases `out`.
 */
static void
api_reply(struct http_request *req, struct http_response *resp, int rc,
    const struct app_error *err, json_t *out, unsigned status, int envelope)
{
	if (rc != RC_OK)
		http_app_error(req, resp, rc, err);
	else if (envelope)
		http_json(resp, status, out);
	else
		http_data(resp, status, out);
	json_decref(out);
}

/* An app function answering for the record or type named in the path. */
typedef int (*api_by_param_fn)(struct app *, const struct app_actor *, const char *,
    json_t **, struct app_error *);

static void
api_by_param(struct http_request *req, struct http_response *resp, api_by_param_fn fn)
{
	struct app_error err = { 0 };
	json_t *out = NULL;	/* owned, then released by api_reply */
	int rc;

	rc = fn(req->app, &req->actor, req->params[0], &out, &err);
	api_reply(req, resp, rc, &err, out, 200, 0);
}

static void
api_healthz(struct http_request *req, struct http_response *resp)
{
	static const char ok[] = "{\"status\":\"ok\"}\n";

	(void)req;
	http_body(resp, 200, "application/json", ok, sizeof(ok) - 1);
}

/* ---- sessions ----------------------------------------------------------------------- */

static void
api_session_create(struct http_request *req, struct http_response *resp)
{
	static const char *const names[] = { "username", "password", NULL };
	struct app_login login = { 0 };		/* token wiped, user decref'd */
	struct app_error err = { 0 };
	char csrf[APP_TOKEN_SIZE];		/* wiped */
	char expires[CLOCK_ISO_SIZE];
	const char *values[2];
	json_t *data = NULL;			/* owned */
	int64_t max_age;
	int rc;

	if (api_body_strings(req, resp, names, values) != 0)
		goto fail;
	rc = app_login(req->app, values[0], values[1], &login, &err);
	if (rc == RC_ELOCKED) {
		http_header_add(resp, "Retry-After", "%" PRId64,
		    login.retry_after > 0 ? login.retry_after : 1);
		http_app_error(req, resp, rc, &err);
		goto fail;
	}
	if (rc != RC_OK) {
		http_app_error(req, resp, rc, &err);
		goto fail;
	}
	app_csrf_token(req->app, login.token, csrf);
	clock_iso(login.expires_at, expires);
	data = json_pack("{s:s, s:s, s:s, s:O}", "token", login.token, "expires_at", expires,
	    "csrf_token", csrf, "user", login.user != NULL ? login.user : json_null());
	if (data == NULL) {
		resp->failed = 1;
		goto fail;
	}
	max_age = login.expires_at - clock_now();
	http_header_add(resp, "Set-Cookie", HTTP_SESSION_COOKIE "=%s; HttpOnly; "
	    "SameSite=Strict; Path=/; Max-Age=%" PRId64, login.token,
	    max_age > 0 ? max_age : 0);
	http_data(resp, 200, data);
fail:
	sodium_memzero(login.token, sizeof(login.token));
	sodium_memzero(csrf, sizeof(csrf));
	json_decref(login.user);
	json_decref(data);
}

static void
api_session_delete(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	int rc;

	if ((rc = app_logout(req->app, req->token)) != RC_OK) {
		http_app_error(req, resp, rc, &err);
		return;
	}
	http_header_add(resp, "Set-Cookie", HTTP_SESSION_COOKIE "=; HttpOnly; "
	    "SameSite=Strict; Path=/; Max-Age=0");
	http_empty(resp, 204);
}

static void
api_session_get(struct http_request *req, struct http_response *resp)
{
	json_t *user = app_user_json(req->app, req->actor.pu.id);	/* owned */

	if (user == NULL) {
		http_error(resp, 404, "not_found", "no such user");
		return;
	}
	http_data(resp, 200, user);
	json_decref(user);
}

static void
api_password_change(struct http_request *req, struct http_response *resp)
{
	static const char *const names[] = { "old_password", "new_password", NULL };
	struct app_error err = { 0 };
	const char *values[2];
	int rc;

	if (api_body_strings(req, resp, names, values) != 0)
		return;
	rc = app_password_change(req->app, &req->actor, values[0], values[1], &err);
	if (rc == RC_EAUTH) {
		/* the session is fine: a 401 would tell the client to sign in again */
		http_error_field(resp, 422, "invalid", err.message, "old_password",
		    "is wrong");
		return;
	}
	if (rc != RC_OK) {
		http_app_error(req, resp, rc, &err);
		return;
	}
	/* app_password_change() ends every session of the user, this one too */
	if (req->auth == HTTP_AUTH_COOKIE)
		http_header_add(resp, "Set-Cookie", HTTP_SESSION_COOKIE "=; HttpOnly; "
		    "SameSite=Strict; Path=/; Max-Age=0");
	http_empty(resp, 204);
}

/* ---- records: cases, and every kind of record the same way ---------------------------
 * The route's arg is the record type. */

static void
api_record_list(struct http_request *req, struct http_response *resp)
{
	struct app_case_query q = { 0 };
	struct app_error err = { 0 };
	json_t *out = NULL;	/* owned */
	int rc;

	if (http_query_int(req, resp, "page", 1, API_PAGE_MAX, &q.page) != 0 ||
	    http_query_int(req, resp, "per", 1, API_PER_MAX, &q.per) != 0)
		return;
	q.text = http_query(req, "query");
	q.status = http_query(req, "status");
	q.risk_level = http_query(req, "risk_level");
	q.sex = http_query(req, "sex");
	q.age_band = http_query(req, "age_band");
	q.concern = http_query(req, "concern");
	q.location = http_query(req, "location");
	rc = app_record_list(req->app, &req->actor, req->route->arg, &q, &out, &err);
	if (rc != RC_OK)
		api_query_error(req, resp, rc, &err);
	else
		http_json(resp, 200, out);	/* already {"data","metadata"} */
	json_decref(out);
}

static void
api_record_create(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	const json_t *data;
	json_t *out = NULL;	/* owned */
	const char *id;
	int rc;

	if (api_body_data(req, resp, &data) != 0)
		return;
	rc = app_record_create(req->app, &req->actor, req->route->arg, data, &out, &err);
	if (rc != RC_OK) {
		http_app_error(req, resp, rc, &err);
		goto fail;
	}
	http_header_add(resp, "ETag", "\"%" PRId64 "\"", api_rev(out));
	if ((id = json_get_str(out, "id")) != NULL && id_is_uuid(id))
		http_header_add(resp, "Location", "%s/%s", req->path, id);
	http_data(resp, 201, out);
fail:
	json_decref(out);
}

static void
api_record_get(struct http_request *req, struct http_response *resp)
{
	struct app_error err;
	int64_t rev = 0;
	int rc;

	app_error_init(&err);
	/* {"data":<the view, spliced from the sealed text without a parse>}\n */
	if (http_body_begin(resp, 200, "application/json", "{\"data\":") != 0)
		return;
	rc = app_record_get_text(req->app, &req->actor, req->route->arg, req->params[0],
	    http_body_buf(resp), &rev, &err);
	if (rc != RC_OK) {
		http_app_error(req, resp, rc, &err);
		return;
	}
	if (http_body_append(resp, "}\n") != 0)
		return;
	http_header_add(resp, "ETag", "\"%" PRId64 "\"", rev);
}

static void
api_record_update(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	const json_t *data;
	json_t *out = NULL;	/* owned */
	int64_t rev;
	int rc;

	if (api_if_match(req, resp, &rev) != 0 || api_body_data(req, resp, &data) != 0)
		return;
	rc = app_record_update(req->app, &req->actor, req->route->arg, req->params[0], rev,
	    data, &out, &err);
	if (rc != RC_OK) {
		http_app_error(req, resp, rc, &err);
		goto fail;
	}
	http_header_add(resp, "ETag", "\"%" PRId64 "\"", api_rev(out));
	http_data(resp, 200, out);
fail:
	json_decref(out);
}

static void
api_record_history(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *out = NULL;	/* owned */
	int rc;

	rc = app_record_history(req->app, &req->actor, req->route->arg, req->params[0],
	    &out, &err);
	api_reply(req, resp, rc, &err, out, 200, 0);
}

/* ---- forms and audit ------------------------------------------------------------------ */

static void
api_form_get(struct http_request *req, struct http_response *resp)
{
	api_by_param(req, resp, app_form_get);
}

static void
api_audit_list(struct http_request *req, struct http_response *resp)
{
	struct app_audit_query q = { 0 };
	struct app_error err = { 0 };
	json_t *out = NULL;	/* owned */
	int rc;

	if (http_query_int(req, resp, "page", 1, API_PAGE_MAX, &q.page) != 0 ||
	    http_query_int(req, resp, "per", 1, API_PER_MAX, &q.per) != 0)
		return;
	q.record_id = http_query(req, "record_id");
	q.user = http_query(req, "user");
	q.since = http_query(req, "since");
	rc = app_audit_list(req->app, &req->actor, &q, &out, &err);
	if (rc != RC_OK)
		api_query_error(req, resp, rc, &err);
	else
		http_json(resp, 200, out);	/* already an envelope */
	json_decref(out);
}

/* ---- users, agencies, locations ----------------------------------------------------- */

/* An app list function that returns its own envelope. */
typedef int (*api_list_fn)(struct app *, const struct app_actor *, json_t **,
    struct app_error *);
/* An app function that creates from {"data": {...}}. */
typedef int (*api_create_fn)(struct app *, const struct app_actor *, const json_t *,
    json_t **, struct app_error *);

static void
api_list(struct http_request *req, struct http_response *resp, api_list_fn fn)
{
	struct app_error err = { 0 };
	json_t *out = NULL;	/* owned */
	int rc;

	rc = fn(req->app, &req->actor, &out, &err);
	api_reply(req, resp, rc, &err, out, 200, 1);
}

static void
api_create(struct http_request *req, struct http_response *resp, api_create_fn fn)
{
	struct app_error err = { 0 };
	const json_t *data;
	json_t *out = NULL;	/* owned */
	int rc;

	if (api_body_data(req, resp, &data) != 0)
		return;
	rc = fn(req->app, &req->actor, data, &out, &err);
	api_reply(req, resp, rc, &err, out, 201, 0);
}

static void
api_user_list(struct http_request *req, struct http_response *resp)
{
	api_list(req, resp, app_user_list);
}

static void
api_user_create(struct http_request *req, struct http_response *resp)
{
	api_create(req, resp, app_user_create);
}

static void
api_user_update(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	const json_t *data;
	json_t *out = NULL;	/* owned */
	int rc;

	if (api_body_data(req, resp, &data) != 0)
		return;
	rc = app_user_update(req->app, &req->actor, req->params[0], data, &out, &err);
	api_reply(req, resp, rc, &err, out, 200, 0);
}

static void
api_agency_list(struct http_request *req, struct http_response *resp)
{
	api_list(req, resp, app_agency_list);
}

static void
api_agency_create(struct http_request *req, struct http_response *resp)
{
	api_create(req, resp, app_agency_create);
}

static void
api_location_list(struct http_request *req, struct http_response *resp)
{
	api_list(req, resp, app_location_list);
}

static void
api_location_import(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *out = NULL;	/* owned */
	int rc;

	rc = app_location_import(req->app, &req->actor, req->body, req->body_len, &out,
	    &err);
	api_reply(req, resp, rc, &err, out, 200, 0);
}

/* ---- the table -------------------------------------------------------------------------- */

static const struct http_route api_table[] = {
	{ HTTP_GET,    "/healthz",			HTTP_PUBLIC,	api_healthz, NULL },
	{ HTTP_GET,    "/metrics",			HTTP_PUBLIC,	metrics_handle, NULL },
	{ HTTP_POST,   "/api/v1/session",		HTTP_PUBLIC | HTTP_BODY_JSON,
	    api_session_create, NULL },
	{ HTTP_GET,    "/api/v1/session",		0,		api_session_get, NULL },
	{ HTTP_DELETE, "/api/v1/session",		0,		api_session_delete, NULL },
	{ HTTP_POST,   "/api/v1/session/password",	HTTP_BODY_JSON,	api_password_change, NULL },
	{ HTTP_GET,    "/api/v1/cases",			0,		api_record_list,
	    "case" },
	{ HTTP_POST,   "/api/v1/cases",			HTTP_BODY_JSON,	api_record_create,
	    "case" },
	{ HTTP_GET,    "/api/v1/cases/{id}",		0,		api_record_get,
	    "case" },
	{ HTTP_PATCH,  "/api/v1/cases/{id}",		HTTP_BODY_JSON,	api_record_update,
	    "case" },
	{ HTTP_GET,    "/api/v1/cases/{id}/history",	0,		api_record_history,
	    "case" },
	{ HTTP_GET,    "/api/v1/tracing_requests",	0,		api_record_list,
	    "tracing_request" },	/* POST: api_tracing.c, with the trace ids */
	{ HTTP_GET,    "/api/v1/tracing_requests/{id}",	0,		api_record_get,
	    "tracing_request" },
	{ HTTP_PATCH,  "/api/v1/tracing_requests/{id}",	HTTP_BODY_JSON,	api_record_update,
	    "tracing_request" },
	{ HTTP_GET,    "/api/v1/tracing_requests/{id}/history", 0,	api_record_history,
	    "tracing_request" },
	{ HTTP_GET,    "/api/v1/vots",			0,		api_record_list,
	    "vot" },
	{ HTTP_POST,   "/api/v1/vots",			HTTP_BODY_JSON,	api_record_create,
	    "vot" },
	{ HTTP_GET,    "/api/v1/vots/{id}",		0,		api_record_get,
	    "vot" },
	{ HTTP_PATCH,  "/api/v1/vots/{id}",		HTTP_BODY_JSON,	api_record_update,
	    "vot" },
	{ HTTP_GET,    "/api/v1/vots/{id}/history",	0,		api_record_history,
	    "vot" },
	{ HTTP_GET,    "/api/v1/forms/{type}",		0,		api_form_get, NULL },
	{ HTTP_GET,    "/api/v1/audit",			0,		api_audit_list, NULL },
	{ HTTP_GET,    "/api/v1/users",			0,		api_user_list, NULL },
	{ HTTP_POST,   "/api/v1/users",			HTTP_BODY_JSON,	api_user_create, NULL },
	{ HTTP_PATCH,  "/api/v1/users/{id}",		HTTP_BODY_JSON,	api_user_update, NULL },
	{ HTTP_GET,    "/api/v1/agencies",		0,		api_agency_list, NULL },
	{ HTTP_POST,   "/api/v1/agencies",		HTTP_BODY_JSON,	api_agency_create, NULL },
	{ HTTP_GET,    "/api/v1/locations",		0,		api_location_list, NULL },
	{ HTTP_POST,   "/api/v1/locations",		HTTP_BODY_CSV,	api_location_import, NULL },
};

static const struct http_routes api_table_routes = {
	api_table, sizeof(api_table) / sizeof(api_table[0])
};

const struct http_routes *
api_routes(void)
{
	return &api_table_routes;
}
