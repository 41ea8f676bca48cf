/* sink_kafka.c — campaign events to the Kafka output topic through an idempotent producer
 * (enable.idempotence: ordered, no duplicates from retries). Key = campaign id, so every version
 * of a campaign lands in one partition, in order. Value: protobuf lockstep.Campaign or JSON.
 * Delivery is asynchronous; flush() reports LS_OK only when nothing is in flight, and the
 * producer retries without limit while the cluster is unreachable (message.timeout.ms=0). */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/kafka.h"
#include "lockstep/sink.h"

struct kafka_sink {
  rd_kafka_t *rk;
  char topic[256];
  bool json;
  struct ls_jw jw;
  uint8_t *buf;
  size_t cap;
  struct ls_sink *self;
};

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

static int kafka_write(struct ls_sink *s, const struct ls_campaign_event *e) {
  struct kafka_sink *k = s->ctx;
  const void *value;
  size_t len;
  if (k->json) {
    ls_jw_reset(&k->jw);
    ls_campaign_to_json(e, &k->jw);
    value = k->jw.buf;
    len = k->jw.oom ? 0 : k->jw.len;
  } else {
    len = ls_campaign_to_protobuf(e, &k->buf, &k->cap);
    value = k->buf;
  }
  if (len == 0) {
    s->failed++;
    return LS_ENOMEM;
  }
  for (int attempt = 0;; attempt++) {
    rd_kafka_resp_err_t err = rd_kafka_producev(k->rk, RD_KAFKA_V_TOPIC(k->topic), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                                                RD_KAFKA_V_KEY(e->id, strlen(e->id)), RD_KAFKA_V_VALUE((void *)value, len),
                                                RD_KAFKA_V_END);
    if (!err) return LS_OK;
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL || attempt == 100) {
      s->failed++;
      ls_logf(s->log, LS_LOG_ERROR, "kafka", "cannot enqueue campaign event %s: %s", e->id, rd_kafka_err2str(err));
      return LS_EFULL;
    }
    rd_kafka_poll(k->rk, 100);
  }
}

static int kafka_flush(struct ls_sink *s, int timeout_ms) {
  struct kafka_sink *k = s->ctx;
  if (timeout_ms > 0) rd_kafka_flush(k->rk, timeout_ms);
  else rd_kafka_poll(k->rk, 0);
  return rd_kafka_outq_len(k->rk) == 0 ? LS_OK : LS_EUNAVAIL;
}

static void kafka_destroy(struct ls_sink *s) {
  struct kafka_sink *k = s->ctx;
  if (rd_kafka_flush(k->rk, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR)
    ls_logf(s->log, LS_LOG_ERROR, "kafka", "exiting with %d campaign events not delivered to %s", rd_kafka_outq_len(k->rk), k->topic);
  rd_kafka_destroy(k->rk);
  ls_jw_free(&k->jw);
  free(k->buf);
  free(k);
  free(s);
}

static const struct ls_sink_i KAFKA_I = {"kafka", kafka_write, kafka_flush, NULL, kafka_destroy};

int ls_sink_kafka_create(struct ls_sink **out, const struct ls_kafka_sink_conf *conf, const struct ls_log *log,
                         struct ls_err *err) {
  struct ls_sink *s = calloc(1, sizeof *s);
  struct kafka_sink *k = calloc(1, sizeof *k);
  if (!s || !k) {
    free(s);
    free(k);
    return ls_err_set(err, LS_ENOMEM, "kafka sink: out of memory");
  }
  *s = (struct ls_sink){.i = &KAFKA_I, .ctx = k, .log = log};
  snprintf(k->topic, sizeof k->topic, "%s", conf->topic);
  k->json = conf->json;
  ls_jw_init(&k->jw);
  char brokers[1100];
  snprintf(brokers, sizeof brokers, "bootstrap.servers=%s", conf->brokers);
  const char *props[] = {brokers, "client.id=lockstepd-campaigns", "enable.idempotence=true", "linger.ms=5",
                         "message.timeout.ms=0"};
  rd_kafka_conf_t *kc = rd_kafka_conf_new();
  rd_kafka_conf_set_opaque(kc, s);
  rd_kafka_conf_set_dr_msg_cb(kc, on_delivery);
  rd_kafka_conf_set_error_cb(kc, on_error);
  rd_kafka_conf_set_log_cb(kc, on_log);
  int rc = ls_kafka_conf_apply(kc, props, 5, err);
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
