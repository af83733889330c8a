/*
 * reports.c — aggregate figures for programme managers and M&E officers.
 *
 * Every figure comes from the cleartext index columns (store_record_count_by) and, for
 * protection concerns, from the blind index (one count per concern through its keyed
 * hash): no record body is ever opened here, so a role that sees no record content
 * (the M&E officer) can have every report, and a report costs a few grouped counts
 * however many records there are. What lives only in sealed bodies (dates of
 * assessments and follow-ups, reunifications) is not computed: docs/reports.md says
 * which indicator that rules out and why.
 *
 * A count report is a table of one or two dimensions ("by"), with its margins and its
 * total. For a report shared outside the agency (external, and every export) small
 * counts are suppressed with kanon_suppress_counts / kanon_suppress_table
 * (domain/kanon.h): the threshold is config/reports.json's small_count_threshold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/impl.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/embed.h"
#include "base/err.h"
#include "base/io.h"
#include "base/json.h"
#include "domain/kanon.h"
#include "domain/workflow.h"

#define REPORT_MONTHS_MAX	60	/* months in one "by month" report */
#define REPORT_VALUES_MAX	1024	/* distinct values on one axis */
#define REPORT_CONFIG_MAX	(64 * 1024)
#define REPORT_LEVELS		10	/* location levels known */

/* ---- configuration ---------------------------------------------------------------- */

/* config/reports.json: from $ROUTECARE_CONFIG when that directory has it, else the
 * embedded copy; the defaults when neither exists. */
int
report_config_load(struct report_config *c, struct app_error *err)
{
	const char *dir = getenv("ROUTECARE_CONFIG");
	const struct embed_file *e;
	struct buf b = BUF_INIT;
	char path[1024], msg[160];
	json_t *root = NULL, *v, *o;
	size_t i;
	int rc;

	c->threshold = REPORT_THRESHOLD_DEFAULT;
	c->k = REPORT_CTDC_K_DEFAULT;
	c->max_suppress = REPORT_CTDC_MAX_SUPPRESS_DEFAULT;
	c->noutcomes = 1;
	str_copy(c->outcomes[0], sizeof(c->outcomes[0]), "confirmed_victim");
	rc = RC_ENOTFOUND;
	if (dir != NULL && *dir != '\0') {
		if (snprintf(path, sizeof(path), "%s/reports.json", dir) >= (int)sizeof(path))
			return app_fail(err, RC_EINVALID, "configuration path too long");
		rc = io_read_file(path, REPORT_CONFIG_MAX, &b);
		if (rc != RC_OK && rc != RC_ENOTFOUND) {
			buf_free(&b);
			return app_fail(err, rc, "cannot read %s", path);
		}
	}
	if (rc == RC_ENOTFOUND) {
		if ((e = embed_find("config/reports.json")) == NULL)
			return RC_OK;
		if (buf_append(&b, e->data, e->len) != 0)
			return RC_ENOMEM;
	}
	rc = json_parse_bounded(b.p, b.len, REPORT_CONFIG_MAX, 8, 1, &root, msg,
	    sizeof(msg));
	buf_free(&b);
	if (rc != RC_OK)
		return app_fail(err, RC_EINVALID, "config/reports.json: %s", msg);
	rc = app_fail(err, RC_EINVALID, "config/reports.json: small_count_threshold must "
	    "be 1..1000, ctdc.k 2..1000, ctdc.max_suppress 0..0.5 and "
	    "ctdc.screening_outcomes 1..4 outcome ids");
	v = json_object_get(root, "small_count_threshold");
	if (v != NULL && (!json_is_integer(v) || json_integer_value(v) < 1 ||
	    json_integer_value(v) > 1000))
		goto out;
	if (v != NULL)
		c->threshold = json_integer_value(v);
	o = json_object_get(root, "ctdc");
	if ((v = json_object_get(o, "k")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 2 ||
		    json_integer_value(v) > 1000)
			goto out;
		c->k = (size_t)json_integer_value(v);
	}
	if ((v = json_object_get(o, "max_suppress")) != NULL) {
		if (!json_is_number(v) || json_number_value(v) < 0 ||
		    json_number_value(v) > 0.5)
			goto out;
		c->max_suppress = json_number_value(v);
	}
	if ((v = json_object_get(o, "screening_outcomes")) != NULL) {
		if (!json_is_array(v) || json_array_size(v) < 1 ||
		    json_array_size(v) > REPORT_OUTCOMES_MAX)
			goto out;
		c->noutcomes = 0;
		for (i = 0; i < json_array_size(v); i++) {
			const char *s = json_string_value(json_array_get(v, i));

			if (s == NULL || str_copy(c->outcomes[c->noutcomes],
			    sizeof(c->outcomes[0]), s) != 0)
				goto out;
			c->noutcomes++;
		}
	}
	rc = RC_OK;
	err->message[0] = '\0';
out:
	json_decref(root);
	return rc;
}

/* ---- what may be counted ------------------------------------------------------------ */

enum rdim_kind {
	RD_COLUMN,		/* an index column, grouped by the store */
	RD_MONTH,		/* the month of registration: one count per month */
	RD_CONCERN		/* a protection concern: one count per concern (blind index) */
};

static const char *const order_sex[] = { "female", "male", "other", "unknown", "", NULL };
static const char *const order_age[] = { "0-5", "6-11", "12-14", "15-17", "18+", "", NULL };
static const char *const order_risk[] = { "high", "medium", "low", "", NULL };
static const char *const order_stage[] = {
	"new", "assessment", "case_plan", "implementation", "follow_up",
	"closure_requested", "closed", "reopened", "identified", "pending", "accepted",
	"in_progress", "completed", "declined", "revoked", "", NULL
};
static const char *const order_status[] = { "open", "closed", "", NULL };
static const char *const order_uasc[] = { "yes", "no", NULL };

static const struct rdim {
	const char		*name;		/* in ?by= and in the rows */
	enum rdim_kind		 kind;
	const char		*group;		/* store_record_count_by column */
	const char *const	*order;		/* values first in this order; NULL: sorted */
} rdims[] = {
	{ "sex",		RD_COLUMN,	"sex",		order_sex },
	{ "age_band",		RD_COLUMN,	"age_band",	order_age },
	{ "nationality",	RD_COLUMN,	"nationality",	NULL },
	{ "location",		RD_COLUMN,	"location_code", NULL },
	{ "concern",		RD_CONCERN,	NULL,		NULL },
	{ "uasc",		RD_COLUMN,	"flags&1",	order_uasc },
	{ "risk_level",		RD_COLUMN,	"risk_level",	order_risk },
	{ "stage",		RD_COLUMN,	"workflow",	order_stage },
	{ "status",		RD_COLUMN,	"status",	order_status },
	{ "month",		RD_MONTH,	NULL,		NULL },
	{ "agency",		RD_COLUMN,	"agency_id",	NULL },
};
#define RDIM_N	(sizeof(rdims) / sizeof(rdims[0]))

static const struct rdef {
	const char	*name;
	const char	*type;		/* record type counted; NULL: indicators */
	const char	*dims;		/* the dimensions it may be broken down by */
	const char	*title;		/* English; pages translate it */
} rdefs[] = {
	{ "cases", "case", "sex age_band nationality location concern uasc risk_level "
	  "stage status month agency", "Cases" },
	{ "vots", "vot", "sex age_band nationality location stage status month agency",
	  "Victims of trafficking" },
	{ "tracing_requests", "tracing_request", "sex age_band nationality location stage "
	  "status month agency", "Tracing requests" },
	{ "referrals", "referral", "sex age_band nationality location stage status month "
	  "agency", "Referrals" },
	{ "timeliness", NULL, "", "Caseload and timeliness" },
};
#define RDEF_N	(sizeof(rdefs) / sizeof(rdefs[0]))

static const struct rdim *
rdim_find(const char *name, size_t n)
{
	size_t i;

	for (i = 0; i < RDIM_N; i++)
		if (strlen(rdims[i].name) == n && strncmp(rdims[i].name, name, n) == 0)
			return &rdims[i];
	return NULL;
}

static const struct rdef *
rdef_find(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < RDEF_N; i++)
		if (strcmp(rdefs[i].name, name) == 0)
			return &rdefs[i];
	return NULL;
}

/* 1 when `dim` is a word of the space-separated `list`. */
static int
word_in(const char *list, const char *dim)
{
	size_t n = strlen(dim);
	const char *p = list;

	while ((p = strstr(p, dim)) != NULL) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return 1;
		p += n;
	}
	return 0;
}

/* ---- one table being counted ------------------------------------------------------- */

struct axis {
	const struct rdim	*dim;
	char			(*v)[STORE_GROUP_VALUE_SIZE];
	size_t			 n, cap;
	int64_t			 from[REPORT_MONTHS_MAX], to[REPORT_MONTHS_MAX];	/* months */
};

struct triple {
	char		v[REPORT_DIMS_MAX][STORE_GROUP_VALUE_SIZE];
	long long	count;
};

struct rtable {
	const struct rdef	*def;
	struct axis		 ax[REPORT_DIMS_MAX];
	size_t			 ndims;
	struct triple		*t;
	size_t			 nt, capt;
	int			 additive;	/* 0 with concerns: a record counts in many */
	long long		 records;	/* records counted (the grand total) */
	/* after rtable_fill: n0 x n1 cells (n1 = 1 for one dimension) and margins */
	struct kanon_count	*cells, *rows, *cols, grand;
	size_t			 n0, n1;
};

static void
rtable_free(struct rtable *t)
{
	size_t i;

	for (i = 0; i < REPORT_DIMS_MAX; i++)
		free(t->ax[i].v);
	free(t->t);
	free(t->cells);
	free(t->rows);
	free(t->cols);
}

static int
axis_index(const struct axis *ax, const char *v)
{
	size_t i;

	for (i = 0; i < ax->n; i++)
		if (strcmp(ax->v[i], v) == 0)
			return (int)i;
	return -1;
}

static int
axis_add(struct axis *ax, const char *v)
{
	void *np;
	size_t ncap;

	if (axis_index(ax, v) >= 0)
		return RC_OK;
	if (ax->n == REPORT_VALUES_MAX)
		return RC_ETOOBIG;
	if (ax->n == ax->cap) {
		ncap = ax->cap ? ax->cap * 2 : 16;
		if ((np = realloc(ax->v, ncap * sizeof(*ax->v))) == NULL)
			return RC_ENOMEM;
		ax->v = np;
		ax->cap = ncap;
	}
	str_copy(ax->v[ax->n++], STORE_GROUP_VALUE_SIZE, v);
	return RC_OK;
}

/* Rank of a value in its dimension's order: known values first, in order; the rest
 * after them, by value. */
static size_t
axis_rank(const struct rdim *d, const char *v)
{
	size_t i;

	for (i = 0; d->order != NULL && d->order[i] != NULL; i++)
		if (strcmp(d->order[i], v) == 0)
			return i;
	return 1000;
}

/* Sort an axis of observed values (not months or concerns, which come in order). An
 * insertion sort with the comparator's context passed explicitly: axes are short. */
static void
axis_sort(struct axis *ax)
{
	char tmp[STORE_GROUP_VALUE_SIZE];
	size_t i, j;

	if (ax->dim->kind != RD_COLUMN)
		return;
	for (i = 1; i < ax->n; i++) {
		memcpy(tmp, ax->v[i], sizeof(tmp));
		for (j = i; j > 0; j--) {
			size_t ra = axis_rank(ax->dim, ax->v[j - 1]), rb = axis_rank(ax->dim,
			    tmp);
			int gt = ra != rb ? ra > rb : ((ax->v[j - 1][0] == '\0') !=
			    (tmp[0] == '\0') ? ax->v[j - 1][0] == '\0' :
			    strcmp(ax->v[j - 1], tmp) > 0);

			if (!gt)
				break;
			memcpy(ax->v[j], ax->v[j - 1], sizeof(tmp));
		}
		memcpy(ax->v[j], tmp, sizeof(tmp));
	}
}

/* What one store count adds: the special dimension's value (or NULL) and the rest. */
struct collect {
	struct rtable	*t;
	int		 special;	/* index of the dimension set by `value`; -1 */
	const char	*value;
	int		 cols[REPORT_DIMS_MAX];	/* store group i -> dimension */
	size_t		 ncols;
	int		 keyed;		/* store_record_count_keys: value[0] is the index
					 * of the special dimension's value, groups after */
};

static int
collect_row(void *arg, const struct store_count_row *row)
{
	struct collect *c = arg;
	struct rtable *t = c->t;
	struct triple *tr;
	size_t i;

	if (t->nt == t->capt) {
		size_t ncap = t->capt ? t->capt * 2 : 64;
		void *np;

		if (ncap > (size_t)REPORT_VALUES_MAX * REPORT_VALUES_MAX)
			return RC_ETOOBIG;
		if ((np = realloc(t->t, ncap * sizeof(*t->t))) == NULL)
			return RC_ENOMEM;
		t->t = np;
		t->capt = ncap;
	}
	tr = &t->t[t->nt];
	memset(tr, 0, sizeof(*tr));
	if (c->keyed) {
		char *end;
		unsigned long k = strtoul(row->value[0], &end, 10);

		if (end == row->value[0] || *end != '\0' || k >= t->ax[c->special].n)
			return RC_EINTERNAL;
		str_copy(tr->v[c->special], STORE_GROUP_VALUE_SIZE, t->ax[c->special].v[k]);
	} else if (c->special >= 0)
		str_copy(tr->v[c->special], STORE_GROUP_VALUE_SIZE, c->value);
	for (i = 0; i < c->ncols; i++) {
		const char *v = row->value[i + (c->keyed ? 1 : 0)];

		if (strcmp(t->ax[c->cols[i]].dim->group, "flags&1") == 0)
			v = strcmp(v, "1") == 0 ? "yes" : "no";
		str_copy(tr->v[c->cols[i]], STORE_GROUP_VALUE_SIZE, v);
	}
	tr->count = row->count;
	t->nt++;
	return 0;
}

/* Lay the counts out as a grid with margins. */
static int
rtable_fill(struct rtable *t)
{
	size_t i, j, k;
	int rc;

	for (k = 0; k < t->nt; k++)
		for (i = 0; i < t->ndims; i++)
			if ((rc = axis_add(&t->ax[i], t->t[k].v[i])) != RC_OK)
				return rc;
	for (i = 0; i < t->ndims; i++)
		axis_sort(&t->ax[i]);
	t->n0 = t->ndims > 0 ? t->ax[0].n : 1;
	t->n1 = t->ndims > 1 ? t->ax[1].n : 1;
	if ((t->cells = calloc(t->n0 * t->n1 + 1, sizeof(*t->cells))) == NULL ||
	    (t->rows = calloc(t->n0 + 1, sizeof(*t->rows))) == NULL ||
	    (t->cols = calloc(t->n1 + 1, sizeof(*t->cols))) == NULL)
		return RC_ENOMEM;
	for (k = 0; k < t->nt; k++) {
		int a = t->ndims > 0 ? axis_index(&t->ax[0], t->t[k].v[0]) : 0;
		int b = t->ndims > 1 ? axis_index(&t->ax[1], t->t[k].v[1]) : 0;

		t->cells[(size_t)a * t->n1 + (size_t)b].value += t->t[k].count;
	}
	memset(&t->grand, 0, sizeof(t->grand));
	for (i = 0; i < t->n0; i++)
		for (j = 0; j < t->n1; j++) {
			long long v = t->cells[i * t->n1 + j].value;

			t->rows[i].value += v;
			t->cols[j].value += v;
			t->grand.value += v;
		}
	if (!t->additive)
		t->grand.value = t->records;
	return RC_OK;
}

/* A count published on its own (a total, an indicator, a concern): a line of one. */
static int
suppress_alone(struct kanon_count *c, long long threshold)
{
	struct kanon_count total = *c;

	total.suppressed = 0;
	return kanon_suppress_counts(c, 1, threshold, &total);
}

/*
 * Suppress small counts for a table shared outside the agency: a two-way additive
 * table with its margins as one (kanon_suppress_table); one dimension as a line with
 * its total; concerns (not additive: one record counts under several) each as a line
 * of its own, broken down by the other dimension when there is one. Returns how many
 * published numbers are hidden.
 */
static int
rtable_suppress(struct rtable *t, long long threshold, size_t *hidden)
{
	size_t i, j, n = 0;
	int rc = RC_OK;

	if (t->ndims == 0) {
		rc = suppress_alone(&t->grand, threshold);
	} else if (t->additive && t->ndims == 2) {
		rc = kanon_suppress_table(t->cells, t->n0, t->n1, threshold, t->rows,
		    t->cols, &t->grand);
	} else if (t->additive) {
		rc = kanon_suppress_counts(t->cells, t->n0, threshold, &t->grand);
		for (i = 0; i < t->n0; i++)
			t->rows[i] = t->cells[i];
	} else {
		/* concern rows, each a line of its own (with the other dimension's counts
		 * when there is one): a concern's count is a total no other line adds up
		 * to, so only its small counts are hidden */
		for (i = 0; i < t->n0 && rc == RC_OK; i++) {
			if (t->ndims == 2) {
				rc = kanon_suppress_counts(&t->cells[i * t->n1], t->n1,
				    threshold, &t->rows[i]);
			} else {
				rc = suppress_alone(&t->cells[i], threshold);
				t->rows[i] = t->cells[i];
			}
		}
		if (rc == RC_OK)
			rc = suppress_alone(&t->grand, threshold);
	}
	if (rc != RC_OK)
		return rc;
	for (i = 0; i < t->n0; i++)
		for (j = 0; j < t->n1; j++)
			n += t->cells[i * t->n1 + j].suppressed;
	if (t->ndims == 2) {
		for (i = 0; i < t->n0; i++)
			n += t->rows[i].suppressed;
		for (j = 0; t->additive && j < t->n1; j++)
			n += t->cols[j].suppressed;
	}
	n += t->grand.suppressed;
	*hidden = n;
	return RC_OK;
}

/* ---- the query ----------------------------------------------------------------------- */

/* "YYYY-MM-DD" to Unix seconds at 00:00 UTC; -1 when it is not a date. */
static int64_t
day_start(const char *s)
{
	int y, m, d;

	if (s == NULL || strlen(s) != 10 || date_parse(s, &y, &m, &d) != 0)
		return -1;
	return date_days(y, m, d) * 86400;
}

/* The scope of `u`'s role as a filter; 0 when nothing is in scope. */
static int
report_scope(struct app *a, const struct app_actor *u, struct store_filter *f)
{
	switch (policy_scope(a->policy, &u->pu)) {
	case SCOPE_OWN:
		f->owner_id = u->pu.id;
		return 1;
	case SCOPE_AGENCY:
		f->agency_id = u->pu.agency_id;
		return 1;
	case SCOPE_LOCATION:
		if (u->pu.location_code[0] == '\0')
			return 0;
		f->location_prefix = u->pu.location_code;
		return 1;
	case SCOPE_ALL:
		return 1;
	case SCOPE_NONE:
		break;
	}
	return 0;
}

static const char *
scope_name(struct app *a, const struct app_actor *u)
{
	static const char *const names[] = {
		[SCOPE_NONE] = "none", [SCOPE_OWN] = "own", [SCOPE_AGENCY] = "agency",
		[SCOPE_LOCATION] = "location", [SCOPE_ALL] = "all"
	};

	return names[policy_scope(a->policy, &u->pu)];
}

struct levels {
	int	len[REPORT_LEVELS];	/* shortest code at each level; 0: none */
};

static int
level_row(void *arg, const char *code, const char *parent, int level, const char *names)
{
	struct levels *l = arg;
	int n = (int)strlen(code);

	(void)parent;
	(void)names;
	if (level >= 0 && level < REPORT_LEVELS && (l->len[level] == 0 || n < l->len[level]))
		l->len[level] = n;
	return 0;
}

/* The code prefix length of admin level `level`: the length of its codes. */
static int
location_len(struct app *a, int level, struct app_error *err)
{
	struct levels l;
	int rc;

	memset(&l, 0, sizeof(l));
	if ((rc = store_location_list(a->store, level_row, &l)) != RC_OK)
		return app_fail(err, rc, "cannot read the locations");
	if (level < 0 || level >= REPORT_LEVELS || l.len[level] == 0 ||
	    l.len[level] > STORE_LOCATION_LEN_MAX)
		return app_fail(err, RC_EINVALID, "location_level: no locations at level %d",
		    level);
	return l.len[level];
}

/* Parse the period and the dimensions of `q` for report `d`. */
struct rplan {
	const struct rdef	*def;
	const struct rdim	*dims[REPORT_DIMS_MAX];
	size_t			 ndims;
	int64_t			 from, to;	/* created range [from, to); 0: open */
	int			 loclen;	/* 0: whole location code */
};

static int
report_plan(struct app *a, const struct app_report_query *q, struct rplan *p,
    struct app_error *err)
{
	const char *s, *comma;
	size_t i, n;
	int special = 0;

	memset(p, 0, sizeof(*p));
	if ((p->def = rdef_find(q->name)) == NULL)
		return app_fail(err, RC_ENOTFOUND, "no report %s", q->name ? q->name : "");
	if (q->from != NULL && (p->from = day_start(q->from)) < 0)
		return app_fail(err, RC_EINVALID, "from: must be a date YYYY-MM-DD");
	if (q->to != NULL) {
		if ((p->to = day_start(q->to)) < 0)
			return app_fail(err, RC_EINVALID, "to: must be a date YYYY-MM-DD");
		p->to += 86400;		/* the whole last day */
	}
	if (p->from != 0 && p->to != 0 && p->from >= p->to)
		return app_fail(err, RC_EINVALID, "to: must not be before from");
	for (s = q->by; s != NULL && *s != '\0'; s = comma ? comma + 1 : s + n) {
		const struct rdim *d;

		comma = strchr(s, ',');
		n = comma ? (size_t)(comma - s) : strlen(s);
		if (n == 0)
			continue;
		if ((d = rdim_find(s, n)) == NULL || !word_in(p->def->dims, d->name))
			return app_fail(err, RC_EINVALID, "by: %.*s is not a dimension of "
			    "the %s report", (int)(n < 40 ? n : 40), s, p->def->name);
		for (i = 0; i < p->ndims; i++)
			if (p->dims[i] == d)
				return app_fail(err, RC_EINVALID, "by: %s given twice",
				    d->name);
		if (p->ndims == REPORT_DIMS_MAX)
			return app_fail(err, RC_EINVALID, "by: at most two dimensions");
		if (d->kind != RD_COLUMN && special++)
			return app_fail(err, RC_EINVALID, "by: month and concern cannot be "
			    "combined");
		p->dims[p->ndims++] = d;
	}
	if (q->location_level >= 0) {
		int len = location_len(a, q->location_level, err);

		if (len < 0)
			return len;
		p->loclen = len;
	}
	return RC_OK;
}

/* The months of the period, oldest first; an open period ends this month and starts
 * eleven months before its end. */
static int
month_axis(const struct rplan *p, struct axis *ax, struct app_error *err)
{
	int64_t end = p->to != 0 ? p->to - 1 : clock_now(), start;
	char date[DATE_SIZE], label[16];
	int y, m, d, ey, em, n = 0;

	clock_date(end, date);
	if (date_parse(date, &ey, &em, &d) != 0)
		return RC_EINTERNAL;
	if (p->from != 0) {
		clock_date(p->from, date);
		if (date_parse(date, &y, &m, &d) != 0)
			return RC_EINTERNAL;
	} else {
		y = ey;
		m = em - 11;
		while (m < 1) {
			m += 12;
			y--;
		}
	}
	for (; y < ey || (y == ey && m <= em); m == 12 ? (m = 1, y++) : m++) {
		if (n == REPORT_MONTHS_MAX)
			return app_fail(err, RC_EINVALID, "by: month covers at most %d "
			    "months; narrow from and to", REPORT_MONTHS_MAX);
		snprintf(label, sizeof(label), "%04d-%02d", y % 10000, m % 100);
		if (axis_add(ax, label) != RC_OK)
			return RC_ENOMEM;
		start = date_days(y, m, 1) * 86400;
		ax->from[n] = p->from > start ? p->from : start;
		start = (m == 12 ? date_days(y + 1, 1, 1) : date_days(y, m + 1, 1)) * 86400;
		ax->to[n] = p->to != 0 && p->to < start ? p->to : start;
		n++;
	}
	return RC_OK;
}

static const json_t *
concern_options(struct app *a)
{
	const struct form_field *f = form_field_find(forms_get(a->forms, "case"),
	    "protection_concerns");

	return f != NULL ? f->options : NULL;
}

struct total_ctx {
	long long	n;
};

static int
total_row(void *arg, const struct store_count_row *row)
{
	((struct total_ctx *)arg)->n += row->count;
	return 0;
}

/* Count the table of plan `p` into `t` within filter `base`. */
static int
report_count(struct app *a, const struct rplan *p, const struct store_filter *base,
    struct rtable *t, struct app_error *err)
{
	uint8_t (*keys)[STORE_BLIND_BYTES] = NULL;
	struct store_filter f;
	struct collect c = { 0 };
	struct total_ctx tot = { 0 };
	const char *groups[REPORT_DIMS_MAX];
	const json_t *opts, *o;
	size_t i, ng = 0, nkeys = 0;
	int rc, special = -1;

	t->def = p->def;
	t->ndims = p->ndims;
	t->additive = 1;
	c.t = t;
	for (i = 0; i < p->ndims; i++) {
		t->ax[i].dim = p->dims[i];
		if (p->dims[i]->kind == RD_COLUMN) {
			groups[ng] = p->dims[i]->group;
			c.cols[ng++] = (int)i;
		} else
			special = (int)i;
	}
	c.ncols = ng;
	c.special = special;
	if (special < 0) {
		rc = store_record_count_by(a->store, base, groups, ng, p->loclen,
		    collect_row, &c);
		if (rc != RC_OK)
			goto fail;
		return RC_OK;
	}
	if (p->dims[special]->kind == RD_MONTH) {
		struct axis *ax = &t->ax[special];

		if ((rc = month_axis(p, ax, err)) != RC_OK)
			return rc;
		for (i = 0; i < ax->n; i++) {
			f = *base;
			f.created_from = ax->from[i];
			f.created_to = ax->to[i];
			c.value = ax->v[i];
			if (f.created_from >= f.created_to)
				continue;
			if ((rc = store_record_count_by(a->store, &f, groups, ng, p->loclen,
			    collect_row, &c)) != RC_OK)
				goto fail;
		}
		return RC_OK;
	}
	/* concerns: every concern's blind key counted in one query; the total is the
	 * count of records, which the concerns' counts do not add up to */
	t->additive = 0;
	if ((rc = store_record_count_by(a->store, base, NULL, 0, 0, total_row, &tot)) !=
	    RC_OK)
		goto fail;
	t->records = tot.n;
	if ((opts = concern_options(a)) == NULL)
		return app_fail(err, RC_EINVALID, "by: the case form has no protection "
		    "concerns");
	if ((keys = calloc(json_array_size(opts) + 1, sizeof(*keys))) == NULL)
		return RC_ENOMEM;
	json_array_foreach(opts, i, o) {
		const char *id = json_get_str(o, "id");

		if (id == NULL || nkeys == STORE_COUNT_KEYS_MAX)
			continue;
		if ((rc = axis_add(&t->ax[special], id)) != RC_OK)
			goto fail;
		vault_blind(a->vault, "concern", id, keys[nkeys++]);
	}
	c.keyed = 1;
	rc = nkeys == 0 ? RC_OK : store_record_count_keys(a->store, base,
	    (const uint8_t (*)[STORE_BLIND_BYTES])keys, nkeys, groups, ng, p->loclen,
	    collect_row, &c);
	free(keys);
	keys = NULL;
	if (rc != RC_OK)
		goto fail;
	return RC_OK;
fail:
	free(keys);
	if (rc == RC_ETOOBIG)
		return app_fail(err, RC_EINVALID, "by: more than %d distinct values; use "
		    "a coarser location_level or another dimension", REPORT_VALUES_MAX);
	return app_fail(err, rc, "cannot count the %s", p->def->name);
}

/* ---- output ---------------------------------------------------------------------------- */

static json_t *
count_json(const struct kanon_count *c)
{
	return c->suppressed ? json_string(KANON_SUPPRESSED) : json_integer(c->value);
}

/* The value as the API shows it: agency ids as agency codes. */
static json_t *
value_json(struct app *a, const struct rdim *d, const char *v)
{
	struct store_agency ag;

	if (strcmp(d->name, "agency") == 0 && *v != '\0' &&
	    store_agency_get(a->store, v, &ag) == RC_OK)
		return json_string(ag.code);
	return json_string(v);
}

static json_t *
rtable_json(struct app *a, const struct rtable *t)
{
	json_t *data, *rows, *row, *totals, *m;
	size_t i, j, d;

	if ((data = json_object()) == NULL)
		return NULL;
	rows = json_array();
	totals = json_object();
	json_object_set_new(data, "rows", rows);
	json_object_set_new(data, "totals", totals);
	json_object_set_new(data, "total", count_json(&t->grand));
	json_object_set_new(data, "additive", json_boolean(t->additive));
	if (rows == NULL || totals == NULL)
		goto fail;
	for (i = 0; i < t->n0 && t->ndims > 0; i++)
		for (j = 0; j < t->n1; j++) {
			if ((row = json_object()) == NULL ||
			    json_array_append_new(rows, row) != 0)
				goto fail;
			json_object_set_new(row, t->ax[0].dim->name, value_json(a,
			    t->ax[0].dim, t->ax[0].v[i]));
			if (t->ndims > 1)
				json_object_set_new(row, t->ax[1].dim->name, value_json(a,
				    t->ax[1].dim, t->ax[1].v[j]));
			json_object_set_new(row, "count", count_json(&t->cells[i * t->n1 +
			    j]));
		}
	/* the margins of a two-way table (a concern table has only its rows') */
	for (d = 0; t->ndims == 2 && d < 2; d++) {
		const struct axis *ax = &t->ax[d];

		if (d == 1 && !t->additive)
			break;
		if ((m = json_array()) == NULL ||
		    json_object_set_new(totals, ax->dim->name, m) != 0)
			goto fail;
		for (i = 0; i < ax->n; i++) {
			if ((row = json_object()) == NULL || json_array_append_new(m, row) != 0)
				goto fail;
			json_object_set_new(row, ax->dim->name, value_json(a, ax->dim,
			    ax->v[i]));
			json_object_set_new(row, "count", count_json(d == 0 ? &t->rows[i] :
			    &t->cols[i]));
		}
	}
	return data;
fail:
	json_decref(data);
	return NULL;
}

/* ---- timeliness ------------------------------------------------------------------------- */

struct by_value {
	const char	*value;		/* count rows whose first value is this */
	long long	 n;
	long long	 all;
	const char *const *any;		/* or any of these (NULL-ended) */
};

static int
by_value_row(void *arg, const struct store_count_row *row)
{
	struct by_value *b = arg;
	size_t i;

	b->all += row->count;
	if (b->value != NULL && strcmp(row->value[0], b->value) == 0)
		b->n += row->count;
	for (i = 0; b->any != NULL && b->any[i] != NULL; i++)
		if (strcmp(row->value[0], b->any[i]) == 0)
			b->n += row->count;
	return 0;
}

static int
count_where(struct app *a, const struct store_filter *f, const char *group,
    const char *value, const char *const *any, long long *n, long long *all)
{
	const char *groups[1] = { group };
	struct by_value b = { 0 };
	int rc;

	b.value = value;
	b.any = any;
	rc = store_record_count_by(a->store, f, groups, group ? 1 : 0, 0, by_value_row,
	    &b);
	*n = b.n;
	if (all != NULL)
		*all = b.all;
	return rc;
}

enum ind {
	IND_REGISTERED,
	IND_ASSESSED,
	IND_WAITING,
	IND_WAITING_LATE,
	IND_PLAN_APPROVED,
	IND_CLOSED,
	IND_OPEN,
	IND_OPEN_HIGH,
	IND_REFERRALS,
	IND_REFERRALS_ACCEPTED,
	IND_REFERRALS_OTHER,	/* not published: the complement of accepted */
	IND_VOTS,
	IND__MAX
};

static const struct ind_def {
	const char	*id;
	int		 of;		/* the denominator of its percentage; -1 none */
	int		 published;
} ind_defs[IND__MAX] = {
	[IND_REGISTERED] =		{ "registered", -1, 1 },
	[IND_ASSESSED] =		{ "initial_assessment_done", IND_REGISTERED, 1 },
	[IND_WAITING] =			{ "waiting_within_response_time", IND_REGISTERED, 1 },
	[IND_WAITING_LATE] =		{ "waiting_past_response_time", IND_REGISTERED, 1 },
	[IND_PLAN_APPROVED] =		{ "plan_approved", IND_REGISTERED, 1 },
	[IND_CLOSED] =			{ "closed", IND_REGISTERED, 1 },
	[IND_OPEN] =			{ "open", -1, 1 },
	[IND_OPEN_HIGH] =		{ "open_high_risk", IND_OPEN, 1 },
	[IND_REFERRALS] =		{ "referrals", -1, 1 },
	[IND_REFERRALS_ACCEPTED] =	{ "referrals_accepted", IND_REFERRALS, 1 },
	[IND_REFERRALS_OTHER] =		{ "referrals_not_accepted", IND_REFERRALS, 0 },
	[IND_VOTS] =			{ "vots_identified", -1, 1 },
};

/* What the indicators need that the index columns do not hold. */
static const char *const not_computable[][2] = {
	{ "assessed_within_deadline", "the date of the initial assessment is in the sealed "
	  "record; the index holds only the current stage" },
	{ "follow_ups_on_time", "follow-up visits and their dates are in the sealed record" },
	{ "reunifications", "reunification records are in the sealed record" },
};

/* The cases by stage and risk level, in one pass. */
struct stage_risk {
	long long	all, new_, plan, closed, open_high;
};

static int
stage_risk_row(void *arg, const struct store_count_row *row)
{
	struct stage_risk *c = arg;
	const char *stage = row->value[0], *risk = row->value[1];

	c->all += row->count;
	if (strcmp(stage, "new") == 0)
		c->new_ += row->count;
	if (strcmp(stage, "implementation") == 0 || strcmp(stage, "follow_up") == 0)
		c->plan += row->count;
	if (strcmp(stage, "closed") == 0)
		c->closed += row->count;
	else if (strcmp(risk, "high") == 0)
		c->open_high += row->count;
	return 0;
}

static int
report_timeliness(struct app *a, const struct store_filter *base,
    struct kanon_count ind[IND__MAX], struct app_error *err)
{
	static const char *const risks[] = { "high", "medium", "low", "" };
	static const char *const accepted[] = { "accepted", "in_progress", "completed",
	    NULL };
	static const char *const stage_risk_groups[] = { "workflow", "risk_level" };
	struct stage_risk sr = { 0 };
	struct store_filter f;
	long long n, all;
	int64_t now = clock_now(), due;
	size_t i;
	int rc;

	memset(ind, 0, sizeof(*ind) * IND__MAX);
	f = *base;
	f.type = "case";
	if ((rc = store_record_count_by(a->store, &f, stage_risk_groups, 2, 0,
	    stage_risk_row, &sr)) != RC_OK)
		goto fail;
	ind[IND_REGISTERED].value = sr.all;
	ind[IND_ASSESSED].value = sr.all - sr.new_;
	ind[IND_PLAN_APPROVED].value = sr.plan;
	ind[IND_CLOSED].value = sr.closed;
	ind[IND_OPEN].value = sr.all - sr.closed;
	ind[IND_OPEN_HIGH].value = sr.open_high;
	/* waiting past the response time of their risk level: registered before now
	 * minus that time and still at "new" */
	f.status = "open";
	f.workflow = "new";
	for (i = 0; i < 4; i++) {
		struct store_filter g = f;
		const char *const others[] = { risks[0], risks[1], risks[2], NULL };

		due = workflow_response_seconds(a->workflow, risks[i]);
		if (g.created_to == 0 || g.created_to > now - due)
			g.created_to = now - due;
		if (g.created_from != 0 && g.created_from >= g.created_to)
			continue;
		if (i < 3)
			rc = count_where(a, &g, "risk_level", risks[i], NULL, &n, NULL);
		else {
			/* no risk level (or one the workflow does not know): "none" */
			rc = count_where(a, &g, "risk_level", NULL, others, &n, &all);
			n = all - n;
		}
		if (rc != RC_OK)
			goto fail;
		ind[IND_WAITING_LATE].value += n;
	}
	ind[IND_WAITING].value = ind[IND_REGISTERED].value - ind[IND_ASSESSED].value -
	    ind[IND_WAITING_LATE].value;
	f = *base;
	f.type = "referral";
	if ((rc = count_where(a, &f, "workflow", NULL, accepted, &n, &all)) != RC_OK)
		goto fail;
	ind[IND_REFERRALS].value = all;
	ind[IND_REFERRALS_ACCEPTED].value = n;
	ind[IND_REFERRALS_OTHER].value = all - n;
	f.type = "vot";
	if ((rc = count_where(a, &f, NULL, NULL, NULL, &n, &all)) != RC_OK)
		goto fail;
	ind[IND_VOTS].value = all;
	return RC_OK;
fail:
	return app_fail(err, rc, "cannot count the indicators");
}

/* Small counts of the indicators: the stages of registered cases and the referrals are
 * lines with their totals; the rest stand alone. */
static int
timeliness_suppress(struct kanon_count ind[IND__MAX], long long threshold,
    size_t *hidden)
{
	struct kanon_count line[3];
	size_t i;
	int rc;

	line[0] = ind[IND_ASSESSED];
	line[1] = ind[IND_WAITING];
	line[2] = ind[IND_WAITING_LATE];
	if ((rc = kanon_suppress_counts(line, 3, threshold, &ind[IND_REGISTERED])) !=
	    RC_OK)
		return rc;
	ind[IND_ASSESSED] = line[0];
	ind[IND_WAITING] = line[1];
	ind[IND_WAITING_LATE] = line[2];
	line[0] = ind[IND_REFERRALS_ACCEPTED];
	line[1] = ind[IND_REFERRALS_OTHER];
	if ((rc = kanon_suppress_counts(line, 2, threshold, &ind[IND_REFERRALS])) != RC_OK)
		return rc;
	ind[IND_REFERRALS_ACCEPTED] = line[0];
	ind[IND_REFERRALS_OTHER] = line[1];
	for (i = 0; i < IND__MAX; i++) {
		if (i == IND_REGISTERED || i == IND_ASSESSED || i == IND_WAITING ||
		    i == IND_WAITING_LATE || i == IND_REFERRALS ||
		    i == IND_REFERRALS_ACCEPTED || i == IND_REFERRALS_OTHER)
			continue;
		if ((rc = suppress_alone(&ind[i], threshold)) != RC_OK)
			return rc;
	}
	*hidden = 0;
	for (i = 0; i < IND__MAX; i++)
		if (ind_defs[i].published && ind[i].suppressed)
			(*hidden)++;
	return RC_OK;
}

static json_t *
timeliness_json(const struct kanon_count ind[IND__MAX])
{
	json_t *data, *rows, *row, *nc;
	size_t i;

	if ((data = json_object()) == NULL)
		return NULL;
	rows = json_array();
	nc = json_array();
	json_object_set_new(data, "rows", rows);
	json_object_set_new(data, "not_computable", nc);
	if (rows == NULL || nc == NULL)
		goto fail;
	for (i = 0; i < IND__MAX; i++) {
		const struct kanon_count *c = &ind[i];
		int of = ind_defs[i].of;
		json_t *pct = json_null();

		if (!ind_defs[i].published)
			continue;
		if (of >= 0 && (c->suppressed || ind[of].suppressed))
			pct = json_string(KANON_SUPPRESSED);
		else if (of >= 0 && ind[of].value > 0)
			pct = json_real((double)(c->value * 1000 / ind[of].value) / 10.0);
		row = json_pack("{s:s, s:o, s:o}", "indicator", ind_defs[i].id, "count",
		    count_json(c), "percent", pct);
		if (row == NULL || json_array_append_new(rows, row) != 0)
			goto fail;
		if (of >= 0)
			json_object_set_new(row, "of", json_string(ind_defs[of].id));
	}
	for (i = 0; i < sizeof(not_computable) / sizeof(not_computable[0]); i++)
		json_array_append_new(nc, json_pack("{s:s, s:s}", "indicator",
		    not_computable[i][0], "reason", not_computable[i][1]));
	json_object_set_new(data, "total", count_json(&ind[IND_REGISTERED]));
	return data;
fail:
	json_decref(data);
	return NULL;
}

/* ---- use cases ---------------------------------------------------------------------------- */

int
app_report_list(struct app *a, const struct app_actor *u, json_t **out,
    struct app_error *err)
{
	json_t *list, *dims;
	size_t i, j;

	*out = NULL;
	if (!policy_allows(a->policy, &u->pu, "report.read", NULL, NULL)) {
		audit_note(a, u, "report.read", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not read reports");
	}
	if ((list = json_array()) == NULL)
		return RC_ENOMEM;
	for (i = 0; i < RDEF_N; i++) {
		if ((dims = json_array()) == NULL)
			goto fail;
		for (j = 0; j < RDIM_N; j++)
			if (word_in(rdefs[i].dims, rdims[j].name))
				json_array_append_new(dims, json_string(rdims[j].name));
		if (json_array_append_new(list, json_pack("{s:s, s:s?, s:s, s:o}", "name",
		    rdefs[i].name, "type", rdefs[i].type, "title", rdefs[i].title, "by",
		    dims)) != 0)
			goto fail;
	}
	*out = json_pack("{s:o, s:{s:s}}", "data", list, "metadata", "scope",
	    scope_name(a, u));
	return *out != NULL ? RC_OK : RC_ENOMEM;
fail:
	json_decref(list);
	return RC_ENOMEM;
}

int
app_report_get(struct app *a, const struct app_actor *u, const struct app_report_query *q,
    json_t **out, struct app_error *err)
{
	struct report_config cfg;
	struct store_filter f = { 0 };
	struct kanon_count ind[IND__MAX];
	struct rtable *t = NULL;
	struct rplan p;
	json_t *data = NULL, *meta = NULL, *fields = NULL;
	char outcome[64], d[DATE_SIZE];
	size_t hidden = 0, i;
	int rc;

	*out = NULL;
	if (!policy_allows(a->policy, &u->pu, "report.read", NULL, NULL)) {
		audit_note(a, u, "report.read", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not read reports");
	}
	if ((rc = report_config_load(&cfg, err)) != RC_OK ||
	    (rc = report_plan(a, q, &p, err)) != RC_OK)
		return rc;
	f.type = p.def->type != NULL ? p.def->type : "case";
	f.created_from = p.from;
	f.created_to = p.to;
	if ((t = calloc(1, sizeof(*t))) == NULL)
		return RC_ENOMEM;
	if (!report_scope(a, u, &f)) {
		audit_note(a, u, "report.read", NULL, NULL, "denied: nothing in scope");
		rc = app_fail(err, RC_EDENIED, "your role has no records in its scope");
		goto out;
	}
	if (p.def->type == NULL) {
		if ((rc = report_timeliness(a, &f, ind, err)) != RC_OK)
			goto out;
		if (q->external &&
		    timeliness_suppress(ind, cfg.threshold, &hidden) != RC_OK) {
			rc = app_fail(err, RC_EINTERNAL, "cannot hide the small counts");
			goto out;
		}
		data = timeliness_json(ind);
	} else {
		if ((rc = report_count(a, &p, &f, t, err)) != RC_OK ||
		    (rc = rtable_fill(t)) != RC_OK)
			goto out;
		if (q->external && rtable_suppress(t, cfg.threshold, &hidden) != RC_OK) {
			rc = app_fail(err, RC_EINTERNAL, "cannot hide the small counts");
			goto out;
		}
		data = rtable_json(a, t);
	}
	if (data == NULL || (fields = json_array()) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	json_object_set_new(data, "report", json_string(p.def->name));
	json_object_set_new(data, "title", json_string(p.def->title));
	if (p.def->type != NULL)
		json_object_set_new(data, "type", json_string(p.def->type));
	json_object_set_new(data, "by", json_array());
	for (i = 0; i < p.ndims; i++) {
		json_array_append_new(json_object_get(data, "by"),
		    json_string(p.dims[i]->name));
		json_array_append_new(fields, json_string(p.dims[i]->name));
	}
	meta = json_pack("{s:b, s:I, s:I, s:s}", "external", q->external, "threshold",
	    (json_int_t)cfg.threshold, "suppressed", (json_int_t)hidden, "scope",
	    scope_name(a, u));
	if (meta == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	if (p.from != 0) {
		clock_date(p.from, d);
		json_object_set_new(meta, "from", json_string(d));
	}
	if (p.to != 0) {
		clock_date(p.to - 1, d);
		json_object_set_new(meta, "to", json_string(d));
	}
	if (q->location_level >= 0)
		json_object_set_new(meta, "location_level", json_integer(q->location_level));
	if ((*out = json_pack("{s:O, s:O}", "data", data, "metadata", meta)) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	/* which index columns were counted, never a value */
	snprintf(outcome, sizeof(outcome), "ok: %s%s", p.def->name,
	    q->external ? " (external)" : "");
	audit_note(a, u, "report.read", NULL, fields, outcome);
	rc = RC_OK;
out:
	if (t != NULL) {
		rtable_free(t);
		free(t);
	}
	json_decref(fields);
	json_decref(data);
	json_decref(meta);
	return rc;
}
