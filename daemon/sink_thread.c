/* sink_thread.c — runs a sink on a thread of its own, so that a slow or frozen service (Redis
 * answering in seconds, a broker away) never stops detection. The pipeline's write() copies the
 * event (accounts, usernames, texts, evidence) into a FIFO and returns; the thread hands queued
 * events to the inner sink in order and flushes it, again every FLUSH_RETRY_MS while it is not
 * clean. Nothing is dropped here: the bound is the pipeline's back-pressure (held() counts the
 * queue and what the inner sink holds; past half of output.max_pending the pipeline stops
 * reading), so the queue passes it only by the events of one clustering round.
 *
 * Two locks: `q` guards the queue and what the thread publishes (counters, held, the generation
 * it left clean) and is only ever held for moments; `inner` guards the inner sink and is held by
 * the thread through a pass (a flush may block for redis.timeout_ms). The checkpoint's calls
 * (pending, commit, recover) take `inner`, drain the queue into the inner sink first, and so see
 * every event written before them. `generation` counts what may leave the inner sink unclean
 * (a write, a commit, a recovery); flush() reports LS_OK once a pass that began after the last of
 * them ended clean. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lockstep/sink.h"

#define FLUSH_RETRY_MS 20 /* between passes while the inner sink holds events it could not deliver */
#define STATS_MAX 64

struct queued {
  struct queued *next;
  struct ls_campaign_event e; /* its pointers lead into this allocation */
};

struct thread_sink {
  struct ls_sink_i iface; /* the inner sink's, where it has the method */
  struct ls_sink *inner;
  pthread_t thread;
  pthread_mutex_t q, inner_mu;
  pthread_cond_t work, done; /* work: something for the thread; done: a pass ended */
  struct queued *head, *tail;
  size_t queued;
  uint64_t generation, clean_generation;
  bool stop;
  /* the latest counters the pipeline published, for the thread to pass on */
  const char *stat_fields[STATS_MAX];
  uint64_t stat_values[STATS_MAX];
  int n_stats;
  bool stats_waiting;
  /* the inner sink's counters as of the thread's last pass */
  uint64_t written, failed, deferred, inner_held;
  uint64_t copy_failures; /* events write() could not copy (the pipeline's thread only) */
};

static size_t round8(size_t n) { return (n + 7) & ~(size_t)7; }

/* One allocation holding the event and everything it points to. */
static struct queued *copy_event(const struct ls_campaign_event *e) {
  size_t n = e->n_accounts, text = e->text ? strlen(e->text) + 1 : 0;
  size_t accounts = round8(sizeof(struct queued)), names = accounts + round8(n * sizeof *e->accounts);
  size_t ev = names + round8(e->usernames ? n * sizeof *e->usernames : 0), vars = ev + round8(e->ev ? sizeof *e->ev : 0);
  size_t txt = vars + round8(e->variants ? e->n_variants * sizeof *e->variants : 0);
  char *mem = malloc(txt + text);
  if (!mem) return NULL;
  struct queued *c = (struct queued *)mem;
  c->next = NULL;
  c->e = *e;
  if (n) memcpy(mem + accounts, e->accounts, n * sizeof *e->accounts);
  c->e.accounts = (const uint64_t *)(mem + accounts);
  if (e->usernames) {
    memcpy(mem + names, e->usernames, n * sizeof *e->usernames);
    c->e.usernames = (const char(*)[LS_USERNAME_MAX])(mem + names);
  }
  if (e->ev) {
    memcpy(mem + ev, e->ev, sizeof *e->ev);
    c->e.ev = (const struct ls_evidence *)(mem + ev);
  }
  if (e->variants) {
    memcpy(mem + vars, e->variants, e->n_variants * sizeof *e->variants);
    c->e.variants = (const char(*)[LS_TEXT_MAX + 1])(mem + vars);
  }
  if (text) {
    memcpy(mem + txt, e->text, text);
    c->e.text = mem + txt;
  }
  return c;
}

/* Under `inner` (and taking `q` for a moment): the queue, handed to the inner sink in order. */
static void hand_over(struct thread_sink *t) {
  pthread_mutex_lock(&t->q);
  struct queued *list = t->head;
  t->head = t->tail = NULL;
  t->queued = 0;
  pthread_mutex_unlock(&t->q);
  while (list) {
    struct queued *next = list->next;
    t->inner->i->write(t->inner, &list->e);
    free(list);
    list = next;
  }
}

/* Under `inner`: the stats the pipeline published last, if not passed on yet. */
static void pass_stats(struct thread_sink *t) {
  const char *fields[STATS_MAX];
  uint64_t values[STATS_MAX];
  pthread_mutex_lock(&t->q);
  int n = t->stats_waiting ? t->n_stats : 0;
  memcpy(fields, t->stat_fields, (size_t)n * sizeof *fields);
  memcpy(values, t->stat_values, (size_t)n * sizeof *values);
  t->stats_waiting = false;
  pthread_mutex_unlock(&t->q);
  if (n && t->inner->i->publish_stats) t->inner->i->publish_stats(t->inner, fields, values, n);
}

static void bump(struct thread_sink *t) {
  pthread_mutex_lock(&t->q);
  t->generation++;
  pthread_cond_signal(&t->work);
  pthread_mutex_unlock(&t->q);
}

static void deadline_in(struct timespec *ts, int ms) {
  clock_gettime(CLOCK_MONOTONIC, ts);
  ts->tv_sec += ms / 1000;
  ts->tv_nsec += (long)(ms % 1000) * 1000000;
  if (ts->tv_nsec >= 1000000000) {
    ts->tv_sec++;
    ts->tv_nsec -= 1000000000;
  }
}

/* One pass: hand over, pass the stats on, flush; then publish what the inner sink reports.
 * Returns whether the inner sink is clean. */
static bool pass(struct thread_sink *t) {
  pthread_mutex_lock(&t->inner_mu);
  pthread_mutex_lock(&t->q);
  uint64_t gen = t->generation;
  pthread_mutex_unlock(&t->q);
  hand_over(t);
  pass_stats(t);
  bool clean = t->inner->i->flush(t->inner, 0) == LS_OK;
  uint64_t held = t->inner->i->held ? t->inner->i->held(t->inner) : 0;
  pthread_mutex_lock(&t->q);
  t->written = t->inner->written, t->failed = t->inner->failed, t->deferred = t->inner->deferred;
  t->inner_held = held;
  if (clean && gen > t->clean_generation) t->clean_generation = gen;
  pthread_cond_broadcast(&t->done);
  pthread_mutex_unlock(&t->q);
  pthread_mutex_unlock(&t->inner_mu);
  return clean;
}

static void *run(void *arg) {
  struct thread_sink *t = arg;
  pthread_mutex_lock(&t->q);
  while (!t->stop) {
    pthread_mutex_unlock(&t->q);
    bool clean = pass(t);
    pthread_mutex_lock(&t->q);
    bool idle = clean && !t->head && !t->stats_waiting && t->clean_generation == t->generation;
    struct timespec until;
    deadline_in(&until, clean ? 1000 : FLUSH_RETRY_MS);
    if ((idle || !clean) && !t->stop && !t->head) pthread_cond_timedwait(&t->work, &t->q, &until);
  }
  pthread_mutex_unlock(&t->q);
  pass(t); /* what came with the stop */
  return NULL;
}

static int thread_write(struct ls_sink *s, const struct ls_campaign_event *e) {
  struct thread_sink *t = s->ctx;
  struct queued *c = copy_event(e);
  if (!c) {
    t->copy_failures++;
    ls_logf(s->log, LS_LOG_ERROR, t->inner->i->name, "out of memory: event %s version %u dropped", e->id, e->version);
    return LS_ENOMEM;
  }
  pthread_mutex_lock(&t->q);
  if (t->tail) t->tail->next = c;
  else t->head = c;
  t->tail = c;
  t->queued++;
  t->generation++;
  pthread_cond_signal(&t->work);
  pthread_mutex_unlock(&t->q);
  return LS_OK;
}

static int thread_flush(struct ls_sink *s, int timeout_ms) {
  struct thread_sink *t = s->ctx;
  struct timespec until;
  deadline_in(&until, timeout_ms);
  pthread_mutex_lock(&t->q);
  if (t->clean_generation != t->generation) pthread_cond_signal(&t->work);
  int rc = 0;
  while (t->clean_generation != t->generation && timeout_ms > 0 && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&t->done, &t->q, &until);
  bool clean = t->clean_generation == t->generation;
  s->written = t->written, s->failed = t->failed + t->copy_failures, s->deferred = t->deferred;
  pthread_mutex_unlock(&t->q);
  return clean ? LS_OK : LS_EUNAVAIL;
}

static size_t thread_held(struct ls_sink *s) {
  struct thread_sink *t = s->ctx;
  pthread_mutex_lock(&t->q);
  size_t n = t->queued + t->inner_held;
  pthread_mutex_unlock(&t->q);
  return n;
}

static void thread_stats(struct ls_sink *s, const char *const *fields, const uint64_t *values, int n) {
  struct thread_sink *t = s->ctx;
  if (n > STATS_MAX) n = STATS_MAX;
  pthread_mutex_lock(&t->q);
  memcpy(t->stat_fields, fields, (size_t)n * sizeof *fields);
  memcpy(t->stat_values, values, (size_t)n * sizeof *values);
  t->n_stats = n;
  t->stats_waiting = true;
  pthread_cond_signal(&t->work);
  pthread_mutex_unlock(&t->q);
}

static void thread_pending(struct ls_sink *s, struct ls_snap *w) {
  struct thread_sink *t = s->ctx;
  pthread_mutex_lock(&t->inner_mu);
  hand_over(t);
  t->inner->i->pending(t->inner, w);
  pthread_mutex_unlock(&t->inner_mu);
}

static int thread_commit(struct ls_sink *s, uint64_t epoch, struct ls_err *err) {
  struct thread_sink *t = s->ctx;
  pthread_mutex_lock(&t->inner_mu);
  hand_over(t);
  int rc = t->inner->i->commit(t->inner, epoch, err);
  pthread_mutex_unlock(&t->inner_mu);
  bump(t);
  return rc;
}

static int thread_recover(struct ls_sink *s, uint64_t epoch, struct ls_snap_reader *pending, struct ls_err *err) {
  struct thread_sink *t = s->ctx;
  pthread_mutex_lock(&t->inner_mu);
  int rc = t->inner->i->recover(t->inner, epoch, pending, err);
  pthread_mutex_unlock(&t->inner_mu);
  bump(t);
  return rc;
}

static void cond_init_monotonic(pthread_cond_t *c) {
  pthread_condattr_t a;
  pthread_condattr_init(&a);
  pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
  pthread_cond_init(c, &a);
  pthread_condattr_destroy(&a);
}

static void free_thread_sink(struct ls_sink *s) {
  struct thread_sink *t = s->ctx;
  ls_sink_destroy(t->inner); /* it logs what it could not deliver */
  pthread_mutex_destroy(&t->q);
  pthread_mutex_destroy(&t->inner_mu);
  pthread_cond_destroy(&t->work);
  pthread_cond_destroy(&t->done);
  free(t);
  free(s);
}

static void thread_reconfigure(struct ls_sink *s, const struct ls_config *c) {
  struct thread_sink *t = s->ctx;
  pthread_mutex_lock(&t->inner_mu);
  t->inner->i->reconfigure(t->inner, c);
  pthread_mutex_unlock(&t->inner_mu);
}

static void thread_destroy(struct ls_sink *s) {
  struct thread_sink *t = s->ctx;
  pthread_mutex_lock(&t->q);
  t->stop = true;
  pthread_cond_signal(&t->work);
  pthread_mutex_unlock(&t->q);
  pthread_join(t->thread, NULL);
  free_thread_sink(s);
}

int ls_sink_thread_create(struct ls_sink **out, struct ls_sink *inner, struct ls_err *err) {
  struct ls_sink *s = calloc(1, sizeof *s);
  struct thread_sink *t = calloc(1, sizeof *t);
  if (!s || !t) {
    free(s), free(t);
    ls_sink_destroy(inner);
    return ls_err_set(err, LS_ENOMEM, "sink thread: out of memory");
  }
  const struct ls_sink_i *in = inner->i;
  t->iface = (struct ls_sink_i){.name = in->name, .write = thread_write, .flush = thread_flush, .held = thread_held,
                                .publish_stats = in->publish_stats ? thread_stats : NULL, .pending = in->pending ? thread_pending : NULL,
                                .commit = in->commit ? thread_commit : NULL, .recover = in->recover ? thread_recover : NULL,
                                .reconfigure = in->reconfigure ? thread_reconfigure : NULL, .destroy = thread_destroy};
  t->inner = inner;
  pthread_mutex_init(&t->q, NULL);
  pthread_mutex_init(&t->inner_mu, NULL);
  cond_init_monotonic(&t->work);
  cond_init_monotonic(&t->done);
  *s = (struct ls_sink){.i = &t->iface, .ctx = t, .log = inner->log};
  if (pthread_create(&t->thread, NULL, run, t) != 0) {
    const char *name = in->name;
    free_thread_sink(s);
    return ls_err_set(err, LS_EIO, "sink thread: cannot start a thread for the %s sink", name);
  }
  *out = s;
  return LS_OK;
}
