/*
 * http.h — request and response plumbing over libmicrohttpd, shared by the JSON API
 * (api.c) and the HTML pages: route tables, request bodies with limits, session
 * authentication, response helpers that always carry the security headers, and the
 * glue between the MHD thread pool and per-thread app handles.
 *
 * A request goes through these steps, all in the MHD worker thread that owns its
 * connection:
 *   1. headers read: match the route (404, or 405 with Allow), refuse a body that is
 *      announced too large (413) or of the wrong media type (415), authenticate
 *      (401; 403 for a cookie-authenticated unsafe request without its CSRF token);
 *   2. body chunks: accumulated up to HTTP_BODY_MAX, the rest discarded (then 413);
 *   3. body complete: JSON routes get the body parsed with the depth limit (400, 413),
 *      then the route's handler fills a struct http_response;
 *   4. completed: metrics, one access log line (method, route pattern, status, time).
 *
 * Handlers never see MHD: they read the request through the accessors below and answer
 * through the response helpers. Nothing here logs a path, a query string or a body.
 */
#ifndef WEB_HTTP_H
#define WEB_HTTP_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "app/app.h"
#include "base/buf.h"
#include "base/json.h"

struct MHD_Connection;
struct MHD_Daemon;
struct metrics;

enum http_method {
	HTTP_GET, HTTP_HEAD, HTTP_POST, HTTP_PUT, HTTP_PATCH, HTTP_DELETE, HTTP_OPTIONS,
	HTTP_OTHER,
	HTTP_METHOD__MAX
};

/* "GET", ...; "OTHER" for HTTP_OTHER. */
const char *http_method_name(enum http_method m);

/* How the caller proved who they are. */
enum http_auth {
	HTTP_AUTH_NONE,		/* public route, or not signed in */
	HTTP_AUTH_BEARER,	/* Authorization: Bearer <token> */
	HTTP_AUTH_COOKIE	/* cookie HTTP_SESSION_COOKIE (web pages) */
};

#define HTTP_BODY_MAX		JSON_BODY_MAX	/* bytes of one request body, any type */
#define HTTP_PATH_MAX		1024		/* longer paths are 404 */
#define HTTP_PARAMS_MAX		4		/* {id} segments in one pattern */
#define HTTP_PARAM_SIZE		128		/* one segment, NUL included */
#define HTTP_HEADERS_MAX	8		/* extra headers on one response */
#define HTTP_HEADER_SIZE	256		/* one extra header value, NUL included */
#define HTTP_SESSION_COOKIE	"rc_session"
#define HTTP_PRELOGIN_COOKIE	"rc_prelogin"	/* double-submit token of the sign-in form */
#define HTTP_CSRF_HEADER	"X-CSRF-Token"
#define HTTP_CSRF_FIELD		"csrf"		/* the token in an HTML form */
#define HTTP_FORM_FIELDS_MAX	2000		/* fields in one form body */

/* Route flags. */
#define HTTP_PUBLIC	0x01u	/* no authentication */
#define HTTP_BODY_JSON	0x02u	/* body is application/json: parsed into req->json */
#define HTTP_BODY_CSV	0x04u	/* body is text/csv: raw in req->body */
#define HTTP_AUTH_OPT	0x08u	/* authenticate when credentials come, never refuse */
#define HTTP_PAGE	0x10u	/* an HTML page, see below */

/*
 * HTML page routes (HTTP_PAGE) differ from API routes:
 *   - only the session cookie authenticates; without a valid session a route that is
 *     not HTTP_PUBLIC answers 303 to /login (HTTP_PUBLIC | HTTP_AUTH_OPT routes see
 *     the signed-in user when there is one);
 *   - a body is a form (application/x-www-form-urlencoded or multipart/form-data),
 *     parsed into req->form before the handler runs;
 *   - an unsafe request must carry the field HTTP_CSRF_FIELD: the session's token
 *     (app_csrf_token), or without a session the value of the HTTP_PRELOGIN_COOKIE
 *     cookie (double submit). Checked here, before the handler: 403 otherwise;
 *   - failures found here (404, 405, 403, 413, 415, 500, 503) are answered by the
 *     page renderer given to http_server_error_page(), in HTML. Paths that match no
 *     route and are not under /api/ are treated as pages too.
 */

struct http_request;
struct http_response;

typedef void (*http_handler_fn)(struct http_request *req, struct http_response *resp);

struct http_route {
	enum http_method	 method;	/* HEAD is answered by GET routes */
	const char		*pattern;	/* "/api/v1/cases/{id}": {x} is one segment */
	unsigned		 flags;		/* HTTP_PUBLIC | HTTP_BODY_JSON ... */
	http_handler_fn		 handler;
	const char		*arg;		/* for the handler: the record type, ... */
};

/* One table of routes (the API's, the pages', ...); the server tries them in order. */
struct http_routes {
	const struct http_route	*r;
	size_t			 n;
};

struct http_server;

/* One field of a form body. */
struct http_field {
	const char	*name;		/* NUL-terminated */
	const char	*value;		/* NUL-terminated; a file may hold NUL bytes */
	size_t		 len;		/* bytes of value */
	int		 file;		/* a multipart part that came with a filename */
};

struct http_request {
	struct http_server	*server;
	struct MHD_Connection	*conn;
	enum http_method	 method;
	const char		*path;		/* without the query string; MHD owns it */
	const struct http_route	*route;
	const char		*params[HTTP_PARAMS_MAX];	/* the {x} segments, in order */
	size_t			 nparams;
	const char		*body;		/* NUL-terminated; "" when none */
	size_t			 body_len;
	json_t			*json;		/* HTTP_BODY_JSON: the body object (borrowed) */
	const struct http_field	*form;		/* HTTP_PAGE: the form fields, in order */
	size_t			 nform;
	struct app		*app;		/* this worker thread's handle (borrowed) */
	enum http_auth		 auth;
	char			 token[APP_TOKEN_SIZE];	/* the session token when auth */
	struct app_actor	 actor;		/* the signed-in user when auth */
};

struct http_header {
	const char	*name;			/* a string literal */
	char		 value[HTTP_HEADER_SIZE];
};

struct http_response {
	unsigned		 status;	/* 0 until a helper set it */
	const char		*content_type;	/* a string literal, or NULL for no body */
	struct buf		 body;		/* owned; handed to MHD when queued */
	struct http_header	 headers[HTTP_HEADERS_MAX];
	size_t			 nheaders;
	int			 failed;	/* a helper ran out of memory: answer 500 */
};

/* ---- reading the request ---------------------------------------------------------- */

/* A request header, or NULL. */
const char *http_header(const struct http_request *req, const char *name);
/* A cookie, or NULL. */
const char *http_cookie(const struct http_request *req, const char *name);
/* A query-string parameter, or NULL when absent or empty. */
const char *http_query(const struct http_request *req, const char *name);
/*
 * The query parameter `name` as an integer in min..max (`*out` = 0 when absent).
 * Returns 0, or -1 after answering 400 "invalid_parameter" naming it.
 */
int	http_query_int(const struct http_request *req, struct http_response *resp,
	    const char *name, int64_t min, int64_t max, int64_t *out);
/* The first value of form field `name` ("" when sent empty), or NULL when absent.
 * File parts are not returned here: see http_form_file(). */
const char *http_form(const struct http_request *req, const char *name);
/* The first file part named `name`, or NULL. */
const struct http_field *http_form_file(const struct http_request *req, const char *name);
/*
 * Parse a form body outside a request (tests, fuzz targets) exactly as page requests
 * are parsed: `content_type` is the Content-Type header (application/x-www-form-
 * urlencoded, or multipart/form-data with its boundary; NULL when absent), `body` is
 * `n` bytes. Returns 0 with the fields in `*out` (free with http_form_body_free(),
 * which wipes the decoded text), or -1 when malformed or out of memory (nothing to
 * free).
 */
struct http_form_body {
	struct http_field	*fields;	/* owned; point into arena */
	size_t			 nfields;
	char			*arena;		/* owned: the decoded names and values */
	size_t			 arena_size;
};
int	http_form_body_parse(const char *content_type, const char *body, size_t n,
	    struct http_form_body *out);
void	http_form_body_free(struct http_form_body *fb);
/* 1 for POST, PUT, PATCH, DELETE (and unknown methods). */
int	http_method_unsafe(enum http_method m);

/* ---- answering ---------------------------------------------------------------------- */

/* Add a response header (printf-style value). Sets resp->failed when it does not fit. */
void	http_header_add(struct http_response *resp, const char *name, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
/* `j` serialised as the body (not stolen). */
void	http_json(struct http_response *resp, unsigned status, const json_t *j);
/* {"data": j}; `j` is not stolen. */
void	http_data(struct http_response *resp, unsigned status, const json_t *j);
/* 303 See Other to the local path `location` (a literal or checked path). */
void	http_redirect(struct http_response *resp, const char *location);
/* No body (204, ...). */
void	http_empty(struct http_response *resp, unsigned status);
/* A body of `n` bytes with a literal content type. */
/* A body written in pieces: begin with `start` (replacing any body), write into
 * http_body_buf(), append more. Each returns 0, or -1 when out of memory (then the
 * answer is a 500). Errors set later (http_error...) replace the body. */
int	http_body_begin(struct http_response *resp, unsigned status,
	    const char *content_type, const char *start);
struct buf *http_body_buf(struct http_response *resp);
int	http_body_append(struct http_response *resp, const char *s);
void	http_body(struct http_response *resp, unsigned status, const char *content_type,
	    const void *p, size_t n);
/* {"error":{"code","message","fields":{}}}; replaces whatever the response held. */
void	http_error(struct http_response *resp, unsigned status, const char *code,
	    const char *message);
/* One field problem: {"error":{"code","message","fields":{field: problem}}}. */
void	http_error_field(struct http_response *resp, unsigned status, const char *code,
	    const char *message, const char *field, const char *problem);
/*
 * The answer for an app/ failure `rc`: RC_EINVALID 422 (fields from err; the code
 * "invalid", or err->code when set: "rule" for a workflow rule's refusal), RC_ETOOBIG
 * 413, RC_EAUTH 401, RC_EDENIED 403, RC_ENOTFOUND 404, RC_ECONFLICT and RC_EEXIST 409,
 * RC_ELOCKED 429, RC_EINTEGRITY 500 "integrity", anything else 500 "internal" (logged
 * with the route, answered with a generic message).
 */
void	http_app_error(struct http_request *req, struct http_response *resp, int rc,
	    const struct app_error *err);
/*
 * An RC_EINVALID answered with `status` and `code` (http_app_error uses 422
 * "invalid"; a bad query parameter is 400 "invalid_parameter"). "fields" holds err's
 * per-field problems or, when it has none, the field its message starts with
 * ("role: unknown role" gives {"role": "unknown role"}).
 */
void	http_app_invalid(struct http_response *resp, unsigned status, const char *code,
	    const struct app_error *err);

/* ---- the server --------------------------------------------------------------------- */

/*
 * A server for `app` (borrowed; it must outlive the server) answering the route tables
 * `tables` (borrowed, static). NULL when out of memory.
 */
struct http_server *http_server_new(struct app *app, const struct http_routes *tables,
	    size_t ntables);
/* The function that renders HTML error pages (status 403, 404, 405, 413, 415, 500,
 * 503) for page requests; without one they are answered in JSON. */
typedef void (*http_error_page_fn)(struct http_request *req, struct http_response *resp,
    unsigned status);
void	http_server_error_page(struct http_server *s, http_error_page_fn fn);
/*
 * Run requests with an unsafe method (POST, PUT, PATCH, DELETE) on `n` writer threads
 * (1..256) of their own, each with its own app handle, instead of on the MHD thread
 * that read them; that connection is suspended until the answer is ready. A writer
 * waiting for its commit then holds up no other connection, and concurrent writes
 * share group commits. Call once, before http_server_start; 0, or -1 when a thread
 * could not start (those started run). Without it every request runs on its MHD
 * thread.
 */
int	http_server_writers(struct http_server *s, unsigned n);
/* Let the writers finish every request queued for them (each connection is resumed
 * with its answer) and stop. Call before MHD_stop_daemon, which refuses to stop with
 * a connection still suspended; http_server_free calls it too. */
void	http_server_writers_stop(struct http_server *s);
/* Stops the writers, closes the per-thread app handles; call after the daemon has
 * stopped. NULL is fine. */
void	http_server_free(struct http_server *s);
/*
 * Start the MHD daemon on the listening socket `fd` (handed over to MHD) with
 * `threads` worker threads. NULL when MHD refused (the reason is logged).
 */
struct MHD_Daemon *http_server_start(struct http_server *s, int fd, unsigned threads);
/* From now on every response says "Connection: close". */
void	http_server_stopping(struct http_server *s);
/* From now on requests are answered 503 without running their handler. */
void	http_server_refusing(struct http_server *s);
/* Requests begun and not yet completed. */
size_t	http_server_active(const struct http_server *s);
struct metrics *http_server_metrics(const struct http_server *s);

#endif
