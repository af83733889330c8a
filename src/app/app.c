/* app.c — data directories, configuration, users and agencies. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "app/impl.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/embed.h"
#include "base/err.h"
#include "base/id.h"
#include "base/io.h"
#include "base/json.h"
#include "base/log.h"
#include "domain/match.h"
#include "domain/workflow.h"

#define CONFIG_FILE_MAX	(4 * 1024 * 1024)

void
app_error_init(struct app_error *err)
{
	err->message[0] = '\0';
	err->code[0] = '\0';
	err->fields.n = err->fields.dropped = 0;
}

int
app_fail(struct app_error *err, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		va_start(ap, fmt);
		vsnprintf(err->message, sizeof(err->message), fmt, ap);
		va_end(ap);
	}
	return rc;
}

int
app_fail_field(struct app_error *err, int rc, const char *field, const char *fmt, ...)
{
	struct form_error *e;
	va_list ap;

	if (err == NULL)
		return rc;
	e = &err->fields.e[0];
	str_copy(e->field, sizeof(e->field), field);
	va_start(ap, fmt);
	vsnprintf(e->problem, sizeof(e->problem), fmt, ap);
	va_end(ap);
	err->fields.n = 1;
	err->fields.dropped = 0;
	snprintf(err->message, sizeof(err->message), "%s: %s", field, e->problem);
	return rc;
}

void
app_username(struct app *a, const char *id, char out[64])
{
	struct store_user u;
	size_t slot = 0, i;

	out[0] = '\0';
	if (id == NULL || *id == '\0')
		return;
	for (i = 0; id[i] != '\0'; i++)
		slot = slot * 31 + (unsigned char)id[i];
	slot %= sizeof(a->names) / sizeof(a->names[0]);
	if (strcmp(a->names[slot].id, id) == 0) {
		memcpy(out, a->names[slot].username, 64);
		return;
	}
	if (store_user_get(a->store, id, &u) != RC_OK)
		return;
	sodium_memzero(u.password_hash, sizeof(u.password_hash));
	str_copy(out, 64, u.username);
	str_copy(a->names[slot].id, ID_SIZE, id);
	memcpy(a->names[slot].username, out, 64);
}

void
app_today(char out[11])
{
	clock_date(clock_now(), out);
}

const char *
app_data_dir(const char *flag)
{
	const char *env;

	if (flag != NULL && *flag != '\0')
		return flag;
	if ((env = getenv("ROUTECARE_DATA")) != NULL && *env != '\0')
		return env;
	return "./routecare-data";
}

/* The database URL from $ROUTECARE_DB (set by --db), or NULL: the SQLite file in the
 * data directory. The master key stays in the data directory either way. */
static const char *
app_db_url(void)
{
	const char *env = getenv("ROUTECARE_DB");

	return env != NULL && *env != '\0' ? env : NULL;
}

/* ---- configuration ------------------------------------------------------------ */

/* The text of config file `path` ("config/forms/case.json"): from $ROUTECARE_CONFIG
 * when that directory has it, else the copy compiled into the binary. */
static int
config_read(const char *path, struct buf *b, struct app_error *err)
{
	const char *dir = getenv("ROUTECARE_CONFIG");
	const struct embed_file *e;
	char full[PATH_MAX];
	int rc;

	if (dir != NULL && *dir != '\0') {
		if (snprintf(full, sizeof(full), "%s/%s", dir,
		    path + strlen("config/")) >= (int)sizeof(full))
			return app_fail(err, RC_EINVALID, "configuration path too long");
		rc = io_read_file(full, CONFIG_FILE_MAX, b);
		if (rc == RC_OK)
			return RC_OK;
		if (rc != RC_ENOTFOUND)
			return app_fail(err, rc, "cannot read %s", full);
	}
	if ((e = embed_find(path)) == NULL)
		return app_fail(err, RC_ENOTFOUND, "no configuration file %s", path);
	return buf_append(b, e->data, e->len) == 0 ? RC_OK : RC_ENOMEM;
}

static int
has_prefix_suffix(const char *s, const char *pre, const char *suf)
{
	size_t n = strlen(s), sn = strlen(suf);

	return strncmp(s, pre, strlen(pre)) == 0 && n >= sn &&
	    strcmp(s + n - sn, suf) == 0;
}

int
app_config_load(struct app *a, struct app_error *err)
{
	struct buf b = BUF_INIT;
	char msg[256];
	size_t i;
	int rc = RC_ENOMEM, pass;

	if ((a->forms = forms_new()) == NULL)
		goto out;
	/* lookups first: forms refer to them */
	for (pass = 0; pass < 2; pass++) {
		const char *pre = pass == 0 ? "config/lookups/" : "config/forms/";

		for (i = 0; i < embed_count; i++) {
			const char *path = embed_files[i].path;

			if (!has_prefix_suffix(path, pre, ".json"))
				continue;
			buf_reset(&b);
			if ((rc = config_read(path, &b, err)) != RC_OK)
				goto out;
			rc = pass == 0 ?
			    forms_add_lookup(a->forms, b.p, b.len, msg, sizeof(msg)) :
			    forms_add_form(a->forms, b.p, b.len, msg, sizeof(msg));
			if (rc != RC_OK) {
				rc = app_fail(err, rc, "%s: %s", path, msg);
				goto out;
			}
		}
	}
	buf_reset(&b);
	if ((rc = config_read("config/roles.json", &b, err)) != RC_OK)
		goto out;
	if ((rc = policy_load(b.p, b.len, &a->policy, msg, sizeof(msg))) != RC_OK) {
		rc = app_fail(err, rc, "config/roles.json: %s", msg);
		goto out;
	}
	buf_reset(&b);
	if ((rc = config_read("config/workflow.json", &b, err)) != RC_OK)
		goto out;
	if ((rc = workflow_config_load(b.p, b.len, &a->workflow, msg, sizeof(msg))) !=
	    RC_OK || (rc = workflow_config_check(a->workflow, a->policy, a->forms, msg,
	    sizeof(msg))) != RC_OK) {
		rc = app_fail(err, rc, "config/workflow.json: %s", msg);
		goto out;
	}
	buf_reset(&b);
	if ((rc = config_read("config/match.json", &b, err)) != RC_OK)
		goto out;
	if ((rc = match_config_load(b.p, b.len, &a->match, msg, sizeof(msg))) != RC_OK)
		rc = app_fail(err, rc, "config/match.json: %s", msg);
out:
	buf_free(&b);
	return rc;
}

const struct forms *
app_forms(const struct app *a)
{
	return a->forms;
}

const struct policy *
app_policy(const struct app *a)
{
	return a->policy;
}

/* ---- locations ------------------------------------------------------------------ */

/* Split one CSV line (no quoting: location files are plain) into at most `max`
 * fields in place. Returns the number of fields. */
static size_t
csv_split(char *line, char **f, size_t max)
{
	size_t n = 0;
	char *p = line, *c;

	while (n < max) {
		f[n++] = p;
		if ((c = strchr(p, ',')) == NULL)
			break;
		*c = '\0';
		p = c + 1;
	}
	return n;
}

static int
location_code_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 2 || n > 22)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
			return 0;
	return s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z';
}

int
app_locations_load_csv(struct app *a, const char *csv, size_t n, int64_t *rows,
    struct app_error *err)
{
	static const char *const langs[] = { "en", "fr", "ar", "es" };
	static const char header[] = "code,parent_code,level,name_en,name_fr,name_ar,name_es";
	char *copy, *line, *save = NULL, *f[8], *end;
	size_t nf, lineno = 0, i;
	json_t *names = NULL;
	char *names_s = NULL;
	int64_t count = 0;
	long level;
	int rc = RC_ENOMEM;

	if (n > 16 * 1024 * 1024)
		return app_fail(err, RC_ETOOBIG, "locations file larger than 16 MiB");
	if ((copy = malloc(n + 1)) == NULL)
		return RC_ENOMEM;
	memcpy(copy, csv, n);
	copy[n] = '\0';
	if (memchr(csv, '\0', n) != NULL) {
		rc = app_fail(err, RC_EINVALID, "locations file: contains a NUL byte");
		goto out;
	}
	if ((rc = store_begin(a->store)) != RC_OK)
		goto out;
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		line[strcspn(line, "\r")] = '\0';
		if (lineno == 1) {
			if (strncmp(line, header, strlen(header)) != 0) {
				rc = app_fail(err, RC_EINVALID, "locations file: the first "
				    "line must be the header %s", header);
				goto out;
			}
			continue;
		}
		if (*line == '\0')
			continue;
		nf = csv_split(line, f, 8);
		if (nf != 7) {
			rc = app_fail(err, RC_EINVALID, "locations line %zu: expected 7 "
			    "columns (code,parent_code,level,name_en,name_fr,name_ar,name_es)",
			    lineno);
			goto out;
		}
		level = strtol(f[2], &end, 10);
		if (!location_code_ok(f[0])) {
			rc = app_fail(err, RC_EINVALID, "locations line %zu: code must be 2 "
			    "to 22 capital letters and digits, starting with the country",
			    lineno);
			goto out;
		}
		if (*f[2] == '\0' || *end != '\0' || level < 0 || level > 6 ||
		    (level == 0) != (*f[1] == '\0')) {
			rc = app_fail(err, RC_EINVALID, "locations line %zu: level must be 0 "
			    "for a country (no parent) and 1 to 6 below it", lineno);
			goto out;
		}
		if (*f[1] != '\0' && store_location_exists(a->store, f[1]) != 1) {
			rc = app_fail(err, RC_EINVALID, "locations line %zu: parent %.22s is "
			    "not defined (parents must come first)", lineno, f[1]);
			goto out;
		}
		for (i = 0; i < 4; i++)
			if (*f[3 + i] == '\0') {
				rc = app_fail(err, RC_EINVALID, "locations line %zu: name_%s "
				    "is empty", lineno, langs[i]);
				goto out;
			}
		if ((names = json_object()) == NULL) {
			rc = RC_ENOMEM;
			goto out;
		}
		for (i = 0; i < 4; i++)
			json_object_set_new(names, langs[i], json_string(f[3 + i]));
		if (json_object_size(names) != 4) {
			rc = app_fail(err, RC_EINVALID, "locations line %zu: names must be "
			    "UTF-8 text", lineno);
			goto out;
		}
		if ((names_s = json_dump_compact(names)) == NULL) {
			rc = RC_ENOMEM;
			goto out;
		}
		if ((rc = store_location_put(a->store, f[0], f[1], (int)level, names_s)) !=
		    RC_OK)
			goto out;
		free(names_s);
		names_s = NULL;
		json_decref(names);
		names = NULL;
		count++;
	}
	if (lineno == 0) {
		rc = app_fail(err, RC_EINVALID, "locations file is empty");
		goto out;
	}
	rc = store_commit(a->store);
out:
	if (rc != RC_OK)
		store_rollback(a->store);
	else if (rows != NULL)
		*rows = count;
	free(names_s);
	json_decref(names);
	free(copy);
	return rc;
}

/* ---- opening and creating data directories ------------------------------------- */

/* A positive number of seconds from the environment, else `def`. */
static int64_t
env_seconds(const char *name, int64_t def)
{
	const char *v = getenv(name);
	char *end;
	long long n;

	if (v == NULL || *v == '\0')
		return def;
	n = strtoll(v, &end, 10);
	if (*end != '\0' || n < 1 || n > 365LL * 86400) {
		log_warn("%s: not a number of seconds from 1 to a year; using %lld", name,
		    (long long)def);
		return def;
	}
	return n;
}

static int
path_join(char *out, size_t outsz, const char *dir, const char *file)
{
	return snprintf(out, outsz, "%s/%s", dir, file) < (int)outsz ? 0 : -1;
}

static int
app_open_parts(const char *dir, struct app **out, struct app_error *err)
{
	char db[PATH_MAX], key[PATH_MAX], msg[256];
	struct app *a;
	int rc;

	*out = NULL;
	if ((a = calloc(1, sizeof(*a))) == NULL)
		return RC_ENOMEM;
	if (str_copy(a->dir, sizeof(a->dir), dir) != 0 ||
	    path_join(db, sizeof(db), dir, APP_DB_FILE) != 0 ||
	    path_join(key, sizeof(key), dir, APP_KEY_FILE) != 0) {
		rc = app_fail(err, RC_EINVALID, "data directory path too long");
		goto fail;
	}
	if ((rc = vault_open(key, &a->vault)) != RC_OK) {
		if (rc == RC_ENOTFOUND)
			rc = app_fail(err, rc, "%s is not a RouteCare data directory "
			    "(no %s); create one with: routecare init --data %s", dir,
			    APP_KEY_FILE, dir);
		else
			rc = app_fail(err, rc, "cannot use %s/%s: it must be a 32-byte "
			    "file readable only by its owner (mode 0600)", dir, APP_KEY_FILE);
		goto fail;
	}
	if ((rc = store_open(app_db_url() ? app_db_url() : db, &a->store, msg,
	    sizeof(msg))) != RC_OK) {
		rc = app_fail(err, rc, "%s", msg);
		goto fail;
	}
	if ((rc = store_migrate(a->store)) != RC_OK) {
		rc = app_fail(err, rc, "cannot bring the database schema up to date");
		goto fail;
	}
	if ((rc = app_config_load(a, err)) != RC_OK)
		goto fail;
	a->session_ttl = env_seconds("ROUTECARE_SESSION_TTL", 12 * 3600);
	a->session_idle = env_seconds("ROUTECARE_SESSION_IDLE", 30 * 60);
	a->lockout = env_seconds("ROUTECARE_LOCKOUT_SECONDS", 15 * 60);
	*out = a;
	return RC_OK;
fail:
	app_close(a);
	return rc;
}

void
app_read_begin(struct app *a)
{
	if (store_read_begin(a->store) != RC_OK)
		log_warn("store: no read snapshot; reads go one by one");
}

void
app_read_end(struct app *a)
{
	if (store_read_end(a->store) != RC_OK)
		log_warn("store: ending a read snapshot failed");
}

int
app_clone(struct app *a, struct app **out, struct app_error *err)
{
	struct app *c;
	char msg[256];
	int rc;

	*out = NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL)
		return RC_ENOMEM;
	*c = *a;
	c->is_clone = 1;
	c->ndeferred = 0;	/* never share pending notes */
	c->store = NULL;
	/* on SQLite the clones' writes join one group commit (store_clone) */
	if ((rc = store_clone(a->store, &c->store, msg, sizeof(msg))) != RC_OK) {
		free(c);
		return app_fail(err, rc, "%s", msg);
	}
	*out = c;
	return RC_OK;
}

/* enough for the interior pages a writer reads before its write: the session, the
 * record it changes */
#define APP_WRITER_CACHE_KIB	512

int
app_clone_cache_small(struct app *a)
{
	return store_cache(a->store, APP_WRITER_CACHE_KIB);
}

int
app_groups_writes(const struct app *a)
{
	return store_groups_writes(a->store);
}

int
app_open(const char *dir, struct app **out, struct app_error *err)
{
	char db[PATH_MAX];
	struct stat st;

	*out = NULL;
	if (path_join(db, sizeof(db), dir, APP_DB_FILE) != 0)
		return app_fail(err, RC_EINVALID, "data directory path too long");
	/* with a database URL the data directory holds the key only: its check follows */
	if (app_db_url() == NULL && stat(db, &st) != 0)
		return app_fail(err, RC_ENOTFOUND, "%s is not a RouteCare data directory "
		    "(no %s); create one with: routecare init --data %s", dir, APP_DB_FILE,
		    dir);
	return app_open_parts(dir, out, err);
}

void
app_close(struct app *a)
{
	if (a == NULL)
		return;
	store_close(a->store);
	if (a->is_clone) {
		free(a);
		return;
	}
	app_audit_stop(a);
	vault_close(a->vault);
	forms_free(a->forms);
	policy_free(a->policy);
	workflow_config_free(a->workflow);
	match_config_free(a->match);
	free(a);
}

/* A random password of 20 characters from an unambiguous alphabet. */
static void
app_random_password(char *out, size_t outsz)
{
	static const char alpha[] = "23456789abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
	size_t i, n = outsz - 1 < 20 ? outsz - 1 : 20;

	for (i = 0; i < n; i++)
		out[i] = alpha[randombytes_uniform(sizeof(alpha) - 1)];
	out[n] = '\0';
}

int
app_init(const char *dir, const char *admin_name, const char *password, char *pw_out,
    size_t pw_outsz, struct app_error *err)
{
	char db[PATH_MAX], key[PATH_MAX], pw[32];
	const struct embed_file *loc;
	struct app_user_new nu = { 0 };
	struct app *a = NULL;
	struct stat st;
	int rc, made_dir = 0;

	if (path_join(db, sizeof(db), dir, APP_DB_FILE) != 0 ||
	    path_join(key, sizeof(key), dir, APP_KEY_FILE) != 0)
		return app_fail(err, RC_EINVALID, "data directory path too long");
	if (stat(db, &st) == 0 || stat(key, &st) == 0)
		return app_fail(err, RC_EEXIST, "%s already holds a RouteCare data "
		    "directory; refusing to overwrite it", dir);
	if (mkdir(dir, 0700) == 0)
		made_dir = 1;
	else if (errno != EEXIST)
		return app_fail(err, RC_EIO, "cannot create %s: %s", dir, strerror(errno));
	if ((rc = vault_key_create(key)) != RC_OK) {
		rc = app_fail(err, rc, "cannot create %s", key);
		goto fail;
	}
	if ((rc = app_open_parts(dir, &a, err)) != RC_OK)
		goto fail;
	/* a shared database is never initialised twice (the URL is not shown: it may
	 * hold a password) */
	if (app_db_url() != NULL && store_user_count(a->store) != 0) {
		rc = app_fail(err, RC_EEXIST, "the database given by --db already holds "
		    "RouteCare data; refusing to overwrite it");
		goto fail;
	}
	if ((loc = embed_find("config/locations/default.csv")) != NULL &&
	    (rc = app_locations_load_csv(a, loc->data, loc->len, NULL, err)) != RC_OK)
		goto fail;
	if (password == NULL) {
		app_random_password(pw, sizeof(pw));
		password = pw;
	}
	nu.username = admin_name != NULL ? admin_name : "admin";
	nu.full_name = "Administrator";
	nu.role = "admin";
	nu.password = password;
	if ((rc = app_user_add(a, NULL, &nu, NULL, err)) != RC_OK)
		goto fail;
	if (pw_out != NULL && str_copy(pw_out, pw_outsz, password) != 0) {
		rc = app_fail(err, RC_EINTERNAL, "password buffer too small");
		goto fail;
	}
	app_close(a);
	sodium_memzero(pw, sizeof(pw));
	return RC_OK;
fail:
	app_close(a);
	sodium_memzero(pw, sizeof(pw));
	/* leave nothing half made behind */
	unlink(db);
	{
		char extra[PATH_MAX + 8];

		snprintf(extra, sizeof(extra), "%s-wal", db);
		unlink(extra);
		snprintf(extra, sizeof(extra), "%s-shm", db);
		unlink(extra);
	}
	unlink(key);
	if (made_dir)
		rmdir(dir);
	return rc;
}

/* ---- users and agencies ------------------------------------------------------- */

static int
username_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 3 || n > 63)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

static int
code_ok(const char *s)
{
	size_t n = strlen(s), i;

	if (n < 2 || n > 31)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' || s[i] == '_'))
			return 0;
	return 1;
}

int
app_agency_add(struct app *a, const char *code, const char *name, char *id_out,
    struct app_error *err)
{
	struct store_agency ag = { 0 };
	int rc;

	if (code == NULL || !code_ok(code))
		return app_fail_field(err, RC_EINVALID, "code", "must be 2 to 31 letters, "
		    "digits, '-' or '_'");
	if (name == NULL || *name == '\0')
		name = code;
	id_uuid4(ag.id);
	str_copy(ag.code, sizeof(ag.code), code);
	if (str_copy(ag.name, sizeof(ag.name), name) != 0)
		return app_fail_field(err, RC_EINVALID, "name", "longer than %zu bytes",
		    sizeof(ag.name) - 1);
	ag.created_at = clock_now();
	rc = store_agency_insert(a->store, &ag);
	if (rc == RC_EEXIST)
		return app_fail_field(err, rc, "code", "agency %s already exists", code);
	if (rc != RC_OK)
		return app_fail(err, rc, "cannot store the agency");
	if (id_out != NULL)
		memcpy(id_out, ag.id, ID_SIZE);
	return RC_OK;
}

int
app_user_add(struct app *a, const struct app_actor *by, const struct app_user_new *nu,
    char *id_out, struct app_error *err)
{
	static const char *const languages[] = { "en", "fr", "ar", "es" };
	struct store_user u = { 0 };
	struct store_agency ag;
	size_t i;
	int rc;

	if (by != NULL && !policy_allows(a->policy, &by->pu, "user.manage", NULL, NULL))
		return app_fail(err, RC_EDENIED, "your role may not manage users");
	if (nu->username == NULL || !username_ok(nu->username))
		return app_fail_field(err, RC_EINVALID, "username", "must be 3 to 63 "
		    "characters: lowercase letters, digits, '.', '_' or '-'");
	if (nu->role == NULL || !policy_role_exists(a->policy, nu->role)) {
		struct buf b = BUF_INIT;
		const char *r;

		for (i = 0; (r = policy_role_at(a->policy, i)) != NULL; i++)
			buf_printf(&b, "%s%s", i ? ", " : "", r);
		rc = app_fail_field(err, RC_EINVALID, "role", "unknown role; the roles "
		    "are: %s", b.p ? b.p : "");
		buf_free(&b);
		return rc;
	}
	if (nu->password == NULL || strlen(nu->password) < APP_PASSWORD_MIN)
		return app_fail_field(err, RC_EINVALID, "password", "must be at least %d "
		    "characters", APP_PASSWORD_MIN);
	if (strlen(nu->password) > 1024)
		return app_fail_field(err, RC_EINVALID, "password", "longer than 1024 "
		    "characters");
	if (nu->language != NULL) {
		for (i = 0; i < 4; i++)
			if (strcmp(nu->language, languages[i]) == 0)
				break;
		if (i == 4)
			return app_fail_field(err, RC_EINVALID, "language", "must be en, fr, "
			    "ar or es");
	}
	if (strcmp(nu->role, "admin") != 0 && (nu->agency == NULL || *nu->agency == '\0'))
		return app_fail_field(err, RC_EINVALID, "agency", "is required for role %s",
		    nu->role);
	if (nu->location_code != NULL && *nu->location_code != '\0' &&
	    store_location_exists(a->store, nu->location_code) != 1)
		return app_fail_field(err, RC_EINVALID, "location_code", "unknown location "
		    "code");

	id_uuid4(u.id);
	str_copy(u.username, sizeof(u.username), nu->username);
	if (str_copy(u.full_name, sizeof(u.full_name), nu->full_name ? nu->full_name : "")
	    != 0)
		return app_fail_field(err, RC_EINVALID, "full_name", "too long");
	str_copy(u.role, sizeof(u.role), nu->role);
	str_copy(u.location_code, sizeof(u.location_code),
	    nu->location_code ? nu->location_code : "");
	str_copy(u.language, sizeof(u.language), nu->language ? nu->language : "en");
	app_pwhash_enter();
	rc = crypto_pwhash_str(u.password_hash, nu->password, strlen(nu->password),
	    crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE);
	app_pwhash_leave();
	if (rc != 0)
		return app_fail(err, RC_ENOMEM, "not enough memory to hash the password");
	u.created_at = u.updated_at = clock_now();

	if ((rc = store_begin(a->store)) != RC_OK)
		return app_fail(err, rc, "database busy");
	if (nu->agency != NULL && *nu->agency != '\0') {
		rc = store_agency_get(a->store, nu->agency, &ag);
		if (rc == RC_ENOTFOUND) {
			rc = app_agency_add(a, nu->agency, NULL, ag.id, err);
			if (rc == RC_OK)
				log_info("created agency %s", nu->agency);
		}
		if (rc != RC_OK)
			goto fail;
		memcpy(u.agency_id, ag.id, ID_SIZE);
	}
	rc = store_user_insert(a->store, &u);
	if (rc == RC_EEXIST) {
		rc = app_fail_field(err, rc, "username", "%s is taken", nu->username);
		goto fail;
	}
	if (rc == RC_OK)
		rc = audit_write(a, by, "user.create", u.id, NULL, u.role);
	if (rc != RC_OK || (rc = store_commit(a->store)) != RC_OK) {
		rc = app_fail(err, rc, "cannot store the user");
		goto fail;
	}
	if (id_out != NULL)
		memcpy(id_out, u.id, ID_SIZE);
	sodium_memzero(u.password_hash, sizeof(u.password_hash));
	return RC_OK;
fail:
	store_rollback(a->store);
	sodium_memzero(u.password_hash, sizeof(u.password_hash));
	return rc;
}

int
app_actor_get(struct app *a, const char *username, struct app_actor *out,
    struct app_error *err)
{
	struct store_user u;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = store_user_get_by_name(a->store, username, &u);
	if (rc == RC_ENOTFOUND)
		return app_fail(err, rc, "no user named %s", username);
	if (rc != RC_OK)
		return app_fail(err, rc, "cannot read users");
	sodium_memzero(u.password_hash, sizeof(u.password_hash));
	if (u.disabled)
		return app_fail(err, RC_EDENIED, "user %s is disabled", username);
	memcpy(out->pu.id, u.id, ID_SIZE);
	str_copy(out->pu.role, sizeof(out->pu.role), u.role);
	memcpy(out->pu.agency_id, u.agency_id, ID_SIZE);
	str_copy(out->pu.location_code, sizeof(out->pu.location_code), u.location_code);
	str_copy(out->username, sizeof(out->username), u.username);
	str_copy(out->language, sizeof(out->language), u.language);
	return RC_OK;
}
