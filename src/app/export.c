/*
 * export.c — what leaves RouteCare as a file: the cases a user may see (CSV, XLSX),
 * report tables tagged with HXL for other humanitarian systems, and the CTDC export of
 * VoT records made k-anonymous.
 *
 * Who may export what (config/roles.json, docs/reports.md):
 *   export.cases      supervisor: the cases of their agency, the fields their role sees
 *   export.aggregate  M&E officer, supervisor: report tables, small counts suppressed
 *   export.ctdc       M&E officer (every agency), counter-trafficking officer (their
 *                     agency): anonymised VoT records
 * Every export is one audit row ("export.cases", "export.aggregate", "export.ctdc")
 * saying how many rows went out in which format, never a value.
 *
 * Case exports go through the same use cases as the pages (app_record_list for the
 * records in scope, app_record_get for each one's visible fields), so the access
 * policy and the read audit apply to every record exported.
 *
 * The CTDC export opens the VoT bodies of the records in the caller's scope in memory
 * to take the CTDC columns of docs/ctdc.md, and nothing else leaves but the table
 * kanon_apply returns: an M&E officer, who sees no record, gets only anonymised rows.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/impl.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/csv.h"
#include "base/err.h"
#include "base/json.h"
#include "base/xlsx.h"
#include "domain/hxl.h"
#include "domain/kanon.h"

#define EXPORT_PER		100	/* records per list page */
#define EXPORT_COLS_MAX		512
#define EXPORT_TEXT_MAX		XLSX_TEXT_MAX

static const char *
tr(const struct app_words *w, const char *msgid)
{
	return w != NULL && w->tr != NULL ? w->tr(w->lang, msgid) : msgid;
}

static const char *
lang_of(const struct app_words *w)
{
	return w != NULL && w->lang != NULL ? w->lang : "en";
}

/* A label of a {"en": ..., "fr": ...} object in `lang`, else English. */
static const char *
label_in(const json_t *labels, const char *lang)
{
	const char *s = json_get_str(labels, lang);

	return s != NULL && *s != '\0' ? s : json_get_str(labels, "en");
}

/* ---- one sheet, CSV or XLSX ------------------------------------------------------- */

struct sheet {
	enum app_export_format	 fmt;
	struct buf		*out;
	struct csv		 csv;
	struct xlsx		*x;
};

static int
sheet_open(struct sheet *s, enum app_export_format fmt, struct buf *out,
    const char *name, int rtl, int big)
{
	struct xlsx_options o = { 0 };
	int rc;

	memset(s, 0, sizeof(*s));
	s->fmt = fmt;
	s->out = out;
	if (fmt == APP_EXPORT_CSV)
		return csv_init(&s->csv, out, CSV_BOM);
	o.constant_memory = big;
	if ((rc = xlsx_open(&o, &s->x)) != RC_OK)
		return rc;
	if ((rc = xlsx_sheet_add(s->x, name, rtl ? XLSX_RTL : 0)) != RC_OK &&
	    (rc = xlsx_sheet_add(s->x, NULL, rtl ? XLSX_RTL : 0)) != RC_OK) {
		xlsx_abort(s->x);
		s->x = NULL;
	}
	return rc;
}

static int
sheet_header(struct sheet *s, const char *const *names, size_t n)
{
	if (s->fmt == APP_EXPORT_CSV)
		return csv_row_text(&s->csv, names, n);
	return xlsx_header(s->x, names, n);
}

static int
sheet_text(struct sheet *s, const char *t)
{
	if (s->fmt == APP_EXPORT_CSV)
		return csv_cell_text(&s->csv, t);
	return xlsx_cell_text(s->x, t);
}

static int
sheet_int(struct sheet *s, long long v)
{
	if (s->fmt == APP_EXPORT_CSV)
		return csv_cell_int(&s->csv, v);
	return xlsx_cell_int(s->x, v);
}

/* A count as published: a number, or the suppression mark. */
static int
sheet_count(struct sheet *s, const json_t *c)
{
	if (json_is_integer(c))
		return sheet_int(s, json_integer_value(c));
	return sheet_text(s, json_is_string(c) ? json_string_value(c) : "");
}

static int
sheet_row_end(struct sheet *s)
{
	if (s->fmt == APP_EXPORT_CSV)
		return csv_row_end(&s->csv);
	return xlsx_row_end(s->x);
}

/* Close the sheet: the XLSX bytes go to s->out. */
static int
sheet_finish(struct sheet *s)
{
	struct xlsx *x = s->x;

	s->x = NULL;
	return s->fmt == APP_EXPORT_XLSX ? xlsx_finish(x, s->out) : RC_OK;
}

static void
sheet_abort(struct sheet *s)
{
	xlsx_abort(s->x);
	s->x = NULL;
}

/* ---- cases -------------------------------------------------------------------------- */

/* The display text of option `id` of field `f` in `lang`, else `id`. */
static const char *
option_text(const struct form_field *f, const char *id, const char *lang)
{
	const json_t *o;
	const char *t;
	size_t i;

	json_array_foreach(f->options, i, o)
		if (strcmp(json_get_str(o, "id") ? json_get_str(o, "id") : "", id) == 0 &&
		    (t = label_in(json_object_get(o, "display_text"), lang)) != NULL)
			return t;
	return id;
}

/* One field's value as a cell. */
static int
case_cell(struct sheet *s, const struct form_field *f, const json_t *v,
    const struct app_words *w, struct buf *tmp)
{
	const json_t *e;
	char *text;
	size_t i;
	int rc;

	if (v == NULL || json_is_null(v))
		return sheet_text(s, NULL);
	if (json_is_integer(v))
		return sheet_int(s, json_integer_value(v));
	if (json_is_boolean(v))
		return sheet_text(s, tr(w, json_is_true(v) ? "Yes" : "No"));
	if (json_is_string(v))
		return sheet_text(s, (f->type == FT_SELECT || f->type == FT_MULTI_SELECT) &&
		    f->options != NULL ? option_text(f, json_string_value(v),
		    lang_of(w)) : json_string_value(v));
	buf_reset(tmp);
	if (f->type == FT_MULTI_SELECT && json_is_array(v)) {
		json_array_foreach(v, i, e) {
			const char *id = json_string_value(e);

			if (id == NULL)
				continue;
			if ((i > 0 && buf_puts(tmp, "; ") != 0) ||
			    buf_puts(tmp, f->options != NULL ? option_text(f, id,
			    lang_of(w)) : id) != 0)
				return RC_ENOMEM;
		}
		return sheet_text(s, tmp->p != NULL ? tmp->p : "");
	}
	/* subforms: their entries as JSON text, field ids as keys */
	if ((text = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER)) == NULL)
		return RC_ENOMEM;
	rc = strlen(text) > EXPORT_TEXT_MAX ? sheet_text(s, tr(w, "(too long to export)")) :
	    sheet_text(s, text);
	sodium_memzero(text, strlen(text));
	free(text);
	return rc;
}

/* The meta columns of every case row, before the form's fields. */
static const struct case_meta_col {
	const char	*key;		/* member of the record view */
	const char	*msgid;		/* header */
} case_meta_cols[] = {
	{ "short_id",	"Case ID" },
	{ "status",	"Status" },
	{ "workflow",	"Stage" },
	{ "created_at",	"Registered" },
	{ "updated_at",	"Last updated" },
	{ "owned_by",	"Caseworker" },
};
#define CASE_META_N	(sizeof(case_meta_cols) / sizeof(case_meta_cols[0]))

struct case_export {
	struct app		*a;
	const struct app_actor	*u;
	const struct app_words	*w;
	const struct form	*form;
	const struct form_field	*cols[EXPORT_COLS_MAX];
	size_t			 ncols;
	struct sheet		 s;
	struct buf		 tmp;
	int64_t			 rows;
};

static int
case_export_row(struct case_export *ce, const json_t *c)
{
	size_t i;
	int rc;

	for (i = 0; i < CASE_META_N; i++)
		if ((rc = sheet_text(&ce->s, json_get_str(c, case_meta_cols[i].key))) !=
		    RC_OK)
			return rc;
	for (i = 0; i < ce->ncols; i++)
		if ((rc = case_cell(&ce->s, ce->cols[i], json_object_get(c,
		    ce->cols[i]->id), ce->w, &ce->tmp)) != RC_OK)
			return rc;
	ce->rows++;
	return sheet_row_end(&ce->s);
}

int
app_export_cases(struct app *a, const struct app_actor *u, enum app_export_format fmt,
    const struct app_words *w, struct buf *out, int64_t *count, struct app_error *err)
{
	struct case_export ce;
	struct app_case_query q = { 0 };
	const char *names[CASE_META_N + EXPORT_COLS_MAX];
	json_t *list = NULL, *item, *c = NULL, *fields = NULL;
	char outcome[64];
	int64_t total;
	size_t i, n;
	int rc, open = 0;

	*count = 0;
	memset(&ce, 0, sizeof(ce));
	if (!policy_allows(a->policy, &u->pu, "export.cases", NULL, NULL)) {
		audit_note(a, u, "export.cases", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not export cases");
	}
	ce.a = a;
	ce.u = u;
	ce.w = w;
	if ((ce.form = forms_get(a->forms, "case")) == NULL)
		return app_fail(err, RC_EINTERNAL, "no case form is configured");
	if ((fields = json_array()) == NULL)
		return RC_ENOMEM;
	/* the columns: every field of the form the role may see, in the form's order */
	for (i = 0, n = 0; i < CASE_META_N; i++)
		names[n++] = tr(w, case_meta_cols[i].msgid);
	for (i = 0; i < form_field_count(ce.form) && ce.ncols < EXPORT_COLS_MAX; i++) {
		const struct form_field *f = form_field_at(ce.form, i);

		if (!policy_field_visible(a->policy, &u->pu, f->sensitivity))
			continue;
		ce.cols[ce.ncols++] = f;
		names[n++] = label_in(f->labels, lang_of(w)) ? label_in(f->labels,
		    lang_of(w)) : f->id;
		json_array_append_new(fields, json_string(f->id));
	}
	if ((rc = sheet_open(&ce.s, fmt, out, tr(w, "Cases"), w != NULL && w->lang != NULL &&
	    strcmp(w->lang, "ar") == 0, 1)) != RC_OK)
		goto out;
	open = 1;
	if ((rc = sheet_header(&ce.s, names, n)) != RC_OK)
		goto out;
	q.per = EXPORT_PER;
	for (q.page = 1;; q.page++) {
		if ((rc = app_record_list(a, u, "case", &q, &list, err)) != RC_OK)
			goto out;
		json_array_foreach(json_object_get(list, "data"), i, item) {
			struct app_error gerr = { 0 };

			/* each record through the read use case: policy and audit */
			rc = app_record_get(a, u, "case", json_get_str(item, "id"), &c, &gerr);
			if (rc == RC_ENOTFOUND)
				continue;	/* gone or moved out of scope meanwhile */
			if (rc != RC_OK) {
				*err = gerr;
				goto out;
			}
			rc = case_export_row(&ce, c);
			json_decref(c);
			c = NULL;
			if (rc != RC_OK)
				goto out;
		}
		total = json_integer_value(json_object_get(json_object_get(list,
		    "metadata"), "total"));
		json_decref(list);
		list = NULL;
		if (q.page * q.per >= total)
			break;
	}
	open = 0;
	if ((rc = sheet_finish(&ce.s)) != RC_OK)
		goto out;
	*count = ce.rows;
	snprintf(outcome, sizeof(outcome), "ok: %lld cases, %s", (long long)ce.rows,
	    fmt == APP_EXPORT_CSV ? "csv" : "xlsx");
	audit_note(a, u, "export.cases", NULL, fields, outcome);
out:
	if (open)
		sheet_abort(&ce.s);
	if (rc != RC_OK) {
		audit_note(a, u, "export.cases", NULL, NULL, rc_name(rc));
		if (err->message[0] == '\0')
			app_fail(err, rc, "cannot export the cases");
	}
	buf_wipe(&ce.tmp);
	json_decref(list);
	json_decref(c);
	json_decref(fields);
	return rc;
}

/* ---- report tables with HXL tags --------------------------------------------------- */

/* How a report is counted in HXL: the measure and the attribute of what is counted. */
static const struct hxl_of {
	const char		*report;
	enum hxl_measure	 measure;
	const char		*what;
} hxl_ofs[] = {
	{ "cases",		HXL_REACHED,	"cases" },
	{ "vots",		HXL_AFFECTED,	"trafficked" },
	{ "tracing_requests",	HXL_REACHED,	"tracing" },
	{ "referrals",		HXL_REACHED,	"referred" },
};

/* The column header and HXL tag of a row dimension. */
static const struct hxl_dim {
	const char		*dim;
	const char		*msgid;
	enum hxl_dimension	 tag;
} hxl_dims[] = {
	{ "nationality",	"Nationality",		HXL_DIM_NATIONALITY },
	{ "concern",		"Protection concern",	HXL_DIM_CONCERN },
	{ "uasc",		"Unaccompanied or separated", HXL_DIM_UASC_STATUS },
	{ "risk_level",		"Risk level",		HXL_DIM_RISK_LEVEL },
	{ "stage",		"Stage",		HXL_DIM_STAGE },
	{ "status",		"Status",		HXL_DIM_STAGE },
	{ "agency",		"Agency",		HXL_DIM_ORG },
};

static int
is_count_dim(const char *d)
{
	return strcmp(d, "sex") == 0 || strcmp(d, "age_band") == 0;
}

/* The values of dimension `d` in the order the report's rows give them. */
static json_t *
dim_values(const json_t *rows, const char *d)
{
	json_t *vals = json_array(), *row;
	const json_t *v, *e;
	size_t i, j;
	int seen;

	if (vals == NULL)
		return NULL;
	json_array_foreach(rows, i, row) {
		if ((v = json_object_get(row, d)) == NULL)
			continue;
		seen = 0;
		json_array_foreach(vals, j, e)
			if (json_equal(e, v))
				seen = 1;
		if (!seen)
			json_array_append(vals, (json_t *)v);
	}
	return vals;
}

/* The count of the row whose values of `dims` are `vals` (n of them), or NULL. */
static const json_t *
row_count(const json_t *rows, const char *const *dims, const json_t *const *vals,
    size_t n)
{
	const json_t *row;
	size_t i, k;

	json_array_foreach(rows, i, row) {
		for (k = 0; k < n; k++)
			if (!json_equal(json_object_get(row, dims[k]), vals[k]))
				break;
		if (k == n)
			return json_object_get(row, "count");
	}
	return NULL;
}

/* The margin of dimension `d` at value `v` (totals[d]), or NULL. */
static const json_t *
margin(const json_t *data, const char *d, const json_t *v)
{
	const json_t *row;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(data, "totals"), d), i, row)
		if (json_equal(json_object_get(row, d), v))
			return json_object_get(row, "count");
	return NULL;
}

/* The HXL tag of a count column for a sex (or NULL: all) and an age band (or NULL). */
static int
count_tag(const struct hxl_of *of, const char *sex, const char *band, char *out,
    size_t outsz)
{
	const char *extra[3];
	size_t nextra = 0;
	int lo = HXL_AGE_ALL, hi = HXL_AGE_OPEN;

	extra[nextra++] = of->what;
	if (sex != NULL && *sex == '\0')
		sex = "unknown";
	if (band != NULL && (*band == '\0' || hxl_band_parse(band, &lo, &hi) != 0)) {
		lo = HXL_AGE_ALL;
		hi = HXL_AGE_OPEN;
		extra[nextra++] = "age_unknown";
	}
	return hxl_count_tag(of->measure, sex, lo, hi, extra, nextra, out, outsz);
}

/* A column header of a count: "Female 12-14", "Total". */
static void
count_header(const struct app *a, const struct app_words *w, const char *sex,
    const char *band, char *out, size_t outsz)
{
	const struct form_field *f = form_field_find(forms_get(a->forms, "case"), "sex");
	const char *st = sex == NULL ? NULL : *sex == '\0' ? tr(w, "Not recorded") :
	    f != NULL ? option_text(f, sex, lang_of(w)) : sex;
	const char *bt = band == NULL ? NULL : *band == '\0' ? tr(w, "Age not recorded") :
	    band;

	snprintf(out, outsz, "%s%s%s", st ? st : "", st && bt ? " " : "", bt ? bt : "");
}

/* The first and last day of month "YYYY-MM", within the report's period. */
static void
month_bounds(const char *ym, const json_t *meta, char from[DATE_SIZE], char to[DATE_SIZE])
{
	static const int mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *pf = json_get_str(meta, "from"), *pt = json_get_str(meta, "to");
	int y = 0, m = 1, d;

	if (sscanf(ym, "%4d-%2d", &y, &m) != 2 || m < 1 || m > 12)
		y = 1970, m = 1;
	d = mdays[m - 1] + (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
	snprintf(from, DATE_SIZE, "%04u-%02u-01", (unsigned)y % 10000u, (unsigned)m % 100u);
	snprintf(to, DATE_SIZE, "%04u-%02u-%02u", (unsigned)y % 10000u, (unsigned)m % 100u,
	    (unsigned)d % 100u);
	if (pf != NULL && strcmp(pf, from) > 0)
		str_copy(from, DATE_SIZE, pf);
	if (pt != NULL && strcmp(pt, to) < 0)
		str_copy(to, DATE_SIZE, pt);
}

#define AGG_COLS_MAX	256

struct agg {
	struct app		*a;
	const struct app_words	*w;
	const json_t		*data, *meta;
	const struct hxl_of	*of;
	const char		*rowdims[REPORT_DIMS_MAX], *cntdims[REPORT_DIMS_MAX];
	size_t			 nrow, ncnt;
	json_t			*rowvals[REPORT_DIMS_MAX], *cntvals[REPORT_DIMS_MAX];
	int			 level;		/* location level of the report */
	/* the header row and the HXL row */
	char			 head[AGG_COLS_MAX][96], tag[AGG_COLS_MAX][HXL_TAG_MAX];
	size_t			 ncols;
};

static int
agg_col(struct agg *g, const char *head, const char *tag)
{
	if (g->ncols == AGG_COLS_MAX)
		return RC_ETOOBIG;
	str_copy(g->head[g->ncols], sizeof(g->head[0]), head);
	str_copy(g->tag[g->ncols], sizeof(g->tag[0]), tag);
	g->ncols++;
	return RC_OK;
}

/* The columns: period (or month), row dimensions, one count per sex/age combination
 * and a total. */
static int
agg_columns(struct agg *g)
{
	char head[96], tag[HXL_TAG_MAX];
	size_t i, j, k, n0, n1;
	int rc = RC_OK, month = 0;

	for (i = 0; i < g->nrow; i++)
		month |= strcmp(g->rowdims[i], "month") == 0;
	if (!month) {
		rc |= agg_col(g, tr(g->w, "Period from"), hxl_dimension_tag(HXL_DIM_DATE_START));
		rc |= agg_col(g, tr(g->w, "Period to"), hxl_dimension_tag(HXL_DIM_DATE_END));
	}
	for (i = 0; i < g->nrow; i++) {
		const char *d = g->rowdims[i];

		if (strcmp(d, "month") == 0) {
			rc |= agg_col(g, tr(g->w, "Month from"),
			    hxl_dimension_tag(HXL_DIM_DATE_START));
			rc |= agg_col(g, tr(g->w, "Month to"),
			    hxl_dimension_tag(HXL_DIM_DATE_END));
		} else if (strcmp(d, "location") == 0) {
			rc |= agg_col(g, tr(g->w, "Location"), hxl_dimension_tag(
			    g->level <= 0 ? HXL_DIM_COUNTRY : (enum hxl_dimension)
			    (HXL_DIM_ADM1 + g->level - 1)));
		} else {
			for (k = 0; k < sizeof(hxl_dims) / sizeof(hxl_dims[0]); k++)
				if (strcmp(hxl_dims[k].dim, d) == 0)
					break;
			if (k == sizeof(hxl_dims) / sizeof(hxl_dims[0]))
				return RC_EINTERNAL;
			rc |= agg_col(g, tr(g->w, hxl_dims[k].msgid),
			    hxl_dimension_tag(hxl_dims[k].tag));
		}
	}
	n0 = g->ncnt > 0 ? json_array_size(g->cntvals[0]) : 0;
	n1 = g->ncnt > 1 ? json_array_size(g->cntvals[1]) : 1;
	for (i = 0; i < n0; i++)
		for (j = 0; j < n1; j++) {
			const char *v0 = json_string_value(json_array_get(g->cntvals[0], i));
			const char *v1 = g->ncnt > 1 ?
			    json_string_value(json_array_get(g->cntvals[1], j)) : NULL;
			const char *sex = strcmp(g->cntdims[0], "sex") == 0 ? v0 :
			    g->ncnt > 1 ? v1 : NULL;
			const char *band = strcmp(g->cntdims[0], "age_band") == 0 ? v0 :
			    g->ncnt > 1 ? v1 : NULL;

			if (count_tag(g->of, sex, band, tag, sizeof(tag)) != 0)
				return RC_EINTERNAL;
			count_header(g->a, g->w, sex, band, head, sizeof(head));
			rc |= agg_col(g, head, tag);
		}
	if (count_tag(g->of, NULL, NULL, tag, sizeof(tag)) != 0)
		return RC_EINTERNAL;
	rc |= agg_col(g, tr(g->w, "Total"), tag);
	return rc != RC_OK ? RC_ETOOBIG : RC_OK;
}

/* One output row: the row dimensions at `vals` (g->nrow of them). */
static int
agg_row(struct agg *g, struct sheet *s, const json_t *const *vals)
{
	const json_t *rows = json_object_get(g->data, "rows"), *cnt;
	const char *dims[REPORT_DIMS_MAX * 2];
	const json_t *keys[REPORT_DIMS_MAX * 2];
	char from[DATE_SIZE], to[DATE_SIZE];
	size_t i, j, n0, n1, n;
	int rc = RC_OK, month = 0;

	for (i = 0; i < g->nrow; i++)
		month |= strcmp(g->rowdims[i], "month") == 0;
	if (!month) {
		rc |= sheet_text(s, json_get_str(g->meta, "from"));
		rc |= sheet_text(s, json_get_str(g->meta, "to"));
	}
	for (i = 0; i < g->nrow; i++) {
		dims[i] = g->rowdims[i];
		keys[i] = vals[i];
		if (strcmp(g->rowdims[i], "month") == 0) {
			month_bounds(json_string_value(vals[i]) ? json_string_value(vals[i]) :
			    "", g->meta, from, to);
			rc |= sheet_text(s, from);
			rc |= sheet_text(s, to);
		} else
			rc |= sheet_text(s, json_string_value(vals[i]));
	}
	n0 = g->ncnt > 0 ? json_array_size(g->cntvals[0]) : 0;
	n1 = g->ncnt > 1 ? json_array_size(g->cntvals[1]) : 1;
	for (i = 0; i < n0; i++)
		for (j = 0; j < n1; j++) {
			n = g->nrow;
			dims[n] = g->cntdims[0];
			keys[n++] = json_array_get(g->cntvals[0], i);
			if (g->ncnt > 1) {
				dims[n] = g->cntdims[1];
				keys[n++] = json_array_get(g->cntvals[1], j);
			}
			cnt = row_count(rows, dims, keys, n);
			rc |= cnt != NULL ? sheet_count(s, cnt) : sheet_int(s, 0);
		}
	/* the total of this row: the report's total, a margin, or the row's count */
	if (g->nrow == 0)
		cnt = json_object_get(g->data, "total");
	else if (g->ncnt == 0)
		cnt = row_count(rows, g->rowdims, vals, g->nrow);
	else
		cnt = margin(g->data, g->rowdims[0], vals[0]);
	rc |= cnt != NULL ? sheet_count(s, cnt) : sheet_int(s, 0);
	rc |= sheet_row_end(s);
	return rc != RC_OK ? RC_ENOMEM : RC_OK;
}

/* The indicators of the timeliness report: one row each. */
static int
agg_indicators(struct sheet *s, const json_t *data, const json_t *meta,
    const struct app_words *w)
{
	const char *names[5];
	const json_t *row, *pct;
	size_t i;
	int rc = RC_OK;

	names[0] = tr(w, "Period from");
	names[1] = tr(w, "Period to");
	names[2] = tr(w, "Indicator");
	names[3] = tr(w, "Count");
	names[4] = tr(w, "Percent");
	rc |= sheet_header(s, names, 5);
	rc |= sheet_text(s, hxl_dimension_tag(HXL_DIM_DATE_START));
	rc |= sheet_text(s, hxl_dimension_tag(HXL_DIM_DATE_END));
	rc |= sheet_text(s, hxl_dimension_tag(HXL_DIM_INDICATOR));
	rc |= sheet_text(s, hxl_dimension_tag(HXL_DIM_INDICATOR_VALUE));
	rc |= sheet_text(s, hxl_dimension_tag(HXL_DIM_INDICATOR_PCT));
	rc |= sheet_row_end(s);
	json_array_foreach(json_object_get(data, "rows"), i, row) {
		char num[32];

		rc |= sheet_text(s, json_get_str(meta, "from"));
		rc |= sheet_text(s, json_get_str(meta, "to"));
		rc |= sheet_text(s, json_get_str(row, "indicator"));
		rc |= sheet_count(s, json_object_get(row, "count"));
		pct = json_object_get(row, "percent");
		if (json_is_number(pct)) {
			snprintf(num, sizeof(num), "%.1f", json_number_value(pct));
			rc |= sheet_text(s, num);
		} else
			rc |= sheet_text(s, json_string_value(pct));
		rc |= sheet_row_end(s);
	}
	return rc != RC_OK ? RC_ENOMEM : RC_OK;
}

int
app_export_aggregate(struct app *a, const struct app_actor *u,
    const struct app_report_query *q, enum app_export_format fmt,
    const struct app_words *w, struct buf *out, struct app_error *err)
{
	struct app_report_query eq = *q;
	struct agg *g = NULL;
	struct sheet s;
	const char *names[AGG_COLS_MAX];
	const json_t *by, *data, *d;
	json_t *rep = NULL, *fields = NULL;
	const json_t *vals[REPORT_DIMS_MAX];
	char outcome[64];
	size_t i, j, n0, n1;
	int rc, open = 0;

	memset(&s, 0, sizeof(s));
	if (!policy_allows(a->policy, &u->pu, "export.aggregate", NULL, NULL)) {
		audit_note(a, u, "export.aggregate", NULL, NULL,
		    "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not export reports");
	}
	/* whatever leaves the agency has its small counts suppressed */
	eq.external = 1;
	if (eq.by != NULL && strstr(eq.by, "location") != NULL && eq.location_level < 0)
		eq.location_level = 1;
	if (eq.location_level > 5)
		return app_fail(err, RC_EINVALID, "location_level: HXL tags admin levels "
		    "0 (country) to 5");
	if ((rc = app_report_get(a, u, &eq, &rep, err)) != RC_OK)
		return rc;
	data = json_object_get(rep, "data");
	if ((g = calloc(1, sizeof(*g))) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	g->a = a;
	g->w = w;
	g->data = data;
	g->meta = json_object_get(rep, "metadata");
	g->level = eq.location_level;
	if ((rc = sheet_open(&s, fmt, out, tr(w, "Report"), w != NULL && w->lang != NULL &&
	    strcmp(w->lang, "ar") == 0, 0)) != RC_OK)
		goto out;
	open = 1;
	if (json_get_str(data, "type") == NULL) {
		if ((rc = agg_indicators(&s, data, g->meta, w)) != RC_OK)
			goto out;
		goto done;
	}
	for (i = 0; i < sizeof(hxl_ofs) / sizeof(hxl_ofs[0]); i++)
		if (strcmp(hxl_ofs[i].report, json_get_str(data, "report")) == 0)
			g->of = &hxl_ofs[i];
	if (g->of == NULL) {
		rc = app_fail(err, RC_EINVALID, "report: no export for this report");
		goto out;
	}
	by = json_object_get(data, "by");
	json_array_foreach(by, i, d) {
		const char *dn = json_string_value(d);

		if (is_count_dim(dn)) {
			g->cntdims[g->ncnt] = dn;
			g->cntvals[g->ncnt++] = dim_values(json_object_get(data, "rows"), dn);
		} else {
			g->rowdims[g->nrow] = dn;
			g->rowvals[g->nrow++] = dim_values(json_object_get(data, "rows"), dn);
		}
	}
	if ((rc = agg_columns(g)) != RC_OK) {
		rc = app_fail(err, RC_EINVALID, "by: too many columns for one table");
		goto out;
	}
	for (i = 0; i < g->ncols; i++)
		names[i] = g->head[i];
	if ((rc = sheet_header(&s, names, g->ncols)) != RC_OK)
		goto out;
	for (i = 0; i < g->ncols; i++)
		if ((rc = sheet_text(&s, g->tag[i])) != RC_OK)
			goto out;
	if ((rc = sheet_row_end(&s)) != RC_OK)
		goto out;
	n0 = g->nrow > 0 ? json_array_size(g->rowvals[0]) : 1;
	n1 = g->nrow > 1 ? json_array_size(g->rowvals[1]) : 1;
	for (i = 0; i < n0; i++)
		for (j = 0; j < n1; j++) {
			vals[0] = g->nrow > 0 ? json_array_get(g->rowvals[0], i) : NULL;
			vals[1] = g->nrow > 1 ? json_array_get(g->rowvals[1], j) : NULL;
			if ((rc = agg_row(g, &s, vals)) != RC_OK)
				goto out;
		}
done:
	open = 0;
	if ((rc = sheet_finish(&s)) != RC_OK)
		goto out;
	if ((fields = json_copy(json_object_get(data, "by"))) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	snprintf(outcome, sizeof(outcome), "ok: %s, %s", json_get_str(data, "report"),
	    fmt == APP_EXPORT_CSV ? "csv" : "xlsx");
	audit_note(a, u, "export.aggregate", NULL, fields, outcome);
out:
	if (open)
		sheet_abort(&s);
	if (rc != RC_OK && err->message[0] == '\0')
		app_fail(err, rc, "cannot export the report");
	for (i = 0; g != NULL && i < REPORT_DIMS_MAX; i++) {
		json_decref(g->rowvals[i]);
		json_decref(g->cntvals[i]);
	}
	free(g);
	json_decref(fields);
	json_decref(rep);
	return rc;
}

/* ---- CTDC ---------------------------------------------------------------------------- */

/*
 * The CTDC columns (docs/ctdc.md). Families of flag columns are kept as one
 * quasi-identifier while anonymising: the set of columns a record sets, joined by "|"
 * ("-99" when its field is empty), so the lattice stays narrow and every combination
 * of flags counts as one value. After kanon_apply each family is written back as its
 * columns: 1 for a member, -99 otherwise, "*" everywhere when the family was
 * suppressed. Derived columns (majorityStatus, isSexAndLabour, *NotSpecified) are
 * computed from the anonymised cells, so they reveal nothing the QIs hide.
 */
enum ctdc_qi {
	CQ_GENDER, CQ_AGE, CQ_CITIZENSHIP, CQ_EXPLOITATION_COUNTRY, CQ_YEAR,
	CQ_MAJORITY_AT_EXPLOIT, CQ_EXPLOIT, CQ_CONTROL, CQ_LABOUR, CQ_SEX, CQ_ABDUCTION,
	CQ_RECRUITER, CQ__MAX
};

static const struct ctdc_qi_def {
	const char		*name;
	enum kanon_hierarchy	 h;
	unsigned		 min_level;
	unsigned		 weight;	/* the cost of losing it: age and gender most */
} ctdc_qis[CQ__MAX] = {
	[CQ_GENDER] =			{ "gender", KANON_H_GENERIC, 0, 1000 },
	[CQ_AGE] =			{ "ageBroad", KANON_H_AGE, 1, 1000 },
	[CQ_CITIZENSHIP] =		{ "citizenship", KANON_H_COUNTRY, 0, 300 },
	[CQ_EXPLOITATION_COUNTRY] =	{ "CountryOfExploitation", KANON_H_COUNTRY, 0, 200 },
	[CQ_YEAR] =			{ "yearOfRegistration", KANON_H_YEAR, 0, 100 },
	[CQ_MAJORITY_AT_EXPLOIT] =	{ "majorityStatusAtExploit", KANON_H_GENERIC, 0, 50 },
	[CQ_EXPLOIT] =			{ "exploitation types", KANON_H_GENERIC, 0, 600 },
	[CQ_CONTROL] =			{ "means of control", KANON_H_GENERIC, 0, 50 },
	[CQ_LABOUR] =			{ "types of labour", KANON_H_GENERIC, 0, 50 },
	[CQ_SEX] =			{ "types of sexual exploitation", KANON_H_GENERIC, 0, 50 },
	[CQ_ABDUCTION] =		{ "isAbduction", KANON_H_GENERIC, 0, 50 },
	[CQ_RECRUITER] =		{ "recruiter relation", KANON_H_GENERIC, 0, 50 },
};

static const char *const ctdc_control[] = {
	"meansOfControlDebtBondage", "meansOfControlTakesEarnings",
	"meansOfControlRestrictsFinancialAccess", "meansOfControlThreats",
	"meansOfControlPsychologicalAbuse", "meansOfControlPhysicalAbuse",
	"meansOfControlSexualAbuse", "meansOfControlFalsePromises",
	"meansOfControlPsychoactiveSubstances", "meansOfControlRestrictsMovement",
	"meansOfControlRestrictsMedicalCare", "meansOfControlExcessiveWorkingHours",
	"meansOfControlUsesChildren", "meansOfControlThreatOfLawEnforcement",
	"meansOfControlWithholdsNecessities", "meansOfControlWithholdsDocuments",
	"meansOfControlOther", NULL
};
static const char *const ctdc_exploit[] = {
	"isForcedLabour", "isSexualExploit", "isOtherExploit", "isForcedMarriage",
	"isForcedMilitary", "isOrganRemoval", "isSlaveryAndPractices", NULL
};
static const char *const ctdc_labour[] = {
	"typeOfLabourAgriculture", "typeOfLabourAquafarming", "typeOfLabourBegging",
	"typeOfLabourConstruction", "typeOfLabourDomesticWork", "typeOfLabourHospitality",
	"typeOfLabourIllicitActivities", "typeOfLabourManufacturing",
	"typeOfLabourMiningOrDrilling", "typeOfLabourPeddling",
	"typeOfLabourTransportation", "typeOfLabourOther", NULL
};
static const char *const ctdc_sex[] = {
	"typeOfSexProstitution", "typeOfSexPornography",
	"typeOfSexRemoteInteractiveServices", "typeOfSexPrivateSexualServices", NULL
};
static const char *const ctdc_recruiter[] = {
	"recruiterRelationIntimatePartner", "recruiterRelationFriend",
	"recruiterRelationFamily", "recruiterRelationOther", "recruiterRelationUnknown",
	NULL
};

/* Option ids that set other columns than their own (docs/ctdc.md). */
static const char *const ctdc_aliases[][3] = {
	{ "forcedCriminalActivity", "isForcedLabour", "typeOfLabourIllicitActivities" },
	{ "forcedBegging", "isForcedLabour", "typeOfLabourBegging" },
	{ "threatensFamily", "meansOfControlThreats", NULL },
};

/* The index of `col` in `family`, or -1. */
static int
family_index(const char *const *family, const char *col)
{
	int i;

	for (i = 0; family[i] != NULL; i++)
		if (strcmp(family[i], col) == 0)
			return i;
	return -1;
}

static const char *const *const ctdc_families[CQ__MAX] = {
	[CQ_EXPLOIT] = ctdc_exploit, [CQ_CONTROL] = ctdc_control,
	[CQ_LABOUR] = ctdc_labour, [CQ_SEX] = ctdc_sex, [CQ_RECRUITER] = ctdc_recruiter,
};

/* The columns each family of one record sets, as bits in the family's order. */
struct ctdc_sets {
	unsigned long	mask[CQ__MAX];
	char		val[CQ__MAX][1024];
};

/* Set column `col` in whichever family has it. */
static void
sets_add(struct ctdc_sets *cs, const char *col)
{
	size_t q;
	int i;

	for (q = 0; q < CQ__MAX; q++)
		if (ctdc_families[q] != NULL && (i = family_index(ctdc_families[q], col)) >= 0)
			cs->mask[q] |= 1ul << i;
}

/* Every option of the multi_select `field` into the columns it sets. */
static void
sets_from(struct ctdc_sets *cs, const json_t *data, const char *field)
{
	const json_t *e;
	size_t i, k;

	json_array_foreach(json_object_get(data, field), i, e) {
		const char *id = json_string_value(e);

		if (id == NULL)
			continue;
		for (k = 0; k < sizeof(ctdc_aliases) / sizeof(ctdc_aliases[0]); k++)
			if (strcmp(ctdc_aliases[k][0], id) == 0)
				break;
		if (k == sizeof(ctdc_aliases) / sizeof(ctdc_aliases[0])) {
			sets_add(cs, id);
			continue;
		}
		sets_add(cs, ctdc_aliases[k][1]);
		if (ctdc_aliases[k][2] != NULL)
			sets_add(cs, ctdc_aliases[k][2]);
	}
}

/* A family's value: its columns joined by "|", or KANON_MISSING when none is set. */
static const char *
sets_value(struct ctdc_sets *cs, enum ctdc_qi q)
{
	const char *const *f = ctdc_families[q];
	char *v = cs->val[q];
	size_t i;

	v[0] = '\0';
	for (i = 0; f[i] != NULL; i++) {
		if (!(cs->mask[q] & (1ul << i)))
			continue;
		if (v[0] != '\0')
			strncat(v, "|", sizeof(cs->val[q]) - strlen(v) - 1);
		strncat(v, f[i], sizeof(cs->val[q]) - strlen(v) - 1);
	}
	return v[0] != '\0' ? v : KANON_MISSING;
}

static int
array_has(const json_t *a, const char *s)
{
	const json_t *e;
	size_t i;

	json_array_foreach(a, i, e)
		if (json_is_string(e) && strcmp(json_string_value(e), s) == 0)
			return 1;
	return 0;
}

/* The QI cells of one VoT record. */
static int
ctdc_row(struct kanon_table *t, const json_t *data)
{
	struct ctdc_sets *cs;
	const char *cells[CQ__MAX], *s;
	const json_t *v;
	char age[16], year[16];
	int rc;

	if ((cs = calloc(1, sizeof(*cs))) == NULL)
		return RC_ENOMEM;
	s = json_get_str(data, "sex");
	cells[CQ_GENDER] = s != NULL && strcmp(s, "female") == 0 ? "Female" :
	    s != NULL && strcmp(s, "male") == 0 ? "Male" : KANON_MISSING;
	v = json_object_get(data, "age_at_identification");
	if (json_is_integer(v) && json_integer_value(v) >= 0 &&
	    json_integer_value(v) <= 150) {
		snprintf(age, sizeof(age), "%d", (int)json_integer_value(v));
		cells[CQ_AGE] = age;
	} else
		cells[CQ_AGE] = KANON_MISSING;
	cells[CQ_CITIZENSHIP] = (s = json_get_str(data, "citizenship")) ? s : KANON_MISSING;
	cells[CQ_EXPLOITATION_COUNTRY] = (s = json_get_str(data,
	    "country_of_exploitation")) ? s : KANON_MISSING;
	v = json_object_get(data, "year_of_registration");
	if (json_is_integer(v)) {
		snprintf(year, sizeof(year), "%d", (int)json_integer_value(v));
		cells[CQ_YEAR] = year;
	} else if ((s = json_get_str(data, "identification_date")) != NULL &&
	    strlen(s) >= 4) {
		memcpy(year, s, 4);
		year[4] = '\0';
		cells[CQ_YEAR] = year;
	} else
		cells[CQ_YEAR] = KANON_MISSING;
	s = json_get_str(data, "majority_status_at_exploitation");
	cells[CQ_MAJORITY_AT_EXPLOIT] = s != NULL && strcmp(s, "minor") == 0 ? "Minor" :
	    s != NULL && strcmp(s, "adult") == 0 ? "Adult" : KANON_MISSING;
	sets_from(cs, data, "exploitation_types");
	sets_from(cs, data, "means_of_control");
	sets_from(cs, data, "labour_sectors");
	sets_from(cs, data, "sexual_exploitation_types");
	sets_from(cs, data, "recruiter_relation");
	cells[CQ_EXPLOIT] = sets_value(cs, CQ_EXPLOIT);
	cells[CQ_CONTROL] = sets_value(cs, CQ_CONTROL);
	cells[CQ_LABOUR] = sets_value(cs, CQ_LABOUR);
	cells[CQ_SEX] = sets_value(cs, CQ_SEX);
	cells[CQ_RECRUITER] = sets_value(cs, CQ_RECRUITER);
	v = json_object_get(data, "recruitment_type");
	cells[CQ_ABDUCTION] = !json_is_array(v) || json_array_size(v) == 0 ? KANON_MISSING :
	    array_has(v, "abduction") ? "1" : "0";
	rc = kanon_table_add_row(t, cells);
	free(cs);
	return rc;
}

/* Reading the VoT records in scope into the table. */
struct ctdc_read {
	struct app		*a;
	const struct app_actor	*u;	/* NULL: the operator */
	const struct report_config *cfg;
	struct kanon_table	*t;
	int64_t			 seen, records, skipped;
	struct app_error	*err;
};

static int
ctdc_read_row(void *arg, struct store_record *r)
{
	struct ctdc_read *c = arg;
	struct vault_dk dk;
	json_t *data = NULL;
	const char *outcome;
	size_t i;
	int rc, keep = 0;

	c->seen++;
	if (c->u != NULL && !policy_allows(c->a->policy, &c->u->pu, "export.ctdc", &r->m,
	    NULL)) {
		store_record_free(r);
		return 0;
	}
	c->records++;
	rc = app_rec_open(c->a, r, &dk, &data, c->err);
	vault_dk_wipe(&dk);
	store_record_free(r);
	if (rc != RC_OK)
		return rc;
	/* consent to anonymised sharing, and an outcome the programme exports */
	outcome = json_get_str(data, "screening_outcome");
	for (i = 0; outcome != NULL && i < c->cfg->noutcomes; i++)
		keep |= strcmp(outcome, c->cfg->outcomes[i]) == 0;
	if (keep && json_is_true(json_object_get(data, "consent_reporting")))
		rc = ctdc_row(c->t, data);
	else
		c->skipped++;
	json_decref(data);
	return rc;
}

/* One family written back as its columns. */
static int
ctdc_write_family(struct csv *w, const char *cell, const char *const *family,
    int not_specified)
{
	size_t i, n;
	int rc = RC_OK, star = strcmp(cell, KANON_SUPPRESSED) == 0;
	int missing = strcmp(cell, KANON_MISSING) == 0;

	for (i = 0; family[i] != NULL; i++) {
		const char *p;
		int member = 0;

		n = strlen(family[i]);
		for (p = cell; !star && !missing && (p = strstr(p, family[i])) != NULL; p += n)
			if ((p == cell || p[-1] == '|') && (p[n] == '|' || p[n] == '\0'))
				member = 1;
		rc |= star ? csv_cell_text(w, KANON_SUPPRESSED) :
		    csv_cell_int(w, member ? 1 : -99);
	}
	if (not_specified)
		rc |= star ? csv_cell_text(w, KANON_SUPPRESSED) :
		    csv_cell_int(w, missing ? 1 : -99);
	return rc != RC_OK ? RC_ENOMEM : RC_OK;
}

/* A cell of the anonymised table: CTDC's missing value as the number -99 (as text it
 * would be taken for a formula and prefixed). */
static int
ctdc_cell(struct csv *w, const char *s)
{
	return strcmp(s, KANON_MISSING) == 0 ? csv_cell_int(w, -99) : csv_cell_text(w, s);
}

static int
ctdc_has(const char *cell, const char *col)
{
	size_t n = strlen(col);
	const char *p;

	for (p = cell; (p = strstr(p, col)) != NULL; p += n)
		if ((p == cell || p[-1] == '|') && (p[n] == '|' || p[n] == '\0'))
			return 1;
	return 0;
}

static int
ctdc_write(const struct kanon_table *t, struct buf *out, size_t *stars)
{
	struct csv w;
	const char *c[CQ__MAX], *age, *ex;
	size_t r, i, before, rows = kanon_table_rows(t);
	int rc = RC_OK;

	rc |= csv_init(&w, out, CSV_BOM);
	/* the header */
	rc |= csv_cell_text(&w, "yearOfRegistration");
	rc |= csv_cell_text(&w, "gender");
	rc |= csv_cell_text(&w, "ageBroad");
	rc |= csv_cell_text(&w, "majorityStatus");
	rc |= csv_cell_text(&w, "majorityStatusAtExploit");
	rc |= csv_cell_text(&w, "citizenship");
	rc |= csv_cell_text(&w, "CountryOfExploitation");
	for (i = 0; ctdc_control[i] != NULL; i++)
		rc |= csv_cell_text(&w, ctdc_control[i]);
	rc |= csv_cell_text(&w, "meansOfControlNotSpecified");
	for (i = 0; ctdc_exploit[i] != NULL; i++)
		rc |= csv_cell_text(&w, ctdc_exploit[i]);
	rc |= csv_cell_text(&w, "isSexAndLabour");
	for (i = 0; ctdc_labour[i] != NULL; i++)
		rc |= csv_cell_text(&w, ctdc_labour[i]);
	rc |= csv_cell_text(&w, "typeOfLabourNotSpecified");
	for (i = 0; ctdc_sex[i] != NULL; i++)
		rc |= csv_cell_text(&w, ctdc_sex[i]);
	rc |= csv_cell_text(&w, "isAbduction");
	for (i = 0; ctdc_recruiter[i] != NULL; i++)
		rc |= csv_cell_text(&w, ctdc_recruiter[i]);
	rc |= csv_row_end(&w);
	*stars = 0;
	for (r = 0; r < rows && rc == RC_OK; r++) {
		for (i = 0; i < CQ__MAX; i++)
			c[i] = kanon_table_cell(t, r, i);
		age = c[CQ_AGE];
		ex = c[CQ_EXPLOIT];
		before = out->len;
		rc |= ctdc_cell(&w, c[CQ_YEAR]);
		rc |= ctdc_cell(&w, c[CQ_GENDER]);
		rc |= ctdc_cell(&w, age);
		/* majorityStatus from the band as published, never finer */
		rc |= ctdc_cell(&w, strcmp(age, KANON_SUPPRESSED) == 0 ||
		    strcmp(age, KANON_MISSING) == 0 || strcmp(age, "Minor") == 0 ||
		    strcmp(age, "Adult") == 0 ? age : strcmp(age, "0--8") == 0 ||
		    strcmp(age, "9--17") == 0 ? "Minor" : "Adult");
		rc |= ctdc_cell(&w, c[CQ_MAJORITY_AT_EXPLOIT]);
		rc |= ctdc_cell(&w, c[CQ_CITIZENSHIP]);
		rc |= ctdc_cell(&w, c[CQ_EXPLOITATION_COUNTRY]);
		rc |= ctdc_write_family(&w, c[CQ_CONTROL], ctdc_control, 1);
		rc |= ctdc_write_family(&w, ex, ctdc_exploit, 0);
		rc |= strcmp(ex, KANON_SUPPRESSED) == 0 ? csv_cell_text(&w, KANON_SUPPRESSED) :
		    csv_cell_int(&w, ctdc_has(ex, "isForcedLabour") &&
		    ctdc_has(ex, "isSexualExploit") ? 1 : -99);
		rc |= ctdc_write_family(&w, c[CQ_LABOUR], ctdc_labour, 1);
		rc |= ctdc_write_family(&w, c[CQ_SEX], ctdc_sex, 0);
		rc |= ctdc_cell(&w, c[CQ_ABDUCTION]);
		rc |= ctdc_write_family(&w, c[CQ_RECRUITER], ctdc_recruiter, 0);
		rc |= csv_row_end(&w);
		/* count the suppressed cells of the row as written */
		for (i = before; i < out->len; i++)
			if (out->p[i] == '*' && i > 0 && out->p[i - 1] == '"')
				(*stars)++;
	}
	return rc != RC_OK ? RC_ENOMEM : RC_OK;
}

int
app_export_ctdc(struct app *a, const struct app_actor *u, size_t k, struct buf *out,
    struct app_ctdc_report *rep, struct app_error *err)
{
	struct report_config cfg;
	struct store_filter f = { 0 };
	struct kanon_spec spec;
	struct kanon_report kr[2];
	struct ctdc_read c = { 0 };
	char outcome[64];
	size_t i, start = out->len;
	int rc, pass;

	memset(rep, 0, sizeof(*rep));
	if (u != NULL && !policy_allows(a->policy, &u->pu, "export.ctdc", NULL, NULL)) {
		audit_note(a, u, "export.ctdc", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not export VoT records");
	}
	if ((rc = report_config_load(&cfg, err)) != RC_OK)
		return rc;
	if (k == 0)
		k = cfg.k;
	if (k < 2 || k > 1000)
		return app_fail(err, RC_EINVALID, "k: must be 2 to 1000");
	f.type = "vot";
	if (u != NULL) {
		switch (policy_scope(a->policy, &u->pu)) {
		case SCOPE_ALL:
			break;
		case SCOPE_AGENCY:
			f.agency_id = u->pu.agency_id;
			break;
		case SCOPE_OWN:
			f.owner_id = u->pu.id;
			break;
		case SCOPE_LOCATION:
			if (u->pu.location_code[0] != '\0') {
				f.location_prefix = u->pu.location_code;
				break;
			}
			/* FALLTHROUGH */
		case SCOPE_NONE:
			return app_fail(err, RC_EDENIED, "your role has no VoT records in "
			    "its scope");
		}
	}
	if ((c.t = kanon_table_new(CQ__MAX)) == NULL)
		return RC_ENOMEM;
	c.a = a;
	c.u = u;
	c.cfg = &cfg;
	c.err = err;
	f.limit = 1000;
	do {
		c.seen = 0;
		if ((rc = store_record_list(a->store, &f, NULL, ctdc_read_row, &c)) !=
		    RC_OK) {
			if (err->message[0] == '\0')
				app_fail(err, rc, "cannot read the VoT records");
			goto out;
		}
		f.offset += f.limit;
	} while (c.seen == f.limit);
	/*
	 * Two passes. The demographic columns and the type of exploitation first, on a
	 * lattice small enough for the ordered scan to find the least lossy recoding;
	 * then every column, the families of flags included, on that result. Listing
	 * the many flag families in one pass sends the search to its greedy climb,
	 * which gives up gender and age before the flags (docs/reports.md).
	 */
	for (pass = 0; pass < 2; pass++) {
		memset(&spec, 0, sizeof(spec));
		for (i = 0; i < CQ__MAX; i++) {
			if (pass == 0 && i > CQ_EXPLOIT)
				continue;
			spec.qi[spec.nqi].col = i;
			spec.qi[spec.nqi].hierarchy = ctdc_qis[i].h;
			spec.qi[spec.nqi].min_level = ctdc_qis[i].min_level;
			spec.qi[spec.nqi].weight = pass == 1 && i > CQ_EXPLOIT ? 1 :
			    ctdc_qis[i].weight;
			spec.nqi++;
		}
		if ((rc = kanon_apply(c.t, &spec, k, cfg.max_suppress, &kr[pass])) !=
		    RC_OK) {
			rc = app_fail(err, rc, "cannot anonymise the VoT records");
			goto out;
		}
	}
	if ((rc = ctdc_write(c.t, out, &rep->cells_suppressed)) != RC_OK)
		goto out;
	rep->k = k;
	rep->records = (size_t)c.records;
	rep->rows_in = kr[0].rows_in;
	rep->rows_out = kr[1].rows_out;
	rep->rows_suppressed = kr[0].rows_in - kr[1].rows_out;
	rep->smallest_class = kr[1].smallest_class;
	rep->nqi = CQ__MAX;
	for (i = 0; i < CQ__MAX; i++) {
		const struct kanon_qi_report *q1 = i <= CQ_EXPLOIT ? &kr[0].qi[i] : NULL;
		const struct kanon_qi_report *q2 = &kr[1].qi[i];

		rep->qi[i].name = ctdc_qis[i].name;
		rep->qi[i].level = q1 != NULL && q1->level > q2->level ? q1->level :
		    q2->level;
		rep->qi[i].levels = kanon_hierarchy_levels(ctdc_qis[i].h);
		rep->qi[i].generalised = (q1 != NULL ? q1->generalised : 0) +
		    q2->generalised;
		rep->qi[i].suppressed = (q1 != NULL ? q1->suppressed : 0) + q2->suppressed;
		if (rep->qi[i].generalised > rep->rows_out)
			rep->qi[i].generalised = rep->rows_out;
	}
	snprintf(outcome, sizeof(outcome), "ok: %zu rows, %zu removed, k=%zu",
	    rep->rows_out, rep->rows_suppressed, k);
	audit_note(a, u, "export.ctdc", NULL, NULL, outcome);
out:
	if (rc != RC_OK) {
		if (out->p != NULL) {
			out->len = start;
			out->p[start] = '\0';
		}
		audit_note(a, u, "export.ctdc", NULL, NULL, rc_name(rc));
	}
	kanon_table_free(c.t);
	return rc;
}
