/* test_record.c — derived names, index columns, merge patches, changed fields. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/err.h"
#include "domain/record.h"

static json_t *
J(const char *s)
{
	json_t *j = json_loads(s, 0, NULL);

	assert_non_null(j);
	return j;
}

static void
test_name_is_derived_from_its_parts(void **state)
{
	json_t *d = J("{\"name_first\":\"Amina\",\"name_last\":\"Yusuf\"}");

	(void)state;
	assert_int_equal(record_derive(d, NULL), RC_OK);
	assert_string_equal(json_string_value(json_object_get(d, "name")), "Amina Yusuf");
	json_decref(d);
}

static void
test_given_name_is_kept_and_rederived_only_when_it_was_derived(void **state)
{
	json_t *prev = J("{\"name_first\":\"Amina\",\"name_last\":\"Yusuf\","
	    "\"name\":\"Amina Yusuf\"}");
	json_t *next = J("{\"name_first\":\"Aminata\",\"name_last\":\"Yusuf\","
	    "\"name\":\"Amina Yusuf\"}");
	json_t *own = J("{\"name_first\":\"Amina\",\"name\":\"Amina Y. (as told)\"}");

	(void)state;
	assert_int_equal(record_derive(next, prev), RC_OK);
	assert_string_equal(json_string_value(json_object_get(next, "name")),
	    "Aminata Yusuf");
	assert_int_equal(record_derive(own, NULL), RC_OK);
	assert_string_equal(json_string_value(json_object_get(own, "name")),
	    "Amina Y. (as told)");
	json_decref(prev);
	json_decref(next);
	json_decref(own);
}

static void
test_index_columns_are_coarse(void **state)
{
	json_t *d = J("{\"sex\":\"male\",\"date_of_birth\":\"2010-12-01\",\"age\":3,"
	    "\"nationality\":[\"ER\",\"ET\"],\"location_current\":\"LY0101\","
	    "\"risk_level\":\"high\",\"unaccompanied_separated_status\":\"separated\","
	    "\"consent_for_tracing\":true}");
	struct record_meta m;

	(void)state;
	memset(&m, 0, sizeof(m));
	record_index(d, "2026-11-23", &m);
	assert_string_equal(m.sex, "male");
	assert_string_equal(m.age_band, "15-17");	/* date of birth wins over age */
	assert_string_equal(m.nationality, "ER");
	assert_string_equal(m.location_code, "LY0101");
	assert_string_equal(m.risk_level, "high");
	assert_true(m.flags & RECORD_FLAG_UASC);
	assert_true(m.flags & RECORD_FLAG_TRACING_OK);
	json_decref(d);
	d = J("{\"age\":4}");
	record_index(d, "2026-11-23", &m);
	assert_string_equal(m.age_band, "0-5");
	assert_string_equal(m.sex, "");
	assert_false(m.flags & RECORD_FLAG_UASC);
	json_decref(d);
}

static void
test_age_bands(void **state)
{
	(void)state;
	assert_string_equal(record_age_band(0), "0-5");
	assert_string_equal(record_age_band(6), "6-11");
	assert_string_equal(record_age_band(14), "12-14");
	assert_string_equal(record_age_band(17), "15-17");
	assert_string_equal(record_age_band(18), "18+");
	assert_string_equal(record_age_band(-1), "");
}

/* The age band of `json` (a case body) on 2026-11-23. */
static const char *
band_of(const char *json, struct record_meta *m)
{
	json_t *d = J(json);

	memset(m, 0, sizeof(*m));
	record_index(d, "2026-11-23", m);
	json_decref(d);
	return m->age_band;
}

static void
test_a_child_until_an_age_assessment_decides(void **state)
{
	struct record_meta m;

	(void)state;
	/* an age being assessed counts by the range's lower bound, under 18 */
	assert_string_equal(band_of("{\"age\":19,\"age_range_from\":16,"
	    "\"age_range_to\":19}", &m), "15-17");
	assert_string_equal(band_of("{\"age_range_from\":13,\"age_range_to\":16}", &m),
	    "12-14");
	assert_string_equal(band_of("{\"age\":20,\"age_range_from\":18}", &m), "15-17");
	/* decided a child, or undetermined: under 18 whatever the estimate */
	assert_string_equal(band_of("{\"age\":19,\"age_assessment_outcome\":"
	    "\"undetermined\"}", &m), "15-17");
	assert_string_equal(band_of("{\"age\":12,\"age_assessment_outcome\":\"child\"}",
	    &m), "12-14");
	/* decided an adult: 18 or over, the range no longer counts */
	assert_string_equal(band_of("{\"age\":16,\"age_range_from\":16,"
	    "\"age_assessment_outcome\":\"adult\"}", &m), "18+");
	assert_string_equal(band_of("{\"age_assessment_outcome\":\"adult\"}", &m), "18+");
	/* no assessment: as before */
	assert_string_equal(band_of("{\"age\":19}", &m), "18+");
	assert_string_equal(band_of("{}", &m), "");
}

static void
test_merge_patch_sets_replaces_and_removes(void **state)
{
	json_t *d = J("{\"a\":1,\"b\":{\"x\":1,\"y\":2},\"c\":[1]}");
	json_t *p = J("{\"a\":null,\"b\":{\"y\":null,\"z\":3},\"c\":[2],\"d\":\"new\"}");
	json_t *want = J("{\"b\":{\"x\":1,\"z\":3},\"c\":[2],\"d\":\"new\"}");

	(void)state;
	assert_int_equal(record_merge_patch(d, p), RC_OK);
	assert_true(json_equal(d, want));
	json_decref(d);
	json_decref(p);
	json_decref(want);
}

static void
test_merge_patch_follows_rfc7396_for_new_objects(void **state)
{
	json_t *d = J("{}");
	json_t *p = J("{\"a\":{\"b\":null,\"c\":[1]}}");
	json_t *want = J("{\"a\":{\"c\":[1]}}");
	json_t *pcopy = json_deep_copy(p);

	(void)state;
	assert_int_equal(record_merge_patch(d, p), RC_OK);
	assert_true(json_equal(d, want));
	/* the record does not share values with the patch */
	json_array_append_new(json_object_get(json_object_get(d, "a"), "c"),
	    json_integer(2));
	assert_true(json_equal(p, pcopy));
	json_decref(d);
	json_decref(p);
	json_decref(pcopy);
	json_decref(want);
}

static void
test_changed_fields_lists_added_changed_removed(void **state)
{
	json_t *a = J("{\"a\":1,\"b\":2,\"c\":3}");
	json_t *b = J("{\"a\":1,\"b\":5,\"d\":4}");
	json_t *f = record_changed_fields(a, b);
	json_t *want = J("[\"b\",\"c\",\"d\"]");

	(void)state;
	assert_true(json_equal(f, want));
	json_decref(f);
	f = record_changed_fields(NULL, a);
	assert_int_equal(json_array_size(f), 3);
	json_decref(f);
	json_decref(a);
	json_decref(b);
	json_decref(want);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_is_derived_from_its_parts),
		cmocka_unit_test(test_given_name_is_kept_and_rederived_only_when_it_was_derived),
		cmocka_unit_test(test_index_columns_are_coarse),
		cmocka_unit_test(test_age_bands),
		cmocka_unit_test(test_a_child_until_an_age_assessment_decides),
		cmocka_unit_test(test_merge_patch_sets_replaces_and_removes),
		cmocka_unit_test(test_merge_patch_follows_rfc7396_for_new_objects),
		cmocka_unit_test(test_changed_fields_lists_added_changed_removed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
