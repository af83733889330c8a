/*
 * api_workflow.c — the case management workflow over the API: approvals, a case's
 * workflow state, consent checks and overrides, the task list. Stage changes are
 * PATCH /api/v1/cases/{id} (api.c) with "workflow" or "status" in the data.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "base/err.h"
#include "base/id.h"
#include "web/api.h"
#include "web/http.h"

#define API_WF_PAGE_MAX	1000000
#define API_WF_PER_MAX	100

/* The body must be exactly {"data": {...}}: 0 with `*data` borrowed, or -1 after
 * answering 400. */
static int
api_wf_data(struct http_request *req, struct http_response *resp, const json_t **data)
{
	*data = json_object_get(req->json, "data");
	if (*data == NULL || !json_is_object(*data) || json_object_size(req->json) != 1) {
		http_error_field(resp, 400, "invalid_body",
		    "expected a body of the shape {\"data\": {...}}", "data",
		    *data == NULL ? "is required" : "must be the only member, an object");
		return -1;
	}
	return 0;
}

/*
 * An optional If-Match: "<rev>": 0 with `*rev` (0 when absent), or -1 after answering
 * 400 for anything but one positive revision.
 */
static int
api_wf_if_match(struct http_request *req, struct http_response *resp, int64_t *rev)
{
	const char *h = http_header(req, "If-Match");
	int64_t v = 0;
	size_t n, i = 0;

	*rev = 0;
	if (h == NULL)
		return 0;
	while (*h == ' ' || *h == '\t')
		h++;
	n = strlen(h);
	while (n > 0 && (h[n - 1] == ' ' || h[n - 1] == '\t'))
		n--;
	if (n >= 2 && h[0] == '"' && h[n - 1] == '"') {
		i = 1;
		n--;
	}
	if (i >= n || n - i > 18)
		goto bad;
	for (; i < n; i++) {
		if (h[i] < '0' || h[i] > '9')
			goto bad;
		v = v * 10 + (h[i] - '0');
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

/* A record reference answered with its ETag. Releases `out`. */
static void
api_wf_ref(struct http_request *req, struct http_response *resp, int rc,
    const struct app_error *err, json_t *out)
{
	const json_t *rev = json_object_get(out, "rev");

	if (rc != RC_OK)
		http_app_error(req, resp, rc, err);
	else {
		if (json_is_integer(rev))
			http_header_add(resp, "ETag", "\"%" JSON_INTEGER_FORMAT "\"",
			    json_integer_value(rev));
		http_data(resp, 200, out);
	}
	json_decref(out);
}

/* POST /api/v1/cases/{id}/approvals/{type} {"data":{"approval_status","comment"}} */
static void
api_case_approval(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	const json_t *data;
	json_t *out = NULL;	/* owned, released by api_wf_ref */
	int64_t rev;
	int rc;

	if (api_wf_if_match(req, resp, &rev) != 0 || api_wf_data(req, resp, &data) != 0)
		return;
	rc = app_case_approval(req->app, &req->actor, req->params[0], rev, req->params[1],
	    data, &out, &err);
	api_wf_ref(req, resp, rc, &err, out);
}

/* POST /api/v1/cases/{id}/consent_override {"data":{"purpose","recipient_type",
 * "reason"}} */
static void
api_case_consent_override(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	const json_t *data;
	json_t *out = NULL;	/* owned, released by api_wf_ref */
	int64_t rev;
	int rc;

	if (api_wf_if_match(req, resp, &rev) != 0 || api_wf_data(req, resp, &data) != 0)
		return;
	rc = app_case_consent_override(req->app, &req->actor, req->params[0], rev, data,
	    &out, &err);
	api_wf_ref(req, resp, rc, &err, out);
}

/* GET /api/v1/cases/{id}/consent?purpose=P[&recipient_type=T] */
static void
api_case_consent(struct http_request *req, struct http_response *resp)
{
	struct app_consent c;
	struct app_error err = { 0 };
	const char *purpose = http_query(req, "purpose");
	const char *recipient = http_query(req, "recipient_type");
	json_t *out;	/* owned */
	int rc;

	if (purpose == NULL) {
		http_error_field(resp, 400, "invalid_parameter", "purpose is required",
		    "purpose", "is required");
		return;
	}
	rc = app_case_consent_check(req->app, &req->actor, req->params[0], purpose,
	    recipient, &c, &err);
	if (rc == RC_EINVALID) {
		http_app_invalid(resp, 400, "invalid_parameter", &err);
		return;
	}
	if (rc != RC_OK) {
		http_app_error(req, resp, rc, &err);
		return;
	}
	out = json_pack("{s:s, s:s?, s:b, s:b, s:s, s:s?, s:{s:i, s:i, s:s}}", "purpose",
	    purpose, "recipient_type", recipient, "granted", c.granted, "overridden",
	    c.overridden, "needed", c.needed, "why", c.why[0] != '\0' ? c.why : NULL,
	    "age", "from", c.age_lo, "to", c.age_hi, "basis", c.basis);
	if (out == NULL) {
		resp->failed = 1;
		return;
	}
	http_data(resp, 200, out);
	json_decref(out);
}

/* GET /api/v1/cases/{id}/workflow: the stage, the next stages, approvals, DoMV. */
static void
api_case_workflow(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *out = NULL;	/* owned */
	json_t *wf;		/* borrowed from out */
	int rc;

	rc = app_case_get_workflow(req->app, &req->actor, req->params[0], &out, &err);
	if (rc != RC_OK) {
		http_app_error(req, resp, rc, &err);
		goto out;
	}
	wf = json_object_get(out, "workflow_state");
	/* the deadlines belong with the stage; the fields are GET /cases/{id}'s */
	json_object_set(wf, "deadlines", json_object_get(out, "deadlines"));
	json_object_set(wf, "id", json_object_get(out, "id"));
	json_object_set(wf, "short_id", json_object_get(out, "short_id"));
	json_object_set(wf, "rev", json_object_get(out, "rev"));
	http_data(resp, 200, wf);
out:
	json_decref(out);
}

/* GET /api/v1/tasks[?overdue=1|0][&page=N][&per=N] */
static void
api_task_list(struct http_request *req, struct http_response *resp)
{
	struct app_task_query q = { 0 };
	struct app_error err = { 0 };
	json_t *out = NULL;	/* owned */
	int64_t overdue = 0;
	int rc;

	if (http_query_int(req, resp, "page", 1, API_WF_PAGE_MAX, &q.page) != 0 ||
	    http_query_int(req, resp, "per", 1, API_WF_PER_MAX, &q.per) != 0 ||
	    http_query_int(req, resp, "overdue", 0, 1, &overdue) != 0)
		return;
	/* overdue=1: only what is late; overdue=0: only what is not late yet */
	q.overdue_only = overdue == 1;
	q.upcoming_only = overdue == 0 && http_query(req, "overdue") != NULL;
	rc = app_task_list(req->app, &req->actor, &q, &out, &err);
	if (rc == RC_EINVALID)
		http_app_invalid(resp, 400, "invalid_parameter", &err);
	else if (rc != RC_OK)
		http_app_error(req, resp, rc, &err);
	else
		http_json(resp, 200, out);	/* already {"data","metadata"} */
	json_decref(out);
}

static const struct http_route api_workflow_table[] = {
	{ HTTP_POST, "/api/v1/cases/{id}/approvals/{type}",	HTTP_BODY_JSON,
	    api_case_approval, NULL },
	{ HTTP_POST, "/api/v1/cases/{id}/consent_override",	HTTP_BODY_JSON,
	    api_case_consent_override, NULL },
	{ HTTP_GET,  "/api/v1/cases/{id}/consent",		0,
	    api_case_consent, NULL },
	{ HTTP_GET,  "/api/v1/cases/{id}/workflow",		0,
	    api_case_workflow, NULL },
	{ HTTP_GET,  "/api/v1/tasks",				0,
	    api_task_list, NULL },
};

static const struct http_routes api_workflow_table_routes = {
	api_workflow_table, sizeof(api_workflow_table) / sizeof(api_workflow_table[0])
};

const struct http_routes *
api_workflow_routes(void)
{
	return &api_workflow_table_routes;
}
