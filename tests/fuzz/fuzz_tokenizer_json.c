/* fuzz_tokenizer_json.c — libFuzzer target for loading tokenizer.json (tokenizer_files.c): each
 * input is written as the tokenizer.json of a temporary model directory (which has nothing else:
 * the loader reads only that file when it is there) and loaded; a loaded tokenizer tokenizes a
 * few fixed texts and the input itself. Checks, besides no crash and no sanitizer report (ids go
 * to an array of exactly max_len):
 *   - a load either succeeds or fails with a message;
 *   - a loaded tokenizer has a vocabulary of 1 to 2^22 ids and the max_len it was given;
 *   - each text gives [CLS] … [SEP], at most max_len ids, every one within the vocabulary. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lockstep/tokenizer.h"

#include "fuzz_check.h"

#define MAX_LEN 32

static char dir[] = "/tmp/fuzz_tokenizer_json.XXXXXX", file[64];

static const char *const TEXTS[] = {
    "",
    "Hello, World! unables",
    "[CLS] hello[SEP]world [UNK][PAD][MASK]",                               /* special tokens */
    "Café NAÏVE naïve東京 \xd9\x85\xd9\x8e\xd8\xb1\xd9\x92 hi😀 İstanbul",   /* accents, scripts */
    "hel\x01lo\xef\xbf\xbd \xe2\x80\x8d\xff\xc3 @user_name https://t.co/x", /* controls, bad UTF-8 */
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", /* a word
                                                                                                                over 100
                                                                                                              */
    "x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x", /* over max_len */
};

static void cleanup(void) {
  unlink(file);
  rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  if (!mkdtemp(dir)) {
    perror("fuzz_tokenizer_json: mkdtemp");
    exit(1);
  }
  snprintf(file, sizeof file, "%s/tokenizer.json", dir);
  atexit(cleanup);
  return 0;
}

static void check_text(const struct ls_tokenizer *t, const char *text, size_t len) {
  int32_t *ids = malloc(MAX_LEN * sizeof *ids);
  uint32_t n = ls_tokenize(t, text, len, ids), vocab = ls_tokenizer_vocab_size(t);
  CHECK(n >= 2 && n <= MAX_LEN, "%u ids", n);
  for (uint32_t i = 0; i < n; i++) CHECK(ids[i] >= 0 && (uint32_t)ids[i] < vocab, "id %d of %u", ids[i], vocab);
  const char *cls = ls_tokenizer_token(t, ids[0]), *sep = ls_tokenizer_token(t, ids[n - 1]);
  CHECK(cls && !strcmp(cls, "[CLS]") && sep && !strcmp(sep, "[SEP]"), "starts with %s, ends with %s",
        cls ? cls : "(none)", sep ? sep : "(none)");
  free(ids);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FILE *f = fopen(file, "wb");
  CHECK(f && fwrite(data, 1, size, f) == size && fclose(f) == 0, "cannot write %s", file);
  struct ls_tokenizer *t;
  struct ls_err err;
  if (ls_tokenizer_load(&t, dir, MAX_LEN, &err) != LS_OK) {
    CHECK(err.msg[0], "refused without a message");
    return 0;
  }
  uint32_t vocab = ls_tokenizer_vocab_size(t);
  CHECK(vocab >= 1 && vocab <= 1u << 22, "vocabulary of %u ids", vocab);
  CHECK(ls_tokenizer_max_len(t) == MAX_LEN, "max_len %u", ls_tokenizer_max_len(t));
  for (size_t i = 0; i < sizeof TEXTS / sizeof *TEXTS; i++) check_text(t, TEXTS[i], strlen(TEXTS[i]));
  check_text(t, (const char *)data, size);
  ls_tokenizer_free(t);
  return 0;
}
