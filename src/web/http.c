/* http.c — routes, bodies, authentication and responses over libmicrohttpd. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <microhttpd.h>
#include <sodium.h>

#include "app/app.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "web/http.h"
#include "web/metrics.h"

#define HTTP_CONNECTION_LIMIT	1024
#define HTTP_CONNECTION_TIMEOUT	30		/* seconds of inactivity */
#define HTTP_CONNECTION_MEMORY	(32 * 1024)	/* request line + headers + read buffer:
						 * libmicrohttpd zeroes what a request used */
#define HTTP_DISCARD_MAX	(16u * 1024 * 1024)	/* past this, close rather than read */
#define HTTP_ROUTES_MAX		128
#define HTTP_ALLOW_SIZE		64
#define HTTP_WRITERS_MAX	256

struct http_ctx;
struct http_server;

/* One writer thread (see struct http_server). */
struct http_writer {
	struct http_server	*s;
	pthread_t		 thread;
	pthread_cond_t		 wake;		/* a request for it, or stop */
	struct http_ctx		*job;		/* handed to it while idle */
	struct http_writer	*next_idle;
};

struct http_server {
	struct app		*app;		/* borrowed: the parent handle */
	const struct http_routes *tables;	/* borrowed, static */
	size_t			 ntables;
	const char		*labels[HTTP_ROUTES_MAX];	/* unique patterns, for metrics */
	size_t			 nlabels;
	struct metrics		*metrics;	/* owned */
	pthread_key_t		 key;		/* this thread's clone of app */
	int			 key_made;
	pthread_mutex_t		 lock;		/* guards clones */
	struct app		**clones;	/* owned: closed by http_server_free */
	size_t			 nclones, capclones;
	atomic_size_t		 active;	/* requests begun, not completed */
	atomic_int		 stopping;	/* 1: Connection: close; 2: refuse (503) */
	http_error_page_fn	 error_page;	/* HTML errors for pages; NULL: JSON */
	/*
	 * The writers: requests with an unsafe method run here, not on the thread
	 * that read them. Their connection is suspended meanwhile, so that a writer
	 * waiting for its group commit (store_commit) holds up no other connection of
	 * that MHD thread, reads included; many writers waiting at once make the
	 * batches that commit together. Resumed with the answer in http_ctx.
	 */
	pthread_mutex_t		 wmu;		/* guards the queue and the idle stack */
	struct http_ctx		*whead, *wtail;	/* queued requests (borrowed) */
	/* idle writers, the last one to finish on top: it takes the next request, so
	 * that a light load keeps to a few writers (and database connections) */
	struct http_writer	*widle;
	struct http_writer	 writers[HTTP_WRITERS_MAX];
	size_t			 nwriters;	/* started */
	int			 wstop;
};

/* What one request carries between the MHD callbacks (MHD's con_cls). */
struct http_ctx {
	struct http_request	 req;
	struct timespec		 start;
	size_t			 label;		/* metrics route index */
	unsigned		 status;	/* answered with; 0 = not answered */
	int			 queued;	/* a response is queued: ignore further calls */
	int			 too_big;	/* the body went over HTTP_BODY_MAX */
	int			 has_body;	/* Content-Length > 0 or chunked */
	size_t			 discarded;	/* bytes dropped after too_big */
	struct buf		 body;		/* owned; wiped (may hold passwords) */
	json_t			*json;		/* owned */
	char			 params[HTTP_PARAMS_MAX][HTTP_PARAM_SIZE];
	char			*arena;		/* owned: decoded form fields; wiped */
	size_t			 arena_len, arena_cap;
	struct http_field	*fields;	/* owned: points into arena */
	size_t			 nfields, capfields;
	/* run by a writer thread (struct http_server): its answer and the queue link */
	int			 deferred;	/* handed to the writers, suspended */
	atomic_int		 answered;	/* `deferred_resp` holds the answer */
	struct http_response	 deferred_resp;
	struct http_ctx		*wnext;
};

static const char *const http_method_names[HTTP_METHOD__MAX] = {
	[HTTP_GET] = "GET", [HTTP_HEAD] = "HEAD", [HTTP_POST] = "POST",
	[HTTP_PUT] = "PUT", [HTTP_PATCH] = "PATCH", [HTTP_DELETE] = "DELETE",
	[HTTP_OPTIONS] = "OPTIONS", [HTTP_OTHER] = "OTHER",
};

const char *
http_method_name(enum http_method m)
{
	return (unsigned)m < HTTP_METHOD__MAX ? http_method_names[m] : "OTHER";
}

static enum http_method
http_method_parse(const char *s)
{
	size_t i;

	for (i = 0; i < HTTP_OTHER; i++)
		if (strcmp(s, http_method_names[i]) == 0)
			return (enum http_method)i;
	return HTTP_OTHER;
}

const char *
http_form(const struct http_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nform; i++)
		if (!req->form[i].file && strcmp(req->form[i].name, name) == 0)
			return req->form[i].value;
	return NULL;
}

const struct http_field *
http_form_file(const struct http_request *req, const char *name)
{
	size_t i;

	for (i = 0; i < req->nform; i++)
		if (req->form[i].file && strcmp(req->form[i].name, name) == 0)
			return &req->form[i];
	return NULL;
}

int
http_method_unsafe(enum http_method m)
{
	return m != HTTP_GET && m != HTTP_HEAD && m != HTTP_OPTIONS;
}

/* ---- reading the request ---------------------------------------------------------- */

const char *
http_header(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *
http_cookie(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_COOKIE_KIND, name);
}

const char *
http_query(const struct http_request *req, const char *name)
{
	const char *v = MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND,
	    name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* Parse a decimal integer of digits only; -1 when not one or over INT64_MAX. */
static int
http_parse_int64(const char *s, int64_t *out)
{
	int64_t v = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (INT64_MAX - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = v;
	return 0;
}

int
http_query_int(const struct http_request *req, struct http_response *resp,
    const char *name, int64_t min, int64_t max, int64_t *out)
{
	const char *s = http_query(req, name);
	char msg[128];
	int64_t v;

	*out = 0;
	if (s == NULL)
		return 0;
	if (http_parse_int64(s, &v) != 0 || v < min || v > max) {
		snprintf(msg, sizeof(msg), "must be an integer from %" PRId64 " to %" PRId64,
		    min, max);
		http_error_field(resp, 400, "invalid_parameter", "bad query parameter",
		    name, msg);
		return -1;
	}
	*out = v;
	return 0;
}

/* ---- answering ---------------------------------------------------------------------- */

void
http_header_add(struct http_response *resp, const char *name, const char *fmt, ...)
{
	struct http_header *h;
	va_list ap;
	int n;

	if (resp->nheaders >= HTTP_HEADERS_MAX) {
		resp->failed = 1;
		return;
	}
	h = &resp->headers[resp->nheaders];
	h->name = name;
	va_start(ap, fmt);
	n = vsnprintf(h->value, sizeof(h->value), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(h->value)) {
		resp->failed = 1;
		return;
	}
	resp->nheaders++;
}

void
http_json(struct http_response *resp, unsigned status, const json_t *j)
{
	buf_reset(&resp->body);
	resp->status = status;
	resp->content_type = "application/json";
	if (json_write(&resp->body, j) != 0 || buf_putc(&resp->body, '\n') != 0)
		resp->failed = 1;
}

void
http_data(struct http_response *resp, unsigned status, const json_t *j)
{
	json_t *env;	/* owned */

	if (j == NULL || (env = json_pack("{s:O}", "data", (json_t *)j)) == NULL) {
		resp->failed = 1;
		return;
	}
	http_json(resp, status, env);
	json_decref(env);
}

void
http_empty(struct http_response *resp, unsigned status)
{
	buf_reset(&resp->body);
	resp->status = status;
	resp->content_type = NULL;
}

void
http_redirect(struct http_response *resp, const char *location)
{
	http_empty(resp, 303);
	http_header_add(resp, "Location", "%s", location);
}

void
http_body(struct http_response *resp, unsigned status, const char *content_type,
    const void *p, size_t n)
{
	buf_reset(&resp->body);
	resp->status = status;
	resp->content_type = content_type;
	if (buf_append(&resp->body, p, n) != 0)
		resp->failed = 1;
}

int
http_body_begin(struct http_response *resp, unsigned status, const char *content_type,
    const char *start)
{
	buf_reset(&resp->body);
	resp->status = status;
	resp->content_type = content_type;
	return http_body_append(resp, start);
}

struct buf *
http_body_buf(struct http_response *resp)
{
	return &resp->body;
}

int
http_body_append(struct http_response *resp, const char *s)
{
	if (buf_puts(&resp->body, s) != 0) {
		resp->failed = 1;
		return -1;
	}
	return 0;
}

/* {"error":{"code","message","fields":fields}}; steals `fields` (may be NULL). */
static void
http_error_fields(struct http_response *resp, unsigned status, const char *code,
    const char *message, json_t *fields)
{
	json_t *env;	/* owned */

	if (fields == NULL)
		fields = json_object();
	env = json_pack("{s:{s:s, s:s, s:o}}", "error", "code", code, "message", message,
	    "fields", fields);
	if (env == NULL) {
		resp->failed = 1;
		return;
	}
	http_json(resp, status, env);
	json_decref(env);
}

void
http_error(struct http_response *resp, unsigned status, const char *code,
    const char *message)
{
	http_error_fields(resp, status, code, message, NULL);
}

void
http_error_field(struct http_response *resp, unsigned status, const char *code,
    const char *message, const char *field, const char *problem)
{
	json_t *fields = json_object();	/* given to http_error_fields */

	if (fields != NULL)
		json_object_set_new(fields, field, json_string(problem));
	http_error_fields(resp, status, code, message, fields);
}

struct http_rc_map {
	int		 rc;
	unsigned	 status;
	const char	*code;
	const char	*message;	/* when err has none */
};

static const struct http_rc_map http_rc_table[] = {
	{ RC_EINVALID,	 422, "invalid",	"the request is not valid" },
	{ RC_ETOOBIG,	 413, "too_large",	"the request is over a size limit" },
	{ RC_EAUTH,	 401, "unauthorized",	"sign in first" },
	{ RC_EDENIED,	 403, "forbidden",	"not allowed" },
	{ RC_ENOTFOUND,	 404, "not_found",	"not found" },
	{ RC_ECONFLICT,	 409, "conflict",	"the record changed since you read it" },
	{ RC_EEXIST,	 409, "exists",		"it exists already" },
	{ RC_ELOCKED,	 429, "locked",		"too many attempts: try again later" },
	{ RC_EINTEGRITY, 500, "integrity",	"stored data failed its integrity check" },
};

/*
 * app/ messages without per-field entries often read "field: problem"; give such a
 * field its entry so that clients find it in "fields" as for form errors.
 */
static void
http_message_field(json_t *fields, const char *message)
{
	char field[64];
	size_t n = 0;

	while (n < sizeof(field) - 1 && ((message[n] >= 'a' && message[n] <= 'z') ||
	    message[n] == '_' || (n > 0 && message[n] >= '0' && message[n] <= '9'))) {
		field[n] = message[n];
		n++;
	}
	if (n == 0 || message[n] != ':' || message[n + 1] != ' ' || message[n + 2] == '\0')
		return;
	field[n] = '\0';
	json_object_set_new(fields, field, json_string(message + n + 2));
}

void
http_app_invalid(struct http_response *resp, unsigned status, const char *code,
    const struct app_error *err)
{
	json_t *fields = json_object();		/* given to http_error_fields */
	size_t i;

	if (fields != NULL) {
		for (i = 0; i < err->fields.n && i < FORM_ERRORS_MAX; i++)
			json_object_set_new(fields, err->fields.e[i].field[0] != '\0' ?
			    err->fields.e[i].field : "data",
			    json_string(err->fields.e[i].problem));
		if (err->fields.n == 0)
			http_message_field(fields, err->message);
	}
	http_error_fields(resp, status, code, err->message[0] != '\0' ? err->message :
	    "the request is not valid", fields);
}

void
http_app_error(struct http_request *req, struct http_response *resp, int rc,
    const struct app_error *err)
{
	const struct http_rc_map *m = NULL;
	size_t i;

	for (i = 0; i < sizeof(http_rc_table) / sizeof(http_rc_table[0]); i++)
		if (http_rc_table[i].rc == rc)
			m = &http_rc_table[i];
	if (m == NULL || rc == RC_EINTEGRITY) {
		/* the app's message names no record content; it still stays in the log */
		log_error("%s %s: %s: %s", http_method_name(req->method),
		    req->route != NULL ? req->route->pattern : "-", rc_name(rc),
		    err != NULL && err->message[0] != '\0' ? err->message : "-");
		if (m == NULL) {
			http_error(resp, 500, "internal", "internal error");
			return;
		}
	}
	if (rc == RC_EINVALID && err != NULL) {
		/* a rule's refusal says so ("rule"); other bad input is "invalid" */
		http_app_invalid(resp, m->status, err->code[0] != '\0' ? err->code : m->code,
		    err);
		return;
	}
	if (rc == RC_EAUTH)
		http_header_add(resp, "WWW-Authenticate", "Bearer");
	http_error(resp, m->status, m->code,
	    err != NULL && err->message[0] != '\0' ? err->message : m->message);
}

/* ---- per-thread app handles ------------------------------------------------------- */

/* This thread's app handle: a clone of the server's, made on first use; a writer's
 * (`writer` 1) keeps a small page cache of its own. */
static struct app *
http_thread_app(struct http_server *s, int writer)
{
	struct app_error err;
	struct app *a = pthread_getspecific(s->key);
	struct app **grown;
	size_t ncap;
	int rc;

	if (a != NULL)
		return a;
	app_error_init(&err);
	pthread_mutex_lock(&s->lock);
	if (s->nclones == s->capclones) {
		ncap = s->capclones ? s->capclones * 2 : 16;
		if (ncap > SIZE_MAX / sizeof(*grown) ||
		    (grown = realloc(s->clones, ncap * sizeof(*grown))) == NULL) {
			pthread_mutex_unlock(&s->lock);
			log_error("http: out of memory for a worker's database handle");
			return NULL;
		}
		s->clones = grown;
		s->capclones = ncap;
	}
	if ((rc = app_clone(s->app, &a, &err)) != RC_OK) {
		pthread_mutex_unlock(&s->lock);
		log_error("http: cannot open a database handle for a worker: %s: %s",
		    rc_name(rc), err.message);
		return NULL;
	}
	s->clones[s->nclones++] = a;
	pthread_mutex_unlock(&s->lock);
	if (writer && app_clone_cache_small(a) != RC_OK)
		log_warn("http: a writer's page cache keeps its default size");
	if (pthread_setspecific(s->key, a) != 0)
		log_warn("http: cannot keep a worker's database handle");
	return a;
}

/* ---- routing -------------------------------------------------------------------------- */

/*
 * 1 when `path` matches `pattern`; each {x} matches one non-empty segment, copied to
 * `params` (HTTP_PARAMS_MAX of HTTP_PARAM_SIZE bytes; longer segments do not match).
 */
static int
http_match(const char *pattern, const char *path,
    char params[HTTP_PARAMS_MAX][HTTP_PARAM_SIZE], size_t *np)
{
	const char *p = pattern, *s = path, *start;
	size_t n = 0, len;

	while (*p != '\0' && *s != '\0') {
		if (*p == '{') {
			while (*p != '\0' && *p != '}')
				p++;
			if (*p == '}')
				p++;
			start = s;
			while (*s != '\0' && *s != '/')
				s++;
			len = (size_t)(s - start);
			if (len == 0 || len >= HTTP_PARAM_SIZE || n >= HTTP_PARAMS_MAX)
				return 0;
			if (params != NULL) {
				memcpy(params[n], start, len);
				params[n][len] = '\0';
			}
			n++;
		} else if (*p++ != *s++)
			return 0;
	}
	if (*p != '\0' || *s != '\0')
		return 0;
	if (np != NULL)
		*np = n;
	return 1;
}

/* The metrics label index of `pattern`. */
static size_t
http_label_index(const struct http_server *s, const char *pattern)
{
	size_t i;

	for (i = 0; i < s->nlabels; i++)
		if (strcmp(s->labels[i], pattern) == 0)
			return i;
	return s->nlabels;
}

/*
 * Find the route for the request. Returns the route; or NULL with `allow` listing the
 * methods the path answers ("" when no route has this path: 404).
 */
static const struct http_route *
http_route_find(const struct http_server *s, struct http_ctx *c, char *allow,
    size_t allowsz)
{
	enum http_method want = c->req.method == HTTP_HEAD ? HTTP_GET : c->req.method;
	unsigned seen = 0;
	const struct http_route *r;
	size_t t, i, np = 0;

	allow[0] = '\0';
	for (t = 0; t < s->ntables; t++)
		for (i = 0; i < s->tables[t].n; i++) {
			r = &s->tables[t].r[i];
			if (!http_match(r->pattern, c->req.path, NULL, NULL))
				continue;
			if (r->method == want) {
				http_match(r->pattern, c->req.path, c->params, &np);
				for (c->req.nparams = 0; c->req.nparams < np; c->req.nparams++)
					c->req.params[c->req.nparams] =
					    c->params[c->req.nparams];
				return r;
			}
			seen |= 1u << r->method;
		}
	for (i = 0; i < HTTP_OTHER; i++) {
		if (!(seen & (1u << i)))
			continue;
		if (allow[0] != '\0')
			strncat(allow, ", ", allowsz - strlen(allow) - 1);
		strncat(allow, http_method_names[i], allowsz - strlen(allow) - 1);
		if (i == HTTP_GET)
			strncat(allow, ", HEAD", allowsz - strlen(allow) - 1);
	}
	return NULL;
}

/* 1 when the media type of `ct` (parameters ignored, any case) is `want`. */
static int
http_media_is(const char *ct, const char *want)
{
	size_t n = strlen(want);

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, want, n) != 0)
		return 0;
	ct += n;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	return *ct == '\0' || *ct == ';';
}

/* ---- form bodies ---------------------------------------------------------------------- */

/* Copy `n` bytes into the arena (NUL-terminated). NULL when it is full: the arena is
 * sized for the whole body up front, so it never moves. */
static char *
http_arena_put(struct http_ctx *c, const char *p, size_t n)
{
	char *at;

	if (n >= c->arena_cap - c->arena_len)
		return NULL;
	at = c->arena + c->arena_len;
	memcpy(at, p, n);
	at[n] = '\0';
	c->arena_len += n + 1;
	return at;
}

/* Add a field; -1 when there are too many or memory ran out. */
static int
http_field_add(struct http_ctx *c, const char *name, const char *value, size_t len,
    int file)
{
	struct http_field *grown;
	size_t ncap;

	if (c->nfields >= HTTP_FORM_FIELDS_MAX)
		return -1;
	if (c->nfields == c->capfields) {
		ncap = c->capfields ? c->capfields * 2 : 32;
		if ((grown = realloc(c->fields, ncap * sizeof(*grown))) == NULL)
			return -1;
		c->fields = grown;
		c->capfields = ncap;
	}
	c->fields[c->nfields].name = name;
	c->fields[c->nfields].value = value;
	c->fields[c->nfields].len = len;
	c->fields[c->nfields].file = file;
	c->nfields++;
	return 0;
}

static int
http_hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * Decode one application/x-www-form-urlencoded component of `n` bytes into the arena
 * ('+' is a space, %XX a byte). NULL on a bad escape, a NUL byte or a full arena.
 */
static char *
http_form_unescape(struct http_ctx *c, const char *s, size_t n)
{
	char *out = c->arena + c->arena_len, *o = out;
	size_t i;
	int hi, lo;

	if (n >= c->arena_cap - c->arena_len)
		return NULL;
	for (i = 0; i < n; i++) {
		if (s[i] == '+')
			*o++ = ' ';
		else if (s[i] == '%') {
			if (i + 2 >= n)
				return NULL;
			if ((hi = http_hexval(s[i + 1])) < 0 || (lo = http_hexval(s[i + 2])) < 0)
				return NULL;
			if ((*o++ = (char)(hi * 16 + lo)) == '\0')
				return NULL;
			i += 2;
		} else if (s[i] == '\0')
			return NULL;
		else
			*o++ = s[i];
	}
	*o = '\0';
	c->arena_len += (size_t)(o - out) + 1;
	return out;
}

static int
http_parse_urlencoded(struct http_ctx *c)
{
	const char *p = c->body.p, *end = p + c->body.len, *amp, *eq;
	char *name, *value;

	while (p < end) {
		if ((amp = memchr(p, '&', (size_t)(end - p))) == NULL)
			amp = end;
		if (amp > p) {
			if ((eq = memchr(p, '=', (size_t)(amp - p))) == NULL)
				eq = amp;
			if ((name = http_form_unescape(c, p, (size_t)(eq - p))) == NULL ||
			    (value = http_form_unescape(c, eq < amp ? eq + 1 : amp,
			    eq < amp ? (size_t)(amp - eq - 1) : 0)) == NULL ||
			    http_field_add(c, name, value, strlen(value), 0) != 0)
				return -1;
		}
		p = amp + 1;
	}
	return 0;
}

/* The value of parameter `key` in a header such as `form-data; name="x"` or
 * `multipart/form-data; boundary=y`, unquoted into `out`. -1 when absent or too long. */
static int
http_header_param(const char *h, size_t hn, const char *key, char *out, size_t outsz)
{
	const char *p = h, *end = h + hn, *k, *v;
	size_t klen = strlen(key), n;

	while (p < end) {
		while (p < end && *p != ';')
			p++;
		if (p >= end)
			break;
		p++;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		k = p;
		while (p < end && *p != '=' && *p != ';')
			p++;
		if (p >= end || *p != '=')
			continue;
		if ((size_t)(p - k) != klen || strncasecmp(k, key, klen) != 0)
			continue;
		p++;
		n = 0;
		if (p < end && *p == '"') {
			for (v = p + 1; v < end && *v != '"'; v++) {
				if (*v == '\\' && v + 1 < end)
					v++;
				if (n + 1 >= outsz)
					return -1;
				out[n++] = *v;
			}
		} else {
			for (v = p; v < end && *v != ';' && *v != ' ' && *v != '\t' &&
			    *v != '\r' && *v != '\n'; v++) {
				if (n + 1 >= outsz)
					return -1;
				out[n++] = *v;
			}
		}
		out[n] = '\0';
		return 0;
	}
	return -1;
}

/* The first occurrence of `needle` (n bytes) in [h, h + hn), or NULL. */
static const char *
http_find(const char *h, size_t hn, const char *needle, size_t n)
{
	const char *p = h, *end = h + hn;

	if (n == 0 || hn < n)
		return NULL;
	while ((p = memchr(p, needle[0], (size_t)(end - p) - n + 1)) != NULL) {
		if (memcmp(p, needle, n) == 0)
			return p;
		if (++p > end - n)
			return NULL;
	}
	return NULL;
}

/* Find the header `name` among the part headers [h, end); its value in *v, *vn. */
static int
http_part_header(const char *h, const char *end, const char *name, const char **v,
    size_t *vn)
{
	size_t nlen = strlen(name);
	const char *line = h, *eol;

	while (line < end) {
		if ((eol = http_find(line, (size_t)(end - line), "\r\n", 2)) == NULL)
			eol = end;
		if ((size_t)(eol - line) > nlen && strncasecmp(line, name, nlen) == 0 &&
		    line[nlen] == ':') {
			*v = line + nlen + 1;
			*vn = (size_t)(eol - *v);
			return 0;
		}
		line = eol + 2;
	}
	return -1;
}

/* multipart/form-data (RFC 7578), the whole body in memory. */
static int
http_parse_multipart(struct http_ctx *c, const char *ct)
{
	char boundary[80], delim[84], name[256], fname[256];
	const char *p = c->body.p, *end = p + c->body.len, *hend, *data, *dend, *cd;
	size_t dlen, cdn;
	char *n, *v;
	int file;

	if (http_header_param(ct, strlen(ct), "boundary", boundary, sizeof(boundary)) != 0 ||
	    boundary[0] == '\0' || strlen(boundary) > 70)
		return -1;
	dlen = (size_t)snprintf(delim, sizeof(delim), "\r\n--%s", boundary);
	/* the first delimiter may open the body without the CRLF before it */
	if ((size_t)(end - p) >= dlen - 2 && memcmp(p, delim + 2, dlen - 2) == 0)
		p += dlen - 2;
	else if ((p = http_find(p, (size_t)(end - p), delim, dlen)) == NULL)
		return -1;
	else
		p += dlen;
	for (;;) {
		if (end - p >= 2 && p[0] == '-' && p[1] == '-')
			return 0;		/* the close delimiter */
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
			return -1;
		p += 2;
		if ((hend = http_find(p, (size_t)(end - p), "\r\n\r\n", 4)) == NULL)
			return -1;
		data = hend + 4;
		if ((dend = http_find(data, (size_t)(end - data), delim, dlen)) == NULL)
			return -1;
		if (http_part_header(p, hend, "Content-Disposition", &cd, &cdn) != 0 ||
		    http_header_param(cd, cdn, "name", name, sizeof(name)) != 0)
			return -1;
		fname[0] = '\0';
		file = http_header_param(cd, cdn, "filename", fname, sizeof(fname)) == 0;
		if ((n = http_arena_put(c, name, strlen(name))) == NULL ||
		    (v = http_arena_put(c, data, (size_t)(dend - data))) == NULL)
			return -1;
		if (!file && memchr(v, '\0', (size_t)(dend - data)) != NULL)
			return -1;
		if (http_field_add(c, n, v, (size_t)(dend - data), file) != 0)
			return -1;
		p = dend + dlen;
	}
}

/* Parse c->body, of content type `ct` (may be NULL), into c->fields. -1 when
 * malformed. */
static int
http_parse_form_body(struct http_ctx *c, const char *ct)
{
	if (c->body.len == 0)
		return 0;
	/* decoded text never outgrows the body: NULs and the name terminators aside */
	c->arena_cap = c->body.len + 2 * HTTP_FORM_FIELDS_MAX + 16;
	if ((c->arena = malloc(c->arena_cap)) == NULL)
		return -1;
	c->arena_len = 0;
	if (http_media_is(ct, "application/x-www-form-urlencoded"))
		return http_parse_urlencoded(c);
	if (http_media_is(ct, "multipart/form-data"))
		return http_parse_multipart(c, ct);
	return -1;
}

/* Parse the form body of a page request into req->form. -1 when malformed. */
static int
http_parse_form(struct http_ctx *c)
{
	return http_parse_form_body(c, http_header(&c->req, "Content-Type"));
}

int
http_form_body_parse(const char *content_type, const char *body, size_t n,
    struct http_form_body *out)
{
	struct http_ctx *c;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return -1;
	/* exactly n + 1 bytes, NUL-terminated as a request body: no slack to hide in */
	if (n < SIZE_MAX && (c->body.p = malloc(n + 1)) != NULL) {
		if (n > 0)
			memcpy(c->body.p, body, n);
		c->body.p[n] = '\0';
		c->body.len = n;
		c->body.cap = n + 1;
	}
	if (c->body.p != NULL && http_parse_form_body(c, content_type) == 0) {
		out->fields = c->fields;
		out->nfields = c->nfields;
		out->arena = c->arena;
		out->arena_size = c->arena_cap;
		c->fields = NULL;
		c->arena = NULL;
		rc = 0;
	}
	buf_wipe(&c->body);
	if (c->arena != NULL) {
		sodium_memzero(c->arena, c->arena_cap);
		free(c->arena);
	}
	free(c->fields);
	free(c);
	return rc;
}

void
http_form_body_free(struct http_form_body *fb)
{
	if (fb->arena != NULL) {
		sodium_memzero(fb->arena, fb->arena_size);
		free(fb->arena);
	}
	free(fb->fields);
	memset(fb, 0, sizeof(*fb));
}

/* ---- authentication ---------------------------------------------------------------- */

/*
 * Who sent the request: a Bearer token (Authorization), else the session cookie.
 * Returns 0 (req->auth set, NONE when no credentials came), or -1 after answering
 * 401 (bad credentials), 503 (the session could not be checked: the token may be
 * good) or 403 (cookie on an unsafe request without its CSRF token).
 */
static int
http_authenticate(struct http_request *req, struct http_response *resp, int required)
{
	struct app_error err;
	const char *h, *tok = NULL, *csrf;
	enum http_auth via = HTTP_AUTH_NONE;
	int rc = RC_EAUTH;

	app_error_init(&err);

	if ((h = http_header(req, "Authorization")) != NULL) {
		if (strncasecmp(h, "Bearer ", 7) == 0) {
			for (tok = h + 7; *tok == ' '; tok++)
				;
			via = HTTP_AUTH_BEARER;
		} else {
			tok = "";	/* another scheme: refused below */
			via = HTTP_AUTH_BEARER;
		}
	} else if ((h = http_cookie(req, HTTP_SESSION_COOKIE)) != NULL) {
		tok = h;
		via = HTTP_AUTH_COOKIE;
	}
	if (via == HTTP_AUTH_NONE) {
		if (!required)
			return 0;
		http_header_add(resp, "WWW-Authenticate", "Bearer");
		http_error(resp, 401, "unauthorized", "sign in first: no session token");
		return -1;
	}
	if (req->app == NULL) {
		http_error(resp, 503, "unavailable", "the server cannot reach its database");
		return -1;
	}
	if (str_copy(req->token, sizeof(req->token), tok) != 0 || req->token[0] == '\0' ||
	    (rc = app_session_actor(req->app, req->token, &req->actor, &err)) != RC_OK) {
		sodium_memzero(req->token, sizeof(req->token));
		if (!required && via == HTTP_AUTH_COOKIE)
			return 0;	/* a stale cookie on a public page */
		if (rc != RC_EAUTH) {	/* the database failed, not the token: keep it */
			http_error(resp, 503, "unavailable",
			    "the server cannot reach its database");
			return -1;
		}
		http_header_add(resp, "WWW-Authenticate", "Bearer");
		http_error(resp, 401, "unauthorized",
		    "the session is unknown, expired or ended: sign in again");
		return -1;
	}
	if (via == HTTP_AUTH_COOKIE && http_method_unsafe(req->method)) {
		csrf = http_header(req, HTTP_CSRF_HEADER);
		if (csrf == NULL || app_csrf_check(req->app, req->token, csrf) != 1) {
			sodium_memzero(req->token, sizeof(req->token));
			http_error(resp, 403, "csrf",
			    "missing or wrong " HTTP_CSRF_HEADER " header for a cookie session");
			return -1;
		}
	}
	req->auth = via;
	return 0;
}

/* Page requests: a valid session cookie signs the user in; nothing is refused here. */
static void
http_authenticate_page(struct http_request *req)
{
	struct app_error err;
	const char *tok = http_cookie(req, HTTP_SESSION_COOKIE);

	app_error_init(&err);

	if (tok == NULL || req->app == NULL || req->auth != HTTP_AUTH_NONE)
		return;
	if (str_copy(req->token, sizeof(req->token), tok) != 0 || req->token[0] == '\0' ||
	    app_session_actor(req->app, req->token, &req->actor, &err) != RC_OK) {
		sodium_memzero(req->token, sizeof(req->token));
		return;
	}
	req->auth = HTTP_AUTH_COOKIE;
}

/*
 * The CSRF token of a page form: the session's, or without a session the double-submit
 * value of the pre-login cookie. 1 when it matches.
 */
static int
http_csrf_ok(struct http_request *req)
{
	const char *csrf = http_form(req, HTTP_CSRF_FIELD), *pre;
	size_t n;

	if (csrf == NULL || req->app == NULL)
		return 0;
	if (req->auth == HTTP_AUTH_COOKIE)
		return app_csrf_check(req->app, req->token, csrf) == 1;
	pre = http_cookie(req, HTTP_PRELOGIN_COOKIE);
	if (pre == NULL || (n = strlen(pre)) < 32 || strlen(csrf) != n)
		return 0;
	return sodium_memcmp(pre, csrf, n) == 0;
}

/* 1 when the request is answered in HTML: a page route, or no route outside /api/. */
static int
http_is_page(const struct http_ctx *c)
{
	const char *p = c->req.path;

	if (c->req.route != NULL)
		return (c->req.route->flags & HTTP_PAGE) != 0;
	return strncmp(p, "/api/", 5) != 0 && strcmp(p, "/api") != 0 &&
	    strcmp(p, "/healthz") != 0 && strcmp(p, "/metrics") != 0;
}

/* A failure found by the plumbing: an HTML page for page requests, else JSON. */
static void
http_fail(struct http_server *s, struct http_ctx *c, struct http_response *resp,
    unsigned status, const char *code, const char *message)
{
	if (s->error_page != NULL && http_is_page(c)) {
		if (c->req.route == NULL || !(c->req.route->flags & HTTP_PUBLIC) ||
		    (c->req.route->flags & HTTP_AUTH_OPT))
			http_authenticate_page(&c->req);	/* for the language */
		s->error_page(&c->req, resp, status);
		return;
	}
	http_error(resp, status, code, message);
}

/* ---- the MHD callbacks ------------------------------------------------------------- */

static const char *const http_security_headers[][2] = {
	{ "Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'" },
	{ "X-Content-Type-Options", "nosniff" },
	{ "Referrer-Policy", "no-referrer" },
	{ "X-Frame-Options", "DENY" },
};

/* Hand `resp` to MHD. MHD_NO closes the connection (nothing else we can do). */
static enum MHD_Result
http_queue(struct http_server *s, struct http_ctx *c, struct http_response *resp)
{
	static const char fallback[] = "{\"error\":{\"code\":\"internal\","
	    "\"message\":\"internal error\",\"fields\":{}}}\n";
	static const char fallback_html[] = "<!DOCTYPE html>\n<html lang=\"en\"><head>"
	    "<meta charset=\"utf-8\"><title>RouteCare \u2014 Error</title></head><body>"
	    "<main><h1>Something went wrong</h1><p>The server could not answer this "
	    "request. Try again, or go back to <a href=\"/home\">the home page</a>.</p>"
	    "</main></body></html>\n";
	int page = http_is_page(c);
	struct MHD_Response *mr;
	enum MHD_Result ret;
	int cache_set = 0, ok = 1;
	size_t i;

	if (resp->failed || resp->status == 0) {
		log_error("%s %s: could not build the response",
		    http_method_name(c->req.method),
		    c->req.route != NULL ? c->req.route->pattern : "-");
		buf_free(&resp->body);
		resp->nheaders = 0;
		resp->status = 500;
		resp->content_type = page ? "text/html; charset=utf-8" : "application/json";
		mr = page ? MHD_create_response_from_buffer(sizeof(fallback_html) - 1,
		    (void *)fallback_html, MHD_RESPMEM_PERSISTENT) :
		    MHD_create_response_from_buffer(sizeof(fallback) - 1, (void *)fallback,
		    MHD_RESPMEM_PERSISTENT);
	} else if (resp->body.len == 0) {
		mr = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	} else {
		mr = MHD_create_response_from_buffer(resp->body.len, resp->body.p,
		    MHD_RESPMEM_MUST_FREE);
		if (mr != NULL)
			resp->body = (struct buf)BUF_INIT;	/* MHD frees it now */
	}
	if (mr == NULL)
		return MHD_NO;
	for (i = 0; i < sizeof(http_security_headers) / sizeof(http_security_headers[0]);
	    i++)
		ok &= MHD_add_response_header(mr, http_security_headers[i][0],
		    http_security_headers[i][1]) == MHD_YES;
	for (i = 0; i < resp->nheaders; i++) {
		if (strcasecmp(resp->headers[i].name, "Cache-Control") == 0)
			cache_set = 1;
		ok &= MHD_add_response_header(mr, resp->headers[i].name,
		    resp->headers[i].value) == MHD_YES;
	}
	if (!cache_set)
		ok &= MHD_add_response_header(mr, "Cache-Control", "no-store") == MHD_YES;
	if (resp->content_type != NULL)
		ok &= MHD_add_response_header(mr, "Content-Type", resp->content_type) ==
		    MHD_YES;
	if (atomic_load(&s->stopping))
		ok &= MHD_add_response_header(mr, "Connection", "close") == MHD_YES;
	if (!ok) {
		MHD_destroy_response(mr);
		return MHD_NO;
	}
	ret = MHD_queue_response(c->req.conn, resp->status, mr);
	MHD_destroy_response(mr);
	if (ret == MHD_YES) {
		c->status = resp->status;
		c->queued = 1;
	}
	return ret;
}

/* Queue `resp` and release what it still holds. */
static enum MHD_Result
http_finish(struct http_server *s, struct http_ctx *c, struct http_response *resp)
{
	enum MHD_Result ret = http_queue(s, c, resp);

	buf_free(&resp->body);
	return ret;
}

/* Content-Length as a number; -1 when absent, SIZE_MAX when not a sane number. */
static int
http_content_length(const struct http_request *req, size_t *out)
{
	const char *cl = http_header(req, "Content-Length");
	int64_t v;

	if (cl == NULL)
		return -1;
	if (http_parse_int64(cl, &v) != 0 || (uint64_t)v > SIZE_MAX)
		*out = SIZE_MAX;
	else
		*out = (size_t)v;
	return 0;
}

static int	http_signin(struct http_server *s, struct http_ctx *c,
		    struct http_response *resp);

/* Step 1: the headers are in. 0 to read the body; -1 when `resp` holds the answer. */
static int
http_begin(struct http_server *s, struct http_ctx *c, struct http_response *resp)
{
	char allow[HTTP_ALLOW_SIZE];
	const struct http_route *r;
	size_t cl = 0;
	int has_cl, has_body;

	c->req.app = http_thread_app(s, 0);
	allow[0] = '\0';
	if (strlen(c->req.path) > HTTP_PATH_MAX ||
	    (r = http_route_find(s, c, allow, sizeof(allow))) == NULL) {
		if (strlen(c->req.path) <= HTTP_PATH_MAX && allow[0] != '\0') {
			http_header_add(resp, "Allow", "%s", allow);
			http_fail(s, c, resp, 405, "method_not_allowed",
			    "this path does not answer that method");
		} else
			http_fail(s, c, resp, 404, "not_found", "no such path");
		return -1;
	}
	c->req.route = r;
	c->label = http_label_index(s, r->pattern);
	if (atomic_load(&s->stopping) > 1) {
		/* past the drain: run nothing that could not be answered */
		http_header_add(resp, "Retry-After", "5");
		http_fail(s, c, resp, 503, "unavailable", "the server is stopping");
		return -1;
	}

	has_cl = http_content_length(&c->req, &cl) == 0;
	if (has_cl && cl > HTTP_BODY_MAX) {
		http_fail(s, c, resp, 413, "too_large", "the body is over the 1 MiB limit");
		return -1;
	}
	has_body = (has_cl && cl > 0) ||
	    http_header(&c->req, "Transfer-Encoding") != NULL;
	c->has_body = has_body;
	if (has_body && (r->flags & HTTP_BODY_JSON) &&
	    !http_media_is(http_header(&c->req, "Content-Type"), "application/json")) {
		http_error(resp, 415, "unsupported_media_type",
		    "send the body as Content-Type: application/json");
		return -1;
	}
	if (has_body && (r->flags & HTTP_BODY_CSV) &&
	    !http_media_is(http_header(&c->req, "Content-Type"), "text/csv")) {
		http_error(resp, 415, "unsupported_media_type",
		    "send the body as Content-Type: text/csv");
		return -1;
	}
	if ((r->flags & HTTP_PAGE) && has_body &&
	    !http_media_is(http_header(&c->req, "Content-Type"),
	    "application/x-www-form-urlencoded") &&
	    !http_media_is(http_header(&c->req, "Content-Type"), "multipart/form-data")) {
		http_fail(s, c, resp, 415, "unsupported_media_type", "send a form");
		return -1;
	}
	/* a read without a body signs in with the rest of its work, in step 3 */
	if (!has_body && !http_method_unsafe(c->req.method))
		return 0;
	return http_signin(s, c, resp);
}

/* Step 1 or 3: who is asking, for a route that wants to know. 0 to go on; -1 when
 * `resp` holds the answer (401, a redirect to /login, 503). */
static int
http_signin(struct http_server *s, struct http_ctx *c, struct http_response *resp)
{
	const struct http_route *r = c->req.route;

	if (r->flags & HTTP_PAGE) {
		if (c->req.app == NULL) {
			http_fail(s, c, resp, 503, "unavailable",
			    "the server cannot reach its database");
			return -1;
		}
		if (!(r->flags & HTTP_PUBLIC) || (r->flags & HTTP_AUTH_OPT))
			http_authenticate_page(&c->req);
		if (!(r->flags & HTTP_PUBLIC) && c->req.auth == HTTP_AUTH_NONE) {
			http_redirect(resp, "/login");
			return -1;
		}
		return 0;
	}
	if (!(r->flags & HTTP_PUBLIC) || (r->flags & HTTP_AUTH_OPT)) {
		if (http_authenticate(&c->req, resp, !(r->flags & HTTP_PUBLIC)) != 0)
			return -1;
	}
	if (c->req.app == NULL) {
		http_error(resp, 503, "unavailable", "the server cannot reach its database");
		return -1;
	}
	return 0;
}

/* Step 3: the body is in. Runs the handler; `resp` holds the answer. */
static void
http_run(struct http_ctx *c, struct http_response *resp)
{
	struct http_server *s = c->req.server;
	char msg[160];
	int rc;

	if (c->too_big) {
		http_fail(s, c, resp, 413, "too_large", "the body is over the 1 MiB limit");
		return;
	}
	c->req.body = c->body.p != NULL ? c->body.p : "";
	c->req.body_len = c->body.len;
	if (c->req.route->flags & HTTP_PAGE) {
		if (http_parse_form(c) != 0) {
			http_fail(s, c, resp, 400, "invalid_form", "the form is malformed");
			return;
		}
		c->req.form = c->fields;
		c->req.nform = c->nfields;
		if (http_method_unsafe(c->req.method) && !http_csrf_ok(&c->req)) {
			http_fail(s, c, resp, 403, "csrf", "missing or wrong form token");
			return;
		}
	}
	if (c->req.route->flags & HTTP_BODY_JSON) {
		rc = json_parse_bounded(c->req.body, c->req.body_len, HTTP_BODY_MAX,
		    JSON_DEPTH_MAX, 1, &c->json, msg, sizeof(msg));
		if (rc == RC_ETOOBIG) {
			http_error(resp, 413, "too_large", msg);
			return;
		}
		if (rc != RC_OK) {
			http_error(resp, 400, "invalid_json", msg);
			return;
		}
		c->req.json = c->json;
	}
	c->req.route->handler(&c->req, resp);
}

/* ---- writers: unsafe requests off the MHD threads ------------------------------------ */

/* Suspend the connection of `c` and hand it to the writer that went idle last, or
 * queue it when every writer is busy. -1 when there are no writers (none started, or
 * stopping): the caller runs it itself. */
static int
http_writers_queue(struct http_server *s, struct http_ctx *c)
{
	struct http_writer *w;

	pthread_mutex_lock(&s->wmu);
	if (s->nwriters == 0 || s->wstop) {
		pthread_mutex_unlock(&s->wmu);
		return -1;
	}
	c->deferred = 1;
	MHD_suspend_connection(c->req.conn);
	if ((w = s->widle) != NULL) {
		s->widle = w->next_idle;
		w->job = c;
		pthread_cond_signal(&w->wake);
	} else {
		c->wnext = NULL;
		if (s->wtail != NULL)
			s->wtail->wnext = c;
		else
			s->whead = c;
		s->wtail = c;
	}
	pthread_mutex_unlock(&s->wmu);
	return 0;
}

static void *
http_writer_run(void *arg)
{
	struct http_writer *w = arg;
	struct http_server *s = w->s;
	struct http_ctx *c;

	for (;;) {
		pthread_mutex_lock(&s->wmu);
		if ((c = s->whead) != NULL) {
			if ((s->whead = c->wnext) == NULL)
				s->wtail = NULL;
		} else if (!s->wstop) {
			w->job = NULL;
			w->next_idle = s->widle;
			s->widle = w;
			while (w->job == NULL && !s->wstop)
				pthread_cond_wait(&w->wake, &s->wmu);
			c = w->job;	/* the dispatcher took us off the idle stack */
		}
		pthread_mutex_unlock(&s->wmu);
		if (c == NULL)
			break;		/* stopping, and nothing left */

		/* this thread's own handle: a store handle serves one thread */
		if ((c->req.app = http_thread_app(s, 1)) == NULL)
			http_error(&c->deferred_resp, 503, "unavailable",
			    "the server cannot reach its database");
		else
			http_run(c, &c->deferred_resp);
		atomic_store(&c->answered, 1);
		MHD_resume_connection(c->req.conn);
	}
	return NULL;
}

int
http_server_writers(struct http_server *s, unsigned n)
{
	struct http_writer *w;

	if (s->nwriters > 0 || n > HTTP_WRITERS_MAX)
		return -1;
	while (s->nwriters < n) {
		w = &s->writers[s->nwriters];
		w->s = s;
		pthread_cond_init(&w->wake, NULL);
		if (pthread_create(&w->thread, NULL, http_writer_run, w) != 0) {
			log_error("http: cannot start writer thread %zu", s->nwriters + 1);
			pthread_cond_destroy(&w->wake);
			return -1;
		}
		s->nwriters++;
	}
	return 0;
}

void
http_server_writers_stop(struct http_server *s)
{
	size_t i;

	pthread_mutex_lock(&s->wmu);
	s->wstop = 1;
	for (i = 0; i < s->nwriters; i++)
		pthread_cond_signal(&s->writers[i].wake);
	pthread_mutex_unlock(&s->wmu);
	for (i = 0; i < s->nwriters; i++) {
		pthread_join(s->writers[i].thread, NULL);
		pthread_cond_destroy(&s->writers[i].wake);
	}
	pthread_mutex_lock(&s->wmu);
	s->nwriters = 0;
	s->widle = NULL;
	pthread_mutex_unlock(&s->wmu);
}

static enum MHD_Result
http_access(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size,
    void **con_cls)
{
	struct http_server *s = cls;
	struct http_response resp = { 0 };
	struct http_ctx *c = *con_cls;
	struct app *a;
	size_t room;

	(void)version;
	if (c == NULL) {
		if ((c = calloc(1, sizeof(*c))) == NULL)
			return MHD_NO;
		*con_cls = c;
		atomic_fetch_add(&s->active, 1);
		clock_gettime(CLOCK_MONOTONIC, &c->start);
		c->req.server = s;
		c->req.conn = conn;
		c->req.method = http_method_parse(method);
		c->req.path = url;
		c->label = s->nlabels;
		if (http_begin(s, c, &resp) != 0)
			return http_finish(s, c, &resp);
		return MHD_YES;
	}
	if (c->queued) {
		*upload_data_size = 0;	/* answered early: drop whatever still comes */
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		room = HTTP_BODY_MAX - c->body.len;
		if (c->too_big || *upload_data_size > room) {
			/* MHD cannot answer mid-body: drop the rest, answer 413 at its end */
			c->too_big = 1;
			c->discarded += *upload_data_size;
			buf_wipe(&c->body);
			if (c->discarded > HTTP_DISCARD_MAX)
				return MHD_NO;
		} else if (buf_append(&c->body, upload_data, *upload_data_size) != 0)
			return MHD_NO;
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (c->deferred) {
		/* resumed by the writer that ran it */
		if (!atomic_load(&c->answered))
			return MHD_YES;
		return http_finish(s, c, &c->deferred_resp);
	}
	/* a read without a body: signing in and the handler's reads in one read
	 * snapshot, under one lock and from one state of the database (the response
	 * cannot go in step 1: libmicrohttpd would then close the connection) */
	if (!c->has_body && !http_method_unsafe(c->req.method)) {
		if ((a = c->req.app) != NULL)
			app_read_begin(a);
		if (http_signin(s, c, &resp) == 0)
			http_run(c, &resp);
		if (a != NULL)
			app_read_end(a);
		return http_finish(s, c, &resp);
	}
	if (http_method_unsafe(c->req.method) && http_writers_queue(s, c) == 0)
		return MHD_YES;
	http_run(c, &resp);
	return http_finish(s, c, &resp);
}

/* Why a request ended, for the access log: "" when the response went out whole. */
static const char *
http_toe_note(enum MHD_RequestTerminationCode toe)
{
	switch (toe) {
	case MHD_REQUEST_TERMINATED_COMPLETED_OK:	return "";
	case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:	return " (timed out)";
	case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:	return " (server stopped)";
	case MHD_REQUEST_TERMINATED_READ_ERROR:		return " (read error)";
	case MHD_REQUEST_TERMINATED_CLIENT_ABORT:	return " (client closed)";
	default:					return " (connection error)";
	}
}

static void
http_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;
	struct http_ctx *c = *con_cls;
	struct timespec end;
	double secs;

	(void)conn;
	if (c == NULL)
		return;
	*con_cls = NULL;
	clock_gettime(CLOCK_MONOTONIC, &end);
	secs = (double)(end.tv_sec - c->start.tv_sec) +
	    (double)(end.tv_nsec - c->start.tv_nsec) / 1e9;
	if (c->status != 0) {
		metrics_observe(s->metrics, c->label, c->req.method, c->status, secs);
		log_access("%s %s %u %.1fms%s", http_method_name(c->req.method),
		    c->label < s->nlabels ? s->labels[c->label] : "unmatched", c->status,
		    secs * 1e3, http_toe_note(toe));
	}
	json_decref(c->json);
	buf_wipe(&c->body);
	if (c->arena != NULL) {
		sodium_memzero(c->arena, c->arena_cap);
		free(c->arena);
	}
	free(c->fields);
	sodium_memzero(c->req.token, sizeof(c->req.token));
	free(c);
	atomic_fetch_sub(&s->active, 1);
}

static void
http_mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void
http_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = '\0';
	log_warn("http: %s", msg);
}

/* ---- the server --------------------------------------------------------------------- */

struct http_server *
http_server_new(struct app *app, const struct http_routes *tables, size_t ntables)
{
	struct http_server *s;
	size_t t, i;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->app = app;
	s->tables = tables;
	s->ntables = ntables;
	pthread_mutex_init(&s->lock, NULL);
	pthread_mutex_init(&s->wmu, NULL);
	atomic_init(&s->active, 0);
	atomic_init(&s->stopping, 0);
	for (t = 0; t < ntables; t++)
		for (i = 0; i < tables[t].n; i++) {
			if (http_label_index(s, tables[t].r[i].pattern) < s->nlabels)
				continue;
			if (s->nlabels == HTTP_ROUTES_MAX)
				goto fail;
			s->labels[s->nlabels++] = tables[t].r[i].pattern;
		}
	if (pthread_key_create(&s->key, NULL) != 0)
		goto fail;
	s->key_made = 1;
	if ((s->metrics = metrics_new(s->labels, s->nlabels)) == NULL)
		goto fail;
	return s;
fail:
	http_server_free(s);
	return NULL;
}

void
http_server_free(struct http_server *s)
{
	size_t i;

	if (s == NULL)
		return;
	http_server_writers_stop(s);	/* before the handles they use */
	for (i = 0; i < s->nclones; i++)
		app_close(s->clones[i]);
	free(s->clones);
	if (s->key_made)
		pthread_key_delete(s->key);
	metrics_free(s->metrics);
	pthread_mutex_destroy(&s->lock);
	pthread_mutex_destroy(&s->wmu);
	free(s);
}

struct MHD_Daemon *
http_server_start(struct http_server *s, int fd, unsigned threads)
{
	/* epoll where there is one, else poll; ITC lets MHD_quiesce_daemon() wake
	 * the workers */
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
	    MHD_ALLOW_SUSPEND_RESUME;

	return MHD_start_daemon(flags, 0, NULL, NULL, http_access, s,
	    MHD_OPTION_EXTERNAL_LOGGER, http_mhd_log, s,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
	    MHD_OPTION_THREAD_POOL_SIZE, threads > 1 ? threads : 0u,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONNECTION_LIMIT,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_CONNECTION_TIMEOUT,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONNECTION_MEMORY,
	    MHD_OPTION_NOTIFY_COMPLETED, http_completed, s,
	    MHD_OPTION_END);
}

void
http_server_error_page(struct http_server *s, http_error_page_fn fn)
{
	s->error_page = fn;
}

void
http_server_stopping(struct http_server *s)
{
	atomic_store(&s->stopping, 1);
}

void
http_server_refusing(struct http_server *s)
{
	atomic_store(&s->stopping, 2);
}

size_t
http_server_active(const struct http_server *s)
{
	return atomic_load(&((struct http_server *)s)->active);
}

struct metrics *
http_server_metrics(const struct http_server *s)
{
	return s->metrics;
}
