/* log.c — timestamped log lines on stderr; request lines through a buffer. */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"

#define LOG_LINE_MAX		1024
#define LOG_ACCESS_BUF		(32 * 1024)	/* request lines held at most */
#define LOG_ACCESS_SECS		1		/* and for at most this long */

static enum log_level log_threshold = LOG_INFO;

/* Request lines waiting to be written, oldest first; guarded by `access_mu`. */
static pthread_mutex_t	access_mu = PTHREAD_MUTEX_INITIALIZER;
static char		access_buf[LOG_ACCESS_BUF];
static size_t		access_len;
static int64_t		access_since;		/* when the oldest waiting line came */
static pthread_once_t	access_once = PTHREAD_ONCE_INIT;

void
log_set_level(enum log_level lvl)
{
	log_threshold = lvl;
}

/* One write(2) per call, past stdio's lock: lines from threads never interleave
 * (O_APPEND files and pipes take writes this small whole). */
static void
log_write(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;		/* nowhere to report it */
		p += w;
		n -= (size_t)w;
	}
}

/* Write out the waiting request lines; the caller holds access_mu. */
static void
access_flush_locked(void)
{
	if (access_len > 0)
		log_write(access_buf, access_len);
	access_len = 0;
}

void
log_flush(void)
{
	pthread_mutex_lock(&access_mu);
	access_flush_locked();
	pthread_mutex_unlock(&access_mu);
}

/* Format one line: time, level, text, newline. Its length (< LOG_LINE_MAX). */
static size_t	log_format(char line[LOG_LINE_MAX], enum log_level lvl, const char *fmt,
		    va_list ap) __attribute__((format(printf, 3, 0)));

static size_t
log_format(char line[LOG_LINE_MAX], enum log_level lvl, const char *fmt, va_list ap)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	char ts[CLOCK_ISO_SIZE];
	int n, m;

	clock_iso(clock_now(), ts);
	n = snprintf(line, LOG_LINE_MAX, "%s %s ", ts, names[lvl]);
	if (n < 0)
		n = 0;
	m = vsnprintf(line + n, LOG_LINE_MAX - (size_t)n - 1, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > LOG_LINE_MAX - 2)
		n = LOG_LINE_MAX - 2;	/* a long line is cut, never split */
	line[n++] = '\n';
	return (size_t)n;
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;
	size_t n;

	if (lvl < log_threshold)
		return;
	va_start(ap, fmt);
	n = log_format(line, lvl, fmt, ap);
	va_end(ap);
	/* request lines that came first are written first */
	pthread_mutex_lock(&access_mu);
	access_flush_locked();
	log_write(line, n);
	pthread_mutex_unlock(&access_mu);
}

/* Writes out request lines that waited a second, for a server gone quiet. */
static void *
access_flusher(void *arg)
{
	struct timespec ts = { LOG_ACCESS_SECS, 0 };

	(void)arg;
	for (;;) {
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&access_mu);
		if (access_len > 0 && clock_now() - access_since >= LOG_ACCESS_SECS)
			access_flush_locked();
		pthread_mutex_unlock(&access_mu);
	}
	return NULL;
}

static void
access_flusher_start(void)
{
	pthread_attr_t attr;
	pthread_t t;

	atexit(log_flush);	/* a normal exit writes what waits */
	if (pthread_attr_init(&attr) != 0)
		return;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* without it lines still go out, when the buffer fills or another line comes */
	(void)pthread_create(&t, &attr, access_flusher, NULL);
	pthread_attr_destroy(&attr);
}

void
log_access(const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;
	size_t n;

	if (LOG_INFO < log_threshold)
		return;
	pthread_once(&access_once, access_flusher_start);
	va_start(ap, fmt);
	n = log_format(line, LOG_INFO, fmt, ap);
	va_end(ap);
	pthread_mutex_lock(&access_mu);
	if (access_len + n > sizeof(access_buf) ||
	    (access_len > 0 && clock_now() - access_since >= LOG_ACCESS_SECS))
		access_flush_locked();
	if (access_len == 0)
		access_since = clock_now();
	memcpy(access_buf + access_len, line, n);
	access_len += n;
	pthread_mutex_unlock(&access_mu);
}
