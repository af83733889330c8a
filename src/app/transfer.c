/*
 * transfer.c — moving responsibility for a case: to another user or agency of this
 * instance, or to another RouteCare instance as a signed, sealed package
 * (vault/package.h; the protocol in docs/transfer.md).
 *
 * Every transfer is a line of the case's "transfers" log (a system subform of
 * config/forms/case.json): kind internal, outgoing or incoming, its status, who
 * asked, who decided and why. An internal transfer waiting for its answer also sets
 * the case's peer_agency_id to the receiving agency, so that its users reach it
 * through "transfer.receive" (policy.h), and puts a task for them.
 *
 * Documents (never child data):
 *	"partner"      id = name: a trusted instance {"name","identity","fingerprint",
 *		       "agency","recipient_type","added_at"}
 *	"partner_key"  id = the 86 key characters of its identity: {"name"} — so that
 *		       one set of keys is trusted once, and found by the keys a package
 *		       was signed with
 *	"package"      id = a package id received: the replay log ({"direction":"in",
 *		       "kind","partner","fingerprint","status","received_at",
 *		       "expires_at","record_id",...}); kept for good, so at least until
 *		       the package expires
 *	"package_out"  id = a package id sent: {"partner","partner_key","case_id",
 *		       "status","sent_at","expires_at"}; its acknowledgement must come
 *		       from that same partner
 *
 * A received case package is held as a record of kind "inbound_package" whose sealed
 * body keeps the payload until a supervisor decides; the record is then erased for
 * good (accepted: it became a case; declined: it is not ours to keep), and the log
 * keeps the decision and the acknowledgement, sealed to the sender then and there.
 */
#include <stdarg.h>
#include <stdint.h>
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
#include "vault/package.h"

_Static_assert(APP_IDENTITY_SIZE == PACKAGE_IDENTITY_SIZE, "identity size");
_Static_assert(APP_FINGERPRINT_SIZE == PACKAGE_FINGERPRINT_SIZE, "fingerprint size");

#define TRANSFERS		"transfers"
#define TRANSFER_REASON_MAX	2000
#define TRANSFER_ANSWER_SECONDS	(3 * 86400)	/* a transfer's task: answer within */
#define PARTNER_KIND		"partner"
#define PARTNER_KEY_KIND	"partner_key"
#define PACKAGE_IN_KIND		"package"
#define PACKAGE_OUT_KIND	"package_out"
#define KEYPART_LEN		86
#define SHORT_ID_TRIES		8

/* Held packages: records, but made by the instance (the HTTP inbox has no user), and
 * never through the generic record routes. */
static const char *const inbound_summary[] = { NULL };

static int
inbound_names(const json_t *data, int (*cb)(void *arg, const char *name), void *arg)
{
	(void)data;
	(void)cb;
	(void)arg;
	return RC_OK;
}

static const struct app_kind kind_inbound = {
	.type = "inbound_package",
	.noun = "transfer package",
	.nouns = "transfer packages",
	.act = "package",
	.summary = inbound_summary,
	.names = inbound_names,
	.first_status = "pending",
	.first_stage = "",
};

/* Who changes a case when an acknowledgement arrives through the HTTP inbox: nobody
 * in particular (an empty user id in the history and the audit row). */
static void
xfer_inbox_actor(struct app_actor *out)
{
	memset(out, 0, sizeof(*out));
	str_copy(out->username, sizeof(out->username), "inbox");
}

/* ---- the transfers log of a case ------------------------------------------------ */

static void
xfer_set(json_t *e, const char *key, const char *v)
{
	if (v != NULL && *v != '\0')
		json_object_set_new(e, key, json_string(v));
}

/* Append a new entry {"transfer_kind","transfer_status"} to the log of `body`; the
 * entry is borrowed from it. NULL on out of memory. */
static json_t *
xfer_entry_new(json_t *body, const char *kind, const char *status)
{
	json_t *log = json_object_get(body, TRANSFERS), *e;

	if (!json_is_array(log)) {
		if ((log = json_array()) == NULL ||
		    json_object_set_new(body, TRANSFERS, log) != 0)
			return NULL;
	}
	if ((e = json_pack("{s:s, s:s}", "transfer_kind", kind, "transfer_status",
	    status)) == NULL || json_array_append_new(log, e) != 0)
		return NULL;
	return e;
}

/* The last entry of the log with `key` equal to `value` (and, when `status` is not
 * NULL, that status); borrowed, or NULL. */
static json_t *
xfer_entry_find(json_t *body, const char *key, const char *value, const char *status)
{
	json_t *log = json_object_get(body, TRANSFERS), *e;
	size_t i;

	for (i = json_array_size(log); i > 0; i--) {
		const char *v, *s;

		e = json_array_get(log, i - 1);
		v = json_get_str(e, key);
		s = json_get_str(e, "transfer_status");
		if (v != NULL && strcmp(v, value) == 0 &&
		    (status == NULL || (s != NULL && strcmp(s, status) == 0)))
			return e;
	}
	return NULL;
}

/* The decision part of an entry: status, who, when, why. */
static void
xfer_entry_decide(json_t *e, const char *status, const char *by, const char *reason)
{
	char ts[CLOCK_ISO_SIZE];

	clock_iso(clock_now(), ts);
	json_object_set_new(e, "transfer_status", json_string(status));
	xfer_set(e, "transfer_decided_by", by);
	json_object_set_new(e, "transfer_decided_at", json_string(ts));
	xfer_set(e, "transfer_decision_reason", reason);
}

/* The case `after` is still a valid case (the log's entries are checked by the form
 * as any field is). */
static int
xfer_case_valid(struct app *a, const json_t *after, struct app_error *err)
{
	struct form_context ctx = { 0 };
	char today[DATE_SIZE], joined[200];

	app_today(today);
	ctx.today = today;
	if (form_validate(forms_get(a->forms, "case"), after, &ctx, &err->fields) ==
	    RC_OK)
		return RC_OK;
	form_errors_format(&err->fields, joined, sizeof(joined));
	return app_fail(err, RC_EINVALID, "the transfer cannot be recorded: %s", joined);
}

/* A recipient type is one of lookup-consent-recipient-type (NULL is fine). */
static int
xfer_recipient_ok(struct app *a, const char *field, const char *v,
    struct app_error *err)
{
	const json_t *vals = forms_lookup(a->forms, "lookup-consent-recipient-type"), *t;
	size_t i;

	if (v == NULL)
		return RC_OK;
	json_array_foreach(vals, i, t)
		if (json_get_str(t, "id") != NULL && strcmp(json_get_str(t, "id"), v) == 0)
			return RC_OK;
	return app_fail_field(err, RC_EINVALID, field, "is not one of the options");
}

/* The user `username` as the policy sees them; RC_EINVALID naming `field` when there
 * is none or they are disabled. */
static int
xfer_user(struct app *a, const char *username, const char *field, struct app_actor *out,
    struct app_error *err)
{
	struct app_error ignore = { 0 };
	int rc = app_actor_get(a, username, out, &ignore);

	if (rc == RC_ENOTFOUND || rc == RC_EDENIED)
		return app_fail_field(err, RC_EINVALID, field, "is not an active user");
	if (rc != RC_OK)
		return app_fail(err, rc, "cannot read users");
	return RC_OK;
}

/* ---- inside the instance --------------------------------------------------------- */

int
app_transfer_request(struct app *a, const struct app_actor *u, const char *case_id,
    const json_t *req, json_t **out, struct app_error *err)
{
	static const char *const allowed[] = { "to_user", "to_agency", "reason",
	    "override_reason", "recipient_type", NULL };
	struct store_record c = { 0 };
	struct vault_dk dk = { 0 };
	struct app_actor to = { 0 };
	struct record_meta m;
	json_t *before = NULL, *after = NULL, *saved = NULL, *e;
	const char *to_user, *to_agency, *reason, *override, *recipient, *basis = NULL;
	char to_id[ID_SIZE], to_code[32], from_code[32], ts[CLOCK_ISO_SIZE];
	int rc, txn = 0;

	*out = NULL;
	if (!policy_allows(a->policy, &u->pu, "transfer.request", NULL, NULL)) {
		audit_note(a, u, "transfer.request", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not transfer cases");
	}
	if ((rc = app_req_members(req, allowed, err)) != RC_OK ||
	    (rc = app_req_text(req, "to_user", 63, 0, 0, &to_user, err)) != RC_OK ||
	    (rc = app_req_text(req, "to_agency", 31, 0, 0, &to_agency, err)) != RC_OK ||
	    (rc = app_req_text(req, "reason", TRANSFER_REASON_MAX, 1, 1, &reason, err)) !=
	    RC_OK ||
	    (rc = app_req_text(req, "override_reason", TRANSFER_REASON_MAX, 0, 1,
	    &override, err)) != RC_OK ||
	    (rc = app_req_text(req, "recipient_type", 64, 0, 0, &recipient, err)) !=
	    RC_OK ||
	    (rc = xfer_recipient_ok(a, "recipient_type", recipient, err)) != RC_OK)
		return rc;
	if (to_user != NULL) {
		if ((rc = xfer_user(a, to_user, "to_user", &to, err)) != RC_OK)
			return rc;
		if (to.pu.agency_id[0] == '\0' ||
		    !policy_allows(a->policy, &to.pu, "transfer.receive", NULL, NULL) ||
		    !policy_allows(a->policy, &to.pu, "case.read", NULL, NULL))
			return app_fail_field(err, RC_EINVALID, "to_user", "cannot take "
			    "responsibility for cases");
		str_copy(to_id, sizeof(to_id), to.pu.agency_id);
		app_agency_code(a, to_id, to_code);
		if (to_agency != NULL && strcmp(to_agency, to_code) != 0)
			return app_fail_field(err, RC_EINVALID, "to_agency", "is not the "
			    "agency of to_user");
	} else {
		if (to_agency == NULL)
			return app_fail_field(err, RC_EINVALID, "to_user", "is required, or "
			    "to_agency");
		if ((rc = app_agency_find(a, to_agency, "to_agency", to_id, err)) != RC_OK)
			return rc;
		str_copy(to_code, sizeof(to_code), to_agency);
	}

	if ((rc = store_begin(a->store)) != RC_OK)
		return app_fail(err, rc, "database busy; try again");
	txn = 1;
	if ((rc = app_rec_fetch(a, u, &app_kind_case, case_id, "case.update", &c, err)) !=
	    RC_OK)
		goto out;
	if (strcmp(c.m.status, "open") != 0) {
		rc = app_fail(err, RC_EINVALID, "case %s is closed", c.m.short_id);
		goto out;
	}
	if (c.m.peer_agency_id[0] != '\0') {
		rc = app_fail(err, RC_ECONFLICT, "a transfer of case %s is already waiting "
		    "for an answer", c.m.short_id);
		goto out;
	}
	if (to_user != NULL && strcmp(to.pu.id, c.m.owner_id) == 0) {
		rc = app_fail_field(err, RC_EINVALID, "to_user", "is responsible for the "
		    "case already");
		goto out;
	}
	if (to_user == NULL && strcmp(to_id, c.m.agency_id) == 0) {
		rc = app_fail_field(err, RC_EINVALID, "to_agency", "holds the case already: "
		    "name a user of it");
		goto out;
	}
	if ((rc = app_rec_open(a, &c, &dk, &before, err)) != RC_OK ||
	    (rc = app_consent_gate(a, u, &c, before, "transfer", recipient, override,
	    &basis, NULL, 0, err)) != RC_OK)
		goto out;
	if ((after = json_deep_copy(before)) == NULL ||
	    (e = xfer_entry_new(after, "internal", "pending")) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	clock_iso(clock_now(), ts);
	app_agency_code(a, c.m.agency_id, from_code);
	xfer_set(e, "transfer_to_user", to_user);
	xfer_set(e, "transfer_to_agency", to_code);
	xfer_set(e, "transfer_from_agency", from_code);
	xfer_set(e, "transfer_reason", reason);
	xfer_set(e, "transfer_requested_by", u->username);
	xfer_set(e, "transfer_requested_at", ts);
	xfer_set(e, "transfer_consent", basis);
	if (strcmp(basis, "override") == 0)
		xfer_set(e, "transfer_override_reason", override);
	if ((rc = xfer_case_valid(a, after, err)) != RC_OK)
		goto out;
	m = c.m;
	str_copy(m.peer_agency_id, sizeof(m.peer_agency_id), to_id);
	if ((rc = app_rec_save(a, u, &app_kind_case, &c, &dk, before, after, &m,
	    "transfer.request", &saved, err)) != RC_OK)
		goto out;
	if ((rc = app_handoff_task_put(a, m.id, "transfer", m.short_id,
	    to_user != NULL ? to.pu.id : "", to_id, clock_now() +
	    TRANSFER_ANSWER_SECONDS)) != RC_OK ||
	    (rc = store_commit(a->store)) != RC_OK) {
		rc = app_fail(err, rc, "cannot store the transfer");
		goto out;
	}
	txn = 0;
	*out = json_pack("{s:s, s:s, s:I, s:s, s:s?, s:s}", "case_id", m.id, "short_id",
	    m.short_id, "rev", (json_int_t)m.rev, "status", "pending", "to_user", to_user,
	    "to_agency", to_code);
	rc = *out != NULL ? RC_OK : RC_ENOMEM;
out:
	if (txn)
		store_rollback(a->store);
	audit_flush(a);
	vault_dk_wipe(&dk);
	json_decref(before);
	json_decref(after);
	json_decref(saved);
	store_record_free(&c);
	return rc;
}

int
app_transfer_decide(struct app *a, const struct app_actor *u, const char *case_id,
    const json_t *req, json_t **out, struct app_error *err)
{
	static const char *const allowed[] = { "decision", "reason", "assign_to", NULL };
	struct store_record c = { 0 };
	struct vault_dk dk = { 0 };
	struct app_actor owner = { 0 };
	struct record_meta m;
	enum policy_scope scope = policy_scope(a->policy, &u->pu);
	json_t *before = NULL, *after = NULL, *saved = NULL, *e;
	const char *decision, *reason, *assign_to, *to_user, *why = NULL;
	char act[APP_ACTION_MAX], outcome[64];
	int rc, txn = 0, may, revoke;

	*out = NULL;
	if ((rc = app_req_members(req, allowed, err)) != RC_OK ||
	    (rc = app_req_text(req, "decision", 16, 1, 0, &decision, err)) != RC_OK ||
	    (rc = app_req_text(req, "reason", TRANSFER_REASON_MAX, 0, 1, &reason, err)) !=
	    RC_OK ||
	    (rc = app_req_text(req, "assign_to", 63, 0, 0, &assign_to, err)) != RC_OK)
		return rc;
	if (strcmp(decision, "accepted") != 0 && strcmp(decision, "declined") != 0 &&
	    strcmp(decision, "revoked") != 0)
		return app_fail_field(err, RC_EINVALID, "decision", "must be accepted, "
		    "declined (with a reason) or revoked (by its sender)");
	revoke = strcmp(decision, "revoked") == 0;
	if (strcmp(decision, "declined") == 0 && reason == NULL)
		return app_fail_field(err, RC_EINVALID, "reason", "is required to decline");
	if (assign_to != NULL && strcmp(decision, "accepted") != 0)
		return app_fail_field(err, RC_EINVALID, "assign_to", "goes with an "
		    "acceptance");
	snprintf(act, sizeof(act), "transfer.%s", decision);
	if (case_id == NULL || (!id_is_uuid(case_id) && !id_is_short(case_id)))
		return app_fail(err, RC_ENOTFOUND, "no case with that id");
	if ((rc = store_begin(a->store)) != RC_OK)
		return app_fail(err, rc, "database busy; try again");
	txn = 1;
	if ((rc = store_record_get(a->store, "case", case_id, &c)) != RC_OK) {
		rc = app_fail(err, rc, rc == RC_ENOTFOUND ? "no case %s" :
		    "cannot read cases", case_id);
		goto out;
	}
	/* the sender's side withdraws; the receiving agency's side answers */
	may = revoke ? policy_allows(a->policy, &u->pu, "case.update", &c.m, &why) :
	    policy_allows(a->policy, &u->pu, "transfer.receive", &c.m, &why);
	if (!may) {
		snprintf(outcome, sizeof(outcome), "denied: %s", why);
		audit_note(a, u, act, c.m.id, NULL, outcome);
		rc = app_fail(err, RC_ENOTFOUND, "no case %s", case_id);
		goto out;
	}
	if ((rc = app_rec_open(a, &c, &dk, &before, err)) != RC_OK)
		goto out;
	if ((after = json_deep_copy(before)) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	e = xfer_entry_find(after, "transfer_kind", "internal", "pending");
	if (c.m.peer_agency_id[0] == '\0' || e == NULL) {
		rc = app_fail(err, RC_ECONFLICT, "no transfer of case %s is waiting for an "
		    "answer", c.m.short_id);
		goto out;
	}
	to_user = json_get_str(e, "transfer_to_user");
	if (!revoke && to_user != NULL && strcmp(to_user, u->username) != 0 &&
	    scope != SCOPE_AGENCY && scope != SCOPE_ALL) {
		audit_note(a, u, act, c.m.id, NULL, "denied: addressed to another user");
		rc = app_fail(err, RC_EDENIED, "this transfer is addressed to another user");
		goto out;
	}
	m = c.m;
	if (strcmp(decision, "accepted") == 0) {
		/* the case goes to: the user a supervisor names, else the addressee, else
		 * the one who accepts */
		const char *who = assign_to != NULL ? assign_to : to_user;

		if (assign_to != NULL && scope != SCOPE_AGENCY && scope != SCOPE_ALL) {
			rc = app_fail_field(err, RC_EDENIED, "assign_to", "only a supervisor "
			    "assigns the case to someone else");
			goto out;
		}
		if (who != NULL && strcmp(who, u->username) != 0) {
			if ((rc = xfer_user(a, who, assign_to ? "assign_to" : "to_user",
			    &owner, err)) != RC_OK)
				goto out;
			if (strcmp(owner.pu.agency_id, c.m.peer_agency_id) != 0 ||
			    !policy_allows(a->policy, &owner.pu, "case.read", NULL, NULL)) {
				rc = app_fail_field(err, RC_EINVALID, assign_to ? "assign_to" :
				    "to_user", "cannot take the case in the receiving agency");
				goto out;
			}
		} else
			owner = *u;
		str_copy(m.owner_id, sizeof(m.owner_id), owner.pu.id);
		str_copy(m.agency_id, sizeof(m.agency_id), c.m.peer_agency_id);
		xfer_set(e, "transfer_to_user", owner.username);
	}
	m.peer_agency_id[0] = '\0';
	xfer_entry_decide(e, decision, u->username, reason);
	if ((rc = xfer_case_valid(a, after, err)) != RC_OK ||
	    (rc = app_rec_save(a, u, &app_kind_case, &c, &dk, before, after, &m, act,
	    &saved, err)) != RC_OK)
		goto out;
	if ((rc = app_handoff_task_drop(a, m.id, "transfer")) != RC_OK ||
	    (rc = store_commit(a->store)) != RC_OK) {
		rc = app_fail(err, rc, "cannot store the decision");
		goto out;
	}
	txn = 0;
	{
		char who[64];

		app_username(a, m.owner_id, who);
		*out = json_pack("{s:s, s:s, s:I, s:s, s:s}", "case_id", m.id, "short_id",
		    m.short_id, "rev", (json_int_t)m.rev, "status", decision, "owner", who);
	}
	rc = *out != NULL ? RC_OK : RC_ENOMEM;
out:
	if (txn)
		store_rollback(a->store);
	audit_flush(a);
	vault_dk_wipe(&dk);
	json_decref(before);
	json_decref(after);
	json_decref(saved);
	store_record_free(&c);
	return rc;
}

struct xfer_inbox {
	struct app		*a;
	const struct app_actor	*u;
	json_t			*rows;
};

static int
xfer_inbox_row(void *arg, struct store_record *r)
{
	struct xfer_inbox *c = arg;
	struct vault_dk dk = { 0 };
	json_t *body = NULL, *e, *row = NULL;
	const char *to_user;
	int rc = 0;

	if (!policy_allows(c->a->policy, &c->u->pu, "transfer.receive", &r->m, NULL))
		goto out;
	if ((rc = app_rec_open(c->a, r, &dk, &body, NULL)) != RC_OK)
		goto out;
	if ((e = xfer_entry_find(body, "transfer_kind", "internal", "pending")) == NULL)
		goto out;
	to_user = json_get_str(e, "transfer_to_user");
	/* a caseworker sees what is addressed to them or to the whole agency */
	if (to_user != NULL && strcmp(to_user, c->u->username) != 0 &&
	    policy_scope(c->a->policy, &c->u->pu) == SCOPE_OWN)
		goto out;
	row = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O?, s:O?, s:O?, s:O?, s:O?}",
	    "case_id", r->m.id, "short_id", r->m.short_id, "sex", r->m.sex, "age_band",
	    r->m.age_band, "risk_level", r->m.risk_level,
	    "from_agency", json_object_get(e, "transfer_from_agency"),
	    "requested_by", json_object_get(e, "transfer_requested_by"),
	    "requested_at", json_object_get(e, "transfer_requested_at"),
	    "to_user", json_object_get(e, "transfer_to_user"),
	    "reason", json_object_get(e, "transfer_reason"));
	if (row == NULL || json_array_append_new(c->rows, row) != 0)
		rc = RC_ENOMEM;
out:
	vault_dk_wipe(&dk);
	json_decref(body);
	store_record_free(r);
	return rc;
}

int
app_transfer_inbox(struct app *a, const struct app_actor *u, json_t **out,
    struct app_error *err)
{
	struct store_filter f = { 0 };
	struct xfer_inbox c = { 0 };
	char outcome[64];
	int rc;

	*out = NULL;
	if (!policy_allows(a->policy, &u->pu, "transfer.receive", NULL, NULL)) {
		audit_note(a, u, "transfer.receive", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not receive transfers");
	}
	c.a = a;
	c.u = u;
	if ((c.rows = json_array()) == NULL)
		return RC_ENOMEM;
	if (u->pu.agency_id[0] != '\0') {
		f.type = "case";
		f.peer_agency_id = u->pu.agency_id;
		f.limit = 100;
		if ((rc = store_record_list(a->store, &f, NULL, xfer_inbox_row, &c)) !=
		    RC_OK) {
			json_decref(c.rows);
			return app_fail(err, rc, "cannot list transfers");
		}
	}
	snprintf(outcome, sizeof(outcome), "%zu results", json_array_size(c.rows));
	audit_note(a, u, "transfer.receive", NULL, NULL, outcome);
	*out = json_pack("{s:o}", "data", c.rows);
	return *out != NULL ? RC_OK : RC_ENOMEM;
}

/* ---- partners ------------------------------------------------------------------- */

/* The 86 key characters of `pub`'s identity line. */
static void
xfer_keypart(const struct package_pub *pub, char out[KEYPART_LEN + 1])
{
	char line[PACKAGE_IDENTITY_SIZE];

	out[0] = '\0';
	if (package_identity_string(pub, line, sizeof(line)) != RC_OK)
		return;
	memcpy(out, line + 6, KEYPART_LEN);
	out[KEYPART_LEN] = '\0';
}

int
app_instance_identity(struct app *a, char identity[APP_IDENTITY_SIZE],
    char fingerprint[APP_FINGERPRINT_SIZE], struct app_error *err)
{
	struct package_identity me;
	int rc;

	identity[0] = fingerprint[0] = '\0';
	if ((rc = package_identity(a->vault, &me)) != RC_OK)
		return app_fail(err, rc, "cannot derive this instance's identity");
	rc = package_identity_string(&me.pub, identity, APP_IDENTITY_SIZE);
	package_fingerprint(&me.pub, fingerprint);
	package_identity_wipe(&me);
	return rc;
}

static int
xfer_partner_name_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	return n >= 1 && n <= APP_PARTNER_NAME_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == n &&
	    strchr("._-", s[0]) == NULL;
}

/* The partner document `name` as JSON (caller decrefs); RC_ENOTFOUND. */
static int
xfer_partner_get(struct app *a, const char *name, json_t **out)
{
	struct store_doc d = { 0 };
	int rc;

	*out = NULL;
	if (!xfer_partner_name_ok(name))
		return RC_ENOTFOUND;
	if ((rc = store_doc_get(a->store, PARTNER_KIND, name, &d)) != RC_OK)
		return rc;
	*out = json_loads(d.body, 0, NULL);
	store_doc_free(&d);
	return *out != NULL ? RC_OK : RC_EINTERNAL;
}

/* The partner whose keys are `pub` (caller decrefs); RC_ENOTFOUND. */
static int
xfer_partner_by_keys(struct app *a, const struct package_pub *pub, json_t **out)
{
	struct store_doc d = { 0 };
	char kp[KEYPART_LEN + 1];
	json_t *k;
	int rc;

	*out = NULL;
	xfer_keypart(pub, kp);
	if ((rc = store_doc_get(a->store, PARTNER_KEY_KIND, kp, &d)) != RC_OK)
		return rc;
	k = json_loads(d.body, 0, NULL);
	store_doc_free(&d);
	rc = k != NULL ? xfer_partner_get(a, json_get_str(k, "name"), out) :
	    RC_EINTERNAL;
	json_decref(k);
	return rc;
}

/* package_trust_fn: is the signer a trusted partner? */
static int
xfer_trusted(void *arg, const struct package_pub *sender)
{
	struct app *a = arg;
	struct store_doc d = { 0 };
	char kp[KEYPART_LEN + 1];
	int rc;

	xfer_keypart(sender, kp);
	rc = store_doc_get(a->store, PARTNER_KEY_KIND, kp, &d);
	store_doc_free(&d);
	return rc == RC_OK ? 1 : rc == RC_ENOTFOUND ? 0 : -1;
}

static int
xfer_doc_write(struct app *a, int insert, const char *kind, const char *id,
    const char *ref, const char *owner_id, const char *agency_id, int64_t at,
    const json_t *body)
{
	struct store_doc d = { 0 };
	int rc;

	str_copy(d.kind, sizeof(d.kind), kind);
	if (str_copy(d.id, sizeof(d.id), id) != 0)
		return RC_EINVALID;
	str_copy(d.ref, sizeof(d.ref), ref ? ref : "");
	str_copy(d.owner_id, sizeof(d.owner_id), owner_id ? owner_id : "");
	str_copy(d.agency_id, sizeof(d.agency_id), agency_id ? agency_id : "");
	d.at = at;
	if ((d.body = json_dump_compact(body)) == NULL)
		return RC_ENOMEM;
	rc = insert ? store_doc_insert(a->store, &d) : store_doc_put(a->store, &d);
	free(d.body);
	return rc;
}

int
app_partner_add(struct app *a, const char *name, const char *identity,
    const char *agency, const char *recipient_type, json_t **out, struct app_error *err)
{
	struct package_identity me;
	struct package_pub pub;
	enum package_identity_why why = PACKAGE_IDENTITY_OK;
	char line[PACKAGE_IDENTITY_SIZE], fp[PACKAGE_FINGERPRINT_SIZE], ts[CLOCK_ISO_SIZE];
	char kp[KEYPART_LEN + 1], agency_id[ID_SIZE] = "";
	json_t *doc = NULL, *key = NULL;
	int rc, own;

	*out = NULL;
	if (!xfer_partner_name_ok(name))
		return app_fail_field(err, RC_EINVALID, "name", "use 1 to %d lowercase "
		    "letters, digits, dots, hyphens or underscores", APP_PARTNER_NAME_MAX);
	if (identity == NULL ||
	    package_identity_parse(identity, &pub, &why) != RC_OK)
		return app_fail_field(err, RC_EINVALID, "key", "%s",
		    package_identity_why_text(identity ? why : PACKAGE_IDENTITY_ESHAPE));
	if ((rc = package_identity(a->vault, &me)) != RC_OK)
		return app_fail(err, rc, "cannot derive this instance's identity");
	own = package_pub_equal(&me.pub, &pub);
	package_identity_wipe(&me);
	if (own)
		return app_fail_field(err, RC_EINVALID, "key", "is this instance's own "
		    "identity, not a partner's");
	if (agency != NULL && *agency != '\0' &&
	    (rc = app_agency_find(a, agency, "agency", agency_id, err)) != RC_OK)
		return rc;
	if (recipient_type != NULL && *recipient_type == '\0')
		recipient_type = NULL;
	if ((rc = xfer_recipient_ok(a, "type", recipient_type, err)) != RC_OK)
		return rc;
	package_identity_string(&pub, line, sizeof(line));
	package_fingerprint(&pub, fp);
	xfer_keypart(&pub, kp);
	clock_iso(clock_now(), ts);
	doc = json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s}", "name", name, "identity", line,
	    "fingerprint", fp, "agency", agency_id[0] ? agency : NULL, "recipient_type",
	    recipient_type, "added_at", ts);
	key = json_pack("{s:s}", "name", name);
	if (doc == NULL || key == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	if ((rc = store_begin(a->store)) != RC_OK) {
		rc = app_fail(err, rc, "database busy; try again");
		goto out;
	}
	rc = xfer_doc_write(a, 1, PARTNER_KIND, name, "", "", agency_id, 0, doc);
	if (rc == RC_EEXIST)
		rc = app_fail_field(err, rc, "name", "a partner named %s is trusted "
		    "already", name);
	if (rc == RC_OK) {
		rc = xfer_doc_write(a, 1, PARTNER_KEY_KIND, kp, name, "", "", 0, key);
		if (rc == RC_EEXIST) {
			json_t *other = NULL;

			xfer_partner_by_keys(a, &pub, &other);
			rc = app_fail_field(err, rc, "key", "these keys are trusted already, "
			    "as partner %s", json_get_str(other, "name") ?
			    json_get_str(other, "name") : "(unknown)");
			json_decref(other);
		}
	}
	if (rc == RC_OK)
		rc = audit_write(a, NULL, "partner.add", NULL, NULL, name);
	if (rc == RC_OK)
		rc = store_commit(a->store);
	if (rc != RC_OK) {
		store_rollback(a->store);
		if (err != NULL && err->message[0] == '\0')
			app_fail(err, rc, "cannot store the partner");
		goto out;
	}
	*out = doc;
	doc = NULL;
out:
	json_decref(doc);
	json_decref(key);
	return rc;
}

static int
xfer_partner_row(void *arg, struct store_doc *d)
{
	json_t *rows = arg, *p = json_loads(d->body, 0, NULL);

	store_doc_free(d);
	if (p == NULL)
		return 0;
	return json_array_append_new(rows, p) == 0 ? 0 : RC_ENOMEM;
}

int
app_partner_list(struct app *a, json_t **out, struct app_error *err)
{
	struct store_doc_filter f = { 0 };
	json_t *rows = json_array();
	int rc;

	*out = NULL;
	if (rows == NULL)
		return RC_ENOMEM;
	f.kind = PARTNER_KIND;
	f.limit = STORE_DOC_LIST_MAX;
	if ((rc = store_doc_list(a->store, &f, NULL, xfer_partner_row, rows)) != RC_OK) {
		json_decref(rows);
		return app_fail(err, rc, "cannot list partners");
	}
	*out = json_pack("{s:o}", "data", rows);
	return *out != NULL ? RC_OK : RC_ENOMEM;
}

int
app_partner_remove(struct app *a, const char *name, struct app_error *err)
{
	struct package_pub pub;
	char kp[KEYPART_LEN + 1];
	json_t *p = NULL;
	int rc;

	if ((rc = store_begin(a->store)) != RC_OK)
		return app_fail(err, rc, "database busy; try again");
	rc = xfer_partner_get(a, name, &p);
	if (rc == RC_ENOTFOUND) {
		rc = app_fail_field(err, RC_EINVALID, "name", "no partner named %s",
		    name ? name : "");
		goto out;
	}
	if (rc != RC_OK || package_identity_parse(json_get_str(p, "identity"), &pub,
	    NULL) != RC_OK) {
		rc = app_fail(err, rc != RC_OK ? rc : RC_EINTERNAL, "cannot read partners");
		goto out;
	}
	xfer_keypart(&pub, kp);
	if ((rc = store_doc_delete(a->store, PARTNER_KIND, name)) != RC_OK ||
	    ((rc = store_doc_delete(a->store, PARTNER_KEY_KIND, kp)) != RC_OK &&
	    rc != RC_ENOTFOUND) ||
	    (rc = audit_write(a, NULL, "partner.remove", NULL, NULL, name)) != RC_OK ||
	    (rc = store_commit(a->store)) != RC_OK) {
		rc = app_fail(err, rc, "cannot remove the partner");
		goto out;
	}
out:
	if (rc != RC_OK)
		store_rollback(a->store);
	json_decref(p);
	return rc;
}

/* ---- packages: refusals --------------------------------------------------------- */

/* Fail naming the reason `name` ("signature"): err->fields.e[0] = {"package", name},
 * message "name: ...". */
static int
xfer_refused(struct app_error *err, int rc, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
xfer_refused(struct app_error *err, int rc, const char *name, const char *fmt, ...)
{
	char text[200];
	va_list ap;

	if (err == NULL)
		return rc;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	str_copy(err->fields.e[0].field, sizeof(err->fields.e[0].field), "package");
	str_copy(err->fields.e[0].problem, sizeof(err->fields.e[0].problem), name);
	err->fields.n = 1;
	err->fields.dropped = 0;
	snprintf(err->message, sizeof(err->message), "%s: %s", name, text);
	return rc;
}

/* Audit a refused package: the reason, and the signer's fingerprint once known. */
static void
xfer_refusal_note(struct app *a, const struct app_actor *u, const char *name,
    const struct package_pub *signer)
{
	char outcome[64], fp[PACKAGE_FINGERPRINT_SIZE];

	if (signer != NULL) {
		package_fingerprint(signer, fp);
		snprintf(outcome, sizeof(outcome), "refused: %s from %s", name, fp);
	} else
		snprintf(outcome, sizeof(outcome), "refused: %s", name);
	audit_note(a, u, "package.refused", NULL, NULL, outcome);
}

/* ---- packages: sending ---------------------------------------------------------- */

int
app_transfer_export(struct app *a, const struct app_actor *u,
    const struct app_transfer_export *x, app_deliver_fn deliver, void *arg,
    json_t **out, struct app_error *err)
{
	struct store_record c = { 0 };
	struct vault_dk dk = { 0 };
	struct package_identity me;
	struct package_pub pub;
	struct form_errors fe = { 0 };
	struct form_context ctx = { 0 };
	struct record_meta m;
	struct buf pkg = BUF_INIT;
	json_t *partner = NULL, *before = NULL, *after = NULL, *saved = NULL, *picked = NULL;
	json_t *ids = NULL, *payload = NULL, *log = NULL, *e;
	const char *recipient, *basis = NULL, *status;
	char pkg_id[PACKAGE_ID_SIZE], fp[PACKAGE_FINGERPRINT_SIZE], pfp[PACKAGE_FINGERPRINT_SIZE];
	char needed[320], today[DATE_SIZE], now_iso[CLOCK_ISO_SIZE], exp_iso[CLOCK_ISO_SIZE];
	char code[32], kp[KEYPART_LEN + 1], joined[160], outcome[64];
	int64_t now = clock_now(), ttl = x->ttl > 0 ? x->ttl : PACKAGE_TTL_DEFAULT;
	int rc, txn = 0, have_me = 0, delivered = 0;
	char *text = NULL;

	*out = NULL;
	if (!policy_allows(a->policy, &u->pu, "transfer.export", NULL, NULL)) {
		audit_note(a, u, "transfer.export", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not transfer cases to "
		    "partners");
	}
	if (x->reason == NULL || *x->reason == '\0')
		return app_fail_field(err, RC_EINVALID, "reason", "is required");
	{
		json_t *r = json_pack("{s:s, s:s?}", "reason", x->reason, "override_reason",
		    x->override_reason);
		const char *ignore;

		rc = r == NULL ? RC_ENOMEM :
		    app_req_text(r, "reason", TRANSFER_REASON_MAX, 1, 1, &ignore, err);
		if (rc == RC_OK)
			rc = app_req_text(r, "override_reason", TRANSFER_REASON_MAX, 0, 1,
			    &ignore, err);
		json_decref(r);
		if (rc != RC_OK)
			return rc;
	}
	if (x->ttl < 0 || x->ttl > PACKAGE_TTL_MAX)
		return app_fail_field(err, RC_EINVALID, "ttl", "must be 1 to %d seconds",
		    PACKAGE_TTL_MAX);
	rc = xfer_partner_get(a, x->partner, &partner);
	if (rc == RC_ENOTFOUND)
		return app_fail_field(err, RC_EINVALID, "to", "is not a trusted partner");
	if (rc != RC_OK)
		return app_fail(err, rc, "cannot read partners");
	if (package_identity_parse(json_get_str(partner, "identity"), &pub, NULL) !=
	    RC_OK) {
		rc = app_fail(err, RC_EINTERNAL, "partner %s has unusable keys", x->partner);
		goto out;
	}
	recipient = json_get_str(partner, "recipient_type");
	if ((rc = package_identity(a->vault, &me)) != RC_OK) {
		rc = app_fail(err, rc, "cannot derive this instance's identity");
		goto out;
	}
	have_me = 1;

	if ((rc = store_begin(a->store)) != RC_OK) {
		rc = app_fail(err, rc, "database busy; try again");
		goto out;
	}
	txn = 1;
	if ((rc = app_rec_fetch(a, u, &app_kind_case, x->case_id, "transfer.export", &c,
	    err)) != RC_OK)
		goto out;
	if ((rc = app_rec_open(a, &c, &dk, &before, err)) != RC_OK ||
	    (rc = app_consent_gate(a, u, &c, before, "transfer", recipient,
	    x->override_reason, &basis, needed, sizeof(needed), err)) != RC_OK ||
	    (rc = app_case_pick(a, u, before, x->fields, 1, &picked, &ids, err)) != RC_OK)
		goto out;
	/* the partner registers it as a case: it must be one */
	app_today(today);
	ctx.today = today;
	if (form_validate(forms_get(a->forms, "case"), picked, &ctx, &fe) != RC_OK) {
		form_errors_format(&fe, joined, sizeof(joined));
		rc = app_fail_field(err, RC_EINVALID, "fields", "the fields chosen do not "
		    "make a case the partner can register: %s", joined);
		goto out;
	}

	package_fingerprint(&me.pub, fp);
	package_fingerprint(&pub, pfp);
	xfer_keypart(&pub, kp);
	app_agency_code(a, c.m.agency_id, code);
	clock_iso(now, now_iso);
	clock_iso(now + ttl, exp_iso);
	payload = json_pack("{s:s, s:O, s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, "
	    "s:{s:s, s:s, s:s?, s:s, s:s, s:s?}}}",
	    "kind", "case", "case", picked, "provenance",
	    "instance", fp, "agency", code, "caseworker_role", u->pu.role,
	    "case_id", c.m.id, "case_short_id", c.m.short_id, "reason", x->reason,
	    "sent_at", now_iso, "consent",
	    "basis", basis, "purpose", "transfer", "recipient_type", recipient,
	    "needed", needed, "checked_on", today, "override_reason",
	    strcmp(basis, "override") == 0 ? x->override_reason : NULL);
	if (payload == NULL || (text = json_dump_compact(payload)) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	rc = package_seal(&me, &pub, text, strlen(text), now, ttl, &pkg, pkg_id);
	if (rc == RC_ETOOBIG) {
		rc = app_fail_field(err, RC_ETOOBIG, "fields", "the case is too large for "
		    "one package: choose fewer fields");
		goto out;
	}
	if (rc != RC_OK) {
		rc = app_fail(err, rc, "cannot seal the package");
		goto out;
	}
	/* to its carrier first: nothing is recorded for a package that did not leave */
	if (deliver != NULL &&
	    (rc = deliver(arg, pkg.p, pkg.len, &delivered, err)) != RC_OK)
		goto out;
	status = delivered ? "delivered" : "sent";

	if ((after = json_deep_copy(before)) == NULL ||
	    (e = xfer_entry_new(after, "outgoing", status)) == NULL ||
	    (log = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "package_id", pkg_id,
	    "partner", x->partner, "partner_key", kp, "case_id", c.m.id, "status", status,
	    "sent_at", now_iso, "expires_at", exp_iso)) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	xfer_set(e, "transfer_partner", x->partner);
	xfer_set(e, "transfer_partner_fingerprint", pfp);
	xfer_set(e, "transfer_package_id", pkg_id);
	xfer_set(e, "transfer_from_agency", code);
	xfer_set(e, "transfer_reason", x->reason);
	xfer_set(e, "transfer_requested_by", u->username);
	xfer_set(e, "transfer_requested_at", now_iso);
	xfer_set(e, "transfer_consent", basis);
	if (strcmp(basis, "override") == 0)
		xfer_set(e, "transfer_override_reason", x->override_reason);
	m = c.m;
	snprintf(outcome, sizeof(outcome), "package %s to %s", pkg_id, x->partner);
	if ((rc = xfer_case_valid(a, after, err)) != RC_OK ||
	    (rc = app_rec_save(a, u, &app_kind_case, &c, &dk, before, after, &m,
	    "transfer.export", &saved, err)) != RC_OK)
		goto out;
	if ((rc = xfer_doc_write(a, 1, PACKAGE_OUT_KIND, pkg_id, c.m.id, u->pu.id,
	    u->pu.agency_id, now, log)) != RC_OK ||
	    (rc = audit_write(a, u, "package.sealed", c.m.id, ids, outcome)) != RC_OK ||
	    (rc = store_commit(a->store)) != RC_OK) {
		rc = app_fail(err, rc, "the package left but cannot be recorded: %s",
		    rc_name(rc));
		goto out;
	}
	txn = 0;
	*out = json_pack("{s:s, s:s, s:s, s:s, s:O, s:s, s:s}", "package_id", pkg_id,
	    "partner", x->partner, "case_id", c.m.id, "short_id", c.m.short_id, "fields",
	    ids, "expires_at", exp_iso, "status", status);
	rc = *out != NULL ? RC_OK : RC_ENOMEM;
out:
	if (txn)
		store_rollback(a->store);
	audit_flush(a);
	if (have_me)
		package_identity_wipe(&me);
	vault_dk_wipe(&dk);
	if (text != NULL) {
		sodium_memzero(text, strlen(text));
		free(text);
	}
	buf_free(&pkg);
	json_decref(partner);
	json_decref(before);
	json_decref(after);
	json_decref(saved);
	json_decref(picked);
	json_decref(ids);
	json_decref(payload);
	json_decref(log);
	store_record_free(&c);
	return rc;
}

/* ---- packages: receiving --------------------------------------------------------- */

/* Insert a new record `m` (id, type, status, owner, agency set) with `body` sealed
 * under a fresh key, in the caller's transaction; m->short_id, rev and times are
 * filled here. */
static int
xfer_record_insert(struct app *a, struct record_meta *m, const json_t *body)
{
	struct vault_dk dk;
	uint8_t wrapped[VAULT_WRAPPED_BYTES], *sealed = NULL;
	char ad[VAULT_AD_MAX], *text;
	size_t adlen, n;
	int rc = RC_ENOMEM, tries;

	m->rev = 1;
	m->created_at = m->updated_at = clock_now();
	if ((adlen = vault_ad(ad, m->id, m->type, m->rev)) == 0)
		return RC_EINTERNAL;
	if ((text = json_dump_compact(body)) == NULL)
		return RC_ENOMEM;
	n = strlen(text);
	vault_dk_new(&dk);
	vault_dk_wrap(a->vault, m->id, &dk, wrapped);
	if (n <= SIZE_MAX - VAULT_SEAL_OVERHEAD &&
	    (sealed = malloc(n + VAULT_SEAL_OVERHEAD)) != NULL)
		rc = vault_seal(&dk, ad, adlen, (const uint8_t *)text, n, sealed);
	vault_dk_wipe(&dk);
	sodium_memzero(text, n);
	free(text);
	for (tries = 0; rc == RC_OK && tries < SHORT_ID_TRIES; tries++) {
		id_short(m->short_id);
		rc = store_record_insert(a->store, m, wrapped, sizeof(wrapped), sealed,
		    n + VAULT_SEAL_OVERHEAD);
		if (rc != RC_EEXIST)
			break;
	}
	free(sealed);
	return rc;
}

/* Hold a case package for a supervisor's decision. */
static int
xfer_hold(struct app *a, const struct app_actor *u, const struct package_opened *op,
    json_t **out, struct app_error *err)
{
	struct record_meta m = { 0 };
	json_t *payload = NULL, *partner = NULL, *doc = NULL, *body = NULL;
	char fp[PACKAGE_FINGERPRINT_SIZE], line[PACKAGE_IDENTITY_SIZE];
	char now_iso[CLOCK_ISO_SIZE], made[CLOCK_ISO_SIZE], exp[CLOCK_ISO_SIZE];
	char agency_id[ID_SIZE], outcome[64];
	const char *name;
	int rc, txn = 0;

	payload = json_loadb(op->payload, op->payload_len, 0, NULL);
	if (!json_is_object(payload) ||
	    !json_is_object(json_object_get(payload, "case")) ||
	    !json_is_object(json_object_get(payload, "provenance"))) {
		xfer_refusal_note(a, u, "payload", &op->sender);
		rc = xfer_refused(err, RC_EINVALID, "payload", "the package holds no case "
		    "with its provenance");
		goto out;
	}
	if ((rc = xfer_partner_by_keys(a, &op->sender, &partner)) != RC_OK) {
		/* trusted a moment ago: removed in between */
		xfer_refusal_note(a, u, "unknown_sender", &op->sender);
		rc = xfer_refused(err, RC_EDENIED, "unknown_sender", "the sender is not a "
		    "trusted partner");
		goto out;
	}
	name = json_get_str(partner, "name");
	agency_id[0] = '\0';
	if (u != NULL)
		str_copy(agency_id, sizeof(agency_id), u->pu.agency_id);
	else if (json_get_str(partner, "agency") != NULL) {
		struct app_error ignore = { 0 };

		app_agency_find(a, json_get_str(partner, "agency"), "agency", agency_id,
		    &ignore);
	}
	if (agency_id[0] == '\0') {
		xfer_refusal_note(a, u, "no_receiving_agency", &op->sender);
		rc = xfer_refused(err, RC_EDENIED, "no_receiving_agency", "no agency "
		    "receives this partner's packages: the operator names one with "
		    "\"routecare partner add --agency\", or a supervisor imports the file");
		goto out;
	}
	package_fingerprint(&op->sender, fp);
	package_identity_string(&op->sender, line, sizeof(line));
	clock_iso(clock_now(), now_iso);
	clock_iso(op->created_at, made);
	clock_iso(op->expires_at, exp);
	id_uuid7(m.id);
	str_copy(m.type, sizeof(m.type), kind_inbound.type);
	str_copy(m.status, sizeof(m.status), "pending");
	str_copy(m.owner_id, sizeof(m.owner_id), u != NULL ? u->pu.id : "");
	str_copy(m.agency_id, sizeof(m.agency_id), agency_id);
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "direction", "in",
	    "kind", package_kind_name(op->kind), "package_id", op->id, "partner", name,
	    "fingerprint", fp, "status", "pending", "received_at", now_iso,
	    "expires_at", exp, "record_id", m.id);
	body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:O}",
	    "package_id", op->id, "kind", package_kind_name(op->kind), "partner", name,
	    "fingerprint", fp, "sender_identity", line, "received_at", now_iso,
	    "created_at", made, "expires_at", exp, "status", "pending", "payload",
	    payload);
	if (doc == NULL || body == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	if ((rc = store_begin(a->store)) != RC_OK) {
		rc = app_fail(err, rc, "database busy; try again");
		goto out;
	}
	txn = 1;
	rc = xfer_doc_write(a, 1, PACKAGE_IN_KIND, op->id, m.id, m.owner_id, agency_id,
	    clock_now(), doc);
	if (rc == RC_EEXIST) {
		store_rollback(a->store);
		txn = 0;
		xfer_refusal_note(a, u, "replay", &op->sender);
		rc = xfer_refused(err, RC_EEXIST, "replay", "package %s was imported "
		    "already", op->id);
		goto out;
	}
	snprintf(outcome, sizeof(outcome), "from %s", name);
	if (rc != RC_OK || (rc = xfer_record_insert(a, &m, body)) != RC_OK ||
	    (rc = audit_write(a, u, "package.received", m.id, NULL, outcome)) != RC_OK ||
	    (rc = store_commit(a->store)) != RC_OK) {
		rc = app_fail(err, rc, "cannot store the package");
		goto out;
	}
	txn = 0;
	*out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "package_id", op->id, "kind",
	    package_kind_name(op->kind), "status", "pending", "partner", name,
	    "fingerprint", fp, "expires_at", exp);
	rc = *out != NULL ? RC_OK : RC_ENOMEM;
out:
	if (txn)
		store_rollback(a->store);
	json_decref(payload);
	json_decref(partner);
	json_decref(doc);
	json_decref(body);
	return rc;
}

/* An acknowledgement: the answer to a package we sent. */
static int
xfer_ack_apply(struct app *a, const struct app_actor *u, const struct package_opened *op,
    json_t **out, struct app_error *err)
{
	struct store_doc od = { 0 };
	struct store_record c = { 0 };
	struct vault_dk dk = { 0 };
	struct app_actor inbox;
	struct record_meta m;
	enum package_decision d;
	json_t *sent = NULL, *doc = NULL, *before = NULL, *after = NULL, *saved = NULL, *e;
	char orig[PACKAGE_ID_SIZE], reason[PACKAGE_REASON_MAX + 1], kp[KEYPART_LEN + 1];
	char now_iso[CLOCK_ISO_SIZE], fp[PACKAGE_FINGERPRINT_SIZE];
	const char *decision, *partner, *status;
	int rc, txn = 0;

	if (package_ack_read(op->payload, op->payload_len, orig, &d, reason,
	    sizeof(reason)) != RC_OK) {
		xfer_refusal_note(a, u, "payload", &op->sender);
		return xfer_refused(err, RC_EINVALID, "payload", "not an acknowledgement "
		    "of the expected shape");
	}
	decision = d == PACKAGE_ACCEPTED ? "accepted" : "declined";
	if ((rc = store_begin(a->store)) != RC_OK)
		return app_fail(err, rc, "database busy; try again");
	txn = 1;
	rc = store_doc_get(a->store, PACKAGE_OUT_KIND, orig, &od);
	if (rc == RC_ENOTFOUND) {
		store_rollback(a->store);
		txn = 0;
		xfer_refusal_note(a, u, "unknown_package", &op->sender);
		rc = xfer_refused(err, RC_ENOTFOUND, "unknown_package", "it acknowledges "
		    "a package this instance did not send");
		goto out;
	}
	if (rc != RC_OK || (sent = json_loads(od.body, 0, NULL)) == NULL) {
		rc = app_fail(err, rc != RC_OK ? rc : RC_EINTERNAL, "cannot read the "
		    "package log");
		goto out;
	}
	xfer_keypart(&op->sender, kp);
	partner = json_get_str(sent, "partner");
	if (json_get_str(sent, "partner_key") == NULL ||
	    strcmp(json_get_str(sent, "partner_key"), kp) != 0) {
		store_rollback(a->store);
		txn = 0;
		xfer_refusal_note(a, u, "wrong_sender", &op->sender);
		rc = xfer_refused(err, RC_EDENIED, "wrong_sender", "the acknowledgement "
		    "does not come from the partner the package was sent to");
		goto out;
	}
	package_fingerprint(&op->sender, fp);
	clock_iso(clock_now(), now_iso);
	doc = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "direction", "in",
	    "kind", "ack", "package_id", op->id, "acknowledges", orig, "decision",
	    decision, "partner", partner ? partner : "", "fingerprint", fp,
	    "received_at", now_iso);
	if (doc == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	rc = xfer_doc_write(a, 1, PACKAGE_IN_KIND, op->id, json_get_str(sent, "case_id"),
	    "", od.agency_id, clock_now(), doc);
	if (rc == RC_EEXIST) {
		store_rollback(a->store);
		txn = 0;
		xfer_refusal_note(a, u, "replay", &op->sender);
		rc = xfer_refused(err, RC_EEXIST, "replay", "package %s was imported "
		    "already", op->id);
		goto out;
	}
	if (rc != RC_OK)
		goto fail;
	/* a second answer (another package) to what was answered already */
	status = json_get_str(sent, "status");
	if (status != NULL && (strcmp(status, "accepted") == 0 ||
	    strcmp(status, "declined") == 0)) {
		store_rollback(a->store);
		txn = 0;
		xfer_refusal_note(a, u, "already_acknowledged", &op->sender);
		rc = xfer_refused(err, RC_ECONFLICT, "already_acknowledged", "package %s "
		    "was acknowledged already", orig);
		goto out;
	}
	/* the case that was sent: its log line takes the answer (an erased case has
	 * nothing to update) */
	rc = json_get_str(sent, "case_id") != NULL ? store_record_get(a->store, "case",
	    json_get_str(sent, "case_id"), &c) : RC_ENOTFOUND;
	if (rc == RC_OK) {
		if (u == NULL)
			xfer_inbox_actor(&inbox);
		if ((rc = app_rec_open(a, &c, &dk, &before, err)) != RC_OK)
			goto out;
		if ((after = json_deep_copy(before)) == NULL) {
			rc = RC_ENOMEM;
			goto out;
		}
		if ((e = xfer_entry_find(after, "transfer_package_id", orig, NULL)) !=
		    NULL) {
			xfer_entry_decide(e, decision, partner, reason);
			m = c.m;
			if ((rc = xfer_case_valid(a, after, err)) != RC_OK ||
			    (rc = app_rec_save(a, u != NULL ? u : &inbox, &app_kind_case,
			    &c, &dk, before, after, &m, "transfer.acknowledged", &saved,
			    err)) != RC_OK)
				goto out;
		}
	} else if (rc != RC_ENOTFOUND)
		goto fail;
	json_object_set_new(sent, "status", json_string(decision));
	json_object_set_new(sent, "acknowledged_at", json_string(now_iso));
	if ((rc = xfer_doc_write(a, 0, PACKAGE_OUT_KIND, orig, od.ref, od.owner_id,
	    od.agency_id, od.at, sent)) != RC_OK ||
	    (rc = audit_write(a, u, "package.acknowledged", c.m.id[0] ? c.m.id : NULL,
	    NULL, decision)) != RC_OK ||
	    (rc = store_commit(a->store)) != RC_OK)
		goto fail;
	txn = 0;
	*out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "package_id", op->id,
	    "kind", "ack", "status", "acknowledged", "acknowledges", orig, "decision",
	    decision, "partner", partner ? partner : "", "fingerprint", fp);
	if (*out != NULL && c.m.id[0] != '\0')
		json_object_set_new(*out, "case_id", json_string(c.m.id));
	rc = *out != NULL ? RC_OK : RC_ENOMEM;
	goto out;
fail:
	rc = app_fail(err, rc, "cannot record the acknowledgement");
out:
	if (txn)
		store_rollback(a->store);
	vault_dk_wipe(&dk);
	store_doc_free(&od);
	json_decref(sent);
	json_decref(doc);
	json_decref(before);
	json_decref(after);
	json_decref(saved);
	store_record_free(&c);
	return rc;
}

int
app_package_import(struct app *a, const struct app_actor *u, const char *text, size_t n,
    json_t **out, struct app_error *err)
{
	struct package_identity me;
	struct package_opened op;
	enum package_why why = PACKAGE_OK;
	int rc;

	*out = NULL;
	memset(&op, 0, sizeof(op));
	if (u != NULL && !policy_allows(a->policy, &u->pu, "transfer.import", NULL, NULL)) {
		audit_note(a, u, "transfer.import", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not import packages");
	}
	if ((rc = package_identity(a->vault, &me)) != RC_OK)
		return app_fail(err, rc, "cannot derive this instance's identity");
	rc = package_open(&me, xfer_trusted, a, text, n, clock_now(), &op, &why);
	package_identity_wipe(&me);
	if (rc != RC_OK) {
		xfer_refusal_note(a, u, package_why_name(why), op.id[0] ? &op.sender : NULL);
		rc = xfer_refused(err, rc, package_why_name(why), "%s",
		    package_why_text(why));
	} else if (op.kind == PACKAGE_KIND_ACK)
		rc = xfer_ack_apply(a, u, &op, out, err);
	else
		rc = xfer_hold(a, u, &op, out, err);
	audit_flush(a);
	package_opened_free(&op);
	return rc;
}

/* ---- packages: deciding ---------------------------------------------------------- */

/* A held package: its log document (columns and parsed body). */
struct xfer_held {
	struct store_doc	 d;
	json_t			*log;
};

static void
xfer_held_free(struct xfer_held *h)
{
	store_doc_free(&h->d);
	json_decref(h->log);
	memset(h, 0, sizeof(*h));
}

/*
 * The log document of package `id` (a package id) for `u`: when u may review packages
 * and it is held for u's agency. RC_ENOTFOUND otherwise (the denial audited).
 */
static int
xfer_held_get(struct app *a, const struct app_actor *u, const char *id,
    struct xfer_held *h, struct app_error *err)
{
	int rc;

	memset(h, 0, sizeof(*h));
	if (!policy_allows(a->policy, &u->pu, "transfer.import", NULL, NULL)) {
		audit_note(a, u, "transfer.import", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not review packages");
	}
	if (id == NULL || strlen(id) != PACKAGE_ID_LEN ||
	    strspn(id, "0123456789abcdef") != PACKAGE_ID_LEN)
		return app_fail(err, RC_ENOTFOUND, "no package with that id");
	rc = store_doc_get(a->store, PACKAGE_IN_KIND, id, &h->d);
	if (rc == RC_ENOTFOUND)
		return app_fail(err, rc, "no package %s", id);
	if (rc != RC_OK)
		return app_fail(err, rc, "cannot read the package log");
	if (strcmp(h->d.agency_id, u->pu.agency_id) != 0 ||
	    (h->log = json_loads(h->d.body, 0, NULL)) == NULL ||
	    strcmp(json_get_str(h->log, "direction") ? json_get_str(h->log, "direction") :
	    "", "in") != 0 || strcmp(json_get_str(h->log, "kind") ?
	    json_get_str(h->log, "kind") : "", "ack") == 0) {
		audit_note(a, u, "package.read", NULL, NULL,
		    "denied: not held for the user's agency");
		xfer_held_free(h);
		return app_fail(err, RC_ENOTFOUND, "no package %s", id);
	}
	return RC_OK;
}

/* The sealed record of a pending package. */
static int
xfer_held_record(struct app *a, const struct xfer_held *h, struct store_record *r,
    struct app_error *err)
{
	const char *rid = json_get_str(h->log, "record_id");
	int rc;

	if (rid == NULL)
		return app_fail(err, RC_ENOTFOUND, "the package's contents are gone");
	if ((rc = store_record_get(a->store, kind_inbound.type, rid, r)) != RC_OK)
		return app_fail(err, rc, rc == RC_ENOTFOUND ? "the package's contents are "
		    "gone" : "cannot read the package");
	return RC_OK;
}

static int
xfer_doc_row(void *arg, struct store_doc *d)
{
	json_t **ctx = arg, *p = json_loads(d->body, 0, NULL);
	const char *status = json_string_value(ctx[1]);

	store_doc_free(d);
	if (p == NULL || strcmp(json_get_str(p, "kind") ? json_get_str(p, "kind") : "",
	    "ack") == 0 || (status != NULL && (json_get_str(p, "status") == NULL ||
	    strcmp(json_get_str(p, "status"), status) != 0))) {
		json_decref(p);
		return 0;
	}
	json_object_del(p, "record_id");
	json_object_del(p, "ack");
	return json_array_append_new(ctx[0], p) == 0 ? 0 : RC_ENOMEM;
}

int
app_package_list(struct app *a, const struct app_actor *u, const char *status,
    json_t **out, struct app_error *err)
{
	struct store_doc_filter f = { 0 };
	json_t *ctx[2] = { NULL, NULL };
	char outcome[64];
	int rc;

	*out = NULL;
	if (!policy_allows(a->policy, &u->pu, "transfer.import", NULL, NULL)) {
		audit_note(a, u, "package.list", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not review packages");
	}
	if (status != NULL && *status != '\0' && strcmp(status, "pending") != 0 &&
	    strcmp(status, "accepted") != 0 && strcmp(status, "declined") != 0)
		return app_fail(err, RC_EINVALID, "status: pending, accepted or declined");
	if ((ctx[0] = json_array()) == NULL)
		return RC_ENOMEM;
	if (status != NULL && *status != '\0')
		ctx[1] = json_string(status);
	if (u->pu.agency_id[0] != '\0') {
		f.kind = PACKAGE_IN_KIND;
		f.agency_id = u->pu.agency_id;
		f.descending = 1;
		f.limit = 200;
		if ((rc = store_doc_list(a->store, &f, NULL, xfer_doc_row, ctx)) != RC_OK) {
			json_decref(ctx[0]);
			json_decref(ctx[1]);
			return app_fail(err, rc, "cannot read the package log");
		}
	}
	json_decref(ctx[1]);
	snprintf(outcome, sizeof(outcome), "%zu results", json_array_size(ctx[0]));
	audit_note(a, u, "package.list", NULL, NULL, outcome);
	*out = json_pack("{s:o}", "data", ctx[0]);
	return *out != NULL ? RC_OK : RC_ENOMEM;
}

int
app_package_get(struct app *a, const struct app_actor *u, const char *id, json_t **out,
    struct app_error *err)
{
	const struct form *cf = forms_get(a->forms, "case");
	struct xfer_held h;
	struct store_record r = { 0 };
	struct vault_dk dk = { 0 };
	json_t *body = NULL, *view = NULL, *shown = NULL, *unknown = NULL, *v;
	const json_t *payload;
	const char *key;
	int rc;

	*out = NULL;
	if ((rc = xfer_held_get(a, u, id, &h, err)) != RC_OK)
		return rc;
	if (strcmp(json_get_str(h.log, "status") ? json_get_str(h.log, "status") : "",
	    "pending") != 0) {
		/* decided: its contents were erased; the log is what is left */
		if ((view = json_deep_copy(h.log)) == NULL) {
			rc = RC_ENOMEM;
			goto out;
		}
		json_object_del(view, "ack");
		json_object_del(view, "record_id");
		json_object_del(view, "direction");
		*out = view;
		view = NULL;
		goto out;
	}
	if ((rc = xfer_held_record(a, &h, &r, err)) != RC_OK ||
	    (rc = app_rec_open(a, &r, &dk, &body, err)) != RC_OK)
		goto out;
	if ((view = json_deep_copy(body)) == NULL || (shown = json_object()) == NULL ||
	    (unknown = json_array()) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	payload = json_object_get(body, "payload");
	json_object_del(view, "payload");
	json_object_del(view, "sender_identity");
	json_object_set(view, "provenance", json_object_get(payload, "provenance") ?
	    json_object_get(payload, "provenance") : json_null());
	/* the case as it would be registered: the fields of our form the reviewer's
	 * role may see; what our form does not know is named, not shown */
	json_object_foreach(json_object_get(payload, "case"), key, v) {
		const struct form_field *f = form_field_find(cf, key);

		if (f == NULL || f->system)
			json_array_append_new(unknown, json_string(key));
		else if (policy_field_visible(a->policy, &u->pu, f->sensitivity))
			json_object_set(shown, key, v);
	}
	json_object_set(view, "case", shown);
	json_object_set(view, "unknown_fields", unknown);
	*out = view;
	view = NULL;
out:
	audit_note(a, u, "package.read", r.m.id[0] ? r.m.id : NULL, NULL,
	    rc == RC_OK ? "ok" : rc_name(rc));
	vault_dk_wipe(&dk);
	json_decref(body);
	json_decref(view);
	json_decref(shown);
	json_decref(unknown);
	store_record_free(&r);
	xfer_held_free(&h);
	return rc;
}

/* Register the case a package brought, owned by `owner`, its log line naming where it
 * came from. `*case_ref` = {"id","short_id","rev"}; `*dropped` the field ids our form
 * does not have. In the caller's transaction. */
static int
xfer_register(struct app *a, const struct app_actor *u, const struct app_actor *owner,
    const json_t *body, json_t **case_ref, json_t **dropped, struct app_error *err)
{
	const struct form *cf = forms_get(a->forms, "case");
	const json_t *payload = json_object_get(body, "payload");
	const json_t *prov = json_object_get(payload, "provenance");
	const json_t *consent = json_object_get(prov, "consent");
	struct store_record c = { 0 };
	struct vault_dk dk = { 0 };
	struct record_meta m;
	json_t *fields = NULL, *before = NULL, *after = NULL, *saved = NULL, *e, *v;
	char origin[160], now_iso[CLOCK_ISO_SIZE];
	const char *key;
	int rc;

	*case_ref = NULL;
	if ((fields = json_object()) == NULL || (*dropped = json_array()) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	json_object_foreach(json_object_get(payload, "case"), key, v) {
		const struct form_field *f = form_field_find(cf, key);

		if (f == NULL || f->system)
			json_array_append_new(*dropped, json_string(key));
		else
			json_object_set(fields, key, v);
	}
	if ((rc = app_record_create(a, u, "case", fields, case_ref, err)) != RC_OK)
		goto out;
	if ((rc = store_record_get(a->store, "case", json_get_str(*case_ref, "id"), &c)) !=
	    RC_OK || (rc = app_rec_open(a, &c, &dk, &before, err)) != RC_OK)
		goto out;
	if ((after = json_deep_copy(before)) == NULL ||
	    (e = xfer_entry_new(after, "incoming", "accepted")) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	snprintf(origin, sizeof(origin), "%s %s", json_get_str(prov, "case_short_id") ?
	    json_get_str(prov, "case_short_id") : "",
	    json_get_str(prov, "case_id") ? json_get_str(prov, "case_id") : "");
	clock_iso(clock_now(), now_iso);
	xfer_set(e, "transfer_partner", json_get_str(body, "partner"));
	xfer_set(e, "transfer_partner_fingerprint", json_get_str(body, "fingerprint"));
	xfer_set(e, "transfer_package_id", json_get_str(body, "package_id"));
	xfer_set(e, "transfer_from_agency", json_get_str(prov, "agency"));
	xfer_set(e, "transfer_origin_case", origin[0] != ' ' ? origin : NULL);
	xfer_set(e, "transfer_origin_role", json_get_str(prov, "caseworker_role"));
	xfer_set(e, "transfer_reason", json_get_str(prov, "reason"));
	xfer_set(e, "transfer_requested_at", json_get_str(prov, "sent_at"));
	xfer_set(e, "transfer_to_user", owner->username);
	xfer_set(e, "transfer_decided_by", u->username);
	xfer_set(e, "transfer_decided_at", now_iso);
	if (json_get_str(consent, "basis") != NULL &&
	    (strcmp(json_get_str(consent, "basis"), "consent") == 0 ||
	    strcmp(json_get_str(consent, "basis"), "override") == 0))
		xfer_set(e, "transfer_consent", json_get_str(consent, "basis"));
	xfer_set(e, "transfer_override_reason", json_get_str(consent,
	    "override_reason"));
	if ((rc = xfer_case_valid(a, after, err)) != RC_OK)
		goto out;
	m = c.m;
	str_copy(m.owner_id, sizeof(m.owner_id), owner->pu.id);
	rc = app_rec_save(a, u, &app_kind_case, &c, &dk, before, after, &m,
	    "transfer.received", &saved, err);
out:
	vault_dk_wipe(&dk);
	json_decref(fields);
	json_decref(before);
	json_decref(after);
	json_decref(saved);
	store_record_free(&c);
	return rc;
}

int
app_package_decide(struct app *a, const struct app_actor *u, const char *id,
    const json_t *req, json_t **out, struct app_error *err)
{
	static const char *const allowed[] = { "decision", "reason", "assign_to", NULL };
	struct xfer_held h = { 0 };
	struct store_record r = { 0 };
	struct vault_dk dk = { 0 };
	struct package_identity me;
	struct package_pub to;
	struct app_actor owner;
	struct buf payload = BUF_INIT, ack = BUF_INIT;
	json_t *body = NULL, *case_ref = NULL, *dropped = NULL;
	const char *decision, *reason, *assign_to;
	char now_iso[CLOCK_ISO_SIZE], act[APP_ACTION_MAX], outcome[64];
	char ack_id[PACKAGE_ID_SIZE];
	int rc, txn = 0, accept;

	*out = NULL;
	if ((rc = app_req_members(req, allowed, err)) != RC_OK ||
	    (rc = app_req_text(req, "decision", 16, 1, 0, &decision, err)) != RC_OK ||
	    (rc = app_req_text(req, "reason", PACKAGE_REASON_MAX, 0, 1, &reason, err)) !=
	    RC_OK ||
	    (rc = app_req_text(req, "assign_to", 63, 0, 0, &assign_to, err)) != RC_OK)
		return rc;
	if (strcmp(decision, "accepted") != 0 && strcmp(decision, "declined") != 0)
		return app_fail_field(err, RC_EINVALID, "decision", "must be accepted or "
		    "declined");
	accept = strcmp(decision, "accepted") == 0;
	if (!accept && reason == NULL)
		return app_fail_field(err, RC_EINVALID, "reason", "is required to decline");
	if (!accept && assign_to != NULL)
		return app_fail_field(err, RC_EINVALID, "assign_to", "goes with an "
		    "acceptance");
	owner = *u;
	if (assign_to != NULL) {
		if ((rc = xfer_user(a, assign_to, "assign_to", &owner, err)) != RC_OK)
			return rc;
		if (strcmp(owner.pu.agency_id, u->pu.agency_id) != 0 ||
		    !policy_allows(a->policy, &owner.pu, "case.read", NULL, NULL))
			return app_fail_field(err, RC_EINVALID, "assign_to", "cannot take "
			    "cases in your agency");
	}
	if ((rc = store_begin(a->store)) != RC_OK)
		return app_fail(err, rc, "database busy; try again");
	txn = 1;
	if ((rc = xfer_held_get(a, u, id, &h, err)) != RC_OK)
		goto out;
	if (strcmp(json_get_str(h.log, "status") ? json_get_str(h.log, "status") : "",
	    "pending") != 0) {
		rc = app_fail(err, RC_ECONFLICT, "package %s was %s already", id,
		    json_get_str(h.log, "status") ? json_get_str(h.log, "status") : "decided");
		goto out;
	}
	if ((rc = xfer_held_record(a, &h, &r, err)) != RC_OK ||
	    (rc = app_rec_open(a, &r, &dk, &body, err)) != RC_OK)
		goto out;
	if (package_identity_parse(json_get_str(body, "sender_identity"), &to, NULL) !=
	    RC_OK) {
		rc = app_fail(err, RC_EINTERNAL, "package %s has no usable sender", id);
		goto out;
	}
	if (accept && (rc = xfer_register(a, u, &owner, body, &case_ref, &dropped,
	    err)) != RC_OK)
		goto out;
	/* the answer for the sender, sealed to it now: the reason is not kept here,
	 * and the same acknowledgement is handed out each time it is asked for */
	if ((rc = package_ack_payload(id, accept ? PACKAGE_ACCEPTED : PACKAGE_DECLINED,
	    reason, &payload)) != RC_OK) {
		rc = app_fail(err, rc, "cannot write the acknowledgement");
		goto out;
	}
	if ((rc = package_identity(a->vault, &me)) != RC_OK) {
		rc = app_fail(err, rc, "cannot derive this instance's identity");
		goto out;
	}
	rc = package_seal(&me, &to, payload.p, payload.len, clock_now(), PACKAGE_TTL_MAX,
	    &ack, ack_id);
	package_identity_wipe(&me);
	if (rc != RC_OK) {
		rc = app_fail(err, rc, "cannot seal the acknowledgement");
		goto out;
	}
	clock_iso(clock_now(), now_iso);
	json_object_set_new(h.log, "status", json_string(decision));
	json_object_set_new(h.log, "decided_at", json_string(now_iso));
	json_object_set_new(h.log, "decided_by", json_string(u->username));
	json_object_set_new(h.log, "ack_id", json_string(ack_id));
	json_object_set_new(h.log, "ack", json_string(ack.p));
	json_object_del(h.log, "record_id");
	if (case_ref != NULL)
		json_object_set(h.log, "case_id", json_object_get(case_ref, "id"));
	/* what the package brought is a case now, or not ours to keep: its sealed
	 * record goes for good, key and history with it */
	snprintf(act, sizeof(act), "package.%s", decision);
	snprintf(outcome, sizeof(outcome), "package %s", id);
	if ((rc = xfer_doc_write(a, 0, PACKAGE_IN_KIND, id, case_ref != NULL ?
	    json_get_str(case_ref, "id") : "", h.d.owner_id, h.d.agency_id, h.d.at,
	    h.log)) != RC_OK ||
	    (rc = store_record_erase(a->store, r.m.id)) != RC_OK ||
	    (rc = audit_write(a, u, act, case_ref != NULL ? json_get_str(case_ref, "id") :
	    r.m.id, NULL, outcome)) != RC_OK ||
	    (rc = store_commit(a->store)) != RC_OK) {
		rc = app_fail(err, rc, "cannot store the decision");
		goto out;
	}
	txn = 0;
	*out = json_pack("{s:s, s:s, s:s}", "package_id", id, "decision", decision,
	    "ack_id", ack_id);
	if (*out != NULL && case_ref != NULL) {
		json_object_set(*out, "case_id", json_object_get(case_ref, "id"));
		json_object_set(*out, "short_id", json_object_get(case_ref, "short_id"));
		json_object_set(*out, "dropped_fields", dropped);
	}
	rc = *out != NULL ? RC_OK : RC_ENOMEM;
out:
	if (txn)
		store_rollback(a->store);
	audit_flush(a);
	vault_dk_wipe(&dk);
	buf_wipe(&payload);
	buf_free(&ack);
	json_decref(body);
	json_decref(case_ref);
	json_decref(dropped);
	store_record_free(&r);
	xfer_held_free(&h);
	return rc;
}

int
app_package_ack(struct app *a, const struct app_actor *u, const char *id,
    struct buf *text, char *ack_id, struct app_error *err)
{
	struct xfer_held h;
	const char *ack;
	char outcome[64];
	int rc;

	ack_id[0] = '\0';
	if ((rc = xfer_held_get(a, u, id, &h, err)) != RC_OK)
		return rc;
	if ((ack = json_get_str(h.log, "ack")) == NULL ||
	    json_get_str(h.log, "ack_id") == NULL) {
		rc = app_fail(err, RC_ECONFLICT, "package %s is not decided yet", id);
		goto out;
	}
	if (buf_puts(text, ack) != 0) {
		rc = RC_ENOMEM;
		goto out;
	}
	str_copy(ack_id, PACKAGE_ID_SIZE, json_get_str(h.log, "ack_id"));
out:
	snprintf(outcome, sizeof(outcome), rc == RC_OK ? "ack %s" : "%s", rc == RC_OK ?
	    ack_id : rc_name(rc));
	audit_note(a, u, "package.ack", NULL, NULL, outcome);
	xfer_held_free(&h);
	return rc;
}
