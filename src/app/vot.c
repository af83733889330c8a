/*
 * vot.c — what is particular to victim-of-trafficking records (config/forms/vot.json):
 * the case a child victim's record belongs to, and the index columns reports count.
 * Register, read, update and list go through record.c.
 *
 * A VoT record holds no names (the child's name lives in the case it links to), so it
 * adds nothing to the blind index. Its coarse columns come from its own fields: sex,
 * the age band of the age at identification, citizenship as the nationality column and
 * the place of identification as the location: reports count VoT records by them
 * without opening a body.
 */
#include <stdio.h>
#include <string.h>

#include "app/impl.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/id.h"
#include "base/json.h"
#include "domain/record.h"

static const char *const vot_summary[] = {
	"screening_outcome", "identification_date", "sex", "age_at_identification",
	"citizenship", "location_identified", "year_of_registration", "case_id", NULL
};

/* VoT records are found by their case and their short id, never by a name. */
static int
vot_names(const json_t *data, int (*cb)(void *arg, const char *name), void *arg)
{
	(void)data;
	(void)cb;
	(void)arg;
	return RC_OK;
}

/* A string field of `data` into an index column, or "" when absent or too long. */
static void
vot_column(const json_t *data, const char *field, char *dst, size_t dstsz)
{
	const char *s = json_get_str(data, field);

	if (s == NULL || str_copy(dst, dstsz, s) != 0)
		dst[0] = '\0';
}

/*
 * The linked case: `case_id` must name a case (by id or short id) that `u` may read;
 * it is stored as the case's UUID and becomes the record's link_id. A case_id left as
 * it was is not checked again, so that a record stays editable when its case moves out
 * of the officer's reach (a transfer); a changed one always is.
 */
static int
vot_link(struct app *a, const struct app_actor *u, const struct record_meta *was,
    const json_t *before, struct record_meta *m, json_t *after, struct app_error *err)
{
	struct store_record r = { 0 };
	struct app_error ignore = { 0 };
	const char *cid = json_get_str(after, "case_id");
	const char *old = before != NULL ? json_get_str(before, "case_id") : NULL;
	int rc;

	if (cid == NULL || *cid == '\0') {
		json_object_del(after, "case_id");
		m->link_id[0] = '\0';
		return RC_OK;
	}
	if (was != NULL && old != NULL && strcmp(old, cid) == 0 &&
	    strcmp(was->link_id, cid) == 0)
		return RC_OK;
	if (!id_is_uuid(cid) && !id_is_short(cid))
		return app_fail_field(err, RC_EINVALID, "case_id",
		    "must be the id or short id of a case");
	rc = app_rec_fetch(a, u, &app_kind_case, cid, "case.read", &r, &ignore);
	if (rc == RC_ENOTFOUND)
		return app_fail_field(err, RC_EINVALID, "case_id",
		    "no case with this id that you may see");
	if (rc != RC_OK)
		return app_fail(err, rc, "cannot read the linked case");
	str_copy(m->link_id, sizeof(m->link_id), r.m.id);
	rc = json_object_set_new(after, "case_id", json_string(r.m.id)) == 0 ?
	    RC_OK : RC_ENOMEM;
	store_record_free(&r);
	return rc;
}

static int
vot_check(struct app *a, const struct app_actor *u, const struct record_meta *was,
    const json_t *before, struct record_meta *m, json_t *after, struct app_error *err)
{
	const json_t *age = json_object_get(after, "age_at_identification");

	/* record_index read the case fields; a VoT names them its own way */
	str_copy(m->age_band, sizeof(m->age_band),
	    json_is_integer(age) ? record_age_band(json_integer_value(age)) : "");
	vot_column(after, "citizenship", m->nationality, sizeof(m->nationality));
	vot_column(after, "location_identified", m->location_code,
	    sizeof(m->location_code));
	m->risk_level[0] = '\0';
	m->flags = 0;
	return vot_link(a, u, was, before, m, after, err);
}

const struct app_kind app_kind_vot = {
	.type = "vot",
	.noun = "VoT record",
	.nouns = "VoT records",
	.act = "vot",
	.summary = vot_summary,
	.names = vot_names,
	.check = vot_check,
	.first_status = "open",
	.first_stage = "identified",
};

/* ---- the VoT records of a case -------------------------------------------------------- */

struct vot_links {
	struct app		*a;
	const struct app_actor	*u;
	json_t			*rows;
};

static int
vot_link_row(void *arg, struct store_record *r)
{
	struct vot_links *c = arg;
	char ts[CLOCK_ISO_SIZE];
	json_t *row;

	if (!policy_allows(c->a->policy, &c->u->pu, "vot.read", &r->m, NULL)) {
		store_record_free(r);
		return 0;
	}
	clock_iso(r->m.created_at, ts);
	row = json_pack("{s:s, s:s, s:s, s:s}", "id", r->m.id, "short_id", r->m.short_id,
	    "created_at", ts, "status", r->m.status);
	store_record_free(r);
	if (row == NULL || json_array_append_new(c->rows, row) != 0)
		return RC_ENOMEM;
	return 0;
}

int
app_vot_list_for_case(struct app *a, const struct app_actor *u, const char *case_id,
    json_t **out, struct app_error *err)
{
	struct store_record r = { 0 };
	struct store_filter f = { 0 };
	struct vot_links c = { 0 };
	char outcome[64];
	int64_t total = 0;
	int rc;

	*out = NULL;
	if (!policy_allows(a->policy, &u->pu, "vot.list", NULL, NULL)) {
		audit_note(a, u, "vot.list", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not list VoT records");
	}
	if ((rc = app_rec_fetch(a, u, &app_kind_case, case_id, "case.read", &r, err)) !=
	    RC_OK)
		return rc;
	f.type = "vot";
	f.link_id = r.m.id;
	switch (policy_scope(a->policy, &u->pu)) {
	case SCOPE_OWN:
		f.owner_id = u->pu.id;
		break;
	case SCOPE_AGENCY:
		f.agency_id = u->pu.agency_id;
		break;
	case SCOPE_LOCATION:
		f.location_prefix = u->pu.location_code[0] != '\0' ? u->pu.location_code :
		    "(none)";
		break;
	case SCOPE_ALL:
		break;
	case SCOPE_NONE:
		f.owner_id = "(none)";
		break;
	}
	f.limit = 100;
	c.a = a;
	c.u = u;
	if ((c.rows = json_array()) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	if ((rc = store_record_list(a->store, &f, &total, vot_link_row, &c)) != RC_OK) {
		rc = app_fail(err, rc, "cannot list VoT records");
		goto out;
	}
	snprintf(outcome, sizeof(outcome), "%lld results", (long long)total);
	audit_note(a, u, "vot.list", r.m.id, NULL, outcome);
	*out = json_pack("{s:O, s:{s:I}}", "data", c.rows, "metadata", "total",
	    (json_int_t)total);
	rc = *out != NULL ? RC_OK : RC_ENOMEM;
out:
	json_decref(c.rows);
	store_record_free(&r);
	return rc;
}
