/* fuzz_checkpoint.c — libFuzzer target for the checkpoint readers (snapshot.h): each input is
 * read as the graph's, the activity sketch's and the tracker's sections in turn, as a restore
 * reads them (small capacities, fixed here, so that real checkpoints of these capacities are
 * the seeds). Checks, besides no crash and no sanitizer report:
 *   - each load returns LS_OK, or an error with a "checkpoint:" reason, and a tracker that failed
 *     to load holds no campaign;
 *   - what loaded is usable: the tracker's next round (no groups, an hour later: every campaign
 *     closes) emits events whose JSON is written in full, and the graph clusters;
 *   - saving what loaded and loading that again gives the same bytes (load and save agree).
 * LS_FUZZ_WRITE_SEED=FILE writes a real checkpoint of these capacities to FILE and exits: how
 * the seed corpus/fuzz_checkpoint/state was made. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/activity.h"
#include "lockstep/backend.h"
#include "lockstep/graph.h"
#include "lockstep/json.h"
#include "lockstep/tracker.h"

#include "fuzz_check.h"

static const struct ls_graph_conf GRAPH = {.max_edges = 1024, .max_accounts = 1024, .min_accounts = 3, .edge_ttl_ms = 3600000,
                                           .min_edge_weight = 2, .min_account_evidence = 2};
static const struct ls_tracker_conf TRACKER = {.min_accounts = 3, .min_score = 0, .close_after_ms = 600000,
                                               .ops = {.memory_ms = 3600000, .min_shared_objects = 2}};
static struct ls_backend *be;
static struct ls_jw jw;

struct state {
  struct ls_graph *g;
  struct ls_activity *a;
  struct ls_tracker *t;
};

static void create(struct state *s) {
  struct ls_err e;
  CHECK(ls_graph_create(&s->g, &GRAPH, &e) == LS_OK && ls_activity_create(&s->a, 1024, 3600000, &e) == LS_OK &&
            ls_tracker_create(&s->t, &TRACKER, &e) == LS_OK,
        "%s", e.msg);
}

static void destroy(struct state *s) {
  ls_graph_destroy(s->g);
  ls_activity_destroy(s->a);
  ls_tracker_destroy(s->t);
}

static void save(const struct state *s, struct ls_snap *w) {
  ls_graph_save(s->g, w);
  ls_activity_save(s->a, w);
  ls_tracker_save(s->t, w);
}

/* @returns whether all three loaded. */
static bool load(struct state *s, const uint8_t *data, size_t n) {
  struct ls_snap_reader r;
  struct ls_err e;
  ls_snap_reader_init(&r, data, n);
  int rc = ls_graph_load(s->g, &r, &e);
  if (rc == LS_OK) rc = ls_activity_load(s->a, &r, &e);
  if (rc == LS_OK) rc = ls_tracker_load(s->t, &r, &e);
  if (rc != LS_OK) {
    CHECK(rc == LS_ENOMEM || strncmp(e.msg, "checkpoint:", 11) == 0, "reason \"%s\"", e.msg);
    return false;
  }
  return true;
}

static void on_event(void *ud, const struct ls_campaign_event *ev) {
  (void)ud;
  ls_jw_reset(&jw);
  ls_campaign_to_json(ev, &jw);
  CHECK(jw.oom || (jw.len > 0 && jw.buf[jw.len - 1] == '}'), "event JSON cut short");
}

/* A small real state: a ring of five accounts co-tweeting, clustered into one campaign. */
static void write_seed(const char *path) {
  struct state s;
  create(&s);
  struct ls_err e;
  for (int k = 0; k < 3; k++)
    for (uint64_t a = 1; a <= 5; a++) {
      ls_graph_add(s.g, 100 + a, 100 + a % 5 + 1, LS_SIG_TWEET, 60000 + k * 1000, 1, 2000);
      ls_graph_object(s.g, 100 + a, 7777);
      ls_activity_add(s.a, 100 + a, 60000 + k * 1000);
      struct ls_tweet tw = {.id = 1000 * a + (uint64_t)k, .author_id = 100 + a, .created_at_ms = 60000 + k * 1000, .text = "the same text",
                            .text_len = 13, .username = "someone"};
      ls_graph_touch(s.g, &tw);
    }
  struct ls_groups gs;
  CHECK(ls_graph_cluster(s.g, be, 2, 70000, &gs, &e) == LS_OK, "%s", e.msg);
  CHECK(ls_tracker_update(s.t, &gs, 70000, on_event, NULL, &e) == LS_OK, "%s", e.msg);
  ls_groups_free(&gs);
  struct ls_snap w = {0};
  save(&s, &w);
  FILE *f = fopen(path, "wb");
  CHECK(f && fwrite(w.buf, 1, w.len, f) == w.len && fclose(f) == 0, "cannot write %s", path);
  ls_snap_free(&w);
  destroy(&s);
  exit(0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  struct ls_err e;
  CHECK(ls_backend_open(&be, "cpu", NULL, &e) == LS_OK, "%s", e.msg);
  ls_jw_init(&jw);
  const char *seed = getenv("LS_FUZZ_WRITE_SEED");
  if (seed) write_seed(seed);
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct state s, again;
  create(&s);
  create(&again);
  if (load(&s, data, size)) {
    struct ls_snap w = {0}, w2 = {0};
    save(&s, &w);
    CHECK(load(&again, w.buf, w.len), "a saved state does not load again");
    save(&again, &w2);
    CHECK(w.len == w2.len && memcmp(w.buf, w2.buf, w.len) == 0, "load and save disagree (%zu vs %zu bytes)", w.len, w2.len);
    ls_snap_free(&w);
    ls_snap_free(&w2);
    struct ls_groups gs, none = {0};
    struct ls_err e;
    if (ls_graph_cluster(s.g, be, 2, 4000000, &gs, &e) == LS_OK) ls_groups_free(&gs);
    ls_tracker_update(s.t, &none, INT64_MAX / 4, on_event, NULL, &e);
  } else {
    CHECK(ls_tracker_active(s.t) == 0, "a failed load left %u campaigns", ls_tracker_active(s.t));
  }
  destroy(&s);
  destroy(&again);
  return 0;
}
