//! `dispersa run`: config -> sampler -> engine (in chunks) -> outputs and statistics.

use crate::config::{ConfigError, RawConfig};
use crate::engine::gpu::GpuError;
use crate::engine::{BackendChoice, Engine, EngineInfo, PrecisionChoice};
use crate::output::{write_summary, ColumnSpec, OutputError, RunDir, SamplesWriter, SummaryRow};
use crate::sampling::Sampler;
use crate::scenario::reentry::*;
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
    pub status_counts: [u64; 5],
    pub summary: Vec<SummaryRow>,
}

/// A validated run, before any work: the checks of bad input all happen in here.
pub struct Prepared {
    pub raw: RawConfig,
    pub cfg: ReentryConfig,
    pub model: Model,
    pub sampler: Sampler,
    pub samples: u64,
    pub seed: u64,
    pub out_dir: PathBuf,
    pub nominal: bool,
}

pub fn prepare(opts: &RunOptions) -> Result<Prepared, ConfigError> {
    let raw = RawConfig::load(&opts.config, &opts.sets)?;
    let kind = raw.scenario_kind()?;
    if kind != "reentry" {
        return Err(ConfigError::key(
            "run.scenario",
            format!("unknown scenario {kind:?}; supported: \"reentry\""),
        ));
    }
    let cfg = ReentryConfig::from_raw(&raw)?;
    let samples = match (opts.nominal, opts.samples) {
        (true, _) => 1,
        (false, Some(0)) => return Err(ConfigError::Cli("--samples must be positive".into())),
        (false, Some(n)) => n,
        (false, None) => cfg.run.samples as u64,
    };
    let seed = opts.seed.unwrap_or(cfg.run.seed);
    let model = Model::new(&cfg);
    let sampler = if opts.nominal {
        Sampler::new(
            seed,
            &Default::default(),
            &[],
            &PARAM_NAMES,
            &model.nominal,
            0,
        )?
    } else {
        Sampler::new(
            seed,
            &cfg.dispersions,
            &cfg.correlated,
            &PARAM_NAMES,
            &model.nominal,
            model.n_pert(),
        )?
    };
    let name = &cfg.run.name;
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
        .unwrap_or_else(|| Path::new("results").join(&cfg.run.name));
    if let Some(msg) = crate::output::check_out_dir(&out_dir) {
        return Err(ConfigError::Cli(msg));
    }
    if out_dir.exists() && !opts.force {
        let empty = std::fs::read_dir(&out_dir)
            .map(|mut d| d.next().is_none())
            .unwrap_or(false);
        if !empty {
            return Err(ConfigError::Cli(format!(
                "--out {} exists and is not empty; pass --force to replace it",
                out_dir.display()
            )));
        }
    }
    if out_dir.exists() && !out_dir.is_dir() {
        return Err(ConfigError::Cli(format!(
            "--out {} exists and is not a directory",
            out_dir.display()
        )));
    }
    Ok(Prepared {
        raw,
        cfg,
        model,
        sampler,
        samples,
        seed,
        out_dir,
        nominal: opts.nominal,
    })
}

pub fn run(opts: &RunOptions) -> Result<RunReport, RunError> {
    let prep = prepare(opts)?;
    let quiet = opts.quiet;
    let mut notice = |m: String| eprintln!("dispersa: {m}");
    let engine = Engine::select(opts.backend, opts.precision, &mut notice)?;
    execute(&prep, &engine, quiet)
}

/// Run a prepared job on an engine.
pub fn execute(prep: &Prepared, engine: &Engine, quiet: bool) -> Result<RunReport, RunError> {
    let start = Instant::now();
    let info = engine.info();
    let model = &prep.model;
    let wanted_chunk = prep
        .cfg
        .run
        .chunk_size
        .map_or(engine.default_chunk(), |c| c as usize);
    let wanted_chunk = wanted_chunk.min(prep.samples as usize).max(1);
    let (mut runner, chunk) = engine.reentry_runner(model, wanted_chunk)?;

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
    let output_cols: Vec<ColumnSpec> = METRICS
        .iter()
        .map(|(n, u)| ColumnSpec {
            name: n.to_string(),
            unit: u.to_string(),
        })
        .collect();
    let mut writer = SamplesWriter::create(
        &run_dir.tmp.join("samples.parquet"),
        &input_cols,
        &output_cols,
        &metadata,
    )?;

    let bar = progress_bar(prep.samples, quiet);
    let mut acc = Accumulator::new(
        prep.cfg.events.g_limit,
        prep.cfg.events.heat_flux_limit_w_cm2,
    );
    let ni = model.input_len();
    let n_pert = if prep.nominal { 0 } else { model.n_pert() };
    let mut first = 0u64;
    while first < prep.samples {
        let n = ((prep.samples - first) as usize).min(chunk);
        let mut inputs = vec![0.0; n * ni];
        let mut params_all: Vec<Params> = Vec::with_capacity(n);
        let mut normals = vec![0.0; n_pert];
        for j in 0..n {
            let mut p = model.nominal;
            prep.sampler.draw(first + j as u64, &mut p, &mut normals);
            model.pack_input(
                &p,
                (!prep.nominal).then_some(&normals[..]),
                &mut inputs[j * ni..(j + 1) * ni],
            );
            params_all.push(p);
        }
        let done_before = first;
        let states = runner.propagate(model, &inputs, n, &|k| bar.set_position(done_before + k))?;
        let mut out_cols: Vec<Vec<Option<f64>>> =
            (0..N_METRICS).map(|_| Vec::with_capacity(n)).collect();
        let mut status = Vec::with_capacity(n);
        for (j, p) in params_all.iter().enumerate() {
            let o = sample_outputs(model, p, &states[j * STATE_LEN..(j + 1) * STATE_LEN]);
            acc.add(&o);
            for (c, v) in out_cols.iter_mut().zip(o.metrics.iter()) {
                c.push(*v);
            }
            status.push(o.status_name());
        }
        let in_cols: Vec<Vec<f64>> = prep
            .sampler
            .column_params
            .iter()
            .map(|&k| params_all.iter().map(|p| p[k]).collect())
            .collect();
        writer.write_chunk(
            (first..first + n as u64).collect(),
            in_cols,
            out_cols,
            status,
        )?;
        first += n as u64;
        bar.set_position(first);
    }
    bar.finish_and_clear();
    writer.finish()?;
    let summary = acc.summary();
    write_summary(&run_dir.tmp.join("summary.parquet"), &summary, &metadata)?;
    run_dir.commit()?;
    Ok(RunReport {
        out_dir: prep.out_dir.clone(),
        samples: prep.samples,
        engine: info,
        seconds: start.elapsed().as_secs_f64(),
        status_counts: acc.status_counts,
        summary,
    })
}

fn progress_bar(len: u64, quiet: bool) -> ProgressBar {
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
    ];
    suffixes
        .iter()
        .find(|(s, _)| path.ends_with(s))
        .map_or("1", |(_, u)| u)
        .to_string()
}

fn metadata(prep: &Prepared, info: &EngineInfo, chunk: usize) -> Vec<(String, String)> {
    let i = &prep.cfg.integrator;
    let pert = match &prep.cfg.atmosphere.perturbation {
        Some(p) if !prep.nominal => format!(
            "gauss_markov correlation_length_km={} node_spacing_km={} sigma={:?}",
            p.correlation_length_km, p.node_spacing_km, p.sigma
        ),
        _ => "none".into(),
    };
    vec![
        ("dispersa.version".into(), env!("CARGO_PKG_VERSION").into()),
        (
            "dispersa.git_commit".into(),
            option_env!("DISPERSA_GIT_COMMIT")
                .unwrap_or("unknown")
                .into(),
        ),
        ("dispersa.scenario".into(), "reentry".into()),
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
        (
            "dispersa.integrator".into(),
            format!(
                "{} step_s={} descent_step_s={} time_limit_s={}",
                i.method, i.step_s, i.descent_step_s, i.time_limit_s
            ),
        ),
        ("dispersa.chunk_size".into(), chunk.to_string()),
        ("dispersa.epoch".into(), prep.cfg.entry.epoch.clone()),
        ("dispersa.density_perturbation".into(), pert),
    ]
}

/// Running statistics of a run: kept metric values (for exact percentiles) and counts.
struct Accumulator {
    values: Vec<Vec<f64>>,
    status_counts: [u64; 5],
    g_exceed: u64,
    heat_exceed: u64,
    g_limit: f64,
    heat_limit: f64,
}

impl Accumulator {
    fn new(g_limit: f64, heat_limit: f64) -> Self {
        Accumulator {
            values: vec![Vec::new(); N_METRICS],
            status_counts: [0; 5],
            g_exceed: 0,
            heat_exceed: 0,
            g_limit,
            heat_limit,
        }
    }

    fn add(&mut self, o: &SampleOutputs) {
        self.status_counts[o.status as usize] += 1;
        if o.status == ST_FAILED {
            return;
        }
        for (k, v) in o.metrics.iter().enumerate() {
            if let Some(x) = v {
                self.values[k].push(*x);
            }
        }
        if o.metrics[M_PEAK_G].is_some_and(|g| g > self.g_limit) {
            self.g_exceed += 1;
        }
        if o.metrics[M_PEAK_Q].is_some_and(|q| q > self.heat_limit) {
            self.heat_exceed += 1;
        }
    }

    fn summary(&self) -> Vec<SummaryRow> {
        let mut rows = Vec::new();
        for (k, (name, unit)) in METRICS.iter().enumerate() {
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
            }
            rows.push(row);
        }
        let trials =
            self.status_counts.iter().sum::<u64>() - self.status_counts[ST_FAILED as usize];
        for (name, k) in [
            ("prob_skip_out", self.status_counts[ST_SKIPPED_OUT as usize]),
            ("prob_g_exceed", self.g_exceed),
            ("prob_heat_exceed", self.heat_exceed),
        ] {
            let p = stats::wilson(k, trials);
            rows.push(SummaryRow {
                metric: name.into(),
                unit: "probability".into(),
                count: trials,
                mean: Some(p.p).filter(|x| x.is_finite()),
                ci_low: Some(p.ci_low).filter(|x| x.is_finite()),
                ci_high: Some(p.ci_high).filter(|x| x.is_finite()),
                ..Default::default()
            });
        }
        let total: u64 = self.status_counts.iter().sum();
        for s in [ST_LANDED, ST_SKIPPED_OUT, ST_TIMEOUT, ST_FAILED] {
            let c = self.status_counts[s as usize];
            rows.push(SummaryRow {
                metric: format!("status_{}", STATUS_NAMES[s as usize]),
                unit: "samples".into(),
                count: c,
                mean: Some(c as f64 / total.max(1) as f64),
                ..Default::default()
            });
        }
        let lat = &self.values[M_LAT];
        let lon = &self.values[M_LON];
        let ellipse = stats::ellipse::landing_ellipse(lat, lon, 0.9973);
        for (name, unit, v) in [
            (
                "footprint_semi_major_km",
                "km",
                ellipse.as_ref().map(|e| e.semi_major_km),
            ),
            (
                "footprint_semi_minor_km",
                "km",
                ellipse.as_ref().map(|e| e.semi_minor_km),
            ),
            (
                "footprint_orientation_deg",
                "deg from north towards east",
                ellipse.as_ref().map(|e| e.orientation_deg),
            ),
            (
                "footprint_center_lat_deg",
                "deg",
                ellipse.as_ref().map(|e| e.center_lat_deg),
            ),
            (
                "footprint_center_lon_deg",
                "deg",
                ellipse.as_ref().map(|e| e.center_lon_deg),
            ),
        ] {
            rows.push(SummaryRow {
                metric: name.into(),
                unit: unit.into(),
                count: lat.len() as u64,
                mean: v,
                ..Default::default()
            });
        }
        rows
    }
}
