/*
 * store.h — the one persistence interface. app/ calls it; web/ and cli/ never do.
 *
 * The store keeps what it is given: sealed bodies, wrapped keys, blind-index keys and
 * the cleartext index columns of struct record_meta. It never sees a plaintext record.
 * Each statement has an id and one SQL text per dialect (sqlite.c, postgres.c; ids in
 * backend.h, dispatch in store.c);
 * parameters are always bound. Schema changes are numbered migrations.
 *
 * Functions return RC_OK or a negative enum rc code (base/err.h). A store handle is used
 * by one thread at a time; other threads take a handle of their own (store_clone).
 */
#ifndef STORE_STORE_H
#define STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "base/id.h"
#include "base/record_meta.h"

#define STORE_BLIND_BYTES	16	/* = VAULT_BLIND_BYTES */
#define STORE_KEY_ANY_MAX	4	/* alternatives per search term */
#define STORE_KEY_GROUPS_MAX	8	/* search terms per query */

struct store;

/* Open `path`: a PostgreSQL database when it starts with postgresql:// or postgres://,
 * else the SQLite file at that path (created when absent, WAL, durable commits).
 * `msg` says what failed, never the URL's password. Freed with store_close(). */
int	store_open(const char *path, struct store **out, char *msg, size_t msgsz);
void	store_close(struct store *s);		/* NULL is fine */
/* Apply every migration not yet applied, each in its own transaction. */
int	store_migrate(struct store *s);
/* The highest migration applied, or -1. */
int	store_schema_version(struct store *s);

/*
 * Another handle on the database of `s`, for another thread; freed with store_close()
 * (in any order). On SQLite, `s` and the handles cloned from it (and from those) form
 * one write group: their transactions run on one shared write connection, each inside
 * a savepoint of a batch transaction that one fsync commits for all (group commit;
 * docs/data.md). On PostgreSQL a clone is a connection of its own.
 */
int	store_clone(struct store *s, struct store **out, char *msg, size_t msgsz);
/* 1 when the clones of `s` group their commits (SQLite), 0 when each commits alone. */
int	store_groups_writes(const struct store *s);

/*
 * Transactions, not nested. store_begin takes the write lock (SQLite: BEGIN IMMEDIATE,
 * or a turn on the group's write connection; every read inside sees the transaction's
 * own writes and those of the batch). store_commit returns once the work is durable:
 * RC_OK, or an error with nothing of it stored (in a group: when the batch commit
 * failed, every member of the batch gets the error). store_rollback undoes this
 * handle's work alone. A write outside a transaction on a grouped handle takes a
 * transaction of its own.
 */
int	store_begin(struct store *s);
int	store_commit(struct store *s);
int	store_rollback(struct store *s);	/* safe to call when no transaction */
int	store_in_transaction(struct store *s);	/* 1 while a transaction is open */
/*
 * A read snapshot: the reads until store_read_end() see one state of the database,
 * at the cost of one read lock instead of one per statement (SQLite; nothing on
 * PostgreSQL). Not a transaction: store_in_transaction() stays 0, and a write or
 * store_begin() ends it first, then runs as without it. No-op when one is open or a
 * transaction is; store_read_end() is one when none is.
 */
int	store_read_begin(struct store *s);
int	store_read_end(struct store *s);
/* Bulk loading on (1) or off (0) for this handle: a larger page cache and fewer WAL
 * checkpoints on SQLite (nothing to change on PostgreSQL). Every commit stays as
 * durable as ever; only memory use grows while it is on. */
int	store_bulk(struct store *s, int on);
/* Keep this handle's own page cache to `kib` KiB (SQLite; nothing on PostgreSQL). */
int	store_cache(struct store *s, int kib);

/* ---- records ---------------------------------------------------------------- */

struct store_record {
	struct record_meta	 m;
	uint8_t			*dk;		/* wrapped data key (malloc'd) */
	size_t			 dk_len;
	uint8_t			*body;		/* sealed body (malloc'd) */
	size_t			 body_len;
	/* the record's deadlines as store_record_deadlines_set() kept them, "" for
	 * none; NULL when never kept (saved before migration 6). malloc'd */
	char			*deadlines;
};

void	store_record_free(struct store_record *r);	/* frees dk, body, deadlines; not r */

/* Insert a new record with rev m->rev (1), its wrapped key and sealed body.
 * RC_EEXIST when the id or the short id is taken (the caller draws a new short id). */
int	store_record_insert(struct store *s, const struct record_meta *m,
	    const uint8_t *dk, size_t dk_len, const uint8_t *body, size_t body_len);
/* Fetch by id or short id. RC_ENOTFOUND when absent (or its key was erased). */
int	store_record_get(struct store *s, const char *type, const char *id_or_short,
	    struct store_record *out);
/* Replace the index columns and body of m->id, whose stored rev must equal
 * `expected_rev`; the stored rev becomes m->rev. RC_ECONFLICT when the rev differs,
 * RC_ENOTFOUND when there is no such record; nothing is written then. */
int	store_record_update(struct store *s, const struct record_meta *m,
	    int64_t expected_rev, const uint8_t *body, size_t body_len);
/* Replace the blind-index keys of a record. */
int	store_record_keys_set(struct store *s, const char *record_id,
	    const uint8_t (*keys)[STORE_BLIND_BYTES], size_t n);
/* Before a write, outside its transaction: read the index pages that filing `keys`
 * will change, so that they are in memory when the write's turn comes (SQLite, where
 * writers take turns on one connection and each of a million-case index's pages not
 * cached is a disk read in that turn; nothing on PostgreSQL). Failures are ignored. */
void	store_keys_warm(struct store *s, const uint8_t (*keys)[STORE_BLIND_BYTES],
	    size_t n);
/* Keep `text` (cleartext: codes and dates, never a child's data) as the deadlines of
 * record `record_id`, for its views to read with it; in the caller's transaction. */
int	store_record_deadlines_set(struct store *s, const char *record_id,
	    const char *text);
/* Erase a record for good: its data key, body, keys and history (crypto-shredding). */
int	store_record_erase(struct store *s, const char *record_id);

/* One search term: a record matches when it has any of the keys. */
struct store_key_any {
	uint8_t	k[STORE_KEY_ANY_MAX][STORE_BLIND_BYTES];
	size_t	n;
};

/* List filter: NULL or "" means "any", a time of 0 "unbounded"; the fields that are set
 * must all hold. Scope fields come from the access policy. */
struct store_filter {
	const char			*type;		/* required */
	const char			*agency_id;	/* scope: agency */
	const char			*owner_id;	/* scope: own */
	const char			*location_prefix; /* scope: location subtree */
	/* scope: what this agency holds or was sent (agency_id or peer_agency_id) */
	const char			*peer_or_agency_id;
	const char			*status;
	const char			*workflow;
	const char			*risk_level;
	const char			*sex;
	const char			*age_band;
	const char			*nationality;
	const char			*location_code;	/* filter: this code or below */
	const char			*link_id;	/* records linked to this one */
	const char			*peer_agency_id; /* sent to this agency */
	int64_t				 updated_since;	/* updated_at >= this */
	int64_t				 created_from;	/* created_at >= this */
	int64_t				 created_to;	/* created_at < this */
	const struct store_key_any	*terms;		/* every term must match */
	size_t				 nterms;
	int64_t				 limit;		/* rows per page, 1..1000 */
	int64_t				 offset;
};

/* Called once per row, newest update first; the callback owns `r` (store_record_free)
 * and returns 0 to go on or an rc to stop (returned by store_record_list). */
typedef int (*store_record_cb)(void *arg, struct store_record *r);

/* Rows matching `f` in pages; `*total` (when not NULL) is the count of all matches.
 * With search terms, RC_EINVALID when a word has too many index entries to read
 * (800,000 on SQLite, its keys together): the caller asks for another word. */
int	store_record_list(struct store *s, const struct store_filter *f, int64_t *total,
	    store_record_cb cb, void *arg);

/*
 * Blocking for record linkage (app/match.c): reads that start from the key index, so
 * that their cost follows the records of one key, not the size of the caseload.
 *
 * store_key_count: how many records, of any type, have blind key `key`, counted up to
 * `cap` (1..1000000): `*count` = min(that number, cap).
 * store_record_list_by_key: the records matching `f` (type, scope and filters; its
 * terms, when set, are further keys each record must also have) that have blind key
 * `key`, in no particular order, at most f->limit (1..1000; offset must be 0); the
 * callback as for store_record_list.
 */
#define STORE_KEY_COUNT_CAP	1000000
int	store_key_count(struct store *s, const uint8_t key[STORE_BLIND_BYTES], int64_t cap,
	    int64_t *count);
int	store_record_list_by_key(struct store *s, const struct store_filter *f,
	    const uint8_t key[STORE_BLIND_BYTES], store_record_cb cb, void *arg);

/*
 * Ranking candidates before opening any (app/match.c):
 *
 * store_key_records: the ids of the records, of any type or scope, that have blind key
 * `key`, read from the key index alone, at most `limit` (1..STORE_KEY_COUNT_CAP), in
 * no particular order. `cb` gets each id (valid during the call only) and returns 0
 * to go on or an rc to stop (returned).
 * store_record_list_ids: the records among the `nids` ids of `ids` (1..STORE_IDS_MAX)
 * that match `f` (type, scope and filters; terms must be empty, limit and offset are
 * unused), in one query, in no particular order; an id that names no such record is
 * left out. The callback as for store_record_list.
 */
#define STORE_IDS_MAX		256
int	store_key_records(struct store *s, const uint8_t key[STORE_BLIND_BYTES],
	    int64_t limit, int (*cb)(void *arg, const char *record_id), void *arg);
int	store_record_list_ids(struct store *s, const struct store_filter *f,
	    const char *const *ids, size_t nids, store_record_cb cb, void *arg);
/*
 * store_record_index_ids: as store_record_list_ids, but only the index columns of each
 * record, read from the narrow index of the records without their rows: `m` has id,
 * type, agency_id, owner_id, created_at, sex, age_band, nationality, location_code,
 * risk_level, workflow, status and flags; every other member is empty or 0. `m` is
 * valid during the call only; `cb` returns 0 to go on or an rc to stop (returned).
 */
int	store_record_index_ids(struct store *s, const struct store_filter *f,
	    const char *const *ids, size_t nids,
	    int (*cb)(void *arg, const struct record_meta *m), void *arg);

/*
 * Counts for reports: the records matching `f` (limit and offset unused) grouped by the
 * columns named in `group` (ngroup 0..STORE_GROUP_MAX; none: one row, the total).
 * Names: "type", "status", "workflow", "risk_level", "sex", "age_band", "nationality",
 * "location_code", "agency_id" and "flags&1" (UASC: "1" or "0"); any other name is
 * RC_EINVALID. `location_len` 1..STORE_LOCATION_LEN_MAX groups "location_code" by its
 * first location_len characters (an admin level); 0 by the whole code. Rows come in
 * ascending order of their values; row->value[i] is the value of group[i]; `row` is
 * valid during the call only. The callback returns 0 to go on or an rc to stop.
 */
#define STORE_GROUP_MAX		4
#define STORE_GROUP_VALUE_SIZE	40	/* fits every groupable column */
#define STORE_LOCATION_LEN_MAX	31	/* = sizeof(record_meta.location_code) - 1 */

struct store_count_row {
	char	value[STORE_GROUP_MAX][STORE_GROUP_VALUE_SIZE];
	int64_t	count;
};

int	store_record_count_by(struct store *s, const struct store_filter *f,
	    const char *const *group, size_t ngroup, int location_len,
	    int (*cb)(void *arg, const struct store_count_row *row), void *arg);

/*
 * Counts for what only the blind index holds (protection concerns): the records
 * matching `f` that have blind key keys[i], for each of the `nkeys` keys (1..
 * STORE_COUNT_KEYS_MAX), grouped further by `group` (0..STORE_GROUP_MAX - 1 names, as
 * store_record_count_by takes them, with `location_len` alike). A record with several
 * of the keys counts under each. row->value[0] is the key's index in `keys` in
 * decimal ("0", "1", ...), row->value[1 + i] the value of group[i]; keys no record
 * has give no row. f->terms must be empty (RC_EINVALID otherwise). One query: it
 * walks the index entries of the keys, not the records.
 */
#define STORE_COUNT_KEYS_MAX	64

int	store_record_count_keys(struct store *s, const struct store_filter *f,
	    const uint8_t (*keys)[STORE_BLIND_BYTES], size_t nkeys,
	    const char *const *group, size_t ngroup, int location_len,
	    int (*cb)(void *arg, const struct store_count_row *row), void *arg);

/* Open records per owner and risk level, with how many passed their response time
 * while still in workflow "new". `due` holds the seconds allowed for high, medium, low
 * and no risk level. Filters as in store_filter (NULL = any). */
struct store_caseload_row {
	char	owner_id[ID_SIZE];
	char	risk_level[16];
	int64_t	open;
	int64_t	overdue;
};

int	store_caseload(struct store *s, const char *type, const char *agency_id,
	    const char *owner_id, const int64_t due[4], int64_t now,
	    int (*cb)(void *arg, const struct store_caseload_row *row), void *arg);

/* ---- record history ---------------------------------------------------------- */

struct store_history {
	char		 record_id[ID_SIZE];
	int64_t		 rev;
	int64_t		 at;
	char		 user_id[ID_SIZE];
	char		 action[16];	/* "create", "update" */
	uint8_t		*body;		/* sealed under the record's key (malloc'd) */
	size_t		 body_len;
};

int	store_history_append(struct store *s, const struct store_history *h);
/* Entries of a record, oldest first; the callback owns `h->body` (free()). */
int	store_history_list(struct store *s, const char *record_id,
	    int (*cb)(void *arg, struct store_history *h), void *arg);

/* ---- agencies, users, locations, meta --------------------------------------- */

struct store_agency {
	char	id[ID_SIZE];
	char	code[32];
	char	name[128];
	int64_t	created_at;
};

int	store_agency_insert(struct store *s, const struct store_agency *a);	/* RC_EEXIST */
int	store_agency_get(struct store *s, const char *id_or_code, struct store_agency *out);
int	store_agency_list(struct store *s,
	    int (*cb)(void *arg, const struct store_agency *a), void *arg);

struct store_user {
	char	id[ID_SIZE];
	char	username[64];
	char	full_name[128];
	char	role[32];
	char	agency_id[ID_SIZE];
	char	location_code[32];
	char	language[8];
	char	password_hash[128];	/* crypto_pwhash_str output */
	int	disabled;
	int	failed_logins;
	int64_t	locked_until;
	int64_t	created_at;
	int64_t	updated_at;
};

int	store_user_insert(struct store *s, const struct store_user *u);	/* RC_EEXIST */
int	store_user_get(struct store *s, const char *id, struct store_user *out);
int	store_user_get_by_name(struct store *s, const char *username,
	    struct store_user *out);
int	store_user_update(struct store *s, const struct store_user *u);
int	store_user_list(struct store *s,
	    int (*cb)(void *arg, const struct store_user *u), void *arg);
int64_t	store_user_count(struct store *s);	/* -1 on error */

/* Upsert one location; `names_json` is {"en": ..., "fr": ..., ...}. */
int	store_location_put(struct store *s, const char *code, const char *parent_code,
	    int level, const char *names_json);
int	store_location_exists(struct store *s, const char *code);	/* 1, 0, or rc */
int64_t	store_location_count(struct store *s);
/* Every location, ordered by code; strings are valid during the call only. */
int	store_location_list(struct store *s, int (*cb)(void *arg, const char *code,
	    const char *parent_code, int level, const char *names_json), void *arg);

/* ---- documents ------------------------------------------------------------------ */

/*
 * Small cleartext JSON documents that are NOT child data: service directory entries,
 * trusted partner instances, the transfer package log and its replay protection, match
 * candidates and decisions between a trace and a case (ids, scores, decision codes
 * only), tasks (record id, kind, due time). Nothing that names, describes or locates a
 * child goes here: that belongs in a sealed record body. (kind, id) is unique.
 */
#define STORE_DOC_KIND_SIZE	32
#define STORE_DOC_ID_SIZE	128
#define STORE_DOC_BODY_MAX	(64 * 1024)	/* bytes of body, without the NUL */

struct store_doc {
	char	 kind[STORE_DOC_KIND_SIZE];	/* "task", "service", ...; required */
	char	 id[STORE_DOC_ID_SIZE];		/* required */
	char	 ref[STORE_DOC_ID_SIZE];	/* what it is about (a record id); "" */
	char	 owner_id[ID_SIZE];		/* "" when none */
	char	 agency_id[ID_SIZE];		/* "" when none */
	int64_t	 at;		/* the caller's sort key: a due time, score * 1e6, ... */
	char	*body;		/* JSON text; written as given, never parsed */
	int64_t	 updated_at;
};

/* Frees d->body (read docs own it; malloc'd), not d. NULL is fine. */
void	store_doc_free(struct store_doc *d);

/* Add a document. RC_EEXIST when (kind, id) is taken: nothing changes (replay
 * protection relies on it). RC_EINVALID for an empty kind or id, a string field
 * without its NUL or a NULL body; RC_ETOOBIG for a body over STORE_DOC_BODY_MAX.
 * The store copies; `d` stays the caller's. */
int	store_doc_insert(struct store *s, const struct store_doc *d);
/* Add or replace (kind, id) with every column of `d`. Checks as store_doc_insert. */
int	store_doc_put(struct store *s, const struct store_doc *d);
/* Read (kind, id) into `out`; free out->body with store_doc_free. RC_ENOTFOUND
 * (out->body is NULL on any failure). */
int	store_doc_get(struct store *s, const char *kind, const char *id,
	    struct store_doc *out);
/* Delete (kind, id). RC_ENOTFOUND when there was none. */
int	store_doc_delete(struct store *s, const char *kind, const char *id);
/* Delete every document of `kind` about `ref` (none is fine); `ref` must not be "". */
int	store_doc_delete_ref(struct store *s, const char *kind, const char *ref);

/* Document filter: NULL or "" means "any", at bounds of 0 "unbounded". */
#define STORE_DOC_LIST_MAX	10000
struct store_doc_filter {
	const char	*kind;		/* required */
	const char	*ref;
	const char	*owner_id;
	const char	*agency_id;
	int		 owner_or_agency; /* 1: owner_id OR agency_id matches (both set) */
	int64_t		 at_min;	/* at >= at_min */
	int64_t		 at_max;	/* at <= at_max */
	int		 descending;	/* 1: largest at first; else smallest first */
	int64_t		 limit;		/* rows per page, 1..STORE_DOC_LIST_MAX */
	int64_t		 offset;
};

/* Called once per row, by at (largest first when f->descending), ties by id; the
 * callback owns `d` (store_doc_free) and returns 0 to go on or an rc to stop
 * (returned by store_doc_list). */
typedef int (*store_doc_cb)(void *arg, struct store_doc *d);

/* Documents matching `f` in pages; `*total` (when not NULL) counts all matches. */
int	store_doc_list(struct store *s, const struct store_doc_filter *f, int64_t *total,
	    store_doc_cb cb, void *arg);

/* ---- sessions ----------------------------------------------------------------- */

#define STORE_HASH_BYTES	32

struct store_session {
	uint8_t	token_hash[STORE_HASH_BYTES];	/* keyed hash; the token is never stored */
	char	user_id[ID_SIZE];
	int64_t	created_at;
	int64_t	last_seen;
	int64_t	expires_at;
};

int	store_session_insert(struct store *s, const struct store_session *ss);
int	store_session_get(struct store *s, const uint8_t hash[STORE_HASH_BYTES],
	    struct store_session *out);				/* RC_ENOTFOUND */
/* The session and its user in one read. RC_ENOTFOUND when either is missing. */
int	store_session_user(struct store *s, const uint8_t hash[STORE_HASH_BYTES],
	    struct store_session *ss, struct store_user *u);
int	store_session_touch(struct store *s, const uint8_t hash[STORE_HASH_BYTES],
	    int64_t last_seen);
int	store_session_delete(struct store *s, const uint8_t hash[STORE_HASH_BYTES]);
/* End every session of a user, except `keep` when not NULL. */
int	store_session_delete_user(struct store *s, const char *user_id,
	    const uint8_t *keep);
/* Delete sessions whose absolute expiry or idle limit passed. */
int	store_session_purge(struct store *s, int64_t now, int64_t idle_before);
int64_t	store_session_count(struct store *s, int64_t now, int64_t idle_before);

/* ---- audit chain ---------------------------------------------------------------- */

struct store_audit {
	int64_t	 seq;
	int64_t	 at;
	char	 user_id[ID_SIZE];
	char	 agency_id[ID_SIZE];	/* the acting user's agency at the time */
	char	 action[32];
	char	 record_id[ID_SIZE];
	char	*fields;		/* JSON array of field ids (malloc'd; may be NULL) */
	char	 outcome[64];
	uint8_t	 prev_hash[STORE_HASH_BYTES];
	uint8_t	 hash[STORE_HASH_BYTES];
	int	 malformed;		/* read: a column did not fit or had the wrong size */
};

/* The last row's seq and hash; seq 0 and a zero hash when the chain is empty. */
int	store_audit_last(struct store *s, int64_t *seq, uint8_t hash[STORE_HASH_BYTES]);
int	store_audit_insert(struct store *s, const struct store_audit *row);

struct store_audit_filter {
	const char	*agency_id;	/* rows of users of this agency */
	const char	*record_id;
	const char	*user_id;
	int64_t		 since;		/* at >= since; 0 = any */
	int64_t		 limit, offset;
};

/* Rows matching, newest first; the callback owns row->fields (free()). */
int	store_audit_list(struct store *s, const struct store_audit_filter *f,
	    int64_t *total, int (*cb)(void *arg, struct store_audit *row), void *arg);
/* Every row by seq, oldest first (for verification). */
int	store_audit_walk(struct store *s, int (*cb)(void *arg, struct store_audit *row),
	    void *arg);

/* The path of the database file (for opening more connections). */
const char *store_path(const struct store *s);

#endif
