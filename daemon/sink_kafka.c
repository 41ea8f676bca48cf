/* sink_kafka.c — campaign events to the Kafka output topic through an idempotent producer
 * (enable.idempotence: ordered, no duplicates from retries). Key = campaign id, so every version
 * of a campaign lands in one partition, in order. Value: protobuf lockstep.Campaign or JSON.
 * Delivery is asynchronous; flush() reports LS_OK only when nothing is in flight, and the
 * producer retries without limit while the cluster is unreachable (message.timeout.ms=0).
 * With a transactional id (checkpoints on), each epoch is one transaction: the epoch's events
 * are kept, serialised, and go into the checkpoint; once it is stored, commit() sends them, each
 * with its epoch in the lockstep-epoch header, and a marker on the epoch topic in one
 * transaction and commits it, and recover() reads the marker back (read_committed) to send an
 * epoch again when the daemon died before its commit. Sending only at the commit (not as events
 * come), and the marker only once they are delivered, keeps readers exact also on brokers whose
 * isolation is incomplete (librdkafka 2.0's mock cluster shows a transaction's messages as they
 * land and does not abort a dead producer's): there, an epoch whose marker landed has landed
 * whole, and one whose marker did not is sent again (the first copy, which Kafka aborts, stays
 * visible there: the same (id, version), with the same epoch header). */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/kafka.h"
#include "lockstep/sink.h"

struct kafka_sink {
  rd_kafka_t *rk;
  char topic[256], txn_id[256], epoch_topic[256], brokers[1100];
  bool json;
  struct ls_jw jw;
  uint8_t *buf;
  size_t cap;
  /* transactional only: the epoch's events as records (u32 key length, u32 value length, key,
   * value); those before sent are in the open transaction */
  struct ls_snap epoch;
  size_t sent;
  bool inited, in_txn;
};

#define TXN_TIMEOUT_MS 30000 /* how long a commit, an abort or the start of recovery may take */

static void on_delivery(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
  (void)rk;
  struct ls_sink *s = opaque;
  if (m->err) {
    s->failed++;
    if (ls_log_sampled(s->failed))
      ls_logf(s->log, LS_LOG_ERROR, "kafka", "campaign event not delivered: %s failed_total=%llu", rd_kafka_err2str(m->err),
              (unsigned long long)s->failed);
  } else {
    s->written++;
  }
}

static void on_error(rd_kafka_t *rk, int code, const char *reason, void *opaque) {
  (void)rk;
  struct ls_sink *s = opaque;
  if (code == RD_KAFKA_RESP_ERR__TRANSPORT) return; /* each reconnect attempt: ALL_BROKERS_DOWN says it once */
  ls_logf(s->log, code == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN ? LS_LOG_ERROR : LS_LOG_WARN, "kafka",
          "campaigns producer error=\"%s\"", reason);
}

static void on_log(const rd_kafka_t *rk, int level, const char *fac, const char *buf) {
  struct ls_sink *s = rd_kafka_opaque(rk);
  if (level <= 2) ls_logf(s->log, LS_LOG_ERROR, "kafka", "librdkafka %s: %s", fac, buf);
}

/* Encodes the event as the topic's value: its bytes in *value, or 0 when out of memory. */
static size_t encode(struct kafka_sink *k, const struct ls_campaign_event *e, const void **value) {
  if (k->json) {
    ls_jw_reset(&k->jw);
    ls_campaign_to_json(e, &k->jw);
    *value = k->jw.buf;
    return k->jw.oom ? 0 : k->jw.len;
  }
  size_t len = ls_campaign_to_protobuf(e, &k->buf, &k->cap); /* may move the buffer */
  *value = k->buf;
  return len;
}

/* Queues one record; epoch (NULL: none) goes in its LS_EPOCH_HEADER header. */
static int produce(struct ls_sink *s, const char *topic, const void *key, size_t klen, const void *value, size_t len, const char *epoch) {
  struct kafka_sink *k = s->ctx;
  rd_kafka_headers_t *h = epoch ? rd_kafka_headers_new(1) : NULL;
  if (h) rd_kafka_header_add(h, LS_EPOCH_HEADER, -1, epoch, -1);
  for (int attempt = 0;; attempt++) {
    rd_kafka_resp_err_t err = rd_kafka_producev(k->rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                                RD_KAFKA_V_KEY((void *)key, klen), RD_KAFKA_V_VALUE((void *)value, len),
                                                RD_KAFKA_V_HEADERS(h), RD_KAFKA_V_END);
    if (!err) return LS_OK; /* the message owns the headers */
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || attempt == 100) {
      ls_logf(s->log, LS_LOG_ERROR, "kafka", "cannot enqueue to %s (key %.*s): %s", topic, (int)klen, (const char *)key,
              rd_kafka_err2str(err));
      if (h) rd_kafka_headers_destroy(h);
      return LS_EFULL;
    }
    rd_kafka_poll(k->rk, 100);
  }
}

/* Logs a transaction error (once per kind in a row) and frees it. */
static void txn_failed(struct ls_sink *s, rd_kafka_error_t *e, const char *what) {
  ls_logf(s->log, rd_kafka_error_is_retriable(e) ? LS_LOG_WARN : LS_LOG_ERROR, "kafka", "%s: %s%s", what, rd_kafka_error_string(e),
          rd_kafka_error_is_fatal(e) ? " (fatal: restart the daemon)" : "");
  rd_kafka_error_destroy(e);
}

/* The producer's transactions initialised (fencing a previous instance) and, when begin, one
 * open; false while the cluster cannot be reached within timeout_ms (tried again later). */
static bool txn_ready(struct ls_sink *s, int timeout_ms, bool begin) {
  struct kafka_sink *k = s->ctx;
  rd_kafka_error_t *e;
  if (!k->inited) {
    if ((e = rd_kafka_init_transactions(k->rk, timeout_ms))) {
      if (rd_kafka_error_code(e) == RD_KAFKA_RESP_ERR__TIMED_OUT) rd_kafka_error_destroy(e); /* resumed by the next call */
      else txn_failed(s, e, "init_transactions");
      return false;
    }
    k->inited = true;
  }
  if (begin && !k->in_txn) {
    if ((e = rd_kafka_begin_transaction(k->rk))) {
      txn_failed(s, e, "begin_transaction");
      return false;
    }
    k->in_txn = true;
    k->sent = 0;
  }
  return true;
}

/* Sends the epoch's records not yet in the open transaction, each with the epoch's number. */
static void send_epoch(struct ls_sink *s, const char *epoch) {
  struct kafka_sink *k = s->ctx;
  while (k->sent < k->epoch.len) {
    uint32_t kl, vl;
    const uint8_t *r = k->epoch.buf + k->sent;
    memcpy(&kl, r, sizeof kl);
    memcpy(&vl, r + sizeof kl, sizeof vl);
    const uint8_t *key = r + 2 * sizeof kl;
    if (produce(s, k->topic, key, kl, key + kl, vl, epoch) != LS_OK) return;
    k->sent += 2 * sizeof kl + kl + vl;
  }
}

static int kafka_write(struct ls_sink *s, const struct ls_campaign_event *e) {
  struct kafka_sink *k = s->ctx;
  const void *value;
  size_t len = encode(k, e, &value);
  if (len == 0) {
    s->failed++;
    return LS_ENOMEM;
  }
  if (!k->txn_id[0]) {
    int rc = produce(s, k->topic, e->id, strlen(e->id), value, len, NULL);
    if (rc != LS_OK) s->failed++;
    return rc;
  }
  uint32_t kl = (uint32_t)strlen(e->id), vl = (uint32_t)len;
  ls_snap_put(&k->epoch, &kl, sizeof kl);
  ls_snap_put(&k->epoch, &vl, sizeof vl);
  ls_snap_put(&k->epoch, e->id, kl);
  ls_snap_put(&k->epoch, value, vl);
  if (k->epoch.oom) {
    s->failed++;
    ls_logf(s->log, LS_LOG_ERROR, "kafka", "out of memory for the epoch's events: %s dropped", e->id);
    return LS_ENOMEM;
  }
  return LS_OK; /* sent with the commit */
}

static int kafka_flush(struct ls_sink *s, int timeout_ms) {
  struct kafka_sink *k = s->ctx;
  if (timeout_ms > 0) rd_kafka_flush(k->rk, timeout_ms);
  else rd_kafka_poll(k->rk, 0);
  return rd_kafka_outq_len(k->rk) == 0 ? LS_OK : LS_EUNAVAIL; /* an epoch's events wait in the checkpoint */
}

/* In flight, and (transactional) the epoch's events kept for its commit. */
static size_t kafka_held(struct ls_sink *s) {
  struct kafka_sink *k = s->ctx;
  size_t n = (size_t)rd_kafka_outq_len(k->rk);
  for (size_t at = k->sent; at + 2 * sizeof(uint32_t) <= k->epoch.len; n++) {
    uint32_t kl, vl;
    memcpy(&kl, k->epoch.buf + at, sizeof kl);
    memcpy(&vl, k->epoch.buf + at + sizeof kl, sizeof vl);
    at += 2 * sizeof kl + kl + vl;
  }
  return n;
}

static void kafka_pending(struct ls_sink *s, struct ls_snap *w) {
  struct kafka_sink *k = s->ctx;
  ls_snap_u64(w, k->epoch.len);
  ls_snap_put(w, k->epoch.buf, k->epoch.len);
}

static int kafka_commit(struct ls_sink *s, uint64_t epoch, struct ls_err *err) {
  struct kafka_sink *k = s->ctx;
  char value[24];
  int n = snprintf(value, sizeof value, "%llu", (unsigned long long)epoch);
  if (!txn_ready(s, TXN_TIMEOUT_MS, true)) return ls_err_set(err, LS_EUNAVAIL, "kafka: no transaction for epoch %s", value);
  send_epoch(s, value);
  uint64_t failed = s->failed;
  /* the events delivered before the marker: on a broker that shows a transaction's messages as
   * they arrive (the embedded one), a marker never stands for events that did not land */
  if (k->sent < k->epoch.len || rd_kafka_flush(k->rk, TXN_TIMEOUT_MS) != RD_KAFKA_RESP_ERR_NO_ERROR || s->failed != failed ||
      produce(s, k->epoch_topic, k->txn_id, strlen(k->txn_id), value, (size_t)n, NULL) != LS_OK)
    return ls_err_set(err, LS_EUNAVAIL, "kafka: epoch %s not delivered whole", value);
  rd_kafka_error_t *e = rd_kafka_commit_transaction(k->rk, TXN_TIMEOUT_MS);
  if (!e) {
    k->in_txn = false;
    k->epoch.len = k->sent = 0;
    return LS_OK;
  }
  ls_err_set(err, LS_EUNAVAIL, "kafka: commit of epoch %s: %s", value, rd_kafka_error_string(e));
  bool abort = rd_kafka_error_txn_requires_abort(e);
  rd_kafka_error_destroy(e);
  if (abort && !(e = rd_kafka_abort_transaction(k->rk, TXN_TIMEOUT_MS))) {
    k->in_txn = false; /* the next transaction sends the whole epoch again */
    k->sent = 0;
  } else if (abort) {
    txn_failed(s, e, "abort_transaction");
  }
  return LS_EUNAVAIL;
}

/* The newest epoch that transactional_id committed (a marker on the epoch topic, read
 * committed), 0 when none; -1 when the topic cannot be read now. */
static int64_t committed_epoch(struct ls_sink *s, struct ls_err *err) {
  struct kafka_sink *k = s->ctx;
  char errstr[512], group[300];
  snprintf(group, sizeof group, "%s.recovery", k->txn_id);
  const char *props[] = {k->brokers, "isolation.level=read_committed", "enable.auto.commit=false", "enable.partition.eof=true"};
  rd_kafka_conf_t *kc = rd_kafka_conf_new();
  rd_kafka_t *c = NULL;
  if (ls_kafka_conf_apply(kc, props, 4, err) != LS_OK || rd_kafka_conf_set(kc, "group.id", group, errstr, sizeof errstr) ||
      !(c = rd_kafka_new(RD_KAFKA_CONSUMER, kc, errstr, sizeof errstr))) {
    rd_kafka_conf_destroy(kc);
    return ls_err_set(err, LS_EINVAL, "kafka: epoch reader: %s", errstr), -1;
  }
  int64_t lo, hi, newest = -1;
  rd_kafka_resp_err_t e = rd_kafka_query_watermark_offsets(c, k->epoch_topic, 0, &lo, &hi, TXN_TIMEOUT_MS);
  if (!e && hi <= lo) newest = 0;
  rd_kafka_topic_partition_list_t *tp = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(tp, k->epoch_topic, 0)->offset = lo;
  if (!e && hi > lo) e = rd_kafka_assign(c, tp);
  for (int64_t best = 0; !e && hi > lo && newest < 0;) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(c, TXN_TIMEOUT_MS);
    if (!m) e = RD_KAFKA_RESP_ERR__TIMED_OUT;
    else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) newest = best;
    else if (m->err) e = m->err;
    else if (m->key_len == strlen(k->txn_id) && !memcmp(m->key, k->txn_id, m->key_len) && m->len < 24) {
      char v[24];
      memcpy(v, m->payload, m->len);
      v[m->len] = '\0';
      if (atoll(v) > best) best = atoll(v);
    }
    if (m) rd_kafka_message_destroy(m);
  }
  rd_kafka_topic_partition_list_destroy(tp);
  rd_kafka_destroy(c);
  if (e) ls_err_set(err, LS_EUNAVAIL, "kafka: cannot read epoch topic %s: %s", k->epoch_topic, rd_kafka_err2str(e));
  return e ? -1 : newest;
}

static int kafka_recover(struct ls_sink *s, uint64_t epoch, struct ls_snap_reader *pending, struct ls_err *err) {
  struct kafka_sink *k = s->ctx;
  uint64_t n = ls_snap_get_count(pending, 1);
  const void *bytes = ls_snap_take(pending, n);
  if (!bytes) return ls_err_set(err, LS_EINVAL, "kafka: the checkpoint's pending events are truncated");
  ls_snap_free(&k->epoch);
  k->sent = 0;
  ls_snap_put(&k->epoch, bytes, n);
  if (k->epoch.oom) return ls_err_set(err, LS_ENOMEM, "kafka: cannot hold the checkpoint's %llu bytes of events", (unsigned long long)n);
  if (!txn_ready(s, TXN_TIMEOUT_MS, false)) return ls_err_set(err, LS_EUNAVAIL, "kafka: transactions not initialised for %s", k->txn_id);
  int64_t done = committed_epoch(s, err);
  if (done < 0) return LS_EUNAVAIL;
  if ((uint64_t)done >= epoch) {
    k->epoch.len = 0;
    ls_logf(s->log, LS_LOG_INFO, "kafka", "epoch %llu was committed before the restart", (unsigned long long)epoch);
    return LS_OK;
  }
  ls_logf(s->log, LS_LOG_INFO, "kafka", "epoch %llu was stored but not committed: sending its %zu bytes of events again",
          (unsigned long long)epoch, k->epoch.len);
  return kafka_commit(s, epoch, err);
}

static void kafka_destroy(struct ls_sink *s) {
  struct kafka_sink *k = s->ctx;
  if (rd_kafka_flush(k->rk, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR)
    ls_logf(s->log, LS_LOG_ERROR, "kafka", "exiting with %d campaign events not delivered to %s", rd_kafka_outq_len(k->rk), k->topic);
  rd_kafka_destroy(k->rk);
  ls_snap_free(&k->epoch);
  ls_jw_free(&k->jw);
  free(k->buf);
  free(k);
  free(s);
}

static const struct ls_sink_i KAFKA_I = {.name = "kafka", .write = kafka_write, .flush = kafka_flush, .held = kafka_held, .destroy = kafka_destroy};
static const struct ls_sink_i KAFKA_TXN_I = {.name = "kafka", .write = kafka_write, .flush = kafka_flush, .held = kafka_held, .pending = kafka_pending,
                                             .commit = kafka_commit, .recover = kafka_recover, .destroy = kafka_destroy};

int ls_sink_kafka_create(struct ls_sink **out, const struct ls_kafka_sink_conf *conf, const struct ls_log *log,
                         struct ls_err *err) {
  struct ls_sink *s = calloc(1, sizeof *s);
  struct kafka_sink *k = calloc(1, sizeof *k);
  if (!s || !k) {
    free(s);
    free(k);
    return ls_err_set(err, LS_ENOMEM, "kafka sink: out of memory");
  }
  *s = (struct ls_sink){.i = conf->transactional_id ? &KAFKA_TXN_I : &KAFKA_I, .ctx = k, .log = log};
  snprintf(k->topic, sizeof k->topic, "%s", conf->topic);
  if (conf->transactional_id) {
    snprintf(k->txn_id, sizeof k->txn_id, "%s", conf->transactional_id);
    snprintf(k->epoch_topic, sizeof k->epoch_topic, "%s", conf->epoch_topic);
  }
  k->json = conf->json;
  ls_jw_init(&k->jw);
  snprintf(k->brokers, sizeof k->brokers, "bootstrap.servers=%s", conf->brokers);
  char txn[300];
  snprintf(txn, sizeof txn, "transactional.id=%s", k->txn_id);
  /* a transaction must end within transaction.timeout.ms, and its messages be delivered by then:
   * a longer outage aborts it, and the next one sends the epoch again */
  const char *props[] = {k->brokers, "client.id=lockstepd-campaigns", "enable.idempotence=true", "linger.ms=5",
                         k->txn_id[0] ? "message.timeout.ms=300000" : "message.timeout.ms=0", txn, "transaction.timeout.ms=300000"};
  rd_kafka_conf_t *kc = rd_kafka_conf_new();
  rd_kafka_conf_set_opaque(kc, s);
  rd_kafka_conf_set_dr_msg_cb(kc, on_delivery);
  rd_kafka_conf_set_error_cb(kc, on_error);
  rd_kafka_conf_set_log_cb(kc, on_log);
  int rc = ls_kafka_conf_apply(kc, props, k->txn_id[0] ? 7 : 5, err);
  if (rc == LS_OK) rc = ls_kafka_conf_apply(kc, conf->props, conf->n_props, err);
  char errstr[512];
  if (rc == LS_OK && !(k->rk = rd_kafka_new(RD_KAFKA_PRODUCER, kc, errstr, sizeof errstr)))
    rc = ls_err_set(err, LS_EINVAL, "kafka sink: %s", errstr);
  if (rc != LS_OK) {
    if (!k->rk) rd_kafka_conf_destroy(kc);
    ls_jw_free(&k->jw);
    free(k);
    free(s);
    return rc;
  }
  *out = s;
  return LS_OK;
}
