#!/usr/bin/env bash
# gpu-check.sh — on a machine with an NVIDIA GPU (H100/H200: sm_90a), in one call: build with the
# CUDA backend, check every CUDA op against its CPU twin (tests/unit/test_cuda.c), run the checks
# under compute-sanitizer (memcheck, racecheck) where it is installed, check the whole CUDA
# encoder against the CPU encoder on random BERT models (cosine >= 0.999 at FP16), and
# benchmark: the similarity-threshold op beside cuBLAS/OpenBLAS GEMM of the same shapes, and a
# MiniLM-L6-shaped encoder on tweet-length texts beside the GEMM peak and, where torch and
# transformers are installed, beside transformers' BertModel in FP16 on the same inputs.
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

echo "== the CUDA encoder against the CPU encoder (FP16 vs FP32, cosine >= 0.999)"
M="$ROOT/tests/tools/bert_model.py"
W="$BUILD/gpu-models"
mkdir -p "$W"
for shape in tiny tiny64 minilm; do
  "$M" write "$W/$shape" --shape="$shape"
  "$BUILD/lockstep-gen" --tweets 5000 --no-hard-organic --seed 3 --out "$W/gen.jsonl" >/dev/null 2>&1
  sed -nE 's/.*"text":"([^"]*)".*/\1/p' "$W/gen.jsonl" | head -n 4000 >"$W/texts.txt"
  for backend in cpu cuda; do
    "$BUILD/lockstep-embed" --model "$W/$shape" --backend "$backend" --format npy --out "$W/$shape-$backend.npy" <"$W/texts.txt"
  done
  "$M" compare "$W/$shape-cpu.npy" "$W/$shape-cuda.npy" 0.999
done
if command -v compute-sanitizer >/dev/null; then
  for tool in memcheck racecheck; do
    echo "== compute-sanitizer --tool $tool: the CUDA encoder"
    head -n 200 "$W/texts.txt" | compute-sanitizer --tool "$tool" --error-exitcode 1 \
      "$BUILD/lockstep-embed" --model "$W/tiny" --backend cuda >/dev/null
    echo "   clean"
  done
fi

echo "== encoder throughput, MiniLM-L6 shape, tweet-length texts (20-60 tokens)"
"$BUILD/lockstep-bench" encoder --model "$W/minilm" --backend cuda --texts 262144 --reps 3 --max-batch-tokens 65536
"$BUILD/lockstep-bench" encoder --model "$W/minilm" --backend cpu --texts 8192 --reps 2
if python3 -c "import torch, transformers, safetensors" 2>/dev/null; then
  echo "== PyTorch baseline: transformers BertModel FP16, same weights and inputs"
  awk 'BEGIN { srand(5) } { n = 18 + int(rand() * 41); s = ""; for (i = 0; i < n; i++) s = s (i ? " " : "") "tok" int(rand() * 30000); print s }' \
    "$W/texts.txt" "$W/texts.txt" "$W/texts.txt" "$W/texts.txt" >"$W/tweets.txt"
  "$BUILD/lockstep-embed" --model "$W/minilm" --backend cuda --tokenize <"$W/tweets.txt" >"$W/tweets.ids"
  "$BUILD/lockstep-embed" --model "$W/minilm" --backend cuda --format npy --out "$W/ours.npy" <"$W/tweets.txt"
  python3 "$ROOT/tests/tools/torch_bert.py" "$W/minilm" "$W/tweets.ids" "$W/torch.npy" 512
  echo "   ours vs transformers BertModel:"
  "$M" compare "$W/torch.npy" "$W/ours.npy" 0.999
else
  echo "== torch/transformers not installed: PyTorch baseline skipped"
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

echo "== co-similar-text window index, CUDA vs brute force, dim 384 (the 150,000 tweets/s target)"
# 2.4 M tweets at 150,000/s are 16 s of the record peak; the index runs on the CUDA backend with
# 384-dimension vectors (the hashed embedder at dim 384, on the host) and is checked against brute
# force. index_queries_per_s is what the window sustains; a full 10-minute window at that rate
# (63 M rows, about 60 GB) needs the H200.
"$BUILD/lockstep-gen" --tweets 2400000 --rate 150000 --out "$W/peak.jsonl" >/dev/null 2>&1
for backend in cuda cpu; do
  "$BUILD/lockstep-bench" window --backend "$backend" --input "$W/peak.jsonl" --dim 384 --window 4194304 \
    --batch 8192 --check-every 64 --check-queries 256 2>/dev/null
done
rm -f "$W/peak.jsonl"

echo "== replay through the daemon with the CUDA backend (200000 tweets)"
"$BUILD/lockstep-gen" --tweets 200000 --out "$BUILD/gpu-tweets.jsonl" >/dev/null 2>&1
"$BUILD/lockstepd" --replay "$BUILD/gpu-tweets.jsonl" --out "$BUILD/gpu-events.jsonl" --set embed.backend=cuda 2>&1 | grep -E "backend|done"
