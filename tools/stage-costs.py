#!/usr/bin/env python3
"""stage-costs.py — what each stage of a running lockstepd costs per tweet, and the nodes per stage
a target rate needs (README: stages). Scrapes http://127.0.0.1:PORT/metrics every 0.2 s until the
port closes (start it beside `lockstepd --replay ... --set http.listen=127.0.0.1:PORT`), then
prints one JSON object from the last page: actions and pair sets per tweet, seconds per tweet of
each stage (the pipeline thread's time; decode: the consumers' threads'), and nodes of the ingest
and pair stages at --rate tweets/s, each node one core of this machine kept at --load. The cluster
stage is one node (it holds the whole graph): its cost per pair set and the tweet rate at which it
is kept at --load are its limit. The MiniLM column takes the
embedding to one GPU per ingest node (its rate given by --gpu-tweets-per-s, an assumption: the
GPU figures are not measured here) and scales the similar-text search by --model-dim / --dim.

usage: stage-costs.py PORT [--rate 150000] [--load 0.7] [--dim 256] [--model-dim 384]
                           [--gpu-tweets-per-s 370000] [--wait 60]"""
import argparse
import json
import math
import re
import time
import urllib.request

STAGES = {"ingest": ["decode", "signals", "embed"], "pair": ["pairs", "similar"], "cluster": ["evidence", "cluster", "sinks"]}


def scrape(port, wait_s):
    last, up, since = None, False, time.monotonic()
    while up or time.monotonic() - since < wait_s:
        try:
            last = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5).read().decode()
            up = True
        except OSError:
            if up:
                return last
        time.sleep(0.2)
    return None


def value(page, name, labels=""):
    m = re.search(r"^%s%s (\S+)$" % (re.escape(name), re.escape(labels)), page, re.M)
    return float(m.group(1)) if m else 0.0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("port", type=int)
    ap.add_argument("--rate", type=float, default=150000)
    ap.add_argument("--load", type=float, default=0.7)
    ap.add_argument("--dim", type=float, default=256)
    ap.add_argument("--model-dim", type=float, default=384)
    ap.add_argument("--gpu-tweets-per-s", type=float, default=370000)
    ap.add_argument("--wait", type=float, default=60, help="seconds to wait for the port to open (default 60)")
    a = ap.parse_args()
    page = scrape(a.port, a.wait)
    if not page:
        raise SystemExit("stage-costs: nothing answered on port %d within %g s" % (a.port, a.wait))
    tweets = value(page, "lockstep_tweets_processed_total")
    if tweets == 0:
        raise SystemExit("stage-costs: no tweet processed")
    per = {s: value(page, "lockstep_stage_seconds_total", '{stage="%s"}' % s) / tweets
           for stage in STAGES.values() for s in stage}
    cost = {k: sum(per[s] for s in v) for k, v in STAGES.items()}
    nodes = lambda c: math.ceil(a.rate * c / a.load)
    minilm = dict(cost)
    minilm["ingest"] = per["decode"] + per["signals"]
    minilm["pair"] = per["pairs"] + per["similar"] * a.model_dim / a.dim
    out = {"tweets": int(tweets),
           "actions_per_tweet": round(value(page, "lockstep_actions_total") / tweets, 3),
           "pair_sets_per_tweet": round(value(page, "lockstep_pair_sets_total") / tweets, 4),
           "us_per_tweet": {s: round(v * 1e6, 2) for s, v in per.items()},
           "stage_us_per_tweet": {k: round(v * 1e6, 2) for k, v in cost.items()},
           "rate": a.rate,
           "nodes_hash": {k: nodes(cost[k]) for k in ("ingest", "pair")},
           "nodes_minilm_gpu": {k: nodes(minilm[k]) for k in ("ingest", "pair")},
           "cluster_us_per_pair_set": round(cost["cluster"] * tweets / max(value(page, "lockstep_pair_sets_total"), 1) * 1e6, 2),
           "cluster_limit_tweets_per_s": int(a.load / cost["cluster"]) if cost["cluster"] else None,
           "gpus_minilm": math.ceil(a.rate / (a.gpu_tweets_per_s * a.load))}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
