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

#endif
