/*
 * web.h — the HTTP server: JSON API under /api/v1, /healthz, /metrics, and the HTML
 * pages under / (pages.h). libmicrohttpd with its internal thread pool. Calls app/ only.
 */
#ifndef WEB_WEB_H
#define WEB_WEB_H

/* Writer threads by default (http_server_writers): on SQLite enough writes in
 * flight at once to fill the group commits of a busy office; on PostgreSQL, where
 * each commits alone and writers queue on one lock, fewer (and fewer connections). */
#define WEB_WRITERS_GROUPED	64
#define WEB_WRITERS		16

struct web_options {
	const char	*data_dir;	/* an initialised data directory */
	const char	*listen;	/* "127.0.0.1:8080" (default), "0.0.0.0:80", "[::1]:8080" */
	unsigned	 threads;	/* worker threads; 0 = number of CPUs */
	unsigned	 writers;	/* threads for unsafe requests; 0 = WEB_WRITERS* */
};

/*
 * Serve until SIGTERM or SIGINT, then stop accepting, finish the requests in flight,
 * flush the audit queue and return. Returns 0, or 1 when the server could not start
 * (the reason is on stderr: address in use, not a data directory, ...).
 */
int	web_serve(const struct web_options *o);

#endif
