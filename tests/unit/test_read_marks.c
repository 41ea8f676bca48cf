/* Unit tests: which records a daemon has read before — in offset order, out of it (a stage
 * topic's producers merged by event time), the tweets of one page, across a checkpoint, and
 * for partitions handed over from another daemon (its marks merged for those only). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "lockstep/read_marks.h"

static struct ls_read_marks *make(void) {
  struct ls_read_marks *r;
  struct ls_err e;
  assert_int_equal(ls_read_marks_create(&r, 8, &e), LS_OK);
  return r;
}

/* In offset order, with a page of three tweets at offset 1: a partition given back by a
 * rebalance is read from its committed offset again, and that tail counts as read before. */
static void test_in_order_and_pages(void **state) {
  (void)state;
  struct ls_read_marks *r = make();
  assert_true(ls_read_marks_positions(r)[0] == -1);
  assert_false(ls_read_marks_note(r, 0, 0, 1));
  for (int k = 0; k < 3; k++) assert_false(ls_read_marks_note(r, 0, 1, 2)); /* the page's tweets */
  assert_false(ls_read_marks_note(r, 0, 2, 3));
  assert_true(ls_read_marks_positions(r)[0] == 3);
  assert_true(ls_read_marks_note(r, 0, 1, 2)); /* read again from the committed offset */
  assert_true(ls_read_marks_note(r, 0, 2, 3));
  assert_false(ls_read_marks_note(r, 0, 3, 4));
  assert_false(ls_read_marks_note(r, 9, 0, 1)); /* out of range: never read before */
  assert_true(ls_read_marks_ahead(r) == 0);
  ls_read_marks_destroy(r);
}

/* Offsets 3 and 4 wait upstream while 5 and 6 are read; a checkpoint taken then, restored in a
 * new daemon that reads the partition again from 3: 5 and 6 were read before, 3 and 4 were not. */
static void test_out_of_order_across_a_checkpoint(void **state) {
  (void)state;
  struct ls_read_marks *r = make();
  for (int64_t o = 0; o < 3; o++) assert_false(ls_read_marks_note(r, 2, o, o + 1));
  assert_false(ls_read_marks_note(r, 2, 5, 3));
  assert_false(ls_read_marks_note(r, 2, 6, 3));
  assert_true(ls_read_marks_ahead(r) == 2);
  struct ls_snap w = {0};
  ls_read_marks_save(r, &w);
  struct ls_err e;
  assert_int_equal(ls_snap_done(&w, &e), LS_OK);
  struct ls_read_marks *back = make();
  struct ls_snap_reader in;
  ls_snap_reader_init(&in, w.buf, w.len);
  assert_int_equal(ls_read_marks_load(back, &in, NULL, &e), LS_OK);
  assert_true(ls_read_marks_positions(back)[2] == 3);
  assert_false(ls_read_marks_note(back, 2, 3, 4)); /* 5 and 6 no longer queued upstream once read */
  assert_false(ls_read_marks_note(back, 2, 4, 5));
  assert_true(ls_read_marks_note(back, 2, 5, 6));
  assert_true(ls_read_marks_note(back, 2, 6, 7));
  assert_false(ls_read_marks_note(back, 2, 7, 8));
  assert_true(ls_read_marks_ahead(back) == 0); /* the position has passed them */
  ls_read_marks_destroy(back);
  ls_read_marks_destroy(r);
  ls_snap_free(&w);
}

/* Daemon A read partition 1 to offset 9 (and 12 and 13, while 10 and 11 waited upstream) and
 * partition 2 to 4. Daemon B read partition 1 to 3 before (and 15), and partition 3. Partition 1
 * is handed over from A to B: B merges A's marks for it only. Then what either read of partition
 * 1 was read before (B's last message there too, noted again after the merge), and partitions 2
 * and 3 are B's own as they were. */
static void test_handed_over_partitions_merged(void **state) {
  (void)state;
  struct ls_read_marks *a = make(), *b = make();
  for (int64_t o = 0; o < 10; o++) assert_false(ls_read_marks_note(a, 1, o, o + 1));
  assert_false(ls_read_marks_note(a, 1, 12, 10));
  assert_false(ls_read_marks_note(a, 1, 13, 10));
  for (int64_t o = 0; o < 5; o++) assert_false(ls_read_marks_note(a, 2, o, o + 1));
  for (int64_t o = 0; o < 4; o++) assert_false(ls_read_marks_note(b, 1, o, o + 1));
  assert_false(ls_read_marks_note(b, 1, 15, 4));
  for (int64_t o = 0; o < 3; o++) assert_false(ls_read_marks_note(b, 3, o, o + 1));
  struct ls_snap w = {0};
  ls_read_marks_save(a, &w);
  struct ls_err e;
  assert_int_equal(ls_snap_done(&w, &e), LS_OK);
  struct ls_snap_reader in;
  ls_snap_reader_init(&in, w.buf, w.len);
  uint8_t only[1] = {1u << 1};
  assert_int_equal(ls_read_marks_load(b, &in, only, &e), LS_OK);
  assert_true(ls_read_marks_positions(b)[1] == 10);
  assert_true(ls_read_marks_positions(b)[2] == -1); /* not handed over */
  assert_true(ls_read_marks_positions(b)[3] == 3);
  assert_true(ls_read_marks_ahead(b) == 3); /* 12, 13 and 15 */
  assert_true(ls_read_marks_note(b, 1, 3, 4)); /* read by both */
  for (int64_t o = 4; o < 10; o++) assert_true(ls_read_marks_note(b, 1, o, o + 1));
  assert_false(ls_read_marks_note(b, 1, 10, 11));
  assert_false(ls_read_marks_note(b, 1, 11, 12));
  for (int64_t o = 12; o < 14; o++) assert_true(ls_read_marks_note(b, 1, o, o + 1));
  assert_false(ls_read_marks_note(b, 1, 14, 15));
  assert_true(ls_read_marks_note(b, 1, 15, 16)); /* B's last message there, not its answer then */
  assert_false(ls_read_marks_note(b, 2, 0, 1));
  ls_read_marks_destroy(a);
  ls_read_marks_destroy(b);
  ls_snap_free(&w);
}

/* A checkpoint cut short, or naming a partition this daemon does not track, is refused. */
static void test_corrupt_checkpoint_refused(void **state) {
  (void)state;
  struct ls_read_marks *r = make();
  assert_false(ls_read_marks_note(r, 7, 5, 3));
  struct ls_snap w = {0};
  ls_read_marks_save(r, &w);
  struct ls_err e;
  struct ls_read_marks *small;
  assert_int_equal(ls_read_marks_create(&small, 4, &e), LS_OK);
  struct ls_snap_reader in;
  ls_snap_reader_init(&in, w.buf, w.len);
  assert_int_not_equal(ls_read_marks_load(small, &in, NULL, &e), LS_OK);
  ls_snap_reader_init(&in, w.buf, w.len - 1);
  assert_int_not_equal(ls_read_marks_load(r, &in, NULL, &e), LS_OK);
  ls_read_marks_destroy(small);
  ls_read_marks_destroy(r);
  ls_snap_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_in_order_and_pages),
      cmocka_unit_test(test_out_of_order_across_a_checkpoint),
      cmocka_unit_test(test_handed_over_partitions_merged),
      cmocka_unit_test(test_corrupt_checkpoint_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
