/*
 * record.c — register, read, update, list and trace the history of records of every
 * kind (cases, tracing requests, VoT records): sealing, the blind index, what a user
 * may see, revisions and the audit of each step. case.c and the other kinds add their
 * own rules through the hooks of struct app_kind.
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
#include "base/log.h"
#include "domain/names.h"
#include "domain/record.h"

#define SHORT_ID_TRIES		8

/* The action `verb` on kind `k` as roles.json names it: "case.read". */
static const char *
kact(const struct app_kind *k, const char *verb, char buf[APP_ACTION_MAX])
{
	snprintf(buf, APP_ACTION_MAX, "%s.%s", k->act, verb);
	return buf;
}

/* The associated-data type of history entries: "case.history". */
static const char *
khist(const char *type, char buf[APP_ACTION_MAX])
{
	snprintf(buf, APP_ACTION_MAX, "%s.history", type);
	return buf;
}

/* ---- sealing ------------------------------------------------------------------ */

/* Seal `j` (serialised) under `dk` for record `id`, kind `type`, revision `rev`.
 * `*out` is malloc'd (caller frees). */
static int
rec_seal_json(const struct vault_dk *dk, const char *id, const char *type, int64_t rev,
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

/* Open a sealed text: `*out` (NUL-terminated, `*outn` bytes) is malloc'd and holds
 * plaintext: the caller wipes and frees it. RC_EINTEGRITY when it fails
 * authentication. */
static int
rec_unseal_text(const struct vault_dk *dk, const char *id, const char *type,
    int64_t rev, const uint8_t *in, size_t n, char **out, size_t *outn)
{
	char ad[VAULT_AD_MAX];
	uint8_t *plain;
	size_t adlen;
	int rc;

	*out = NULL;
	*outn = 0;
	if ((adlen = vault_ad(ad, id, type, rev)) == 0)
		return RC_EINTERNAL;
	if (n < VAULT_SEAL_OVERHEAD)
		return RC_EINTEGRITY;
	if ((plain = malloc(n - VAULT_SEAL_OVERHEAD + 1)) == NULL)
		return RC_ENOMEM;
	if ((rc = vault_unseal(dk, ad, adlen, in, n, plain)) != RC_OK) {
		sodium_memzero(plain, n - VAULT_SEAL_OVERHEAD);
		free(plain);
		return rc;
	}
	plain[n - VAULT_SEAL_OVERHEAD] = '\0';
	*out = (char *)plain;
	*outn = n - VAULT_SEAL_OVERHEAD;
	return RC_OK;
}

/* Open a sealed JSON object. RC_EINTEGRITY when it fails authentication. */
static int
rec_unseal_json(const struct vault_dk *dk, const char *id, const char *type,
    int64_t rev, const uint8_t *in, size_t n, json_t **out)
{
	char *text;
	size_t len;
	int rc;

	*out = NULL;
	if ((rc = rec_unseal_text(dk, id, type, rev, in, n, &text, &len)) != RC_OK)
		return rc;
	*out = json_loadb(text, len, 0, NULL);
	if (*out == NULL || !json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		rc = RC_EINTEGRITY;
	}
	sodium_memzero(text, len);
	free(text);
	return rc;
}

/* Unwrap the record's key and open its body. */
int
app_rec_open(struct app *a, const struct store_record *r, struct vault_dk *dk,
    json_t **data, struct app_error *err)
{
	int rc;

	rc = vault_dk_unwrap(a->vault, r->m.id, r->dk, r->dk_len, dk);
	if (rc == RC_OK)
		rc = rec_unseal_json(dk, r->m.id, r->m.type, r->m.rev, r->body,
		    r->body_len, data);
	if (rc == RC_EINTEGRITY) {
		log_error("record %s rev %lld failed authentication", r->m.id,
		    (long long)r->m.rev);
		return app_fail(err, rc, "%s %s failed its integrity check: the sealed "
		    "data was altered or the key does not match; nothing was returned",
		    app_kind_noun(r->m.type), r->m.short_id);
	}
	if (rc != RC_OK)
		return app_fail(err, rc, "cannot open %s %s", app_kind_noun(r->m.type),
		    r->m.short_id);
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

static int
keyset_add_name(void *arg, const char *name)
{
	return names_tokens(name, keyset_add_token, arg);
}

/* The case name fields. */
static int
rec_case_names(const json_t *data, int (*cb)(void *arg, const char *name), void *arg)
{
	size_t i;
	int rc;

	for (i = 0; record_name_fields[i] != NULL; i++) {
		const char *s = json_get_str(data, record_name_fields[i]);

		if (s != NULL && (rc = cb(arg, s)) != RC_OK)
			return rc;
	}
	return RC_OK;
}

/* The blind keys of every name in `data`. */
static int
rec_keys(struct app *a, const struct app_kind *k, const json_t *data, struct keyset *ks)
{
	size_t i;
	int rc;

	const json_t *concerns = json_object_get(data, "protection_concerns"), *c;

	ks->v = a->vault;
	if ((rc = (k->names ? k->names : rec_case_names)(data, keyset_add_name, ks)) !=
	    RC_OK)
		return rc;
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

/* Every name a view's metadata may hold; a body member of the same name is not
 * shown (the index columns win). */
static const char *const rec_meta_names[] = {
	"id", "short_id", "type", "rev", "status", "workflow", "age_band", "created_at",
	"updated_at", "owned_by", "deadlines", "overdue", "assessment_due", NULL
};

static int
rec_meta_name(const char *key)
{
	size_t i;

	/* asked for every member of every view: most names fail on the first byte */
	for (i = 0; rec_meta_names[i] != NULL; i++)
		if (rec_meta_names[i][0] == key[0] && strcmp(rec_meta_names[i], key) == 0)
			return 1;
	return 0;
}

/* A member `name` (a literal) with the string value `v`, after a comma or not. */
static int
meta_str(struct buf *b, const char *name, const char *v, int first)
{
	int bad = 0;

	bad |= buf_puts(b, first ? "{\"" : ",\"");
	bad |= buf_puts(b, name);
	bad |= buf_puts(b, "\":");
	bad |= json_write_str(b, v, strlen(v));
	return bad;
}

/*
 * The record's metadata as every view starts, from the index columns alone (and
 * what the kind's view adds), written as a JSON object into `out`: the one spelling
 * of it, which the text view splices into and rec_meta_view parses. RC_ENOMEM or
 * RC_OK; on failure `out` may hold part of it.
 */
static int
rec_meta_text(struct app *a, const struct app_kind *k, const struct store_record *r,
    struct buf *out)
{
	const struct record_meta *m = &r->m;
	char ts[CLOCK_ISO_SIZE], owner[64], num[32];
	int bad = 0, n;

	bad |= meta_str(out, "id", m->id, 1);
	bad |= meta_str(out, "short_id", m->short_id, 0);
	bad |= meta_str(out, "type", m->type, 0);
	n = snprintf(num, sizeof(num), ",\"rev\":%lld", (long long)m->rev);
	bad |= n < 0 || (size_t)n >= sizeof(num) || buf_append(out, num, (size_t)n) != 0;
	bad |= meta_str(out, "status", m->status, 0);
	bad |= meta_str(out, "workflow", m->workflow, 0);
	bad |= meta_str(out, "age_band", m->age_band, 0);
	clock_iso(m->created_at, ts);
	bad |= meta_str(out, "created_at", ts, 0);
	clock_iso(m->updated_at, ts);
	bad |= meta_str(out, "updated_at", ts, 0);
	if (bad || (k->view != NULL && k->view(a, r, out) != RC_OK))
		return RC_ENOMEM;
	app_username(a, m->owner_id, owner);
	if (owner[0] != '\0')
		bad |= meta_str(out, "owned_by", owner, 0);
	bad |= buf_putc(out, '}');
	return bad ? RC_ENOMEM : RC_OK;
}

/* The same metadata as an object; caller decrefs; NULL when out of memory. */
static json_t *
rec_meta_view(struct app *a, const struct app_kind *k, const struct store_record *r)
{
	struct buf b = BUF_INIT;
	json_t *out = NULL;

	if (rec_meta_text(a, k, r, &b) == RC_OK)
		out = json_loadb(b.p, b.len, 0, NULL);
	buf_free(&b);
	return out;
}

/* Which fields of a kind's records `u` sees: the form and what the policy lets the
 * role see, looked up once for all the members of a view. */
struct rec_vis {
	const struct app_kind	*k;
	const struct form	*form;
	int			 visible[FS__MAX];	/* by sensitivity class */
};

static void
rec_vis_init(struct app *a, const struct app_actor *u, const struct app_kind *k,
    struct rec_vis *v)
{
	size_t i;

	v->k = k;
	v->form = forms_get(a->forms, k->type);
	for (i = 0; i < FS__MAX; i++)
		v->visible[i] = policy_field_visible(a->policy, &u->pu,
		    (enum form_sensitivity)i);
}

/* 1 when field `key` of the record goes into the view: a field of the form that the
 * role may see, in the summary unless `full`, and not a metadata name (the index
 * columns win). */
static int
rec_vis_shows(const struct rec_vis *v, const char *key, int full)
{
	const struct form_field *fld = form_field_find(v->form, key);
	size_t i;

	if (fld == NULL || (unsigned)fld->sensitivity >= FS__MAX ||
	    !v->visible[fld->sensitivity] || rec_meta_name(key))
		return 0;
	if (full)
		return 1;
	for (i = 0; v->k->summary[i] != NULL; i++)
		if (strcmp(v->k->summary[i], key) == 0)
			return 1;
	return 0;
}

/* The fields of `data` that `u` may see, with the record's metadata. */
json_t *
app_rec_view(struct app *a, const struct app_actor *u, const struct app_kind *k,
    const struct store_record *r, const json_t *data, int full)
{
	struct rec_vis vis;
	const char *key;
	json_t *out, *v;

	if ((out = rec_meta_view(a, k, r)) == NULL)
		return NULL;
	rec_vis_init(a, u, k, &vis);
	json_object_foreach((json_t *)data, key, v)
		if (rec_vis_shows(&vis, key, full))
			json_object_set(out, key, v);
	return out;
}

int
app_rec_fetch(struct app *a, const struct app_actor *u, const struct app_kind *k,
    const char *id, const char *action, struct store_record *r, struct app_error *err)
{
	const char *why = NULL;
	int rc;

	if (id == NULL || (!id_is_uuid(id) && !id_is_short(id)))
		return app_fail(err, RC_ENOTFOUND, "no %s %s", k->noun,
		    id ? "with that id" : "");
	rc = store_record_get(a->store, k->type, id, r);
	if (rc == RC_ENOTFOUND)
		return app_fail(err, rc, "no %s %s", k->noun, id);
	if (rc != RC_OK)
		return app_fail(err, rc, "cannot read %s", k->nouns);
	if (!policy_allows(a->policy, &u->pu, action, &r->m, &why)) {
		char outcome[64];

		snprintf(outcome, sizeof(outcome), "denied: %s", why);
		audit_note(a, u, action, r->m.id, NULL, outcome);
		store_record_free(r);
		return app_fail(err, RC_ENOTFOUND, "no %s %s", k->noun, id);
	}
	return RC_OK;
}

static json_t *
rec_ref(const struct record_meta *m)
{
	return json_pack("{s:s, s:s, s:I}", "id", m->id, "short_id", m->short_id, "rev",
	    (json_int_t)m->rev);
}

/* A change of index column `name` (status, workflow stage) between `was` and `m`,
 * recorded like a field's. */
static int
rec_history_meta(json_t *fields, json_t *changes, const char *name, const char *from,
    const char *to)
{
	if (strcmp(from, to) == 0)
		return RC_OK;
	if (json_array_append_new(fields, json_string(name)) != 0 ||
	    json_object_set_new(changes, name, json_pack("{s:s, s:s}", "from", from, "to",
	    to)) != 0)
		return RC_ENOMEM;
	return RC_OK;
}

/* The sealed history entry of a save (who, when, which fields changed and how, the
 * stage and status among them when they moved from `was`, NULL on create) into `h`
 * (h->body malloc'd: the caller frees it) and the ids of the changed fields into
 * `*fields` (the caller decrefs). No database access: a create seals it before its
 * transaction begins. */
static int
rec_history_seal(const struct vault_dk *dk, const struct record_meta *was,
    const struct record_meta *m, const struct app_actor *u, const char *action,
    const json_t *before, const json_t *after, struct store_history *h, json_t **fields)
{
	json_t *entry = NULL, *changes, *f;
	char hist[APP_ACTION_MAX];
	size_t i;
	int rc = RC_ENOMEM;

	memset(h, 0, sizeof(*h));
	if ((*fields = record_changed_fields(before, after)) == NULL)
		return RC_ENOMEM;
	if ((changes = json_object()) == NULL)
		goto out;
	json_array_foreach(*fields, i, f) {
		const char *k = json_string_value(f);
		json_t *from = before ? json_object_get(before, k) : NULL;
		json_t *to = json_object_get(after, k);

		json_object_set_new(changes, k, json_pack("{s:O?, s:O?}", "from", from,
		    "to", to));
	}
	if (was != NULL &&
	    (rec_history_meta(*fields, changes, "workflow", was->workflow, m->workflow) !=
	    RC_OK || rec_history_meta(*fields, changes, "status", was->status,
	    m->status) != RC_OK)) {
		json_decref(changes);
		goto out;
	}
	entry = json_pack("{s:s, s:O, s:o}", "action", action, "fields", *fields,
	    "changes", changes);
	if (entry == NULL)
		goto out;
	str_copy(h->record_id, sizeof(h->record_id), m->id);
	h->rev = m->rev;
	h->at = m->updated_at;
	str_copy(h->user_id, sizeof(h->user_id), u->pu.id);
	str_copy(h->action, sizeof(h->action), action);
	rc = rec_seal_json(dk, m->id, khist(m->type, hist), m->rev, entry, &h->body,
	    &h->body_len);
out:
	json_decref(entry);
	if (rc != RC_OK) {
		json_decref(*fields);
		*fields = NULL;
	}
	return rc;
}

/* Append a sealed history entry and the audit row (field ids only), in the caller's
 * transaction. */
static int
rec_history_store(struct app *a, const struct app_actor *u, const struct record_meta *m,
    const char *audit_action, const struct store_history *h, const json_t *fields)
{
	int rc;

	if ((rc = store_history_append(a->store, h)) != RC_OK)
		return rc;
	/* the audit row, in the same transaction: field ids, never values */
	return audit_write(a, u, audit_action, m->id, fields, "ok");
}

/* Both, for a save inside the caller's transaction. */
static int
rec_history_append(struct app *a, const struct vault_dk *dk,
    const struct record_meta *was, const struct record_meta *m,
    const struct app_actor *u, const char *action, const char *audit_action,
    const json_t *before, const json_t *after)
{
	struct store_history h;
	json_t *fields = NULL;
	int rc;

	if ((rc = rec_history_seal(dk, was, m, u, action, before, after, &h, &fields)) ==
	    RC_OK)
		rc = rec_history_store(a, u, m, audit_action, &h, fields);
	free(h.body);
	json_decref(fields);
	return rc;
}

static int
rec_validate(struct app *a, const struct app_kind *k, const json_t *data,
    struct app_error *err)
{
	const struct form *f = forms_get(a->forms, k->type);
	struct form_context ctx = { 0 };
	char today[DATE_SIZE];
	char joined[200];

	if (f == NULL)
		return app_fail(err, RC_EINTERNAL, "no %s form is configured", k->noun);
	app_today(today);
	ctx.today = today;
	ctx.location_exists = app_location_exists;
	ctx.location_arg = a;
	if (form_validate(f, data, &ctx, &err->fields) == RC_OK)
		return RC_OK;
	if (err->fields.n == 1) {
		form_errors_format(&err->fields, joined, sizeof(joined));
		return app_fail(err, RC_EINVALID, "the %s is not valid: %s", k->noun,
		    joined);
	}
	return app_fail(err, RC_EINVALID, "the %s is not valid: %zu problems", k->noun,
	    err->fields.n + err->fields.dropped);
}

/* ---- use cases ------------------------------------------------------------------ */

static const struct app_kind *
kind_or_fail(const char *type, struct app_error *err)
{
	const struct app_kind *k = app_kind_get(type);

	if (k == NULL)
		app_fail(err, RC_ENOTFOUND, "no record type %s", type ? type : "(none)");
	return k;
}

void
app_rec_prep_free(struct app_rec_prep *p)
{
	if (p == NULL)
		return;
	free(p->body);
	free(p->hist.body);
	json_decref(p->hist_fields);
	free(p->keys);
	json_decref(p->copy);
	sodium_memzero(p, sizeof(*p));
}

int
app_rec_prepare(struct app *a, const struct app_actor *u, const char *type,
    const json_t *data, struct app_rec_prep *p, struct app_error *err)
{
	const struct app_kind *k;
	struct record_meta *m = &p->m;
	struct keyset ks = { 0 };
	struct vault_dk dk;
	char today[DATE_SIZE];
	int rc;

	memset(p, 0, sizeof(*p));
	if ((k = kind_or_fail(type, err)) == NULL)
		return RC_ENOTFOUND;
	p->k = k;
	vault_dk_new(&dk);
	kact(k, "create", p->act);
	if (!policy_allows(a->policy, &u->pu, p->act, NULL, NULL)) {
		audit_note(a, u, p->act, NULL, NULL, "denied: role lacks action");
		rc = app_fail(err, RC_EDENIED, "your role may not register %s", k->nouns);
		goto out;
	}
	if (!json_is_object(data)) {
		rc = app_fail(err, RC_EINVALID, "\"data\" must be an object of %s fields",
		    k->noun);
		goto out;
	}
	if ((p->copy = json_deep_copy(data)) == NULL || record_derive(p->copy, NULL) !=
	    RC_OK) {
		rc = RC_ENOMEM;
		goto out;
	}
	if ((rc = rec_validate(a, k, p->copy, err)) != RC_OK) {
		audit_note(a, u, p->act, NULL, NULL, "invalid");
		goto out;
	}

	id_uuid7(m->id);	/* time-ordered: its index entries go beside the last ones */
	str_copy(m->type, sizeof(m->type), k->type);
	m->rev = 1;
	str_copy(m->status, sizeof(m->status), k->first_status);
	str_copy(m->workflow, sizeof(m->workflow), k->first_stage);
	memcpy(m->owner_id, u->pu.id, ID_SIZE);
	memcpy(m->agency_id, u->pu.agency_id, ID_SIZE);
	m->created_at = m->updated_at = clock_now();
	app_today(today);
	record_index(p->copy, today, m);
	if (k->check != NULL && (rc = k->check(a, u, NULL, NULL, m, p->copy, err)) !=
	    RC_OK) {
		audit_note(a, u, p->act, NULL, NULL, "refused by rule");
		goto out;
	}
	if ((rc = rec_keys(a, k, p->copy, &ks)) != RC_OK) {
		rc = app_fail(err, rc, "cannot index the names");
		goto out;
	}
	p->keys = ks.k;
	p->nkeys = ks.n;
	ks.k = NULL;
	vault_dk_wrap(a->vault, m->id, &dk, p->wrapped);
	if ((rc = rec_seal_json(&dk, m->id, m->type, m->rev, p->copy, &p->body,
	    &p->body_len)) != RC_OK)
		goto out;
	rc = rec_history_seal(&dk, NULL, m, u, "create", NULL, p->copy, &p->hist,
	    &p->hist_fields);
out:
	vault_dk_wipe(&dk);
	free(ks.k);
	if (rc != RC_OK)
		app_rec_prep_free(p);
	return rc;
}

int
app_rec_store(struct app *a, const struct app_actor *u, struct app_rec_prep *p,
    json_t **out, struct app_error *err)
{
	const struct app_kind *k = p->k;
	struct record_meta *m = &p->m;
	int rc, tries, own_txn;

	*out = NULL;
	/* inside a caller's transaction (batch loads) the caller commits */
	own_txn = !store_in_transaction(a->store);
	if (own_txn && (rc = store_begin(a->store)) != RC_OK)
		return app_fail(err, rc, "database busy; try again");
	for (tries = 0; tries < SHORT_ID_TRIES; tries++) {
		id_short(m->short_id);
		rc = store_record_insert(a->store, m, p->wrapped, sizeof(p->wrapped), p->body,
		    p->body_len);
		if (rc != RC_EEXIST)
			break;
	}
	if (rc == RC_OK)
		rc = store_record_keys_set(a->store, m->id,
		    (const uint8_t (*)[STORE_BLIND_BYTES])p->keys, p->nkeys);
	if (rc == RC_OK)
		rc = rec_history_store(a, u, m, p->act, &p->hist, p->hist_fields);
	if (rc == RC_OK && k->saved != NULL)
		rc = k->saved(a, m, p->copy);
	if (rc == RC_OK && own_txn)
		rc = store_commit(a->store);
	if (rc != RC_OK) {
		if (own_txn)
			store_rollback(a->store);
		return app_fail(err, rc, "cannot store the %s", k->noun);
	}
	if ((*out = rec_ref(m)) == NULL)
		return RC_ENOMEM;
	if (own_txn)
		app_match_saved(a, m, p->copy);	/* new likely matches become tasks */
	return RC_OK;
}

int
app_record_create(struct app *a, const struct app_actor *u, const char *type,
    const json_t *data, json_t **out, struct app_error *err)
{
	struct app_rec_prep p;
	int rc;

	*out = NULL;
	/* everything but the writes is done before the transaction: on SQLite it takes
	 * a turn on the one write connection that every writer shares */
	if ((rc = app_rec_prepare(a, u, type, data, &p, err)) != RC_OK)
		return rc;
	store_keys_warm(a->store, (const uint8_t (*)[STORE_BLIND_BYTES])p.keys, p.nkeys);
	rc = app_rec_store(a, u, &p, out, err);
	app_rec_prep_free(&p);
	return rc;
}

int
app_record_get(struct app *a, const struct app_actor *u, const char *type,
    const char *id, json_t **out, struct app_error *err)
{
	const struct app_kind *k;
	struct store_record r = { 0 };
	struct vault_dk dk;
	char act[APP_ACTION_MAX];
	json_t *data = NULL;
	int rc;

	*out = NULL;
	if ((k = kind_or_fail(type, err)) == NULL)
		return RC_ENOTFOUND;
	kact(k, "read", act);
	if ((rc = app_rec_fetch(a, u, k, id, act, &r, err)) != RC_OK)
		return rc;
	if ((rc = app_rec_open(a, &r, &dk, &data, err)) == RC_OK &&
	    (*out = app_rec_view(a, u, k, &r, data, 1)) == NULL)
		rc = RC_ENOMEM;
	audit_note(a, u, act, r.m.id, NULL, rc == RC_OK ? "ok" : rc_name(rc));
	vault_dk_wipe(&dk);
	json_decref(data);
	store_record_free(&r);
	return rc;
}

/* Splicing the members `u` may see after the metadata text. */
struct splice_ctx {
	struct rec_vis	 vis;
	struct buf	*out;
};

static int
splice_member(void *arg, const char *key, size_t klen, const char *val, size_t vlen)
{
	struct splice_ctx *c = arg;
	char name[96], *p;

	/* field ids are short and plain; anything else is no field to show */
	if (klen == 0 || klen >= sizeof(name) || memchr(key, '\\', klen) != NULL)
		return 0;
	memcpy(name, key, klen);
	name[klen] = '\0';
	if (!rec_vis_shows(&c->vis, name, 1))
		return 0;
	/* ,"key":value — sizes bounded by the body's, which is bounded */
	if (buf_reserve(c->out, klen + vlen + 4) != 0)
		return RC_ENOMEM;
	p = c->out->p + c->out->len;
	*p++ = ',';
	*p++ = '"';
	memcpy(p, key, klen);
	p += klen;
	*p++ = '"';
	*p++ = ':';
	memcpy(p, val, vlen);
	p += vlen;
	*p = '\0';
	c->out->len = (size_t)(p - c->out->p);
	return 0;
}

int
app_record_get_text(struct app *a, const struct app_actor *u, const char *type,
    const char *id, struct buf *out, int64_t *rev, struct app_error *err)
{
	const struct app_kind *k;
	struct store_record r = { 0 };
	struct splice_ctx c = { 0 };
	struct vault_dk dk;
	char act[APP_ACTION_MAX], *text = NULL;
	size_t len = 0, start = out->len;
	int rc;

	if ((k = kind_or_fail(type, err)) == NULL)
		return RC_ENOTFOUND;
	kact(k, "read", act);
	if ((rc = app_rec_fetch(a, u, k, id, act, &r, err)) != RC_OK)
		return rc;
	rc = vault_dk_unwrap(a->vault, r.m.id, r.dk, r.dk_len, &dk);
	if (rc == RC_OK)
		rc = rec_unseal_text(&dk, r.m.id, r.m.type, r.m.rev, r.body, r.body_len,
		    &text, &len);
	vault_dk_wipe(&dk);
	if (rc == RC_EINTEGRITY) {
		log_error("record %s rev %lld failed authentication", r.m.id,
		    (long long)r.m.rev);
		rc = app_fail(err, rc, "%s %s failed its integrity check: the sealed data "
		    "was altered or the key does not match; nothing was returned",
		    k->noun, r.m.short_id);
		goto out;
	}
	if (rc != RC_OK) {
		rc = app_fail(err, rc, "cannot open %s %s", k->noun, r.m.short_id);
		goto out;
	}
	if ((rc = rec_meta_text(a, k, &r, out)) != RC_OK || out->len - start < 2) {
		rc = RC_ENOMEM;
		goto out;
	}
	rec_vis_init(a, u, k, &c.vis);
	c.out = out;
	/* the metadata object without its closing brace, the members, the brace */
	out->p[--out->len] = '\0';
	rc = json_members(text, len, splice_member, &c);
	if (rc == RC_EINVALID) {
		log_error("record %s rev %lld: body is not a JSON object", r.m.id,
		    (long long)r.m.rev);
		rc = app_fail(err, RC_EINTEGRITY, "%s %s could not be read", k->noun,
		    r.m.short_id);
		goto out;
	}
	if (rc != RC_OK || buf_putc(out, '}') != 0) {
		rc = RC_ENOMEM;
		goto out;
	}
	*rev = r.m.rev;
out:
	if (rc != RC_OK) {
		/* nothing half-written stays behind */
		if (out->p != NULL) {
			sodium_memzero(out->p + start, out->len - start);
			out->len = start;
			out->p[start] = '\0';
		}
	}
	audit_note(a, u, act, r.m.id, NULL, rc == RC_OK ? "ok" : rc_name(rc));
	if (text != NULL) {
		sodium_memzero(text, len);
		free(text);
	}
	store_record_free(&r);
	return rc;
}

int
app_rec_save(struct app *a, const struct app_actor *u, const struct app_kind *k,
    const struct store_record *r, const struct vault_dk *dk, const json_t *before,
    json_t *after, struct record_meta *m, const char *action, json_t **out,
    struct app_error *err)
{
	struct keyset ks = { 0 };
	uint8_t *body = NULL;
	size_t body_len = 0;
	int rc;

	*out = NULL;
	m->rev = r->m.rev + 1;
	m->updated_at = clock_now();
	if ((rc = rec_keys(a, k, after, &ks)) != RC_OK ||
	    (rc = rec_seal_json(dk, m->id, m->type, m->rev, after, &body, &body_len)) !=
	    RC_OK)
		goto out;
	rc = store_record_update(a->store, m, r->m.rev, body, body_len);
	if (rc == RC_ECONFLICT) {
		rc = app_fail(err, rc, "conflict: %s %s changed while saving", k->noun,
		    m->short_id);
		goto out;
	}
	if (rc == RC_OK)
		rc = store_record_keys_set(a->store, m->id,
		    (const uint8_t (*)[STORE_BLIND_BYTES])ks.k, ks.n);
	if (rc == RC_OK)
		rc = rec_history_append(a, dk, &r->m, m, u, "update", action, before,
		    after);
	if (rc == RC_OK && k->saved != NULL)
		rc = k->saved(a, m, after);
	if (rc != RC_OK) {
		rc = app_fail(err, rc, "cannot store the %s", k->noun);
		goto out;
	}
	if ((*out = rec_ref(m)) == NULL)
		rc = RC_ENOMEM;
out:
	free(body);
	free(ks.k);
	return rc;
}

int
app_record_update(struct app *a, const struct app_actor *u, const char *type,
    const char *id, int64_t rev, const json_t *patch, json_t **out,
    struct app_error *err)
{
	const struct app_kind *k;
	struct store_record r = { 0 };
	struct record_meta m;
	struct vault_dk dk = { 0 };
	json_t *before = NULL, *after = NULL, *fields = NULL;
	const char *stage = NULL, *status = NULL;
	char today[DATE_SIZE], act[APP_ACTION_MAX];
	int rc;

	*out = NULL;
	if ((k = kind_or_fail(type, err)) == NULL)
		return RC_ENOTFOUND;
	if (!json_is_object(patch))
		return app_fail(err, RC_EINVALID, "\"data\" must be an object of %s fields",
		    k->noun);
	if (rev < 1)
		return app_fail(err, RC_EINVALID, "rev must be a positive integer");
	/* a move to another stage or status is the kind's to make, not a field */
	if (k->move != NULL && (json_object_get(patch, "workflow") != NULL ||
	    json_object_get(patch, "status") != NULL)) {
		if (json_object_get(patch, "workflow") != NULL &&
		    (stage = json_get_str(patch, "workflow")) == NULL)
			return app_fail_field(err, RC_EINVALID, "workflow",
			    "must be the name of a stage");
		if (json_object_get(patch, "status") != NULL &&
		    (status = json_get_str(patch, "status")) == NULL)
			return app_fail_field(err, RC_EINVALID, "status",
			    "must be open or closed");
		if ((fields = json_copy((json_t *)patch)) == NULL)
			return RC_ENOMEM;
		json_object_del(fields, "workflow");
		json_object_del(fields, "status");
		patch = fields;
	}
	kact(k, "update", act);
	if ((rc = store_begin(a->store)) != RC_OK) {
		json_decref(fields);
		return app_fail(err, rc, "database busy; try again");
	}
	if ((rc = app_rec_fetch(a, u, k, id, act, &r, err)) != RC_OK)
		goto out;
	if (r.m.rev != rev) {
		audit_note(a, u, act, r.m.id, NULL, "conflict");
		rc = app_fail(err, RC_ECONFLICT, "conflict: %s %s is at revision %lld, "
		    "not %lld; someone saved it first. Read it again and reapply your "
		    "change", k->noun, r.m.short_id, (long long)r.m.rev, (long long)rev);
		goto out;
	}
	if ((rc = app_rec_open(a, &r, &dk, &before, err)) != RC_OK)
		goto out;
	if ((after = json_deep_copy(before)) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	if ((rc = record_merge_patch(after, patch)) != RC_OK ||
	    (rc = record_derive(after, before)) != RC_OK)
		goto out;
	if ((rc = rec_validate(a, k, after, err)) != RC_OK) {
		audit_note(a, u, act, r.m.id, NULL, "invalid");
		goto out;
	}
	m = r.m;
	app_today(today);
	record_index(after, today, &m);
	if (k->check != NULL &&
	    (rc = k->check(a, u, &r.m, before, &m, after, err)) != RC_OK) {
		audit_note(a, u, act, r.m.id, NULL, "refused by rule");
		goto out;
	}
	if ((stage != NULL || status != NULL) &&
	    (rc = k->move(a, u, &r.m, stage, status, &m, after, err)) != RC_OK) {
		audit_note(a, u, act, r.m.id, NULL, "refused by rule");
		goto out;
	}
	if ((rc = app_rec_save(a, u, k, &r, &dk, before, after, &m, act, out, err)) ==
	    RC_OK && (rc = store_commit(a->store)) != RC_OK) {
		json_decref(*out);
		*out = NULL;
		rc = app_fail(err, rc, "cannot store the %s", k->noun);
	}
	if (rc == RC_OK)
		app_match_saved(a, &m, after);	/* new likely matches become tasks */
out:
	if (rc != RC_OK)
		store_rollback(a->store);
	audit_flush(a);		/* conflicts, denials and refusals survive the rollback */
	vault_dk_wipe(&dk);
	json_decref(before);
	json_decref(after);
	json_decref(fields);
	store_record_free(&r);
	return rc;
}

/* ---- lists ---------------------------------------------------------------------- */

struct list_ctx {
	struct app		*a;
	const struct app_actor	*u;
	const struct app_kind	*k;
	const char		*read_act;
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
	if (!policy_allows(c->a->policy, &c->u->pu, c->read_act, &r->m, NULL)) {
		store_record_free(r);
		return 0;
	}
	rc = app_rec_open(c->a, r, &dk, &data, c->err);
	vault_dk_wipe(&dk);
	if (rc != RC_OK) {
		store_record_free(r);
		return rc;
	}
	view = app_rec_view(c->a, c->u, c->k, r, data, 0);
	json_decref(data);
	store_record_free(r);
	if (view == NULL || json_array_append_new(c->rows, view) != 0)
		return RC_ENOMEM;
	return 0;
}

/* A filter value must be one of the options of `field` in the kind's form. */
static int
check_option(struct app *a, const struct app_kind *k, const char *param,
    const char *field, const char *v, struct app_error *err)
{
	const struct form_field *f = form_field_find(forms_get(a->forms, k->type), field);
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
app_record_list(struct app *a, const struct app_actor *u, const char *type,
    const struct app_case_query *q, json_t **out, struct app_error *err)
{
	static const char *const statuses[] = { "open", "closed", NULL };
	static const char *const bands[] = { "0-5", "6-11", "12-14", "15-17", "18+", NULL };
	struct store_filter f = { 0 };
	struct list_ctx c = { 0 };
	struct term_ctx t = { 0 };
	const struct app_kind *k;
	char act[APP_ACTION_MAX], read_act[APP_ACTION_MAX];
	int64_t total = 0, page, per;
	int rc;

	*out = NULL;
	if ((k = kind_or_fail(type, err)) == NULL)
		return RC_ENOTFOUND;
	kact(k, "list", act);
	kact(k, "read", read_act);
	if (!policy_allows(a->policy, &u->pu, act, NULL, NULL)) {
		audit_note(a, u, act, NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not list %s", k->nouns);
	}
	page = q->page > 0 ? q->page : 1;
	per = q->per > 0 ? q->per : 20;
	if (per > 100)
		return app_fail(err, RC_EINVALID, "per: at most 100 %s per page", k->nouns);
	if (page > 1000000)
		return app_fail(err, RC_EINVALID, "page: too large");
	if ((rc = check_option(a, k, "concern", "protection_concerns", q->concern,
	    err)) != RC_OK ||
	    (rc = check_one_of("status", q->status, statuses, err)) != RC_OK ||
	    (rc = check_one_of("age_band", q->age_band, bands, err)) != RC_OK ||
	    (rc = check_option(a, k, "risk_level", "risk_level", q->risk_level, err)) !=
	    RC_OK ||
	    (rc = check_option(a, k, "sex", "sex", q->sex, err)) != RC_OK)
		return rc;
	if (q->text != NULL && strlen(q->text) > 200)
		return app_fail(err, RC_EINVALID, "query: longer than 200 characters");

	if ((c.rows = json_array()) == NULL)
		return RC_ENOMEM;
	c.a = a;
	c.u = u;
	c.k = k;
	c.read_act = read_act;
	c.err = err;

	/* a short id or id finds that case alone, if the user may see it; a name
	 * that only looks like a short id ("bereket") is searched as a name */
	if (q->text != NULL && (id_is_short(q->text) || id_is_uuid(q->text))) {
		struct store_record r = { 0 };
		struct app_error ignore;

		if (app_rec_fetch(a, u, k, q->text, read_act, &r, &ignore) == RC_OK) {
			if ((rc = list_row(&c, &r)) != 0)
				goto fail;
			total = 1;
			goto done;
		}
		if (id_is_uuid(q->text))
			goto done;
	}

	f.type = k->type;
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
	if (rc == RC_EINVALID && f.nterms > 0) {
		/* the store counts the matches of a search up to a limit */
		rc = app_fail(err, rc, "query: matches too many %s; add a word or a filter",
		    k->nouns);
		goto fail;
	}
	if (rc != RC_OK) {
		if (rc != RC_EINTEGRITY)
			rc = app_fail(err, rc, "cannot list %s", k->nouns);
		goto fail;
	}
done:
	{
		char outcome[64];

		/* how many, never what was searched for */
		snprintf(outcome, sizeof(outcome), "%lld results", (long long)total);
		audit_note(a, u, act, NULL, NULL, outcome);
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
	const char		*hist;
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

	rc = rec_unseal_json(c->dk, h->record_id, c->hist, h->rev, h->body,
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
app_record_history(struct app *a, const struct app_actor *u, const char *type,
    const char *id, json_t **out, struct app_error *err)
{
	const struct app_kind *k;
	struct store_record r = { 0 };
	struct history_ctx c = { 0 };
	struct vault_dk dk;
	char act[APP_ACTION_MAX], hist[APP_ACTION_MAX];
	int rc;

	*out = NULL;
	if ((k = kind_or_fail(type, err)) == NULL)
		return RC_ENOTFOUND;
	if ((rc = app_rec_fetch(a, u, k, id, kact(k, "read", act), &r, err)) != RC_OK)
		return rc;
	if ((rc = vault_dk_unwrap(a->vault, r.m.id, r.dk, r.dk_len, &dk)) != RC_OK) {
		rc = app_fail(err, rc, "%s %s failed its integrity check", k->noun,
		    r.m.short_id);
		goto out;
	}
	c.a = a;
	c.dk = &dk;
	c.hist = khist(k->type, hist);
	if ((c.rows = json_array()) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	rc = store_history_list(a->store, r.m.id, history_row, &c);
	if (rc == RC_EINTEGRITY)
		rc = app_fail(err, rc, "the history of %s %s failed its integrity check",
		    k->noun, r.m.short_id);
	else if (rc != RC_OK)
		rc = app_fail(err, rc, "cannot read the history of %s %s", k->noun,
		    r.m.short_id);
	if (rc == RC_OK) {
		*out = c.rows;
		c.rows = NULL;
	}
	audit_note(a, u, kact(k, "history", act), r.m.id, NULL,
	    rc == RC_OK ? "ok" : rc_name(rc));
out:
	json_decref(c.rows);
	vault_dk_wipe(&dk);
	store_record_free(&r);
	return rc;
}


/* ---- kinds ---------------------------------------------------------------------- */

static const struct app_kind *const kinds[] = {
	&app_kind_case,
	&app_kind_referral,
	&app_kind_tracing,
	&app_kind_vot,
	NULL
};

const struct app_kind *
app_kind_get(const char *type)
{
	size_t i;

	for (i = 0; type != NULL && kinds[i] != NULL; i++)
		if (strcmp(kinds[i]->type, type) == 0)
			return kinds[i];
	return NULL;
}

const struct app_kind *
app_kind_at(size_t i)
{
	return i < sizeof(kinds) / sizeof(kinds[0]) ? kinds[i] : NULL;
}

const char *
app_kind_noun(const char *type)
{
	const struct app_kind *k = app_kind_get(type);

	return k != NULL ? k->noun : "record";
}
