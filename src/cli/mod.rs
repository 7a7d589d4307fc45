//! The command line (clap). Exit codes: 0 ok, 2 bad input (config, CLI), 1 runtime failure.

use crate::engine::{gpu, BackendChoice, PrecisionChoice};
use crate::run::{run, RunOptions, RunReport};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "dispersa",
    // The build's commit with the version: `dispersa --version` names the binary that
    // measured (scripts/gpu_bench.sh runs a carried binary where no checkout may be current).
    version = concat!(env!("CARGO_PKG_VERSION"), " (", env!("DISPERSA_GIT_COMMIT"), ")"),
    about = "GPU Monte Carlo dispersion analysis for spacecraft trajectories"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a Monte Carlo (or, with --nominal, one undispersed trajectory) from a scenario config.
    Run {
        /// Scenario config (TOML), e.g. configs/tianwen2_reentry.toml
        config: PathBuf,
        /// Number of samples (overrides run.samples, which the config still sets)
        #[arg(long, allow_negative_numbers = true, value_parser = parse_samples)]
        samples: Option<u64>,
        /// Random seed: the same as --set run.seed=N given last
        #[arg(long, allow_negative_numbers = true, value_parser = parse_seed)]
        seed: Option<u64>,
        /// Output directory [default: results/<run.name>]
        #[arg(long)]
        out: Option<PathBuf>,
        /// Engine: auto (a GPU adapter when there is one, with the cruise on the CPU on a
        /// software adapter), gpu, or cpu (the f64 CPU reference)
        #[arg(long, value_enum, default_value = "auto")]
        backend: BackendChoice,
        /// Arithmetic on the GPU: auto (f64 where the adapter has it), f64, or f32 (the
        /// reentry only)
        #[arg(long, value_enum, default_value = "auto")]
        precision: PrecisionChoice,
        /// Override a config value: --set integrator.rtol=1e-7 (repeatable)
        #[arg(long = "set", value_name = "DOTTED.KEY=VALUE")]
        sets: Vec<String>,
        /// One sample with every dispersion at its nominal value, and with no random part: no
        /// density or wind perturbation (reentry), no thrust noise or safe-mode outages
        /// (cruise)
        #[arg(long)]
        nominal: bool,
        /// Replace an existing output directory that dispersa wrote (never one it did not)
        #[arg(long)]
        force: bool,
        /// No progress bar and no summary on stdout (the notes, and how many samples failed, still go to stderr)
        #[arg(long)]
        quiet: bool,
        /// Continue the interrupted run to the same --out (same config, --set, --seed,
        /// --samples and --shard), computing only the samples it had not finished
        #[arg(long)]
        resume: bool,
        /// Compute only shard K of N (K = 0..N-1): the contiguous block of sample indices
        /// K*S/N .. (K+1)*S/N, written to OUT/shard=K; join the shards with `dispersa merge OUT`
        #[arg(long, value_name = "K/N", value_parser = parse_shard)]
        shard: Option<(u64, u64)>,
    },
    /// Statistics of a sharded run over all its shards: checks that every shard 0..N-1 is
    /// there, finished, of the same run and unaltered, then writes OUT/_summary.parquet and
    /// OUT/_sensitivity.parquet, equal to those of the same run unsharded.
    Merge {
        /// The --out of the `dispersa run --shard K/N` runs
        out: PathBuf,
        /// No summary on stdout (the notes, and how many samples failed, still go to stderr)
        #[arg(long)]
        quiet: bool,
    },
    /// Entry corridor: skip-out and limit-exceedance probabilities against the flight path angle.
    Corridor {
        /// Reentry config (TOML)
        config: PathBuf,
        /// Angles START:STOP:STEP in degrees, e.g. -14:-6:0.25
        #[arg(long = "fpa-deg", allow_hyphen_values = true)]
        fpa_deg: String,
        /// Dispersed samples at each angle
        #[arg(long, default_value_t = 500, allow_negative_numbers = true, value_parser = parse_samples)]
        samples_per_point: u64,
        /// Acceptable probability of skip-out, and of exceeding a limit of [events] (g, heat flux, and dynamic pressure where given)
        #[arg(long, default_value_t = 0.00135, allow_negative_numbers = true, value_parser = parse_probability)]
        risk: f64,
        /// Output directory [default: results/<run.name>_corridor]
        #[arg(long)]
        out: Option<PathBuf>,
        /// Engine, as for `dispersa run`
        #[arg(long, value_enum, default_value = "auto")]
        backend: BackendChoice,
        /// Arithmetic on the GPU, as for `dispersa run`
        #[arg(long, value_enum, default_value = "auto")]
        precision: PrecisionChoice,
        /// Override a config value: --set events.g_limit=50 (repeatable)
        #[arg(long = "set", value_name = "DOTTED.KEY=VALUE")]
        sets: Vec<String>,
        /// Replace an existing output directory that dispersa wrote (never one it did not)
        #[arg(long)]
        force: bool,
        /// No progress bar and no table on stdout (the notes still go to stderr)
        #[arg(long)]
        quiet: bool,
    },
    /// Aim a reentry config: move the aim (the entry latitude and longitude in state mode, the
    /// B-plane point B.T, B.R in bplane mode) until the undispersed trajectory lands within
    /// 10 m of landing.target_lat_deg / target_lon_deg, and print the config lines to use (CPU
    /// reference, f64).
    Target {
        /// Reentry config (TOML) with a [landing] target
        config: PathBuf,
        /// Override a config value: --set events.g_limit=50 (repeatable)
        #[arg(long = "set", value_name = "DOTTED.KEY=VALUE")]
        sets: Vec<String>,
        /// Also write a copy of CONFIG with the aim set in its [entry] table and the --set
        /// overrides in theirs (comments and everything else kept), once the aim converges
        #[arg(long, value_name = "FILE")]
        write: Option<PathBuf>,
        /// Replace an existing --write FILE (CONFIG itself included)
        #[arg(long)]
        force: bool,
    },
    /// Figures of a finished run or corridor: report.html (self-contained) plus each figure as
    /// SVG and PNG, written to RUN_DIR/report (a merged shard dataset's: OUT/_report).
    Report {
        /// Directory written by `dispersa run` or `dispersa corridor`, or a merged shard dataset
        run_dir: PathBuf,
        /// Output directory [default: RUN_DIR/report, replaced if it holds a report]
        #[arg(long)]
        out: Option<PathBuf>,
        /// Samples flown again on the f64 CPU reference beside the nominal, at most 12 (the
        /// figures' legends name each): a reentry's flight profile and entry pulse, a
        /// cruise's heliocentric and comet-distance figures, and their time histories in
        /// trajectories.parquet. 0 leaves them out, the nominal's included [default: 4]
        #[arg(long, allow_negative_numbers = true, value_parser = parse_trajectories)]
        trajectories: Option<usize>,
        /// These samples flown again instead of the first ones, by their `sample` index in
        /// samples.parquet, comma-separated (at most 12): e.g. the run's worst cases, found in
        /// a notebook. A failed one is noted and left out
        #[arg(long, allow_negative_numbers = true, value_parser = parse_sample_list, conflicts_with = "trajectories")]
        samples: Option<SampleList>,
        /// Replace a non-empty --out directory that dispersa wrote (an earlier report is
        /// replaced without it; a directory dispersa did not write never is)
        #[arg(long)]
        force: bool,
    },
    /// List the GPU adapters wgpu can see, with backend, driver and f64 support.
    Adapters,
    /// Trajectories per second on the shipped configs (or one), for each backend and precision.
    Bench {
        /// Config to benchmark [default: both shipped configs, reentry and cruise]
        #[arg(long)]
        config: Option<PathBuf>,
        /// Samples per measurement [default: 4000 reentry, 500 cruise; 2000 with --config]
        #[arg(long)]
        samples: Option<u64>,
        /// Measurements per engine (the median is reported)
        #[arg(long, default_value_t = 3, value_parser = parse_count)]
        repeats: usize,
        /// Engines to measure: auto (the GPU in f64 and f32, and the CPU reference), gpu (the
        /// GPU's precisions only) or cpu
        #[arg(long, value_enum, default_value = "auto")]
        backend: BackendChoice,
    },
    /// Operation throughput on the GPU adapter (fma, sqrt, divide, look-ups, exp, a model
    /// step; f32 and f64; a workgroup-size sweep): where a kernel's time can go.
    Microbench {
        /// Invocations per dispatch
        #[arg(long, default_value_t = 65_536, value_parser = clap::value_parser!(u32).range(1..))]
        lanes: u32,
        /// Interleaved rounds (the median is reported)
        #[arg(long, default_value_t = 5, value_parser = parse_count)]
        repeats: usize,
        /// Length of one timed dispatch in milliseconds
        #[arg(long, default_value_t = 60.0, value_parser = parse_positive_ms)]
        target_ms: f64,
    },
}

/// Run the CLI; returns the process exit code.
pub fn main_with(cli: Cli) -> i32 {
    match cli.command {
        Command::Run {
            config,
            samples,
            seed,
            out,
            backend,
            precision,
            sets,
            nominal,
            force,
            quiet,
            resume,
            shard,
        } => {
            let opts = RunOptions {
                config,
                samples,
                seed,
                out,
                backend,
                precision,
                sets,
                nominal,
                force,
                quiet,
                resume,
                shard,
            };
            match run(&opts) {
                Ok(report) => {
                    if !quiet {
                        print_report(&report);
                    } else {
                        let files =
                            crate::output::parts::sample_files(&report.out_dir).unwrap_or_default();
                        quiet_outcome(
                            &report.status_counts,
                            &report.summary,
                            &files,
                            report.samples,
                            &report.samples_at,
                            &report.notes,
                        );
                    }
                    if report.all_failed() {
                        // The outputs are written (they hold every sample's inputs), but a run
                        // with nothing to summarise is no success.
                        // The statistics' files are written too, with no values (a cruise
                        // analyst's trial read "nothing to summarise" as none written).
                        let what = if report.samples == 1 {
                            "the one sample failed".to_string()
                        } else {
                            format!("every one of the {} samples failed", report.samples)
                        };
                        // The status counts are there, and a probability the failures settle
                        // (bplane mode's prob_no_capture: a review).
                        eprintln!(
                            "dispersa: error: {what}: summary.parquet holds the status counts \
                             but no metric or footprint values; the inputs, and why each \
                             failed (the failure_reason column), are in {}",
                            report.samples_at.display()
                        );
                        return 1;
                    }
                    0
                }
                // `--resume` of a run this job finished: said, and no failure.
                Err(e) if e.exit_code() == 0 => {
                    // A note, as the README's levels say (a log filter on them missed it).
                    eprintln!("dispersa: note: {e}");
                    0
                }
                Err(e) => {
                    eprintln!("dispersa: error: {e}");
                    // A runtime failure (a full disk, a lost GPU) after the run's directory
                    // was made: where its closed parts are, and that --resume goes on.
                    // Not where the error gives that advice itself (an engine's failure names
                    // the chunk and --resume: a review found the two contradicting at chunk 0).
                    if e.exit_code() == 1 && !e.to_string().contains("--resume") {
                        if let Some(hint) = crate::interrupt::hint() {
                            eprintln!("dispersa: note: {hint}");
                        }
                    }
                    e.exit_code()
                }
            }
        }
        Command::Merge { out, quiet } => match crate::merge::merge(&out) {
            Ok(m) => {
                if !quiet {
                    say!(
                        "merged {} shards of {} samples: wrote {} and {}",
                        m.shards,
                        m.samples,
                        m.out.join("_summary.parquet").display(),
                        m.out.join("_sensitivity.parquet").display()
                    );
                    // The notes the shards' runs printed before they flew, as their files keep
                    // them (a fuzzing trial found an RK4 note in _summary.parquet alone).
                    let md = m
                        .files
                        .first()
                        .and_then(|f| crate::output::file_metadata(f).ok())
                        .unwrap_or_default();
                    let kept = crate::output::meta_value(&md, "dispersa.run_notes");
                    for note in kept.iter().flat_map(|n| n.lines()) {
                        say!("note: {note}");
                    }
                    // The first failure's reason, as a run gives it (the merge gave the count
                    // alone: a batch user's trial).
                    let back = read_back(
                        &m.statistics.status_counts,
                        &m.statistics.summary,
                        &m.files,
                        true,
                    );
                    let first = back.first_failed_line(&m.out);
                    print_statistics(&m.statistics.status_counts, &m.statistics.summary, first);
                    print_missed(back.missed, &m.statistics.summary);
                    print_late_mains(back.mains);
                    for note in &m.statistics.notes {
                        say!("  note: {note}");
                    }
                } else {
                    quiet_outcome(
                        &m.statistics.status_counts,
                        &m.statistics.summary,
                        &m.files,
                        m.samples,
                        &m.out,
                        &m.statistics.notes,
                    );
                }
                0
            }
            Err(e) => {
                eprintln!("dispersa: error: {e}");
                e.exit_code()
            }
        },
        Command::Corridor {
            config,
            fpa_deg,
            samples_per_point,
            risk,
            out,
            backend,
            precision,
            sets,
            force,
            quiet,
        } => {
            let opts = crate::corridor::CorridorOptions {
                config,
                fpa_deg,
                samples_per_point,
                risk,
                out,
                backend,
                precision,
                sets,
                force,
                quiet,
            };
            match crate::corridor::corridor(&opts) {
                Ok((c, dir)) => {
                    if !quiet {
                        print_corridor(&c, &dir, risk);
                    } else {
                        // The outcome, as the README's --quiet says: the boundaries and the
                        // width too (a batch user's stderr held no corridor: a trial).
                        for note in corridor_outcome(&c, risk).into_iter().chain(c.notes(risk)) {
                            eprintln!("dispersa: note: {note}");
                        }
                    }
                    0
                }
                Err(e) => {
                    eprintln!("dispersa: error: {e}");
                    e.exit_code()
                }
            }
        }
        Command::Report {
            run_dir,
            out,
            trajectories,
            samples,
            force,
        } => {
            let opts = crate::report::ReportOptions {
                run_dir,
                out,
                trajectories,
                samples: samples.map(|l| l.0).unwrap_or_default(),
                force,
            };
            match crate::report::report(&opts) {
                Ok(r) => {
                    for n in &r.notes {
                        eprintln!("dispersa: note: {n}");
                    }
                    say!(
                        "wrote {} ({} figures: {}){}",
                        r.dir.join("report.html").display(),
                        r.figures.len(),
                        r.figures.join(", "),
                        if r.tables.is_empty() {
                            String::new()
                        } else {
                            format!(", and {} there", r.tables.join(", "))
                        }
                    );
                    0
                }
                Err(e) => {
                    eprintln!("dispersa: error: {e}");
                    e.exit_code()
                }
            }
        }
        Command::Target {
            config,
            sets,
            write,
            force,
        } => {
            if let Some(out) = &write {
                // Refused before anything flies: a FILE that may not be written, or a config
                // whose form the edit cannot rewrite (tried with a stand-in aim, both modes'
                // keys).
                let form = std::fs::read_to_string(&config)
                    .map_err(|e| e.to_string())
                    .and_then(|text| {
                        [["latitude_deg", "longitude_deg"], ["b_t_km", "b_r_km"]]
                            .into_iter()
                            .try_for_each(|keys| {
                                crate::target::aimed_config(&text, keys, [0.0; 2], &sets)
                                    .map(|_| ())
                            })
                    });
                if let Err(why) = writable_aim(out, force).and(form) {
                    eprintln!("dispersa: error: --write {}: {why}", out.display());
                    return 2;
                }
            }
            // Each pass printed as it is flown (a failed aim printed none of its passes, a new
            // user's trial).
            let mut on_pass = |k: usize, p: &crate::target::Pass, keys: [&str; 2]| {
                say!(
                    "pass {k}: {} = {:.6}, {} = {:.6} -> lands {:.3} km east, {:.3} km north of the target ({:.1} m)",
                    keys[0],
                    p.aim[0],
                    keys[1],
                    p.aim[1],
                    p.miss_east_km,
                    p.miss_north_km,
                    p.miss_m()
                );
            };
            match crate::target::aim_with(&config, &sets, &mut on_pass) {
                Ok(crate::target::Aimed {
                    keys,
                    passes,
                    notes,
                    nominal,
                    skip_margin,
                }) => {
                    let last = passes.last().expect("at least one pass");
                    say!(
                    "aimed: the nominal lands {:.1} m from the target. In [entry]:\n{} = {:.6}\n{} = {:.6}",
                    last.miss_m(),
                    keys[0],
                    last.aim[0],
                    keys[1],
                    last.aim[1]
                );
                    let [lat, lon, v, fpa, az] = nominal.entry;
                    let ns = if lat < 0.0 { 'S' } else { 'N' };
                    let ew = if lon < 0.0 { 'W' } else { 'E' };
                    say!(
                    "the aimed nominal: entry at {:.4} {ns}, {:.4} {ew}, {v:.4} km/s inertial, \
                     flight path angle {fpa:.4} deg (inertial, from the geocentric horizon), \
                     azimuth {az:.3} deg; peak {:.2} g, peak heat flux {:.1} W/cm^2, peak dynamic \
                     pressure {:.1} kPa",
                    lat.abs(),
                    lon.abs(),
                    nominal.peak_g,
                    nominal.peak_heat_flux_w_cm2,
                    nominal.peak_dynamic_pressure_pa / 1000.0
                );
                    for w in &nominal.warnings {
                        eprintln!("dispersa: warning: {w}");
                    }
                    print_skip_margin(&skip_margin);
                    for note in notes {
                        eprintln!("dispersa: note: {note}");
                    }
                    match &write {
                        Some(out) => match write_aim(&config, out, keys, last.aim, &sets, force) {
                            Ok(()) => {
                                say!(
                                    "wrote {} (the aim set in [entry]{})",
                                    out.display(),
                                    if sets.is_empty() {
                                        ""
                                    } else {
                                        ", and the --set overrides it flew with"
                                    }
                                );
                                0
                            }
                            Err((code, why)) => {
                                eprintln!("dispersa: error: --write {}: {why}", out.display());
                                code
                            }
                        },
                        None => 0,
                    }
                }
                Err(e) => {
                    eprintln!("dispersa: error: {e}");
                    e.exit_code()
                }
            }
        }
        Command::Adapters => {
            let adapters = gpu::list_adapters();
            if adapters.is_empty() {
                say!("no GPU adapters found (install a Vulkan driver, e.g. Debian's mesa-vulkan-drivers); `dispersa run` will use the CPU backend");
            }
            for a in adapters {
                say!(
                    "{}\n  backend: {}  type: {}  driver: {}  SHADER_F64: {}",
                    a.name,
                    a.backend,
                    a.device_type,
                    a.driver,
                    if a.shader_f64 { "yes" } else { "no" }
                );
            }
            0
        }
        Command::Bench {
            config,
            samples,
            repeats,
            backend,
        } => match crate::bench::bench_all(config.as_deref(), samples, repeats, backend) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("dispersa: error: {e}");
                e.exit_code()
            }
        },
        Command::Microbench {
            lanes,
            repeats,
            target_ms,
        } => {
            let opts = gpu::MicrobenchOptions {
                lanes,
                repeats,
                target_ms,
            };
            let ctx = match gpu::GpuContext::new() {
                Ok(ctx) => ctx,
                Err(e) => {
                    eprintln!("dispersa: error: {e}");
                    return 1;
                }
            };
            let most = gpu::max_lanes(&ctx);
            if u64::from(opts.lanes) > most {
                eprintln!(
                    "dispersa: error: --lanes {}: this adapter takes at most {most} (its dispatch and \
                     storage-binding limits)",
                    opts.lanes
                );
                return 2;
            }
            match gpu::microbench(&ctx, &opts) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("dispersa: error: {e}");
                    1
                }
            }
        }
    }
}

/// Whether `target --write` may write `out`: its directory exists, and it does not unless
/// `force` (checked before the aim flies, so that a refusal costs nothing and writes nothing).
fn writable_aim(out: &std::path::Path, force: bool) -> Result<(), String> {
    let parent = dir_of(out);
    if !parent.is_dir() {
        return Err(format!("its directory {} does not exist", parent.display()));
    }
    if out.is_dir() {
        return Err("is a directory".into());
    }
    if out.exists() && !force {
        return Err("exists; pass --force to replace it".into());
    }
    // A directory the file cannot be created in (read-only, not ours) fails here, before the
    // flights, not after them with exit 1 (an entry analyst's trial). The directory is the one
    // the file goes to, a link's target's (a review).
    // The probe is the temporary file `write_aim` writes there.
    let to = through_links(out);
    let probe = partial_of(&to);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(|e| format!("cannot be written in {}: {e}", dir_of(&to).display()))?;
    let _ = std::fs::remove_file(&probe);
    Ok(())
}

/// The directory `path` is in ("." for a bare file name).
fn dir_of(path: &std::path::Path) -> &std::path::Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => std::path::Path::new("."),
    }
}

/// The temporary file beside `to` that `target --write` writes before putting it in place.
fn partial_of(to: &std::path::Path) -> std::path::PathBuf {
    let name = to
        .file_name()
        .map_or("aimed".into(), |n| n.to_string_lossy().to_string());
    to.with_file_name(format!(".{name}.partial-{}", std::process::id()))
}

/// `out` with its links followed (dangling too, 40 at most): where a file written there goes.
fn through_links(out: &std::path::Path) -> std::path::PathBuf {
    let mut out = out.to_path_buf();
    for _ in 0..40 {
        match std::fs::read_link(&out) {
            Ok(to) => out = out.parent().map_or(to.clone(), |p| p.join(&to)),
            Err(_) => break,
        }
    }
    out
}

/// Write `config`'s text with the aim and the overrides set ([`crate::target::aimed_config`])
/// to `out`, through a temporary file of its own beside it (created new, synced), put in
/// place by a link that fails if `out` appeared meanwhile, or, with `force`, by a rename. A
/// link at `out` is followed (dangling too): its file is written, the link kept; a replaced
/// file keeps its permissions. Err: the exit code (2 where the config's form leaves the aim
/// unwritable or `out` appeared during the flight, 1 for the file system) and why.
fn write_aim(
    config: &std::path::Path,
    out: &std::path::Path,
    keys: [&str; 2],
    aim: [f64; 2],
    sets: &[String],
    force: bool,
) -> Result<(), (i32, String)> {
    use std::io::Write;
    let text = std::fs::read_to_string(config)
        .map_err(|e| (1, format!("reading {}: {e}", config.display())))?;
    let aimed = crate::target::aimed_config(&text, keys, aim, sets).map_err(|why| (2, why))?;
    let out = through_links(out);
    let tmp = partial_of(&out);
    let kept = std::fs::metadata(&out).ok().map(|m| m.permissions());
    let io = |e: std::io::Error| (1, format!("writing: {e}"));
    let written = (|| {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        f.write_all(aimed.as_bytes())?;
        f.sync_all()?;
        if let Some(p) = kept {
            std::fs::set_permissions(&tmp, p)?;
        }
        Ok(())
    })();
    let placed = written.and_then(|()| {
        if force {
            return std::fs::rename(&tmp, &out);
        }
        match std::fs::hard_link(&tmp, &out) {
            // A file system without links: checked, then renamed.
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists && !out.exists() => {
                std::fs::rename(&tmp, &out)
            }
            other => other,
        }
    });
    let _ = std::fs::remove_file(&tmp);
    placed.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            (
                2,
                "appeared while the aim flew; pass --force to replace it".into(),
            )
        } else {
            io(e)
        }
    })
}

/// A seed: a whole number from 0 to 2^63 - 1, which `run.seed` can hold (a TOML integer).
fn parse_seed(s: &str) -> Result<u64, String> {
    match s.trim().parse::<i64>() {
        Ok(n) if n >= 0 => Ok(n as u64),
        _ => Err(format!(
            "{s:?} is not a whole number from 0 to {} (as run.seed)",
            i64::MAX
        )),
    }
}

/// A sample count: a whole number of at least 1.
fn parse_samples(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{s:?} is not a whole number of at least 1")),
    }
}

/// A probability strictly between 0 and 1.
fn parse_probability(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(p) if p > 0.0 && p < 1.0 => Ok(p),
        _ => Err(format!(
            "{s:?} is not a probability strictly between 0 and 1"
        )),
    }
}

/// The report's flights flown again: 0 to [`crate::report::MAX_TRAJECTORIES`].
fn parse_trajectories(s: &str) -> Result<usize, String> {
    let max = crate::report::MAX_TRAJECTORIES;
    match s.trim().parse::<usize>() {
        Ok(n) if n <= max => Ok(n),
        _ => Err(format!(
            "{s:?} is not a whole number from 0 to {max} (the figures' legends name each flight)"
        )),
    }
}

/// The report's `--samples`: 1 to [`crate::report::MAX_TRAJECTORIES`] distinct sample indices,
/// comma-separated.
fn parse_sample_list(s: &str) -> Result<SampleList, String> {
    let max = crate::report::MAX_TRAJECTORIES;
    let mut out: Vec<u64> = Vec::new();
    for item in s.split(',') {
        let id: u64 = item.trim().parse().map_err(|_| {
            format!("{item:?} is not a sample index (a whole number from 0, as samples.parquet's `sample` column holds)")
        })?;
        if out.contains(&id) {
            return Err(format!("sample {id} is given twice"));
        }
        out.push(id);
    }
    if out.len() > max {
        return Err(format!(
            "{} samples given; at most {max} (the figures' legends name each flight)",
            out.len()
        ));
    }
    Ok(SampleList(out))
}

/// `--samples`' list, one value to clap (a `Vec` would be read as repeated values).
#[derive(Debug, Clone)]
pub struct SampleList(pub Vec<u64>);

/// A count of at least 1 (a median of no measurements is no measurement).
fn parse_count(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{s:?} is not a whole number of at least 1")),
    }
}

/// A finite duration above zero, in milliseconds.
fn parse_positive_ms(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(format!("{s:?} is not a duration above 0 ms")),
    }
}

/// `--shard K/N` as (K, N).
fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let bad = || format!("{s:?} is not K/N (two whole numbers, e.g. 0/4)");
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    Ok((
        k.trim().parse().map_err(|_| bad())?,
        n.trim().parse().map_err(|_| bad())?,
    ))
}

/// What `--quiet` still says, on stderr: how many samples failed, with the first one's reason,
/// and the notes on the outcome (timeouts, a footprint the ellipse does not describe). A run
/// with 12 % of its samples failed exited 0 with nothing said (an entry analyst's trial), and
/// one whose flights all timed out, or a merge of failed shards, did too (a review). Every
/// sample failed is said anyway, as an error.
fn quiet_outcome(
    status_counts: &[(String, u64)],
    summary: &[crate::output::SummaryRow],
    files: &[std::path::PathBuf],
    samples: u64,
    samples_at: &std::path::Path,
    notes: &[String],
) {
    let failed = status_count(status_counts, "failed");
    if failed > 0 && failed < samples {
        let first = read_back(status_counts, summary, files, true)
            .first
            .map_or(String::new(), |(k, why)| {
                format!(" (the first, sample {k}: {why})")
            });
        eprintln!(
            "dispersa: note: {failed} of the {samples} samples failed{first}; the statistics are \
             of the rest, and failure_reason in {} says why each failed",
            samples_at.display()
        );
    }
    for note in notes {
        eprintln!("dispersa: note: {note}");
    }
}

fn print_report(r: &RunReport) {
    let resumed = if r.resumed > 0 {
        format!(", {} of them finished before --resume", r.resumed)
    } else {
        String::new()
    };
    // A resume with nothing left to fly has no rate to give (it read "0 samples/s").
    let rate = if r.samples > r.resumed {
        format!(
            "{:.0} samples/s",
            (r.samples - r.resumed) as f64 / r.seconds
        )
    } else {
        "nothing left to fly".to_string()
    };
    say!(
        "wrote {} ({} sample{}{resumed} in {:.1} s, {rate}; {} {} [{}], {})",
        r.out_dir.display(),
        r.samples,
        if r.samples == 1 { "" } else { "s" },
        r.seconds,
        r.engine.backend,
        r.engine.adapter,
        r.engine.adapter_backend,
        r.engine.precision.name()
    );
    if let Some(all) = &r.engines_joined {
        say!("the run's samples were computed by: {all} (its files name them all)");
    }
    let back = crate::output::parts::sample_files(&r.out_dir)
        .map(|files| read_back(&r.status_counts, &r.summary, &files, true))
        .unwrap_or_default();
    let first = back.first_failed_line(&r.samples_at);
    print_statistics(&r.status_counts, &r.summary, first);
    print_missed(back.missed, &r.summary);
    print_late_mains(back.mains);
    for note in &r.notes {
        say!("  note: {note}");
    }
    match r.out_dir.parent() {
        // Nothing to draw: the caller says so.
        _ if r.all_failed() => {}
        Some(dataset) if r.samples_at == r.out_dir => say!(
            "this shard's statistics: {}; all shards': dispersa merge {}",
            r.out_dir.join("_summary.parquet").display(),
            dataset.display()
        ),
        _ => say!("figures: dispersa report {}", r.out_dir.display()),
    }
}

/// An aim's margin to the skip-out edge, and a warning where the dispersion along it alone
/// carries more than 0.135 % of the samples past it (an aim at 60 N on the shipped asymptote
/// converged 4.1 km inside the edge, 1.9 sigma: 2.7 % from B alone, and 4 % of a run with every
/// dispersion skipped out).
fn print_skip_margin(m: &crate::target::SkipMargin) {
    use crate::target::MarginAxis;
    // B is located to 10 m, the angle to 0.001 deg.
    let (decimals, dispersed) = match m.axis {
        MarginAxis::B => (2, "the dispersed B along |B| at this angle"),
        MarginAxis::FlightPathAngle => (3, "the dispersed flight path angle"),
    };
    let unit = m.axis.unit();
    if m.gap.is_infinite() {
        match m.axis {
            MarginAxis::B => say!(
                "the nominal still lands with |B| {:.0} km beyond the aim at this angle: no \
                 skip-out edge within that reach",
                m.reach
            ),
            MarginAxis::FlightPathAngle => say!(
                "the nominal still lands with the entry flight path angle up to {:.2} deg \
                 shallower: no skip-out edge within that reach",
                m.reach
            ),
        }
        return;
    }
    let sigmas = m.sigma.map_or(String::new(), |s| {
        let centre = if m.drawn_off_the_aim() {
            format!(", drawn about {:+.decimals$} {unit} from the aim", m.offset)
        } else {
            String::new()
        };
        format!(
            " ({:.1} sigma of {dispersed}, {s:.decimals$} {unit}{centre})",
            (m.gap - m.offset) / s
        )
    });
    match m.axis {
        MarginAxis::B => say!(
            "the aim lies {:.2} km inside the edge in |B| beyond which the nominal no longer \
             lands ({}){sigmas}",
            m.gap,
            m.beyond
        ),
        MarginAxis::FlightPathAngle => say!(
            "the entry lies {:.3} deg of flight path angle inside the edge beyond which, \
             shallower, the nominal no longer lands ({}){sigmas}",
            m.gap,
            m.beyond
        ),
    }
    if let Some(p) = m.share_beyond().filter(|&p| p > 0.00135) {
        let what = match m.axis {
            MarginAxis::B => "deliveries pass that edge from B's dispersion",
            MarginAxis::FlightPathAngle => "samples pass that edge from the angle's dispersion",
        };
        eprintln!(
            "dispersa: warning: about {} % of {what} alone (normal, one-sided; the other \
             dispersions move the edge too): a dispersed run of this aim will have samples that \
             do not land",
            crate::report::percent(100.0 * p, 1)
        );
    }
}

/// The count of status `name` in a run's (status, count) list; 0 where it is absent.
fn status_count(counts: &[(String, u64)], name: &str) -> u64 {
    counts
        .iter()
        .find(|(n, _)| n == name)
        .map_or(0, |(_, c)| *c)
}

/// What a run's (or a merge's) summary needs from its samples beyond the statistics, read back
/// in one pass over the sample files, the columns it needs alone (whole columns cost 40 bytes a
/// sample, 400 MB at 10 million, a review), and none where nothing is asked.
#[derive(Default)]
struct ReadBack {
    /// The first failed sample and its `failure_reason` (the counts alone said "failed 9", a
    /// review of the cruise's trial cap).
    first: Option<(i64, String)>,
    /// Failed samples whose delivery missed the interface (B-plane mode).
    missed: u64,
    /// With a main canopy: (landings less than the main's settling time, layout QS_SETTLE_S,
    /// after it opened; landings under the main; landings under the drogue alone). A main
    /// triggered 7 m above the terrain touched down at 6.7 m/s, where the drogue's descent
    /// arrives at ~35 m/s, and a 50 s main delay landed 30 of 64 before their main, with
    /// nothing said (an entry analyst's and a fuzzing trial).
    mains: Option<(u64, u64, u64)>,
}

impl ReadBack {
    /// The summary's line under the counts that names the first failed sample and its reason,
    /// with where the reasons are (`at`): a run's or a merged dataset's samples.
    fn first_failed_line(&self, at: &std::path::Path) -> Option<String> {
        self.first.as_ref().map(|(k, why)| {
            format!(
                "  first failed: sample {k}: {why} (failure_reason in {})",
                at.display()
            )
        })
    }
}

/// The [`ReadBack`] of the sample files `files` (a run's own, a shard's parts, or a merge's
/// shards'): the failures where `failures` and any sample failed, the mains where one opened.
fn read_back(
    status_counts: &[(String, u64)],
    summary: &[crate::output::SummaryRow],
    files: &[std::path::PathBuf],
    failures: bool,
) -> ReadBack {
    use crate::scenario::reentry::{MISSED_INTERFACE, QS_SETTLE_S};
    use arrow_array::{Array, Float64Array, Int64Array, StringArray};
    let mut out = ReadBack::default();
    let failures = failures && status_count(status_counts, "failed") > 0;
    let mains = summary
        .iter()
        .any(|row| row.metric == "main_time_s" && row.count > 0);
    let mut cols = Vec::new();
    if failures {
        cols.extend(["sample", "failure_reason"]);
    }
    if mains {
        cols.extend(["main_time_s", "time_of_flight_s", "drogue_time_s"]);
    }
    if cols.is_empty() {
        return out;
    }
    let missed_reason = crate::scenario::unphysical_input(MISSED_INTERFACE);
    let (mut late, mut under_main, mut drogue_only) = (0, 0, 0);
    let read = crate::output::for_each_batch(files, &cols, |b| {
        let sample = b
            .column_by_name("sample")
            .and_then(|c| c.as_any().downcast_ref::<Int64Array>());
        let why = b
            .column_by_name("failure_reason")
            .and_then(|c| c.as_any().downcast_ref::<StringArray>());
        if let (Some(sample), Some(why)) = (sample, why) {
            for k in (0..why.len()).filter(|&k| why.is_valid(k)) {
                if out.first.is_none() {
                    out.first = Some((sample.value(k), why.value(k).to_string()));
                }
                out.missed += (why.value(k) == missed_reason) as u64;
            }
        }
        let f64s = |n: &str| {
            b.column_by_name(n)
                .and_then(|c| c.as_any().downcast_ref::<Float64Array>())
        };
        let (main, tof, drogue) = (
            f64s("main_time_s"),
            f64s("time_of_flight_s"),
            f64s("drogue_time_s"),
        );
        if let (Some(main), Some(tof), Some(drogue)) = (main, tof, drogue) {
            for k in (0..main.len()).filter(|&k| tof.is_valid(k)) {
                if main.is_valid(k) {
                    under_main += 1;
                    late += (tof.value(k) - main.value(k) < QS_SETTLE_S) as u64;
                } else {
                    drogue_only += drogue.is_valid(k) as u64;
                }
            }
        }
        Ok(std::ops::ControlFlow::Continue(()))
    });
    if mains && read.is_ok() && (late > 0 || drogue_only > 0) {
        out.mains = Some((late, under_main, drogue_only));
    }
    out
}

/// Deliveries that never reach the atmosphere are failed (no flight to propagate), so they are
/// in no probability; said, with what P(skip-out) would be counting them (an entry analyst's
/// trial: 39 % of a wide delivery missed, beside a P(skip-out) of 5.8 %). By a run and by a
/// merge (whose summary left it out: a cluster user's trial).
fn print_missed(missed: u64, summary: &[crate::output::SummaryRow]) {
    if missed == 0 {
        return;
    }
    let p = summary
        .iter()
        .find(|row| row.metric == "prob_no_capture")
        .and_then(|row| row.mean)
        .unwrap_or(f64::NAN);
    say!(
        "  note: {missed} of the failed samples are deliveries whose hyperbola passes above the \
         entry interface: never captured, they are in no other probability; counted with the \
         skip-outs, P(no capture) is {p:.5} (prob_no_capture)"
    );
}

/// The notes of [`ReadBack::mains`].
fn print_late_mains(mains: Option<(u64, u64, u64)>) {
    let Some((late, under_main, drogue_only)) = mains else {
        return;
    };
    if late > 0 {
        say!(
            "  note: {late} of the {under_main} landings under the main touched down less than \
             {:.0} s after it opened: the canopies open to full area at once, with no inflation \
             time, so their touchdown_speed_m_s may read low",
            crate::scenario::reentry::QS_SETTLE_S
        );
    }
    if drogue_only > 0 {
        say!(
            "  note: {drogue_only} landings came under the drogue alone, before their main opened \
             (main_delay_s, or a trigger near the terrain), beside {under_main} under the main: \
             their touchdown_speed_m_s is the drogue's"
        );
    }
}

/// A probability's range over every flight that did not fail, where the time limit left some
/// flights' outcome open (summary.parquet's `min` and `max` of its row); nothing where none is.
fn open_bounds(row: &crate::output::SummaryRow) -> String {
    match (row.min, row.max) {
        (Some(lo), Some(hi)) if hi > lo => {
            format!("; {lo:.5} .. {hi:.5} whatever the flights the time limit left open would do")
        }
        _ => String::new(),
    }
}

/// The status counts (then `first_failed`, a line naming the first failed sample, if given) and
/// each metric's percentiles.
fn print_statistics(
    status_counts: &[(String, u64)],
    summary: &[crate::output::SummaryRow],
    first_failed: Option<String>,
) {
    let counts: Vec<String> = status_counts
        .iter()
        .filter(|(name, _)| name != "running")
        .map(|(name, c)| format!("{name} {c}"))
        .collect();
    say!("status: {}", counts.join(", "));
    if let Some(line) = first_failed {
        say!("{line}");
    }
    // The statistics below are of the others (a run's and a merge's alike): a cap or a model
    // that fails some flights biases them (a cap of trial steps fails the longest first).
    let total: u64 = status_counts.iter().map(|(_, c)| c).sum();
    let failed = status_count(status_counts, "failed");
    if failed > 0 && failed < total {
        let but = if summary.iter().any(|r| r.metric == "prob_no_capture") {
            " (but prob_no_capture, for the deliveries never captured)"
        } else {
            ""
        };
        say!(
            "  the statistics below are of the {} samples that did not fail: the {failed} \
             failed ones are in no percentile and no probability{but}",
            total - failed
        );
    }
    // The names' column as wide as the longest name (`main_open_dynamic_pressure_pa` and the
    // footprint's rows broke the alignment at 28: a config author's trial).
    let w = summary
        .iter()
        .map(|r| r.metric.len())
        .max()
        .unwrap_or(0)
        .max(28);
    let (mut short, mut bounded) = (0, 0);
    for row in summary {
        if row.metric.starts_with("footprint") {
            if let Some(m) = row.mean {
                match (row.ci_low, row.ci_high) {
                    (Some(lo), Some(hi)) => say!(
                        "  {:<w$} {:.4} {} (95% CI {:.4} .. {:.4})",
                        row.metric,
                        m,
                        row.unit,
                        lo,
                        hi
                    ),
                    _ => say!("  {:<w$} {:.3} {}", row.metric, m, row.unit),
                }
            }
            continue;
        }
        match (row.p50, row.ci_low) {
            (Some(p50), _) => {
                // Four decimals, without the sign of a value that rounds to zero (an exhausted
                // sample's margin, -1.8e-7 kg, printed "-0.0000").
                let f4 = |x: f64| {
                    let t = format!("{x:.4}");
                    if t == "-0.0000" {
                        "0.0000".to_string()
                    } else {
                        t
                    }
                };
                // One value (a --nominal run's flight): no spread to print (it printed the value
                // three times as a range, and a note on tolerance bounds: an entry analyst's
                // trial).
                let date = crate::physics::epoch::date_from_mjd;
                let epoch = crate::physics::epoch::is_epoch_unit(&row.unit);
                if row.count == 1 {
                    let on = if epoch {
                        format!(": {}", date(p50))
                    } else {
                        String::new()
                    };
                    say!("  {:<w$} {:>16} {}{on}", row.metric, f4(p50), row.unit);
                    continue;
                }
                let tol = match (row.tolerance_lower, row.tolerance_upper) {
                    (Some(lo), Some(hi)) => {
                        bounded += 1;
                        format!("  tol [{}, {}]", f4(lo), f4(hi))
                    }
                    _ => {
                        short += 1;
                        String::new()
                    }
                };
                // An epoch's percentiles as calendar dates too (a cruise analyst read MJD
                // 66274.3 and had to convert it to tell it from the deadline).
                let dates = match (epoch, row.p00135, row.p99865) {
                    (true, Some(lo), Some(hi)) => {
                        format!(": p50 {} [{}, {}]", date(p50), date(lo), date(hi))
                    }
                    _ => String::new(),
                };
                say!(
                    "  {:<w$} p50 {:>12}  [p00135 {}, p99865 {}]{tol} {}{dates}",
                    row.metric,
                    f4(p50),
                    f4(row.p00135.unwrap_or(f64::NAN)),
                    f4(row.p99865.unwrap_or(f64::NAN)),
                    row.unit
                )
            }
            // No flight to count: every sample failed, or timed out before its outcome was
            // known; said rather than "NaN" (a review). Where the time limit left some open,
            // what they could make it (the interval, 0 to 1 then, says no more).
            (None, _) if row.metric.starts_with("prob_") && row.count == 0 => say!(
                "  {:<w$} none: no flight has an outcome for it{}",
                row.metric,
                open_bounds(row)
            ),
            (None, Some(lo)) => say!(
                "  {:<w$} {:.5}  (95% CI {:.5} .. {:.5}){}",
                row.metric,
                row.mean.unwrap_or(f64::NAN),
                lo,
                row.ci_high.unwrap_or(f64::NAN),
                open_bounds(row)
            ),
            // A --nominal run's: the one flight's outcome, with no interval.
            (None, None) if row.metric.starts_with("prob_") => say!(
                "  {:<w$} {:.0}  (the undispersed flight)",
                row.metric,
                row.mean.unwrap_or(f64::NAN)
            ),
            _ => {}
        }
    }
    if short > 0 {
        say!(
            "  note: tolerance bounds (one-sided 99.865 % at 95 % confidence, tol [lower, upper]) \
             need at least {} values of a metric; {short} metrics have fewer (null in summary.parquet)",
            crate::stats::TOLERANCE_MIN_SAMPLES
        );
    } else if bounded > 0 {
        // Said where every bound is printed too (a review board read `tol [..]` unexplained).
        say!(
            "  tol [lower, upper]: one-sided 99.865 % tolerance bounds at 95 % confidence, from \
             order statistics (summary.parquet's tolerance_*_99865_95)"
        );
    }
    // A peak at the interface: the pulse began above it (an interface set inside the heating
    // pulse, 50 km, reported its peaks at t = 0 with nothing said: an entry analyst's trial).
    let at_entry: Vec<&str> = summary
        .iter()
        .filter(|r| r.metric.starts_with("time_peak_") && r.min == Some(0.0))
        .map(|r| r.metric.as_str())
        .collect();
    if !at_entry.is_empty() {
        say!(
            "  note: {} = 0 on some samples: their peak came at the entry interface, so the \
             pulse may have begun above it (entry.altitude_km) and the peak be cut",
            at_entry.join(" and ")
        );
    }
    // Landings before the drogue opened, beside others under it: impacts, which `landed`
    // counts too (a heavy capsule's 998 of 1,000 hit the ground at ~577 m/s, and only the
    // counts said "landed 1000": an entry analyst's trial). A bare fall opens none.
    let count = |name: &str| {
        summary
            .iter()
            .find(|r| r.metric == name)
            .map_or(0, |r| r.count)
    };
    let (landed, opened) = (count("landing_lat_deg"), count("drogue_time_s"));
    if 0 < opened && opened < landed {
        let fastest = summary
            .iter()
            .find(|r| r.metric == "touchdown_speed_m_s")
            .and_then(|r| r.max)
            .unwrap_or(f64::NAN);
        say!(
            "  note: {} of the {landed} landings came before the drogue opened: impacts, at up \
             to {fastest:.0} m/s (touchdown_speed_m_s; `landed` is any arrival at the terrain, \
             and those samples' drogue_time_s is null)",
            landed - opened
        );
    }
}

/// A corridor's boundaries at `risk` and its width, a line each.
fn corridor_outcome(c: &crate::corridor::Corridor, risk: f64) -> Vec<String> {
    let mut lines = vec![
        format!(
            "risk {risk}: shallow boundary (skip-out) {}",
            c.shallow.describe()
        ),
        format!(
            "risk {risk}: steep boundary (any limit of [events] in a sample: p_any) {}",
            c.steep.describe()
        ),
    ];
    lines.extend(c.describe_width().map(|w| format!("corridor {w}")));
    lines
}

fn print_corridor(c: &crate::corridor::Corridor, dir: &std::path::Path, risk: f64) {
    say!("wrote {}", dir.join("corridor.parquet").display());
    // The dynamic pressure's column where its limit is given.
    let qdyn = c.points.iter().any(|p| p.qdyn_exceed.is_some());
    say!(
        "{:>9} {:>8} {:>10} {:>10} {:>10} {}{:>10} {:>9} {:>11}",
        "fpa_deg",
        "samples",
        "p_skip",
        "p_g>lim",
        "p_heat>lim",
        if qdyn {
            format!("{:>10} ", "p_qdyn>lim")
        } else {
            String::new()
        },
        "p_any",
        "g_p50",
        "q_p50_W/cm2"
    );
    // An angle where no sample flew has no probability and no percentile: "none", as a run
    // prints it, not NaN (a review).
    let f = |x: f64, d: usize| {
        if x.is_finite() {
            format!("{x:.d$}")
        } else {
            "none".to_string()
        }
    };
    for p in &c.points {
        say!(
            "{:>9.3} {:>8} {:>10} {:>10} {:>10} {}{:>10} {:>9} {:>11}",
            p.fpa_deg,
            p.trials,
            f(p.skip.p, 5),
            f(p.g_exceed.p, 5),
            f(p.heat_exceed.p, 5),
            p.qdyn_exceed
                .map_or(String::new(), |q| format!("{:>10} ", f(q.p, 5))),
            f(p.limit_exceed.p, 5),
            f(p.peak_g[0].unwrap_or(f64::NAN), 2),
            f(p.peak_heat[0].unwrap_or(f64::NAN), 1)
        );
    }
    for line in corridor_outcome(c, risk) {
        say!("{line}");
    }
    for n in c.notes(risk) {
        say!("note: {n}");
    }
    say!("figures: dispersa report {}", dir.display());
}
