/*
 * store.c — store.h dispatched to a backend: PostgreSQL when the argument to
 * store_open is a postgresql:// or postgres:// URL, otherwise the SQLite file it names.
 */
#include <stdlib.h>
#include <string.h>

#include "store/backend.h"
#include "store/store.h"

static int
is_pg_url(const char *s)
{
	return strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "postgres://", 11) == 0;
}

int
store_open(const char *path_or_url, struct store **out, char *msg, size_t msgsz)
{
	if (is_pg_url(path_or_url))
		return pg_store_open(path_or_url, out, msg, msgsz);
	return sqlite_store_open(path_or_url, out, msg, msgsz);
}

void
store_record_free(struct store_record *r)
{
	if (r == NULL)
		return;
	free(r->dk);
	free(r->body);
	r->dk = r->body = NULL;
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
	return s->ops->migrate(s);
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
store_in_transaction(struct store *s)
{
	return s->ops->in_transaction(s);
}

int
store_record_insert(struct store *s, const struct record_meta *m, const uint8_t *dk,
    size_t dk_len, const uint8_t *body, size_t body_len)
{
	return s->ops->record_insert(s, m, dk, dk_len, body, body_len);
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
	return s->ops->record_update(s, m, expected_rev, body, body_len);
}

int
store_record_keys_set(struct store *s, const char *record_id, const uint8_t
    (*keys)[STORE_BLIND_BYTES], size_t n)
{
	return s->ops->record_keys_set(s, record_id, keys, n);
}

int
store_record_erase(struct store *s, const char *record_id)
{
	return s->ops->record_erase(s, record_id);
}

int
store_record_list(struct store *s, const struct store_filter *f, int64_t *total,
    store_record_cb cb, void *arg)
{
	return s->ops->record_list(s, f, total, cb, arg);
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
	return s->ops->history_append(s, h);
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
	return s->ops->agency_insert(s, a);
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

int
store_user_insert(struct store *s, const struct store_user *u)
{
	return s->ops->user_insert(s, u);
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
	return s->ops->user_update(s, u);
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
	return s->ops->location_put(s, code, parent_code, level, names_json);
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
	return s->ops->session_insert(s, ss);
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
	return s->ops->session_touch(s, hash, last_seen);
}

int
store_session_delete(struct store *s, const uint8_t hash[STORE_HASH_BYTES])
{
	return s->ops->session_delete(s, hash);
}

int
store_session_delete_user(struct store *s, const char *user_id, const uint8_t *keep)
{
	return s->ops->session_delete_user(s, user_id, keep);
}

int
store_session_purge(struct store *s, int64_t now, int64_t idle_before)
{
	return s->ops->session_purge(s, now, idle_before);
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
	return s->ops->audit_insert(s, row);
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
