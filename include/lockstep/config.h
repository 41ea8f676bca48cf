/* config.h — lockstepd's configuration: one table of every key with its type, default, range and
 * documentation (daemon/config.c). Sources, in order: defaults, the INI file (--config), then
 * --set section.key=value. Unknown keys and bad values are errors naming the file and line. */
#ifndef LOCKSTEP_CONFIG_H
#define LOCKSTEP_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "lockstep/err.h"
#include "lockstep/signal.h"

#define LS_STR 256


struct ls_signal_conf {
  bool enabled;
  int64_t window_s, time_scale_s;
  double min_weight; /* the network export's */
};

struct ls_config {
  struct {
    char brokers[LS_STR], group_id[LS_STR], instance_id[LS_STR], input_topic[LS_STR], output_topic[LS_STR], dlq_topic[LS_STR];
    char output_format[LS_STR], offset_reset[LS_STR], properties[1024], epoch_topic[LS_STR];
    bool output_enabled;
    int64_t consumers, session_timeout_ms, fetch_wait_max_ms, queued_max_kbytes, order_wait_ms;
  } kafka;
  struct {
    bool enabled;
    char host[LS_STR], password[LS_STR], prefix[LS_STR];
    int64_t port, db, timeout_ms, closed_ttl_s, stream_maxlen;
  } redis;
  struct {
    int64_t max_message_bytes, max_text_bytes, max_future_s, ring_capacity;
  } input;
  struct {
    char model[LS_STR], backend[LS_STR];
    int64_t dim, max_batch_tokens;
    double similarity_threshold;
  } embed;
  struct {
    int64_t max_tweets, max_latency_ms;
  } batch;
  struct {
    int64_t min_accounts, cluster_interval_ms, close_after_s, edge_ttl_s, organic_accounts, active_actions;
    int64_t operation_memory_s, operation_shared_objects, small_group_actions;
    int64_t max_objects, max_edges, max_accounts, dedup_capacity, window_capacity, lateness_s, index_lists, index_probes;
    double min_score, min_action_weight, min_edge_weight, min_account_evidence;
  } detect;
  struct ls_signal_conf signal[LS_SIG_COUNT];
  struct {
    char drop_params[LS_STR];
  } link;
  struct {
    char file[LS_STR], level[LS_STR];
    int64_t interval_s, max_pending;
  } output;
  struct {
    int64_t interval_s;
    char name[LS_STR];
  } checkpoint;
  struct {
    char role[LS_STR], actions_topic[LS_STR], pairs_topic[LS_STR], text_shards[LS_STR], compression[LS_STR];
    int64_t text_shard_spill;
  } pipeline;
  struct {
    char listen[LS_STR];
    int64_t max_connections, timeout_s;
  } http;
};

/* pipeline.role: which stages this daemon runs (README: stages). */
enum ls_role { LS_ROLE_ALL, LS_ROLE_INGEST, LS_ROLE_PAIR, LS_ROLE_CLUSTER };
/* The role named by c->pipeline.role (checked by ls_config_check). */
enum ls_role ls_config_role(const struct ls_config *c);
const char *ls_role_name(enum ls_role r);

void ls_config_defaults(struct ls_config *c);
/* Reads an INI file over c. */
int ls_config_load(struct ls_config *c, const char *path, struct ls_err *err);
/* Applies one "section.key=value". */
int ls_config_set(struct ls_config *c, const char *assignment, struct ls_err *err);
/* SIGHUP: copies into running the keys that change live and differ in fresh; lists them in
 * live, and those that differ but need a restart in fixed (comma-separated, truncated to the
 * buffers). @returns the number of keys changed. */
int ls_config_reload(struct ls_config *running, const struct ls_config *fresh, char *live, size_t live_cap, char *fixed, size_t fixed_cap);
/* Checks relations between keys (e.g. the output format is known). */
int ls_config_check(const struct ls_config *c, struct ls_err *err);
/* Writes the documented INI file with the defaults (the source of deploy/lockstep.conf). */
void ls_config_print_defaults(FILE *f);
/* Writes the effective configuration (passwords masked) as key=value lines. */
void ls_config_print(const struct ls_config *c, FILE *f);

#endif
