/* fuzz_replay.c — libFuzzer target for the replay reader (replay.h): each input is an archive file,
 * written to a memfd that ls_replay_open opens by its /proc path, and replayed to the end as JSON
 * lines, as CSV, as length-delimited protobuf and auto-detected, into a small ring that this
 * thread drains only when it is full (so the reader waits on it), with slots too small for some
 * tweets (rejected), and with a dead-letter file (another memfd). Checks, besides no crash, no
 * hang and no sanitizer report:
 *   - the replay finishes, and the ring gets exactly stats.tweets tweets, their offsets (record
 *     numbers) never decreasing and within the records read;
 *   - every rejection is dead-lettered: one line each, a JSON object with the reason, the file,
 *     a record number within those read and a byte offset within the file;
 *   - JSON lines: one record per non-blank line (without its "\r"), the bytes of those lines;
 *   - CSV: each record gives one tweet or one rejection; protobuf the same, and one rejection
 *     more for a truncated record at the end;
 *   - auto-detection gives the replay of the format the first bytes name (CSV after its header
 *     "message_id,", JSON for '{' or '[' after white space, else protobuf), tweet for tweet. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sched.h>
#include <unistd.h>

#include "lockstep/json.h"
#include "lockstep/replay.h"

#include "fuzz_check.h"

#define NOW 1709294400000LL /* 2024-03-01T12:00:00Z: a fixed clock, so every run decides alike */
#define RING 4
#define SLOT_BYTES 256 /* less than max_text_bytes (1024): a longer text's tweet does not fit */

static int in_fd, dlq_fd;
static char in_path[64], dlq_path[64];
static struct ls_ring *ring;
static struct ls_decode_limits lim;
static const struct ls_log quiet = {.min_level = LS_LOG_ERROR + 1}; /* a line per replay and rejection otherwise */

struct result {
  uint64_t messages, bytes, tweets, rejected;
  uint64_t digest; /* of the tweets' ids and offsets, in order */
};

static int memfd(const char *name, char *path, size_t cap) {
  int fd = memfd_create(name, MFD_CLOEXEC);
  if (fd < 0) {
    perror("fuzz_replay: memfd_create");
    exit(1);
  }
  snprintf(path, cap, "/proc/self/fd/%d", fd);
  return fd;
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  in_fd = memfd("fuzz_replay", in_path, sizeof in_path);
  dlq_fd = memfd("fuzz_replay_dlq", dlq_path, sizeof dlq_path);
  ls_decode_limits_default(&lim);
  lim.now_ms = NOW;
  lim.max_message_bytes = 16384;
  lim.max_text_bytes = 1024;
  struct ls_err err;
  if (ls_ring_create(&ring, RING, SLOT_BYTES, &err) != LS_OK) {
    fprintf(stderr, "fuzz_replay: %s\n", err.msg);
    exit(1);
  }
  return 0;
}

/* Takes the published tweets out of the ring; returns how many. */
static size_t drain(struct result *r, uint64_t *last_offset) {
  size_t n = ls_ring_readable(ring);
  for (size_t i = 0; i < n; i++) {
    const struct ls_tweet *t = &ls_ring_peek(ring, i)->tweet;
    CHECK(t->offset >= 0 && (uint64_t)t->offset >= *last_offset, "offset %lld after %llu", (long long)t->offset,
          (unsigned long long)*last_offset);
    *last_offset = (uint64_t)t->offset;
    r->digest = (r->digest ^ t->id) * 0x100000001b3ULL;
    r->digest = (r->digest ^ (uint64_t)t->offset) * 0x100000001b3ULL;
    r->tweets++;
  }
  ls_ring_release(ring, n);
  return n;
}

/* The dead-letter file: one JSON object a line; returns the number of lines. */
static uint64_t check_dead_letters(uint64_t records, size_t size) {
  off_t len = lseek(dlq_fd, 0, SEEK_END);
  CHECK(len >= 0, "cannot size the dead-letter file");
  char *buf = malloc((size_t)len + 1);
  CHECK(pread(dlq_fd, buf, (size_t)len, 0) == len, "cannot read the dead-letter file");
  struct ls_json_tok toks[16];
  uint64_t lines = 0;
  for (char *p = buf, *end = buf + len; p < end; lines++) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    CHECK(nl, "dead letter %llu has no newline", (unsigned long long)lines);
    struct ls_json_doc d = {.toks = toks, .cap = 16};
    struct ls_err err;
    CHECK(ls_json_parse(&d, p, (size_t)(nl - p), &err) == LS_OK && toks[0].type == LS_JSON_OBJECT,
          "dead letter %llu: %s", (unsigned long long)lines, err.msg);
    char reason[600];
    uint64_t rec, off;
    CHECK(ls_json_string(&d, ls_json_get(&d, 0, "error"), reason, sizeof reason) > 0, "dead letter without a reason");
    CHECK(ls_json_streq(&d, ls_json_get(&d, 0, "source"), in_path), "dead letter without the file");
    CHECK(ls_json_u64(&d, ls_json_get(&d, 0, "record"), &rec) && rec >= 1 && rec <= records + 1,
          "dead letter of record %llu of %llu", (unsigned long long)rec, (unsigned long long)records);
    CHECK(ls_json_u64(&d, ls_json_get(&d, 0, "byte_offset"), &off) && off <= size, "dead letter at byte %llu of %zu",
          (unsigned long long)off, size);
    p = nl + 1;
  }
  free(buf);
  return lines;
}

static struct result replay(enum ls_format fmt, size_t size) {
  struct ls_replay_conf conf = {
      .path = in_path, .format = fmt, .ring = ring, .limits = lim, .dead_letter_path = dlq_path, .log = &quiet};
  struct ls_replay *rp;
  struct ls_err err;
  CHECK(ls_replay_open(&rp, &conf, &err) == LS_OK && ls_replay_start(rp, &err) == LS_OK, "%s", err.msg);
  struct result r = {0};
  uint64_t last_offset = 0;
  while (!ls_replay_finished(rp))
    if (ls_ring_readable(ring) < ls_ring_capacity(ring) || !drain(&r, &last_offset)) sched_yield();
  drain(&r, &last_offset);
  const struct ls_source_stats *s = ls_replay_stats(rp);
  r.messages = s->messages, r.bytes = s->bytes, r.rejected = s->rejected;
  uint64_t dead_lettered = s->dead_lettered, dlq_errors = s->dlq_errors;
  CHECK(r.tweets == s->tweets, "%s: %llu tweets in the ring, stats say %llu", ls_format_name(fmt),
        (unsigned long long)r.tweets, (unsigned long long)s->tweets);
  CHECK(last_offset <= r.messages, "%s: a tweet of record %llu of %llu", ls_format_name(fmt),
        (unsigned long long)last_offset, (unsigned long long)r.messages);
  ls_replay_close(rp); /* flushes and closes the dead-letter file */
  uint64_t lines = check_dead_letters(r.messages, size);
  CHECK(dlq_errors == 0 && lines == r.rejected && dead_lettered == r.rejected,
        "%s: %llu rejected, %llu dead-lettered, %llu lines", ls_format_name(fmt), (unsigned long long)r.rejected,
        (unsigned long long)dead_lettered, (unsigned long long)lines);
  return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  CHECK(ftruncate(in_fd, 0) == 0 && pwrite(in_fd, data, size, 0) == (ssize_t)size, "cannot write the memfd");
  struct result json = replay(LS_FMT_JSON, size), csv = replay(LS_FMT_CSV, size), pb = replay(LS_FMT_PROTOBUF, size),
                any = replay(LS_FMT_AUTO, size);

  uint64_t lines = 0, bytes = 0;
  for (size_t i = 0; i < size;) {
    const uint8_t *nl = memchr(data + i, '\n', size - i);
    size_t end = nl ? (size_t)(nl - data) : size, len = end - i;
    if (len && data[end - 1] == '\r') len--;
    if (len) lines++, bytes += len;
    i = end + 1;
  }
  CHECK(json.messages == lines && json.bytes == bytes, "JSON lines: %llu records of %llu bytes, not %llu of %llu",
        (unsigned long long)json.messages, (unsigned long long)json.bytes, (unsigned long long)lines,
        (unsigned long long)bytes);
  CHECK(csv.tweets + csv.rejected == csv.messages, "CSV: %llu tweets and %llu rejections of %llu records",
        (unsigned long long)csv.tweets, (unsigned long long)csv.rejected, (unsigned long long)csv.messages);
  CHECK(pb.tweets + pb.rejected - pb.messages <= 1, "protobuf: %llu tweets and %llu rejections of %llu records",
        (unsigned long long)pb.tweets, (unsigned long long)pb.rejected, (unsigned long long)pb.messages);

  size_t ws = 0;
  while (ws < size && (data[ws] == ' ' || data[ws] == '\t' || data[ws] == '\r' || data[ws] == '\n')) ws++;
  enum ls_format named = size >= 11 && !memcmp(data, "message_id,", 11)      ? LS_FMT_CSV
                         : ws < size && (data[ws] == '{' || data[ws] == '[') ? LS_FMT_JSON
                                                                             : LS_FMT_PROTOBUF;
  const struct result *want = named == LS_FMT_CSV ? &csv : named == LS_FMT_JSON ? &json : &pb;
  CHECK(!memcmp(&any, want, sizeof any), "auto-detected: not the replay as %s", ls_format_name(named));
  return 0;
}
