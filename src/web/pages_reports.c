/*
 * pages_reports.c — reports for M&E officers and supervisors: the list of reports, and
 * each report as a bar chart drawn on the server (SVG: text escaped like any text, no
 * script, no style attribute, so the CSP holds) and a table. Arabic pages mirror the
 * chart: labels on the right, bars growing to the left. Also the case summary PDF for
 * the pages (GET /cases/{id}/summary.pdf), answered with an HTML error page when it
 * cannot be made.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/app.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/json.h"
#include "web/api.h"
#include "web/html.h"
#include "web/http.h"
#include "web/i18n.h"
#include "web/pages.h"

#define CHART_W		640	/* viewBox width */
#define CHART_LABEL_W	210	/* room for the labels */
#define CHART_BAR_H	18
#define CHART_GAP	8
#define CHART_BARS_MAX	60
#define TABLE_CELLS_MAX	800	/* larger tables: the chart and the export only */

/* The words of the dimensions and indicators. */
static const struct rword {
	const char	*id;
	const char	*msgid;
} dim_words[] = {
	{ "sex", "Sex" }, { "age_band", "Age" }, { "nationality", "Nationality" },
	{ "location", "Location" }, { "concern", "Protection concern" },
	{ "uasc", "Unaccompanied or separated" }, { "risk_level", "Risk level" },
	{ "stage", "Stage" }, { "status", "Status" }, { "month", "Month" },
	{ "agency", "Agency" },
}, value_words[] = {
	{ "new", "New" }, { "assessment", "Assessment" }, { "case_plan", "Case plan" },
	{ "implementation", "Implementation" }, { "follow_up", "Follow-up" },
	{ "closure_requested", "Closure requested" }, { "closed", "Closed" },
	{ "reopened", "Reopened" }, { "identified", "Identified" },
	{ "pending", "Pending" }, { "accepted", "Accepted" },
	{ "in_progress", "In progress" }, { "completed", "Completed" },
	{ "declined", "Declined" }, { "revoked", "Revoked" }, { "open", "Open" },
	{ "high", "High" }, { "medium", "Medium" }, { "low", "Low" },
}, indicator_words[] = {
	{ "registered", "Cases registered" },
	{ "initial_assessment_done", "Initial assessment done" },
	{ "waiting_within_response_time", "Waiting for the initial assessment, in time" },
	{ "waiting_past_response_time", "Waiting past the response time" },
	{ "plan_approved", "Approved case plan being carried out" },
	{ "closed", "Closed" },
	{ "open", "Open cases" },
	{ "open_high_risk", "Open high-risk cases" },
	{ "referrals", "Referrals made" },
	{ "referrals_accepted", "Referrals accepted" },
	{ "vots_identified", "Victims of trafficking identified" },
	{ "assessed_within_deadline", "Initial assessment within the deadline" },
	{ "follow_ups_on_time", "Follow-up visits on time" },
	{ "reunifications", "Reunifications" },
}, report_words[] = {
	{ "cases", "Cases" }, { "vots", "Victims of trafficking" },
	{ "tracing_requests", "Tracing requests" }, { "referrals", "Referrals" },
	{ "timeliness", "Caseload and timeliness" },
};

static const char *
word(const struct page *p, const struct rword *w, size_t n, const char *id)
{
	size_t i;

	for (i = 0; id != NULL && i < n; i++)
		if (strcmp(w[i].id, id) == 0)
			return page_tr(p, w[i].msgid);
	return id != NULL ? id : "";
}

#define WORD(p, table, id)	word((p), (table), sizeof(table) / sizeof((table)[0]), (id))

/* What the report pages need besides the report. */
struct rpage {
	struct page	 p;
	json_t		*cform;		/* the case form, for option names */
	json_t		*locations;
};

static const json_t *
rp_field(const struct rpage *r, const char *id)
{
	const json_t *f;
	size_t i;

	json_array_foreach(json_object_get(r->cform, "fields"), i, f)
		if (strcmp(json_get_str(f, "id") ? json_get_str(f, "id") : "", id) == 0)
			return f;
	return NULL;
}

/* A value of dimension `dim` as the page shows it. */
static void
value_text(struct rpage *r, const char *dim, const json_t *jv, char *out, size_t outsz)
{
	const char *v = json_string_value(jv);
	const json_t *f;

	if (v == NULL) {
		str_copy(out, outsz, "");
		return;
	}
	if (*v == '\0') {
		str_copy(out, outsz, page_tr(&r->p, "Not recorded"));
		return;
	}
	if (strcmp(dim, "sex") == 0 && (f = rp_field(r, "sex")) != NULL)
		page_option_text(&r->p, f, v, out, outsz);
	else if (strcmp(dim, "concern") == 0 &&
	    (f = rp_field(r, "protection_concerns")) != NULL)
		page_option_text(&r->p, f, v, out, outsz);
	else if (strcmp(dim, "nationality") == 0)
		i18n_region(r->p.lang, v, out, outsz);
	else if (strcmp(dim, "location") == 0)
		snprintf(out, outsz, "%s", page_location_name(&r->p, r->locations, v));
	else if (strcmp(dim, "uasc") == 0)
		str_copy(out, outsz, page_tr(&r->p, strcmp(v, "yes") == 0 ?
		    "Unaccompanied or separated" : "Not unaccompanied or separated"));
	else
		str_copy(out, outsz, WORD(&r->p, value_words, v));
	if (out[0] == '\0')
		str_copy(out, outsz, v);
}

/* ---- the chart ------------------------------------------------------------------------- */

struct bar {
	char		label[128];
	long long	value;		/* -1: suppressed */
};

/*
 * Horizontal bars, one per value, scaled to the largest. Left to right: labels at the
 * left edge, bars from CHART_LABEL_W; right to left (Arabic): everything mirrored.
 * Numbers sit at the end of their bar; a suppressed count is "*" with no bar.
 */
static void
chart(struct page *p, const char *title, const struct bar *bars, size_t n)
{
	int rtl = i18n_rtl(p->lang);
	long long max = 1;
	size_t i;
	int h, y, w, x;

	if (n > CHART_BARS_MAX)
		n = CHART_BARS_MAX;
	for (i = 0; i < n; i++)
		if (bars[i].value > max)
			max = bars[i].value;
	h = (int)n * (CHART_BAR_H + CHART_GAP) + CHART_GAP;
	HTML_RAW(&p->h, "<figure class=\"chart\"><svg id=\"chart\" xmlns=\"http://www.w3.org"
	    "/2000/svg\" viewBox=\"0 0 640 ");
	html_textf(&p->h, "%d", h);
	HTML_RAW(&p->h, "\" width=\"100%\" role=\"img\" aria-labelledby=\"chart-title\" "
	    "font-family=\"sans-serif\" font-size=\"13\"><title id=\"chart-title\">");
	html_text(&p->h, title);
	HTML_RAW(&p->h, "</title>");
	for (i = 0; i < n; i++) {
		y = CHART_GAP + (int)i * (CHART_BAR_H + CHART_GAP);
		w = bars[i].value > 0 ? (int)(bars[i].value * (CHART_W - CHART_LABEL_W - 70) /
		    max) : 0;
		if (bars[i].value > 0 && w < 1)
			w = 1;
		/* the label, against the outer edge */
		HTML_RAW(&p->h, "<text y=\"");
		html_textf(&p->h, "%d", y + 13);
		if (rtl)
			HTML_RAW(&p->h, "\" x=\"635\" direction=\"rtl\" text-anchor=\"start\" "
			    "fill=\"#1a1a1a\">");
		else
			HTML_RAW(&p->h, "\" x=\"5\" text-anchor=\"start\" fill=\"#1a1a1a\">");
		html_text(&p->h, bars[i].label);
		HTML_RAW(&p->h, "</text>");
		x = rtl ? CHART_W - CHART_LABEL_W - w : CHART_LABEL_W;
		if (w > 0) {
			HTML_RAW(&p->h, "<rect x=\"");
			html_textf(&p->h, "%d", x);
			HTML_RAW(&p->h, "\" y=\"");
			html_textf(&p->h, "%d", y);
			HTML_RAW(&p->h, "\" width=\"");
			html_textf(&p->h, "%d", w);
			HTML_RAW(&p->h, "\" height=\"18\" fill=\"#2b6a99\"/>");
		}
		/* the number, past the end of the bar */
		HTML_RAW(&p->h, "<text y=\"");
		html_textf(&p->h, "%d", y + 13);
		HTML_RAW(&p->h, "\" x=\"");
		html_textf(&p->h, "%d", rtl ? x - 5 : x + w + 5);
		if (rtl)
			HTML_RAW(&p->h, "\" text-anchor=\"end\" direction=\"ltr\" "
			    "fill=\"#1a1a1a\">");
		else
			HTML_RAW(&p->h, "\" text-anchor=\"start\" fill=\"#1a1a1a\">");
		if (bars[i].value < 0)
			html_text(&p->h, "*");
		else
			html_textf(&p->h, "%lld", bars[i].value);
		HTML_RAW(&p->h, "</text>");
	}
	HTML_RAW(&p->h, "</svg><figcaption class=\"muted\">");
	html_text(&p->h, title);
	HTML_RAW(&p->h, "</figcaption></figure>\n");
}

static long long
count_of(const json_t *c)
{
	return json_is_integer(c) ? (long long)json_integer_value(c) : -1;
}

static void
count_cell(struct page *p, const json_t *c)
{
	if (json_is_integer(c))
		html_textf(&p->h, "%" JSON_INTEGER_FORMAT, json_integer_value(c));
	else
		html_text(&p->h, json_is_string(c) ? json_string_value(c) : "0");
}

/* ---- the form of a report ----------------------------------------------------------- */

static void
dim_select(struct rpage *r, const char *id, const char *label, const json_t *dims,
    const char *chosen)
{
	const json_t *d;
	size_t i;

	HTML_RAW(&r->p.h, "<div class=\"field\"><label for=\"");
	html_attr(&r->p.h, id);
	HTML_RAW(&r->p.h, "\">");
	page_say(&r->p, label);
	HTML_RAW(&r->p.h, "</label><select id=\"");
	html_attr(&r->p.h, id);
	HTML_RAW(&r->p.h, "\" name=\"");
	html_attr(&r->p.h, id);
	HTML_RAW(&r->p.h, "\"><option value=\"\">");
	page_say(&r->p, "(none)");
	HTML_RAW(&r->p.h, "</option>");
	json_array_foreach(dims, i, d) {
		const char *v = json_string_value(d);

		HTML_RAW(&r->p.h, "<option value=\"");
		html_attr(&r->p.h, v);
		HTML_RAW(&r->p.h, "\"");
		if (chosen != NULL && strcmp(chosen, v) == 0)
			HTML_RAW(&r->p.h, " selected");
		HTML_RAW(&r->p.h, ">");
		html_text(&r->p.h, WORD(&r->p, dim_words, v));
		HTML_RAW(&r->p.h, "</option>");
	}
	HTML_RAW(&r->p.h, "</select></div>");
}

static void
date_input(struct rpage *r, const char *id, const char *label)
{
	const char *v = http_query(r->p.req, id);

	HTML_RAW(&r->p.h, "<div class=\"field\"><label for=\"");
	html_attr(&r->p.h, id);
	HTML_RAW(&r->p.h, "\">");
	page_say(&r->p, label);
	HTML_RAW(&r->p.h, "</label><input type=\"date\" id=\"");
	html_attr(&r->p.h, id);
	HTML_RAW(&r->p.h, "\" name=\"");
	html_attr(&r->p.h, id);
	HTML_RAW(&r->p.h, "\"");
	if (v != NULL) {
		HTML_RAW(&r->p.h, " value=\"");
		html_attr(&r->p.h, v);
		HTML_RAW(&r->p.h, "\"");
	}
	HTML_RAW(&r->p.h, "></div>");
}

/* The dimensions asked for: by1 and by2 of the form, or by=a,b. */
static void
report_by(const struct http_request *req, char *out, size_t outsz, char d1[32],
    char d2[32])
{
	const char *a = http_query(req, "by1"), *b = http_query(req, "by2");
	const char *by = http_query(req, "by"), *comma;

	d1[0] = d2[0] = '\0';
	if (a == NULL && b == NULL && by != NULL) {
		comma = strchr(by, ',');
		snprintf(d1, 32, "%.*s", comma ? (int)(comma - by) : 31, by);
		if (comma != NULL)
			snprintf(d2, 32, "%.31s", comma + 1);
	} else {
		snprintf(d1, 32, "%.31s", a ? a : "");
		snprintf(d2, 32, "%.31s", b ? b : "");
	}
	if (d1[0] == '\0') {
		str_copy(d1, 32, d2);
		d2[0] = '\0';
	}
	snprintf(out, outsz, "%s%s%s", d1, d1[0] && d2[0] ? "," : "", d2);
}

static void
report_form(struct rpage *r, const char *name, const json_t *def, const char *d1,
    const char *d2, const struct app_report_query *q)
{
	const json_t *dims = json_object_get(def, "by");
	int64_t lvl;
	size_t i;

	HTML_RAW(&r->p.h, "<form id=\"report-form\" class=\"search card\" method=\"get\" "
	    "action=\"/reports/");
	html_url_param(&r->p.h, name);
	HTML_RAW(&r->p.h, "\"><div class=\"filters\">");
	if (json_array_size(dims) > 0) {
		dim_select(r, "by1", "Break down by", dims, d1);
		dim_select(r, "by2", "and by", dims, d2);
	}
	date_input(r, "from", "Registered from");
	date_input(r, "to", "Registered until");
	HTML_RAW(&r->p.h, "<div class=\"field\"><label for=\"location_level\">");
	page_say(&r->p, "Location level");
	HTML_RAW(&r->p.h, "</label><select id=\"location_level\" name=\"location_level\">"
	    "<option value=\"\">");
	page_say(&r->p, "As recorded");
	HTML_RAW(&r->p.h, "</option>");
	lvl = q->location_level;
	for (i = 0; i < 4; i++) {
		char n[8];

		snprintf(n, sizeof(n), "%zu", i);
		HTML_RAW(&r->p.h, "<option value=\"");
		html_attr(&r->p.h, n);
		HTML_RAW(&r->p.h, "\"");
		if (lvl == (int64_t)i)
			HTML_RAW(&r->p.h, " selected");
		HTML_RAW(&r->p.h, ">");
		if (i == 0)
			page_say(&r->p, "Country");
		else
			page_say_args(&r->p, "Admin level {1}", n, NULL, NULL);
		HTML_RAW(&r->p.h, "</option>");
	}
	HTML_RAW(&r->p.h, "</select></div></div><div class=\"check\"><input "
	    "type=\"checkbox\" id=\"external\" name=\"external\" value=\"1\"");
	if (q->external)
		HTML_RAW(&r->p.h, " checked");
	HTML_RAW(&r->p.h, "> <label for=\"external\">");
	page_say(&r->p, "To share outside the agency: hide small counts");
	HTML_RAW(&r->p.h, "</label></div><div class=\"actions\"><button type=\"submit\" "
	    "id=\"show\">");
	page_say(&r->p, "Show");
	HTML_RAW(&r->p.h, "</button></div></form>\n");
}

/* Links to the same report as files. */
static void
report_exports(struct rpage *r, const char *name, const char *by,
    const struct app_report_query *q)
{
	static const char *const fmts[] = { "csv", "xlsx" };
	size_t i;

	if (!page_may(&r->p, "export.aggregate"))
		return;
	HTML_RAW(&r->p.h, "<p class=\"exports\">");
	page_say(&r->p, "Download with HXL tags, small counts hidden:");
	for (i = 0; i < 2; i++) {
		HTML_RAW(&r->p.h, " <a id=\"export-");
		html_attr(&r->p.h, fmts[i]);
		HTML_RAW(&r->p.h, "\" href=\"/api/v1/exports/aggregate?report=");
		html_url_param(&r->p.h, name);
		HTML_RAW(&r->p.h, "&amp;format=");
		html_attr(&r->p.h, fmts[i]);
		if (by[0] != '\0') {
			HTML_RAW(&r->p.h, "&amp;by=");
			html_url_param(&r->p.h, by);
		}
		if (q->from != NULL) {
			HTML_RAW(&r->p.h, "&amp;from=");
			html_url_param(&r->p.h, q->from);
		}
		if (q->to != NULL) {
			HTML_RAW(&r->p.h, "&amp;to=");
			html_url_param(&r->p.h, q->to);
		}
		if (q->location_level >= 0) {
			HTML_RAW(&r->p.h, "&amp;location_level=");
			html_textf(&r->p.h, "%d", q->location_level);
		}
		HTML_RAW(&r->p.h, "\">");
		html_text(&r->p.h, i == 0 ? "CSV" : "XLSX");
		HTML_RAW(&r->p.h, "</a>");
	}
	HTML_RAW(&r->p.h, "</p>\n");
}

/* ---- the report itself ------------------------------------------------------------------ */

static void
report_counts(struct rpage *r, const json_t *data)
{
	const json_t *by = json_object_get(data, "by"), *rows = json_object_get(data, "rows");
	const char *d0 = json_string_value(json_array_get(by, 0));
	const char *d1 = json_string_value(json_array_get(by, 1));
	struct bar *bars = NULL;
	json_t *v0 = NULL, *v1 = NULL, *row;
	const json_t *m, *e, *c;
	char text[128], title[256];
	size_t i, j, k, n0, n1;
	int additive = json_is_true(json_object_get(data, "additive"));

	HTML_RAW(&r->p.h, "<p id=\"report-total\" class=\"count\" role=\"status\">");
	page_say(&r->p, "Total");
	HTML_RAW(&r->p.h, ": <strong>");
	count_cell(&r->p, json_object_get(data, "total"));
	HTML_RAW(&r->p.h, "</strong></p>\n");
	if (d0 == NULL)
		return;
	/* the values of each dimension, in the report's order */
	v0 = json_array();
	v1 = json_array();
	json_array_foreach(rows, i, row) {
		int seen0 = 0, seen1 = 0;

		json_array_foreach(v0, k, e)
			seen0 |= json_equal(e, json_object_get(row, d0));
		if (!seen0)
			json_array_append(v0, json_object_get(row, d0));
		if (d1 == NULL)
			continue;
		json_array_foreach(v1, k, e)
			seen1 |= json_equal(e, json_object_get(row, d1));
		if (!seen1)
			json_array_append(v1, json_object_get(row, d1));
	}
	n0 = json_array_size(v0);
	n1 = d1 != NULL ? json_array_size(v1) : 1;
	/* the chart: the first dimension (its margin when there are two) */
	if ((bars = calloc(n0 + 1, sizeof(*bars))) == NULL) {
		r->p.h.failed = 1;
		goto out;
	}
	m = d1 != NULL ? json_object_get(json_object_get(data, "totals"), d0) : rows;
	for (i = 0; i < n0; i++) {
		value_text(r, d0, json_array_get(v0, i), bars[i].label, sizeof(bars[i].label));
		bars[i].value = 0;
		json_array_foreach(m, k, e)
			if (json_equal(json_object_get(e, d0), json_array_get(v0, i)))
				bars[i].value = count_of(json_object_get(e, "count"));
	}
	snprintf(title, sizeof(title), "%s", WORD(&r->p, dim_words, d0));
	chart(&r->p, title, bars, n0);
	if (n0 > CHART_BARS_MAX) {
		HTML_RAW(&r->p.h, "<p class=\"muted\">");
		page_say(&r->p, "The chart shows the first 60 values; the table and the "
		    "downloads have them all.");
		HTML_RAW(&r->p.h, "</p>\n");
	}
	if (n0 * n1 > TABLE_CELLS_MAX) {
		HTML_RAW(&r->p.h, "<p class=\"muted\">");
		page_say(&r->p, "This table is too large to show here: download it, or "
		    "choose a coarser location level.");
		HTML_RAW(&r->p.h, "</p>\n");
		goto out;
	}
	/* the table: one row per value of the first dimension */
	HTML_RAW(&r->p.h, "<div class=\"table-wrap\"><table id=\"report-table\"><thead><tr>"
	    "<th scope=\"col\">");
	html_text(&r->p.h, WORD(&r->p, dim_words, d0));
	HTML_RAW(&r->p.h, "</th>");
	for (j = 0; d1 != NULL && j < n1; j++) {
		value_text(r, d1, json_array_get(v1, j), text, sizeof(text));
		HTML_RAW(&r->p.h, "<th scope=\"col\">");
		html_text(&r->p.h, text);
		HTML_RAW(&r->p.h, "</th>");
	}
	HTML_RAW(&r->p.h, "<th scope=\"col\">");
	page_say(&r->p, d1 != NULL ? "Total" : "Count");
	HTML_RAW(&r->p.h, "</th></tr></thead><tbody>");
	for (i = 0; i < n0; i++) {
		HTML_RAW(&r->p.h, "<tr><th scope=\"row\">");
		html_text(&r->p.h, bars[i].label);
		HTML_RAW(&r->p.h, "</th>");
		for (j = 0; d1 != NULL && j < n1; j++) {
			c = NULL;
			json_array_foreach(rows, k, e)
				if (json_equal(json_object_get(e, d0), json_array_get(v0, i)) &&
				    json_equal(json_object_get(e, d1), json_array_get(v1, j)))
					c = json_object_get(e, "count");
			HTML_RAW(&r->p.h, "<td>");
			count_cell(&r->p, c);
			HTML_RAW(&r->p.h, "</td>");
		}
		HTML_RAW(&r->p.h, "<td>");
		if (bars[i].value < 0)
			html_text(&r->p.h, "*");
		else
			html_textf(&r->p.h, "%lld", bars[i].value);
		HTML_RAW(&r->p.h, "</td></tr>");
	}
	HTML_RAW(&r->p.h, "</tbody>");
	if (d1 != NULL && additive) {
		HTML_RAW(&r->p.h, "<tfoot><tr><th scope=\"row\">");
		page_say(&r->p, "Total");
		HTML_RAW(&r->p.h, "</th>");
		m = json_object_get(json_object_get(data, "totals"), d1);
		for (j = 0; j < n1; j++) {
			c = NULL;
			json_array_foreach(m, k, e)
				if (json_equal(json_object_get(e, d1), json_array_get(v1, j)))
					c = json_object_get(e, "count");
			HTML_RAW(&r->p.h, "<td>");
			count_cell(&r->p, c);
			HTML_RAW(&r->p.h, "</td>");
		}
		HTML_RAW(&r->p.h, "<td>");
		count_cell(&r->p, json_object_get(data, "total"));
		HTML_RAW(&r->p.h, "</td></tr></tfoot>");
	}
	HTML_RAW(&r->p.h, "</table></div>\n");
	if (!additive) {
		HTML_RAW(&r->p.h, "<p class=\"muted\">");
		page_say(&r->p, "A case with several protection concerns counts under each "
		    "of them: the rows do not add up to the total.");
		HTML_RAW(&r->p.h, "</p>\n");
	}
out:
	free(bars);
	json_decref(v0);
	json_decref(v1);
}

static void
report_indicators(struct rpage *r, const json_t *data)
{
	const json_t *rows = json_object_get(data, "rows"), *row, *pct;
	struct bar *bars;
	size_t i, n = json_array_size(rows);

	if ((bars = calloc(n + 1, sizeof(*bars))) == NULL) {
		r->p.h.failed = 1;
		return;
	}
	json_array_foreach(rows, i, row) {
		str_copy(bars[i].label, sizeof(bars[i].label), WORD(&r->p, indicator_words,
		    json_get_str(row, "indicator")));
		bars[i].value = count_of(json_object_get(row, "count"));
	}
	chart(&r->p, page_tr(&r->p, "Caseload and timeliness"), bars, n);
	HTML_RAW(&r->p.h, "<div class=\"table-wrap\"><table id=\"report-table\"><thead><tr>"
	    "<th scope=\"col\">");
	page_say(&r->p, "Indicator");
	HTML_RAW(&r->p.h, "</th><th scope=\"col\">");
	page_say(&r->p, "Count");
	HTML_RAW(&r->p.h, "</th><th scope=\"col\">");
	page_say(&r->p, "Percent");
	HTML_RAW(&r->p.h, "</th></tr></thead><tbody>");
	json_array_foreach(rows, i, row) {
		HTML_RAW(&r->p.h, "<tr><th scope=\"row\">");
		html_text(&r->p.h, bars[i].label);
		HTML_RAW(&r->p.h, "</th><td>");
		count_cell(&r->p, json_object_get(row, "count"));
		HTML_RAW(&r->p.h, "</td><td>");
		pct = json_object_get(row, "percent");
		if (json_is_number(pct))
			html_textf(&r->p.h, "%.1f %%", json_number_value(pct));
		else if (json_is_string(pct))
			html_text(&r->p.h, json_string_value(pct));
		HTML_RAW(&r->p.h, "</td></tr>");
	}
	HTML_RAW(&r->p.h, "</tbody></table></div>\n<h2>");
	page_say(&r->p, "Not computed");
	HTML_RAW(&r->p.h, "</h2><ul id=\"not-computed\">");
	json_array_foreach(json_object_get(data, "not_computable"), i, row) {
		HTML_RAW(&r->p.h, "<li>");
		html_text(&r->p.h, WORD(&r->p, indicator_words, json_get_str(row,
		    "indicator")));
		HTML_RAW(&r->p.h, ": ");
		page_say(&r->p, "the dates it needs are only in the sealed case records, which "
		    "reports never open.");
		HTML_RAW(&r->p.h, "</li>");
	}
	HTML_RAW(&r->p.h, "</ul>\n");
	free(bars);
}

static int
rpage_load(struct rpage *r)
{
	struct app_error err = { 0 };
	json_t *locs = NULL;
	int rc;

	if ((rc = app_form_get(r->p.req->app, &r->p.req->actor, "case", &r->cform, &err)) !=
	    RC_OK)
		return rc;
	if ((rc = app_location_list(r->p.req->app, &r->p.req->actor, &locs, &err)) !=
	    RC_OK)
		return rc;
	r->locations = json_incref(json_object_get(locs, "data"));
	json_decref(locs);
	return RC_OK;
}

static void
page_report(struct http_request *req, struct http_response *resp)
{
	struct app_report_query q;
	struct app_error err = { 0 };
	struct rpage r;
	json_t *list = NULL, *out = NULL, *def = NULL, *d;
	const char *name = req->params[0];
	char by[72], d1[32], d2[32], note[160], thr[24];
	size_t i;
	int rc;

	memset(&r, 0, sizeof(r));
	page_init(&r.p, req, resp);
	if ((rc = app_report_list(req->app, &req->actor, &list, &err)) != RC_OK ||
	    (rc = rpage_load(&r)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	json_array_foreach(json_object_get(list, "data"), i, d)
		if (strcmp(json_get_str(d, "name"), name) == 0)
			def = d;
	if (def == NULL) {
		page_error(req, resp, 404);
		goto out;
	}
	report_by(req, by, sizeof(by), d1, d2);
	memset(&q, 0, sizeof(q));
	q.name = name;
	q.by = by[0] != '\0' ? by : NULL;
	q.from = http_query(req, "from");
	q.to = http_query(req, "to");
	q.location_level = (int)page_query_int(req, "location_level", 0, 9, -1);
	q.external = http_query(req, "external") != NULL &&
	    strcmp(http_query(req, "external"), "1") == 0;
	rc = app_report_get(req->app, &req->actor, &q, &out, &err);
	if (rc != RC_OK && rc != RC_EINVALID) {
		page_app_error(req, resp, rc, &err);
		goto out;
	}
	page_head(&r.p, "Reports", "reports");
	page_h1(&r.p, WORD(&r.p, report_words, name));
	report_form(&r, name, def, d1, d2, &q);
	if (rc == RC_EINVALID) {
		page_alert(&r.p, "report-error", page_tr(&r.p, "The report could not be "
		    "made: check the dates and the dimensions (month and protection concern "
		    "cannot be combined)."));
		page_finish(&r.p, 200);
		goto out;
	}
	if (q.external) {
		snprintf(thr, sizeof(thr), "%" JSON_INTEGER_FORMAT, json_integer_value(
		    json_object_get(json_object_get(out, "metadata"), "threshold")));
		page_format(r.p.lang, "Counts from 1 to {1} below are hidden (*), with "
		    "others where needed so that they cannot be worked out.", thr, NULL, NULL,
		    note, sizeof(note));
		page_notice(&r.p, note);
	}
	if (json_get_str(json_object_get(out, "data"), "type") != NULL)
		report_counts(&r, json_object_get(out, "data"));
	else
		report_indicators(&r, json_object_get(out, "data"));
	report_exports(&r, name, by, &q);
	page_finish(&r.p, 200);
out:
	json_decref(r.cform);
	json_decref(r.locations);
	json_decref(list);
	json_decref(out);
}

static void
page_reports(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	json_t *list = NULL, *d;
	struct page p;
	size_t i;
	int rc;

	page_init(&p, req, resp);
	if ((rc = app_report_list(req->app, &req->actor, &list, &err)) != RC_OK) {
		page_app_error(req, resp, rc, &err);
		return;
	}
	page_head(&p, "Reports", "reports");
	page_h1(&p, page_tr(&p, "Reports"));
	HTML_RAW(&p.h, "<p class=\"lead\">");
	page_say(&p, strcmp(json_get_str(json_object_get(list, "metadata"), "scope") ?
	    json_get_str(json_object_get(list, "metadata"), "scope") : "", "all") == 0 ?
	    "Figures from every agency, counted without opening any record." :
	    "Figures from your agency, counted without opening any record.");
	HTML_RAW(&p.h, "</p>\n<ul id=\"report-list\" class=\"links\">");
	json_array_foreach(json_object_get(list, "data"), i, d) {
		HTML_RAW(&p.h, "<li><a href=\"/reports/");
		html_url_param(&p.h, json_get_str(d, "name"));
		HTML_RAW(&p.h, "\">");
		html_text(&p.h, WORD(&p, report_words, json_get_str(d, "name")));
		HTML_RAW(&p.h, "</a></li>");
	}
	HTML_RAW(&p.h, "</ul>\n");
	if (page_may(&p, "export.cases") || page_may(&p, "export.ctdc")) {
		HTML_RAW(&p.h, "<h2>");
		page_say(&p, "Exports");
		HTML_RAW(&p.h, "</h2><ul class=\"links\">");
		if (page_may(&p, "export.cases")) {
			HTML_RAW(&p.h, "<li><a id=\"export-cases-csv\" "
			    "href=\"/api/v1/exports/cases?format=csv\">");
			page_say(&p, "The cases you may see (CSV)");
			HTML_RAW(&p.h, "</a></li><li><a id=\"export-cases-xlsx\" "
			    "href=\"/api/v1/exports/cases?format=xlsx\">");
			page_say(&p, "The cases you may see (XLSX)");
			HTML_RAW(&p.h, "</a></li>");
		}
		if (page_may(&p, "export.ctdc")) {
			HTML_RAW(&p.h, "<li><a id=\"export-ctdc\" "
			    "href=\"/api/v1/exports/ctdc\">");
			page_say(&p, "Anonymised CTDC export (CSV)");
			HTML_RAW(&p.h, "</a></li>");
		}
		HTML_RAW(&p.h, "</ul>\n");
	}
	page_finish(&p, 200);
	json_decref(list);
}

/* ---- the case summary ------------------------------------------------------------------- */

static void
page_case_summary_pdf(struct http_request *req, struct http_response *resp)
{
	struct app_error err = { 0 };
	struct app_words w;
	char sid[SHORT_ID_SIZE];
	int rc;

	api_words(req, &w);
	if (http_body_begin(resp, 200, "application/pdf", "") != 0)
		return;
	rc = app_case_summary_pdf(req->app, &req->actor, req->params[0], &w,
	    http_body_buf(resp), sid, &err);
	if (rc != RC_OK) {
		page_app_error(req, resp, rc, &err);
		return;
	}
	http_header_add(resp, "Content-Disposition", "attachment; filename=\"case-%s.pdf\"",
	    sid);
}

/* ---- the table ---------------------------------------------------------------------------- */

static const struct http_route pages_reports_table[] = {
	{ HTTP_GET, "/reports",				HTTP_PAGE, page_reports, NULL },
	{ HTTP_GET, "/reports/{name}",			HTTP_PAGE, page_report, NULL },
	{ HTTP_GET, "/cases/{id}/summary.pdf",		HTTP_PAGE, page_case_summary_pdf,
	    NULL },
};

static const struct http_routes pages_reports_table_routes = {
	pages_reports_table, sizeof(pages_reports_table) / sizeof(pages_reports_table[0])
};

const struct http_routes *
pages_reports_routes(void)
{
	return &pages_reports_table_routes;
}
