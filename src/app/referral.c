/*
 * referral.c — referrals of a case to another agency or service inside the instance;
 * and what referrals and transfers share: the consent gate, their tasks, request
 * checks.
 *
 * A referral is a record of kind "referral" (config/forms/referral.json). Its index
 * columns: link_id the case, owner the sender, agency_id the sender's agency,
 * peer_agency_id the receiving agency, status its state, workflow its service type,
 * risk_level its urgency. Its sealed body holds the referral's own fields and, outside
 * the form (set by the server only, never validated as referral fields), what the
 * sender shared of the case:
 *
 *	"shared":        {case field id: value, ...}	while pending, accepted or in
 *							progress; dropped after
 *	"shared_fields": [case field ids]		kept: what was shared, not how
 *
 * The receiving agency's users reach a referral through the action
 * "referral.receive" (policy.h: peer_agency_id is their agency), never its case; the
 * sender's side through "referral.read"/"referral.update" and their usual scope.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/impl.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/id.h"
#include "base/json.h"
#include "base/utf8.h"
#include "domain/workflow.h"

#define REFERRAL_REASON_MAX	2000
#define REFERRAL_FEEDBACK_MAX	4000
#define REFERRAL_FIELDS_MAX	200
#define CASE_PLAN_FIELD		"cp_case_plan_subform_case_plan_interventions"
#define CASE_PLAN_ACTION	"intervention_service_to_be_provided"

/* ---- shared by referrals and transfers ------------------------------------------ */

int
app_req_members(const json_t *req, const char *const *allowed, struct app_error *err)
{
	const char *key;
	json_t *v;
	size_t i;

	if (!json_is_object(req))
		return app_fail(err, RC_EINVALID, "the request must be a JSON object");
	json_object_foreach((json_t *)req, key, v) {
		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], key) == 0)
				break;
		if (allowed[i] == NULL) {
			char name[48];

			/* a member name from the request is not record data, but keep it
			 * short and plain before echoing it */
			if (strlen(key) >= sizeof(name) || strspn(key,
			    "abcdefghijklmnopqrstuvwxyz0123456789_") != strlen(key))
				return app_fail(err, RC_EINVALID, "the request has a member "
				    "that is not allowed here");
			str_copy(name, sizeof(name), key);
			return app_fail_field(err, RC_EINVALID, name, "is not allowed here");
		}
	}
	return RC_OK;
}

int
app_req_text(const json_t *req, const char *key, size_t max, int required, int multiline,
    const char **out, struct app_error *err)
{
	const json_t *v = json_object_get(req, key);
	const unsigned char *s;
	size_t n, i;

	*out = NULL;
	if (v == NULL || json_is_null(v) ||
	    (json_is_string(v) && json_string_length(v) == 0)) {
		if (required)
			return app_fail_field(err, RC_EINVALID, key, "is required");
		return RC_OK;
	}
	if (!json_is_string(v))
		return app_fail_field(err, RC_EINVALID, key, "must be a text");
	s = (const unsigned char *)json_string_value(v);
	n = json_string_length(v);
	if (n > max)
		return app_fail_field(err, RC_EINVALID, key, "is longer than %zu bytes", max);
	if (strlen((const char *)s) != n || !utf8_valid((const char *)s, n))
		return app_fail_field(err, RC_EINVALID, key, "is not valid UTF-8 text");
	for (i = 0; i < n; i++) {
		if ((s[i] < 0x20 && !(multiline && (s[i] == '\n' || s[i] == '\t' ||
		    s[i] == '\r'))) || s[i] == 0x7f)
			return app_fail_field(err, RC_EINVALID, key, "holds control "
			    "characters");
	}
	*out = (const char *)s;
	return RC_OK;
}

void
app_agency_code(struct app *a, const char *agency_id, char out[32])
{
	struct store_agency ag;

	out[0] = '\0';
	if (agency_id != NULL && *agency_id != '\0' &&
	    store_agency_get(a->store, agency_id, &ag) == RC_OK)
		str_copy(out, 32, ag.code);
}

int
app_agency_find(struct app *a, const char *code, const char *field,
    char id_out[ID_SIZE], struct app_error *err)
{
	struct store_agency ag;
	int rc;

	id_out[0] = '\0';
	if (code == NULL || *code == '\0')
		return app_fail_field(err, RC_EINVALID, field, "is required");
	rc = store_agency_get(a->store, code, &ag);
	if (rc == RC_ENOTFOUND)
		return app_fail_field(err, RC_EINVALID, field, "is not a known agency code");
	if (rc != RC_OK)
		return app_fail(err, rc, "cannot read agencies");
	str_copy(id_out, ID_SIZE, ag.id);
	return RC_OK;
}

int
app_consent_gate(struct app *a, const struct app_actor *u, const struct store_record *c,
    const json_t *body, const char *purpose, const char *recipient,
    const char *override_reason, const char **basis, char *needed, size_t neededsz,
    struct app_error *err)
{
	struct app_consent res;
	int rc;

	*basis = NULL;
	/* the case's recorded consent, or an override a supervisor recorded on it */
	if ((rc = app_consent_of(a, &c->m, body, purpose, recipient, &res, err)) != RC_OK)
		return rc;
	if (needed != NULL)
		str_copy(needed, neededsz, res.needed);
	if (res.granted) {
		*basis = res.overridden ? "override" : "consent";
		return RC_OK;
	}
	if (override_reason == NULL || *override_reason == '\0')
		return app_fail_field(err, RC_EINVALID, "consent", "the case records no "
		    "consent for %s%s%s: %s (%s); a supervisor may record an override "
		    "with a reason", purpose, recipient ? " to " : "",
		    recipient ? recipient : "", res.why[0] ? res.why : "none recorded",
		    res.needed);
	if (!policy_allows(a->policy, &u->pu, "case.consent_override", NULL, NULL)) {
		audit_note(a, u, "consent.override", c->m.id, NULL,
		    "denied: role lacks action");
		return app_fail_field(err, RC_EDENIED, "override_reason", "only a "
		    "supervisor may share without the recorded consent");
	}
	if ((rc = audit_write(a, u, "consent.override", c->m.id, NULL, purpose)) != RC_OK)
		return app_fail(err, rc, "cannot write the audit log");
	*basis = "override";
	return RC_OK;
}

int
app_handoff_task_put(struct app *a, const char *record_id, const char *what,
    const char *short_id, const char *owner_id, const char *agency_id, int64_t due)
{
	struct store_doc d = { 0 };
	char ts[CLOCK_ISO_SIZE];
	json_t *body;
	int rc;

	str_copy(d.kind, sizeof(d.kind), "task");
	snprintf(d.id, sizeof(d.id), "%s:%s", record_id, what);
	str_copy(d.ref, sizeof(d.ref), record_id);
	str_copy(d.owner_id, sizeof(d.owner_id), owner_id ? owner_id : "");
	str_copy(d.agency_id, sizeof(d.agency_id), agency_id ? agency_id : "");
	d.at = due;
	clock_iso(due, ts);
	body = json_pack("{s:s, s:s, s:s}", "kind", what, "short_id", short_id, "due_at",
	    ts);
	if (body == NULL || (d.body = json_dump_compact(body)) == NULL) {
		json_decref(body);
		return RC_ENOMEM;
	}
	rc = store_doc_put(a->store, &d);
	free(d.body);
	json_decref(body);
	return rc;
}

int
app_handoff_task_drop(struct app *a, const char *record_id, const char *what)
{
	char id[STORE_DOC_ID_SIZE];
	int rc;

	snprintf(id, sizeof(id), "%s:%s", record_id, what);
	rc = store_doc_delete(a->store, "task", id);
	return rc == RC_ENOTFOUND ? RC_OK : rc;
}

/* ---- the kind ---------------------------------------------------------------------- */

static const char *const referral_summary[] = {
	"service_type", "to_agency", "urgency", "due_date", NULL
};

/* Referrals are not found by names: nothing goes into the blind index. */
static int
referral_names(const json_t *data, int (*cb)(void *arg, const char *name), void *arg)
{
	(void)data;
	(void)cb;
	(void)arg;
	return RC_OK;
}

const struct app_kind app_kind_referral = {
	.type = "referral",
	.noun = "referral",
	.nouns = "referrals",
	.act = "referral",
	.summary = referral_summary,
	.names = referral_names,
	.first_status = "pending",
	.first_stage = "",
};

/* While the receiving agency works on it, the shared fields stay with the referral. */
static int
ref_active(const char *status)
{
	return strcmp(status, "pending") == 0 || strcmp(status, "accepted") == 0 ||
	    strcmp(status, "in_progress") == 0;
}

/* When a pending referral must be answered: its urgency's response time (high 24 h,
 * medium 3 days, low 7 days: config/workflow.json) from when it was sent. */
static int64_t
ref_respond_by(struct app *a, const struct record_meta *m)
{
	return m->created_at + workflow_response_seconds(a->workflow, m->risk_level);
}

/*
 * The view of a referral for its sender (`sender`) or its receiver, from the index
 * columns and, when `body` is not NULL, its sealed fields. Caller decrefs.
 */
static json_t *
ref_view(struct app *a, const struct record_meta *m, const json_t *body, int sender)
{
	char ts[CLOCK_ISO_SIZE], code[32], user[64];
	const char *key;
	json_t *out, *v;

	if ((out = json_object()) == NULL)
		return NULL;
	json_object_set_new(out, "id", json_string(m->id));
	json_object_set_new(out, "short_id", json_string(m->short_id));
	json_object_set_new(out, "rev", json_integer(m->rev));
	json_object_set_new(out, "status", json_string(m->status));
	json_object_set_new(out, "side", json_string(sender ? "sender" : "receiver"));
	json_object_set_new(out, "service_type", json_string(m->workflow));
	if (m->risk_level[0] != '\0')
		json_object_set_new(out, "urgency", json_string(m->risk_level));
	app_agency_code(a, m->agency_id, code);
	json_object_set_new(out, "from_agency", json_string(code));
	app_username(a, m->owner_id, user);
	json_object_set_new(out, "from_user", json_string(user));
	app_agency_code(a, m->peer_agency_id, code);
	json_object_set_new(out, "to_agency", json_string(code));
	clock_iso(m->created_at, ts);
	json_object_set_new(out, "created_at", json_string(ts));
	clock_iso(m->updated_at, ts);
	json_object_set_new(out, "updated_at", json_string(ts));
	if (strcmp(m->status, "pending") == 0) {
		int64_t due = ref_respond_by(a, m);

		clock_iso(due, ts);
		json_object_set_new(out, "respond_by", json_string(ts));
		json_object_set_new(out, "overdue", json_boolean(clock_now() > due));
	}
	if (sender)
		json_object_set_new(out, "case_id", json_string(m->link_id));
	if (body == NULL)
		return out;
	json_object_foreach((json_t *)body, key, v) {
		if (strcmp(key, "shared") == 0 && !ref_active(m->status))
			continue;
		if (!sender && strcmp(key, "consent_override_reason") == 0)
			continue;
		if (json_object_get(out, key) == NULL)
			json_object_set(out, key, v);
	}
	return out;
}

/*
 * Fetch referral `id` for `u`: as its sender's side ("referral.read" in scope) or its
 * receiver ("referral.receive": sent to u's agency). RC_ENOTFOUND (the denial
 * audited) when neither.
 */
static int
ref_fetch(struct app *a, const struct app_actor *u, const char *id,
    struct store_record *r, int *sender, int *receiver, struct app_error *err)
{
	const char *why = NULL;
	char outcome[64];
	int rc;

	*sender = *receiver = 0;
	if (id == NULL || (!id_is_uuid(id) && !id_is_short(id)))
		return app_fail(err, RC_ENOTFOUND, "no referral with that id");
	rc = store_record_get(a->store, "referral", id, r);
	if (rc == RC_ENOTFOUND)
		return app_fail(err, rc, "no referral %s", id);
	if (rc != RC_OK)
		return app_fail(err, rc, "cannot read referrals");
	*sender = policy_allows(a->policy, &u->pu, "referral.read", &r->m, &why);
	*receiver = policy_allows(a->policy, &u->pu, "referral.receive", &r->m, NULL);
	if (*sender || *receiver)
		return RC_OK;
	snprintf(outcome, sizeof(outcome), "denied: %s", why);
	audit_note(a, u, "referral.read", r->m.id, NULL, outcome);
	store_record_free(r);
	return app_fail(err, RC_ENOTFOUND, "no referral %s", id);
}

int
app_case_pick(struct app *a, const struct app_actor *u, const json_t *cbody,
    const json_t *fields, int all, json_t **picked, json_t **ids, struct app_error *err)
{
	const struct form *cf = forms_get(a->forms, "case");
	const struct form_field *f;
	const json_t *fv, *v;
	size_t i, n;

	*picked = json_object();
	*ids = json_array();
	if (*picked == NULL || *ids == NULL)
		return RC_ENOMEM;
	if (fields == NULL || json_is_null(fields)) {
		n = all ? form_field_count(cf) : 0;
		for (i = 0; i < n; i++) {
			f = form_field_at(cf, i);
			v = json_object_get(cbody, f->id);
			if (f->system || !policy_field_visible(a->policy, &u->pu,
			    f->sensitivity) || v == NULL || json_is_null(v))
				continue;
			if (json_object_set(*picked, f->id, (json_t *)v) != 0 ||
			    json_array_append_new(*ids, json_string(f->id)) != 0)
				return RC_ENOMEM;
		}
		return RC_OK;
	}
	if (!json_is_array(fields) || json_array_size(fields) > REFERRAL_FIELDS_MAX)
		return app_fail_field(err, RC_EINVALID, "fields", "must be a list of at most "
		    "%d case field ids", REFERRAL_FIELDS_MAX);
	json_array_foreach(fields, i, fv) {
		const char *id = json_string_value(fv);

		if (id == NULL || (f = form_field_find(cf, id)) == NULL)
			return app_fail_field(err, RC_EINVALID, "fields", "value %zu is not a "
			    "field of the case form", i + 1);
		if (f->system)
			return app_fail_field(err, RC_EINVALID, "fields", "%s is set by the "
			    "system and is not shared", f->id);
		if (!policy_field_visible(a->policy, &u->pu, f->sensitivity))
			return app_fail_field(err, RC_EINVALID, "fields", "%s is not a field "
			    "your role may see", f->id);
		v = json_object_get(cbody, f->id);
		if (v == NULL || json_is_null(v) || json_object_get(*picked, f->id) != NULL)
			continue;	/* nothing recorded, or given twice */
		if (json_object_set(*picked, f->id, (json_t *)v) != 0 ||
		    json_array_append_new(*ids, json_string(f->id)) != 0)
			return RC_ENOMEM;
	}
	return RC_OK;
}

/* The text of case plan action `n` (from 1) of case `cbody`, or NULL when none. */
static const char *
ref_plan_action(const json_t *cbody, json_int_t n)
{
	const json_t *plan = json_object_get(cbody, CASE_PLAN_FIELD);

	if (!json_is_array(plan) || n < 1 || (size_t)n > json_array_size(plan))
		return NULL;
	return json_get_str(json_array_get(plan, (size_t)(n - 1)), CASE_PLAN_ACTION);
}

/* Append {"status","at","by","note"} to the status log of `after`. */
static int
ref_log(json_t *after, const struct app_actor *u, const char *status, const char *note)
{
	json_t *log = json_object_get(after, "status_log"), *e;
	char ts[CLOCK_ISO_SIZE];

	clock_iso(clock_now(), ts);
	if (!json_is_array(log)) {
		if ((log = json_array()) == NULL ||
		    json_object_set_new(after, "status_log", log) != 0)
			return RC_ENOMEM;
	}
	if ((e = json_pack("{s:s, s:s, s:s}", "status", status, "at", ts, "by",
	    u->username)) == NULL)
		return RC_ENOMEM;
	if (note != NULL && *note != '\0')
		json_object_set_new(e, "note", json_string(note));
	return json_array_append_new(log, e) == 0 ? RC_OK : RC_ENOMEM;
}

/* Check the referral's own fields of `after` against its form (the shared members
 * aside: they are case fields, checked when the case was saved). */
static int
ref_validate(struct app *a, const json_t *after, struct app_error *err)
{
	struct form_context ctx = { 0 };
	char today[DATE_SIZE], joined[200];
	json_t *own;
	int rc;

	if ((own = json_deep_copy(after)) == NULL)
		return RC_ENOMEM;
	json_object_del(own, "shared");
	json_object_del(own, "shared_fields");
	app_today(today);
	ctx.today = today;
	rc = form_validate(forms_get(a->forms, "referral"), own, &ctx, &err->fields);
	json_decref(own);
	if (rc == RC_OK)
		return RC_OK;
	form_errors_format(&err->fields, joined, sizeof(joined));
	return app_fail(err, RC_EINVALID, "the referral is not valid: %s", joined);
}

/* ---- use cases --------------------------------------------------------------------- */

/* The service a referral names: its agency, types and provider type. `*svc` is the
 * entry (caller decrefs). */
static int
ref_service(struct app *a, const char *service_id, json_t **svc, struct app_error *err)
{
	struct store_doc d = { 0 };
	int rc;

	*svc = NULL;
	if (!id_is_uuid(service_id))
		return app_fail_field(err, RC_EINVALID, "service_id", "is not a service");
	rc = store_doc_get(a->store, "service", service_id, &d);
	if (rc == RC_ENOTFOUND)
		return app_fail_field(err, RC_EINVALID, "service_id", "is not a service");
	if (rc != RC_OK)
		return app_fail(err, rc, "cannot read the service directory");
	*svc = json_loads(d.body, 0, NULL);
	store_doc_free(&d);
	if (*svc == NULL)
		return RC_EINTERNAL;
	if (json_is_false(json_object_get(*svc, "active")))
		return app_fail_field(err, RC_EINVALID, "service_id", "is not active");
	return RC_OK;
}

int
app_referral_create(struct app *a, const struct app_actor *u, const char *case_id,
    const json_t *req, json_t **out, struct app_error *err)
{
	static const char *const allowed[] = { "to_agency", "service_id", "service_type",
	    "reason", "urgency", "fields", "action_id", "due_date", "override_reason",
	    "recipient_type", NULL };
	struct store_record c = { 0 }, r = { 0 };
	struct vault_dk cdk = { 0 }, rdk = { 0 };
	struct record_meta m;
	json_t *cbody = NULL, *data = NULL, *ref = NULL, *saved = NULL, *before = NULL;
	json_t *after = NULL, *shared = NULL, *ids = NULL, *svc = NULL;
	const json_t *action, *types;
	char to_id[ID_SIZE], needed[320], today[DATE_SIZE], outcome[64];
	const char *to_agency, *service_id, *service_type, *reason, *override, *recipient;
	const char *urgency, *basis = NULL, *action_text = NULL, *v;
	int rc, txn = 0;

	*out = NULL;
	if (!policy_allows(a->policy, &u->pu, "referral.create", NULL, NULL)) {
		audit_note(a, u, "referral.create", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not refer cases");
	}
	if ((rc = app_req_members(req, allowed, err)) != RC_OK ||
	    (rc = app_req_text(req, "to_agency", 31, 0, 0, &to_agency, err)) != RC_OK ||
	    (rc = app_req_text(req, "service_id", 64, 0, 0, &service_id, err)) != RC_OK ||
	    (rc = app_req_text(req, "service_type", 64, 0, 0, &service_type, err)) !=
	    RC_OK ||
	    (rc = app_req_text(req, "reason", REFERRAL_REASON_MAX, 1, 1, &reason, err)) !=
	    RC_OK ||
	    (rc = app_req_text(req, "urgency", 16, 0, 0, &urgency, err)) != RC_OK ||
	    (rc = app_req_text(req, "override_reason", REFERRAL_REASON_MAX, 0, 1,
	    &override, err)) != RC_OK ||
	    (rc = app_req_text(req, "recipient_type", 64, 0, 0, &recipient, err)) !=
	    RC_OK)
		return rc;
	action = json_object_get(req, "action_id");
	if (action != NULL && !json_is_null(action) && !json_is_integer(action))
		return app_fail_field(err, RC_EINVALID, "action_id", "must be the number of "
		    "a case plan action");
	if (service_id != NULL) {
		if ((rc = ref_service(a, service_id, &svc, err)) != RC_OK)
			goto out;
		v = json_get_str(svc, "agency");
		if (to_agency != NULL && v != NULL && strcmp(to_agency, v) != 0) {
			rc = app_fail_field(err, RC_EINVALID, "to_agency", "is not the agency "
			    "of the service");
			goto out;
		}
		to_agency = v;
		types = json_object_get(svc, "service_types");
		if (service_type == NULL)
			service_type = json_string_value(json_array_get(types, 0));
		else {
			size_t i;
			const json_t *t;
			int found = 0;

			json_array_foreach(types, i, t)
				found |= json_is_string(t) &&
				    strcmp(json_string_value(t), service_type) == 0;
			if (!found) {
				rc = app_fail_field(err, RC_EINVALID, "service_type", "is not "
				    "a service type of the service");
				goto out;
			}
		}
		if (recipient == NULL)
			recipient = json_get_str(svc, "provider_type");
	}
	if (to_agency == NULL) {
		rc = app_fail_field(err, RC_EINVALID, "to_agency", "is required, or a "
		    "service_id");
		goto out;
	}
	if ((rc = app_agency_find(a, to_agency, "to_agency", to_id, err)) != RC_OK)
		goto out;
	if (recipient != NULL) {
		const json_t *vals = forms_lookup(a->forms, "lookup-consent-recipient-type");
		const json_t *t;
		size_t i;
		int found = 0;

		json_array_foreach(vals, i, t)
			found |= json_get_str(t, "id") != NULL &&
			    strcmp(json_get_str(t, "id"), recipient) == 0;
		if (!found) {
			rc = app_fail_field(err, RC_EINVALID, "recipient_type", "is not one "
			    "of the options");
			goto out;
		}
	}

	if ((rc = store_begin(a->store)) != RC_OK) {
		rc = app_fail(err, rc, "database busy; try again");
		goto out;
	}
	txn = 1;
	if ((rc = app_rec_fetch(a, u, &app_kind_case, case_id, "case.read", &c, err)) !=
	    RC_OK)
		goto out;
	if (strcmp(c.m.status, "open") != 0) {
		rc = app_fail(err, RC_EINVALID, "case %s is closed: reopen it to refer it",
		    c.m.short_id);
		goto out;
	}
	if ((rc = app_rec_open(a, &c, &cdk, &cbody, err)) != RC_OK ||
	    (rc = app_consent_gate(a, u, &c, cbody, "referral", recipient, override,
	    &basis, needed, sizeof(needed), err)) != RC_OK ||
	    (rc = app_case_pick(a, u, cbody, json_object_get(req, "fields"), 0, &shared,
	    &ids, err)) != RC_OK)
		goto out;
	if (json_is_integer(action) && (action_text = ref_plan_action(cbody,
	    json_integer_value(action))) == NULL) {
		rc = app_fail_field(err, RC_EINVALID, "action_id", "is not the number of an "
		    "action of the case plan");
		goto out;
	}

	app_today(today);
	if ((data = json_object()) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	if (service_type != NULL)
		json_object_set_new(data, "service_type", json_string(service_type));
	json_object_set_new(data, "to_agency", json_string(to_agency));
	if (svc != NULL) {
		json_object_set_new(data, "service_id", json_string(service_id));
		if (json_get_str(svc, "name") != NULL)
			json_object_set(data, "service_name", json_object_get(svc, "name"));
	}
	json_object_set_new(data, "reason", json_string(reason));
	if (urgency != NULL)
		json_object_set_new(data, "urgency", json_string(urgency));
	if (json_object_get(req, "due_date") != NULL &&
	    !json_is_null(json_object_get(req, "due_date")))
		json_object_set(data, "due_date", json_object_get(req, "due_date"));
	if (action_text != NULL) {
		json_object_set(data, "case_plan_action", (json_t *)action);
		json_object_set_new(data, "case_plan_action_text", json_string(action_text));
	}
	json_object_set_new(data, "consent_basis", json_string(basis));
	if (needed[0] != '\0')
		json_object_set_new(data, "consent_needed", json_string(needed));
	json_object_set_new(data, "consent_checked_on", json_string(today));
	if (strcmp(basis, "override") == 0)
		json_object_set_new(data, "consent_override_reason", json_string(override));

	/* the referral's own fields through the one path of every record (validated,
	 * sealed, audited), in this transaction; then what the server adds */
	if ((rc = app_record_create(a, u, "referral", data, &ref, err)) != RC_OK)
		goto out;
	if ((rc = store_record_get(a->store, "referral", json_get_str(ref, "id"), &r)) !=
	    RC_OK || (rc = app_rec_open(a, &r, &rdk, &before, err)) != RC_OK)
		goto out;
	if ((after = json_deep_copy(before)) == NULL ||
	    json_object_set(after, "shared", shared) != 0 ||
	    json_object_set(after, "shared_fields", ids) != 0 ||
	    (rc = ref_log(after, u, "pending", NULL)) != RC_OK) {
		rc = rc != RC_OK ? rc : RC_ENOMEM;
		goto out;
	}
	m = r.m;
	str_copy(m.link_id, sizeof(m.link_id), c.m.id);
	str_copy(m.peer_agency_id, sizeof(m.peer_agency_id), to_id);
	str_copy(m.status, sizeof(m.status), "pending");
	str_copy(m.workflow, sizeof(m.workflow), service_type ? service_type : "");
	str_copy(m.risk_level, sizeof(m.risk_level), urgency ? urgency : "");
	if ((rc = app_rec_save(a, u, &app_kind_referral, &r, &rdk, before, after, &m,
	    "referral.share", &saved, err)) != RC_OK)
		goto out;
	snprintf(outcome, sizeof(outcome), "referral %s", m.short_id);
	if ((rc = app_handoff_task_put(a, m.id, "referral", m.short_id, "", to_id,
	    ref_respond_by(a, &m))) != RC_OK ||
	    (rc = audit_write(a, u, "referral.send", c.m.id, ids, outcome)) != RC_OK ||
	    (rc = store_commit(a->store)) != RC_OK) {
		rc = app_fail(err, rc, "cannot store the referral");
		goto out;
	}
	txn = 0;
	if ((*out = ref_view(a, &m, after, 1)) == NULL)
		rc = RC_ENOMEM;
out:
	if (txn)
		store_rollback(a->store);
	audit_flush(a);
	vault_dk_wipe(&cdk);
	vault_dk_wipe(&rdk);
	json_decref(cbody);
	json_decref(data);
	json_decref(ref);
	json_decref(saved);
	json_decref(before);
	json_decref(after);
	json_decref(shared);
	json_decref(ids);
	json_decref(svc);
	store_record_free(&c);
	store_record_free(&r);
	return rc;
}

int
app_referral_get(struct app *a, const struct app_actor *u, const char *id, json_t **out,
    struct app_error *err)
{
	struct store_record r = { 0 };
	struct vault_dk dk = { 0 };
	json_t *body = NULL;
	int sender, receiver, rc;

	*out = NULL;
	if ((rc = ref_fetch(a, u, id, &r, &sender, &receiver, err)) != RC_OK)
		return rc;
	if ((rc = app_rec_open(a, &r, &dk, &body, err)) == RC_OK &&
	    (*out = ref_view(a, &r.m, body, sender)) == NULL)
		rc = RC_ENOMEM;
	audit_note(a, u, sender ? "referral.read" : "referral.receive", r.m.id, NULL,
	    rc == RC_OK ? "ok" : rc_name(rc));
	vault_dk_wipe(&dk);
	json_decref(body);
	store_record_free(&r);
	return rc;
}

/* The moves of a referral: who may make them, and whether a reason is needed. */
static const struct ref_move {
	const char	*from, *to;
	int		 by_sender;	/* else the receiving agency */
	int		 needs_reason;
} ref_moves[] = {
	{ "pending",	 "accepted",	0, 0 },
	{ "pending",	 "declined",	0, 1 },
	{ "accepted",	 "in_progress",	0, 0 },
	{ "in_progress", "completed",	0, 0 },
	{ "pending",	 "revoked",	1, 0 },
	{ "accepted",	 "revoked",	1, 0 },
	{ "in_progress", "revoked",	1, 0 },
};

#define REF_RULE "a referral goes pending -> accepted or declined (by the receiving " \
	"agency; a decline gives a reason) -> in_progress -> completed, and its sender " \
	"may revoke it until it is completed"

int
app_referral_status(struct app *a, const struct app_actor *u, const char *id,
    const json_t *req, json_t **out, struct app_error *err)
{
	static const char *const allowed[] = { "status", "reason", "feedback", NULL };
	struct store_record r = { 0 };
	struct vault_dk dk = { 0 };
	struct record_meta m;
	const struct ref_move *mv = NULL;
	json_t *before = NULL, *after = NULL, *saved = NULL;
	const char *status, *reason, *feedback;
	char act[APP_ACTION_MAX];
	int sender, receiver, rc, txn = 0;
	size_t i;

	*out = NULL;
	if ((rc = app_req_members(req, allowed, err)) != RC_OK ||
	    (rc = app_req_text(req, "status", 16, 1, 0, &status, err)) != RC_OK ||
	    (rc = app_req_text(req, "reason", REFERRAL_REASON_MAX, 0, 1, &reason, err)) !=
	    RC_OK ||
	    (rc = app_req_text(req, "feedback", REFERRAL_FEEDBACK_MAX, 0, 1, &feedback,
	    err)) != RC_OK)
		return rc;
	if ((rc = store_begin(a->store)) != RC_OK)
		return app_fail(err, rc, "database busy; try again");
	txn = 1;
	if ((rc = ref_fetch(a, u, id, &r, &sender, &receiver, err)) != RC_OK)
		goto out;
	snprintf(act, sizeof(act), "referral.%s", status);
	for (i = 0; i < sizeof(ref_moves) / sizeof(ref_moves[0]); i++)
		if (strcmp(ref_moves[i].from, r.m.status) == 0 &&
		    strcmp(ref_moves[i].to, status) == 0)
			mv = &ref_moves[i];
	if (mv == NULL) {
		audit_note(a, u, "referral.status", r.m.id, NULL, "refused by rule");
		rc = app_fail_field(err, RC_EINVALID, "status", "%s -> %s is not allowed: "
		    REF_RULE, r.m.status, status);
		goto out;
	}
	/* the sender's moves need "referral.update" in scope; the receiver's,
	 * "referral.receive" (checked by ref_fetch) */
	if (mv->by_sender ? !policy_allows(a->policy, &u->pu, "referral.update", &r.m,
	    NULL) : !receiver) {
		audit_note(a, u, act, r.m.id, NULL, "denied: other side's move");
		rc = app_fail(err, RC_EDENIED, "only the %s may make this referral %s",
		    mv->by_sender ? "sender" : "receiving agency", status);
		goto out;
	}
	if (mv->needs_reason && reason == NULL) {
		rc = app_fail_field(err, RC_EINVALID, "reason", "is required to %s",
		    strcmp(status, "declined") == 0 ? "decline" : status);
		goto out;
	}
	if (feedback != NULL && mv->by_sender) {
		rc = app_fail_field(err, RC_EINVALID, "feedback", "comes from the receiving "
		    "agency");
		goto out;
	}
	if ((rc = app_rec_open(a, &r, &dk, &before, err)) != RC_OK)
		goto out;
	if ((after = json_deep_copy(before)) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	if (reason != NULL)
		json_object_set_new(after, "status_reason", json_string(reason));
	if (feedback != NULL)
		json_object_set_new(after, "feedback", json_string(feedback));
	if ((rc = ref_log(after, u, status, reason ? reason : feedback)) != RC_OK)
		goto out;
	if (!ref_active(status))
		json_object_del(after, "shared");	/* what was shared goes with it */
	if ((rc = ref_validate(a, after, err)) != RC_OK)
		goto out;
	m = r.m;
	str_copy(m.status, sizeof(m.status), status);
	if ((rc = app_rec_save(a, u, &app_kind_referral, &r, &dk, before, after, &m, act,
	    &saved, err)) != RC_OK)
		goto out;
	/* the task follows the referral: answer it while pending, provide the service
	 * by its due date once accepted, nothing after */
	if (strcmp(status, "accepted") == 0 || strcmp(status, "in_progress") == 0) {
		const char *due = json_get_str(after, "due_date");
		int y, mo, d;

		rc = due != NULL && date_parse(due, &y, &mo, &d) == 0 ?
		    app_handoff_task_put(a, m.id, "referral", m.short_id, "",
		    m.peer_agency_id, date_days(y, mo, d) * 86400) :
		    app_handoff_task_drop(a, m.id, "referral");
	} else
		rc = app_handoff_task_drop(a, m.id, "referral");
	if (rc != RC_OK || (rc = store_commit(a->store)) != RC_OK) {
		rc = app_fail(err, rc, "cannot store the referral");
		goto out;
	}
	txn = 0;
	if ((*out = ref_view(a, &m, after, sender && mv->by_sender)) == NULL)
		rc = RC_ENOMEM;
out:
	if (txn)
		store_rollback(a->store);
	audit_flush(a);
	vault_dk_wipe(&dk);
	json_decref(before);
	json_decref(after);
	json_decref(saved);
	store_record_free(&r);
	return rc;
}

/* ---- lists ------------------------------------------------------------------------ */

struct ref_list {
	struct app		*a;
	const struct app_actor	*u;
	json_t			*rows;
};

static int
ref_list_row(void *arg, struct store_record *r)
{
	struct ref_list *c = arg;
	int sender = policy_allows(c->a->policy, &c->u->pu, "referral.read", &r->m, NULL);
	int receiver = policy_allows(c->a->policy, &c->u->pu, "referral.receive", &r->m,
	    NULL);
	json_t *v;

	if (!sender && !receiver) {
		store_record_free(r);
		return 0;
	}
	v = ref_view(c->a, &r->m, NULL, sender);
	store_record_free(r);
	if (v == NULL || json_array_append_new(c->rows, v) != 0)
		return RC_ENOMEM;
	return 0;
}

int
app_referral_list(struct app *a, const struct app_actor *u,
    const struct app_referral_query *q, json_t **out, struct app_error *err)
{
	static const char *const statuses[] = { "pending", "accepted", "declined",
	    "in_progress", "completed", "revoked", NULL };
	struct store_filter f = { 0 };
	struct store_record c = { 0 };
	struct ref_list l = { 0 };
	const char *box = q->box, *act;
	char outcome[64];
	int64_t total = 0, page, per;
	size_t i;
	int rc;

	*out = NULL;
	page = q->page > 0 ? q->page : 1;
	per = q->per > 0 ? q->per : 20;
	if (per > 100)
		return app_fail(err, RC_EINVALID, "per: at most 100 referrals per page");
	if (page > 1000000)
		return app_fail(err, RC_EINVALID, "page: too large");
	if (q->status != NULL && *q->status != '\0') {
		for (i = 0; statuses[i] != NULL; i++)
			if (strcmp(statuses[i], q->status) == 0)
				break;
		if (statuses[i] == NULL)
			return app_fail(err, RC_EINVALID, "status: not a referral status");
	}
	if (box == NULL || *box == '\0')
		box = policy_allows(a->policy, &u->pu, "referral.list", NULL, NULL) ? "out" :
		    "in";
	if (strcmp(box, "in") != 0 && strcmp(box, "out") != 0)
		return app_fail(err, RC_EINVALID, "box: in or out");
	act = strcmp(box, "in") == 0 ? "referral.receive" : "referral.list";
	if (q->case_id != NULL && *q->case_id != '\0')
		act = "referral.list";
	if (!policy_allows(a->policy, &u->pu, act, NULL, NULL)) {
		audit_note(a, u, act, NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not list these referrals");
	}
	f.type = "referral";
	f.status = q->status;
	if (q->case_id != NULL && *q->case_id != '\0') {
		if ((rc = app_rec_fetch(a, u, &app_kind_case, q->case_id, "case.read", &c,
		    err)) != RC_OK)
			return rc;
		f.link_id = c.m.id;
	} else if (strcmp(box, "in") == 0) {
		if (u->pu.agency_id[0] == '\0')
			goto empty;
		f.peer_agency_id = u->pu.agency_id;
	} else {
		switch (policy_scope(a->policy, &u->pu)) {
		case SCOPE_OWN:
			f.owner_id = u->pu.id;
			break;
		case SCOPE_AGENCY:
			f.agency_id = u->pu.agency_id;
			break;
		case SCOPE_ALL:
			break;
		default:
			goto empty;
		}
	}
	f.limit = per;
	f.offset = (page - 1) * per;
	l.a = a;
	l.u = u;
	if ((l.rows = json_array()) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	if ((rc = store_record_list(a->store, &f, &total, ref_list_row, &l)) != RC_OK) {
		rc = app_fail(err, rc, "cannot list referrals");
		goto out;
	}
	goto done;
empty:
	if ((l.rows = json_array()) == NULL)
		return RC_ENOMEM;
done:
	snprintf(outcome, sizeof(outcome), "%lld results", (long long)total);
	audit_note(a, u, act, c.m.id[0] ? c.m.id : NULL, NULL, outcome);
	*out = json_pack("{s:O, s:{s:I, s:I, s:I}}", "data", l.rows, "metadata", "total",
	    (json_int_t)total, "page", (json_int_t)page, "per", (json_int_t)per);
	rc = *out != NULL ? RC_OK : RC_ENOMEM;
out:
	json_decref(l.rows);
	store_record_free(&c);
	return rc;
}

int
app_referral_options(struct app *a, const struct app_actor *u, const char *case_id,
    json_t **out, struct app_error *err)
{
	const struct form *cf = forms_get(a->forms, "case");
	struct store_record c = { 0 };
	struct vault_dk dk = { 0 };
	struct app_consent res;
	json_t *body = NULL, *fields = NULL, *actions = NULL, *e;
	const json_t *plan;
	size_t i, n;
	int rc;

	*out = NULL;
	if (!policy_allows(a->policy, &u->pu, "referral.create", NULL, NULL)) {
		audit_note(a, u, "referral.create", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not refer cases");
	}
	if ((rc = app_rec_fetch(a, u, &app_kind_case, case_id, "case.read", &c, err)) !=
	    RC_OK)
		return rc;
	if ((rc = app_rec_open(a, &c, &dk, &body, err)) != RC_OK)
		goto out;
	if ((fields = json_array()) == NULL || (actions = json_array()) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	n = form_field_count(cf);
	for (i = 0; i < n; i++) {
		const struct form_field *f = form_field_at(cf, i);
		const json_t *v = json_object_get(body, f->id);

		if (!f->system && policy_field_visible(a->policy, &u->pu, f->sensitivity) &&
		    v != NULL && !json_is_null(v))
			json_array_append_new(fields, json_string(f->id));
	}
	plan = json_object_get(body, CASE_PLAN_FIELD);
	json_array_foreach(plan, i, e) {
		const char *t = json_get_str(e, CASE_PLAN_ACTION);

		json_array_append_new(actions, json_pack("{s:I, s:s}", "n",
		    (json_int_t)(i + 1), "text", t ? t : ""));
	}
	/* recorded consent, or an override recorded on the case */
	if ((rc = app_consent_of(a, &c.m, body, "referral", NULL, &res, err)) != RC_OK)
		goto out;
	*out = json_pack("{s:O, s:O, s:{s:b, s:s?, s:s}}", "fields", fields, "actions",
	    actions, "consent", "ok", res.granted, "why", res.granted ? NULL : res.why,
	    "needed", res.needed);
	rc = *out != NULL ? RC_OK : RC_ENOMEM;
out:
	audit_note(a, u, "referral.prepare", c.m.id, NULL, rc == RC_OK ? "ok" :
	    rc_name(rc));
	vault_dk_wipe(&dk);
	json_decref(body);
	json_decref(fields);
	json_decref(actions);
	store_record_free(&c);
	return rc;
}
