/*
 * test_group.c — SQLite group commit (store_clone): writers on several threads share
 * one batch transaction, each in a savepoint. A writer that fails mid-batch leaves
 * nothing and the others' work is stored; a batch whose commit fails fails every
 * member and stores nothing; reads inside a write see the batch; a write outside a
 * transaction on a grouped handle takes its turn. Real SQLite files in /tmp, real
 * threads.
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
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/id.h"
#include "store/backend.h"
#include "store/store.h"

#define WRITERS	8

struct fixture {
	char		 dir[64];
	char		 db[128];
	struct store	*origin;	/* the server's handle: clones come from it */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char msg[200];

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/rc-group-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->db, sizeof(f->db), "%s/t.db", f->dir);
	if (store_open(f->db, &f->origin, msg, sizeof(msg)) != RC_OK ||
	    store_migrate(f->origin) != RC_OK) {
		fprintf(stderr, "test_group: %s\n", msg);
		return -1;
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char p[200];

	store_close(f->origin);
	snprintf(p, sizeof(p), "%s-wal", f->db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->db);
	unlink(p);
	unlink(f->db);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void
make_meta(struct record_meta *m, const char *short_id)
{
	memset(m, 0, sizeof(*m));
	id_uuid4(m->id);
	if (short_id != NULL)
		str_copy(m->short_id, sizeof(m->short_id), short_id);
	else
		id_short(m->short_id);
	str_copy(m->type, sizeof(m->type), "case");
	m->rev = 1;
	str_copy(m->status, sizeof(m->status), "open");
	str_copy(m->workflow, sizeof(m->workflow), "new");
	str_copy(m->agency_id, sizeof(m->agency_id), "ag-a");
	str_copy(m->owner_id, sizeof(m->owner_id), "u-1");
	m->created_at = m->updated_at = 1000;
}

/* A record with its history entry, as a create writes them. */
static int
write_record(struct store *s, const struct record_meta *m)
{
	static const uint8_t dk[4] = { 1, 2, 3, 4 };
	struct store_history h = { 0 };
	int rc;

	if ((rc = store_record_insert(s, m, dk, sizeof(dk), (const uint8_t *)"sealed",
	    6)) != RC_OK)
		return rc;
	str_copy(h.record_id, sizeof(h.record_id), m->id);
	h.rev = 1;
	h.at = 1000;
	str_copy(h.user_id, sizeof(h.user_id), "u-1");
	str_copy(h.action, sizeof(h.action), "create");
	h.body = (uint8_t *)"entry";
	h.body_len = 5;
	return store_history_append(s, &h);
}

/* 1 when record `id` is in the database, seen by a connection outside the group. */
static int
stored(struct fixture *f, const char *id)
{
	struct store *r;
	struct store_record rec;
	char msg[200];
	int rc;

	assert_int_equal(store_open(f->db, &r, msg, sizeof(msg)), RC_OK);
	rc = store_record_get(r, "case", id, &rec);
	store_close(r);
	if (rc == RC_OK) {
		store_record_free(&rec);
		return 1;
	}
	assert_int_equal(rc, RC_ENOTFOUND);
	return 0;
}

/* Wait until `n` handles of the group wait for the write connection. */
static void
wait_queued(struct store *s, size_t n)
{
	struct timespec pause = { 0, 2 * 1000 * 1000 };
	uint64_t batches, writes;
	size_t queued = 0;
	int i;

	for (i = 0; i < 5000; i++) {
		assert_int_equal(sqlite_store_group_stats(s, &batches, &writes, &queued),
		    RC_OK);
		if (queued == n)
			return;
		nanosleep(&pause, NULL);
	}
	fail_msg("only %zu of %zu writers came to wait for their turn", queued, n);
}

/* ---- writers on threads ---------------------------------------------------------- */

enum plan {
	PLAN_CREATE,		/* begin, write a record, commit */
	PLAN_FAIL,		/* begin, write a record, then a duplicate: roll back */
	PLAN_HOLD,		/* begin, wait for `go`, write a record, commit */
};

struct writer {
	struct store		*s;	/* a clone of the fixture's origin */
	enum plan		 plan;
	struct record_meta	 m;
	const char		*dup_id;	/* PLAN_FAIL: an id another writer took */
	int			 begun;
	int			 rc;		/* what store_commit (or the failure) said */
	pthread_mutex_t		*mu;
	pthread_cond_t		*cv;
	int			*go;
};

static void *
writer_run(void *arg)
{
	struct writer *w = arg;
	struct record_meta dup;
	int rc;

	if ((rc = store_begin(w->s)) != RC_OK) {
		w->rc = rc;
		return NULL;
	}
	pthread_mutex_lock(w->mu);
	w->begun = 1;
	pthread_cond_broadcast(w->cv);
	while (w->plan == PLAN_HOLD && !*w->go)
		pthread_cond_wait(w->cv, w->mu);
	pthread_mutex_unlock(w->mu);
	rc = write_record(w->s, &w->m);
	if (rc == RC_OK && w->plan == PLAN_FAIL) {
		/* its second record clashes with another writer's: the request fails */
		make_meta(&dup, NULL);
		str_copy(dup.id, sizeof(dup.id), w->dup_id);
		rc = write_record(w->s, &dup);
	}
	if (rc != RC_OK) {
		store_rollback(w->s);
		w->rc = rc;
		return NULL;
	}
	w->rc = store_commit(w->s);
	return NULL;
}

/* Start `n` writers: writer 0 holds the write connection until the others all wait
 * for it, so that every one of them lands in the same batch. */
static void
run_writers(struct fixture *f, struct writer *w, size_t n)
{
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
	pthread_t th[WRITERS];
	char msg[200];
	int go = 0;
	size_t i;

	assert_true(n <= WRITERS);
	for (i = 0; i < n; i++) {
		assert_int_equal(store_clone(f->origin, &w[i].s, msg, sizeof(msg)), RC_OK);
		w[i].mu = &mu;
		w[i].cv = &cv;
		w[i].go = &go;
	}
	w[0].plan = PLAN_HOLD;
	assert_int_equal(pthread_create(&th[0], NULL, writer_run, &w[0]), 0);
	pthread_mutex_lock(&mu);
	while (!w[0].begun)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
	for (i = 1; i < n; i++)
		assert_int_equal(pthread_create(&th[i], NULL, writer_run, &w[i]), 0);
	wait_queued(f->origin, n - 1);
	pthread_mutex_lock(&mu);
	go = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
	for (i = 0; i < n; i++) {
		pthread_join(th[i], NULL);
		store_close(w[i].s);
	}
}

static void
test_writers_share_one_commit_and_a_failed_one_leaves_nothing(void **state)
{
	struct fixture *f = *state;
	struct writer w[WRITERS];
	uint64_t batches, writes;
	size_t queued, i;

	memset(w, 0, sizeof(w));
	for (i = 0; i < WRITERS; i++)
		make_meta(&w[i].m, NULL);
	w[3].plan = PLAN_FAIL;
	w[3].dup_id = w[0].m.id;
	run_writers(f, w, WRITERS);

	for (i = 0; i < WRITERS; i++) {
		if (i == 3) {
			assert_int_equal(w[i].rc, RC_EEXIST);
			/* its first record, written before the clash, is gone too */
			assert_false(stored(f, w[i].m.id));
		} else {
			assert_int_equal(w[i].rc, RC_OK);
			assert_true(stored(f, w[i].m.id));
		}
	}
	/* one fsync for the seven that committed */
	assert_int_equal(sqlite_store_group_stats(f->origin, &batches, &writes, &queued),
	    RC_OK);
	assert_int_equal(batches, 1);
	assert_int_equal(writes, WRITERS - 1);
	assert_int_equal(queued, 0);
}

static void
test_a_batch_whose_commit_fails_fails_every_member(void **state)
{
	struct fixture *f = *state;
	struct writer w[4];
	struct store *s;
	struct record_meta after;
	char msg[200];
	sqlite3 *db;
	size_t i;

	/* a deferred foreign key that a record with short id POISON1 breaks: the
	 * savepoint is released without complaint, the batch's COMMIT then fails */
	assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	    "CREATE TABLE gate (id INTEGER PRIMARY KEY);"
	    "CREATE TABLE gated (x INTEGER REFERENCES gate (id)"
	    "  DEFERRABLE INITIALLY DEFERRED);"
	    "CREATE TRIGGER poison AFTER INSERT ON records WHEN NEW.short_id = 'POISON1'"
	    "  BEGIN INSERT INTO gated VALUES (42); END;", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	memset(w, 0, sizeof(w));
	for (i = 0; i < 4; i++)
		make_meta(&w[i].m, i == 2 ? "POISON1" : NULL);
	run_writers(f, w, 4);
	for (i = 0; i < 4; i++) {
		assert_int_not_equal(w[i].rc, RC_OK);	/* no 201 for anyone */
		assert_false(stored(f, w[i].m.id));
	}

	/* the next batch is a new one and commits */
	assert_int_equal(store_clone(f->origin, &s, msg, sizeof(msg)), RC_OK);
	make_meta(&after, NULL);
	assert_int_equal(store_begin(s), RC_OK);
	assert_int_equal(write_record(s, &after), RC_OK);
	assert_int_equal(store_commit(s), RC_OK);
	assert_true(stored(f, after.id));
	store_close(s);
}

/* ---- reads inside a write see the batch -------------------------------------------- */

struct first {
	struct store		*s;
	struct store		*origin;
	struct record_meta	 m;
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	int			 begun;
	int			 rc;
};

static void *
first_run(void *arg)
{
	struct first *a = arg;

	a->rc = store_begin(a->s);
	pthread_mutex_lock(&a->mu);
	a->begun = 1;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
	if (a->rc != RC_OK)
		return NULL;
	wait_queued(a->origin, 1);	/* the test's own writer waits behind us */
	if ((a->rc = write_record(a->s, &a->m)) != RC_OK) {
		store_rollback(a->s);
		return NULL;
	}
	a->rc = store_commit(a->s);	/* returns when the test's writer committed */
	return NULL;
}

static void
test_a_rev_check_inside_the_batch_sees_the_batchs_rows(void **state)
{
	struct fixture *f = *state;
	struct first a = { 0 };
	struct store *b;
	struct store_record r;
	struct record_meta m;
	pthread_t th;
	char msg[200];

	assert_int_equal(store_clone(f->origin, &a.s, msg, sizeof(msg)), RC_OK);
	assert_int_equal(store_clone(f->origin, &b, msg, sizeof(msg)), RC_OK);
	a.origin = f->origin;
	make_meta(&a.m, NULL);
	pthread_mutex_init(&a.mu, NULL);
	pthread_cond_init(&a.cv, NULL);
	assert_int_equal(pthread_create(&th, NULL, first_run, &a), 0);
	pthread_mutex_lock(&a.mu);
	while (!a.begun)
		pthread_cond_wait(&a.cv, &a.mu);
	pthread_mutex_unlock(&a.mu);
	assert_int_equal(a.rc, RC_OK);

	assert_int_equal(store_begin(b), RC_OK);	/* after the first writer's turn */
	/* not committed yet: a connection outside the batch does not see it */
	assert_false(stored(f, a.m.id));
	/* inside the batch it is there at rev 1, and an update checks that rev */
	assert_int_equal(store_record_get(b, "case", a.m.id, &r), RC_OK);
	assert_int_equal(r.m.rev, 1);
	store_record_free(&r);
	m = a.m;
	m.rev = 2;
	assert_int_equal(store_record_update(b, &m, 2, (const uint8_t *)"x", 1),
	    RC_ECONFLICT);
	assert_int_equal(store_record_update(b, &m, 1, (const uint8_t *)"v2", 2), RC_OK);
	assert_int_equal(store_commit(b), RC_OK);
	pthread_join(th, NULL);
	assert_int_equal(a.rc, RC_OK);

	assert_int_equal(store_record_get(b, "case", a.m.id, &r), RC_OK);
	assert_int_equal(r.m.rev, 2);
	assert_memory_equal(r.body, "v2", 2);
	store_record_free(&r);
	store_close(a.s);
	store_close(b);
	pthread_mutex_destroy(&a.mu);
	pthread_cond_destroy(&a.cv);
}

/* ---- writes outside a transaction ----------------------------------------------------- */

static void
test_a_write_outside_a_transaction_takes_its_turn(void **state)
{
	struct fixture *f = *state;
	struct store_session ss = { 0 }, got;
	struct store *c, *r;
	uint64_t batches, writes;
	size_t queued;
	char msg[200];

	assert_int_equal(store_clone(f->origin, &c, msg, sizeof(msg)), RC_OK);
	memset(ss.token_hash, 7, sizeof(ss.token_hash));
	str_copy(ss.user_id, sizeof(ss.user_id), "u-1");
	ss.created_at = ss.last_seen = 1000;
	ss.expires_at = 2000;
	/* no store_begin: the store takes a transaction for it, in the group */
	assert_int_equal(store_session_insert(c, &ss), RC_OK);
	assert_false(store_in_transaction(c));
	assert_int_equal(store_session_touch(f->origin, ss.token_hash, 1500), RC_OK);
	assert_int_equal(sqlite_store_group_stats(c, &batches, &writes, &queued), RC_OK);
	assert_int_equal(writes, 2);
	store_close(c);
	/* durable, and seen from outside the group */
	assert_int_equal(store_open(f->db, &r, msg, sizeof(msg)), RC_OK);
	assert_int_equal(store_session_get(r, ss.token_hash, &got), RC_OK);
	assert_int_equal(got.last_seen, 1500);
	store_close(r);
	/* a nested begin is refused, as on any connection */
	assert_int_equal(store_begin(f->origin), RC_OK);
	assert_int_not_equal(store_begin(f->origin), RC_OK);
	assert_int_equal(store_rollback(f->origin), RC_OK);
}

/* ---- checkpoints ------------------------------------------------------------------------ */

/* Past 16,384 pages of WAL the group's own thread copies them into the database file,
 * while writers go on: nothing waits on `w` for it, and the file grows by them. */
static void
test_checkpoints_run_on_their_own_thread(void **state)
{
	struct fixture *f = *state;
	static uint8_t body[64 * 1024];
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	struct record_meta m;
	struct store *c;
	uint64_t runs = 0, failed = 0;
	struct stat st;
	char msg[200];
	int i;

	assert_int_equal(store_clone(f->origin, &c, msg, sizeof(msg)), RC_OK);
	memset(body, 'x', sizeof(body));
	assert_int_equal(stat(f->db, &st), 0);
	assert_true(st.st_size < 8 * 1024 * 1024);
	/* 80 MB of bodies, in batches of 20: about 20,000 pages of WAL */
	for (i = 0; i < 1280; i++) {
		if (i % 20 == 0)
			assert_int_equal(store_begin(c), RC_OK);
		make_meta(&m, NULL);
		assert_int_equal(store_record_insert(c, &m, (const uint8_t *)"dk", 2, body,
		    sizeof(body)), RC_OK);
		if (i % 20 == 19)
			assert_int_equal(store_commit(c), RC_OK);
	}
	for (i = 0; i < 1000 && runs == 0; i++) {
		assert_int_equal(sqlite_store_checkpoint_stats(c, &runs, &failed), RC_OK);
		if (runs == 0)
			nanosleep(&pause, NULL);
	}
	assert_true(runs >= 1);
	assert_int_equal(failed, 0);
	/* the pages reached the database file while every handle was still open (it
	 * grows only by checkpoints: until one, they are all in the WAL) */
	for (i = 0; i < 1000; i++) {
		assert_int_equal(stat(f->db, &st), 0);
		if (st.st_size > 48 * 1024 * 1024)
			break;
		nanosleep(&pause, NULL);
	}
	if (st.st_size <= 48 * 1024 * 1024)
		fail_msg("the database file has %lld bytes after %llu checkpoints",
		    (long long)st.st_size, (unsigned long long)runs);
	assert_int_equal(sqlite_store_checkpoint_stats(f->origin, &runs, &failed), RC_OK);
	assert_int_equal(failed, 0);
	store_close(c);
}

/* ---- read snapshots on a grouped handle ------------------------------------------------ */

/* A read snapshot on a grouped handle sees one state; a write on that handle (which
 * runs on the group's connection) ends it first, so the request reads its own write. */
static void
test_a_snapshot_gives_way_to_the_handles_own_write(void **state)
{
	struct fixture *f = *state;
	struct record_meta a, b, m;
	struct store_record r;
	struct store *c, *other;
	char msg[200];

	assert_int_equal(store_clone(f->origin, &c, msg, sizeof(msg)), RC_OK);
	assert_int_equal(store_clone(f->origin, &other, msg, sizeof(msg)), RC_OK);
	make_meta(&a, NULL);
	assert_int_equal(write_record(other, &a), RC_OK);

	assert_int_equal(store_read_begin(c), RC_OK);
	assert_false(store_in_transaction(c));
	assert_int_equal(store_record_get(c, "case", a.id, &r), RC_OK);
	store_record_free(&r);
	/* another handle of the group writes: the snapshot does not see it */
	make_meta(&b, NULL);
	assert_int_equal(write_record(other, &b), RC_OK);
	assert_int_equal(store_record_get(c, "case", b.id, &r), RC_ENOTFOUND);
	/* this handle writes (its own turn in the group): the snapshot ends first,
	 * and what it wrote and what the other wrote are both read back */
	make_meta(&m, NULL);
	assert_int_equal(write_record(c, &m), RC_OK);
	assert_int_equal(store_record_get(c, "case", m.id, &r), RC_OK);
	store_record_free(&r);
	assert_int_equal(store_record_get(c, "case", b.id, &r), RC_OK);
	store_record_free(&r);
	assert_int_equal(store_read_end(c), RC_OK);

	/* store_begin ends it too, and the transaction is a real one */
	assert_int_equal(store_read_begin(c), RC_OK);
	assert_int_equal(store_record_get(c, "case", a.id, &r), RC_OK);
	store_record_free(&r);
	assert_int_equal(store_begin(c), RC_OK);
	assert_true(store_in_transaction(c));
	assert_int_equal(store_read_begin(c), RC_OK);	/* in a transaction: nothing */
	assert_int_equal(store_commit(c), RC_OK);
	assert_int_equal(store_read_end(c), RC_OK);
	store_close(other);
	store_close(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
		    test_writers_share_one_commit_and_a_failed_one_leaves_nothing, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_batch_whose_commit_fails_fails_every_member, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_rev_check_inside_the_batch_sees_the_batchs_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_write_outside_a_transaction_takes_its_turn, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_a_snapshot_gives_way_to_the_handles_own_write, setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_checkpoints_run_on_their_own_thread, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
