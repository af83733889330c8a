/*
 * tracing.c — what is particular to tracing requests: the names the blind index keeps
 * for them, the system-set number of each trace, and the trace numbers in the answer
 * to a registration. Register, read, update and list go through record.c; matching is
 * match.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/impl.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/id.h"
#include "base/json.h"
#include "base/log.h"

#define TRACES_FIELD	"tracing_request_subform_section"

static const char *const tracing_summary[] = {
	"inquiry_date", "relation_name", "relation", "relation_location_current", NULL
};

/* The names the blind index keeps: the person asking and every child sought, so that
 * a search or a case's matching finds the request as it finds a case. */
static int
tracing_names(const json_t *data, int (*cb)(void *arg, const char *name), void *arg)
{
	static const char *const inquirer[] = { "relation_name", "relation_nickname" };
	static const char *const child[] = { "name", "name_nickname", "name_other" };
	const json_t *trace;
	const char *s;
	size_t i, k;
	int rc;

	for (k = 0; k < sizeof(inquirer) / sizeof(inquirer[0]); k++)
		if ((s = json_get_str(data, inquirer[k])) != NULL &&
		    (rc = cb(arg, s)) != RC_OK)
			return rc;
	json_array_foreach(json_object_get(data, TRACES_FIELD), i, trace)
		for (k = 0; k < sizeof(child) / sizeof(child[0]); k++)
			if ((s = json_get_str(trace, child[k])) != NULL &&
			    (rc = cb(arg, s)) != RC_OK)
				return rc;
	return RC_OK;
}

/* 1 when `id` is the unique_id of a trace of `data`. */
static int
tracing_has_trace(const json_t *data, const char *id)
{
	const json_t *trace;
	const char *s;
	size_t i;

	json_array_foreach(json_object_get(data, TRACES_FIELD), i, trace)
		if ((s = json_get_str(trace, "unique_id")) != NULL && strcmp(s, id) == 0)
			return 1;
	return 0;
}

/*
 * Clients never write the system fields (match decisions) nor a trace number: a trace
 * sent back with the number it was given keeps it, a trace without one is new and gets
 * a fresh UUID, any other number is refused. A trace without a tracing status starts
 * "open".
 */
static int
tracing_check(struct app *a, const struct app_actor *u, const struct record_meta *was,
    const json_t *before, struct record_meta *m, json_t *after, struct app_error *err)
{
	const struct form *f = forms_get(a->forms, "tracing_request");
	char field[96], id[ID_SIZE];
	const json_t *v;
	json_t *trace;
	const char *s;
	size_t i, j;

	(void)u;
	(void)was;
	(void)m;
	if (f == NULL)
		return app_fail(err, RC_EINTERNAL, "no tracing request form is configured");
	if (form_check_system(f, before, after, &err->fields) != RC_OK)
		return app_fail(err, RC_EINVALID, "the tracing request is not valid: %s "
		    "is set by the system", err->fields.e[0].field);
	json_array_foreach(json_object_get(after, TRACES_FIELD), i, trace) {
		snprintf(field, sizeof(field), "%s[%zu].unique_id", TRACES_FIELD, i);
		v = json_object_get(trace, "unique_id");
		s = json_string_value(v);
		if (v != NULL && !json_is_null(v) && (s == NULL || *s != '\0')) {
			if (s == NULL || before == NULL || !tracing_has_trace(before, s))
				return app_fail_field(err, RC_EINVALID, field,
				    "is set by the system");
			for (j = 0; j < i; j++)
				if (strcmp(json_get_str(json_array_get(json_object_get(after,
				    TRACES_FIELD), j), "unique_id"), s) == 0)
					return app_fail_field(err, RC_EINVALID, field,
					    "names a trace twice");
			continue;
		}
		id_uuid4(id);
		if (json_object_set_new(trace, "unique_id", json_string(id)) != 0)
			return RC_ENOMEM;
	}
	json_array_foreach(json_object_get(after, TRACES_FIELD), i, trace)
		if (json_object_get(trace, "tracing_status") == NULL &&
		    json_object_set_new(trace, "tracing_status", json_string("open")) != 0)
			return RC_ENOMEM;
	return RC_OK;
}

const struct app_kind app_kind_tracing = {
	.type = "tracing_request",
	.noun = "tracing request",
	.nouns = "tracing requests",
	.act = "tracing",
	.summary = tracing_summary,
	.names = tracing_names,
	.check = tracing_check,
	.first_status = "open",
	.first_stage = "new",
};

/* Add "trace_ids" (the unique_id of each trace, in order) to a record reference. The
 * request was just written by the caller: read back without a read audit. */
static int
tracing_ref_traces(struct app *a, json_t *ref, struct app_error *err)
{
	struct store_record r = { 0 };
	struct vault_dk dk;
	json_t *data = NULL, *ids = NULL, *trace;
	size_t i;
	int rc;

	if ((rc = store_record_get(a->store, "tracing_request", json_get_str(ref, "id"),
	    &r)) != RC_OK)
		return app_fail(err, rc, "cannot read the tracing request back");
	rc = app_rec_open(a, &r, &dk, &data, err);
	vault_dk_wipe(&dk);
	if (rc != RC_OK)
		goto out;
	if ((ids = json_array()) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	json_array_foreach(json_object_get(data, TRACES_FIELD), i, trace)
		if (json_array_append_new(ids, json_string(json_get_str(trace,
		    "unique_id"))) != 0) {
			rc = RC_ENOMEM;
			goto out;
		}
	rc = json_object_set(ref, "trace_ids", ids) == 0 ? RC_OK : RC_ENOMEM;
out:
	json_decref(ids);
	json_decref(data);
	store_record_free(&r);
	return rc;
}

int
app_tracing_create(struct app *a, const struct app_actor *u, const json_t *data,
    json_t **out, struct app_error *err)
{
	int rc;

	if ((rc = app_record_create(a, u, "tracing_request", data, out, err)) != RC_OK)
		return rc;
	if ((rc = tracing_ref_traces(a, *out, err)) != RC_OK) {
		/* it is stored: say so rather than fail */
		log_error("tracing request %s: trace numbers not read back: %s",
		    json_get_str(*out, "id"), rc_name(rc));
		rc = RC_OK;
	}
	return rc;
}

int
app_tracing_update(struct app *a, const struct app_actor *u, const char *id, int64_t rev,
    const json_t *patch, json_t **out, struct app_error *err)
{
	int rc;

	if ((rc = app_record_update(a, u, "tracing_request", id, rev, patch, out, err)) !=
	    RC_OK)
		return rc;
	if ((rc = tracing_ref_traces(a, *out, err)) != RC_OK) {
		log_error("tracing request %s: trace numbers not read back: %s",
		    json_get_str(*out, "id"), rc_name(rc));
		rc = RC_OK;
	}
	return rc;
}
