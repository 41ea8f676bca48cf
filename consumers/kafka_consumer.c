/* kafka_consumer.c — consumer-group member feeding one ring (see kafka.h).
 * Its thread polls one message at a time (librdkafka 2.0's batch consume is unsafe with
 * rebalances) into the event-time merge of its partitions (partition_merge.h), and hands the
 * merge's next message on: decodes it and publishes each tweet into the ring. While the ring is
 * full it keeps polling the group (never past max.poll.interval.ms), and once the merge holds
 * more than queued_max_kbytes it pauses the partitions with queued messages, each until its
 * queue is empty or the merge is below half (pausing drops only librdkafka's prefetch, which is
 * fetched again from the position after the last message polled). A message that yields no tweet is
 * published as a position marker (tweet id 0) so its offset is acknowledged in order; its
 * rejected parts go to the dead-letter topic with the original bytes and error headers.
 * After a restore, the replay gate holds each partition at its restored offset (paused, sought
 * back to the first new message) until every assigned partition has replayed its tail.
 * With a checkpoint key, each offset is committed with it as metadata, by this thread (librdkafka
 * 2.0 keeps no metadata from rd_kafka_offsets_store, and its auto-commit would send none): every
 * COMMIT_EVERY_MS, at a revocation and at the end, never below what the partition's assignment
 * found committed. The partitions of a new assignment whose offsets another daemon committed are
 * announced in the ring (one handover slot per such daemon, naming its partitions) before any of
 * their messages, so that the pipeline merges that daemon's activity counts and read marks first. */
#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lockstep/kafka.h"
#include "lockstep/partition_merge.h"

struct ls_kafka_consumer {
  struct ls_kafka_conf conf;
  rd_kafka_t *rk;
  rd_kafka_t *dlq;
  struct ls_decoder *dec;
  int64_t waited_ns; /* the current message's wait for ring slots (consumer thread) */
  pthread_t thread;
  bool started;
  _Atomic bool stop;     /* finish the current message, then exit */
  _Atomic bool abort_;   /* exit now, even mid-message */
  _Atomic bool finished; /* the thread has exited */
  _Atomic bool healthy;
  struct ls_source_stats stats;
  const rd_kafka_message_t *cur; /* message being decoded (consumer thread only) */
  int64_t cur_position;          /* its partition's position once it is handled (partition_merge.h) */
  int emitted;
  struct timespec created; /* for the time to each assignment (fast rejoin, instance_id) */
  char instance[340];      /* "group.instance.id=NAME-i", or "" for dynamic membership */
  /* replay gate (consumer thread only): open once every assigned partition is held or at its end */
  bool gating;
  uint8_t *held;           /* per partition: 0 replaying, 1 held at its restored offset, 2 at its end */
  rd_kafka_topic_partition_list_t *assigned;
  _Atomic int64_t *end_seen; /* per partition: where it ended when last read to its end since assigned, or -1 */
  struct ls_merge *merge;                  /* received, not yet handled (consumer thread only) */
  rd_kafka_topic_partition_list_t *capped; /* paused while the merge is above its bound */
  rd_kafka_topic_partition_list_t *unannounced; /* assigned, their last owners not yet announced (checkpoint_key) */
  _Atomic int64_t *acked; /* checkpoint_key, per partition: the offset acknowledged last, -1: none */
  int64_t *committed;     /* checkpoint_key, per partition (this thread): committed last, or found so at assignment */
  int64_t *first_read;    /* checkpoint_key, per partition (this thread): the first offset fetched since assigned, -1: none */
  bool *mine;             /* checkpoint_key, per partition (this thread): committed last by this daemon */
  int64_t commit_due_ms;
  unsigned long long commit_failures;
};

#define COMMIT_EVERY_MS 1000

#define HANDOVER_PREFIX "lockstep checkpoint=" /* committed metadata: the committing daemon's checkpoint key */

static double since_s(const struct timespec *t0) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)(now.tv_sec - t0->tv_sec) + (now.tv_nsec - t0->tv_nsec) / 1e9;
}

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t mono_ms(void) { return mono_ns() / 1000000; }

/* --- replay gate -------------------------------------------------------------------------------- */

/* Whether every partition with a restored offset is assigned here: until then another member
 * (the killed daemon, until the group expires it) may still hold some. */
static bool all_restored_assigned(const struct ls_kafka_consumer *c) {
  int n = 0;
  for (int q = 0; q < c->conf.n_resume; q++) n += c->conf.resume[q] >= 0;
  for (int i = 0; i < c->assigned->cnt; i++) {
    int32_t q = c->assigned->elems[i].partition;
    n -= q >= 0 && q < c->conf.n_resume && c->conf.resume[q] >= 0;
  }
  return n <= 0;
}

/* Opens the gate when no assigned partition is still replaying and every restored partition is
 * assigned here, or 2 × session_timeout_ms after start whatever the assignment (the restored
 * partitions went to other members); resumes the held ones. */
static void gate_check(struct ls_kafka_consumer *c) {
  if (!c->gating || !c->assigned) return;
  for (int i = 0; i < c->assigned->cnt; i++) {
    int32_t q = c->assigned->elems[i].partition;
    if (q >= 0 && q < c->conf.n_resume && !c->held[q]) return;
  }
  if (!all_restored_assigned(c) && since_s(&c->created) < 2 * c->conf.session_timeout_ms / 1000.0) return;
  rd_kafka_resume_partitions(c->rk, c->assigned);
  if (c->capped) rd_kafka_pause_partitions(c->rk, c->capped);
  for (int i = 0; i < c->assigned->cnt; i++) ls_merge_hold(c->merge, c->assigned->elems[i].partition, false);
  c->gating = false;
  ls_logf(c->conf.log, LS_LOG_INFO, "kafka", "consumer=%d replayed the restored tail of %d partitions (%.1f s after start): reading new tweets",
          c->conf.index, c->assigned->cnt, since_s(&c->created));
}

/* Whether the closed gate holds partition q at its restored offset (paused there). */
static bool gate_holds(const struct ls_kafka_consumer *c, int32_t q) {
  return c->gating && q >= 0 && q < c->conf.n_resume && c->held[q] == 1;
}

/* True when m is past its partition's restored offset while the gate is closed: the partition
 * is paused and sought back to m, which is not handled now. */
static bool gate_hold(struct ls_kafka_consumer *c, const rd_kafka_message_t *m) {
  int32_t q = m->partition;
  if (!c->gating || q < 0 || q >= c->conf.n_resume || m->offset < c->conf.resume[q]) return false;
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(l, c->conf.topic, q)->offset = m->offset;
  rd_kafka_pause_partitions(c->rk, l);
  rd_kafka_error_t *e = rd_kafka_seek_partitions(c->rk, l, 5000);
  if (e) {
    ls_logf(c->conf.log, LS_LOG_WARN, "kafka", "consumer=%d cannot hold partition %d at %lld: %s", c->conf.index, q,
            (long long)m->offset, rd_kafka_error_string(e));
    rd_kafka_error_destroy(e);
  }
  rd_kafka_topic_partition_list_destroy(l);
  c->held[q] = 1;
  ls_merge_hold(c->merge, q, true);
  gate_check(c);
  return true;
}

static void gate_end_of_partition(struct ls_kafka_consumer *c, int32_t q) {
  if (!c->gating || q < 0 || q >= c->conf.n_resume || c->held[q]) return;
  c->held[q] = 2;
  gate_check(c);
}

/* Whether the broker has messages of partition q not polled yet, from librdkafka's cached high
 * watermark and the consumer's position (no request); unknown counts as behind. */
static bool fetch_behind(int32_t q, void *ud) {
  struct ls_kafka_consumer *c = ud;
  int64_t low, high;
  if (rd_kafka_get_watermark_offsets(c->rk, c->conf.topic, q, &low, &high) || high < 0) return true;
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(l, c->conf.topic, q);
  rd_kafka_position(c->rk, l);
  int64_t pos = l->elems[0].offset;
  rd_kafka_topic_partition_list_destroy(l);
  return pos < 0 ? high > low : pos < high;
}

/* A partition's position for its lag: after its last message read, else where it was last read to
 * its end (assigned where nothing was left to read: librdkafka knows no position then), else its start. */
static int64_t lag_position(struct ls_kafka_consumer *c, int32_t q, int64_t pos, int64_t low) {
  if (pos >= 0) return pos;
  int64_t end = q >= 0 && q < LS_MAX_PARTITIONS ? atomic_load(&c->end_seen[q]) : -1;
  return end >= 0 ? end : low;
}

int ls_kafka_consumer_lag(struct ls_kafka_consumer *c, struct ls_partition_lag *out, int max) {
  rd_kafka_topic_partition_list_t *l = NULL;
  if (!c->rk || rd_kafka_assignment(c->rk, &l) || !l) return 0;
  rd_kafka_position(c->rk, l);
  int n = 0;
  for (int i = 0; i < l->cnt && n < max; i++) {
    int64_t low, high, pos;
    if (rd_kafka_get_watermark_offsets(c->rk, c->conf.topic, l->elems[i].partition, &low, &high) || high < 0) continue;
    pos = lag_position(c, l->elems[i].partition, l->elems[i].offset, low);
    int64_t lag = high - pos;
    out[n++] = (struct ls_partition_lag){l->elems[i].partition, lag > 0 ? lag : 0};
  }
  rd_kafka_topic_partition_list_destroy(l);
  return n;
}

static void drop_message(void *msg, void *ud) {
  (void)ud;
  rd_kafka_message_destroy(msg);
}

/* The merge follows the assignment: what revoked partitions queued is dropped unhandled (its
 * offsets were never acknowledged, so their next owner reads it again). */
static void merge_assign(struct ls_kafka_consumer *c, const rd_kafka_topic_partition_list_t *parts) {
  if (!c->merge) return;
  int n = parts ? parts->cnt : 0;
  int32_t *p = malloc(((size_t)n + 1) * sizeof *p);
  for (int i = 0; p && i < n; i++) p[i] = parts->elems[i].partition;
  if (!p || ls_merge_assign(c->merge, p, n, mono_ms(), drop_message, NULL) != LS_OK) {
    ls_logf(c->conf.log, LS_LOG_ERROR, "kafka", "consumer=%d out of memory for the assignment of %d partitions: stopping", c->conf.index, n);
    atomic_store(&c->stop, true);
  }
  free(p);
}

int ls_kafka_conf_apply(struct rd_kafka_conf_s *kc, const char *const *props, int n, struct ls_err *err) {
  char key[256], errstr[512];
  for (int i = 0; i < n; i++) {
    const char *eq = strchr(props[i], '=');
    if (!eq || eq == props[i] || (size_t)(eq - props[i]) >= sizeof key)
      return ls_err_set(err, LS_EINVAL, "kafka: property \"%s\" is not key=value", props[i]);
    memcpy(key, props[i], (size_t)(eq - props[i]));
    key[eq - props[i]] = '\0';
    if (rd_kafka_conf_set(kc, key, eq + 1, errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
      return ls_err_set(err, LS_EINVAL, "kafka: %s", errstr);
  }
  return LS_OK;
}

static void on_error(rd_kafka_t *rk, int code, const char *reason, void *opaque) {
  (void)rk;
  struct ls_kafka_consumer *c = opaque;
  bool fatal = code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN || code == RD_KAFKA_RESP_ERR__TRANSPORT ||
               code == RD_KAFKA_RESP_ERR__RESOLVE;
  if (fatal && !atomic_exchange(&c->healthy, false))
    return; /* already reported */
  ls_logf(c->conf.log, fatal ? LS_LOG_ERROR : LS_LOG_WARN, "kafka",
          "consumer=%d brokers=%s error=\"%s\"%s", c->conf.index, c->conf.brokers, reason,
          fatal ? " (retrying)" : "");
}

/* librdkafka's own log: connection failures repeat on every retry and are already reported once
 * by on_error, so only critical messages are passed on. */
static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
  struct ls_kafka_consumer *c = rd_kafka_opaque(rk);
  if (level <= 2) ls_logf(c->conf.log, LS_LOG_ERROR, "kafka", "librdkafka %s: %s", fac, buf);
}

static void on_dlq_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  struct ls_kafka_consumer *c = opaque;
  if (m->err) {
    uint64_t n = atomic_fetch_add(&c->stats.dlq_errors, 1) + 1;
    if (ls_log_sampled(n))
      ls_logf(c->conf.log, LS_LOG_ERROR, "kafka", "dead-letter write failed topic=%s error=\"%s\" failed_total=%llu",
              c->conf.dlq_topic, rd_kafka_err2str(m->err), (unsigned long long)n);
  } else {
    atomic_fetch_add(&c->stats.dead_lettered, 1);
  }
}

void ls_kafka_instance_name(const char *pattern, char *out, size_t cap) {
  char host[256] = "localhost";
  gethostname(host, sizeof host - 1);
  size_t o = 0;
  for (const char *p = pattern; *p && o + 1 < cap; p++) {
    if (p[0] == '%' && p[1] == 'h') {
      o += (size_t)snprintf(out + o, cap - o, "%s", host);
      if (o >= cap) o = cap - 1;
      p++;
    } else {
      out[o++] = *p;
    }
  }
  if (cap) out[o] = '\0';
}

/* group.instance.id=NAME-index; "" when dynamic. */
static void instance_prop(const struct ls_kafka_conf *k, char *out, size_t cap) {
  out[0] = '\0';
  if (!k->instance_id || !k->instance_id[0]) return;
  char name[300];
  ls_kafka_instance_name(k->instance_id, name, sizeof name);
  snprintf(out, cap, "group.instance.id=%s-%d", name, k->index);
}

/* The source stats' count of partitions the merge bound pauses (the replay gate's are not back-pressure). */
static void count_paused(struct ls_kafka_consumer *c) { atomic_store(&c->stats.paused, c->capped ? c->capped->cnt : 0); }

/* The assigned partitions paused now: by the merge bound, or held by the replay gate. */
static int paused_here(const struct ls_kafka_consumer *c) {
  int n = 0;
  for (int i = 0; c->assigned && i < c->assigned->cnt; i++) {
    int32_t q = c->assigned->elems[i].partition;
    bool capped = false;
    for (int k = 0; c->capped && k < c->capped->cnt && !capped; k++) capped = c->capped->elems[k].partition == q;
    n += capped || gate_holds(c, q);
  }
  return n;
}

/* checkpoint_key: commits, synchronously, each assigned partition's acknowledged offset that
 * passed what was committed, with the key; what fails is tried again at the next call. A
 * partition read here whose offsets are not yet acknowledged (its windows hold back every one
 * read) is committed at its first offset read unless this daemon committed it last: nothing
 * before that was read here, and the next owner learns whose read marks to take (pipeline.h:
 * hand-over), also when that is the offset another daemon committed. */
static rd_kafka_resp_err_t commit_acked(struct ls_kafka_consumer *c) {
  c->commit_due_ms = mono_ms() + COMMIT_EVERY_MS;
  if (!c->acked || !c->assigned) return RD_KAFKA_RESP_ERR_NO_ERROR;
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(c->assigned->cnt);
  size_t n = strlen(HANDOVER_PREFIX) + strlen(c->conf.checkpoint_key);
  for (int i = 0; i < c->assigned->cnt; i++) {
    int32_t q = c->assigned->elems[i].partition;
    if (q < 0 || q >= LS_MAX_PARTITIONS) continue;
    int64_t next = atomic_load(&c->acked[q]);
    if (next < 0) next = c->first_read[q];
    bool claim = c->first_read[q] >= 0 && !c->mine[q]; /* read here, committed last by another daemon or none */
    if (next < c->committed[q] || (next == c->committed[q] && !claim)) continue;
    rd_kafka_topic_partition_t *at = rd_kafka_topic_partition_list_add(l, c->conf.topic, q);
    at->offset = next;
    if ((at->metadata = malloc(n + 1))) { /* freed with the list */
      snprintf(at->metadata, n + 1, "%s%s", HANDOVER_PREFIX, c->conf.checkpoint_key);
      at->metadata_size = n;
    }
  }
  rd_kafka_resp_err_t e = l->cnt ? rd_kafka_commit(c->rk, l, 0) : RD_KAFKA_RESP_ERR_NO_ERROR;
  for (int i = 0; !e && i < l->cnt; i++) {
    c->committed[l->elems[i].partition] = l->elems[i].offset;
    c->mine[l->elems[i].partition] = true;
  }
  if (e && ls_log_sampled(++c->commit_failures)) /* refused while the group rebalances: the next owner reads from the last commit */
    ls_logf(c->conf.log, e == RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS ? LS_LOG_INFO : LS_LOG_WARN, "kafka",
            "consumer=%d commit of %d partitions failed (tried again in %d ms while they are assigned here): %s", c->conf.index, l->cnt,
            COMMIT_EVERY_MS, rd_kafka_err2str(e));
  rd_kafka_topic_partition_list_destroy(l);
  return e;
}

/* Logs each assignment and revocation with the seconds since the consumer was created (what
 * static membership shortens after a restart), then applies it as librdkafka does by default
 * (eager protocol, range strategy). A revocation first resumes what the merge bound or the replay
 * gate paused: librdkafka keeps a partition's pause across its revocation, so one assigned here
 * again would otherwise never be fetched. */
static void on_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t e, rd_kafka_topic_partition_list_t *parts, void *opaque) {
  struct ls_kafka_consumer *c = opaque;
  bool assign = e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS;
  double waited = since_s(&c->created);
  int paused = assign ? 0 : paused_here(c);
  char resumed[48] = "";
  if (paused) snprintf(resumed, sizeof resumed, "; resumed %d paused", paused);
  ls_logf(c->conf.log, LS_LOG_INFO, "kafka", "consumer=%d %s %d partitions (%.1f s after start%s)", c->conf.index,
          assign ? "assigned" : "revoked", parts->cnt, waited, resumed);
  if (paused) rd_kafka_resume_partitions(rk, c->assigned);
  if (!assign) commit_acked(c);
  for (int i = 0; assign && c->acked && i < parts->cnt; i++) {
    int32_t q = parts->elems[i].partition;
    if (q < 0 || q >= LS_MAX_PARTITIONS) continue;
    atomic_store(&c->acked[q], c->committed[q] = c->first_read[q] = -1); /* announce_owners reads the floor and the owner */
    c->mine[q] = false;
  }
  rd_kafka_assign(rk, assign ? parts : NULL);
  if (c->assigned) rd_kafka_topic_partition_list_destroy(c->assigned);
  c->assigned = assign ? rd_kafka_topic_partition_list_copy(parts) : NULL;
  atomic_store(&c->stats.assigned, assign ? parts->cnt : 0);
  for (int i = 0; i < parts->cnt; i++)
    if (parts->elems[i].partition >= 0 && parts->elems[i].partition < LS_MAX_PARTITIONS) atomic_store(&c->end_seen[parts->elems[i].partition], -1);
  if (c->capped) rd_kafka_topic_partition_list_destroy(c->capped);
  c->capped = NULL;
  count_paused(c);
  merge_assign(c, assign ? parts : NULL);
  if (c->unannounced) rd_kafka_topic_partition_list_destroy(c->unannounced);
  c->unannounced = assign && c->conf.checkpoint_key ? rd_kafka_topic_partition_list_copy(parts) : NULL;
  if (!c->gating) return;
  memset(c->held, 0, (size_t)c->conf.n_resume); /* a new assignment replays from its committed offsets */
}

static int make_conf(struct ls_kafka_consumer *c, rd_kafka_conf_t *kc, bool consumer, struct ls_err *err) {
  char num[3][32];
  snprintf(num[0], sizeof num[0], "session.timeout.ms=%d", c->conf.session_timeout_ms);
  snprintf(num[1], sizeof num[1], "fetch.wait.max.ms=%d", c->conf.fetch_wait_max_ms);
  snprintf(num[2], sizeof num[2], "queued.max.messages.kbytes=%d", c->conf.queued_max_kbytes);
  char brokers[1024], group[300], reset[64];
  snprintf(brokers, sizeof brokers, "bootstrap.servers=%s", c->conf.brokers);
  snprintf(group, sizeof group, "group.id=%s", c->conf.group_id);
  snprintf(reset, sizeof reset, "auto.offset.reset=%s", c->conf.offset_reset);
  const char *common[] = {brokers, "client.id=lockstepd"};
  const char *cons[] = {group, reset, num[0], num[1], num[2], "enable.auto.offset.store=false",
                        c->conf.checkpoint_key ? "enable.auto.commit=false" : "enable.auto.commit=true", "auto.commit.interval.ms=1000",
                        "partition.assignment.strategy=range", "enable.partition.eof=true",
                        "max.partition.fetch.bytes=65536"};
  const char *prod[] = {"enable.idempotence=true", "linger.ms=5"};
  rd_kafka_conf_set_opaque(kc, c);
  rd_kafka_conf_set_error_cb(kc, on_error);
  rd_kafka_conf_set_log_cb(kc, on_log);
  const char *statik[] = {c->instance};
  int rc = ls_kafka_conf_apply(kc, common, 2, err);
  if (rc == LS_OK && consumer) rc = ls_kafka_conf_apply(kc, cons, (int)(sizeof cons / sizeof *cons), err);
  if (rc == LS_OK && consumer && c->instance[0]) rc = ls_kafka_conf_apply(kc, statik, 1, err);
  /* a stage topic's hot partition (co-similar-text vectors, 1 KiB each) must keep up with its producer */
  const char *records[] = {"max.partition.fetch.bytes=1048576"};
  if (rc == LS_OK && consumer && c->conf.records) rc = ls_kafka_conf_apply(kc, records, 1, err);
  if (consumer) rd_kafka_conf_set_rebalance_cb(kc, on_rebalance);
  if (rc == LS_OK && !consumer) {
    rd_kafka_conf_set_dr_msg_cb(kc, on_dlq_delivery);
    rc = ls_kafka_conf_apply(kc, prod, 2, err);
  }
  if (rc == LS_OK) rc = ls_kafka_conf_apply(kc, c->conf.props, c->conf.n_props, err);
  return rc;
}

static int new_handle(struct ls_kafka_consumer *c, rd_kafka_type_t type, rd_kafka_t **out, struct ls_err *err) {
  rd_kafka_conf_t *kc = rd_kafka_conf_new();
  int rc = make_conf(c, kc, type == RD_KAFKA_CONSUMER, err);
  if (rc != LS_OK) {
    rd_kafka_conf_destroy(kc);
    return rc;
  }
  char errstr[512];
  *out = rd_kafka_new(type, kc, errstr, sizeof errstr);
  if (!*out) {
    rd_kafka_conf_destroy(kc);
    return ls_err_set(err, LS_EINVAL, "kafka: cannot create client: %s", errstr);
  }
  return LS_OK;
}

int ls_kafka_consumer_create(struct ls_kafka_consumer **out, const struct ls_kafka_conf *conf, struct ls_err *err) {
  struct ls_kafka_consumer *c = calloc(1, sizeof *c);
  if (!c) return ls_err_set(err, LS_ENOMEM, "kafka: out of memory");
  c->conf = *conf;
  clock_gettime(CLOCK_MONOTONIC, &c->created);
  instance_prop(conf, c->instance, sizeof c->instance);
  atomic_store(&c->healthy, true);
  c->gating = conf->resume != NULL;
  int rc = c->gating && !(c->held = calloc((size_t)conf->n_resume, 1)) ? ls_err_set(err, LS_ENOMEM, "kafka: out of memory") : LS_OK;
  if (rc == LS_OK && !(c->end_seen = malloc(LS_MAX_PARTITIONS * sizeof *c->end_seen))) rc = ls_err_set(err, LS_ENOMEM, "kafka: out of memory");
  for (int q = 0; rc == LS_OK && q < LS_MAX_PARTITIONS; q++) atomic_init(&c->end_seen[q], -1);
  if (rc == LS_OK && conf->checkpoint_key &&
      (!(c->acked = malloc(LS_MAX_PARTITIONS * sizeof *c->acked)) || !(c->committed = malloc(LS_MAX_PARTITIONS * sizeof *c->committed)) ||
       !(c->first_read = malloc(LS_MAX_PARTITIONS * sizeof *c->first_read)) || !(c->mine = calloc(LS_MAX_PARTITIONS, sizeof *c->mine))))
    rc = ls_err_set(err, LS_ENOMEM, "kafka: out of memory");
  for (int q = 0; rc == LS_OK && c->acked && q < LS_MAX_PARTITIONS; q++) {
    atomic_init(&c->acked[q], -1);
    c->committed[q] = c->first_read[q] = -1;
  }
  if (rc == LS_OK) rc = ls_decoder_create(&c->dec, &conf->limits, err);
  if (rc == LS_OK) rc = ls_merge_create(&c->merge, conf->order_wait_ms, (size_t)conf->queued_max_kbytes * 1024, fetch_behind, c, err);
  if (rc == LS_OK) rc = new_handle(c, RD_KAFKA_CONSUMER, &c->rk, err);
  if (rc == LS_OK) rc = new_handle(c, RD_KAFKA_PRODUCER, &c->dlq, err);
  if (rc == LS_OK) {
    rd_kafka_poll_set_consumer(c->rk);
    rd_kafka_topic_partition_list_t *topics = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(topics, conf->topic, RD_KAFKA_PARTITION_UA);
    rd_kafka_resp_err_t e = rd_kafka_subscribe(c->rk, topics);
    rd_kafka_topic_partition_list_destroy(topics);
    if (e) rc = ls_err_set(err, LS_EINVAL, "kafka: cannot subscribe to %s: %s", conf->topic, rd_kafka_err2str(e));
  }
  if (rc != LS_OK) {
    ls_kafka_consumer_destroy(c);
    return rc;
  }
  *out = c;
  return LS_OK;
}

static void dead_letter(struct ls_kafka_consumer *c, const char *reason) {
  const rd_kafka_message_t *m = c->cur;
  char part[16], off[24];
  snprintf(part, sizeof part, "%d", (int)m->partition);
  snprintf(off, sizeof off, "%lld", (long long)m->offset);
  rd_kafka_resp_err_t e = rd_kafka_producev(
      c->dlq, RD_KAFKA_V_TOPIC(c->conf.dlq_topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
      RD_KAFKA_V_VALUE(m->payload, m->len), RD_KAFKA_V_KEY(m->key, m->key_len),
      RD_KAFKA_V_HEADER("error", reason, -1),
      RD_KAFKA_V_HEADER("source_topic", rd_kafka_topic_name(m->rkt), -1),
      RD_KAFKA_V_HEADER("source_partition", part, -1), RD_KAFKA_V_HEADER("source_offset", off, -1),
      RD_KAFKA_V_END);
  if (e) {
    atomic_fetch_add(&c->stats.dlq_errors, 1);
    ls_logf(c->conf.log, LS_LOG_ERROR, "kafka", "dead-letter enqueue failed topic=%s error=\"%s\"",
            c->conf.dlq_topic, rd_kafka_err2str(e));
  }
}

static void on_reject(void *ud, const char *reason) {
  struct ls_kafka_consumer *c = ud;
  uint64_t n = atomic_fetch_add(&c->stats.rejected, 1) + 1;
  if (ls_log_sampled(n))
    ls_logf(c->conf.log, LS_LOG_WARN, "kafka", "rejected topic=%s partition=%d offset=%lld reason=\"%s\" rejected_total=%llu",
            c->conf.topic, (int)c->cur->partition, (long long)c->cur->offset, reason, (unsigned long long)n);
  dead_letter(c, reason);
}

static void receive(struct ls_kafka_consumer *c, int timeout_ms);

/* Waits for a free ring slot, polling the group meanwhile; NULL only when aborted. */
static struct ls_ring_slot *wait_slot(struct ls_kafka_consumer *c) {
  struct ls_ring_slot *s = ls_ring_acquire(c->conf.ring);
  if (s) return s;
  int64_t t0 = mono_ns();
  while (!(s = ls_ring_acquire(c->conf.ring))) {
    if (atomic_load(&c->abort_)) break;
    receive(c, 0);
    nanosleep(&(struct timespec){0, 100000}, NULL);
  }
  c->waited_ns += mono_ns() - t0;
  return s;
}

static void publish(struct ls_kafka_consumer *c, struct ls_ring_slot *s) {
  s->tweet.source = c->conf.index;
  s->tweet.partition = c->cur->partition;
  s->tweet.offset = c->cur->offset;
  s->tweet.behind = c->cur->offset + 1 - c->cur_position;
  s->tweet.arrived_ms = mono_ms();
  ls_ring_publish(c->conf.ring);
}

static int on_tweet(void *ud, const struct ls_tweet *t) {
  struct ls_kafka_consumer *c = ud;
  struct ls_ring_slot *s = wait_slot(c);
  if (!s) return 1;
  if (ls_tweet_copy(&s->tweet, &s->arena, t) != LS_OK) {
    on_reject(c, "tweet does not fit in a ring slot (raise input.max_text_bytes)");
    return 0;
  }
  publish(c, s);
  c->emitted++;
  atomic_fetch_add(&c->stats.tweets, 1);
  return 0;
}

/* A pair set's evidence: the tweet it carries, into the slot's tweet. */
static int on_evidence(void *ud, const struct ls_tweet *t) {
  struct ls_ring_slot *s = ud;
  return ls_tweet_copy(&s->tweet, &s->arena, t) == LS_OK ? 0 : 1;
}

static void ignore_reason(void *ud, const char *reason) { (void)ud, (void)reason; }

/* The tweet of a stage record in the slot: a pair set's evidence (which must be that tweet's; a
 * revision's, its late partner's tweet: stage.h), else its id, author and time. @returns 0, or
 * the reason it cannot be used. */
static const char *record_tweet(struct ls_kafka_consumer *c, struct ls_ring_slot *s) {
  const struct ls_action_rec *a = &s->rec.set.act;
  struct ls_decode_sink sink = {.emit = on_evidence, .reject = ignore_reason, .ud = s};
  if (c->conf.records == LS_STAGE_PAIRSET && s->rec.evidence_len) {
    if (ls_decode(c->dec, LS_FMT_PROTOBUF, s->rec.evidence, s->rec.evidence_len, &sink) != 1) return "stage record: its tweet is not a valid lockstep.Tweet";
    const struct ls_pairset *set = &s->rec.set;
    if (set->revision ? s->tweet.author_id != set->late_account : s->tweet.id != a->tweet || s->tweet.author_id != a->account)
      return set->revision ? "stage record: a revision's tweet is not its late partner's" : "stage record: its tweet is not the action's";
    return NULL;
  }
  s->tweet = (struct ls_tweet){.id = a->tweet, .author_id = a->account, .created_at_ms = a->t_ms};
  return NULL;
}

/* A stage record into one slot, or dead-lettered with its reason. */
static void stage_record(struct ls_kafka_consumer *c, const rd_kafka_message_t *m) {
  struct ls_ring_slot *s = wait_slot(c);
  if (!s) return;
  struct ls_err err;
  const char *why = NULL;
  if (ls_stage_unpack(c->conf.records, m->payload, m->len, c->conf.dim, c->conf.max_partners, &s->arena, &s->rec, &err) != LS_OK) why = err.msg;
  else why = record_tweet(c, s);
  if (why) {
    on_reject(c, why);
    memset(&s->tweet, 0, sizeof s->tweet); /* position marker */
    s->rec = (struct ls_stage_rec){0};
  } else {
    c->emitted++;
    atomic_fetch_add(&c->stats.tweets, 1);
  }
  publish(c, s);
}

static void handle(struct ls_kafka_consumer *c, const rd_kafka_message_t *m) {
  int64_t t0 = mono_ns();
  c->waited_ns = 0;
  atomic_store(&c->stats.busy_since_ms, t0 / 1000000);
  c->cur = m;
  c->emitted = 0;
  atomic_fetch_add(&c->stats.messages, 1);
  atomic_fetch_add(&c->stats.bytes, m->len);
  struct ls_decode_sink sink = {.emit = on_tweet, .reject = on_reject, .ud = c};
  if (c->conf.records) stage_record(c, m);
  else ls_decode(c->dec, LS_FMT_AUTO, m->payload, m->len, &sink);
  if (c->emitted == 0 && !c->conf.records && !atomic_load(&c->abort_)) {
    struct ls_ring_slot *s = wait_slot(c); /* position marker: acknowledges the offset in order */
    if (s) {
      memset(&s->tweet, 0, sizeof s->tweet);
      publish(c, s);
    }
  }
  atomic_fetch_add(&c->stats.busy_ns, (uint64_t)(mono_ns() - t0 - c->waited_ns)); /* decoding, not waiting for the ring */
  atomic_store(&c->stats.busy_since_ms, 0);
}

/* --- flow: poll → merge → handle ---------------------------------------------------------------- */

static size_t merge_bound(const struct ls_kafka_consumer *c) { return (size_t)c->conf.queued_max_kbytes * 1024; }

/* Above the bound, pauses every partition with queued messages (not those the gate holds); at
 * half of it, resumes them. */
static void apply_bound(struct ls_kafka_consumer *c) {
  size_t held = ls_merge_bytes(c->merge);
  if (c->capped && held < merge_bound(c) / 2) {
    rd_kafka_resume_partitions(c->rk, c->capped);
    rd_kafka_topic_partition_list_destroy(c->capped);
    c->capped = NULL;
  } else if (!c->capped && held > merge_bound(c) && c->assigned) {
    c->capped = rd_kafka_topic_partition_list_new(c->assigned->cnt);
    for (int i = 0; i < c->assigned->cnt; i++) {
      int32_t q = c->assigned->elems[i].partition;
      if (ls_merge_queued(c->merge, q) && !gate_holds(c, q)) rd_kafka_topic_partition_list_add(c->capped, c->conf.topic, q);
    }
    rd_kafka_pause_partitions(c->rk, c->capped);
  }
  count_paused(c);
}

/* A paused partition whose queue is empty is resumed at once: the merge would otherwise wait
 * for it until it counted as idle. */
static void uncap_if_empty(struct ls_kafka_consumer *c, int32_t q) {
  if (!c->capped || ls_merge_queued(c->merge, q)) return;
  for (int i = 0; i < c->capped->cnt; i++) {
    if (c->capped->elems[i].partition != q) continue;
    rd_kafka_topic_partition_list_t *one = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(one, c->conf.topic, q);
    rd_kafka_resume_partitions(c->rk, one);
    rd_kafka_topic_partition_list_destroy(one);
    rd_kafka_topic_partition_list_del_by_idx(c->capped, i);
    count_paused(c);
    return;
  }
}

/* A stage record's source (LS_STAGE_SOURCE_HEADER, 16 hex digits; 0 when absent or not a
 * stage topic) and, for a watermark, its value. */
static uint64_t stage_source(const struct ls_kafka_consumer *c, const rd_kafka_message_t *m, const char **mark, size_t *mark_len) {
  rd_kafka_headers_t *h = NULL;
  *mark = NULL;
  if (!c->conf.records || rd_kafka_message_headers(m, &h) || !h) return 0;
  const void *v;
  size_t n;
  if (rd_kafka_header_get_last(h, LS_STAGE_SOURCE_HEADER, &v, &n) || n != 16) return 0;
  char hex[17];
  memcpy(hex, v, 16);
  hex[16] = '\0';
  char *end;
  uint64_t source = strtoull(hex, &end, 16);
  if (*end) return 0;
  if (!rd_kafka_header_get_last(h, LS_STAGE_MARK_HEADER, &v, &n)) {
    *mark = v ? v : "";
    *mark_len = n;
  }
  return source;
}

#define WATERMARK 1 /* merge_in: the message was a watermark and is still the caller's */

/* A message into the merge: a record into its source's lane, a watermark as what it says (an
 * unreadable one counts as idle, so that nothing waits for it).
 * @returns LS_OK (the merge holds the message), WATERMARK, or ls_merge_push's or ls_merge_mark's
 * error. */
static int merge_in(struct ls_kafka_consumer *c, rd_kafka_message_t *m) {
  const char *mark;
  size_t len = 0;
  uint64_t source = stage_source(c, m, &mark, &len);
  int64_t now = mono_ms();
  if (!mark) return ls_merge_push(c->merge, m, m->partition, source, m->offset, rd_kafka_message_timestamp(m, NULL), sizeof *m + m->len, now);
  char num[24] = "";
  if (len < sizeof num) {
    memcpy(num, mark, len);
    num[len] = '\0';
  }
  char *end;
  long long t = strtoll(num, &end, 10);
  bool idle = !num[0] || *end;
  int rc = ls_merge_mark(c->merge, m->partition, source, m->offset, idle ? INT64_MIN : t, idle, now);
  return rc == LS_OK ? WATERMARK : rc;
}

/* checkpoint_key: notes the partition's first offset fetched since its assignment (a partition
 * is fetched in offset order; the merge may hand its messages on out of it). */
static void note_first_read(struct ls_kafka_consumer *c, const rd_kafka_message_t *m) {
  if (c->first_read && !m->err && m->partition >= 0 && m->partition < LS_MAX_PARTITIONS && c->first_read[m->partition] < 0)
    c->first_read[m->partition] = m->offset;
}

/* Takes one message from the group (waiting up to timeout_ms) into the merge. */
static void receive(struct ls_kafka_consumer *c, int timeout_ms) {
  rd_kafka_message_t *m = rd_kafka_consumer_poll(c->rk, timeout_ms);
  rd_kafka_poll(c->dlq, 0);
  gate_check(c);
  if (!m) return;
  note_first_read(c, m);
  if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
    if (m->partition >= 0 && m->partition < LS_MAX_PARTITIONS) atomic_store(&c->end_seen[m->partition], m->offset);
    ls_merge_eof(c->merge, m->partition);
    gate_end_of_partition(c, m->partition);
  } else if (m->err) {
    ls_logf(c->conf.log, LS_LOG_WARN, "kafka", "consumer=%d fetch error=\"%s\"", c->conf.index, rd_kafka_message_errstr(m));
  } else if (!gate_hold(c, m)) {
    if (!atomic_exchange(&c->healthy, true))
      ls_logf(c->conf.log, LS_LOG_INFO, "kafka", "consumer=%d brokers=%s connection restored", c->conf.index, c->conf.brokers);
    int rc = merge_in(c, m);
    if (rc == LS_OK) {
      atomic_store(&c->stats.waiting, ls_merge_messages(c->merge));
      apply_bound(c);
      return;
    }
    if (rc == LS_ENOMEM) { /* never handled, never acknowledged: read again after a restart */
      ls_logf(c->conf.log, LS_LOG_ERROR, "kafka", "consumer=%d out of memory for the merge (%zu bytes held): stopping", c->conf.index, ls_merge_bytes(c->merge));
      atomic_store(&c->stop, true);
    } /* LS_EINVAL: fetched before its partition was revoked; its next owner reads it */
  }
  rd_kafka_message_destroy(m);
}

/* Logs a lane the merge stopped waiting for (the order it gives up: partition_merge.h), and counts it. */
static void log_give_up(struct ls_kafka_consumer *c) {
  struct ls_merge_give_up g;
  uint64_t n = ls_merge_gave_up(c->merge, &g);
  if (n == atomic_load(&c->stats.order_gave_up)) return;
  atomic_store(&c->stats.order_gave_up, n);
  char src[24] = "none";
  if (g.source) snprintf(src, sizeof src, "%016llx", (unsigned long long)g.source);
  ls_logf(c->conf.log, LS_LOG_INFO, "kafka",
          "consumer=%d stopped waiting for partition %d source=%s: silent for %lld ms, last at %lld ms; the merge held %zu messages (%zu KiB); order_gave_up_total=%llu",
          c->conf.index, (int)g.partition, src, (long long)g.quiet_ms, g.last_key == INT64_MIN ? -1LL : (long long)g.last_key, g.messages, g.bytes / 1024,
          (unsigned long long)n);
}

/* Whether the committed metadata names the checkpoint key. */
static bool committed_by(const rd_kafka_topic_partition_t *e, const char *key) {
  size_t n = strlen(HANDOVER_PREFIX), k = strlen(key);
  return !e->err && e->offset >= 0 && e->metadata_size == n + k && !memcmp(e->metadata, HANDOVER_PREFIX, n) && !memcmp((const char *)e->metadata + n, key, k);
}

/* The checkpoint key in committed metadata, or NULL (none, another tool's, or this daemon's own). */
static char *last_owner(const struct ls_kafka_consumer *c, const rd_kafka_topic_partition_t *e) {
  size_t n = strlen(HANDOVER_PREFIX);
  if (e->err || e->offset < 0 || e->metadata_size <= n || memcmp(e->metadata, HANDOVER_PREFIX, n) || committed_by(e, c->conf.checkpoint_key)) return NULL;
  return strndup((const char *)e->metadata + n, e->metadata_size - n);
}

/* The daemons that last committed partitions of a new assignment: one hand-over each, naming its partitions. */
struct owners {
  struct ls_handover *v;
  int n, n_parts;
};

static void owners_add(struct owners *o, char *key, int32_t q) {
  int k = 0;
  while (k < o->n && strcmp(o->v[k].key, key)) k++;
  if (k < o->n) free(key);
  else o->v[o->n++] = (struct ls_handover){.key = key};
  o->v[k].partitions[q / 8] |= (uint8_t)(1u << (q % 8));
  o->n_parts++;
}

/* One handover slot per daemon that last committed a partition of the new assignment. */
static void announce(struct ls_kafka_consumer *c, const struct owners *o, int n_assigned) {
  for (int k = 0; k < o->n; k++) {
    struct ls_ring_slot *s = wait_slot(c);
    if (!s) return;
    memset(&s->tweet, 0, sizeof s->tweet);
    s->tweet.source = c->conf.index;
    s->tweet.partition = -1;
    s->tweet.offset = -1;
    struct ls_handover *h = ls_arena_alloc(&s->arena, sizeof *h); /* a slot holds a tweet's text: far more */
    if (h) {
      *h = o->v[k];
      h->key = ls_arena_strndup(&s->arena, o->v[k].key, strlen(o->v[k].key));
      s->handover = h->key ? h : NULL;
    }
    ls_ring_publish(c->conf.ring);
  }
  if (o->n)
    ls_logf(c->conf.log, LS_LOG_INFO, "kafka",
            "consumer=%d %d of %d assigned partitions were last committed by %d other daemons (first: %s): announced before their messages",
            c->conf.index, o->n_parts, n_assigned, o->n, o->v[0].key);
}

/* Reads who last committed each partition of a new assignment, and announces them in the ring
 * before any of their messages is handled (a rebalance while it waits for the ring starts over). */
static void announce_owners(struct ls_kafka_consumer *c) {
  while (c->unannounced) {
    rd_kafka_topic_partition_list_t *l = c->unannounced;
    c->unannounced = NULL;
    rd_kafka_resp_err_t e = rd_kafka_committed(c->rk, l, 10000);
    if (e) ls_logf(c->conf.log, LS_LOG_WARN, "kafka", "consumer=%d cannot read who last committed its %d partitions (%s): they are read as new",
                   c->conf.index, l->cnt, rd_kafka_err2str(e));
    struct owners o = {.v = calloc((size_t)l->cnt + 1, sizeof *o.v)};
    for (int i = 0; !e && o.v && i < l->cnt; i++) {
      int32_t q = l->elems[i].partition;
      if (q < 0 || q >= LS_MAX_PARTITIONS) continue;
      if (l->elems[i].offset > c->committed[q]) c->committed[q] = l->elems[i].offset;
      c->mine[q] = committed_by(&l->elems[i], c->conf.checkpoint_key);
      char *key = last_owner(c, &l->elems[i]);
      if (key) owners_add(&o, key, q);
    }
    announce(c, &o, l->cnt);
    rd_kafka_topic_partition_list_destroy(l);
    for (int k = 0; k < o.n; k++) free((char *)o.v[k].key);
    free(o.v);
  }
}

static void *run(void *arg) {
  struct ls_kafka_consumer *c = arg;
  while (!atomic_load(&c->stop)) {
    announce_owners(c); /* first: it reads the floor under which commit_acked never goes */
    if (c->acked && mono_ms() >= c->commit_due_ms) commit_acked(c);
    rd_kafka_message_t *m = ls_merge_pop(c->merge, mono_ms(), &c->cur_position);
    log_give_up(c);
    atomic_store(&c->stats.waiting, ls_merge_messages(c->merge) + (m != NULL));
    if (m) {
      uncap_if_empty(c, m->partition);
      handle(c, m);
      rd_kafka_message_destroy(m);
    }
    receive(c, m ? 0 : ls_merge_bytes(c->merge) ? 5 : 100);
  }
  atomic_store(&c->finished, true);
  return NULL;
}

int ls_kafka_consumer_start(struct ls_kafka_consumer *c, struct ls_err *err) {
  if (pthread_create(&c->thread, NULL, run, c) != 0) return ls_err_set(err, LS_ENOMEM, "kafka: cannot start thread");
  c->started = true;
  const char *instance = c->instance[0] ? c->instance + strlen("group.") : "";
  ls_logf(c->conf.log, LS_LOG_INFO, "kafka", "consumer=%d brokers=%s group=%s%s%s topic=%s dlq=%s", c->conf.index,
          c->conf.brokers, c->conf.group_id, instance[0] ? " " : "", instance, c->conf.topic, c->conf.dlq_topic);
  return LS_OK;
}

void ls_kafka_consumer_request_stop(struct ls_kafka_consumer *c) { atomic_store(&c->stop, true); }

bool ls_kafka_consumer_finished(struct ls_kafka_consumer *c) { return !c->started || atomic_load(&c->finished); }

void ls_kafka_consumer_stop(struct ls_kafka_consumer *c) {
  if (!c->started) return;
  atomic_store(&c->abort_, true);
  atomic_store(&c->stop, true);
  pthread_join(c->thread, NULL);
  c->started = false;
}

int ls_kafka_consumer_ack(struct ls_kafka_consumer *c, int32_t partition, int64_t next_offset) {
  if (c->acked) { /* committed by the consumer thread, with the key (commit_acked) */
    if (partition < 0 || partition >= LS_MAX_PARTITIONS) return LS_EINVAL;
    atomic_store(&c->acked[partition], next_offset);
    return LS_OK;
  }
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(l, c->conf.topic, partition)->offset = next_offset;
  rd_kafka_resp_err_t e = rd_kafka_offsets_store(c->rk, l);
  rd_kafka_topic_partition_list_destroy(l);
  return e ? LS_EINVAL : LS_OK; /* a revoked partition is not an error worth more */
}

int ls_kafka_consumer_commit(struct ls_kafka_consumer *c, struct ls_err *err) {
  rd_kafka_resp_err_t e = c->acked ? commit_acked(c) : rd_kafka_commit(c->rk, NULL, 0);
  if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET)
    return ls_err_set(err, LS_EUNAVAIL, "kafka: commit failed: %s", rd_kafka_err2str(e));
  return LS_OK;
}

void ls_kafka_consumer_destroy(struct ls_kafka_consumer *c) {
  if (!c) return;
  ls_kafka_consumer_stop(c);
  if (c->dlq) {
    if (rd_kafka_flush(c->dlq, 5000))
      ls_logf(c->conf.log, LS_LOG_ERROR, "kafka", "dead-letter messages not delivered at exit: %d",
              rd_kafka_outq_len(c->dlq));
    rd_kafka_destroy(c->dlq);
  }
  ls_merge_destroy(c->merge, drop_message, NULL); /* before the handle: librdkafka waits for its messages */
  c->merge = NULL;
  if (c->capped) rd_kafka_topic_partition_list_destroy(c->capped);
  c->capped = NULL;
  if (c->rk) {
    rd_kafka_consumer_close(c->rk);
    rd_kafka_destroy(c->rk);
  }
  if (c->assigned) rd_kafka_topic_partition_list_destroy(c->assigned);
  if (c->unannounced) rd_kafka_topic_partition_list_destroy(c->unannounced);
  free(c->held);
  free(c->end_seen);
  free(c->acked);
  free(c->committed);
  free(c->first_read);
  free(c->mine);
  ls_decoder_destroy(c->dec);
  free(c);
}

struct ls_source_stats *ls_kafka_consumer_stats(struct ls_kafka_consumer *c) { return &c->stats; }
