#!/usr/bin/env python3
"""Turns ECB+ docs.jsonl and gold.jsonl into aka document lines that carry their gold mentions:
{"doc_id", "text", "mentions": [{"start", "end", "kind"}]}, kind from the gold type (LOC as PLACE).
Usage: scripts/ecbplus_gold_docs.py DOCS GOLD > OUT.jsonl"""
import collections
import json
import sys

KINDS = {"PERSON": "PERSON", "ORG": "ORG", "LOC": "PLACE", "OTHER": "OTHER"}


def main(docs_path, gold_path):
    gold = collections.defaultdict(list)
    with open(gold_path, encoding="utf-8") as f:
        for line in f:
            g = json.loads(line)
            gold[g["doc_id"]].append({"start": g["start"], "end": g["end"], "kind": KINDS.get(g["type"], "OTHER")})
    with open(docs_path, encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            spans = sorted({(m["start"], m["end"]): m for m in gold[d["doc_id"]]}.values(), key=lambda m: (m["start"], m["end"]))
            print(json.dumps({"doc_id": d["doc_id"], "text": d["text"], "mentions": spans}, ensure_ascii=False))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
