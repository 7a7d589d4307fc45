"""Read a run's Parquet with pyarrow, polars and DuckDB; check the documented columns, units
and that DuckDB's statistics match summary.parquet. Usage: check_outputs.py RUN_DIR"""
import sys

import duckdb
import polars as pl
import pyarrow.parquet as pq

run = sys.argv[1]
samples, summary = f"{run}/samples.parquet", f"{run}/summary.parquet"

t = pq.read_table(samples)
unit = t.schema.field("peak_heat_flux_w_cm2").metadata[b"unit"].decode()
assert unit == "W/cm^2", unit
meta = pq.ParquetFile(samples).metadata.metadata
for key in [b"dispersa.config", b"dispersa.seed", b"dispersa.adapter", b"dispersa.precision"]:
    assert key in meta, key
for col in ["sample", "entry_flight_path_angle_deg", "peak_g", "peak_heat_flux_w_cm2",
            "heat_load_j_cm2", "landing_lat_deg", "landing_lon_deg", "downrange_km",
            "crossrange_km", "time_of_flight_s", "status"]:
    assert col in t.column_names, col

df = pl.read_parquet(samples)
sm = pl.read_parquet(summary)
assert df.height == t.num_rows
row = sm.filter(pl.col("metric") == "peak_g").row(0, named=True)

con = duckdb.connect()
mean, p50 = con.execute(
    f"select avg(peak_g), quantile_cont(peak_g, 0.5) from '{samples}' "
    "where status <> 'failed' and peak_g is not null").fetchone()
assert abs(mean - row["mean"]) <= 1e-9 * abs(mean), (mean, row["mean"])
assert abs(p50 - row["p50"]) <= 1e-9 * abs(p50), (p50, row["p50"])
print(f"outputs ok: {df.height} samples, peak_g mean {mean:.4f} p50 {p50:.4f}, "
      f"precision {meta[b'dispersa.precision'].decode()}, adapter {meta[b'dispersa.adapter'].decode()}")
