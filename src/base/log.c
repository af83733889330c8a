/* log.c — timestamped log lines on stderr. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/log.h"

static enum log_level log_threshold = LOG_INFO;

void
log_set_level(enum log_level lvl)
{
	log_threshold = lvl;
}

void
log_msg(enum log_level lvl, const char *fmt, ...)
{
	static const char *const names[] = { "debug", "info", "warn", "error" };
	char ts[CLOCK_ISO_SIZE], line[1024];
	va_list ap;
	int n, m;

	if (lvl < log_threshold)
		return;
	clock_iso(clock_now(), ts);
	n = snprintf(line, sizeof(line), "%s %s ", ts, names[lvl]);
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;	/* a long line is cut, never split */
	line[n++] = '\n';
	/* one write(2) per line, past stdio's lock: lines from threads never interleave
	 * (O_APPEND files and pipes take a write this small whole) */
	while (write(STDERR_FILENO, line, (size_t)n) < 0 && errno == EINTR)
		;
}
