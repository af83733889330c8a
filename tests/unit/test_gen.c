/* test_gen.c — the fictional case generator and the default location hierarchy. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/clock.h"
#include "base/embed.h"
#include "base/json.h"
#include "domain/form.h"
#include "domain/gen.h"

#define TODAY		"2026-03-01"
#define NCASES		2000
#define LOC_MAX		400

/* ---- the location file ------------------------------------------------------------- */

struct loc_row {
	char	code[32], parent[32], name[4][128];
	int	level;
};

struct locs {
	struct loc_row	 row[LOC_MAX];
	size_t		 n;
	const char	*codes[LOC_MAX];
};

/* Split one CSV line (quotes allowed) into at most `max` fields; returns the count, or
 * -1 when a field is too long. */
static int
csv_split(const char *line, size_t len, char fields[][128], int max)
{
	size_t i = 0, k = 0;
	int n = 0, quoted = 0;

	fields[0][0] = '\0';
	for (i = 0; i < len; i++) {
		char c = line[i];

		if (quoted) {
			if (c == '"' && i + 1 < len && line[i + 1] == '"') {
				c = '"';
				i++;
			} else if (c == '"') {
				quoted = 0;
				continue;
			}
		} else if (c == '"') {
			quoted = 1;
			continue;
		} else if (c == ',') {
			fields[n][k] = '\0';
			if (++n >= max)
				return -1;
			k = 0;
			fields[n][0] = '\0';
			continue;
		}
		if (k + 1 >= 128)
			return -1;
		fields[n][k++] = c;
	}
	fields[n][k] = '\0';
	return n + 1;
}

static void
locs_load(struct locs *l)
{
	const struct embed_file *f = embed_find("config/locations/default.csv");
	const char *p, *end, *nl;
	char fields[8][128];
	int nf, header = 1;

	assert_non_null(f);
	memset(l, 0, sizeof(*l));
	p = f->data;
	end = f->data + f->len;
	while (p < end) {
		size_t len;

		nl = memchr(p, '\n', (size_t)(end - p));
		len = (size_t)((nl != NULL ? nl : end) - p);
		if (len > 0 && p[len - 1] == '\r')
			len--;
		if (len > 0) {
			nf = csv_split(p, len, fields, 8);
			assert_int_equal(nf, 7);
			if (header) {
				assert_string_equal(fields[0], "code");
				assert_string_equal(fields[1], "parent_code");
				assert_string_equal(fields[2], "level");
				assert_string_equal(fields[3], "name_en");
				assert_string_equal(fields[4], "name_fr");
				assert_string_equal(fields[5], "name_ar");
				assert_string_equal(fields[6], "name_es");
				header = 0;
			} else {
				struct loc_row *r = &l->row[l->n];

				assert_true(l->n < LOC_MAX);
				strcpy(r->code, fields[0]);
				strcpy(r->parent, fields[1]);
				assert_true(strlen(fields[2]) == 1 && fields[2][0] >= '0' &&
				    fields[2][0] <= '9');
				r->level = fields[2][0] - '0';
				for (int i = 0; i < 4; i++)
					strcpy(r->name[i], fields[3 + i]);
				l->codes[l->n] = r->code;
				l->n++;
			}
		}
		p = nl != NULL ? nl + 1 : end;
	}
}

static const struct loc_row *
locs_find(const struct locs *l, const char *code)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->row[i].code, code) == 0)
			return &l->row[i];
	return NULL;
}

static int
code_well_formed(const char *s)
{
	size_t n = strlen(s);

	if (n < 2 || n > 22)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

static void
test_location_file_is_a_consistent_hierarchy(void **state)
{
	struct locs *l = malloc(sizeof(*l));
	size_t countries = 0;

	(void)state;
	assert_non_null(l);
	locs_load(l);
	assert_true(l->n >= 100 && l->n <= 160);
	for (size_t i = 0; i < l->n; i++) {
		const struct loc_row *r = &l->row[i], *parent;

		assert_true(code_well_formed(r->code));
		for (size_t j = i + 1; j < l->n; j++)
			assert_string_not_equal(r->code, l->row[j].code);
		for (int k = 0; k < 4; k++)
			assert_true(r->name[k][0] != '\0');
		if (r->level == 0) {
			assert_string_equal(r->parent, "");
			assert_int_equal(strlen(r->code), 2);
			countries++;
			continue;
		}
		assert_true(r->level <= 2);
		parent = locs_find(l, r->parent);
		assert_non_null(parent);
		assert_int_equal(parent->level, r->level - 1);
		/* P-code style: a child's code extends its parent's */
		assert_memory_equal(r->code, parent->code, strlen(parent->code));
		assert_true(strlen(r->code) > strlen(parent->code));
	}
	assert_true(countries >= 20);
	/* the places the routes pass through */
	assert_non_null(locs_find(l, "LY"));
	assert_non_null(locs_find(l, "MX"));
	assert_non_null(locs_find(l, "IT"));
	free(l);
}

/* ---- what a case may hold ------------------------------------------------------------ */

static const char *const case_fields[] = {
	"registration_date", "name_first", "name_middle", "name_last", "name_nickname",
	"name_other", "name_original_script", "sex", "date_of_birth", "age", "estimated",
	"nationality", "language", "location_current", "displacement_status",
	"unaccompanied_separated_status", "name_caregiver", "relationship_caregiver",
	"family_details_section", "protection_concerns", "urgent_protection_concern",
	"risk_level", "consent_for_services", "consent_for_tracing", "disclosure_other_orgs",
	"consent_reporting", "consent_source", NULL
};

static const char *const family_fields[] = {
	"relation_name", "relation", "relation_nickname", "relation_is_caregiver",
	"relation_is_alive", "relation_age", "relation_sex", "relation_nationality",
	"relation_location_current", "relation_telephone", NULL
};

static const char *const sexes[] = { "female", "male", NULL };
static const char *const displacement[] = { "resident", "idp", "refugee", "asylum_seeker",
    "migrant", "returnee", "stateless", "other", NULL };
static const char *const uasc[] = { "unaccompanied", "separated", "accompanied", NULL };
static const char *const relations[] = { "mother", "father", "grandmother", "grandfather",
    "sister", "brother", "aunt", "uncle", "cousin", "other_relative", "foster_parent",
    "guardian", "community_member", "other", NULL };
static const char *const alive[] = { "unknown", "alive", "dead", NULL };
static const char *const concerns[] = { "unaccompanied", "separated", "trafficked",
    "sexually_exploited", "physically_or_mentally_abused", "child_labour", "disabled",
    "serious_health_condition", "caafag", "stateless", "survivor_of_gbv",
    "pregnant_or_lactating", "child_headed_household", "detained", "missing_documents",
    "other", NULL };
static const char *const risks[] = { "high", "medium", "low", NULL };
static const char *const consent_sources[] = { "child", "caregiver", "other", NULL };
static const char *const languages[] = { "ti", "am", "tig", "om", "so", "ar", "fr", "en",
    "bm", "ff", "wo", "ha", "mnk", "sus", "dyu", "es", "mam", "quc", "kek", "ht", "prs",
    "ps", NULL };

enum group { G_HORN, G_SOMALI, G_ARABIC, G_WEST_AFRICA, G_MESOAMERICA, G_AFGHAN, G__MAX };

static const char *const group_nationalities[G__MAX] = {
	[G_HORN] = "ER ET",
	[G_SOMALI] = "SO",
	[G_ARABIC] = "SD LY EG TD SY MR",
	[G_WEST_AFRICA] = "ML GN CI SN BF NE CM",
	[G_MESOAMERICA] = "HN GT SV NI VE HT",
	[G_AFGHAN] = "AF",
};

static int
in_set(const char *const *set, const char *s)
{
	for (; *set != NULL; set++)
		if (strcmp(*set, s) == 0)
			return 1;
	return 0;
}

static int
group_of(const char *cc)
{
	for (int gr = 0; gr < G__MAX; gr++) {
		const char *p = group_nationalities[gr];

		for (; *p != '\0'; p += p[2] == ' ' ? 3 : 2)
			if (p[0] == cc[0] && p[1] == cc[1] && cc[2] == '\0')
				return gr;
	}
	return -1;
}

static int
in_codes(const char *const *codes, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(codes[i], s) == 0)
			return 1;
	return 0;
}

static const char *
str_of(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static void
assert_option(const json_t *o, const char *key, const char *const *set)
{
	const char *s = str_of(o, key);

	if (s == NULL || !in_set(set, s))
		fail_msg("%s: \"%s\" is not one of the options", key, s != NULL ? s : "(none)");
}

static void
assert_only_fields(const json_t *o, const char *const *allowed)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)o, key, v) {
		(void)v;
		if (!in_set(allowed, key))
			fail_msg("unknown field %s", key);
	}
}

/* Ethiopic U+1200..U+137F is E1 88 80 .. E1 8D BF; Arabic U+0600..U+06FF leads D8..DB. */
static int
has_ethiopic(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)s[0] == 0xE1 && (unsigned char)s[1] >= 0x88 &&
		    (unsigned char)s[1] <= 0x8D)
			return 1;
	return 0;
}

static int
has_arabic(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0xD8 && (unsigned char)*s <= 0xDB)
			return 1;
	return 0;
}

static int64_t
days_of(const char *date)
{
	int y, m, d;

	assert_int_equal(date_parse(date, &y, &m, &d), 0);
	return date_days(y, m, d);
}

static void
assert_bool(const json_t *o, const char *key)
{
	if (!json_is_boolean(json_object_get(o, key)))
		fail_msg("%s is not a boolean", key);
}

static int
ends_with(const char *s, const char *tail)
{
	size_t n = strlen(s), k = strlen(tail);

	return n > k && s[n - k - 1] == ' ' && strcmp(s + n - k, tail) == 0;
}

/* Every field and option of one case, and the facts that hold together. */
static void
check_case(const json_t *c, const char *const *codes, size_t ncodes)
{
	const json_t *a, *v, *fam, *m;
	const char *s, *status, *caregiver;
	int64_t today = days_of(TODAY), reg;
	int age, caregivers = 0;
	size_t i, j;

	assert_true(json_is_object(c));
	assert_only_fields(c, case_fields);
	assert_null(json_object_get(c, "name"));
	assert_option(c, "sex", sexes);
	assert_true(str_of(c, "name_first") != NULL || str_of(c, "name_last") != NULL);
	for (i = 0; case_fields[i] != NULL; i++) {
		v = json_object_get(c, case_fields[i]);
		if (strncmp(case_fields[i], "name_", 5) == 0 && v != NULL)
			assert_true(json_is_string(v) && json_string_length(v) > 0);
	}

	assert_true(json_is_integer(json_object_get(c, "age")));
	age = (int)json_integer_value(json_object_get(c, "age"));
	assert_true(age >= 2 && age <= 17);
	assert_bool(c, "estimated");
	if ((s = str_of(c, "date_of_birth")) != NULL) {
		assert_true(days_of(s) <= today);
		assert_int_equal(date_age_years(s, TODAY), age);
		assert_true(json_is_false(json_object_get(c, "estimated")));
	} else {
		assert_true(json_is_true(json_object_get(c, "estimated")));
	}
	reg = days_of(str_of(c, "registration_date"));
	assert_true(reg <= today && reg > today - 400);

	a = json_object_get(c, "nationality");
	assert_true(json_is_array(a) && json_array_size(a) == 1);
	assert_true(group_of(json_string_value(json_array_get(a, 0))) >= 0);
	a = json_object_get(c, "language");
	assert_true(json_is_array(a) && json_array_size(a) >= 1 && json_array_size(a) <= 2);
	json_array_foreach(a, i, v) {
		assert_true(json_is_string(v) && in_set(languages, json_string_value(v)));
		for (j = 0; j < i; j++)
			assert_string_not_equal(json_string_value(v),
			    json_string_value(json_array_get(a, j)));
	}
	s = str_of(c, "location_current");
	assert_true(s != NULL && in_codes(codes, ncodes, s));
	assert_option(c, "displacement_status", displacement);
	assert_option(c, "unaccompanied_separated_status", uasc);
	status = str_of(c, "unaccompanied_separated_status");

	a = json_object_get(c, "protection_concerns");
	assert_true(json_is_array(a) && json_array_size(a) >= 1 && json_array_size(a) <= 4);
	json_array_foreach(a, i, v) {
		assert_true(json_is_string(v) && in_set(concerns, json_string_value(v)));
		for (j = 0; j < i; j++)
			assert_string_not_equal(json_string_value(v),
			    json_string_value(json_array_get(a, j)));
	}
	for (j = 0; j < 2; j++) {
		int listed = 0;

		json_array_foreach(a, i, v)
			listed |= strcmp(json_string_value(v), uasc[j]) == 0;
		assert_int_equal(listed, strcmp(status, uasc[j]) == 0);
	}
	assert_bool(c, "urgent_protection_concern");
	assert_option(c, "risk_level", risks);
	assert_bool(c, "consent_for_services");
	assert_bool(c, "consent_for_tracing");
	assert_bool(c, "disclosure_other_orgs");
	assert_bool(c, "consent_reporting");
	assert_option(c, "consent_source", consent_sources);
	if (age >= 15)
		assert_string_equal(str_of(c, "consent_source"), "child");

	fam = json_object_get(c, "family_details_section");
	assert_true(json_is_array(fam) && json_array_size(fam) >= 1 &&
	    json_array_size(fam) <= 4);
	caregiver = str_of(c, "name_caregiver");
	json_array_foreach(fam, i, m) {
		assert_only_fields(m, family_fields);
		assert_true(str_of(m, "relation_name") != NULL);
		assert_option(m, "relation", relations);
		assert_option(m, "relation_is_alive", alive);
		assert_option(m, "relation_sex", sexes);
		assert_bool(m, "relation_is_caregiver");
		assert_string_equal(str_of(m, "relation_nationality"),
		    json_string_value(json_array_get(json_object_get(c, "nationality"), 0)));
		if ((v = json_object_get(m, "relation_age")) != NULL)
			assert_true(json_is_integer(v) && json_integer_value(v) >= 0 &&
			    json_integer_value(v) <= 120);
		if ((s = str_of(m, "relation_location_current")) != NULL)
			assert_true(in_codes(codes, ncodes, s));
		if ((s = str_of(m, "relation_telephone")) != NULL)
			assert_true(strncmp(s, "+000 555 ", 9) == 0 && strlen(s) == 13);
		for (j = 0; j < i; j++)		/* no two relatives of one name */
			assert_string_not_equal(str_of(m, "relation_name"),
			    str_of(json_array_get(fam, j), "relation_name"));
		if (json_is_true(json_object_get(m, "relation_is_caregiver"))) {
			caregivers++;
			assert_non_null(caregiver);
			assert_string_equal(str_of(m, "relation_name"), caregiver);
			assert_string_equal(str_of(m, "relation"),
			    str_of(c, "relationship_caregiver"));
			assert_string_equal(str_of(m, "relation_is_alive"), "alive");
		}
	}
	assert_int_equal(caregivers, strcmp(status, "unaccompanied") != 0);
	assert_int_equal(caregiver != NULL, strcmp(status, "unaccompanied") != 0);
	if (caregiver != NULL)
		assert_option(c, "relationship_caregiver", relations);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void
test_same_seed_gives_the_same_cases(void **state)
{
	struct locs *l = *state;
	struct gen *a = gen_new(42), *b = gen_new(42);

	assert_non_null(a);
	assert_non_null(b);
	for (int i = 0; i < 50; i++) {
		json_t *ca = gen_case(a, TODAY, l->codes, l->n);
		json_t *cb = gen_case(b, TODAY, l->codes, l->n);
		char *sa = json_dump_compact(ca), *sb = json_dump_compact(cb);

		assert_non_null(sa);
		assert_non_null(sb);
		assert_string_equal(sa, sb);
		free(sa);
		free(sb);
		json_decref(ca);
		json_decref(cb);
	}
	assert_true(gen_next(a) == gen_next(b));
	gen_free(a);
	gen_free(b);
}

static void
test_different_seeds_give_different_cases(void **state)
{
	struct locs *l = *state;
	struct gen *a = gen_new(1), *b = gen_new(2);
	int differ = 0;

	for (int i = 0; i < 50; i++) {
		json_t *ca = gen_case(a, TODAY, l->codes, l->n);
		json_t *cb = gen_case(b, TODAY, l->codes, l->n);
		char *sa = json_dump_compact(ca), *sb = json_dump_compact(cb);

		differ += strcmp(sa, sb) != 0;
		free(sa);
		free(sb);
		json_decref(ca);
		json_decref(cb);
	}
	assert_true(differ >= 45);
	gen_free(a);
	gen_free(b);
}

static void
test_uniform_stays_in_range_and_is_even(void **state)
{
	struct gen *g = gen_new(7);
	unsigned hits[3] = { 0 };

	(void)state;
	assert_int_equal(gen_uniform(g, 0), 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(gen_uniform(g, 1), 0);
	for (uint32_t n = 1; n < 2000; n += 37)
		assert_true(gen_uniform(g, n) < n);
	assert_true(gen_uniform(g, UINT32_MAX) < UINT32_MAX);
	for (int i = 0; i < 30000; i++)
		hits[gen_uniform(g, 3)]++;
	for (int i = 0; i < 3; i++)
		assert_true(hits[i] > 9500 && hits[i] < 10500);
	gen_free(g);
}

struct tally {
	int	male, female, estimated, unaccompanied, separated, teen, script_geez,
		script_arabic, trafficked, three_names_horn, horn, nickname, other_name;
	int	group[G__MAX], risk[3];
};

static void
tally_case(struct tally *t, const json_t *c)
{
	const char *cc = json_string_value(json_array_get(json_object_get(c, "nationality"), 0));
	const char *s = str_of(c, "name_original_script");
	int gr = group_of(cc), age = (int)json_integer_value(json_object_get(c, "age"));
	const json_t *v;
	size_t i;

	t->group[gr]++;
	if (strcmp(str_of(c, "sex"), "male") == 0)
		t->male++;
	else
		t->female++;
	t->estimated += json_is_true(json_object_get(c, "estimated"));
	t->unaccompanied += strcmp(str_of(c, "unaccompanied_separated_status"),
	    "unaccompanied") == 0;
	t->separated += strcmp(str_of(c, "unaccompanied_separated_status"), "separated") == 0;
	t->teen += age >= 13;
	t->nickname += str_of(c, "name_nickname") != NULL;
	t->other_name += str_of(c, "name_other") != NULL;
	for (i = 0; i < 3; i++)
		t->risk[i] += strcmp(str_of(c, "risk_level"), risks[i]) == 0;
	json_array_foreach(json_object_get(c, "protection_concerns"), i, v)
		t->trafficked += strcmp(json_string_value(v), "trafficked") == 0;
	if (s != NULL) {
		/* the script fits the group */
		if (gr == G_HORN) {
			assert_true(has_ethiopic(s));
			t->script_geez++;
		} else {
			assert_true(gr == G_ARABIC || gr == G_AFGHAN);
			assert_true(has_arabic(s));
			t->script_arabic++;
		}
	}
	if (gr == G_HORN || gr == G_SOMALI) {
		/* given + father + grandfather, no surname */
		assert_non_null(str_of(c, "name_middle"));
		assert_non_null(str_of(c, "name_last"));
		if (gr == G_HORN)
			t->horn++, t->three_names_horn++;
	}
}

static void
test_many_cases_are_valid_and_realistic(void **state)
{
	struct locs *l = *state;
	struct gen *g = gen_new(2026);
	struct tally t;

	memset(&t, 0, sizeof(t));
	for (int i = 0; i < NCASES; i++) {
		json_t *c = gen_case(g, TODAY, l->codes, l->n);

		assert_non_null(c);
		check_case(c, l->codes, l->n);
		tally_case(&t, c);
		json_decref(c);
	}
	/* ~55% boys, ~45% girls */
	assert_true(t.male > NCASES * 50 / 100 && t.male < NCASES * 60 / 100);
	assert_true(t.female > 0);
	/* ~60% estimated ages; mostly adolescents */
	assert_true(t.estimated > NCASES * 52 / 100 && t.estimated < NCASES * 68 / 100);
	assert_true(t.teen > NCASES * 60 / 100);
	/* ~70% unaccompanied, ~20% separated */
	assert_true(t.unaccompanied > NCASES * 62 / 100 && t.unaccompanied < NCASES * 78 / 100);
	assert_true(t.separated > NCASES * 14 / 100 && t.separated < NCASES * 26 / 100);
	/* high 25%, medium 45%, low 30% */
	assert_true(t.risk[0] > NCASES * 20 / 100 && t.risk[0] < NCASES * 30 / 100);
	assert_true(t.risk[1] > NCASES * 40 / 100 && t.risk[1] < NCASES * 50 / 100);
	assert_true(t.risk[2] > NCASES * 25 / 100 && t.risk[2] < NCASES * 35 / 100);
	for (int gr = 0; gr < G__MAX; gr++)
		assert_true(t.group[gr] >= 20);
	assert_true(t.script_geez >= 50);
	assert_true(t.script_arabic >= 50);
	assert_true(t.trafficked > 0);
	assert_true(t.nickname > 0 && t.other_name > 0);
	gen_free(g);
}

/* Relatives' names follow the child's: the father of "A B C" is "B C ...", a sibling is
 * "X B C"; a Central American sibling shares both surnames. */
static void
test_relatives_follow_the_naming_convention(void **state)
{
	struct locs *l = *state;
	struct gen *g = gen_new(99);
	int fathers = 0, siblings = 0, hispanic = 0;
	char want[512];

	for (int i = 0; i < NCASES; i++) {
		json_t *c = gen_case(g, TODAY, l->codes, l->n), *m;
		const char *cc = json_string_value(json_array_get(json_object_get(c, "nationality"),
		    0));
		const char *mid = str_of(c, "name_middle"), *last = str_of(c, "name_last");
		size_t k;
		int gr = group_of(cc);

		json_array_foreach(json_object_get(c, "family_details_section"), k, m) {
			const char *rel = str_of(m, "relation"), *name = str_of(m, "relation_name");
			int sibling = strcmp(rel, "brother") == 0 || strcmp(rel, "sister") == 0;

			if ((gr == G_HORN || gr == G_SOMALI || strcmp(cc, "SD") == 0) &&
			    strcmp(rel, "father") == 0) {
				snprintf(want, sizeof(want), "%s %s ", mid, last);
				assert_true(strncmp(name, want, strlen(want)) == 0);
				fathers++;
			}
			if ((gr == G_HORN || gr == G_SOMALI) && sibling) {
				snprintf(want, sizeof(want), "%s %s", mid, last);
				assert_true(ends_with(name, want));
				siblings++;
			}
			if (strcmp(cc, "HN") == 0 && sibling) {
				assert_true(ends_with(name, last));
				hispanic++;
			}
		}
		json_decref(c);
	}
	assert_true(fathers > 20 && siblings > 20 && hispanic > 10);
	gen_free(g);
}

/* Children are placed on their route: an Eritrean child in Sudan, Ethiopia, Libya,
 * Italy, Egypt or Uganda; a Honduran child in Honduras, Guatemala or Mexico. */
static void
test_locations_fit_the_route(void **state)
{
	struct locs *l = *state;
	struct gen *g = gen_new(5);
	int er = 0, hn = 0, admin = 0;

	for (int i = 0; i < NCASES; i++) {
		json_t *c = gen_case(g, TODAY, l->codes, l->n);
		const char *cc = json_string_value(json_array_get(json_object_get(c, "nationality"),
		    0));
		const char *loc = str_of(c, "location_current");
		char here[3] = { loc[0], loc[1], '\0' };

		if (strcmp(cc, "ER") == 0) {
			assert_non_null(strstr("SD ET LY IT EG UG", here));
			er++;
		}
		if (strcmp(cc, "HN") == 0) {
			assert_non_null(strstr("HN GT MX", here));
			hn++;
		}
		admin += strlen(loc) > 2;
		json_decref(c);
	}
	assert_true(er > 100 && hn > 50);
	assert_int_equal(admin, NCASES);	/* level-1/2 codes preferred */
	gen_free(g);
}

static void
test_locations_come_only_from_the_given_array(void **state)
{
	static const char *const off_route[] = { "XX", "XX01", "XX0102" };
	static const char *const countries[] = { "LY", "MX" };
	struct gen *g = gen_new(11);

	(void)state;
	for (int i = 0; i < 300; i++) {
		json_t *c = gen_case(g, TODAY, off_route, 3);

		check_case(c, off_route, 3);
		assert_true(strcmp(str_of(c, "location_current"), "XX") != 0);
		json_decref(c);
		c = gen_case(g, TODAY, countries, 2);
		check_case(c, countries, 2);
		json_decref(c);
	}
	gen_free(g);
}

static void
test_bad_arguments_give_null(void **state)
{
	static const char *const one[] = { "LY01" };
	struct gen *g = gen_new(3);

	(void)state;
	assert_null(gen_case(g, TODAY, one, 0));
	assert_null(gen_case(g, "2026-02-30", one, 1));
	assert_null(gen_case(g, "yesterday", one, 1));
	assert_null(gen_case(g, NULL, one, 1));
	assert_null(gen_case_variant(g, NULL, TODAY));
	gen_free(g);
	gen_free(NULL);
}

static void
test_dates_near_a_leap_day_stay_consistent(void **state)
{
	static const char *const days[] = { "2024-02-29", "2025-03-01", "2028-12-31",
	    "2030-01-01" };
	static const char *const one[] = { "IT0101" };
	struct gen *g = gen_new(8);

	(void)state;
	for (size_t d = 0; d < 4; d++)
		for (int i = 0; i < 300; i++) {
			json_t *c = gen_case(g, days[d], one, 1);
			const char *dob = str_of(c, "date_of_birth");
			int64_t reg = days_of(str_of(c, "registration_date"));

			if (dob != NULL)
				assert_int_equal(date_age_years(dob, days[d]),
				    json_integer_value(json_object_get(c, "age")));
			assert_true(reg <= days_of(days[d]) && reg > days_of(days[d]) - 400);
			json_decref(c);
		}
	gen_free(g);
}

static void
test_staff_names_are_full_names(void **state)
{
	struct gen *a = gen_new(17), *b = gen_new(17);

	(void)state;
	for (int i = 0; i < 300; i++) {
		json_t *x = gen_staff_name(a), *y = gen_staff_name(b);
		const char *s = str_of(x, "name");

		assert_non_null(s);
		assert_non_null(strchr(s, ' '));
		assert_int_equal(json_object_size(x), 1);
		assert_string_equal(s, str_of(y, "name"));
		json_decref(x);
		json_decref(y);
	}
	gen_free(a);
	gen_free(b);
}

/* No well-known person's name, whatever the spelling. */
static void
test_no_public_figures(void **state)
{
	static const char *const pairs[][2] = {
		{ "Mohamed", "Salah" }, { "Muhammad", "Salah" }, { "Aminata", "Traoré" },
		{ "Aminata", "Traore" }, { "Daniel", "Ortega" }, { "Omar", "Bashir" },
		{ "Ousmane", "Dembélé" }, { "Jennifer", "López" }, { "Oumou", "Sangaré" },
	};
	struct locs *l = *state;
	struct gen *g = gen_new(1234);
	char full[512];

	for (int i = 0; i < NCASES; i++) {
		json_t *c = gen_case(g, TODAY, l->codes, l->n);
		const char *f = str_of(c, "name_first"), *m = str_of(c, "name_middle"),
		    *la = str_of(c, "name_last");

		snprintf(full, sizeof(full), " %s %s %s ", f, m != NULL ? m : "",
		    la != NULL ? la : "");
		for (size_t p = 0; p < sizeof(pairs) / sizeof(pairs[0]); p++) {
			char w[128];

			snprintf(w, sizeof(w), " %s ", pairs[p][1]);
			if (strcmp(f, pairs[p][0]) == 0 && strstr(full, w) != NULL)
				fail_msg("%s", full);
		}
		json_decref(c);
	}
	gen_free(g);
}

static void
test_variants_are_the_same_child_spelled_otherwise(void **state)
{
	struct locs *l = *state;
	struct gen *g = gen_new(77), *h = gen_new(77);
	int changed = 0, script_changed = 0;

	for (int i = 0; i < 500; i++) {
		json_t *c = gen_case(g, "2025-06-01", l->codes, l->n);
		json_t *v = gen_case_variant(g, c, TODAY);
		json_t *c2 = gen_case(h, "2025-06-01", l->codes, l->n);
		json_t *v2 = gen_case_variant(h, c2, TODAY);
		char *sv = json_dump_compact(v), *sv2 = json_dump_compact(v2);
		int64_t reg = days_of(str_of(v, "registration_date"));
		int age = (int)json_integer_value(json_object_get(v, "age"));
		int age0 = (int)json_integer_value(json_object_get(c, "age"));
		const char *s;

		assert_non_null(v);
		assert_string_equal(sv, sv2);	/* deterministic too */
		assert_only_fields(v, case_fields);
		assert_string_equal(str_of(v, "sex"), str_of(c, "sex"));
		assert_true(json_equal(json_object_get(v, "nationality"),
		    json_object_get(c, "nationality")));
		assert_string_equal(str_of(v, "location_current"), str_of(c, "location_current"));
		assert_true(str_of(v, "name_first") != NULL);
		assert_true(reg >= days_of(str_of(c, "registration_date")) &&
		    reg <= days_of(TODAY));
		assert_true(age >= age0 - 2 && age <= age0 + 3 && age >= 0 && age <= 30);
		if ((s = str_of(v, "date_of_birth")) != NULL)
			assert_int_equal(date_age_years(s, TODAY), age);
		if ((s = str_of(v, "name_original_script")) != NULL)
			assert_true(has_ethiopic(s) || has_arabic(s));
		changed += !json_equal(json_object_get(v, "name_first"),
		    json_object_get(c, "name_first")) ||
		    !json_equal(json_object_get(v, "name_middle"),
		    json_object_get(c, "name_middle")) ||
		    !json_equal(json_object_get(v, "name_last"), json_object_get(c, "name_last"));
		script_changed += !json_equal(json_object_get(v, "name_original_script"),
		    json_object_get(c, "name_original_script"));
		free(sv);
		free(sv2);
		json_decref(c);
		json_decref(v);
		json_decref(c2);
		json_decref(v2);
	}
	assert_true(changed > 100 && changed < 450);
	assert_true(script_changed > 20);
	gen_free(g);
	gen_free(h);
}

static int
setup_locations(void **state)
{
	struct locs *l = malloc(sizeof(*l));

	if (l == NULL)
		return -1;
	locs_load(l);
	*state = l;
	return 0;
}

static int
teardown_locations(void **state)
{
	free(*state);
	return 0;
}

/* Every generated case, and every variant of one, passes the real case form. */
static void
test_generated_cases_pass_the_case_form(void **state)
{
	struct locs *l = *state;
	struct forms *fs = forms_new();
	struct form_context ctx = { TODAY, NULL, NULL };
	struct form_errors errs;
	struct gen *g = gen_new(7);
	char msg[256];
	size_t i;
	int k;

	assert_non_null(fs);
	assert_non_null(g);
	for (i = 0; i < embed_count; i++)
		if (strncmp(embed_files[i].path, "config/lookups/", 15) == 0)
			assert_int_equal(forms_add_lookup(fs, embed_files[i].data,
			    embed_files[i].len, msg, sizeof(msg)), 0);
	assert_int_equal(forms_add_form(fs, embed_find("config/forms/case.json")->data,
	    embed_find("config/forms/case.json")->len, msg, sizeof(msg)), 0);
	for (k = 0; k < 1500; k++) {
		json_t *c = gen_case(g, TODAY, l->codes, l->n);
		json_t *v = gen_case_variant(g, c, TODAY);

		memset(&errs, 0, sizeof(errs));
		if (form_validate(forms_get(fs, "case"), c, &ctx, &errs) != 0 ||
		    form_validate(forms_get(fs, "case"), v, &ctx, &errs) != 0) {
			form_errors_format(&errs, msg, sizeof(msg));
			fail_msg("generated case %d is not valid: %s", k, msg);
		}
		json_decref(c);
		json_decref(v);
	}
	gen_free(g);
	forms_free(fs);
}

/* Generated VoT records pass the VoT form, come out the same for the same seed, and
 * have the proportions gen.h promises (within what 3000 draws allow). */
static void
test_generated_vots_pass_the_vot_form(void **state)
{
	struct locs *l = *state;
	struct forms *fs = forms_new();
	struct form_context ctx = { TODAY, NULL, NULL };
	struct form_errors errs;
	struct gen *g = gen_new(11), *g2 = gen_new(11);
	char msg[256], *a, *b;
	int k, female = 0, minors = 0, confirmed = 0, consent = 0, labour = 0, sexual = 0;
	enum gen_route r;

	assert_non_null(fs);
	assert_non_null(g);
	assert_non_null(g2);
	for (size_t i = 0; i < embed_count; i++)
		if (strncmp(embed_files[i].path, "config/lookups/", 15) == 0)
			assert_int_equal(forms_add_lookup(fs, embed_files[i].data,
			    embed_files[i].len, msg, sizeof(msg)), 0);
	assert_int_equal(forms_add_form(fs, embed_find("config/forms/vot.json")->data,
	    embed_find("config/forms/vot.json")->len, msg, sizeof(msg)), 0);
	for (k = 0; k < 3000; k++) {
		json_t *v, *v2;
		const json_t *age, *types;

		r = (enum gen_route)(k % GEN_ROUTE__MAX);
		v = gen_vot(g, TODAY, r, l->codes, l->n);
		v2 = gen_vot(g2, TODAY, r, l->codes, l->n);
		assert_non_null(v);
		memset(&errs, 0, sizeof(errs));
		if (form_validate(forms_get(fs, "vot"), v, &ctx, &errs) != 0) {
			form_errors_format(&errs, msg, sizeof(msg));
			fail_msg("generated VoT record %d is not valid: %s", k, msg);
		}
		a = json_dumps(v, JSON_SORT_KEYS | JSON_COMPACT);
		b = json_dumps(v2, JSON_SORT_KEYS | JSON_COMPACT);
		assert_string_equal(a, b);
		free(a);
		free(b);
		assert_null(json_object_get(v, "case_id"));
		/* the year of registration is the year of identification */
		assert_int_equal(json_integer_value(json_object_get(v,
		    "year_of_registration")), atoi(json_get_str(v, "identification_date")));
		assert_true(strcmp(json_get_str(v, "identification_date"), TODAY) <= 0);
		female += strcmp(json_get_str(v, "sex"), "female") == 0;
		age = json_object_get(v, "age_at_identification");
		minors += json_integer_value(age) < 18;
		confirmed += strcmp(json_get_str(v, "screening_outcome"),
		    "confirmed_victim") == 0;
		consent += json_is_true(json_object_get(v, "consent_reporting"));
		types = json_object_get(v, "exploitation_types");
		for (size_t i = 0; i < json_array_size(types); i++) {
			labour += strcmp(json_string_value(json_array_get(types, i)),
			    "isForcedLabour") == 0;
			sexual += strcmp(json_string_value(json_array_get(types, i)),
			    "isSexualExploit") == 0;
		}
		json_decref(v);
		json_decref(v2);
	}
	/* two in three female, three in ten minors, four in five confirmed, 85 % consent */
	assert_in_range(female, 1850, 2250);
	assert_in_range(minors, 750, 1050);
	assert_in_range(confirmed, 2250, 2550);
	assert_in_range(consent, 2400, 2700);
	assert_true(labour > 1000 && sexual > 1000);
	assert_null(gen_vot(g, "2026-13-01", GEN_ROUTE_HORN, l->codes, l->n));
	assert_null(gen_vot(g, TODAY, GEN_ROUTE__MAX, l->codes, l->n));
	assert_null(gen_vot(g, TODAY, GEN_ROUTE_HORN, l->codes, 0));
	gen_free(g);
	gen_free(g2);
	forms_free(fs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_location_file_is_a_consistent_hierarchy),
		cmocka_unit_test(test_same_seed_gives_the_same_cases),
		cmocka_unit_test(test_different_seeds_give_different_cases),
		cmocka_unit_test(test_uniform_stays_in_range_and_is_even),
		cmocka_unit_test(test_many_cases_are_valid_and_realistic),
		cmocka_unit_test(test_relatives_follow_the_naming_convention),
		cmocka_unit_test(test_locations_fit_the_route),
		cmocka_unit_test(test_locations_come_only_from_the_given_array),
		cmocka_unit_test(test_bad_arguments_give_null),
		cmocka_unit_test(test_dates_near_a_leap_day_stay_consistent),
		cmocka_unit_test(test_staff_names_are_full_names),
		cmocka_unit_test(test_no_public_figures),
		cmocka_unit_test(test_variants_are_the_same_child_spelled_otherwise),
		cmocka_unit_test(test_generated_cases_pass_the_case_form),
		cmocka_unit_test(test_generated_vots_pass_the_vot_form),
	};

	return cmocka_run_group_tests(tests, setup_locations, teardown_locations);
}
