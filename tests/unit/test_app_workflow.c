/* test_app_workflow.c — the workflow's use cases on a real data directory: moves
 * refused with their rule and nothing written, tasks that follow every save, approvals
 * and self-approval, fields only the server sets, consent and its override. Fictional
 * data only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "app/app.h"
#include "base/err.h"
#include "vault/vault.h"

#define PW	"correct horse battery"

struct fixture {
	char		 dir[64];
	struct app	*a;
	struct app_actor cw, cw_b, sv, sv2;
};

static void
add_user(struct app *a, const char *name, const char *role, const char *agency)
{
	struct app_user_new nu = { 0 };
	struct app_error err = { 0 };

	nu.username = name;
	nu.role = role;
	nu.agency = agency;
	nu.password = PW;
	assert_int_equal(app_user_add(a, NULL, &nu, NULL, &err), RC_OK);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct app_error err = { 0 };

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/rc-appwf-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	strcat(f->dir, "/d");
	if (app_init(f->dir, "chief", PW, NULL, 0, &err) != RC_OK ||
	    app_open(f->dir, &f->a, &err) != RC_OK)
		return -1;
	add_user(f->a, "cw.a", "caseworker", "agency-a");
	add_user(f->a, "cw.b", "caseworker", "agency-b");
	add_user(f->a, "sv.a", "supervisor", "agency-a");
	add_user(f->a, "sv.a2", "supervisor", "agency-a");
	if (app_actor_get(f->a, "cw.a", &f->cw, &err) != RC_OK ||
	    app_actor_get(f->a, "cw.b", &f->cw_b, &err) != RC_OK ||
	    app_actor_get(f->a, "sv.a", &f->sv, &err) != RC_OK ||
	    app_actor_get(f->a, "sv.a2", &f->sv2, &err) != RC_OK)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	app_close(f->a);
	snprintf(cmd, sizeof(cmd), "rm -rf '%.*s'", (int)(strlen(f->dir) - 2), f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static json_t *
J(const char *s)
{
	json_t *j = json_loads(s, 0, NULL);

	assert_non_null(j);
	return j;
}

/* Register a case as `u`; its id into `id` (64 bytes). */
static void
create(struct fixture *f, const struct app_actor *u, const char *data, char *id)
{
	struct app_error err = { 0 };
	json_t *d = J(data), *out = NULL;

	assert_int_equal(app_case_create(f->a, u, d, &out, &err), RC_OK);
	snprintf(id, 64, "%s", json_string_value(json_object_get(out, "id")));
	json_decref(out);
	json_decref(d);
}

/* The case as `u` reads it; caller decrefs. */
static json_t *
get(struct fixture *f, const struct app_actor *u, const char *id)
{
	struct app_error err = { 0 };
	json_t *c = NULL;

	assert_int_equal(app_case_get(f->a, u, id, &c, &err), RC_OK);
	return c;
}

/* The revision of a case of agency A (read by its supervisor, who sees them all). */
static int64_t
rev_of(struct fixture *f, const char *id)
{
	json_t *c = get(f, &f->sv, id);
	int64_t rev = json_integer_value(json_object_get(c, "rev"));

	json_decref(c);
	return rev;
}

/* Patch the case at its current revision; the rc, `err` filled. */
static int
update(struct fixture *f, const struct app_actor *u, const char *id, const char *patch,
    struct app_error *err)
{
	json_t *p = J(patch), *out = NULL;
	int rc;

	memset(err, 0, sizeof(*err));
	rc = app_case_update(f->a, u, id, rev_of(f, id), p, &out, err);
	json_decref(out);
	json_decref(p);
	return rc;
}

static int
approval(struct fixture *f, const struct app_actor *u, const char *id, const char *type,
    const char *data, struct app_error *err)
{
	json_t *d = J(data), *out = NULL;
	int rc;

	memset(err, 0, sizeof(*err));
	rc = app_case_approval(f->a, u, id, 0, type, d, &out, err);
	json_decref(out);
	json_decref(d);
	return rc;
}

/* How many tasks `u` has; `late` (not NULL) how many are overdue. */
static int64_t
tasks(struct fixture *f, const struct app_actor *u, const char *kind, int64_t *late)
{
	struct app_task_query q = { 0 };
	struct app_error err = { 0 };
	const json_t *t;
	json_t *out = NULL;
	int64_t n = 0;
	size_t i;

	q.per = 100;
	assert_int_equal(app_task_list(f->a, u, &q, &out, &err), RC_OK);
	json_array_foreach(json_object_get(out, "data"), i, t)
		n += kind == NULL || strcmp(json_string_value(json_object_get(t, "kind")),
		    kind) == 0;
	if (late != NULL)
		*late = json_integer_value(json_object_get(json_object_get(out, "metadata"),
		    "overdue"));
	json_decref(out);
	return n;
}


/* The deadlines in the case's own view (kept beside the record) are its task
 * documents, one for one: kind, due time, due date, approval. */
static void
assert_view_is_tasks(struct fixture *f, const char *id)
{
	struct app_task_query q = { 0 };
	struct app_error err = { 0 };
	json_t *c = get(f, &f->sv, id), *out = NULL, *mine = json_array();
	const json_t *t, *dl = json_object_get(c, "deadlines");
	size_t i, j, n = 0;

	q.per = 100;
	assert_int_equal(app_task_list(f->a, &f->sv, &q, &out, &err), RC_OK);
	json_array_foreach(json_object_get(out, "data"), i, t)
		if (strcmp(json_string_value(json_object_get(t, "record_id")), id) == 0)
			json_array_append(mine, (json_t *)t);
	assert_true(json_is_array(dl));
	assert_int_equal(json_array_size(dl), json_array_size(mine));
	json_array_foreach(dl, i, t) {
		static const char *const keys[] = { "kind", "due_at", "due_date", "approval" };

		for (j = 0; j < sizeof(keys) / sizeof(keys[0]); j++) {
			const json_t *a = json_object_get(t, keys[j]);
			const json_t *b = json_object_get(json_array_get(mine, i), keys[j]);

			if (a == NULL && b == NULL)
				continue;
			assert_non_null(a);
			assert_non_null(b);
			assert_string_equal(json_string_value(a), json_string_value(b));
		}
		n++;
	}
	assert_int_equal(n, json_array_size(mine));
	json_decref(mine);
	json_decref(out);
	json_decref(c);
}

static void
test_a_refused_move_names_its_rule_and_writes_nothing(void **state)
{
	struct fixture *f = *state;
	struct app_error err;
	char id[64];
	json_t *c;

	create(f, &f->cw, "{\"name_first\":\"Saba\",\"sex\":\"female\",\"age\":12}", id);
	assert_int_equal(update(f, &f->cw, id, "{\"workflow\":\"case_plan\",\"age\":13}",
	    &err), RC_EINVALID);
	assert_string_equal(err.code, "rule");
	assert_memory_equal(err.message, "transition.not_allowed:", 23);
	assert_string_equal(err.fields.e[0].field, "workflow");
	c = get(f, &f->cw, id);
	assert_int_equal(json_integer_value(json_object_get(c, "rev")), 1);
	assert_int_equal(json_integer_value(json_object_get(c, "age")), 12);
	assert_string_equal(json_string_value(json_object_get(c, "workflow")), "new");
	json_decref(c);
	/* the same move with what it needs goes through, field and stage together */
	assert_int_equal(update(f, &f->cw, id, "{\"initial_assessment_date\":\"2026-01-05\","
	    "\"risk_level\":\"low\",\"workflow\":\"assessment\"}", &err), RC_OK);
	c = get(f, &f->cw, id);
	assert_string_equal(json_string_value(json_object_get(c, "workflow")), "assessment");
	assert_string_equal(json_string_value(json_object_get(c, "status")), "open");
	json_decref(c);
	/* only supervisors reopen; a caseworker cannot even close without approval */
	assert_int_equal(update(f, &f->cw, id, "{\"status\":\"closed\"}", &err), RC_EINVALID);
	assert_string_equal(err.code, "rule");
}

static void
test_tasks_follow_every_save(void **state)
{
	struct fixture *f = *state;
	struct app_error err;
	char id[64];
	int64_t late;

	create(f, &f->cw, "{\"name_first\":\"Saba\",\"sex\":\"female\",\"age\":12,"
	    "\"risk_level\":\"high\",\"registration_date\":\"2025-02-01\"}", id);
	assert_int_equal(tasks(f, &f->cw, NULL, &late), 3);
	assert_int_equal(late, 3);		/* registered long ago */
	assert_view_is_tasks(f, id);
	assert_int_equal(tasks(f, &f->sv, NULL, NULL), 3);
	assert_int_equal(tasks(f, &f->cw_b, NULL, NULL), 0);
	assert_int_equal(update(f, &f->cw, id, "{\"initial_assessment_date\":\"2026-01-05\","
	    "\"comprehensive_assessment_date\":\"2026-01-05\",\"workflow\":\"assessment\"}",
	    &err), RC_OK);
	assert_int_equal(tasks(f, &f->cw, "response", NULL), 0);
	assert_int_equal(tasks(f, &f->cw, "assessment", NULL), 0);
	assert_int_equal(tasks(f, &f->cw, "case_plan", NULL), 1);
	/* an approval waits for the supervisors, not the caseworker */
	assert_int_equal(approval(f, &f->cw, id, "assessment",
	    "{\"approval_status\":\"requested\"}", &err), RC_OK);
	assert_int_equal(tasks(f, &f->sv, "approval", NULL), 1);
	assert_int_equal(tasks(f, &f->cw, "approval", NULL), 0);
	assert_view_is_tasks(f, id);
	assert_int_equal(approval(f, &f->sv, id, "assessment",
	    "{\"approval_status\":\"approved\"}", &err), RC_OK);
	assert_int_equal(tasks(f, &f->sv, "approval", NULL), 0);
	assert_view_is_tasks(f, id);
	/* a case saved before deadlines were kept beside it: read from its tasks */
	{
		char path[128];
		sqlite3 *db;

		snprintf(path, sizeof(path), "%s/routecare.db", f->dir);
		assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
		assert_int_equal(sqlite3_exec(db, "UPDATE records SET deadlines = NULL",
		    NULL, NULL, NULL), SQLITE_OK);
		sqlite3_close(db);
		assert_view_is_tasks(f, id);
	}
}

static void
test_approvals_refuse_self_approval_and_silent_rejection(void **state)
{
	struct fixture *f = *state;
	struct app_error err;
	char id[64];
	json_t *c;

	create(f, &f->sv, "{\"name_first\":\"Dawit\",\"sex\":\"male\",\"age\":15,"
	    "\"risk_level\":\"medium\",\"initial_assessment_date\":\"2026-01-05\","
	    "\"comprehensive_assessment_date\":\"2026-01-05\"}", id);
	assert_int_equal(update(f, &f->sv, id, "{\"workflow\":\"assessment\"}", &err),
	    RC_OK);
	assert_int_equal(approval(f, &f->sv, id, "assessment",
	    "{\"approval_status\":\"requested\"}", &err), RC_OK);
	assert_int_equal(approval(f, &f->sv, id, "assessment",
	    "{\"approval_status\":\"approved\"}", &err), RC_EINVALID);
	assert_memory_equal(err.message, "approval.self:", 14);
	assert_int_equal(approval(f, &f->sv2, id, "assessment",
	    "{\"approval_status\":\"rejected\"}", &err), RC_EINVALID);
	assert_memory_equal(err.message, "approval.comment_required:", 26);
	assert_string_equal(err.fields.e[0].field, "comment");
	assert_int_equal(approval(f, &f->sv2, id, "assessment",
	    "{\"approval_status\":\"approved\",\"extra\":1}", &err), RC_EINVALID);
	assert_int_equal(approval(f, &f->sv2, id, "assessment",
	    "{\"approval_status\":\"approved\",\"comment\":\"thorough\"}", &err), RC_OK);
	c = get(f, &f->sv, id);
	assert_string_equal(json_string_value(json_object_get(c,
	    "approval_status_assessment")), "approved");
	assert_int_equal(json_array_size(json_object_get(c, "approval_subforms")), 2);
	json_decref(c);
	/* agency B does not reach the case at all */
	assert_int_equal(approval(f, &f->cw_b, id, "bia",
	    "{\"approval_status\":\"requested\"}", &err), RC_ENOTFOUND);
}

static void
test_clients_cannot_write_system_fields(void **state)
{
	struct fixture *f = *state;
	struct app_error err = { 0 };
	json_t *d, *out = NULL;
	char id[64];

	d = J("{\"name_first\":\"Saba\",\"sex\":\"female\",\"reopened_logs\":[]}");
	assert_int_equal(app_case_create(f->a, &f->cw, d, &out, &err), RC_EINVALID);
	assert_string_equal(err.fields.e[0].field, "reopened_logs");
	json_decref(d);
	create(f, &f->cw, "{\"name_first\":\"Saba\",\"sex\":\"female\",\"age\":11}", id);
	assert_int_equal(update(f, &f->cw, id, "{\"approval_status_closure\":\"approved\"}",
	    &err), RC_EINVALID);
	assert_string_equal(err.fields.e[0].field, "approval_status_closure");
	assert_string_equal(err.code, "");
	assert_int_equal(rev_of(f, id), 1);
}

static void
test_consent_by_age_and_a_supervisors_override(void **state)
{
	struct fixture *f = *state;
	struct app_consent c;
	struct app_error err = { 0 };
	json_t *d, *out = NULL;
	char id[64];

	create(f, &f->cw, "{\"name_first\":\"Saba\",\"sex\":\"female\",\"age\":16,"
	    "\"consent_per_purpose\":[{\"consent_purpose\":\"tracing\","
	    "\"consent_given_by\":\"caregiver\",\"consent_granted\":true,"
	    "\"consent_date\":\"2026-01-05\"}]}", id);
	/* at 16 the child consents: the caregiver's consent is not enough */
	assert_int_equal(app_case_consent_check(f->a, &f->cw, id, "tracing", NULL, &c,
	    &err), RC_OK);
	assert_false(c.granted);
	assert_int_equal(c.age_lo, 16);
	assert_true(c.why[0] != '\0');
	assert_int_equal(app_case_consent_check(f->a, &f->cw, id, "gossip", NULL, &c,
	    &err), RC_EINVALID);
	assert_int_equal(app_case_consent_check(f->a, &f->cw_b, id, "tracing", NULL, &c,
	    &err), RC_ENOTFOUND);
	d = J("{\"purpose\":\"tracing\",\"reason\":\"the child is in danger\"}");
	assert_int_equal(app_case_consent_override(f->a, &f->cw, id, 0, d, &out, &err),
	    RC_EDENIED);
	assert_int_equal(app_case_consent_override(f->a, &f->sv, id, 0, d, &out, &err),
	    RC_OK);
	json_decref(out);
	json_decref(d);
	assert_int_equal(app_case_consent_check(f->a, &f->cw, id, "tracing", "ngo", &c,
	    &err), RC_OK);
	assert_true(c.granted);
	assert_true(c.overridden);
	/* an override for one purpose is no consent for another */
	assert_int_equal(app_case_consent_check(f->a, &f->cw, id, "referral", NULL, &c,
	    &err), RC_OK);
	assert_false(c.granted);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_refused_move_names_its_rule_and_writes_nothing,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_tasks_follow_every_save, setup, teardown),
		cmocka_unit_test_setup_teardown(test_approvals_refuse_self_approval_and_silent_rejection,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_clients_cannot_write_system_fields, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_consent_by_age_and_a_supervisors_override,
		    setup, teardown),
	};

	if (vault_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
