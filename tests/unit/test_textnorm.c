/* Unit tests: canonical text (textnorm.h) — the disguises that must land on the plain text's
 * key, script by script, and what must stay apart; ls_text_drop_hashtags. The texts are
 * hand-made; escapes name the invisible and look-alike code points. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <utf8proc.h>

#include "lockstep/textnorm.h"

static struct ls_textcanon *tc;

static int setup(void **state) {
  (void)state;
  struct ls_err err;
  if (ls_textcanon_create(&tc, 0, &err) != LS_OK) {
    fprintf(stderr, "%s\n", err.msg);
    return -1;
  }
  return 0;
}

static int teardown(void **state) {
  (void)state;
  ls_textcanon_destroy(tc);
  return 0;
}

static char outbuf[1024];
static uint32_t ntok;

static const char *canon_n(const char *in, size_t n) {
  size_t len = ls_text_canon(tc, in, n, outbuf, sizeof outbuf, &ntok);
  assert_int_equal(len, strlen(outbuf));
  return outbuf;
}

static const char *canon(const char *in) { return canon_n(in, strlen(in)); }

/* a canonicalises to the same bytes as b, and canonical text is a fixed point. */
static void same(const char *a, const char *b) {
  char ca[1024];
  snprintf(ca, sizeof ca, "%s", canon(a));
  assert_string_equal(ca, canon(b));
  char cc[1024];
  snprintf(cc, sizeof cc, "%s", canon(ca));
  assert_string_equal(cc, ca);
}

static void differ(const char *a, const char *b) {
  char ca[1024];
  snprintf(ca, sizeof ca, "%s", canon(a));
  assert_string_not_equal(ca, canon(b));
}

static void test_create_destroy(void **state) {
  (void)state;
  struct ls_textcanon *c = NULL;
  struct ls_err err;
  assert_int_equal(ls_textcanon_create(&c, 1, &err), LS_OK); /* clamped up to a workable size */
  assert_non_null(c);
  ls_textcanon_destroy(c);
  ls_textcanon_destroy(NULL);
}

static void test_confusables_latin(void **state) {
  (void)state;
  same("p\u0430yp\u0430l", "paypal");                         /* Cyrillic а */
  same("G\u043e\u043egl\u0435", "Google");                    /* Cyrillic о о е */
  same("\u0445box \u0441\u043e\u0440y", "xbox copy");         /* Cyrillic х с о р */
  same("\u0420\u0410\u0423\u0420\u0410L", "PAYPAL");          /* Cyrillic capitals Р А У */
  same("g\u03bf\u03bfgle p\u03b1yp\u03b1l", "google paypal"); /* Greek ο α */
  same("\u0456nstagram", "instagram");                        /* Ukrainian і */
  assert_string_equal(canon("Vote for \u0441h\u0430ng\u0435 now"), "vote for change now");
  assert_int_equal(ntok, 4);
  /* A whole word of Cyrillic look-alikes is the Latin word it looks like: expected. */
  same("\u0440\u043e\u0440", "pop");
  /* ASCII look-alikes are not folded (English stays readable for the embedder). */
  differ("g00gle", "google");
  differ("rnodern", "modern");
}

static void test_invisible(void **state) {
  (void)state;
  const char *plain = "vote for change now";
  same("vo\u200bte for change now", plain);                   /* zero-width space */
  same("vote f\u200dor ch\u200cange now", plain);             /* ZWJ, ZWNJ */
  same("vote for chan\u00adge now", plain);                   /* soft hyphen */
  same("\ufeffvote for change now\ufeff", plain);             /* BOM */
  same("vote for\u2060 change n\u2060ow", plain);             /* word joiner */
  same("\u202evote\u202c for \u2066change\u2069 now", plain); /* bidi controls */
  same("vote\ufe0f for change now", plain);                   /* variation selector */
  same("vote\u00a0for\u3000change \u2003now", plain);         /* odd spaces are spaces */
}

static void test_fullwidth_math(void **state) {
  (void)state;
  same("\uff36\uff4f\uff54\uff45 \uff2e\uff4f\uff57", "vote now");  /* fullwidth */
  same("\U0001d42f\U0001d428\U0001d42d\U0001d41e now", "vote now"); /* bold */
  same("\U0001d463\U0001d45c\U0001d461\U0001d452 now", "vote now"); /* italic */
  same("\U0001d4cb\u2134\U0001d4c9\u212f now", "vote now");         /* script */
  same("\U0001d4ff\U0001d4f8\U0001d4fd\U0001d4ee now", "vote now"); /* bold script */
  same("\u24e5\u24de\u24e3\u24d4 now", "vote now");                 /* circled */
  same("\ufb01ght \u2460", "fight 1");                              /* ligature, circled digit */
}

static void test_case(void **state) {
  (void)state;
  same("VOTE Now", "vote now");
  assert_string_equal(canon("  Hello\n\nWORLD  "), "hello world");
  assert_int_equal(ntok, 2);
  same("\u0394\u0395\u039c\u039f\u039a\u03a1\u0391\u03a4\u0399\u0391",
       "\u03b4\u03b5\u03bc\u03bf\u03ba\u03c1\u03b1\u03c4\u03b9\u03b1");
}

static void test_punctuation_emoji(void **state) {
  (void)state;
  const char *plain = "vote now for change";
  same("Vote NOW!!! for change...", plain);
  same("vote, now; for (change)", plain);
  same("\U0001f525vote\U0001f525 now \U0001f1fa\U0001f1f8 for change \U0001f44d\U0001f3fd", plain);
  same("vote \u2014 now \u00bb for \u2605 change \u2764\ufe0f", plain);
  same("vote*now*for*change", plain);
  assert_string_equal(canon("time: 5pm, 3.14"), "time 5pm 3 14");
  /* apostrophes inside a word vanish; around words they separate */
  same("don't don\u2019t dont don\u02bct", "dont dont dont dont");
  assert_string_equal(canon("'quoted' dogs' toys"), "quoted dogs toys");
  /* '#' that begins a word and '_' inside a word survive */
  assert_string_equal(canon("c# #Vote! (#tag) ##x # ... #stop_the_steal _x_"), "c #vote #tag #x #stop_the_steal x");
  assert_int_equal(ntok, 6);
  same("\uff03vote", "#vote"); /* fullwidth '#' */
}

static void test_russian(void **state) {
  (void)state;
  const char *plain =
      "\u0413\u043e\u043b\u043e\u0441\u0443\u0439\u0442\u0435 \u0437\u0430 \u043d\u0430\u0441 "
      "\u0441\u0435\u0433\u043e\u0434\u043d\u044f";
  same(
      "\u0413\u043e\u043b\u043e\u200b\u0441\u0443\u0439\u0442\u0435 \u0437\u0430\u00ad \u043d\u0430\u2060\u0441 "
      "\u0441\u0435\u0433\u043e\ufeff\u0434\u043d\u044f",
      plain);
  same(
      "\u0413\u041e\u041b\u041e\u0421\u0423\u0419\u0422\u0415 \u0437\u0430 \u043d\u0430\u0441, "
      "\u0441\u0435\u0433\u043e\u0434\u043d\u044f!",
      plain);
  assert_int_equal(ntok, 4);
  /* different sentences stay different ("за нас" vs "за них") */
  differ(plain,
         "\u0413\u043e\u043b\u043e\u0441\u0443\u0439\u0442\u0435 \u0437\u0430 \u043d\u0438\u0445 "
         "\u0441\u0435\u0433\u043e\u0434\u043d\u044f");
  differ("\u041c\u044b \u043f\u043e\u0431\u0435\u0434\u0438\u043c",
         "\u041c\u044b \u043f\u0440\u043e\u0438\u0433\u0440\u0430\u0435\u043c");
  /* ё and Ё agree; ё (skeleton: Latin ë) and е (Latin e) stay apart, the diaeresis is kept */
  same("\u0432\u0441\u0451", "\u0432\u0441\u0401");
  differ("\u0432\u0441\u0451", "\u0432\u0441\u0435");
}

static void test_german(void **state) {
  (void)state;
  assert_string_equal(canon("Gr\u00f6\u00dfe"), "gr\u00f6sse"); /* ß -> ss, the umlaut stays */
  same("GR\u00d6SSE", "gr\u00f6\u00dfe");
  same("Gro\u0308\u00dfe", "Gr\u00f6\u00dfe"); /* decomposed umlaut composes */
  same("Stra\u00dfe", "strasse");
  assert_string_equal(canon("M\u00fcller \u00c4rger \u00fcber"), "m\u00fcller \u00e4rger \u00fcber");
  differ("M\u00fcller", "Muller");
  assert_string_equal(canon("caf\u00e9 na\u00efve"), "caf\u00e9 na\u00efve");
}

static void test_marks_and_empty(void **state) {
  (void)state;
  assert_string_equal(canon("\u0301\u0308\u0336"), "");
  assert_int_equal(ntok, 0);
  assert_string_equal(canon("\u200b\u200d\ufeff\u2060\u00ad\u202e \u200c"), "");
  assert_int_equal(ntok, 0);
  same("z\u0336\u0322a\u0337l\u0338g\u0335o\u0334", "zalgo");
  same("v\u0489ote", "vote"); /* enclosing mark */
  assert_string_equal(canon(""), "");
  assert_int_equal(ntok, 0);
}

/* What the writer removes inside a word never leaves two code points side by side that compose,
 * or canonicalising the result would compose them (fuzz_textnorm: idempotence). */
static void test_compose_after_drop(void **state) {
  (void)state;
  same("\u1100\u0600\u1161", "\uac00");   /* a format character between Hangul jamo */
  same("\u1100\u0301\u1161", "\uac00");   /* a lone mark between them */
  same("\uac00\u200b\u11a8", "\uac01");   /* an LV syllable and a T jamo */
  same("\u0bc6\u0600\u0bbe", "\u0bca");   /* Tamil vowel sign halves */
  same("\u1100'\u1161", "\u1100 \u1161"); /* a removed apostrophe: they stay two words */
}

/* Every code point, alone and between Hangul jamo that compose ("\u1100" X "\u1161"): canonical
 * text is a fixed point (the previous release failed 20,000 such texts, e.g. U+01C3, whose
 * skeleton is a '!', vanished from between the jamo). */
static void test_idempotent_every_code_point(void **state) {
  (void)state;
  for (uint32_t cp = 0x80; cp <= 0x10FFFF; cp++) {
    if (cp >= 0xD800 && cp <= 0xDFFF) continue;
    for (int v = 0; v < 2; v++) {
      char in[16], a[256], b[256];
      size_t n = 0;
      if (v) n += (size_t)utf8proc_encode_char(0x1100, (utf8proc_uint8_t *)in + n);
      n += (size_t)utf8proc_encode_char((utf8proc_int32_t)cp, (utf8proc_uint8_t *)in + n);
      if (v) n += (size_t)utf8proc_encode_char(0x1161, (utf8proc_uint8_t *)in + n);
      size_t la = ls_text_canon(tc, in, n, a, sizeof a, NULL);
      size_t lb = ls_text_canon(tc, a, la, b, sizeof b, NULL);
      if (la != lb || memcmp(a, b, la)) fail_msg("U+%04X (%d): \"%s\" -> \"%s\"", cp, v, a, b);
    }
  }
}

static void test_nul_and_invalid(void **state) {
  (void)state;
  static const char with_nul[] = "vote\0 now for\0 change";
  assert_string_equal(canon_n(with_nul, sizeof with_nul - 1), "vote now for change");
  assert_int_equal(ntok, 4);
  static const char joined[] = "ab\0cd";
  assert_string_equal(canon_n(joined, sizeof joined - 1), "abcd");
  assert_string_equal(canon("ab\xff"
                            "cd \xc3 \xe2\x82 ok\xc3"),
                      "abcd ok");
  assert_string_equal(canon("\xed\xa0\x80x"), "x"); /* an encoded surrogate is invalid */
}

static void test_small_cap(void **state) {
  (void)state;
  char in[4096 + 1];
  for (size_t i = 0; i < 4096; i++) in[i] = "ab\xd0\xb1 \xc3\xa9x"[i % 8]; /* ASCII, Cyrillic б, é */
  in[4096] = '\0';
  for (size_t cap = 0; cap <= 24; cap++) {
    char out[32];
    memset(out, 0x5a, sizeof out);
    uint32_t tok = 99;
    size_t n = ls_text_canon(tc, in, 4096, out, cap, &tok);
    if (cap == 0) {
      assert_int_equal(n, 0);
      assert_int_equal(tok, 0);
    } else {
      assert_true(n <= cap - 1);
      assert_int_equal(out[n], '\0');
      assert_int_equal(strlen(out), n);
    }
    for (size_t k = cap; k < sizeof out; k++) assert_int_equal((unsigned char)out[k], 0x5a);
  }
  /* a result cut short ends at a code point boundary, and the tokens are those written */
  char out[7];
  uint32_t tok;
  size_t n = ls_text_canon(tc, "ab \xd0\xb6\xd0\xb6\xd0\xb6", 9, out, sizeof out, &tok); /* ж ж ж */
  assert_int_equal(n, 5);
  assert_int_equal(tok, 2);
  /* a cap of 2 keeps no "r" of an "RT" that the next word drops (fuzz_textnorm) */
  assert_int_equal(ls_text_canon(tc, "RT @user_1: text", 16, out, 2, &tok), 1);
  assert_string_equal(out, "t");
  assert_int_equal(tok, 1);
  assert_int_equal(ls_text_canon(tc, "RT", 2, out, 2, &tok), 1);
  assert_string_equal(out, "r");
  assert_int_equal(ls_text_canon(tc, "\xd0\xb6", 2, out, 2, &tok), 0); /* ж does not fit */
  assert_int_equal(ls_text_canon(tc, "RT x", 4, out, 1, &tok), 0);
  assert_int_equal(tok, 0);
}

/* The text canonicalised with 1 KiB pieces and with 64 KiB pieces: the same key, length and
 * tokens whatever the piece size. Returns the length. */
static size_t same_in_pieces(struct ls_textcanon *small, struct ls_textcanon *big, const char *in, size_t n) {
  static char a[60000], b[60000];
  uint32_t ta, tb;
  size_t la = ls_text_canon(small, in, n, a, sizeof a, &ta);
  size_t lb = ls_text_canon(big, in, n, b, sizeof b, &tb);
  assert_int_equal(la, lb);
  assert_int_equal(ta, tb);
  assert_string_equal(a, b);
  return la;
}

/* unit repeated count times into out; returns the length. */
static size_t repeat(char *out, const char *unit, size_t count) {
  size_t l = strlen(unit);
  for (size_t k = 0; k < count; k++) memcpy(out + l * k, unit, l);
  return l * count;
}

static void test_long_input_pieces(void **state) {
  (void)state;
  /* a context with the smallest buffer cuts long texts into pieces; the result is the same */
  struct ls_textcanon *small, *big;
  struct ls_err err;
  assert_int_equal(ls_textcanon_create(&small, 1024, &err), LS_OK);
  assert_int_equal(ls_textcanon_create(&big, 1 << 16, &err), LS_OK);
  static char in[20000];
  static const char *words[] = {"Vote ",
                                "\u0441h\u0430nge ",
                                "@user: ",
                                "https://t.co/x?a=1 ",
                                "don\u2019t ",
                                "\ufdfa ",
                                "Gr\u00f6\u00dfe\u200b ",
                                "\U0001f525 ",
                                "#tag ",
                                "\u0413\u043e\u043b\u043e\u0441 ",
                                "e\u0301 "};
  size_t n = 0;
  for (size_t k = 0; n + 40 < sizeof in; k++) {
    size_t l = strlen(words[k % 11]);
    memcpy(in + n, words[k % 11], l);
    n += l;
  }
  assert_true(same_in_pieces(small, big, in, n) > 1000);
  static char long_word[20000];
  /* one 6 KB word of Cyrillic letters each followed by a combining mark (е + U+0308 composes to ё):
   * a cut between a letter and its mark would drop the mark, and the key would depend on the cut */
  same_in_pieces(small, big, long_word, repeat(long_word, "\xd0\xb5\xcc\x88", 1500));
  /* one 6 KB word of Hangul jamo pairs (U+1100 U+1161 composes to U+AC00): no cut between them */
  same_in_pieces(small, big, long_word, repeat(long_word, "\xe1\x84\x80\xe1\x85\xa1", 1000));
  /* U+FDFA expands to 18 code points (four words): a text of only that is cut into pieces that fit */
  assert_true(same_in_pieces(small, big, long_word, repeat(long_word, "\xef\xb7\xba", 3000)) > 3000);
  ls_textcanon_destroy(small);
  ls_textcanon_destroy(big);
}

static void test_mentions_urls_rt(void **state) {
  (void)state;
  assert_string_equal(canon("RT @someone: Vote   NOW\tfor @cand https://t.co/abc  \u00dcn\u00efcode"),
                      "vote now for \u00fcn\u00efcode");
  assert_int_equal(ntok, 4);
  assert_string_equal(canon("RTX cards are great"), "rtx cards are great"); /* only a leading "RT " */
  assert_string_equal(canon("rt: hello"), "hello");
  assert_string_equal(canon("\u200bRT @a hi"), "hi");
  assert_string_equal(canon("@a @b http://x.y HTTPS://Example.com/a,b!"), "");
  assert_int_equal(ntok, 0);
  assert_string_equal(canon("read this:https://t.co/abc,now and mail@example.com"), "read this and mail com");
  assert_string_equal(canon("\uff20user \uff48\uff54\uff54\uff50\uff53://t.co/x hi"), "hi"); /* fullwidth @ and link */
  assert_string_equal(canon("RT"), "rt");                                                    /* a lone RT stays */
  same("(RT) hello", "hello"); /* a first word RT goes, however it is written */
  assert_string_equal(canon("@ home"), "home");
}

static void test_tokens(void **state) {
  (void)state;
  canon("one two  three\t four");
  assert_int_equal(ntok, 4);
  canon("one,two;three");
  assert_int_equal(ntok, 3);
  canon("don't stop");
  assert_int_equal(ntok, 2);
  uint32_t *none = NULL;
  char out[16];
  assert_int_equal(ls_text_canon(tc, "a b", 3, out, sizeof out, none), 3);
}

static void test_different_texts(void **state) {
  (void)state;
  differ("vote for change", "vote for chance");
  differ("the cat sat", "the car sat");
  differ("\u5927\u5bb6\u597d", "\u5927\u5bb6\u4e0d\u597d");
  differ("\u0645\u0631\u062d\u0628\u0627", "\u0634\u0643\u0631\u0627");
}

static void test_drop_hashtags(void **state) {
  (void)state;
  char s[64];
  uint32_t tok;
  strcpy(s, "#goal what a strike #clubfc #");
  size_t n = ls_text_drop_hashtags(s, strlen(s), &tok);
  assert_string_equal(s, "what a strike #"); /* a lone '#' is a word, not a hashtag */
  assert_int_equal(n, strlen(s));
  assert_int_equal(tok, 4);
  strcpy(s, "#only #tags");
  assert_int_equal(ls_text_drop_hashtags(s, strlen(s), &tok), 0);
  assert_string_equal(s, "");
  assert_int_equal(tok, 0);
  strcpy(s, "no tags here");
  assert_int_equal(ls_text_drop_hashtags(s, strlen(s), &tok), 12);
  assert_int_equal(tok, 3);
  /* on a canonical text */
  static const char tw[] = "#Vote!! for #stop_the_steal now \U0001f525";
  n = ls_text_canon(tc, tw, sizeof tw - 1, s, sizeof s, &tok);
  assert_string_equal(s, "#vote for #stop_the_steal now");
  n = ls_text_drop_hashtags(s, n, &tok);
  assert_string_equal(s, "for now");
  assert_int_equal(tok, 2);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_create_destroy),
      cmocka_unit_test(test_confusables_latin),
      cmocka_unit_test(test_invisible),
      cmocka_unit_test(test_fullwidth_math),
      cmocka_unit_test(test_case),
      cmocka_unit_test(test_punctuation_emoji),
      cmocka_unit_test(test_russian),
      cmocka_unit_test(test_german),
      cmocka_unit_test(test_marks_and_empty),
      cmocka_unit_test(test_compose_after_drop),
      cmocka_unit_test(test_idempotent_every_code_point),
      cmocka_unit_test(test_nul_and_invalid),
      cmocka_unit_test(test_small_cap),
      cmocka_unit_test(test_long_input_pieces),
      cmocka_unit_test(test_mentions_urls_rt),
      cmocka_unit_test(test_tokens),
      cmocka_unit_test(test_different_texts),
      cmocka_unit_test(test_drop_hashtags),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
