/*
 * kanon.c — k-anonymity by global recoding, local suppression and row suppression;
 * small-count suppression for aggregates (see kanon.h for the contract).
 *
 * Inside, every cell is a pointer into the table's string pool, where each distinct
 * string is stored once: two cells are equal exactly when their pointers are, so a
 * row's combination of QI values is a short array of pointers that hashes and
 * compares without touching the strings.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "domain/kanon.h"

#define LEVELS_MAX	4	/* the most levels any hierarchy has */
#define EMPTY		SIZE_MAX

/* ---- string pool ----------------------------------------------------------------- */

struct pool {
	char	**slot;		/* open addressing; NULL is empty */
	size_t	  cap;		/* a power of two, or 0 */
	size_t	  n;
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;	/* FNV-1a */

	while (*s != '\0') {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int
pool_grow(struct pool *p)
{
	size_t ncap = p->cap ? p->cap * 2 : 64, i, h;
	char **ns;

	if (ncap > SIZE_MAX / sizeof(*ns) || ncap < p->cap)
		return -1;
	if ((ns = calloc(ncap, sizeof(*ns))) == NULL)
		return -1;
	for (i = 0; i < p->cap; i++) {
		if (p->slot[i] == NULL)
			continue;
		h = (size_t)hash_str(p->slot[i]) & (ncap - 1);
		while (ns[h] != NULL)
			h = (h + 1) & (ncap - 1);
		ns[h] = p->slot[i];
	}
	free(p->slot);
	p->slot = ns;
	p->cap = ncap;
	return 0;
}

/* The pool's copy of `s`, added when new; NULL when out of memory. */
static const char *
pool_intern(struct pool *p, const char *s)
{
	size_t h;

	if ((p->n + 1) * 2 > p->cap && pool_grow(p) != 0)
		return NULL;
	h = (size_t)hash_str(s) & (p->cap - 1);
	while (p->slot[h] != NULL) {
		if (strcmp(p->slot[h], s) == 0)
			return p->slot[h];
		h = (h + 1) & (p->cap - 1);
	}
	if ((p->slot[h] = strdup(s)) == NULL)
		return NULL;
	p->n++;
	return p->slot[h];
}

static void
pool_free(struct pool *p)
{
	size_t i;

	for (i = 0; i < p->cap; i++)
		free(p->slot[i]);
	free(p->slot);
	memset(p, 0, sizeof(*p));
}

/* ---- tables ------------------------------------------------------------------------ */

struct kanon_table {
	size_t		  ncols;
	size_t		  nrows;
	size_t		  cap;		/* rows allocated */
	const char	**cell;		/* nrows * ncols, row-major, in pool */
	size_t		 *origin;	/* per row */
	size_t		  added;	/* rows ever added */
	struct pool	  pool;
};

struct kanon_table *
kanon_table_new(size_t ncols)
{
	struct kanon_table *t;

	if (ncols == 0 || ncols > SIZE_MAX / sizeof(char *) / 64)
		return NULL;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->ncols = ncols;
	return t;
}

void
kanon_table_free(struct kanon_table *t)
{
	if (t == NULL)
		return;
	pool_free(&t->pool);
	free(t->cell);
	free(t->origin);
	free(t);
}

int
kanon_table_add_row(struct kanon_table *t, const char *const *values)
{
	const char **row;
	size_t c;

	if (t->nrows == t->cap) {
		size_t ncap = t->cap ? t->cap * 2 : 64;
		const char **nc;
		size_t *no;

		if (ncap < t->cap || ncap > SIZE_MAX / t->ncols / sizeof(*nc) ||
		    ncap > SIZE_MAX / sizeof(*no))
			return RC_ENOMEM;
		if ((nc = realloc(t->cell, ncap * t->ncols * sizeof(*nc))) == NULL)
			return RC_ENOMEM;
		t->cell = nc;
		if ((no = realloc(t->origin, ncap * sizeof(*no))) == NULL)
			return RC_ENOMEM;
		t->origin = no;
		t->cap = ncap;
	}
	row = t->cell + t->nrows * t->ncols;
	for (c = 0; c < t->ncols; c++) {
		const char *v = values[c] != NULL ? values[c] : "";

		if ((row[c] = pool_intern(&t->pool, v)) == NULL)
			return RC_ENOMEM;
	}
	t->origin[t->nrows++] = t->added++;
	return RC_OK;
}

size_t
kanon_table_rows(const struct kanon_table *t)
{
	return t->nrows;
}

size_t
kanon_table_cols(const struct kanon_table *t)
{
	return t->ncols;
}

const char *
kanon_table_cell(const struct kanon_table *t, size_t row, size_t col)
{
	if (row >= t->nrows || col >= t->ncols)
		return NULL;
	return t->cell[row * t->ncols + col];
}

size_t
kanon_table_origin(const struct kanon_table *t, size_t row)
{
	return row < t->nrows ? t->origin[row] : SIZE_MAX;
}

/* ---- hierarchies ------------------------------------------------------------------- */

static const unsigned hierarchy_levels[KANON_H__MAX] = {
	[KANON_H_GENERIC] = 2,
	[KANON_H_AGE] = 4,
	[KANON_H_YEAR] = 3,
	[KANON_H_COUNTRY] = 4,
};

/* CTDC's ageBroad bands, with their upper bounds. */
static const struct band {
	const char	*label;
	int		 max;
} age_bands[] = {
	{ "0--8", 8 }, { "9--17", 17 }, { "18--20", 20 }, { "21--23", 23 },
	{ "24--26", 26 }, { "27--29", 29 }, { "30--38", 38 }, { "39--47", 47 },
	{ "48+", 1000 },
};
#define NBANDS	(sizeof(age_bands) / sizeof(age_bands[0]))
#define AGE_MAX	150
#define MINOR	"Minor"
#define ADULT	"Adult"

/*
 * UN M49 (Standard country or area codes for statistical use): sub-regions, and for
 * Sub-Saharan Africa and Latin America and the Caribbean the intermediate regions,
 * which follow the migration routes more closely. Taiwan is placed in Eastern Asia.
 */
static const struct m49 {
	const char	*subregion;
	const char	*region;
	const char	*codes;		/* ISO 3166-1 alpha-2, space-separated */
} m49[] = {
	{ "Eastern Africa", "Africa", "BI KM DJ ER ET KE MG MW MU YT MZ RE RW SC SO SS TZ "
	    "UG ZM ZW IO TF" },
	{ "Middle Africa", "Africa", "AO CM CF TD CG CD GQ GA ST" },
	{ "Northern Africa", "Africa", "DZ EG LY MA SD TN EH" },
	{ "Southern Africa", "Africa", "BW SZ LS NA ZA" },
	{ "Western Africa", "Africa", "BJ BF CV CI GM GH GN GW LR ML MR NE NG SH SN SL TG" },
	{ "Caribbean", "Americas", "AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS "
	    "PR BL KN LC MF VC SX TT TC VI" },
	{ "Central America", "Americas", "BZ CR SV GT HN MX NI PA" },
	{ "South America", "Americas", "AR BO BV BR CL CO EC FK GF GY PY PE GS SR UY VE" },
	{ "Northern America", "Americas", "BM CA GL PM US" },
	{ "Central Asia", "Asia", "KZ KG TJ TM UZ" },
	{ "Eastern Asia", "Asia", "CN HK MO KP JP MN KR TW" },
	{ "South-eastern Asia", "Asia", "BN KH ID LA MY MM PH SG TH TL VN" },
	{ "Southern Asia", "Asia", "AF BD BT IN IR MV NP PK LK" },
	{ "Western Asia", "Asia", "AM AZ BH CY GE IQ IL JO KW LB OM QA SA PS SY TR AE YE" },
	{ "Eastern Europe", "Europe", "BY BG CZ HU PL MD RO RU SK UA" },
	{ "Northern Europe", "Europe", "AX DK EE FO FI GG IS IE IM JE LV LT NO SJ SE GB" },
	{ "Southern Europe", "Europe", "AL AD BA HR GI GR VA IT MT ME MK PT SM RS SI ES" },
	{ "Western Europe", "Europe", "AT BE FR DE LI LU MC NL CH" },
	{ "Australia and New Zealand", "Oceania", "AU CX CC HM NZ NF" },
	{ "Melanesia", "Oceania", "FJ NC PG SB VU" },
	{ "Micronesia", "Oceania", "GU KI MH FM NR MP PW UM" },
	{ "Polynesia", "Oceania", "AS CK PF NU PN WS TK TO TV WF" },
	{ "Antarctica", "Antarctica", "AQ" },
};
#define NM49	(sizeof(m49) / sizeof(m49[0]))

unsigned
kanon_hierarchy_levels(enum kanon_hierarchy h)
{
	return (unsigned)h < KANON_H__MAX ? hierarchy_levels[h] : 0;
}

const char *
kanon_age_band(int age)
{
	size_t i;

	if (age < 0)
		return NULL;
	for (i = 0; i < NBANDS - 1; i++)
		if (age <= age_bands[i].max)
			return age_bands[i].label;
	return age_bands[NBANDS - 1].label;
}

static const struct m49 *
m49_of(const char *code)
{
	const char *p;
	size_t i;

	if (code == NULL || strlen(code) != 2 || code[0] < 'A' || code[0] > 'Z' ||
	    code[1] < 'A' || code[1] > 'Z')
		return NULL;
	for (i = 0; i < NM49; i++)
		for (p = m49[i].codes; *p != '\0'; p += p[2] == ' ' ? 3 : 2)
			if (p[0] == code[0] && p[1] == code[1])
				return &m49[i];
	return NULL;
}

const char *
kanon_country_subregion(const char *code)
{
	const struct m49 *e = m49_of(code);

	return e != NULL ? e->subregion : NULL;
}

const char *
kanon_country_region(const char *code)
{
	const struct m49 *e = m49_of(code);

	return e != NULL ? e->region : NULL;
}

static int
is_missing(const char *v)
{
	return v[0] == '\0' || strcmp(v, KANON_MISSING) == 0;
}

/* Parse 1 to 3 decimal digits up to AGE_MAX. */
static int
parse_age(const char *v, int *age)
{
	size_t i, n = strlen(v);
	int a = 0;

	if (n == 0 || n > 3)
		return -1;
	for (i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		a = a * 10 + (v[i] - '0');
	}
	if (a > AGE_MAX)
		return -1;
	*age = a;
	return 0;
}

static const char *
generalise_age(unsigned level, const char *v)
{
	size_t i;
	int age;

	if (parse_age(v, &age) == 0)
		return level == 1 ? kanon_age_band(age) : age < 18 ? MINOR : ADULT;
	for (i = 0; i < NBANDS; i++)
		if (strcmp(v, age_bands[i].label) == 0)
			return level == 1 ? v : age_bands[i].max < 18 ? MINOR : ADULT;
	if (strcmp(v, MINOR) == 0 || strcmp(v, ADULT) == 0)
		return v;
	return KANON_SUPPRESSED;
}

static int
is_year(const char *v)
{
	return strlen(v) == 4 && v[0] >= '1' && v[0] <= '9' && v[1] >= '0' && v[1] <= '9' &&
	    v[2] >= '0' && v[2] <= '9' && v[3] >= '0' && v[3] <= '9';
}

static const char *
generalise_year(const char *v, char *tmp, size_t tmpsz)
{
	int y, from;

	if (strlen(v) == 9 && v[4] == '-') {
		char a[5], b[5];

		memcpy(a, v, 4);
		a[4] = '\0';
		memcpy(b, v + 5, 4);
		b[4] = '\0';
		if (is_year(a) && is_year(b))
			return v;		/* already a range */
		return KANON_SUPPRESSED;
	}
	if (!is_year(v) || tmpsz < 16)
		return KANON_SUPPRESSED;
	y = atoi(v);
	from = y - y % 5;
	snprintf(tmp, tmpsz, "%04d-%04d", from, from + 4);
	return tmp;
}

static const char *
generalise_country(unsigned level, const char *v)
{
	const struct m49 *e = m49_of(v);
	size_t i;

	if (e != NULL)
		return level == 1 ? e->subregion : e->region;
	for (i = 0; i < NM49; i++) {
		if (strcmp(v, m49[i].subregion) == 0)
			return level == 1 ? v : m49[i].region;
		if (strcmp(v, m49[i].region) == 0)
			return v;
	}
	return KANON_SUPPRESSED;
}

const char *
kanon_generalise(enum kanon_hierarchy h, unsigned level, const char *v, char *tmp,
    size_t tmpsz)
{
	if ((unsigned)h >= KANON_H__MAX || level + 1 >= hierarchy_levels[h])
		return KANON_SUPPRESSED;
	if (level == 0 || is_missing(v))
		return v;
	switch (h) {
	case KANON_H_AGE:
		return generalise_age(level, v);
	case KANON_H_YEAR:
		return generalise_year(v, tmp, tmpsz);
	case KANON_H_COUNTRY:
		return generalise_country(level, v);
	default:
		return KANON_SUPPRESSED;
	}
}

/* ---- classes ----------------------------------------------------------------------- */

struct group {
	size_t	rep;		/* a row with this combination, or EMPTY */
	size_t	count;
};

static uint64_t
hash_tuple(const char *const *tup, size_t m)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL;
	size_t q;

	for (q = 0; q < m; q++) {
		h ^= (uint64_t)(uintptr_t)tup[q];
		h *= 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	return h;
}

/*
 * For each row r of `n` (its m values at tup + r*m) that is active (all rows when
 * `active` is NULL), size[r] = how many active rows have the same values; inactive
 * rows get 0. RC_OK or RC_ENOMEM.
 */
static int
group_sizes(const char *const *tup, size_t n, size_t m, const unsigned char *active,
    size_t *size)
{
	struct group *g = NULL;
	size_t *slot_of = NULL, cap = 16, mask, r, h;
	int rc = RC_ENOMEM;

	while (cap < 2 * n) {
		if (cap > SIZE_MAX / 2 / sizeof(*g))
			return RC_ENOMEM;
		cap *= 2;
	}
	mask = cap - 1;
	if ((g = malloc(cap * sizeof(*g))) == NULL ||
	    (n > 0 && (slot_of = malloc(n * sizeof(*slot_of))) == NULL))
		goto out;
	for (h = 0; h < cap; h++) {
		g[h].rep = EMPTY;
		g[h].count = 0;
	}
	for (r = 0; r < n; r++) {
		const char *const *row = tup + r * m;

		if (active != NULL && !active[r])
			continue;
		h = (size_t)hash_tuple(row, m) & mask;
		while (g[h].rep != EMPTY &&
		    memcmp(tup + g[h].rep * m, row, m * sizeof(*row)) != 0)
			h = (h + 1) & mask;
		if (g[h].rep == EMPTY)
			g[h].rep = r;
		g[h].count++;
		slot_of[r] = h;
	}
	for (r = 0; r < n; r++)
		size[r] = active == NULL || active[r] ? g[slot_of[r]].count : 0;
	rc = RC_OK;
out:
	free(g);
	free(slot_of);
	return rc;
}

int
kanon_check(const struct kanon_table *t, const size_t *cols, size_t ncols,
    size_t *smallest)
{
	const char **tup = NULL;
	size_t *size = NULL, r, c, best = 0;
	int rc = RC_ENOMEM;

	*smallest = 0;
	for (c = 0; c < ncols; c++)
		if (cols[c] >= t->ncols)
			return RC_EINVALID;
	if (t->nrows == 0)
		return RC_OK;
	if (ncols > 0 && t->nrows > SIZE_MAX / ncols / sizeof(*tup))
		return RC_ENOMEM;
	if ((tup = malloc((ncols > 0 ? t->nrows * ncols : 1) * sizeof(*tup))) == NULL ||
	    (size = malloc(t->nrows * sizeof(*size))) == NULL)
		goto out;
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < ncols; c++)
			tup[r * ncols + c] = t->cell[r * t->ncols + cols[c]];
	if ((rc = group_sizes(tup, t->nrows, ncols, NULL, size)) != RC_OK)
		goto out;
	best = size[0];
	for (r = 1; r < t->nrows; r++)
		if (size[r] < best)
			best = size[r];
	*smallest = best;
out:
	free(tup);
	free(size);
	return rc;
}

/* ---- k-anonymity --------------------------------------------------------------------- */

struct work {
	size_t		  n;		/* rows */
	size_t		  m;		/* QIs */
	size_t		  k;
	size_t		  budget;
	const char	**gv;		/* [(q * LEVELS_MAX + level) * n + r] */
	unsigned	  lo[KANON_QI_MAX];	/* min_level */
	unsigned	  hi[KANON_QI_MAX];	/* top level ("*") */
	unsigned	  cost[KANON_QI_MAX];	/* loss of one level: weight * LOSS_SCALE / hi */
	const char	**tup;		/* n * m scratch */
	size_t		 *size;		/* n scratch */
	size_t		  nodes;
	unsigned	  best[KANON_QI_MAX];
	size_t		  best_small;
	int		  found;
};

/* A node of the generalisation lattice: one level per QI, and its loss. */
struct node {
	unsigned long	loss;
	unsigned char	lv[KANON_QI_MAX];
};

#define GV(w, q, l, r)	((w)->gv[((q) * LEVELS_MAX + (l)) * (w)->n + (r)])
#define LOSS_SCALE	6	/* lcm of the hierarchies' top levels (1, 2, 3) */
#define LATTICE_MAX	200000	/* nodes listed for the ordered search */

/* Rows left in classes smaller than k under level vector `lv`. */
static int
evaluate(struct work *w, const unsigned *lv, size_t *small)
{
	size_t r, q, s = 0;
	int rc;

	for (r = 0; r < w->n; r++)
		for (q = 0; q < w->m; q++)
			w->tup[r * w->m + q] = GV(w, q, lv[q], r);
	if ((rc = group_sizes(w->tup, w->n, w->m, NULL, w->size)) != RC_OK)
		return rc;
	for (r = 0; r < w->n; r++)
		if (w->size[r] < w->k)
			s++;
	w->nodes++;
	*small = s;
	return RC_OK;
}

static int
cmp_node(const void *a, const void *b)
{
	const struct node *x = a, *y = b;

	if (x->loss != y->loss)
		return x->loss < y->loss ? -1 : 1;
	return memcmp(x->lv, y->lv, sizeof(x->lv));
}

/*
 * List every node (when there are at most LATTICE_MAX), order them by loss and then
 * lexicographically (earlier QIs finer first), and evaluate them in that order until
 * the loss exceeds that of the first node meeting the budget; among nodes of that
 * loss keep the one leaving the fewest rows in small classes. Gives up after
 * KANON_NODES_MAX evaluations; w->found says whether a node was taken.
 */
static int
search_ordered(struct work *w)
{
	struct node *nodes = NULL;
	unsigned lv[KANON_QI_MAX] = { 0 };
	size_t total = 1, i, q, small;
	unsigned long best_loss = 0;
	int rc = RC_OK;

	for (q = 0; q < w->m; q++) {
		size_t span = w->hi[q] - w->lo[q] + 1;

		if (total > LATTICE_MAX / span)
			return RC_OK;		/* too many to list: the greedy climb */
		total *= span;
	}
	if ((nodes = calloc(total, sizeof(*nodes))) == NULL)
		return RC_ENOMEM;
	for (i = 0; i < total; i++) {
		size_t rest = i;

		for (q = w->m; q > 0; q--) {
			size_t span = w->hi[q - 1] - w->lo[q - 1] + 1;
			unsigned level = w->lo[q - 1] + (unsigned)(rest % span);

			rest /= span;
			nodes[i].lv[q - 1] = (unsigned char)level;
			nodes[i].loss += (unsigned long)w->cost[q - 1] * level;
		}
	}
	qsort(nodes, total, sizeof(*nodes), cmp_node);
	for (i = 0; i < total; i++) {
		if (w->found && nodes[i].loss > best_loss)
			break;		/* every later node loses more */
		if (w->nodes >= KANON_NODES_MAX)
			break;
		for (q = 0; q < w->m; q++)
			lv[q] = nodes[i].lv[q];
		if ((rc = evaluate(w, lv, &small)) != RC_OK)
			break;
		if (small <= w->budget && (!w->found || small < w->best_small)) {
			w->found = 1;
			w->best_small = small;
			best_loss = nodes[i].loss;
			memcpy(w->best, lv, sizeof(lv));
		}
	}
	free(nodes);
	return rc;
}

/* From the bottom, raise one QI at a time — the one that leaves the fewest rows in
 * small classes, then the cheapest, then the later one — until the budget is met or
 * all is "*". */
static int
climb_greedy(struct work *w)
{
	unsigned lv[KANON_QI_MAX] = { 0 }, pick_lv[KANON_QI_MAX] = { 0 };
	size_t small, best, q;
	unsigned best_cost = 0;
	int rc, picked;

	for (q = 0; q < w->m; q++)
		lv[q] = w->lo[q];
	if ((rc = evaluate(w, lv, &small)) != RC_OK)
		return rc;
	while (small > w->budget) {
		picked = 0;
		best = SIZE_MAX;
		for (q = 0; q < w->m; q++) {
			size_t s;

			if (lv[q] >= w->hi[q])
				continue;
			lv[q]++;
			rc = evaluate(w, lv, &s);
			lv[q]--;
			if (rc != RC_OK)
				return rc;
			if (s < best || (s == best && w->cost[q] <= best_cost)) {
				best = s;
				best_cost = w->cost[q];
				memcpy(pick_lv, lv, sizeof(lv));
				pick_lv[q]++;
				picked = 1;
			}
		}
		if (!picked)
			break;		/* everything is "*": fewer than k rows */
		memcpy(lv, pick_lv, sizeof(lv));
		small = best;
	}
	memcpy(w->best, lv, sizeof(lv));
	w->found = 1;
	w->best_small = small;
	return RC_OK;
}

static int
check_spec(const struct kanon_table *t, const struct kanon_spec *spec, size_t k,
    double max_suppress)
{
	size_t i, j;

	if (spec == NULL || spec->nqi == 0 || spec->nqi > KANON_QI_MAX || k == 0 ||
	    !(max_suppress >= 0.0 && max_suppress <= 1.0))
		return RC_EINVALID;
	for (i = 0; i < spec->nqi; i++) {
		const struct kanon_qi *qi = &spec->qi[i];

		if (qi->col >= t->ncols || (unsigned)qi->hierarchy >= KANON_H__MAX ||
		    qi->min_level + 1 >= hierarchy_levels[qi->hierarchy] ||
		    qi->weight > 1000)
			return RC_EINVALID;
		for (j = 0; j < i; j++)
			if (spec->qi[j].col == qi->col)
				return RC_EINVALID;
	}
	return RC_OK;
}

static int
cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t)*(const char *const *)a;
	uintptr_t y = (uintptr_t)*(const char *const *)b;

	return x < y ? -1 : x > y;
}

/* The QIs local suppression may star (those not already "*" everywhere) into `order`,
 * most distinct values among the kept rows first, and their number into *norder. */
static int
order_for_suppression(struct work *w, const unsigned char *keep, size_t *order,
    size_t *norder)
{
	size_t distinct[KANON_QI_MAX], q, r, i, cnt;
	const char **col;

	*norder = 0;
	if ((col = malloc((w->n > 0 ? w->n : 1) * sizeof(*col))) == NULL)
		return RC_ENOMEM;
	for (q = 0; q < w->m; q++) {
		if (w->best[q] >= w->hi[q])
			continue;		/* already "*" everywhere */
		for (r = cnt = 0; r < w->n; r++)
			if (keep[r])
				col[cnt++] = w->tup[r * w->m + q];
		qsort(col, cnt, sizeof(*col), cmp_ptr);
		distinct[q] = 0;
		for (r = 0; r < cnt; r++)
			if (r == 0 || col[r] != col[r - 1])
				distinct[q]++;
		/* insertion sort: distinct descending, QI index ascending */
		for (i = *norder; i > 0 && distinct[order[i - 1]] < distinct[q]; i--)
			order[i] = order[i - 1];
		order[i] = q;
		(*norder)++;
	}
	free(col);
	return RC_OK;
}

/*
 * Star the QIs in `set` (nset of them) for every kept row in a class smaller than k,
 * where the starred combination is then shared by at least k kept rows. `tent` is
 * n * m scratch. Sets *done when no kept row is in a small class.
 */
static int
suppress_step(struct work *w, const unsigned char *keep, const size_t *set, size_t nset,
    const char *star, const char **tent, size_t *tsize, int *done)
{
	size_t r, i, cand = 0;
	int rc;

	if ((rc = group_sizes(w->tup, w->n, w->m, keep, w->size)) != RC_OK)
		return rc;
	memcpy(tent, w->tup, w->n * w->m * sizeof(*tent));
	for (r = 0; r < w->n; r++) {
		if (!keep[r] || w->size[r] >= w->k)
			continue;
		cand++;
		for (i = 0; i < nset; i++)
			tent[r * w->m + set[i]] = star;
	}
	*done = cand == 0;
	if (cand == 0)
		return RC_OK;
	if ((rc = group_sizes(tent, w->n, w->m, keep, tsize)) != RC_OK)
		return rc;
	for (r = 0; r < w->n; r++)
		if (keep[r] && w->size[r] < w->k && tsize[r] >= w->k)
			memcpy(w->tup + r * w->m, tent + r * w->m, w->m * sizeof(*tent));
	return RC_OK;
}

static int
suppress_locally(struct work *w, unsigned char *keep, const char *star)
{
	size_t order[KANON_QI_MAX], norder, set[KANON_QI_MAX], i, r, *tsize = NULL;
	const char **tent = NULL;
	int rc, done = 0;

	if ((rc = order_for_suppression(w, keep, order, &norder)) != RC_OK)
		return rc;
	rc = RC_ENOMEM;
	if ((tent = malloc(w->n * w->m * sizeof(*tent))) == NULL ||
	    (tsize = malloc(w->n * sizeof(*tsize))) == NULL)
		goto out;
	/* one QI at a time, then the growing prefixes of the order */
	for (i = 0; i < norder && !done; i++) {
		set[0] = order[i];
		if ((rc = suppress_step(w, keep, set, 1, star, tent, tsize, &done)) != RC_OK)
			goto out;
	}
	for (i = 2; i <= norder && !done; i++) {
		memcpy(set, order, i * sizeof(*set));
		if ((rc = suppress_step(w, keep, set, i, star, tent, tsize, &done)) != RC_OK)
			goto out;
	}
	/* whoever is still in a small class goes */
	if ((rc = group_sizes(w->tup, w->n, w->m, keep, w->size)) != RC_OK)
		goto out;
	for (r = 0; r < w->n; r++)
		if (keep[r] && w->size[r] < w->k)
			keep[r] = 0;
	rc = RC_OK;
out:
	free(tent);
	free(tsize);
	return rc;
}

/* Fill the generalised values of every QI at every level. */
static int
precompute(struct work *w, struct kanon_table *t, const struct kanon_spec *spec)
{
	char tmp[32];
	size_t q, r;
	unsigned l;

	for (q = 0; q < w->m; q++) {
		const struct kanon_qi *qi = &spec->qi[q];

		for (l = 0; l <= w->hi[q]; l++)
			for (r = 0; r < w->n; r++) {
				const char *v = t->cell[r * t->ncols + qi->col];
				const char *g = kanon_generalise(qi->hierarchy, l, v, tmp,
				    sizeof(tmp));

				if ((GV(w, q, l, r) = g == v ? v :
				    pool_intern(&t->pool, g)) == NULL)
					return RC_ENOMEM;
			}
	}
	return RC_OK;
}

static void
commit(struct work *w, struct kanon_table *t, const struct kanon_spec *spec,
    const unsigned char *keep, struct kanon_report *rep)
{
	size_t r, q, out = 0;

	for (r = 0; r < w->n; r++) {
		if (!keep[r])
			continue;
		for (q = 0; q < w->m; q++) {
			const char *orig = GV(w, q, 0, r), *glob = GV(w, q, w->best[q], r);
			const char *fin = w->tup[r * w->m + q];

			if (glob != orig)
				rep->qi[q].generalised++;
			if (fin != glob)
				rep->qi[q].suppressed++;
			t->cell[r * t->ncols + spec->qi[q].col] = fin;
		}
		if (out != r) {
			memmove(t->cell + out * t->ncols, t->cell + r * t->ncols,
			    t->ncols * sizeof(*t->cell));
			t->origin[out] = t->origin[r];
		}
		out++;
	}
	t->nrows = out;
}

int
kanon_apply(struct kanon_table *t, const struct kanon_spec *spec, size_t k,
    double max_suppress, struct kanon_report *rep_out)
{
	struct kanon_report rep;
	struct work w;
	unsigned char *keep = NULL;
	const char *star;
	size_t q, r, cells;
	int rc;

	memset(&rep, 0, sizeof(rep));
	memset(&w, 0, sizeof(w));
	if ((rc = check_spec(t, spec, k, max_suppress)) != RC_OK)
		return rc;
	rep.nqi = spec->nqi;
	rep.rows_in = t->nrows;
	w.n = t->nrows;
	w.m = spec->nqi;
	w.k = k;
	w.budget = (size_t)(max_suppress * (double)t->nrows);
	if (w.budget > t->nrows)
		w.budget = t->nrows;
	rep.budget = w.budget;
	if (t->nrows == 0)
		goto done;
	for (q = 0; q < w.m; q++) {
		w.lo[q] = spec->qi[q].min_level;
		w.hi[q] = hierarchy_levels[spec->qi[q].hierarchy] - 1;
		w.cost[q] = (spec->qi[q].weight ? spec->qi[q].weight : 1) *
		    (LOSS_SCALE / w.hi[q]);
	}

	rc = RC_ENOMEM;
	cells = (size_t)LEVELS_MAX * w.m;
	if (w.n > SIZE_MAX / cells / sizeof(*w.gv))
		goto out;
	if ((w.gv = malloc(w.n * cells * sizeof(*w.gv))) == NULL ||
	    (w.tup = malloc(w.n * w.m * sizeof(*w.tup))) == NULL ||
	    (w.size = malloc(w.n * sizeof(*w.size))) == NULL ||
	    (keep = malloc(w.n)) == NULL ||
	    (star = pool_intern(&t->pool, KANON_SUPPRESSED)) == NULL)
		goto out;
	if ((rc = precompute(&w, t, spec)) != RC_OK)
		goto out;

	/* 1. global recoding */
	if (w.n < k) {
		memcpy(w.best, w.hi, sizeof(w.best));	/* nothing can be kept */
		w.found = 1;
	} else {
		if ((rc = search_ordered(&w)) != RC_OK)
			goto out;
		if (!w.found) {
			rep.greedy = 1;
			if ((rc = climb_greedy(&w)) != RC_OK)
				goto out;
		}
	}
	for (q = 0; q < w.m; q++)
		rep.qi[q].level = w.best[q];
	for (r = 0; r < w.n; r++)
		for (q = 0; q < w.m; q++)
			w.tup[r * w.m + q] = GV(&w, q, w.best[q], r);
	memset(keep, 1, w.n);

	/* 2. local suppression, 3. row suppression */
	if ((rc = suppress_locally(&w, keep, star)) != RC_OK)
		goto out;
	if ((rc = group_sizes(w.tup, w.n, w.m, keep, w.size)) != RC_OK)
		goto out;
	for (r = 0; r < w.n; r++)
		if (keep[r] && (rep.smallest_class == 0 || w.size[r] < rep.smallest_class))
			rep.smallest_class = w.size[r];
	commit(&w, t, spec, keep, &rep);	/* cannot fail: t changes only here */
done:
	rep.nodes_evaluated = w.nodes;
	rep.rows_out = t->nrows;
	rep.rows_suppressed = rep.rows_in - rep.rows_out;
	if (rep_out != NULL)
		*rep_out = rep;
	rc = RC_OK;
out:
	free(w.gv);
	free(w.tup);
	free(w.size);
	free(keep);
	return rc;
}

/* ---- small counts -------------------------------------------------------------------- */

/*
 * One line: n cells at base, base + stride, ... and its total (NULL: published, not
 * part of the output). Suppresses until the line is safe; sets *changed.
 */
static void
protect_line(struct kanon_count *base, size_t n, size_t stride, struct kanon_count *total,
    long long threshold, int *changed)
{
	struct kanon_count *c, *pick;
	size_t i, hidden;
	long long sum;
	int need, total_known;

	for (i = 0; i < n; i++) {
		c = base + i * stride;
		if (!c->suppressed && c->value > 0 && c->value < threshold) {
			c->suppressed = c->primary = 1;
			*changed = 1;
		}
	}
	if (total != NULL && !total->suppressed && total->value > 0 &&
	    total->value < threshold) {
		total->suppressed = total->primary = 1;
		*changed = 1;
	}
	for (;;) {
		hidden = 0;
		sum = 0;
		for (i = 0; i < n; i++) {
			c = base + i * stride;
			if (c->suppressed) {
				hidden++;
				sum += c->value;	/* cannot overflow: checked by callers */
			}
		}
		total_known = total == NULL || !total->suppressed;
		need = hidden + (total_known ? 0 : 1) == 1 ||
		    (total_known && sum > 0 && sum < threshold);
		if (!need)
			return;
		pick = NULL;
		for (i = 0; i < n; i++) {
			c = base + i * stride;
			if (!c->suppressed && c->value > 0 &&
			    (pick == NULL || c->value < pick->value))
				pick = c;
		}
		if (pick == NULL) {
			if (total == NULL || total->suppressed || total->value == 0)
				return;
			pick = total;
		}
		pick->suppressed = 1;
		*changed = 1;
	}
}

/* Check a line: counts >= 0, their sum fits, and equals *total when given. */
static int
check_line(const struct kanon_count *base, size_t n, size_t stride,
    const struct kanon_count *total)
{
	long long sum = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		long long v = base[i * stride].value;

		if (v < 0 || v > LLONG_MAX - sum)
			return RC_EINVALID;
		sum += v;
	}
	if (total != NULL && total->value != sum)
		return RC_EINVALID;
	return RC_OK;
}

int
kanon_suppress_counts(struct kanon_count *cells, size_t n, long long threshold,
    struct kanon_count *total)
{
	int changed = 0, rc;

	if ((n > 0 && cells == NULL) || (rc = check_line(cells, n, 1, total)) != RC_OK)
		return RC_EINVALID;
	protect_line(cells, n, 1, total, threshold, &changed);
	return RC_OK;
}

int
kanon_suppress_table(struct kanon_count *cells, size_t nrows, size_t ncols,
    long long threshold, struct kanon_count *row_totals, struct kanon_count *col_totals,
    struct kanon_count *grand)
{
	size_t i;
	int changed;

	if (grand == NULL || (nrows > 0 && row_totals == NULL) ||
	    (ncols > 0 && col_totals == NULL) ||
	    (ncols > 0 && nrows > SIZE_MAX / ncols / sizeof(*cells)) ||
	    (nrows > 0 && ncols > 0 && cells == NULL))
		return RC_EINVALID;
	for (i = 0; i < nrows; i++)
		if (check_line(cells + i * ncols, ncols, 1, &row_totals[i]) != RC_OK)
			return RC_EINVALID;
	for (i = 0; i < ncols; i++)
		if (check_line(cells + i, nrows, ncols, &col_totals[i]) != RC_OK)
			return RC_EINVALID;
	if (check_line(row_totals, nrows, 1, grand) != RC_OK ||
	    check_line(col_totals, ncols, 1, grand) != RC_OK)
		return RC_EINVALID;
	/* every pass only adds suppressions, so this ends */
	do {
		changed = 0;
		for (i = 0; i < nrows; i++)
			protect_line(cells + i * ncols, ncols, 1, &row_totals[i], threshold,
			    &changed);
		for (i = 0; i < ncols; i++)
			protect_line(cells + i, nrows, ncols, &col_totals[i], threshold,
			    &changed);
		protect_line(row_totals, nrows, 1, grand, threshold, &changed);
		protect_line(col_totals, ncols, 1, grand, threshold, &changed);
	} while (changed);
	return RC_OK;
}
