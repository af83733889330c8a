/*
 * deadline.h — response times that a case's risk level sets (DOMAIN.md: high 24 h,
 * medium 3 days, low 7 days). Pure. Issue 6 makes them configurable and adds the
 * assessment, plan and review deadlines.
 */
#ifndef DOMAIN_DEADLINE_H
#define DOMAIN_DEADLINE_H

#include <stdint.h>

/* Seconds allowed from registration to the initial assessment for a risk level
 * ("high", "medium", "low"; anything else counts as medium). */
int64_t	deadline_response(const char *risk_level);

/* The four response times in the order high, medium, low, unset. */
void	deadline_response_table(int64_t out[4]);

#endif
