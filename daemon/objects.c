/* objects.c — exact-signal object window (see objects.h). Open addressing over a fixed array;
 * a slot is never emptied, only reused when its object went stale (no action within the longest
 * window seen) or, when a probe run is full, the least recently used slot of the run is evicted
 * (counted). Each object keeps its latest LS_OBJECT_RECENT actions in event time (a late one
 * takes the place of the earliest, or none when it is the earliest); those older than the window
 * and the lateness allowed behind the newest action seen count no more (what a restart, or a
 * partition handed to another daemon, rebuilds from its input stops there). A set is worked out
 * from the actions kept, the same way for an action read in order and for a later action whose
 * set a late one joins: the pair goes to its later action, as when read in event order. The
 * virality count's epochs are aligned to multiples of the window in event time, not to the first
 * action read: a daemon that read the object again from one window and the lateness back counts
 * the current epoch as one that read it all. */
#include "lockstep/objects.h"

#include <stdlib.h>

#include "lockstep/hash.h"

#define MAX_PROBE 32

struct entry {
  uint64_t account, tweet;
  int64_t t;
  float activity;
  uint32_t accounts; /* its set's accounts (objects.h) */
};

struct object {
  uint64_t key; /* 0: never used */
  int64_t latest;
  int64_t epoch_start; /* virality count restarts at each multiple of the window in event time */
  uint32_t epoch_count;
  uint8_t n;
  uint16_t replayed; /* bit k: e[k] was read again after a restore */
  uint16_t rev[LS_OBJECT_RECENT]; /* e[k]'s set's revisions so far (at UINT16_MAX, no more) */
  struct entry e[LS_OBJECT_RECENT];
};

struct ls_objects {
  struct object *slots;
  uint32_t mask;
  uint32_t viral_cap;
  int64_t watermark, max_window, lateness;
  uint64_t evictions;
};

/* The actions a set is worked out from: the object's, and the one observed (last). */
struct view {
  const struct entry *e[LS_OBJECT_RECENT + 1];
  bool replayed[LS_OBJECT_RECENT + 1];
  int n;
  int64_t window, repeat, horizon;
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

/* Event-time order, ties by tweet id: the same on every daemon. */
static bool before(const struct entry *x, const struct entry *y) { return x->t < y->t || (x->t == y->t && x->tweet < y->tweet); }

static struct ls_action action_of(const struct view *v, int k) {
  return (struct ls_action){v->e[k]->account, v->e[k]->tweet, v->e[k]->t, v->e[k]->activity, v->replayed[k]};
}

/* Whether y may pair with the later x: another account, inside x's window, not before the horizon. */
static bool earlier_partner(const struct view *v, const struct entry *y, const struct entry *x) {
  return y->account != x->account && before(y, x) && x->t - y->t <= v->window && y->t >= v->horizon;
}

/* Whether y is its account's latest action before x (an account pairs once per set). */
static bool latest_before(const struct view *v, const struct entry *y, const struct entry *x) {
  for (int j = 0; j < v->n; j++)
    if (v->e[j] != y && v->e[j]->account == y->account && before(y, v->e[j]) && earlier_partner(v, v->e[j], x)) return false;
  return true;
}

/* x's previous action more than repeat before it (within the window), or INT64_MIN: a repeat
 * pairs only with what came after it. */
static int64_t previous_of(const struct view *v, const struct entry *x) {
  int64_t prev = INT64_MIN;
  for (int j = 0; j < v->n; j++) {
    const struct entry *y = v->e[j];
    if (y != x && y->account == x->account && before(y, x) && x->t - y->t <= v->window && x->t - y->t > v->repeat && y->t > prev) prev = y->t;
  }
  return prev;
}

/* The set of view entry x; returns the index of `with` among its partners, or -1. */
static int set_of(const struct view *v, int x, int with, struct ls_object_set *out) {
  const struct entry *me = v->e[x];
  int64_t prev = previous_of(v, me);
  int found = -1;
  out->act = action_of(v, x);
  out->n = 0;
  for (int k = 0; k < v->n; k++) {
    const struct entry *y = v->e[k];
    if (k == x || !earlier_partner(v, y, me) || y->t <= prev || !latest_before(v, y, me)) continue;
    if (k == with) found = out->n;
    out->partners[out->n++] = action_of(v, k);
  }
  return found;
}

/* Keeps the action among the object's latest ones in event time (not when all kept are later). */
static void keep(struct object *s, const struct entry *x, bool replayed) {
  int slot = s->n;
  if (s->n == LS_OBJECT_RECENT) {
    slot = 0;
    for (int k = 1; k < s->n; k++)
      if (before(&s->e[k], &s->e[slot])) slot = k;
    if (!before(&s->e[slot], x)) return;
  } else {
    s->n++;
  }
  s->e[slot] = *x;
  s->rev[slot] = 0;
  s->replayed = (uint16_t)((s->replayed & ~(1u << slot)) | (unsigned)replayed << slot);
  if (x->t > s->latest) s->latest = x->t;
}

/* Whether entry k is the first of its account among the entries after x (in the epoch). */
static bool first_later(const struct view *v, const struct object *s, const struct entry *x, int k) {
  const struct entry *y = v->e[k];
  if (y->account == x->account || !before(x, y) || y->t < s->epoch_start) return false;
  for (int j = 0; j < k; j++)
    if (v->e[j]->account == y->account && before(x, v->e[j]) && v->e[j]->t >= s->epoch_start) return false;
  return true;
}

/* The accounts of x's set: the epoch's count less the accounts acting after x, at least its own
 * and each partner's. */
static uint32_t accounts_of(const struct view *v, const struct object *s, const struct entry *x, int partners) {
  uint32_t later = 0;
  for (int k = 0; k < v->n; k++) later += first_later(v, s, x, k);
  uint32_t n = s->epoch_count > later ? s->epoch_count - later : 0;
  return n > (uint32_t)partners + 1 ? n : (uint32_t)partners + 1;
}

/* Whether x's account has another action that may pair with k (k's set holds that account
 * already: a later action of it would only take the earlier one's place). */
static bool account_paired(const struct view *v, int x, int k) {
  for (int j = 0; j < v->n; j++)
    if (j != x && v->e[j]->account == v->e[x]->account && earlier_partner(v, v->e[j], v->e[k])) return true;
  return false;
}

/* The sets of the later actions the observed one (view entry x, the last) joins, when its
 * account is new to them. */
static void revisions(struct object *s, const struct view *v, int x, struct ls_object_sets *out) {
  for (int k = 0; k < s->n; k++) {
    if (s->rev[k] == UINT16_MAX || !earlier_partner(v, v->e[x], v->e[k]) || account_paired(v, x, k)) continue;
    struct ls_object_set *r = &out->set[out->n];
    r->late = set_of(v, k, x, r);
    if (r->late < 0) continue;
    r->revision = ++s->rev[k];
    r->accounts = ++s->e[k].accounts;
    if (r->accounts < (uint32_t)r->n + 1) r->accounts = (uint32_t)r->n + 1;
    out->n++;
  }
}

int ls_objects_observe(struct ls_objects *o, uint64_t key, const struct ls_action *a, int64_t window, int64_t repeat,
                       struct ls_object_sets *out) {
  int64_t t = a->t_ms;
  out->n = 0;
  if (t > o->watermark) o->watermark = t;
  if (window > o->max_window) o->max_window = window;
  struct object *s = find_or_claim(o, key);
  bool again = false; /* the account acted on the object within the window, more than repeat_ms apart */
  for (int k = 0; k < s->n; k++) {
    if (s->e[k].account != a->account || llabs(s->e[k].t - t) > window) continue;
    if (llabs(s->e[k].t - t) <= repeat) return 0; /* a repeat within repeat_ms adds nothing */
    again = true;
  }
  int64_t epoch = t - (t % window + window) % window; /* the same for every daemon, wherever its reading began */
  if (s->epoch_count == 0 || epoch > s->epoch_start) {
    s->epoch_start = epoch;
    s->epoch_count = 0;
  }
  if (!again && ++s->epoch_count > o->viral_cap) return -1; /* accounts, not actions: one spammer is not virality */
  struct entry me = {a->account, a->tweet, t, (float)a->activity, 0};
  struct view v = {.n = s->n + 1, .window = window, .repeat = repeat, .horizon = o->watermark - window - o->lateness};
  for (int k = 0; k < s->n; k++) v.e[k] = &s->e[k], v.replayed[k] = (s->replayed >> k) & 1;
  int x = s->n; /* the action, after the object's: kept once its sets are made */
  v.e[x] = &me;
  v.replayed[x] = a->replayed;
  struct ls_object_set *own = &out->set[0];
  set_of(&v, x, -1, own);
  own->revision = 0;
  own->late = -1;
  me.accounts = own->accounts = accounts_of(&v, s, &me, own->n);
  out->n = 1;
  revisions(s, &v, x, out);
  keep(s, &me, a->replayed);
  return own->n;
}

uint64_t ls_objects_evictions(const struct ls_objects *o) { return o->evictions; }
size_t ls_objects_bytes(const struct ls_objects *o) { return ((size_t)o->mask + 1) * sizeof(struct object); }
