/* demo.c — fictional demo data loaded through the same use cases as real work. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "app/impl.h"
#include "base/err.h"
#include "base/json.h"
#include "base/log.h"
#include "domain/gen.h"

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

/* `ncases` generated cases for the demo caseworkers, DEMO_BATCH to a transaction. */
static int
demo_cases(struct app *a, int64_t ncases, uint64_t seed, int64_t *created,
    struct app_error *err)
{
	struct app_actor workers[DEMO_NAGENCIES][DEMO_CASEWORKERS];
	struct location_list locs = { 0 };
	char username[64], today[11];
	struct gen *g = NULL;
	json_t *data = NULL, *ref = NULL;
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
	if ((g = gen_new(seed)) == NULL) {
		rc = RC_ENOMEM;
		goto out;
	}
	app_today(today);
	if ((rc = store_bulk(a->store, 1)) != RC_OK)
		goto out;
	for (c = 0; c < ncases; c++) {
		const char *loc;
		size_t ai;

		if (c % DEMO_BATCH == 0 && (rc = store_begin(a->store)) != RC_OK)
			goto out;
		if ((data = gen_case(g, today, (const char *const *)locs.codes, locs.n)) ==
		    NULL) {
			rc = RC_ENOMEM;
			goto out;
		}
		loc = json_get_str(data, "location_current");
		ai = demo_agency_for(loc);
		rc = app_case_create(a, &workers[ai][(size_t)(c % DEMO_CASEWORKERS)], data,
		    &ref, err);
		json_decref(data);
		data = NULL;
		json_decref(ref);
		ref = NULL;
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
	(void)store_bulk(a->store, 0);
	audit_flush(a);
	json_decref(data);
	location_list_free(&locs);
	gen_free(g);
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
