/*
 * pages.h — the HTML pages, rendered on the server through the escaping writer.
 *
 * pages.c holds the layout (head, header with navigation, language switcher and sign
 * out, footer), the error pages, static files, signing in and out, home and account;
 * pages_form.c renders the case form from its JSON definition and turns a submitted
 * form back into JSON; pages_case.c the case list, view, registration and edit;
 * pages_admin.c users, agencies and locations; pages_referrals.c the service directory,
 * referrals, transfers and packages from partner instances, and the case page's referral
 * and transfer blocks.
 *
 * Pages call app/ only. Every text the interface says is an English msgid translated
 * through the catalogs (page_tr); every value goes through html_text/html_attr. No
 * child's data goes into a title, a redirect or a link (the list's own search query
 * aside, which the user typed into its GET form).
 */
#ifndef WEB_PAGES_H
#define WEB_PAGES_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

#include "app/app.h"
#include "web/html.h"
#include "web/http.h"

#define PAGE_PER	20		/* rows on a list page */
#define PAGE_NEXT_MAX	200		/* longest local path accepted as `next` */

/* One page being written. */
struct page {
	struct http_request	*req;
	struct http_response	*resp;
	struct html		 h;		/* writes into resp->body */
	const char		*lang;		/* "en", "fr", "ar", "es" */
	char			 csrf[APP_TOKEN_SIZE];	/* the session's form token; wiped */
};

/* ---- the server's side --------------------------------------------------------------- */

/* Parse the catalogs and fingerprint the static files. 0, or -1 (logged). Call once
 * before the server starts threads. */
int	pages_init(void);
/* The page routes, for the server's route tables. */
const struct http_routes *pages_routes(void);
/* Services, referrals, transfers and packages (pages_referrals.c). */
const struct http_routes *pages_referrals_routes(void);
/* The HTML error page for `status` (for http_server_error_page). */
void	page_error(struct http_request *req, struct http_response *resp, unsigned status);

/* ---- layout ------------------------------------------------------------------------ */

/*
 * Start a page: <head> with the title "RouteCare — TITLE" (`title` an msgid, never
 * record data), the header (navigation with `nav` current: "home", "cases", "admin",
 * "account", or NULL), then <main>. The language is the signed-in user's, else the
 * one page_lang_guess() finds.
 */
void	page_start(struct page *p, struct http_request *req, struct http_response *resp,
	    const char *title, const char *nav);
/* page_start in two steps: set up `p` (language, form token) without writing, then
 * write the head and header (anything written before is dropped). */
void	page_init(struct page *p, struct http_request *req, struct http_response *resp);
void	page_head(struct page *p, const char *title, const char *nav);
/* Close <main> and the document; the response is `status` text/html. */
void	page_finish(struct page *p, unsigned status);
/* <h1 id="page-title"> with `text` (already translated or a value). */
void	page_h1(struct page *p, const char *text);
/* The hidden CSRF field of a POST form. */
void	page_csrf(struct page *p);
/* A polite status message (role="status") or an alert (role="alert", id `id`). */
void	page_notice(struct page *p, const char *text);
void	page_alert(struct page *p, const char *id, const char *text);

/* The language of a request without a signed-in user: ?lang=, else the best match of
 * Accept-Language, else "en". */
const char *page_lang_guess(const struct http_request *req);

/* ---- words ----------------------------------------------------------------------------- */

/* `msgid` in the page's language. */
const char *page_tr(const struct page *p, const char *msgid);
/* Write `msgid` translated, escaped. */
void	page_say(struct page *p, const char *msgid);
/* `msgid` translated into `lang` with {1}, {2}, {3} replaced by a1..a3 (NULL: ""),
 * into `out` (cut short when it does not fit). */
void	page_format(const char *lang, const char *msgid, const char *a1, const char *a2,
	    const char *a3, char *out, size_t outsz);
/* Write `msgid` translated with {1}, {2}, {3} replaced by `args` (escaped). */
/* A link to page `page` of a list, with rel `rel` ("prev", "next") and the words
 * `msgid`; `arg` is the list's own (its query, ...). */
typedef void (*page_link_fn)(struct page *p, int64_t page, const char *rel,
    const char *msgid, const void *arg);
/* The pager of a list at `page` of `pages` (nothing when there is one page). */
void	page_pager(struct page *p, int64_t page, int64_t pages, page_link_fn link,
	    const void *arg);
void	page_say_args(struct page *p, const char *msgid, const char *a1, const char *a2,
	    const char *a3);
/* The `lang` member of a {"en": ...} object, else "en", else NULL. */
const char *page_label(const json_t *labels, const char *lang);
/* Write an integer as text. */
void	page_int(struct page *p, int64_t n);

/* "2026-11-23T12:00:00Z" to Unix seconds; -1 when it is not one. */
int64_t	page_iso_time(const char *iso);
/* Write an ISO time as a date and time, or a "YYYY-MM-DD" date, in the page's language. */
void	page_datetime(struct page *p, const char *iso);
void	page_date(struct page *p, const char *ymd);

/* ---- requests -------------------------------------------------------------------------- */

/* May the signed-in user do `action` at all (no record in view)? */
int	page_may(const struct page *p, const char *action);
/* The query parameter `name` as an integer in min..max, else `fallback`. */
int64_t	page_query_int(const struct http_request *req, const char *name, int64_t min,
	    int64_t max, int64_t fallback);
/* 1 when `path` is a local path fit for a redirect (/x, not //x, plain characters). */
int	page_local_path(const char *path);

/* Answer with the error page for an app/ failure `rc` (404, 403, 500, ...). */
void	page_app_error(struct http_request *req, struct http_response *resp, int rc,
	    const struct app_error *err);

/* ---- shared pieces ---------------------------------------------------------------------- */

/* The role's name in the page's language. */
const char *page_role_name(const struct page *p, const char *role);
/* The display text of option `id` of a field (a form field JSON with "options"), or
 * the ICU name for country and language lookups; `id` itself when unknown. Writes
 * into `out`. */
void	page_option_text(const struct page *p, const json_t *field, const char *id,
	    char *out, size_t outsz);
/* A location's name in the page's language from app_location_list's "data". */
const char *page_location_name(const struct page *p, const json_t *locations,
	    const char *code);
/* <option>s for every location, indented by level, `selected` chosen. */
void	page_location_options(struct page *p, const json_t *locations,
	    const char *selected);
/* Whether a case's initial assessment is due or overdue, and when ("assessment_due",
 * "overdue" of a case view); nothing when it is not waiting for one. */
void	page_due(struct page *p, const json_t *c);
/* The risk level as a badge: text and color. `risk` NULL or "" is "Not set". */
void	page_risk(struct page *p, const char *risk);

/* ---- the case form (pages_form.c) --------------------------------------------------- */

/* Values of a form as strings, by input name (as submitted or drawn from a record). */
struct form_values {
	struct form_value {
		char	*name;
		char	*value;
	}	*v;
	size_t	 n, cap;
};

void	form_values_free(struct form_values *fv);	/* wipes; NULL is fine */
/* Values from the request's form fields (all of them). */
int	form_values_from_request(struct form_values *fv, const struct http_request *req);
/* The first value of `name`, or NULL. */
const char *form_values_get(const struct form_values *fv, const char *name);

/* Problems to show, by input name ("" for the record as a whole). */
struct form_problems {
	struct form_problem {
		char	field[128];	/* an input id: "sex", "family_details_section-1-relation" */
		char	problem[256];	/* next to the input, already translated */
		char	summary[320];	/* in the summary: names the subform entry */
	}	e[FORM_ERRORS_MAX + 8];
	size_t	n;
};

/* Everything a case form page needs. */
struct case_form {
	json_t			*form;		/* app_form_get: owned */
	json_t			*locations;	/* app_location_list "data": owned */
	struct form_values	 values;	/* what the inputs show */
	struct form_problems	 problems;
	/* The sections the page shows and submits (NULL-terminated ids, static or
	 * the caller's), so that a page stays light and saving it leaves the other
	 * sections alone; NULL: every section. */
	const char *const	*sections;
};

/* Load the form definition and locations; 0, or an app rc after answering. */
int	case_form_load(struct page *p, struct case_form *cf);
void	case_form_free(struct case_form *cf);
/* Fill cf->values from a case record (its JSON as app_case_get gives it). */
int	case_form_values_from_record(struct page *p, struct case_form *cf,
	    const json_t *record);
/* Show `value` (NULL: empty) in the inputs of field `f` instead of what they held. */
int	case_form_replace_field(struct page *p, struct case_form *cf, const json_t *f,
	    const json_t *value);
/* Normalise the submitted values (subform rows renumbered, empty rows dropped). */
int	case_form_values_from_request(struct page *p, struct case_form *cf);
/*
 * The JSON of the submitted values: `*out` an object of fields. `edit`: empty inputs
 * become null (remove) instead of being left out. Values that cannot be converted
 * (a bad number, an unknown country) are passed as typed, so that validation names
 * them and nothing is stored.
 */
int	case_form_json(struct page *p, struct case_form *cf, int edit, json_t **out);
/* The JSON value of one field from the values (NULL when empty). */
json_t	*case_form_field_json(struct page *p, struct case_form *cf, const json_t *field);
/* The problems of an app error, translated and attached to inputs. */
void	case_form_problems(struct page *p, struct case_form *cf, const struct app_error *err);
/* The error summary (id "error-summary") when there are problems. */
void	case_form_summary(struct page *p, struct case_form *cf);
/* The fieldsets of every editable field (case_form_editable), by section. */
void	case_form_fields(struct page *p, struct case_form *cf);
/* 1 when the signed-in user may see fields of this field's sensitivity. */
int	case_form_visible(const struct page *p, const json_t *field);
/* 1 when the field is an input of this page: visible, not set by the server
 * ("system"), and in one of cf->sections. */
int	case_form_editable(const struct page *p, const struct case_form *cf,
	    const json_t *field);
/* Write a field's value for reading (option names, dates, locations...). */
void	case_form_show_value(struct page *p, struct case_form *cf, const json_t *field,
	    const json_t *value);
/* A field's label in the page's language. */
const char *case_form_label(const struct page *p, const json_t *field);

/* ---- handlers --------------------------------------------------------------------------- */

void	page_list(struct http_request *req, struct http_response *resp);
void	page_cases(struct http_request *req, struct http_response *resp);
void	page_case_new(struct http_request *req, struct http_response *resp);
void	page_case_create(struct http_request *req, struct http_response *resp);
void	page_case_view(struct http_request *req, struct http_response *resp);
void	page_case_edit(struct http_request *req, struct http_response *resp);
void	page_case_update(struct http_request *req, struct http_response *resp);

/* The case page's blocks (pages_referrals.c): the case's referrals with their status
 * and feedback, and its transfers with the transfer form. `c` is the case view. */
void	pages_case_referrals(struct page *p, const json_t *c);
void	pages_case_transfer(struct page *p, const json_t *c);
/* ---- family tracing (pages_tracing.c) ------------------------------------------------ */

/* The tracing pages: /tracing (list), /tracing/new, /tracing/{id} (a request, its
 * traces and their matches), /tracing/{id}/edit, /tracing/{id}/decide, and
 * /cases/{id}/duplicate_of. */
const struct http_routes *pages_tracing_routes(void);
/* On a case's page (`c` as app_case_get gives it): its duplicate links (with the form
 * that marks it a duplicate, for case.update) and, for match.read, its possible
 * matches with tracing requests. */
void	pages_case_tracing(struct page *p, const json_t *c);
/* The likely and possible duplicates of unsaved case fields `data` (the registration
 * form), or NULL when there are none (or no name to look for); caller decrefs. */
json_t	*pages_case_duplicates_find(struct page *p, const json_t *data);
/* Show them above the registration form, with what to do. */
void	pages_case_duplicates_show(struct page *p, const json_t *dups);

void	page_admin_users(struct http_request *req, struct http_response *resp);
void	page_admin_user_create(struct http_request *req, struct http_response *resp);
void	page_admin_user_update(struct http_request *req, struct http_response *resp);
void	page_admin_agencies(struct http_request *req, struct http_response *resp);
void	page_admin_agency_create(struct http_request *req, struct http_response *resp);
void	page_admin_locations(struct http_request *req, struct http_response *resp);
void	page_admin_location_import(struct http_request *req, struct http_response *resp);

/* ---- the workflow (pages_workflow.c) ------------------------------------------------ */

/* The routes of the task list and of the forms that move a case (stage, approvals). */
const struct http_routes *pages_workflow_routes(void);
/* A workflow stage's name in the page's language. */
const char *page_stage_name(const struct page *p, const char *stage);
/* A case's deadlines ("deadlines" of a case view), the overdue ones marked. */
void	page_deadlines(struct page *p, const json_t *deadlines);
/* On a case's page (`c` from app_case_get_workflow): the stage, the next stages as
 * buttons or with the reason why not yet, approvals, deadlines, DoMV profile. */
void	page_case_workflow(struct page *p, struct case_form *cf, const json_t *c);
/* The notice or alert a case's page shows after one of those forms (?done=, ?rule=). */
void	page_case_refused(struct page *p);
/* A home page's tasks in the user's scope: what just became late, how many are late,
 * and for a caseworker what is due next; links to /tasks. Nothing when the role has
 * no task list. */
void	page_home_tasks(struct page *p);
/* ---- counter-trafficking and reports (pages_vot.c, pages_reports.c) ---------------- */

/* VoT records: /vots, /vots/new, /vots/{id}, /vots/{id}/edit (static). */
const struct http_routes *pages_vot_routes(void);
/* Reports: /reports, /reports/{name}; the case summary /cases/{id}/summary.pdf. */
const struct http_routes *pages_reports_routes(void);

#endif
