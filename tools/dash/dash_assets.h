/* dash_assets.h — the dashboard's page, script and style, compiled into lockstep-dash
 * (tools/dash/embed.cmake writes them from tools/dash/), so that it serves them offline. */
#ifndef LOCKSTEP_DASH_ASSETS_H
#define LOCKSTEP_DASH_ASSETS_H

#include <stddef.h>

struct ls_dash_asset {
  const char *path; /* "/index.html" ...; NULL ends the table */
  const unsigned char *bytes;
  size_t len;
};
extern const struct ls_dash_asset ls_dash_assets[];

#endif
