/* decoder_impl.h — the decoder's private state, shared by the per-format decoders. */
#ifndef LS_DECODER_IMPL_H
#define LS_DECODER_IMPL_H

#include <protobuf-c/protobuf-c.h>

#include "lockstep/decode.h"
#include "lockstep/json.h"

struct ls_decoder {
  struct ls_decode_limits limits;
  struct ls_json_tok *toks;
  uint32_t tok_cap;
  struct ls_arena scratch; /* strings of the tweet being built; reset per tweet */
  struct ls_arena msg;     /* one message's allocations (protobuf-c's; a JSON page's user index) */
  ProtobufCAllocator pb_alloc;
  char *mem;
};

/* Validates t and passes it to emit, or its reason to reject (prefixed with `where`).
 * Returns 1 if emitted, 0 if rejected, <0 if emit asked to stop. */
int ls_decoder_deliver(struct ls_decoder *d, const struct ls_tweet *t, const char *where,
                       const struct ls_decode_sink *sink);
void ls_decoder_reject(const struct ls_decode_sink *sink, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

int ls_decode_protobuf(struct ls_decoder *d, const void *data, size_t len, const struct ls_decode_sink *sink);
int ls_decode_json(struct ls_decoder *d, const void *data, size_t len, const struct ls_decode_sink *sink);
int ls_decode_csv(struct ls_decoder *d, const void *data, size_t len, const struct ls_decode_sink *sink);

#endif
