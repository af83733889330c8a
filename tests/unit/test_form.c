/* test_form.c — forms as data: loading the shipped files, and the generic validator. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/embed.h"
#include "base/err.h"
#include "domain/form.h"

#define TODAY	"2025-06-15"

static const char *const languages[] = { "en", "fr", "ar", "es" };

struct fixture {
	struct forms		*fs;
	const struct form	*cases;
	struct form_context	 ctx;
	struct form_errors	 errs;
	size_t			 nlookups;
};

/* ---- helpers ----------------------------------------------------------------------- */

static size_t
load_lookups(struct forms *fs)
{
	char msg[256];
	size_t i, n = 0;

	for (i = 0; i < embed_count; i++) {
		if (strncmp(embed_files[i].path, "config/lookups/", 15) != 0)
			continue;
		if (forms_add_lookup(fs, embed_files[i].data, embed_files[i].len, msg,
		    sizeof(msg)) != RC_OK)
			fail_msg("%s: %s", embed_files[i].path, msg);
		n++;
	}
	return n;
}

static int
setup(void **state)
{
	const struct embed_file *ef = embed_find("config/forms/case.json");
	struct fixture *f = calloc(1, sizeof(*f));
	char msg[256];

	assert_non_null(f);
	assert_non_null(ef);
	f->fs = forms_new();
	assert_non_null(f->fs);
	f->nlookups = load_lookups(f->fs);
	if (forms_add_form(f->fs, ef->data, ef->len, msg, sizeof(msg)) != RC_OK)
		fail_msg("case.json: %s", msg);
	f->cases = forms_get(f->fs, "case");
	assert_non_null(f->cases);
	f->ctx.today = TODAY;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	forms_free(f->fs);
	free(f);
	return 0;
}

/* Validate the JSON text `record` against the case form. */
static int
check(struct fixture *f, const char *record)
{
	json_error_t jerr;
	json_t *j = json_loads(record, JSON_ALLOW_NUL, &jerr);
	int rc;

	if (j == NULL)
		fail_msg("test record is not JSON: %s: %s", jerr.text, record);
	rc = form_validate(f->cases, j, &f->ctx, &f->errs);
	json_decref(j);
	return rc;
}

/* The problem reported for `field`, or NULL. */
static const char *
problem_of(const struct form_errors *errs, const char *field)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		if (strcmp(errs->e[i].field, field) == 0)
			return errs->e[i].problem;
	return NULL;
}

static void
assert_problem(const struct form_errors *errs, const char *field, const char *problem)
{
	const char *p = problem_of(errs, field);
	char all[2048];

	if (p == NULL || strstr(p, problem) == NULL) {
		form_errors_format(errs, all, sizeof(all));
		fail_msg("expected \"%s: %s\", got \"%s\"", field, problem, all);
	}
}

static void
assert_valid(struct fixture *f, const char *record)
{
	char all[2048];

	if (check(f, record) != RC_OK) {
		form_errors_format(&f->errs, all, sizeof(all));
		fail_msg("expected valid, got \"%s\" for %s", all, record);
	}
	assert_int_equal(f->errs.n, 0);
}

/* Try to add a form built from `text`; returns the code, message in `msg`. */
static int
add_form(struct fixture *f, const char *text, char *msg, size_t msgsz)
{
	return forms_add_form(f->fs, text, strlen(text), msg, msgsz);
}

static void
assert_form_rejected(struct fixture *f, const char *text, const char *expect)
{
	char msg[256];

	assert_int_equal(add_form(f, text, msg, sizeof(msg)), RC_EINVALID);
	if (strstr(msg, expect) == NULL)
		fail_msg("expected a message containing \"%s\", got \"%s\"", expect, msg);
}

static void
assert_all_languages(const json_t *text, const char *what)
{
	size_t i;

	if (!json_is_object(text))
		fail_msg("%s: no texts", what);
	for (i = 0; i < sizeof(languages) / sizeof(languages[0]); i++) {
		const json_t *t = json_object_get(text, languages[i]);

		if (!json_is_string(t) || json_string_length(t) == 0)
			fail_msg("%s: missing the \"%s\" translation", what, languages[i]);
	}
}

/* ---- loading ----------------------------------------------------------------------- */

static void
test_embedded_case_form_and_all_lookups_load(void **state)
{
	struct fixture *f = *state;
	const struct form_field *sex, *fam;
	size_t i;

	assert_true(f->nlookups >= 10);
	assert_string_equal(form_id(f->cases), "case");
	assert_int_equal(form_field_count(f->cases), 108);
	assert_int_equal(json_array_size(form_sections(f->cases)), 13);
	sex = form_field_find(f->cases, "sex");
	assert_non_null(sex);
	assert_int_equal(sex->type, FT_SELECT);
	assert_true(sex->required);
	assert_string_equal(sex->lookup, "lookup-gender");
	assert_int_equal(json_array_size(sex->options), 4);
	fam = form_field_find(f->cases, "family_details_section");
	assert_non_null(fam);
	assert_int_equal(fam->type, FT_SUBFORM);
	assert_int_equal(fam->max_items, 30);
	assert_int_equal(form_field_count(fam->subform), 10);
	assert_null(form_field_find(f->cases, "relation"));
	assert_null(form_field_find(f->cases, ""));
	assert_null(form_field_find(f->cases, "sexx"));
	assert_null(form_field_find(f->cases, "se"));
	/* every field is found by its id, as itself (the hash of ids) */
	for (i = 0; i < form_field_count(f->cases); i++) {
		const struct form_field *fd = form_field_at(f->cases, i);

		assert_ptr_equal(form_field_find(f->cases, fd->id), fd);
	}
	for (i = 0; i < form_field_count(fam->subform); i++) {
		const struct form_field *fd = form_field_at(fam->subform, i);

		assert_ptr_equal(form_field_find(fam->subform, fd->id), fd);
		assert_null(form_field_find(f->cases, fd->id));
	}
	assert_non_null(forms_lookup(f->fs, "lookup-protection-concerns"));
	assert_null(forms_lookup(f->fs, "lookup-nothing"));
	assert_null(forms_get(f->fs, "tracing_request_nope"));
}

static void
test_only_sex_is_required(void **state)
{
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < form_field_count(f->cases); i++) {
		const struct form_field *fd = form_field_at(f->cases, i);

		assert_int_equal(fd->required, strcmp(fd->id, "sex") == 0);
	}
}

static void
test_lookup_country_has_every_iso_code_and_language_has_no_duplicates(void **state)
{
	struct fixture *f = *state;
	const json_t *countries = forms_lookup(f->fs, "lookup-country");
	const json_t *langs = forms_lookup(f->fs, "lookup-language");
	const char *must[] = { "ER", "ET", "SO", "SD", "SS", "LY", "TN", "IT", "ML", "NE",
	    "GN", "GT", "HN", "SV", "MX", "US", "AF", "SY", "GB", "FR" };
	size_t i, j;
	json_t *v;

	assert_int_equal(json_array_size(countries), 249);
	for (i = 0; i < sizeof(must) / sizeof(must[0]); i++) {
		int found = 0;

		json_array_foreach(countries, j, v)
			found |= strcmp(json_string_value(json_object_get(v, "id")), must[i]) == 0;
		if (!found)
			fail_msg("lookup-country lacks %s", must[i]);
	}
	assert_true(json_array_size(langs) >= 50);
	/* the loader refuses duplicates; check the ones the routes need are there */
	{
		const char *need[] = { "ar", "ti", "am", "om", "so", "ha", "fr", "en", "es",
		    "prs", "tig", "byn", "mnk", "quc", "kek", "mam" };

		for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
			int found = 0;

			json_array_foreach(langs, j, v)
				found |= strcmp(json_string_value(json_object_get(v, "id")),
				    need[i]) == 0;
			if (!found)
				fail_msg("lookup-language lacks %s", need[i]);
		}
	}
}

static void
test_every_label_and_help_has_en_fr_ar_es(void **state)
{
	struct fixture *f = *state;
	const json_t *sec, *opt;
	char what[160];
	size_t i, j, k, nsub;

	assert_all_languages(form_labels(f->cases), "form case");
	json_array_foreach(form_sections(f->cases), i, sec) {
		snprintf(what, sizeof(what), "section %s",
		    json_string_value(json_object_get(sec, "id")));
		assert_all_languages(json_object_get(sec, "labels"), what);
	}
	for (i = 0; i < form_field_count(f->cases); i++) {
		const struct form_field *top = form_field_at(f->cases, i);

		nsub = top->subform != NULL ? form_field_count(top->subform) : 0;
		for (k = 0; k <= nsub; k++) {
			const struct form_field *fd = k == 0 ? top :
			    form_field_at(top->subform, k - 1);

			snprintf(what, sizeof(what), "field %s labels", fd->id);
			assert_all_languages(fd->labels, what);
			if (fd->help != NULL) {
				snprintf(what, sizeof(what), "field %s help", fd->id);
				assert_all_languages(fd->help, what);
			}
			/* ISO lookups take their names from ICU; every other option is
			 * translated */
			if (fd->options == NULL || (fd->lookup != NULL &&
			    (strcmp(fd->lookup, "lookup-country") == 0 ||
			    strcmp(fd->lookup, "lookup-language") == 0)))
				continue;
			json_array_foreach(fd->options, j, opt) {
				snprintf(what, sizeof(what), "field %s option %s", fd->id,
				    json_string_value(json_object_get(opt, "id")));
				assert_all_languages(json_object_get(opt, "display_text"), what);
			}
		}
	}
	/* and every lookup file, used or not */
	for (i = 0; i < embed_count; i++) {
		json_t *root;

		if (strncmp(embed_files[i].path, "config/lookups/", 15) != 0 ||
		    strstr(embed_files[i].path, "lookup-country") != NULL ||
		    strstr(embed_files[i].path, "lookup-language") != NULL)
			continue;
		root = json_loadb(embed_files[i].data, embed_files[i].len, 0, NULL);
		assert_non_null(root);
		json_array_foreach(json_object_get(root, "values"), j, opt) {
			snprintf(what, sizeof(what), "%s value %s", embed_files[i].path,
			    json_string_value(json_object_get(opt, "id")));
			assert_all_languages(json_object_get(opt, "display_text"), what);
		}
		json_decref(root);
	}
}

/* A form file that is valid except for what the test puts at FIELD. */
#define FORM_HEAD "{\"id\":\"probe\",\"labels\":{\"en\":\"Probe\"}," \
	"\"sections\":[{\"id\":\"main\",\"labels\":{\"en\":\"Main\"}}],\"fields\":["
#define FIELD_HEAD "\"section\":\"main\",\"labels\":{\"en\":\"X\"},\"sensitivity\":\"basic\""

static void
test_malformed_form_definitions_are_rejected_with_a_message(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *fields;
		const char *expect;
	} cases[] = {
		{ "{\"id\":\"a\",\"type\":\"texte\"," FIELD_HEAD "}",
		    "form probe: field a: unknown type \"texte\"" },
		{ "{\"id\":\"a\",\"type\":\"select\",\"lookup\":\"lookup-planets\","
		    FIELD_HEAD "}", "field a: lookup \"lookup-planets\" is not loaded" },
		{ "{\"id\":\"a\",\"type\":\"text\"," FIELD_HEAD "},"
		    "{\"id\":\"a\",\"type\":\"date\"," FIELD_HEAD "}",
		    "duplicate field id \"a\"" },
		{ "{\"id\":\"a\",\"type\":\"select\"," FIELD_HEAD "}",
		    "field a: a select needs \"options\" or \"lookup\"" },
		{ "{\"id\":\"a\",\"type\":\"text\",\"colour\":1," FIELD_HEAD "}",
		    "field a: unknown key \"colour\"" },
		{ "{\"id\":\"a\",\"type\":\"text\",\"section\":\"main\","
		    "\"labels\":{\"fr\":\"X\"},\"sensitivity\":\"basic\"}",
		    "field a: \"labels\" has no \"en\" text" },
		{ "{\"id\":\"a\",\"type\":\"text\",\"section\":\"main\","
		    "\"sensitivity\":\"basic\"}", "field a: missing \"labels\"" },
		{ "{\"id\":\"a\",\"type\":\"text\",\"min\":1," FIELD_HEAD "}",
		    "field a: \"min\" does not apply to type text" },
		{ "{\"id\":\"a\",\"type\":\"integer\"," FIELD_HEAD "}",
		    "field a: an integer needs integer \"min\" and \"max\"" },
		{ "{\"id\":\"a\",\"type\":\"integer\",\"min\":5,\"max\":1," FIELD_HEAD "}",
		    "\"min\" is greater than \"max\"" },
		{ "{\"id\":\"a\",\"type\":\"text\",\"section\":\"other\","
		    "\"labels\":{\"en\":\"X\"},\"sensitivity\":\"basic\"}",
		    "field a: unknown section \"other\"" },
		{ "{\"id\":\"a\",\"type\":\"text\",\"section\":\"main\","
		    "\"labels\":{\"en\":\"X\"}}", "field a: missing \"sensitivity\"" },
		{ "{\"id\":\"a\",\"type\":\"text\",\"section\":\"main\","
		    "\"labels\":{\"en\":\"X\"},\"sensitivity\":\"secret\"}",
		    "field a: unknown sensitivity" },
		{ "{\"id\":\"A b\",\"type\":\"text\"," FIELD_HEAD "}",
		    "fields[0]: missing or malformed \"id\"" },
		{ "{\"id\":\"a\",\"type\":\"select\",\"options\":[{\"id\":\"x\"}],"
		    FIELD_HEAD "}", "options[0] (x): missing \"display_text\"" },
		{ "{\"id\":\"a\",\"type\":\"select\",\"options\":[{\"id\":\"x\","
		    "\"display_text\":{\"en\":\"X\"}},{\"id\":\"x\",\"display_text\":"
		    "{\"en\":\"Y\"}}]," FIELD_HEAD "}", "options[1]: duplicate id \"x\"" },
		{ "{\"id\":\"a\",\"type\":\"select\",\"options\":[],\"lookup\":"
		    "\"lookup-gender\"," FIELD_HEAD "}",
		    "has both \"options\" and \"lookup\"" },
		{ "{\"id\":\"a\",\"type\":\"text\",\"required\":\"yes\"," FIELD_HEAD "}",
		    "field a: \"required\" must be true or false" },
		{ "{\"id\":\"a\",\"type\":\"text\",\"max_length\":0," FIELD_HEAD "}",
		    "\"max_length\" must be an integer from 1 to" },
		{ "{\"id\":\"s\",\"type\":\"subform\"," FIELD_HEAD ",\"fields\":["
		    "{\"id\":\"t\",\"type\":\"subform\",\"labels\":{\"en\":\"T\"},"
		    "\"fields\":[{\"id\":\"u\",\"type\":\"text\",\"labels\":{\"en\":\"U\"}}]}]}",
		    "field s.t: subforms cannot be nested" },
		{ "{\"id\":\"s\",\"type\":\"subform\"," FIELD_HEAD ",\"fields\":["
		    "{\"id\":\"t\",\"type\":\"text\",\"section\":\"main\","
		    "\"labels\":{\"en\":\"T\"}}]}",
		    "field s.t: \"section\" is not allowed inside a subform" },
		{ "{\"id\":\"s\",\"type\":\"subform\",\"section\":\"main\","
		    "\"labels\":{\"en\":\"S\"},\"sensitivity\":\"sensitive\",\"fields\":["
		    "{\"id\":\"t\",\"type\":\"text\",\"labels\":{\"en\":\"T\"},"
		    "\"sensitivity\":\"basic\"}]}",
		    "field s.t: sensitivity basic is lower than its subform's (sensitive)" },
		{ "{\"id\":\"s\",\"type\":\"subform\"," FIELD_HEAD "}",
		    "field s: \"fields\" must be a non-empty array" },
		{ "{\"id\":\"a\",\"type\":\"text\",\"system\":1," FIELD_HEAD "}",
		    "field a: \"system\" must be true or false" },
		{ "{\"id\":\"s\",\"type\":\"subform\"," FIELD_HEAD ",\"fields\":["
		    "{\"id\":\"t\",\"type\":\"text\",\"labels\":{\"en\":\"T\"},"
		    "\"system\":true}]}",
		    "field s.t: \"system\" applies to top-level fields only" },
		{ "{\"id\":\"s\",\"type\":\"subform\"," FIELD_HEAD ",\"fields\":["
		    "{\"id\":\"t\",\"type\":\"text\",\"labels\":{\"en\":\"T\"}},"
		    "{\"id\":\"t\",\"type\":\"text\",\"labels\":{\"en\":\"T\"}}]}",
		    "field s: duplicate field id \"t\"" },
	};
	char text[2048];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text), "%s%s]}", FORM_HEAD, cases[i].fields);
		assert_form_rejected(f, text, cases[i].expect);
	}
	assert_null(forms_get(f->fs, "probe"));
}

static void
test_malformed_form_files_are_rejected_with_a_message(void **state)
{
	struct fixture *f = *state;
	const struct embed_file *ef = embed_find("config/forms/case.json");
	char msg[256];

	assert_form_rejected(f, "{\"id\":\"probe\",", "form: malformed JSON");
	assert_form_rejected(f, "[1]", "form: expected a JSON object");
	assert_form_rejected(f, "{\"labels\":{\"en\":\"P\"}}",
	    "form: missing or malformed \"id\"");
	assert_form_rejected(f, FORM_HEAD "{\"id\":\"a\",\"type\":\"text\"," FIELD_HEAD
	    "}],\"version\":2}", "form probe: unknown key \"version\"");
	assert_form_rejected(f, "{\"id\":\"probe\",\"labels\":{\"en\":\"P\"},"
	    "\"sections\":[],\"fields\":[]}", "\"sections\" must be a non-empty array");
	assert_form_rejected(f, FORM_HEAD "]}", "\"fields\" must be a non-empty array");
	assert_form_rejected(f, FORM_HEAD "{\"id\":\"a\",\"type\":\"text\"," FIELD_HEAD
	    "}],\"required_one_of\":[{\"fields\":[\"a\",\"b\"],\"message\":\"m\"}]}",
	    "required_one_of[0]: fields[1] is not a field of this form");
	assert_form_rejected(f, FORM_HEAD "{\"id\":\"a\",\"type\":\"text\"," FIELD_HEAD
	    "}],\"required_one_of\":[{\"fields\":[\"a\"]}]}",
	    "required_one_of[0]: \"message\" must be a string");
	assert_form_rejected(f, "{\"id\":\"probe\",\"labels\":{\"en\":\"P\"},"
	    "\"sections\":[{\"id\":\"m\",\"labels\":{\"en\":\"M\"}},{\"id\":\"m\","
	    "\"labels\":{\"en\":\"M\"}}],\"fields\":[]}", "duplicate section id \"m\"");
	/* the same record type twice */
	assert_int_equal(forms_add_form(f->fs, ef->data, ef->len, msg, sizeof(msg)),
	    RC_EINVALID);
	assert_string_equal(msg, "form case: already loaded");
	/* and a good one is accepted */
	assert_int_equal(add_form(f, FORM_HEAD "{\"id\":\"a\",\"type\":\"text\","
	    FIELD_HEAD "}]}", msg, sizeof(msg)), RC_OK);
	assert_non_null(forms_get(f->fs, "probe"));
}

static void
test_malformed_lookups_are_rejected_with_a_message(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *text;
		const char *expect;
	} cases[] = {
		{ "{\"id\":\"lookup-x\",\"values\":[{\"id\":\"a\",\"display_text\":"
		    "{\"en\":\"A\"}},{\"id\":\"a\",\"display_text\":{\"en\":\"B\"}}]}",
		    "lookup lookup-x: values[1]: duplicate id \"a\"" },
		{ "{\"id\":\"lookup-x\",\"values\":[{\"id\":\"a\"}]}",
		    "lookup lookup-x: values[0] (a): missing \"display_text\"" },
		{ "{\"id\":\"lookup-x\",\"values\":[{\"id\":\"a\",\"display_text\":"
		    "{\"fr\":\"A\"}}]}", "values[0] (a): \"display_text\" has no \"en\" text" },
		{ "{\"id\":\"lookup-x\",\"values\":[]}",
		    "lookup lookup-x: \"values\" must be a non-empty array" },
		{ "{\"id\":\"lookup-x\",\"values\":[{\"id\":\"a\",\"display_text\":"
		    "{\"en\":\"A\"},\"rank\":1}]}", "values[0]: unknown key \"rank\"" },
		{ "{\"id\":\"lookup-x\",\"kind\":\"x\",\"values\":[]}",
		    "lookup lookup-x: unknown key \"kind\"" },
		{ "{\"id\":\"lookup-gender\",\"values\":[{\"id\":\"a\",\"display_text\":"
		    "{\"en\":\"A\"}}]}", "lookup lookup-gender: already loaded" },
		{ "{\"values\":[]}", "lookup: missing or malformed \"id\"" },
		{ "not json", "lookup: malformed JSON" },
	};
	char msg[256];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(forms_add_lookup(f->fs, cases[i].text, strlen(cases[i].text),
		    msg, sizeof(msg)), RC_EINVALID);
		if (strstr(msg, cases[i].expect) == NULL)
			fail_msg("expected \"%s\", got \"%s\"", cases[i].expect, msg);
	}
}

static void
test_iso_lookups_need_no_display_text_but_well_formed_codes(void **state)
{
	struct forms *fs = forms_new();
	char msg[256];
	const char *bad_country = "{\"id\":\"lookup-country\",\"values\":[{\"id\":\"er\"}]}";
	const char *bad_lang = "{\"id\":\"lookup-language\",\"values\":[{\"id\":\"ARA\"}]}";
	const char *good = "{\"id\":\"lookup-country\",\"values\":[{\"id\":\"ER\"}]}";

	(void)state;
	assert_non_null(fs);
	assert_int_equal(forms_add_lookup(fs, bad_country, strlen(bad_country), msg,
	    sizeof(msg)), RC_EINVALID);
	assert_non_null(strstr(msg, "values[0]: missing or malformed \"id\""));
	assert_int_equal(forms_add_lookup(fs, bad_lang, strlen(bad_lang), msg,
	    sizeof(msg)), RC_EINVALID);
	assert_int_equal(forms_add_lookup(fs, good, strlen(good), msg, sizeof(msg)), RC_OK);
	forms_free(fs);
	forms_free(NULL);
}

/* ---- validation: required and names ---------------------------------------------- */

static void
test_minimal_valid_case_is_accepted(void **state)
{
	assert_valid(*state, "{\"sex\":\"female\",\"name_first\":\"Amina\"}");
}

static void
test_full_case_with_every_field_is_accepted(void **state)
{
	assert_valid(*state, "{"
	    "\"registration_date\":\"2025-06-15\",\"name_first\":\"Amina\","
	    "\"name_middle\":\"Tesfay\",\"name_last\":\"Gebre\",\"name_nickname\":\"Mimi\","
	    "\"name_other\":\"Amna\",\"name\":\"Amina Tesfay Gebre\","
	    "\"name_original_script\":\"\u12a0\u121a\u1293\",\"sex\":\"female\","
	    "\"date_of_birth\":\"2010-02-28\",\"age\":15,\"estimated\":true,"
	    "\"age_range_from\":14,\"age_range_to\":16,\"age_assessment_method\":\"interview\","
	    "\"nationality\":[\"ER\"],\"language\":[\"ti\",\"ar\",\"en\"],"
	    "\"national_id_no\":\"E-1234\",\"location_current\":\"LY02\","
	    "\"address_current\":\"Shelter 3\\nRoom 12\",\"telephone_current\":\"+218 91 000\","
	    "\"displacement_status\":\"migrant\","
	    "\"unaccompanied_separated_status\":\"unaccompanied\","
	    "\"name_caregiver\":\"Saba\",\"relationship_caregiver\":\"aunt\","
	    "\"family_details_section\":[{\"relation_name\":\"Tesfay Gebre\","
	    "\"relation\":\"father\",\"relation_nickname\":\"Tes\","
	    "\"relation_is_caregiver\":false,\"relation_is_alive\":\"unknown\","
	    "\"relation_age\":45,\"relation_sex\":\"male\",\"relation_nationality\":\"ER\","
	    "\"relation_location_current\":\"ER\",\"relation_telephone\":\"+291 1\"}],"
	    "\"protection_concerns\":[\"unaccompanied\",\"trafficked\"],"
	    "\"protection_concerns_other\":\"x\",\"urgent_protection_concern\":true,"
	    "\"risk_level\":\"high\",\"consent_for_services\":true,"
	    "\"consent_for_tracing\":true,\"disclosure_other_orgs\":false,"
	    "\"consent_reporting\":true,\"consent_source\":\"child\","
	    "\"consent_source_other\":\"\",\"disclosure_deny_details\":\"Not to uncle\"}");
}

static void
test_missing_sex_is_rejected_as_required(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(check(f, "{\"name_first\":\"Amina\"}"), RC_EINVALID);
	assert_int_equal(f->errs.n, 1);
	assert_problem(&f->errs, "sex", "is required");
	assert_int_equal(check(f, "{\"name_first\":\"Amina\",\"sex\":\"\"}"), RC_EINVALID);
	assert_problem(&f->errs, "sex", "is required");
}

static void
test_case_without_any_name_is_rejected(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(check(f, "{\"sex\":\"male\",\"age\":12}"), RC_EINVALID);
	assert_int_equal(f->errs.n, 1);
	assert_problem(&f->errs, "", "at least one name is required");
	/* any one name will do, including the original script alone */
	assert_valid(f, "{\"sex\":\"male\",\"name_original_script\":\"\u0645\u062d\u0645\u062f\"}");
	assert_valid(f, "{\"sex\":\"male\",\"name_nickname\":\"Abdi\"}");
}

static void
test_empty_string_name_counts_as_absent(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"\","
	    "\"name_last\":\"\"}"), RC_EINVALID);
	assert_problem(&f->errs, "", "at least one name is required");
}

static void
test_null_values_are_treated_as_absent(void **state)
{
	struct fixture *f = *state;

	assert_valid(f, "{\"sex\":\"female\",\"name_first\":\"Amina\",\"age\":null,"
	    "\"nationality\":null,\"family_details_section\":null}");
	assert_int_equal(check(f, "{\"sex\":null,\"name_first\":\"Amina\"}"), RC_EINVALID);
	assert_problem(&f->errs, "sex", "is required");
	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":null}"), RC_EINVALID);
	assert_problem(&f->errs, "", "at least one name is required");
}

static void
test_unknown_field_is_rejected_and_named(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"Amina\","
	    "\"favourite_colour\":\"blue\"}"), RC_EINVALID);
	assert_int_equal(f->errs.n, 1);
	assert_problem(&f->errs, "favourite_colour", "is not a field of this form");
	/* a key that is no identifier is named safely, never raw */
	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"Amina\","
	    "\"<b>x\\n\":1}"), RC_EINVALID);
	assert_problem(&f->errs, "?b?x?", "is not a field of this form");
}

static void
test_key_with_a_nul_byte_is_not_taken_for_a_field(void **state)
{
	struct fixture *f = *state;
	json_t *rec = json_pack("{s:s, s:s}", "sex", "female", "name_first", "A");

	assert_non_null(rec);
	assert_int_equal(json_object_setn_new(rec, "age\0x", 5, json_string("old")), 0);
	assert_int_equal(form_validate(f->cases, rec, &f->ctx, &f->errs), RC_EINVALID);
	assert_int_equal(f->errs.n, 1);
	assert_problem(&f->errs, "age?x", "is not a field of this form");
	json_decref(rec);
}

static void
test_record_that_is_not_an_object_is_rejected(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(check(f, "[1,2]"), RC_EINVALID);
	assert_problem(&f->errs, "", "must be a JSON object");
}

/* ---- validation: types -------------------------------------------------------------- */

static void
test_wrong_json_type_is_rejected_for_every_type(void **state)
{
	struct fixture *f = *state;
	static const struct {
		const char *field, *value, *problem;
	} cases[] = {
		{ "name_last", "42", "must be a string" },			/* text */
		{ "address_current", "[\"a\"]", "must be a string" },		/* textarea */
		{ "risk_level", "[\"high\"]", "must be a string" },		/* select */
		{ "nationality", "\"ER\"", "must be an array" },		/* multi_select */
		{ "language", "[1]", "must be an array of strings" },
		{ "date_of_birth", "20100101", "must be a string" },		/* date */
		{ "age", "\"12\"", "must be a whole number" },			/* integer */
		{ "age", "true", "must be a whole number" },
		{ "estimated", "\"true\"", "must be true or false" },		/* boolean */
		{ "estimated", "1", "must be true or false" },
		{ "location_current", "{\"code\":\"ER\"}", "must be a string" }, /* location */
		{ "family_details_section", "{\"relation\":\"mother\"}",	/* subform */
		    "must be an array" },
	};
	char record[512];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(record, sizeof(record), "{\"sex\":\"female\",\"name_first\":\"A\","
		    "\"%s\":%s}", cases[i].field, cases[i].value);
		assert_int_equal(check(f, record), RC_EINVALID);
		assert_int_equal(f->errs.n, 1);
		assert_problem(&f->errs, cases[i].field, cases[i].problem);
	}
	/* and each subform item must be an object */
	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"A\","
	    "\"family_details_section\":[{},\"mother\"]}"), RC_EINVALID);
	assert_problem(&f->errs, "family_details_section[1]", "must be an object");
}

static void
test_option_not_in_lookup_is_rejected(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(check(f, "{\"sex\":\"woman\",\"name_first\":\"A\"}"), RC_EINVALID);
	assert_problem(&f->errs, "sex", "is not one of the options");
	assert_int_equal(check(f, "{\"sex\":\"Female\",\"name_first\":\"A\"}"), RC_EINVALID);
	assert_problem(&f->errs, "sex", "is not one of the options");
	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"A\","
	    "\"nationality\":[\"ER\",\"XX\"]}"), RC_EINVALID);
	assert_problem(&f->errs, "nationality", "not one of the options");
	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"A\","
	    "\"nationality\":[\"er\"]}"), RC_EINVALID);
	assert_problem(&f->errs, "nationality", "not one of the options");
	/* a NUL byte does not smuggle a suffix past the option check */
	assert_int_equal(check(f, "{\"sex\":\"female\\u0000x\",\"name_first\":\"A\"}"),
	    RC_EINVALID);
	assert_problem(&f->errs, "sex", "is not one of the options");
	assert_valid(f, "{\"sex\":\"unknown\",\"name_first\":\"A\","
	    "\"displacement_status\":\"asylum_seeker\"}");
}

static void
test_inline_options_are_checked(void **state)
{
	struct fixture *f = *state;

	assert_valid(f, "{\"sex\":\"female\",\"name_first\":\"A\","
	    "\"family_details_section\":[{\"relation_is_alive\":\"dead\"}]}");
	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"A\","
	    "\"family_details_section\":[{\"relation_is_alive\":\"yes\"}]}"), RC_EINVALID);
	assert_problem(&f->errs, "family_details_section[0].relation_is_alive",
	    "is not one of the options");
}

static void
test_multi_select_duplicates_and_max_items_are_rejected(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"A\","
	    "\"nationality\":[\"ER\",\"ET\",\"ER\"]}"), RC_EINVALID);
	assert_int_equal(f->errs.n, 1);
	assert_problem(&f->errs, "nationality", "has a duplicate value");
	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"A\","
	    "\"nationality\":[\"ER\",\"ET\",\"SO\",\"SD\"]}"), RC_EINVALID);
	assert_problem(&f->errs, "nationality", "has more than 3 values");
	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"A\","
	    "\"language\":[\"ti\",\"ar\",\"en\",\"fr\",\"it\",\"am\"]}"), RC_EINVALID);
	assert_problem(&f->errs, "language", "has more than 5 values");
	assert_valid(f, "{\"sex\":\"female\",\"name_first\":\"A\","
	    "\"nationality\":[\"ER\",\"ET\",\"SO\"],\"language\":[]}");
}

static void
test_impossible_and_malformed_dates_are_rejected(void **state)
{
	struct fixture *f = *state;
	const char *bad[] = { "2025-02-30", "yesterday", "2010-1-5", "05/01/2010",
	    "2010-01-05T00:00:00Z", "" };
	char record[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(record, sizeof(record), "{\"sex\":\"female\",\"name_first\":\"A\","
		    "\"date_of_birth\":\"%s\"}", bad[i]);
		assert_int_equal(check(f, record), RC_EINVALID);
		assert_problem(&f->errs, "date_of_birth", "is not a valid date (YYYY-MM-DD)");
	}
	assert_valid(f, "{\"sex\":\"female\",\"name_first\":\"A\","
	    "\"date_of_birth\":\"2012-02-29\"}");
}

static void
test_future_date_is_rejected_when_no_future(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"A\","
	    "\"date_of_birth\":\"2025-06-16\",\"registration_date\":\"2026-01-01\"}"),
	    RC_EINVALID);
	assert_int_equal(f->errs.n, 2);
	assert_problem(&f->errs, "date_of_birth", "is in the future");
	assert_problem(&f->errs, "registration_date", "is in the future");
	assert_valid(f, "{\"sex\":\"female\",\"name_first\":\"A\","
	    "\"date_of_birth\":\"2025-06-15\",\"registration_date\":\"2025-06-15\"}");
}

static void
test_no_future_date_without_today_fails_closed(void **state)
{
	struct fixture *f = *state;

	f->ctx.today = NULL;
	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"A\","
	    "\"date_of_birth\":\"2010-01-01\"}"), RC_EINVALID);
	assert_problem(&f->errs, "date_of_birth", "today's date is not set");
	f->ctx.today = TODAY;
}

static void
test_integer_out_of_range_and_fraction_are_rejected(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"A\",\"age\":31}"),
	    RC_EINVALID);
	assert_problem(&f->errs, "age", "must be between 0 and 30");
	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"A\",\"age\":-1}"),
	    RC_EINVALID);
	assert_problem(&f->errs, "age", "must be between 0 and 30");
	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"A\",\"age\":9.5}"),
	    RC_EINVALID);
	assert_problem(&f->errs, "age", "must be a whole number");
	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"A\",\"age\":9.0}"),
	    RC_EINVALID);
	assert_problem(&f->errs, "age", "must be a whole number");
	assert_valid(f, "{\"sex\":\"female\",\"name_first\":\"A\",\"age\":0,"
	    "\"age_range_from\":0,\"age_range_to\":30}");
}

/* ---- validation: text ------------------------------------------------------------------ */

static void
test_over_long_string_is_rejected(void **state)
{
	struct fixture *f = *state;
	char name[256], record[512];

	/* 100 bytes is fine, 101 is not; the limit is in bytes, not characters */
	memset(name, 'a', 100);
	name[100] = '\0';
	snprintf(record, sizeof(record), "{\"sex\":\"female\",\"name_first\":\"%s\"}", name);
	assert_valid(f, record);
	name[100] = 'a';
	name[101] = '\0';
	snprintf(record, sizeof(record), "{\"sex\":\"female\",\"name_first\":\"%s\"}", name);
	assert_int_equal(check(f, record), RC_EINVALID);
	assert_problem(&f->errs, "name_first", "is longer than 100 bytes");
	/* 51 two-byte Arabic letters are 102 bytes */
	record[0] = '\0';
	strcat(record, "{\"sex\":\"female\",\"name_first\":\"");
	for (size_t i = 0; i < 51; i++)
		strcat(record, "\xd8\xa8");
	strcat(record, "\"}");
	assert_int_equal(check(f, record), RC_EINVALID);
	assert_problem(&f->errs, "name_first", "is longer than 100 bytes");
}

static void
test_invalid_utf8_is_rejected(void **state)
{
	struct fixture *f = *state;
	static const char *const bad[] = {
		"\xff",			/* never valid */
		"Am\xc3",		/* truncated sequence */
		"\xc0\xaf",		/* overlong '/' */
		"\xed\xa0\x80",		/* surrogate U+D800 */
		"\xf4\x90\x80\x80",	/* over U+10FFFF */
		"a\x80z",		/* stray continuation byte */
	};
	json_t *rec;
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		/* jansson refuses such text when parsing; build it directly, as a caller
		 * that skipped the parser could */
		rec = json_pack("{s:s, s:o}", "sex", "female", "name_first",
		    json_stringn_nocheck(bad[i], strlen(bad[i])));
		assert_non_null(rec);
		assert_int_equal(form_validate(f->cases, rec, &f->ctx, &f->errs), RC_EINVALID);
		assert_problem(&f->errs, "name_first", "is not valid UTF-8");
		json_decref(rec);
	}
}

static void
test_control_characters_are_rejected_except_newline_and_tab_in_textarea(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"Am\\nina\"}"),
	    RC_EINVALID);
	assert_problem(&f->errs, "name_first", "contains control characters");
	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"Am\\u0000ina\"}"),
	    RC_EINVALID);
	assert_problem(&f->errs, "name_first", "contains control characters");
	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"Am\\u0085ina\"}"),
	    RC_EINVALID);
	assert_problem(&f->errs, "name_first", "contains control characters");
	assert_valid(f, "{\"sex\":\"female\",\"name_first\":\"A\","
	    "\"address_current\":\"Block 4\\n\\tRoom 2\"}");
	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"A\","
	    "\"address_current\":\"Block\\u001b[31m\"}"), RC_EINVALID);
	assert_problem(&f->errs, "address_current", "contains control characters");
}

/* ---- validation: locations and subforms ------------------------------------------- */

static int
known_location(void *arg, const char *code)
{
	int *calls = arg;

	(*calls)++;
	return strcmp(code, "LY02") == 0 || strcmp(code, "ER") == 0;
}

static void
test_location_shape_and_location_exists_callback(void **state)
{
	struct fixture *f = *state;
	const char *bad[] = { "ly02", "L", "1Y02", "LY-02", "LY0000000000000000000000",
	    "" };
	char record[256];
	size_t i;
	int calls = 0;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(record, sizeof(record), "{\"sex\":\"female\",\"name_first\":\"A\","
		    "\"location_current\":\"%s\"}", bad[i]);
		assert_int_equal(check(f, record), RC_EINVALID);
		assert_problem(&f->errs, "location_current", "is not a valid location code");
	}
	/* without a callback any well-formed code passes, up to 2 + 20 characters */
	assert_valid(f, "{\"sex\":\"female\",\"name_first\":\"A\","
	    "\"location_current\":\"LY00000000000000000000\"}");
	f->ctx.location_exists = known_location;
	f->ctx.location_arg = &calls;
	assert_valid(f, "{\"sex\":\"female\",\"name_first\":\"A\",\"location_current\":\"LY02\","
	    "\"family_details_section\":[{\"relation_location_current\":\"ER\"}]}");
	assert_int_equal(calls, 2);
	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"A\","
	    "\"location_current\":\"LY99\"}"), RC_EINVALID);
	assert_problem(&f->errs, "location_current", "is not a known location");
	/* a malformed code never reaches the callback */
	calls = 0;
	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"A\","
	    "\"location_current\":\"ly02\"}"), RC_EINVALID);
	assert_int_equal(calls, 0);
	f->ctx.location_exists = NULL;
	f->ctx.location_arg = NULL;
}

static void
test_subform_errors_are_named_with_index_and_field(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"A\","
	    "\"family_details_section\":[{\"relation\":\"mother\"},"
	    "{\"relation\":\"godmother\",\"relation_age\":130,\"shoe_size\":3}]}"),
	    RC_EINVALID);
	assert_int_equal(f->errs.n, 3);
	assert_problem(&f->errs, "family_details_section[1].relation",
	    "is not one of the options");
	assert_problem(&f->errs, "family_details_section[1].relation_age",
	    "must be between 0 and 120");
	assert_problem(&f->errs, "family_details_section[1].shoe_size",
	    "is not a field of this form");
}

static void
test_subform_max_items_is_enforced(void **state)
{
	struct fixture *f = *state;
	json_t *rec = json_pack("{s:s, s:s, s:[]}", "sex", "female", "name_first", "A",
	    "family_details_section");
	json_t *arr = json_object_get(rec, "family_details_section");
	size_t i;

	for (i = 0; i < 30; i++)
		json_array_append_new(arr, json_pack("{s:s}", "relation", "cousin"));
	assert_int_equal(form_validate(f->cases, rec, &f->ctx, &f->errs), RC_OK);
	json_array_append_new(arr, json_pack("{s:s}", "relation", "cousin"));
	assert_int_equal(form_validate(f->cases, rec, &f->ctx, &f->errs), RC_EINVALID);
	assert_problem(&f->errs, "family_details_section", "has more than 30 entries");
	json_decref(rec);
}

static void
test_subform_fields_inherit_the_subform_sensitivity(void **state)
{
	struct fixture *f = *state;
	const struct form_field *fam = form_field_find(f->cases, "family_details_section");
	const struct form_field *name = form_field_find(fam->subform, "relation_name");

	assert_int_equal(fam->sensitivity, FS_SENSITIVE);
	assert_non_null(name);
	assert_int_equal(name->sensitivity, FS_SENSITIVE);
	assert_true(name->matchable);
	assert_string_equal(name->section, "family_details");
}

/* ---- system fields ------------------------------------------------------------------------ */

static void
test_system_fields_are_exactly_the_server_set_ones(void **state)
{
	static const char *const expect[] = { "risk_level_suggested",
	    "risk_level_suggested_reasons", "case_status_reopened", "reopened_logs",
	    "approval_status_assessment", "approval_status_bia",
	    "approval_status_case_plan", "approval_status_closure", "approval_subforms",
	    "consent_overrides", "transfers", "matched_tracing_request_id",
	    "matched_trace_id", "duplicate_of" };
	struct fixture *f = *state;
	size_t i, j, n = 0;

	for (i = 0; i < form_field_count(f->cases); i++) {
		const struct form_field *fd = form_field_at(f->cases, i);
		int want = 0;

		for (j = 0; j < sizeof(expect) / sizeof(expect[0]); j++)
			want |= strcmp(expect[j], fd->id) == 0;
		if (fd->system != want)
			fail_msg("field %s: system is %d, expected %d", fd->id, fd->system,
			    want);
		n += fd->system;
	}
	assert_int_equal(n, sizeof(expect) / sizeof(expect[0]));
	/* the caseworker's own risk level is theirs to set */
	assert_false(form_field_find(f->cases, "risk_level")->system);
}

static json_t *
parse(const char *text)
{
	json_error_t jerr;
	json_t *j = json_loads(text, 0, &jerr);

	if (j == NULL)
		fail_msg("test JSON: %s: %s", jerr.text, text);
	return j;
}

static void
test_clients_cannot_set_or_change_system_fields(void **state)
{
	struct fixture *f = *state;
	json_t *before = parse("{\"sex\":\"female\",\"name_first\":\"A\","
	    "\"approval_status_closure\":\"requested\",\"approval_subforms\":[{"
	    "\"approval_requested_for\":\"closure\",\"approval_status\":\"requested\","
	    "\"approval_date\":\"2025-06-10\"}]}");
	json_t *after;

	/* a new record carries none */
	after = parse("{\"sex\":\"female\",\"name_first\":\"A\","
	    "\"approval_status_closure\":\"approved\"}");
	assert_int_equal(form_check_system(f->cases, NULL, after, &f->errs), RC_EINVALID);
	assert_problem(&f->errs, "approval_status_closure", "is set by the system");
	json_decref(after);
	after = parse("{\"sex\":\"female\",\"name_first\":\"A\",\"risk_level\":\"high\","
	    "\"approval_status_closure\":null}");
	assert_int_equal(form_check_system(f->cases, NULL, after, &f->errs), RC_OK);
	json_decref(after);

	/* sending back what was read is no change */
	after = json_deep_copy(before);
	json_object_set_new(after, "risk_level", json_string("low"));
	assert_int_equal(form_check_system(f->cases, before, after, &f->errs), RC_OK);
	assert_int_equal(f->errs.n, 0);

	/* approving one's own closure by editing the record is refused */
	json_object_set_new(after, "approval_status_closure", json_string("approved"));
	assert_int_equal(form_check_system(f->cases, before, after, &f->errs), RC_EINVALID);
	assert_int_equal(f->errs.n, 1);
	assert_problem(&f->errs, "approval_status_closure", "is set by the system");

	/* so is rewriting or dropping the history */
	json_object_set_new(after, "approval_status_closure", json_string("requested"));
	json_object_set_new(after, "approval_subforms", json_array());
	json_object_set_new(after, "risk_level_suggested", json_string("low"));
	assert_int_equal(form_check_system(f->cases, before, after, &f->errs), RC_EINVALID);
	assert_int_equal(f->errs.n, 2);
	assert_problem(&f->errs, "approval_subforms", "is set by the system");
	assert_problem(&f->errs, "risk_level_suggested", "is set by the system");
	json_object_del(after, "approval_subforms");
	json_object_del(after, "risk_level_suggested");
	assert_int_equal(form_check_system(f->cases, before, after, &f->errs), RC_EINVALID);
	assert_problem(&f->errs, "approval_subforms", "is set by the system");
	json_decref(after);
	json_decref(before);
}

static void
test_system_flag_reaches_clients(void **state)
{
	struct fixture *f = *state;
	json_t *j = form_to_json(f->cases);
	const json_t *fd;
	size_t i;
	int seen = 0;

	json_array_foreach(json_object_get(j, "fields"), i, fd) {
		const char *id = json_string_value(json_object_get(fd, "id"));

		assert_true(json_is_boolean(json_object_get(fd, "system")));
		if (strcmp(id, "approval_subforms") == 0) {
			assert_true(json_is_true(json_object_get(fd, "system")));
			seen = 1;
		}
		if (strcmp(id, "sex") == 0)
			assert_true(json_is_false(json_object_get(fd, "system")));
	}
	assert_true(seen);
	json_decref(j);
}

/* ---- the workflow sections ------------------------------------------------------------------ */

static void
test_managed_case_with_every_workflow_section_is_accepted(void **state)
{
	assert_valid(*state, "{\"sex\":\"male\",\"name_first\":\"Yonas\",\"age\":15,"
	    "\"estimated\":true,\"age_range_from\":14,\"age_range_to\":17,"
	    "\"age_assessment_method\":\"interview\",\"age_assessment_date\":\"2025-05-02\","
	    "\"age_assessment_outcome\":\"undetermined\",\"age_assessment_consent\":true,"
	    "\"age_assessment_guardian_present\":true,\"age_assessment_appeal\":false,"
	    "\"age_assessment_notes\":\"Interview with a guardian present.\","
	    "\"risk_level\":\"high\",\"initial_assessment_date\":\"2025-05-01\","
	    "\"initial_assessment_child_safe\":false,"
	    "\"initial_assessment_urgent_needs\":\"Shelter\\nMedical check\","
	    "\"initial_assessment_actions\":\"Placed in interim care\","
	    "\"comprehensive_assessment_date\":\"2025-05-12\","
	    "\"comprehensive_assessment_safety\":\"x\",\"comprehensive_assessment_health\":\"x\","
	    "\"comprehensive_assessment_education\":\"x\","
	    "\"comprehensive_assessment_family\":\"x\",\"comprehensive_assessment_legal\":\"x\","
	    "\"comprehensive_assessment_child_views\":\"x\","
	    "\"comprehensive_assessment_summary\":\"x\",\"domv_assessment_date\":\"2025-05-12\","
	    "\"domv_factors\":[{\"domv_level\":\"individual\","
	    "\"domv_factor\":\"individual_history_exploitation\",\"domv_factor_type\":\"risk\","
	    "\"domv_evidence\":\"Worked to repay a debt\",\"domv_source\":\"child\","
	    "\"domv_date\":\"2025-05-12\"},{\"domv_level\":\"household\","
	    "\"domv_factor\":\"household_caregiver\",\"domv_factor_type\":\"protective\"}],"
	    "\"domv_summary_individual\":\"x\",\"domv_summary_household\":\"x\","
	    "\"domv_summary_community\":\"x\",\"domv_summary_structural\":\"x\","
	    "\"risk_level_suggested\":\"high\","
	    "\"risk_level_suggested_reasons\":\"critical_factor:individual_history_exploitation\","
	    "\"bia_subform_section\":[{\"bia_type\":\"short\",\"bia_date\":\"2025-05-02\","
	    "\"bia_conducted_by\":\"Caseworker\",\"bia_child_views\":\"x\","
	    "\"bia_family_views\":\"x\",\"bia_safety_risks\":\"x\","
	    "\"bia_recommendation\":\"x\",\"bia_refer_to_bid\":true}],"
	    "\"bid_referral_date\":\"2025-05-20\",\"bid_panel_date\":\"2025-06-01\","
	    "\"bid_panel_members\":[{\"bid_panel_member_name\":\"Panel chair\","
	    "\"bid_panel_member_role\":\"Chair\",\"bid_panel_member_agency\":\"Horizon\","
	    "\"bid_panel_member_present\":true}],\"bid_recommendation\":\"reunification\","
	    "\"bid_recommendation_other\":\"\",\"bid_decision\":\"defer\","
	    "\"bid_decision_date\":\"2025-06-01\",\"bid_decision_reasons\":\"x\","
	    "\"bid_child_informed\":true,\"bid_followup_date\":\"2025-07-01\","
	    "\"bid_followup_notes\":\"x\",\"date_case_plan\":\"2025-05-20\","
	    "\"cp_case_plan_subform_case_plan_interventions\":[{"
	    "\"intervention_service_goal\":\"Safe care\","
	    "\"intervention_service_to_be_provided\":\"Foster placement\","
	    "\"case_plan_provider_and_contact_details\":\"Social services\","
	    "\"case_plan_timeframe\":\"2025-08-01\",\"case_plan_action_status\":\"in_progress\"}],"
	    "\"durable_solution_proposed\":true,\"separation_from_parents_against_will\":false,"
	    "\"followup_subform_section\":[{\"followup_type\":\"case_plan_review\","
	    "\"followup_needed_by_date\":\"2025-07-20\",\"followup_date\":\"2025-06-10\","
	    "\"followup_child_seen\":true,\"followup_comments\":\"x\"}],"
	    "\"closure_reason\":\"other\",\"closure_reason_other\":\"x\","
	    "\"date_closure\":\"2025-06-14\",\"closure_notes\":\"x\","
	    "\"case_status_reopened\":true,\"reopened_logs\":[{\"reopened_date\":\"2025-06-15\","
	    "\"reopened_user\":\"0b7c3f5e-1f6e-4c53-9a7a-2f0f3c9d1e11\"}],"
	    "\"approval_status_assessment\":\"approved\",\"approval_status_bia\":\"rejected\","
	    "\"approval_status_case_plan\":\"requested\",\"approval_status_closure\":\"approved\","
	    "\"approval_subforms\":[{\"approval_requested_for\":\"case_plan\","
	    "\"approval_status\":\"requested\",\"approval_date\":\"2025-05-21\","
	    "\"requested_by\":\"0b7c3f5e-1f6e-4c53-9a7a-2f0f3c9d1e11\"},"
	    "{\"approval_response_for\":\"bia\",\"approval_status\":\"rejected\","
	    "\"approval_date\":\"2025-05-22\",\"approved_by\":\"x\","
	    "\"approval_manager_comments\":\"Views of the aunt missing\"}],"
	    "\"consent_per_purpose\":[{\"consent_purpose\":\"tracing\","
	    "\"consent_given_by\":\"child\",\"consent_granted\":true,"
	    "\"consent_date\":\"2025-05-01\",\"consent_recipient_type\":\"ngo\","
	    "\"consent_no_appropriate_caregiver\":true,\"consent_given_by_other\":\"\","
	    "\"consent_withhold_details\":\"Not to the uncle\"}]}");
}

static void
test_workflow_subform_rows_need_their_key_fields(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(check(f, "{\"sex\":\"female\",\"name_first\":\"A\","
	    "\"domv_factors\":[{\"domv_evidence\":\"x\"},{\"domv_level\":\"global\","
	    "\"domv_factor\":\"individual_age\",\"domv_factor_type\":\"maybe\"}],"
	    "\"consent_per_purpose\":[{\"consent_purpose\":\"tracing\"}],"
	    "\"bia_subform_section\":[{\"bia_type\":\"long\",\"bia_date\":\"2025-06-16\"}],"
	    "\"bid_decision\":\"approved\",\"closure_reason\":\"bored\"}"), RC_EINVALID);
	assert_problem(&f->errs, "domv_factors[0].domv_level", "is required");
	assert_problem(&f->errs, "domv_factors[0].domv_factor", "is required");
	assert_problem(&f->errs, "domv_factors[0].domv_factor_type", "is required");
	assert_problem(&f->errs, "domv_factors[1].domv_level", "is not one of the options");
	assert_problem(&f->errs, "domv_factors[1].domv_factor_type",
	    "is not one of the options");
	assert_problem(&f->errs, "consent_per_purpose[0].consent_given_by", "is required");
	assert_problem(&f->errs, "consent_per_purpose[0].consent_granted", "is required");
	assert_problem(&f->errs, "consent_per_purpose[0].consent_date", "is required");
	assert_problem(&f->errs, "bia_subform_section[0].bia_type",
	    "is not one of the options");
	assert_problem(&f->errs, "bia_subform_section[0].bia_date", "is in the future");
	assert_problem(&f->errs, "bid_decision", "is not one of the options");
	assert_problem(&f->errs, "closure_reason", "is not one of the options");
}

static void
test_workflow_fields_have_sensible_sensitivity(void **state)
{
	static const struct {
		const char		*id;
		enum form_sensitivity	 s;
	} want[] = {
		{ "consent_per_purpose", FS_RESTRICTED },
		{ "domv_factors", FS_RESTRICTED },	/* trafficking history */
		{ "risk_level_suggested_reasons", FS_RESTRICTED },
		{ "comprehensive_assessment_health", FS_RESTRICTED },
		{ "age_assessment_consent", FS_RESTRICTED },
		{ "initial_assessment_urgent_needs", FS_SENSITIVE },
		{ "bia_subform_section", FS_SENSITIVE },
		{ "bid_decision_reasons", FS_SENSITIVE },
		{ "closure_notes", FS_SENSITIVE },
		{ "domv_summary_individual", FS_SENSITIVE },
		{ "risk_level_suggested", FS_BASIC },
		{ "approval_status_closure", FS_BASIC },
		{ "initial_assessment_date", FS_BASIC },
	};
	struct fixture *f = *state;
	const struct form_field *fd;
	size_t i;

	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		fd = form_field_find(f->cases, want[i].id);
		if (fd == NULL)
			fail_msg("no field %s", want[i].id);
		if (fd->sensitivity != want[i].s)
			fail_msg("%s: sensitivity %d, expected %d", want[i].id,
			    fd->sensitivity, want[i].s);
	}
	/* every narrative is at least sensitive */
	for (i = 0; i < form_field_count(f->cases); i++) {
		fd = form_field_at(f->cases, i);
		if (fd->type == FT_TEXTAREA && fd->sensitivity < FS_SENSITIVE &&
		    strcmp(fd->id, "address_current") != 0)
			fail_msg("narrative %s is only class %d", fd->id, fd->sensitivity);
	}
}

/* ---- errors ------------------------------------------------------------------------------ */

static void
test_errors_never_quote_the_value(void **state)
{
	struct fixture *f = *state;
	char all[2048];

	assert_int_equal(check(f, "{\"sex\":\"SECRETVALUE\",\"name_first\":42,"
	    "\"date_of_birth\":\"SECRETDATE\",\"location_current\":\"SECRET-LOC\","
	    "\"nationality\":[\"SECRETNAT\"]}"), RC_EINVALID);
	assert_int_equal(f->errs.n, 5);
	form_errors_format(&f->errs, all, sizeof(all));
	assert_null(strstr(all, "SECRET"));
}

static void
test_errors_format_joins_field_and_problem(void **state)
{
	struct fixture *f = *state;
	char all[512], tiny[12];

	assert_int_equal(check(f, "{\"age\":99}"), RC_EINVALID);
	form_errors_format(&f->errs, all, sizeof(all));
	assert_string_equal(all, "sex: is required; age: must be between 0 and 30; "
	    "at least one name is required");
	form_errors_format(&f->errs, tiny, sizeof(tiny));
	assert_string_equal(tiny, "sex: is req");
}

static void
test_errors_beyond_the_maximum_are_counted_as_dropped(void **state)
{
	struct fixture *f = *state;
	json_t *rec = json_pack("{s:s, s:s}", "sex", "female", "name_first", "A");
	char key[16], all[8192];
	size_t i;

	for (i = 0; i < FORM_ERRORS_MAX + 8; i++) {
		snprintf(key, sizeof(key), "extra_%zu", i);
		json_object_set_new(rec, key, json_true());
	}
	assert_int_equal(form_validate(f->cases, rec, &f->ctx, &f->errs), RC_EINVALID);
	assert_int_equal(f->errs.n, FORM_ERRORS_MAX);
	assert_int_equal(f->errs.dropped, 8);
	form_errors_format(&f->errs, all, sizeof(all));
	assert_non_null(strstr(all, "; and 8 more"));
	json_decref(rec);
	/* and a later valid record starts from a clean list */
	assert_valid(f, "{\"sex\":\"female\",\"name_first\":\"A\"}");
	assert_int_equal(f->errs.dropped, 0);
}

/* ---- form_to_json ------------------------------------------------------------------------ */

static void
assert_field_json(const struct form_field *fd, const json_t *j)
{
	static const char *const types[FT__MAX] = { "text", "textarea", "select",
	    "multi_select", "date", "integer", "boolean", "location", "subform" };
	static const char *const classes[FS__MAX] = { "basic", "identifying", "sensitive",
	    "restricted" };
	size_t i;

	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "id")), fd->id);
	assert_string_equal(json_string_value(json_object_get(j, "type")), types[fd->type]);
	assert_string_equal(json_string_value(json_object_get(j, "sensitivity")),
	    classes[fd->sensitivity]);
	assert_string_equal(json_string_value(json_object_get(j, "section")), fd->section);
	assert_true(json_equal(json_object_get(j, "labels"), fd->labels));
	assert_int_equal(json_is_true(json_object_get(j, "required")), fd->required);
	assert_int_equal(json_is_true(json_object_get(j, "matchable")), fd->matchable);
	if (fd->help != NULL)
		assert_true(json_equal(json_object_get(j, "help"), fd->help));
	if (fd->options != NULL)
		assert_true(json_equal(json_object_get(j, "options"), fd->options));
	if (fd->type == FT_INTEGER) {
		assert_int_equal(json_integer_value(json_object_get(j, "min")), fd->min);
		assert_int_equal(json_integer_value(json_object_get(j, "max")), fd->max);
	}
	if (fd->type == FT_SUBFORM) {
		const json_t *sub = json_object_get(j, "fields");

		assert_int_equal(json_array_size(sub), form_field_count(fd->subform));
		for (i = 0; i < form_field_count(fd->subform); i++)
			assert_field_json(form_field_at(fd->subform, i), json_array_get(sub, i));
	}
}

static void
test_form_to_json_round_trip_has_every_field(void **state)
{
	struct fixture *f = *state;
	json_t *j = form_to_json(f->cases), *back;
	const json_t *fields, *nat;
	char *text;
	size_t i;

	assert_non_null(j);
	text = json_dumps(j, JSON_COMPACT);
	assert_non_null(text);
	back = json_loads(text, 0, NULL);
	assert_non_null(back);
	assert_true(json_equal(j, back));
	assert_string_equal(json_string_value(json_object_get(back, "id")), "case");
	assert_true(json_equal(json_object_get(back, "sections"), form_sections(f->cases)));
	assert_int_equal(json_array_size(json_object_get(back, "required_one_of")), 1);
	fields = json_object_get(back, "fields");
	assert_int_equal(json_array_size(fields), form_field_count(f->cases));
	for (i = 0; i < form_field_count(f->cases); i++)
		assert_field_json(form_field_at(f->cases, i), json_array_get(fields, i));
	/* options come expanded from the lookup, which clients are also told */
	nat = json_array_get(fields, 15);
	assert_string_equal(json_string_value(json_object_get(nat, "id")), "nationality");
	assert_int_equal(json_array_size(json_object_get(nat, "options")), 249);
	assert_string_equal(json_string_value(json_object_get(nat, "lookup")),
	    "lookup-country");
	assert_string_equal(json_string_value(json_object_get(nat, "display_names")),
	    "icu_region");
	assert_int_equal(json_integer_value(json_object_get(nat, "max_items")), 3);
	free(text);
	json_decref(back);
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_embedded_case_form_and_all_lookups_load),
		T(test_only_sex_is_required),
		T(test_lookup_country_has_every_iso_code_and_language_has_no_duplicates),
		T(test_every_label_and_help_has_en_fr_ar_es),
		T(test_malformed_form_definitions_are_rejected_with_a_message),
		T(test_malformed_form_files_are_rejected_with_a_message),
		T(test_malformed_lookups_are_rejected_with_a_message),
		cmocka_unit_test(test_iso_lookups_need_no_display_text_but_well_formed_codes),
		T(test_minimal_valid_case_is_accepted),
		T(test_full_case_with_every_field_is_accepted),
		T(test_missing_sex_is_rejected_as_required),
		T(test_case_without_any_name_is_rejected),
		T(test_empty_string_name_counts_as_absent),
		T(test_null_values_are_treated_as_absent),
		T(test_unknown_field_is_rejected_and_named),
		T(test_key_with_a_nul_byte_is_not_taken_for_a_field),
		T(test_record_that_is_not_an_object_is_rejected),
		T(test_wrong_json_type_is_rejected_for_every_type),
		T(test_option_not_in_lookup_is_rejected),
		T(test_inline_options_are_checked),
		T(test_multi_select_duplicates_and_max_items_are_rejected),
		T(test_impossible_and_malformed_dates_are_rejected),
		T(test_future_date_is_rejected_when_no_future),
		T(test_no_future_date_without_today_fails_closed),
		T(test_integer_out_of_range_and_fraction_are_rejected),
		T(test_over_long_string_is_rejected),
		T(test_invalid_utf8_is_rejected),
		T(test_control_characters_are_rejected_except_newline_and_tab_in_textarea),
		T(test_location_shape_and_location_exists_callback),
		T(test_subform_errors_are_named_with_index_and_field),
		T(test_subform_max_items_is_enforced),
		T(test_subform_fields_inherit_the_subform_sensitivity),
		T(test_system_fields_are_exactly_the_server_set_ones),
		T(test_clients_cannot_set_or_change_system_fields),
		T(test_system_flag_reaches_clients),
		T(test_managed_case_with_every_workflow_section_is_accepted),
		T(test_workflow_subform_rows_need_their_key_fields),
		T(test_workflow_fields_have_sensible_sensitivity),
		T(test_errors_never_quote_the_value),
		T(test_errors_format_joins_field_and_problem),
		T(test_errors_beyond_the_maximum_are_counted_as_dropped),
		T(test_form_to_json_round_trip_has_every_field),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
