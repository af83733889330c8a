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
struct workflow_config;

struct app {
	char			 dir[PATH_MAX];
	struct store		*store;		/* this handle's own connection */
	struct vault		*vault;		/* shared with clones */
	struct forms		*forms;		/* shared with clones */
	struct policy		*policy;	/* shared with clones */
	struct workflow_config	*workflow;	/* config/workflow.json; shared with clones */
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
	void	(*view)(struct app *a, const struct record_meta *m, json_t *out);
	/* Status and workflow stage of a new record. */
	const char		*first_status, *first_stage;
};

/* The kind of record type `type`, or NULL. */
const struct app_kind *app_kind_get(const char *type);
/* How messages name a record of `type` ("case" when unknown). */
const char *app_kind_noun(const char *type);

extern const struct app_kind app_kind_case;	/* case.c */
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
