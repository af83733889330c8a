/*
 * xlsx.h — spreadsheets (Office Open XML, .xlsx) over libxlsxwriter, returned as bytes.
 *
 * A workbook is built in a private temporary file (mkstemp, mode 0600, in opt->tmpdir or
 * $TMPDIR or /tmp), which xlsx_finish reads back into a struct buf and unlinks; every
 * path out (xlsx_finish, xlsx_abort) unlinks it. libxlsxwriter keeps its own scratch
 * files in the same directory.
 *
 * Cells are written with a cursor: xlsx_cell_* fills the next cell of the current row,
 * xlsx_row_end moves to the first cell of the next row.
 *
 * Safety of cell contents:
 *   - text is always stored as a string cell (worksheet_write_string: a shared string,
 *     or an inline string in constant-memory mode), never as a formula: libxlsxwriter
 *     only writes formulas through worksheet_write_formula, which this module never
 *     calls. "=1+1" shows as the text =1+1 and the file holds no <f> element. (A user
 *     who edits such a cell by hand and presses Enter makes Excel parse it again; that
 *     is a spreadsheet behaviour no file format can prevent.)
 *   - text must be valid UTF-8 (RC_EINVALID otherwise) and at most 32767 bytes, Excel's
 *     cell limit (RC_ETOOBIG);
 *   - integers are numbers when |v| <= 2^53 (exact in a double) and decimal text
 *     otherwise, so no digit is lost.
 *
 * Layout: xlsx_header writes the first row in bold and freezes it; each column gets a
 * width from the longest text written in it (in code points, 8..60) unless
 * xlsx_column_width set one. XLSX_RTL makes a sheet right-to-left (for Arabic).
 *
 * Not thread-safe per workbook; separate workbooks may be built in parallel.
 */
#ifndef BASE_XLSX_H
#define BASE_XLSX_H

#include <stddef.h>

#include "base/buf.h"

#define XLSX_TEXT_MAX		32767		/* bytes in one cell */
#define XLSX_READ_MAX_DEFAULT	(512u * 1024 * 1024)

struct xlsx;

struct xlsx_options {
	const char	*tmpdir;	/* NULL: $TMPDIR, else /tmp */
	int		 constant_memory; /* rows go to disk as written (big exports):
					   * strings are stored inline, not shared */
	size_t		 read_max;	/* largest file xlsx_finish reads back;
					   * 0: XLSX_READ_MAX_DEFAULT */
};

enum xlsx_sheet_flags {
	XLSX_RTL = 1			/* right-to-left sheet (Arabic) */
};

/* Start a workbook. `opt` may be NULL. `*out` is owned by the caller until
 * xlsx_finish or xlsx_abort. RC_OK, RC_EIO (temporary file) or RC_ENOMEM. */
int	xlsx_open(const struct xlsx_options *opt, struct xlsx **out);

/* Add a worksheet and make it current. `name`: 1..31 characters, none of []:*?/\ and
 * not starting or ending with an apostrophe, unique in the workbook (RC_EINVALID);
 * NULL gives Sheet1, Sheet2, ... `flags`: 0 or XLSX_RTL. */
int	xlsx_sheet_add(struct xlsx *x, const char *name, int flags);

/* Write `n` header cells in bold as the first row of the current sheet, end the row and
 * freeze it. RC_EINVALID when the sheet already has cells. */
int	xlsx_header(struct xlsx *x, const char *const *names, size_t n);

/* Write the next cell as text (NULL or "" leaves it empty). */
int	xlsx_cell_text(struct xlsx *x, const char *s);

/* Write the next cell as a number (see above for |v| > 2^53). */
int	xlsx_cell_int(struct xlsx *x, long long v);

/* Leave the next cell empty. */
int	xlsx_cell_blank(struct xlsx *x);

/* End the current row. RC_ETOOBIG past Excel's 1048576 rows. */
int	xlsx_row_end(struct xlsx *x);

/* Fix the width of column `col` (0-based) of the current sheet, in characters. */
int	xlsx_column_width(struct xlsx *x, size_t col, double width);

/*
 * Close the workbook and append its bytes to `out` (the caller owns `out`). Frees `x`
 * and removes its files whatever the result. RC_OK, RC_EIO (libxlsxwriter failed to
 * write, or reading back failed), RC_ETOOBIG (over read_max) or RC_ENOMEM.
 */
int	xlsx_finish(struct xlsx *x, struct buf *out);

/* Give up on a workbook: free `x` and remove its files. NULL is fine. */
void	xlsx_abort(struct xlsx *x);

#endif
