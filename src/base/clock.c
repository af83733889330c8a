/* clock.c — time and calendar dates without locale or time zone surprises. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"

int64_t
clock_now(void)
{
	return (int64_t)time(NULL);
}

void
clock_iso(int64_t t, char out[CLOCK_ISO_SIZE])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, CLOCK_ISO_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
clock_date(int64_t t, char out[DATE_SIZE])
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(out, DATE_SIZE, "%Y-%m-%d", &tm);
}

static int
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
date_parse(const char *s, int *y, int *m, int *d)
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int i, yy, mm, dd, lim;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
			return -1;
	yy = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	mm = (s[5] - '0') * 10 + (s[6] - '0');
	dd = (s[8] - '0') * 10 + (s[9] - '0');
	if (yy < 1900 || mm < 1 || mm > 12 || dd < 1)
		return -1;
	lim = mdays[mm - 1] + (mm == 2 && is_leap(yy));
	if (dd > lim)
		return -1;
	*y = yy;
	*m = mm;
	*d = dd;
	return 0;
}

int
date_age_years(const char *dob, const char *today)
{
	int by, bm, bd, ty, tm, td, age;

	if (date_parse(dob, &by, &bm, &bd) != 0 || date_parse(today, &ty, &tm, &td) != 0)
		return -1;
	age = ty - by;
	if (tm < bm || (tm == bm && td < bd))
		age--;
	return age < 0 ? -1 : age;
}

int64_t
date_days(int y, int m, int d)
{
	/* days from civil, after Howard Hinnant's public-domain algorithm description */
	int64_t yy = y - (m <= 2);
	int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t yoe = yy - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}
