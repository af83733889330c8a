/*
 * test_store.c — the store: migrations, records, rev checks, keys, lists, links and
 * peer agencies, report counts, documents, sessions, audit. On SQLite by default; on
 * PostgreSQL when ROUTECARE_TEST_DB_URL holds a postgresql:// URL (scripts/pg-test-server start prints one): each test then starts
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
#include <sqlite3.h>

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

/* A fixture whose database is open but has no schema yet (migrate_all 0). */
static int
setup_with(void **state, int migrate_all)
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
	if (migrate_all && store_migrate(f->s) != RC_OK)
		return -1;
	*state = f;
	return 0;
}

static int
setup(void **state)
{
	return setup_with(state, 1);
}

static int
setup_unmigrated(void **state)
{
	return setup_with(state, 0);
}

/* Run raw SQL on the fixture's database over a connection of its own, bypassing the
 * store: `lite` on SQLite, `pg` on PostgreSQL. */
static void
raw_exec(struct fixture *f, const char *lite, const char *pg)
{
	if (f->pg) {
		PGconn *c = PQconnectdb(f->db);
		PGresult *res;

		assert_int_equal(PQstatus(c), CONNECTION_OK);
		res = PQexec(c, pg);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			fail_msg("raw_exec: %s", PQerrorMessage(c));
		PQclear(res);
		PQfinish(c);
	} else {
		sqlite3 *db;
		char *err = NULL;

		assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
		if (sqlite3_exec(db, lite, NULL, NULL, &err) != SQLITE_OK)
			fail_msg("raw_exec: %s", err);
		sqlite3_close(db);
	}
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

/* Five records in LY01 owned by u1..u5: u3 in agency ag-b, the others in ag-a; u5 a
 * tracing request, the others cases. */
static void
five_metas(struct record_meta m[5])
{
	make_meta(&m[0], "ag-a", "u1", "LY01");
	make_meta(&m[1], "ag-a", "u2", "LY01");
	make_meta(&m[2], "ag-b", "u3", "LY01");
	make_meta(&m[3], "ag-a", "u4", "LY01");
	make_meta(&m[4], "ag-a", "u5", "LY01");
	str_copy(m[4].type, sizeof(m[4].type), "tracing_request");
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

/* A bulk load stages its keys (SQLite) and files them sorted when it ends; the keys
 * of a load that stopped half-way (the handle closed in bulk mode) are filed by the
 * next one. Either way every key is found, once. */
static void
test_bulk_keys_are_found_after_the_load(void **state)
{
	struct fixture *f = *state;
	struct record_meta m[3];
	uint8_t k[2][STORE_BLIND_BYTES];
	struct store_key_any term;
	struct store_filter flt = { 0 };
	struct buf b = BUF_INIT;
	int64_t total = -1, n = -1;
	char msg[200];
	size_t i;

	memset(k[0], 0x3c, STORE_BLIND_BYTES);
	memset(k[1], 0x4d, STORE_BLIND_BYTES);
	for (i = 0; i < 3; i++)
		make_meta(&m[i], "ag-a", i == 0 ? "u1" : i == 1 ? "u2" : "u3", "LY01");
	assert_int_equal(store_bulk(f->s, 1), RC_OK);
	assert_int_equal(store_begin(f->s), RC_OK);
	insert(f, &m[0], "a");
	assert_int_equal(store_record_keys_set(f->s, m[0].id,
	    (const uint8_t (*)[STORE_BLIND_BYTES])k, 2), RC_OK);
	insert(f, &m[1], "b");
	assert_int_equal(store_record_keys_set(f->s, m[1].id,
	    (const uint8_t (*)[STORE_BLIND_BYTES])k, 1), RC_OK);
	assert_int_equal(store_commit(f->s), RC_OK);
	assert_int_equal(store_bulk(f->s, 0), RC_OK);

	memcpy(term.k[0], k[0], STORE_BLIND_BYTES);
	term.n = 1;
	flt.type = "case";
	flt.limit = 10;
	flt.terms = &term;
	flt.nterms = 1;
	assert_int_equal(store_record_list(f->s, &flt, &total, collect, &b), RC_OK);
	assert_int_equal(total, 2);
	assert_int_equal(store_key_count(f->s, k[1], 100, &n), RC_OK);
	assert_int_equal(n, 1);

	/* a load that stops with its keys staged, then another load */
	assert_int_equal(store_bulk(f->s, 1), RC_OK);
	assert_int_equal(store_begin(f->s), RC_OK);
	insert(f, &m[2], "c");
	assert_int_equal(store_record_keys_set(f->s, m[2].id,
	    (const uint8_t (*)[STORE_BLIND_BYTES])k, 2), RC_OK);
	assert_int_equal(store_commit(f->s), RC_OK);
	store_close(f->s);
	assert_int_equal(store_open(f->db, &f->s, msg, sizeof(msg)), RC_OK);
	assert_int_equal(store_bulk(f->s, 1), RC_OK);
	assert_int_equal(store_bulk(f->s, 0), RC_OK);
	assert_int_equal(store_key_count(f->s, k[1], 100, &n), RC_OK);
	assert_int_equal(n, 2);
	buf_reset(&b);
	assert_int_equal(store_record_list(f->s, &flt, &total, collect, &b), RC_OK);
	assert_int_equal(total, 3);
	assert_non_null(b.p);
	assert_non_null(strstr(b.p, "u1,"));
	assert_non_null(strstr(b.p, "u2,"));
	assert_non_null(strstr(b.p, "u3,"));
	/* the index by record is there again: a record's keys are replaced, not added */
	assert_int_equal(store_record_keys_set(f->s, m[2].id,
	    (const uint8_t (*)[STORE_BLIND_BYTES])k, 1), RC_OK);
	assert_int_equal(store_key_count(f->s, k[1], 100, &n), RC_OK);
	assert_int_equal(n, 1);
	buf_free(&b);
}

/* Several terms: the rarest drives (sqlite: terms_rarest_first), the others are
 * probed; which order they come in changes nothing in what is found or counted. */
static void
test_list_terms_any_order(void **state)
{
	struct fixture *f = *state;
	struct record_meta m[6];
	uint8_t kc[1][STORE_BLIND_BYTES], kr[1][STORE_BLIND_BYTES], kx[1][STORE_BLIND_BYTES];
	uint8_t both[2][STORE_BLIND_BYTES], all3[3][STORE_BLIND_BYTES];
	struct store_key_any terms[3], swapped[3];
	struct store_filter flt = { 0 };
	struct buf b = BUF_INIT;
	int64_t total = -1;
	size_t i;

	memset(kc, 0xc1, sizeof(kc));	/* common: five records */
	memset(kr, 0x71, sizeof(kr));	/* rare: two */
	memset(kx, 0x55, sizeof(kx));	/* a third name, on one */
	memcpy(both[0], kc[0], STORE_BLIND_BYTES);
	memcpy(both[1], kr[0], STORE_BLIND_BYTES);
	memcpy(all3[0], kc[0], STORE_BLIND_BYTES);
	memcpy(all3[1], kr[0], STORE_BLIND_BYTES);
	memcpy(all3[2], kx[0], STORE_BLIND_BYTES);
	for (i = 0; i < 6; i++) {
		char owner[8];

		snprintf(owner, sizeof(owner), "u%zu", i + 1);
		make_meta(&m[i], i == 2 ? "ag-b" : "ag-a", owner, "LY01");
		m[i].updated_at = (int64_t)(10 - i);
		insert(f, &m[i], "x");
	}
	/* u1: c r x; u2: c; u3 (agency b): c r; u4: c; u5: c; u6: nothing */
	assert_int_equal(store_record_keys_set(f->s, m[0].id,
	    (const uint8_t (*)[STORE_BLIND_BYTES])all3, 3), RC_OK);
	assert_int_equal(store_record_keys_set(f->s, m[2].id,
	    (const uint8_t (*)[STORE_BLIND_BYTES])both, 2), RC_OK);
	for (i = 1; i < 5; i++)
		if (i != 2)	/* u2, u4, u5 */
			assert_int_equal(store_record_keys_set(f->s, m[i].id,
			    (const uint8_t (*)[STORE_BLIND_BYTES])kc, 1), RC_OK);

	memset(terms, 0, sizeof(terms));
	memcpy(terms[0].k[0], kc[0], STORE_BLIND_BYTES);
	terms[0].n = 1;
	memcpy(terms[1].k[0], kr[0], STORE_BLIND_BYTES);
	terms[1].n = 1;
	swapped[0] = terms[1];
	swapped[1] = terms[0];
	flt.type = "case";
	flt.limit = 10;
	flt.terms = terms;
	flt.nterms = 2;

	/* common then rare, rare then common: u1 and u3, newest first */
	assert_int_equal(store_record_list(f->s, &flt, &total, collect, &b), RC_OK);
	assert_int_equal(total, 2);
	assert_string_equal(b.p, "u1,u3,");
	buf_reset(&b);
	flt.terms = swapped;
	assert_int_equal(store_record_list(f->s, &flt, &total, collect, &b), RC_OK);
	assert_int_equal(total, 2);
	assert_string_equal(b.p, "u1,u3,");

	/* the scope still holds on the probed terms */
	buf_reset(&b);
	flt.agency_id = "ag-a";
	assert_int_equal(store_record_list(f->s, &flt, &total, collect, &b), RC_OK);
	assert_int_equal(total, 1);
	assert_string_equal(b.p, "u1,");

	/* a term of alternatives (rare or the third name) after the common one */
	buf_reset(&b);
	flt.agency_id = NULL;
	flt.terms = terms;
	memcpy(terms[1].k[1], kx[0], STORE_BLIND_BYTES);
	terms[1].n = 2;
	assert_int_equal(store_record_list(f->s, &flt, &total, collect, &b), RC_OK);
	assert_int_equal(total, 2);
	assert_string_equal(b.p, "u1,u3,");

	/* three terms, the rarest last: u1 alone has all three */
	buf_reset(&b);
	terms[1].n = 1;
	memcpy(terms[2].k[0], kx[0], STORE_BLIND_BYTES);
	terms[2].n = 1;
	flt.nterms = 3;
	assert_int_equal(store_record_list(f->s, &flt, &total, collect, &b), RC_OK);
	assert_int_equal(total, 1);
	assert_string_equal(b.p, "u1,");

	/* a term nobody has: nothing, whatever its place */
	buf_reset(&b);
	memset(terms[2].k[0], 0x99, STORE_BLIND_BYTES);
	assert_int_equal(store_record_list(f->s, &flt, &total, collect, &b), RC_OK);
	assert_int_equal(total, 0);
	assert_string_equal(b.p == NULL ? "" : b.p, "");
	buf_free(&b);
}

/* Blocking reads: a key's records, within the filter, without a sort or a scan. */
static void
test_key_count_and_list_by_key(void **state)
{
	struct fixture *f = *state;
	struct record_meta m[5];
	uint8_t ka[1][STORE_BLIND_BYTES], kab[2][STORE_BLIND_BYTES];
	struct store_key_any term;
	struct store_filter flt = { 0 };
	struct buf b = BUF_INIT;
	int64_t n = -1;
	size_t i;

	memset(ka, 0xa1, sizeof(ka));
	memset(kab, 0xa1, sizeof(kab));
	memset(kab[1], 0xb2, STORE_BLIND_BYTES);
	five_metas(m);
	for (i = 0; i < 5; i++)
		insert(f, &m[i], "x");
	/* u1 has a and b, u2 a, u3 (agency b) a and b, u4 nothing, u5 (other type) a */
	assert_int_equal(store_record_keys_set(f->s, m[0].id,
	    (const uint8_t (*)[STORE_BLIND_BYTES])kab, 2), RC_OK);
	assert_int_equal(store_record_keys_set(f->s, m[1].id,
	    (const uint8_t (*)[STORE_BLIND_BYTES])ka, 1), RC_OK);
	assert_int_equal(store_record_keys_set(f->s, m[2].id,
	    (const uint8_t (*)[STORE_BLIND_BYTES])kab, 2), RC_OK);
	assert_int_equal(store_record_keys_set(f->s, m[4].id,
	    (const uint8_t (*)[STORE_BLIND_BYTES])ka, 1), RC_OK);

	/* counted in the index, any type or agency, up to the cap */
	assert_int_equal(store_key_count(f->s, ka[0], 100, &n), RC_OK);
	assert_int_equal(n, 4);
	assert_int_equal(store_key_count(f->s, ka[0], 2, &n), RC_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_key_count(f->s, kab[1], 100, &n), RC_OK);
	assert_int_equal(n, 2);
	memset(ka, 0xcc, sizeof(ka));
	assert_int_equal(store_key_count(f->s, ka[0], 100, &n), RC_OK);
	assert_int_equal(n, 0);
	assert_int_equal(store_key_count(f->s, ka[0], 0, &n), RC_EINVALID);
	memset(ka, 0xa1, sizeof(ka));

	/* the records of a key, within type and scope */
	flt.type = "case";
	flt.agency_id = "ag-a";
	flt.limit = 10;
	assert_int_equal(store_record_list_by_key(f->s, &flt, ka[0], collect, &b), RC_OK);
	assert_true(strcmp(b.p, "u1,u2,") == 0 || strcmp(b.p, "u2,u1,") == 0);
	/* with a second key each must also have */
	buf_reset(&b);
	memcpy(term.k[0], kab[1], STORE_BLIND_BYTES);
	term.n = 1;
	flt.terms = &term;
	flt.nterms = 1;
	assert_int_equal(store_record_list_by_key(f->s, &flt, ka[0], collect, &b), RC_OK);
	assert_string_equal(b.p, "u1,");
	/* the limit holds */
	buf_reset(&b);
	flt.nterms = 0;
	flt.terms = NULL;
	flt.agency_id = NULL;
	flt.limit = 1;
	assert_int_equal(store_record_list_by_key(f->s, &flt, ka[0], collect, &b), RC_OK);
	assert_int_equal(strlen(b.p), 3);
	flt.offset = 1;
	assert_int_equal(store_record_list_by_key(f->s, &flt, ka[0], collect, &b),
	    RC_EINVALID);
	buf_free(&b);
}

/* Ranking before opening: a key's record ids from the index alone, then the records
 * of a list of ids within type and scope, in one query. */
struct ids_seen {
	char	id[8][ID_SIZE];
	size_t	n;
	size_t	stop_at;	/* 0: never stop */
};

static int
collect_id(void *arg, const char *record_id)
{
	struct ids_seen *s = arg;

	assert_true(s->n < 8);
	str_copy(s->id[s->n++], ID_SIZE, record_id);
	return s->stop_at != 0 && s->n == s->stop_at ? 7 : 0;
}

static int
ids_have(const struct ids_seen *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->id[i], id) == 0)
			return 1;
	return 0;
}

static int
collect_meta(void *arg, const struct record_meta *m)
{
	struct buf *b = arg;

	buf_printf(b, "%s/%s/%s/%s,", m->owner_id, m->type, m->sex, m->age_band);
	return 0;
}

static void
test_key_records_and_list_ids(void **state)
{
	struct fixture *f = *state;
	struct record_meta m[5];
	uint8_t ka[1][STORE_BLIND_BYTES], kb[1][STORE_BLIND_BYTES];
	struct store_key_any term;
	struct store_filter flt = { 0 };
	struct ids_seen seen = { 0 };
	struct buf b = BUF_INIT;
	const char *ids[6];
	char absent[ID_SIZE];
	size_t i;

	memset(ka, 0xa1, sizeof(ka));
	memset(kb, 0xb2, sizeof(kb));
	five_metas(m);
	str_copy(m[1].sex, sizeof(m[1].sex), "male");
	str_copy(m[1].age_band, sizeof(m[1].age_band), "6-11");
	str_copy(m[4].age_band, sizeof(m[4].age_band), "12-14");
	for (i = 0; i < 5; i++)
		insert(f, &m[i], "x");
	/* key a: u1, u3 (agency b), u5 (another type); key b: u2 */
	assert_int_equal(store_record_keys_set(f->s, m[0].id,
	    (const uint8_t (*)[STORE_BLIND_BYTES])ka, 1), RC_OK);
	assert_int_equal(store_record_keys_set(f->s, m[2].id,
	    (const uint8_t (*)[STORE_BLIND_BYTES])ka, 1), RC_OK);
	assert_int_equal(store_record_keys_set(f->s, m[4].id,
	    (const uint8_t (*)[STORE_BLIND_BYTES])ka, 1), RC_OK);
	assert_int_equal(store_record_keys_set(f->s, m[1].id,
	    (const uint8_t (*)[STORE_BLIND_BYTES])kb, 1), RC_OK);

	/* the ids of a key: any type, any scope, nothing else */
	assert_int_equal(store_key_records(f->s, ka[0], 100, collect_id, &seen), RC_OK);
	assert_int_equal(seen.n, 3);
	assert_true(ids_have(&seen, m[0].id) && ids_have(&seen, m[2].id) &&
	    ids_have(&seen, m[4].id));
	/* the limit holds; a callback's non-zero return stops and is returned */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_key_records(f->s, ka[0], 2, collect_id, &seen), RC_OK);
	assert_int_equal(seen.n, 2);
	memset(&seen, 0, sizeof(seen));
	seen.stop_at = 1;
	assert_int_equal(store_key_records(f->s, ka[0], 100, collect_id, &seen), 7);
	assert_int_equal(seen.n, 1);
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_key_records(f->s, ka[0], 0, collect_id, &seen),
	    RC_EINVALID);
	memset(ka, 0xcc, sizeof(ka));
	assert_int_equal(store_key_records(f->s, ka[0], 100, collect_id, &seen), RC_OK);
	assert_int_equal(seen.n, 0);

	/* the records of a list of ids, within type and scope; an unknown id is left
	 * out */
	id_uuid4(absent);
	for (i = 0; i < 5; i++)
		ids[i] = m[i].id;
	ids[5] = absent;
	flt.type = "case";
	flt.agency_id = "ag-a";
	assert_int_equal(store_record_list_ids(f->s, &flt, ids, 6, collect, &b), RC_OK);
	assert_int_equal(strlen(b.p), 9);
	assert_non_null(strstr(b.p, "u1,"));
	assert_non_null(strstr(b.p, "u2,"));
	assert_non_null(strstr(b.p, "u4,"));
	/* only those named */
	buf_reset(&b);
	assert_int_equal(store_record_list_ids(f->s, &flt, ids + 1, 2, collect, &b),
	    RC_OK);
	assert_string_equal(b.p, "u2,");
	/* the index columns alone, the same records */
	buf_reset(&b);
	assert_int_equal(store_record_index_ids(f->s, &flt, ids + 1, 2, collect_meta, &b),
	    RC_OK);
	assert_string_equal(b.p, "u2/case/male/6-11,");
	/* another type, every scope */
	buf_reset(&b);
	flt.type = "tracing_request";
	flt.agency_id = NULL;
	assert_int_equal(store_record_list_ids(f->s, &flt, ids, 6, collect, &b), RC_OK);
	assert_string_equal(b.p, "u5,");
	buf_reset(&b);
	assert_int_equal(store_record_index_ids(f->s, &flt, ids, 6, collect_meta, &b),
	    RC_OK);
	assert_string_equal(b.p, "u5/tracing_request/female/12-14,");
	assert_int_equal(store_record_index_ids(f->s, &flt, ids, 0, collect_meta, &b),
	    RC_EINVALID);
	/* refused: no ids, too many, a term, an id that is not a UUID */
	assert_int_equal(store_record_list_ids(f->s, &flt, ids, 0, collect, &b),
	    RC_EINVALID);
	assert_int_equal(store_record_list_ids(f->s, &flt, ids, STORE_IDS_MAX + 1,
	    collect, &b), RC_EINVALID);
	memcpy(term.k[0], kb[0], STORE_BLIND_BYTES);
	term.n = 1;
	flt.terms = &term;
	flt.nterms = 1;
	assert_int_equal(store_record_list_ids(f->s, &flt, ids, 6, collect, &b),
	    RC_EINVALID);
	flt.terms = NULL;
	flt.nterms = 0;
	ids[0] = "1') OR ('1' = '1";
	assert_int_equal(store_record_list_ids(f->s, &flt, ids, 1, collect, &b),
	    RC_EINVALID);
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


/* A read snapshot sees one state; a write inside it ends it and is stored; it is no
 * transaction to the caller (on PostgreSQL it changes nothing). */
static void
test_read_snapshot_sees_one_state_and_gives_way_to_writes(void **state)
{
	struct fixture *f = *state;
	struct store_agency a = { 0 }, b = { 0 }, got;
	struct store *other;
	char msg[200];

	assert_int_equal(store_open(store_path(f->s), &other, msg, sizeof(msg)), RC_OK);
	id_uuid4(a.id);
	str_copy(a.code, sizeof(a.code), "first");
	str_copy(a.name, sizeof(a.name), "First");
	assert_int_equal(store_agency_insert(f->s, &a), RC_OK);

	assert_int_equal(store_read_begin(f->s), RC_OK);
	assert_int_equal(store_read_begin(f->s), RC_OK);	/* nested: nothing */
	assert_false(store_in_transaction(f->s));
	assert_int_equal(store_agency_get(f->s, "first", &got), RC_OK);
	/* another connection commits meanwhile */
	id_uuid4(b.id);
	str_copy(b.code, sizeof(b.code), "second");
	str_copy(b.name, sizeof(b.name), "Second");
	assert_int_equal(store_agency_insert(other, &b), RC_OK);
	if (!f->pg)	/* SQLite: the snapshot still sees the state it began with */
		assert_int_equal(store_agency_get(f->s, "second", &got), RC_ENOTFOUND);
	/* a write ends the snapshot and is stored, though the state moved on */
	b.id[0] = '\0';
	id_uuid4(b.id);
	str_copy(b.code, sizeof(b.code), "third");
	assert_int_equal(store_agency_insert(f->s, &b), RC_OK);
	assert_int_equal(store_agency_get(f->s, "second", &got), RC_OK);
	assert_int_equal(store_read_end(f->s), RC_OK);
	assert_int_equal(store_read_end(f->s), RC_OK);		/* none open: nothing */

	/* a transaction begun inside a snapshot is a real one */
	assert_int_equal(store_read_begin(f->s), RC_OK);
	assert_int_equal(store_agency_get(f->s, "first", &got), RC_OK);
	assert_int_equal(store_begin(f->s), RC_OK);
	assert_true(store_in_transaction(f->s));
	assert_int_equal(store_rollback(f->s), RC_OK);
	assert_int_equal(store_read_end(f->s), RC_OK);
	assert_int_equal(store_agency_get(other, "third", &got), RC_OK);
	store_close(other);
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

/* ---- migration 3: links, peer agencies, documents ------------------------------ */

static void
test_migration_3_keeps_the_rows_of_a_version_2_database(void **state)
{
	struct fixture *f = *state;
	struct record_meta m;
	struct store_record r;
	struct store_filter flt = { 0 };
	struct buf b = BUF_INIT;
	int64_t total = -1;

	/* a database as the previous release left it */
	assert_int_equal(store_migrate_upto(f->s, 2), RC_OK);
	assert_int_equal(store_schema_version(f->s), 2);
	raw_exec(f,
	    "INSERT INTO records (id, type, short_id, rev, status, workflow, risk_level, "
	    "sex, age_band, nationality, location_code, owner_id, agency_id, created_at, "
	    "updated_at, flags, body) VALUES ('0b7f6c1e-8d2a-4f5b-9c3d-2e1f0a9b8c7d', "
	    "'case', 'k7m2p9q', 3, 'open', 'new', 'high', 'female', '6-11', 'SD', 'LY01', "
	    "'u-old', 'ag-old', 100, 200, 1, X'7365616c6564');"
	    "INSERT INTO record_dk (record_id, wrapped) VALUES "
	    "('0b7f6c1e-8d2a-4f5b-9c3d-2e1f0a9b8c7d', X'01020304');",
	    "INSERT INTO records (id, type, short_id, rev, status, workflow, risk_level, "
	    "sex, age_band, nationality, location_code, owner_id, agency_id, created_at, "
	    "updated_at, flags, body) VALUES ('0b7f6c1e-8d2a-4f5b-9c3d-2e1f0a9b8c7d', "
	    "'case', 'k7m2p9q', 3, 'open', 'new', 'high', 'female', '6-11', 'SD', 'LY01', "
	    "'u-old', 'ag-old', 100, 200, 1, '\\x7365616c6564'::bytea);"
	    "INSERT INTO record_dk (record_id, wrapped) VALUES "
	    "('0b7f6c1e-8d2a-4f5b-9c3d-2e1f0a9b8c7d', '\\x01020304'::bytea);");

	assert_int_equal(store_migrate(f->s), RC_OK);
	assert_int_equal(store_schema_version(f->s), sqlite_store_migration_count());
	assert_true(store_schema_version(f->s) >= 3);	/* and any later one */
	assert_int_equal(store_record_get(f->s, "case", "k7m2p9q", &r), RC_OK);
	assert_string_equal(r.m.id, "0b7f6c1e-8d2a-4f5b-9c3d-2e1f0a9b8c7d");
	assert_int_equal(r.m.rev, 3);
	assert_string_equal(r.m.owner_id, "u-old");
	assert_string_equal(r.m.nationality, "SD");
	assert_int_equal(r.m.flags, 1);
	assert_string_equal(r.m.link_id, "");		/* the new columns default to "" */
	assert_string_equal(r.m.peer_agency_id, "");
	assert_int_equal(r.body_len, 6);
	assert_memory_equal(r.body, "sealed", 6);
	assert_int_equal(r.dk_len, 4);

	/* the old row takes the new columns like any other */
	m = r.m;
	store_record_free(&r);
	m.rev = 4;
	str_copy(m.link_id, sizeof(m.link_id), "0c0c0c0c-0000-4000-8000-000000000001");
	assert_int_equal(store_record_update(f->s, &m, 3, (const uint8_t *)"v4", 2), RC_OK);
	flt.type = "case";
	flt.limit = 10;
	flt.link_id = m.link_id;
	assert_int_equal(store_record_list(f->s, &flt, &total, collect, &b), RC_OK);
	assert_int_equal(total, 1);
	assert_string_equal(b.p, "u-old,");
	buf_free(&b);

	/* and opening it again finds nothing left to do */
	assert_int_equal(store_migrate(f->s), RC_OK);
	assert_int_equal(store_schema_version(f->s), sqlite_store_migration_count());
	assert_int_equal(store_record_get(f->s, "case", m.id, &r), RC_OK);
	assert_int_equal(r.m.rev, 4);
	store_record_free(&r);
}


/* Migration 6 keeps each case's deadlines beside it, read from its task documents in
 * their order; a case without tasks gets "", other records nothing. */
static void
test_migration_6_keeps_deadlines_from_task_documents(void **state)
{
	struct fixture *f = *state;
	struct store_record r;
	static const char rows[] =
	    "INSERT INTO records (id, type, short_id, rev, status, workflow, risk_level, "
	    "sex, age_band, nationality, location_code, owner_id, agency_id, created_at, "
	    "updated_at, flags, body) VALUES "
	    "('11111111-1111-4111-8111-111111111111', 'case', 'cas2aaa', 1, 'open', 'new', "
	    "'high', 'female', '6-11', 'SD', 'LY01', 'u', 'ag', 1, 1, 0, %s),"
	    "('22222222-2222-4222-8222-222222222222', 'case', 'cas2bbb', 1, 'open', 'new', "
	    "'high', 'female', '6-11', 'SD', 'LY01', 'u', 'ag', 1, 1, 0, %s),"
	    "('33333333-3333-4333-8333-333333333333', 'vot', 'vtt2ccc', 1, 'open', 'new', "
	    "'high', 'female', '6-11', 'SD', 'LY01', 'u', 'ag', 1, 1, 0, %s);"
	    "INSERT INTO record_dk (record_id, wrapped) VALUES "
	    "('11111111-1111-4111-8111-111111111111', %s),"
	    "('22222222-2222-4222-8222-222222222222', %s),"
	    "('33333333-3333-4333-8333-333333333333', %s);"
	    "INSERT INTO docs (kind, id, ref, owner_id, agency_id, at, body, updated_at) "
	    "VALUES ('task', '11111111-1111-4111-8111-111111111111:case_plan', "
	    "'11111111-1111-4111-8111-111111111111', 'u', 'ag', 3000, "
	    "'{\"kind\":\"case_plan\",\"due_date\":\"1970-01-01\"}', 1),"
	    "('task', '11111111-1111-4111-8111-111111111111:response', "
	    "'11111111-1111-4111-8111-111111111111', 'u', 'ag', 1000, "
	    "'{\"kind\":\"response\",\"due_date\":\"1970-01-01\"}', 1),"
	    "('task', '11111111-1111-4111-8111-111111111111:approval:case_plan', "
	    "'11111111-1111-4111-8111-111111111111', '', 'ag', 3000, "
	    "'{\"kind\":\"approval\",\"due_date\":\"1970-01-01\","
	    "\"approval\":\"case_plan\"}', 1);";
	char lite[4096], pg[4096];

	assert_int_equal(store_migrate_upto(f->s, 5), RC_OK);
	snprintf(lite, sizeof(lite), rows, "X'00'", "X'00'", "X'00'", "X'01'", "X'01'",
	    "X'01'");
	snprintf(pg, sizeof(pg), rows, "'\\x00'::bytea", "'\\x00'::bytea",
	    "'\\x00'::bytea", "'\\x01'::bytea", "'\\x01'::bytea", "'\\x01'::bytea");
	raw_exec(f, lite, pg);
	assert_int_equal(store_migrate(f->s), RC_OK);
	assert_true(store_schema_version(f->s) >= 6);

	assert_int_equal(store_record_get(f->s, "case", "11111111-1111-4111-8111-111111111111", &r), RC_OK);
	assert_non_null(r.deadlines);
	assert_string_equal(r.deadlines, "response|1000|1970-01-01|;"
	    "approval|3000|1970-01-01|case_plan;case_plan|3000|1970-01-01|");
	store_record_free(&r);
	assert_int_equal(store_record_get(f->s, "case", "22222222-2222-4222-8222-222222222222", &r), RC_OK);
	assert_non_null(r.deadlines);
	assert_string_equal(r.deadlines, "");
	store_record_free(&r);
	assert_int_equal(store_record_get(f->s, "vot", "33333333-3333-4333-8333-333333333333", &r), RC_OK);
	assert_null(r.deadlines);
	store_record_free(&r);

	/* kept again by a save */
	assert_int_equal(store_record_deadlines_set(f->s,
	    "22222222-2222-4222-8222-222222222222", "response|5|1970-01-01|"), RC_OK);
	assert_int_equal(store_record_get(f->s, "case", "22222222-2222-4222-8222-222222222222", &r), RC_OK);
	assert_string_equal(r.deadlines, "response|5|1970-01-01|");
	store_record_free(&r);
	assert_int_equal(store_record_deadlines_set(f->s,
	    "44444444-4444-4444-8444-444444444444", ""), RC_ENOTFOUND);
}

static void
test_link_and_peer_agency_round_trip(void **state)
{
	struct fixture *f = *state;
	struct record_meta m, upd;
	struct store_record r;

	make_meta(&m, "ag-a", "u1", "LY01");
	str_copy(m.type, sizeof(m.type), "referral");
	str_copy(m.link_id, sizeof(m.link_id), "case-1");
	str_copy(m.peer_agency_id, sizeof(m.peer_agency_id), "ag-b");
	insert(f, &m, "ref");
	assert_int_equal(store_record_get(f->s, "referral", m.id, &r), RC_OK);
	assert_string_equal(r.m.link_id, "case-1");
	assert_string_equal(r.m.peer_agency_id, "ag-b");
	assert_memory_equal(r.body, "ref", 3);
	store_record_free(&r);

	upd = m;
	upd.rev = 2;
	str_copy(upd.link_id, sizeof(upd.link_id), "case-2");
	upd.peer_agency_id[0] = '\0';
	assert_int_equal(store_record_update(f->s, &upd, 1, (const uint8_t *)"r2", 2),
	    RC_OK);
	assert_int_equal(store_record_get(f->s, "referral", m.short_id, &r), RC_OK);
	assert_string_equal(r.m.link_id, "case-2");
	assert_string_equal(r.m.peer_agency_id, "");
	store_record_free(&r);
}

/* Records for the filter tests: u1..u6, newest update first. */
static void
insert_referrals(struct fixture *f)
{
	static const struct {
		const char	*agency, *owner, *link, *peer, *workflow, *nat;
		int64_t		 created, updated;
	} rows[] = {
		{ "ag-a", "u1", "case-1", "ag-b", "new",      "SD", 100, 600 },
		{ "ag-a", "u2", "case-1", "ag-c", "accepted", "ER", 200, 500 },
		{ "ag-b", "u3", "case-2", "ag-a", "new",      "SD", 300, 400 },
		{ "ag-c", "u4", "case-3", "ag-b", "new",      "NG", 400, 300 },
		{ "ag-c", "u5", "",       "",     "closed",   "SD", 500, 200 },
		{ "ag-b", "u6", "case-1", "",     "new",      "SD", 600, 100 },
	};
	struct record_meta m;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		make_meta(&m, rows[i].agency, rows[i].owner, "LY01");
		str_copy(m.type, sizeof(m.type), "referral");
		str_copy(m.link_id, sizeof(m.link_id), rows[i].link);
		str_copy(m.peer_agency_id, sizeof(m.peer_agency_id), rows[i].peer);
		str_copy(m.workflow, sizeof(m.workflow), rows[i].workflow);
		str_copy(m.nationality, sizeof(m.nationality), rows[i].nat);
		m.created_at = rows[i].created;
		m.updated_at = rows[i].updated;
		insert(f, &m, "x");
	}
	/* a case of agency ag-b: another type never shows among referrals */
	make_meta(&m, "ag-b", "u9", "LY01");
	str_copy(m.link_id, sizeof(m.link_id), "case-1");
	str_copy(m.peer_agency_id, sizeof(m.peer_agency_id), "ag-b");
	insert(f, &m, "x");
}

/* The owners of the rows `flt` lists, "u1,u2,", with the total in *total. */
static const char *
owners_of(struct fixture *f, struct store_filter *flt, int64_t *total, struct buf *b)
{
	buf_reset(b);
	buf_puts(b, "");
	*total = -1;
	assert_int_equal(store_record_list(f->s, flt, total, collect, b), RC_OK);
	return b->p;
}

static void
test_list_filters_by_link_peer_workflow_nationality_and_time(void **state)
{
	struct fixture *f = *state;
	struct store_filter flt = { 0 };
	struct buf b = BUF_INIT;
	int64_t total;

	insert_referrals(f);
	flt.type = "referral";
	flt.limit = 10;
	flt.link_id = "case-1";
	assert_string_equal(owners_of(f, &flt, &total, &b), "u1,u2,u6,");
	assert_int_equal(total, 3);
	flt.link_id = NULL;
	flt.peer_agency_id = "ag-b";
	assert_string_equal(owners_of(f, &flt, &total, &b), "u1,u4,");
	flt.peer_agency_id = "";			/* "" is "any" */
	flt.workflow = "new";
	assert_string_equal(owners_of(f, &flt, &total, &b), "u1,u3,u4,u6,");
	flt.nationality = "SD";
	assert_string_equal(owners_of(f, &flt, &total, &b), "u1,u3,u6,");
	flt.workflow = flt.nationality = NULL;
	flt.updated_since = 400;
	assert_string_equal(owners_of(f, &flt, &total, &b), "u1,u2,u3,");
	flt.updated_since = 0;
	flt.created_from = 200;			/* from inclusive ... */
	flt.created_to = 500;			/* ... to exclusive */
	assert_string_equal(owners_of(f, &flt, &total, &b), "u2,u3,u4,");
	assert_int_equal(total, 3);
	flt.created_from = 0;
	assert_string_equal(owners_of(f, &flt, &total, &b), "u1,u2,u3,u4,");
	/* every field set must hold */
	flt.link_id = "case-1";
	flt.workflow = "accepted";
	assert_string_equal(owners_of(f, &flt, &total, &b), "u2,");
	flt.workflow = "closed";
	assert_string_equal(owners_of(f, &flt, &total, &b), "");
	assert_int_equal(total, 0);
	buf_free(&b);
}

static void
test_peer_or_agency_scope_shows_what_was_sent_and_received(void **state)
{
	struct fixture *f = *state;
	struct store_filter flt = { 0 };
	struct buf b = BUF_INIT;
	int64_t total;

	insert_referrals(f);
	flt.type = "referral";
	flt.limit = 10;
	/* ag-b sent u3 and u6 and received u1 and u4 */
	flt.peer_or_agency_id = "ag-b";
	assert_string_equal(owners_of(f, &flt, &total, &b), "u1,u3,u4,u6,");
	assert_int_equal(total, 4);
	/* with other filters too; and paging keeps the total */
	flt.link_id = "case-1";
	assert_string_equal(owners_of(f, &flt, &total, &b), "u1,u6,");
	flt.limit = 1;
	flt.offset = 1;
	assert_string_equal(owners_of(f, &flt, &total, &b), "u6,");
	assert_int_equal(total, 2);
	/* ag-c: u4 and u5 are its own, u2 was sent to it */
	flt.link_id = NULL;
	flt.limit = 10;
	flt.offset = 0;
	flt.peer_or_agency_id = "ag-c";
	assert_string_equal(owners_of(f, &flt, &total, &b), "u2,u4,u5,");
	/* the plain agency scope is only what an agency holds */
	flt.peer_or_agency_id = NULL;
	flt.agency_id = "ag-c";
	assert_string_equal(owners_of(f, &flt, &total, &b), "u4,u5,");
	/* both: held by ag-a and (held by or addressed to) ag-b */
	flt.agency_id = "ag-a";
	flt.peer_or_agency_id = "ag-b";
	assert_string_equal(owners_of(f, &flt, &total, &b), "u1,");
	flt.peer_or_agency_id = "ag-nobody";
	assert_string_equal(owners_of(f, &flt, &total, &b), "");
	buf_free(&b);
}

/* ---- report counts ---------------------------------------------------------------- */

static int
collect_counts(void *arg, const struct store_count_row *row)
{
	struct buf *b = arg;
	int i;

	for (i = 0; i < STORE_GROUP_MAX && row->value[i][0] != '\0'; i++)
		buf_printf(b, "%s/", row->value[i]);
	buf_printf(b, "%lld;", (long long)row->count);
	return 0;
}

/* The rows of a count, "female/3;male/1;". */
static const char *
counts_of(struct fixture *f, const struct store_filter *flt, const char *const *group,
    size_t n, int location_len, struct buf *b)
{
	buf_reset(b);
	buf_puts(b, "");
	assert_int_equal(store_record_count_by(f->s, flt, group, n, location_len,
	    collect_counts, b), RC_OK);
	return b->p;
}

static int
stop_counting(void *arg, const struct store_count_row *row)
{
	(void)row;
	(*(int *)arg)++;
	return RC_EINTERNAL;
}

static void
test_count_by_groups_the_index_columns(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char	*sex, *band, *loc, *agency, *peer, *status;
		int64_t		 flags, created;
	} rows[] = {
		{ "female", "6-11",  "LY0101", "ag-a", "",     "open",   1, 100 },
		{ "female", "12-14", "LY0102", "ag-a", "",     "open",   0, 200 },
		{ "male",   "6-11",  "LY0201", "ag-b", "ag-a", "open",   1, 300 },
		{ "female", "6-11",  "LY0201", "ag-b", "",     "closed", 3, 400 },
		{ "male",   "15-17", "NE01",   "ag-c", "",     "open",   2, 500 },
	};
	static const char *const by_sex[] = { "sex" };
	static const char *const by_loc_band[] = { "location_code", "age_band" };
	static const char *const by_uasc_agency[] = { "flags&1", "agency_id" };
	static const char *const by_all[] = { "type", "status", "workflow", "risk_level" };
	static const char *const by_nat[] = { "nationality" };
	static const char *const bad[] = { "sex; DROP TABLE records" };
	static const char *const too_many[] = { "sex", "sex", "sex", "sex", "sex" };
	struct store_filter flt = { 0 };
	struct record_meta m;
	struct buf b = BUF_INIT;
	size_t i;
	int calls = 0;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		make_meta(&m, rows[i].agency, "u", rows[i].loc);
		str_copy(m.sex, sizeof(m.sex), rows[i].sex);
		str_copy(m.age_band, sizeof(m.age_band), rows[i].band);
		str_copy(m.peer_agency_id, sizeof(m.peer_agency_id), rows[i].peer);
		str_copy(m.status, sizeof(m.status), rows[i].status);
		str_copy(m.nationality, sizeof(m.nationality), "LY");
		m.flags = rows[i].flags;
		m.created_at = rows[i].created;
		insert(f, &m, "x");
	}
	make_meta(&m, "ag-a", "u", "LY0101");		/* another type: never counted */
	str_copy(m.type, sizeof(m.type), "tracing_request");
	insert(f, &m, "x");

	flt.type = "case";
	assert_string_equal(counts_of(f, &flt, NULL, 0, 0, &b), "5;");
	assert_string_equal(counts_of(f, &flt, by_sex, 1, 0, &b), "female/3;male/2;");
	assert_string_equal(counts_of(f, &flt, by_loc_band, 2, 0, &b),
	    "LY0101/6-11/1;LY0102/12-14/1;LY0201/6-11/2;NE01/15-17/1;");
	/* by admin level: the first four characters of the P-code */
	assert_string_equal(counts_of(f, &flt, by_loc_band, 2, 4, &b),
	    "LY01/12-14/1;LY01/6-11/1;LY02/6-11/2;NE01/15-17/1;");
	assert_string_equal(counts_of(f, &flt, by_loc_band, 1, 2, &b), "LY/4;NE/1;");
	assert_string_equal(counts_of(f, &flt, by_uasc_agency, 2, 0, &b),
	    "0/ag-a/1;0/ag-c/1;1/ag-a/1;1/ag-b/2;");
	assert_string_equal(counts_of(f, &flt, by_all, 4, 0, &b),
	    "case/closed/new/high/1;case/open/new/high/4;");
	assert_string_equal(counts_of(f, &flt, by_nat, 1, 0, &b), "LY/5;");

	/* the filters of lists apply: scope, created range, index columns */
	flt.peer_or_agency_id = "ag-a";
	assert_string_equal(counts_of(f, &flt, by_sex, 1, 0, &b), "female/2;male/1;");
	flt.created_from = 150;
	flt.created_to = 300;
	assert_string_equal(counts_of(f, &flt, by_sex, 1, 0, &b), "female/1;");
	flt.peer_or_agency_id = NULL;
	flt.created_to = 0;
	flt.status = "open";
	assert_string_equal(counts_of(f, &flt, by_sex, 1, 0, &b), "female/1;male/2;");
	flt.location_code = "LY02";
	assert_string_equal(counts_of(f, &flt, by_sex, 1, 0, &b), "male/1;");
	flt.status = "none";
	assert_string_equal(counts_of(f, &flt, by_sex, 1, 0, &b), "");
	assert_string_equal(counts_of(f, &flt, NULL, 0, 0, &b), "0;");

	/* only whitelisted names, a sane length, a type */
	flt = (struct store_filter){ .type = "case" };
	assert_int_equal(store_record_count_by(f->s, &flt, bad, 1, 0, collect_counts, &b),
	    RC_EINVALID);
	assert_int_equal(store_record_count_by(f->s, &flt, too_many, 5, 0, collect_counts,
	    &b), RC_EINVALID);
	assert_int_equal(store_record_count_by(f->s, &flt, by_loc_band, 1,
	    STORE_LOCATION_LEN_MAX + 1, collect_counts, &b), RC_EINVALID);
	assert_int_equal(store_record_count_by(f->s, &flt, by_loc_band, 1, -1,
	    collect_counts, &b), RC_EINVALID);
	flt.type = NULL;
	assert_int_equal(store_record_count_by(f->s, &flt, by_sex, 1, 0, collect_counts,
	    &b), RC_EINVALID);
	/* the callback stops the walk with its rc */
	flt.type = "case";
	assert_int_equal(store_record_count_by(f->s, &flt, by_sex, 1, 0, stop_counting,
	    &calls), RC_EINTERNAL);
	assert_int_equal(calls, 1);
	buf_free(&b);
}

/* The rows of a count by blind key, "0/female/2;1/male/1;", in key order. */
static const char *
key_counts_of(struct fixture *f, const struct store_filter *flt,
    const uint8_t (*keys)[STORE_BLIND_BYTES], size_t nkeys, const char *const *group,
    size_t n, struct buf *b)
{
	struct buf rows = BUF_INIT;
	size_t k;
	char *p, *e;

	buf_reset(b);
	buf_puts(b, "");
	assert_int_equal(store_record_count_keys(f->s, flt, keys, nkeys, group, n, 0,
	    collect_counts, &rows), RC_OK);
	/* the store gives no order: sort by key index, then as written */
	for (k = 0; k < nkeys; k++) {
		char prefix[24];	/* "%zu/" of any size_t */

		snprintf(prefix, sizeof(prefix), "%zu/", k);
		for (p = rows.p; p != NULL && *p != '\0'; p = e + 1) {
			e = strchr(p, ';');
			if (strncmp(p, prefix, strlen(prefix)) == 0)
				buf_append(b, p, (size_t)(e - p + 1));
		}
	}
	buf_free(&rows);
	return b->p;
}

static void
test_count_keys_counts_each_key_in_the_filter(void **state)
{
	struct fixture *f = *state;
	uint8_t keys[3][STORE_BLIND_BYTES], none[1][STORE_BLIND_BYTES];
	static const char *const by_sex[] = { "sex" };
	static const char *const by_loc[] = { "location_code" };
	static const char *const three[] = { "sex", "age_band", "status" };
	struct store_filter flt = { 0 };
	struct store_key_any term;
	struct record_meta m;
	struct buf b = BUF_INIT;
	size_t i;

	memset(keys, 0, sizeof(keys));
	for (i = 0; i < 3; i++)
		keys[i][0] = (uint8_t)(0xa0 + i);
	memset(none, 0xee, sizeof(none));
	/* r1: keys 0 and 1; r2: key 0; r3 (agency b, male): keys 0 and 2; r4 (another
	 * type) key 0 */
	make_meta(&m, "ag-a", "u1", "LY0101");
	m.created_at = 100;
	insert(f, &m, "x");
	assert_int_equal(store_record_keys_set(f->s, m.id,
	    (const uint8_t (*)[STORE_BLIND_BYTES])keys, 2), RC_OK);
	make_meta(&m, "ag-a", "u1", "LY0201");
	m.created_at = 200;
	insert(f, &m, "x");
	assert_int_equal(store_record_keys_set(f->s, m.id,
	    (const uint8_t (*)[STORE_BLIND_BYTES])keys, 1), RC_OK);
	make_meta(&m, "ag-b", "u2", "LY0202");
	str_copy(m.sex, sizeof(m.sex), "male");
	m.created_at = 300;
	insert(f, &m, "x");
	memcpy(keys[1], keys[2], STORE_BLIND_BYTES);	/* the record's second key: 2 */
	assert_int_equal(store_record_keys_set(f->s, m.id,
	    (const uint8_t (*)[STORE_BLIND_BYTES])keys, 2), RC_OK);
	keys[1][0] = 0xa1;
	make_meta(&m, "ag-a", "u1", "LY0101");
	str_copy(m.type, sizeof(m.type), "tracing_request");
	insert(f, &m, "x");
	assert_int_equal(store_record_keys_set(f->s, m.id,
	    (const uint8_t (*)[STORE_BLIND_BYTES])keys, 1), RC_OK);

	flt.type = "case";
	assert_string_equal(key_counts_of(f, &flt, (const uint8_t (*)[16])keys, 3, NULL, 0,
	    &b), "0/3;1/1;2/1;");
	assert_string_equal(key_counts_of(f, &flt, (const uint8_t (*)[16])keys, 3, by_sex,
	    1, &b), "0/female/2;0/male/1;1/female/1;2/male/1;");
	/* location prefixes: the admin level */
	assert_int_equal(store_record_count_keys(f->s, &flt, (const uint8_t (*)[16])keys,
	    1, by_loc, 1, 4, collect_counts, &b), RC_OK);
	/* scope and period filter as in lists */
	flt.agency_id = "ag-a";
	assert_string_equal(key_counts_of(f, &flt, (const uint8_t (*)[16])keys, 3, NULL, 0,
	    &b), "0/2;1/1;");
	flt.agency_id = NULL;
	flt.created_from = 150;
	assert_string_equal(key_counts_of(f, &flt, (const uint8_t (*)[16])keys, 3, NULL, 0,
	    &b), "0/2;2/1;");
	flt.created_to = 250;
	assert_string_equal(key_counts_of(f, &flt, (const uint8_t (*)[16])keys, 3, NULL, 0,
	    &b), "0/1;");
	/* a key nobody has: no row */
	flt = (struct store_filter){ .type = "case" };
	assert_string_equal(key_counts_of(f, &flt, (const uint8_t (*)[16])none, 1, NULL, 0,
	    &b), "");
	/* refused: terms, no keys, too many groups, an unknown group */
	memset(&term, 0, sizeof(term));
	term.n = 1;
	flt.terms = &term;
	flt.nterms = 1;
	assert_int_equal(store_record_count_keys(f->s, &flt, (const uint8_t (*)[16])keys,
	    1, NULL, 0, 0, collect_counts, &b), RC_EINVALID);
	flt.terms = NULL;
	flt.nterms = 0;
	assert_int_equal(store_record_count_keys(f->s, &flt, (const uint8_t (*)[16])keys,
	    0, NULL, 0, 0, collect_counts, &b), RC_EINVALID);
	assert_int_equal(store_record_count_keys(f->s, &flt, (const uint8_t (*)[16])keys,
	    1, three, 3, 0, collect_counts, &b), RC_OK);
	assert_int_equal(store_record_count_keys(f->s, &flt, (const uint8_t (*)[16])keys,
	    1, by_sex, STORE_GROUP_MAX, 0, collect_counts, &b), RC_EINVALID);
	assert_int_equal(store_record_count_keys(f->s, &flt, NULL, 1, NULL, 0, 0,
	    collect_counts, &b), RC_EINVALID);
	buf_free(&b);
}

/* ---- documents -------------------------------------------------------------------- */

static void
make_doc(struct store_doc *d, const char *kind, const char *id, const char *ref,
    const char *owner, const char *agency, int64_t at, const char *body)
{
	memset(d, 0, sizeof(*d));
	str_copy(d->kind, sizeof(d->kind), kind);
	str_copy(d->id, sizeof(d->id), id);
	str_copy(d->ref, sizeof(d->ref), ref);
	str_copy(d->owner_id, sizeof(d->owner_id), owner);
	str_copy(d->agency_id, sizeof(d->agency_id), agency);
	d->at = at;
	d->body = (char *)body;
	d->updated_at = 1000 + at;
}

static void
test_doc_insert_refuses_a_replay_and_put_replaces(void **state)
{
	struct fixture *f = *state;
	/* a package id as long as a hex SHA-256 with a prefix */
	static const char pkg[] =
	    "pkg:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
	struct store_doc d, got;

	make_doc(&d, "package_seen", pkg, "", "", "ag-a", 10,
	    "{\"from\":\"instance-2\",\"note\":\"r\\u00e9f \\\"quoted\\\" \xc3\xa9\"}");
	assert_int_equal(store_doc_insert(f->s, &d), RC_OK);
	/* the same package again: refused, the first stays */
	d.body = "{\"from\":\"replayer\"}";
	assert_int_equal(store_doc_insert(f->s, &d), RC_EEXIST);
	assert_int_equal(store_doc_get(f->s, "package_seen", pkg, &got), RC_OK);
	assert_string_equal(got.body,
	    "{\"from\":\"instance-2\",\"note\":\"r\\u00e9f \\\"quoted\\\" \xc3\xa9\"}");
	assert_string_equal(got.agency_id, "ag-a");
	assert_int_equal(got.at, 10);
	assert_int_equal(got.updated_at, 1010);
	store_doc_free(&got);
	assert_null(got.body);
	/* the same id under another kind is another document */
	make_doc(&d, "service", pkg, "", "", "", 0, "{}");
	assert_int_equal(store_doc_insert(f->s, &d), RC_OK);

	/* put: adds, then replaces every column */
	make_doc(&d, "service", "svc-1", "", "u1", "ag-a", 5, "{\"name\":\"Clinic\"}");
	assert_int_equal(store_doc_put(f->s, &d), RC_OK);
	make_doc(&d, "service", "svc-1", "LY01", "u2", "ag-b", 7, "{\"name\":\"Shelter\"}");
	assert_int_equal(store_doc_put(f->s, &d), RC_OK);
	assert_int_equal(store_doc_get(f->s, "service", "svc-1", &got), RC_OK);
	assert_string_equal(got.kind, "service");
	assert_string_equal(got.id, "svc-1");
	assert_string_equal(got.ref, "LY01");
	assert_string_equal(got.owner_id, "u2");
	assert_string_equal(got.agency_id, "ag-b");
	assert_int_equal(got.at, 7);
	assert_int_equal(got.updated_at, 1007);
	assert_string_equal(got.body, "{\"name\":\"Shelter\"}");
	store_doc_free(&got);

	/* delete */
	assert_int_equal(store_doc_delete(f->s, "service", "svc-1"), RC_OK);
	assert_int_equal(store_doc_get(f->s, "service", "svc-1", &got), RC_ENOTFOUND);
	assert_null(got.body);
	assert_int_equal(store_doc_delete(f->s, "service", "svc-1"), RC_ENOTFOUND);
	assert_int_equal(store_doc_get(f->s, "package_seen", pkg, &got), RC_OK);
	store_doc_free(&got);
}

static void
test_doc_size_and_key_checks(void **state)
{
	struct fixture *f = *state;
	struct store_doc d, got;
	char *big;

	if ((big = malloc(STORE_DOC_BODY_MAX + 2)) == NULL)
		fail();
	memset(big, 'a', STORE_DOC_BODY_MAX + 1);
	big[0] = '"';
	big[STORE_DOC_BODY_MAX - 1] = '"';
	big[STORE_DOC_BODY_MAX] = '\0';			/* exactly the limit: fine */
	make_doc(&d, "match", "t1:c1", "t1", "", "", 0, big);
	assert_int_equal(store_doc_put(f->s, &d), RC_OK);
	assert_int_equal(store_doc_get(f->s, "match", "t1:c1", &got), RC_OK);
	assert_int_equal(strlen(got.body), STORE_DOC_BODY_MAX);
	store_doc_free(&got);
	big[STORE_DOC_BODY_MAX] = 'a';			/* one byte over */
	big[STORE_DOC_BODY_MAX + 1] = '\0';
	make_doc(&d, "match", "t1:c2", "t1", "", "", 0, big);
	assert_int_equal(store_doc_insert(f->s, &d), RC_ETOOBIG);
	assert_int_equal(store_doc_put(f->s, &d), RC_ETOOBIG);
	assert_int_equal(store_doc_get(f->s, "match", "t1:c2", &got), RC_ENOTFOUND);
	free(big);

	make_doc(&d, "match", "", "t1", "", "", 0, "{}");
	assert_int_equal(store_doc_insert(f->s, &d), RC_EINVALID);
	make_doc(&d, "", "x", "t1", "", "", 0, "{}");
	assert_int_equal(store_doc_put(f->s, &d), RC_EINVALID);
	make_doc(&d, "match", "x", "t1", "", "", 0, NULL);
	assert_int_equal(store_doc_insert(f->s, &d), RC_EINVALID);
	assert_int_equal(store_doc_delete(f->s, "match", ""), RC_EINVALID);
	assert_int_equal(store_doc_delete_ref(f->s, "match", ""), RC_EINVALID);
	assert_int_equal(store_doc_delete_ref(f->s, NULL, "t1"), RC_EINVALID);
}

static int
collect_docs(void *arg, struct store_doc *d)
{
	struct buf *b = arg;

	buf_printf(b, "%s,", d->id);
	store_doc_free(d);
	return 0;
}

/* The ids of the documents `flt` lists, "a,b,", with the total in *total. */
static const char *
doc_ids(struct fixture *f, struct store_doc_filter *flt, int64_t *total, struct buf *b)
{
	buf_reset(b);
	buf_puts(b, "");
	*total = -1;
	assert_int_equal(store_doc_list(f->s, flt, total, collect_docs, b), RC_OK);
	return b->p;
}

/* Tasks: t1..t6 due at 10..60 for records r1/r2, owners u1/u2, agencies ag-a/ag-b. */
static void
insert_tasks(struct fixture *f)
{
	static const struct {
		const char	*id, *ref, *owner, *agency;
		int64_t		 at;
	} rows[] = {
		{ "t3", "r1", "u1", "ag-a", 30 },
		{ "t1", "r1", "u1", "ag-a", 10 },
		{ "t5", "r2", "",   "ag-b", 50 },
		{ "t2", "r2", "u2", "ag-a", 20 },
		{ "t6", "r1", "u2", "ag-b", 60 },
		{ "t4", "r2", "u1", "ag-b", 40 },
		{ "t0", "r2", "u1", "ag-b", 40 },	/* at of t4: the id breaks the tie */
	};
	struct store_doc d;
	size_t i;

	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		make_doc(&d, "task", rows[i].id, rows[i].ref, rows[i].owner, rows[i].agency,
		    rows[i].at, "{\"kind\":\"follow_up\"}");
		assert_int_equal(store_doc_insert(f->s, &d), RC_OK);
	}
	make_doc(&d, "match", "m1", "r1", "u1", "ag-a", 35, "{\"score\":0.9}");
	assert_int_equal(store_doc_insert(f->s, &d), RC_OK);
}

static int
stop_docs(void *arg, struct store_doc *d)
{
	(*(int *)arg)++;
	store_doc_free(d);
	return RC_EINTERNAL;
}

static void
test_doc_list_orders_pages_and_filters(void **state)
{
	struct fixture *f = *state;
	struct store_doc_filter flt = { 0 };
	struct buf b = BUF_INIT;
	int64_t total;
	int calls = 0;

	insert_tasks(f);
	flt.kind = "task";
	flt.limit = 100;
	assert_string_equal(doc_ids(f, &flt, &total, &b), "t1,t2,t3,t0,t4,t5,t6,");
	assert_int_equal(total, 7);
	flt.descending = 1;
	assert_string_equal(doc_ids(f, &flt, &total, &b), "t6,t5,t0,t4,t3,t2,t1,");
	/* pages of two keep the total */
	flt.limit = 2;
	flt.offset = 2;
	assert_string_equal(doc_ids(f, &flt, &total, &b), "t0,t4,");
	assert_int_equal(total, 7);
	flt.offset = 6;
	assert_string_equal(doc_ids(f, &flt, &total, &b), "t1,");
	flt.offset = 7;
	assert_string_equal(doc_ids(f, &flt, &total, &b), "");
	assert_int_equal(total, 7);
	flt.descending = 0;
	flt.limit = 100;
	flt.offset = 0;

	flt.ref = "r1";
	assert_string_equal(doc_ids(f, &flt, &total, &b), "t1,t3,t6,");
	flt.ref = NULL;
	flt.owner_id = "u1";
	assert_string_equal(doc_ids(f, &flt, &total, &b), "t1,t3,t0,t4,");
	flt.agency_id = "ag-b";				/* both must hold */
	assert_string_equal(doc_ids(f, &flt, &total, &b), "t0,t4,");
	flt.owner_or_agency = 1;			/* either may */
	assert_string_equal(doc_ids(f, &flt, &total, &b), "t1,t3,t0,t4,t5,t6,");
	assert_int_equal(total, 6);
	flt.at_min = 30;
	flt.at_max = 50;				/* both bounds inclusive */
	assert_string_equal(doc_ids(f, &flt, &total, &b), "t3,t0,t4,t5,");
	flt.owner_or_agency = 0;
	flt.owner_id = flt.agency_id = NULL;
	flt.at_min = 0;
	assert_string_equal(doc_ids(f, &flt, &total, &b), "t1,t2,t3,t0,t4,t5,");
	flt.at_max = 0;
	flt.at_min = 41;
	assert_string_equal(doc_ids(f, &flt, &total, &b), "t5,t6,");
	/* without a total */
	buf_reset(&b);
	assert_int_equal(store_doc_list(f->s, &flt, NULL, collect_docs, &b), RC_OK);
	assert_string_equal(b.p, "t5,t6,");
	/* another kind */
	flt = (struct store_doc_filter){ .kind = "match", .limit = 10 };
	assert_string_equal(doc_ids(f, &flt, &total, &b), "m1,");

	/* the callback stops the walk with its rc */
	flt.kind = "task";
	assert_int_equal(store_doc_list(f->s, &flt, NULL, stop_docs, &calls), RC_EINTERNAL);
	assert_int_equal(calls, 1);
	/* bad filters */
	flt.limit = 0;
	assert_int_equal(store_doc_list(f->s, &flt, &total, collect_docs, &b), RC_EINVALID);
	flt.limit = STORE_DOC_LIST_MAX + 1;
	assert_int_equal(store_doc_list(f->s, &flt, &total, collect_docs, &b), RC_EINVALID);
	flt.limit = STORE_DOC_LIST_MAX;
	flt.offset = -1;
	assert_int_equal(store_doc_list(f->s, &flt, &total, collect_docs, &b), RC_EINVALID);
	flt.offset = 0;
	flt.owner_or_agency = 1;
	flt.owner_id = "u1";				/* no agency to match */
	assert_int_equal(store_doc_list(f->s, &flt, &total, collect_docs, &b), RC_EINVALID);
	flt.kind = NULL;
	flt.owner_or_agency = 0;
	assert_int_equal(store_doc_list(f->s, &flt, &total, collect_docs, &b), RC_EINVALID);
	buf_free(&b);
}

static void
test_doc_delete_ref_replaces_a_records_tasks(void **state)
{
	struct fixture *f = *state;
	struct store_doc_filter flt = { 0 };
	struct store_doc d;
	struct buf b = BUF_INIT;
	int64_t total;

	insert_tasks(f);
	assert_int_equal(store_begin(f->s), RC_OK);
	assert_int_equal(store_doc_delete_ref(f->s, "task", "r1"), RC_OK);
	make_doc(&d, "task", "t7", "r1", "u1", "ag-a", 70, "{\"kind\":\"review\"}");
	assert_int_equal(store_doc_insert(f->s, &d), RC_OK);
	assert_int_equal(store_commit(f->s), RC_OK);
	flt.kind = "task";
	flt.limit = 100;
	flt.ref = "r1";
	assert_string_equal(doc_ids(f, &flt, &total, &b), "t7,");
	flt.ref = "r2";					/* the other record's stay */
	assert_string_equal(doc_ids(f, &flt, &total, &b), "t2,t0,t4,t5,");
	flt = (struct store_doc_filter){ .kind = "match", .ref = "r1", .limit = 10 };
	assert_string_equal(doc_ids(f, &flt, &total, &b), "m1,");	/* other kinds stay */
	/* nothing to delete is fine */
	assert_int_equal(store_doc_delete_ref(f->s, "task", "r-none"), RC_OK);
	buf_free(&b);
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
		cmocka_unit_test_setup_teardown(test_read_snapshot_sees_one_state_and_gives_way_to_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_migration_6_keeps_deadlines_from_task_documents, setup_unmigrated, teardown),
		cmocka_unit_test_setup_teardown(test_record_round_trip_by_id_and_short_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_short_id_is_reported, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stale_rev_is_refused_and_nothing_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_filters_by_scope_and_blind_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_terms_any_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bulk_keys_are_found_after_the_load, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_key_count_and_list_by_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_records_and_list_ids, setup, teardown),
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
		cmocka_unit_test_setup_teardown(test_migration_3_keeps_the_rows_of_a_version_2_database, setup_unmigrated, teardown),
		cmocka_unit_test_setup_teardown(test_link_and_peer_agency_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_filters_by_link_peer_workflow_nationality_and_time, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_or_agency_scope_shows_what_was_sent_and_received, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count_by_groups_the_index_columns, setup, teardown),
		cmocka_unit_test_setup_teardown(test_count_keys_counts_each_key_in_the_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_doc_insert_refuses_a_replay_and_put_replaces, setup, teardown),
		cmocka_unit_test_setup_teardown(test_doc_size_and_key_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_doc_list_orders_pages_and_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_doc_delete_ref_replaces_a_records_tasks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
