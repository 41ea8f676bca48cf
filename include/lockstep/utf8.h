/* utf8.h — strict UTF-8 validation. */
#ifndef LOCKSTEP_UTF8_H
#define LOCKSTEP_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Offset of the first byte that does not start a valid sequence, or n if all is valid. */
size_t ls_utf8_error_at(const char *s, size_t n);
bool ls_utf8_valid(const char *s, size_t n);

#endif
