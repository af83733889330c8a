/* admin.c — users, agencies, locations and forms through the API. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/impl.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/json.h"
#include "base/log.h"

json_t *
app_user_json(struct app *a, const char *id)
{
	struct store_user u;
	struct store_agency ag;
	json_t *j;

	if (store_user_get(a->store, id, &u) != RC_OK)
		return NULL;
	sodium_memzero(u.password_hash, sizeof(u.password_hash));
	if (u.agency_id[0] == '\0' || store_agency_get(a->store, u.agency_id, &ag) != RC_OK)
		ag.code[0] = '\0';
	j = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?, s:s, s:b}", "id", u.id,
	    "username", u.username, "full_name", u.full_name, "role", u.role, "agency",
	    ag.code[0] ? ag.code : NULL, "agency_id", u.agency_id[0] ? u.agency_id : NULL,
	    "location_code", u.location_code[0] ? u.location_code : NULL, "language",
	    u.language, "disabled", u.disabled);
	return j;
}

struct users_ctx {
	struct app	*a;
	const char	*agency_id;	/* NULL: every user */
	json_t		*rows;
};

static int
users_row(void *arg, const struct store_user *u)
{
	struct users_ctx *c = arg;
	json_t *j;

	if (c->agency_id != NULL && strcmp(c->agency_id, u->agency_id) != 0)
		return 0;
	if ((j = app_user_json(c->a, u->id)) == NULL)
		return RC_ENOMEM;
	return json_array_append_new(c->rows, j) == 0 ? 0 : RC_ENOMEM;
}

int
app_user_list(struct app *a, const struct app_actor *u, json_t **out,
    struct app_error *err)
{
	struct users_ctx c = { 0 };
	int rc;

	*out = NULL;
	c.a = a;
	if (policy_allows(a->policy, &u->pu, "user.manage", NULL, NULL))
		c.agency_id = NULL;
	else if (policy_allows(a->policy, &u->pu, "user.list", NULL, NULL))
		c.agency_id = u->pu.agency_id;
	else {
		audit_note(a, u, "user.list", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not list users");
	}
	if ((c.rows = json_array()) == NULL)
		return RC_ENOMEM;
	rc = store_user_list(a->store, users_row, &c);
	if (rc != RC_OK) {
		json_decref(c.rows);
		return app_fail(err, rc, "cannot list users");
	}
	*out = json_pack("{s:o}", "data", c.rows);
	return *out ? RC_OK : RC_ENOMEM;
}

/* Only these keys, each a string (or `disabled` a boolean); name the first other. */
static int
check_keys(const json_t *data, const char *const *allowed, struct app_error *err)
{
	const char *key;
	json_t *v;
	size_t i;

	if (!json_is_object(data))
		return app_fail(err, RC_EINVALID, "\"data\" must be an object");
	json_object_foreach((json_t *)data, key, v) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], key) == 0)
				break;
		if (allowed[i] == NULL)
			return app_fail_field(err, RC_EINVALID, key, "is not a field here");
		if (strcmp(key, "disabled") == 0 ? !json_is_boolean(v) : !json_is_string(v))
			return app_fail_field(err, RC_EINVALID, key, "%s",
			    strcmp(key, "disabled") == 0 ? "must be true or false" :
			    "must be a string");
	}
	return RC_OK;
}

static json_t *
field_list(const json_t *data)
{
	json_t *f = json_array();
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)data, key, v)
		json_array_append_new(f, json_string(key));
	return f;
}

int
app_user_create(struct app *a, const struct app_actor *u, const json_t *data,
    json_t **out, struct app_error *err)
{
	static const char *const keys[] = { "username", "password", "role", "agency",
	    "location_code", "full_name", "language", NULL };
	struct app_user_new nu = { 0 };
	char id[ID_SIZE];
	int rc;

	*out = NULL;
	if (!policy_allows(a->policy, &u->pu, "user.manage", NULL, NULL)) {
		audit_note(a, u, "user.create", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not manage users");
	}
	if ((rc = check_keys(data, keys, err)) != RC_OK)
		return rc;
	nu.username = json_get_str(data, "username");
	nu.password = json_get_str(data, "password");
	nu.role = json_get_str(data, "role");
	nu.agency = json_get_str(data, "agency");
	nu.location_code = json_get_str(data, "location_code");
	nu.full_name = json_get_str(data, "full_name");
	nu.language = json_get_str(data, "language");
	if ((rc = app_user_add(a, u, &nu, id, err)) != RC_OK)
		return rc;
	if ((*out = app_user_json(a, id)) == NULL)
		return RC_ENOMEM;
	return RC_OK;
}

int
app_user_update(struct app *a, const struct app_actor *u, const char *id,
    const json_t *patch, json_t **out, struct app_error *err)
{
	static const char *const keys[] = { "role", "agency", "location_code", "full_name",
	    "language", "disabled", "password", NULL };
	struct store_user su;
	struct store_agency ag;
	const char *v;
	json_t *fields = NULL;
	int rc, end_sessions = 0;

	*out = NULL;
	memset(&su, 0, sizeof(su));
	if (!policy_allows(a->policy, &u->pu, "user.manage", NULL, NULL)) {
		audit_note(a, u, "user.update", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not manage users");
	}
	if ((rc = check_keys(patch, keys, err)) != RC_OK)
		return rc;
	if (id == NULL || !id_is_uuid(id))
		return app_fail(err, RC_ENOTFOUND, "no such user");
	if ((rc = store_begin(a->store)) != RC_OK)
		return app_fail(err, rc, "database busy; try again");
	rc = store_user_get(a->store, id, &su);
	if (rc != RC_OK) {
		rc = app_fail(err, rc, rc == RC_ENOTFOUND ? "no such user" :
		    "cannot read users");
		goto fail;
	}
	if ((v = json_get_str(patch, "role")) != NULL) {
		if (!policy_role_exists(a->policy, v)) {
			rc = app_fail_field(err, RC_EINVALID, "role", "unknown role");
			goto fail;
		}
		str_copy(su.role, sizeof(su.role), v);
		end_sessions = 1;	/* permissions changed: sign in again */
	}
	if ((v = json_get_str(patch, "agency")) != NULL) {
		if (store_agency_get(a->store, v, &ag) != RC_OK) {
			rc = app_fail_field(err, RC_EINVALID, "agency", "no such agency");
			goto fail;
		}
		memcpy(su.agency_id, ag.id, ID_SIZE);
		end_sessions = 1;
	}
	if ((v = json_get_str(patch, "location_code")) != NULL) {
		if (*v != '\0' && store_location_exists(a->store, v) != 1) {
			rc = app_fail_field(err, RC_EINVALID, "location_code", "unknown "
			    "location");
			goto fail;
		}
		str_copy(su.location_code, sizeof(su.location_code), v);
	}
	if ((v = json_get_str(patch, "full_name")) != NULL &&
	    str_copy(su.full_name, sizeof(su.full_name), v) != 0) {
		rc = app_fail_field(err, RC_EINVALID, "full_name", "too long");
		goto fail;
	}
	if ((v = json_get_str(patch, "language")) != NULL) {
		if (strcmp(v, "en") && strcmp(v, "fr") && strcmp(v, "ar") && strcmp(v, "es")) {
			rc = app_fail_field(err, RC_EINVALID, "language", "must be en, fr, ar "
			    "or es");
			goto fail;
		}
		str_copy(su.language, sizeof(su.language), v);
	}
	if (json_object_get(patch, "disabled") != NULL) {
		su.disabled = json_is_true(json_object_get(patch, "disabled"));
		if (su.disabled)
			end_sessions = 1;
		else
			su.failed_logins = 0, su.locked_until = 0;
	}
	if ((v = json_get_str(patch, "password")) != NULL) {
		if (strlen(v) < APP_PASSWORD_MIN || strlen(v) > 1024) {
			rc = app_fail_field(err, RC_EINVALID, "password", "at least %d "
			    "characters", APP_PASSWORD_MIN);
			goto fail;
		}
		app_pwhash_enter();
		rc = crypto_pwhash_str(su.password_hash, v, strlen(v),
		    crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE);
		app_pwhash_leave();
		if (rc != 0) {
			rc = app_fail(err, RC_ENOMEM, "not enough memory to hash the password");
			goto fail;
		}
		su.failed_logins = 0;
		su.locked_until = 0;
		end_sessions = 1;
	}
	su.updated_at = clock_now();
	if ((fields = field_list(patch)) == NULL) {
		rc = RC_ENOMEM;
		goto fail;
	}
	if ((rc = store_user_update(a->store, &su)) != RC_OK ||
	    (end_sessions &&
	    (rc = store_session_delete_user(a->store, su.id, NULL)) != RC_OK) ||
	    (rc = audit_write(a, u, "user.update", su.id, fields, "ok")) != RC_OK ||
	    (rc = store_commit(a->store)) != RC_OK) {
		rc = app_fail(err, rc, "cannot store the user");
		goto fail;
	}
	json_decref(fields);
	sodium_memzero(su.password_hash, sizeof(su.password_hash));
	*out = app_user_json(a, id);
	return *out ? RC_OK : RC_ENOMEM;
fail:
	store_rollback(a->store);
	json_decref(fields);
	sodium_memzero(su.password_hash, sizeof(su.password_hash));
	return rc;
}

/* ---- agencies ------------------------------------------------------------------ */

static int
agency_row(void *arg, const struct store_agency *ag)
{
	json_t *rows = arg;

	return json_array_append_new(rows, json_pack("{s:s, s:s, s:s}", "id", ag->id,
	    "code", ag->code, "name", ag->name)) == 0 ? 0 : RC_ENOMEM;
}

int
app_agency_list(struct app *a, const struct app_actor *u, json_t **out,
    struct app_error *err)
{
	json_t *rows = json_array();
	int rc;

	(void)u;	/* agencies are not personal data: any signed-in user */
	*out = NULL;
	if (rows == NULL)
		return RC_ENOMEM;
	if ((rc = store_agency_list(a->store, agency_row, rows)) != RC_OK) {
		json_decref(rows);
		return app_fail(err, rc, "cannot list agencies");
	}
	*out = json_pack("{s:o}", "data", rows);
	return *out ? RC_OK : RC_ENOMEM;
}

int
app_agency_create(struct app *a, const struct app_actor *u, const json_t *data,
    json_t **out, struct app_error *err)
{
	static const char *const keys[] = { "code", "name", NULL };
	char id[ID_SIZE];
	int rc;

	*out = NULL;
	if (!policy_allows(a->policy, &u->pu, "agency.manage", NULL, NULL)) {
		audit_note(a, u, "agency.create", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not manage agencies");
	}
	if ((rc = check_keys(data, keys, err)) != RC_OK)
		return rc;
	if ((rc = store_begin(a->store)) != RC_OK)
		return app_fail(err, rc, "database busy; try again");
	if ((rc = app_agency_add(a, json_get_str(data, "code"), json_get_str(data, "name"),
	    id, err)) != RC_OK ||
	    (rc = audit_write(a, u, "agency.create", id, NULL, "ok")) != RC_OK ||
	    (rc = store_commit(a->store)) != RC_OK) {
		store_rollback(a->store);
		return rc;
	}
	*out = json_pack("{s:s, s:s, s:s}", "id", id, "code", json_get_str(data, "code"),
	    "name", json_get_str(data, "name") ? json_get_str(data, "name") :
	    json_get_str(data, "code"));
	return *out ? RC_OK : RC_ENOMEM;
}

/* ---- locations ------------------------------------------------------------------ */

static int
location_row(void *arg, const char *code, const char *parent, int level,
    const char *names_json)
{
	json_t *rows = arg, *names = json_loads(names_json, 0, NULL);

	return json_array_append_new(rows, json_pack("{s:s, s:s?, s:i, s:o?}", "code",
	    code, "parent_code", parent && *parent ? parent : NULL, "level", level,
	    "names", names)) == 0 ? 0 : RC_ENOMEM;
}

int
app_location_list(struct app *a, const struct app_actor *u, json_t **out,
    struct app_error *err)
{
	json_t *rows = json_array();
	int rc;

	(void)u;	/* places, not people: any signed-in user */
	*out = NULL;
	if (rows == NULL)
		return RC_ENOMEM;
	if ((rc = store_location_list(a->store, location_row, rows)) != RC_OK) {
		json_decref(rows);
		return app_fail(err, rc, "cannot list locations");
	}
	*out = json_pack("{s:o}", "data", rows);
	return *out ? RC_OK : RC_ENOMEM;
}

int
app_location_import(struct app *a, const struct app_actor *u, const char *csv, size_t n,
    json_t **out, struct app_error *err)
{
	int64_t before, after, rows = 0;
	int rc;

	*out = NULL;
	if (u != NULL && !policy_allows(a->policy, &u->pu, "location.manage", NULL, NULL)) {
		audit_note(a, u, "location.import", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not manage locations");
	}
	before = store_location_count(a->store);
	if ((rc = app_locations_load_csv(a, csv, n, &rows, err)) != RC_OK)
		return rc;
	after = store_location_count(a->store);
	audit_note(a, u, "location.import", NULL, NULL, "ok");
	*out = json_pack("{s:I, s:I}", "loaded", (json_int_t)rows, "new",
	    (json_int_t)(after - before));
	return *out ? RC_OK : RC_ENOMEM;
}

/* ---- forms -------------------------------------------------------------------------- */

int
app_form_get(struct app *a, const struct app_actor *u, const char *type, json_t **out,
    struct app_error *err)
{
	const struct form *f = type ? forms_get(a->forms, type) : NULL;

	(void)u;	/* form definitions hold no personal data */
	*out = NULL;
	if (f == NULL)
		return app_fail(err, RC_ENOTFOUND, "no form for record type %.32s",
		    type ? type : "");
	if ((*out = form_to_json(f)) == NULL)
		return RC_ENOMEM;
	return RC_OK;
}

/* ---- the user's own settings and the administrator's overview ------------------- */

int
app_user_set_language(struct app *a, const struct app_actor *u, const char *lang,
    struct app_error *err)
{
	struct store_user su;
	json_t *fields;
	int rc;

	if (lang == NULL || (strcmp(lang, "en") && strcmp(lang, "fr") && strcmp(lang, "ar") &&
	    strcmp(lang, "es")))
		return app_fail_field(err, RC_EINVALID, "language", "must be en, fr, ar or "
		    "es");
	if ((rc = store_begin(a->store)) != RC_OK)
		return app_fail(err, rc, "database busy; try again");
	if ((rc = store_user_get(a->store, u->pu.id, &su)) != RC_OK)
		goto fail;
	str_copy(su.language, sizeof(su.language), lang);
	su.updated_at = clock_now();
	fields = json_pack("[s]", "language");
	rc = store_user_update(a->store, &su);
	if (rc == RC_OK)
		rc = audit_write(a, u, "user.update", su.id, fields, "own language");
	json_decref(fields);
	if (rc == RC_OK && (rc = store_commit(a->store)) == RC_OK) {
		sodium_memzero(su.password_hash, sizeof(su.password_hash));
		return RC_OK;
	}
fail:
	store_rollback(a->store);
	sodium_memzero(su.password_hash, sizeof(su.password_hash));
	return app_fail(err, rc, "cannot change the language now");
}

struct summary_ctx {
	int64_t	users, disabled, agencies;
};

static int
summary_user(void *arg, const struct store_user *u)
{
	struct summary_ctx *c = arg;

	c->users++;
	c->disabled += u->disabled != 0;
	return 0;
}

static int
summary_agency(void *arg, const struct store_agency *ag)
{
	(void)ag;
	((struct summary_ctx *)arg)->agencies++;
	return 0;
}

int
app_admin_summary(struct app *a, const struct app_actor *u, json_t **out,
    struct app_error *err)
{
	struct summary_ctx c = { 0 };
	int rc;

	*out = NULL;
	if (!policy_allows(a->policy, &u->pu, "user.manage", NULL, NULL))
		return app_fail(err, RC_EDENIED, "your role may not administer RouteCare");
	if ((rc = store_user_list(a->store, summary_user, &c)) != RC_OK ||
	    (rc = store_agency_list(a->store, summary_agency, &c)) != RC_OK)
		return app_fail(err, rc, "cannot count users and agencies");
	*out = json_pack("{s:I, s:I, s:I, s:I}", "users", (json_int_t)c.users,
	    "disabled_users", (json_int_t)c.disabled, "agencies", (json_int_t)c.agencies,
	    "locations", (json_int_t)store_location_count(a->store));
	return *out != NULL ? RC_OK : RC_ENOMEM;
}
