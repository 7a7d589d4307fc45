//! `dispersa run`: config -> sampler -> engine (in chunks) -> outputs and statistics.

use crate::config::{ConfigError, RawConfig};
use crate::dataset::InFlight;
use crate::engine::gpu::GpuError;
use crate::engine::{BackendChoice, Engine, EngineInfo, PrecisionChoice};
use crate::output::parts::{self, Part};
use crate::output::{
    manifest, write_sensitivity, write_summary, ColumnSpec, DirKind, Identity, OutputError, RunDir,
    SamplesWriter, SummaryRow,
};
use crate::physics::epoch::iso_from_mjd;
use crate::pipeline::{provenance, SampledChunk, Samples};
use crate::scenario::cruise::{Cruise, CruiseConfig};
use crate::scenario::reentry::{Reentry, ReentryConfig};
use crate::scenario::Scenario;
use crate::stats;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::ops::Range;
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
    /// Continue the interrupted run to the same output directory.
    pub resume: bool,
    /// `(K, N)`: compute only shard K of N (a contiguous block of sample indices).
    pub shard: Option<(u64, u64)>,
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
    /// 2 for bad input, 1 for a runtime failure, 0 for a `--resume` with nothing left to do.
    pub fn exit_code(&self) -> i32 {
        match self {
            RunError::Config(ConfigError::Finished(_)) => 0,
            RunError::Config(_) => 2,
            _ => 1,
        }
    }
}

/// What a finished run reports.
#[derive(Debug, Clone)]
pub struct RunReport {
    pub out_dir: PathBuf,
    /// Where its samples are: samples.parquet, or a shard's directory of part files.
    pub samples_at: PathBuf,
    pub samples: u64,
    /// Of `samples`: those an interrupted run had finished, which `--resume` kept.
    pub resumed: u64,
    pub engine: EngineInfo,
    /// A resumed run's engines, before and after the interruption, as its files name them
    /// (`dispersa.adapter`, "A; B"), where they differ; None otherwise.
    pub engines_joined: Option<String>,
    pub seconds: f64,
    /// Of `seconds`: building the engine's kernel (on lavapipe, compiling it).
    pub build_seconds: f64,
    /// Of `seconds`: the engine propagating. The rest (sampling and writing that did not overlap
    /// propagation, the final statistics) is the host's share.
    pub propagate_seconds: f64,
    /// The time the sampling stage, the writing stage (outputs and Parquet) and the gathering
    /// stage (the statistics gathered in flight, on a GPU engine) were busy, each on its own
    /// thread beside the propagation: the longest bounds the rate at which the host can feed an
    /// engine, however fast it propagates.
    pub sample_seconds: f64,
    pub write_seconds: f64,
    pub gather_seconds: f64,
    /// (status name, count) for every status.
    pub status_counts: Vec<(String, u64)>,
    pub summary: Vec<SummaryRow>,
    /// The notes on the outcome (`Scenario::summary_notes`, and a footprint its ellipse does not
    /// describe).
    pub notes: Vec<String>,
}

impl RunReport {
    /// Whether every sample of the run failed (nothing to summarise or draw).
    pub fn all_failed(&self) -> bool {
        self.status_counts
            .iter()
            .any(|(name, n)| name == "failed" && *n == self.samples)
    }
}

/// A validated run, before any work: the checks of bad input all happen in here.
pub struct Prepared {
    pub raw: RawConfig,
    pub scenario: Box<dyn Scenario>,
    /// The notes printed before the run flies, kept in its files' `dispersa.run_notes`.
    pub notes: Vec<String>,
    /// How its samples are drawn (the sampler, the seed, nominal or not).
    pub draws: Samples,
    /// Samples of the whole run (of all shards).
    pub samples: u64,
    /// The sample indices this process computes: all, or its shard's block.
    pub range: Range<u64>,
    /// `[K, N]` for a shard.
    pub shard: Option<[u64; 2]>,
    /// The run's directory: `--out`, or for a shard `--out`/shard=K.
    pub out_dir: PathBuf,
    pub identity: Identity,
    /// Continue the interrupted run in the output directory's partial directory.
    pub resume: bool,
    /// Whether a stop (a signal) or a runtime failure says what the run's files keep, once its
    /// partial directory is made (`dispersa run`; not `bench`'s scratch runs, whose directory
    /// no command resumes: a review).
    pub stop_hint: bool,
    /// The output directory's lock, held until the run is dropped.
    _lock: crate::output::OutLock,
}

/// The sample indices of shard `k` of `n` of a run of `samples`: the contiguous block
/// `k * samples / n .. (k + 1) * samples / n`. Blocks, not strides: the shards' part files in
/// shard order are the samples in index order, which is what makes merged statistics equal a
/// single run's, and lets a reader of one shard see a plain range.
pub fn shard_range(samples: u64, k: u64, n: u64) -> Range<u64> {
    let at = |i: u64| (i as u128 * samples as u128 / n as u128) as u64;
    at(k)..at(k + 1)
}

/// [`validate`] and [`claim`].
pub fn prepare(opts: &RunOptions) -> Result<Prepared, ConfigError> {
    claim(validate(opts)?, opts)
}

/// A run's inputs and options checked, nothing on disk yet.
struct Validated {
    raw: RawConfig,
    scenario: Box<dyn Scenario>,
    notes: Vec<String>,
    draws: Samples,
    samples: u64,
    range: Range<u64>,
    shard: Option<[u64; 2]>,
    out: PathBuf,
    out_dir: PathBuf,
    partial: PathBuf,
    identity: Identity,
    resume: bool,
}

/// Every check of bad input that needs nothing made on disk.
fn validate(opts: &RunOptions) -> Result<Validated, ConfigError> {
    // `--seed N` is `--set run.seed=N` given last: the one seed that draws the samples, seeds
    // the footprint's bootstrap (from the config's run.seed) and names the run. As a seed of
    // its own beside the config's, `--seed 7` and `--set run.seed=7` were two runs, with other
    // bootstrap intervals (a review). The notes read the overrides as the user gave them.
    let given = RawConfig::load(&opts.config, &opts.sets)?;
    // The flag overrides a seed the config gives; it does not supply a missing one, as
    // --samples does not (the README): the config's own refusal names every missing key.
    let set_seed = given.table.get("run").and_then(|r| r.get("seed"));
    if opts.seed.is_some() && set_seed.is_none() {
        build_scenario(&given)?;
    }
    let raw = match opts.seed {
        Some(seed) => {
            let mut sets = opts.sets.clone();
            sets.push(format!("run.seed={seed}"));
            RawConfig::parse(&given.text, &opts.config.display().to_string(), &sets)?
        }
        None => given.clone(),
    };
    let scenario = build_scenario(&raw)?;
    let run_cfg = scenario.run_config();
    let samples = match (opts.nominal, opts.samples) {
        (true, Some(n)) if n != 1 => {
            eprintln!(
                "dispersa: note: --nominal flies the one undispersed sample; --samples {n} is \
                 not used"
            );
            1
        }
        (true, _) => 1,
        (false, Some(0)) => return Err(ConfigError::Cli("--samples must be positive".into())),
        (false, Some(n)) => n,
        (false, None) => run_cfg.samples as u64,
    };
    let seed = run_cfg.seed;
    let draws = Samples::new(scenario.as_ref(), seed, opts.nominal)?;
    // After the config and its dispersions validate: a note about a value that is then refused
    // only distracts. Every note goes to the run's files too (dispersa.run_notes): an override
    // noted as unused on stderr alone stood in dispersa.config_overrides as if applied (a new
    // user's trial).
    let mut notes = given.unused_override_notes(if opts.nominal {
        crate::config::Flights::Nominal
    } else {
        crate::config::Flights::Samples
    });
    notes.extend(scenario.run_notes());
    // Nothing is drawn: the seed, which a cruise analyst gave beside --nominal, is unused (in
    // the files' notes too, as every note is: a review).
    if opts.nominal {
        if let Some(s) = opts.seed {
            notes.push(format!(
                "--nominal draws nothing at random; --seed {s} is not used"
            ));
        } else if given.overrides_path("run.seed") {
            notes.push(format!(
                "--nominal draws nothing at random; --set run.seed = {} is not used",
                run_cfg.seed
            ));
        }
    }
    if !opts.nominal {
        notes.extend(crate::scenario::off_centre_notes(scenario.as_ref(), |p| {
            given.overrides_path(p)
        }));
    }
    // Both given: --seed wins, and the other stays in the files' dispersa.config_overrides
    // before it (a batch trial), so it is said.
    let set_seed = set_seed.and_then(|s| s.as_integer());
    if given.overrides_path("run.seed") && set_seed.is_some_and(|s| s as u64 != seed) {
        notes.push(format!(
            "--seed {seed} takes the place of --set run.seed = {} (dispersa.seed in the files \
             says {seed})",
            set_seed.unwrap_or_default()
        ));
    }
    // So is --samples beside --set run.samples (a bad-input trial: 10 flown, 5 asked, unsaid).
    let samples_set = raw.overrides_path("run.samples") && !opts.nominal;
    if samples_set && opts.samples.is_some_and(|n| n != run_cfg.samples as u64) {
        notes.push(format!(
            "--samples {samples} takes the place of --set run.samples = {}",
            run_cfg.samples
        ));
    }
    // Dispersions that fail many samples run, and the statistics are of the rest: said first.
    notes.extend(draws.unphysical_notes(scenario.as_ref(), samples));
    for note in &notes {
        eprintln!("dispersa: note: {note}");
    }
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
    let out = opts
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(name));
    let shard = match opts.shard {
        None => None,
        // The nominal is one flight (it read "4 shards of 1 samples would leave shards empty":
        // a cluster user's trial).
        Some((k, n)) if opts.nominal => {
            return Err(ConfigError::Cli(format!(
                "--shard {k}/{n}: --nominal flies the one undispersed flight, which is not split \
                 into shards; drop --shard"
            )))
        }
        Some((_, 0)) => return Err(ConfigError::Cli("--shard K/N: N must be positive".into())),
        Some((k, n)) if k >= n => {
            return Err(ConfigError::Cli(format!(
                "--shard {k}/{n}: K counts from 0 and must be less than N (0 to {})",
                n - 1
            )))
        }
        Some((k, n)) if n > samples => {
            return Err(ConfigError::Cli(format!(
                "--shard {k}/{n}: {n} shards of {samples} samples would leave shards empty"
            )))
        }
        Some((k, n)) => Some([k, n]),
    };
    let range = shard.map_or(0..samples, |[k, n]| shard_range(samples, k, n));
    let identity = Identity {
        config: raw.text.clone(),
        overrides: raw.overrides.clone(),
        seed,
        samples,
        nominal: opts.nominal,
        shard,
    };
    // Every refusal that does not need the directory comes before a shard's dataset is made
    // and marked: a refused shard (too many samples for the disk, a --resume of nothing) left
    // its marker, and the corrected command was then refused as another run's (a trial).
    let out_dir = match shard {
        Some([k, _]) => {
            // Checked before the dataset is made and marked: a refused shard left a marked
            // dataset inside another output, which then could not be replaced (a review).
            crate::output::check_not_inside_output(&out, DirKind::Shards)
                .map_err(ConfigError::Cli)?;
            out.join(format!("shard={k}"))
        }
        None => out.clone(),
    };
    let partial = crate::output::partial_dir(&out_dir);
    // --force with --resume computes again what there is no interrupted run of to continue (a
    // finished run: the cluster scripts add --resume to a shard that holds a marker, and a
    // --force among their arguments was then ignored, a cluster trial); an interrupted run is
    // continued, which a requeued task of a forced run needs.
    let resume = opts.resume && (partial.is_dir() || !opts.force);
    // A shard of another run is named as such first, from the dataset's own identity where
    // there is one (an existing dataset is only read here; a missing or empty one is made by
    // `claim`): a resume of it too. Before the engine is sought: a wrong-run shard on a node
    // without its adapter exited 1, which a cluster retries, rather than 2 (a review).
    if shard.is_some() && std::fs::read_dir(&out).is_ok_and(|mut d| d.next().is_some()) {
        crate::output::claim_dataset(&out, &identity).map_err(ConfigError::Cli)?;
    }
    // A resume continues a run that was accepted when it began (--resume refuses anything
    // else): one that a build before this check flew goes on drawing as it did, and a finished
    // one still exits 0 for a cluster's requeue (a review found it refused with exit 2). A
    // --nominal run draws nothing, and notes a --set of the bounds as unused.
    if !resume && !opts.nominal {
        crate::sampling::check_centres(
            scenario.dispersions().0,
            scenario.param_names(),
            scenario.nominal(),
        )?;
    }
    if resume {
        // A run this job finished already has nothing left to resume: exit 0, so that a
        // cluster's requeued or resubmitted task succeeds on it. Another job's finished run is
        // refused as before (a shard's dataset said so below; a run's identity here), so a
        // resubmission with other inputs cannot pass off the old results (a trial found the
        // deploy scripts' "finished" skip doing that).
        // A shard dataset resumed as one run: it was called "a finished run of another job:
        // unsharded against shard 0/2" (a cluster trial).
        if shard.is_none() && crate::output::written_by_dispersa(&out_dir) == Some(DirKind::Shards)
        {
            return Err(ConfigError::Cli(format!(
                "--resume: {} holds the shards of a sharded run: resume each with --shard K/N, \
                 or join the finished ones with `dispersa merge {}`",
                out_dir.display(),
                out_dir.display()
            )));
        }
        if !partial.is_dir() && crate::output::finished_by(&out_dir, &identity) == Some(None) {
            // One run is one precision, finished or not: a resubmission that asks for another
            // was told "nothing to resume" and exited 0, and the merge then wrote the old
            // precision's results with nothing said (a cluster trial).
            let asked = match opts.precision {
                crate::engine::PrecisionChoice::F64 => Some("f64"),
                crate::engine::PrecisionChoice::F32 => Some("f32"),
                crate::engine::PrecisionChoice::Auto => None,
            };
            let done = finished_precision(&out_dir);
            if let (Some(asked), Some(done)) = (asked, done) {
                if asked != done {
                    return Err(ConfigError::Cli(format!(
                        "--resume: {} is a finished run of this job computed in {done}, not \
                         --precision {asked}: pass --force to compute it again in {asked}",
                        out_dir.display()
                    )));
                }
            }
            // Its files as written: a requeue on an altered file exited 0, and only the merge
            // then refused it (a batch user's trial).
            crate::output::manifest::verify(&out_dir).map_err(|e| {
                ConfigError::Cli(format!(
                    "--resume: {} is a finished run of this job, but {e}",
                    out_dir.display()
                ))
            })?;
            return Err(ConfigError::Finished(format!(
                "{} is a finished run of this job: nothing to resume",
                out_dir.display()
            )));
        }
        // Refused before the claim, whose message about an existing directory says less.
        RunDir::reopen(&out_dir, &identity).map_err(ConfigError::Cli)?;
    }
    // A count whose samples cannot fit on the disk is refused now, not when the disk fills:
    // every column is 8 bytes a sample before compression, and ZSTD rarely halves noise.
    // Columns: `sample`, the inputs, the metrics, `failure_reason` and `status`.
    // An unsharded run's part files and the samples.parquet joined from them are on the disk
    // together for a moment; a shard's parts stay apart.
    let columns = 1 + draws.sampler.columns.len() + scenario.metrics().len() + 2;
    let copies = if shard.is_some() { 1.0 } else { 2.0 };
    let at_least = (range.end - range.start) as f64 * columns as f64 * 8.0 / 2.0 * copies;
    // The free space of the nearest directory that exists (a shard's dataset may not yet).
    let existing = out_dir
        .ancestors()
        .skip(1)
        .find(|p| p.as_os_str().is_empty() || p.is_dir())
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if let Ok(free) = fs4::available_space(existing) {
        // No space at all: a full disk, or no disk (a pseudo-filesystem such as /proc).
        if free == 0 {
            return Err(ConfigError::Cli(format!(
                "--out {}: the file system of {} has no free space (full, or not a disk one can \
                 write a run to)",
                out_dir.display(),
                existing.display()
            )));
        }
        if at_least > free as f64 {
            let source = if opts.samples.is_some() {
                format!("--samples {samples}")
            } else {
                format!("run.samples = {samples}")
            };
            let joined = if shard.is_some() {
                ""
            } else {
                ", twice while the parts are joined"
            };
            return Err(ConfigError::Cli(format!(
                "{source}: its samples would need at least {} (half their {columns} columns x \
                 8 bytes a sample{joined}), and the disk of {} has {} free",
                bytes_text(at_least),
                existing.display(),
                bytes_text(free as f64)
            )));
        }
    }
    Ok(Validated {
        raw,
        scenario,
        notes,
        draws,
        samples,
        range,
        shard,
        out,
        out_dir,
        partial,
        identity,
        resume,
    })
}

/// What is kept of a run stopped now (a signal, or a runtime failure): its finished outputs,
/// the samples its partial directory's manifest lists, or nothing.
fn stop_hint(partial: &Path, out: &Path, identity: &crate::output::Identity) -> String {
    if !partial.is_dir() {
        return if crate::output::finished_by(out, identity) == Some(None) {
            format!("the run was complete, in {}", out.display())
        } else {
            "nothing of the run was kept".to_string()
        };
    }
    match parts::listed_samples(partial, false) {
        Ok(parts::Listed::Parts(0)) => format!(
            "no part of the run was closed yet, so {} keeps no sample: the same command starts \
             it over",
            partial.display()
        ),
        Ok(parts::Listed::Parts(n)) => format!(
            "the {n} samples of the run's closed parts are kept in {}; the same command with \
             --resume computes only the rest",
            partial.display()
        ),
        Ok(parts::Listed::Joined(n)) => format!(
            "all {n} samples were finished and joined in {}; the same command with --resume \
             writes the statistics",
            partial.display()
        ),
        Err(why) => format!("the partial run is in {} ({why})", partial.display()),
    }
}

/// A validated run's directories claimed: a shard's dataset (made where there is none) and
/// the run's own directory, locked.
fn claim(v: Validated, opts: &RunOptions) -> Result<Prepared, ConfigError> {
    if v.shard.is_some() {
        crate::output::claim_dataset(&v.out, &v.identity).map_err(ConfigError::Cli)?;
    }
    let mut notice = stderr_notice;
    let kind = if v.shard.is_some() {
        DirKind::Shard
    } else {
        DirKind::Run
    };
    let lock = crate::output::claim_out_dir(&v.out_dir, kind, opts.force || v.resume, &mut notice)
        .map_err(ConfigError::Cli)?;
    if !v.resume && !opts.force {
        let n = parts::listed_samples(&v.partial, true)
            .map(|l| l.samples())
            .map_err(|why| {
                ConfigError::Cli(format!(
                "--out {}: an interrupted run is in {}, whose {why}; pass --force to discard it \
                 and start again",
                v.out_dir.display(),
                v.partial.display()
            ))
            })?;
        if n > 0 {
            return Err(ConfigError::Cli(format!(
                "--out {}: an interrupted run is in {} ({n} samples finished); pass --resume \
                 to continue it, or --force to discard it and start again",
                v.out_dir.display(),
                v.partial.display()
            )));
        }
    }
    Ok(Prepared {
        raw: v.raw,
        scenario: v.scenario,
        notes: v.notes,
        draws: v.draws,
        samples: v.samples,
        range: v.range,
        shard: v.shard,
        out_dir: v.out_dir,
        identity: v.identity,
        resume: v.resume,
        stop_hint: false,
        _lock: lock,
    })
}

/// A message for the user on stderr, as every one is written (README, "Command line"):
/// `dispersa: ` and its kind, `note: ` where the message names none.
pub fn stderr_notice(m: String) {
    let named = ["note: ", "warning: ", "error: "]
        .iter()
        .any(|k| m.starts_with(k));
    if named {
        eprintln!("dispersa: {m}");
    } else {
        eprintln!("dispersa: note: {m}");
    }
}

pub fn run(opts: &RunOptions) -> Result<RunReport, RunError> {
    let valid = validate(opts)?;
    // The engine before any directory is made: a shard refused here (f32 on the CPU, no such
    // adapter) left its new dataset marked, and the corrected command with other options was
    // then refused as another run's (a batch user's trial).
    if let Some(m) =
        crate::engine::refused_choice(opts.backend, opts.precision, valid.scenario.as_ref())
    {
        return Err(ConfigError::Cli(m).into());
    }
    let quiet = opts.quiet;
    let mut notice = stderr_notice;
    let engine = Engine::select(opts.backend, opts.precision, &mut notice)?.fitting(
        opts.backend,
        valid.scenario.as_ref(),
        &mut notice,
    );
    let mut prep = claim(valid, opts)?;
    prep.stop_hint = true;
    let precision = engine.info().precision;
    // Once a command (dispersa bench runs `execute` a measurement at a time: a review).
    for note in prep.scenario.precision_notes(precision) {
        notice(format!("note: {note}"));
    }
    // Not with --force and a --precision named, which recomputes the shard in that precision on
    // purpose: an f32 dataset recomputed shard by shard in f64 was refused at every shard (a
    // review). An array job's --force alone (the deploy files pass it) is still checked: on
    // nodes whose adapters differ, auto picks differently (a second review). The merge refuses
    // a mix either way.
    let recompute = opts.force && opts.precision != crate::engine::PrecisionChoice::Auto;
    if let (Some([k, _]), false) = (prep.shard, recompute) {
        other_shards_precision(&prep.out_dir, k, precision.name()).map_err(ConfigError::Cli)?;
    }
    execute(&prep, &engine, quiet)
}

/// One dataset is one precision: a shard whose engine computes in another precision than a
/// finished shard of its dataset is refused before it flies (the merge refused the mix only
/// once every shard had run: a cluster trial's nodes differed in their adapters). The message
/// names the other shard's precision, to pass as --precision.
fn other_shards_precision(shard_dir: &Path, k: u64, mine: &str) -> Result<(), String> {
    let Some(dataset) = shard_dir.parent() else {
        return Ok(());
    };
    let Ok((shards, _)) = crate::output::shard_dirs(dataset) else {
        return Ok(());
    };
    for (j, dir) in shards.into_iter().filter(|(j, _)| *j != k) {
        if let Some(theirs) = finished_precision(&dir).filter(|t| t != mine) {
            return Err(format!(
                "--shard {k}: shard {j} of {} was computed in {theirs}, and this one would be in \
                 {mine} (one dataset is one precision: the merge refuses a mix); pass \
                 --precision {theirs}{}",
                dataset.display(),
                if theirs == "f64" {
                    ", or --backend cpu where the adapter has no f64"
                } else {
                    ""
                }
            ));
        }
    }
    Ok(())
}

/// The precision a finished run (or shard) directory's samples were computed in, from its
/// first sample file's metadata.
fn finished_precision(dir: &Path) -> Option<String> {
    let first = parts::sample_files(dir).ok()?.into_iter().next()?;
    let kv = crate::output::file_metadata(&first).ok()?;
    crate::output::meta_value(&kv, "dispersa.precision").map(str::to_string)
}

/// Run a prepared job on an engine.
///
/// Finished chunks are written into durable part files in the run's partial directory, a part
/// closed at the first chunk boundary at or past [`PART_ROWS`] samples (and when the engine
/// fails), so a run stopped anywhere (kill -9, power loss) keeps its closed parts and `--resume`
/// computes only the rest. When every sample is there: an
/// unsharded run joins the parts into samples.parquet, a shard keeps them; the statistics are
/// computed from the files (`dataset`; on a GPU run their first pass and the footprint's
/// bootstrap gathered from the chunks as they were written), the manifest is written, and the
/// directory is renamed into place.
pub fn execute(prep: &Prepared, engine: &Engine, quiet: bool) -> Result<RunReport, RunError> {
    let start = Instant::now();
    let info = engine.info();
    let sc = prep.scenario.as_ref();
    let mut notice = stderr_notice;
    let kind = if prep.shard.is_some() {
        DirKind::Shard
    } else {
        DirKind::Run
    };
    let run_dir = if prep.resume {
        RunDir::reopen(&prep.out_dir, &prep.identity).map_err(ConfigError::Cli)?
    } else {
        RunDir::create_resumable(&prep.out_dir, kind, &prep.identity)?
    };
    let dir = run_dir.tmp.clone();
    // What a stop or a runtime failure says of the run's files, as they are then: set once
    // the partial directory is made, since a --force start deletes the old one first (a stop
    // in it was told of samples being deleted: a review).
    if prep.stop_hint {
        let (partial, out, identity) = (dir.clone(), prep.out_dir.clone(), prep.identity.clone());
        crate::interrupt::set_hint(Some(Box::new(move || stop_hint(&partial, &out, &identity))));
    }
    let joined = dir.join("samples.parquet");
    // What an interrupted run left: its finished samples (joined already, or as parts).
    let mut done: Vec<Part> = Vec::new();
    let mut data_complete = false;
    if prep.resume {
        let sums = manifest::read(&dir).map_err(|m| ConfigError::Cli(format!("--resume: {m}")))?;
        let joined_ok = prep.shard.is_none()
            && sums
                .get("samples.parquet")
                .is_some_and(|s| manifest::sha256_file(&joined).is_ok_and(|a| a == *s));
        for leftover in std::fs::read_dir(&dir)
            .map_err(crate::output::io(format!("listing {}", dir.display())))?
            .flatten()
        {
            let name = leftover.file_name().to_string_lossy().to_string();
            let keep = name.starts_with(crate::output::MARKER)
                || name == manifest::MANIFEST
                || parts::part_first(&name).is_some()
                || (joined_ok && name == "samples.parquet");
            if !keep {
                let _ = std::fs::remove_file(leftover.path());
            }
        }
        if joined_ok {
            data_complete = true;
            for p in parts::list(&dir, false, &mut |_| {})? {
                let _ = std::fs::remove_file(p.path);
            }
            notice(format!(
                "resuming {}: every sample was finished and joined; computing the statistics",
                prep.out_dir.display()
            ));
        } else {
            done = parts::list(&dir, true, &mut notice)?;
            done.retain(|p| {
                let inside = p.first >= prep.range.start && p.first + p.rows <= prep.range.end;
                if !inside {
                    let _ = std::fs::remove_file(&p.path);
                }
                inside
            });
        }
    }
    let resumed = if data_complete {
        prep.range.end - prep.range.start
    } else {
        done.iter().map(|p| p.rows).sum()
    };

    // The finished samples' provenance, read once: the joined file, or each part.
    let earlier: Vec<Vec<(String, String)>> = if data_complete {
        vec![crate::output::file_metadata(&joined)?]
    } else {
        done.iter()
            .map(|p| crate::output::file_metadata(&p.path))
            .collect::<Result<_, _>>()?
    };
    if let Some(note) = crate::output::other_builds_note(&earlier, "the finished samples were") {
        notice(note);
    }
    // One run is one precision: resumed in another, the whole run would carry its label.
    if let Some(kv) = earlier.first() {
        if let Some(p) = crate::output::meta_value(kv, "dispersa.precision") {
            if p != info.precision.name() {
                return Err(ConfigError::Cli(format!(
                    "--resume: the {resumed} finished samples were computed in {p}; resume with \
                     --precision {p} (one run is one precision)"
                ))
                .into());
            }
        }
    }
    let wanted_chunk = sc
        .run_config()
        .chunk_size
        .map_or(engine.default_chunk(sc), |c| c as usize);
    let wanted_chunk = wanted_chunk
        .min((prep.range.end - prep.range.start) as usize)
        .max(1);
    let (mut runner, chunk) = engine.runner(sc, wanted_chunk)?;
    let build_seconds = start.elapsed().as_secs_f64();
    // The chunks still to compute: the gaps between the finished parts.
    let mut todo: Vec<Range<u64>> = Vec::new();
    if !data_complete {
        let mut gap = |from: u64, to: u64| {
            let mut a = from;
            while a < to {
                let b = (a + chunk as u64).min(to);
                todo.push(a..b);
                a = b;
            }
        };
        let mut cursor = prep.range.start;
        for p in &done {
            if p.first < cursor {
                return Err(OutputError::Io {
                    action: format!("resuming from {}", dir.display()),
                    source: std::io::Error::other(format!(
                        "{} overlaps the part before it",
                        p.path.display()
                    )),
                }
                .into());
            }
            gap(cursor, p.first);
            cursor = p.first + p.rows;
        }
        gap(cursor, prep.range.end);
    }
    if prep.resume && !data_complete {
        let left: u64 = todo.iter().map(|r| r.end - r.start).sum();
        // Every sample finished, the parts only to join: "computing the other 0" read oddly.
        let rest = if left == 0 {
            "joining them".to_string()
        } else {
            format!("computing the other {left}")
        };
        notice(format!(
            "resuming {}: {resumed} samples were finished ({} parts); {rest}",
            prep.out_dir.display(),
            done.len()
        ));
    }

    let mut metadata = metadata(prep, &info, chunk);
    // Resumed on another engine, the run names both (as a merge of such shards does), where it
    // carried the last one's label alone; an engine that computes no sample (a resume that
    // finds every sample done) is not named.
    if resumed > 0 {
        let mut sources = earlier;
        if resumed < prep.range.end - prep.range.start {
            sources.push(metadata.clone());
        }
        crate::output::join_engine_labels(&mut metadata, &sources);
    }
    let engines_joined = crate::output::joined_value(&metadata, "dispersa.adapter");
    // The inputs derived from others (bplane mode's entry state) are NaN where there is none.
    let derived: Vec<&str> = sc
        .derived_params()
        .into_iter()
        .map(|i| sc.param_names()[i])
        .collect();
    let input_cols: Vec<ColumnSpec> = prep
        .draws
        .sampler
        .columns
        .iter()
        .map(|p| ColumnSpec {
            name: crate::scenario::column_name(p),
            unit: unit_of_path(p),
            may_be_nan: derived.contains(&p.as_str()),
        })
        .collect();
    let output_cols: Vec<ColumnSpec> = sc
        .metrics()
        .iter()
        .map(|(n, u)| ColumnSpec {
            name: n.to_string(),
            unit: u.to_string(),
            may_be_nan: false,
        })
        .collect();
    let mut text_cols: Vec<ColumnSpec> = sc
        .iso_epochs()
        .iter()
        .map(|(n, _)| ColumnSpec {
            name: n.to_string(),
            unit: "ISO 8601, TDB".into(),
            may_be_nan: false,
        })
        .collect();
    text_cols.push(ColumnSpec {
        name: "failure_reason".into(),
        unit: "text".into(),
        may_be_nan: false,
    });
    // Each column's unit in the file's key-value metadata too, one `column=unit` a line: the
    // fields' own unit metadata lives in ARROW:schema, which DuckDB's parquet_schema() and
    // polars do not show (a notebook user's trial).
    metadata.push((
        "dispersa.units".into(),
        input_cols
            .iter()
            .chain(&output_cols)
            .chain(&text_cols)
            .map(|c| format!("{}={}", c.name, c.unit))
            .collect::<Vec<_>>()
            .join("\n"),
    ));
    let schema = (&input_cols[..], &output_cols[..], &text_cols[..]);
    // Finished samples written by a build with other columns (outputs added or removed between
    // builds) cannot be joined with this build's: refused before any work, where the join
    // would fail at the end with Arrow's "number of columns must match".
    let first_done = if data_complete {
        Some(joined.clone())
    } else {
        done.first().map(|p| p.path.clone())
    };
    if let Some(file) = first_done {
        let ours = crate::output::samples_schema(&input_cols, &output_cols, &text_cols);
        let typed = crate::dataset::column_types(&file)?;
        let theirs: Vec<&String> = typed.iter().map(|(n, _)| n).collect();
        let names: Vec<&String> = ours.fields().iter().map(|f| f.name()).collect();
        if theirs != names {
            let missing: Vec<&&String> = names.iter().filter(|c| !theirs.contains(c)).collect();
            let extra: Vec<&&String> = theirs.iter().filter(|c| !names.contains(c)).collect();
            return Err(ConfigError::Cli(format!(
                "--resume: the {resumed} finished samples have other columns than this build \
                 writes (theirs lack {missing:?}, and have {extra:?} besides): another build of \
                 dispersa wrote them; pass --force instead of --resume to run it again"
            ))
            .into());
        }
        // The same columns of other types (builds before 2026-12-06 wrote `sample` as
        // uint64): refused here too, where the join would fail after the work (a review).
        if let Some(((name, theirs), f)) = typed
            .iter()
            .zip(ours.fields())
            .find(|((_, t), f)| t != f.data_type())
        {
            return Err(ConfigError::Cli(format!(
                "--resume: the {resumed} finished samples hold column {name} as {theirs}, where \
                 this build writes {}: another build of dispersa wrote them (before \
                 2026-12-06, counts were uint64); pass --force instead of --resume to run it \
                 again",
                f.data_type()
            ))
            .into());
        }
    }

    let bar = progress_bar(prep.range.end - prep.range.start, quiet);
    bar.set_position(resumed);
    // Three stages overlap: a thread samples the next chunk and another turns the previous
    // chunk's states into outputs and a part file while this one propagates (on a GPU engine a
    // fourth gathers the statistics from the written chunks). Channels of one chunk bound the
    // memory to about four chunks of input rows, and two more of outputs and columns.
    let mut propagate_seconds = 0.0;
    // The statistics' first pass (the counts, the sensitivities' samples) and the footprint's
    // bootstrap are gathered as the chunks are written, beside the propagation, when they are
    // all of the run's samples (not a resumed run's remainder) and a GPU engine propagates
    // them: the pass over the files would gather the same after the last chunk. On lavapipe,
    // whose threads are this machine's cores, that moves the work into the propagation's
    // window and costs a few per cent of wall time in contention (docs/PERFORMANCE.md); on a
    // GPU with its own silicon it takes the work off the wall clock while the writer keeps
    // up. Beside the CPU engine, which keeps every core busy, it would only take their time,
    // so there it stays after the last chunk, where it has the cores alone.
    // DISPERSA_GATHER_IN_FLIGHT=1 (or 0) forces it beside (or after, with every pass of the
    // percentiles read from the files: `dataset::statistics`'s `reread`), and makes gathered values that
    // the files contradict a panic: how the tests compare the two.
    let forced = std::env::var("DISPERSA_GATHER_IN_FLIGHT").ok();
    let beside = match forced.as_deref() {
        Some("1") => true,
        Some("0") => false,
        _ => matches!(engine, Engine::Gpu { .. }),
    };
    let gather = (beside && resumed == 0 && !data_complete).then(|| {
        InFlight::new(
            sc,
            prep.range.end - prep.range.start,
            prep.draws.sampler.column_params.len(),
            forced.is_some(),
        )
    });
    let mut streamed = None;
    let (mut sample_seconds, mut write_seconds, mut gather_seconds) = (0.0, 0.0, 0.0);
    std::thread::scope(|scope| -> Result<(), RunError> {
        let (to_engine, from_sampler) = std::sync::mpsc::sync_channel::<SampledChunk>(1);
        let (to_writer, from_engine) = std::sync::mpsc::sync_channel::<(SampledChunk, Vec<f64>)>(1);
        // The input rows of propagated chunks go back to the sampler to be packed again
        // (`Samples::draw_reusing`): two at most wait there; one more is dropped.
        let (recycle, recycled) = std::sync::mpsc::sync_channel::<Vec<f64>>(2);
        let todo = &todo;
        let sampler = scope.spawn(move || {
            let mut busy = 0.0;
            for r in todo {
                let t0 = Instant::now();
                let rows = recycled.try_recv().unwrap_or_default();
                let c = prep.draws.draw_reusing(sc, r.clone(), None, rows);
                busy += t0.elapsed().as_secs_f64();
                if to_engine.send(c).is_err() {
                    break; // the run stopped
                }
            }
            busy
        });
        // The statistics gathered in flight take a thread of their own beside the writer's
        // Parquet: on a real GPU the writing stage is the host's next limit after sampling
        // (docs/PERFORMANCE.md, "A real GPU: NVIDIA H200").
        let (to_gather, gather_stage) = match gather {
            Some(mut g) => {
                let (tx, rx) = std::sync::mpsc::sync_channel::<Gathered>(1);
                let stage = scope.spawn(move || {
                    let mut busy = 0.0;
                    for (outputs, ins, outs) in rx {
                        let t0 = Instant::now();
                        g.add(&outputs, &ins, &outs);
                        busy += t0.elapsed().as_secs_f64();
                    }
                    (g, busy)
                });
                (Some(tx), Some(stage))
            }
            None => (None, None),
        };
        let (dir, metadata) = (&dir, &metadata);
        let writer_stage = scope.spawn(move || -> Result<f64, RunError> {
            let mut part: Option<OpenPart> = None;
            let mut busy = 0.0;
            for (c, states) in from_engine {
                let t0 = Instant::now();
                let first = c.indices.first().copied().unwrap_or(0);
                // A part holds consecutive samples: one that a gap of a resumed run would
                // break is closed first.
                if part.as_ref().is_some_and(|p| p.next != first) {
                    part.take().expect("checked").close(dir)?;
                }
                if part.is_none() {
                    part = Some(OpenPart::new(first, dir, schema, metadata)?);
                }
                let p = part.as_mut().expect("opened above");
                let waited = write_chunk(sc, prep, &c, &states, &mut p.writer, to_gather.as_ref())?;
                p.next = first + c.n() as u64;
                if p.next - p.first >= PART_ROWS {
                    part.take().expect("open").close(dir)?;
                }
                busy += t0.elapsed().as_secs_f64() - waited;
            }
            // The engine stopped (done, or failed): what was propagated is kept.
            let t0 = Instant::now();
            if let Some(p) = part {
                p.close(dir)?;
            }
            Ok(busy + t0.elapsed().as_secs_f64())
        });
        let mut engine_result = Ok(());
        let mut propagated = resumed;
        // A failpoint for the tests of a failing engine: the chunk that starts at this sample
        // index fails as a lost device would.
        let fail_at: Option<u64> = std::env::var("DISPERSA_FAILPOINT_CHUNK")
            .ok()
            .and_then(|v| v.parse().ok());
        for mut c in from_sampler {
            let t0 = Instant::now();
            let before = propagated;
            if fail_at.is_some() && fail_at == c.indices.first().copied() {
                engine_result = Err(chunk_error(
                    "the device was lost (DISPERSA_FAILPOINT_CHUNK)",
                    &c,
                    prep,
                ));
                break;
            }
            let states =
                match runner.propagate(sc, &c.inputs, c.n(), &|k| bar.set_position(before + k)) {
                    Ok(s) => s,
                    Err(e) => {
                        engine_result = Err(chunk_error(e, &c, prep));
                        break;
                    }
                };
            propagated += c.n() as u64;
            propagate_seconds += t0.elapsed().as_secs_f64();
            // The rows are the engine's alone: the outputs read the parameters and states.
            let _ = recycle.try_send(std::mem::take(&mut c.inputs));
            if to_writer.send((c, states)).is_err() {
                break; // the writer failed: its error is reported below
            }
        }
        drop(to_writer);
        let written = writer_stage
            .join()
            .expect("the writer thread does not panic");
        sample_seconds = sampler.join().expect("the sampler thread does not panic");
        // The writer's sender is dropped with its thread: the gathering thread ends.
        if let Some(stage) = gather_stage {
            let (g, busy) = stage.join().expect("the gathering thread does not panic");
            (streamed, gather_seconds) = (Some(g), busy);
        }
        write_seconds = engine_result.and(written)?;
        Ok(())
    })?;
    bar.finish_and_clear();
    if let Some(m) = runner.note(sc) {
        notice(m);
    }

    // Every sample of the range is in a part now (or joined already). A whole run's parts are
    // joined into samples.parquet on a thread of its own while the statistics read the parts:
    // the same values in the same order as the joined file holds.
    let all = if data_complete {
        Vec::new()
    } else {
        let all = parts::list(&dir, false, &mut |_| {})?;
        check_coverage(&all, &prep.range, &dir)?;
        all
    };
    let read = if data_complete {
        vec![joined.clone()]
    } else {
        all.iter().map(|p| p.path.clone()).collect()
    };
    let join_parts = !data_complete && prep.shard.is_none();
    let (join, statistics) = std::thread::scope(|scope| {
        // The joined file's checksum for the manifest comes from the joining thread.
        let join = join_parts.then(|| scope.spawn(|| parts::join(&all, &joined, &metadata)));
        let reread = forced.as_deref() == Some("0");
        let statistics = crate::dataset::statistics(sc, &read, streamed, reread);
        let join = join.map(|h| h.join().expect("the joining thread does not panic"));
        (join, statistics)
    });
    let joined_sum = join.transpose()?;
    let mut statistics = statistics?;
    // One undispersed flight is no draw from a population: its probabilities are 0 or 1, with
    // no interval (a --nominal run gave "0 (95% CI 0 .. 0.79)", a cruise trial).
    if prep.draws.nominal {
        for row in &mut statistics.summary {
            (row.ci_low, row.ci_high) = (None, None);
        }
    }
    let files = if join_parts {
        for p in &all {
            std::fs::remove_file(&p.path)
                .map_err(crate::output::io(format!("removing {}", p.path.display())))?;
        }
        vec![joined.clone()]
    } else {
        read
    };
    let mut summary_meta = metadata.clone();
    summary_meta.push(tolerance_bounds_note());
    summary_meta.extend(outcome_notes_meta(&statistics.notes));
    // A shard's own statistics start with `_`, so that dataset readers skip them.
    let prefix = if prep.shard.is_some() { "_" } else { "" };
    let summary_name = format!("{prefix}summary.parquet");
    let sensitivity_name = format!("{prefix}sensitivity.parquet");
    write_summary(&dir.join(&summary_name), &statistics.summary, &summary_meta)?;
    write_sensitivity(
        &dir.join(&sensitivity_name),
        &statistics.sensitivity,
        &metadata,
    )?;
    let mut listed: Vec<String> = files
        .iter()
        .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().to_string()))
        .collect();
    listed.extend([summary_name, sensitivity_name]);
    let known = joined_sum
        .map(|s| ("samples.parquet".to_string(), s))
        .into_iter()
        .collect();
    manifest::write_known(&dir, &listed, &known)?;
    run_dir.commit()?;
    // A shard computed (again) after a merge: the dataset's merged statistics no longer
    // describe its shards, so they go, with a word (the report would have read them as they
    // were).
    if prep.shard.is_some() {
        if let Some(dataset) = prep.out_dir.parent() {
            let merged = [
                "_summary.parquet",
                "_sensitivity.parquet",
                manifest::MANIFEST,
            ];
            // The dataset's report was drawn from those statistics: it goes too.
            let report = dataset.join("_report");
            let stale_report = crate::output::written_by_dispersa(&report) == Some(DirKind::Report);
            let stale_stats = merged.iter().any(|name| dataset.join(name).exists());
            if stale_stats || stale_report {
                for name in merged {
                    let _ = std::fs::remove_file(dataset.join(name));
                }
                if stale_report {
                    let _ = std::fs::remove_dir_all(&report);
                }
                notice(format!(
                    "{}: its {} described the shards before this one; removed (run `dispersa \
                     merge {}` again)",
                    dataset.display(),
                    match (stale_stats, stale_report) {
                        (true, true) => "merged statistics and report",
                        (true, false) => "merged statistics",
                        _ => "report",
                    },
                    dataset.display()
                ));
            }
        }
    }
    let samples_at = if prep.shard.is_some() {
        prep.out_dir.clone()
    } else {
        prep.out_dir.join("samples.parquet")
    };
    Ok(RunReport {
        out_dir: prep.out_dir.clone(),
        samples_at,
        samples: prep.range.end - prep.range.start,
        resumed,
        engine: info,
        engines_joined,
        seconds: start.elapsed().as_secs_f64(),
        build_seconds,
        propagate_seconds,
        sample_seconds,
        write_seconds,
        gather_seconds,
        status_counts: statistics.status_counts,
        summary: statistics.summary,
        notes: statistics.notes,
    })
}

/// An engine failure, naming the chunk it struck and what was kept.
fn chunk_error(e: impl std::fmt::Display, c: &SampledChunk, prep: &Prepared) -> RunError {
    let first = c.indices.first().copied().unwrap_or(0);
    // A shard's --out is the dataset above its directory, with its --shard (the shard's own
    // directory, which this named, is refused as --out: a batch trial).
    let out = match (prep.shard, prep.out_dir.parent()) {
        (Some([k, n]), Some(dataset)) => format!("{} --shard {k}/{n}", dataset.display()),
        _ => prep.out_dir.display().to_string(),
    };
    OutputError::Io {
        action: format!(
            "propagating samples {} (the finished chunks are kept: continue with `--resume`, \
             on this or another --backend, to the same --out {out})",
            crate::output::samples_text(&(first..first + c.n() as u64)),
        ),
        source: std::io::Error::other(e.to_string()),
    }
    .into()
}

/// The parts must hold exactly the samples of `range`, each once, in order.
fn check_coverage(all: &[Part], range: &Range<u64>, dir: &Path) -> Result<(), RunError> {
    parts::check_covers(all, range).map_err(|m| {
        OutputError::Io {
            action: format!("joining the parts in {}", dir.display()),
            source: std::io::Error::other(m),
        }
        .into()
    })
}

type Schema<'a> = (&'a [ColumnSpec], &'a [ColumnSpec], &'a [ColumnSpec]);

/// Samples a part file holds at least (but the last of a run or of a gap): a kill loses at
/// most this many samples' work, and a 10,000,000-sample run on an adapter with small chunks
/// (1,024 on lavapipe) writes 150 files rather than 10,000, each synced and hashed.
pub const PART_ROWS: u64 = crate::output::ROW_GROUP_ROWS as u64;

/// The part file being written: its first sample, the sample after its last, its writer.
struct OpenPart {
    first: u64,
    next: u64,
    tmp: PathBuf,
    writer: SamplesWriter,
}

impl OpenPart {
    fn new(
        first: u64,
        dir: &Path,
        (inputs, outputs, texts): Schema,
        metadata: &[(String, String)],
    ) -> Result<Self, RunError> {
        let tmp = dir.join(format!("{}.tmp", parts::part_name(first)));
        let writer = SamplesWriter::create(&tmp, inputs, outputs, texts, metadata)?;
        Ok(OpenPart {
            first,
            next: first,
            tmp,
            writer,
        })
    }

    /// Finish the file and make it durable (synced, renamed, in the manifest).
    fn close(self, dir: &Path) -> Result<(), RunError> {
        self.writer.finish()?;
        parts::make_durable(dir, &self.tmp, &parts::part_name(self.first))?;
        Ok(())
    }
}

/// A chunk's outputs, input columns and output columns, for the gathering thread.
type Gathered = (
    Vec<crate::scenario::SampleOutputs>,
    Vec<Vec<f64>>,
    Vec<Vec<Option<f64>>>,
);

/// A propagated chunk's outputs into the open part file.
fn write_chunk(
    sc: &dyn Scenario,
    prep: &Prepared,
    c: &SampledChunk,
    states: &[f64],
    writer: &mut SamplesWriter,
    gather: Option<&std::sync::mpsc::SyncSender<Gathered>>,
) -> Result<f64, RunError> {
    let mut out_cols: Vec<Vec<Option<f64>>> = (0..sc.metrics().len())
        .map(|_| Vec::with_capacity(c.n()))
        .collect();
    let mut status = Vec::with_capacity(c.n());
    let outputs = c.outputs(sc, states);
    for o in &outputs {
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
    // The time spent waiting for the gathering thread to take the chunk, which is not the
    // writer's own work (returned, so that the writer's busy time leaves it out).
    let mut waited = 0.0;
    if let Some(g) = gather {
        let msg = (outputs, in_cols.clone(), out_cols.clone());
        let t0 = Instant::now();
        // A send fails only if the gathering thread is gone, which it is not before the end.
        let _ = g.send(msg);
        waited = t0.elapsed().as_secs_f64();
    }
    let failed = sc.status_names()[sc.failed_status() as usize];
    let mut text_values: Vec<Vec<Option<String>>> = sc
        .iso_epochs()
        .iter()
        .map(|&(_, k)| out_cols[k].iter().map(|v| v.map(iso_from_mjd)).collect())
        .collect();
    // Why each failed sample failed: a parameter out of range (named), else in flight.
    let len = sc.state_len();
    text_values.push(
        c.params
            .iter()
            .zip(&status)
            .enumerate()
            .map(|(j, (p, s))| {
                (*s == failed).then(|| match sc.unphysical(p) {
                    Some(why) => crate::scenario::unphysical_input(&why),
                    None => sc
                        .failed_in_flight_with(p, &states[j * len..(j + 1) * len])
                        .unwrap_or_else(|| FAILED_IN_FLIGHT.to_string()),
                })
            })
            .collect(),
    );
    writer.write_chunk(c.indices.clone(), in_cols, out_cols, text_values, status)?;
    Ok(waited)
}

/// The scenario of results already written (a report, a merge), from the config stored with
/// them, its keys validated: the checks that refuse to start a flight ([`build_scenario`]'s
/// `checked`: a B-plane aim above the interface, `CruiseConfig::flight_checks`, an open-loop
/// recording that failed) are not made again. The samples
/// exist, whatever a later build thinks of their aim (a report of a B-plane run whose aim a
/// later build refused could not be drawn).
/// A stored config that this build's validation refuses (a key it tightened since) is named as
/// such, with the build that wrote the results (`written_by`, their `dispersa.git_commit`).
pub fn scenario_of_results(
    raw: &RawConfig,
    written_by: Option<&str>,
) -> Result<Box<dyn Scenario>, ConfigError> {
    let read = || -> Result<Box<dyn Scenario>, ConfigError> {
        match raw.scenario_kind()?.as_str() {
            "reentry" => Ok(Box::new(Reentry::new(ReentryConfig::from_raw(raw)?))),
            "cruise" => Ok(Box::new(Cruise::new(CruiseConfig::from_raw(raw)?))),
            _ => build_scenario(raw),
        }
    };
    read().map_err(|e| stored_config_error(e, written_by))
}

/// A config-key error met while reading results already written, named as the stored config's,
/// with the build that wrote them (`written_by`, their `dispersa.git_commit`, if known).
pub fn stored_config_error(e: ConfigError, written_by: Option<&str>) -> ConfigError {
    match e {
        ConfigError::Key { .. } => ConfigError::Cli(format!(
            "this build refuses the config stored with these results ({e}); they were written \
             by {}: read them with that build, or run the config again",
            written_by.map_or("an unknown build".to_string(), |c| format!("build {c}"))
        )),
        other => other,
    }
}

/// The scenario a config describes, validated, and checked to fly: an aim, a guidance, a
/// thruster or a recording that cannot fly is refused with the key that sets it.
pub fn build_scenario(raw: &RawConfig) -> Result<Box<dyn Scenario>, ConfigError> {
    match raw.scenario_kind()?.as_str() {
        "reentry" => Ok(Box::new(Reentry::checked(ReentryConfig::from_raw(raw)?)?)),
        "cruise" => Ok(Box::new(Cruise::checked(CruiseConfig::from_raw(raw)?)?)),
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
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} samples  {rate}  ETA {eta}",
        )
        .expect("valid progress template")
        // Whole samples a second ({per_sec} prints four decimals).
        .with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0} samples/s", state.per_sec());
            },
        ),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

/// Unit of a dispersed parameter, read from the suffix of its name.
pub fn unit_of_path(path: &str) -> String {
    // The longer suffix first where one ends another ("_m_s" before "_s").
    let suffixes = [
        ("_m3_s2", "m^3/s^2"),
        ("_kg_m3", "kg/m^3"),
        ("_w_cm2", "W/cm^2"),
        ("_j_cm2", "J/cm^2"),
        ("_km_s", "km/s"),
        ("_m_s", "m/s"),
        ("_per_year", "1/yr"),
        ("_days", "day"),
        ("_deg", "deg"),
        ("_m2", "m^2"),
        ("_kw", "kW"),
        ("_mn", "mN"),
        ("_kg", "kg"),
        ("_km", "km"),
        ("_au", "au"),
        ("_pa", "Pa"),
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
    if let Some([k, n]) = prep.shard {
        m.extend([
            ("dispersa.shard".into(), format!("{k}/{n}")),
            (
                "dispersa.shard_samples".into(),
                crate::output::samples_text(&prep.range),
            ),
        ]);
    }
    m.extend(prep.scenario.metadata(info.precision));
    // The run's notes travel with its files: a deadline beyond the time limit, which leaves the
    // probabilities by it open for timeouts, was said on stderr alone, while summary.parquet and the report
    // gave them as plain values with intervals (a cruise trial).
    if !prep.notes.is_empty() {
        m.push(("dispersa.run_notes".into(), prep.notes.join("\n")));
    }
    m
}

pub use crate::scenario::FAILED_IN_FLIGHT;

/// summary.parquet's `dispersa.outcome_notes`: the notes on the outcome (`Statistics::notes`),
/// which a report shows as the run printed them (it showed the notes before the flights alone:
/// a cruise analyst's trial found the timeouts' note missing from the page). None without notes.
pub fn outcome_notes_meta(notes: &[String]) -> Option<(String, String)> {
    (!notes.is_empty()).then(|| (OUTCOME_NOTES_KEY.to_string(), notes.join("\n")))
}

/// The metadata key of [`outcome_notes_meta`].
pub const OUTCOME_NOTES_KEY: &str = "dispersa.outcome_notes";

/// summary.parquet's `dispersa.tolerance_bounds` metadata: what its tolerance columns are (a
/// run's, a shard's and a merged dataset's alike).
pub fn tolerance_bounds_note() -> (String, String) {
    (
        "dispersa.tolerance_bounds".into(),
        format!(
            "tolerance_lower_99865_95 / tolerance_upper_99865_95: nonparametric one-sided bounds \
             (order statistics) on the 0.135th and 99.865th percentiles at 95 % confidence; null \
             for a metric with fewer than {} values (the count needed)",
            stats::TOLERANCE_MIN_SAMPLES
        ),
    )
}

/// A size for a message: GB from 1 GB up, MB below (a 2 MiB disk read "0.0 GB" twice).
fn bytes_text(bytes: f64) -> String {
    if bytes >= 1e9 {
        format!("{:.1} GB", bytes / 1e9)
    } else {
        format!("{:.1} MB", bytes / 1e6)
    }
}

#[cfg(test)]
mod tests {
    use super::unit_of_path;

    /// Every suffix that the shipped configs' dispersed keys carry, and the names without one.
    #[test]
    fn units_come_from_the_names_suffix() {
        for (path, unit) in [
            ("entry.velocity_km_s", "km/s"),
            ("parachutes.drogue_cd_area_m2", "m^2"),
            ("propulsion.array_power_1au_kw", "kW"),
            ("propulsion.thrust_mn", "mN"),
            ("propulsion.degradation_per_year", "1/yr"),
            ("target.rendezvous_m_s", "m/s"),
            ("parachutes.drogue_delay_s", "s"),
            ("landing.terrain_height_m", "m"),
            ("departure.periapsis_altitude_km", "km"),
            ("planet.mu_m3_s2", "m^3/s^2"),
            ("atmosphere.rho0_kg_m3", "kg/m^3"),
            ("vehicle.mass_kg", "kg"),
            ("entry.flight_path_angle_deg", "deg"),
            ("propulsion.thrust_scale", "1"),
            ("vehicle.cd_scale", "1"),
        ] {
            assert_eq!(unit_of_path(path), unit, "{path}");
        }
    }
}
