/*
 * minimal.c — the floor for bench/api.sh: a libmicrohttpd server that answers every
 * request with one fixed body, with the same daemon set-up as `routecare serve`
 * (internal thread pool, epoll where available, same limits). No routing, no session,
 * no database, no decryption, no audit: what is left is the cost of HTTP itself on this
 * machine.
 *
 *   minimal PORT THREADS BODY-FILE [HEADERS-FILE]
 *
 * HEADERS-FILE holds "Name: value" lines (as `curl -D` writes them) to send with every
 * response, so that it carries the same headers as routecare's; the status line, Date,
 * Content-Length, Connection and Transfer-Encoding lines in it are skipped. Without it:
 * Content-Type: application/json.
 *
 * Serves on 127.0.0.1:PORT until SIGTERM or SIGINT.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
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
	if (*state == NULL) {	/* first call: headers only; answer on the next */
		*state = &fixed;
		return MHD_YES;
	}
	if (*upload_size != 0) {	/* drain any body; GET has none */
		*upload_size = 0;
		return MHD_YES;
	}
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

/* Add the headers of a `curl -D` dump to `r`. 0 on success. */
static int
add_headers(struct MHD_Response *r, const char *path)
{
	static const char *const skip[] = { "date", "content-length", "connection",
	    "transfer-encoding", NULL };
	char line[4096], *colon, *v, *end;
	FILE *f = fopen(path, "r");
	size_t i;
	int ok = 1;

	if (f == NULL)
		return -1;
	while (ok && fgets(line, sizeof(line), f) != NULL) {
		end = line + strcspn(line, "\r\n");
		*end = '\0';
		if ((colon = strchr(line, ':')) == NULL || strncmp(line, "HTTP/", 5) == 0)
			continue;
		*colon = '\0';
		for (i = 0; skip[i] != NULL && strcasecmp(line, skip[i]) != 0; i++)
			;
		if (skip[i] != NULL)
			continue;
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		ok = MHD_add_response_header(r, line, v) == MHD_YES;
	}
	fclose(f);
	return ok ? 0 : -1;
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

	if ((argc != 4 && argc != 5) || (port = atoi(argv[1])) <= 0 || port > 65535 ||
	    (threads = (unsigned)atoi(argv[2])) == 0) {
		fprintf(stderr, "usage: minimal PORT THREADS BODY-FILE [HEADERS-FILE]\n");
		return 2;
	}
	if ((body = slurp(argv[3], &n)) == NULL) {
		fprintf(stderr, "minimal: cannot read %s: %s\n", argv[3], strerror(errno));
		return 1;
	}
	fixed = MHD_create_response_from_buffer(n, body, MHD_RESPMEM_MUST_FREE);
	if (fixed == NULL || (argc == 5 ? add_headers(fixed, argv[4]) :
	    MHD_add_response_header(fixed, "Content-Type", "application/json") == MHD_YES ?
	    0 : -1) != 0) {
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
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(32 * 1024),	/* as routecare */
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
