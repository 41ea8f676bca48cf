/* backend.c — choosing a backend at run time: "auto" takes CUDA when a device is usable and
 * falls back to the CPU with one log line saying why. */
#include <string.h>

#include "lockstep/backend.h"

int ls_backend_open(struct ls_backend **out, const char *which, const struct ls_log *log, struct ls_err *err) {
  if (strcmp(which, "cpu") == 0) return ls_backend_cpu_create(out, err);
  if (strcmp(which, "cuda") == 0) return ls_backend_cuda_create(out, err);
  if (strcmp(which, "auto") != 0)
    return ls_err_set(err, LS_EINVAL, "backend \"%s\" is not one of auto, cpu, cuda", which);
  struct ls_err why;
  if (ls_backend_cuda_create(out, &why) == LS_OK) return LS_OK;
  ls_logf(log, LS_LOG_INFO, "backend", "CUDA not used (%s); falling back to CPU", why.msg);
  return ls_backend_cpu_create(out, err);
}

void ls_backend_close(struct ls_backend *be) {
  if (be) be->i->destroy(be);
}

#ifndef LS_HAVE_CUDA
int ls_backend_cuda_create(struct ls_backend **out, struct ls_err *err) {
  (void)out;
  return ls_err_set(err, LS_EUNAVAIL, "this build has no CUDA backend (built with LOCKSTEP_CUDA=OFF or without nvcc)");
}
#endif
