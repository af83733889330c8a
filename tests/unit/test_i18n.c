/* test_i18n.c — embedded catalogs, right-to-left, dates and names in four languages. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "base/embed.h"
#include "web/html.h"
#include "web/i18n.h"

static void
test_catalogs_translate_and_fall_back_to_english(void **state)
{
	(void)state;
	assert_string_equal(i18n_tr("fr", "Sign in"), "Se connecter");
	assert_string_equal(i18n_tr("ar", "Sign in"), "تسجيل الدخول");
	assert_string_equal(i18n_tr("es", "Sign in"), "Iniciar sesión");
	assert_string_equal(i18n_tr("en", "Sign in"), "Sign in");
	assert_string_equal(i18n_tr("fr", "No such message at all"), "No such message at all");
	assert_string_equal(i18n_tr("xx", "Sign in"), "Sign in");
	assert_string_equal(i18n_tr(NULL, "Sign in"), "Sign in");
}

static void
test_every_catalog_has_every_message_translated(void **state)
{
	/* the .mo files hold only translated entries; compare counts with French */
	const struct embed_file *fr = embed_find("po/fr.mo");
	const struct embed_file *ar = embed_find("po/ar.mo");
	const struct embed_file *es = embed_find("po/es.mo");
	uint32_t nfr, nar, nes;

	(void)state;
	assert_non_null(fr);
	assert_non_null(ar);
	assert_non_null(es);
	memcpy(&nfr, fr->data + 8, 4);
	memcpy(&nar, ar->data + 8, 4);
	memcpy(&nes, es->data + 8, 4);
	assert_int_equal(nfr, nar);
	assert_int_equal(nfr, nes);
}

static void
test_arabic_is_right_to_left(void **state)
{
	(void)state;
	assert_true(i18n_rtl("ar"));
	assert_false(i18n_rtl("fr"));
	assert_string_equal(i18n_lang("de"), "en");
	assert_string_equal(i18n_lang_name("ar"), "العربية");
}

static void
test_dates_and_names_follow_the_language(void **state)
{
	char out[128];

	(void)state;
	i18n_date("en", "2026-03-05", out, sizeof(out));
	assert_non_null(strstr(out, "Mar"));
	i18n_date("fr", "2026-03-05", out, sizeof(out));
	assert_non_null(strstr(out, "mars"));
	i18n_date("es", "2026-03-05", out, sizeof(out));
	assert_non_null(strstr(out, "mar"));
	i18n_date("ar", "2026-03-05", out, sizeof(out));
	assert_non_null(strstr(out, "مارس"));
	i18n_date("en", "not a date", out, sizeof(out));
	assert_string_equal(out, "not a date");
	i18n_region("fr", "ER", out, sizeof(out));
	assert_string_equal(out, "Érythrée");
	i18n_region("ar", "SO", out, sizeof(out));
	assert_string_equal(out, "الصومال");
	i18n_language("es", "ti", out, sizeof(out));
	assert_string_equal(out, "tigriña");
	i18n_datetime("en", 0, out, sizeof(out));
	assert_non_null(strstr(out, "1970"));
}

static void
test_html_writer_escapes_everything_but_literals(void **state)
{
	struct buf b = BUF_INIT;
	struct html h = { &b, 0 };

	(void)state;
	HTML_RAW(&h, "<p title=\"");
	html_attr(&h, "\"><img src=x onerror=alert(1)>");
	HTML_RAW(&h, "\">");
	html_text(&h, "<script>alert('1')</script> & more");
	HTML_RAW(&h, "</p><a href=\"/cases?query=");
	html_url_param(&h, "محمد & <x>");
	HTML_RAW(&h, "\">");
	assert_false(h.failed);
	assert_string_equal(b.p, "<p title=\"&quot;&gt;&lt;img src=x onerror=alert(1)&gt;\">"
	    "&lt;script&gt;alert(&#39;1&#39;)&lt;/script&gt; &amp; more</p>"
	    "<a href=\"/cases?query=%D9%85%D8%AD%D9%85%D8%AF%20%26%20%3Cx%3E\">");
	buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalogs_translate_and_fall_back_to_english),
		cmocka_unit_test(test_every_catalog_has_every_message_translated),
		cmocka_unit_test(test_arabic_is_right_to_left),
		cmocka_unit_test(test_dates_and_names_follow_the_language),
		cmocka_unit_test(test_html_writer_escapes_everything_but_literals),
	};

	if (i18n_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
