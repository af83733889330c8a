/* deadline.c — calendar arithmetic for deadlines in the office's time zone. */
#include <stddef.h>

#include "base/clock.h"
#include "base/err.h"
#include "domain/deadline.h"

#define DAY	86400

static long
offset_at(const struct deadline_tz *tz, int64_t t)
{
	return tz != NULL && tz->utc_offset != NULL ? tz->utc_offset(tz->arg, t) : 0;
}

void
deadline_local_date(const struct deadline_tz *tz, int64_t t, char out[DATE_SIZE])
{
	clock_date(t + offset_at(tz, t), out);
}

int
deadline_day_start(const struct deadline_tz *tz, const char *date, int64_t *out)
{
	int64_t local, t, best = 0;
	long o[3];
	int y, m, d, i, found = 0;

	if (date == NULL || date_parse(date, &y, &m, &d) != 0)
		return RC_EINVALID;
	/* local midnight read as if it were UTC; the instant is that minus the offset in
	 * force then, which is one of the offsets around it */
	local = date_days(y, m, d) * DAY;
	o[0] = offset_at(tz, local - DAY);
	o[1] = offset_at(tz, local);
	o[2] = offset_at(tz, local + DAY);
	for (i = 0; i < 3; i++) {
		t = local - o[i];
		if (offset_at(tz, t) != o[i])
			continue;
		if (!found || t < best)		/* midnight twice (clocks back): the first */
			best = t;
		found = 1;
	}
	/* midnight skipped (clocks forward at 00:00): the day starts at the change,
	 * which is midnight as the offset before the change reads it */
	*out = found ? best : local - o[0];
	return RC_OK;
}

int
deadline_day_end(const struct deadline_tz *tz, const char *date, int64_t *out)
{
	char next[DATE_SIZE];

	if (deadline_add_days(date, 1, next) != RC_OK)
		return RC_EINVALID;
	return deadline_day_start(tz, next, out);
}

int
deadline_add_days(const char *date, long days, char out[DATE_SIZE])
{
	int64_t n;
	int y, m, d;

	if (date == NULL || date_parse(date, &y, &m, &d) != 0 || days > 1000000L ||
	    days < -1000000L)
		return RC_EINVALID;
	n = date_days(y, m, d) + days;
	if (n < date_days(1900, 1, 1) || n > date_days(9999, 12, 31))
		return RC_EINVALID;	/* outside what a date field can hold */
	clock_date(n * DAY, out);
	return RC_OK;
}

int
deadline_add_months(const char *date, int months, char out[DATE_SIZE])
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d, last;
	long idx;

	if (date == NULL || date_parse(date, &y, &m, &d) != 0 || months > 12000 ||
	    months < -12000)
		return RC_EINVALID;
	idx = (long)y * 12 + (m - 1) + months;
	y = (int)(idx / 12);
	m = (int)(idx % 12) + 1;
	if (y < 1900 || y > 9999)
		return RC_EINVALID;
	last = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	if (d > last)
		d = last;
	clock_date(date_days(y, m, d) * DAY, out);
	return RC_OK;
}
