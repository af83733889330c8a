/*
 * postgres.c — store.h on a PostgreSQL server, through libpq.
 *
 * One connection per handle; each statement of pg_sql[] is prepared on it once
 * (PQprepare) and run with PQexecPrepared. BYTEA parameters go in binary format;
 * results come as text, BYTEA decoded with PQunescapeBytea. Only the list and count
 * queries are composed, and only from the literal fragments in this file (group columns
 * from group_sql[]); every value is bound.
 *
 * store_begin opens a transaction and takes one transaction-scoped advisory lock, the
 * equivalent of SQLite's BEGIN IMMEDIATE: write transactions of every process run one
 * at a time, so the audit chain (store_audit_last, then insert) cannot fork and a
 * check-then-write inside a transaction sees every earlier commit. Commits are
 * durable with the server's default synchronous_commit = on.
 *
 * A connection the server closed (restart, failover) is replaced before the next
 * statement that runs outside a transaction; one lost inside a transaction fails that
 * transaction, and the caller's error path rolls back as for any other failure.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libpq-fe.h>

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

/* Rows per round trip when walking the whole audit chain. */
#define AUDIT_WALK_PAGE	1000

static const char *const pg_sql[STMT__MAX] = {
	[STMT_BEGIN] = "BEGIN ISOLATION LEVEL READ COMMITTED",
	/* one lock for every RouteCare writer on this database ('RCwrite' in ASCII) */
	[STMT_WRITE_LOCK] = "SELECT pg_advisory_xact_lock(23188606072120677)",
	[STMT_COMMIT] = "COMMIT",
	[STMT_ROLLBACK] = "ROLLBACK",
	/* used by SQLite's group commit only; kept so that both tables stay whole */
	[STMT_SAVEPOINT] = "SAVEPOINT w",
	[STMT_RELEASE] = "RELEASE SAVEPOINT w",
	[STMT_ROLLBACK_TO] = "ROLLBACK TO SAVEPOINT w",
	[STMT_SCHEMA_VERSION] = "SELECT coalesce(max(version), -1) FROM schema_migrations",
	[STMT_MIGRATION_DONE] =
	    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
	[STMT_RECORD_INSERT] =
	    "INSERT INTO records (id, type, short_id, rev, status, workflow, risk_level, "
	    "sex, age_band, nationality, location_code, owner_id, agency_id, created_at, "
	    "updated_at, flags, body, link_id, peer_agency_id) VALUES "
	    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, "
	    "$18, $19)",
	[STMT_RECORD_DK_INSERT] =
	    "INSERT INTO record_dk (record_id, wrapped) VALUES ($1, $2)",
	[STMT_RECORD_GET_ID] =
	    "SELECT " RECORD_COLS " FROM records r JOIN record_dk d ON d.record_id = r.id "
	    "WHERE r.id = $1 AND r.type = $2",
	[STMT_RECORD_GET_SHORT] =
	    "SELECT " RECORD_COLS " FROM records r JOIN record_dk d ON d.record_id = r.id "
	    "WHERE r.short_id = $1 AND r.type = $2",
	[STMT_RECORD_UPDATE] =
	    "UPDATE records SET rev = $3, status = $4, workflow = $5, risk_level = $6, "
	    "sex = $7, age_band = $8, nationality = $9, location_code = $10, "
	    "owner_id = $11, agency_id = $12, updated_at = $13, flags = $14, body = $15, "
	    "link_id = $16, peer_agency_id = $17 WHERE id = $1 AND rev = $2",
	[STMT_RECORD_REV] = "SELECT rev FROM records WHERE id = $1",
	[STMT_RECORD_DEADLINES_SET] = "UPDATE records SET deadlines = $2 WHERE id = $1",
	[STMT_KEYS_DELETE] = "DELETE FROM record_keys WHERE record_id = $1",
	/* every key of a record in one statement: $1 is a bytea[] in text form */
	[STMT_KEYS_INSERT] =
	    "INSERT INTO record_keys (key, record_id) SELECT DISTINCT k, $2 "
	    "FROM unnest($1::bytea[]) AS k ON CONFLICT DO NOTHING",
	[STMT_ERASE_DK] = "DELETE FROM record_dk WHERE record_id = $1",
	[STMT_ERASE_KEYS] = "DELETE FROM record_keys WHERE record_id = $1",
	[STMT_ERASE_HISTORY] = "DELETE FROM record_history WHERE record_id = $1",
	[STMT_ERASE_RECORD] = "DELETE FROM records WHERE id = $1",
	[STMT_HISTORY_INSERT] =
	    "INSERT INTO record_history (record_id, rev, at, user_id, action, body) "
	    "VALUES ($1, $2, $3, $4, $5, $6)",
	[STMT_HISTORY_LIST] =
	    "SELECT record_id, rev, at, user_id, action, body FROM record_history "
	    "WHERE record_id = $1 ORDER BY rev",
	[STMT_AGENCY_INSERT] =
	    "INSERT INTO agencies (id, code, name, created_at) VALUES ($1, $2, $3, $4)",
	[STMT_AGENCY_GET] =
	    "SELECT id, code, name, created_at FROM agencies WHERE id = $1 OR code = $1",
	[STMT_AGENCY_LIST] =
	    "SELECT id, code, name, created_at FROM agencies ORDER BY code",
	[STMT_USER_INSERT] =
	    "INSERT INTO users (" USER_COLS ") VALUES "
	    "($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
	[STMT_USER_GET] = "SELECT " USER_COLS " FROM users WHERE id = $1",
	[STMT_USER_GET_NAME] = "SELECT " USER_COLS " FROM users WHERE username = $1",
	/* $12 (created_at) is bound by user_params but never changes: cast so it types */
	[STMT_USER_UPDATE] =
	    "UPDATE users SET username = $2, full_name = $3, role = $4, agency_id = $5, "
	    "location_code = $6, language = $7, password_hash = $8, disabled = $9, "
	    "failed_logins = $10, locked_until = $11, updated_at = $13 WHERE id = $1 "
	    "AND $12::bigint IS NOT NULL",
	[STMT_USER_LIST] = "SELECT " USER_COLS " FROM users ORDER BY username",
	[STMT_USER_COUNT] = "SELECT count(*) FROM users",
	[STMT_LOCATION_PUT] =
	    "INSERT INTO locations (code, parent_code, level, names) VALUES ($1, $2, $3, $4) "
	    "ON CONFLICT (code) DO UPDATE SET parent_code = excluded.parent_code, "
	    "level = excluded.level, names = excluded.names",
	[STMT_LOCATION_EXISTS] = "SELECT 1 FROM locations WHERE code = $1",
	[STMT_LOCATION_COUNT] = "SELECT count(*) FROM locations",
	[STMT_LOCATION_LIST] =
	    "SELECT code, coalesce(parent_code, ''), level, names FROM locations ORDER BY code",
	[STMT_SESSION_INSERT] =
	    "INSERT INTO sessions (token_hash, user_id, created_at, last_seen, expires_at) "
	    "VALUES ($1, $2, $3, $4, $5)",
	[STMT_SESSION_GET] =
	    "SELECT token_hash, user_id, created_at, last_seen, expires_at FROM sessions "
	    "WHERE token_hash = $1",
	[STMT_SESSION_TOUCH] = "UPDATE sessions SET last_seen = $2 WHERE token_hash = $1",
	[STMT_SESSION_DELETE] = "DELETE FROM sessions WHERE token_hash = $1",
	[STMT_SESSION_DELETE_USER] =
	    "DELETE FROM sessions WHERE user_id = $1 AND ($2::bytea IS NULL OR "
	    "token_hash <> $2::bytea)",
	[STMT_SESSION_PURGE] =
	    "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen < $2",
	[STMT_SESSION_COUNT] =
	    "SELECT count(*) FROM sessions WHERE expires_at > $1 AND last_seen >= $2",
	[STMT_AUDIT_LAST] = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
	[STMT_AUDIT_INSERT] =
	    "INSERT INTO audit (seq, at, user_id, agency_id, action, record_id, fields, "
	    "outcome, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
	/* in pages: the rows after seq $1 */
	[STMT_AUDIT_WALK] =
	    "SELECT " AUDIT_COLS " FROM audit WHERE seq > $1 ORDER BY seq LIMIT 1000",
	[STMT_SESSION_USER] =
	    "SELECT u.id, u.username, u.full_name, u.role, u.agency_id, u.location_code, "
	    "u.language, u.password_hash, u.disabled, u.failed_logins, u.locked_until, "
	    "u.created_at, u.updated_at, s.token_hash, s.user_id, s.created_at, "
	    "s.last_seen, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id "
	    "WHERE s.token_hash = $1",
	[STMT_CASELOAD] =
	    "SELECT owner_id, risk_level, count(*), coalesce(sum(CASE WHEN workflow = 'new' "
	    "AND created_at + (CASE risk_level WHEN 'high' THEN $4::bigint "
	    "WHEN 'medium' THEN $5::bigint WHEN 'low' THEN $6::bigint ELSE $7::bigint END) "
	    "< $8::bigint THEN 1 ELSE 0 END), 0) FROM records "
	    "WHERE type = $1 AND status = 'open' AND ($2::text IS NULL OR agency_id = $2) "
	    "AND ($3::text IS NULL OR owner_id = $3) GROUP BY owner_id, risk_level "
	    "ORDER BY owner_id, risk_level",
	[STMT_DOC_INSERT] =
	    "INSERT INTO docs (" DOC_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
	[STMT_DOC_PUT] =
	    "INSERT INTO docs (" DOC_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
	    "ON CONFLICT (kind, id) DO UPDATE SET ref = excluded.ref, "
	    "owner_id = excluded.owner_id, agency_id = excluded.agency_id, "
	    "at = excluded.at, body = excluded.body, updated_at = excluded.updated_at",
	[STMT_DOC_GET] = "SELECT " DOC_COLS " FROM docs WHERE kind = $1 AND id = $2",
	[STMT_DOC_DELETE] = "DELETE FROM docs WHERE kind = $1 AND id = $2",
	[STMT_DOC_DELETE_REF] = "DELETE FROM docs WHERE kind = $1 AND ref = $2",
	[STMT_KEY_COUNT] =
	    "SELECT count(*) FROM (SELECT 1 FROM record_keys WHERE key = $1 LIMIT $2) k",
	[STMT_KEY_RECORDS] = "SELECT record_id FROM record_keys WHERE key = $1 LIMIT $2",
};

/* The expression of each column store_record_count_by groups by. Text sorts bytewise
 * (COLLATE "C"), as in SQLite, whatever the database's collation. */
static const char *const group_sql[GROUP__MAX] = {
	[GROUP_TYPE] = "r.type COLLATE \"C\"",
	[GROUP_STATUS] = "r.status COLLATE \"C\"",
	[GROUP_WORKFLOW] = "r.workflow COLLATE \"C\"",
	[GROUP_RISK_LEVEL] = "r.risk_level COLLATE \"C\"",
	[GROUP_SEX] = "r.sex COLLATE \"C\"",
	[GROUP_AGE_BAND] = "r.age_band COLLATE \"C\"",
	[GROUP_NATIONALITY] = "r.nationality COLLATE \"C\"",
	[GROUP_LOCATION_CODE] = "r.location_code COLLATE \"C\"",
	[GROUP_AGENCY_ID] = "r.agency_id COLLATE \"C\"",
	[GROUP_UASC] = "(r.flags & 1)",
};

/* Numbered migrations, the same as sqlite_migrations[] in this dialect; never edit
 * one that has shipped, add the next (to both files). */
static const char *const pg_migrations[] = {
	/* 1: records, sealed bodies, blind index, history, users, agencies, locations */
	"CREATE TABLE agencies ("
	"  id TEXT PRIMARY KEY, code TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
	"  created_at BIGINT NOT NULL);"
	"CREATE TABLE users ("
	"  id TEXT PRIMARY KEY, username TEXT NOT NULL UNIQUE,"
	"  full_name TEXT NOT NULL DEFAULT '', role TEXT NOT NULL,"
	"  agency_id TEXT NOT NULL DEFAULT '', location_code TEXT NOT NULL DEFAULT '',"
	"  language TEXT NOT NULL DEFAULT 'en', password_hash TEXT NOT NULL,"
	"  disabled BIGINT NOT NULL DEFAULT 0, failed_logins BIGINT NOT NULL DEFAULT 0,"
	"  locked_until BIGINT NOT NULL DEFAULT 0, created_at BIGINT NOT NULL,"
	"  updated_at BIGINT NOT NULL);"
	"CREATE TABLE locations ("
	"  code TEXT PRIMARY KEY, parent_code TEXT, level BIGINT NOT NULL,"
	"  names TEXT NOT NULL);"
	"CREATE TABLE records ("
	"  id TEXT PRIMARY KEY, type TEXT NOT NULL, short_id TEXT NOT NULL UNIQUE,"
	"  rev BIGINT NOT NULL, status TEXT NOT NULL, workflow TEXT NOT NULL,"
	"  risk_level TEXT NOT NULL, sex TEXT NOT NULL, age_band TEXT NOT NULL,"
	"  nationality TEXT NOT NULL, location_code TEXT NOT NULL,"
	"  owner_id TEXT NOT NULL, agency_id TEXT NOT NULL, created_at BIGINT NOT NULL,"
	"  updated_at BIGINT NOT NULL, flags BIGINT NOT NULL, body BYTEA NOT NULL);"
	"CREATE INDEX records_agency ON records (type, agency_id, updated_at);"
	"CREATE INDEX records_owner ON records (type, owner_id, updated_at);"
	"CREATE INDEX records_location ON records (type, location_code);"
	"CREATE INDEX records_updated ON records (type, updated_at);"
	"CREATE TABLE record_dk ("
	"  record_id TEXT PRIMARY KEY, wrapped BYTEA NOT NULL);"
	"CREATE TABLE record_keys ("
	"  key BYTEA NOT NULL, record_id TEXT NOT NULL, PRIMARY KEY (key, record_id));"
	"CREATE INDEX record_keys_record ON record_keys (record_id);"
	"CREATE TABLE record_history ("
	"  record_id TEXT NOT NULL, rev BIGINT NOT NULL, at BIGINT NOT NULL,"
	"  user_id TEXT NOT NULL, action TEXT NOT NULL, body BYTEA NOT NULL,"
	"  PRIMARY KEY (record_id, rev));",
	/* 2: sessions (token hashes only) and the audit chain */
	"CREATE TABLE sessions ("
	"  token_hash BYTEA PRIMARY KEY, user_id TEXT NOT NULL,"
	"  created_at BIGINT NOT NULL, last_seen BIGINT NOT NULL,"
	"  expires_at BIGINT NOT NULL);"
	"CREATE INDEX sessions_user ON sessions (user_id);"
	"CREATE TABLE audit ("
	"  seq BIGINT PRIMARY KEY, at BIGINT NOT NULL, user_id TEXT NOT NULL,"
	"  agency_id TEXT NOT NULL, action TEXT NOT NULL, record_id TEXT NOT NULL,"
	"  fields TEXT, outcome TEXT NOT NULL, prev_hash BYTEA NOT NULL,"
	"  hash BYTEA NOT NULL);"
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
	"  at BIGINT NOT NULL DEFAULT 0, body TEXT NOT NULL,"
	"  updated_at BIGINT NOT NULL, PRIMARY KEY (kind, id));"
	"CREATE INDEX docs_ref ON docs (kind, ref);"
	"CREATE INDEX docs_owner ON docs (kind, owner_id, at);"
	"CREATE INDEX docs_agency ON docs (kind, agency_id, at);",
	/* 4: the index columns by record id, for counts that start from blind keys
	 * (store_record_count_keys) */
	"CREATE INDEX records_report ON records (id) INCLUDE (type, agency_id, owner_id,"
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
	"UPDATE records r SET deadlines = coalesce((SELECT string_agg("
	"  (d.body::json ->> 'kind') || '|' || d.at || '|' ||"
	"  coalesce(d.body::json ->> 'due_date', '') || '|' ||"
	"  coalesce(d.body::json ->> 'approval', ''), ';' ORDER BY d.at, d.id)"
	"  FROM docs d WHERE d.kind = 'task' AND d.ref = r.id), '') WHERE r.type = 'case';",
};

#define MIGRATION_COUNT (sizeof(pg_migrations) / sizeof(pg_migrations[0]))

struct pg_store {
	struct store	 base;		/* first: store.c sees this */
	char		 url[4096];
	PGconn		*conn;
	unsigned char	 prepared[STMT__MAX];
};

/* The PostgreSQL handle behind a struct store. */
#define P(s) ((struct pg_store *)(s))

static const struct store_ops pg_ops;
static void	pg_store_close(struct store *);
static int	pg_store_begin(struct store *);
static int	pg_store_commit(struct store *);
static int	pg_store_rollback(struct store *);
static int	pg_store_in_transaction(struct store *);

/* ---- parameters ----------------------------------------------------------------- */

/* The most a composed query binds: the record filter's fields (17 of them today), the
 * blind keys, limit and offset, and a location length per group column. */
#define PARAMS_MAX \
	(24 + STORE_KEY_GROUPS_MAX * STORE_KEY_ANY_MAX + 2 + STORE_GROUP_MAX)

/* Bound values in order ($1, $2, ...): text, int64 as text, BYTEA in binary. */
struct params {
	const char	*v[PARAMS_MAX];
	int		 len[PARAMS_MAX];
	int		 fmt[PARAMS_MAX];
	char		 num[PARAMS_MAX][24];
	int		 n;
	int		 overflow;
};

static void
p_text(struct params *p, const char *v)
{
	if (p->n >= PARAMS_MAX) {
		p->overflow = 1;
		return;
	}
	p->v[p->n] = v != NULL ? v : "";
	p->len[p->n] = 0;
	p->fmt[p->n] = 0;
	p->n++;
}

static void
p_null(struct params *p)
{
	if (p->n >= PARAMS_MAX) {
		p->overflow = 1;
		return;
	}
	p->v[p->n] = NULL;
	p->len[p->n] = 0;
	p->fmt[p->n] = 0;
	p->n++;
}

/* NULL for NULL or "" (the "any" of filters). */
static void
p_text_or_null(struct params *p, const char *v)
{
	if (v != NULL && *v)
		p_text(p, v);
	else
		p_null(p);
}

static void
p_int(struct params *p, int64_t v)
{
	if (p->n >= PARAMS_MAX) {
		p->overflow = 1;
		return;
	}
	snprintf(p->num[p->n], sizeof(p->num[p->n]), "%lld", (long long)v);
	p->v[p->n] = p->num[p->n];
	p->len[p->n] = 0;
	p->fmt[p->n] = 0;
	p->n++;
}

static void
p_blob(struct params *p, const void *b, size_t n)
{
	if (p->n >= PARAMS_MAX || n > (size_t)0x7fffffff) {
		p->overflow = 1;
		return;
	}
	p->v[p->n] = b != NULL ? (const char *)b : "";
	p->len[p->n] = (int)n;
	p->fmt[p->n] = 1;
	p->n++;
}

/* ---- statement plumbing ------------------------------------------------------- */

static int
sqlstate_is(const PGresult *res, const char *code)
{
	const char *st = res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return st != NULL && strcmp(st, code) == 0;
}

/*
 * The rc for a failed result. Only the server's primary message is logged: its DETAIL
 * can quote the row's values.
 */
static int
rc_from_pg(struct pg_store *ps, const PGresult *res, const char *what)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	if (state != NULL && strcmp(state, "23505") == 0)
		return RC_EEXIST;
	if (res != NULL && PQresultStatus(res) == PGRES_FATAL_ERROR && state == NULL &&
	    PQstatus(ps->conn) == CONNECTION_BAD)
		primary = PQerrorMessage(ps->conn);
	log_error("postgres: %s: %s (%s)", what,
	    primary != NULL ? primary : PQerrorMessage(ps->conn),
	    state != NULL ? state : "no sqlstate");
	return RC_EIO;
}

/* A retry is safe: the statement ran alone and failed as a whole. */
static int
retryable(struct pg_store *ps, const PGresult *res, int was_idle)
{
	return was_idle && PQtransactionStatus(ps->conn) == PQTRANS_IDLE &&
	    (sqlstate_is(res, "40001") || sqlstate_is(res, "40P01") ||
	    sqlstate_is(res, "55P03"));
}

/* After a lost connection: reconnect for the next call (this one has failed). */
static void
pg_recover(struct pg_store *ps)
{
	if (PQstatus(ps->conn) != CONNECTION_BAD)
		return;
	PQreset(ps->conn);
	memset(ps->prepared, 0, sizeof(ps->prepared));
	if (PQstatus(ps->conn) == CONNECTION_OK) {
		/* a new session starts with the server's encoding: ask for UTF8 again */
		if (PQsetClientEncoding(ps->conn, "UTF8") != 0)
			log_error("postgres: cannot use UTF8 after reconnecting");
		log_warn("postgres: connection lost and re-established");
	}
}

/*
 * Before a statement: a connection lost earlier is tried again, and when the server
 * closed one while it sat idle outside a transaction (a restart, a failover, a proxy's
 * timeout) it is replaced now rather than fail this statement. Nothing was sent on it
 * since it last answered, so nothing runs twice. An idle connection has nothing to
 * read unless the server is leaving (its reason, then the end of the stream): read
 * until the end shows or nothing more is there; poll() with no wait and libpq's
 * non-blocking socket keep this from blocking. RC_EIO when there is no connection.
 */
static int
pg_check_idle(struct pg_store *ps)
{
	struct pollfd pfd;
	const char *why;
	int i;

	for (i = 0; i < 4 && PQstatus(ps->conn) == CONNECTION_OK &&
	    PQtransactionStatus(ps->conn) == PQTRANS_IDLE; i++) {
		pfd.fd = PQsocket(ps->conn);
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (pfd.fd < 0 || poll(&pfd, 1, 0) <= 0)
			break;
		if (PQconsumeInput(ps->conn) == 0)
			break;
	}
	pg_recover(ps);		/* only when the connection is gone */
	if (PQstatus(ps->conn) != CONNECTION_BAD)
		return RC_OK;
	why = PQerrorMessage(ps->conn);
	log_error("postgres: no connection: %.*s", (int)strcspn(why, "\n"), why);
	return RC_EIO;
}

/*
 * Run statement `id` with `p` (NULL: none). On RC_OK `*out` holds the result (PQclear
 * it); otherwise nothing is held.
 */
static int
run(struct store *s, enum stmt id, const struct params *p, PGresult **out)
{
	struct pg_store *ps = P(s);
	ExecStatusType est;
	PGresult *res;
	char name[16];
	int attempt, idle, rc;

	*out = NULL;
	if (p != NULL && p->overflow)
		return RC_EINVALID;
	snprintf(name, sizeof(name), "rc%d", (int)id);
	for (attempt = 0;; attempt++) {
		if ((rc = pg_check_idle(ps)) != RC_OK)
			return rc;
		idle = PQtransactionStatus(ps->conn) == PQTRANS_IDLE;
		if (!ps->prepared[id]) {
			res = PQprepare(ps->conn, name, pg_sql[id], 0, NULL);
			if (PQresultStatus(res) != PGRES_COMMAND_OK) {
				char what[32];

				snprintf(what, sizeof(what), "prepare %d", (int)id);
				rc = rc_from_pg(ps, res, what);
				PQclear(res);
				pg_recover(ps);
				return rc;
			}
			PQclear(res);
			ps->prepared[id] = 1;
		}
		res = PQexecPrepared(ps->conn, name, p ? p->n : 0, p ? p->v : NULL,
		    p ? p->len : NULL, p ? p->fmt : NULL, 0);
		est = PQresultStatus(res);
		if (est == PGRES_COMMAND_OK || est == PGRES_TUPLES_OK) {
			*out = res;
			return RC_OK;
		}
		if (attempt < 3 && retryable(ps, res, idle)) {
			PQclear(res);
			continue;
		}
		if (sqlstate_is(res, "23505"))
			rc = RC_EEXIST;
		else {
			char what[32];

			snprintf(what, sizeof(what), "statement %d", (int)id);
			rc = rc_from_pg(ps, res, what);
		}
		PQclear(res);
		pg_recover(ps);
		return rc;
	}
}

/* Run a statement that returns no rows we need. */
static int
run_done(struct store *s, enum stmt id, const struct params *p)
{
	PGresult *res;
	int rc;

	if ((rc = run(s, id, p, &res)) == RC_OK)
		PQclear(res);
	return rc;
}

/* Run composed SQL (the list queries) with `p`; as run(). */
static int
run_sql(struct store *s, const char *sql, const struct params *p, PGresult **out)
{
	struct pg_store *ps = P(s);
	ExecStatusType est;
	PGresult *res;
	int rc;

	*out = NULL;
	if (p->overflow)
		return RC_EINVALID;
	if ((rc = pg_check_idle(ps)) != RC_OK)
		return rc;
	res = PQexecParams(ps->conn, sql, p->n, NULL, p->v, p->len, p->fmt, 0);
	est = PQresultStatus(res);
	if (est == PGRES_TUPLES_OK || est == PGRES_COMMAND_OK) {
		*out = res;
		return RC_OK;
	}
	rc = rc_from_pg(ps, res, "list query");
	PQclear(res);
	pg_recover(ps);
	return rc;
}

/* Copy a text column; -1 (and a warning) when it did not fit. */
static int
col_text(const PGresult *res, int row, int col, char *dst, size_t dstsz)
{
	if (str_copy(dst, dstsz, PQgetvalue(res, row, col)) != 0) {
		log_warn("postgres: column %d longer than expected", col);
		return -1;
	}
	return 0;
}

static int64_t
col_int(const PGresult *res, int row, int col)
{
	return strtoll(PQgetvalue(res, row, col), NULL, 10);
}

/* A BYTEA column, decoded into malloc'd memory (NULL, 0 when empty or NULL). */
static int
col_blob(const PGresult *res, int row, int col, uint8_t **p, size_t *n)
{
	unsigned char *raw;
	size_t len;

	*p = NULL;
	*n = 0;
	if (PQgetisnull(res, row, col))
		return RC_OK;
	raw = PQunescapeBytea((const unsigned char *)PQgetvalue(res, row, col), &len);
	if (raw == NULL)
		return RC_ENOMEM;
	if (len > 0) {
		if ((*p = malloc(len)) == NULL) {
			PQfreemem(raw);
			return RC_ENOMEM;
		}
		memcpy(*p, raw, len);
		*n = len;
	}
	PQfreemem(raw);
	return RC_OK;
}

/* A BYTEA column of exactly STORE_HASH_BYTES into `dst`; -1 when it is not. */
static int
col_hash(const PGresult *res, int row, int col, uint8_t dst[STORE_HASH_BYTES])
{
	unsigned char *raw;
	size_t len;
	int ok;

	if (PQgetisnull(res, row, col))
		return -1;
	raw = PQunescapeBytea((const unsigned char *)PQgetvalue(res, row, col), &len);
	if (raw == NULL)
		return -1;
	if ((ok = len == STORE_HASH_BYTES))
		memcpy(dst, raw, STORE_HASH_BYTES);
	PQfreemem(raw);
	return ok ? 0 : -1;
}

/* Rows changed by the statement behind `res`. */
static long
changed(PGresult *res)
{
	return strtol(PQcmdTuples(res), NULL, 10);
}

/* ---- open, migrate, transactions ------------------------------------------------ */

static void
pg_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message;		/* "relation already exists, skipping" and the like */
}

int
pg_store_open(const char *url, struct store **out, char *msg, size_t msgsz)
{
	struct pg_store *s;

	*out = NULL;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return RC_ENOMEM;
	s->base.ops = &pg_ops;
	if (str_copy(s->url, sizeof(s->url), url) != 0) {
		snprintf(msg, msgsz, "database URL too long");
		free(s);
		return RC_EINVALID;
	}
	s->conn = PQconnectdb(url);
	if (s->conn == NULL) {
		snprintf(msg, msgsz, "cannot connect to PostgreSQL: out of memory");
		free(s);
		return RC_ENOMEM;
	}
	if (PQstatus(s->conn) != CONNECTION_OK) {
		/* libpq's message names host and port, never the password */
		snprintf(msg, msgsz, "cannot connect to PostgreSQL: %s",
		    PQerrorMessage(s->conn));
		msg[strcspn(msg, "\n")] = '\0';
		pg_store_close(&s->base);
		return RC_EIO;
	}
	PQsetNoticeProcessor(s->conn, pg_notice, NULL);
	if (PQsetClientEncoding(s->conn, "UTF8") != 0) {
		snprintf(msg, msgsz, "cannot use UTF8 with this PostgreSQL server");
		pg_store_close(&s->base);
		return RC_EIO;
	}
	*out = &s->base;
	return RC_OK;
}

static void
pg_store_close(struct store *s)
{
	if (s == NULL)
		return;
	PQfinish(P(s)->conn);
	free(s);
}

/* Run literal SQL with no parameters (schema only). */
static int
exec_literal(struct store *s, const char *sql, const char *what)
{
	PGresult *res = PQexec(P(s)->conn, sql);
	int rc = RC_OK;

	if (PQresultStatus(res) != PGRES_COMMAND_OK && PQresultStatus(res) != PGRES_TUPLES_OK)
		rc = rc_from_pg(P(s), res, what);
	PQclear(res);
	return rc;
}

static int
pg_store_schema_version(struct store *s)
{
	PGresult *res;
	int v = -1;

	/* before migration 1 the table itself may be missing */
	if (exec_literal(s, "CREATE TABLE IF NOT EXISTS schema_migrations ("
	    "version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)",
	    "schema_migrations") != RC_OK)
		return -1;
	if (run(s, STMT_SCHEMA_VERSION, NULL, &res) != RC_OK)
		return -1;
	if (PQntuples(res) == 1)
		v = (int)col_int(res, 0, 0);
	PQclear(res);
	return v;
}

static int
pg_store_migrate(struct store *s, int upto)
{
	struct params p;
	int have, v, rc;

	/* under the write lock, so that processes starting together migrate once */
	for (v = 1; v <= (int)MIGRATION_COUNT && v <= upto; v++) {
		if ((rc = pg_store_begin(s)) != RC_OK)
			return rc;
		have = pg_store_schema_version(s);
		if (PQtransactionStatus(P(s)->conn) != PQTRANS_INTRANS) {
			pg_store_rollback(s);
			return RC_EIO;
		}
		if (have >= v) {
			if ((rc = pg_store_commit(s)) != RC_OK)
				return rc;
			continue;
		}
		if (exec_literal(s, pg_migrations[v - 1], "migration") != RC_OK) {
			log_error("postgres: migration %d failed", v);
			pg_store_rollback(s);
			return RC_EIO;
		}
		memset(&p, 0, sizeof(p));
		p_int(&p, v);
		p_int(&p, (int64_t)time(NULL));
		if ((rc = run_done(s, STMT_MIGRATION_DONE, &p)) != RC_OK ||
		    (rc = pg_store_commit(s)) != RC_OK) {
			pg_store_rollback(s);
			return rc;
		}
		log_debug("postgres: migration %d applied", v);
	}
	return RC_OK;
}

static int
pg_store_begin(struct store *s)
{
	int rc;

	if ((rc = run_done(s, STMT_BEGIN, NULL)) != RC_OK)
		return rc;
	if ((rc = run_done(s, STMT_WRITE_LOCK, NULL)) != RC_OK) {
		pg_store_rollback(s);
		return rc;
	}
	return RC_OK;
}

static int
pg_store_commit(struct store *s)
{
	PGresult *res;
	int rc;

	/* COMMIT of a failed transaction reports success and rolls back: refuse it */
	if (PQtransactionStatus(P(s)->conn) == PQTRANS_INERROR) {
		pg_store_rollback(s);
		return RC_EIO;
	}
	if ((rc = run(s, STMT_COMMIT, NULL, &res)) != RC_OK)
		return rc;
	if (strcmp(PQcmdStatus(res), "COMMIT") != 0)
		rc = RC_EIO;
	PQclear(res);
	return rc;
}

/* The server's own settings decide; nothing per connection helps a load here. */
static int
pg_store_bulk(struct store *s, int on)
{
	(void)s;
	(void)on;
	return RC_OK;
}

static int
pg_store_in_transaction(struct store *s)
{
	PGTransactionStatusType t = PQtransactionStatus(P(s)->conn);

	return t == PQTRANS_INTRANS || t == PQTRANS_INERROR || t == PQTRANS_ACTIVE;
}

static int
pg_store_rollback(struct store *s)
{
	if (!pg_store_in_transaction(s))
		return RC_OK;
	return run_done(s, STMT_ROLLBACK, NULL);
}

static const char *
pg_store_path(const struct store *s)
{
	return ((const struct pg_store *)s)->url;
}

/* ---- records -------------------------------------------------------------------- */

static int
record_read_row(const PGresult *res, int row, struct store_record *r)
{
	struct record_meta *m = &r->m;
	int rc;

	memset(r, 0, sizeof(*r));
	col_text(res, row, 0, m->id, sizeof(m->id));
	col_text(res, row, 1, m->type, sizeof(m->type));
	col_text(res, row, 2, m->short_id, sizeof(m->short_id));
	m->rev = col_int(res, row, 3);
	col_text(res, row, 4, m->status, sizeof(m->status));
	col_text(res, row, 5, m->workflow, sizeof(m->workflow));
	col_text(res, row, 6, m->risk_level, sizeof(m->risk_level));
	col_text(res, row, 7, m->sex, sizeof(m->sex));
	col_text(res, row, 8, m->age_band, sizeof(m->age_band));
	col_text(res, row, 9, m->nationality, sizeof(m->nationality));
	col_text(res, row, 10, m->location_code, sizeof(m->location_code));
	col_text(res, row, 11, m->owner_id, sizeof(m->owner_id));
	col_text(res, row, 12, m->agency_id, sizeof(m->agency_id));
	m->created_at = col_int(res, row, 13);
	m->updated_at = col_int(res, row, 14);
	m->flags = col_int(res, row, 15);
	col_text(res, row, 16, m->link_id, sizeof(m->link_id));
	col_text(res, row, 17, m->peer_agency_id, sizeof(m->peer_agency_id));
	if ((rc = col_blob(res, row, 18, &r->dk, &r->dk_len)) != RC_OK ||
	    (rc = col_blob(res, row, 19, &r->body, &r->body_len)) != RC_OK) {
		store_record_free(r);
		return rc;
	}
	if (PQnfields(res) > 20 && !PQgetisnull(res, row, 20) &&
	    (r->deadlines = strdup(PQgetvalue(res, row, 20))) == NULL) {
		store_record_free(r);
		return RC_ENOMEM;
	}
	return RC_OK;
}

/* Each row of `res` (RECORD_COLS) to `cb`, which owns it; the callback's rc when it
 * stops, else RC_OK. */
static int
records_each(const PGresult *res, store_record_cb cb, void *arg)
{
	struct store_record r;
	int i, rows = PQntuples(res), rc;

	for (i = 0; i < rows; i++) {
		if ((rc = record_read_row(res, i, &r)) != RC_OK)
			return rc;
		if ((rc = cb(arg, &r)) != 0)
			return rc;
	}
	return RC_OK;
}

static int
pg_store_record_deadlines_set(struct store *s, const char *record_id, const char *text)
{
	struct params p;
	PGresult *res;
	int rc, n;

	memset(&p, 0, sizeof(p));
	p_text(&p, record_id);
	p_text(&p, text);
	if ((rc = run(s, STMT_RECORD_DEADLINES_SET, &p, &res)) != RC_OK)
		return rc;
	n = changed(res);
	PQclear(res);
	return n == 1 ? RC_OK : RC_ENOTFOUND;
}

static int
pg_store_record_insert(struct store *s, const struct record_meta *m, const uint8_t *dk,
    size_t dk_len, const uint8_t *body, size_t body_len)
{
	struct params p;
	int rc;

	memset(&p, 0, sizeof(p));
	p_text(&p, m->id);
	p_text(&p, m->type);
	p_text(&p, m->short_id);
	p_int(&p, m->rev);
	p_text(&p, m->status);
	p_text(&p, m->workflow);
	p_text(&p, m->risk_level);
	p_text(&p, m->sex);
	p_text(&p, m->age_band);
	p_text(&p, m->nationality);
	p_text(&p, m->location_code);
	p_text(&p, m->owner_id);
	p_text(&p, m->agency_id);
	p_int(&p, m->created_at);
	p_int(&p, m->updated_at);
	p_int(&p, m->flags);
	p_blob(&p, body, body_len);
	p_text(&p, m->link_id);
	p_text(&p, m->peer_agency_id);
	if ((rc = run_done(s, STMT_RECORD_INSERT, &p)) != RC_OK)
		return rc;
	memset(&p, 0, sizeof(p));
	p_text(&p, m->id);
	p_blob(&p, dk, dk_len);
	return run_done(s, STMT_RECORD_DK_INSERT, &p);
}

static int
pg_store_record_get(struct store *s, const char *type, const char *id_or_short,
    struct store_record *out)
{
	struct params p;
	PGresult *res;
	int rc;

	memset(&p, 0, sizeof(p));
	p_text(&p, id_or_short);
	p_text(&p, type);
	if ((rc = run(s, id_is_short(id_or_short) ? STMT_RECORD_GET_SHORT :
	    STMT_RECORD_GET_ID, &p, &res)) != RC_OK)
		return rc;
	rc = PQntuples(res) > 0 ? record_read_row(res, 0, out) : RC_ENOTFOUND;
	PQclear(res);
	return rc;
}

static int
pg_store_record_update(struct store *s, const struct record_meta *m,
    int64_t expected_rev, const uint8_t *body, size_t body_len)
{
	struct params p;
	PGresult *res;
	long n;
	int rc;

	memset(&p, 0, sizeof(p));
	p_text(&p, m->id);
	p_int(&p, expected_rev);
	p_int(&p, m->rev);
	p_text(&p, m->status);
	p_text(&p, m->workflow);
	p_text(&p, m->risk_level);
	p_text(&p, m->sex);
	p_text(&p, m->age_band);
	p_text(&p, m->nationality);
	p_text(&p, m->location_code);
	p_text(&p, m->owner_id);
	p_text(&p, m->agency_id);
	p_int(&p, m->updated_at);
	p_int(&p, m->flags);
	p_blob(&p, body, body_len);
	p_text(&p, m->link_id);
	p_text(&p, m->peer_agency_id);
	if ((rc = run(s, STMT_RECORD_UPDATE, &p, &res)) != RC_OK)
		return rc;
	n = changed(res);
	PQclear(res);
	if (n == 1)
		return RC_OK;
	/* nothing changed: tell a stale rev from a missing record */
	memset(&p, 0, sizeof(p));
	p_text(&p, m->id);
	if ((rc = run(s, STMT_RECORD_REV, &p, &res)) != RC_OK)
		return rc;
	rc = PQntuples(res) > 0 ? RC_ECONFLICT : RC_ENOTFOUND;
	PQclear(res);
	return rc;
}

static int
pg_store_record_keys_set(struct store *s, const char *record_id,
    const uint8_t (*keys)[STORE_BLIND_BYTES], size_t n)
{
	struct buf arr = BUF_INIT;
	struct params p;
	size_t i, j;
	int rc;

	memset(&p, 0, sizeof(p));
	p_text(&p, record_id);
	if ((rc = run_done(s, STMT_KEYS_DELETE, &p)) != RC_OK)
		return rc;
	if (n == 0)
		return RC_OK;
	/* one round trip for all of them, not one per key: {"\\x0a1b...",...} */
	for (i = 0; i < n; i++) {
		rc = buf_puts(&arr, i == 0 ? "{\"\\\\x" : ",\"\\\\x");
		for (j = 0; rc == 0 && j < STORE_BLIND_BYTES; j++)
			rc = buf_printf(&arr, "%02x", keys[i][j]);
		if (rc != 0 || buf_putc(&arr, '"') != 0) {
			rc = RC_ENOMEM;
			goto out;
		}
	}
	if (buf_putc(&arr, '}') != 0) {
		rc = RC_ENOMEM;
		goto out;
	}
	memset(&p, 0, sizeof(p));
	p_text(&p, arr.p);
	p_text(&p, record_id);
	rc = run_done(s, STMT_KEYS_INSERT, &p);
out:
	buf_free(&arr);
	return rc;
}

static int
pg_store_record_erase(struct store *s, const char *record_id)
{
	static const enum stmt steps[] = {
		STMT_ERASE_DK, STMT_ERASE_KEYS, STMT_ERASE_HISTORY, STMT_ERASE_RECORD
	};
	struct params p;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		memset(&p, 0, sizeof(p));
		p_text(&p, record_id);
		if ((rc = run_done(s, steps[i], &p)) != RC_OK)
			return rc;
	}
	return RC_OK;
}

/* Append "$n" for the next parameter. */
static int
put_param(struct buf *q, int *n)
{
	return buf_printf(q, "$%d", ++*n);
}

/*
 * The list query, composed from these literal fragments only. Each optional filter
 * adds its fragment and its value, in the same order.
 */
static int
list_where(struct buf *q, struct params *p, const struct store_filter *f)
{
	int rc = 0, n = p->n;	/* after any parameters already in p */
	size_t t, k;

#define FILTER(field, frag) \
	if (f->field && *f->field) { \
		rc |= buf_puts(q, frag); \
		rc |= put_param(q, &n); \
		p_text(p, f->field); \
	}
	rc |= buf_puts(q, " WHERE r.type = ");
	rc |= put_param(q, &n);
	p_text(p, f->type);
#define SINCE(field, frag) \
	if (f->field != 0) { \
		rc |= buf_puts(q, frag); \
		rc |= put_param(q, &n); \
		rc |= buf_puts(q, "::bigint"); \
		p_int(p, f->field); \
	}
	FILTER(agency_id, " AND r.agency_id = ")
	FILTER(owner_id, " AND r.owner_id = ")
	if (f->location_prefix && *f->location_prefix) {
		rc |= buf_puts(q, " AND starts_with(r.location_code, ");
		rc |= put_param(q, &n);
		rc |= buf_puts(q, "::text)");
		p_text(p, f->location_prefix);
	}
	if (f->peer_or_agency_id && *f->peer_or_agency_id) {
		/* one value, compared twice */
		rc |= buf_printf(q, " AND (r.agency_id = $%d OR r.peer_agency_id = $%d)",
		    n + 1, n + 1);
		n++;
		p_text(p, f->peer_or_agency_id);
	}
	FILTER(status, " AND r.status = ")
	FILTER(workflow, " AND r.workflow = ")
	FILTER(risk_level, " AND r.risk_level = ")
	FILTER(sex, " AND r.sex = ")
	FILTER(age_band, " AND r.age_band = ")
	FILTER(nationality, " AND r.nationality = ")
	if (f->location_code && *f->location_code) {
		rc |= buf_puts(q, " AND starts_with(r.location_code, ");
		rc |= put_param(q, &n);
		rc |= buf_puts(q, "::text)");
		p_text(p, f->location_code);
	}
	FILTER(link_id, " AND r.link_id = ")
	FILTER(peer_agency_id, " AND r.peer_agency_id = ")
	SINCE(updated_since, " AND r.updated_at >= ")
	SINCE(created_from, " AND r.created_at >= ")
	SINCE(created_to, " AND r.created_at < ")
#undef FILTER
#undef SINCE
	for (t = 0; t < f->nterms; t++) {
		rc |= buf_puts(q, " AND r.id IN (SELECT record_id FROM record_keys "
		    "WHERE key IN (");
		for (k = 0; k < f->terms[t].n; k++) {
			rc |= buf_puts(q, k ? ", " : "");
			rc |= put_param(q, &n);
			rc |= buf_puts(q, "::bytea");
			p_blob(p, f->terms[t].k[k], STORE_BLIND_BYTES);
		}
		rc |= buf_puts(q, "))");
	}
	return rc ? RC_ENOMEM : RC_OK;
}

static int
pg_store_record_list(struct store *s, const struct store_filter *f, int64_t *total,
    store_record_cb cb, void *arg)
{
	struct buf q = BUF_INIT;
	struct params p;
	PGresult *res = NULL;
	size_t t;
	int rc = RC_ENOMEM;

	if (f->type == NULL || f->limit < 1 || f->limit > 1000 || f->offset < 0 ||
	    f->nterms > STORE_KEY_GROUPS_MAX)
		return RC_EINVALID;
	for (t = 0; t < f->nterms; t++)
		if (f->terms[t].n < 1 || f->terms[t].n > STORE_KEY_ANY_MAX)
			return RC_EINVALID;

	if (total != NULL) {
		memset(&p, 0, sizeof(p));
		if (buf_puts(&q, "SELECT count(*) FROM records r") != 0 ||
		    list_where(&q, &p, f) != RC_OK)
			goto out;
		if ((rc = run_sql(s, q.p, &p, &res)) != RC_OK)
			goto out;
		*total = PQntuples(res) == 1 ? col_int(res, 0, 0) : 0;
		PQclear(res);
		res = NULL;
		buf_reset(&q);
	}

	memset(&p, 0, sizeof(p));
	rc = RC_ENOMEM;
	if (buf_puts(&q, "SELECT " RECORD_COLS " FROM records r "
	    "JOIN record_dk d ON d.record_id = r.id") != 0 ||
	    list_where(&q, &p, f) != RC_OK ||
	    buf_printf(&q, " ORDER BY r.updated_at DESC, r.id LIMIT $%d OFFSET $%d",
	    p.n + 1, p.n + 2) != 0)
		goto out;
	p_int(&p, f->limit);
	p_int(&p, f->offset);
	if ((rc = run_sql(s, q.p, &p, &res)) != RC_OK)
		goto out;
	rc = records_each(res, cb, arg);
out:
	PQclear(res);
	buf_free(&q);
	return rc;
}

static int
pg_store_key_count(struct store *s, const uint8_t key[STORE_BLIND_BYTES], int64_t cap,
    int64_t *count)
{
	struct params p;
	PGresult *res;
	int rc;

	memset(&p, 0, sizeof(p));
	p_blob(&p, key, STORE_BLIND_BYTES);
	p_int(&p, cap);
	if ((rc = run(s, STMT_KEY_COUNT, &p, &res)) != RC_OK)
		return rc;
	*count = PQntuples(res) == 1 ? col_int(res, 0, 0) : 0;
	PQclear(res);
	return RC_OK;
}

/* The key's index rows drive, each record is then checked against the filter: no
 * sort, no walk of the whole scope. */
static int
pg_store_record_list_by_key(struct store *s, const struct store_filter *f,
    const uint8_t key[STORE_BLIND_BYTES], store_record_cb cb, void *arg)
{
	struct buf q = BUF_INIT;
	struct params p;
	PGresult *res = NULL;
	int rc = RC_ENOMEM;

	memset(&p, 0, sizeof(p));
	if (buf_puts(&q, "SELECT " RECORD_COLS " FROM record_keys k JOIN records r "
	    "ON r.id = k.record_id JOIN record_dk d ON d.record_id = r.id") != 0 ||
	    list_where(&q, &p, f) != RC_OK ||
	    buf_printf(&q, " AND k.key = $%d::bytea LIMIT $%d", p.n + 1, p.n + 2) != 0)
		goto out;
	p_blob(&p, key, STORE_BLIND_BYTES);
	p_int(&p, f->limit);
	if ((rc = run_sql(s, q.p, &p, &res)) != RC_OK)
		goto out;
	rc = records_each(res, cb, arg);
out:
	PQclear(res);
	buf_free(&q);
	return rc;
}

static int
pg_store_key_records(struct store *s, const uint8_t key[STORE_BLIND_BYTES],
    int64_t limit, int (*cb)(void *arg, const char *record_id), void *arg)
{
	struct params p;
	PGresult *res;
	char id[ID_SIZE];
	int rc, i, rows;

	memset(&p, 0, sizeof(p));
	p_blob(&p, key, STORE_BLIND_BYTES);
	p_int(&p, limit);
	if ((rc = run(s, STMT_KEY_RECORDS, &p, &res)) != RC_OK)
		return rc;
	rows = PQntuples(res);
	for (i = 0; i < rows; i++) {
		str_copy(id, sizeof(id), PQgetvalue(res, i, 0));
		if ((rc = cb(arg, id)) != 0)
			break;
	}
	PQclear(res);
	return rc;
}

/* A text[] literal of `ids`: store.c let only UUIDs through, which need no quoting. */
static int
ids_array(struct buf *arr, const char *const *ids, size_t nids)
{
	size_t k;

	if (buf_putc(arr, '{') != 0)
		return RC_ENOMEM;
	for (k = 0; k < nids; k++)
		if ((k > 0 && buf_putc(arr, ',') != 0) || buf_puts(arr, ids[k]) != 0)
			return RC_ENOMEM;
	return buf_putc(arr, '}') != 0 ? RC_ENOMEM : RC_OK;
}

/* The ids drive (one array, each a lookup of the primary key), then the filter. */
/* "`head` WHERE <the filter's scope> AND r.id = ANY(ids)", run into `*out` (caller
 * clears). */
static int
ids_run(struct store *s, const char *head, const struct store_filter *f,
    const char *const *ids, size_t nids, PGresult **out)
{
	struct buf q = BUF_INIT, arr = BUF_INIT;
	struct params p;
	int rc = RC_ENOMEM;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	if (ids_array(&arr, ids, nids) != RC_OK || buf_puts(&q, head) != 0 ||
	    list_where(&q, &p, f) != RC_OK ||
	    buf_printf(&q, " AND r.id = ANY($%d::text[])", p.n + 1) != 0)
		goto out;
	p_text(&p, arr.p);
	rc = run_sql(s, q.p, &p, out);
out:
	buf_free(&arr);
	buf_free(&q);
	return rc;
}

static int
pg_store_record_list_ids(struct store *s, const struct store_filter *f,
    const char *const *ids, size_t nids, store_record_cb cb, void *arg)
{
	PGresult *res = NULL;
	int rc = RC_ENOMEM;

	if ((rc = ids_run(s, "SELECT " RECORD_COLS " FROM records r "
	    "JOIN record_dk d ON d.record_id = r.id", f, ids, nids, &res)) != RC_OK)
		goto out;
	rc = records_each(res, cb, arg);
out:
	PQclear(res);
	return rc;
}

#define INDEX_COLS \
	"r.id, r.type, r.agency_id, r.owner_id, r.created_at, r.sex, r.age_band, " \
	"r.nationality, r.location_code, r.risk_level, r.workflow, r.status, r.flags"

static int
pg_store_record_index_ids(struct store *s, const struct store_filter *f,
    const char *const *ids, size_t nids,
    int (*cb)(void *arg, const struct record_meta *m), void *arg)
{
	struct record_meta m;
	PGresult *res = NULL;
	int rc = RC_ENOMEM, i, rows;

	if ((rc = ids_run(s, "SELECT " INDEX_COLS " FROM records r", f, ids, nids, &res)) != RC_OK)
		goto out;
	rows = PQntuples(res);
	for (i = 0; i < rows; i++) {
		memset(&m, 0, sizeof(m));
		str_copy(m.id, sizeof(m.id), PQgetvalue(res, i, 0));
		str_copy(m.type, sizeof(m.type), PQgetvalue(res, i, 1));
		str_copy(m.agency_id, sizeof(m.agency_id), PQgetvalue(res, i, 2));
		str_copy(m.owner_id, sizeof(m.owner_id), PQgetvalue(res, i, 3));
		m.created_at = col_int(res, i, 4);
		str_copy(m.sex, sizeof(m.sex), PQgetvalue(res, i, 5));
		str_copy(m.age_band, sizeof(m.age_band), PQgetvalue(res, i, 6));
		str_copy(m.nationality, sizeof(m.nationality), PQgetvalue(res, i, 7));
		str_copy(m.location_code, sizeof(m.location_code), PQgetvalue(res, i, 8));
		str_copy(m.risk_level, sizeof(m.risk_level), PQgetvalue(res, i, 9));
		str_copy(m.workflow, sizeof(m.workflow), PQgetvalue(res, i, 10));
		str_copy(m.status, sizeof(m.status), PQgetvalue(res, i, 11));
		m.flags = col_int(res, i, 12);
		if ((rc = cb(arg, &m)) != 0)
			goto out;
	}
	rc = RC_OK;
out:
	PQclear(res);
	return rc;
}

static int
pg_store_caseload(struct store *s, const char *type, const char *agency_id,
    const char *owner_id, const int64_t due[4], int64_t now,
    int (*cb)(void *arg, const struct store_caseload_row *row), void *arg)
{
	struct store_caseload_row row;
	struct params p;
	PGresult *res;
	int rc, i, rows;

	memset(&p, 0, sizeof(p));
	p_text(&p, type);
	p_text_or_null(&p, agency_id);
	p_text_or_null(&p, owner_id);
	for (i = 0; i < 4; i++)
		p_int(&p, due[i]);
	p_int(&p, now);
	if ((rc = run(s, STMT_CASELOAD, &p, &res)) != RC_OK)
		return rc;
	rows = PQntuples(res);
	for (i = 0; i < rows; i++) {
		memset(&row, 0, sizeof(row));
		col_text(res, i, 0, row.owner_id, sizeof(row.owner_id));
		col_text(res, i, 1, row.risk_level, sizeof(row.risk_level));
		row.open = col_int(res, i, 2);
		row.overdue = col_int(res, i, 3);
		if ((rc = cb(arg, &row)) != 0)
			break;
	}
	PQclear(res);
	return rc;
}

static int
pg_store_record_count_by(struct store *s, const struct store_filter *f,
    const enum group_col *group, size_t ngroup, int location_len,
    int (*cb)(void *arg, const struct store_count_row *row), void *arg)
{
	struct store_count_row row;
	struct buf q = BUF_INIT;
	struct params p;
	PGresult *res = NULL;
	size_t g;
	int rc = RC_ENOMEM, i, rows;

	/* SELECT the group expressions (from group_sql[]), count, GROUP BY 1, 2 ... */
	memset(&p, 0, sizeof(p));
	if (buf_puts(&q, "SELECT ") != 0)
		goto out;
	for (g = 0; g < ngroup; g++) {
		if (group[g] == GROUP_LOCATION_CODE && location_len > 0) {
			if (buf_printf(&q, "substr(r.location_code, 1, $%d::int) "
			    "COLLATE \"C\", ", p.n + 1) != 0)
				goto out;
			p_int(&p, location_len);
		} else if (buf_puts(&q, group_sql[group[g]]) != 0 ||
		    buf_puts(&q, ", ") != 0)
			goto out;
	}
	if (buf_puts(&q, "count(*) FROM records r") != 0 || list_where(&q, &p, f) != RC_OK)
		goto out;
	for (g = 0; g < ngroup; g++)
		if (buf_printf(&q, "%s%zu", g ? ", " : " GROUP BY ", g + 1) != 0)
			goto out;
	for (g = 0; g < ngroup; g++)
		if (buf_printf(&q, "%s%zu", g ? ", " : " ORDER BY ", g + 1) != 0)
			goto out;
	if ((rc = run_sql(s, q.p, &p, &res)) != RC_OK)
		goto out;
	rows = PQntuples(res);
	for (i = 0; i < rows; i++) {
		memset(&row, 0, sizeof(row));
		for (g = 0; g < ngroup; g++)
			col_text(res, i, (int)g, row.value[g], sizeof(row.value[g]));
		row.count = col_int(res, i, (int)ngroup);
		if ((rc = cb(arg, &row)) != 0)
			goto out;
	}
	rc = RC_OK;
out:
	PQclear(res);
	buf_free(&q);
	return rc;
}

static int
pg_store_record_count_keys(struct store *s, const struct store_filter *f,
    const uint8_t (*keys)[STORE_BLIND_BYTES], size_t nkeys, const enum group_col *group,
    size_t ngroup, int location_len,
    int (*cb)(void *arg, const struct store_count_row *row), void *arg)
{
	struct store_count_row row;
	struct buf q = BUF_INIT;
	struct params p;
	PGresult *res = NULL;
	size_t g, k, j, klen;
	int rc = RC_ENOMEM, i, rows;
	unsigned char *kv;

	memset(&p, 0, sizeof(p));
	if (buf_puts(&q, "SELECT k.key, ") != 0)
		goto out;
	for (g = 0; g < ngroup; g++) {
		if (group[g] == GROUP_LOCATION_CODE && location_len > 0) {
			if (buf_printf(&q, "substr(r.location_code, 1, $%d::int) "
			    "COLLATE \"C\", ", p.n + 1) != 0)
				goto out;
			p_int(&p, location_len);
		} else if (buf_puts(&q, group_sql[group[g]]) != 0 ||
		    buf_puts(&q, ", ") != 0)
			goto out;
	}
	if (buf_puts(&q, "count(*) FROM record_keys k JOIN records r ON r.id = "
	    "k.record_id") != 0 || list_where(&q, &p, f) != RC_OK ||
	    buf_puts(&q, " AND k.key IN (") != 0)
		goto out;
	for (k = 0; k < nkeys; k++) {
		if (buf_printf(&q, "%s$%d::bytea", k ? ", " : "", p.n + 1) != 0)
			goto out;
		p_blob(&p, keys[k], STORE_BLIND_BYTES);
	}
	if (buf_puts(&q, ")") != 0)
		goto out;
	for (g = 0; g <= ngroup; g++)
		if (buf_printf(&q, "%s%zu", g ? ", " : " GROUP BY ", g + 1) != 0)
			goto out;
	if ((rc = run_sql(s, q.p, &p, &res)) != RC_OK)
		goto out;
	rows = PQntuples(res);
	for (i = 0; i < rows; i++) {
		memset(&row, 0, sizeof(row));
		if ((kv = PQunescapeBytea((const unsigned char *)PQgetvalue(res, i, 0),
		    &klen)) == NULL) {
			rc = RC_ENOMEM;
			goto out;
		}
		for (j = 0; j < nkeys; j++)
			if (klen == STORE_BLIND_BYTES &&
			    memcmp(keys[j], kv, STORE_BLIND_BYTES) == 0)
				snprintf(row.value[0], sizeof(row.value[0]), "%zu", j);
		PQfreemem(kv);
		for (g = 0; g < ngroup; g++)
			col_text(res, i, (int)g + 1, row.value[g + 1], sizeof(row.value[g + 1]));
		row.count = col_int(res, i, (int)ngroup + 1);
		if ((rc = cb(arg, &row)) != 0)
			goto out;
	}
	rc = RC_OK;
out:
	PQclear(res);
	buf_free(&q);
	return rc;
}

/* ---- history ---------------------------------------------------------------------- */

static int
pg_store_history_append(struct store *s, const struct store_history *h)
{
	struct params p;

	memset(&p, 0, sizeof(p));
	p_text(&p, h->record_id);
	p_int(&p, h->rev);
	p_int(&p, h->at);
	p_text(&p, h->user_id);
	p_text(&p, h->action);
	p_blob(&p, h->body, h->body_len);
	return run_done(s, STMT_HISTORY_INSERT, &p);
}

static int
pg_store_history_list(struct store *s, const char *record_id,
    int (*cb)(void *arg, struct store_history *h), void *arg)
{
	struct store_history h;
	struct params p;
	PGresult *res;
	int rc, i, rows;

	memset(&p, 0, sizeof(p));
	p_text(&p, record_id);
	if ((rc = run(s, STMT_HISTORY_LIST, &p, &res)) != RC_OK)
		return rc;
	rows = PQntuples(res);
	for (i = 0; i < rows; i++) {
		memset(&h, 0, sizeof(h));
		col_text(res, i, 0, h.record_id, sizeof(h.record_id));
		h.rev = col_int(res, i, 1);
		h.at = col_int(res, i, 2);
		col_text(res, i, 3, h.user_id, sizeof(h.user_id));
		col_text(res, i, 4, h.action, sizeof(h.action));
		if ((rc = col_blob(res, i, 5, &h.body, &h.body_len)) != RC_OK)
			break;
		if ((rc = cb(arg, &h)) != 0)
			break;
	}
	PQclear(res);
	return rc;
}

/* ---- agencies ----------------------------------------------------------------------- */

static int
pg_store_agency_insert(struct store *s, const struct store_agency *a)
{
	struct params p;

	memset(&p, 0, sizeof(p));
	p_text(&p, a->id);
	p_text(&p, a->code);
	p_text(&p, a->name);
	p_int(&p, a->created_at);
	return run_done(s, STMT_AGENCY_INSERT, &p);
}

static void
agency_read_row(const PGresult *res, int row, struct store_agency *a)
{
	memset(a, 0, sizeof(*a));
	col_text(res, row, 0, a->id, sizeof(a->id));
	col_text(res, row, 1, a->code, sizeof(a->code));
	col_text(res, row, 2, a->name, sizeof(a->name));
	a->created_at = col_int(res, row, 3);
}

static int
pg_store_agency_get(struct store *s, const char *id_or_code, struct store_agency *out)
{
	struct params p;
	PGresult *res;
	int rc;

	memset(&p, 0, sizeof(p));
	p_text(&p, id_or_code);
	if ((rc = run(s, STMT_AGENCY_GET, &p, &res)) != RC_OK)
		return rc;
	if (PQntuples(res) > 0)
		agency_read_row(res, 0, out);
	else
		rc = RC_ENOTFOUND;
	PQclear(res);
	return rc;
}

static int
pg_store_agency_list(struct store *s,
    int (*cb)(void *arg, const struct store_agency *a), void *arg)
{
	struct store_agency a;
	PGresult *res;
	int rc, i, rows;

	if ((rc = run(s, STMT_AGENCY_LIST, NULL, &res)) != RC_OK)
		return rc;
	rows = PQntuples(res);
	for (i = 0; i < rows; i++) {
		agency_read_row(res, i, &a);
		if ((rc = cb(arg, &a)) != 0)
			break;
	}
	PQclear(res);
	return rc;
}

/* ---- users ------------------------------------------------------------------------- */

static void
user_params(struct params *p, const struct store_user *u)
{
	memset(p, 0, sizeof(*p));
	p_text(p, u->id);
	p_text(p, u->username);
	p_text(p, u->full_name);
	p_text(p, u->role);
	p_text(p, u->agency_id);
	p_text(p, u->location_code);
	p_text(p, u->language);
	p_text(p, u->password_hash);
	p_int(p, u->disabled);
	p_int(p, u->failed_logins);
	p_int(p, u->locked_until);
	p_int(p, u->created_at);
	p_int(p, u->updated_at);
}

/* The thirteen user columns starting at column `at`. */
static void
user_read_row(const PGresult *res, int row, int at, struct store_user *u)
{
	memset(u, 0, sizeof(*u));
	col_text(res, row, at + 0, u->id, sizeof(u->id));
	col_text(res, row, at + 1, u->username, sizeof(u->username));
	col_text(res, row, at + 2, u->full_name, sizeof(u->full_name));
	col_text(res, row, at + 3, u->role, sizeof(u->role));
	col_text(res, row, at + 4, u->agency_id, sizeof(u->agency_id));
	col_text(res, row, at + 5, u->location_code, sizeof(u->location_code));
	col_text(res, row, at + 6, u->language, sizeof(u->language));
	col_text(res, row, at + 7, u->password_hash, sizeof(u->password_hash));
	u->disabled = (int)col_int(res, row, at + 8);
	u->failed_logins = (int)col_int(res, row, at + 9);
	u->locked_until = col_int(res, row, at + 10);
	u->created_at = col_int(res, row, at + 11);
	u->updated_at = col_int(res, row, at + 12);
}

static int
pg_store_user_insert(struct store *s, const struct store_user *u)
{
	struct params p;

	user_params(&p, u);
	return run_done(s, STMT_USER_INSERT, &p);
}

static int
user_get(struct store *s, enum stmt id, const char *key, struct store_user *out)
{
	struct params p;
	PGresult *res;
	int rc;

	memset(&p, 0, sizeof(p));
	p_text(&p, key);
	if ((rc = run(s, id, &p, &res)) != RC_OK)
		return rc;
	if (PQntuples(res) > 0)
		user_read_row(res, 0, 0, out);
	else
		rc = RC_ENOTFOUND;
	PQclear(res);
	return rc;
}

static int
pg_store_user_get(struct store *s, const char *id, struct store_user *out)
{
	return user_get(s, STMT_USER_GET, id, out);
}

static int
pg_store_user_get_by_name(struct store *s, const char *username, struct store_user *out)
{
	return user_get(s, STMT_USER_GET_NAME, username, out);
}

static int
pg_store_user_update(struct store *s, const struct store_user *u)
{
	struct params p;
	PGresult *res;
	int rc;

	user_params(&p, u);
	if ((rc = run(s, STMT_USER_UPDATE, &p, &res)) != RC_OK)
		return rc;
	rc = changed(res) == 1 ? RC_OK : RC_ENOTFOUND;
	PQclear(res);
	return rc;
}

static int
pg_store_user_list(struct store *s, int (*cb)(void *arg, const struct store_user *u),
    void *arg)
{
	struct store_user u;
	PGresult *res;
	int rc, i, rows;

	if ((rc = run(s, STMT_USER_LIST, NULL, &res)) != RC_OK)
		return rc;
	rows = PQntuples(res);
	for (i = 0; i < rows; i++) {
		user_read_row(res, i, 0, &u);
		rc = cb(arg, &u);
		memset(u.password_hash, 0, sizeof(u.password_hash));
		if (rc != 0)
			break;
	}
	PQclear(res);
	return rc;
}

static int64_t
count_of(struct store *s, enum stmt id, const struct params *p)
{
	PGresult *res;
	int64_t n = -1;

	if (run(s, id, p, &res) != RC_OK)
		return -1;
	if (PQntuples(res) == 1)
		n = col_int(res, 0, 0);
	PQclear(res);
	return n;
}

static int64_t
pg_store_user_count(struct store *s)
{
	return count_of(s, STMT_USER_COUNT, NULL);
}

/* ---- locations ----------------------------------------------------------------------- */

static int
pg_store_location_put(struct store *s, const char *code, const char *parent_code,
    int level, const char *names_json)
{
	struct params p;

	memset(&p, 0, sizeof(p));
	p_text(&p, code);
	p_text_or_null(&p, parent_code);
	p_int(&p, level);
	p_text(&p, names_json);
	return run_done(s, STMT_LOCATION_PUT, &p);
}

static int
pg_store_location_exists(struct store *s, const char *code)
{
	struct params p;
	PGresult *res;
	int rc;

	memset(&p, 0, sizeof(p));
	p_text(&p, code);
	if ((rc = run(s, STMT_LOCATION_EXISTS, &p, &res)) != RC_OK)
		return rc;
	rc = PQntuples(res) > 0;
	PQclear(res);
	return rc;
}

static int64_t
pg_store_location_count(struct store *s)
{
	return count_of(s, STMT_LOCATION_COUNT, NULL);
}

static int
pg_store_location_list(struct store *s, int (*cb)(void *arg, const char *code,
    const char *parent_code, int level, const char *names_json), void *arg)
{
	PGresult *res;
	int rc, i, rows;

	if ((rc = run(s, STMT_LOCATION_LIST, NULL, &res)) != RC_OK)
		return rc;
	rows = PQntuples(res);
	for (i = 0; i < rows; i++) {
		rc = cb(arg, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
		    (int)col_int(res, i, 2), PQgetvalue(res, i, 3));
		if (rc != 0)
			break;
	}
	PQclear(res);
	return rc;
}

/* ---- sessions -------------------------------------------------------------------------- */

static int
pg_store_session_insert(struct store *s, const struct store_session *ss)
{
	struct params p;

	memset(&p, 0, sizeof(p));
	p_blob(&p, ss->token_hash, STORE_HASH_BYTES);
	p_text(&p, ss->user_id);
	p_int(&p, ss->created_at);
	p_int(&p, ss->last_seen);
	p_int(&p, ss->expires_at);
	return run_done(s, STMT_SESSION_INSERT, &p);
}

/* The five session columns starting at column `at`. */
static void
session_read_row(const PGresult *res, int row, int at, struct store_session *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (col_hash(res, row, at, ss->token_hash) != 0)
		memset(ss->token_hash, 0, sizeof(ss->token_hash));
	col_text(res, row, at + 1, ss->user_id, sizeof(ss->user_id));
	ss->created_at = col_int(res, row, at + 2);
	ss->last_seen = col_int(res, row, at + 3);
	ss->expires_at = col_int(res, row, at + 4);
}

static int
pg_store_session_get(struct store *s, const uint8_t hash[STORE_HASH_BYTES],
    struct store_session *out)
{
	struct params p;
	PGresult *res;
	int rc;

	memset(&p, 0, sizeof(p));
	p_blob(&p, hash, STORE_HASH_BYTES);
	if ((rc = run(s, STMT_SESSION_GET, &p, &res)) != RC_OK)
		return rc;
	if (PQntuples(res) > 0)
		session_read_row(res, 0, 0, out);
	else
		rc = RC_ENOTFOUND;
	PQclear(res);
	return rc;
}

static int
pg_store_session_user(struct store *s, const uint8_t hash[STORE_HASH_BYTES],
    struct store_session *ss, struct store_user *u)
{
	struct params p;
	PGresult *res;
	int rc;

	memset(&p, 0, sizeof(p));
	p_blob(&p, hash, STORE_HASH_BYTES);
	if ((rc = run(s, STMT_SESSION_USER, &p, &res)) != RC_OK)
		return rc;
	if (PQntuples(res) > 0) {
		user_read_row(res, 0, 0, u);		/* columns 0..12 */
		session_read_row(res, 0, 13, ss);	/* columns 13..17 */
	} else
		rc = RC_ENOTFOUND;
	PQclear(res);
	return rc;
}

static int
pg_store_session_touch(struct store *s, const uint8_t hash[STORE_HASH_BYTES],
    int64_t last_seen)
{
	struct params p;

	memset(&p, 0, sizeof(p));
	p_blob(&p, hash, STORE_HASH_BYTES);
	p_int(&p, last_seen);
	return run_done(s, STMT_SESSION_TOUCH, &p);
}

static int
pg_store_session_delete(struct store *s, const uint8_t hash[STORE_HASH_BYTES])
{
	struct params p;

	memset(&p, 0, sizeof(p));
	p_blob(&p, hash, STORE_HASH_BYTES);
	return run_done(s, STMT_SESSION_DELETE, &p);
}

static int
pg_store_session_delete_user(struct store *s, const char *user_id, const uint8_t *keep)
{
	struct params p;

	memset(&p, 0, sizeof(p));
	p_text(&p, user_id);
	if (keep != NULL)
		p_blob(&p, keep, STORE_HASH_BYTES);
	else
		p_null(&p);
	return run_done(s, STMT_SESSION_DELETE_USER, &p);
}

static int
pg_store_session_purge(struct store *s, int64_t now, int64_t idle_before)
{
	struct params p;

	memset(&p, 0, sizeof(p));
	p_int(&p, now);
	p_int(&p, idle_before);
	return run_done(s, STMT_SESSION_PURGE, &p);
}

static int64_t
pg_store_session_count(struct store *s, int64_t now, int64_t idle_before)
{
	struct params p;

	memset(&p, 0, sizeof(p));
	p_int(&p, now);
	p_int(&p, idle_before);
	return count_of(s, STMT_SESSION_COUNT, &p);
}

/* ---- audit chain ----------------------------------------------------------------------- */

static int
pg_store_audit_last(struct store *s, int64_t *seq, uint8_t hash[STORE_HASH_BYTES])
{
	PGresult *res;
	int rc;

	*seq = 0;
	memset(hash, 0, STORE_HASH_BYTES);
	if ((rc = run(s, STMT_AUDIT_LAST, NULL, &res)) != RC_OK)
		return rc;
	if (PQntuples(res) > 0) {
		*seq = col_int(res, 0, 0);
		if (col_hash(res, 0, 1, hash) != 0) {
			memset(hash, 0, STORE_HASH_BYTES);
			rc = RC_EINTEGRITY;
		}
	}
	PQclear(res);
	return rc;
}

static int
pg_store_audit_insert(struct store *s, const struct store_audit *row)
{
	struct params p;

	memset(&p, 0, sizeof(p));
	p_int(&p, row->seq);
	p_int(&p, row->at);
	p_text(&p, row->user_id);
	p_text(&p, row->agency_id);
	p_text(&p, row->action);
	p_text(&p, row->record_id);
	if (row->fields != NULL)
		p_text(&p, row->fields);
	else
		p_null(&p);
	p_text(&p, row->outcome);
	p_blob(&p, row->prev_hash, STORE_HASH_BYTES);
	p_blob(&p, row->hash, STORE_HASH_BYTES);
	return run_done(s, STMT_AUDIT_INSERT, &p);
}

static int
audit_read_row(const PGresult *res, int row, struct store_audit *r)
{
	int bad = 0;

	memset(r, 0, sizeof(*r));
	/* every column as stored: a value cut to fit would hide a change */
	bad |= PQgetisnull(res, row, 0) || PQgetisnull(res, row, 1);
	r->seq = col_int(res, row, 0);
	r->at = col_int(res, row, 1);
	bad |= col_text(res, row, 2, r->user_id, sizeof(r->user_id));
	bad |= col_text(res, row, 3, r->agency_id, sizeof(r->agency_id));
	bad |= col_text(res, row, 4, r->action, sizeof(r->action));
	bad |= col_text(res, row, 5, r->record_id, sizeof(r->record_id));
	if (!PQgetisnull(res, row, 6) &&
	    (r->fields = strdup(PQgetvalue(res, row, 6))) == NULL)
		return RC_ENOMEM;
	bad |= col_text(res, row, 7, r->outcome, sizeof(r->outcome));
	if (col_hash(res, row, 8, r->prev_hash) != 0)
		bad = 1;
	if (col_hash(res, row, 9, r->hash) != 0)
		bad = 1;
	r->malformed = bad != 0;
	return RC_OK;
}

static int
pg_store_audit_walk(struct store *s, int (*cb)(void *arg, struct store_audit *row),
    void *arg)
{
	struct store_audit r;
	struct params p;
	PGresult *res;
	int64_t after = INT64_MIN;
	int rc = RC_OK, i, rows;

	/* a page at a time, so that a long chain is never all in memory */
	do {
		memset(&p, 0, sizeof(p));
		p_int(&p, after);
		if ((rc = run(s, STMT_AUDIT_WALK, &p, &res)) != RC_OK)
			return rc;
		rows = PQntuples(res);
		for (i = 0; i < rows && rc == RC_OK; i++) {
			if ((rc = audit_read_row(res, i, &r)) != RC_OK)
				break;
			after = r.seq;
			rc = cb(arg, &r);
		}
		PQclear(res);
	} while (rc == RC_OK && rows == AUDIT_WALK_PAGE);
	return rc;
}

static int
pg_store_audit_list(struct store *s, const struct store_audit_filter *f, int64_t *total,
    int (*cb)(void *arg, struct store_audit *row), void *arg)
{
	static const char where[] =
	    " WHERE ($1::text IS NULL OR agency_id = $1) AND ($2::text IS NULL OR "
	    "record_id = $2) AND ($3::text IS NULL OR user_id = $3) AND at >= $4";
	struct store_audit r;
	struct params p;
	PGresult *res;
	int rc = RC_OK, pass, i, rows;

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
		    (pass == 1 && buf_puts(&q, " ORDER BY seq DESC LIMIT $5 OFFSET $6") != 0)) {
			buf_free(&q);
			return RC_ENOMEM;
		}
		memset(&p, 0, sizeof(p));
		p_text_or_null(&p, f->agency_id);
		p_text_or_null(&p, f->record_id);
		p_text_or_null(&p, f->user_id);
		p_int(&p, f->since);
		if (pass == 1) {
			p_int(&p, f->limit);
			p_int(&p, f->offset);
		}
		rc = run_sql(s, q.p, &p, &res);
		buf_free(&q);
		if (rc != RC_OK)
			return rc;
		if (pass == 0) {
			*total = PQntuples(res) == 1 ? col_int(res, 0, 0) : 0;
		} else {
			rows = PQntuples(res);
			for (i = 0; i < rows; i++) {
				if ((rc = audit_read_row(res, i, &r)) != RC_OK)
					break;
				if ((rc = cb(arg, &r)) != 0)
					break;
			}
		}
		PQclear(res);
		if (rc != RC_OK)
			return rc;
	}
	return rc;
}

/* ---- documents --------------------------------------------------------------------- */

static void
doc_params(struct params *p, const struct store_doc *d)
{
	memset(p, 0, sizeof(*p));
	p_text(p, d->kind);
	p_text(p, d->id);
	p_text(p, d->ref);
	p_text(p, d->owner_id);
	p_text(p, d->agency_id);
	p_int(p, d->at);
	p_text(p, d->body);
	p_int(p, d->updated_at);
}

static int
pg_store_doc_insert(struct store *s, const struct store_doc *d)
{
	struct params p;

	doc_params(&p, d);
	return run_done(s, STMT_DOC_INSERT, &p);
}

static int
pg_store_doc_put(struct store *s, const struct store_doc *d)
{
	struct params p;

	doc_params(&p, d);
	return run_done(s, STMT_DOC_PUT, &p);
}

/* The DOC_COLS of row `row`; d->body is malloc'd. */
static int
doc_read_row(const PGresult *res, int row, struct store_doc *d)
{
	memset(d, 0, sizeof(*d));
	col_text(res, row, 0, d->kind, sizeof(d->kind));
	col_text(res, row, 1, d->id, sizeof(d->id));
	col_text(res, row, 2, d->ref, sizeof(d->ref));
	col_text(res, row, 3, d->owner_id, sizeof(d->owner_id));
	col_text(res, row, 4, d->agency_id, sizeof(d->agency_id));
	d->at = col_int(res, row, 5);
	if ((d->body = strdup(PQgetvalue(res, row, 6))) == NULL)
		return RC_ENOMEM;
	d->updated_at = col_int(res, row, 7);
	return RC_OK;
}

static int
pg_store_doc_get(struct store *s, const char *kind, const char *id,
    struct store_doc *out)
{
	struct params p;
	PGresult *res;
	int rc;

	memset(&p, 0, sizeof(p));
	p_text(&p, kind);
	p_text(&p, id);
	if ((rc = run(s, STMT_DOC_GET, &p, &res)) != RC_OK)
		return rc;
	rc = PQntuples(res) > 0 ? doc_read_row(res, 0, out) : RC_ENOTFOUND;
	PQclear(res);
	return rc;
}

static int
pg_store_doc_delete(struct store *s, const char *kind, const char *id)
{
	struct params p;
	PGresult *res;
	int rc;

	memset(&p, 0, sizeof(p));
	p_text(&p, kind);
	p_text(&p, id);
	if ((rc = run(s, STMT_DOC_DELETE, &p, &res)) != RC_OK)
		return rc;
	rc = changed(res) > 0 ? RC_OK : RC_ENOTFOUND;
	PQclear(res);
	return rc;
}

static int
pg_store_doc_delete_ref(struct store *s, const char *kind, const char *ref)
{
	struct params p;

	memset(&p, 0, sizeof(p));
	p_text(&p, kind);
	p_text(&p, ref);
	return run_done(s, STMT_DOC_DELETE_REF, &p);
}

/* The document list's WHERE, from these literal fragments only, its values into `p`. */
static int
doc_where(struct buf *q, struct params *p, const struct store_doc_filter *f)
{
	int rc = 0, n = p->n;

	rc |= buf_puts(q, " WHERE kind = ");
	rc |= put_param(q, &n);
	p_text(p, f->kind);
	if (f->ref && *f->ref) {
		rc |= buf_puts(q, " AND ref = ");
		rc |= put_param(q, &n);
		p_text(p, f->ref);
	}
	if (f->owner_or_agency) {
		rc |= buf_printf(q, " AND (owner_id = $%d OR agency_id = $%d)", n + 1,
		    n + 2);
		n += 2;
		p_text(p, f->owner_id);
		p_text(p, f->agency_id);
	} else {
		if (f->owner_id && *f->owner_id) {
			rc |= buf_puts(q, " AND owner_id = ");
			rc |= put_param(q, &n);
			p_text(p, f->owner_id);
		}
		if (f->agency_id && *f->agency_id) {
			rc |= buf_puts(q, " AND agency_id = ");
			rc |= put_param(q, &n);
			p_text(p, f->agency_id);
		}
	}
	if (f->at_min != 0) {
		rc |= buf_puts(q, " AND at >= ");
		rc |= put_param(q, &n);
		rc |= buf_puts(q, "::bigint");
		p_int(p, f->at_min);
	}
	if (f->at_max != 0) {
		rc |= buf_puts(q, " AND at <= ");
		rc |= put_param(q, &n);
		rc |= buf_puts(q, "::bigint");
		p_int(p, f->at_max);
	}
	return rc ? RC_ENOMEM : RC_OK;
}

static int
pg_store_doc_list(struct store *s, const struct store_doc_filter *f, int64_t *total,
    store_doc_cb cb, void *arg)
{
	struct buf q = BUF_INIT;
	struct store_doc d;
	struct params p;
	PGresult *res = NULL;
	int rc = RC_ENOMEM, i, rows;

	if (total != NULL) {
		memset(&p, 0, sizeof(p));
		if (buf_puts(&q, "SELECT count(*) FROM docs") != 0 ||
		    doc_where(&q, &p, f) != RC_OK)
			goto out;
		if ((rc = run_sql(s, q.p, &p, &res)) != RC_OK)
			goto out;
		*total = PQntuples(res) == 1 ? col_int(res, 0, 0) : 0;
		PQclear(res);
		res = NULL;
		buf_reset(&q);
	}
	memset(&p, 0, sizeof(p));
	rc = RC_ENOMEM;
	/* ids sort bytewise (COLLATE "C"), as in SQLite */
	if (buf_puts(&q, "SELECT " DOC_COLS " FROM docs") != 0 ||
	    doc_where(&q, &p, f) != RC_OK ||
	    buf_printf(&q, " ORDER BY at%s, id COLLATE \"C\" LIMIT $%d OFFSET $%d",
	    f->descending ? " DESC" : "", p.n + 1, p.n + 2) != 0)
		goto out;
	p_int(&p, f->limit);
	p_int(&p, f->offset);
	if ((rc = run_sql(s, q.p, &p, &res)) != RC_OK)
		goto out;
	rows = PQntuples(res);
	for (i = 0; i < rows; i++) {
		if ((rc = doc_read_row(res, i, &d)) != RC_OK)
			goto out;
		if ((rc = cb(arg, &d)) != 0)
			goto out;
	}
	rc = RC_OK;
out:
	PQclear(res);
	buf_free(&q);
	return rc;
}

/* ---- the table store.c dispatches through ------------------------------------------ */

const char *
pg_store_sql(int id)
{
	return id >= 0 && id < STMT__MAX ? pg_sql[id] : NULL;
}

int
pg_store_migration_count(void)
{
	return (int)MIGRATION_COUNT;
}

static const struct store_ops pg_ops = {
	.close = pg_store_close,
	.migrate = pg_store_migrate,
	.schema_version = pg_store_schema_version,
	.begin = pg_store_begin,
	.commit = pg_store_commit,
	.rollback = pg_store_rollback,
	.in_transaction = pg_store_in_transaction,
	.bulk = pg_store_bulk,
	.record_insert = pg_store_record_insert,
	.record_get = pg_store_record_get,
	.record_update = pg_store_record_update,
	.record_keys_set = pg_store_record_keys_set,
	.record_deadlines_set = pg_store_record_deadlines_set,
	.record_erase = pg_store_record_erase,
	.record_list = pg_store_record_list,
	.key_count = pg_store_key_count,
	.record_list_by_key = pg_store_record_list_by_key,
	.key_records = pg_store_key_records,
	.record_list_ids = pg_store_record_list_ids,
	.record_index_ids = pg_store_record_index_ids,
	.record_count_by = pg_store_record_count_by,
	.record_count_keys = pg_store_record_count_keys,
	.caseload = pg_store_caseload,
	.history_append = pg_store_history_append,
	.history_list = pg_store_history_list,
	.agency_insert = pg_store_agency_insert,
	.agency_get = pg_store_agency_get,
	.agency_list = pg_store_agency_list,
	.user_insert = pg_store_user_insert,
	.user_get = pg_store_user_get,
	.user_get_by_name = pg_store_user_get_by_name,
	.user_update = pg_store_user_update,
	.user_list = pg_store_user_list,
	.user_count = pg_store_user_count,
	.location_put = pg_store_location_put,
	.location_exists = pg_store_location_exists,
	.location_count = pg_store_location_count,
	.location_list = pg_store_location_list,
	.session_insert = pg_store_session_insert,
	.session_get = pg_store_session_get,
	.session_user = pg_store_session_user,
	.session_touch = pg_store_session_touch,
	.session_delete = pg_store_session_delete,
	.session_delete_user = pg_store_session_delete_user,
	.session_purge = pg_store_session_purge,
	.session_count = pg_store_session_count,
	.audit_last = pg_store_audit_last,
	.audit_insert = pg_store_audit_insert,
	.audit_list = pg_store_audit_list,
	.audit_walk = pg_store_audit_walk,
	.doc_insert = pg_store_doc_insert,
	.doc_put = pg_store_doc_put,
	.doc_get = pg_store_doc_get,
	.doc_delete = pg_store_doc_delete,
	.doc_delete_ref = pg_store_doc_delete_ref,
	.doc_list = pg_store_doc_list,
	.path = pg_store_path,
};
