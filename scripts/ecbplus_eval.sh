#!/usr/bin/env bash
# ECB+ figures for docs/QUALITY.md: resolution of gold mentions, and end to end (extraction +
# resolution), each scored with and without --proper-only, all documents in one store, no topics.
# Usage: scripts/ecbplus_eval.sh [ECBPLUS_DEV_DIR] (default ../shared/eval/ecbplus/dev)
set -euo pipefail
cd "$(dirname "$0")/.."
dev=${1:-../shared/eval/ecbplus/dev}
score=$(dirname "$dev")/../score.py
[[ -f $score ]] || score=../shared/eval/score.py
cargo build --release -q -p aka-cli
aka=target/release/aka
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 scripts/ecbplus_gold_docs.py "$dev/docs.jsonl" "$dev/gold.jsonl" > "$work/gold_docs.jsonl"
python3 -c 'import json,sys
for l in open(sys.argv[1]):
    d=json.loads(l); print(json.dumps({"doc_id":d["doc_id"],"text":d["text"]}, ensure_ascii=False))' "$dev/docs.jsonl" > "$work/docs.jsonl"

"$aka" --data "$work/gold" ingest "$work/gold_docs.jsonl"
"$aka" --data "$work/gold" export mentions > "$work/gold_pred.jsonl"
"$aka" --data "$work/e2e" ingest "$work/docs.jsonl"
"$aka" --data "$work/e2e" export mentions > "$work/e2e_pred.jsonl"

for proper in "" --proper-only; do
  echo "== resolution of gold mentions ${proper:-(all mentions)}"
  python3 "$score" "$dev/gold.jsonl" "$work/gold_pred.jsonl" --gold-mentions --docs "$dev/docs.jsonl" --within-topic $proper | grep -E '^(metric|MUC|B-cubed|CEAF-e|CoNLL)'
  echo "== end to end ${proper:-(all mentions)}"
  python3 "$score" "$dev/gold.jsonl" "$work/e2e_pred.jsonl" --docs "$dev/docs.jsonl" --match suffix --within-topic $proper | grep -E '^(metric|mentions|MUC|B-cubed|CEAF-e|CoNLL)'
done
