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

/* Message (p, o) from no source (the firehose's lane 0), received at 0 ms. */
static int push(struct ls_merge *m, int p, int o, int64_t timestamp_ms, size_t bytes) {
  return ls_merge_push(m, MSG(p, o), p, 0, o, timestamp_ms, bytes, 0);
}

static void *pop(struct ls_merge *m, int64_t now_ms) { return ls_merge_pop(m, now_ms, NULL); }

static struct ls_merge *merge_of(int n, int wait_ms) {
  struct ls_merge *m;
  struct ls_err e;
  assert_int_equal(ls_merge_create(&m, wait_ms, 0, behind_set, NULL, &e), LS_OK);
  int32_t parts[16];
  for (int i = 0; i < n; i++) parts[i] = i;
  assert_int_equal(ls_merge_assign(m, parts, n, 0, count_drop, NULL), LS_OK);
  return m;
}

static void test_waits_for_an_earlier_partition(void **state) {
  (void)state;
  struct ls_merge *m = merge_of(2, 500);
  assert_int_equal(push(m, 1, 0, 100, 10), LS_OK);
  assert_null(pop(m, 10)); /* partition 0 has shown nothing yet */
  assert_int_equal(push(m, 0, 0, 120, 10), LS_OK);
  assert_int_equal(NUM(pop(m, 10)), 1000); /* 100 before 120 */
  assert_null(pop(m, 10));                 /* partition 1 may still deliver 100..120 */
  assert_int_equal(push(m, 1, 1, 130, 10), LS_OK);
  assert_int_equal(NUM(pop(m, 10)), 0);    /* it has shown 130 */
  assert_null(pop(m, 10));                 /* partition 0 may still deliver 120..130 */
  ls_merge_eof(m, 0);
  assert_int_equal(NUM(pop(m, 10)), 1001); /* partition 0 is at its end */
  assert_int_equal(ls_merge_bytes(m), 0);
  ls_merge_destroy(m, count_drop, NULL);
}

static void test_equal_timestamps_by_partition(void **state) {
  (void)state;
  struct ls_merge *m = merge_of(3, 500);
  assert_int_equal(push(m, 2, 0, 50, 1), LS_OK);
  assert_int_equal(push(m, 0, 0, 50, 1), LS_OK);
  assert_null(pop(m, 0)); /* partition 1 may still deliver 50 */
  assert_int_equal(push(m, 1, 0, 50, 1), LS_OK);
  assert_int_equal(NUM(pop(m, 0)), 0);
  assert_null(pop(m, 0)); /* partition 0 may still deliver another 50, before partition 1's */
  assert_int_equal(push(m, 0, 1, 60, 1), LS_OK);
  assert_int_equal(NUM(pop(m, 0)), 1000);
  assert_null(pop(m, 0)); /* partition 1 may still deliver another 50 */
  ls_merge_eof(m, 1);
  assert_int_equal(NUM(pop(m, 0)), 2000);
  assert_null(pop(m, 0)); /* partition 2 may still deliver 50..60 */
  ls_merge_eof(m, 2);
  assert_int_equal(NUM(pop(m, 0)), 1);
  ls_merge_destroy(m, count_drop, NULL);
}

static void test_idle_hold_and_no_timestamp(void **state) {
  (void)state;
  struct ls_merge *m = merge_of(3, 500);
  assert_int_equal(push(m, 0, 0, 10, 1), LS_OK);
  ls_merge_hold(m, 1, true); /* the replay gate paused partition 1 */
  assert_null(pop(m, 499)); /* partition 2 is waited for 500 ms ... */
  behind_of[2] = true; /* the broker has messages for it: waited for up to 10 x 500 ms */
  assert_null(pop(m, 4999));
  assert_int_equal(ls_merge_gave_up(m, NULL), 0);
  assert_int_equal(NUM(pop(m, 5000)), 0);
  assert_int_equal(ls_merge_gave_up(m, NULL), 1); /* counted once per empty spell */
  behind_of[2] = false;
  assert_int_equal(push(m, 2, 0, -1, 1), LS_OK); /* no timestamp: 0, the first of its lane */
  assert_int_equal(push(m, 2, 1, -1, 1), LS_OK);
  assert_int_equal(NUM(pop(m, 500)), 2000);
  assert_int_equal(NUM(pop(m, 500)), 2001);
  ls_merge_destroy(m, count_drop, NULL);
}

static void test_idle_only_when_caught_up(void **state) {
  (void)state;
  struct ls_merge *m = merge_of(2, 500);
  assert_int_equal(push(m, 0, 0, 10, 1), LS_OK);
  assert_null(pop(m, 499));
  assert_int_equal(NUM(pop(m, 500)), 0); /* partition 1: nothing on the broker */
  ls_merge_destroy(m, count_drop, NULL);
}

static void test_revoked_partition_dropped(void **state) {
  (void)state;
  dropped = 0;
  struct ls_merge *m = merge_of(2, 500);
  for (int o = 0; o < 100; o++) assert_int_equal(push(m, 1, o, o, 7), LS_OK); /* grows past 64 */
  assert_int_equal(push(m, 0, 0, 1000, 7), LS_OK);
  assert_int_equal(ls_merge_bytes(m), 101 * 7);
  assert_true(ls_merge_queued(m, 1));
  int32_t keep[] = {0};
  assert_int_equal(ls_merge_assign(m, keep, 1, 0, count_drop, NULL), LS_OK);
  assert_int_equal(dropped, 100);
  assert_false(ls_merge_queued(m, 1));
  assert_int_equal(ls_merge_bytes(m), 7);
  assert_int_equal(push(m, 1, 100, 5, 7), LS_EINVAL); /* no longer assigned */
  assert_int_equal(NUM(pop(m, 0)), 0); /* nothing else to wait for */
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
        assert_int_equal(push(m, p, next[p], ts[p][next[p]], 1), LS_OK);
      if (next[p] == N) ls_merge_eof(m, p);
      void *x;
      while ((x = pop(m, 0))) {
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


/* Two producers of one stage partition (sources 7 and 9), each in event-time order, their
 * records interleaved in the log out of order: they leave in event time, and each pop says how
 * far the partition may be acknowledged (the lowest offset still queued). */
static void test_sources_of_one_partition(void **state) {
  (void)state;
  struct ls_merge *m = merge_of(1, 500);
  int64_t pos;
  assert_int_equal(ls_merge_push(m, MSG(0, 0), 0, 7, 0, 100, 1, 0), LS_OK);
  assert_int_equal(ls_merge_push(m, MSG(0, 1), 0, 7, 1, 300, 1, 0), LS_OK);
  assert_int_equal(NUM(ls_merge_pop(m, 0, &pos)), 0); /* source 9 not heard of yet: nothing to wait for */
  assert_int_equal(pos, 1);
  assert_int_equal(ls_merge_push(m, MSG(0, 2), 0, 9, 2, 200, 1, 0), LS_OK);
  assert_int_equal(NUM(ls_merge_pop(m, 0, &pos)), 2); /* 200 before 300, though later in the log */
  assert_int_equal(pos, 1);                           /* offset 1 still queued */
  assert_null(ls_merge_pop(m, 100, &pos));            /* source 9 may still send 200..300 */
  assert_int_equal(ls_merge_mark(m, 0, 9, 3, 250, false, 100), LS_OK);
  assert_null(ls_merge_pop(m, 100, &pos)); /* it has come to 250 only */
  assert_int_equal(ls_merge_mark(m, 0, 9, 4, 400, false, 120), LS_OK);
  assert_int_equal(NUM(ls_merge_pop(m, 120, &pos)), 1);
  assert_int_equal(pos, 5); /* nothing queued: after the last watermark */
  assert_int_equal(ls_merge_mark(m, 0, 0, 5, 400, false, 120), LS_EINVAL); /* a watermark needs a source */
  ls_merge_destroy(m, count_drop, NULL);
}

/* What ends a wait for a source: its watermark, its idle mark, or its silence (killed), which is
 * counted; a live source is waited for even at the partition's end. */
static void test_what_ends_a_wait_for_a_source(void **state) {
  (void)state;
  struct ls_merge *m = merge_of(2, 500);
  assert_int_equal(ls_merge_mark(m, 1, 5, 0, 50, false, 0), LS_OK);
  assert_int_equal(ls_merge_push(m, MSG(0, 0), 0, 3, 0, 100, 1, 0), LS_OK);
  ls_merge_eof(m, 1);
  assert_null(ls_merge_pop(m, 400, NULL)); /* source 5 of partition 1 is at 50, live, at the end */
  assert_int_equal(ls_merge_mark(m, 1, 5, 1, 60, true, 400), LS_OK);
  assert_int_equal(NUM(ls_merge_pop(m, 400, NULL)), 0); /* it is idle */
  assert_int_equal(ls_merge_push(m, MSG(1, 2), 1, 5, 2, 200, 1, 450), LS_OK);
  assert_int_equal(ls_merge_push(m, MSG(0, 1), 0, 3, 1, 300, 1, 450), LS_OK);
  assert_int_equal(NUM(ls_merge_pop(m, 450, NULL)), 1002);
  assert_null(ls_merge_pop(m, 900, NULL)); /* source 5 is busy again: may still send 200..300 */
  assert_int_equal(ls_merge_gave_up(m, NULL), 0);
  assert_int_equal(ls_merge_mark(m, 0, 3, 2, 300, false, 900), LS_OK); /* source 3 is heard: the reader is not stalled */
  assert_int_equal(NUM(ls_merge_pop(m, 950, NULL)), 1); /* source 5 silent for 500 ms: gone */
  struct ls_merge_give_up g;
  assert_int_equal(ls_merge_gave_up(m, &g), 1);
  assert_int_equal(g.partition, 1); /* what the log says of it */
  assert_int_equal(g.source, 5);
  assert_int_equal(g.quiet_ms, 500);
  assert_int_equal(g.last_key, 200);
  assert_int_equal(g.messages, 1);
  ls_merge_destroy(m, count_drop, NULL);
  /* a partition still behind on the broker may hold the silent source's records: it is waited
   * for up to 10 x wait_ms, not longer (a dead source's partition stalls the merge only so long) */
  m = merge_of(2, 500);
  behind_of[1] = true;
  assert_int_equal(ls_merge_mark(m, 1, 5, 0, 50, false, 0), LS_OK);
  assert_int_equal(ls_merge_push(m, MSG(0, 0), 0, 3, 0, 100, 1, 0), LS_OK);
  for (int64_t now = 100; now < 5000; now += 100) {
    assert_int_equal(ls_merge_mark(m, 0, 3, 1, 100, false, now), LS_OK); /* source 3 is heard */
    assert_null(ls_merge_pop(m, now, NULL));
  }
  assert_null(ls_merge_pop(m, 4999, NULL));
  assert_int_equal(NUM(ls_merge_pop(m, 5000, NULL)), 0);
  behind_of[1] = false;
  ls_merge_destroy(m, count_drop, NULL);
  /* nothing heard at all for wait_ms: the reader or the broker stalled, not the source; waited
   * for up to 10 x wait_ms */
  m = merge_of(2, 500);
  assert_int_equal(ls_merge_mark(m, 1, 5, 0, 50, false, 0), LS_OK);
  assert_int_equal(ls_merge_push(m, MSG(0, 0), 0, 3, 0, 100, 1, 0), LS_OK);
  assert_null(ls_merge_pop(m, 4999, NULL));
  assert_int_equal(NUM(ls_merge_pop(m, 5000, NULL)), 0);
  ls_merge_destroy(m, count_drop, NULL);
  /* a source heard on another partition is alive: its records here are on their way (a starved
   * reader), waited for up to 10 x wait_ms */
  m = merge_of(2, 500);
  assert_int_equal(ls_merge_mark(m, 1, 5, 0, 50, false, 0), LS_OK);
  assert_int_equal(ls_merge_push(m, MSG(0, 0), 0, 5, 0, 100, 1, 0), LS_OK);
  for (int64_t now = 100; now < 5000; now += 100) {
    assert_int_equal(ls_merge_mark(m, 0, 5, 1, 100, false, now), LS_OK); /* heard on partition 0 */
    assert_null(ls_merge_pop(m, now, NULL));
  }
  assert_int_equal(ls_merge_gave_up(m, NULL), 0);
  assert_int_equal(NUM(ls_merge_pop(m, 5000, NULL)), 0);
  assert_int_equal(ls_merge_gave_up(m, NULL), 1);
  ls_merge_destroy(m, count_drop, NULL);
}

/* Above max_bytes no source's lane is waited for, nor a partition that queues (the consumer
 * pauses those there): what is queued leaves, never waiting for a record behind the ones held. */
/* A source is one process: given up on one partition, it is not waited for on the others (a
 * restarted reader whose re-read emptied a dead source's lanes one partition after another
 * stalled wait_ms, up to 10 x, per partition), until a mark of it arrives where its partition is
 * caught up (alive after all). */
static void test_source_given_up_everywhere(void **state) {
  (void)state;
  struct ls_merge *m = merge_of(2, 500);
  assert_int_equal(ls_merge_push(m, MSG(0, 0), 0, 5, 0, 100, 1, 0), LS_OK); /* source 5: a record on each */
  assert_int_equal(ls_merge_push(m, MSG(1, 0), 1, 5, 0, 150, 1, 0), LS_OK);
  assert_int_equal(ls_merge_push(m, MSG(0, 1), 0, 3, 1, 1000, 1, 0), LS_OK);
  assert_int_equal(ls_merge_push(m, MSG(1, 1), 1, 3, 1, 1100, 1, 0), LS_OK);
  assert_int_equal(NUM(pop(m, 0)), 0); /* source 5's lane of partition 0 is empty now */
  assert_null(pop(m, 100));
  assert_int_equal(ls_merge_mark(m, 0, 3, 2, 2000, false, 550), LS_OK); /* source 3 is heard */
  assert_int_equal(NUM(pop(m, 600)), 1000); /* source 5 given up on partition 0, silent for 600 ms */
  /* its lane of partition 1 has just emptied: not waited for, source 5 is gone */
  assert_int_equal(NUM(pop(m, 600)), 1);
  assert_int_equal(NUM(pop(m, 600)), 1001);
  assert_int_equal(ls_merge_gave_up(m, NULL), 1);
  /* a mark of it where its partition is caught up: alive after all, waited for again */
  assert_int_equal(ls_merge_mark(m, 1, 5, 2, 1200, false, 700), LS_OK);
  assert_int_equal(ls_merge_push(m, MSG(1, 3), 1, 3, 3, 1300, 1, 700), LS_OK);
  assert_null(pop(m, 700));
  ls_merge_destroy(m, count_drop, NULL);
}

static void test_byte_bound_ends_waits(void **state) {
  (void)state;
  struct ls_merge *m;
  struct ls_err e;
  assert_int_equal(ls_merge_create(&m, 500, 100, behind_set, NULL, &e), LS_OK);
  int32_t one[] = {0};
  assert_int_equal(ls_merge_assign(m, one, 1, 0, count_drop, NULL), LS_OK);
  assert_int_equal(ls_merge_mark(m, 0, 9, 0, 10, false, 0), LS_OK);
  assert_int_equal(ls_merge_push(m, MSG(0, 1), 0, 7, 1, 100, 60, 0), LS_OK);
  assert_null(ls_merge_pop(m, 0, NULL)); /* source 9 is at 10 */
  assert_int_equal(ls_merge_push(m, MSG(0, 2), 0, 7, 2, 110, 60, 0), LS_OK);
  assert_int_equal(NUM(ls_merge_pop(m, 0, NULL)), 1); /* 120 bytes held */
  assert_null(ls_merge_pop(m, 0, NULL));               /* 60: waiting again */
  ls_merge_destroy(m, count_drop, NULL);
  /* a partition that queues nothing is not paused, so it is still waited for above the bound */
  assert_int_equal(ls_merge_create(&m, 500, 100, behind_set, NULL, &e), LS_OK);
  int32_t two[] = {0, 1};
  assert_int_equal(ls_merge_assign(m, two, 2, 0, count_drop, NULL), LS_OK);
  assert_int_equal(ls_merge_push(m, MSG(0, 1), 0, 0, 1, 100, 60, 0), LS_OK);
  assert_int_equal(ls_merge_push(m, MSG(0, 2), 0, 0, 2, 110, 60, 0), LS_OK);
  assert_null(ls_merge_pop(m, 0, NULL)); /* 120 bytes, partition 1 empty and waited for */
  assert_int_equal(NUM(ls_merge_pop(m, 500, NULL)), 1);
  ls_merge_destroy(m, count_drop, NULL);
}

/* Three sources writing two partitions in event-time order, their records interleaved in each
 * log at random and watermarks sent now and then (seeds 1..20): always released in (timestamp,
 * partition, source) order, and the positions never pass a record still queued. */
static void test_sources_under_any_interleaving(void **state) {
  (void)state;
  enum { P = 2, S = 3, N = 200 };
  for (unsigned seed = 1; seed <= 20; seed++) {
    srand(seed);
    struct ls_merge *m = merge_of(P, 500);
    int64_t t[S] = {0}, offset[P] = {0}, ts[P][1000], wall = 0;
    int sent[S] = {0}, out = 0, src[P][1000];
    bool queued[P][1000] = {{false}};
    int64_t last_t = -1;
    int last_q = -1, last_s = -1;
    for (int s = 0; s < S; s++) /* each producer's first watermark */
      for (int k = 0; k < P; k++) assert_int_equal(ls_merge_mark(m, k, (uint64_t)s + 1, offset[k]++, 0, false, 0), LS_OK);
    while (out < S * N) {
      int s = rand() % S, q = rand() % P;
      if (sent[s] < N) {
        t[s] += rand() % 4;
        int o = (int)offset[q]++;
        queued[q][o] = true, ts[q][o] = t[s], src[q][o] = s;
        assert_int_equal(ls_merge_push(m, MSG(q, o), q, (uint64_t)s + 1, o, t[s], 1, wall), LS_OK);
        sent[s]++;
      }
      if (rand() % 4 == 0 || sent[s] == N)
        for (int k = 0; k < P; k++) assert_int_equal(ls_merge_mark(m, k, (uint64_t)s + 1, offset[k]++, t[s], sent[s] == N, wall), LS_OK);
      void *x;
      int64_t pos;
      while ((x = ls_merge_pop(m, wall, &pos))) {
        int q2 = NUM(x) / 1000, o = NUM(x) % 1000;
        bool after = ts[q2][o] > last_t || (ts[q2][o] == last_t && (q2 > last_q || (q2 == last_q && src[q2][o] >= last_s)));
        assert_true(after);
        last_t = ts[q2][o], last_q = q2, last_s = src[q2][o];
        queued[q2][o] = false;
        for (int k = 0; k < pos; k++) assert_false(queued[q2][k]);
        out++;
      }
      wall++; /* 1 ms a step: no live source falls silent */
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
      cmocka_unit_test(test_sources_of_one_partition),
      cmocka_unit_test(test_what_ends_a_wait_for_a_source),
      cmocka_unit_test(test_source_given_up_everywhere),
      cmocka_unit_test(test_byte_bound_ends_waits),
      cmocka_unit_test(test_sources_under_any_interleaving),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
