/* test_store.c — the SQLite store: migrations, records, rev checks, keys, lists. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/id.h"
#include "store/store.h"

struct fixture {
	char		 dir[64];
	char		 db[96];
	struct store	*s;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char msg[200];

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/rc-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir);
	if (store_open(f->db, &f->s, msg, sizeof(msg)) != RC_OK ||
	    store_migrate(f->s) != RC_OK)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char p[128];

	store_close(f->s);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
