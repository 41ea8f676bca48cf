/* Unit tests: campaign event encodings — JSON has the contract's fields (ids as strings), and
 * protobuf lockstep.Campaign round-trips through protobuf-c; the operation is in both when the
 * campaign has one, and absent when it has none. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.pb-c.h"
#include "lockstep/campaign.h"

static const uint64_t ACCOUNTS[3] = {11, 22, 18446744073709551615ULL};
static const char USERNAMES[3][LS_USERNAME_MAX] = {"alice", "", "bob"};

static const struct ls_evidence EVIDENCE = {
    .top = {{.a = 11, .b = 22, .weight = 2.5, .w = {[LS_SIG_TWEET] = 2, [LS_SIG_LINK] = 0.5f}}},
    .n_top = 1, .hist_start_ms = 1709294400000LL, .hist = {3, 0, 7}, .n_hist = 3, .mean_gap_s = 4.5};

static struct ls_campaign_event event(void) {
  struct ls_campaign_event e = {.version = 3, .state = LS_CAMPAIGN_UPDATED, .first_seen_ms = 1709294400000LL,
                                .last_seen_ms = 1709294460500LL, .as_of_ms = 1709294461000LL, .qualified_ms = 1709294460500LL, .score = 0.75, .accounts = ACCOUNTS,
                                .usernames = USERNAMES, .n_accounts = 3,
                                .tweet_count = 42, .samples = {5, 6}, .n_samples = 2, .text = "say \"this\""};
  strcpy(e.id, "c0123456789abcdef");
  e.signals[LS_SIG_TWEET] = 9;
  e.signals[LS_SIG_LINK] = 4;
  e.parts = (struct ls_score_parts){.size = 0.25, .synchrony = 0.5, .content = 1, .diversity = 0.75, .accounts = 0};
  e.ev = &EVIDENCE;
  strcpy(e.split_from, "cfedcba9876543210");
  e.operation = (struct ls_operation_ref){.id = "o0123456789abcdef", .active = true, .first_seen_ms = 1709290800000LL,
                                          .last_seen_ms = 1709294460500LL, .campaigns = 2, .accounts = 7, .score = 0.8,
                                          .n_merged = 1, .merged_from = {"o00000000000000aa"}};
  return e;
}

static void test_json(void **state) {
  (void)state;
  struct ls_campaign_event e = event();
  struct ls_jw w;
  ls_jw_init(&w);
  ls_campaign_to_json(&e, &w);
  assert_string_equal(w.buf, "{\"campaign_id\":\"c0123456789abcdef\",\"version\":3,\"state\":\"updated\","
                             "\"first_seen\":\"2024-03-01T12:00:00.000Z\",\"last_seen\":\"2024-03-01T12:01:00.500Z\","
                             "\"as_of\":\"2024-03-01T12:01:01.000Z\",\"qualified_at\":\"2024-03-01T12:01:00.500Z\","
                             "\"score\":0.75,\"accounts\":[\"11\",\"22\",\"18446744073709551615\"],"
                             "\"usernames\":[\"alice\",null,\"bob\"],\"tweet_count\":42,"
                             "\"signals\":{\"co-tweet\":9,\"co-link\":4},\"sample_tweet_ids\":[\"5\",\"6\"],"
                             "\"representative_text\":\"say \\\"this\\\"\","
                             "\"score_parts\":{\"size\":0.25,\"synchrony\":0.5,\"content\":1,\"diversity\":0.75,\"accounts\":0},"
                             "\"mean_gap_s\":4.5,\"strongest_edges\":[{\"source\":\"11\",\"target\":\"22\",\"weight\":2.5,"
                             "\"signals\":{\"co-tweet\":2,\"co-link\":0.5}}],"
                             "\"activity\":{\"start\":\"2024-03-01T12:00:00.000Z\",\"per_minute\":[3,0,7]},"
                             "\"split_from\":\"cfedcba9876543210\",\"operation_id\":\"o0123456789abcdef\","
                             "\"operation\":{\"state\":\"active\",\"first_seen\":\"2024-03-01T11:00:00.000Z\","
                             "\"last_seen\":\"2024-03-01T12:01:00.500Z\",\"campaigns\":2,\"accounts\":7,\"score\":0.8,"
                             "\"merged_from\":[\"o00000000000000aa\"]}}");
  e.operation.id[0] = '\0'; /* no operation: no fields */
  ls_jw_reset(&w);
  ls_campaign_to_json(&e, &w);
  assert_null(strstr(w.buf, "operation"));
  ls_jw_free(&w);
}

static void test_protobuf(void **state) {
  (void)state;
  struct ls_campaign_event e = event();
  uint8_t *buf = NULL;
  size_t cap = 0, n = ls_campaign_to_protobuf(&e, &buf, &cap);
  assert_true(n > 0);
  Lockstep__Campaign *m = lockstep__campaign__unpack(NULL, n, buf);
  assert_non_null(m);
  assert_string_equal(m->campaign_id, "c0123456789abcdef");
  assert_int_equal(m->version, 3);
  assert_string_equal(m->state, "updated");
  assert_int_equal(m->n_accounts, 3);
  assert_true(m->accounts[2] == ACCOUNTS[2]);
  assert_int_equal(m->n_usernames, 3);
  assert_string_equal(m->usernames[0], "alice");
  assert_string_equal(m->usernames[1], "");
  assert_int_equal(m->n_signals, 2);
  assert_string_equal(m->signals[0]->signal, "co-tweet");
  assert_string_equal(m->first_seen, "2024-03-01T12:00:00.000Z");
  assert_float_equal(m->score_parts->diversity, 0.75, 1e-12);
  assert_int_equal(m->n_strongest_edges, 1);
  assert_true(m->strongest_edges[0]->source == 11 && m->strongest_edges[0]->target == 22);
  assert_int_equal(m->strongest_edges[0]->n_signals, 2);
  assert_string_equal(m->strongest_edges[0]->signals[1]->signal, "co-link");
  assert_int_equal(m->activity->n_counts, 3);
  assert_int_equal(m->activity->counts[2], 7);
  assert_string_equal(m->split_from, "cfedcba9876543210");
  assert_string_equal(m->merged_into, "");
  assert_true(m->as_of_ms == 1709294461000LL);
  assert_string_equal(m->operation_id, "o0123456789abcdef");
  assert_non_null(m->operation);
  assert_string_equal(m->operation->state, "active");
  assert_true(m->operation->first_seen_ms == 1709290800000LL);
  assert_int_equal(m->operation->campaigns, 2);
  assert_int_equal(m->operation->accounts, 7);
  assert_int_equal(m->operation->n_merged_from, 1);
  assert_string_equal(m->operation->merged_from[0], "o00000000000000aa");
  lockstep__campaign__free_unpacked(m, NULL);
  free(buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_json), cmocka_unit_test(test_protobuf)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
