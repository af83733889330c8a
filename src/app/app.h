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
	/* RC_EINVALID: a more precise error code for clients than "invalid", or "".
	 * "rule": a workflow or consent rule refused; the message starts with the
	 * rule's id ("closure.needs_approval: ..."). */
	char			code[16];
};

/* An empty error without zeroing its 10 KB of field slots: for the paths that run
 * on every request. `= { 0 }` is as good anywhere else. */
void	app_error_init(struct app_error *err);

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
 * In every case view (get and list items): "deadlines", what is due for the case
 * (docs/workflow.md): [{"kind","approval"?,"due_at","due_date","overdue"}];
 * "overdue" (boolean: any of them is late now); and "assessment_due" (ISO time) while
 * the case waits for its initial assessment: the response time for its risk level
 * from registration (high 24 h, medium 3 days, low 7 days, none set 3 days).
 */

/* The history of a case: [{"rev","at","user","action","fields"}]. */
int	app_case_history(struct app *a, const struct app_actor *u, const char *id,
	    json_t **out, struct app_error *err);

/* The open caseload in `u`'s scope, per owner: {"data":[{"user","full_name","open",
 * "high","medium","low","none","overdue"}], "metadata":{"open","overdue"}}. A
 * caseworker sees their own line, a supervisor one line per user of the agency.
 * "overdue" counts overdue tasks (deadlines, app_task_list), not cases: per line the
 * user's own; in "metadata" every one in scope, approvals waiting for supervisors
 * included. */
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
 * with its own database connection for reads; on SQLite its writes join the group
 * commit of `a` and its other clones (store_clone). Close it with app_close() before
 * closing `a`.
 */
int	app_clone(struct app *a, struct app **out, struct app_error *err);
/* 1 when concurrent writes of clones share commits (SQLite: the more writes at once,
 * the fewer fsyncs), 0 when each commits alone (PostgreSQL). */
int	app_groups_writes(const struct app *a);
/* Keep the own page cache of clone `a` small: a writer thread's, whose writes go
 * through the shared write connection (see app_clone). */
int	app_clone_cache_small(struct app *a);

/*
 * A request that reads: its reads between these see one state of the database and
 * cost one read lock (store_read_begin). Writes it makes still work: each ends the
 * snapshot first. Failures are logged; the reads then go one by one.
 */
void	app_read_begin(struct app *a);
void	app_read_end(struct app *a);

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
/* Check that master.key belongs to the database: the newest audit row must verify
 * (an empty chain passes). RC_EINTEGRITY otherwise; a server refuses to start. */
int	app_key_check(struct app *a, struct app_error *err);
/* Walk the whole chain. RC_OK with `*rows` checked, or RC_EINTEGRITY with `*bad_seq`
 * the first row that does not verify (err says how). */
int	app_audit_verify(struct app *a, int64_t *rows, int64_t *bad_seq,
	    struct app_error *err);

/* ---- workflow: stages, approvals, tasks, consent (workflow.c; docs/workflow.md) ---- */

/*
 * Stage changes go through app_record_update / app_case_update: a patch with
 * "workflow": STAGE, or "status": "closed" (the stage closed) or "open" (on a closed
 * case: the stage reopened), alone or beside field changes, which are applied first.
 * A move the workflow refuses is RC_EINVALID with err->code "rule". The history and
 * the audit row name "workflow" and "status" among the changed fields.
 */

/*
 * Request, approve or reject approval `type` ("assessment", "bia", "case_plan",
 * "closure") of case `id` from `data` {"approval_status": "requested" | "approved" |
 * "rejected", "comment": "..."} (comment optional; a rejection needs one). `rev` > 0:
 * the revision the caller read (RC_ECONFLICT when the case moved on); 0: none. Roles
 * and self-approval as config/workflow.json says; a refusal is RC_EINVALID with
 * err->code "rule". Written in the case's history and audit ("case.approval").
 * `*out` = {"id","short_id","rev","approval":{"type","status"}}.
 */
int	app_case_approval(struct app *a, const struct app_actor *u, const char *id,
	    int64_t rev, const char *type, const json_t *data, json_t **out,
	    struct app_error *err);

/*
 * The case as app_case_get shows it, plus what its page needs to move it on, under
 * "workflow_state": {"stage","status",
 *   "options": [{"to","allowed","rule","message"}]		(may update the case)
 *   "approvals": [{"type","status","request"|"approve"|"reject":
 *		    {"allowed","rule","message"}}]		(may act on approvals)
 *   "approval_log": [{"type","status","date","by","comment"}] (may see approvals)
 *   "domv": domv_profile_to_json()				(may see DoMV factors)
 *   "may_override_consent": bool}. One read, audited as app_case_get.
 */
int	app_case_get_workflow(struct app *a, const struct app_actor *u, const char *id,
	    json_t **out, struct app_error *err);

/* Consent as other use cases ask for it (referrals, transfers, tracing). */
struct app_consent {
	int	granted;	/* 1: recorded consent covers it, or an override does */
	int	overridden;	/* 1: only a supervisor's override covers it */
	int	age_lo, age_hi;	/* the ages the bands were applied to */
	char	basis[24];	/* where the age came from: "age_range", "age", ... */
	char	needed[320];	/* who had to consent at those ages (English) */
	char	why[160];	/* why not, when not granted (English); "" */
};

/*
 * May case `case_id` (id or short id, one `u` may read) be used for `purpose`
 * (lookup-consent-purpose: "referral", "transfer", "tracing", ...) with a recipient of
 * `recipient_type` (lookup-consent-recipient-type; NULL: none in particular)? RC_OK
 * with `why` filled, granted or not; RC_EINVALID for an unknown purpose or type;
 * RC_ENOTFOUND. Audited ("case.consent", outcome granted / overridden / refused).
 */
int	app_case_consent_check(struct app *a, const struct app_actor *u,
	    const char *case_id, const char *purpose, const char *recipient_type,
	    struct app_consent *why, struct app_error *err);

/*
 * A supervisor's override of missing consent, from `data` {"purpose",
 * "recipient_type" (optional), "reason"}: appended to the case's system field
 * consent_overrides with who and when; from then on app_case_consent_check grants
 * that purpose (and recipient type) with "overridden". `rev` as for approvals.
 * Action "case.consent_override". `*out` = {"id","short_id","rev"}.
 */
int	app_case_consent_override(struct app *a, const struct app_actor *u,
	    const char *id, int64_t rev, const json_t *data, json_t **out,
	    struct app_error *err);

struct app_task_query {
	int	 overdue_only;	/* 1: only what is late now */
	int	 upcoming_only;	/* 1: only what is not late yet */
	int	 latest_first;	/* 1: the latest due first (what just became late) */
	int64_t	 page;		/* from 1 */
	int64_t	 per;		/* 1..100 */
};

/*
 * The tasks (deadlines) in `u`'s scope, soonest first (unless latest_first): a
 * caseworker's own cases; a
 * supervisor's agency, approvals waiting for them included. Action "task.list".
 * {"data": [{"id","record_id","short_id","kind","approval"?,"stage","risk_level",
 * "due_at","due_date","overdue","owned_by"?}], "metadata": {"total","page","per",
 * "overdue"}} ("overdue" in metadata: how many in scope are late now).
 */
int	app_task_list(struct app *a, const struct app_actor *u,
	    const struct app_task_query *q, json_t **out, struct app_error *err);
/* ---- services, referrals and transfers -------------------------------------------- */

/*
 * THE SERVICE DIRECTORY (services.c): providers and what they offer, not child data.
 * A service is {"id", "agency" (code), "agency_name", "name", "service_types"
 * [lookup-service-type ids], "locations" [P-codes served: each with everything
 * below it], "languages" [ISO 639 codes], "contact", "age_from", "age_to", "sexes"
 * [lookup-gender ids], "capacity", "provider_type" (a lookup-consent-recipient-type
 * id: the recipient a referral to it needs consent for), "active", "created_at",
 * "updated_at"}. Roles with "service.list" search it; "service.manage" (admin)
 * creates and changes entries.
 */
struct app_service_query {
	const char	*type;		/* a service type */
	const char	*location;	/* services of this P-code or of a place above it */
	const char	*agency;	/* agency code */
	const char	*language;
	int		 all;		/* 1: inactive entries too */
	int64_t		 page, per;
};
int	app_service_list(struct app *a, const struct app_actor *u,
	    const struct app_service_query *q, json_t **out, struct app_error *err);
int	app_service_get(struct app *a, const struct app_actor *u, const char *id,
	    json_t **out, struct app_error *err);
/* Create from the members above (name, agency, service_types and locations
 * required) or change some of them (a merge patch). `*out` is the service. */
int	app_service_create(struct app *a, const struct app_actor *u, const json_t *data,
	    json_t **out, struct app_error *err);
int	app_service_update(struct app *a, const struct app_actor *u, const char *id,
	    const json_t *patch, json_t **out, struct app_error *err);

/*
 * REFERRALS (referral.c): a case stays with its caseworker; another agency provides a
 * service. `req` = {"to_agency": code | "service_id": id, "service_type", "reason",
 * "urgency" (high, medium, low), "fields": [case field ids to share], "action_id"
 * (the number of a case plan action), "due_date", "override_reason" (a supervisor,
 * when the case records no consent), "recipient_type" (for the consent check when no
 * service names one)}. Only the chosen fields that the sender's role may see are
 * copied, sealed, into the referral; consent for purpose "referral" is checked
 * first. Statuses: pending -> accepted | declined (reason) -> in_progress ->
 * completed, and revoked by the sender before completion; the receiving agency's
 * users (roles with "referral.receive") see the referral alone, never the case, and
 * its shared fields only while it is pending, accepted or in progress.
 * A view is {"id","short_id","rev","status","side" ("sender","receiver"),
 * "from_agency","from_user","to_agency","service_type","service_id","service_name",
 * "reason","urgency","due_date","case_plan_action","case_plan_action_text",
 * "consent_basis","status_reason","feedback","status_log","shared_fields",
 * "shared":{field: value},"respond_by","overdue","created_at","updated_at"} and, for
 * the sender, "case_id", "case_short_id".
 */
int	app_referral_create(struct app *a, const struct app_actor *u, const char *case_id,
	    const json_t *req, json_t **out, struct app_error *err);
int	app_referral_get(struct app *a, const struct app_actor *u, const char *id,
	    json_t **out, struct app_error *err);
struct app_referral_query {
	const char	*box;		/* "out" (sent by me or my agency), "in" (received) */
	const char	*status;
	const char	*case_id;	/* the referrals of this case (sender's side) */
	int64_t		 page, per;
};
/* {"data":[views without the shared fields], "metadata":{"total","page","per"}} */
int	app_referral_list(struct app *a, const struct app_actor *u,
	    const struct app_referral_query *q, json_t **out, struct app_error *err);
/* `req` = {"status", "reason", "feedback"}: one move of the rule above; RC_EINVALID
 * stating the rule for any other. `*out` is the view. */
int	app_referral_status(struct app *a, const struct app_actor *u, const char *id,
	    const json_t *req, json_t **out, struct app_error *err);
/* What the referral form of case `case_id` offers `u`: {"fields": [ids the role may
 * share, in form order], "actions": [{"n", "text"}], "consent": {"ok", "why",
 * "needed"}} (consent for purpose "referral", any recipient). */
int	app_referral_options(struct app *a, const struct app_actor *u, const char *case_id,
	    json_t **out, struct app_error *err);

/*
 * TRANSFERS INSIDE THE INSTANCE (transfer.c): responsibility moves to another user or
 * agency. `req` = {"to_user": username | "to_agency": code, "reason",
 * "override_reason", "recipient_type"}: consent for purpose "transfer"; the case
 * records the request in its "transfers" log and waits (one at a time). The
 * addressee, or a user of the receiving agency whose role may "transfer.receive"
 * (any of them when it was sent to the agency; its supervisors otherwise), decides:
 * {"decision": "accepted"|"declined", "reason", "assign_to": username (a supervisor
 * accepting for a colleague)}; the sender may withdraw it: "revoked". On acceptance
 * the case's owner and agency change: the sender keeps only what the access policy
 * then gives them (a caseworker loses it; a supervisor keeps it while the case stays
 * in the agency).
 */
int	app_transfer_request(struct app *a, const struct app_actor *u, const char *case_id,
	    const json_t *req, json_t **out, struct app_error *err);
int	app_transfer_decide(struct app *a, const struct app_actor *u, const char *case_id,
	    const json_t *req, json_t **out, struct app_error *err);
/* Transfers waiting for `u`'s agency: {"data": [{"case_id","short_id","sex",
 * "age_band","risk_level","from_agency","requested_by","requested_at","to_user",
 * "reason"}]} */
int	app_transfer_inbox(struct app *a, const struct app_actor *u, json_t **out,
	    struct app_error *err);

/*
 * TRANSFERS TO ANOTHER INSTANCE (transfer.c; the package format is in
 * vault/package.h, the protocol in docs/transfer.md).
 */
#define APP_IDENTITY_SIZE	102	/* PACKAGE_IDENTITY_SIZE */
#define APP_FINGERPRINT_SIZE	25	/* PACKAGE_FINGERPRINT_SIZE */
#define APP_PARTNER_NAME_MAX	32

/* This instance's public identity line and its fingerprint. */
int	app_instance_identity(struct app *a, char identity[APP_IDENTITY_SIZE],
	    char fingerprint[APP_FINGERPRINT_SIZE], struct app_error *err);
/*
 * Trust partner `name` (1..32 of [a-z0-9._-]) with `identity` (a line from its
 * "keys show"); `agency` (a local agency code, may be NULL) receives its packages
 * over HTTP; `recipient_type` (may be NULL) is what consent must cover to send to it.
 * RC_EINVALID with the parse reason for a bad identity or name; RC_EEXIST when the
 * name or the keys are trusted already. Run by the operator. `*out` the partner.
 */
int	app_partner_add(struct app *a, const char *name, const char *identity,
	    const char *agency, const char *recipient_type, json_t **out,
	    struct app_error *err);
/* {"data":[{"name","fingerprint","identity","agency","recipient_type","added_at"}]} */
int	app_partner_list(struct app *a, json_t **out, struct app_error *err);
int	app_partner_remove(struct app *a, const char *name, struct app_error *err);

/* Hand the package text to its carrier (a file, an HTTPS push) before anything is
 * recorded: RC_OK (with `*delivered` 1 when the partner confirmed receipt) or an rc
 * with `err` filled; then nothing is recorded. */
typedef int (*app_deliver_fn)(void *arg, const char *text, size_t n, int *delivered,
    struct app_error *err);

struct app_transfer_export {
	const char	*case_id;
	const char	*partner;		/* a trusted partner's name */
	const char	*reason;		/* required */
	const char	*override_reason;	/* a supervisor, without consent */
	const json_t	*fields;		/* array of field ids; NULL: all u sees */
	int64_t		 ttl;			/* seconds; 0: 30 days */
};

/*
 * Seal the chosen fields of a case (those `u`'s role may see; system fields never)
 * with their provenance for a partner, after the consent check (purpose "transfer",
 * the partner's recipient type); hand it to `deliver`; record it in the case's
 * "transfers" log as sent (or delivered) and in the package log. `*out` =
 * {"package_id","partner","case_id","short_id","fields","expires_at","status"}.
 */
int	app_transfer_export(struct app *a, const struct app_actor *u,
	    const struct app_transfer_export *x, app_deliver_fn deliver, void *arg,
	    json_t **out, struct app_error *err);

/*
 * Import a package (`n` bytes of text) on behalf of `u` (a role with
 * "transfer.import"), or of nobody (NULL: the HTTP inbox; the partner's agency
 * then holds it). A case package is held, sealed, for a supervisor's decision; an
 * acknowledgement updates the case it answers. A refusal writes nothing but its
 * audit row: RC_ETOOBIG, RC_EINVALID, RC_EINTEGRITY, RC_EDENIED, RC_EEXIST (imported
 * before), RC_ENOTFOUND (an acknowledgement of nothing we sent), with
 * err->fields.e[0] = {"package", reason name} and a message starting with the name
 * ("signature: ..."). `*out` = {"package_id","kind","status","partner",
 * "fingerprint"} (+ "acknowledges","decision","case_id" for an acknowledgement).
 */
int	app_package_import(struct app *a, const struct app_actor *u, const char *text,
	    size_t n, json_t **out, struct app_error *err);
/* Packages held for `u`'s agency: {"data":[{"package_id","kind","status","partner",
 * "fingerprint","received_at","expires_at","case_id"}]}, newest first. */
int	app_package_list(struct app *a, const struct app_actor *u, const char *status,
	    json_t **out, struct app_error *err);
/* One held package (by package id) with its provenance and the case fields `u`'s
 * role may see while it is pending. */
int	app_package_get(struct app *a, const struct app_actor *u, const char *id,
	    json_t **out, struct app_error *err);
/* {"decision": "accepted"|"declined", "reason" (required to decline), "assign_to"}:
 * accepting registers a new case linked to its origin. The sealed contents are then
 * dropped from the package. `*out` = {"package_id","decision","case_id","short_id"}. */
int	app_package_decide(struct app *a, const struct app_actor *u, const char *id,
	    const json_t *req, json_t **out, struct app_error *err);
/* The acknowledgement package of a decided package, sealed to its sender, appended
 * to `text`. `*ack_id` (size 33) its id. */
int	app_package_ack(struct app *a, const struct app_actor *u, const char *id,
	    struct buf *text, char *ack_id, struct app_error *err);

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
/* ---- counter-trafficking, reports and exports (vot.c, demo.c, reports.c, export.c,
 * pdf.c) ------------------------------------------------------------------------------ */

/* Generate `nvots` fictional VoT records from `seed` (the same seed gives the same
 * records; a stream apart from the cases') for the demo counter-trafficking officers,
 * creating the demo agencies and users first when missing. A child victim is linked
 * (case_id) to an open generated case of the officer's agency with the same sex, age
 * band and nationality when one is left unlinked. `*created` counts the records,
 * `*linked` those linked to a case. 2000 to a transaction. */
int	app_gen_vots(struct app *a, const char *password, int64_t nvots, uint64_t seed,
	    int64_t *created, int64_t *linked, struct app_error *err);

/*
 * Reports: counts from the index columns and the blind index only (no record body is
 * opened), in the scope of the caller's role (M&E officer: every agency; supervisor:
 * their agency). Needs "report.read". Each call is audited (the dimensions counted,
 * never a value).
 */
struct app_report_query {
	const char	*name;		/* "cases", "vots", "tracing_requests", "referrals",
					 * "timeliness" */
	const char	*from, *to;	/* registered from .. to, "YYYY-MM-DD", inclusive;
					 * NULL: open */
	const char	*by;		/* up to two dimensions, "sex,age_band": sex,
					 * age_band, nationality, location, concern, uasc,
					 * risk_level, stage, status, month, agency (which
					 * ones each report takes: app_report_list) */
	int		 location_level; /* -1: whole location codes; else the codes cut
					 * to that admin level (0 = country) */
	int		 external;	/* 1: to be shared outside the agency: small counts
					 * suppressed (config/reports.json threshold) */
};

/* The reports and the dimensions each takes: {"data":[{"name","type","title",
 * "by":[...]}], "metadata":{"scope"}}. */
int	app_report_list(struct app *a, const struct app_actor *u, json_t **out,
	    struct app_error *err);

/*
 * One report: {"data":{"report","title","type","by":[dims],"rows":[{dim: value, ...,
 * "count": n}] (every combination, zeros included), "totals":{dim:[{dim: value,
 * "count"}]} (two dimensions: the margins), "total", "additive" (false with concerns:
 * a case counts under each of its concerns)}, "metadata":{"from","to",
 * "location_level","external","threshold","suppressed" (numbers shown as "*"),
 * "scope"}}. A count is an integer, or "*" when suppressed. "timeliness" has
 * "rows":[{"indicator","count","percent","of"}] and "not_computable":[{"indicator",
 * "reason"}] instead. RC_ENOTFOUND for an unknown report, RC_EINVALID for a bad
 * parameter (the message names it), RC_EDENIED without report.read.
 */
int	app_report_get(struct app *a, const struct app_actor *u,
	    const struct app_report_query *q, json_t **out, struct app_error *err);

/*
 * Exports. `w` gives the language of headers and option names (form labels are in
 * the form files; other words through w->tr, the interface's catalogs; NULL: English).
 * The file's bytes are appended to `out` (the caller owns it and wipes it: a case
 * export holds child data). Each export is one audit row with how many rows went out,
 * never a value.
 */
struct app_words {
	const char	*lang;		/* "en", "fr", "ar", "es" */
	const char	*(*tr)(const char *lang, const char *msgid);	/* NULL: msgid */
	/* names of countries (ISO 3166) and languages (ISO 639), dates ("YYYY-MM-DD")
	 * in `lang`; NULL: the codes as they are */
	void		(*region)(const char *lang, const char *code, char *out,
			    size_t outsz);
	void		(*language)(const char *lang, const char *code, char *out,
			    size_t outsz);
	void		(*date)(const char *lang, const char *ymd, char *out, size_t outsz);
};

enum app_export_format {
	APP_EXPORT_CSV,		/* UTF-8 with BOM, RFC 4180, formulas neutralised */
	APP_EXPORT_XLSX		/* every text a string cell; right-to-left for "ar" */
};

/* The cases `u` may see (app_record_list, then app_record_get for each: the policy
 * and the read audit apply to every one) with the fields their role may see, one row
 * each. Needs "export.cases". `*count` = rows written. */
int	app_export_cases(struct app *a, const struct app_actor *u,
	    enum app_export_format fmt, const struct app_words *w, struct buf *out,
	    int64_t *count, struct app_error *err);

/* Report `q` as a table with HXL hashtags in its second row (docs/hxl.md), always
 * with small counts suppressed (q->external is forced). Needs "export.aggregate" and
 * "report.read". */
int	app_export_aggregate(struct app *a, const struct app_actor *u,
	    const struct app_report_query *q, enum app_export_format fmt,
	    const struct app_words *w, struct buf *out, struct app_error *err);

/* What the CTDC export did (k-anonymity, docs/ctdc.md). */
#define APP_CTDC_QI_MAX	16
struct app_ctdc_report {
	size_t	k;
	size_t	records;		/* VoT records in the caller's scope */
	size_t	rows_in;		/* with consent and an exported outcome */
	size_t	rows_out;
	size_t	rows_suppressed;	/* rows_in - rows_out */
	size_t	cells_suppressed;	/* cells written as "*" */
	size_t	smallest_class;		/* rows sharing one combination, at least k */
	size_t	nqi;
	struct {
		const char	*name;		/* static */
		unsigned	 level, levels;	/* generalisation level chosen, of levels */
		size_t		 generalised, suppressed;
	}	qi[APP_CTDC_QI_MAX];
};

/*
 * The VoT records in `u`'s scope (`u` NULL: the operator of the data directory, every
 * record) with consent to anonymised sharing and an exported screening outcome
 * (config/reports.json), as CTDC CSV made k-anonymous (`k` 0: config/reports.json,
 * default 11) on every column. Needs "export.ctdc". `*rep` says what was suppressed.
 */
int	app_export_ctdc(struct app *a, const struct app_actor *u, size_t k,
	    struct buf *out, struct app_ctdc_report *rep, struct app_error *err);

/*
 * The case `id` as a PDF summary (A4) for a referral meeting or the file: the fields
 * app_record_get gives `u` (the policy and the read audit apply), by section, in
 * w->lang (Arabic laid out right to left, shaped by ICU). Appended to `out` (wipe it
 * when done); `short_id` gets the case's short id for the file name. Audited as
 * "export.case_summary" with the field ids it holds. Needs the DejaVu Sans font
 * (fonts-dejavu-core) at run time: RC_EIO when it is missing.
 */
int	app_case_summary_pdf(struct app *a, const struct app_actor *u, const char *id,
	    const struct app_words *w, struct buf *out, char short_id[SHORT_ID_SIZE],
	    struct app_error *err);

/* The VoT records linked to case `case_id` (id or short id, a case `u` may read) that
 * `u` may read: {"data":[{"id","short_id","created_at","status"}],"metadata":
 * {"total"}}, from the index columns. Needs "vot.list". */
int	app_vot_list_for_case(struct app *a, const struct app_actor *u,
	    const char *case_id, json_t **out, struct app_error *err);

#endif
