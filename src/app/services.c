/*
 * services.c — the service directory: which agency provides which service, where, in
 * which languages, for whom. Entries are documents (docs kind "service"), never child
 * data; any role with "service.list" searches them, "service.manage" keeps them.
 *
 * A location finds the services of that place and of every place above it: a service
 * listed for region ET01 serves the towns ET0101, ET0102, ... (P-codes nest by
 * prefix, as the access policy's location scope does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/impl.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/id.h"
#include "base/json.h"

#define SERVICE_KIND		"service"
#define SERVICE_NAME_MAX	200
#define SERVICE_CONTACT_MAX	500
#define SERVICE_LOCATIONS_MAX	200
#define SERVICE_LANGUAGES_MAX	50
#define SERVICE_CAPACITY_MAX	1000000

static const char *const service_members[] = {
	"name", "agency", "service_types", "locations", "languages", "contact",
	"age_from", "age_to", "sexes", "capacity", "provider_type", "active", NULL
};

/* 1 when `id` is a value of lookup `lookup`. */
static int
svc_lookup_has(struct app *a, const char *lookup, const char *id)
{
	const json_t *values = forms_lookup(a->forms, lookup), *v;
	size_t i;

	json_array_foreach(values, i, v) {
		const char *vid = json_get_str(v, "id");

		if (vid != NULL && strcmp(vid, id) == 0)
			return 1;
	}
	return 0;
}

/* An ISO 639 code as lookup-language holds them: two or three lowercase letters. */
static int
svc_language_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 2 || n > 3)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < 'a' || s[i] > 'z')
			return 0;
	return 1;
}

enum svc_list_check { SVC_LOOKUP, SVC_LOCATION, SVC_LANGUAGE };

/* Member `key` of `s`: an array of distinct strings (at most `max`; at least one when
 * `required`), each a value of `lookup`, a known location, or a language code. */
static int
svc_check_list(struct app *a, const json_t *s, const char *key, size_t max,
    int required, enum svc_list_check how, const char *lookup, struct app_error *err)
{
	const json_t *arr = json_object_get(s, key), *v, *w;
	size_t i, j;

	if (arr == NULL || json_is_null(arr)) {
		if (required)
			return app_fail_field(err, RC_EINVALID, key, "is required");
		return RC_OK;
	}
	if (!json_is_array(arr) || json_array_size(arr) > max ||
	    (required && json_array_size(arr) == 0))
		return app_fail_field(err, RC_EINVALID, key, "must be a list of %s to %zu "
		    "values", required ? "1" : "0", max);
	json_array_foreach(arr, i, v) {
		const char *id = json_string_value(v);
		int ok;

		if (id == NULL || strlen(id) > 64)
			return app_fail_field(err, RC_EINVALID, key, "value %zu is not a "
			    "short text", i + 1);
		switch (how) {
		case SVC_LOOKUP:
			ok = svc_lookup_has(a, lookup, id);
			break;
		case SVC_LOCATION:
			ok = store_location_exists(a->store, id) == 1;
			break;
		default:
			ok = svc_language_ok(id);
			break;
		}
		if (!ok)
			return app_fail_field(err, RC_EINVALID, key, "value %zu is not %s",
			    i + 1, how == SVC_LOCATION ? "a known location" :
			    how == SVC_LANGUAGE ? "a language code" : "one of the options");
		for (j = 0; j < i; j++) {
			w = json_array_get(arr, j);
			if (strcmp(json_string_value(w), id) == 0)
				return app_fail_field(err, RC_EINVALID, key, "value %zu "
				    "is given twice", i + 1);
		}
	}
	return RC_OK;
}

/* Member `key`: absent, or an integer in min..max. */
static int
svc_check_int(const json_t *s, const char *key, json_int_t min, json_int_t max,
    struct app_error *err)
{
	const json_t *v = json_object_get(s, key);

	if (v == NULL || json_is_null(v))
		return RC_OK;
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max)
		return app_fail_field(err, RC_EINVALID, key, "must be a whole number from "
		    "%" JSON_INTEGER_FORMAT " to %" JSON_INTEGER_FORMAT, min, max);
	return RC_OK;
}

/* Check a whole entry (its members, not id and times) and find its agency. */
static int
svc_check(struct app *a, const json_t *s, char agency_id[ID_SIZE],
    struct app_error *err)
{
	const json_t *from, *to, *active;
	const char *v;
	int rc;

	if ((rc = app_req_members(s, service_members, err)) != RC_OK ||
	    (rc = app_req_text(s, "name", SERVICE_NAME_MAX, 1, 0, &v, err)) != RC_OK ||
	    (rc = app_req_text(s, "agency", 31, 1, 0, &v, err)) != RC_OK ||
	    (rc = app_agency_find(a, v, "agency", agency_id, err)) != RC_OK ||
	    (rc = svc_check_list(a, s, "service_types", 9, 1, SVC_LOOKUP,
	    "lookup-service-type", err)) != RC_OK ||
	    (rc = svc_check_list(a, s, "locations", SERVICE_LOCATIONS_MAX, 1,
	    SVC_LOCATION, NULL, err)) != RC_OK ||
	    (rc = svc_check_list(a, s, "languages", SERVICE_LANGUAGES_MAX, 0,
	    SVC_LANGUAGE, NULL, err)) != RC_OK ||
	    (rc = svc_check_list(a, s, "sexes", 4, 0, SVC_LOOKUP, "lookup-gender",
	    err)) != RC_OK ||
	    (rc = app_req_text(s, "contact", SERVICE_CONTACT_MAX, 0, 1, &v, err)) !=
	    RC_OK ||
	    (rc = svc_check_int(s, "age_from", 0, 120, err)) != RC_OK ||
	    (rc = svc_check_int(s, "age_to", 0, 120, err)) != RC_OK ||
	    (rc = svc_check_int(s, "capacity", 0, SERVICE_CAPACITY_MAX, err)) != RC_OK ||
	    (rc = app_req_text(s, "provider_type", 64, 0, 0, &v, err)) != RC_OK)
		return rc;
	if (v != NULL && !svc_lookup_has(a, "lookup-consent-recipient-type", v))
		return app_fail_field(err, RC_EINVALID, "provider_type",
		    "is not one of the options");
	from = json_object_get(s, "age_from");
	to = json_object_get(s, "age_to");
	if (json_is_integer(from) && json_is_integer(to) &&
	    json_integer_value(from) > json_integer_value(to))
		return app_fail_field(err, RC_EINVALID, "age_to", "is below age_from");
	active = json_object_get(s, "active");
	if (active != NULL && !json_is_boolean(active))
		return app_fail_field(err, RC_EINVALID, "active", "must be true or false");
	return RC_OK;
}

/* The stored entry as clients see it: with its agency's name. Caller decrefs. */
static json_t *
svc_view(struct app *a, const char *body)
{
	struct store_agency ag;
	json_t *s = json_loads(body, 0, NULL);

	if (s == NULL || !json_is_object(s)) {
		json_decref(s);
		return NULL;
	}
	if (json_get_str(s, "agency") != NULL &&
	    store_agency_get(a->store, json_get_str(s, "agency"), &ag) == RC_OK)
		json_object_set_new(s, "agency_name", json_string(ag.name));
	if (json_object_get(s, "active") == NULL)
		json_object_set_new(s, "active", json_true());
	return s;
}

/* Write entry `s` (id set) under `agency_id`: insert when `create`, else replace. */
static int
svc_store(struct app *a, const json_t *s, const char *agency_id, int create)
{
	struct store_doc d = { 0 };
	int rc;

	str_copy(d.kind, sizeof(d.kind), SERVICE_KIND);
	str_copy(d.id, sizeof(d.id), json_get_str(s, "id"));
	str_copy(d.agency_id, sizeof(d.agency_id), agency_id);
	if ((d.body = json_dump_compact(s)) == NULL)
		return RC_ENOMEM;
	rc = create ? store_doc_insert(a->store, &d) : store_doc_put(a->store, &d);
	free(d.body);
	return rc;
}

static int
svc_may(struct app *a, const struct app_actor *u, const char *action,
    struct app_error *err)
{
	if (policy_allows(a->policy, &u->pu, action, NULL, NULL))
		return RC_OK;
	audit_note(a, u, action, NULL, NULL, "denied: role lacks action");
	return app_fail(err, RC_EDENIED, strcmp(action, "service.manage") == 0 ?
	    "your role may not manage the service directory" :
	    "your role may not search the service directory");
}

int
app_service_create(struct app *a, const struct app_actor *u, const json_t *data,
    json_t **out, struct app_error *err)
{
	char id[ID_SIZE], agency_id[ID_SIZE], ts[CLOCK_ISO_SIZE];
	struct store_doc d = { 0 };
	json_t *s = NULL;
	int rc;

	*out = NULL;
	if ((rc = svc_may(a, u, "service.manage", err)) != RC_OK)
		return rc;
	if (!json_is_object(data))
		return app_fail(err, RC_EINVALID, "\"data\" must be an object");
	if ((rc = svc_check(a, data, agency_id, err)) != RC_OK)
		return rc;
	if ((s = json_deep_copy(data)) == NULL)
		return RC_ENOMEM;
	id_uuid4(id);
	clock_iso(clock_now(), ts);
	json_object_set_new(s, "id", json_string(id));
	json_object_set_new(s, "created_at", json_string(ts));
	json_object_set_new(s, "updated_at", json_string(ts));
	if (json_object_get(s, "active") == NULL)
		json_object_set_new(s, "active", json_true());
	if ((rc = store_begin(a->store)) != RC_OK) {
		json_decref(s);
		return app_fail(err, rc, "database busy; try again");
	}
	if ((rc = svc_store(a, s, agency_id, 1)) != RC_OK ||
	    (rc = audit_write(a, u, "service.create", id, NULL, "ok")) != RC_OK ||
	    (rc = store_commit(a->store)) != RC_OK) {
		store_rollback(a->store);
		json_decref(s);
		return app_fail(err, rc, "cannot store the service");
	}
	d.body = json_dump_compact(s);
	json_decref(s);
	if (d.body == NULL)
		return RC_ENOMEM;
	*out = svc_view(a, d.body);
	free(d.body);
	return *out != NULL ? RC_OK : RC_ENOMEM;
}

int
app_service_get(struct app *a, const struct app_actor *u, const char *id, json_t **out,
    struct app_error *err)
{
	struct store_doc d = { 0 };
	int rc;

	*out = NULL;
	if ((rc = svc_may(a, u, "service.list", err)) != RC_OK)
		return rc;
	if (id == NULL || !id_is_uuid(id))
		return app_fail(err, RC_ENOTFOUND, "no service with that id");
	rc = store_doc_get(a->store, SERVICE_KIND, id, &d);
	if (rc == RC_ENOTFOUND)
		return app_fail(err, rc, "no service with that id");
	if (rc != RC_OK)
		return app_fail(err, rc, "cannot read the service directory");
	*out = svc_view(a, d.body);
	store_doc_free(&d);
	return *out != NULL ? RC_OK : RC_ENOMEM;
}

int
app_service_update(struct app *a, const struct app_actor *u, const char *id,
    const json_t *patch, json_t **out, struct app_error *err)
{
	static const char *const fixed[] = { "id", "created_at", "updated_at",
	    "agency_name" };
	char agency_id[ID_SIZE], ts[CLOCK_ISO_SIZE];
	struct store_doc d = { 0 };
	json_t *s = NULL, *fields = NULL;
	const char *key;
	json_t *v;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = svc_may(a, u, "service.manage", err)) != RC_OK)
		return rc;
	if (!json_is_object(patch))
		return app_fail(err, RC_EINVALID, "\"data\" must be an object");
	if (id == NULL || !id_is_uuid(id))
		return app_fail(err, RC_ENOTFOUND, "no service with that id");
	if ((rc = store_begin(a->store)) != RC_OK)
		return app_fail(err, rc, "database busy; try again");
	if ((rc = store_doc_get(a->store, SERVICE_KIND, id, &d)) != RC_OK) {
		rc = app_fail(err, rc, rc == RC_ENOTFOUND ? "no service with that id" :
		    "cannot read the service directory");
		goto out;
	}
	if ((s = json_loads(d.body, 0, NULL)) == NULL || (fields = json_array()) == NULL) {
		rc = RC_EINTERNAL;
		goto out;
	}
	/* a merge patch of the entry's members; the server's own stay as they are */
	json_object_foreach((json_t *)patch, key, v) {
		for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
			if (strcmp(key, fixed[i]) == 0)
				break;
		if (i < sizeof(fixed) / sizeof(fixed[0]))
			continue;
		if (json_is_null(v))
			json_object_del(s, key);
		else
			json_object_set(s, key, v);
		json_array_append_new(fields, json_string(key));
	}
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		json_object_del(s, fixed[i]);
	if ((rc = svc_check(a, s, agency_id, err)) != RC_OK)
		goto out;
	json_object_set_new(s, "id", json_string(id));
	clock_iso(clock_now(), ts);
	json_object_set_new(s, "updated_at", json_string(ts));
	{
		json_t *old = json_loads(d.body, 0, NULL);
		const char *created = json_get_str(old, "created_at");

		json_object_set_new(s, "created_at", json_string(created ? created : ts));
		json_decref(old);
	}
	if ((rc = svc_store(a, s, agency_id, 0)) != RC_OK ||
	    (rc = audit_write(a, u, "service.update", id, fields, "ok")) != RC_OK ||
	    (rc = store_commit(a->store)) != RC_OK) {
		rc = app_fail(err, rc, "cannot store the service");
		goto out;
	}
	store_doc_free(&d);
	if ((d.body = json_dump_compact(s)) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	if ((*out = svc_view(a, d.body)) == NULL)
		rc = RC_ENOMEM;
out:
	if (rc != RC_OK)
		store_rollback(a->store);
	store_doc_free(&d);
	json_decref(fields);
	json_decref(s);
	return rc;
}

/* ---- search ---------------------------------------------------------------------- */

struct svc_search {
	struct app				*a;
	const struct app_service_query		*q;
	json_t					*hits;
};

/* 1 when the array `arr` of strings holds `s`. */
static int
svc_has(const json_t *arr, const char *s)
{
	const json_t *v;
	size_t i;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

/* 1 when one of the service's locations is `code` or a place above it. */
static int
svc_serves(const json_t *locations, const char *code)
{
	const json_t *v;
	size_t i;

	json_array_foreach(locations, i, v) {
		const char *l = json_string_value(v);

		if (l != NULL && *l != '\0' && strncmp(code, l, strlen(l)) == 0)
			return 1;
	}
	return 0;
}

static int
svc_search_row(void *arg, struct store_doc *d)
{
	struct svc_search *c = arg;
	const struct app_service_query *q = c->q;
	json_t *s = svc_view(c->a, d->body);
	int keep;

	store_doc_free(d);
	if (s == NULL)
		return 0;	/* not an entry this program wrote: skip it */
	keep = (q->all || json_is_true(json_object_get(s, "active"))) &&
	    (q->type == NULL || *q->type == '\0' ||
	    svc_has(json_object_get(s, "service_types"), q->type)) &&
	    (q->location == NULL || *q->location == '\0' ||
	    svc_serves(json_object_get(s, "locations"), q->location)) &&
	    (q->language == NULL || *q->language == '\0' ||
	    svc_has(json_object_get(s, "languages"), q->language)) &&
	    (q->agency == NULL || *q->agency == '\0' ||
	    (json_get_str(s, "agency") != NULL &&
	    strcmp(json_get_str(s, "agency"), q->agency) == 0));
	if (keep && json_array_append(c->hits, s) != 0) {
		json_decref(s);
		return RC_ENOMEM;
	}
	json_decref(s);
	return 0;
}

static int
svc_cmp(const void *x, const void *y)
{
	const char *a = json_get_str(*(json_t *const *)x, "name");
	const char *b = json_get_str(*(json_t *const *)y, "name");
	int c = strcmp(a ? a : "", b ? b : "");

	if (c == 0) {
		a = json_get_str(*(json_t *const *)x, "id");
		b = json_get_str(*(json_t *const *)y, "id");
		c = strcmp(a ? a : "", b ? b : "");
	}
	return c;
}

int
app_service_list(struct app *a, const struct app_actor *u,
    const struct app_service_query *q, json_t **out, struct app_error *err)
{
	struct store_doc_filter f = { 0 };
	struct svc_search c = { 0 };
	json_t **items = NULL, *rows = NULL;
	int64_t page, per, i, n;
	int rc;

	*out = NULL;
	if ((rc = svc_may(a, u, "service.list", err)) != RC_OK)
		return rc;
	page = q->page > 0 ? q->page : 1;
	per = q->per > 0 ? q->per : 50;
	if (per > 100)
		return app_fail(err, RC_EINVALID, "per: at most 100 services per page");
	if (page > 1000000)
		return app_fail(err, RC_EINVALID, "page: too large");
	if (q->type != NULL && *q->type != '\0' &&
	    !svc_lookup_has(a, "lookup-service-type", q->type))
		return app_fail_field(err, RC_EINVALID, "type", "is not a service type");
	if (q->location != NULL && strlen(q->location) > 31)
		return app_fail_field(err, RC_EINVALID, "location", "is not a P-code");
	c.a = a;
	c.q = q;
	if ((c.hits = json_array()) == NULL)
		return RC_ENOMEM;
	f.kind = SERVICE_KIND;
	f.limit = STORE_DOC_LIST_MAX;
	if ((rc = store_doc_list(a->store, &f, NULL, svc_search_row, &c)) != RC_OK) {
		rc = app_fail(err, rc, "cannot read the service directory");
		goto out;
	}
	n = (int64_t)json_array_size(c.hits);
	if (n > 0 && (items = calloc((size_t)n, sizeof(*items))) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++)
		items[i] = json_array_get(c.hits, (size_t)i);
	if (n > 1)
		qsort(items, (size_t)n, sizeof(*items), svc_cmp);
	if ((rows = json_array()) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	for (i = (page - 1) * per; i < n && i < page * per; i++)
		json_array_append(rows, items[i]);
	*out = json_pack("{s:O, s:{s:I, s:I, s:I}}", "data", rows, "metadata", "total",
	    (json_int_t)n, "page", (json_int_t)page, "per", (json_int_t)per);
	rc = *out != NULL ? RC_OK : RC_ENOMEM;
out:
	free(items);
	json_decref(rows);
	json_decref(c.hits);
	return rc;
}
