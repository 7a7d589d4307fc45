//! `dispersa report RUN_DIR`: figures of a finished run (or corridor) read back from its
//! Parquet files, as a self-contained report.html (figures inline as SVG) plus every figure as
//! an SVG and a PNG file.
//!
//! Data flow: run directory -> `data` (Parquet tables, metadata) -> figure specs (`reentry`,
//! `cruise`, `corridor`: one file a scenario; the distributions and sensitivities every run has,
//! here) -> `figures` (plotters: SVG and bitmap) -> `html`.

mod corridor;
mod cruise;
pub mod data;
pub mod figures;
mod flights;
mod html;
mod reentry;
mod tracks;
pub mod wind_drift;

pub use crate::config::sig;
use crate::config::{ConfigError, RawConfig};
use crate::output::{OutputError, RunDir};
use crate::run::scenario_of_results;
use crate::scenario::reentry::ReentryConfig;
use crate::scenario::{Probability, Scenario};
use data::{ReadError, Table};
use figures::{
    CorridorProbabilities, Footprint, Heliocentric, Histogram, Marker, Panels, Plot, Tornado,
};
use std::path::{Path, PathBuf};

/// Landing points drawn in the footprint at most (the ellipse uses all of them): beyond this
/// the scatter is a solid blot and the SVG grows by ~100 bytes a point.
pub const MAX_FOOTPRINT_POINTS: usize = 5000;

/// Samples a run's report flies again beside the nominal unless told otherwise.
pub const DEFAULT_TRAJECTORIES: usize = 4;
/// The most samples a report flies again (its figures' legends name each).
pub const MAX_TRAJECTORIES: usize = 12;

#[derive(Debug, Clone)]
pub struct ReportOptions {
    pub run_dir: PathBuf,
    /// Output directory [default: RUN_DIR/report].
    pub out: Option<PathBuf>,
    /// Samples flown again beside the nominal: a reentry's flight figures and
    /// trajectories.parquet, a cruise's heliocentric plot [default: [`DEFAULT_TRAJECTORIES`]].
    /// Given for a corridor alone, a note says it is not used.
    pub trajectories: Option<usize>,
    /// These samples flown again instead of the first ones (`--samples`, by their `sample`
    /// index; at most [`MAX_TRAJECTORIES`]); empty for the first `trajectories`.
    pub samples: Vec<u64>,
    pub force: bool,
}

/// Which samples a report flies again beside the nominal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flights {
    /// The first n that did not fail.
    First(usize),
    /// These, by their `sample` index.
    These(Vec<u64>),
}

impl Flights {
    /// Whether any flight is flown (the nominal's with the samples').
    pub fn any(&self) -> bool {
        *self != Flights::First(0)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("drawing {figure}: {message}")]
    Draw { figure: String, message: String },
    #[error(transparent)]
    Output(#[from] OutputError),
}

impl ReportError {
    /// 2 for bad input (no run there, unreadable files), 1 for a failure while writing.
    pub fn exit_code(&self) -> i32 {
        match self {
            ReportError::Input(_) | ReportError::Read(_) | ReportError::Config(_) => 2,
            _ => 1,
        }
    }
}

/// A figure of the report: file stem, title, one-line caption on how to read it, and its plot.
pub struct Figure {
    pub name: String,
    pub title: String,
    pub caption: String,
    pub plot: AnyPlot,
}

/// The plot kinds a report holds.
pub enum AnyPlot {
    Footprint(Footprint),
    Histogram(Histogram),
    Tornado(Tornado),
    Corridor(CorridorProbabilities),
    Panels(Panels),
    Heliocentric(Heliocentric),
    Wind(figures::WindProfile),
    Distance(figures::CometDistance),
    Tracks(figures::Tracks),
}

impl AnyPlot {
    fn svg(&self, title: &str, caption: Option<&str>) -> Result<String, String> {
        match self {
            AnyPlot::Footprint(p) => figures::render_svg(p, title, caption),
            AnyPlot::Histogram(p) => figures::render_svg(p, title, caption),
            AnyPlot::Tornado(p) => figures::render_svg(p, title, caption),
            AnyPlot::Corridor(p) => figures::render_svg(p, title, caption),
            AnyPlot::Panels(p) => figures::render_svg(p, title, caption),
            AnyPlot::Heliocentric(p) => figures::render_svg(p, title, caption),
            AnyPlot::Wind(p) => figures::render_svg(p, title, caption),
            AnyPlot::Distance(p) => figures::render_svg(p, title, caption),
            AnyPlot::Tracks(p) => figures::render_svg(p, title, caption),
        }
    }

    fn png(&self, title: &str, caption: &str, path: &Path) -> Result<(), String> {
        fn go<P: Plot>(p: &P, t: &str, c: &str, path: &Path) -> Result<(), String> {
            figures::render_png(p, t, c, path)
        }
        match self {
            AnyPlot::Footprint(p) => go(p, title, caption, path),
            AnyPlot::Histogram(p) => go(p, title, caption, path),
            AnyPlot::Tornado(p) => go(p, title, caption, path),
            AnyPlot::Corridor(p) => go(p, title, caption, path),
            AnyPlot::Panels(p) => go(p, title, caption, path),
            AnyPlot::Heliocentric(p) => go(p, title, caption, path),
            AnyPlot::Wind(p) => go(p, title, caption, path),
            AnyPlot::Distance(p) => go(p, title, caption, path),
            AnyPlot::Tracks(p) => go(p, title, caption, path),
        }
    }
}

/// What a report wrote.
#[derive(Debug, Clone)]
pub struct ReportSummary {
    pub dir: PathBuf,
    pub figures: Vec<String>,
    pub notes: Vec<String>,
    /// The tables written beside the figures (trajectories.parquet, where flights were flown
    /// again).
    pub tables: Vec<String>,
}

/// What the report page shows besides figures.
pub struct Page {
    pub title: String,
    /// (label, value) rows describing the run.
    pub facts: Vec<(String, String)>,
    /// summary.parquet, when there is one.
    pub summary: Option<Table>,
    pub notes: Vec<String>,
    /// What was flown: the config file's text and the `--set` overrides applied to it, as the
    /// files keep them (the page named only the run, the seed and the adapter, too little to
    /// hand a review board on its own: an entry analyst's trial). One per file read: a run's,
    /// a corridor's, named with the sample count and seed it flew (the file's `samples = 10000`
    /// read as flown beside a run of 4,000: a review board's trial).
    pub flown: Vec<(String, RawConfig)>,
    /// What some of the summary's metrics mean beyond their names and units (their frames and
    /// signs), said under its table.
    pub conventions: Vec<(&'static str, String)>,
}

pub fn report(opts: &ReportOptions) -> Result<ReportSummary, ReportError> {
    let dir = &opts.run_dir;
    let flights = if opts.samples.is_empty() {
        Flights::First(opts.trajectories.unwrap_or(DEFAULT_TRAJECTORIES))
    } else {
        Flights::These(opts.samples.clone())
    };
    let partial = crate::output::partial_dir(dir);
    if !dir.exists() && partial.is_dir() {
        return Err(ReportError::Input(format!(
            "{}: not there yet: its run is being written, or was interrupted ({} holds it); \
             wait for it to finish, or continue it with `dispersa run ... --resume`",
            dir.display(),
            partial.display()
        )));
    }
    if !dir.is_dir() {
        let what = if dir.exists() {
            "not a directory"
        } else {
            "no such run directory"
        };
        return Err(ReportError::Input(format!(
            "{}: {what} (give the directory `dispersa run` or `dispersa corridor` wrote)",
            dir.display()
        )));
    }
    let samples = dir.join("samples.parquet");
    let corridor = dir.join("corridor.parquet");
    // A merged shard dataset: its parts in index order, its merged statistics.
    let dataset = crate::output::written_by_dispersa(dir) == Some(crate::output::DirKind::Shards);
    if dataset && !dir.join("_summary.parquet").is_file() {
        return Err(ReportError::Input(format!(
            "{}: a shard dataset not merged yet; run `dispersa merge {}` first",
            dir.display(),
            dir.display()
        )));
    }
    if let Some(why) = crate::output::shards_without_marker(dir) {
        return Err(ReportError::Input(why));
    }
    if !dataset && !samples.is_file() && !corridor.is_file() {
        // One shard of a sharded run: the report is of the merged dataset.
        if let Some(parent) = dir.parent().filter(|_| {
            dir.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("shard="))
        }) {
            return Err(ReportError::Input(format!(
                "{}: one shard of a sharded run; report the whole run instead: `dispersa merge \
                 {}` (once every shard is done), then `dispersa report {}`",
                dir.display(),
                parent.display(),
                parent.display()
            )));
        }
        return Err(ReportError::Input(format!(
            "{}: holds neither samples.parquet (a run) nor corridor.parquet (a corridor)",
            dir.display()
        )));
    }
    // A flipped byte in a data page reads back as a plausible number: check every file
    // against the run's checksums before drawing anything from it.
    let mut verified = crate::output::manifest::verify(dir).map_err(ReportError::Input)?;
    let (sample_files, stats_prefix) = if dataset {
        let (shards, _) = crate::output::shard_dirs(dir).map_err(ReportError::Input)?;
        // The shards the merge joined, as it recorded them (datasets merged before it did
        // are not checked).
        let merged = crate::output::file_metadata(&dir.join("_summary.parquet"))?;
        let key = crate::output::manifest::SHARD_MANIFESTS_KEY;
        if let Some(recorded) = crate::output::meta_value(&merged, key) {
            crate::output::manifest::check_shards(dir, recorded, &shards)
                .map_err(ReportError::Input)?;
        }
        let mut files = Vec::new();
        for shard in shards.values() {
            verified &= crate::output::manifest::verify(shard).map_err(ReportError::Input)?;
            let parts = crate::output::parts::list(shard, false, &mut |_| {})?;
            files.extend(parts.into_iter().map(|p| p.path));
        }
        (Some(files), "_")
    } else {
        (samples.is_file().then(|| vec![samples.clone()]), "")
    };
    // In a shard dataset the report goes to `_report`, which dataset readers skip.
    let default_name = if dataset { "_report" } else { "report" };
    let out = opts.out.clone().unwrap_or_else(|| dir.join(default_name));
    // Inside a dataset, only where its readers skip: a folder whose name starts with `_` or
    // `.`. Elsewhere pyarrow's dataset and pandas' read_parquet of the folder took the
    // report's files for data and stopped (a notebook user's trial: --out DATASET/figs).
    if dataset {
        if let Ok(rel) = absolute(&out).strip_prefix(absolute(dir)) {
            let first = rel
                .components()
                .next()
                .map(|c| c.as_os_str().to_string_lossy());
            if first.is_some_and(|f| !f.starts_with('_') && !f.starts_with('.')) {
                return Err(ReportError::Input(format!(
                    "--out {}: lies inside the dataset {}, whose readers (pyarrow's dataset, \
                     pandas.read_parquet of the folder) would take the report's files for data; \
                     leave --out out (the report goes to {}) or name a folder outside the \
                     dataset, or one inside whose name starts with `_`",
                    out.display(),
                    dir.display(),
                    dir.join(default_name).display()
                )));
            }
        }
    }
    // Replacing the output directory must never take a run with it.
    if absolute(dir).starts_with(absolute(&out)) {
        return Err(ReportError::Input(format!(
            "--out {}: is the run directory {} or holds it; a report there would replace the \
             run (choose a new directory)",
            out.display(),
            dir.display()
        )));
    }
    // Named by what it holds (a corridor's was called a run's: an entry analyst's trial).
    for (file, what) in [
        ("samples.parquet", "a run's"),
        ("corridor.parquet", "a corridor's"),
    ] {
        if out.join(file).exists() {
            return Err(ReportError::Input(format!(
                "--out {}: holds {what} Parquet files ({file}); a report there would replace \
                 them",
                out.display()
            )));
        }
    }
    // A report of this same directory is replaced as it is made again; one of another run is
    // not without --force (a batch trial's report of one run replaced another's unsaid).
    // A report inside the directory it reports (the default `report`, `_report`) moves with
    // it, so a run moved or copied is not refused for its own report (a review).
    let source = absolute(dir);
    let inside = absolute(&out).starts_with(&source);
    let theirs = crate::output::report_source(&out).filter(|s| *s != source && !inside);
    if let (Some(theirs), false) = (&theirs, opts.force) {
        return Err(ReportError::Input(format!(
            "--out {}: holds the report of {}, another directory than {}; --force replaces it",
            out.display(),
            theirs.display(),
            dir.display()
        )));
    }
    let replace = opts.force || is_old_report(&out);
    let mut notice = crate::run::stderr_notice;
    let _lock =
        crate::output::claim_out_dir(&out, crate::output::DirKind::Report, replace, &mut notice)
            .map_err(ReportError::Input)?;
    let mut figs = Vec::new();
    let mut notes = Vec::new();
    if !verified {
        notes.push(format!(
            "{} has no {} (written before dispersa wrote checksums, or removed since): its files were not \
             verified",
            dir.display(),
            crate::output::manifest::MANIFEST
        ));
    }
    let mut facts = vec![("run directory".to_string(), dir.display().to_string())];
    let mut summary = None;
    let mut title = String::from("dispersa report");
    let mut tracks: Option<tracks::TrackTable> = None;
    let mut conventions = Vec::new();
    let mut run_meta = std::collections::HashMap::new();
    let mut flown = Vec::new();
    if let Some(sample_files) = &sample_files {
        let t = Table::read_all(sample_files)?;
        let sum_path = dir.join(format!("{stats_prefix}summary.parquet"));
        let sum = sum_path
            .is_file()
            .then(|| Table::read(&sum_path))
            .transpose()?;
        let sens_path = dir.join(format!("{stats_prefix}sensitivity.parquet"));
        let sens = sens_path
            .is_file()
            .then(|| Table::read(&sens_path))
            .transpose()?;
        let raw = config_of(&t)?;
        run_meta = t.metadata.clone();
        flown.push((flown_as("the run", &t), raw.clone()));
        let scenario = scenario_of_results(&raw, t.meta("dispersa.git_commit"))?;
        title = format!("dispersa report: {}", scenario.run_config().name);
        facts.extend(run_facts(&t));
        let status = t.strings("status")?;
        let failed = scenario.status_names()[scenario.failed_status() as usize];
        let ctx = RunContext {
            t: &t,
            summary: sum.as_ref(),
            sens: sens.as_ref(),
            scenario: scenario.as_ref(),
            ok: status.iter().map(|s| s != failed).collect(),
            status,
        };
        // Failed samples are in no figure: say how many, and why the first one failed (runs
        // written before failure_reason existed say nothing more).
        let n_failed = ctx.ok.iter().filter(|ok| !**ok).count();
        if n_failed > 0 {
            let why = t.strings("failure_reason").ok().and_then(|r| {
                let k = ctx.ok.iter().position(|ok| !ok)?;
                Some(format!("; sample {k}: {}", r[k]))
            });
            let all = if n_failed == t.rows {
                format!("every one of the {} samples failed", t.rows)
            } else {
                format!("{n_failed} of the {} samples failed", t.rows)
            };
            notes.push(format!(
                "{all}; the figures leave failed samples out (the samples' failure_reason column \
                 says why{})",
                why.unwrap_or_default()
            ));
        }
        // The notes the run printed before it flew (a time limit before the deadline leaves the
        // probabilities by it open for timeouts), as its files keep them; from the stored config for a
        // run written before they did.
        match t.meta("dispersa.run_notes") {
            Some(kept) => notes.extend(kept.lines().map(String::from)),
            None => notes.extend(scenario.run_notes()),
        }
        // And its notes on the outcome, as the run or merge printed them (the timeouts' note
        // was missing from the page: a cruise analyst's trial).
        if let Some(kept) = sum
            .as_ref()
            .and_then(|s| s.meta(crate::run::OUTCOME_NOTES_KEY))
        {
            notes.extend(kept.lines().filter(|l| !l.is_empty()).map(String::from));
        }
        match scenario.kind() {
            "reentry" => {
                let sc = crate::scenario::reentry::Reentry::new(ReentryConfig::from_raw(&raw)?);
                let rc = &sc.cfg;
                reentry::reentry_figures(&ctx, rc, &mut figs, &mut notes)?;
                conventions = reentry::conventions(&sc);
                // `--trajectories 0` leaves the flights out, the nominal's included (as the
                // cruise's).
                if flights.any() {
                    let flown =
                        flights::flight_figures(&ctx, &sc, &flights, &mut figs, &mut notes)?;
                    tracks = (!flown.is_empty()).then(|| flights::table(&flown));
                }
                if let Some(w) = &rc.winds {
                    figs.push(reentry::wind_figure(
                        w,
                        t.meta("dispersa.nominal") == Some("true"),
                        rc.landing.terrain_height_m / 1000.0,
                    ));
                }
            }
            "cruise" => {
                tracks = cruise::cruise_figures(&ctx, &raw, &flights, &mut figs, &mut notes)?;
            }
            other => notes.push(format!("no figures are defined for scenario {other:?}")),
        }
        summary = sum;
    }
    if (opts.trajectories.is_some() || !opts.samples.is_empty()) && sample_files.is_none() {
        let which = if opts.samples.is_empty() {
            "--trajectories"
        } else {
            "--samples"
        };
        notes.push(format!(
            "{which} is for runs' samples; this report does not use it"
        ));
    }
    if corridor.is_file() {
        let t = Table::read(&corridor)?;
        let raw = config_of(&t)?;
        flown.push((flown_as("the corridor", &t), raw.clone()));
        let cfg = ReentryConfig::from_raw(&raw)
            .map_err(|e| crate::run::stored_config_error(e, t.meta("dispersa.git_commit")))?;
        if !samples.is_file() {
            title = format!("dispersa corridor report: {}", cfg.run.name);
        }
        facts.extend(corridor_facts(&t));
        // Its own notes, and the notes before its flights that it keeps as a run does (a
        // review found them in the file and not on the page).
        for key in ["dispersa.run_notes", "dispersa.corridor.notes"] {
            notes.extend(
                t.meta(key)
                    .unwrap_or("")
                    .lines()
                    .filter(|l| !l.is_empty())
                    .map(|l| format!("corridor: {l}")),
            );
        }
        corridor::corridor_figures(&t, &cfg, &mut figs)?;
    }
    if let Some(t) = &tracks {
        facts.push((
            "time histories".into(),
            format!(
                "{}: {} drawn, {} rows ({})",
                tracks::TRAJECTORIES,
                match t.flights() {
                    1 => "the 1 flight".to_string(),
                    n => format!("the {n} flights"),
                },
                t.rows(),
                t.rows_are
            ),
        ));
    }
    facts.push((
        "report by".into(),
        format!("dispersa {}", env!("CARGO_PKG_VERSION")),
    ));

    let run_dir = RunDir::create_report(&out, &source)?;
    if let Some(t) = &tracks {
        t.write(
            &run_dir.tmp.join(tracks::TRAJECTORIES),
            &tracks::metadata(&run_meta, &source),
        )?;
    }
    let mut rendered = Vec::new();
    for f in &figs {
        let draw_err = |message: String| ReportError::Draw {
            figure: f.name.clone(),
            message,
        };
        let page_svg = f.plot.svg(&f.title, None).map_err(draw_err)?;
        let file_svg = f.plot.svg(&f.title, Some(&f.caption)).map_err(draw_err)?;
        std::fs::write(run_dir.tmp.join(format!("{}.svg", f.name)), file_svg).map_err(|e| {
            OutputError::Io {
                action: format!("writing {}.svg", f.name),
                source: e,
            }
        })?;
        f.plot
            .png(
                &f.title,
                &f.caption,
                &run_dir.tmp.join(format!("{}.png", f.name)),
            )
            .map_err(draw_err)?;
        rendered.push((f, page_svg));
    }
    let page = Page {
        title,
        facts,
        summary,
        notes: notes.clone(),
        flown,
        conventions,
    };
    let html = html::page(&page, &rendered);
    std::fs::write(run_dir.tmp.join("report.html"), html).map_err(|e| OutputError::Io {
        action: "writing report.html".into(),
        source: e,
    })?;
    run_dir.commit()?;
    Ok(ReportSummary {
        dir: out,
        figures: figs.iter().map(|f| f.name.clone()).collect(),
        notes,
        tables: tracks
            .iter()
            .map(|_| tracks::TRAJECTORIES.to_string())
            .collect(),
    })
}

/// `p` made absolute with symbolic links and `..` resolved, as far as it exists.
fn absolute(p: &Path) -> PathBuf {
    if let Ok(c) = p.canonicalize() {
        return c;
    }
    match (p.parent(), p.file_name()) {
        (Some(parent), Some(name)) => absolute(if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        })
        .join(name),
        _ => std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()),
    }
}

/// A directory an earlier `dispersa report` wrote: report.html and nothing but figure files
/// and its flights' time histories.
fn is_old_report(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    dir.join("report.html").is_file()
        && entries.flatten().all(|e| {
            let path = e.path();
            path.is_file()
                && (e.file_name() == crate::output::MARKER
                    || e.file_name() == tracks::TRAJECTORIES
                    || matches!(
                        path.extension().and_then(|x| x.to_str()),
                        Some("html" | "svg" | "png")
                    ))
        })
}

/// `what` with the sample count and the seed the file says it flew (--samples and --seed take
/// the place of the config's own), as the "What was flown" section names it.
fn flown_as(what: &str, t: &Table) -> String {
    let count = match (
        t.meta("dispersa.samples_per_point"),
        t.meta("dispersa.samples"),
    ) {
        (Some(n), _) => Some(format!("{n} samples per angle")),
        (None, Some(n)) => Some(format!("{n} samples")),
        _ => None,
    };
    let parts: Vec<String> = count
        .into_iter()
        .chain(t.meta("dispersa.seed").map(|s| format!("seed {s}")))
        .collect();
    if parts.is_empty() {
        what.to_string()
    } else {
        format!("{what}, flown with {}", parts.join(", "))
    }
}

/// The config a file was made from (its text and --set overrides are in its metadata).
fn config_of(t: &Table) -> Result<RawConfig, ReportError> {
    let text = t.meta("dispersa.config").ok_or_else(|| {
        ReportError::Input(format!(
            "{}: no dispersa.config in its metadata (not written by dispersa?)",
            t.path.display()
        ))
    })?;
    let overrides: Vec<String> = t
        .meta("dispersa.config_overrides")
        .unwrap_or("")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_string)
        .collect();
    let origin = format!("the config stored in {}", t.path.display());
    Ok(RawConfig::parse(text, &origin, &overrides)?)
}

/// Where a file came from: (label, metadata key), shown on every page.
const PROVENANCE: [(&str, &str); 7] = [
    ("seed", "dispersa.seed"),
    ("backend", "dispersa.backend"),
    ("adapter", "dispersa.adapter"),
    ("precision", "dispersa.precision"),
    ("dispersa version", "dispersa.version"),
    ("git commit", "dispersa.git_commit"),
    ("config overrides", "dispersa.config_overrides"),
];

/// (label, value) rows of a file's metadata: `keys`, then its provenance; empty ones left out.
fn facts(t: &Table, keys: &[(&str, &str)]) -> Vec<(String, String)> {
    keys.iter()
        .chain(PROVENANCE.iter())
        .filter_map(|(label, key)| {
            let x = t.meta(key).filter(|x| !x.is_empty())?;
            Some((label.to_string(), x.to_string()))
        })
        .collect()
}

fn run_facts(t: &Table) -> Vec<(String, String)> {
    facts(
        t,
        &[
            ("scenario", "dispersa.scenario"),
            ("samples", "dispersa.samples"),
        ],
    )
}

fn corridor_facts(t: &Table) -> Vec<(String, String)> {
    facts(
        t,
        &[
            ("corridor angles", "dispersa.fpa_deg"),
            ("samples per angle", "dispersa.samples_per_point"),
            ("acceptable risk", "dispersa.risk"),
            (
                "shallow (skip-out) boundary [deg]",
                "dispersa.corridor.shallow_boundary_deg",
            ),
            (
                "steep (limit) boundary [deg]",
                "dispersa.corridor.steep_boundary_deg",
            ),
            ("corridor width [deg]", "dispersa.corridor.width_deg"),
            (
                "the width a lower bound (a boundary at the range's end)",
                "dispersa.corridor.width_is_a_lower_bound",
            ),
            (
                "both boundaries confirmed by their Wilson intervals",
                "dispersa.corridor.boundaries_confirmed",
            ),
        ],
    )
}

struct RunContext<'a> {
    t: &'a Table,
    summary: Option<&'a Table>,
    sens: Option<&'a Table>,
    scenario: &'a dyn Scenario,
    /// Each sample's status, read once, and whether it did not fail.
    status: Vec<String>,
    ok: Vec<bool>,
}

/// A trajectory the report flies again on the f64 CPU reference: its label, its row of
/// samples.parquet (None for the nominal of a dispersed run, which has none), and its input row.
struct Replay {
    pub label: String,
    pub row: Option<usize>,
    pub input: Vec<f64>,
    /// A sample's status in samples.parquet, which its label names; none for the undispersed
    /// flight (a --nominal run's one row included).
    pub recorded: Option<String>,
}

impl Replay {
    /// The undispersed flight.
    fn is_nominal(&self) -> bool {
        self.recorded.is_none()
    }

    /// The label a flown flight is drawn and written under: the nominal's names how it ended
    /// (`status`), as the samples' labels do from samples.parquet (its outcome is in no file
    /// of a dispersed run: a trial).
    fn ended(&self, status: &str) -> String {
        if self.is_nominal() {
            format!("nominal ({status})")
        } else {
            self.label.clone()
        }
    }

    /// The status trajectories.parquet gives the flight, as its label names it: a sample's from
    /// samples.parquet (the flight flown again can end otherwise near a boundary, on an f32 or
    /// GPU run or another build's: a review), the nominal's as flown again (`status`).
    fn status(&self, status: &str) -> String {
        self.recorded.clone().unwrap_or_else(|| status.to_string())
    }
}

/// The nominal and the run's first `n` samples that did not fail, drawn again with the run's
/// seed and sample streams (a --nominal run's one row is the nominal). A sample's inputs that
/// this build finds unphysical, though the build that wrote the run flew them (a check added
/// since), are left out with a note: their start is not finite, and a track of NaNs hung the
/// plotting (a review).
fn replays(
    ctx: &RunContext,
    sc: &dyn Scenario,
    flights: &Flights,
    notes: &mut Vec<String>,
) -> Result<Vec<Replay>, ReportError> {
    use crate::pipeline::Samples;
    let stored = |e| crate::run::stored_config_error(e, ctx.t.meta("dispersa.git_commit"));
    let seed: u64 = ctx
        .t
        .meta("dispersa.seed")
        .and_then(|s| s.parse().ok())
        .unwrap_or(sc.run_config().seed);
    let was_nominal = ctx.t.meta("dispersa.nominal") == Some("true");
    // Each row's sample index from its `sample` column (the row order of a dataset's files is
    // theirs), drawn again by that index.
    let ids = ctx.t.f64s("sample")?;
    let label = |k: usize, id: u64| (format!("sample {id} ({})", ctx.status[k]), false, k, id);
    let nominal = std::iter::once(("nominal".to_string(), true, 0, 0));
    let picked: Vec<(String, bool, usize, u64)> = match flights {
        // The first samples that flew: a failed one (an unphysical input) has no trajectory,
        // and its end point is null in samples.parquet (an audit found one drawn where the
        // Earth is).
        Flights::First(n) => nominal
            .chain(
                (0..ctx.t.rows)
                    .filter(|&k| !was_nominal && ctx.ok[k])
                    .filter_map(|k| Some((k, ids[k]? as u64)))
                    .take(*n)
                    .map(|(k, id)| label(k, id)),
            )
            .collect(),
        // The ones asked for: each must be a sample of this run; a failed one is said and
        // left out, as it has no trajectory.
        Flights::These(wanted) => {
            if was_nominal {
                return Err(ReportError::Input(
                    "--samples: this is a --nominal run, whose one flight is the nominal; it \
                     holds no dispersed samples to choose from"
                        .into(),
                ));
            }
            let mut rows = Vec::new();
            for &id in wanted {
                let Some(k) = ids.iter().position(|v| *v == Some(id as f64)) else {
                    let present: Vec<u64> = ids.iter().flatten().map(|v| *v as u64).collect();
                    return Err(ReportError::Input(format!(
                        "--samples: sample {id} is not in this run (its {} rows hold {})",
                        present.len(),
                        held_samples(present)
                    )));
                };
                if ctx.ok[k] {
                    rows.push(label(k, id));
                } else {
                    notes.push(format!(
                        "sample {id} is not drawn: it failed (the samples' failure_reason column \
                         says why), so it has no trajectory"
                    ));
                }
            }
            nominal.chain(rows).collect()
        }
    };
    let (dispersed, undispersed) = (
        Samples::new(sc, seed, false).map_err(stored)?,
        Samples::new(sc, seed, true).map_err(stored)?,
    );
    let mut out = Vec::new();
    for (label, nominal, index, id) in picked {
        let draws = if nominal { &undispersed } else { &dispersed };
        let drawn = draws.draw(sc, [id], None);
        if let Some(why) = drawn.params.first().and_then(|p| sc.unphysical(p)) {
            notes.push(format!(
                "{label} is not drawn: this build finds its inputs unphysical ({why}), though \
                 the build that wrote the run flew them"
            ));
            continue;
        }
        // Row `index` of samples.parquet is this trajectory: the samples of a dispersed run, or
        // the nominal of a --nominal run (its row 0).
        let row = (!nominal || was_nominal).then_some(index);
        out.push(Replay {
            label,
            row,
            input: drawn.inputs,
            recorded: (!nominal).then(|| ctx.status[index].clone()),
        });
    }
    Ok(out)
}

/// What [`RunContext::tornado`] made of an output: its figure, or the flights its sensitivity
/// rows are over where none has a coefficient, or nothing where the run's sensitivity.parquet
/// has no rows of it (none at all, or an earlier build's).
enum TornadoOutcome {
    Drawn(Box<Figure>),
    Over(f64),
    NoFile,
}

impl RunContext<'_> {
    /// How the samples that have a metric ended, e.g. "landed 9990, skipped_out 10".
    fn status_mix(&self, name: &str) -> Result<String, ReportError> {
        let values = self.t.f64s(name)?;
        Ok(tally(
            values
                .iter()
                .zip(&self.ok)
                .zip(&self.status)
                .filter(|((v, ok), _)| **ok && v.is_some_and(f64::is_finite))
                .map(|(_, st)| st.as_str()),
        ))
    }

    /// A metric's values over the samples that did not fail and have it.
    fn values(&self, name: &str) -> Result<Vec<f64>, ReportError> {
        Ok(self
            .t
            .f64s(name)?
            .into_iter()
            .zip(&self.ok)
            .filter_map(|(v, ok)| v.filter(|x| *ok && x.is_finite()))
            .collect())
    }

    fn axis(&self, name: &str, label: &str) -> String {
        match self.t.unit(name) {
            "" | "1" => label.to_string(),
            u => format!("{label} [{u}]"),
        }
    }

    /// A summary.parquet cell.
    fn summary_value(&self, metric: &str, column: &str) -> Option<f64> {
        let s = self.summary?;
        let names = s.strings("metric").ok()?;
        let k = names.iter().position(|n| n == metric)?;
        s.f64s(column).ok()?.get(k).copied().flatten()
    }

    /// "P(name) = p (95% CI lo to hi)" from summary.parquet; where no flight has an outcome,
    /// says so (an all-timeout run's histograms dropped the sentence, a review).
    fn probability_text(&self, metric: &str) -> Option<String> {
        let Some(p) = self.summary_value(metric, "mean") else {
            return self
                .summary_value(metric, "count")
                .filter(|n| *n == 0.0)
                .map(|_| "none: no flight has an outcome for it".to_string());
        };
        let (Some(lo), Some(hi)) = (
            self.summary_value(metric, "ci_low"),
            self.summary_value(metric, "ci_high"),
        ) else {
            // A --nominal run's: the one flight's outcome.
            return Some(format!("{} (the undispersed flight)", sig(p)));
        };
        // The trials: every sample that did not fail (not only those that reached the event),
        // less the flights the time limit stopped before their outcome was known
        // (Scenario::decided).
        let flown = self.summary_value("status_failed", "count").map(|f| {
            let all: f64 = self
                .scenario
                .status_names()
                .iter()
                .filter_map(|s| self.summary_value(&format!("status_{s}"), "count"))
                .sum();
            all - f
        });
        let over = self
            .summary_value(metric, "count")
            .map_or(String::new(), |n| match flown {
                Some(f) if n < f => format!(
                    " over the {n:.0} samples with an outcome for it (failed ones, and {:.0} \
                     the time limit stopped before it was known, are left out)",
                    f - n
                ),
                _ => format!(" over the {n:.0} samples that did not fail"),
            });
        // With flights left open, the interval covers them either way (summary.parquet's
        // ci_low/ci_high), and so do min and max: said, with the bounds (a review).
        let open = match (
            flown,
            self.summary_value(metric, "count"),
            self.summary_value(metric, "min"),
            self.summary_value(metric, "max"),
        ) {
            (Some(f), Some(n), Some(a), Some(b)) if n < f => format!(
                "; {} to {} whatever the flights left out would do, and 95% interval {} to {} \
                 over every flight that did not fail",
                sig(a),
                sig(b),
                sig(lo),
                sig(hi)
            ),
            _ => format!(" (95% interval {} to {})", sig(lo), sig(hi)),
        };
        Some(format!("{}{over}{open}", sig(p)))
    }

    /// The limit the scenario checks `metric` against, if any.
    fn limit(&self, metric: &str) -> Option<(f64, &'static str)> {
        let k = self.scenario.metrics().iter().position(|m| m.0 == metric)?;
        self.scenario
            .probabilities()
            .into_iter()
            .find_map(|p| match p {
                Probability::Above {
                    name,
                    metric,
                    limit,
                    ..
                }
                | Probability::AtMost {
                    name,
                    metric,
                    limit,
                    ..
                } if metric == k => Some((limit, name)),
                _ => None,
            })
    }

    /// The tornados of `outputs` (name, label), those with no coefficient to draw said in one
    /// note with why (a trial found every tornado gone without a word where every flight timed
    /// out before its values were the whole flight's).
    fn tornados(
        &self,
        outputs: &[(&str, &str)],
        figs: &mut Vec<Figure>,
        notes: &mut Vec<String>,
    ) -> Result<(), ReportError> {
        let mut few = Vec::new();
        let mut flat = Vec::new();
        for &(output, label) in outputs {
            match self.tornado(output, label)? {
                TornadoOutcome::Drawn(f) => figs.push(*f),
                TornadoOutcome::Over(n) if n < 3.0 => few.push((label, n)),
                TornadoOutcome::Over(_) => flat.push(label),
                TornadoOutcome::NoFile => {}
            }
        }
        // A --nominal run's one flight has no sensitivities to draw, by design: nothing said.
        if self.t.meta("dispersa.nominal") == Some("true") {
            return Ok(());
        }
        if !few.is_empty() {
            let (lo, hi) = few.iter().fold((f64::INFINITY, 0.0f64), |(a, b), f| {
                (a.min(f.1), b.max(f.1))
            });
            let counted = if lo == hi {
                format!("{lo:.0}")
            } else {
                format!("{lo:.0} to {hi:.0}")
            };
            notes.push(format!(
                "the sensitivity tornado{} of {} {} not drawn: {} a value on {counted} of the \
                 flights in the sensitivities, fewer than the 3 a rank correlation needs (an \
                 output is defined only where its event came, a landing or a rendezvous; failed \
                 flights, and timeouts whose values are not the whole flight's, are left out)",
                if few.len() > 1 { "s" } else { "" },
                and_list(&few.iter().map(|f| f.0).collect::<Vec<_>>()),
                if few.len() > 1 { "are" } else { "is" },
                if few.len() > 1 {
                    "each output has"
                } else {
                    "the output has"
                },
            ));
        }
        if !flat.is_empty() {
            notes.push(format!(
                "the sensitivity tornado{} of {} {} not drawn: the output does not vary beyond \
                 rounding or the integrator's tolerance over the flights in the sensitivities \
                 (its rows in sensitivity.parquet are null)",
                if flat.len() > 1 { "s" } else { "" },
                and_list(&flat),
                if flat.len() > 1 { "are" } else { "is" },
            ));
        }
        Ok(())
    }

    /// A tornado of every input against `output`, strongest (|Spearman|) first.
    fn tornado(&self, output: &str, label: &str) -> Result<TornadoOutcome, ReportError> {
        let Some(s) = self.sens else {
            return Ok(TornadoOutcome::NoFile);
        };
        let (inputs, outputs) = (s.strings("input")?, s.strings("output")?);
        let (rho, src) = (s.f64s("spearman")?, s.f64s("src")?);
        let r2 = s.f64s("r2")?;
        let count = s.f64s("count")?;
        let mut rows: Vec<(String, f64, Option<f64>)> = Vec::new();
        let mut model_r2 = None;
        let mut n = 0.0f64;
        let mut seen = false;
        for k in 0..inputs.len() {
            if outputs[k] == output {
                seen = true;
                if let Some(r) = rho[k] {
                    rows.push((inputs[k].clone(), r, src[k]));
                }
                model_r2 = model_r2.or(r2[k]);
                n = n.max(count[k].unwrap_or(0.0));
            }
        }
        if !seen {
            // A sensitivity.parquet of an earlier build, without this output.
            return Ok(TornadoOutcome::NoFile);
        }
        if rows.is_empty() {
            return Ok(TornadoOutcome::Over(n));
        }
        rows.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        // A B-plane delivery's entry state is a function of the sampled delivery: its five
        // columns (speed, angle, azimuth, latitude, longitude) ranked above the delivery
        // itself, one effect again and again, and pushed sampled inputs off the chart (an
        // entry analyst's trial). They are named in the caption, not drawn (kept where they
        // are all there is).
        let derived: Vec<String> = self
            .scenario
            .derived_params()
            .iter()
            .map(|&i| crate::scenario::column_name(self.scenario.param_names()[i]))
            .collect();
        let (sampled, held): (Vec<_>, Vec<_>) =
            rows.iter().cloned().partition(|r| !derived.contains(&r.0));
        let mut held_text = String::new();
        if !sampled.is_empty() && !held.is_empty() {
            rows = sampled;
            let listed: Vec<String> = held.iter().map(|r| format!("{} {:.3}", r.0, r.1)).collect();
            held_text = format!(
                " Not drawn, as they are derived from the sampled delivery (Spearman): {}.",
                listed.join(", ")
            );
        }
        // What the drawing leaves out or bends, said in the caption (an audit of the report).
        let regressed = rows.iter().filter(|r| r.2.is_some()).count();
        let mut drawn = held_text;
        if rows.len() > 12 {
            drawn += &format!(" The 12 strongest of {} inputs are drawn.", rows.len());
        }
        rows.truncate(12);
        if rows.iter().any(|r| r.2.is_none()) {
            drawn += " Inputs without a dot are not in the regression: they are derived from \
                      other inputs (a B-plane delivery's entry state) or constant.";
        }
        if rows.iter().any(|r| r.2.is_some_and(|s| s.abs() > 1.0)) {
            drawn += " Dots beyond +-1 are drawn at the edge.";
        }
        let r2_text = model_r2.map_or(String::new(), |r| {
            // The config's random parts that are not input columns (a trial found the cruise's
            // two named for a config that had neither).
            let hidden = self.scenario.unlisted_randomness();
            let rest = match (r < 0.5, hidden.is_empty()) {
                (false, _) => String::new(),
                (true, true) => " The rest comes from nonlinear effects: every random part of \
                                 this config is an input column."
                    .to_string(),
                (true, false) => format!(
                    " The rest comes from dispersions that are not input columns ({}) or from \
                     nonlinear effects.",
                    hidden.join(", ")
                ),
            };
            // R^2 of a fit to noise is about p / (n - 1) for p regressors and n samples.
            let chance = regressed as f64 / (n - 1.0).max(1.0);
            let few = if n < 10.0 * regressed as f64 {
                format!(
                    " With {n:.0} samples for {regressed} inputs, even pure noise would give \
                     about {:.2}: the fit says little.",
                    chance.min(1.0)
                )
            } else {
                String::new()
            };
            format!(
                " The linear model behind the dots explains R^2 = {r:.2} of the variance.{rest}{few}"
            )
        });
        // Rank correlations of independent inputs scatter by about 1/sqrt(n - 1) around zero.
        let noise = 2.0 / (n - 1.0).max(1.0).sqrt();
        let n_text = if n < 30.0 {
            format!(" Only {n:.0} samples: correlations below about {noise:.2} are noise.")
        } else {
            // Two standard errors: about 1 input in 20 with no effect crosses it by chance
            // (nose radius against the crossrange miss did, in two runs: a review-package
            // trial).
            format!(
                " Over {n:.0} samples; |correlation| below about {noise:.3} is noise, and about \
                 1 input in 20 with no effect at all crosses that line by chance."
            )
        };
        // A bar and a dot of opposite signs, both above the noise: the input moves with others
        // (a correlated entry point's latitude and azimuth), so what it goes with (the bar) is
        // not what it does (the dot). A review board read such a pair unflagged.
        let opposed: Vec<&str> = rows
            .iter()
            .filter(|r| {
                r.2.is_some_and(|s| s * r.1 < 0.0 && s.abs() > noise && r.1.abs() > noise)
            })
            .map(|r| r.0.as_str())
            .collect();
        // Which of the two readings holds: an input of a [[correlated]] group, or one drawn
        // alone (a trial asked the caption to say which, as the config knows).
        let grouped: Vec<String> = self
            .scenario
            .dispersions()
            .1
            .iter()
            .flat_map(|g| g.paths.iter().map(|p| crate::scenario::column_name(p)))
            .collect();
        let (together, alone): (Vec<&str>, Vec<&str>) = opposed
            .iter()
            .partition(|i| grouped.iter().any(|g| g == *i));
        let mut n_text = n_text;
        if !together.is_empty() {
            n_text += &format!(
                " For {}, the bar and the dot have opposite signs: drawn correlated with other \
                 inputs ([[correlated]]), its rank correlation with the output (the bar) carries \
                 their effects too, while the dot is its own effect with the others held.",
                together.join(", ")
            );
        }
        if !alone.is_empty() {
            n_text += &format!(
                " For {}, the bar and the dot have opposite signs though it is drawn alone: its \
                 effect is not monotonic, or the linear model misreads it.",
                alone.join(", ")
            );
        }
        Ok(TornadoOutcome::Drawn(Box::new(Figure {
            name: format!("sensitivity_{output}"),
            title: format!("What drives {label}"),
            caption: format!(
                "Bars: Spearman rank correlation of each dispersed input with {output} (+1: \
                 the output rises with the input); dots: standardised regression coefficients, \
                 the change in output standard deviations per input standard deviation.{drawn}{r2_text}{n_text}"
            ),
            plot: AnyPlot::Tornado(Tornado {
                x_desc: format!("correlation with {output} (dimensionless)"),
                rows,
            }),
        })))
    }

    /// A histogram of a metric with its limit and its 99.865th percentile marked.
    fn histogram(
        &self,
        metric: &str,
        label: &str,
        name: &str,
    ) -> Result<Option<Figure>, ReportError> {
        let values = self.values(metric)?;
        if values.is_empty() {
            return Ok(None);
        }
        let mut markers = Vec::new();
        let mut caption = format!(
            "{} samples ({}); each bar counts the samples in its bin.",
            values.len(),
            self.status_mix(metric)?
        );
        // A --nominal run's one undispersed flight has no distribution: its value alone, with
        // no percentile marked as "an estimate from these samples" (an entry analyst's trial).
        let nominal = self.t.meta("dispersa.nominal") == Some("true");
        if nominal {
            caption = format!(
                "The undispersed flight of a --nominal run ({}): one value, {}, with no \
                 distribution to estimate a percentile or a bound from.",
                self.status_mix(metric)?,
                sig(values[0])
            );
        }
        if let Some(p) = self.summary_value(metric, "p99865").filter(|_| !nominal) {
            markers.push(Marker::guide(p, format!("99.865th percentile {}", sig(p))));
            // The percentile is an estimate; the bound a review reads is the tolerance bound,
            // said beside it (a review-package trial read 50.45 g at 2,000 samples, where
            // 3,000 gave a bound of 53.48 g, and the table's bound was blank unsaid).
            let short = self
                .summary_value(metric, "count")
                .is_some_and(crate::stats::short_of_tolerance);
            caption.push_str(
                &match self.summary_value(metric, "tolerance_upper_99865_95") {
                    // A summary written before the bounds were: nothing to add (a review).
                    None if !short => String::new(),
                    Some(t) => format!(
                    " The 99.865th percentile is an estimate from these samples; the one-sided \
                     99.865 % upper tolerance bound at 95 % confidence is {} \
                     (tolerance_upper_99865_95).",
                    sig(t)
                ),
                    None => format!(
                    " The 99.865th percentile is an estimate from these samples, not a bound: the \
                     one-sided 99.865 % upper tolerance bound at 95 % confidence needs at least \
                     {} values, so the summary leaves it blank.",
                    crate::stats::TOLERANCE_MIN_SAMPLES
                ),
                },
            );
        }
        match self.limit(metric) {
            Some((limit, prob)) => {
                markers.push(Marker::limit(limit, format!("limit {}", sig(limit))));
                if let Some(txt) = self.probability_text(prob) {
                    caption.push_str(&format!(" Red line: the limit; P(beyond it) = {txt}."));
                }
            }
            None => caption.push_str(" No limit on it is configured."),
        }
        Ok(Some(Figure {
            name: name.to_string(),
            title: format!("{label}: distribution over the samples"),
            caption,
            plot: AnyPlot::Histogram(Histogram {
                values,
                x_desc: self.axis(metric, label),
                markers,
            }),
        }))
    }
}

/// A percentage with at least `min_decimals` decimals, and more (up to 4) where fewer would
/// round a value that is not 0 or 100 to "0" or "100" (an audit read "narrows the variance
/// to 100 %"); beyond that, "under" or "over" the smallest step.
pub fn percent(p: f64, min_decimals: usize) -> String {
    for d in min_decimals..=4.max(min_decimals) {
        let s = format!("{p:.d$}");
        let r: f64 = s.parse().unwrap_or(p);
        if (r != 0.0 || p == 0.0) && (r != 100.0 || p == 100.0) {
            return s;
        }
    }
    if p < 50.0 {
        "under 0.0001".to_string()
    } else {
        "over 99.9999".to_string()
    }
}

/// Statuses counted in order of first appearance, e.g. "landed 9990, skipped_out 10".
fn tally<'a>(statuses: impl Iterator<Item = &'a str>) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for st in statuses {
        match counts.iter_mut().find(|c| c.0 == st) {
            Some(c) => c.1 += 1,
            None => counts.push((st, 1)),
        }
    }
    counts
        .iter()
        .map(|(s, n)| format!("{s} {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Items in words: "a", "a and b", "a, b and c" (empty: "").
pub(super) fn and_list<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_string(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} and {}", rest.join(", "), last.as_ref())
        }
    }
}

/// The sample indices a run holds, as runs of consecutive ones ("samples 0 to 999 and 2000 to
/// 2999"): a merged dataset with a shard missing has a gap that the lowest and highest alone
/// hide (a review). At most four runs are named, then how many more.
fn held_samples(mut ids: Vec<u64>) -> String {
    ids.sort_unstable();
    ids.dedup();
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for id in ids {
        match runs.last_mut() {
            Some((_, hi)) if *hi + 1 == id => *hi = id,
            _ => runs.push((id, id)),
        }
    }
    const SHOWN: usize = 4;
    let mut named: Vec<String> = runs
        .iter()
        .take(SHOWN)
        .map(|&(lo, hi)| match hi - lo {
            1 => format!("{lo}, {hi}"),
            _ => crate::output::samples_text(&(lo..hi + 1)),
        })
        .collect();
    if runs.len() > SHOWN {
        let more = runs.len() - SHOWN;
        named.push(format!(
            "{more} more run{}",
            if more == 1 { "" } else { "s" }
        ));
    }
    if named.is_empty() {
        return "no samples".into();
    }
    let list = and_list(&named);
    let one = runs.len() == 1 && runs[0].0 == runs[0].1;
    format!("{} {list}", if one { "sample" } else { "samples" })
}

#[cfg(test)]
mod tests {
    #[test]
    fn held_samples_names_the_runs_with_their_gaps() {
        assert_eq!(super::held_samples(vec![]), "no samples");
        assert_eq!(super::held_samples(vec![7]), "sample 7");
        assert_eq!(super::held_samples(vec![3, 2, 4, 3]), "samples 2 to 4");
        assert_eq!(
            super::held_samples((0..1000).chain(2000..3000).collect()),
            "samples 0 to 999 and 2000 to 2999"
        );
        assert_eq!(
            super::held_samples(vec![0, 1, 5, 9, 10, 11, 20, 30]),
            "samples 0, 1, 5, 9 to 11, 20 and 1 more run"
        );
    }

    use super::*;

    #[test]
    fn sig_keeps_four_digits() {
        assert_eq!(sig(0.0013500), "0.00135");
        assert_eq!(sig(60.0), "60");
        assert_eq!(sig(738.456), "738.5");
        assert_eq!(sig(1.23456e-6), "1.235e-6");
    }

    #[test]
    fn percentages_never_round_to_their_ends() {
        assert_eq!(percent(37.4, 0), "37");
        assert_eq!(percent(99.7, 0), "99.7");
        assert_eq!(percent(99.996, 0), "99.996");
        assert_eq!(percent(0.004, 2), "0.004");
        assert_eq!(percent(100.0, 0), "100");
        assert_eq!(percent(0.0, 2), "0.00");
        assert_eq!(percent(1e-9, 0), "under 0.0001");
    }

    #[test]
    fn year_of_j2000_is_2000() {
        assert_eq!(cruise::year_of_mjd(51_544.5), 2000.0);
        assert!((cruise::year_of_mjd(51_544.5 + 365.25 * 35.5) - 2035.5).abs() < 1e-12);
    }
}
