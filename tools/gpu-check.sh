#!/usr/bin/env bash
# gpu-check.sh — on a machine with an NVIDIA GPU (H100/H200: sm_90a), in one call: build with the
# CUDA backend, check every CUDA op against its CPU twin (tests/unit/test_cuda.c), run the checks
# under compute-sanitizer (memcheck, racecheck) where it is installed, and benchmark the
# similarity-threshold op on both backends beside cuBLAS/OpenBLAS GEMM of the same shapes.
# Debian packages the build needs may be carried in as .deb files: DEBS_DIR=path/to/debs.
# Usage: tools/gpu-check.sh [BUILD_DIR]   (results also in $OUT/gpu-check.txt when OUT is set)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build-gpu}
LOG=${OUT:-$BUILD}/gpu-check.txt
mkdir -p "$(dirname "$LOG")" "$BUILD"
exec > >(tee "$LOG") 2>&1

if [ -n "${DEBS_DIR:-}" ] && ls "$DEBS_DIR"/*.deb >/dev/null 2>&1; then
  echo "== installing carried packages from $DEBS_DIR"
  dpkg -i "$DEBS_DIR"/*.deb >/dev/null || { echo "dpkg could not install the carried packages" >&2; exit 1; }
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader

echo "== build (CUDA, sm_90a)"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DLOCKSTEP_CUDA=ON \
  -DCMAKE_CUDA_ARCHITECTURES=OFF -DCMAKE_CUDA_FLAGS="-gencode=arch=compute_90a,code=sm_90a" >/dev/null
cmake --build "$BUILD" -j "$(nproc)" >/dev/null

echo "== CUDA ops against the CPU backend"
check=$("$BUILD/tests/test_cuda" 2>&1) || { echo "$check"; exit 1; }
echo "$check"
if grep -q "not checked" <<<"$check"; then echo "no usable CUDA device: nothing was checked" >&2; exit 1; fi

if command -v compute-sanitizer >/dev/null; then
  for tool in memcheck racecheck; do
    echo "== compute-sanitizer --tool $tool"
    compute-sanitizer --tool "$tool" --error-exitcode 1 "$BUILD/tests/test_cuda" >/dev/null
    echo "   clean"
  done
else
  echo "== compute-sanitizer not installed: sanitizer runs skipped"
fi

echo "== unit tests on this machine"
(cd "$BUILD" && ctest -L unit --output-on-failure >/dev/null && echo "   all unit tests pass")

echo "== similarity-threshold op vs GEMM (window 16384 and 1M vectors, batch 1024, dim 256 and 384)"
for backend in cuda cpu; do
  for dim in 256 384; do
    "$BUILD/lockstep-bench" similarity --backend "$backend" --window 16384 --batch 1024 --dim "$dim" --reps 10
  done
done
"$BUILD/lockstep-bench" similarity --backend cuda --window 1048576 --batch 1024 --dim 384 --reps 5

echo "== replay through the daemon with the CUDA backend (200000 tweets)"
"$BUILD/lockstep-gen" --tweets 200000 --out "$BUILD/gpu-tweets.jsonl" >/dev/null 2>&1
"$BUILD/lockstepd" --replay "$BUILD/gpu-tweets.jsonl" --out "$BUILD/gpu-events.jsonl" --set embed.backend=cuda 2>&1 | grep -E "backend|done"
