/* case.c — register, read, update, list and trace the history of cases. */
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
#include "base/log.h"
#include "domain/names.h"
#include "domain/record.h"
#include "domain/workflow.h"

#define CASE_TYPE		"case"
#define CASE_HISTORY_TYPE	"case.history"
#define SHORT_ID_TRIES		8

/* ---- sealing ------------------------------------------------------------------ */

/* Seal `j` (serialised) under `dk` for record `id`, kind `type`, revision `rev`.
 * `*out` is malloc'd (caller frees). */
static int
case_seal_json(const struct vault_dk *dk, const char *id, const char *type, int64_t rev,
    const json_t *j, uint8_t **out, size_t *outn)
{
	char ad[VAULT_AD_MAX];
	size_t adlen, n;
	char *text;
	int rc = RC_ENOMEM;

	*out = NULL;
	if ((adlen = vault_ad(ad, id, type, rev)) == 0)
		return RC_EINTERNAL;
	if ((text = json_dump_compact(j)) == NULL)
		return RC_ENOMEM;
	n = strlen(text);
	if (n <= SIZE_MAX - VAULT_SEAL_OVERHEAD &&
	    (*out = malloc(n + VAULT_SEAL_OVERHEAD)) != NULL) {
		rc = vault_seal(dk, ad, adlen, (const uint8_t *)text, n, *out);
		*outn = n + VAULT_SEAL_OVERHEAD;
	}
	sodium_memzero(text, n);
	free(text);
	return rc;
}

/* Open a sealed JSON object. RC_EINTEGRITY when it fails authentication. */
static int
case_unseal_json(const struct vault_dk *dk, const char *id, const char *type,
    int64_t rev, const uint8_t *in, size_t n, json_t **out)
{
	char ad[VAULT_AD_MAX];
	uint8_t *plain;
	size_t adlen;
	int rc;

	*out = NULL;
	if ((adlen = vault_ad(ad, id, type, rev)) == 0)
		return RC_EINTERNAL;
	if (n < VAULT_SEAL_OVERHEAD)
		return RC_EINTEGRITY;
	if ((plain = malloc(n - VAULT_SEAL_OVERHEAD + 1)) == NULL)
		return RC_ENOMEM;
	if ((rc = vault_unseal(dk, ad, adlen, in, n, plain)) == RC_OK) {
		*out = json_loadb((const char *)plain, n - VAULT_SEAL_OVERHEAD, 0, NULL);
		if (*out == NULL || !json_is_object(*out)) {
			json_decref(*out);
			*out = NULL;
			rc = RC_EINTEGRITY;
		}
	}
	sodium_memzero(plain, n - VAULT_SEAL_OVERHEAD);
	free(plain);
	return rc;
}

/* Unwrap the record's key and open its body. */
static int
case_open_record(struct app *a, const struct store_record *r, struct vault_dk *dk,
    json_t **data, struct app_error *err)
{
	int rc;

	rc = vault_dk_unwrap(a->vault, r->m.id, r->dk, r->dk_len, dk);
	if (rc == RC_OK)
		rc = case_unseal_json(dk, r->m.id, r->m.type, r->m.rev, r->body,
		    r->body_len, data);
	if (rc == RC_EINTEGRITY) {
		log_error("record %s rev %lld failed authentication", r->m.id,
		    (long long)r->m.rev);
		return app_fail(err, rc, "case %s failed its integrity check: the sealed "
		    "data was altered or the key does not match; nothing was returned",
		    r->m.short_id);
	}
	if (rc != RC_OK)
		return app_fail(err, rc, "cannot open case %s", r->m.short_id);
	return RC_OK;
}

/* ---- blind index ---------------------------------------------------------------- */

struct keyset {
	uint8_t	(*k)[STORE_BLIND_BYTES];
	size_t	n, cap;
	const struct vault *v;
	const char *kind;
};

static int
keyset_add(void *arg, const char *token)
{
	struct keyset *ks = arg;

	if (ks->n == ks->cap) {
		size_t ncap = ks->cap ? ks->cap * 2 : 32;
		void *np;

		if (ncap > 4096)
			return RC_ETOOBIG;
		if ((np = realloc(ks->k, ncap * sizeof(*ks->k))) == NULL)
			return RC_ENOMEM;
		ks->k = np;
		ks->cap = ncap;
	}
	vault_blind(ks->v, ks->kind, token, ks->k[ks->n++]);
	return 0;
}

static int
keyset_add_token(void *arg, const char *token)
{
	struct keyset *ks = arg;
	int rc;

	char skel[NAMES_TOKEN_MAX + 1];

	ks->kind = "name";
	if ((rc = keyset_add(ks, token)) != 0)
		return rc;
	if (names_skeleton(token, skel, sizeof(skel)) > 0) {
		ks->kind = "skeleton";
		if ((rc = keyset_add(ks, skel)) != 0)
			return rc;
	}
	ks->kind = "prefix";
	return names_prefixes(token, keyset_add, ks);
}

/* The blind keys of every name in `data`. */
static int
case_keys(struct app *a, const json_t *data, struct keyset *ks)
{
	size_t i;
	int rc;

	const json_t *concerns = json_object_get(data, "protection_concerns"), *c;

	ks->v = a->vault;
	for (i = 0; record_name_fields[i] != NULL; i++) {
		const char *s = json_get_str(data, record_name_fields[i]);

		if (s != NULL && (rc = names_tokens(s, keyset_add_token, ks)) != RC_OK)
			return rc;
	}
	/* protection concerns are sensitive: filterable through the blind index only */
	ks->kind = "concern";
	json_array_foreach(concerns, i, c)
		if (json_is_string(c) && (rc = keyset_add(ks, json_string_value(c))) != 0)
			return rc;
	return RC_OK;
}

/* ---- what a user may see ------------------------------------------------------- */

static int
app_location_exists(void *arg, const char *code)
{
	return store_location_exists(((struct app *)arg)->store, code) == 1;
}

/* The fields of `data` that `u` may see, with the record's metadata. */
static json_t *
case_view(struct app *a, const struct app_actor *u, const struct record_meta *m,
    const json_t *data, int full)
{
	static const char *const summary[] = {
		"name", "sex", "age", "estimated", "date_of_birth", "risk_level",
		"location_current", "registration_date", "nationality",
		"unaccompanied_separated_status", NULL
	};
	const struct form *f = forms_get(a->forms, CASE_TYPE);
	char ts[CLOCK_ISO_SIZE], owner[64];
	const char *key;
	json_t *out, *v;
	size_t i;

	if ((out = json_object()) == NULL)
		return NULL;
	json_object_set_new(out, "id", json_string(m->id));
	json_object_set_new(out, "short_id", json_string(m->short_id));
	json_object_set_new(out, "type", json_string(m->type));
	json_object_set_new(out, "rev", json_integer(m->rev));
	json_object_set_new(out, "status", json_string(m->status));
	json_object_set_new(out, "workflow", json_string(m->workflow));
	json_object_set_new(out, "age_band", json_string(m->age_band));
	clock_iso(m->created_at, ts);
	json_object_set_new(out, "created_at", json_string(ts));
	clock_iso(m->updated_at, ts);
	json_object_set_new(out, "updated_at", json_string(ts));
	if (strcmp(m->workflow, "new") == 0 && strcmp(m->status, "open") == 0) {
		int64_t due = m->created_at +
		    workflow_response_seconds(a->workflow, m->risk_level);

		clock_iso(due, ts);
		json_object_set_new(out, "assessment_due", json_string(ts));
		json_object_set_new(out, "overdue", json_boolean(clock_now() > due));
	}
	app_username(a, m->owner_id, owner);
	if (owner[0] != '\0')
		json_object_set_new(out, "owned_by", json_string(owner));
	json_object_foreach((json_t *)data, key, v) {
		const struct form_field *fld = form_field_find(f, key);

		if (fld == NULL || !policy_field_visible(a->policy, &u->pu, fld->sensitivity))
			continue;
		if (!full) {
			for (i = 0; summary[i] != NULL; i++)
				if (strcmp(summary[i], key) == 0)
					break;
			if (summary[i] == NULL)
				continue;
		}
		json_object_set(out, key, v);
	}
	return out;
}

/* Fetch a case `u` may do `action` on; RC_ENOTFOUND when absent or not theirs. */
static int
case_fetch(struct app *a, const struct app_actor *u, const char *id, const char *action,
    struct store_record *r, struct app_error *err)
{
	const char *why = NULL;
	int rc;

	if (id == NULL || (!id_is_uuid(id) && !id_is_short(id)))
		return app_fail(err, RC_ENOTFOUND, "no case %s", id ? "with that id" : "");
	rc = store_record_get(a->store, CASE_TYPE, id, r);
	if (rc == RC_ENOTFOUND)
		return app_fail(err, rc, "no case %s", id);
	if (rc != RC_OK)
		return app_fail(err, rc, "cannot read cases");
	if (!policy_allows(a->policy, &u->pu, action, &r->m, &why)) {
		char outcome[64];

		snprintf(outcome, sizeof(outcome), "denied: %s", why);
		audit_note(a, u, action, r->m.id, NULL, outcome);
		store_record_free(r);
		return app_fail(err, RC_ENOTFOUND, "no case %s", id);
	}
	return RC_OK;
}

static json_t *
case_ref(const struct record_meta *m)
{
	return json_pack("{s:s, s:s, s:I}", "id", m->id, "short_id", m->short_id, "rev",
	    (json_int_t)m->rev);
}

/* Append a sealed history entry (who, when, which fields changed and how) and the
 * audit row (field ids only), in the caller's transaction. */
static int
case_history_append(struct app *a, const struct vault_dk *dk,
    const struct record_meta *m, const struct app_actor *u, const char *action,
    const json_t *before, const json_t *after)
{
	struct store_history h = { 0 };
	json_t *entry = NULL, *fields, *changes, *f;
	size_t i;
	int rc = RC_ENOMEM;

	if ((fields = record_changed_fields(before, after)) == NULL)
		return RC_ENOMEM;
	if ((changes = json_object()) == NULL)
		goto out;
	json_array_foreach(fields, i, f) {
		const char *k = json_string_value(f);
		json_t *from = before ? json_object_get(before, k) : NULL;
		json_t *to = json_object_get(after, k);

		json_object_set_new(changes, k, json_pack("{s:O?, s:O?}", "from", from,
		    "to", to));
	}
	entry = json_pack("{s:s, s:O, s:o}", "action", action, "fields", fields,
	    "changes", changes);
	if (entry == NULL)
		goto out;
	str_copy(h.record_id, sizeof(h.record_id), m->id);
	h.rev = m->rev;
	h.at = m->updated_at;
	str_copy(h.user_id, sizeof(h.user_id), u->pu.id);
	str_copy(h.action, sizeof(h.action), action);
	if ((rc = case_seal_json(dk, m->id, CASE_HISTORY_TYPE, m->rev, entry, &h.body,
	    &h.body_len)) != RC_OK)
		goto out;
	if ((rc = store_history_append(a->store, &h)) != RC_OK)
		goto out;
	/* the audit row, in the same transaction: field ids, never values */
	rc = audit_write(a, u, strcmp(action, "create") == 0 ? "case.create" :
	    "case.update", m->id, fields, "ok");
out:
	free(h.body);
	json_decref(entry);
	json_decref(fields);
	return rc;
}

static int
case_validate(struct app *a, const json_t *data, struct app_error *err)
{
	const struct form *f = forms_get(a->forms, CASE_TYPE);
	struct form_context ctx = { 0 };
	char today[DATE_SIZE];
	char joined[200];

	if (f == NULL)
		return app_fail(err, RC_EINTERNAL, "no case form is configured");
	app_today(today);
	ctx.today = today;
	ctx.location_exists = app_location_exists;
	ctx.location_arg = a;
	if (form_validate(f, data, &ctx, &err->fields) == RC_OK)
		return RC_OK;
	if (err->fields.n == 1) {
		form_errors_format(&err->fields, joined, sizeof(joined));
		return app_fail(err, RC_EINVALID, "the case is not valid: %s", joined);
	}
	return app_fail(err, RC_EINVALID, "the case is not valid: %zu problems",
	    err->fields.n + err->fields.dropped);
}

/* ---- use cases ------------------------------------------------------------------ */

int
app_case_create(struct app *a, const struct app_actor *u, const json_t *data,
    json_t **out, struct app_error *err)
{
	struct record_meta m = { 0 };
	struct keyset ks = { 0 };
	struct vault_dk dk;
	uint8_t wrapped[VAULT_WRAPPED_BYTES], *body = NULL;
	size_t body_len = 0;
	char today[DATE_SIZE];
	json_t *copy = NULL;
	int rc, tries, own_txn = 0;

	*out = NULL;
	vault_dk_new(&dk);
	if (!policy_allows(a->policy, &u->pu, "case.create", NULL, NULL)) {
		audit_note(a, u, "case.create", NULL, NULL, "denied: role lacks action");
		rc = app_fail(err, RC_EDENIED, "your role may not register cases");
		goto out;
	}
	if (!json_is_object(data)) {
		rc = app_fail(err, RC_EINVALID, "\"data\" must be an object of case fields");
		goto out;
	}
	if ((copy = json_deep_copy(data)) == NULL || record_derive(copy, NULL) != RC_OK) {
		rc = RC_ENOMEM;
		goto out;
	}
	if ((rc = case_validate(a, copy, err)) != RC_OK) {
		audit_note(a, u, "case.create", NULL, NULL, "invalid");
		goto out;
	}

	id_uuid4(m.id);
	str_copy(m.type, sizeof(m.type), CASE_TYPE);
	m.rev = 1;
	str_copy(m.status, sizeof(m.status), "open");
	str_copy(m.workflow, sizeof(m.workflow), "new");
	memcpy(m.owner_id, u->pu.id, ID_SIZE);
	memcpy(m.agency_id, u->pu.agency_id, ID_SIZE);
	m.created_at = m.updated_at = clock_now();
	app_today(today);
	record_index(copy, today, &m);

	if ((rc = case_keys(a, copy, &ks)) != RC_OK) {
		rc = app_fail(err, rc, "cannot index the names");
		goto out;
	}
	vault_dk_wrap(a->vault, m.id, &dk, wrapped);
	if ((rc = case_seal_json(&dk, m.id, CASE_TYPE, m.rev, copy, &body, &body_len)) !=
	    RC_OK)
		goto out;

	/* inside a caller's transaction (batch loads) the caller commits */
	own_txn = !store_in_transaction(a->store);
	if (own_txn && (rc = store_begin(a->store)) != RC_OK) {
		rc = app_fail(err, rc, "database busy; try again");
		goto out;
	}
	for (tries = 0; tries < SHORT_ID_TRIES; tries++) {
		id_short(m.short_id);
		rc = store_record_insert(a->store, &m, wrapped, sizeof(wrapped), body,
		    body_len);
		if (rc != RC_EEXIST)
			break;
	}
	if (rc == RC_OK)
		rc = store_record_keys_set(a->store, m.id,
		    (const uint8_t (*)[STORE_BLIND_BYTES])ks.k, ks.n);
	if (rc == RC_OK)
		rc = case_history_append(a, &dk, &m, u, "create", NULL, copy);
	if (rc == RC_OK && own_txn)
		rc = store_commit(a->store);
	if (rc != RC_OK) {
		if (own_txn)
			store_rollback(a->store);
		rc = app_fail(err, rc, "cannot store the case");
		goto out;
	}
	if ((*out = case_ref(&m)) == NULL)
		rc = RC_ENOMEM;
out:
	vault_dk_wipe(&dk);
	free(body);
	free(ks.k);
	json_decref(copy);
	return rc;
}

int
app_case_get(struct app *a, const struct app_actor *u, const char *id, json_t **out,
    struct app_error *err)
{
	struct store_record r = { 0 };
	struct vault_dk dk;
	json_t *data = NULL;
	int rc;

	*out = NULL;
	if ((rc = case_fetch(a, u, id, "case.read", &r, err)) != RC_OK)
		return rc;
	if ((rc = case_open_record(a, &r, &dk, &data, err)) == RC_OK &&
	    (*out = case_view(a, u, &r.m, data, 1)) == NULL)
		rc = RC_ENOMEM;
	audit_note(a, u, "case.read", r.m.id, NULL, rc == RC_OK ? "ok" : rc_name(rc));
	vault_dk_wipe(&dk);
	json_decref(data);
	store_record_free(&r);
	return rc;
}

int
app_case_update(struct app *a, const struct app_actor *u, const char *id, int64_t rev,
    const json_t *patch, json_t **out, struct app_error *err)
{
	struct store_record r = { 0 };
	struct keyset ks = { 0 };
	struct record_meta m;
	struct vault_dk dk = { 0 };
	json_t *before = NULL, *after = NULL;
	uint8_t *body = NULL;
	size_t body_len = 0;
	char today[DATE_SIZE];
	int rc;

	*out = NULL;
	if (!json_is_object(patch))
		return app_fail(err, RC_EINVALID, "\"data\" must be an object of case fields");
	if (rev < 1)
		return app_fail(err, RC_EINVALID, "rev must be a positive integer");
	if ((rc = store_begin(a->store)) != RC_OK)
		return app_fail(err, rc, "database busy; try again");
	if ((rc = case_fetch(a, u, id, "case.update", &r, err)) != RC_OK)
		goto out;
	if (r.m.rev != rev) {
		audit_note(a, u, "case.update", r.m.id, NULL, "conflict");
		rc = app_fail(err, RC_ECONFLICT, "conflict: case %s is at revision %lld, "
		    "not %lld; someone saved it first. Read it again and reapply your "
		    "change", r.m.short_id, (long long)r.m.rev, (long long)rev);
		goto out;
	}
	if ((rc = case_open_record(a, &r, &dk, &before, err)) != RC_OK)
		goto out;
	if ((after = json_deep_copy(before)) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	if ((rc = record_merge_patch(after, patch)) != RC_OK ||
	    (rc = record_derive(after, before)) != RC_OK)
		goto out;
	if ((rc = case_validate(a, after, err)) != RC_OK) {
		audit_note(a, u, "case.update", r.m.id, NULL, "invalid");
		goto out;
	}

	m = r.m;
	m.rev = r.m.rev + 1;
	m.updated_at = clock_now();
	app_today(today);
	record_index(after, today, &m);
	if ((rc = case_keys(a, after, &ks)) != RC_OK ||
	    (rc = case_seal_json(&dk, m.id, CASE_TYPE, m.rev, after, &body, &body_len)) !=
	    RC_OK)
		goto out;
	rc = store_record_update(a->store, &m, rev, body, body_len);
	if (rc == RC_ECONFLICT) {
		rc = app_fail(err, rc, "conflict: case %s changed while saving", m.short_id);
		goto out;
	}
	if (rc == RC_OK)
		rc = store_record_keys_set(a->store, m.id,
		    (const uint8_t (*)[STORE_BLIND_BYTES])ks.k, ks.n);
	if (rc == RC_OK)
		rc = case_history_append(a, &dk, &m, u, "update", before, after);
	if (rc == RC_OK)
		rc = store_commit(a->store);
	if (rc != RC_OK) {
		rc = app_fail(err, rc, "cannot store the case");
		goto out;
	}
	if ((*out = case_ref(&m)) == NULL)
		rc = RC_ENOMEM;
out:
	if (rc != RC_OK)
		store_rollback(a->store);
	audit_flush(a);		/* conflicts, denials and refusals survive the rollback */
	vault_dk_wipe(&dk);
	free(body);
	free(ks.k);
	json_decref(before);
	json_decref(after);
	store_record_free(&r);
	return rc;
}

/* ---- lists ---------------------------------------------------------------------- */

struct list_ctx {
	struct app		*a;
	const struct app_actor	*u;
	json_t			*rows;
	int			 rc;
	struct app_error	*err;
};

static int
list_row(void *arg, struct store_record *r)
{
	struct list_ctx *c = arg;
	struct vault_dk dk;
	json_t *data = NULL, *view;
	int rc;

	/* the store filtered by scope; check each row again all the same */
	if (!policy_allows(c->a->policy, &c->u->pu, "case.read", &r->m, NULL)) {
		store_record_free(r);
		return 0;
	}
	rc = case_open_record(c->a, r, &dk, &data, c->err);
	vault_dk_wipe(&dk);
	if (rc != RC_OK) {
		store_record_free(r);
		return rc;
	}
	view = case_view(c->a, c->u, &r->m, data, 0);
	json_decref(data);
	store_record_free(r);
	if (view == NULL || json_array_append_new(c->rows, view) != 0)
		return RC_ENOMEM;
	return 0;
}

/* A filter value must be one of the options of `field` in the case form. */
static int
check_option(struct app *a, const char *param, const char *field, const char *v,
    struct app_error *err)
{
	const struct form_field *f = form_field_find(forms_get(a->forms, CASE_TYPE), field);
	const json_t *o;
	size_t i;

	if (v == NULL || *v == '\0' || f == NULL || f->options == NULL)
		return RC_OK;
	json_array_foreach(f->options, i, o)
		if (strcmp(json_get_str(o, "id") ? json_get_str(o, "id") : "", v) == 0)
			return RC_OK;
	return app_fail(err, RC_EINVALID, "%s: not one of the options of %s", param, field);
}

static int
check_one_of(const char *param, const char *v, const char *const *allowed,
    struct app_error *err)
{
	size_t i;

	if (v == NULL || *v == '\0')
		return RC_OK;
	for (i = 0; allowed[i] != NULL; i++)
		if (strcmp(allowed[i], v) == 0)
			return RC_OK;
	return app_fail(err, RC_EINVALID, "%s: not an allowed value", param);
}

struct term_ctx {
	const struct vault	*v;
	struct store_key_any	 terms[STORE_KEY_GROUPS_MAX];
	size_t			 n;
	int			 too_many;
};

static int
term_add(void *arg, const char *token)
{
	struct term_ctx *t = arg;
	char skel[NAMES_TOKEN_MAX + 1];

	if (t->n == STORE_KEY_GROUPS_MAX) {
		t->too_many = 1;
		return 1;
	}
	vault_blind(t->v, "name", token, t->terms[t->n].k[0]);
	vault_blind(t->v, "prefix", token, t->terms[t->n].k[1]);
	t->terms[t->n].n = 2;
	/* the same name in another script or spelling */
	if (names_skeleton(token, skel, sizeof(skel)) > 0)
		vault_blind(t->v, "skeleton", skel, t->terms[t->n].k[t->terms[t->n].n++]);
	t->n++;
	return 0;
}

int
app_case_list(struct app *a, const struct app_actor *u, const struct app_case_query *q,
    json_t **out, struct app_error *err)
{
	static const char *const statuses[] = { "open", "closed", NULL };
	static const char *const bands[] = { "0-5", "6-11", "12-14", "15-17", "18+", NULL };
	struct store_filter f = { 0 };
	struct list_ctx c = { 0 };
	struct term_ctx t = { 0 };
	int64_t total = 0, page, per;
	int rc;

	*out = NULL;
	if (!policy_allows(a->policy, &u->pu, "case.list", NULL, NULL)) {
		audit_note(a, u, "case.list", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not list cases");
	}
	page = q->page > 0 ? q->page : 1;
	per = q->per > 0 ? q->per : 20;
	if (per > 100)
		return app_fail(err, RC_EINVALID, "per: at most 100 cases per page");
	if (page > 1000000)
		return app_fail(err, RC_EINVALID, "page: too large");
	if ((rc = check_option(a, "concern", "protection_concerns", q->concern, err)) !=
	    RC_OK ||
	    (rc = check_one_of("status", q->status, statuses, err)) != RC_OK ||
	    (rc = check_one_of("age_band", q->age_band, bands, err)) != RC_OK ||
	    (rc = check_option(a, "risk_level", "risk_level", q->risk_level, err)) !=
	    RC_OK ||
	    (rc = check_option(a, "sex", "sex", q->sex, err)) != RC_OK)
		return rc;
	if (q->text != NULL && strlen(q->text) > 200)
		return app_fail(err, RC_EINVALID, "query: longer than 200 characters");

	if ((c.rows = json_array()) == NULL)
		return RC_ENOMEM;
	c.a = a;
	c.u = u;
	c.err = err;

	/* a short id or id finds that case alone, if the user may see it; a name
	 * that only looks like a short id ("bereket") is searched as a name */
	if (q->text != NULL && (id_is_short(q->text) || id_is_uuid(q->text))) {
		struct store_record r = { 0 };
		struct app_error ignore;

		if (case_fetch(a, u, q->text, "case.read", &r, &ignore) == RC_OK) {
			if ((rc = list_row(&c, &r)) != 0)
				goto fail;
			total = 1;
			goto done;
		}
		if (id_is_uuid(q->text))
			goto done;
	}

	f.type = CASE_TYPE;
	switch (policy_scope(a->policy, &u->pu)) {
	case SCOPE_OWN:
		f.owner_id = u->pu.id;
		break;
	case SCOPE_AGENCY:
		f.agency_id = u->pu.agency_id;
		break;
	case SCOPE_LOCATION:
		if (u->pu.location_code[0] == '\0')
			goto done;	/* no location, nothing in scope */
		f.location_prefix = u->pu.location_code;
		break;
	case SCOPE_ALL:
		break;
	case SCOPE_NONE:
		goto done;
	}
	f.status = q->status;
	f.risk_level = q->risk_level;
	f.sex = q->sex;
	f.age_band = q->age_band;
	f.location_code = q->location;
	if (q->text != NULL && *q->text != '\0') {
		t.v = a->vault;
		rc = names_tokens(q->text, term_add, &t);
		if (t.too_many) {
			rc = app_fail(err, RC_EINVALID, "query: at most %d words",
			    STORE_KEY_GROUPS_MAX);
			goto fail;
		}
		if (rc != RC_OK) {
			rc = app_fail(err, RC_EINVALID, "query: not valid UTF-8 text");
			goto fail;
		}
	}
	if (q->concern != NULL && *q->concern != '\0') {
		if (t.n == STORE_KEY_GROUPS_MAX) {
			rc = app_fail(err, RC_EINVALID, "query: too many words");
			goto fail;
		}
		vault_blind(a->vault, "concern", q->concern, t.terms[t.n].k[0]);
		t.terms[t.n].n = 1;
		t.n++;
	}
	f.terms = t.terms;
	f.nterms = t.n;
	f.limit = per;
	f.offset = (page - 1) * per;
	rc = store_record_list(a->store, &f, &total, list_row, &c);
	if (rc != RC_OK) {
		if (rc != RC_EINTEGRITY)
			rc = app_fail(err, rc, "cannot list cases");
		goto fail;
	}
done:
	{
		char outcome[64];

		/* how many, never what was searched for */
		snprintf(outcome, sizeof(outcome), "%lld results", (long long)total);
		audit_note(a, u, "case.list", NULL, NULL, outcome);
	}
	*out = json_pack("{s:o, s:{s:I, s:I, s:I}}", "data", c.rows, "metadata",
	    "total", (json_int_t)total, "page", (json_int_t)page, "per", (json_int_t)per);
	return *out != NULL ? RC_OK : RC_ENOMEM;
fail:
	json_decref(c.rows);
	return rc;
}

/* ---- history -------------------------------------------------------------------- */

struct history_ctx {
	struct app		*a;
	const struct vault_dk	*dk;
	json_t			*rows;
};

static int
history_row(void *arg, struct store_history *h)
{
	struct history_ctx *c = arg;
	struct store_user who;
	char ts[CLOCK_ISO_SIZE];
	json_t *entry = NULL, *row;
	int rc;

	rc = case_unseal_json(c->dk, h->record_id, CASE_HISTORY_TYPE, h->rev, h->body,
	    h->body_len, &entry);
	free(h->body);
	if (rc != RC_OK)
		return rc;
	clock_iso(h->at, ts);
	if (store_user_get(c->a->store, h->user_id, &who) != RC_OK)
		str_copy(who.username, sizeof(who.username), "(unknown)");
	sodium_memzero(who.password_hash, sizeof(who.password_hash));
	row = json_pack("{s:I, s:s, s:s, s:s, s:O}", "rev", (json_int_t)h->rev, "at", ts,
	    "user", who.username, "action", h->action, "fields",
	    json_object_get(entry, "fields"));
	json_decref(entry);
	if (row == NULL || json_array_append_new(c->rows, row) != 0)
		return RC_ENOMEM;
	return 0;
}

int
app_case_history(struct app *a, const struct app_actor *u, const char *id, json_t **out,
    struct app_error *err)
{
	struct store_record r = { 0 };
	struct history_ctx c = { 0 };
	struct vault_dk dk;
	int rc;

	*out = NULL;
	if ((rc = case_fetch(a, u, id, "case.read", &r, err)) != RC_OK)
		return rc;
	if ((rc = vault_dk_unwrap(a->vault, r.m.id, r.dk, r.dk_len, &dk)) != RC_OK) {
		rc = app_fail(err, rc, "case %s failed its integrity check", r.m.short_id);
		goto out;
	}
	c.a = a;
	c.dk = &dk;
	if ((c.rows = json_array()) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	rc = store_history_list(a->store, r.m.id, history_row, &c);
	if (rc == RC_EINTEGRITY)
		rc = app_fail(err, rc, "the history of case %s failed its integrity check",
		    r.m.short_id);
	else if (rc != RC_OK)
		rc = app_fail(err, rc, "cannot read the history of case %s", r.m.short_id);
	if (rc == RC_OK) {
		*out = c.rows;
		c.rows = NULL;
	}
	audit_note(a, u, "case.history", r.m.id, NULL, rc == RC_OK ? "ok" : rc_name(rc));
out:
	json_decref(c.rows);
	vault_dk_wipe(&dk);
	store_record_free(&r);
	return rc;
}

/* ---- caseload ------------------------------------------------------------------- */

struct caseload_ctx {
	struct app	*a;
	json_t		*by_user;	/* user id -> line */
	const char	*agency_id;
	int64_t		 open, overdue;
};

static json_t *
caseload_line(struct caseload_ctx *c, const char *user_id)
{
	json_t *line = json_object_get(c->by_user, user_id);
	struct store_user u;

	if (line != NULL)
		return line;
	if (store_user_get(c->a->store, user_id, &u) != RC_OK)
		str_copy(u.username, sizeof(u.username), "(unknown)"), u.full_name[0] = '\0';
	sodium_memzero(u.password_hash, sizeof(u.password_hash));
	line = json_pack("{s:s, s:s, s:i, s:i, s:i, s:i, s:i, s:i}", "user", u.username,
	    "full_name", u.full_name, "open", 0, "high", 0, "medium", 0, "low", 0, "none", 0,
	    "overdue", 0);
	if (line == NULL || json_object_set_new(c->by_user, user_id, line) != 0)
		return NULL;
	return line;
}

static void
json_add(json_t *o, const char *key, int64_t n)
{
	json_object_set_new(o, key, json_integer(json_integer_value(json_object_get(o,
	    key)) + n));
}

static int
caseload_row(void *arg, const struct store_caseload_row *row)
{
	struct caseload_ctx *c = arg;
	json_t *line = caseload_line(c, row->owner_id);
	const char *risk = row->risk_level;

	if (line == NULL)
		return RC_ENOMEM;
	if (strcmp(risk, "high") && strcmp(risk, "medium") && strcmp(risk, "low"))
		risk = "none";
	json_add(line, "open", row->open);
	json_add(line, risk, row->open);
	json_add(line, "overdue", row->overdue);
	c->open += row->open;
	c->overdue += row->overdue;
	return 0;
}

/* Caseworkers of the agency appear even with no open case. */
static int
caseload_user(void *arg, const struct store_user *u)
{
	struct caseload_ctx *c = arg;

	if (strcmp(u->agency_id, c->agency_id) != 0 || strcmp(u->role, "caseworker") != 0 ||
	    u->disabled)
		return 0;
	return caseload_line(c, u->id) != NULL ? 0 : RC_ENOMEM;
}

int
app_caseload(struct app *a, const struct app_actor *u, json_t **out,
    struct app_error *err)
{
	struct caseload_ctx c = { 0 };
	int64_t due[4];
	const char *agency = NULL, *owner = NULL, *key;
	json_t *rows = NULL, *line;
	int rc;

	*out = NULL;
	if (!policy_allows(a->policy, &u->pu, "case.list", NULL, NULL)) {
		audit_note(a, u, "caseload", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not see caseloads");
	}
	switch (policy_scope(a->policy, &u->pu)) {
	case SCOPE_OWN:
		owner = u->pu.id;
		break;
	case SCOPE_AGENCY:
		agency = u->pu.agency_id;
		break;
	case SCOPE_ALL:
		break;
	default:
		return app_fail(err, RC_EDENIED, "your role may not see caseloads");
	}
	c.a = a;
	c.agency_id = agency;
	if ((c.by_user = json_object()) == NULL || (rows = json_array()) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	if (owner != NULL && caseload_line(&c, owner) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	if (agency != NULL && (rc = store_user_list(a->store, caseload_user, &c)) != RC_OK)
		goto out;
	workflow_response_table(a->workflow, due);
	if ((rc = store_caseload(a->store, CASE_TYPE, agency, owner, due, clock_now(),
	    caseload_row, &c)) != RC_OK) {
		rc = app_fail(err, rc, "cannot count cases");
		goto out;
	}
	json_object_foreach(c.by_user, key, line)
		json_array_append(rows, line);
	audit_note(a, u, "caseload", NULL, NULL, "ok");
	*out = json_pack("{s:O, s:{s:I, s:I}}", "data", rows, "metadata", "open",
	    (json_int_t)c.open, "overdue", (json_int_t)c.overdue);
	rc = *out != NULL ? RC_OK : RC_ENOMEM;
out:
	json_decref(rows);
	json_decref(c.by_user);
	return rc;
}
