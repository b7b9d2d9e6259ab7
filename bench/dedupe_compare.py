"""Splink (DuckDB backend) on the records `habeas-bench dedupe-data` writes, and the scoring of
both Splink's and habeas's pairs against the truth, side by side.

    python bench/dedupe_compare.py --csv bench/out/dedupe/persons.csv \
        --habeas bench/out/dedupe/habeas.json --habeas-seconds 12.3

Splink is set up the way its tutorials set up a people dataset: name comparisons with
Jaro-Winkler levels and term-frequency adjustments, a date-of-birth comparison, exact matches on
the A-number and nationality; the same blocking ideas habeas uses (given name and first surname,
first surname and birth year, second surname and given name, given name and birth date, A-number);
probability of a match from deterministic rules, u from random sampling, m by expectation
maximisation. Its time runs from reading the CSV to the scored pairs.

Both tools' pairs are scored as pairs: precision, recall and F1 at a match probability of 0.5, and
the best F1 over thresholds (each tool at its own best).
"""

import argparse
import json
import time

import pandas as pd


def truth_pairs(df):
    pairs = set()
    for _, group in df.groupby("cluster"):
        ids = sorted(group["unique_id"])
        for i, a in enumerate(ids):
            for b in ids[i + 1 :]:
                pairs.add((a, b))
    return pairs


def scores(found, truth):
    """found: list of (a, b, probability)."""
    found = sorted(((min(a, b), max(a, b), p) for a, b, p in found), key=lambda x: -x[2])
    out = {}
    at_half = [(a, b) for a, b, p in found if p >= 0.5]
    tp = sum(1 for pair in at_half if pair in truth)
    out["at_0.5"] = metrics(tp, len(at_half), len(truth))
    best, tp, n = (0.0, None), 0, 0
    for a, b, p in found:
        n += 1
        tp += (a, b) in truth
        m = metrics(tp, n, len(truth))
        if m["f1"] > best[0]:
            best = (m["f1"], dict(m, threshold=round(p, 4)))
    out["best"] = best[1]
    return out


def metrics(tp, predicted, actual):
    precision = tp / predicted if predicted else 0.0
    recall = tp / actual if actual else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "pairs": predicted}


def run_splink(path):
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    start = time.perf_counter()
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df = df.replace({"": None})
    # Splink's date comparison wants whole dates; a year alone is kept as its own column.
    df["birth_year"] = df["dob"].str.slice(0, 4)
    df.loc[df["dob"].str.len() != 10, "dob"] = None
    df["first_given"] = df["given_name"].str.split(" ").str[0]
    db_api = DuckDBAPI()
    table = db_api.register(df.drop(columns=["cluster"]))
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_given").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname_1").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname_2").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("a_number"),
            cl.ExactMatch("nationality"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_given", "surname_1"),
            block_on("surname_1", "birth_year"),
            block_on("surname_2", "first_given"),
            block_on("first_given", "dob"),
            block_on("a_number"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(table, settings, log_level=30)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("a_number"), block_on("first_given", "surname_1", "surname_2", "dob")], recall=0.6
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_given", "surname_1"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    predictions = linker.inference.predict(threshold_match_probability=0.05).as_pandas_dataframe()
    seconds = time.perf_counter() - start
    found = list(zip(predictions["unique_id_l"], predictions["unique_id_r"], predictions["match_probability"]))
    return found, seconds


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--csv", required=True)
    parser.add_argument("--habeas", required=True, help="habeas dedupe --json output")
    parser.add_argument("--habeas-seconds", type=float, required=True)
    args = parser.parse_args()

    df = pd.read_csv(args.csv, dtype=str, keep_default_na=False)
    truth = truth_pairs(df)
    with open(args.habeas) as f:
        habeas = [(p["a"], p["b"], p["score"]) for p in json.load(f)["pairs"]]
    splink_pairs, splink_seconds = run_splink(args.csv)
    report = {
        "records": len(df),
        "true_pairs": len(truth),
        "habeas": dict(scores(habeas, truth), seconds=round(args.habeas_seconds, 2)),
        "splink": dict(scores(splink_pairs, truth), seconds=round(splink_seconds, 2)),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
