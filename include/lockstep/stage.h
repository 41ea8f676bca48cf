/* stage.h — the records one stage of the pipeline hands the next (DESIGN.md §2, README: stages).
 *
 *   ingest (signals.h) ──action──▶ pair (pairs.h, similar.h) ──pair set──▶ cluster (cluster.h)
 *
 * An action is one account acting on one object at one time: a retweeted tweet, a reply target,
 * a canonical text, a canonical link, a hashtag sequence, or (co-similar-text) a text vector. A
 * pair set is one action with the earlier actions of other accounts it is coordinated with, each
 * weighed by the chance model (chance.h). Data flows one way: a stage reads records and writes
 * records; it never calls back into the stage before it. */
#ifndef LOCKSTEP_STAGE_H
#define LOCKSTEP_STAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "lockstep/signal.h"

/* One action (ingest's output, the pair stage's input). */
struct ls_action_rec {
  uint64_t key;     /* the object, qualified by its signal (ls_signals_key); 0 for co-similar-text */
  uint64_t tweet;   /* the acting tweet */
  uint64_t account; /* its author */
  int64_t t_ms;     /* its event time */
  double activity;  /* the author's activity count with this tweet (activity.h): the chance model's */
  enum ls_signal signal;
  bool replayed; /* read again after a restore: the checkpoint holds its co-actions with other replayed ones */
  uint32_t window; /* co-similar-text on sharded windows (text_shards.h): 1 + the actions partition whose
                      window searched it (a tweet's pairs may come from several); 0: the one window */
};

/* A co-action of the set's action with another account's earlier action on the same object
 * (co-similar-text: or, within one batch, later). */
struct ls_coaction {
  uint64_t account;
  int64_t gap_ms; /* the set's action's time minus the other's */
  double w;       /* chance weight (chance.h), before the object's and the tweet's budgets */
};

/* One action and its co-actions (the pair stage's output, the cluster stage's input). partners
 * belongs to the stage that wrote the set and stays valid until that stage's next call. A
 * revision is the set again, with one more partner (late_account's action, read after act's
 * although it came first): the cluster stage spends the set's budget again over all of them,
 * taking back what the set spent before (cluster.h). */
struct ls_pairset {
  struct ls_action_rec act;
  uint32_t object_accounts; /* accounts on the object within its window, this one included */
  uint32_t revision;        /* 0: the set as first made; k: its k-th late partner added */
  uint64_t late_account;    /* a revision's added partner (0 in a first set) */
  uint32_t n;
  uint32_t light; /* co-actions weighed under the chance model's least weight: counted, not kept */
  const struct ls_coaction *partners;
};

#endif
