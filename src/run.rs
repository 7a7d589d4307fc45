//! `dispersa run`: config -> sampler -> engine (in chunks) -> outputs and statistics.

use crate::config::{ConfigError, RawConfig};
use crate::engine::gpu::GpuError;
use crate::engine::{BackendChoice, Engine, EngineInfo, PrecisionChoice};
use crate::output::{
    read_present_rows, write_sensitivity, write_summary, ColumnSpec, OutputError, RunDir,
    SamplesWriter, SummaryRow,
};
use crate::physics::epoch::iso_from_mjd;
use crate::pipeline::{provenance, SampledChunk, Samples};
use crate::scenario::cruise::{Cruise, CruiseConfig};
use crate::scenario::reentry::{Reentry, ReentryConfig};
use crate::scenario::Scenario;
use crate::stats;
use crate::stats::accumulator::{Accumulator, SensitivityData};
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
    /// How its samples are drawn (the sampler, the seed, nominal or not).
    pub draws: Samples,
    pub samples: u64,
    pub out_dir: PathBuf,
    /// The output directory's lock, held until the run is dropped.
    _lock: crate::output::OutLock,
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
    let draws = Samples::new(scenario.as_ref(), seed, opts.nominal)?;
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
    let mut notice = |m: String| eprintln!("dispersa: {m}");
    let lock = crate::output::claim_out_dir(&out_dir, opts.force, &mut notice)
        .map_err(ConfigError::Cli)?;
    // A count whose samples cannot fit on the disk is refused now, not when the disk fills:
    // every column is 8 bytes a sample before compression, and ZSTD rarely halves noise.
    // Columns: `sample`, the inputs, the metrics, `failure_reason` and `status`.
    let columns = 1 + draws.sampler.columns.len() + scenario.metrics().len() + 2;
    let at_least = samples as f64 * columns as f64 * 8.0 / 2.0;
    let parent = out_dir.parent().filter(|p| !p.as_os_str().is_empty());
    if let Ok(free) = fs4::available_space(parent.unwrap_or(Path::new("."))) {
        if at_least > free as f64 {
            return Err(ConfigError::Cli(format!(
                "--samples {samples}: samples.parquet would need at least {:.1} GB (half its \
                 {columns} columns x 8 bytes a sample), and the disk of {} has {:.1} GB free",
                at_least / 1e9,
                out_dir.display(),
                free as f64 / 1e9
            )));
        }
    }
    Ok(Prepared {
        raw,
        scenario,
        draws,
        samples,
        out_dir,
        _lock: lock,
    })
}

pub fn run(opts: &RunOptions) -> Result<RunReport, RunError> {
    let prep = prepare(opts)?;
    if let Some(m) =
        crate::engine::refused_choice(opts.backend, opts.precision, prep.scenario.as_ref())
    {
        return Err(ConfigError::Cli(m).into());
    }
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
    let run_dir = RunDir::create(&prep.out_dir, crate::output::DirKind::Run)?;
    let input_cols: Vec<ColumnSpec> = prep
        .draws
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
    let mut text_cols: Vec<ColumnSpec> = sc
        .iso_epochs()
        .iter()
        .map(|(n, _)| ColumnSpec {
            name: n.to_string(),
            unit: "ISO 8601, TDB".into(),
        })
        .collect();
    text_cols.push(ColumnSpec {
        name: "failure_reason".into(),
        unit: "text".into(),
    });
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
                let c = prep.draws.draw(sc, first..first + n as u64, None);
                if to_engine.send(c).is_err() {
                    return; // the run stopped
                }
                first += n as u64;
            }
        });
        let (acc, sens, bar) = (&mut acc, &mut sens, &bar);
        let writer_stage = scope.spawn(move || -> Result<(), RunError> {
            for (c, states) in from_engine {
                write_chunk(sc, prep, &c, &states, acc, sens, &mut writer)?;
                bar.set_position(c.indices[0] + c.n() as u64);
            }
            writer.finish()?;
            Ok(())
        });
        let mut engine_result = Ok(());
        for c in from_sampler {
            let t0 = Instant::now();
            let done_before = c.indices[0];
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
        // Each metric's values read back from the written samples, one metric at a time.
        let samples_path = run_dir.tmp.join("samples.parquet");
        let name = |k: usize| sc.metrics()[k].0;
        let summary = acc.summary(
            |k| read_present_rows(&samples_path, &[name(k)]).map(|mut v| v.remove(0)),
            |a, b| {
                read_present_rows(&samples_path, &[name(a), name(b)]).map(|mut v| {
                    let second = v.remove(1);
                    (v.remove(0), second)
                })
            },
        );
        (
            summary,
            rows.join().expect("the sensitivity thread does not panic"),
        )
    });
    let summary = summary?;
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
    let mut out_cols: Vec<Vec<Option<f64>>> = (0..sc.metrics().len())
        .map(|_| Vec::with_capacity(c.n()))
        .collect();
    let mut status = Vec::with_capacity(c.n());
    for o in c.outputs(sc, states) {
        acc.add(&o);
        for (col, v) in out_cols.iter_mut().zip(o.metrics.iter()) {
            col.push(*v);
        }
        status.push(sc.status_names()[o.status as usize]);
    }
    let in_cols: Vec<Vec<f64>> = prep
        .draws
        .sampler
        .column_params
        .iter()
        .map(|&k| c.params.iter().map(|p| p[k]).collect())
        .collect();
    let failed = sc.status_names()[sc.failed_status() as usize];
    sens.add(&in_cols, &out_cols, &status, failed);
    let mut texts: Vec<Vec<Option<String>>> = sc
        .iso_epochs()
        .iter()
        .map(|&(_, k)| out_cols[k].iter().map(|v| v.map(iso_from_mjd)).collect())
        .collect();
    // Why each failed sample failed: a parameter out of range (named), else in flight.
    texts.push(
        c.params
            .iter()
            .zip(&status)
            .map(|(p, s)| {
                (*s == failed).then(|| match sc.unphysical(p) {
                    Some(why) => format!("unphysical input: {why}"),
                    None => FAILED_IN_FLIGHT.to_string(),
                })
            })
            .collect(),
    );
    writer.write_chunk(c.indices.clone(), in_cols, out_cols, texts, status)?;
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
    let mut m = provenance(prep.scenario.as_ref(), &prep.raw, prep.draws.seed, info);
    m.extend([
        ("dispersa.samples".into(), prep.samples.to_string()),
        ("dispersa.nominal".into(), prep.draws.nominal.to_string()),
        ("dispersa.chunk_size".into(), chunk.to_string()),
    ]);
    m.extend(prep.scenario.metadata());
    m
}

/// The `failure_reason` of a sample whose inputs were in range but whose state became
/// non-finite (or whose integration could not go on) in flight.
pub const FAILED_IN_FLIGHT: &str = "non-finite state in flight";

/// Column names of the dispersed inputs.
fn in_names(prep: &Prepared) -> Vec<String> {
    prep.draws
        .sampler
        .columns
        .iter()
        .map(|p| p.replace('.', "_"))
        .collect()
}
