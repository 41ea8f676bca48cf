/* kafka-offsets — test helper: prints a consumer group's committed offsets, and the high and
 * low watermarks of a topic (the low one: records the broker no longer keeps), summed over its
 * partitions:
 *   committed=N end=M partitions=P dropped=D
 * Usage: kafka-offsets BROKERS GROUP TOPIC */
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: kafka-offsets BROKERS GROUP TOPIC\n");
    return 2;
  }
  char err[512];
  rd_kafka_conf_t *c = rd_kafka_conf_new();
  if (rd_kafka_conf_set(c, "bootstrap.servers", argv[1], err, sizeof err) ||
      rd_kafka_conf_set(c, "group.id", argv[2], err, sizeof err)) {
    fprintf(stderr, "%s\n", err);
    return 2;
  }
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err);
  if (!rk) {
    fprintf(stderr, "%s\n", err);
    return 2;
  }
  const struct rd_kafka_metadata *md;
  rd_kafka_topic_t *t = rd_kafka_topic_new(rk, argv[3], NULL);
  if (rd_kafka_metadata(rk, 0, t, &md, 10000) || md->topic_cnt != 1) {
    fprintf(stderr, "cannot read metadata of %s\n", argv[3]);
    return 1;
  }
  int n = md->topics[0].partition_cnt;
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(n);
  for (int p = 0; p < n; p++) rd_kafka_topic_partition_list_add(l, argv[3], p);
  long long committed = 0, end = 0, dropped = 0;
  if (rd_kafka_committed(rk, l, 10000)) {
    fprintf(stderr, "cannot read committed offsets\n");
    return 1;
  }
  for (int p = 0; p < n; p++) {
    int64_t lo, hi;
    if (l->elems[p].offset > 0) committed += l->elems[p].offset;
    if (rd_kafka_query_watermark_offsets(rk, argv[3], p, &lo, &hi, 10000) == 0) end += hi, dropped += lo;
  }
  printf("committed=%lld end=%lld partitions=%d dropped=%lld\n", committed, end, n, dropped);
  rd_kafka_topic_partition_list_destroy(l);
  rd_kafka_metadata_destroy(md);
  rd_kafka_topic_destroy(t);
  rd_kafka_destroy(rk);
  return 0;
}
