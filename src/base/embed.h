/*
 * embed.h — configuration files compiled into the binary (see tools/embed.c).
 *
 * Paths are as in the source tree: "config/forms/case.json". Data is NUL-terminated
 * (not counted in `len`) and lives for the life of the process.
 */
#ifndef BASE_EMBED_H
#define BASE_EMBED_H

#include <stddef.h>

struct embed_file {
	const char	*path;
	const char	*data;
	size_t		 len;
};

extern const struct embed_file	embed_files[];
extern const size_t		embed_count;

/* The file at `path`, or NULL. */
const struct embed_file *embed_find(const char *path);

#endif
