/* gen_disguise.c — the disguises that lockstep-gen's adversarial kinds put on each copy of a
 * campaign's message or link, so that copies differ byte for byte but not to a reader:
 *   homoglyphs  a random 30% of the Latin letters that have a look-alike become Cyrillic (а е о р
 *               с х у і ѕ ј, capitals А В Е К М Н О Р С Т Х Ү І Ј Ѕ) or Greek (ο α ν) ones
 *   invisible   zero-width space U+200B, ZWNJ U+200C, ZWJ U+200D, word joiner U+2060, soft
 *               hyphen U+00AD and BOM U+FEFF put between characters at random
 *   fonts       the letters (and digits, where the style has them) in one of Unicode's "font"
 *               alphabets: fullwidth U+FF01.., mathematical bold U+1D400.., italic U+1D434..,
 *               script U+1D49C.. (with the letters that live in Letterlike Symbols)
 *   noise       words in upper or title case, "!!!", "...", "?!" after words, emoji (U+1F525,
 *               U+1F621, ...) around the text, and the whole in quotes
 *   link        one link per (campaign, burst) written a different way per member: http or
 *               https, www. or m. or no host prefix, host letters in random case, the explicit
 *               default port, percent-encoded path characters, a #fragment, tracking and share
 *               parameters (utm_*, fbclid, gclid, igshid, mc_cid, s, t, ref) mixed among the
 *               real ones, the real parameters in either order, a trailing slash or not
 * and the messages of the multilingual kind (Russian, German with umlauts and ß, or English).
 * Every function writes a NUL-terminated string of at most cap bytes, cut at a character. */
#include <stdio.h>
#include <string.h>

#include "gen.h"
#include "lockstep/hash.h"

/* --- a bounded UTF-8 string builder --------------------------------------------------------------- */
struct sb {
  char *p;
  size_t n, cap;
  bool full;
};

static void sb_init(struct sb *b, char *out, size_t cap) {
  *b = (struct sb){.p = out, .cap = cap};
  if (cap) out[0] = 0;
}

static void sb_bytes(struct sb *b, const char *s, size_t n) {
  if (b->full || b->n + n + 1 > b->cap) {
    b->full = true;
    return;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = 0;
}

static void sb_str(struct sb *b, const char *s) { sb_bytes(b, s, strlen(s)); }

static void sb_cp(struct sb *b, uint32_t cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) { u[0] = (char)cp; n = 1; }
  else if (cp < 0x800) { u[0] = (char)(0xC0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
  else if (cp < 0x10000) { u[0] = (char)(0xE0 | cp >> 12); u[1] = (char)(0x80 | (cp >> 6 & 0x3F)); u[2] = (char)(0x80 | (cp & 0x3F)); n = 3; }
  else { u[0] = (char)(0xF0 | cp >> 18); u[1] = (char)(0x80 | (cp >> 12 & 0x3F)); u[2] = (char)(0x80 | (cp >> 6 & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F)); n = 4; }
  sb_bytes(b, u, n);
}

/* Bytes of the UTF-8 character starting at s (1 for a stray byte). */
static size_t char_len(const char *s) {
  size_t n = 1;
  while (s[n] && ((unsigned char)s[n] & 0xC0) == 0x80 && n < 4) n++;
  return n;
}

/* --- homoglyphs ------------------------------------------------------------------------------------ */
struct lookalike {
  char latin;
  uint32_t cp[2]; /* one or two look-alikes; 0 when only one */
};
static const struct lookalike LOOKALIKES[] = {
    {'a', {0x0430, 0x03B1}}, {'e', {0x0435, 0}}, {'o', {0x043E, 0x03BF}}, {'p', {0x0440, 0}}, {'c', {0x0441, 0}},
    {'x', {0x0445, 0}},      {'y', {0x0443, 0}}, {'i', {0x0456, 0}},      {'s', {0x0455, 0}}, {'j', {0x0458, 0}},
    {'v', {0x03BD, 0}},      {'A', {0x0410, 0}}, {'B', {0x0412, 0}},      {'E', {0x0415, 0}}, {'K', {0x041A, 0}},
    {'M', {0x041C, 0}},      {'H', {0x041D, 0}}, {'O', {0x041E, 0}},      {'P', {0x0420, 0}}, {'C', {0x0421, 0}},
    {'T', {0x0422, 0}},      {'X', {0x0425, 0}}, {'Y', {0x04AE, 0}},      {'I', {0x0406, 0}}, {'J', {0x0408, 0}},
    {'S', {0x0405, 0}}};

static const struct lookalike *lookalike_of(char c) {
  for (size_t i = 0; i < sizeof LOOKALIKES / sizeof *LOOKALIKES; i++)
    if (LOOKALIKES[i].latin == c) return &LOOKALIKES[i];
  return NULL;
}

/* Exactly 30% (rounded) of the eligible letters, chosen by selection sampling. */
void disguise_homoglyphs(struct gen *g, const char *in, char *out, size_t cap) {
  long eligible = 0, chosen = 0;
  for (const char *p = in; *p; p++) eligible += lookalike_of(*p) != NULL;
  long want = (eligible * 3 + 5) / 10, seen = 0;
  struct sb b;
  sb_init(&b, out, cap);
  for (const char *p = in; *p; p++) {
    const struct lookalike *l = lookalike_of(*p);
    if (l && unif(g) * (double)(eligible - seen++) < (double)(want - chosen)) {
      chosen++;
      sb_cp(&b, l->cp[1] && unif(g) < 0.5 ? l->cp[1] : l->cp[0]);
    } else {
      sb_bytes(&b, p, 1);
    }
  }
}

/* --- invisible characters -------------------------------------------------------------------------- */
static const uint32_t INVISIBLE[] = {0x200B, 0x200C, 0x200D, 0x2060, 0x00AD, 0xFEFF};

void disguise_invisible(struct gen *g, const char *in, double per_gap, char *out, size_t cap) {
  struct sb b;
  sb_init(&b, out, cap);
  for (const char *p = in; *p;) {
    if (unif(g) < per_gap) sb_cp(&b, INVISIBLE[pick(g, sizeof INVISIBLE / sizeof *INVISIBLE)]);
    size_t n = char_len(p);
    sb_bytes(&b, p, n);
    p += n;
  }
}

/* --- font letters ------------------------------------------------------------------------------------ */
enum font { F_FULLWIDTH, F_BOLD, F_ITALIC, F_SCRIPT, F_STYLES };

/* Letterlike Symbols that stand in for the holes of the mathematical alphabets. */
static uint32_t font_hole(enum font f, char c) {
  static const char SCRIPT_AT[] = "BEFHILMRego";
  static const uint32_t SCRIPT_CP[] = {0x212C, 0x2130, 0x2131, 0x210B, 0x2110, 0x2112, 0x2133, 0x211B, 0x212F, 0x210A, 0x2134};
  if (f == F_ITALIC && c == 'h') return 0x210E;
  const char *at = f == F_SCRIPT ? strchr(SCRIPT_AT, c) : NULL;
  return at ? SCRIPT_CP[at - SCRIPT_AT] : 0;
}

static uint32_t font_cp(enum font f, char c) {
  static const uint32_t UPPER[] = {0, 0x1D400, 0x1D434, 0x1D49C}, LOWER[] = {0, 0x1D41A, 0x1D44E, 0x1D4B6};
  if (f == F_FULLWIDTH) return c > ' ' && c <= '~' ? (uint32_t)c + 0xFEE0 : (uint32_t)c;
  uint32_t hole = font_hole(f, c);
  if (hole) return hole;
  if (c >= 'A' && c <= 'Z') return UPPER[f] + (uint32_t)(c - 'A');
  if (c >= 'a' && c <= 'z') return LOWER[f] + (uint32_t)(c - 'a');
  if (f == F_BOLD && c >= '0' && c <= '9') return 0x1D7CE + (uint32_t)(c - '0');
  return (uint32_t)(unsigned char)c;
}

void disguise_fonts(struct gen *g, const char *in, char *out, size_t cap) {
  enum font f = (enum font)pick(g, F_STYLES);
  struct sb b;
  sb_init(&b, out, cap);
  for (const char *p = in; *p; p++) {
    if ((unsigned char)*p < 0x80) sb_cp(&b, font_cp(f, *p));
    else sb_bytes(&b, p, 1);
  }
}

/* --- case, punctuation and emoji noise --------------------------------------------------------------- */
static const char *const EMOJI[] = {"\U0001F525", "\U0001F621", "\U0001F449", "\u203C\uFE0F", "\U0001F602",
                                    "\U0001F4AF", "\u26A0\uFE0F", "\U0001F1FA\U0001F1F8", "\U0001F92C"};
static const char *const BANGS[] = {"!!!", "!!", "...", "?!", "!!1", " !!!"};
static const char *const QUOTES[][2] = {{"\"", "\""}, {"\u201C", "\u201D"}, {"\u00AB", "\u00BB"}, {"'", "'"}};
#define N_OF(a) (long)(sizeof a / sizeof *a)

static void noisy_word(struct gen *g, struct sb *b, const char *w, size_t n) {
  double r = unif(g);
  for (size_t i = 0; i < n; i++) {
    char c = w[i];
    if (r < 0.2 || (r < 0.3 && i == 0)) c = c >= 'a' && c <= 'z' ? (char)(c - 32) : c; /* UPPER or Title */
    sb_bytes(b, &c, 1);
  }
  if (unif(g) < 0.08) sb_str(b, BANGS[pick(g, N_OF(BANGS))]);
}

void disguise_noise(struct gen *g, const char *in, char *out, size_t cap) {
  struct sb b;
  sb_init(&b, out, cap);
  int quote = unif(g) < 0.35 ? (int)pick(g, N_OF(QUOTES)) : -1;
  if (unif(g) < 0.4) { sb_str(&b, EMOJI[pick(g, N_OF(EMOJI))]); sb_str(&b, " "); }
  if (quote >= 0) sb_str(&b, QUOTES[quote][0]);
  for (const char *p = in; *p;) {
    size_t n = strcspn(p, " ");
    noisy_word(g, &b, p, n);
    p += n;
    if (*p) sb_bytes(&b, p++, 1);
  }
  if (quote >= 0) sb_str(&b, QUOTES[quote][1]);
  if (unif(g) < 0.5) sb_str(&b, BANGS[pick(g, N_OF(BANGS))]);
  for (long k = pick(g, 4); k > 0; k--) { sb_str(&b, " "); sb_str(&b, EMOJI[pick(g, N_OF(EMOJI))]); }
}

/* --- link variants -------------------------------------------------------------------------------------- */
static const char *const TRACKING[] = {"utm_source=twitter", "utm_medium=social", "utm_campaign=share%d", "fbclid=IwAR%d",
                                       "gclid=Cj0KCQ%d",    "igshid=%d",         "mc_cid=%d",            "s=%d",
                                       "t=%dxq",            "ref=share%d"};

static void host_part(struct gen *g, struct sb *b, const char *host) {
  for (const char *p = host; *p; p++) {
    char c = *p >= 'a' && *p <= 'z' && unif(g) < 0.5 ? (char)(*p - 32) : *p;
    sb_bytes(b, &c, 1);
  }
}

/* A path character, percent-encoded (either hex case) now and then. */
static void path_char(struct gen *g, struct sb *b, char c, bool encode) {
  char e[4];
  if (c != '/' && encode && unif(g) < 0.3) {
    snprintf(e, sizeof e, unif(g) < 0.5 ? "%%%02X" : "%%%02x", (unsigned char)c);
    sb_str(b, e);
  } else {
    sb_bytes(b, &c, 1);
  }
}

/* The query: the real parameters in either order with 0-3 different tracking ones among them. */
static void query_part(struct gen *g, struct sb *b, const char *const real[2]) {
  const char *params[5];
  char tracking[3][40];
  int n = 0, first = unif(g) < 0.5;
  params[n++] = real[first];
  params[n++] = real[!first];
  long first_tracking = pick(g, N_OF(TRACKING)); /* consecutive ones: no parameter twice */
  for (long k = pick(g, 4), i = 0; i < k; i++) {
    snprintf(tracking[i], sizeof tracking[i], TRACKING[(first_tracking + i * 3) % N_OF(TRACKING)], (int)pick(g, 100000));
    int at = (int)pick(g, n + 1);
    memmove(&params[at + 1], &params[at], (size_t)(n - at) * sizeof *params);
    params[at] = tracking[i];
    n++;
  }
  for (int i = 0; i < n; i++) {
    sb_str(b, i ? "&" : "?");
    sb_str(b, params[i]);
  }
}

void link_variant(struct gen *g, int campaign, int burst, char *out, size_t cap) {
  char host[64], path[64], id[32], cat[32];
  snprintf(host, sizeof host, "shop-deals%d.example.com", campaign);
  snprintf(path, sizeof path, "/p/%d/summer-sale", burst);
  snprintf(id, sizeof id, "id=%d", campaign * 1000 + burst);
  snprintf(cat, sizeof cat, "cat=%d", campaign % 7);
  const char *real[2] = {id, cat};
  bool https = unif(g) < 0.5, encode = unif(g) < 0.4;
  static const char *const PREFIX[] = {"", "www.", "m."};
  struct sb b;
  sb_init(&b, out, cap);
  sb_str(&b, https ? "https://" : "http://");
  sb_str(&b, PREFIX[pick(g, 3)]);
  if (unif(g) < 0.3) host_part(g, &b, host);
  else sb_str(&b, host);
  if (unif(g) < 0.25) sb_str(&b, https ? ":443" : ":80");
  for (const char *p = path; *p; p++) path_char(g, &b, *p, encode);
  if (unif(g) < 0.5) sb_str(&b, "/");
  query_part(g, &b, real);
  if (unif(g) < 0.3) sb_str(&b, unif(g) < 0.5 ? "#comments" : "#section-2");
}

/* --- multilingual messages ----------------------------------------------------------------------------- */
static const char *const RU_STYLES[] = {
    "Срочно: власти скрывают, что %s и %s связаны с делом №%d. Распространите, пока не удалили!",
    "Вы знали, что %s в районе %d растут, а про %s все молчат? Молчать больше нельзя, делитесь"};
static const char *const RU_WORDS[] = {"выборы", "налоги", "мигранты", "пенсии", "санкции", "коррупция",
                                       "больницы", "школы", "цены", "бензин", "заводы", "мэрия"};
static const char *const DE_STYLES[] = {
    "Eilmeldung: Die Behörden verschweigen, dass %s und %s mit Fall %d zusammenhängen. Teilt das, bevor es gelöscht wird!",
    "Wusstet ihr, dass die %s in Bezirk %d steigen, während über %s niemand spricht? Große Empörung, weißt du Bescheid?"};
static const char *const DE_WORDS[] = {"Flüchtlinge", "Steuern", "Straßenbahnen", "Bürgermeister", "Grenzöffnungen",
                                       "Mieterhöhungen", "Schließungen", "Gebühren", "Überwachung", "Kürzungen",
                                       "Rentenkürzungen", "Fußballvereine"};
static const char *const EN_STYLES[] = {
    "Breaking: officials hide that %s and %s are tied to case %d. Share before they delete it!",
    "Did you know %s in district %d keep rising while nobody talks about %s? Silence is over, share this"};
static const char *const EN_WORDS[] = {"elections", "taxes", "migrants", "pensions", "sanctions", "corruption",
                                       "hospitals", "schools", "prices", "fuel", "factories", "city hall"};

/* Burst b of campaign c speaks one language (in turn), with words drawn for (seed, c, b). */
const char *multilingual_text(uint64_t seed, int campaign, int burst, char *out, size_t cap) {
  static const char *const *const STYLES[] = {RU_STYLES, DE_STYLES, EN_STYLES}, *const *const WORDS[] = {RU_WORDS, DE_WORDS, EN_WORDS};
  static const char *const LANG[] = {"ru", "de", "en"};
  int l = (campaign + burst) % 3;
  uint64_t h = ls_mix64(seed * 6151 + (uint64_t)campaign * 92821 + (uint64_t)burst);
  const char *w0 = WORDS[l][h % 12], *w1 = WORDS[l][(h % 12 + 1 + (h >> 8) % 11) % 12], *style = STYLES[l][(h >> 16) % 2];
  int number = campaign * 100 + burst;
  if ((h >> 16) % 2) snprintf(out, cap, style, w0, number, w1);
  else snprintf(out, cap, style, w0, w1, number);
  return LANG[l];
}
