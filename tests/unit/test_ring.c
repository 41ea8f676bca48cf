/* Unit tests: SPSC ring — capacity, order, back-pressure and a two-thread transfer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>

#include "lockstep/ring.h"

static void test_full_and_order(void **state) {
  (void)state;
  struct ls_ring *r;
  struct ls_err e;
  assert_int_equal(ls_ring_create(&r, 5, 256, &e), LS_OK);
  assert_int_equal(ls_ring_capacity(r), 8);
  for (uint64_t i = 1; i <= 8; i++) {
    struct ls_ring_slot *s = ls_ring_acquire(r);
    assert_non_null(s);
    s->tweet.id = i;
    ls_ring_publish(r);
  }
  assert_null(ls_ring_acquire(r)); /* full: the producer must wait */
  assert_int_equal(ls_ring_readable(r), 8);
  assert_true(ls_ring_peek(r, 0)->tweet.id == 1 && ls_ring_peek(r, 7)->tweet.id == 8);
  ls_ring_release(r, 3);
  assert_true(ls_ring_peek(r, 0)->tweet.id == 4);
  assert_non_null(ls_ring_acquire(r));
  ls_ring_destroy(r);
}

static void *producer(void *arg) {
  struct ls_ring *r = arg;
  for (uint64_t i = 1; i <= 200000; i++) {
    struct ls_ring_slot *s;
    while (!(s = ls_ring_acquire(r))) {}
    s->tweet.id = i;
    ls_ring_publish(r);
  }
  return NULL;
}

static void test_threads(void **state) {
  (void)state;
  struct ls_ring *r;
  struct ls_err e;
  assert_int_equal(ls_ring_create(&r, 64, 64, &e), LS_OK);
  pthread_t th;
  pthread_create(&th, NULL, producer, r);
  uint64_t expect = 1;
  while (expect <= 200000) {
    size_t n = ls_ring_readable(r);
    for (size_t i = 0; i < n; i++) assert_true(ls_ring_peek(r, i)->tweet.id == expect++);
    ls_ring_release(r, n);
  }
  pthread_join(th, NULL);
  ls_ring_destroy(r);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_full_and_order), cmocka_unit_test(test_threads)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
