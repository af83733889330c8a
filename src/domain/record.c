/* record.c — derived fields, index columns and merge patches for records. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "domain/record.h"

const char *const record_name_fields[] = {
	"name", "name_first", "name_middle", "name_last", "name_nickname", "name_other",
	"name_original_script", NULL
};

/* "first middle last" from the parts present, or NULL when none is. */
static char *
record_name_from_parts(const json_t *data)
{
	static const char *const parts[] = { "name_first", "name_middle", "name_last" };
	struct buf b = BUF_INIT;
	size_t i;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		const json_t *v = json_object_get(data, parts[i]);
		const char *s = json_is_string(v) ? json_string_value(v) : "";

		if (*s == '\0')
			continue;
		if ((b.len > 0 && buf_putc(&b, ' ') != 0) || buf_puts(&b, s) != 0) {
			buf_free(&b);
			return NULL;
		}
	}
	return b.p;	/* NULL when nothing was appended */
}

int
record_derive(json_t *data, const json_t *prev)
{
	const json_t *name = json_object_get(data, "name");
	char *derived, *prev_derived = NULL;
	int rederive = 0, rc = RC_OK;

	if (!json_is_string(name) || *json_string_value(name) == '\0')
		rederive = 1;
	else if (prev != NULL) {
		prev_derived = record_name_from_parts(prev);
		if (prev_derived != NULL &&
		    strcmp(prev_derived, json_string_value(name)) == 0)
			rederive = 1;
	}
	if (rederive) {
		derived = record_name_from_parts(data);
		if (derived != NULL) {
			if (json_object_set_new(data, "name", json_string(derived)) != 0)
				rc = RC_ENOMEM;
			free(derived);
		} else if (json_is_string(name) && prev_derived != NULL)
			json_object_del(data, "name");	/* parts all removed */
	}
	free(prev_derived);
	return rc;
}

const char *
record_age_band(long long age)
{
	if (age < 0)
		return "";
	if (age <= 5)
		return "0-5";
	if (age <= 11)
		return "6-11";
	if (age <= 14)
		return "12-14";
	if (age <= 17)
		return "15-17";
	return "18+";
}

static void
index_str(const json_t *data, const char *field, char *dst, size_t dstsz)
{
	const json_t *v = json_object_get(data, field);

	if (json_is_array(v))
		v = json_array_get(v, 0);
	if (!json_is_string(v) || str_copy(dst, dstsz, json_string_value(v)) != 0)
		dst[0] = '\0';
}

static int
is_true(const json_t *data, const char *field)
{
	return json_is_true(json_object_get(data, field));
}

void
record_index(const json_t *data, const char *today, struct record_meta *m)
{
	const json_t *age = json_object_get(data, "age");
	const char *dob = json_string_value(json_object_get(data, "date_of_birth"));
	const json_t *from = json_object_get(data, "age_range_from");
	const char *uasc, *outcome;
	long long years = -1;

	index_str(data, "sex", m->sex, sizeof(m->sex));
	index_str(data, "risk_level", m->risk_level, sizeof(m->risk_level));
	index_str(data, "nationality", m->nationality, sizeof(m->nationality));
	index_str(data, "location_current", m->location_code, sizeof(m->location_code));

	if (dob != NULL && today != NULL)
		years = date_age_years(dob, today);
	if (years < 0 && json_is_integer(age))
		years = json_integer_value(age);
	/* a child until an age assessment decides otherwise: while it has not decided
	 * "adult", an assessed range counts by its lower bound and an outcome of child
	 * (or undetermined) keeps the age under 18 */
	outcome = json_string_value(json_object_get(data, "age_assessment_outcome"));
	if (outcome != NULL && strcmp(outcome, "adult") == 0) {
		if (years < 18)
			years = 18;
	} else {
		if (json_is_integer(from) && json_integer_value(from) >= 0)
			years = json_integer_value(from);
		if (years > 17 && (json_is_integer(from) || (outcome != NULL &&
		    (strcmp(outcome, "child") == 0 || strcmp(outcome, "undetermined") == 0))))
			years = 17;
	}
	str_copy(m->age_band, sizeof(m->age_band), record_age_band(years));

	m->flags &= ~(int64_t)(RECORD_FLAG_UASC | RECORD_FLAG_TRACING_OK);
	uasc = json_string_value(json_object_get(data, "unaccompanied_separated_status"));
	if (uasc != NULL && (strcmp(uasc, "unaccompanied") == 0 ||
	    strcmp(uasc, "separated") == 0))
		m->flags |= RECORD_FLAG_UASC;
	if (is_true(data, "consent_for_tracing"))
		m->flags |= RECORD_FLAG_TRACING_OK;
}

static int
strcmp_ptr(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
record_merge_patch(json_t *data, const json_t *patch)
{
	const char *key;
	json_t *v, *cur;

	if (!json_is_object(data) || !json_is_object(patch))
		return RC_EINVALID;
	json_object_foreach((json_t *)patch, key, v) {
		if (json_is_null(v)) {
			json_object_del(data, key);
			continue;
		}
		cur = json_object_get(data, key);
		if (json_is_object(v)) {
			/* RFC 7396: merge into what is there, or into a new object, so that
			 * nulls inside the patch remove rather than land in the record */
			int rc;

			if (!json_is_object(cur)) {
				if ((cur = json_object()) == NULL ||
				    json_object_set_new(data, key, cur) != 0)
					return RC_ENOMEM;
			}
			if ((rc = record_merge_patch(cur, v)) != RC_OK)
				return rc;
			continue;
		}
		/* a copy: the record never shares values with the caller's patch */
		if (json_object_set_new(data, key, json_deep_copy(v)) != 0)
			return RC_ENOMEM;
	}
	return RC_OK;
}

json_t *
record_changed_fields(const json_t *before, const json_t *after)
{
	json_t *out = json_array(), *keys = json_object();
	const char *key;
	json_t *v;
	size_t i;

	if (out == NULL || keys == NULL)
		goto fail;
	json_object_foreach((json_t *)after, key, v) {
		json_t *old = before ? json_object_get(before, key) : NULL;

		if (old == NULL || !json_equal(old, v))
			if (json_object_set_new(keys, key, json_true()) != 0)
				goto fail;
	}
	if (before != NULL) {
		json_object_foreach((json_t *)before, key, v) {
			if (json_object_get(after, key) == NULL)
				if (json_object_set_new(keys, key, json_true()) != 0)
					goto fail;
		}
	}
	/* jansson iterates in insertion order; sort for stable output */
	{
		size_t n = json_object_size(keys);
		const char **ks = calloc(n ? n : 1, sizeof(*ks));

		if (ks == NULL)
			goto fail;
		i = 0;
		json_object_foreach(keys, key, v)
			ks[i++] = key;
		qsort(ks, n, sizeof(*ks), strcmp_ptr);
		for (i = 0; i < n; i++)
			if (json_array_append_new(out, json_string(ks[i])) != 0) {
				free(ks);
				goto fail;
			}
		free(ks);
	}
	json_decref(keys);
	return out;
fail:
	json_decref(out);
	json_decref(keys);
	return NULL;
}
