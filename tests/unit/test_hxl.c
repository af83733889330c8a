/* test_hxl.c — HXL hashtags for aggregate columns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "domain/hxl.h"
#include "domain/kanon.h"

static void
expect_tag(enum hxl_measure m, const char *sex, int lo, int hi, const char *const *extra,
    size_t nextra, const char *want)
{
	char out[HXL_TAG_MAX];

	if (hxl_count_tag(m, sex, lo, hi, extra, nextra, out, sizeof(out)) != 0)
		fail_msg("no tag for %s", want);
	assert_string_equal(out, want);
}

static void
test_sex_by_age_band_counts(void **state)
{
	static const char *const trafficked[] = { "trafficked" };

	(void)state;
	expect_tag(HXL_AFFECTED, "female", 0, 17, NULL, 0, "#affected+f+children+age0_17");
	expect_tag(HXL_AFFECTED, "male", 0, 17, NULL, 0, "#affected+m+children+age0_17");
	expect_tag(HXL_AFFECTED, "female", 9, 17, trafficked, 1,
	    "#affected+f+children+age9_17+trafficked");
	expect_tag(HXL_AFFECTED, "male", 18, 20, NULL, 0, "#affected+m+adults+age18_20");
	expect_tag(HXL_AFFECTED, "female", 48, HXL_AGE_OPEN, NULL, 0,
	    "#affected+f+adults+age48plus");
	expect_tag(HXL_REACHED, "other", 12, 17, NULL, 0, "#reached+i+children+age12_17");
	expect_tag(HXL_REACHED, "unknown", HXL_AGE_ALL, HXL_AGE_OPEN, NULL, 0,
	    "#reached+unknown");
	expect_tag(HXL_TARGETED, NULL, HXL_AGE_ALL, HXL_AGE_OPEN, NULL, 0, "#targeted");
	expect_tag(HXL_INNEED, NULL, 10, 25, NULL, 0, "#inneed+age10_25");	/* mixed */
	expect_tag(HXL_POPULATION, NULL, 0, HXL_AGE_OPEN, NULL, 0, "#population+age0plus");
}

static void
test_every_ctdc_band_gets_a_tag(void **state)
{
	static const int ages[] = { 0, 9, 18, 21, 24, 27, 30, 39, 48 };
	static const char *const want[] = {
		"#affected+f+children+age0_8", "#affected+f+children+age9_17",
		"#affected+f+adults+age18_20", "#affected+f+adults+age21_23",
		"#affected+f+adults+age24_26", "#affected+f+adults+age27_29",
		"#affected+f+adults+age30_38", "#affected+f+adults+age39_47",
		"#affected+f+adults+age48plus",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ages) / sizeof(ages[0]); i++) {
		int lo, hi;

		assert_int_equal(hxl_band_parse(kanon_age_band(ages[i]), &lo, &hi), 0);
		expect_tag(HXL_AFFECTED, "female", lo, hi, NULL, 0, want[i]);
	}
}

static void
test_band_labels(void **state)
{
	int lo, hi;

	(void)state;
	assert_int_equal(hxl_band_parse("9--17", &lo, &hi), 0);
	assert_int_equal(lo, 9);
	assert_int_equal(hi, 17);
	assert_int_equal(hxl_band_parse("12-17", &lo, &hi), 0);
	assert_int_equal(lo, 12);
	assert_int_equal(hi, 17);
	assert_int_equal(hxl_band_parse("48+", &lo, &hi), 0);
	assert_int_equal(lo, 48);
	assert_int_equal(hi, HXL_AGE_OPEN);
	assert_int_equal(hxl_band_parse("all", &lo, &hi), 0);
	assert_int_equal(lo, HXL_AGE_ALL);
	assert_int_equal(hxl_band_parse("17-9", &lo, &hi), -1);
	assert_int_equal(hxl_band_parse("9---17", &lo, &hi), -1);
	assert_int_equal(hxl_band_parse("9-17x", &lo, &hi), -1);
	assert_int_equal(hxl_band_parse("", &lo, &hi), -1);
	assert_int_equal(hxl_band_parse("1000+", &lo, &hi), -1);
	assert_int_equal(hxl_band_parse(NULL, &lo, &hi), -1);
}

static void
test_bad_arguments_give_no_tag(void **state)
{
	static const char *const bad_attr[] = { "Trafficked" };
	static const char *const bad_attr2[] = { "a+b" };
	static const char *const nine[] = { "a", "b", "c", "d", "e", "f", "g", "h", "i" };
	char out[HXL_TAG_MAX], tiny[12];

	(void)state;
	assert_int_equal(hxl_count_tag(HXL_MEASURE__MAX, NULL, -1, -1, NULL, 0, out,
	    sizeof(out)), -1);
	assert_string_equal(out, "");
	assert_int_equal(hxl_count_tag(HXL_AFFECTED, "femme", -1, -1, NULL, 0, out,
	    sizeof(out)), -1);
	assert_int_equal(hxl_count_tag(HXL_AFFECTED, NULL, 17, 9, NULL, 0, out,
	    sizeof(out)), -1);
	assert_int_equal(hxl_count_tag(HXL_AFFECTED, NULL, -1, 17, NULL, 0, out,
	    sizeof(out)), -1);
	assert_int_equal(hxl_count_tag(HXL_AFFECTED, NULL, -1, -1, bad_attr, 1, out,
	    sizeof(out)), -1);
	assert_int_equal(hxl_count_tag(HXL_AFFECTED, NULL, -1, -1, bad_attr2, 1, out,
	    sizeof(out)), -1);
	assert_int_equal(hxl_count_tag(HXL_AFFECTED, NULL, -1, -1, nine, 9, out,
	    sizeof(out)), -1);
	assert_int_equal(hxl_count_tag(HXL_AFFECTED, "female", 0, 17, NULL, 0, tiny,
	    sizeof(tiny)), -1);
	assert_string_equal(tiny, "");
}

static void
test_dimension_tags(void **state)
{
	size_t d;

	(void)state;
	assert_string_equal(hxl_dimension_tag(HXL_DIM_ADM1), "#adm1+code");
	assert_string_equal(hxl_dimension_tag(HXL_DIM_COUNTRY), "#country+code");
	assert_string_equal(hxl_dimension_tag(HXL_DIM_SECTOR), "#sector");
	assert_null(hxl_dimension_tag(HXL_DIM__MAX));
	/* every tag is well formed: #name then +attributes, lower case */
	for (d = 0; d < HXL_DIM__MAX; d++) {
		const char *t = hxl_dimension_tag((enum hxl_dimension)d), *p;

		assert_non_null(t);
		assert_int_equal(t[0], '#');
		for (p = t + 1; *p != '\0'; p++)
			assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
			    *p == '_' || *p == '+');
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sex_by_age_band_counts),
		cmocka_unit_test(test_every_ctdc_band_gets_a_tag),
		cmocka_unit_test(test_band_labels),
		cmocka_unit_test(test_bad_arguments_give_no_tag),
		cmocka_unit_test(test_dimension_tags),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
