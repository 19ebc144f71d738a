#!/usr/bin/env python3
"""Pairwise precision, recall and F1 of aka's entities on a Febrl dataset.

Usage: aka --data DIR export mentions | scripts/febrl_pairs.py [--link A.csv B.csv] [--truth CSV...] [--json]

Reads `aka export mentions` (JSON lines; a record's mention id is its rec_id) on standard
input. The truth: records "rec-N-org" and "rec-N-dup-k" are the same person. With --link,
only pairs with one record from each file count (dataset4a/4b), as record linkage scores them.
--truth CSV...: the true pairs are those among every record of these files, and a record missing
from the input (aka leaves out rows without a name) counts as resolved alone; without it, only the
records in the input count. --json prints one JSON object instead of the two lines of text.

scripts/splink_febrl.py imports `score` so that Splink's clusters are scored the same way.
"""
import collections
import csv
import itertools
import json
import sys


def person(rec_id):
    return rec_id.split("-")[1]


def ids_of(path):
    with open(path, newline="") as f:
        return {row[0].strip() for row in csv.reader(f, skipinitialspace=True) if row and row[0].strip() != "rec_id"}


def score(entity, link=None, universe=None):
    """entity: {rec_id: cluster}; link: None, or (ids of file A, ids of file B); universe: None, or
    the ids of every record, those missing from entity each being an entity of its own."""
    found = len(entity)
    if universe is not None:
        entity = dict(entity)
        for rec in universe:
            entity.setdefault(rec, ("missing", rec))

    def counts(pair):
        if link is None:
            return True
        a, b = pair
        return (a in link[0] and b in link[1]) or (a in link[1] and b in link[0])

    by_entity = collections.defaultdict(list)
    by_person = collections.defaultdict(list)
    for rec, ent in entity.items():
        by_entity[ent].append(rec)
        by_person[person(rec)].append(rec)
    predicted = {tuple(sorted(p)) for recs in by_entity.values() for p in itertools.combinations(recs, 2) if counts(p)}
    true = {tuple(sorted(p)) for recs in by_person.values() for p in itertools.combinations(recs, 2) if counts(p)}
    hit = len(predicted & true)
    precision = hit / len(predicted) if predicted else 0.0
    recall = hit / len(true) if true else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "records": len(entity),
        "records_in_input": found,
        "true_pairs": len(true),
        "predicted_pairs": len(predicted),
        "correct_pairs": hit,
        "precision": 100 * precision,
        "recall": 100 * recall,
        "f1": 100 * f1,
    }


def main():
    args = sys.argv[1:]
    as_json = "--json" in args
    args = [a for a in args if a != "--json"]
    link = None
    universe = None
    if "--truth" in args:
        i = args.index("--truth")
        files = [a for a in itertools.takewhile(lambda a: not a.startswith("--"), args[i + 1:])]
        if not files:
            sys.exit("--truth needs one or more CSV files")
        universe = set().union(*(ids_of(f) for f in files))
        args = args[:i] + args[i + 1 + len(files):]
    if args[:1] == ["--link"]:
        link = (ids_of(args[1]), ids_of(args[2]))
    entity = {}
    for line in sys.stdin:
        row = json.loads(line)
        entity[row["mention_id"]] = row["entity"]
    s = score(entity, link, universe)
    if as_json:
        print(json.dumps(s))
        return
    missing = f" ({s['records'] - s['records_in_input']} not in the input)" if universe is not None else ""
    print(f"records {s['records']}{missing}  true pairs {s['true_pairs']}  predicted pairs {s['predicted_pairs']}")
    print(f"precision {s['precision']:.2f}  recall {s['recall']:.2f}  F1 {s['f1']:.2f}")


if __name__ == "__main__":
    main()
