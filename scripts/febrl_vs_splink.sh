#!/usr/bin/env bash
# aka and Splink side by side on Febrl, in one run, on this machine.
#
#   scripts/febrl_vs_splink.sh            (from the repository root)
#
# For dataset3 (dedupe, 5000 records) and dataset4a+dataset4b (link, 5000+5000 records):
#   aka:    release build; `aka estimate` on the same files (timed) estimates the attributes' weights
#           from the records (Fellegi-Sunter m and u by expectation-maximisation, as Splink trains
#           its model) into a rules file; a fresh data dir under target/tmp; `aka --rules ESTIMATED
#           ingest --records` timed; the row's wall time is estimate + ingest, its peak RSS the larger
#           of the two; `aka export mentions` timed apart; scored by scripts/febrl_pairs.py.
#   Splink: a virtual environment in target/venv-splink (made and filled with splink==$SPLINK_VERSION,
#           DuckDB backend, if missing); scripts/splink_febrl.py trains the model of Splink's own
#           Febrl examples, predicts, clusters at match probability $SPLINK_THRESHOLD, and scores
#           the clusters with febrl_pairs.py's `score` (the same pairwise definition as aka's).
#           Wall time and peak RSS are of the whole Python process (start-up, imports, CSV load,
#           training, prediction, clustering, scoring); the time from CSV load to clusters alone is
#           reported too.
# Prints a markdown table and writes the same rows as JSON lines to target/febrl_vs_splink.jsonl.
#
# Settings (each may also be given in the environment):
#   AKA_RECORD_FLAGS  flags of `aka ingest --records` (the name/id columns; add e.g. --rules FILE)
#   AKA_FLAGS         flags given to every aka command, ingest and export alike (e.g. --rules FILE; with
#                     AKA_ESTIMATE=1 that file is the base the estimate starts from, and ingest and
#                     export use the estimated rules instead)
#   AKA_ESTIMATE      1 (default): weights estimated by `aka estimate`; 0: the rules of AKA_FLAGS as
#                     they are (the compiled-in defaults without --rules)
#   SPLINK_THRESHOLD  cluster threshold (match probability) for Splink
#   ROUNDS            times each system is run on each dataset, aka and Splink in turn (default 3): a
#                     row's wall time is the median of its rounds (each round's is in the JSON too,
#                     with the ratio of aka's to Splink's per round), its peak RSS the largest
#   FEBRL             directory of the Febrl CSV files
set -euo pipefail

AKA_RECORD_FLAGS=${AKA_RECORD_FLAGS:-"--id-column rec_id --name given_name,surname"}
AKA_FLAGS=${AKA_FLAGS:-}
AKA_ESTIMATE=${AKA_ESTIMATE:-1}
SPLINK_VERSION=5.0.0
SPLINK_THRESHOLD=${SPLINK_THRESHOLD:-0.9}
ROUNDS=${ROUNDS:-3}
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "[febrl_vs_splink] error: ROUNDS must be a positive integer, not '$ROUNDS'" >&2; exit 1; }
FEBRL=${FEBRL:-../shared/eval/febrl}
PYTHON=${PYTHON:-python3}
VENV=${VENV:-target/venv-splink}
WORK=target/tmp/febrl_vs_splink
OUT=target/febrl_vs_splink.jsonl
AKA=target/release/aka

now_ms() { date +%s%3N; }
since() { local ms=$(( $(now_ms) - $1 )); printf "%d.%03d" $((ms / 1000)) $((ms % 1000)); }
script_start=$(now_ms)
say() { echo "[febrl_vs_splink] $*" >&2; }
die() { say "error: $*"; exit 1; }
is_root() { [ "$(id -u)" = 0 ]; }

[ -f Cargo.toml ] && [ -d scripts ] || die "run from the repository root"
for f in dataset3.csv dataset4a.csv dataset4b.csv; do
    [ -f "$FEBRL/$f" ] || die "$FEBRL/$f missing (set FEBRL to the Febrl directory)"
done
rm -rf "$WORK"
mkdir -p "$WORK"

# --- timing: GNU time if there is one (installed with apt when root), else a Python wrapper ---
TIME_BIN=
if [ -x /usr/bin/time ] && /usr/bin/time -f %M true >/dev/null 2>&1; then
    TIME_BIN=/usr/bin/time
elif is_root && command -v apt-get >/dev/null; then
    say "installing GNU time with apt-get"
    { apt-get update -qq && apt-get install -y -qq time; } >"$WORK/apt-time.log" 2>&1 || true
    [ -x /usr/bin/time ] && TIME_BIN=/usr/bin/time
fi
[ -n "$TIME_BIN" ] || say "no GNU time: timing with python3's resource.getrusage(RUSAGE_CHILDREN)"

# measure LABEL CMD...: stdout to $WORK/LABEL.out, stderr to $WORK/LABEL.err,
# "WALL_SECONDS PEAK_RSS_KIB" to $WORK/LABEL.time.
measure() {
    local label=$1
    shift
    local rc=0
    if [ -n "$TIME_BIN" ]; then
        "$TIME_BIN" -f "%e %M" -o "$WORK/$label.time" "$@" >"$WORK/$label.out" 2>"$WORK/$label.err" || rc=$?
    else
        "$PYTHON" -c '
import resource, subprocess, sys, time
t = time.perf_counter()
with open(sys.argv[2], "wb") as o, open(sys.argv[3], "wb") as e:
    rc = subprocess.call(sys.argv[4:], stdout=o, stderr=e)
wall = time.perf_counter() - t
with open(sys.argv[1], "w") as f:
    f.write(f"{wall:.2f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\n")
sys.exit(rc)' "$WORK/$label.time" "$WORK/$label.out" "$WORK/$label.err" "$@" || rc=$?
    fi
    if [ "$rc" != 0 ]; then
        say "$label failed (exit $rc): $*"
        tail -n 30 "$WORK/$label.err" >&2
        exit 1
    fi
}

# --- Splink's virtual environment ---
make_venv() {
    if "$PYTHON" -m venv "$VENV" >"$WORK/venv.log" 2>&1; then return 0; fi
    rm -rf "$VENV"
    say "'$PYTHON -m venv' failed (no ensurepip?): $(tail -n 1 "$WORK/venv.log")"
    if is_root && command -v apt-get >/dev/null; then
        local pyver
        pyver=$("$PYTHON" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
        say "installing python3-venv / python$pyver-venv with apt-get"
        { apt-get update -qq && { apt-get install -y -qq "python$pyver-venv" || apt-get install -y -qq python3-venv; }; } \
            >>"$WORK/venv.log" 2>&1 || true
        if "$PYTHON" -m venv "$VENV" >>"$WORK/venv.log" 2>&1; then return 0; fi
        rm -rf "$VENV"
    fi
    say "falling back on virtualenv from PyPI (pip install --user)"
    "$PYTHON" -m pip install -q --user virtualenv >>"$WORK/venv.log" 2>&1 ||
        "$PYTHON" -m pip install -q --user --break-system-packages virtualenv >>"$WORK/venv.log" 2>&1 ||
        { cat "$WORK/venv.log" >&2; die "cannot make a virtual environment: install python3-venv or virtualenv"; }
    "$PYTHON" -m virtualenv -q "$VENV" >>"$WORK/venv.log" 2>&1 ||
        { cat "$WORK/venv.log" >&2; die "virtualenv failed"; }
}

venv_start=$(now_ms)
if ! "$VENV/bin/python" -c "import splink, sys; sys.exit(splink.__version__ != '$SPLINK_VERSION')" 2>/dev/null; then
    say "making $VENV with splink==$SPLINK_VERSION"
    [ -x "$VENV/bin/python" ] || { rm -rf "$VENV"; make_venv; }
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check "splink==$SPLINK_VERSION" ||
        die "pip install splink==$SPLINK_VERSION failed"
fi
venv_s=$(since "$venv_start")
read -r splink_version duckdb_version venv_python < <("$VENV/bin/python" -c \
    'import splink, duckdb, sys; print(splink.__version__, duckdb.__version__, sys.version.split()[0])')
say "splink $splink_version, duckdb $duckdb_version, Python $venv_python ($VENV)"

# --- aka, release build (retried: others may be mid-edit) ---
build_ok=
for attempt in 1 2 3; do
    if cargo build --release -q -p aka-cli 2>"$WORK/build.err"; then build_ok=1; break; fi
    say "release build failed (attempt $attempt); retrying in 60 s"
    tail -n 5 "$WORK/build.err" >&2
    [ "$attempt" = 3 ] || sleep 60
done
[ -n "$build_ok" ] || { cat "$WORK/build.err" >&2; die "cargo build --release -p aka-cli failed"; }
aka_version=$("$AKA" --version)
commit=$(git rev-parse --short HEAD)
dirty=no
git diff --quiet HEAD -- crates Cargo.toml Cargo.lock 2>/dev/null || dirty=yes
say "$aka_version at $commit (uncommitted changes under crates/: $dirty)"

: >"$WORK/rows.jsonl"
# row DATASET SYSTEM SCORES_JSON WALL RSS_KIB EXTRA_JSON: one result row into $WORK/rows.jsonl
row() {
    "$PYTHON" - "$@" >>"$WORK/rows.jsonl" <<'EOF'
import json, sys
dataset, system, scores, wall, rss, extra = sys.argv[1:7]
r = {"dataset": dataset, "system": system}
s = json.loads(scores)
r.update({k: round(s[k], 2) for k in ("precision", "recall", "f1")})
r.update(wall_s=float(wall), peak_rss_mib=round(int(rss) / 1024, 1))
r.update({k: s[k] for k in ("records", "records_in_input", "true_pairs", "predicted_pairs", "correct_pairs")})
r.update(json.loads(extra))
print(json.dumps(r))
EOF
}

run_dataset() {
    local name=$1 mode=$2
    shift 2
    local files=("$@")
    local link=()
    [ "$mode" = link ] && link=(--link "${files[@]}")
    local sp_args
    if [ "$mode" = link ]; then sp_args=(--link "${files[@]}"); else sp_args=(--dedupe "${files[0]}"); fi

    local dir="$WORK/aka-data-$name"
    local flags=$AKA_FLAGS rules=default
    local est_walls=() ing_walls=() sp_walls=() sp_inner=() est_rss=0 ing_rss=0 sp_rss=0
    local round
    for round in $(seq 1 "$ROUNDS"); do
        say "$name: aka (round $round of $ROUNDS)"
        rm -rf "$dir"
        flags=$AKA_FLAGS
        local estimate=(0 0)
        if [ "$AKA_ESTIMATE" = 1 ]; then
            local estimated="$WORK/rules-$name.toml"
            # shellcheck disable=SC2086 # the flag variables are word-split on purpose
            measure "aka-$name-estimate" "$AKA" $AKA_FLAGS estimate --records "${files[@]}" $AKA_RECORD_FLAGS \
                --output "$estimated"
            read -r -a estimate <"$WORK/aka-$name-estimate.time"
            say "$name: $(tail -n 1 "$WORK/aka-$name-estimate.err")"
            # The estimated rules replace any --rules of AKA_FLAGS.
            flags="$(without_rules $AKA_FLAGS) --rules $estimated"
            rules="estimated by aka estimate on the same files ($WORK/rules-DATASET.toml)"
        fi
        # shellcheck disable=SC2086
        measure "aka-$name-ingest" "$AKA" --data "$dir" $flags ingest --records "${files[@]}" $AKA_RECORD_FLAGS
        local ingest
        read -r -a ingest <"$WORK/aka-$name-ingest.time"
        est_walls+=("${estimate[0]}")
        ing_walls+=("${ingest[0]}")
        (( estimate[1] > est_rss )) && est_rss=${estimate[1]}
        (( ingest[1] > ing_rss )) && ing_rss=${ingest[1]}

        say "$name: splink (round $round of $ROUNDS)"
        measure "splink-$name" "$VENV/bin/python" scripts/splink_febrl.py "${sp_args[@]}" --threshold "$SPLINK_THRESHOLD"
        local sp
        read -r -a sp <"$WORK/splink-$name.time"
        sp_walls+=("${sp[0]}")
        sp_inner+=("$("$PYTHON" -c 'import json, sys; print(json.loads(sys.argv[1])["splink_s"])' "$(tail -n 1 "$WORK/splink-$name.out")")")
        (( sp[1] > sp_rss )) && sp_rss=${sp[1]}
    done

    # The last round's store and Splink output are scored (aka's are the same every round).
    # shellcheck disable=SC2086
    measure "aka-$name-export" "$AKA" --data "$dir" $flags export mentions
    local scores export
    # --truth: the true pairs are over every record of the files, as for Splink; a record aka left
    # out (a row without a name) counts as unresolved.
    scores=$("$PYTHON" scripts/febrl_pairs.py "${link[@]}" --truth "${files[@]}" --json <"$WORK/aka-$name-export.out")
    read -r -a export <"$WORK/aka-$name-export.time"
    local rss=$(( est_rss > ing_rss ? est_rss : ing_rss ))
    local rounds_json
    rounds_json=$("$PYTHON" -c '
import json, statistics, sys
est, ing, sp, inner = (list(map(float, a.split())) for a in sys.argv[1:5])
aka = [round(e + i, 2) for e, i in zip(est, ing)]
print(json.dumps({"rounds": len(aka), "aka_wall_s_rounds": aka, "estimate_wall_s_rounds": est,
                  "ingest_wall_s_rounds": ing, "splink_wall_s_rounds": sp, "splink_s_rounds": inner,
                  "aka_over_splink_rounds": [round(a / s, 3) for a, s in zip(aka, sp)],
                  "aka_over_splink": round(statistics.median(aka) / statistics.median(sp), 3),
                  "median": {"aka": statistics.median(aka), "estimate": statistics.median(est),
                             "ingest": statistics.median(ing), "splink": statistics.median(sp),
                             "splink_s": statistics.median(inner)}}))' \
        "${est_walls[*]}" "${ing_walls[*]}" "${sp_walls[*]}" "${sp_inner[*]}")
    med() { "$PYTHON" -c 'import json, sys; print(json.loads(sys.argv[1])["median"][sys.argv[2]])' "$rounds_json" "$1"; }
    row "$name" aka "$scores" "$(med aka)" "$rss" "$("$PYTHON" -c '
import json, sys
est = sys.argv[7] == "1"
r = json.loads(sys.argv[11])
print(json.dumps({"time_covers": ("aka estimate + aka ingest (whole processes; RSS the larger; wall the median of the rounds)" if est
                                  else "aka ingest (whole process; wall the median of the rounds)"),
                  "estimate_wall_s": float(sys.argv[5]) if est else None,
                  "estimate_peak_rss_mib": round(int(sys.argv[6]) / 1024, 1) if est else None,
                  "ingest_wall_s": float(sys.argv[8]), "ingest_peak_rss_mib": round(int(sys.argv[9]) / 1024, 1),
                  "export_wall_s": float(sys.argv[1]), "export_peak_rss_mib": round(int(sys.argv[2]) / 1024, 1),
                  "aka_flags": sys.argv[3], "aka_record_flags": sys.argv[4], "aka_rules": sys.argv[10],
                  **{k: v for k, v in r.items() if k != "median"}}))' \
        "${export[0]}" "${export[1]}" "$AKA_FLAGS" "$AKA_RECORD_FLAGS" "$(med estimate)" "$est_rss" \
        "$AKA_ESTIMATE" "$(med ingest)" "$ing_rss" "$rules" "$rounds_json")"

    scores=$(tail -n 1 "$WORK/splink-$name.out")
    row "$name" splink "$scores" "$(med splink)" "$sp_rss" "$("$PYTHON" -c '
import json, sys
s = json.loads(sys.argv[1])
r = json.loads(sys.argv[2])
print(json.dumps({"time_covers": "whole python process (start-up, imports, load, train, predict, cluster, score); wall the median of the rounds",
                  **{k: s[k] for k in ("threshold_match_probability", "predicted_candidate_pairs")},
                  "splink_s": r["median"]["splink_s"], "rounds": r["rounds"],
                  "wall_s_rounds": r["splink_wall_s_rounds"], "splink_s_rounds": r["splink_s_rounds"]}))' "$scores" "$rounds_json")"
}

# without_rules FLAGS...: the flags without --rules FILE (or --rules=FILE).
without_rules() {
    local out=() skip=
    for w in "$@"; do
        if [ -n "$skip" ]; then skip=; continue; fi
        case $w in
            --rules) skip=1 ;;
            --rules=*) ;;
            *) out+=("$w") ;;
        esac
    done
    echo "${out[*]}"
}

run_dataset dataset3 dedupe "$FEBRL/dataset3.csv"
run_dataset dataset4 link "$FEBRL/dataset4a.csv" "$FEBRL/dataset4b.csv"

total_s=$(since "$script_start")
"$PYTHON" - "$WORK/rows.jsonl" "$OUT" "$commit" "$dirty" "$aka_version" "$splink_version" "$duckdb_version" \
    "$venv_python" "$(cargo --version)" "$SPLINK_THRESHOLD" "$total_s" "$venv_s" <<'EOF'
import json, os, platform, sys
rows_path, out, commit, dirty, aka_v, splink_v, duckdb_v, py_v, cargo_v, thr, total_s, venv_s = sys.argv[1:]
meta = {"commit": commit, "uncommitted_changes_under_crates": dirty == "yes", "aka_version": aka_v,
        "splink_version": splink_v, "duckdb_version": duckdb_v, "python_version": py_v,
        "cargo_version": cargo_v, "machine": f"{platform.machine()}, {os.cpu_count()} cores"}
rows = [json.loads(l) for l in open(rows_path)]
with open(out, "w") as f:
    for r in rows:
        f.write(json.dumps({**r, **meta}) + "\n")
names = {"dataset3": "dataset3 (dedupe)", "dataset4": "dataset4a+4b (link)"}
rounds = rows[0]["rounds"]
print(f"| dataset | system | precision | recall | F1 | wall s (median of {rounds}) | wall s, each round | peak RSS MiB |")
print("|---|---|---:|---:|---:|---:|---|---:|")
for r in rows:
    each = r.get("aka_wall_s_rounds") or r.get("wall_s_rounds")
    print(f"| {names.get(r['dataset'], r['dataset'])} | {r['system']} | {r['precision']:.2f} | {r['recall']:.2f} "
          f"| {r['f1']:.2f} | {r['wall_s']:.2f} | {', '.join(f'{w:.2f}' for w in each)} | {r['peak_rss_mib']:.0f} |")
print()
for r in rows:
    if r["system"] == "aka":
        print(f"aka ÷ Splink wall time, {r['dataset']}: {r['aka_over_splink']:.3f} (medians); each round, aka and "
              f"Splink run in turn: {', '.join(f'{x:.3f}' for x in r['aka_over_splink_rounds'])}.")
print()
print(f"aka: commit {commit}" + (" (with uncommitted changes under crates/)" if dirty == "yes" else "")
      + f", {aka_v}, {cargo_v}; flags: {rows[0].get('aka_flags') or '(none)'} ingest --records "
      f"{rows[0].get('aka_record_flags')}; rules: {rows[0].get('aka_rules')}. Time (median of {rounds} round{'s' if rounds != 1 else ''}) and "
      "peak RSS (largest): "
      + ("`aka estimate` + `aka ingest` (" + ", ".join(f"{r['estimate_wall_s']:.2f} s + {r['ingest_wall_s']:.2f} s, "
         f"{r['estimate_peak_rss_mib']:.0f} / {r['ingest_peak_rss_mib']:.0f} MiB ({r['dataset']})"
         for r in rows if r["system"] == "aka") + ")" if rows[0].get("estimate_wall_s") is not None else "`aka ingest`")
      + "; `aka export mentions` (last round) took "
      + ", ".join(f"{r['export_wall_s']:.2f} s / {r['export_peak_rss_mib']:.0f} MiB ({r['dataset']})"
                  for r in rows if r["system"] == "aka") + ".")
print(f"Splink {splink_v} (DuckDB {duckdb_v}, Python {py_v}); clusters at match probability >= {thr}. "
      f"Time (median of {rounds} round{'s' if rounds != 1 else ''}) and peak RSS (largest): the whole Python process; from CSV load to "
      "clusters alone: "
      + ", ".join(f"{r['splink_s']:.2f} s ({r['dataset']})" for r in rows if r["system"] == "splink") + ".")
left_out = ", ".join(f"{r['records'] - r['records_in_input']} of {r['records']} ({r['dataset']})"
                     for r in rows if r["system"] == "aka" and r["records_in_input"] < r["records"])
print(f"Pairwise scores (scripts/febrl_pairs.py) over every record of the files; dataset4 counts cross-file "
      f"pairs only." + (f" Records aka left out (no name), scored as unresolved: {left_out}." if left_out else "") + " "
      f"Machine: {meta['machine']}. Whole script: {total_s} s (venv step {venv_s} s). Rows: {out}")
EOF
