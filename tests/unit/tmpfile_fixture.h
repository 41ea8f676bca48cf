/* tmpfile_fixture.h — the cmocka group fixture of the unit tests that read a scratch file:
 * `path` is created (empty, by mkstemp) before the group and removed after it; each test
 * rewrites it. Included by one test file each. */
#ifndef LOCKSTEP_TEST_TMPFILE_FIXTURE_H
#define LOCKSTEP_TEST_TMPFILE_FIXTURE_H

#include <stdlib.h>
#include <unistd.h>

static char path[] = "/tmp/lockstep-unit-XXXXXX";

static int setup(void **state) {
  (void)state;
  int fd = mkstemp(path);
  return fd < 0 ? -1 : close(fd);
}

static int teardown(void **state) {
  (void)state;
  return unlink(path);
}

#endif
