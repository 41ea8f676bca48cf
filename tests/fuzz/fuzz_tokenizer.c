/* fuzz_tokenizer.c — libFuzzer target for the BERT tokenizer (tokenizer.h) on arbitrary bytes:
 * invalid UTF-8, NULs, controls, special tokens, long words. The tokenizers are loaded once, from
 * a vocab.txt and tokenizer_config.json written to temporary directories (removed once loaded):
 * uncased (lower case, accents stripped, CJK spaced) at max_len 512 and 8, and cased (no lower
 * case, accents kept, CJK not spaced). Checks, besides no crash and no sanitizer report (ids go to
 * an array of exactly max_len):
 *   - [CLS] … [SEP], at least 2 and at most max_len ids, each one a token of the vocabulary;
 *   - determinism: the same text gives the same ids again;
 *   - truncation: max_len 8 gives the ids of max_len 512 cut to 7 and [SEP], or all of them
 *     when there are fewer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lockstep/tokenizer.h"

#include "fuzz_check.h"

#define LONG_LEN 512
#define SHORT_LEN 8

/* test_tokenizer.c's vocabulary and a few words; load() adds letters, digits and their continuations
 * (some twice: the later id wins, as in Hugging Face). */
static const char *const VOCAB[] = {
    "[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the",   "cafe", "un",  "##able", "##s",   /* 0-9 */
    "!",     ",",     ".",     "@",     ":",      "/",     "東",   "京",  "hello",  "world", /* 10-19 */
    "https", "t",     "##co",  "user",  "##name", "مرحبا", "a",    "##b", "😀",      "##😀",   /* 20-29 */
    "hi",    "naive", "-",     "ok",    "x",      "##x",   "co",   "_",                      /* 30-37 */
    "Hello", "Café",  "İ",     "##ing", "##ed",   "##ly",  "vote", "now", "fake",   "news",  /* 38-47 */
    "ß",     "##ß",   "ﬁ",     "i"};                                                         /* 48-51 */

static struct ls_tokenizer *uncased, *uncased_short, *cased;

static void write_file(const char *dir, const char *name, const char *text) {
  char path[128];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  if (!f || fputs(text, f) < 0 || fclose(f)) {
    perror(path);
    exit(1);
  }
}

static void remove_file(const char *dir, const char *name) {
  char path[128];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  unlink(path);
}

static struct ls_tokenizer *load(const char *config, uint32_t max_len) {
  char dir[] = "/tmp/fuzz_tokenizer.XXXXXX", vocab[4096] = "";
  if (!mkdtemp(dir)) {
    perror("fuzz_tokenizer: mkdtemp");
    exit(1);
  }
  for (size_t i = 0; i < sizeof VOCAB / sizeof *VOCAB; i++) strcat(strcat(vocab, VOCAB[i]), "\n");
  for (char c = '0'; c <= 'z'; c++) {
    if (c > '9' && c < 'a') continue;
    char line[8];
    snprintf(line, sizeof line, "%c\n##%c\n", c, c);
    strcat(vocab, line);
  }
  write_file(dir, "vocab.txt", vocab);
  write_file(dir, "tokenizer_config.json", config);
  struct ls_tokenizer *t;
  struct ls_err err;
  int rc = ls_tokenizer_load(&t, dir, max_len, &err);
  remove_file(dir, "vocab.txt");
  remove_file(dir, "tokenizer_config.json");
  rmdir(dir);
  if (rc != LS_OK) {
    fprintf(stderr, "fuzz_tokenizer: %s\n", err.msg);
    exit(1);
  }
  return t;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  const char *lower = "{\"do_lower_case\": true, \"strip_accents\": null}";
  uncased = load(lower, LONG_LEN);
  uncased_short = load(lower, SHORT_LEN);
  cased = load("{\"do_lower_case\": false, \"strip_accents\": false, \"tokenize_chinese_chars\": false}", LONG_LEN);
  return 0;
}

/* The ids of text (free them) and their number, with the checks every text gets. */
static int32_t *tokenize(const struct ls_tokenizer *t, const uint8_t *text, size_t len, uint32_t *n) {
  uint32_t max_len = ls_tokenizer_max_len(t), vocab = ls_tokenizer_vocab_size(t);
  int32_t *ids = malloc(max_len * sizeof *ids);
  *n = ls_tokenize(t, (const char *)text, len, ids);
  CHECK(*n >= 2 && *n <= max_len, "%u ids, max_len %u", *n, max_len);
  for (uint32_t i = 0; i < *n; i++)
    CHECK(ids[i] >= 0 && (uint32_t)ids[i] < vocab && ls_tokenizer_token(t, ids[i]), "id %d of %u at %u", ids[i], vocab,
          i);
  CHECK(!strcmp(ls_tokenizer_token(t, ids[0]), "[CLS]") && !strcmp(ls_tokenizer_token(t, ids[*n - 1]), "[SEP]"),
        "starts with %s, ends with %s", ls_tokenizer_token(t, ids[0]), ls_tokenizer_token(t, ids[*n - 1]));
  return ids;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  uint32_t n, n2, ns;
  int32_t *ids = tokenize(uncased, data, size, &n), *again = tokenize(uncased, data, size, &n2);
  CHECK(n2 == n && !memcmp(again, ids, n * sizeof *ids), "not deterministic: %u ids, then %u", n, n2);
  free(again);

  int32_t *cut = tokenize(uncased_short, data, size, &ns);
  if (n <= SHORT_LEN)
    CHECK(ns == n && !memcmp(cut, ids, n * sizeof *ids), "max_len %d: %u ids, not the %u of max_len %d", SHORT_LEN, ns,
          n, LONG_LEN);
  else
    CHECK(ns == SHORT_LEN && !memcmp(cut, ids, (SHORT_LEN - 1) * sizeof *ids), "max_len %d: not the first %d ids",
          SHORT_LEN, SHORT_LEN - 1);
  free(cut);
  free(ids);

  free(tokenize(cased, data, size, &n));
  return 0;
}
