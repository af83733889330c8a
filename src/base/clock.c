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

/* Days since 1970-01-01 to a proleptic Gregorian date: by 400-year eras of
 * 146097 days, counted from March so that the leap day ends each year. */
static void
civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, yoe, doy, mp, doe;

	z += 719468;				/* 0000-03-01 to 1970-01-01 */
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;			/* [0, 146096] */
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;		/* March is 0 */
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static void
put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

/* "YYYY-MM-DD" of the UTC day of `t` into p (10 bytes); -1 outside years 1000-9999
 * (strftime writes years before 1000 unpadded; those go to it) */
static int
put_date(char *p, int64_t t, int64_t *secs_of_day)
{
	int64_t days = t / 86400, sod = t % 86400, y;
	int m, d;

	if (sod < 0) {
		sod += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	if (y < 1000 || y > 9999)
		return -1;
	put2(p, (int)(y / 100));
	put2(p + 2, (int)(y % 100));
	p[4] = '-';
	put2(p + 5, m);
	p[7] = '-';
	put2(p + 8, d);
	*secs_of_day = sod;
	return 0;
}

/* Years outside 1000-9999: as strftime(3) writes them, the whole ISO time or
 * (`date_only`) its date. */
static void
clock_format(int64_t t, int date_only, char *out, size_t outsz)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	if (date_only)
		strftime(out, outsz, "%Y-%m-%d", &tm);
	else
		strftime(out, outsz, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Written by hand: every record view shows several times, and strftime(3) with
 * gmtime_r(3) cost more than the rest of a view's metadata. */
void
clock_iso(int64_t t, char out[CLOCK_ISO_SIZE])
{
	int64_t sod;

	if (put_date(out, t, &sod) != 0) {
		clock_format(t, 0, out, CLOCK_ISO_SIZE);
		return;
	}
	out[10] = 'T';
	put2(out + 11, (int)(sod / 3600));
	out[13] = ':';
	put2(out + 14, (int)(sod / 60 % 60));
	out[16] = ':';
	put2(out + 17, (int)(sod % 60));
	out[19] = 'Z';
	out[20] = '\0';
}

void
clock_date(int64_t t, char out[DATE_SIZE])
{
	int64_t sod;

	if (put_date(out, t, &sod) != 0)
		clock_format(t, 1, out, DATE_SIZE);
	else
		out[10] = '\0';
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
