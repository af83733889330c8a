/* test_base.c — buffers, bounded copies, ids, dates, bounded JSON parsing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <sodium.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/id.h"
#include "base/json.h"

static void
test_buf_grows_and_keeps_everything(void **state)
{
	struct buf b = BUF_INIT;
	int i;

	(void)state;
	for (i = 0; i < 10000; i++)
		assert_int_equal(buf_printf(&b, "%d,", i % 10), 0);
	assert_int_equal(b.len, 20000);
	assert_int_equal(b.p[b.len], '\0');
	assert_memory_equal(b.p, "0,1,2,", 6);
	buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.p, "");
	buf_free(&b);
	assert_null(b.p);
}

static void
test_buf_refuses_size_overflow(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(buf_append(&b, "x", 1), 0);
	assert_int_equal(buf_reserve(&b, SIZE_MAX - 1), -1);
	assert_string_equal(b.p, "x");	/* unchanged after the failure */
	buf_free(&b);
}

static void
test_str_copy_reports_truncation(void **state)
{
	char small[4];

	(void)state;
	assert_int_equal(str_copy(small, sizeof(small), "abc"), 0);
	assert_string_equal(small, "abc");
	assert_int_equal(str_copy(small, sizeof(small), "abcd"), -1);
	assert_int_equal(small[3], '\0');
}

static void
test_ids_have_their_shape_and_differ(void **state)
{
	char a[ID_SIZE], b[ID_SIZE], s[SHORT_ID_SIZE];
	int i;

	(void)state;
	id_uuid4(a);
	id_uuid4(b);
	assert_true(id_is_uuid(a));
	assert_string_not_equal(a, b);
	assert_int_equal(a[14], '4');
	assert_true(strchr("89ab", a[19]) != NULL);
	/* version 7: valid, ordered by time (two ms apart), random after it, and its
	 * first 12 hex digits the time in milliseconds */
	{
		struct timespec pause = { 0, 2000000 };
		char c[ID_SIZE], t[13];
		time_t now = time(NULL);
		unsigned long long ms;

		id_uuid7(a);
		assert_true(id_is_uuid(a));
		assert_int_equal(a[14], '7');
		assert_true(strchr("89ab", a[19]) != NULL);
		nanosleep(&pause, NULL);
		id_uuid7(b);
		id_uuid7(c);
		assert_true(strcmp(a, b) < 0);
		assert_string_not_equal(b, c);
		memcpy(t, a, 8);
		memcpy(t + 8, a + 9, 4);
		t[12] = '\0';
		ms = strtoull(t, NULL, 16);
		assert_true(ms / 1000 + 2 >= (unsigned long long)now &&
		    ms / 1000 <= (unsigned long long)now + 2);
	}
	for (i = 0; i < 1000; i++) {
		id_short(s);
		assert_true(id_is_short(s));
		assert_null(strpbrk(s, "01ilo"));
	}
	assert_false(id_is_uuid("not-a-uuid"));
	assert_false(id_is_short("abc"));
	assert_false(id_is_short("ABCDEFG"));
}

static void
test_dates_are_real_days(void **state)
{
	int y, m, d;

	(void)state;
	assert_int_equal(date_parse("2024-02-29", &y, &m, &d), 0);
	assert_int_equal(d, 29);
	assert_int_equal(date_parse("2025-02-29", &y, &m, &d), -1);
	assert_int_equal(date_parse("2025-02-30", &y, &m, &d), -1);
	assert_int_equal(date_parse("2025-13-01", &y, &m, &d), -1);
	assert_int_equal(date_parse("2025-1-01", &y, &m, &d), -1);
	assert_int_equal(date_parse("yesterday", &y, &m, &d), -1);
	assert_int_equal(date_parse("1800-01-01", &y, &m, &d), -1);
	assert_int_equal(date_age_years("2010-06-15", "2026-06-14"), 15);
	assert_int_equal(date_age_years("2010-06-15", "2026-06-15"), 16);
	assert_int_equal(date_age_years("2030-01-01", "2026-06-15"), -1);
	assert_int_equal(date_days(1970, 1, 1), 0);
	assert_int_equal(date_days(2000, 3, 1), 11017);
}

static void
test_clock_formats_utc(void **state)
{
	char iso[CLOCK_ISO_SIZE], day[DATE_SIZE];

	(void)state;
	clock_iso(0, iso);
	assert_string_equal(iso, "1970-01-01T00:00:00Z");
	clock_date(86400 * 365, day);
	assert_string_equal(day, "1971-01-01");
}

static void
test_json_limits_are_enforced_with_named_problem(void **state)
{
	char msg[200];
	json_t *j = NULL;
	char deep[256];
	int i;

	(void)state;
	assert_int_equal(json_parse_bounded("{\"a\":1}", 7, 100, 4, 1, &j, msg,
	    sizeof(msg)), RC_OK);
	json_decref(j);
	assert_int_equal(json_parse_bounded("{\"a\":1}", 7, 3, 4, 1, &j, msg,
	    sizeof(msg)), RC_ETOOBIG);
	assert_non_null(strstr(msg, "too large"));
	for (i = 0; i < 100; i++)
		deep[i] = '[';
	deep[100] = '\0';
	assert_int_equal(json_parse_bounded(deep, 100, 1000, 32, 0, &j, msg,
	    sizeof(msg)), RC_ETOOBIG);
	assert_non_null(strstr(msg, "nested"));
	/* brackets inside strings do not count */
	assert_int_equal(json_parse_bounded("{\"a\":\"[[[[[[\"}", 14, 100, 2, 1, &j,
	    msg, sizeof(msg)), RC_OK);
	json_decref(j);
	assert_int_equal(json_parse_bounded("{\"a\":", 5, 100, 4, 1, &j, msg,
	    sizeof(msg)), RC_EINVALID);
	assert_non_null(strstr(msg, "malformed JSON"));
	assert_int_equal(json_parse_bounded("[1]", 3, 100, 4, 1, &j, msg, sizeof(msg)),
	    RC_EINVALID);
	assert_int_equal(json_parse_bounded("{\"a\":1,\"a\":2}", 13, 100, 4, 1, &j, msg,
	    sizeof(msg)), RC_EINVALID);
	assert_int_equal(json_parse_bounded("", 0, 100, 4, 1, &j, msg, sizeof(msg)),
	    RC_EINVALID);
}

/* json_members: each member's key and value text, in order; anything malformed is
 * refused whole (the splice of a record view trusts only what it walked). */
struct members_seen {
	char	text[512];
	size_t	len;
};

static int
members_note(void *arg, const char *key, size_t klen, const char *val, size_t vlen)
{
	struct members_seen *m = arg;
	int n = snprintf(m->text + m->len, sizeof(m->text) - m->len, "%.*s=%.*s;",
	    (int)klen, key, (int)vlen, val);

	assert_true(n > 0 && (size_t)n < sizeof(m->text) - m->len);
	m->len += (size_t)n;
	return 0;
}

static void
test_json_members_walks_and_refuses(void **state)
{
	static const struct {
		const char	*in;
		const char	*want;	/* NULL: RC_EINVALID */
	} cases[] = {
		{ "{}", "" },
		{ " { } ", "" },
		{ "{\"a\":1}", "a=1;" },
		{ "{\"a\":-1.5e+3,\"b\":true,\"c\":false,\"d\":null}",
		    "a=-1.5e+3;b=true;c=false;d=null;" },
		{ "{\"s\":\"x\\\"}{\\\\\",\"t\":\"\xd8\xb3\xd8\xa7\"}",
		    "s=\"x\\\"}{\\\\\";t=\"\xd8\xb3\xd8\xa7\";" },
		{ "{\"o\":{\"p\":[1,{\"q\":\"]}\"}],\"r\":{}},\"z\":[]}",
		    "o={\"p\":[1,{\"q\":\"]}\"}],\"r\":{}};z=[];" },
		{ "{ \"a\" : 1 , \"b\" : [ 2 , 3 ] }", "a=1;b=[ 2 , 3 ];" },
		{ "", NULL },
		{ "[1]", NULL },
		{ "{\"a\":1", NULL },
		{ "{\"a\":1}x", NULL },
		{ "{\"a\":1,}", NULL },
		{ "{\"a\" 1}", NULL },
		{ "{\"a\":}", NULL },
		{ "{\"a\":12x}", NULL },
		{ "{\"a\":@}", NULL },
		{ "{\"a\":\"open}", NULL },
		{ "{\"a\":\"tab\there\"}", NULL },
		{ "{\"a\":[1,2}", NULL },
		{ "{a:1}", NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct members_seen m = { .len = 0 };
		int rc = json_members(cases[i].in, strlen(cases[i].in), members_note, &m);

		if (cases[i].want == NULL) {
			if (rc != RC_EINVALID)
				fail_msg("case %zu (%s): accepted", i, cases[i].in);
			continue;
		}
		if (rc != RC_OK)
			fail_msg("case %zu (%s): refused", i, cases[i].in);
		m.text[m.len] = '\0';
		assert_string_equal(m.text, cases[i].want);
	}
}

/* json_write gives what jansson's own compact dump gives, for every kind of value. */
static void
test_json_write_matches_jansson(void **state)
{
	static const char *const texts[] = {
		"{}", "[]", "\"\"", "0", "-9223372036854775807", "true", "false", "null",
		"{\"a\":1,\"b\":[1,2,{\"c\":null}],\"d\":{\"e\":\"f\"}}",
		"\"quote \\\" backslash \\\\ slash / tab \\t nl \\n cr \\r bs \\b ff \\f\"",
		"\"\\u0001\\u001f\\u007f \u0645\u062d\u0645\u062f \u1218\u1295 \u00e9\"",
		"[0.5,-1.25,1e+300,3.0,100.0,0.1,123456789.123,1e-5,-2.5e-300,1e21]",
		"{\"z\":1,\"a\":2,\"m\":{\"y\":[],\"b\":{}}}",
	};
	struct buf b = BUF_INIT;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		json_error_t jerr;
		json_t *j = json_loads(texts[i], JSON_DECODE_ANY, &jerr);
		char *want;

		assert_non_null(j);
		want = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);
		assert_non_null(want);
		buf_reset(&b);
		assert_int_equal(json_write(&b, j), 0);
		assert_string_equal(b.p, want);
		free(want);
		json_decref(j);
	}
	/* json_dump_compact sorts keys at every depth, as jansson's JSON_SORT_KEYS */
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		json_t *j = json_loads(texts[i], JSON_DECODE_ANY, NULL);
		char *want = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		char *got = json_dump_compact(j);

		assert_non_null(got);
		assert_string_equal(got, want);
		free(got);
		free(want);
		json_decref(j);
	}
	{
		json_t *big = json_object(), *inner = json_object();
		char key[16], *want, *got;
		int k;

		for (k = 99; k >= 0; k--) {	/* more keys than the stack holds */
			snprintf(key, sizeof(key), "k%d", k * 7 % 100);
			json_object_set_new(inner, key, json_integer(k));
			json_object_set_new(big, key, json_pack("[s,{s:i,s:i}]", key, "z", k, "a", k));
		}
		json_object_set_new(big, "", inner);
		want = json_dumps(big, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
		got = json_dump_compact(big);
		assert_string_equal(got, want);
		free(got);
		free(want);
		json_decref(big);
	}
	/* an object built in code keeps the order it was built in */
	{
		json_t *o = json_pack("{s:i}", "z", 1);

		json_object_set_new(o, "a", json_string("x\ny"));
		buf_reset(&b);
		assert_int_equal(json_write(&b, o), 0);
		assert_string_equal(b.p, "{\"z\":1,\"a\":\"x\\ny\"}");
		json_decref(o);
	}
	assert_int_equal(json_write(&b, NULL), -1);
	buf_free(&b);
}

/* The hand-written ISO formatting agrees with gmtime_r + strftime over centuries,
 * leap days and negative times. */
static void
test_clock_iso_agrees_with_strftime(void **state)
{
	static const int64_t fixed[] = { 0, -1, 86399, 86400, 951782400, 951868800,
	    4107542400LL, -2208988800LL, 253402300799LL, 1782864000, -62135596800LL };
	char got[CLOCK_ISO_SIZE], want[CLOCK_ISO_SIZE], d[DATE_SIZE];
	int64_t t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]) + 200000; i++) {
		time_t tt;
		struct tm tm;

		if (i < sizeof(fixed) / sizeof(fixed[0]))
			t = fixed[i];
		else	/* every 17 hours 13 minutes 7 seconds from 1890 to 2110 */
			t = -2524521600LL + (int64_t)(i - sizeof(fixed) / sizeof(fixed[0])) * 61987;
		tt = (time_t)t;
		gmtime_r(&tt, &tm);
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
		clock_iso(t, got);
		assert_string_equal(got, want);
		clock_date(t, d);
		strftime(want, sizeof(want), "%Y-%m-%d", &tm);
		assert_string_equal(d, want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buf_grows_and_keeps_everything),
		cmocka_unit_test(test_buf_refuses_size_overflow),
		cmocka_unit_test(test_str_copy_reports_truncation),
		cmocka_unit_test(test_ids_have_their_shape_and_differ),
		cmocka_unit_test(test_dates_are_real_days),
		cmocka_unit_test(test_clock_formats_utc),
		cmocka_unit_test(test_json_limits_are_enforced_with_named_problem),
		cmocka_unit_test(test_json_write_matches_jansson),
		cmocka_unit_test(test_json_members_walks_and_refuses),
		cmocka_unit_test(test_clock_iso_agrees_with_strftime),
	};

	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
