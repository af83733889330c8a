/*
 * fuzz_mo.c — the .mo catalog reader of src/web/i18n.c on arbitrary bytes.
 *
 * i18n reads its catalogs only from the embedded files (embed_find), so this target
 * compiles i18n.c into itself with embed_find replaced by a function that hands out
 * the fuzz input as "po/fr.mo" (exactly `size` bytes, no terminator after them). The
 * Makefile links it without build/fuzz/obj/web/i18n.o. No line of i18n.c is changed.
 *
 * Checks: never crashes or leaks; a catalog that loads answers i18n_tr() for each of
 * its own msgids, for text it does not hold and for the empty string, always with a
 * terminated string.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/embed.h"

static const struct embed_file *fuzz_embed_find(const char *path);

#define embed_find fuzz_embed_find
#include "web/i18n.c"
#undef embed_find

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int	LLVMFuzzerInitialize(int *argc, char ***argv);

static struct embed_file	fuzz_file;

static const struct embed_file *
fuzz_embed_find(const char *path)
{
	return strcmp(path, "po/fr.mo") == 0 && fuzz_file.data != NULL ? &fuzz_file : NULL;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_set_level((enum log_level)(LOG_ERROR + 1));	/* a refused catalog is logged: not news here */
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct catalog *c = &catalogs[1];
	const char *t, *id;
	char *copy;
	uint32_t i;

	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	fuzz_file.path = "po/fr.mo";
	fuzz_file.data = copy;
	fuzz_file.len = size;

	if (i18n_init() == 0 && c->data != NULL) {
		for (i = 0; i < c->n && i < 64; i++) {
			if ((id = mo_string(c, c->orig, i)) == NULL)
				abort();
			if ((t = i18n_tr("fr", id)) == NULL)
				abort();
			(void)strlen(t);
		}
		if (i18n_tr("fr", "a msgid no catalog holds \x7f") == NULL ||
		    strcmp(i18n_tr("fr", ""), "") != 0 || i18n_tr("fr", NULL) != NULL)
			abort();
	}
	memset(c, 0, sizeof(*c));
	fuzz_file.data = NULL;
	free(copy);
	return 0;
}
