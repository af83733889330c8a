/* test_names.c — name normalisation, tokens and prefixes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/buf.h"
#include "base/err.h"
#include "domain/names.h"

static void
expect_norm(const char *in, const char *want)
{
	struct buf b = BUF_INIT;

	assert_int_equal(names_normalise(in, &b), RC_OK);
	assert_string_equal(b.p, want);
	buf_free(&b);
}

static void
test_case_and_accents_are_folded(void **state)
{
	(void)state;
	expect_norm("Mohamed", "mohamed");
	expect_norm("MOHAMED", "mohamed");
	expect_norm("José Luis HERNÁNDEZ", "jose luis hernandez");
	expect_norm("Fatoumata Keïta", "fatoumata keita");
	expect_norm("Straße", "strasse");
}

static void
test_punctuation_becomes_single_spaces(void **state)
{
	(void)state;
	expect_norm("  Abd al-Karim  ", "abd al karim");
	expect_norm("O'Brien--Ould,,Salem", "o brien ould salem");
	expect_norm("", "");
	expect_norm("---", "");
}

static void
test_arabic_variants_are_unified(void **state)
{
	(void)state;
	/* hamza alef and plain alef; taa marbuta and haa; tatweel and harakat */
	expect_norm("أحمد", "احمد");
	expect_norm("إيمان", "ايمان");
	expect_norm("فاطمة", "فاطمه");
	expect_norm("مـحـمـد", "محمد");
	expect_norm("مُحَمَّد", "محمد");
}

static void
test_ethiopic_is_kept(void **state)
{
	(void)state;
	expect_norm("ተስፋየ ሰላም", "ተስፋየ ሰላም");
}

static void
test_invalid_utf8_is_refused(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(names_normalise("abc\xff", &b), RC_EINVALID);
	buf_free(&b);
}

static int
collect(void *arg, const char *t)
{
	struct buf *b = arg;

	return buf_printf(b, "[%s]", t);
}

static void
test_tokens_and_prefixes(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(names_tokens("Amina  YUSUF", collect, &b), RC_OK);
	assert_string_equal(b.p, "[amina][yusuf]");
	buf_reset(&b);
	assert_int_equal(names_prefixes("mohamed", collect, &b), RC_OK);
	assert_string_equal(b.p, "[moh][moha][moham][mohame]");
	buf_reset(&b);
	assert_int_equal(names_prefixes("ali", collect, &b), RC_OK);
	assert_string_equal(b.p ? b.p : "", "");
	/* whole characters, never part of one */
	assert_int_equal(names_prefixes("محمدي", collect, &b), RC_OK);
	assert_string_equal(b.p, "[محم][محمد]");
	buf_free(&b);
}

static void
expect_skel(const char *token, const char *want)
{
	struct buf n = BUF_INIT;
	char out[64];

	assert_int_equal(names_normalise(token, &n), RC_OK);
	assert_true(names_skeleton(n.p, out, sizeof(out)) >= 0);
	if (strcmp(out, want) != 0)
		fail_msg("skeleton of %s is %s, expected %s", token, out, want);
	buf_free(&n);
}

static void
test_skeletons_join_spellings_and_scripts(void **state)
{
	(void)state;
	expect_skel("Mohamed", "mhmd");
	expect_skel("Muhammad", "mhmd");
	expect_skel("Mohammed", "mhmd");
	expect_skel("Maxamed", "mhmd");		/* Somali x */
	expect_skel("محمد", "mhmd");
	expect_skel("Amina", "mn");
	expect_skel("أمينة", "mn");		/* hamza, taa marbuta */
	expect_skel("Aminah", "mn");
	expect_skel("Yusuf", "sf");
	expect_skel("يوسف", "sf");
	expect_skel("Fatima", "ftm");
	expect_skel("فاطمة", "ftm");
	expect_skel("Khadija", "kdj");
	expect_skel("خديجة", "kdj");
	expect_skel("Tesfaye", "tsf");
	expect_skel("ተስፋየ", "tsf");
	expect_skel("Dawit", "dt");
	expect_skel("ዳዊት", "dt");
	expect_skel("Chérif", "srf");
	expect_skel("شريف", "srf");
}

static void
test_short_skeletons_are_not_indexed(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(names_skeleton("ali", out, sizeof(out)), 0);
	assert_int_equal(names_skeleton("mohamed", out, 3), 2);	/* bounded */
	assert_string_equal(out, "mh");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_case_and_accents_are_folded),
		cmocka_unit_test(test_punctuation_becomes_single_spaces),
		cmocka_unit_test(test_arabic_variants_are_unified),
		cmocka_unit_test(test_ethiopic_is_kept),
		cmocka_unit_test(test_invalid_utf8_is_refused),
		cmocka_unit_test(test_tokens_and_prefixes),
		cmocka_unit_test(test_skeletons_join_spellings_and_scripts),
		cmocka_unit_test(test_short_skeletons_are_not_indexed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
