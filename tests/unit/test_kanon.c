/* test_kanon.c — k-anonymity of record exports and small-count suppression. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/embed.h"
#include "base/err.h"
#include "domain/kanon.h"

/* Columns of the fictional VoT export used below. */
enum { C_ID, C_YEAR, C_SEX, C_AGE, C_CITIZENSHIP, C_EXPLOITED_IN, C_TYPE, C_NOTE, NCOLS };

/* ---- fictional data -------------------------------------------------------------- */

static uint64_t
next_random(uint64_t *s)	/* xorshift64*: fixed seed, same data every run */
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

/* Pick from `n` choices with integer weights. */
static const char *
pick(uint64_t *s, const char *const *choices, const unsigned *weights, size_t n)
{
	unsigned total = 0, r;
	size_t i;

	for (i = 0; i < n; i++)
		total += weights[i];
	r = (unsigned)(next_random(s) % total);
	for (i = 0; i < n; i++) {
		if (r < weights[i])
			return choices[i];
		r -= weights[i];
	}
	return choices[n - 1];
}

#define PICK(s, c, w)	pick((s), (c), (w), sizeof(c) / sizeof((c)[0]))

static struct kanon_table *
generate(size_t n, uint64_t seed)
{
	static const char *const sexes[] = { "female", "male", "unknown" };
	static const unsigned sex_w[] = { 55, 43, 2 };
	static const char *const countries[] = { "ER", "ET", "SO", "SD", "SS", "NG", "GN",
	    "ML", "CI", "GM", "SY", "AF", "BD", "GT", "HN", "-99", "VN", "TD" };
	static const unsigned country_w[] = { 20, 15, 10, 10, 5, 8, 6, 5, 4, 3, 3, 3, 2, 2, 2,
	    3, 1, 1 };
	static const char *const exploited_in[] = { "LY", "TN", "EG", "SD", "IT", "NE", "ML",
	    "MX", "US", "-99", "SA", "MA" };
	static const unsigned exploited_w[] = { 30, 8, 8, 10, 6, 8, 5, 4, 3, 10, 3, 2 };
	static const char *const types[] = { "isForcedLabour", "isSexualExploit",
	    "isForcedMarriage", "isForcedMilitary", "forcedCriminalActivity", "forcedBegging",
	    "isOtherExploit" };
	static const unsigned type_w[] = { 40, 30, 8, 3, 7, 10, 2 };
	struct kanon_table *t = kanon_table_new(NCOLS);
	uint64_t s = seed;
	size_t i;

	assert_non_null(t);
	for (i = 0; i < n; i++) {
		char id[32], year[8], age[8];
		const char *row[NCOLS];
		unsigned a = (unsigned)(next_random(&s) % 100);

		snprintf(id, sizeof(id), "vot-%06zu", i);
		snprintf(year, sizeof(year), "%u", 2015 + (unsigned)(next_random(&s) % 10));
		/* mostly children, some young adults, a few older, some missing */
		if (a < 5)
			snprintf(age, sizeof(age), "-99");
		else if (a < 70)
			snprintf(age, sizeof(age), "%u", 6 + (unsigned)(next_random(&s) % 12));
		else if (a < 95)
			snprintf(age, sizeof(age), "%u", 18 + (unsigned)(next_random(&s) % 12));
		else
			snprintf(age, sizeof(age), "%u", 30 + (unsigned)(next_random(&s) % 35));
		row[C_ID] = id;
		row[C_YEAR] = year;
		row[C_SEX] = PICK(&s, sexes, sex_w);
		row[C_AGE] = age;
		row[C_CITIZENSHIP] = PICK(&s, countries, country_w);
		row[C_EXPLOITED_IN] = PICK(&s, exploited_in, exploited_w);
		row[C_TYPE] = PICK(&s, types, type_w);
		row[C_NOTE] = i % 7 == 0 ? "=1+1" : "fictional";
		assert_int_equal(kanon_table_add_row(t, row), RC_OK);
	}
	return t;
}

static const struct kanon_spec ctdc_spec = {
	6, {
		{ C_YEAR, KANON_H_YEAR, 0, 0 },
		{ C_SEX, KANON_H_GENERIC, 0, 0 },
		{ C_AGE, KANON_H_AGE, 1, 0 },
		{ C_CITIZENSHIP, KANON_H_COUNTRY, 0, 0 },
		{ C_EXPLOITED_IN, KANON_H_COUNTRY, 0, 0 },
		{ C_TYPE, KANON_H_GENERIC, 0, 0 },
	}
};

static const size_t ctdc_cols[] = { C_YEAR, C_SEX, C_AGE, C_CITIZENSHIP, C_EXPLOITED_IN,
	C_TYPE };

/* Copy of a table, to compare before and after. */
static char ***
snapshot(const struct kanon_table *t)
{
	size_t r, c, n = kanon_table_rows(t);
	char ***rows = calloc(n + 1, sizeof(*rows));

	assert_non_null(rows);
	for (r = 0; r < n; r++) {
		rows[r] = calloc(NCOLS, sizeof(**rows));
		assert_non_null(rows[r]);
		for (c = 0; c < kanon_table_cols(t); c++)
			rows[r][c] = strdup(kanon_table_cell(t, r, c));
	}
	return rows;
}

static void
snapshot_free(char ***rows)
{
	size_t r, c;

	for (r = 0; rows[r] != NULL; r++) {
		for (c = 0; c < NCOLS; c++)
			free(rows[r][c]);
		free(rows[r]);
	}
	free(rows);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The smallest class of `t` on `cols`, counted independently of kanon.c: join each
 * row's values into one string, sort, measure the runs. 0 for an empty table. */
static size_t
recount_smallest(const struct kanon_table *t, const size_t *cols, size_t ncols)
{
	size_t n = kanon_table_rows(t), r, c, run = 1, smallest = 0;
	char **keys = calloc(n + 1, sizeof(*keys));

	assert_non_null(keys);
	for (r = 0; r < n; r++) {
		size_t len = 1;

		for (c = 0; c < ncols; c++)
			len += strlen(kanon_table_cell(t, r, cols[c])) + 1;
		keys[r] = calloc(1, len);
		assert_non_null(keys[r]);
		for (c = 0; c < ncols; c++) {
			strcat(keys[r], kanon_table_cell(t, r, cols[c]));
			strcat(keys[r], "\x1f");
		}
	}
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (r = 1; r <= n; r++) {
		if (r < n && strcmp(keys[r], keys[r - 1]) == 0) {
			run++;
			continue;
		}
		if (smallest == 0 || run < smallest)
			smallest = run;
		run = 1;
	}
	for (r = 0; r < n; r++)
		free(keys[r]);
	free(keys);
	return n == 0 ? 0 : smallest;
}

/*
 * Check everything kanon_apply promises about `t` (after) given `before` and `rep`:
 * k-anonymity recounted, the report recounted from the cells, non-QI columns intact,
 * every QI cell the original generalised to the reported level or "*", no exact age,
 * and no more rows removed than the budget.
 */
static void
check_result(const struct kanon_table *t, char ***before, size_t nbefore,
    const struct kanon_spec *spec, size_t k, const struct kanon_report *rep)
{
	size_t gen[KANON_QI_MAX] = { 0 }, sup[KANON_QI_MAX] = { 0 }, r, q, smallest, prev;
	size_t cols[KANON_QI_MAX];
	char tmp[32];

	for (q = 0; q < spec->nqi; q++)
		cols[q] = spec->qi[q].col;
	assert_int_equal(kanon_check(t, cols, spec->nqi, &smallest), RC_OK);
	assert_int_equal(smallest, recount_smallest(t, cols, spec->nqi));
	if (kanon_table_rows(t) > 0)
		assert_true(smallest >= k);
	assert_int_equal(smallest, rep->smallest_class);
	assert_int_equal(rep->rows_in, nbefore);
	assert_int_equal(rep->rows_out, kanon_table_rows(t));
	assert_int_equal(rep->rows_in, rep->rows_out + rep->rows_suppressed);
	assert_true(rep->rows_suppressed <= rep->budget);
	assert_int_equal(rep->nqi, spec->nqi);
	prev = 0;
	for (r = 0; r < kanon_table_rows(t); r++) {
		size_t o = kanon_table_origin(t, r), c;

		assert_true(o < nbefore);
		if (r > 0)
			assert_true(o > prev);		/* order kept */
		prev = o;
		for (c = 0; c < NCOLS; c++) {
			int is_qi = 0;

			for (q = 0; q < spec->nqi; q++)
				is_qi |= spec->qi[q].col == c;
			if (!is_qi)
				assert_string_equal(kanon_table_cell(t, r, c), before[o][c]);
		}
		for (q = 0; q < spec->nqi; q++) {
			const struct kanon_qi *qi = &spec->qi[q];
			const char *orig = before[o][qi->col];
			const char *now = kanon_table_cell(t, r, qi->col);
			const char *glob = kanon_generalise(qi->hierarchy, rep->qi[q].level,
			    orig, tmp, sizeof(tmp));

			assert_true(rep->qi[q].level >= qi->min_level);
			if (strcmp(now, glob) == 0) {
				if (strcmp(glob, orig) != 0)
					gen[q]++;
			} else {
				assert_string_equal(now, KANON_SUPPRESSED);
				sup[q]++;
				if (strcmp(glob, orig) != 0)
					gen[q]++;
			}
		}
	}
	for (q = 0; q < spec->nqi; q++) {
		assert_int_equal(rep->qi[q].generalised, gen[q]);
		assert_int_equal(rep->qi[q].suppressed, sup[q]);
		assert_true(gen[q] <= rep->rows_out);
		assert_true(sup[q] <= rep->rows_out);
	}
}

/* Run kanon_apply on generated data and check it. */
static void
run_generated(size_t n, uint64_t seed, size_t k, double max_suppress,
    struct kanon_report *rep)
{
	struct kanon_table *t = generate(n, seed);
	char ***before = snapshot(t);
	size_t r;

	assert_int_equal(kanon_apply(t, &ctdc_spec, k, max_suppress, rep), RC_OK);
	check_result(t, before, n, &ctdc_spec, k, rep);
	/* ages are never published exactly */
	for (r = 0; r < kanon_table_rows(t); r++) {
		const char *age = kanon_table_cell(t, r, C_AGE);

		assert_true(strstr(age, "--") != NULL || strcmp(age, "48+") == 0 ||
		    strcmp(age, "Minor") == 0 || strcmp(age, "Adult") == 0 ||
		    strcmp(age, "*") == 0 || strcmp(age, "-99") == 0);
	}
	snapshot_free(before);
	kanon_table_free(t);
}

/* ---- hierarchies ------------------------------------------------------------------- */

static void
test_ctdc_age_bands(void **state)
{
	static const struct {
		int		 age;
		const char	*band;
	} cases[] = {
		{ 0, "0--8" }, { 8, "0--8" }, { 9, "9--17" }, { 17, "9--17" },
		{ 18, "18--20" }, { 20, "18--20" }, { 21, "21--23" }, { 23, "21--23" },
		{ 24, "24--26" }, { 26, "24--26" }, { 27, "27--29" }, { 29, "27--29" },
		{ 30, "30--38" }, { 38, "30--38" }, { 39, "39--47" }, { 47, "39--47" },
		{ 48, "48+" }, { 120, "48+" },
	};
	char tmp[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(kanon_age_band(cases[i].age), cases[i].band);
	assert_null(kanon_age_band(-1));
	assert_string_equal(kanon_generalise(KANON_H_AGE, 0, "15", tmp, sizeof(tmp)), "15");
	assert_string_equal(kanon_generalise(KANON_H_AGE, 1, "15", tmp, sizeof(tmp)),
	    "9--17");
	assert_string_equal(kanon_generalise(KANON_H_AGE, 2, "15", tmp, sizeof(tmp)),
	    "Minor");
	assert_string_equal(kanon_generalise(KANON_H_AGE, 2, "18", tmp, sizeof(tmp)),
	    "Adult");
	assert_string_equal(kanon_generalise(KANON_H_AGE, 3, "15", tmp, sizeof(tmp)), "*");
	/* a band is already level 1; its majority follows it */
	assert_string_equal(kanon_generalise(KANON_H_AGE, 1, "9--17", tmp, sizeof(tmp)),
	    "9--17");
	assert_string_equal(kanon_generalise(KANON_H_AGE, 2, "18--20", tmp, sizeof(tmp)),
	    "Adult");
	assert_string_equal(kanon_generalise(KANON_H_AGE, 2, "0--8", tmp, sizeof(tmp)),
	    "Minor");
	/* missing stays missing below the top; nonsense is hidden */
	assert_string_equal(kanon_generalise(KANON_H_AGE, 2, "-99", tmp, sizeof(tmp)), "-99");
	assert_string_equal(kanon_generalise(KANON_H_AGE, 1, "", tmp, sizeof(tmp)), "");
	assert_string_equal(kanon_generalise(KANON_H_AGE, 3, "-99", tmp, sizeof(tmp)), "*");
	assert_string_equal(kanon_generalise(KANON_H_AGE, 1, "abc", tmp, sizeof(tmp)), "*");
	assert_string_equal(kanon_generalise(KANON_H_AGE, 1, "151", tmp, sizeof(tmp)), "*");
	assert_int_equal(kanon_hierarchy_levels(KANON_H_AGE), 4);
	assert_int_equal(kanon_hierarchy_levels(KANON_H_GENERIC), 2);
	assert_int_equal(kanon_hierarchy_levels(KANON_H__MAX), 0);
}

static void
test_year_and_country_hierarchies(void **state)
{
	char tmp[32];

	(void)state;
	assert_string_equal(kanon_generalise(KANON_H_YEAR, 1, "2021", tmp, sizeof(tmp)),
	    "2020-2024");
	assert_string_equal(kanon_generalise(KANON_H_YEAR, 1, "2025", tmp, sizeof(tmp)),
	    "2025-2029");
	assert_string_equal(kanon_generalise(KANON_H_YEAR, 1, "2019", tmp, sizeof(tmp)),
	    "2015-2019");
	assert_string_equal(kanon_generalise(KANON_H_YEAR, 1, "2015-2019", tmp, sizeof(tmp)),
	    "2015-2019");
	assert_string_equal(kanon_generalise(KANON_H_YEAR, 1, "20x1", tmp, sizeof(tmp)), "*");
	assert_string_equal(kanon_generalise(KANON_H_YEAR, 2, "2021", tmp, sizeof(tmp)), "*");
	assert_string_equal(kanon_generalise(KANON_H_COUNTRY, 1, "ER", tmp, sizeof(tmp)),
	    "Eastern Africa");
	assert_string_equal(kanon_generalise(KANON_H_COUNTRY, 2, "ER", tmp, sizeof(tmp)),
	    "Africa");
	assert_string_equal(kanon_generalise(KANON_H_COUNTRY, 1, "LY", tmp, sizeof(tmp)),
	    "Northern Africa");
	assert_string_equal(kanon_generalise(KANON_H_COUNTRY, 1, "GT", tmp, sizeof(tmp)),
	    "Central America");
	assert_string_equal(kanon_generalise(KANON_H_COUNTRY, 2, "GT", tmp, sizeof(tmp)),
	    "Americas");
	assert_string_equal(kanon_generalise(KANON_H_COUNTRY, 1, "IT", tmp, sizeof(tmp)),
	    "Southern Europe");
	assert_string_equal(kanon_generalise(KANON_H_COUNTRY, 2, "Eastern Africa", tmp,
	    sizeof(tmp)), "Africa");
	assert_string_equal(kanon_generalise(KANON_H_COUNTRY, 1, "Africa", tmp, sizeof(tmp)),
	    "Africa");
	assert_string_equal(kanon_generalise(KANON_H_COUNTRY, 1, "ZZ", tmp, sizeof(tmp)), "*");
	assert_string_equal(kanon_generalise(KANON_H_COUNTRY, 1, "er", tmp, sizeof(tmp)), "*");
	assert_string_equal(kanon_generalise(KANON_H_COUNTRY, 2, "-99", tmp, sizeof(tmp)),
	    "-99");
	assert_string_equal(kanon_generalise(KANON_H_COUNTRY, 3, "ER", tmp, sizeof(tmp)), "*");
	assert_string_equal(kanon_generalise(KANON_H_GENERIC, 1, "female", tmp, sizeof(tmp)),
	    "*");
	assert_string_equal(kanon_generalise(KANON_H_GENERIC, 0, "female", tmp, sizeof(tmp)),
	    "female");
}

static void
test_every_country_in_the_lookup_has_a_region(void **state)
{
	const struct embed_file *ef = embed_find("config/lookups/lookup-country.json");
	json_t *root, *v;
	size_t i;

	(void)state;
	assert_non_null(ef);
	root = json_loadb(ef->data, ef->len, 0, NULL);
	assert_non_null(root);
	json_array_foreach(json_object_get(root, "values"), i, v) {
		const char *code = json_string_value(json_object_get(v, "id"));

		if (kanon_country_subregion(code) == NULL || kanon_country_region(code) == NULL)
			fail_msg("no M49 region for %s", code);
	}
	assert_int_equal(i, 249);
	json_decref(root);
}

/* ---- k-anonymity ------------------------------------------------------------------- */

static void
test_generated_export_is_11_anonymous(void **state)
{
	struct kanon_report rep;

	(void)state;
	run_generated(3000, 0x1f2e3d4c5b6a7988ULL, 11, 0.05, &rep);
	assert_true(rep.rows_out > 2500);	/* most rows survive */
	assert_int_equal(rep.greedy, 0);
	assert_true(rep.qi[2].level >= 1);	/* age: never exact */
}

static void
test_generated_export_is_5_anonymous(void **state)
{
	struct kanon_report rep5, rep11;

	(void)state;
	run_generated(3000, 0x1f2e3d4c5b6a7988ULL, 5, 0.05, &rep5);
	run_generated(3000, 0x1f2e3d4c5b6a7988ULL, 11, 0.05, &rep11);
	/* a smaller k never needs to lose more: loss is the sum of level / top */
	{
		size_t q, loss5 = 0, loss11 = 0;

		for (q = 0; q < ctdc_spec.nqi; q++) {
			unsigned top = kanon_hierarchy_levels(ctdc_spec.qi[q].hierarchy) - 1;

			loss5 += rep5.qi[q].level * 6 / top;
			loss11 += rep11.qi[q].level * 6 / top;
		}
		assert_true(loss5 <= loss11);
		assert_int_equal(rep5.greedy, 0);
	}
}

static void
test_other_seeds_and_sizes_hold_the_property(void **state)
{
	static const size_t sizes[] = { 11, 12, 40, 200, 1000 };
	struct kanon_report rep;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		run_generated(sizes[i], 0x9e3779b97f4a7c15ULL + i, 11, 0.05, &rep);
		run_generated(sizes[i], 0x0123456789abcdefULL + i, 5, 0.0, &rep);
		run_generated(sizes[i], 0x0badc0ffee0ddf00ULL + i, 3, 1.0, &rep);
	}
}

static void
test_twenty_thousand_rows(void **state)
{
	struct kanon_report rep;

	(void)state;
	run_generated(20000, 0x5eed5eed5eed5eedULL, 11, 0.05, &rep);
	assert_true(rep.rows_out >= 19000);
	print_message("20000 rows: %zu kept, %zu removed, %zu lattice nodes, levels", rep.rows_out,
	    rep.rows_suppressed, rep.nodes_evaluated);
	{
		size_t q;

		for (q = 0; q < rep.nqi; q++)
			print_message(" %u", rep.qi[q].level);
		print_message("\n");
	}
}

/* Eighteen yes/no columns (like CTDC's meansOfControl* flags) make a lattice of 2^18
 * nodes, too many to list: the greedy climb takes over and the property still holds. */
static void
test_wide_lattice_goes_greedy_and_holds(void **state)
{
	enum { NFLAGS = 18, NROWS = 2000 };
	struct kanon_table *t = kanon_table_new(NFLAGS + 1);
	struct kanon_spec spec;
	struct kanon_report rep;
	size_t cols[NFLAGS], r, q, smallest;
	uint64_t s = 99;

	(void)state;
	memset(&spec, 0, sizeof(spec));
	spec.nqi = NFLAGS;
	for (q = 0; q < NFLAGS; q++) {
		spec.qi[q].col = q + 1;
		spec.qi[q].hierarchy = KANON_H_GENERIC;
		cols[q] = q + 1;
	}
	for (r = 0; r < NROWS; r++) {
		const char *row[NFLAGS + 1];

		row[0] = "id";
		for (q = 0; q < NFLAGS; q++)	/* rarer flags further right */
			row[q + 1] = next_random(&s) % (2 + q) == 0 ? "1" : "-99";
		assert_int_equal(kanon_table_add_row(t, row), RC_OK);
	}
	assert_int_equal(kanon_apply(t, &spec, 11, 0.05, &rep), RC_OK);
	assert_int_equal(rep.greedy, 1);
	assert_int_equal(kanon_check(t, cols, NFLAGS, &smallest), RC_OK);
	assert_int_equal(smallest, recount_smallest(t, cols, NFLAGS));
	assert_true(smallest >= 11);
	assert_int_equal(rep.rows_in, rep.rows_out + rep.rows_suppressed);
	assert_true(rep.rows_suppressed <= rep.budget);
	assert_true(rep.rows_out > 0);
	kanon_table_free(t);
}

static void
test_same_input_same_output(void **state)
{
	struct kanon_table *a = generate(1500, 42), *b = generate(1500, 42);
	struct kanon_report ra, rb;
	size_t r, c;

	(void)state;
	assert_int_equal(kanon_apply(a, &ctdc_spec, 11, 0.05, &ra), RC_OK);
	assert_int_equal(kanon_apply(b, &ctdc_spec, 11, 0.05, &rb), RC_OK);
	assert_int_equal(kanon_table_rows(a), kanon_table_rows(b));
	for (r = 0; r < kanon_table_rows(a); r++) {
		assert_int_equal(kanon_table_origin(a, r), kanon_table_origin(b, r));
		for (c = 0; c < NCOLS; c++)
			assert_string_equal(kanon_table_cell(a, r, c), kanon_table_cell(b, r, c));
	}
	assert_memory_equal(&ra.qi, &rb.qi, sizeof(ra.qi));
	kanon_table_free(a);
	kanon_table_free(b);
}

static void
test_fewer_than_k_rows_are_all_suppressed(void **state)
{
	struct kanon_table *t = generate(10, 7);
	struct kanon_report rep;
	size_t smallest;

	(void)state;
	assert_int_equal(kanon_apply(t, &ctdc_spec, 11, 0.05, &rep), RC_OK);
	assert_int_equal(kanon_table_rows(t), 0);
	assert_int_equal(rep.rows_in, 10);
	assert_int_equal(rep.rows_out, 0);
	assert_int_equal(rep.rows_suppressed, 10);
	assert_int_equal(rep.smallest_class, 0);
	assert_int_equal(kanon_check(t, ctdc_cols, 6, &smallest), RC_OK);
	assert_int_equal(smallest, 0);
	kanon_table_free(t);
}

static void
test_already_anonymous_table_is_unchanged(void **state)
{
	static const char *const combos[3][NCOLS] = {
		{ "x", "2021", "female", "15", "ER", "LY", "isForcedLabour", "a" },
		{ "x", "2021", "male", "16", "ER", "LY", "isForcedLabour", "b" },
		{ "x", "2022", "female", "-99", "-99", "-99", "isSexualExploit", "=1+1" },
	};
	static const struct kanon_spec spec = {
		6, {
			{ C_YEAR, KANON_H_YEAR, 0, 0 }, { C_SEX, KANON_H_GENERIC, 0, 0 },
			{ C_AGE, KANON_H_AGE, 0, 0 }, { C_CITIZENSHIP, KANON_H_COUNTRY, 0, 0 },
			{ C_EXPLOITED_IN, KANON_H_COUNTRY, 0, 0 }, { C_TYPE, KANON_H_GENERIC, 0, 0 },
		}
	};
	struct kanon_table *t = kanon_table_new(NCOLS);
	struct kanon_report rep;
	char ***before;
	size_t i, q;

	(void)state;
	for (i = 0; i < 36; i++)
		assert_int_equal(kanon_table_add_row(t, combos[i % 3]), RC_OK);
	before = snapshot(t);
	assert_int_equal(kanon_apply(t, &spec, 11, 0.05, &rep), RC_OK);
	assert_int_equal(rep.rows_out, 36);
	assert_int_equal(rep.smallest_class, 12);
	assert_int_equal(rep.nodes_evaluated, 1);	/* the bottom already holds */
	for (q = 0; q < spec.nqi; q++) {
		assert_int_equal(rep.qi[q].level, 0);
		assert_int_equal(rep.qi[q].generalised, 0);
		assert_int_equal(rep.qi[q].suppressed, 0);
	}
	for (i = 0; i < 36; i++) {
		size_t c;

		for (c = 0; c < NCOLS; c++)
			assert_string_equal(kanon_table_cell(t, i, c), before[i][c]);
	}
	snapshot_free(before);
	kanon_table_free(t);
}

/* Six girls from six rare countries: within a 10% budget the bottom node is kept and
 * local suppression hides only their country, so nobody is removed. */
static void
test_local_suppression_keeps_rows_by_hiding_one_cell(void **state)
{
	static const char *const rare[] = { "FR", "DE", "IT", "ES", "GB", "NL" };
	static const struct kanon_spec spec = {
		2, { { C_SEX, KANON_H_GENERIC, 0, 0 }, { C_CITIZENSHIP, KANON_H_COUNTRY, 0, 0 } }
	};
	struct kanon_table *t = kanon_table_new(NCOLS);
	struct kanon_report rep;
	const char *row[NCOLS] = { "id", "2020", "female", "12", "ER", "LY", "t", "n" };
	char ***before;
	size_t i, nrows = 0;

	(void)state;
	for (i = 0; i < 50; i++, nrows++)
		assert_int_equal(kanon_table_add_row(t, row), RC_OK);
	row[C_SEX] = "male";
	for (i = 0; i < 49; i++, nrows++)
		assert_int_equal(kanon_table_add_row(t, row), RC_OK);
	row[C_SEX] = "female";
	for (i = 0; i < 6; i++, nrows++) {
		row[C_CITIZENSHIP] = rare[i];
		assert_int_equal(kanon_table_add_row(t, row), RC_OK);
	}
	before = snapshot(t);
	assert_int_equal(kanon_apply(t, &spec, 5, 0.10, &rep), RC_OK);
	check_result(t, before, nrows, &spec, 5, &rep);
	assert_int_equal(rep.rows_out, nrows);
	assert_int_equal(rep.qi[0].level, 0);
	assert_int_equal(rep.qi[1].level, 0);
	assert_int_equal(rep.qi[1].suppressed, 6);
	assert_int_equal(rep.qi[0].suppressed, 0);
	for (i = 99; i < nrows; i++) {
		assert_string_equal(kanon_table_cell(t, i, C_CITIZENSHIP), "*");
		assert_string_equal(kanon_table_cell(t, i, C_SEX), "female");
	}
	/* with a 5% budget (5 rows) the six are too many: global recoding lifts the
	 * country to Europe/Africa instead */
	snapshot_free(before);
	kanon_table_free(t);
}

/* One outlier that no suppression can hide among k others goes, and is counted. */
static void
test_a_lone_outlier_is_removed(void **state)
{
	static const struct kanon_spec spec = {
		2, { { C_SEX, KANON_H_GENERIC, 0, 0 }, { C_CITIZENSHIP, KANON_H_COUNTRY, 0, 0 } }
	};
	struct kanon_table *t = kanon_table_new(NCOLS);
	struct kanon_report rep;
	const char *row[NCOLS] = { "id", "2020", "female", "12", "ER", "LY", "t", "n" };
	char ***before;
	size_t i;

	(void)state;
	for (i = 0; i < 40; i++)
		assert_int_equal(kanon_table_add_row(t, row), RC_OK);
	row[C_SEX] = "male";
	for (i = 0; i < 40; i++)
		assert_int_equal(kanon_table_add_row(t, row), RC_OK);
	row[C_CITIZENSHIP] = "FR";
	assert_int_equal(kanon_table_add_row(t, row), RC_OK);
	before = snapshot(t);
	assert_int_equal(kanon_apply(t, &spec, 5, 0.05, &rep), RC_OK);
	check_result(t, before, 81, &spec, 5, &rep);
	assert_int_equal(rep.rows_out, 80);
	assert_int_equal(rep.rows_suppressed, 1);
	for (i = 0; i < 80; i++)
		assert_true(kanon_table_origin(t, i) != 80);
	snapshot_free(before);
	kanon_table_free(t);
}

static void
test_bad_specifications_are_refused_and_nothing_changes(void **state)
{
	struct kanon_table *t = generate(100, 3);
	struct kanon_spec spec = ctdc_spec;
	size_t bad_col[] = { NCOLS };

	(void)state;
	assert_int_equal(kanon_apply(t, &spec, 0, 0.05, NULL), RC_EINVALID);
	assert_int_equal(kanon_apply(t, &spec, 11, -0.1, NULL), RC_EINVALID);
	assert_int_equal(kanon_apply(t, &spec, 11, 1.5, NULL), RC_EINVALID);
	spec.qi[1].col = C_YEAR;			/* repeated column */
	assert_int_equal(kanon_apply(t, &spec, 11, 0.05, NULL), RC_EINVALID);
	spec = ctdc_spec;
	spec.qi[0].col = NCOLS;
	assert_int_equal(kanon_apply(t, &spec, 11, 0.05, NULL), RC_EINVALID);
	spec = ctdc_spec;
	spec.qi[2].min_level = 3;			/* the top of AGE */
	assert_int_equal(kanon_apply(t, &spec, 11, 0.05, NULL), RC_EINVALID);
	spec = ctdc_spec;
	spec.qi[1].hierarchy = KANON_H__MAX;
	assert_int_equal(kanon_apply(t, &spec, 11, 0.05, NULL), RC_EINVALID);
	spec = ctdc_spec;
	spec.nqi = 0;
	assert_int_equal(kanon_apply(t, &spec, 11, 0.05, NULL), RC_EINVALID);
	assert_int_equal(kanon_table_rows(t), 100);
	assert_string_equal(kanon_table_cell(t, 0, C_ID), "vot-000000");
	{
		size_t smallest;

		assert_int_equal(kanon_check(t, bad_col, 1, &smallest), RC_EINVALID);
	}
	kanon_table_free(t);
}

static void
test_check_counts_the_smallest_class(void **state)
{
	static const char *const rows[][2] = {
		{ "a", "1" }, { "a", "1" }, { "a", "2" }, { "b", "*" }, { "b", "*" },
		{ "b", "*" }, { "*", "*" }, { "*", "*" },
	};
	struct kanon_table *t = kanon_table_new(2);
	size_t both[] = { 0, 1 }, first[] = { 0 }, none[1], smallest, i;

	(void)state;
	assert_int_equal(kanon_check(t, both, 2, &smallest), RC_OK);
	assert_int_equal(smallest, 0);
	for (i = 0; i < 8; i++)
		assert_int_equal(kanon_table_add_row(t, rows[i]), RC_OK);
	assert_int_equal(kanon_check(t, both, 2, &smallest), RC_OK);
	assert_int_equal(smallest, 1);				/* (a, 2) */
	assert_int_equal(recount_smallest(t, both, 2), 1);
	assert_int_equal(kanon_check(t, first, 1, &smallest), RC_OK);
	assert_int_equal(smallest, 2);				/* "*" is its own value */
	assert_int_equal(kanon_check(t, none, 0, &smallest), RC_OK);
	assert_int_equal(smallest, 8);
	kanon_table_free(t);
}

/* ---- small counts ------------------------------------------------------------------ */

static struct kanon_count
count(long long v)
{
	struct kanon_count c = { v, 0, 0 };

	return c;
}

static void
assert_hidden(const struct kanon_count *c, const char *pattern)
{
	size_t i;

	for (i = 0; pattern[i] != '\0'; i++)
		if ((pattern[i] == '*') != (c[i].suppressed != 0))
			fail_msg("cell %zu: want %c, suppressed=%d", i, pattern[i],
			    c[i].suppressed);
}

static void
test_one_small_count_takes_a_complement(void **state)
{
	struct kanon_count c[4] = { count(3), count(40), count(25), count(0) };
	struct kanon_count total = count(68);

	(void)state;
	assert_int_equal(kanon_suppress_counts(c, 4, 5, &total), RC_OK);
	assert_hidden(c, "*.*.");		/* 3 primary, 25 the smallest non-zero */
	assert_true(c[0].primary);
	assert_false(c[2].primary);
	assert_false(total.suppressed);
	assert_false(c[3].suppressed);		/* zero is published */
}

static void
test_small_hidden_sum_takes_a_complement(void **state)
{
	struct kanon_count c[4] = { count(1), count(1), count(100), count(200) };

	(void)state;
	assert_int_equal(kanon_suppress_counts(c, 4, 5, NULL), RC_OK);
	assert_hidden(c, "***.");		/* 1 + 1 < 5 would show both are 1 */
}

static void
test_nothing_small_nothing_hidden(void **state)
{
	struct kanon_count c[3] = { count(5), count(12), count(0) };
	struct kanon_count total = count(17);

	(void)state;
	assert_int_equal(kanon_suppress_counts(c, 3, 5, &total), RC_OK);
	assert_hidden(c, "...");
	assert_false(total.suppressed);
}

static void
test_a_small_total_is_hidden_too(void **state)
{
	struct kanon_count c[3] = { count(2), count(1), count(0) };
	struct kanon_count total = count(3);

	(void)state;
	assert_int_equal(kanon_suppress_counts(c, 3, 5, &total), RC_OK);
	assert_hidden(c, "**.");
	assert_true(total.suppressed);
}

static void
test_bad_counts_are_refused(void **state)
{
	struct kanon_count c[2] = { count(2), count(-1) };
	struct kanon_count total = count(1);
	struct kanon_count d[2] = { count(2), count(3) };
	struct kanon_count wrong = count(6);

	(void)state;
	assert_int_equal(kanon_suppress_counts(c, 2, 5, &total), RC_EINVALID);
	assert_int_equal(kanon_suppress_counts(d, 2, 5, &wrong), RC_EINVALID);
	assert_false(d[0].suppressed);
}

/* No hidden cell of a two-way table can be recovered from one row or column. */
static void
check_no_line_reveals(const struct kanon_count *cells, size_t nr, size_t nc,
    const struct kanon_count *rt, const struct kanon_count *ct, long long threshold)
{
	size_t i, j;

	for (i = 0; i < nr; i++) {
		size_t hidden = rt[i].suppressed ? 1 : 0;
		long long sum = 0;

		for (j = 0; j < nc; j++)
			if (cells[i * nc + j].suppressed) {
				hidden++;
				sum += cells[i * nc + j].value;
			}
		assert_true(hidden != 1);
		if (!rt[i].suppressed && sum > 0)
			assert_true(sum >= threshold);
	}
	for (j = 0; j < nc; j++) {
		size_t hidden = ct[j].suppressed ? 1 : 0;
		long long sum = 0;

		for (i = 0; i < nr; i++)
			if (cells[i * nc + j].suppressed) {
				hidden++;
				sum += cells[i * nc + j].value;
			}
		assert_true(hidden != 1);
		if (!ct[j].suppressed && sum > 0)
			assert_true(sum >= threshold);
	}
	for (i = 0; i < nr * nc; i++)
		if (cells[i].value > 0 && cells[i].value < threshold)
			assert_true(cells[i].suppressed);
}

static void
test_two_way_table_is_protected_along_every_line(void **state)
{
	/* sex x age band: female, male by 0--8, 9--17, 18--20, 21+ */
	long long v[2][4] = { { 2, 30, 12, 40 }, { 7, 25, 3, 60 } };
	struct kanon_count cells[8], rt[2], ct[4], grand;
	long long g = 0;
	size_t i, j;

	(void)state;
	memset(rt, 0, sizeof(rt));
	memset(ct, 0, sizeof(ct));
	for (i = 0; i < 2; i++)
		for (j = 0; j < 4; j++) {
			cells[i * 4 + j] = count(v[i][j]);
			rt[i].value += v[i][j];
			ct[j].value += v[i][j];
			g += v[i][j];
		}
	grand = count(g);
	assert_int_equal(kanon_suppress_table(cells, 2, 4, 5, rt, ct, &grand), RC_OK);
	assert_true(cells[0].suppressed && cells[0].primary);	/* 2 */
	assert_true(cells[6].suppressed && cells[6].primary);	/* 3 */
	check_no_line_reveals(cells, 2, 4, rt, ct, 5);
	/* wrong margins are refused */
	rt[0].value++;
	assert_int_equal(kanon_suppress_table(cells, 2, 4, 5, rt, ct, &grand), RC_EINVALID);
}

static void
test_random_tables_are_protected_along_every_line(void **state)
{
	uint64_t s = 0xabcdef12345ULL;
	size_t trial;

	(void)state;
	for (trial = 0; trial < 200; trial++) {
		size_t nr = 1 + next_random(&s) % 5, nc = 1 + next_random(&s) % 6, i, j;
		struct kanon_count cells[30], rt[5], ct[6], grand = count(0);

		memset(rt, 0, sizeof(rt));
		memset(ct, 0, sizeof(ct));
		for (i = 0; i < nr; i++)
			for (j = 0; j < nc; j++) {
				long long v = (long long)(next_random(&s) % 4 == 0 ? 0 :
				    next_random(&s) % 20);

				cells[i * nc + j] = count(v);
				rt[i].value += v;
				ct[j].value += v;
				grand.value += v;
			}
		assert_int_equal(kanon_suppress_table(cells, nr, nc, 5, rt, ct, &grand), RC_OK);
		check_no_line_reveals(cells, nr, nc, rt, ct, 5);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctdc_age_bands),
		cmocka_unit_test(test_year_and_country_hierarchies),
		cmocka_unit_test(test_every_country_in_the_lookup_has_a_region),
		cmocka_unit_test(test_generated_export_is_11_anonymous),
		cmocka_unit_test(test_generated_export_is_5_anonymous),
		cmocka_unit_test(test_other_seeds_and_sizes_hold_the_property),
		cmocka_unit_test(test_twenty_thousand_rows),
		cmocka_unit_test(test_wide_lattice_goes_greedy_and_holds),
		cmocka_unit_test(test_same_input_same_output),
		cmocka_unit_test(test_fewer_than_k_rows_are_all_suppressed),
		cmocka_unit_test(test_already_anonymous_table_is_unchanged),
		cmocka_unit_test(test_local_suppression_keeps_rows_by_hiding_one_cell),
		cmocka_unit_test(test_a_lone_outlier_is_removed),
		cmocka_unit_test(test_bad_specifications_are_refused_and_nothing_changes),
		cmocka_unit_test(test_check_counts_the_smallest_class),
		cmocka_unit_test(test_one_small_count_takes_a_complement),
		cmocka_unit_test(test_small_hidden_sum_takes_a_complement),
		cmocka_unit_test(test_nothing_small_nothing_hidden),
		cmocka_unit_test(test_a_small_total_is_hidden_too),
		cmocka_unit_test(test_bad_counts_are_refused),
		cmocka_unit_test(test_two_way_table_is_protected_along_every_line),
		cmocka_unit_test(test_random_tables_are_protected_along_every_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
