/*
 * deadline.h — calendar arithmetic for deadlines, in the office's time zone. Pure.
 *
 * Deadlines are kept as instants (Unix seconds, UTC) so that "overdue" is one
 * comparison with now. Some are elapsed time ("24 hours after registration"); the others
 * are calendar dates ("within 14 days", "every 3 months"), due by the end of that local
 * day. Turning a local day into an instant needs the zone's UTC offset at that moment,
 * which changes with daylight saving time: the caller supplies it (the domain reads no
 * clock and no time zone database), or passes NULL for UTC.
 *
 * The rules that use these (how many days for what) live in workflow.h.
 */
#ifndef DOMAIN_DEADLINE_H
#define DOMAIN_DEADLINE_H

#include <stdint.h>

#include "base/clock.h"

/* The office's time zone. */
struct deadline_tz {
	/* Seconds east of UTC in effect at instant `t` (Unix seconds): 3600 for
	 * Europe/Rome in winter, 7200 in summer; -21600 for Central America. */
	long	(*utc_offset)(void *arg, int64_t t);
	void	*arg;
};

/* The local calendar date ("YYYY-MM-DD") of instant `t`. `tz` NULL is UTC. */
void	deadline_local_date(const struct deadline_tz *tz, int64_t t, char out[DATE_SIZE]);

/*
 * The first instant of local day `date` (local midnight, as Unix seconds) into `*out`.
 * When a daylight saving change skips local midnight, the result is the first instant
 * of the day that exists. RC_OK, or RC_EINVALID when `date` is not a real date.
 */
int	deadline_day_start(const struct deadline_tz *tz, const char *date, int64_t *out);

/* The end of local day `date`: the first instant of the next day. A date-based
 * deadline is met until then. RC_OK or RC_EINVALID. */
int	deadline_day_end(const struct deadline_tz *tz, const char *date, int64_t *out);

/* `date` plus `days` (may be negative) into `out`. RC_OK or RC_EINVALID. */
int	deadline_add_days(const char *date, long days, char out[DATE_SIZE]);

/* `date` plus `months` calendar months into `out`; a day past the end of the target
 * month becomes its last day (31 January + 1 month = 28 or 29 February). RC_OK or
 * RC_EINVALID. */
int	deadline_add_months(const char *date, int months, char out[DATE_SIZE]);

#endif
