/* test_xlsx.c — workbooks written with libxlsxwriter and read back with unzip. */
#include <dirent.h>
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
#include "base/err.h"
#include "base/xlsx.h"

struct fixture {
	char	dir[64];		/* private temporary directory */
	char	file[128];		/* where a finished workbook is saved to inspect */
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	strcpy(f->dir, "/tmp/rc-test-xlsx-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->file, sizeof(f->file), "%s.xlsx", f->dir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->file);
	rmdir(f->dir);
	free(f);
	return 0;
}

/* Entries in the fixture's directory (the module's temporary files). */
static size_t
files_left(const struct fixture *f)
{
	struct dirent *e;
	size_t n = 0;
	DIR *d = opendir(f->dir);

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void
save(const struct fixture *f, const struct buf *b)
{
	FILE *fp = fopen(f->file, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(b->p, 1, b->len, fp), b->len);
	assert_int_equal(fclose(fp), 0);
}

/* The member `name` of the saved workbook, by `unzip -p`. */
static void
member(const struct fixture *f, const char *name, struct buf *out)
{
	char cmd[512], chunk[4096];
	size_t n;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "unzip -p '%s' '%s'", f->file, name);
	p = popen(cmd, "r");
	assert_non_null(p);
	while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
		assert_int_equal(buf_append(out, chunk, n), 0);
	assert_int_equal(pclose(p), 0);
	assert_true(out->len > 0);
}

static void
assert_contains(const struct buf *b, const char *needle)
{
	if (b->p == NULL || strstr(b->p, needle) == NULL)
		fail_msg("expected to find [%s] in [%.2000s]", needle, b->p ? b->p : "");
}

static void
assert_lacks(const struct buf *b, const char *needle)
{
	if (b->p != NULL && strstr(b->p, needle) != NULL)
		fail_msg("did not expect [%s] in [%.2000s]", needle, b->p);
}

static const char *const header[] = { "الاسم", "Nationalité", "Note", "Âge" };

/* A small export: Arabic, a formula-looking text, numbers, a huge integer. */
static void
write_sample(struct fixture *f, int constant_memory, int flags, struct buf *out)
{
	struct xlsx_options opt = { f->dir, constant_memory, 0 };
	struct xlsx *x;

	assert_int_equal(xlsx_open(&opt, &x), RC_OK);
	assert_int_equal(files_left(f), 1);		/* the reserved workbook file */
	assert_int_equal(xlsx_sheet_add(x, "الحالات", flags), RC_OK);
	assert_int_equal(xlsx_header(x, header, 4), RC_OK);
	assert_int_equal(xlsx_cell_text(x, "أمينة محمد"), RC_OK);
	assert_int_equal(xlsx_cell_text(x, "إريتريا"), RC_OK);
	assert_int_equal(xlsx_cell_text(x, "=1+1"), RC_OK);
	assert_int_equal(xlsx_cell_int(x, 12), RC_OK);
	assert_int_equal(xlsx_row_end(x), RC_OK);
	assert_int_equal(xlsx_cell_text(x, "ሰላም"), RC_OK);
	assert_int_equal(xlsx_cell_blank(x), RC_OK);
	assert_int_equal(xlsx_cell_text(x, "@SUM(A1:A2)"), RC_OK);
	assert_int_equal(xlsx_cell_int(x, -3), RC_OK);
	assert_int_equal(xlsx_row_end(x), RC_OK);
	assert_int_equal(xlsx_cell_text(x, ""), RC_OK);
	assert_int_equal(xlsx_cell_text(x, "-5"), RC_OK);
	assert_int_equal(xlsx_cell_text(x, "=HYPERLINK(\"http://example.org\",\"x\")"),
	    RC_OK);
	assert_int_equal(xlsx_cell_int(x, 1152921504606846976LL), RC_OK);	/* 2^60 */
	assert_int_equal(xlsx_row_end(x), RC_OK);
	assert_int_equal(xlsx_finish(x, out), RC_OK);
	assert_int_equal(files_left(f), 0);		/* nothing left behind */
	assert_true(out->len > 1000);
	assert_memory_equal(out->p, "PK\x03\x04", 4);
	save(f, out);
}

static void
test_strings_are_shared_strings_never_formulas(void **state)
{
	struct fixture *f = *state;
	struct buf out = BUF_INIT, sst = BUF_INIT, sheet = BUF_INIT, styles = BUF_INIT;
	char cmd[256];

	write_sample(f, 0, 0, &out);
	snprintf(cmd, sizeof(cmd), "unzip -tq '%s' >/dev/null", f->file);
	assert_int_equal(system(cmd), 0);
	member(f, "xl/sharedStrings.xml", &sst);
	assert_contains(&sst, "<t>الاسم</t>");
	assert_contains(&sst, "<t>أمينة محمد</t>");
	assert_contains(&sst, "<t>إريتريا</t>");
	assert_contains(&sst, "<t>ሰላም</t>");
	assert_contains(&sst, "<t>=1+1</t>");
	assert_contains(&sst, "<t>@SUM(A1:A2)</t>");
	assert_contains(&sst, "<t>-5</t>");
	assert_contains(&sst, "<t>=HYPERLINK(\"http://example.org\",\"x\")</t>");
	assert_contains(&sst, "<t>1152921504606846976</t>");
	member(f, "xl/worksheets/sheet1.xml", &sheet);
	assert_lacks(&sheet, "<f>");
	assert_lacks(&sheet, "<f ");
	assert_contains(&sheet, "<c r=\"C2\" t=\"s\">");	/* =1+1 is a string cell */
	assert_contains(&sheet, "<c r=\"D2\"><v>12</v></c>");	/* numbers are numbers */
	assert_contains(&sheet, "<c r=\"D3\"><v>-3</v></c>");
	assert_contains(&sheet, "<c r=\"D4\" t=\"s\">");	/* 2^60 kept whole as text */
	assert_lacks(&sheet, "r=\"A4\"");		/* "" leaves the cell empty */
	assert_lacks(&sheet, "r=\"B3\"");		/* so does a blank */
	/* the header row is bold and frozen; columns have widths */
	assert_contains(&sheet, "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>");
	assert_contains(&sheet, "<c r=\"A1\" s=\"1\" t=\"s\">");
	assert_contains(&sheet, "<col min=\"1\" max=\"1\" width=");
	assert_contains(&sheet, "<col min=\"4\" max=\"4\" width=");
	assert_lacks(&sheet, "rightToLeft");
	member(f, "xl/styles.xml", &styles);
	assert_contains(&styles, "<b/>");
	buf_free(&out);
	buf_free(&sst);
	buf_free(&sheet);
	buf_free(&styles);
}

static void
test_right_to_left_sheet_for_arabic(void **state)
{
	struct fixture *f = *state;
	struct buf out = BUF_INIT, sheet = BUF_INIT, wb = BUF_INIT;

	write_sample(f, 0, XLSX_RTL, &out);
	member(f, "xl/worksheets/sheet1.xml", &sheet);
	assert_contains(&sheet, "rightToLeft=\"1\"");
	member(f, "xl/workbook.xml", &wb);
	assert_contains(&wb, "name=\"الحالات\"");
	buf_free(&out);
	buf_free(&sheet);
	buf_free(&wb);
}

static void
test_constant_memory_writes_inline_strings_and_no_formula(void **state)
{
	struct fixture *f = *state;
	struct buf out = BUF_INIT, sheet = BUF_INIT;

	write_sample(f, 1, XLSX_RTL, &out);
	member(f, "xl/worksheets/sheet1.xml", &sheet);
	assert_lacks(&sheet, "<f>");
	assert_lacks(&sheet, "<f ");
	assert_contains(&sheet, "<c r=\"C2\" t=\"inlineStr\"><is><t>=1+1</t></is></c>");
	assert_contains(&sheet, "<is><t>أمينة محمد</t></is>");
	assert_contains(&sheet, "<c r=\"D2\"><v>12</v></c>");
	assert_contains(&sheet, "<col min=\"1\" max=\"1\" width=");
	assert_contains(&sheet, "rightToLeft=\"1\"");
	buf_free(&out);
	buf_free(&sheet);
}

static void
test_column_widths_follow_the_text_or_the_caller(void **state)
{
	struct fixture *f = *state;
	struct xlsx_options opt = { f->dir, 0, 0 };
	struct buf out = BUF_INIT, sheet = BUF_INIT;
	char long_text[200];
	struct xlsx *x;

	memset(long_text, 'x', sizeof(long_text) - 1);
	long_text[sizeof(long_text) - 1] = '\0';
	assert_int_equal(xlsx_open(&opt, &x), RC_OK);
	assert_int_equal(xlsx_sheet_add(x, NULL, 0), RC_OK);
	assert_int_equal(xlsx_cell_text(x, "ab"), RC_OK);		/* 2 -> 8 (minimum) */
	assert_int_equal(xlsx_cell_text(x, "أمينة محمد علي"), RC_OK);	/* 14 + 2 */
	assert_int_equal(xlsx_cell_text(x, long_text), RC_OK);	/* 199 -> 60 */
	assert_int_equal(xlsx_column_width(x, 3, 33), RC_OK);
	assert_int_equal(xlsx_cell_text(x, long_text), RC_OK);	/* fixed: 33 */
	assert_int_equal(xlsx_row_end(x), RC_OK);
	assert_int_equal(xlsx_finish(x, &out), RC_OK);
	save(f, &out);
	member(f, "xl/worksheets/sheet1.xml", &sheet);
	assert_contains(&sheet, "<col min=\"1\" max=\"1\" width=\"8.7109375\"");
	assert_contains(&sheet, "<col min=\"2\" max=\"2\" width=\"16.7109375\"");
	assert_contains(&sheet, "<col min=\"3\" max=\"3\" width=\"60.7109375\"");
	assert_contains(&sheet, "<col min=\"4\" max=\"4\" width=\"33.7109375\"");
	buf_free(&out);
	buf_free(&sheet);
}

static void
test_bad_input_is_refused(void **state)
{
	struct fixture *f = *state;
	struct xlsx_options opt = { f->dir, 0, 0 };
	const char *hdr[] = { "a" };
	struct xlsx *x;
	char *big;

	assert_int_equal(xlsx_open(&opt, &x), RC_OK);
	/* no sheet yet */
	assert_int_equal(xlsx_cell_text(x, "x"), RC_EINVALID);
	assert_int_equal(xlsx_sheet_add(x, "bad/name", 0), RC_EINVALID);
	assert_int_equal(xlsx_sheet_add(x, "a name that is far longer than thirty-one", 0),
	    RC_EINVALID);
	assert_int_equal(xlsx_sheet_add(x, "Cases", 0), RC_OK);
	assert_int_equal(xlsx_sheet_add(x, "Cases", 0), RC_EINVALID);	/* duplicate */
	assert_int_equal(xlsx_cell_text(x, "ok\xFF"), RC_EINVALID);
	big = malloc(XLSX_TEXT_MAX + 2);
	assert_non_null(big);
	memset(big, 'a', XLSX_TEXT_MAX + 1);
	big[XLSX_TEXT_MAX + 1] = '\0';
	assert_int_equal(xlsx_cell_text(x, big), RC_ETOOBIG);
	big[XLSX_TEXT_MAX] = '\0';
	assert_int_equal(xlsx_cell_text(x, big), RC_OK);	/* exactly the limit */
	free(big);
	assert_int_equal(xlsx_header(x, hdr, 1), RC_EINVALID);	/* not the first row */
	xlsx_abort(x);
	assert_int_equal(files_left(f), 0);
}

static void
test_read_back_limit_is_enforced(void **state)
{
	struct fixture *f = *state;
	struct xlsx_options opt = { f->dir, 0, 100 };
	struct buf out = BUF_INIT;
	struct xlsx *x;

	assert_int_equal(xlsx_open(&opt, &x), RC_OK);
	assert_int_equal(xlsx_sheet_add(x, NULL, 0), RC_OK);
	assert_int_equal(xlsx_cell_text(x, "x"), RC_OK);
	assert_int_equal(xlsx_finish(x, &out), RC_ETOOBIG);
	assert_int_equal(out.len, 0);
	assert_int_equal(files_left(f), 0);
	buf_free(&out);
}

static void
test_workbook_without_a_sheet_still_opens(void **state)
{
	struct fixture *f = *state;
	struct xlsx_options opt = { f->dir, 0, 0 };
	struct buf out = BUF_INIT, wb = BUF_INIT;
	struct xlsx *x;

	assert_int_equal(xlsx_open(&opt, &x), RC_OK);
	assert_int_equal(xlsx_finish(x, &out), RC_OK);
	save(f, &out);
	member(f, "xl/workbook.xml", &wb);
	assert_contains(&wb, "name=\"Sheet1\"");
	buf_free(&out);
	buf_free(&wb);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_strings_are_shared_strings_never_formulas,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_right_to_left_sheet_for_arabic, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_constant_memory_writes_inline_strings_and_no_formula, setup, teardown),
		cmocka_unit_test_setup_teardown(test_column_widths_follow_the_text_or_the_caller,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_input_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_back_limit_is_enforced, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_workbook_without_a_sheet_still_opens, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
