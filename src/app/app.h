/*
 * app.h — the use cases: one function per user action.
 *
 * Every path from the outside (CLI now, HTTP and pages later) goes through here: the
 * access policy is checked, input is validated against its form, records are sealed
 * before the store sees them. Adapters never include store or vault headers.
 *
 * Functions return RC_OK or an enum rc code; on failure `err` says what went wrong in
 * words fit to show the user (never record content), with per-field problems for
 * RC_EINVALID.
 */
#ifndef APP_APP_H
#define APP_APP_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "domain/form.h"
#include "domain/policy.h"

struct app;

struct app_error {
	char			message[256];
	struct form_errors	fields;		/* RC_EINVALID: problems per field */
};

/* The user on whose behalf an action runs. */
struct app_actor {
	struct policy_user	pu;
	char			username[64];
	char			language[8];
};

/* Where a data directory keeps things. */
#define APP_DB_FILE	"routecare.db"
#define APP_KEY_FILE	"master.key"

/* ---- data directory ------------------------------------------------------------ */

/* The data directory to use: `flag` when given, else $ROUTECARE_DATA, else
 * "./routecare-data". */
const char *app_data_dir(const char *flag);

/*
 * Create a new data directory at `dir` (mode 0700): master key (0600), database,
 * migrations, the default locations, and the first administrator `admin_name` with
 * `password` (NULL: a random one is generated and copied to `pw_out`, size
 * `pw_outsz`). RC_EEXIST when `dir` already holds a database or key: nothing changed.
 */
int	app_init(const char *dir, const char *admin_name, const char *password,
	    char *pw_out, size_t pw_outsz, struct app_error *err);

/* Open an existing data directory. RC_ENOTFOUND when it is not one. */
int	app_open(const char *dir, struct app **out, struct app_error *err);
void	app_close(struct app *a);			/* NULL is fine */

/* Forms, lookups and roles in use (borrowed for the life of the app). */
const struct forms  *app_forms(const struct app *a);
const struct policy *app_policy(const struct app *a);

/* ---- users and agencies ---------------------------------------------------------- */

/* Look up an enabled user to act as. RC_ENOTFOUND (no such user), RC_EDENIED
 * (disabled). */
int	app_actor_get(struct app *a, const char *username, struct app_actor *out,
	    struct app_error *err);

struct app_user_new {
	const char	*username;	/* 3..63 of [a-z0-9._-] */
	const char	*full_name;	/* may be NULL */
	const char	*role;		/* a role from roles.json */
	const char	*agency;	/* agency code; created when new. NULL for admin */
	const char	*location_code;	/* may be NULL */
	const char	*language;	/* en, fr, ar, es; NULL = en */
	const char	*password;	/* at least APP_PASSWORD_MIN characters */
};

#define APP_PASSWORD_MIN	10

/* Create a user (run by the operator of the data directory, or an admin `by`;
 * `by` NULL = operator). Fills `id_out` (ID_SIZE) when not NULL. */
int	app_user_add(struct app *a, const struct app_actor *by,
	    const struct app_user_new *nu, char *id_out, struct app_error *err);

/* Create an agency; `id_out` (ID_SIZE) may be NULL. RC_EEXIST when the code exists. */
int	app_agency_add(struct app *a, const char *code, const char *name, char *id_out,
	    struct app_error *err);

/* ---- records of every kind ------------------------------------------------------- */

/*
 * The same use cases for every record type (`type`: "case", and the kinds that
 * record.c knows): register, read, update with a revision, list with the filters of
 * struct app_case_query, history. Access is checked against the actions
 * "<kind>.create", "<kind>.read", "<kind>.update", "<kind>.list" of roles.json.
 * RC_ENOTFOUND for an unknown type. The app_case_* functions below are these with
 * type "case".
 */
struct app_case_query;
int	app_record_create(struct app *a, const struct app_actor *u, const char *type,
	    const json_t *data, json_t **out, struct app_error *err);
int	app_record_get(struct app *a, const struct app_actor *u, const char *type,
	    const char *id, json_t **out, struct app_error *err);
/* The same view as app_record_get, as JSON object text appended to `out`, without
 * parsing the sealed body (the API's read path); `*rev` its revision. On failure
 * nothing is appended. `out` may hold plaintext: wipe it when done (buf_wipe). */
struct buf;
int	app_record_get_text(struct app *a, const struct app_actor *u, const char *type,
	    const char *id, struct buf *out, int64_t *rev, struct app_error *err);
int	app_record_update(struct app *a, const struct app_actor *u, const char *type,
	    const char *id, int64_t rev, const json_t *patch, json_t **out,
	    struct app_error *err);
int	app_record_list(struct app *a, const struct app_actor *u, const char *type,
	    const struct app_case_query *q, json_t **out, struct app_error *err);
int	app_record_history(struct app *a, const struct app_actor *u, const char *type,
	    const char *id, json_t **out, struct app_error *err);

/* ---- cases ------------------------------------------------------------------------ */

/* Register a case from `data` (the fields). `*out` = {"id","short_id","rev"}.
 * Normally its own transaction; when the caller already opened one (batch loads),
 * the case joins it and, on failure, the caller must roll back. */
int	app_case_create(struct app *a, const struct app_actor *u, const json_t *data,
	    json_t **out, struct app_error *err);

/* The case by id or short id, with the fields `u` may see and its metadata.
 * RC_ENOTFOUND also when `u` may not see it. RC_EINTEGRITY when the sealed data
 * was altered. */
int	app_case_get(struct app *a, const struct app_actor *u, const char *id,
	    json_t **out, struct app_error *err);

/* Apply the merge patch `patch` to the case at revision `rev`. RC_ECONFLICT (stale
 * rev, nothing written), RC_EINVALID, RC_ENOTFOUND. `*out` as for create. */
int	app_case_update(struct app *a, const struct app_actor *u, const char *id,
	    int64_t rev, const json_t *patch, json_t **out, struct app_error *err);

struct app_case_query {
	const char	*text;		/* names in any script, or a short id */
	const char	*status;
	const char	*risk_level;
	const char	*sex;
	const char	*age_band;
	const char	*location;	/* this location or below */
	const char	*concern;	/* a protection concern option id */
	int64_t		 page;		/* from 1 */
	int64_t		 per;		/* 1..100 */
};

/* The cases `u` may see matching `q`: `*out` = {"data": [...], "metadata":
 * {"total","page","per"}}. */
int	app_case_list(struct app *a, const struct app_actor *u,
	    const struct app_case_query *q, json_t **out, struct app_error *err);

/*
 * In every case view (get and list items): "assessment_due" (ISO time) and "overdue"
 * (boolean) while the case waits for its initial assessment (workflow "new"): the
 * response time for its risk level from registration (high 24 h, medium 3 days, low
 * 7 days, none set 3 days).
 */

/* The history of a case: [{"rev","at","user","action","fields"}]. */
int	app_case_history(struct app *a, const struct app_actor *u, const char *id,
	    json_t **out, struct app_error *err);

/* The open caseload in `u`'s scope, per owner: {"data":[{"user","full_name","open",
 * "high","medium","low","none","overdue"}], "metadata":{"open","overdue"}}. A
 * caseworker sees their own line, a supervisor one line per user of the agency. */
int	app_caseload(struct app *a, const struct app_actor *u, json_t **out,
	    struct app_error *err);

/* Set the signed-in user's own interface language (en, fr, ar, es). */
int	app_user_set_language(struct app *a, const struct app_actor *u, const char *lang,
	    struct app_error *err);

/* For the administrator's home: {"users","disabled_users","agencies","locations"}. */
int	app_admin_summary(struct app *a, const struct app_actor *u, json_t **out,
	    struct app_error *err);

/* ---- demo data ---------------------------------------------------------------------- */

/* Load fictional agencies, users of every role (password `password`) and `ncases`
 * cases generated from `seed`. `*logins` = [{"username","role","agency"}]. */
int	app_demo_load(struct app *a, const char *password, int ncases, uint64_t seed,
	    json_t **logins, struct app_error *err);

/* Generate `ncases` more fictional cases from `seed` (the same seed gives the same
 * cases) for the demo caseworkers, creating the demo agencies and users (password
 * `password`) first when they are missing. Cases go through the same use case as a
 * caseworker's, sealed and indexed, 2000 to a transaction. `*created` counts them. */
int	app_gen_cases(struct app *a, const char *password, int64_t ncases, uint64_t seed,
	    int64_t *created, struct app_error *err);

/* ---- server use: per-thread handles, background audit --------------------------- */

/*
 * A handle for another thread: shares keys, configuration and the audit writer of `a`,
 * with its own database connection. Close it with app_close() before closing `a`.
 */
int	app_clone(struct app *a, struct app **out, struct app_error *err);

/* Start the background writer that appends read audit rows in batches (one durable
 * commit per batch, at most APP_AUDIT_FLUSH_MS after the read). Without it every
 * audit row is written at once. app_audit_stop() flushes what is queued. */
#define APP_AUDIT_FLUSH_MS	20
int	app_audit_start(struct app *a, struct app_error *err);
void	app_audit_stop(struct app *a);

/* ---- accounts and sessions --------------------------------------------------------- */

#define APP_TOKEN_SIZE		44	/* base64url of 32 random bytes + NUL */
#define APP_LOGIN_ATTEMPTS	10	/* wrong passwords before a lockout */

struct app_login {
	char	token[APP_TOKEN_SIZE];	/* the session token: show once, store nowhere */
	int64_t	expires_at;
	int64_t	retry_after;		/* RC_ELOCKED: seconds until the lockout ends */
	json_t	*user;			/* the user as app_user_json() shows them */
};

/*
 * Check a username and password and open a session. RC_EAUTH when either is wrong
 * (the same answer for both), RC_ELOCKED when the account is locked (retry_after set),
 * RC_EINVALID for malformed input. Every attempt is audited. out->user is owned by
 * the caller (json_decref).
 */
int	app_login(struct app *a, const char *username, const char *password,
	    struct app_login *out, struct app_error *err);
/* End the session of `token` (no error when it is already gone). */
int	app_logout(struct app *a, const char *token);
/* The user behind a session token. RC_EAUTH when unknown, expired, idle too long,
 * or the user is disabled. Refreshes the idle timer. */
int	app_session_actor(struct app *a, const char *token, struct app_actor *out,
	    struct app_error *err);
/* A CSRF token bound to a session (for HTML forms): keyed hash of the session token. */
void	app_csrf_token(struct app *a, const char *session_token,
	    char out[APP_TOKEN_SIZE]);
/* Constant-time check of a CSRF token against a session. 1 when it matches. */
int	app_csrf_check(struct app *a, const char *session_token, const char *csrf);
/* Change one's own password. Every session of the user ends, this one included:
 * sign in again with the new password. */
int	app_password_change(struct app *a, const struct app_actor *u,
	    const char *old_password, const char *new_password, struct app_error *err);
/* Open sessions, for /metrics; -1 on error. */
int64_t	app_sessions_open(struct app *a);

/* ---- administration through the API ------------------------------------------------ */

/* The user `id` as JSON {"id","username","full_name","role","agency","agency_id",
 * "location_code","language","disabled"}; caller decrefs. */
json_t	*app_user_json(struct app *a, const char *id);

/* Users `u` may see: admin all, supervisor their agency. {"data":[...]} */
int	app_user_list(struct app *a, const struct app_actor *u, json_t **out,
	    struct app_error *err);
/* Create a user from {"username","password","role","agency","location_code",
 * "full_name","language"} (admin). `*out` is the user JSON. */
int	app_user_create(struct app *a, const struct app_actor *u, const json_t *data,
	    json_t **out, struct app_error *err);
/* Change role, agency, location_code, full_name, language, disabled or password
 * (admin). Disabling ends the user's sessions at once. */
int	app_user_update(struct app *a, const struct app_actor *u, const char *id,
	    const json_t *patch, json_t **out, struct app_error *err);

/* Agencies (any signed-in user may list; admin creates from {"code","name"}). */
int	app_agency_list(struct app *a, const struct app_actor *u, json_t **out,
	    struct app_error *err);
int	app_agency_create(struct app *a, const struct app_actor *u, const json_t *data,
	    json_t **out, struct app_error *err);

/* Locations: {"data":[{"code","parent_code","level","names":{en,fr,ar,es}}]}. */
int	app_location_list(struct app *a, const struct app_actor *u, json_t **out,
	    struct app_error *err);
/* Load a P-code CSV (code,parent_code,level,name_en,name_fr,name_ar,name_es) with a
 * header line; all or nothing. `u` NULL = the operator (CLI). `*out` {"loaded": rows
 * read, "new": locations that were not known before}. */
int	app_location_import(struct app *a, const struct app_actor *u, const char *csv,
	    size_t n, json_t **out, struct app_error *err);

/* The form of a record type for clients, with options expanded. */
int	app_form_get(struct app *a, const struct app_actor *u, const char *type,
	    json_t **out, struct app_error *err);

/* ---- audit ------------------------------------------------------------------------- */

struct app_audit_query {
	const char	*record_id;	/* id or short id */
	const char	*user;		/* username */
	const char	*since;		/* "YYYY-MM-DD" or ISO time */
	int64_t		 page, per;
};

/* Audit rows `u` may see (dpo and supervisor: their agency; a record's rows when they
 * may see the record). {"data":[{"seq","at","user","action","record_id","fields",
 * "outcome"}], "metadata":{...}} */
int	app_audit_list(struct app *a, const struct app_actor *u,
	    const struct app_audit_query *q, json_t **out, struct app_error *err);
/* Walk the whole chain. RC_OK with `*rows` checked, or RC_EINTEGRITY with `*bad_seq`
 * the first row that does not verify (err says how). */
int	app_audit_verify(struct app *a, int64_t *rows, int64_t *bad_seq,
	    struct app_error *err);

/* ---- tracing: tracing requests, matches, duplicates (tracing.c, match.c) ----------- */

/*
 * Tracing requests are records of type "tracing_request" (app_record_* with that type;
 * actions tracing.create/read/update/list). Each trace (an item of
 * tracing_request_subform_section: one child sought) gets a system-set UUID in its
 * "unique_id" when it is first saved; a trace sent back with its unique_id keeps it, a
 * trace without one is new, any other value is refused (RC_EINVALID).
 *
 * Register and update as app_record_create/update, with "trace_ids" (the unique_id of
 * every trace, in order) added to `*out`: {"id","short_id","rev","trace_ids":[...]}.
 */
int	app_tracing_create(struct app *a, const struct app_actor *u, const json_t *data,
	    json_t **out, struct app_error *err);
int	app_tracing_update(struct app *a, const struct app_actor *u, const char *id,
	    int64_t rev, const json_t *patch, json_t **out, struct app_error *err);

/*
 * Matching (action match.read), through the engine of domain/match.h. Candidates come
 * from the blind index only (the blocking keys of the record, rarest first, at most 500
 * records opened), within what `u` may read; a case is compared only when it holds
 * valid consent for tracing (consent.h, purpose "tracing"), a tracing request only when
 * its person asking consented (consent_for_tracing). Only "likely" and "possible" pairs
 * are answered, best first (at most 50), never a pair decided "not_a_match".
 *
 * app_match_trace: the cases for trace `trace_id` (its request must be readable:
 * tracing.read). `*out` = {"data": [{"case_id","short_id","score","likelihood",
 * "weight","fields":{"name":{"agreement","weight"},...},"summary":{"name","sex","age",
 * "date_of_birth" as `u` may see them},"decision"?}], "metadata": {"trace_id",
 * "request_id","request_short_id","total","candidates","capped","tracing_consent"}}.
 * RC_ENOTFOUND for an unknown trace or one out of reach.
 *
 * app_match_case: the open traces for case `case_id` (case.read): items
 * {"trace_id","request_id","request_short_id","score","likelihood","weight","fields",
 * "summary","decision"?}; metadata {"case_id","short_id","total","candidates","capped",
 * "tracing_consent","consent_needed"? (what consent is missing)}.
 */
int	app_match_trace(struct app *a, const struct app_actor *u, const char *trace_id,
	    json_t **out, struct app_error *err);
int	app_match_case(struct app *a, const struct app_actor *u, const char *case_id,
	    json_t **out, struct app_error *err);

/*
 * Decide on a pair (action match.decide; the trace's request readable, the case
 * readable and holding consent for tracing): `body` {"decision": "confirmed" |
 * "not_a_match", "note": "free text, at most 1000 bytes" (optional)}. In one
 * transaction: the decision document ("match", "<trace_id>:<case_id>": ids, decision,
 * score, who, when — never the note), the note in the tracing request's sealed
 * match_decisions, and for "confirmed" the tracing status "verified" on the trace and
 * on the case (from open, tracing or match_found) with the case's
 * matched_tracing_request_id and matched_trace_id; the pair's task is removed. A
 * later decision replaces the earlier one. `*out` = {"trace_id","case_id",
 * "request_id","decision","score","likelihood","decided_by","decided_at"}.
 */
int	app_match_decide(struct app *a, const struct app_actor *u, const char *trace_id,
	    const char *case_id, const json_t *body, json_t **out, struct app_error *err);

/*
 * After every save of a case or a tracing request (outside batch loads) the likely
 * pairs it now makes, not decided yet, become task documents for the FTR officers of
 * the tracing request's agency, when they may read both records: kind "task", id
 * "<case_id>:match:<trace_id>", ref the case id, owner the request's owner, agency
 * its agency, at the time found, body {"kind":"match","trace_id","case_id",
 * "request_id","score"}. A task is written once; deciding the pair removes it.
 */

/*
 * Likely and possible duplicates of the unsaved case fields `data` among the cases `u`
 * may read (action case.list; nothing is stored): `*out` = {"data": [{"case_id",
 * "short_id","score","likelihood","weight","fields","summary"}], "metadata":
 * {"total","candidates","capped"}}. RC_EINVALID when `data` has no name.
 */
int	app_case_duplicates(struct app *a, const struct app_actor *u, const json_t *data,
	    json_t **out, struct app_error *err);
/*
 * Mark case `id` (case.update) a duplicate of the case `other` names (id or short id,
 * case.read), or remove the mark with `other` NULL or JSON null: both cases are kept;
 * the duplicate gets duplicate_of (sealed) and its link_id column. `*out` =
 * {"id","short_id","rev","duplicate_of"}.
 */
int	app_case_duplicate_of(struct app *a, const struct app_actor *u, const char *id,
	    const json_t *other, json_t **out, struct app_error *err);
/* The duplicate links of case `id`: {"duplicate_of": {"case_id","short_id"?} | null,
 * "duplicates": [{"case_id","short_id"}] (those `u` may read)}. */
int	app_case_duplicate_links(struct app *a, const struct app_actor *u, const char *id,
	    json_t **out, struct app_error *err);

#endif
