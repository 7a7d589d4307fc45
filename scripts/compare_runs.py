#!/usr/bin/env python3
"""Compare two dispersa runs of the same config, seed and samples, sample by sample.

Usage: compare_runs.py RUN_A RUN_B

RUN_A and RUN_B are `dispersa run` output directories (samples.parquet), typically one engine
against another on the same sampled inputs: a GPU adapter against the f64 CPU reference
(`--backend cpu`). This is how scripts/gpu_bench.sh checks an adapter on a machine where the
test suite does not run; on lavapipe the tests hold the engines together (tests/gpu_cpu.rs).

Prints each run's engine (from the Parquet metadata), the number of samples whose status
differs, and for every numeric column the largest absolute and relative difference and the
99th percentile of the relative difference over the samples where both values are finite,
with the count of samples where only one is. The input columns must agree exactly: otherwise
the runs did not sample the same inputs and the comparison means nothing (exit status 1; the
columns checked are the reentry's entry velocity, flight-path angle, azimuth and mass, where
present).
Exit status 2 on usage errors or a row count mismatch.
"""

import sys

import numpy as np
import pyarrow.parquet as pq


def engine(path):
    md = pq.read_metadata(path).metadata or {}
    get = lambda k: md.get(k.encode(), b"?").decode()  # noqa: E731
    return f"{get('dispersa.backend')} {get('dispersa.adapter')} {get('dispersa.precision')}"


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    paths = [f"{d}/samples.parquet" for d in argv[1:]]
    a, b = (pq.read_table(p) for p in paths)
    print(f"A: {engine(paths[0])}\nB: {engine(paths[1])}")
    if a.num_rows != b.num_rows:
        print(f"row counts differ: {a.num_rows} against {b.num_rows}", file=sys.stderr)
        return 2
    sa, sb = a["status"].to_pylist(), b["status"].to_pylist()
    print(f"samples {a.num_rows}, status differs in {sum(x != y for x, y in zip(sa, sb))}")
    # The drawn parameters (INPUT_HINTS, where present) must be the same bit for bit.
    names = a.schema.names
    same_inputs = True
    print(f"{'column':34s} {'max abs':>10s} {'max rel':>10s} {'p99 rel':>10s} {'finite in one':>14s}")
    for c in names:
        x = a[c].to_numpy(zero_copy_only=False)
        y = b[c].to_numpy(zero_copy_only=False)
        if x.dtype.kind not in "fiu" or c == "sample":
            continue
        x, y = x.astype(float), y.astype(float)
        both = np.isfinite(x) & np.isfinite(y)
        one = int((np.isfinite(x) != np.isfinite(y)).sum())
        if not both.any():
            continue
        d = np.abs(x[both] - y[both])
        r = d / np.maximum(np.abs(y[both]), np.finfo(float).tiny)
        print(f"{c:34s} {d.max():10.3e} {r.max():10.3e} {np.quantile(r, 0.99):10.3e} {one:14d}")
        if c in INPUT_HINTS and (d.max() != 0.0 or one):
            same_inputs = False
    if not same_inputs:
        print("the runs' sampled inputs differ: not the same config, seed or samples", file=sys.stderr)
        return 1
    return 0


# Columns that are drawn, not computed, in the shipped reentry configs.
INPUT_HINTS = {
    "entry_velocity_km_s",
    "entry_flight_path_angle_deg",
    "entry_azimuth_deg",
    "vehicle_mass_kg",
}

if __name__ == "__main__":
    sys.exit(main(sys.argv))
