/*
 * match.c — family tracing matches and duplicate cases with the engine of
 * domain/match: candidates from the blind index only, opened and compared in memory;
 * decisions on a (trace, case) pair; tasks for new likely matches; the duplicate link
 * between two cases.
 *
 * WHAT IS STORED WHERE (no child data in clear):
 *   - docs "trace"  id = trace UUID, ref = its tracing request: where a trace lives;
 *   - docs "match"  id = "<trace>:<case>", ref = trace: the decision, its score, who
 *     and when (user id and username, never a name of a child or a relative);
 *   - docs "task"   id = "<case>:match:<trace>", ref = case: a new likely match for
 *     the FTR officers of the tracing request's agency (body: kind, ids, score);
 *   - the decision's free-text note goes into the tracing request's sealed body
 *     (system field match_decisions), never into a document;
 *   - a confirmed match sets tracing_status (and the matched ids) in both sealed
 *     bodies; a duplicate sets duplicate_of in the case body and its link_id column.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/impl.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/id.h"
#include "base/json.h"
#include "base/log.h"
#include "domain/consent.h"
#include "domain/match.h"
#include "domain/record.h"
#include "domain/workflow.h"

#define MATCH_CANDIDATES_MAX	500	/* records opened for one lookup, unranked */
/* ranked records looked up in the narrow index at a time: small enough that the
 * lookups stop soon after the best are known (each may be a read from disk) */
#define MATCH_RANK_BATCH	128
_Static_assert(MATCH_RANK_BATCH <= STORE_IDS_MAX && MATCH_RANK_OPEN <= STORE_IDS_MAX,
    "one store_record_index_ids or store_record_list_ids call takes a batch");
#define MATCH_RESULTS_MAX	50	/* matches answered, best first */
#define MATCH_KEY_COMMON	2000	/* records sharing a key that is "common" */
#define MATCH_COMMON_PAIRS	4	/* rarest common keys paired with each other */
#define MATCH_SYSTEM_ROLE	"ftr_officer"	/* whose view tasks are written for */
#define MATCH_NOTE_MAX		1000	/* bytes of a decision's note */
#define TRACES_FIELD		"tracing_request_subform_section"
#define CANDS_FULL		1	/* a callback's "stop: the set is full" */
/* documents: 0.91, not 0.91000000000000003 */
#define MATCH_DOC_FLAGS		(JSON_COMPACT | JSON_REAL_PRECISION(6))

/* ---- candidates from the blind index --------------------------------------------- */

struct bkey {
	uint8_t	k[STORE_BLIND_BYTES];
	int	skeleton;		/* a consonant skeleton rather than a token */
	int64_t	count;			/* records of the scope with this key */
};

struct bkeys {
	const struct vault	*v;
	struct bkey		 k[MATCH_KEYS_MAX];
	size_t			 n;
};

static int
bkeys_add(void *arg, const char *kind, const char *key)
{
	struct bkeys *b = arg;
	uint8_t h[STORE_BLIND_BYTES];
	size_t i;

	if (b->n == MATCH_KEYS_MAX)
		return RC_OK;
	vault_blind(b->v, kind, key, h);
	for (i = 0; i < b->n; i++)
		if (memcmp(b->k[i].k, h, sizeof(h)) == 0)
			return RC_OK;
	memcpy(b->k[b->n].k, h, sizeof(h));
	b->k[b->n].skeleton = strcmp(kind, "skeleton") == 0;
	b->k[b->n].count = 0;
	b->n++;
	return RC_OK;
}

static int
bkey_rarer(const void *x, const void *y)
{
	const struct bkey *a = x, *b = y;

	return a->count < b->count ? -1 : a->count > b->count;
}

/* The records found so far, each once. */
struct cands {
	struct store_record	*r;
	size_t			 n, cap;
	int			 capped;	/* some key had more records than taken */
};

static int
cands_row(void *arg, struct store_record *r)
{
	struct cands *c = arg;
	struct store_record *nr;
	size_t i;

	for (i = 0; i < c->n; i++)
		if (strcmp(c->r[i].m.id, r->m.id) == 0) {
			store_record_free(r);
			return 0;
		}
	if (c->n == MATCH_CANDIDATES_MAX) {
		store_record_free(r);
		c->capped = 1;
		return CANDS_FULL;
	}
	if (c->n == c->cap) {
		size_t ncap = c->cap ? c->cap * 2 : 32;

		if ((nr = realloc(c->r, ncap * sizeof(*nr))) == NULL) {
			store_record_free(r);
			return RC_ENOMEM;
		}
		c->r = nr;
		c->cap = ncap;
	}
	c->r[c->n++] = *r;	/* the set owns its buffers now */
	return 0;
}

static void
cands_free(struct cands *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		store_record_free(&c->r[i]);
	free(c->r);
	memset(c, 0, sizeof(*c));
}

/* Count the rows a fetch delivers, to tell when a key gave all it could. */
struct fetch_ctx {
	struct cands	*c;
	int64_t		 rows;
};

static int
fetch_row(void *arg, struct store_record *r)
{
	struct fetch_ctx *fc = arg;

	fc->rows++;
	return cands_row(fc->c, r);
}

/*
 * Add the records of `scope` that have key `key` (and `also`, when not NULL): read
 * through the key index, or, when the scope holds fewer records than the key (tracing
 * requests are few, and their names are the cases' names), through the scope.
 */
static int
cands_fetch(struct app *a, const struct store_filter *scope, int64_t scope_size,
    const struct bkey *key, const struct bkey *also, struct cands *c)
{
	struct store_key_any terms[2];
	struct store_filter f = *scope;
	struct fetch_ctx fc = { c, 0 };
	int rc;

	f.limit = MATCH_CANDIDATES_MAX;
	f.offset = 0;
	f.terms = terms;
	f.nterms = 0;
	if (scope_size >= 0 && scope_size < key->count) {
		memcpy(terms[f.nterms].k[0], key->k, STORE_BLIND_BYTES);
		terms[f.nterms++].n = 1;
	}
	if (also != NULL) {
		memcpy(terms[f.nterms].k[0], also->k, STORE_BLIND_BYTES);
		terms[f.nterms++].n = 1;
	}
	if (scope_size >= 0 && scope_size < key->count)
		rc = store_record_list(a->store, &f, NULL, fetch_row, &fc);
	else
		rc = store_record_list_by_key(a->store, &f, key->k, fetch_row, &fc);
	if (fc.rows == f.limit)
		c->capped = 1;		/* the key may have had more */
	return rc == CANDS_FULL ? RC_OK : rc;
}

/* ---- ranked: read the key index, count, open only the best ---- */

/* The records met on the key index, and what the key being read weighs. */
struct rank_ctx {
	struct match_rank	*rk;
	double			 w;
};

static int
rank_row(void *arg, const char *record_id)
{
	struct rank_ctx *x = arg;

	return match_rank_add(x->rk, record_id, x->w);
}

/* The records of one batch as the store gives them, in no order. */
struct batch {
	struct store_record	r[MATCH_RANK_OPEN];
	size_t			n;
};

static int
batch_row(void *arg, struct store_record *r)
{
	struct batch *b = arg;

	if (b->n == MATCH_RANK_OPEN) {		/* cannot happen: ids are unique */
		store_record_free(r);
		return RC_EINTEGRITY;
	}
	b->r[b->n++] = *r;
	return 0;
}

/* The short list: ranked records found in scope, with what their index columns add. */
struct shortlist {
	struct short_entry {
		char	id[ID_SIZE];
		double	w;
	}			 e[MATCH_RANK_SHORT];
	size_t			 n;
	const struct app	*a;
	const struct match_record *mr;
	const char *const	*ids;	/* the batch looked up, and their weights */
	const double		*w;
	size_t			 nids;
};

static int
short_row(void *arg, const struct record_meta *m)
{
	struct shortlist *sl = arg;
	size_t i;

	if (sl->n == MATCH_RANK_SHORT)
		return CANDS_FULL;
	for (i = 0; i < sl->nids && strcmp(sl->ids[i], m->id) != 0; i++)
		;
	if (i == sl->nids)
		return RC_EINTEGRITY;	/* the store answered an id not asked for */
	str_copy(sl->e[sl->n].id, ID_SIZE, m->id);
	sl->e[sl->n++].w = sl->w[i] + match_rank_index_weight(sl->a->match, sl->mr,
	    m->sex, m->age_band);
	return 0;
}

static int
short_better(const void *x, const void *y)
{
	const struct short_entry *a = x, *b = y;

	if (a->w != b->w)
		return a->w > b->w ? -1 : 1;
	return strcmp(a->id, b->id);
}

/*
 * The MATCH_RANK_OPEN best-ranked records of `scope` for `mr` among those that share a
 * key of `b`, opened by the caller and by no one else (domain/match.h, "ranking"):
 *   1. the keys planned within MATCH_RANK_BUDGET index entries are read from the key
 *      index alone, and every record met is ranked by the weights of the keys it
 *      shares (any type or scope: this only orders them);
 *   2. best first, the ranked records are looked up in the narrow index of the
 *      records, within the scope, a batch at a time, and their sex and age band added
 *      to their weight, until MATCH_RANK_SHORT are in hand, MATCH_RANK_DEPTH were
 *      looked up, or no record left could reach the best MATCH_RANK_OPEN;
 *   3. the best MATCH_RANK_OPEN of those are read in one query, in that order.
 * A key left out of the plan, or records left out at any step, set c->capped.
 */
static int
cands_ranked(struct app *a, const struct store_filter *scope, const struct bkeys *b,
    const struct match_record *mr, struct cands *c)
{
	struct rank_ctx ctx = { 0 };
	int64_t counts[MATCH_KEYS_MAX], planned;
	int use[MATCH_KEYS_MAX];
	const char *ids[STORE_IDS_MAX];
	double w[MATCH_RANK_BATCH], bonus = match_rank_index_max(a->match, mr);
	struct shortlist *sl = NULL;
	struct batch *bt = NULL;
	size_t i, j, k, n, at = 0;
	int rc;

	for (i = 0; i < b->n; i++)
		counts[i] = b->k[i].count;
	planned = match_rank_plan(counts, b->n, MATCH_RANK_BUDGET, use);
	for (i = 0; i < b->n; i++)
		if (!use[i] && counts[i] > 0)
			c->capped = 1;
	if (planned == 0)
		return RC_OK;
	if ((rc = match_rank_new((size_t)planned, &ctx.rk)) != RC_OK)
		return rc;
	for (i = 0; i < b->n; i++) {
		if (!use[i])
			continue;
		/* at most as many as counted: a key that grew since cannot overfill */
		ctx.w = match_key_weight(counts[i]);
		if ((rc = store_key_records(a->store, b->k[i].k, counts[i], rank_row,
		    &ctx)) != RC_OK)
			goto out;
	}
	match_rank_sort(ctx.rk);
	if ((sl = calloc(1, sizeof(*sl))) == NULL || (bt = calloc(1, sizeof(*bt))) ==
	    NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	sl->a = a;
	sl->mr = mr;
	sl->ids = ids;
	sl->w = w;
	n = match_rank_count(ctx.rk);
	rc = RC_OK;
	for (at = 0; at < n && at < MATCH_RANK_DEPTH && sl->n < MATCH_RANK_SHORT;
	    at += k) {
		/* no record from here on can pass the MATCH_RANK_OPEN-th best (at most
		 * tie with it: namesakes sharing the same keys are many) */
		if (sl->n >= MATCH_RANK_OPEN) {
			qsort(sl->e, sl->n, sizeof(sl->e[0]), short_better);
			if (match_rank_weight(ctx.rk, at) + bonus <=
			    sl->e[MATCH_RANK_OPEN - 1].w)
				break;
		}
		for (k = 0; k < MATCH_RANK_BATCH && at + k < n; k++) {
			ids[k] = match_rank_id(ctx.rk, at + k);
			w[k] = match_rank_weight(ctx.rk, at + k);
		}
		sl->nids = k;
		rc = store_record_index_ids(a->store, scope, ids, k, short_row, sl);
		if (rc == CANDS_FULL)
			rc = RC_OK;
		if (rc != RC_OK)
			goto out;
	}
	if (at < n)
		c->capped = 1;
	if (sl->n == 0)
		goto out;
	qsort(sl->e, sl->n, sizeof(sl->e[0]), short_better);
	if (sl->n > MATCH_RANK_OPEN) {
		sl->n = MATCH_RANK_OPEN;
		c->capped = 1;
	}
	for (k = 0; k < sl->n; k++)
		ids[k] = sl->e[k].id;
	if ((rc = store_record_list_ids(a->store, scope, ids, sl->n, batch_row, bt)) !=
	    RC_OK)
		goto out;
	/* in rank order */
	for (i = 0; i < sl->n && rc == RC_OK; i++)
		for (j = 0; j < bt->n; j++)
			if (bt->r[j].body != NULL && strcmp(bt->r[j].m.id, ids[i]) == 0) {
				/* the set owns it now, whatever the outcome */
				rc = cands_row(c, &bt->r[j]);
				memset(&bt->r[j], 0, sizeof(bt->r[j]));
				break;
			}
out:
	if (bt != NULL)
		for (j = 0; j < bt->n; j++)
			store_record_free(&bt->r[j]);
	free(bt);
	free(sl);
	match_rank_free(ctx.rk);
	return rc;
}

/*
 * The candidates for `mr` among the records of `scope` (type and access scope set),
 * never a scan: each blocking key of the record is counted in the key index (whatever
 * the type or scope: a measure of rarity). Then:
 *   - many records in scope (cases: `scope_size` -1): ranked from the key index and
 *     only the best MATCH_RANK_OPEN read (cands_ranked);
 *   - few (tracing requests, counted by the caller), or when the ranking found none:
 *     the records are read through the key index, rarest key first — a rare key (a
 *     family name few share) says more than a common one — until
 *     MATCH_CANDIDATES_MAX. Keys shared by more than MATCH_KEY_COMMON records are used
 *     only in pairs (records that have both of two of the rarest common keys), and a
 *     single common key only when nothing else found anything.
 * c->capped tells that some records may have been left out. `scope_size`: how many
 * records the scope holds, when the caller counted them (few: tracing requests), else
 * -1.
 */
static int
match_candidates(struct app *a, const struct store_filter *scope, int64_t scope_size,
    const struct match_record *mr, struct cands *c)
{
	struct bkeys *b;
	struct bkey common[MATCH_COMMON_PAIRS];
	size_t i, j, ncommon = 0;
	int64_t left;
	int rc;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return RC_ENOMEM;
	b->v = a->vault;
	if ((rc = match_blocking_keys(mr, bkeys_add, b)) != RC_OK)
		goto out;
	for (i = 0; i < b->n; i++)
		if ((rc = store_key_count(a->store, b->k[i].k, MATCH_KEY_COMMON + 1,
		    &b->k[i].count)) != RC_OK)
			goto out;
	/* for ranking, the common keys counted further, but only as far as the budget
	 * left after the rare ones: the plan reads keys rarest first while they fit, so
	 * a key over that is never read and its count past it says nothing (a common key
	 * of 200,000 records costs this 60,000 index entries at most) */
	if (scope_size < 0) {
		for (i = 0, left = MATCH_RANK_BUDGET; i < b->n; i++)
			if (b->k[i].count <= MATCH_KEY_COMMON)
				left -= b->k[i].count;
		for (i = 0; i < b->n && left > 0; i++)
			if (b->k[i].count > MATCH_KEY_COMMON &&
			    (rc = store_key_count(a->store, b->k[i].k, left + 1,
			    &b->k[i].count)) != RC_OK)
				goto out;
	}
	if (b->n > 0)
		qsort(b->k, b->n, sizeof(b->k[0]), bkey_rarer);
	/* many records in scope (cases): ranked from the key index, the best opened */
	if (scope_size < 0) {
		if ((rc = cands_ranked(a, scope, b, mr, c)) != RC_OK || c->n > 0)
			goto out;
		c->capped = 0;	/* nothing within the plan: each key as below */
	}
	for (i = 0; i < b->n && c->n < MATCH_CANDIDATES_MAX; i++) {
		if (b->k[i].count == 0)
			continue;
		if (b->k[i].count > MATCH_KEY_COMMON) {
			if (ncommon < MATCH_COMMON_PAIRS)
				common[ncommon++] = b->k[i];
			continue;
		}
		if ((rc = cands_fetch(a, scope, scope_size, &b->k[i], NULL, c)) !=
		    RC_OK)
			goto out;
	}
	if (i < b->n)
		c->capped = 1;
	/* common keys: two at a time, so that "Mohamed Ali" finds the Mohamed Alis, not
	 * all Mohameds; with more than two, only keys of one kind are paired (two
	 * skeletons or two tokens), as a token and its own skeleton find nearly the same
	 * records */
	for (i = 0; i < ncommon && c->n < MATCH_CANDIDATES_MAX; i++)
		for (j = i + 1; j < ncommon && c->n < MATCH_CANDIDATES_MAX; j++) {
			if (common[i].skeleton != common[j].skeleton && ncommon > 2)
				continue;
			if ((rc = cands_fetch(a, scope, scope_size, &common[i],
			    &common[j], c)) != RC_OK)
				goto out;
		}
	if (c->n == 0 && ncommon > 0) {
		rc = cands_fetch(a, scope, scope_size, &common[0], NULL, c);
		c->capped = 1;
	}
out:
	free(b);
	return rc;
}

static int
count_row(void *arg, const struct store_count_row *row)
{
	*(int64_t *)arg = row->count;
	return 0;
}

/* How many records the scope holds: for tracing requests, which are few. */
static int
match_scope_size(struct app *a, const struct store_filter *scope, int64_t *n)
{
	*n = 0;
	return store_record_count_by(a->store, scope, NULL, 0, 0, count_row, n);
}

/*
 * The store filter of what `pu` may see of `type`: 1 with `f` set (limit unset), or 0
 * when nothing is in scope.
 */
static int
match_scope(struct app *a, const struct policy_user *pu, const char *type,
    struct store_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->type = type;
	switch (policy_scope(a->policy, pu)) {
	case SCOPE_OWN:
		f->owner_id = pu->id;
		return pu->id[0] != '\0';
	case SCOPE_AGENCY:
		f->agency_id = pu->agency_id;
		return pu->agency_id[0] != '\0';
	case SCOPE_LOCATION:
		f->location_prefix = pu->location_code;
		return pu->location_code[0] != '\0';
	case SCOPE_ALL:
		return 1;
	case SCOPE_NONE:
		break;
	}
	return 0;
}

/* ---- shared pieces ------------------------------------------------------------------ */

/* Open a record's body; `*data` the caller's. */
static int
match_open(struct app *a, const struct store_record *r, json_t **data,
    struct app_error *err)
{
	struct vault_dk dk;
	int rc;

	rc = app_rec_open(a, r, &dk, data, err);
	vault_dk_wipe(&dk);
	return rc;
}

/* 1 when case `body` holds valid consent for tracing on `today` (consent.h). */
static int
match_case_consent(struct app *a, const json_t *body, const char *today,
    struct consent_result *res)
{
	return consent_check(workflow_consent_rules(a->workflow), body, today, "tracing",
	    NULL, res) == RC_OK;
}

/* 1 when the person asking consented to tracing. */
static int
match_request_consent(const json_t *request)
{
	return json_is_true(json_object_get(request, "consent_for_tracing"));
}

/* 1 when a trace is still looked for (not reunified, not closed). */
static int
match_trace_open(const json_t *trace)
{
	const char *s = json_get_str(trace, "tracing_status");

	return s == NULL || (strcmp(s, "reunified") != 0 && strcmp(s, "closed") != 0);
}

/* The trace of `request` with unique_id `id`, or NULL. */
static json_t *
match_trace_find(const json_t *request, const char *id)
{
	json_t *trace;
	size_t i;

	json_array_foreach(json_object_get(request, TRACES_FIELD), i, trace)
		if (strcmp(json_get_str(trace, "unique_id") ? json_get_str(trace,
		    "unique_id") : "", id) == 0)
			return trace;
	return NULL;
}

/* The id of the "match" document of a pair: "<trace>:<case>". */
static void
match_pair_id(const char *trace_id, const char *case_id, char out[STORE_DOC_ID_SIZE])
{
	snprintf(out, STORE_DOC_ID_SIZE, "%s:%s", trace_id, case_id);
}

/* The decision recorded on a pair: "confirmed", "not_a_match", or "" (none). */
static void
match_decision(struct app *a, const char *trace_id, const char *case_id, char out[16])
{
	struct store_doc d = { 0 };
	char id[STORE_DOC_ID_SIZE];
	json_t *body;

	out[0] = '\0';
	match_pair_id(trace_id, case_id, id);
	if (store_doc_get(a->store, "match", id, &d) != RC_OK)
		return;
	if ((body = json_loads(d.body, 0, NULL)) != NULL &&
	    json_get_str(body, "decision") != NULL)
		str_copy(out, 16, json_get_str(body, "decision"));
	json_decref(body);
	store_doc_free(&d);
}

/* 1 when `u` may see field `field` of `type` (for a subform field: its subform's). */
static int
match_visible(struct app *a, const struct app_actor *u, const char *type,
    const char *field)
{
	const struct form_field *f = form_field_find(forms_get(a->forms, type), field);

	return f != NULL && policy_field_visible(a->policy, &u->pu, f->sensitivity);
}

/* {"name","sex","age"} of a case or a trace, the members `u` may see. */
static json_t *
match_summary(struct app *a, const struct app_actor *u, const char *type,
    const char *parent, const json_t *src)
{
	static const char *const keys[] = { "name", "sex", "age", "date_of_birth" };
	json_t *o = json_object(), *v;
	size_t i;

	for (i = 0; o != NULL && i < sizeof(keys) / sizeof(keys[0]); i++)
		if ((v = json_object_get(src, keys[i])) != NULL &&
		    match_visible(a, u, type, parent != NULL ? parent : keys[i]))
			json_object_set(o, keys[i], v);
	return o;
}

/* Results, best first. */
struct ranking {
	struct ranked {
		double	 score;
		json_t	*item;
	}	*v;
	size_t	 n, cap;
};

static int
ranking_add(struct ranking *rk, double score, json_t *item)
{
	struct ranked *nv;

	if (item == NULL)
		return RC_ENOMEM;
	if (rk->n == rk->cap) {
		size_t ncap = rk->cap ? rk->cap * 2 : 16;

		if ((nv = realloc(rk->v, ncap * sizeof(*nv))) == NULL) {
			json_decref(item);
			return RC_ENOMEM;
		}
		rk->v = nv;
		rk->cap = ncap;
	}
	rk->v[rk->n].score = score;
	rk->v[rk->n++].item = item;
	return RC_OK;
}

static int
ranked_better(const void *x, const void *y)
{
	const struct ranked *a = x, *b = y;

	return a->score > b->score ? -1 : a->score < b->score;
}

/* The best MATCH_RESULTS_MAX as a JSON array; empties `rk`. */
static json_t *
ranking_take(struct ranking *rk)
{
	json_t *arr = json_array();
	size_t i;

	if (rk->n > 0)	/* qsort may not be given NULL, even for nothing */
		qsort(rk->v, rk->n, sizeof(rk->v[0]), ranked_better);
	for (i = 0; i < rk->n; i++) {
		if (arr != NULL && i < MATCH_RESULTS_MAX)
			json_array_append(arr, rk->v[i].item);
		json_decref(rk->v[i].item);
	}
	free(rk->v);
	memset(rk, 0, sizeof(*rk));
	return arr;
}

static void
ranking_free(struct ranking *rk)
{
	size_t i;

	for (i = 0; i < rk->n; i++)
		json_decref(rk->v[i].item);
	free(rk->v);
	memset(rk, 0, sizeof(*rk));
}

/* The result of one comparison as an answer item, with `key`: `id`. */
static json_t *
match_item(const struct match_result *res, const char *key, const char *id,
    const char *short_key, const char *short_id)
{
	json_t *item = match_result_json(res);

	if (item == NULL)
		return NULL;
	if (json_object_set_new(item, key, json_string(id)) != 0 ||
	    (short_key != NULL && json_object_set_new(item, short_key,
	    json_string(short_id)) != 0)) {
		json_decref(item);
		return NULL;
	}
	return item;
}

/* ---- where a trace lives ------------------------------------------------------------- */

int
app_trace_request_id(struct app *a, const char *trace_id, char *request_id)
{
	struct store_doc d = { 0 };
	int rc;

	if (trace_id == NULL || !id_is_uuid(trace_id))
		return RC_ENOTFOUND;
	if ((rc = store_doc_get(a->store, "trace", trace_id, &d)) != RC_OK)
		return rc;
	rc = id_is_uuid(d.ref) ? RC_OK : RC_EINTEGRITY;
	if (rc == RC_OK)
		str_copy(request_id, ID_SIZE, d.ref);
	store_doc_free(&d);
	return rc;
}

/* Write the "trace" documents of a saved request: one per trace, and none for traces
 * it no longer holds. */
struct trace_docs {
	struct app	*a;
	const json_t	*request;
	int		 rc;
};

static int
trace_doc_stale(void *arg, struct store_doc *d)
{
	struct trace_docs *t = arg;

	if (match_trace_find(t->request, d->id) == NULL &&
	    store_doc_delete(t->a->store, "trace", d->id) != RC_OK)
		t->rc = RC_EIO;
	store_doc_free(d);
	return 0;
}

static int
match_trace_docs(struct app *a, const struct record_meta *m, const json_t *request)
{
	struct store_doc_filter df = { 0 };
	struct trace_docs t = { 0 };
	struct store_doc d = { 0 };
	char body[ID_SIZE + 32];
	const json_t *trace;
	const char *id;
	size_t i;
	int rc;

	str_copy(d.kind, sizeof(d.kind), "trace");
	str_copy(d.ref, sizeof(d.ref), m->id);
	str_copy(d.owner_id, sizeof(d.owner_id), m->owner_id);
	str_copy(d.agency_id, sizeof(d.agency_id), m->agency_id);
	d.at = m->created_at;
	d.updated_at = m->updated_at;
	snprintf(body, sizeof(body), "{\"request_id\":\"%s\"}", m->id);
	d.body = body;
	json_array_foreach(json_object_get(request, TRACES_FIELD), i, trace) {
		if ((id = json_get_str(trace, "unique_id")) == NULL || !id_is_uuid(id))
			continue;
		str_copy(d.id, sizeof(d.id), id);
		if ((rc = store_doc_put(a->store, &d)) != RC_OK)
			return rc;
	}
	t.a = a;
	t.request = request;
	df.kind = "trace";
	df.ref = m->id;
	df.limit = STORE_DOC_LIST_MAX;
	if ((rc = store_doc_list(a->store, &df, NULL, trace_doc_stale, &t)) != RC_OK)
		return rc;
	return t.rc;
}

/* The tracing request of trace `trace_id` that `u` may do `action` on, opened, and
 * the trace in it (borrowed from `*request`). */
static int
match_trace_fetch(struct app *a, const struct app_actor *u, const char *trace_id,
    const char *action, struct store_record *r, json_t **request, json_t **trace,
    struct app_error *err)
{
	char request_id[ID_SIZE];
	int rc;

	*request = NULL;
	*trace = NULL;
	rc = app_trace_request_id(a, trace_id, request_id);
	if (rc == RC_ENOTFOUND)
		return app_fail(err, rc, "no trace %s", id_is_uuid(trace_id) ? trace_id :
		    "with that id");
	if (rc != RC_OK)
		return app_fail(err, rc, "cannot read traces");
	if ((rc = app_rec_fetch(a, u, &app_kind_tracing, request_id, action, r, err)) !=
	    RC_OK)
		return app_fail(err, rc, "no trace %s", trace_id);
	if ((rc = match_open(a, r, request, err)) != RC_OK)
		return rc;
	if ((*trace = match_trace_find(*request, trace_id)) == NULL)
		return app_fail(err, RC_ENOTFOUND, "no trace %s", trace_id);
	return RC_OK;
}

/* ---- the cases that may be a trace's child ------------------------------------------ */

/* Compare trace `mt` with every candidate case of `c` that `u` may read and that holds
 * consent for tracing; likely and possible ones not rejected go into `rk` (`decided`:
 * case id -> decision on this trace). */
static int
match_trace_cases(struct app *a, const struct app_actor *u,
    const struct match_record *mt, struct cands *c, const json_t *decided,
    const char *today, struct ranking *rk)
{
	struct consent_result cr;
	struct match_result res;
	struct match_record *mc;
	struct app_error ignore;
	const char *decision;
	json_t *body, *item;
	size_t i;
	int rc;

	for (i = 0; i < c->n; i++) {
		struct store_record *r = &c->r[i];

		if (!policy_allows(a->policy, &u->pu, "case.read", &r->m, NULL))
			continue;
		memset(&ignore, 0, sizeof(ignore));
		if (match_open(a, r, &body, &ignore) != RC_OK)
			continue;	/* logged; a damaged record is no match */
		mc = NULL;
		rc = RC_OK;
		if (match_case_consent(a, body, today, &cr) &&
		    (rc = match_prepare_case(body, &mc)) == RC_OK &&
		    (rc = match_compare(a->match, mt, mc, today, &res)) == RC_OK &&
		    res.likelihood != MATCH_UNLIKELY) {
			decision = json_string_value(json_object_get(decided, r->m.id));
			if (decision == NULL || strcmp(decision, "not_a_match") != 0) {
				item = match_item(&res, "case_id", r->m.id, "short_id",
				    r->m.short_id);
				if (item != NULL && decision != NULL)
					json_object_set_new(item, "decision",
					    json_string(decision));
				if (item != NULL)
					json_object_set_new(item, "summary",
					    match_summary(a, u, "case", NULL, body));
				rc = ranking_add(rk, res.score, item);
			}
		}
		match_record_free(mc);
		json_decref(body);
		if (rc != RC_OK)
			return rc;
	}
	return RC_OK;
}

/* case id -> decision, for every decided pair of trace `trace_id`. */
static int
decided_row(void *arg, struct store_doc *d)
{
	json_t *map = arg, *body = json_loads(d->body, 0, NULL);
	const char *case_id = json_get_str(body, "case_id");
	const char *decision = json_get_str(body, "decision");

	if (case_id != NULL && decision != NULL)
		json_object_set_new(map, case_id, json_string(decision));
	json_decref(body);
	store_doc_free(d);
	return 0;
}

static json_t *
match_decided(struct app *a, const char *trace_id)
{
	struct store_doc_filter df = { 0 };
	json_t *map = json_object();

	df.kind = "match";
	df.ref = trace_id;
	df.limit = STORE_DOC_LIST_MAX;
	if (map != NULL && store_doc_list(a->store, &df, NULL, decided_row, map) != RC_OK) {
		json_decref(map);
		return NULL;
	}
	return map;
}

int
app_match_trace(struct app *a, const struct app_actor *u, const char *trace_id,
    json_t **out, struct app_error *err)
{
	struct store_record r = { 0 };
	struct store_filter scope;
	struct ranking rk = { 0 };
	struct cands c = { 0 };
	struct match_record *mt = NULL;
	json_t *request = NULL, *trace, *decided = NULL, *data;
	char today[DATE_SIZE], outcome[64];
	int rc, consent;

	*out = NULL;
	if (!policy_allows(a->policy, &u->pu, "match.read", NULL, NULL)) {
		audit_note(a, u, "match.read", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not see matches");
	}
	if ((rc = match_trace_fetch(a, u, trace_id, "tracing.read", &r, &request, &trace,
	    err)) != RC_OK)
		goto out;
	app_today(today);
	consent = match_request_consent(request);
	if (consent && match_scope(a, &u->pu, "case", &scope)) {
		if ((decided = match_decided(a, trace_id)) == NULL) {
			rc = app_fail(err, RC_EIO, "cannot read match decisions");
			goto out;
		}
		if ((rc = match_prepare_trace(request, trace, &mt)) != RC_OK ||
		    (rc = match_candidates(a, &scope, -1, mt, &c)) != RC_OK ||
		    (rc = match_trace_cases(a, u, mt, &c, decided, today, &rk)) !=
		    RC_OK) {
			rc = app_fail(err, rc, "cannot look for matches");
			goto out;
		}
	}
	if ((data = ranking_take(&rk)) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	*out = json_pack("{s:o, s:{s:s, s:s, s:s, s:I, s:I, s:b, s:b}}", "data", data,
	    "metadata", "trace_id", trace_id, "request_id", r.m.id, "request_short_id",
	    r.m.short_id, "total", (json_int_t)json_array_size(data), "candidates",
	    (json_int_t)c.n, "capped", c.capped, "tracing_consent", consent);
	rc = *out != NULL ? RC_OK : RC_ENOMEM;
out:
	if (rc == RC_OK)
		snprintf(outcome, sizeof(outcome), "%zu results",
		    json_array_size(json_object_get(*out, "data")));
	else
		snprintf(outcome, sizeof(outcome), "%s", rc_name(rc));
	if (r.m.id[0] != '\0')
		audit_note(a, u, "match.read", r.m.id, NULL, outcome);
	ranking_free(&rk);
	cands_free(&c);
	match_record_free(mt);
	json_decref(decided);
	json_decref(request);
	store_record_free(&r);
	return rc;
}

/* ---- the traces that may be a case's child ------------------------------------------ */

/*
 * Compare case `mc` with every open trace of the candidate requests in `c` (whose
 * person asking consented). Likely and possible pairs not rejected go into `rk`; with
 * `u` NULL (the system writing tasks) only likely ones, as their (request, trace)
 * through `on_likely`.
 */
struct trace_hit_ctx {
	struct app		*a;
	const struct app_actor	*u;
	const struct policy_user *pu;
	const char		*case_id;
	const char		*today;
	struct ranking		*rk;
	int	(*on_likely)(void *arg, const struct record_meta *req, const char *trace_id,
		    double score);
	void			*arg;
};

static int
match_case_traces(struct trace_hit_ctx *t, const struct match_record *mc,
    struct cands *c)
{
	struct match_result res;
	struct match_record *mt;
	struct app_error ignore;
	char decision[16];
	const char *tid;
	json_t *request, *trace, *item;
	size_t i, k;
	int rc = RC_OK;

	for (i = 0; i < c->n && rc == RC_OK; i++) {
		struct store_record *r = &c->r[i];

		/* t->pu NULL: the system, whose caller checked each request */
		if (t->pu != NULL &&
		    !policy_allows(t->a->policy, t->pu, "tracing.read", &r->m, NULL))
			continue;
		memset(&ignore, 0, sizeof(ignore));
		if (match_open(t->a, r, &request, &ignore) != RC_OK)
			continue;
		if (!match_request_consent(request)) {
			json_decref(request);
			continue;
		}
		json_array_foreach(json_object_get(request, TRACES_FIELD), k, trace) {
			if ((tid = json_get_str(trace, "unique_id")) == NULL ||
			    !match_trace_open(trace))
				continue;
			mt = NULL;
			if ((rc = match_prepare_trace(request, trace, &mt)) == RC_OK)
				rc = match_compare(t->a->match, mc, mt, t->today, &res);
			match_record_free(mt);
			if (rc != RC_OK)
				break;
			if (res.likelihood == MATCH_UNLIKELY ||
			    (t->on_likely != NULL && res.likelihood != MATCH_LIKELY))
				continue;
			match_decision(t->a, tid, t->case_id, decision);
			if (strcmp(decision, "not_a_match") == 0)
				continue;
			if (t->on_likely != NULL) {
				if (decision[0] == '\0')
					rc = t->on_likely(t->arg, &r->m, tid, res.score);
				if (rc != RC_OK)
					break;
				continue;
			}
			item = match_item(&res, "trace_id", tid, NULL, NULL);
			if (item != NULL && (json_object_set_new(item, "request_id",
			    json_string(r->m.id)) != 0 || json_object_set_new(item,
			    "request_short_id", json_string(r->m.short_id)) != 0 ||
			    (decision[0] != '\0' && json_object_set_new(item, "decision",
			    json_string(decision)) != 0) || json_object_set_new(item,
			    "summary", match_summary(t->a, t->u, "tracing_request",
			    TRACES_FIELD, trace)) != 0)) {
				json_decref(item);
				item = NULL;
			}
			if ((rc = ranking_add(t->rk, res.score, item)) != RC_OK)
				break;
		}
		json_decref(request);
	}
	return rc;
}

int
app_match_case(struct app *a, const struct app_actor *u, const char *case_id,
    json_t **out, struct app_error *err)
{
	struct trace_hit_ctx t = { 0 };
	struct store_record r = { 0 };
	struct consent_result cr;
	struct store_filter scope;
	struct ranking rk = { 0 };
	struct cands c = { 0 };
	struct match_record *mc = NULL;
	json_t *body = NULL, *data;
	char today[DATE_SIZE], outcome[64];
	int64_t nreq = 0;
	int rc, consent = 0;

	*out = NULL;
	memset(&cr, 0, sizeof(cr));
	if (!policy_allows(a->policy, &u->pu, "match.read", NULL, NULL)) {
		audit_note(a, u, "match.read", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not see matches");
	}
	if ((rc = app_rec_fetch(a, u, &app_kind_case, case_id, "case.read", &r, err)) !=
	    RC_OK)
		return rc;
	if ((rc = match_open(a, &r, &body, err)) != RC_OK)
		goto out;
	app_today(today);
	consent = match_case_consent(a, body, today, &cr);
	if (consent && match_scope(a, &u->pu, "tracing_request", &scope)) {
		t.a = a;
		t.u = u;
		t.pu = &u->pu;
		t.case_id = r.m.id;
		t.today = today;
		t.rk = &rk;
		if ((rc = match_scope_size(a, &scope, &nreq)) != RC_OK ||
		    (nreq > 0 && ((rc = match_prepare_case(body, &mc)) != RC_OK ||
		    (rc = match_candidates(a, &scope, nreq, mc, &c)) != RC_OK ||
		    (rc = match_case_traces(&t, mc, &c)) != RC_OK))) {
			rc = app_fail(err, rc, "cannot look for matches");
			goto out;
		}
	}
	if ((data = ranking_take(&rk)) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	*out = json_pack("{s:o, s:{s:s, s:s, s:I, s:I, s:b, s:b, s:s?}}", "data", data,
	    "metadata", "case_id", r.m.id, "short_id", r.m.short_id, "total",
	    (json_int_t)json_array_size(data), "candidates", (json_int_t)c.n, "capped",
	    c.capped, "tracing_consent", consent, "consent_needed",
	    consent ? NULL : cr.needed);
	rc = *out != NULL ? RC_OK : RC_ENOMEM;
out:
	if (rc == RC_OK)
		snprintf(outcome, sizeof(outcome), "%zu results",
		    json_array_size(json_object_get(*out, "data")));
	else
		snprintf(outcome, sizeof(outcome), "%s", rc_name(rc));
	audit_note(a, u, "match.read", r.m.id, NULL, outcome);
	ranking_free(&rk);
	cands_free(&c);
	match_record_free(mc);
	json_decref(body);
	store_record_free(&r);
	return rc;
}

/* ---- decisions -------------------------------------------------------------------- */

/* Statuses a confirmed match may move forward from. */
static int
match_status_before_verified(const char *s)
{
	return s == NULL || strcmp(s, "open") == 0 || strcmp(s, "tracing") == 0 ||
	    strcmp(s, "match_found") == 0;
}

/* The decision body: {"decision": "confirmed"|"not_a_match", "note": "..."}. */
static int
match_decision_parse(const json_t *body, const char **decision, const char **note,
    struct app_error *err)
{
	const char *key;
	json_t *v;

	if (!json_is_object(body))
		return app_fail(err, RC_EINVALID, "expected {\"decision\": ..., "
		    "\"note\": ...}");
	json_object_foreach((json_t *)body, key, v)
		if (strcmp(key, "decision") != 0 && strcmp(key, "note") != 0)
			return app_fail_field(err, RC_EINVALID, key, "is not allowed here");
	*decision = json_get_str(body, "decision");
	if (*decision == NULL)
		return app_fail_field(err, RC_EINVALID, "decision", "is required: "
		    "\"confirmed\" or \"not_a_match\"");
	if (strcmp(*decision, "confirmed") != 0 && strcmp(*decision, "not_a_match") != 0)
		return app_fail_field(err, RC_EINVALID, "decision", "must be \"confirmed\" "
		    "or \"not_a_match\"");
	v = json_object_get(body, "note");
	*note = json_string_value(v);
	if (v != NULL && !json_is_null(v) && *note == NULL)
		return app_fail_field(err, RC_EINVALID, "note", "must be a string");
	if (*note != NULL && strlen(*note) > MATCH_NOTE_MAX)
		return app_fail_field(err, RC_EINVALID, "note", "is longer than %d bytes",
		    MATCH_NOTE_MAX);
	if (*note != NULL && **note == '\0')
		*note = NULL;
	return RC_OK;
}

/* The decision document of a pair (ids, decision, score, who, when). */
static int
match_decision_doc(struct app *a, const struct app_actor *u,
    const struct record_meta *req, const char *trace_id, const char *case_id,
    const char *decision, const struct match_result *res, int64_t now)
{
	struct store_doc d = { 0 };
	char when[CLOCK_ISO_SIZE];
	json_t *body;
	int rc;

	clock_iso(now, when);
	body = json_pack("{s:s, s:s, s:s, s:s, s:f, s:s, s:s, s:s}", "trace_id", trace_id,
	    "case_id", case_id, "request_id", req->id, "decision", decision, "score",
	    round(res->score * 100) / 100, "likelihood",
	    match_likelihood_name(res->likelihood), "decided_by", u->username,
	    "decided_at", when);
	if (body == NULL || (d.body = json_dumps(body, MATCH_DOC_FLAGS)) == NULL) {
		json_decref(body);
		return RC_ENOMEM;
	}
	json_decref(body);
	str_copy(d.kind, sizeof(d.kind), "match");
	match_pair_id(trace_id, case_id, d.id);
	str_copy(d.ref, sizeof(d.ref), trace_id);
	str_copy(d.owner_id, sizeof(d.owner_id), u->pu.id);
	str_copy(d.agency_id, sizeof(d.agency_id), req->agency_id);
	d.at = d.updated_at = now;
	rc = store_doc_put(a->store, &d);
	free(d.body);
	return rc;
}

int
app_match_decide(struct app *a, const struct app_actor *u, const char *trace_id,
    const char *case_id, const json_t *body, json_t **out, struct app_error *err)
{
	struct store_record rreq = { 0 }, rcase = { 0 };
	struct record_meta mq, mcase;
	struct consent_result cr;
	struct match_result res;
	struct match_record *mt = NULL, *mc = NULL;
	struct vault_dk dkq = { 0 }, dkc = { 0 };
	const char *decision = NULL, *note = NULL;
	json_t *request = NULL, *req_after = NULL, *cbody = NULL, *case_after = NULL;
	json_t *trace, *entry, *list, *ref = NULL;
	char today[DATE_SIZE], when[CLOCK_ISO_SIZE], task[STORE_DOC_ID_SIZE];
	int64_t now = clock_now();
	int rc;

	*out = NULL;
	if (!policy_allows(a->policy, &u->pu, "match.decide", NULL, NULL)) {
		audit_note(a, u, "match.decide", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not decide on matches");
	}
	if ((rc = match_decision_parse(body, &decision, &note, err)) != RC_OK)
		return rc;
	app_today(today);
	if ((rc = store_begin(a->store)) != RC_OK)
		return app_fail(err, rc, "database busy; try again");
	if ((rc = match_trace_fetch(a, u, trace_id, "tracing.read", &rreq, &request, &trace,
	    err)) != RC_OK)
		goto out;
	if ((rc = app_rec_fetch(a, u, &app_kind_case, case_id, "case.read", &rcase, err)) !=
	    RC_OK)
		goto out;
	/* the case is opened with its key kept: a confirmed match writes it */
	if ((rc = app_rec_open(a, &rcase, &dkc, &cbody, err)) != RC_OK)
		goto out;
	if (!match_case_consent(a, cbody, today, &cr)) {
		audit_note(a, u, "match.decide", rcase.m.id, NULL, "refused by rule");
		rc = app_fail_field(err, RC_EINVALID, "case_id", "the case has no recorded "
		    "consent for tracing (%s)", cr.needed);
		goto out;
	}
	if (!match_request_consent(request)) {
		audit_note(a, u, "match.decide", rreq.m.id, NULL, "refused by rule");
		rc = app_fail_field(err, RC_EINVALID, "trace_id", "the person asking did "
		    "not consent to tracing");
		goto out;
	}
	if ((rc = match_prepare_trace(request, trace, &mt)) != RC_OK ||
	    (rc = match_prepare_case(cbody, &mc)) != RC_OK ||
	    (rc = match_compare(a->match, mt, mc, today, &res)) != RC_OK) {
		rc = app_fail(err, rc, "cannot compare the trace with the case");
		goto out;
	}

	/* the request: the decision and its note, sealed; the trace's status (opened
	 * again with its key kept, which match_trace_fetch did not keep) */
	json_decref(request);
	request = NULL;
	if ((rc = app_rec_open(a, &rreq, &dkq, &request, err)) != RC_OK)
		goto out;
	if ((req_after = json_deep_copy(request)) == NULL ||
	    (trace = match_trace_find(req_after, trace_id)) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	clock_iso(now, when);
	entry = json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s}", "trace_id", trace_id,
	    "case_id", rcase.m.id, "decision", decision, "note", note, "decided_by",
	    u->username, "decided_on", today);
	if ((list = json_object_get(req_after, "match_decisions")) == NULL ||
	    !json_is_array(list)) {
		json_object_set_new(req_after, "match_decisions", json_array());
		list = json_object_get(req_after, "match_decisions");
	}
	if (entry == NULL || list == NULL || json_array_append_new(list, entry) != 0) {
		rc = RC_ENOMEM;
		goto out;
	}
	while (json_array_size(list) > 1000)	/* the form's max_items: oldest go */
		json_array_remove(list, 0);
	if (strcmp(decision, "confirmed") == 0 &&
	    match_status_before_verified(json_get_str(trace, "tracing_status")))
		json_object_set_new(trace, "tracing_status", json_string("verified"));
	mq = rreq.m;
	if ((rc = app_rec_save(a, u, &app_kind_tracing, &rreq, &dkq, request, req_after,
	    &mq, "match.decide", &ref, err)) != RC_OK)
		goto out;
	json_decref(ref);
	ref = NULL;

	/* the case: its tracing status and the match, when confirmed */
	if (strcmp(decision, "confirmed") == 0) {
		if ((case_after = json_deep_copy(cbody)) == NULL) {
			rc = RC_ENOMEM;
			goto out;
		}
		if (match_status_before_verified(json_get_str(case_after, "tracing_status")))
			json_object_set_new(case_after, "tracing_status",
			    json_string("verified"));
		json_object_set_new(case_after, "matched_tracing_request_id",
		    json_string(rreq.m.id));
		json_object_set_new(case_after, "matched_trace_id", json_string(trace_id));
		mcase = rcase.m;
		record_index(case_after, today, &mcase);
		if ((rc = app_rec_save(a, u, &app_kind_case, &rcase, &dkc, cbody, case_after,
		    &mcase, "match.decide", &ref, err)) != RC_OK)
			goto out;
	}
	if ((rc = match_decision_doc(a, u, &rreq.m, trace_id, rcase.m.id, decision, &res,
	    now)) != RC_OK) {
		rc = app_fail(err, rc, "cannot store the decision");
		goto out;
	}
	/* the task about this pair is done */
	snprintf(task, sizeof(task), "%s:match:%s", rcase.m.id, trace_id);
	if ((rc = store_doc_delete(a->store, "task", task)) == RC_ENOTFOUND)
		rc = RC_OK;
	if (rc == RC_OK && (rc = store_commit(a->store)) != RC_OK)
		rc = app_fail(err, rc, "cannot store the decision");
	if (rc != RC_OK)
		goto out;
	*out = json_pack("{s:s, s:s, s:s, s:s, s:f, s:s, s:s, s:s}", "trace_id", trace_id,
	    "case_id", rcase.m.id, "request_id", rreq.m.id, "decision", decision, "score",
	    round(res.score * 100) / 100, "likelihood",
	    match_likelihood_name(res.likelihood), "decided_by", u->username,
	    "decided_at", when);
	if (*out == NULL)
		rc = RC_ENOMEM;
out:
	if (rc != RC_OK)
		store_rollback(a->store);
	audit_flush(a);
	vault_dk_wipe(&dkq);
	vault_dk_wipe(&dkc);
	match_record_free(mt);
	match_record_free(mc);
	json_decref(ref);
	json_decref(request);
	json_decref(req_after);
	json_decref(cbody);
	json_decref(case_after);
	store_record_free(&rreq);
	store_record_free(&rcase);
	return rc;
}

/* ---- tasks after a save ---------------------------------------------------------------- */

/* The FTR officers of an agency, as the policy sees them (no one in particular). */
static void
match_system_user(const char *agency_id, struct policy_user *pu)
{
	memset(pu, 0, sizeof(*pu));
	str_copy(pu->role, sizeof(pu->role), MATCH_SYSTEM_ROLE);
	str_copy(pu->agency_id, sizeof(pu->agency_id), agency_id);
}

/* Write the task of a new likely pair, unless there is one or it was decided. */
static int
match_task(struct app *a, const struct record_meta *req, const char *trace_id,
    const struct record_meta *cm, double score)
{
	struct store_doc d = { 0 }, seen = { 0 };
	char decision[16];
	json_t *body;
	int rc;

	match_decision(a, trace_id, cm->id, decision);
	if (decision[0] != '\0')
		return RC_OK;
	snprintf(d.id, sizeof(d.id), "%s:match:%s", cm->id, trace_id);
	/* written once: look first, as a refused insert would spoil a PostgreSQL
	 * transaction */
	if ((rc = store_doc_get(a->store, "task", d.id, &seen)) != RC_ENOTFOUND) {
		store_doc_free(&seen);
		return rc;
	}
	body = json_pack("{s:s, s:s, s:s, s:s, s:f}", "kind", "match", "trace_id",
	    trace_id, "case_id", cm->id, "request_id", req->id, "score",
	    round(score * 100) / 100);
	if (body == NULL || (d.body = json_dumps(body, MATCH_DOC_FLAGS)) == NULL) {
		json_decref(body);
		return RC_ENOMEM;
	}
	json_decref(body);
	str_copy(d.kind, sizeof(d.kind), "task");
	str_copy(d.ref, sizeof(d.ref), cm->id);
	str_copy(d.owner_id, sizeof(d.owner_id), req->owner_id);
	str_copy(d.agency_id, sizeof(d.agency_id), req->agency_id);
	d.at = d.updated_at = clock_now();
	rc = store_doc_insert(a->store, &d);
	free(d.body);
	return rc;
}

/* New likely pairs found after a save, written together in one transaction. */
#define MATCH_PENDING_MAX	200

struct pending {
	struct pending_task {
		struct record_meta	req;
		struct record_meta	cm;
		char			trace_id[ID_SIZE];
		double			score;
	}	t[MATCH_PENDING_MAX];
	size_t	n;
};

static void
pending_add(struct pending *p, const struct record_meta *req, const char *trace_id,
    const struct record_meta *cm, double score)
{
	if (p->n == MATCH_PENDING_MAX)
		return;		/* the best are seen again on the next save */
	p->t[p->n].req = *req;
	p->t[p->n].cm = *cm;
	str_copy(p->t[p->n].trace_id, sizeof(p->t[p->n].trace_id), trace_id);
	p->t[p->n].score = score;
	p->n++;
}

/* A case was saved: a likely trace of a request whose FTR officers may see it. */
struct saved_case {
	struct app			*a;
	const struct record_meta	*cm;
	struct pending			*p;
};

static int
saved_case_hit(void *arg, const struct record_meta *req, const char *trace_id,
    double score)
{
	struct saved_case *s = arg;
	struct policy_user pu;

	match_system_user(req->agency_id, &pu);
	if (policy_allows(s->a->policy, &pu, "case.read", s->cm, NULL))
		pending_add(s->p, req, trace_id, s->cm, score);
	return RC_OK;
}

static int
match_saved_case(struct app *a, const struct store_record *r, const json_t *body,
    const char *today, struct pending *p)
{
	struct trace_hit_ctx t = { 0 };
	struct saved_case s = { 0 };
	struct store_filter scope = { 0 };
	struct consent_result cr;
	struct policy_user pu;
	struct cands c = { 0 };
	struct match_record *mc = NULL;
	int64_t nreq = 0;
	size_t i, k;
	int rc;

	if (!match_case_consent(a, body, today, &cr))
		return RC_OK;
	/* every tracing request is a candidate; each is kept when its own agency's FTR
	 * officers may read it, and the case when they may read the case */
	scope.type = "tracing_request";
	s.a = a;
	s.cm = &r->m;
	s.p = p;
	t.a = a;
	t.case_id = r->m.id;
	t.today = today;
	t.on_likely = saved_case_hit;
	t.arg = &s;
	/* most saves find no tracing request at all: one count says so */
	if ((rc = match_scope_size(a, &scope, &nreq)) != RC_OK || nreq == 0)
		return rc;
	if ((rc = match_prepare_case(body, &mc)) == RC_OK &&
	    (rc = match_candidates(a, &scope, nreq, mc, &c)) == RC_OK) {
		for (i = k = 0; i < c.n; i++) {
			match_system_user(c.r[i].m.agency_id, &pu);
			if (policy_allows(a->policy, &pu, "tracing.read", &c.r[i].m, NULL))
				c.r[k++] = c.r[i];
			else
				store_record_free(&c.r[i]);
		}
		c.n = k;
		rc = match_case_traces(&t, mc, &c);
	}
	cands_free(&c);
	match_record_free(mc);
	return rc;
}

/* A tracing request was saved: the likely cases of each open trace that its agency's
 * FTR officers may see. */
static int
match_saved_request(struct app *a, const struct store_record *r, const json_t *request,
    const char *today, struct pending *p)
{
	struct consent_result cr;
	struct store_filter scope;
	struct match_result res;
	struct policy_user pu;
	struct app_error ignore;
	struct match_record *mt, *mc;
	struct cands c;
	const json_t *trace;
	const char *tid;
	json_t *body;
	size_t i, k;
	int rc = RC_OK;

	match_system_user(r->m.agency_id, &pu);
	if (!match_request_consent(request) || !match_scope(a, &pu, "case", &scope))
		return RC_OK;
	json_array_foreach(json_object_get(request, TRACES_FIELD), k, trace) {
		if ((tid = json_get_str(trace, "unique_id")) == NULL ||
		    !match_trace_open(trace))
			continue;
		memset(&c, 0, sizeof(c));
		mt = NULL;
		if ((rc = match_prepare_trace(request, trace, &mt)) == RC_OK)
			rc = match_candidates(a, &scope, -1, mt, &c);
		for (i = 0; rc == RC_OK && i < c.n; i++) {
			if (!policy_allows(a->policy, &pu, "case.read", &c.r[i].m, NULL))
				continue;
			memset(&ignore, 0, sizeof(ignore));
			if (match_open(a, &c.r[i], &body, &ignore) != RC_OK)
				continue;
			mc = NULL;
			if (match_case_consent(a, body, today, &cr) &&
			    (rc = match_prepare_case(body, &mc)) == RC_OK &&
			    (rc = match_compare(a->match, mt, mc, today, &res)) == RC_OK &&
			    res.likelihood == MATCH_LIKELY)
				pending_add(p, &r->m, tid, &c.r[i].m, res.score);
			match_record_free(mc);
			json_decref(body);
		}
		cands_free(&c);
		match_record_free(mt);
		if (rc != RC_OK)
			break;
	}
	return rc;
}

void
app_match_saved(struct app *a, const struct record_meta *m, const json_t *data)
{
	struct store_record r = { 0 };
	struct app_error err = { 0 };
	struct pending *p = NULL;
	char today[DATE_SIZE];
	json_t *read = NULL;
	const json_t *body = data;
	size_t i;
	int rc, is_case = strcmp(m->type, "case") == 0;

	if (!is_case && strcmp(m->type, "tracing_request") != 0)
		return;
	if (body != NULL) {
		r.m = *m;	/* the caller's copy of what it saved */
	} else {
		if ((rc = store_record_get(a->store, m->type, m->id, &r)) != RC_OK ||
		    (rc = match_open(a, &r, &read, &err)) != RC_OK)
			goto out;
		body = read;
	}
	if ((p = malloc(sizeof(*p))) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	p->n = 0;
	app_today(today);
	rc = is_case ? match_saved_case(a, &r, body, today, p) :
	    match_saved_request(a, &r, body, today, p);
	if (rc != RC_OK) {
		/* where the traces live is written all the same */
		log_error("matching after saving %s %s: %s", app_kind_noun(m->type),
		    m->id, rc_name(rc));
		p->n = 0;
	}
	/* what was found, in one short transaction; a case that matched nothing
	 * writes nothing (and does not wait for a commit) */
	if (is_case && p->n == 0) {
		rc = RC_OK;	/* a failed match was logged above */
		goto out;
	}
	if ((rc = store_begin(a->store)) != RC_OK)
		goto out;
	if (!is_case)
		rc = match_trace_docs(a, &r.m, body);
	for (i = 0; rc == RC_OK && i < p->n; i++)
		rc = match_task(a, &p->t[i].req, p->t[i].trace_id, &p->t[i].cm,
		    p->t[i].score);
	if (rc == RC_OK)
		rc = store_commit(a->store);
	if (rc != RC_OK)
		store_rollback(a->store);
out:
	if (rc != RC_OK)
		log_error("matching after saving %s %s: %s", app_kind_noun(m->type), m->id,
		    rc_name(rc));
	free(p);
	json_decref(read);
	store_record_free(&r);
}

/* ---- duplicate cases ----------------------------------------------------------------- */

/* 1 when `data` has some name of a case. */
static int
match_has_name(const json_t *data)
{
	const char *s;
	size_t i;

	for (i = 0; record_name_fields[i] != NULL; i++)
		if ((s = json_get_str(data, record_name_fields[i])) != NULL && *s != '\0')
			return 1;
	return 0;
}

int
app_case_duplicates(struct app *a, const struct app_actor *u, const json_t *data,
    json_t **out, struct app_error *err)
{
	struct store_filter scope;
	struct match_result res;
	struct ranking rk = { 0 };
	struct cands c = { 0 };
	struct app_error ignore;
	struct match_record *mn = NULL, *mc;
	json_t *copy = NULL, *body, *item, *list;
	char today[DATE_SIZE], outcome[64];
	size_t i;
	int rc;

	*out = NULL;
	if (!policy_allows(a->policy, &u->pu, "case.list", NULL, NULL)) {
		audit_note(a, u, "case.duplicates", NULL, NULL, "denied: role lacks action");
		return app_fail(err, RC_EDENIED, "your role may not search cases");
	}
	if (!json_is_object(data))
		return app_fail(err, RC_EINVALID, "\"data\" must be an object of case "
		    "fields");
	if ((copy = json_deep_copy(data)) == NULL || record_derive(copy, NULL) != RC_OK) {
		rc = RC_ENOMEM;
		goto out;
	}
	if (!match_has_name(copy)) {
		rc = app_fail_field(err, RC_EINVALID, "name", "give at least one name to "
		    "look for duplicates");
		goto out;
	}
	app_today(today);
	if ((rc = match_prepare_case(copy, &mn)) != RC_OK) {
		rc = app_fail(err, rc, "cannot read the case fields");
		goto out;
	}
	if (match_scope(a, &u->pu, "case", &scope) &&
	    (rc = match_candidates(a, &scope, -1, mn, &c)) != RC_OK) {
		rc = app_fail(err, rc, "cannot look for duplicates");
		goto out;
	}
	for (i = 0; i < c.n; i++) {
		if (!policy_allows(a->policy, &u->pu, "case.read", &c.r[i].m, NULL))
			continue;
		memset(&ignore, 0, sizeof(ignore));
		if (match_open(a, &c.r[i], &body, &ignore) != RC_OK)
			continue;
		mc = NULL;
		if ((rc = match_prepare_case(body, &mc)) == RC_OK &&
		    (rc = match_compare(a->match, mn, mc, today, &res)) == RC_OK &&
		    res.likelihood != MATCH_UNLIKELY) {
			item = match_item(&res, "case_id", c.r[i].m.id, "short_id",
			    c.r[i].m.short_id);
			if (item != NULL)
				json_object_set_new(item, "summary", match_summary(a, u,
				    "case", NULL, body));
			rc = ranking_add(&rk, res.score, item);
		}
		match_record_free(mc);
		json_decref(body);
		if (rc != RC_OK)
			goto out;
	}
	if ((list = ranking_take(&rk)) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	*out = json_pack("{s:o, s:{s:I, s:I, s:b}}", "data", list, "metadata", "total",
	    (json_int_t)json_array_size(list), "candidates", (json_int_t)c.n, "capped",
	    c.capped);
	rc = *out != NULL ? RC_OK : RC_ENOMEM;
out:
	if (rc == RC_OK)
		snprintf(outcome, sizeof(outcome), "%zu results",
		    json_array_size(json_object_get(*out, "data")));
	else
		snprintf(outcome, sizeof(outcome), "%s", rc_name(rc));
	audit_note(a, u, "case.duplicates", NULL, NULL, outcome);
	ranking_free(&rk);
	cands_free(&c);
	match_record_free(mn);
	json_decref(copy);
	return rc;
}

int
app_case_duplicate_of(struct app *a, const struct app_actor *u, const char *id,
    const json_t *other, json_t **out, struct app_error *err)
{
	struct store_record r = { 0 }, ro = { 0 };
	struct record_meta m;
	struct vault_dk dk = { 0 };
	const char *oid = json_string_value(other), *was;
	json_t *before = NULL, *after = NULL;
	int rc;

	*out = NULL;
	if (other != NULL && !json_is_null(other) && (oid == NULL || *oid == '\0'))
		return app_fail_field(err, RC_EINVALID, "case_id", "must be the id or "
		    "short id of a case, or null to remove the link");
	if ((rc = store_begin(a->store)) != RC_OK)
		return app_fail(err, rc, "database busy; try again");
	if ((rc = app_rec_fetch(a, u, &app_kind_case, id, "case.update", &r, err)) !=
	    RC_OK)
		goto out;
	if (oid != NULL) {
		if ((rc = app_rec_fetch(a, u, &app_kind_case, oid, "case.read", &ro, err)) !=
		    RC_OK) {
			rc = app_fail_field(err, RC_EINVALID, "case_id", "no case with that "
			    "id that you may see");
			goto out;
		}
		if (strcmp(ro.m.id, r.m.id) == 0) {
			rc = app_fail_field(err, RC_EINVALID, "case_id", "is this case itself");
			goto out;
		}
		if (strcmp(ro.m.link_id, r.m.id) == 0) {
			rc = app_fail_field(err, RC_EINVALID, "case_id", "is marked as a "
			    "duplicate of this case: link the other way round");
			goto out;
		}
	}
	if ((rc = app_rec_open(a, &r, &dk, &before, err)) != RC_OK)
		goto out;
	was = json_get_str(before, "duplicate_of");
	if (r.m.link_id[0] != '\0' && (was == NULL || strcmp(was, r.m.link_id) != 0)) {
		rc = app_fail(err, RC_EINVALID, "case %s is linked to another record "
		    "already", r.m.short_id);
		goto out;
	}
	if ((after = json_deep_copy(before)) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	m = r.m;
	if (oid != NULL) {
		json_object_set_new(after, "duplicate_of", json_string(ro.m.id));
		str_copy(m.link_id, sizeof(m.link_id), ro.m.id);
	} else {
		json_object_del(after, "duplicate_of");
		m.link_id[0] = '\0';
	}
	if ((rc = app_rec_save(a, u, &app_kind_case, &r, &dk, before, after, &m,
	    "case.duplicate_of", out, err)) != RC_OK)
		goto out;
	if ((rc = store_commit(a->store)) != RC_OK) {
		rc = app_fail(err, rc, "cannot store the case");
		goto out;
	}
	if (json_object_set_new(*out, "duplicate_of", oid != NULL ?
	    json_string(ro.m.id) : json_null()) != 0)
		rc = RC_ENOMEM;
out:
	if (rc != RC_OK) {
		store_rollback(a->store);
		json_decref(*out);
		*out = NULL;
	}
	audit_flush(a);
	vault_dk_wipe(&dk);
	json_decref(before);
	json_decref(after);
	store_record_free(&r);
	store_record_free(&ro);
	return rc;
}

/* {"case_id","short_id"} of case `id` when `u` may see it, else {"case_id"}. */
static json_t *
match_case_ref(struct app *a, const struct app_actor *u, const char *id)
{
	struct store_record r = { 0 };
	json_t *o;

	if (store_record_get(a->store, "case", id, &r) == RC_OK &&
	    policy_allows(a->policy, &u->pu, "case.read", &r.m, NULL))
		o = json_pack("{s:s, s:s}", "case_id", r.m.id, "short_id", r.m.short_id);
	else
		o = json_pack("{s:s}", "case_id", id);
	store_record_free(&r);
	return o;
}

struct dup_list {
	struct app		*a;
	const struct app_actor	*u;
	const char		*id;
	json_t			*rows;
};

static int
dup_row(void *arg, struct store_record *r)
{
	struct dup_list *d = arg;
	struct app_error ignore = { 0 };
	json_t *body = NULL;
	const char *of;
	int rc = 0;

	if (policy_allows(d->a->policy, &d->u->pu, "case.read", &r->m, NULL) &&
	    match_open(d->a, r, &body, &ignore) == RC_OK &&
	    (of = json_get_str(body, "duplicate_of")) != NULL && strcmp(of, d->id) == 0 &&
	    json_array_append_new(d->rows, json_pack("{s:s, s:s}", "case_id", r->m.id,
	    "short_id", r->m.short_id)) != 0)
		rc = RC_ENOMEM;
	json_decref(body);
	store_record_free(r);
	return rc;
}

int
app_case_duplicate_links(struct app *a, const struct app_actor *u, const char *id,
    json_t **out, struct app_error *err)
{
	struct store_record r = { 0 };
	struct store_filter f;
	struct dup_list d = { 0 };
	json_t *body = NULL, *of = NULL;
	const char *was;
	int rc;

	*out = NULL;
	if ((rc = app_rec_fetch(a, u, &app_kind_case, id, "case.read", &r, err)) != RC_OK)
		return rc;
	if ((rc = match_open(a, &r, &body, err)) != RC_OK)
		goto out;
	if ((was = json_get_str(body, "duplicate_of")) != NULL && id_is_uuid(was) &&
	    (of = match_case_ref(a, u, was)) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	d.a = a;
	d.u = u;
	d.id = r.m.id;
	if ((d.rows = json_array()) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	if (match_scope(a, &u->pu, "case", &f)) {
		f.link_id = r.m.id;
		f.limit = 100;
		if ((rc = store_record_list(a->store, &f, NULL, dup_row, &d)) != RC_OK) {
			rc = app_fail(err, rc, "cannot list the duplicates");
			goto out;
		}
	}
	*out = json_pack("{s:o, s:O}", "duplicate_of", of != NULL ? of : json_null(),
	    "duplicates", d.rows);
	of = NULL;
	rc = *out != NULL ? RC_OK : RC_ENOMEM;
out:
	audit_note(a, u, "case.links", r.m.id, NULL, rc == RC_OK ? "ok" : rc_name(rc));
	json_decref(of);
	json_decref(d.rows);
	json_decref(body);
	store_record_free(&r);
	return rc;
}
