/* encode.h — writes tweet records in the input formats lockstep reads: protobuf lockstep.Tweet
 * (optionally length-delimited for files), Twitter API v2 JSON (one object per line), and QUT
 * coordination-network-toolkit CSV. Used by lockstep-gen and by tests. */
#ifndef LOCKSTEP_ENCODE_H
#define LOCKSTEP_ENCODE_H

#include <stdio.h>

#include "lockstep/json.h"
#include "lockstep/tweet.h"

/* Packs t as protobuf into buf (cap bytes); returns the length, or 0 if it does not fit. */
size_t ls_encode_protobuf(const struct ls_tweet *t, uint8_t *buf, size_t cap);
/* Writes t as a Twitter API v2 tweet object (ids as strings) into w. */
void ls_encode_json(const struct ls_tweet *t, struct ls_jw *w);
/* The QUT toolkit CSV header line (with newline) and one record (with newline). */
void ls_encode_csv_header(FILE *f);
void ls_encode_csv(const struct ls_tweet *t, FILE *f);
/* Writes a varint length prefix then the bytes. */
int ls_write_delimited(FILE *f, const uint8_t *buf, size_t len);

#endif
