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

/* A referral from agency A to agency B: B's receiving users reach the referral and
 * nothing else of A's; A's own people reach it through their usual scope only. */
static void
test_receive_actions_reach_what_was_sent_to_the_agency(void **state)
{
	struct policy_user partner = user("p1", "referral_partner", "B", "");
	struct policy_user bcw = user("b1", "caseworker", "B", "");
	struct policy_user bsv = user("b2", "supervisor", "B", "");
	struct policy_user ccw = user("c1", "caseworker", "C", "");
	struct policy_user acw = user("a1", "caseworker", "A", "");
	struct policy_user mne = user("m1", "mne_officer", "B", "");
	struct policy_user nobody = user("n1", "caseworker", "", "");
	struct record_meta ref = record("a1", "A", "");
	struct record_meta the_case = record("a1", "A", "");
	const char *why = NULL;

	(void)state;
	str_copy(ref.peer_agency_id, sizeof(ref.peer_agency_id), "B");
	/* B's users: the referral, whatever their scope (own, agency, none) */
	assert_true(policy_allows(P, &partner, "referral.receive", &ref, NULL));
	assert_true(policy_allows(P, &bcw, "referral.receive", &ref, NULL));
	assert_true(policy_allows(P, &bsv, "referral.receive", &ref, NULL));
	/* ... but never the case, nor the referral through the sender's actions */
	assert_false(policy_allows(P, &bcw, "case.read", &the_case, NULL));
	assert_false(policy_allows(P, &bsv, "case.read", &the_case, NULL));
	assert_false(policy_allows(P, &partner, "case.read", &the_case, &why));
	assert_string_equal(why, "role lacks action");
	assert_false(policy_allows(P, &bsv, "referral.read", &ref, &why));
	assert_string_equal(why, "record outside scope");
	/* a third agency, a user with no agency, a role without the action */
	assert_false(policy_allows(P, &ccw, "referral.receive", &ref, &why));
	assert_string_equal(why, "record not sent to the user's agency");
	assert_false(policy_allows(P, &nobody, "referral.receive", &ref, NULL));
	assert_false(policy_allows(P, &mne, "referral.receive", &ref, &why));
	assert_string_equal(why, "role lacks action");
	/* the sender reaches it through their own scope, not as a receiver */
	assert_true(policy_allows(P, &acw, "referral.read", &ref, NULL));
	assert_false(policy_allows(P, &acw, "referral.receive", &ref, NULL));
	/* a record sent nowhere is received by nobody, even of the same agency */
	assert_false(policy_allows(P, &acw, "referral.receive", &the_case, NULL));
	/* the same rule for transfers awaiting their answer */
	str_copy(the_case.peer_agency_id, sizeof(the_case.peer_agency_id), "B");
	assert_true(policy_allows(P, &bcw, "transfer.receive", &the_case, NULL));
	assert_false(policy_allows(P, &partner, "transfer.receive", &the_case, NULL));
	assert_false(policy_allows(P, &bcw, "case.read", &the_case, NULL));
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
		cmocka_unit_test(test_receive_actions_reach_what_was_sent_to_the_agency),
		cmocka_unit_test(test_bad_roles_file_is_refused_with_reason),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
