/* canon_url.h — canonical links: when two URLs are "the same" for co-link (DESIGN.md §1, §7
 * "Canonical forms").
 *
 * ls_url_canon() parses an absolute http(s) URL with libcurl's URL API (CURLU) and writes a key
 * that every disguise of the same link shares:
 *
 *   - the scheme is dropped (http and https agree), and so is userinfo ("user:pw@");
 *   - the host is lower-cased, its trailing dots removed, leading "www.", "m." and "mobile."
 *     labels removed while a dot remains after them; a host with non-ASCII characters goes to
 *     its ASCII (punycode) form through ICU's UTS #46 mapping (nontransitional, STD3 rules: it
 *     must map to letters, digits, '-' and dots), so "bücher.de" == "xn--bcher-kva.de"; ASCII
 *     host names as libcurl accepts them but only of letters, digits, '-', '_' and dots (a '~',
 *     '|' or '%' it lets through gives no key); an IPv4 address in any form libcurl reads
 *     becomes a dotted quad ("127.1." == "127.0.0.1"); IPv6 literals keep their brackets;
 *   - the port is dropped when it is the scheme's default (http 80, https 443), kept otherwise
 *     ("example.com:8080/x");
 *   - the path: dot segments resolved (also those spelled %2E), percent-escapes of unreserved
 *     characters (A-Z a-z 0-9 - . _ ~) decoded, every other escape written with upper-case hex,
 *     and every byte that may not appear literally in a path (non-ASCII, '"', '<', '>', '\\',
 *     '^', '`', '{', '|', '}') percent-encoded, so "%7E" == "~", "%41" == "A", "%c3%a9" == "é"
 *     == "%C3%A9"; reserved characters keep their meaning ("%2F" stays apart from "/"); "%00" is
 *     a valid escape and stays "%00"; trailing slashes folded; an empty path is "/"; the path's
 *     case is kept;
 *   - the fragment is dropped;
 *   - query parameters whose names match the drop list (case-insensitively) are removed, the
 *     others normalised like the path ('+' stays '+'; an encoded '&' or '=' stays encoded) and
 *     sorted by name, then value; empty parameters ("&&") and an empty query are dropped.
 *
 * Example: "HTTPS://www.Example.COM:443/a/./b/../%7Ex/?utm_source=tw&b=2&a=1#top" ->
 * "example.com/a/~x?a=1&b=2".
 *
 * Limits: URLs longer than LS_URL_MAX_BYTES, with white space or control characters, with a
 * malformed host, port or percent-escape give no key. Redirectors (t.co, bit.ly) are not
 * followed: the caller should give expanded URLs. Hash-bang URLs ("/#!/path") lose their route
 * with the fragment.
 *
 * Costs: linear in the URL but for sorting its parameters (k log k). libcurl allocates inside
 * curl_url_set/curl_url_get (a few small blocks per URL); the context's own buffers are sized
 * once at create. A context is not thread-safe: one per thread. */
#ifndef LOCKSTEP_CANON_URL_H
#define LOCKSTEP_CANON_URL_H

#include <stddef.h>

#include "lockstep/err.h"

/* The default drop list: comma-separated parameter names, a trailing '*' matches a prefix. */
#define LS_URL_DROP_PARAMS_DEFAULT \
  "utm_*,fbclid,gclid,dclid,msclkid,igshid,mc_cid,mc_eid,ref_src,ref,_ga,yclid,s,t,si,feature,share"

/* The longest URL that gets a key, in bytes. */
#define LS_URL_MAX_BYTES 2048

/* The most names in a drop list. */
#define LS_URL_MAX_DROP_PARAMS 64

struct ls_urlcanon;

/* Creates a canonicaliser with the drop list drop_params (NULL: LS_URL_DROP_PARAMS_DEFAULT; ""
 * drops nothing). Entries are trimmed of spaces; empty entries are skipped; "*" alone drops every
 * parameter.
 * @returns LS_OK and *out; LS_EINVAL when the list has more than LS_URL_MAX_DROP_PARAMS names or
 *          a name with a character other than A-Z a-z 0-9 - . _ ~ (and a final '*'); LS_ENOMEM;
 *          LS_EUNAVAIL when libcurl's URL handle or ICU's IDNA mapping cannot be created. err
 *          says which; *out is NULL on error. */
int ls_urlcanon_create(struct ls_urlcanon **out, const char *drop_params, struct ls_err *err);

/* Frees the canonicaliser; NULL is accepted. */
void ls_urlcanon_destroy(struct ls_urlcanon *c);

/* Writes the canonical key of the NUL-terminated URL in (see the top of this header) into out,
 * NUL-terminated.
 * @returns the key's length (> 0); 0: no link key (the caller counts it) — in is not an
 *          absolute http:// or https:// URL, is longer than LS_URL_MAX_BYTES, is malformed (bad
 *          host or port, white space, a bad percent-escape), or the key does not fit in cap. */
int ls_url_canon(struct ls_urlcanon *c, const char *in, char *out, size_t cap);

#endif
