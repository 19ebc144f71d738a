#!/usr/bin/env python3
"""The decision-timing lines of a scale bench run as one table, 10k against 1M.

Build the bench with scripts/decision-timing.patch applied (it times the resolving thread's
work per kind of decision, and prints it to stderr at the end of each measured window), run
`cargo bench -p aka --bench scale -- 1000000 2> timing.err`, then

    python3 scripts/decision_timing_table.py timing.err [WINDOW_A] [WINDOW_B]

Each row: a kind of work, its share of the window's mentions, the time it took each time, and
its time per mention of the window; the least of the runs' per-mention figures at each size
(each run prints its own lines), and the difference. Rows marked "(whatever decides)" time a
step of the cascade wherever it ends; they overlap the decide rows and are not summed.
"""
import collections
import re
import sys

path = sys.argv[1]
window_a = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000
window_b = int(sys.argv[3]) if len(sys.argv) > 3 else 1_000_000
rows = collections.defaultdict(lambda: collections.defaultdict(list))
for line in open(path):
    if not line.startswith("decision timing"):
        continue
    window = int(re.search(r"window (\d+)", line).group(1))
    for part in line.split(" | ")[1:]:
        m = re.match(r"(.*): ([\d.]+)% of mentions, (\d+) ns each, (\d+) ns per mention", part.strip())
        if m:
            rows[m.group(1)][window].append((float(m.group(2)), int(m.group(3)), int(m.group(4))))

def least(figures):
    return min(figures, key=lambda f: f[2])

print(f"| work | {window_a:,}: share, ns each, ns per mention | {window_b:,}: share, ns each, ns per mention | difference, ns per mention |")
print("|---|---|---|---|")
summed = {window_a: 0, window_b: 0}
shown = [k for k in rows if rows[k][window_a] and rows[k][window_b]]
for what in sorted(shown, key=lambda k: least(rows[k][window_a])[2] - least(rows[k][window_b])[2]):
    a, b = least(rows[what][window_a]), least(rows[what][window_b])
    if "whatever decides" not in what and not what.startswith(" "):
        summed[window_a] += a[2]
        summed[window_b] += b[2]
    print(f"| {what.strip()} | {a[0]:.1f}%, {a[1]:,}, {a[2]:,} | {b[0]:.1f}%, {b[1]:,}, {b[2]:,} | {b[2] - a[2]:+,} |")
print(f"| decide and apply, all rules | {summed[window_a]:,} | {summed[window_b]:,} | {summed[window_b] - summed[window_a]:+,} |")
