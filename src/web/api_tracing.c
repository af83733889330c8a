/*
 * api_tracing.c — the JSON API of family tracing: registering a tracing request (with
 * the numbers of its traces), the matches of a trace and of a case, decisions on a
 * pair, duplicate cases. Reading, listing and editing tracing requests are the
 * generic record routes of api.c with the type "tracing_request".
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "base/err.h"
#include "base/id.h"
#include "base/json.h"
#include "web/api.h"
#include "web/http.h"

/* The body must be exactly {"data": {...}}: 0 with `*data` borrowed, or -1 after
 * answering 400. */
static int
api_tracing_body_data(struct http_request *req, struct http_response *resp,
    const json_t **data)
{
	*data = json_object_get(req->json, "data");
	if (*data == NULL || !json_is_object(*data)) {
		http_error_field(resp, 400, "invalid_body",
		    "expected a body of the shape {\"data\": {...}}", "data",
		    *data == NULL ? "is required" : "must be an object");
		return -1;
	}
	if (json_object_size(req->json) != 1) {
		http_error(resp, 400, "invalid_body", "expected a body of the shape "
		    "{\"data\": {...}}: no other member is allowed beside \"data\"");
		return -1;
	}
	return 0;
}

/* Answer `out` (owned, released) in an envelope, or the app error. */
static void
api_tracing_reply(struct http_request *req, struct http_response *resp, int rc,
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

static void
api_tracing_create(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	const json_t *data;
	json_t *out = NULL;	/* owned */
	const char *id;
	int rc;

	if (api_tracing_body_data(req, resp, &data) != 0)
		return;
	rc = app_tracing_create(req->app, &req->actor, data, &out, &err);
	if (rc == RC_OK) {
		http_header_add(resp, "ETag", "\"%" JSON_INTEGER_FORMAT "\"",
		    json_integer_value(json_object_get(out, "rev")));
		if ((id = json_get_str(out, "id")) != NULL && id_is_uuid(id))
			http_header_add(resp, "Location", "%s/%s", req->path, id);
	}
	api_tracing_reply(req, resp, rc, &err, out, 201, 0);
}

static void
api_trace_matches(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *out = NULL;	/* owned */
	int rc;

	rc = app_match_trace(req->app, &req->actor, req->params[0], &out, &err);
	api_tracing_reply(req, resp, rc, &err, out, 200, 1);
}

static void
api_case_matches(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *out = NULL;	/* owned */
	int rc;

	rc = app_match_case(req->app, &req->actor, req->params[0], &out, &err);
	api_tracing_reply(req, resp, rc, &err, out, 200, 1);
}

/* POST /api/v1/traces/{id}/matches/{case_id} {"decision": ..., "note": ...} */
static void
api_match_decide(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *out = NULL;	/* owned */
	int rc;

	rc = app_match_decide(req->app, &req->actor, req->params[0], req->params[1],
	    req->json, &out, &err);
	api_tracing_reply(req, resp, rc, &err, out, 200, 0);
}

/* POST /api/v1/cases/duplicates {"data": {...case fields...}}: nothing is stored. */
static void
api_case_duplicates(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	const json_t *data;
	json_t *out = NULL;	/* owned */
	int rc;

	if (api_tracing_body_data(req, resp, &data) != 0)
		return;
	rc = app_case_duplicates(req->app, &req->actor, data, &out, &err);
	api_tracing_reply(req, resp, rc, &err, out, 200, 1);
}

/* POST /api/v1/cases/{id}/duplicate_of {"case_id": "<id or short id>" | null} */
static void
api_case_duplicate_of(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	const json_t *other = json_object_get(req->json, "case_id");
	json_t *out = NULL;	/* owned */
	int rc;

	if (other == NULL || json_object_size(req->json) != 1 ||
	    (!json_is_string(other) && !json_is_null(other))) {
		http_error_field(resp, 400, "invalid_body", "expected a body of the shape "
		    "{\"case_id\": \"...\"}", "case_id", other == NULL ? "is required" :
		    "must be a case id or null, and alone in the body");
		return;
	}
	rc = app_case_duplicate_of(req->app, &req->actor, req->params[0], other, &out,
	    &err);
	api_tracing_reply(req, resp, rc, &err, out, 200, 0);
}

static void
api_case_duplicate_links(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *out = NULL;	/* owned */
	int rc;

	rc = app_case_duplicate_links(req->app, &req->actor, req->params[0], &out, &err);
	api_tracing_reply(req, resp, rc, &err, out, 200, 0);
}

static const struct http_route api_tracing_table[] = {
	{ HTTP_POST, "/api/v1/tracing_requests",	HTTP_BODY_JSON,	api_tracing_create,
	    "tracing_request" },
	{ HTTP_GET,  "/api/v1/traces/{id}/matches",	0,		api_trace_matches,
	    NULL },
	{ HTTP_POST, "/api/v1/traces/{id}/matches/{case_id}", HTTP_BODY_JSON,
	    api_match_decide, NULL },
	{ HTTP_GET,  "/api/v1/cases/{id}/matches",	0,		api_case_matches,
	    NULL },
	{ HTTP_POST, "/api/v1/cases/duplicates",	HTTP_BODY_JSON,	api_case_duplicates,
	    NULL },
	{ HTTP_POST, "/api/v1/cases/{id}/duplicate_of",	HTTP_BODY_JSON,
	    api_case_duplicate_of, NULL },
	{ HTTP_GET,  "/api/v1/cases/{id}/duplicates",	0,
	    api_case_duplicate_links, NULL },
};

static const struct http_routes api_tracing_table_routes = {
	api_tracing_table, sizeof(api_tracing_table) / sizeof(api_tracing_table[0])
};

const struct http_routes *
api_tracing_routes(void)
{
	return &api_tracing_table_routes;
}
