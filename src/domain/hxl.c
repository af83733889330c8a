/* hxl.c — HXL hashtags for aggregate columns (see hxl.h and docs/hxl.md). */
#include <stdio.h>
#include <string.h>

#include "domain/hxl.h"

#define EXTRA_MAX	8
#define ADULT_AGE	18
#define AGE_LIMIT	150

static const char *const measure_tags[HXL_MEASURE__MAX] = {
	[HXL_AFFECTED] = "#affected",
	[HXL_INNEED] = "#inneed",
	[HXL_TARGETED] = "#targeted",
	[HXL_REACHED] = "#reached",
	[HXL_POPULATION] = "#population",
};

static const char *const dimension_tags[HXL_DIM__MAX] = {
	[HXL_DIM_COUNTRY] = "#country+code",
	[HXL_DIM_NATIONALITY] = "#country+code+nationality",
	[HXL_DIM_ADM1] = "#adm1+code",
	[HXL_DIM_ADM2] = "#adm2+code",
	[HXL_DIM_ADM3] = "#adm3+code",
	[HXL_DIM_ADM4] = "#adm4+code",
	[HXL_DIM_ADM5] = "#adm5+code",
	[HXL_DIM_LOCATION_NAME] = "#loc+name",
	[HXL_DIM_DATE_START] = "#date+start",
	[HXL_DIM_DATE_END] = "#date+end",
	[HXL_DIM_YEAR] = "#date+year",
	[HXL_DIM_SECTOR] = "#sector",
	[HXL_DIM_SUBSECTOR] = "#subsector",
	[HXL_DIM_ORG] = "#org+code",
	[HXL_DIM_CONCERN] = "#x_concern+code",
	[HXL_DIM_UASC_STATUS] = "#x_uasc+code",
	[HXL_DIM_RISK_LEVEL] = "#severity+code",
	[HXL_DIM_STAGE] = "#status+code",
	[HXL_DIM_INDICATOR] = "#indicator+name",
	[HXL_DIM_INDICATOR_VALUE] = "#indicator+value+num",
	[HXL_DIM_INDICATOR_PCT] = "#indicator+value+pct",
};

/* lookup-gender ids and their HXL attributes */
static const struct sex_attr {
	const char	*id;
	const char	*attr;
} sex_attrs[] = {
	{ "female", "f" },
	{ "male", "m" },
	{ "other", "i" },
	{ "unknown", "unknown" },
};

const char *
hxl_dimension_tag(enum hxl_dimension d)
{
	return (unsigned)d < HXL_DIM__MAX ? dimension_tags[d] : NULL;
}

static int
valid_attribute(const char *a)
{
	size_t i, n = strlen(a);

	if (n == 0 || n > HXL_ATTR_MAX || a[0] < 'a' || a[0] > 'z')
		return 0;
	for (i = 1; i < n; i++)
		if (!((a[i] >= 'a' && a[i] <= 'z') || (a[i] >= '0' && a[i] <= '9') ||
		    a[i] == '_'))
			return 0;
	return 1;
}

/* Append "+age<min>_<max>" or "+age<min>plus" at *len; -1 when it does not fit. */
static int
put_age(char *out, size_t outsz, size_t *len, int age_min, int age_max)
{
	int n;

	if (age_max == HXL_AGE_OPEN)
		n = snprintf(out + *len, outsz - *len, "+age%dplus", age_min);
	else
		n = snprintf(out + *len, outsz - *len, "+age%d_%d", age_min, age_max);
	if (n < 0 || (size_t)n >= outsz - *len)
		return -1;
	*len += (size_t)n;
	return 0;
}

static int
put_text(char *out, size_t outsz, size_t *len, const char *prefix, const char *s)
{
	size_t pn = strlen(prefix), sn = strlen(s);

	if (pn + sn >= outsz - *len)
		return -1;
	memcpy(out + *len, prefix, pn);
	memcpy(out + *len + pn, s, sn);
	*len += pn + sn;
	out[*len] = '\0';
	return 0;
}

int
hxl_count_tag(enum hxl_measure m, const char *sex, int age_min, int age_max,
    const char *const *extra, size_t nextra, char *out, size_t outsz)
{
	const char *sexattr = NULL;
	size_t len = 0, i;

	if (out == NULL || outsz == 0)
		return -1;
	out[0] = '\0';
	if ((unsigned)m >= HXL_MEASURE__MAX || nextra > EXTRA_MAX ||
	    (nextra > 0 && extra == NULL))
		return -1;
	if (sex != NULL) {
		for (i = 0; i < sizeof(sex_attrs) / sizeof(sex_attrs[0]); i++)
			if (strcmp(sex, sex_attrs[i].id) == 0)
				sexattr = sex_attrs[i].attr;
		if (sexattr == NULL)
			return -1;
	}
	if (age_min == HXL_AGE_ALL) {
		if (age_max != HXL_AGE_OPEN)
			return -1;
	} else if (age_min < 0 || age_min > AGE_LIMIT || age_max < HXL_AGE_OPEN ||
	    age_max > AGE_LIMIT || (age_max != HXL_AGE_OPEN && age_max < age_min))
		return -1;
	for (i = 0; i < nextra; i++)
		if (extra[i] == NULL || !valid_attribute(extra[i]))
			return -1;

	if (put_text(out, outsz, &len, "", measure_tags[m]) != 0)
		goto toolong;
	if (sexattr != NULL && put_text(out, outsz, &len, "+", sexattr) != 0)
		goto toolong;
	if (age_min != HXL_AGE_ALL) {
		if (age_max != HXL_AGE_OPEN && age_max < ADULT_AGE) {
			if (put_text(out, outsz, &len, "+", "children") != 0)
				goto toolong;
		} else if (age_min >= ADULT_AGE) {
			if (put_text(out, outsz, &len, "+", "adults") != 0)
				goto toolong;
		}
		if (put_age(out, outsz, &len, age_min, age_max) != 0)
			goto toolong;
	}
	for (i = 0; i < nextra; i++)
		if (put_text(out, outsz, &len, "+", extra[i]) != 0)
			goto toolong;
	return 0;
toolong:
	out[0] = '\0';
	return -1;
}

/* Parse 1 to 3 digits at *s, advancing it. */
static int
parse_years(const char **s, int *v)
{
	int n = 0, digits = 0;

	while (**s >= '0' && **s <= '9') {
		if (++digits > 3)
			return -1;
		n = n * 10 + (**s - '0');
		(*s)++;
	}
	if (digits == 0 || n > AGE_LIMIT)
		return -1;
	*v = n;
	return 0;
}

int
hxl_band_parse(const char *band, int *age_min, int *age_max)
{
	const char *s = band;
	int lo, hi;

	if (band == NULL)
		return -1;
	if (strcmp(band, "all") == 0) {
		*age_min = HXL_AGE_ALL;
		*age_max = HXL_AGE_OPEN;
		return 0;
	}
	if (parse_years(&s, &lo) != 0)
		return -1;
	if (s[0] == '+' && s[1] == '\0') {
		*age_min = lo;
		*age_max = HXL_AGE_OPEN;
		return 0;
	}
	if (*s++ != '-')
		return -1;
	if (*s == '-')
		s++;			/* CTDC's "9--17" */
	if (parse_years(&s, &hi) != 0 || *s != '\0' || hi < lo)
		return -1;
	*age_min = lo;
	*age_max = hi;
	return 0;
}
