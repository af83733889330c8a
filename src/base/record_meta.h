/*
 * record_meta.h — the cleartext index columns of a stored record.
 *
 * These coarse attributes are the only plaintext the store keeps about a record: enough
 * for lists, filters, deadlines, access checks and aggregates; never a name, an exact
 * date of birth, a contact or a narrative. Shared by domain/ (policy, derivation),
 * store/ (columns) and app/ (glue), so it lives in base/ as plain data.
 */
#ifndef BASE_RECORD_META_H
#define BASE_RECORD_META_H

#include <stdint.h>

#include "base/id.h"

struct record_meta {
	char	id[ID_SIZE];
	char	type[24];		/* "case", "tracing_request", "vot" */
	char	short_id[SHORT_ID_SIZE];
	int64_t	rev;
	char	status[16];		/* "open", "closed" */
	char	workflow[24];		/* workflow stage, "new" at registration */
	char	risk_level[16];		/* "high", "medium", "low" or "" */
	char	sex[16];
	char	age_band[8];		/* "0-5", "6-11", "12-14", "15-17", "18+" or "" */
	char	nationality[8];		/* ISO 3166 alpha-2 of the first nationality */
	char	location_code[32];	/* P-code of location_current */
	char	owner_id[ID_SIZE];	/* user responsible */
	char	agency_id[ID_SIZE];	/* agency of the owner */
	/* the record this one belongs to or points at: the case of a VoT record or of a
	 * referral, the original of a duplicate, the case a transfer created; or "" */
	char	link_id[ID_SIZE];
	char	peer_agency_id[ID_SIZE]; /* receiving agency of a referral/transfer; "" */
	int64_t	created_at;
	int64_t	updated_at;
	int64_t	flags;			/* RECORD_FLAG_* */
};

#define RECORD_FLAG_UASC	0x01	/* unaccompanied or separated */
#define RECORD_FLAG_TRACING_OK	0x02	/* consent for tracing recorded */

#endif
