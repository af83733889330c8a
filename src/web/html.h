/*
 * html.h — the escaping writer every page is written through.
 *
 * Text is escaped by construction: html_text() and html_attr() escape everything
 * given to them; the only way to write markup is HTML_RAW() with a string literal, so
 * no value from a user, a record or a catalog can ever become markup. Output goes to a
 * struct buf; out-of-memory is remembered in the writer and reported once at the end.
 */
#ifndef WEB_HTML_H
#define WEB_HTML_H

#include <stdarg.h>
#include <stddef.h>

#include "base/buf.h"

struct html {
	struct buf	*b;
	int		 failed;	/* an append ran out of memory */
};

/* Markup from a compile-time literal: HTML_RAW(h, "<p>"). A variable does not compile. */
#define HTML_RAW(h, lit)	html_raw_literal((h), "" lit "", sizeof(lit) - 1)
void	html_raw_literal(struct html *h, const char *lit, size_t n);

/* Text content: & < > " ' escaped. NULL writes nothing. */
void	html_text(struct html *h, const char *s);
/* printf into text content, then escaped. */
void	html_textf(struct html *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An attribute value (written between the quotes the caller wrote with HTML_RAW). */
void	html_attr(struct html *h, const char *s);
/* An attribute value that is a URL query component: percent-encoded, then escaped. */
void	html_url_param(struct html *h, const char *s);

/* Append raw bytes that are already trusted markup from this module's own helpers
 * (embedded static files); not for values. */
void	html_trusted(struct html *h, const char *s, size_t n);

#endif
