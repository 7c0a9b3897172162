"""Run ``benchmarks/run.py`` several times and say in how many runs each target was met.

One run's ratio moves by tens of percent on a small shared machine, and issue 17
asks for targets met "on every run": this runs the same items N times, each in a
fresh interpreter, and prints one row per measure with a target: its ratio (or
value) in every run, and how many runs met it.

    .venv/bin/python benchmarks/runs.py --runs 5 --items 1,2,3,6,12,13,14,15
    .venv/bin/python benchmarks/runs.py --runs 5 --items 1,3 -- --repeat 30   # after --: run.py's own options
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent


def one_run(items: str, extra: list[str], out: Path) -> dict:
    """One ``run.py`` in a fresh interpreter; its JSON report (rows and machine)."""
    subprocess.run([sys.executable, str(HERE / "run.py"), "--items", items, "--json", str(out), *extra],
                   check=True, stdout=subprocess.DEVNULL)
    return json.loads(out.read_text())


_RATIO_TARGET = re.compile(r"^[<>=]+ ?[\d.]+( \(.*\))?$")
"""A target on the A/B ratio ("<= 1.3", "<= 1.0 (aim 0.8)"); others ("<= 0.5 s") are on A itself."""


def figure(row: dict) -> str:
    if row.get("ratio") is not None and _RATIO_TARGET.match(row.get("target", "")):
        return f"{row['ratio']:.2f}"
    value = row.get("a")
    return "-" if value is None else f"{value:.3g} {row.get('unit', '')}".strip()


def summary(reports: list[dict]) -> str:
    """A Markdown table: one line per measure that has a target, across the runs."""
    keys: list[tuple[int, str]] = []
    cells: dict[tuple[int, str], list[tuple[str, str]]] = {}
    targets: dict[tuple[int, str], str] = {}
    for report in reports:
        for row in report["rows"]:
            if row["status"] not in ("PASS", "MISS"):
                continue
            key = (row["item"], row["name"])
            if key not in cells:
                keys.append(key)
                cells[key] = []
            cells[key].append((figure(row), row["status"]))
            targets[key] = row["target"]
    runs = len(reports)
    header = "| item | measure | target | " + " | ".join(f"run {i + 1}" for i in range(runs)) + " | met |"
    lines = [header, "|" + "---|" * (runs + 4)]
    for key in keys:
        got = cells[key]
        met = sum(status == "PASS" for _, status in got)
        runs_text = " | ".join(f"{value} {'✓' if status == 'PASS' else '✗'}" for value, status in got)
        lines.append(f"| {key[0]} | {key[1].strip()} | {targets[key]} | {runs_text} | {met} of {len(got)} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1:]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="how many runs (default 5)")
    parser.add_argument("--items", default="1,2,3,6,12,13,14,15", help="items, as run.py takes them")
    parser.add_argument("--json", type=Path, help="also write every run's report here")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    reports = []
    with tempfile.TemporaryDirectory(prefix="qrt-runs-") as tmp:
        for i in range(args.runs):
            print(f"run {i + 1} of {args.runs} (load average {os.getloadavg()[0]:.2f}) ...", flush=True)
            reports.append(one_run(args.items, extra, Path(tmp) / f"run-{i}.json"))
    print()
    print(f"machine: {reports[0]['machine']}")
    print("load average at each run's end: " + ", ".join(r["machine"].get("load average at end", "?")
                                                        for r in reports))
    print()
    print(summary(reports))
    if args.json:
        args.json.write_text(json.dumps(reports, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
