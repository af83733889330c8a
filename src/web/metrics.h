/*
 * metrics.h — request counters and latency histograms in Prometheus text format.
 *
 * Counters are relaxed atomics, so observing a request costs a few uncontended
 * increments and no lock. Labels are route patterns ("/api/v1/cases/{id}"), methods and
 * status codes: never a path with its ids, a query string or anything about a person.
 */
#ifndef WEB_METRICS_H
#define WEB_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "web/http.h"

struct metrics;

/*
 * Counters for `n` routes labelled `routes[i]` (borrowed: static strings). Route index
 * `n` is the extra label "unmatched" for requests no route answered. NULL when out of
 * memory.
 */
struct metrics *metrics_new(const char *const *routes, size_t n);
void	metrics_free(struct metrics *m);		/* NULL is fine */

/* Count one finished request of route `route` (0..n, n = unmatched). */
void	metrics_observe(struct metrics *m, size_t route, enum http_method method,
	    unsigned status, double seconds);

/*
 * Append the exposition text: routecare_http_requests_total, the
 * routecare_http_request_duration_seconds histogram, routecare_http_requests_in_flight
 * (`in_flight`), routecare_sessions_open (`sessions`, left out when < 0) and
 * routecare_build_info. Returns 0, or -1 when out of memory.
 */
int	metrics_render(const struct metrics *m, size_t in_flight, int64_t sessions,
	    struct buf *out);

/* The GET /metrics route handler. */
void	metrics_handle(struct http_request *req, struct http_response *resp);

#endif
