/*
 * fuzz_pages_form.c — a submitted case form, as the web pages handle it: the form body
 * parsed (http_form_body_parse), its fields turned into case JSON
 * (case_form_values_from_request, case_form_json), validated against the case form as
 * app_case_create does, the problems attached to the inputs, and the form rendered
 * again with what was typed (case_form_summary, case_form_fields); then the JSON drawn
 * back into a form as the edit page does (case_form_values_from_record) and rendered.
 *
 * Input: the first byte chooses the page language (bits 0-1), create or edit (bit 2:
 * empty inputs become null) and the body's encoding (bit 3: multipart with the
 * boundary "B", else urlencoded); the rest is the body. One data directory is created
 * before the first input, as in fuzz_locations.c.
 *
 * Checks: never crashes or leaks; the JSON is an object; and the HTML never carries
 * markup from the input: "<fuzz" anywhere, or a quote that the input closed early
 * ('"fuzz' or "'fuzz" not right after '='), means something went out unescaped.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "app/app.h"
#include "base/err.h"
#include "base/log.h"
#include "domain/form.h"
#include "domain/record.h"
#include "vault/vault.h"
#include "web/http.h"
#include "web/i18n.h"
#include "web/pages.h"

#define FUZZ_LOCATIONS	24	/* locations offered in the form */

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

static struct app	*fuzz_app;
static char		 fuzz_dir[PATH_MAX];
static json_t		*fuzz_form, *fuzz_locations;	/* as case_form_load gives them */

static void
fuzz_cleanup(void)
{
	static const char *const files[] = { APP_DB_FILE, APP_DB_FILE "-wal",
	    APP_DB_FILE "-shm", APP_DB_FILE "-journal", APP_KEY_FILE };
	char path[PATH_MAX + 64];
	size_t i;

	json_decref(fuzz_form);
	json_decref(fuzz_locations);
	app_close(fuzz_app);
	fuzz_app = NULL;
	if (fuzz_dir[0] == '\0')
		return;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", fuzz_dir, files[i]);
		unlink(path);
	}
	rmdir(fuzz_dir);
}

static void
request_init(struct http_request *req, const char *lang)
{
	memset(req, 0, sizeof(*req));
	req->app = fuzz_app;
	req->method = HTTP_POST;
	req->path = "/cases/new";
	req->body = "";
	req->auth = HTTP_AUTH_COOKIE;
	memcpy(req->token, "fuzz-session-token", 19);
	memcpy(req->actor.pu.id, "11111111-2222-4333-8444-555555555555", 37);
	memcpy(req->actor.pu.role, "caseworker", 11);	/* sees every field */
	memcpy(req->actor.pu.agency_id, "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee", 37);
	memcpy(req->actor.username, "fuzz.cw", 8);
	memcpy(req->actor.language, lang, strlen(lang) + 1);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct app_error err = { 0 };
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	struct http_response resp;
	struct http_request req;
	struct case_form cf;
	struct page p;
	char pw[64];
	size_t i;

	(void)argc;
	(void)argv;
	unsetenv("ROUTECARE_CONFIG");	/* the embedded configuration, */
	unsetenv("ROUTECARE_DB");	/* and SQLite in the data directory */
	log_set_level(LOG_WARN);
	if (vault_init() != 0 || i18n_init() != 0)
		abort();
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/routecare-fuzz-XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	if (mkdtemp(fuzz_dir) == NULL) {
		perror("fuzz_pages_form: mkdtemp");
		abort();
	}
	atexit(fuzz_cleanup);
	if (app_init(fuzz_dir, "fuzz.admin", "fuzz-password-123", pw, sizeof(pw), &err) !=
	    RC_OK || app_open(fuzz_dir, &fuzz_app, &err) != RC_OK) {
		fprintf(stderr, "fuzz_pages_form: %s\n", err.message);
		abort();
	}
	/* the form and locations do not change: load them once */
	request_init(&req, "en");
	memset(&resp, 0, sizeof(resp));
	page_init(&p, &req, &resp);
	if (case_form_load(&p, &cf) != RC_OK)
		abort();
	fuzz_form = json_incref(cf.form);
	/* the first locations only (a few countries and some of their areas): every
	 * render compares each location's name with every other's; the paths are the
	 * same */
	if ((fuzz_locations = json_array()) == NULL)
		abort();
	for (i = 0; i < json_array_size(cf.locations) && i < FUZZ_LOCATIONS; i++)
		json_array_append(fuzz_locations, json_array_get(cf.locations, i));
	/* and one whose name another has, so that names shown carry their code */
	if (json_array_append_new(fuzz_locations, json_pack("{s:s, s:s, s:i, s:O}", "code",
	    "LY99", "parent_code", "LY", "level", 1, "names", json_object_get(
	    json_array_get(fuzz_locations, 1), "names"))) != 0)
		abort();
	case_form_free(&cf);
	buf_free(&resp.body);
	return 0;
}

/* Markup from the input that reached the page unescaped. */
static void
check_html(const struct buf *b)
{
	const char *s = b->p, *at;

	if (s == NULL)
		return;
	for (at = strstr(s, "fuzz"); at != NULL; at = strstr(at + 1, "fuzz")) {
		if (at == s)
			continue;
		if (at[-1] == '<')
			abort();
		if ((at[-1] == '"' || at[-1] == '\'') && (at - 1 == s || at[-2] != '='))
			abort();
	}
}

static void
case_form_start(struct case_form *cf)
{
	memset(cf, 0, sizeof(*cf));
	cf->form = json_incref(fuzz_form);
	cf->locations = json_incref(fuzz_locations);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const langs[] = { "en", "fr", "ar", "es" };
	struct form_context ctx = { "2026-03-01", NULL, NULL };
	struct http_form_body fb;
	struct http_response resp;
	struct http_request req;
	struct app_error err;
	struct case_form cf;
	struct page p;
	json_t *json = NULL;
	int edit;

	if (size < 1)
		return 0;
	edit = (data[0] & 4) != 0;
	if (http_form_body_parse((data[0] & 8) ? "multipart/form-data; boundary=B" :
	    "application/x-www-form-urlencoded", (const char *)data + 1, size - 1,
	    &fb) != 0)
		return 0;
	request_init(&req, langs[data[0] & 3]);
	req.form = fb.fields;
	req.nform = fb.nfields;
	memset(&resp, 0, sizeof(resp));
	memset(&err, 0, sizeof(err));
	page_init(&p, &req, &resp);

	/* the submitted form: values, JSON, validation, the form shown again */
	case_form_start(&cf);
	if (case_form_values_from_request(&p, &cf) == RC_OK &&
	    case_form_json(&p, &cf, edit, &json) == RC_OK) {
		if (!json_is_object(json) || record_derive(json, NULL) != RC_OK)
			abort();
		if (form_validate(forms_get(app_forms(fuzz_app), "case"), json, &ctx,
		    &err.fields) != RC_OK) {
			snprintf(err.message, sizeof(err.message), "the case is not valid");
			case_form_problems(&p, &cf, &err);
			case_form_summary(&p, &cf);
		}
		case_form_fields(&p, &cf);
		check_html(&resp.body);
	}
	case_form_free(&cf);

	/* the edit page of what was sent */
	if (json != NULL) {
		buf_reset(&resp.body);
		case_form_start(&cf);
		if (case_form_values_from_record(&p, &cf, json) == RC_OK) {
			case_form_fields(&p, &cf);
			check_html(&resp.body);
		}
		case_form_free(&cf);
	}
	json_decref(json);
	buf_free(&resp.body);
	http_form_body_free(&fb);
	return 0;
}
