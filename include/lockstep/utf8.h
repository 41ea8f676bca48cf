/* utf8.h — strict UTF-8 validation, and cutting text without splitting a character. */
#ifndef LOCKSTEP_UTF8_H
#define LOCKSTEP_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Offset of the first byte that does not start a valid sequence, or n if all is valid. */
size_t ls_utf8_error_at(const char *s, size_t n);
bool ls_utf8_valid(const char *s, size_t n);
/* Length of the longest prefix of s[0..n) that fits in cap bytes without cutting a character. */
size_t ls_utf8_prefix(const char *s, size_t n, size_t cap);

#endif
