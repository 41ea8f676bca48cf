/* graph.c — coordination graph and clustering (see graph.h).
 * Edges and accounts live in two open-addressing tables that never empty a slot: an entry is
 * replaced when it is stale (older than edge_ttl) or, when its probe run is full, the lightest
 * edge of the run (accounts: the least recently updated entry) is evicted (counted). Edges are
 * listed when they first reach min_edge_weight; clustering reads that list (dropping stale and expired entries), maps the
 * accounts to dense indices once, peels accounts whose ties sum to less than min_account_evidence
 * (a queue over a CSR adjacency, linear in the edges), finds the connected components of the
 * remaining edges with the backend's components op and summarises each group of at least
 * min_accounts. It allocates per run, not per tweet. */
#include "lockstep/graph.h"

#include <stdlib.h>
#include <string.h>

#include "lockstep/hash.h"
#include "lockstep/utf8.h"

#define MAX_PROBE 32

struct edge {
  uint64_t a, b; /* a < b; a == 0: never used */
  int64_t first_ms, last_ms;
  float w[LS_SIG_COUNT];     /* discounted actions */
  uint16_t n[LS_SIG_COUNT];  /* actions */
  float gap_s;               /* sum of the actions' gaps */
  bool listed;               /* in the strong list */
  int64_t strong_ms;         /* when it (last) reached a minimum weight */
};

struct account {
  uint64_t id;
  int64_t last_ms;
  uint64_t coord_tweets;
  uint64_t samples[3];
  int64_t times[LS_ACCOUNT_TIMES]; /* coordinated tweets, ring */
  uint64_t objects[LS_ACCOUNT_OBJECTS]; /* distinct objects of its coordinated actions, ring */
  uint8_t n_samples, sample_head, n_times, time_head, n_objects, object_head;
  uint16_t text_len;
  float suspicion; /* < 0: no metadata */
  float evidence;  /* weight of all its co-actions so far: a clustering trigger, not a decision */
  char username[LS_USERNAME_MAX];
  char text[LS_TEXT_MAX];
};

struct strong_ref { /* an edge slot, and the pair it held when it became strong */
  uint32_t slot;
  uint64_t a, b;
};

struct ls_graph {
  struct ls_graph_conf conf;
  struct edge *edges;
  uint32_t edge_mask;
  struct account *accounts;
  uint32_t account_mask;
  int64_t watermark;
  uint64_t edge_evictions, account_evictions;
  struct strong_ref *strong; /* edges that reached a minimum weight: what clustering reads */
  uint32_t n_strong, cap_strong;
};

static uint32_t pow2(uint32_t n) {
  uint32_t c = 1024;
  while (c < n) c <<= 1;
  return c;
}

void ls_graph_set_min_accounts(struct ls_graph *g, uint32_t n) { g->conf.min_accounts = n; }

int ls_graph_create(struct ls_graph **out, const struct ls_graph_conf *conf, struct ls_err *err) {
  struct ls_graph *g = calloc(1, sizeof *g);
  if (!g) return ls_err_set(err, LS_ENOMEM, "graph: out of memory");
  g->conf = *conf;
  uint32_t ne = pow2(conf->max_edges), na = pow2(conf->max_accounts);
  g->edges = calloc(ne, sizeof *g->edges);
  g->accounts = calloc(na, sizeof *g->accounts);
  if (!g->edges || !g->accounts) {
    ls_graph_destroy(g);
    return ls_err_set(err, LS_ENOMEM, "graph: cannot allocate %u edges and %u accounts", ne, na);
  }
  g->edge_mask = ne - 1;
  g->account_mask = na - 1;
  *out = g;
  return LS_OK;
}

void ls_graph_destroy(struct ls_graph *g) {
  if (!g) return;
  free(g->strong);
  free(g->edges);
  free(g->accounts);
  free(g);
}

static bool is_live(const struct ls_graph *g, int64_t last_ms, int64_t now) { return last_ms >= now - g->conf.edge_ttl_ms; }

static double edge_weight(const struct edge *e);

/* Which of two occupied slots to give up first: an expired edge before a live one (the oldest
 * first), and among live ones the lightest, so a full table forgets chance ties before the
 * evidence of a group. */
static bool worse_victim(const struct ls_graph *g, const struct edge *x, const struct edge *y) {
  bool xl = is_live(g, x->last_ms, g->watermark), yl = is_live(g, y->last_ms, g->watermark);
  if (xl != yl) return !xl;
  if (!xl) return x->last_ms < y->last_ms;
  double wx = edge_weight(x), wy = edge_weight(y);
  return wx != wy ? wx < wy : x->last_ms < y->last_ms;
}

static struct edge *edge_slot(struct ls_graph *g, uint64_t a, uint64_t b) {
  uint32_t i = (uint32_t)ls_hash_combine(ls_mix64(a), b) & g->edge_mask;
  struct edge *victim = NULL;
  for (int p = 0; p < MAX_PROBE; p++, i = (i + 1) & g->edge_mask) {
    struct edge *e = &g->edges[i];
    if (e->a == a && e->b == b) return e;
    if (e->a == 0) { victim = e; break; }
    if (!victim || worse_victim(g, e, victim)) victim = e;
  }
  if (victim->a != 0 && is_live(g, victim->last_ms, g->watermark)) g->edge_evictions++;
  *victim = (struct edge){.a = a, .b = b}; /* a listed ref to the old pair goes stale */
  return victim;
}

/* The edge of a and b (a < b) when the table holds it, else NULL. */
static struct edge *edge_found(struct ls_graph *g, uint64_t a, uint64_t b) {
  uint32_t i = (uint32_t)ls_hash_combine(ls_mix64(a), b) & g->edge_mask;
  for (int p = 0; p < MAX_PROBE && g->edges[i].a; p++, i = (i + 1) & g->edge_mask)
    if (g->edges[i].a == a && g->edges[i].b == b) return &g->edges[i];
  return NULL;
}

static struct account *account_slot(struct ls_graph *g, uint64_t id, bool create) {
  uint32_t i = (uint32_t)ls_mix64(id) & g->account_mask;
  struct account *oldest = NULL;
  for (int p = 0; p < MAX_PROBE; p++, i = (i + 1) & g->account_mask) {
    struct account *s = &g->accounts[i];
    if (s->id == id) return s;
    if (s->id == 0) { oldest = s; break; }
    if (!oldest || s->last_ms < oldest->last_ms) oldest = s;
  }
  if (!create) return NULL;
  if (oldest->id != 0 && is_live(g, oldest->last_ms, g->watermark)) g->account_evictions++;
  memset(oldest, 0, sizeof *oldest);
  oldest->id = id;
  oldest->suspicion = -1;
  return oldest;
}

static double edge_weight(const struct edge *e) {
  double w = 0;
  for (int s = 0; s < LS_SIG_COUNT; s++) w += e->w[s];
  return w;
}

static bool is_strong(const struct ls_graph *g, const struct edge *e, int64_t now) {
  return e->a != 0 && is_live(g, e->last_ms, now) && edge_weight(e) >= g->conf.min_edge_weight - 1e-6;
}

/* Lists an edge that just reached a minimum weight; false when the list cannot grow (out of
 * memory: the edge is listed at a later action). */
static bool list_strong(struct ls_graph *g, struct edge *e, int64_t t) {
  if (g->n_strong == g->cap_strong) {
    uint32_t cap = g->cap_strong ? 2 * g->cap_strong : 1024;
    struct strong_ref *s = realloc(g->strong, cap * sizeof *s);
    if (!s) return false;
    g->strong = s;
    g->cap_strong = cap;
  }
  g->strong[g->n_strong++] = (struct strong_ref){(uint32_t)(e - g->edges), e->a, e->b};
  e->listed = true;
  e->strong_ms = t;
  return true;
}

bool ls_graph_add(struct ls_graph *g, uint64_t a, uint64_t b, enum ls_signal s, int64_t t, float weight, int64_t gap_ms) {
  if (a == b || a == 0 || b == 0) return false;
  if (a > b) { uint64_t x = a; a = b; b = x; }
  if (t > g->watermark) g->watermark = t;
  struct edge *e = edge_slot(g, a, b);
  if (e->first_ms == 0 || t < e->first_ms) e->first_ms = t;
  if (t > e->last_ms) e->last_ms = t;
  if (e->n[s] == UINT16_MAX) return false; /* saturated: a flooder, not more evidence */
  e->n[s]++;
  e->w[s] += weight;
  e->gap_s += (float)(llabs(gap_ms) / 1000.0);
  bool crossed = false, both = true; /* an account's co-actions now reach min_account_evidence */
  for (int k = 0; k < 2; k++) {
    struct account *acc = account_slot(g, k ? b : a, true);
    if (t > acc->last_ms) acc->last_ms = t;
    crossed |= acc->evidence < g->conf.min_account_evidence && acc->evidence + weight >= g->conf.min_account_evidence;
    acc->evidence += weight;
    both &= acc->evidence >= g->conf.min_account_evidence;
  }
  bool listed = !e->listed && is_strong(g, e, g->watermark) && list_strong(g, e, t);
  return (crossed && both && e->listed) || (listed && edge_weight(e) >= g->conf.min_account_evidence);
}

void ls_graph_reweigh(struct ls_graph *g, uint64_t a, uint64_t b, enum ls_signal s, float delta) {
  if (a == b || a == 0 || b == 0) return;
  if (a > b) { uint64_t x = a; a = b; b = x; }
  struct edge *e = edge_found(g, a, b);
  if (!e || e->n[s] == 0) return; /* evicted, or never counted: nothing to take back */
  e->w[s] = e->w[s] + delta > 0 ? e->w[s] + delta : 0;
  for (int k = 0; k < 2; k++) {
    struct account *acc = account_slot(g, k ? b : a, false);
    if (acc) acc->evidence = acc->evidence + delta > 0 ? acc->evidence + delta : 0;
  }
}

/* Indicators of an automated or throw-away account, each in [0, 1], averaged: a young account
 * (under 30 days: 1, under 180: 0.5), the default profile image, following many while followed
 * by few (≥ 100 followed, < 10 followers), and more than 144 tweets a day over its life. */
double ls_account_suspicion(const struct ls_author *au, int64_t t) {
  if (!au->present) return -1;
  double age_days = au->created_at_ms > 0 && t > au->created_at_ms ? (t - au->created_at_ms) / 86400000.0 : -1;
  double young = age_days < 0 ? 0 : age_days < 30 ? 1 : age_days < 180 ? 0.5 : 0;
  double lopsided = au->following >= 100 && au->followers < 10;
  double prolific = age_days > 0 && au->statuses / (age_days < 1 ? 1 : age_days) > 144;
  return (young + au->default_profile_image + lopsided + prolific) / 4;
}

void ls_graph_touch(struct ls_graph *g, const struct ls_tweet *tw) {
  int64_t t = tw->created_at_ms;
  if (t > g->watermark) g->watermark = t;
  struct account *a = account_slot(g, tw->author_id, true);
  if (t > a->last_ms) a->last_ms = t;
  a->coord_tweets++;
  a->samples[a->sample_head] = tw->id;
  a->sample_head = (uint8_t)((a->sample_head + 1) % 3);
  if (a->n_samples < 3) a->n_samples++;
  a->times[a->time_head] = t;
  a->time_head = (uint8_t)((a->time_head + 1) % LS_ACCOUNT_TIMES);
  if (a->n_times < LS_ACCOUNT_TIMES) a->n_times++;
  if (tw->author.present) a->suspicion = (float)ls_account_suspicion(&tw->author, t);
  if (tw->username) snprintf(a->username, sizeof a->username, "%s", tw->username);
  if (tw->text && tw->text_len) {
    a->text_len = (uint16_t)ls_utf8_prefix(tw->text, tw->text_len, LS_TEXT_MAX);
    memcpy(a->text, tw->text, a->text_len);
  }
}

void ls_graph_object(struct ls_graph *g, uint64_t account, uint64_t object) {
  struct account *a = account_slot(g, account, true);
  for (uint32_t k = 0; k < a->n_objects; k++)
    if (a->objects[k] == object) return;
  a->objects[a->object_head] = object;
  a->object_head = (uint8_t)((a->object_head + 1) % LS_ACCOUNT_OBJECTS);
  if (a->n_objects < LS_ACCOUNT_OBJECTS) a->n_objects++;
}

/* --- checkpoints ----------------------------------------------------------------------------- */

static uint64_t fingerprint(const struct ls_graph *g) {
  return ls_hash_combine(ls_hash_combine(sizeof(struct edge), sizeof(struct account)),
                         ls_hash_combine(g->edge_mask, g->account_mask));
}

static bool account_valid(void *p) {
  struct account *a = p;
  a->username[LS_USERNAME_MAX - 1] = '\0';
  return a->n_samples <= 3 && a->sample_head < 3 && a->n_times <= LS_ACCOUNT_TIMES && a->time_head < LS_ACCOUNT_TIMES &&
         a->n_objects <= LS_ACCOUNT_OBJECTS && a->object_head < LS_ACCOUNT_OBJECTS && a->text_len <= LS_TEXT_MAX;
}

static bool edge_used(const void *e) { return ((const struct edge *)e)->a != 0; }
static bool account_used(const void *a) { return ((const struct account *)a)->id != 0; }

void ls_graph_save(const struct ls_graph *g, struct ls_snap *w) {
  ls_snap_section(w, "GRPH", fingerprint(g));
  ls_snap_u64(w, (uint64_t)g->watermark);
  ls_snap_u64(w, g->edge_evictions);
  ls_snap_u64(w, g->account_evictions);
  ls_snap_u64(w, g->n_strong);
  ls_snap_put(w, g->strong, (size_t)g->n_strong * sizeof *g->strong);
  ls_snap_put_sparse(w, g->edges, sizeof *g->edges, g->edge_mask + 1, edge_used);
  ls_snap_put_sparse(w, g->accounts, sizeof *g->accounts, g->account_mask + 1, account_used);
}

int ls_graph_load(struct ls_graph *g, struct ls_snap_reader *r, struct ls_err *err) {
  if (ls_snap_expect(r, "GRPH", fingerprint(g))) {
    g->watermark = (int64_t)ls_snap_get_u64(r);
    g->edge_evictions = ls_snap_get_u64(r);
    g->account_evictions = ls_snap_get_u64(r);
    uint64_t n = ls_snap_get_count(r, sizeof *g->strong);
    struct strong_ref *s = n ? malloc(n * sizeof *s) : NULL;
    if (n && !s) return ls_err_set(err, LS_ENOMEM, "checkpoint: cannot hold %llu strong edges", (unsigned long long)n);
    ls_snap_get(r, s, n * sizeof *s);
    free(g->strong);
    g->strong = s;
    g->n_strong = g->cap_strong = (uint32_t)n;
    for (uint64_t k = 0; k < n && !r->bad; k++)
      if (s[k].slot > g->edge_mask) ls_snap_fail(r, "a strong edge outside the edge table");
    if (ls_snap_get_sparse(r, g->edges, sizeof *g->edges, g->edge_mask + 1, NULL))
      ls_snap_get_sparse(r, g->accounts, sizeof *g->accounts, g->account_mask + 1, account_valid);
    if (r->bad) g->n_strong = 0;
  }
  return ls_snap_status(r, err);
}

/* --- clustering ----------------------------------------------------------------------------- */

struct idmap { /* account id → dense index, open addressing, per clustering run */
  uint64_t *ids;
  uint32_t *idx;
  uint32_t mask, n;
};

static uint32_t idmap_get(struct idmap *m, uint64_t id) {
  uint32_t i = (uint32_t)ls_mix64(id) & m->mask;
  while (m->ids[i] && m->ids[i] != id) i = (i + 1) & m->mask;
  if (!m->ids[i]) {
    m->ids[i] = id;
    m->idx[i] = m->n++;
  }
  return m->idx[i];
}

struct run {
  const struct edge **strong;
  uint32_t n_strong;
  uint32_t *end;       /* dense indices of the endpoints of strong edge k: end[2k], end[2k+1] */
  struct idmap map;
  uint64_t *id_of;     /* dense index → account id */
  uint32_t *label;     /* dense index → the smallest dense index of its component (backend op) */
  int64_t *join;       /* dense index → when its first strong edge became strong */
  uint32_t *size;      /* component size, at its label */
  uint32_t *group_of;  /* root → group number + 1 */
};

static void run_free(struct run *r) {
  free(r->strong);
  free(r->end);
  free(r->map.ids);
  free(r->map.idx);
  free(r->id_of);
  free(r->group_of);
  free(r->label);
  free(r->size);
  free(r->join);
}

/* Whether an account's co-actions could reach min_account_evidence: its running sum bounds the
 * weight of its live strong edges, so one below it would be peeled anyway. */
static bool evident(struct ls_graph *g, uint64_t id) {
  const struct account *a = account_slot(g, id, false);
  return a && a->evidence >= g->conf.min_account_evidence - 1e-6;
}

/* The strong edges from the strong list, which is compacted on the way: refs whose slot now
 * holds another pair, and edges no longer strong (expired), leave it; edges of accounts that are
 * not yet evident stay listed but are not read. */
static int strong_edges(struct ls_graph *g, int64_t now, struct run *r, struct ls_err *err) {
  r->strong = malloc((g->n_strong + 1) * sizeof *r->strong);
  if (!r->strong) return ls_err_set(err, LS_ENOMEM, "cluster: cannot hold %u edges", g->n_strong);
  uint32_t kept = 0;
  for (uint32_t i = 0; i < g->n_strong; i++) {
    struct strong_ref ref = g->strong[i];
    struct edge *e = &g->edges[ref.slot];
    if (e->a != ref.a || e->b != ref.b) continue;
    if (!is_strong(g, e, now)) {
      e->listed = false;
      continue;
    }
    g->strong[kept++] = ref;
    if (evident(g, e->a) && evident(g, e->b)) r->strong[r->n_strong++] = e;
  }
  g->n_strong = kept;
  return LS_OK;
}

/* Weighted k-core: drops accounts whose strong edges sum to less than min_account_evidence,
 * and the edges of dropped accounts from the others' sums, until every account left passes;
 * then keeps only the edges between accounts left (r->strong and r->end compacted). */
static int peel(struct ls_graph *g, struct run *r, struct ls_err *err) {
  uint32_t nv = r->map.n, ne = r->n_strong;
  double *deg = calloc(nv + 1, sizeof *deg), *w = malloc((ne + 1) * sizeof *w); /* w: each edge's, read once */
  uint32_t *first = calloc(nv + 2, sizeof *first), *adj = malloc((2 * (size_t)ne + 1) * sizeof *adj);
  uint32_t *queue = malloc((nv + 1) * sizeof *queue);
  bool *gone = calloc(nv + 1, sizeof *gone);
  int rc = LS_OK;
  if (!deg || !w || !first || !adj || !queue || !gone) {
    rc = ls_err_set(err, LS_ENOMEM, "cluster: cannot peel %u accounts", nv);
    goto out;
  }
  for (uint32_t k = 0; k < 2 * ne; k++) first[r->end[k] + 1]++;
  for (uint32_t v = 0; v < nv; v++) first[v + 1] += first[v];
  for (uint32_t v = 0; v < nv; v++) queue[v] = first[v]; /* the queue starts as the fill cursor */
  for (uint32_t k = 0; k < 2 * ne; k++) adj[queue[r->end[k]]++] = k;
  uint32_t head = 0, tail = 0;
  for (uint32_t k = 0; k < ne; k++) {
    w[k] = edge_weight(r->strong[k]);
    deg[r->end[2 * k]] += w[k];
    deg[r->end[2 * k + 1]] += w[k];
  }
  double need = g->conf.min_account_evidence - 1e-6;
  for (uint32_t v = 0; v < nv; v++)
    if (deg[v] < need) gone[queue[tail++] = v] = true;
  while (head < tail) {
    uint32_t v = queue[head++];
    for (uint32_t i = first[v]; i < first[v + 1]; i++) {
      uint32_t k = adj[i] / 2, u = r->end[2 * k + (adj[i] % 2 ? 0 : 1)];
      if (gone[u]) continue;
      deg[u] -= w[k];
      if (deg[u] < need) gone[queue[tail++] = u] = true;
    }
  }
  uint32_t kept = 0;
  for (uint32_t k = 0; k < ne; k++) {
    if (gone[r->end[2 * k]] || gone[r->end[2 * k + 1]]) continue;
    r->strong[kept] = r->strong[k];
    r->end[2 * kept] = r->end[2 * k];
    r->end[2 * kept + 1] = r->end[2 * k + 1];
    kept++;
  }
  r->n_strong = kept;
out:
  free(deg);
  free(w);
  free(first);
  free(adj);
  free(queue);
  free(gone);
  return rc;
}

/* Dense indices for the endpoints, and their union. */
static int collect(struct ls_graph *g, struct ls_backend *be, int64_t now, struct run *r, struct ls_err *err) {
  int rc = strong_edges(g, now, r, err);
  if (rc != LS_OK) return rc;
  uint32_t n = r->n_strong, cap = pow2(4 * n + 2);
  r->end = malloc((2 * (size_t)n + 1) * sizeof *r->end);
  r->map = (struct idmap){calloc(cap, sizeof(uint64_t)), calloc(cap, sizeof(uint32_t)), cap - 1, 0};
  r->id_of = malloc((2 * (size_t)n + 1) * sizeof *r->id_of);
  if (!r->end || !r->map.ids || !r->map.idx || !r->id_of)
    return ls_err_set(err, LS_ENOMEM, "cluster: cannot allocate for %u edges", n);
  for (uint32_t k = 0; k < n; k++)
    for (int side = 0; side < 2; side++) {
      uint64_t id = side ? r->strong[k]->b : r->strong[k]->a;
      uint32_t v = idmap_get(&r->map, id);
      r->id_of[v] = id;
      r->end[2 * k + (uint32_t)side] = v;
    }
  if ((rc = peel(g, r, err)) != LS_OK) return rc;
  n = r->n_strong;
  r->label = malloc((r->map.n + 1) * sizeof *r->label);
  r->size = calloc(r->map.n + 1, sizeof *r->size);
  r->join = malloc((r->map.n + 1) * sizeof *r->join);
  for (uint32_t v = 0; r->join && v < r->map.n; v++) r->join[v] = INT64_MAX;
  for (uint32_t k = 0; r->join && k < n; k++)
    for (int side = 0; side < 2; side++) {
      int64_t *j = &r->join[r->end[2 * k + (uint32_t)side]];
      if (r->strong[k]->strong_ms < *j) *j = r->strong[k]->strong_ms;
    }
  r->group_of = calloc(r->map.n + 1, sizeof *r->group_of);
  if (!r->label || !r->size || !r->join || !r->group_of) return ls_err_set(err, LS_ENOMEM, "cluster: out of memory");
  if ((rc = be->i->components(be, r->end, n, r->map.n, r->label, err)) != LS_OK) return rc;
  for (uint32_t v = 0; v < r->map.n; v++) r->size[r->label[v]]++;
  return LS_OK;
}

static int cmp_u64(const void *x, const void *y) {
  uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
  return a < b ? -1 : a > b;
}

/* Most frequent value of a sorted array (0 when empty). */
static uint64_t mode_of_sorted(const uint64_t *v, uint32_t n) {
  uint64_t best = 0;
  uint32_t best_run = 0;
  for (uint32_t i = 0, j; i < n; i = j) {
    for (j = i; j < n && v[j] == v[i]; j++) {}
    if (j - i > best_run) { best_run = j - i; best = v[i]; }
  }
  return best;
}

/* The group's coordinated tweets per minute over its latest LS_HIST_MINUTES minutes, from the
 * times each account remembers. */
static void histogram(const struct account *a, struct ls_evidence *ev, int64_t last_ms) {
  int64_t last_min = last_ms / 60000, first_min = last_min - LS_HIST_MINUTES + 1;
  for (uint32_t k = 0; k < a->n_times; k++) {
    int64_t m = a->times[k] / 60000;
    if (m < first_min || m > last_min) continue;
    ev->hist[m - first_min]++;
  }
}

/* Drops the empty minutes before the first busy one. */
static void histogram_trim(struct ls_evidence *ev, int64_t last_ms) {
  uint32_t lead = 0;
  while (lead < LS_HIST_MINUTES && ev->hist[lead] == 0) lead++;
  ev->n_hist = LS_HIST_MINUTES - lead;
  memmove(ev->hist, ev->hist + lead, ev->n_hist * sizeof *ev->hist);
  memset(ev->hist + ev->n_hist, 0, lead * sizeof *ev->hist);
  ev->hist_start_ms = (last_ms / 60000 - LS_HIST_MINUTES + 1 + lead) * 60000;
}

struct object_count {
  uint64_t key;
  uint32_t n;
};

static int by_count_desc(const void *x, const void *y) {
  const struct object_count *a = x, *b = y;
  return a->n != b->n ? (a->n < b->n ? 1 : -1) : (a->key > b->key) - (a->key < b->key);
}

/* The objects that at least two of the group's accounts remember, most shared first (ties by
 * key, so the choice does not depend on the order of the accounts). */
static void shared_objects(struct ls_graph *g, struct ls_group *grp) {
  uint64_t *keys = malloc(((size_t)grp->n_accounts * LS_ACCOUNT_OBJECTS + 1) * sizeof *keys);
  struct object_count *runs = malloc(((size_t)grp->n_accounts * LS_ACCOUNT_OBJECTS / 2 + 1) * sizeof *runs);
  uint32_t n = 0, n_runs = 0;
  for (uint32_t i = 0; keys && runs && i < grp->n_accounts; i++) {
    const struct account *a = account_slot(g, grp->accounts[i], false);
    for (uint32_t k = 0; a && k < a->n_objects; k++) keys[n++] = a->objects[k];
  }
  if (keys && runs) qsort(keys, n, sizeof *keys, cmp_u64);
  for (uint32_t i = 0, j; runs && i < n; i = j) {
    for (j = i; j < n && keys[j] == keys[i]; j++) {}
    if (j - i >= 2) runs[n_runs++] = (struct object_count){keys[i], j - i};
  }
  if (runs) qsort(runs, n_runs, sizeof *runs, by_count_desc);
  for (uint32_t i = 0; i < n_runs && i < LS_GROUP_OBJECTS; i++) grp->objects[grp->n_objects++] = runs[i].key;
  free(keys);
  free(runs);
}

/* Up to LS_TEXT_VARIANTS recent texts of the group's accounts other than the representative one
 * (hash `skip`) and each other: what the dashboard sets beside it, shared words marked. */
static void variants(struct ls_graph *g, struct ls_group *grp, uint64_t skip) {
  uint64_t seen[LS_TEXT_VARIANTS + 1] = {skip};
  grp->n_variants = 0;
  for (uint32_t i = 0; i < grp->n_accounts && grp->n_variants < LS_TEXT_VARIANTS; i++) {
    const struct account *a = account_slot(g, grp->accounts[i], false);
    if (!a || !a->text_len) continue;
    uint64_t h = ls_hash64(a->text, a->text_len, 0) | 1;
    bool dup = false;
    for (uint32_t k = 0; k <= grp->n_variants && !dup; k++) dup = seen[k] == h;
    if (dup) continue;
    seen[++grp->n_variants] = h;
    memcpy(grp->variants[grp->n_variants - 1], a->text, a->text_len);
    grp->variants[grp->n_variants - 1][a->text_len] = '\0';
  }
}

/* Tweet count, samples, activity, account features, shared objects, the most common recent text
 * of the group's accounts and a few of the others. */
static void describe(struct ls_graph *g, struct ls_group *grp) {
  shared_objects(g, grp);
  uint64_t *hashes = malloc((grp->n_accounts + 1) * sizeof *hashes);
  uint32_t nh = 0;
  double suspicion = 0;
  int64_t latest = grp->last_ms;
  for (uint32_t i = 0; i < grp->n_accounts; i++) {
    const struct account *a = account_slot(g, grp->accounts[i], false);
    if (a && a->last_ms > latest) latest = a->last_ms;
  }
  for (uint32_t i = 0; i < grp->n_accounts; i++) {
    const struct account *a = account_slot(g, grp->accounts[i], false);
    grp->usernames[i][0] = '\0';
    if (!a) continue;
    memcpy(grp->usernames[i], a->username, LS_USERNAME_MAX);
    grp->tweet_count += a->coord_tweets;
    for (uint32_t k = 0; k < a->n_samples && grp->n_samples < LS_SAMPLES; k++) grp->samples[grp->n_samples++] = a->samples[k];
    histogram(a, &grp->ev, latest);
    if (a->suspicion >= 0) {
      suspicion += a->suspicion;
      grp->ev.accounts_with_metadata++;
    }
    if (a->text_len && hashes) hashes[nh++] = ls_hash64(a->text, a->text_len, 0) | 1;
  }
  histogram_trim(&grp->ev, latest);
  grp->ev.account_suspicion = grp->ev.accounts_with_metadata ? suspicion / grp->ev.accounts_with_metadata : 0;
  if (!hashes) return;
  qsort(hashes, nh, sizeof *hashes, cmp_u64);
  uint64_t want = mode_of_sorted(hashes, nh);
  free(hashes);
  for (uint32_t i = 0; want && i < grp->n_accounts; i++) {
    const struct account *a = account_slot(g, grp->accounts[i], false);
    if (!a || !a->text_len || (ls_hash64(a->text, a->text_len, 0) | 1) != want) continue;
    memcpy(grp->text, a->text, a->text_len);
    grp->text[a->text_len] = '\0';
    break;
  }
  variants(g, grp, want);
}

/* Signals whose actions repeat the same or near-same content count fully towards the content
 * share; those that share only a link, a hashtag sequence or a reply target count half. */
static const double CONTENT_PART[LS_SIG_COUNT] = {
    [LS_SIG_RETWEET] = 1, [LS_SIG_REPLY] = 0.5, [LS_SIG_TWEET] = 1, [LS_SIG_SIMILAR] = 1, [LS_SIG_LINK] = 0.5, [LS_SIG_HASHTAG] = 0.5};

/* Keeps the LS_TOP_EDGES heaviest edges, heaviest first. */
static void keep_top(struct ls_evidence *ev, const struct edge *e) {
  struct ls_group_edge x = {.a = e->a, .b = e->b};
  for (int s = 0; s < LS_SIG_COUNT; s++) x.weight += x.w[s] = e->w[s];
  uint32_t i = ev->n_top < LS_TOP_EDGES ? ev->n_top++ : LS_TOP_EDGES;
  while (i > 0 && ev->top[i - 1].weight < x.weight) {
    if (i < LS_TOP_EDGES) ev->top[i] = ev->top[i - 1];
    i--;
  }
  if (i < LS_TOP_EDGES) ev->top[i] = x;
}

struct edge_totals { double weight, gap_s, content, actions; };

static void add_edge(struct ls_group *grp, struct edge_totals *tot, const struct edge *e) {
  grp->strong_edges++;
  for (int s = 0; s < LS_SIG_COUNT; s++) {
    grp->signal_actions[s] += e->n[s];
    tot->weight += e->w[s];
    tot->content += CONTENT_PART[s] * e->n[s];
    tot->actions += e->n[s];
  }
  tot->gap_s += e->gap_s;
  bool earlier = grp->first_ms == 0 || e->first_ms < grp->first_ms ||
                 (e->first_ms == grp->first_ms && (e->a < grp->seed_a || (e->a == grp->seed_a && e->b < grp->seed_b)));
  if (earlier) {
    grp->first_ms = e->first_ms;
    grp->seed_a = e->a;
    grp->seed_b = e->b;
  }
  if (e->last_ms > grp->last_ms) grp->last_ms = e->last_ms;
  keep_top(&grp->ev, e);
}

static void finish_totals(struct ls_group *grp, const struct edge_totals *tot) {
  grp->ev.mean_gap_s = tot->actions ? tot->gap_s / tot->actions : 0;
  grp->ev.content_share = tot->actions ? tot->content / tot->actions : 0;
  grp->ev.mean_edge_weight = grp->strong_edges ? tot->weight / grp->strong_edges : 0;
}

static int cmp_i64(const void *x, const void *y) {
  int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
  return a < b ? -1 : a > b;
}

/* When the group's k-th account got its first strong edge: the moment it could first be
 * flagged (the min_accounts-th account's coordinated action). */
static int64_t nth_join(int64_t *joins, uint32_t n, uint32_t k) {
  qsort(joins, n, sizeof *joins, cmp_i64);
  return joins[(k ? k : 1) <= n ? (k ? k : 1) - 1 : n - 1];
}

static int summarise(struct ls_graph *g, struct run *r, uint32_t min_group, struct ls_groups *out, struct ls_err *err) {
  uint32_t n_groups = 0, n_members = 0;
  for (uint32_t v = 0; v < r->map.n; v++) {
    if (r->label[v] == v && r->size[v] >= min_group) {
      r->group_of[v] = ++n_groups;
      n_members += r->size[v];
    }
  }
  out->g = calloc(n_groups + 1, sizeof *out->g);
  out->account_mem = malloc((n_members + 1) * sizeof(uint64_t));
  out->username_mem = malloc((n_members + 1) * sizeof *out->username_mem);
  if (!out->g || !out->account_mem || !out->username_mem)
    return ls_err_set(err, LS_ENOMEM, "cluster: out of memory for %u groups", n_groups);
  uint32_t next = 0;
  for (uint32_t v = 0; v < r->map.n; v++) {
    if (!r->group_of[v]) continue;
    struct ls_group *grp = &out->g[r->group_of[v] - 1];
    grp->accounts = out->account_mem + next;
    grp->usernames = out->username_mem + next;
    next += r->size[v];
  }
  int64_t *joins = malloc((n_members + 1) * sizeof *joins);
  uint32_t *acts = calloc(r->map.n + 1, sizeof *acts); /* co-actions per account on the strong edges */
  if (!joins || !acts) {
    free(joins);
    free(acts);
    return ls_err_set(err, LS_ENOMEM, "cluster: out of memory for %u groups", n_groups);
  }
  for (uint32_t k = 0; k < r->n_strong; k++)
    for (int s = 0; s < LS_SIG_COUNT; s++) {
      acts[r->end[2 * k]] += r->strong[k]->n[s];
      acts[r->end[2 * k + 1]] += r->strong[k]->n[s];
    }
  for (uint32_t v = 0; v < r->map.n; v++) {
    uint32_t gi = r->group_of[r->label[v]];
    if (!gi) continue;
    struct ls_group *grp = &out->g[gi - 1];
    joins[grp->accounts - out->account_mem + grp->n_accounts] = r->join[v];
    if (!grp->n_accounts || acts[v] < grp->least_member_actions) grp->least_member_actions = acts[v];
    grp->accounts[grp->n_accounts++] = r->id_of[v];
  }
  free(acts);
  for (uint32_t i = 0; i < n_groups; i++)
    out->g[i].qualified_ms = nth_join(joins + (out->g[i].accounts - out->account_mem), out->g[i].n_accounts, g->conf.min_accounts);
  free(joins);
  struct edge_totals *tot = calloc(n_groups + 1, sizeof *tot);
  if (!tot) return ls_err_set(err, LS_ENOMEM, "cluster: out of memory for %u groups", n_groups);
  for (uint32_t k = 0; k < r->n_strong; k++) {
    uint32_t gi = r->group_of[r->label[r->end[2 * k]]];
    if (gi) add_edge(&out->g[gi - 1], &tot[gi - 1], r->strong[k]);
  }
  out->n = n_groups;
  for (uint32_t i = 0; i < n_groups; i++) {
    finish_totals(&out->g[i], &tot[i]);
    qsort(out->g[i].accounts, out->g[i].n_accounts, sizeof(uint64_t), cmp_u64);
    describe(g, &out->g[i]);
  }
  free(tot);
  return LS_OK;
}

int ls_graph_cluster(struct ls_graph *g, struct ls_backend *be, uint32_t min_group, int64_t now, struct ls_groups *out,
                     struct ls_err *err) {
  memset(out, 0, sizeof *out);
  struct run r = {0};
  int rc = collect(g, be, now, &r, err);
  if (rc == LS_OK) rc = summarise(g, &r, min_group < 2 ? 2 : min_group, out, err);
  run_free(&r);
  if (rc != LS_OK) ls_groups_free(out);
  return rc;
}

void ls_groups_free(struct ls_groups *gs) {
  free(gs->g);
  free(gs->account_mem);
  free(gs->username_mem);
  memset(gs, 0, sizeof *gs);
}

void ls_graph_stats(const struct ls_graph *g, int64_t now, struct ls_graph_stats *st) {
  st->edges_live = 0;
  for (uint32_t i = 0; i <= g->edge_mask; i++) st->edges_live += g->edges[i].a && is_live(g, g->edges[i].last_ms, now);
  st->edge_evictions = g->edge_evictions;
  st->account_evictions = g->account_evictions;
}

size_t ls_graph_bytes(const struct ls_graph *g) {
  return ((size_t)g->edge_mask + 1) * sizeof(struct edge) + ((size_t)g->account_mask + 1) * sizeof(struct account);
}
