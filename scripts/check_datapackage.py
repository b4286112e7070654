#!/usr/bin/env python3
"""Optional check (not run in CI): read every CSV of a run folder with
pandas, each column with the dtype its datapackage.json declares, and fail
if a file, a column or a type disagrees.

    python3 scripts/check_datapackage.py out/baseline
"""
import json
import sys
from pathlib import Path

import pandas as pd

DTYPES = {"integer": "Int64", "number": "float64", "string": "string", "boolean": "boolean"}


def check(folder: Path) -> None:
    package = json.loads((folder / "datapackage.json").read_text())
    assert package["profile"] == "tabular-data-package"
    listed = set()
    for resource in package["resources"]:
        fields = resource["schema"]["fields"]
        dtypes = {f["name"]: DTYPES[f["type"]] for f in fields}
        frame = pd.read_csv(
            folder / resource["path"],
            dtype=dtypes,
            na_values=resource["schema"].get("missingValues", [""]),
            keep_default_na=False,
        )
        assert list(frame.columns) == [f["name"] for f in fields], resource["path"]
        for name, dtype in dtypes.items():
            assert str(frame[name].dtype) == dtype, (resource["path"], name, frame[name].dtype)
        listed.add(resource["path"])
        print(f"{resource['path']}: {len(frame)} rows, {len(fields)} typed columns")
    on_disk = {p.name for p in folder.glob("*.csv")}
    assert listed == on_disk, f"listed {sorted(listed)}, on disk {sorted(on_disk)}"


if __name__ == "__main__":
    for arg in sys.argv[1:] or ["out/baseline"]:
        check(Path(arg))
