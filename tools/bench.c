/* lockstep-bench — baselines measured in the same run as the pipeline's figures:
 *   poll        a bare librdkafka consumer-group poll loop (one message at a time, nothing else):
 *               the ceiling for Kafka ingestion on this machine
 *   similarity  the backend's similarity-threshold op over a window of vectors, beside the same
 *               backend's plain GEMM on the same shapes (the op's arithmetic peak)
 *   encoder     a model's whole encoder on tweet-length texts (20–60 tokens): texts/s, tokens/s
 *               and GFLOP/s, beside the backend's measured GEMM peak (a 2048³ SGEMM)
 *   window      the co-similar-text index on a tweet stream, beside brute force over the same
 *               window: recall of the pairs above tau and queries/s of both (bench_window.c)
 * Each prints one JSON object. */
#include <getopt.h>
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lockstep/backend.h"
#include "lockstep/clock.h"
#include "lockstep/embedder.h"
#include "bench_window.h"
#include "bench_decode.h"

static int bench_poll(const char *brokers, const char *topic, long want) {
  char err[512], group[64];
  snprintf(group, sizeof group, "lockstep-bench-%ld", (long)time(NULL));
  rd_kafka_conf_t *c = rd_kafka_conf_new();
  const char *kv[][2] = {{"bootstrap.servers", brokers}, {"group.id", group}, {"auto.offset.reset", "earliest"},
                         {"enable.auto.commit", "false"}, {"fetch.wait.max.ms", "100"}, {"partition.assignment.strategy", "range"},
                         {"max.partition.fetch.bytes", "65536"}};
  for (size_t i = 0; i < sizeof kv / sizeof *kv; i++)
    if (rd_kafka_conf_set(c, kv[i][0], kv[i][1], err, sizeof err)) { fprintf(stderr, "%s\n", err); return 2; }
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_CONSUMER, c, err, sizeof err);
  if (!rk) { fprintf(stderr, "%s\n", err); return 2; }
  rd_kafka_poll_set_consumer(rk);
  rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(l, topic, RD_KAFKA_PARTITION_UA);
  rd_kafka_subscribe(rk, l);
  rd_kafka_topic_partition_list_destroy(l);
  long got = 0;
  size_t bytes = 0;
  double first = 0, last = 0, deadline = ls_clock_s() + 120;
  while (got < want && ls_clock_s() < deadline) {
    rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
    if (!m) continue;
    if (!m->err) {
      if (!got) first = ls_clock_s();
      got++;
      bytes += m->len;
      last = ls_clock_s();
    }
    rd_kafka_message_destroy(m);
  }
  rd_kafka_consumer_close(rk);
  rd_kafka_destroy(rk);
  double secs = last - first;
  printf("{\"benchmark\": \"poll\", \"messages\": %ld, \"bytes\": %zu, \"seconds\": %.3f, \"rate\": %.0f}\n", got, bytes, secs,
         secs > 0 ? got / secs : 0);
  return got == want ? 0 : 1;
}

static int bench_similarity(const char *which, uint32_t window, uint32_t batch, uint32_t dim, int reps) {
  struct ls_backend *be;
  struct ls_err e;
  if (ls_backend_open(&be, which, NULL, &e) != LS_OK) { fprintf(stderr, "%s\n", e.msg); return 2; }
  size_t wb = (size_t)window * dim * sizeof(float), qb = (size_t)batch * dim * sizeof(float);
  float *hw = malloc(wb), *hq = malloc(qb);
  uint64_t x = 88172645463325252ULL;
  for (size_t i = 0; i < (size_t)window * dim; i++) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; hw[i] = (float)((x >> 40) / 16777216.0 - 0.5); }
  memcpy(hq, hw, qb);
  void *w = be->i->alloc(be, wb, &e), *q = be->i->alloc(be, qb, &e), *c = be->i->alloc(be, (size_t)batch * 4096 * sizeof(float), &e);
  if (!w || !q || !c) { fprintf(stderr, "%s\n", e.msg); return 2; }
  be->i->upload(be, w, 0, hw, wb, &e);
  be->i->upload(be, q, 0, hq, qb, &e);
  be->i->l2_normalize(be, w, window, dim, &e);
  be->i->l2_normalize(be, q, batch, dim, &e);
  struct ls_pair *pairs = malloc((size_t)batch * 64 * sizeof *pairs);
  uint32_t found = 0;
  double t0 = ls_clock_s();
  for (int r = 0; r < reps; r++) be->i->sim_threshold(be, q, batch, w, 0, window, dim, 0.7f, pairs, batch * 64, &found, &e);
  double sim = (ls_clock_s() - t0) / reps;
  t0 = ls_clock_s();
  for (int r = 0; r < reps; r++)
    for (uint32_t j = 0; j < window; j += 4096) be->i->gemm_nt(be, batch, window - j < 4096 ? window - j : 4096, dim, 1.0f, q, (const float *)w + (size_t)j * dim, 0.0f, c, &e);
  float sink;
  be->i->download(be, &sink, c, 0, sizeof sink, &e); /* waits for the device */
  double gemm = (ls_clock_s() - t0) / reps;
  double flop = 2.0 * batch * window * dim;
  printf("{\"benchmark\": \"similarity\", \"backend\": \"%s\", \"device\": \"%s\", \"window\": %u, \"batch\": %u, \"dim\": %u, "
         "\"pairs\": %u, \"sim_seconds\": %.5f, \"sim_gflops\": %.1f, \"gemm_gflops\": %.1f, \"ratio\": %.3f, "
         "\"queries_per_s\": %.0f}\n",
         be->i->name, be->device, window, batch, dim, found, sim, flop / sim / 1e9, flop / gemm / 1e9, gemm / sim, batch / sim);
  be->i->free(be, w); be->i->free(be, q); be->i->free(be, c);
  free(hw); free(hq); free(pairs);
  ls_backend_close(be);
  return 0;
}

/* GFLOP/s of the backend's GEMM on n×n×n, best of reps: the arithmetic peak to compare with. */
static double gemm_peak(struct ls_backend *be, uint32_t n, int reps, struct ls_err *e) {
  size_t bytes = (size_t)n * n * sizeof(float);
  float *h = calloc((size_t)n * n, sizeof *h);
  void *a = be->i->alloc(be, bytes, e), *b = be->i->alloc(be, bytes, e), *c = be->i->alloc(be, bytes, e);
  double best = 0;
  if (h && a && b && c) {
    for (size_t i = 0; i < (size_t)n * n; i++) h[i] = (float)(i % 7) * 0.01f;
    be->i->upload(be, a, 0, h, bytes, e);
    be->i->upload(be, b, 0, h, bytes, e);
    for (int r = 0; r <= reps; r++) {
      double t0 = ls_clock_s();
      be->i->gemm_nt(be, n, n, n, 1.0f, a, b, 0.0f, c, e);
      be->i->download(be, h, c, 0, sizeof(float), e); /* waits for the device */
      double g = 2.0 * n * n * n / (ls_clock_s() - t0) / 1e9;
      if (r > 0 && g > best) best = g; /* the first run warms up */
    }
  }
  if (a) be->i->free(be, a);
  if (b) be->i->free(be, b);
  if (c) be->i->free(be, c);
  free(h);
  return best;
}

/* n texts of 18–58 words "tokN" (one token each in the generated MiniLM-shaped vocabulary). */
static char *tweet_texts(uint32_t n, const char **texts, uint32_t *lens) {
  char *buf = malloc((size_t)n * 600);
  uint64_t x = 0x9E3779B97F4A7C15ULL;
  for (uint32_t i = 0; buf && i < n; i++) {
    char *p = buf + (size_t)i * 600;
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    uint32_t words = 18 + (uint32_t)(x % 41), len = 0;
    for (uint32_t w = 0; w < words; w++) {
      x ^= x << 13; x ^= x >> 7; x ^= x << 17;
      len += (uint32_t)snprintf(p + len, 600 - len, "%stok%u", w ? " " : "", (uint32_t)(x % 30000));
    }
    texts[i] = p;
    lens[i] = len;
  }
  return buf;
}

static int bench_encoder(const char *which, const char *model, uint32_t n, int reps, uint32_t budget) {
  struct ls_backend *be;
  struct ls_embedder *em;
  struct ls_err e;
  if (ls_backend_open(&be, which, NULL, &e)) { fprintf(stderr, "%s\n", e.msg); return 2; }
  struct ls_embedder_opts o = {.model = model, .max_batch_tokens = budget, .unit = true};
  if (ls_embedder_open(&em, &o, be, NULL, &e)) { fprintf(stderr, "%s\n", e.msg); return 2; }
  const char **texts = malloc(n * sizeof *texts);
  uint32_t *lens = malloc(n * sizeof *lens), dim = ls_embedder_dim(em);
  float *out = malloc((size_t)n * dim * sizeof *out);
  int32_t *ids = malloc((ls_embedder_max_len(em) + 2) * sizeof *ids);
  char *buf = texts && lens ? tweet_texts(n, texts, lens) : NULL;
  if (!buf || !out || !ids) { fprintf(stderr, "out of memory\n"); return 2; }
  double flop = 0, tokens = 0;
  for (uint32_t i = 0; i < n; i++) {
    int len = ls_embedder_tokenize(em, texts[i], lens[i], ids);
    flop += ls_embedder_flops(em, (uint32_t)len);
    tokens += len;
  }
  double peak = gemm_peak(be, 2048, 3, &e);
  int rc = ls_embedder_embed(em, texts, lens, n < 512 ? n : 512, out, &e); /* warm-up */
  double best = 1e30;
  for (int r = 0; !rc && r < reps; r++) {
    double t0 = ls_clock_s();
    rc = ls_embedder_embed(em, texts, lens, n, out, &e);
    double t = ls_clock_s() - t0;
    best = t < best ? t : best;
  }
  if (rc) fprintf(stderr, "%s\n", e.msg);
  else
    printf("{\"benchmark\": \"encoder\", \"backend\": \"%s\", \"device\": \"%s\", \"model\": \"%s\", \"texts\": %u, "
           "\"mean_tokens\": %.1f, \"seconds\": %.3f, \"texts_per_s\": %.0f, \"tokens_per_s\": %.0f, \"gflops\": %.1f, "
           "\"gemm_peak_gflops\": %.1f, \"ratio\": %.3f}\n",
           be->i->name, be->device, ls_embedder_describe(em), n, tokens / n, best, n / best, tokens / best, flop / best / 1e9,
           peak, peak > 0 ? flop / best / 1e9 / peak : 0);
  free(texts); free(lens); free(out); free(ids); free(buf);
  ls_embedder_close(em);
  ls_backend_close(be);
  return rc ? 1 : 0;
}

static void usage(FILE *f) {
  fputs("usage: lockstep-bench poll --brokers B --topic T --messages N\n"
        "       lockstep-bench similarity [--backend cpu|cuda|auto] [--window N] [--batch N] [--dim N] [--reps N]\n"
        "       lockstep-bench encoder --model DIR [--backend cpu|cuda|auto] [--texts N] [--reps N] [--max-batch-tokens N]\n"
        "       lockstep-bench window --input TWEETS.jsonl [--backend B] [--window N] [--dim N] [--probes N]\n"
        "                      [--tau F] [--batch N] [--check-every N] [--check-queries N]\n"
        "                      [--shards FILE [--partitions N] [--spill N]]\n"
        "       lockstep-bench decode [--bytes N] [--reps N]\n"
        "\n"
        "Baselines for `make bench`: a bare librdkafka poll loop (the ingestion ceiling), and the\n"
        "similarity-threshold op beside plain GEMM on the same backend, and a model's encoder on\n"
        "tweet-length texts beside the backend's GEMM peak, and the co-similar-text index beside brute force\n"
        "on a tweet stream (recall and queries/s), and the decoders on messages of every shape near\n"
        "input.max_message_bytes beside the JSON tokeniser alone. Prints one JSON object.\n",
        f);
}

int main(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) { usage(argc < 2 ? stderr : stdout); return argc < 2 ? 2 : 0; }
  static const struct option longs[] = {{"brokers", 1, 0, 'b'}, {"topic", 1, 0, 't'}, {"messages", 1, 0, 'n'},
                                        {"backend", 1, 0, 'k'}, {"window", 1, 0, 'w'}, {"batch", 1, 0, 'q'},
                                        {"dim", 1, 0, 'd'}, {"reps", 1, 0, 'r'}, {"model", 1, 0, 'm'},
                                        {"texts", 1, 0, 'x'}, {"max-batch-tokens", 1, 0, 'B'}, {"input", 1, 0, 'i'},
                                        {"probes", 1, 0, 'p'}, {"tau", 1, 0, 'T'}, {"check-every", 1, 0, 'C'},
                                        {"check-queries", 1, 0, 'Q'}, {"bytes", 1, 0, 'y'}, {"shards", 1, 0, 'S'},
                                        {"partitions", 1, 0, 'P'}, {"spill", 1, 0, 'L'}, {0, 0, 0, 0}};
  const char *brokers = NULL, *topic = "tweets", *backend = "auto", *model = NULL;
  uint32_t texts = 8192, budget = 16384;
  long messages = 0;
  size_t bytes = (1u << 20) - 64; /* just under the default input.max_message_bytes */
  uint32_t window = 16384, batch = 1024, dim = 256;
  struct bench_window_opts wo = {.probes = 8, .check_every = 16, .check_queries = 64, .tau = 0.7f, .partitions = 12, .spill = 4};
  int reps = 5, c;
  optind = 2;
  while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
    switch (c) {
      case 'b': brokers = optarg; break;
      case 't': topic = optarg; break;
      case 'n': messages = atol(optarg); break;
      case 'k': backend = optarg; break;
      case 'w': window = (uint32_t)atol(optarg); break;
      case 'q': batch = (uint32_t)atol(optarg); break;
      case 'd': dim = (uint32_t)atol(optarg); break;
      case 'r': reps = atoi(optarg); break;
      case 'm': model = optarg; break;
      case 'x': texts = (uint32_t)atol(optarg); break;
      case 'B': budget = (uint32_t)atol(optarg); break;
      case 'i': wo.input = optarg; break;
      case 'p': wo.probes = (uint32_t)atol(optarg); break;
      case 'T': wo.tau = (float)atof(optarg); break;
      case 'C': wo.check_every = (uint32_t)atol(optarg); break;
      case 'Q': wo.check_queries = (uint32_t)atol(optarg); break;
      case 'y': bytes = (size_t)atol(optarg); break;
      case 'S': wo.shards = optarg; break;
      case 'P': wo.partitions = (uint32_t)atol(optarg); break;
      case 'L': wo.spill = (uint32_t)atol(optarg); break;
      default: usage(stderr); return 2;
    }
  }
  if (!strcmp(argv[1], "poll")) {
    if (!brokers || messages <= 0) { usage(stderr); return 2; }
    return bench_poll(brokers, topic, messages);
  }
  if (!strcmp(argv[1], "encoder")) {
    if (!model || texts == 0 || budget < 256) { usage(stderr); return 2; }
    return bench_encoder(backend, model, texts, reps > 0 ? reps : 1, budget);
  }
  if (!strcmp(argv[1], "window")) {
    wo.backend = backend;
    wo.capacity = window;
    wo.dim = dim;
    wo.batch = batch;
    if (!wo.input || !wo.probes || !wo.check_every || !wo.check_queries || wo.capacity < 2 * batch || !wo.partitions ||
        wo.partitions > 4096) { usage(stderr); return 2; }
    return bench_window(&wo);
  }
  if (!strcmp(argv[1], "decode")) {
    if (bytes < 1024) { usage(stderr); return 2; }
    return bench_decode(bytes, reps > 0 ? reps : 1);
  }
  if (!strcmp(argv[1], "similarity")) return bench_similarity(backend, window, batch, dim, reps > 0 ? reps : 1);
  usage(stderr);
  return 2;
}
