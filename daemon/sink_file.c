/* sink_file.c — campaign events as JSON lines in a file (replay and research use). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lockstep/sink.h"

struct file_sink {
  FILE *f;
  char path[256];
  struct ls_jw jw;
};

static int file_write(struct ls_sink *s, const struct ls_campaign_event *e) {
  struct file_sink *fs = s->ctx;
  ls_jw_reset(&fs->jw);
  ls_campaign_to_json(e, &fs->jw);
  if (fs->jw.oom || fprintf(fs->f, "%s\n", fs->jw.buf) < 0) {
    s->failed++;
    ls_logf(s->log, LS_LOG_ERROR, "sink", "file=%s write failed: %s", fs->path, strerror(errno));
    return LS_EIO;
  }
  s->written++;
  return LS_OK;
}

static int file_flush(struct ls_sink *s, int timeout_ms) {
  (void)timeout_ms;
  struct file_sink *fs = s->ctx;
  return fflush(fs->f) == 0 ? LS_OK : LS_EIO;
}

static void file_destroy(struct ls_sink *s) {
  struct file_sink *fs = s->ctx;
  fclose(fs->f);
  ls_jw_free(&fs->jw);
  free(fs);
  free(s);
}

static const struct ls_sink_i FILE_I = {.name = "file", .write = file_write, .flush = file_flush, .destroy = file_destroy};

int ls_sink_file_create(struct ls_sink **out, const char *path, const struct ls_log *log, struct ls_err *err) {
  FILE *f = fopen(path, "w");
  if (!f) return ls_err_set(err, LS_EIO, "output file %s: %s", path, strerror(errno));
  struct ls_sink *s = calloc(1, sizeof *s);
  struct file_sink *fs = calloc(1, sizeof *fs);
  if (!s || !fs) {
    fclose(f);
    free(s);
    free(fs);
    return ls_err_set(err, LS_ENOMEM, "file sink: out of memory");
  }
  fs->f = f;
  snprintf(fs->path, sizeof fs->path, "%s", path);
  ls_jw_init(&fs->jw);
  *s = (struct ls_sink){.i = &FILE_I, .ctx = fs, .log = log};
  *out = s;
  return LS_OK;
}

void ls_sink_destroy(struct ls_sink *s) {
  if (s) s->i->destroy(s);
}
