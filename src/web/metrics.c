/* metrics.c — request counters and latency histograms, Prometheus text format. */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>

#include "app/app.h"
#include "base/buf.h"
#include "web/http.h"
#include "web/metrics.h"

#ifndef ROUTECARE_VERSION
#define ROUTECARE_VERSION "0.0.0"
#endif

/* The status codes the server answers with; anything else counts as "other". */
static const unsigned metrics_statuses[] = {
	200, 201, 204, 304, 400, 401, 403, 404, 405, 409, 413, 415, 422, 428, 429, 500,
	503
};
#define METRICS_STATUS_N	(sizeof(metrics_statuses) / sizeof(metrics_statuses[0]))
#define METRICS_STATUS__MAX	(METRICS_STATUS_N + 1)	/* + "other" */

/* Upper bounds of the latency buckets, seconds; the +Inf bucket is the count. */
static const double metrics_bounds[] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5
};
#define METRICS_BUCKET_N	(sizeof(metrics_bounds) / sizeof(metrics_bounds[0]))

struct metrics_hist {
	atomic_ullong	bucket[METRICS_BUCKET_N + 1];	/* not cumulative; last = over 5 s */
	atomic_ullong	count;
	atomic_ullong	sum_us;				/* total microseconds */
};

struct metrics {
	const char *const	*routes;	/* borrowed labels, nroutes of them */
	size_t			 nroutes;	/* + 1 for "unmatched" in the arrays */
	atomic_ullong		*requests;	/* [route][method][status], owned */
	struct metrics_hist	*hist;		/* [route], owned */
};

struct metrics *
metrics_new(const char *const *routes, size_t n)
{
	struct metrics *m;
	size_t slots;

	if (n > SIZE_MAX / HTTP_METHOD__MAX / METRICS_STATUS__MAX - 1)
		return NULL;
	slots = (n + 1) * HTTP_METHOD__MAX * METRICS_STATUS__MAX;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->routes = routes;
	m->nroutes = n;
	/* all-zero bytes are valid lock-free atomics on the platforms we build for */
	if ((m->requests = calloc(slots, sizeof(*m->requests))) == NULL ||
	    (m->hist = calloc(n + 1, sizeof(*m->hist))) == NULL) {
		metrics_free(m);
		return NULL;
	}
	return m;
}

void
metrics_free(struct metrics *m)
{
	if (m == NULL)
		return;
	free(m->requests);
	free(m->hist);
	free(m);
}

static size_t
metrics_status_index(unsigned status)
{
	size_t i;

	for (i = 0; i < METRICS_STATUS_N; i++)
		if (metrics_statuses[i] == status)
			return i;
	return METRICS_STATUS_N;
}

void
metrics_observe(struct metrics *m, size_t route, enum http_method method,
    unsigned status, double seconds)
{
	struct metrics_hist *h;
	size_t slot, b;
	double us;

	if (m == NULL)
		return;
	if (route > m->nroutes)
		route = m->nroutes;
	if ((unsigned)method >= HTTP_METHOD__MAX)
		method = HTTP_OTHER;
	slot = (route * HTTP_METHOD__MAX + (size_t)method) * METRICS_STATUS__MAX +
	    metrics_status_index(status);
	atomic_fetch_add_explicit(&m->requests[slot], 1, memory_order_relaxed);

	h = &m->hist[route];
	for (b = 0; b < METRICS_BUCKET_N; b++)
		if (seconds <= metrics_bounds[b])
			break;
	atomic_fetch_add_explicit(&h->bucket[b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
	us = seconds > 0 ? seconds * 1e6 : 0;
	if (us > 1e12)
		us = 1e12;
	atomic_fetch_add_explicit(&h->sum_us, (unsigned long long)us, memory_order_relaxed);
}

static const char *
metrics_route_label(const struct metrics *m, size_t route)
{
	return route < m->nroutes ? m->routes[route] : "unmatched";
}

static int
metrics_render_requests(const struct metrics *m, struct buf *out)
{
	size_t r, meth, st, slot;
	unsigned long long v;

	if (buf_puts(out, "# HELP routecare_http_requests_total HTTP requests answered, "
	    "by route pattern, method and status.\n"
	    "# TYPE routecare_http_requests_total counter\n") != 0)
		return -1;
	for (r = 0; r <= m->nroutes; r++)
		for (meth = 0; meth < HTTP_METHOD__MAX; meth++)
			for (st = 0; st < METRICS_STATUS__MAX; st++) {
				slot = (r * HTTP_METHOD__MAX + meth) * METRICS_STATUS__MAX + st;
				v = atomic_load_explicit(&m->requests[slot],
				    memory_order_relaxed);
				if (v == 0)
					continue;
				if (buf_printf(out, "routecare_http_requests_total{route=\"%s\","
				    "method=\"%s\",status=\"", metrics_route_label(m, r),
				    http_method_name((enum http_method)meth)) != 0)
					return -1;
				if ((st < METRICS_STATUS_N ?
				    buf_printf(out, "%u", metrics_statuses[st]) :
				    buf_puts(out, "other")) != 0)
					return -1;
				if (buf_printf(out, "\"} %llu\n", v) != 0)
					return -1;
			}
	return 0;
}

static int
metrics_render_hist(const struct metrics *m, struct buf *out)
{
	const struct metrics_hist *h;
	unsigned long long cum, count;
	const char *label;
	size_t r, b;

	if (buf_puts(out, "# HELP routecare_http_request_duration_seconds Time from the "
	    "request headers to the end of the response, by route pattern.\n"
	    "# TYPE routecare_http_request_duration_seconds histogram\n") != 0)
		return -1;
	for (r = 0; r <= m->nroutes; r++) {
		h = &m->hist[r];
		if ((count = atomic_load_explicit(&h->count, memory_order_relaxed)) == 0)
			continue;
		label = metrics_route_label(m, r);
		cum = 0;
		for (b = 0; b < METRICS_BUCKET_N; b++) {
			cum += atomic_load_explicit(&h->bucket[b], memory_order_relaxed);
			if (buf_printf(out, "routecare_http_request_duration_seconds_bucket"
			    "{route=\"%s\",le=\"%g\"} %llu\n", label, metrics_bounds[b],
			    cum) != 0)
				return -1;
		}
		/* loads are not one snapshot: keep +Inf >= every bucket */
		cum += atomic_load_explicit(&h->bucket[METRICS_BUCKET_N],
		    memory_order_relaxed);
		if (count < cum)
			count = cum;
		if (buf_printf(out, "routecare_http_request_duration_seconds_bucket"
		    "{route=\"%s\",le=\"+Inf\"} %llu\n", label, count) != 0 ||
		    buf_printf(out, "routecare_http_request_duration_seconds_sum"
		    "{route=\"%s\"} %.6f\n", label,
		    (double)atomic_load_explicit(&h->sum_us, memory_order_relaxed) / 1e6) != 0 ||
		    buf_printf(out, "routecare_http_request_duration_seconds_count"
		    "{route=\"%s\"} %llu\n", label, count) != 0)
			return -1;
	}
	return 0;
}

int
metrics_render(const struct metrics *m, size_t in_flight, int64_t sessions,
    struct buf *out)
{
	if (metrics_render_requests(m, out) != 0 || metrics_render_hist(m, out) != 0)
		return -1;
	if (buf_printf(out, "# HELP routecare_http_requests_in_flight Requests begun and "
	    "not yet answered.\n# TYPE routecare_http_requests_in_flight gauge\n"
	    "routecare_http_requests_in_flight %zu\n", in_flight) != 0)
		return -1;
	if (sessions >= 0 && buf_printf(out, "# HELP routecare_sessions_open Sessions "
	    "signed in and not expired.\n# TYPE routecare_sessions_open gauge\n"
	    "routecare_sessions_open %" PRId64 "\n", sessions) != 0)
		return -1;
	if (buf_puts(out, "# HELP routecare_build_info The running version.\n"
	    "# TYPE routecare_build_info gauge\n"
	    "routecare_build_info{version=\"" ROUTECARE_VERSION "\"} 1\n") != 0)
		return -1;
	return 0;
}

void
metrics_handle(struct http_request *req, struct http_response *resp)
{
	struct buf text = BUF_INIT;	/* owned; copied into the response */
	int64_t sessions;

	sessions = app_sessions_open(req->app);
	if (metrics_render(http_server_metrics(req->server),
	    http_server_active(req->server), sessions, &text) != 0) {
		resp->failed = 1;
		goto fail;
	}
	http_body(resp, 200, "text/plain; version=0.0.4; charset=utf-8", text.p,
	    text.len);
fail:
	buf_free(&text);
}
