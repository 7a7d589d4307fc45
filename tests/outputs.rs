//! The Parquet outputs: summary.parquet equals statistics recomputed from samples.parquet;
//! samples are identical whatever the chunk size and the backend.

mod common;
use arrow_array::{Array, Float64Array, RecordBatch, StringArray};
use dispersa::engine::{BackendChoice, PrecisionChoice};
use dispersa::run::{run, RunOptions};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::path::Path;

fn run_to(
    out: &Path,
    samples: u64,
    backend: BackendChoice,
    sets: &[&str],
) -> dispersa::run::RunReport {
    let opts = RunOptions {
        config: common::DEFAULT_CONFIG.into(),
        samples: Some(samples),
        seed: None,
        out: Some(out.to_path_buf()),
        backend,
        precision: PrecisionChoice::Auto,
        sets: sets.iter().map(|s| s.to_string()).collect(),
        nominal: false,
        force: true,
        quiet: true,
        resume: false,
        shard: None,
    };
    run(&opts).expect("run succeeds")
}

fn read(path: &Path) -> (RecordBatch, std::collections::HashMap<String, String>) {
    let f = std::fs::File::open(path).unwrap();
    let b = ParquetRecordBatchReaderBuilder::try_new(f).unwrap();
    let kv: std::collections::HashMap<String, String> = b
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .unwrap()
        .iter()
        .map(|k| (k.key.clone(), k.value.clone().unwrap_or_default()))
        .collect();
    let batches: Vec<RecordBatch> = b.build().unwrap().map(|r| r.unwrap()).collect();
    let schema = batches[0].schema();
    (arrow_select_concat(&schema, &batches), kv)
}

fn arrow_select_concat(
    schema: &std::sync::Arc<arrow_schema::Schema>,
    batches: &[RecordBatch],
) -> RecordBatch {
    // Small helper without the arrow-select dependency: rebuild columns by value.
    let mut cols: Vec<std::sync::Arc<dyn Array>> = Vec::new();
    for (i, f) in schema.fields().iter().enumerate() {
        match f.data_type() {
            arrow_schema::DataType::Float64 => {
                let v: Vec<Option<f64>> = batches
                    .iter()
                    .flat_map(|b| {
                        b.column(i)
                            .as_any()
                            .downcast_ref::<Float64Array>()
                            .unwrap()
                            .iter()
                            .collect::<Vec<_>>()
                    })
                    .collect();
                cols.push(std::sync::Arc::new(Float64Array::from(v)));
            }
            arrow_schema::DataType::Utf8 => {
                let v: Vec<Option<String>> = batches
                    .iter()
                    .flat_map(|b| {
                        b.column(i)
                            .as_any()
                            .downcast_ref::<StringArray>()
                            .unwrap()
                            .iter()
                            .map(|s| s.map(String::from))
                            .collect::<Vec<_>>()
                    })
                    .collect();
                cols.push(std::sync::Arc::new(StringArray::from(v)));
            }
            _ => {
                let v: Vec<i64> = batches
                    .iter()
                    .flat_map(|b| {
                        b.column(i)
                            .as_any()
                            .downcast_ref::<arrow_array::Int64Array>()
                            .unwrap()
                            .values()
                            .to_vec()
                    })
                    .collect();
                cols.push(std::sync::Arc::new(arrow_array::Int64Array::from(v)));
            }
        }
    }
    RecordBatch::try_new(schema.clone(), cols).unwrap()
}

/// A text column whose every value is present.
fn str_col(b: &RecordBatch, name: &str) -> Vec<String> {
    b.column_by_name(name)
        .unwrap()
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap()
        .iter()
        .map(|s| s.unwrap().to_string())
        .collect()
}

/// A count column (int64, every value present).
fn i64_col(b: &RecordBatch, name: &str) -> Vec<i64> {
    b.column_by_name(name)
        .unwrap()
        .as_any()
        .downcast_ref::<arrow_array::Int64Array>()
        .unwrap()
        .values()
        .to_vec()
}

fn f64_col(b: &RecordBatch, name: &str) -> Vec<Option<f64>> {
    b.column_by_name(name)
        .unwrap()
        .as_any()
        .downcast_ref::<Float64Array>()
        .unwrap()
        .iter()
        .collect()
}

#[test]
fn summary_equals_statistics_recomputed_from_samples() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    // A steep FPA spread makes some samples skip out or exceed limits, so nulls are exercised.
    run_to(
        &out,
        400,
        BackendChoice::Cpu,
        &[
            "entry.flight_path_angle_deg=-6.5",
            "dispersions.\"entry.flight_path_angle_deg\".sigma=1.5",
            // The canopies' rated opening loads, inside their spread: both kinds of flight.
            "parachutes.drogue_q_limit_pa=1400",
            "parachutes.main_q_limit_pa=640",
            // The structure's peak dynamic pressure, likewise inside its spread.
            "events.dynamic_pressure_limit_pa=15000",
        ],
    );
    let (samples, kv) = read(&out.join("samples.parquet"));
    let (summary, _) = read(&out.join("summary.parquet"));
    assert_eq!(kv["dispersa.precision"], "f64");
    assert!(kv["dispersa.config"].contains("[vehicle]"));
    let status = str_col(&samples, "status");
    assert!(
        status.iter().any(|s| s == "skipped_out"),
        "fixture should include skip-outs"
    );
    // Units ride in the field metadata.
    let schema = samples.schema();
    assert_eq!(
        schema
            .field_with_name("peak_heat_flux_w_cm2")
            .unwrap()
            .metadata()["unit"],
        "W/cm^2"
    );
    assert_eq!(
        schema
            .field_with_name("entry_flight_path_angle_deg")
            .unwrap()
            .metadata()["unit"],
        "deg"
    );
    let metrics = str_col(&summary, "metric");
    let srow = |m: &str, col: &str| -> Option<f64> {
        let i = metrics
            .iter()
            .position(|x| x == m)
            .unwrap_or_else(|| panic!("row {m}"));
        f64_col(&summary, col)[i]
    };
    for m in [
        "peak_g",
        "peak_heat_flux_w_cm2",
        "heat_load_j_cm2",
        "landing_lat_deg",
        "downrange_km",
        "time_of_flight_s",
    ] {
        let mut v: Vec<f64> = f64_col(&samples, m)
            .iter()
            .zip(&status)
            .filter(|(x, s)| x.is_some() && *s != "failed")
            .map(|(x, _)| x.unwrap())
            .collect();
        v.sort_by(f64::total_cmp);
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let std = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        let pct = |p: f64| {
            let h = (n - 1.0) * p;
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(v.len() - 1);
            v[lo] + (h - lo as f64) * (v[hi] - v[lo])
        };
        // Same data, different summation order: agreement to ~1e-12 relative.
        let close = |a: f64, b: f64| (a - b).abs() <= 1e-10 * b.abs().max(1.0);
        assert!(close(srow(m, "mean").unwrap(), mean), "{m} mean");
        assert!(close(srow(m, "std").unwrap(), std), "{m} std");
        for (col, p) in [
            ("p00135", 0.00135),
            ("p02275", 0.02275),
            ("p50", 0.5),
            ("p97725", 0.97725),
            ("p99865", 0.99865),
        ] {
            assert!(close(srow(m, col).unwrap(), pct(p)), "{m} {col}");
        }
        assert_eq!(srow(m, "min").unwrap(), v[0]);
        assert_eq!(srow(m, "max").unwrap(), *v.last().unwrap());
    }
    let n_ok = status.iter().filter(|s| *s != "failed").count() as f64;
    let skips = status.iter().filter(|s| *s == "skipped_out").count() as f64;
    assert!((srow("prob_skip_out", "mean").unwrap() - skips / n_ok).abs() < 1e-15);
    let lo = srow("prob_skip_out", "ci_low").unwrap();
    let hi = srow("prob_skip_out", "ci_high").unwrap();
    assert!(lo < skips / n_ok && skips / n_ok < hi);
    // A limit's probability: the flights whose metric exceeds it, over the flights (a
    // skip-out, whose canopies never opened, counts as not exceeding).
    for (row, m, limit) in [
        (
            "prob_drogue_q_exceed",
            "drogue_open_dynamic_pressure_pa",
            1400.0,
        ),
        ("prob_main_q_exceed", "main_open_dynamic_pressure_pa", 640.0),
        (
            "prob_dynamic_pressure_exceed",
            "peak_dynamic_pressure_pa",
            15000.0,
        ),
        ("prob_g_exceed", "peak_g", 60.0),
    ] {
        let over = f64_col(&samples, m)
            .iter()
            .zip(&status)
            .filter(|(x, s)| *s != "failed" && x.is_some_and(|x| x > limit))
            .count() as f64;
        if row != "prob_g_exceed" {
            assert!(
                0.0 < over && over < n_ok,
                "{row}: the fixture exercises both kinds"
            );
        }
        assert_eq!(srow(row, "mean").unwrap(), over / n_ok, "{row}");
    }
    assert!(
        srow("footprint_semi_major_km", "mean").unwrap()
            >= srow("footprint_semi_minor_km", "mean").unwrap()
    );
}

/// A flight the time limit stopped counts in a probability where what it flew decides it,
/// and is left out of it otherwise. Leaving every timeout in read P(skip-out) 0 where 0.9 skip
/// out (a 150 s limit on a -5.5 deg entry), and leaving every one out biased the opening loads'
/// probabilities, whose slow descents time out with their canopies open (two reviews). Here
/// the shallow entries skip out before the 700 s limit and the others time out under their
/// canopies, most with the main open: the rows are recomputed from the samples' columns.
#[test]
fn timed_out_samples_count_where_their_flight_decides_the_outcome() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    run_to(
        &out,
        100,
        BackendChoice::Cpu,
        &[
            "entry.flight_path_angle_deg=-5.8",
            "dispersions.\"entry.flight_path_angle_deg\".sigma=1.0",
            "integrator.time_limit_s=700",
            "parachutes.main_q_limit_pa=640",
        ],
    );
    let (samples, _) = read(&out.join("samples.parquet"));
    let (summary, _) = read(&out.join("summary.parquet"));
    let status = str_col(&samples, "status");
    let (drogue, main_q, g) = (
        f64_col(&samples, "drogue_time_s"),
        f64_col(&samples, "main_open_dynamic_pressure_pa"),
        f64_col(&samples, "peak_g"),
    );
    let timeouts = status.iter().filter(|s| *s == "timeout").count();
    let main_open = (0..status.len())
        .filter(|&k| status[k] == "timeout" && main_q[k].is_some())
        .count();
    assert!(
        timeouts > 0 && main_open > 0 && main_open < timeouts,
        "the fixture's mix"
    );
    let metrics = str_col(&summary, "metric");
    let counts = i64_col(&summary, "count");
    let means = f64_col(&summary, "mean");
    // (row, whether sample k counts, whether it has the event)
    type Rule<'a> = (
        &'a str,
        Box<dyn Fn(usize) -> bool + 'a>,
        Box<dyn Fn(usize) -> bool + 'a>,
    );
    let timeout = |k: usize| status[k] == "timeout";
    let rules: Vec<Rule> = vec![
        (
            "prob_skip_out",
            Box::new(|k| !timeout(k) || drogue[k].is_some()),
            Box::new(|k| status[k] == "skipped_out"),
        ),
        (
            "prob_g_exceed",
            // Never by the value: a timeout whose peak already passed the limit is left out
            // with the others stopped before their drogue (counting it loaded the count with
            // hits: a review).
            Box::new(|k| !timeout(k) || drogue[k].is_some()),
            Box::new(|k| g[k].is_some_and(|x| x > 60.0)),
        ),
        (
            "prob_main_q_exceed",
            Box::new(|k| !timeout(k) || main_q[k].is_some()),
            Box::new(|k| main_q[k].is_some_and(|x| x > 640.0)),
        ),
    ];
    let (mins, maxs) = (f64_col(&summary, "min"), f64_col(&summary, "max"));
    let flown = status.iter().filter(|s| *s != "failed").count();
    let mut some_open = false;
    for (row, counts_in, hit) in &rules {
        let r = metrics.iter().position(|m| m == row).unwrap();
        let n = (0..status.len()).filter(|&k| counts_in(k)).count();
        let h = (0..status.len())
            .filter(|&k| counts_in(k) && hit(k))
            .count();
        assert_eq!(counts[r] as usize, n, "{row} count");
        assert_eq!(means[r].unwrap(), h as f64 / n as f64, "{row}");
        // Its bounds over every flight that did not fail: the open ones all without the
        // event, or all with it.
        let open = flown - n;
        some_open |= open > 0;
        assert_eq!(mins[r].unwrap(), h as f64 / flown as f64, "{row} min");
        assert_eq!(
            maxs[r].unwrap(),
            (h + open) as f64 / flown as f64,
            "{row} max"
        );
    }
    assert!(some_open, "the fixture leaves some outcome open");
}

/// The sensitivities leave out a timeout stopped before its drogue opened, whose peaks may be
/// of the flight so far, and keep one stopped under a canopy, which has flown its pulse (the
/// cruise's propellant tornado ranked unfinished flights beside the arrivals: a cruise analyst's
/// trial). A limit at the drogue's median opening time stops every flight, about half of them
/// before it.
#[test]
fn sensitivities_leave_out_the_timeouts_whose_values_are_not_the_flights() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    run_to(
        &out,
        100,
        BackendChoice::Cpu,
        &["integrator.time_limit_s=91.7"],
    );
    let (samples, _) = read(&out.join("samples.parquet"));
    let status = str_col(&samples, "status");
    let drogue = f64_col(&samples, "drogue_time_s");
    let stopped_early = (0..status.len())
        .filter(|&k| status[k] == "timeout" && drogue[k].is_none())
        .count();
    let stopped_late = (0..status.len())
        .filter(|&k| status[k] == "timeout" && drogue[k].is_some())
        .count();
    assert!(
        stopped_early > 10 && stopped_late > 10,
        "the fixture's mix: {stopped_early}, {stopped_late}"
    );
    let (sens, _) = read(&out.join("sensitivity.parquet"));
    let outputs = str_col(&sens, "output");
    let count = i64_col(&sens, "count");
    // The summary keeps every flight's values, the timeouts' included (they are in its
    // percentiles, as the timeout note says): a review found the sensitivities' rule leaking
    // into the summary, which reads its values from the same first samples.
    let (summary, _) = read(&out.join("summary.parquet"));
    let (metrics, summary_count, mean) = (
        str_col(&summary, "metric"),
        i64_col(&summary, "count"),
        f64_col(&summary, "mean"),
    );
    for metric in ["peak_g", "heat_load_j_cm2", "time_peak_heat_s"] {
        let col = f64_col(&samples, metric);
        let kept = (0..status.len())
            .filter(|&k| {
                status[k] != "failed"
                    && (status[k] != "timeout" || drogue[k].is_some())
                    && col[k].is_some()
            })
            .count();
        assert!(
            col.iter().filter(|v| v.is_some()).count() > kept,
            "{metric}: the timeouts left out hold values"
        );
        let flown: Vec<f64> = (0..status.len())
            .filter(|&k| status[k] != "failed")
            .filter_map(|k| col[k])
            .collect();
        let r = metrics.iter().position(|m| m == metric).unwrap();
        assert_eq!(
            summary_count[r] as usize,
            flown.len(),
            "{metric} summary count"
        );
        let m = flown.iter().sum::<f64>() / flown.len() as f64;
        // The mean summed in another order: f64 rounding of 100 values.
        assert!(
            (mean[r].unwrap() - m).abs() <= 1e-12 * m.abs(),
            "{metric} mean"
        );
        let rows: Vec<usize> = (0..outputs.len())
            .filter(|&k| outputs[k] == metric)
            .collect();
        assert!(!rows.is_empty());
        for k in rows {
            assert_eq!(count[k] as usize, kept, "{metric} sensitivity count");
        }
    }
}

/// With no parachutes nothing marks the end of the pulse (the drogue's Mach number can come
/// before a slow entry's peak: a review), so every timeout is left out of skip-out and the
/// peaks.
#[test]
fn without_parachutes_a_timeout_settles_no_probability() {
    use dispersa::scenario::Scenario;
    let mut cfg = common::config_with(&[
        "integrator.time_limit_s=200",
        "dispersions.\"entry.flight_path_angle_deg\".sigma=1.0",
    ]);
    cfg.parachutes = None;
    cfg.events.drogue_mach = Some(1.5);
    cfg.dispersions
        .retain(|path, _| !path.starts_with("parachutes."));
    cfg.validate().expect("a bare fall");
    let (sc, params, inputs) = common::sample_inputs(&cfg, 64, false);
    let outs = common::outputs(&common::cpu(), &sc, &params, &inputs);
    let timeouts: Vec<_> = outs
        .iter()
        .filter(|o| o.status == dispersa::scenario::reentry::ST_TIMEOUT)
        .collect();
    // Marked: the drogue's Mach number reached before the limit.
    let marked = dispersa::scenario::reentry::METRICS
        .iter()
        .position(|m| m.0 == "drogue_altitude_km")
        .unwrap();
    assert!(
        timeouts.iter().any(|o| o.metrics[marked].is_some()),
        "the fixture has timeouts past the drogue's Mach number"
    );
    for p in sc.probabilities() {
        for o in &timeouts {
            assert!(!sc.decided(&p, o), "{p:?} decided by a bare fall's timeout");
        }
    }
}

/// One sample has a mean and no sample standard deviation: `std` is null (as DuckDB's
/// stddev_samp), where it was 0.0 (a review, 2026-12-05).
#[test]
fn one_sample_has_no_standard_deviation() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    run_to(&out, 1, BackendChoice::Cpu, &[]);
    let (summary, _) = read(&out.join("summary.parquet"));
    let metric = str_col(&summary, "metric");
    let k = metric.iter().position(|m| m == "peak_g").unwrap();
    // The mean of one sample is that sample's value, bit for bit.
    let (samples, _) = read(&out.join("samples.parquet"));
    let g = f64_col(&samples, "peak_g");
    assert_eq!(g.len(), 1);
    let value = g[0].expect("the sample has a peak g");
    assert_eq!(f64_col(&summary, "mean")[k], Some(value));
    assert_eq!(f64_col(&summary, "std")[k], None);
}

#[test]
fn samples_are_identical_whatever_the_chunk_size_and_backend() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a");
    let b = dir.path().join("b");
    let c = dir.path().join("c");
    run_to(&a, 150, BackendChoice::Cpu, &["run.chunk_size=7"]);
    run_to(&b, 150, BackendChoice::Cpu, &["run.chunk_size=1000"]);
    run_to(&c, 150, BackendChoice::Gpu, &["run.chunk_size=64"]);
    let (sa, _) = read(&a.join("samples.parquet"));
    let (sb, _) = read(&b.join("samples.parquet"));
    let (sc, kc) = read(&c.join("samples.parquet"));
    assert_eq!(kc["dispersa.backend"], "gpu");
    // Inputs: bit-identical on every backend and chunking; CPU outputs: bit-identical too.
    assert_eq!(sa, sb, "chunk size changed the CPU samples");
    for f in sa.schema().fields() {
        if f.name().starts_with("entry_")
            || f.name().starts_with("vehicle_")
            || f.name().starts_with("atmosphere_")
        {
            assert_eq!(
                f64_col(&sa, f.name()),
                f64_col(&sc, f.name()),
                "input column {} differs on the GPU",
                f.name()
            );
        }
    }
}

#[test]
fn unphysical_sampled_inputs_are_failed_and_kept_out_of_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    // An absurd entry-altitude spread puts some samples underground at the start.
    run_to(
        &out,
        200,
        BackendChoice::Cpu,
        &["dispersions.\"entry.altitude_km\"={dist=\"normal\", sigma=100.0}"],
    );
    let (samples, _) = read(&out.join("samples.parquet"));
    let alt = f64_col(&samples, "entry_altitude_km");
    let status = str_col(&samples, "status");
    let g = f64_col(&samples, "peak_g");
    let reason: Vec<Option<String>> = samples
        .column_by_name("failure_reason")
        .unwrap()
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap()
        .iter()
        .map(|s| s.map(str::to_string))
        .collect();
    let mut underground = 0;
    for (((a, s), g), why) in alt.iter().zip(&status).zip(&g).zip(&reason) {
        if a.unwrap() <= 0.0 {
            underground += 1;
            assert_eq!(s, "failed", "a start below ground is failed, not {s}");
            assert!(g.is_none(), "failed samples carry no outputs");
            // The reason names the parameter and its value.
            let why = why.as_deref().unwrap_or("");
            assert!(
                why.starts_with("unphysical input: entry.altitude_km = "),
                "{why}"
            );
        } else if s != "failed" {
            assert!(why.is_none(), "only failed samples have a reason");
        }
    }
    assert!(
        underground > 0,
        "fixture should start some samples below ground"
    );
}

#[test]
fn sensitivity_parquet_ranks_what_drives_the_outputs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    run_to(&out, 600, BackendChoice::Cpu, &[]);
    let (s, _) = read(&out.join("sensitivity.parquet"));
    let (inputs, outputs) = (str_col(&s, "input"), str_col(&s, "output"));
    let rho = f64_col(&s, "spearman");
    // One row per (dispersed input, output): 11 inputs x 34 outputs in the default config (14
    // physical outputs, the integrator's steps and rejected_steps, the canopies' opening times,
    // the touchdown speed and sink rate, the three miss distances, the drogue's opening Mach
    // number, dynamic pressure and altitude, the main's opening dynamic pressure and altitude,
    // the peak dynamic pressure and its time, and the altitude and Mach number at peak g and
    // at peak heat flux).
    assert_eq!(s.num_rows(), 11 * 34);
    let find = |i: &str, o: &str| {
        let k = inputs
            .iter()
            .zip(&outputs)
            .position(|(a, b)| a == i && b == o)
            .unwrap();
        rho[k].unwrap()
    };
    // A shallower (less negative) entry flies farther: strong positive rank correlation; a
    // draggier capsule (cd_scale up) stops sooner.
    assert!(find("entry_flight_path_angle_deg", "downrange_km") > 0.5);
    assert!(find("vehicle_cd_scale", "downrange_km") < -0.1);
    // The drogue opens at its trigger Mach number (no delay): 1.5 but for the integrator's
    // tolerance, noise that ranked as sensitivities of 0.01-0.04 to every input (stop 42's
    // note). Its rows are null.
    let open_mach: Vec<usize> = (0..outputs.len())
        .filter(|&k| outputs[k] == "drogue_open_mach")
        .collect();
    assert_eq!(open_mach.len(), 11);
    assert!(open_mach.iter().all(|&k| rho[k].is_none()));
    // So does the main at its trigger altitude above the ground (3.1 km within 17 mm: an
    // entry analyst's trial found its rows ranked).
    let open_alt: Vec<usize> = (0..outputs.len())
        .filter(|&k| outputs[k] == "main_open_altitude_km")
        .collect();
    assert_eq!(open_alt.len(), 11);
    assert!(open_alt.iter().all(|&k| rho[k].is_none()));
    // Opened 5 s after the trigger, its Mach number is the flight's (1.30 +- 0.009 on 600
    // samples, mostly the density perturbation's, which is no input column): ranked again.
    run_to(
        &out,
        600,
        BackendChoice::Cpu,
        &["parachutes.drogue_delay_s=5"],
    );
    let (s, _) = read(&out.join("sensitivity.parquet"));
    let (outputs, rho) = (str_col(&s, "output"), f64_col(&s, "spearman"));
    let open_mach: Vec<usize> = (0..outputs.len())
        .filter(|&k| outputs[k] == "drogue_open_mach")
        .collect();
    assert_eq!(open_mach.len(), 11);
    assert!(open_mach.iter().all(|&k| rho[k].is_some()));
}

#[test]
fn parquet_footers_stay_readable_by_older_readers() {
    // Column orders newer than TYPE_DEFINED_ORDER (parquet-format's IEEE 754 total order, which
    // the parquet crate writes for floats from version 60) make polars before 1.43 refuse the
    // whole file ("Invalid thrift: bad data"). Every file dispersa writes keeps the old order;
    // with it polars 0.20.31, 1.0 and 1.40 read all four files (checked by hand).
    use parquet::basic::ColumnOrder;
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    run_to(&out, 40, BackendChoice::Cpu, &[]);
    let corridor = dir.path().join("c");
    dispersa::corridor::corridor(&dispersa::corridor::CorridorOptions {
        config: common::DEFAULT_CONFIG.into(),
        fpa_deg: "-12:-8:2".into(),
        samples_per_point: 5,
        risk: 0.1,
        out: Some(corridor.clone()),
        backend: BackendChoice::Cpu,
        precision: PrecisionChoice::Auto,
        sets: vec![],
        force: false,
        quiet: true,
    })
    .unwrap();
    for path in [
        out.join("samples.parquet"),
        out.join("summary.parquet"),
        out.join("sensitivity.parquet"),
        corridor.join("corridor.parquet"),
    ] {
        let r = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
        let md = r.metadata().file_metadata();
        for k in 0..md.schema_descr().num_columns() {
            let order = md.column_order(k);
            assert!(
                matches!(
                    order,
                    ColumnOrder::TYPE_DEFINED_ORDER(_) | ColumnOrder::UNDEFINED
                ),
                "{} column {k}: {order:?}",
                path.display()
            );
        }
    }
}

#[test]
fn samples_parquet_is_written_in_bounded_row_groups_and_read_back_by_column() {
    // The writer keeps only the open row group in memory: a file of 2.1 row groups' rows has 3.
    use dispersa::output::{read_present_rows, ColumnSpec, SamplesWriter, ROW_GROUP_ROWS};
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("samples.parquet");
    let spec = |n: &str| ColumnSpec {
        name: n.into(),
        unit: "1".into(),
        may_be_nan: false,
    };
    let mut w =
        SamplesWriter::create(&path, &[spec("x")], &[spec("a"), spec("b")], &[], &[]).unwrap();
    let n = ROW_GROUP_ROWS * 21 / 10;
    for first in (0..n).step_by(10_000) {
        let rows: Vec<usize> = (first..(first + 10_000).min(n)).collect();
        let a: Vec<Option<f64>> = rows
            .iter()
            .map(|&i| (i % 3 != 0).then_some(i as f64))
            .collect();
        let b: Vec<Option<f64>> = rows
            .iter()
            .map(|&i| (i % 5 != 0).then_some(-(i as f64)))
            .collect();
        w.write_chunk(
            rows.iter().map(|&i| i as u64).collect(),
            vec![rows.iter().map(|&i| i as f64).collect()],
            vec![a, b],
            vec![],
            vec!["landed"; rows.len()],
        )
        .unwrap();
    }
    w.finish().unwrap();
    let r = SerializedFileReader::new(std::fs::File::open(&path).unwrap()).unwrap();
    assert_eq!(r.metadata().num_row_groups(), 3);
    // One column: its non-null values, in row order; two: the rows where both are present.
    let a = read_present_rows(std::slice::from_ref(&path), &["a"])
        .unwrap()
        .remove(0);
    let want: Vec<f64> = (0..n).filter(|i| i % 3 != 0).map(|i| i as f64).collect();
    assert_eq!(a, want);
    let ab = read_present_rows(std::slice::from_ref(&path), &["a", "b"]).unwrap();
    let rows: Vec<usize> = (0..n).filter(|i| i % 3 != 0 && i % 5 != 0).collect();
    assert_eq!(ab[0], rows.iter().map(|&i| i as f64).collect::<Vec<_>>());
    assert_eq!(ab[1], rows.iter().map(|&i| -(i as f64)).collect::<Vec<_>>());
    assert!(read_present_rows(std::slice::from_ref(&path), &["nope"]).is_err());
}

/// A --nominal run writes the dispersed run's columns, its inputs at their nominal values, so
/// that the two concatenate (a notebook user's trial: the nominal had 27 columns against 38,
/// and check_outputs.py refused it).
#[test]
fn a_nominal_run_has_the_dispersed_runs_columns() {
    let dir = tempfile::tempdir().unwrap();
    let (dispersed, nominal) = (dir.path().join("d"), dir.path().join("n"));
    run_to(&dispersed, 3, BackendChoice::Cpu, &[]);
    run(&RunOptions {
        config: common::DEFAULT_CONFIG.into(),
        samples: None,
        seed: None,
        out: Some(nominal.clone()),
        backend: BackendChoice::Cpu,
        precision: PrecisionChoice::Auto,
        sets: vec![],
        nominal: true,
        force: true,
        quiet: true,
        resume: false,
        shard: None,
    })
    .expect("nominal run");
    let (d, _) = read(&dispersed.join("samples.parquet"));
    let (n, _) = read(&nominal.join("samples.parquet"));
    assert_eq!(d.schema().fields(), n.schema().fields());
    // The shipped entry angle, -10 deg (dispersed about it in the other run).
    assert_eq!(
        f64_col(&n, "entry_flight_path_angle_deg"),
        vec![Some(-10.0)]
    );
}

/// The file's `dispersa.units` metadata gives every column's unit as its field metadata does,
/// for readers that see the footer's key-value pairs but not the Arrow fields' metadata (DuckDB,
/// polars: a notebook user's trial).
#[test]
fn the_units_are_in_the_key_value_metadata_too() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("u");
    run_to(&out, 3, BackendChoice::Cpu, &[]);
    let (b, kv) = read(&out.join("samples.parquet"));
    let listed: std::collections::HashMap<&str, &str> = kv["dispersa.units"]
        .lines()
        .map(|l| l.split_once('=').expect("column=unit"))
        .collect();
    let mut with_unit = 0;
    for f in b.schema().fields() {
        match f.metadata().get("unit") {
            Some(u) => {
                with_unit += 1;
                assert_eq!(
                    listed.get(f.name().as_str()),
                    Some(&u.as_str()),
                    "{}",
                    f.name()
                );
            }
            None => assert!(!listed.contains_key(f.name().as_str()), "{}", f.name()),
        }
    }
    assert_eq!(listed.len(), with_unit);
    assert_eq!(listed["peak_g"], "g0 (9.80665 m/s^2)");
}

/// The density perturbation's and the winds' settings, defaults included, are in the files'
/// metadata (its top_km and the winds' node spacing were in none: a from-scratch trial).
#[test]
fn the_perturbations_settings_are_recorded_with_their_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    run_to(&out, 4, BackendChoice::Cpu, &[]);
    let (_, kv) = read(&out.join("samples.parquet"));
    assert!(
        kv["dispersa.density_perturbation"].contains(" top_km=150 "),
        "{}",
        kv["dispersa.density_perturbation"]
    );
    let winds = &kv["dispersa.winds"];
    assert!(
        winds.contains("node_spacing_km=1 ")
            && winds.contains("perturbation: gauss_markov correlation_length_km=3 "),
        "{winds}"
    );
}

/// A footprint its 99.73 % ellipse does not describe is said, beside the ellipse: shallow
/// entries at -5.6 deg, some skipping out and their neighbours flying thousands of km (a trial's
/// 3,954 x 60 km ellipse holding 97.6 % of the landings came with nothing said). The default
/// config's footprint, about 16 x 7 km, draws no such note.
#[test]
fn a_footprint_its_ellipse_does_not_describe_is_said() {
    let dir = tempfile::tempdir().unwrap();
    let note = |sets: &[&str]| {
        let out = dir.path().join(sets.len().to_string());
        let report = run_to(&out, 200, BackendChoice::Cpu, sets);
        report
            .notes
            .into_iter()
            .find(|n| n.contains("footprint ellipse does not describe"))
    };
    let wide = note(&["entry.flight_path_angle_deg=-5.6"]).expect("a note");
    assert!(
        wide.contains("its semi-major axis") && wide.contains("beyond the few hundred km"),
        "{wide}"
    );
    assert_eq!(note(&[]), None);
}
