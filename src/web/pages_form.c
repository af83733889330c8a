/*
 * pages_form.c — the case form as HTML, and a submitted form back to JSON.
 *
 * The form comes from its JSON definition (app_form_get). Inputs are named by field
 * id; subform rows "family_details_section[N][relation_name]" with the id
 * "family_details_section-N-relation_name". Values travel as strings by input name
 * (struct form_values), drawn from a record or from the submitted form, so that a form
 * shown again after an error keeps exactly what was typed.
 *
 * Long lookups (countries, languages) and the locations of subform rows are text
 * inputs with a shared <datalist> of names in the page's language: a <select> of 249
 * countries in every family row would not fit a page in 60 KB. Names typed or picked
 * are turned back into codes here; a name that matches nothing is passed on as typed,
 * so that validation names the field and nothing is stored.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <unicode/uloc.h>

#include "app/app.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/json.h"
#include "web/html.h"
#include "web/http.h"
#include "web/i18n.h"
#include "web/pages.h"

#define FORM_BLANK_ROWS		3	/* empty subform rows offered under the filled ones */
#define FORM_ROW_MAX		1000	/* highest subform row index accepted */
#define FORM_NAME_MAX		160	/* an input name */
#define FORM_TEXT_MAX		256	/* a display name */

enum form_icu { ICU_NONE, ICU_REGION, ICU_LANGUAGE };

/* snprintf that says whether it fitted: 0, or -1 with `out` emptied. Field ids and
 * row numbers are short, so a name that does not fit is no name of this form. */
static int	form_printf(char *out, size_t outsz, const char *fmt, ...)
		    __attribute__((format(printf, 3, 4)));

static int
form_printf(char *out, size_t outsz, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, outsz, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= outsz) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}

/* ---- values ------------------------------------------------------------------------------ */

void
form_values_free(struct form_values *fv)
{
	size_t i;

	if (fv == NULL)
		return;
	for (i = 0; i < fv->n; i++) {
		sodium_memzero(fv->v[i].value, strlen(fv->v[i].value));
		free(fv->v[i].name);
		free(fv->v[i].value);
	}
	free(fv->v);
	memset(fv, 0, sizeof(*fv));
}

static int
form_values_add(struct form_values *fv, const char *name, const char *value)
{
	struct form_value *grown;
	size_t ncap;
	char *n, *v;

	if (fv->n == fv->cap) {
		ncap = fv->cap ? fv->cap * 2 : 64;
		if ((grown = realloc(fv->v, ncap * sizeof(*grown))) == NULL)
			return -1;
		fv->v = grown;
		fv->cap = ncap;
	}
	if ((n = strdup(name)) == NULL)
		return -1;
	if ((v = strdup(value)) == NULL) {
		free(n);
		return -1;
	}
	fv->v[fv->n].name = n;
	fv->v[fv->n].value = v;
	fv->n++;
	return 0;
}

const char *
form_values_get(const struct form_values *fv, const char *name)
{
	size_t i;

	for (i = 0; i < fv->n; i++)
		if (strcmp(fv->v[i].name, name) == 0)
			return fv->v[i].value;
	return NULL;
}

static int
form_values_has(const struct form_values *fv, const char *name, const char *value)
{
	size_t i;

	for (i = 0; i < fv->n; i++)
		if (strcmp(fv->v[i].name, name) == 0 && strcmp(fv->v[i].value, value) == 0)
			return 1;
	return 0;
}

/* 1 when `s` is strict UTF-8. */
static int
form_utf8_valid(const unsigned char *s)
{
	unsigned cp, need;

	while (*s != '\0') {
		if (*s < 0x80) {
			s++;
			continue;
		}
		if ((*s & 0xe0) == 0xc0 && *s >= 0xc2)
			need = 1, cp = *s & 0x1f;
		else if ((*s & 0xf0) == 0xe0)
			need = 2, cp = *s & 0x0f;
		else if ((*s & 0xf8) == 0xf0 && *s <= 0xf4)
			need = 3, cp = *s & 0x07;
		else
			return 0;
		s++;
		for (; need > 0; need--, s++) {
			if ((*s & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (*s & 0x3f);
		}
		if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
			return 0;
	}
	return 1;
}

int
form_values_from_request(struct form_values *fv, const struct http_request *req)
{
	size_t i;

	for (i = 0; i < req->nform; i++) {
		if (req->form[i].file)
			continue;
		if (!form_utf8_valid((const unsigned char *)req->form[i].name) ||
		    !form_utf8_valid((const unsigned char *)req->form[i].value))
			return RC_EINVALID;
		if (form_values_add(fv, req->form[i].name, req->form[i].value) != 0)
			return RC_ENOMEM;
	}
	return RC_OK;
}

/* Remove every value of field `id`: the field itself, its order marker, its rows. */
static void
form_values_drop_field(struct form_values *fv, const char *id)
{
	size_t i, j = 0, n = strlen(id);

	for (i = 0; i < fv->n; i++) {
		const char *name = fv->v[i].name;

		if (strncmp(name, id, n) == 0 && (name[n] == '\0' || name[n] == '[' ||
		    name[n] == ':')) {
			sodium_memzero(fv->v[i].value, strlen(fv->v[i].value));
			free(fv->v[i].name);
			free(fv->v[i].value);
			continue;
		}
		fv->v[j++] = fv->v[i];
	}
	fv->n = j;
}

/* ---- fields ------------------------------------------------------------------------------ */

static const char *
field_id(const json_t *f)
{
	const char *s = json_get_str(f, "id");

	return s != NULL ? s : "";
}

static const char *
field_type(const json_t *f)
{
	const char *s = json_get_str(f, "type");

	return s != NULL ? s : "";
}

static int
field_is(const json_t *f, const char *type)
{
	return strcmp(field_type(f), type) == 0;
}

const char *
case_form_label(const struct page *p, const json_t *f)
{
	const char *s = page_label(json_object_get(f, "labels"), p->lang);

	return s != NULL ? s : field_id(f);
}

static enum form_icu
field_icu(const json_t *f)
{
	const char *s = json_get_str(f, "display_names");

	if (s != NULL && strcmp(s, "icu_region") == 0)
		return ICU_REGION;
	if (s != NULL && strcmp(s, "icu_language") == 0)
		return ICU_LANGUAGE;
	return ICU_NONE;
}

static const struct {
	const char		*name;
	enum form_sensitivity	 s;
} form_sensitivities[] = {
	{ "basic", FS_BASIC }, { "identifying", FS_IDENTIFYING },
	{ "sensitive", FS_SENSITIVE }, { "restricted", FS_RESTRICTED },
};

int
case_form_visible(const struct page *p, const json_t *f)
{
	const char *s = json_get_str(f, "sensitivity");
	size_t i;

	for (i = 0; s != NULL && i < sizeof(form_sensitivities) /
	    sizeof(form_sensitivities[0]); i++)
		if (strcmp(s, form_sensitivities[i].name) == 0)
			return policy_field_visible(app_policy(p->req->app),
			    &p->req->actor.pu, form_sensitivities[i].s);
	return 0;	/* default deny */
}

/* ASCII case-insensitive equality of two UTF-8 strings. */
static int
form_same_text(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char x = *a >= 'A' && *a <= 'Z' ? (char)(*a + 32) : *a;
		char y = *b >= 'A' && *b <= 'Z' ? (char)(*b + 32) : *b;

		if (x != y)
			return 0;
	}
	return *a == *b;
}

/* The code of an ICU lookup value typed as a code, or as a name in the page's
 * language or in English. 0, or -1 when nothing matches. */
static int
form_icu_code(const struct page *p, const json_t *f, const char *text, char *out,
    size_t outsz)
{
	char name[FORM_TEXT_MAX];
	const json_t *o;
	const char *id;
	size_t i;
	int pass;

	for (pass = 0; pass < 3; pass++)
		json_array_foreach(json_object_get(f, "options"), i, o) {
			if ((id = json_get_str(o, "id")) == NULL)
				continue;
			if (pass == 0)
				str_copy(name, sizeof(name), id);
			else if (field_icu(f) == ICU_REGION)
				i18n_region(pass == 1 ? p->lang : "en", id, name, sizeof(name));
			else
				i18n_language(pass == 1 ? p->lang : "en", id, name,
				    sizeof(name));
			if (form_same_text(name, text)) {
				str_copy(out, outsz, id);
				return 0;
			}
		}
	return -1;
}

/* 1 when another location has the same name as `code` in the page's language. */
static int
form_location_ambiguous(const struct page *p, const json_t *locations, const char *code,
    const char *name)
{
	const json_t *l;
	const char *c, *n;
	size_t i;

	json_array_foreach(locations, i, l) {
		c = json_get_str(l, "code");
		n = page_label(json_object_get(l, "names"), p->lang);
		if (c != NULL && n != NULL && strcmp(c, code) != 0 && strcmp(n, name) == 0)
			return 1;
	}
	return 0;
}

/* A location as typed in a text input: its name, with its code when the name is not
 * unique. */
static void
form_location_display(const struct page *p, const json_t *locations, const char *code,
    char *out, size_t outsz)
{
	const char *name = page_location_name(p, locations, code);

	if (strcmp(name, code) != 0 && form_location_ambiguous(p, locations, code, name))
		form_printf(out, outsz, "%s (%s)", name, code);
	else
		str_copy(out, outsz, name);
}

/* The code of a location typed as its display name, a name or a code. */
static int
form_location_code(const struct page *p, const json_t *locations, const char *text,
    char *out, size_t outsz)
{
	char shown[FORM_TEXT_MAX];
	const json_t *l;
	const char *code, *n;
	size_t i;
	int pass;

	for (pass = 0; pass < 3; pass++)
		json_array_foreach(locations, i, l) {
			if ((code = json_get_str(l, "code")) == NULL)
				continue;
			if (pass == 0)
				n = code;
			else if (pass == 1) {
				form_location_display(p, locations, code, shown, sizeof(shown));
				n = shown;
			} else
				n = page_label(json_object_get(l, "names"), "en");
			if (n != NULL && form_same_text(n, text)) {
				str_copy(out, outsz, code);
				return 0;
			}
		}
	return -1;
}

/* The name of an ICU code in the page's language. */
static void
form_icu_name(const struct page *p, const json_t *f, const char *code, char *out,
    size_t outsz)
{
	if (field_icu(f) == ICU_REGION)
		i18n_region(p->lang, code, out, outsz);
	else
		i18n_language(p->lang, code, out, outsz);
}

int
case_form_editable(const struct page *p, const struct case_form *cf, const json_t *f)
{
	const char *section = json_get_str(f, "section");
	size_t i;

	if (!case_form_visible(p, f) || json_is_true(json_object_get(f, "system")))
		return 0;
	if (cf->sections == NULL)
		return 1;
	for (i = 0; section != NULL && cf->sections[i] != NULL; i++)
		if (strcmp(cf->sections[i], section) == 0)
			return 1;
	return 0;
}

/* 1 when the field is a text input with a datalist rather than a select. */
static int
form_uses_list(const json_t *f, int in_subform)
{
	return field_icu(f) != ICU_NONE || (in_subform && field_is(f, "location"));
}

/* ---- loading ------------------------------------------------------------------------------ */

int
case_form_load(struct page *p, struct case_form *cf)
{
	struct app_error err = { 0 };
	json_t *locs = NULL;
	int rc;

	memset(cf, 0, sizeof(*cf));
	if ((rc = app_form_get(p->req->app, &p->req->actor, "case", &cf->form, &err)) !=
	    RC_OK)
		return rc;
	if ((rc = app_location_list(p->req->app, &p->req->actor, &locs, &err)) != RC_OK)
		return rc;
	cf->locations = json_incref(json_object_get(locs, "data"));
	json_decref(locs);
	if (cf->locations == NULL)
		cf->locations = json_array();
	return cf->locations != NULL ? RC_OK : RC_ENOMEM;
}

void
case_form_free(struct case_form *cf)
{
	json_decref(cf->form);
	json_decref(cf->locations);
	form_values_free(&cf->values);
	memset(cf, 0, sizeof(*cf));
}

/* ---- a record to values ---------------------------------------------------------------- */

static int
form_value_from_json(struct page *p, struct case_form *cf, const json_t *f,
    const char *name, const json_t *v, int in_subform)
{
	char text[FORM_TEXT_MAX], sub[FORM_NAME_MAX];
	const json_t *e, *sf, *row;
	struct buf order = BUF_INIT;
	size_t i, j;
	int rc = 0;

	if (v == NULL || json_is_null(v))
		return 0;
	if (field_is(f, "boolean"))
		return form_values_add(&cf->values, name, json_is_true(v) ? "true" : "false");
	if (field_is(f, "integer")) {
		form_printf(text, sizeof(text), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return form_values_add(&cf->values, name, text);
	}
	if (field_is(f, "multi_select")) {
		/* the values as the boxes carry them, and their order, which the boxes
		 * (in the options' order) would lose */
		json_array_foreach(v, i, e) {
			const char *code = json_string_value(e);

			if (code == NULL)
				continue;
			rc |= form_values_add(&cf->values, name, code);
			if (order.len > 0)
				buf_putc(&order, ',');
			buf_puts(&order, code);
		}
		if (json_array_size(v) > 1 && order.p != NULL &&
		    form_printf(sub, sizeof(sub), "%s:order", name) == 0)
			rc |= form_values_add(&cf->values, sub, order.p);
		buf_free(&order);
		return rc;
	}
	if (field_is(f, "subform")) {
		json_array_foreach(v, i, row)
			json_array_foreach(json_object_get(f, "fields"), j, sf) {
				form_printf(sub, sizeof(sub), "%s[%zu][%s]", name, i, field_id(sf));
				rc |= form_value_from_json(p, cf, sf, sub,
				    json_object_get(row, field_id(sf)), 1);
			}
		return rc;
	}
	if (!json_is_string(v))
		return 0;
	if (form_uses_list(f, in_subform)) {
		if (field_is(f, "location"))
			form_location_display(p, cf->locations, json_string_value(v), text,
			    sizeof(text));
		else
			form_icu_name(p, f, json_string_value(v), text, sizeof(text));
		return form_values_add(&cf->values, name, text);
	}
	return form_values_add(&cf->values, name, json_string_value(v));
}

int
case_form_values_from_record(struct page *p, struct case_form *cf, const json_t *record)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(cf->form, "fields"), i, f) {
		if (!case_form_visible(p, f))
			continue;
		if (form_value_from_json(p, cf, f, field_id(f),
		    json_object_get(record, field_id(f)), 0) != 0)
			return RC_ENOMEM;
	}
	return RC_OK;
}

int
case_form_replace_field(struct page *p, struct case_form *cf, const json_t *f,
    const json_t *value)
{
	form_values_drop_field(&cf->values, field_id(f));
	return form_value_from_json(p, cf, f, field_id(f), value, 0) == 0 ? RC_OK :
	    RC_ENOMEM;
}

/* ---- a submitted form to values --------------------------------------------------------- */

/* Split "F[N][sub]" into F (`fieldsz`), N and sub (`subsz`). 0, or -1. */
static int
form_row_name(const char *name, char *field, size_t fieldsz, long *row, char *sub,
    size_t subsz)
{
	const char *open = strchr(name, '['), *p, *close;
	long n = 0;

	if (open == NULL || (size_t)(open - name) >= fieldsz)
		return -1;
	memcpy(field, name, (size_t)(open - name));
	field[open - name] = '\0';
	p = open + 1;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++)
		if ((n = n * 10 + (*p - '0')) > FORM_ROW_MAX)
			return -1;
	if (p[0] != ']' || p[1] != '[')
		return -1;
	p += 2;
	if ((close = strchr(p, ']')) == NULL || close[1] != '\0' ||
	    (size_t)(close - p) >= subsz || close == p)
		return -1;
	memcpy(sub, p, (size_t)(close - p));
	sub[close - p] = '\0';
	*row = n;
	return 0;
}

static const json_t *
form_def_find(const json_t *fields, const char *id)
{
	const json_t *f;
	size_t i;

	json_array_foreach(fields, i, f)
		if (strcmp(field_id(f), id) == 0)
			return f;
	return NULL;
}

static int
form_long_cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return (x > y) - (x < y);
}

int
case_form_values_from_request(struct page *p, struct case_form *cf)
{
	struct form_values in = { 0 };
	char field[64], sub[64], name[FORM_NAME_MAX];
	const json_t *fields = json_object_get(cf->form, "fields"), *f;
	long row, *rows = NULL;
	size_t i, j, k, nrows, kept;
	int rc;

	if ((rc = form_values_from_request(&in, p->req)) != RC_OK)
		goto out;
	/* top-level fields and order markers as they came */
	for (i = 0; i < in.n; i++) {
		const char *colon = strchr(in.v[i].name, ':');

		if (strchr(in.v[i].name, '[') != NULL)
			continue;
		form_printf(field, sizeof(field), "%.*s", colon != NULL ?
		    (int)(colon - in.v[i].name) : (int)strlen(in.v[i].name), in.v[i].name);
		if ((f = form_def_find(fields, field)) == NULL ||
		    !case_form_editable(p, cf, f) ||
		    (colon != NULL && strcmp(colon, ":order") != 0))
			continue;
		if (form_values_add(&cf->values, in.v[i].name, in.v[i].value) != 0) {
			rc = RC_ENOMEM;
			goto out;
		}
	}
	/* subform rows: in index order, the empty ones dropped, renumbered from 0 */
	if ((rows = calloc(in.n + 1, sizeof(*rows))) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	json_array_foreach(fields, k, f) {
		if (!field_is(f, "subform") || !case_form_editable(p, cf, f))
			continue;
		nrows = 0;
		for (i = 0; i < in.n; i++)
			if (form_row_name(in.v[i].name, field, sizeof(field), &row, sub,
			    sizeof(sub)) == 0 && strcmp(field, field_id(f)) == 0)
				rows[nrows++] = row;
		qsort(rows, nrows, sizeof(*rows), form_long_cmp);
		kept = 0;
		for (j = 0; j < nrows; j++) {
			int filled = 0;

			if (j > 0 && rows[j] == rows[j - 1])
				continue;
			for (i = 0; i < in.n; i++)
				if (form_row_name(in.v[i].name, field, sizeof(field), &row, sub,
				    sizeof(sub)) == 0 && row == rows[j] &&
				    strcmp(field, field_id(f)) == 0 &&
				    form_def_find(json_object_get(f, "fields"), sub) != NULL &&
				    in.v[i].value[strspn(in.v[i].value, " \t\r\n")] != '\0' &&
				    strcmp(in.v[i].value, "false") != 0)
					filled = 1;
			if (!filled)
				continue;
			for (i = 0; i < in.n; i++) {
				if (form_row_name(in.v[i].name, field, sizeof(field), &row, sub,
				    sizeof(sub)) != 0 || row != rows[j] ||
				    strcmp(field, field_id(f)) != 0 ||
				    form_def_find(json_object_get(f, "fields"), sub) == NULL)
					continue;
				form_printf(name, sizeof(name), "%s[%zu][%s]", field_id(f), kept,
				    sub);
				if (form_values_add(&cf->values, name, in.v[i].value) != 0) {
					rc = RC_ENOMEM;
					goto out;
				}
			}
			kept++;
		}
	}
	rc = RC_OK;
out:
	free(rows);
	form_values_free(&in);
	return rc;
}

/* ---- values to JSON ------------------------------------------------------------------------ */

/* `s` without the blanks around it, copied into `out`. */
static void
form_trim(const char *s, struct buf *out)
{
	size_t n;

	s += strspn(s, " \t\r\n");
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' ||
	    s[n - 1] == '\n'))
		n--;
	buf_reset(out);
	buf_append(out, s, n);
	buf_putc(out, '\0');
}

/* A whole number as typed: digits with an optional sign. */
static int
form_parse_integer(const char *s, json_int_t *out)
{
	json_int_t v = 0;
	int neg = 0;

	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	if (*s == '\0' || strlen(s) > 15)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (*s - '0');
	}
	*out = neg ? -v : v;
	return 0;
}

/* The JSON of input `name` of field `f`; NULL when empty. */
static json_t *
form_scalar_json(struct page *p, struct case_form *cf, const json_t *f, const char *name,
    int in_subform)
{
	const char *raw = form_values_get(&cf->values, name);
	struct buf b = BUF_INIT;
	char code[FORM_TEXT_MAX];
	json_int_t n;
	json_t *out = NULL;
	size_t i, j;

	if (field_is(f, "boolean")) {
		if (form_values_has(&cf->values, name, "true"))
			return json_true();
		if (form_values_has(&cf->values, name, "false"))
			return json_false();
		return NULL;
	}
	if (raw == NULL)
		return NULL;
	if (field_is(f, "textarea")) {
		/* CRLF from the browser to LF; blanks only is empty */
		for (i = 0; raw[i] != '\0'; i++)
			if (!(raw[i] == '\r' && raw[i + 1] == '\n'))
				buf_putc(&b, raw[i]);
		buf_putc(&b, '\0');
		for (i = j = 0; b.p[i] != '\0'; i++)
			j += !(b.p[i] == ' ' || b.p[i] == '\t' || b.p[i] == '\n');
		out = j > 0 ? json_string(b.p) : NULL;
		buf_free(&b);
		return out;
	}
	form_trim(raw, &b);
	if (b.p == NULL || b.p[0] == '\0') {
		buf_free(&b);
		return NULL;
	}
	if (field_is(f, "integer"))
		out = form_parse_integer(b.p, &n) == 0 ? json_integer(n) : json_string(b.p);
	else if (form_uses_list(f, in_subform)) {
		if ((field_is(f, "location") ?
		    form_location_code(p, cf->locations, b.p, code, sizeof(code)) :
		    form_icu_code(p, f, b.p, code, sizeof(code))) == 0)
			out = json_string(code);
		else
			out = json_string(b.p);	/* validation names it */
	} else
		out = json_string(b.p);
	buf_free(&b);
	return out;
}

/* 1 when `arr` holds the string `s`. */
static int
form_array_has(const json_t *arr, const char *s)
{
	const json_t *e;
	size_t i;

	json_array_foreach(arr, i, e)
		if (json_is_string(e) && strcmp(json_string_value(e), s) == 0)
			return 1;
	return 0;
}

/*
 * A multi_select: every value sent under `name` (ticked boxes, and for countries and
 * languages also names typed in the "other" input), in the record's order first
 * (the ":order" marker the form carries), then as sent.
 */
static json_t *
form_multi_json(struct page *p, struct case_form *cf, const json_t *f, const char *name)
{
	json_t *sent = json_array(), *arr = json_array(), *e;
	struct buf b = BUF_INIT;
	char code[FORM_TEXT_MAX], marker[FORM_NAME_MAX];
	const char *order, *s, *comma;
	size_t i;

	if (sent == NULL || arr == NULL) {
		json_decref(sent);
		json_decref(arr);
		return NULL;
	}
	for (i = 0; i < cf->values.n; i++) {
		if (strcmp(cf->values.v[i].name, name) != 0)
			continue;
		form_trim(cf->values.v[i].value, &b);
		if (b.p == NULL || b.p[0] == '\0')
			continue;
		/* a code from a box, or a name typed: validation names what matches nothing */
		s = field_icu(f) != ICU_NONE &&
		    form_icu_code(p, f, b.p, code, sizeof(code)) == 0 ? code : b.p;
		if (!form_array_has(sent, s))
			json_array_append_new(sent, json_string(s));
	}
	form_printf(marker, sizeof(marker), "%s:order", name);
	for (order = form_values_get(&cf->values, marker); order != NULL &&
	    *order != '\0'; order = *comma != '\0' ? comma + 1 : comma) {
		if ((comma = strchr(order, ',')) == NULL)
			comma = order + strlen(order);
		form_printf(code, sizeof(code), "%.*s", (int)(comma - order), order);
		if (form_array_has(sent, code) && !form_array_has(arr, code))
			json_array_append_new(arr, json_string(code));
	}
	json_array_foreach(sent, i, e)
		if (!form_array_has(arr, json_string_value(e)))
			json_array_append(arr, e);
	buf_free(&b);
	json_decref(sent);
	if (json_array_size(arr) == 0) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

static json_t *
form_subform_json(struct page *p, struct case_form *cf, const json_t *f)
{
	char name[FORM_NAME_MAX], prefix[FORM_NAME_MAX];
	json_t *arr = json_array(), *row, *v;
	const json_t *sf;
	size_t r, k, n;
	int any;

	if (arr == NULL)
		return NULL;
	for (r = 0; r <= FORM_ROW_MAX; r++) {
		/* rows are numbered from 0 without gaps once normalised */
		form_printf(prefix, sizeof(prefix), "%s[%zu][", field_id(f), r);
		n = strlen(prefix);
		any = 0;
		for (k = 0; k < cf->values.n && !any; k++)
			any = strncmp(cf->values.v[k].name, prefix, n) == 0;
		if (!any)
			break;
		if ((row = json_object()) == NULL)
			break;
		json_array_foreach(json_object_get(f, "fields"), k, sf) {
			form_printf(name, sizeof(name), "%s%s]", prefix, field_id(sf));
			v = field_is(sf, "multi_select") ? form_multi_json(p, cf, sf, name) :
			    form_scalar_json(p, cf, sf, name, 1);
			if (v != NULL)
				json_object_set_new(row, field_id(sf), v);
		}
		if (json_object_size(row) > 0)
			json_array_append_new(arr, row);
		else
			json_decref(row);
	}
	if (json_array_size(arr) == 0) {
		json_decref(arr);
		return NULL;
	}
	return arr;
}

json_t *
case_form_field_json(struct page *p, struct case_form *cf, const json_t *f)
{
	if (field_is(f, "subform"))
		return form_subform_json(p, cf, f);
	if (field_is(f, "multi_select"))
		return form_multi_json(p, cf, f, field_id(f));
	return form_scalar_json(p, cf, f, field_id(f), 0);
}

int
case_form_json(struct page *p, struct case_form *cf, int edit, json_t **out)
{
	const json_t *f;
	json_t *data = json_object(), *v;
	size_t i;

	*out = NULL;
	if (data == NULL)
		return RC_ENOMEM;
	json_array_foreach(json_object_get(cf->form, "fields"), i, f) {
		/* only what the page had inputs for: other sections stay as they are */
		if (!case_form_editable(p, cf, f))
			continue;
		v = case_form_field_json(p, cf, f);
		if (v != NULL)
			json_object_set_new(data, field_id(f), v);
		else if (edit)
			json_object_set_new(data, field_id(f), json_null());
	}
	*out = data;
	return RC_OK;
}

/* ---- problems ------------------------------------------------------------------------------ */

/* The validator's problems (English, fixed texts) as sentences in the page's language;
 * {1} is the field's label. */
static const struct form_problem_text {
	const char	*english;
	const char	*msgid;
} form_problem_texts[] = {
	{ "is required", "{1} is required." },
	{ "is not one of the options", "{1}: choose one of the options." },
	{ "has a value that is not one of the options", "{1}: choose from the list." },
	{ "has a duplicate value", "{1}: a value is given twice." },
	{ "must be a whole number", "{1} must be a whole number." },
	{ "is not a valid date (YYYY-MM-DD)", "{1} must be a real date." },
	{ "is in the future", "{1} cannot be in the future." },
	{ "is not a valid location code", "{1}: choose a location from the list." },
	{ "is not a known location", "{1}: choose a location from the list." },
	{ "is not valid UTF-8", "{1} contains characters that cannot be read." },
	{ "contains control characters", "{1} contains characters that are not allowed." },
	{ "is not a field of this form", "{1} is not part of this form." },
	{ "must be true or false", "{1} has a value of the wrong kind." },
	{ "must be a string", "{1} has a value of the wrong kind." },
	{ "must be an array", "{1} has a value of the wrong kind." },
	{ "must be an array of strings", "{1} has a value of the wrong kind." },
	{ "must be an object", "{1} has a value of the wrong kind." },
};

static void
form_problem_add(struct case_form *cf, const char *id, const char *text,
    const char *where)
{
	struct form_problem *e;

	if (cf->problems.n >= sizeof(cf->problems.e) / sizeof(cf->problems.e[0]))
		return;
	e = &cf->problems.e[cf->problems.n++];
	str_copy(e->field, sizeof(e->field), id);
	str_copy(e->problem, sizeof(e->problem), text);
	if (where == NULL || form_printf(e->summary, sizeof(e->summary), "%s: %s", where,
	    text) < 0)
		str_copy(e->summary, sizeof(e->summary), text);
}

/* The label of an input by its validation path ("age", "family_details_section[1].
 * relation_age": "Age"), and for a subform entry where it is ("Family members, entry
 * 2") in `where`, else "". */
static void
form_input_label(const struct page *p, const struct case_form *cf, const char *path,
    char *out, size_t outsz, char *where, size_t wheresz)
{
	char field[64], sub[64], num[24], whole[FORM_TEXT_MAX];
	const json_t *fields = json_object_get(cf->form, "fields"), *f, *sf;
	const char *open = strchr(path, '['), *close;
	long row = 0;

	where[0] = '\0';
	if (open == NULL) {
		f = form_def_find(fields, path);
		str_copy(out, outsz, f != NULL ? case_form_label(p, f) : path);
		return;
	}
	form_printf(field, sizeof(field), "%.*s", (int)(open - path), path);
	row = strtol(open + 1, NULL, 10);
	close = strchr(open, ']');
	sub[0] = '\0';
	if (close != NULL && close[1] == '.')
		str_copy(sub, sizeof(sub), close + 2);
	f = form_def_find(fields, field);
	form_printf(num, sizeof(num), "%ld", row + 1);
	page_format(p->lang, "{1}, entry {2}", f != NULL ? case_form_label(p, f) : field, num, NULL,
	    whole, sizeof(whole));
	sf = f != NULL && sub[0] != '\0' ?
	    form_def_find(json_object_get(f, "fields"), sub) : NULL;
	if (sub[0] != '\0') {
		str_copy(where, wheresz, whole);
		str_copy(out, outsz, sf != NULL ? case_form_label(p, sf) : sub);
	} else
		str_copy(out, outsz, whole);
}

/* "family_details_section[1].relation" to "family_details_section-1-relation". */
static void
form_input_id(const char *path, char *out, size_t outsz)
{
	size_t n = 0;

	for (; *path != '\0' && n + 1 < outsz; path++) {
		if (*path == '[' || *path == '.')
			out[n++] = '-';
		else if (*path != ']')
			out[n++] = *path;
	}
	out[n] = '\0';
}

void
case_form_problems(struct page *p, struct case_form *cf, const struct app_error *err)
{
	char label[FORM_TEXT_MAX], where[FORM_TEXT_MAX], id[128], text[256], n1[24], n2[24];
	long long a, b;
	size_t i, k, z;
	int done;

	for (i = 0; i < err->fields.n && i < FORM_ERRORS_MAX; i++) {
		const struct form_error *e = &err->fields.e[i];

		if (e->field[0] == '\0') {
			/* the record as a whole: "at least one name" */
			page_format(p->lang, "Enter at least one name for the child.", NULL, NULL, NULL,
			    text, sizeof(text));
			if (strcmp(e->problem, "at least one name is required") != 0)
				str_copy(text, sizeof(text), e->problem);
			form_problem_add(cf, "", text, NULL);
			continue;
		}
		form_input_label(p, cf, e->field, label, sizeof(label), where, sizeof(where));
		form_input_id(e->field, id, sizeof(id));
		done = 0;
		for (k = 0; k < sizeof(form_problem_texts) / sizeof(form_problem_texts[0]);
		    k++)
			if (strcmp(e->problem, form_problem_texts[k].english) == 0) {
				page_format(p->lang, form_problem_texts[k].msgid, label, NULL, NULL,
				    text, sizeof(text));
				done = 1;
				break;
			}
		if (!done && sscanf(e->problem, "must be between %lld and %lld", &a, &b) ==
		    2) {
			form_printf(n1, sizeof(n1), "%lld", a);
			form_printf(n2, sizeof(n2), "%lld", b);
			page_format(p->lang, "{1} must be between {2} and {3}.", label, n1, n2, text,
			    sizeof(text));
			done = 1;
		}
		if (!done && sscanf(e->problem, "is longer than %zu bytes", &z) == 1) {
			page_format(p->lang, "{1} is too long.", label, NULL, NULL, text, sizeof(text));
			done = 1;
		}
		if (!done && (sscanf(e->problem, "has more than %zu values", &z) == 1 ||
		    sscanf(e->problem, "has more than %zu entries", &z) == 1)) {
			form_printf(n1, sizeof(n1), "%zu", z);
			page_format(p->lang, "{1}: at most {2}.", label, n1, NULL, text, sizeof(text));
			done = 1;
		}
		if (!done && form_printf(text, sizeof(text), "%s: %s", label, e->problem) < 0)
			text[0] = '\0';
		form_problem_add(cf, id, text, where[0] != '\0' ? where : NULL);
	}
	if (err->fields.n == 0 || err->fields.dropped > 0)
		form_problem_add(cf, "", page_tr(p, "The case could not be saved: check the "
		    "form."), NULL);
}

/* The input a problem points to: the record's problems go to the first name. */
static const char *
form_problem_target(const struct form_problem *e)
{
	return e->field[0] != '\0' ? e->field : "name_first";
}

void
case_form_summary(struct page *p, struct case_form *cf)
{
	size_t i;

	if (cf->problems.n == 0)
		return;
	HTML_RAW(&p->h, "<div class=\"error-summary\" id=\"error-summary\" role=\"alert\" "
	    "tabindex=\"-1\" aria-labelledby=\"error-summary-title\"><h2 "
	    "id=\"error-summary-title\">");
	page_say(p, "There is a problem");
	HTML_RAW(&p->h, "</h2><ul>");
	for (i = 0; i < cf->problems.n; i++) {
		HTML_RAW(&p->h, "<li><a href=\"#");
		html_attr(&p->h, form_problem_target(&cf->problems.e[i]));
		HTML_RAW(&p->h, "\">");
		html_text(&p->h, cf->problems.e[i].summary);
		HTML_RAW(&p->h, "</a></li>");
	}
	HTML_RAW(&p->h, "</ul></div>\n");
}

/* 1 when input `id` has problems. */
static int
form_has_problem(const struct case_form *cf, const char *id)
{
	size_t i;

	for (i = 0; i < cf->problems.n; i++)
		if (strcmp(form_problem_target(&cf->problems.e[i]), id) == 0)
			return 1;
	return 0;
}

/* The problems of input `id` next to it (id "error-ID"): a paragraph, or for an input
 * inside its label (`inline`) a span. */
static void
form_problem_show(struct page *p, const struct case_form *cf, const char *id,
    int inline_)
{
	size_t i;
	int first = 1;

	for (i = 0; i < cf->problems.n; i++) {
		if (strcmp(form_problem_target(&cf->problems.e[i]), id) != 0)
			continue;
		if (first) {
			if (inline_)
				HTML_RAW(&p->h, "<span class=\"field-error\" id=\"error-");
			else
				HTML_RAW(&p->h, "<p class=\"field-error\" id=\"error-");
			html_attr(&p->h, id);
			HTML_RAW(&p->h, "\"><span class=\"vh\">");
			page_say(p, "Error:");
			HTML_RAW(&p->h, " </span>");
		} else
			HTML_RAW(&p->h, "<br>");
		html_text(&p->h, cf->problems.e[i].problem);
		first = 0;
	}
	if (!first && inline_)
		HTML_RAW(&p->h, "</span>");
	else if (!first)
		HTML_RAW(&p->h, "</p>");
}

/* ---- rendering ------------------------------------------------------------------------------ */

/* What the inputs need to know besides the field. */
struct form_input {
	const char	*name;		/* input name */
	const char	*id;		/* element id */
	int		 in_subform;
	int		 help;		/* a help text with id "help-ID" exists */
	int		 error;		/* problems with id "error-ID" exist */
	int		 required;
};

static void
form_attr_common(struct page *p, const struct form_input *in)
{
	HTML_RAW(&p->h, " id=\"");
	html_attr(&p->h, in->id);
	HTML_RAW(&p->h, "\" name=\"");
	html_attr(&p->h, in->name);
	HTML_RAW(&p->h, "\"");
	if (in->required)
		HTML_RAW(&p->h, " aria-required=\"true\"");
	if (in->error)
		HTML_RAW(&p->h, " aria-invalid=\"true\"");
	if (in->help || in->error) {
		HTML_RAW(&p->h, " aria-describedby=\"");
		if (in->error) {
			HTML_RAW(&p->h, "error-");
			html_attr(&p->h, in->id);
		}
		if (in->help) {
			if (in->error)
				HTML_RAW(&p->h, " ");
			HTML_RAW(&p->h, "help-");
			html_attr(&p->h, in->id);
		}
		HTML_RAW(&p->h, "\"");
	}
}

static void
form_value_attr(struct page *p, const char *v)
{
	if (v == NULL || *v == '\0')
		return;
	HTML_RAW(&p->h, " value=\"");
	html_attr(&p->h, v);
	HTML_RAW(&p->h, "\"");
}

static void
form_label(struct page *p, const json_t *f, const struct form_input *in)
{
	HTML_RAW(&p->h, "<label for=\"");
	html_attr(&p->h, in->id);
	HTML_RAW(&p->h, "\">");
	html_text(&p->h, case_form_label(p, f));
	if (in->required)
		HTML_RAW(&p->h, " <span class=\"req\" aria-hidden=\"true\">*</span>");
	HTML_RAW(&p->h, "</label>");
}

static void
form_help(struct page *p, const json_t *f, const char *id)
{
	const char *help = page_label(json_object_get(f, "help"), p->lang);

	if (help == NULL)
		return;
	HTML_RAW(&p->h, "<p class=\"help\" id=\"help-");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\">");
	html_text(&p->h, help);
	HTML_RAW(&p->h, "</p>");
}

/* A <select> of the field's options with an empty one first. */
static void
form_select(struct page *p, struct case_form *cf, const json_t *f,
    const struct form_input *in)
{
	const char *v = form_values_get(&cf->values, in->name), *id, *t;
	const json_t *o;
	size_t i;
	int found = 0;

	HTML_RAW(&p->h, "<select");
	form_attr_common(p, in);
	HTML_RAW(&p->h, "><option value=\"\"></option>");
	if (field_is(f, "location")) {
		page_location_options(p, cf->locations, v);
		HTML_RAW(&p->h, "</select>");
		return;
	}
	json_array_foreach(json_object_get(f, "options"), i, o) {
		if ((id = json_get_str(o, "id")) == NULL)
			continue;
		t = page_label(json_object_get(o, "display_text"), p->lang);
		HTML_RAW(&p->h, "<option value=\"");
		html_attr(&p->h, id);
		HTML_RAW(&p->h, "\"");
		if (v != NULL && strcmp(v, id) == 0) {
			HTML_RAW(&p->h, " selected");
			found = 1;
		}
		HTML_RAW(&p->h, ">");
		html_text(&p->h, t != NULL ? t : id);
		HTML_RAW(&p->h, "</option>");
	}
	if (!found && v != NULL && *v != '\0') {
		/* a value that is no longer an option stays what it was */
		HTML_RAW(&p->h, "<option selected value=\"");
		html_attr(&p->h, v);
		HTML_RAW(&p->h, "\">");
		html_text(&p->h, v);
		HTML_RAW(&p->h, "</option>");
	}
	HTML_RAW(&p->h, "</select>");
}

/* The checkbox of a boolean (value "true"). */
static void
form_control_box(struct page *p, struct case_form *cf, const struct form_input *in)
{
	HTML_RAW(&p->h, "<input type=\"checkbox\" value=\"true\"");
	form_attr_common(p, in);
	if (form_values_has(&cf->values, in->name, "true"))
		HTML_RAW(&p->h, " checked");
	HTML_RAW(&p->h, ">");
}

/* The control of a single-valued field (not multi_select, not subform). */
static void
form_control(struct page *p, struct case_form *cf, const json_t *f,
    const struct form_input *in)
{
	const char *v = form_values_get(&cf->values, in->name);
	char today[DATE_SIZE];

	if (field_is(f, "textarea")) {
		HTML_RAW(&p->h, "<textarea rows=\"3\" dir=\"auto\"");
		form_attr_common(p, in);
		HTML_RAW(&p->h, " maxlength=\"");
		html_textf(&p->h, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(f, "max_length")));
		/* the newline keeps a value's own leading newline */
		HTML_RAW(&p->h, "\">\n");
		html_text(&p->h, v);
		HTML_RAW(&p->h, "</textarea>");
	} else if (field_is(f, "date")) {
		HTML_RAW(&p->h, "<input type=\"date\"");
		form_attr_common(p, in);
		if (json_is_true(json_object_get(f, "no_future"))) {
			clock_date(clock_now(), today);
			HTML_RAW(&p->h, " max=\"");
			html_attr(&p->h, today);
			HTML_RAW(&p->h, "\"");
		}
		form_value_attr(p, v);
		HTML_RAW(&p->h, ">");
	} else if (field_is(f, "integer")) {
		HTML_RAW(&p->h, "<input type=\"number\"");
		form_attr_common(p, in);
		HTML_RAW(&p->h, " min=\"");
		html_textf(&p->h, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(f, "min")));
		HTML_RAW(&p->h, "\" max=\"");
		html_textf(&p->h, "%" JSON_INTEGER_FORMAT,
		    json_integer_value(json_object_get(f, "max")));
		HTML_RAW(&p->h, "\"");
		form_value_attr(p, v);
		HTML_RAW(&p->h, ">");
	} else if (field_is(f, "boolean")) {
		/* a field that had a value says "false" when the box is left unticked */
		if (v != NULL) {
			HTML_RAW(&p->h, "<input type=\"hidden\" name=\"");
			html_attr(&p->h, in->name);
			HTML_RAW(&p->h, "\" value=\"false\">");
		}
		form_control_box(p, cf, in);
	} else if (form_uses_list(f, in->in_subform)) {
		HTML_RAW(&p->h, "<input type=\"text\" autocomplete=\"off\"");
		form_attr_common(p, in);
		if (field_is(f, "location"))
			HTML_RAW(&p->h, " list=\"list-location\"");
		else if (field_icu(f) == ICU_REGION)
			HTML_RAW(&p->h, " list=\"list-country\"");
		else
			HTML_RAW(&p->h, " list=\"list-language\"");
		form_value_attr(p, v);
		HTML_RAW(&p->h, ">");
	} else if (field_is(f, "select") || field_is(f, "location")) {
		form_select(p, cf, f, in);
	} else {
		HTML_RAW(&p->h, "<input type=\"text\" dir=\"auto\"");
		form_attr_common(p, in);
		if (json_integer_value(json_object_get(f, "max_length")) > 0) {
			HTML_RAW(&p->h, " maxlength=\"");
			html_textf(&p->h, "%" JSON_INTEGER_FORMAT,
			    json_integer_value(json_object_get(f, "max_length")));
			HTML_RAW(&p->h, "\"");
		}
		form_value_attr(p, v);
		HTML_RAW(&p->h, ">");
	}
}

/* A single-valued field with its label, help and problems. */
static void
form_field_single(struct page *p, struct case_form *cf, const json_t *f,
    struct form_input *in)
{
	int box = field_is(f, "boolean");

	in->error = form_has_problem(cf, in->id);
	if (in->in_subform && !in->help) {
		/* a row repeats ten inputs: each inside its own label, no wrapper */
		if (box) {
			if (form_values_get(&cf->values, in->name) != NULL) {
				HTML_RAW(&p->h, "<input type=\"hidden\" name=\"");
				html_attr(&p->h, in->name);
				HTML_RAW(&p->h, "\" value=\"false\">");
			}
			HTML_RAW(&p->h, "<label class=\"cell check\" for=\"");
		} else
			HTML_RAW(&p->h, "<label class=\"cell\" for=\"");
		html_attr(&p->h, in->id);
		HTML_RAW(&p->h, "\">");
		if (box) {
			form_control_box(p, cf, in);
			HTML_RAW(&p->h, " ");
		}
		html_text(&p->h, case_form_label(p, f));
		if (in->required)
			HTML_RAW(&p->h, " <span class=\"req\" aria-hidden=\"true\">*</span>");
		form_problem_show(p, cf, in->id, 1);
		if (!box)
			form_control(p, cf, f, in);
		HTML_RAW(&p->h, "</label>");
		return;
	}
	if (box)
		HTML_RAW(&p->h, "<div class=\"field check\">");
	else
		HTML_RAW(&p->h, "<div class=\"field\">");
	if (!box)
		form_label(p, f, in);
	if (in->help)
		form_help(p, f, in->id);
	form_problem_show(p, cf, in->id, 0);
	form_control(p, cf, f, in);
	if (box)
		form_label(p, f, in);
	HTML_RAW(&p->h, "</div>\n");
}

/* One choice of a group of boxes. */
struct form_choice {
	const char	*code;
	int		 chosen;		/* ticked: listed first */
	char		 text[FORM_TEXT_MAX];
	char		 key[FORM_TEXT_MAX];	/* `text` folded for sorting */
};

/* Fold Latin letters with diacritics (U+00C0..U+00FF) and capitals, so that "Égypte"
 * sorts with "Egypte" rather than after "Zimbabwe". */
static void
form_fold(const char *s, char *out, size_t outsz)
{
	static const char latin1[] =
	    "aaaaaaaceeeeiiiidnooooo ouuuuyts"	/* U+00C0..U+00DF */
	    "aaaaaaaceeeeiiiidnooooo ouuuuyty";	/* U+00E0..U+00FF */
	const unsigned char *u = (const unsigned char *)s;
	size_t n = 0;

	while (*u != '\0' && n + 1 < outsz) {
		if (u[0] == 0xc3 && u[1] >= 0x80 && u[1] <= 0xbf) {
			out[n++] = latin1[u[1] - 0x80];
			u += 2;
		} else if (*u >= 'A' && *u <= 'Z')
			out[n++] = (char)(*u++ + 32);
		else
			out[n++] = (char)*u++;
	}
	out[n] = '\0';
}

static int
form_choice_cmp(const void *a, const void *b)
{
	const struct form_choice *x = a, *y = b;

	if (x->chosen != y->chosen)
		return y->chosen - x->chosen;
	return strcmp(x->key, y->key);
}

/* 1 when `code` is the code of a top-level location (the countries the programme
 * works in). */
static int
form_route_country(const struct case_form *cf, const char *code)
{
	const json_t *l;
	size_t i;

	json_array_foreach(cf->locations, i, l)
		if (json_integer_value(json_object_get(l, "level")) == 0 &&
		    strcmp(json_get_str(l, "code") ? json_get_str(l, "code") : "", code) == 0)
			return 1;
	return 0;
}

/* 1 when `lang` is the likely language of one of those countries (ICU's likely
 * subtags: "und_ER" is "ti_Ethi_ER"). */
static int
form_route_language(const struct case_form *cf, const char *lang)
{
	const json_t *l;
	const char *code;
	char in[16], out[64];
	UErrorCode err;
	size_t i, n = strlen(lang);

	json_array_foreach(cf->locations, i, l) {
		if (json_integer_value(json_object_get(l, "level")) != 0 ||
		    (code = json_get_str(l, "code")) == NULL || strlen(code) != 2)
			continue;
		err = U_ZERO_ERROR;
		form_printf(in, sizeof(in), "und_%s", code);
		if (uloc_addLikelySubtags(in, out, (int32_t)sizeof(out), &err) > 0 &&
		    U_SUCCESS(err) && strncmp(out, lang, n) == 0 && out[n] == '_')
			return 1;
	}
	return 0;
}

/* 1 when `v` is the id of one of the field's options. */
static int
form_is_option(const json_t *f, const char *v)
{
	const json_t *o;
	size_t i;

	json_array_foreach(json_object_get(f, "options"), i, o)
		if (strcmp(json_get_str(o, "id") ? json_get_str(o, "id") : "", v) == 0)
			return 1;
	return 0;
}

/*
 * A multi_select: a group of boxes, name repeated, the option ids as values. Countries
 * and languages offer as boxes, sorted by name, those of the programme's region (the
 * countries of the location tree and their main languages) and those already chosen,
 * then an input with the list of all the others: 249 countries and 85 languages as
 * boxes would not fit a page in 60 KB. Long groups scroll within their box.
 */
static void
form_field_multi(struct page *p, struct case_form *cf, const json_t *f,
    struct form_input *in)
{
	struct form_choice *ch = NULL;
	char id[FORM_NAME_MAX];
	const char *oid, *t;
	const json_t *o;
	size_t i, n = 0, nopt = json_array_size(json_object_get(f, "options"));
	enum form_icu icu = field_icu(f);
	int others = 0;

	in->error = form_has_problem(cf, in->id);
	HTML_RAW(&p->h, "<fieldset class=\"field group\" id=\"");
	html_attr(&p->h, in->id);	/* the error summary links to the group */
	HTML_RAW(&p->h, "\"");
	if (in->help || in->error) {
		HTML_RAW(&p->h, " aria-describedby=\"");
		if (in->error) {
			HTML_RAW(&p->h, "error-");
			html_attr(&p->h, in->id);
			HTML_RAW(&p->h, " ");
		}
		if (in->help) {
			HTML_RAW(&p->h, "help-");
			html_attr(&p->h, in->id);
		}
		HTML_RAW(&p->h, "\"");
	}
	HTML_RAW(&p->h, "><legend>");
	html_text(&p->h, case_form_label(p, f));
	if (in->required)
		HTML_RAW(&p->h, " <span class=\"req\" aria-hidden=\"true\">*</span>");
	HTML_RAW(&p->h, "</legend>");
	if (in->help)
		form_help(p, f, in->id);
	form_problem_show(p, cf, in->id, 0);
	/* the record's order of the values travels with the form */
	form_printf(id, sizeof(id), "%s:order", in->name);
	if ((t = form_values_get(&cf->values, id)) != NULL) {
		HTML_RAW(&p->h, "<input type=\"hidden\" name=\"");
		html_attr(&p->h, id);
		HTML_RAW(&p->h, "\" value=\"");
		html_attr(&p->h, t);
		HTML_RAW(&p->h, "\">");
	}
	if (nopt > 0 && (ch = calloc(nopt, sizeof(*ch))) == NULL) {
		p->h.failed = 1;
		HTML_RAW(&p->h, "</fieldset>\n");
		return;
	}
	json_array_foreach(json_object_get(f, "options"), i, o) {
		if ((oid = json_get_str(o, "id")) == NULL)
			continue;
		if (((icu == ICU_REGION && !form_route_country(cf, oid)) ||
		    (icu == ICU_LANGUAGE && !form_route_language(cf, oid))) &&
		    !form_values_has(&cf->values, in->name, oid))
			continue;
		ch[n].code = oid;
		ch[n].chosen = form_values_has(&cf->values, in->name, oid);
		if (icu != ICU_NONE)
			form_icu_name(p, f, oid, ch[n].text, sizeof(ch[n].text));
		else
			str_copy(ch[n].text, sizeof(ch[n].text),
			    (t = page_label(json_object_get(o, "display_text"), p->lang)) ?
			    t : oid);
		form_fold(ch[n].text, ch[n].key, sizeof(ch[n].key));
		n++;
	}
	if (icu != ICU_NONE)
		qsort(ch, n, sizeof(*ch), form_choice_cmp);
	/* each box inside its label (no ids): a third smaller than label for= */
	if (n > 24)
		HTML_RAW(&p->h, "<div class=\"checks long\">");
	else
		HTML_RAW(&p->h, "<div class=\"checks\">");
	for (i = 0; i < n; i++) {
		HTML_RAW(&p->h, "<label class=\"check\"><input type=\"checkbox\" name=\"");
		html_attr(&p->h, in->name);
		HTML_RAW(&p->h, "\" value=\"");
		html_attr(&p->h, ch[i].code);
		HTML_RAW(&p->h, "\"");
		if (form_values_has(&cf->values, in->name, ch[i].code))
			HTML_RAW(&p->h, " checked");
		HTML_RAW(&p->h, "> ");
		html_text(&p->h, ch[i].text);
		HTML_RAW(&p->h, "</label>");
	}
	HTML_RAW(&p->h, "</div>");
	free(ch);
	if (icu != ICU_NONE) {
		/* any other one, typed: what was typed before, else one empty input */
		for (i = 0; i <= cf->values.n; i++) {
			const char *v = NULL;

			if (i < cf->values.n) {
				if (strcmp(cf->values.v[i].name, in->name) != 0 ||
				    cf->values.v[i].value[0] == '\0' ||
				    form_is_option(f, cf->values.v[i].value))
					continue;
				v = cf->values.v[i].value;
			} else if (others > 0)
				break;
			if (others == 0)
				form_printf(id, sizeof(id), "%s-other", in->id);
			else
				form_printf(id, sizeof(id), "%s-other-%d", in->id, others + 1);
			HTML_RAW(&p->h, "<div class=\"other\"><label for=\"");
			html_attr(&p->h, id);
			HTML_RAW(&p->h, "\">");
			page_say(p, icu == ICU_REGION ? "Another country: type its name" :
			    "Another language: type its name");
			HTML_RAW(&p->h, "</label><input type=\"text\" autocomplete=\"off\" "
			    "list=\"");
			if (icu == ICU_REGION)
				HTML_RAW(&p->h, "list-country");
			else
				HTML_RAW(&p->h, "list-language");
			HTML_RAW(&p->h, "\" id=\"");
			html_attr(&p->h, id);
			HTML_RAW(&p->h, "\" name=\"");
			html_attr(&p->h, in->name);
			HTML_RAW(&p->h, "\"");
			form_value_attr(p, v);
			HTML_RAW(&p->h, "></div>");
			others++;
		}
	}
	HTML_RAW(&p->h, "</fieldset>\n");
}

/* One subform row (index `r`, shown as entry r + 1). */
static void
form_subform_row(struct page *p, struct case_form *cf, const json_t *f, size_t r)
{
	char name[FORM_NAME_MAX], id[FORM_NAME_MAX], num[24];
	struct form_input in = { 0 };
	const json_t *sf;
	size_t k;

	form_printf(id, sizeof(id), "%s-%zu", field_id(f), r);
	form_printf(num, sizeof(num), "%zu", r + 1);
	HTML_RAW(&p->h, "<fieldset class=\"row\" id=\"");
	html_attr(&p->h, id);
	HTML_RAW(&p->h, "\"><legend>");
	page_say_args(p, "{1}, entry {2}", case_form_label(p, f), num, NULL);
	HTML_RAW(&p->h, "</legend>");
	form_problem_show(p, cf, id, 0);
	HTML_RAW(&p->h, "<div class=\"grid\">");
	json_array_foreach(json_object_get(f, "fields"), k, sf) {
		form_printf(name, sizeof(name), "%s[%zu][%s]", field_id(f), r, field_id(sf));
		form_printf(id, sizeof(id), "%s-%zu-%s", field_id(f), r, field_id(sf));
		in.name = name;
		in.id = id;
		in.in_subform = 1;
		in.help = page_label(json_object_get(sf, "help"), p->lang) != NULL;
		in.required = json_is_true(json_object_get(sf, "required"));
		if (field_is(sf, "multi_select"))
			form_field_multi(p, cf, sf, &in);
		else
			form_field_single(p, cf, sf, &in);
	}
	HTML_RAW(&p->h, "</div></fieldset>\n");
}

static void
form_field_subform(struct page *p, struct case_form *cf, const json_t *f,
    struct form_input *in)
{
	char prefix[FORM_NAME_MAX];
	size_t rows = 0, r, k, max = (size_t)json_integer_value(json_object_get(f,
	    "max_items"));
	int any;

	/* the filled rows (numbered from 0 without gaps), then blank ones */
	for (;;) {
		form_printf(prefix, sizeof(prefix), "%s[%zu][", field_id(f), rows);
		for (any = 0, k = 0; k < cf->values.n && !any; k++)
			any = strncmp(cf->values.v[k].name, prefix, strlen(prefix)) == 0;
		if (!any || rows > FORM_ROW_MAX)
			break;
		rows++;
	}
	if (max == 0)
		max = FORM_ROW_MAX;
	in->error = form_has_problem(cf, in->id);
	HTML_RAW(&p->h, "<fieldset class=\"field subform\" id=\"");
	html_attr(&p->h, in->id);
	HTML_RAW(&p->h, "\"><legend>");
	html_text(&p->h, case_form_label(p, f));
	HTML_RAW(&p->h, "</legend>");
	if (in->help)
		form_help(p, f, in->id);
	form_problem_show(p, cf, in->id, 0);
	for (r = 0; r < rows + FORM_BLANK_ROWS && r < (rows > max ? rows : max); r++)
		form_subform_row(p, cf, f, r);
	HTML_RAW(&p->h, "</fieldset>\n");
}

/* 1 when some visible field, in a subform or not, takes the list `kind`. */
static int
form_needs_list(const struct page *p, const struct case_form *cf, const json_t *fields,
    const char *kind, int sub)
{
	const json_t *f;
	size_t i;

	json_array_foreach(fields, i, f) {
		if (!sub && !case_form_editable(p, cf, f))
			continue;
		if (field_is(f, "subform") &&
		    form_needs_list(p, cf, json_object_get(f, "fields"), kind, 1))
			return 1;
		if (strcmp(kind, "location") == 0 && sub && field_is(f, "location"))
			return 1;
		if (strcmp(kind, "country") == 0 && field_icu(f) == ICU_REGION)
			return 1;
		if (strcmp(kind, "language") == 0 && field_icu(f) == ICU_LANGUAGE)
			return 1;
	}
	return 0;
}

/* The first field with an ICU lookup of `kind`, for its options. */
static const json_t *
form_icu_field(const json_t *fields, enum form_icu kind)
{
	const json_t *f, *sub;
	size_t i;

	json_array_foreach(fields, i, f) {
		if (field_icu(f) == kind)
			return f;
		if (field_is(f, "subform") &&
		    (sub = form_icu_field(json_object_get(f, "fields"), kind)) != NULL)
			return sub;
	}
	return NULL;
}

/*
 * The names a datalist offers, in the page's language: "country", "language" or
 * "location". NULL for an unknown kind.
 */
static json_t *
form_list_names(const struct page *p, const struct case_form *cf, const char *kind)
{
	const json_t *fields = json_object_get(cf->form, "fields"), *f, *o;
	char name[FORM_TEXT_MAX];
	const char *code;
	json_t *out;
	size_t i;

	if (strcmp(kind, "location") == 0) {
		if ((out = json_array()) == NULL)
			return NULL;
		json_array_foreach(cf->locations, i, o) {
			if ((code = json_get_str(o, "code")) == NULL)
				continue;
			form_location_display(p, cf->locations, code, name, sizeof(name));
			json_array_append_new(out, json_string(name));
		}
		return out;
	}
	if (strcmp(kind, "country") == 0)
		f = form_icu_field(fields, ICU_REGION);
	else if (strcmp(kind, "language") == 0)
		f = form_icu_field(fields, ICU_LANGUAGE);
	else
		return NULL;
	if (f == NULL || (out = json_array()) == NULL)
		return NULL;
	json_array_foreach(json_object_get(f, "options"), i, o) {
		if ((code = json_get_str(o, "id")) == NULL)
			continue;
		form_icu_name(p, f, code, name, sizeof(name));
		json_array_append_new(out, json_string(name));
	}
	return out;
}

/* The version of a list for its URL: a fingerprint of its names. */
static void
form_list_version(const json_t *names, char out[17])
{
	unsigned char h[8];
	char *text = json_dumps(names, JSON_COMPACT);

	crypto_generichash(h, sizeof(h), (const unsigned char *)(text ? text : ""),
	    text ? strlen(text) : 0, NULL, 0);
	free(text);
	sodium_bin2hex(out, 17, h, sizeof(h));
}

/*
 * The datalists the inputs name, empty: app.js fills them from /lists/KIND (cached by
 * the browser), which keeps 20 KB of names out of every form page. Without scripts
 * the inputs still take a name or a code typed in full.
 */
static void
form_datalists(struct page *p, struct case_form *cf)
{
	static const char *const kinds[] = { "country", "language", "location" };
	const json_t *fields = json_object_get(cf->form, "fields");
	char version[17];
	json_t *names;
	size_t k;

	for (k = 0; k < 3; k++) {
		if (!form_needs_list(p, cf, fields, kinds[k], 0) ||
		    (names = form_list_names(p, cf, kinds[k])) == NULL)
			continue;
		form_list_version(names, version);
		json_decref(names);
		HTML_RAW(&p->h, "<datalist id=\"list-");
		html_attr(&p->h, kinds[k]);
		HTML_RAW(&p->h, "\" data-src=\"/lists/");
		html_attr(&p->h, kinds[k]);
		HTML_RAW(&p->h, "?lang=");
		html_url_param(&p->h, p->lang);
		HTML_RAW(&p->h, "&amp;v=");
		html_attr(&p->h, version);
		HTML_RAW(&p->h, "\"></datalist>\n");
	}
}

void
page_list(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	struct case_form cf = { 0 };
	const char *lang = http_query(req, "lang");
	json_t *names = NULL;
	struct page p;
	int rc;

	page_init(&p, req, resp);
	if (lang != NULL && strcmp(i18n_lang(lang), lang) == 0)
		p.lang = i18n_lang(lang);
	if ((rc = case_form_load(&p, &cf)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	if ((names = form_list_names(&p, &cf, req->params[0])) == NULL) {
		page_error(req, resp, 404);
		goto out;
	}
	http_json(resp, 200, names);
	/* versioned by the page that links it; places and country names, no one's data */
	http_header_add(resp, "Cache-Control", "private, max-age=31536000, immutable");
out:
	json_decref(names);
	case_form_free(&cf);
}

void
case_form_fields(struct page *p, struct case_form *cf)
{
	const json_t *fields = json_object_get(cf->form, "fields"), *section, *f;
	struct form_input in;
	size_t s, i;
	int any;

	HTML_RAW(&p->h, "<p class=\"hint\">");
	page_say(p, "Fields marked * are required.");
	HTML_RAW(&p->h, "</p>\n");
	json_array_foreach(json_object_get(cf->form, "sections"), s, section) {
		const char *sid = json_get_str(section, "id");

		any = 0;
		json_array_foreach(fields, i, f) {
			const char *fs = json_get_str(f, "section");

			if (sid == NULL || fs == NULL || strcmp(sid, fs) != 0 ||
			    !case_form_editable(p, cf, f))
				continue;
			if (!any) {
				HTML_RAW(&p->h, "<fieldset class=\"section\" id=\"section-");
				html_attr(&p->h, sid);
				HTML_RAW(&p->h, "\"><legend>");
				html_text(&p->h, page_label(json_object_get(section, "labels"),
				    p->lang));
				HTML_RAW(&p->h, "</legend>\n");
				any = 1;
			}
			memset(&in, 0, sizeof(in));
			in.name = in.id = field_id(f);
			in.help = page_label(json_object_get(f, "help"), p->lang) != NULL;
			in.required = json_is_true(json_object_get(f, "required"));
			if (field_is(f, "subform"))
				form_field_subform(p, cf, f, &in);
			else if (field_is(f, "multi_select"))
				form_field_multi(p, cf, f, &in);
			else
				form_field_single(p, cf, f, &in);
		}
		if (any)
			HTML_RAW(&p->h, "</fieldset>\n");
	}
	form_datalists(p, cf);
}

/* ---- showing values ------------------------------------------------------------------------ */

void
case_form_show_value(struct page *p, struct case_form *cf, const json_t *f,
    const json_t *v)
{
	char text[FORM_TEXT_MAX], num[24];
	const json_t *e, *row, *sf;
	size_t i, k;

	if (v == NULL || json_is_null(v)) {
		HTML_RAW(&p->h, "<span class=\"muted\">");
		page_say(p, "(empty)");
		HTML_RAW(&p->h, "</span>");
		return;
	}
	if (json_is_boolean(v)) {
		page_say(p, json_is_true(v) ? "Yes" : "No");
		return;
	}
	if (json_is_integer(v)) {
		html_textf(&p->h, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return;
	}
	if (field_is(f, "subform") && json_is_array(v)) {
		json_array_foreach(v, i, row) {
			form_printf(num, sizeof(num), "%zu", i + 1);
			HTML_RAW(&p->h, "<div class=\"entry\"><h3>");
			page_say_args(p, "{1}, entry {2}", case_form_label(p, f), num, NULL);
			HTML_RAW(&p->h, "</h3><dl class=\"facts\">");
			json_array_foreach(json_object_get(f, "fields"), k, sf) {
				if ((e = json_object_get(row, field_id(sf))) == NULL)
					continue;
				HTML_RAW(&p->h, "<div><dt>");
				html_text(&p->h, case_form_label(p, sf));
				HTML_RAW(&p->h, "</dt><dd>");
				case_form_show_value(p, cf, sf, e);
				HTML_RAW(&p->h, "</dd></div>");
			}
			HTML_RAW(&p->h, "</dl></div>");
		}
		return;
	}
	if (json_is_array(v)) {
		json_array_foreach(v, i, e) {
			if (i > 0)
				html_text(&p->h, page_tr(p, ", "));
			case_form_show_value(p, cf, f, e);
		}
		return;
	}
	if (!json_is_string(v))
		return;
	if (field_is(f, "date")) {
		page_date(p, json_string_value(v));
	} else if (field_is(f, "location")) {
		const char *name = page_location_name(p, cf->locations, json_string_value(v));

		html_text(&p->h, name);
		if (strcmp(name, json_string_value(v)) != 0) {
			HTML_RAW(&p->h, " <span class=\"sid\">");
			html_text(&p->h, json_string_value(v));
			HTML_RAW(&p->h, "</span>");
		}
	} else if (field_is(f, "select") || field_is(f, "multi_select")) {
		page_option_text(p, f, json_string_value(v), text, sizeof(text));
		html_text(&p->h, text);
	} else if (field_is(f, "textarea")) {
		HTML_RAW(&p->h, "<bdi class=\"pre\">");
		html_text(&p->h, json_string_value(v));
		HTML_RAW(&p->h, "</bdi>");
	} else {
		HTML_RAW(&p->h, "<bdi>");
		html_text(&p->h, json_string_value(v));
		HTML_RAW(&p->h, "</bdi>");
	}
}
