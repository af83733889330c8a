/*
 * api.h — the JSON API under /api/v1, plus /healthz and /metrics.
 *
 * Every handler reads its input through http.h, calls one app/ use case and answers in
 * a Primero-style envelope ({"data": ...}, lists with "metadata"), or with the error
 * envelope of http_app_error().
 */
#ifndef WEB_API_H
#define WEB_API_H

#include "web/http.h"

/* The route table of the API (static). */
const struct http_routes *api_routes(void);
/* The workflow's routes: approvals, a case's workflow state, consent, tasks
 * (api_workflow.c; static). */
const struct http_routes *api_workflow_routes(void);
/* The service directory, referrals, transfers, packages and the public inbox
 * (api_referrals.c). */
const struct http_routes *api_referrals_routes(void);
/* Family tracing: tracing requests, matches, decisions, duplicates (api_tracing.c). */
const struct http_routes *api_tracing_routes(void);

/* ---- reports, exports, case summaries (api_reports.c) ---- */

/* Reports, exports and the case summary PDF (static). */
const struct http_routes *api_reports_routes(void);
/* The words of an export or a summary for the signed-in user: their language, the
 * catalog, ICU's names of countries, languages and dates. */
void	api_words(const struct http_request *req, struct app_words *w);
/* Report `name` with the parameters of the query string (from, to, by, location_level,
 * external). 0, or -1 after answering 400. */
int	api_report_query(struct http_request *req, struct http_response *resp,
	    const char *name, struct app_report_query *q);

#endif
