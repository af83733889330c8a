/*
 * io.h — whole-file reads and careful writes.
 */
#ifndef BASE_IO_H
#define BASE_IO_H

#include <stdio.h>

#include "base/buf.h"

/* Read all of `f` into `b` (appends). RC_ETOOBIG when more than `max` bytes; RC_EIO. */
int	io_read_stream(FILE *f, size_t max, struct buf *b);
/* Read the file at `path` into `b`. */
int	io_read_file(const char *path, size_t max, struct buf *b);
/* Create `path` exclusively with `mode` and write `n` bytes, fsynced. RC_EEXIST. */
int	io_write_new(const char *path, int mode, const void *p, size_t n);

#endif
