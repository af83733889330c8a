/*
 * api_reports.c — reports, exports and the case summary PDF over the JSON API:
 *
 *	GET /api/v1/reports				the reports and their dimensions
 *	GET /api/v1/reports/{name}?from=&to=&by=&location_level=&external=
 *	GET /api/v1/exports/cases?format=csv|xlsx	the cases the caller may see
 *	GET /api/v1/exports/aggregate?report=&by=&from=&to=&location_level=&format=
 *	GET /api/v1/exports/ctdc?k=			VoT records, k-anonymous CTDC CSV
 *	GET /api/v1/cases/{id}/summary.pdf		a case summary in the caller's language
 *
 * Files are answered with their media type, Content-Disposition: attachment and
 * Cache-Control: no-store; what the CTDC export suppressed is in X-RouteCare-* headers.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "app/app.h"
#include "base/err.h"
#include "web/api.h"
#include "web/http.h"
#include "web/i18n.h"

#define CSV_TYPE	"text/csv; charset=utf-8"
#define XLSX_TYPE	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#define PDF_TYPE	"application/pdf"

/* The words of exports and summaries: the caller's language, the interface's catalog
 * and ICU's names. */
void
api_words(const struct http_request *req, struct app_words *w)
{
	memset(w, 0, sizeof(*w));
	w->lang = i18n_lang(req->actor.language);
	w->tr = i18n_tr;
	w->region = i18n_region;
	w->language = i18n_language;
	w->date = i18n_date;
}

/*
 * The report parameters of the query string into `q` (name from `name`). Returns 0, or
 * -1 after answering 400.
 */
int
api_report_query(struct http_request *req, struct http_response *resp, const char *name,
    struct app_report_query *q)
{
	const char *ext = http_query(req, "external");
	int64_t level = 0;

	memset(q, 0, sizeof(*q));
	q->name = name;
	q->from = http_query(req, "from");
	q->to = http_query(req, "to");
	q->by = http_query(req, "by");
	q->location_level = -1;
	if (http_query(req, "location_level") != NULL) {
		if (http_query_int(req, resp, "location_level", 0, 9, &level) != 0)
			return -1;
		q->location_level = (int)level;
	}
	if (ext != NULL && strcmp(ext, "1") != 0 && strcmp(ext, "0") != 0) {
		http_error_field(resp, 400, "invalid_parameter", "external: 0 or 1",
		    "external", "must be 0 or 1");
		return -1;
	}
	q->external = ext != NULL && strcmp(ext, "1") == 0;
	return 0;
}

/* An app/ failure for a GET whose parameters came in the query: 400 for bad ones. */
static void
api_reports_error(struct http_request *req, struct http_response *resp, int rc,
    const struct app_error *err)
{
	if (rc == RC_EINVALID)
		http_app_invalid(resp, 400, "invalid_parameter", err);
	else
		http_app_error(req, resp, rc, err);
}

/* ?format=csv (default) or xlsx. Returns 0, or -1 after answering 400. */
static int
api_format(struct http_request *req, struct http_response *resp,
    enum app_export_format *fmt)
{
	const char *f = http_query(req, "format");

	if (f == NULL || strcmp(f, "csv") == 0) {
		*fmt = APP_EXPORT_CSV;
		return 0;
	}
	if (strcmp(f, "xlsx") == 0) {
		*fmt = APP_EXPORT_XLSX;
		return 0;
	}
	http_error_field(resp, 400, "invalid_parameter", "format: csv or xlsx", "format",
	    "must be csv or xlsx");
	return -1;
}

static void
api_attachment(struct http_response *resp, const char *name, const char *ext)
{
	http_header_add(resp, "Content-Disposition", "attachment; filename=\"%s.%s\"",
	    name, ext);
}

/* ---- reports --------------------------------------------------------------------------- */

static void
api_reports_list(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *out = NULL;	/* owned */
	int rc;

	rc = app_report_list(req->app, &req->actor, &out, &err);
	if (rc != RC_OK)
		http_app_error(req, resp, rc, &err);
	else
		http_json(resp, 200, out);
	json_decref(out);
}

static void
api_report(struct http_request *req, struct http_response *resp)
{
	struct app_report_query q;
	struct app_error err = { 0 };
	json_t *out = NULL;	/* owned */
	int rc;

	if (api_report_query(req, resp, req->params[0], &q) != 0)
		return;
	rc = app_report_get(req->app, &req->actor, &q, &out, &err);
	if (rc != RC_OK)
		api_reports_error(req, resp, rc, &err);
	else
		http_json(resp, 200, out);
	json_decref(out);
}

/* ---- exports ----------------------------------------------------------------------------- */

static void
api_export_cases(struct http_request *req, struct http_response *resp)
{
	enum app_export_format fmt;
	struct app_error err = { 0 };
	struct app_words w;
	int64_t count = 0;
	int rc;

	if (api_format(req, resp, &fmt) != 0)
		return;
	api_words(req, &w);
	/* written straight into the response: no second copy of the cases */
	if (http_body_begin(resp, 200, fmt == APP_EXPORT_CSV ? CSV_TYPE : XLSX_TYPE, "") !=
	    0)
		return;
	rc = app_export_cases(req->app, &req->actor, fmt, &w, http_body_buf(resp), &count,
	    &err);
	if (rc != RC_OK) {
		http_app_error(req, resp, rc, &err);
		return;
	}
	api_attachment(resp, "cases", fmt == APP_EXPORT_CSV ? "csv" : "xlsx");
	http_header_add(resp, "X-RouteCare-Rows", "%" PRId64, count);
}

static void
api_export_aggregate(struct http_request *req, struct http_response *resp)
{
	enum app_export_format fmt;
	struct app_report_query q;
	struct app_error err = { 0 };
	struct app_words w;
	const char *name = http_query(req, "report");
	int rc;

	if (name == NULL) {
		http_error_field(resp, 400, "invalid_parameter", "report: which report",
		    "report", "is required");
		return;
	}
	if (api_format(req, resp, &fmt) != 0 || api_report_query(req, resp, name, &q) != 0)
		return;
	api_words(req, &w);
	if (http_body_begin(resp, 200, fmt == APP_EXPORT_CSV ? CSV_TYPE : XLSX_TYPE, "") !=
	    0)
		return;
	rc = app_export_aggregate(req->app, &req->actor, &q, fmt, &w, http_body_buf(resp),
	    &err);
	if (rc != RC_OK) {
		api_reports_error(req, resp, rc, &err);
		return;
	}
	api_attachment(resp, "report", fmt == APP_EXPORT_CSV ? "csv" : "xlsx");
}

static void
api_export_ctdc(struct http_request *req, struct http_response *resp)
{
	struct app_ctdc_report rep;
	struct app_error err = { 0 };
	int64_t k = 0;
	int rc;

	if (http_query_int(req, resp, "k", 2, 1000, &k) != 0)
		return;
	if (http_body_begin(resp, 200, CSV_TYPE, "") != 0)
		return;
	rc = app_export_ctdc(req->app, &req->actor, (size_t)k, http_body_buf(resp), &rep,
	    &err);
	if (rc != RC_OK) {
		api_reports_error(req, resp, rc, &err);
		return;
	}
	api_attachment(resp, "ctdc", "csv");
	http_header_add(resp, "X-RouteCare-K", "%zu", rep.k);
	http_header_add(resp, "X-RouteCare-Rows-In", "%zu", rep.rows_in);
	http_header_add(resp, "X-RouteCare-Rows", "%zu", rep.rows_out);
	http_header_add(resp, "X-RouteCare-Rows-Suppressed", "%zu", rep.rows_suppressed);
	http_header_add(resp, "X-RouteCare-Cells-Suppressed", "%zu", rep.cells_suppressed);
	http_header_add(resp, "X-RouteCare-Smallest-Class", "%zu", rep.smallest_class);
}

/* ---- the case summary --------------------------------------------------------------------- */

static void
api_case_summary_pdf(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	struct app_words w;
	char sid[SHORT_ID_SIZE], name[32];
	int rc;

	api_words(req, &w);
	if (http_body_begin(resp, 200, PDF_TYPE, "") != 0)
		return;
	rc = app_case_summary_pdf(req->app, &req->actor, req->params[0], &w,
	    http_body_buf(resp), sid, &err);
	if (rc != RC_OK) {
		http_app_error(req, resp, rc, &err);
		return;
	}
	snprintf(name, sizeof(name), "case-%s", sid);
	api_attachment(resp, name, "pdf");
}

/* ---- the table ---------------------------------------------------------------------------- */

static const struct http_route api_reports_table[] = {
	{ HTTP_GET, "/api/v1/reports",			0, api_reports_list, NULL },
	{ HTTP_GET, "/api/v1/reports/{name}",		0, api_report, NULL },
	{ HTTP_GET, "/api/v1/exports/cases",		0, api_export_cases, NULL },
	{ HTTP_GET, "/api/v1/exports/aggregate",	0, api_export_aggregate, NULL },
	{ HTTP_GET, "/api/v1/exports/ctdc",		0, api_export_ctdc, NULL },
	{ HTTP_GET, "/api/v1/cases/{id}/summary.pdf",	0, api_case_summary_pdf, NULL },
};

static const struct http_routes api_reports_table_routes = {
	api_reports_table, sizeof(api_reports_table) / sizeof(api_reports_table[0])
};

const struct http_routes *
api_reports_routes(void)
{
	return &api_reports_table_routes;
}
