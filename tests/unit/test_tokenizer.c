/* Unit tests: the BERT tokenizer against ids written by hand from Hugging Face's algorithm, on
 * a hand-made vocabulary: accents, emoji, CJK, Arabic with diacritics, mixed scripts, control
 * characters, zero-width joiners, a literal [SEP], a 300-character word, URLs, @mentions,
 * invalid UTF-8, truncation; refusals of broken tokenizer files, and an added token holding a NUL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lockstep/tokenizer.h"

static const char *VOCAB[] = {
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cafe", "un", "##able", "##s",          /* 0-9 */
    "!", ",", ".", "@", ":", "/", "東", "京", "hello", "world",                                  /* 10-19 */
    "https", "t", "##co", "user", "##name", "مرحبا", "a", "##b", "😀", "##😀",                 /* 20-29 */
    "hi", "naive", "-", "ok", "x", "##x", "co", "_"};                                             /* 30-37 */

static char dir[64];

static void write_file(const char *name, const char *text) {
  char path[128];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  assert_non_null(f);
  fputs(text, f);
  fclose(f);
}

static int setup(void **state) {
  (void)state;
  snprintf(dir, sizeof dir, "/tmp/ls-tok-XXXXXX");
  if (!mkdtemp(dir)) return -1;
  char path[128];
  snprintf(path, sizeof path, "%s/vocab.txt", dir);
  FILE *f = fopen(path, "w");
  for (size_t i = 0; i < sizeof VOCAB / sizeof *VOCAB; i++) fprintf(f, "%s\n", VOCAB[i]);
  fclose(f);
  write_file("tokenizer_config.json", "{\"do_lower_case\": true, \"strip_accents\": null}");
  return 0;
}

static int teardown(void **state) {
  (void)state;
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd);
}

/* Tokenizes text (len bytes) with max_len and compares with the expected ids. */
static void expect(uint32_t max_len, const char *text, size_t len, const int32_t *want, uint32_t n_want) {
  struct ls_tokenizer *t;
  struct ls_err err;
  assert_int_equal(ls_tokenizer_load(&t, dir, max_len, &err), LS_OK);
  int32_t ids[512];
  uint32_t n = ls_tokenize(t, text, len, ids);
  ls_tokenizer_free(t);
  if (n != n_want || memcmp(ids, want, n * sizeof *ids)) {
    fprintf(stderr, "text \"%.*s\": got", (int)(len > 60 ? 60 : len), text);
    for (uint32_t i = 0; i < n; i++) fprintf(stderr, " %d", ids[i]);
    fprintf(stderr, "\n");
  }
  assert_int_equal(n, n_want);
  assert_memory_equal(ids, want, n * sizeof *ids);
}

#define EXPECT(text, ...)                                                          \
  do {                                                                             \
    static const int32_t w_[] = {__VA_ARGS__};                                     \
    expect(64, text, sizeof(text) - 1, w_, sizeof w_ / sizeof *w_);                \
  } while (0)

static void test_words_pieces_and_punctuation(void **state) {
  (void)state;
  EXPECT("unables", 2, 7, 8, 9, 3);                 /* greedy longest match with ## continuations */
  EXPECT("Hello, World!", 2, 18, 11, 19, 10, 3);    /* lower case, punctuation split off */
  EXPECT("abbb", 2, 26, 27, 27, 27, 3);
  EXPECT("zzz hello", 2, 1, 18, 3);                 /* no piece for z: the whole word is [UNK] */
  EXPECT("", 2, 3);
  EXPECT("  \t \n ", 2, 3);
}

static void test_accents_and_scripts(void **state) {
  (void)state;
  EXPECT("Café", 2, 6, 3);                          /* é → e + U+0301 (NFD), the mark dropped */
  EXPECT("NAÏVE", 2, 31, 3);                        /* upper case with an accent */
  EXPECT("naïve東京", 2, 31, 16, 17, 3);            /* CJK ideographs split from Latin */
  EXPECT("東京hello", 2, 16, 17, 18, 3);
  EXPECT("\xd9\x85\xd9\x8e\xd8\xb1\xd9\x92\xd8\xad\xd9\x8e\xd8\xa8\xd9\x8b\xd8\xa7", 2, 25, 3); /* مَرْحَبًا: harakat dropped */
  EXPECT("hi😀", 2, 30, 29, 3);                     /* an emoji is a symbol, not punctuation */
  EXPECT("😀", 2, 28, 3);
}

static void test_cleaning(void **state) {
  (void)state;
  EXPECT("hel\x01lo", 2, 18, 3);                    /* control character dropped */
  EXPECT("hel\0lo", 2, 18, 3);                      /* NUL dropped */
  EXPECT("\xef\xbf\xbdhello", 2, 18, 3);            /* U+FFFD dropped */
  EXPECT("hel\xe2\x80\x8dlo", 2, 18, 3);            /* zero-width joiner (Cf) dropped */
  EXPECT("hel\xfflo", 2, 18, 3);                    /* an invalid UTF-8 byte dropped */
  EXPECT("the\tworld\xc2\xa0hello", 2, 5, 19, 18, 3); /* tab and no-break space are whitespace */
}

static void test_special_tokens_and_social_text(void **state) {
  (void)state;
  EXPECT("hello[SEP]world", 2, 18, 3, 19, 3);       /* added tokens matched before normalisation */
  EXPECT("[sep]", 2, 1, 1, 1, 3);                   /* lower case is not the special token */
  EXPECT("https://t.co/x", 2, 20, 14, 15, 15, 21, 12, 36, 15, 34, 3);
  EXPECT("@user_name", 2, 13, 23, 37, 1, 3);        /* "name" only exists as ##name */
  EXPECT("ok-ok", 2, 33, 32, 33, 3);
}

static void test_long_word_and_truncation(void **state) {
  (void)state;
  char word[301];
  memset(word, 'a', 300);
  word[300] = '\0';
  static const int32_t unk[] = {2, 1, 3};
  expect(64, word, 300, unk, 3);                    /* over 100 characters: [UNK] */
  static const int32_t cut[] = {2, 5, 5, 5, 3};
  expect(5, "the the the the the", 19, cut, 5);     /* [CLS] + 3 tokens + [SEP] */
  static const int32_t none[] = {2, 3};
  expect(2, "the", 3, none, 2);
}

static void test_refusals(void **state) {
  (void)state;
  struct ls_tokenizer *t;
  struct ls_err err;
  assert_int_equal(ls_tokenizer_load(&t, "/nonexistent", 32, &err), LS_EINVAL);
  assert_non_null(strstr(err.msg, "needs tokenizer.json or vocab.txt"));
  write_file("tokenizer.json", "{\"model\": {\"type\": \"BPE\", \"vocab\": {}}}");
  assert_int_equal(ls_tokenizer_load(&t, dir, 32, &err), LS_EINVAL);
  assert_non_null(strstr(err.msg, "model.type must be WordPiece"));
  write_file("tokenizer.json", "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0}}}");
  assert_int_equal(ls_tokenizer_load(&t, dir, 32, &err), LS_EINVAL);
  assert_non_null(strstr(err.msg, "has no [CLS] token"));
  write_file("tokenizer.json", "{\"model\": ");
  assert_int_equal(ls_tokenizer_load(&t, dir, 32, &err), LS_EINVAL);
  assert_non_null(strstr(err.msg, "tokenizer.json: not valid JSON"));
  char path[128];
  snprintf(path, sizeof path, "%s/tokenizer.json", dir);
  unlink(path);
}

static void test_added_token_with_nul(void **state) {
  (void)state;
  write_file("tokenizer.json",
             "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"[UNK]\": 0, \"[CLS]\": 1, \"[SEP]\": 2, \"hi\": 3, "
             "\"ab\": 4}}, \"added_tokens\": [{\"id\": 4, \"content\": \"a\\u0000b\"}]}");
  struct ls_tokenizer *t;
  struct ls_err err;
  assert_int_equal(ls_tokenizer_load(&t, dir, 32, &err), LS_OK);
  int32_t ids[32];
  static const int32_t want[] = {1, 3, 4, 2}; /* all 3 bytes of "a\0b" matched (fuzz_tokenizer_json) */
  assert_int_equal(ls_tokenize(t, "hia\0b", 5, ids), 4);
  assert_memory_equal(ids, want, sizeof want);
  ls_tokenizer_free(t);
  char path[128];
  snprintf(path, sizeof path, "%s/tokenizer.json", dir);
  unlink(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_words_pieces_and_punctuation), cmocka_unit_test(test_accents_and_scripts),
      cmocka_unit_test(test_cleaning), cmocka_unit_test(test_special_tokens_and_social_text),
      cmocka_unit_test(test_long_word_and_truncation), cmocka_unit_test(test_refusals),
      cmocka_unit_test(test_added_token_with_nul)};
  return cmocka_run_group_tests(tests, setup, teardown);
}
