/*
 * backend.h — inside store/ only: the table of operations each backend fills, the
 * statement ids both SQL tables are indexed by, and the backends' entry points.
 * store.c dispatches every store.h call through s->ops; app/ never sees this file.
 */
#ifndef STORE_BACKEND_H
#define STORE_BACKEND_H

#include "store/store.h"

/* Statement ids: each backend has one SQL text per id (sqlite_sql[], pg_sql[]). */
enum stmt {
	STMT_BEGIN,
	STMT_COMMIT,
	STMT_ROLLBACK,
	STMT_SAVEPOINT,
	STMT_RELEASE,
	STMT_ROLLBACK_TO,
	STMT_SCHEMA_VERSION,
	STMT_MIGRATION_DONE,
	STMT_RECORD_INSERT,
	STMT_RECORD_DK_INSERT,
	STMT_RECORD_GET_ID,
	STMT_RECORD_GET_SHORT,
	STMT_RECORD_UPDATE,
	STMT_RECORD_REV,
	STMT_RECORD_DEADLINES_SET,
	STMT_KEYS_DELETE,
	STMT_KEYS_INSERT,
	STMT_ERASE_DK,
	STMT_ERASE_KEYS,
	STMT_ERASE_HISTORY,
	STMT_ERASE_RECORD,
	STMT_HISTORY_INSERT,
	STMT_HISTORY_LIST,
	STMT_AGENCY_INSERT,
	STMT_AGENCY_GET,
	STMT_AGENCY_LIST,
	STMT_USER_INSERT,
	STMT_USER_GET,
	STMT_USER_GET_NAME,
	STMT_USER_UPDATE,
	STMT_USER_LIST,
	STMT_USER_COUNT,
	STMT_LOCATION_PUT,
	STMT_LOCATION_EXISTS,
	STMT_LOCATION_COUNT,
	STMT_LOCATION_LIST,
	STMT_SESSION_INSERT,
	STMT_SESSION_GET,
	STMT_SESSION_TOUCH,
	STMT_SESSION_DELETE,
	STMT_SESSION_DELETE_USER,
	STMT_SESSION_PURGE,
	STMT_SESSION_COUNT,
	STMT_AUDIT_LAST,
	STMT_AUDIT_INSERT,
	STMT_AUDIT_WALK,
	STMT_CASELOAD,
	STMT_SESSION_USER,
	STMT_WRITE_LOCK,
	STMT_DOC_INSERT,
	STMT_DOC_PUT,
	STMT_DOC_GET,
	STMT_DOC_DELETE,
	STMT_DOC_DELETE_REF,
	STMT_KEY_COUNT,
	STMT_KEY_RECORDS,
	STMT__MAX
};

/* The columns store_record_count_by may group by; store.c maps the names of store.h
 * to these, each backend has one SQL expression per id and nothing else reaches SQL. */
enum group_col {
	GROUP_TYPE,
	GROUP_STATUS,
	GROUP_WORKFLOW,
	GROUP_RISK_LEVEL,
	GROUP_SEX,
	GROUP_AGE_BAND,
	GROUP_NATIONALITY,
	GROUP_LOCATION_CODE,	/* or its first location_len characters */
	GROUP_AGENCY_ID,
	GROUP_UASC,		/* flags & RECORD_FLAG_UASC: 1 or 0 */
	GROUP__MAX
};

/* One function per store.h call (store_open and store_record_free excepted). */
struct store_ops {
	void (*close)(struct store *s);
	int (*migrate)(struct store *s, int upto);	/* migrations 1..upto only */
	int (*schema_version)(struct store *s);
	int (*begin)(struct store *s);
	int (*commit)(struct store *s);
	int (*rollback)(struct store *s);
	int (*in_transaction)(struct store *s);
	int (*read_begin)(struct store *s);	/* NULL: nothing to do */
	int (*read_end)(struct store *s);
	/* another handle for another thread; NULL: store_open(path) and no group
	 * commit (store_groups_writes is 0) */
	int (*clone)(struct store *s, struct store **out, char *msg, size_t msgsz);
	int (*bulk)(struct store *s, int on);
	int (*cache)(struct store *s, int kib);	/* NULL: the backend has none */
	int (*record_insert)(struct store *s, const struct record_meta *m, const uint8_t
	    *dk, size_t dk_len, const uint8_t *body, size_t body_len);
	int (*record_get)(struct store *s, const char *type, const char *id_or_short,
	    struct store_record *out);
	int (*record_update)(struct store *s, const struct record_meta *m, int64_t
	    expected_rev, const uint8_t *body, size_t body_len);
	int (*record_deadlines_set)(struct store *s, const char *record_id,
	    const char *text);
	void (*keys_warm)(struct store *s, const uint8_t (*keys)[STORE_BLIND_BYTES],
	    size_t n);	/* NULL: nothing to warm */
	int (*record_keys_set)(struct store *s, const char *record_id, const uint8_t
	    (*keys)[STORE_BLIND_BYTES], size_t n);
	int (*record_erase)(struct store *s, const char *record_id);
	int (*record_list)(struct store *s, const struct store_filter *f, int64_t *total,
	    store_record_cb cb, void *arg);
	/* blocking reads; arguments checked by store.c */
	int (*key_count)(struct store *s, const uint8_t key[STORE_BLIND_BYTES], int64_t
	    cap, int64_t *count);
	int (*record_list_by_key)(struct store *s, const struct store_filter *f, const
	    uint8_t key[STORE_BLIND_BYTES], store_record_cb cb, void *arg);
	int (*key_records)(struct store *s, const uint8_t key[STORE_BLIND_BYTES], int64_t
	    limit, int (*cb)(void *arg, const char *record_id), void *arg);
	int (*record_list_ids)(struct store *s, const struct store_filter *f, const char
	    *const *ids, size_t nids, store_record_cb cb, void *arg);
	int (*record_index_ids)(struct store *s, const struct store_filter *f, const char
	    *const *ids, size_t nids, int (*cb)(void *arg, const struct record_meta *m),
	    void *arg);
	/* f and the groups checked by store.c */
	int (*record_count_by)(struct store *s, const struct store_filter *f, const enum
	    group_col *group, size_t ngroup, int location_len, int (*cb)(void *arg, const
	    struct store_count_row *row), void *arg);
	/* f, keys and the groups checked by store.c */
	int (*record_count_keys)(struct store *s, const struct store_filter *f, const
	    uint8_t (*keys)[STORE_BLIND_BYTES], size_t nkeys, const enum group_col *group,
	    size_t ngroup, int location_len, int (*cb)(void *arg, const struct
	    store_count_row *row), void *arg);
	int (*caseload)(struct store *s, const char *type, const char *agency_id, const
	    char *owner_id, const int64_t due[4], int64_t now, int (*cb)(void *arg, const
	    struct store_caseload_row *row), void *arg);
	int (*history_append)(struct store *s, const struct store_history *h);
	int (*history_list)(struct store *s, const char *record_id, int (*cb)(void *arg,
	    struct store_history *h), void *arg);
	int (*agency_insert)(struct store *s, const struct store_agency *a);
	int (*agency_get)(struct store *s, const char *id_or_code, struct store_agency
	    *out);
	int (*agency_list)(struct store *s, int (*cb)(void *arg, const struct store_agency
	    *a), void *arg);
	int (*user_insert)(struct store *s, const struct store_user *u);
	int (*user_get)(struct store *s, const char *id, struct store_user *out);
	int (*user_get_by_name)(struct store *s, const char *username, struct store_user
	    *out);
	int (*user_update)(struct store *s, const struct store_user *u);
	int (*user_list)(struct store *s, int (*cb)(void *arg, const struct store_user
	    *u), void *arg);
	int64_t (*user_count)(struct store *s);
	int (*location_put)(struct store *s, const char *code, const char *parent_code,
	    int level, const char *names_json);
	int (*location_exists)(struct store *s, const char *code);
	int64_t (*location_count)(struct store *s);
	int (*location_list)(struct store *s, int (*cb)(void *arg, const char *code, const
	    char *parent_code, int level, const char *names_json), void *arg);
	int (*session_insert)(struct store *s, const struct store_session *ss);
	int (*session_get)(struct store *s, const uint8_t hash[STORE_HASH_BYTES], struct
	    store_session *out);
	int (*session_user)(struct store *s, const uint8_t hash[STORE_HASH_BYTES], struct
	    store_session *ss, struct store_user *u);
	int (*session_touch)(struct store *s, const uint8_t hash[STORE_HASH_BYTES],
	    int64_t last_seen);
	int (*session_delete)(struct store *s, const uint8_t hash[STORE_HASH_BYTES]);
	int (*session_delete_user)(struct store *s, const char *user_id, const uint8_t
	    *keep);
	int (*session_purge)(struct store *s, int64_t now, int64_t idle_before);
	int64_t (*session_count)(struct store *s, int64_t now, int64_t idle_before);
	int (*audit_last)(struct store *s, int64_t *seq, uint8_t hash[STORE_HASH_BYTES]);
	int (*audit_insert)(struct store *s, const struct store_audit *row);
	int (*audit_list)(struct store *s, const struct store_audit_filter *f, int64_t
	    *total, int (*cb)(void *arg, struct store_audit *row), void *arg);
	int (*audit_walk)(struct store *s, int (*cb)(void *arg, struct store_audit *row),
	    void *arg);
	/* documents and filters checked by store.c */
	int (*doc_insert)(struct store *s, const struct store_doc *d);
	int (*doc_put)(struct store *s, const struct store_doc *d);
	int (*doc_get)(struct store *s, const char *kind, const char *id, struct store_doc
	    *out);
	int (*doc_delete)(struct store *s, const char *kind, const char *id);
	int (*doc_delete_ref)(struct store *s, const char *kind, const char *ref);
	int (*doc_list)(struct store *s, const struct store_doc_filter *f, int64_t *total,
	    store_doc_cb cb, void *arg);
	const char *(*path)(const struct store *s);
};

/* Every backend's handle starts with this. */
struct store {
	const struct store_ops	*ops;
	/* 1: its transactions join a group commit (SQLite clones): a write outside a
	 * transaction must take one (store.c does) rather than autocommit on a
	 * connection of its own, which would wait for the group's write lock */
	int			 grouped;
};

int	sqlite_store_open(const char *path, struct store **out, char *msg, size_t msgsz);
int	pg_store_open(const char *url, struct store **out, char *msg, size_t msgsz);

/* The SQL text of statement `id` in each dialect; NULL when missing (tests). */
const char *sqlite_store_sql(int id);
const char *pg_store_sql(int id);
/* How many migrations each backend has (they must agree). */
int	sqlite_store_migration_count(void);
int	pg_store_migration_count(void);

/* The group commit of SQLite handle `s` so far (tests, diagnostics): batches
 * committed, writers committed in them, handles waiting for the write connection
 * now. RC_ENOTFOUND when `s` is in no group (never cloned, or not SQLite). */
int	sqlite_store_group_stats(struct store *s, uint64_t *batches, uint64_t *writes,
	    size_t *queued);
/* The checkpoints the group's own thread ran, and how many of those failed. */
int	sqlite_store_checkpoint_stats(struct store *s, uint64_t *runs, uint64_t *failed);

/* Apply the migrations not yet applied up to `version` only (tests: an old schema). */
int	store_migrate_upto(struct store *s, int version);

#endif
