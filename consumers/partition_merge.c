/* partition_merge.c — event-time merge of one consumer's partitions (see partition_merge.h).
 * Lanes are indexed by partition number; each is a circular FIFO that grows by doubling. A pop
 * scans the assigned partitions twice (the smallest head, then whether an empty one may still
 * deliver an earlier message), so its cost is linear in the partitions of one consumer. */
#include "lockstep/partition_merge.h"

#include <stdlib.h>
#include <string.h>

struct entry {
  void *msg;
  int64_t key;
  size_t bytes;
};

struct lane {
  struct entry *q;
  uint32_t cap, head, n;
  int64_t last_key;    /* timestamp of the last message received (INT64_MIN: none yet) */
  int64_t empty_since; /* wall ms when the FIFO last became empty */
  bool assigned, eof, held;
  bool given_up; /* behind, but waited for 10 x wait_ms in this empty spell */
};

struct ls_merge {
  int wait_ms;
  ls_merge_behind_fn behind;
  void *behind_ud;
  struct lane *lane;
  int32_t n_lanes;
  int32_t *assigned;
  int n_assigned, cap_assigned;
  size_t bytes, messages;
  uint64_t gave_up;
};

int ls_merge_create(struct ls_merge **out, int wait_ms, ls_merge_behind_fn behind, void *ud, struct ls_err *err) {
  struct ls_merge *m = calloc(1, sizeof *m);
  if (!m) return ls_err_set(err, LS_ENOMEM, "kafka: out of memory for the partition merge");
  m->wait_ms = wait_ms < 0 ? 0 : wait_ms;
  m->behind = behind;
  m->behind_ud = ud;
  *out = m;
  return LS_OK;
}

static void drain(struct ls_merge *m, struct lane *l, ls_merge_drop_fn drop, void *ud) {
  for (; l->n; l->n--, l->head = (l->head + 1) % l->cap) {
    m->bytes -= l->q[l->head].bytes;
    m->messages--;
    if (drop) drop(l->q[l->head].msg, ud);
  }
  l->head = 0;
}

void ls_merge_destroy(struct ls_merge *m, ls_merge_drop_fn drop, void *ud) {
  if (!m) return;
  for (int32_t p = 0; p < m->n_lanes; p++) {
    drain(m, &m->lane[p], drop, ud);
    free(m->lane[p].q);
  }
  free(m->lane);
  free(m->assigned);
  free(m);
}

static int grow_lanes(struct ls_merge *m, int32_t n) {
  if (n <= m->n_lanes) return LS_OK;
  struct lane *l = realloc(m->lane, (size_t)n * sizeof *l);
  if (!l) return LS_ENOMEM;
  memset(l + m->n_lanes, 0, (size_t)(n - m->n_lanes) * sizeof *l);
  m->lane = l;
  m->n_lanes = n;
  return LS_OK;
}

int ls_merge_assign(struct ls_merge *m, const int32_t *parts, int n, int64_t now_ms, ls_merge_drop_fn drop, void *ud) {
  int32_t top = 0;
  for (int i = 0; i < n; i++) {
    if (parts[i] < 0) return LS_EINVAL;
    if (parts[i] >= top) top = parts[i] + 1;
  }
  if (grow_lanes(m, top) != LS_OK) return LS_ENOMEM;
  if (n > m->cap_assigned) {
    int32_t *a = realloc(m->assigned, (size_t)n * sizeof *a);
    if (!a) return LS_ENOMEM;
    m->assigned = a;
    m->cap_assigned = n;
  }
  for (int i = 0; i < m->n_assigned; i++) m->lane[m->assigned[i]].assigned = false;
  for (int i = 0; i < n; i++) m->lane[parts[i]].assigned = true;
  for (int32_t p = 0; p < m->n_lanes; p++) {
    struct lane *l = &m->lane[p];
    if (!l->assigned) drain(m, l, drop, ud);
  }
  for (int i = 0; i < n; i++) {
    struct lane *l = &m->lane[parts[i]];
    bool kept = false;
    for (int k = 0; k < m->n_assigned && !kept; k++) kept = m->assigned[k] == parts[i];
    if (kept) continue;
    l->eof = l->held = l->given_up = false;
    l->last_key = INT64_MIN;
    l->empty_since = now_ms;
  }
  memcpy(m->assigned, parts, (size_t)n * sizeof *parts);
  m->n_assigned = n;
  return LS_OK;
}

static struct lane *lane_of(struct ls_merge *m, int32_t p) {
  return p >= 0 && p < m->n_lanes && m->lane[p].assigned ? &m->lane[p] : NULL;
}

int ls_merge_push(struct ls_merge *m, void *msg, int32_t partition, int64_t timestamp_ms, size_t bytes) {
  struct lane *l = lane_of(m, partition);
  if (!l) return LS_EINVAL;
  if (l->n == l->cap) {
    uint32_t cap = l->cap ? 2 * l->cap : 64;
    struct entry *q = malloc(cap * sizeof *q);
    if (!q) return LS_ENOMEM;
    for (uint32_t i = 0; i < l->n; i++) q[i] = l->q[(l->head + i) % l->cap];
    free(l->q);
    l->q = q;
    l->cap = cap;
    l->head = 0;
  }
  int64_t key = timestamp_ms >= 0 ? timestamp_ms : l->last_key == INT64_MIN ? 0 : l->last_key;
  l->q[(l->head + l->n++) % l->cap] = (struct entry){.msg = msg, .key = key, .bytes = bytes};
  l->last_key = key;
  l->eof = l->given_up = false;
  m->bytes += bytes;
  m->messages++;
  return LS_OK;
}

void ls_merge_eof(struct ls_merge *m, int32_t partition) {
  struct lane *l = lane_of(m, partition);
  if (l) l->eof = true;
}

void ls_merge_hold(struct ls_merge *m, int32_t partition, bool held) {
  struct lane *l = lane_of(m, partition);
  if (l) l->held = held;
}

/* Whether empty partition p is still waited for; counts a partition given up while behind. */
static bool waited_for(struct ls_merge *m, struct lane *l, int32_t p, int64_t now_ms) {
  if (l->n || l->eof || l->held || l->given_up) return false;
  int64_t empty = now_ms - l->empty_since;
  if (empty < m->wait_ms) return true;
  if (!m->behind || !m->behind(p, m->behind_ud)) return false;
  if (empty < 10 * (int64_t)m->wait_ms) return true;
  l->given_up = true;
  m->gave_up++;
  return false;
}

/* Whether partition p (not the head's) may still deliver a message that goes before the head
 * (key, part). */
static bool may_precede(struct ls_merge *m, struct lane *l, int32_t p, int64_t key, int32_t part, int64_t now_ms) {
  if (l->n || !(l->last_key < key || (l->last_key == key && p < part))) return false;
  return waited_for(m, l, p, now_ms);
}

void *ls_merge_pop(struct ls_merge *m, int64_t now_ms) {
  int32_t best = -1;
  for (int i = 0; i < m->n_assigned; i++) {
    int32_t p = m->assigned[i];
    const struct lane *l = &m->lane[p];
    if (!l->n) continue;
    if (best < 0) {
      best = p;
      continue;
    }
    int64_t k = l->q[l->head].key, bk = m->lane[best].q[m->lane[best].head].key;
    if (k < bk || (k == bk && p < best)) best = p;
  }
  if (best < 0) return NULL;
  struct lane *b = &m->lane[best];
  int64_t key = b->q[b->head].key;
  for (int i = 0; i < m->n_assigned; i++) {
    int32_t p = m->assigned[i];
    if (p != best && may_precede(m, &m->lane[p], p, key, best, now_ms)) return NULL;
  }
  struct entry e = b->q[b->head];
  b->head = (b->head + 1) % b->cap;
  if (--b->n == 0) b->empty_since = now_ms;
  m->bytes -= e.bytes;
  m->messages--;
  return e.msg;
}

size_t ls_merge_bytes(const struct ls_merge *m) { return m->bytes; }
size_t ls_merge_messages(const struct ls_merge *m) { return m->messages; }

uint64_t ls_merge_gave_up(const struct ls_merge *m) { return m->gave_up; }

bool ls_merge_queued(const struct ls_merge *m, int32_t partition) {
  return partition >= 0 && partition < m->n_lanes && m->lane[partition].assigned && m->lane[partition].n > 0;
}
