/*
 * sqlite.c — store.h on an embedded SQLite file.
 *
 * WAL: a commit that returned is on disk (synchronous=FULL; in a write group the
 * group syncs the WAL itself before any member's commit returns, see struct
 * sqlite_group and docs/data.md). Statements come from one table indexed by enum stmt
 * and are prepared once per connection. Only the list and
 * count queries are composed, and only from the literal fragments in this file (group
 * columns from group_sql[]); every value is bound.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "base/buf.h"
#include "base/err.h"
#include "base/log.h"
#include "store/backend.h"
#include "store/store.h"

#define RECORD_COLS \
	"r.id, r.type, r.short_id, r.rev, r.status, r.workflow, r.risk_level, r.sex, " \
	"r.age_band, r.nationality, r.location_code, r.owner_id, r.agency_id, " \
	"r.created_at, r.updated_at, r.flags, r.link_id, r.peer_agency_id, d.wrapped, " \
	"r.body, r.deadlines"

#define DOC_COLS "kind, id, ref, owner_id, agency_id, at, body, updated_at"

#define AUDIT_COLS \
	"seq, at, user_id, agency_id, action, record_id, fields, outcome, prev_hash, hash"

#define USER_COLS \
	"id, username, full_name, role, agency_id, location_code, language, " \
	"password_hash, disabled, failed_logins, locked_until, created_at, updated_at"

static const char *const sqlite_sql[STMT__MAX] = {
	[STMT_BEGIN] = "BEGIN IMMEDIATE",
	/* BEGIN IMMEDIATE already holds the database's one write lock: nothing to add */
	[STMT_WRITE_LOCK] = "SELECT 1",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
	/* a grouped handle's transaction inside the batch (see struct sqlite_group) */
	[STMT_SAVEPOINT] = "SAVEPOINT w",
	[STMT_RELEASE] = "RELEASE w",
	[STMT_ROLLBACK_TO] = "ROLLBACK TO w",
	[STMT_SCHEMA_VERSION] = "SELECT coalesce(max(version), -1) FROM schema_migrations",
	[STMT_MIGRATION_DONE] =
	    "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
	[STMT_RECORD_INSERT] =
	    "INSERT INTO records (id, type, short_id, rev, status, workflow, risk_level, "
	    "sex, age_band, nationality, location_code, owner_id, agency_id, created_at, "
	    "updated_at, flags, body, link_id, peer_agency_id) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
	    "?18, ?19)",
	[STMT_RECORD_DK_INSERT] =
	    "INSERT INTO record_dk (record_id, wrapped) VALUES (?1, ?2)",
	[STMT_RECORD_GET_ID] =
	    "SELECT " RECORD_COLS " FROM records r JOIN record_dk d ON d.record_id = r.id "
	    "WHERE r.id = ?1 AND r.type = ?2",
	[STMT_RECORD_GET_SHORT] =
	    "SELECT " RECORD_COLS " FROM records r JOIN record_dk d ON d.record_id = r.id "
	    "WHERE r.short_id = ?1 AND r.type = ?2",
	[STMT_RECORD_UPDATE] =
	    "UPDATE records SET rev = ?3, status = ?4, workflow = ?5, risk_level = ?6, "
	    "sex = ?7, age_band = ?8, nationality = ?9, location_code = ?10, "
	    "owner_id = ?11, agency_id = ?12, updated_at = ?13, flags = ?14, body = ?15, "
	    "link_id = ?16, peer_agency_id = ?17 WHERE id = ?1 AND rev = ?2",
	[STMT_RECORD_REV] = "SELECT rev FROM records WHERE id = ?1",
	[STMT_RECORD_DEADLINES_SET] = "UPDATE records SET deadlines = ?2 WHERE id = ?1",
	[STMT_KEYS_DELETE] = "DELETE FROM record_keys WHERE record_id = ?1",
	[STMT_KEYS_INSERT] =
	    "INSERT OR IGNORE INTO record_keys (key, record_id) VALUES (?1, ?2)",
	[STMT_ERASE_DK] = "DELETE FROM record_dk WHERE record_id = ?1",
	[STMT_ERASE_KEYS] = "DELETE FROM record_keys WHERE record_id = ?1",
	[STMT_ERASE_HISTORY] = "DELETE FROM record_history WHERE record_id = ?1",
	[STMT_ERASE_RECORD] = "DELETE FROM records WHERE id = ?1",
	[STMT_HISTORY_INSERT] =
	    "INSERT INTO record_history (record_id, rev, at, user_id, action, body) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[STMT_HISTORY_LIST] =
	    "SELECT record_id, rev, at, user_id, action, body FROM record_history "
	    "WHERE record_id = ?1 ORDER BY rev",
	[STMT_AGENCY_INSERT] =
	    "INSERT INTO agencies (id, code, name, created_at) VALUES (?1, ?2, ?3, ?4)",
	[STMT_AGENCY_GET] =
	    "SELECT id, code, name, created_at FROM agencies WHERE id = ?1 OR code = ?1",
	[STMT_AGENCY_LIST] =
	    "SELECT id, code, name, created_at FROM agencies ORDER BY code",
	[STMT_USER_INSERT] =
	    "INSERT INTO users (" USER_COLS ") VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
	[STMT_USER_GET] = "SELECT " USER_COLS " FROM users WHERE id = ?1",
	[STMT_USER_GET_NAME] = "SELECT " USER_COLS " FROM users WHERE username = ?1",
	[STMT_USER_UPDATE] =
	    "UPDATE users SET username = ?2, full_name = ?3, role = ?4, agency_id = ?5, "
	    "location_code = ?6, language = ?7, password_hash = ?8, disabled = ?9, "
	    "failed_logins = ?10, locked_until = ?11, updated_at = ?13 WHERE id = ?1",
	[STMT_USER_LIST] = "SELECT " USER_COLS " FROM users ORDER BY username",
	[STMT_USER_COUNT] = "SELECT count(*) FROM users",
	[STMT_LOCATION_PUT] =
	    "INSERT INTO locations (code, parent_code, level, names) VALUES (?1, ?2, ?3, ?4) "
	    "ON CONFLICT (code) DO UPDATE SET parent_code = excluded.parent_code, "
	    "level = excluded.level, names = excluded.names",
	[STMT_LOCATION_EXISTS] = "SELECT 1 FROM locations WHERE code = ?1",
	[STMT_LOCATION_COUNT] = "SELECT count(*) FROM locations",
	[STMT_LOCATION_LIST] =
	    "SELECT code, coalesce(parent_code, ''), level, names FROM locations ORDER BY code",
	[STMT_SESSION_INSERT] =
	    "INSERT INTO sessions (token_hash, user_id, created_at, last_seen, expires_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5)",
	[STMT_SESSION_GET] =
	    "SELECT token_hash, user_id, created_at, last_seen, expires_at FROM sessions "
	    "WHERE token_hash = ?1",
	[STMT_SESSION_TOUCH] = "UPDATE sessions SET last_seen = ?2 WHERE token_hash = ?1",
	[STMT_SESSION_DELETE] = "DELETE FROM sessions WHERE token_hash = ?1",
	[STMT_SESSION_DELETE_USER] =
	    "DELETE FROM sessions WHERE user_id = ?1 AND (?2 IS NULL OR token_hash <> ?2)",
	[STMT_SESSION_PURGE] =
	    "DELETE FROM sessions WHERE expires_at <= ?1 OR last_seen < ?2",
	[STMT_SESSION_COUNT] =
	    "SELECT count(*) FROM sessions WHERE expires_at > ?1 AND last_seen >= ?2",
	[STMT_AUDIT_LAST] = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
	[STMT_AUDIT_INSERT] =
	    "INSERT INTO audit (seq, at, user_id, agency_id, action, record_id, fields, "
	    "outcome, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[STMT_AUDIT_WALK] =
	    "SELECT " AUDIT_COLS " FROM audit ORDER BY seq",
	[STMT_SESSION_USER] =
	    "SELECT u.id, u.username, u.full_name, u.role, u.agency_id, u.location_code, "
	    "u.language, u.password_hash, u.disabled, u.failed_logins, u.locked_until, "
	    "u.created_at, u.updated_at, s.token_hash, s.user_id, s.created_at, "
	    "s.last_seen, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id "
	    "WHERE s.token_hash = ?1",
	[STMT_CASELOAD] =
	    "SELECT owner_id, risk_level, count(*), coalesce(sum(CASE WHEN workflow = 'new' "
	    "AND created_at + (CASE risk_level WHEN 'high' THEN ?4 WHEN 'medium' THEN ?5 "
	    "WHEN 'low' THEN ?6 ELSE ?7 END) < ?8 THEN 1 ELSE 0 END), 0) FROM records "
	    "WHERE type = ?1 AND status = 'open' AND (?2 IS NULL OR agency_id = ?2) "
	    "AND (?3 IS NULL OR owner_id = ?3) GROUP BY owner_id, risk_level "
	    "ORDER BY owner_id, risk_level",
	[STMT_DOC_INSERT] =
	    "INSERT INTO docs (" DOC_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	[STMT_DOC_PUT] =
	    "INSERT INTO docs (" DOC_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
	    "ON CONFLICT (kind, id) DO UPDATE SET ref = excluded.ref, "
	    "owner_id = excluded.owner_id, agency_id = excluded.agency_id, "
	    "at = excluded.at, body = excluded.body, updated_at = excluded.updated_at",
	[STMT_DOC_GET] = "SELECT " DOC_COLS " FROM docs WHERE kind = ?1 AND id = ?2",
	[STMT_DOC_DELETE] = "DELETE FROM docs WHERE kind = ?1 AND id = ?2",
	[STMT_DOC_DELETE_REF] = "DELETE FROM docs WHERE kind = ?1 AND ref = ?2",
	[STMT_KEY_COUNT] =
	    "SELECT count(*) FROM (SELECT 1 FROM record_keys WHERE key = ?1 LIMIT ?2)",
	[STMT_KEY_RECORDS] = "SELECT record_id FROM record_keys WHERE key = ?1 LIMIT ?2",
};

/* The expression of each column store_record_count_by groups by. */
static const char *const group_sql[GROUP__MAX] = {
	[GROUP_TYPE] = "r.type",
	[GROUP_STATUS] = "r.status",
	[GROUP_WORKFLOW] = "r.workflow",
	[GROUP_RISK_LEVEL] = "r.risk_level",
	[GROUP_SEX] = "r.sex",
	[GROUP_AGE_BAND] = "r.age_band",
	[GROUP_NATIONALITY] = "r.nationality",
	[GROUP_LOCATION_CODE] = "r.location_code",
	[GROUP_AGENCY_ID] = "r.agency_id",
	[GROUP_UASC] = "(r.flags & 1)",
};

/* Numbered migrations; never edit one that has shipped, add the next. */
static const char *const sqlite_migrations[] = {
	/* 1: records, sealed bodies, blind index, history, users, agencies, locations */
	"CREATE TABLE agencies ("
	"  id TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE users ("
	"  id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE,"
	"  full_name TEXT NOT NULL DEFAULT '', role TEXT NOT NULL,"
	"  agency_id TEXT NOT NULL DEFAULT '', location_code TEXT NOT NULL DEFAULT '',"
	"  language TEXT NOT NULL DEFAULT 'en', password_hash TEXT NOT NULL,"
	"  disabled INTEGER NOT NULL DEFAULT 0, failed_logins INTEGER NOT NULL DEFAULT 0,"
	"  locked_until INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE TABLE locations ("
	"  code TEXT PRIMARY KEY, parent_code TEXT, level INTEGER NOT NULL,"
	"  names TEXT NOT NULL);"
	"CREATE TABLE records ("
	"  id TEXT PRIMARY KEY, type TEXT NOT NULL, short_id TEXT NOT NULL UNIQUE,"
	"  rev INTEGER NOT NULL, status TEXT NOT NULL, workflow TEXT NOT NULL,"
	"  risk_level TEXT NOT NULL, sex TEXT NOT NULL, age_band TEXT NOT NULL,"
	"  nationality TEXT NOT NULL, location_code TEXT NOT NULL,"
	"  owner_id TEXT NOT NULL, agency_id TEXT NOT NULL, created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL, flags INTEGER NOT NULL, body BLOB NOT NULL);"
	"CREATE INDEX records_agency ON records (type, agency_id, updated_at);"
	"CREATE INDEX records_owner ON records (type, owner_id, updated_at);"
	"CREATE INDEX records_location ON records (type, location_code);"
	"CREATE INDEX records_updated ON records (type, updated_at);"
	"CREATE TABLE record_dk ("
	"  record_id TEXT PRIMARY KEY, wrapped BLOB NOT NULL);"
	"CREATE TABLE record_keys ("
	"  key BLOB NOT NULL, record_id TEXT NOT NULL, PRIMARY KEY (key, record_id)"
	") WITHOUT ROWID;"
	"CREATE INDEX record_keys_record ON record_keys (record_id);"
	"CREATE TABLE record_history ("
	"  record_id TEXT NOT NULL, rev INTEGER NOT NULL, at INTEGER NOT NULL,"
	"  user_id TEXT NOT NULL, action TEXT NOT NULL, body BLOB NOT NULL,"
	"  PRIMARY KEY (record_id, rev));",
	/* 2: sessions (token hashes only) and the audit chain */
	"CREATE TABLE sessions ("
	"  token_hash BLOB PRIMARY KEY, user_id TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL);"
	"CREATE INDEX sessions_user ON sessions (user_id);"
	"CREATE TABLE audit ("
	"  seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, user_id TEXT NOT NULL,"
	"  agency_id TEXT NOT NULL, action TEXT NOT NULL, record_id TEXT NOT NULL,"
	"  fields TEXT, outcome TEXT NOT NULL, prev_hash BLOB NOT NULL,"
	"  hash BLOB NOT NULL);"
	"CREATE INDEX audit_record ON audit (record_id, seq);"
	"CREATE INDEX audit_agency ON audit (agency_id, seq);"
	"CREATE INDEX audit_user ON audit (user_id, seq);",
	/* 3: record links and peer agencies; cleartext documents (never child data) */
	"ALTER TABLE records ADD COLUMN link_id TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE records ADD COLUMN peer_agency_id TEXT NOT NULL DEFAULT '';"
	"CREATE INDEX records_link ON records (type, link_id);"
	"CREATE INDEX records_peer ON records (type, peer_agency_id, updated_at);"
	"CREATE INDEX records_created ON records (type, created_at);"
	"CREATE TABLE docs ("
	"  kind TEXT NOT NULL, id TEXT NOT NULL, ref TEXT NOT NULL DEFAULT '',"
	"  owner_id TEXT NOT NULL DEFAULT '', agency_id TEXT NOT NULL DEFAULT '',"
	"  at INTEGER NOT NULL DEFAULT 0, body TEXT NOT NULL,"
	"  updated_at INTEGER NOT NULL, PRIMARY KEY (kind, id));"
	"CREATE INDEX docs_ref ON docs (kind, ref);"
	"CREATE INDEX docs_owner ON docs (kind, owner_id, at);"
	"CREATE INDEX docs_agency ON docs (kind, agency_id, at);",
	/* 4: the index columns by record id, for counts that start from blind keys
	 * (store_record_count_keys): a lookup reads this narrow index, not the row */
	"CREATE INDEX records_report ON records (id, type, agency_id, owner_id,"
	"  created_at, sex, age_band, nationality, location_code, risk_level, workflow,"
	"  status, flags);",
	/* 5: a record's documents in the order they are listed (deadlines by due time):
	 * read straight from the index, with no sort for every case view */
	"DROP INDEX docs_ref;"
	"CREATE INDEX docs_ref ON docs (kind, ref, at, id);",
	/* 6: a record's deadlines beside it (store_record_deadlines_set): a case's
	 * view reads them with the record instead of listing its task documents;
	 * every case gets them from its task documents, in their order */
	"ALTER TABLE records ADD COLUMN deadlines TEXT;"
	"UPDATE records SET deadlines = coalesce((SELECT group_concat(x, ';') FROM ("
	"  SELECT json_extract(d.body, '$.kind') || '|' || d.at || '|' ||"
	"  coalesce(json_extract(d.body, '$.due_date'), '') || '|' ||"
	"  coalesce(json_extract(d.body, '$.approval'), '') AS x"
	"  FROM docs d WHERE d.kind = 'task' AND d.ref = records.id ORDER BY d.at, d.id)),"
	"  '') WHERE type = 'case';",
};

#define MIGRATION_COUNT (sizeof(sqlite_migrations) / sizeof(sqlite_migrations[0]))

/* The SQLite handle behind a struct store, and the connection it runs on now. */
#define S(s) ((struct sqlite_store *)(s))
#define C(s) (S(s)->c)

static const struct store_ops sqlite_ops;
static void	sqlite_store_close(struct store *);

#define DYN_MAX	16	/* composed statements kept prepared per connection */

/* A statement composed from fragments (lists with filters), kept for the next call
 * with the same text: preparing it again cost as much as running it. */
struct dyn_stmt {
	char		*sql;		/* malloc'd; NULL: free slot */
	sqlite3_stmt	*st;
	uint64_t	 used;		/* for evicting the least recently used */
	int		 busy;		/* handed out and not yet given back */
};

/* One connection and the statements prepared on it. */
struct sqlite_conn {
	sqlite3		*db;
	sqlite3_stmt	*st[STMT__MAX];
	struct dyn_stmt	 dyn[DYN_MAX];
	uint64_t	 dyn_clock;
	sqlite3_stmt	*snap_begin;	/* "BEGIN" (deferred), for store_read_begin */
	int		 snap;		/* a read snapshot is open (not a write) */
};

/*
 * Group commit. A handle and the handles cloned from it (store_clone: one a thread)
 * share one write connection, `w`. Every transaction of every handle of the group runs
 * on `w`, inside its own SAVEPOINT of one batch transaction (BEGIN IMMEDIATE): reads
 * inside a write see the batch's rows, a rollback undoes that handle's work alone. A
 * handle holds `w` from store_begin to store_commit or store_rollback; the others wait
 * for their turn. The handle that hands `w` back while nobody waits for it (the
 * writers that came during the last commit are done), or when the batch holds
 * GROUP_BATCH_MAX writers, commits the batch, hands `w` to the next batch and then
 * syncs the WAL: one fsync for all (group_sync). Each store_commit returns once the
 * batch that holds its work has ended: RC_OK when it committed and its WAL frames
 * are on disk, the error (nothing of the batch stored, or not known to be) when not.
 */
#define GROUP_BATCH_MAX		256
#define SQLITE_CACHE_KIB	8192	/* page cache of a handle's own connection */
/* `w` writes for every thread: the pages of the blind index it touches stay cached,
 * and checkpoints come every 64 MB of WAL rather than 4 MB, so that the hot pages
 * (the ends of the record, history and audit trees) are copied back less often.
 * They run on a thread of the group's own (struct sqlite_ckpt), not inside the
 * COMMIT that crossed the mark: there, copying 16,384 pages and syncing the
 * database file held `w`, and every writer of the server waited behind it. */
#define GROUP_CACHE_KIB		(32 * 1024)
#define GROUP_CHECKPOINT_PAGES	16384
#define CHECKPOINT_CACHE_KIB	512

/*
 * A checkpointer: a thread with a connection of its own that copies the WAL back into
 * the database file (PASSIVE: beside the readers and writers, waiting for neither)
 * once `pages` frames have come since it last did. A WAL hook on the connection that
 * writes tells it how long the WAL is, in place of SQLite's auto-checkpoint, which ran
 * inside the COMMIT that crossed the mark: while it copied and synced, that writer
 * (on a server, the group's one write connection: every writer) waited.
 */
struct sqlite_ckpt {
	pthread_mutex_t		 mu;	/* guards what follows but `conn` */
	pthread_cond_t		 wake;
	pthread_t		 thread;
	struct sqlite_conn	 conn;	/* the thread's own */
	sqlite3			*watched;	/* the writing connection, hooked */
	int			 pages;
	int			 wal_frames;	/* in the WAL after the last COMMIT */
	int			 done;		/* of those, copied by the last run */
	int			 committed;	/* a COMMIT came since the last run */
	int			 stop;
	uint64_t		 runs, failed;
};

struct group_waiter {
	struct group_waiter	*next;
	pthread_cond_t		 cv;	/* signalled when done: one wake-up, its own */
	int			 done;	/* the batch ended */
	int			 rc;	/* how */
};

struct sqlite_group {
	pthread_mutex_t		 mu;	/* guards what follows but `w` */
	pthread_cond_t		 turn;	/* `w` was handed back */
	pthread_cond_t		 sync_done;	/* a WAL sync ended */
	struct sqlite_conn	 w;	/* used only by the handle that holds it */
	int			 refs;	/* handles in the group */
	int			 held;	/* a handle holds `w` (writing or committing) */
	size_t			 queued;	/* handles waiting for `w` */
	int			 open;	/* the batch transaction is open on `w` */
	size_t			 members;	/* writers whose work the open batch holds */
	struct group_waiter	*waiters;	/* theirs */
	uint64_t		 committed;	/* number of the last batch committed */
	uint64_t		 synced;	/* the last one whose WAL frames are on disk */
	int			 syncing;	/* a thread runs group_wal_sync */
	int			 sync_failed;	/* a sync failed: no batch is durable now */
	char			 wal_path[4100];
	int			 wal_fd;	/* ours, for fdatasync; -1: not open yet */
	uint64_t		 batches;	/* batches committed */
	uint64_t		 writes;	/* writers committed in them */
	struct sqlite_ckpt	*ck;	/* checkpoints the WAL that `w` writes */
};

struct sqlite_store {
	struct store		 base;		/* first: store.c sees this */
	char			 path[4096];
	struct sqlite_conn	 own;		/* reads outside a transaction */
	struct sqlite_conn	*c;		/* &own, or the group's `w` in a transaction */
	struct sqlite_group	*g;		/* NULL until the handle is first cloned */
	int			 in_txn;	/* grouped: a savepoint of ours is open on `w` */
	/* bulk mode (store_bulk): new blind keys go to record_keys_load, in the order
	 * they come, and into record_keys sorted when it ends (keys_load_fold) */
	sqlite3_stmt		*load_ins;
};

static void	snap_leave(struct sqlite_conn *c, sqlite3_stmt *st);

/* A composed statement handed out by dyn_prepare(): give it back with dyn_done(). */
struct dyn_use {
	sqlite3_stmt	*st;
	struct dyn_stmt	*slot;		/* NULL: prepared for this use only */
};

/* ---- statement plumbing ------------------------------------------------------ */

static int
rc_from_sqlite(sqlite3 *db, int src)
{
	switch (src & 0xff) {
	case SQLITE_CONSTRAINT:
		return RC_EEXIST;
	case SQLITE_NOMEM:
		return RC_ENOMEM;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return RC_EINTEGRITY;
	default:
		log_error("sqlite: %s (%d)", sqlite3_errmsg(db), src);
		return RC_EIO;
	}
}

/* The prepared statement `id` on connection `c`, reset and cleared; NULL on failure
 * (logged). */
static sqlite3_stmt *
conn_stmt(struct sqlite_conn *c, enum stmt id)
{
	sqlite3_stmt *st = c->st[id];

	if (st == NULL) {
		if (sqlite3_prepare_v3(c->db, sqlite_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
		    &st, NULL) != SQLITE_OK) {
			log_error("sqlite: prepare %d: %s", (int)id, sqlite3_errmsg(c->db));
			return NULL;
		}
		c->st[id] = st;
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	snap_leave(c, st);
	return st;
}

/* Run statement `id`, which returns no rows, on connection `c`. */
static int
conn_exec(struct sqlite_conn *c, enum stmt id)
{
	sqlite3_stmt *st = conn_stmt(c, id);
	int src;

	if (st == NULL)
		return RC_EIO;
	src = sqlite3_step(st);
	sqlite3_reset(st);
	if (src == SQLITE_DONE || src == SQLITE_ROW)
		return RC_OK;
	return rc_from_sqlite(c->db, src);
}

/* The prepared statement `id` on the handle's current connection. */
static sqlite3_stmt *
stmt(struct store *s, enum stmt id)
{
	return conn_stmt(C(s), id);
}

static int
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	return sqlite3_bind_text(st, i, v != NULL ? v : "", -1, SQLITE_STATIC);
}

static int
bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n)
{
	return sqlite3_bind_blob64(st, i, p, (sqlite3_uint64)n, SQLITE_STATIC);
}

/* Step a statement that returns no rows. */
static int
step_done(struct store *s, sqlite3_stmt *st)
{
	int src = sqlite3_step(st);

	sqlite3_reset(st);
	if (src == SQLITE_DONE || src == SQLITE_ROW)
		return RC_OK;
	return rc_from_sqlite(C(s)->db, src);
}

static int
exec_id(struct store *s, enum stmt id)
{
	return conn_exec(C(s), id);
}

/* Copy a text column; -1 (and a warning) when it did not fit. */
static int
col_text(sqlite3_stmt *st, int i, char *dst, size_t dstsz)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	if (str_copy(dst, dstsz, t != NULL ? (const char *)t : "") != 0) {
		log_warn("sqlite: column %d longer than expected", i);
		return -1;
	}
	return 0;
}

static int
col_blob(sqlite3_stmt *st, int i, uint8_t **p, size_t *n)
{
	const void *b = sqlite3_column_blob(st, i);
	int len = sqlite3_column_bytes(st, i);

	*p = NULL;
	*n = 0;
	if (len <= 0)
		return RC_OK;
	if ((*p = malloc((size_t)len)) == NULL)
		return RC_ENOMEM;
	memcpy(*p, b, (size_t)len);
	*n = (size_t)len;
	return RC_OK;
}

/* ---- open, migrate, transactions --------------------------------------------- */

/* Once per process, before the first connection: no memory statistics, which cost
 * a global mutex on every one of SQLite's allocations (about fifty per request). */
static void
sqlite_global_init(void)
{
	if (sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
		log_warn("sqlite: memory statistics stay on");
}

/* Open connection `c` on `path`: WAL, durable commits, `cache_kib` of page cache. */
static int
conn_open(struct sqlite_conn *c, const char *path, int cache_kib, char *msg,
    size_t msgsz)
{
	static const char pragmas[] =
	    "PRAGMA journal_mode = WAL;"
	    "PRAGMA synchronous = FULL;"
	    "PRAGMA foreign_keys = ON;"
	    "PRAGMA secure_delete = ON;"
	    "PRAGMA temp_store = MEMORY;";
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	char cache[64];
	int src;

	(void)pthread_once(&once, sqlite_global_init);
	memset(c, 0, sizeof(*c));
	src = sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL);
	if (src != SQLITE_OK) {
		snprintf(msg, msgsz, "cannot open database %s: %s", path,
		    c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(src));
		return RC_EIO;
	}
	sqlite3_busy_timeout(c->db, 10000);
	sqlite3_extended_result_codes(c->db, 1);
	snprintf(cache, sizeof(cache), "PRAGMA cache_size = -%d;", cache_kib);
	if (sqlite3_exec(c->db, pragmas, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(c->db, cache, NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(msg, msgsz, "cannot configure database %s: %s", path,
		    sqlite3_errmsg(c->db));
		return RC_EIO;
	}
	return RC_OK;
}

static void
conn_close(struct sqlite_conn *c)
{
	size_t i;

	for (i = 0; i < STMT__MAX; i++)
		sqlite3_finalize(c->st[i]);
	for (i = 0; i < DYN_MAX; i++) {
		sqlite3_finalize(c->dyn[i].st);
		free(c->dyn[i].sql);
	}
	sqlite3_finalize(c->snap_begin);
	sqlite3_close(c->db);
	memset(c, 0, sizeof(*c));
}

/* A handle on `path` with a connection of its own. */
static int
sqlite_handle_new(const char *path, struct sqlite_store **out, char *msg, size_t msgsz)
{
	struct sqlite_store *s;
	int rc;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return RC_ENOMEM;
	s->base.ops = &sqlite_ops;
	s->c = &s->own;
	if (str_copy(s->path, sizeof(s->path), path) != 0) {
		snprintf(msg, msgsz, "database path too long");
		free(s);
		return RC_EINVALID;
	}
	/* the blind index outgrows SQLite's 2 MB default early; store_bulk() more */
	if ((rc = conn_open(&s->own, path, SQLITE_CACHE_KIB, msg, msgsz)) != RC_OK) {
		conn_close(&s->own);
		free(s);
		return rc;
	}
	*out = s;
	return RC_OK;
}

int
sqlite_store_open(const char *path, struct store **out, char *msg, size_t msgsz)
{
	struct sqlite_store *s;
	int rc;

	*out = NULL;
	if ((rc = sqlite_handle_new(path, &s, msg, msgsz)) != RC_OK)
		return rc;
	*out = &s->base;
	return RC_OK;
}

/* The statement for composed SQL `sql`: the kept one when it is free, else a new one
 * (kept in a free or the least recently used slot when no other use holds it). */
static int
dyn_prepare(struct store *s, const char *sql, struct dyn_use *u)
{
	struct dyn_stmt *d = C(s)->dyn, *slot = NULL;
	size_t i;

	u->st = NULL;
	u->slot = NULL;
	for (i = 0; i < DYN_MAX; i++)
		if (d[i].sql != NULL && strcmp(d[i].sql, sql) == 0) {
			if (d[i].busy)
				break;		/* a nested use: prepare another below */
			d[i].busy = 1;
			d[i].used = ++C(s)->dyn_clock;
			u->st = d[i].st;
			u->slot = &d[i];
			snap_leave(C(s), u->st);
			return RC_OK;
		}
	if (i == DYN_MAX)
		for (i = 0; i < DYN_MAX; i++) {
			if (d[i].busy)
				continue;
			if (d[i].sql == NULL) {
				slot = &d[i];
				break;
			}
			if (slot == NULL || d[i].used < slot->used)
				slot = &d[i];
		}
	if (sqlite3_prepare_v3(C(s)->db, sql, -1, slot != NULL ?
	    SQLITE_PREPARE_PERSISTENT : 0, &u->st, NULL) != SQLITE_OK)
		return rc_from_sqlite(C(s)->db, sqlite3_errcode(C(s)->db));
	snap_leave(C(s), u->st);
	if (slot != NULL) {
		char *copy = strdup(sql);

		if (copy == NULL)
			return RC_OK;		/* used once, finalized by dyn_done */
		sqlite3_finalize(slot->st);
		free(slot->sql);
		slot->sql = copy;
		slot->st = u->st;
		slot->busy = 1;
		slot->used = ++C(s)->dyn_clock;
		u->slot = slot;
	}
	return RC_OK;
}

static void
dyn_done(struct dyn_use *u)
{
	if (u->st == NULL)
		return;
	if (u->slot != NULL) {
		sqlite3_reset(u->st);
		sqlite3_clear_bindings(u->st);
		u->slot->busy = 0;
	} else
		sqlite3_finalize(u->st);
	u->st = NULL;
	u->slot = NULL;
}

static void	group_release(struct sqlite_group *g);
static void	ckpt_stop(struct sqlite_ckpt *k);
static int	sqlite_store_rollback(struct store *s);

static void
sqlite_store_close(struct store *s)
{
	struct sqlite_group *g;
	int last;

	if (s == NULL)
		return;
	if ((g = S(s)->g) != NULL) {
		sqlite_store_rollback(s);	/* hands `w` back if it held it */
		pthread_mutex_lock(&g->mu);
		last = --g->refs == 0;
		pthread_mutex_unlock(&g->mu);
		if (last) {
			if (g->batches > 0)
				log_info("sqlite: group commit: %llu writes in %llu batches, "
				    "%llu checkpoints (%llu failed)",
				    (unsigned long long)g->writes,
				    (unsigned long long)g->batches,
				    (unsigned long long)g->ck->runs,
				    (unsigned long long)g->ck->failed);
			ckpt_stop(g->ck);
			conn_close(&g->w);
			if (g->wal_fd >= 0)
				close(g->wal_fd);
			pthread_mutex_destroy(&g->mu);
			pthread_cond_destroy(&g->turn);
			pthread_cond_destroy(&g->sync_done);
			free(g);
		}
	}
	sqlite3_finalize(S(s)->load_ins);	/* a bulk load never ended: staged keys
						 * fold at the next one */
	conn_close(&S(s)->own);
	free(s);
}

static int
sqlite_store_schema_version(struct store *s)
{
	sqlite3_stmt *st;
	int v = -1;

	/* before migration 1 the table itself may be missing */
	if (sqlite3_exec(C(s)->db, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)", NULL, NULL,
	    NULL) != SQLITE_OK)
		return -1;
	if ((st = stmt(s, STMT_SCHEMA_VERSION)) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	return v;
}

static int
sqlite_store_migrate(struct store *s, int upto)
{
	sqlite3_stmt *st;
	int have, v, rc;

	if (S(s)->in_txn)
		return RC_EINTERNAL;	/* migrations run on a handle's own connection */
	if ((have = sqlite_store_schema_version(s)) < -1)
		return RC_EIO;
	for (v = have < 0 ? 1 : have + 1; v <= (int)MIGRATION_COUNT && v <= upto; v++) {
		if ((rc = conn_exec(&S(s)->own, STMT_BEGIN)) != RC_OK)
			return rc;
		/* again under the write lock: another process starting at the same time
		 * (several servers after an upgrade) may have applied it meanwhile */
		if (sqlite_store_schema_version(s) >= v) {
			if ((rc = conn_exec(&S(s)->own, STMT_COMMIT)) != RC_OK)
				return rc;
			continue;
		}
		if (sqlite3_exec(C(s)->db, sqlite_migrations[v - 1], NULL, NULL, NULL) !=
		    SQLITE_OK) {
			log_error("sqlite: migration %d: %s", v, sqlite3_errmsg(C(s)->db));
			conn_exec(&S(s)->own, STMT_ROLLBACK);
			return RC_EIO;
		}
		if ((st = stmt(s, STMT_MIGRATION_DONE)) == NULL) {
			conn_exec(&S(s)->own, STMT_ROLLBACK);
			return RC_EIO;
		}
		sqlite3_bind_int(st, 1, v);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)time(NULL));
		if ((rc = step_done(s, st)) != RC_OK || (rc = conn_exec(&S(s)->own, STMT_COMMIT)) != RC_OK) {
			conn_exec(&S(s)->own, STMT_ROLLBACK);
			return rc;
		}
		log_debug("sqlite: migration %d applied", v);
	}
	return RC_OK;
}

/*
 * Read snapshots. Each statement outside a transaction opens and closes a read
 * transaction of its own: a WAL read lock taken and dropped (fcntl(2) calls), and
 * the page cache checked against the WAL. A request that only reads runs its
 * statements in one deferred transaction on the handle's own connection instead,
 * which also gives them one state of the database. A write statement there, or
 * store_begin() (whose work runs on the group's connection), ends the snapshot first
 * and runs as it would have: a snapshot never turns into a write transaction, which
 * could fail with SQLITE_BUSY_SNAPSHOT after another connection's commit, and a
 * request reads its own writes.
 */
static int
conn_read_end(struct sqlite_conn *c)
{
	sqlite3_stmt *st;
	int src;

	if (!c->snap)
		return RC_OK;
	c->snap = 0;
	if (sqlite3_get_autocommit(c->db))
		return RC_OK;
	/* COMMIT of a transaction that only read: the read lock goes (at the reset
	 * of the last statement still stepping, if one is) */
	if ((st = c->st[STMT_COMMIT]) == NULL) {
		if (sqlite3_prepare_v3(c->db, sqlite_sql[STMT_COMMIT], -1,
		    SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK)
			return rc_from_sqlite(c->db, sqlite3_errcode(c->db));
		c->st[STMT_COMMIT] = st;
	}
	sqlite3_reset(st);
	src = sqlite3_step(st);
	sqlite3_reset(st);
	return src == SQLITE_DONE ? RC_OK : rc_from_sqlite(c->db, src);
}

/* Before statement `st` runs on `c`: a write ends the read snapshot. */
static void
snap_leave(struct sqlite_conn *c, sqlite3_stmt *st)
{
	if (c->snap && !sqlite3_stmt_readonly(st))
		(void)conn_read_end(c);
}

static int
sqlite_store_read_begin(struct store *s)
{
	struct sqlite_conn *c = &S(s)->own;
	sqlite3_stmt *st = c->snap_begin;
	int src;

	if (S(s)->in_txn || C(s) != c || c->snap || !sqlite3_get_autocommit(c->db))
		return RC_OK;		/* in a snapshot or a transaction already */
	if (st == NULL) {
		if (sqlite3_prepare_v3(c->db, "BEGIN", -1, SQLITE_PREPARE_PERSISTENT, &st,
		    NULL) != SQLITE_OK)
			return rc_from_sqlite(c->db, sqlite3_errcode(c->db));
		c->snap_begin = st;
	}
	src = sqlite3_step(st);
	sqlite3_reset(st);
	if (src != SQLITE_DONE)
		return rc_from_sqlite(c->db, src);
	c->snap = 1;
	return RC_OK;
}

static int
sqlite_store_read_end(struct store *s)
{
	return conn_read_end(&S(s)->own);
}

/* ---- group commit (see struct sqlite_group) ---- */

/* Wait for `w` and hold it. */
static void
group_hold(struct sqlite_group *g)
{
	pthread_mutex_lock(&g->mu);
	g->queued++;
	while (g->held)
		pthread_cond_wait(&g->turn, &g->mu);
	g->queued--;
	g->held = 1;
	pthread_mutex_unlock(&g->mu);
}

/* Open (again, when the file was replaced) our descriptor of the WAL file and make
 * its directory entry durable; then fdatasync it: every frame written before the
 * call, by any connection, is on disk when it returns. */
static int
group_wal_sync(struct sqlite_group *g)
{
	struct stat now, ours;
	char dir[sizeof(g->wal_path)], *slash;
	int dfd;

	if (g->wal_fd >= 0 && (stat(g->wal_path, &now) != 0 ||
	    fstat(g->wal_fd, &ours) != 0 || now.st_ino != ours.st_ino ||
	    now.st_dev != ours.st_dev)) {
		close(g->wal_fd);
		g->wal_fd = -1;
	}
	if (g->wal_fd < 0) {
		if ((g->wal_fd = open(g->wal_path, O_RDWR | O_CLOEXEC)) < 0) {
			log_error("sqlite: cannot open %s: %s", g->wal_path, strerror(errno));
			return RC_EIO;
		}
		/* a WAL made since the server started: its name must survive too */
		str_copy(dir, sizeof(dir), g->wal_path);
		if ((slash = strrchr(dir, '/')) == NULL)
			str_copy(dir, sizeof(dir), ".");
		else if (slash == dir)
			dir[1] = '\0';
		else
			*slash = '\0';
		if ((dfd = open(dir, O_RDONLY | O_CLOEXEC)) < 0 || fsync(dfd) != 0) {
			log_error("sqlite: cannot sync the directory of %s: %s", g->wal_path,
			    strerror(errno));
			if (dfd >= 0)
				close(dfd);
			close(g->wal_fd);
			g->wal_fd = -1;
			return RC_EIO;
		}
		close(dfd);
	}
	if (fdatasync(g->wal_fd) != 0) {
		log_error("sqlite: cannot sync %s: %s", g->wal_path, strerror(errno));
		return RC_EIO;
	}
	return RC_OK;
}

/*
 * Make batch `seq` durable (batches are numbered as they commit). One sync covers
 * every batch committed before it began, so writers that come meanwhile share the
 * next one. A failed sync is final: the file may have lost pages that a later sync
 * would not report, so every later batch fails too until the server restarts.
 */
static int
group_sync(struct sqlite_group *g, uint64_t seq)
{
	uint64_t upto;
	int rc;

	pthread_mutex_lock(&g->mu);
	while (g->synced < seq && !g->sync_failed) {
		if (g->syncing) {
			pthread_cond_wait(&g->sync_done, &g->mu);
			continue;
		}
		g->syncing = 1;
		upto = g->committed;
		pthread_mutex_unlock(&g->mu);
		rc = group_wal_sync(g);
		pthread_mutex_lock(&g->mu);
		g->syncing = 0;
		if (rc == RC_OK)
			g->synced = upto;
		else
			g->sync_failed = 1;
		pthread_cond_broadcast(&g->sync_done);
	}
	rc = g->synced >= seq ? RC_OK : RC_EIO;
	pthread_mutex_unlock(&g->mu);
	return rc;
}

/* End the open batch (with `w` held): COMMIT, or ROLLBACK when no writer's work is
 * left in it. Returns how, with its members in `*list` and, when it committed, its
 * number in `*seq` (0 otherwise). The COMMIT writes the WAL without syncing it
 * (synchronous=NORMAL on `w`): group_sync does that once `w` is handed on. */
static int
group_end_batch(struct sqlite_group *g, struct group_waiter **list, uint64_t *seq)
{
	size_t members;
	int rc;

	*seq = 0;
	pthread_mutex_lock(&g->mu);
	members = g->members;
	*list = g->waiters;
	g->waiters = NULL;
	g->members = 0;
	g->open = 0;
	pthread_mutex_unlock(&g->mu);
	if (sqlite3_get_autocommit(g->w.db)) {
		/* a failed statement (I/O error, full disk) already rolled it all back */
		log_error("sqlite: a batch of %zu writes was lost to an error", members);
		return RC_EIO;
	}
	if (members == 0)
		return conn_exec(&g->w, STMT_ROLLBACK);
	if ((rc = conn_exec(&g->w, STMT_COMMIT)) != RC_OK) {
		/* never retried: the members' statements ran; each hears of it */
		log_error("sqlite: a batch of %zu writes did not commit", members);
		if (!sqlite3_get_autocommit(g->w.db))
			conn_exec(&g->w, STMT_ROLLBACK);
		return rc;
	}
	pthread_mutex_lock(&g->mu);
	*seq = ++g->committed;
	g->batches++;
	g->writes += members;
	pthread_mutex_unlock(&g->mu);
	return RC_OK;
}

/* Hand `w` back. The batch ends first when nobody waits for `w` (the writers that
 * came while the last one committed are done), when it is full, or when an error
 * already ended its transaction; its members hear how once it is durable. */
static void
group_release(struct sqlite_group *g)
{
	struct group_waiter *list = NULL, *wt, *next;
	uint64_t seq = 0;
	int end, rc = RC_OK;

	pthread_mutex_lock(&g->mu);
	end = g->open && (g->queued == 0 || g->members >= GROUP_BATCH_MAX ||
	    sqlite3_get_autocommit(g->w.db));
	pthread_mutex_unlock(&g->mu);
	if (end)
		rc = group_end_batch(g, &list, &seq);
	pthread_mutex_lock(&g->mu);
	g->held = 0;
	pthread_cond_signal(&g->turn);
	pthread_mutex_unlock(&g->mu);
	if (!end)
		return;
	/* the next batch runs its statements while this one's frames reach the disk */
	if (rc == RC_OK && seq != 0)
		rc = group_sync(g, seq);
	pthread_mutex_lock(&g->mu);
	for (wt = list; wt != NULL; wt = next) {
		next = wt->next;	/* `wt` lives on its thread's stack until done */
		wt->rc = rc;
		wt->done = 1;
		pthread_cond_signal(&wt->cv);
	}
	pthread_mutex_unlock(&g->mu);
}

static int
sqlite_store_begin(struct store *s)
{
	struct sqlite_group *g = S(s)->g;
	int rc;

	if ((rc = conn_read_end(&S(s)->own)) != RC_OK)
		return rc;
	if (g == NULL)
		return exec_id(s, STMT_BEGIN);
	if (S(s)->in_txn) {
		log_error("sqlite: a transaction is already open on this handle");
		return RC_EINTERNAL;
	}
	group_hold(g);
	/* BEGIN IMMEDIATE takes the database's write lock (waiting up to the busy
	 * timeout for another process); no statement of the batch ran before it */
	if (!g->open) {
		if ((rc = conn_exec(&g->w, STMT_BEGIN)) != RC_OK) {
			group_release(g);
			return rc;
		}
		pthread_mutex_lock(&g->mu);
		g->open = 1;
		pthread_mutex_unlock(&g->mu);
	}
	if ((rc = conn_exec(&g->w, STMT_SAVEPOINT)) != RC_OK) {
		group_release(g);
		return rc;
	}
	S(s)->c = &g->w;
	S(s)->in_txn = 1;
	return RC_OK;
}

static int
sqlite_store_commit(struct store *s)
{
	struct sqlite_group *g = S(s)->g;
	struct group_waiter me = { 0 };
	int rc;

	if (g == NULL) {
		if (C(s)->snap)
			return conn_read_end(C(s));
		return exec_id(s, STMT_COMMIT);
	}
	if (!S(s)->in_txn) {
		log_error("sqlite: commit without a transaction");
		return RC_EINTERNAL;
	}
	rc = conn_exec(&g->w, STMT_RELEASE);
	S(s)->c = &S(s)->own;
	S(s)->in_txn = 0;
	if (rc != RC_OK || sqlite3_get_autocommit(g->w.db)) {
		if (!sqlite3_get_autocommit(g->w.db) &&
		    conn_exec(&g->w, STMT_ROLLBACK_TO) == RC_OK)
			conn_exec(&g->w, STMT_RELEASE);
		group_release(g);
		return rc != RC_OK ? rc : RC_EIO;
	}
	pthread_cond_init(&me.cv, NULL);
	pthread_mutex_lock(&g->mu);
	me.next = g->waiters;
	g->waiters = &me;
	g->members++;
	pthread_mutex_unlock(&g->mu);
	group_release(g);
	pthread_mutex_lock(&g->mu);
	while (!me.done)
		pthread_cond_wait(&me.cv, &g->mu);
	pthread_mutex_unlock(&g->mu);
	pthread_cond_destroy(&me.cv);
	return me.rc;
}

/* Random blind-index keys touch pages all over their B-trees: a load of thousands of
 * cases per transaction needs them cached (else they spill to the WAL and are read
 * back), and checkpoints every 4 MB of WAL copy the same hot pages again and again.
 * A bulk load may take a quarter of the machine's memory, 256 MiB to 4 GiB: at a
 * million cases the indexes it writes at random are gigabytes, and every page
 * that is not cached is read back from disk on each of its inserts. */
/* Past this many staged keys, the index by record is dropped and built again after
 * the fold: inserted in key order, its entries would go to random pages. */
#define KEYS_LOAD_REINDEX	100000

/*
 * Move the keys staged in record_keys_load into record_keys, sorted: the B-tree is
 * then written in order, each leaf once, its pages next to each other on disk (a name
 * search reads a word's entries with the kernel's read-ahead). Random inserts of ~20
 * keys a case were most of a million-case load. One transaction; a failed fold leaves
 * the staged keys for the next one (store_bulk on or off).
 */
static int
keys_load_fold(struct store *s)
{
	/* The staged rows are blind keys and record ids, as record_keys holds: no
	 * plaintext to overwrite, so secure_delete (which would write zeros over every
	 * page of them, a gigabyte at a million cases) is off while they are dropped. */
	static const char fold[] =
	    "INSERT OR IGNORE INTO record_keys (key, record_id) "
	    "SELECT key, record_id FROM record_keys_load ORDER BY key, record_id;"
	    "PRAGMA secure_delete = OFF;"
	    "DROP TABLE record_keys_load;"
	    "PRAGMA secure_delete = ON;"
	    "CREATE TABLE record_keys_load (key BLOB NOT NULL, record_id TEXT NOT NULL);";
	sqlite3 *db = C(s)->db;
	sqlite3_stmt *st = NULL;
	int64_t n = 0;
	int src;

	if (sqlite3_prepare_v2(db, "SELECT count(*) FROM record_keys_load", -1, &st,
	    NULL) != SQLITE_OK) {
		if (sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS record_keys_load ("
		    "key BLOB NOT NULL, record_id TEXT NOT NULL)", NULL, NULL, NULL) !=
		    SQLITE_OK)
			goto fail;
		return RC_OK;	/* new: nothing staged */
	}
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (n == 0)
		return RC_OK;
	/* the sorts spill to temporary files, not to memory: a million cases stage
	 * twenty million keys (blind keys and record ids, no plaintext) */
	if (sqlite3_exec(db, "PRAGMA temp_store = FILE; BEGIN IMMEDIATE", NULL, NULL,
	    NULL) != SQLITE_OK)
		goto fail;
	src = n > KEYS_LOAD_REINDEX ?
	    sqlite3_exec(db, "DROP INDEX IF EXISTS record_keys_record;", NULL, NULL, NULL) :
	    SQLITE_OK;
	if (src == SQLITE_OK)
		src = sqlite3_exec(db, fold, NULL, NULL, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_exec(db, "CREATE INDEX IF NOT EXISTS record_keys_record ON "
		    "record_keys (record_id)", NULL, NULL, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (src != SQLITE_OK) {
		log_error("sqlite: folding %lld staged blind keys: %s", (long long)n,
		    sqlite3_errmsg(db));
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	}
	sqlite3_exec(db, "PRAGMA temp_store = MEMORY; PRAGMA secure_delete = ON", NULL,
	    NULL, NULL);
	return src == SQLITE_OK ? RC_OK : RC_EIO;
fail:
	log_error("sqlite: staged blind keys: %s", sqlite3_errmsg(db));
	return RC_EIO;
}

static int
sqlite_store_bulk(struct store *s, int on)
{
	long pages = sysconf(_SC_PHYS_PAGES), psz = sysconf(_SC_PAGESIZE);
	int64_t kib = 256 * 1024;
	char sql[128];
	int rc;

	if (sqlite3_get_autocommit(C(s)->db) == 0 || S(s)->in_txn)
		return RC_EINVALID;	/* between transactions only */
	if (pages > 0 && psz > 0 && (int64_t)pages / 4 > kib / ((int64_t)psz / 1024))
		kib = (int64_t)pages / 4 * ((int64_t)psz / 1024);
	if (kib > 4 * 1024 * 1024)
		kib = 4 * 1024 * 1024;
	/* checkpoints stay inline here: on a thread beside a load (tried) they
	 * took more system time and no less wall time, 50,000 cases twice each */
	if (on)
		snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%lld; "
		    "PRAGMA wal_autocheckpoint = 16384;", (long long)kib);
	else
		snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d; "
		    "PRAGMA wal_autocheckpoint = 1000;", SQLITE_CACHE_KIB);
	if (sqlite3_exec(C(s)->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		log_error("sqlite: bulk mode: %s", sqlite3_errmsg(C(s)->db));
		return RC_EIO;
	}
	/* staged keys of an earlier load that stopped half-way go in first */
	if (on) {
		if ((rc = keys_load_fold(s)) != RC_OK)
			return rc;
		if (S(s)->load_ins == NULL && sqlite3_prepare_v2(C(s)->db,
		    "INSERT INTO record_keys_load (key, record_id) VALUES (?1, ?2)", -1,
		    &S(s)->load_ins, NULL) != SQLITE_OK) {
			log_error("sqlite: bulk mode: %s", sqlite3_errmsg(C(s)->db));
			return RC_EIO;
		}
		return RC_OK;
	}
	sqlite3_finalize(S(s)->load_ins);
	S(s)->load_ins = NULL;
	return keys_load_fold(s);
}

/* A handle that mostly writes (a server's writer thread) reads little on its own
 * connection: its page cache is kept to `kib`, so that 64 writers do not hold 64
 * full caches (500 MB at a million cases). */
static int
sqlite_store_cache(struct store *s, int kib)
{
	char sql[64];

	snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%d;", kib);
	if (sqlite3_exec(S(s)->own.db, sql, NULL, NULL, NULL) != SQLITE_OK) {
		log_error("sqlite: cache size: %s", sqlite3_errmsg(S(s)->own.db));
		return RC_EIO;
	}
	return RC_OK;
}

static int
sqlite_store_in_transaction(struct store *s)
{
	if (S(s)->g != NULL)
		return S(s)->in_txn;
	return !C(s)->snap && !sqlite3_get_autocommit(C(s)->db);
}

static int
sqlite_store_rollback(struct store *s)
{
	struct sqlite_group *g = S(s)->g;

	if (S(s)->own.snap)
		return conn_read_end(&S(s)->own);	/* no write to undo */
	if (g == NULL) {
		if (sqlite3_get_autocommit(C(s)->db))
			return RC_OK;
		return exec_id(s, STMT_ROLLBACK);
	}
	if (!S(s)->in_txn)
		return RC_OK;
	/* undo this handle's work alone; the batch goes on without it */
	if (!sqlite3_get_autocommit(g->w.db) && conn_exec(&g->w, STMT_ROLLBACK_TO) == RC_OK)
		conn_exec(&g->w, STMT_RELEASE);
	S(s)->c = &S(s)->own;
	S(s)->in_txn = 0;
	group_release(g);
	return RC_OK;
}

/* 1 when `pages` frames wait to be copied (with `mu` held). While readers keep the
 * WAL from starting over, it only grows: what counts is what came since the last
 * checkpoint, or else one would run after every COMMIT. And only after a COMMIT:
 * frames a long read still needs stay uncopied, and without one the thread would go
 * round and round on them. */
static int
ckpt_due(const struct sqlite_ckpt *k)
{
	int pending = k->wal_frames >= k->done ? k->wal_frames - k->done :
	    k->wal_frames;	/* the WAL started over */

	return k->committed && pending >= k->pages;
}

/* After each COMMIT on the watched connection (SQLite's WAL hook): note the WAL's
 * size, and wake the checkpointer when a checkpoint is due. */
static int
ckpt_wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct sqlite_ckpt *k = arg;

	(void)db;
	(void)name;
	pthread_mutex_lock(&k->mu);
	k->wal_frames = frames;
	k->committed = 1;
	if (ckpt_due(k))
		pthread_cond_signal(&k->wake);
	pthread_mutex_unlock(&k->mu);
	return SQLITE_OK;
}

static void *
ckpt_run(void *arg)
{
	struct sqlite_ckpt *k = arg;
	int frames, copied, src;

	pthread_mutex_lock(&k->mu);
	for (;;) {
		while (!k->stop && !ckpt_due(k))
			pthread_cond_wait(&k->wake, &k->mu);
		if (k->stop)
			break;
		k->committed = 0;
		pthread_mutex_unlock(&k->mu);
		frames = copied = 0;
		src = sqlite3_wal_checkpoint_v2(k->conn.db, NULL, SQLITE_CHECKPOINT_PASSIVE,
		    &frames, &copied);
		pthread_mutex_lock(&k->mu);
		k->runs++;
		/* what a reader still needed stays for the next one; a failed run
		 * waits for the next mark too rather than spinning */
		k->wal_frames = frames;
		k->done = src == SQLITE_OK || src == SQLITE_BUSY ? copied : frames;
		if (src != SQLITE_OK && src != SQLITE_BUSY) {
			k->failed++;
			log_error("sqlite: checkpoint: %s", sqlite3_errmsg(k->conn.db));
		}
	}
	pthread_mutex_unlock(&k->mu);
	return NULL;
}

/* Start checkpointing the WAL of database `path` that connection `watched` writes,
 * every `pages` frames; `*out` (ckpt_stop ends it and frees it), NULL on failure. */
static int
ckpt_start(const char *path, sqlite3 *watched, int pages, struct sqlite_ckpt **out,
    char *msg, size_t msgsz)
{
	struct sqlite_ckpt *k;
	int rc;

	*out = NULL;
	if ((k = calloc(1, sizeof(*k))) == NULL)
		return RC_ENOMEM;
	pthread_mutex_init(&k->mu, NULL);
	pthread_cond_init(&k->wake, NULL);
	k->pages = pages;
	if ((rc = conn_open(&k->conn, path, CHECKPOINT_CACHE_KIB, msg, msgsz)) != RC_OK)
		goto fail;
	if (pthread_create(&k->thread, NULL, ckpt_run, k) != 0) {
		snprintf(msg, msgsz, "cannot start the checkpoint thread");
		rc = RC_EINTERNAL;
		goto fail;
	}
	k->watched = watched;
	sqlite3_wal_hook(watched, ckpt_wal_hook, k);	/* no auto-checkpoint now */
	*out = k;
	return RC_OK;
fail:
	conn_close(&k->conn);
	pthread_mutex_destroy(&k->mu);
	pthread_cond_destroy(&k->wake);
	free(k);
	return rc;
}

/* Unhook, stop the thread (a checkpoint under way ends first), close, free; NULL is
 * fine. The watched connection is left without auto-checkpoint: its caller decides. */
static void
ckpt_stop(struct sqlite_ckpt *k)
{
	if (k == NULL)
		return;
	sqlite3_wal_hook(k->watched, NULL, NULL);
	pthread_mutex_lock(&k->mu);
	k->stop = 1;
	pthread_cond_signal(&k->wake);
	pthread_mutex_unlock(&k->mu);
	pthread_join(k->thread, NULL);
	conn_close(&k->conn);
	pthread_mutex_destroy(&k->mu);
	pthread_cond_destroy(&k->wake);
	free(k);
}

/* Start the group of `s` when it has none: the shared write connection. */
static int
group_new(struct sqlite_store *s, char *msg, size_t msgsz)
{
	/* `w` writes the WAL without syncing it; group_sync() syncs it before any
	 * member of a batch hears that it committed. Checkpoints still sync. */
	static const char normal[] = "PRAGMA synchronous = NORMAL;";
	struct sqlite_group *g;
	int rc;

	if ((g = calloc(1, sizeof(*g))) == NULL)
		return RC_ENOMEM;
	g->wal_fd = -1;
	if (snprintf(g->wal_path, sizeof(g->wal_path), "%s-wal", s->path) >=
	    (int)sizeof(g->wal_path)) {
		snprintf(msg, msgsz, "database path too long");
		free(g);
		return RC_EINVALID;
	}
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->turn, NULL);
	pthread_cond_init(&g->sync_done, NULL);
	if ((rc = conn_open(&g->w, s->path, GROUP_CACHE_KIB, msg, msgsz)) != RC_OK)
		goto fail;
	if (sqlite3_exec(g->w.db, normal, NULL, NULL, NULL) != SQLITE_OK) {
		snprintf(msg, msgsz, "cannot configure database %s: %s", s->path,
		    sqlite3_errmsg(g->w.db));
		rc = RC_EIO;
		goto fail;
	}
	if ((rc = ckpt_start(s->path, g->w.db, GROUP_CHECKPOINT_PAGES, &g->ck, msg,
	    msgsz)) != RC_OK)
		goto fail;
	g->refs = 1;
	s->g = g;
	s->base.grouped = 1;
	return RC_OK;
fail:
	conn_close(&g->w);
	pthread_mutex_destroy(&g->mu);
	pthread_cond_destroy(&g->turn);
	pthread_cond_destroy(&g->sync_done);
	free(g);
	return rc;
}

/* Another handle on the database of `s`, in its write group (made on first use). */
static int
sqlite_store_clone(struct store *s, struct store **out, char *msg, size_t msgsz)
{
	struct sqlite_store *c;
	int rc;

	*out = NULL;
	if (S(s)->in_txn) {
		snprintf(msg, msgsz, "cannot clone a handle inside a transaction");
		return RC_EINTERNAL;
	}
	if (S(s)->g == NULL && (rc = group_new(S(s), msg, msgsz)) != RC_OK)
		return rc;
	if ((rc = sqlite_handle_new(S(s)->path, &c, msg, msgsz)) != RC_OK)
		return rc;
	pthread_mutex_lock(&S(s)->g->mu);
	S(s)->g->refs++;
	pthread_mutex_unlock(&S(s)->g->mu);
	c->g = S(s)->g;
	c->base.grouped = 1;
	*out = &c->base;
	return RC_OK;
}

int
sqlite_store_group_stats(struct store *s, uint64_t *batches, uint64_t *writes,
    size_t *queued)
{
	struct sqlite_group *g = S(s)->g;

	if (s->ops != &sqlite_ops || g == NULL)
		return RC_ENOTFOUND;
	pthread_mutex_lock(&g->mu);
	*batches = g->batches;
	*writes = g->writes;
	*queued = g->queued;
	pthread_mutex_unlock(&g->mu);
	return RC_OK;
}

int
sqlite_store_checkpoint_stats(struct store *s, uint64_t *runs, uint64_t *failed)
{
	struct sqlite_group *g = S(s)->g;

	if (s->ops != &sqlite_ops || g == NULL)
		return RC_ENOTFOUND;
	pthread_mutex_lock(&g->ck->mu);
	*runs = g->ck->runs;
	*failed = g->ck->failed;
	pthread_mutex_unlock(&g->ck->mu);
	return RC_OK;
}

/* ---- records ----------------------------------------------------------------- */

static int
record_read_row(sqlite3_stmt *st, struct store_record *r)
{
	struct record_meta *m = &r->m;
	int rc;

	memset(r, 0, sizeof(*r));
	col_text(st, 0, m->id, sizeof(m->id));
	col_text(st, 1, m->type, sizeof(m->type));
	col_text(st, 2, m->short_id, sizeof(m->short_id));
	m->rev = sqlite3_column_int64(st, 3);
	col_text(st, 4, m->status, sizeof(m->status));
	col_text(st, 5, m->workflow, sizeof(m->workflow));
	col_text(st, 6, m->risk_level, sizeof(m->risk_level));
	col_text(st, 7, m->sex, sizeof(m->sex));
	col_text(st, 8, m->age_band, sizeof(m->age_band));
	col_text(st, 9, m->nationality, sizeof(m->nationality));
	col_text(st, 10, m->location_code, sizeof(m->location_code));
	col_text(st, 11, m->owner_id, sizeof(m->owner_id));
	col_text(st, 12, m->agency_id, sizeof(m->agency_id));
	m->created_at = sqlite3_column_int64(st, 13);
	m->updated_at = sqlite3_column_int64(st, 14);
	m->flags = sqlite3_column_int64(st, 15);
	col_text(st, 16, m->link_id, sizeof(m->link_id));
	col_text(st, 17, m->peer_agency_id, sizeof(m->peer_agency_id));
	if ((rc = col_blob(st, 18, &r->dk, &r->dk_len)) != RC_OK ||
	    (rc = col_blob(st, 19, &r->body, &r->body_len)) != RC_OK) {
		store_record_free(r);
		return rc;
	}
	if (sqlite3_column_type(st, 20) != SQLITE_NULL &&
	    (r->deadlines = strdup((const char *)sqlite3_column_text(st, 20))) == NULL) {
		store_record_free(r);
		return RC_ENOMEM;
	}
	return RC_OK;
}

/* Each row of `st` (RECORD_COLS) to `cb`, which owns it; the callback's rc when it
 * stops, else RC_OK or the step's error. */
static int
records_each(struct store *s, sqlite3_stmt *st, store_record_cb cb, void *arg)
{
	struct store_record r;
	int rc, src;

	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = record_read_row(st, &r)) != RC_OK)
			return rc;
		if ((rc = cb(arg, &r)) != 0)
			return rc;
	}
	return src == SQLITE_DONE ? RC_OK : rc_from_sqlite(C(s)->db, src);
}

static int
sqlite_store_record_deadlines_set(struct store *s, const char *record_id,
    const char *text)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(s, STMT_RECORD_DEADLINES_SET)) == NULL)
		return RC_EIO;
	bind_text(st, 1, record_id);
	bind_text(st, 2, text);
	if ((rc = step_done(s, st)) != RC_OK)
		return rc;
	return sqlite3_changes(C(s)->db) == 1 ? RC_OK : RC_ENOTFOUND;
}

static int
sqlite_store_record_insert(struct store *s, const struct record_meta *m, const uint8_t *dk,
    size_t dk_len, const uint8_t *body, size_t body_len)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(s, STMT_RECORD_INSERT)) == NULL)
		return RC_EIO;
	bind_text(st, 1, m->id);
	bind_text(st, 2, m->type);
	bind_text(st, 3, m->short_id);
	sqlite3_bind_int64(st, 4, m->rev);
	bind_text(st, 5, m->status);
	bind_text(st, 6, m->workflow);
	bind_text(st, 7, m->risk_level);
	bind_text(st, 8, m->sex);
	bind_text(st, 9, m->age_band);
	bind_text(st, 10, m->nationality);
	bind_text(st, 11, m->location_code);
	bind_text(st, 12, m->owner_id);
	bind_text(st, 13, m->agency_id);
	sqlite3_bind_int64(st, 14, m->created_at);
	sqlite3_bind_int64(st, 15, m->updated_at);
	sqlite3_bind_int64(st, 16, m->flags);
	bind_blob(st, 17, body, body_len);
	bind_text(st, 18, m->link_id);
	bind_text(st, 19, m->peer_agency_id);
	if ((rc = step_done(s, st)) != RC_OK)
		return rc;
	if ((st = stmt(s, STMT_RECORD_DK_INSERT)) == NULL)
		return RC_EIO;
	bind_text(st, 1, m->id);
	bind_blob(st, 2, dk, dk_len);
	return step_done(s, st);
}

static int
sqlite_store_record_get(struct store *s, const char *type, const char *id_or_short,
    struct store_record *out)
{
	sqlite3_stmt *st;
	int src, rc;

	st = stmt(s, id_is_short(id_or_short) ? STMT_RECORD_GET_SHORT : STMT_RECORD_GET_ID);
	if (st == NULL)
		return RC_EIO;
	bind_text(st, 1, id_or_short);
	bind_text(st, 2, type);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		rc = record_read_row(st, out);
	else if (src == SQLITE_DONE)
		rc = RC_ENOTFOUND;
	else
		rc = rc_from_sqlite(C(s)->db, src);
	sqlite3_reset(st);
	return rc;
}

static int
sqlite_store_record_update(struct store *s, const struct record_meta *m, int64_t expected_rev,
    const uint8_t *body, size_t body_len)
{
	sqlite3_stmt *st;
	int rc, src;

	if ((st = stmt(s, STMT_RECORD_UPDATE)) == NULL)
		return RC_EIO;
	bind_text(st, 1, m->id);
	sqlite3_bind_int64(st, 2, expected_rev);
	sqlite3_bind_int64(st, 3, m->rev);
	bind_text(st, 4, m->status);
	bind_text(st, 5, m->workflow);
	bind_text(st, 6, m->risk_level);
	bind_text(st, 7, m->sex);
	bind_text(st, 8, m->age_band);
	bind_text(st, 9, m->nationality);
	bind_text(st, 10, m->location_code);
	bind_text(st, 11, m->owner_id);
	bind_text(st, 12, m->agency_id);
	sqlite3_bind_int64(st, 13, m->updated_at);
	sqlite3_bind_int64(st, 14, m->flags);
	bind_blob(st, 15, body, body_len);
	bind_text(st, 16, m->link_id);
	bind_text(st, 17, m->peer_agency_id);
	if ((rc = step_done(s, st)) != RC_OK)
		return rc;
	if (sqlite3_changes(C(s)->db) == 1)
		return RC_OK;
	/* nothing changed: tell a stale rev from a missing record */
	if ((st = stmt(s, STMT_RECORD_REV)) == NULL)
		return RC_EIO;
	bind_text(st, 1, m->id);
	src = sqlite3_step(st);
	sqlite3_reset(st);
	return src == SQLITE_ROW ? RC_ECONFLICT : RC_ENOTFOUND;
}

static int
sqlite_store_record_keys_set(struct store *s, const char *record_id,
    const uint8_t (*keys)[STORE_BLIND_BYTES], size_t n)
{
	sqlite3_stmt *st;
	size_t i;
	int rc;

	if ((st = stmt(s, STMT_KEYS_DELETE)) == NULL)
		return RC_EIO;
	bind_text(st, 1, record_id);
	if ((rc = step_done(s, st)) != RC_OK)
		return rc;
	for (i = 0; i < n; i++) {
		/* a bulk load's keys are staged (on its own connection, never grouped) */
		if ((st = S(s)->load_ins) == NULL || S(s)->c != &S(s)->own)
			st = stmt(s, STMT_KEYS_INSERT);
		if (st == NULL)
			return RC_EIO;
		bind_blob(st, 1, keys[i], STORE_BLIND_BYTES);
		bind_text(st, 2, record_id);
		if ((rc = step_done(s, st)) != RC_OK)
			return rc;
	}
	return RC_OK;
}

/* One probe a key: the descent reads the leaf its entry will go into. On the
 * handle's own connection, before the write takes its turn on the group's. */
static void
sqlite_store_keys_warm(struct store *s, const uint8_t (*keys)[STORE_BLIND_BYTES],
    size_t n)
{
	sqlite3_stmt *st;
	size_t i;

	if (S(s)->c != &S(s)->own || S(s)->load_ins != NULL)
		return;		/* inside a write, or a bulk load's staged keys */
	for (i = 0; i < n; i++) {
		if ((st = stmt(s, STMT_KEY_COUNT)) == NULL)
			return;
		bind_blob(st, 1, keys[i], STORE_BLIND_BYTES);
		sqlite3_bind_int64(st, 2, 1);
		(void)sqlite3_step(st);
		sqlite3_reset(st);
	}
}

static int
sqlite_store_record_erase(struct store *s, const char *record_id)
{
	static const enum stmt steps[] = {
		STMT_ERASE_DK, STMT_ERASE_KEYS, STMT_ERASE_HISTORY, STMT_ERASE_RECORD
	};
	sqlite3_stmt *st;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if ((st = stmt(s, steps[i])) == NULL)
			return RC_EIO;
		bind_text(st, 1, record_id);
		if ((rc = step_done(s, st)) != RC_OK)
			return rc;
	}
	return RC_OK;
}

/*
 * The list query, composed from these literal fragments only. Each optional filter
 * adds its fragment and binds its value; the order of binds follows the order here.
 */
static int
list_where_driven(struct buf *q, const struct store_filter *f, int driven)
{
	size_t t, k;
	int rc = 0;

	/* With search terms (or a list of ids: `driven`), the records come from the
	 * caller's ids or keys, not from a walk of the agency's records probing each:
	 * the unary + keeps SQLite off the scope indexes. */
	driven = driven || f->nterms > 0;
	if (driven)
		rc |= buf_puts(q, " WHERE +r.type = ?");
	else
		rc |= buf_puts(q, " WHERE r.type = ?");
	if (f->agency_id && *f->agency_id)
		rc |= buf_puts(q, driven ? " AND +r.agency_id = ?" :
		    " AND r.agency_id = ?");
	if (f->owner_id && *f->owner_id)
		rc |= buf_puts(q, driven ? " AND +r.owner_id = ?" :
		    " AND r.owner_id = ?");
	if (f->location_prefix && *f->location_prefix)
		rc |= buf_puts(q, " AND substr(r.location_code, 1, length(?)) = ?");
	if (f->peer_or_agency_id && *f->peer_or_agency_id)
		rc |= buf_puts(q, " AND (r.agency_id = ? OR r.peer_agency_id = ?)");
	if (f->status && *f->status)
		rc |= buf_puts(q, " AND r.status = ?");
	if (f->workflow && *f->workflow)
		rc |= buf_puts(q, " AND r.workflow = ?");
	if (f->risk_level && *f->risk_level)
		rc |= buf_puts(q, " AND r.risk_level = ?");
	if (f->sex && *f->sex)
		rc |= buf_puts(q, " AND r.sex = ?");
	if (f->age_band && *f->age_band)
		rc |= buf_puts(q, " AND r.age_band = ?");
	if (f->nationality && *f->nationality)
		rc |= buf_puts(q, " AND r.nationality = ?");
	if (f->location_code && *f->location_code)
		rc |= buf_puts(q, " AND substr(r.location_code, 1, length(?)) = ?");
	if (f->link_id && *f->link_id)
		rc |= buf_puts(q, " AND r.link_id = ?");
	if (f->peer_agency_id && *f->peer_agency_id)
		rc |= buf_puts(q, " AND r.peer_agency_id = ?");
	if (f->updated_since != 0)
		rc |= buf_puts(q, " AND r.updated_at >= ?");
	if (f->created_from != 0)
		rc |= buf_puts(q, " AND r.created_at >= ?");
	if (f->created_to != 0)
		rc |= buf_puts(q, " AND r.created_at < ?");
	/* Terms are checked here, never drive: their callers start elsewhere
	 * (list_by_terms intersects them in the key index first; list_by_key and
	 * record_count_keys start from one key's entries). Each is probed for each
	 * record, a point lookup per key in the primary key (key, record_id): one
	 * name's entries lie together there, where the record_id index would scatter
	 * the probes over the whole blind index. */
	for (t = 0; t < f->nterms; t++) {
		rc |= buf_puts(q, " AND EXISTS (SELECT 1 FROM record_keys x INDEXED BY "
		    "sqlite_autoindex_record_keys_1 "
		    "WHERE x.record_id = r.id AND x.key IN (?");
		for (k = 1; k < f->terms[t].n; k++)
			rc |= buf_puts(q, ", ?");
		rc |= buf_puts(q, "))");
	}
	return rc ? RC_ENOMEM : RC_OK;
}

static int
list_where(struct buf *q, const struct store_filter *f)
{
	return list_where_driven(q, f, 0);
}

/* Bind the values of list_where's fragments from parameter `i` on; the next index. */
static int
list_bind(sqlite3_stmt *st, int i, const struct store_filter *f)
{
	size_t t, k;

	bind_text(st, i++, f->type);
	if (f->agency_id && *f->agency_id)
		bind_text(st, i++, f->agency_id);
	if (f->owner_id && *f->owner_id)
		bind_text(st, i++, f->owner_id);
	if (f->location_prefix && *f->location_prefix) {
		bind_text(st, i++, f->location_prefix);
		bind_text(st, i++, f->location_prefix);
	}
	if (f->peer_or_agency_id && *f->peer_or_agency_id) {
		bind_text(st, i++, f->peer_or_agency_id);
		bind_text(st, i++, f->peer_or_agency_id);
	}
	if (f->status && *f->status)
		bind_text(st, i++, f->status);
	if (f->workflow && *f->workflow)
		bind_text(st, i++, f->workflow);
	if (f->risk_level && *f->risk_level)
		bind_text(st, i++, f->risk_level);
	if (f->sex && *f->sex)
		bind_text(st, i++, f->sex);
	if (f->age_band && *f->age_band)
		bind_text(st, i++, f->age_band);
	if (f->nationality && *f->nationality)
		bind_text(st, i++, f->nationality);
	if (f->location_code && *f->location_code) {
		bind_text(st, i++, f->location_code);
		bind_text(st, i++, f->location_code);
	}
	if (f->link_id && *f->link_id)
		bind_text(st, i++, f->link_id);
	if (f->peer_agency_id && *f->peer_agency_id)
		bind_text(st, i++, f->peer_agency_id);
	if (f->updated_since != 0)
		sqlite3_bind_int64(st, i++, f->updated_since);
	if (f->created_from != 0)
		sqlite3_bind_int64(st, i++, f->created_from);
	if (f->created_to != 0)
		sqlite3_bind_int64(st, i++, f->created_to);
	for (t = 0; t < f->nterms; t++)
		for (k = 0; k < f->terms[t].n; k++)
			bind_blob(st, i++, f->terms[t].k[k], STORE_BLIND_BYTES);
	return i;
}

static int sqlite_store_key_count(struct store *s, const uint8_t key[STORE_BLIND_BYTES],
    int64_t cap, int64_t *count);
static int list_by_terms(struct store *s, const struct store_filter *f, int64_t *total,
    store_record_cb cb, void *arg);

/* Counted up to here, a term is common: past it, which term drives matters little. */
#define TERM_COUNT_CAP	2000

/* `terms` (room for STORE_KEY_GROUPS_MAX): the terms of `f`, the one with the fewest
 * records first (terms_candidates reads the first whole and narrows it by the rest). */
static int
terms_rarest_first(struct store *s, const struct store_filter *f,
    struct store_key_any *terms)
{
	int64_t n, best = INT64_MAX, sum;
	size_t t, k, first = 0;
	int rc;

	for (t = 0; t < f->nterms; t++) {
		for (k = 0, sum = 0; k < f->terms[t].n; k++) {
			if ((rc = sqlite_store_key_count(s, f->terms[t].k[k], TERM_COUNT_CAP,
			    &n)) != RC_OK)
				return rc;
			sum += n;
		}
		if (sum < best) {
			best = sum;
			first = t;
		}
	}
	terms[0] = f->terms[first];
	for (t = 0, k = 1; t < f->nterms; t++)
		if (t != first)
			terms[k++] = f->terms[t];
	return RC_OK;
}

static int
sqlite_store_record_list(struct store *s, const struct store_filter *given,
    int64_t *total, store_record_cb cb, void *arg)
{
	struct store_key_any terms[STORE_KEY_GROUPS_MAX];
	struct store_filter fr = *given, *f = &fr;
	struct buf q = BUF_INIT;
	sqlite3_stmt *st = NULL;
	size_t t;
	int rc = RC_ENOMEM, src, i;

	if (f->type == NULL || f->limit < 1 || f->limit > 1000 || f->offset < 0 ||
	    f->nterms > STORE_KEY_GROUPS_MAX)
		return RC_EINVALID;
	for (t = 0; t < f->nterms; t++)
		if (f->terms[t].n < 1 || f->terms[t].n > STORE_KEY_ANY_MAX)
			return RC_EINVALID;
	if (f->nterms > 1) {
		if ((rc = terms_rarest_first(s, given, terms)) != RC_OK)
			return rc;
		fr.terms = terms;
	}
	if (f->nterms > 0)
		return list_by_terms(s, f, total, cb, arg);

	if (total != NULL) {
		if (buf_puts(&q, "SELECT count(*) FROM records r") != 0 ||
		    list_where(&q, f) != RC_OK)
			goto out;
		if (sqlite3_prepare_v2(C(s)->db, q.p, -1, &st, NULL) != SQLITE_OK) {
			rc = rc_from_sqlite(C(s)->db, sqlite3_errcode(C(s)->db));
			goto out;
		}
		list_bind(st, 1, f);
		if ((src = sqlite3_step(st)) != SQLITE_ROW) {
			rc = rc_from_sqlite(C(s)->db, src);
			goto out;
		}
		*total = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		st = NULL;
		buf_reset(&q);
	}

	if (buf_puts(&q, "SELECT " RECORD_COLS " FROM records r "
	    "JOIN record_dk d ON d.record_id = r.id") != 0 ||
	    list_where(&q, f) != RC_OK ||
	    buf_puts(&q, " ORDER BY r.updated_at DESC, r.id LIMIT ? OFFSET ?") != 0)
		goto out;
	if (sqlite3_prepare_v2(C(s)->db, q.p, -1, &st, NULL) != SQLITE_OK) {
		rc = rc_from_sqlite(C(s)->db, sqlite3_errcode(C(s)->db));
		goto out;
	}
	i = list_bind(st, 1, f);
	sqlite3_bind_int64(st, i++, f->limit);
	sqlite3_bind_int64(st, i, f->offset);
	rc = RC_OK;
	rc = records_each(s, st, cb, arg);
out:
	sqlite3_finalize(st);
	buf_free(&q);
	return rc;
}

static int
sqlite_store_key_count(struct store *s, const uint8_t key[STORE_BLIND_BYTES],
    int64_t cap, int64_t *count)
{
	sqlite3_stmt *st;
	int src;

	if ((st = stmt(s, STMT_KEY_COUNT)) == NULL)
		return RC_EIO;
	bind_blob(st, 1, key, STORE_BLIND_BYTES);
	sqlite3_bind_int64(st, 2, cap);
	if ((src = sqlite3_step(st)) == SQLITE_ROW)
		*count = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return src == SQLITE_ROW ? RC_OK : rc_from_sqlite(C(s)->db, src);
}

/* The key's index rows drive (CROSS JOIN keeps that order), each record is then
 * checked against the filter: no sort, no walk of the whole scope. */
static int
sqlite_store_record_list_by_key(struct store *s, const struct store_filter *f,
    const uint8_t key[STORE_BLIND_BYTES], store_record_cb cb, void *arg)
{
	struct buf q = BUF_INIT;
	sqlite3_stmt *st = NULL;
	int rc = RC_ENOMEM, i;

	if (buf_puts(&q, "SELECT " RECORD_COLS " FROM record_keys k CROSS JOIN records r "
	    "ON r.id = k.record_id CROSS JOIN record_dk d ON d.record_id = r.id") != 0 ||
	    list_where(&q, f) != RC_OK || buf_puts(&q, " AND k.key = ? LIMIT ?") != 0)
		goto out;
	if (sqlite3_prepare_v2(C(s)->db, q.p, -1, &st, NULL) != SQLITE_OK) {
		rc = rc_from_sqlite(C(s)->db, sqlite3_errcode(C(s)->db));
		goto out;
	}
	i = list_bind(st, 1, f);
	bind_blob(st, i++, key, STORE_BLIND_BYTES);
	sqlite3_bind_int64(st, i, f->limit);
	rc = RC_OK;
	rc = records_each(s, st, cb, arg);
out:
	sqlite3_finalize(st);
	buf_free(&q);
	return rc;
}

static int
sqlite_store_key_records(struct store *s, const uint8_t key[STORE_BLIND_BYTES],
    int64_t limit, int (*cb)(void *arg, const char *record_id), void *arg)
{
	sqlite3_stmt *st;
	char id[ID_SIZE];
	int rc = RC_OK, src;

	if ((st = stmt(s, STMT_KEY_RECORDS)) == NULL)
		return RC_EIO;
	bind_blob(st, 1, key, STORE_BLIND_BYTES);
	sqlite3_bind_int64(st, 2, limit);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		col_text(st, 0, id, sizeof(id));
		if ((rc = cb(arg, id)) != 0)
			break;
	}
	if (rc == RC_OK && src != SQLITE_DONE)
		rc = rc_from_sqlite(C(s)->db, src);
	sqlite3_reset(st);
	return rc;
}

/* "`head` WHERE <the filter's scope> AND r.id IN (ids)`tail`", prepared and bound into
 * `*out` (caller finalizes). The ids drive (each one a lookup of the primary key); the unary
 * + of list_where_driven keeps SQLite off the scope indexes, which would walk the whole
 * scope. */
static int
ids_prepare(struct store *s, const char *head, const struct store_filter *f,
    const char *const *ids, size_t nids, const char *tail, sqlite3_stmt **out)
{
	struct buf q = BUF_INIT;
	size_t k;
	int rc = RC_ENOMEM, i;

	*out = NULL;
	if (buf_puts(&q, head) != 0 || list_where_driven(&q, f, 1) != RC_OK ||
	    buf_puts(&q, " AND r.id IN (?") != 0)
		goto out;
	for (k = 1; k < nids; k++)
		if (buf_puts(&q, ", ?") != 0)
			goto out;
	if (buf_puts(&q, ")") != 0 || buf_puts(&q, tail) != 0)
		goto out;
	if (sqlite3_prepare_v2(C(s)->db, q.p, -1, out, NULL) != SQLITE_OK) {
		rc = rc_from_sqlite(C(s)->db, sqlite3_errcode(C(s)->db));
		goto out;
	}
	i = list_bind(*out, 1, f);
	for (k = 0; k < nids; k++)
		bind_text(*out, i++, ids[k]);
	rc = RC_OK;
out:
	buf_free(&q);
	return rc;
}

/* The records of `ids` within `f`, `tail` ("" or an ORDER BY) after, to `cb`. */
static int
ids_rows(struct store *s, const struct store_filter *f, const char *const *ids,
    size_t nids, const char *tail, store_record_cb cb, void *arg)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = ids_prepare(s, "SELECT " RECORD_COLS " FROM records r "
	    "CROSS JOIN record_dk d ON d.record_id = r.id", f, ids, nids, tail, &st)) ==
	    RC_OK)
		rc = records_each(s, st, cb, arg);
	sqlite3_finalize(st);
	return rc;
}

static int
sqlite_store_record_list_ids(struct store *s, const struct store_filter *f,
    const char *const *ids, size_t nids, store_record_cb cb, void *arg)
{
	return ids_rows(s, f, ids, nids, "", cb, arg);
}

/* One match of a search: what its page order needs. */
struct term_match {
	char	id[ID_SIZE];
	int64_t	updated_at;
};

static int
term_match_cmp(const void *x, const void *y)
{
	const struct term_match *a = x, *b = y;

	if (a->updated_at != b->updated_at)
		return a->updated_at > b->updated_at ? -1 : 1;
	return strcmp(a->id, b->id);
}

/* At most this many index entries are read for one word of a search (its keys'
 * entries together): past it, the caller asks for another word. */
#define TERM_ENTRIES_MAX	800000
/* Candidates checked against the scope in one statement. */
#define TERM_CHUNK		500

/* Record ids, sorted and without repeats once ids_settle() ran. */
struct idset {
	char	(*id)[ID_SIZE];
	size_t	 n, cap;
};

static int
idset_add(struct idset *v, const char *id)
{
	char (*grown)[ID_SIZE];
	size_t ncap;

	if (v->n >= TERM_ENTRIES_MAX)
		return RC_EINVALID;
	if (v->n == v->cap) {
		ncap = v->cap ? v->cap * 2 : 256;
		if (ncap > TERM_ENTRIES_MAX)
			ncap = TERM_ENTRIES_MAX;
		if ((grown = realloc(v->id, ncap * sizeof(*grown))) == NULL)
			return RC_ENOMEM;
		v->id = grown;
		v->cap = ncap;
	}
	if (str_copy(v->id[v->n], ID_SIZE, id) != 0)
		return RC_EINVALID;
	v->n++;
	return RC_OK;
}

static int
id_cmp(const void *x, const void *y)
{
	return strcmp(x, y);
}

static void
ids_settle(struct idset *v)
{
	size_t i, k;

	if (v->n == 0)
		return;		/* no array yet: qsort's is declared non-null */
	qsort(v->id, v->n, sizeof(*v->id), id_cmp);
	for (i = k = 0; i < v->n; i++)
		if (k == 0 || strcmp(v->id[k - 1], v->id[i]) != 0)
			memmove(v->id[k++], v->id[i], ID_SIZE);
	v->n = k;
}

/* Keep in `v` (settled) the ids that `w` (settled) also has. */
static void
ids_intersect(struct idset *v, const struct idset *w)
{
	size_t i = 0, j = 0, k = 0;
	int c;

	while (i < v->n && j < w->n) {
		c = strcmp(v->id[i], w->id[j]);
		if (c == 0) {
			memmove(v->id[k++], v->id[i], ID_SIZE);
			i++;
			j++;
		} else if (c < 0)
			i++;
		else
			j++;
	}
	v->n = k;
}

/*
 * The ids that term `t` names: every one (`among` NULL), or those of `among` (a
 * point lookup of each id under each key: for a few candidates and a common word).
 * Added to `out` unsorted.
 */
static int
term_ids(struct store *s, const struct store_key_any *t, const struct idset *among,
    size_t from, size_t n, struct idset *out)
{
	struct buf q = BUF_INIT;
	sqlite3_stmt *st = NULL;
	char id[ID_SIZE];
	size_t k;
	int rc = RC_ENOMEM, src, i = 1;

	/* by the primary key (key, record_id): one word's entries lie together there,
	 * where the index by record would scatter the lookups over all of it */
	if (buf_puts(&q, "SELECT record_id FROM record_keys INDEXED BY "
	    "sqlite_autoindex_record_keys_1 WHERE key IN (?") != 0)
		goto out;
	for (k = 1; k < t->n; k++)
		if (buf_puts(&q, ", ?") != 0)
			goto out;
	if (buf_puts(&q, ")") != 0)
		goto out;
	if (among != NULL) {
		if (buf_puts(&q, " AND record_id IN (?") != 0)
			goto out;
		for (k = 1; k < n; k++)
			if (buf_puts(&q, ", ?") != 0)
				goto out;
		if (buf_puts(&q, ")") != 0)
			goto out;
	}
	if (sqlite3_prepare_v2(C(s)->db, q.p, -1, &st, NULL) != SQLITE_OK) {
		rc = rc_from_sqlite(C(s)->db, sqlite3_errcode(C(s)->db));
		goto out;
	}
	for (k = 0; k < t->n; k++)
		bind_blob(st, i++, t->k[k], STORE_BLIND_BYTES);
	for (k = 0; among != NULL && k < n; k++)
		bind_text(st, i++, among->id[from + k]);
	rc = RC_OK;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		col_text(st, 0, id, sizeof(id));
		if ((rc = idset_add(out, id)) != RC_OK)
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = rc_from_sqlite(C(s)->db, src);
out:
	sqlite3_finalize(st);
	buf_free(&q);
	return rc;
}

/* The records that every term of `f` names, from the key index alone: the rarest
 * term's ids (terms_rarest_first put it first), narrowed by each other term. */
static int
terms_candidates(struct store *s, const struct store_filter *f, struct idset *cand)
{
	struct idset w = { 0 };
	size_t t, k, n;
	int rc;

	if ((rc = term_ids(s, &f->terms[0], NULL, 0, 0, cand)) != RC_OK)
		return rc;
	ids_settle(cand);
	for (t = 1; t < f->nterms && cand->n > 0; t++) {
		w.n = 0;
		if (cand->n <= TERM_CHUNK * 4) {
			/* few candidates: look each one up under this term's keys */
			for (k = 0; k < cand->n && rc == RC_OK; k += n) {
				n = cand->n - k < TERM_CHUNK ? cand->n - k : TERM_CHUNK;
				rc = term_ids(s, &f->terms[t], cand, k, n, &w);
			}
		} else
			rc = term_ids(s, &f->terms[t], NULL, 0, 0, &w);
		if (rc != RC_OK)
			break;
		ids_settle(&w);
		ids_intersect(cand, &w);
	}
	free(w.id);
	return rc;
}

/*
 * store_record_list with search terms. The terms are intersected in the key index
 * first (each word's entries lie together there), so that only the records named by
 * every word are looked up: their scope and filters on the narrow index, their update
 * time from the row when they pass. The matches are counted and sorted here, then the
 * page's rows alone are read. Walking the records of one word instead looked up
 * thousands of records at a million cases, mostly from disk.
 */
static int
list_by_terms(struct store *s, const struct store_filter *f, int64_t *total,
    store_record_cb cb, void *arg)
{
	struct store_filter scope = *f;
	struct idset cand = { 0 };
	struct term_match *m = NULL, *grown;
	sqlite3_stmt *st = NULL;
	const char **ids = NULL;
	size_t n = 0, cap = 0, from, k, chunk;
	int rc, src;

	scope.terms = NULL;
	scope.nterms = 0;
	if ((rc = terms_candidates(s, f, &cand)) != RC_OK)
		goto out;
	rc = RC_ENOMEM;
	if ((ids = calloc(TERM_CHUNK, sizeof(*ids))) == NULL)
		goto out;
	for (from = 0; from < cand.n; from += chunk) {
		chunk = cand.n - from < TERM_CHUNK ? cand.n - from : TERM_CHUNK;
		for (k = 0; k < chunk; k++)
			ids[k] = cand.id[from + k];
		if ((rc = ids_prepare(s, "SELECT r.id, r.updated_at FROM records r INDEXED BY "
		    "records_report", &scope, ids, chunk, "", &st)) != RC_OK)
			goto out;
		while ((src = sqlite3_step(st)) == SQLITE_ROW) {
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 64;

				if ((grown = realloc(m, ncap * sizeof(*m))) == NULL) {
					rc = RC_ENOMEM;
					goto out;
				}
				m = grown;
				cap = ncap;
			}
			col_text(st, 0, m[n].id, sizeof(m[n].id));
			m[n].updated_at = sqlite3_column_int64(st, 1);
			n++;
		}
		if (src != SQLITE_DONE) {
			rc = rc_from_sqlite(C(s)->db, src);
			goto out;
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	if (total != NULL)
		*total = (int64_t)n;
	rc = RC_OK;
	if ((uint64_t)f->offset >= n)
		goto out;
	qsort(m, n, sizeof(*m), term_match_cmp);
	from = (size_t)f->offset;
	free(ids);
	if ((ids = calloc((size_t)f->limit, sizeof(*ids))) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	for (k = 0; k < (size_t)f->limit && from + k < n; k++)
		ids[k] = m[from + k].id;
	/* the page's rows, in the same order */
	rc = ids_rows(s, &scope, (const char *const *)ids, k,
	    " ORDER BY r.updated_at DESC, r.id", cb, arg);
out:
	sqlite3_finalize(st);
	free(ids);
	free(cand.id);
	free(m);
	return rc;
}

#define INDEX_COLS \
	"r.id, r.type, r.agency_id, r.owner_id, r.created_at, r.sex, r.age_band, " \
	"r.nationality, r.location_code, r.risk_level, r.workflow, r.status, r.flags"

/* From the narrow index alone (INDEXED BY: its first column is the id), the rows of
 * the records never read. */
static int
sqlite_store_record_index_ids(struct store *s, const struct store_filter *f,
    const char *const *ids, size_t nids,
    int (*cb)(void *arg, const struct record_meta *m), void *arg)
{
	struct record_meta m;
	sqlite3_stmt *st = NULL;
	int rc, src;

	if ((rc = ids_prepare(s, "SELECT " INDEX_COLS " FROM records r "
	    "INDEXED BY records_report", f, ids, nids, "", &st)) != RC_OK)
		goto out;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&m, 0, sizeof(m));
		col_text(st, 0, m.id, sizeof(m.id));
		col_text(st, 1, m.type, sizeof(m.type));
		col_text(st, 2, m.agency_id, sizeof(m.agency_id));
		col_text(st, 3, m.owner_id, sizeof(m.owner_id));
		m.created_at = sqlite3_column_int64(st, 4);
		col_text(st, 5, m.sex, sizeof(m.sex));
		col_text(st, 6, m.age_band, sizeof(m.age_band));
		col_text(st, 7, m.nationality, sizeof(m.nationality));
		col_text(st, 8, m.location_code, sizeof(m.location_code));
		col_text(st, 9, m.risk_level, sizeof(m.risk_level));
		col_text(st, 10, m.workflow, sizeof(m.workflow));
		col_text(st, 11, m.status, sizeof(m.status));
		m.flags = sqlite3_column_int64(st, 12);
		if ((rc = cb(arg, &m)) != 0)
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = rc_from_sqlite(C(s)->db, src);
out:
	sqlite3_finalize(st);
	return rc;
}

static int
sqlite_store_record_count_by(struct store *s, const struct store_filter *f,
    const enum group_col *group, size_t ngroup, int location_len,
    int (*cb)(void *arg, const struct store_count_row *row), void *arg)
{
	struct store_count_row row;
	struct buf q = BUF_INIT;
	sqlite3_stmt *st = NULL;
	size_t g;
	int rc = RC_ENOMEM, src, i = 1, cut;

	/* SELECT the group expressions (from group_sql[]), count, GROUP BY 1, 2 ... */
	if (buf_puts(&q, "SELECT ") != 0)
		goto out;
	for (g = 0; g < ngroup; g++) {
		cut = group[g] == GROUP_LOCATION_CODE && location_len > 0;
		if (buf_puts(&q, cut ? "substr(r.location_code, 1, ?)" :
		    group_sql[group[g]]) != 0 || buf_puts(&q, ", ") != 0)
			goto out;
	}
	if (buf_puts(&q, "count(*) FROM records r") != 0 || list_where(&q, f) != RC_OK)
		goto out;
	for (g = 0; g < ngroup; g++)
		if (buf_printf(&q, "%s%zu", g ? ", " : " GROUP BY ", g + 1) != 0)
			goto out;
	for (g = 0; g < ngroup; g++)
		if (buf_printf(&q, "%s%zu", g ? ", " : " ORDER BY ", g + 1) != 0)
			goto out;
	if (sqlite3_prepare_v2(C(s)->db, q.p, -1, &st, NULL) != SQLITE_OK) {
		rc = rc_from_sqlite(C(s)->db, sqlite3_errcode(C(s)->db));
		goto out;
	}
	for (g = 0; g < ngroup; g++)
		if (group[g] == GROUP_LOCATION_CODE && location_len > 0)
			sqlite3_bind_int(st, i++, location_len);
	list_bind(st, i, f);
	rc = RC_OK;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		for (g = 0; g < ngroup; g++)
			col_text(st, (int)g, row.value[g], sizeof(row.value[g]));
		row.count = sqlite3_column_int64(st, (int)ngroup);
		if ((rc = cb(arg, &row)) != 0)
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = rc_from_sqlite(C(s)->db, src);
out:
	sqlite3_finalize(st);
	buf_free(&q);
	return rc;
}

/* The index of blind key `k` in `keys`, as text; "" when absent. */
static void
key_index(const uint8_t (*keys)[STORE_BLIND_BYTES], size_t nkeys, const void *k,
    int klen, char out[STORE_GROUP_VALUE_SIZE])
{
	size_t i;

	out[0] = '\0';
	for (i = 0; k != NULL && klen == STORE_BLIND_BYTES && i < nkeys; i++)
		if (memcmp(keys[i], k, STORE_BLIND_BYTES) == 0) {
			snprintf(out, STORE_GROUP_VALUE_SIZE, "%zu", i);
			return;
		}
}

static int
sqlite_store_record_count_keys(struct store *s, const struct store_filter *f,
    const uint8_t (*keys)[STORE_BLIND_BYTES], size_t nkeys, const enum group_col *group,
    size_t ngroup, int location_len,
    int (*cb)(void *arg, const struct store_count_row *row), void *arg)
{
	struct store_count_row row;
	struct buf q = BUF_INIT;
	sqlite3_stmt *st = NULL;
	size_t g, k;
	int rc = RC_ENOMEM, src, i = 1, cut;

	/* from the keys' index entries to the narrow index of the records they name
	 * (INDEXED BY: a range on created_at must not become the inner loop) */
	if (buf_puts(&q, "SELECT k.key, ") != 0)
		goto out;
	for (g = 0; g < ngroup; g++) {
		cut = group[g] == GROUP_LOCATION_CODE && location_len > 0;
		if (buf_puts(&q, cut ? "substr(r.location_code, 1, ?)" :
		    group_sql[group[g]]) != 0 || buf_puts(&q, ", ") != 0)
			goto out;
	}
	if (buf_puts(&q, "count(*) FROM record_keys k CROSS JOIN records r INDEXED BY "
	    "records_report ON r.id = k.record_id") != 0 || list_where(&q, f) != RC_OK ||
	    buf_puts(&q, " AND k.key IN (?") != 0)
		goto out;
	for (k = 1; k < nkeys; k++)
		if (buf_puts(&q, ", ?") != 0)
			goto out;
	if (buf_puts(&q, ")") != 0)
		goto out;
	for (g = 0; g <= ngroup; g++)
		if (buf_printf(&q, "%s%zu", g ? ", " : " GROUP BY ", g + 1) != 0)
			goto out;
	if (sqlite3_prepare_v2(C(s)->db, q.p, -1, &st, NULL) != SQLITE_OK) {
		rc = rc_from_sqlite(C(s)->db, sqlite3_errcode(C(s)->db));
		goto out;
	}
	for (g = 0; g < ngroup; g++)
		if (group[g] == GROUP_LOCATION_CODE && location_len > 0)
			sqlite3_bind_int(st, i++, location_len);
	i = list_bind(st, i, f);
	for (k = 0; k < nkeys; k++)
		bind_blob(st, i++, keys[k], STORE_BLIND_BYTES);
	rc = RC_OK;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		key_index(keys, nkeys, sqlite3_column_blob(st, 0), sqlite3_column_bytes(st, 0),
		    row.value[0]);
		for (g = 0; g < ngroup; g++)
			col_text(st, (int)g + 1, row.value[g + 1], sizeof(row.value[g + 1]));
		row.count = sqlite3_column_int64(st, (int)ngroup + 1);
		if ((rc = cb(arg, &row)) != 0)
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = rc_from_sqlite(C(s)->db, src);
out:
	sqlite3_finalize(st);
	buf_free(&q);
	return rc;
}

/* ---- history ------------------------------------------------------------------ */

static int
sqlite_store_history_append(struct store *s, const struct store_history *h)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, STMT_HISTORY_INSERT)) == NULL)
		return RC_EIO;
	bind_text(st, 1, h->record_id);
	sqlite3_bind_int64(st, 2, h->rev);
	sqlite3_bind_int64(st, 3, h->at);
	bind_text(st, 4, h->user_id);
	bind_text(st, 5, h->action);
	bind_blob(st, 6, h->body, h->body_len);
	return step_done(s, st);
}

static int
sqlite_store_history_list(struct store *s, const char *record_id,
    int (*cb)(void *arg, struct store_history *h), void *arg)
{
	struct store_history h;
	sqlite3_stmt *st;
	int rc = RC_OK, src;

	if ((st = stmt(s, STMT_HISTORY_LIST)) == NULL)
		return RC_EIO;
	bind_text(st, 1, record_id);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&h, 0, sizeof(h));
		col_text(st, 0, h.record_id, sizeof(h.record_id));
		h.rev = sqlite3_column_int64(st, 1);
		h.at = sqlite3_column_int64(st, 2);
		col_text(st, 3, h.user_id, sizeof(h.user_id));
		col_text(st, 4, h.action, sizeof(h.action));
		if ((rc = col_blob(st, 5, &h.body, &h.body_len)) != RC_OK)
			break;
		if ((rc = cb(arg, &h)) != 0)
			break;
	}
	if (rc == RC_OK && src != SQLITE_DONE)
		rc = rc_from_sqlite(C(s)->db, src);
	sqlite3_reset(st);
	return rc;
}

/* ---- agencies ----------------------------------------------------------------- */

static int
sqlite_store_agency_insert(struct store *s, const struct store_agency *a)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, STMT_AGENCY_INSERT)) == NULL)
		return RC_EIO;
	bind_text(st, 1, a->id);
	bind_text(st, 2, a->code);
	bind_text(st, 3, a->name);
	sqlite3_bind_int64(st, 4, a->created_at);
	return step_done(s, st);
}

static void
agency_read_row(sqlite3_stmt *st, struct store_agency *a)
{
	memset(a, 0, sizeof(*a));
	col_text(st, 0, a->id, sizeof(a->id));
	col_text(st, 1, a->code, sizeof(a->code));
	col_text(st, 2, a->name, sizeof(a->name));
	a->created_at = sqlite3_column_int64(st, 3);
}

static int
sqlite_store_agency_get(struct store *s, const char *id_or_code, struct store_agency *out)
{
	sqlite3_stmt *st;
	int src, rc;

	if ((st = stmt(s, STMT_AGENCY_GET)) == NULL)
		return RC_EIO;
	bind_text(st, 1, id_or_code);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		agency_read_row(st, out);
		rc = RC_OK;
	} else
		rc = src == SQLITE_DONE ? RC_ENOTFOUND : rc_from_sqlite(C(s)->db, src);
	sqlite3_reset(st);
	return rc;
}

static int
sqlite_store_agency_list(struct store *s, int (*cb)(void *arg, const struct store_agency *a),
    void *arg)
{
	struct store_agency a;
	sqlite3_stmt *st;
	int rc = RC_OK, src;

	if ((st = stmt(s, STMT_AGENCY_LIST)) == NULL)
		return RC_EIO;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		agency_read_row(st, &a);
		if ((rc = cb(arg, &a)) != 0)
			break;
	}
	if (rc == RC_OK && src != SQLITE_DONE)
		rc = rc_from_sqlite(C(s)->db, src);
	sqlite3_reset(st);
	return rc;
}

/* ---- users -------------------------------------------------------------------- */

static void
user_bind(sqlite3_stmt *st, const struct store_user *u)
{
	bind_text(st, 1, u->id);
	bind_text(st, 2, u->username);
	bind_text(st, 3, u->full_name);
	bind_text(st, 4, u->role);
	bind_text(st, 5, u->agency_id);
	bind_text(st, 6, u->location_code);
	bind_text(st, 7, u->language);
	bind_text(st, 8, u->password_hash);
	sqlite3_bind_int(st, 9, u->disabled);
	sqlite3_bind_int(st, 10, u->failed_logins);
	sqlite3_bind_int64(st, 11, u->locked_until);
	sqlite3_bind_int64(st, 12, u->created_at);
	sqlite3_bind_int64(st, 13, u->updated_at);
}

static void
user_read_row(sqlite3_stmt *st, struct store_user *u)
{
	memset(u, 0, sizeof(*u));
	col_text(st, 0, u->id, sizeof(u->id));
	col_text(st, 1, u->username, sizeof(u->username));
	col_text(st, 2, u->full_name, sizeof(u->full_name));
	col_text(st, 3, u->role, sizeof(u->role));
	col_text(st, 4, u->agency_id, sizeof(u->agency_id));
	col_text(st, 5, u->location_code, sizeof(u->location_code));
	col_text(st, 6, u->language, sizeof(u->language));
	col_text(st, 7, u->password_hash, sizeof(u->password_hash));
	u->disabled = sqlite3_column_int(st, 8);
	u->failed_logins = sqlite3_column_int(st, 9);
	u->locked_until = sqlite3_column_int64(st, 10);
	u->created_at = sqlite3_column_int64(st, 11);
	u->updated_at = sqlite3_column_int64(st, 12);
}

static int
sqlite_store_user_insert(struct store *s, const struct store_user *u)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, STMT_USER_INSERT)) == NULL)
		return RC_EIO;
	user_bind(st, u);
	return step_done(s, st);
}

static int
user_get(struct store *s, enum stmt id, const char *key, struct store_user *out)
{
	sqlite3_stmt *st;
	int src, rc;

	if ((st = stmt(s, id)) == NULL)
		return RC_EIO;
	bind_text(st, 1, key);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		user_read_row(st, out);
		rc = RC_OK;
	} else
		rc = src == SQLITE_DONE ? RC_ENOTFOUND : rc_from_sqlite(C(s)->db, src);
	sqlite3_reset(st);
	return rc;
}

static int
sqlite_store_user_get(struct store *s, const char *id, struct store_user *out)
{
	return user_get(s, STMT_USER_GET, id, out);
}

static int
sqlite_store_user_get_by_name(struct store *s, const char *username, struct store_user *out)
{
	return user_get(s, STMT_USER_GET_NAME, username, out);
}

static int
sqlite_store_user_update(struct store *s, const struct store_user *u)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(s, STMT_USER_UPDATE)) == NULL)
		return RC_EIO;
	user_bind(st, u);
	if ((rc = step_done(s, st)) != RC_OK)
		return rc;
	return sqlite3_changes(C(s)->db) == 1 ? RC_OK : RC_ENOTFOUND;
}

static int
sqlite_store_user_list(struct store *s, int (*cb)(void *arg, const struct store_user *u),
    void *arg)
{
	struct store_user u;
	sqlite3_stmt *st;
	int rc = RC_OK, src;

	if ((st = stmt(s, STMT_USER_LIST)) == NULL)
		return RC_EIO;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		user_read_row(st, &u);
		rc = cb(arg, &u);
		memset(u.password_hash, 0, sizeof(u.password_hash));
		if (rc != 0)
			break;
	}
	if (rc == RC_OK && src != SQLITE_DONE)
		rc = rc_from_sqlite(C(s)->db, src);
	sqlite3_reset(st);
	return rc;
}

static int64_t
count_of(struct store *s, enum stmt id)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	if ((st = stmt(s, id)) == NULL)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

static int64_t
sqlite_store_user_count(struct store *s)
{
	return count_of(s, STMT_USER_COUNT);
}

/* ---- locations ---------------------------------------------------------------- */

static int
sqlite_store_location_put(struct store *s, const char *code, const char *parent_code, int level,
    const char *names_json)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, STMT_LOCATION_PUT)) == NULL)
		return RC_EIO;
	bind_text(st, 1, code);
	if (parent_code != NULL && *parent_code)
		bind_text(st, 2, parent_code);
	else
		sqlite3_bind_null(st, 2);
	sqlite3_bind_int(st, 3, level);
	bind_text(st, 4, names_json);
	return step_done(s, st);
}

static int
sqlite_store_location_exists(struct store *s, const char *code)
{
	sqlite3_stmt *st;
	int src;

	if ((st = stmt(s, STMT_LOCATION_EXISTS)) == NULL)
		return RC_EIO;
	bind_text(st, 1, code);
	src = sqlite3_step(st);
	sqlite3_reset(st);
	if (src == SQLITE_ROW)
		return 1;
	return src == SQLITE_DONE ? 0 : rc_from_sqlite(C(s)->db, src);
}

static int64_t
sqlite_store_location_count(struct store *s)
{
	return count_of(s, STMT_LOCATION_COUNT);
}

static int
sqlite_store_location_list(struct store *s, int (*cb)(void *arg, const char *code,
    const char *parent_code, int level, const char *names_json), void *arg)
{
	sqlite3_stmt *st;
	int rc = RC_OK, src;

	if ((st = stmt(s, STMT_LOCATION_LIST)) == NULL)
		return RC_EIO;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		rc = cb(arg, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1), sqlite3_column_int(st, 2),
		    (const char *)sqlite3_column_text(st, 3));
		if (rc != 0)
			break;
	}
	if (rc == RC_OK && src != SQLITE_DONE)
		rc = rc_from_sqlite(C(s)->db, src);
	sqlite3_reset(st);
	return rc;
}

static const char *
sqlite_store_path(const struct store *s)
{
	return ((const struct sqlite_store *)s)->path;
}

/* ---- sessions ------------------------------------------------------------------- */

static int
sqlite_store_session_insert(struct store *s, const struct store_session *ss)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, STMT_SESSION_INSERT)) == NULL)
		return RC_EIO;
	bind_blob(st, 1, ss->token_hash, STORE_HASH_BYTES);
	bind_text(st, 2, ss->user_id);
	sqlite3_bind_int64(st, 3, ss->created_at);
	sqlite3_bind_int64(st, 4, ss->last_seen);
	sqlite3_bind_int64(st, 5, ss->expires_at);
	return step_done(s, st);
}

/* The five session columns starting at column `at`. */
static void
session_read_row(sqlite3_stmt *st, int at, struct store_session *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (sqlite3_column_bytes(st, at) == STORE_HASH_BYTES)
		memcpy(ss->token_hash, sqlite3_column_blob(st, at), STORE_HASH_BYTES);
	col_text(st, at + 1, ss->user_id, sizeof(ss->user_id));
	ss->created_at = sqlite3_column_int64(st, at + 2);
	ss->last_seen = sqlite3_column_int64(st, at + 3);
	ss->expires_at = sqlite3_column_int64(st, at + 4);
}

static int
sqlite_store_session_get(struct store *s, const uint8_t hash[STORE_HASH_BYTES],
    struct store_session *out)
{
	sqlite3_stmt *st;
	int src, rc;

	if ((st = stmt(s, STMT_SESSION_GET)) == NULL)
		return RC_EIO;
	bind_blob(st, 1, hash, STORE_HASH_BYTES);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		session_read_row(st, 0, out);
		rc = RC_OK;
	} else
		rc = src == SQLITE_DONE ? RC_ENOTFOUND : rc_from_sqlite(C(s)->db, src);
	sqlite3_reset(st);
	return rc;
}

static int
sqlite_store_session_touch(struct store *s, const uint8_t hash[STORE_HASH_BYTES],
    int64_t last_seen)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, STMT_SESSION_TOUCH)) == NULL)
		return RC_EIO;
	bind_blob(st, 1, hash, STORE_HASH_BYTES);
	sqlite3_bind_int64(st, 2, last_seen);
	return step_done(s, st);
}

static int
sqlite_store_session_delete(struct store *s, const uint8_t hash[STORE_HASH_BYTES])
{
	sqlite3_stmt *st;

	if ((st = stmt(s, STMT_SESSION_DELETE)) == NULL)
		return RC_EIO;
	bind_blob(st, 1, hash, STORE_HASH_BYTES);
	return step_done(s, st);
}

static int
sqlite_store_session_delete_user(struct store *s, const char *user_id, const uint8_t *keep)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, STMT_SESSION_DELETE_USER)) == NULL)
		return RC_EIO;
	bind_text(st, 1, user_id);
	if (keep != NULL)
		bind_blob(st, 2, keep, STORE_HASH_BYTES);
	else
		sqlite3_bind_null(st, 2);
	return step_done(s, st);
}

static int
sqlite_store_session_purge(struct store *s, int64_t now, int64_t idle_before)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, STMT_SESSION_PURGE)) == NULL)
		return RC_EIO;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, idle_before);
	return step_done(s, st);
}

static int64_t
sqlite_store_session_count(struct store *s, int64_t now, int64_t idle_before)
{
	sqlite3_stmt *st;
	int64_t n = -1;

	if ((st = stmt(s, STMT_SESSION_COUNT)) == NULL)
		return -1;
	sqlite3_bind_int64(st, 1, now);
	sqlite3_bind_int64(st, 2, idle_before);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return n;
}

/* ---- audit chain ------------------------------------------------------------------ */

static int
sqlite_store_audit_last(struct store *s, int64_t *seq, uint8_t hash[STORE_HASH_BYTES])
{
	sqlite3_stmt *st;
	int src, rc = RC_OK;

	*seq = 0;
	memset(hash, 0, STORE_HASH_BYTES);
	if ((st = stmt(s, STMT_AUDIT_LAST)) == NULL)
		return RC_EIO;
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		*seq = sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 1) == STORE_HASH_BYTES)
			memcpy(hash, sqlite3_column_blob(st, 1), STORE_HASH_BYTES);
		else
			rc = RC_EINTEGRITY;
	} else if (src != SQLITE_DONE)
		rc = rc_from_sqlite(C(s)->db, src);
	sqlite3_reset(st);
	return rc;
}

static int
sqlite_store_audit_insert(struct store *s, const struct store_audit *row)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, STMT_AUDIT_INSERT)) == NULL)
		return RC_EIO;
	sqlite3_bind_int64(st, 1, row->seq);
	sqlite3_bind_int64(st, 2, row->at);
	bind_text(st, 3, row->user_id);
	bind_text(st, 4, row->agency_id);
	bind_text(st, 5, row->action);
	bind_text(st, 6, row->record_id);
	if (row->fields != NULL)
		bind_text(st, 7, row->fields);
	else
		sqlite3_bind_null(st, 7);
	bind_text(st, 8, row->outcome);
	bind_blob(st, 9, row->prev_hash, STORE_HASH_BYTES);
	bind_blob(st, 10, row->hash, STORE_HASH_BYTES);
	return step_done(s, st);
}

static int
audit_read_row(sqlite3_stmt *st, struct store_audit *r)
{
	const unsigned char *f;

	int bad = 0;

	memset(r, 0, sizeof(*r));
	r->seq = sqlite3_column_int64(st, 0);
	r->at = sqlite3_column_int64(st, 1);
	/* every column as stored: a value cut to fit would hide a change */
	bad |= sqlite3_column_type(st, 0) != SQLITE_INTEGER;
	bad |= sqlite3_column_type(st, 1) != SQLITE_INTEGER;
	bad |= col_text(st, 2, r->user_id, sizeof(r->user_id));
	bad |= col_text(st, 3, r->agency_id, sizeof(r->agency_id));
	bad |= col_text(st, 4, r->action, sizeof(r->action));
	bad |= col_text(st, 5, r->record_id, sizeof(r->record_id));
	if ((f = sqlite3_column_text(st, 6)) != NULL &&
	    (r->fields = strdup((const char *)f)) == NULL)
		return RC_ENOMEM;
	bad |= col_text(st, 7, r->outcome, sizeof(r->outcome));
	if (sqlite3_column_bytes(st, 8) == STORE_HASH_BYTES)
		memcpy(r->prev_hash, sqlite3_column_blob(st, 8), STORE_HASH_BYTES);
	else
		bad = 1;
	if (sqlite3_column_bytes(st, 9) == STORE_HASH_BYTES)
		memcpy(r->hash, sqlite3_column_blob(st, 9), STORE_HASH_BYTES);
	else
		bad = 1;
	r->malformed = bad != 0;
	return RC_OK;
}

static int
sqlite_store_audit_walk(struct store *s, int (*cb)(void *arg, struct store_audit *row),
    void *arg)
{
	struct store_audit r;
	sqlite3_stmt *st;
	int rc = RC_OK, src;

	/* its own statement: a walk may run while other statements are in use */
	if (sqlite3_prepare_v2(C(s)->db, sqlite_sql[STMT_AUDIT_WALK], -1, &st, NULL) !=
	    SQLITE_OK)
		return rc_from_sqlite(C(s)->db, sqlite3_errcode(C(s)->db));
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = audit_read_row(st, &r)) != RC_OK)
			break;
		if ((rc = cb(arg, &r)) != 0)
			break;
	}
	if (rc == RC_OK && src != SQLITE_DONE)
		rc = rc_from_sqlite(C(s)->db, src);
	sqlite3_finalize(st);
	return rc;
}

static int
sqlite_store_audit_list(struct store *s, const struct store_audit_filter *f, int64_t *total,
    int (*cb)(void *arg, struct store_audit *row), void *arg)
{
	static const char where[] =
	    " WHERE (?1 IS NULL OR agency_id = ?1) AND (?2 IS NULL OR record_id = ?2)"
	    " AND (?3 IS NULL OR user_id = ?3) AND at >= ?4";
	sqlite3_stmt *st = NULL;
	struct store_audit r;
	int rc = RC_OK, src, pass;

	if (f->limit < 1 || f->limit > 1000 || f->offset < 0)
		return RC_EINVALID;
	for (pass = 0; pass < 2; pass++) {
		const char *sql = pass == 0 ?
		    "SELECT count(*) FROM audit" :
		    "SELECT " AUDIT_COLS " FROM audit";
		struct buf q = BUF_INIT;

		if (pass == 0 && total == NULL)
			continue;
		if (buf_puts(&q, sql) != 0 || buf_puts(&q, where) != 0 ||
		    (pass == 1 && buf_puts(&q, " ORDER BY seq DESC LIMIT ?5 OFFSET ?6") != 0)) {
			buf_free(&q);
			return RC_ENOMEM;
		}
		src = sqlite3_prepare_v2(C(s)->db, q.p, -1, &st, NULL);
		buf_free(&q);
		if (src != SQLITE_OK)
			return rc_from_sqlite(C(s)->db, src);
		if (f->agency_id && *f->agency_id)
			bind_text(st, 1, f->agency_id);
		if (f->record_id && *f->record_id)
			bind_text(st, 2, f->record_id);
		if (f->user_id && *f->user_id)
			bind_text(st, 3, f->user_id);
		sqlite3_bind_int64(st, 4, f->since);
		if (pass == 0) {
			if ((src = sqlite3_step(st)) == SQLITE_ROW)
				*total = sqlite3_column_int64(st, 0);
			else
				rc = rc_from_sqlite(C(s)->db, src);
		} else {
			sqlite3_bind_int64(st, 5, f->limit);
			sqlite3_bind_int64(st, 6, f->offset);
			while ((src = sqlite3_step(st)) == SQLITE_ROW) {
				if ((rc = audit_read_row(st, &r)) != RC_OK)
					break;
				if ((rc = cb(arg, &r)) != 0)
					break;
			}
			if (rc == RC_OK && src != SQLITE_DONE)
				rc = rc_from_sqlite(C(s)->db, src);
		}
		sqlite3_finalize(st);
		st = NULL;
		if (rc != RC_OK)
			return rc;
	}
	return rc;
}

static int
sqlite_store_caseload(struct store *s, const char *type, const char *agency_id,
    const char *owner_id, const int64_t due[4], int64_t now,
    int (*cb)(void *arg, const struct store_caseload_row *row), void *arg)
{
	struct store_caseload_row row;
	sqlite3_stmt *st;
	int rc = RC_OK, src, i;

	if ((st = stmt(s, STMT_CASELOAD)) == NULL)
		return RC_EIO;
	bind_text(st, 1, type);
	if (agency_id != NULL && *agency_id)
		bind_text(st, 2, agency_id);
	if (owner_id != NULL && *owner_id)
		bind_text(st, 3, owner_id);
	for (i = 0; i < 4; i++)
		sqlite3_bind_int64(st, 4 + i, due[i]);
	sqlite3_bind_int64(st, 8, now);
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&row, 0, sizeof(row));
		col_text(st, 0, row.owner_id, sizeof(row.owner_id));
		col_text(st, 1, row.risk_level, sizeof(row.risk_level));
		row.open = sqlite3_column_int64(st, 2);
		row.overdue = sqlite3_column_int64(st, 3);
		if ((rc = cb(arg, &row)) != 0)
			break;
	}
	if (rc == RC_OK && src != SQLITE_DONE)
		rc = rc_from_sqlite(C(s)->db, src);
	sqlite3_reset(st);
	return rc;
}

static int
sqlite_store_session_user(struct store *s, const uint8_t hash[STORE_HASH_BYTES],
    struct store_session *ss, struct store_user *u)
{
	sqlite3_stmt *st;
	int src, rc;

	if ((st = stmt(s, STMT_SESSION_USER)) == NULL)
		return RC_EIO;
	bind_blob(st, 1, hash, STORE_HASH_BYTES);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		user_read_row(st, u);		/* columns 0..12 */
		session_read_row(st, 13, ss);	/* columns 13..17 */
		rc = RC_OK;
	} else
		rc = src == SQLITE_DONE ? RC_ENOTFOUND : rc_from_sqlite(C(s)->db, src);
	sqlite3_reset(st);
	return rc;
}

/* ---- documents -------------------------------------------------------------------- */

static int
doc_write(struct store *s, enum stmt id, const struct store_doc *d)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, id)) == NULL)
		return RC_EIO;
	bind_text(st, 1, d->kind);
	bind_text(st, 2, d->id);
	bind_text(st, 3, d->ref);
	bind_text(st, 4, d->owner_id);
	bind_text(st, 5, d->agency_id);
	sqlite3_bind_int64(st, 6, d->at);
	bind_text(st, 7, d->body);
	sqlite3_bind_int64(st, 8, d->updated_at);
	return step_done(s, st);
}

static int
sqlite_store_doc_insert(struct store *s, const struct store_doc *d)
{
	return doc_write(s, STMT_DOC_INSERT, d);
}

static int
sqlite_store_doc_put(struct store *s, const struct store_doc *d)
{
	return doc_write(s, STMT_DOC_PUT, d);
}

/* The DOC_COLS of the current row; d->body is malloc'd. */
static int
doc_read_row(sqlite3_stmt *st, struct store_doc *d)
{
	const unsigned char *body;

	memset(d, 0, sizeof(*d));
	col_text(st, 0, d->kind, sizeof(d->kind));
	col_text(st, 1, d->id, sizeof(d->id));
	col_text(st, 2, d->ref, sizeof(d->ref));
	col_text(st, 3, d->owner_id, sizeof(d->owner_id));
	col_text(st, 4, d->agency_id, sizeof(d->agency_id));
	d->at = sqlite3_column_int64(st, 5);
	body = sqlite3_column_text(st, 6);
	if ((d->body = strdup(body != NULL ? (const char *)body : "")) == NULL)
		return RC_ENOMEM;
	d->updated_at = sqlite3_column_int64(st, 7);
	return RC_OK;
}

static int
sqlite_store_doc_get(struct store *s, const char *kind, const char *id,
    struct store_doc *out)
{
	sqlite3_stmt *st;
	int src, rc;

	if ((st = stmt(s, STMT_DOC_GET)) == NULL)
		return RC_EIO;
	bind_text(st, 1, kind);
	bind_text(st, 2, id);
	src = sqlite3_step(st);
	if (src == SQLITE_ROW)
		rc = doc_read_row(st, out);
	else
		rc = src == SQLITE_DONE ? RC_ENOTFOUND : rc_from_sqlite(C(s)->db, src);
	sqlite3_reset(st);
	return rc;
}

static int
sqlite_store_doc_delete(struct store *s, const char *kind, const char *id)
{
	sqlite3_stmt *st;
	int rc;

	if ((st = stmt(s, STMT_DOC_DELETE)) == NULL)
		return RC_EIO;
	bind_text(st, 1, kind);
	bind_text(st, 2, id);
	if ((rc = step_done(s, st)) != RC_OK)
		return rc;
	return sqlite3_changes(C(s)->db) > 0 ? RC_OK : RC_ENOTFOUND;
}

static int
sqlite_store_doc_delete_ref(struct store *s, const char *kind, const char *ref)
{
	sqlite3_stmt *st;

	if ((st = stmt(s, STMT_DOC_DELETE_REF)) == NULL)
		return RC_EIO;
	bind_text(st, 1, kind);
	bind_text(st, 2, ref);
	return step_done(s, st);
}

/* The document list's WHERE, from these literal fragments only; binds follow. */
static int
doc_where(struct buf *q, const struct store_doc_filter *f)
{
	int rc = 0;

	rc |= buf_puts(q, " WHERE kind = ?");
	if (f->ref && *f->ref)
		rc |= buf_puts(q, " AND ref = ?");
	if (f->owner_or_agency)
		rc |= buf_puts(q, " AND (owner_id = ? OR agency_id = ?)");
	else {
		if (f->owner_id && *f->owner_id)
			rc |= buf_puts(q, " AND owner_id = ?");
		if (f->agency_id && *f->agency_id)
			rc |= buf_puts(q, " AND agency_id = ?");
	}
	if (f->at_min != 0)
		rc |= buf_puts(q, " AND at >= ?");
	if (f->at_max != 0)
		rc |= buf_puts(q, " AND at <= ?");
	return rc ? RC_ENOMEM : RC_OK;
}

static int
doc_bind(sqlite3_stmt *st, const struct store_doc_filter *f)
{
	int i = 1;

	bind_text(st, i++, f->kind);
	if (f->ref && *f->ref)
		bind_text(st, i++, f->ref);
	if (f->owner_or_agency) {
		bind_text(st, i++, f->owner_id);
		bind_text(st, i++, f->agency_id);
	} else {
		if (f->owner_id && *f->owner_id)
			bind_text(st, i++, f->owner_id);
		if (f->agency_id && *f->agency_id)
			bind_text(st, i++, f->agency_id);
	}
	if (f->at_min != 0)
		sqlite3_bind_int64(st, i++, f->at_min);
	if (f->at_max != 0)
		sqlite3_bind_int64(st, i++, f->at_max);
	return i;
}

static int
sqlite_store_doc_list(struct store *s, const struct store_doc_filter *f, int64_t *total,
    store_doc_cb cb, void *arg)
{
	struct buf q = BUF_INIT;
	struct dyn_use u = { 0 };
	sqlite3_stmt *st;
	struct store_doc d;
	int rc = RC_ENOMEM, src, i;

	if (total != NULL) {
		if (buf_puts(&q, "SELECT count(*) FROM docs") != 0 ||
		    doc_where(&q, f) != RC_OK)
			goto out;
		if ((rc = dyn_prepare(s, q.p, &u)) != RC_OK)
			goto out;
		st = u.st;
		doc_bind(st, f);
		if ((src = sqlite3_step(st)) != SQLITE_ROW) {
			rc = rc_from_sqlite(C(s)->db, src);
			goto out;
		}
		*total = sqlite3_column_int64(st, 0);
		dyn_done(&u);
		buf_reset(&q);
		rc = RC_ENOMEM;
	}
	if (buf_puts(&q, "SELECT " DOC_COLS " FROM docs") != 0 ||
	    doc_where(&q, f) != RC_OK ||
	    buf_puts(&q, f->descending ? " ORDER BY at DESC, id LIMIT ? OFFSET ?" :
	    " ORDER BY at, id LIMIT ? OFFSET ?") != 0)
		goto out;
	if ((rc = dyn_prepare(s, q.p, &u)) != RC_OK)
		goto out;
	st = u.st;
	i = doc_bind(st, f);
	sqlite3_bind_int64(st, i++, f->limit);
	sqlite3_bind_int64(st, i, f->offset);
	rc = RC_OK;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = doc_read_row(st, &d)) != RC_OK)
			goto out;
		if ((rc = cb(arg, &d)) != 0)
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = rc_from_sqlite(C(s)->db, src);
out:
	dyn_done(&u);
	buf_free(&q);
	return rc;
}

const char *
sqlite_store_sql(int id)
{
	return id >= 0 && id < STMT__MAX ? sqlite_sql[id] : NULL;
}

int
sqlite_store_migration_count(void)
{
	return (int)MIGRATION_COUNT;
}

static const struct store_ops sqlite_ops = {
	.close = sqlite_store_close,
	.schema_version = sqlite_store_schema_version,
	.migrate = sqlite_store_migrate,
	.begin = sqlite_store_begin,
	.commit = sqlite_store_commit,
	.clone = sqlite_store_clone,
	.in_transaction = sqlite_store_in_transaction,
	.read_begin = sqlite_store_read_begin,
	.read_end = sqlite_store_read_end,
	.bulk = sqlite_store_bulk,
	.cache = sqlite_store_cache,
	.rollback = sqlite_store_rollback,
	.record_insert = sqlite_store_record_insert,
	.record_get = sqlite_store_record_get,
	.record_update = sqlite_store_record_update,
	.keys_warm = sqlite_store_keys_warm,
	.record_keys_set = sqlite_store_record_keys_set,
	.record_deadlines_set = sqlite_store_record_deadlines_set,
	.record_erase = sqlite_store_record_erase,
	.record_list = sqlite_store_record_list,
	.key_count = sqlite_store_key_count,
	.record_list_by_key = sqlite_store_record_list_by_key,
	.key_records = sqlite_store_key_records,
	.record_list_ids = sqlite_store_record_list_ids,
	.record_index_ids = sqlite_store_record_index_ids,
	.history_append = sqlite_store_history_append,
	.history_list = sqlite_store_history_list,
	.agency_insert = sqlite_store_agency_insert,
	.agency_get = sqlite_store_agency_get,
	.agency_list = sqlite_store_agency_list,
	.user_insert = sqlite_store_user_insert,
	.user_get = sqlite_store_user_get,
	.user_get_by_name = sqlite_store_user_get_by_name,
	.user_update = sqlite_store_user_update,
	.user_list = sqlite_store_user_list,
	.user_count = sqlite_store_user_count,
	.location_put = sqlite_store_location_put,
	.location_exists = sqlite_store_location_exists,
	.location_count = sqlite_store_location_count,
	.location_list = sqlite_store_location_list,
	.path = sqlite_store_path,
	.session_insert = sqlite_store_session_insert,
	.session_get = sqlite_store_session_get,
	.session_touch = sqlite_store_session_touch,
	.session_delete = sqlite_store_session_delete,
	.session_delete_user = sqlite_store_session_delete_user,
	.session_purge = sqlite_store_session_purge,
	.session_count = sqlite_store_session_count,
	.audit_last = sqlite_store_audit_last,
	.audit_insert = sqlite_store_audit_insert,
	.audit_walk = sqlite_store_audit_walk,
	.audit_list = sqlite_store_audit_list,
	.caseload = sqlite_store_caseload,
	.record_count_by = sqlite_store_record_count_by,
	.record_count_keys = sqlite_store_record_count_keys,
	.session_user = sqlite_store_session_user,
	.doc_insert = sqlite_store_doc_insert,
	.doc_put = sqlite_store_doc_put,
	.doc_get = sqlite_store_doc_get,
	.doc_delete = sqlite_store_doc_delete,
	.doc_delete_ref = sqlite_store_doc_delete_ref,
	.doc_list = sqlite_store_doc_list,
};
