/* log.c — timestamped log lines on stderr. */
#include <stdarg.h>
#include <stdio.h>

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
	char ts[CLOCK_ISO_SIZE];
	va_list ap;

	if (lvl < log_threshold)
		return;
	clock_iso(clock_now(), ts);
	flockfile(stderr);
	fprintf(stderr, "%s %s ", ts, names[lvl]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}
