/* json.h — a strict, allocation-free JSON reader and a small JSON writer.
 * The reader tokenises a whole document into a caller-provided token array (RFC 8259: strict
 * grammar, UTF-8 validated, depth limited); tokens point into the input. Values are then read
 * with the lookup helpers. The writer appends to a growable buffer with correct escaping. */
#ifndef LOCKSTEP_JSON_H
#define LOCKSTEP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lockstep/err.h"

enum ls_json_type { LS_JSON_NULL, LS_JSON_BOOL, LS_JSON_NUMBER, LS_JSON_STRING, LS_JSON_ARRAY, LS_JSON_OBJECT };

struct ls_json_tok {
  uint8_t type;
  uint8_t has_escapes; /* strings: needs ls_json_unescape */
  uint32_t start, len; /* raw bytes (strings without quotes) */
  uint32_t count;      /* arrays: elements; objects: members */
  uint32_t next;       /* index of the token after this value and all its children */
};

struct ls_json_doc {
  const char *src;
  struct ls_json_tok *toks;
  uint32_t n, cap;
};

/* Parses len bytes of src into doc (toks/cap provided by the caller). Errors name the offset. */
int ls_json_parse(struct ls_json_doc *doc, const char *src, size_t len, struct ls_err *err);

/* Object member lookup by key; returns token index or -1. */
int ls_json_get(const struct ls_json_doc *doc, int obj, const char *key);
/* Path lookup, keys separated by '.', e.g. "entities.urls"; -1 if absent. */
int ls_json_path(const struct ls_json_doc *doc, int tok, const char *path);
/* Walking a container once, in time linear in its size:
 *   for (int v = ls_json_first(doc, arr); v >= 0; v = ls_json_next(doc, arr, v)) ...
 * For an object the walk visits its keys; the value of key k is k + 1.
 * @returns the first element (key) of container, or -1 when it is empty or not an array or
 *          object (container < 0 included). */
int ls_json_first(const struct ls_json_doc *doc, int container);
/* @returns the element (key) after tok in container, or -1 after the last one. */
int ls_json_next(const struct ls_json_doc *doc, int container, int tok);
/* Decoded string value into out (NUL-terminated); returns length or -1 (not a string / too long). */
int ls_json_string(const struct ls_json_doc *doc, int tok, char *out, size_t cap);
/* Unsigned integer from a number or a decimal string (Twitter ids); false if neither. */
bool ls_json_u64(const struct ls_json_doc *doc, int tok, uint64_t *out);
bool ls_json_f64(const struct ls_json_doc *doc, int tok, double *out);
bool ls_json_bool(const struct ls_json_doc *doc, int tok, bool *out);
/* Raw string token equals s (no escapes). */
bool ls_json_streq(const struct ls_json_doc *doc, int tok, const char *s);

/* --- writer ------------------------------------------------------------------------------- */
struct ls_jw {
  char *buf;
  size_t len, cap;
  bool need_comma;
  bool oom;
};
void ls_jw_init(struct ls_jw *w);
void ls_jw_free(struct ls_jw *w);
void ls_jw_reset(struct ls_jw *w);
void ls_jw_obj_begin(struct ls_jw *w);
void ls_jw_obj_end(struct ls_jw *w);
void ls_jw_arr_begin(struct ls_jw *w);
void ls_jw_arr_end(struct ls_jw *w);
void ls_jw_key(struct ls_jw *w, const char *key);
void ls_jw_str(struct ls_jw *w, const char *s);
void ls_jw_strn(struct ls_jw *w, const char *s, size_t n);
void ls_jw_u64(struct ls_jw *w, uint64_t v);
void ls_jw_u64_str(struct ls_jw *w, uint64_t v); /* ids as decimal strings */
void ls_jw_f64(struct ls_jw *w, double v);
void ls_jw_bool(struct ls_jw *w, bool v);
void ls_jw_null(struct ls_jw *w);
/* Appends "YYYY-MM-DDTHH:MM:SS.mmmZ" as a string value. */
void ls_jw_time(struct ls_jw *w, int64_t ms);
/* Formats ms since the epoch as ISO 8601 UTC into out (at least 32 bytes; an empty string when
 * it does not fit or the date is out of range). */
void ls_iso8601(int64_t ms, char *out, size_t cap);
/* Parses ISO 8601 / RFC 3339 UTC ("2021-03-04T05:06:07.000Z", offset suffix allowed). */
bool ls_parse_iso8601(const char *s, int64_t *ms);

#endif
