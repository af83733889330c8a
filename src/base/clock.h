/*
 * clock.h — time and calendar dates.
 *
 * Times are Unix seconds (int64_t) and are shown as UTC ISO 8601. Calendar dates are
 * "YYYY-MM-DD" strings, checked for a real day (leap years included).
 */
#ifndef BASE_CLOCK_H
#define BASE_CLOCK_H

#include <stdint.h>

#define CLOCK_ISO_SIZE	21	/* "2026-11-23T12:00:00Z" + NUL */
#define DATE_SIZE	11	/* "2026-11-23" + NUL */

int64_t	clock_now(void);
/* Unix seconds to "YYYY-MM-DDTHH:MM:SSZ". */
void	clock_iso(int64_t t, char out[CLOCK_ISO_SIZE]);
/* Unix seconds to the UTC calendar date "YYYY-MM-DD". */
void	clock_date(int64_t t, char out[DATE_SIZE]);

/* Parse "YYYY-MM-DD"; returns 0 and fills y/m/d when it is a real date, else -1. */
int	date_parse(const char *s, int *y, int *m, int *d);
/* Whole years between date of birth and `today` (both "YYYY-MM-DD"); -1 when bad. */
int	date_age_years(const char *dob, const char *today);
/* Days since 1970-01-01 for a valid y/m/d (proleptic Gregorian). */
int64_t	date_days(int y, int m, int d);

#endif
