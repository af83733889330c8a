/* case.c — what is particular to cases: the case kind's hooks (fields only the server
 * sets, the DoMV suggestion, stage changes, deadlines kept as tasks and shown on each
 * case; workflow.c does the workflow's part), and caseloads. Register, read, update
 * and list go through record.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/impl.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "domain/domv.h"
#include "domain/form.h"
#include "domain/workflow.h"

static const char *const case_summary[] = {
	"name", "sex", "age", "estimated", "date_of_birth", "risk_level",
	"location_current", "registration_date", "nationality",
	"unaccompanied_separated_status", NULL
};

/* What is due for the case and whether it is late: from its task documents, which
 * every save keeps up to date (app_workflow_tasks), so that the fast read path shows
 * the same as the full one without opening the body. */
static int
case_view(struct app *a, const struct store_record *r, struct buf *out)
{
	return app_workflow_view(a, r, out);
}

/* A refusal naming the fields in `errs`, as a validation failure reads. */
static int
case_refuse(struct app_error *err, const struct form_errors *errs)
{
	char joined[200];

	if (err == NULL)
		return RC_EINVALID;
	err->fields = *errs;
	form_errors_format(errs, joined, sizeof(joined));
	return app_fail(err, RC_EINVALID, "the case is not valid: %s", joined);
}

/*
 * The rules of a case after validation, on every client create and update: fields
 * that only the server sets ("system": true: approvals, the suggested risk level,
 * reopening logs, consent overrides) cannot be written by the client; DoMV factors
 * belong to their level; then the DoMV suggestion is recorded beside the
 * caseworker's own risk level, which stays theirs.
 */
static int
case_check(struct app *a, const struct app_actor *u, const struct record_meta *was,
    const json_t *before, struct record_meta *m, json_t *after, struct app_error *err)
{
	struct form_errors errs;

	(void)u;
	(void)was;
	(void)m;
	memset(&errs, 0, sizeof(errs));
	if (form_check_system(forms_get(a->forms, "case"), before, after, &errs) !=
	    RC_OK || domv_validate(after, &errs) != RC_OK)
		return case_refuse(err, &errs);
	if (domv_apply(workflow_domv_rule(a->workflow), after) != RC_OK)
		return app_fail(err, RC_ENOMEM, "out of memory");
	return RC_OK;
}

const struct app_kind app_kind_case = {
	.type = "case",
	.noun = "case",
	.nouns = "cases",
	.act = "case",
	.summary = case_summary,
	.check = case_check,
	.view = case_view,
	.first_status = "open",
	.first_stage = "new",
	.move = app_workflow_move,
	.saved = app_workflow_tasks,
};

int
app_case_create(struct app *a, const struct app_actor *u, const json_t *data,
    json_t **out, struct app_error *err)
{
	return app_record_create(a, u, "case", data, out, err);
}

int
app_case_get(struct app *a, const struct app_actor *u, const char *id, json_t **out,
    struct app_error *err)
{
	return app_record_get(a, u, "case", id, out, err);
}

int
app_case_update(struct app *a, const struct app_actor *u, const char *id, int64_t rev,
    const json_t *patch, json_t **out, struct app_error *err)
{
	return app_record_update(a, u, "case", id, rev, patch, out, err);
}

int
app_case_list(struct app *a, const struct app_actor *u, const struct app_case_query *q,
    json_t **out, struct app_error *err)
{
	return app_record_list(a, u, "case", q, out, err);
}

int
app_case_history(struct app *a, const struct app_actor *u, const char *id, json_t **out,
    struct app_error *err)
{
	return app_record_history(a, u, "case", id, out, err);
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

/* Open cases per risk level. store_caseload's own "overdue" (cases past their
 * response time) is not used: overdue counts the tasks, as the task list does. */
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
	c->open += row->open;
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
	int64_t due[4], now, n;
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
	if ((rc = store_caseload(a->store, "case", agency, owner, due, clock_now(),
	    caseload_row, &c)) != RC_OK) {
		rc = app_fail(err, rc, "cannot count cases");
		goto out;
	}
	now = clock_now();
	json_object_foreach(c.by_user, key, line) {
		if ((n = app_tasks_overdue(a, key, NULL, now)) < 0) {
			rc = app_fail(err, RC_EIO, "cannot count tasks");
			goto out;
		}
		json_object_set_new(line, "overdue", json_integer(n));
		json_array_append(rows, line);
	}
	c.overdue = app_tasks_overdue(a, owner, agency, now);
	if (c.overdue < 0) {
		rc = app_fail(err, RC_EIO, "cannot count tasks");
		goto out;
	}
	audit_note(a, u, "caseload", NULL, NULL, "ok");
	*out = json_pack("{s:O, s:{s:I, s:I}}", "data", rows, "metadata", "open",
	    (json_int_t)c.open, "overdue", (json_int_t)c.overdue);
	rc = *out != NULL ? RC_OK : RC_ENOMEM;
out:
	json_decref(rows);
	json_decref(c.by_user);
	return rc;
}
