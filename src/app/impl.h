/*
 * impl.h — what the app/ files share and nobody else sees: the app struct and
 * error helpers. Not for web/ or cli/.
 */
#ifndef APP_IMPL_H
#define APP_IMPL_H

#include <limits.h>

#include "app/app.h"
#include "store/store.h"
#include "vault/vault.h"

struct app {
	char		 dir[PATH_MAX];
	struct store	*store;
	struct vault	*vault;
	struct forms	*forms;
	struct policy	*policy;
};

/* Set err->message (printf-style) and return `rc`. `err` may be NULL. */
int	app_fail(struct app_error *err, int rc, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* Today's UTC date, "YYYY-MM-DD". */
void	app_today(char out[11]);

/* Load forms, lookups and roles (embedded, or from $ROUTECARE_CONFIG). */
int	app_config_load(struct app *a, struct app_error *err);

/* Load a locations CSV (code,parent_code,level,name_en,name_fr,name_ar,name_es). */
int	app_locations_load_csv(struct app *a, const char *csv, size_t n,
	    struct app_error *err);

#endif
