/* operation.h — operations: the campaigns of one actor, linked over hours. A campaign belongs to
 * one operation. A group joins the operations it connects to: those holding one of its accounts
 * (any campaign of theirs, open or closed), or at least min_shared_objects of the objects its
 * accounts coordinated on (the same retweeted tweet, canonical text, link or hashtag sequence);
 * when it connects to several, the oldest takes the others in (lineage: merged_from on the
 * events, merged_into in Redis). A campaign that connects to none founds an operation whose id
 * is its own with an "o" prefix, so ids are as reproducible as campaign ids. An operation with
 * no open campaign is dormant and is forgotten memory_ms after its last coordinated action.
 * The tracker drives it, one clustering round at a time: begin, connect/found/merge/add per
 * group, end. Operations are few (one per actor), so plain arrays and one index per round do. */
#ifndef LOCKSTEP_OPERATION_H
#define LOCKSTEP_OPERATION_H

#include <stdbool.h>
#include <stdint.h>

#include "lockstep/campaign.h"
#include "lockstep/err.h"
#include "lockstep/graph.h"
#include "lockstep/snapshot.h"

#define LS_OP_OBJECTS 64 /* latest coordinated objects remembered per operation */
#define LS_OP_CONNECT_MAX 16 /* operations one group is compared with (the oldest are kept) */

struct ls_ops_conf {
  int64_t memory_ms;           /* a dormant operation is forgotten this long after its last action */
  uint32_t min_shared_objects; /* objects a group shares with an operation to join it (0: accounts only) */
};

struct ls_op;
struct ls_ops;

/* @returns LS_OK, or LS_ENOMEM. */
int ls_ops_create(struct ls_ops **out, const struct ls_ops_conf *conf, struct ls_err *err);
void ls_ops_destroy(struct ls_ops *o);

/* Starts a round: indexes the accounts and objects of the operations. @returns LS_OK, or
 * LS_ENOMEM (the round must be skipped). */
int ls_ops_begin(struct ls_ops *o, struct ls_err *err);
/* The operations the group connects to, oldest first (at most LS_OP_CONNECT_MAX): @returns
 * their number. */
uint32_t ls_ops_connect(struct ls_ops *o, const struct ls_group *g, struct ls_op **out);
/* The operation of a campaign (current: its operation so far, NULL for a new one) whose group
 * connects to links[0..n): the oldest of them, which takes the others in (at most
 * LS_OP_MERGED_MAX a round: the rest wait a round), or a new operation named after campaign_id
 * when there is none. @returns it, or NULL when out of memory. */
struct ls_op *ls_ops_join(struct ls_ops *o, struct ls_op *current, struct ls_op *const *links, uint32_t n,
                          const char *campaign_id);
/* The operation that op was merged into this round, or op. Campaigns keep their pointer and
 * resolve it; it is valid until ls_ops_end. */
struct ls_op *ls_ops_resolve(struct ls_op *op);
/* A campaign joins (opened: it is open) or leaves (closed) the operation. */
void ls_ops_campaign_opened(struct ls_op *op);
void ls_ops_campaign_closed(struct ls_op *op);
/* Adds the group's accounts, objects, span and score to the operation. @returns LS_OK, or
 * LS_ENOMEM (the operation keeps what it had). */
int ls_ops_add(struct ls_ops *o, struct ls_op *op, const struct ls_group *g, double score);
/* Its id ("o" and 16 hex digits). */
const char *ls_ops_id(const struct ls_op *op);
/* The operation with this id, or NULL. */
struct ls_op *ls_ops_find(const struct ls_ops *o, const char *id);
/* Checkpoints (snapshot.h), between rounds: every operation with its accounts and objects.
 * Loading replaces the operations. @returns LS_OK, LS_EINVAL (the reason) or LS_ENOMEM. */
void ls_ops_save(const struct ls_ops *o, struct ls_snap *w);
int ls_ops_load(struct ls_ops *o, struct ls_snap_reader *r, struct ls_err *err);
/* What an event of one of its campaigns says of it. */
void ls_ops_ref(const struct ls_op *op, struct ls_operation_ref *ref);
/* Ends the round: frees the operations merged away and forgets the dormant ones idle for
 * memory_ms at event time now_ms. */
void ls_ops_end(struct ls_ops *o, int64_t now_ms);
uint32_t ls_ops_count(const struct ls_ops *o);

#endif
