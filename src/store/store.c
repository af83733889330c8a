/*
 * store.c — store.h dispatched to a backend: PostgreSQL when the argument to
 * store_open is a postgresql:// or postgres:// URL, otherwise the SQLite file it names.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/id.h"
#include "store/backend.h"
#include "store/store.h"

/* The names store_record_count_by accepts: the whole whitelist of groupable columns. */
static const char *const group_names[GROUP__MAX] = {
	[GROUP_TYPE] = "type",
	[GROUP_STATUS] = "status",
	[GROUP_WORKFLOW] = "workflow",
	[GROUP_RISK_LEVEL] = "risk_level",
	[GROUP_SEX] = "sex",
	[GROUP_AGE_BAND] = "age_band",
	[GROUP_NATIONALITY] = "nationality",
	[GROUP_LOCATION_CODE] = "location_code",
	[GROUP_AGENCY_ID] = "agency_id",
	[GROUP_UASC] = "flags&1",
};

static int
is_pg_url(const char *s)
{
	return strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0;
}

/*
 * A write outside a transaction on a grouped handle (see store_clone) takes a
 * transaction of its own, and so its place in the group commit: on a connection of
 * its own it would wait for the write lock the group holds.
 */
static int
write_begin(struct store *s, int *own)
{
	*own = s->grouped && !s->ops->in_transaction(s);
	return *own ? s->ops->begin(s) : RC_OK;
}

static int
write_end(struct store *s, int own, int rc)
{
	if (!own)
		return rc;
	if (rc != RC_OK) {
		s->ops->rollback(s);
		return rc;
	}
	return s->ops->commit(s);
}

int
store_open(const char *path_or_url, struct store **out, char *msg, size_t msgsz)
{
	if (is_pg_url(path_or_url))
		return pg_store_open(path_or_url, out, msg, msgsz);
	return sqlite_store_open(path_or_url, out, msg, msgsz);
}

int
store_clone(struct store *s, struct store **out, char *msg, size_t msgsz)
{
	if (s->ops->clone != NULL)
		return s->ops->clone(s, out, msg, msgsz);
	return store_open(store_path(s), out, msg, msgsz);
}

int
store_groups_writes(const struct store *s)
{
	return s->ops->clone != NULL;
}

void
store_record_free(struct store_record *r)
{
	if (r == NULL)
		return;
	free(r->dk);
	free(r->body);
	free(r->deadlines);
	r->dk = r->body = NULL;
	r->deadlines = NULL;
	r->dk_len = r->body_len = 0;
}

void
store_close(struct store *s)
{
	if (s != NULL)
		s->ops->close(s);
}

int
store_migrate(struct store *s)
{
	return s->ops->migrate(s, INT_MAX);
}

int
store_migrate_upto(struct store *s, int version)
{
	return s->ops->migrate(s, version);
}

int
store_schema_version(struct store *s)
{
	return s->ops->schema_version(s);
}

int
store_begin(struct store *s)
{
	return s->ops->begin(s);
}

int
store_commit(struct store *s)
{
	return s->ops->commit(s);
}

int
store_rollback(struct store *s)
{
	return s->ops->rollback(s);
}

int
store_bulk(struct store *s, int on)
{
	return s->ops->bulk(s, on);
}

int
store_cache(struct store *s, int kib)
{
	if (s->ops->cache == NULL)
		return RC_OK;
	return s->ops->cache(s, kib);
}

int
store_in_transaction(struct store *s)
{
	return s->ops->in_transaction(s);
}

int
store_read_begin(struct store *s)
{
	return s->ops->read_begin != NULL ? s->ops->read_begin(s) : RC_OK;
}

int
store_read_end(struct store *s)
{
	return s->ops->read_end != NULL ? s->ops->read_end(s) : RC_OK;
}

int
store_record_insert(struct store *s, const struct record_meta *m, const uint8_t *dk,
    size_t dk_len, const uint8_t *body, size_t body_len)
{
	int own, rc;

	if ((rc = write_begin(s, &own)) != RC_OK)
		return rc;
	return write_end(s, own, s->ops->record_insert(s, m, dk, dk_len, body, body_len));
}

int
store_record_get(struct store *s, const char *type, const char *id_or_short, struct
    store_record *out)
{
	return s->ops->record_get(s, type, id_or_short, out);
}

int
store_record_update(struct store *s, const struct record_meta *m, int64_t expected_rev,
    const uint8_t *body, size_t body_len)
{
	int own, rc;

	if ((rc = write_begin(s, &own)) != RC_OK)
		return rc;
	return write_end(s, own, s->ops->record_update(s, m, expected_rev, body, body_len));
}

void
store_keys_warm(struct store *s, const uint8_t (*keys)[STORE_BLIND_BYTES], size_t n)
{
	if (s->ops->keys_warm != NULL)
		s->ops->keys_warm(s, keys, n);
}

int
store_record_keys_set(struct store *s, const char *record_id, const uint8_t
    (*keys)[STORE_BLIND_BYTES], size_t n)
{
	int own, rc;

	if ((rc = write_begin(s, &own)) != RC_OK)
		return rc;
	return write_end(s, own, s->ops->record_keys_set(s, record_id, keys, n));
}

int
store_record_deadlines_set(struct store *s, const char *record_id, const char *text)
{
	int own, rc;

	if ((rc = write_begin(s, &own)) != RC_OK)
		return rc;
	return write_end(s, own, s->ops->record_deadlines_set(s, record_id, text));
}

int
store_record_erase(struct store *s, const char *record_id)
{
	int own, rc;

	if ((rc = write_begin(s, &own)) != RC_OK)
		return rc;
	return write_end(s, own, s->ops->record_erase(s, record_id));
}

int
store_record_list(struct store *s, const struct store_filter *f, int64_t *total,
    store_record_cb cb, void *arg)
{
	return s->ops->record_list(s, f, total, cb, arg);
}

/* Checks of a record filter made here, so that both backends refuse the same. */
static int
filter_check(const struct store_filter *f)
{
	size_t t;

	if (f->type == NULL || *f->type == '\0' || f->nterms > STORE_KEY_GROUPS_MAX ||
	    (f->nterms > 0 && f->terms == NULL))
		return RC_EINVALID;
	for (t = 0; t < f->nterms; t++)
		if (f->terms[t].n < 1 || f->terms[t].n > STORE_KEY_ANY_MAX)
			return RC_EINVALID;
	return RC_OK;
}

int
store_key_count(struct store *s, const uint8_t key[STORE_BLIND_BYTES], int64_t cap,
    int64_t *count)
{
	*count = 0;
	if (key == NULL || cap < 1 || cap > STORE_KEY_COUNT_CAP)
		return RC_EINVALID;
	return s->ops->key_count(s, key, cap, count);
}

int
store_record_list_by_key(struct store *s, const struct store_filter *f,
    const uint8_t key[STORE_BLIND_BYTES], store_record_cb cb, void *arg)
{
	int rc;

	if ((rc = filter_check(f)) != RC_OK)
		return rc;
	if (key == NULL || f->limit < 1 || f->limit > 1000 || f->offset != 0)
		return RC_EINVALID;
	return s->ops->record_list_by_key(s, f, key, cb, arg);
}

int
store_key_records(struct store *s, const uint8_t key[STORE_BLIND_BYTES], int64_t limit,
    int (*cb)(void *arg, const char *record_id), void *arg)
{
	if (key == NULL || cb == NULL || limit < 1 || limit > STORE_KEY_COUNT_CAP)
		return RC_EINVALID;
	return s->ops->key_records(s, key, limit, cb, arg);
}

/* Checks of an id list made here, so that both backends refuse the same; only UUIDs,
 * which PostgreSQL's array literal takes without quoting. */
static int
ids_check(const struct store_filter *f, const char *const *ids, size_t nids)
{
	size_t i;
	int rc;

	if ((rc = filter_check(f)) != RC_OK)
		return rc;
	if (f->nterms != 0 || ids == NULL || nids < 1 || nids > STORE_IDS_MAX)
		return RC_EINVALID;
	for (i = 0; i < nids; i++)
		if (ids[i] == NULL || !id_is_uuid(ids[i]))
			return RC_EINVALID;
	return RC_OK;
}

int
store_record_list_ids(struct store *s, const struct store_filter *f,
    const char *const *ids, size_t nids, store_record_cb cb, void *arg)
{
	int rc;

	if ((rc = ids_check(f, ids, nids)) != RC_OK)
		return rc;
	return s->ops->record_list_ids(s, f, ids, nids, cb, arg);
}

int
store_record_index_ids(struct store *s, const struct store_filter *f,
    const char *const *ids, size_t nids,
    int (*cb)(void *arg, const struct record_meta *m), void *arg)
{
	int rc;

	if ((rc = ids_check(f, ids, nids)) != RC_OK)
		return rc;
	return s->ops->record_index_ids(s, f, ids, nids, cb, arg);
}

int
store_record_count_by(struct store *s, const struct store_filter *f,
    const char *const *group, size_t ngroup, int location_len,
    int (*cb)(void *arg, const struct store_count_row *row), void *arg)
{
	enum group_col cols[STORE_GROUP_MAX];
	size_t i;
	int c, rc;

	if ((rc = filter_check(f)) != RC_OK)
		return rc;
	if (ngroup > STORE_GROUP_MAX || (ngroup > 0 && group == NULL) ||
	    location_len < 0 || location_len > STORE_LOCATION_LEN_MAX)
		return RC_EINVALID;
	for (i = 0; i < ngroup; i++) {
		for (c = 0; c < GROUP__MAX; c++)
			if (group[i] != NULL && strcmp(group[i], group_names[c]) == 0)
				break;
		if (c == GROUP__MAX)
			return RC_EINVALID;
		cols[i] = (enum group_col)c;
	}
	return s->ops->record_count_by(s, f, cols, ngroup, location_len, cb, arg);
}

int
store_record_count_keys(struct store *s, const struct store_filter *f,
    const uint8_t (*keys)[STORE_BLIND_BYTES], size_t nkeys, const char *const *group,
    size_t ngroup, int location_len,
    int (*cb)(void *arg, const struct store_count_row *row), void *arg)
{
	enum group_col cols[STORE_GROUP_MAX];
	size_t i;
	int c, rc;

	if ((rc = filter_check(f)) != RC_OK)
		return rc;
	if (f->nterms != 0 || keys == NULL || nkeys < 1 || nkeys > STORE_COUNT_KEYS_MAX ||
	    ngroup > STORE_GROUP_MAX - 1 || (ngroup > 0 && group == NULL) ||
	    location_len < 0 || location_len > STORE_LOCATION_LEN_MAX)
		return RC_EINVALID;
	for (i = 0; i < ngroup; i++) {
		for (c = 0; c < GROUP__MAX; c++)
			if (group[i] != NULL && strcmp(group[i], group_names[c]) == 0)
				break;
		if (c == GROUP__MAX)
			return RC_EINVALID;
		cols[i] = (enum group_col)c;
	}
	return s->ops->record_count_keys(s, f, keys, nkeys, cols, ngroup, location_len, cb,
	    arg);
}

int
store_caseload(struct store *s, const char *type, const char *agency_id, const char
    *owner_id, const int64_t due[4], int64_t now, int (*cb)(void *arg, const struct
    store_caseload_row *row), void *arg)
{
	return s->ops->caseload(s, type, agency_id, owner_id, due, now, cb, arg);
}

int
store_history_append(struct store *s, const struct store_history *h)
{
	int own, rc;

	if ((rc = write_begin(s, &own)) != RC_OK)
		return rc;
	return write_end(s, own, s->ops->history_append(s, h));
}

int
store_history_list(struct store *s, const char *record_id, int (*cb)(void *arg, struct
    store_history *h), void *arg)
{
	return s->ops->history_list(s, record_id, cb, arg);
}

int
store_agency_insert(struct store *s, const struct store_agency *a)
{
	int own, rc;

	if ((rc = write_begin(s, &own)) != RC_OK)
		return rc;
	return write_end(s, own, s->ops->agency_insert(s, a));
}

int
store_agency_get(struct store *s, const char *id_or_code, struct store_agency *out)
{
	return s->ops->agency_get(s, id_or_code, out);
}

int
store_agency_list(struct store *s, int (*cb)(void *arg, const struct store_agency *a),
    void *arg)
{
	return s->ops->agency_list(s, cb, arg);
}

/* ---- documents ---------------------------------------------------------------- */

void
store_doc_free(struct store_doc *d)
{
	if (d == NULL)
		return;
	free(d->body);
	d->body = NULL;
}

/* 1 when the fixed-size string `p` (size n) is NUL-terminated and not empty. */
static int
str_set(const char *p, size_t n)
{
	return memchr(p, '\0', n) != NULL && *p != '\0';
}

/* 1 when `p` (size n) is NUL-terminated, empty or not. */
static int
str_ok(const char *p, size_t n)
{
	return memchr(p, '\0', n) != NULL;
}

static int
doc_check(const struct store_doc *d)
{
	if (!str_set(d->kind, sizeof(d->kind)) || !str_set(d->id, sizeof(d->id)) ||
	    !str_ok(d->ref, sizeof(d->ref)) || !str_ok(d->owner_id, sizeof(d->owner_id)) ||
	    !str_ok(d->agency_id, sizeof(d->agency_id)) || d->body == NULL)
		return RC_EINVALID;
	if (strnlen(d->body, STORE_DOC_BODY_MAX + 1) > STORE_DOC_BODY_MAX)
		return RC_ETOOBIG;
	return RC_OK;
}

/* A key argument: set, and short enough to be one. */
static int
key_ok(const char *k, size_t size)
{
	return k != NULL && *k != '\0' && strnlen(k, size) < size;
}

int
store_doc_insert(struct store *s, const struct store_doc *d)
{
	int own, rc;

	if ((rc = doc_check(d)) != RC_OK)
		return rc;
	if ((rc = write_begin(s, &own)) != RC_OK)
		return rc;
	return write_end(s, own, s->ops->doc_insert(s, d));
}

int
store_doc_put(struct store *s, const struct store_doc *d)
{
	int own, rc;

	if ((rc = doc_check(d)) != RC_OK)
		return rc;
	if ((rc = write_begin(s, &own)) != RC_OK)
		return rc;
	return write_end(s, own, s->ops->doc_put(s, d));
}

int
store_doc_get(struct store *s, const char *kind, const char *id, struct store_doc *out)
{
	memset(out, 0, sizeof(*out));
	if (!key_ok(kind, STORE_DOC_KIND_SIZE) || !key_ok(id, STORE_DOC_ID_SIZE))
		return RC_ENOTFOUND;
	return s->ops->doc_get(s, kind, id, out);
}

int
store_doc_delete(struct store *s, const char *kind, const char *id)
{
	int own, rc;

	if (!key_ok(kind, STORE_DOC_KIND_SIZE) || !key_ok(id, STORE_DOC_ID_SIZE))
		return RC_EINVALID;
	if ((rc = write_begin(s, &own)) != RC_OK)
		return rc;
	return write_end(s, own, s->ops->doc_delete(s, kind, id));
}

int
store_doc_delete_ref(struct store *s, const char *kind, const char *ref)
{
	int own, rc;

	if (!key_ok(kind, STORE_DOC_KIND_SIZE) || !key_ok(ref, STORE_DOC_ID_SIZE))
		return RC_EINVALID;
	if ((rc = write_begin(s, &own)) != RC_OK)
		return rc;
	return write_end(s, own, s->ops->doc_delete_ref(s, kind, ref));
}

int
store_doc_list(struct store *s, const struct store_doc_filter *f, int64_t *total,
    store_doc_cb cb, void *arg)
{
	if (!key_ok(f->kind, STORE_DOC_KIND_SIZE) || f->limit < 1 ||
	    f->limit > STORE_DOC_LIST_MAX || f->offset < 0)
		return RC_EINVALID;
	if (f->owner_or_agency && (f->owner_id == NULL || *f->owner_id == '\0' ||
	    f->agency_id == NULL || *f->agency_id == '\0'))
		return RC_EINVALID;
	return s->ops->doc_list(s, f, total, cb, arg);
}

int
store_user_insert(struct store *s, const struct store_user *u)
{
	int own, rc;

	if ((rc = write_begin(s, &own)) != RC_OK)
		return rc;
	return write_end(s, own, s->ops->user_insert(s, u));
}

int
store_user_get(struct store *s, const char *id, struct store_user *out)
{
	return s->ops->user_get(s, id, out);
}

int
store_user_get_by_name(struct store *s, const char *username, struct store_user *out)
{
	return s->ops->user_get_by_name(s, username, out);
}

int
store_user_update(struct store *s, const struct store_user *u)
{
	int own, rc;

	if ((rc = write_begin(s, &own)) != RC_OK)
		return rc;
	return write_end(s, own, s->ops->user_update(s, u));
}

int
store_user_list(struct store *s, int (*cb)(void *arg, const struct store_user *u), void
    *arg)
{
	return s->ops->user_list(s, cb, arg);
}

int64_t
store_user_count(struct store *s)
{
	return s->ops->user_count(s);
}

int
store_location_put(struct store *s, const char *code, const char *parent_code, int
    level, const char *names_json)
{
	int own, rc;

	if ((rc = write_begin(s, &own)) != RC_OK)
		return rc;
	return write_end(s, own, s->ops->location_put(s, code, parent_code, level, names_json));
}

int
store_location_exists(struct store *s, const char *code)
{
	return s->ops->location_exists(s, code);
}

int64_t
store_location_count(struct store *s)
{
	return s->ops->location_count(s);
}

int
store_location_list(struct store *s, int (*cb)(void *arg, const char *code, const char
    *parent_code, int level, const char *names_json), void *arg)
{
	return s->ops->location_list(s, cb, arg);
}

int
store_session_insert(struct store *s, const struct store_session *ss)
{
	int own, rc;

	if ((rc = write_begin(s, &own)) != RC_OK)
		return rc;
	return write_end(s, own, s->ops->session_insert(s, ss));
}

int
store_session_get(struct store *s, const uint8_t hash[STORE_HASH_BYTES], struct
    store_session *out)
{
	return s->ops->session_get(s, hash, out);
}

int
store_session_user(struct store *s, const uint8_t hash[STORE_HASH_BYTES], struct
    store_session *ss, struct store_user *u)
{
	return s->ops->session_user(s, hash, ss, u);
}

int
store_session_touch(struct store *s, const uint8_t hash[STORE_HASH_BYTES], int64_t
    last_seen)
{
	int own, rc;

	if ((rc = write_begin(s, &own)) != RC_OK)
		return rc;
	return write_end(s, own, s->ops->session_touch(s, hash, last_seen));
}

int
store_session_delete(struct store *s, const uint8_t hash[STORE_HASH_BYTES])
{
	int own, rc;

	if ((rc = write_begin(s, &own)) != RC_OK)
		return rc;
	return write_end(s, own, s->ops->session_delete(s, hash));
}

int
store_session_delete_user(struct store *s, const char *user_id, const uint8_t *keep)
{
	int own, rc;

	if ((rc = write_begin(s, &own)) != RC_OK)
		return rc;
	return write_end(s, own, s->ops->session_delete_user(s, user_id, keep));
}

int
store_session_purge(struct store *s, int64_t now, int64_t idle_before)
{
	int own, rc;

	if ((rc = write_begin(s, &own)) != RC_OK)
		return rc;
	return write_end(s, own, s->ops->session_purge(s, now, idle_before));
}

int64_t
store_session_count(struct store *s, int64_t now, int64_t idle_before)
{
	return s->ops->session_count(s, now, idle_before);
}

int
store_audit_last(struct store *s, int64_t *seq, uint8_t hash[STORE_HASH_BYTES])
{
	return s->ops->audit_last(s, seq, hash);
}

int
store_audit_insert(struct store *s, const struct store_audit *row)
{
	int own, rc;

	if ((rc = write_begin(s, &own)) != RC_OK)
		return rc;
	return write_end(s, own, s->ops->audit_insert(s, row));
}

int
store_audit_list(struct store *s, const struct store_audit_filter *f, int64_t *total,
    int (*cb)(void *arg, struct store_audit *row), void *arg)
{
	return s->ops->audit_list(s, f, total, cb, arg);
}

int
store_audit_walk(struct store *s, int (*cb)(void *arg, struct store_audit *row), void
    *arg)
{
	return s->ops->audit_walk(s, cb, arg);
}

const char *
store_path(const struct store *s)
{
	return s->ops->path(s);
}
