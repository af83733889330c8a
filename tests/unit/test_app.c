/* test_app.c — use cases end to end on a real data directory: accounts, sessions,
 * lockout, audit chain, concurrent writers. Fictional data only. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "app/app.h"
#include "base/buf.h"
#include "base/err.h"
#include "vault/vault.h"

#define PW	"correct horse battery"

struct fixture {
	char		 dir[64];
	struct app	*a;
	struct app_actor admin, cw, cw_b, sv;
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
	snprintf(f->dir, sizeof(f->dir), "/tmp/rc-app-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	strcat(f->dir, "/d");
	if (app_init(f->dir, "chief", PW, NULL, 0, &err) != RC_OK ||
	    app_open(f->dir, &f->a, &err) != RC_OK)
		return -1;
	add_user(f->a, "cw.a", "caseworker", "agency-a");
	add_user(f->a, "cw.b", "caseworker", "agency-b");
	add_user(f->a, "sv.a", "supervisor", "agency-a");
	if (app_actor_get(f->a, "chief", &f->admin, &err) != RC_OK ||
	    app_actor_get(f->a, "cw.a", &f->cw, &err) != RC_OK ||
	    app_actor_get(f->a, "cw.b", &f->cw_b, &err) != RC_OK ||
	    app_actor_get(f->a, "sv.a", &f->sv, &err) != RC_OK)
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

static char *
create_case(struct fixture *f, const char *json)
{
	struct app_error err = { 0 };
	json_t *data = json_loads(json, 0, NULL), *out = NULL;
	char *id;

	assert_non_null(data);
	assert_int_equal(app_case_create(f->a, &f->cw, data, &out, &err), RC_OK);
	id = strdup(json_string_value(json_object_get(out, "id")));
	json_decref(out);
	json_decref(data);
	return id;
}

static void
test_init_refuses_an_existing_directory(void **state)
{
	struct fixture *f = *state;
	struct app_error err = { 0 };

	assert_int_equal(app_init(f->dir, "x", PW, NULL, 0, &err), RC_EEXIST);
	assert_non_null(strstr(err.message, "refusing"));
}

static void
test_login_gives_a_session_that_names_the_user(void **state)
{
	struct fixture *f = *state;
	struct app_error err = { 0 };
	struct app_login l;
	struct app_actor who;

	assert_int_equal(app_login(f->a, "cw.a", PW, &l, &err), RC_OK);
	assert_int_equal(strlen(l.token), APP_TOKEN_SIZE - 1);
	assert_string_equal(json_string_value(json_object_get(l.user, "username")), "cw.a");
	assert_null(json_object_get(l.user, "password_hash"));
	json_decref(l.user);
	assert_int_equal(app_session_actor(f->a, l.token, &who, &err), RC_OK);
	assert_string_equal(who.username, "cw.a");
	assert_int_equal(app_logout(f->a, l.token), RC_OK);
	assert_int_equal(app_session_actor(f->a, l.token, &who, &err), RC_EAUTH);
	assert_int_equal(app_session_actor(f->a, "not-a-token", &who, &err), RC_EAUTH);
}

static void
test_wrong_password_and_unknown_user_answer_alike(void **state)
{
	struct fixture *f = *state;
	struct app_error e1 = { 0 }, e2 = { 0 };
	struct app_login l;

	assert_int_equal(app_login(f->a, "cw.a", "wrong password!", &l, &e1), RC_EAUTH);
	assert_int_equal(app_login(f->a, "nobody", "wrong password!", &l, &e2), RC_EAUTH);
	assert_string_equal(e1.message, e2.message);
}

static void
test_ten_wrong_passwords_lock_even_the_right_one(void **state)
{
	struct fixture *f = *state;
	struct app_error err = { 0 };
	struct app_login l;
	int i;

	for (i = 0; i < APP_LOGIN_ATTEMPTS; i++)
		assert_int_equal(app_login(f->a, "cw.b", "not the password", &l, &err),
		    RC_EAUTH);
	assert_int_equal(app_login(f->a, "cw.b", PW, &l, &err), RC_ELOCKED);
	assert_true(l.retry_after > 0);
	/* another user is not affected */
	assert_int_equal(app_login(f->a, "cw.a", PW, &l, &err), RC_OK);
	json_decref(l.user);
}

static void
test_disabling_a_user_ends_their_sessions_at_once(void **state)
{
	struct fixture *f = *state;
	struct app_error err = { 0 };
	struct app_login l;
	struct app_actor who;
	json_t *patch = json_pack("{s:b}", "disabled", 1), *out = NULL;

	assert_int_equal(app_login(f->a, "cw.a", PW, &l, &err), RC_OK);
	json_decref(l.user);
	assert_int_equal(app_user_update(f->a, &f->admin, f->cw.pu.id, patch, &out, &err),
	    RC_OK);
	json_decref(out);
	assert_int_equal(app_session_actor(f->a, l.token, &who, &err), RC_EAUTH);
	assert_int_equal(app_login(f->a, "cw.a", PW, &l, &err), RC_EAUTH);
	/* a caseworker may not manage users */
	assert_int_equal(app_user_update(f->a, &f->cw_b, f->cw.pu.id, patch, &out, &err),
	    RC_EDENIED);
	json_decref(patch);
}

static void
test_csrf_token_is_bound_to_its_session(void **state)
{
	struct fixture *f = *state;
	struct app_error err = { 0 };
	struct app_login l1, l2;
	char c1[APP_TOKEN_SIZE];

	assert_int_equal(app_login(f->a, "cw.a", PW, &l1, &err), RC_OK);
	assert_int_equal(app_login(f->a, "sv.a", PW, &l2, &err), RC_OK);
	json_decref(l1.user);
	json_decref(l2.user);
	app_csrf_token(f->a, l1.token, c1);
	assert_true(app_csrf_check(f->a, l1.token, c1));
	assert_false(app_csrf_check(f->a, l2.token, c1));
	assert_false(app_csrf_check(f->a, l1.token, "x"));
	assert_false(app_csrf_check(f->a, l1.token, NULL));
}

static void
test_password_change_needs_the_old_one_and_ends_sessions(void **state)
{
	struct fixture *f = *state;
	struct app_error err = { 0 };
	struct app_login l;
	struct app_actor who;

	assert_int_equal(app_login(f->a, "sv.a", PW, &l, &err), RC_OK);
	json_decref(l.user);
	assert_int_equal(app_password_change(f->a, &f->sv, "wrong old one", "a new long one",
	    &err), RC_EAUTH);
	assert_int_equal(app_password_change(f->a, &f->sv, PW, "short", &err), RC_EINVALID);
	assert_int_equal(app_password_change(f->a, &f->sv, PW, "a new long one", &err),
	    RC_OK);
	assert_int_equal(app_session_actor(f->a, l.token, &who, &err), RC_EAUTH);
	assert_int_equal(app_login(f->a, "sv.a", PW, &l, &err), RC_EAUTH);
	assert_int_equal(app_login(f->a, "sv.a", "a new long one", &l, &err), RC_OK);
	json_decref(l.user);
}

static int
sql(struct fixture *f, const char *q)
{
	char path[128];
	sqlite3 *db;
	int rc;

	snprintf(path, sizeof(path), "%s/routecare.db", f->dir);
	if (sqlite3_open(path, &db) != SQLITE_OK)
		return -1;
	rc = sqlite3_exec(db, q, NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}


/* The read path that splices the sealed text gives the same view as the one that
 * parses it: the same members, values and metadata, for every role. */
static void
test_text_view_equals_the_parsed_view(void **state)
{
	struct fixture *f = *state;
	const struct app_actor *who[] = { &f->cw, &f->sv };
	struct app_error err = { 0 };
	struct buf b = BUF_INIT;
	json_t *view = NULL, *spliced;
	int64_t rev = 0;
	size_t i;
	char *id = create_case(f, "{\"name_first\":\"Awa\",\"name_last\":\"Diallo \\\"A\\\"\","
	    "\"sex\":\"female\",\"age\":12,\"risk_level\":\"high\","
	    "\"registration_date\":\"2025-02-01\"}");

	for (i = 0; i < sizeof(who) / sizeof(who[0]); i++) {
		buf_reset(&b);
		assert_int_equal(app_record_get(f->a, who[i], "case", id, &view, &err), RC_OK);
		assert_int_equal(app_record_get_text(f->a, who[i], "case", id, &b, &rev,
		    &err), RC_OK);
		spliced = json_loadb(b.p, b.len, JSON_REJECT_DUPLICATES, NULL);
		assert_non_null(spliced);
		assert_true(json_equal(view, spliced));
		assert_int_equal(rev, 1);
		assert_non_null(json_object_get(spliced, "deadlines"));
		assert_string_equal(json_string_value(json_object_get(spliced, "name_first")),
		    "Awa");
		json_decref(spliced);
		json_decref(view);
	}
	buf_wipe(&b);
	free(id);
}

static void
test_audit_chain_records_actions_and_names_a_changed_row(void **state)
{
	struct fixture *f = *state;
	struct app_error err = { 0 };
	int64_t rows, bad;
	json_t *out = NULL;
	char *id = create_case(f, "{\"name_first\":\"Awa\",\"sex\":\"female\"}");

	assert_int_equal(app_case_get(f->a, &f->cw, id, &out, &err), RC_OK);
	json_decref(out);
	assert_int_equal(app_case_get(f->a, &f->cw_b, id, &out, &err), RC_ENOTFOUND);
	assert_int_equal(app_audit_verify(f->a, &rows, &bad, &err), RC_OK);
	assert_true(rows >= 7);	/* 4 users, create, read, denial */

	/* the supervisor of the agency sees the read and the denial of the case */
	{
		struct app_audit_query q = { 0 };
		char *dump;

		q.record_id = id;
		assert_int_equal(app_audit_list(f->a, &f->sv, &q, &out, &err), RC_OK);
		dump = json_dumps(out, 0);
		assert_non_null(strstr(dump, "case.read"));
		assert_non_null(strstr(dump, "denied: record outside scope"));
		assert_null(strstr(dump, "Awa"));	/* field ids, never values */
		free(dump);
		json_decref(out);
		/* a caseworker may not read the audit log */
		assert_int_equal(app_audit_list(f->a, &f->cw, &q, &out, &err), RC_EDENIED);
	}

	assert_int_equal(sql(f, "UPDATE audit SET outcome = 'ok?' WHERE seq = 3"), 0);
	assert_int_equal(app_audit_verify(f->a, &rows, &bad, &err), RC_EINTEGRITY);
	assert_int_equal(bad, 3);
	assert_non_null(strstr(err.message, "row 3"));
	free(id);
}

struct racer {
	struct app		*a;
	const struct app_actor	*u;
	const char		*id;
	int			 n;
	int			 rc;
};

static void *
race(void *arg)
{
	struct racer *r = arg;
	struct app_error err = { 0 };
	json_t *patch = json_pack("{s:i}", "age", 10 + r->n), *out = NULL;

	r->rc = app_case_update(r->a, r->u, r->id, 1, patch, &out, &err);
	json_decref(out);
	json_decref(patch);
	return NULL;
}

static void
test_concurrent_updates_with_one_rev_exactly_one_wins(void **state)
{
	struct fixture *f = *state;
	struct app_error err = { 0 };
	struct racer r[6];
	pthread_t t[6];
	struct app *clones[6];
	json_t *out = NULL;
	char *id = create_case(f, "{\"name_first\":\"Rahel\",\"sex\":\"female\"}");
	int i, wins = 0, conflicts = 0;

	for (i = 0; i < 6; i++) {
		assert_int_equal(app_clone(f->a, &clones[i], &err), RC_OK);
		r[i] = (struct racer){ clones[i], &f->cw, id, i, -1 };
	}
	for (i = 0; i < 6; i++)
		assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
	for (i = 0; i < 6; i++) {
		pthread_join(t[i], NULL);
		wins += r[i].rc == RC_OK;
		conflicts += r[i].rc == RC_ECONFLICT;
		app_close(clones[i]);
	}
	assert_int_equal(wins, 1);
	assert_int_equal(conflicts, 5);
	assert_int_equal(app_case_get(f->a, &f->cw, id, &out, &err), RC_OK);
	assert_int_equal(json_integer_value(json_object_get(out, "rev")), 2);
	json_decref(out);
	/* the five refused writes are in the audit log, after their rollback */
	{
		struct app_audit_query q = { 0 };
		size_t i2, nconf = 0;
		json_t *row;
		int64_t rows, bad;

		q.record_id = id;
		assert_int_equal(app_audit_list(f->a, &f->sv, &q, &out, &err), RC_OK);
		json_array_foreach(json_object_get(out, "data"), i2, row)
			nconf += strcmp(json_string_value(json_object_get(row, "outcome")),
			    "conflict") == 0;
		assert_int_equal(nconf, 5);
		json_decref(out);
		assert_int_equal(app_audit_verify(f->a, &rows, &bad, &err), RC_OK);
	}
	free(id);
}

static void
test_background_audit_writer_flushes_on_stop(void **state)
{
	struct fixture *f = *state;
	struct app_error err = { 0 };
	json_t *out = NULL;
	int64_t rows0, rows1, bad;
	char *id = create_case(f, "{\"name_first\":\"Selam\",\"sex\":\"female\"}");
	int i;

	assert_int_equal(app_audit_verify(f->a, &rows0, &bad, &err), RC_OK);
	assert_int_equal(app_audit_start(f->a, &err), RC_OK);
	for (i = 0; i < 200; i++) {
		assert_int_equal(app_case_get(f->a, &f->cw, id, &out, &err), RC_OK);
		json_decref(out);
	}
	app_audit_stop(f->a);
	assert_int_equal(app_audit_verify(f->a, &rows1, &bad, &err), RC_OK);
	assert_int_equal(rows1 - rows0, 200);
	free(id);
}

static void
test_location_import_is_all_or_nothing(void **state)
{
	struct fixture *f = *state;
	struct app_error err = { 0 };
	json_t *out = NULL;
	static const char good[] = "code,parent_code,level,name_en,name_fr,name_ar,name_es\n"
	    "ZZ,,0,Testland,Testland,تستلاند,Testlandia\nZZ01,ZZ,1,North,Nord,شمال,Norte\n";
	static const char bad[] = "code,parent_code,level,name_en,name_fr,name_ar,name_es\n"
	    "ZY,,0,Other,Autre,آخر,Otro\nZY01,QQ,1,Orphan,Orphelin,يتيم,Huérfano\n";

	assert_int_equal(app_location_import(f->a, &f->admin, good, sizeof(good) - 1, &out,
	    &err), RC_OK);
	assert_int_equal(json_integer_value(json_object_get(out, "loaded")), 2);
	json_decref(out);
	assert_int_equal(app_location_import(f->a, &f->admin, bad, sizeof(bad) - 1, &out,
	    &err), RC_EINVALID);
	assert_non_null(strstr(err.message, "line 3"));
	assert_int_equal(app_location_import(f->a, &f->cw, good, sizeof(good) - 1, &out,
	    &err), RC_EDENIED);
	assert_int_equal(app_location_list(f->a, &f->cw, &out, &err), RC_OK);
	{
		char *dump = json_dumps(out, 0);

		assert_null(strstr(dump, "\"ZY\""));
		assert_non_null(strstr(dump, "\"ZZ01\""));
		free(dump);
	}
	json_decref(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_refuses_an_existing_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_login_gives_a_session_that_names_the_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_password_and_unknown_user_answer_alike, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ten_wrong_passwords_lock_even_the_right_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_disabling_a_user_ends_their_sessions_at_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_csrf_token_is_bound_to_its_session, setup, teardown),
		cmocka_unit_test_setup_teardown(test_password_change_needs_the_old_one_and_ends_sessions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_text_view_equals_the_parsed_view, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_audit_chain_records_actions_and_names_a_changed_row, setup, teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_updates_with_one_rev_exactly_one_wins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_background_audit_writer_flushes_on_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_location_import_is_all_or_nothing, setup, teardown),
	};

	if (vault_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
