/* xlsx.c — spreadsheets over libxlsxwriter, built in a temporary file (see xlsx.h). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xlsxwriter.h>

#include "base/err.h"
#include "base/io.h"
#include "base/utf8.h"
#include "base/xlsx.h"

#define WIDTH_MIN	8.0
#define WIDTH_MAX	60.0
#define WIDTH_PAD	2.0
#define EXACT_INT_MAX	9007199254740992LL	/* 2^53 */

struct column {
	double	width;		/* widest text so far, in code points */
	int	fixed;		/* set by xlsx_column_width */
};

struct xlsx {
	lxw_workbook	*wb;
	lxw_worksheet	*ws;		/* current sheet, NULL before the first */
	lxw_format	*bold;
	char		 path[PATH_MAX];
	char		*tmpdir;	/* owned copy for libxlsxwriter */
	size_t		 read_max;
	lxw_row_t	 row;
	lxw_col_t	 col;
	struct column	*cols;		/* per column of the current sheet */
	size_t		 ncols;
};

static void
remove_file(struct xlsx *x)
{
	if (x->path[0] != '\0') {
		(void)unlink(x->path);
		x->path[0] = '\0';
	}
}

static void
release(struct xlsx *x)
{
	remove_file(x);
	free(x->cols);
	free(x->tmpdir);
	free(x);
}

int
xlsx_open(const struct xlsx_options *opt, struct xlsx **out)
{
	lxw_workbook_options lo = { 0 };
	const char *dir = opt != NULL ? opt->tmpdir : NULL;
	struct xlsx *x;
	int fd;

	*out = NULL;
	if (dir == NULL || *dir == '\0')
		dir = getenv("TMPDIR");
	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	if ((x = calloc(1, sizeof(*x))) == NULL)
		return RC_ENOMEM;
	x->read_max = opt != NULL && opt->read_max > 0 ? opt->read_max :
	    XLSX_READ_MAX_DEFAULT;
	if ((x->tmpdir = strdup(dir)) == NULL) {
		free(x);
		return RC_ENOMEM;
	}
	if (snprintf(x->path, sizeof(x->path), "%s/routecare-xlsx-XXXXXX", dir) >=
	    (int)sizeof(x->path)) {
		x->path[0] = '\0';
		release(x);
		return RC_EINVALID;
	}
	/* mkstemp reserves the name with mode 0600; libxlsxwriter reopens it for
	 * writing at close. In a sticky /tmp nobody else can replace it meanwhile. */
	if ((fd = mkstemp(x->path)) < 0) {
		x->path[0] = '\0';
		release(x);
		return RC_EIO;
	}
	close(fd);
	lo.constant_memory = opt != NULL && opt->constant_memory ? LXW_TRUE : LXW_FALSE;
	lo.tmpdir = x->tmpdir;
	if ((x->wb = workbook_new_opt(x->path, &lo)) == NULL ||
	    (x->bold = workbook_add_format(x->wb)) == NULL) {
		if (x->wb != NULL)
			lxw_workbook_free(x->wb);
		release(x);
		return RC_ENOMEM;
	}
	format_set_bold(x->bold);
	*out = x;
	return RC_OK;
}

/* Give every column of the current sheet its width. */
static int
apply_widths(struct xlsx *x)
{
	size_t c;
	double w;

	for (c = 0; c < x->ncols; c++) {
		w = x->cols[c].width;
		if (!x->cols[c].fixed) {
			w += WIDTH_PAD;
			w = w < WIDTH_MIN ? WIDTH_MIN : w > WIDTH_MAX ? WIDTH_MAX : w;
		}
		if (worksheet_set_column(x->ws, (lxw_col_t)c, (lxw_col_t)c, w, NULL) !=
		    LXW_NO_ERROR)
			return RC_EIO;
	}
	return RC_OK;
}

int
xlsx_sheet_add(struct xlsx *x, const char *name, int flags)
{
	lxw_worksheet *ws;
	int rc;

	if (name != NULL && (!utf8_valid(name, strlen(name)) ||
	    workbook_validate_sheet_name(x->wb, name) != LXW_NO_ERROR))
		return RC_EINVALID;
	if (x->ws != NULL && (rc = apply_widths(x)) != RC_OK)
		return rc;
	if ((ws = workbook_add_worksheet(x->wb, name)) == NULL)
		return RC_ENOMEM;
	if (flags & XLSX_RTL)
		worksheet_right_to_left(ws);
	x->ws = ws;
	x->row = 0;
	x->col = 0;
	x->ncols = 0;
	return RC_OK;
}

/* The column record for the cell under the cursor, growing the table. */
static struct column *
column_at(struct xlsx *x, size_t c)
{
	struct column *nc;
	size_t n;

	if (c < x->ncols)
		return &x->cols[c];
	n = c + 1;
	if ((nc = realloc(x->cols, n * sizeof(*nc))) == NULL)
		return NULL;
	memset(nc + x->ncols, 0, (n - x->ncols) * sizeof(*nc));
	x->cols = nc;
	x->ncols = n;
	return &x->cols[c];
}

/* Check the cursor can take one more cell and return its column record. */
static int
next_cell(struct xlsx *x, struct column **col)
{
	if (x->ws == NULL)
		return RC_EINVALID;
	if (x->col >= LXW_COL_MAX || x->row >= LXW_ROW_MAX)
		return RC_ETOOBIG;
	if ((*col = column_at(x, x->col)) == NULL)
		return RC_ENOMEM;
	return RC_OK;
}

static int
lxw_rc(lxw_error e)
{
	switch (e) {
	case LXW_NO_ERROR:
		return RC_OK;
	case LXW_ERROR_MAX_STRING_LENGTH_EXCEEDED:
	case LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE:
		return RC_ETOOBIG;
	case LXW_ERROR_MEMORY_MALLOC_FAILED:
		return RC_ENOMEM;
	default:
		return RC_EIO;
	}
}

static int
write_text(struct xlsx *x, const char *s, lxw_format *fmt)
{
	struct column *col;
	size_t n = s != NULL ? strlen(s) : 0;
	double w;
	int rc;

	if ((rc = next_cell(x, &col)) != RC_OK)
		return rc;
	if (n > XLSX_TEXT_MAX)
		return RC_ETOOBIG;
	if (!utf8_valid(s != NULL ? s : "", n))
		return RC_EINVALID;
	if (n > 0) {
		/* a string cell, never a formula (see xlsx.h) */
		if ((rc = lxw_rc(worksheet_write_string(x->ws, x->row, x->col, s, fmt))) !=
		    RC_OK)
			return rc;
		w = (double)utf8_length(s, n);
		if (!col->fixed && w > col->width)
			col->width = w;
	} else if (fmt != NULL &&
	    (rc = lxw_rc(worksheet_write_blank(x->ws, x->row, x->col, fmt))) != RC_OK)
		return rc;
	x->col++;
	return RC_OK;
}

int
xlsx_cell_text(struct xlsx *x, const char *s)
{
	return write_text(x, s, NULL);
}

int
xlsx_cell_int(struct xlsx *x, long long v)
{
	struct column *col;
	char digits[32];
	int rc;

	if (v > EXACT_INT_MAX || v < -EXACT_INT_MAX) {
		snprintf(digits, sizeof(digits), "%lld", v);
		return write_text(x, digits, NULL);
	}
	if ((rc = next_cell(x, &col)) != RC_OK)
		return rc;
	if ((rc = lxw_rc(worksheet_write_number(x->ws, x->row, x->col, (double)v,
	    NULL))) != RC_OK)
		return rc;
	snprintf(digits, sizeof(digits), "%lld", v);
	if (!col->fixed && (double)strlen(digits) > col->width)
		col->width = (double)strlen(digits);
	x->col++;
	return RC_OK;
}

int
xlsx_cell_blank(struct xlsx *x)
{
	struct column *col;
	int rc;

	if ((rc = next_cell(x, &col)) != RC_OK)
		return rc;
	x->col++;
	return RC_OK;
}

int
xlsx_row_end(struct xlsx *x)
{
	if (x->ws == NULL)
		return RC_EINVALID;
	if (x->row + 1 >= LXW_ROW_MAX)
		return RC_ETOOBIG;
	x->row++;
	x->col = 0;
	return RC_OK;
}

int
xlsx_header(struct xlsx *x, const char *const *names, size_t n)
{
	size_t i;
	int rc;

	if (x->ws == NULL || x->row != 0 || x->col != 0)
		return RC_EINVALID;
	for (i = 0; i < n; i++)
		if ((rc = write_text(x, names[i], x->bold)) != RC_OK)
			return rc;
	worksheet_freeze_panes(x->ws, 1, 0);
	return xlsx_row_end(x);
}

int
xlsx_column_width(struct xlsx *x, size_t col, double width)
{
	struct column *c;

	if (x->ws == NULL || col >= LXW_COL_MAX || !(width > 0.0) || width > 255.0)
		return RC_EINVALID;
	if ((c = column_at(x, col)) == NULL)
		return RC_ENOMEM;
	c->width = width;
	c->fixed = 1;
	return RC_OK;
}

int
xlsx_finish(struct xlsx *x, struct buf *out)
{
	size_t before = out->len;
	lxw_error e;
	int rc = RC_OK;

	if (x->ws == NULL)
		rc = xlsx_sheet_add(x, NULL, 0);	/* Excel refuses a workbook without sheets */
	if (rc == RC_OK)
		rc = apply_widths(x);
	if (rc != RC_OK) {
		lxw_workbook_free(x->wb);
		goto out;
	}
	e = workbook_close(x->wb);		/* writes the file and frees the workbook */
	if (e != LXW_NO_ERROR) {
		rc = e == LXW_ERROR_MEMORY_MALLOC_FAILED ? RC_ENOMEM : RC_EIO;
		goto out;
	}
	rc = io_read_file(x->path, x->read_max, out);
	if (rc == RC_ENOTFOUND)
		rc = RC_EIO;
	if (rc != RC_OK) {
		out->len = before;
		if (out->p != NULL)
			out->p[before] = '\0';
	}
out:
	release(x);
	return rc;
}

void
xlsx_abort(struct xlsx *x)
{
	if (x == NULL)
		return;
	lxw_workbook_free(x->wb);
	release(x);
}
