/* export.c — the coordination network of a replay run in the QUT toolkit's layouts (see
 * export.h). Actions and matches are appended to growing arrays during the run; at the end the
 * actions are sorted by (signal, object, time) and each object's run is self-joined within
 * ±window with two pointers, giving (signal, A, B, message of A) matches; sorting those and
 * counting distinct messages per (signal, A, B) gives the toolkit's directed weights. */
#include "lockstep/export.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/graph.h"
#include "lockstep/hash.h"
#include "lockstep/utf8.h"

struct action {
  uint64_t object, account, msg;
  int64_t t;
  uint8_t sig;
};

struct match {
  uint64_t a, b, msg;
  uint8_t sig;
};

struct node {
  uint64_t id; /* 0: empty slot */
  char username[LS_USERNAME_MAX];
  char msg[LS_EXPORT_MESSAGES][LS_TEXT_MAX + 1];
  uint8_t n, head;
  bool in_network; /* an endpoint of an exported edge */
};

struct ls_export {
  int64_t window[LS_SIG_COUNT];
  double min_weight[LS_SIG_COUNT];
  struct action *act;
  size_t n_act, cap_act;
  struct match *mt;
  size_t n_mt, cap_mt;
  struct node *nodes;
  size_t n_nodes, node_mask;
  bool oom; /* something could not be recorded: the export would be incomplete */
};

static const char *const EDGE_TYPES[LS_SIG_COUNT] = {"co_retweet", "co_reply", "co_tweet", "co_similar_tweet",
                                                     "co_link", "co_hashtag"};

const char *ls_export_edge_type(enum ls_signal s) { return (unsigned)s < LS_SIG_COUNT ? EDGE_TYPES[s] : "?"; }

/* Room for one more element in a growing array. */
static int reserve(void **p, size_t *cap, size_t n, size_t size) {
  if (n < *cap) return LS_OK;
  size_t c = *cap ? 2 * *cap : 4096;
  void *q = realloc(*p, c * size);
  if (!q) return LS_ENOMEM;
  *p = q;
  *cap = c;
  return LS_OK;
}

/* Something could not be recorded: writing will refuse rather than write a partial network. */
static int lost(struct ls_export *x) {
  x->oom = true;
  return LS_ENOMEM;
}

int ls_export_create(struct ls_export **out, const int64_t window_ms[LS_SIG_COUNT], const double min_weight[LS_SIG_COUNT],
                     struct ls_err *err) {
  struct ls_export *x = calloc(1, sizeof *x);
  if (x) x->nodes = calloc(1024, sizeof *x->nodes);
  if (!x || !x->nodes) {
    free(x);
    return ls_err_set(err, LS_ENOMEM, "export: out of memory");
  }
  x->node_mask = 1023;
  memcpy(x->window, window_ms, sizeof x->window);
  memcpy(x->min_weight, min_weight, sizeof x->min_weight);
  *out = x;
  return LS_OK;
}

void ls_export_destroy(struct ls_export *x) {
  if (!x) return;
  free(x->act);
  free(x->mt);
  free(x->nodes);
  free(x);
}

int ls_export_action(struct ls_export *x, enum ls_signal s, uint64_t object, uint64_t account, uint64_t msg, int64_t t) {
  if (x->min_weight[s] <= 0) return LS_OK;
  if (reserve((void **)&x->act, &x->cap_act, x->n_act, sizeof *x->act) != LS_OK) return lost(x);
  x->act[x->n_act++] = (struct action){object, account, msg, t, (uint8_t)s};
  return LS_OK;
}

int ls_export_match(struct ls_export *x, enum ls_signal s, uint64_t account, uint64_t msg, uint64_t other) {
  if (x->min_weight[s] <= 0 || account == other) return LS_OK;
  if (reserve((void **)&x->mt, &x->cap_mt, x->n_mt, sizeof *x->mt) != LS_OK) return lost(x);
  x->mt[x->n_mt++] = (struct match){account, other, msg, (uint8_t)s};
  return LS_OK;
}

/* --- nodes ------------------------------------------------------------------------------------ */

static struct node *node_find(const struct ls_export *x, uint64_t id) {
  size_t i = ls_mix64(id) & x->node_mask;
  while (x->nodes[i].id && x->nodes[i].id != id) i = (i + 1) & x->node_mask;
  return &x->nodes[i];
}

static int nodes_grow(struct ls_export *x) {
  struct ls_export old = *x;
  x->nodes = calloc(2 * (old.node_mask + 1), sizeof *x->nodes);
  if (!x->nodes) {
    x->nodes = old.nodes;
    return LS_ENOMEM;
  }
  x->node_mask = 2 * old.node_mask + 1;
  for (size_t i = 0; i <= old.node_mask; i++)
    if (old.nodes[i].id) *node_find(x, old.nodes[i].id) = old.nodes[i];
  free(old.nodes);
  return LS_OK;
}

int ls_export_node(struct ls_export *x, uint64_t account, const char *username, const char *text, uint32_t len) {
  if (2 * (x->n_nodes + 1) > x->node_mask && nodes_grow(x) != LS_OK) return lost(x);
  struct node *n = node_find(x, account);
  if (!n->id) {
    n->id = account;
    x->n_nodes++;
  }
  if (username && username[0]) snprintf(n->username, sizeof n->username, "%s", username);
  len = (uint32_t)ls_utf8_prefix(text, len, LS_TEXT_MAX);
  memcpy(n->msg[n->head], text, len);
  n->msg[n->head][len] = '\0';
  n->head = (uint8_t)((n->head + 1) % LS_EXPORT_MESSAGES);
  if (n->n < LS_EXPORT_MESSAGES) n->n++;
  return LS_OK;
}

/* --- edges ------------------------------------------------------------------------------------ */

static int by_object_time(const void *p, const void *q) {
  const struct action *a = p, *b = q;
  if (a->sig != b->sig) return a->sig < b->sig ? -1 : 1;
  if (a->object != b->object) return a->object < b->object ? -1 : 1;
  return a->t < b->t ? -1 : a->t > b->t;
}

static int by_pair_msg(const void *p, const void *q) {
  const struct match *a = p, *b = q;
  if (a->sig != b->sig) return a->sig < b->sig ? -1 : 1;
  if (a->a != b->a) return a->a < b->a ? -1 : 1;
  if (a->b != b->b) return a->b < b->b ? -1 : 1;
  return a->msg < b->msg ? -1 : a->msg > b->msg;
}

/* Self-join of one object's actions [lo, hi) within ±window: a match per message and partner. */
static int join_object(struct ls_export *x, size_t lo, size_t hi) {
  int64_t w = x->window[x->act[lo].sig];
  size_t from = lo;
  for (size_t i = lo; i < hi; i++) {
    const struct action a = x->act[i];
    while (x->act[from].t < a.t - w) from++;
    for (size_t j = from; j < hi && x->act[j].t <= a.t + w; j++)
      if (x->act[j].account != a.account && ls_export_match(x, a.sig, a.account, a.msg, x->act[j].account) != LS_OK)
        return LS_ENOMEM;
  }
  return LS_OK;
}

static int join_all(struct ls_export *x) {
  qsort(x->act, x->n_act, sizeof *x->act, by_object_time);
  for (size_t lo = 0, hi; lo < x->n_act; lo = hi) {
    for (hi = lo + 1; hi < x->n_act && x->act[hi].sig == x->act[lo].sig && x->act[hi].object == x->act[lo].object; hi++) {}
    if (join_object(x, lo, hi) != LS_OK) return LS_ENOMEM;
  }
  qsort(x->mt, x->n_mt, sizeof *x->mt, by_pair_msg);
  return LS_OK;
}

typedef void (*edge_fn)(void *ud, const struct match *m, uint64_t weight);

/* Each (signal, A, B) with its count of distinct messages of A, when it reaches the minimum. */
static uint64_t each_edge(const struct ls_export *x, edge_fn fn, void *ud) {
  uint64_t n = 0;
  for (size_t lo = 0, hi; lo < x->n_mt; lo = hi) {
    const struct match *m = &x->mt[lo];
    uint64_t weight = 1;
    for (hi = lo + 1; hi < x->n_mt && x->mt[hi].sig == m->sig && x->mt[hi].a == m->a && x->mt[hi].b == m->b; hi++)
      weight += x->mt[hi].msg != x->mt[hi - 1].msg;
    if ((double)weight < x->min_weight[m->sig] - 1e-9) continue;
    if (fn) fn(ud, m, weight);
    n++;
  }
  return n;
}

static void csv_row(void *ud, const struct match *m, uint64_t weight) {
  fprintf(ud, "\"%llu\",\"%llu\",\"%llu\",\"%s\"\r\n", (unsigned long long)m->a, (unsigned long long)m->b,
          (unsigned long long)weight, EDGE_TYPES[m->sig]);
}

static void graphml_edge(void *ud, const struct match *m, uint64_t weight) {
  fprintf(ud, "    <edge source=\"%llu\" target=\"%llu\"><data key=\"weight\">%llu</data><data key=\"edge_type\">%s</data></edge>\n",
          (unsigned long long)m->a, (unsigned long long)m->b, (unsigned long long)weight, EDGE_TYPES[m->sig]);
}

static void mark_node(void *ud, const struct match *m, uint64_t weight) {
  (void)weight;
  struct ls_export *x = ud;
  for (int k = 0; k < 2; k++) {
    struct node *n = node_find(x, k ? m->b : m->a);
    if (n->id) n->in_network = true;
  }
}

/* XML character data: markup escaped, control characters XML 1.0 forbids dropped. */
static void xml_text(FILE *f, const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '&') fputs("&amp;", f);
    else if (c == '<') fputs("&lt;", f);
    else if (c == '>') fputs("&gt;", f);
    else if (c == '"') fputs("&quot;", f);
    else if (c >= 0x20 || c == '\t' || c == '\n') fputc(c, f);
  }
}

static void graphml_node(FILE *f, const struct node *n) {
  fprintf(f, "    <node id=\"%llu\"><data key=\"user_id\">%llu</data><data key=\"username\">", (unsigned long long)n->id,
          (unsigned long long)n->id);
  xml_text(f, n->username);
  fputs("</data>", f);
  for (uint8_t k = 0; k < n->n; k++) { /* message_0 is the most recent */
    const char *m = n->msg[(n->head + LS_EXPORT_MESSAGES - 1 - k) % LS_EXPORT_MESSAGES];
    fprintf(f, "<data key=\"message_%u\">", k);
    xml_text(f, m);
    fputs("</data>", f);
  }
  fputs("</node>\n", f);
}

static void write_graphml(struct ls_export *x, FILE *f) {
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n"
        "  <key id=\"user_id\" for=\"node\" attr.name=\"user_id\" attr.type=\"string\"/>\n"
        "  <key id=\"username\" for=\"node\" attr.name=\"username\" attr.type=\"string\"/>\n", f);
  for (int k = 0; k < LS_EXPORT_MESSAGES; k++)
    fprintf(f, "  <key id=\"message_%d\" for=\"node\" attr.name=\"message_%d\" attr.type=\"string\"/>\n", k, k);
  fputs("  <key id=\"weight\" for=\"edge\" attr.name=\"weight\" attr.type=\"long\"/>\n"
        "  <key id=\"edge_type\" for=\"edge\" attr.name=\"edge_type\" attr.type=\"string\"/>\n"
        "  <graph id=\"coordination\" edgedefault=\"directed\">\n", f);
  each_edge(x, mark_node, x);
  for (size_t i = 0; i <= x->node_mask; i++)
    if (x->nodes[i].id && x->nodes[i].in_network) graphml_node(f, &x->nodes[i]);
  each_edge(x, graphml_edge, f);
  fputs("  </graph>\n</graphml>\n", f);
}

static int write_file(const char *path, void (*body)(struct ls_export *, FILE *), struct ls_export *x, struct ls_err *err) {
  FILE *f = fopen(path, "w");
  if (!f) return ls_err_set(err, LS_EIO, "export: cannot write %s: %s", path, strerror(errno));
  body(x, f);
  if (ferror(f) | fclose(f)) return ls_err_set(err, LS_EIO, "export: writing %s failed", path);
  return LS_OK;
}

static void write_csv(struct ls_export *x, FILE *f) {
  fputs("\"source\",\"target\",\"weight\",\"edge_type\"\r\n", f);
  each_edge(x, csv_row, f);
}

int ls_export_write(struct ls_export *x, const char *csv_path, const char *graphml_path, uint64_t *n_edges,
                    struct ls_err *err) {
  if (x->oom) return ls_err_set(err, LS_ENOMEM, "export: out of memory during the run (%zu actions kept): no partial network written", x->n_act);
  if (join_all(x) != LS_OK) return ls_err_set(err, LS_ENOMEM, "export: out of memory joining %zu actions", x->n_act);
  int rc = write_file(csv_path, write_csv, x, err);
  if (rc == LS_OK && graphml_path) rc = write_file(graphml_path, write_graphml, x, err);
  *n_edges = each_edge(x, NULL, NULL);
  return rc;
}
