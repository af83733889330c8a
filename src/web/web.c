/* web.c — routecare serve: listen, serve until SIGTERM/SIGINT, stop without loss. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "app/app.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "web/api.h"
#include "web/http.h"
#include "web/pages.h"
#include "web/web.h"

#define WEB_LISTEN_DEFAULT	"127.0.0.1:8080"
#define WEB_THREADS_MAX		256
#define WEB_DRAIN_MS		30000	/* how long requests in flight may take to finish */
#define WEB_BACKLOG		511

struct web_addr {
	struct sockaddr_storage	ss;
	socklen_t		len;
	char			host[INET6_ADDRSTRLEN];	/* as written, without brackets */
	int			v6;
};

/*
 * Parse "HOST:PORT" (IPv4 dotted quad, "localhost", or "[IPv6]"). Port 0 lets the
 * kernel choose. Returns 0, or -1 with the reason on stderr.
 */
static int
web_addr_parse(const char *s, struct web_addr *a)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)&a->ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&a->ss;
	const char *colon, *host, *port;
	size_t hostlen;
	long p = 0;

	memset(a, 0, sizeof(*a));
	if (s[0] == '[') {
		if ((colon = strstr(s, "]:")) == NULL)
			goto bad;
		host = s + 1;
		hostlen = (size_t)(colon - host);
		port = colon + 2;
		a->v6 = 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			goto bad;
		host = s;
		hostlen = (size_t)(colon - s);
		port = colon + 1;
	}
	if (hostlen == 0 || hostlen >= sizeof(a->host) || *port == '\0')
		goto bad;
	memcpy(a->host, host, hostlen);
	a->host[hostlen] = '\0';
	for (; *port != '\0'; port++) {
		if (*port < '0' || *port > '9' || (p = p * 10 + (*port - '0')) > 65535)
			goto bad;
	}
	if (a->v6) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)p);
		if (inet_pton(AF_INET6, a->host, &in6->sin6_addr) != 1)
			goto bad;
		a->len = sizeof(*in6);
	} else {
		if (strcmp(a->host, "localhost") == 0)
			memcpy(a->host, "127.0.0.1", sizeof("127.0.0.1"));
		in4->sin_family = AF_INET;
		in4->sin_port = htons((uint16_t)p);
		if (inet_pton(AF_INET, a->host, &in4->sin_addr) != 1)
			goto bad;
		a->len = sizeof(*in4);
	}
	return 0;
bad:
	fprintf(stderr, "routecare: --listen %s: expected HOST:PORT, such as "
	    "127.0.0.1:8080 or [::1]:8080\n", s);
	return -1;
}

/* The port the socket is bound to. */
static unsigned
web_bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* A listening socket on `a`; -1 with the reason on stderr. */
static int
web_listen(const struct web_addr *a, const char *listen_arg)
{
	int fd, on = 1, flags;

	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "routecare: cannot create a socket: %s\n", strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0 ||
	    (a->v6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on)) != 0))
		goto fail;
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) != 0) {
		if (errno == EADDRINUSE)
			fprintf(stderr, "routecare: cannot listen on %s: the address is "
			    "already in use (is another server running?)\n", listen_arg);
		else
			fprintf(stderr, "routecare: cannot listen on %s: %s\n", listen_arg,
			    strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, WEB_BACKLOG) != 0 ||
	    (flags = fcntl(fd, F_GETFL)) < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0)
		goto fail;
	return fd;
fail:
	fprintf(stderr, "routecare: cannot listen on %s: %s\n", listen_arg, strerror(errno));
	close(fd);
	return -1;
}

static void
web_sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * Stop: no new connections, let requests in flight finish (each response now says
 * "Connection: close", so clients go away after their current request), then refuse
 * what still comes. The caller stops the workers next.
 */
static void
web_drain(struct http_server *srv, struct MHD_Daemon *d)
{
	MHD_socket lfd;
	long waited = 0;
	size_t left;

	http_server_stopping(srv);
	lfd = MHD_quiesce_daemon(d);
	if (lfd != MHD_INVALID_SOCKET)
		close(lfd);
	while ((left = http_server_active(srv)) > 0 && waited < WEB_DRAIN_MS) {
		web_sleep_ms(10);
		waited += 10;
	}
	if (left > 0)
		log_warn("serve: %zu requests still running after %d s: closing them",
		    left, WEB_DRAIN_MS / 1000);
	/* a request that arrives now on a kept-alive connection would run and then
	 * lose its answer to MHD_stop_daemon(): refuse it instead */
	http_server_refusing(srv);
}

/* The server's route tables, tried in this order: the API's, then the pages'. */
static const struct http_routes *(*const web_tables[])(void) = {
	api_routes,
	api_workflow_routes,
	api_referrals_routes,
	api_tracing_routes,
	api_reports_routes,
	pages_routes,
	pages_workflow_routes,
	pages_referrals_routes,
	pages_tracing_routes,
	pages_vot_routes,
	pages_reports_routes,
};

#define WEB_TABLES	(sizeof(web_tables) / sizeof(web_tables[0]))

int
web_serve(const struct web_options *o)
{
	const char *listen_arg = o->listen != NULL ? o->listen : WEB_LISTEN_DEFAULT;
	const char *dir = app_data_dir(o->data_dir);
	struct http_routes routes[WEB_TABLES];
	struct app_error err = { 0 };
	struct web_addr addr;
	struct app *app = NULL;			/* owned; closed last */
	struct http_server *srv = NULL;		/* owned; closes the worker handles */
	struct MHD_Daemon *d = NULL;		/* owned */
	sigset_t sigs, oldmask;
	int fd = -1;				/* owned until MHD takes it */
	int masked = 0, audit = 0, status = 1, rc, sig = 0;
	long ncpu;
	unsigned threads = o->threads, port;
	size_t i;

	if (web_addr_parse(listen_arg, &addr) != 0)
		return 1;
	if (threads == 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		threads = ncpu > 0 ? (unsigned)ncpu : 1;
	}
	if (threads > WEB_THREADS_MAX)
		threads = WEB_THREADS_MAX;

	/* SIGTERM and SIGINT wait for sigwait() below: every thread started from here
	 * on inherits the mask, so no worker is interrupted by them */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	if (pthread_sigmask(SIG_BLOCK, &sigs, &oldmask) != 0) {
		fprintf(stderr, "routecare: cannot block signals\n");
		goto fail;
	}
	masked = 1;

	if (pages_init() != 0) {
		fprintf(stderr, "routecare: the embedded catalogs or static files are "
		    "damaged\n");
		goto fail;
	}
	if ((rc = app_open(dir, &app, &err)) != RC_OK) {
		fprintf(stderr, "routecare: %s\n", err.message[0] ? err.message :
		    rc_name(rc));
		goto fail;
	}
	if ((rc = app_key_check(app, &err)) != RC_OK) {
		fprintf(stderr, "routecare: %s\n", err.message);
		goto fail;
	}
	if ((rc = app_audit_start(app, &err)) != RC_OK) {
		fprintf(stderr, "routecare: cannot start the audit writer: %s\n",
		    err.message[0] ? err.message : rc_name(rc));
		goto fail;
	}
	audit = 1;
	if ((fd = web_listen(&addr, listen_arg)) < 0)
		goto fail;

	port = web_bound_port(fd);
	for (i = 0; i < WEB_TABLES; i++)
		routes[i] = *web_tables[i]();
	if ((srv = http_server_new(app, routes, WEB_TABLES)) == NULL) {
		fprintf(stderr, "routecare: out of memory\n");
		goto fail;
	}
	http_server_error_page(srv, page_error);
	if (http_server_writers(srv, o->writers > 0 ? o->writers : app_groups_writes(app) ?
	    WEB_WRITERS_GROUPED : WEB_WRITERS) != 0) {
		fprintf(stderr, "routecare: cannot start the writer threads\n");
		goto fail;
	}
	d = http_server_start(srv, fd, threads);
	if (d == NULL) {
		/* MHD may already have closed the socket on some of its failure paths:
		 * leave it rather than risk closing a descriptor twice */
		fd = -1;
		fprintf(stderr, "routecare: cannot start the HTTP server on %s\n",
		    listen_arg);
		goto fail;
	}
	fd = -1;	/* MHD's now */
	fprintf(stderr, "routecare: serving %s on http://%s%s%s:%u\n", dir,
	    addr.v6 ? "[" : "", addr.host, addr.v6 ? "]" : "", port);
	fflush(stderr);

	while (sigwait(&sigs, &sig) != 0)
		;
	log_info("serve: %s: finishing requests in flight",
	    sig == SIGINT ? "SIGINT" : "SIGTERM");
	web_drain(srv, d);
	status = 0;
fail:
	if (d != NULL) {
		http_server_writers_stop(srv);	/* no connection left suspended */
		MHD_stop_daemon(d);
	}
	if (audit)
		app_audit_stop(app);	/* flushes queued read audit rows */
	http_server_free(srv);		/* worker handles, before their parent */
	if (fd >= 0)
		close(fd);
	app_close(app);
	if (masked)
		pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
	if (status == 0)
		log_info("serve: stopped");
	return status;
}
