/* operation.c — operations (see operation.h). Each operation keeps its distinct accounts (an
 * account belongs to the first operation it joined; a later operation holding it connects to
 * that one and is merged into it) and a ring of its latest objects. Two open-addressing maps,
 * account → operation and object → operation (the latest to add it), are rebuilt at the start of
 * each round and grow as groups add to them; an operation merged away in the round redirects to
 * the one that took it in (ls_ops_resolve) until the round ends and it is freed. */
#include "lockstep/operation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/hash.h"

struct ls_op {
  char id[LS_CAMPAIGN_ID_MAX];
  int64_t first_ms, last_ms;
  double score;
  uint32_t campaigns, open;
  uint64_t *accounts;
  uint32_t n_accounts, cap_accounts;
  uint64_t objects[LS_OP_OBJECTS]; /* ring */
  uint32_t n_objects, object_head;
  struct ls_op *into; /* merged into, this round */
  uint32_t n_merged;
  char merged_from[LS_OP_MERGED_MAX][LS_CAMPAIGN_ID_MAX];
};

struct map { /* key → operation; key 0 is never stored */
  uint64_t *keys;
  struct ls_op **ops;
  uint32_t mask, used;
};

struct ls_ops {
  struct ls_ops_conf conf;
  struct ls_op **ops;
  uint32_t n, cap;
  struct map accounts, objects;
};

int ls_ops_create(struct ls_ops **out, const struct ls_ops_conf *conf, struct ls_err *err) {
  struct ls_ops *o = calloc(1, sizeof *o);
  if (!o) return ls_err_set(err, LS_ENOMEM, "operations: out of memory");
  o->conf = *conf;
  *out = o;
  return LS_OK;
}

static void map_free(struct map *m) {
  free(m->keys);
  free(m->ops);
  memset(m, 0, sizeof *m);
}

static void op_free(struct ls_op *op) {
  if (!op) return;
  free(op->accounts);
  free(op);
}

void ls_ops_destroy(struct ls_ops *o) {
  if (!o) return;
  for (uint32_t i = 0; i < o->n; i++) op_free(o->ops[i]);
  free(o->ops);
  map_free(&o->accounts);
  map_free(&o->objects);
  free(o);
}

struct ls_op *ls_ops_resolve(struct ls_op *op) {
  while (op && op->into) op = op->into;
  return op;
}

static uint32_t map_find(const struct map *m, uint64_t key) {
  uint32_t i = (uint32_t)ls_mix64(key) & m->mask;
  while (m->keys[i] && m->keys[i] != key) i = (i + 1) & m->mask;
  return i;
}

static struct ls_op *map_get(const struct map *m, uint64_t key) {
  if (!m->keys || !key) return NULL;
  uint32_t i = map_find(m, key);
  return m->keys[i] ? ls_ops_resolve(m->ops[i]) : NULL;
}

static int map_init(struct map *m, uint32_t entries) {
  uint32_t cap = 64;
  while (cap < 2 * entries + 2) cap <<= 1;
  map_free(m);
  m->keys = calloc(cap, sizeof *m->keys);
  m->ops = calloc(cap, sizeof *m->ops);
  m->mask = cap - 1;
  return m->keys && m->ops ? LS_OK : LS_ENOMEM;
}

/* Stores key → op (replacing only when replace); doubles the map at half load. */
static int map_put(struct map *m, uint64_t key, struct ls_op *op, bool replace) {
  if (!key) return LS_OK;
  if (2 * (m->used + 1) > m->mask + 1) {
    struct map big = {0};
    if (map_init(&big, 2 * (m->used + 1)) != LS_OK) {
      map_free(&big);
      return LS_ENOMEM;
    }
    for (uint32_t i = 0; i <= m->mask; i++) {
      if (!m->keys[i]) continue;
      uint32_t j = map_find(&big, m->keys[i]);
      big.keys[j] = m->keys[i];
      big.ops[j] = m->ops[i];
    }
    big.used = m->used;
    map_free(m);
    *m = big;
  }
  uint32_t i = map_find(m, key);
  if (!m->keys[i]) m->used++;
  else if (!replace) return LS_OK;
  m->keys[i] = key;
  m->ops[i] = op;
  return LS_OK;
}

int ls_ops_begin(struct ls_ops *o, struct ls_err *err) {
  uint32_t accounts = 0;
  for (uint32_t i = 0; i < o->n; i++) accounts += o->ops[i]->n_accounts;
  int rc = map_init(&o->accounts, accounts);
  if (rc == LS_OK) rc = map_init(&o->objects, o->n * LS_OP_OBJECTS);
  for (uint32_t i = 0; rc == LS_OK && i < o->n; i++) {
    struct ls_op *op = o->ops[i];
    for (uint32_t k = 0; rc == LS_OK && k < op->n_accounts; k++) rc = map_put(&o->accounts, op->accounts[k], op, false);
    for (uint32_t k = 0; rc == LS_OK && k < op->n_objects; k++) rc = map_put(&o->objects, op->objects[k], op, true);
  }
  return rc == LS_OK ? LS_OK : ls_err_set(err, LS_ENOMEM, "operations: cannot index %u operations", o->n);
}

struct candidate {
  struct ls_op *op;
  uint32_t accounts, objects; /* shared with the group */
};

/* The candidate entry for op (added when new and there is room), or NULL. */
static struct candidate *candidate(struct candidate *c, uint32_t *n, uint32_t cap, struct ls_op *op) {
  for (uint32_t i = 0; i < *n; i++)
    if (c[i].op == op) return &c[i];
  if (*n == cap) return NULL;
  c[*n] = (struct candidate){.op = op};
  return &c[(*n)++];
}

static bool older(const struct ls_op *a, const struct ls_op *b) {
  return a->first_ms != b->first_ms ? a->first_ms < b->first_ms : strcmp(a->id, b->id) < 0;
}

uint32_t ls_ops_connect(struct ls_ops *o, const struct ls_group *g, struct ls_op **out) {
  struct candidate c[4 * LS_OP_CONNECT_MAX], *x;
  uint32_t n = 0, found = 0;
  for (uint32_t k = 0; k < g->n_accounts; k++) {
    struct ls_op *op = map_get(&o->accounts, g->accounts[k]);
    if (op && (x = candidate(c, &n, 4 * LS_OP_CONNECT_MAX, op))) x->accounts++;
  }
  for (uint32_t k = 0; o->conf.min_shared_objects && k < g->n_objects; k++) {
    struct ls_op *op = map_get(&o->objects, g->objects[k]);
    if (op && (x = candidate(c, &n, 4 * LS_OP_CONNECT_MAX, op))) x->objects++;
  }
  for (uint32_t i = 0; i < n; i++) {
    if (!c[i].accounts && (!o->conf.min_shared_objects || c[i].objects < o->conf.min_shared_objects)) continue;
    uint32_t j = found < LS_OP_CONNECT_MAX ? found++ : LS_OP_CONNECT_MAX; /* insertion by age */
    while (j > 0 && older(c[i].op, out[j - 1])) {
      if (j < LS_OP_CONNECT_MAX) out[j] = out[j - 1];
      j--;
    }
    if (j < LS_OP_CONNECT_MAX) out[j] = c[i].op;
  }
  return found;
}

static struct ls_op *found(struct ls_ops *o, const char *campaign_id) {
  if (o->n == o->cap) {
    uint32_t cap = o->cap ? 2 * o->cap : 64;
    struct ls_op **ops = realloc(o->ops, cap * sizeof *ops);
    if (!ops) return NULL;
    o->ops = ops;
    o->cap = cap;
  }
  struct ls_op *op = calloc(1, sizeof *op);
  if (!op) return NULL;
  snprintf(op->id, sizeof op->id, "o%s", campaign_id[0] == 'c' ? campaign_id + 1 : campaign_id);
  o->ops[o->n++] = op;
  return op;
}

/* Appends an account to op's list; LS_OK or LS_ENOMEM. */
static int push_account(struct ls_op *op, uint64_t a) {
  if (op->n_accounts == op->cap_accounts) {
    uint32_t cap = op->cap_accounts ? 2 * op->cap_accounts : 16;
    uint64_t *v = realloc(op->accounts, cap * sizeof *v);
    if (!v) return LS_ENOMEM;
    op->accounts = v;
    op->cap_accounts = cap;
  }
  op->accounts[op->n_accounts++] = a;
  return LS_OK;
}

static void push_object(struct ls_op *op, uint64_t key) {
  for (uint32_t k = 0; k < op->n_objects; k++)
    if (op->objects[k] == key) return;
  op->objects[op->object_head] = key;
  op->object_head = (op->object_head + 1) % LS_OP_OBJECTS;
  if (op->n_objects < LS_OP_OBJECTS) op->n_objects++;
}

static void widen(struct ls_op *op, int64_t first_ms, int64_t last_ms, double score) {
  if (first_ms && (!op->first_ms || first_ms < op->first_ms)) op->first_ms = first_ms;
  if (last_ms > op->last_ms) op->last_ms = last_ms;
  if (score > op->score) op->score = score;
}

/* Takes from (and its open campaigns) into into for good; false when into has taken
 * LS_OP_MERGED_MAX this round already or memory ran out (from is left as it was). */
static bool merge(struct ls_op *into, struct ls_op *from) {
  if (into == from || into->n_merged == LS_OP_MERGED_MAX) return false;
  uint32_t kept = into->n_accounts;
  for (uint32_t k = 0; k < from->n_accounts; k++)
    if (push_account(into, from->accounts[k]) != LS_OK) {
      into->n_accounts = kept; /* all or nothing */
      return false;
    }
  for (uint32_t k = 0; k < from->n_objects; k++) push_object(into, from->objects[k]);
  widen(into, from->first_ms, from->last_ms, from->score);
  into->campaigns += from->campaigns;
  into->open += from->open;
  from->open = 0;
  from->into = into;
  memcpy(into->merged_from[into->n_merged++], from->id, LS_CAMPAIGN_ID_MAX);
  return true;
}

struct ls_op *ls_ops_join(struct ls_ops *o, struct ls_op *current, struct ls_op *const *links, uint32_t n,
                          const char *campaign_id) {
  current = ls_ops_resolve(current);
  struct ls_op *best = current;
  for (uint32_t i = 0; i < n; i++) {
    struct ls_op *l = ls_ops_resolve(links[i]);
    if (!best || older(l, best)) best = l;
  }
  if (!best) return found(o, campaign_id);
  if (current && current != best && !merge(best, current)) return current;
  for (uint32_t i = 0; i < n; i++) {
    struct ls_op *l = ls_ops_resolve(links[i]);
    if (l != best) merge(best, l);
  }
  return best;
}

void ls_ops_campaign_opened(struct ls_op *op) {
  op->campaigns++;
  op->open++;
}

void ls_ops_campaign_closed(struct ls_op *op) {
  if (op->open) op->open--;
}

int ls_ops_add(struct ls_ops *o, struct ls_op *op, const struct ls_group *g, double score) {
  int rc = LS_OK;
  for (uint32_t k = 0; rc == LS_OK && k < g->n_accounts; k++) {
    if (map_get(&o->accounts, g->accounts[k])) continue; /* op's, or another's not yet merged */
    rc = push_account(op, g->accounts[k]);
    if (rc == LS_OK) rc = map_put(&o->accounts, g->accounts[k], op, false);
  }
  for (uint32_t k = 0; rc == LS_OK && k < g->n_objects; k++) {
    push_object(op, g->objects[k]);
    rc = map_put(&o->objects, g->objects[k], op, true);
  }
  widen(op, g->first_ms, g->last_ms, score);
  return rc;
}

const char *ls_ops_id(const struct ls_op *op) { return op->id; }

void ls_ops_ref(const struct ls_op *op, struct ls_operation_ref *ref) {
  memset(ref, 0, sizeof *ref);
  if (!op) return;
  memcpy(ref->id, op->id, sizeof ref->id);
  ref->active = op->open > 0;
  ref->first_seen_ms = op->first_ms;
  ref->last_seen_ms = op->last_ms;
  ref->campaigns = op->campaigns;
  ref->accounts = op->n_accounts;
  ref->score = op->score;
  ref->n_merged = op->n_merged;
  memcpy(ref->merged_from, op->merged_from, sizeof ref->merged_from);
}

void ls_ops_end(struct ls_ops *o, int64_t now_ms) {
  uint32_t kept = 0;
  for (uint32_t i = 0; i < o->n; i++) {
    struct ls_op *op = o->ops[i];
    if (op->into || (!op->open && op->last_ms < now_ms - o->conf.memory_ms)) {
      op_free(op);
      continue;
    }
    op->n_merged = 0;
    o->ops[kept++] = op;
  }
  o->n = kept;
  map_free(&o->accounts); /* rebuilt by the next round: it may point at the freed ones */
  map_free(&o->objects);
}

uint32_t ls_ops_count(const struct ls_ops *o) { return o->n; }

struct ls_op *ls_ops_find(const struct ls_ops *o, const char *id) {
  for (uint32_t i = 0; i < o->n; i++)
    if (!strcmp(o->ops[i]->id, id)) return o->ops[i];
  return NULL;
}

void ls_ops_save(const struct ls_ops *o, struct ls_snap *w) {
  ls_snap_section(w, "OPER", sizeof(struct ls_op));
  ls_snap_u64(w, o->n);
  for (uint32_t i = 0; i < o->n; i++) {
    struct ls_op rec = *o->ops[i]; /* without its pointers: the same state gives the same bytes */
    rec.accounts = NULL;
    rec.into = NULL;
    ls_snap_put(w, &rec, sizeof rec);
    ls_snap_put(w, o->ops[i]->accounts, o->ops[i]->n_accounts * sizeof(uint64_t));
  }
}

/* One operation as saved; NULL (r->bad, or out of memory: *oom) when it cannot be. */
static struct ls_op *load_op(struct ls_snap_reader *r, bool *oom) {
  struct ls_op *op = calloc(1, sizeof *op);
  if (!op) {
    *oom = true;
    return NULL;
  }
  ls_snap_get(r, op, sizeof *op);
  op->into = NULL;
  op->id[sizeof op->id - 1] = '\0';
  for (int k = 0; k < LS_OP_MERGED_MAX; k++) op->merged_from[k][LS_CAMPAIGN_ID_MAX - 1] = '\0';
  if (op->n_objects > LS_OP_OBJECTS || op->object_head >= LS_OP_OBJECTS || op->n_merged > LS_OP_MERGED_MAX ||
      (uint64_t)op->n_accounts * sizeof(uint64_t) > r->left)
    ls_snap_fail(r, "an operation out of range");
  op->cap_accounts = op->n_accounts;
  op->accounts = r->bad ? NULL : malloc(((size_t)op->n_accounts + 1) * sizeof(uint64_t));
  if (!r->bad && !op->accounts) *oom = true;
  if (!op->accounts || !ls_snap_get(r, op->accounts, op->n_accounts * sizeof(uint64_t))) {
    op_free(op);
    return NULL;
  }
  return op;
}

int ls_ops_load(struct ls_ops *o, struct ls_snap_reader *r, struct ls_err *err) {
  for (uint32_t i = 0; i < o->n; i++) op_free(o->ops[i]);
  o->n = 0;
  if (!ls_snap_expect(r, "OPER", sizeof(struct ls_op))) return ls_snap_status(r, err);
  uint64_t n = ls_snap_get_count(r, sizeof(struct ls_op));
  struct ls_op **ops = realloc(o->ops, (n + 1) * sizeof *ops);
  if (!ops) return ls_err_set(err, LS_ENOMEM, "checkpoint: cannot hold %llu operations", (unsigned long long)n);
  o->ops = ops;
  o->cap = (uint32_t)n + 1;
  bool oom = false;
  for (uint64_t i = 0; i < n && !r->bad; i++) {
    struct ls_op *op = load_op(r, &oom);
    if (!op) break;
    o->ops[o->n++] = op;
  }
  if (oom) return ls_err_set(err, LS_ENOMEM, "checkpoint: out of memory for operations");
  return ls_snap_status(r, err);
}
