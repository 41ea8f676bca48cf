#!/usr/bin/env python3
"""compare_runs.py — what a reader of two lockstepd runs over the same stream sees: the campaign
events of each run's output topic (JSON values, one per line, read committed) and of its Redis
events stream (campaign_id version pairs, one per line). Checks that the run under test has no
(id, version) twice and no version missing, on the topic or in Redis, and that its final
campaigns are the reference run's: each reference campaign matched by accounts (Jaccard at
least MIN_JACCARD) under the same id with the same closed-or-live state, and no campaign the
reference lacks (README: event-time order).
Prints a table, then one summary line; exit status 1 when anything differs.

With --min-jaccard X, campaigns match at Jaccard X or better; with --any-id, a campaign may
carry another id in the run under test (runs whose records reach clustering in another order)
but each may match one reference campaign only (none reported twice). A campaign the reference
lacks shares under half its accounts with every reference campaign.

A topic line is the event's Kafka headers, a tab, and its value (kcat -f '%h\t%s\n'). With
--resent-epochs N[,N...] (the epochs a restarted daemon logged sending again), an (id, version)
seen exactly twice, both copies the same bytes with one of those epochs in their lockstep-epoch
header, counts once: the embedded broker shows the killed daemon's open transaction, which
Kafka aborts when the restarted daemon's producer takes over its transactional.id (README:
checkpoints). Any other copy is a problem.

With --truth FILE (lockstep-gen --truth), each reference campaign is named by the planted
campaign it matches best (its kind and Jaccard), or as organic when it holds no planted account:
what a campaign that differs is tells whether detection or the reference's own chance finding
changed. It changes no verdict.

usage: compare_runs.py [--min-jaccard X] [--any-id] [--resent-epochs LIST] [--truth FILE] REF_TOPIC REF_REDIS RUN_TOPIC RUN_REDIS"""
import json
import sys
from collections import Counter

MIN_JACCARD = 0.9  # two uninterrupted live runs agree to 0.93 or better on the planted campaigns


EPOCH = "lockstep-epoch="


def topic(path):
    """(id, version, event, its epoch header or None, its value) per line"""
    out = []
    for line in open(path):
        headers, _, value = line.rstrip("\n").partition("\t")
        if value.strip():
            e = json.loads(value)
            epoch = next((h[len(EPOCH):] for h in headers.split(",") if h.startswith(EPOCH)), None)
            out.append((e["campaign_id"], e["version"], e, epoch, value))
    return out


def unaborted(run, epochs):
    """run without the first copy of each event the embedded broker showed twice from an epoch
    sent again (see above), and how many there were"""
    copies = {}
    for ev in run:
        copies.setdefault(ev[:2], []).append(ev)
    shown = {k for k, evs in copies.items()
             if len(evs) == 2 and evs[0][3] in epochs and evs[0][3:] == evs[1][3:]}
    kept, seen = [], set()
    for ev in run:
        if ev[:2] in shown and ev[:2] not in seen:
            seen.add(ev[:2])
            continue
        kept.append(ev)
    return kept, len(shown)


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
    for i, v, e, *_ in events:
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


def planted(path):
    """The generator's planted campaigns, {"planted-N kind": {"accounts": [...]}}, from its truth file."""
    if not path:
        return {}
    with open(path) as f:
        return {f"{c['id']} {c['kind']}": {"accounts": c["accounts"]} for c in json.load(f)["campaigns"]}


def truth_of(c, truth):
    """What a reference campaign is: the planted campaign it matches best, or organic."""
    if not truth:
        return ""
    j, name = best(c, truth)
    return f"   [{name}, jaccard {j:.2f}]" if j > 0 else "   [organic: no planted account]"


def options(argv):
    """(any_id, the epochs sent again, the four paths); sets MIN_JACCARD"""
    global MIN_JACCARD
    any_id, resent, truth = False, set(), None
    while argv and argv[0].startswith("--"):
        flag = argv.pop(0)
        if flag == "--min-jaccard" and argv:
            MIN_JACCARD = float(argv.pop(0))
        elif flag == "--any-id":
            any_id = True
        elif flag == "--resent-epochs" and argv:
            resent = {n for n in argv.pop(0).split(",") if n}
        elif flag == "--truth" and argv:
            truth = argv.pop(0)
        else:
            sys.exit(__doc__)
    if len(argv) != 4:
        sys.exit(__doc__)
    return any_id, resent, truth, argv


def main():
    any_id, resent, truth_path, paths = options(sys.argv[1:])
    truth = planted(truth_path)
    ref, (run, shown) = topic(paths[0]), unaborted(topic(paths[2]), resent)
    if shown:
        print(f"{shown} events of epoch {','.join(sorted(resent))} (sent again after the kill) shown twice by the "
              "embedded broker, which does not abort the killed daemon's transaction: counted once")
    bad = problems("topic", [ev[:2] for ev in run]) + problems("redis", redis_pairs(paths[3]))
    taken, claimed = {}, set()  # claimed: the best match of some reference campaign
    a, b = final(ref), final(run)
    matched = same_id = 0
    print(f"{'campaign':<20}{'accounts':>9}{'state':>9}   run under test")
    for cid in sorted(a, key=lambda c: -len(a[c]["accounts"])):
        j, other = best(a[cid], b)
        claimed.add(other)
        if other is None or j < MIN_JACCARD:
            bad.append(f"reference campaign {cid} ({len(a[cid]['accounts'])} accounts): best match jaccard {j:.3f}")
            print(f"{cid:<20}{len(a[cid]['accounts']):>9}{a[cid]['state']:>9}   no match{truth_of(a[cid], truth)}")
            continue
        y = b[other]
        if closed(a[cid]) != closed(y):
            bad.append(f"{cid} is {a[cid]['state']} in the reference, {other} is {y['state']}")
        if other in taken:
            bad.append(f"{other} matches both {taken[other]} and {cid}")
        taken[other] = cid
        if other != cid and not any_id:
            bad.append(f"{cid} is named {other} in the run under test")
        matched += 1
        same_id += other == cid
        print(f"{cid:<20}{len(a[cid]['accounts']):>9}{a[cid]['state']:>9}   {other} {len(y['accounts'])} accounts, "
              f"{y['state']}, jaccard {j:.3f}{'' if other == cid else ' (another id)'}{truth_of(a[cid], truth)}")
    extra = [cid for cid in b if best(b[cid], a)[0] < 0.5]
    bad += [f"campaign {cid} ({len(b[cid]['accounts'])} accounts) is not in the reference run" for cid in extra]
    for cid in b:
        if cid not in claimed and cid not in extra:
            bad.append(f"campaign {cid} ({len(b[cid]['accounts'])} accounts) is reported again: reference {best(b[cid], a)[1]}")
    for line in bad:
        print("  " + line)
    ok = matched == len(a) and not bad
    print(f"{matched} of {len(a)} campaigns found again (jaccard >= {MIN_JACCARD}), {same_id} under the same id; "
          f"{len(extra)} not in the reference; {len(run)} events on the topic, {len(redis_pairs(paths[3]))} in Redis; "
          f"{len(bad)} problems: {'OK' if ok else 'DIFFERENT'}")
    sys.exit(0 if ok else 1)


main()
