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

/* ---- cases ------------------------------------------------------------------------ */

/* Register a case from `data` (the fields). `*out` = {"id","short_id","rev"}. */
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
	int64_t		 page;		/* from 1 */
	int64_t		 per;		/* 1..100 */
};

/* The cases `u` may see matching `q`: `*out` = {"data": [...], "metadata":
 * {"total","page","per"}}. */
int	app_case_list(struct app *a, const struct app_actor *u,
	    const struct app_case_query *q, json_t **out, struct app_error *err);

/* The history of a case: [{"rev","at","user","action","fields"}]. */
int	app_case_history(struct app *a, const struct app_actor *u, const char *id,
	    json_t **out, struct app_error *err);

/* ---- demo data ---------------------------------------------------------------------- */

/* Load fictional agencies, users of every role (password `password`) and `ncases`
 * cases generated from `seed`. `*logins` = [{"username","role","agency"}]. */
int	app_demo_load(struct app *a, const char *password, int ncases, uint64_t seed,
	    json_t **logins, struct app_error *err);

#endif
