#!/usr/bin/env python3
"""compare_runs.py — what a reader of two lockstepd runs over the same stream sees: the campaign
events of each run's output topic (JSON values, one per line, read committed) and of its Redis
events stream (campaign_id version pairs, one per line). Checks that the run under test has no
(id, version) twice and no version missing, on the topic or in Redis, and that its final
campaigns are the reference run's: each reference campaign matched by accounts (Jaccard at
least MIN_JACCARD) under the same id with the same closed-or-live state, and no campaign the
reference lacks (README: event-time order).
Prints a table, then one summary line; exit status 1 when anything differs.

usage: compare_runs.py REF_TOPIC REF_REDIS RUN_TOPIC RUN_REDIS"""
import json
import sys
from collections import Counter

MIN_JACCARD = 0.9  # two uninterrupted live runs agree to 0.93 or better on the planted campaigns


def topic(path):
    events = [json.loads(line) for line in open(path) if line.strip()]
    return [(e["campaign_id"], e["version"], e) for e in events]


def redis_pairs(path):
    pairs = []
    for line in open(path):
        parts = line.split()
        if len(parts) == 2:
            pairs.append((parts[0], int(parts[1])))
    return pairs


def problems(name, pairs):
    """Duplicated and missing (id, version) among pairs, as readable lines."""
    out = []
    count = Counter(pairs)
    out += [f"{name}: {i} version {v} seen {n} times" for (i, v), n in count.items() if n > 1]
    versions = {}
    for i, v in pairs:
        versions.setdefault(i, set()).add(v)
    for i, vs in versions.items():
        missing = sorted(set(range(1, max(vs) + 1)) - vs)
        if missing:
            out.append(f"{name}: {i} lacks versions {missing[:5]}")
    return out


def final(events):
    last = {}
    for i, v, e in events:
        if i not in last or v > last[i]["version"]:
            last[i] = e
    return last


def jaccard(x, y):
    sa, sb = set(x["accounts"]), set(y["accounts"])
    return len(sa & sb) / len(sa | sb)


def best(c, others):
    """The campaign of others with most accounts in common with c, and its Jaccard."""
    scored = [(jaccard(c, o), cid) for cid, o in others.items()]
    return max(scored) if scored else (0.0, None)


def closed(e):
    return e["state"] == "closed"


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    ref, run = topic(sys.argv[1]), topic(sys.argv[3])
    bad = problems("topic", [(i, v) for i, v, _ in run]) + problems("redis", redis_pairs(sys.argv[4]))
    a, b = final(ref), final(run)
    matched = same_id = 0
    print(f"{'campaign':<20}{'accounts':>9}{'state':>9}   run under test")
    for cid in sorted(a, key=lambda c: -len(a[c]["accounts"])):
        j, other = best(a[cid], b)
        if other is None or j < MIN_JACCARD:
            bad.append(f"reference campaign {cid} ({len(a[cid]['accounts'])} accounts): best match jaccard {j:.3f}")
            print(f"{cid:<20}{len(a[cid]['accounts']):>9}{a[cid]['state']:>9}   no match")
            continue
        y = b[other]
        if closed(a[cid]) != closed(y):
            bad.append(f"{cid} is {a[cid]['state']} in the reference, {other} is {y['state']}")
        if other != cid:
            bad.append(f"{cid} is named {other} in the run under test")
        matched += 1
        same_id += other == cid
        print(f"{cid:<20}{len(a[cid]['accounts']):>9}{a[cid]['state']:>9}   {other} {len(y['accounts'])} accounts, "
              f"{y['state']}, jaccard {j:.3f}{'' if other == cid else ' (another id)'}")
    extra = [cid for cid in b if best(b[cid], a)[0] < 0.5]
    for cid in extra:
        bad.append(f"campaign {cid} ({len(b[cid]['accounts'])} accounts) is not in the reference run")
    for line in bad:
        print("  " + line)
    ok = matched == len(a) and not bad
    print(f"{matched} of {len(a)} campaigns found again (jaccard >= {MIN_JACCARD}), {same_id} under the same id; "
          f"{len(extra)} not in the reference; {len(run)} events on the topic, {len(redis_pairs(sys.argv[4]))} in Redis; "
          f"{len(bad)} problems: {'OK' if ok else 'DIFFERENT'}")
    sys.exit(0 if ok else 1)


main()
