/* Unit tests: window-aware offset acknowledgement — nothing past the oldest tweet still inside
 * the horizon, markers advance offsets, partitions are independent, overflow shortens the
 * hold-back instead of blocking it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "lockstep/offsets.h"

struct acks {
  int64_t offset[4];
  int calls;
};

static void on_ack(void *ud, int source, int32_t partition, int64_t next) {
  struct acks *a = ud;
  assert_int_equal(source, 1);
  a->offset[partition] = next;
  a->calls++;
}

static struct ls_offsets *make(uint32_t checkpoints) {
  struct ls_offsets *o;
  struct ls_err e;
  assert_int_equal(ls_offsets_create(&o, 16, checkpoints, &e), LS_OK);
  return o;
}

static void batch(struct ls_offsets *o, int32_t partition, int64_t first, int64_t last, int64_t t_ms) {
  for (int64_t off = first; off <= last; off++) ls_offsets_note(o, 1, partition, off, off + 1, t_ms);
  ls_offsets_seal(o);
}

static void test_holds_back_to_the_window(void **state) {
  (void)state;
  struct ls_offsets *o = make(64);
  struct acks a = {0};
  batch(o, 0, 0, 9, 1000);   /* offsets 0..9 at t = 1 s */
  batch(o, 0, 10, 19, 5000); /* 10..19 at 5 s */
  batch(o, 0, 20, 29, 9000); /* 20..29 at 9 s */
  ls_offsets_advance(o, 0, on_ack, &a);
  assert_int_equal(a.calls, 1); /* everything is still needed: offset 0 */
  assert_true(a.offset[0] == 0);
  ls_offsets_advance(o, 4000, on_ack, &a); /* tweets before 4 s are no longer needed */
  assert_true(a.offset[0] == 10);
  a.calls = 0;
  ls_offsets_advance(o, 4000, on_ack, &a);
  assert_int_equal(a.calls, 0); /* nothing new */
  ls_offsets_advance(o, 10000, on_ack, &a); /* the whole window has passed */
  assert_true(a.offset[0] == 30);
  ls_offsets_destroy(o);
}

static void test_markers_and_partitions(void **state) {
  (void)state;
  struct ls_offsets *o = make(64);
  struct acks a = {0};
  ls_offsets_note(o, 1, 2, 0, 0 + 1, 0); /* a message that yielded no tweet */
  ls_offsets_note(o, 1, 2, 1, 1 + 1, 0);
  batch(o, 3, 100, 104, 8000);
  ls_offsets_advance(o, 5000, on_ack, &a);
  assert_true(a.offset[2] == 2);   /* markers need no window */
  assert_true(a.offset[3] == 100); /* partition 3's tweets are still needed */
  ls_offsets_destroy(o);
}

static void test_overflow_shortens_hold_back(void **state) {
  (void)state;
  struct ls_offsets *o = make(4);
  struct acks a = {0};
  for (int b = 0; b < 6; b++) batch(o, 0, b * 10, b * 10 + 9, 1000 + b);
  assert_true(ls_offsets_overflows(o) == 2);
  ls_offsets_advance(o, 0, on_ack, &a);
  assert_true(a.offset[0] == 20); /* the two oldest checkpoints were dropped */
  ls_offsets_destroy(o);
}

/* Records out of offset order (a stage topic's producers merged by event time): offset 5 is
 * read while 3 and 4 still wait upstream, then they are read in a later batch. Nothing is
 * acknowledged past 3 until it is read, nor past the window's oldest record once it is. */
static void test_out_of_offset_order(void **state) {
  (void)state;
  struct ls_offsets *o = make(64);
  struct acks a = {0};
  ls_offsets_note(o, 1, 0, 0, 1, 1000);
  ls_offsets_note(o, 1, 0, 1, 2, 1000);
  ls_offsets_note(o, 1, 0, 2, 3, 1000);
  ls_offsets_seal(o);
  ls_offsets_note(o, 1, 0, 5, 3, 5000); /* 3 and 4 still queued */
  ls_offsets_seal(o);
  ls_offsets_advance(o, 2000, on_ack, &a); /* the first three are out of the window */
  assert_true(a.offset[0] == 3);
  ls_offsets_note(o, 1, 0, 3, 4, 6000);
  ls_offsets_note(o, 1, 0, 4, 6, 6000);
  ls_offsets_seal(o);
  ls_offsets_advance(o, 2000, on_ack, &a);
  assert_true(a.offset[0] == 3); /* the batch of 3 and 4 is still needed */
  ls_offsets_advance(o, 5500, on_ack, &a); /* the batch of 5 is not, but the later one begins at 3 */
  assert_true(a.offset[0] == 3);
  ls_offsets_advance(o, 7000, on_ack, &a);
  assert_true(a.offset[0] == 6);
  ls_offsets_destroy(o);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_holds_back_to_the_window),
                                     cmocka_unit_test(test_markers_and_partitions),
                                     cmocka_unit_test(test_overflow_shortens_hold_back),
                                     cmocka_unit_test(test_out_of_offset_order)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
