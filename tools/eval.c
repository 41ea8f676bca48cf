/* lockstep-eval — scores campaign events against a generator's ground truth.
 * The final version of each campaign (the last event per campaign_id) is its prediction; its
 * first event's as_of is when it was flagged. Account level: predicted accounts = union over
 * campaigns; precision, recall and F1 against the union of planted accounts. Campaign level: a
 * planted campaign is found when one predicted campaign holds at least --overlap of its
 * accounts; a predicted campaign is false when less than --overlap of its accounts are planted.
 * Per scenario (planted kind): account precision/recall/F1 — each predicted campaign is credited
 * to the planted campaign it overlaps most — campaign recall, and the time from the campaign's
 * fifth account to its first flag; per hard organic case: accounts wrongly flagged and false
 * campaigns drawn from it. False campaigns per million tweets. When the truth comes from
 * lockstep-gen --mix (it has "trolls" and "coacting"), also the archive day's scores: troll
 * accounts, co-acting trolls and how many of them were flagged (recall), other trolls flagged,
 * organic accounts flagged (predicted accounts that are neither trolls nor planted), campaigns
 * mostly organic, campaigns and operations (distinct "operation_id"s) reported, and the share of
 * the co-acting trolls in the largest reported campaign or operation — largest in co-acting trolls
 * (an operation's accounts are the union of its campaigns'). Prints tables (or JSON). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/hash.h"
#include "lockstep/json.h"

struct camp {
  char id[64], kind[32], text[96], signals[160], op[64]; /* op: the event's operation_id, or "" */
  uint64_t *acc;
  uint32_t n, version;
  uint64_t tweets;
  double score;
  int64_t flagged_ms; /* predictions: as_of of the first event; truth: when the fifth account acted */
  int64_t qualified_ms; /* predictions: qualified_at of the first event */
  int credit;         /* predictions: the planted campaign it overlaps most, or -1 */
  bool trolls;        /* predictions, with --mix truth: at least half of its accounts are trolls */
};

struct set { uint64_t *v; uint32_t mask, n; };

static int set_init(struct set *s, uint32_t cap) {
  uint32_t c = 64;
  while (c < 2 * cap + 2) c <<= 1;
  s->v = calloc(c, sizeof *s->v);
  s->mask = c - 1;
  s->n = 0;
  return s->v ? 0 : -1;
}
static bool set_has(const struct set *s, uint64_t x) {
  for (uint32_t i = (uint32_t)ls_mix64(x) & s->mask; s->v[i]; i = (i + 1) & s->mask) if (s->v[i] == x) return true;
  return false;
}
static void set_add(struct set *s, uint64_t x) {
  uint32_t i = (uint32_t)ls_mix64(x) & s->mask;
  for (; s->v[i]; i = (i + 1) & s->mask) if (s->v[i] == x) return;
  s->v[i] = x;
  s->n++;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); return NULL; }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *b = malloc((size_t)n + 1);
  if (b && fread(b, 1, (size_t)n, f) != (size_t)n) { free(b); b = NULL; }
  fclose(f);
  if (b) { b[n] = 0; *len = (size_t)n; }
  return b;
}

static int read_accounts(const struct ls_json_doc *d, int arr, struct camp *c) {
  if (arr < 0 || d->toks[arr].type != LS_JSON_ARRAY) return -1;
  c->n = d->toks[arr].count;
  c->acc = malloc((c->n + 1) * sizeof *c->acc);
  if (!c->acc) return -1;
  uint32_t i = 0;
  for (int t = ls_json_first(d, arr); t >= 0; t = ls_json_next(d, arr, t)) ls_json_u64(d, t, &c->acc[i++]);
  return 0;
}

static void read_signals(const struct ls_json_doc *d, int obj, char *out, size_t cap) {
  out[0] = 0;
  if (obj < 0 || d->toks[obj].type != LS_JSON_OBJECT) return;
  size_t o = 0;
  for (int t = ls_json_first(d, obj); t >= 0; t = ls_json_next(d, obj, t)) {
    char key[32];
    uint64_t v = 0;
    ls_json_string(d, t, key, sizeof key);
    ls_json_u64(d, t + 1, &v);
    int k = snprintf(out + o, cap - o, "%s%s=%" PRIu64, o ? " " : "", key, v);
    if (k < 0 || (size_t)k >= cap - o) break;
    o += (size_t)k;
  }
}

static void read_time(const struct ls_json_doc *d, int tok, int64_t *ms) {
  char iso[40] = "";
  *ms = 0;
  if (tok >= 0 && ls_json_string(d, tok, iso, sizeof iso) >= 0 && iso[0] && !ls_parse_iso8601(iso, ms)) *ms = 0;
}

struct op_merges { /* operation lineage from the events' operation.merged_from: from → into */
  char (*from)[64], (*into)[64];
  uint32_t n, cap;
};

static void note_merges(const struct ls_json_doc *d, const char *into, struct op_merges *m) {
  int arr = ls_json_path(d, 0, "operation.merged_from");
  if (arr < 0 || d->toks[arr].type != LS_JSON_ARRAY) return;
  for (int t = ls_json_first(d, arr); t >= 0; t = ls_json_next(d, arr, t)) {
    if (m->n == m->cap) {
      m->cap = m->cap ? 2 * m->cap : 16;
      m->from = realloc(m->from, m->cap * sizeof *m->from);
      m->into = realloc(m->into, m->cap * sizeof *m->into);
      if (!m->from || !m->into) { m->n = m->cap = 0; return; }
    }
    ls_json_string(d, t, m->from[m->n], sizeof m->from[m->n]);
    snprintf(m->into[m->n++], sizeof m->into[0], "%s", into);
  }
}

static const char *merged_into(const struct op_merges *m, const char *op) {
  for (uint32_t k = 0; k < m->n; k++)
    if (!strcmp(op, m->from[k])) return m->into[k];
  return NULL;
}

/* A campaign closed before its operation was taken in by another names the one that took it. */
static void follow_merges(struct camp *cs, uint32_t n, struct op_merges *m) {
  const char *into;
  for (uint32_t i = 0; i < n; i++)
    for (uint32_t hops = 0; hops < m->n && (into = merged_into(m, cs[i].op)); hops++)
      snprintf(cs[i].op, sizeof cs[i].op, "%s", into);
  free(m->from);
  free(m->into);
}

/* Keeps the highest version per campaign id; operations are named as they were last merged. */
static int load_events(const char *path, struct camp **out, uint32_t *n_out) {
  size_t len;
  char *buf = slurp(path, &len);
  if (!buf) return -1;
  size_t longest = 0; /* lines are parsed one at a time: tokens for the longest one */
  for (char *p = buf, *nl; p < buf + len; p = nl + 1) {
    nl = memchr(p, '\n', (size_t)(buf + len - p));
    if (!nl) nl = buf + len;
    if ((size_t)(nl - p) > longest) longest = (size_t)(nl - p);
  }
  uint32_t tok_cap = (uint32_t)(longest / 2 + 16);
  struct ls_json_tok *toks = malloc(sizeof *toks * tok_cap);
  struct camp *cs = NULL;
  uint32_t n = 0, cap = 0;
  struct op_merges merges = {0};
  struct ls_err err;
  int line = 0;
  for (char *p = buf, *nl; p < buf + len; p = nl + 1) {
    nl = memchr(p, '\n', (size_t)(buf + len - p));
    if (!nl) nl = buf + len;
    line++;
    if (nl == p) continue;
    struct ls_json_doc d = {.toks = toks, .cap = tok_cap};
    if (ls_json_parse(&d, p, (size_t)(nl - p), &err) != LS_OK) { fprintf(stderr, "%s:%d: %s\n", path, line, err.msg); continue; }
    struct camp c = {0};
    ls_json_string(&d, ls_json_get(&d, 0, "campaign_id"), c.id, sizeof c.id);
    uint64_t v = 0;
    ls_json_u64(&d, ls_json_get(&d, 0, "version"), &v);
    c.version = (uint32_t)v;
    ls_json_u64(&d, ls_json_get(&d, 0, "tweet_count"), &c.tweets);
    ls_json_f64(&d, ls_json_get(&d, 0, "score"), &c.score);
    int tt = ls_json_get(&d, 0, "representative_text");
    char text[2048] = "";
    ls_json_string(&d, tt, text, sizeof text);
    snprintf(c.text, sizeof c.text, "%.60s", text);
    read_signals(&d, ls_json_get(&d, 0, "signals"), c.signals, sizeof c.signals);
    ls_json_string(&d, ls_json_get(&d, 0, "operation_id"), c.op, sizeof c.op);
    note_merges(&d, c.op, &merges);
    read_time(&d, ls_json_get(&d, 0, "as_of"), &c.flagged_ms);
    read_time(&d, ls_json_get(&d, 0, "qualified_at"), &c.qualified_ms);
    if (read_accounts(&d, ls_json_get(&d, 0, "accounts"), &c)) continue;
    uint32_t i = 0;
    while (i < n && strcmp(cs[i].id, c.id)) i++;
    if (i < n) { /* the first event's times, the last version's accounts */
      bool earlier = c.flagged_ms && c.flagged_ms < cs[i].flagged_ms;
      int64_t flagged = earlier ? c.flagged_ms : cs[i].flagged_ms, qualified = earlier ? c.qualified_ms : cs[i].qualified_ms;
      if (cs[i].version > c.version) {
        free(c.acc);
      } else {
        free(cs[i].acc);
        cs[i] = c;
      }
      cs[i].flagged_ms = flagged;
      cs[i].qualified_ms = qualified;
      continue;
    }
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      cs = realloc(cs, cap * sizeof *cs);
    }
    cs[n++] = c;
  }
  follow_merges(cs, n, &merges);
  free(toks);
  free(buf);
  *out = cs;
  *n_out = n;
  return 0;
}

struct truth {
  struct camp *planted, *organic;
  uint32_t n_planted, n_organic;
  uint64_t tweets;
  bool ira;                  /* from lockstep-gen --mix: */
  struct camp trolls, coacting; /* every account of the archive day, and the co-acting ones */
  char day[16];
};

/* The groups of one array of the truth ("campaigns" or "organic"). */
static struct camp *read_groups(const struct ls_json_doc *d, const char *key, uint32_t *n_out) {
  int arr = ls_json_get(d, 0, key);
  uint32_t n = arr >= 0 && d->toks[arr].type == LS_JSON_ARRAY ? d->toks[arr].count : 0;
  struct camp *cs = calloc(n + 1, sizeof *cs);
  for (uint32_t i = 0, t = (uint32_t)arr + 1; cs && i < n; i++, t = d->toks[t].next) {
    int c = (int)t;
    ls_json_string(d, ls_json_get(d, c, "id"), cs[i].id, sizeof cs[i].id);
    ls_json_string(d, ls_json_get(d, c, "kind"), cs[i].kind, sizeof cs[i].kind);
    ls_json_u64(d, ls_json_get(d, c, "tweets"), &cs[i].tweets);
    read_time(d, ls_json_get(d, c, "fifth_account_at"), &cs[i].flagged_ms);
    read_accounts(d, ls_json_get(d, c, "accounts"), &cs[i]);
  }
  *n_out = cs ? n : 0;
  return cs;
}

static int load_truth(const char *path, struct truth *t) {
  size_t len;
  char *buf = slurp(path, &len);
  if (!buf) return -1;
  struct ls_json_tok *toks = malloc(sizeof *toks * (len / 2 + 16));
  struct ls_json_doc d = {.toks = toks, .cap = (uint32_t)(len / 2 + 16)};
  struct ls_err err;
  int rc = -1;
  if (!toks || ls_json_parse(&d, buf, len, &err) != LS_OK) {
    fprintf(stderr, "%s: %s\n", path, toks ? err.msg : "out of memory");
  } else if (ls_json_get(&d, 0, "campaigns") < 0) {
    fprintf(stderr, "%s: no \"campaigns\" array (is this lockstep-gen --truth output?)\n", path);
  } else {
    t->planted = read_groups(&d, "campaigns", &t->n_planted);
    t->organic = read_groups(&d, "organic", &t->n_organic);
    ls_json_u64(&d, ls_json_get(&d, 0, "tweets"), &t->tweets);
    rc = 0;
    int trolls = ls_json_get(&d, 0, "trolls"), coacting = ls_json_get(&d, 0, "coacting");
    if (trolls >= 0 || coacting >= 0) {
      t->ira = true;
      ls_json_string(&d, ls_json_get(&d, 0, "day"), t->day, sizeof t->day);
      if (read_accounts(&d, trolls, &t->trolls) || read_accounts(&d, coacting, &t->coacting)) {
        fprintf(stderr, "%s: \"trolls\" and \"coacting\" must both be arrays of account ids\n", path);
        rc = -1;
      }
    }
  }
  free(toks);
  free(buf);
  return rc;
}

static uint32_t overlap(const struct camp *a, const struct set *b) {
  uint32_t k = 0;
  for (uint32_t i = 0; i < a->n; i++) k += set_has(b, a->acc[i]);
  return k;
}

static void free_camps(struct camp *c, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) free(c[i].acc);
  free(c);
}

/* |a ∩ b| / |a ∪ b| of two sorted account lists. */
static double jaccard(const struct camp *a, const struct camp *b) {
  uint32_t i = 0, j = 0, both = 0;
  while (i < a->n && j < b->n) {
    if (a->acc[i] == b->acc[j]) { both++; i++; j++; }
    else if (a->acc[i] < b->acc[j]) i++;
    else j++;
  }
  uint32_t any = a->n + b->n - both;
  return any ? (double)both / any : 1.0;
}

/* Every final campaign of one run has a campaign in the other whose accounts overlap at least
 * min_jaccard (1: the same account set), and both runs have as many campaigns. */
static int compare_runs(const char *a_path, const char *b_path, double min_jaccard) {
  struct camp *a, *b;
  uint32_t na, nb, matched = 0;
  if (load_events(a_path, &a, &na) || load_events(b_path, &b, &nb)) return 2;
  for (uint32_t i = 0; i < na; i++) {
    int best = -1;
    double best_j = 0;
    for (uint32_t j = 0; j < nb; j++) {
      double x = jaccard(&a[i], &b[j]);
      if (x > best_j) { best_j = x; best = (int)j; }
    }
    bool ok = best >= 0 && best_j >= min_jaccard;
    printf("%-18s %5u accounts  %-18s jaccard %.3f\n", a[i].id, a[i].n, ok ? b[best].id : "NO MATCH", best_j);
    matched += ok;
  }
  printf("%u of %u campaigns of %s match one in %s (which has %u) with jaccard >= %.2f\n", matched, na, a_path, b_path,
         nb, min_jaccard);
  int rc = matched == na && na == nb ? 0 : 1;
  free_camps(a, na);
  free_camps(b, nb);
  return rc;
}

/* --- scoring ------------------------------------------------------------------------------------ */

struct scores {
  double precision, recall, f1;
  uint32_t found, false_campaigns;
  int *found_by;    /* per planted campaign: the predicted campaign holding ≥ overlap of it, or -1 */
  uint32_t *shared; /* [j · planted + i]: accounts predicted campaign j shares with planted i */
  struct set predicted, planted; /* account sets: the union over each side */
};

static int set_of(struct set *s, const struct camp *c, uint32_t n) {
  uint32_t total = 0;
  for (uint32_t i = 0; i < n; i++) total += c[i].n;
  if (set_init(s, total)) return -1;
  for (uint32_t i = 0; i < n; i++)
    for (uint32_t k = 0; k < c[i].n; k++) set_add(s, c[i].acc[k]);
  return 0;
}

/* The shared-accounts matrix, one planted campaign's set at a time. */
static int shared_matrix(const struct camp *pred, uint32_t np, const struct truth *t, uint32_t *m) {
  for (uint32_t i = 0; i < t->n_planted; i++) {
    struct set s;
    if (set_of(&s, &t->planted[i], 1)) return -1;
    for (uint32_t j = 0; j < np; j++) m[(size_t)j * t->n_planted + i] = overlap(&pred[j], &s);
    free(s.v);
  }
  return 0;
}

static uint32_t shared(const struct scores *sc, const struct truth *t, uint32_t j, uint32_t i) {
  return sc->shared[(size_t)j * t->n_planted + i];
}

static double f1_of(double p, double r) { return p + r > 0 ? 2 * p * r / (p + r) : 0; }

static int score(struct camp *pred, uint32_t np, const struct truth *t, double min_overlap, struct scores *sc) {
  struct set *ps = &sc->predicted, *ts = &sc->planted;
  sc->found_by = malloc((t->n_planted + 1) * sizeof *sc->found_by);
  sc->shared = malloc(((size_t)np * t->n_planted + 1) * sizeof *sc->shared);
  if (!sc->found_by || !sc->shared || set_of(ps, pred, np) || set_of(ts, t->planted, t->n_planted) ||
      shared_matrix(pred, np, t, sc->shared))
    return -1;
  uint32_t tp = 0;
  for (uint32_t i = 0; i <= ps->mask; i++) tp += ps->v[i] && set_has(ts, ps->v[i]);
  sc->precision = ps->n ? (double)tp / ps->n : 1;
  sc->recall = ts->n ? (double)tp / ts->n : 1;
  sc->f1 = f1_of(sc->precision, sc->recall);
  for (uint32_t j = 0; j < np; j++) {
    pred[j].credit = -1;
    for (uint32_t i = 0, best = 0; i < t->n_planted; i++)
      if (shared(sc, t, j, i) > best) { best = shared(sc, t, j, i); pred[j].credit = (int)i; }
    sc->false_campaigns += pred[j].n == 0 || overlap(&pred[j], ts) < min_overlap * pred[j].n;
  }
  for (uint32_t i = 0; i < t->n_planted; i++) {
    uint32_t best = 0;
    sc->found_by[i] = -1;
    for (uint32_t j = 0; j < np; j++)
      if (shared(sc, t, j, i) > best) { best = shared(sc, t, j, i); sc->found_by[i] = (int)j; }
    if (!t->planted[i].n || best < min_overlap * t->planted[i].n) sc->found_by[i] = -1;
    sc->found += sc->found_by[i] >= 0;
  }
  return 0;
}

static void scores_free(struct scores *sc) {
  free(sc->found_by);
  free(sc->shared);
  free(sc->predicted.v);
  free(sc->planted.v);
}

struct kind_score {
  char kind[32];
  uint32_t planted, found, members, hit, credited, credited_true;
  double fifth_sum, detect_sum, detect_max; /* seconds: fifth account → flag; qualified → flag */
  uint32_t latencies;
};

/* Account and campaign scores of one planted kind. */
static void kind_score(const struct camp *pred, uint32_t np, const struct truth *t, const struct scores *sc,
                       const char *kind, struct kind_score *k) {
  memset(k, 0, sizeof *k);
  snprintf(k->kind, sizeof k->kind, "%s", kind);
  for (uint32_t i = 0; i < t->n_planted; i++) {
    const struct camp *c = &t->planted[i];
    if (strcmp(c->kind, kind)) continue;
    k->planted++;
    k->members += c->n;
    k->hit += overlap(c, &sc->predicted);
    int j = sc->found_by[i];
    if (j < 0) continue;
    k->found++;
    if (pred[j].flagged_ms && c->flagged_ms && pred[j].qualified_ms) {
      double detect = (pred[j].flagged_ms - pred[j].qualified_ms) / 1000.0;
      k->fifth_sum += (pred[j].flagged_ms - c->flagged_ms) / 1000.0;
      k->detect_sum += detect;
      if (detect > k->detect_max || k->latencies == 0) k->detect_max = detect;
      k->latencies++;
    }
  }
  for (uint32_t j = 0; j < np; j++) {
    if (pred[j].credit < 0 || strcmp(t->planted[pred[j].credit].kind, kind)) continue;
    k->credited += pred[j].n;
    k->credited_true += shared(sc, t, j, (uint32_t)pred[j].credit);
  }
}

/* Accounts of one hard organic case that were flagged, and false campaigns mostly drawn from it. */
static void organic_score(const struct camp *pred, uint32_t np, const struct scores *sc, const struct camp *o,
                          uint32_t *flagged, uint32_t *false_campaigns) {
  struct set os;
  *flagged = *false_campaigns = 0;
  if (set_of(&os, o, 1)) return;
  *flagged = overlap(o, &sc->predicted);
  for (uint32_t j = 0; j < np; j++) {
    uint32_t from_o = overlap(&pred[j], &os);
    *false_campaigns += from_o * 2 > pred[j].n && overlap(&pred[j], &sc->planted) * 2 < pred[j].n;
  }
  free(os.v);
}

/* --- an archive day mixed in (lockstep-gen --mix) ------------------------------------------------ */
struct ira_score {
  uint32_t trolls, coacting, coacting_flagged, other_flagged, organic_flagged, campaigns, operations;
  uint32_t organic_campaigns;   /* campaigns less than half of whose accounts are trolls or planted */
  uint32_t largest_n, largest_coacting; /* the campaign or operation with the most co-acting trolls:
                                           its accounts, its co-acting trolls */
  char largest[64];             /* its campaign or operation id */
};

static int by_op(const void *a, const void *b) {
  return strcmp((*(const struct camp *const *)a)->op, (*(const struct camp *const *)b)->op);
}

/* Keeps in r the group that holds the most co-acting trolls (ties: the one with more accounts):
 * the accounts of g[0..n) — one campaign, or an operation's campaigns — counted as a union. */
static int consider_group(const struct camp *const *g, uint32_t n, const char *id, const struct set *coacting,
                          struct ira_score *r) {
  uint32_t total = 0, in = 0;
  for (uint32_t i = 0; i < n; i++) total += g[i]->n;
  struct set u;
  if (set_init(&u, total)) return -1;
  for (uint32_t i = 0; i < n; i++)
    for (uint32_t k = 0; k < g[i]->n; k++) set_add(&u, g[i]->acc[k]);
  for (uint32_t i = 0; i <= u.mask; i++) in += u.v[i] && set_has(coacting, u.v[i]);
  if (in > r->largest_coacting || (in == r->largest_coacting && u.n > r->largest_n)) {
    r->largest_n = u.n;
    r->largest_coacting = in;
    snprintf(r->largest, sizeof r->largest, "%s", id);
  }
  free(u.v);
  return 0;
}

/* Campaigns one at a time, then operations: campaigns sorted by operation id, one run each. */
static int largest_group(const struct camp *pred, uint32_t np, const struct set *coacting, struct ira_score *r) {
  const struct camp **by = malloc((np + 1) * sizeof *by);
  if (!by) return -1;
  int rc = 0;
  for (uint32_t j = 0; j < np && !rc; j++) {
    by[j] = &pred[j];
    rc = consider_group(&by[j], 1, pred[j].id, coacting, r);
  }
  qsort(by, np, sizeof *by, by_op);
  for (uint32_t i = 0, j; i < np && !rc; i = j) {
    for (j = i + 1; j < np && !strcmp(by[j]->op, by[i]->op);) j++;
    if (!by[i]->op[0]) continue;
    r->operations++;
    rc = consider_group(by + i, j - i, by[i]->op, coacting, r);
  }
  free(by);
  return rc;
}

static int ira_score(struct camp *pred, uint32_t np, const struct truth *t, const struct scores *sc, struct ira_score *r) {
  struct set trolls, coacting;
  memset(r, 0, sizeof *r);
  if (set_of(&trolls, &t->trolls, 1)) return -1;
  if (set_of(&coacting, &t->coacting, 1)) { free(trolls.v); return -1; }
  r->trolls = trolls.n;
  r->coacting = coacting.n;
  r->campaigns = np;
  const struct set *ps = &sc->predicted;
  for (uint32_t i = 0; i <= ps->mask; i++) {
    uint64_t a = ps->v[i];
    if (!a) continue;
    if (set_has(&coacting, a)) r->coacting_flagged++;
    else if (set_has(&trolls, a)) r->other_flagged++;
    else if (!set_has(&sc->planted, a)) r->organic_flagged++;
  }
  for (uint32_t j = 0; j < np; j++) {
    uint32_t from_trolls = overlap(&pred[j], &trolls);
    pred[j].trolls = from_trolls * 2 >= pred[j].n;
    r->organic_campaigns += (from_trolls + overlap(&pred[j], &sc->planted)) * 2 < pred[j].n;
  }
  int rc = largest_group(pred, np, &coacting, r);
  free(trolls.v);
  free(coacting.v);
  return rc;
}

static double share(uint32_t a, uint32_t b) { return b ? (double)a / b : 0; }

static void print_ira(const struct truth *t, const struct ira_score *r, bool json) {
  if (json) {
    printf(", \"ira\": {\"day\": \"%s\", \"troll_accounts\": %u, \"coacting_trolls\": %u, \"coacting_flagged\": %u, "
           "\"coacting_recall\": %.4f, \"other_trolls_flagged\": %u, \"organic_flagged\": %u, \"organic_campaigns\": %u, "
           "\"campaigns_reported\": %u, \"operations_reported\": %u, \"largest_group\": \"%s\", \"largest_group_accounts\": %u, "
           "\"coacting_in_largest\": %u, \"coacting_in_largest_share\": %.4f}",
           t->day, r->trolls, r->coacting, r->coacting_flagged, share(r->coacting_flagged, r->coacting), r->other_flagged,
           r->organic_flagged, r->organic_campaigns, r->campaigns, r->operations, r->largest, r->largest_n,
           r->largest_coacting, share(r->largest_coacting, r->coacting));
    return;
  }
  printf("\n%-10s %6s %8s %7s %6s %12s %15s %9s %10s %13s\n", "day", "trolls", "coacting", "flagged", "recall",
         "other_trolls", "organic_flagged", "campaigns", "operations", "in_largest");
  printf("%-10s %6u %8u %7u %6.3f %12u %15u %9u %10u %6u %5.1f%%\n", t->day, r->trolls, r->coacting,
         r->coacting_flagged, share(r->coacting_flagged, r->coacting), r->other_flagged, r->organic_flagged, r->campaigns,
         r->operations, r->largest_coacting, 100 * share(r->largest_coacting, r->coacting));
  printf("the most co-acting trolls are in %s (%u accounts); %u campaigns are mostly organic (under half of their\n"
         "accounts trolls or planted)\n", r->largest[0] ? r->largest : "none", r->largest_n, r->organic_campaigns);
}

/* The distinct planted kinds, in order of first appearance. */
static uint32_t kinds_of(const struct truth *t, const char **kinds) {
  uint32_t n = 0;
  for (uint32_t i = 0; i < t->n_planted; i++) {
    uint32_t k = 0;
    while (k < n && strcmp(kinds[k], t->planted[i].kind)) k++;
    if (k == n) kinds[n++] = t->planted[i].kind;
  }
  return n;
}

static double per_million(uint32_t n, uint64_t tweets) { return tweets ? n * 1e6 / (double)tweets : 0; }

static void print_kind(const struct kind_score *k, bool json) {
  double p = k->credited ? (double)k->credited_true / k->credited : 1, r = k->members ? (double)k->hit / k->members : 1;
  /* -1: no campaign of this kind was found, so no latency */
  double n = k->latencies, fifth = n ? k->fifth_sum / n : -1, detect = n ? k->detect_sum / n : -1;
  double detect_max = n ? k->detect_max : -1;
  double cr = k->planted ? (double)k->found / k->planted : 1;
  if (json)
    printf("{\"kind\": \"%s\", \"planted\": %u, \"found\": %u, \"precision\": %.4f, \"recall\": %.4f, \"f1\": %.4f, "
           "\"campaign_recall\": %.4f, \"fifth_account_to_flag_s\": %.2f, \"detection_latency_mean_s\": %.3f, "
           "\"detection_latency_max_s\": %.3f}",
           k->kind, k->planted, k->found, p, r, f1_of(p, r), cr, fifth, detect, detect_max);
  else
    printf("%-13s %7u %5u  %9.3f %6.3f %6.3f  %15.2f %13.1f %11.3f %10.3f\n", k->kind, k->planted, k->found, p, r,
           f1_of(p, r), cr, fifth, detect, detect_max);
}

static void print_scenarios(const struct camp *pred, uint32_t np, const struct truth *t, const struct scores *sc, bool json) {
  const char *kinds[64];
  uint32_t nk = kinds_of(t, kinds);
  if (!json) printf("\n%-13s %7s %5s  %9s %6s %6s  %15s %13s %11s %10s\n", "scenario", "planted", "found", "precision",
                    "recall", "F1", "campaign_recall", "5th→flag_s", "detect_s", "detect_max");
  if (json) printf(", \"scenarios\": [");
  for (uint32_t i = 0; i < nk; i++) {
    struct kind_score k;
    kind_score(pred, np, t, sc, kinds[i], &k);
    if (json && i) printf(", ");
    print_kind(&k, json);
  }
  if (json) printf("], \"organic\": [");
  if (!json && t->n_organic) printf("\n%-12s %8s %8s %15s\n", "organic case", "accounts", "flagged", "false_campaigns");
  for (uint32_t i = 0; i < t->n_organic; i++) {
    uint32_t flagged, fc;
    organic_score(pred, np, sc, &t->organic[i], &flagged, &fc);
    if (json) printf("%s{\"kind\": \"%s\", \"accounts\": %u, \"flagged\": %u, \"false_campaigns\": %u}", i ? ", " : "",
                     t->organic[i].kind, t->organic[i].n, flagged, fc);
    else printf("%-12s %8u %8u %15u\n", t->organic[i].kind, t->organic[i].n, flagged, fc);
  }
  if (json) printf("]");
}

/* Distinct operation ids among the reported campaigns. */
static uint32_t count_operations(const struct camp *pred, uint32_t np) {
  uint32_t n = 0;
  for (uint32_t j = 0; j < np; j++) {
    uint32_t i = 0;
    while (i < j && strcmp(pred[i].op, pred[j].op)) i++;
    n += i == j && pred[j].op[0];
  }
  return n;
}

static void print_json(const struct camp *pred, uint32_t np, const struct truth *t, const struct scores *sc,
                       const struct ira_score *ira) {
  printf("{\"precision\": %.4f, \"recall\": %.4f, \"f1\": %.4f, \"campaign_recall\": %.4f, \"planted\": %u, \"found\": %u, "
         "\"campaigns\": %u, \"operations\": %u, \"false_campaigns\": %u, \"tweets\": %" PRIu64 ", \"false_campaigns_per_million\": %.3f",
         sc->precision, sc->recall, sc->f1, t->n_planted ? (double)sc->found / t->n_planted : 1, t->n_planted, sc->found, np,
         count_operations(pred, np), sc->false_campaigns, t->tweets, per_million(sc->false_campaigns, t->tweets));
  print_scenarios(pred, np, t, sc, true);
  if (ira) print_ira(t, ira, true);
  printf("}\n");
}

static void print_tables(const struct camp *pred, uint32_t np, const struct truth *t, const struct scores *sc,
                         const struct ira_score *ira) {
  printf("%-12s %-13s %8s  %-19s %7s\n", "planted", "kind", "accounts", "found as", "overlap");
  for (uint32_t i = 0; i < t->n_planted; i++) {
    const struct camp *c = &t->planted[i];
    int j = sc->found_by[i];
    printf("%-12s %-13s %8u  %-19s %6.0f%%\n", c->id, c->kind, c->n, j >= 0 ? pred[j].id : "NOT FOUND",
           j >= 0 && c->n ? 100.0 * shared(sc, t, (uint32_t)j, i) / c->n : 0);
  }
  printf("\n%-18s %8s %7s %6s  %-40s %s\n", "campaign", "accounts", "tweets", "score", "signals", "representative text");
  for (uint32_t j = 0; j < np; j++) {
    bool planted = pred[j].credit >= 0 && shared(sc, t, j, (uint32_t)pred[j].credit) * 2 >= pred[j].n;
    printf("%-18s %8u %7" PRIu64 " %6.3f  %-40s %s%s\n", pred[j].id, pred[j].n, pred[j].tweets, pred[j].score, pred[j].signals,
           pred[j].text, planted ? "" : pred[j].trolls ? "   <- trolls" : "   <- not planted");
  }
  print_scenarios(pred, np, t, sc, false);
  printf("\naccounts: precision %.3f recall %.3f F1 %.3f | campaigns: %u/%u planted found, %u reported in %u operations, "
         "%u false (%.2f per million tweets)\n",
         sc->precision, sc->recall, sc->f1, sc->found, t->n_planted, np, count_operations(pred, np), sc->false_campaigns,
         per_million(sc->false_campaigns, t->tweets));
  if (ira) print_ira(t, ira, false);
}

static void usage(FILE *f) {
  fputs("usage: lockstep-eval --events EVENTS.jsonl --truth TRUTH.json [--overlap F] [--json]\n"
        "                     [--min-f1 F] [--require-all]\n"
        "       lockstep-eval --events EVENTS.jsonl --against OTHER.jsonl [--jaccard F]\n"
        "\n"
        "Scores campaign events (lockstepd --out) against lockstep-gen's ground truth, or compares the\n"
        "final campaigns of two runs (exit 0 when every campaign of each has a match in the other whose\n"
        "account set overlaps at least --jaccard, default 1: the same accounts).\n"
        "With the truth of lockstep-gen --mix (an archive day of the Internet Research Agency in an\n"
        "organic background), also: the day's troll accounts, the co-acting ones and how many of them\n"
        "were flagged (recall), other trolls flagged, organic accounts flagged (predicted accounts that\n"
        "are neither trolls nor planted), campaigns mostly organic, campaigns and operations (distinct\n"
        "operation_id values, 0 without the field) reported, and how many co-acting trolls are in the\n"
        "largest reported campaign or operation: the one holding the most of them (its size is given\n"
        "too; an operation holds the union of its campaigns' accounts). Planted campaigns are scored\n"
        "as usual, where campaigns of trolls count among the false ones.\n"
        "\n"
        "  --overlap F     share of accounts that makes a match (default 0.5)\n"
        "  --json          print the scores as one JSON object\n"
        "  --min-f1 F      exit 1 when account-level F1 is below F\n"
        "  --require-all   exit 1 when a planted campaign is not found\n",
        f);
}

int main(int argc, char **argv) {
  static const struct option longs[] = {{"events", 1, 0, 'e'}, {"truth", 1, 0, 't'}, {"overlap", 1, 0, 'o'},
                                        {"json", 0, 0, 'j'}, {"min-f1", 1, 0, 'f'}, {"require-all", 0, 0, 'a'}, {"against", 1, 0, 'A'}, {"jaccard", 1, 0, 'J'},
                                        {"help", 0, 0, 'h'}, {0, 0, 0, 0}};
  const char *events = NULL, *truth = NULL, *against = NULL;
  double min_overlap = 0.5, min_f1 = -1, min_jaccard = 1.0;
  bool json = false, require_all = false;
  int c;
  while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
    switch (c) {
      case 'e': events = optarg; break;
      case 't': truth = optarg; break;
      case 'o': min_overlap = atof(optarg); break;
      case 'j': json = true; break;
      case 'f': min_f1 = atof(optarg); break;
      case 'a': require_all = true; break;
      case 'A': against = optarg; break;
      case 'J': min_jaccard = atof(optarg); break;
      case 'h': usage(stdout); return 0;
      default: usage(stderr); return 2;
    }
  }
  if (events && against) return compare_runs(events, against, min_jaccard);
  if (!events || !truth) { usage(stderr); return 2; }
  struct camp *pred;
  uint32_t np;
  struct truth tr = {0};
  if (load_events(events, &pred, &np) || load_truth(truth, &tr)) return 2;
  struct scores sc = {0};
  if (score(pred, np, &tr, min_overlap, &sc)) { fprintf(stderr, "lockstep-eval: out of memory\n"); return 2; }
  struct ira_score ira;
  if (tr.ira && ira_score(pred, np, &tr, &sc, &ira)) { fprintf(stderr, "lockstep-eval: out of memory\n"); return 2; }
  if (json) print_json(pred, np, &tr, &sc, tr.ira ? &ira : NULL);
  else print_tables(pred, np, &tr, &sc, tr.ira ? &ira : NULL);
  int rc = 0;
  if (min_f1 >= 0 && sc.f1 < min_f1) rc = 1;
  if (require_all && sc.found < tr.n_planted) rc = 1;
  scores_free(&sc);
  free_camps(pred, np);
  free_camps(tr.planted, tr.n_planted);
  free_camps(tr.organic, tr.n_organic);
  free(tr.trolls.acc);
  free(tr.coacting.acc);
  return rc;
}
