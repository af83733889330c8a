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

#endif
