//! `dispersa report RUN_DIR`: figures of a finished run (or corridor) read back from its
//! Parquet files, as a self-contained report.html (figures inline as SVG) plus every figure as
//! an SVG and a PNG file.
//!
//! Data flow: run directory -> `data` (Parquet tables, metadata) -> figure specs (this file,
//! per scenario) -> `figures` (plotters: SVG and bitmap) -> `html`.

pub mod data;
pub mod figures;
mod html;
pub mod wind_drift;

pub use crate::config::sig;
use crate::config::{ConfigError, RawConfig};
use crate::output::{OutputError, RunDir};
use crate::physics::comet::comet_311p_state;
use crate::physics::ephemeris::{body_state, Body};
use crate::physics::epoch::mjd_from_jd;
use crate::physics::kepler::AU_M;
use crate::pipeline::Samples;
use crate::run::scenario_of_results;
use crate::scenario::reentry::ReentryConfig;
use crate::scenario::{Probability, Scenario};
use crate::stats::ellipse::landing_ellipse;
use data::{ReadError, Table};
use figures::{
    Boundary, CorridorProbabilities, Curve, CurvePanel, Footprint, Heliocentric, Histogram, Marker,
    Plot, ProbSeries, Tornado, TwoPanels,
};
use plotters::style::RGBColor;
use std::path::{Path, PathBuf};

/// Landing points drawn in the footprint at most (the ellipse uses all of them): beyond this
/// the scatter is a solid blot and the SVG grows by ~100 bytes a point.
pub const MAX_FOOTPRINT_POINTS: usize = 5000;

/// Trajectories a cruise report re-propagates unless told otherwise.
pub const DEFAULT_TRAJECTORIES: usize = 4;
/// The most cruise trajectories the heliocentric figure draws (its legend names each).
pub const MAX_TRAJECTORIES: usize = 12;

#[derive(Debug, Clone)]
pub struct ReportOptions {
    pub run_dir: PathBuf,
    /// Output directory [default: RUN_DIR/report].
    pub out: Option<PathBuf>,
    /// Cruise runs: sample trajectories re-propagated for the heliocentric plot [default:
    /// [`DEFAULT_TRAJECTORIES`]]. Given for another kind of run, a note says it is not used.
    pub trajectories: Option<usize>,
    pub force: bool,
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
    Panels(TwoPanels),
    Heliocentric(Heliocentric),
    Wind(figures::WindProfile),
    Distance(figures::CometDistance),
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
        }
    }
}

/// What a report wrote.
#[derive(Debug, Clone)]
pub struct ReportSummary {
    pub dir: PathBuf,
    pub figures: Vec<String>,
    pub notes: Vec<String>,
}

/// What the report page shows besides figures.
pub struct Page {
    pub title: String,
    /// (label, value) rows describing the run.
    pub facts: Vec<(String, String)>,
    /// summary.parquet, when there is one.
    pub summary: Option<Table>,
    pub notes: Vec<String>,
}

pub fn report(opts: &ReportOptions) -> Result<ReportSummary, ReportError> {
    let dir = &opts.run_dir;
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
    // Replacing the output directory must never take a run with it.
    if absolute(dir).starts_with(absolute(&out)) {
        return Err(ReportError::Input(format!(
            "--out {}: is the run directory {} or holds it; a report there would replace the \
             run (choose a new directory)",
            out.display(),
            dir.display()
        )));
    }
    if ["samples.parquet", "corridor.parquet"]
        .iter()
        .any(|f| out.join(f).exists())
    {
        return Err(ReportError::Input(format!(
            "--out {}: holds a run's Parquet files; a report there would replace them",
            out.display()
        )));
    }
    let replace = opts.force || is_old_report(&out);
    let mut notice = |m: String| eprintln!("dispersa: {m}");
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
    let mut cruise_run = false;
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
                "{all}; the figures leave failed samples out (failure_reason in samples.parquet \
                 says why{})",
                why.unwrap_or_default()
            ));
        }
        match scenario.kind() {
            "reentry" => {
                let rc = ReentryConfig::from_raw(&raw)?;
                reentry_figures(&ctx, &rc, &mut figs, &mut notes)?;
                if let Some(w) = &rc.winds {
                    figs.push(wind_figure(
                        w,
                        t.meta("dispersa.nominal") == Some("true"),
                        rc.landing.terrain_height_m / 1000.0,
                    ));
                }
            }
            "cruise" => {
                cruise_run = true;
                let n = opts.trajectories.unwrap_or(DEFAULT_TRAJECTORIES);
                cruise_figures(&ctx, &raw, n, &mut figs, &mut notes)?
            }
            other => notes.push(format!("no figures are defined for scenario {other:?}")),
        }
        summary = sum;
    }
    if opts.trajectories.is_some() && !cruise_run {
        notes.push("--trajectories is for cruise runs; this report does not use it".into());
    }
    if corridor.is_file() {
        let t = Table::read(&corridor)?;
        let raw = config_of(&t)?;
        let cfg = ReentryConfig::from_raw(&raw)
            .map_err(|e| crate::run::stored_config_error(e, t.meta("dispersa.git_commit")))?;
        if !samples.is_file() {
            title = format!("dispersa corridor report: {}", cfg.run.name);
        }
        facts.extend(corridor_facts(&t));
        notes.extend(
            t.meta("dispersa.corridor.notes")
                .unwrap_or("")
                .lines()
                .filter(|l| !l.is_empty())
                .map(|l| format!("corridor: {l}")),
        );
        corridor_figures(&t, &cfg, &mut figs)?;
    }
    facts.push((
        "report by".into(),
        format!("dispersa {}", env!("CARGO_PKG_VERSION")),
    ));

    let run_dir = RunDir::create(&out, crate::output::DirKind::Report)?;
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

/// A directory an earlier `dispersa report` wrote: report.html and nothing but figure files.
fn is_old_report(dir: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    dir.join("report.html").is_file()
        && entries.flatten().all(|e| {
            let path = e.path();
            path.is_file()
                && (e.file_name() == crate::output::MARKER
                    || matches!(
                        path.extension().and_then(|x| x.to_str()),
                        Some("html" | "svg" | "png")
                    ))
        })
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

    /// "P(name) = p (95% CI lo to hi)" from summary.parquet.
    fn probability_text(&self, metric: &str) -> Option<String> {
        let p = self.summary_value(metric, "mean")?;
        let lo = self.summary_value(metric, "ci_low")?;
        let hi = self.summary_value(metric, "ci_high")?;
        // The trials: every sample that did not fail (not only those that reached the event).
        let over = self
            .summary_value(metric, "count")
            .map_or(String::new(), |n| {
                format!(" over the {n:.0} samples that did not fail")
            });
        Some(format!(
            "{}{over} (95% interval {} to {})",
            sig(p),
            sig(lo),
            sig(hi)
        ))
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

    /// A tornado of every input against `output`, strongest (|Spearman|) first.
    fn tornado(&self, output: &str, label: &str) -> Result<Option<Figure>, ReportError> {
        let Some(s) = self.sens else {
            return Ok(None);
        };
        let (inputs, outputs) = (s.strings("input")?, s.strings("output")?);
        let (rho, src) = (s.f64s("spearman")?, s.f64s("src")?);
        let r2 = s.f64s("r2")?;
        let count = s.f64s("count")?;
        let mut rows: Vec<(String, f64, Option<f64>)> = Vec::new();
        let mut model_r2 = None;
        let mut n = 0.0f64;
        for k in 0..inputs.len() {
            if outputs[k] == output {
                if let Some(r) = rho[k] {
                    rows.push((inputs[k].clone(), r, src[k]));
                }
                model_r2 = model_r2.or(r2[k]);
                n = n.max(count[k].unwrap_or(0.0));
            }
        }
        if rows.is_empty() {
            return Ok(None);
        }
        rows.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        // What the drawing leaves out or bends, said in the caption (an audit of the report).
        let regressed = rows.iter().filter(|r| r.2.is_some()).count();
        let mut drawn = String::new();
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
            format!(" Over {n:.0} samples; |correlation| below about {noise:.3} is noise.")
        };
        Ok(Some(Figure {
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
        }))
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
        if let Some(p) = self.summary_value(metric, "p99865") {
            markers.push(Marker::guide(p, format!("99.865th percentile {}", sig(p))));
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

/// The configured wind: the mean profile and the +-1 sigma of its random part (none drawn for
/// a --nominal run, which flew the mean alone), up to the higher of the two profiles' tops, with
/// the ground at `ground_km` above the ellipsoid, below which nothing is flown.
fn wind_figure(w: &crate::scenario::reentry::WindsConfig, nominal: bool, ground_km: f64) -> Figure {
    use crate::physics::atmosphere::sigma_at;
    let mean_top = w.profile[w.profile.len() - 1][0];
    let sigma_top = w
        .perturbation
        .as_ref()
        .and_then(|p| p.sigma.last())
        .map_or(0.0, |r| r[0]);
    let top = mean_top.max(sigma_top);
    let n = (top / 0.25).ceil() as usize + 1;
    let altitude_km: Vec<f64> = (0..n).map(|k| (k as f64 * 0.25).min(top)).collect();
    let column = |c: usize| -> Vec<f64> {
        let rows: Vec<[f64; 2]> = w.profile.iter().map(|r| [r[0], r[c]]).collect();
        altitude_km.iter().map(|&h| sigma_at(&rows, h)).collect()
    };
    let sigma: Vec<f64> = altitude_km
        .iter()
        .map(|&h| {
            w.perturbation
                .as_ref()
                .filter(|_| !nominal)
                .map_or(0.0, |p| sigma_at(&p.sigma, h))
        })
        .collect();
    let pert = match &w.perturbation {
        Some(_) if nominal => {
            "the configured random part is not drawn: this --nominal run flew the mean wind alone"
                .to_string()
        }
        Some(p) => format!(
            "the bands are +-1 sigma of each component's random part (correlated over {} km in \
             altitude, drawn per sample; none in --nominal runs), to the sigma profile's top at \
             {sigma_top} km (held above it)",
            p.correlation_length_km
        ),
        None => "no random part is configured".to_string(),
    };
    Figure {
        name: "wind_profile".into(),
        title: "Wind against altitude".into(),
        caption: format!(
            "The configured mean wind, east and north, up to the profile's top at {mean_top} km \
             (held above it); {pert}. The air's velocity is the Earth's rotation plus this wind. \
             Altitudes are above the ellipsoid{ground}.",
            ground = if ground_km > 0.0 {
                format!(
                    "; the brown line is the ground (landing.terrain_height_m, {ground_km} km), \
                     below which nothing is flown"
                )
            } else {
                String::new()
            }
        ),
        plot: AnyPlot::Wind(figures::WindProfile {
            east: column(1),
            north: column(2),
            altitude_km,
            sigma,
            ground_km,
        }),
    }
}

fn reentry_figures(
    ctx: &RunContext,
    cfg: &ReentryConfig,
    figs: &mut Vec<Figure>,
    notes: &mut Vec<String>,
) -> Result<(), ReportError> {
    let (lat, lon) = (
        ctx.t.f64s("landing_lat_deg")?,
        ctx.t.f64s("landing_lon_deg")?,
    );
    let ok = &ctx.ok;
    let pts: Vec<(f64, f64)> = lat
        .iter()
        .zip(&lon)
        .zip(ok)
        .filter_map(|((a, o), ok)| match (a, o) {
            (Some(a), Some(o)) if *ok && a.is_finite() && o.is_finite() => Some((*a, *o)),
            _ => None,
        })
        .collect();
    if !pts.is_empty() {
        let (la, lo): (Vec<f64>, Vec<f64>) = pts.iter().copied().unzip();
        // No ellipse is drawn about landings that spread less than a metre (`has_area`).
        let ellipse = landing_ellipse(&la, &lo, 0.9973).filter(|e| e.has_area());
        // One in `stride` of the points inside, and every point outside the ellipse (the ones
        // that matter), marked apart so that their share is not overstated.
        let stride = pts.len().div_ceil(MAX_FOOTPRINT_POINTS);
        let is_out = |p: &(f64, f64)| ellipse.is_some_and(|e| e.radius2(p.0, p.1) > 1.0);
        let outside: Vec<(f64, f64)> = pts.iter().copied().filter(is_out).collect();
        let inside: Vec<(f64, f64)> = pts.iter().copied().filter(|p| !is_out(p)).collect();
        let shown: Vec<(f64, f64)> = inside.iter().copied().step_by(stride).collect();
        let n_out = outside.len();
        let points_label = if stride > 1 {
            format!("1 in {stride} landing points inside")
        } else {
            "landing points".to_string()
        };
        let outside_label = format!(
            "{} outside the ellipse ({}%)",
            if n_out == 1 {
                "the 1".to_string()
            } else {
                format!("all {n_out}")
            },
            percent(100.0 * n_out as f64 / pts.len() as f64, 2)
        );
        // Where many samples did not land, the footprint is of the ones that did (a new
        // user's trial: 89 landings of 200, the rest timed out, and the caption did not say).
        let total = ctx.status.len();
        let minority = if 10 * pts.len() < 9 * total {
            let others = tally(
                ctx.status
                    .iter()
                    .map(String::as_str)
                    .filter(|s| *s != "landed"),
            );
            // Rounded down to a tenth: a share under 90 % must not read "90" (89.5 %) nor
            // "90.0" (89.96 %).
            let share = (1000.0 * pts.len() as f64 / total as f64).floor() / 10.0;
            format!(
                " Only {} of the {total} samples landed ({share:.1}%; the others: {}): the \
                 footprint describes those that landed alone.",
                pts.len(),
                others
            )
        } else {
            String::new()
        };
        let shown_text = match (stride > 1, ellipse.is_some()) {
            (true, true) => format!(
                "1 in {stride} of the {} landing points inside the ellipse drawn, and {} outside \
                 it (triangles)",
                inside.len(),
                if n_out == 1 {
                    "the 1".to_string()
                } else {
                    format!("all {n_out}")
                }
            ),
            (true, false) => format!("1 in {stride} of {} landing points drawn", pts.len()),
            (false, true) => format!(
                "{} landing points, the {n_out} outside the ellipse as triangles",
                pts.len()
            ),
            (false, false) => format!("{} landing point(s)", pts.len()),
        };
        let (outline, centre, label, ell_text) = match ellipse {
            Some(e) => (
                e.outline(180),
                Some((e.center_lat_deg, e.center_lon_deg)),
                format!(
                    "99.73% ellipse, semi-axes {:.1} x {:.1} km",
                    e.semi_major_km, e.semi_minor_km
                ),
                format!(
                    "the red ellipse (from all of them) holds 99.73% of a bivariate normal fitted \
                     on the local tangent plane: semi-axes {:.1} and {:.1} km, major axis at \
                     azimuth {:.0} deg",
                    e.semi_major_km, e.semi_minor_km, e.orientation_deg
                ),
            ),
            None => (
                Vec::new(),
                None,
                String::new(),
                "too few points for an ellipse".to_string(),
            ),
        };
        // The descent's timeline: medians over the samples that landed under a canopy, one
        // population for the three events (summary.parquet's cover every sample that has the
        // value: a timeout has a drogue time and no touchdown, and an impact before the drogue
        // a touchdown and no drogue time: a heavy capsule's caption read "drogue open 117 s,
        // touchdown 114 s", an entry analyst's trial).
        let drogue_at = ctx.t.f64s("drogue_time_s").ok();
        let under_canopy = |k: usize| {
            ctx.status[k] == "landed" && drogue_at.as_ref().is_some_and(|d| d[k].is_some())
        };
        let impacts = (0..ctx.t.rows)
            .filter(|&k| ctx.status[k] == "landed" && !under_canopy(k))
            .count();
        let med = |m: &str| {
            let col = ctx.t.f64s(m).ok()?;
            let mut v: Vec<f64> = (0..ctx.t.rows)
                .filter(|&k| under_canopy(k))
                .filter_map(|k| col[k])
                .collect();
            v.sort_by(f64::total_cmp);
            (!v.is_empty()).then(|| crate::stats::percentile_sorted(&v, 0.5))
        };
        let whose = if impacts > 0 {
            format!(
                "medians of the landings under a canopy; {impacts} more hit the ground before \
                 the drogue opened"
            )
        } else {
            "medians of the landings".to_string()
        };
        let timeline = match (
            med("drogue_time_s"),
            med("main_time_s"),
            med("time_of_flight_s"),
        ) {
            (Some(d), Some(m), Some(t)) => format!(
                " Descent ({whose}): drogue open {d:.0} s after entry, main {m:.0} s, \
                 touchdown {t:.0} s ({:.1} min).",
                t / 60.0
            ),
            (Some(d), None, Some(t)) => {
                format!(" Descent ({whose}): drogue open {d:.0} s after entry, touchdown {t:.0} s.")
            }
            _ => String::new(),
        };
        let target = ctx.scenario.target();
        let about = target.and_then(|(t_lat, t_lon)| {
            crate::stats::ellipse::landing_ellipse_about(&la, &lo, t_lat, t_lon, 0.9973)
        });
        // A target far from the landings (a footprint flown elsewhere than its aim) would
        // shrink them to a dot and draw an ellipse about it thousands of km across (a new
        // user's trial): left off the figure and named in the caption instead, beyond ten
        // times the ellipse's semi-major axis (or 100 km without one).
        let off_figure = target.and_then(|(t_lat, t_lon)| {
            // With too few landings for an ellipse (a nominal run), from the first landing.
            let (c_lat, c_lon) = centre.or_else(|| pts.first().copied())?;
            let d = crate::physics::geodesy::great_circle_km(c_lat, c_lon, t_lat, t_lon);
            let reach = ellipse.map_or(100.0, |e| 10.0 * e.semi_major_km);
            (d > reach).then_some(d)
        });
        let (target_outline, target_label, target_text) = match (target, about) {
            (Some((t_lat, t_lon)), _) if off_figure.is_some() => (
                Vec::new(),
                String::new(),
                format!(
                    " The target ({t_lat:.4} N, {:.4} E) is {:.0} km from the {}, off this \
                     figure (miss_distance_km in samples.parquet{}).",
                    180.0 - (180.0 - t_lon).rem_euclid(360.0),
                    off_figure.unwrap_or(f64::NAN),
                    if centre.is_some() {
                        "mean landing point"
                    } else {
                        "landing"
                    },
                    if about.is_some() {
                        ", and the ellipse about it in summary.parquet"
                    } else {
                        ""
                    }
                ),
            ),
            (Some((t_lat, t_lon)), Some(a)) => (
                a.outline(180),
                format!(
                    "99.73% about the target, semi-axes {:.1} x {:.1} km",
                    a.semi_major_km, a.semi_minor_km
                ),
                format!(
                    " The target ({t_lat:.4} N, {:.4} E, purple triangle) has its own \
                     ellipse (dashed), from the points' second moments about it: semi-axes {:.1} \
                     and {:.1} km.",
                    // As the landing longitudes are written (atan2), in (-180, 180].
                    180.0 - (180.0 - t_lon).rem_euclid(360.0),
                    a.semi_major_km,
                    a.semi_minor_km
                ),
            ),
            _ => (Vec::new(), String::new(), String::new()),
        };
        let drift = wind_drift::wind_drift(cfg, ctx.t, &ctx.status)?;
        let drift_text = drift.map_or(String::new(), |d| {
            // One sample (a nominal run, or --samples 1) has no scatter to speak of.
            let spread = if d.n < 2 || !d.added_share().is_finite() {
                String::new()
            } else {
                let share = d.added_share();
                let part = if share >= 0.0 {
                    format!(
                        "the wind makes {}% of the landings' variance (1 - calm over windy, \
                         traces of the covariances)",
                        percent(100.0 * share, 0)
                    )
                } else {
                    format!(
                        "the wind narrows the landings' variance, to {}% of the calm-air \
                         one (traces of the covariances)",
                        percent(100.0 * d.var_wind_km2 / d.var_calm_km2, 0)
                    )
                };
                format!(
                    "; the drift's scatter about its mean is {:.1} km rms, and {part}",
                    d.spread_km
                )
            };
            let (whose, on_average, point) = if d.n == 1 {
                ("the landed sample".to_string(), "", "landing")
            } else {
                (
                    format!("the first {} landed samples", d.n),
                    " on average",
                    "mean",
                )
            };
            format!(
                " Wind drift, from {whose} flown again in calm air on the CPU: {:.1} km towards \
                 {:.0} deg{on_average} (the green line, from the calm-air {point}, the circle, \
                 to the {point} with the wind, its other end, near the mean landing point){spread}.",
                d.distance_km(),
                d.towards_deg()
            )
        });
        figs.push(Figure {
            name: "footprint".into(),
            title: "Landing footprint".into(),
            caption: format!(
                "{shown_text}; {ell_text}.{minority}{target_text}{drift_text}{timeline} One \
                 kilometre has \
                 the same length on both axes."
            ),
            plot: AnyPlot::Footprint(
                Footprint {
                    points: shown,
                    points_label,
                    outside,
                    outside_label,
                    outline,
                    centre,
                    ellipse_label: label,
                    target: target.filter(|_| off_figure.is_none()),
                    target_outline,
                    target_label,
                    drift: drift.map(|d| (d.calm_mean, d.wind_mean)),
                    drift_label: drift.map_or(String::new(), |d| {
                        format!("mean wind drift, {:.1} km", d.distance_km())
                    }),
                }
                .unwrapped(),
            ),
        });
    } else {
        notes.push("no sample landed, so there is no landing footprint".to_string());
    }
    for (metric, label, name) in [
        ("peak_g", "peak deceleration", "hist_peak_g"),
        (
            "peak_heat_flux_w_cm2",
            "peak stagnation heat flux (convective + radiative)",
            "hist_peak_heat_flux",
        ),
        ("heat_load_j_cm2", "stagnation heat load", "hist_heat_load"),
    ] {
        figs.extend(ctx.histogram(metric, label, name)?);
    }
    // With a target, the miss along and across the nominal track at the target: downrange_km
    // and crossrange_km are measured from each sample's own entry point and azimuth, which
    // hides what moves the landing (on the default run the azimuth's Spearman is 0.44 on the
    // crossrange miss and -0.01 on crossrange_km; a review, 2026-12-05).
    let range = if ctx.scenario.target().is_some() {
        [
            ("miss_downrange_km", "downrange miss"),
            ("miss_crossrange_km", "crossrange miss"),
        ]
    } else {
        [
            ("downrange_km", "downrange"),
            ("crossrange_km", "crossrange"),
        ]
    };
    for (out, label) in [
        ("peak_g", "peak deceleration"),
        ("peak_heat_flux_w_cm2", "peak heat flux"),
        ("heat_load_j_cm2", "heat load"),
    ]
    .into_iter()
    .chain(range)
    {
        figs.extend(ctx.tornado(out, label)?);
    }
    Ok(())
}

/// Calendar year (decimal, TDB) of an MJD: years of 365.25 days from J2000.
fn year_of_mjd(mjd: f64) -> f64 {
    2000.0 + (mjd - 51_544.5) / 365.25
}

fn cruise_figures(
    ctx: &RunContext,
    raw: &RawConfig,
    n_tracks: usize,
    figs: &mut Vec<Figure>,
    notes: &mut Vec<String>,
) -> Result<(), ReportError> {
    let arrival: Vec<f64> = ctx.values("rendezvous_mjd_tdb")?;
    if arrival.is_empty() {
        // Said, not left out silently (a trial found both figures gone without a word).
        notes.push(
            "no sample reached the rendezvous: the rendezvous-date histogram and the time of \
             flight's sensitivities are not drawn"
                .into(),
        );
    } else {
        let mut markers = Vec::new();
        let mut caption = format!(
            "Rendezvous with 311P (within target.rendezvous_km and target.rendezvous_m_s of the \
             comet) of the {} samples that reached it, in years (TDB).",
            arrival.len()
        );
        if let Some((limit, prob)) = ctx.limit("rendezvous_mjd_tdb") {
            markers.push(Marker::limit(
                year_of_mjd(limit),
                format!("deadline {}", crate::physics::epoch::iso_from_mjd(limit)),
            ));
            if let Some(txt) = ctx.probability_text(prob) {
                caption.push_str(&format!(" P(rendezvous by the red deadline) = {txt}."));
            }
        }
        figs.push(Figure {
            name: "hist_rendezvous".into(),
            title: "Rendezvous date with 311P/PANSTARRS".into(),
            caption,
            plot: AnyPlot::Histogram(Histogram {
                values: arrival.iter().map(|&m| year_of_mjd(m)).collect(),
                x_desc: "rendezvous epoch [calendar year, TDB]".into(),
                markers,
            }),
        });
    }
    let used = ctx.values("propellant_used_kg")?;
    if !used.is_empty() {
        // Loaded propellant = used + margin, per sample: one line when every sample loaded the
        // same, else the least and the most loaded (a trial dispersed the load, and the line
        // of the first sample's load, with a caption calling the distance to it the margin,
        // hid the samples that ran dry).
        let margins = ctx.t.f64s("propellant_margin_kg")?;
        let loads: Vec<f64> = ctx
            .t
            .f64s("propellant_used_kg")?
            .iter()
            .zip(&margins)
            .filter_map(|(u, m)| Some((*u)? + (*m)?))
            .collect();
        let (least, most) = loads
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &l| {
                (a.min(l), b.max(l))
            });
        let mut markers = Vec::new();
        let margin_text = if loads.is_empty() {
            String::new()
        } else if most - least <= 1e-9 * most.abs() {
            markers.push(Marker::limit(
                least,
                format!("propellant loaded {least:.0} kg"),
            ));
            "; the distance from a bar to the red line is the propellant margin (a timeout's is \
             not final: it was still flying)"
                .to_string()
        } else {
            markers.push(Marker::limit(least, format!("least loaded {least:.0} kg")));
            markers.push(Marker::limit(most, format!("most loaded {most:.0} kg")));
            // By status: a dry sample's margin is zero only to rounding (+-1e-13 kg).
            let dry = ctx
                .status
                .iter()
                .filter(|s| {
                    use crate::scenario::cruise::{STATUS_NAMES, ST_PROPELLANT_EXHAUSTED};
                    *s == STATUS_NAMES[ST_PROPELLANT_EXHAUSTED as usize]
                })
                .count();
            format!(
                "; the propellant loaded is dispersed ({least:.0}-{most:.0} kg, the red lines), \
                 so each sample's margin is its own load less its use (propellant_margin_kg), \
                 not the distance to a line; {dry} of them ran dry"
            )
        };
        if let Some(p) = ctx.summary_value("propellant_used_kg", "p99865") {
            markers.push(Marker::guide(p, format!("99.865th percentile {p:.1} kg")));
        }
        figs.push(Figure {
            name: "hist_propellant".into(),
            title: "Propellant used".into(),
            caption: format!(
                "{} samples ({}){margin_text}.",
                used.len(),
                ctx.status_mix("propellant_used_kg")?
            ),
            plot: AnyPlot::Histogram(Histogram {
                values: used,
                x_desc: ctx.axis("propellant_used_kg", "propellant used"),
                markers,
            }),
        });
    }
    let flown = if n_tracks > 0 {
        Some(heliocentric(ctx, raw, n_tracks, notes)?)
    } else {
        None
    };
    // No trajectory to draw: every one this build would fly again it finds unphysical (the
    // notes say which); the comet-distance axes of no track never ended (a review).
    if let Some((plot, caption, distance)) = flown.filter(|(p, _, _)| !p.tracks.is_empty()) {
        figs.push(Figure {
            name: "heliocentric".into(),
            title: "Heliocentric trajectories, ecliptic plane".into(),
            caption,
            plot: AnyPlot::Heliocentric(plot),
        });
        let approach = if distance.approach_km.is_some() {
            "the approach distance (guidance.approach_km) and "
        } else {
            ""
        };
        figs.push(Figure {
            name: "comet_distance".into(),
            title: "Distance to 311P/PANSTARRS".into(),
            caption: format!(
                "The phase gap closing: the distance to the comet (log scale) of the same \
                 re-propagated trajectories, with {approach}the rendezvous distance \
                 (target.rendezvous_km)."
            ),
            plot: AnyPlot::Distance(distance),
        });
    }
    for (out, label) in [
        ("time_of_flight_days", "time of flight"),
        ("propellant_used_kg", "propellant used"),
    ] {
        figs.extend(ctx.tornado(out, label)?);
    }
    Ok(())
}

/// Re-propagate the nominal and the run's first samples on the f64 CPU reference (same config,
/// seed and sample streams as the run) and check each end point against samples.parquet.
fn heliocentric(
    ctx: &RunContext,
    raw: &RawConfig,
    n_tracks: usize,
    notes: &mut Vec<String>,
) -> Result<(Heliocentric, String, figures::CometDistance), ReportError> {
    use crate::scenario::cruise::{cpu::CruiseSample, Cruise, CruiseConfig, S_R, S_T};
    let stored = |e| crate::run::stored_config_error(e, ctx.t.meta("dispersa.git_commit"));
    let cruise = Cruise::new(CruiseConfig::from_raw(raw).map_err(stored)?);
    let sc: &dyn Scenario = &cruise;
    let seed: u64 = ctx
        .t
        .meta("dispersa.seed")
        .and_then(|s| s.parse().ok())
        .unwrap_or(sc.run_config().seed);
    let was_nominal = ctx.t.meta("dispersa.nominal") == Some("true");
    let status = &ctx.status;
    let final_xyz = [
        ctx.t.f64s("final_x_au")?,
        ctx.t.f64s("final_y_au")?,
        ctx.t.f64s("final_z_au")?,
    ];
    let mut tracks = Vec::new();
    let mut distances = Vec::new();
    let mut worst_km: f64 = 0.0;
    // The end points compared: a failed sample's is null (a failed --nominal run's caption
    // claimed agreement it had not checked, a new user's trial).
    let mut compared = 0;
    // The first samples that flew: a failed one (an unphysical input) has no trajectory, and
    // its end point is null in samples.parquet (an audit found one drawn where the Earth is).
    let runs: Vec<(String, bool, u64)> = std::iter::once(("nominal".to_string(), true, 0))
        .chain(
            (0..ctx.t.rows as u64)
                .filter(|&k| !was_nominal && ctx.ok[k as usize])
                .take(n_tracks)
                .map(|k| (format!("sample {k} ({})", status[k as usize]), false, k)),
        )
        .collect();
    let (dispersed, undispersed) = (
        Samples::new(sc, seed, false).map_err(stored)?,
        Samples::new(sc, seed, true).map_err(stored)?,
    );
    for (label, nominal, index) in runs {
        let draws = if nominal { &undispersed } else { &dispersed };
        let drawn = draws.draw(sc, [index], None);
        // Inputs that this build finds unphysical, though the build that wrote the run flew
        // them (a check added since): their start is not finite, and a track of NaNs hung
        // the plotting (a review).
        if let Some(why) = drawn.params.first().and_then(|p| sc.unphysical(p)) {
            notes.push(format!(
                "{label} is not drawn: this build finds its inputs unphysical ({why}), though \
                 the build that wrote the run flew them"
            ));
            continue;
        }
        let input = drawn.inputs;
        let mut state = vec![0.0; sc.state_len()];
        sc.initial_state(&input, &mut state);
        let sample = CruiseSample {
            model: &cruise.model,
            input: &input,
        };
        let year = |s: &[f64]| year_of_mjd(mjd_from_jd(cruise.model.epoch_jd + s[S_T] / 86_400.0));
        let dist_km =
            |s: &[f64]| sample.comet_distance([s[S_R], s[S_R + 1], s[S_R + 2]], s[S_T]) / 1e3;
        let mut pts = vec![(state[S_R] / AU_M, state[S_R + 1] / AU_M)];
        let mut dist = vec![(year(&state), dist_km(&state))];
        while !sc.advance_cpu(&input, &mut state, 4) {
            pts.push((state[S_R] / AU_M, state[S_R + 1] / AU_M));
            dist.push((year(&state), dist_km(&state)));
        }
        pts.push((state[S_R] / AU_M, state[S_R + 1] / AU_M));
        dist.push((year(&state), dist_km(&state)));
        // Only finite points reach the axes, whose key points never end on a NaN range.
        pts.retain(|p| p.0.is_finite() && p.1.is_finite());
        dist.retain(|p| p.0.is_finite() && p.1.is_finite());
        if pts.is_empty() || dist.is_empty() {
            notes.push(format!(
                "{label} is not drawn: its re-propagated state is not finite"
            ));
            continue;
        }
        distances.push((label.clone(), dist));
        // Row `index` of samples.parquet is this trajectory: the samples of a dispersed run, or
        // the nominal of a --nominal run (its row 0).
        if !nominal || was_nominal {
            let k = index as usize;
            if let (Some(x), Some(y), Some(z)) = (final_xyz[0][k], final_xyz[1][k], final_xyz[2][k])
            {
                let d = [
                    state[S_R] / AU_M - x,
                    state[S_R + 1] / AU_M - y,
                    state[S_R + 2] / AU_M - z,
                ];
                let km = (d[0] * d[0] + d[1] * d[1] + d[2] * d[2]).sqrt() * AU_M / 1000.0;
                worst_km = worst_km.max(km);
                compared += 1;
            }
        }
        tracks.push((label, pts));
    }
    let check = if compared > 0 {
        if worst_km > 1.0 {
            notes.push(format!(
                "the re-propagated trajectories end up to {worst_km:.1} km from their end points \
                 in samples.parquet: the run and this report's CPU reference disagree"
            ));
        }
        format!(
            " The end point{} agree{} with samples.parquet to {}.",
            if compared > 1 { "s" } else { "" },
            if compared > 1 { "" } else { "s" },
            if worst_km < 1e-3 {
                "better than a metre".to_string()
            } else {
                format!("{worst_km:.3} km")
            }
        )
    } else {
        String::new()
    };
    let jd0 = cruise.model.epoch_jd;
    let earth: Vec<(f64, f64)> = (0..366)
        .map(|d| {
            let (r, _) = body_state(Body::EarthMoonBary, jd0 + d as f64);
            (r[0] / AU_M, r[1] / AU_M)
        })
        .collect();
    let el = crate::physics::comet::comet_311p_osculating(jd0);
    let period_days = el.period_s(crate::physics::kepler::SUN_MU_M3_S2) / 86_400.0;
    let comet: Vec<(f64, f64)> = (0..400)
        .map(|k| {
            let (r, _) = comet_311p_state(jd0 + period_days * k as f64 / 400.0);
            (r[0] / AU_M, r[1] / AU_M)
        })
        .collect();
    let epoch = crate::physics::epoch::iso_from_mjd(mjd_from_jd(jd0));
    // A flyby's heliocentric flight starts on the sphere of influence, days after its periapsis.
    let start = match cruise.cfg.flyby_leg_days() {
        Some(days) => format!(
            "the Earth's sphere of influence, {days:.1} days after the flyby's periapsis at {epoch}"
        ),
        None => format!("departure ({epoch})"),
    };
    let caption = format!(
        "Seen from ecliptic north, Sun at the centre, from {start}; dots mark where \
         each trajectory ends. {} re-propagated on the f64 CPU reference with the run's \
         config and seed.{check}",
        if tracks.len() > 1 {
            "The nominal and the run's first samples that did not fail were"
        } else {
            "The nominal was"
        }
    );
    Ok((
        Heliocentric {
            earth,
            comet,
            tracks,
        },
        caption,
        figures::CometDistance {
            tracks: distances,
            approach_km: cruise
                .cfg
                .guidance
                .mode
                .has_approach_law()
                .then_some(cruise.cfg.guidance.approach_km),
            rendezvous_km: cruise.cfg.target.rendezvous_km,
        },
    ))
}

fn corridor_figures(
    t: &Table,
    cfg: &ReentryConfig,
    figs: &mut Vec<Figure>,
) -> Result<(), ReportError> {
    let fpa: Vec<f64> = t
        .f64s("fpa_deg")?
        .into_iter()
        .map(|v| v.unwrap_or(f64::NAN))
        .collect();
    let col = |n: &str| -> Result<Vec<f64>, ReportError> {
        Ok(t.f64s(n)?.into_iter().map(|v| v.unwrap_or(0.0)).collect())
    };
    let series = |name: &str, key: &str, color: RGBColor| -> Result<ProbSeries, ReportError> {
        Ok(ProbSeries {
            name: name.to_string(),
            color,
            p: col(key)?,
            lo: col(&format!("{key}_ci_low"))?,
            hi: col(&format!("{key}_ci_high"))?,
        })
    };
    let risk: f64 = t
        .meta("dispersa.risk")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.00135);
    let num = |k: &str| t.meta(k).and_then(|s| s.parse::<f64>().ok());
    let skip_c = RGBColor(31, 119, 180);
    let g_c = RGBColor(214, 39, 40);
    let q_c = RGBColor(255, 127, 14);
    let boundaries = vec![
        Boundary {
            name: "skip-out boundary".into(),
            color: skip_c,
            deg: num("dispersa.corridor.shallow_boundary_deg"),
            low: num("dispersa.corridor.shallow_boundary_low_deg"),
            high: num("dispersa.corridor.shallow_boundary_high_deg"),
        },
        Boundary {
            name: "limit boundary".into(),
            color: RGBColor(120, 20, 20),
            deg: num("dispersa.corridor.steep_boundary_deg"),
            low: num("dispersa.corridor.steep_boundary_low_deg"),
            high: num("dispersa.corridor.steep_boundary_high_deg"),
        },
    ];
    let n = t.meta("dispersa.samples_per_point").unwrap_or("?");
    let width = match t.meta("dispersa.corridor.width_deg") {
        Some(w) if w.parse::<f64>().is_ok() => format!("width {w} deg"),
        _ => "no width: no corridor was found in the range (the notes say why)".to_string(),
    };
    // The caveats travel with the figure file, not only with the page.
    let caveats: String = t
        .meta("dispersa.corridor.notes")
        .unwrap_or("")
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut c = l.chars();
            let first = c
                .next()
                .map(|f| f.to_uppercase().to_string())
                .unwrap_or_default();
            format!(" {first}{}.", c.as_str())
        })
        .collect();
    figs.push(Figure {
        name: "corridor".into(),
        title: "Entry corridor: probabilities against the flight path angle".into(),
        caption: format!(
            "{n} dispersed samples per angle; bars are 95% Wilson intervals, and where no sample \
             had the event a grey tick marks its upper bound (3.84 / (n + 3.84) for n samples \
             flown). The corridor lies \
             between the vertical lines, where each probability stays below the black risk line \
             ({risk}); {width}. Where the intervals pin a boundary down on both sides, \
             a shaded column shows how far it could move; where they do not, its line is \
             dashed: the point estimates place it, the intervals do not confirm it.{caveats}"
        ),
        plot: AnyPlot::Corridor(CorridorProbabilities {
            fpa: fpa.clone(),
            series: vec![
                series("P(skip-out)", "p_skip_out", skip_c)?,
                series(
                    &format!("P(peak g > {} g0)", sig(cfg.events.g_limit)),
                    "p_g_exceed",
                    g_c,
                )?,
                series(
                    &format!(
                        "P(peak heat flux > {} W/cm^2)",
                        sig(cfg.events.heat_flux_limit_w_cm2)
                    ),
                    "p_heat_exceed",
                    q_c,
                )?,
            ],
            risk,
            boundaries,
        }),
    });
    let curves = |m: &str| -> Result<Vec<Curve>, ReportError> {
        Ok(vec![
            Curve {
                name: "median".into(),
                color: RGBColor(31, 119, 180),
                y: t.f64s(&format!("{m}_p50"))?,
            },
            // The percentile after the maximum, so that it is drawn over it: with few samples
            // an angle the two nearly coincide (an audit found the percentile hidden).
            Curve {
                name: "maximum".into(),
                color: RGBColor(90, 90, 90),
                y: t.f64s(&format!("{m}_max"))?,
            },
            Curve {
                name: "99.865th percentile".into(),
                color: RGBColor(255, 127, 14),
                y: t.f64s(&format!("{m}_p99865"))?,
            },
        ])
    };
    // Type-7 percentiles: with n samples the 99.865th interpolates between the two largest
    // values while (n - 1) x 0.00135 < 1, that is below 742 samples; n counts the samples that
    // flew (an angle's `samples`; failed ones are left out).
    let flown = t
        .f64s("samples")
        .ok()
        .and_then(|v| v.into_iter().flatten().reduce(f64::min))
        .map(|n| n as u64);
    let near_max = match flown {
        Some(n) if n < 742 => format!(
            " With {n} samples an angle (the fewest that flew) the 99.865th percentile lies \
             between the two largest values, on or near the maximum."
        ),
        _ => String::new(),
    };
    figs.push(Figure {
        name: "corridor_peaks".into(),
        title: "Peak deceleration and heat flux across the corridor".into(),
        caption: format!(
            "Percentiles over each angle's samples (skip-outs included with their peaks before \
             leaving); red: the configured limits.{near_max} {} {}",
            crossing(&fpa, &t.f64s("peak_g_max")?, cfg.events.g_limit, "Peak g"),
            crossing(
                &fpa,
                &t.f64s("peak_heat_flux_w_cm2_max")?,
                cfg.events.heat_flux_limit_w_cm2,
                "Peak heat flux"
            )
        ),
        plot: AnyPlot::Panels(TwoPanels {
            fpa,
            left: CurvePanel {
                y_desc: "peak deceleration [g0]".into(),
                curves: curves("peak_g")?,
                limit: Some(cfg.events.g_limit),
            },
            right: CurvePanel {
                y_desc: "peak heat flux [W/cm^2]".into(),
                curves: curves("peak_heat_flux_w_cm2")?,
                limit: Some(cfg.events.heat_flux_limit_w_cm2),
            },
        }),
    });
    Ok(())
}

/// Where a per-angle maximum exceeds its limit, in words.
fn crossing(fpa: &[f64], max: &[Option<f64>], limit: f64, what: &str) -> String {
    let over: Vec<f64> = fpa
        .iter()
        .zip(max)
        .filter_map(|(&a, m)| m.filter(|m| *m > limit).map(|_| a))
        .collect();
    let top = max
        .iter()
        .flatten()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    match (over.first(), over.last()) {
        (Some(lo), Some(hi)) => format!(
            "{what} exceeds its limit {} in some samples from {lo:.2} to {hi:.2} deg.",
            sig(limit)
        ),
        _ => format!(
            "{what} stays below its limit {} at every angle (highest {}).",
            sig(limit),
            sig(top)
        ),
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

#[cfg(test)]
mod tests {
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
        assert_eq!(year_of_mjd(51_544.5), 2000.0);
        assert!((year_of_mjd(51_544.5 + 365.25 * 35.5) - 2035.5).abs() < 1e-12);
    }
}
