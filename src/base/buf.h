/*
 * buf.h — a growable byte buffer that never truncates silently.
 *
 * The buffer owns `p`; buf_free() releases it. `p` is always NUL-terminated after a
 * successful append, so text can be used as a C string. Every append returns 0, or -1
 * when memory runs out or a size would overflow; after a failure the buffer keeps
 * what it held before the call.
 */
#ifndef BASE_BUF_H
#define BASE_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char	*p;
	size_t	 len;
	size_t	 cap;
};

#define BUF_INIT { NULL, 0, 0 }

int	buf_reserve(struct buf *b, size_t extra);
int	buf_append(struct buf *b, const void *p, size_t n);
int	buf_puts(struct buf *b, const char *s);
int	buf_putc(struct buf *b, char c);
int	buf_printf(struct buf *b, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
int	buf_vprintf(struct buf *b, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));
void	buf_reset(struct buf *b);	/* len = 0, keeps the memory */
void	buf_free(struct buf *b);	/* frees and zeroes the struct */
void	buf_wipe(struct buf *b);	/* zeroes the bytes (sodium_memzero), then frees */

/* Copy at most dstsz-1 bytes of src into dst and terminate it; returns -1 when src did
 * not fit (dst then holds a truncated copy the caller must not use). */
int	str_copy(char *dst, size_t dstsz, const char *src);

#endif
