/* replay.c — archive file source (see replay.h). The file is memory-mapped and cut into
 * records by format (lines for JSON, RFC 4180 records for CSV, varint-delimited messages for
 * protobuf); a thread decodes each record and pushes its tweets into the ring, waiting while the
 * ring is full. Rejected records are counted, logged (first few, then every 1000th) and written
 * to the dead-letter file as JSON lines when one is configured. */
#include "lockstep/replay.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lockstep/clock.h"
#include "lockstep/json.h"

struct ls_replay {
  struct ls_replay_conf conf;
  const char *data;
  size_t size;
  enum ls_format format;
  struct ls_decoder *dec;
  FILE *dlq;
  pthread_t thread;
  bool started;
  _Atomic bool stop, finished;
  _Atomic uint64_t pos;
  uint64_t record; /* current record number (1-based) */
  struct ls_source_stats stats;
  struct ls_jw jw;
  double waited_s;         /* the current record's wait for ring slots (reader thread) */
  _Atomic int64_t pace_t0; /* event time of the first tweet (paced replay), 0 before it */
  _Atomic double pace_w0;  /* wall clock (s) when it was published */
};

/* Paced replay: waits until the wall clock reaches the tweet's event time (scaled). */
static void pace(struct ls_replay *r, int64_t t_ms) {
  if (r->conf.speed <= 0 || t_ms <= 0) return;
  if (atomic_load(&r->pace_t0) == 0) {
    atomic_store(&r->pace_w0, ls_clock_s());
    atomic_store(&r->pace_t0, t_ms);
    return;
  }
  double due = atomic_load(&r->pace_w0) + (t_ms - atomic_load(&r->pace_t0)) / 1000.0 / r->conf.speed;
  for (double now = ls_clock_s(); now < due && !atomic_load(&r->stop); now = ls_clock_s()) {
    double wait = due - now > 0.01 ? 0.01 : due - now;
    nanosleep(&(struct timespec){0, (long)(wait * 1e9)}, NULL);
  }
}

int64_t ls_replay_clock_ms(struct ls_replay *r) {
  int64_t t0 = atomic_load(&r->pace_t0);
  if (r->conf.speed <= 0 || t0 == 0) return -1;
  return t0 + (int64_t)((ls_clock_s() - atomic_load(&r->pace_w0)) * 1000.0 * r->conf.speed);
}

static enum ls_format detect(const char *p, size_t n) {
  if (n >= 11 && memcmp(p, "message_id,", 11) == 0) return LS_FMT_CSV;
  return ls_format_sniff(p, n);
}

int ls_replay_open(struct ls_replay **out, const struct ls_replay_conf *conf, struct ls_err *err) {
  int fd = open(conf->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ls_err_set(err, LS_EIO, "replay: cannot open %s: %s", conf->path, strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return ls_err_set(err, LS_EIO, "replay: %s is not a regular file", conf->path);
  }
  struct ls_replay *r = calloc(1, sizeof *r);
  if (!r) { close(fd); return ls_err_set(err, LS_ENOMEM, "replay: out of memory"); }
  r->conf = *conf;
  r->size = (size_t)st.st_size;
  if (r->size > 0) {
    void *m = mmap(NULL, r->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      close(fd);
      free(r);
      return ls_err_set(err, LS_EIO, "replay: cannot map %s: %s", conf->path, strerror(errno));
    }
    madvise(m, r->size, MADV_SEQUENTIAL);
    r->data = m;
  }
  close(fd);
  r->format = conf->format != LS_FMT_AUTO ? conf->format : detect(r->data, r->size);
  int rc = ls_decoder_create(&r->dec, &conf->limits, err);
  if (rc == LS_OK && conf->dead_letter_path) {
    r->dlq = fopen(conf->dead_letter_path, "w");
    if (!r->dlq) rc = ls_err_set(err, LS_EIO, "replay: cannot write dead letters to %s: %s",
                                 conf->dead_letter_path, strerror(errno));
  }
  if (rc != LS_OK) {
    ls_replay_close(r);
    return rc;
  }
  ls_jw_init(&r->jw);
  atomic_store(&r->stats.assigned, 1); /* the file is its one partition */
  *out = r;
  return LS_OK;
}

static void write_dead_letter(struct ls_replay *r, const char *reason, const char *rec, size_t len) {
  ls_jw_reset(&r->jw);
  ls_jw_obj_begin(&r->jw);
  ls_jw_key(&r->jw, "error");
  ls_jw_str(&r->jw, reason);
  ls_jw_key(&r->jw, "source");
  ls_jw_str(&r->jw, r->conf.path);
  ls_jw_key(&r->jw, "record");
  ls_jw_u64(&r->jw, r->record);
  ls_jw_key(&r->jw, "byte_offset");
  ls_jw_u64(&r->jw, (uint64_t)(rec - r->data));
  if (ls_utf8_valid(rec, len)) {
    ls_jw_key(&r->jw, "data");
    ls_jw_strn(&r->jw, rec, len);
  }
  ls_jw_obj_end(&r->jw);
  if (r->jw.oom || fprintf(r->dlq, "%s\n", r->jw.buf) < 0)
    atomic_fetch_add(&r->stats.dlq_errors, 1);
  else
    atomic_fetch_add(&r->stats.dead_lettered, 1);
}

struct emit_ctx {
  struct ls_replay *r;
  const char *rec;
  size_t len;
};

static void on_reject(void *ud, const char *reason) {
  struct emit_ctx *c = ud;
  struct ls_replay *r = c->r;
  uint64_t n = atomic_fetch_add(&r->stats.rejected, 1) + 1;
  if (ls_log_sampled(n))
    ls_logf(r->conf.log, LS_LOG_WARN, "replay", "rejected record=%llu file=%s reason=\"%s\" rejected_total=%llu",
            (unsigned long long)r->record, r->conf.path, reason, (unsigned long long)n);
  if (r->dlq) write_dead_letter(r, reason, c->rec, c->len);
}

static int on_tweet(void *ud, const struct ls_tweet *t) {
  struct emit_ctx *c = ud;
  struct ls_replay *r = c->r;
  struct ls_ring_slot *s = ls_ring_acquire(r->conf.ring);
  if (!s) {
    double t0 = ls_clock_s();
    while (!(s = ls_ring_acquire(r->conf.ring)) && !atomic_load(&r->stop)) nanosleep(&(struct timespec){0, 100000}, NULL);
    r->waited_s += ls_clock_s() - t0;
    if (!s) return 1;
  }
  if (ls_tweet_copy(&s->tweet, &s->arena, t) != LS_OK) {
    on_reject(ud, "tweet does not fit in a ring slot (raise input.max_text_bytes)");
    return 0;
  }
  s->tweet.source = -1;
  s->tweet.partition = 0;
  s->tweet.offset = (int64_t)r->record;
  double paced = ls_clock_s();
  pace(r, t->created_at_ms);
  r->waited_s += ls_clock_s() - paced;
  s->tweet.arrived_ms = (int64_t)(ls_clock_s() * 1000);
  ls_ring_publish(r->conf.ring);
  atomic_fetch_add(&r->stats.tweets, 1);
  return 0;
}

/* Length of the record starting at p (excluding its terminator) and where the next starts. */
static size_t next_line(const char *p, size_t n, size_t *adv) {
  const char *nl = memchr(p, '\n', n);
  size_t len = nl ? (size_t)(nl - p) : n;
  *adv = nl ? len + 1 : len;
  if (len && p[len - 1] == '\r') len--;
  return len;
}

/* Quotes as decode_csv.c reads them: only a field's first byte opens a quoted field, where "" is
 * a quote; elsewhere '"' is a byte like any other (it used to open quotes too, and a stray one,
 * 5" screen, joined the following records to its own, uncounted). */
static size_t next_csv_record(const char *p, size_t n, size_t *adv) {
  bool quoted = false;
  for (size_t i = 0; i < n; i++) {
    if (quoted) {
      if (p[i] == '"' && i + 1 < n && p[i + 1] == '"') i++;
      else if (p[i] == '"') quoted = false;
    } else if (p[i] == '"' && (i == 0 || p[i - 1] == ',')) {
      quoted = true;
    } else if (p[i] == '\n') {
      *adv = i + 1;
      return (i && p[i - 1] == '\r') ? i - 1 : i;
    }
  }
  *adv = n;
  return n;
}

/* Varint-delimited: returns the payload length and sets *hdr; SIZE_MAX when truncated. */
static size_t next_delimited(const char *p, size_t n, size_t *hdr) {
  uint64_t len = 0;
  for (size_t i = 0; i < n && i < 10; i++) {
    len |= (uint64_t)((unsigned char)p[i] & 0x7F) << (7 * i);
    if (!((unsigned char)p[i] & 0x80)) {
      *hdr = i + 1;
      return len <= n - (i + 1) ? (size_t)len : SIZE_MAX;
    }
  }
  return SIZE_MAX;
}

static void decode_record(struct ls_replay *r, const char *rec, size_t len) {
  struct emit_ctx c = {r, rec, len};
  struct ls_decode_sink sink = {.emit = on_tweet, .reject = on_reject, .ud = &c};
  r->record++;
  atomic_fetch_add(&r->stats.messages, 1);
  atomic_fetch_add(&r->stats.bytes, len);
  double t0 = ls_clock_s();
  r->waited_s = 0;
  ls_decode(r->dec, r->format, rec, len, &sink);
  atomic_fetch_add(&r->stats.busy_ns, (uint64_t)((ls_clock_s() - t0 - r->waited_s) * 1e9)); /* decoding, not waiting for the ring */
}

static void *run(void *arg) {
  struct ls_replay *r = arg;
  size_t pos = 0;
  if (r->format == LS_FMT_CSV && r->size) next_line(r->data, r->size, &pos); /* header (an empty file has no map) */
  while (pos < r->size && !atomic_load(&r->stop)) {
    const char *p = r->data + pos;
    size_t rest = r->size - pos, adv, len;
    if (r->format == LS_FMT_PROTOBUF) {
      size_t hdr = 0;
      len = next_delimited(p, rest, &hdr);
      if (len == SIZE_MAX) {
        struct emit_ctx c = {r, p, rest};
        r->record++;
        on_reject(&c, "truncated length-delimited protobuf record at end of file");
        break;
      }
      p += hdr;
      adv = hdr + len;
    } else {
      len = r->format == LS_FMT_CSV ? next_csv_record(p, rest, &adv) : next_line(p, rest, &adv);
      if (len == 0) { pos += adv; continue; } /* blank line */
    }
    decode_record(r, p, len);
    pos += adv;
    atomic_store(&r->pos, pos);
  }
  atomic_store(&r->pos, r->size);
  if (r->dlq) fflush(r->dlq);
  atomic_store(&r->finished, true);
  return NULL;
}

int ls_replay_start(struct ls_replay *r, struct ls_err *err) {
  if (pthread_create(&r->thread, NULL, run, r) != 0) return ls_err_set(err, LS_ENOMEM, "replay: cannot start thread");
  r->started = true;
  ls_logf(r->conf.log, LS_LOG_INFO, "replay", "reading file=%s format=%s bytes=%zu", r->conf.path,
          ls_format_name(r->format), r->size);
  return LS_OK;
}

bool ls_replay_finished(struct ls_replay *r) { return atomic_load(&r->finished); }

void ls_replay_stop(struct ls_replay *r) {
  if (!r->started) return;
  atomic_store(&r->stop, true);
  pthread_join(r->thread, NULL);
  r->started = false;
}

void ls_replay_close(struct ls_replay *r) {
  if (!r) return;
  ls_replay_stop(r);
  if (r->data) munmap((void *)r->data, r->size);
  if (r->dlq) fclose(r->dlq);
  ls_decoder_destroy(r->dec);
  ls_jw_free(&r->jw);
  free(r);
}

struct ls_source_stats *ls_replay_stats(struct ls_replay *r) { return &r->stats; }

void ls_replay_progress(struct ls_replay *r, uint64_t *done, uint64_t *total) {
  *done = atomic_load(&r->pos);
  *total = r->size;
}
