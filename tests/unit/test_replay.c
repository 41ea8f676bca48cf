/* Unit tests: the replay reader cutting CSV files into records as the CSV decoder reads quotes
 * (a quote inside a field is a byte, a quoted field may hold newlines and ""), and an empty file
 * replayed as CSV (fuzz_replay). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lockstep/replay.h"
#include "tmpfile_fixture.h"

#define NOW 1709294400000LL /* 2024-03-01T12:00:00Z */
#define HEADER "message_id,user_id,username,repost_id,reply_id,message,timestamp,urls\n"

/* Replays text as CSV to the end; the tweets' ids go to ids (at most 8), the counters to *stats. */
static size_t replay_csv(const char *text, uint64_t *ids, struct ls_source_stats *stats) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
  struct ls_ring *ring;
  struct ls_err err;
  assert_int_equal(ls_ring_create(&ring, 8, 4096, &err), LS_OK);
  const struct ls_log quiet = {.min_level = LS_LOG_ERROR + 1};
  struct ls_replay_conf conf = {.path = path, .format = LS_FMT_CSV, .ring = ring, .log = &quiet};
  ls_decode_limits_default(&conf.limits);
  conf.limits.now_ms = NOW;
  struct ls_replay *r;
  assert_int_equal(ls_replay_open(&r, &conf, &err), LS_OK);
  assert_int_equal(ls_replay_start(r, &err), LS_OK);
  size_t n = 0;
  for (bool done = false; !done;) {
    done = ls_replay_finished(r); /* then every tweet is in the ring */
    size_t k = ls_ring_readable(ring);
    for (size_t i = 0; i < k; i++, n++)
      if (n < 8) ids[n] = ls_ring_peek(ring, i)->tweet.id;
    ls_ring_release(ring, k);
    sched_yield();
  }
  struct ls_source_stats *s = ls_replay_stats(r);
  stats->messages = s->messages;
  stats->tweets = s->tweets;
  stats->rejected = s->rejected;
  ls_replay_close(r);
  ls_ring_destroy(ring);
  return n;
}

static void test_csv_quotes(void **state) {
  (void)state;
  uint64_t ids[8];
  struct ls_source_stats s;
  /* A quote inside a field used to open a quoted field: the next records joined this one, uncounted. */
  assert_int_equal(replay_csv(HEADER "1,2,x,,,a 5\" screen,1709294400,\n3,4,y,,,second,1709294401,\n"
                                     "5,6,z,,,third,1709294402,\n",
                              ids, &s),
                   3);
  assert_true(ids[0] == 1 && ids[1] == 3 && ids[2] == 5);
  assert_true(s.messages == 3 && s.tweets == 3 && s.rejected == 0);
  /* A quoted field holds a newline, a comma and "" (a quote). */
  assert_int_equal(
      replay_csv(HEADER "1,2,\"x\",,,\"two\nlines, \"\"quoted\"\"\",1709294400,\r\n3,4,,,,ok,1709294401,\n", ids, &s),
      2);
  assert_true(ids[0] == 1 && ids[1] == 3);
  assert_true(s.messages == 2 && s.rejected == 0);
}

static void test_csv_empty_file(void **state) {
  (void)state;
  uint64_t ids[8];
  struct ls_source_stats s;
  assert_int_equal(replay_csv("", ids, &s), 0); /* nothing to map: the header is not read from NULL */
  assert_true(s.messages == 0 && s.rejected == 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_csv_quotes), cmocka_unit_test(test_csv_empty_file)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
