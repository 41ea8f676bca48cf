/* config.c — the table of every configuration key (type, default, range, documentation), and
 * loading from defaults, INI files and --set. The table is the single source: defaults are parsed
 * from it, `lockstepd --print-config` prints it as deploy/lockstep.conf, and unknown keys are
 * refused because they are not in it. */
#include "lockstep/config.h"

#include "lockstep/canon_url.h"

#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum kind { K_STR, K_INT, K_DBL, K_BOOL };

struct option {
  const char *section, *key;
  enum kind kind;
  size_t offset, size; /* size: string buffer size */
  const char *def;
  double min, max;
  const char *doc;
  bool live; /* SIGHUP applies a new value at once (README: reload) */
};

#define O(field) offsetof(struct ls_config, field)
#define LIVE_MARK "# Changes live on SIGHUP."
#define STR(sec, key, field, def, doc) {sec, key, K_STR, O(field), sizeof(((struct ls_config *)0)->field), def, 0, 0, doc, false}
#define INT(sec, key, field, def, lo, hi, doc) {sec, key, K_INT, O(field), 0, def, lo, hi, doc, false}
#define DBL(sec, key, field, def, lo, hi, doc) {sec, key, K_DBL, O(field), 0, def, lo, hi, doc, false}
#define BOOL(sec, key, field, def, doc) {sec, key, K_BOOL, O(field), 0, def, 0, 1, doc, false}
/* Keys that change live on SIGHUP. */
#define LIVE_STR(sec, key, field, def, doc) {sec, key, K_STR, O(field), sizeof(((struct ls_config *)0)->field), def, 0, 0, doc, true}
#define LIVE_INT(sec, key, field, def, lo, hi, doc) {sec, key, K_INT, O(field), 0, def, lo, hi, doc, true}
#define LIVE_DBL(sec, key, field, def, lo, hi, doc) {sec, key, K_DBL, O(field), 0, def, lo, hi, doc, true}
#define SIGNAL(sec, idx, win, scale, minw, what)                                                              \
  BOOL(sec, "enabled", signal[idx].enabled, "true", "Detect " what "."),                                     \
  INT(sec, "window_s", signal[idx].window_s, win, 1, 86400, "Horizon: two actions further apart than this many seconds (event time) are never paired; also the network export's window (the QUT toolkit's time window)."), \
  LIVE_INT(sec, "time_scale_s", signal[idx].time_scale_s, scale, 1, 86400, "Chance model: a co-action whose two actions are g seconds apart weighs exp(-g / time_scale_s) (README: evidence weighted by chance)."), \
  DBL(sec, "min_weight", signal[idx].min_weight, minw, 0.1, 1000000, "The network export's minimum edge weight (distinct messages, as in the QUT toolkit); detection weighs evidence by chance instead (detect.min_edge_weight).")

static const struct option OPTIONS[] = {
    STR("kafka", "brokers", kafka.brokers, "127.0.0.1:9092", "Bootstrap servers, host:port[,host:port...]."),
    STR("kafka", "group_id", kafka.group_id, "lockstep", "Consumer group id; committed offsets live under it."),
    STR("kafka", "instance_id", kafka.instance_id, "", "Static group membership (KIP-345): a name unique to this daemon in the group (%h: the host name), so that a restarted daemon gets its partitions back at once instead of after session_timeout_ms; consumer i joins as NAME-i. Empty: dynamic membership. A static member does not leave the group when it stops: its partitions wait session_timeout_ms before others take them."),
    STR("kafka", "input_topic", kafka.input_topic, "tweets", "Topic of tweets (protobuf lockstep.Tweet or Twitter API v2 JSON, auto-detected per message)."),
    STR("kafka", "output_topic", kafka.output_topic, "campaigns", "Topic that campaign events are produced to (key = campaign id)."),
    BOOL("kafka", "output_enabled", kafka.output_enabled, "true", "Produce campaign events to output_topic."),
    STR("kafka", "output_format", kafka.output_format, "protobuf", "Value encoding of campaign events: protobuf (lockstep.Campaign) or json."),
    STR("kafka", "dlq_topic", kafka.dlq_topic, "tweets.dlq", "Dead-letter topic: original bytes of rejected messages with headers error, source_topic, source_partition, source_offset."),
    INT("kafka", "consumers", kafka.consumers, "1", 1, 16, "Consumer threads (group members), each with its own ring. Event-time order (order_wait_ms) holds within one consumer: with more than one, the same topic no longer gives the same campaign ids."),
    INT("kafka", "session_timeout_ms", kafka.session_timeout_ms, "10000", 1000, 300000, "Group session timeout."),
    INT("kafka", "fetch_wait_max_ms", kafka.fetch_wait_max_ms, "100", 1, 10000, "Longest wait of a fetch on an idle partition."),
    INT("kafka", "queued_max_kbytes", kafka.queued_max_kbytes, "16384", 64, 2097151, "Prefetch bound per consumer, and again the bound of what its event-time merge holds (order_wait_ms): above it the partitions with queued messages are paused (the group is still polled), below half resumed. The back-pressure limit when the pipeline is slower than the broker."),
    INT("kafka", "order_wait_ms", kafka.order_wait_ms, "500", 0, 60000, "Event-time order: each consumer hands its partitions' messages on merged by Kafka timestamp (then partition), so that the same topic gives the same sequence, hence the same campaign ids, whatever the fetch interleaving or restart; an empty partition is waited for this long (wall clock) before the others go on without it, which adds at most this to detection latency. On a stage topic (pipeline.role) each producer's records are merged too, by its watermarks, and a producer not heard from for this long (stopped or killed) is no longer waited for. 0: never wait (order of arrival)."),
    STR("kafka", "offset_reset", kafka.offset_reset, "earliest", "Where a group with no committed offset starts: earliest or latest."),
    STR("kafka", "properties", kafka.properties, "", "Extra librdkafka properties for every client, \"key=value;key=value\", with \\; for a ';' inside a value (e.g. security.protocol=ssl;ssl.ca.location=/etc/ssl/ca.pem)."),
    STR("kafka", "epoch_topic", kafka.epoch_topic, "lockstep.epochs", "With checkpoints: topic (one partition) of the markers that commit each epoch's transaction on output_topic (key: the transactional id); read back at a restart to tell whether the last epoch reached readers (README: checkpoints)."),
    STR("pipeline", "role", pipeline.role, "all", "The stages this daemon runs (README: stages): all (one process: tweets in, campaigns out), or one stage of a deployment over several nodes: ingest (tweets from kafka.input_topic to actions on actions_topic), pair (actions to pair sets on pairs_topic) or cluster (pair sets to campaigns on the sinks). Each role is its own consumer group, kafka.group_id with .ingest, .pair or .cluster appended; run as many ingest and pair daemons as the load needs, and one cluster daemon."),
    STR("pipeline", "actions_topic", pipeline.actions_topic, "lockstep.actions", "Topic of actions (lockstep.Action) from ingest to pair daemons, partitioned by object key; its partitions bound how many pair daemons share the work. Co-similar-text actions go to the partitions of their text shards (text_shards), or without shards all to its partition 0 (one pair daemon holds the whole text window)."),
    STR("pipeline", "text_shards", pipeline.text_shards, "", "Ingest: the shards file of the distributed co-similar-text index (made by lockstep-embed --train-shards K on a sample of texts, with the daemons' embed.model and dim): each vector goes to the actions partitions of its text_shard_spill nearest shards, and each pair daemon's window of a partition holds and searches only what reaches it. Empty: every vector to partition 0. Train K at least the actions topic's partitions (README: stages)."),
    INT("pipeline", "text_shard_spill", pipeline.text_shard_spill, "4", 1, 8, "Ingest with text_shards: the nearest shards each vector is sent to. A pair is found when its two vectors share a shard: more finds more (lockstep-bench window --shards measures the recall against brute force) and sends each vector to more partitions."),
    STR("pipeline", "pairs_topic", pipeline.pairs_topic, "lockstep.pairs", "Topic of pair sets (lockstep.PairSet) from pair daemons to the cluster daemon, partitioned by tweet."),
    STR("pipeline", "compression", pipeline.compression, "lz4", "Ingest and pair: the compression of the records sent to the next stage's topic (librdkafka compression.codec): none, gzip, snappy, lz4 or zstd. An action carries its tweet's evidence (text prefix, author metadata), a co-similar-text one also its vector: lz4 sends 0.41 to 0.53 of the bytes for one core per 600 MB/s, zstd 0.29 to 0.45 for one per 270 to 400 MB/s (large batches to small; README: stages). Readers need no setting."),
    BOOL("redis", "enabled", redis.enabled, "true", "Write campaigns to Redis."),
    STR("redis", "host", redis.host, "127.0.0.1", "Redis host."),
    INT("redis", "port", redis.port, "6379", 1, 65535, "Redis port."),
    STR("redis", "password", redis.password, "", "Redis AUTH password (empty: none)."),
    INT("redis", "db", redis.db, "0", 0, 1000, "Redis database number."),
    STR("redis", "prefix", redis.prefix, "lockstep:", "Prefix of every key lockstep writes."),
    INT("redis", "timeout_ms", redis.timeout_ms, "2000", 10, 60000, "Connect and command timeout."),
    LIVE_INT("redis", "closed_ttl_s", redis.closed_ttl_s, "86400", 1, 31536000, "Closed campaigns' keys expire after this many seconds."),
    LIVE_INT("redis", "stream_maxlen", redis.stream_maxlen, "100000", 1, 100000000, "Approximate length cap of the events stream (XADD MAXLEN ~)."),
    INT("input", "max_message_bytes", input.max_message_bytes, "1048576", 1024, 67108864, "Larger messages are dead-lettered."),
    INT("input", "max_text_bytes", input.max_text_bytes, "4096", 280, 1048576, "Tweets with longer text are dead-lettered (a 280-character tweet is at most 1120 bytes)."),
    INT("input", "max_future_s", input.max_future_s, "86400", 0, 31536000, "Tweets dated more than this after the wall clock are dead-lettered (also: before 2006-03-21)."),
    INT("input", "ring_capacity", input.ring_capacity, "8192", 64, 1048576, "Tweets buffered between each consumer and the pipeline."),
    STR("embed", "model", embed.model, "hash", "Text embedder for co-similar-text: hash (feature hashing of words and character n-grams; needs no model files), or the directory of a sentence-transformers / Hugging Face BERT model (all-MiniLM-L6-v2, bge-small-en-v1.5, e5-small-v2, …), loaded and checked at start-up."),
    STR("embed", "backend", embed.backend, "auto", "Compute backend for embeddings and similarity: auto (CUDA when a GPU is present, else CPU, with one log line), cpu or cuda."),
    INT("embed", "dim", embed.dim, "256", 16, 4096, "Vector dimension of the hash embedder (a model's is its hidden_size)."),
    INT("embed", "max_batch_tokens", embed.max_batch_tokens, "16384", 256, 4194304, "A micro-batch closes when its texts hold about this many tokens (estimated as text bytes / 4); a model's encoder runs batches of at most this many real tokens (no padding), as text-embeddings-inference does."),
    DBL("embed", "similarity_threshold", embed.similarity_threshold, "0", 0.0, 1.0, "Cosine at or above which two texts are similar; 0 takes the embedder's own default. hash: 0.7 (copies and light edits score above it, unrelated tweets below 0.4). A sentence model: 0.9 (paraphrases of one message, not merely texts on one topic, which MiniLM-class models put at 0.5 to 0.8)."),
    INT("batch", "max_tweets", batch.max_tweets, "1024", 1, 65536, "A micro-batch closes at this many tweets..."),
    LIVE_INT("batch", "max_latency_ms", batch.max_latency_ms, "50", 1, 10000, "...or when its first tweet has waited this long."),
    LIVE_INT("detect", "min_accounts", detect.min_accounts, "5", 2, 1000000, "A campaign has at least this many accounts, unless it joins an operation: a smaller group of strongly tied accounts (a pair, a triple) that connects to an operation is reported as one of its campaigns..."),
    LIVE_INT("detect", "small_group_actions", detect.small_group_actions, "3", 0, 65535, "...and so is a smaller group alone when each of its accounts co-acted at least this many times with the others (0: never). A pair has no group to corroborate it: two co-actions of one pair reached min_account_evidence by chance in a million organic tweets, three never did (README: operations)."),
    LIVE_DBL("detect", "min_score", detect.min_score, "0.3", 0.0, 1.0, "A group is flagged when its score reaches this (see README: scoring)."),
    LIVE_INT("detect", "cluster_interval_ms", detect.cluster_interval_ms, "5000", 100, 3600000, "Clustering runs when event time has advanced this much (and at least once a second of processing time when idle)."),
    LIVE_INT("detect", "close_after_s", detect.close_after_s, "21600", 10, 604800, "A campaign with no new coordinated action for this long (event time) is closed: operations act in bursts hours apart."),
    INT("detect", "operation_memory_s", detect.operation_memory_s, "86400", 60, 2592000, "An operation (campaigns linked by shared accounts or content) with no open campaign is remembered this long after its last coordinated action, so that a campaign of its accounts or its content the next day joins it again (README: operations)."),
    INT("detect", "operation_shared_objects", detect.operation_shared_objects, "2", 0, 16, "A group joins an operation that holds one of its accounts, or at least this many of the objects (retweeted tweet, canonical text, link, hashtag sequence) its accounts coordinated on; 0 links by accounts only."),
    INT("detect", "edge_ttl_s", detect.edge_ttl_s, "86400", 10, 604800, "Edges not reinforced for this long (event time) are forgotten. Real operations tie their members with a few co-actions each, spread over a day: a shorter memory splits them (README: evidence weighted by chance)."),
    INT("detect", "organic_accounts", detect.organic_accounts, "30", 2, 100000, "Chance model: a tweet's co-actions on an object (retweeted tweet, text, URL, ...) that n accounts acted on within its window share at most min(1, organic_accounts/n) of evidence: viral objects make weak edges, repetition across many objects makes strong ones. Objects with more than organic_accounts/min_action_weight accounts form no edges at all."),
    LIVE_INT("detect", "active_actions", detect.active_actions, "30", 1, 1000000, "Chance model: co-actions of two accounts weigh fully while the geometric mean of their actions in about the last hour is at most this, then active_actions/mean: accounts that act all the time co-act by chance."),
    DBL("detect", "min_action_weight", detect.min_action_weight, "0.05", 0.0001, 1, "Chance model: a co-action that weighs less than this (distant, on a popular object, or of hyperactive accounts) is no evidence at all."),
    DBL("detect", "min_edge_weight", detect.min_edge_weight, "0.2", 0.01, 1000000, "Two accounts are tied when the weights of their co-actions, over all signals, sum to at least this."),
    DBL("detect", "min_account_evidence", detect.min_account_evidence, "1.8", 0.01, 1000000, "Group evidence: an account stays in a group while its ties to the group's other members sum to at least this (weighted k-core peeling), so a member must co-act repeatedly, though not always with the same partner (rotation)."),
    INT("detect", "max_objects", detect.max_objects, "262144", 1024, 67108864, "Capacity of the exact-signal object window (entries; stale ones are reused)."),
    INT("detect", "max_edges", detect.max_edges, "1048576", 1024, 268435456, "Capacity of the coordination graph (account pairs)."),
    INT("detect", "max_accounts", detect.max_accounts, "262144", 1024, 67108864, "Capacity of the table of accounts that took part in coordinated actions."),
    INT("detect", "dedup_capacity", detect.dedup_capacity, "1048576", 1024, 268435456, "Recent tweet ids remembered to drop duplicates (at-least-once delivery)."),
    INT("detect", "window_capacity", detect.window_capacity, "131072", 256, 67108864, "Vectors in the co-similar-text window (a ring; it should hold co_similar_text.window_s of original tweets: 600 s at 6,000 tweets/s needs 3.6 million). Memory: 2·dim + 580 bytes per vector (1,092 at dim 256), printed at start-up. Rows older than the window leave the search (detect.lateness_s), so a ring larger than the window costs memory, not time."),
    INT("detect", "lateness_s", detect.lateness_s, "60", 0, 86400, "Tweets up to this far behind the newest event time still meet every partner of their window, on every signal; older partners (more than the window and this behind the newest action) are not paired, and committed offsets hold back as far, so a restarted daemon, or one a partition is handed to, rebuilds what a late tweet still meets."),
    INT("detect", "index_lists", detect.index_lists, "0", 0, 65536, "Inverted lists of the co-similar-text index, whose centroids are learnt on the stream's first vectors; 0: a power of two near the square root of window_capacity."),
    INT("detect", "index_probes", detect.index_probes, "8", 1, 64, "Lists each query searches: more finds more of the pairs above the threshold at a higher cost (lockstep-bench window measures the recall against brute force)."),
    SIGNAL("co_retweet", LS_SIG_RETWEET, "900", "600", "3", "accounts retweeting the same tweet"),
    SIGNAL("co_reply", LS_SIG_REPLY, "900", "180", "3", "accounts replying to the same tweet"),
    SIGNAL("co_tweet", LS_SIG_TWEET, "1800", "600", "2", "accounts posting the same canonical text (at least 5 tokens, retweets excluded)"),
    SIGNAL("co_similar_text", LS_SIG_SIMILAR, "600", "300", "2", "accounts posting texts with embedding cosine >= embed.similarity_threshold (near-copies: identical canonical texts are co-tweet's)"),
    SIGNAL("co_link", LS_SIG_LINK, "900", "300", "3", "accounts sharing the same canonical URL"),
    STR("co_link", "drop_params", link.drop_params, LS_URL_DROP_PARAMS_DEFAULT, "Query parameters removed from links before they are compared (tracking and share parameters), comma-separated; a trailing * matches a prefix (README: canonical links)."),
    SIGNAL("co_hashtag", LS_SIG_HASHTAG, "600", "120", "3", "accounts using the same ordered sequence of at least 2 hashtags"),
    INT("checkpoint", "interval_s", checkpoint.interval_s, "10", 0, 3600, "Kafka mode: seconds between checkpoints of the graph, campaigns and operations to Redis (redis.host; README: checkpoints); offsets are committed only with a checkpoint, and output_topic is written in one transaction per checkpoint, so readers see campaign events at most this late. 0: no checkpoints (a restart forgets the campaigns)."),
    STR("checkpoint", "name", checkpoint.name, "%h", "The daemon's name in its group (%h: the host name): its checkpoint is the Redis key PREFIXcheckpoint:GROUP:NAME and its producer's transactional id lockstepd-GROUP-NAME. Unique per daemon; a daemon restarted elsewhere under the same name continues the same campaigns."),
    STR("output", "file", output.file, "", "Also write campaign events as JSON lines to this file (--out sets it)."),
    LIVE_INT("output", "max_pending", output.max_pending, "10000", 2, 10000000, "Campaign events each sink (Redis, output_topic, output.file) may hold not yet acknowledged: queued for its thread, sent and unanswered, kept for retry while its service is unreachable or answers \"not now\", or (with checkpoints) waiting for their epoch's commit. Past half of it the daemon stops reading tweets until they leave (back-pressure: the consumers pause); nothing is dropped, so a clustering round may take a sink past it. Was redis.max_pending."),
    LIVE_STR("log", "level", output.level, "info", "debug, info, warn or error."),
    LIVE_INT("metrics", "interval_s", output.interval_s, "10", 1, 3600, "Seconds between metric log lines (and the Redis stats hash)."),
    STR("http", "listen", http.listen, "127.0.0.1:9464", "Address of the HTTP endpoint: GET /metrics (Prometheus), /healthz, /readyz (README: metrics and health). host:port, [v6]:port or :port (every interface); port 0 picks a free one (logged). Empty: no endpoint."),
    INT("http", "max_connections", http.max_connections, "64", 1, 10000, "Connections the endpoint serves at once; as many more wait in its listen queue, and beyond that the kernel drops new ones (an idle connection is closed after http.timeout_s), so a flood cannot grow the daemon's memory and the endpoint answers as soon as it ends."),
    INT("http", "timeout_s", http.timeout_s, "10", 1, 3600, "An idle HTTP connection is closed after this many seconds."),
};
#define N_OPTIONS (sizeof OPTIONS / sizeof *OPTIONS)


static const struct option *find(const char *section, const char *key) {
  for (size_t i = 0; i < N_OPTIONS; i++)
    if (strcmp(OPTIONS[i].section, section) == 0 && strcmp(OPTIONS[i].key, key) == 0) return &OPTIONS[i];
  return NULL;
}

static int set_value(struct ls_config *c, const struct option *o, const char *v, struct ls_err *err) {
  char *p = (char *)c + o->offset, *end;
  switch (o->kind) {
    case K_STR:
      if (strlen(v) >= o->size) return ls_err_set(err, LS_EINVAL, "%s.%s: value longer than %zu bytes", o->section, o->key, o->size - 1);
      strcpy(p, v);
      return LS_OK;
    case K_BOOL:
      if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1") || !strcasecmp(v, "on")) *(bool *)p = true;
      else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0") || !strcasecmp(v, "off")) *(bool *)p = false;
      else return ls_err_set(err, LS_EINVAL, "%s.%s: \"%s\" is not a boolean (true/false)", o->section, o->key, v);
      return LS_OK;
    case K_INT: {
      errno = 0;
      long long x = strtoll(v, &end, 10);
      if (errno || end == v || *end)
        return ls_err_set(err, LS_EINVAL, "%s.%s: \"%s\" is not an integer", o->section, o->key, v);
      if (x < o->min || x > o->max)
        return ls_err_set(err, LS_EINVAL, "%s.%s: %lld is outside [%.0f, %.0f]", o->section, o->key, x, o->min, o->max);
      *(int64_t *)p = x;
      return LS_OK;
    }
    case K_DBL: {
      double x = strtod(v, &end);
      if (end == v || *end || !isfinite(x))
        return ls_err_set(err, LS_EINVAL, "%s.%s: \"%s\" is not a number", o->section, o->key, v);
      if (x < o->min || x > o->max)
        return ls_err_set(err, LS_EINVAL, "%s.%s: %g is outside [%g, %g]", o->section, o->key, x, o->min, o->max);
      *(double *)p = x;
      return LS_OK;
    }
  }
  return LS_EINVAL;
}

void ls_config_defaults(struct ls_config *c) {
  memset(c, 0, sizeof *c);
  for (size_t i = 0; i < N_OPTIONS; i++) set_value(c, &OPTIONS[i], OPTIONS[i].def, NULL);
}

/* Keys that moved: the old name is refused with the new one. */
static const char *const RENAMED[][2] = {{"redis.max_pending", "output.max_pending"}};

static int assign(struct ls_config *c, const char *section, const char *key, const char *value, struct ls_err *err) {
  const struct option *o = find(section, key);
  char name[130];
  snprintf(name, sizeof name, "%s.%s", section, key);
  for (size_t i = 0; !o && i < sizeof RENAMED / sizeof *RENAMED; i++)
    if (!strcmp(name, RENAMED[i][0])) return ls_err_set(err, LS_EINVAL, "%s is now %s (it bounds every sink)", name, RENAMED[i][1]);
  if (!o) return ls_err_set(err, LS_EINVAL, "unknown key %s.%s (lockstepd --print-config lists every key)", section, key);
  return set_value(c, o, value, err);
}

struct ini_ctx {
  struct ls_config *c;
  struct ls_err first; /* the first bad key or value; inih reports its line */
  bool failed;
};

static int on_ini(void *ud, const char *section, const char *key, const char *value) {
  struct ini_ctx *x = ud;
  struct ls_err e;
  if (assign(x->c, section, key, value, &e) == LS_OK) return 1;
  if (!x->failed) x->first = e;
  x->failed = true;
  return 0;
}

int ls_config_load(struct ls_config *c, const char *path, struct ls_err *err) {
  FILE *f = fopen(path, "r");
  if (!f) return ls_err_set(err, LS_EIO, "config %s: %s", path, strerror(errno));
  struct ini_ctx x = {.c = c};
  int line = ini_parse_file(f, on_ini, &x);
  fclose(f);
  if (line == 0) return LS_OK;
  if (x.failed) return ls_err_set(err, LS_EINVAL, "%s:%d: %s", path, line, x.first.msg);
  return ls_err_set(err, LS_EINVAL, "%s:%d: syntax error (expected [section] or key = value)", path, line);
}

int ls_config_set(struct ls_config *c, const char *a, struct ls_err *err) {
  const char *dot = strchr(a, '.'), *eq = strchr(a, '=');
  if (!dot || !eq || dot > eq || dot == a || eq == dot + 1)
    return ls_err_set(err, LS_EINVAL, "--set %s: expected section.key=value", a);
  char section[64], key[64];
  size_t ns = (size_t)(dot - a), nk = (size_t)(eq - dot - 1);
  if (ns >= sizeof section || nk >= sizeof key) return ls_err_set(err, LS_EINVAL, "--set %s: name too long", a);
  memcpy(section, a, ns);
  section[ns] = '\0';
  memcpy(key, dot + 1, nk);
  key[nk] = '\0';
  struct ls_err e;
  if (assign(c, section, key, eq + 1, &e) != LS_OK) return ls_err_set(err, LS_EINVAL, "--set: %s", e.msg);
  return LS_OK;
}

static const char *const ROLES[] = {"all", "ingest", "pair", "cluster", NULL};
static const char *const CODECS[] = {"none", "gzip", "snappy", "lz4", "zstd", NULL};

static bool one_of(const char *v, const char *const *names) {
  for (; *names; names++)
    if (!strcmp(v, *names)) return true;
  return false;
}

const char *ls_role_name(enum ls_role r) { return ROLES[r]; }

enum ls_role ls_config_role(const struct ls_config *c) {
  for (int r = 0; ROLES[r]; r++)
    if (!strcmp(c->pipeline.role, ROLES[r])) return (enum ls_role)r;
  return LS_ROLE_ALL;
}

int ls_config_check(const struct ls_config *c, struct ls_err *err) {
  if (!one_of(c->pipeline.role, ROLES)) return ls_err_set(err, LS_EINVAL, "pipeline.role: \"%s\" is not all, ingest, pair or cluster", c->pipeline.role);
  if (!one_of(c->kafka.output_format, (const char *const[]){"protobuf", "json", NULL}))
    return ls_err_set(err, LS_EINVAL, "kafka.output_format: \"%s\" is not protobuf or json", c->kafka.output_format);
  if (!one_of(c->pipeline.compression, CODECS))
    return ls_err_set(err, LS_EINVAL, "pipeline.compression: \"%s\" is not none, gzip, snappy, lz4 or zstd", c->pipeline.compression);
  if (c->checkpoint.interval_s > 0 && !c->checkpoint.name[0])
    return ls_err_set(err, LS_EINVAL, "checkpoint.name: empty (set a name unique in the group, or checkpoint.interval_s = 0)");
  if (!one_of(c->kafka.offset_reset, (const char *const[]){"earliest", "latest", NULL}))
    return ls_err_set(err, LS_EINVAL, "kafka.offset_reset: \"%s\" is not earliest or latest", c->kafka.offset_reset);
  if (!one_of(c->embed.backend, (const char *const[]){"auto", "cpu", "cuda", NULL}))
    return ls_err_set(err, LS_EINVAL, "embed.backend: \"%s\" is not auto, cpu or cuda", c->embed.backend);
  if (!one_of(c->output.level, (const char *const[]){"debug", "info", "warn", "error", NULL})) return ls_err_set(err, LS_EINVAL, "log.level: \"%s\" is not debug, info, warn or error", c->output.level);
  if (c->batch.max_tweets * 2 > c->input.ring_capacity)
    return ls_err_set(err, LS_EINVAL, "input.ring_capacity (%lld) must be at least twice batch.max_tweets (%lld)",
                      (long long)c->input.ring_capacity, (long long)c->batch.max_tweets);
  return LS_OK;
}

static void print_value(const struct ls_config *c, const struct option *o, FILE *f) {
  const char *p = (const char *)c + o->offset;
  switch (o->kind) {
    case K_STR: fputs(p, f); break;
    case K_INT: fprintf(f, "%lld", (long long)*(const int64_t *)p); break;
    case K_DBL: fprintf(f, "%g", *(const double *)p); break;
    case K_BOOL: fputs(*(const bool *)p ? "true" : "false", f); break;
  }
}

/* A documentation comment, wrapped at word boundaries: INI readers cap line lengths (inih: 200). */
static void print_comment(const char *doc, FILE *f) {
  const size_t width = 98;
  while (*doc) {
    size_t n = strlen(doc);
    if (n > width) {
      n = width;
      while (n > 0 && doc[n] != ' ') n--;
      if (n == 0) n = width;
    }
    fprintf(f, "# %.*s\n", (int)n, doc);
    doc += n;
    while (*doc == ' ') doc++;
  }
}

void ls_config_print_defaults(FILE *f) {
  fputs("# lockstep.conf — lockstepd configuration. Every key, with its default.\n"
        "# Generated by `lockstepd --print-config`; any key can be overridden with --set section.key=value.\n", f);
  const char *section = "";
  for (size_t i = 0; i < N_OPTIONS; i++) {
    const struct option *o = &OPTIONS[i];
    if (strcmp(section, o->section)) fprintf(f, "\n[%s]\n", section = o->section);
    print_comment(o->doc, f);
    if (o->live) fputs(LIVE_MARK "\n", f);
    fprintf(f, "%s = %s\n", o->key, o->def);
  }
}

static size_t value_size(const struct option *o) {
  return o->kind == K_STR ? o->size : o->kind == K_BOOL ? sizeof(bool) : o->kind == K_INT ? sizeof(int64_t) : sizeof(double);
}

static bool same_value(const struct ls_config *a, const struct ls_config *b, const struct option *o) {
  const char *x = (const char *)a + o->offset, *y = (const char *)b + o->offset;
  return o->kind == K_STR ? strcmp(x, y) == 0 : memcmp(x, y, value_size(o)) == 0;
}

int ls_config_reload(struct ls_config *running, const struct ls_config *fresh, char *live, size_t live_cap, char *fixed, size_t fixed_cap) {
  int changed = 0;
  size_t nl = 0, nf = 0;
  live[0] = fixed[0] = '\0';
  for (size_t i = 0; i < N_OPTIONS; i++) {
    const struct option *o = &OPTIONS[i];
    if (same_value(running, fresh, o)) continue;
    if (o->live) {
      memcpy((char *)running + o->offset, (const char *)fresh + o->offset, value_size(o));
      changed++;
      nl += (size_t)snprintf(live + nl, nl < live_cap ? live_cap - nl : 0, "%s%s.%s", nl ? ", " : "", o->section, o->key);
    } else {
      nf += (size_t)snprintf(fixed + nf, nf < fixed_cap ? fixed_cap - nf : 0, "%s%s.%s", nf ? ", " : "", o->section, o->key);
    }
    if (nl >= live_cap) nl = live_cap - 1;
    if (nf >= fixed_cap) nf = fixed_cap - 1;
  }
  return changed;
}

void ls_config_print(const struct ls_config *c, FILE *f) {
  for (size_t i = 0; i < N_OPTIONS; i++) {
    fprintf(f, "%s.%s=", OPTIONS[i].section, OPTIONS[i].key);
    if (!strcmp(OPTIONS[i].key, "password") && ((const char *)c + OPTIONS[i].offset)[0]) fputs("********", f);
    else print_value(c, &OPTIONS[i], f);
    fputc('\n', f);
  }
}
