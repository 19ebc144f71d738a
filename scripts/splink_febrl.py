#!/usr/bin/env python3
"""Splink (DuckDB backend) on a Febrl dataset, scored like aka: the Splink side of
scripts/febrl_vs_splink.sh.

Usage (with the virtual environment that febrl_vs_splink.sh makes):
    target/venv-splink/bin/python scripts/splink_febrl.py --dedupe dataset3.csv [--threshold 0.9]
    target/venv-splink/bin/python scripts/splink_febrl.py --link dataset4a.csv dataset4b.csv

Prints one JSON object on standard output: the pairwise scores (scripts/febrl_pairs.py's `score`,
the same definition aka is scored with: pairs of records in one cluster against "rec-N-*" being one
person, over every record of the files; with --link only pairs with one record from each file),
the cluster threshold, the versions, and `splink_s`: wall time inside this process from reading the
CSV files to the clusters (data load, model set-up, training, prediction, clustering; not Python
start-up, imports or scoring).
Progress goes to standard error.

The model follows Splink's own Febrl examples (docs/demos/examples/duckdb/febrl3 and febrl4):
  comparisons: given_name, surname: NameComparison (exact, Jaro-Winkler 0.92 / 0.88 / 0.70),
      term-frequency adjusted; date_of_birth: DateOfBirthComparison (yyyymmdd strings, invalid or
      empty as null: exact, Damerau-Levenshtein 1, within 1 month / 1 year / 10 years);
      soc_sec_id: Damerau-Levenshtein 1 / 2; street_number: exact (tf); postcode: exact,
      Damerau-Levenshtein 1 / 2 (tf); address_1: exact, Jaro-Winkler 0.9 / 0.8;
      suburb: exact, Jaro-Winkler 0.9 / 0.8.
  prediction blocking: given_name+surname, names swapped, first 2 letters of given_name+surname
      with postcode, date_of_birth, soc_sec_id, street_number+address_1, postcode.
  training: probability two random records match from deterministic rules (soc_sec_id;
      given_name+surname+date_of_birth) at recall 0.9 (dedupe) / 0.8 (link), as in the examples;
      u by random sampling (1e6 pairs as in the examples, seed 2); m by EM blocked on
      date_of_birth, then on postcode (without term frequencies).
  predict at match probability >= 0.2, then connected components at --threshold (default 0.9).
"""
import argparse
import csv
import json
import logging
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import febrl_pairs  # noqa: E402

import duckdb  # noqa: E402
import pyarrow as pa  # noqa: E402
import splink  # noqa: E402
import splink.comparison_library as cl  # noqa: E402
from splink import DuckDBAPI, Linker, SettingsCreator, block_on  # noqa: E402

COLUMNS = [
    "rec_id", "given_name", "surname", "street_number", "address_1", "address_2",
    "suburb", "postcode", "state", "date_of_birth", "soc_sec_id",
]


def read_febrl(path):
    """The CSV as Febrl ships it (spaces after commas); empty fields become nulls."""
    with open(path, newline="") as f:
        rows = csv.reader(f, skipinitialspace=True)
        header = [h.strip() for h in next(rows)]
        assert header == COLUMNS, f"{path}: unexpected header {header}"
        cols = {c: [] for c in COLUMNS}
        for row in rows:
            if not row:
                continue
            for c, v in zip(COLUMNS, row):
                v = v.strip()
                cols[c].append(v if v else None)
    return pa.table({c: pa.array(v, type=pa.string()) for c, v in cols.items()})


def log(msg):
    print(f"[splink] {msg}", file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser()
    g = ap.add_mutually_exclusive_group(required=True)
    g.add_argument("--dedupe", metavar="CSV")
    g.add_argument("--link", nargs=2, metavar=("A_CSV", "B_CSV"))
    ap.add_argument("--threshold", type=float, default=0.9,
                    help="match probability at or above which a pair joins a cluster")
    ap.add_argument("--u-pairs", type=float, default=1e6,
                    help="max pairs for estimate_u_using_random_sampling (1e6 as in the examples)")
    args = ap.parse_args()
    logging.getLogger("splink").setLevel(logging.WARNING)

    t0 = time.perf_counter()
    paths = [args.dedupe] if args.dedupe else args.link
    tables = [read_febrl(p) for p in paths]
    link_type = "dedupe_only" if args.dedupe else "link_only"

    blocking_rules = [
        block_on("given_name", "surname"),
        "l.given_name = r.surname and l.surname = r.given_name",
        block_on("substr(given_name, 1, 2)", "substr(surname, 1, 2)", "postcode"),
        block_on("date_of_birth"),
        block_on("soc_sec_id"),
        block_on("street_number", "address_1"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(
        unique_id_column_name="rec_id",
        link_type=link_type,
        blocking_rules_to_generate_predictions=blocking_rules,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison(
                "date_of_birth",
                input_is_string=True,
                datetime_format="%Y%m%d",
                invalid_dates_as_null=True,
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                term_frequency_adjustments=True
            ),
            cl.JaroWinklerAtThresholds("address_1", [0.9, 0.8]),
            cl.JaroWinklerAtThresholds("suburb", [0.9, 0.8]),
        ],
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
    con = duckdb.connect()
    db_api = DuckDBAPI(connection=con)
    names = ["a", "b"] if args.link else [None]
    sdfs = [db_api.register(t, dataset_display_name=n) if n else db_api.register(t)
            for t, n in zip(tables, names)]
    linker = Linker(sdfs if args.link else sdfs[0], settings)

    deterministic_rules = [
        block_on("soc_sec_id"),
        block_on("given_name", "surname", "date_of_birth"),
    ]
    linker.training.estimate_probability_two_random_records_match(
        deterministic_rules, recall=0.9 if args.dedupe else 0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=args.u_pairs, seed=2)
    for rule in (block_on("date_of_birth"), block_on("postcode")):
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=True
        )
    t_train = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=0.2)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=args.threshold
    )
    rows = clusters.as_record_list()
    t1 = time.perf_counter()

    entity = {r["rec_id"]: str(r["cluster_id"]) for r in rows}
    assert len(entity) == sum(t.num_rows for t in tables), "clusters lost or duplicated records"
    link = (febrl_pairs.ids_of(paths[0]), febrl_pairs.ids_of(paths[1])) if args.link else None
    universe = set().union(*(febrl_pairs.ids_of(p) for p in paths))
    result = febrl_pairs.score(entity, link, universe)
    n_pairs = predictions.as_duckdbpyrelation().count("*").fetchall()[0][0]
    log(f"{link_type}: {n_pairs} pairs predicted at p >= 0.2; "
        f"train {t_train - t0:.2f} s, predict+cluster {t1 - t_train:.2f} s")
    result.update(
        system="splink",
        splink_s=round(t1 - t0, 3),
        threshold_match_probability=args.threshold,
        predicted_candidate_pairs=n_pairs,
        splink_version=splink.__version__,
        duckdb_version=duckdb.__version__,
        python_version=sys.version.split()[0],
    )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
