/* main.c — lockstepd: command line, configuration, signals, systemd notification, and the
 * wiring of sources (Kafka consumers or a replay file) → pipeline → sinks. The only global
 * mutable state of the program lives here: the stop flag set by SIGINT/SIGTERM. */
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "lockstep/backend.h"
#include "lockstep/clock.h"
#include "lockstep/config.h"
#include "lockstep/http.h"
#include "lockstep/kafka.h"
#include "lockstep/metrics.h"
#include "lockstep/pipeline.h"
#include "lockstep/replay.h"
#include "lockstep/sink.h"
#include "lockstep/stage_out.h"

static atomic_bool g_stop;
static atomic_bool g_reload; /* SIGHUP: read the configuration again */

#define STUCK_MESSAGE_S 10.0 /* a source decoding one message longer than this is stuck */

static void on_signal(int sig) {
  if (sig == SIGHUP) atomic_store(&g_reload, true);
  else atomic_store(&g_stop, true);
}

static void usage(FILE *f) {
  fputs("usage: lockstepd [--config FILE] [--set SECTION.KEY=VALUE]...\n"
        "       lockstepd --replay FILE [--out FILE.jsonl] [--dead-letter FILE.jsonl] [--export-edges FILE.csv]\n"
        "                 [--config FILE] [--set ...]\n"
        "\n"
        "Streaming detection of coordinated campaigns (co-retweet, co-reply, co-tweet, co-similar-text,\n"
        "co-link, co-hashtag). Reads tweets from Kafka (or an archive file with --replay), writes campaign\n"
        "events to Redis, the Kafka output topic and/or a JSON-lines file.\n"
        "\n"
        "  -c, --config FILE       INI configuration (see deploy/lockstep.conf)\n"
        "  -s, --set K=V           override one key, e.g. --set kafka.brokers=10.0.0.5:9092\n"
        "  -r, --replay FILE       read Twitter v2 JSON lines, QUT-toolkit CSV or length-delimited protobuf\n"
        "                          instead of Kafka; runs in event time as fast as it can and exits when drained\n"
        "  -o, --out FILE          write campaign events as JSON lines (replay: default standard output)\n"
        "  -d, --dead-letter FILE  replay: write rejected records with their reason as JSON lines\n"
        "      --replay-speed X    replay paced so that event time runs X times the wall clock (1: real time,\n"
        "                          as a live stream; default: as fast as possible)\n"
        "  -e, --export-edges FILE replay: write the coordination network as the QUT toolkit's CSV edge list\n"
        "                          (source,target,weight,edge_type) to FILE and as GraphML next to it\n"
        "                          (FILE with .graphml for .csv), for Gephi or comparison with the toolkit\n"
        "      --print-config      print every key with its default and documentation, and exit\n"
        "      --check-config      validate the configuration, print the effective values, and exit\n"
        "  -h, --help              this text\n"
        "  -V, --version           version\n"
        "\n"
        "Exit status: 0 done, 1 runtime failure, 2 bad command line or configuration.\n",
        f);
}

struct opts {
  const char *config, *replay, *out, *dead_letter, *export_edges;
  double replay_speed;
  const char *sets[128];
  int n_sets;
  bool print_config, check_config;
};

static int parse_args(int argc, char **argv, struct opts *o) {
  static const struct option longs[] = {
      {"config", required_argument, 0, 'c'}, {"set", required_argument, 0, 's'},
      {"replay", required_argument, 0, 'r'}, {"out", required_argument, 0, 'o'},
      {"dead-letter", required_argument, 0, 'd'}, {"export-edges", required_argument, 0, 'e'},
      {"replay-speed", required_argument, 0, 'S'},
      {"print-config", no_argument, 0, 'P'},
      {"check-config", no_argument, 0, 'C'}, {"help", no_argument, 0, 'h'},
      {"version", no_argument, 0, 'V'}, {0, 0, 0, 0}};
  int c;
  while ((c = getopt_long(argc, argv, "c:s:r:o:d:e:hV", longs, NULL)) != -1) {
    switch (c) {
      case 'c': o->config = optarg; break;
      case 's':
        if (o->n_sets == 128) { fprintf(stderr, "lockstepd: too many --set options\n"); return 2; }
        o->sets[o->n_sets++] = optarg;
        break;
      case 'r': o->replay = optarg; break;
      case 'o': o->out = optarg; break;
      case 'd': o->dead_letter = optarg; break;
      case 'e': o->export_edges = optarg; break;
      case 'S': {
        char *end;
        o->replay_speed = strtod(optarg, &end);
        if (end == optarg || *end || !(o->replay_speed > 0) || o->replay_speed > 1e6) {
          fprintf(stderr, "lockstepd: --replay-speed: \"%s\" is not a positive factor (1: real time)\n", optarg);
          return 2;
        }
        break;
      }
      case 'P': o->print_config = true; break;
      case 'C': o->check_config = true; break;
      case 'h': usage(stdout); return -1;
      case 'V': printf("lockstepd %s\n", LS_VERSION); return -1;
      default: usage(stderr); return 2;
    }
  }
  if (optind < argc) {
    fprintf(stderr, "lockstepd: unexpected argument \"%s\" (see --help)\n", argv[optind]);
    return 2;
  }
  if (o->dead_letter && !o->replay) {
    fprintf(stderr, "lockstepd: --dead-letter applies to --replay (Kafka mode uses kafka.dlq_topic)\n");
    return 2;
  }
  if (o->replay_speed > 0 && !o->replay) {
    fprintf(stderr, "lockstepd: --replay-speed applies to --replay\n");
    return 2;
  }
  if (o->export_edges && !o->replay) {
    fprintf(stderr, "lockstepd: --export-edges applies to --replay (its memory grows with the input)\n");
    return 2;
  }
  return 0;
}

/* Defaults, then the file, then each --set, then --out: at start and on SIGHUP. */
static int read_config(const struct opts *o, struct ls_config *cfg, struct ls_err *err) {
  ls_config_defaults(cfg);
  int rc = o->config ? ls_config_load(cfg, o->config, err) : LS_OK;
  for (int i = 0; rc == LS_OK && i < o->n_sets; i++) rc = ls_config_set(cfg, o->sets[i], err);
  if (rc == LS_OK && o->out) snprintf(cfg->output.file, sizeof cfg->output.file, "%s", o->out);
  return rc == LS_OK ? ls_config_check(cfg, err) : rc;
}

static int load_config(const struct opts *o, struct ls_config *cfg) {
  struct ls_err err;
  if (read_config(o, cfg, &err) == LS_OK) return 0;
  fprintf(stderr, "error config: %s\n", err.msg);
  return 2;
}

/* --- logging ---------------------------------------------------------------------------------- */

static void log_line(void *ud, int level, const char *component, const char *msg) {
  (void)ud;
  char line[1200];
  snprintf(line, sizeof line, "%s %s: %s\n", ls_log_level_name(level), component, msg);
  fputs(line, stderr);
}

static int level_of(const char *name) {
  return !strcmp(name, "debug") ? LS_LOG_DEBUG : !strcmp(name, "warn") ? LS_LOG_WARN : !strcmp(name, "error") ? LS_LOG_ERROR : LS_LOG_INFO;
}

/* --- the running daemon ------------------------------------------------------------------------ */

struct daemon {
  struct ls_config cfg;
  struct opts opts;
  struct ls_log log;
  struct ls_backend *be;
  struct ls_sink *sinks[3];
  int n_sinks;
  struct ls_ring *rings[LS_MAX_SOURCES];
  struct ls_kafka_consumer *consumers[LS_MAX_SOURCES];
  int n_consumers;
  struct ls_replay *replay;
  struct ls_pipeline *pipeline;
  struct ls_export *export;
  struct ls_checkpoint *ck;
  enum ls_role role;
  struct ls_stage_out *out; /* roles ingest and pair: the next stage's topic */
  char group[LS_STR + 16]; /* kafka.group_id, with the role appended when not all */
  char name[300]; /* checkpoint.name expanded */
  char ck_key[1024], txn_id[1024];
  int64_t resume[LS_MAX_PARTITIONS]; /* the restored checkpoint's positions, for the consumers' replay gate */
  bool restored;
  char *props[LS_KAFKA_MAX_PROPS];
  int n_props;
  char props_buf[1024];
  struct ls_http *http; /* NULL: http.listen is empty */
  struct ls_partition_lag lag[LS_MAX_PARTITIONS];
  double started, last_metrics;
  uint64_t last_tweets, last_taken;
  bool stuck_logged;
};

/* kafka.properties: "k=v;k=v", where "\;" stands for a ';' inside a value. */
static int split_props(struct daemon *d, struct ls_err *err) {
  const char *in = d->cfg.kafka.properties;
  char *out = d->props_buf, *start = out;
  for (;; in++) {
    if (*in == '\\' && in[1] == ';') {
      *out++ = *++in;
      continue;
    }
    if (*in != ';' && *in != '\0') {
      *out++ = *in;
      continue;
    }
    *out++ = '\0';
    while (*start == ' ') start++;
    if (*start) {
      if (d->n_props == LS_KAFKA_MAX_PROPS) return ls_err_set(err, LS_EINVAL, "kafka.properties: more than %d entries", LS_KAFKA_MAX_PROPS);
      d->props[d->n_props++] = start;
    }
    start = out;
    if (*in == '\0') return LS_OK;
  }
}

static bool checkpoints(const struct daemon *d) { return !d->opts.replay && d->cfg.checkpoint.interval_s > 0; }

static void name_daemon(struct daemon *d) {
  d->role = ls_config_role(&d->cfg);
  snprintf(d->group, sizeof d->group, "%s%s%s", d->cfg.kafka.group_id, d->role ? "." : "", d->role ? ls_role_name(d->role) : "");
  ls_kafka_instance_name(d->cfg.checkpoint.name, d->name, sizeof d->name);
  snprintf(d->ck_key, sizeof d->ck_key, "%scheckpoint:%s:%s", d->cfg.redis.prefix, d->group, d->name);
  snprintf(d->txn_id, sizeof d->txn_id, "lockstepd-%s-%s", d->group, d->name);
}

/* The roles whose stage writes campaigns. */
static bool writes_campaigns(const struct daemon *d) { return d->role == LS_ROLE_ALL || d->role == LS_ROLE_CLUSTER; }

/* What the consumers read: the role's input topic and its records (0: tweets). */
static const char *input_topic(const struct daemon *d, enum ls_stage_kind *records) {
  *records = d->role == LS_ROLE_PAIR ? LS_STAGE_ACTION : d->role == LS_ROLE_CLUSTER ? LS_STAGE_PAIRSET : 0;
  return d->role == LS_ROLE_PAIR ? d->cfg.pipeline.actions_topic : d->role == LS_ROLE_CLUSTER ? d->cfg.pipeline.pairs_topic : d->cfg.kafka.input_topic;
}

/* Roles ingest and pair: the producer to the next stage's topic. */
static int open_stage_out(struct daemon *d, struct ls_err *err) {
  if (d->role != LS_ROLE_INGEST && d->role != LS_ROLE_PAIR) return LS_OK;
  struct ls_stage_out_conf oc = {d->cfg.kafka.brokers, d->role == LS_ROLE_INGEST ? d->cfg.pipeline.actions_topic : d->cfg.pipeline.pairs_topic,
                                 d->cfg.pipeline.compression, (const char *const *)d->props, d->n_props};
  int rc = ls_stage_out_create(&d->out, &oc, &d->log, err);
  if (rc == LS_OK) ls_pipeline_set_stage_out(d->pipeline, d->out);
  return rc;
}

static struct ls_redis_addr redis_addr(const struct ls_config *c) {
  return (struct ls_redis_addr){c->redis.host, c->redis.password, (int)c->redis.port, (int)c->redis.db, (int)c->redis.timeout_ms};
}

/* Each sink runs on a thread of its own (sink.h: ls_sink_thread_create). */
static int add_sink(struct daemon *d, struct ls_sink *s, struct ls_err *err) {
  int rc = ls_sink_thread_create(&d->sinks[d->n_sinks], s, err);
  if (rc == LS_OK) d->n_sinks++;
  return rc;
}

static int open_sinks(struct daemon *d, struct ls_err *err) {
  const struct ls_config *c = &d->cfg;
  int rc = LS_OK;
  if (!writes_campaigns(d)) return LS_OK;
  struct ls_sink *s;
  bool replay = d->opts.replay != NULL;
  if (!replay && c->redis.enabled) {
    struct ls_redis_conf rc_ = {redis_addr(c), c->redis.prefix, c->redis.closed_ttl_s, c->redis.stream_maxlen, checkpoints(d)};
    rc = ls_sink_redis_create(&s, &rc_, &d->log, err);
    if (rc == LS_OK) rc = add_sink(d, s, err);
  }
  if (rc == LS_OK && !replay && c->kafka.output_enabled) {
    struct ls_kafka_sink_conf kc = {c->kafka.brokers, c->kafka.output_topic, !strcmp(c->kafka.output_format, "json"),
                                    checkpoints(d) ? d->txn_id : NULL, c->kafka.epoch_topic, (const char *const *)d->props, d->n_props};
    rc = ls_sink_kafka_create(&s, &kc, &d->log, err);
    if (rc == LS_OK) rc = add_sink(d, s, err);
  }
  const char *file = c->output.file[0] ? c->output.file : replay ? "/dev/stdout" : NULL;
  if (rc == LS_OK && file && (rc = ls_sink_file_create(&s, file, &d->log, err)) == LS_OK) rc = add_sink(d, s, err);
  return rc;
}

static void decode_limits(const struct ls_config *c, struct ls_decode_limits *l) {
  ls_decode_limits_default(l);
  l->max_message_bytes = (size_t)c->input.max_message_bytes;
  l->max_text_bytes = (size_t)c->input.max_text_bytes;
  l->max_future_ms = c->input.max_future_s * 1000;
}

static size_t slot_bytes(const struct ls_config *c) { return (size_t)c->input.max_text_bytes * 2 + 4096; }

/* A ring slot for what the daemon reads: a tweet, or a stage record with its vector, partners,
 * evidence and the tweet read from it. */
static size_t input_slot_bytes(const struct daemon *d, uint32_t dim, uint32_t max_partners) {
  return slot_bytes(&d->cfg) + (d->role == LS_ROLE_PAIR || d->role == LS_ROLE_CLUSTER ? dim * sizeof(float) + max_partners * sizeof(struct ls_coaction) : 0);
}

static bool replay_finished(void *ud) { return ls_replay_finished(ud); }
static int64_t replay_clock(void *ud) { return ls_replay_clock_ms(ud); }
static bool kafka_finished(void *ud) { return ls_kafka_consumer_finished(ud); }
static int kafka_ack(void *ud, int32_t partition, int64_t next) { return ls_kafka_consumer_ack(ud, partition, next); }

static int open_replay(struct daemon *d, struct ls_err *err) {
  int rc = ls_ring_create(&d->rings[0], (size_t)d->cfg.input.ring_capacity, slot_bytes(&d->cfg), err);
  struct ls_replay_conf rc_ = {.path = d->opts.replay, .ring = d->rings[0], .dead_letter_path = d->opts.dead_letter,
                               .log = &d->log, .speed = d->opts.replay_speed};
  decode_limits(&d->cfg, &rc_.limits);
  if (rc == LS_OK) rc = ls_replay_open(&d->replay, &rc_, err);
  if (rc != LS_OK) return rc;
  struct ls_pipeline_source src = {d->rings[0], ls_replay_stats(d->replay), d->replay, replay_finished, NULL, replay_clock};
  rc = ls_pipeline_add_source(d->pipeline, &src, err);
  return rc == LS_OK ? ls_replay_start(d->replay, err) : rc;
}

static void sleep_s(double s) { nanosleep(&(struct timespec){(time_t)s, (long)((s - (time_t)s) * 1e9)}, NULL); }

/* Restores the checkpoint before any tweet is read: while Redis cannot answer, waits (a restart
 * must not forget the campaigns), telling systemd why and extending its start timeout; a
 * checkpoint that cannot be read, or a refusal no retry mends, is fatal. A stop while it waits
 * is not an error: nothing was read. */
static int open_checkpoint(struct daemon *d, struct ls_err *err) {
  if (!checkpoints(d)) return LS_OK;
  const struct ls_config *c = &d->cfg;
  struct ls_checkpoint_conf cc = {redis_addr(c), d->ck_key};
  int rc = ls_checkpoint_open(&d->ck, &cc, err);
  if (rc != LS_OK) return rc;
  ls_pipeline_set_checkpoint(d->pipeline, d->ck, (double)c->checkpoint.interval_s);
  ls_logf(&d->log, LS_LOG_INFO, "checkpoint", "every %lld s to redis %s:%lld key %s; transactional id %s", (long long)c->checkpoint.interval_s,
          c->redis.host, (long long)c->redis.port, d->ck_key, d->txn_id);
  for (int attempt = 1; !atomic_load(&g_stop); attempt++) {
    rc = ls_pipeline_restore(d->pipeline, err);
    if (rc != LS_EUNAVAIL) break;
    if (ls_log_sampled((unsigned long long)attempt))
      ls_logf(&d->log, LS_LOG_WARN, "checkpoint", "%s: waiting to restore before reading tweets (attempt %d)", err->msg, attempt);
    if (d->http) ls_http_publish(d->http, "", 0, true, false, "waiting for Redis to restore the checkpoint");
    double pause_s = attempt < 10 ? 0.5 : 2;
    sd_notifyf(0, "STATUS=waiting for Redis to restore the checkpoint (attempt %d)\nEXTEND_TIMEOUT_USEC=%.0f", attempt,
               (pause_s * 1000 + (double)c->redis.timeout_ms * 2 + 5000) * 1000);
    sleep_s(pause_s);
  }
  if (rc == LS_EUNAVAIL && atomic_load(&g_stop)) {
    ls_logf(&d->log, LS_LOG_INFO, "main", "stopped before the checkpoint was restored: no tweet was read");
    return LS_OK;
  }
  if (rc == LS_EINVAL) {
    char why[sizeof err->msg];
    snprintf(why, sizeof why, "%s", err->msg);
    return ls_err_set(err, LS_EINVAL, "%.300s (the key is %.150s: delete it to start empty)", why, d->ck_key);
  }
  memcpy(d->resume, ls_pipeline_positions(d->pipeline), sizeof d->resume);
  for (int q = 0; q < LS_MAX_PARTITIONS; q++) d->restored |= d->resume[q] >= 0;
  return rc;
}

static int open_consumers(struct daemon *d, struct ls_err *err) {
  const struct ls_config *c = &d->cfg;
  enum ls_stage_kind records;
  const char *topic = input_topic(d, &records);
  uint32_t dim, max_partners;
  ls_pipeline_record_limits(d->pipeline, &dim, &max_partners);
  size_t slot = input_slot_bytes(d, dim, max_partners);
  for (int i = 0; i < c->kafka.consumers; i++) {
    int rc = ls_ring_create(&d->rings[i], (size_t)c->input.ring_capacity, slot, err);
    if (rc != LS_OK) return rc;
    struct ls_kafka_conf kc = {.brokers = c->kafka.brokers, .group_id = d->group, .instance_id = c->kafka.instance_id, .topic = topic,
                               .records = records, .dim = dim, .max_partners = max_partners,
                               .dlq_topic = c->kafka.dlq_topic, .index = i, .session_timeout_ms = (int)c->kafka.session_timeout_ms,
                               .fetch_wait_max_ms = (int)c->kafka.fetch_wait_max_ms,
                               .queued_max_kbytes = (int)c->kafka.queued_max_kbytes, .order_wait_ms = (int)c->kafka.order_wait_ms, .offset_reset = c->kafka.offset_reset,
                               .n_props = d->n_props, .ring = d->rings[i], .log = &d->log,
                               .resume = d->restored ? d->resume : NULL, .n_resume = LS_MAX_PARTITIONS,
                               .checkpoint_key = checkpoints(d) ? d->ck_key : NULL}; /* activity and read marks travel with a partition */
    memcpy(kc.props, d->props, sizeof(char *) * (size_t)d->n_props);
    decode_limits(c, &kc.limits);
    rc = ls_kafka_consumer_create(&d->consumers[i], &kc, err);
    if (rc != LS_OK) return rc;
    d->n_consumers++;
    struct ls_pipeline_source src = {d->rings[i], ls_kafka_consumer_stats(d->consumers[i]), d->consumers[i], kafka_finished,
                                     kafka_ack, NULL};
    if ((rc = ls_pipeline_add_source(d->pipeline, &src, err)) != LS_OK) return rc;
  }
  ls_logf(&d->log, LS_LOG_INFO, "main", "role=%s group=%s topic=%s rings=%d capacity=%lld slot=%zuB memory=%.1fMiB", ls_role_name(d->role),
          d->group, topic, d->n_consumers, (long long)c->input.ring_capacity, slot, d->n_consumers * c->input.ring_capacity * slot / 1048576.0);
  for (int i = 0; i < d->n_consumers; i++) {
    int rc = ls_kafka_consumer_start(d->consumers[i], err);
    if (rc != LS_OK) return rc;
  }
  return LS_OK;
}

/* The Redis `stats` hash (metrics.c's table). */
static void publish_stats(struct daemon *d, const struct ls_pipeline_stats *st) {
  const char *fields[64];
  uint64_t values[64];
  int n = ls_metrics_stats_fields(st, fields, values, 64);
  for (int i = 0; i < d->n_sinks; i++)
    if (d->sinks[i]->i->publish_stats) d->sinks[i]->i->publish_stats(d->sinks[i], fields, values, n);
}

/* The systemd watchdog is fed only while the daemon does its work: the pipeline took records
 * since the last tick, or it is idle with no input waiting (or waiting for a backlogged sink,
 * which a restart would not mend) and no source stuck on one message
 * (longer than STUCK_MESSAGE_S); a stall lets WatchdogSec run out, and systemd restarts it. */
static bool feed_watchdog(struct daemon *d, const struct ls_pipeline_stats *st) {
  uint64_t taken = st->tweets + st->duplicates + st->replayed + st->received;
  bool progress = taken != d->last_taken, idle = (st->backlog == 0 || st->sinks_backlogged) && st->longest_message_s < STUCK_MESSAGE_S;
  d->last_taken = taken;
  if (progress || idle) sd_notify(0, "WATCHDOG=1");
  else if (!d->stuck_logged)
    ls_logf(&d->log, LS_LOG_ERROR, "main", "no progress: %" PRIu64 " tweets waiting, a message decoding for %.0f s: the watchdog is not fed",
            st->backlog, st->longest_message_s);
  d->stuck_logged = !(progress || idle);
  return progress || idle;
}

/* /readyz: every consumer has partitions, and no sink holds back the reading (Redis or the
 * output topic slow or away). The model is loaded and the checkpoint restored before the first
 * tick. */
static bool ready(const struct daemon *d, const struct ls_pipeline_stats *st, char *why, size_t cap) {
  for (int i = 0; i < d->n_consumers; i++)
    if (atomic_load(&ls_kafka_consumer_stats(d->consumers[i])->assigned) == 0)
      return snprintf(why, cap, "consumer %d has no partitions assigned (kafka.brokers, kafka.group_id)", i), false;
  if (st->sinks_backlogged)
    return snprintf(why, cap, "a sink holds %" PRIu64 " events, half of output.max_pending: Redis or the output topic is slow or away", st->sink_pending), false;
  return true;
}

/* Renders /metrics and the probes' state for the HTTP thread. */
static void publish_http(struct daemon *d, const struct ls_pipeline_stats *st, bool live) {
  if (!d->http) return;
  struct ls_pipeline_stats shown = *st;
  size_t used[LS_MAX_SOURCES];
  int n_rings = 0;
  for (; n_rings < LS_MAX_SOURCES && d->rings[n_rings]; n_rings++) used[n_rings] = ls_ring_readable(d->rings[n_rings]);
  shown.memory_bytes[LS_MEM_RINGS] = (uint64_t)n_rings * (uint64_t)d->cfg.input.ring_capacity * slot_bytes(&d->cfg);
  int n_lag = 0;
  for (int i = 0; i < d->n_consumers; i++) n_lag += ls_kafka_consumer_lag(d->consumers[i], d->lag + n_lag, LS_MAX_PARTITIONS - n_lag);
  char why[256] = "";
  bool is_ready = ready(d, st, why, sizeof why);
  struct ls_metrics_context ctx = {LS_VERSION, d->be->i->name, d->be->device, d->replay ? "replay" : "kafka", ls_clock_s() - d->started,
                                   n_rings, used, (size_t)d->cfg.input.ring_capacity, d->lag, n_lag, is_ready};
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) return;
  ls_metrics_render(&shown, &ctx, f);
  if (fclose(f) == 0) ls_http_publish(d->http, text, len, live, is_ready, live ? why : "no progress: the pipeline is stuck on a message or a batch");
  free(text);
}

/* SIGHUP: the keys that change live take effect; the others are named once and kept, as is the
 * whole running configuration when the new one does not load. */
static void reload(struct daemon *d) {
  struct ls_config fresh;
  struct ls_err err;
  sd_notify(0, "RELOADING=1");
  if (read_config(&d->opts, &fresh, &err) != LS_OK) {
    ls_logf(&d->log, LS_LOG_ERROR, "reload", "%s: the running configuration is kept", err.msg);
  } else {
    char live[1024], fixed[1024];
    int n = ls_config_reload(&d->cfg, &fresh, live, sizeof live, fixed, sizeof fixed);
    if (fixed[0]) ls_logf(&d->log, LS_LOG_WARN, "reload", "changed but only a restart applies them, kept as they were: %s", fixed);
    if (n) {
      d->log.min_level = level_of(d->cfg.output.level);
      ls_pipeline_reconfigure(d->pipeline, &d->cfg);
    }
    ls_logf(&d->log, LS_LOG_INFO, "reload", "%s%s", n ? "in effect: " : "no key that changes live changed", live);
  }
  sd_notify(0, "READY=1");
}

static void on_tick(void *ud, struct ls_pipeline *p) {
  struct daemon *d = ud;
  if (atomic_exchange(&g_reload, false)) reload(d);
  double now = ls_clock_s();
  struct ls_pipeline_stats stats, *st = &stats;
  ls_pipeline_progress(p, st);
  publish_http(d, st, feed_watchdog(d, st));
  if (now - d->last_metrics < (double)d->cfg.output.interval_s) return;
  ls_pipeline_stats(p, st);
  double rate = (st->tweets - d->last_tweets) / (now - d->last_metrics);
  d->last_metrics = now;
  d->last_tweets = st->tweets;
  char progress[64] = "";
  if (d->replay) {
    uint64_t done, total;
    ls_replay_progress(d->replay, &done, &total);
    snprintf(progress, sizeof progress, " progress=%.1f%%", total ? 100.0 * done / total : 100.0);
  }
  ls_logf(&d->log, LS_LOG_INFO, "stats",
          "tweets=%" PRIu64 " rate=%.0f/s%s duplicates=%" PRIu64 " rejected=%" PRIu64 " backlog=%" PRIu64
          " campaigns_active=%u campaigns_opened=%" PRIu64 " operations=%u edges=%" PRIu64 " suppressed=%" PRIu64 " evictions=%" PRIu64 "%s",
          st->tweets, rate, progress, st->duplicates, st->rejected, st->backlog, st->campaigns_active,
          st->campaigns_opened, st->operations, st->edges_live, st->suppressed, st->evictions, st->offsets_held ? " offsets_held=1" : "");
  sd_notifyf(0, "STATUS=%" PRIu64 " tweets, %.0f/s, %u active campaigns", st->tweets, rate, st->campaigns_active);
  publish_stats(d, st);
}

/* Consumers finish the message they are on while the pipeline keeps draining their rings (a page
 * of tweets is never cut in two); then the last batch, flush, acknowledgement and commit. */
static void shutdown_kafka(struct daemon *d) {
  atomic_bool no_stop = false; /* this run ends when every consumer has finished and its ring is empty */
  for (int i = 0; i < d->n_consumers; i++) ls_kafka_consumer_request_stop(d->consumers[i]);
  ls_pipeline_run(d->pipeline, &no_stop, on_tick, d);
  for (int i = 0; i < d->n_consumers; i++) ls_kafka_consumer_stop(d->consumers[i]);
  ls_pipeline_drain(d->pipeline, false, 10000);
  struct ls_err err;
  for (int i = 0; i < d->n_consumers; i++)
    if (ls_kafka_consumer_commit(d->consumers[i], &err) != LS_OK) ls_logf(&d->log, LS_LOG_ERROR, "main", "%s", err.msg);
}

/* Final counters first: they read the sources' statistics, which die with the sources. */
static void report_final(struct daemon *d) {
  if (!d->pipeline) return;
  struct ls_pipeline_stats st;
  ls_pipeline_stats(d->pipeline, &st);
  publish_stats(d, &st);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double secs = ls_clock_s() - d->started;
  ls_logf(&d->log, LS_LOG_INFO, "main", "done tweets=%" PRIu64 " duplicates=%" PRIu64 " rejected=%" PRIu64
          " actions=%" PRIu64 " text_copies=%" PRIu64 " pair_sets=%" PRIu64 " pair_revisions=%" PRIu64 " campaigns_opened=%" PRIu64 " events=%" PRIu64 " cluster_runs=%" PRIu64
          " seconds=%.2f rate=%.0f/s peak_rss_mib=%.1f",
          st.tweets, st.duplicates, st.rejected, st.actions, st.text_copies, st.pair_sets, st.pair_revisions, st.campaigns_opened,
          st.events_open + st.events_updated + st.events_closed, st.cluster_runs,
          secs, secs > 0 ? st.tweets / secs : 0, ru.ru_maxrss / 1024.0);
}

/* --- --export-edges ---------------------------------------------------------------------------- */

static int open_export(struct daemon *d, struct ls_err *err) {
  if (!d->opts.export_edges) return LS_OK;
  int64_t window[LS_SIG_COUNT];
  double min_weight[LS_SIG_COUNT];
  for (int s = 0; s < LS_SIG_COUNT; s++) {
    window[s] = d->cfg.signal[s].window_s * 1000;
    min_weight[s] = d->cfg.signal[s].enabled ? d->cfg.signal[s].min_weight : 0;
  }
  int rc = ls_export_create(&d->export, window, min_weight, err);
  if (rc == LS_OK) ls_pipeline_set_export(d->pipeline, d->export);
  return rc;
}

/* FILE.csv → FILE.graphml; any other name gets .graphml appended. */
static void graphml_path(const char *csv, char *out, size_t cap) {
  size_t n = strlen(csv);
  if (n > 4 && !strcmp(csv + n - 4, ".csv")) snprintf(out, cap, "%.*s.graphml", (int)(n - 4), csv);
  else snprintf(out, cap, "%s.graphml", csv);
}

static int write_export(struct daemon *d) {
  if (!d->export) return LS_OK;
  char graphml[4096];
  graphml_path(d->opts.export_edges, graphml, sizeof graphml);
  uint64_t edges = 0;
  struct ls_err err;
  if (ls_export_write(d->export, d->opts.export_edges, graphml, &edges, &err) != LS_OK) {
    ls_logf(&d->log, LS_LOG_ERROR, "export", "%s", err.msg);
    return LS_EIO;
  }
  ls_logf(&d->log, LS_LOG_INFO, "export", "edges=%" PRIu64 " csv=%s graphml=%s", edges, d->opts.export_edges, graphml);
  return LS_OK;
}

/* A replay is a tool run beside the service: an address in use only costs it the endpoint. */
static int open_http(struct daemon *d, struct ls_err *err) {
  const struct ls_config *c = &d->cfg;
  if (!c->http.listen[0]) return LS_OK;
  struct ls_http_conf hc = {c->http.listen, (int)c->http.max_connections, (int)c->http.timeout_s};
  int rc = ls_http_start(&d->http, &hc, &d->log, err);
  if (rc == LS_OK || !d->opts.replay) return rc;
  ls_logf(&d->log, LS_LOG_WARN, "http", "%s: replaying without it", err->msg);
  return LS_OK;
}

static void close_http(struct daemon *d) {
  if (!d->http) return;
  ls_logf(&d->log, LS_LOG_INFO, "http", "answered %llu requests", ls_http_requests(d->http));
  ls_http_stop(d->http);
  d->http = NULL;
}

static void teardown(struct daemon *d) {
  close_http(d);
  report_final(d);
  for (int i = 0; i < d->n_consumers; i++) ls_kafka_consumer_destroy(d->consumers[i]);
  ls_replay_close(d->replay);
  ls_pipeline_destroy(d->pipeline);
  ls_stage_out_destroy(d->out);
  ls_export_destroy(d->export);
  ls_checkpoint_close(d->ck);
  for (int i = 0; i < d->n_sinks; i++) ls_sink_destroy(d->sinks[i]);
  for (int i = 0; i < LS_MAX_SOURCES; i++) ls_ring_destroy(d->rings[i]);
  ls_backend_close(d->be);
}

static int run(struct daemon *d) {
  struct ls_err err;
  name_daemon(d);
  int rc = split_props(d, &err);
  if (rc == LS_OK && d->opts.replay && d->role != LS_ROLE_ALL)
    rc = ls_err_set(&err, LS_EINVAL, "pipeline.role = %s reads and writes Kafka topics: --replay runs every stage (pipeline.role = all)", ls_role_name(d->role));
  if (rc == LS_OK) rc = open_http(d, &err);
  if (rc == LS_OK) rc = ls_backend_open(&d->be, d->cfg.embed.backend, &d->log, &err);
  if (rc == LS_OK) {
    ls_logf(&d->log, LS_LOG_INFO, "main", "lockstepd %s backend=%s device=\"%s\" mode=%s", LS_VERSION, d->be->i->name,
            d->be->device, d->opts.replay ? "replay" : "kafka");
    rc = open_sinks(d, &err);
  }
  if (rc == LS_OK) rc = ls_pipeline_create(&d->pipeline, &d->cfg, d->be, d->sinks, d->n_sinks, &d->log, &err);
  if (rc == LS_OK) rc = open_export(d, &err);
  if (rc == LS_OK) rc = open_stage_out(d, &err);
  if (rc == LS_OK) rc = open_checkpoint(d, &err);
  if (rc == LS_OK && atomic_load(&g_stop)) {
    teardown(d);
    return 0;
  }
  if (rc == LS_OK) rc = d->opts.replay ? open_replay(d, &err) : open_consumers(d, &err);
  if (rc != LS_OK) {
    ls_logf(&d->log, LS_LOG_ERROR, "main", "%s", err.msg);
    teardown(d);
    return 1;
  }
  sd_notify(0, "READY=1\nSTATUS=running");
  ls_pipeline_run(d->pipeline, &g_stop, on_tick, d);
  sd_notify(0, "STOPPING=1");
  if (atomic_load(&g_stop)) ls_logf(&d->log, LS_LOG_INFO, "main", "signal received: draining, flushing sinks, committing offsets");
  if (d->replay) {
    ls_replay_stop(d->replay);
    rc = ls_pipeline_drain(d->pipeline, !atomic_load(&g_stop), 10000);
    if (write_export(d) != LS_OK) rc = LS_EIO;
  } else {
    shutdown_kafka(d);
  }
  teardown(d);
  return rc == LS_OK ? 0 : 1;
}

int main(int argc, char **argv) {
  static struct daemon d; /* large; zero-initialised */
  int rc = parse_args(argc, argv, &d.opts);
  if (rc) return rc < 0 ? 0 : rc;
  if (d.opts.print_config) {
    ls_config_print_defaults(stdout);
    return 0;
  }
  if ((rc = load_config(&d.opts, &d.cfg))) return rc;
  if (d.opts.check_config) {
    ls_config_print(&d.cfg, stdout);
    return 0;
  }
  d.log = (struct ls_log){.fn = log_line, .min_level = level_of(d.cfg.output.level)};
  struct sigaction sa = {.sa_handler = on_signal};
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  d.started = d.last_metrics = ls_clock_s();
  return run(&d);
}
