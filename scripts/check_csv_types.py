#!/usr/bin/env python3
"""Read every CSV of each run folder with pandas.read_csv(path) and
polars.read_csv(path), no options, and check that each column's inferred
dtype is the type the folder's datapackage.json declares; then that
polars.concat of the timeseries.csv of different runs works. Run by .ci/run
on the folders tests/csv_types.rs keeps (CSV_TYPES_OUT).

    python3 scripts/check_csv_types.py DIR...

The rule, per declared type:
  integer  polars Int64; pandas int64, or float64 when the column has an
           empty cell (pandas' int64 cannot hold a missing value).
  number   polars Float64; pandas float64.
  string   polars String; pandas object or str (pandas 3's string dtype).
  boolean  polars Boolean; pandas bool (cells `true` and `false`: a swept
           boolean parameter in points.csv and summary.csv).
A column whose cells are all empty has nothing to infer from and is exempt
(its type is read from datapackage.json; the column must be declared there).
So, for polars only, is a column whose first 100 cells are empty (polars
infers from the first infer_schema_length=100 rows and reads such a column
as String; pandas reads the whole file): e.g. the knowledge cohort's mean
skills before any knowledge leader is seated. Runs are concatenated with
their declared types (the README's way), and with no options where their
inferred types agree.
Prints one line per folder; exits 1 on any mismatch.
"""
import json
import sys
from pathlib import Path

import pandas as pd
import polars as pl

POLARS = {"integer": {"Int64"}, "number": {"Float64"}, "string": {"String"}, "boolean": {"Boolean"}}
POLARS_INFER_ROWS = 100  # polars.read_csv's default infer_schema_length
PANDAS = {
    "integer": {"int64"},
    "number": {"float64"},
    "string": {"object", "str", "string"},
    "boolean": {"bool"},
}


def check(folder: Path, late: dict, empty: dict) -> list[str]:
    """The mismatches of one run folder, each a line; `empty[folder]` gets
    its columns with every cell empty, `late[folder]` those exempt from
    polars' inference (empty in the first rows), as `file:column`."""
    package = json.loads((folder / "datapackage.json").read_text())
    problems = []
    late[folder] = []
    empty[folder] = []
    declared = {}
    for resource in package["resources"]:
        path = folder / resource["path"]
        fields = resource["schema"]["fields"]
        declared[resource["path"]] = fields
        try:
            frame_pd = pd.read_csv(path)
            frame_pl = pl.read_csv(path)
        except Exception as error:  # e.g. polars: a float in a column inferred integer
            first = str(error).strip().splitlines()[0]
            problems.append(f"{resource['path']}: does not load without options: {first}")
            continue
        names = [f["name"] for f in fields]
        for label, columns in (("pandas", list(frame_pd.columns)), ("polars", frame_pl.columns)):
            if columns != names:
                problems.append(f"{resource['path']}: {label} columns {columns} are not the declared {names}")
        for field in fields:
            name, kind = field["name"], field["type"]
            if name not in frame_pl.columns or name not in frame_pd.columns:
                continue
            column_pl = frame_pl[name]
            if column_pl.null_count() == len(column_pl):
                empty[folder].append(f"{resource['path']}:{name}")
                continue  # all empty: exempt from inference, declared above
            has_empty = column_pl.null_count() > 0
            got_pl = str(column_pl.dtype)
            if column_pl.head(POLARS_INFER_ROWS).null_count() == POLARS_INFER_ROWS:
                late[folder].append(f"{resource['path']}:{name}")
                got_pl = next(iter(POLARS[kind]))  # exempt
            got_pd = str(frame_pd[name].dtype)
            ok_pd = PANDAS[kind] | ({"float64"} if kind == "integer" and has_empty else set())
            if got_pl not in POLARS[kind]:
                problems.append(f"{resource['path']}: {name} is {kind}, polars read {got_pl}")
            if got_pd not in ok_pd:
                problems.append(f"{resource['path']}: {name} is {kind}, pandas read {got_pd}")
    on_disk = sorted(p.name for p in folder.glob("*.csv"))
    if sorted(declared) != on_disk:
        problems.append(f"datapackage.json lists {sorted(declared)}, the folder holds {on_disk}")
    print(
        f"{folder}: {len(declared)} files, "
        f"{sum(len(f) for f in declared.values())} columns, "
        + (f"{len(empty[folder])} all empty, " if empty[folder] else "")
        + (f"{len(late[folder])} exempt from polars' inference (empty in the first {POLARS_INFER_ROWS} rows: "
           f"{', '.join(late[folder])}), " if late[folder] else "")
        +         f"{'ok' if not problems else f'{len(problems)} mismatches'}"
    )
    return problems


POLARS_TYPE = {"integer": pl.Int64, "number": pl.Float64, "string": pl.String, "boolean": pl.Boolean}


def declared_schema(folder: Path, path: str) -> dict:
    """The polars schema of `path` from the folder's datapackage.json."""
    package = json.loads((folder / "datapackage.json").read_text())
    fields = {r["path"]: r["schema"]["fields"] for r in package["resources"]}[path]
    return {f["name"]: POLARS_TYPE[f["type"]] for f in fields}


def check_concat(folders: list[Path], exempt: dict) -> list[str]:
    """polars.concat of the timeseries of runs with the same columns (at
    least two runs): read with the declared schema (README's safe way), every
    group must stack; read with no options, the runs whose inferred types
    agree must stack (a column empty in a whole run, such as `pool_<channel>`
    without pools, is read as String and stacks only on another String)."""
    groups = {}
    for folder in folders:
        if not (folder / "timeseries.csv").exists():
            continue  # not a run folder (e.g. succession patterns'): nothing to stack
        try:
            typed = pl.read_csv(folder / "timeseries.csv", schema=declared_schema(folder, "timeseries.csv"))
            plain = pl.read_csv(folder / "timeseries.csv")
        except Exception:  # reported by check()
            print(f"pl.concat: {folder.name} left out (its timeseries.csv does not load)")
            continue
        groups.setdefault(tuple(typed.columns), []).append((folder, typed, plain))
    problems = []
    if len(folders) > 1 and all(len(runs) < 2 for runs in groups.values()):
        problems.append("pl.concat: no two runs with the same columns to concatenate")
    for runs in groups.values():
        if len(runs) < 2:
            continue
        names = ", ".join(f.name for f, _, _ in runs)
        try:
            rows = len(pl.concat([typed for _, typed, _ in runs]))
            print(f"pl.concat of {len(runs)} timeseries.csv read with their declared types ({names}): {rows} rows, ok")
        except Exception as error:  # polars raises several kinds
            problems.append(f"pl.concat (declared types) of {[str(f) for f, _, _ in runs]}: {error}")
        by_dtypes = {}
        for folder, _, plain in runs:
            by_dtypes.setdefault(tuple(map(str, plain.dtypes)), []).append((folder, plain))
        for same in by_dtypes.values():
            if len(same) < 2:
                continue
            try:
                rows = len(pl.concat([plain for _, plain in same]))
                print(f"pl.concat of {len(same)} timeseries.csv read with no options ({', '.join(f.name for f, _ in same)}): {rows} rows, ok")
            except Exception as error:
                problems.append(f"pl.concat (no options) of {[str(f) for f, _ in same]}: {error}")
    return problems


def main(args: list[str]) -> int:
    if not args:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    folders = [Path(a) for a in args]
    problems = []
    late, empty = {}, {}
    for folder in folders:
        problems += [f"{folder}: {p}" for p in check(folder, late, empty)]
    problems += check_concat(folders, {f: late[f] + empty[f] for f in folders})
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
