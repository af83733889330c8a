/*
 * fuzz_policy.c — policy_load() on arbitrary roles.json text, then every access check
 * for each role it defines.
 *
 * Checks: never crashes or leaks; RC_OK exactly when `*out` is set; a refusal says why;
 * role ids are short terminated strings; a refused check always carries a reason; an
 * undefined role is refused everything and sees nothing.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "domain/policy.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const fuzz_actions[] = {
	"case.create", "case.read", "case.update", "case.list", "audit.read",
	"user.list", "user.manage", "agency.manage", "location.manage", "report.read", "",
};

static void
check_user(const struct policy *p, const struct policy_user *u, int defined)
{
	struct record_meta metas[3];
	const char *reason;
	size_t i, k;
	int s;

	memset(metas, 0, sizeof(metas));
	memcpy(metas[1].owner_id, u->id, sizeof(u->id));
	memcpy(metas[1].agency_id, u->agency_id, sizeof(u->agency_id));
	memcpy(metas[1].location_code, "SO1101", 7);
	memcpy(metas[2].location_code, "ER", 3);
	for (i = 0; i < sizeof(fuzz_actions) / sizeof(fuzz_actions[0]); i++) {
		for (k = 0; k <= 3; k++) {
			reason = NULL;
			if (policy_allows(p, u, fuzz_actions[i], k < 3 ? &metas[k] : NULL,
			    &reason)) {
				if (!defined)
					abort();
			} else if (reason == NULL || *reason == '\0')
				abort();
		}
	}
	if ((unsigned)policy_scope(p, u) > SCOPE_ALL || (!defined && policy_scope(p, u) !=
	    SCOPE_NONE))
		abort();
	for (s = 0; s < FS__MAX; s++)
		if (policy_field_visible(p, u, (enum form_sensitivity)s) && !defined)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy_user u;
	struct policy *p = NULL;
	const char *role;
	char msg[256];
	size_t i;
	int rc;

	msg[0] = '\0';
	rc = policy_load((const char *)data, size, &p, msg, sizeof(msg));
	if (rc != RC_OK) {
		if (p != NULL || (rc != RC_ENOMEM && msg[0] == '\0'))
			abort();
		return 0;
	}
	if (p == NULL)
		abort();
	memset(&u, 0, sizeof(u));
	memcpy(u.id, "11111111-2222-4333-8444-555555555555", 37);
	memcpy(u.agency_id, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", 37);
	memcpy(u.location_code, "SO11", 5);
	for (i = 0; (role = policy_role_at(p, i)) != NULL; i++) {
		if (memchr(role, '\0', sizeof(u.role)) == NULL || !policy_role_exists(p, role))
			abort();
		memcpy(u.role, role, strlen(role) + 1);
		check_user(p, &u, 1);
		u.location_code[0] = '\0';
		check_user(p, &u, 1);
		memcpy(u.location_code, "SO11", 5);
	}
	if (i > 32)
		abort();
	memcpy(u.role, "no such role \x01", 15);
	if (!policy_role_exists(p, u.role))
		check_user(p, &u, 0);
	policy_free(p);
	return 0;
}
