/* gen_mix.c — lockstep-gen --mix FILE.csv: a day of the Internet Research Agency archive
 * (columns author, account_category, content, language, publish_date, post_type, retweet,
 * following, followers, updates; see shared/data/ira-dev/README.md) as tweets of the stream.
 *
 * Reading: RFC 4180 — fields separated by commas, records by CRLF or LF, a field in double quotes
 * may hold commas, line breaks and doubled quotes (""). The file is read whole and unquoted in
 * place, so rows point into it. Blank lines are skipped; a record with another number of fields
 * than the header, an unterminated quote, text after a closing quote, a bad publish_date or
 * content that is not UTF-8 is an error naming the line.
 *
 * Mapping: author_id = 1000000000000 + hash(handle) % 10^11 (disjoint from organic ids,
 * 100000000.., and planted ones, 900000000000..); username = the handle cut to 15 bytes;
 * created_at = publish_date (minute resolution, seconds 00, kept so); id = a snowflake of that
 * time with a counter; post_type R is a retweet of the tweet whose id is derived from a hash of
 * the content (the same text is the same retweeted tweet; the id is a snowflake of the day
 * before), its text the content (the daemon reads no text signals from retweets); Q or empty is
 * an original post with the content as text. urls = the http(s) links of the text, hashtags = its
 * #tags, lang from the language name (English en, Russian ru, German de, Ukrainian uk, else
 * und), author metadata followers, following, statuses = updates, created_at unknown (0). An
 * original post without text stays out of the stream (it would be rejected), its account among
 * the trolls. Columns other than author, content, publish_date and post_type may be missing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <utf8proc.h>

#include "gen.h"
#include "lockstep/hash.h"
#include "lockstep/utf8.h"

#define TROLL_ID_BASE 1000000000000ULL
#define TROLL_ID_RANGE 100000000000ULL
#define MAX_FIELDS 64

/* --- RFC 4180 ------------------------------------------------------------------------------------- */
struct csv {
  char *p, *end;
  long line; /* of the next character */
  char err[200];
};

/* One quoted field from c->p (at the opening quote), unquoted in place; its end in *field_end. */
static int csv_quoted(struct csv *c, char **field_end) {
  char *w = c->p, *r = c->p + 1;
  long start = c->line;
  for (;;) {
    if (r == c->end) {
      snprintf(c->err, sizeof c->err, "line %ld: a quoted field is not closed", start);
      return -1;
    }
    if (*r == '"' && r + 1 < c->end && r[1] == '"') { *w++ = '"'; r += 2; continue; }
    if (*r == '"') break;
    if (*r == '\n') c->line++;
    *w++ = *r++;
  }
  r++;
  if (r < c->end && *r != ',' && *r != '\n' && !(*r == '\r' && r + 1 < c->end && r[1] == '\n')) {
    snprintf(c->err, sizeof c->err, "line %ld: text after the closing quote of a field", c->line);
    return -1;
  }
  *field_end = w;
  c->p = r;
  return 0;
}

/* The fields of the next record, NUL-terminated in place. Returns their number, 0 at the end of
 * the text, -1 on error (c->err). A blank line is a record of one empty field. */
static int csv_record(struct csv *c, char **fields, int max) {
  if (c->p >= c->end) return 0;
  int n = 0;
  for (;;) {
    char *start = c->p, *stop;
    if (*c->p == '"') {
      if (csv_quoted(c, &stop)) return -1;
    } else {
      while (c->p < c->end && *c->p != ',' && *c->p != '\n' && !(*c->p == '\r' && c->p + 1 < c->end && c->p[1] == '\n')) c->p++;
      stop = c->p;
    }
    char sep = c->p < c->end ? *c->p : '\n';
    if (n == max) {
      snprintf(c->err, sizeof c->err, "line %ld: more than %d fields", c->line, max);
      return -1;
    }
    fields[n++] = start;
    c->p += c->p < c->end ? (sep == '\r' ? 2 : 1) : 0;
    *stop = 0; /* after the separator was read: stop may be where it was */
    if (sep != ',') break;
  }
  c->line++;
  return n;
}

/* --- rows ------------------------------------------------------------------------------------------- */
enum col { C_AUTHOR, C_CONTENT, C_DATE, C_POST_TYPE, C_LANGUAGE, C_FOLLOWING, C_FOLLOWERS, C_UPDATES, C_COLS };
static const char *const COL_NAMES[C_COLS] = {"author", "content", "publish_date", "post_type", "language",
                                              "following", "followers", "updates"};
#define REQUIRED_COLS 4 /* author .. post_type; without the others: lang und, no counts */

static int header(char **f, int n, int *col, char *err, size_t cap) {
  for (int k = 0; k < C_COLS; k++) {
    col[k] = -1;
    for (int i = 0; i < n; i++)
      if (!strcmp(f[i], COL_NAMES[k])) col[k] = i;
    if (col[k] < 0 && k < REQUIRED_COLS) {
      snprintf(err, cap, "line 1: no \"%s\" column (is this an IRA archive CSV? see --help)", COL_NAMES[k]);
      return -1;
    }
  }
  return 0;
}

static const char *lang_code(const char *language) {
  static const char *const NAMES[][2] = {{"English", "en"}, {"Russian", "ru"}, {"German", "de"}, {"Ukrainian", "uk"}};
  for (size_t i = 0; i < sizeof NAMES / sizeof *NAMES; i++)
    if (!strcmp(language, NAMES[i][0])) return NAMES[i][1];
  return "und";
}

/* "YYYY-MM-DD HH:MM:SS" (UTC) as ms. */
static bool parse_date(const char *s, int64_t *ms) {
  char iso[32];
  if (strlen(s) != 19 || s[10] != ' ') return false;
  snprintf(iso, sizeof iso, "%.10sT%.8sZ", s, s + 11);
  return ls_parse_iso8601(iso, ms);
}

static uint64_t field_u64(const char *s) { return strtoull(s, NULL, 10); }

static int row_of(char **f, const int *col, long line, struct mix_row *r, char *err, size_t cap) {
  const char *get[C_COLS];
  for (int k = 0; k < C_COLS; k++) get[k] = col[k] >= 0 ? f[col[k]] : "";
  *r = (struct mix_row){.author = get[C_AUTHOR], .content = get[C_CONTENT], .lang = lang_code(get[C_LANGUAGE]),
                        .followers = field_u64(get[C_FOLLOWERS]), .following = field_u64(get[C_FOLLOWING]),
                        .updates = field_u64(get[C_UPDATES]), .retweet = !strcmp(get[C_POST_TYPE], "R")};
  r->author_id = TROLL_ID_BASE + ls_hash64(r->author, strlen(r->author), 0) % TROLL_ID_RANGE;
  if (!parse_date(get[C_DATE], &r->ms)) {
    snprintf(err, cap, "line %ld: publish_date \"%.40s\" is not YYYY-MM-DD HH:MM:SS", line, get[C_DATE]);
    return -1;
  }
  const char *bad = !r->author[0]                                     ? "empty author"
                    : !ls_utf8_valid(r->content, strlen(r->content)) ? "content is not valid UTF-8"
                    : !ls_utf8_valid(r->author, strlen(r->author))   ? "author is not valid UTF-8"
                                                                      : NULL;
  if (bad) snprintf(err, cap, "line %ld: %s", line, bad);
  return bad ? -1 : 0;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *b = NULL;
  long n = fseek(f, 0, SEEK_END) ? -1 : ftell(f);
  if (n >= 0 && !fseek(f, 0, SEEK_SET) && (b = malloc((size_t)n + 1)) && fread(b, 1, (size_t)n, f) != (size_t)n) {
    free(b);
    b = NULL;
  }
  fclose(f);
  if (b) { b[n] = 0; *len = (size_t)n; }
  return b;
}

static int read_rows(struct gen_mix *m, struct csv *c) {
  char *f[MAX_FIELDS];
  int col[C_COLS], n_head = csv_record(c, f, MAX_FIELDS);
  if (n_head <= 0) {
    if (!n_head) snprintf(c->err, sizeof c->err, "empty file");
    return -1;
  }
  if (header(f, n_head, col, c->err, sizeof c->err)) return -1;
  long cap = 1024;
  if (!(m->rows = malloc((size_t)cap * sizeof *m->rows))) return -1;
  for (;;) {
    long line = c->line;
    int n = csv_record(c, f, MAX_FIELDS);
    if (n < 0) return -1;
    if (n == 0) break;
    if (n == 1 && !f[0][0]) continue; /* a blank line */
    if (n != n_head) {
      snprintf(c->err, sizeof c->err, "line %ld: %d fields, the header has %d", line, n, n_head);
      return -1;
    }
    if (m->n == cap) {
      struct mix_row *more = realloc(m->rows, (size_t)(cap *= 2) * sizeof *more);
      if (!more) return -1;
      m->rows = more;
    }
    if (row_of(f, col, line, &m->rows[m->n], c->err, sizeof c->err)) return -1;
    m->n++;
  }
  return 0;
}

/* An original post without text would be rejected (empty text): such rows stay out of the
 * stream (m->skipped), their accounts among the trolls. */
static bool postable(const struct mix_row *r) { return r->retweet || r->content[0]; }

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* The day's span, its distinct accounts and the co-acting ones. */
static int day_truth(struct gen_mix *m) {
  struct coact_action *a = malloc(((size_t)m->n + 1) * sizeof *a);
  m->trolls = malloc(((size_t)m->n + 1) * sizeof *m->trolls);
  if (!a || !m->trolls) { free(a); return -1; }
  m->first_ms = m->last_ms = m->rows[0].ms;
  for (long i = 0; i < m->n; i++) {
    const struct mix_row *r = &m->rows[i];
    if (r->ms < m->first_ms) m->first_ms = r->ms;
    if (r->ms > m->last_ms) m->last_ms = r->ms;
    m->trolls[i] = r->author_id;
    a[i] = (struct coact_action){.object = coact_object(r->retweet, r->content), .account = r->author_id, .ms = r->ms};
  }
  qsort(m->trolls, (size_t)m->n, sizeof *m->trolls, cmp_u64);
  for (long i = 0; i < m->n; i++)
    if (!m->n_trolls || m->trolls[i] != m->trolls[m->n_trolls - 1]) m->trolls[m->n_trolls++] = m->trolls[i];
  m->n_coacting = coacting_accounts(a, m->n, &m->coacting);
  for (long i = 0; i < m->n; i++) m->skipped += !postable(&m->rows[i]);
  free(a);
  char iso[40];
  ls_iso8601(m->first_ms, iso, sizeof iso);
  snprintf(m->day, sizeof m->day, "%.10s", iso);
  return m->n_coacting < 0 ? -1 : 0;
}

int mix_load(const char *path, struct gen_mix *m) {
  size_t len = 0;
  *m = (struct gen_mix){.path = path};
  errno = 0;
  if (!(m->buf = slurp(path, &len))) {
    fprintf(stderr, "lockstep-gen: --mix %s: %s\n", path, errno ? strerror(errno) : "cannot read it");
    return 2;
  }
  struct csv c = {.p = m->buf, .end = m->buf + len, .line = 1};
  if (len >= 3 && !memcmp(c.p, "\xEF\xBB\xBF", 3)) c.p += 3; /* a byte order mark */
  int rc = read_rows(m, &c);
  if (rc || !m->n) {
    fprintf(stderr, "lockstep-gen: --mix %s: %s\n", path, rc ? (c.err[0] ? c.err : "out of memory") : "no rows after the header");
    return 2;
  }
  if (day_truth(m)) {
    fprintf(stderr, "lockstep-gen: out of memory\n");
    return 2;
  }
  return 0;
}

/* --- rows as tweets ---------------------------------------------------------------------------------- */
/* Letters, marks, numbers and '_'. */
static bool tag_char(int32_t c) {
  if (c == '_') return true;
  if (c < 0) return false;
  utf8proc_category_t k = utf8proc_category(c);
  return k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_NO;
}

/* The end of the hashtag whose '#' is at s[i], or i when there is none there (the tag needs a
 * letter, and the '#' must not follow a tag character). */
static size_t tag_end(const char *s, size_t i, size_t n) {
  int32_t c = -1;
  if (i > 0) {
    size_t b = i - 1;
    while (b > 0 && ((unsigned char)s[b] & 0xC0) == 0x80) b--;
    utf8proc_iterate((const utf8proc_uint8_t *)s + b, (utf8proc_ssize_t)(i - b), &c);
    if (tag_char(c) || s[i - 1] == '&') return i;
  }
  size_t j = i + 1;
  bool letter = false;
  for (utf8proc_ssize_t k; j < n && (k = utf8proc_iterate((const utf8proc_uint8_t *)s + j, (utf8proc_ssize_t)(n - j), &c)) > 0 && tag_char(c); j += (size_t)k)
    letter |= c == '_' || (utf8proc_category(c) >= UTF8PROC_CATEGORY_LU && utf8proc_category(c) <= UTF8PROC_CATEGORY_LO);
  return letter ? j : i;
}

static size_t url_end(const char *s, size_t i, size_t n) {
  size_t j = i;
  while (j < n && (unsigned char)s[j] > ' ') j++;
  while (j > i && strchr(".,;:!?)]}'\"", s[j - 1])) j--;
  if (j >= i + 3 && !memcmp(s + j - 3, "\xE2\x80\xA6", 3)) j -= 3; /* an ellipsis */
  return j;
}

/* The links and hashtags of the text, kept in the pool. */
static int entities(struct gen *g, struct ls_tweet *t, const char *s) {
  size_t n = strlen(s);
  for (size_t i = 0; i < n; i++) {
    size_t scheme = !strncasecmp(s + i, "http://", 7) ? 7 : !strncasecmp(s + i, "https://", 8) ? 8 : 0;
    bool link = scheme > 0;
    size_t end = link ? url_end(s, i, n) : s[i] == '#' ? tag_end(s, i, n) : i;
    if (end <= i + (link ? scheme : 1)) continue;
    const char *kept = link ? pool_keep(g, s + i, end - i) : pool_keep(g, s + i + 1, end - i - 1);
    if (!kept) return -1;
    if (link && t->n_urls < LS_MAX_URLS) t->urls[t->n_urls++] = kept;
    if (!link && t->n_hashtags < LS_MAX_HASHTAGS) t->hashtags[t->n_hashtags++] = kept;
    i = end - 1;
  }
  return 0;
}

/* The retweeted tweet of a retweet: a snowflake of the day before, from the content's hash. */
static uint64_t retweeted_id(const char *content, int64_t day_ms) {
  uint64_t h = ls_hash64(content, strlen(content), 0x52540000);
  int64_t t = day_ms - 86400000 + (int64_t)(h % 86400000);
  return (uint64_t)(t - LS_SNOWFLAKE_EPOCH_MS) << 22 | (h >> 42 & 0x3FFFFF);
}

static int row_tweet(struct gen *g, const struct gen_mix *m, const struct mix_row *r) {
  struct gtweet *x = new_tweet(g, r->author_id, r->ms);
  if (!x) return -1;
  snprintf(x->user, sizeof x->user, "%.*s", (int)ls_utf8_prefix(r->author, strlen(r->author), 15), r->author);
  x->t.author = (struct ls_author){.present = true, .followers = r->followers, .following = r->following, .statuses = r->updates};
  x->t.lang = r->lang;
  x->t.text = r->content;
  x->t.text_len = (uint32_t)strlen(r->content);
  x->external = true;
  if (r->retweet) x->t.retweet_of = retweeted_id(r->content, m->first_ms - m->first_ms % 86400000);
  return entities(g, &x->t, r->content);
}

int mix_add(struct gen *g, const struct gen_mix *m) {
  for (long i = 0; i < m->n; i++)
    if (postable(&m->rows[i]) && row_tweet(g, m, &m->rows[i])) return -1;
  return 0;
}

static void ids_json(struct ls_jw *w, const char *key, const uint64_t *ids, long n) {
  ls_jw_key(w, key);
  ls_jw_arr_begin(w);
  for (long i = 0; i < n; i++) ls_jw_u64_str(w, ids[i]);
  ls_jw_arr_end(w);
}

void mix_truth(struct ls_jw *w, const struct gen_mix *m) {
  ls_jw_key(w, "day");
  ls_jw_str(w, m->day);
  ls_jw_key(w, "source");
  ls_jw_str(w, m->path);
  ls_jw_key(w, "troll_tweets"); /* the rows in the stream */
  ls_jw_u64(w, (uint64_t)(m->n - m->skipped));
  ids_json(w, "trolls", m->trolls, m->n_trolls);
  ids_json(w, "coacting", m->coacting, m->n_coacting);
}

void mix_free(struct gen_mix *m) {
  free(m->buf);
  free(m->rows);
  free(m->trolls);
  free(m->coacting);
}
