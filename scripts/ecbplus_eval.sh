#!/usr/bin/env bash
# ECB+ figures for docs/QUALITY.md: resolution of gold mentions, and end to end (extraction +
# resolution); all documents in one store with no topic given; each scored on all mentions and on
# proper names (--proper-only), with --within-topic (the usual ECB+ setting, the one issue targets
# mean) and without it. Prints a Markdown table.
# Usage: scripts/ecbplus_eval.sh [ECBPLUS_DEV_DIR] [SCORE_PY]
#   defaults: ../shared/eval/ecbplus/dev and the score.py two levels above it.
set -euo pipefail
cd "$(dirname "$0")/.."
dev=${1:-../shared/eval/ecbplus/dev}
score=${2:-$dev/../../score.py}
for f in "$dev/docs.jsonl" "$dev/gold.jsonl" "$score"; do
  [[ -f $f ]] || { echo "ecbplus_eval: $f not found" >&2; exit 2; }
done
cargo build --release -q -p aka-cli
aka=target/release/aka
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 scripts/ecbplus_gold_docs.py "$dev/docs.jsonl" "$dev/gold.jsonl" > "$work/gold_docs.jsonl"
python3 -c 'import json,sys
for l in open(sys.argv[1], encoding="utf-8"):
    d=json.loads(l); print(json.dumps({"doc_id":d["doc_id"],"text":d["text"]}, ensure_ascii=False))' "$dev/docs.jsonl" > "$work/docs.jsonl"

# Baseline in the same run: every gold mention in the entity of its lower-cased text.
python3 -c 'import json,sys
for l in open(sys.argv[1], encoding="utf-8"):
    g=json.loads(l); print(json.dumps({"doc_id":g["doc_id"],"start":g["start"],"end":g["end"],"entity":g["text"].lower()}))' "$dev/gold.jsonl" > "$work/baseline_pred.jsonl"

echo "ingesting gold-mention documents ..." >&2
"$aka" --data "$work/gold" ingest "$work/gold_docs.jsonl" >&2
"$aka" --data "$work/gold" export mentions > "$work/gold_pred.jsonl"
python3 scripts/ecbplus_name_oracle.py "$dev/gold.jsonl" "$work/gold_pred.jsonl" "$dev/docs.jsonl" > "$work/oracle_pred.jsonl"
echo "ingesting plain documents ..." >&2
"$aka" --data "$work/e2e" ingest "$work/docs.jsonl" >&2
"$aka" --data "$work/e2e" export mentions > "$work/e2e_pred.jsonl"

row() { # setting mentions topic-option score-options...
  local setting=$1 mentions=$2 topic=$3 pred=$4
  shift 4
  python3 "$score" "$dev/gold.jsonl" "$pred" --docs "$dev/docs.jsonl" --quiet "$@" \
    | python3 -c 'import json,sys
r = json.loads(sys.stdin.read())
f = lambda x: "%.2f" % (100 * x)
m = r.get("mentions")
det = " / ".join(f(m[k]) for k in ("p", "r", "f1")) if m else "—"
cells = sys.argv[1:4] + [det, f(r["muc"]["f1"]), f(r["b3"]["f1"]), f(r["ceafe"]["f1"]), "**" + f(r["conll_f1"]) + "**"]
print("| " + " | ".join(cells) + " |")' \
      "$setting" "$mentions" "$topic"
}

echo "| setting | mentions | topics | mention P / R / F1 | MUC F1 | B³ F1 | CEAF-e F1 | CoNLL F1 |"
echo "|---|---|---|---|---|---|---|---|"
for topic in within across; do
  t=(); [[ $topic == within ]] && t=(--within-topic)
  label=$([[ $topic == within ]] && echo "within (--within-topic)" || echo "across (no --within-topic)")
  row "baseline: same lower-cased string" "proper names" "$label" "$work/baseline_pred.jsonl" --gold-mentions --proper-only "${t[@]}"
  row "resolution of gold mentions" "proper names" "$label" "$work/gold_pred.jsonl" --gold-mentions --proper-only "${t[@]}"
  row "upper bound: aka with every name-like split merged (gold clusters used)" "proper names" "$label" "$work/oracle_pred.jsonl" --gold-mentions --proper-only "${t[@]}"
  row "resolution of gold mentions" "all" "$label" "$work/gold_pred.jsonl" --gold-mentions "${t[@]}"
  row "end to end" "proper names" "$label" "$work/e2e_pred.jsonl" --match suffix --proper-only "${t[@]}"
  row "end to end" "all" "$label" "$work/e2e_pred.jsonl" --match suffix "${t[@]}"
done
