/* html.c — escaping writer for pages. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web/html.h"

static void
html_put(struct html *h, const char *p, size_t n)
{
	if (!h->failed && buf_append(h->b, p, n) != 0)
		h->failed = 1;
}

void
html_raw_literal(struct html *h, const char *lit, size_t n)
{
	html_put(h, lit, n);
}

void
html_trusted(struct html *h, const char *s, size_t n)
{
	html_put(h, s, n);
}

/* Escape `s` for text and double- or single-quoted attributes alike. */
static void
html_escape(struct html *h, const char *s)
{
	const char *run = s;

	if (s == NULL)
		return;
	for (; *s != '\0'; s++) {
		const char *rep;

		switch (*s) {
		case '&': rep = "&amp;"; break;
		case '<': rep = "&lt;"; break;
		case '>': rep = "&gt;"; break;
		case '"': rep = "&quot;"; break;
		case '\'': rep = "&#39;"; break;
		default: continue;
		}
		html_put(h, run, (size_t)(s - run));
		html_put(h, rep, strlen(rep));
		run = s + 1;
	}
	html_put(h, run, (size_t)(s - run));
}

void
html_text(struct html *h, const char *s)
{
	html_escape(h, s);
}

void
html_attr(struct html *h, const char *s)
{
	html_escape(h, s);
}

void
html_textf(struct html *h, const char *fmt, ...)
{
	char small[256], *p = small;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		h->failed = 1;
		return;
	}
	if ((size_t)n >= sizeof(small)) {
		if ((p = malloc((size_t)n + 1)) == NULL) {
			h->failed = 1;
			return;
		}
		va_start(ap, fmt);
		vsnprintf(p, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	html_escape(h, p);
	if (p != small)
		free(p);
}

void
html_url_param(struct html *h, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char enc[4];

	if (s == NULL)
		return;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~') {
			html_put(h, (const char *)&c, 1);
			continue;
		}
		enc[0] = '%';
		enc[1] = hex[c >> 4];
		enc[2] = hex[c & 15];
		html_put(h, enc, 3);	/* no character here needs HTML escaping */
	}
}
