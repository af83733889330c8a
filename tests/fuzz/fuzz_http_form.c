/*
 * fuzz_http_form.c — the form body parser of the web pages
 * (application/x-www-form-urlencoded and multipart/form-data, src/web/http.c).
 *
 * The first line of the input (up to '\n', at most 200 bytes, cut at a NUL as a header
 * would be) is the Content-Type header, boundary and all; the rest is the body.
 *
 * Checks: never crashes or leaks; every field's name and value lie inside the arena
 * and are NUL-terminated; a text field holds no NUL byte and its length is that of its
 * string; an urlencoded body has no file parts; at most HTTP_FORM_FIELDS_MAX fields.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "web/http.h"

#define FUZZ_CT_MAX	200

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
in_arena(const struct http_form_body *fb, const char *p, size_t n)
{
	return p >= fb->arena && n < fb->arena_size &&
	    (size_t)(p - fb->arena) <= fb->arena_size - n - 1 && p[n] == '\0';
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data, *nl = memchr(s, '\n', size);
	char ct[FUZZ_CT_MAX + 1], lower[FUZZ_CT_MAX + 1];
	struct http_form_body fb;
	size_t ctlen, rest, i;
	char *body;
	int multipart;

	if (nl == NULL || (ctlen = (size_t)(nl - s)) > FUZZ_CT_MAX)
		return 0;
	memcpy(ct, s, ctlen);
	ct[ctlen] = '\0';
	for (i = 0; i < ctlen; i++)	/* media types are case-insensitive */
		lower[i] = (char)(ct[i] >= 'A' && ct[i] <= 'Z' ? ct[i] - 'A' + 'a' : ct[i]);
	lower[ctlen] = '\0';
	multipart = strstr(lower, "multipart") != NULL;
	/* the body in its own allocation, so that ASan sees any read past its end */
	rest = size - ctlen - 1;
	if ((body = malloc(rest ? rest : 1)) == NULL)
		return 0;
	memcpy(body, nl + 1, rest);

	if (http_form_body_parse(ct, body, rest, &fb) == 0) {
		if (fb.nfields > HTTP_FORM_FIELDS_MAX || (fb.nfields > 0 && fb.arena == NULL))
			abort();
		for (i = 0; i < fb.nfields; i++) {
			const struct http_field *f = &fb.fields[i];

			if (!in_arena(&fb, f->name, strlen(f->name)) ||
			    !in_arena(&fb, f->value, f->len))
				abort();
			if (!f->file && strlen(f->value) != f->len)
				abort();
			if (f->file && !multipart)
				abort();
		}
		http_form_body_free(&fb);
	} else if (fb.fields != NULL || fb.arena != NULL)
		abort();
	free(body);
	return 0;
}
