/*
 * utf8.h — checking and measuring UTF-8 text. Pure; no allocation.
 */
#ifndef BASE_UTF8_H
#define BASE_UTF8_H

#include <stddef.h>

/* 1 when the `n` bytes at `s` are valid UTF-8: shortest forms only, no surrogates
 * (U+D800..U+DFFF), nothing above U+10FFFF; 0 otherwise. NUL bytes count as text. */
int	utf8_valid(const char *s, size_t n);

/* The number of code points in the `n` bytes at `s`, which must be valid UTF-8
 * (otherwise the count of bytes that are not continuation bytes). */
size_t	utf8_length(const char *s, size_t n);

#endif
