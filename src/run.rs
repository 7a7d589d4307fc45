//! `dispersa run`: config -> sampler -> engine (in chunks) -> outputs and statistics.

use crate::config::{ConfigError, RawConfig};
use crate::engine::gpu::GpuError;
use crate::engine::{BackendChoice, Engine, EngineInfo, PrecisionChoice};
use crate::output::{
    write_sensitivity, write_summary, ColumnSpec, OutputError, RunDir, SamplesWriter, SummaryRow,
};
use crate::physics::epoch::iso_from_mjd;
use crate::sampling::Sampler;
use crate::scenario::cruise::{Cruise, CruiseConfig};
use crate::scenario::reentry::{Reentry, ReentryConfig};
use crate::scenario::{Probability, SampleOutputs, Scenario};
use crate::stats;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Everything `dispersa run` takes from the command line.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub config: PathBuf,
    pub samples: Option<u64>,
    pub seed: Option<u64>,
    pub out: Option<PathBuf>,
    pub backend: BackendChoice,
    pub precision: PrecisionChoice,
    pub sets: Vec<String>,
    pub nominal: bool,
    pub force: bool,
    pub quiet: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Engine(#[from] GpuError),
    #[error(transparent)]
    Output(#[from] OutputError),
}

impl RunError {
    /// 2 for bad input, 1 for a runtime failure.
    pub fn exit_code(&self) -> i32 {
        match self {
            RunError::Config(_) => 2,
            _ => 1,
        }
    }
}

/// What a finished run reports.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub out_dir: PathBuf,
    pub samples: u64,
    pub engine: EngineInfo,
    pub seconds: f64,
    /// Of `seconds`: building the engine's kernel (on lavapipe, compiling it).
    pub build_seconds: f64,
    /// Of `seconds`: the engine propagating. The rest (sampling and writing that did not overlap
    /// propagation, the final statistics) is the host's share.
    pub propagate_seconds: f64,
    /// (status name, count) for every status.
    pub status_counts: Vec<(String, u64)>,
    pub summary: Vec<SummaryRow>,
}

/// A validated run, before any work: the checks of bad input all happen in here.
pub struct Prepared {
    pub raw: RawConfig,
    pub scenario: Box<dyn Scenario>,
    pub sampler: Sampler,
    pub samples: u64,
    pub seed: u64,
    pub out_dir: PathBuf,
    pub nominal: bool,
}

pub fn prepare(opts: &RunOptions) -> Result<Prepared, ConfigError> {
    let raw = RawConfig::load(&opts.config, &opts.sets)?;
    let scenario = build_scenario(&raw)?;
    let run_cfg = scenario.run_config();
    let samples = match (opts.nominal, opts.samples) {
        (true, _) => 1,
        (false, Some(0)) => return Err(ConfigError::Cli("--samples must be positive".into())),
        (false, Some(n)) => n,
        (false, None) => run_cfg.samples as u64,
    };
    let seed = opts.seed.unwrap_or(run_cfg.seed);
    let sampler = sampler_for(scenario.as_ref(), seed, opts.nominal)?;
    let name = &run_cfg.name;
    let bad_name = name.is_empty() || name.starts_with('.') || name.contains(['/', '\\']);
    if bad_name {
        return Err(ConfigError::key(
            "run.name",
            format!(
                "{name:?} must be a plain directory name (no `/`, `\\`, not starting with `.`)"
            ),
        ));
    }
    let out_dir = opts
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(name));
    if let Some(msg) = crate::output::check_out_dir(&out_dir, opts.force) {
        return Err(ConfigError::Cli(msg));
    }
    Ok(Prepared {
        raw,
        scenario,
        sampler,
        samples,
        seed,
        out_dir,
        nominal: opts.nominal,
    })
}

/// The sampler of a run of `scenario`: its dispersions, or with `nominal` none at all (every
/// parameter at its nominal value and no perturbation profile).
pub fn sampler_for(
    scenario: &dyn Scenario,
    seed: u64,
    nominal: bool,
) -> Result<Sampler, ConfigError> {
    let (dispersions, correlated) = scenario.dispersions();
    let mut sampler = if nominal {
        Sampler::new(
            seed,
            &Default::default(),
            &[],
            scenario.param_names(),
            scenario.nominal(),
            0,
        )
    } else {
        Sampler::new(
            seed,
            dispersions,
            correlated,
            scenario.param_names(),
            scenario.nominal(),
            scenario.n_normals(),
        )
    }?;
    for i in scenario.derived_params() {
        sampler.columns.push(scenario.param_names()[i].to_string());
        sampler.column_params.push(i);
    }
    Ok(sampler)
}

pub fn run(opts: &RunOptions) -> Result<RunReport, RunError> {
    let prep = prepare(opts)?;
    let quiet = opts.quiet;
    let mut notice = |m: String| eprintln!("dispersa: {m}");
    let engine = Engine::select(opts.backend, opts.precision, &mut notice)?.fitting(
        opts.backend,
        prep.scenario.as_ref(),
        &mut notice,
    );
    execute(&prep, &engine, quiet)
}

/// Run a prepared job on an engine.
pub fn execute(prep: &Prepared, engine: &Engine, quiet: bool) -> Result<RunReport, RunError> {
    let start = Instant::now();
    let info = engine.info();
    let sc = prep.scenario.as_ref();
    let wanted_chunk = sc
        .run_config()
        .chunk_size
        .map_or(engine.default_chunk(), |c| c as usize);
    let wanted_chunk = wanted_chunk.min(prep.samples as usize).max(1);
    let (mut runner, chunk) = engine.runner(sc, wanted_chunk)?;
    let build_seconds = start.elapsed().as_secs_f64();

    let metadata = metadata(prep, &info, chunk);
    let run_dir = RunDir::create(&prep.out_dir)?;
    let input_cols: Vec<ColumnSpec> = prep
        .sampler
        .columns
        .iter()
        .map(|p| ColumnSpec {
            name: p.replace('.', "_"),
            unit: unit_of_path(p),
        })
        .collect();
    let output_cols: Vec<ColumnSpec> = sc
        .metrics()
        .iter()
        .map(|(n, u)| ColumnSpec {
            name: n.to_string(),
            unit: u.to_string(),
        })
        .collect();
    let text_cols: Vec<ColumnSpec> = sc
        .iso_epochs()
        .iter()
        .map(|(n, _)| ColumnSpec {
            name: n.to_string(),
            unit: "ISO 8601, TDB".into(),
        })
        .collect();
    let mut writer = SamplesWriter::create(
        &run_dir.tmp.join("samples.parquet"),
        &input_cols,
        &output_cols,
        &text_cols,
        &metadata,
    )?;

    let bar = progress_bar(prep.samples, quiet);
    let mut acc = Accumulator::new(sc);
    let mut sens = SensitivityData::new(in_names(prep).len(), sc.metrics().len());
    // Three stages overlap: a thread samples the next chunk and another turns the previous
    // chunk's states into outputs and Parquet while this one propagates. Channels of one chunk
    // bound the memory to about four chunks.
    let mut propagate_seconds = 0.0;
    std::thread::scope(|scope| -> Result<(), RunError> {
        let (to_engine, from_sampler) = std::sync::mpsc::sync_channel::<SampledChunk>(1);
        let (to_writer, from_engine) = std::sync::mpsc::sync_channel::<(SampledChunk, Vec<f64>)>(1);
        scope.spawn(move || {
            let mut first = 0u64;
            while first < prep.samples {
                let n = ((prep.samples - first) as usize).min(chunk);
                if to_engine.send(sample_chunk(prep, first, n)).is_err() {
                    return; // the run stopped
                }
                first += n as u64;
            }
        });
        let (acc, sens, bar) = (&mut acc, &mut sens, &bar);
        let writer_stage = scope.spawn(move || -> Result<(), RunError> {
            for (c, states) in from_engine {
                write_chunk(sc, prep, &c, &states, acc, sens, &mut writer)?;
                bar.set_position(c.first + c.n() as u64);
            }
            writer.finish()?;
            Ok(())
        });
        let mut engine_result = Ok(());
        for c in from_sampler {
            let t0 = Instant::now();
            let done_before = c.first;
            let states = match runner
                .propagate(sc, &c.inputs, c.n(), &|k| bar.set_position(done_before + k))
            {
                Ok(s) => s,
                Err(e) => {
                    engine_result = Err(e.into());
                    break;
                }
            };
            propagate_seconds += t0.elapsed().as_secs_f64();
            if to_writer.send((c, states)).is_err() {
                break; // the writer failed: its error is reported below
            }
        }
        drop(to_writer);
        let written = writer_stage
            .join()
            .expect("the writer thread does not panic");
        engine_result.and(written)
    })?;
    bar.finish_and_clear();
    // The statistics and the sensitivities are independent: computed side by side (on lavapipe
    // this tail is most of the host's share of a fast run).
    let out_names: Vec<String> = sc.metrics().iter().map(|(n, _)| n.to_string()).collect();
    let (summary, rows) = std::thread::scope(|scope| {
        let rows = scope.spawn(|| {
            stats::sensitivity::sensitivities(
                &in_names(prep),
                &sens.inputs,
                &out_names,
                &sens.outputs,
            )
        });
        let summary = acc.summary();
        (
            summary,
            rows.join().expect("the sensitivity thread does not panic"),
        )
    });
    let mut summary_meta = metadata.clone();
    summary_meta.push((
        "dispersa.tolerance_bounds".into(),
        format!(
            "tolerance_lower_99865_95 / tolerance_upper_99865_95: nonparametric one-sided bounds \
             (order statistics) on the 0.135th and 99.865th percentiles at 95 % confidence; null \
             for a metric with fewer than {} values (the count needed)",
            stats::TOLERANCE_MIN_SAMPLES
        ),
    ));
    write_summary(
        &run_dir.tmp.join("summary.parquet"),
        &summary,
        &summary_meta,
    )?;
    write_sensitivity(&run_dir.tmp.join("sensitivity.parquet"), &rows, &metadata)?;
    run_dir.commit()?;
    Ok(RunReport {
        out_dir: prep.out_dir.clone(),
        samples: prep.samples,
        engine: info,
        seconds: start.elapsed().as_secs_f64(),
        build_seconds,
        propagate_seconds,
        status_counts: acc
            .status_names
            .iter()
            .map(|n| n.to_string())
            .zip(acc.status_counts.iter().copied())
            .collect(),
        summary,
    })
}

/// One chunk of sampled inputs: samples first..first + n.
struct SampledChunk {
    first: u64,
    /// n packed input rows.
    inputs: Vec<f64>,
    /// n parameter vectors, for the outputs and the input columns.
    params: Vec<Vec<f64>>,
}

impl SampledChunk {
    fn n(&self) -> usize {
        self.params.len()
    }
}

fn sample_chunk(prep: &Prepared, first: u64, n: usize) -> SampledChunk {
    let sc = prep.scenario.as_ref();
    let ni = sc.input_len();
    let mut normals = vec![0.0; if prep.nominal { 0 } else { sc.n_normals() }];
    let mut inputs = vec![0.0; n * ni];
    let mut params = Vec::with_capacity(n);
    for (j, row) in inputs.chunks_mut(ni).enumerate() {
        let index = first + j as u64;
        let mut p = sc.nominal().to_vec();
        prep.sampler.draw(index, &mut p, &mut normals);
        let normals = (!prep.nominal).then_some(&normals[..]);
        sc.pack_input(prep.seed, index, &mut p, normals, row);
        params.push(p);
    }
    SampledChunk {
        first,
        inputs,
        params,
    }
}

/// A propagated chunk's outputs into the statistics and samples.parquet.
fn write_chunk(
    sc: &dyn Scenario,
    prep: &Prepared,
    c: &SampledChunk,
    states: &[f64],
    acc: &mut Accumulator,
    sens: &mut SensitivityData,
    writer: &mut SamplesWriter,
) -> Result<(), RunError> {
    let sl = sc.state_len();
    let mut out_cols: Vec<Vec<Option<f64>>> = (0..sc.metrics().len())
        .map(|_| Vec::with_capacity(c.n()))
        .collect();
    let mut status = Vec::with_capacity(c.n());
    for (p, state) in c.params.iter().zip(states.chunks(sl)) {
        let o = sc.outputs(p, state);
        acc.add(&o);
        for (col, v) in out_cols.iter_mut().zip(o.metrics.iter()) {
            col.push(*v);
        }
        status.push(sc.status_names()[o.status as usize]);
    }
    let in_cols: Vec<Vec<f64>> = prep
        .sampler
        .column_params
        .iter()
        .map(|&k| c.params.iter().map(|p| p[k]).collect())
        .collect();
    sens.add(
        &in_cols,
        &out_cols,
        &status,
        sc.status_names()[sc.failed_status() as usize],
    );
    let texts: Vec<Vec<Option<String>>> = sc
        .iso_epochs()
        .iter()
        .map(|&(_, k)| out_cols[k].iter().map(|v| v.map(iso_from_mjd)).collect())
        .collect();
    writer.write_chunk(
        (c.first..c.first + c.n() as u64).collect(),
        in_cols,
        out_cols,
        texts,
        status,
    )?;
    Ok(())
}

/// The scenario a config describes, validated.
pub fn build_scenario(raw: &RawConfig) -> Result<Box<dyn Scenario>, ConfigError> {
    match raw.scenario_kind()?.as_str() {
        "reentry" => Ok(Box::new(Reentry::new(ReentryConfig::from_raw(raw)?))),
        "cruise" => Ok(Box::new(Cruise::new(CruiseConfig::from_raw(raw)?))),
        other => Err(ConfigError::key(
            "run.scenario",
            format!("unknown scenario {other:?}; supported: \"reentry\", \"cruise\""),
        )),
    }
}

pub fn progress_bar(len: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::hidden());
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} samples  {per_sec}  ETA {eta}",
        )
        .expect("valid progress template"),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// Unit of a dispersed parameter, read from the suffix of its name.
pub fn unit_of_path(path: &str) -> String {
    let suffixes = [
        ("_m3_s2", "m^3/s^2"),
        ("_kg_m3", "kg/m^3"),
        ("_km_s", "km/s"),
        ("_deg", "deg"),
        ("_kg", "kg"),
        ("_km", "km"),
        ("_m", "m"),
        ("_s", "s"),
    ];
    suffixes
        .iter()
        .find(|(s, _)| path.ends_with(s))
        .map_or("1", |(_, u)| u)
        .to_string()
}

fn metadata(prep: &Prepared, info: &EngineInfo, chunk: usize) -> Vec<(String, String)> {
    let mut m: Vec<(String, String)> = vec![
        ("dispersa.version".into(), env!("CARGO_PKG_VERSION").into()),
        (
            "dispersa.git_commit".into(),
            option_env!("DISPERSA_GIT_COMMIT")
                .unwrap_or("unknown")
                .into(),
        ),
        ("dispersa.scenario".into(), prep.scenario.kind().into()),
        ("dispersa.config".into(), prep.raw.text.clone()),
        (
            "dispersa.config_overrides".into(),
            prep.raw.overrides.join("\n"),
        ),
        ("dispersa.seed".into(), prep.seed.to_string()),
        ("dispersa.samples".into(), prep.samples.to_string()),
        ("dispersa.nominal".into(), prep.nominal.to_string()),
        ("dispersa.backend".into(), info.backend.into()),
        ("dispersa.adapter".into(), info.adapter.clone()),
        (
            "dispersa.adapter_backend".into(),
            info.adapter_backend.clone(),
        ),
        ("dispersa.driver".into(), info.driver.clone()),
        ("dispersa.precision".into(), info.precision.name().into()),
        ("dispersa.chunk_size".into(), chunk.to_string()),
    ];
    m.extend(prep.scenario.metadata());
    m
}

/// Column names of the dispersed inputs.
fn in_names(prep: &Prepared) -> Vec<String> {
    prep.sampler
        .columns
        .iter()
        .map(|p| p.replace('.', "_"))
        .collect()
}

/// Samples kept for sensitivity.parquet: the first ones, up to this many (rank correlations
/// settle to +-0.005 long before; the cap bounds the memory and the sorting of huge runs).
pub const SENSITIVITY_SAMPLES: usize = 200_000;

/// Inputs and outputs (NaN where undefined or failed) of the samples kept for sensitivity.
struct SensitivityData {
    inputs: Vec<Vec<f64>>,
    outputs: Vec<Vec<f64>>,
}

impl SensitivityData {
    fn new(n_inputs: usize, n_outputs: usize) -> Self {
        SensitivityData {
            inputs: vec![Vec::new(); n_inputs],
            outputs: vec![Vec::new(); n_outputs],
        }
    }

    fn add(
        &mut self,
        inputs: &[Vec<f64>],
        outputs: &[Vec<Option<f64>>],
        status: &[&str],
        failed: &str,
    ) {
        let have = self.outputs.first().map_or(0, |c| c.len());
        let take = status.len().min(SENSITIVITY_SAMPLES.saturating_sub(have));
        for (dst, src) in self.inputs.iter_mut().zip(inputs) {
            dst.extend_from_slice(&src[..take]);
        }
        for (dst, src) in self.outputs.iter_mut().zip(outputs) {
            dst.extend(src[..take].iter().zip(status).map(|(v, s)| {
                if *s == failed {
                    f64::NAN
                } else {
                    v.unwrap_or(f64::NAN)
                }
            }));
        }
    }
}

/// Running statistics of a run: kept metric values (for exact percentiles) and counts.
struct Accumulator<'a> {
    scenario: &'a dyn Scenario,
    status_names: Vec<&'static str>,
    values: Vec<Vec<f64>>,
    status_counts: Vec<u64>,
    probability_hits: Vec<u64>,
    probabilities: Vec<Probability>,
}

impl<'a> Accumulator<'a> {
    fn new(scenario: &'a dyn Scenario) -> Self {
        let probabilities = scenario.probabilities();
        Accumulator {
            scenario,
            status_names: scenario.status_names().to_vec(),
            values: vec![Vec::new(); scenario.metrics().len()],
            status_counts: vec![0; scenario.status_names().len()],
            probability_hits: vec![0; probabilities.len()],
            probabilities,
        }
    }

    fn add(&mut self, o: &SampleOutputs) {
        self.status_counts[o.status as usize] += 1;
        if o.status == self.scenario.failed_status() {
            return;
        }
        for (k, v) in o.metrics.iter().enumerate() {
            if let Some(x) = v {
                self.values[k].push(*x);
            }
        }
        for (hits, p) in self.probability_hits.iter_mut().zip(&self.probabilities) {
            let hit = match *p {
                Probability::Status { status, .. } => o.status == status,
                Probability::Above { metric, limit, .. } => {
                    o.metrics[metric].is_some_and(|x| x > limit)
                }
                Probability::AtMost { metric, limit, .. } => {
                    o.metrics[metric].is_some_and(|x| x <= limit)
                }
            };
            *hits += hit as u64;
        }
    }

    fn summary(&self) -> Vec<SummaryRow> {
        let mut rows = Vec::new();
        for (k, (name, unit)) in self.scenario.metrics().iter().enumerate() {
            let mut row = SummaryRow {
                metric: name.to_string(),
                unit: unit.to_string(),
                ..Default::default()
            };
            if let Some(s) = stats::summarize(&self.values[k]) {
                row.count = s.count;
                row.mean = Some(s.mean);
                row.std = Some(s.std);
                row.min = Some(s.min);
                row.p00135 = Some(s.p00135);
                row.p02275 = Some(s.p02275);
                row.p50 = Some(s.p50);
                row.p97725 = Some(s.p97725);
                row.p99865 = Some(s.p99865);
                row.max = Some(s.max);
                row.tolerance_lower = s.tol_lower;
                row.tolerance_upper = s.tol_upper;
            }
            rows.push(row);
        }
        let failed = self.scenario.failed_status() as usize;
        let total: u64 = self.status_counts.iter().sum();
        let trials = total - self.status_counts[failed];
        for (p, &k) in self.probabilities.iter().zip(&self.probability_hits) {
            let name = match p {
                Probability::Status { name, .. }
                | Probability::Above { name, .. }
                | Probability::AtMost { name, .. } => name,
            };
            let w = stats::wilson(k, trials);
            rows.push(SummaryRow {
                metric: name.to_string(),
                unit: "probability".into(),
                count: trials,
                mean: Some(w.p).filter(|x| x.is_finite()),
                ci_low: Some(w.ci_low).filter(|x| x.is_finite()),
                ci_high: Some(w.ci_high).filter(|x| x.is_finite()),
                ..Default::default()
            });
        }
        for (s, name) in self.status_names.iter().enumerate() {
            if *name == "running" {
                continue;
            }
            let c = self.status_counts[s];
            rows.push(SummaryRow {
                metric: format!("status_{name}"),
                unit: "samples".into(),
                count: c,
                mean: Some(c as f64 / total.max(1) as f64),
                ..Default::default()
            });
        }
        if let Some((lat_k, lon_k)) = self.scenario.footprint() {
            let (lat, lon) = (&self.values[lat_k], &self.values[lon_k]);
            let ellipse = stats::ellipse::landing_ellipse(lat, lon, 0.9973);
            // Bootstrap intervals of the axes: 1,000 resamples, fewer (not under 200) where
            // that would pass 2e8 points; seeded from the run's seed.
            let resamples = (2e8 / lat.len().max(1) as f64).clamp(200.0, 1000.0) as usize;
            let seed = self.scenario.run_config().seed ^ 0x9E37_79B9_7F4A_7C15;
            let boot = stats::ellipse::bootstrap_axes(lat, lon, 0.9973, resamples, seed);
            let axis_ci = |major: bool| {
                boot.map(|(a, b)| if major { a } else { b })
                    .map_or((None, None), |(l, h)| (Some(l), Some(h)))
            };
            // The share of the landing points inside the ellipse, beside its nominal 99.73 %.
            let inside = ellipse.as_ref().map(|e| {
                lat.iter()
                    .zip(lon.iter())
                    .filter(|(&la, &lo)| e.radius2(la, lo) <= 1.0)
                    .count() as u64
            });
            let containment = inside.map(|k| stats::wilson(k, lat.len() as u64));
            let about = self.scenario.target().and_then(|(t_lat, t_lon)| {
                stats::ellipse::landing_ellipse_about(lat, lon, t_lat, t_lon, 0.9973)
            });
            let az = "deg from north towards east";
            let none = (None, None);
            let mut footprint = vec![
                (
                    "footprint_containment",
                    "fraction",
                    containment.map(|w| w.p),
                    (
                        containment.map(|w| w.ci_low),
                        containment.map(|w| w.ci_high),
                    ),
                ),
                (
                    "footprint_semi_major_km",
                    "km",
                    ellipse.map(|e| e.semi_major_km),
                    axis_ci(true),
                ),
                (
                    "footprint_semi_minor_km",
                    "km",
                    ellipse.map(|e| e.semi_minor_km),
                    axis_ci(false),
                ),
                (
                    "footprint_orientation_deg",
                    az,
                    ellipse.map(|e| e.orientation_deg),
                    none,
                ),
                (
                    "footprint_center_lat_deg",
                    "deg",
                    ellipse.map(|e| e.center_lat_deg),
                    none,
                ),
                (
                    "footprint_center_lon_deg",
                    "deg",
                    ellipse.map(|e| e.center_lon_deg),
                    none,
                ),
            ];
            if self.scenario.target().is_some() {
                footprint.extend([
                    (
                        "footprint_target_semi_major_km",
                        "km",
                        about.map(|e| e.semi_major_km),
                        none,
                    ),
                    (
                        "footprint_target_semi_minor_km",
                        "km",
                        about.map(|e| e.semi_minor_km),
                        none,
                    ),
                    (
                        "footprint_target_orientation_deg",
                        az,
                        about.map(|e| e.orientation_deg),
                        none,
                    ),
                ]);
            }
            for (name, unit, mean, (ci_low, ci_high)) in footprint {
                rows.push(SummaryRow {
                    metric: name.into(),
                    unit: unit.into(),
                    count: lat.len() as u64,
                    mean,
                    ci_low,
                    ci_high,
                    ..Default::default()
                });
            }
        }
        rows
    }
}
