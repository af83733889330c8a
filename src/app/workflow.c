/*
 * workflow.c — the case management workflow as use cases (docs/workflow.md): stage
 * changes made through a case's update (app_workflow_move), approvals, deadlines kept
 * as task documents and the task list, consent checks and a supervisor's override,
 * and what a case's page needs to move it on.
 *
 * The rules are domain/'s (workflow.h, domv.h, consent.h): this file fetches, checks
 * access, writes in one transaction with the revision check, and audits. Refusals by
 * a rule are RC_EINVALID with err->code "rule" and the rule's id first in the message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "app/impl.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "domain/consent.h"
#include "domain/deadline.h"
#include "domain/domv.h"
#include "domain/form.h"
#include "domain/record.h"
#include "domain/workflow.h"

#define TASK_KIND		"task"
#define WF_COMMENT_MAX		2000	/* bytes of an approval comment (the form's limit) */
#define WF_TASK_ID_SIZE		STORE_DOC_ID_SIZE

/* ---- the office's time zone ------------------------------------------------------- */

/* The server's local zone (TZ, else /etc/localtime) at instant `t`. */
static long
wf_utc_offset(void *arg, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	(void)arg;
	if (localtime_r(&tt, &tm) == NULL)
		return 0;
	return tm.tm_gmtoff;
}

static const struct deadline_tz wf_tz = { wf_utc_offset, NULL };

const struct deadline_tz *
app_deadline_tz(void)
{
	return &wf_tz;
}

/* ---- refusals ----------------------------------------------------------------------- */

/* A refusal by rule `why`, naming `field`: RC_EINVALID, err->code "rule", the message
 * "rule.id: sentence" and one field problem holding the rule's id. */
static int
wf_rule(struct app_error *err, const char *field, const struct workflow_why *why)
{
	if (err == NULL)
		return RC_EINVALID;
	memset(&err->fields, 0, sizeof(err->fields));
	str_copy(err->fields.e[0].field, sizeof(err->fields.e[0].field), field);
	str_copy(err->fields.e[0].problem, sizeof(err->fields.e[0].problem), why->rule);
	err->fields.n = 1;
	str_copy(err->code, sizeof(err->code), "rule");
	return app_fail(err, RC_EINVALID, "%s: %s", why->rule, why->message);
}

/* The audit outcome of a refused change: "refused: rule.id", or "invalid". */
static void
wf_outcome(const struct app_error *err, char out[64])
{
	str_copy(out, 64, "invalid");
	if (err != NULL && strcmp(err->code, "rule") == 0 && err->fields.n == 1 &&
	    strlen(err->fields.e[0].problem) < 64 - sizeof("refused: "))
		snprintf(out, 64, "refused: %.50s", err->fields.e[0].problem);
}

/*
 * The members of `data` must be among `names` (NULL-terminated) and strings; their
 * values into `values` (NULL when absent). RC_OK or RC_EINVALID naming the member.
 */
static int
wf_members(const json_t *data, const char *const *names, const char **values,
    struct app_error *err)
{
	const char *key;
	json_t *v;
	size_t i;

	if (!json_is_object(data))
		return app_fail(err, RC_EINVALID, "\"data\" must be an object");
	json_object_foreach((json_t *)data, key, v) {
		for (i = 0; names[i] != NULL; i++)
			if (strcmp(names[i], key) == 0)
				break;
		if (names[i] == NULL)
			return app_fail_field(err, RC_EINVALID, key, "is not allowed here");
		if (!json_is_string(v))
			return app_fail_field(err, RC_EINVALID, key, "must be a string");
	}
	for (i = 0; names[i] != NULL; i++)
		values[i] = json_get_str(data, names[i]);
	return RC_OK;
}

/* 1 when `id` is a value of lookup `lookup`. */
static int
wf_lookup_has(struct app *a, const char *lookup, const char *id)
{
	const json_t *o;
	size_t i;

	json_array_foreach(forms_lookup(a->forms, lookup), i, o)
		if (json_get_str(o, "id") != NULL && strcmp(json_get_str(o, "id"), id) == 0)
			return 1;
	return 0;
}

/* ---- stage changes ------------------------------------------------------------------ */

static const struct workflow_why wf_bad_status = {
	"status.unknown", "the status must be open or closed"
};
static const struct workflow_why wf_status_mismatch = {
	"status.mismatch", "the status asked for is not the status of the stage asked for"
};

int
app_workflow_move(struct app *a, const struct app_actor *u,
    const struct record_meta *was, const char *stage, const char *status,
    struct record_meta *m, json_t *after, struct app_error *err)
{
	struct workflow_actor who;
	struct workflow_why why;
	char today[DATE_SIZE];
	const char *to = stage, *st;
	int rc;

	if (status != NULL) {
		if (strcmp(status, "closed") != 0 && strcmp(status, "open") != 0)
			return wf_rule(err, "status", &wf_bad_status);
		if (to == NULL) {
			/* "closed" is the stage closed; "open" reopens a closed case and
			 * leaves an open one as it is */
			if (strcmp(status, "closed") == 0)
				to = "closed";
			else if (strcmp(was->status, "closed") == 0)
				to = "reopened";
		} else if ((st = workflow_stage_status(to)) != NULL &&
		    strcmp(st, status) != 0)
			return wf_rule(err, "status", &wf_status_mismatch);
	}
	if (to == NULL || strcmp(to, was->workflow) == 0)
		return RC_OK;		/* where it is already: nothing to move */
	if (workflow_check(a->workflow, u->pu.role, was->workflow, to, after, &why) !=
	    RC_OK)
		return wf_rule(err, stage != NULL ? "workflow" : "status", &why);
	who.id = u->pu.id;
	who.role = u->pu.role;
	app_today(today);
	if ((rc = workflow_transition_apply(after, was->workflow, to, &who, today)) !=
	    RC_OK)
		return app_fail(err, rc, "cannot move the case to stage %s", to);
	str_copy(m->workflow, sizeof(m->workflow), to);
	str_copy(m->status, sizeof(m->status), workflow_stage_status(to));
	return RC_OK;
}

/* ---- tasks ---------------------------------------------------------------------------- */

/* Write one deadline of case `m` as a task document. */
static int
wf_task_put(struct app *a, const struct record_meta *m, const struct workflow_due *d)
{
	struct store_doc doc;
	char iso[CLOCK_ISO_SIZE];
	const char *kind = workflow_due_kind_name(d->kind);
	json_t *body;
	int rc, n;

	memset(&doc, 0, sizeof(doc));
	str_copy(doc.kind, sizeof(doc.kind), TASK_KIND);
	if (d->kind == WDK_APPROVAL)
		n = snprintf(doc.id, sizeof(doc.id), "%s:approval:%s", m->id,
		    workflow_approval_name(d->approval));
	else
		n = snprintf(doc.id, sizeof(doc.id), "%s:%s", m->id, kind);
	if (n < 0 || (size_t)n >= sizeof(doc.id))
		return RC_EINTERNAL;
	str_copy(doc.ref, sizeof(doc.ref), m->id);
	/* an approval waits for the agency's supervisors, not for the caseworker */
	if (d->kind != WDK_APPROVAL)
		str_copy(doc.owner_id, sizeof(doc.owner_id), m->owner_id);
	str_copy(doc.agency_id, sizeof(doc.agency_id), m->agency_id);
	doc.at = d->due_at;
	clock_iso(d->due_at, iso);
	/* ids, codes and dates only: nothing that names or describes the child */
	body = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "kind", kind,
	    "record_id", m->id, "short_id", m->short_id, "type", m->type, "stage",
	    m->workflow, "risk_level", m->risk_level, "due_at", iso, "due_date",
	    d->due_date);
	if (body != NULL && d->kind == WDK_APPROVAL &&
	    json_object_set_new(body, "approval",
	    json_string(workflow_approval_name(d->approval))) != 0) {
		json_decref(body);
		body = NULL;
	}
	if (body == NULL || (doc.body = json_dump_compact(body)) == NULL) {
		json_decref(body);
		return RC_ENOMEM;
	}
	rc = store_doc_put(a->store, &doc);
	free(doc.body);
	json_decref(body);
	return rc;
}

/* The name a deadline sorts by after its due time, as its task document's id does. */
static void
wf_due_name(const struct workflow_due *d, char *out, size_t outsz)
{
	if (d->kind == WDK_APPROVAL)
		snprintf(out, outsz, "approval:%s", workflow_approval_name(d->approval));
	else
		snprintf(out, outsz, "%s", workflow_due_kind_name(d->kind));
}

/*
 * Keep the deadlines of case `m` beside it (store_record_deadlines_set), in the
 * order its task documents list them (due time, then id): one "kind|due_at|
 * due_date|approval" per deadline, ";" between them. Codes and dates only.
 */
static int
wf_deadlines_keep(struct app *a, const struct record_meta *m,
    const struct workflow_due *due, size_t n)
{
	size_t order[WORKFLOW_DUE_MAX], i, j;
	char ni[64], nj[64];
	struct buf t = BUF_INIT;
	int rc = RC_OK;

	for (i = 0; i < n; i++) {
		order[i] = i;
		for (j = i; j > 0; j--) {
			const struct workflow_due *p = &due[order[j - 1]];

			wf_due_name(p, nj, sizeof(nj));
			wf_due_name(&due[i], ni, sizeof(ni));
			if (p->due_at < due[i].due_at ||
			    (p->due_at == due[i].due_at && strcmp(nj, ni) <= 0))
				break;
			order[j] = order[j - 1];
		}
		order[j] = i;
	}
	if (buf_puts(&t, "") != 0)
		rc = RC_ENOMEM;
	for (i = 0; rc == RC_OK && i < n; i++) {
		const struct workflow_due *d = &due[order[i]];

		if (buf_printf(&t, "%s%s|%lld|%s|%s", i > 0 ? ";" : "",
		    workflow_due_kind_name(d->kind), (long long)d->due_at, d->due_date,
		    d->kind == WDK_APPROVAL ? workflow_approval_name(d->approval) : "") != 0)
			rc = RC_ENOMEM;
	}
	if (rc == RC_OK)
		rc = store_record_deadlines_set(a->store, m->id, t.p);
	buf_free(&t);
	return rc;
}

int
app_workflow_tasks(struct app *a, const struct record_meta *m, const json_t *body)
{
	struct workflow_due due[WORKFLOW_DUE_MAX];
	size_t n, i;
	int rc;

	n = workflow_deadlines(a->workflow, m, body, clock_now(), &wf_tz, due);
	if ((rc = store_doc_delete_ref(a->store, TASK_KIND, m->id)) != RC_OK)
		return rc;
	for (i = 0; i < n; i++)
		if ((rc = wf_task_put(a, m, &due[i])) != RC_OK)
			return rc;
	return wf_deadlines_keep(a, m, due, n);
}

/* A task document as clients see it; `now` decides "overdue". NULL when it is not
 * one of ours or out of memory. */
static json_t *
wf_task_json(const struct store_doc *d, int64_t now)
{
	char iso[CLOCK_ISO_SIZE];
	const char *approval;
	json_t *b, *o;

	if ((b = json_loads(d->body, 0, NULL)) == NULL)
		return NULL;
	clock_iso(d->at, iso);
	o = json_pack("{s:s?, s:s, s:s?, s:b}", "kind", json_get_str(b, "kind"), "due_at",
	    iso, "due_date", json_get_str(b, "due_date"), "overdue", now >= d->at);
	if (o != NULL && (approval = json_get_str(b, "approval")) != NULL)
		json_object_set_new(o, "approval", json_string(approval));
	if (o != NULL) {
		/* what the task list adds */
		json_object_set_new(o, "short_id", json_string(json_get_str(b, "short_id") ?
		    json_get_str(b, "short_id") : ""));
		json_object_set_new(o, "stage", json_string(json_get_str(b, "stage") ?
		    json_get_str(b, "stage") : ""));
		json_object_set_new(o, "risk_level", json_string(json_get_str(b,
		    "risk_level") ? json_get_str(b, "risk_level") : ""));
	}
	json_decref(b);
	return o;
}

struct wf_view_ctx {
	struct buf	*out;		/* the "deadlines" array being written */
	size_t		 n;		/* items written */
	int64_t		 now;
	int		 overdue;
	int64_t		 response;	/* the response deadline, or 0 */
};

/* The members of a task body that the case's own view repeats. The bodies are ours
 * (wf_task_put: plain codes and dates), so they are read without a parse; anything
 * else in that place is refused as RC_EINVALID. */
struct wf_task_text {
	char	kind[32];
	char	due_date[16];
	char	approval[48];
};

static int
wf_task_member(void *arg, const char *key, size_t klen, const char *val, size_t vlen)
{
	struct wf_task_text *t = arg;
	size_t cap;
	char *dst;

	if (klen == 4 && memcmp(key, "kind", 4) == 0) {
		dst = t->kind;
		cap = sizeof(t->kind);
	} else if (klen == 8 && memcmp(key, "due_date", 8) == 0) {
		dst = t->due_date;
		cap = sizeof(t->due_date);
	} else if (klen == 8 && memcmp(key, "approval", 8) == 0) {
		dst = t->approval;
		cap = sizeof(t->approval);
	} else
		return 0;
	if (vlen < 2 || val[0] != '"' || val[vlen - 1] != '"' ||
	    memchr(val, '\\', vlen) != NULL || vlen - 2 >= cap)
		return RC_EINVALID;
	memcpy(dst, val + 1, vlen - 2);
	dst[vlen - 2] = '\0';
	return 0;
}

/* One deadline of the view: `t` due at `at`, written as JSON. */
static int
wf_view_item(struct wf_view_ctx *c, const struct wf_task_text *t, int64_t at)
{
	char iso[CLOCK_ISO_SIZE];
	struct buf *b = c->out;
	int bad = 0;

	clock_iso(at, iso);
	bad |= buf_puts(b, c->n++ > 0 ? ",{\"kind\":" : "{\"kind\":");
	bad |= json_write_str(b, t->kind, strlen(t->kind));
	bad |= buf_puts(b, ",\"due_at\":\"");
	bad |= buf_puts(b, iso);
	bad |= buf_putc(b, '"');
	if (t->due_date[0] != '\0') {
		bad |= buf_puts(b, ",\"due_date\":");
		bad |= json_write_str(b, t->due_date, strlen(t->due_date));
	}
	bad |= buf_puts(b, c->now >= at ? ",\"overdue\":true" : ",\"overdue\":false");
	if (t->approval[0] != '\0') {
		bad |= buf_puts(b, ",\"approval\":");
		bad |= json_write_str(b, t->approval, strlen(t->approval));
	}
	bad |= buf_putc(b, '}');
	if (bad)
		return RC_ENOMEM;
	if (c->now >= at)
		c->overdue = 1;
	if (strcmp(t->kind, "response") == 0)
		c->response = at;
	return RC_OK;
}

static int
wf_view_doc(void *arg, struct store_doc *d)
{
	struct wf_task_text t;
	int rc;

	memset(&t, 0, sizeof(t));
	rc = json_members(d->body, strlen(d->body), wf_task_member, &t);
	if (rc != RC_OK || t.kind[0] == '\0') {
		log_warn("task %s: not a task this program wrote", d->id);
		rc = RC_OK;		/* the view goes on without it */
	} else
		rc = wf_view_item(arg, &t, d->at);
	store_doc_free(d);
	return rc;
}

/* Copy field `i` ("|"-separated) of `s` (`n` bytes) into `dst`; -1 when too long. */
static int
wf_field(const char *s, size_t n, int i, char *dst, size_t dstsz)
{
	const char *end = s + n, *p = s, *q;

	for (; i > 0 && p < end; i--) {
		if ((q = memchr(p, '|', (size_t)(end - p))) == NULL)
			return -1;
		p = q + 1;
	}
	if (i > 0)
		return -1;
	q = memchr(p, '|', (size_t)(end - p));
	if (q == NULL)
		q = end;
	if ((size_t)(q - p) >= dstsz)
		return -1;
	memcpy(dst, p, (size_t)(q - p));
	dst[q - p] = '\0';
	return 0;
}

/* The deadlines kept beside the record (wf_deadlines_keep): no query, no parse. */
static int
wf_view_kept(struct wf_view_ctx *c, const char *record_id, const char *text)
{
	const char *p = text, *end;
	struct wf_task_text t;
	char at[24], *e;
	long long v;
	int rc;

	while (*p != '\0') {
		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		memset(&t, 0, sizeof(t));
		if (wf_field(p, (size_t)(end - p), 0, t.kind, sizeof(t.kind)) != 0 ||
		    wf_field(p, (size_t)(end - p), 1, at, sizeof(at)) != 0 ||
		    wf_field(p, (size_t)(end - p), 2, t.due_date, sizeof(t.due_date)) != 0 ||
		    wf_field(p, (size_t)(end - p), 3, t.approval, sizeof(t.approval)) != 0 ||
		    t.kind[0] == '\0' || (v = strtoll(at, &e, 10), *e != '\0' || e == at)) {
			log_warn("case %s: its kept deadlines are not as this program writes "
			    "them", record_id);
			return RC_OK;	/* the view goes on without the rest */
		}
		if ((rc = wf_view_item(c, &t, (int64_t)v)) != RC_OK)
			return rc;
		p = *end == ';' ? end + 1 : end;
	}
	return RC_OK;
}

int
app_workflow_view(struct app *a, const struct store_record *r, struct buf *out)
{
	const struct record_meta *m = &r->m;
	struct store_doc_filter f;
	struct wf_view_ctx c;
	char iso[CLOCK_ISO_SIZE];
	size_t start = out->len;
	int rc;

	memset(&c, 0, sizeof(c));
	memset(&f, 0, sizeof(f));
	c.out = out;
	c.now = clock_now();
	if (buf_puts(out, ",\"deadlines\":[") != 0)
		return RC_ENOMEM;
	if (r->deadlines != NULL)
		rc = wf_view_kept(&c, m->id, r->deadlines);
	else {
		/* saved before its deadlines were kept beside it: its task documents */
		f.kind = TASK_KIND;
		f.ref = m->id;
		f.limit = WORKFLOW_DUE_MAX * 2;
		rc = store_doc_list(a->store, &f, NULL, wf_view_doc, &c);
	}
	if (rc == RC_ENOMEM)
		return rc;
	if (rc != RC_OK) {
		/* the view goes on without them */
		log_warn("case %s: cannot read its tasks: %s", m->id, rc_name(rc));
		out->len = start;
		out->p[start] = '\0';
		return RC_OK;
	}
	if (buf_puts(out, c.overdue ? "],\"overdue\":true" : "],\"overdue\":false") != 0)
		return RC_ENOMEM;
	if (c.response != 0) {
		clock_iso(c.response, iso);
		if (buf_puts(out, ",\"assessment_due\":\"") != 0 || buf_puts(out, iso) != 0 ||
		    buf_putc(out, '"') != 0)
			return RC_ENOMEM;
	}
	return RC_OK;
}

/* Counting documents without keeping them. */
static int
wf_doc_skip(void *arg, struct store_doc *d)
{
	(void)arg;
	store_doc_free(d);
	return 0;
}

int64_t
app_tasks_overdue(struct app *a, const char *owner_id, const char *agency_id,
    int64_t now)
{
	struct store_doc_filter f;
	int64_t total = 0;

	memset(&f, 0, sizeof(f));
	f.kind = TASK_KIND;
	if (owner_id != NULL)
		f.owner_id = owner_id;
	else
		f.agency_id = agency_id;
	f.at_max = now;
	f.limit = 1;
	if (store_doc_list(a->store, &f, &total, wf_doc_skip, NULL) != RC_OK)
		return -1;
	return total;
}

struct wf_task_ctx {
	struct app	*a;
	json_t		*rows;
	int64_t		 now;
};

static int
wf_task_row(void *arg, struct store_doc *d)
{
	struct wf_task_ctx *c = arg;
	char owner[64];
	json_t *o = wf_task_json(d, c->now);
	int rc = RC_OK;

	if (o == NULL)
		rc = RC_ENOMEM;
	else {
		json_object_set_new(o, "id", json_string(d->id));
		json_object_set_new(o, "record_id", json_string(d->ref));
		app_username(c->a, d->owner_id, owner);
		if (owner[0] != '\0')
			json_object_set_new(o, "owned_by", json_string(owner));
		if (json_array_append_new(c->rows, o) != 0)
			rc = RC_ENOMEM;
	}
	store_doc_free(d);
	return rc;
}

int
app_task_list(struct app *a, const struct app_actor *u, const struct app_task_query *q,
    json_t **out, struct app_error *err)
{
	struct store_doc_filter f;
	struct wf_task_ctx c;
	char outcome[64];
	int64_t total = 0, page, per, late;
	int rc;

	*out = NULL;
	if (!policy_allows(a->policy, &u->pu, "task.list", NULL, NULL)) {
		audit_note(a, u, "task.list", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role has no task list");
	}
	page = q->page > 0 ? q->page : 1;
	per = q->per > 0 ? q->per : 20;
	if (per > 100)
		return app_fail(err, RC_EINVALID, "per: at most 100 tasks per page");
	if (page > 1000000)
		return app_fail(err, RC_EINVALID, "page: too large");
	memset(&f, 0, sizeof(f));
	memset(&c, 0, sizeof(c));
	f.kind = TASK_KIND;
	switch (policy_scope(a->policy, &u->pu)) {
	case SCOPE_OWN:
		f.owner_id = u->pu.id;
		break;
	case SCOPE_AGENCY:
		f.agency_id = u->pu.agency_id;
		break;
	default:
		audit_note(a, u, "task.list", NULL, NULL, "denied: no scope");
		return app_fail(err, RC_EDENIED, "your role has no task list");
	}
	if (q->overdue_only && q->upcoming_only)
		return app_fail(err, RC_EINVALID, "overdue: choose late or not late, not both");
	c.a = a;
	c.now = clock_now();
	if ((c.rows = json_array()) == NULL)
		return RC_ENOMEM;
	if (q->overdue_only)
		f.at_max = c.now;
	if (q->upcoming_only)
		f.at_min = c.now + 1;		/* late from due_at on */
	f.descending = q->latest_first;
	f.limit = per;
	f.offset = (page - 1) * per;
	if ((rc = store_doc_list(a->store, &f, &total, wf_task_row, &c)) != RC_OK) {
		json_decref(c.rows);
		return app_fail(err, rc, "cannot list tasks");
	}
	late = app_tasks_overdue(a, f.owner_id, f.agency_id, c.now);
	if (late < 0) {
		json_decref(c.rows);
		return app_fail(err, RC_EIO, "cannot count tasks");
	}
	snprintf(outcome, sizeof(outcome), "%lld results", (long long)total);
	audit_note(a, u, "task.list", NULL, NULL, outcome);
	*out = json_pack("{s:o, s:{s:I, s:I, s:I, s:I}}", "data", c.rows, "metadata",
	    "total", (json_int_t)total, "page", (json_int_t)page, "per", (json_int_t)per,
	    "overdue", (json_int_t)late);
	return *out != NULL ? RC_OK : RC_ENOMEM;
}

/* ---- changes to a case outside its form: approvals, overrides ----------------------- */

/* Change `after` (a copy of the case body `before` of record `m`) or refuse. */
typedef int (*wf_change_fn)(struct app *a, const struct app_actor *u,
    const struct record_meta *m, const json_t *before, json_t *after, void *arg,
    struct app_error *err);

/* The whole body must stay valid: what the server adds is checked like any input
 * (a comment's length, control characters). */
static int
wf_validate(struct app *a, const json_t *body, struct app_error *err)
{
	struct form_context ctx;
	struct form_errors errs;
	char today[DATE_SIZE], joined[200];

	memset(&ctx, 0, sizeof(ctx));
	memset(&errs, 0, sizeof(errs));
	app_today(today);
	ctx.today = today;	/* stored locations were checked when they were saved */
	if (form_validate(forms_get(a->forms, "case"), body, &ctx, &errs) == RC_OK)
		return RC_OK;
	form_errors_format(&errs, joined, sizeof(joined));
	if (err != NULL)
		err->fields = errs;
	return app_fail(err, RC_EINVALID, "the case is not valid: %s", joined);
}

/*
 * Fetch case `id` for `action`, check revision `rev` (0: none), let `fn` change its
 * body, validate, and write the next revision with its history, audit row and tasks,
 * all in one transaction.
 */
static int
wf_case_change(struct app *a, const struct app_actor *u, const char *id, int64_t rev,
    const char *action, wf_change_fn fn, void *arg, json_t **out,
    struct app_error *err)
{
	const struct app_kind *k = &app_kind_case;
	struct store_record r;
	struct record_meta m;
	struct vault_dk dk;
	json_t *before = NULL, *after = NULL;
	char today[DATE_SIZE], outcome[64];
	int rc;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	memset(&dk, 0, sizeof(dk));
	if (rev < 0)
		return app_fail(err, RC_EINVALID, "rev must be a positive integer");
	if (!policy_allows(a->policy, &u->pu, action, NULL, NULL)) {
		audit_note(a, u, action, NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not do this (%s)", action);
	}
	if ((rc = store_begin(a->store)) != RC_OK)
		return app_fail(err, rc, "database busy; try again");
	if ((rc = app_rec_fetch(a, u, k, id, action, &r, err)) != RC_OK)
		goto out;
	if (rev > 0 && r.m.rev != rev) {
		audit_note(a, u, action, r.m.id, NULL, "conflict");
		rc = app_fail(err, RC_ECONFLICT, "conflict: case %s is at revision %lld, "
		    "not %lld; someone saved it first. Read it again and decide on what "
		    "it holds now", r.m.short_id, (long long)r.m.rev, (long long)rev);
		goto out;
	}
	if ((rc = app_rec_open(a, &r, &dk, &before, err)) != RC_OK)
		goto out;
	if ((after = json_deep_copy(before)) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	if ((rc = fn(a, u, &r.m, before, after, arg, err)) != RC_OK ||
	    (rc = wf_validate(a, after, err)) != RC_OK) {
		if (rc == RC_EINVALID) {
			wf_outcome(err, outcome);
			audit_note(a, u, action, r.m.id, NULL, outcome);
		}
		goto out;
	}
	m = r.m;
	app_today(today);
	record_index(after, today, &m);
	if ((rc = app_rec_save(a, u, k, &r, &dk, before, after, &m, action, out, err)) ==
	    RC_OK && (rc = store_commit(a->store)) != RC_OK) {
		json_decref(*out);
		*out = NULL;
		rc = app_fail(err, rc, "cannot store the case");
	}
out:
	if (rc != RC_OK)
		store_rollback(a->store);
	audit_flush(a);		/* refusals and conflicts survive the rollback */
	vault_dk_wipe(&dk);
	json_decref(before);
	json_decref(after);
	store_record_free(&r);
	return rc;
}

/* ---- approvals ---------------------------------------------------------------------- */

struct wf_approval {
	const char	*type, *status, *comment;
};

/* The field a refusal of an approval names. */
static const char *
wf_approval_field(const char *rule)
{
	if (strcmp(rule, "approval.comment_required") == 0)
		return "comment";
	if (strcmp(rule, "approval.unknown_type") == 0)
		return "type";
	return "approval_status";
}

static int
wf_approval_change(struct app *a, const struct app_actor *u, const struct record_meta *m,
    const json_t *before, json_t *after, void *arg, struct app_error *err)
{
	const struct wf_approval *q = arg;
	struct workflow_actor who;
	struct workflow_why why;
	char today[DATE_SIZE];
	int rc;

	who.id = u->pu.id;
	who.role = u->pu.role;
	if (workflow_approval_check(a->workflow, &who, q->type, q->status, q->comment, m,
	    before, &why) != RC_OK)
		return wf_rule(err, wf_approval_field(why.rule), &why);
	app_today(today);
	if ((rc = workflow_approval_apply(after, &who, q->type, q->status, q->comment,
	    today)) != RC_OK)
		return app_fail(err, rc, "cannot record the approval");
	return RC_OK;
}

int
app_case_approval(struct app *a, const struct app_actor *u, const char *id,
    int64_t rev, const char *type, const json_t *data, json_t **out,
    struct app_error *err)
{
	static const char *const names[] = { "approval_status", "comment", NULL };
	struct wf_approval q;
	const char *v[2];
	int rc;

	*out = NULL;
	if ((rc = wf_members(data, names, v, err)) != RC_OK)
		return rc;
	if (v[0] == NULL)
		return app_fail_field(err, RC_EINVALID, "approval_status", "is required");
	if (v[1] != NULL && strlen(v[1]) > WF_COMMENT_MAX)
		return app_fail_field(err, RC_EINVALID, "comment",
		    "is longer than 2000 bytes");
	q.type = type != NULL ? type : "";
	q.status = v[0];
	q.comment = v[1];
	if ((rc = wf_case_change(a, u, id, rev, "case.approval", wf_approval_change, &q,
	    out, err)) != RC_OK)
		return rc;
	if (json_object_set_new(*out, "approval", json_pack("{s:s, s:s}", "type", q.type,
	    "status", q.status)) != 0) {
		json_decref(*out);
		*out = NULL;
		return RC_ENOMEM;
	}
	return RC_OK;
}

/* ---- consent ------------------------------------------------------------------------- */

/* 1 when a supervisor's override in `body` covers `purpose` for `recipient_type`:
 * one for that purpose and no particular recipient, or for that very recipient type. */
static int
wf_overridden(const json_t *body, const char *purpose, const char *recipient_type)
{
	const json_t *e;
	const char *p, *r;
	size_t i;

	json_array_foreach(json_object_get(body, "consent_overrides"), i, e) {
		p = json_get_str(e, "consent_override_purpose");
		r = json_get_str(e, "consent_override_recipient_type");
		if (p == NULL || strcmp(p, purpose) != 0)
			continue;
		if (r == NULL || (recipient_type != NULL && strcmp(r, recipient_type) == 0))
			return 1;
	}
	return 0;
}

int
app_consent_of(struct app *a, const struct record_meta *m, const json_t *body,
    const char *purpose, const char *recipient_type, struct app_consent *out,
    struct app_error *err)
{
	struct consent_result res;
	char today[DATE_SIZE];
	int rc;

	(void)m;
	memset(out, 0, sizeof(*out));
	if (purpose == NULL || !wf_lookup_has(a, "lookup-consent-purpose", purpose))
		return app_fail_field(err, RC_EINVALID, "purpose",
		    "is not one of the consent purposes");
	if (recipient_type != NULL && !wf_lookup_has(a, "lookup-consent-recipient-type",
	    recipient_type))
		return app_fail_field(err, RC_EINVALID, "recipient_type",
		    "is not one of the recipient types");
	memset(&res, 0, sizeof(res));
	app_today(today);
	rc = consent_check(workflow_consent_rules(a->workflow), body, today, purpose,
	    recipient_type, &res);
	if (rc != RC_OK && rc != RC_EDENIED)
		return app_fail(err, RC_EINVALID, "consent cannot be judged for this case: "
		    "no consent rule covers the child's age");
	out->age_lo = res.age.lo;
	out->age_hi = res.age.hi;
	str_copy(out->basis, sizeof(out->basis), res.age.basis != NULL ? res.age.basis :
	    "");
	str_copy(out->needed, sizeof(out->needed), res.needed);
	if (rc == RC_OK) {
		out->granted = 1;
		return RC_OK;
	}
	if (wf_overridden(body, purpose, recipient_type)) {
		out->granted = out->overridden = 1;
		return RC_OK;
	}
	str_copy(out->why, sizeof(out->why), res.why != NULL ? res.why :
	    "no valid consent is recorded");
	return RC_OK;
}

int
app_case_consent_check(struct app *a, const struct app_actor *u,
    const char *case_id, const char *purpose, const char *recipient_type,
    struct app_consent *why, struct app_error *err)
{
	struct store_record r;
	struct vault_dk dk;
	json_t *body = NULL;
	int rc;

	memset(why, 0, sizeof(*why));
	memset(&r, 0, sizeof(r));
	memset(&dk, 0, sizeof(dk));
	if ((rc = app_rec_fetch(a, u, &app_kind_case, case_id, "case.read", &r, err)) !=
	    RC_OK)
		return rc;
	if ((rc = app_rec_open(a, &r, &dk, &body, err)) == RC_OK)
		rc = app_consent_of(a, &r.m, body, purpose, recipient_type, why, err);
	audit_note(a, u, "case.consent", r.m.id, NULL, rc != RC_OK ? rc_name(rc) :
	    why->overridden ? "overridden" : why->granted ? "granted" : "refused");
	vault_dk_wipe(&dk);
	json_decref(body);
	store_record_free(&r);
	return rc;
}

struct wf_override {
	const char	*purpose, *recipient_type, *reason;
};

static int
wf_override_change(struct app *a, const struct app_actor *u, const struct record_meta *m,
    const json_t *before, json_t *after, void *arg, struct app_error *err)
{
	const struct wf_override *q = arg;
	char today[DATE_SIZE];
	json_t *list, *e;

	(void)a;
	(void)m;
	(void)before;
	app_today(today);
	if ((list = json_object_get(after, "consent_overrides")) == NULL ||
	    !json_is_array(list)) {
		if (json_object_set_new(after, "consent_overrides", json_array()) != 0)
			return app_fail(err, RC_ENOMEM, "out of memory");
		list = json_object_get(after, "consent_overrides");
	}
	e = json_pack("{s:s, s:s, s:s, s:s}", "consent_override_purpose", q->purpose,
	    "consent_override_reason", q->reason, "consent_override_by", u->pu.id,
	    "consent_override_date", today);
	if (e != NULL && q->recipient_type != NULL &&
	    json_object_set_new(e, "consent_override_recipient_type",
	    json_string(q->recipient_type)) != 0) {
		json_decref(e);
		e = NULL;
	}
	if (e == NULL || json_array_append_new(list, e) != 0)
		return app_fail(err, RC_ENOMEM, "out of memory");
	return RC_OK;
}

int
app_case_consent_override(struct app *a, const struct app_actor *u, const char *id,
    int64_t rev, const json_t *data, json_t **out, struct app_error *err)
{
	static const char *const names[] = { "purpose", "recipient_type", "reason",
	    NULL };
	struct wf_override q;
	const char *v[3];
	int rc;

	*out = NULL;
	if ((rc = wf_members(data, names, v, err)) != RC_OK)
		return rc;
	if (v[0] == NULL || !wf_lookup_has(a, "lookup-consent-purpose", v[0]))
		return app_fail_field(err, RC_EINVALID, "purpose", v[0] == NULL ?
		    "is required" : "is not one of the consent purposes");
	if (v[1] != NULL && !wf_lookup_has(a, "lookup-consent-recipient-type", v[1]))
		return app_fail_field(err, RC_EINVALID, "recipient_type",
		    "is not one of the recipient types");
	if (v[2] == NULL || v[2][strspn(v[2], " \t\r\n")] == '\0')
		return app_fail_field(err, RC_EINVALID, "reason",
		    "is required: say why the case goes ahead without consent");
	q.purpose = v[0];
	q.recipient_type = v[1];
	q.reason = v[2];
	return wf_case_change(a, u, id, rev, "case.consent_override", wf_override_change,
	    &q, out, err);
}

/* ---- what a case's page needs --------------------------------------------------------- */

/* {"allowed": bool, "rule", "message"} of a check's answer. */
static json_t *
wf_answer(int rc, const struct workflow_why *why)
{
	if (rc == RC_OK)
		return json_pack("{s:b}", "allowed", 1);
	return json_pack("{s:b, s:s?, s:s?}", "allowed", 0, "rule", why->rule, "message",
	    why->message);
}

/* The next stages `u` could move case `m` to, each with why not. */
static json_t *
wf_options(struct app *a, const struct app_actor *u, const struct record_meta *m,
    const json_t *body)
{
	struct workflow_option opts[WS__MAX];
	json_t *arr, *o;
	size_t n, i;

	if ((arr = json_array()) == NULL)
		return NULL;
	n = workflow_options(a->workflow, u->pu.role, m->workflow, body, opts);
	for (i = 0; i < n; i++) {
		o = wf_answer(opts[i].rc, &opts[i].why);
		if (o == NULL || json_object_set_new(o, "to",
		    json_string(workflow_stage_name(opts[i].to))) != 0 ||
		    json_array_append_new(arr, o) != 0) {
			json_decref(o);
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* Each approval's status and what `u` could do about it now. */
static json_t *
wf_approvals(struct app *a, const struct app_actor *u, const struct record_meta *m,
    const json_t *body)
{
	static const struct {
		const char	*key, *status, *comment;
	} acts[] = {
		{ "request", "requested", NULL },
		{ "approve", "approved", NULL },
		{ "reject", "rejected", "-" },	/* the comment is asked for on the form */
	};
	struct workflow_actor who = { u->pu.id, u->pu.role };
	struct workflow_why why;
	char field[64];
	const char *name;
	json_t *arr, *o;
	size_t i;
	int t, rc;

	if ((arr = json_array()) == NULL)
		return NULL;
	for (t = 0; t < WA__MAX; t++) {
		name = workflow_approval_name((enum workflow_approval)t);
		snprintf(field, sizeof(field), "approval_status_%s", name);
		if ((o = json_pack("{s:s, s:s?}", "type", name, "status",
		    json_get_str(body, field))) == NULL ||
		    json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			return NULL;
		}
		for (i = 0; i < sizeof(acts) / sizeof(acts[0]); i++) {
			rc = workflow_approval_check(a->workflow, &who, name, acts[i].status,
			    acts[i].comment, m, body, &why);
			json_object_set_new(o, acts[i].key, wf_answer(rc, &why));
		}
	}
	return arr;
}

/* The approval requests and decisions with who made them by username. */
static json_t *
wf_approval_log(struct app *a, const json_t *body)
{
	const json_t *e;
	const char *by;
	char name[64];
	json_t *arr, *o;
	size_t i;

	if ((arr = json_array()) == NULL)
		return NULL;
	json_array_foreach(json_object_get(body, "approval_subforms"), i, e) {
		by = json_get_str(e, "requested_by");
		if (by == NULL)
			by = json_get_str(e, "approved_by");
		app_username(a, by, name);
		o = json_pack("{s:s?, s:s?, s:s?, s:s, s:s?}", "type",
		    json_get_str(e, "approval_requested_for") != NULL ?
		    json_get_str(e, "approval_requested_for") :
		    json_get_str(e, "approval_response_for"), "status",
		    json_get_str(e, "approval_status"), "date",
		    json_get_str(e, "approval_date"), "by", name, "comment",
		    json_get_str(e, "approval_manager_comments"));
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

/* 1 when `u` may see field `id` of the case form. */
static int
wf_field_visible(struct app *a, const struct app_actor *u, const char *id)
{
	const struct form_field *f = form_field_find(forms_get(a->forms, "case"), id);

	return f != NULL && policy_field_visible(a->policy, &u->pu, f->sensitivity);
}

static json_t *
wf_info(struct app *a, const struct app_actor *u, const struct record_meta *m,
    const json_t *body)
{
	struct domv_profile prof;
	json_t *o, *v;

	if ((o = json_pack("{s:s, s:s}", "stage", m->workflow, "status", m->status)) ==
	    NULL)
		return NULL;
	if (policy_allows(a->policy, &u->pu, "case.update", m, NULL)) {
		if ((v = wf_options(a, u, m, body)) == NULL)
			goto fail;
		json_object_set_new(o, "options", v);
	}
	if (policy_allows(a->policy, &u->pu, "case.approval", m, NULL)) {
		if ((v = wf_approvals(a, u, m, body)) == NULL)
			goto fail;
		json_object_set_new(o, "approvals", v);
	}
	if (wf_field_visible(a, u, "approval_subforms")) {
		if ((v = wf_approval_log(a, body)) == NULL)
			goto fail;
		json_object_set_new(o, "approval_log", v);
	}
	if (wf_field_visible(a, u, "domv_factors") &&
	    domv_profile(workflow_domv_rule(a->workflow), body, &prof) == RC_OK) {
		if ((v = domv_profile_to_json(&prof)) == NULL)
			goto fail;
		json_object_set_new(o, "domv", v);
	}
	json_object_set_new(o, "may_override_consent", json_boolean(policy_allows(a->policy,
	    &u->pu, "case.consent_override", m, NULL)));
	return o;
fail:
	json_decref(o);
	return NULL;
}

int
app_case_get_workflow(struct app *a, const struct app_actor *u, const char *id,
    json_t **out, struct app_error *err)
{
	struct store_record r;
	struct vault_dk dk;
	json_t *body = NULL, *wf = NULL;
	int rc;

	*out = NULL;
	memset(&r, 0, sizeof(r));
	memset(&dk, 0, sizeof(dk));
	if ((rc = app_rec_fetch(a, u, &app_kind_case, id, "case.read", &r, err)) != RC_OK)
		return rc;
	if ((rc = app_rec_open(a, &r, &dk, &body, err)) == RC_OK) {
		if ((*out = app_rec_view(a, u, &app_kind_case, &r, body, 1)) == NULL ||
		    (wf = wf_info(a, u, &r.m, body)) == NULL ||
		    json_object_set_new(*out, "workflow_state", wf) != 0) {
			json_decref(*out);
			*out = NULL;
			rc = RC_ENOMEM;
		}
	}
	audit_note(a, u, "case.read", r.m.id, NULL, rc == RC_OK ? "ok" : rc_name(rc));
	vault_dk_wipe(&dk);
	json_decref(body);
	store_record_free(&r);
	return rc;
}
