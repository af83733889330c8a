/*
 * kanon.h — disclosure control for data that leaves the agency: k-anonymity for
 * record-level exports (the CTDC format of VoT records) and small-count suppression
 * for aggregates (reports, HXL tables).
 *
 * Pure: no I/O, no clock, no randomness. The same input gives the same output.
 *
 * RECORD-LEVEL EXPORTS (k-anonymity)
 *
 * A table holds rows of text cells. Some columns are quasi-identifiers (QIs): values an
 * outsider could know about a person (sex, age, citizenship, year of registration,
 * country of exploitation, ...). The table is k-anonymous on them when every
 * combination of QI values that occurs in it occurs at least k times: any query on the
 * QIs returns nobody or at least k people. CTDC publishes with k = 11.
 *
 * Each QI has a generalisation hierarchy: level 0 is the value as given, each next
 * level is coarser, the top level is the suppression marker "*":
 *
 *	KANON_H_GENERIC	 value                                  -> "*"
 *	KANON_H_AGE	 age in years "0".."150"                -> CTDC band (kanon_age_band)
 *			 -> "Minor" (under 18) / "Adult"        -> "*"
 *	KANON_H_YEAR	 "2021"                                 -> "2020-2024" (5-year range
 *			 starting at a multiple of 5)           -> "*"
 *	KANON_H_COUNTRY	 ISO 3166-1 alpha-2 "ER"                -> UN M49 sub-region
 *			 ("Eastern Africa"; Africa and the Americas use M49's intermediate
 *			 regions) -> M49 region ("Africa")     -> "*"
 *
 * A value that is already at a coarser level (a CTDC band, "Minor", a year range, a
 * sub-region or region name) stays itself until a coarser level replaces it. Missing
 * values — the empty string and CTDC's "-99" — stay missing at every level below the
 * top: missing is a value like any other and counts in the classes. A value a
 * hierarchy cannot place (age "abc", country "ZZ") becomes "*" at level 1 and above.
 *
 * kanon_apply anonymises a table in place:
 *   1. Global recoding. Every QI is recoded to one level for all rows. Of the level
 *      vectors (one level per QI, from the QI's min_level to its top) under which at
 *      most `max_suppress` (a fraction of the rows, e.g. 0.05) of the rows fall in
 *      classes smaller than k, it takes the one that loses least information: the
 *      loss of a vector is the sum over QIs of weight * level / top level (a QI at
 *      "*" loses its whole weight, one at its band or sub-region a share of it). Ties
 *      go to the vector leaving the fewest rows in small classes, then to the one
 *      keeping the earlier-listed QIs finer: list the QIs most worth keeping first,
 *      or weigh them. The lattice is scanned in order of loss; when it has more than
 *      200000 nodes, or no vector meets the budget within KANON_NODES_MAX
 *      evaluations, a greedy climb takes over (raise, one level at a time, the QI
 *      whose raise leaves the fewest rows in small classes), which always ends at a
 *      vector meeting the budget (all "*" puts every row in one class).
 *   2. Local suppression. The rows still in classes smaller than k get QI cells set
 *      to "*": first one QI at a time (the QIs with the most distinct values first),
 *      then growing sets of them, a row taking a change only when its new combination
 *      is shared by at least k rows.
 *   3. Row suppression. Rows still in classes smaller than k are removed.
 * After it, every combination of QI values in the table (with "*" a value of its own)
 * occurs at least k times, or the table is empty. kanon_check recounts that.
 *
 * AGGREGATES (small counts)
 *
 * kanon_suppress_counts protects one line of counts with its total (a breakdown by
 * sex, by age band, ...): a count strictly between 0 and the threshold is suppressed
 * (primary); then, so that the suppressed cells cannot be recovered by subtracting the
 * published cells from the total, more cells are suppressed (complementary), smallest
 * non-zero first, until no line has exactly one hidden member and the hidden cells of
 * a line whose total is published add up to the threshold or more. A total below the
 * threshold is itself suppressed. Zero counts are published (see docs/hxl.md).
 * kanon_suppress_table does the same for a two-way table with row, column and grand
 * totals by applying the line rule to every row, column and margin until nothing
 * changes.
 * Limits: this stops exact recovery by subtraction along any one line. It does not
 * stop an adversary who solves the linear system of several lines at once from
 * bounding a hidden cell to an interval (a problem that needs linear programming to
 * solve in general), nor disclosure by differencing two published tables that overlap
 * (for example the same report for two nested periods or areas). Publish few, coarse
 * tables outside the agency.
 */
#ifndef DOMAIN_KANON_H
#define DOMAIN_KANON_H

#include <stddef.h>

#define KANON_SUPPRESSED	"*"	/* suppressed cell, in tables and aggregates */
#define KANON_MISSING		"-99"	/* CTDC's missing value */
#define KANON_QI_MAX		32	/* quasi-identifiers per table */
#define KANON_NODES_MAX		2000	/* lattice nodes evaluated before going greedy */

/* ---- tables ------------------------------------------------------------------------ */

/*
 * A table of text cells, `ncols` per row. The table owns copies of every string it is
 * given (identical strings are stored once). Cells are never NULL: NULL given to
 * kanon_table_add_row is stored as "".
 */
struct kanon_table;

struct kanon_table *kanon_table_new(size_t ncols);	/* NULL: out of memory or 0 */
void		 kanon_table_free(struct kanon_table *t);	/* NULL is fine */

/* Append a row of ncols values (copied). RC_OK, RC_ENOMEM. */
int		 kanon_table_add_row(struct kanon_table *t, const char *const *values);

size_t		 kanon_table_rows(const struct kanon_table *t);
size_t		 kanon_table_cols(const struct kanon_table *t);
/* The cell at (row, col), borrowed from the table and valid until the table is freed;
 * NULL when (row, col) is out of range. */
const char	*kanon_table_cell(const struct kanon_table *t, size_t row, size_t col);
/* Which row this was when it was added (0-based): kanon_apply removes rows, and the
 * caller may need to know which of its records each remaining row is. */
size_t		 kanon_table_origin(const struct kanon_table *t, size_t row);

/* ---- k-anonymity ----------------------------------------------------------------- */

enum kanon_hierarchy {
	KANON_H_GENERIC,	/* 2 levels: value, "*" */
	KANON_H_AGE,		/* 4 levels: years, CTDC band, Minor/Adult, "*" */
	KANON_H_YEAR,		/* 3 levels: year, 5-year range, "*" */
	KANON_H_COUNTRY,	/* 4 levels: ISO alpha-2, M49 sub-region, M49 region, "*" */
	KANON_H__MAX
};

struct kanon_qi {
	size_t			 col;		/* column index in the table */
	enum kanon_hierarchy	 hierarchy;
	unsigned		 min_level;	/* never publish finer than this: 1 for
						 * KANON_H_AGE keeps exact ages out */
	unsigned		 weight;	/* what losing this QI costs, 0..1000;
						 * 0 means 1 */
};

struct kanon_spec {
	size_t		nqi;			/* 1..KANON_QI_MAX */
	struct kanon_qi	qi[KANON_QI_MAX];	/* distinct columns */
};

struct kanon_qi_report {
	unsigned	level;		/* level chosen by global recoding */
	size_t		generalised;	/* remaining rows whose value global recoding
					 * changed (to a coarser value or "*") */
	size_t		suppressed;	/* remaining rows whose value local suppression
					 * set to "*" */
};

struct kanon_report {
	size_t			rows_in;
	size_t			rows_out;
	size_t			rows_suppressed;	/* rows_in - rows_out */
	size_t			budget;		/* rows global recoding could leave in
						 * small classes: floor(max_suppress *
						 * rows_in) */
	size_t			smallest_class;	/* after; 0 when no row is left */
	size_t			nodes_evaluated;
	int			greedy;		/* 1 when the ordered scan gave way to
						 * the greedy climb */
	size_t			nqi;
	struct kanon_qi_report	qi[KANON_QI_MAX];	/* in the order of spec->qi */
};

/* The number of levels of `h` (the top one is "*"); 0 for an unknown hierarchy. */
unsigned	 kanon_hierarchy_levels(enum kanon_hierarchy h);

/*
 * `value` generalised to `level` of `h`. Returns `value` itself, a static string, or
 * `tmp` (size `tmpsz`, at least 16 bytes, for year ranges). Levels at or above the top
 * give "*".
 */
const char	*kanon_generalise(enum kanon_hierarchy h, unsigned level, const char *value,
		    char *tmp, size_t tmpsz);

/* The CTDC age band of `age` years ("0--8", "9--17", "18--20", "21--23", "24--26",
 * "27--29", "30--38", "39--47", "48+"; CTDC writes the double hyphen so that
 * spreadsheets do not read "9-17" as a date), or NULL when age < 0. */
const char	*kanon_age_band(int age);

/* The UN M49 sub-region and region names of ISO 3166-1 alpha-2 `code`, or NULL. */
const char	*kanon_country_subregion(const char *code);
const char	*kanon_country_region(const char *code);

/*
 * Make `t` k-anonymous on the QIs of `spec` (see the top of this file), changing QI
 * cells and removing rows; other columns are kept as they are. `k` >= 1; `max_suppress`
 * in [0, 1]. Fills `*rep` (may be NULL). Returns RC_OK, RC_EINVALID (a QI column out
 * of range or repeated, nqi 0 or over KANON_QI_MAX, min_level not below the top,
 * k == 0, max_suppress outside [0, 1], a weight over 1000) or RC_ENOMEM; on failure
 * `t` is unchanged.
 */
int	kanon_apply(struct kanon_table *t, const struct kanon_spec *spec, size_t k,
	    double max_suppress, struct kanon_report *rep);

/*
 * The size of the smallest class of `t` on columns `cols` (`ncols` of them): the
 * fewest rows sharing one combination of their values, "*" being a value like any
 * other. `*smallest` is 0 for a table without rows. The table is k-anonymous on those
 * columns when *smallest >= k or the table is empty. RC_OK, RC_EINVALID (a column out
 * of range), RC_ENOMEM.
 */
int	kanon_check(const struct kanon_table *t, const size_t *cols, size_t ncols,
	    size_t *smallest);

/* ---- small counts in aggregates --------------------------------------------------- */

struct kanon_count {
	long long	value;		/* in: the count, >= 0 */
	int		suppressed;	/* in/out: publish KANON_SUPPRESSED instead; may be
					 * set on entry (already hidden elsewhere) */
	int		primary;	/* out: suppressed because 0 < value < threshold */
};

/*
 * Protect one line of `n` counts and its total (see the top of this file). `total` may
 * be NULL when the total is not part of the output (it is still taken as known to the
 * reader); otherwise its value must be the sum of the cells. With a threshold of 1 or
 * less no count is small, and only cells already suppressed on entry get complements.
 * RC_OK, or RC_EINVALID (a negative count, a total that is not the sum, an overflowing
 * sum).
 */
int	kanon_suppress_counts(struct kanon_count *cells, size_t n, long long threshold,
	    struct kanon_count *total);

/*
 * Protect a `nrows` x `ncols` table (row-major `cells`) published with its row totals
 * (`nrows`), column totals (`ncols`) and grand total, all required and checked against
 * the cells. RC_OK, RC_EINVALID, RC_ENOMEM.
 */
int	kanon_suppress_table(struct kanon_count *cells, size_t nrows, size_t ncols,
	    long long threshold, struct kanon_count *row_totals,
	    struct kanon_count *col_totals, struct kanon_count *grand);

#endif
