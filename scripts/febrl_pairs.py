#!/usr/bin/env python3
"""Pairwise precision, recall and F1 of aka's entities on a Febrl dataset.

Usage: aka --data DIR export mentions | scripts/febrl_pairs.py [--link A.csv B.csv]

Reads `aka export mentions` (JSON lines; a record's mention id is its rec_id) on standard
input. The truth: records "rec-N-org" and "rec-N-dup-k" are the same person. With --link,
only pairs with one record from each file count (dataset4a/4b), as record linkage scores them.
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


def main():
    link = None
    if sys.argv[1:2] == ["--link"]:
        link = (ids_of(sys.argv[2]), ids_of(sys.argv[3]))
    entity = {}
    for line in sys.stdin:
        row = json.loads(line)
        entity[row["mention_id"]] = row["entity"]

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
    print(f"records {len(entity)}  true pairs {len(true)}  predicted pairs {len(predicted)}")
    print(f"precision {100 * precision:.2f}  recall {100 * recall:.2f}  F1 {100 * f1:.2f}")


if __name__ == "__main__":
    main()
