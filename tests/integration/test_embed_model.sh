#!/usr/bin/env bash
# Integration: a sentence-transformers model directory end to end. A small random BERT model is
# written by tests/tools/bert_model.py (tensors in F32, F16 and BF16, names with and without the
# "bert." prefix, extra tensors), lockstep-embed tokenizes and embeds a set of sentences (empty,
# one token, max length, over-length, scripts and symbols) on the CPU, and every vector matches
# an independent float64 numpy forward pass with cosine >= 0.99999. vocab.txt and
# tokenizer.json give the same ids. Every kind of corrupt model is refused with its message.
# lockstepd replays a stream with the model as its embedder.
. "$(dirname "$0")/common.sh"
E="$LS_BIN/lockstep-embed"
M="$LS_SOURCE/tests/tools/bert_model.py"
W="$LS_WORK"

"$M" write "$W/model" --shape=tiny --tokenizer=json
"$M" write "$W/model-txt" --shape=tiny --tokenizer=txt
"$M" write "$W/model-h64" --shape=tiny64 --tokenizer=json
long=$(printf 'vote now %.0s' $(seq 1 40))
{
  echo ""
  echo "the"
  echo "Vote NOW for the candidate! https://t.co/abc @user"
  echo "Café über naïve 東京 😀 [SEP] مَرْحَبًا"
  echo "the a an and of to in is for on with vote now fake news election candidate great match team goal win"
  echo "$long"
  printf 'tab\there\001control\n'
  echo "zzzz unknown wordsssss"
} >"$W/sentences.txt"

"$E" --model "$W/model" --backend cpu --tokenize <"$W/sentences.txt" >"$W/ids.jsonl" 2>"$W/tok.log"
"$E" --model "$W/model-txt" --backend cpu --tokenize <"$W/sentences.txt" >"$W/ids-txt.jsonl" 2>>"$W/tok.log"
check "one id list per sentence" [ "$(wc -l <"$W/ids.jsonl")" = 8 ]
check "empty text is [CLS] [SEP]" [ "$(sed -n 1p "$W/ids.jsonl")" = "[2,3]" ]
check "one word is [CLS] word [SEP]" [ "$(sed -n 2p "$W/ids.jsonl" | tr ',' '\n' | wc -l)" = 3 ]
check "over-length input is cut to max_seq_length (32)" [ "$(sed -n 6p "$W/ids.jsonl" | tr ',' '\n' | wc -l)" = 32 ]
check "truncated input still ends with [SEP]" grep -q ',3\]$' <(sed -n 6p "$W/ids.jsonl")
check "vocab.txt and tokenizer.json tokenize alike" cmp -s "$W/ids.jsonl" "$W/ids-txt.jsonl"

for model in model model-h64; do
  "$E" --model "$W/$model" --backend cpu --tokenize <"$W/sentences.txt" >"$W/$model.ids" 2>/dev/null
  "$E" --model "$W/$model" --backend cpu --format npy --out "$W/$model.npy" <"$W/sentences.txt" 2>"$W/$model.log"
  "$M" reference "$W/$model" "$W/$model.ids" "$W/$model.ref.npy"
  check "$model: CPU FP32 matches the float64 reference (cosine >= 0.99999)" \
    "$M" compare "$W/$model.ref.npy" "$W/$model.npy" 0.99999
done
check "model, backend and rate reported" grep -q "backend=cpu texts=8 tokens=.* tokens/s" "$W/model.log"
check "the model is described (layers, pooling, normalize)" grep -q "bert: 2 layers, 64 hidden, 2 heads.*mean pooling, normalize" "$W/model.log"
"$E" --model "$W/model" --backend cpu --max-batch-tokens 256 --format npy --out "$W/small-batches.npy" <"$W/sentences.txt" 2>/dev/null
check "small token budgets (many batches) give the same vectors" "$M" compare "$W/model.ref.npy" "$W/small-batches.npy" 0.99999

while IFS=$'\t' read -r kind message; do
  "$M" write "$W/bad-$kind" --corrupt="$kind"
  rc=0
  echo "hello" | "$E" --model "$W/bad-$kind" --backend cpu >/dev/null 2>"$W/bad.err" || rc=$?
  check "corrupt model ($kind) refused: $message" [ "$rc" = 1 ]
  grep -qF -- "$message" "$W/bad.err" || { cat "$W/bad.err" >&2; fail "$kind: message"; }
done < <("$M" corruptions)

# lockstepd with the model as its embedder, in replay mode.
"$LS_BIN/lockstep-gen" --tweets 3000 --campaigns 3 --no-hard-organic --seed 7 --out "$W/stream.jsonl" --truth "$W/truth.json" >/dev/null 2>&1
"$LS_BIN/lockstepd" --replay "$W/stream.jsonl" --out "$W/campaigns.jsonl" --set embed.model="$W/model" \
  --set embed.backend=cpu >"$W/daemon.log" 2>&1
check "lockstepd loads the model and says so" grep -q "embed: model $W/model (bert: 2 layers" "$W/daemon.log"
check "lockstepd replays the whole stream with the model's vectors" grep -q "done tweets=3000 " "$W/daemon.log"
check "the model's default similarity threshold is used" grep -q "threshold=0.9" "$W/daemon.log"
rc=0; "$LS_BIN/lockstepd" --replay "$W/stream.jsonl" --out "$W/x.jsonl" --set embed.model="$W/bad-missing_tensor" >"$W/bad-daemon.log" 2>&1 || rc=$?
check "lockstepd refuses a broken model at start-up, naming the tensor" [ "$rc" != 0 ]
grep -q "missing tensor" "$W/bad-daemon.log" || fail "daemon message"
