/* embed.c — find configuration files compiled into the binary. */
#include <string.h>

#include "base/embed.h"

const struct embed_file *
embed_find(const char *path)
{
	size_t i;

	for (i = 0; i < embed_count; i++)
		if (strcmp(embed_files[i].path, path) == 0)
			return &embed_files[i];
	return NULL;
}
