/*
 * test_store.c — the store: migrations, records, rev checks, keys, lists, sessions,
 * audit. On SQLite by default; on PostgreSQL when ROUTECARE_TEST_DB_URL holds a
 * postgresql:// URL (scripts/pg-test-server start prints one): each test then starts
 * from an empty schema in that database. Both SQL tables are checked either way.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <libpq-fe.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/id.h"
#include "store/backend.h"
#include "store/store.h"

struct fixture {
	char		 dir[64];
	char		 db[1024];
	int		 pg;
	struct store	*s;
};

/* The PostgreSQL URL to test against, or NULL for SQLite. */
static const char *
pg_url(void)
{
	const char *u = getenv("ROUTECARE_TEST_DB_URL");

	return u != NULL && *u ? u : NULL;
}

/* Drop every table of the test database, so that each test starts empty. */
static int
pg_reset(const char *url)
{
	PGconn *c = PQconnectdb(url);
	PGresult *res;
	int ok;

	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "test_store: %s", PQerrorMessage(c));
		PQfinish(c);
		return -1;
	}
	res = PQexec(c, "SET client_min_messages = warning;"
	    "DROP SCHEMA public CASCADE; CREATE SCHEMA public;");
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		fprintf(stderr, "test_store: reset: %s", PQerrorMessage(c));
	PQclear(res);
	PQfinish(c);
	return ok ? 0 : -1;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char msg[200];

	if (f == NULL)
		return -1;
	if (pg_url() != NULL) {
		f->pg = 1;
		snprintf(f->db, sizeof(f->db), "%s", pg_url());
		if (pg_reset(f->db) != 0)
			return -1;
	} else {
		snprintf(f->dir, sizeof(f->dir), "/tmp/rc-store-XXXXXX");
		if (mkdtemp(f->dir) == NULL)
			return -1;
		snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir);
	}
	if (store_open(f->db, &f->s, msg, sizeof(msg)) != RC_OK) {
		fprintf(stderr, "test_store: %s\n", msg);
		return -1;
	}
	if (store_migrate(f->s) != RC_OK)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char p[1100];

	store_close(f->s);
	if (f->pg) {
		free(f);
		return 0;
	}
	unlink(f->db);
	snprintf(p, sizeof(p), "%s-wal", f->db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->db);
	unlink(p);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
make_meta(struct record_meta *m, const char *agency, const char *owner, const char *loc)
{
	memset(m, 0, sizeof(*m));
	id_uuid4(m->id);
	id_short(m->short_id);
	str_copy(m->type, sizeof(m->type), "case");
	m->rev = 1;
	str_copy(m->status, sizeof(m->status), "open");
	str_copy(m->workflow, sizeof(m->workflow), "new");
	str_copy(m->sex, sizeof(m->sex), "female");
	str_copy(m->risk_level, sizeof(m->risk_level), "high");
	str_copy(m->agency_id, sizeof(m->agency_id), agency);
	str_copy(m->owner_id, sizeof(m->owner_id), owner);
	str_copy(m->location_code, sizeof(m->location_code), loc);
	m->created_at = m->updated_at = 1000;
}

static void
insert(struct fixture *f, const struct record_meta *m, const char *body)
{
	static const uint8_t dk[4] = { 1, 2, 3, 4 };

	assert_int_equal(store_record_insert(f->s, m, dk, sizeof(dk),
	    (const uint8_t *)body, strlen(body)), RC_OK);
}

static void
test_migrations_are_applied_once(void **state)
{
	struct fixture *f = *state;

	assert_true(store_schema_version(f->s) >= 1);
	assert_int_equal(store_migrate(f->s), RC_OK);	/* again: nothing to do */
}

static void
test_record_round_trip_by_id_and_short_id(void **state)
{
	struct fixture *f = *state;
	struct record_meta m;
	struct store_record r;

	make_meta(&m, "ag-a", "u-1", "LY01");
	insert(f, &m, "sealed-bytes");
	assert_int_equal(store_record_get(f->s, "case", m.id, &r), RC_OK);
	assert_string_equal(r.m.short_id, m.short_id);
	assert_int_equal(r.body_len, 12);
	assert_memory_equal(r.body, "sealed-bytes", 12);
	assert_int_equal(r.dk_len, 4);
	store_record_free(&r);
	assert_int_equal(store_record_get(f->s, "case", m.short_id, &r), RC_OK);
	assert_string_equal(r.m.id, m.id);
	assert_string_equal(r.m.location_code, "LY01");
	store_record_free(&r);
	assert_int_equal(store_record_get(f->s, "vot", m.id, &r), RC_ENOTFOUND);
}

static void
test_duplicate_short_id_is_reported(void **state)
{
	struct fixture *f = *state;
	struct record_meta a, b;
	static const uint8_t dk[1] = { 0 };

	make_meta(&a, "ag", "u", "LY");
	insert(f, &a, "x");
	make_meta(&b, "ag", "u", "LY");
	memcpy(b.short_id, a.short_id, sizeof(a.short_id));
	assert_int_equal(store_record_insert(f->s, &b, dk, 1, (const uint8_t *)"y", 1),
	    RC_EEXIST);
}

static void
test_stale_rev_is_refused_and_nothing_changes(void **state)
{
	struct fixture *f = *state;
	struct record_meta m, upd;
	struct store_record r;

	make_meta(&m, "ag", "u", "LY");
	insert(f, &m, "v1");
	upd = m;
	upd.rev = 2;
	assert_int_equal(store_record_update(f->s, &upd, 1, (const uint8_t *)"v2", 2),
	    RC_OK);
	/* a second writer that also read rev 1 */
	upd.rev = 2;
	assert_int_equal(store_record_update(f->s, &upd, 1, (const uint8_t *)"v3", 2),
	    RC_ECONFLICT);
	assert_int_equal(store_record_get(f->s, "case", m.id, &r), RC_OK);
	assert_int_equal(r.m.rev, 2);
	assert_memory_equal(r.body, "v2", 2);
	store_record_free(&r);
	id_uuid4(upd.id);
	assert_int_equal(store_record_update(f->s, &upd, 1, (const uint8_t *)"v", 1),
	    RC_ENOTFOUND);
}

static int
collect(void *arg, struct store_record *r)
{
	struct buf *b = arg;

	buf_printf(b, "%s,", r->m.owner_id);
	store_record_free(r);
	return 0;
}

static void
test_list_filters_by_scope_and_blind_keys(void **state)
{
	struct fixture *f = *state;
	struct record_meta m[4];
	uint8_t k1[1][STORE_BLIND_BYTES], k2[2][STORE_BLIND_BYTES];
	struct store_key_any term;
	struct store_filter flt = { 0 };
	struct buf b = BUF_INIT;
	int64_t total = -1;

	memset(k1, 0xaa, sizeof(k1));
	memset(k2, 0xbb, sizeof(k2));
	k2[1][0] = 0xaa;	/* second key differs */
	make_meta(&m[0], "ag-a", "u1", "LY0101");
	make_meta(&m[1], "ag-a", "u2", "LY02");
	make_meta(&m[2], "ag-b", "u3", "LY0102");
	make_meta(&m[3], "ag-a", "u4", "NE01");
	m[0].updated_at = 4;
	m[1].updated_at = 3;
	m[2].updated_at = 2;
	m[3].updated_at = 1;
	insert(f, &m[0], "a");
	insert(f, &m[1], "b");
	insert(f, &m[2], "c");
	insert(f, &m[3], "d");
	assert_int_equal(store_record_keys_set(f->s, m[0].id,
	    (const uint8_t (*)[STORE_BLIND_BYTES])k1, 1), RC_OK);
	assert_int_equal(store_record_keys_set(f->s, m[2].id,
	    (const uint8_t (*)[STORE_BLIND_BYTES])k1, 1), RC_OK);
	assert_int_equal(store_record_keys_set(f->s, m[1].id,
	    (const uint8_t (*)[STORE_BLIND_BYTES])k2, 2), RC_OK);

	flt.type = "case";
	flt.limit = 10;
	flt.agency_id = "ag-a";
	assert_int_equal(store_record_list(f->s, &flt, &total, collect, &b), RC_OK);
	assert_int_equal(total, 3);
	assert_string_equal(b.p, "u1,u2,u4,");

	buf_reset(&b);
	flt.agency_id = NULL;
	flt.location_prefix = "LY01";
	assert_int_equal(store_record_list(f->s, &flt, &total, collect, &b), RC_OK);
	assert_string_equal(b.p, "u1,u3,");

	buf_reset(&b);
	flt.location_prefix = NULL;
	memcpy(term.k[0], k1[0], STORE_BLIND_BYTES);
	term.n = 1;
	flt.terms = &term;
	flt.nterms = 1;
	flt.agency_id = "ag-a";
	assert_int_equal(store_record_list(f->s, &flt, &total, collect, &b), RC_OK);
	assert_int_equal(total, 1);
	assert_string_equal(b.p, "u1,");

	/* any of the alternatives: k1 or k2[0] */
	buf_reset(&b);
	memcpy(term.k[1], k2[0], STORE_BLIND_BYTES);
	term.n = 2;
	assert_int_equal(store_record_list(f->s, &flt, &total, collect, &b), RC_OK);
	assert_int_equal(total, 2);
	assert_string_equal(b.p, "u1,u2,");

	/* paging keeps the total */
	buf_reset(&b);
	flt.limit = 1;
	flt.offset = 1;
	assert_int_equal(store_record_list(f->s, &flt, &total, collect, &b), RC_OK);
	assert_int_equal(total, 2);
	assert_string_equal(b.p, "u2,");

	flt.limit = 0;
	assert_int_equal(store_record_list(f->s, &flt, &total, collect, &b), RC_EINVALID);
	buf_free(&b);
}

static void
test_erase_destroys_key_and_record(void **state)
{
	struct fixture *f = *state;
	struct record_meta m;
	struct store_record r;

	make_meta(&m, "ag", "u", "LY");
	insert(f, &m, "secret");
	assert_int_equal(store_record_erase(f->s, m.id), RC_OK);
	assert_int_equal(store_record_get(f->s, "case", m.id, &r), RC_ENOTFOUND);
}

static void
test_users_agencies_and_locations(void **state)
{
	struct fixture *f = *state;
	struct store_agency ag = { 0 }, ag2;
	struct store_user u = { 0 }, u2;

	id_uuid4(ag.id);
	str_copy(ag.code, sizeof(ag.code), "horizon");
	str_copy(ag.name, sizeof(ag.name), "Horizon");
	assert_int_equal(store_agency_insert(f->s, &ag), RC_OK);
	assert_int_equal(store_agency_insert(f->s, &ag), RC_EEXIST);
	assert_int_equal(store_agency_get(f->s, "horizon", &ag2), RC_OK);
	assert_string_equal(ag2.id, ag.id);

	id_uuid4(u.id);
	str_copy(u.username, sizeof(u.username), "cw1");
	str_copy(u.role, sizeof(u.role), "caseworker");
	str_copy(u.password_hash, sizeof(u.password_hash), "$argon2id$x");
	assert_int_equal(store_user_insert(f->s, &u), RC_OK);
	assert_int_equal(store_user_insert(f->s, &u), RC_EEXIST);
	u.disabled = 1;
	assert_int_equal(store_user_update(f->s, &u), RC_OK);
	assert_int_equal(store_user_get_by_name(f->s, "cw1", &u2), RC_OK);
	assert_int_equal(u2.disabled, 1);
	assert_int_equal(store_user_count(f->s), 1);

	assert_int_equal(store_location_put(f->s, "LY", NULL, 0, "{\"en\":\"Libya\"}"),
	    RC_OK);
	assert_int_equal(store_location_put(f->s, "LY01", "LY", 1, "{\"en\":\"T\"}"),
	    RC_OK);
	assert_int_equal(store_location_put(f->s, "LY01", "LY", 1, "{\"en\":\"U\"}"),
	    RC_OK);
	assert_int_equal(store_location_exists(f->s, "LY01"), 1);
	assert_int_equal(store_location_exists(f->s, "LY99"), 0);
	assert_int_equal(store_location_count(f->s), 2);
}

static void
test_transaction_rollback_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct record_meta m;
	struct store_record r;

	make_meta(&m, "ag", "u", "LY");
	assert_int_equal(store_begin(f->s), RC_OK);
	insert(f, &m, "x");
	assert_int_equal(store_rollback(f->s), RC_OK);
	assert_int_equal(store_record_get(f->s, "case", m.id, &r), RC_ENOTFOUND);
	assert_int_equal(store_rollback(f->s), RC_OK);	/* none open: harmless */
}

static void
test_every_statement_has_sql_in_both_dialects(void **state)
{
	int id;

	(void)state;
	for (id = 0; id < STMT__MAX; id++) {
		const char *lite = sqlite_store_sql(id), *pg = pg_store_sql(id);

		if (lite == NULL || *lite == '\0' || pg == NULL || *pg == '\0')
			fail_msg("statement %d has no SQL in %s", id,
			    lite == NULL || *lite == '\0' ? "sqlite.c" : "postgres.c");
		/* each dialect its own placeholders */
		assert_null(strchr(pg, '?'));
		assert_null(strstr(lite, "$1"));
	}
	assert_int_equal(sqlite_store_migration_count(), pg_store_migration_count());
}

static void
test_store_path_opens_the_same_database(void **state)
{
	struct fixture *f = *state;
	struct store_agency a = { 0 }, b;
	struct store *s2;
	char msg[200];

	id_uuid4(a.id);
	str_copy(a.code, sizeof(a.code), "second");
	str_copy(a.name, sizeof(a.name), "Second");
	assert_int_equal(store_agency_insert(f->s, &a), RC_OK);
	assert_int_equal(store_open(store_path(f->s), &s2, msg, sizeof(msg)), RC_OK);
	assert_int_equal(store_agency_get(s2, "second", &b), RC_OK);
	assert_string_equal(b.id, a.id);
	store_close(s2);
}

static int
count_history(void *arg, struct store_history *h)
{
	int *n = arg;

	/* bodies are binary: every byte value comes back */
	assert_int_equal(h->body_len, 256);
	for (size_t i = 0; i < 256; i++)
		assert_int_equal(h->body[i], (uint8_t)i);
	free(h->body);
	(*n)++;
	return 0;
}

static void
test_history_bodies_are_binary_safe(void **state)
{
	struct fixture *f = *state;
	struct store_history h = { 0 };
	uint8_t body[256];
	int n = 0;

	for (size_t i = 0; i < sizeof(body); i++)
		body[i] = (uint8_t)i;
	id_uuid4(h.record_id);
	str_copy(h.user_id, sizeof(h.user_id), "u-1");
	str_copy(h.action, sizeof(h.action), "create");
	h.body = body;
	h.body_len = sizeof(body);
	h.rev = 1;
	assert_int_equal(store_history_append(f->s, &h), RC_OK);
	h.rev = 2;
	assert_int_equal(store_history_append(f->s, &h), RC_OK);
	assert_int_equal(store_history_append(f->s, &h), RC_EEXIST);
	assert_int_equal(store_history_list(f->s, h.record_id, count_history, &n), RC_OK);
	assert_int_equal(n, 2);
}

static void
test_sessions_by_hash_with_their_user(void **state)
{
	struct fixture *f = *state;
	struct store_user u = { 0 }, u2;
	struct store_session ss = { 0 }, other = { 0 }, got;

	id_uuid4(u.id);
	str_copy(u.username, sizeof(u.username), "cw2");
	str_copy(u.role, sizeof(u.role), "caseworker");
	str_copy(u.password_hash, sizeof(u.password_hash), "$argon2id$y");
	assert_int_equal(store_user_insert(f->s, &u), RC_OK);
	memset(ss.token_hash, 0xab, sizeof(ss.token_hash));
	ss.token_hash[0] = 0;			/* a zero byte inside the key */
	str_copy(ss.user_id, sizeof(ss.user_id), u.id);
	ss.created_at = ss.last_seen = 100;
	ss.expires_at = 1000;
	assert_int_equal(store_session_insert(f->s, &ss), RC_OK);
	other = ss;
	other.token_hash[1] = 1;
	assert_int_equal(store_session_insert(f->s, &other), RC_OK);
	assert_int_equal(store_session_get(f->s, ss.token_hash, &got), RC_OK);
	assert_memory_equal(got.token_hash, ss.token_hash, STORE_HASH_BYTES);
	assert_int_equal(store_session_touch(f->s, ss.token_hash, 200), RC_OK);
	assert_int_equal(store_session_user(f->s, ss.token_hash, &got, &u2), RC_OK);
	assert_int_equal(got.last_seen, 200);
	assert_string_equal(u2.username, "cw2");
	assert_int_equal(store_session_count(f->s, 150, 0), 2);
	assert_int_equal(store_session_delete_user(f->s, u.id, ss.token_hash), RC_OK);
	assert_int_equal(store_session_get(f->s, other.token_hash, &got), RC_ENOTFOUND);
	assert_int_equal(store_session_get(f->s, ss.token_hash, &got), RC_OK);
	assert_int_equal(store_session_purge(f->s, 1000, 0), RC_OK);
	assert_int_equal(store_session_get(f->s, ss.token_hash, &got), RC_ENOTFOUND);
}

static int
walk_audit(void *arg, struct store_audit *row)
{
	int64_t *next = arg;

	assert_int_equal(row->seq, *next);
	assert_false(row->malformed);
	assert_int_equal(row->hash[0], (uint8_t)row->seq);
	free(row->fields);
	(*next)++;
	return 0;
}

static int
list_audit(void *arg, struct store_audit *row)
{
	int *n = arg;

	free(row->fields);
	(*n)++;
	return 0;
}

static void
test_audit_chain_append_walk_and_list(void **state)
{
	struct fixture *f = *state;
	struct store_audit_filter af = { 0 };
	struct store_audit a = { 0 };
	uint8_t last[STORE_HASH_BYTES];
	int64_t seq, next = 1, total;
	int n = 0, i;

	assert_int_equal(store_audit_last(f->s, &seq, last), RC_OK);
	assert_int_equal(seq, 0);
	/* more rows than one page of a walk */
	assert_int_equal(store_begin(f->s), RC_OK);
	assert_int_equal(store_in_transaction(f->s), 1);
	for (i = 1; i <= 1205; i++) {
		a.seq = i;
		a.at = 5000 + i;
		str_copy(a.user_id, sizeof(a.user_id), i % 2 ? "u-odd" : "u-even");
		str_copy(a.action, sizeof(a.action), "record.read");
		str_copy(a.outcome, sizeof(a.outcome), "ok");
		a.fields = i % 3 ? "[\"age\"]" : NULL;
		memcpy(a.prev_hash, last, sizeof(last));
		memset(a.hash, 0, sizeof(a.hash));
		a.hash[0] = (uint8_t)i;
		assert_int_equal(store_audit_insert(f->s, &a), RC_OK);
		memcpy(last, a.hash, sizeof(last));
	}
	assert_int_equal(store_audit_insert(f->s, &a), RC_EEXIST);
	assert_int_equal(store_rollback(f->s), RC_OK);
	assert_int_equal(store_audit_last(f->s, &seq, last), RC_OK);
	assert_int_equal(seq, 0);		/* the failed transaction left nothing */

	assert_int_equal(store_begin(f->s), RC_OK);
	for (i = 1; i <= 1205; i++) {
		a.seq = i;
		a.at = 5000 + i;
		str_copy(a.user_id, sizeof(a.user_id), i % 2 ? "u-odd" : "u-even");
		a.hash[0] = (uint8_t)i;
		assert_int_equal(store_audit_insert(f->s, &a), RC_OK);
	}
	assert_int_equal(store_commit(f->s), RC_OK);
	assert_int_equal(store_in_transaction(f->s), 0);
	assert_int_equal(store_audit_last(f->s, &seq, last), RC_OK);
	assert_int_equal(seq, 1205);
	assert_int_equal(last[0], (uint8_t)1205);
	assert_int_equal(store_audit_walk(f->s, walk_audit, &next), RC_OK);
	assert_int_equal(next, 1206);
	af.user_id = "u-even";
	af.since = 5100;
	af.limit = 10;
	assert_int_equal(store_audit_list(f->s, &af, &total, list_audit, &n), RC_OK);
	assert_int_equal(total, 553);		/* even seqs 100..1204 */
	assert_int_equal(n, 10);
}

static int
count_caseload(void *arg, const struct store_caseload_row *row)
{
	int64_t *sum = arg;

	sum[0] += row->open;
	sum[1] += row->overdue;
	return 0;
}

static void
test_caseload_counts_open_and_overdue(void **state)
{
	struct fixture *f = *state;
	static const int64_t due[4] = { 10, 100, 1000, 10000 };
	struct record_meta m;
	int64_t sum[2] = { 0, 0 };

	make_meta(&m, "ag-a", "u-1", "LY01");	/* high, created at 1000 */
	insert(f, &m, "a");
	make_meta(&m, "ag-a", "u-1", "LY01");
	str_copy(m.risk_level, sizeof(m.risk_level), "low");
	insert(f, &m, "b");
	make_meta(&m, "ag-b", "u-2", "LY01");
	insert(f, &m, "c");
	assert_int_equal(store_caseload(f->s, "case", "ag-a", NULL, due, 1500,
	    count_caseload, sum), RC_OK);
	assert_int_equal(sum[0], 2);
	assert_int_equal(sum[1], 1);
}

/* A writer that holds the write lock a while before appending row 1. */
struct slow_writer {
	struct store	*s;
	int		 begun;		/* set once its transaction holds the lock */
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	int		 rc;
};

static void *
slow_writer_run(void *arg)
{
	struct slow_writer *w = arg;
	struct store_audit a = { 0 };
	struct timespec pause = { 0, 300 * 1000 * 1000 };

	w->rc = store_begin(w->s);
	pthread_mutex_lock(&w->mu);
	w->begun = 1;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (w->rc != RC_OK)
		return NULL;
	nanosleep(&pause, NULL);
	a.seq = 1;
	a.at = 1;
	str_copy(a.action, sizeof(a.action), "login");
	str_copy(a.outcome, sizeof(a.outcome), "ok");
	a.hash[0] = 1;
	if ((w->rc = store_audit_insert(w->s, &a)) == RC_OK)
		w->rc = store_commit(w->s);
	return NULL;
}

static void
test_begin_waits_for_another_connections_writer(void **state)
{
	struct fixture *f = *state;
	struct slow_writer w = { 0 };
	uint8_t last[STORE_HASH_BYTES];
	pthread_t th;
	int64_t seq;
	char msg[200];

	/* two connections, as two server processes have */
	assert_int_equal(store_open(store_path(f->s), &w.s, msg, sizeof(msg)), RC_OK);
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	assert_int_equal(pthread_create(&th, NULL, slow_writer_run, &w), 0);
	pthread_mutex_lock(&w.mu);
	while (!w.begun)
		pthread_cond_wait(&w.cv, &w.mu);
	pthread_mutex_unlock(&w.mu);
	/* the chain head read after begin is the one the other writer committed */
	assert_int_equal(store_begin(f->s), RC_OK);
	assert_int_equal(store_audit_last(f->s, &seq, last), RC_OK);
	assert_int_equal(seq, 1);
	assert_int_equal(store_commit(f->s), RC_OK);
	pthread_join(th, NULL);
	assert_int_equal(w.rc, RC_OK);
	store_close(w.s);
	pthread_mutex_destroy(&w.mu);
	pthread_cond_destroy(&w.cv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrations_are_applied_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_round_trip_by_id_and_short_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_short_id_is_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_rev_is_refused_and_nothing_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_filters_by_scope_and_blind_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_erase_destroys_key_and_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_users_agencies_and_locations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_transaction_rollback_leaves_nothing, setup, teardown),
		cmocka_unit_test(test_every_statement_has_sql_in_both_dialects),
		cmocka_unit_test_setup_teardown(test_store_path_opens_the_same_database, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_bodies_are_binary_safe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sessions_by_hash_with_their_user, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_chain_append_walk_and_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_caseload_counts_open_and_overdue, setup, teardown),
		cmocka_unit_test_setup_teardown(test_begin_waits_for_another_connections_writer, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
