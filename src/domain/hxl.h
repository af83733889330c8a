/*
 * hxl.h — Humanitarian Exchange Language (HXL 1.1) hashtags for aggregate exports.
 *
 * An HXL-tagged CSV or XLSX has one extra row, right under the header row, that tags
 * every column with a hashtag and attributes: "#adm1+code" over a column of P-codes,
 * "#affected+f+children" over a count of girls. Tools such as HDX read the tags, not
 * the (translated) headers. docs/hxl.md lists every tag RouteCare writes.
 *
 * Counts are tagged by measure, sex and age range:
 *
 *	measure    HXL_AFFECTED #affected, HXL_INNEED #inneed, HXL_TARGETED #targeted,
 *	           HXL_REACHED #reached, HXL_POPULATION #population
 *	sex        lookup-gender id: "female" +f, "male" +m, "other" +i, "unknown" +unknown;
 *	           NULL: all sexes (no attribute)
 *	age        [age_min, age_max] in years, both inclusive; age_max HXL_AGE_OPEN for
 *	           "and over"; age_min HXL_AGE_ALL for all ages (no attribute). An age range
 *	           adds the SADD group (+children when it ends before 18, +adults when it
 *	           starts at 18 or later) and the exact range (+age9_17, +age48plus).
 *	extra      further attributes of the caller's choosing ("trafficked", "uasc"),
 *	           each [a-z][a-z0-9_]*, at most 32 bytes, in the order given.
 *
 * so a count of trafficked girls aged 9 to 17 is "#affected+f+children+age9_17+trafficked".
 * Attribute order has no meaning in HXL; RouteCare always writes this one, so that
 * exports compare byte for byte.
 *
 * Pure: no I/O, no allocation.
 */
#ifndef DOMAIN_HXL_H
#define DOMAIN_HXL_H

#include <stddef.h>

#define HXL_TAG_MAX	256		/* enough for any tag built here, with its NUL */
#define HXL_ATTR_MAX	32
#define HXL_AGE_ALL	(-1)
#define HXL_AGE_OPEN	(-1)

enum hxl_measure {
	HXL_AFFECTED,
	HXL_INNEED,
	HXL_TARGETED,
	HXL_REACHED,
	HXL_POPULATION,
	HXL_MEASURE__MAX
};

/* Columns that are not counts. */
enum hxl_dimension {
	HXL_DIM_COUNTRY,		/* #country+code       ISO 3166-1 alpha-2 or alpha-3 */
	HXL_DIM_NATIONALITY,		/* #country+code+nationality */
	HXL_DIM_ADM1,			/* #adm1+code          P-code */
	HXL_DIM_ADM2,			/* #adm2+code */
	HXL_DIM_ADM3,			/* #adm3+code */
	HXL_DIM_ADM4,			/* #adm4+code */
	HXL_DIM_ADM5,			/* #adm5+code */
	HXL_DIM_LOCATION_NAME,		/* #loc+name           a place name at any level */
	HXL_DIM_DATE_START,		/* #date+start         first day of the period */
	HXL_DIM_DATE_END,		/* #date+end           last day of the period */
	HXL_DIM_YEAR,			/* #date+year */
	HXL_DIM_SECTOR,			/* #sector             "Protection" */
	HXL_DIM_SUBSECTOR,		/* #subsector          "Child protection",
					 *                     "Counter-trafficking" */
	HXL_DIM_ORG,			/* #org+code           agency code */
	HXL_DIM_CONCERN,		/* #x_concern+code     lookup-protection-concerns id */
	HXL_DIM_UASC_STATUS,		/* #x_uasc+code        unaccompanied / separated */
	HXL_DIM_RISK_LEVEL,		/* #severity+code      high / medium / low */
	HXL_DIM_STAGE,			/* #status+code        workflow stage */
	HXL_DIM_INDICATOR,		/* #indicator+name     an indicator's name */
	HXL_DIM_INDICATOR_VALUE,	/* #indicator+value+num */
	HXL_DIM_INDICATOR_PCT,		/* #indicator+value+pct  a percentage 0..100 */
	HXL_DIM__MAX
};

/* The tag of a dimension column (a static string), or NULL when `d` is out of range. */
const char	*hxl_dimension_tag(enum hxl_dimension d);

/*
 * Write the tag of a count column into `out` (`outsz` bytes, HXL_TAG_MAX is always
 * enough). Returns 0, or -1 when an argument is invalid (unknown measure or sex, a
 * negative or reversed age range, a malformed extra attribute, more than 8 extras) or
 * `out` is too small; `out` is then "".
 */
int	hxl_count_tag(enum hxl_measure m, const char *sex, int age_min, int age_max,
	    const char *const *extra, size_t nextra, char *out, size_t outsz);

/*
 * Read an age band label: "9--17" (CTDC), "9-17", "48+" (HXL_AGE_OPEN upper bound) or
 * "all" (HXL_AGE_ALL, HXL_AGE_OPEN). Returns 0 or -1.
 */
int	hxl_band_parse(const char *band, int *age_min, int *age_max);

#endif
