/* fuzz_check.h — CHECK(cond, fmt, ...) for the fuzz targets: an invariant that does not hold is
 * printed with the target's file name and aborts, so libFuzzer keeps the input as a crash. */
#ifndef LOCKSTEP_FUZZ_CHECK_H
#define LOCKSTEP_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond, ...)                             \
  do {                                               \
    if (!(cond)) {                                   \
      fprintf(stderr, "%s: %s: ", __FILE__, #cond);  \
      fprintf(stderr, __VA_ARGS__);                  \
      fputc('\n', stderr);                           \
      abort();                                       \
    }                                                \
  } while (0)

#endif
