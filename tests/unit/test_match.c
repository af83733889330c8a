/* test_match.c — the tracing request form, and matching traces and cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/embed.h"
#include "base/err.h"
#include "base/io.h"
#include "domain/form.h"
#include "domain/gen.h"
#include "domain/match.h"
#include "domain/names.h"
#include "domain/record.h"

#define TODAY	"2025-06-15"

static struct match_config *cfg;

/* ---- helpers ------------------------------------------------------------------------ */

static json_t *
js(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (j == NULL)
		fail_msg("bad test JSON: %s: %s", e.text, text);
	return j;
}

static struct match_config *
config_from(const char *text, int *rc, char *msg, size_t msgsz)
{
	struct match_config *c = NULL;

	*rc = match_config_load(text, strlen(text), &c, msg, msgsz);
	return c;
}

static int
load_shipped_config(void **state)
{
	struct buf b = BUF_INIT;
	char msg[256];

	(void)state;
	assert_int_equal(io_read_file("config/match.json", 1 << 20, &b), RC_OK);
	if (match_config_load(b.p, b.len, &cfg, msg, sizeof(msg)) != RC_OK)
		fail_msg("config/match.json: %s", msg);
	buf_free(&b);
	return 0;
}

static int
free_config(void **state)
{
	(void)state;
	match_config_free(cfg);
	return 0;
}

/* Compare two cases given as JSON texts. */
static struct match_result
cases(const char *a, const char *b)
{
	struct match_result r;
	json_t *ja = js(a), *jb = js(b);

	assert_int_equal(match_compare_cases(cfg, ja, jb, TODAY, &r), RC_OK);
	json_decref(ja);
	json_decref(jb);
	return r;
}

/* Compare a case with a trace of a request, given as JSON texts. */
static struct match_result
case_trace(const char *c, const char *request, const char *trace)
{
	struct match_result r;
	json_t *jc = js(c), *jr = request != NULL ? js(request) : NULL, *jt = js(trace);

	assert_int_equal(match_compare_case_trace(cfg, jc, jr, jt, TODAY, &r), RC_OK);
	json_decref(jc);
	json_decref(jr);
	json_decref(jt);
	return r;
}

/* The name agreement of two full names. */
static enum match_level
name_level(const char *a, const char *b)
{
	char ca[512], cb[512];
	json_t *na = json_pack("{s:s}", "name", a), *nb = json_pack("{s:s}", "name", b);
	char *sa = json_dumps(na, 0), *sb = json_dumps(nb, 0);
	struct match_result r;

	snprintf(ca, sizeof(ca), "%s", sa);
	snprintf(cb, sizeof(cb), "%s", sb);
	free(sa);
	free(sb);
	json_decref(na);
	json_decref(nb);
	r = cases(ca, cb);
	return r.field[MATCH_NAME].level;
}

static void
expect_name(const char *a, const char *b, enum match_level want)
{
	enum match_level got = name_level(a, b), back = name_level(b, a);

	if (got != want || back != want)
		fail_msg("names \"%s\" and \"%s\": %s and %s, expected %s", a, b,
		    match_level_name(got), match_level_name(back), match_level_name(want));
}

static void
expect_codes_meet(const char *a, const char *b)
{
	char la[NAMES_LATIN_MAX], lb[NAMES_LATIN_MAX], ca[2][32], cb[2][32];
	struct buf na = BUF_INIT, nb = BUF_INIT;
	int i, j, meet = 0;

	assert_int_equal(names_normalise(a, &na), RC_OK);
	assert_int_equal(names_normalise(b, &nb), RC_OK);
	assert_true(names_latin(na.p, la, sizeof(la)) > 0);
	assert_true(names_latin(nb.p, lb, sizeof(lb)) > 0);
	for (i = 0; i < 2; i++) {
		assert_true(names_phonetic(la, i, ca[i], sizeof(ca[i])) >= 0);
		assert_true(names_phonetic(lb, i, cb[i], sizeof(cb[i])) >= 0);
	}
	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++)
			meet |= ca[i][0] != '\0' && strcmp(ca[i], cb[j]) == 0;
	if (!meet)
		fail_msg("%s (%s: %s|%s) and %s (%s: %s|%s) share no phonetic code", a, la,
		    ca[0], ca[1], b, lb, cb[0], cb[1]);
	buf_free(&na);
	buf_free(&nb);
}

/* ---- the tracing request form ------------------------------------------------------ */

struct form_fixture {
	struct forms		*fs;
	const struct form	*f;
	struct form_context	 ctx;
};

static struct form_fixture *
form_setup(void)
{
	const struct embed_file *ef = embed_find("config/forms/tracing_request.json");
	struct form_fixture *f = calloc(1, sizeof(*f));
	char msg[256];
	size_t i;

	assert_non_null(f);
	assert_non_null(ef);
	assert_non_null(f->fs = forms_new());
	for (i = 0; i < embed_count; i++)
		if (strncmp(embed_files[i].path, "config/lookups/", 15) == 0 &&
		    forms_add_lookup(f->fs, embed_files[i].data, embed_files[i].len, msg,
		    sizeof(msg)) != RC_OK)
			fail_msg("%s: %s", embed_files[i].path, msg);
	if (forms_add_form(f->fs, ef->data, ef->len, msg, sizeof(msg)) != RC_OK)
		fail_msg("tracing_request.json: %s", msg);
	assert_non_null(f->f = forms_get(f->fs, "tracing_request"));
	f->ctx.today = TODAY;
	return f;
}

static const char full_request[] =
    "{\"inquiry_date\": \"2025-06-01\","
    " \"relation_name\": \"Tesfaye Kidane Habte\", \"relation_nickname\": \"Abba Tesfa\","
    " \"relation\": \"father\", \"relation_sex\": \"male\","
    " \"relation_telephone\": \"+000 555 0142\","
    " \"relation_address_current\": \"Block 4, reception centre\","
    " \"relation_location_current\": \"SD0201\", \"relation_nationality\": \"ER\","
    " \"relation_language\": [\"ti\", \"ar\"],"
    " \"tracing_request_subform_section\": [{"
    "   \"unique_id\": \"5b0e7e0c-6a53-4c39-9a55-2d7cb1f0f0a1\","
    "   \"name\": \"ዮናስ ተስፋየ ኪዳነ\", \"name_nickname\": \"Yoni\","
    "   \"name_other\": \"Yonas Tesfaye Kidane\", \"sex\": \"male\", \"age\": 9,"
    "   \"estimated\": true, \"date_of_birth\": \"2016-02-01\","
    "   \"nationality\": [\"ER\"], \"language\": [\"ti\"],"
    "   \"location_separation\": \"LY03\", \"date_of_separation\": \"2024-11-20\","
    "   \"separation_cause\": \"lost_on_journey\","
    "   \"separation_details\": \"Lost in a crowd at a checkpoint\","
    "   \"physical_description\": \"Scar above the left eye\","
    "   \"tracing_status\": \"open\"},"
    "  {\"name\": \"Selam Tesfaye\", \"sex\": \"female\", \"age\": 6}],"
    " \"family_members\": [{\"relation_name\": \"Hiwet Berhane\", \"relation\": \"mother\","
    "   \"relation_nickname\": \"Hiwi\", \"relation_is_alive\": \"alive\","
    "   \"relation_location_current\": \"ER01\"}],"
    " \"consent_for_tracing\": true, \"consent_notes\": \"Not to the uncle\"}";

static void
expect_invalid(struct form_fixture *f, const char *patch, const char *field)
{
	json_t *r = js(full_request), *p = js(patch);
	struct form_errors errs;
	size_t i;

	assert_int_equal(record_merge_patch(r, p), RC_OK);
	memset(&errs, 0, sizeof(errs));
	assert_int_equal(form_validate(f->f, r, &f->ctx, &errs), RC_EINVALID);
	for (i = 0; i < errs.n; i++)
		if (strcmp(errs.e[i].field, field) == 0)
			break;
	if (i == errs.n)
		fail_msg("%s: no error on %s (first: %s %s)", patch, field,
		    errs.n ? errs.e[0].field : "-", errs.n ? errs.e[0].problem : "-");
	json_decref(r);
	json_decref(p);
}

static void
test_tracing_request_form_loads_and_validates(void **state)
{
	struct form_fixture *f = form_setup();
	const struct form_field *sub, *fld;
	struct form_errors errs;
	json_t *r = js(full_request);
	char msg[512];

	(void)state;
	memset(&errs, 0, sizeof(errs));
	if (form_validate(f->f, r, &f->ctx, &errs) != RC_OK) {
		form_errors_format(&errs, msg, sizeof(msg));
		fail_msg("the full example is refused: %s", msg);
	}
	json_decref(r);

	/* the field ids the API and the matcher rely on */
	sub = form_field_find(f->f, "tracing_request_subform_section");
	assert_non_null(sub);
	assert_int_equal(sub->type, FT_SUBFORM);
	assert_true(sub->required);
	assert_non_null(fld = form_field_find(sub->subform, "separation_cause"));
	assert_string_equal(fld->lookup, "lookup-separation-cause");
	assert_int_equal(fld->sensitivity, FS_SENSITIVE);
	assert_non_null(fld = form_field_find(sub->subform, "unique_id"));
	assert_int_equal(fld->sensitivity, FS_IDENTIFYING);	/* inherited */
	assert_non_null(form_field_find(sub->subform, "tracing_status"));
	assert_non_null(fld = form_field_find(f->f, "relation_location_current"));
	assert_int_equal(fld->type, FT_LOCATION);
	/* sensitive, not restricted: the FTR officer who registers the request (who
	 * sees up to sensitive) records the consent */
	assert_non_null(fld = form_field_find(f->f, "consent_for_tracing"));
	assert_int_equal(fld->sensitivity, FS_SENSITIVE);
	assert_non_null(fld = form_field_find(f->f, "family_members"));
	assert_int_equal(fld->sensitivity, FS_SENSITIVE);
	assert_non_null(forms_lookup(f->fs, "lookup-tracing-status"));

	expect_invalid(f, "{\"relation_name\": null}", "relation_name");
	expect_invalid(f, "{\"relation\": \"neighbour_of_a_friend\"}", "relation");
	expect_invalid(f, "{\"consent_for_tracing\": \"yes\"}", "consent_for_tracing");
	expect_invalid(f, "{\"tracing_request_subform_section\": []}",
	    "tracing_request_subform_section");
	expect_invalid(f, "{\"tracing_request_subform_section\": [{\"sex\": \"male\"}]}",
	    "tracing_request_subform_section[0].name");
	expect_invalid(f, "{\"tracing_request_subform_section\": [{\"name\": \"Awa\", "
	    "\"separation_cause\": \"aliens\"}]}",
	    "tracing_request_subform_section[0].separation_cause");
	expect_invalid(f, "{\"tracing_request_subform_section\": [{\"name\": \"Awa\"}, "
	    "{\"name\": \"Awa Keita\", \"age\": 40}]}",
	    "tracing_request_subform_section[1].age");
	expect_invalid(f, "{\"tracing_request_subform_section\": [{\"name\": \"Awa\", "
	    "\"date_of_separation\": \"2031-01-01\"}]}",
	    "tracing_request_subform_section[0].date_of_separation");
	expect_invalid(f, "{\"tracing_request_subform_section\": [{\"name\": \"Awa\", "
	    "\"location_separation\": \"ly03\"}]}",
	    "tracing_request_subform_section[0].location_separation");
	expect_invalid(f, "{\"tracing_request_subform_section\": [{\"name\": \"Awa\", "
	    "\"eye_colour\": \"brown\"}]}", "tracing_request_subform_section[0].eye_colour");
	expect_invalid(f, "{\"family_members\": [{\"relation\": \"mother\"}]}",
	    "family_members[0].relation_name");
	expect_invalid(f, "{\"family_members\": {\"relation_name\": \"Hiwet\"}}",
	    "family_members");
	forms_free(f->fs);
	free(f);
}

/* ---- configuration ----------------------------------------------------------------- */

static void
test_shipped_weights_are_ordered_best_first(void **state)
{
	static const enum match_level order[MATCH_FIELD__MAX][5] = {
		[MATCH_NAME] = { MATCH_EXACT, MATCH_PHONETIC, MATCH_SIMILAR, MATCH_PARTIAL,
		    MATCH_DISAGREE },
		[MATCH_SEX] = { MATCH_AGREE, MATCH_DISAGREE },
		[MATCH_AGE] = { MATCH_WITHIN_1, MATCH_WITHIN_3, MATCH_DISAGREE },
		[MATCH_DATE_OF_BIRTH] = { MATCH_EXACT, MATCH_YEAR, MATCH_DISAGREE },
		[MATCH_LOCATION] = { MATCH_SAME, MATCH_AREA, MATCH_COUNTRY, MATCH_DISAGREE },
		[MATCH_DATE_OF_SEPARATION] = { MATCH_CLOSE, MATCH_PLAUSIBLE,
		    MATCH_IMPLAUSIBLE },
		[MATCH_FAMILY] = { MATCH_EXACT, MATCH_PHONETIC, MATCH_SIMILAR, MATCH_PARTIAL,
		    MATCH_DISAGREE },
	};
	int p, f, i;
	double w, prev;

	(void)state;
	for (p = 0; p < MATCH_PROFILE__MAX; p++)
		for (f = 0; f < MATCH_FIELD__MAX; f++) {
			prev = 1e9;
			for (i = 0; i < 5 && order[f][i] != MATCH_MISSING; i++) {
				w = match_config_weight(cfg, p, f, order[f][i]);
				if (w > prev)
					fail_msg("%s %s: %s weighs more than a better level",
					    match_profile_name(p), match_field_name(f),
					    match_level_name(order[f][i]));
				prev = w;
			}
			/* the best level is evidence for, the worst against */
			assert_true(match_config_weight(cfg, p, f, order[f][0]) > 0);
			assert_true(prev < 0);
			assert_true(match_config_weight(cfg, p, f, MATCH_MISSING) == 0);
		}
	/* the score grows with the weight, from 0 to 1 */
	prev = -1;
	for (w = -2000; w <= 2000; w += 0.5) {
		double s = match_config_score(cfg, MATCH_PROFILE_TRACE, w);

		assert_true(s >= prev);
		if (w > -30 && w < 30)
			assert_true(s > prev);
		assert_true(s >= 0 && s <= 1);
		prev = s;
	}
	assert_true(match_config_score(cfg, MATCH_PROFILE_TRACE, -2000) == 0);
	assert_true(match_config_score(cfg, MATCH_PROFILE_TRACE, 2000) == 1);
}

static const char small_config[] =
    "{\"jaro_winkler_similar\": 0.9, \"age_tolerance_years\": [1, 3],"
    " \"location_levels\": [2, 4, 6],"
    " \"separation_days\": {\"grace\": 30, \"close\": 365, \"max\": 1825},"
    " \"profiles\": {\"trace\": %s, \"duplicate\": %s}}";

static const char small_profile[] =
    "{\"prior\": 0.5, \"likely\": 0.9, \"possible\": 0.5, \"fields\": {"
    " \"name\": {\"exact\": {\"m\": 0.5, \"u\": 0.0625}, \"phonetic\": {\"m\": 0.2, \"u\": 0.1},"
    "   \"similar\": {\"m\": 0.1, \"u\": 0.1}, \"partial\": {\"m\": 0.1, \"u\": 0.2},"
    "   \"disagree\": {\"m\": 0.1, \"u\": 0.5375}%s},"
    " \"sex\": {\"agree\": {\"m\": 1, \"u\": 0.5}, \"disagree\": {\"m\": 0.25, \"u\": 0.5}},"
    " \"age\": {\"within_1\": {\"m\": 0.5, \"u\": 0.25}, \"within_3\": {\"m\": 0.3, \"u\": 0.3},"
    "   \"disagree\": {\"m\": 0.2, \"u\": 0.45}%s},"
    " \"date_of_birth\": {\"exact\": {\"m\": 0.5, \"u\": 0.01}, \"year\": {\"m\": 0.3, \"u\": 0.1},"
    "   \"disagree\": {\"m\": 0.2, \"u\": 0.89}},"
    " \"location\": {\"same\": {\"m\": 0.4, \"u\": 0.1}, \"area\": {\"m\": 0.2, \"u\": 0.1},"
    "   \"country\": {\"m\": 0.2, \"u\": 0.2}, \"disagree\": {\"m\": 0.2, \"u\": 0.6}},"
    " \"date_of_separation\": {\"close\": {\"m\": 0.6, \"u\": 0.3},"
    "   \"plausible\": {\"m\": 0.3, \"u\": 0.3}, \"implausible\": {\"m\": 0.1, \"u\": 0.4}},"
    " \"family\": {\"exact\": {\"m\": 0.5, \"u\": 0.01}, \"phonetic\": {\"m\": 0.2, \"u\": 0.02},"
    "   \"similar\": {\"m\": 0.1, \"u\": 0.02}, \"partial\": {\"m\": 0.1, \"u\": 0.2},"
    "   \"disagree\": {\"m\": 0.1, \"u\": 0.75}}}}";

/* A whole configuration whose two profiles add `name_extra` and `age_extra` to the
 * name and age levels. */
static char *
small(const char *name_extra, const char *age_extra)
{
	char prof[4096], *out = malloc(10000);

	assert_non_null(out);
	snprintf(prof, sizeof(prof), small_profile, name_extra, age_extra);
	snprintf(out, 10000, small_config, prof, prof);
	return out;
}

static void
expect_config_refused(const char *text, const char *words)
{
	char msg[256];
	int rc;
	struct match_config *c = config_from(text, &rc, msg, sizeof(msg));

	assert_null(c);
	assert_int_not_equal(rc, RC_OK);
	if (strstr(msg, words) == NULL)
		fail_msg("message \"%s\" does not say \"%s\"", msg, words);
}

static void
test_config_is_checked(void **state)
{
	char *text, msg[256], bad[12000];
	struct match_config *c;
	int rc;

	(void)state;
	text = small("", "");
	c = config_from(text, &rc, msg, sizeof(msg));
	if (c == NULL)
		fail_msg("small config refused: %s", msg);
	/* log2(m/u): 0.5/0.0625 = 8 -> 3 bits; missing weighs nothing */
	assert_true(match_config_weight(c, MATCH_PROFILE_TRACE, MATCH_NAME, MATCH_EXACT) == 3.0);
	assert_true(match_config_weight(c, MATCH_PROFILE_DUPLICATE, MATCH_SEX,
	    MATCH_DISAGREE) == -1.0);
	assert_true(match_config_weight(c, MATCH_PROFILE_TRACE, MATCH_AGE, MATCH_MISSING) == 0);
	/* prior 0.5: weight 0 is an even chance */
	assert_true(match_config_score(c, MATCH_PROFILE_TRACE, 0) == 0.5);
	match_config_free(c);
	free(text);

	text = small("", ", \"missing\": {\"m\": 0.25, \"u\": 1}");
	c = config_from(text, &rc, msg, sizeof(msg));
	assert_non_null(c);
	assert_true(match_config_weight(c, MATCH_PROFILE_TRACE, MATCH_AGE, MATCH_MISSING) ==
	    -2.0);
	match_config_free(c);
	free(text);

	text = small(", \"within_1\": {\"m\": 0.5, \"u\": 0.5}", "");
	expect_config_refused(text, "name.within_1: not a level");
	free(text);
	text = small("", ", \"missing\": {\"m\": 0, \"u\": 1}");
	expect_config_refused(text, "age.missing.m");
	free(text);
	text = small("", ", \"missing\": {\"m\": 0.5, \"u\": 1, \"w\": 3}");
	expect_config_refused(text, "w: unknown key");
	free(text);

	expect_config_refused("[]", "");
	expect_config_refused("{\"jaro_winkler_similar\": 2}", "jaro_winkler_similar");
	expect_config_refused("{\"jaro_winkler_similar\": 0.9, \"age_tolerance_years\": [3, 1]}",
	    "age_tolerance_years");
	expect_config_refused("{\"jaro_winkler_similar\": 0.9, \"age_tolerance_years\": [1, 3],"
	    " \"location_levels\": [4, 2]}", "location_levels");
	expect_config_refused("{\"jaro_winkler_similar\": 0.9, \"colour\": 1}",
	    "colour: unknown key");
	/* a profile missing, a level missing, likely below possible */
	text = small("", "");
	snprintf(bad, sizeof(bad), "%s", text);
	strcpy(strstr(bad, ", \"duplicate\""), "}}");
	expect_config_refused(bad, "profiles.duplicate: an object is required");
	free(text);
	expect_config_refused("{\"jaro_winkler_similar\": 0.9, \"age_tolerance_years\": [1, 3],"
	    " \"location_levels\": [2, 4], \"separation_days\": {\"grace\": 1, \"close\": 2,"
	    " \"max\": 3}, \"profiles\": {\"trace\": {}}}", "profiles.trace.prior");
	expect_config_refused("{\"jaro_winkler_similar\": 0.9, \"age_tolerance_years\": [1, 3],"
	    " \"location_levels\": [2, 4], \"separation_days\": {\"grace\": 1, \"close\": 2,"
	    " \"max\": 3}, \"profiles\": {\"trace\": {\"prior\": 0.1, \"likely\": 0.5, "
	    "\"possible\": 0.6, \"fields\": {}}}}", "possible");
	expect_config_refused("{\"jaro_winkler_similar\": 0.9, \"age_tolerance_years\": [1, 3],"
	    " \"location_levels\": [2, 4], \"separation_days\": {\"grace\": 1, \"close\": 2,"
	    " \"max\": 3}, \"profiles\": {\"trace\": {\"prior\": 0.1, \"likely\": 0.6, "
	    "\"possible\": 0.5, \"fields\": {\"name\": {}}}}}", "name.exact");
}

/* ---- names ------------------------------------------------------------------------- */

static void
test_one_name_in_many_spellings_and_scripts(void **state)
{
	(void)state;
	/* single names: their phonetic codes meet */
	expect_codes_meet("Mohamed", "Muhammad");
	expect_codes_meet("Mohamed", "Maxamed");
	expect_codes_meet("Mohamed", "محمد");
	expect_codes_meet("Muhammad", "مُحَمَّد");
	expect_codes_meet("Mohamed", "Mahamat");
	expect_codes_meet("Fatima", "Fatuma");
	expect_codes_meet("Fatima", "فاطمة");
	expect_codes_meet("Tesfay", "ተስፋይ");
	expect_codes_meet("Tesfai", "ተስፋይ");
	expect_codes_meet("Tesfaye", "ተስፋየ");
	expect_codes_meet("Tsegay", "ጸጋይ");
	expect_codes_meet("Gebremedhin", "ገብረመድህን");
	expect_codes_meet("Weldemichael", "ወልደሚካኤል");
	expect_codes_meet("Hiwet", "ሕይወት");
	expect_codes_meet("Cabdi", "Abdi");
	expect_codes_meet("Cumar", "عمر");
	expect_codes_meet("Ali", "علي");
	expect_codes_meet("Osman", "عثمان");
	expect_codes_meet("Khadija", "خديجة");
	expect_codes_meet("Khadiga", "Khadidja");
	expect_codes_meet("Gamal", "Jamal");
	expect_codes_meet("Qasim", "Kassem");
	expect_codes_meet("Javad", "Jawad");
	expect_codes_meet("Yaneth", "Janeth");
	expect_codes_meet("Chérif", "شريف");
	expect_codes_meet("Faarax", "Farah");

	/* whole names: every token paired, phonetically */
	expect_name("Mohamed Ali", "Muhammad Ali", MATCH_PHONETIC);
	expect_name("Maxamed Cali", "Mohamed Ali", MATCH_PHONETIC);
	expect_name("محمد علي", "Mohamed Ali", MATCH_PHONETIC);
	expect_name("Fatima Hassan", "Fatuma Xasan", MATCH_PHONETIC);
	expect_name("ተስፋይ ዳዊት", "Tesfay Dawit", MATCH_PHONETIC);
	expect_name("ተስፋይ ዳዊት", "Tesfai Dawit", MATCH_PHONETIC);
	expect_name("Mohamed Ali", "Mohamed Ali", MATCH_EXACT);
	expect_name("MOHAMED  ali", "Mohamed Ali", MATCH_EXACT);
	expect_name("José Hernández", "Jose Hernandez", MATCH_EXACT);
}

static void
test_particles_and_compounds(void **state)
{
	(void)state;
	expect_name("Abdel Rahman Yusuf", "Abdelrahman Yusuf", MATCH_EXACT);
	expect_name("Abd al-Rahman Yusuf", "Abdelrahman Yusuf", MATCH_EXACT);
	expect_name("Abdulrahman Yusuf", "Abd el Rahman Yusuf", MATCH_EXACT);
	expect_name("Cabdiraxmaan Yuusuf", "Abdirahman Yusuf", MATCH_PHONETIC);
	expect_name("عبد الرحمن يوسف", "Abdelrahman Yusuf", MATCH_PHONETIC);
	expect_name("Abdallah Omar", "عبدالله عمر", MATCH_PHONETIC);
	expect_name("Wolde Michael Haile", "Woldemichael Haile", MATCH_EXACT);
	expect_name("Ahmed bin Salah", "Ahmed Salah", MATCH_EXACT);
	expect_name("Sidi Ould Ahmed", "Sidi Ahmed", MATCH_EXACT);
	expect_name("Elfadil Omar", "Al-Fadil Omar", MATCH_EXACT);
	expect_name("الفاضل عمر", "El-Fadil Omar", MATCH_PHONETIC);
	expect_name("Maria de la Cruz", "Maria Cruz", MATCH_EXACT);
	/* a particle alone is still a name */
	expect_name("Ben", "Ben", MATCH_PARTIAL);
}

static void
test_token_order_and_missing_parts(void **state)
{
	(void)state;
	expect_name("Ahmed Ali Hassan", "Hassan Ahmed Ali", MATCH_EXACT);
	expect_name("Ahmed Ali Hassan", "Hasan Ahmad Ali", MATCH_PHONETIC);
	/* the grandfather's name or the second surname left out costs nothing */
	expect_name("Yonas Tesfaye Kidane", "Yonas Tesfaye", MATCH_EXACT);
	expect_name("Kevin Hernández López", "Kevin Hernandez", MATCH_EXACT);
	/* a sister: father's and grandfather's names shared, her own differs */
	expect_name("Selam Tesfaye Kidane", "Yonas Tesfaye Kidane", MATCH_PARTIAL);
	/* one shared name of two */
	expect_name("Mohamed Abdallah", "Mohamed Hassan", MATCH_PARTIAL);
	/* one shared common name of three is not enough */
	expect_name("Mohamed Ali Hassan", "Mohamed Omar Yusuf", MATCH_DISAGREE);
	/* a lone given name is weak evidence, even when it is the same */
	expect_name("Awa", "Awa", MATCH_PARTIAL);
	expect_name("Awa", "Awa Keita", MATCH_PARTIAL);
	/* close spellings that no code joins */
	expect_name("Alassane Traore", "Alhassane Traore", MATCH_SIMILAR);
	expect_name("Getachew Biniam", "Getachew Binyam", MATCH_PHONETIC);
	/* unrelated */
	expect_name("Yonas Tesfaye", "Amina Yusuf", MATCH_DISAGREE);
	expect_name("Fatoumata Keita", "Brayan Lopez", MATCH_DISAGREE);
	expect_name("ዮናስ ተስፋየ", "Mohamed Ali", MATCH_DISAGREE);
	expect_name("Mariam Diallo", "Marwa Darwish", MATCH_DISAGREE);
}

static void
test_names_of_a_record(void **state)
{
	struct match_result r;

	(void)state;
	/* first, middle and last make the full name */
	r = cases("{\"name_first\": \"Yonas\", \"name_middle\": \"Tesfaye\"}",
	    "{\"name\": \"Tesfaye Yonas\"}");
	assert_int_equal(r.field[MATCH_NAME].level, MATCH_EXACT);
	/* the name in its own script, against a Latin trace */
	r = case_trace("{\"name_first\": \"Dawit\", \"name_last\": \"Haile\","
	    " \"name_original_script\": \"ዳዊት ኃይሌ\"}", NULL, "{\"name\": \"ዳዊት ኃይሌ\"}");
	assert_int_equal(r.field[MATCH_NAME].level, MATCH_EXACT);
	/* another spelling given as name_other */
	r = case_trace("{\"name\": \"Filmon Berhane\", \"name_other\": \"Philemon Birhane\"}",
	    NULL, "{\"name\": \"Philemon Birhane\"}");
	assert_int_equal(r.field[MATCH_NAME].level, MATCH_EXACT);
	/* a nickname lifts a disagreement to partial, no further */
	r = case_trace("{\"name\": \"Abdirahman Farah\", \"name_nickname\": \"Dheere\"}",
	    NULL, "{\"name\": \"Dheere Warsame\"}");
	assert_int_equal(r.field[MATCH_NAME].level, MATCH_PARTIAL);
	r = case_trace("{\"name\": \"Abdirahman Farah\"}", NULL,
	    "{\"name\": \"Dheere Warsame\"}");
	assert_int_equal(r.field[MATCH_NAME].level, MATCH_DISAGREE);
	/* no name on one side */
	r = case_trace("{\"sex\": \"male\"}", NULL, "{\"name\": \"Dheere Warsame\"}");
	assert_int_equal(r.field[MATCH_NAME].level, MATCH_MISSING);
}

/* ---- the other fields ---------------------------------------------------------------- */

static enum match_level
age_level(const char *c, const char *request, const char *trace)
{
	return case_trace(c, request, trace).field[MATCH_AGE].level;
}

static void
test_age_with_tolerance(void **state)
{
	static const char req[] = "{\"inquiry_date\": \"2025-01-01\"}";

	(void)state;
	assert_int_equal(age_level("{\"age\": 10, \"registration_date\": \"2025-01-01\"}", req,
	    "{\"age\": 10}"), MATCH_WITHIN_1);
	assert_int_equal(age_level("{\"age\": 10, \"registration_date\": \"2025-01-01\"}", req,
	    "{\"age\": 9}"), MATCH_WITHIN_1);
	assert_int_equal(age_level("{\"age\": 10, \"registration_date\": \"2025-01-01\"}", req,
	    "{\"age\": 13}"), MATCH_WITHIN_3);
	assert_int_equal(age_level("{\"age\": 10, \"registration_date\": \"2025-01-01\"}", req,
	    "{\"age\": 7}"), MATCH_WITHIN_3);
	assert_int_equal(age_level("{\"age\": 10, \"registration_date\": \"2025-01-01\"}", req,
	    "{\"age\": 15}"), MATCH_DISAGREE);
	/* registered at 8 two years before the family asked for a child of 10 */
	assert_int_equal(age_level("{\"age\": 8, \"registration_date\": \"2023-01-01\"}", req,
	    "{\"age\": 10}"), MATCH_WITHIN_1);
	assert_int_equal(age_level("{\"age\": 10, \"registration_date\": \"2023-01-01\"}", req,
	    "{\"age\": 10}"), MATCH_WITHIN_3);
	/* an assessed age range widens the case's age */
	assert_int_equal(age_level("{\"age_range_from\": 12, \"age_range_to\": 16,"
	    " \"registration_date\": \"2025-01-01\"}", req, "{\"age\": 17}"), MATCH_WITHIN_1);
	/* an age from the date of birth, on the record's own date */
	assert_int_equal(age_level("{\"date_of_birth\": \"2015-03-01\","
	    " \"registration_date\": \"2025-01-01\"}", req, "{\"age\": 9}"), MATCH_WITHIN_1);
	/* no date at all: today's */
	assert_int_equal(age_level("{\"date_of_birth\": \"2015-03-01\"}", NULL,
	    "{\"age\": 10}"), MATCH_WITHIN_1);
	assert_int_equal(age_level("{\"age\": 10}", NULL, "{\"sex\": \"male\"}"),
	    MATCH_MISSING);
	assert_int_equal(age_level("{\"age\": \"ten\"}", NULL, "{\"age\": 10}"),
	    MATCH_MISSING);
}

static void
test_sex_and_date_of_birth(void **state)
{
	struct match_result r;

	(void)state;
	r = cases("{\"sex\": \"female\", \"date_of_birth\": \"2014-05-02\"}",
	    "{\"sex\": \"female\", \"date_of_birth\": \"2014-05-02\"}");
	assert_int_equal(r.field[MATCH_SEX].level, MATCH_AGREE);
	assert_int_equal(r.field[MATCH_DATE_OF_BIRTH].level, MATCH_EXACT);
	r = cases("{\"sex\": \"female\", \"date_of_birth\": \"2014-05-02\"}",
	    "{\"sex\": \"male\", \"date_of_birth\": \"2014-02-05\"}");
	assert_int_equal(r.field[MATCH_SEX].level, MATCH_DISAGREE);
	assert_int_equal(r.field[MATCH_DATE_OF_BIRTH].level, MATCH_YEAR);
	r = cases("{\"sex\": \"unknown\", \"date_of_birth\": \"2014-05-02\"}",
	    "{\"sex\": \"male\", \"date_of_birth\": \"2011-05-02\"}");
	assert_int_equal(r.field[MATCH_SEX].level, MATCH_MISSING);
	assert_int_equal(r.field[MATCH_DATE_OF_BIRTH].level, MATCH_DISAGREE);
	r = cases("{\"date_of_birth\": \"2014-02-30\"}", "{\"date_of_birth\": \"2014-02-30\"}");
	assert_int_equal(r.field[MATCH_DATE_OF_BIRTH].level, MATCH_MISSING);
}

static enum match_level
place(const char *case_loc, const char *trace_loc)
{
	char c[128], t[128];

	snprintf(c, sizeof(c), "{\"location_current\": \"%s\"}", case_loc);
	snprintf(t, sizeof(t), "{\"location_separation\": \"%s\"}", trace_loc);
	return case_trace(c, NULL, t).field[MATCH_LOCATION].level;
}

static void
test_place_hierarchy(void **state)
{
	struct match_result r;

	(void)state;
	assert_int_equal(place("SD0201", "SD0201"), MATCH_SAME);
	assert_int_equal(place("SD0201", "SD02"), MATCH_AREA);		/* inside */
	assert_int_equal(place("SD0201", "SD0202"), MATCH_AREA);	/* same admin-1 */
	assert_int_equal(place("SD0201", "SD01"), MATCH_COUNTRY);	/* SD0 is no area */
	assert_int_equal(place("SD0201", "SD"), MATCH_COUNTRY);
	assert_int_equal(place("SD0201", "ER01"), MATCH_DISAGREE);
	/* the case's own place of separation comes first */
	r = case_trace("{\"location_current\": \"LY01\", \"location_separation\": \"ER0101\"}",
	    NULL, "{\"location_separation\": \"ER0101\"}");
	assert_int_equal(r.field[MATCH_LOCATION].level, MATCH_SAME);
	/* two cases: where they are now */
	r = cases("{\"location_current\": \"IT0101\"}", "{\"location_current\": \"IT01\"}");
	assert_int_equal(r.field[MATCH_LOCATION].level, MATCH_AREA);
	r = cases("{\"location_current\": 12}", "{\"location_current\": \"IT01\"}");
	assert_int_equal(r.field[MATCH_LOCATION].level, MATCH_MISSING);
}

static enum match_level
separation(const char *registered, const char *separated)
{
	char c[128], t[128];

	snprintf(c, sizeof(c), "{\"registration_date\": \"%s\"}", registered);
	snprintf(t, sizeof(t), "{\"date_of_separation\": \"%s\"}", separated);
	return case_trace(c, NULL, t).field[MATCH_DATE_OF_SEPARATION].level;
}

static void
test_date_of_separation(void **state)
{
	struct match_result r;

	(void)state;
	assert_int_equal(separation("2024-03-01", "2024-01-10"), MATCH_CLOSE);
	assert_int_equal(separation("2024-01-01", "2024-01-10"), MATCH_CLOSE);	/* grace */
	assert_int_equal(separation("2025-06-01", "2024-01-10"), MATCH_PLAUSIBLE);
	assert_int_equal(separation("2023-01-01", "2024-01-10"), MATCH_IMPLAUSIBLE);
	assert_int_equal(separation("2031-01-01", "2024-01-10"), MATCH_IMPLAUSIBLE);
	r = cases("{\"date_of_separation\": \"2024-01-10\"}",
	    "{\"date_of_separation\": \"2024-01-20\"}");
	assert_int_equal(r.field[MATCH_DATE_OF_SEPARATION].level, MATCH_CLOSE);
	r = cases("{\"date_of_separation\": \"2024-01-10\"}",
	    "{\"date_of_separation\": \"2022-01-20\"}");
	assert_int_equal(r.field[MATCH_DATE_OF_SEPARATION].level, MATCH_IMPLAUSIBLE);
	r = cases("{\"registration_date\": \"2024-01-10\"}",
	    "{\"registration_date\": \"2024-01-10\"}");
	assert_int_equal(r.field[MATCH_DATE_OF_SEPARATION].level, MATCH_MISSING);
}

static const char yonas_case[] =
    "{\"name_first\": \"Yonas\", \"name_middle\": \"Tesfaye\", \"name_last\": \"Kidane\","
    " \"sex\": \"male\", \"age\": 10, \"registration_date\": \"2025-03-02\","
    " \"location_current\": \"LY03\","
    " \"family_details_section\": [{\"relation_name\": \"Tesfaye Kidane Habte\","
    "   \"relation\": \"father\"}, {\"relation_name\": \"Hiwot Berhane\","
    "   \"relation\": \"mother\"}]}";

static void
test_family_members_names(void **state)
{
	struct match_result r;

	(void)state;
	/* the father asks, writing his name in Ge'ez script */
	r = case_trace(yonas_case, "{\"relation_name\": \"ተስፋየ ኪዳነ\"}",
	    "{\"name\": \"Yonas Tesfaye\"}");
	assert_int_equal(r.field[MATCH_FAMILY].level, MATCH_PHONETIC);
	/* the mother named among the request's family members */
	r = case_trace(yonas_case, "{\"relation_name\": \"Selam Tesfaye\","
	    " \"family_members\": [{\"relation_name\": \"Hiwot Berhane\"}]}",
	    "{\"name\": \"Yonas Tesfaye\"}");
	assert_int_equal(r.field[MATCH_FAMILY].level, MATCH_EXACT);
	/* a stranger's family */
	r = case_trace(yonas_case, "{\"relation_name\": \"Amina Yusuf Warsame\"}",
	    "{\"name\": \"Yonas Tesfaye\"}");
	assert_int_equal(r.field[MATCH_FAMILY].level, MATCH_DISAGREE);
	r = case_trace(yonas_case, NULL, "{\"name\": \"Yonas Tesfaye\"}");
	assert_int_equal(r.field[MATCH_FAMILY].level, MATCH_MISSING);
	/* the caregiver counts as family; two cases compare their families */
	r = cases("{\"name_caregiver\": \"Hiwot Berhane\"}", yonas_case);
	assert_int_equal(r.field[MATCH_FAMILY].level, MATCH_EXACT);
}

/* ---- combining the fields ------------------------------------------------------------- */

static const char mohamed_case[] =
    "{\"name_first\": \"Mohamed\", \"name_last\": \"Abdallah\", \"sex\": \"male\","
    " \"age\": 10, \"estimated\": true, \"registration_date\": \"2025-05-20\","
    " \"location_current\": \"LY0101\"}";

static void
test_the_trace_in_arabic_finds_mohamed_abdallah(void **state)
{
	static const char req[] = "{\"inquiry_date\": \"2025-06-01\", \"relation\": \"mother\","
	    " \"relation_name\": \"فاطمة حسن\"}";
	struct match_result r;
	json_t *j, *f;
	char *text;

	(void)state;
	r = case_trace(mohamed_case, req, "{\"name\": \"محمد عبد الله\", \"sex\": \"male\","
	    " \"age\": 9}");
	assert_int_equal(r.profile, MATCH_PROFILE_TRACE);
	assert_int_equal(r.field[MATCH_NAME].level, MATCH_PHONETIC);
	assert_int_equal(r.field[MATCH_SEX].level, MATCH_AGREE);
	assert_int_equal(r.field[MATCH_AGE].level, MATCH_WITHIN_1);
	assert_int_equal(r.field[MATCH_FAMILY].level, MATCH_MISSING);
	assert_int_equal(r.likelihood, MATCH_LIKELY);
	j = match_result_json(&r);
	assert_non_null(j);
	text = json_dumps(j, JSON_SORT_KEYS | JSON_REAL_PRECISION(4));
	print_message("trace \"محمد عبد الله\", about 9, against case \"Mohamed Abdallah\", "
	    "10: %s\n", text);
	free(text);
	assert_string_equal(json_string_value(json_object_get(j, "likelihood")), "likely");
	assert_true(json_real_value(json_object_get(j, "score")) >= 0.8);
	f = json_object_get(j, "fields");
	assert_int_equal(json_object_size(f), MATCH_FIELD__MAX);
	assert_string_equal(json_string_value(json_object_get(json_object_get(f, "name"),
	    "agreement")), "phonetic");
	assert_true(json_real_value(json_object_get(json_object_get(f, "name"), "weight")) > 0);
	assert_string_equal(json_string_value(json_object_get(json_object_get(f, "age"),
	    "agreement")), "within_1");
	assert_non_null(json_object_get(f, "date_of_separation"));
	assert_string_equal(json_string_value(json_object_get(json_object_get(f,
	    "date_of_birth"), "agreement")), "missing");
	json_decref(j);
}

static void
test_likely_beats_possible_beats_unrelated(void **state)
{
	static const char req[] = "{\"inquiry_date\": \"2025-06-01\","
	    " \"relation_name\": \"Tesfay Kidane\"}";
	struct match_result likely, possible, unrelated, sister;

	(void)state;
	likely = case_trace(yonas_case, req, "{\"name\": \"ዮናስ ተስፋየ ኪዳነ\", \"sex\": \"male\","
	    " \"age\": 10, \"location_separation\": \"LY\","
	    " \"date_of_separation\": \"2025-01-15\"}");
	possible = case_trace(yonas_case, "{\"inquiry_date\": \"2025-06-01\"}",
	    "{\"name\": \"Yonas Tesfay\", \"age\": 13}");
	sister = case_trace(yonas_case, req, "{\"name\": \"Selam Tesfaye Kidane\","
	    " \"sex\": \"female\", \"age\": 7}");
	unrelated = case_trace(yonas_case, "{\"relation_name\": \"Aisha Omar\"}",
	    "{\"name\": \"Amina Yusuf\", \"sex\": \"female\", \"age\": 4,"
	    " \"location_separation\": \"SO01\"}");
	print_message("likely %.3f (%.1f), possible %.3f (%.1f), sister %.3f (%.1f), "
	    "unrelated %.5f (%.1f)\n", likely.score, likely.weight, possible.score,
	    possible.weight, sister.score, sister.weight, unrelated.score, unrelated.weight);
	assert_int_equal(likely.likelihood, MATCH_LIKELY);
	assert_int_equal(possible.likelihood, MATCH_POSSIBLE);
	assert_int_equal(unrelated.likelihood, MATCH_UNLIKELY);
	assert_int_not_equal(sister.likelihood, MATCH_LIKELY);
	assert_true(sister.score < possible.score);
	assert_true(likely.score > possible.score);
	assert_true(possible.score > unrelated.score);
	assert_true(likely.weight > possible.weight && possible.weight > unrelated.weight);
}

/* A brother has the right family and half the right name: never a likely match, and
 * the family's agreement adds nothing. */
static void
test_a_brother_is_not_the_child(void **state)
{
	static const char brother[] =
	    "{\"name_first\": \"Dawit\", \"name_middle\": \"Tesfaye\", \"name_last\": \"Kidane\","
	    " \"sex\": \"male\", \"age\": 11, \"registration_date\": \"2025-03-02\","
	    " \"location_current\": \"LY03\","
	    " \"family_details_section\": [{\"relation_name\": \"Tesfaye Kidane Habte\","
	    "   \"relation\": \"father\"}, {\"relation_name\": \"Hiwot Berhane\","
	    "   \"relation\": \"mother\"}]}";
	struct match_result r;

	(void)state;
	r = case_trace(brother, "{\"inquiry_date\": \"2025-06-01\","
	    " \"relation_name\": \"Tesfaye Kidane Habte\"}",
	    "{\"name\": \"Yonas Tesfaye Kidane\", \"sex\": \"male\", \"age\": 10,"
	    " \"date_of_separation\": \"2025-01-15\"}");
	assert_int_equal(r.field[MATCH_NAME].level, MATCH_PARTIAL);
	assert_int_equal(r.field[MATCH_FAMILY].level, MATCH_EXACT);
	assert_true(r.field[MATCH_FAMILY].weight == 0);
	assert_int_not_equal(r.likelihood, MATCH_LIKELY);
	r = cases(brother, yonas_case);
	assert_int_equal(r.field[MATCH_FAMILY].level, MATCH_EXACT);
	assert_true(r.field[MATCH_FAMILY].weight == 0);
	assert_int_not_equal(r.likelihood, MATCH_LIKELY);
	/* the same child known by one name only keeps the family's weight */
	r = case_trace(yonas_case, "{\"relation_name\": \"Tesfaye Kidane Habte\"}",
	    "{\"name\": \"Yonas\", \"sex\": \"male\", \"age\": 10}");
	assert_int_equal(r.field[MATCH_NAME].level, MATCH_PARTIAL);
	assert_true(r.field[MATCH_FAMILY].weight > 0);
	assert_int_equal(r.likelihood, MATCH_LIKELY);
}

/* Worse agreement on one field never raises the score. */
static void
test_worse_agreement_lowers_the_score(void **state)
{
	static const char *const ages[] = { "10", "12", "16" };
	static const char *const names[] = { "Yonas Tesfaye Kidane", "Yonas Tesfay Kidane",
	    "Yonas Tesfaye Gebru", "Amanuel Habtom" };
	static const char *const places[] = { "LY03", "LY0301", "LY01", "ER01" };
	char t[256];
	double prev;
	size_t i;

	(void)state;
	prev = 2;
	for (i = 0; i < 3; i++) {
		snprintf(t, sizeof(t), "{\"name\": \"Yonas Tesfaye\", \"age\": %s}", ages[i]);
		struct match_result r = case_trace(yonas_case, NULL, t);

		assert_true(r.score < prev);
		prev = r.score;
	}
	prev = 2;
	for (i = 0; i < 4; i++) {
		snprintf(t, sizeof(t), "{\"name\": \"%s\", \"age\": 10}", names[i]);
		struct match_result r = case_trace(yonas_case, NULL, t);

		assert_true(r.score < prev);
		prev = r.score;
	}
	prev = 2;
	for (i = 0; i < 4; i++) {
		snprintf(t, sizeof(t), "{\"name\": \"Yonas Tesfaye\", \"location_separation\":"
		    " \"%s\"}", places[i]);
		struct match_result r = case_trace(yonas_case, NULL, t);

		assert_true(r.score < prev);
		prev = r.score;
	}
}

/* A field one side leaves out weighs what the config says "missing" weighs: 0. */
static void
test_missing_fields_weigh_nothing(void **state)
{
	struct match_result full, bare;
	double sum = 0;
	size_t f;

	(void)state;
	full = case_trace(yonas_case, "{\"inquiry_date\": \"2025-06-01\"}",
	    "{\"name\": \"Yonas Tesfaye\", \"sex\": \"male\"}");
	bare = case_trace(yonas_case, NULL, "{\"name\": \"Yonas Tesfaye\"}");
	for (f = 0; f < MATCH_FIELD__MAX; f++) {
		sum += full.field[f].weight;
		if (full.field[f].level == MATCH_MISSING)
			assert_true(full.field[f].weight == match_config_weight(cfg,
			    MATCH_PROFILE_TRACE, f, MATCH_MISSING));
	}
	assert_true(full.weight == sum);
	assert_int_equal(bare.field[MATCH_SEX].level, MATCH_MISSING);
	assert_true(bare.field[MATCH_SEX].weight == 0);
	/* with sex missing, the total is the rest: no reward, no penalty */
	assert_true(bare.weight == full.weight - full.field[MATCH_SEX].weight);
	/* nothing to compare: the prior alone */
	bare = cases("{\"sex\": \"male\"}", "{\"age\": 3}");
	assert_true(bare.weight == 0);
	assert_true(bare.score == match_config_score(cfg, MATCH_PROFILE_DUPLICATE, 0));
	assert_int_equal(bare.likelihood, MATCH_UNLIKELY);
}

/* ---- bad input ------------------------------------------------------------------------- */

static void
test_bad_input_is_handled(void **state)
{
	struct match_record *r = NULL;
	struct match_result res;
	json_t *arr = js("[1, 2]"), *str = json_string("Mohamed"), *o = js("{}"), *big, *fam;
	char *huge;
	size_t i, n = 1 << 20;
	int rc;

	(void)state;
	assert_int_equal(match_prepare_case(arr, &r), RC_EINVALID);
	assert_null(r);
	assert_int_equal(match_prepare_case(NULL, &r), RC_EINVALID);
	assert_int_equal(match_prepare_trace(o, str, &r), RC_EINVALID);
	assert_int_equal(match_prepare_trace(arr, o, &r), RC_EINVALID);
	assert_int_equal(match_compare_cases(cfg, o, arr, TODAY, &res), RC_EINVALID);
	assert_int_equal(match_compare_cases(cfg, o, o, "2025-13-01", &res), RC_EINVALID);

	/* a name of a megabyte, a thousand words, a thousand relatives */
	assert_non_null(huge = malloc(n + 1));
	for (i = 0; i < n; i++)
		huge[i] = i % 7 == 6 ? ' ' : (char)('a' + i % 26);
	huge[n] = '\0';
	big = json_pack("{s:s, s:s, s:s, s:i, s:s}", "name", huge, "name_other", huge,
	    "sex", huge, "age", 100000, "date_of_birth", huge);
	assert_non_null(big);
	assert_non_null(fam = json_array());
	for (i = 0; i < 1000; i++)
		json_array_append_new(fam, json_pack("{s:s}", "relation_name", huge + i));
	json_object_set_new(big, "family_details_section", fam);
	assert_int_equal(match_compare_cases(cfg, big, big, TODAY, &res), RC_OK);
	assert_int_equal(res.field[MATCH_NAME].level, MATCH_EXACT);
	assert_int_equal(res.field[MATCH_AGE].level, MATCH_MISSING);
	assert_int_equal(res.field[MATCH_DATE_OF_BIRTH].level, MATCH_MISSING);

	/* not UTF-8, only punctuation, digits: no name */
	rc = match_compare_case_trace(cfg, o, NULL, o, NULL, &res);
	assert_int_equal(rc, RC_OK);
	json_decref(big);
	big = js("{\"name\": \"--- ... 12\", \"name_other\": \"\\u00ff\"}");
	json_object_set_new(big, "name_nickname", json_stringn_nocheck("ab\xff", 3));
	assert_int_equal(match_compare_cases(cfg, big, big, NULL, &res), RC_OK);
	assert_int_equal(res.field[MATCH_NAME].level, MATCH_MISSING);
	json_decref(big);
	free(huge);
	json_decref(arr);
	json_decref(str);
	json_decref(o);
}

/* ---- blocking --------------------------------------------------------------------------- */

struct keylist {
	char	k[MATCH_KEYS_MAX + 8][NAMES_TOKEN_MAX + 16];
	size_t	n;
	size_t	stop_after;	/* 0: never stop */
};

static int
key_collect(void *arg, const char *kind, const char *key)
{
	struct keylist *l = arg;

	assert_true(strcmp(kind, "name") == 0 || strcmp(kind, "skeleton") == 0);
	assert_true(l->n < MATCH_KEYS_MAX);
	snprintf(l->k[l->n++], sizeof(l->k[0]), "%s:%s", kind, key);
	return l->stop_after != 0 && l->n == l->stop_after ? 42 : 0;
}

static int
has_key(const struct keylist *l, const char *k)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->k[i], k) == 0)
			return 1;
	return 0;
}

static int
share_key(const struct keylist *a, const struct keylist *b)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		if (has_key(b, a->k[i]))
			return 1;
	return 0;
}

static void
keys_of(const json_t *request, const char *text, int trace, struct keylist *l)
{
	struct match_record *r = NULL;
	json_t *j = js(text);

	memset(l, 0, sizeof(*l));
	if (trace)
		assert_int_equal(match_prepare_trace(request, j, &r), RC_OK);
	else
		assert_int_equal(match_prepare_case(j, &r), RC_OK);
	assert_int_equal(match_blocking_keys(r, key_collect, l), RC_OK);
	match_record_free(r);
	json_decref(j);
}

/* What src/app/case.c stores in record_keys for a case (name and skeleton kinds). */
static int
index_token(void *arg, const char *token)
{
	struct keylist *l = arg;
	char skel[NAMES_TOKEN_MAX + 1];

	assert_true(l->n + 2 <= sizeof(l->k) / sizeof(l->k[0]));
	snprintf(l->k[l->n++], sizeof(l->k[0]), "name:%s", token);
	if (names_skeleton(token, skel, sizeof(skel)) > 0)
		snprintf(l->k[l->n++], sizeof(l->k[0]), "skeleton:%s", skel);
	return 0;
}

static void
index_of(const char *text, struct keylist *l)
{
	json_t *j = js(text);
	size_t i;

	memset(l, 0, sizeof(*l));
	for (i = 0; record_name_fields[i] != NULL; i++) {
		const char *s = json_string_value(json_object_get(j, record_name_fields[i]));

		if (s != NULL)
			assert_int_equal(names_tokens(s, index_token, l), RC_OK);
	}
	json_decref(j);
}

/* `key` is two name tokens of `idx` joined. */
static int
joined_in(const struct keylist *idx, const char *key)
{
	size_t i, j, n;

	for (i = 0; i < idx->n; i++) {
		if (strncmp(idx->k[i], "name:", 5) != 0)
			continue;
		n = strlen(idx->k[i] + 5);
		if (strncmp(key, idx->k[i] + 5, n) != 0)
			continue;
		for (j = 0; j < idx->n; j++)
			if (strncmp(idx->k[j], "name:", 5) == 0 &&
			    strcmp(key + n, idx->k[j] + 5) == 0)
				return 1;
	}
	return 0;
}

/* `skel` is the skeleton of a name key of `l`. */
static int
skeleton_of_some(const struct keylist *l, const char *skel)
{
	char s[NAMES_TOKEN_MAX + 1];
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strncmp(l->k[i], "name:", 5) == 0 &&
		    names_skeleton(l->k[i] + 5, s, sizeof(s)) > 0 && strcmp(s, skel) == 0)
			return 1;
	return 0;
}

static void
test_blocking_keys_come_from_the_blind_index(void **state)
{
	static const char abdel[] = "{\"name_first\": \"Abdel Rahman\","
	    " \"name_last\": \"al-Amin\", \"name_nickname\": \"Abdo\","
	    " \"name_original_script\": \"عبد الرحمن الأمين\","
	    " \"family_details_section\": [{\"relation_name\": \"Zainab Haroun\"}]}";
	struct keylist k, idx, t;
	char skel[NAMES_TOKEN_MAX + 1];
	size_t i, j;

	(void)state;
	keys_of(NULL, abdel, 0, &k);
	assert_true(has_key(&k, "name:abdel"));
	assert_true(has_key(&k, "name:rahman"));
	assert_true(has_key(&k, "name:amin"));
	assert_true(has_key(&k, "name:abdo"));
	assert_true(has_key(&k, "name:عبد"));
	assert_true(has_key(&k, "name:الامين"));
	assert_true(names_skeleton("rahman", skel, sizeof(skel)) > 0);
	{
		char want[NAMES_TOKEN_MAX + 16];

		snprintf(want, sizeof(want), "skeleton:%s", skel);
		assert_true(has_key(&k, want));
	}
	assert_true(has_key(&k, "name:abdelrahman"));	/* two tokens joined */
	assert_false(has_key(&k, "name:al"));		/* particles find everyone */
	assert_false(has_key(&k, "name:zainab"));	/* relatives are not indexed */
	/* every name key is a token the index holds for this case, or two of them
	 * joined; every skeleton key is the skeleton of a name key */
	index_of(abdel, &idx);
	for (i = 0; i < k.n; i++) {
		const char *key = strchr(k.k[i], ':') + 1;

		if (strncmp(k.k[i], "name:", 5) == 0) {
			if (!has_key(&idx, k.k[i]) && !joined_in(&idx, key))
				fail_msg("key %s is not in the index of the case", k.k[i]);
		} else if (!skeleton_of_some(&k, key))
			fail_msg("key %s is the skeleton of no name key", k.k[i]);
	}
	for (i = 0; i < k.n; i++)
		for (j = i + 1; j < k.n; j++)
			assert_string_not_equal(k.k[i], k.k[j]);

	/* a trace written joined finds a case written apart, and the other way */
	keys_of(NULL, "{\"name\": \"Abdelrahman Haroun\"}", 1, &t);
	index_of("{\"name_first\": \"Abdelrahman\"}", &idx);
	assert_true(share_key(&t, &idx));
	keys_of(NULL, "{\"name\": \"Abdel Rahman\"}", 1, &t);
	assert_true(has_key(&t, "name:abdelrahman"));
	assert_true(share_key(&t, &idx));
	/* Arabic script against Latin, Ge'ez against Latin: the skeleton */
	keys_of(NULL, "{\"name\": \"محمد عبد الله\"}", 1, &t);
	index_of("{\"name_first\": \"Mohamed\", \"name_last\": \"Abdallah\"}", &idx);
	assert_true(has_key(&t, "skeleton:mhmd"));
	assert_true(share_key(&t, &idx));
	keys_of(NULL, "{\"name\": \"ዮናስ ተስፋየ\"}", 1, &t);
	index_of("{\"name\": \"Younas Tesfay\"}", &idx);
	assert_true(share_key(&t, &idx));

	/* at most MATCH_KEYS_MAX, each once, and a non-zero return stops */
	keys_of(NULL, "{\"name\": \"Amina Bashir Cawil Dahir Ebla Farah Guled Hodan Idil\","
	    " \"name_other\": \"Jama Khadar Liban Mahad Nasra Omar Qorane Roble\","
	    " \"name_nickname\": \"Sagal Tahlil Ubah Warsame Xamar Yasin Zamzam Abdi\"}",
	    1, &k);
	assert_int_equal(k.n, MATCH_KEYS_MAX);
	for (i = 0; i < k.n; i++)
		for (j = i + 1; j < k.n; j++)
			assert_string_not_equal(k.k[i], k.k[j]);
	{
		struct match_record *r = NULL;
		json_t *o = js("{\"name\": \"Yonas Tesfaye Kidane\"}");

		memset(&t, 0, sizeof(t));
		t.stop_after = 2;
		assert_int_equal(match_prepare_trace(NULL, o, &r), RC_OK);
		assert_int_equal(match_blocking_keys(r, key_collect, &t), 42);
		assert_int_equal(t.n, 2);
		match_record_free(r);
		json_decref(o);
	}
}

/* ---- ranking before opening -------------------------------------------------------- */

static void
test_rank_weighs_keys_by_rarity_and_reads_the_rarest_first(void **state)
{
	static const int64_t counts[] = { 5000, 0, 100, 70000, 30000 };
	static const int64_t two[] = { 50000, 20000 };
	struct match_rank *rk = NULL;
	int use[5];
	char id[MATCH_RANK_ID_SIZE + 8];
	int i;

	(void)state;
	assert_true(match_key_weight(10) > match_key_weight(1000));
	assert_true(match_key_weight(1000000) > 0);
	assert_true(match_key_weight(0) == 0);
	/* rarest first while they fit: 100 + 5,000 + 30,000; not 70,000, not 0 */
	assert_int_equal(match_rank_plan(counts, 5, 60000, use), 35100);
	assert_int_equal(use[0], 1);
	assert_int_equal(use[1], 0);
	assert_int_equal(use[2], 1);
	assert_int_equal(use[3], 0);
	assert_int_equal(use[4], 1);
	/* the rarer read, the commoner left out, whatever the order given */
	assert_int_equal(match_rank_plan(two, 2, 60000, use), 20000);
	assert_true(use[0] == 0 && use[1] == 1);
	assert_int_equal(match_rank_plan(two, 2, 10000, use), 0);

	/* the weights of the keys a record shares add up; ties by id */
	assert_int_equal(match_rank_new(2, &rk), RC_OK);
	assert_int_equal(match_rank_add(rk, "b", 2), RC_OK);
	assert_int_equal(match_rank_add(rk, "c", 3), RC_OK);
	assert_int_equal(match_rank_add(rk, "a", 1), RC_OK);
	assert_int_equal(match_rank_add(rk, "a", 2), RC_OK);
	memset(id, 'x', sizeof(id) - 1);
	id[sizeof(id) - 1] = '\0';
	assert_int_equal(match_rank_add(rk, id, 1), RC_EINVALID);
	/* more than it was sized for: it grows */
	for (i = 0; i < 5000; i++) {
		snprintf(id, sizeof(id), "z%05d", i);
		assert_int_equal(match_rank_add(rk, id, 0.5), RC_OK);
	}
	match_rank_sort(rk);
	assert_int_equal(match_rank_add(rk, "d", 9), RC_EINVALID);
	assert_int_equal(match_rank_count(rk), 5003);
	assert_string_equal(match_rank_id(rk, 0), "a");
	assert_true(match_rank_weight(rk, 0) == 3);
	assert_string_equal(match_rank_id(rk, 1), "c");
	assert_string_equal(match_rank_id(rk, 2), "b");
	assert_string_equal(match_rank_id(rk, 3), "z00000");
	assert_string_equal(match_rank_id(rk, 5002), "z04999");
	assert_null(match_rank_id(rk, 5003));
	assert_true(match_rank_weight(rk, 5003) == 0);
	match_rank_free(rk);
	match_rank_free(NULL);
}

static void
test_rank_tells_namesakes_apart_by_sex_and_age_band(void **state)
{
	struct match_record *t = NULL, *nosex = NULL;
	json_t *j = js("{\"name\": \"Awa Diallo\", \"sex\": \"female\", \"age\": 9}");
	json_t *k = js("{\"name\": \"Awa Diallo\"}");
	double agree = match_config_weight(cfg, MATCH_PROFILE_TRACE, MATCH_SEX, MATCH_AGREE);
	double differ = match_config_weight(cfg, MATCH_PROFILE_TRACE, MATCH_SEX,
	    MATCH_DISAGREE);
	double old = match_config_weight(cfg, MATCH_PROFILE_TRACE, MATCH_AGE, MATCH_DISAGREE);

	(void)state;
	assert_int_equal(match_prepare_trace(NULL, j, &t), RC_OK);
	assert_int_equal(match_prepare_trace(NULL, k, &nosex), RC_OK);
	assert_true(agree > 0 && differ < 0 && old < 0);
	assert_true(match_rank_index_weight(cfg, t, "female", "6-11") == agree);
	assert_true(match_rank_index_weight(cfg, t, "male", "6-11") == differ);
	/* 12-14 may be a 9-year-old registered later or misjudged; 15-17 is not */
	assert_true(match_rank_index_weight(cfg, t, "female", "12-14") == agree);
	assert_true(match_rank_index_weight(cfg, t, "female", "15-17") == agree + old);
	assert_true(match_rank_index_weight(cfg, t, "female", "18+") == agree + old);
	/* unknown or unreadable says nothing */
	assert_true(match_rank_index_weight(cfg, t, "", "") == 0);
	assert_true(match_rank_index_weight(cfg, t, "female", "nine") == agree);
	assert_true(match_rank_index_weight(cfg, t, "female", "6-") == agree);
	assert_true(match_rank_index_weight(cfg, nosex, "female", "15-17") == 0);
	assert_true(match_rank_index_max(cfg, t) == agree);
	assert_true(match_rank_index_max(cfg, nosex) == 0);
	match_record_free(t);
	match_record_free(nosex);
	json_decref(j);
	json_decref(k);
}

/* ---- calibration on generated children ---------------------------------------------- */

#define CHILDREN	300
#define LOCS_MAX	400

struct locs {
	char		 code[LOCS_MAX][32];
	const char	*p[LOCS_MAX];
	size_t		 n;
};

static void
locs_load(struct locs *l)
{
	const struct embed_file *f = embed_find("config/locations/default.csv");
	const char *p, *end, *nl, *comma;

	assert_non_null(f);
	memset(l, 0, sizeof(*l));
	p = memchr(f->data, '\n', f->len) + 1;		/* past the header */
	end = f->data + f->len;
	for (; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		if ((comma = memchr(p, ',', (size_t)(nl - p))) == NULL || comma - p >= 32)
			continue;
		assert_true(l->n < LOCS_MAX);
		memcpy(l->code[l->n], p, (size_t)(comma - p));
		l->p[l->n] = l->code[l->n];
		l->n++;
	}
	assert_true(l->n > 10);
}

/* "YYYY-MM-DD" `back` days before `date`. */
static void
days_before(const char *date, unsigned back, char out[DATE_SIZE])
{
	int y, m, d;
	int64_t z, era, doe, yoe, doy, mp;

	assert_int_equal(date_parse(date, &y, &m, &d), 0);
	z = date_days(y, m, d) - back + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = (int)(doy - (153 * mp + 2) / 5 + 1);
	m = (int)(mp < 10 ? mp + 3 : mp - 9);
	y = (int)(yoe + era * 400 + (m <= 2));
	snprintf(out, DATE_SIZE, "%04d-%02d-%02d", y, m, d);
}

/*
 * What a family might tell a tracing office about the child of case `v` (a variant of
 * `orig`, the case as registered): one relative asks, some others are named; the
 * child's name in Latin or in its own script, sometimes the nickname; sex; the age
 * (usually); the date of birth (sometimes); a place in the home country and a date
 * some months before the registration (sometimes).
 */
static json_t *
trace_of(struct gen *g, const json_t *v, const json_t *orig, const struct locs *l,
    json_t **request)
{
	static const char *const parts[] = { "name_first", "name_middle", "name_last" };
	json_t *t = json_object(), *fam = json_array(), *m;
	const char *s, *nat, *reg;
	struct buf b = BUF_INIT;
	char date[DATE_SIZE];
	size_t i, k, seen;
	int asked = 0;

	*request = json_pack("{s:s}", "inquiry_date", TODAY);
	json_array_foreach(json_object_get(v, "family_details_section"), i, m) {
		if ((s = json_string_value(json_object_get(m, "relation_name"))) == NULL)
			continue;
		if (!asked && gen_uniform(g, 100) < 80) {
			json_object_set_new(*request, "relation_name", json_string(s));
			asked = 1;
		} else if (gen_uniform(g, 100) < 50)
			json_array_append_new(fam, json_pack("{s:s}", "relation_name", s));
	}
	json_object_set_new(*request, "family_members", fam);
	for (i = 0; i < 3; i++)
		if ((s = json_string_value(json_object_get(v, parts[i]))) != NULL) {
			if (b.len > 0)
				buf_putc(&b, ' ');
			buf_puts(&b, s);
		}
	s = json_string_value(json_object_get(v, "name_original_script"));
	json_object_set_new(t, "name", json_string(s != NULL && gen_uniform(g, 100) < 50 ?
	    s : b.p));
	if ((s = json_string_value(json_object_get(v, "name_nickname"))) != NULL)
		json_object_set_new(t, "name_nickname", json_string(s));
	json_object_set(t, "sex", json_object_get(v, "sex"));
	if (gen_uniform(g, 100) < 90)
		json_object_set(t, "age", json_object_get(v, "age"));
	if (json_object_get(v, "date_of_birth") != NULL && gen_uniform(g, 100) < 50)
		json_object_set(t, "date_of_birth", json_object_get(v, "date_of_birth"));
	nat = json_string_value(json_array_get(json_object_get(v, "nationality"), 0));
	if (nat != NULL && gen_uniform(g, 100) < 50) {
		for (k = 0, seen = 0; k < l->n; k++)
			if (strncmp(l->code[k], nat, 2) == 0 && gen_uniform(g, (uint32_t)++seen) == 0)
				json_object_set_new(t, "location_separation",
				    json_string(l->code[k]));
	}
	reg = json_string_value(json_object_get(orig, "registration_date"));
	if (reg != NULL && gen_uniform(g, 100) < 70) {
		days_before(reg, gen_uniform(g, 300), date);
		json_object_set_new(t, "date_of_separation", json_string(date));
	}
	buf_free(&b);
	return t;
}

struct tally {
	size_t	tp, fp, fn, possible_tp, blocked_true;
	double	worst_true, best_false;
};

static void
tally_print(const char *what, const struct tally *t)
{
	print_message("%s: %d children, %d non-matching pairs: at \"likely\" recall %.3f, "
	    "precision %.3f (%zu true, %zu false); at \"possible\" or better recall %.3f; "
	    "blocking keeps %.3f of the true pairs; lowest true score %.3f, highest false "
	    "%.3f\n", what, CHILDREN, CHILDREN * (CHILDREN - 1),
	    (double)t->tp / CHILDREN, t->tp + t->fp ? (double)t->tp / (double)(t->tp + t->fp) : 1,
	    t->tp, t->fp, (double)t->possible_tp / CHILDREN,
	    (double)t->blocked_true / CHILDREN, t->worst_true, t->best_false);
}

static void
tally_add(struct tally *t, int same, const struct match_result *r)
{
	if (same) {
		t->tp += r->likelihood == MATCH_LIKELY;
		t->fn += r->likelihood != MATCH_LIKELY;
		t->possible_tp += r->likelihood != MATCH_UNLIKELY;
		if (r->score < t->worst_true)
			t->worst_true = r->score;
	} else {
		t->fp += r->likelihood == MATCH_LIKELY;
		if (r->score > t->best_false)
			t->best_false = r->score;
	}
}

static void
test_calibration_on_generated_children(void **state)
{
	static struct locs l;
	static struct keylist ko[CHILDREN], kv[CHILDREN], kt[CHILDREN];
	struct match_record *ro[CHILDREN], *rv[CHILDREN], *rt[CHILDREN];
	json_t *orig[CHILDREN], *var[CHILDREN], *trace[CHILDREN], *req[CHILDREN];
	struct tally dup = { 0, 0, 0, 0, 0, 1, 0 }, tr = { 0, 0, 0, 0, 0, 1, 0 };
	struct match_result r;
	struct gen *g = gen_new(20250615);
	size_t i, j;

	(void)state;
	assert_non_null(g);
	locs_load(&l);
	for (i = 0; i < CHILDREN; i++) {
		assert_non_null(orig[i] = gen_case(g, TODAY, l.p, l.n));
		assert_non_null(var[i] = gen_case_variant(g, orig[i], TODAY));
		trace[i] = trace_of(g, var[i], orig[i], &l, &req[i]);
		assert_int_equal(match_prepare_case(orig[i], &ro[i]), RC_OK);
		assert_int_equal(match_prepare_case(var[i], &rv[i]), RC_OK);
		assert_int_equal(match_prepare_trace(req[i], trace[i], &rt[i]), RC_OK);
		assert_int_equal(match_blocking_keys(ro[i], key_collect, &ko[i]), RC_OK);
		assert_int_equal(match_blocking_keys(rv[i], key_collect, &kv[i]), RC_OK);
		assert_int_equal(match_blocking_keys(rt[i], key_collect, &kt[i]), RC_OK);
	}
	for (i = 0; i < CHILDREN; i++)
		for (j = 0; j < CHILDREN; j++) {
			assert_int_equal(match_compare(cfg, ro[i], rv[j], TODAY, &r), RC_OK);
			assert_int_equal(r.profile, MATCH_PROFILE_DUPLICATE);
			tally_add(&dup, i == j, &r);
			assert_int_equal(match_compare(cfg, rt[j], ro[i], TODAY, &r), RC_OK);
			assert_int_equal(r.profile, MATCH_PROFILE_TRACE);
			tally_add(&tr, i == j, &r);
		}
	for (i = 0; i < CHILDREN; i++) {
		dup.blocked_true += share_key(&ko[i], &kv[i]);
		tr.blocked_true += share_key(&ko[i], &kt[i]);
	}
	tally_print("duplicates (case against a variant of it)", &dup);
	tally_print("traces (a family's request against the registered case)", &tr);
	/* every pair counts as a candidate here: stricter than blocking */
	assert_true((double)dup.tp / CHILDREN >= 0.9);
	assert_true((double)dup.tp / (double)(dup.tp + dup.fp) >= 0.95);
	assert_true((double)tr.tp / CHILDREN >= 0.9);
	assert_true((double)tr.tp / (double)(tr.tp + tr.fp) >= 0.95);
	assert_true((double)dup.blocked_true / CHILDREN >= 0.98);
	assert_true((double)tr.blocked_true / CHILDREN >= 0.98);
	for (i = 0; i < CHILDREN; i++) {
		match_record_free(ro[i]);
		match_record_free(rv[i]);
		match_record_free(rt[i]);
		json_decref(orig[i]);
		json_decref(var[i]);
		json_decref(trace[i]);
		json_decref(req[i]);
	}
	gen_free(g);
}


/* ---- ranked blocking on a large generated caseload ------------------------------------ */

/*
 * What the app does before opening any candidate (app/match.c, cands_ranked): count each
 * blocking key of the trace in the key index, read the keys planned within the budget,
 * rank every record met by the weights of the keys it shares, open only the best. Here
 * the key index is built in memory from the same keys src/app/case.c stores, for the 300
 * registered children and DECOYS other generated cases. The number of records that share
 * a trace's keys, and so outrank or tie with the right child, grows with the caseload;
 * so the records opened and the budget are scaled with it (SCALE = DECOYS / 1,000,000 of
 * the shipped MATCH_RANK_OPEN and MATCH_RANK_BUDGET), and key weights are taken at the
 * counts 1,000,000 cases would give: this caseload stands for one of 1,000,000 as the
 * app sees it. Then the opened records are scored as the app scores them.
 */
#define DECOYS		50000
#define SCALE		((double)(DECOYS + CHILDREN) / 1000000.0)
#define KEY_SLOTS	65536		/* distinct keys of the index, a power of two */

struct postings {
	char	*key;			/* "kind:key"; NULL: empty slot */
	int	*rec;			/* record numbers: < CHILDREN registered, else decoys */
	size_t	 n, cap;
};

struct kindex {
	struct postings	slot[KEY_SLOTS];
	int		cur;		/* the record being indexed */
	char		sex[CHILDREN + DECOYS][16];	/* its index columns */
	char		band[CHILDREN + DECOYS][8];
};

static struct postings *
kindex_find(struct kindex *ix, const char *key, int add)
{
	uint64_t h = 1469598103934665603ULL;
	const char *p;
	size_t at;

	for (p = key; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ULL;
	for (at = (size_t)h & (KEY_SLOTS - 1); ix->slot[at].key != NULL;
	    at = (at + 1) & (KEY_SLOTS - 1))
		if (strcmp(ix->slot[at].key, key) == 0)
			return &ix->slot[at];
	if (!add)
		return NULL;
	assert_non_null(ix->slot[at].key = strdup(key));
	return &ix->slot[at];
}

static void
kindex_put(struct kindex *ix, const char *key)
{
	struct postings *p = kindex_find(ix, key, 1);

	if (p->n > 0 && p->rec[p->n - 1] == ix->cur)
		return;		/* (key, record) once, as in record_keys */
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		assert_non_null(p->rec = realloc(p->rec, p->cap * sizeof(*p->rec)));
	}
	p->rec[p->n++] = ix->cur;
}

static int
kindex_token(void *arg, const char *token)
{
	struct kindex *ix = arg;
	char k[NAMES_TOKEN_MAX + 16], skel[NAMES_TOKEN_MAX + 1];

	snprintf(k, sizeof(k), "name:%s", token);
	kindex_put(ix, k);
	if (names_skeleton(token, skel, sizeof(skel)) > 0) {
		snprintf(k, sizeof(k), "skeleton:%s", skel);
		kindex_put(ix, k);
	}
	return 0;
}

static void
kindex_add(struct kindex *ix, int rec, const json_t *c)
{
	const char *s;
	size_t i;

	struct record_meta m;

	memset(&m, 0, sizeof(m));
	record_index(c, TODAY, &m);
	str_copy(ix->sex[rec], sizeof(ix->sex[rec]), m.sex);
	str_copy(ix->band[rec], sizeof(ix->band[rec]), m.age_band);
	ix->cur = rec;
	for (i = 0; record_name_fields[i] != NULL; i++)
		if ((s = json_string_value(json_object_get(c, record_name_fields[i]))) != NULL)
			assert_int_equal(names_tokens(s, kindex_token, ix), RC_OK);
}

static void
kindex_free(struct kindex *ix)
{
	size_t i;

	for (i = 0; i < KEY_SLOTS; i++) {
		free(ix->slot[i].key);
		free(ix->slot[i].rec);
	}
}

/* The id of record `rec` in the emulation, and back: the store's ids are random UUIDs,
 * so ties (by id) must not favour the registered children, whose numbers come first. A
 * multiplication by an odd number is a bijection of the 32-bit numbers. */
static uint32_t
index_order(int rec)
{
	return (uint32_t)rec * 2654435761u;
}

static int
index_record(uint32_t order)
{
	uint32_t inv = 2654435761u;
	int i;

	for (i = 0; i < 5; i++)		/* Newton: the inverse modulo 2^32 */
		inv *= 2u - 2654435761u * inv;
	return (int)(order * inv);
}

struct short_rec {
	int	rec;
	double	w;
};

static int
short_better(const void *x, const void *y)
{
	const struct short_rec *a = x, *b = y;

	if (a->w != b->w)
		return a->w > b->w ? -1 : 1;
	return index_order(a->rec) < index_order(b->rec) ? -1 :
	    index_order(a->rec) > index_order(b->rec);
}

/* The records the app would open for trace `t` (keys `kt`), best first, into `open`; how
 * many. The steps of app/match.c's cands_ranked, every record in scope. */
static size_t
ranked_open(struct kindex *ix, const struct match_record *t, const struct keylist *kt,
    int *open)
{
	static struct short_rec sl[MATCH_RANK_SHORT];
	int64_t counts[MATCH_KEYS_MAX], budget = (int64_t)(MATCH_RANK_BUDGET * SCALE);
	size_t nopen = (size_t)(MATCH_RANK_OPEN * SCALE + 0.5);
	size_t nshort = (size_t)(MATCH_RANK_SHORT * SCALE + 0.5);
	size_t depth = (size_t)(MATCH_RANK_DEPTH * SCALE + 0.5);
	double bonus = match_rank_index_max(cfg, t);
	struct postings *p[MATCH_KEYS_MAX];
	int use[MATCH_KEYS_MAX], rec;
	struct match_rank *rk = NULL;
	char id[16];
	size_t i, j, n = 0, at;

	/* 1. the planned keys read, every record met ranked */
	for (i = 0; i < kt->n; i++) {
		p[i] = kindex_find(ix, kt->k[i], 0);
		counts[i] = p[i] != NULL ? (int64_t)p[i]->n : 0;
	}
	assert_int_equal(match_rank_new((size_t)match_rank_plan(counts, kt->n, budget, use),
	    &rk), RC_OK);
	for (i = 0; i < kt->n; i++)
		for (j = 0; use[i] && j < p[i]->n; j++) {
			snprintf(id, sizeof(id), "%08x", index_order(p[i]->rec[j]));
			assert_int_equal(match_rank_add(rk, id, match_key_weight(
			    (int64_t)((double)counts[i] / SCALE + 0.5))), RC_OK);
		}
	match_rank_sort(rk);
	/* 2. best first, weighed by sex and age band, until no later one can pass (or
	 * tie) */
	for (at = 0; at < match_rank_count(rk) && at < depth && n < nshort; at++) {
		if (n >= nopen) {
			qsort(sl, n, sizeof(sl[0]), short_better);
			if (match_rank_weight(rk, at) + bonus <= sl[nopen - 1].w)
				break;
		}
		rec = index_record((uint32_t)strtoul(match_rank_id(rk, at), NULL, 16));
		sl[n].rec = rec;
		sl[n++].w = match_rank_weight(rk, at) + match_rank_index_weight(cfg, t,
		    ix->sex[rec], ix->band[rec]);
	}
	match_rank_free(rk);
	/* 3. the best opened */
	qsort(sl, n, sizeof(sl[0]), short_better);
	if (n > nopen)
		n = nopen;
	for (i = 0; i < n; i++)
		open[i] = sl[i].rec;
	return n;
}

static int
key_has(const struct postings *p, int rec)
{
	size_t i;

	for (i = 0; p != NULL && i < p->n; i++)
		if (p->rec[i] == rec)
			return 1;
	return 0;
}

/* 1 when `rec` is new to the set (and then notes whether it is `want`). */
static int
unranked_take(unsigned char *taken, int rec, int want, int *found)
{
	if (taken[rec])
		return 0;
	taken[rec] = 1;
	*found |= rec == want;
	return 1;
}

/*
 * The records the selection before ranking opened, for comparison, scaled as above:
 * rarest key first, each key's records in index order until 500 (MATCH_CANDIDATES_MAX
 * of app/match.c), keys of more than 2,000 records (MATCH_KEY_COMMON) only in pairs of
 * the four rarest of them. Whether it opened `want`.
 */
static int
unranked_opens(struct kindex *ix, const struct keylist *kt, int want)
{
	size_t cap = (size_t)(500 * SCALE + 0.5), common = (size_t)(2000 * SCALE + 0.5);
	struct postings *p[MATCH_KEYS_MAX], *t, *pc[4];
	size_t i, j, x, n = 0, nc = 0, seen;
	int64_t counts[MATCH_KEYS_MAX];
	int done[MATCH_KEYS_MAX] = { 0 }, rec, found = 0;
	uint32_t last, best;
	unsigned char *taken = calloc(CHILDREN + DECOYS, 1);

	assert_non_null(taken);
	for (i = 0; i < kt->n; i++) {
		p[i] = kindex_find(ix, kt->k[i], 0);
		counts[i] = p[i] != NULL ? (int64_t)p[i]->n : 0;
	}
	for (;;) {		/* rarest first */
		for (i = 0, j = kt->n; i < kt->n; i++)
			if (!done[i] && counts[i] > 0 && (j == kt->n || counts[i] < counts[j]))
				j = i;
		if (j == kt->n || n >= cap)
			break;
		done[j] = 1;
		if ((size_t)counts[j] > common) {
			if (nc < 4)
				pc[nc++] = p[j];
			continue;
		}
		/* the key's first `cap` records in index order; one met before is passed
		 * over (cands_row), the set stops at `cap` */
		for (last = 0, seen = 0; seen < p[j]->n && seen < cap && n < cap; seen++) {
			for (x = 0, best = UINT32_MAX, rec = -1; x < p[j]->n; x++)
				if ((seen == 0 || index_order(p[j]->rec[x]) > last) &&
				    index_order(p[j]->rec[x]) <= best) {
					best = index_order(p[j]->rec[x]);
					rec = p[j]->rec[x];
				}
			last = best;
			n += unranked_take(taken, rec, want, &found);
		}
	}
	/* common keys two at a time: their shared records */
	for (i = 0; i < nc && n < cap; i++)
		for (j = i + 1; j < nc && n < cap; j++)
			for (x = 0, t = pc[i]; x < t->n && n < cap; x++)
				if (key_has(pc[j], t->rec[x]))
					n += unranked_take(taken, t->rec[x], want, &found);
	free(taken);
	return found;
}

/* Decoy `k`: a generated case of its own seed, so that it can be made again when opened
 * rather than kept (50,000 prepared records would not fit a unit test's memory). */
static json_t *
decoy(int k, const struct locs *l)
{
	struct gen *g = gen_new(1000000 + (uint64_t)k);
	json_t *c;

	assert_non_null(g);
	assert_non_null(c = gen_case(g, TODAY, l->p, l->n));
	gen_free(g);
	return c;
}

static void
test_ranked_blocking_keeps_recall_at_scale(void **state)
{
	static struct locs l;
	static struct kindex ix;
	static struct keylist kt;
	struct match_record *ro[CHILDREN], *rt[CHILDREN], *rc;
	json_t *orig, *var, *trace, *req, *c;
	struct match_result r;
	struct gen *g = gen_new(20250615);
	int64_t budget = (int64_t)(MATCH_RANK_BUDGET * SCALE);
	size_t nopen = (size_t)(MATCH_RANK_OPEN * SCALE + 0.5), i, j, n, better;
	size_t kept = 0, top1 = 0, top10 = 0, tp = 0, fp = 0, kept_before = 0;
	int open[MATCH_RANK_OPEN], k;
	double score[MATCH_RANK_OPEN], true_score;

	(void)state;
	assert_non_null(g);
	assert_true(nopen >= 1 && nopen <= MATCH_RANK_OPEN);
	locs_load(&l);
	/* the registered children and their traces (as in the calibration above, with the
	 * same seed), then the decoys: all indexed as the app indexes cases */
	for (k = 0; k < CHILDREN; k++) {
		assert_non_null(orig = gen_case(g, TODAY, l.p, l.n));
		assert_non_null(var = gen_case_variant(g, orig, TODAY));
		trace = trace_of(g, var, orig, &l, &req);
		assert_int_equal(match_prepare_case(orig, &ro[k]), RC_OK);
		assert_int_equal(match_prepare_trace(req, trace, &rt[k]), RC_OK);
		kindex_add(&ix, k, orig);
		json_decref(orig);
		json_decref(var);
		json_decref(trace);
		json_decref(req);
	}
	for (k = CHILDREN; k < CHILDREN + DECOYS; k++) {
		c = decoy(k, &l);
		kindex_add(&ix, k, c);
		json_decref(c);
	}
	/* each trace: the records opened, scored as the app scores them; the right
	 * child's place among those shown (likely and possible, best first) */
	for (i = 0; i < CHILDREN; i++) {
		memset(&kt, 0, sizeof(kt));
		assert_int_equal(match_blocking_keys(rt[i], key_collect, &kt), RC_OK);
		n = ranked_open(&ix, rt[i], &kt, open);
		kept_before += (size_t)unranked_opens(&ix, &kt, (int)i);
		true_score = -1;
		for (j = 0; j < n; j++) {
			if (open[j] < CHILDREN)
				rc = ro[open[j]];
			else {
				c = decoy(open[j], &l);
				assert_int_equal(match_prepare_case(c, &rc), RC_OK);
				json_decref(c);
			}
			assert_int_equal(match_compare(cfg, rt[i], rc, TODAY, &r), RC_OK);
			if (open[j] >= CHILDREN)
				match_record_free(rc);
			score[j] = r.likelihood != MATCH_UNLIKELY ? r.score : -1;
			if ((size_t)open[j] == i)
				true_score = score[j];
			tp += r.likelihood == MATCH_LIKELY && (size_t)open[j] == i;
			fp += r.likelihood == MATCH_LIKELY && (size_t)open[j] != i;
		}
		for (j = 0; j < n; j++)
			kept += (size_t)open[j] == i;
		if (true_score < 0)
			continue;	/* not opened, or not shown */
		for (j = 0, better = 0; j < n; j++)
			better += (size_t)open[j] != i && score[j] > true_score;
		top1 += better == 0;
		top10 += better < 10;
	}
	print_message("ranked blocking, %d children among %d cases (as 1,000,000: %zu "
	    "opened, %lld index entries read at most): the right case opened for %.3f "
	    "(before ranking: %.3f), first for %.3f, in the top 10 for %.3f; at "
	    "\"likely\" %zu true, %zu false (precision %.3f)\n", CHILDREN,
	    CHILDREN + DECOYS, nopen, (long long)budget, (double)kept / CHILDREN,
	    (double)kept_before / CHILDREN, (double)top1 / CHILDREN,
	    (double)top10 / CHILDREN, tp, fp, tp + fp ? (double)tp / (double)(tp + fp) : 1);
	/* ranking opens a fifth of the records and keeps more of the right ones */
	assert_true(kept > kept_before);
	assert_true((double)kept / CHILDREN >= 0.8);
	assert_true((double)top10 / CHILDREN >= 0.8);
	for (k = 0; k < CHILDREN; k++) {
		match_record_free(ro[k]);
		match_record_free(rt[k]);
	}
	kindex_free(&ix);
	gen_free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tracing_request_form_loads_and_validates),
		cmocka_unit_test(test_config_is_checked),
		cmocka_unit_test(test_shipped_weights_are_ordered_best_first),
		cmocka_unit_test(test_one_name_in_many_spellings_and_scripts),
		cmocka_unit_test(test_particles_and_compounds),
		cmocka_unit_test(test_token_order_and_missing_parts),
		cmocka_unit_test(test_names_of_a_record),
		cmocka_unit_test(test_age_with_tolerance),
		cmocka_unit_test(test_sex_and_date_of_birth),
		cmocka_unit_test(test_place_hierarchy),
		cmocka_unit_test(test_date_of_separation),
		cmocka_unit_test(test_family_members_names),
		cmocka_unit_test(test_the_trace_in_arabic_finds_mohamed_abdallah),
		cmocka_unit_test(test_likely_beats_possible_beats_unrelated),
		cmocka_unit_test(test_a_brother_is_not_the_child),
		cmocka_unit_test(test_worse_agreement_lowers_the_score),
		cmocka_unit_test(test_missing_fields_weigh_nothing),
		cmocka_unit_test(test_bad_input_is_handled),
		cmocka_unit_test(test_blocking_keys_come_from_the_blind_index),
		cmocka_unit_test(test_rank_weighs_keys_by_rarity_and_reads_the_rarest_first),
		cmocka_unit_test(test_rank_tells_namesakes_apart_by_sex_and_age_band),
		cmocka_unit_test(test_calibration_on_generated_children),
		cmocka_unit_test(test_ranked_blocking_keeps_recall_at_scale),
	};

	return cmocka_run_group_tests(tests, load_shipped_config, free_config);
}
