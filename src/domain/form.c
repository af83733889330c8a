/*
 * form.c — forms as data: loading form and lookup files, and the one generic validator.
 *
 * LOOKUP FILES (config/lookups/<id>.json)
 *
 *	{"id": "lookup-gender",
 *	 "values": [{"id": "female", "display_text": {"en": "Female", "fr": ..., ...}}, ...]}
 *
 *   - "id": [a-z][a-z0-9_-]*, at most 64 bytes, unique among lookups.
 *   - "values": a non-empty array; each value has exactly the keys "id" and
 *     "display_text". A value id is [A-Za-z0-9][A-Za-z0-9_-]*, at most 64 bytes, unique in
 *     its list. "display_text" is a text object (below).
 *   - lookup-country and lookup-language hold ISO codes whose names clients take from ICU:
 *     their values may omit "display_text", and their ids must be ISO 3166-1 alpha-2
 *     (two upper-case letters) and ISO 639 (two or three lower-case letters) codes.
 *
 * FORM FILES (config/forms/<record type>.json)
 *
 *	{"id": "case",
 *	 "labels": {TEXT},
 *	 "sections": [{"id": "basic_identity", "labels": {TEXT}}, ...],
 *	 "required_one_of": [{"fields": ["name_first", ...],
 *			      "message": "at least one name is required"}],
 *	 "fields": [FIELD, ...]}
 *
 *   - "id" (the record type), "labels", "sections" (non-empty, unique ids) and "fields"
 *     (non-empty) are required; "required_one_of" is optional. No other key is allowed.
 *   - required_one_of: each group names top-level fields ("fields", non-empty) and the
 *     problem reported when all of them are absent ("message", at most 150 bytes). The
 *     error is a record-level one (field ""). No other key is allowed.
 *
 * TEXT objects ("labels", "help", "display_text") map language codes ([a-z]{2,3}) to
 * non-empty strings and must have "en". The shipped files carry en, fr, ar and es.
 *
 * FIELD
 *
 *	{"id": "name_first", "type": "text", "section": "basic_identity",
 *	 "labels": {TEXT}, "help": {TEXT}, "sensitivity": "identifying",
 *	 "required": false, "matchable": true, "max_length": 100}
 *
 *   key          types                  meaning
 *   id           all      required      [a-z][a-z0-9_]*, at most 64 bytes, unique in its form
 *   type         all      required      text textarea select multi_select date integer
 *                                       boolean location subform
 *   section      all      required      a section id (top level only; subform fields take
 *                                       their subform's section and may not name one)
 *   labels       all      required      TEXT
 *   help         all      optional      TEXT
 *   sensitivity  all      required      basic identifying sensitive restricted; optional in a
 *                                       subform field, which inherits its subform's class and
 *                                       may not declare a lower one
 *   required     all      optional      true/false (default false)
 *   matchable    all      optional      true/false (default false)
 *   no_future    date     optional      true/false: not after today
 *   system       all      optional      true/false (default false): the server sets this
 *                                       field (approvals, suggestions, logs); clients may
 *                                       not change it (form_check_system). Top-level
 *                                       fields only: a subform is system as a whole
 *   min, max     integer  required      JSON integers, min <= max
 *   max_length   text, textarea         bytes, 1..1000000 (default 200 and 10000)
 *   max_items    multi_select, subform  1..1000 (default: the number of options; 100)
 *   options      select, multi_select   inline list, same shape as a lookup's "values"
 *                                       ("display_text" always required)
 *   lookup       select, multi_select   a lookup id, resolved when the form is added
 *                                       (exactly one of options and lookup)
 *   fields       subform  required      non-empty array of FIELD; subforms do not nest
 *
 * Any other key, or a key given for a type it does not apply to, is a load error. Load
 * errors read "form case: field sex: unknown type \"texte\"" (config text may be quoted;
 * record values never are).
 *
 * VALIDATION (form_validate)
 *
 * A record is a JSON object. A key that is no field is an error. null means absent; an
 * empty string or empty array also counts as absent for "required" and "required_one_of".
 * text and textarea: strings, at most max_length bytes, valid UTF-8 (no overlong forms,
 * surrogates or code points over U+10FFFF), no control characters (C0, DEL, C1) except
 * \n and \t in a textarea. select: one option id. multi_select: an array of distinct
 * option ids, at most max_items. date: "YYYY-MM-DD", a real day; no_future against
 * ctx->today. integer: a JSON integer (not 9.5, not 9.0) within min..max. boolean: true
 * or false. location: two upper-case letters then up to 20 of [A-Z0-9], then
 * ctx->location_exists when set. subform: an array of at most max_items objects, each
 * validated like a record against the subform's fields; errors are named
 * "family_details_section[1].relation". Problems never quote the value.
 *
 * Everything a form borrows (labels, options) lives in the parsed files, which the
 * struct forms owns until forms_free(). Validation only reads, so one struct forms can
 * serve many threads once loaded.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/json.h"
#include "domain/form.h"

#define CONFIG_BYTES_MAX	(4 * 1024 * 1024)
#define CONFIG_DEPTH_MAX	16
#define ID_MAX			64
#define MESSAGE_MAX		150
#define TEXT_MAX_DEFAULT	200
#define TEXTAREA_MAX_DEFAULT	10000
#define LENGTH_LIMIT		1000000
#define SUBFORM_ITEMS_DEFAULT	100
#define ITEMS_LIMIT		1000
#define LOCATION_TAIL_MAX	20

struct lookup {
	const char	*id;		/* in root */
	json_t		*root;		/* the parsed file */
	const json_t	*values;	/* in root */
	json_t		*index;		/* value id -> true */
};

struct form {
	const char		*id;		/* record type; a subform's field id */
	json_t			*root;		/* the parsed file (top-level forms only) */
	const json_t		*labels;
	const json_t		*sections;	/* NULL for a subform */
	const json_t		*one_of;	/* NULL when none */
	struct form_field	*fields;
	json_t			**index;	/* per field: option id -> true, or NULL */
	uint32_t		*slots;		/* hash of ids: field position + 1; 0 empty */
	size_t			 nslots;	/* a power of two, over twice nfields */
	size_t			 nfields;
};

struct forms {
	struct lookup	*lookups;
	size_t		 nlookups;
	struct form	**forms;
	size_t		 nforms;
};

static const char *const type_names[FT__MAX] = {
	[FT_TEXT] = "text",
	[FT_TEXTAREA] = "textarea",
	[FT_SELECT] = "select",
	[FT_MULTI_SELECT] = "multi_select",
	[FT_DATE] = "date",
	[FT_INTEGER] = "integer",
	[FT_BOOLEAN] = "boolean",
	[FT_LOCATION] = "location",
	[FT_SUBFORM] = "subform",
};

static const char *const sensitivity_names[FS__MAX] = {
	[FS_BASIC] = "basic",
	[FS_IDENTIFYING] = "identifying",
	[FS_SENSITIVE] = "sensitive",
	[FS_RESTRICTED] = "restricted",
};

#define T(t)	(1u << (t))
#define T_ALL	((1u << FT__MAX) - 1)
#define T_CHOICE (T(FT_SELECT) | T(FT_MULTI_SELECT))

/* The keys a field definition may have, and the types each applies to. */
static const struct field_key {
	const char	*key;
	unsigned	 types;
} field_keys[] = {
	{ "id", T_ALL },
	{ "type", T_ALL },
	{ "section", T_ALL },
	{ "labels", T_ALL },
	{ "help", T_ALL },
	{ "sensitivity", T_ALL },
	{ "required", T_ALL },
	{ "matchable", T_ALL },
	{ "system", T_ALL },
	{ "no_future", T(FT_DATE) },
	{ "min", T(FT_INTEGER) },
	{ "max", T(FT_INTEGER) },
	{ "max_length", T(FT_TEXT) | T(FT_TEXTAREA) },
	{ "max_items", T(FT_MULTI_SELECT) | T(FT_SUBFORM) },
	{ "options", T_CHOICE },
	{ "lookup", T_CHOICE },
	{ "fields", T(FT_SUBFORM) },
};

static int	valid_region_code(const char *s);
static int	valid_language_code(const char *s);
static int	valid_option_id(const char *s);

/* Lookups of ISO codes whose display names come from ICU rather than the file. */
static const struct icu_lookup {
	const char	*id;
	const char	*display_names;		/* told to clients in form_to_json */
	int		(*valid)(const char *);
} icu_lookups[] = {
	{ "lookup-country", "icu_region", valid_region_code },
	{ "lookup-language", "icu_language", valid_language_code },
};

/* ---- small helpers ---------------------------------------------------------------- */

static int
is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static int
is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Field, section and form ids: [a-z][a-z0-9_]*, at most ID_MAX bytes. */
static int
valid_field_id(const char *s)
{
	size_t i;

	if (s == NULL || !is_lower(s[0]))
		return 0;
	for (i = 1; s[i] != '\0'; i++)
		if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '_')
			return 0;
	return i <= ID_MAX;
}

/* Lookup ids: [a-z][a-z0-9_-]*. */
static int
valid_lookup_id(const char *s)
{
	size_t i;

	if (s == NULL || !is_lower(s[0]))
		return 0;
	for (i = 1; s[i] != '\0'; i++)
		if (!is_lower(s[i]) && !is_digit(s[i]) && s[i] != '_' && s[i] != '-')
			return 0;
	return i <= ID_MAX;
}

static int
valid_option_id(const char *s)
{
	size_t i;

	if (s == NULL || !(is_lower(s[0]) || is_upper(s[0]) || is_digit(s[0])))
		return 0;
	for (i = 1; s[i] != '\0'; i++)
		if (!is_lower(s[i]) && !is_upper(s[i]) && !is_digit(s[i]) && s[i] != '_' &&
		    s[i] != '-')
			return 0;
	return i <= ID_MAX;
}

static int
valid_region_code(const char *s)
{
	return is_upper(s[0]) && is_upper(s[1]) && s[2] == '\0';
}

static int
valid_language_code(const char *s)
{
	return is_lower(s[0]) && is_lower(s[1]) && (s[2] == '\0' ||
	    (is_lower(s[2]) && s[3] == '\0'));
}

static const struct icu_lookup *
icu_lookup_find(const char *id)
{
	size_t i;

	for (i = 0; i < sizeof(icu_lookups) / sizeof(icu_lookups[0]); i++)
		if (strcmp(icu_lookups[i].id, id) == 0)
			return &icu_lookups[i];
	return NULL;
}

static int
type_from_name(const char *s)
{
	int t;

	for (t = 0; t < FT__MAX; t++)
		if (strcmp(type_names[t], s) == 0)
			return t;
	return -1;
}

static int
sensitivity_from_name(const char *s)
{
	int c;

	for (c = 0; c < FS__MAX; c++)
		if (strcmp(sensitivity_names[c], s) == 0)
			return c;
	return -1;
}

static const struct field_key *
field_key_find(const char *key)
{
	size_t i;

	for (i = 0; i < sizeof(field_keys) / sizeof(field_keys[0]); i++)
		if (strcmp(field_keys[i].key, key) == 0)
			return &field_keys[i];
	return NULL;
}

/* The string `v` holds no NUL byte, so its C string is all of it. */
static int
string_whole(const json_t *v)
{
	return strlen(json_string_value(v)) == json_string_length(v);
}

/* ---- loading: messages --------------------------------------------------------------- */

struct loader {
	struct forms	*fs;
	char		 what[96];	/* "form case", "lookup lookup-gender" */
	char		*msg;
	size_t		 msgsz;
};

static int	load_fail(struct loader *l, const char *path, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

/* Write "<what>: field <path>: <problem>" into the caller's buffer; RC_EINVALID. */
static int
load_fail(struct loader *l, const char *path, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (l->msg == NULL || l->msgsz == 0)
		return RC_EINVALID;
	if (path != NULL)
		n = snprintf(l->msg, l->msgsz, "%s: field %s: ", l->what, path);
	else
		n = snprintf(l->msg, l->msgsz, "%s: ", l->what);
	if (n < 0 || (size_t)n >= l->msgsz)
		return RC_EINVALID;
	va_start(ap, fmt);
	vsnprintf(l->msg + n, l->msgsz - (size_t)n, fmt, ap);
	va_end(ap);
	return RC_EINVALID;
}

static int
load_nomem(struct loader *l)
{
	if (l->msg != NULL && l->msgsz > 0)
		snprintf(l->msg, l->msgsz, "%s: out of memory", l->what);
	return RC_ENOMEM;
}

/* Check a TEXT object; on a problem, say what it is in `why`. */
static int
check_text(const json_t *v, char *why, size_t whysz)
{
	const char *lang;
	json_t *t;

	if (!json_is_object(v)) {
		snprintf(why, whysz, "must be an object of texts per language");
		return -1;
	}
	json_object_foreach((json_t *)v, lang, t) {
		if (!valid_language_code(lang)) {
			snprintf(why, whysz, "\"%.16s\" is not a language code", lang);
			return -1;
		}
		if (!json_is_string(t) || json_string_length(t) == 0 || !string_whole(t)) {
			snprintf(why, whysz, "the \"%s\" text must be a non-empty string", lang);
			return -1;
		}
	}
	if (json_object_get(v, "en") == NULL) {
		snprintf(why, whysz, "has no \"en\" text");
		return -1;
	}
	return 0;
}

static int
load_text(struct loader *l, const char *path, const char *key, const json_t *v)
{
	char why[96];

	if (check_text(v, why, sizeof(why)) != 0)
		return load_fail(l, path, "\"%s\" %s", key, why);
	return RC_OK;
}

/* Read an optional boolean key; absent is 0. */
static int
load_bool(struct loader *l, const char *path, const json_t *def, const char *key, int *out)
{
	const json_t *v = json_object_get(def, key);

	*out = 0;
	if (v == NULL)
		return RC_OK;
	if (!json_is_boolean(v))
		return load_fail(l, path, "\"%s\" must be true or false", key);
	*out = json_is_true(v);
	return RC_OK;
}

/* Read an optional size key within 1..limit; absent leaves `*out` as it is. */
static int
load_size(struct loader *l, const char *path, const json_t *def, const char *key,
    long long limit, size_t *out)
{
	const json_t *v = json_object_get(def, key);

	if (v == NULL)
		return RC_OK;
	if (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > limit)
		return load_fail(l, path, "\"%s\" must be an integer from 1 to %lld", key,
		    limit);
	*out = (size_t)json_integer_value(v);
	return RC_OK;
}

/*
 * Check a list of options or lookup values (`what` names it in messages) and build its
 * index (id -> true) into `*index`. `need_text`: display_text is required. `valid`
 * checks the shape of each id.
 */
static int
load_values(struct loader *l, const char *path, const char *what, const json_t *arr,
    int need_text, int (*valid)(const char *), json_t **index)
{
	const char *key;
	json_t *v, *k;
	size_t i;
	char why[96];

	*index = NULL;
	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return load_fail(l, path, "\"%s\" must be a non-empty array", what);
	if ((*index = json_object()) == NULL)
		return load_nomem(l);
	json_array_foreach(arr, i, v) {
		const json_t *id, *text;

		if (!json_is_object(v))
			return load_fail(l, path, "%s[%zu] must be an object", what, i);
		id = json_object_get(v, "id");
		text = json_object_get(v, "display_text");
		json_object_foreach(v, key, k)
			if (strcmp(key, "id") != 0 && strcmp(key, "display_text") != 0)
				return load_fail(l, path, "%s[%zu]: unknown key \"%.32s\"",
				    what, i, key);
		if (!json_is_string(id) || !string_whole(id) ||
		    !valid(json_string_value(id)))
			return load_fail(l, path, "%s[%zu]: missing or malformed \"id\"",
			    what, i);
		if (json_object_get(*index, json_string_value(id)) != NULL)
			return load_fail(l, path, "%s[%zu]: duplicate id \"%s\"", what, i,
			    json_string_value(id));
		if (text == NULL && need_text)
			return load_fail(l, path, "%s[%zu] (%s): missing \"display_text\"",
			    what, i, json_string_value(id));
		if (text != NULL && check_text(text, why, sizeof(why)) != 0)
			return load_fail(l, path, "%s[%zu] (%s): \"display_text\" %s", what,
			    i, json_string_value(id), why);
		if (json_object_set_new(*index, json_string_value(id), json_true()) != 0)
			return load_nomem(l);
	}
	return RC_OK;
}

/* ---- loading: lookups -------------------------------------------------------------- */

static const struct lookup *
lookup_find(const struct forms *fs, const char *id)
{
	size_t i;

	for (i = 0; i < fs->nlookups; i++)
		if (strcmp(fs->lookups[i].id, id) == 0)
			return &fs->lookups[i];
	return NULL;
}

int
forms_add_lookup(struct forms *fs, const char *json, size_t n, char *msg, size_t msgsz)
{
	struct loader l = { fs, "lookup", msg, msgsz };
	const struct icu_lookup *icu;
	struct lookup lk = { NULL, NULL, NULL, NULL }, *grown;
	const char *key;
	char why[160];
	json_t *v;
	int rc;

	if (msg != NULL && msgsz > 0)
		msg[0] = '\0';
	rc = json_parse_bounded(json, n, CONFIG_BYTES_MAX, CONFIG_DEPTH_MAX, 1, &lk.root,
	    why, sizeof(why));
	if (rc != RC_OK) {
		if (msg != NULL && msgsz > 0)
			snprintf(msg, msgsz, "lookup: %s", why);
		return rc;
	}
	lk.id = json_get_str(lk.root, "id");
	if (lk.id == NULL || !valid_lookup_id(lk.id)) {
		rc = load_fail(&l, NULL, "missing or malformed \"id\"");
		goto fail;
	}
	snprintf(l.what, sizeof(l.what), "lookup %s", lk.id);
	json_object_foreach(lk.root, key, v)
		if (strcmp(key, "id") != 0 && strcmp(key, "values") != 0) {
			rc = load_fail(&l, NULL, "unknown key \"%.32s\"", key);
			goto fail;
		}
	if (lookup_find(fs, lk.id) != NULL) {
		rc = load_fail(&l, NULL, "already loaded");
		goto fail;
	}
	lk.values = json_object_get(lk.root, "values");
	icu = icu_lookup_find(lk.id);
	rc = load_values(&l, NULL, "values", lk.values, icu == NULL,
	    icu != NULL ? icu->valid : valid_option_id, &lk.index);
	if (rc != RC_OK)
		goto fail;
	grown = realloc(fs->lookups, (fs->nlookups + 1) * sizeof(*grown));
	if (grown == NULL) {
		rc = load_nomem(&l);
		goto fail;
	}
	fs->lookups = grown;
	fs->lookups[fs->nlookups++] = lk;
	return RC_OK;
fail:
	json_decref(lk.index);
	json_decref(lk.root);
	return rc;
}

/* ---- loading: forms ---------------------------------------------------------------- */

static void
form_free(struct form *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->nfields; i++) {
		json_decref(f->index[i]);
		form_free((struct form *)f->fields[i].subform);
	}
	free(f->fields);
	free(f->index);
	free(f->slots);
	json_decref(f->root);
	free(f);
}

static int	load_fields(struct loader *l, struct form *f, const json_t *arr,
		    const struct form_field *parent);

static int
section_exists(const json_t *sections, const char *id)
{
	size_t i;
	json_t *s;

	json_array_foreach(sections, i, s)
		if (strcmp(json_get_str(s, "id"), id) == 0)
			return 1;
	return 0;
}

/* Options or lookup of a select or multi_select field. */
static int
load_choices(struct loader *l, const char *path, const json_t *def, struct form_field *fd,
    json_t **index)
{
	const json_t *opts = json_object_get(def, "options");
	const json_t *lk = json_object_get(def, "lookup");
	const struct lookup *found;
	int rc;

	if (opts == NULL && lk == NULL)
		return load_fail(l, path, "a %s needs \"options\" or \"lookup\"",
		    type_names[fd->type]);
	if (opts != NULL && lk != NULL)
		return load_fail(l, path, "has both \"options\" and \"lookup\"");
	if (opts != NULL) {
		if ((rc = load_values(l, path, "options", opts, 1, valid_option_id,
		    index)) != RC_OK)
			return rc;
		fd->options = opts;
		return RC_OK;
	}
	if (!json_is_string(lk) || !string_whole(lk))
		return load_fail(l, path, "\"lookup\" must be a lookup id");
	if ((found = lookup_find(l->fs, json_string_value(lk))) == NULL)
		return load_fail(l, path, "lookup \"%.64s\" is not loaded",
		    json_string_value(lk));
	fd->options = found->values;
	fd->lookup = found->id;
	*index = json_incref(found->index);
	return RC_OK;
}

/*
 * Load field definition `def` (element `i` of its list) into `fd`, its option index into
 * `*index`. `parent` is the subform field when `def` is inside one.
 */
static int
load_field(struct loader *l, const json_t *def, size_t i, const struct form_field *parent,
    const json_t *sections, struct form_field *fd, json_t **index)
{
	const struct field_key *fk;
	const char *key, *s;
	const json_t *v, *min, *max;
	char path[2 * ID_MAX + 2];
	struct form *sub;
	json_t *k;
	int t, c, rc;

	if (!json_is_object(def)) {
		if (parent != NULL)
			return load_fail(l, parent->id, "fields[%zu] must be an object", i);
		return load_fail(l, NULL, "fields[%zu] must be an object", i);
	}
	fd->id = json_get_str(def, "id");
	if (fd->id == NULL || !valid_field_id(fd->id)) {
		if (parent != NULL)
			return load_fail(l, parent->id, "fields[%zu]: missing or malformed "
			    "\"id\" (lower-case letters, digits, _)", i);
		return load_fail(l, NULL, "fields[%zu]: missing or malformed \"id\" "
		    "(lower-case letters, digits, _)", i);
	}
	if (parent != NULL)
		snprintf(path, sizeof(path), "%s.%s", parent->id, fd->id);
	else
		snprintf(path, sizeof(path), "%s", fd->id);

	if ((s = json_get_str(def, "type")) == NULL)
		return load_fail(l, path, "missing \"type\"");
	if ((t = type_from_name(s)) < 0)
		return load_fail(l, path, "unknown type \"%.32s\"", s);
	fd->type = (enum form_type)t;
	json_object_foreach((json_t *)def, key, k) {
		if ((fk = field_key_find(key)) == NULL)
			return load_fail(l, path, "unknown key \"%.32s\"", key);
		if ((fk->types & T(t)) == 0)
			return load_fail(l, path, "\"%s\" does not apply to type %s", key,
			    type_names[t]);
	}

	/* section */
	v = json_object_get(def, "section");
	if (parent != NULL) {
		if (v != NULL)
			return load_fail(l, path, "\"section\" is not allowed inside a "
			    "subform");
		fd->section = parent->section;
	} else {
		if (!json_is_string(v))
			return load_fail(l, path, "missing \"section\"");
		fd->section = json_string_value(v);
		if (!section_exists(sections, fd->section))
			return load_fail(l, path, "unknown section \"%.64s\"", fd->section);
	}

	/* texts */
	fd->labels = json_object_get(def, "labels");
	if (fd->labels == NULL)
		return load_fail(l, path, "missing \"labels\"");
	if ((rc = load_text(l, path, "labels", fd->labels)) != RC_OK)
		return rc;
	fd->help = json_object_get(def, "help");
	if (fd->help != NULL && (rc = load_text(l, path, "help", fd->help)) != RC_OK)
		return rc;

	/* sensitivity */
	v = json_object_get(def, "sensitivity");
	if (v == NULL && parent != NULL)
		fd->sensitivity = parent->sensitivity;
	else if (v == NULL)
		return load_fail(l, path, "missing \"sensitivity\"");
	else if (!json_is_string(v) || (c = sensitivity_from_name(json_string_value(v))) < 0)
		return load_fail(l, path, "unknown sensitivity (basic, identifying, "
		    "sensitive or restricted)");
	else if (parent != NULL && c < (int)parent->sensitivity)
		return load_fail(l, path, "sensitivity %s is lower than its subform's (%s)",
		    sensitivity_names[c], sensitivity_names[parent->sensitivity]);
	else
		fd->sensitivity = (enum form_sensitivity)c;

	/* flags */
	if ((rc = load_bool(l, path, def, "required", &fd->required)) != RC_OK ||
	    (rc = load_bool(l, path, def, "matchable", &fd->matchable)) != RC_OK ||
	    (rc = load_bool(l, path, def, "no_future", &fd->no_future)) != RC_OK ||
	    (rc = load_bool(l, path, def, "system", &fd->system)) != RC_OK)
		return rc;
	if (fd->system && parent != NULL)
		return load_fail(l, path, "\"system\" applies to top-level fields only "
		    "(mark the whole subform)");

	/* limits per type */
	switch (fd->type) {
	case FT_TEXT:
	case FT_TEXTAREA:
		fd->max_length = fd->type == FT_TEXT ? TEXT_MAX_DEFAULT : TEXTAREA_MAX_DEFAULT;
		return load_size(l, path, def, "max_length", LENGTH_LIMIT, &fd->max_length);
	case FT_INTEGER:
		min = json_object_get(def, "min");
		max = json_object_get(def, "max");
		if (!json_is_integer(min) || !json_is_integer(max))
			return load_fail(l, path, "an integer needs integer \"min\" and "
			    "\"max\"");
		fd->min = json_integer_value(min);
		fd->max = json_integer_value(max);
		if (fd->min > fd->max)
			return load_fail(l, path, "\"min\" is greater than \"max\"");
		return RC_OK;
	case FT_SELECT:
	case FT_MULTI_SELECT:
		if ((rc = load_choices(l, path, def, fd, index)) != RC_OK)
			return rc;
		fd->max_items = json_array_size(fd->options);
		return load_size(l, path, def, "max_items", ITEMS_LIMIT, &fd->max_items);
	case FT_SUBFORM:
		if (parent != NULL)
			return load_fail(l, path, "subforms cannot be nested");
		fd->max_items = SUBFORM_ITEMS_DEFAULT;
		if ((rc = load_size(l, path, def, "max_items", ITEMS_LIMIT,
		    &fd->max_items)) != RC_OK)
			return rc;
		if ((sub = calloc(1, sizeof(*sub))) == NULL)
			return load_nomem(l);
		sub->id = fd->id;
		sub->labels = fd->labels;
		fd->subform = sub;	/* freed with the form from here on */
		return load_fields(l, sub, json_object_get(def, "fields"), fd);
	default:
		return RC_OK;
	}
}

/* FNV-1a of a field id, for the hash of ids. */
static size_t
field_hash(const char *id)
{
	uint32_t h = 2166136261u;

	for (; *id != '\0'; id++)
		h = (h ^ (unsigned char)*id) * 16777619u;
	return h;
}

/* Load the field list `arr` into `f`; `parent` is the subform field, if any. */
static int
load_fields(struct loader *l, struct form *f, const json_t *arr,
    const struct form_field *parent)
{
	const char *where = parent != NULL ? parent->id : NULL;
	size_t i, j, n;
	int rc;

	if (!json_is_array(arr) || (n = json_array_size(arr)) == 0)
		return load_fail(l, where, "\"fields\" must be a non-empty array");
	if (n > UINT32_MAX / 4)
		return load_fail(l, where, "too many fields");
	for (f->nslots = 8; f->nslots < 2 * n; f->nslots *= 2)
		;
	f->fields = calloc(n, sizeof(*f->fields));
	f->index = calloc(n, sizeof(*f->index));
	f->slots = calloc(f->nslots, sizeof(*f->slots));
	if (f->fields == NULL || f->index == NULL || f->slots == NULL)
		return load_nomem(l);
	for (i = 0; i < n; i++) {
		f->nfields = i + 1;	/* so form_free sees what this one holds */
		rc = load_field(l, json_array_get(arr, i), i, parent, f->sections,
		    &f->fields[i], &f->index[i]);
		if (rc != RC_OK)
			return rc;
		/* into the hash of ids, where a duplicate shows on the way */
		for (j = field_hash(f->fields[i].id) & (f->nslots - 1); f->slots[j] != 0;
		    j = (j + 1) & (f->nslots - 1)) {
			if (strcmp(f->fields[f->slots[j] - 1].id, f->fields[i].id) != 0)
				continue;
			if (parent != NULL)
				return load_fail(l, parent->id, "duplicate field id \"%s\"",
				    f->fields[i].id);
			return load_fail(l, NULL, "duplicate field id \"%s\"",
			    f->fields[i].id);
		}
		f->slots[j] = (uint32_t)i + 1;
	}
	return RC_OK;
}

static int
load_sections(struct loader *l, const json_t *arr)
{
	const char *key, *id;
	json_t *s, *k;
	size_t i, j;
	int rc;

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return load_fail(l, NULL, "\"sections\" must be a non-empty array");
	json_array_foreach(arr, i, s) {
		if (!json_is_object(s))
			return load_fail(l, NULL, "sections[%zu] must be an object", i);
		json_object_foreach(s, key, k)
			if (strcmp(key, "id") != 0 && strcmp(key, "labels") != 0)
				return load_fail(l, NULL, "sections[%zu]: unknown key "
				    "\"%.32s\"", i, key);
		id = json_get_str(s, "id");
		if (id == NULL || !valid_field_id(id))
			return load_fail(l, NULL, "sections[%zu]: missing or malformed "
			    "\"id\"", i);
		for (j = 0; j < i; j++)
			if (strcmp(json_get_str(json_array_get(arr, j), "id"), id) == 0)
				return load_fail(l, NULL, "duplicate section id \"%s\"", id);
		if (json_object_get(s, "labels") == NULL)
			return load_fail(l, NULL, "section %s: missing \"labels\"", id);
		if ((rc = load_text(l, NULL, "labels", json_object_get(s, "labels"))) !=
		    RC_OK)
			return rc;
	}
	return RC_OK;
}

static int
load_one_of(struct loader *l, const struct form *f, const json_t *arr)
{
	const char *key, *msg;
	const json_t *names;
	json_t *g, *k, *name;
	size_t i, j;

	if (arr == NULL)
		return RC_OK;
	if (!json_is_array(arr))
		return load_fail(l, NULL, "\"required_one_of\" must be an array");
	json_array_foreach(arr, i, g) {
		if (!json_is_object(g))
			return load_fail(l, NULL, "required_one_of[%zu] must be an object", i);
		json_object_foreach(g, key, k)
			if (strcmp(key, "fields") != 0 && strcmp(key, "message") != 0)
				return load_fail(l, NULL, "required_one_of[%zu]: unknown key "
				    "\"%.32s\"", i, key);
		names = json_object_get(g, "fields");
		if (!json_is_array(names) || json_array_size(names) == 0)
			return load_fail(l, NULL, "required_one_of[%zu]: \"fields\" must be "
			    "a non-empty array", i);
		json_array_foreach(names, j, name)
			if (!json_is_string(name) ||
			    form_field_find(f, json_string_value(name)) == NULL)
				return load_fail(l, NULL, "required_one_of[%zu]: fields[%zu] "
				    "is not a field of this form", i, j);
		msg = json_get_str(g, "message");
		if (msg == NULL || msg[0] == '\0' || strlen(msg) > MESSAGE_MAX)
			return load_fail(l, NULL, "required_one_of[%zu]: \"message\" must be "
			    "a string of 1 to %d bytes", i, MESSAGE_MAX);
	}
	return RC_OK;
}

int
forms_add_form(struct forms *fs, const char *json, size_t n, char *msg, size_t msgsz)
{
	static const char *const top_keys[] = {
		"id", "labels", "sections", "required_one_of", "fields"
	};
	struct loader l = { fs, "form", msg, msgsz };
	struct form *f, **grown;
	const char *key;
	char why[160];
	json_t *v;
	size_t i;
	int rc, known;

	if (msg != NULL && msgsz > 0)
		msg[0] = '\0';
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return load_nomem(&l);
	rc = json_parse_bounded(json, n, CONFIG_BYTES_MAX, CONFIG_DEPTH_MAX, 1, &f->root,
	    why, sizeof(why));
	if (rc != RC_OK) {
		if (msg != NULL && msgsz > 0)
			snprintf(msg, msgsz, "form: %s", why);
		goto fail;
	}
	f->id = json_get_str(f->root, "id");
	if (f->id == NULL || !valid_field_id(f->id)) {
		rc = load_fail(&l, NULL, "missing or malformed \"id\"");
		goto fail;
	}
	snprintf(l.what, sizeof(l.what), "form %s", f->id);
	json_object_foreach(f->root, key, v) {
		for (known = 0, i = 0; i < sizeof(top_keys) / sizeof(top_keys[0]); i++)
			known |= strcmp(top_keys[i], key) == 0;
		if (!known) {
			rc = load_fail(&l, NULL, "unknown key \"%.32s\"", key);
			goto fail;
		}
	}
	if (forms_get(fs, f->id) != NULL) {
		rc = load_fail(&l, NULL, "already loaded");
		goto fail;
	}
	f->labels = json_object_get(f->root, "labels");
	if (f->labels == NULL) {
		rc = load_fail(&l, NULL, "missing \"labels\"");
		goto fail;
	}
	f->sections = json_object_get(f->root, "sections");
	f->one_of = json_object_get(f->root, "required_one_of");
	if ((rc = load_text(&l, NULL, "labels", f->labels)) != RC_OK ||
	    (rc = load_sections(&l, f->sections)) != RC_OK ||
	    (rc = load_fields(&l, f, json_object_get(f->root, "fields"), NULL)) != RC_OK ||
	    (rc = load_one_of(&l, f, f->one_of)) != RC_OK)
		goto fail;
	grown = realloc(fs->forms, (fs->nforms + 1) * sizeof(*grown));
	if (grown == NULL) {
		rc = load_nomem(&l);
		goto fail;
	}
	fs->forms = grown;
	fs->forms[fs->nforms++] = f;
	return RC_OK;
fail:
	form_free(f);
	return rc;
}

/* ---- the set of forms ------------------------------------------------------------------ */

struct forms *
forms_new(void)
{
	return calloc(1, sizeof(struct forms));
}

void
forms_free(struct forms *fs)
{
	size_t i;

	if (fs == NULL)
		return;
	for (i = 0; i < fs->nforms; i++)
		form_free(fs->forms[i]);
	for (i = 0; i < fs->nlookups; i++) {
		json_decref(fs->lookups[i].index);
		json_decref(fs->lookups[i].root);
	}
	free(fs->forms);
	free(fs->lookups);
	free(fs);
}

const struct form *
forms_get(const struct forms *fs, const char *record_type)
{
	size_t i;

	for (i = 0; i < fs->nforms; i++)
		if (strcmp(fs->forms[i]->id, record_type) == 0)
			return fs->forms[i];
	return NULL;
}

const json_t *
forms_lookup(const struct forms *fs, const char *lookup_id)
{
	const struct lookup *lk = lookup_find(fs, lookup_id);

	return lk != NULL ? lk->values : NULL;
}

const char *
form_id(const struct form *f)
{
	return f->id;
}

const json_t *
form_labels(const struct form *f)
{
	return f->labels;
}

const json_t *
form_sections(const struct form *f)
{
	return f->sections;
}

size_t
form_field_count(const struct form *f)
{
	return f->nfields;
}

const struct form_field *
form_field_at(const struct form *f, size_t i)
{
	return i < f->nfields ? &f->fields[i] : NULL;
}

static long
field_index(const struct form *f, const char *id)
{
	size_t j;

	/* every view and save asks per member: one hash, mostly one comparison */
	for (j = field_hash(id) & (f->nslots - 1); f->slots[j] != 0;
	    j = (j + 1) & (f->nslots - 1))
		if (strcmp(f->fields[f->slots[j] - 1].id, id) == 0)
			return (long)f->slots[j] - 1;
	return -1;
}

const struct form_field *
form_field_find(const struct form *f, const char *id)
{
	long i = field_index(f, id);

	return i >= 0 ? &f->fields[i] : NULL;
}

/* ---- form_to_json ------------------------------------------------------------------ */

static json_t *
field_to_json(const struct form_field *fd)
{
	const struct icu_lookup *icu;
	json_t *o, *arr;
	size_t i;
	int bad = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	bad |= json_object_set_new(o, "id", json_string(fd->id));
	bad |= json_object_set_new(o, "type", json_string(type_names[fd->type]));
	bad |= json_object_set_new(o, "section", json_string(fd->section));
	bad |= json_object_set_new(o, "labels", json_deep_copy(fd->labels));
	if (fd->help != NULL)
		bad |= json_object_set_new(o, "help", json_deep_copy(fd->help));
	bad |= json_object_set_new(o, "sensitivity",
	    json_string(sensitivity_names[fd->sensitivity]));
	bad |= json_object_set_new(o, "required", json_boolean(fd->required));
	bad |= json_object_set_new(o, "matchable", json_boolean(fd->matchable));
	bad |= json_object_set_new(o, "system", json_boolean(fd->system));
	switch (fd->type) {
	case FT_TEXT:
	case FT_TEXTAREA:
		bad |= json_object_set_new(o, "max_length",
		    json_integer((json_int_t)fd->max_length));
		break;
	case FT_DATE:
		bad |= json_object_set_new(o, "no_future", json_boolean(fd->no_future));
		break;
	case FT_INTEGER:
		bad |= json_object_set_new(o, "min", json_integer(fd->min));
		bad |= json_object_set_new(o, "max", json_integer(fd->max));
		break;
	case FT_SELECT:
	case FT_MULTI_SELECT:
		if (fd->type == FT_MULTI_SELECT)
			bad |= json_object_set_new(o, "max_items",
			    json_integer((json_int_t)fd->max_items));
		bad |= json_object_set_new(o, "options", json_deep_copy(fd->options));
		if (fd->lookup != NULL) {
			bad |= json_object_set_new(o, "lookup", json_string(fd->lookup));
			if ((icu = icu_lookup_find(fd->lookup)) != NULL)
				bad |= json_object_set_new(o, "display_names",
				    json_string(icu->display_names));
		}
		break;
	case FT_SUBFORM:
		bad |= json_object_set_new(o, "max_items",
		    json_integer((json_int_t)fd->max_items));
		if ((arr = json_array()) == NULL) {
			bad = 1;
			break;
		}
		bad |= json_object_set_new(o, "fields", arr);
		for (i = 0; !bad && i < fd->subform->nfields; i++)
			bad |= json_array_append_new(arr,
			    field_to_json(&fd->subform->fields[i]));
		break;
	default:
		break;
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *
form_to_json(const struct form *f)
{
	json_t *o, *arr;
	size_t i;
	int bad = 0;

	if ((o = json_object()) == NULL)
		return NULL;
	bad |= json_object_set_new(o, "id", json_string(f->id));
	bad |= json_object_set_new(o, "labels", json_deep_copy(f->labels));
	if (f->sections != NULL)
		bad |= json_object_set_new(o, "sections", json_deep_copy(f->sections));
	bad |= json_object_set_new(o, "required_one_of", f->one_of != NULL ?
	    json_deep_copy(f->one_of) : json_array());
	if ((arr = json_array()) == NULL)
		bad = 1;
	else
		bad |= json_object_set_new(o, "fields", arr);
	for (i = 0; !bad && i < f->nfields; i++)
		bad |= json_array_append_new(arr, field_to_json(&f->fields[i]));
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---- validation -------------------------------------------------------------------- */

static void	add_error(struct form_errors *errs, const char *prefix, const char *name,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Record a problem of field `prefix`.`name` (either may be empty). */
static void
add_error(struct form_errors *errs, const char *prefix, const char *name,
    const char *fmt, ...)
{
	struct form_error *e;
	va_list ap;

	if (errs->n >= FORM_ERRORS_MAX) {
		errs->dropped++;
		return;
	}
	e = &errs->e[errs->n++];
	if (prefix[0] != '\0' && name[0] != '\0')
		snprintf(e->field, sizeof(e->field), "%s.%s", prefix, name);
	else
		snprintf(e->field, sizeof(e->field), "%s", prefix[0] != '\0' ? prefix : name);
	va_start(ap, fmt);
	vsnprintf(e->problem, sizeof(e->problem), fmt, ap);
	va_end(ap);
}

/*
 * Check `n` bytes at `s` for strict UTF-8 and control characters (C0, DEL, C1; \n and
 * \t allowed when `multiline`). Returns NULL or the problem.
 */
static const char *
text_problem(const unsigned char *s, size_t n, int multiline)
{
	const char *ctl = NULL;
	size_t i = 0, len, k;
	unsigned long cp, minimum;

	while (i < n) {
		unsigned char c = s[i];

		if (c < 0x80) {
			if ((c < 0x20 || c == 0x7f) &&
			    !(multiline && (c == '\n' || c == '\t')))
				ctl = "contains control characters";
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			len = 2;
			cp = c & 0x1f;
			minimum = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			cp = c & 0x0f;
			minimum = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			cp = c & 0x07;
			minimum = 0x10000;
		} else
			return "is not valid UTF-8";
		if (n - i < len)
			return "is not valid UTF-8";
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return "is not valid UTF-8";
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < minimum || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return "is not valid UTF-8";
		if (cp >= 0x80 && cp <= 0x9f)
			ctl = "contains control characters";
		i += len;
	}
	return ctl;
}

static int
location_shape_ok(const char *s, size_t n)
{
	size_t i;

	if (n < 2 || n > 2 + LOCATION_TAIL_MAX || !is_upper(s[0]) || !is_upper(s[1]))
		return 0;
	for (i = 2; i < n; i++)
		if (!is_upper(s[i]) && !is_digit(s[i]))
			return 0;
	return 1;
}

static int
value_is_empty(const json_t *v)
{
	return v == NULL || json_is_null(v) || (json_is_string(v) &&
	    json_string_length(v) == 0) || (json_is_array(v) && json_array_size(v) == 0);
}

static int
is_option(const json_t *index, const json_t *v)
{
	return json_is_string(v) && string_whole(v) &&
	    json_object_get(index, json_string_value(v)) != NULL;
}

static void	validate_object(const struct form *f, const json_t *obj, const char *prefix,
		    const struct form_context *ctx, struct form_errors *errs);

static void
validate_multi(const struct form_field *fd, const json_t *index, const json_t *v,
    const char *prefix, struct form_errors *errs)
{
	size_t i, j, n;

	if (!json_is_array(v)) {
		add_error(errs, prefix, fd->id, "must be an array");
		return;
	}
	if ((n = json_array_size(v)) > fd->max_items) {
		add_error(errs, prefix, fd->id, "has more than %zu values", fd->max_items);
		return;
	}
	for (i = 0; i < n; i++)
		if (!json_is_string(json_array_get(v, i))) {
			add_error(errs, prefix, fd->id, "must be an array of strings");
			return;
		}
	for (i = 0; i < n; i++)
		if (!is_option(index, json_array_get(v, i))) {
			add_error(errs, prefix, fd->id, "has a value that is not one of the "
			    "options");
			return;
		}
	for (i = 0; i < n; i++)
		for (j = 0; j < i; j++)
			if (json_equal(json_array_get(v, i), json_array_get(v, j))) {
				add_error(errs, prefix, fd->id, "has a duplicate value");
				return;
			}
}

static void
validate_subform(const struct form_field *fd, const json_t *v, const char *prefix,
    const struct form_context *ctx, struct form_errors *errs)
{
	char path[sizeof(((struct form_error *)0)->field)];
	const json_t *item;
	size_t i;

	if (!json_is_array(v)) {
		add_error(errs, prefix, fd->id, "must be an array");
		return;
	}
	if (json_array_size(v) > fd->max_items) {
		add_error(errs, prefix, fd->id, "has more than %zu entries", fd->max_items);
		return;
	}
	json_array_foreach(v, i, item) {
		if (prefix[0] != '\0')
			snprintf(path, sizeof(path), "%s.%s[%zu]", prefix, fd->id, i);
		else
			snprintf(path, sizeof(path), "%s[%zu]", fd->id, i);
		if (!json_is_object(item)) {
			add_error(errs, path, "", "must be an object");
			continue;
		}
		validate_object(fd->subform, item, path, ctx, errs);
	}
}

/* Check the present, non-null value `v` of field `fd`. */
static void
validate_value(const struct form_field *fd, const json_t *index, const json_t *v,
    const char *prefix, const struct form_context *ctx, struct form_errors *errs)
{
	const char *s, *why, *today = ctx != NULL ? ctx->today : NULL;
	json_int_t x;
	int y, m, d;

	switch (fd->type) {
	case FT_TEXT:
	case FT_TEXTAREA:
		if (!json_is_string(v))
			add_error(errs, prefix, fd->id, "must be a string");
		else if (json_string_length(v) > fd->max_length)
			add_error(errs, prefix, fd->id, "is longer than %zu bytes",
			    fd->max_length);
		else if ((why = text_problem((const unsigned char *)json_string_value(v),
		    json_string_length(v), fd->type == FT_TEXTAREA)) != NULL)
			add_error(errs, prefix, fd->id, "%s", why);
		break;
	case FT_SELECT:
		if (!json_is_string(v))
			add_error(errs, prefix, fd->id, "must be a string");
		else if (!is_option(index, v))
			add_error(errs, prefix, fd->id, "is not one of the options");
		break;
	case FT_MULTI_SELECT:
		validate_multi(fd, index, v, prefix, errs);
		break;
	case FT_DATE:
		if (!json_is_string(v)) {
			add_error(errs, prefix, fd->id, "must be a string");
			break;
		}
		s = json_string_value(v);
		if (!string_whole(v) || date_parse(s, &y, &m, &d) != 0)
			add_error(errs, prefix, fd->id, "is not a valid date (YYYY-MM-DD)");
		else if (fd->no_future && (today == NULL || date_parse(today, &y, &m,
		    &d) != 0))
			add_error(errs, prefix, fd->id, "cannot be checked: today's date is "
			    "not set");
		else if (fd->no_future && strcmp(s, today) > 0)
			add_error(errs, prefix, fd->id, "is in the future");
		break;
	case FT_INTEGER:
		if (!json_is_integer(v)) {
			add_error(errs, prefix, fd->id, "must be a whole number");
			break;
		}
		x = json_integer_value(v);
		if (x < fd->min || x > fd->max)
			add_error(errs, prefix, fd->id, "must be between %lld and %lld",
			    fd->min, fd->max);
		break;
	case FT_BOOLEAN:
		if (!json_is_boolean(v))
			add_error(errs, prefix, fd->id, "must be true or false");
		break;
	case FT_LOCATION:
		if (!json_is_string(v)) {
			add_error(errs, prefix, fd->id, "must be a string");
			break;
		}
		s = json_string_value(v);
		if (!location_shape_ok(s, json_string_length(v)))
			add_error(errs, prefix, fd->id, "is not a valid location code");
		else if (ctx != NULL && ctx->location_exists != NULL &&
		    !ctx->location_exists(ctx->location_arg, s))
			add_error(errs, prefix, fd->id, "is not a known location");
		break;
	case FT_SUBFORM:
		validate_subform(fd, v, prefix, ctx, errs);
		break;
	default:
		add_error(errs, prefix, fd->id, "has a type the validator does not know");
		break;
	}
}

/* Copy a key of `n` bytes from the record for naming it: at most 64 bytes of
 * [A-Za-z0-9_.-], others shown as '?', so that a key never carries markup, control
 * characters or NUL bytes. */
static void
safe_name(const char *key, size_t n, char *out, size_t outsz)
{
	size_t i;

	for (i = 0; i < n && i < ID_MAX && i + 4 < outsz; i++) {
		char c = key[i];

		out[i] = (is_lower(c) || is_upper(c) || is_digit(c) || c == '_' ||
		    c == '.' || c == '-') ? c : '?';
	}
	if (i < n && i + 4 <= outsz) {
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
}

static void
validate_object(const struct form *f, const json_t *obj, const char *prefix,
    const struct form_context *ctx, struct form_errors *errs)
{
	const struct form_field *fd;
	const char *key;
	const json_t *v, *group, *name;
	char shown[ID_MAX + 4];
	size_t i, j, keylen;
	int present;

	/* a key with a NUL byte in it is no field, whatever its C string matches */
	json_object_keylen_foreach((json_t *)obj, key, keylen, v)
		if (keylen != strlen(key) || field_index(f, key) < 0) {
			safe_name(key, keylen, shown, sizeof(shown));
			add_error(errs, prefix, shown, "is not a field of this form");
		}
	for (i = 0; i < f->nfields; i++) {
		fd = &f->fields[i];
		v = json_object_get(obj, fd->id);
		if (v == NULL || json_is_null(v) || (fd->required && value_is_empty(v))) {
			if (fd->required)
				add_error(errs, prefix, fd->id, "is required");
			continue;
		}
		validate_value(fd, f->index[i], v, prefix, ctx, errs);
	}
	json_array_foreach(f->one_of, i, group) {
		present = 0;
		json_array_foreach(json_object_get(group, "fields"), j, name)
			present |= !value_is_empty(json_object_get(obj,
			    json_string_value(name)));
		if (!present)
			add_error(errs, prefix, "", "%s", json_get_str(group, "message"));
	}
}

int
form_validate(const struct form *f, const json_t *data, const struct form_context *ctx,
    struct form_errors *errs)
{
	errs->n = 0;
	errs->dropped = 0;
	if (f == NULL) {
		add_error(errs, "", "", "no form to validate against");
		return RC_EINVALID;
	}
	if (!json_is_object(data)) {
		add_error(errs, "", "", "the record must be a JSON object");
		return RC_EINVALID;
	}
	validate_object(f, data, "", ctx, errs);
	return errs->n == 0 && errs->dropped == 0 ? RC_OK : RC_EINVALID;
}

int
form_check_system(const struct form *f, const json_t *before, const json_t *after,
    struct form_errors *errs)
{
	const json_t *was, *now;
	size_t i;

	errs->n = 0;
	errs->dropped = 0;
	if (f == NULL || !json_is_object(after)) {
		add_error(errs, "", "", "the record must be a JSON object");
		return RC_EINVALID;
	}
	for (i = 0; i < f->nfields; i++) {
		if (!f->fields[i].system)
			continue;
		was = before != NULL ? json_object_get(before, f->fields[i].id) : NULL;
		now = json_object_get(after, f->fields[i].id);
		if (was != NULL && json_is_null(was))
			was = NULL;
		if (now != NULL && json_is_null(now))
			now = NULL;
		if (was == NULL && now == NULL)
			continue;
		if (was == NULL || now == NULL || !json_equal(was, now))
			add_error(errs, "", f->fields[i].id, "is set by the system");
	}
	return errs->n == 0 && errs->dropped == 0 ? RC_OK : RC_EINVALID;
}

/* Append `s` to `out` at `*pos`, truncating at the end of the buffer. */
static void
append(char *out, size_t outsz, size_t *pos, const char *s)
{
	size_t n = strlen(s);

	if (*pos + 1 >= outsz)
		return;
	if (n > outsz - 1 - *pos)
		n = outsz - 1 - *pos;
	memcpy(out + *pos, s, n);
	*pos += n;
	out[*pos] = '\0';
}

void
form_errors_format(const struct form_errors *errs, char *out, size_t outsz)
{
	char more[48];
	size_t i, pos = 0;

	if (out == NULL || outsz == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < errs->n && i < FORM_ERRORS_MAX; i++) {
		if (i > 0)
			append(out, outsz, &pos, "; ");
		if (errs->e[i].field[0] != '\0') {
			append(out, outsz, &pos, errs->e[i].field);
			append(out, outsz, &pos, ": ");
		}
		append(out, outsz, &pos, errs->e[i].problem);
	}
	if (errs->dropped > 0) {
		snprintf(more, sizeof(more), "%sand %zu more", errs->n > 0 ? "; " : "",
		    errs->dropped);
		append(out, outsz, &pos, more);
	}
}
