/* export.h — the coordination network of a replay run, for analysts (lockstepd --export-edges).
 * Written in the QUT coordination-network-toolkit's layouts: a CSV edge list
 * `source,target,weight,edge_type` (every field quoted, as the toolkit writes it) and GraphML with
 * nodes carrying user_id, username and the most recent messages, so the files open in Gephi and
 * compare line by line with the toolkit's own output.
 *
 * Edges follow the toolkit's definitions: directed, from A to B, weight = the number of distinct
 * messages of A that have at least one message of B acting on the same object within ±window
 * (inclusive); no self loops; edges under the signal's minimum weight are left out. The exact
 * signals (co-retweet, co-reply, co-tweet, co-link, co-hashtag) are computed here from every
 * recorded action, independently of the detector's bounded windows and organic suppression;
 * co-similar-text edges come from the message pairs the detector's vector index found.
 * edge_type is the toolkit's command name: co_retweet, co_reply, co_tweet, co_similar_tweet,
 * co_link, and co_hashtag (which the toolkit lacks). Memory grows with the input: replay only. */
#ifndef LOCKSTEP_EXPORT_H
#define LOCKSTEP_EXPORT_H

#include <stdint.h>

#include "lockstep/err.h"
#include "lockstep/signal.h"

#define LS_EXPORT_MESSAGES 3 /* recent messages per node in GraphML */

struct ls_export;

/* window_ms and min_weight per signal; min_weight 0: the signal is not exported. */
int ls_export_create(struct ls_export **out, const int64_t window_ms[LS_SIG_COUNT],
                     const double min_weight[LS_SIG_COUNT], struct ls_err *err);
void ls_export_destroy(struct ls_export *x);

/* Message msg of account acted on object (signal-specific key) at t_ms. */
int ls_export_action(struct ls_export *x, enum ls_signal s, uint64_t object, uint64_t account, uint64_t msg,
                     int64_t t_ms);
/* Message msg of account matched a message of other (co-similar-text). */
int ls_export_match(struct ls_export *x, enum ls_signal s, uint64_t account, uint64_t msg, uint64_t other);
/* Node annotations: the account's username and a message (the latest LS_EXPORT_MESSAGES kept). */
int ls_export_node(struct ls_export *x, uint64_t account, const char *username, const char *text, uint32_t len);

/* Writes csv_path and graphml_path; the number of edges written goes to *n_edges. */
int ls_export_write(struct ls_export *x, const char *csv_path, const char *graphml_path, uint64_t *n_edges,
                    struct ls_err *err);

/* The toolkit's name of a signal's network (edge_type). */
const char *ls_export_edge_type(enum ls_signal s);

#endif
