/* test_policy.c — roles from config/roles.json and the default-deny access check. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/embed.h"
#include "base/err.h"
#include "domain/policy.h"

static struct policy *P;

static int
setup(void **state)
{
	const struct embed_file *e = embed_find("config/roles.json");
	char msg[200];

	(void)state;
	if (e == NULL || policy_load(e->data, e->len, &P, msg, sizeof(msg)) != RC_OK)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	policy_free(P);
	return 0;
}

static struct policy_user
user(const char *id, const char *role, const char *agency, const char *loc)
{
	struct policy_user u;

	memset(&u, 0, sizeof(u));
	str_copy(u.id, sizeof(u.id), id);
	str_copy(u.role, sizeof(u.role), role);
	str_copy(u.agency_id, sizeof(u.agency_id), agency);
	str_copy(u.location_code, sizeof(u.location_code), loc);
	return u;
}

static struct record_meta
record(const char *owner, const char *agency, const char *loc)
{
	struct record_meta m;

	memset(&m, 0, sizeof(m));
	str_copy(m.owner_id, sizeof(m.owner_id), owner);
	str_copy(m.agency_id, sizeof(m.agency_id), agency);
	str_copy(m.location_code, sizeof(m.location_code), loc);
	return m;
}

static void
test_every_design_role_is_defined(void **state)
{
	static const char *const roles[] = { "caseworker", "supervisor", "ftr_officer",
	    "ct_officer", "referral_partner", "mne_officer", "dpo", "admin" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		assert_true(policy_role_exists(P, roles[i]));
	assert_false(policy_role_exists(P, "root"));
}

static void
test_caseworker_sees_own_cases_only(void **state)
{
	struct policy_user cw = user("u1", "caseworker", "A", "");
	struct record_meta mine = record("u1", "A", ""), colleague = record("u2", "A", "");
	const char *why = NULL;

	(void)state;
	assert_true(policy_allows(P, &cw, "case.read", &mine, NULL));
	assert_false(policy_allows(P, &cw, "case.read", &colleague, &why));
	assert_string_equal(why, "record outside scope");
	assert_true(policy_allows(P, &cw, "case.create", NULL, NULL));
	assert_int_equal(policy_scope(P, &cw), SCOPE_OWN);
}

static void
test_supervisor_sees_own_agency_not_another(void **state)
{
	struct policy_user sv = user("s1", "supervisor", "A", "");
	struct record_meta a = record("u1", "A", ""), b = record("u9", "B", "");

	(void)state;
	assert_true(policy_allows(P, &sv, "case.read", &a, NULL));
	assert_true(policy_allows(P, &sv, "case.update", &a, NULL));
	assert_false(policy_allows(P, &sv, "case.read", &b, NULL));
}

static void
test_admin_and_mne_see_no_case_content(void **state)
{
	struct policy_user ad = user("x", "admin", "", ""), me = user("y", "mne_officer",
	    "A", "");
	struct record_meta a = record("x", "A", "");
	const char *why = NULL;

	(void)state;
	assert_false(policy_allows(P, &ad, "case.read", &a, &why));
	assert_string_equal(why, "role lacks action");
	assert_false(policy_allows(P, &ad, "case.list", NULL, NULL));
	assert_false(policy_allows(P, &me, "case.read", &a, NULL));
	assert_false(policy_field_visible(P, &ad, FS_BASIC));
	assert_false(policy_field_visible(P, &me, FS_BASIC));
	assert_true(policy_allows(P, &ad, "user.manage", NULL, NULL));
}

static void
test_unknown_role_or_action_is_denied(void **state)
{
	struct policy_user x = user("x", "superuser", "A", "");
	struct policy_user cw = user("u1", "caseworker", "A", "");
	struct record_meta a = record("u1", "A", "");
	const char *why = NULL;

	(void)state;
	assert_false(policy_allows(P, &x, "case.read", &a, &why));
	assert_string_equal(why, "unknown role");
	assert_false(policy_allows(P, &cw, "case.erase", &a, NULL));
	assert_false(policy_allows(P, &cw, "", &a, NULL));
}

static void
test_field_visibility_follows_sensitivity(void **state)
{
	struct policy_user ftr = user("f", "ftr_officer", "A", "");
	struct policy_user cw = user("c", "caseworker", "A", "");

	(void)state;
	assert_true(policy_field_visible(P, &ftr, FS_SENSITIVE));
	assert_false(policy_field_visible(P, &ftr, FS_RESTRICTED));
	assert_true(policy_field_visible(P, &cw, FS_RESTRICTED));
}

static void
test_location_scope_covers_the_subtree(void **state)
{
	static const char roles[] = "{\"roles\":{\"field\":{\"scope\":\"location\","
	    "\"sees_up_to\":\"basic\",\"actions\":[\"case.read\"]}}}";
	struct policy *p = NULL;
	struct policy_user u = user("u", "field", "", "LY01");
	struct record_meta in = record("o", "A", "LY0102"), out = record("o", "A", "LY02");
	char msg[200];

	(void)state;
	assert_int_equal(policy_load(roles, strlen(roles), &p, msg, sizeof(msg)), RC_OK);
	assert_true(policy_allows(p, &u, "case.read", &in, NULL));
	assert_false(policy_allows(p, &u, "case.read", &out, NULL));
	u.location_code[0] = '\0';	/* no location: nothing */
	assert_false(policy_allows(p, &u, "case.read", &in, NULL));
	policy_free(p);
}

static void
test_bad_roles_file_is_refused_with_reason(void **state)
{
	static const char bad[] = "{\"roles\":{\"x\":{\"scope\":\"everything\","
	    "\"sees_up_to\":\"basic\",\"actions\":[]}}}";
	struct policy *p = NULL;
	char msg[200];

	(void)state;
	assert_int_equal(policy_load(bad, strlen(bad), &p, msg, sizeof(msg)), RC_EINVALID);
	assert_non_null(strstr(msg, "scope"));
	assert_null(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_design_role_is_defined),
		cmocka_unit_test(test_caseworker_sees_own_cases_only),
		cmocka_unit_test(test_supervisor_sees_own_agency_not_another),
		cmocka_unit_test(test_admin_and_mne_see_no_case_content),
		cmocka_unit_test(test_unknown_role_or_action_is_denied),
		cmocka_unit_test(test_field_visibility_follows_sensitivity),
		cmocka_unit_test(test_location_scope_covers_the_subtree),
		cmocka_unit_test(test_bad_roles_file_is_refused_with_reason),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
