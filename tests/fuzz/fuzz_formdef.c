/*
 * fuzz_formdef.c — the form and lookup definition loaders (forms_add_lookup,
 * forms_add_form) on arbitrary bytes: what an operator's ROUTECARE_CONFIG directory
 * hands the program.
 *
 * The input is LOOKUP NUL FORM (JSON holds no raw NUL); without a NUL byte it is all
 * FORM. Each input gets a fresh set holding small stand-ins for the embedded lookups
 * (same ids, a few values: parsing the real ones every time would halve the speed),
 * then its own lookup and form. A form that loads is turned back into JSON (form_to_json), walked field by
 * field, and validates a few records.
 *
 * Checks: never crashes or leaks; a refusal always says why; every loaded field has an
 * id and a type in range.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/err.h"
#include "domain/form.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define LOOKUP(id, values)	"{\"id\":\"" id "\",\"values\":[" values "]}"
#define VALUE(id)		"{\"id\":\"" id "\",\"display_text\":{\"en\":\"" id "\"}}"

static const char *const fuzz_lookups[] = {
	LOOKUP("lookup-country", "{\"id\":\"SO\"},{\"id\":\"ER\"}"),
	LOOKUP("lookup-language", "{\"id\":\"so\"},{\"id\":\"tig\"}"),
	LOOKUP("lookup-gender", VALUE("female") "," VALUE("male")),
	LOOKUP("lookup-age-assessment-method", VALUE("document")),
	LOOKUP("lookup-consent-source", VALUE("child")),
	LOOKUP("lookup-displacement-status", VALUE("refugee")),
	LOOKUP("lookup-family-relationship", VALUE("mother") "," VALUE("father")),
	LOOKUP("lookup-protection-concerns", VALUE("trafficking") "," VALUE("other")),
	LOOKUP("lookup-risk-level", VALUE("high") "," VALUE("low")),
	LOOKUP("lookup-unaccompanied-separated-status", VALUE("unaccompanied")),
};

static const char *const fuzz_records[] = {
	"{}",
	"{\"name_first\":\"Amina\",\"sex\":\"female\",\"age\":14,\"nationality\":[\"SO\"],"
	    "\"family_details_section\":[{\"relation\":\"mother\",\"relation_age\":40}],"
	    "\"date_of_birth\":\"2012-02-29\",\"location_current\":\"LY01\"}",
	"{\"x\":[1,{\"y\":null}],\"z\":\"\\u0001\"}",
};

static void
walk(const struct form *f, int depth)
{
	const struct form_field *fd;
	size_t i, n = form_field_count(f);

	if (depth > 8)
		abort();
	(void)form_labels(f);
	(void)form_sections(f);
	for (i = 0; i < n; i++) {
		if ((fd = form_field_at(f, i)) == NULL || fd->id == NULL ||
		    (unsigned)fd->type >= FT__MAX || (unsigned)fd->sensitivity >= FS__MAX)
			abort();
		if (form_field_find(f, fd->id) == NULL)
			abort();
		if (fd->type == FT_SUBFORM) {
			if (fd->subform == NULL)
				abort();
			walk(fd->subform, depth + 1);
		}
	}
	if (form_field_at(f, n) != NULL)
		abort();
}

static void
exercise(const struct form *f)
{
	struct form_context ctx = { "2026-03-01", NULL, NULL };
	struct form_errors errs;
	json_t *j, *rec;
	size_t i;

	walk(f, 0);
	if ((j = form_to_json(f)) != NULL)
		json_decref(j);
	for (i = 0; i < sizeof(fuzz_records) / sizeof(fuzz_records[0]); i++) {
		if ((rec = json_loads(fuzz_records[i], 0, NULL)) == NULL)
			abort();
		(void)form_validate(f, rec, &ctx, &errs);
		json_decref(rec);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *nul = memchr(s, '\0', size);
	const char *form_text = nul != NULL ? nul + 1 : s;
	size_t form_len = nul != NULL ? size - (size_t)(nul + 1 - s) : size;
	struct forms *fs;
	const struct form *f;
	json_t *root;
	char msg[256];
	size_t i;
	int rc;

	if ((fs = forms_new()) == NULL)
		return 0;
	for (i = 0; i < sizeof(fuzz_lookups) / sizeof(fuzz_lookups[0]); i++)
		if (forms_add_lookup(fs, fuzz_lookups[i], strlen(fuzz_lookups[i]), msg,
		    sizeof(msg)) != RC_OK)
			abort();
	if (nul != NULL) {
		msg[0] = '\0';
		rc = forms_add_lookup(fs, s, (size_t)(nul - s), msg, sizeof(msg));
		if (rc != RC_OK && rc != RC_ENOMEM && msg[0] == '\0')
			abort();
	}
	msg[0] = '\0';
	rc = forms_add_form(fs, form_text, form_len, msg, sizeof(msg));
	if (rc != RC_OK && rc != RC_ENOMEM && msg[0] == '\0')
		abort();
	if (rc == RC_OK) {
		if ((root = json_loadb(form_text, form_len, 0, NULL)) == NULL)
			abort();
		if ((f = forms_get(fs, json_string_value(json_object_get(root, "id")))) ==
		    NULL)
			abort();
		exercise(f);
		json_decref(root);
	}
	forms_free(fs);
	return 0;
}
