#!/usr/bin/env python3
"""Validate every shipped scenario against scenario.schema.json with a real
JSON Schema validator (jsonschema's Draft202012Validator), as an editor
would: each .toml under scenarios/ (targets files, with [[target]] tables,
aside) must name the schema on its first line (`#:schema <relative path>`)
and validate once read by tomllib; and examples of what the tool refuses
(unknown keys, a string for a number, ...) must not validate.

Usage: python3 scripts/validate_scenarios.py   (exit 1 on any failure)
"""

import json
import os
import pathlib
import re
import sys
import tomllib

from jsonschema import Draft202012Validator

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "scenario.schema.json"
TARGETS = re.compile(r"^\[\[target\]\]\s*$", re.MULTILINE)

# Scenarios `succession check` refuses, each for a reason the schema sees.
BAD = [
    ("an unknown key", "[capacity]\nbetta = 8.0\n"),
    ("an unknown key in a channel", '[channels.school]\nsuply = 0.3\n'),
    ("a string for a number", 'communities = "10000"\n'),
    ("a string in a schedule", '[learning]\nknowledge = [[1949, "0.02"]]\n'),
    ("a value out of range", "urban_share = 1.5\n"),
    ("a list where random sampling needs a range",
     '[sweep]\nmethod = "random"\nsamples = 4\n'
     '[sweep.parameters]\n"capacity.beta" = [1, 2]\n'),
]


def main() -> int:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    passed, failed = 0, []
    for path in sorted((ROOT / "scenarios").rglob("*.toml")):
        rel = path.relative_to(ROOT)
        text = path.read_text(encoding="utf-8")
        if TARGETS.search(text):
            continue
        problems = []
        expected = "#:schema " + pathlib.Path(
            os.path.relpath(SCHEMA, path.parent)).as_posix()
        first = text.split("\n", 1)[0]
        if first != expected:
            problems.append(f"first line {first!r}, expected {expected!r}")
        errors = validator.iter_errors(tomllib.loads(text))
        for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
            where = ".".join(str(p) for p in error.absolute_path) or "(top)"
            problems.append(f"{where}: {error.message}")
        if problems:
            failed.extend(f"{rel}: {p}" for p in problems)
        else:
            passed += 1
    if passed < 15:
        failed.append(f"only {passed} scenarios found under scenarios/")
    for what, text in BAD:
        if validator.is_valid(tomllib.loads(text)):
            failed.append(f"the schema accepts {what}: {text!r}")
        else:
            passed += 1
    for line in failed:
        print(line, file=sys.stderr)
    print(f"validate_scenarios: {passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
