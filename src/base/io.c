/* io.c — whole-file reads and exclusive, durable writes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "base/err.h"
#include "base/io.h"

int
io_read_stream(FILE *f, size_t max, struct buf *b)
{
	char chunk[65536];
	size_t n, total = 0;

	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		total += n;
		if (total > max)
			return RC_ETOOBIG;
		if (buf_append(b, chunk, n) != 0)
			return RC_ENOMEM;
	}
	if (ferror(f))
		return RC_EIO;
	if (buf_reserve(b, 0) != 0)	/* make p valid even when empty */
		return RC_ENOMEM;
	b->p[b->len] = '\0';
	return RC_OK;
}

int
io_read_file(const char *path, size_t max, struct buf *b)
{
	FILE *f;
	int rc;

	if ((f = fopen(path, "rb")) == NULL)
		return errno == ENOENT ? RC_ENOTFOUND : RC_EIO;
	rc = io_read_stream(f, max, b);
	fclose(f);
	return rc;
}

int
io_write_new(const char *path, int mode, const void *p, size_t n)
{
	const char *c = p;
	ssize_t w;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
	if (fd < 0)
		return errno == EEXIST ? RC_EEXIST : RC_EIO;
	while (n > 0) {
		w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		c += w;
		n -= (size_t)w;
	}
	if (fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0)
		return RC_EIO;
	return RC_OK;
fail:
	close(fd);
	unlink(path);
	return RC_EIO;
}
