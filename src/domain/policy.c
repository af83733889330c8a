/* policy.c — roles from config/roles.json and the pure access check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "domain/policy.h"

#define POLICY_ROLES_MAX	32
#define POLICY_ACTIONS_MAX	64

struct policy_role {
	char			 id[32];
	enum policy_scope	 scope;
	int			 sees_up_to;	/* -1 none, else enum form_sensitivity */
	size_t			 nactions;
	char			 actions[POLICY_ACTIONS_MAX][32];
};

struct policy {
	size_t			 nroles;
	struct policy_role	 roles[POLICY_ROLES_MAX];
};

static const char *const scope_names[] = {
	[SCOPE_NONE] = "none", [SCOPE_OWN] = "own", [SCOPE_AGENCY] = "agency",
	[SCOPE_LOCATION] = "location", [SCOPE_ALL] = "all"
};

static const char *const sees_names[] = {
	"basic", "identifying", "sensitive", "restricted"	/* enum form_sensitivity */
};

static int
policy_parse_role(struct policy_role *r, const char *id, const json_t *def, char *msg,
    size_t msgsz)
{
	const char *scope = json_get_str(def, "scope");
	const char *sees = json_get_str(def, "sees_up_to");
	const json_t *acts = json_object_get(def, "actions"), *a;
	size_t i;

	if (str_copy(r->id, sizeof(r->id), id) != 0) {
		snprintf(msg, msgsz, "roles: role id too long");
		return RC_EINVALID;
	}
	for (i = 0; i < sizeof(scope_names) / sizeof(scope_names[0]); i++)
		if (scope != NULL && strcmp(scope, scope_names[i]) == 0)
			break;
	if (i == sizeof(scope_names) / sizeof(scope_names[0])) {
		snprintf(msg, msgsz, "roles: %s: scope must be none, own, agency, "
		    "location or all", id);
		return RC_EINVALID;
	}
	r->scope = (enum policy_scope)i;
	r->sees_up_to = -2;
	if (sees != NULL && strcmp(sees, "none") == 0)
		r->sees_up_to = -1;
	for (i = 0; sees != NULL && i < FS__MAX; i++)
		if (strcmp(sees, sees_names[i]) == 0)
			r->sees_up_to = (int)i;
	if (r->sees_up_to == -2) {
		snprintf(msg, msgsz, "roles: %s: sees_up_to must be none, basic, "
		    "identifying, sensitive or restricted", id);
		return RC_EINVALID;
	}
	if (!json_is_array(acts) || json_array_size(acts) > POLICY_ACTIONS_MAX) {
		snprintf(msg, msgsz, "roles: %s: actions must be an array of at most %d",
		    id, POLICY_ACTIONS_MAX);
		return RC_EINVALID;
	}
	json_array_foreach(acts, i, a) {
		if (!json_is_string(a) || str_copy(r->actions[i], sizeof(r->actions[i]),
		    json_string_value(a)) != 0) {
			snprintf(msg, msgsz, "roles: %s: action %zu is not a short string",
			    id, i);
			return RC_EINVALID;
		}
	}
	r->nactions = json_array_size(acts);
	return RC_OK;
}

int
policy_load(const char *json, size_t n, struct policy **out, char *msg, size_t msgsz)
{
	json_t *root = NULL, *roles, *def;
	struct policy *p = NULL;
	const char *id;
	int rc;

	*out = NULL;
	if ((rc = json_parse_bounded(json, n, 1 << 20, 8, 1, &root, msg, msgsz)) != RC_OK)
		return rc;
	rc = RC_EINVALID;
	roles = json_object_get(root, "roles");
	if (!json_is_object(roles) || json_object_size(roles) == 0 ||
	    json_object_size(roles) > POLICY_ROLES_MAX) {
		snprintf(msg, msgsz, "roles: \"roles\" must be an object of 1 to %d roles",
		    POLICY_ROLES_MAX);
		goto fail;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		rc = RC_ENOMEM;
		goto fail;
	}
	json_object_foreach(roles, id, def) {
		if (!json_is_object(def)) {
			snprintf(msg, msgsz, "roles: %s: must be an object", id);
			rc = RC_EINVALID;	/* not the RC_OK of the role before */
			goto fail;
		}
		if ((rc = policy_parse_role(&p->roles[p->nroles], id, def, msg, msgsz)) !=
		    RC_OK)
			goto fail;
		p->nroles++;
	}
	json_decref(root);
	*out = p;
	return RC_OK;
fail:
	json_decref(root);
	free(p);
	return rc;
}

void
policy_free(struct policy *p)
{
	free(p);
}

static const struct policy_role *
policy_role(const struct policy *p, const char *role)
{
	size_t i;

	for (i = 0; i < p->nroles; i++)
		if (strcmp(p->roles[i].id, role) == 0)
			return &p->roles[i];
	return NULL;
}

int
policy_role_exists(const struct policy *p, const char *role)
{
	return policy_role(p, role) != NULL;
}

const char *
policy_role_at(const struct policy *p, size_t i)
{
	return i < p->nroles ? p->roles[i].id : NULL;
}

/* `code` is `root` or lies below it in the P-code hierarchy (prefix codes). */
static int
location_within(const char *code, const char *root)
{
	size_t n = strlen(root);

	return n > 0 && strncmp(code, root, n) == 0;
}

/* "referral.receive", "transfer.receive": an action on what was sent to the agency. */
static int
policy_action_receives(const char *action)
{
	static const char suffix[] = ".receive";
	size_t n = strlen(action);

	return n > sizeof(suffix) - 1 &&
	    strcmp(action + n - (sizeof(suffix) - 1), suffix) == 0;
}

int
policy_allows(const struct policy *p, const struct policy_user *u, const char *action,
    const struct record_meta *m, const char **reason)
{
	const struct policy_role *r = policy_role(p, u->role);
	const char *why = NULL;
	size_t i;

	if (r == NULL) {
		why = "unknown role";
		goto deny;
	}
	for (i = 0; i < r->nactions; i++)
		if (strcmp(r->actions[i], action) == 0)
			break;
	if (i == r->nactions) {
		why = "role lacks action";
		goto deny;
	}
	if (m == NULL)
		return 1;
	/* what another agency sent to the user's agency (a referral, a transfer
	 * awaiting its answer): the receive actions reach it whatever the scope, and
	 * reach nothing else */
	if (policy_action_receives(action)) {
		if (u->agency_id[0] != '\0' && strcmp(m->peer_agency_id, u->agency_id) == 0)
			return 1;
		why = "record not sent to the user's agency";
		goto deny;
	}
	switch (r->scope) {
	case SCOPE_ALL:
		return 1;
	case SCOPE_OWN:
		if (u->id[0] != '\0' && strcmp(m->owner_id, u->id) == 0)
			return 1;
		break;
	case SCOPE_AGENCY:
		if (u->agency_id[0] != '\0' && strcmp(m->agency_id, u->agency_id) == 0)
			return 1;
		break;
	case SCOPE_LOCATION:
		if (location_within(m->location_code, u->location_code))
			return 1;
		break;
	case SCOPE_NONE:
		break;
	}
	why = "record outside scope";
deny:
	if (reason != NULL)
		*reason = why;
	return 0;
}

enum policy_scope
policy_scope(const struct policy *p, const struct policy_user *u)
{
	const struct policy_role *r = policy_role(p, u->role);

	return r != NULL ? r->scope : SCOPE_NONE;
}

int
policy_field_visible(const struct policy *p, const struct policy_user *u,
    enum form_sensitivity s)
{
	const struct policy_role *r = policy_role(p, u->role);

	return r != NULL && r->sees_up_to >= 0 && (int)s <= r->sees_up_to;
}
