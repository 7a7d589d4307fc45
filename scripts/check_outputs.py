"""Check a dispersa output directory from Python.

Usage: check_outputs.py DIR [--same-as RUN_DIR]

DIR is a `run` (samples.parquet, summary.parquet, sensitivity.parquet), a `corridor`
(corridor.parquet) or a merged shard dataset (shard=K/part-*.parquet, _summary.parquet,
_sensitivity.parquet); the kind is told by which files exist. Every Parquet file present is read
by pyarrow, polars and DuckDB, which must agree on its rows and columns; a shard dataset is read
by each as one dataset (pyarrow: the directory; polars and DuckDB: the glob
DIR/shard=*/part-*.parquet with Hive partitioning). For a run or a dataset: the documented
columns, their units (pyarrow field metadata) and DuckDB's count/avg/stddev/quantile_cont over the
non-failed samples against the summary. For a corridor: columns, Wilson bounds, percentile order
and the boundary metadata. Every file listed in a _manifest.sha256 must match its checksum.
--same-as: the dataset's merged summary and sensitivity equal RUN_DIR's exactly, and its rows
are RUN_DIR's samples."""
import hashlib
import math
import sys
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.dataset as ds
import pyarrow.parquet as pq

CON = duckdb.connect()
RUN_FILES = ["samples.parquet", "summary.parquet", "sensitivity.parquet"]
META_KEYS = ["dispersa.config", "dispersa.seed", "dispersa.adapter", "dispersa.precision"]
# summary.parquet column -> DuckDB aggregate over the non-failed, non-null values of a metric.
STATS = {"count": "count({c})", "mean": "avg({c})", "std": "stddev_samp({c})", "min": "min({c})",
         "max": "max({c})", "p00135": "quantile_cont({c}, 0.00135)",
         "p02275": "quantile_cont({c}, 0.02275)", "p50": "quantile_cont({c}, 0.5)",
         "p97725": "quantile_cont({c}, 0.97725)", "p99865": "quantile_cont({c}, 0.99865)"}
SCENARIOS = {  # metrics compared with summary.parquet, and (column, unit) pairs checked
    "reentry": (["peak_g", "peak_heat_flux_w_cm2", "heat_load_j_cm2"],
                {"peak_g": "g0 (9.80665 m/s^2)", "peak_heat_flux_w_cm2": "W/cm^2",
                 "heat_load_j_cm2": "J/cm^2", "landing_lat_deg": "deg", "landing_lon_deg": "deg",
                 "downrange_km": "km", "crossrange_km": "km", "time_of_flight_s": "s",
                 "entry_flight_path_angle_deg": "deg"}),
    "cruise": (["propellant_used_kg", "time_of_flight_days", "propellant_margin_kg"],
               {"propellant_used_kg": "kg", "propellant_margin_kg": "kg",
                "time_of_flight_days": "day", "rendezvous_mjd_tdb": "day (MJD, TDB)",
                "rendezvous_epoch_tdb": "ISO 8601, TDB", "orbit_match_mjd_tdb": "day (MJD, TDB)",
                "final_distance_km": "km", "final_relative_speed_m_s": "m/s", "final_x_au": "au",
                "closest_approach_km": "km", "propulsion_thrust_scale": "1"}),
}
CORRIDOR_UNITS = {"fpa_deg": "deg", "samples": "samples", "failed": "samples", "timed_out": "samples",
                  "p_": "probability", "peak_g_": "g0",
                  "peak_heat_flux_w_cm2_": "W/cm^2", "heat_load_j_cm2_": "J/cm^2"}


def sql(query, path, many=False):
    """Runs `query` in DuckDB with $path bound to the Parquet file `path`."""
    cur = CON.execute(query, {"path": str(path)})
    return cur.fetchall() if many else cur.fetchone()


def read_three(path):
    """Reads `path` with pyarrow, polars and DuckDB; returns (pyarrow table, polars frame)."""
    table = pq.read_table(path)
    frame = pl.read_parquet(path)
    n_duck = sql("select count(*) from read_parquet($path)", path)[0]
    duck_columns = [c[0] for c in CON.execute("select * from read_parquet($path) limit 0",
                                              {"path": str(path)}).description]
    assert table.num_rows == frame.height == n_duck, (
        f"{path.name}: row counts differ: pyarrow {table.num_rows}, polars {frame.height}, "
        f"duckdb {n_duck}")
    assert table.column_names == frame.columns == duck_columns, f"{path.name}: column names differ"
    return table, frame


def file_meta(path):
    """The footer's key-value metadata, which the Arrow schema must carry too (pyarrow's
    read_table(...).schema.metadata restores it from ARROW:schema, not from the footer)."""
    meta = {k.decode(): v.decode() for k, v in (pq.read_metadata(path).metadata or {}).items()}
    on_schema = {k.decode(): v.decode() for k, v in (pq.read_schema(path).metadata or {}).items()}
    for key in META_KEYS:
        assert key in meta, f"{path.name}: key-value metadata {key} missing"
        assert on_schema.get(key) == meta[key], f"{path.name}: {key} not on the Arrow schema"
    return meta


def unit(table, column):
    field_meta = table.schema.field(column).metadata or {}
    return field_meta.get(b"unit", b"").decode() or None


def close(a, b, rel=1e-9):
    return a == b or (a is not None and b is not None and abs(a - b) <= rel * max(abs(a), abs(b)))


def check_run(d):
    for name in RUN_FILES:
        assert (d / name).is_file(), f"{d}: a run directory needs {name}"
    tables = {name: read_three(d / name) for name in RUN_FILES}
    metas = [file_meta(d / name) for name in RUN_FILES]
    assert all(m["dispersa.config"] == metas[0]["dispersa.config"] for m in metas), \
        "the three files carry different configs"
    scenario = metas[0].get("dispersa.scenario")
    assert scenario in SCENARIOS, f"samples.parquet: unknown dispersa.scenario {scenario!r}"
    metrics, units = SCENARIOS[scenario]
    t, _ = tables["samples.parquet"]
    for col in ["sample", "status", *units]:
        assert col in t.column_names, f"samples.parquet: column {col} missing"
    for col in t.column_names:
        assert col in ("sample", "status") or unit(t, col), f"samples.parquet: {col} has no unit"
    for col, want in units.items():
        assert unit(t, col) == want, \
            f"samples.parquet: unit of {col} is {unit(t, col)!r}, not {want!r}"
    # Counts and indices are int64 (unsigned ones wrap in pandas and overflow in DuckDB), and
    # dispersa.units repeats every field's unit for readers that do not show field metadata.
    assert str(t.schema.field("sample").type) == "int64", \
        f"samples.parquet: sample is {t.schema.field('sample').type}, not int64"
    assert "dispersa.units" in metas[0], "samples.parquet: key-value metadata dispersa.units missing"
    listed = dict(line.split("=", 1) for line in metas[0]["dispersa.units"].splitlines())
    fielded = {c: unit(t, c) for c in t.column_names if unit(t, c)}
    assert listed == fielded, "samples.parquet: dispersa.units differs from the fields' units"
    assert all(m.get("dispersa.units") == metas[0]["dispersa.units"] for m in metas), \
        "the three files carry different dispersa.units"

    summary = {r["metric"]: r for r in tables["summary.parquet"][1].iter_rows(named=True)}
    check_summary(summary, "read_parquet($path)", d / "samples.parquet", metrics, t)

    sens = tables["sensitivity.parquet"][1]
    assert sens.height > 0, "sensitivity.parquet is empty"
    assert {"input", "output", "spearman", "src", "r2"} <= set(sens.columns), "sensitivity columns"
    mean, p50 = summary[metrics[0]]["mean"], summary[metrics[0]]["p50"]
    return (f"run ({scenario}): {t.num_rows} samples, {metrics[0]} mean {mean:.4f} p50 {p50:.4f}, "
            f"{len(metrics)} metrics x {len(STATS)} statistics match DuckDB, "
            f"precision {metas[0]['dispersa.precision']}, adapter {metas[0]['dispersa.adapter']}")


# trajectories.parquet's time column, and its last row's columns against samples.parquet's.
TRAJECTORY_ENDS = {
    "reentry": ("t_s", {"t_s": "time_of_flight_s", "heat_load_j_cm2": "heat_load_j_cm2"}),
    "cruise": ("t_days", {"mass_kg": "final_mass_kg", "thrust_on_days": "thrust_on_days",
                          "x_au": "final_x_au", "missed_thrust_days": "missed_thrust_days"}),
}


def check_trajectories(path, samples, run_file):
    """A report's trajectories.parquet at `path`: read three ways, with the run's config (as
    `run_file` keeps it), a unit on every number, and each sample's flight ending where the
    samples (`samples`, a file or a glob) end it (joined in DuckDB; 1e-6 relative: the engines'
    agreement in f64)."""
    t, _ = read_three(path)
    meta = file_meta(path)
    run_meta = file_meta(run_file)
    assert meta["dispersa.config"] == run_meta["dispersa.config"], \
        "trajectories.parquet: another config than the run's"
    # The run's own build and engine, copied beside the report's.
    for key in ("version", "git_commit", "samples", "nominal", "backend", "adapter", "precision"):
        if f"dispersa.{key}" in run_meta:
            assert meta.get(f"dispersa.run_{key}") == run_meta[f"dispersa.{key}"], \
                f"trajectories.parquet: dispersa.run_{key} is not the run's dispersa.{key}"
    # Every number has a unit; the texts (the label, the status, a reentry's canopy, a
    # cruise's engine and guidance stage) and the sample index have none.
    for col in t.column_names:
        text = str(t.schema.field(col).type) in ("string", "large_string")
        assert col == "sample" or text or unit(t, col), \
            f"trajectories.parquet: {col} has no unit"
    time, pairs = TRAJECTORY_ENDS[run_meta["dispersa.scenario"]]
    last = ", ".join(f"arg_max({c}, {time}) as {c}" for c in pairs if c != time)
    ends = CON.execute(
        f"with last as (select trajectory, sample, max({time}) as {time}, {last} "
        "from read_parquet($path) group by trajectory, sample) "
        f"select trajectory, {', '.join('last.' + c for c in pairs)}, "
        f"{', '.join('s.' + c for c in pairs.values())} from last "
        "join read_parquet($samples) s using (sample) order by sample",
        {"path": str(path), "samples": str(samples)}).fetchall()
    assert ends, "trajectories.parquet: no sample's flight"
    n = len(pairs)
    for row in ends:
        for k, (mine, theirs) in enumerate(pairs.items()):
            got, want = row[1 + k], row[1 + n + k]
            assert want is None or close(got, want, 1e-6), \
                f"{row[0]}: {mine} {got} at its end, samples.parquet's {theirs} {want}"
    # Each sample's flight ended as samples.parquet says it did.
    differ = CON.execute(
        "select distinct t.trajectory, t.status, s.status from read_parquet($path) t "
        "join read_parquet($samples) s using (sample) where t.status <> s.status",
        {"path": str(path), "samples": str(samples)}).fetchall()
    assert not differ, f"trajectories.parquet: statuses other than samples.parquet's: {differ}"
    flights = sql("select count(distinct trajectory) from read_parquet($path)", path)[0]
    return f"{flights} flights, {t.num_rows} rows, {len(ends)} ends match samples.parquet"


def check_summary(summary, source, path, metrics, t):
    """The status counts and the metrics' statistics in `summary` against DuckDB over `source`
    (a read_parquet call on $path)."""
    by_status = sql(f"select status, count(*) from {source} group by 1", path, True)
    for status, count in by_status:
        said = summary.get(f"status_{status}", {}).get("count")
        assert said == count, f"status {status}: {count} samples, the summary says {said}"
    for metric in metrics:
        row = summary[metric]
        assert row["unit"] == unit(t, metric), f"summary unit of {metric}: {row['unit']!r}"
        aggregates = ", ".join(s.format(c=metric) for s in STATS.values())
        # Failed samples carry no statistics; a metric's null values (e.g. no landing) neither.
        got = sql(f"select {aggregates} from {source} "
                  f"where status <> 'failed' and {metric} is not null", path)
        for stat, value in zip(STATS, got):
            assert close(value, row[stat]), \
                f"{metric} {stat}: duckdb {value!r}, the summary {row[stat]!r}"
        # Tolerance bounds: the k-th smallest and largest values, k from the binomial tail
        # (one-sided 99.865 % at 95 %), null below 2,218 values.
        n = got[0]
        k = tolerance_rank(n)
        lo_hi = (row["tolerance_lower_99865_95"], row["tolerance_upper_99865_95"])
        if k is None:
            assert lo_hi == (None, None), f"{metric}: tolerance bounds with only {n} values"
        else:
            order = sql(f"select {metric} from {source} where status <> 'failed' and "
                        f"{metric} is not null order by {metric}", path, True)
            want = (order[k - 1][0], order[n - k][0])
            assert lo_hi == want, f"{metric}: tolerance bounds {lo_hi}, order statistics {want}"


def check_manifest(d):
    """Every file _manifest.sha256 lists matches its checksum; returns how many."""
    lines = (d / "_manifest.sha256").read_text().splitlines()
    for line in lines:
        digest, name = line.split("  ", 1)
        actual = hashlib.sha256((d / name).read_bytes()).hexdigest()
        assert actual == digest, f"{d / name}: sha256 {actual}, the manifest says {digest}"
    return len(lines)


def check_dataset(d, same_as=None):
    shards = sorted(p for p in d.glob("shard=*") if p.is_dir())
    files = sum((check_manifest(p) for p in shards), check_manifest(d))
    glob = str(d / "shard=*" / "part-*.parquet")
    table = ds.dataset(d, format="parquet", partitioning="hive").to_table()
    frame = pl.read_parquet(glob, hive_partitioning=True)
    source = "read_parquet($path, hive_partitioning = true)"
    n_duck = sql(f"select count(*) from {source}", glob)[0]
    duck_columns = [c[0] for c in CON.execute(f"select * from {source} limit 0",
                                              {"path": glob}).description]
    assert table.num_rows == frame.height == n_duck, (
        f"dataset rows: pyarrow {table.num_rows}, polars {frame.height}, duckdb {n_duck}")
    assert set(table.column_names) == set(frame.columns) == set(duck_columns), \
        "the dataset's columns differ between pyarrow, polars and DuckDB"
    assert "shard" in duck_columns, "no Hive partition column `shard`"
    assert str(table.schema.field("sample").type) == "int64", \
        f"the dataset's sample is {table.schema.field('sample').type}, not int64"
    n = table.num_rows
    got = sql(f"select count(distinct sample), min(sample), max(sample) from {source}", glob)
    assert got == (n, 0, n - 1), f"sample indices are not 0..{n - 1} each once: {got}"
    per_shard = sql(f"select shard, min(sample), max(sample), count(*) from {source} "
                    "group by 1 order by 1", glob, True)
    assert [r[0] for r in per_shard] == list(range(len(shards))), "shard numbers"
    for k, lo, hi, count in per_shard:  # contiguous blocks k*n/N .. (k+1)*n/N
        assert (lo, hi + 1) == (k * n // len(shards), (k + 1) * n // len(shards)), \
            f"shard {k} holds {lo}..{hi}, not its block"
    summary = {r["metric"]: r for r in pl.read_parquet(d / "_summary.parquet").iter_rows(named=True)}
    meta = file_meta(d / "_summary.parquet")
    scenario = meta.get("dispersa.scenario")
    metrics, _ = SCENARIOS[scenario]
    check_summary(summary, source, glob, metrics, table)
    said = f"dataset ({scenario}): {len(shards)} shards, {n} samples, {files} files match " \
        f"their checksums, read alike by pyarrow, polars and DuckDB; the merged summary " \
        f"matches DuckDB"
    if same_as is not None:
        for mine, theirs in (("_summary.parquet", "summary.parquet"),
                             ("_sensitivity.parquet", "sensitivity.parquet")):
            a, b = pq.read_table(d / mine), pq.read_table(same_as / theirs)
            assert a.num_rows == b.num_rows and a.column_names == b.column_names and all(
                a.column(i).equals(b.column(i)) for i in range(a.num_columns)), \
                f"{mine} differs from {same_as / theirs}"
        rows = table.drop(["shard"]).sort_by("sample")
        single = pq.read_table(same_as / "samples.parquet")
        assert rows.column_names == single.column_names and all(
            rows.column(c).equals(single.column(c)) for c in single.column_names), \
            f"the dataset's rows differ from {same_as / 'samples.parquet'}"
        said += f"; summary, sensitivity and rows equal the single run {same_as}"
    return said


def tolerance_rank(n, tail=0.00135, confidence=0.95):
    """Largest k with P(Binomial(n, tail) >= k) >= confidence (None if k = 1 fails)."""
    pmf, below, best = (1.0 - tail) ** n, 0.0, None
    for k in range(1, n + 1):
        below += pmf
        if 1.0 - below < confidence:
            break
        best = k
        pmf *= (n - (k - 1)) / k * tail / (1.0 - tail)
    return best


def number(text):
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def check_corridor(d):
    path = d / "corridor.parquet"
    t, df = read_three(path)
    meta = file_meta(path)
    probs = ["p_skip_out", "p_g_exceed", "p_heat_exceed", "p_limit_exceed"]
    # The dynamic pressure's limit is optional: its probability is null without it, and files
    # of builds before 2026-12-07 have neither it nor its percentiles.
    if "p_dynamic_pressure_exceed" in df.columns and df["p_dynamic_pressure_exceed"].null_count() < df.height:
        probs.append("p_dynamic_pressure_exceed")
    pcts = [f"{m}_{q}" for m in ("peak_g", "peak_heat_flux_w_cm2", "heat_load_j_cm2")
            for q in ("p50", "p99865", "max")]
    needed = ["fpa_deg", "samples", "failed", "timed_out", *[p + s for p in probs for s in ("", "_ci_low", "_ci_high")], *pcts]
    for col in needed:
        assert col in df.columns, f"corridor.parquet: column {col} missing"
    assert df.height > 0 and df["fpa_deg"].n_unique() == df.height, "fpa_deg: empty or repeated"
    for p in probs:
        lo, hi = pl.col(p + "_ci_low"), pl.col(p + "_ci_high")
        ordered = (0 <= lo) & (lo <= pl.col(p)) & (pl.col(p) <= hi) & (hi <= 1)
        # A null probability fails too, but where no sample flew (all failed or timed out).
        bad = df.filter((pl.col("samples") > 0) & ~ordered.fill_null(False))
        assert bad.height == 0, \
            f"{p}: not 0 <= ci_low <= p <= ci_high <= 1 at fpa {bad['fpa_deg'].to_list()} deg"
    for m in ("peak_g", "peak_heat_flux_w_cm2", "heat_load_j_cm2"):
        bad = df.filter(~((pl.col(m + "_p50") <= pl.col(m + "_p99865"))
                          & (pl.col(m + "_p99865") <= pl.col(m + "_max"))).fill_null(True))
        assert bad.height == 0, \
            f"{m}: not p50 <= p99865 <= max at fpa {bad['fpa_deg'].to_list()} deg"
    with_units = [c for c in t.column_names if unit(t, c)]
    for col in with_units:  # units are optional here; when present they must be the right ones
        want = next((u for prefix, u in CORRIDOR_UNITS.items() if col.startswith(prefix)), "")
        assert unit(t, col).startswith(want), f"corridor.parquet: unit of {col} is {unit(t, col)!r}"

    bounds = {}
    for key in ("shallow_boundary_deg", "steep_boundary_deg", "width_deg"):
        assert f"dispersa.corridor.{key}" in meta, \
            f"corridor.parquet: key-value metadata dispersa.corridor.{key} missing"
        bounds[key] = number(meta[f"dispersa.corridor.{key}"])  # None for "none"
    shallow, steep, width = (bounds[k] for k in ("shallow_boundary_deg", "steep_boundary_deg",
                                                  "width_deg"))
    if shallow is not None and steep is not None and steep <= shallow:
        assert width is not None and abs(width - (shallow - steep)) < 1e-9, \
            f"width {width} deg is not shallow - steep = {shallow - steep} deg"
    elif shallow is not None and steep is not None:  # crossed: no angle meets both risks
        assert width is None, f"crossed boundaries ({steep} > {shallow} deg) with width {width}"
        assert "no corridor here" in meta.get("dispersa.corridor.notes", ""), \
            "crossed boundaries without the note that there is no corridor"
    said = {k: meta[f"dispersa.corridor.{k}"] for k in bounds}
    return (f"corridor: {df.height} angles, steep {said['steep_boundary_deg']} deg, shallow "
            f"{said['shallow_boundary_deg']} deg, width {said['width_deg']} deg, "
            f"units on {len(with_units)}/{len(t.column_names)} columns")


def main():
    args = sys.argv[1:]
    same_as = None
    if len(args) == 3 and args[1] == "--same-as":
        same_as = Path(args[2])
        args = args[:1]
    if len(args) != 1:
        sys.exit(__doc__)
    d = Path(args[0])
    if (d / "_summary.parquet").exists():
        checks = [lambda d: check_dataset(d, same_as)]
    else:
        checks = ([check_run] if any((d / f).exists() for f in RUN_FILES) else []) + \
            ([check_corridor] if (d / "corridor.parquet").exists() else [])
    if not checks:
        sys.exit(f"check_outputs: {d} holds neither samples.parquet (a run), corridor.parquet "
                 "nor a merged shard dataset (_summary.parquet)")
    try:
        for check in checks:
            print(f"outputs ok, {check(d)}")
        if (d / "report" / "trajectories.parquet").exists():
            said = check_trajectories(d / "report" / "trajectories.parquet",
                                      d / "samples.parquet", d / "samples.parquet")
            print(f"outputs ok, trajectories: {said}")
        if (d / "_report" / "trajectories.parquet").exists():
            said = check_trajectories(d / "_report" / "trajectories.parquet",
                                      d / "shard=*" / "part-*.parquet", d / "_summary.parquet")
            print(f"outputs ok, the dataset's trajectories: {said}")
        if (d / "_manifest.sha256").exists() and not (d / "_summary.parquet").exists():
            print(f"outputs ok, {check_manifest(d)} files match {d / '_manifest.sha256'}")
    except AssertionError as e:
        sys.exit(f"check_outputs: FAILED in {d}: {e}")


if __name__ == "__main__":
    main()
