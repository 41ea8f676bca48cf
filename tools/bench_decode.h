/* bench_decode.h — `lockstep-bench decode`: messages of about one size in every shape a
 * decoder walks (tools/bench_decode.c), each decoded beside the JSON tokeniser alone. */
#ifndef LOCKSTEP_TOOLS_BENCH_DECODE_H
#define LOCKSTEP_TOOLS_BENCH_DECODE_H

#include <stddef.h>

/* @returns 0, or 1 when a message could not be built or the decoder not created. */
int bench_decode(size_t bytes, int reps);

#endif
