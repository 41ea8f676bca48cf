/* embed.h — text embedders that turn tweet texts into unit vectors for co-similar-text.
 * The default, "hash", needs no model files: it is feature hashing, not a language model.
 * Word unigrams and bigrams plus character trigrams of the normalised text are hashed with a
 * signed hash into `dim` buckets, each distinct feature counted once, and L2-normalised. Two
 * texts that share most of their words and spellings get a high cosine; paraphrases with many
 * different words do not. Transformer models (embed.model = PATH) come with their own module. */
#ifndef LOCKSTEP_EMBED_H
#define LOCKSTEP_EMBED_H

#include <stddef.h>
#include <stdint.h>

#include "lockstep/err.h"

struct ls_hash_embedder {
  uint32_t dim; /* power of two is not required */
  uint32_t seed;
};

/* Embeds n texts into out[n×dim] (host memory), each row unit length (all-zero for a text with
 * no features). texts need not be NUL-terminated. */
void ls_hash_embed(const struct ls_hash_embedder *e, const char *const *texts,
                   const uint32_t *lens, uint32_t n, float *out);

#endif
