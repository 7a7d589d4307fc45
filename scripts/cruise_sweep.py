#!/usr/bin/env python3
"""The cruise's assumption sweeps of docs/VALIDATION.md ("Orbit match and rendezvous" and "The
hysteresis band"), flown again and printed as the Markdown rows that the document shows.

    python3 scripts/cruise_sweep.py [--dispersa BIN] [--hysteresis]

Each row of the first table is `dispersa run configs/tianwen2_cruise_311p.toml --nominal` with
one change (`--set`) and the time limit raised to 6,500 days. `--hysteresis` adds the band's
sweep: the nominal and the first 500 samples of the default seed at each `eta_hysteresis`.
Needs pyarrow (scripts/requirements.txt); runs on the CPU engine.
"""
import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "configs" / "tianwen2_cruise_311p.toml"
# The longer limit needs room for more outage draws (none is flown: the nominal has none).
LIMIT = ["integrator.time_limit_days=6500", "missed_thrust.max_events=80"]

# (label, --set values) of the assumption sweep.
ROWS = [
    ("none (14 kW, 4 x 40 mN, 500 kg)", []),
    ("array 16 kW", ["propulsion.array_power_1au_kw=16"]),
    ("array 18 kW", ["propulsion.array_power_1au_kw=18"]),
    ("array 22 kW", ["propulsion.array_power_1au_kw=22"]),
    ("array 24 kW", ["propulsion.array_power_1au_kw=24"]),
    ("array 28 kW", ["propulsion.array_power_1au_kw=28"]),
    ("array 32 kW", ["propulsion.array_power_1au_kw=32"]),
    ("thrust 45 mN", ["propulsion.thrust_mn=45"]),
    ("thrust 60 mN", ["propulsion.thrust_mn=60"]),
    (
        "array 18 kW and thrust 50 mN",
        ["propulsion.array_power_1au_kw=18", "propulsion.thrust_mn=50"],
    ),
    (
        "array 20 kW and thrust 50 mN",
        ["propulsion.array_power_1au_kw=20", "propulsion.thrust_mn=50"],
    ),
    ("thrust bias 3 % low (thrust_scale 0.97)", ["propulsion.thrust_scale=0.97"]),
    ("wet mass 1300 kg", ["spacecraft.wet_mass_kg=1300"]),
    ("propellant 600 kg", ["spacecraft.propellant_kg=600"]),
    ("eta_cut 0.15", ["guidance.eta_cut=0.15"]),
    (
        "eta_hysteresis 0.02 (the default; the shipped config has 0.07)",
        ["guidance.eta_hysteresis=0.02"],
    ),
    ("phasing_laps 1 (gain a whole lap instead)", ["guidance.phasing_laps=1"]),
    ("phasing_days 365.25", ["guidance.phasing_days=365.25"]),
    ("phasing_days 1000", ["guidance.phasing_days=1000"]),
    ("approach_km 2e6", ["guidance.approach_km=2e6"]),
]

BANDS = ["0.02", "0.03", "0.05", "0.06", "0.07", "0.08", "0.10", "0.12"]


def run(binary, out, sets, nominal, samples=None):
    cmd = [binary, "run", str(CONFIG), "--backend", "cpu", "--out", str(out), "--force"]
    cmd += ["--quiet"] + (["--nominal"] if nominal else ["--samples", str(samples)])
    for s in sets:
        cmd += ["--set", s]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)}: exit {done.returncode}\n{done.stderr}")
    return pq.read_table(out / "samples.parquet").to_pylist()


def outcome(row):
    if row["status"] == "arrived":
        day = row["rendezvous_epoch_tdb"][:10]
        return day, f"{row['propellant_margin_kg']:.1f} kg"
    if row["status"] == "propellant_exhausted":
        return "propellant exhausted", ""
    return f"{row['status']} ({row['failure_reason'] or 'time limit'})", ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dispersa", default=str(ROOT / "target" / "release" / "dispersa"))
    ap.add_argument("--hysteresis", action="store_true", help="also the band's sweep")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        print("| change | rendezvous | margin |\n|---|---|---|")
        for label, sets in ROWS:
            day, margin = outcome(run(args.dispersa, out, sets + LIMIT, True)[0])
            print(f"| {label} | {day} | {margin} |", flush=True)
        if not args.hysteresis:
            return
        print(
            "\n| `eta_hysteresis` | nominal rendezvous, margin | met the comet / timed out / "
            "out of propellant (of 500) | trial steps a sample (mean) |\n|---|---|---|---|"
        )
        for band in BANDS:
            sets = [f"guidance.eta_hysteresis={band}"]
            day, margin = outcome(run(args.dispersa, out, sets, True)[0])
            rows = run(args.dispersa, out, sets, False, 500)
            count = {s: sum(r["status"] == s for r in rows) for s in
                     ("arrived", "timeout", "propellant_exhausted")}
            trials = sum(r["steps"] + r["rejected_steps"] for r in rows) / len(rows)
            nominal = f"{day}, {margin}" if margin else day
            print(
                f"| {band} | {nominal} | {count['arrived']} / {count['timeout']} / "
                f"{count['propellant_exhausted']} | {trials:,.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
