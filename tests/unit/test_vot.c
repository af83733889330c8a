/* test_vot.c — the victim-of-trafficking form and its CTDC code lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/buf.h"
#include "base/embed.h"
#include "base/err.h"
#include "base/io.h"
#include "domain/form.h"

#define TODAY	"2025-06-15"

struct fixture {
	struct forms		*fs;
	const struct form	*vot;
	struct form_context	 ctx;
	struct form_errors	 errs;
};

static int
setup(void **state)
{
	const struct embed_file *ef = embed_find("config/forms/vot.json");
	struct fixture *f = calloc(1, sizeof(*f));
	char msg[256];
	size_t i;

	assert_non_null(f);
	assert_non_null(ef);
	f->fs = forms_new();
	assert_non_null(f->fs);
	for (i = 0; i < embed_count; i++) {
		if (strncmp(embed_files[i].path, "config/lookups/", 15) != 0)
			continue;
		if (forms_add_lookup(f->fs, embed_files[i].data, embed_files[i].len, msg,
		    sizeof(msg)) != RC_OK)
			fail_msg("%s: %s", embed_files[i].path, msg);
	}
	if (forms_add_form(f->fs, ef->data, ef->len, msg, sizeof(msg)) != RC_OK)
		fail_msg("vot.json: %s", msg);
	f->vot = forms_get(f->fs, "vot");
	assert_non_null(f->vot);
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

static int
check(struct fixture *f, const char *record)
{
	json_error_t jerr;
	json_t *j = json_loads(record, 0, &jerr);
	int rc;

	if (j == NULL)
		fail_msg("test record is not JSON: %s: %s", jerr.text, record);
	memset(&f->errs, 0, sizeof(f->errs));
	rc = form_validate(f->vot, j, &f->ctx, &f->errs);
	json_decref(j);
	return rc;
}

static void
assert_problem(struct fixture *f, const char *field, const char *problem)
{
	char all[2048];
	size_t i;

	for (i = 0; i < f->errs.n; i++)
		if (strcmp(f->errs.e[i].field, field) == 0 &&
		    strstr(f->errs.e[i].problem, problem) != NULL)
			return;
	form_errors_format(&f->errs, all, sizeof(all));
	fail_msg("expected \"%s: %s\", got \"%s\"", field, problem, all);
}

static void
assert_all_languages(const json_t *text, const char *what)
{
	static const char *const langs[] = { "en", "fr", "ar", "es" };
	size_t i;

	if (!json_is_object(text))
		fail_msg("%s: no text object", what);
	for (i = 0; i < 4; i++) {
		const char *s = json_string_value(json_object_get(text, langs[i]));

		if (s == NULL || *s == '\0')
			fail_msg("%s: no %s text", what, langs[i]);
	}
	/* a translation is not the English text copied, except for words that are the
	 * same in both languages */
	if (strcmp(json_string_value(json_object_get(text, "ar")),
	    json_string_value(json_object_get(text, "en"))) == 0)
		fail_msg("%s: Arabic is the English text", what);
}

/* Every field of the form filled with fictional values. */
static const char full_record[] =
	"{\"case_id\": \"3f1c9a52-7d4e-4b8a-9c21-5e6f7a8b9c0d\","
	" \"screening_outcome\": \"confirmed_victim\","
	" \"identification_date\": \"2025-03-02\","
	" \"identifying_organisation\": \"Fictional Horizon Child Protection\","
	" \"identifying_organisation_type\": \"ngo\","
	" \"location_identified\": \"LY01\","
	" \"year_of_registration\": 2025,"
	" \"notes\": \"Fictional example. Referred by a shelter.\\nInterview with an interpreter.\","
	" \"sex\": \"female\","
	" \"age_at_identification\": 15,"
	" \"age_estimated\": true,"
	" \"majority_status_at_exploitation\": \"minor\","
	" \"citizenship\": \"ER\","
	" \"migration_status\": \"irregular_migrant\","
	" \"exploitation_types\": [\"isForcedLabour\", \"forcedBegging\", \"isOtherExploit\"],"
	" \"exploitation_types_other\": \"Forced to carry goods across the border\","
	" \"labour_sectors\": [\"typeOfLabourDomesticWork\", \"typeOfLabourBegging\"],"
	" \"sexual_exploitation_types\": [\"typeOfSexPrivateSexualServices\"],"
	" \"means_of_control\": [\"meansOfControlDebtBondage\", \"meansOfControlWithholdsDocuments\","
	"   \"threatensFamily\", \"meansOfControlRestrictsMovement\"],"
	" \"exploitation_duration_months\": 7,"
	" \"recruitment_type\": [\"smuggler_or_intermediary\", \"online_social_network\"],"
	" \"recruiter_relation\": [\"recruiterRelationFriend\"],"
	" \"country_of_recruitment\": \"ER\","
	" \"countries_of_transit\": [\"ET\", \"SD\"],"
	" \"country_of_exploitation\": \"LY\","
	" \"assistance_received\": [\"accommodation\", \"medical\", \"interpretation\"],"
	" \"assistance_needed\": [\"legal\", \"family_tracing\"],"
	" \"consent_to_assistance\": true,"
	" \"consent_reporting\": true}";

static void
test_vot_form_loads_with_every_section_and_field(void **state)
{
	struct fixture *f = *state;
	const struct form_field *fd;

	assert_string_equal(form_id(f->vot), "vot");
	assert_int_equal(json_array_size(form_sections(f->vot)), 7);
	assert_int_equal(form_field_count(f->vot), 29);
	fd = form_field_find(f->vot, "means_of_control");
	assert_non_null(fd);
	assert_int_equal(fd->type, FT_MULTI_SELECT);
	assert_string_equal(fd->lookup, "lookup-ctdc-means-of-control");
	assert_int_equal(json_array_size(fd->options), 18);
	fd = form_field_find(f->vot, "countries_of_transit");
	assert_non_null(fd);
	assert_int_equal(fd->max_items, 10);
	assert_int_equal(json_array_size(fd->options), 249);
	fd = form_field_find(f->vot, "sex");
	assert_true(fd->required);
	assert_string_equal(fd->lookup, "lookup-gender");
}

static void
test_full_fictional_record_is_valid(void **state)
{
	struct fixture *f = *state;
	json_t *j = json_loads(full_record, 0, NULL);
	size_t i;

	if (check(f, full_record) != RC_OK) {
		char all[2048];

		form_errors_format(&f->errs, all, sizeof(all));
		fail_msg("%s", all);
	}
	/* and it really fills every field */
	assert_non_null(j);
	for (i = 0; i < form_field_count(f->vot); i++)
		if (json_object_get(j, form_field_at(f->vot, i)->id) == NULL)
			fail_msg("the full record lacks %s", form_field_at(f->vot, i)->id);
	assert_int_equal(json_object_size(j), form_field_count(f->vot));
	json_decref(j);
}

static void
test_minimal_record_and_required_fields(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(check(f, "{\"sex\": \"male\", \"screening_outcome\": "
	    "\"possible_victim\", \"identification_date\": \"2025-06-15\"}"), RC_OK);
	assert_int_equal(check(f, "{}"), RC_EINVALID);
	assert_problem(f, "sex", "required");
	assert_problem(f, "screening_outcome", "required");
	assert_problem(f, "identification_date", "required");
}

static void
test_wrong_values_are_named(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(check(f, "{\"sex\": \"female\", \"screening_outcome\": \"victim\","
	    " \"identification_date\": \"2025-06-16\","
	    " \"means_of_control\": [\"meansOfControlDebtbondage\"],"
	    " \"exploitation_types\": [\"isForcedLabour\", \"isForcedLabour\"],"
	    " \"countries_of_transit\": [\"ET\",\"SD\",\"LY\",\"NE\",\"ML\",\"DZ\",\"TN\","
	    "   \"MA\",\"EG\",\"TD\",\"SS\"],"
	    " \"age_at_identification\": 121,"
	    " \"year_of_registration\": 1999,"
	    " \"citizenship\": \"XX\","
	    " \"recruiter_relation\": \"recruiterRelationFriend\"}"), RC_EINVALID);
	assert_problem(f, "screening_outcome", "options");
	assert_problem(f, "identification_date", "future");
	assert_problem(f, "means_of_control", "options");
	assert_problem(f, "exploitation_types", "");
	assert_problem(f, "countries_of_transit", "");
	assert_problem(f, "age_at_identification", "between");
	assert_problem(f, "year_of_registration", "between");
	assert_problem(f, "citizenship", "options");
	assert_problem(f, "recruiter_relation", "");
}

/* Trafficking specifics are restricted; coarse facts stay basic for reports. */
static void
test_trafficking_specifics_are_restricted(void **state)
{
	static const char *const restricted[] = {
		"screening_outcome", "identification_date", "notes", "exploitation_types",
		"exploitation_types_other", "labour_sectors", "sexual_exploitation_types",
		"means_of_control", "exploitation_duration_months", "recruitment_type",
		"recruiter_relation", "country_of_recruitment", "countries_of_transit",
		"country_of_exploitation", "consent_to_assistance", "consent_reporting",
	};
	static const char *const basic[] = {
		"sex", "age_at_identification", "age_estimated", "citizenship",
		"year_of_registration", "location_identified",
	};
	struct fixture *f = *state;
	size_t i;

	for (i = 0; i < sizeof(restricted) / sizeof(restricted[0]); i++) {
		const struct form_field *fd = form_field_find(f->vot, restricted[i]);

		assert_non_null(fd);
		if (fd->sensitivity != FS_RESTRICTED)
			fail_msg("%s is not restricted", restricted[i]);
	}
	for (i = 0; i < sizeof(basic) / sizeof(basic[0]); i++) {
		const struct form_field *fd = form_field_find(f->vot, basic[i]);

		assert_non_null(fd);
		assert_int_equal(fd->sensitivity, FS_BASIC);
	}
	assert_int_equal(form_field_find(f->vot, "case_id")->sensitivity, FS_IDENTIFYING);
}

static void
test_every_label_help_and_option_has_en_fr_ar_es(void **state)
{
	struct fixture *f = *state;
	const json_t *sec, *opt;
	char what[200];
	size_t i, j;

	assert_all_languages(form_labels(f->vot), "form vot");
	json_array_foreach(form_sections(f->vot), i, sec) {
		snprintf(what, sizeof(what), "section %s",
		    json_string_value(json_object_get(sec, "id")));
		assert_all_languages(json_object_get(sec, "labels"), what);
	}
	for (i = 0; i < form_field_count(f->vot); i++) {
		const struct form_field *fd = form_field_at(f->vot, i);

		snprintf(what, sizeof(what), "field %s labels", fd->id);
		assert_all_languages(fd->labels, what);
		if (fd->help != NULL) {
			snprintf(what, sizeof(what), "field %s help", fd->id);
			assert_all_languages(fd->help, what);
		}
		if (fd->options == NULL || (fd->lookup != NULL &&
		    strcmp(fd->lookup, "lookup-country") == 0))
			continue;
		json_array_foreach(fd->options, j, opt) {
			snprintf(what, sizeof(what), "field %s option %s", fd->id,
			    json_string_value(json_object_get(opt, "id")));
			assert_all_languages(json_object_get(opt, "display_text"), what);
		}
	}
}

/*
 * The CTDC code lists keep CTDC's variable names as option ids (the form format has
 * no room for an extra code), and docs/ctdc.md maps each one. Every id is either a
 * CTDC global dataset column or one of the few documented additions.
 */
static void
test_ctdc_lookups_use_ctdc_variable_names_and_are_documented(void **state)
{
	static const char *const ctdc_columns[] = {
		"isForcedLabour", "isSexualExploit", "isOtherExploit", "isForcedMarriage",
		"isForcedMilitary", "isOrganRemoval", "isSlaveryAndPractices",
		"meansOfControlDebtBondage", "meansOfControlTakesEarnings",
		"meansOfControlRestrictsFinancialAccess", "meansOfControlThreats",
		"meansOfControlPsychologicalAbuse", "meansOfControlPhysicalAbuse",
		"meansOfControlSexualAbuse", "meansOfControlFalsePromises",
		"meansOfControlPsychoactiveSubstances", "meansOfControlRestrictsMovement",
		"meansOfControlRestrictsMedicalCare", "meansOfControlExcessiveWorkingHours",
		"meansOfControlUsesChildren", "meansOfControlThreatOfLawEnforcement",
		"meansOfControlWithholdsNecessities", "meansOfControlWithholdsDocuments",
		"meansOfControlOther", "typeOfLabourAgriculture", "typeOfLabourAquafarming",
		"typeOfLabourBegging", "typeOfLabourConstruction", "typeOfLabourDomesticWork",
		"typeOfLabourHospitality", "typeOfLabourIllicitActivities",
		"typeOfLabourManufacturing", "typeOfLabourMiningOrDrilling",
		"typeOfLabourPeddling", "typeOfLabourTransportation", "typeOfLabourOther",
		"typeOfSexProstitution", "typeOfSexPornography",
		"typeOfSexRemoteInteractiveServices", "typeOfSexPrivateSexualServices",
		"recruiterRelationIntimatePartner", "recruiterRelationFriend",
		"recruiterRelationFamily", "recruiterRelationOther", "recruiterRelationUnknown",
	};
	static const char *const additions[] = {
		"forcedCriminalActivity", "forcedBegging", "threatensFamily",
	};
	static const char *const lookups[] = {
		"lookup-ctdc-exploitation-type", "lookup-ctdc-means-of-control",
		"lookup-ctdc-labour-sector", "lookup-ctdc-sexual-exploitation-type",
		"lookup-ctdc-recruiter-relation",
	};
	struct fixture *f = *state;
	struct buf doc = BUF_INIT;
	size_t l, i, j, n = 0;
	const json_t *v;

	assert_int_equal(io_read_file("docs/ctdc.md", 1 << 20, &doc), RC_OK);
	for (l = 0; l < sizeof(lookups) / sizeof(lookups[0]); l++) {
		const json_t *values = forms_lookup(f->fs, lookups[l]);

		assert_non_null(values);
		json_array_foreach(values, i, v) {
			const char *id = json_string_value(json_object_get(v, "id"));
			char quoted[80];
			int known = 0;

			for (j = 0; j < sizeof(ctdc_columns) / sizeof(ctdc_columns[0]); j++)
				known |= strcmp(id, ctdc_columns[j]) == 0;
			for (j = 0; j < sizeof(additions) / sizeof(additions[0]); j++)
				known |= strcmp(id, additions[j]) == 0;
			if (!known)
				fail_msg("%s: %s is neither a CTDC column nor a documented "
				    "addition", lookups[l], id);
			snprintf(quoted, sizeof(quoted), "`%s`", id);
			if (strstr(doc.p, quoted) == NULL)
				fail_msg("docs/ctdc.md does not map %s", id);
			n++;
		}
	}
	assert_int_equal(n, sizeof(ctdc_columns) / sizeof(ctdc_columns[0]) +
	    sizeof(additions) / sizeof(additions[0]));
	buf_free(&doc);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_vot_form_loads_with_every_section_and_field,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_fictional_record_is_valid, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_minimal_record_and_required_fields, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wrong_values_are_named, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trafficking_specifics_are_restricted, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_every_label_help_and_option_has_en_fr_ar_es,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(
		    test_ctdc_lookups_use_ctdc_variable_names_and_are_documented, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
