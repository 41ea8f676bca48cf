/* lockstep-eval — scores campaign events against a generator's ground truth.
 * The final version of each campaign (the last event per campaign_id) is its prediction.
 * Account level: predicted accounts = union over campaigns; precision, recall and F1 against the
 * union of planted accounts. Campaign level: a planted campaign is found when one predicted
 * campaign holds at least --overlap of its accounts; a predicted campaign is false when less than
 * --overlap of its accounts are planted. Prints both tables and the scores (or JSON). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/hash.h"
#include "lockstep/json.h"

struct camp {
  char id[64], kind[32], text[96], signals[160];
  uint64_t *acc;
  uint32_t n, version;
  uint64_t tweets;
  double score;
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
  for (uint32_t i = 0; i < c->n; i++) ls_json_u64(d, ls_json_index(d, arr, i), &c->acc[i]);
  return 0;
}

static void read_signals(const struct ls_json_doc *d, int obj, char *out, size_t cap) {
  out[0] = 0;
  if (obj < 0 || d->toks[obj].type != LS_JSON_OBJECT) return;
  uint32_t t = (uint32_t)obj + 1;
  size_t o = 0;
  for (uint32_t m = 0; m < d->toks[obj].count; m++, t = d->toks[t + 1].next) {
    char key[32];
    uint64_t v = 0;
    ls_json_string(d, (int)t, key, sizeof key);
    ls_json_u64(d, (int)t + 1, &v);
    int k = snprintf(out + o, cap - o, "%s%s=%" PRIu64, o ? " " : "", key, v);
    if (k < 0 || (size_t)k >= cap - o) break;
    o += (size_t)k;
  }
}

/* Keeps the highest version per campaign id. */
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
    if (read_accounts(&d, ls_json_get(&d, 0, "accounts"), &c)) continue;
    uint32_t i = 0;
    while (i < n && strcmp(cs[i].id, c.id)) i++;
    if (i < n) {
      if (cs[i].version > c.version) { free(c.acc); continue; }
      free(cs[i].acc);
      cs[i] = c;
      continue;
    }
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      cs = realloc(cs, cap * sizeof *cs);
    }
    cs[n++] = c;
  }
  free(toks);
  free(buf);
  *out = cs;
  *n_out = n;
  return 0;
}

static int load_truth(const char *path, struct camp **out, uint32_t *n_out) {
  size_t len;
  char *buf = slurp(path, &len);
  if (!buf) return -1;
  struct ls_json_tok *toks = malloc(sizeof *toks * (len / 2 + 16));
  struct ls_json_doc d = {.toks = toks, .cap = (uint32_t)(len / 2 + 16)};
  struct ls_err err;
  int rc = -1;
  if (ls_json_parse(&d, buf, len, &err) != LS_OK) {
    fprintf(stderr, "%s: %s\n", path, err.msg);
  } else {
    int arr = ls_json_get(&d, 0, "campaigns");
    uint32_t n = arr >= 0 ? d.toks[arr].count : 0;
    struct camp *cs = calloc(n + 1, sizeof *cs);
    for (uint32_t i = 0; i < n; i++) {
      int c = ls_json_index(&d, arr, i);
      ls_json_string(&d, ls_json_get(&d, c, "id"), cs[i].id, sizeof cs[i].id);
      ls_json_string(&d, ls_json_get(&d, c, "kind"), cs[i].kind, sizeof cs[i].kind);
      ls_json_u64(&d, ls_json_get(&d, c, "tweets"), &cs[i].tweets);
      read_accounts(&d, ls_json_get(&d, c, "accounts"), &cs[i]);
    }
    *out = cs;
    *n_out = n;
    rc = arr >= 0 ? 0 : -1;
    if (arr < 0) fprintf(stderr, "%s: no \"campaigns\" array\n", path);
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

static void usage(FILE *f) {
  fputs("usage: lockstep-eval --events EVENTS.jsonl --truth TRUTH.json [--overlap F] [--json]\n"
        "                     [--min-f1 F] [--require-all]\n"
        "       lockstep-eval --events EVENTS.jsonl --against OTHER.jsonl [--jaccard F]\n"
        "\n"
        "Scores campaign events (lockstepd --out) against lockstep-gen's ground truth, or compares the\n"
        "final campaigns of two runs (exit 0 when every campaign of each has a match in the other whose\n"
        "account set overlaps at least --jaccard, default 1: the same accounts).\n"
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
  struct camp *pred, *tru;
  uint32_t np, nt;
  if (load_events(events, &pred, &np) || load_truth(truth, &tru, &nt)) return 2;
  struct set ps, ts;
  uint32_t total = 0;
  for (uint32_t i = 0; i < np; i++) total += pred[i].n;
  for (uint32_t i = 0; i < nt; i++) total += tru[i].n;
  set_init(&ps, total);
  set_init(&ts, total);
  for (uint32_t i = 0; i < np; i++) for (uint32_t k = 0; k < pred[i].n; k++) set_add(&ps, pred[i].acc[k]);
  for (uint32_t i = 0; i < nt; i++) for (uint32_t k = 0; k < tru[i].n; k++) set_add(&ts, tru[i].acc[k]);
  uint32_t tp = 0;
  for (uint32_t i = 0; i <= ps.mask; i++) tp += ps.v[i] && set_has(&ts, ps.v[i]);
  double precision = ps.n ? (double)tp / ps.n : 0, recall = ts.n ? (double)tp / ts.n : 1;
  double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
  uint32_t found = 0, false_campaigns = 0;
  if (!json) printf("%-11s %-11s %8s  %-19s %7s\n", "planted", "kind", "accounts", "found as", "overlap");
  for (uint32_t i = 0; i < nt; i++) {
    struct set one;
    set_init(&one, tru[i].n);
    for (uint32_t k = 0; k < tru[i].n; k++) set_add(&one, tru[i].acc[k]);
    int best = -1;
    uint32_t best_k = 0;
    for (uint32_t j = 0; j < np; j++) {
      uint32_t k = overlap(&pred[j], &one);
      if (k > best_k) { best_k = k; best = (int)j; }
    }
    bool ok = tru[i].n && best_k >= min_overlap * tru[i].n;
    found += ok;
    if (!json) printf("%-11s %-11s %8u  %-19s %6.0f%%\n", tru[i].id, tru[i].kind, tru[i].n, ok ? pred[best].id : "NOT FOUND",
                      tru[i].n ? 100.0 * best_k / tru[i].n : 0);
    free(one.v);
  }
  if (!json) printf("\n%-18s %8s %7s %6s  %-40s %s\n", "campaign", "accounts", "tweets", "score", "signals", "representative text");
  for (uint32_t j = 0; j < np; j++) {
    bool is_false = pred[j].n == 0 || overlap(&pred[j], &ts) < min_overlap * pred[j].n;
    false_campaigns += is_false;
    if (!json) printf("%-18s %8u %7" PRIu64 " %6.3f  %-40s %s%s\n", pred[j].id, pred[j].n, pred[j].tweets, pred[j].score,
                      pred[j].signals, pred[j].text, is_false ? "   <- not planted" : "");
  }
  if (json)
    printf("{\"precision\": %.4f, \"recall\": %.4f, \"f1\": %.4f, \"campaign_recall\": %.4f, \"planted\": %u, \"found\": %u, "
           "\"campaigns\": %u, \"false_campaigns\": %u}\n",
           precision, recall, f1, nt ? (double)found / nt : 1, nt, found, np, false_campaigns);
  else
    printf("\naccounts: precision %.3f recall %.3f F1 %.3f | campaigns: %u/%u planted found, %u reported, %u false\n",
           precision, recall, f1, found, nt, np, false_campaigns);
  int rc = 0;
  if (min_f1 >= 0 && f1 < min_f1) rc = 1;
  if (require_all && found < nt) rc = 1;
  free(ps.v);
  free(ts.v);
  free_camps(pred, np);
  free_camps(tru, nt);
  return rc;
}
