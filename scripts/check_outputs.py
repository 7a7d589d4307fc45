"""Read a run's Parquet with pyarrow, polars and DuckDB; check the documented columns, units
and that DuckDB's statistics match summary.parquet. Usage: check_outputs.py RUN_DIR"""
import sys

import duckdb
import polars as pl
import pyarrow.parquet as pq

run = sys.argv[1]
samples, summary = f"{run}/samples.parquet", f"{run}/summary.parquet"

t = pq.read_table(samples)
meta = pq.ParquetFile(samples).metadata.metadata
for key in [b"dispersa.config", b"dispersa.seed", b"dispersa.adapter", b"dispersa.precision",
            b"dispersa.scenario"]:
    assert key in meta, key
scenario = meta[b"dispersa.scenario"].decode()
if scenario == "reentry":
    metric, unit_col, unit = "peak_g", "peak_heat_flux_w_cm2", "W/cm^2"
    columns = ["entry_flight_path_angle_deg", "peak_g", "peak_heat_flux_w_cm2", "heat_load_j_cm2",
               "landing_lat_deg", "landing_lon_deg", "downrange_km", "crossrange_km",
               "time_of_flight_s"]
else:
    metric, unit_col, unit = "propellant_used_kg", "propellant_used_kg", "kg"
    columns = ["propulsion_thrust_scale", "time_of_flight_days", "arrival_mjd_tdb",
               "arrival_epoch_tdb", "propellant_margin_kg", "final_x_au", "closest_approach_km"]
got = t.schema.field(unit_col).metadata[b"unit"].decode()
assert got == unit, (unit_col, got)
for col in ["sample", "status"] + columns:
    assert col in t.column_names, col

df = pl.read_parquet(samples)
sm = pl.read_parquet(summary)
assert df.height == t.num_rows
row = sm.filter(pl.col("metric") == metric).row(0, named=True)

con = duckdb.connect()
mean, p50 = con.execute(
    f"select avg({metric}), quantile_cont({metric}, 0.5) from '{samples}' "
    f"where status <> 'failed' and {metric} is not null").fetchone()
assert abs(mean - row["mean"]) <= 1e-9 * abs(mean), (mean, row["mean"])
assert abs(p50 - row["p50"]) <= 1e-9 * abs(p50), (p50, row["p50"])
# sensitivity.parquet: one row per (input, output), readable by all three.
sens = f"{run}/sensitivity.parquet"
assert pq.read_table(sens).num_rows == pl.read_parquet(sens).height
assert con.execute(f"select count(*) from '{sens}'").fetchone()[0] > 0
print(f"outputs ok ({scenario}): {df.height} samples, {metric} mean {mean:.4f} p50 {p50:.4f}, "
      f"precision {meta[b'dispersa.precision'].decode()}, adapter {meta[b'dispersa.adapter'].decode()}")
