#!/usr/bin/env python3
"""Where the wall time of the scale bench's windows goes, function by function, from perf samples:
the samples that fall in the groups of the window at 10k and of the window at 1M, side by side,
largest growth first. Unlike callgrind's counts, these are time on this machine (its caches,
its translation misses, its neighbours), at the price of sampling noise.

    AKA_SCALE_MARKS=1 perf record -k CLOCK_MONOTONIC -F 4000 -o perf.data \\
        target/release/deps/scale-HASH 1000000 --runs=5 2> marks.err
    perf script -i perf.data -F comm,tid,time,ip,sym --ns > samples.txt
    python3 scripts/perf_windows.py marks.err samples.txt [--from 10000] [--to 1000000] [--top 40]

Keep the frequency low (4 kHz): at 20 kHz perf's own interrupts cost both windows alike and the
ratio between them falls to about 1. Each sample is counted in the window whose marked group
(`scale bench: mark window W group Instant {..} .. Instant {..}` on standard error) holds its
time; every thread's samples are counted, labelled by thread name.
"""
import argparse
import collections
import re

MARK = re.compile(
    r"mark window (\d+) group Instant \{ tv_sec: (\d+), tv_nsec: (\d+) \} \.\. "
    r"Instant \{ tv_sec: (\d+), tv_nsec: (\d+) \}"
)


def spans(path):
    """The marked groups' (start, end) in seconds, by window."""
    by_window = collections.defaultdict(list)
    with open(path) as f:
        for line in f:
            m = MARK.search(line)
            if m:
                start = int(m.group(2)) + int(m.group(3)) / 1e9
                end = int(m.group(4)) + int(m.group(5)) / 1e9
                by_window[int(m.group(1))].append((start, end))
    return by_window


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("marks")
    parser.add_argument("samples")
    parser.add_argument("--from", dest="low", type=int, default=10_000)
    parser.add_argument("--to", dest="high", type=int, default=1_000_000)
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    windows = spans(args.marks)
    for w in (args.low, args.high):
        if w not in windows:
            raise SystemExit(f"no marked groups for the window at {w} in {args.marks} (was AKA_SCALE_MARKS=1 set?)")
    counts = {w: collections.Counter() for w in (args.low, args.high)}
    with open(args.samples) as f:
        for line in f:
            # comm tid time: ip sym
            m = re.match(r"\s*(\S+)\s+\d+\s+(\d+\.\d+):\s+[0-9a-f]+\s+(.*)$", line)
            if not m:
                continue
            comm, time, sym = m.group(1), float(m.group(2)), m.group(3).strip()
            for w in counts:
                if any(start <= time <= end for start, end in windows[w]):
                    counts[w][f"{comm}| {sym}"] += 1
    low, high = counts[args.low], counts[args.high]
    print(f"samples in the window at {args.low}: {sum(low.values())} ({len(windows[args.low])} groups); "
          f"at {args.high}: {sum(high.values())} ({len(windows[args.high])} groups)")
    print(f"{args.low:>9} {args.high:>9} {'growth':>7}  thread| function")
    names = sorted(set(low) | set(high), key=lambda s: (-(high[s] - low[s]), s))
    for name in names[: args.top]:
        print(f"{low[name]:9d} {high[name]:9d} {high[name] - low[name]:+7d}  {name[:120]}")


if __name__ == "__main__":
    main()
