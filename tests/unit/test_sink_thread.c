/* Unit tests: a sink on its own thread (sink_thread.c) in front of a scripted inner sink whose
 * flush can be frozen, as a hung Redis freezes it — writes return while the service hangs,
 * events arrive whole and in order, flush reports clean only once everything is delivered, the
 * checkpoint's pending() sees events still queued, counters and stats pass through, and what is
 * queued at exit reaches the inner sink. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lockstep/sink.h"

#define MAX_EVENTS 4096

/* The scripted service: events land in `got` (id, first account, text); flush() blocks while
 * `frozen` and delivers what it holds otherwise. Only the sink's thread (or a caller holding
 * it) touches the non-atomic fields. */
struct script {
  atomic_bool frozen, in_flush;
  char ids[MAX_EVENTS][LS_CAMPAIGN_ID_MAX];
  uint64_t first_account[MAX_EVENTS];
  char texts[MAX_EVENTS][32];
  size_t got, delivered;
  _Atomic uint64_t stat_value;
  atomic_int destroyed_with; /* events held when destroyed, -1 before */
};

static int s_write(struct ls_sink *s, const struct ls_campaign_event *e) {
  struct script *x = s->ctx;
  snprintf(x->ids[x->got], sizeof x->ids[0], "%s", e->id);
  x->first_account[x->got] = e->n_accounts ? e->accounts[0] : 0;
  snprintf(x->texts[x->got], sizeof x->texts[0], "%s", e->text ? e->text : "");
  x->got++;
  return LS_OK;
}

static int s_flush(struct ls_sink *s, int timeout_ms) {
  (void)timeout_ms;
  struct script *x = s->ctx;
  atomic_store(&x->in_flush, true);
  while (atomic_load(&x->frozen)) nanosleep(&(struct timespec){0, 1000000}, NULL);
  atomic_store(&x->in_flush, false);
  s->written += x->got - x->delivered;
  x->delivered = x->got;
  return LS_OK;
}

static size_t s_held(struct ls_sink *s) {
  struct script *x = s->ctx;
  return x->got - x->delivered;
}

static void s_stats(struct ls_sink *s, const char *const *fields, const uint64_t *values, int n) {
  struct script *x = s->ctx;
  for (int i = 0; i < n; i++)
    if (!strcmp(fields[i], "tweets_processed")) x->stat_value = values[i];
}

static void s_pending(struct ls_sink *s, struct ls_snap *w) {
  struct script *x = s->ctx;
  ls_snap_u64(w, x->got);
}

static void s_destroy(struct ls_sink *s) {
  struct script *x = s->ctx;
  atomic_store(&x->destroyed_with, (int)(x->got - x->delivered));
  free(s);
}

static const struct ls_sink_i SCRIPT_I = {.name = "script", .write = s_write, .flush = s_flush, .held = s_held,
                                          .publish_stats = s_stats, .pending = s_pending, .destroy = s_destroy};

static struct ls_sink *threaded(struct script *x) {
  memset(x, 0, sizeof *x);
  atomic_store(&x->destroyed_with, -1);
  struct ls_sink *inner = calloc(1, sizeof *inner), *s;
  *inner = (struct ls_sink){.i = &SCRIPT_I, .ctx = x};
  struct ls_err err;
  assert_int_equal(ls_sink_thread_create(&s, inner, &err), LS_OK);
  return s;
}

/* An event whose pointers lead into buffers the caller overwrites after write(). */
static void write_event(struct ls_sink *s, int n) {
  uint64_t accounts[3] = {1000u + (uint64_t)n, 2, 3};
  char text[32];
  struct ls_evidence ev = {.n_top = 0};
  snprintf(text, sizeof text, "text %d", n);
  struct ls_campaign_event e = {.version = 1, .accounts = accounts, .n_accounts = 3, .text = text, .ev = &ev};
  snprintf(e.id, sizeof e.id, "c%06d", n);
  assert_int_equal(s->i->write(s, &e), LS_OK);
  memset(accounts, 0xff, sizeof accounts);
  memset(text, 'x', sizeof text - 1);
}

static void wait_in_flush(struct script *x) {
  for (int i = 0; i < 5000 && !atomic_load(&x->in_flush); i++) nanosleep(&(struct timespec){0, 1000000}, NULL);
  assert_true(atomic_load(&x->in_flush));
}

/* A threaded sink whose thread is stuck in the service with the first of n events; the other
 * n - 1 wait in its queue. The service stays frozen. */
static struct ls_sink *queued_behind_a_hang(struct script *x, int n) {
  struct ls_sink *s = threaded(x);
  atomic_store(&x->frozen, true);
  write_event(s, 0);
  wait_in_flush(x);
  for (int k = 1; k < n; k++) write_event(s, k);
  return s;
}

static void test_writes_go_on_while_the_service_hangs(void **state) {
  (void)state;
  struct script x;
  struct ls_sink *s = queued_behind_a_hang(&x, 2000); /* every write returned */
  assert_int_equal(s->i->flush(s, 0), LS_EUNAVAIL);
  assert_true(s->i->held(s) >= 1999); /* queued behind the frozen flush: the pipeline's back-pressure */
  atomic_store(&x.frozen, false);
  assert_int_equal(s->i->flush(s, 10000), LS_OK);
  assert_int_equal(s->i->held(s), 0);
  assert_int_equal(s->written, 2000);
  assert_int_equal(x.got, 2000);
  for (int n = 0; n < 2000; n++) { /* in order, and copied whole before the caller's buffers changed */
    char id[LS_CAMPAIGN_ID_MAX], text[32];
    snprintf(id, sizeof id, "c%06d", n);
    snprintf(text, sizeof text, "text %d", n);
    assert_string_equal(x.ids[n], id);
    assert_int_equal(x.first_account[n], 1000u + (uint64_t)n);
    assert_string_equal(x.texts[n], text);
  }
  s->i->destroy(s);
  assert_int_equal(atomic_load(&x.destroyed_with), 0);
}

static void test_pending_sees_queued_events(void **state) {
  (void)state;
  struct script x;
  struct ls_sink *s = queued_behind_a_hang(&x, 10);
  atomic_store(&x.frozen, false); /* pending() waits for the pass under way, then hands the queue over */
  struct ls_snap w = {0};
  s->i->pending(s, &w);
  struct ls_snap_reader r;
  ls_snap_reader_init(&r, w.buf, w.len);
  assert_int_equal(ls_snap_get_u64(&r), 10);
  ls_snap_free(&w);
  s->i->destroy(s);
}

static void test_stats_and_counters_pass_through(void **state) {
  (void)state;
  struct script x;
  struct ls_sink *s = threaded(&x);
  const char *fields[] = {"tweets_processed"};
  uint64_t values[] = {41};
  s->i->publish_stats(s, fields, values, 1);
  values[0] = 42; /* the latest published wins */
  s->i->publish_stats(s, fields, values, 1);
  write_event(s, 0);
  assert_int_equal(s->i->flush(s, 10000), LS_OK);
  for (int i = 0; i < 5000 && x.stat_value != 42; i++) nanosleep(&(struct timespec){0, 1000000}, NULL);
  assert_int_equal(x.stat_value, 42);
  assert_int_equal(s->written, 1);
  assert_int_equal(s->failed, 0);
  s->i->destroy(s);
}

static void test_exit_hands_the_queue_over(void **state) {
  (void)state;
  struct script x;
  struct ls_sink *s = queued_behind_a_hang(&x, 5);
  atomic_store(&x.frozen, false);
  s->i->destroy(s);
  assert_int_equal(x.got, 5);
  assert_true(atomic_load(&x.destroyed_with) >= 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_writes_go_on_while_the_service_hangs),
      cmocka_unit_test(test_pending_sees_queued_events),
      cmocka_unit_test(test_stats_and_counters_pass_through),
      cmocka_unit_test(test_exit_hands_the_queue_over),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
