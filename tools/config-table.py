#!/usr/bin/python3
"""config-table.py — rewrites the README's configuration table from `lockstepd --print-config`.

Usage: tools/config-table.py build/lockstepd README.md
The table is the block of lines starting with '| key | default | reload | meaning |' up to the
first line that is not a table row; everything else in the README is left as it is. "live": the
key changes on SIGHUP; "restart": a new value waits for the next start."""
import subprocess
import sys

LIVE_MARK = "Changes live on SIGHUP."
HEADER = "| key | default | reload | meaning |"


def rows(lockstepd):
    out = subprocess.run([lockstepd, "--print-config"], check=True, capture_output=True, text=True).stdout
    section, doc, live = "", [], False
    for line in out.splitlines():
        if line.startswith("[") and line.endswith("]"):
            section, doc, live = line[1:-1], [], False
        elif line == "# " + LIVE_MARK and section:
            live = True
        elif line.startswith("# ") and section:
            doc.append(line[2:])
        elif " = " in line and section:
            key, value = line.split(" = ", 1)
            yield f"| `{section}.{key}` | `{value}` | {'live' if live else 'restart'} | {' '.join(doc)} |"
            doc, live = [], False


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    lockstepd, readme = sys.argv[1:]
    lines = open(readme, encoding="utf-8").read().split("\n")
    start = lines.index(HEADER)
    end = start + 2
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    lines[start + 2:end] = list(rows(lockstepd))
    open(readme, "w", encoding="utf-8").write("\n".join(lines))


if __name__ == "__main__":
    main()
