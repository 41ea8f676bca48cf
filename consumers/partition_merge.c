/* partition_merge.c — event-time merge of one consumer's partitions (see partition_merge.h).
 * Partitions are indexed by number; each has its lanes, lane 0 for messages without a source,
 * then one per source in order of first appearance. A lane is a circular FIFO that grows by
 * doubling. A pop scans the lanes of the assigned partitions twice (the smallest head, then
 * whether an empty lane may still deliver an earlier message). */
#include "lockstep/partition_merge.h"

#include <stdlib.h>
#include <string.h>

struct entry {
  void *msg;
  int64_t key, offset;
  size_t bytes;
};

struct lane {
  uint64_t source; /* 0: messages without one */
  struct entry *q;
  uint32_t cap, head, n;
  int64_t last_key; /* timestamp of the last message or watermark (INT64_MIN: none yet) */
  int64_t since;    /* wall ms when it was last heard from or became empty */
  bool idle;        /* its source said it has nothing more for now */
  bool given_up;    /* not waited for in this empty spell (lane 0: or a source's lane took over) */
  bool gone;        /* its source is in merge.gone (kept here for the pop's scan): not waited for */
};

struct part {
  struct lane *lane;
  uint32_t n_lanes, cap_lanes;
  int64_t next_offset; /* after the last message received, -1: none */
  bool assigned, eof, held;
};

struct ls_merge {
  int wait_ms;
  size_t max_bytes;
  ls_merge_behind_fn behind;
  void *behind_ud;
  struct part *part;
  int32_t n_parts;
  int32_t *assigned;
  int n_assigned, cap_assigned;
  size_t bytes, messages;
  uint64_t gave_up;
  struct ls_merge_give_up last; /* the latest lane given up */
  int64_t heard_ms;             /* when any lane was last heard from */
  uint64_t gone[LS_MERGE_SOURCES]; /* sources given up, the latest ones (a ring; 0: free) */
  uint32_t gone_next;
};

int ls_merge_create(struct ls_merge **out, int wait_ms, size_t max_bytes, ls_merge_behind_fn behind, void *ud, struct ls_err *err) {
  struct ls_merge *m = calloc(1, sizeof *m);
  if (!m) return ls_err_set(err, LS_ENOMEM, "kafka: out of memory for the partition merge");
  m->wait_ms = wait_ms < 0 ? 0 : wait_ms;
  m->max_bytes = max_bytes;
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

/* Drops what the partition queued and all its lanes but lane 0, reset as of now_ms. */
static void reset_part(struct ls_merge *m, struct part *p, int64_t now_ms, ls_merge_drop_fn drop, void *ud) {
  for (uint32_t i = 0; i < p->n_lanes; i++) {
    drain(m, &p->lane[i], drop, ud);
    if (i) free(p->lane[i].q);
  }
  p->n_lanes = p->cap_lanes ? 1 : 0;
  if (p->n_lanes) {
    struct entry *q = p->lane[0].q;
    uint32_t cap = p->lane[0].cap;
    p->lane[0] = (struct lane){.q = q, .cap = cap, .last_key = INT64_MIN, .since = now_ms};
  }
  p->next_offset = -1;
  p->eof = p->held = false;
}

void ls_merge_destroy(struct ls_merge *m, ls_merge_drop_fn drop, void *ud) {
  if (!m) return;
  for (int32_t i = 0; i < m->n_parts; i++) {
    reset_part(m, &m->part[i], 0, drop, ud);
    if (m->part[i].cap_lanes) free(m->part[i].lane[0].q);
    free(m->part[i].lane);
  }
  free(m->part);
  free(m->assigned);
  free(m);
}

static int grow_parts(struct ls_merge *m, int32_t n) {
  if (n <= m->n_parts) return LS_OK;
  struct part *p = realloc(m->part, (size_t)n * sizeof *p);
  if (!p) return LS_ENOMEM;
  memset(p + m->n_parts, 0, (size_t)(n - m->n_parts) * sizeof *p);
  m->part = p;
  m->n_parts = n;
  return LS_OK;
}

/* Whether source was given up (and not heard fresh since). */
static bool is_gone(const struct ls_merge *m, uint64_t source) {
  for (uint32_t i = 0; source && i < LS_MERGE_SOURCES; i++)
    if (m->gone[i] == source) return true;
  return false;
}

/* Marks every lane of source gone or back, and keeps it in the set (a lane added later starts so):
 * a source is one process, dead or alive on all its partitions at once. A dead one given up on
 * each partition in turn, as a re-read emptied its lanes one after another, stalled a restarted
 * reader for wait_ms (up to 10 x) per partition. */
static void set_gone(struct ls_merge *m, uint64_t source, bool gone) {
  for (int32_t q = 0; q < m->n_parts; q++)
    for (uint32_t k = 1; k < m->part[q].n_lanes; k++)
      if (m->part[q].lane[k].source == source) m->part[q].lane[k].gone = gone;
  for (uint32_t i = 0; i < LS_MERGE_SOURCES; i++)
    if (m->gone[i] == source) m->gone[i] = 0;
  if (!gone) return;
  m->gone[m->gone_next] = source;
  m->gone_next = (m->gone_next + 1) % LS_MERGE_SOURCES;
}

/* A new lane for source in p (the caller checked there is room). */
static struct lane *add_lane(struct part *p, uint64_t source, int64_t now_ms) {
  if (p->n_lanes == p->cap_lanes) {
    uint32_t cap = p->cap_lanes ? 2 * p->cap_lanes : 4;
    struct lane *l = realloc(p->lane, cap * sizeof *l);
    if (!l) return NULL;
    p->lane = l;
    p->cap_lanes = cap;
  }
  struct lane *l = &p->lane[p->n_lanes++];
  *l = (struct lane){.source = source, .last_key = INT64_MIN, .since = now_ms};
  return l;
}

int ls_merge_assign(struct ls_merge *m, const int32_t *parts, int n, int64_t now_ms, ls_merge_drop_fn drop, void *ud) {
  int32_t top = 0;
  for (int i = 0; i < n; i++) {
    if (parts[i] < 0) return LS_EINVAL;
    if (parts[i] >= top) top = parts[i] + 1;
  }
  if (grow_parts(m, top) != LS_OK) return LS_ENOMEM;
  if (n > m->cap_assigned) {
    int32_t *a = realloc(m->assigned, (size_t)n * sizeof *a);
    if (!a) return LS_ENOMEM;
    m->assigned = a;
    m->cap_assigned = n;
  }
  for (int i = 0; i < n; i++)
    if (!m->part[parts[i]].cap_lanes && !add_lane(&m->part[parts[i]], 0, now_ms)) return LS_ENOMEM;
  for (int i = 0; i < m->n_assigned; i++) m->part[m->assigned[i]].assigned = false;
  for (int i = 0; i < n; i++) m->part[parts[i]].assigned = true;
  for (int32_t q = 0; q < m->n_parts; q++)
    if (!m->part[q].assigned) reset_part(m, &m->part[q], now_ms, drop, ud);
  for (int i = 0; i < n; i++) {
    bool kept = false;
    for (int k = 0; k < m->n_assigned && !kept; k++) kept = m->assigned[k] == parts[i];
    if (!kept) reset_part(m, &m->part[parts[i]], now_ms, drop, ud);
  }
  memcpy(m->assigned, parts, (size_t)n * sizeof *parts);
  m->n_assigned = n;
  return LS_OK;
}

static struct part *part_of(struct ls_merge *m, int32_t q) {
  return q >= 0 && q < m->n_parts && m->part[q].assigned ? &m->part[q] : NULL;
}

/* Whether lane l is waited for now (ignoring the byte bound). */
static bool waited_for(struct ls_merge *m, const struct part *p, struct lane *l, int32_t q, int64_t now_ms);

/* The lane of source in p: found, added, or reusing an empty one not waited for (oldest first). */
static struct lane *lane_for(struct ls_merge *m, struct part *p, int32_t q, uint64_t source, int64_t now_ms) {
  for (uint32_t i = 0; i < p->n_lanes; i++)
    if (p->lane[i].source == source) return &p->lane[i];
  struct lane *l = NULL;
  if (p->n_lanes < LS_MERGE_SOURCES) {
    l = add_lane(p, source, now_ms);
  } else {
    for (uint32_t i = 1; i < p->n_lanes; i++) {
      struct lane *c = &p->lane[i];
      if (!c->n && !waited_for(m, p, c, q, now_ms) && (!l || c->since < l->since)) l = c;
    }
    if (l) *l = (struct lane){.source = source, .q = l->q, .cap = l->cap, .last_key = INT64_MIN, .since = now_ms};
  }
  if (l) l->gone = is_gone(m, source);
  return l;
}

/* What a message or watermark from source says about its partition: heard now; a source's
 * lane takes over from an empty lane 0, which a stamped topic never fills. */
static void heard(struct ls_merge *m, struct part *p, struct lane *l, int64_t offset, int64_t now_ms) {
  m->heard_ms = now_ms;
  l->since = now_ms;
  l->given_up = false;
  if (offset + 1 > p->next_offset) p->next_offset = offset + 1;
  if (l->source && !p->lane[0].n) p->lane[0].given_up = true;
}

int ls_merge_push(struct ls_merge *m, void *msg, int32_t partition, uint64_t source, int64_t offset, int64_t timestamp_ms, size_t bytes,
                  int64_t now_ms) {
  struct part *p = part_of(m, partition);
  if (!p) return LS_EINVAL;
  struct lane *l = lane_for(m, p, partition, source, now_ms);
  if (!l) return LS_ENOMEM;
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
  l->q[(l->head + l->n++) % l->cap] = (struct entry){.msg = msg, .key = key, .offset = offset, .bytes = bytes};
  l->last_key = key;
  l->idle = false;
  p->eof = false;
  heard(m, p, l, offset, now_ms);
  m->bytes += bytes;
  m->messages++;
  return LS_OK;
}

int ls_merge_mark(struct ls_merge *m, int32_t partition, uint64_t source, int64_t offset, int64_t timestamp_ms, bool idle, int64_t now_ms) {
  struct part *p = part_of(m, partition);
  if (!p || !source) return LS_EINVAL;
  struct lane *l = lane_for(m, p, partition, source, now_ms);
  if (!l) return LS_ENOMEM;
  if (timestamp_ms > l->last_key) l->last_key = timestamp_ms;
  l->idle = idle;
  heard(m, p, l, offset, now_ms);
  if (l->gone && (!m->behind || !m->behind(partition, m->behind_ud))) set_gone(m, source, false); /* fresh: alive after all */
  return LS_OK;
}

void ls_merge_eof(struct ls_merge *m, int32_t partition) {
  struct part *p = part_of(m, partition);
  if (p) p->eof = true;
}

void ls_merge_hold(struct ls_merge *m, int32_t partition, bool held) {
  struct part *p = part_of(m, partition);
  if (p) p->held = held;
}

/* Counts a lane of partition q given up after quiet ms (once per empty spell) and keeps what it was. */
static bool give_up(struct ls_merge *m, struct lane *l, int32_t q, int64_t quiet) {
  l->given_up = true;
  if (l->source) set_gone(m, l->source, true);
  m->gave_up++;
  m->last = (struct ls_merge_give_up){.partition = q, .source = l->source, .quiet_ms = quiet, .last_key = l->last_key,
                                      .messages = m->messages, .bytes = m->bytes};
  return false;
}

/* Whether partition p queues messages. */
static bool part_queued(const struct part *p) {
  for (uint32_t k = 0; k < p->n_lanes; k++)
    if (p->lane[k].n) return true;
  return false;
}

/* Above the byte bound the consumer pauses the partitions that queue messages: an empty lane of
 * one of them cannot be filled, so it is not waited for; nor is a source's lane (its watermarks
 * travel in partitions that may be paused). */
static bool starved(const struct ls_merge *m, const struct part *p, const struct lane *l) {
  return m->max_bytes && m->bytes > m->max_bytes && (l->source || part_queued(p));
}

/* Whether source was heard on another assigned partition than q within wait_ms of now. */
static bool heard_elsewhere(const struct ls_merge *m, uint64_t source, int32_t q, int64_t now_ms) {
  for (int i = 0; i < m->n_assigned; i++) {
    const struct part *p = &m->part[m->assigned[i]];
    if (m->assigned[i] == q) continue;
    for (uint32_t k = 1; k < p->n_lanes; k++)
      if (p->lane[k].source == source) {
        if (now_ms - p->lane[k].since < m->wait_ms) return true;
        break;
      }
  }
  return false;
}

static bool waited_for(struct ls_merge *m, const struct part *p, struct lane *l, int32_t q, int64_t now_ms) {
  if (l->n || p->held || l->given_up || l->gone || l->idle || (!l->source && p->eof) || starved(m, p, l)) return false;
  int64_t quiet = now_ms - l->since;
  if (quiet < m->wait_ms) return true;
  if (l->source) { /* what it sent may be on its way (up to 10 x wait_ms): it was heard elsewhere, its
                    * partition is behind, or nothing at all was heard meanwhile (a stalled reader or broker) */
    bool in_transit = heard_elsewhere(m, l->source, q, now_ms) || now_ms - m->heard_ms >= m->wait_ms || (m->behind && m->behind(q, m->behind_ud));
    if (quiet < 10 * (int64_t)m->wait_ms && in_transit) return true;
    return give_up(m, l, q, quiet);
  }
  if (!m->behind || !m->behind(q, m->behind_ud)) return false;
  if (quiet < 10 * (int64_t)m->wait_ms) return true;
  return give_up(m, l, q, quiet);
}

/* Whether (key, partition, source) a goes before b. */
static bool before(int64_t ka, int32_t qa, uint64_t sa, int64_t kb, int32_t qb, uint64_t sb) {
  if (ka != kb) return ka < kb;
  if (qa != qb) return qa < qb;
  return sa < sb;
}

/* Whether empty lane l of partition q may still deliver a message that goes before the head
 * (key, part, source). */
static bool may_precede(struct ls_merge *m, const struct part *p, struct lane *l, int32_t q, int64_t key, int32_t part, uint64_t source,
                        int64_t now_ms) {
  if (l->n || !before(l->last_key, q, l->source, key, part, source)) return false;
  return waited_for(m, p, l, q, now_ms);
}

/* The lane with the earliest head, or NULL; its partition in *q. */
static struct lane *earliest(struct ls_merge *m, int32_t *q) {
  struct lane *best = NULL;
  for (int i = 0; i < m->n_assigned; i++) {
    int32_t pq = m->assigned[i];
    struct part *p = &m->part[pq];
    for (uint32_t k = 0; k < p->n_lanes; k++) {
      struct lane *l = &p->lane[k];
      if (!l->n) continue;
      if (!best || before(l->q[l->head].key, pq, l->source, best->q[best->head].key, *q, best->source)) {
        best = l;
        *q = pq;
      }
    }
  }
  return best;
}

/* Whether some empty lane may still deliver a message before the head of lane b. */
static bool waiting(struct ls_merge *m, const struct lane *b, int32_t bq, int64_t now_ms) {
  int64_t key = b->q[b->head].key;
  for (int i = 0; i < m->n_assigned; i++) {
    int32_t pq = m->assigned[i];
    struct part *p = &m->part[pq];
    for (uint32_t k = 0; k < p->n_lanes; k++)
      if (&p->lane[k] != b && may_precede(m, p, &p->lane[k], pq, key, bq, b->source, now_ms)) return true;
  }
  return false;
}

/* The lowest offset partition p still queues, else the one after the last received. */
static int64_t position_of(const struct part *p) {
  int64_t pos = p->next_offset;
  for (uint32_t k = 0; k < p->n_lanes; k++) {
    const struct lane *l = &p->lane[k];
    if (l->n && l->q[l->head].offset < pos) pos = l->q[l->head].offset;
  }
  return pos;
}

void *ls_merge_pop(struct ls_merge *m, int64_t now_ms, int64_t *position) {
  int32_t q = -1;
  struct lane *b = earliest(m, &q);
  if (!b || waiting(m, b, q, now_ms)) return NULL;
  struct entry e = b->q[b->head];
  b->head = (b->head + 1) % b->cap;
  if (--b->n == 0) b->since = now_ms;
  m->bytes -= e.bytes;
  m->messages--;
  if (position) *position = position_of(&m->part[q]);
  return e.msg;
}

size_t ls_merge_bytes(const struct ls_merge *m) { return m->bytes; }
size_t ls_merge_messages(const struct ls_merge *m) { return m->messages; }

uint64_t ls_merge_gave_up(const struct ls_merge *m, struct ls_merge_give_up *last) {
  if (last) *last = m->last;
  return m->gave_up;
}

bool ls_merge_queued(const struct ls_merge *m, int32_t partition) {
  return partition >= 0 && partition < m->n_parts && m->part[partition].assigned && part_queued(&m->part[partition]);
}
