/* json_file.c — reading one model configuration file (config.json, modules.json, …) whole and
 * parsing it; errors name the file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/model.h"

#define MAX_JSON_FILE (256u << 20)

static char *slurp(const char *path, size_t *len, struct ls_err *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return ls_err_set(err, LS_EIO, "%s: cannot open: %s", path, strerror(errno)), NULL;
  char *buf = NULL;
  long n = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
  if (n < 0 || (size_t)n > MAX_JSON_FILE) {
    ls_err_set(err, LS_EINVAL, "%s: unreadable or larger than %u MiB", path, MAX_JSON_FILE >> 20);
  } else if (!(buf = malloc((size_t)n + 1))) {
    ls_err_set(err, LS_ENOMEM, "%s: out of memory", path);
  } else if (fseek(f, 0, SEEK_SET) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    ls_err_set(err, LS_EIO, "%s: read failed", path);
    free(buf);
    buf = NULL;
  }
  fclose(f);
  *len = (size_t)n;
  return buf;
}

int ls_json_file_read(struct ls_json_file *f, const char *dir, const char *name, bool *missing, struct ls_err *err) {
  memset(f, 0, sizeof *f);
  snprintf(f->path, sizeof f->path, "%s/%s", dir, name);
  errno = 0;
  size_t len = 0;
  f->src = slurp(f->path, &len, err);
  if (missing) *missing = !f->src && errno == ENOENT;
  if (!f->src) return errno == ENOENT ? LS_EIO : LS_EINVAL;
  f->doc.cap = (uint32_t)(len / 2 + 16);
  f->doc.toks = malloc(f->doc.cap * sizeof *f->doc.toks);
  struct ls_err jerr;
  int rc = f->doc.toks ? ls_json_parse(&f->doc, f->src, len, &jerr) : ls_err_set(&jerr, LS_ENOMEM, "out of memory");
  if (rc == LS_OK && f->doc.toks[0].type != LS_JSON_OBJECT && f->doc.toks[0].type != LS_JSON_ARRAY)
    rc = ls_err_set(&jerr, LS_EINVAL, "not an object or array");
  if (rc != LS_OK) {
    ls_err_set(err, rc, "%s: not valid JSON: %s", f->path, jerr.msg);
    ls_json_file_free(f);
  }
  return rc;
}

void ls_json_file_free(struct ls_json_file *f) {
  free(f->src);
  free(f->doc.toks);
  f->src = NULL;
  f->doc.toks = NULL;
}
