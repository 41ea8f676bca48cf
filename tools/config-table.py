#!/usr/bin/python3
"""config-table.py — rewrites the README's configuration table from `lockstepd --print-config`.

Usage: tools/config-table.py build/lockstepd README.md
The table is the block of lines starting with '| key | default | meaning |' up to the first
line that is not a table row; everything else in the README is left as it is."""
import subprocess
import sys


def rows(lockstepd):
    out = subprocess.run([lockstepd, "--print-config"], check=True, capture_output=True, text=True).stdout
    section, doc = "", []
    for line in out.splitlines():
        if line.startswith("[") and line.endswith("]"):
            section, doc = line[1:-1], []
        elif line.startswith("# ") and section:
            doc.append(line[2:])
        elif " = " in line and section:
            key, value = line.split(" = ", 1)
            yield f"| `{section}.{key}` | `{value}` | {' '.join(doc)} |"
            doc = []


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    lockstepd, readme = sys.argv[1:]
    lines = open(readme, encoding="utf-8").read().split("\n")
    start = lines.index("| key | default | meaning |")
    end = start + 2
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    lines[start + 2:end] = list(rows(lockstepd))
    open(readme, "w", encoding="utf-8").write("\n".join(lines))


if __name__ == "__main__":
    main()
