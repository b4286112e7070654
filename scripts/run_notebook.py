#!/usr/bin/env python3
"""Execute notebooks/analysis.ipynb on small runs and fail if any cell fails
(run by .ci/run; needs requirements-dev.txt and a Rust toolchain).

    python3 scripts/run_notebook.py [--keep DIR]

1. Checks the notebook as stored: no outputs, no execution counts, a first
   code cell tagged `parameters` that is word for word the README's snippet
   under "Reading the results in Python".
2. Builds the tool (`cargo build --release`), or takes the binary named by
   SUCCESSION (.ci/run: the one `cargo test --release` has just built), and
   makes three small folders in a temporary folder (or DIR):
   the baseline at 200 communities and 3 replicates, the channel-mix sweep
   scenarios/v1/channels.toml the same size, and `succession compare` of its
   points 0 and 6.
3. Executes the notebook with papermill on a kernel of this very Python
   (its own kernelspec, first on JUPYTER_PATH), the folders passed in
   SUCCESSION_RUN, SUCCESSION_SWEEP and SUCCESSION_COMPARE, and fails on an
   error in any cell or a warning any cell prints. The executed notebook is
   DIR/analysis.ipynb with --keep.
"""
import argparse
import difflib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "analysis.ipynb"
README = ROOT / "README.md"
SMALL = ["--set", "communities=200", "--set", "replicates=3", "--force", "--quiet"]


def readme_snippet() -> str:
    """The first ```python block after the heading "### Reading the results in Python"."""
    text = README.read_text()
    heading = text.index("### Reading the results in Python\n")
    found = re.compile(r"```python\n(.*?)```\n", re.S).search(text, heading)
    if not found:
        sys.exit("README.md: no ```python block under 'Reading the results in Python'")
    return found.group(1)


def check_stored(notebook: dict) -> list[str]:
    problems = []
    code = [c for c in notebook["cells"] if c["cell_type"] == "code"]
    for cell in code:
        if cell.get("outputs") or cell.get("execution_count") is not None:
            problems.append(f"cell {cell.get('id')}: stored with outputs (clear them before committing)")
    first = code[0]
    if "parameters" not in first.get("metadata", {}).get("tags", []):
        problems.append("the first code cell is not tagged `parameters`")
    source = "".join(first["source"]).rstrip("\n") + "\n"
    snippet = readme_snippet()
    if source != snippet:
        diff = difflib.unified_diff(snippet.splitlines(True), source.splitlines(True), "README.md", "notebook")
        problems.append("README's snippet and the notebook's first code cell differ:\n" + "".join(diff))
    return problems


def make_runs(work: Path) -> dict:
    """The three small folders the notebook reads, as its environment variables."""
    tool = os.environ.get("SUCCESSION")
    if tool and "/" in tool:
        tool = str(Path(tool).resolve())  # from the caller's folder, not ROOT
    if not tool:
        subprocess.run(["cargo", "build", "--release", "--quiet", "--bin", "succession"], cwd=ROOT, check=True)
        tool = str(ROOT / "target" / "release" / "succession")
    run, sweep, compare = work / "baseline", work / "channels", work / "channels-0-6"
    subprocess.run([tool, "run", "scenarios/baseline.toml", "--out", run, *SMALL], cwd=ROOT, check=True)
    subprocess.run([tool, "run", "scenarios/v1/channels.toml", "--out", sweep, *SMALL], cwd=ROOT, check=True)
    subprocess.run([tool, "compare", sweep, "--points", "0", "6", "--out", compare, "--force"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return {"SUCCESSION_RUN": str(run), "SUCCESSION_SWEEP": str(sweep), "SUCCESSION_COMPARE": str(compare)}


def execute(work: Path, folders: dict) -> list[str]:
    """Run every cell; the problems: the failing cell's error, warnings printed."""
    kernels = work / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True, exist_ok=True)
    # The kernel's own log stays quiet (that localhost TCP is unencrypted; the
    # interrupt of its shutdown): the cells' errors and warnings come through the notebook.
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}", "--IPKernelApp.log_level=CRITICAL"],
        "display_name": "Python 3 (scripts/run_notebook.py)", "language": "python",
    }))
    os.environ["JUPYTER_PATH"] = str(work / "jupyter")
    os.environ.update(folders)
    import papermill

    executed = work / "analysis.ipynb"
    try:
        papermill.execute_notebook(str(NOTEBOOK), str(executed), kernel_name="python3", cwd=str(ROOT),
                                   progress_bar=False, execution_timeout=300)
    except papermill.PapermillExecutionError as error:
        cell = json.loads(NOTEBOOK.read_text())["cells"][error.cell_index]
        trace = re.sub(r"\x1b\[[0-9;]*m", "", "\n".join(error.traceback)).splitlines()
        return [f"cell {cell.get('id')} failed: {error.ename}: {error.evalue}\n" + "\n".join(trace[-25:])]
    problems = []
    for cell in json.loads(executed.read_text())["cells"]:
        for output in cell.get("outputs", []):
            text = "".join(output.get("text", ""))
            if output.get("name") == "stderr" and "Warning" in text:
                problems.append(f"cell {cell.get('id')} printed a warning:\n{text}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", type=Path, help="make the runs and the executed notebook here, and keep them")
    args = parser.parse_args()
    started = time.monotonic()
    problems = check_stored(json.loads(NOTEBOOK.read_text()))
    with tempfile.TemporaryDirectory() as temporary:
        work = (args.keep or Path(temporary)).resolve()
        work.mkdir(parents=True, exist_ok=True)
        folders = make_runs(work)
        runs_done = time.monotonic()
        problems += execute(work, folders)
    for problem in problems:
        print(f"notebooks/analysis.ipynb: {problem}", file=sys.stderr)
    cells = sum(c["cell_type"] == "code" for c in json.loads(NOTEBOOK.read_text())["cells"])
    print(f"notebooks/analysis.ipynb: {cells} code cells on small runs "
          f"({runs_done - started:.1f} s runs, {time.monotonic() - runs_done:.1f} s notebook): "
          + ("ok" if not problems else f"{len(problems)} problems"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
