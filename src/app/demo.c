/* demo.c — fictional demo data loaded through the same use cases as real work. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/impl.h"
#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "domain/gen.h"
#include "domain/record.h"

/* Fictional agencies, each working along one route. */
static const struct demo_agency {
	const char	*code;
	const char	*name;
	const char	*location;	/* where its staff sit */
	const char	*countries;	/* children located here are its cases */
} demo_agencies[] = {
	{ "horizon", "Horizon Child Protection (fictional)", "ET",
	  "ET SD SO DJ ER KE UG YE EG" },
	{ "sahel", "Sahel Children's Aid (fictional)", "NE",
	  "NE ML LY TN TD DZ MA IT ES BF SN GN" },
	{ "puentes", "Puentes de Protección (fictional)", "MX",
	  "MX GT HN SV PA NI CR" },
};
#define DEMO_NAGENCIES	(sizeof(demo_agencies) / sizeof(demo_agencies[0]))
#define DEMO_CASEWORKERS 3

static const struct demo_role {
	const char	*suffix;
	const char	*role;
} demo_roles[] = {
	{ "supervisor", "supervisor" },
	{ "ftr", "ftr_officer" },
	{ "ct", "ct_officer" },
	{ "dpo", "dpo" },
	{ "partner", "referral_partner" },
};

struct location_list {
	char	**codes;
	size_t	  n, cap;
};

static int
collect_location(void *arg, const char *code, const char *parent, int level,
    const char *names)
{
	struct location_list *l = arg;
	char *c;

	(void)parent;
	(void)names;
	if (level < 1)
		return 0;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 64;
		char **np = realloc(l->codes, ncap * sizeof(*np));

		if (np == NULL)
			return RC_ENOMEM;
		l->codes = np;
		l->cap = ncap;
	}
	if ((c = strdup(code)) == NULL)
		return RC_ENOMEM;
	l->codes[l->n++] = c;
	return 0;
}

static void
location_list_free(struct location_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->codes[i]);
	free(l->codes);
}

/* The demo agency whose route covers `location`, by its country prefix. */
static size_t
demo_agency_for(const char *location)
{
	char cc[3] = { 0 };
	size_t i;

	if (location == NULL || strlen(location) < 2)
		return 0;
	memcpy(cc, location, 2);
	for (i = 0; i < DEMO_NAGENCIES; i++)
		if (strstr(demo_agencies[i].countries, cc) != NULL)
			return i;
	return 0;
}

static int
demo_user(struct app *a, struct gen *g, const char *username, const char *role,
    const char *agency, const char *location, const char *password, json_t *logins,
    struct app_error *err)
{
	struct app_user_new nu = { 0 };
	json_t *staff = gen_staff_name(g);
	int rc;

	if (staff == NULL)
		return RC_ENOMEM;
	nu.username = username;
	nu.full_name = json_get_str(staff, "name");
	nu.role = role;
	nu.agency = agency;
	nu.location_code = location;
	nu.password = password;
	rc = app_user_add(a, NULL, &nu, NULL, err);
	if (rc == RC_OK)
		json_array_append_new(logins, json_pack("{s:s, s:s, s:s?}", "username",
		    username, "role", role, "agency", agency));
	json_decref(staff);
	return rc;
}

#define DEMO_BATCH	2000	/* cases per transaction */

/* The demo agencies and their users; `logins` collects them. */
static int
demo_users(struct app *a, const char *password, uint64_t seed, json_t *logins,
    struct app_error *err)
{
	char username[64];
	struct gen *g;
	size_t i, j, k;
	int rc = RC_OK;

	/* staff names come from their own stream: cases depend on the seed alone */
	if ((g = gen_new(seed ^ 0x7374616666ULL)) == NULL)
		return RC_ENOMEM;
	for (i = 0; i < DEMO_NAGENCIES; i++) {
		const struct demo_agency *ag = &demo_agencies[i];

		rc = app_agency_add(a, ag->code, ag->name, NULL, err);
		if (rc != RC_OK && rc != RC_EEXIST)
			goto out;
		for (j = 0; j < DEMO_CASEWORKERS; j++) {
			snprintf(username, sizeof(username), "%s.cw%zu", ag->code, j + 1);
			if ((rc = demo_user(a, g, username, "caseworker", ag->code,
			    ag->location, password, logins, err)) != RC_OK)
				goto out;
		}
		for (k = 0; k < sizeof(demo_roles) / sizeof(demo_roles[0]); k++) {
			snprintf(username, sizeof(username), "%s.%s", ag->code,
			    demo_roles[k].suffix);
			if ((rc = demo_user(a, g, username, demo_roles[k].role, ag->code,
			    ag->location, password, logins, err)) != RC_OK)
				goto out;
		}
	}
	if ((rc = demo_user(a, g, "mne.officer", "mne_officer", "horizon", NULL, password,
	    logins, err)) != RC_OK)
		goto out;
	rc = demo_user(a, g, "demo.admin", "admin", NULL, NULL, password, logins, err);
out:
	gen_free(g);
	return rc;
}

/*
 * Generated cases go through a pipeline of two threads: a producer with a database
 * handle of its own generates each case (in order, from the one seeded generator) and
 * prepares it (validation, blind keys, sealing: app_rec_prepare); this thread stores
 * them, DEMO_BATCH to a transaction (app_rec_store). Half of a case's work is the
 * preparing, which now runs beside the storing.
 */
#define DEMO_PIPE	128	/* prepared cases waiting for their turn */

struct demo_slot {
	struct app_rec_prep	p;
	size_t			ai;		/* the agency that registers it */
	int			rc;		/* RC_OK, or why it could not be prepared */
	char			msg[256];
};

struct demo_pipe {
	pthread_mutex_t		 mu;
	pthread_cond_t		 more, room;
	struct demo_slot	 slot[DEMO_PIPE];
	int64_t			 made, taken, n;	/* prepared, stored, to make */
	int			 stop;		/* the storing thread gave up */
	struct app		*a;		/* the producer's own handle */
	struct app_actor	 (*workers)[DEMO_CASEWORKERS];
	struct location_list	*locs;
	struct gen		*g;
	const char		*today;
};

static void *
demo_produce(void *arg)
{
	struct demo_pipe *q = arg;
	struct app_error err;
	struct demo_slot *sl;
	json_t *data;
	int64_t c;
	int stop;

	for (c = 0; c < q->n; c++) {
		pthread_mutex_lock(&q->mu);
		while (q->made - q->taken >= DEMO_PIPE && !q->stop)
			pthread_cond_wait(&q->room, &q->mu);
		stop = q->stop;
		pthread_mutex_unlock(&q->mu);
		if (stop)
			break;
		sl = &q->slot[c % DEMO_PIPE];
		app_error_init(&err);
		sl->rc = RC_ENOMEM;
		sl->msg[0] = '\0';
		if ((data = gen_case(q->g, q->today, (const char *const *)q->locs->codes,
		    q->locs->n)) != NULL) {
			sl->ai = demo_agency_for(json_get_str(data, "location_current"));
			sl->rc = app_rec_prepare(q->a, &q->workers[sl->ai][(size_t)(c %
			    DEMO_CASEWORKERS)], "case", data, &sl->p, &err);
			json_decref(data);
		}
		if (sl->rc != RC_OK)
			snprintf(sl->msg, sizeof(sl->msg), "%s", err.message[0] ?
			    err.message : rc_name(sl->rc));
		pthread_mutex_lock(&q->mu);
		q->made++;
		pthread_cond_signal(&q->more);
		pthread_mutex_unlock(&q->mu);
		if (sl->rc != RC_OK)
			break;	/* the storing thread reports it */
	}
	return NULL;
}

/* `ncases` generated cases for the demo caseworkers, DEMO_BATCH to a transaction. */
static int
demo_cases(struct app *a, int64_t ncases, uint64_t seed, int64_t *created,
    struct app_error *err)
{
	struct app_actor workers[DEMO_NAGENCIES][DEMO_CASEWORKERS];
	struct location_list locs = { 0 };
	struct demo_pipe *q = NULL;
	struct demo_slot *sl;
	char username[64], today[11];
	pthread_t producer;
	int started = 0, bulk = 0;
	json_t *ref = NULL;
	int64_t c;
	size_t i, j;
	int rc;

	*created = 0;
	for (i = 0; i < DEMO_NAGENCIES; i++)
		for (j = 0; j < DEMO_CASEWORKERS; j++) {
			snprintf(username, sizeof(username), "%s.cw%zu", demo_agencies[i].code,
			    j + 1);
			if ((rc = app_actor_get(a, username, &workers[i][j], err)) != RC_OK)
				return rc;
		}
	if ((rc = store_location_list(a->store, collect_location, &locs)) != RC_OK)
		goto out;
	if (locs.n == 0) {
		rc = app_fail(err, RC_EINVALID, "no locations are loaded");
		goto out;
	}
	if ((q = calloc(1, sizeof(*q))) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	pthread_mutex_init(&q->mu, NULL);
	pthread_cond_init(&q->more, NULL);
	pthread_cond_init(&q->room, NULL);
	q->n = ncases;
	q->workers = workers;
	q->locs = &locs;
	q->today = today;
	if ((q->g = gen_new(seed)) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	app_today(today);
	if ((rc = app_open(a->dir, &q->a, err)) != RC_OK)
		goto out;
	if ((rc = store_bulk(a->store, 1)) != RC_OK)
		goto out;
	bulk = 1;
	if (pthread_create(&producer, NULL, demo_produce, q) != 0) {
		rc = app_fail(err, RC_ENOMEM, "cannot start a thread to prepare cases");
		goto out;
	}
	started = 1;
	for (c = 0; c < ncases; c++) {
		pthread_mutex_lock(&q->mu);
		while (q->made <= c)
			pthread_cond_wait(&q->more, &q->mu);
		pthread_mutex_unlock(&q->mu);
		sl = &q->slot[c % DEMO_PIPE];
		if (sl->rc != RC_OK) {
			rc = app_fail(err, sl->rc, "%s", sl->msg);
			log_error("demo: generated case %lld was refused: %s", (long long)c,
			    sl->msg);
			goto out;
		}
		if (c % DEMO_BATCH == 0 && (rc = store_begin(a->store)) != RC_OK)
			goto out;
		rc = app_rec_store(a, &workers[sl->ai][(size_t)(c % DEMO_CASEWORKERS)],
		    &sl->p, &ref, err);
		app_rec_prep_free(&sl->p);
		json_decref(ref);
		ref = NULL;
		pthread_mutex_lock(&q->mu);
		q->taken++;
		pthread_cond_signal(&q->room);
		pthread_mutex_unlock(&q->mu);
		if (rc != RC_OK) {
			log_error("demo: generated case %lld was refused: %s", (long long)c,
			    err->message);
			goto out;
		}
		if ((c + 1) % DEMO_BATCH == 0 || c + 1 == ncases) {
			if ((rc = store_commit(a->store)) != RC_OK)
				goto out;
			*created = c + 1;
		}
	}
	rc = RC_OK;
out:
	if (rc != RC_OK)
		store_rollback(a->store);	/* the unfinished batch only */
	if (started) {
		pthread_mutex_lock(&q->mu);
		q->stop = 1;
		pthread_cond_broadcast(&q->room);
		pthread_mutex_unlock(&q->mu);
		pthread_join(producer, NULL);
	}
	if (bulk)
		(void)store_bulk(a->store, 0);
	audit_flush(a);
	if (q != NULL) {
		for (i = 0; i < DEMO_PIPE; i++)
			app_rec_prep_free(&q->slot[i].p);
		app_close(q->a);
		gen_free(q->g);
		pthread_cond_destroy(&q->room);
		pthread_cond_destroy(&q->more);
		pthread_mutex_destroy(&q->mu);
		free(q);
	}
	location_list_free(&locs);
	return rc;
}

int
app_demo_load(struct app *a, const char *password, int ncases, uint64_t seed,
    json_t **logins, struct app_error *err)
{
	struct store_user probe;
	int64_t created;
	json_t *list;
	int rc;

	*logins = NULL;
	if (ncases < 0 || ncases > 1000000)
		return app_fail(err, RC_EINVALID, "number of cases must be 0 to 1000000");
	if (store_user_get_by_name(a->store, "horizon.cw1", &probe) == RC_OK)
		return app_fail(err, RC_EEXIST, "demo data is already loaded in %s", a->dir);
	if ((list = json_array()) == NULL)
		return RC_ENOMEM;
	if ((rc = demo_users(a, password, seed, list, err)) != RC_OK ||
	    (rc = demo_cases(a, ncases, seed, &created, err)) != RC_OK) {
		json_decref(list);
		return rc;
	}
	*logins = list;
	return RC_OK;
}

int
app_gen_cases(struct app *a, const char *password, int64_t ncases, uint64_t seed,
    int64_t *created, struct app_error *err)
{
	struct store_user probe;
	json_t *list;
	int rc;

	*created = 0;
	if (ncases < 0 || ncases > 10000000)
		return app_fail(err, RC_EINVALID, "--cases must be 0 to 10000000");
	if (store_user_get_by_name(a->store, "horizon.cw1", &probe) != RC_OK) {
		if ((list = json_array()) == NULL)
			return RC_ENOMEM;
		rc = demo_users(a, password, seed, list, err);
		json_decref(list);
		if (rc != RC_OK)
			return rc;
	}
	sodium_memzero(probe.password_hash, sizeof(probe.password_hash));
	return demo_cases(a, ncases, seed, created, err);
}

/* ---- victims of trafficking ------------------------------------------------------------ */

/* A child case a generated VoT record may link to: its index columns only. */
struct vot_pool_case {
	char	key[40];	/* "sex|age_band|nationality" */
	char	id[ID_SIZE];
	int	used;
};

struct vot_pool {
	struct vot_pool_case	*c;
	size_t			 n, cap;
	int64_t			 seen;		/* rows of the current page */
};

#define VOT_POOL_MAX	200000	/* child cases considered per agency */

static void
vot_pool_key(char out[40], const char *sex, const char *band, const char *nat)
{
	snprintf(out, 40, "%s|%s|%s", sex, band, nat);
}

static int
vot_pool_add(void *arg, struct store_record *r)
{
	struct vot_pool *p = arg;
	struct vot_pool_case *grown;

	p->seen++;
	if (strcmp(r->m.age_band, "18+") != 0 && r->m.age_band[0] != '\0' &&
	    p->n < VOT_POOL_MAX) {
		if (p->n == p->cap) {
			size_t ncap = p->cap ? p->cap * 2 : 1024;

			if ((grown = realloc(p->c, ncap * sizeof(*grown))) == NULL) {
				store_record_free(r);
				return RC_ENOMEM;
			}
			p->c = grown;
			p->cap = ncap;
		}
		vot_pool_key(p->c[p->n].key, r->m.sex, r->m.age_band, r->m.nationality);
		memcpy(p->c[p->n].id, r->m.id, ID_SIZE);
		p->c[p->n].used = 0;
		p->n++;
	}
	store_record_free(r);
	return 0;
}

static int
vot_pool_cmp(const void *x, const void *y)
{
	const struct vot_pool_case *a = x, *b = y;
	int c = strcmp(a->key, b->key);

	return c != 0 ? c : strcmp(a->id, b->id);
}

/* The child cases of agency `agency_id`, by their index columns (no body opened). */
static int
vot_pool_load(struct app *a, const char *agency_id, struct vot_pool *p)
{
	struct store_filter f = { 0 };
	int rc;

	f.type = "case";
	f.agency_id = agency_id;
	f.status = "open";
	f.limit = 1000;
	do {
		p->seen = 0;
		if ((rc = store_record_list(a->store, &f, NULL, vot_pool_add, p)) != RC_OK)
			return rc;
		f.offset += f.limit;
	} while (p->seen == f.limit && p->n < VOT_POOL_MAX);
	if (p->n > 0)	/* no cases yet: nothing to sort, and no array */
		qsort(p->c, p->n, sizeof(*p->c), vot_pool_cmp);
	return RC_OK;
}

/* An unlinked child case with the same sex, age band and nationality, or NULL. */
static const char *
vot_pool_take(struct vot_pool *p, const json_t *vot)
{
	const json_t *age = json_object_get(vot, "age_at_identification");
	const char *sex = json_get_str(vot, "sex"), *nat = json_get_str(vot, "citizenship");
	char key[40];
	size_t lo = 0, hi = p->n, mid;

	if (!json_is_integer(age) || json_integer_value(age) >= 18 || sex == NULL ||
	    nat == NULL)
		return NULL;
	vot_pool_key(key, sex, record_age_band(json_integer_value(age)), nat);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (strcmp(p->c[mid].key, key) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < p->n && strcmp(p->c[lo].key, key) == 0; lo++)
		if (!p->c[lo].used) {
			p->c[lo].used = 1;
			return p->c[lo].id;
		}
	return NULL;
}

int
app_gen_vots(struct app *a, const char *password, int64_t nvots, uint64_t seed,
    int64_t *created, int64_t *linked, struct app_error *err)
{
	static const unsigned agency_w[DEMO_NAGENCIES] = { 40, 40, 20 };
	static const enum gen_route routes[DEMO_NAGENCIES] = {
		GEN_ROUTE_HORN, GEN_ROUTE_SAHEL, GEN_ROUTE_MESOAMERICA
	};
	struct app_actor officers[DEMO_NAGENCIES];
	struct vot_pool pools[DEMO_NAGENCIES];
	struct location_list locs = { 0 };
	struct store_user probe;
	char username[64], today[11];
	struct gen *g = NULL;
	json_t *data = NULL, *ref = NULL, *list;
	const char *cid;
	int64_t c;
	size_t i, ai;
	int rc;

	*created = *linked = 0;
	memset(pools, 0, sizeof(pools));
	if (nvots < 0 || nvots > 10000000)
		return app_fail(err, RC_EINVALID, "--vots must be 0 to 10000000");
	if (store_user_get_by_name(a->store, "horizon.cw1", &probe) != RC_OK) {
		if ((list = json_array()) == NULL)
			return RC_ENOMEM;
		rc = demo_users(a, password, seed, list, err);
		json_decref(list);
		if (rc != RC_OK)
			return rc;
	}
	sodium_memzero(probe.password_hash, sizeof(probe.password_hash));
	for (i = 0; i < DEMO_NAGENCIES; i++) {
		snprintf(username, sizeof(username), "%s.ct", demo_agencies[i].code);
		if ((rc = app_actor_get(a, username, &officers[i], err)) != RC_OK)
			goto out;
		if ((rc = vot_pool_load(a, officers[i].pu.agency_id, &pools[i])) != RC_OK) {
			rc = app_fail(err, rc, "cannot list the cases to link");
			goto out;
		}
	}
	if ((rc = store_location_list(a->store, collect_location, &locs)) != RC_OK)
		goto out;
	if (locs.n == 0) {
		rc = app_fail(err, RC_EINVALID, "no locations are loaded");
		goto out;
	}
	/* a stream of its own: the cases of the same seed stay what they were */
	if ((g = gen_new(seed ^ 0x766f7473ULL)) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	app_today(today);
	if ((rc = store_bulk(a->store, 1)) != RC_OK)
		goto out;
	for (c = 0; c < nvots; c++) {
		unsigned r = gen_uniform(g, 100);

		for (ai = 0; ai + 1 < DEMO_NAGENCIES && r >= agency_w[ai]; ai++)
			r -= agency_w[ai];
		if (c % DEMO_BATCH == 0 && (rc = store_begin(a->store)) != RC_OK)
			goto out;
		if ((data = gen_vot(g, today, routes[ai], (const char *const *)locs.codes,
		    locs.n)) == NULL) {
			rc = RC_ENOMEM;
			goto out;
		}
		/* a child with a case in the agency: link them */
		if ((cid = vot_pool_take(&pools[ai], data)) != NULL) {
			json_object_set_new(data, "case_id", json_string(cid));
			(*linked)++;
		}
		rc = app_record_create(a, &officers[ai], "vot", data, &ref, err);
		json_decref(data);
		data = NULL;
		json_decref(ref);
		ref = NULL;
		if (rc != RC_OK) {
			log_error("gen: generated VoT record %lld was refused: %s",
			    (long long)c, err->message);
			goto out;
		}
		if ((c + 1) % DEMO_BATCH == 0 || c + 1 == nvots) {
			if ((rc = store_commit(a->store)) != RC_OK)
				goto out;
			*created = c + 1;
		}
	}
	rc = RC_OK;
out:
	if (rc != RC_OK)
		store_rollback(a->store);
	(void)store_bulk(a->store, 0);
	audit_flush(a);
	json_decref(data);
	location_list_free(&locs);
	for (i = 0; i < DEMO_NAGENCIES; i++)
		free(pools[i].c);
	gen_free(g);
	return rc;
}
