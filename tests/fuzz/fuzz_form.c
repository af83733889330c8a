/*
 * fuzz_form.c — the case form validator and the record functions around it.
 *
 * The input is a record and a merge patch: the bytes up to the first newline are the
 * record, the rest the patch (no newline: the two halves). Each part goes through
 * json_parse_bounded() as a request body would; then, as app_case_create() and
 * app_case_update() do: record_derive, form_validate, record_index, and on a copy
 * record_merge_patch, record_derive against the original, form_validate, record_index,
 * record_changed_fields.
 *
 * Checks: never crashes or leaks; every error names its field in bounded, terminated
 * text; index columns are always terminated strings.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/embed.h"
#include "base/err.h"
#include "base/json.h"
#include "base/record_meta.h"
#include "domain/form.h"
#include "domain/record.h"

#define FUZZ_MAX_BYTES	(64 * 1024)
#define FUZZ_MAX_DEPTH	32
#define FUZZ_TODAY	"2026-03-01"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

static struct forms		*fuzz_forms;
static const struct form	*fuzz_case_form;

/* The embedded lookups and case form, as the unit tests load them. */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const struct embed_file *ef = embed_find("config/forms/case.json");
	char msg[256];
	size_t i;

	(void)argc;
	(void)argv;
	if (ef == NULL || (fuzz_forms = forms_new()) == NULL)
		abort();
	for (i = 0; i < embed_count; i++)
		if (strncmp(embed_files[i].path, "config/lookups/", 15) == 0 &&
		    forms_add_lookup(fuzz_forms, embed_files[i].data, embed_files[i].len,
		    msg, sizeof(msg)) != RC_OK)
			abort();
	if (forms_add_form(fuzz_forms, ef->data, ef->len, msg, sizeof(msg)) != RC_OK ||
	    (fuzz_case_form = forms_get(fuzz_forms, "case")) == NULL)
		abort();
	return 0;
}

/* Some codes exist, some do not: both paths of the location check run. */
static int
fuzz_location_exists(void *arg, const char *code)
{
	(void)arg;
	return strlen(code) % 2 == 0;
}

static void
check_terminated(const char *s, size_t size)
{
	if (memchr(s, '\0', size) == NULL)
		abort();
}

static void
check_meta(const struct record_meta *m)
{
	check_terminated(m->sex, sizeof(m->sex));
	check_terminated(m->risk_level, sizeof(m->risk_level));
	check_terminated(m->age_band, sizeof(m->age_band));
	check_terminated(m->nationality, sizeof(m->nationality));
	check_terminated(m->location_code, sizeof(m->location_code));
}

static void
validate(const json_t *record)
{
	struct form_context ctx = { FUZZ_TODAY, fuzz_location_exists, NULL };
	struct form_errors errs;
	char joined[512];
	size_t i;
	int rc;

	memset(&errs, 0xa5, sizeof(errs));	/* the validator must reset it */
	rc = form_validate(fuzz_case_form, record, &ctx, &errs);
	if ((rc == RC_OK) != (errs.n == 0 && errs.dropped == 0) || errs.n > FORM_ERRORS_MAX)
		abort();
	for (i = 0; i < errs.n; i++) {
		check_terminated(errs.e[i].field, sizeof(errs.e[i].field));
		check_terminated(errs.e[i].problem, sizeof(errs.e[i].problem));
		if (errs.e[i].problem[0] == '\0')
			abort();
	}
	form_errors_format(&errs, joined, sizeof(joined));
	check_terminated(joined, sizeof(joined));
	/* without a location check, and with no "today" */
	ctx.location_exists = NULL;
	ctx.today = NULL;
	(void)form_validate(fuzz_case_form, record, &ctx, &errs);
}

static json_t *
parse(const char *s, size_t n)
{
	char msg[256];
	json_t *j;

	if (json_parse_bounded(s, n, FUZZ_MAX_BYTES, FUZZ_MAX_DEPTH, 1, &j, msg,
	    sizeof(msg)) != RC_OK)
		return NULL;
	return j;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *nl = memchr(s, '\n', size);
	size_t split = nl != NULL ? (size_t)(nl - s) : size / 2;
	size_t rest = nl != NULL ? split + 1 : split;
	struct record_meta m;
	json_t *before, *after = NULL, *patch, *changed;

	if ((before = parse(s, split)) == NULL)
		return 0;
	if (record_derive(before, NULL) != RC_OK)
		abort();
	validate(before);
	memset(&m, 0, sizeof(m));
	record_index(before, FUZZ_TODAY, &m);
	check_meta(&m);

	if ((patch = parse(s + rest, size - rest)) != NULL &&
	    (after = json_deep_copy(before)) != NULL) {
		if (record_merge_patch(after, patch) != RC_OK ||
		    record_derive(after, before) != RC_OK)
			abort();
		validate(after);
		record_index(after, NULL, &m);
		check_meta(&m);
		if ((changed = record_changed_fields(before, after)) == NULL)
			abort();
		json_decref(changed);
		if ((changed = record_changed_fields(NULL, after)) == NULL)
			abort();
		json_decref(changed);
	}
	json_decref(after);
	json_decref(patch);
	json_decref(before);
	return 0;
}
