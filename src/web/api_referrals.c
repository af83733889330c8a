/*
 * api_referrals.c — the JSON API of the service directory, referrals, transfers and
 * transfer packages, and the public inbox where partner instances deliver packages.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "app/app.h"
#include "base/err.h"
#include "base/json.h"
#include "web/api.h"
#include "web/http.h"

#define API_PAGE_MAX	1000000
#define API_PER_MAX	100

/* The request object: the body, or the object inside {"data": {...}}. */
static const json_t *
api_req(const struct http_request *req)
{
	const json_t *d = json_object_get(req->json, "data");

	if (json_object_size(req->json) == 1 && json_is_object(d))
		return d;
	return req->json;
}

/* Answer `out` (released) in {"data": ...}, or already an envelope. */
static void
api_answer(struct http_request *req, struct http_response *resp, int rc,
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

/* A bad filter is the caller's URL: 400. */
static void
api_list_answer(struct http_request *req, struct http_response *resp, int rc,
    const struct app_error *err, json_t *out)
{
	if (rc == RC_EINVALID) {
		http_app_invalid(resp, 400, "invalid_parameter", err);
		json_decref(out);
		return;
	}
	api_answer(req, resp, rc, err, out, 200, 1);
}

/* ---- the service directory ---------------------------------------------------------- */

static void
api_service_list(struct http_request *req, struct http_response *resp)
{
	struct app_service_query q = { 0 };
	struct app_error err = { 0 };
	json_t *out = NULL;
	const char *all;
	int rc;

	if (http_query_int(req, resp, "page", 1, API_PAGE_MAX, &q.page) != 0 ||
	    http_query_int(req, resp, "per", 1, API_PER_MAX, &q.per) != 0)
		return;
	q.type = http_query(req, "type");
	q.location = http_query(req, "location");
	q.agency = http_query(req, "agency");
	q.language = http_query(req, "language");
	all = http_query(req, "all");
	q.all = all != NULL && strcmp(all, "1") == 0;
	rc = app_service_list(req->app, &req->actor, &q, &out, &err);
	api_list_answer(req, resp, rc, &err, out);
}

static void
api_service_create(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *out = NULL;
	int rc;

	rc = app_service_create(req->app, &req->actor, api_req(req), &out, &err);
	if (rc == RC_OK && json_get_str(out, "id") != NULL)
		http_header_add(resp, "Location", "/api/v1/services/%s",
		    json_get_str(out, "id"));
	api_answer(req, resp, rc, &err, out, 201, 0);
}

static void
api_service_get(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *out = NULL;
	int rc;

	rc = app_service_get(req->app, &req->actor, req->params[0], &out, &err);
	api_answer(req, resp, rc, &err, out, 200, 0);
}

static void
api_service_update(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *out = NULL;
	int rc;

	rc = app_service_update(req->app, &req->actor, req->params[0], api_req(req), &out,
	    &err);
	api_answer(req, resp, rc, &err, out, 200, 0);
}

/* ---- referrals -------------------------------------------------------------------- */

static void
api_referral_query(struct http_request *req, struct http_response *resp,
    const char *case_id)
{
	struct app_referral_query q = { 0 };
	struct app_error err = { 0 };
	json_t *out = NULL;
	int rc;

	if (http_query_int(req, resp, "page", 1, API_PAGE_MAX, &q.page) != 0 ||
	    http_query_int(req, resp, "per", 1, API_PER_MAX, &q.per) != 0)
		return;
	q.box = http_query(req, "box");
	q.status = http_query(req, "status");
	q.case_id = case_id;
	rc = app_referral_list(req->app, &req->actor, &q, &out, &err);
	api_list_answer(req, resp, rc, &err, out);
}

static void
api_case_referral_list(struct http_request *req, struct http_response *resp)
{
	api_referral_query(req, resp, req->params[0]);
}

static void
api_referral_list(struct http_request *req, struct http_response *resp)
{
	api_referral_query(req, resp, NULL);
}

static void
api_case_referral_create(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *out = NULL;
	int rc;

	rc = app_referral_create(req->app, &req->actor, req->params[0], api_req(req), &out,
	    &err);
	if (rc == RC_OK && json_get_str(out, "id") != NULL)
		http_header_add(resp, "Location", "/api/v1/referrals/%s",
		    json_get_str(out, "id"));
	api_answer(req, resp, rc, &err, out, 201, 0);
}

static void
api_referral_get(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *out = NULL;
	int rc;

	rc = app_referral_get(req->app, &req->actor, req->params[0], &out, &err);
	api_answer(req, resp, rc, &err, out, 200, 0);
}

static void
api_referral_status(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *out = NULL;
	int rc;

	rc = app_referral_status(req->app, &req->actor, req->params[0], api_req(req), &out,
	    &err);
	api_answer(req, resp, rc, &err, out, 200, 0);
}

/* ---- transfers inside the instance --------------------------------------------------- */

static void
api_case_transfer(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *out = NULL;
	int rc;

	rc = app_transfer_request(req->app, &req->actor, req->params[0], api_req(req),
	    &out, &err);
	api_answer(req, resp, rc, &err, out, 200, 0);
}

static void
api_case_transfer_decision(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *out = NULL;
	int rc;

	rc = app_transfer_decide(req->app, &req->actor, req->params[0], api_req(req), &out,
	    &err);
	api_answer(req, resp, rc, &err, out, 200, 0);
}

static void
api_transfer_inbox(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *out = NULL;
	int rc;

	rc = app_transfer_inbox(req->app, &req->actor, &out, &err);
	api_answer(req, resp, rc, &err, out, 200, 1);
}

/* ---- packages from partner instances ---------------------------------------------------- */

/* The HTTP status of a package refusal, by its reason name (package.h, transfer.c). */
static const struct api_refusal {
	const char	*name;
	unsigned	 status;
} api_refusals[] = {
	{ "too_big", 413 },		{ "version", 400 },
	{ "malformed", 400 },		{ "signature", 400 },
	{ "decryption", 400 },		{ "resigned", 400 },
	{ "payload", 400 },		{ "not_for_us", 403 },
	{ "unknown_sender", 403 },	{ "expired", 403 },
	{ "no_receiving_agency", 403 },	{ "wrong_sender", 403 },
	{ "replay", 409 },		{ "already_acknowledged", 409 },
	{ "unknown_package", 422 },	{ "trust_lookup", 503 },
	{ "no_memory", 500 },
};

/* An import's answer: a refusal names its reason as the error code. */
static void
api_import_answer(struct http_request *req, struct http_response *resp, int rc,
    const struct app_error *err, json_t *out)
{
	size_t i;

	if (rc == RC_OK) {
		api_answer(req, resp, rc, err, out, strcmp(json_get_str(out, "kind") ?
		    json_get_str(out, "kind") : "", "ack") == 0 ? 200 : 202, 0);
		return;
	}
	json_decref(out);
	if (err->fields.n == 1 && strcmp(err->fields.e[0].field, "package") == 0) {
		for (i = 0; i < sizeof(api_refusals) / sizeof(api_refusals[0]); i++)
			if (strcmp(api_refusals[i].name, err->fields.e[0].problem) == 0) {
				http_error(resp, api_refusals[i].status,
				    api_refusals[i].name, err->message);
				return;
			}
	}
	http_app_error(req, resp, rc, err);
}

/* A package travels as text: text/plain or application/octet-stream. */
static int
api_package_media(struct http_request *req, struct http_response *resp)
{
	static const char *const types[] = { "text/plain", "application/octet-stream" };
	const char *ct = http_header(req, "Content-Type");
	size_t i, n;

	for (i = 0; ct != NULL && i < sizeof(types) / sizeof(types[0]); i++) {
		n = strlen(types[i]);
		if (strncasecmp(ct, types[i], n) == 0 && (ct[n] == '\0' || ct[n] == ';' ||
		    ct[n] == ' '))
			return 0;
	}
	http_error(resp, 415, "unsupported_media_type", "send the package file as "
	    "Content-Type: text/plain");
	return -1;
}

/* POST /api/v1/inbox: no session; the package proves where it comes from. */
static void
api_inbox(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *out = NULL;
	int rc;

	if (api_package_media(req, resp) != 0)
		return;
	if (req->body_len == 0) {
		http_error(resp, 400, "malformed", "malformed: the body holds no package");
		return;
	}
	rc = app_package_import(req->app, NULL, req->body, req->body_len, &out, &err);
	api_import_answer(req, resp, rc, &err, out);
}

/* POST /api/v1/packages: a supervisor imports a package file. */
static void
api_package_import(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *out = NULL;
	int rc;

	if (api_package_media(req, resp) != 0)
		return;
	rc = app_package_import(req->app, &req->actor, req->body, req->body_len, &out,
	    &err);
	api_import_answer(req, resp, rc, &err, out);
}

static void
api_package_list(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *out = NULL;
	int rc;

	rc = app_package_list(req->app, &req->actor, http_query(req, "status"), &out,
	    &err);
	api_list_answer(req, resp, rc, &err, out);
}

static void
api_package_get(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *out = NULL;
	int rc;

	rc = app_package_get(req->app, &req->actor, req->params[0], &out, &err);
	api_answer(req, resp, rc, &err, out, 200, 0);
}

static void
api_package_decision(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *out = NULL;
	int rc;

	rc = app_package_decide(req->app, &req->actor, req->params[0], api_req(req), &out,
	    &err);
	api_answer(req, resp, rc, &err, out, 200, 0);
}

/* GET /api/v1/packages/{id}/ack: the acknowledgement, as a file to carry back. */
static void
api_package_ack(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	struct buf text = BUF_INIT;
	char ack_id[40];
	int rc;

	rc = app_package_ack(req->app, &req->actor, req->params[0], &text, ack_id, &err);
	if (rc != RC_OK) {
		http_app_error(req, resp, rc, &err);
		buf_free(&text);
		return;
	}
	http_header_add(resp, "Content-Disposition", "attachment; filename=\"ack-%s.txt\"",
	    ack_id);
	http_header_add(resp, "X-Package-Id", "%s", ack_id);
	http_body(resp, 200, "text/plain; charset=utf-8", text.p, text.len);
	buf_free(&text);
}

/* ---- the table ----------------------------------------------------------------------- */

static const struct http_route api_referral_table[] = {
	{ HTTP_GET,  "/api/v1/services",		0,		api_service_list, NULL },
	{ HTTP_POST, "/api/v1/services",		HTTP_BODY_JSON,	api_service_create, NULL },
	{ HTTP_GET,  "/api/v1/services/{id}",		0,		api_service_get, NULL },
	{ HTTP_PATCH, "/api/v1/services/{id}",		HTTP_BODY_JSON,	api_service_update, NULL },
	{ HTTP_GET,  "/api/v1/cases/{id}/referrals",	0,		api_case_referral_list,
	    NULL },
	{ HTTP_POST, "/api/v1/cases/{id}/referrals",	HTTP_BODY_JSON,	api_case_referral_create,
	    NULL },
	{ HTTP_GET,  "/api/v1/referrals",		0,		api_referral_list, NULL },
	{ HTTP_GET,  "/api/v1/referrals/{id}",		0,		api_referral_get, NULL },
	{ HTTP_POST, "/api/v1/referrals/{id}/status",	HTTP_BODY_JSON,	api_referral_status,
	    NULL },
	{ HTTP_POST, "/api/v1/cases/{id}/transfer",	HTTP_BODY_JSON,	api_case_transfer, NULL },
	{ HTTP_POST, "/api/v1/cases/{id}/transfer/decision", HTTP_BODY_JSON,
	    api_case_transfer_decision, NULL },
	{ HTTP_GET,  "/api/v1/transfers",		0,		api_transfer_inbox, NULL },
	{ HTTP_POST, "/api/v1/inbox",			HTTP_PUBLIC,	api_inbox, NULL },
	{ HTTP_GET,  "/api/v1/packages",		0,		api_package_list, NULL },
	{ HTTP_POST, "/api/v1/packages",		0,		api_package_import, NULL },
	{ HTTP_GET,  "/api/v1/packages/{id}",		0,		api_package_get, NULL },
	{ HTTP_POST, "/api/v1/packages/{id}/decision",	HTTP_BODY_JSON,	api_package_decision,
	    NULL },
	{ HTTP_GET,  "/api/v1/packages/{id}/ack",	0,		api_package_ack, NULL },
};

static const struct http_routes api_referral_routes_table = {
	api_referral_table, sizeof(api_referral_table) / sizeof(api_referral_table[0])
};

const struct http_routes *
api_referrals_routes(void)
{
	return &api_referral_routes_table;
}
