/* cli.c — commands, options and output of the routecare program. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <sodium.h>

#include "app/app.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/io.h"
#include "base/json.h"
#include "cli/cli.h"
#include "web/i18n.h"
#include "web/web.h"

#ifndef ROUTECARE_VERSION
#define ROUTECARE_VERSION "0.0.0"
#endif

#define CLI_OPTS_MAX	16
#define DEMO_PASSWORD	"routecare-demo"

/* The parsed options of one command: each known long option and its value. */
struct cli_opts {
	const char	*names[CLI_OPTS_MAX];	/* "data", "as", ... (no dashes) */
	int		 takes_value[CLI_OPTS_MAX];
	const char	*values[CLI_OPTS_MAX];
	int		 seen[CLI_OPTS_MAX];
	size_t		 n;
	char		*args[8];		/* positional arguments */
	size_t		 nargs;
};

struct cli_command {
	const char	*name;			/* "case add" */
	const char	*usage;
	const char	*help;
	const char	*options;		/* "data= as= query=" (= takes a value) */
	size_t		 min_args, max_args;
	int		(*run)(struct cli_opts *o);
};

static const struct cli_command *cli_current;

static int
cli_error(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
cli_error(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("routecare: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return status;
}

static int
cli_usage_error(const char *what)
{
	cli_error(CLI_USAGE, "%s", what);
	if (cli_current != NULL)
		fprintf(stderr, "usage: %s\n", cli_current->usage);
	return CLI_USAGE;
}

/* Exit status for an app error, after printing its message and field problems. */
static int
cli_app_error(int rc, const struct app_error *err)
{
	size_t i;
	int status;

	switch (rc) {
	case RC_EINVALID:
	case RC_ETOOBIG:
	case RC_ECONFLICT:
	case RC_EEXIST:
		status = CLI_USAGE;
		break;
	default:
		status = CLI_FAIL;
	}
	cli_error(status, "%s", err->message[0] ? err->message : rc_name(rc));
	for (i = 0; rc == RC_EINVALID && i < err->fields.n; i++)
		fprintf(stderr, "  %s: %s\n", err->fields.e[i].field[0] ?
		    err->fields.e[i].field : "(record)", err->fields.e[i].problem);
	if (rc == RC_EINVALID && err->fields.dropped > 0)
		fprintf(stderr, "  ... and %zu more problems\n", err->fields.dropped);
	return status;
}

static const char *
opt(const struct cli_opts *o, const char *name)
{
	size_t i;

	for (i = 0; i < o->n; i++)
		if (strcmp(o->names[i], name) == 0)
			return o->values[i];
	return NULL;
}

/* Parse argv against the command's option list. Returns 0 or CLI_USAGE. */
static int
cli_parse(const struct cli_command *c, int argc, char **argv, struct cli_opts *o)
{
	char spec[256], *tok, *save = NULL;
	size_t i;
	int k;

	memset(o, 0, sizeof(*o));
	if (str_copy(spec, sizeof(spec), c->options) != 0)
		return CLI_USAGE;
	for (tok = strtok_r(spec, " ", &save); tok != NULL && o->n < CLI_OPTS_MAX;
	    tok = strtok_r(NULL, " ", &save)) {
		size_t len = strlen(tok);
		static char store[CLI_OPTS_MAX][32];

		o->takes_value[o->n] = len > 0 && tok[len - 1] == '=';
		if (o->takes_value[o->n])
			tok[len - 1] = '\0';
		str_copy(store[o->n], sizeof(store[o->n]), tok);
		o->names[o->n] = store[o->n];
		o->n++;
	}
	for (k = 0; k < argc; k++) {
		char *a = argv[k], *eq;

		if (strncmp(a, "--", 2) != 0 || a[2] == '\0') {
			if (strcmp(a, "--") == 0) {
				k++;
			} else if (a[0] == '-' && a[1] != '\0') {
				char m[128];

				snprintf(m, sizeof(m), "unknown option %.64s", a);
				return cli_usage_error(m);
			}
			for (; k < argc && (strcmp(a, "--") == 0 || argv[k][0] != '-' ||
			    argv[k][1] == '\0'); k++) {
				if (o->nargs == sizeof(o->args) / sizeof(o->args[0]))
					return cli_usage_error("too many arguments");
				o->args[o->nargs++] = argv[k];
				if (strcmp(a, "--") != 0)
					break;
			}
			continue;
		}
		a += 2;
		eq = strchr(a, '=');
		for (i = 0; i < o->n; i++) {
			size_t nl = eq ? (size_t)(eq - a) : strlen(a);

			if (strlen(o->names[i]) == nl && strncmp(o->names[i], a, nl) == 0)
				break;
		}
		if (i == o->n) {
			char m[128];

			snprintf(m, sizeof(m), "unknown option --%.64s", a);
			return cli_usage_error(m);
		}
		if (o->seen[i]) {
			char m[128];

			snprintf(m, sizeof(m), "--%s given twice", o->names[i]);
			return cli_usage_error(m);
		}
		o->seen[i] = 1;
		if (!o->takes_value[i]) {
			if (eq != NULL) {
				char m[128];

				snprintf(m, sizeof(m), "--%s takes no value", o->names[i]);
				return cli_usage_error(m);
			}
			o->values[i] = "1";
			continue;
		}
		if (eq != NULL)
			o->values[i] = eq + 1;
		else if (k + 1 < argc)
			o->values[i] = argv[++k];
		else {
			char m[128];

			snprintf(m, sizeof(m), "--%s needs a value", o->names[i]);
			return cli_usage_error(m);
		}
	}
	if (o->nargs < c->min_args)
		return cli_usage_error("missing argument");
	if (o->nargs > c->max_args)
		return cli_usage_error("too many arguments");
	return 0;
}

/* ---- helpers ------------------------------------------------------------------ */

/* Read a password file: its first line, without the line end. */
static int
cli_read_password(const char *path, char *out, size_t outsz)
{
	struct buf b = BUF_INIT;
	int rc = io_read_file(path, 4096, &b);
	size_t n;

	if (rc != RC_OK) {
		buf_wipe(&b);
		if (rc == RC_ETOOBIG)
			return cli_error(CLI_USAGE, "password file %s is too large", path);
		return cli_error(CLI_USAGE, "cannot read password file %s: %s", path,
		    rc == RC_ENOTFOUND ? "no such file" : strerror(errno));
	}
	n = strcspn(b.p, "\r\n");
	if (n == 0 || n >= outsz) {
		buf_wipe(&b);
		return cli_error(CLI_USAGE, "password file %s: the first line must hold "
		    "the password (1 to %zu characters)", path, outsz - 1);
	}
	memcpy(out, b.p, n);
	out[n] = '\0';
	buf_wipe(&b);
	return 0;
}

static void
cli_print_json(const json_t *j)
{
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_ENSURE_ASCII * 0);

	if (s != NULL) {
		puts(s);
		free(s);
	}
}

/* Read stdin as {"data": {...}}; `*data` borrowed from `*root` (caller decrefs root). */
static int
cli_read_body(json_t **root, json_t **data)
{
	struct buf b = BUF_INIT;
	char msg[200];
	int rc;

	*root = *data = NULL;
	rc = io_read_stream(stdin, JSON_BODY_MAX, &b);
	if (rc == RC_ETOOBIG) {
		buf_wipe(&b);
		return cli_error(CLI_USAGE, "input too large: the limit is %d bytes",
		    JSON_BODY_MAX);
	}
	if (rc != RC_OK) {
		buf_wipe(&b);
		return cli_error(CLI_FAIL, "cannot read standard input");
	}
	rc = json_parse_bounded(b.p, b.len, JSON_BODY_MAX, JSON_DEPTH_MAX, 1, root, msg,
	    sizeof(msg));
	buf_wipe(&b);
	if (rc != RC_OK)
		return cli_error(CLI_USAGE, "standard input: %s", msg);
	*data = json_object_get(*root, "data");
	if (!json_is_object(*data) || json_object_size(*root) != 1) {
		json_decref(*root);
		*root = *data = NULL;
		return cli_error(CLI_USAGE, "standard input: expected {\"data\": {...}} "
		    "with the case fields inside \"data\"");
	}
	return 0;
}

/* Open the data directory and resolve --as. */
static int
cli_open_as(const struct cli_opts *o, struct app **a, struct app_actor *actor)
{
	struct app_error err = { 0 };
	const char *as = opt(o, "as");
	int rc;

	*a = NULL;
	if (as == NULL || *as == '\0')
		return cli_usage_error("--as USER is required: the user on whose behalf "
		    "to act");
	if ((rc = app_open(app_data_dir(opt(o, "data")), a, &err)) != RC_OK)
		return cli_app_error(rc, &err);
	if ((rc = app_actor_get(*a, as, actor, &err)) != RC_OK) {
		app_close(*a);
		*a = NULL;
		return cli_app_error(rc, &err);
	}
	return 0;
}

/* ---- commands -------------------------------------------------------------------- */

static int
cmd_init(struct cli_opts *o)
{
	struct app_error err = { 0 };
	const char *dir = app_data_dir(opt(o, "data"));
	const char *pwfile = opt(o, "password-file");
	const char *admin = opt(o, "admin") ? opt(o, "admin") : "admin";
	char pw[1100] = "", shown[64] = "";
	int rc;

	if (pwfile != NULL && (rc = cli_read_password(pwfile, pw, sizeof(pw))) != 0)
		return rc;
	rc = app_init(dir, admin, pwfile ? pw : NULL, shown, sizeof(shown), &err);
	sodium_memzero(pw, sizeof(pw));
	if (rc != RC_OK) {
		sodium_memzero(shown, sizeof(shown));
		return cli_app_error(rc == RC_EEXIST ? RC_EIO : rc, &err);
	}
	printf("Created RouteCare data directory %s\n", dir);
	printf("Administrator: %s\n", admin);
	if (pwfile == NULL)
		printf("Password: %s\n(shown once: keep it somewhere safe)\n", shown);
	sodium_memzero(shown, sizeof(shown));
	return CLI_OK;
}

static int
cmd_user_add(struct cli_opts *o)
{
	struct app_error err = { 0 };
	struct app_user_new nu = { 0 };
	struct app *a = NULL;
	char pw[1100], id[ID_SIZE];
	int rc;

	if (opt(o, "username") == NULL || opt(o, "role") == NULL ||
	    opt(o, "password-file") == NULL)
		return cli_usage_error("--username, --role and --password-file are required");
	if ((rc = cli_read_password(opt(o, "password-file"), pw, sizeof(pw))) != 0)
		return rc;
	if ((rc = app_open(app_data_dir(opt(o, "data")), &a, &err)) != RC_OK) {
		sodium_memzero(pw, sizeof(pw));
		return cli_app_error(rc, &err);
	}
	nu.username = opt(o, "username");
	nu.full_name = opt(o, "name");
	nu.role = opt(o, "role");
	nu.agency = opt(o, "agency");
	nu.location_code = opt(o, "location");
	nu.language = opt(o, "language");
	nu.password = pw;
	rc = app_user_add(a, NULL, &nu, id, &err);
	sodium_memzero(pw, sizeof(pw));
	app_close(a);
	if (rc != RC_OK)
		return cli_app_error(rc, &err);
	printf("{\"data\":{\"id\":\"%s\",\"username\":\"%s\"}}\n", id, nu.username);
	return CLI_OK;
}

static int
cmd_agency_add(struct cli_opts *o)
{
	struct app_error err = { 0 };
	struct app *a = NULL;
	char id[ID_SIZE];
	int rc;

	if (opt(o, "code") == NULL)
		return cli_usage_error("--code is required");
	if ((rc = app_open(app_data_dir(opt(o, "data")), &a, &err)) != RC_OK)
		return cli_app_error(rc, &err);
	rc = app_agency_add(a, opt(o, "code"), opt(o, "name"), id, &err);
	app_close(a);
	if (rc != RC_OK)
		return cli_app_error(rc, &err);
	printf("{\"data\":{\"id\":\"%s\",\"code\":\"%s\"}}\n", id, opt(o, "code"));
	return CLI_OK;
}

static int
cmd_case_add(struct cli_opts *o)
{
	struct app_error err = { 0 };
	struct app_actor actor;
	struct app *a = NULL;
	json_t *root = NULL, *data, *out = NULL;
	int rc;

	if ((rc = cli_open_as(o, &a, &actor)) != 0)
		return rc;
	if ((rc = cli_read_body(&root, &data)) != 0)
		goto out;
	if ((rc = app_case_create(a, &actor, data, &out, &err)) != RC_OK) {
		rc = cli_app_error(rc, &err);
		goto out;
	}
	root = (json_decref(root), json_pack("{s:O}", "data", out));
	cli_print_json(root);
	rc = CLI_OK;
out:
	json_decref(root);
	json_decref(out);
	app_close(a);
	return rc;
}

static int
cmd_case_show(struct cli_opts *o)
{
	struct app_error err = { 0 };
	struct app_actor actor;
	struct app *a = NULL;
	json_t *out = NULL, *env = NULL;
	int rc;

	if ((rc = cli_open_as(o, &a, &actor)) != 0)
		return rc;
	rc = opt(o, "history") ?
	    app_case_history(a, &actor, o->args[0], &out, &err) :
	    app_case_get(a, &actor, o->args[0], &out, &err);
	if (rc != RC_OK) {
		rc = cli_app_error(rc, &err);
		goto out;
	}
	env = json_pack("{s:O}", "data", out);
	cli_print_json(env);
	rc = CLI_OK;
out:
	json_decref(env);
	json_decref(out);
	app_close(a);
	return rc;
}

static int
parse_int(const char *s, const char *what, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		char m[128];

		snprintf(m, sizeof(m), "%s must be a whole number from %" PRId64 " to %"
		    PRId64, what, min, max);
		return cli_usage_error(m);
	}
	*out = v;
	return 0;
}

static int
cmd_case_list(struct cli_opts *o)
{
	struct app_error err = { 0 };
	struct app_case_query q = { 0 };
	struct app_actor actor;
	struct app *a = NULL;
	json_t *out = NULL;
	int rc;

	if (opt(o, "page") && (rc = parse_int(opt(o, "page"), "--page", 1, 1000000,
	    &q.page)) != 0)
		return rc;
	if (opt(o, "per") && (rc = parse_int(opt(o, "per"), "--per", 1, 100, &q.per)) != 0)
		return rc;
	if ((rc = cli_open_as(o, &a, &actor)) != 0)
		return rc;
	q.text = opt(o, "query");
	q.status = opt(o, "status");
	q.risk_level = opt(o, "risk-level");
	q.sex = opt(o, "sex");
	q.age_band = opt(o, "age-band");
	q.location = opt(o, "location");
	q.concern = opt(o, "concern");
	if ((rc = app_case_list(a, &actor, &q, &out, &err)) != RC_OK) {
		rc = cli_app_error(rc, &err);
		goto out;
	}
	cli_print_json(out);
	rc = CLI_OK;
out:
	json_decref(out);
	app_close(a);
	return rc;
}

static int
cmd_case_update(struct cli_opts *o)
{
	struct app_error err = { 0 };
	struct app_actor actor;
	struct app *a = NULL;
	json_t *root = NULL, *data, *out = NULL, *env = NULL;
	int64_t rev;
	int rc;

	if (opt(o, "rev") == NULL)
		return cli_usage_error("--rev N is required: the revision you read");
	if ((rc = parse_int(opt(o, "rev"), "--rev", 1, INT64_MAX, &rev)) != 0)
		return rc;
	if ((rc = cli_open_as(o, &a, &actor)) != 0)
		return rc;
	if ((rc = cli_read_body(&root, &data)) != 0)
		goto out;
	if ((rc = app_case_update(a, &actor, o->args[0], rev, data, &out, &err)) != RC_OK) {
		rc = cli_app_error(rc, &err);
		goto out;
	}
	env = json_pack("{s:O}", "data", out);
	cli_print_json(env);
	rc = CLI_OK;
out:
	json_decref(env);
	json_decref(root);
	json_decref(out);
	app_close(a);
	return rc;
}

static int
cmd_demo(struct cli_opts *o)
{
	struct app_error err = { 0 };
	const char *dir = app_data_dir(opt(o, "data"));
	struct app *a = NULL;
	json_t *logins = NULL, *l;
	char pw[1100] = DEMO_PASSWORD, admin_pw[64] = "";
	int64_t ncases = 200, seed = 1;
	size_t i;
	int rc;

	if (opt(o, "cases") && (rc = parse_int(opt(o, "cases"), "--cases", 0, 1000000,
	    &ncases)) != 0)
		return rc;
	if (opt(o, "seed") && (rc = parse_int(opt(o, "seed"), "--seed", 0, INT64_MAX,
	    &seed)) != 0)
		return rc;
	if (opt(o, "password-file") &&
	    (rc = cli_read_password(opt(o, "password-file"), pw, sizeof(pw))) != 0)
		return rc;
	rc = app_open(dir, &a, &err);
	if (rc == RC_ENOTFOUND) {
		memset(&err, 0, sizeof(err));
		if ((rc = app_init(dir, "admin", NULL, admin_pw, sizeof(admin_pw), &err)) !=
		    RC_OK)
			return cli_app_error(rc, &err);
		printf("Created RouteCare data directory %s\n", dir);
		printf("Administrator: admin  password: %s (shown once)\n", admin_pw);
		sodium_memzero(admin_pw, sizeof(admin_pw));
		rc = app_open(dir, &a, &err);
	}
	if (rc != RC_OK)
		return cli_app_error(rc, &err);
	rc = app_demo_load(a, pw, (int)ncases, (uint64_t)seed, &logins, &err);
	app_close(a);
	if (rc != RC_OK) {
		sodium_memzero(pw, sizeof(pw));
		return cli_app_error(rc, &err);
	}
	printf("Loaded fictional demo data into %s: %lld cases.\n", dir, (long long)ncases);
	printf("\n  %-22s %-18s %s\n", "username", "role", "agency");
	json_array_foreach(logins, i, l)
		printf("  %-22s %-18s %s\n", json_get_str(l, "username"),
		    json_get_str(l, "role"), json_get_str(l, "agency") ?
		    json_get_str(l, "agency") : "-");
	if (opt(o, "password-file") == NULL)
		printf("\nEvery demo user has the password: %s\n", DEMO_PASSWORD);
	printf("Try: routecare case list --data %s --as horizon.cw1\n", dir);
	sodium_memzero(pw, sizeof(pw));
	json_decref(logins);
	return CLI_OK;
}

static int
cmd_serve(struct cli_opts *o)
{
	struct web_options w = { 0 };
	int64_t threads = 0, writers = 0;
	int rc;

	if (opt(o, "threads") && (rc = parse_int(opt(o, "threads"), "--threads", 1, 256,
	    &threads)) != 0)
		return rc;
	if (opt(o, "write-threads") && (rc = parse_int(opt(o, "write-threads"),
	    "--write-threads", 1, 256, &writers)) != 0)
		return rc;
	w.data_dir = app_data_dir(opt(o, "data"));
	w.listen = opt(o, "listen") ? opt(o, "listen") : "127.0.0.1:8080";
	w.threads = (unsigned)threads;
	w.writers = (unsigned)writers;
	return web_serve(&w) == 0 ? CLI_OK : CLI_FAIL;
}

static int
cmd_audit_verify(struct cli_opts *o)
{
	struct app_error err = { 0 };
	struct app *a = NULL;
	int64_t rows = 0, bad = 0;
	int rc;

	if ((rc = app_open(app_data_dir(opt(o, "data")), &a, &err)) != RC_OK)
		return cli_app_error(rc, &err);
	rc = app_audit_verify(a, &rows, &bad, &err);
	app_close(a);
	if (rc != RC_OK)
		return cli_app_error(rc, &err);
	printf("audit chain intact: %lld rows verified\n", (long long)rows);
	return CLI_OK;
}

static int
cmd_audit_show(struct cli_opts *o)
{
	struct app_error err = { 0 };
	struct app_audit_query q = { 0 };
	struct app *a = NULL;
	json_t *out = NULL;
	int rc;

	if (opt(o, "page") && (rc = parse_int(opt(o, "page"), "--page", 1, 1000000,
	    &q.page)) != 0)
		return rc;
	if (opt(o, "per") && (rc = parse_int(opt(o, "per"), "--per", 1, 500, &q.per)) != 0)
		return rc;
	q.record_id = opt(o, "record");
	q.user = opt(o, "user");
	q.since = opt(o, "since");
	if ((rc = app_open(app_data_dir(opt(o, "data")), &a, &err)) != RC_OK)
		return cli_app_error(rc, &err);
	/* the operator of the data directory holds the key: sees every row */
	rc = app_audit_list(a, NULL, &q, &out, &err);
	app_close(a);
	if (rc != RC_OK)
		return cli_app_error(rc, &err);
	cli_print_json(out);
	json_decref(out);
	return CLI_OK;
}

static int
cmd_locations_load(struct cli_opts *o)
{
	struct app_error err = { 0 };
	struct buf b = BUF_INIT;
	struct app *a = NULL;
	json_t *out = NULL;
	int rc;

	rc = opt(o, "file") ? io_read_file(opt(o, "file"), 16 * 1024 * 1024, &b) :
	    io_read_stream(stdin, 16 * 1024 * 1024, &b);
	if (rc != RC_OK) {
		buf_free(&b);
		return cli_error(CLI_USAGE, "cannot read the locations file: %s",
		    rc == RC_ETOOBIG ? "larger than 16 MiB" : rc_name(rc));
	}
	if ((rc = app_open(app_data_dir(opt(o, "data")), &a, &err)) != RC_OK) {
		buf_free(&b);
		return cli_app_error(rc, &err);
	}
	rc = app_location_import(a, NULL, b.p, b.len, &out, &err);
	app_close(a);
	buf_free(&b);
	if (rc != RC_OK)
		return cli_app_error(rc, &err);
	cli_print_json(out);
	json_decref(out);
	return CLI_OK;
}

/* ---- gen --vots: VoT records after the cases ---------------------------------------- */

static int
cli_gen_vots_arg(struct cli_opts *o)
{
	int64_t n;

	return parse_int(opt(o, "vots"), "--vots", 0, 10000000, &n);
}

/* Generate --vots N records into the open `a`, after `ncases` cases that took `secs`,
 * and print what was made. */
static int
cli_gen_vots(struct cli_opts *o, struct app *a, uint64_t seed, int64_t ncases,
    double secs)
{
	struct app_error err = { 0 };
	struct timespec t0, t1;
	int64_t nvots = 0, created = 0, linked = 0;
	double vsecs;
	int rc;

	if ((rc = parse_int(opt(o, "vots"), "--vots", 0, 10000000, &nvots)) != 0)
		return rc;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = app_gen_vots(a, DEMO_PASSWORD, nvots, seed, &created, &linked, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	vsecs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (rc != RC_OK) {
		fprintf(stderr, "routecare: %lld VoT records were stored before the "
		    "failure\n", (long long)created);
		return cli_app_error(rc, &err);
	}
	printf("{\"data\":{\"cases\":%lld,\"vots\":%lld,\"vots_linked_to_cases\":%lld,"
	    "\"seed\":%lld,\"seconds\":%.3f,\"vot_seconds\":%.3f}}\n", (long long)ncases,
	    (long long)created, (long long)linked, (long long)seed, secs + vsecs, vsecs);
	return CLI_OK;
}

static int
cmd_gen(struct cli_opts *o)
{
	struct app_error err = { 0 };
	const char *dir = app_data_dir(opt(o, "data"));
	struct app *a = NULL;
	struct timespec t0, t1;
	char admin_pw[64] = "";
	int64_t ncases = 0, seed = 1, created = 0;
	double secs;
	int rc;

	if (opt(o, "cases") == NULL && opt(o, "vots") == NULL)
		return cli_usage_error("--cases N or --vots N is required");
	if (opt(o, "cases") != NULL &&
	    (rc = parse_int(opt(o, "cases"), "--cases", 0, 10000000, &ncases)) != 0)
		return rc;
	if (opt(o, "vots") != NULL && (rc = cli_gen_vots_arg(o)) != 0)
		return rc;
	if (opt(o, "seed") && (rc = parse_int(opt(o, "seed"), "--seed", 0, INT64_MAX,
	    &seed)) != 0)
		return rc;
	rc = app_open(dir, &a, &err);
	if (rc == RC_ENOTFOUND) {
		memset(&err, 0, sizeof(err));
		if ((rc = app_init(dir, "admin", NULL, admin_pw, sizeof(admin_pw), &err)) !=
		    RC_OK)
			return cli_app_error(rc, &err);
		fprintf(stderr, "Created RouteCare data directory %s (admin password: %s, "
		    "shown once)\n", dir, admin_pw);
		sodium_memzero(admin_pw, sizeof(admin_pw));
		rc = app_open(dir, &a, &err);
	}
	if (rc != RC_OK)
		return cli_app_error(rc, &err);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (opt(o, "cases") != NULL)
		rc = app_gen_cases(a, DEMO_PASSWORD, ncases, (uint64_t)seed, &created, &err);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	if (rc != RC_OK) {
		app_close(a);
		fprintf(stderr, "routecare: %lld cases were stored before the failure\n",
		    (long long)created);
		return cli_app_error(rc, &err);
	}
	if (opt(o, "vots") != NULL) {
		rc = cli_gen_vots(o, a, (uint64_t)seed, created, secs);
		app_close(a);
		return rc;
	}
	app_close(a);
	printf("{\"data\":{\"cases\":%lld,\"seed\":%lld,\"seconds\":%.3f,"
	    "\"cases_per_second\":%.1f}}\n", (long long)created, (long long)seed, secs,
	    secs > 0 ? (double)created / secs : 0.0);
	return CLI_OK;
}

/* ---- keys, partners and transfers to other instances ------------------------------- */

#define CLI_PACKAGE_MAX		(16 * 1024 * 1024)	/* = PACKAGE_TEXT_MAX */
#define CLI_TTL_MAX		(366 * 86400)		/* = PACKAGE_TTL_MAX */
#define CLI_PUSH_TIMEOUT	60
#define CLI_PUSH_ANSWER_MAX	(64 * 1024)

static int
cmd_keys_show(struct cli_opts *o)
{
	struct app_error err = { 0 };
	char identity[APP_IDENTITY_SIZE], fp[APP_FINGERPRINT_SIZE];
	struct app *a = NULL;
	int rc;

	if ((rc = app_open(app_data_dir(opt(o, "data")), &a, &err)) != RC_OK)
		return cli_app_error(rc, &err);
	rc = app_instance_identity(a, identity, fp, &err);
	app_close(a);
	if (rc != RC_OK)
		return cli_app_error(rc, &err);
	puts(opt(o, "fingerprint") ? fp : identity);
	return CLI_OK;
}

static int
cmd_partner_add(struct cli_opts *o)
{
	struct app_error err = { 0 };
	struct app *a = NULL;
	json_t *out = NULL, *env;
	int rc;

	if (opt(o, "key") == NULL)
		return cli_usage_error("--key IDENTITY is required: the line the partner's "
		    "\"routecare keys show\" prints");
	if ((rc = app_open(app_data_dir(opt(o, "data")), &a, &err)) != RC_OK)
		return cli_app_error(rc, &err);
	rc = app_partner_add(a, o->args[0], opt(o, "key"), opt(o, "agency"), opt(o, "type"),
	    &out, &err);
	app_close(a);
	if (rc != RC_OK)
		return cli_app_error(rc, &err);
	env = json_pack("{s:O}", "data", out);
	cli_print_json(env);
	fprintf(stderr, "routecare: trusting %s with fingerprint %s: compare it with the "
	    "partner over the phone\n", o->args[0], json_get_str(out, "fingerprint"));
	json_decref(env);
	json_decref(out);
	return CLI_OK;
}

static int
cmd_partner_list(struct cli_opts *o)
{
	struct app_error err = { 0 };
	struct app *a = NULL;
	json_t *out = NULL;
	int rc;

	if ((rc = app_open(app_data_dir(opt(o, "data")), &a, &err)) != RC_OK)
		return cli_app_error(rc, &err);
	rc = app_partner_list(a, &out, &err);
	app_close(a);
	if (rc != RC_OK)
		return cli_app_error(rc, &err);
	cli_print_json(out);
	json_decref(out);
	return CLI_OK;
}

static int
cmd_partner_remove(struct cli_opts *o)
{
	struct app_error err = { 0 };
	struct app *a = NULL;
	int rc;

	if ((rc = app_open(app_data_dir(opt(o, "data")), &a, &err)) != RC_OK)
		return cli_app_error(rc, &err);
	rc = app_partner_remove(a, o->args[0], &err);
	app_close(a);
	if (rc != RC_OK)
		return cli_app_error(rc, &err);
	printf("{\"data\":{\"removed\":\"%s\"}}\n", o->args[0]);
	return CLI_OK;
}

/* Where an exported package goes: a new file, and/or a partner's inbox. */
struct cli_carrier {
	const char	*out;		/* file path, or NULL */
	const char	*push;		/* inbox URL, or NULL */
	int		 wrote;		/* the file was created */
};

static size_t
cli_push_answer(char *p, size_t size, size_t n, void *arg)
{
	struct buf *b = arg;

	if (n != 0 && size > SIZE_MAX / n)
		return 0;
	if (b->len + size * n > CLI_PUSH_ANSWER_MAX)
		return size * n;	/* keep the start; the rest is not needed */
	return buf_append(b, p, size * n) == 0 ? size * n : 0;
}

/* Only HTTPS leaves the machine; plain HTTP only to this machine (tests, a local
 * proxy). */
static int
cli_push_url_ok(const char *url)
{
	static const char *const local[] = { "http://127.0.0.1", "http://localhost",
	    "http://[::1]" };
	size_t i, n;

	if (strncmp(url, "https://", 8) == 0)
		return 1;
	for (i = 0; i < sizeof(local) / sizeof(local[0]); i++) {
		n = strlen(local[i]);
		if (strncmp(url, local[i], n) == 0 &&
		    (url[n] == ':' || url[n] == '/' || url[n] == '\0'))
			return 1;
	}
	return 0;
}

/* POST the package to a partner's /api/v1/inbox. */
static int
cli_push(const char *url, const char *text, size_t n, int *delivered,
    struct app_error *err)
{
	struct curl_slist *headers = NULL;
	struct buf answer = BUF_INIT;
	json_t *j = NULL;
	CURLcode cc;
	CURL *c;
	long code = 0;
	int rc = RC_EIO;

	if (!cli_push_url_ok(url)) {
		snprintf(err->message, sizeof(err->message), "--push: use an https:// URL "
		    "(plain http only to this machine)");
		return RC_EINVALID;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (c = curl_easy_init()) == NULL) {
		snprintf(err->message, sizeof(err->message), "--push: cannot start libcurl");
		return RC_EINTERNAL;
	}
	headers = curl_slist_append(headers, "Content-Type: text/plain");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, text);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)n);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, cli_push_answer);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &answer);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)CLI_PUSH_TIMEOUT);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 15L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	cc = curl_easy_perform(c);
	if (cc == CURLE_OK)
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	if (cc != CURLE_OK)
		snprintf(err->message, sizeof(err->message), "--push: cannot deliver to the "
		    "partner: %s", curl_easy_strerror(cc));
	else if (code == 200 || code == 202) {
		*delivered = 1;
		rc = RC_OK;
	} else {
		/* refused (4xx): this package will not do; a server error: try again */
		rc = code >= 400 && code < 500 ? RC_EINVALID : RC_EIO;
		j = answer.p != NULL ? json_loadb(answer.p, answer.len, 0, NULL) : NULL;
		snprintf(err->message, sizeof(err->message), "--push: the partner refused "
		    "the package (HTTP %ld): %s", code,
		    json_get_str(json_object_get(j, "error"), "message") ?
		    json_get_str(json_object_get(j, "error"), "message") : "no reason given");
	}
	json_decref(j);
	buf_free(&answer);
	curl_slist_free_all(headers);
	curl_easy_cleanup(c);
	curl_global_cleanup();
	return rc;
}

/* app_deliver_fn: the file first (created, never overwritten), then the push. */
static int
cli_deliver(void *arg, const char *text, size_t n, int *delivered, struct app_error *err)
{
	struct cli_carrier *c = arg;
	int rc;

	if (c->out != NULL) {
		rc = io_write_new(c->out, 0600, text, n);
		if (rc == RC_EEXIST) {
			snprintf(err->message, sizeof(err->message), "%s exists already: "
			    "choose another --out", c->out);
			return RC_EEXIST;
		}
		if (rc != RC_OK) {
			snprintf(err->message, sizeof(err->message), "cannot write %s: %s",
			    c->out, strerror(errno));
			return RC_EIO;
		}
		c->wrote = 1;
	}
	if (c->push != NULL)
		return cli_push(c->push, text, n, delivered, err);
	return RC_OK;
}

/* "a,b,c" as a JSON array of strings; NULL when `s` is NULL. */
static json_t *
cli_split(const char *s)
{
	json_t *arr;
	const char *p = s, *comma;

	if (s == NULL)
		return NULL;
	if ((arr = json_array()) == NULL)
		return NULL;
	while (*p != '\0') {
		comma = strchr(p, ',');
		if (comma == NULL)
			comma = p + strlen(p);
		if (comma > p)
			json_array_append_new(arr, json_stringn(p, (size_t)(comma - p)));
		p = *comma == ',' ? comma + 1 : comma;
	}
	return arr;
}

static int
cmd_transfer_export(struct cli_opts *o)
{
	struct app_transfer_export x = { 0 };
	struct cli_carrier carrier = { 0 };
	struct app_error err = { 0 };
	struct app_actor actor;
	struct app *a = NULL;
	json_t *fields = NULL, *out = NULL, *env = NULL;
	int rc;

	if (opt(o, "case") == NULL || opt(o, "to") == NULL)
		return cli_usage_error("--case ID and --to PARTNER are required");
	if (opt(o, "out") == NULL && opt(o, "push") == NULL)
		return cli_usage_error("--out FILE or --push URL is required");
	if (opt(o, "reason") == NULL)
		return cli_usage_error("--reason TEXT is required: why the case moves");
	if (opt(o, "ttl") && (rc = parse_int(opt(o, "ttl"), "--ttl", 1, CLI_TTL_MAX,
	    &x.ttl)) != 0)
		return rc;
	if (opt(o, "fields") != NULL && (fields = cli_split(opt(o, "fields"))) == NULL)
		return cli_error(CLI_FAIL, "out of memory");
	if ((rc = cli_open_as(o, &a, &actor)) != 0)
		goto out;
	x.case_id = opt(o, "case");
	x.partner = opt(o, "to");
	x.reason = opt(o, "reason");
	x.override_reason = opt(o, "override-reason");
	x.fields = fields;
	carrier.out = opt(o, "out");
	carrier.push = opt(o, "push");
	if ((rc = app_transfer_export(a, &actor, &x, cli_deliver, &carrier, &out, &err)) !=
	    RC_OK) {
		if (carrier.wrote)
			unlink(carrier.out);	/* nothing was recorded: no package */
		rc = cli_app_error(rc, &err);
		goto out;
	}
	env = json_pack("{s:O}", "data", out);
	cli_print_json(env);
	rc = CLI_OK;
out:
	json_decref(env);
	json_decref(out);
	json_decref(fields);
	app_close(a);
	return rc;
}

/* A refused package: exit 2 and the reason. */
static int
cli_package_error(int rc, const struct app_error *err)
{
	if (err->fields.n == 1 && strcmp(err->fields.e[0].field, "package") == 0)
		return cli_error(CLI_USAGE, "package refused: %s", err->message);
	return cli_app_error(rc, err);
}

static int
cmd_transfer_import(struct cli_opts *o)
{
	struct app_error err = { 0 };
	struct app_actor actor;
	struct buf b = BUF_INIT;
	struct app *a = NULL;
	json_t *out = NULL, *env = NULL;
	int rc;

	rc = io_read_file(o->args[0], CLI_PACKAGE_MAX, &b);
	if (rc != RC_OK) {
		buf_free(&b);
		if (rc == RC_ETOOBIG)
			return cli_error(CLI_USAGE, "package refused: too_big: %s is larger "
			    "than 16 MiB", o->args[0]);
		return cli_error(CLI_USAGE, "cannot read %s: %s", o->args[0],
		    rc == RC_ENOTFOUND ? "no such file" : strerror(errno));
	}
	if ((rc = cli_open_as(o, &a, &actor)) != 0)
		goto out;
	if ((rc = app_package_import(a, &actor, b.p != NULL ? b.p : "", b.len, &out,
	    &err)) != RC_OK) {
		rc = cli_package_error(rc, &err);
		goto out;
	}
	env = json_pack("{s:O}", "data", out);
	cli_print_json(env);
	rc = CLI_OK;
out:
	buf_free(&b);
	json_decref(env);
	json_decref(out);
	app_close(a);
	return rc;
}

static int
cmd_transfer_list(struct cli_opts *o)
{
	struct app_error err = { 0 };
	struct app_actor actor;
	struct app *a = NULL;
	json_t *out = NULL;
	int rc;

	if ((rc = cli_open_as(o, &a, &actor)) != 0)
		return rc;
	if ((rc = app_package_list(a, &actor, opt(o, "status"), &out, &err)) != RC_OK)
		rc = cli_app_error(rc, &err);
	else {
		cli_print_json(out);
		rc = CLI_OK;
	}
	json_decref(out);
	app_close(a);
	return rc;
}

static int
cmd_transfer_show(struct cli_opts *o)
{
	struct app_error err = { 0 };
	struct app_actor actor;
	struct app *a = NULL;
	json_t *out = NULL, *env = NULL;
	int rc;

	if (opt(o, "package") == NULL)
		return cli_usage_error("--package ID is required");
	if ((rc = cli_open_as(o, &a, &actor)) != 0)
		return rc;
	if ((rc = app_package_get(a, &actor, opt(o, "package"), &out, &err)) != RC_OK)
		rc = cli_app_error(rc, &err);
	else {
		env = json_pack("{s:O}", "data", out);
		cli_print_json(env);
		rc = CLI_OK;
	}
	json_decref(env);
	json_decref(out);
	app_close(a);
	return rc;
}

/* Write the acknowledgement of package `id` to a new file `path`. */
static int
cli_write_ack(struct app *a, const struct app_actor *actor, const char *id,
    const char *path)
{
	struct app_error err = { 0 };
	struct buf text = BUF_INIT;
	char ack_id[40];
	int rc;

	if ((rc = app_package_ack(a, actor, id, &text, ack_id, &err)) != RC_OK) {
		buf_free(&text);
		return cli_app_error(rc, &err);
	}
	rc = io_write_new(path, 0600, text.p, text.len);
	buf_free(&text);
	if (rc == RC_EEXIST)
		return cli_error(CLI_USAGE, "%s exists already: choose another file", path);
	if (rc != RC_OK)
		return cli_error(CLI_FAIL, "cannot write %s: %s", path, strerror(errno));
	fprintf(stderr, "routecare: acknowledgement %s written to %s: send it back to the "
	    "partner\n", ack_id, path);
	return CLI_OK;
}

/* transfer accept / transfer decline */
static int
cli_transfer_decide(struct cli_opts *o, const char *decision)
{
	struct app_error err = { 0 };
	struct app_actor actor;
	struct app *a = NULL;
	json_t *req = NULL, *out = NULL, *env = NULL;
	int rc;

	if (opt(o, "package") == NULL)
		return cli_usage_error("--package ID is required");
	if (strcmp(decision, "declined") == 0 && opt(o, "reason") == NULL)
		return cli_usage_error("--reason TEXT is required to decline");
	if ((req = json_pack("{s:s, s:s?, s:s?}", "decision", decision, "reason",
	    opt(o, "reason"), "assign_to", opt(o, "assign-to"))) == NULL)
		return cli_error(CLI_FAIL, "out of memory");
	if ((rc = cli_open_as(o, &a, &actor)) != 0)
		goto out;
	if ((rc = app_package_decide(a, &actor, opt(o, "package"), req, &out, &err)) !=
	    RC_OK) {
		rc = cli_app_error(rc, &err);
		goto out;
	}
	env = json_pack("{s:O}", "data", out);
	cli_print_json(env);
	rc = opt(o, "ack") != NULL ? cli_write_ack(a, &actor, opt(o, "package"),
	    opt(o, "ack")) : CLI_OK;
out:
	json_decref(req);
	json_decref(env);
	json_decref(out);
	app_close(a);
	return rc;
}

static int
cmd_transfer_accept(struct cli_opts *o)
{
	return cli_transfer_decide(o, "accepted");
}

static int
cmd_transfer_decline(struct cli_opts *o)
{
	return cli_transfer_decide(o, "declined");
}

static int
cmd_transfer_ack(struct cli_opts *o)
{
	struct app_actor actor;
	struct app *a = NULL;
	int rc;

	if (opt(o, "package") == NULL || opt(o, "out") == NULL)
		return cli_usage_error("--package ID and --out FILE are required");
	if ((rc = cli_open_as(o, &a, &actor)) != 0)
		return rc;
	rc = cli_write_ack(a, &actor, opt(o, "package"), opt(o, "out"));
	app_close(a);
	return rc;
}

/* ---- exports ----------------------------------------------------------------------- */

/* Write an export to --out FILE (created, mode 0600; an existing file is refused) or
 * to standard output. */
static int
cli_export_write(const struct cli_opts *o, const struct buf *b)
{
	const char *path = opt(o, "out");
	int rc;

	if (path != NULL) {
		rc = io_write_new(path, 0600, b->p, b->len);
		if (rc == RC_EEXIST)
			return cli_error(CLI_USAGE, "--out %s: the file exists; nothing was "
			    "written", path);
		if (rc != RC_OK)
			return cli_error(CLI_FAIL, "--out %s: cannot write: %s", path,
			    strerror(errno));
		return CLI_OK;
	}
	if (b->len > 0 && fwrite(b->p, 1, b->len, stdout) != b->len)
		return cli_error(CLI_FAIL, "cannot write to standard output");
	return fflush(stdout) == 0 ? CLI_OK : cli_error(CLI_FAIL, "cannot write to "
	    "standard output");
}

static int
cmd_export_cases(struct cli_opts *o)
{
	struct app_error err = { 0 };
	struct app_words w = { 0 };
	struct app_actor actor;
	struct app *a = NULL;
	struct buf b = BUF_INIT;
	const char *fmt = opt(o, "format") ? opt(o, "format") : "csv";
	int64_t count = 0;
	int rc;

	if (strcmp(fmt, "csv") != 0 && strcmp(fmt, "xlsx") != 0)
		return cli_usage_error("--format must be csv or xlsx");
	if (i18n_init() != 0)
		return cli_error(CLI_FAIL, "the embedded catalogs are damaged");
	if ((rc = cli_open_as(o, &a, &actor)) != 0)
		return rc;
	w.lang = actor.language;
	w.tr = i18n_tr;
	/* one read audit row per case exported: batch them */
	if ((rc = app_audit_start(a, &err)) != RC_OK) {
		app_close(a);
		return cli_app_error(rc, &err);
	}
	rc = app_export_cases(a, &actor, strcmp(fmt, "csv") == 0 ? APP_EXPORT_CSV :
	    APP_EXPORT_XLSX, &w, &b, &count, &err);
	app_audit_stop(a);
	app_close(a);
	if (rc != RC_OK) {
		buf_wipe(&b);
		return cli_app_error(rc, &err);
	}
	rc = cli_export_write(o, &b);
	buf_wipe(&b);
	if (rc == CLI_OK)
		fprintf(stderr, "routecare: exported %lld cases (%s)\n", (long long)count,
		    fmt);
	return rc;
}

static int
cmd_export_ctdc(struct cli_opts *o)
{
	struct app_ctdc_report rep;
	struct app_error err = { 0 };
	struct app_actor actor;
	struct app *a = NULL;
	struct buf b = BUF_INIT;
	int64_t k = 0;
	size_t i;
	int rc;

	if (opt(o, "k") && (rc = parse_int(opt(o, "k"), "--k", 2, 1000, &k)) != 0)
		return rc;
	if (opt(o, "as") != NULL) {
		if ((rc = cli_open_as(o, &a, &actor)) != 0)
			return rc;
	} else if ((rc = app_open(app_data_dir(opt(o, "data")), &a, &err)) != RC_OK)
		return cli_app_error(rc, &err);
	/* without --as: the operator of the data directory, every record */
	rc = app_export_ctdc(a, opt(o, "as") != NULL ? &actor : NULL, (size_t)k, &b, &rep,
	    &err);
	app_close(a);
	if (rc != RC_OK) {
		buf_wipe(&b);
		return cli_app_error(rc, &err);
	}
	rc = cli_export_write(o, &b);
	buf_wipe(&b);
	if (rc != CLI_OK)
		return rc;
	fprintf(stderr, "routecare: CTDC export, k=%zu: %zu VoT records in scope, %zu with "
	    "consent and a confirmed outcome; %zu rows written, %zu rows suppressed, %zu "
	    "cells suppressed; smallest group %zu\n", rep.k, rep.records, rep.rows_in,
	    rep.rows_out, rep.rows_suppressed, rep.cells_suppressed, rep.smallest_class);
	for (i = 0; i < rep.nqi; i++)
		fprintf(stderr, "  %-30s level %u of %u, %zu cells generalised, %zu "
		    "suppressed\n", rep.qi[i].name, rep.qi[i].level, rep.qi[i].levels - 1,
		    rep.qi[i].generalised, rep.qi[i].suppressed);
	return CLI_OK;
}

static int cmd_help(struct cli_opts *o);

static const struct cli_command cli_commands[] = {
	{ "init", "routecare init [--data DIR] [--admin NAME] [--password-file FILE]",
	  "Create a new data directory: database, master.key (mode 0600) and the first\n"
	  "administrator. Without --password-file a random password is printed once.\n"
	  "Refuses to touch a directory that already holds RouteCare data.",
	  "data= db= admin= password-file=", 0, 0, cmd_init },
	{ "user add", "routecare user add --username U --role ROLE --agency CODE "
	  "[--location CODE] [--name \"FULL NAME\"] [--language en|fr|ar|es] "
	  "--password-file FILE [--data DIR]",
	  "Create a user. Roles: caseworker, supervisor, ftr_officer, ct_officer,\n"
	  "referral_partner, mne_officer, dpo, admin. The agency is created when new.\n"
	  "The password (at least 10 characters) is the first line of FILE.",
	  "data= db= username= role= agency= location= name= language= password-file=", 0, 0,
	  cmd_user_add },
	{ "agency add", "routecare agency add --code CODE [--name NAME] [--data DIR]",
	  "Create an agency.", "data= db= code= name=", 0, 0, cmd_agency_add },
	{ "case add", "routecare case add --as USER [--data DIR] < case.json",
	  "Register a case. Standard input holds {\"data\": {...fields...}}, checked\n"
	  "against the case form (config/forms/case.json). Prints the id, short id, rev.",
	  "data= db= as=", 0, 0, cmd_case_add },
	{ "case show", "routecare case show --as USER [--history] [--data DIR] ID",
	  "Show a case by id or short id, with the fields USER may see. --history\n"
	  "lists its revisions instead: who changed which fields, when.",
	  "data= db= as= history", 1, 1, cmd_case_show },
	{ "case list", "routecare case list --as USER [--query TEXT] [--status S] "
	  "[--risk-level R] [--sex S] [--age-band B] [--location CODE] [--concern C] "
	  "[--page N] "
	  "[--per N] [--data DIR]",
	  "List the cases USER may see, newest first. --query finds names in any\n"
	  "script (whole words or their beginnings) or a short id.",
	  "data= db= as= query= status= risk-level= sex= age-band= location= concern= page= "
	  "per=", 0, 0,
	  cmd_case_list },
	{ "case update", "routecare case update --as USER --rev N [--data DIR] ID < patch.json",
	  "Change a case. Standard input holds {\"data\": {...changed fields...}};\n"
	  "a field set to null is removed. N is the revision you read: if someone saved\n"
	  "since, nothing is written and the exit status is 2 (conflict).",
	  "data= db= as= rev=", 1, 1, cmd_case_update },
	{ "demo", "routecare demo [--data DIR] [--cases N] [--seed S] [--password-file FILE]",
	  "Create the data directory if needed and load fictional demo data: three\n"
	  "agencies, users of every role and N (200) generated cases.",
	  "data= db= cases= seed= password-file=", 0, 0, cmd_demo },
	{ "serve", "routecare serve [--data DIR] [--listen ADDR:PORT] [--threads N]\n"
	  "                [--write-threads N]",
	  "Serve the JSON API (and the web pages) on ADDR:PORT, 127.0.0.1:8080 by\n"
	  "default: --threads (the number of CPUs) read requests, --write-threads run\n"
	  "the writes (64 on SQLite, whose commits they share; 16 on PostgreSQL).\n"
	  "SIGTERM or Ctrl-C stops it after the requests in flight.",
	  "data= db= listen= threads= write-threads=", 0, 0, cmd_serve },
	{ "audit verify", "routecare audit verify [--data DIR]",
	  "Walk the audit chain and check every row's keyed hash. Exit 1 naming the\n"
	  "first row that was changed, inserted or deleted.",
	  "data= db=", 0, 0, cmd_audit_verify },
	{ "audit show", "routecare audit show [--record ID] [--user USERNAME] "
	  "[--since YYYY-MM-DD] [--page N] [--per N] [--data DIR]",
	  "Show audit rows, newest first: who did what to which record, which field\n"
	  "ids (never values), and the outcome.",
	  "data= db= record= user= since= page= per=", 0, 0, cmd_audit_show },
	{ "locations load", "routecare locations load [--file FILE] [--data DIR]",
	  "Load a P-code CSV (code,parent_code,level,name_en,name_fr,name_ar,name_es,\n"
	  "with that header; parents before children) from FILE or standard input.\n"
	  "All or nothing; existing codes are updated.",
	  "data= db= file=", 0, 0, cmd_locations_load },
	{ "gen", "routecare gen [--cases N] [--vots N] [--seed S] [--data DIR]",
	  "Generate N fictional cases (the same seed gives the same cases) for the demo\n"
	  "caseworkers, through the same use case as registration: validated, sealed,\n"
	  "indexed and audited, 2000 to a transaction. Creates the data directory and the\n"
	  "demo users when missing. Prints how many cases per second were stored.\n"
	  "--vots N then adds N fictional victim-of-trafficking records for the demo\n"
	  "counter-trafficking officers; a child victim is linked to a generated case.",
	  "data= db= cases= vots= seed=", 0, 0, cmd_gen },
	{ "export cases", "routecare export cases --as USER [--format csv|xlsx] [--out FILE] "
	  "[--data DIR]",
	  "Export the cases USER may see, with the fields their role may see, as CSV\n"
	  "(UTF-8 with a byte order mark; cells that a spreadsheet would take for a\n"
	  "formula are prefixed with ') or XLSX (right-to-left for Arabic users). Needs\n"
	  "export.cases (supervisors). Audited: one row for the export, one per case read.",
	  "data= db= as= format= out=", 0, 0, cmd_export_cases },
	{ "export ctdc", "routecare export ctdc [--k K] [--as USER] [--out FILE] [--data DIR]",
	  "Export the VoT records with consent to anonymised sharing and a confirmed\n"
	  "outcome in the CTDC format (docs/ctdc.md), k-anonymous: every combination of\n"
	  "the columns describes at least K records (default 11, config/reports.json).\n"
	  "Standard error says how many rows and cells were suppressed. Without --as,\n"
	  "the operator of the data directory exports every record.",
	  "data= db= as= k= out=", 0, 0, cmd_export_ctdc },
	{ "keys show", "routecare keys show [--fingerprint] [--data DIR]",
	  "Print this instance's public identity: one line to give to a partner\n"
	  "instance (its \"routecare partner add --key\"). --fingerprint prints the\n"
	  "fingerprint instead, for comparing over the phone. The identity comes from\n"
	  "master.key: a new master key is a new identity every partner must trust again.",
	  "data= db= fingerprint", 0, 0, cmd_keys_show },
	{ "partner add", "routecare partner add NAME --key IDENTITY [--agency CODE] "
	  "[--type RECIPIENT_TYPE] [--data DIR]",
	  "Trust another RouteCare instance: its packages are accepted, and cases may be\n"
	  "sent to it. IDENTITY is the line its \"keys show\" prints; check the\n"
	  "fingerprint printed on standard error with the partner over the phone.\n"
	  "--agency: the agency that receives its packages over HTTP (/api/v1/inbox).\n"
	  "--type: what the case's consent must cover to send to it (a consent recipient\n"
	  "type: government, un_agency, ngo, ...). A bad identity exits 2 with the reason.",
	  "data= db= key= agency= type=", 1, 1, cmd_partner_add },
	{ "partner list", "routecare partner list [--data DIR]",
	  "List the trusted partner instances with their fingerprints.",
	  "data= db=", 0, 0, cmd_partner_list },
	{ "partner remove", "routecare partner remove NAME [--data DIR]",
	  "Stop trusting a partner: its packages are refused as from an unknown sender.",
	  "data= db=", 1, 1, cmd_partner_remove },
	{ "transfer export", "routecare transfer export --as USER --case ID --to PARTNER "
	  "--reason TEXT (--out FILE | --push URL) [--fields a,b,c] [--ttl SECONDS] "
	  "[--override-reason TEXT] [--data DIR]",
	  "Seal a case for a partner instance: the fields USER may see (or those named by\n"
	  "--fields), with where it comes from and why, encrypted to the partner and\n"
	  "signed by this instance. Needs the case's consent for a transfer (a\n"
	  "supervisor may --override-reason). --out writes a new file (mode 0600);\n"
	  "--push posts it to the partner's https://.../api/v1/inbox. Valid for 30 days,\n"
	  "or --ttl seconds. Nothing is recorded unless the package was written or\n"
	  "delivered.",
	  "data= db= as= case= to= out= push= fields= reason= ttl= override-reason=", 0, 0,
	  cmd_transfer_export },
	{ "transfer import", "routecare transfer import --as USER [--data DIR] FILE",
	  "Import a package from a partner: a case is held for a supervisor's decision;\n"
	  "an acknowledgement updates the case it answers. A package that was changed,\n"
	  "is not signed by a trusted partner, is not for this instance, has expired or\n"
	  "was imported before is refused with the reason (exit 2) and nothing is stored.",
	  "data= db= as=", 1, 1, cmd_transfer_import },
	{ "transfer list", "routecare transfer list --as USER [--status S] [--data DIR]",
	  "List the packages held for USER's agency (pending, accepted, declined).",
	  "data= db= as= status=", 0, 0, cmd_transfer_list },
	{ "transfer show", "routecare transfer show --as USER --package ID [--data DIR]",
	  "Show a held package: its provenance and the case fields USER may see.",
	  "data= db= as= package=", 0, 0, cmd_transfer_show },
	{ "transfer accept", "routecare transfer accept --as USER --package ID "
	  "[--assign-to USER] [--ack FILE] [--data DIR]",
	  "Accept a held package: a new case linked to its origin, owned by USER or the\n"
	  "--assign-to user. --ack writes the acknowledgement for the sender.",
	  "data= db= as= package= assign-to= ack= reason=", 0, 0, cmd_transfer_accept },
	{ "transfer decline", "routecare transfer decline --as USER --package ID --reason "
	  "TEXT [--ack FILE] [--data DIR]",
	  "Decline a held package; its contents are dropped. --ack writes the\n"
	  "acknowledgement (with the reason) for the sender.",
	  "data= db= as= package= reason= ack=", 0, 0, cmd_transfer_decline },
	{ "transfer ack", "routecare transfer ack --as USER --package ID --out FILE "
	  "[--data DIR]",
	  "Write the acknowledgement of a decided package to a new file, to send back.",
	  "data= db= as= package= out=", 0, 0, cmd_transfer_ack },
	{ "help", "routecare help [COMMAND]", "Show the commands, or one command's usage.",
	  "", 0, 2, cmd_help },
};
#define CLI_NCOMMANDS	(sizeof(cli_commands) / sizeof(cli_commands[0]))

static void
cli_overview(FILE *f)
{
	size_t i;

	fprintf(f, "routecare %s: case management for children on the move\n\n",
	    ROUTECARE_VERSION);
	fprintf(f, "Commands:\n");
	for (i = 0; i < CLI_NCOMMANDS; i++)
		fprintf(f, "  %s\n", cli_commands[i].usage);
	fprintf(f, "\nEvery command takes --data DIR (default $ROUTECARE_DATA, else "
	    "./routecare-data) and\n--db postgresql://USER@HOST:PORT/NAME (default "
	    "$ROUTECARE_DB, else the SQLite file\nin DIR); the master key stays in DIR.\n"
	    "Exit status: 0 done, 1 failed, 2 usage or bad input.\n"
	    "routecare help COMMAND tells more.\n");
}

static int
cmd_help(struct cli_opts *o)
{
	char name[64];
	size_t i;

	if (o->nargs == 0) {
		cli_overview(stdout);
		return CLI_OK;
	}
	snprintf(name, sizeof(name), "%s%s%s", o->args[0], o->nargs > 1 ? " " : "",
	    o->nargs > 1 ? o->args[1] : "");
	for (i = 0; i < CLI_NCOMMANDS; i++) {
		if (strcmp(cli_commands[i].name, name) == 0 ||
		    (o->nargs == 1 && strncmp(cli_commands[i].name, name, strlen(name)) == 0
		    && cli_commands[i].name[strlen(name)] == ' ')) {
			printf("usage: %s\n\n%s\n\n", cli_commands[i].usage,
			    cli_commands[i].help);
			if (o->nargs == 2 || strchr(cli_commands[i].name, ' ') == NULL)
				return CLI_OK;
		}
	}
	for (i = 0; i < CLI_NCOMMANDS; i++)
		if (strncmp(cli_commands[i].name, name, strlen(name)) == 0)
			return CLI_OK;
	return cli_error(CLI_USAGE, "no command \"%s\"; try: routecare help", name);
}

int
cli_main(int argc, char **argv)
{
	const struct cli_command *c = NULL;
	struct cli_opts o;
	size_t i, used = 0;

	if (argc < 2) {
		cli_overview(stderr);
		return CLI_USAGE;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("routecare %s\n", ROUTECARE_VERSION);
		return CLI_OK;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		cli_overview(stdout);
		return CLI_OK;
	}
	for (i = 0; i < CLI_NCOMMANDS && c == NULL; i++) {
		const char *n = cli_commands[i].name, *sp = strchr(n, ' ');

		if (sp == NULL && strcmp(n, argv[1]) == 0) {
			c = &cli_commands[i];
			used = 2;
		} else if (sp != NULL && argc >= 3 &&
		    strlen(argv[1]) == (size_t)(sp - n) &&
		    strncmp(n, argv[1], (size_t)(sp - n)) == 0 &&
		    strcmp(sp + 1, argv[2]) == 0) {
			c = &cli_commands[i];
			used = 3;
		}
	}
	if (c == NULL) {
		cli_error(CLI_USAGE, "unknown command \"%s%s%s\"", argv[1],
		    argc >= 3 && argv[2][0] != '-' ? " " : "",
		    argc >= 3 && argv[2][0] != '-' ? argv[2] : "");
		cli_overview(stderr);
		return CLI_USAGE;
	}
	cli_current = c;
	if (cli_parse(c, argc - (int)used, argv + used, &o) != 0)
		return CLI_USAGE;
	/* --db reaches app/ the way $ROUTECARE_DB does, for every command alike */
	if (opt(&o, "db") != NULL && setenv("ROUTECARE_DB", opt(&o, "db"), 1) != 0)
		return cli_error(CLI_FAIL, "cannot use --db: %s", strerror(errno));
	return c->run(&o);
}
