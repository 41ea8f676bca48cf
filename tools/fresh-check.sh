#!/usr/bin/env bash
# fresh-check.sh — checks the README's promise on a machine that has nothing installed: builds a
# minimal Debian 12 root (debootstrap --variant=minbase, plus make), clones this repository into
# it, and runs `make test` and `make demo` there, as root, with CI=true. Needs root, debootstrap
# and access to the Debian mirror. Usage: tools/fresh-check.sh [ROOT_DIR]  (default /tmp/lockstep-fresh)
set -euo pipefail
ROOT=${1:-/tmp/lockstep-fresh}
SRC=$(cd "$(dirname "$0")/.." && pwd)
command -v debootstrap >/dev/null || { echo "debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }
[ "$(id -u)" = 0 ] || { echo "fresh-check.sh must run as root (debootstrap, chroot)" >&2; exit 1; }

if [ ! -x "$ROOT/usr/bin/make" ]; then
  echo "== debootstrap bookworm (minbase + make) into $ROOT"
  debootstrap --variant=minbase --include=make,ca-certificates bookworm "$ROOT" http://deb.debian.org/debian >/dev/null
fi
cleanup() { umount -R "$ROOT/dev" 2>/dev/null || true; umount "$ROOT/proc" "$ROOT/sys" 2>/dev/null || true; }
trap cleanup EXIT
mount -t proc proc "$ROOT/proc"
mount -t sysfs sys "$ROOT/sys"
mount --rbind /dev "$ROOT/dev"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
rm -rf "$ROOT/root/lockstep"
git clone -q "$SRC" "$ROOT/root/lockstep"
for target in test demo; do
  echo "== make $target (fresh Debian 12)"
  chroot "$ROOT" /bin/bash -c "cd /root/lockstep && CI=true make $target" </dev/null
done
