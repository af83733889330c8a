/*
 * csv.h — an RFC 4180 CSV writer into a struct buf, safe to open in a spreadsheet.
 *
 * What it writes:
 *   - records end with CRLF (the last one too); cells are separated by commas;
 *   - every text cell is enclosed in double quotes and its double quotes doubled, so a
 *     comma, a quote, CR or LF inside a cell never starts another cell or record;
 *   - a text cell that starts with = + - @ TAB or CR (the characters a spreadsheet reads
 *     as the start of a formula; OWASP "CSV Injection") gets a leading apostrophe ', so
 *     the spreadsheet shows it as text. The cell "=1+1" is written "'=1+1";
 *   - integers written with csv_cell_int are bare digits ("-5" is a number, not a
 *     formula) and never prefixed; the text "-5" given to csv_cell_text is prefixed;
 *   - optionally a UTF-8 byte order mark first, which Excel needs to read UTF-8 (Arabic,
 *     Ethiopic, accented Latin) instead of the local code page.
 * Text must be valid UTF-8 (no overlong forms, surrogates or code points over
 * U+10FFFF); other text is refused with RC_EINVALID and nothing of the cell is written.
 *
 * The writer does not own `out`: the caller creates it (BUF_INIT), reads out->p /
 * out->len when done, and frees it with buf_free (or buf_wipe for sensitive exports).
 * After a failure (RC_ENOMEM, RC_EINVALID) the buffer holds every complete cell
 * written before; the caller should discard the export.
 *
 *	struct buf out = BUF_INIT;
 *	struct csv c;
 *
 *	csv_init(&c, &out, CSV_BOM);
 *	csv_cell_text(&c, "sex"); csv_cell_text(&c, "count"); csv_row_end(&c);
 *	csv_cell_text(&c, "أنثى"); csv_cell_int(&c, 12); csv_row_end(&c);
 */
#ifndef BASE_CSV_H
#define BASE_CSV_H

#include <stddef.h>

#include "base/buf.h"

enum csv_flags {
	CSV_BOM = 1		/* start with the UTF-8 byte order mark EF BB BF */
};

struct csv {
	struct buf	*out;		/* borrowed */
	size_t		 cells;		/* cells in the current record */
	size_t		 rows;		/* records ended so far */
};

/* Start a CSV document in `out` (appends to what it holds). `flags`: 0 or CSV_BOM.
 * Returns RC_OK or RC_ENOMEM (writing the BOM). */
int	csv_init(struct csv *c, struct buf *out, int flags);

/* Append one text cell: quoted, formula characters neutralised. NULL is the empty
 * cell. RC_OK, RC_EINVALID (not UTF-8) or RC_ENOMEM. */
int	csv_cell_text(struct csv *c, const char *s);

/* Append one integer cell as bare digits. RC_OK or RC_ENOMEM. */
int	csv_cell_int(struct csv *c, long long v);

/* End the current record with CRLF (an empty record is one empty cell). */
int	csv_row_end(struct csv *c);

/* Append a whole record of text cells and end it; RC_OK or the first failure. */
int	csv_row_text(struct csv *c, const char *const *cells, size_t n);

/* 1 when `s` would be read as a formula by a spreadsheet: it starts with = + - @ TAB or
 * CR. csv_cell_text prefixes such text with an apostrophe. */
int	csv_text_is_formula_like(const char *s);

#endif
