/*
 * policy.h — who may do what to which record: the pure access check.
 *
 * Roles, their scope and the most sensitive field class they see come from
 * config/roles.json. Default deny: an action a role does not list is refused, and
 * every refusal carries a reason for the audit log (never shown with record content).
 */
#ifndef DOMAIN_POLICY_H
#define DOMAIN_POLICY_H

#include <stddef.h>

#include "base/id.h"
#include "base/record_meta.h"
#include "domain/form.h"

enum policy_scope {
	SCOPE_NONE,
	SCOPE_OWN,
	SCOPE_AGENCY,
	SCOPE_LOCATION,
	SCOPE_ALL
};

/* The acting user as the policy sees them. */
struct policy_user {
	char	id[ID_SIZE];
	char	role[32];
	char	agency_id[ID_SIZE];
	char	location_code[32];
};

struct policy;

/* Parse roles.json. RC_OK, or RC_EINVALID with `msg` naming the role and problem. */
int	policy_load(const char *json, size_t n, struct policy **out, char *msg,
	    size_t msgsz);
void	policy_free(struct policy *p);
/* 1 when `role` is defined. */
int	policy_role_exists(const struct policy *p, const char *role);
/* Role ids in definition order; NULL past the end. */
const char *policy_role_at(const struct policy *p, size_t i);

/*
 * May `u` do `action` ("case.read", ...) on the record described by `m` (NULL for
 * actions on no record, such as "case.create" or "case.list")? Returns 1 or 0; on 0,
 * `*reason` (when not NULL) is set to a static text such as "role lacks action" or
 * "record outside scope".
 *
 * Actions whose name ends in ".receive" ("referral.receive", "transfer.receive") are
 * the receiving side's: on a record they are in scope exactly when the record's
 * peer_agency_id is the user's agency (a referral or transfer sent to it), whatever
 * the role's scope, and never otherwise.
 */
int	policy_allows(const struct policy *p, const struct policy_user *u,
	    const char *action, const struct record_meta *m, const char **reason);

/* The scope of `u`'s role, used to filter lists. */
enum policy_scope policy_scope(const struct policy *p, const struct policy_user *u);

/* 1 when `u`'s role may see fields of class `s`. */
int	policy_field_visible(const struct policy *p, const struct policy_user *u,
	    enum form_sensitivity s);

#endif
