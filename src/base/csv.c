/* csv.c — RFC 4180 CSV records with formula injection neutralised (see csv.h). */
#include <stdint.h>
#include <string.h>

#include "base/csv.h"
#include "base/err.h"
#include "base/utf8.h"

static const char bom[] = "\xEF\xBB\xBF";

int
csv_text_is_formula_like(const char *s)
{
	if (s == NULL)
		return 0;
	return s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
	    s[0] == '\t' || s[0] == '\r';
}

int
csv_init(struct csv *c, struct buf *out, int flags)
{
	c->out = out;
	c->cells = 0;
	c->rows = 0;
	if ((flags & CSV_BOM) && buf_append(out, bom, sizeof(bom) - 1) != 0)
		return RC_ENOMEM;
	return RC_OK;
}

/* The separator before a cell that is not the first of its record. */
static int
separator(struct csv *c)
{
	return c->cells > 0 ? buf_putc(c->out, ',') : 0;
}

int
csv_cell_text(struct csv *c, const char *s)
{
	size_t before = c->out->len, n, i, start;

	if (s == NULL)
		s = "";
	n = strlen(s);
	if (!utf8_valid(s, n))
		return RC_EINVALID;
	/* worst case: separator, two quotes, apostrophe, every byte doubled */
	if (n > (SIZE_MAX - 4) / 2 || buf_reserve(c->out, 2 * n + 4) != 0)
		return RC_ENOMEM;
	if (separator(c) != 0 || buf_putc(c->out, '"') != 0)
		goto nomem;
	if (csv_text_is_formula_like(s) && buf_putc(c->out, '\'') != 0)
		goto nomem;
	for (i = start = 0; i < n; i++) {
		if (s[i] != '"')
			continue;
		/* copy through the quote, then double it */
		if (buf_append(c->out, s + start, i + 1 - start) != 0 ||
		    buf_putc(c->out, '"') != 0)
			goto nomem;
		start = i + 1;
	}
	if (buf_append(c->out, s + start, n - start) != 0 || buf_putc(c->out, '"') != 0)
		goto nomem;
	c->cells++;
	return RC_OK;
nomem:
	c->out->len = before;
	if (c->out->p != NULL)
		c->out->p[before] = '\0';
	return RC_ENOMEM;
}

int
csv_cell_int(struct csv *c, long long v)
{
	size_t before = c->out->len;

	if (separator(c) != 0 || buf_printf(c->out, "%lld", v) != 0) {
		c->out->len = before;
		if (c->out->p != NULL)
			c->out->p[before] = '\0';
		return RC_ENOMEM;
	}
	c->cells++;
	return RC_OK;
}

int
csv_row_end(struct csv *c)
{
	if (buf_append(c->out, "\r\n", 2) != 0)
		return RC_ENOMEM;
	c->cells = 0;
	c->rows++;
	return RC_OK;
}

int
csv_row_text(struct csv *c, const char *const *cells, size_t n)
{
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		if ((rc = csv_cell_text(c, cells[i])) != RC_OK)
			return rc;
	return csv_row_end(c);
}
