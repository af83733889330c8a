/*
 * audit.c — the tamper-evident audit chain.
 *
 * Every row holds who, when, what action, which record, which field ids (never
 * values) and the outcome, plus the previous row's hash and its own: a keyed BLAKE2b
 * (audit subkey) over the previous hash and the row. Changing, inserting or deleting a
 * row breaks the chain at that row; forging a row needs the master key.
 *
 * Writes that change data append their row in the same transaction as the change.
 * Reads, lists and denials go through a queue that a background thread appends in
 * batches, one durable commit per batch, within APP_AUDIT_FLUSH_MS.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "app/impl.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/json.h"
#include "base/log.h"

#define AUDIT_QUEUE_MAX		65536	/* rows waiting; writers wait beyond this */
#define AUDIT_BATCH_MAX		4096

struct audit_queue {
	pthread_mutex_t		 mu;
	pthread_cond_t		 work;		/* rows arrived or stop requested */
	pthread_cond_t		 space;		/* the queue drained */
	struct store_audit	*rows;		/* pending, without seq and hashes */
	size_t			 n, cap;
	struct store_audit	*spare;		/* the last batch's array, for the next */
	size_t			 spare_cap;
	int			 stop;
	int			 busy;		/* a batch is being written */
	pthread_t		 thread;
	struct store		*store;		/* the writer's own connection */
	struct vault		*vault;
};

/* `v` in decimal, as "%lld" writes it, into `out` (24 bytes); its length. */
static size_t
audit_decimal(int64_t v, char out[24])
{
	char tmp[24];
	uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	size_t n = 0, i = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u != 0);
	if (v < 0)
		out[i++] = '-';
	while (n > 0)
		out[i++] = tmp[--n];
	out[i] = '\0';
	return i;
}

static void
audit_hash(const struct vault *v, const struct store_audit *r, uint8_t out[32])
{
	char seq[24], at[24];
	struct vault_part parts[10];

	parts[0] = (struct vault_part){ seq, audit_decimal(r->seq, seq) };
	parts[1] = (struct vault_part){ at, audit_decimal(r->at, at) };
	parts[2] = (struct vault_part){ r->user_id, strlen(r->user_id) };
	parts[3] = (struct vault_part){ r->agency_id, strlen(r->agency_id) };
	parts[4] = (struct vault_part){ r->action, strlen(r->action) };
	parts[5] = (struct vault_part){ r->record_id, strlen(r->record_id) };
	parts[6] = (struct vault_part){ r->fields ? r->fields : "",
	    r->fields ? strlen(r->fields) : 0 };
	parts[7] = (struct vault_part){ r->outcome, strlen(r->outcome) };
	parts[8] = (struct vault_part){ r->prev_hash, STORE_HASH_BYTES };
	parts[9] = (struct vault_part){ r->fields ? "f" : "n", 1 };	/* NULL vs "" */
	vault_mac(v, VAULT_AUDIT, parts, 10, out);
}

/* Fill a row from an event; `fields` serialised (malloc'd). */
static int
audit_row(struct store_audit *r, const struct app_actor *u, const char *action,
    const char *record_id, const json_t *fields, const char *outcome)
{
	memset(r, 0, sizeof(*r));
	r->at = clock_now();
	if (u != NULL) {
		str_copy(r->user_id, sizeof(r->user_id), u->pu.id);
		str_copy(r->agency_id, sizeof(r->agency_id), u->pu.agency_id);
	}
	str_copy(r->action, sizeof(r->action), action);
	str_copy(r->record_id, sizeof(r->record_id), record_id ? record_id : "");
	str_copy(r->outcome, sizeof(r->outcome), outcome ? outcome : "ok");
	if (fields != NULL && (r->fields = json_dump_compact(fields)) == NULL)
		return RC_ENOMEM;
	return RC_OK;
}

/* Chain and insert `r` inside an open write transaction on `s`. */
static int
audit_chain_insert(struct store *s, const struct vault *v, struct store_audit *r)
{
	int64_t last;
	int rc;

	if ((rc = store_audit_last(s, &last, r->prev_hash)) != RC_OK)
		return rc;
	r->seq = last + 1;
	audit_hash(v, r, r->hash);
	return store_audit_insert(s, r);
}

/* Chain a batch: the chain head is read once, then carried from row to row. */
static int
audit_chain_insert_batch(struct store *s, const struct vault *v, struct store_audit *rows,
    size_t n)
{
	uint8_t head[STORE_HASH_BYTES];
	int64_t last;
	size_t i;
	int rc;

	if ((rc = store_audit_last(s, &last, head)) != RC_OK)
		return rc;
	for (i = 0; i < n; i++) {
		rows[i].seq = last + 1 + (int64_t)i;
		memcpy(rows[i].prev_hash, i == 0 ? head : rows[i - 1].hash, STORE_HASH_BYTES);
		audit_hash(v, &rows[i], rows[i].hash);
		if ((rc = store_audit_insert(s, &rows[i])) != RC_OK)
			return rc;
	}
	return RC_OK;
}

int
audit_write(struct app *a, const struct app_actor *u, const char *action,
    const char *record_id, const json_t *fields, const char *outcome)
{
	struct store_audit r;
	int rc;

	if ((rc = audit_row(&r, u, action, record_id, fields, outcome)) == RC_OK)
		rc = audit_chain_insert(a->store, a->vault, &r);
	free(r.fields);
	return rc;
}

static void audit_enqueue_or_write(struct app *a, struct store_audit *rp);

void
audit_note(struct app *a, const struct app_actor *u, const char *action,
    const char *record_id, const json_t *fields, const char *outcome)
{
	struct store_audit r;

	if (audit_row(&r, u, action, record_id, fields, outcome) != RC_OK) {
		log_error("audit: out of memory for %s", action);
		return;
	}
	if (store_in_transaction(a->store)) {
		if (a->ndeferred == sizeof(a->deferred) / sizeof(a->deferred[0])) {
			log_error("audit: too many notes inside one transaction; %s lost",
			    action);
			free(r.fields);
			return;
		}
		a->deferred[a->ndeferred++] = r;
		return;
	}
	audit_flush(a);
	audit_enqueue_or_write(a, &r);
}

void
audit_flush(struct app *a)
{
	size_t i, n = a->ndeferred;

	if (n == 0 || store_in_transaction(a->store))
		return;
	a->ndeferred = 0;
	for (i = 0; i < n; i++)
		audit_enqueue_or_write(a, &a->deferred[i]);
}

/* Hand `r` to the background writer, or write it now; frees r->fields. */
static void
audit_enqueue_or_write(struct app *a, struct store_audit *rp)
{
	struct audit_queue *q = a->audit;
	struct store_audit r = *rp;
	int rc;

	if (q != NULL) {
		pthread_mutex_lock(&q->mu);
		while (q->n >= AUDIT_QUEUE_MAX && !q->stop)
			pthread_cond_wait(&q->space, &q->mu);
		if (!q->stop && q->n == q->cap && q->rows == NULL && q->spare != NULL) {
			/* the array the writer gave back: no regrowing it per batch */
			q->rows = q->spare;
			q->cap = q->spare_cap;
			q->spare = NULL;
		}
		if (!q->stop && q->n == q->cap) {
			size_t ncap = q->cap ? q->cap * 2 : 256;
			void *np = realloc(q->rows, ncap * sizeof(*q->rows));

			if (np != NULL) {
				q->rows = np;
				q->cap = ncap;
			}
		}
		if (!q->stop && q->n < q->cap) {
			q->rows[q->n++] = r;
			/* wake the writer for the first row of a batch, or a full one; in
			 * between it is gathering and a wake-up per row would end every
			 * batch at one row (a commit per read) */
			if (q->n == 1 || q->n >= AUDIT_BATCH_MAX)
				pthread_cond_signal(&q->work);
			pthread_mutex_unlock(&q->mu);
			return;
		}
		pthread_mutex_unlock(&q->mu);
		/* stopping or out of memory: write it ourselves */
	}
	rc = store_begin(a->store);
	if (rc == RC_OK)
		rc = audit_chain_insert(a->store, a->vault, &r);
	if (rc == RC_OK)
		rc = store_commit(a->store);
	if (rc != RC_OK) {
		store_rollback(a->store);
		log_error("audit: cannot append %s: %s", r.action, rc_name(rc));
	}
	free(r.fields);
}

/* ---- the background writer ------------------------------------------------------ */

static void *
audit_writer(void *arg)
{
	struct audit_queue *q = arg;
	struct store_audit *batch = NULL;
	size_t n, i, cap;
	int rc;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		while (q->n == 0 && !q->stop)
			pthread_cond_wait(&q->work, &q->mu);
		if (q->n == 0 && q->stop)
			break;
		/* let a batch gather for a moment when it is small */
		if (q->n < AUDIT_BATCH_MAX && !q->stop) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			/* three quarters of the bound, the rest for the commit: the
			 * bigger the batch, the fewer pages each row rewrites */
			ts.tv_nsec += (long)APP_AUDIT_FLUSH_MS * 1000000L * 3 / 4;
			if (ts.tv_nsec >= 1000000000L) {
				ts.tv_sec++;
				ts.tv_nsec -= 1000000000L;
			}
			pthread_cond_timedwait(&q->work, &q->mu, &ts);
		}
		batch = q->rows;
		n = q->n;
		cap = q->cap;
		q->rows = NULL;
		q->n = q->cap = 0;
		q->busy = 1;
		pthread_cond_broadcast(&q->space);
		pthread_mutex_unlock(&q->mu);

		rc = store_begin(q->store);
		if (rc == RC_OK)
			rc = audit_chain_insert_batch(q->store, q->vault, batch, n);
		if (rc == RC_OK)
			rc = store_commit(q->store);
		if (rc != RC_OK) {
			store_rollback(q->store);
			log_error("audit: a batch of %zu rows could not be written: %s", n,
			    rc_name(rc));
		}
		for (i = 0; i < n; i++)
			free(batch[i].fields);

		pthread_mutex_lock(&q->mu);
		if (q->spare == NULL && !q->stop) {
			q->spare = batch;
			q->spare_cap = cap;
		} else
			free(batch);
		batch = NULL;
		q->busy = 0;
		pthread_cond_broadcast(&q->space);
	}
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

int
app_audit_start(struct app *a, struct app_error *err)
{
	struct audit_queue *q;
	char msg[256];
	int rc;

	if (a->is_clone || a->audit != NULL)
		return app_fail(err, RC_EINTERNAL, "audit writer already running");
	if ((q = calloc(1, sizeof(*q))) == NULL)
		return RC_ENOMEM;
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->work, NULL);
	pthread_cond_init(&q->space, NULL);
	q->vault = a->vault;
	/* in the requests' write group: one chain, appended on one connection */
	if ((rc = store_clone(a->store, &q->store, msg, sizeof(msg))) != RC_OK) {
		rc = app_fail(err, rc, "%s", msg);
		goto fail;
	}
	if (pthread_create(&q->thread, NULL, audit_writer, q) != 0) {
		rc = app_fail(err, RC_EINTERNAL, "cannot start the audit writer");
		goto fail;
	}
	a->audit = q;
	return RC_OK;
fail:
	store_close(q->store);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->work);
	pthread_cond_destroy(&q->space);
	free(q);
	return rc;
}

void
app_audit_stop(struct app *a)
{
	struct audit_queue *q = a->audit;

	if (q == NULL || a->is_clone)
		return;
	pthread_mutex_lock(&q->mu);
	q->stop = 1;
	pthread_cond_broadcast(&q->work);
	pthread_cond_broadcast(&q->space);
	pthread_mutex_unlock(&q->mu);
	pthread_join(q->thread, NULL);	/* the writer drains the queue first */
	a->audit = NULL;
	store_close(q->store);
	pthread_mutex_destroy(&q->mu);
	pthread_cond_destroy(&q->work);
	pthread_cond_destroy(&q->space);
	free(q->rows);
	free(q->spare);
	free(q);
}

/* ---- reading and verifying ---------------------------------------------------------- */

struct verify_ctx {
	const struct vault	*v;
	int64_t			 rows;
	int64_t			 prev_seq;
	uint8_t			 prev_hash[STORE_HASH_BYTES];
	int64_t			 bad_seq;
	const char		*why;
};

static int
verify_row(void *arg, struct store_audit *r)
{
	struct verify_ctx *c = arg;
	uint8_t want[STORE_HASH_BYTES];
	int rc = 0;

	if (r->malformed) {
		c->why = "a column holds a value of the wrong type or size";
		rc = 1;
	} else if (r->seq != c->prev_seq + 1) {
		c->why = "sequence gap: rows before it were deleted or renumbered";
		rc = 1;
	} else if (sodium_memcmp(r->prev_hash, c->prev_hash, STORE_HASH_BYTES) != 0) {
		c->why = "does not follow from the previous row (previous hash differs)";
		rc = 1;
	} else {
		audit_hash(c->v, r, want);
		if (sodium_memcmp(want, r->hash, STORE_HASH_BYTES) != 0) {
			c->why = "its hash does not match its contents: a column was changed";
			rc = 1;
		}
	}
	if (rc) {
		c->bad_seq = r->seq;
	} else {
		c->rows++;
		c->prev_seq = r->seq;
		memcpy(c->prev_hash, r->hash, STORE_HASH_BYTES);
	}
	free(r->fields);
	return rc;
}

int
app_audit_verify(struct app *a, int64_t *rows, int64_t *bad_seq, struct app_error *err)
{
	struct verify_ctx c = { 0 };
	int rc;

	c.v = a->vault;
	*rows = 0;
	*bad_seq = 0;
	rc = store_audit_walk(a->store, verify_row, &c);
	*rows = c.rows;
	if (rc == 1) {
		*bad_seq = c.bad_seq;
		return app_fail(err, RC_EINTEGRITY, "audit row %lld is broken: %s "
		    "(%lld rows before it verified)", (long long)c.bad_seq, c.why,
		    (long long)c.rows);
	}
	if (rc != RC_OK)
		return app_fail(err, rc, "cannot read the audit log");
	return RC_OK;
}

struct list_ctx {
	struct app	*a;
	json_t		*rows;
};

static int
list_row(void *arg, struct store_audit *r)
{
	struct list_ctx *c = arg;
	struct store_user who;
	char ts[CLOCK_ISO_SIZE];
	json_t *row, *fields = NULL;

	clock_iso(r->at, ts);
	if (r->fields != NULL)
		fields = json_loads(r->fields, 0, NULL);
	free(r->fields);
	who.username[0] = '\0';
	if (r->user_id[0] != '\0' && store_user_get(c->a->store, r->user_id, &who) == RC_OK)
		sodium_memzero(who.password_hash, sizeof(who.password_hash));
	row = json_pack("{s:I, s:s, s:s?, s:s, s:s?, s:o?, s:s}", "seq",
	    (json_int_t)r->seq, "at", ts, "user", who.username[0] ? who.username : NULL,
	    "action", r->action, "record_id", r->record_id[0] ? r->record_id : NULL,
	    "fields", fields, "outcome", r->outcome);
	if (row == NULL || json_array_append_new(c->rows, row) != 0)
		return RC_ENOMEM;
	return 0;
}

/* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" to Unix seconds; -1 when neither. */
static int64_t
parse_since(const char *s)
{
	int y, m, d, hh = 0, mm = 0, ss = 0;
	char day[DATE_SIZE];

	if (strlen(s) < 10)
		return -1;
	memcpy(day, s, 10);
	day[10] = '\0';
	if (date_parse(day, &y, &m, &d) != 0)
		return -1;
	if (s[10] != '\0') {
		if (sscanf(s + 10, "T%2d:%2d:%2dZ", &hh, &mm, &ss) != 3 || strlen(s) != 20 ||
		    hh > 23 || mm > 59 || ss > 59)
			return -1;
	}
	return date_days(y, m, d) * 86400 + hh * 3600 + mm * 60 + ss;
}

int
app_audit_list(struct app *a, const struct app_actor *u, const struct app_audit_query *q,
    json_t **out, struct app_error *err)
{
	struct store_audit_filter f = { 0 };
	struct list_ctx c = { 0 };
	struct store_record r = { 0 };
	struct store_user who;
	int64_t total = 0, page, per;
	int rc;

	*out = NULL;
	if (u != NULL && !policy_allows(a->policy, &u->pu, "audit.read", NULL, NULL)) {
		audit_note(a, u, "audit.read", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not read the audit log");
	}
	page = q->page > 0 ? q->page : 1;
	per = q->per > 0 ? q->per : 50;
	if (per > 500)
		return app_fail(err, RC_EINVALID, "per: at most 500 rows per page");
	if (q->since != NULL && *q->since != '\0' && (f.since = parse_since(q->since)) < 0)
		return app_fail(err, RC_EINVALID, "since: expected YYYY-MM-DD or "
		    "YYYY-MM-DDTHH:MM:SSZ");
	if (q->record_id != NULL && *q->record_id != '\0') {
		const char *why = NULL;

		const struct app_kind *k;
		size_t i;

		/* a record of any kind: cases, tracing requests, referrals, ... */
		rc = RC_ENOTFOUND;
		for (i = 0; (k = app_kind_at(i)) != NULL && rc == RC_ENOTFOUND; i++)
			if (id_is_uuid(q->record_id) || id_is_short(q->record_id))
				rc = store_record_get(a->store, k->type, q->record_id, &r);
		if (rc == RC_ENOTFOUND)
			return app_fail(err, rc, "no record %s", q->record_id);
		if (rc != RC_OK)
			return app_fail(err, rc, "cannot read records");
		if (u != NULL && !policy_allows(a->policy, &u->pu, "audit.read", &r.m, &why)) {
			audit_note(a, u, "audit.read", r.m.id, NULL, why);
			store_record_free(&r);
			return app_fail(err, RC_ENOTFOUND, "no record %s", q->record_id);
		}
		f.record_id = r.m.id;
	} else if (u != NULL) {
		switch (policy_scope(a->policy, &u->pu)) {
		case SCOPE_ALL:
			break;
		case SCOPE_AGENCY:
			f.agency_id = u->pu.agency_id;
			break;
		default:
			f.user_id = u->pu.id;	/* own actions only */
			break;
		}
	}
	if (q->user != NULL && *q->user != '\0') {
		if (store_user_get_by_name(a->store, q->user, &who) != RC_OK) {
			rc = app_fail(err, RC_EINVALID, "user: no such user");
			goto out;
		}
		sodium_memzero(who.password_hash, sizeof(who.password_hash));
		if (f.user_id != NULL && strcmp(f.user_id, who.id) != 0) {
			rc = app_fail(err, RC_EDENIED, "you may only read your own actions");
			goto out;
		}
		f.user_id = who.id;
	}
	f.limit = per;
	f.offset = (page - 1) * per;
	c.a = a;
	if ((c.rows = json_array()) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	if ((rc = store_audit_list(a->store, &f, &total, list_row, &c)) != RC_OK) {
		json_decref(c.rows);
		rc = app_fail(err, rc, "cannot read the audit log");
		goto out;
	}
	audit_note(a, u, "audit.read", f.record_id, NULL, "ok");
	*out = json_pack("{s:o, s:{s:I, s:I, s:I}}", "data", c.rows, "metadata", "total",
	    (json_int_t)total, "page", (json_int_t)page, "per", (json_int_t)per);
	rc = *out != NULL ? RC_OK : RC_ENOMEM;
out:
	store_record_free(&r);
	return rc;
}

/* ---- does the key fit the database ------------------------------------------------ */

struct newest_ctx {
	const struct vault	*v;
	int			 checked, ok;
};

static int
newest_row(void *arg, struct store_audit *r)
{
	struct newest_ctx *c = arg;
	uint8_t h[STORE_HASH_BYTES];

	audit_hash(c->v, r, h);
	c->checked = 1;
	c->ok = !r->malformed && sodium_memcmp(h, r->hash, STORE_HASH_BYTES) == 0;
	free(r->fields);
	return 0;
}

int
app_key_check(struct app *a, struct app_error *err)
{
	struct store_audit_filter f = { 0 };
	struct newest_ctx c = { 0 };
	int rc;

	c.v = a->vault;
	f.limit = 1;
	if ((rc = store_audit_list(a->store, &f, NULL, newest_row, &c)) != RC_OK)
		return app_fail(err, rc, "cannot read the audit log");
	if (c.checked && !c.ok)
		return app_fail(err, RC_EINTEGRITY, "the newest audit row does not verify "
		    "with this master.key: the key does not belong to this database, or "
		    "the row was altered. Refusing to start; run `routecare audit verify` "
		    "with the right key");
	return RC_OK;
}
