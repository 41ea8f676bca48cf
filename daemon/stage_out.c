/* stage_out.c — stage records to the next stage's topic (see stage_out.h). Deliveries are
 * counted in librdkafka's callback on the pipeline thread (rd_kafka_poll), so the counters need
 * no lock. The source id is random per process: a restarted daemon is a new source, and the
 * readers stop waiting for the old one once it falls silent. A heartbeat thread repeats the last
 * watermark while the pipeline thread is inside one long step (the mark's state is under a mutex;
 * librdkafka's producer is thread-safe), so that a busy stage is not taken for a dead one. */
#include "lockstep/stage_out.h"

#include <librdkafka/rdkafka.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "lockstep/clock.h"
#include "lockstep/kafka.h"

#define SETTLE_EVERY_S 0.5 /* records in flight longer than this are waited for */
#define MARK_EVERY_S 0.05  /* watermarks to every partition */
#define IDLE_AFTER_S 1.0   /* a stage that read nothing for this long says it is idle */
#define BEAT_AFTER_S 0.1   /* the heartbeat repeats the last watermark once the pipeline sent none for this long */
#define IDLE_EVERY_S 1.0   /* an idle stage repeats its idle mark this seldom (readers do not wait for it) */

struct ls_stage_out {
  rd_kafka_t *rk;
  rd_kafka_topic_t *topic;
  const struct ls_log *log;
  char name[256];
  int32_t partitions;
  struct ls_stage_out_stats st;
  uint64_t reported; /* records with a delivery report, delivered or not (watermarks are not records) */
  double last_settled, last_busy;
  char source[17]; /* LS_STAGE_SOURCE_HEADER's value: 16 hex digits */
  /* the watermarks, shared with the heartbeat thread */
  pthread_mutex_t mu;
  double last_mark;        /* under mu */
  int64_t watermark;       /* under mu: the last the pipeline gave */
  bool idle;               /* under mu: the last mark said idle */
  bool marked;             /* under mu: the pipeline sent a mark (the heartbeat repeats only what it said) */
  _Atomic bool sent;       /* a record was sent since the last mark */
  _Atomic bool stopping;   /* the heartbeat thread exits */
  pthread_t beat;
  bool beating;
};

static char mark_opaque; /* a watermark's msg_opaque: its delivery is not a record's */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  struct ls_stage_out *o = opaque;
  if (m->_private == &mark_opaque) return; /* a lost watermark is superseded by the next */
  o->reported++;
  if (!m->err) {
    o->st.delivered++;
    return;
  }
  o->st.failed++;
  if (ls_log_sampled(o->st.failed))
    ls_logf(o->log, LS_LOG_ERROR, "stage", "record to %s not delivered: %s (failed_total=%llu)", o->name, rd_kafka_err2str(m->err),
            (unsigned long long)o->st.failed);
}

static void on_error(rd_kafka_t *rk, int code, const char *reason, void *opaque) {
  (void)rk;
  struct ls_stage_out *o = opaque;
  if (code == RD_KAFKA_RESP_ERR__TRANSPORT) return; /* each reconnect attempt: ALL_BROKERS_DOWN says it once */
  ls_logf(o->log, code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ? LS_LOG_ERROR : LS_LOG_WARN, "stage", "producer to %s: %s", o->name, reason);
}

static int open_producer(struct ls_stage_out *o, const struct ls_stage_out_conf *conf, struct ls_err *err) {
  char brokers[1100];
  snprintf(brokers, sizeof brokers, "bootstrap.servers=%s", conf->brokers);
  const char *props[] = {brokers, "client.id=lockstepd-stages", "enable.idempotence=true", "linger.ms=5", "message.timeout.ms=0"};
  rd_kafka_conf_t *kc = rd_kafka_conf_new();
  rd_kafka_conf_set_opaque(kc, o);
  rd_kafka_conf_set_dr_msg_cb(kc, on_delivery);
  rd_kafka_conf_set_error_cb(kc, on_error);
  int rc = ls_kafka_conf_apply(kc, props, 5, err);
  char errstr[512];
  if (rc == LS_OK && rd_kafka_conf_set(kc, "compression.codec", conf->compression, errstr, sizeof errstr) != RD_KAFKA_CONF_OK)
    rc = ls_err_set(err, LS_EINVAL, "pipeline.compression: %s", errstr);
  if (rc == LS_OK) rc = ls_kafka_conf_apply(kc, conf->props, conf->n_props, err);
  if (rc == LS_OK && !(o->rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, sizeof errstr)))
    rc = ls_err_set(err, LS_EINVAL, "stage producer: %s", errstr);
  if (rc != LS_OK && !o->rk) rd_kafka_conf_destroy(kc);
  return rc;
}

static int read_partitions(struct ls_stage_out *o, struct ls_err *err) {
  o->topic = rd_kafka_topic_new(o->rk, o->name, NULL);
  const struct rd_kafka_metadata *md = NULL;
  rd_kafka_resp_err_t e = o->topic ? rd_kafka_metadata(o->rk, 0, o->topic, &md, 10000) : RD_KAFKA_RESP_ERR__INVALID_ARG;
  if (!e && md->topic_cnt == 1) {
    e = md->topics[0].err;
    o->partitions = md->topics[0].partition_cnt;
  }
  if (md) rd_kafka_metadata_destroy(md);
  if (e || o->partitions <= 0)
    return ls_err_set(err, LS_EUNAVAIL, "stage topic %s: %s (create it before starting the stages; see pipeline.role)", o->name,
                      e ? rd_kafka_err2str(e) : "no partitions");
  return LS_OK;
}

static void send_mark(struct ls_stage_out *o, const char *value) {
  for (int32_t q = 0; q < o->partitions; q++) {
    rd_kafka_resp_err_t e = rd_kafka_producev(o->rk, RD_KAFKA_V_RKT(o->topic), RD_KAFKA_V_PARTITION(q), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                              RD_KAFKA_V_OPAQUE(&mark_opaque),
                                              RD_KAFKA_V_HEADER(LS_STAGE_SOURCE_HEADER, o->source, -1),
                                              RD_KAFKA_V_HEADER(LS_STAGE_MARK_HEADER, value, -1), RD_KAFKA_V_END);
    if (e) return; /* the queue is full: the next watermark says the same */
  }
}

/* Seconds until a mark is due after the last: an idle mark already said and nothing sent since
 * is repeated only every IDLE_EVERY_S (watermarks to every partition 20 times a second from
 * every idle producer were most of what a drained broker served). Under mu. */
static double mark_interval(const struct ls_stage_out *o, bool idle, double every) {
  return idle && o->idle && !atomic_load(&o->sent) ? IDLE_EVERY_S : every;
}

/* Repeats the last watermark (idle only if nothing was sent since) while the pipeline thread is
 * busy in one step; a stopped or killed process stops repeating it. */
static void *heartbeat(void *arg) {
  struct ls_stage_out *o = arg;
  while (!atomic_load(&o->stopping)) {
    nanosleep(&(struct timespec){0, (long)(MARK_EVERY_S * 1e9)}, NULL);
    pthread_mutex_lock(&o->mu);
    double now = ls_clock_s();
    if (o->marked && now - o->last_mark >= mark_interval(o, o->idle, BEAT_AFTER_S)) {
      char value[24] = "idle";
      if (!o->idle || atomic_load(&o->sent)) snprintf(value, sizeof value, "%lld", (long long)o->watermark);
      o->last_mark = now;
      send_mark(o, value);
    }
    pthread_mutex_unlock(&o->mu);
  }
  return NULL;
}

int ls_stage_out_create(struct ls_stage_out **out, const struct ls_stage_out_conf *conf, const struct ls_log *log, struct ls_err *err) {
  struct ls_stage_out *o = calloc(1, sizeof *o);
  if (!o) return ls_err_set(err, LS_ENOMEM, "stage producer: out of memory");
  pthread_mutex_init(&o->mu, NULL);
  o->log = log;
  snprintf(o->name, sizeof o->name, "%s", conf->topic);
  int rc = open_producer(o, conf, err);
  if (rc == LS_OK) rc = read_partitions(o, err);
  if (rc != LS_OK) {
    ls_stage_out_destroy(o);
    return rc;
  }
  o->last_settled = o->last_mark = o->last_busy = ls_clock_s();
  uint64_t id = 0;
  if (getrandom(&id, sizeof id, 0) != sizeof id) id = (uint64_t)time(NULL) << 20 ^ (uint64_t)getpid();
  snprintf(o->source, sizeof o->source, "%016llx", (unsigned long long)(id | 1));
  o->beating = pthread_create(&o->beat, NULL, heartbeat, o) == 0;
  if (!o->beating) {
    ls_stage_out_destroy(o);
    return ls_err_set(err, LS_ENOMEM, "stage producer: cannot start the heartbeat thread");
  }
  ls_logf(log, LS_LOG_INFO, "stage", "sending to %s (%d partitions) as source %s", o->name, o->partitions, o->source);
  *out = o;
  return LS_OK;
}

void ls_stage_out_progress(struct ls_stage_out *o, int64_t watermark_ms, bool busy) {
  double now = ls_clock_s();
  if (busy) o->last_busy = now;
  pthread_mutex_lock(&o->mu);
  o->watermark = watermark_ms;
  bool idle = now - o->last_busy >= IDLE_AFTER_S;
  if (now - o->last_mark >= mark_interval(o, idle, MARK_EVERY_S)) {
    o->last_mark = now;
    o->marked = true;
    o->idle = idle;
    atomic_store(&o->sent, false);
    char value[24] = "idle";
    if (!o->idle) snprintf(value, sizeof value, "%lld", (long long)watermark_ms);
    send_mark(o, value);
  }
  pthread_mutex_unlock(&o->mu);
  rd_kafka_poll(o->rk, 0);
}

void ls_stage_out_destroy(struct ls_stage_out *o) {
  if (!o) return;
  atomic_store(&o->stopping, true);
  if (o->beating) pthread_join(o->beat, NULL);
  if (o->rk && o->topic) send_mark(o, "idle"); /* the readers need not wait for this source */
  if (o->rk && rd_kafka_flush(o->rk, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR)
    ls_logf(o->log, LS_LOG_ERROR, "stage", "%d records to %s not delivered at exit", rd_kafka_outq_len(o->rk), o->name);
  if (o->topic) rd_kafka_topic_destroy(o->topic);
  if (o->rk) rd_kafka_destroy(o->rk);
  pthread_mutex_destroy(&o->mu);
  free(o);
}

int32_t ls_stage_out_partitions(const struct ls_stage_out *o) { return o->partitions; }

void ls_stage_out_send(struct ls_stage_out *o, int32_t partition, uint64_t key, const struct ls_stage_buf *rec, int64_t t_ms) {
  for (;;) {
    rd_kafka_resp_err_t e = rd_kafka_producev(o->rk, RD_KAFKA_V_RKT(o->topic), RD_KAFKA_V_PARTITION(partition),
                                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_KEY(&key, sizeof key),
                                              RD_KAFKA_V_HEADER(LS_STAGE_SOURCE_HEADER, o->source, -1),
                                              RD_KAFKA_V_VALUE(rec->buf, rec->len), RD_KAFKA_V_TIMESTAMP(t_ms), RD_KAFKA_V_END);
    if (e != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      if (e) {
        o->st.failed++;
        ls_logf(o->log, LS_LOG_ERROR, "stage", "record to %s refused: %s", o->name, rd_kafka_err2str(e));
      } else {
        o->st.sent++;
        atomic_store(&o->sent, true);
      }
      break;
    }
    rd_kafka_poll(o->rk, 10);
  }
  rd_kafka_poll(o->rk, 0);
}

/* Records, not watermarks: those are sent every MARK_EVERY_S, so the queue is seldom empty. */
bool ls_stage_out_settled(struct ls_stage_out *o, int timeout_ms) {
  rd_kafka_poll(o->rk, 0);
  double now = ls_clock_s();
  if (o->reported < o->st.sent && now - o->last_settled >= SETTLE_EVERY_S) rd_kafka_flush(o->rk, timeout_ms);
  bool settled = o->reported == o->st.sent;
  if (settled) o->last_settled = now;
  return settled;
}

void ls_stage_out_stats(const struct ls_stage_out *o, struct ls_stage_out_stats *st) { *st = o->st; }
