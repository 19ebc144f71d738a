#!/usr/bin/env python3
"""Two callgrind profiles side by side, function by function: what grew from one to the other.

Made for the scale bench's windows (benches/scale.rs, `AKA_SCALE_CALLGRIND`): give it the
profile of the window at 10k and the one at 1M, and the event to compare (DLmr: reads that
missed the last-level cache; Ir: instructions).

    python3 scripts/callgrind_compare.py A B [--event DLmr] [--top 30] [--callers FUNCTION]
                                          [--callees FUNCTION]

Without --callers/--callees: each function's own (exclusive) count in A and in B, largest
growth first. With --callers F: what each caller's calls of F cost, inclusively; with
--callees F: what F's calls of each callee cost. Counts are totals over the profile; divide by
the mentions collected (8,000 per window in the scale bench) for a figure per mention.
"""
import argparse
import collections
import re

EVENTS = ["Ir", "Dr", "Dw", "I1mr", "D1mr", "D1mw", "ILmr", "DLmr", "DLmw"]
NAME = re.compile(r"^(fn|cfn|fl|fi|fe|cfl|cfi|ob|cob)=\((\d+)\)(?: (.*))?$")


def parse(path):
    """(exclusive cost by function, inclusive cost by (caller, callee)), in `events:` order."""
    names = {}
    events = None
    own = collections.defaultdict(lambda: [0] * len(EVENTS))
    calls = collections.defaultdict(lambda: [0] * len(EVENTS))
    fn = cfn = None
    call_line = False
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("events:"):
                events = line.split()[1:]
                continue
            m = NAME.match(line)
            if m:
                kind, number, name = m.groups()
                space = "fn" if kind in ("fn", "cfn") else kind
                if name:
                    names[(space, number)] = name
                if kind == "fn":
                    fn = names.get(("fn", number), "?" + number)
                elif kind == "cfn":
                    cfn = names.get(("fn", number), "?" + number)
                continue
            if line.startswith("calls="):
                call_line = True
                continue
            if line and (line[0].isdigit() or line[0] in "+-*") and fn is not None:
                costs = line.split()[1:]
                target = calls[(fn, cfn)] if call_line else own[fn]
                call_line = False
                for event, cost in zip(events or EVENTS, costs):
                    if event in EVENTS:
                        target[EVENTS.index(event)] += int(cost)
    return own, calls


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("a")
    parser.add_argument("b")
    parser.add_argument("--event", default="DLmr", choices=EVENTS)
    parser.add_argument("--top", type=int, default=30)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--callers", metavar="FUNCTION")
    group.add_argument("--callees", metavar="FUNCTION")
    args = parser.parse_args()
    at = EVENTS.index(args.event)
    (own_a, calls_a), (own_b, calls_b) = parse(args.a), parse(args.b)
    zero = [0] * len(EVENTS)
    print(f"{args.event}: {sum(c[at] for c in own_a.values()):,} in A, {sum(c[at] for c in own_b.values()):,} in B")
    if args.callers or args.callees:
        target = args.callers or args.callees
        side = 1 if args.callers else 0
        pairs = {k for k in set(calls_a) | set(calls_b) if k[side] == target}
        rows = [(calls_a.get(k, zero)[at], calls_b.get(k, zero)[at], k[1 - side]) for k in pairs]
    else:
        rows = [(own_a.get(k, zero)[at], own_b.get(k, zero)[at], k) for k in set(own_a) | set(own_b)]
    rows.sort(key=lambda r: (-(r[1] - r[0]), r[2]))
    for a, b, name in rows[: args.top]:
        print(f"{a:>10,} {b:>10,} {b - a:>+10,}  {name}")


if __name__ == "__main__":
    main()
