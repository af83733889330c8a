/*
 * impl.h — what the app/ files share and nobody else sees: the app struct and
 * error helpers. Not for web/ or cli/.
 */
#ifndef APP_IMPL_H
#define APP_IMPL_H

#include <limits.h>

#include "app/app.h"
#include "store/store.h"
#include "vault/vault.h"

struct audit_queue;
struct match_config;
struct workflow_config;

struct app {
	char			 dir[PATH_MAX];
	struct store		*store;		/* this handle's own connection */
	struct vault		*vault;		/* shared with clones */
	struct forms		*forms;		/* shared with clones */
	struct policy		*policy;	/* shared with clones */
	struct workflow_config	*workflow;	/* config/workflow.json; shared with clones */
	struct match_config	*match;		/* config/match.json; shared with clones */
	struct audit_queue	*audit;		/* shared; NULL: audit synchronously */
	int			 is_clone;	/* clones own only `store` */
	int64_t			 session_ttl;	/* seconds a session lives at most */
	int64_t			 session_idle;	/* seconds of inactivity that end it */
	int64_t			 lockout;	/* seconds an account stays locked */
	/* usernames by user id (usernames never change), direct-mapped */
	struct {
		char	id[ID_SIZE];
		char	username[64];
	}			 names[64];
	/* notes made inside a transaction that may roll back, written after it */
	struct store_audit	 deferred[8];
	size_t			 ndeferred;
};

/* ---- kinds of records (record.c, case.c) ---- */

#define APP_ACTION_MAX	48

/*
 * A kind of record: its type (the form id and the store's type column), how messages
 * name it, the action prefix roles.json uses ("case" → "case.read"), and its hooks.
 * record.c does everything kinds have in common; a kind adds only its own rules.
 */
struct app_kind {
	const char		*type;		/* "case" */
	const char		*noun;		/* "case", "tracing request" */
	const char		*nouns;		/* "cases", "tracing requests" */
	const char		*act;		/* "case" */
	const char *const	*summary;	/* fields shown in list rows; NULL-ended */
	/* Call `cb` for every name in `data` that search and matching should find.
	 * NULL: the case name fields (record_name_fields). */
	int	(*names)(const json_t *data, int (*cb)(void *arg, const char *name),
		    void *arg);
	/* Rules of the kind, after validation and before sealing, on create (`was` and
	 * `before` NULL) and update: may refuse (err filled) or set index columns in
	 * `m` and system fields in `after`. NULL: none. */
	int	(*check)(struct app *a, const struct app_actor *u,
		    const struct record_meta *was, const json_t *before,
		    struct record_meta *m, json_t *after, struct app_error *err);
	/* Add what the kind computes to a view (deadlines, ...) from the index columns
	 * alone: the fast read path never parses the body. NULL: nothing. */
	/* members the kind adds to a view's metadata, written as ",\"name\":value..."
	 * (names among REC_META_NAMES); RC_ENOMEM, else RC_OK */
	int	(*view)(struct app *a, const struct store_record *r, struct buf *out);
	/* Status and workflow stage of a new record. */
	const char		*first_status, *first_stage;
	/* A client's patch asked for another workflow stage ("workflow") or status
	 * ("status"): record.c takes these members out of the patch before merging it
	 * and, after `check`, hands them here (either may be NULL) to check the move
	 * and make it in `after` and `m`, or refuse it (err). NULL: such a patch is
	 * refused like any member that is no field of the form. */
	int	(*move)(struct app *a, const struct app_actor *u,
		    const struct record_meta *was, const char *stage, const char *status,
		    struct record_meta *m, json_t *after, struct app_error *err);
	/* After every write of a record (create, update, app_rec_save), inside the
	 * same transaction: keep up to date what the kind derives from it (a case's
	 * tasks). A failure rolls the write back. NULL: nothing. */
	int	(*saved)(struct app *a, const struct record_meta *m, const json_t *data);
};

/* The kind of record type `type`, or NULL. */
const struct app_kind *app_kind_get(const char *type);
/* The kinds in order, for walks: NULL after the last. */
const struct app_kind *app_kind_at(size_t i);
/* How messages name a record of `type` ("case" when unknown). */
const char *app_kind_noun(const char *type);

extern const struct app_kind app_kind_case;	/* case.c */
extern const struct app_kind app_kind_tracing;	/* tracing.c */
extern const struct app_kind app_kind_vot;	/* vot.c */

/*
 * What other use cases build on (referrals, matching, workflow):
 *
 * app_rec_fetch: the record of kind `k` with id or short id `id` that `u` may do
 * `action` on; RC_ENOTFOUND (denials audited) when absent or out of reach. `r` is the
 * caller's (store_record_free).
 * app_rec_open: unwrap its key into `dk` (caller wipes) and open its body `*data`
 * (caller decrefs). RC_EINTEGRITY when it was altered.
 * app_rec_save: in the caller's open transaction, write `after` as the next revision
 * of record `r` (index columns from `after`, blind keys, sealed body, history entry,
 * audit row `action` with the changed field ids), without validation or kind rules:
 * for system-set fields the caller validated. `*out` = {"id","short_id","rev"}.
 */
int	app_rec_fetch(struct app *a, const struct app_actor *u, const struct app_kind *k,
	    const char *id, const char *action, struct store_record *r,
	    struct app_error *err);
int	app_rec_open(struct app *a, const struct store_record *r, struct vault_dk *dk,
	    json_t **data, struct app_error *err);
int	app_rec_save(struct app *a, const struct app_actor *u, const struct app_kind *k,
	    const struct store_record *r, const struct vault_dk *dk, const json_t *before,
	    json_t *after, struct record_meta *m, const char *action, json_t **out,
	    struct app_error *err);
/* The view of record `r` with body `data` that `u` may see, as app_record_get (`full`)
 * or a list row gives it; caller decrefs; NULL when out of memory. */
json_t	*app_rec_view(struct app *a, const struct app_actor *u, const struct app_kind *k,
	    const struct store_record *r, const json_t *data, int full);

/*
 * app_record_create in two steps, for a bulk load that prepares records on one thread
 * while another stores them. app_rec_prepare does all but the writes: access,
 * validation, the index columns, blind keys, sealing with a new data key, the sealed
 * history entry; it reads the store only through `a` (locations), so a thread needs a
 * handle of its own. app_rec_store writes it (in the caller's transaction when one is
 * open, else its own) and sets `*out` as app_record_create does. The caller frees the
 * preparation with app_rec_prep_free (safe twice, and after a failed prepare).
 */
struct app_rec_prep {
	const struct app_kind	*k;
	struct record_meta	 m;
	char			 act[APP_ACTION_MAX];
	uint8_t			 wrapped[VAULT_WRAPPED_BYTES];
	uint8_t			*body;		/* sealed; malloc'd */
	size_t			 body_len;
	uint8_t			(*keys)[STORE_BLIND_BYTES];	/* malloc'd */
	size_t			 nkeys;
	struct store_history	 hist;		/* body malloc'd */
	json_t			*hist_fields;
	json_t			*copy;		/* the fields as stored */
};
int	app_rec_prepare(struct app *a, const struct app_actor *u, const char *type,
	    const json_t *data, struct app_rec_prep *p, struct app_error *err);
int	app_rec_store(struct app *a, const struct app_actor *u, struct app_rec_prep *p,
	    json_t **out, struct app_error *err);
void	app_rec_prep_free(struct app_rec_prep *p);

/* ---- matching (match.c, tracing.c) ---- */

/*
 * After a record of any kind was saved and committed by app_record_create or
 * app_record_update (not inside a caller's batch transaction): when it is a case or a
 * tracing request, look for its likely matches through the blind index and write a
 * task document for each new one (see app.h, "tracing"). `data` is the body just
 * saved (borrowed), or NULL to read it back. Runs as the system: failures are logged,
 * never the caller's.
 */
void	app_match_saved(struct app *a, const struct record_meta *m, const json_t *data);

/* The tracing request that holds trace `trace_id` (a UUID), from the "trace" index
 * documents: `request_id` (ID_SIZE). RC_ENOTFOUND. */
int	app_trace_request_id(struct app *a, const char *trace_id, char *request_id);

/* ---- audit (audit.c) ---- */

/* Append one row to the chain inside the caller's open write transaction. `fields`
 * is a JSON array of field ids or NULL; `u` NULL is the operator (CLI). */
int	audit_write(struct app *a, const struct app_actor *u, const char *action,
	    const char *record_id, const json_t *fields, const char *outcome);
/* Record an event that must be kept whatever happens to the current transaction
 * (reads, denials, refused writes): queued for the background writer when it runs,
 * else written at once in its own transaction; inside an open transaction it waits
 * for audit_flush(). Failures are logged. */
void	audit_note(struct app *a, const struct app_actor *u, const char *action,
	    const char *record_id, const json_t *fields, const char *outcome);
/* Write the notes deferred while a transaction was open; call after it ended. */
void	audit_flush(struct app *a);

/* Argon2id at libsodium's interactive limits takes 64 MiB for about 0.1 s: wrap each
 * hash or verification in these, so that at most APP_PWHASH_MAX run at once in the
 * process however many writer threads sign users in (the others wait). */
#define APP_PWHASH_MAX	4
void	app_pwhash_enter(void);
void	app_pwhash_leave(void);

/* Set err->message (printf-style) and return `rc`. `err` may be NULL. */
int	app_fail(struct app_error *err, int rc, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* The same, naming the field at fault: message "field: problem" and one entry in
 * err->fields. */
int	app_fail_field(struct app_error *err, int rc, const char *field, const char *fmt,
	    ...) __attribute__((format(printf, 4, 5)));

/* The username of user `id` into out (size 64), "" when unknown; cached. */
void	app_username(struct app *a, const char *id, char out[64]);

/* Today's UTC date, "YYYY-MM-DD". */
void	app_today(char out[11]);

/* Load forms, lookups and roles (embedded, or from $ROUTECARE_CONFIG). */
int	app_config_load(struct app *a, struct app_error *err);

/* Load a locations CSV (code,parent_code,level,name_en,name_fr,name_ar,name_es). */
int	app_locations_load_csv(struct app *a, const char *csv, size_t n,
	    int64_t *rows, struct app_error *err);

/* ---- workflow (workflow.c): the case kind's hooks and what other use cases share ---- */

struct deadline_tz;

/* The office's time zone for deadlines: the server's local zone (TZ). */
const struct deadline_tz *app_deadline_tz(void);

/* The case kind's `move` hook: a stage change asked for in a patch ("workflow" a
 * stage; "status" "closed" is the stage closed, "open" on a closed case is reopened),
 * checked by workflow_check and made by workflow_transition_apply; index columns
 * workflow and status follow. A refusal is RC_EINVALID with err->code "rule". */
int	app_workflow_move(struct app *a, const struct app_actor *u,
	    const struct record_meta *was, const char *stage, const char *status,
	    struct record_meta *m, json_t *after, struct app_error *err);

/* The case kind's `saved` hook: replace the case's task documents (kind "task", id
 * "<record id>:<due kind>" or "<record id>:approval:<type>", ref the record id,
 * owner_id the caseworker, "" for approvals, which wait for the agency's
 * supervisors; agency_id; at the due time) with workflow_deadlines() now, and keep
 * the same deadlines beside the record for its views (store_record_deadlines_set). */
int	app_workflow_tasks(struct app *a, const struct record_meta *m, const json_t *body);

/* The case kind's `view` part: "deadlines" (kept beside the record by
 * app_workflow_tasks, else read from its task documents; "overdue" computed now),
 * "overdue" (any of them) and "assessment_due" (the response deadline, while there
 * is one). */
int	app_workflow_view(struct app *a, const struct store_record *r, struct buf *out);

/* Is there consent in case `body` (record `m`) for `purpose` and `recipient_type`
 * (NULL: none in particular), or a supervisor's override? Fills `out`. RC_OK, or
 * RC_EINVALID (unknown purpose or recipient type; err says which). */
struct app_consent;
int	app_consent_of(struct app *a, const struct record_meta *m, const json_t *body,
	    const char *purpose, const char *recipient_type, struct app_consent *out,
	    struct app_error *err);

/* Overdue tasks of user `owner_id` (or, with owner NULL, of agency `agency_id`) at
 * `now`; -1 on error. */
int64_t	app_tasks_overdue(struct app *a, const char *owner_id, const char *agency_id,
	    int64_t now);
/* ---- services, referrals and transfers (services.c, referral.c, transfer.c) ---- */

extern const struct app_kind app_kind_referral;	/* referral.c */

/*
 * The consent gate of a referral or transfer: is there consent in case `body` (record
 * `c`) for `purpose` ("referral", "transfer") with `recipient` (a
 * lookup-consent-recipient-type id, or NULL for none in particular)? RC_OK with
 * `*basis` "consent"; or, when there is none and `override_reason` is not empty, a
 * supervisor's override: RC_OK with `*basis` "override" for a user whose role may
 * "case.consent_override" (audited as "consent.override" on the case, in the caller's
 * transaction), RC_EDENIED for anyone else. Without consent or override: RC_EINVALID
 * naming the field "consent" and saying what is missing. `needed` (may be NULL)
 * receives who had to consent ("ages 6-11: ...").
 * An override recorded on the case (app_case_consent_override) counts as consent.
 */
int	app_consent_gate(struct app *a, const struct app_actor *u,
	    const struct store_record *c, const json_t *body, const char *purpose,
	    const char *recipient, const char *override_reason, const char **basis,
	    char *needed, size_t neededsz, struct app_error *err);

/*
 * A task for a referral or transfer waiting for someone (docs kind "task", id
 * "<record id>:<what>", ref the record, body {"kind": what, "short_id", "due_at"}),
 * added or replaced in the caller's transaction; app_handoff_task_drop removes it
 * (none is fine).
 */
int	app_handoff_task_put(struct app *a, const char *record_id, const char *what,
	    const char *short_id, const char *owner_id, const char *agency_id,
	    int64_t due);
int	app_handoff_task_drop(struct app *a, const char *record_id, const char *what);

/*
 * The case fields of `cbody` that `u` may hand on: `fields` (an array of field ids;
 * NULL: every field when `all`, none otherwise), each a field of the case form, not
 * set by the system ("system": true), of a class u's role sees (RC_EINVALID naming
 * "fields" otherwise). `*picked` gets the values the case holds, `*ids` their ids
 * (both the caller's); fields with no value are left out.
 */
int	app_case_pick(struct app *a, const struct app_actor *u, const json_t *cbody,
	    const json_t *fields, int all, json_t **picked, json_t **ids,
	    struct app_error *err);

/* Every member of the request object `req` is one of `allowed` (NULL-ended):
 * RC_OK, or RC_EINVALID naming the first other member. */
int	app_req_members(const json_t *req, const char *const *allowed,
	    struct app_error *err);
/*
 * The string member `key` of `req` into `*out` (borrowed; NULL when absent, null or
 * ""): RC_OK, or RC_EINVALID naming `key` when it is not a string, is longer than
 * `max` bytes, is not UTF-8, holds control characters (a `multiline` text may hold
 * newlines and tabs), or is missing while `required`.
 */
int	app_req_text(const json_t *req, const char *key, size_t max, int required,
	    int multiline, const char **out, struct app_error *err);
/* The code of agency `agency_id` into `out` (size 32), "" when unknown. */
void	app_agency_code(struct app *a, const char *agency_id, char out[32]);
/* Find the agency `code`: RC_OK with its id, or RC_EINVALID naming `field`. */
int	app_agency_find(struct app *a, const char *code, const char *field,
	    char id_out[ID_SIZE], struct app_error *err);
/* ---- reports and exports (reports.c, export.c) ---- */

#define REPORT_DIMS_MAX				2
#define REPORT_OUTCOMES_MAX			4
#define REPORT_THRESHOLD_DEFAULT		5
#define REPORT_CTDC_K_DEFAULT			11
#define REPORT_CTDC_MAX_SUPPRESS_DEFAULT	0.05

/* config/reports.json: small counts below `threshold` are suppressed in what leaves
 * the agency; the CTDC export's k, row suppression budget and the screening outcomes
 * it exports. */
struct report_config {
	long long	threshold;
	size_t		k;
	double		max_suppress;
	char		outcomes[REPORT_OUTCOMES_MAX][32];
	size_t		noutcomes;
};

/* Read config/reports.json ($ROUTECARE_CONFIG, else embedded, else the defaults). */
int	report_config_load(struct report_config *c, struct app_error *err);

#endif
