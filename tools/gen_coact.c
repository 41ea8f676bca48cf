/* gen_coact.c — the ground truth of lockstep-gen --mix: which accounts of an archive day of the
 * Internet Research Agency co-acted, by a definition that owes nothing to the detector.
 *
 * Object of a row: a retweet (post_type R) acts on the retweeted tweet, which the archive knows
 * only by its text (two retweets of the same content are retweets of the same tweet); an original
 * post (Q or empty) acts on its text lowercased, with URLs ("http://" or "https://" and what
 * follows up to white space) and then @mentions ("@" and the word characters after it) replaced
 * by a space, and white space folded — when at least COACT_MIN_WORDS words remain (else the row
 * has no object). White space and word characters are those of Python's str.split and \w.
 * Two different accounts co-act on an object when both act on it within COACT_WINDOW_MS (|Δt| ≤
 * 300 s); an account is co-acting when it co-acted with some other account on at least
 * COACT_MIN_OBJECTS distinct objects.
 *
 * How, in O(n log n): the actions are sorted by (object, time). Within an object's run, the
 * nearest action of another account before an action is the last one whose account differs (kept
 * as the run is walked), and likewise after it; an action co-acts when either is within the
 * window. The (account, object) pairs of the co-acting actions are then sorted, and an account's
 * distinct objects counted. */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "gen.h"
#include "lockstep/hash.h"

/* --- the normalised text of an original post ------------------------------------------------------- */
static bool is_space(int32_t c) {
  if ((c >= 9 && c <= 13) || (c >= 0x1C && c <= 0x20) || c == 0x85) return true;
  utf8proc_category_t k = c < 0x80 ? UTF8PROC_CATEGORY_CC : utf8proc_category(c);
  return k == UTF8PROC_CATEGORY_ZS || k == UTF8PROC_CATEGORY_ZL || k == UTF8PROC_CATEGORY_ZP;
}

static bool is_word(int32_t c) {
  if (c < 0x80) return c == '_' || (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z');
  utf8proc_category_t k = utf8proc_category(c);
  return (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_LO) || (k >= UTF8PROC_CATEGORY_ND && k <= UTF8PROC_CATEGORY_NO);
}

/* The character at s[i..n) (a stray byte stands for itself, as -1) and its length. */
static size_t next_cp(const char *s, size_t i, size_t n, int32_t *c) {
  utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i, (utf8proc_ssize_t)(n - i), c);
  if (k > 0) return (size_t)k;
  *c = -1;
  return 1;
}

static size_t put_cp(char *out, size_t o, int32_t c) {
  return o + (size_t)utf8proc_encode_char(c, (utf8proc_uint8_t *)out + o);
}

static size_t lowercase(const char *s, size_t n, char *out) {
  size_t o = 0;
  for (size_t i = 0, k; i < n; i += k) {
    int32_t c;
    k = next_cp(s, i, n, &c);
    if (c < 0) out[o++] = s[i];
    else o = put_cp(out, o, utf8proc_tolower(c));
  }
  return o;
}

/* The end of the run of characters from i for which pred is want. */
static size_t run_end(const char *s, size_t i, size_t n, bool (*pred)(int32_t), bool want) {
  while (i < n) {
    int32_t c;
    size_t k = next_cp(s, i, n, &c);
    if (pred(c) != want) break;
    i += k;
  }
  return i;
}

static size_t scheme_at(const char *s, size_t i, size_t n) {
  if (i + 7 <= n && !memcmp(s + i, "http://", 7)) return 7;
  if (i + 8 <= n && !memcmp(s + i, "https://", 8)) return 8;
  return 0;
}

/* Replaces each "http://"/"https://" with the non-space characters after it (one at least), or
 * else each "@" with the word characters after it (one at least), by a space. */
static size_t drop(const char *s, size_t n, bool urls, char *out) {
  size_t o = 0;
  for (size_t i = 0; i < n;) {
    size_t from = urls ? i + scheme_at(s, i, n) : i + (s[i] == '@');
    size_t to = from > i ? run_end(s, from, n, urls ? is_space : is_word, !urls) : from;
    if (to > from) {
      out[o++] = ' ';
      i = to;
      continue;
    }
    out[o++] = s[i++];
  }
  return o;
}

/* Folds white space runs into single spaces, without leading or trailing ones; counts words. */
static size_t fold(const char *s, size_t n, char *out, int *words) {
  size_t o = 0;
  *words = 0;
  for (size_t i = run_end(s, 0, n, is_space, true); i < n;) {
    size_t j = run_end(s, i, n, is_space, false);
    if (o) out[o++] = ' ';
    memcpy(out + o, s + i, j - i);
    o += j - i;
    ++*words;
    i = run_end(s, j, n, is_space, true);
  }
  return o;
}

uint64_t coact_object(bool retweet, const char *content) {
  size_t n = strlen(content);
  uint64_t h;
  if (retweet) {
    h = ls_hash64(content, n, 'R');
    return h ? h : 1;
  }
  char *a = malloc(2 * n + 16), *b = malloc(2 * n + 16);
  int words = 0;
  if (a && b) {
    n = lowercase(content, n, a);
    n = drop(a, n, true, b);
    n = drop(b, n, false, a);
    n = fold(a, n, b, &words);
  }
  h = words >= COACT_MIN_WORDS ? ls_hash64(b, n, 'T') : 0;
  free(a);
  free(b);
  return words >= COACT_MIN_WORDS && !h ? 1 : h;
}

/* --- co-acting accounts ------------------------------------------------------------------------------- */
static int by_object_time(const void *pa, const void *pb) {
  const struct coact_action *a = pa, *b = pb;
  if (a->object != b->object) return a->object < b->object ? -1 : 1;
  if (a->ms != b->ms) return a->ms < b->ms ? -1 : 1;
  return a->account < b->account ? -1 : a->account > b->account;
}

static int by_account_object(const void *pa, const void *pb) {
  const struct coact_action *a = pa, *b = pb;
  if (a->account != b->account) return a->account < b->account ? -1 : 1;
  return a->object < b->object ? -1 : a->object > b->object;
}

/* Marks (in hit) the actions of the run a[0..n) that have another account's action in the window. */
static void mark_run(const struct coact_action *a, long n, bool *hit) {
  for (long i = 0, prev = -1; i < n; i++) { /* prev: the last action before i of another account */
    if (i > 0 && a[i - 1].account != a[i].account) prev = i - 1;
    if (prev >= 0 && a[i].ms - a[prev].ms <= COACT_WINDOW_MS) hit[i] = true;
  }
  for (long i = n - 1, next = -1; i >= 0; i--) {
    if (i < n - 1 && a[i + 1].account != a[i].account) next = i + 1;
    if (next >= 0 && a[next].ms - a[i].ms <= COACT_WINDOW_MS) hit[i] = true;
  }
}

long coacting_accounts(struct coact_action *a, long n, uint64_t **out) {
  bool *hit = calloc((size_t)n + 1, 1);
  uint64_t *acc = malloc(((size_t)n + 1) * sizeof *acc);
  if (!hit || !acc) {
    free(hit);
    free(acc);
    return -1;
  }
  qsort(a, (size_t)n, sizeof *a, by_object_time);
  for (long i = 0, j; i < n; i = j) {
    for (j = i + 1; j < n && a[j].object == a[i].object;) j++;
    if (a[i].object) mark_run(a + i, j - i, hit + i);
  }
  long kept = 0;
  for (long i = 0; i < n; i++)
    if (hit[i]) a[kept++] = a[i];
  qsort(a, (size_t)kept, sizeof *a, by_account_object);
  long n_acc = 0;
  for (long i = 0, j; i < kept; i = j) {
    int objects = 0;
    for (j = i; j < kept && a[j].account == a[i].account; j++) objects += j == i || a[j].object != a[j - 1].object;
    if (objects >= COACT_MIN_OBJECTS) acc[n_acc++] = a[i].account;
  }
  free(hit);
  *out = acc;
  return n_acc;
}
