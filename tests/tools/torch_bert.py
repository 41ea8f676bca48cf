#!/usr/bin/env python3
"""torch_bert.py - the PyTorch baseline for tools/gpu-check.sh, where torch and transformers are
installed: builds transformers' own BertModel from a model directory's config.json and
model.safetensors, runs it in FP16 on the GPU on the token ids lockstep-embed --tokenize wrote,
pools as sentence-transformers does (mean over real tokens, then L2 normalisation), saves the
vectors, and prints the rate on the same inputs in the same batch size.

  torch_bert.py MODEL_DIR IDS.jsonl OUT.npy [BATCH]
"""
import json
import sys
import time

import numpy as np
import torch
from safetensors.torch import load_file
from transformers import BertConfig, BertModel


def main(model_dir, ids_path, out_path, batch=256):
    cfg = BertConfig.from_json_file(f"{model_dir}/config.json")
    model = BertModel(cfg, add_pooling_layer=False)
    state = {k[5:] if k.startswith("bert.") else k: v for k, v in load_file(f"{model_dir}/model.safetensors").items()}
    model.load_state_dict(state, strict=False)
    model = model.half().cuda().eval()
    rows = [json.loads(line) for line in open(ids_path)]
    batches = []
    for i in range(0, len(rows), batch):
        chunk = rows[i:i + batch]
        width = max(len(r) for r in chunk)
        ids = torch.zeros((len(chunk), width), dtype=torch.long)
        mask = torch.zeros((len(chunk), width), dtype=torch.long)
        for j, r in enumerate(chunk):
            ids[j, :len(r)] = torch.tensor(r)
            mask[j, :len(r)] = 1
        batches.append((ids.cuda(), mask.cuda()))
    out = []
    with torch.inference_mode():
        for ids, mask in batches[:2]:  # warm-up
            model(input_ids=ids, attention_mask=mask)
        torch.cuda.synchronize()
        t0 = time.perf_counter()
        for ids, mask in batches:
            h = model(input_ids=ids, attention_mask=mask).last_hidden_state.float()
            m = mask.unsqueeze(-1).float()
            v = (h * m).sum(1) / m.sum(1)
            out.append(torch.nn.functional.normalize(v, dim=1))
        torch.cuda.synchronize()
        secs = time.perf_counter() - t0
    np.save(out_path, torch.cat(out).cpu().numpy().astype(np.float64))
    tokens = sum(len(r) for r in rows)
    print(json.dumps({"benchmark": "pytorch-bert-fp16", "texts": len(rows), "seconds": round(secs, 4),
                      "texts_per_s": round(len(rows) / secs), "tokens_per_s": round(tokens / secs),
                      "torch": torch.__version__, "device": torch.cuda.get_device_name()}))


if __name__ == "__main__":
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]) if len(sys.argv) > 4 else 256)
