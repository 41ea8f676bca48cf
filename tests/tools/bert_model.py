#!/usr/bin/python3
"""bert_model.py - writes small random BERT sentence-embedding models the way Hugging Face and
sentence-transformers lay them out (safetensors with F32/F16/BF16 tensors, config.json, vocab,
module files), corrupts them on request, and computes the reference forward pass in float64
with numpy, written independently of the C engine.

  bert_model.py write DIR [--shape tiny|minilm] [--tokenizer json|txt] [--corrupt KIND]
  bert_model.py reference DIR IDS.jsonl OUT.npy
  bert_model.py compare REF.npy GOT.npy MIN_COSINE
  bert_model.py corruptions            (lists KIND and the message each must produce)
"""
import json
import math
import os
import struct
import sys

import numpy as np

SHAPES = {
    # hidden, layers, heads, ffn, max_pos, max_seq
    "tiny": dict(hidden=64, layers=2, heads=2, ffn=128, max_pos=40, max_seq=32),
    "tiny64": dict(hidden=128, layers=2, heads=2, ffn=256, max_pos=40, max_seq=32),
    "minilm": dict(hidden=384, layers=6, heads=12, ffn=1536, max_pos=512, max_seq=128),
}

WORDS = ("the a an and of to in is for on with vote now fake news election candidate great match team goal "
         "win lose crypto buy free money click link follow share retweet breaking today people country "
         "un une le la les de et est pour café über naïve東京 the").split()
SUFFIXES = ["s", "ing", "ed", "er", "ly", "ion", "tion", "est"]

CORRUPTIONS = {
    "header_past_end": "runs past the end of the file",
    "too_short": "too short for a safetensors file",
    "header_not_json": "header is not valid JSON",
    "offsets_out_of_range": "out of range of the data section",
    "overlap": "overlap",
    "span_mismatch": "data_offsets span",
    "wrong_shape": "has shape [",
    "unknown_dtype": 'unknown dtype "F17"',
    "int_weight": "weights must be F32, F16 or BF16",
    "missing_tensor": "missing tensor encoder.layer.1.output.dense.weight",
    "nan_weight": "NaN or infinity",
    "no_safetensors": "model.safetensors: cannot open",
    "config_not_json": "config.json: not valid JSON",
    "config_missing_hidden": 'missing "hidden_size"',
    "config_heads": "is not a multiple of num_attention_heads",
    "config_act": "hidden_act must be",
    "no_vocab": "needs tokenizer.json or vocab.txt",
    "vocab_too_big": "vocab_size is",
    "pooling_two_modes": "exactly one pooling mode",
    "module_dense": "module type sentence_transformers.models.Dense is not supported",
    "tokenizer_bpe": "model.type must be WordPiece",
}


def vocab_list():
    v = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    chars = [chr(c) for c in range(33, 127)] + list("éüïçñ東京😀")
    v += chars + ["##" + c for c in chars if c.isalnum()]
    v += [w for w in dict.fromkeys(WORDS) if w not in v]
    v += ["##" + s for s in SUFFIXES]
    return v


def to_bf16_bits(a):
    bits = a.astype(np.float32).view(np.uint32).astype(np.uint64)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16  # round to nearest even
    return rounded.astype(np.uint16)


def encode(a, dtype):
    """(bytes, the float64 values the file really holds)"""
    a = np.asarray(a, dtype=np.float32)
    if dtype == "F32":
        return a.tobytes(), a.astype(np.float64)
    if dtype == "F16":
        h = a.astype(np.float16)
        return h.tobytes(), h.astype(np.float64)
    if dtype == "BF16":
        b = to_bf16_bits(a)
        return b.tobytes(), (b.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
    raise ValueError(dtype)


def write_safetensors(path, tensors, corrupt=None):
    """tensors: list of (name, dtype, shape, raw bytes)."""
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for name, dtype, shape, raw in tensors:
        header[name] = {"dtype": dtype, "shape": list(shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    first = next(k for k in header if k != "__metadata__")
    if corrupt == "offsets_out_of_range":
        header[first]["data_offsets"][1] = off + 4096
    elif corrupt == "overlap":
        names = [k for k in header if k != "__metadata__"]
        a, b = header[names[1]], header[names[2]]
        b["data_offsets"] = [a["data_offsets"][0], a["data_offsets"][0] + (b["data_offsets"][1] - b["data_offsets"][0])]
    elif corrupt == "span_mismatch":
        header[first]["shape"] = [header[first]["shape"][0] * 2] + header[first]["shape"][1:]
    elif corrupt == "unknown_dtype":
        header[first]["dtype"] = "F17"
    text = json.dumps(header).encode()
    if corrupt == "header_not_json":
        text = text[:-5] + b"!!!!!"
    text += b" " * ((8 - len(text) % 8) % 8)
    size = len(text) if corrupt != "header_past_end" else len(text) + off + 1000
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", size) + text + b"".join(blobs))
    if corrupt == "too_short":
        with open(path, "wb") as f:
            f.write(b"\x01\x02\x03")


def layer_names(i):
    p = f"encoder.layer.{i}."
    return [(p + "attention.self.query", True), (p + "attention.self.key", True), (p + "attention.self.value", True),
            (p + "attention.output.dense", True), (p + "attention.output.LayerNorm", False),
            (p + "intermediate.dense", True), (p + "output.dense", True), (p + "output.LayerNorm", False)]


def make_weights(cfg, vocab_size, rng):
    h, f = cfg["hidden"], cfg["ffn"]
    w = {"embeddings.word_embeddings.weight": rng.normal(0, 0.5, (vocab_size, h)),
         "embeddings.position_embeddings.weight": rng.normal(0, 0.2, (cfg["max_pos"], h)),
         "embeddings.token_type_embeddings.weight": rng.normal(0, 0.2, (2, h)),
         "embeddings.LayerNorm.weight": 1 + rng.normal(0, 0.1, h),
         "embeddings.LayerNorm.bias": rng.normal(0, 0.1, h)}
    for i in range(cfg["layers"]):
        for name, dense in layer_names(i):
            if not dense:
                w[name + ".weight"] = 1 + rng.normal(0, 0.1, h)
                w[name + ".bias"] = rng.normal(0, 0.1, h)
                continue
            rows, cols = (f, h) if "intermediate" in name else (h, f) if name.endswith("output.dense") and "attention" not in name else (h, h)
            w[name + ".weight"] = rng.normal(0, 1.0 / math.sqrt(cols), (rows, cols))
            w[name + ".bias"] = rng.normal(0, 0.1, rows)
    return w


def dtype_for(name, i):
    if "word_embeddings" in name:
        return "F16"
    if "position_embeddings" in name:
        return "BF16"
    return ("F32", "F16", "BF16")[i % 3]


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)


def write_tokenizer(d, vocab, kind, corrupt):
    if corrupt == "no_vocab":
        return
    if kind == "txt":
        with open(os.path.join(d, "vocab.txt"), "w") as f:
            f.write("\n".join(vocab) + "\n")
        write_json(os.path.join(d, "tokenizer_config.json"), {"do_lower_case": True, "strip_accents": None,
                                                              "model_max_length": 512, "tokenizer_class": "BertTokenizer"})
        return
    added = [{"id": vocab.index(t), "content": t, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for t in ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]]
    write_json(os.path.join(d, "tokenizer.json"), {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added,
        "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True,
                       "strip_accents": None, "lowercase": True},
        "pre_tokenizer": {"type": "BertPreTokenizer"},
        "post_processor": {"type": "TemplateProcessing"},
        "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
        "model": {"type": "BPE" if corrupt == "tokenizer_bpe" else "WordPiece", "unk_token": "[UNK]",
                  "continuing_subword_prefix": "##", "max_input_chars_per_word": 100,
                  "vocab": {t: i for i, t in enumerate(vocab)}}})


def write_model(d, shape="tiny", tokenizer="json", corrupt=None, seed=1234):
    os.makedirs(os.path.join(d, "1_Pooling"), exist_ok=True)
    cfg = SHAPES[shape]
    rng = np.random.default_rng(seed)
    vocab = vocab_list() if shape.startswith("tiny") else vocab_list() + [f"tok{i}" for i in range(30522 - len(vocab_list()))]
    weights = make_weights(cfg, len(vocab) - 10 if corrupt == "vocab_too_big" else len(vocab), rng)
    if corrupt == "nan_weight":
        weights["encoder.layer.0.output.dense.weight"][0, 0] = np.nan
    tensors = [("embeddings.position_ids", "I64", (1, cfg["max_pos"]), np.arange(cfg["max_pos"], dtype=np.int64).tobytes()),
               ("pooler.dense.weight", "F32", (cfg["hidden"], cfg["hidden"]), np.zeros((cfg["hidden"],) * 2, np.float32).tobytes())]
    for i, (name, a) in enumerate(weights.items()):
        if corrupt == "missing_tensor" and name == "encoder.layer.1.output.dense.weight":
            continue
        dtype = dtype_for(name, i)
        raw, _ = encode(a, dtype)
        shp = a.shape
        if corrupt == "wrong_shape" and "word_embeddings" in name:
            shp = (a.shape[0] * 2, a.shape[1] // 2)
        if corrupt == "int_weight" and name == "encoder.layer.0.attention.output.dense.bias":
            dtype, raw = "I32", np.zeros(a.shape, np.int32).tobytes()
        prefix = "bert." if i % 2 else ""  # names with and without the prefix
        tensors.append((prefix + name, dtype, shp, raw))
    if corrupt != "no_safetensors":
        write_safetensors(os.path.join(d, "model.safetensors"), tensors, corrupt)
    config = {"architectures": ["BertModel"], "model_type": "bert", "vocab_size": weights["embeddings.word_embeddings.weight"].shape[0], "hidden_size": cfg["hidden"],
              "num_hidden_layers": cfg["layers"], "num_attention_heads": cfg["heads"], "intermediate_size": cfg["ffn"],
              "max_position_embeddings": cfg["max_pos"], "type_vocab_size": 2, "layer_norm_eps": 1e-12,
              "hidden_act": "gelu", "position_embedding_type": "absolute", "hidden_dropout_prob": 0.1}
    if corrupt == "config_missing_hidden":
        del config["hidden_size"]
    if corrupt == "config_heads":
        config["num_attention_heads"] = 3
    if corrupt == "config_act":
        config["hidden_act"] = "relu"
    if corrupt == "vocab_too_big":
        config["vocab_size"] = len(vocab) - 10  # the tokenizer has 10 more tokens than the model
    write_json(os.path.join(d, "config.json"), config)
    if corrupt == "config_not_json":
        with open(os.path.join(d, "config.json"), "a") as f:
            f.write("}")
    write_tokenizer(d, vocab, tokenizer, corrupt)
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
               {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]
    if corrupt == "module_dense":
        modules.insert(2, {"idx": 2, "name": "2", "path": "2_Dense", "type": "sentence_transformers.models.Dense"})
    write_json(os.path.join(d, "modules.json"), modules)
    write_json(os.path.join(d, "1_Pooling", "config.json"), {
        "word_embedding_dimension": cfg["hidden"], "pooling_mode_cls_token": corrupt == "pooling_two_modes",
        "pooling_mode_mean_tokens": True, "pooling_mode_max_tokens": False, "pooling_mode_mean_sqrt_len_tokens": False})
    write_json(os.path.join(d, "sentence_bert_config.json"), {"max_seq_length": cfg["max_seq"], "do_lower_case": False})


# --- reference forward pass (float64) -----------------------------------------------------------

def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8:8 + n])
    base, out = 8 + n, {}
    for name, t in header.items():
        if name == "__metadata__" or t["dtype"] not in ("F32", "F16", "BF16"):
            continue
        raw = data[base + t["data_offsets"][0]:base + t["data_offsets"][1]]
        if t["dtype"] == "F32":
            a = np.frombuffer(raw, np.float32).astype(np.float64)
        elif t["dtype"] == "F16":
            a = np.frombuffer(raw, np.float16).astype(np.float64)
        else:
            a = (np.frombuffer(raw, np.uint16).astype(np.uint32) << 16).view(np.float32).astype(np.float64)
        out[name[5:] if name.startswith("bert.") else name] = a.reshape(t["shape"])
    return out


def layer_norm(x, g, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * g + b


ERF = np.vectorize(math.erf)


def forward(w, cfg, ids, pooling="mean", normalize=True):
    h, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    hd, eps, n = h // heads, cfg["layer_norm_eps"], len(ids)
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n] + \
        w["embeddings.token_type_embeddings.weight"][0]
    x = layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}."
        lin = lambda t, name: t @ w[p + name + ".weight"].T + w[p + name + ".bias"]
        q, k, v = (lin(x, "attention.self." + s).reshape(n, heads, hd).transpose(1, 0, 2) for s in ("query", "key", "value"))
        s = q @ k.transpose(0, 2, 1) / math.sqrt(hd)
        s = np.exp(s - s.max(-1, keepdims=True))
        ctx = ((s / s.sum(-1, keepdims=True)) @ v).transpose(1, 0, 2).reshape(n, h)
        x = layer_norm(lin(ctx, "attention.output.dense") + x, w[p + "attention.output.LayerNorm.weight"],
                       w[p + "attention.output.LayerNorm.bias"], eps)
        inter = lin(x, "intermediate.dense")
        inter = 0.5 * inter * (1 + ERF(inter / math.sqrt(2)))
        x = layer_norm(lin(inter, "output.dense") + x, w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"], eps)
    v = x.mean(0) if pooling == "mean" else x[0] if pooling == "cls" else x.max(0)
    return v / np.linalg.norm(v) if normalize else v


def reference(d, ids_path, out_path):
    w = read_safetensors(os.path.join(d, "model.safetensors"))
    with open(os.path.join(d, "config.json")) as f:
        cfg = json.load(f)
    with open(ids_path) as f:
        rows = [json.loads(line) for line in f]
    np.save(out_path, np.array([forward(w, cfg, np.array(r)) for r in rows], dtype=np.float64))


def compare(ref_path, got_path, min_cos):
    ref, got = np.load(ref_path), np.load(got_path).astype(np.float64)
    if ref.shape != got.shape:
        print(f"shape {got.shape} != reference {ref.shape}")
        return 1
    cos = (ref * got).sum(1) / np.linalg.norm(ref, axis=1) / np.linalg.norm(got, axis=1)
    print(f"texts={len(cos)} min_cosine={cos.min():.8f} mean_cosine={cos.mean():.8f} worst_row={int(cos.argmin())}")
    return 0 if cos.min() >= float(min_cos) else 1


def main(argv):
    if len(argv) >= 2 and argv[1] == "write":
        args, opts = [a for a in argv[2:] if not a.startswith("--")], {}
        for a in argv[2:]:
            if a.startswith("--"):
                k, _, v = a[2:].partition("=")
                opts[k] = v
        write_model(args[0], opts.get("shape", "tiny"), opts.get("tokenizer", "json"), opts.get("corrupt"))
        return 0
    if len(argv) == 5 and argv[1] == "reference":
        reference(argv[2], argv[3], argv[4])
        return 0
    if len(argv) == 5 and argv[1] == "compare":
        return compare(argv[2], argv[3], argv[4])
    if len(argv) == 2 and argv[1] == "corruptions":
        for k, v in CORRUPTIONS.items():
            print(f"{k}\t{v}")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
