/* Unit tests: the event-time merge of a consumer's partitions — order by (timestamp,
 * partition), waiting for a partition that may still deliver an earlier message, the same
 * sequence under any interleaving of fetches, and what ends a wait (end of partition, the replay
 * gate's hold, idleness). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "lockstep/partition_merge.h"

/* A message is its number: partition * 1000 + offset, stored in the pointer. */
#define MSG(p, o) ((void *)(uintptr_t)((p) * 1000 + (o) + 1))
#define NUM(m) ((int)(uintptr_t)(m) - 1)

static int dropped;
static void count_drop(void *msg, void *ud) {
  (void)msg;
  (void)ud;
  dropped++;
}

static bool behind_of[16];
static bool behind_set(int32_t partition, void *ud) {
  (void)ud;
  return behind_of[partition];
}

static struct ls_merge *merge_of(int n, int wait_ms) {
  struct ls_merge *m;
  struct ls_err e;
  assert_int_equal(ls_merge_create(&m, wait_ms, behind_set, NULL, &e), LS_OK);
  int32_t parts[16];
  for (int i = 0; i < n; i++) parts[i] = i;
  assert_int_equal(ls_merge_assign(m, parts, n, 0, count_drop, NULL), LS_OK);
  return m;
}

static void test_waits_for_an_earlier_partition(void **state) {
  (void)state;
  struct ls_merge *m = merge_of(2, 500);
  assert_int_equal(ls_merge_push(m, MSG(1, 0), 1, 100, 10), LS_OK);
  assert_null(ls_merge_pop(m, 10)); /* partition 0 has shown nothing yet */
  assert_int_equal(ls_merge_push(m, MSG(0, 0), 0, 120, 10), LS_OK);
  assert_int_equal(NUM(ls_merge_pop(m, 10)), 1000); /* 100 before 120 */
  assert_null(ls_merge_pop(m, 10));                 /* partition 1 may still deliver 100..120 */
  assert_int_equal(ls_merge_push(m, MSG(1, 1), 1, 130, 10), LS_OK);
  assert_int_equal(NUM(ls_merge_pop(m, 10)), 0);    /* it has shown 130 */
  assert_null(ls_merge_pop(m, 10));                 /* partition 0 may still deliver 120..130 */
  ls_merge_eof(m, 0);
  assert_int_equal(NUM(ls_merge_pop(m, 10)), 1001); /* partition 0 is at its end */
  assert_int_equal(ls_merge_bytes(m), 0);
  ls_merge_destroy(m, count_drop, NULL);
}

static void test_equal_timestamps_by_partition(void **state) {
  (void)state;
  struct ls_merge *m = merge_of(3, 500);
  assert_int_equal(ls_merge_push(m, MSG(2, 0), 2, 50, 1), LS_OK);
  assert_int_equal(ls_merge_push(m, MSG(0, 0), 0, 50, 1), LS_OK);
  assert_null(ls_merge_pop(m, 0)); /* partition 1 may still deliver 50 */
  assert_int_equal(ls_merge_push(m, MSG(1, 0), 1, 50, 1), LS_OK);
  assert_int_equal(NUM(ls_merge_pop(m, 0)), 0);
  assert_null(ls_merge_pop(m, 0)); /* partition 0 may still deliver another 50, before partition 1's */
  assert_int_equal(ls_merge_push(m, MSG(0, 1), 0, 60, 1), LS_OK);
  assert_int_equal(NUM(ls_merge_pop(m, 0)), 1000);
  assert_null(ls_merge_pop(m, 0)); /* partition 1 may still deliver another 50 */
  ls_merge_eof(m, 1);
  assert_int_equal(NUM(ls_merge_pop(m, 0)), 2000);
  assert_null(ls_merge_pop(m, 0)); /* partition 2 may still deliver 50..60 */
  ls_merge_eof(m, 2);
  assert_int_equal(NUM(ls_merge_pop(m, 0)), 1);
  ls_merge_destroy(m, count_drop, NULL);
}

static void test_idle_hold_and_no_timestamp(void **state) {
  (void)state;
  struct ls_merge *m = merge_of(3, 500);
  assert_int_equal(ls_merge_push(m, MSG(0, 0), 0, 10, 1), LS_OK);
  ls_merge_hold(m, 1, true); /* the replay gate paused partition 1 */
  assert_null(ls_merge_pop(m, 499)); /* partition 2 is waited for 500 ms ... */
  behind_of[2] = true; /* the broker has messages for it: waited for up to 10 x 500 ms */
  assert_null(ls_merge_pop(m, 4999));
  assert_int_equal(ls_merge_gave_up(m), 0);
  assert_int_equal(NUM(ls_merge_pop(m, 5000)), 0);
  assert_int_equal(ls_merge_gave_up(m), 1); /* counted once per empty spell */
  behind_of[2] = false;
  assert_int_equal(ls_merge_push(m, MSG(2, 0), 2, -1, 1), LS_OK); /* no timestamp: 0, the first of its lane */
  assert_int_equal(ls_merge_push(m, MSG(2, 1), 2, -1, 1), LS_OK);
  assert_int_equal(NUM(ls_merge_pop(m, 500)), 2000);
  assert_int_equal(NUM(ls_merge_pop(m, 500)), 2001);
  ls_merge_destroy(m, count_drop, NULL);
}

static void test_idle_only_when_caught_up(void **state) {
  (void)state;
  struct ls_merge *m = merge_of(2, 500);
  assert_int_equal(ls_merge_push(m, MSG(0, 0), 0, 10, 1), LS_OK);
  assert_null(ls_merge_pop(m, 499));
  assert_int_equal(NUM(ls_merge_pop(m, 500)), 0); /* partition 1: nothing on the broker */
  ls_merge_destroy(m, count_drop, NULL);
}

static void test_revoked_partition_dropped(void **state) {
  (void)state;
  dropped = 0;
  struct ls_merge *m = merge_of(2, 500);
  for (int o = 0; o < 100; o++) assert_int_equal(ls_merge_push(m, MSG(1, o), 1, o, 7), LS_OK); /* grows past 64 */
  assert_int_equal(ls_merge_push(m, MSG(0, 0), 0, 1000, 7), LS_OK);
  assert_int_equal(ls_merge_bytes(m), 101 * 7);
  assert_true(ls_merge_queued(m, 1));
  int32_t keep[] = {0};
  assert_int_equal(ls_merge_assign(m, keep, 1, 0, count_drop, NULL), LS_OK);
  assert_int_equal(dropped, 100);
  assert_false(ls_merge_queued(m, 1));
  assert_int_equal(ls_merge_bytes(m), 7);
  assert_int_equal(ls_merge_push(m, MSG(1, 100), 1, 5, 7), LS_EINVAL); /* no longer assigned */
  assert_int_equal(NUM(ls_merge_pop(m, 0)), 0); /* nothing else to wait for */
  int32_t bad[] = {-1};
  assert_int_equal(ls_merge_assign(m, bad, 1, 0, count_drop, NULL), LS_EINVAL);
  ls_merge_destroy(m, count_drop, NULL);
}

/* Four partitions of 300 messages with rising, often equal timestamps, delivered in random
 * chunks in a random partition order (seeds 1..20): always the one sequence sorted by
 * (timestamp, partition, offset). */
static void test_same_sequence_under_any_interleaving(void **state) {
  (void)state;
  enum { P = 4, N = 300 };
  int64_t ts[P][N];
  srand(7);
  for (int p = 0; p < P; p++)
    for (int o = 0, t = 0; o < N; o++) ts[p][o] = t += rand() % 3;
  for (unsigned seed = 1; seed <= 20; seed++) {
    srand(seed);
    struct ls_merge *m = merge_of(P, 500);
    int next[P] = {0}, out = 0, last_p = -1, last_o = -1;
    int64_t last_t = -1;
    while (out < P * N) {
      int p = rand() % P, chunk = 1 + rand() % 9;
      for (int k = 0; k < chunk && next[p] < N; k++, next[p]++)
        assert_int_equal(ls_merge_push(m, MSG(p, next[p]), p, ts[p][next[p]], 1), LS_OK);
      if (next[p] == N) ls_merge_eof(m, p);
      void *x;
      while ((x = ls_merge_pop(m, 0))) {
        int q = NUM(x) / 1000, o = NUM(x) % 1000;
        bool after = ts[q][o] > last_t || (ts[q][o] == last_t && (q > last_p || (q == last_p && o > last_o)));
        assert_true(after);
        last_t = ts[q][o], last_p = q, last_o = o;
        out++;
      }
    }
    ls_merge_destroy(m, count_drop, NULL);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_waits_for_an_earlier_partition),
      cmocka_unit_test(test_equal_timestamps_by_partition),
      cmocka_unit_test(test_idle_hold_and_no_timestamp),
      cmocka_unit_test(test_idle_only_when_caught_up),
      cmocka_unit_test(test_revoked_partition_dropped),
      cmocka_unit_test(test_same_sequence_under_any_interleaving),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
