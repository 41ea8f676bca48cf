/* cpu_backend_fixture.h — the cmocka group fixture of the unit tests that run on the CPU backend:
 * `be` is opened before the group and closed after it. Included by one test file each. */
#ifndef LOCKSTEP_TEST_CPU_BACKEND_FIXTURE_H
#define LOCKSTEP_TEST_CPU_BACKEND_FIXTURE_H

#include "lockstep/backend.h"

static struct ls_backend *be;

static int setup(void **state) {
  (void)state;
  struct ls_err e;
  return ls_backend_cpu_create(&be, &e);
}

static int teardown(void **state) {
  (void)state;
  ls_backend_close(be);
  return 0;
}

#endif
