"""Turns criterion's results from `benches/run` into the Markdown table of BENCHMARKS.md.

For each build, group and backend: the native and anyrt median times and their ratio
(anyrt / native; below 1 means anyrt is faster). Groups with two natives (the mutex ones)
get a row for each.
"""
import json
import pathlib
import sys

BUILDS = ["tokio", "async-std", "smol", "dispatch"]


def median(path):
    with open(path) as f:
        return json.load(f)["median"]["point_estimate"]


def human(ns):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.3g} ns"


def main(root):
    root = pathlib.Path(root)
    print("| op | build | backend | native | anyrt | ratio |")
    print("|---|---|---|---|---|---|")
    rows = []
    for build in BUILDS:
        base = root / build
        if not base.is_dir():
            continue
        for estimate in sorted(base.glob("*/anyrt/*/new/estimates.json")):
            group = estimate.parents[3].name
            backend = estimate.parents[1].name
            anyrt = median(estimate)
            for native_dir in sorted((base / group).glob(f"native*/{backend}/new/estimates.json")):
                label = native_dir.parents[2].name
                native = median(native_dir)
                op = group if label == "native" else f"{group} (vs {label[len('native-'):]})"
                rows.append((op, build, backend, native, anyrt))
    order = {b: i for i, b in enumerate(BUILDS)}
    for op, build, backend, native, anyrt in sorted(rows, key=lambda r: (r[0], order[r[1]], r[2])):
        print(f"| {op} | {build} | {backend} | {human(native)} | {human(anyrt)} | {anyrt / native:.2f} |")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "target/criterion-runs")
