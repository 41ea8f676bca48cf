/* safetensors.h — a validating, memory-mapped reader of Hugging Face .safetensors files.
 * Layout: an 8-byte little-endian header length N, N bytes of JSON mapping each tensor name to
 * {dtype, shape, data_offsets: [begin, end]} (offsets relative to the byte after the header),
 * then the data. Opening checks the whole header: sizes within the file, known dtypes, offsets
 * that match shape × dtype size, no overlapping tensors. Tensors are read as float32 from F32,
 * F16 or BF16; other dtypes may be present (embeddings.position_ids is I64) if never read. */
#ifndef LOCKSTEP_SAFETENSORS_H
#define LOCKSTEP_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "lockstep/err.h"

#define LS_ST_MAX_DIMS 4

enum ls_st_dtype { LS_ST_F32, LS_ST_F16, LS_ST_BF16, LS_ST_OTHER };

struct ls_st_tensor {
  char name[160];
  char dtype_name[12];
  enum ls_st_dtype dtype;
  uint32_t ndim;
  uint64_t shape[LS_ST_MAX_DIMS];
  const unsigned char *data;
  uint64_t bytes;
};

struct ls_safetensors {
  char path[512];
  void *map;
  size_t map_len;
  struct ls_st_tensor *tensors;
  uint32_t n;
};

int ls_st_open(struct ls_safetensors *st, const char *path, struct ls_err *err);
void ls_st_close(struct ls_safetensors *st);
/* The tensor called name, or prefix+name for each prefix of the NULL-terminated list; NULL if none. */
const struct ls_st_tensor *ls_st_find(const struct ls_safetensors *st, const char *name, const char *const *prefixes);
/* Reads a tensor into a new float32 array after checking its shape (ndim dims in `shape`).
 * Errors name the file and the tensor: missing, wrong shape, or a dtype that is not F32/F16/BF16. */
float *ls_st_read(const struct ls_safetensors *st, const char *name, const char *const *prefixes, uint32_t ndim,
                  const uint64_t *shape, struct ls_err *err);

/* IEEE half and bfloat16 to float (exact). */
float ls_half_to_float(uint16_t h);
float ls_bf16_to_float(uint16_t b);

#endif
