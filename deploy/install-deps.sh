#!/usr/bin/env bash
# Installs the Debian 12 packages lockstep needs to build, test and run its demo.
# Installs only what is missing; does nothing (and needs no root) when all is present.
# --fuzz adds clang and its libFuzzer/sanitizer runtimes (make fuzz).
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  librdkafka-dev            # Kafka consumer/producer and the embedded broker (mock cluster)
  protobuf-c-compiler libprotobuf-c-dev
  libhiredis-dev redis-server redis-tools
  libopenblas-dev           # CPU backend GEMM
  libutf8proc-dev           # Unicode NFKC, case folding, default-ignorables (text canonicalisation)
  libicu-dev                # TR39 confusable skeletons (uspoof) for look-alike letters
  libcurl4-openssl-dev      # libcurl's URL API (CURLU) for canonical links
  libmicrohttpd-dev         # the HTTP endpoint: /metrics, /healthz, /readyz
  prometheus                # promtool, which the tests run on a live scrape of /metrics
  chromium fonts-dejavu-core # headless Chromium: the dashboard's browser test and the demo's screenshot
  libinih-dev               # INI configuration
  libcmocka-dev             # unit tests
  libsystemd-dev            # sd_notify for Type=notify
  python3-numpy             # the float64 reference forward pass the model tests compare against
  kcat                      # reading topics in tests and the demo
  procps                    # pgrep/ps used by the scripts
)
[ "${1:-}" != --fuzz ] || PACKAGES+=(clang libclang-rt-14-dev)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi
echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
