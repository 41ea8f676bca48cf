/* fuzz_canon_url.c — libFuzzer target for the link canonicaliser (canon_url.h) on arbitrary bytes
 * (cut at the first NUL, as a C string): 10 KB URLs, malformed hosts, ports and escapes. Checks,
 * besides no crash and no sanitizer report (out is exactly cap bytes):
 *   - the return code is 0 or the key's length; 0 leaves "" in out; a key is NUL-terminated at
 *     its length, shorter than cap;
 *   - a key only comes from an http:// or https:// URL of at most LS_URL_MAX_BYTES bytes without
 *     white space or control characters, and is printable ASCII without spaces;
 *   - a key is never the empty path alone and starts with its host;
 *   - cap: exactly the key's length + 1 gives the same key, one byte less gives 0;
 *   - idempotence: the key behind the same scheme gives the same key again. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lockstep/canon_url.h"

#include "fuzz_check.h"

#define CAP (4 * LS_URL_MAX_BYTES) /* escaping at most triples a byte */

static struct ls_urlcanon *uc;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  struct ls_err err;
  if (ls_urlcanon_create(&uc, NULL, &err) != LS_OK) {
    fprintf(stderr, "fuzz_canon_url: %s\n", err.msg);
    exit(1);
  }
  return 0;
}

/* ls_url_canon into a buffer of exactly cap bytes, with the checks every call gets. */
static int canon(const char *in, char **out, size_t cap) {
  *out = malloc(cap ? cap : 1);
  int r = ls_url_canon(uc, in, cap ? *out : NULL, cap);
  CHECK(r >= 0, "returned %d", r);
  if (cap == 0) {
    CHECK(r == 0, "cap 0 gave a key");
  } else if (r == 0) {
    CHECK((*out)[0] == '\0', "no key, but out is \"%s\"", *out);
  } else {
    CHECK((size_t)r < cap && strlen(*out) == (size_t)r, "key length %zu, returned %d, cap %zu", strlen(*out), r, cap);
  }
  return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  char *in = malloc(size + 1);
  memcpy(in, data, size);
  in[size] = '\0';
  size_t n = strlen(in);
  char *key;
  int r = canon(in, &key, CAP);
  if (r > 0) {
    bool https = !strncasecmp(in, "https://", 8);
    CHECK(https || !strncasecmp(in, "http://", 7), "a key for a non-http(s) URL");
    CHECK(n <= LS_URL_MAX_BYTES, "a key for a %zu-byte URL", n);
    for (size_t i = 0; i < n; i++)
      CHECK((unsigned char)in[i] > 0x20 && in[i] != 0x7f, "a key for a URL with byte 0x%02x at %zu",
            (unsigned char)in[i], i);
    for (int i = 0; i < r; i++)
      CHECK(key[i] > 0x20 && key[i] < 0x7f, "key byte 0x%02x at %d: \"%s\"", (unsigned char)key[i], i, key);
    CHECK(key[0] != '/' && key[0] != ':' && key[0] != '?', "a key without a host: \"%s\"", key);

    char *k2;
    CHECK(canon(in, &k2, (size_t)r + 1) == r && !strcmp(k2, key), "cap %d: \"%s\"", r + 1, k2);
    free(k2);
    CHECK(canon(in, &k2, (size_t)r) == 0, "cap %d: a key that does not fit", r);
    free(k2);

    char *again = malloc((size_t)r + 9);
    snprintf(again, (size_t)r + 9, "%s%s", https ? "https://" : "http://", key);
    if (strlen(again) <= LS_URL_MAX_BYTES) {
      int r2 = canon(again, &k2, CAP);
      CHECK(r2 == r && !strcmp(k2, key), "not idempotent:\n  url:   \"%s\"\n  once:  \"%s\"\n  twice: \"%s\"", in, key,
            r2 ? k2 : "(none)");
      free(k2);
    }
    free(again);
  }
  free(key);
  free(in);
  return 0;
}
