#!/usr/bin/env python3
"""An upper bound for name rules on ECB+ gold mentions: merges, within each topic, every predicted
entity that holds a name-like gold mention of the same gold cluster (name-like: no lower-case word
other than a preposition or article, so "the Gulf of Aden" but not "a jewellery store in Paris").
Prints the changed predictions; score them like aka's own (see docs/QUALITY.md).
Usage: scripts/ecbplus_name_oracle.py GOLD PRED DOCS > ORACLE.jsonl
It reads the gold clusters, so it measures what is left to gain, never anything aka may use."""
import collections
import json
import re
import sys

SMALL_WORDS = {"in", "at", "on", "the", "a", "an", "of", "to", "off", "into", "near", "from", "for"}


def name_like(text):
    words = re.findall(r"[A-Za-z][\w'.-]*", text)
    return all(w[0].isupper() or w.lower() in SMALL_WORDS for w in words)


def main(gold_path, pred_path, docs_path):
    gold = [json.loads(line) for line in open(gold_path, encoding="utf-8")]
    preds = [json.loads(line) for line in open(pred_path, encoding="utf-8")]
    topic = {d["doc_id"]: d["topic"] for d in map(json.loads, open(docs_path, encoding="utf-8"))}
    by_span = {(p["doc_id"], p["start"], p["end"]): p for p in preds}
    parent = {}

    def find(x):
        while parent.get(x, x) != x:
            x = parent[x]
        return x

    clusters = collections.defaultdict(list)
    for g in gold:
        if g["proper"] and name_like(g["text"]) and (g["doc_id"], g["start"], g["end"]) in by_span:
            clusters[g["cluster"]].append(g)
    for mentions in clusters.values():
        ids = [(topic[m["doc_id"]], by_span[(m["doc_id"], m["start"], m["end"])]["entity"]) for m in mentions]
        for other in ids[1:]:
            a, b = find(ids[0]), find(other)
            if a != b:
                parent[b] = a
    for p in preds:
        root = find((topic[p["doc_id"]], p["entity"]))
        p["entity"] = f"{root[0]}/{root[1]}"
        print(json.dumps(p, ensure_ascii=False))


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(*sys.argv[1:])
