/* test_tracing.c — family tracing use cases on a real data directory: candidates come
 * from the blind index only, ranked by the keys they share before any is opened, trace
 * numbers are the system's, decisions are remembered, tasks are written once.
 * Fictional data only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "app/app.h"
#include "app/impl.h"
#include "base/err.h"
#include "base/json.h"
#include "store/store.h"
#include "vault/vault.h"

#define PW	"correct horse battery"

/* consent for tracing that holds at any age: the caregiver and the child */
#define CONSENT	"\"consent_per_purpose\":[" \
	"{\"consent_purpose\":\"tracing\",\"consent_given_by\":\"caregiver\"," \
	"\"consent_granted\":true,\"consent_date\":\"2026-01-05\"}," \
	"{\"consent_purpose\":\"tracing\",\"consent_given_by\":\"child\"," \
	"\"consent_granted\":true,\"consent_date\":\"2026-01-05\"}]"

struct fixture {
	char		 dir[64];
	struct app	*a;
	struct app_actor cw, ftr;
};

static void
add_user(struct app *a, const char *name, const char *role)
{
	struct app_user_new nu = { 0 };
	struct app_error err = { 0 };

	nu.username = name;
	nu.role = role;
	nu.agency = "agency-a";
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
	snprintf(f->dir, sizeof(f->dir), "/tmp/rc-tracing-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	strcat(f->dir, "/d");
	if (app_init(f->dir, "chief", PW, NULL, 0, &err) != RC_OK ||
	    app_open(f->dir, &f->a, &err) != RC_OK)
		return -1;
	add_user(f->a, "cw.a", "caseworker");
	add_user(f->a, "ftr.a", "ftr_officer");
	if (app_actor_get(f->a, "cw.a", &f->cw, &err) != RC_OK ||
	    app_actor_get(f->a, "ftr.a", &f->ftr, &err) != RC_OK)
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

/* Register a case from the members `fields` (JSON without braces); its id. */
static char *
add_case(struct fixture *f, const char *fields)
{
	struct app_error err = { 0 };
	char text[2048];
	json_t *data, *out = NULL;
	char *id;

	snprintf(text, sizeof(text), "{%s, \"registration_date\": \"2026-01-05\", %s}",
	    fields, CONSENT);
	data = json_loads(text, 0, NULL);
	assert_non_null(data);
	assert_int_equal(app_case_create(f->a, &f->cw, data, &out, &err), RC_OK);
	id = strdup(json_get_str(out, "id"));
	json_decref(out);
	json_decref(data);
	return id;
}

/* Register a tracing request for one child; the trace id (caller frees). */
static char *
add_request(struct fixture *f, const char *trace, json_t **ref)
{
	struct app_error err = { 0 };
	char text[1024];
	json_t *data, *out = NULL;
	char *id;

	snprintf(text, sizeof(text), "{\"relation_name\": \"Halima Osman\", \"relation\": "
	    "\"mother\", \"consent_for_tracing\": true, \"inquiry_date\": \"2026-01-10\", "
	    "\"tracing_request_subform_section\": [%s]}", trace);
	data = json_loads(text, 0, NULL);
	assert_non_null(data);
	assert_int_equal(app_tracing_create(f->a, &f->ftr, data, &out, &err), RC_OK);
	assert_int_equal(json_array_size(json_object_get(out, "trace_ids")), 1);
	id = strdup(json_string_value(json_array_get(json_object_get(out, "trace_ids"), 0)));
	if (ref != NULL)
		*ref = out;
	else
		json_decref(out);
	json_decref(data);
	return id;
}

/* Count the match tasks (id "<case>:match:<trace>"); the workflow's deadline tasks
 * share the kind. */
static int
doc_count_match(void *arg, struct store_doc *d)
{
	if (strstr(d->id, ":match:") != NULL)
		(*(int64_t *)arg)++;
	store_doc_free(d);
	return 0;
}

static int64_t
match_tasks(struct app *a)
{
	struct store_doc_filter df = { 0 };
	int64_t n = 0, total = 0;

	df.kind = "task";
	df.limit = 1000;
	assert_int_equal(store_doc_list(a->store, &df, &total, doc_count_match, &n), RC_OK);
	return n;
}

/* 1 when `out` (a matches answer) lists case `id`. */
static int
lists_case(const json_t *out, const char *id)
{
	const json_t *m;
	size_t i;

	json_array_foreach(json_object_get(out, "data"), i, m)
		if (strcmp(json_get_str(m, "case_id"), id) == 0)
			return 1;
	return 0;
}

static int64_t
meta_int(const json_t *out, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(out, "metadata"), key));
}

static void
test_a_case_that_shares_no_name_key_is_never_compared(void **state)
{
	struct fixture *f = *state;
	struct app_error err = { 0 };
	char *same = add_case(f, "\"name\": \"Zerihun Bekele\", \"sex\": \"male\", \"age\": 7");
	char *other = add_case(f, "\"name\": \"Oumar Sangare\", \"sex\": \"male\", \"age\": 7");
	char *trace = add_request(f, "{\"name\": \"Zerihun Bekele\", \"sex\": \"male\", "
	    "\"age\": 7}", NULL);
	json_t *out = NULL;

	assert_int_equal(app_match_trace(f->a, &f->ftr, trace, &out, &err), RC_OK);
	assert_true(lists_case(out, same));
	assert_false(lists_case(out, other));
	/* same sex and age, but no shared name key: not even a candidate */
	assert_int_equal(meta_int(out, "candidates"), 1);
	assert_false(json_is_true(json_object_get(json_object_get(out, "metadata"),
	    "capped")));
	json_decref(out);
	free(same);
	free(other);
	free(trace);
}

static void
test_the_candidates_opened_are_ranked_by_the_keys_they_share(void **state)
{
	struct fixture *f = *state;
	struct app_error err = { 0 };
	char fields[256], *wanted, *trace;
	json_t *out = NULL;
	int i;

	/* 520 children called Amina (a key far over the cap), one Amina Wolderufael */
	assert_int_equal(store_begin(f->a->store), RC_OK);
	for (i = 0; i < 520; i++) {
		snprintf(fields, sizeof(fields), "\"name\": \"Amina Testcase%c%c%c\", "
		    "\"sex\": \"female\", \"age\": %d", 'a' + i % 26, 'a' + i / 26 % 26,
		    'a' + i / 676, 3 + i % 10);
		free(add_case(f, fields));
	}
	assert_int_equal(store_commit(f->a->store), RC_OK);
	wanted = add_case(f, "\"name\": \"Amina Wolderufael\", \"sex\": \"female\", "
	    "\"age\": 6");
	trace = add_request(f, "{\"name\": \"Amina Wolderufael\", \"sex\": \"female\", "
	    "\"age\": 6}", NULL);
	assert_int_equal(app_match_trace(f->a, &f->ftr, trace, &out, &err), RC_OK);
	/* 521 share a key, the best-ranked 100 are opened */
	assert_int_equal(meta_int(out, "candidates"), 100);
	assert_true(json_is_true(json_object_get(json_object_get(out, "metadata"),
	    "capped")));
	/* the one who shares the rare family name too ranked first, so the cut did not
	 * cost the match */
	assert_true(lists_case(out, wanted));
	assert_string_equal(json_get_str(json_array_get(json_object_get(out, "data"), 0),
	    "case_id"), wanted);
	json_decref(out);
	free(wanted);
	free(trace);
}

static void
test_a_rejected_pair_stays_rejected_and_a_task_is_written_once(void **state)
{
	struct fixture *f = *state;
	struct app_error err = { 0 };
	char *c = add_case(f, "\"name\": \"Bilal Haroun Abakar\", \"sex\": \"male\", "
	    "\"age\": 11");
	char *trace = add_request(f, "{\"name\": \"بلال هارون أبكر\", \"sex\": \"male\", "
	    "\"age\": 10}", NULL);
	json_t *out = NULL, *no, *patch;
	int64_t tasks = -1;

	/* registering the request found the case: one task */
	tasks = match_tasks(f->a);
	assert_int_equal(tasks, 1);
	/* saving the case again writes no second task */
	patch = json_pack("{s:s}", "name_nickname", "Bilo");
	assert_int_equal(app_case_update(f->a, &f->cw, c, 1, patch, &out, &err), RC_OK);
	json_decref(out);
	json_decref(patch);
	tasks = match_tasks(f->a);
	assert_int_equal(tasks, 1);

	assert_int_equal(app_match_trace(f->a, &f->ftr, trace, &out, &err), RC_OK);
	assert_true(lists_case(out, c));
	json_decref(out);
	no = json_pack("{s:s}", "decision", "not_a_match");
	assert_int_equal(app_match_decide(f->a, &f->ftr, trace, c, no, &out, &err), RC_OK);
	json_decref(out);
	json_decref(no);
	tasks = match_tasks(f->a);
	assert_int_equal(tasks, 0);
	assert_int_equal(app_match_trace(f->a, &f->ftr, trace, &out, &err), RC_OK);
	assert_false(lists_case(out, c));
	json_decref(out);
	assert_int_equal(app_match_case(f->a, &f->ftr, c, &out, &err), RC_OK);
	assert_int_equal(json_array_size(json_object_get(out, "data")), 0);
	json_decref(out);
	/* and no task comes back when the case changes */
	patch = json_pack("{s:i}", "age", 12);
	assert_int_equal(app_case_update(f->a, &f->cw, c, 2, patch, &out, &err), RC_OK);
	json_decref(out);
	json_decref(patch);
	tasks = match_tasks(f->a);
	assert_int_equal(tasks, 0);
	free(c);
	free(trace);
}

static void
test_trace_numbers_are_kept_and_never_chosen_by_the_client(void **state)
{
	struct fixture *f = *state;
	struct app_error err = { 0 };
	json_t *ref = NULL, *got = NULL, *patch, *traces, *out = NULL;
	char *t1 = add_request(f, "{\"name\": \"Saba Tekle\", \"sex\": \"female\"}", &ref);
	const char *rid = json_get_str(ref, "id");

	assert_int_equal(app_record_get(f->a, &f->ftr, "tracing_request", rid, &got, &err),
	    RC_OK);
	traces = json_deep_copy(json_object_get(got, "tracing_request_subform_section"));
	json_array_append_new(traces, json_pack("{s:s}", "name", "Luwam Tekle"));
	patch = json_pack("{s:o}", "tracing_request_subform_section", traces);
	assert_int_equal(app_tracing_update(f->a, &f->ftr, rid, 1, patch, &out, &err),
	    RC_OK);
	assert_int_equal(json_array_size(json_object_get(out, "trace_ids")), 2);
	assert_string_equal(json_string_value(json_array_get(json_object_get(out,
	    "trace_ids"), 0)), t1);
	assert_string_not_equal(json_string_value(json_array_get(json_object_get(out,
	    "trace_ids"), 1)), t1);
	json_decref(out);
	json_decref(patch);
	/* a number the system did not give is refused, and nothing changes */
	patch = json_loads("{\"tracing_request_subform_section\": [{\"unique_id\": "
	    "\"00000000-0000-4000-8000-000000000000\", \"name\": \"Saba Tekle\"}]}", 0,
	    NULL);
	memset(&err, 0, sizeof(err));
	assert_int_equal(app_tracing_update(f->a, &f->ftr, rid, 2, patch, &out, &err),
	    RC_EINVALID);
	assert_string_equal(err.fields.e[0].field,
	    "tracing_request_subform_section[0].unique_id");
	json_decref(patch);
	json_decref(got);
	assert_int_equal(app_record_get(f->a, &f->ftr, "tracing_request", rid, &got, &err),
	    RC_OK);
	assert_int_equal(json_integer_value(json_object_get(got, "rev")), 2);
	json_decref(got);
	json_decref(ref);
	free(t1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_a_case_that_shares_no_name_key_is_never_compared, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_the_candidates_opened_are_ranked_by_the_keys_they_share, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_a_rejected_pair_stays_rejected_and_a_task_is_written_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trace_numbers_are_kept_and_never_chosen_by_the_client, setup, teardown),
	};

	if (vault_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
