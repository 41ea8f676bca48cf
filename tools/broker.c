/* lockstep-broker — an embedded Kafka cluster for development, demos and tests: librdkafka's
 * mock cluster, in its own process, reachable over TCP on loopback by any Kafka client
 * (lockstepd, kcat, librdkafka programs). Creates the topics asked for, prints the bootstrap list
 * as the first line of standard output, and runs until SIGINT/SIGTERM.
 * Limits (librdkafka 2.0's mock): no TLS/SASL/admin APIs; a partition keeps only its newest
 * ~5 MiB, so create enough partitions or consume while producing. */
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t g_stop;
static void on_signal(int sig) { (void)sig; g_stop = 1; }

static void usage(FILE *f) {
  fputs("usage: lockstep-broker [--brokers N] [--topic NAME[:PARTITIONS]]...\n"
        "\n"
        "Runs an embedded Kafka cluster (librdkafka mock cluster) on loopback until SIGINT/SIGTERM.\n"
        "Prints the bootstrap servers (host:port,...) as the first line of standard output.\n"
        "\n"
        "  -b, --brokers N              brokers in the cluster (default 1)\n"
        "  -t, --topic NAME[:PARTS]     create a topic (default partitions 8); repeatable\n"
        "  -h, --help                   this text\n"
        "\n"
        "Without --topic, creates tweets:8, tweets.dlq:1, campaigns:4 and lockstep.epochs:1.\n",
        f);
}

static int create_topic(rd_kafka_mock_cluster_t *mc, const char *spec) {
  char name[256];
  int parts = 8;
  const char *colon = strrchr(spec, ':');
  size_t n = colon ? (size_t)(colon - spec) : strlen(spec);
  if (n == 0 || n >= sizeof name) {
    fprintf(stderr, "lockstep-broker: bad topic \"%s\"\n", spec);
    return -1;
  }
  memcpy(name, spec, n);
  name[n] = '\0';
  if (colon) {
    char *end;
    parts = (int)strtol(colon + 1, &end, 10);
    if (*end || parts < 1 || parts > 10000) {
      fprintf(stderr, "lockstep-broker: bad partition count in \"%s\"\n", spec);
      return -1;
    }
  }
  rd_kafka_resp_err_t e = rd_kafka_mock_topic_create(mc, name, parts, 1);
  if (e) {
    fprintf(stderr, "lockstep-broker: cannot create topic %s: %s\n", name, rd_kafka_err2str(e));
    return -1;
  }
  fprintf(stderr, "info broker: topic=%s partitions=%d\n", name, parts);
  return 0;
}

int main(int argc, char **argv) {
  static const struct option longs[] = {{"brokers", required_argument, 0, 'b'}, {"topic", required_argument, 0, 't'},
                                        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
  const char *topics[64];
  int n_topics = 0, brokers = 1, c;
  while ((c = getopt_long(argc, argv, "b:t:h", longs, NULL)) != -1) {
    switch (c) {
      case 'b': brokers = atoi(optarg); break;
      case 't':
        if (n_topics == 64) { fprintf(stderr, "lockstep-broker: too many topics\n"); return 2; }
        topics[n_topics++] = optarg;
        break;
      case 'h': usage(stdout); return 0;
      default: usage(stderr); return 2;
    }
  }
  if (brokers < 1 || brokers > 16) {
    fprintf(stderr, "lockstep-broker: --brokers must be 1..16\n");
    return 2;
  }
  if (n_topics == 0) {
    static const char *defaults[] = {"tweets:8", "tweets.dlq:1", "campaigns:4", "lockstep.epochs:1"};
    for (size_t i = 0; i < sizeof defaults / sizeof *defaults; i++) topics[n_topics++] = defaults[i];
  }
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", NULL, 0);
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) {
    fprintf(stderr, "lockstep-broker: %s\n", errstr);
    return 1;
  }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (!mc) {
    fprintf(stderr, "lockstep-broker: cannot start the mock cluster\n");
    rd_kafka_destroy(rk);
    return 1;
  }
  int rc = 0;
  for (int i = 0; i < n_topics && rc == 0; i++) rc = create_topic(mc, topics[i]);
  if (rc == 0) {
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    printf("%s\n", rd_kafka_mock_cluster_bootstraps(mc));
    fflush(stdout);
    fprintf(stderr, "info broker: listening on %s (mock cluster, %d broker%s)\n", rd_kafka_mock_cluster_bootstraps(mc),
            brokers, brokers > 1 ? "s" : "");
    while (!g_stop) pause();
    fprintf(stderr, "info broker: stopping\n");
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return rc ? 2 : 0;
}
