/* deadline.c — response times by risk level. */
#include <string.h>

#include "domain/deadline.h"

#define HOUR	3600
#define DAY	(24 * HOUR)

int64_t
deadline_response(const char *risk_level)
{
	if (risk_level != NULL && strcmp(risk_level, "high") == 0)
		return 24 * HOUR;
	if (risk_level != NULL && strcmp(risk_level, "low") == 0)
		return 7 * DAY;
	return 3 * DAY;		/* medium, and cases whose risk is not yet set */
}

void
deadline_response_table(int64_t out[4])
{
	out[0] = deadline_response("high");
	out[1] = deadline_response("medium");
	out[2] = deadline_response("low");
	out[3] = deadline_response("");
}
