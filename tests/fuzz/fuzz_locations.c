/*
 * fuzz_locations.c — the P-code CSV import (app_location_import, as the operator:
 * u = NULL) on arbitrary bytes.
 *
 * One data directory is created in a temporary folder (under /dev/shm when it exists,
 * so that commits are cheap) before the first input and reused: accepted files add
 * locations, refused ones roll back. The folder is removed at a normal exit
 * (after a crash it stays, as /dev/shm/routecare-fuzz-*, for the post-mortem).
 *
 * Checks: never crashes or leaks; RC_OK exactly when `*out` is set, with
 * {"loaded","new"} such that 0 <= new <= loaded; a refusal always says why; the
 * database is never left inside a transaction (the next import could not begin).
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "app/app.h"
#include "base/err.h"
#include "base/log.h"
#include "vault/vault.h"

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

static struct app	*fuzz_app;
static char		 fuzz_dir[PATH_MAX];

static void
fuzz_cleanup(void)
{
	static const char *const files[] = { APP_DB_FILE, APP_DB_FILE "-wal",
	    APP_DB_FILE "-shm", APP_DB_FILE "-journal", APP_KEY_FILE };
	char path[PATH_MAX + 64];
	size_t i;

	app_close(fuzz_app);
	fuzz_app = NULL;
	if (fuzz_dir[0] == '\0')
		return;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", fuzz_dir, files[i]);
		unlink(path);
	}
	rmdir(fuzz_dir);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct app_error err = { 0 };
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	char pw[64];

	(void)argc;
	(void)argv;
	unsetenv("ROUTECARE_CONFIG");	/* the embedded configuration, */
	unsetenv("ROUTECARE_DB");	/* and SQLite in the data directory */
	log_set_level(LOG_WARN);
	if (vault_init() != 0)
		abort();
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/routecare-fuzz-XXXXXX",
	    base != NULL && *base != '\0' ? base : "/tmp");
	if (mkdtemp(fuzz_dir) == NULL) {
		perror("fuzz_locations: mkdtemp");
		abort();
	}
	atexit(fuzz_cleanup);
	if (app_init(fuzz_dir, "fuzz.admin", "fuzz-password-123", pw, sizeof(pw), &err) !=
	    RC_OK || app_open(fuzz_dir, &fuzz_app, &err) != RC_OK) {
		fprintf(stderr, "fuzz_locations: %s\n", err.message);
		abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct app_error err;
	json_t *out = NULL;
	json_int_t loaded, fresh;
	int rc;

	memset(&err, 0, sizeof(err));
	rc = app_location_import(fuzz_app, NULL, (const char *)data, size, &out, &err);
	if (rc == RC_OK) {
		if (out == NULL)
			abort();
		loaded = json_integer_value(json_object_get(out, "loaded"));
		fresh = json_integer_value(json_object_get(out, "new"));
		if (fresh < 0 || fresh > loaded)
			abort();
		json_decref(out);
	} else {
		if (out != NULL)
			abort();
		if (rc != RC_ENOMEM && (err.message[0] == '\0' ||
		    memchr(err.message, '\0', sizeof(err.message)) == NULL))
			abort();
	}
	return 0;
}
