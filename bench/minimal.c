/*
 * minimal.c — the floor for bench/api.sh: a libmicrohttpd server that answers every
 * request with one fixed JSON body, with the same daemon set-up as `routecare serve`
 * (internal thread pool, epoll where available) and the same response headers. No
 * routing, no session, no database, no decryption, no audit: what is left is the cost
 * of HTTP itself on this machine.
 *
 *   minimal PORT THREADS BODY-FILE
 *
 * Serves on 127.0.0.1:PORT until SIGTERM or SIGINT.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

static struct MHD_Response *fixed;
static volatile sig_atomic_t stop;

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static enum MHD_Result
answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **state)
{
	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload;
	if (*upload_size != 0) {	/* drain any body; GET has none */
		*upload_size = 0;
		return MHD_YES;
	}
	(void)state;
	return MHD_queue_response(c, MHD_HTTP_OK, fixed);
}

static char *
slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long len;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = malloc((size_t)len + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*n = (size_t)len;
	return buf;
}

int
main(int argc, char **argv)
{
	struct MHD_Daemon *d;
	struct sigaction sa;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	unsigned threads;
	char *body;
	size_t n;
	int port;

	if (argc != 4 || (port = atoi(argv[1])) <= 0 || port > 65535 ||
	    (threads = (unsigned)atoi(argv[2])) == 0) {
		fprintf(stderr, "usage: minimal PORT THREADS BODY-FILE\n");
		return 2;
	}
	if ((body = slurp(argv[3], &n)) == NULL) {
		fprintf(stderr, "minimal: cannot read %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	fixed = MHD_create_response_from_buffer(n, body, MHD_RESPMEM_MUST_FREE);
	if (fixed == NULL ||
	    MHD_add_response_header(fixed, "Content-Type", "application/json") != MHD_YES ||
	    MHD_add_response_header(fixed, "Content-Security-Policy",
	    "default-src 'self'; frame-ancestors 'none'") != MHD_YES ||
	    MHD_add_response_header(fixed, "X-Content-Type-Options", "nosniff") != MHD_YES ||
	    MHD_add_response_header(fixed, "Cache-Control", "no-store") != MHD_YES ||
	    MHD_add_response_header(fixed, "ETag", "\"1\"") != MHD_YES) {
		fprintf(stderr, "minimal: cannot build the response\n");
		return 1;
	}
	if (MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES)
		flags |= MHD_USE_EPOLL;
	else
		flags |= MHD_USE_POLL;
	d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, answer, NULL,
	    MHD_OPTION_THREAD_POOL_SIZE, threads,
	    MHD_OPTION_CONNECTION_LIMIT, 1024u,
	    MHD_OPTION_CONNECTION_TIMEOUT, 30u,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
	    MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "minimal: cannot listen on port %d\n", port);
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	fprintf(stderr, "minimal: serving on port %d with %u threads\n", port, threads);
	while (!stop)
		pause();
	MHD_stop_daemon(d);
	MHD_destroy_response(fixed);
	return 0;
}
