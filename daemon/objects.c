/* objects.c — exact-signal object window (see objects.h). Open addressing over a fixed array;
 * a slot is never emptied, only reused when its object went stale (no action within the longest
 * window seen) or, when a probe run is full, the least recently used slot of the run is evicted
 * (counted). Each object keeps a small ring of its latest (account, time) actions; those older
 * than the window and the lateness allowed behind the newest action seen count no more (what a
 * restart, or a partition handed to another daemon, rebuilds from its input stops there). The
 * virality count's epochs are aligned to multiples of the window in event time, not to the first
 * action read: a daemon that read the object again from one window and the lateness back counts
 * the current epoch as one that read it all. */
#include "lockstep/objects.h"

#include <stdbool.h>
#include <stdlib.h>

#include "lockstep/hash.h"

#define MAX_PROBE 32

struct action {
  uint64_t account;
  int64_t t;
};

struct object {
  uint64_t key; /* 0: never used */
  int64_t latest;
  int64_t epoch_start; /* virality count restarts at each multiple of the window in event time */
  uint32_t epoch_count;
  uint8_t n, head;
  uint16_t replayed; /* bit k: act[k] was read again after a restore */
  struct action act[LS_OBJECT_RECENT];
};

struct ls_objects {
  struct object *slots;
  uint32_t mask;
  uint32_t viral_cap;
  int64_t watermark, max_window, lateness;
  uint64_t evictions;
};

int ls_objects_create(struct ls_objects **out, uint32_t capacity, uint32_t viral_cap, int64_t lateness_ms, struct ls_err *err) {
  uint32_t cap = 1024;
  while (cap < capacity) cap <<= 1;
  struct ls_objects *o = calloc(1, sizeof *o);
  if (o) o->slots = calloc(cap, sizeof *o->slots);
  if (!o || !o->slots) {
    free(o);
    return ls_err_set(err, LS_ENOMEM, "object window: cannot allocate %u entries", cap);
  }
  o->mask = cap - 1;
  o->viral_cap = viral_cap;
  o->lateness = lateness_ms;
  *out = o;
  return LS_OK;
}

void ls_objects_destroy(struct ls_objects *o) {
  if (!o) return;
  free(o->slots);
  free(o);
}

static struct object *find_or_claim(struct ls_objects *o, uint64_t key) {
  if (key == 0) key = 1;
  uint32_t i = (uint32_t)ls_mix64(key) & o->mask;
  struct object *empty = NULL, *oldest = NULL;
  for (int p = 0; p < MAX_PROBE; p++, i = (i + 1) & o->mask) {
    struct object *s = &o->slots[i];
    if (s->key == key) return s;
    if (s->key == 0) { empty = s; break; }
    if (!oldest || s->latest < oldest->latest) oldest = s;
  }
  struct object *victim = empty ? empty : oldest;
  if (!empty && victim->latest >= o->watermark - o->max_window) o->evictions++;
  *victim = (struct object){.key = key};
  return victim;
}

/* Whether action k of s counts for an action at t: inside its window, not before the horizon. */
static bool within(const struct object *s, int k, int64_t t, int64_t window, int64_t horizon) {
  return llabs(s->act[k].t - t) <= window && s->act[k].t >= horizon;
}

/* Whether action k is its account's latest within the window of t (an account pairs once). */
static bool latest_of_account(const struct object *s, int k, int64_t t, int64_t window, int64_t horizon) {
  for (int j = 0; j < s->n; j++)
    if (j != k && s->act[j].account == s->act[k].account && s->act[j].t > s->act[k].t && within(s, j, t, window, horizon)) return false;
  return true;
}

int ls_objects_observe(struct ls_objects *o, uint64_t key, const struct ls_action *a, int64_t window, int64_t repeat,
                       struct ls_action others[LS_OBJECT_RECENT], uint32_t *object_accounts) {
  uint64_t account = a->account;
  int64_t t = a->t_ms;
  *object_accounts = 0;
  if (t > o->watermark) o->watermark = t;
  if (window > o->max_window) o->max_window = window;
  int64_t horizon = o->watermark - window - o->lateness;
  struct object *s = find_or_claim(o, key);
  int64_t prev = INT64_MIN; /* the account's previous action within the window, more than repeat_ms ago */
  for (int k = 0; k < s->n; k++) {
    if (s->act[k].account != account || llabs(s->act[k].t - t) > window) continue; /* repeats: any age in the window */
    if (llabs(s->act[k].t - t) <= repeat) return 0; /* a repeat within repeat_ms adds nothing */
    if (s->act[k].t > prev) prev = s->act[k].t;
  }
  bool again = prev != INT64_MIN;
  int64_t epoch = t - (t % window + window) % window; /* the same for every daemon, wherever its reading began */
  if (s->epoch_count == 0 || epoch > s->epoch_start) {
    s->epoch_start = epoch;
    s->epoch_count = 0;
  }
  if (!again && ++s->epoch_count > o->viral_cap) return -1; /* accounts, not actions: one spammer is not virality */
  int pairs = 0;
  for (int k = 0; k < s->n; k++) { /* a repeat pairs with what came after its previous action */
    if (!within(s, k, t, window, horizon) || s->act[k].t <= prev || !latest_of_account(s, k, t, window, horizon)) continue;
    others[pairs++] = (struct ls_action){s->act[k].account, s->act[k].t, (s->replayed >> k) & 1};
  }
  /* the epoch's count, or more: the partners are other accounts, one action each, and an epoch
   * that began with this action (or a repeat) has not counted those still inside the window */
  *object_accounts = s->epoch_count > (uint32_t)pairs + 1 ? s->epoch_count : (uint32_t)pairs + 1;
  s->act[s->head] = (struct action){account, t};
  s->replayed = (uint16_t)((s->replayed & ~(1u << s->head)) | (unsigned)a->replayed << s->head);
  s->head = (uint8_t)((s->head + 1) % LS_OBJECT_RECENT);
  if (s->n < LS_OBJECT_RECENT) s->n++;
  if (t > s->latest) s->latest = t;
  return pairs;
}

uint64_t ls_objects_evictions(const struct ls_objects *o) { return o->evictions; }
size_t ls_objects_bytes(const struct ls_objects *o) { return ((size_t)o->mask + 1) * sizeof(struct object); }
