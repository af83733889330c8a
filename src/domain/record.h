/*
 * record.h — what a record's data implies: derived fields, index columns, patches.
 *
 * Pure functions over jansson values.
 */
#ifndef DOMAIN_RECORD_H
#define DOMAIN_RECORD_H

#include <jansson.h>

#include "base/record_meta.h"

/* The name fields of a case, searched through the blind index. NULL-terminated. */
extern const char *const record_name_fields[];

/*
 * Derive `name` ("Full name") from name_first, name_middle and name_last when the
 * caller did not give one, or when it still equals what was derived from `prev`
 * (the record before this change; NULL on create). RC_OK or RC_ENOMEM.
 */
int	record_derive(json_t *data, const json_t *prev);

/* The age band of an age in whole years: "0-5", "6-11", "12-14", "15-17", "18+". */
const char *record_age_band(long long age);

/*
 * Fill the coarse index columns of `m` from `data`: sex, risk_level, nationality (the
 * first), location_code, age_band (from age, or from date_of_birth and `today`; a
 * child until an age assessment decides "adult": an assessed age_range_from counts
 * first, and with it, or an outcome "child" or "undetermined", the band stays under
 * 18; "adult" is 18 at least), flags (UASC, consent for tracing). Leaves id, type, rev, owner, agency, times and
 * status/workflow alone. Values too long for their column are left empty.
 */
void	record_index(const json_t *data, const char *today, struct record_meta *m);

/* Apply a JSON merge patch (RFC 7396) to the object `data` in place: null removes a
 * member, objects merge, anything else replaces. RC_OK, RC_EINVALID, RC_ENOMEM. */
int	record_merge_patch(json_t *data, const json_t *patch);

/* The ids of top-level fields that differ between `before` (may be NULL) and
 * `after`, sorted; caller decrefs. NULL on out of memory. */
json_t	*record_changed_fields(const json_t *before, const json_t *after);

#endif
