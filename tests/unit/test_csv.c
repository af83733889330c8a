/* test_csv.c — the RFC 4180 writer: quoting, CRLF, BOM, formula injection, Arabic. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/buf.h"
#include "base/csv.h"
#include "base/err.h"

#define BOM	"\xEF\xBB\xBF"

/* ---- a strict RFC 4180 reader, for reading back what the writer wrote ------------ */

struct parsed {
	char	*cell[64][8];
	size_t	 ncells[64];
	size_t	 nrows;
};

static void
parsed_free(struct parsed *p)
{
	size_t r, c;

	for (r = 0; r < p->nrows; r++)
		for (c = 0; c < p->ncells[r]; c++)
			free(p->cell[r][c]);
}

/* Parse `s` (n bytes); every record must end in CRLF, every cell must be quoted or an
 * integer. Fails the test on anything else. */
static void
parse_strict(const char *s, size_t n, struct parsed *p)
{
	size_t i = 0;

	memset(p, 0, sizeof(*p));
	while (i < n) {
		size_t r = p->nrows++;

		assert_true(r < 64);
		for (;;) {
			struct buf cell = BUF_INIT;

			assert_true(p->ncells[r] < 8);
			if (s[i] == '"') {
				i++;
				for (;;) {
					assert_true(i < n);
					if (s[i] == '"' && i + 1 < n && s[i + 1] == '"') {
						buf_putc(&cell, '"');
						i += 2;
					} else if (s[i] == '"') {
						i++;
						break;
					} else
						buf_putc(&cell, s[i++]);
				}
			} else {
				if (s[i] == '-')
					buf_putc(&cell, s[i++]);
				while (i < n && s[i] >= '0' && s[i] <= '9')
					buf_putc(&cell, s[i++]);
			}
			buf_putc(&cell, '\0');
			p->cell[r][p->ncells[r]++] = cell.p;
			assert_true(i < n);
			if (s[i] == ',') {
				i++;
				continue;
			}
			assert_true(i + 1 < n);
			assert_int_equal(s[i], '\r');
			assert_int_equal(s[i + 1], '\n');
			i += 2;
			break;
		}
	}
}

/* ---- tests ------------------------------------------------------------------------- */

static void
test_cells_are_quoted_and_records_end_in_crlf(void **state)
{
	struct buf out = BUF_INIT;
	struct csv c;

	(void)state;
	assert_int_equal(csv_init(&c, &out, 0), RC_OK);
	assert_int_equal(csv_cell_text(&c, "plain"), RC_OK);
	assert_int_equal(csv_cell_text(&c, "a,b"), RC_OK);
	assert_int_equal(csv_cell_text(&c, "say \"hi\""), RC_OK);
	assert_int_equal(csv_cell_text(&c, "two\r\nlines"), RC_OK);
	assert_int_equal(csv_cell_text(&c, NULL), RC_OK);
	assert_int_equal(csv_cell_int(&c, 42), RC_OK);
	assert_int_equal(csv_row_end(&c), RC_OK);
	assert_int_equal(csv_cell_int(&c, 0), RC_OK);
	assert_int_equal(csv_row_end(&c), RC_OK);
	assert_string_equal(out.p,
	    "\"plain\",\"a,b\",\"say \"\"hi\"\"\",\"two\r\nlines\",\"\",42\r\n0\r\n");
	assert_int_equal(c.rows, 2);
	buf_free(&out);
}

static void
test_bom_only_when_asked(void **state)
{
	struct buf a = BUF_INIT, b = BUF_INIT;
	struct csv c;

	(void)state;
	assert_int_equal(csv_init(&c, &a, CSV_BOM), RC_OK);
	assert_int_equal(csv_cell_text(&c, "x"), RC_OK);
	assert_int_equal(csv_row_end(&c), RC_OK);
	assert_string_equal(a.p, BOM "\"x\"\r\n");
	assert_int_equal(csv_init(&c, &b, 0), RC_OK);
	assert_int_equal(csv_cell_text(&c, "x"), RC_OK);
	assert_int_equal(csv_row_end(&c), RC_OK);
	assert_string_equal(b.p, "\"x\"\r\n");
	buf_free(&a);
	buf_free(&b);
}

static void
test_formula_starts_get_an_apostrophe(void **state)
{
	static const struct {
		const char	*in;
		const char	*out;
	} cases[] = {
		{ "=1+1", "\"'=1+1\"" },
		{ "+2547001234", "\"'+2547001234\"" },
		{ "-5", "\"'-5\"" },
		{ "@SUM(A1:A9)", "\"'@SUM(A1:A9)\"" },
		{ "\tx", "\"'\tx\"" },
		{ "\rx", "\"'\rx\"" },
		{ "=HYPERLINK(\"http://example.org\",\"x\")",
		  "\"'=HYPERLINK(\"\"http://example.org\"\",\"\"x\"\")\"" },
		/* only the first character matters */
		{ "a=b", "\"a=b\"" },
		{ " =1+1", "\" =1+1\"" },
		{ "2+2", "\"2+2\"" },
		{ "", "\"\"" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct buf out = BUF_INIT;
		struct csv c;

		csv_init(&c, &out, 0);
		assert_int_equal(csv_cell_text(&c, cases[i].in), RC_OK);
		if (strcmp(out.p, cases[i].out) != 0)
			fail_msg("case %zu: got [%s], want [%s]", i, out.p, cases[i].out);
		assert_int_equal(csv_text_is_formula_like(cases[i].in),
		    cases[i].out[1] == '\'');
		buf_free(&out);
	}
}

static void
test_numbers_written_as_numbers_are_not_prefixed(void **state)
{
	struct buf out = BUF_INIT;
	struct csv c;

	(void)state;
	csv_init(&c, &out, 0);
	assert_int_equal(csv_cell_int(&c, -5), RC_OK);
	assert_int_equal(csv_cell_int(&c, 9223372036854775807LL), RC_OK);
	assert_int_equal(csv_cell_int(&c, -9223372036854775807LL - 1), RC_OK);
	assert_int_equal(csv_row_end(&c), RC_OK);
	assert_string_equal(out.p,
	    "-5,9223372036854775807,-9223372036854775808\r\n");
	buf_free(&out);
}

static void
test_invalid_utf8_is_refused_and_nothing_written(void **state)
{
	static const char *const bad[] = {
		"\xC3",			/* truncated */
		"\xC0\xAF",		/* overlong '/' */
		"\xED\xA0\x80",		/* surrogate */
		"\xF4\x90\x80\x80",	/* over U+10FFFF */
		"ok\xFFok",
	};
	struct buf out = BUF_INIT;
	struct csv c;
	size_t i;

	(void)state;
	csv_init(&c, &out, 0);
	assert_int_equal(csv_cell_text(&c, "first"), RC_OK);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(csv_cell_text(&c, bad[i]), RC_EINVALID);
		assert_string_equal(out.p, "\"first\"");
	}
	assert_int_equal(c.cells, 1);
	buf_free(&out);
}

static const char *const arabic_rows[][4] = {
	{ "الاسم", "الجنسية", "ملاحظة", "عدد" },
	{ "أمينة", "إريتريا", "وصلت إلى طرابلس، \"بلا وثائق\"", "3" },
	{ "محمد عبد الله", "السودان", "سطر أول\r\nسطر ثانٍ", "-2" },
	{ "ሰላም", "Éthiopie", "=cmd|' /C calc'!A0", "" },
};

static void
write_arabic(struct buf *out, int flags)
{
	struct csv c;
	size_t r;

	assert_int_equal(csv_init(&c, out, flags), RC_OK);
	for (r = 0; r < sizeof(arabic_rows) / sizeof(arabic_rows[0]); r++)
		assert_int_equal(csv_row_text(&c, arabic_rows[r], 4), RC_OK);
}

static void
test_arabic_round_trips_through_a_strict_reader(void **state)
{
	struct buf out = BUF_INIT;
	struct parsed p;
	size_t r, col;

	(void)state;
	write_arabic(&out, CSV_BOM);
	assert_memory_equal(out.p, BOM, 3);
	parse_strict(out.p + 3, out.len - 3, &p);
	assert_int_equal(p.nrows, 4);
	for (r = 0; r < 4; r++) {
		assert_int_equal(p.ncells[r], 4);
		for (col = 0; col < 4; col++) {
			const char *want = arabic_rows[r][col];

			if (want[0] == '=' || want[0] == '-') {
				assert_int_equal(p.cell[r][col][0], '\'');
				assert_string_equal(p.cell[r][col] + 1, want);
			} else
				assert_string_equal(p.cell[r][col], want);
		}
	}
	parsed_free(&p);
	buf_free(&out);
}

/* An independent reader: Python's csv module, reading the file as Excel would
 * (utf-8-sig strips the BOM). It prints each cell as hex so no encoding is involved. */
static void
test_arabic_round_trips_through_python_csv(void **state)
{
	struct buf out = BUF_INIT, want = BUF_INIT, got = BUF_INIT;
	char path[] = "/tmp/rc-test-csv-XXXXXX", cmd[512], line[4096];
	size_t r, col, i;
	FILE *f, *pipe;
	int fd;

	(void)state;
	if (system("python3 -c 'import csv' >/dev/null 2>&1") != 0)
		fail_msg("python3 is needed for this test (scripts/install-deps)");
	write_arabic(&out, CSV_BOM);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(out.p, 1, out.len, f), out.len);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
	    "python3 -c 'import csv,sys\n"
	    "with open(sys.argv[1], newline=\"\", encoding=\"utf-8-sig\") as f:\n"
	    "  for row in csv.reader(f, strict=True):\n"
	    "    print(\" \".join(c.encode().hex() or \"-\" for c in row))' %s", path);
	pipe = popen(cmd, "r");
	assert_non_null(pipe);
	while (fgets(line, sizeof(line), pipe) != NULL)
		buf_puts(&got, line);
	assert_int_equal(pclose(pipe), 0);
	unlink(path);
	for (r = 0; r < sizeof(arabic_rows) / sizeof(arabic_rows[0]); r++) {
		for (col = 0; col < 4; col++) {
			const char *v = arabic_rows[r][col];
			int prefixed = v[0] == '=' || v[0] == '-';

			if (col > 0)
				buf_putc(&want, ' ');
			if (*v == '\0')
				buf_putc(&want, '-');
			if (prefixed)
				buf_puts(&want, "27");
			for (i = 0; v[i] != '\0'; i++)
				buf_printf(&want, "%02x", (unsigned char)v[i]);
		}
		buf_putc(&want, '\n');
	}
	assert_string_equal(got.p, want.p);
	buf_free(&out);
	buf_free(&want);
	buf_free(&got);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cells_are_quoted_and_records_end_in_crlf),
		cmocka_unit_test(test_bom_only_when_asked),
		cmocka_unit_test(test_formula_starts_get_an_apostrophe),
		cmocka_unit_test(test_numbers_written_as_numbers_are_not_prefixed),
		cmocka_unit_test(test_invalid_utf8_is_refused_and_nothing_written),
		cmocka_unit_test(test_arabic_round_trips_through_a_strict_reader),
		cmocka_unit_test(test_arabic_round_trips_through_python_csv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
