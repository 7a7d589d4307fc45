//! `dispersa corridor`: the entry corridor as probabilities. Every flight-path-angle point gets
//! its own dispersed samples (sample k of point j is global sample j * N + k of the run's seed,
//! so each point is deterministic), with the angle itself held at the point's value; all points
//! go through the same GPU chunks.

use crate::config::{ConfigError, RawConfig};
use crate::engine::{BackendChoice, Engine, PrecisionChoice};
use crate::output::{claim_out_dir, field, DirKind, OutputError, RunDir};
use crate::pipeline::{provenance, Samples};
use crate::run::RunError;
use crate::scenario::reentry::{
    Reentry, ReentryConfig, M_PEAK_G, M_PEAK_Q, M_PEAK_QD, PARAM_NAMES, ST_FAILED, ST_SKIPPED_OUT,
    ST_TIMEOUT,
};
use crate::stats::{percentile_sorted, wilson, Proportion};
use arrow_array::{ArrayRef, Float64Array, Int64Array};
use arrow_schema::{DataType, Schema};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A point's (p50, p99865, max) of one output.
type Percentiles = fn(&CorridorPoint) -> [Option<f64>; 3];

const FPA: &str = "entry.flight_path_angle_deg";

#[derive(Debug, Clone)]
pub struct CorridorOptions {
    pub config: PathBuf,
    /// "START:STOP:STEP" in degrees.
    pub fpa_deg: String,
    pub samples_per_point: u64,
    /// Acceptable probability of skip-out, and of exceeding a limit.
    pub risk: f64,
    pub out: Option<PathBuf>,
    pub backend: BackendChoice,
    pub precision: PrecisionChoice,
    pub sets: Vec<String>,
    pub force: bool,
    pub quiet: bool,
}

/// One angle's results.
#[derive(Debug, Clone)]
pub struct CorridorPoint {
    pub fpa_deg: f64,
    /// The samples that flew (not failed): the probabilities' denominator.
    pub trials: u64,
    /// The samples that failed (unphysical inputs, or in flight), left out.
    pub failed: u64,
    /// The samples stopped by the time limit before landing or skipping out, left out: nothing
    /// says whether they would have skipped out, and their peaks may be cut (a 150 s limit read
    /// P(skip-out) 0 at angles that skip out 99 % of the time, an entry analyst's trial).
    pub timed_out: u64,
    pub skip: Proportion,
    pub g_exceed: Proportion,
    pub heat_exceed: Proportion,
    /// The peak dynamic pressure above `events.dynamic_pressure_limit_pa`; None without it.
    pub qdyn_exceed: Option<Proportion>,
    /// Any limit of `[events]` exceeded in a sample: the steep boundary's probability.
    pub limit_exceed: Proportion,
    pub peak_g: [Option<f64>; 3],
    pub peak_heat: [Option<f64>; 3],
    pub heat_load: [Option<f64>; 3],
    pub peak_qdyn: [Option<f64>; 3],
}

/// A corridor boundary: the angle by the point estimates, and the range the Wilson intervals
/// allow (`None`: no angle qualifies).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Boundary {
    pub deg: Option<f64>,
    pub low_deg: Option<f64>,
    pub high_deg: Option<f64>,
}

impl Boundary {
    /// The boundary as the corridor's summary prints it: the angle and its Wilson range, or
    /// "none in range", with the range where its Wilson intervals still allow one (a boundary
    /// the point estimate misses by a sample or two).
    pub fn describe(&self) -> String {
        // "none": no angle qualifies on that side ("range none .. -5.750" read as cryptic, an
        // entry analyst's trial).
        let side = |x: Option<f64>| x.map_or("no angle".to_string(), |v| format!("{v:.3}"));
        match (self.deg, self.low_deg, self.high_deg) {
            (Some(d), lo, hi) => format!(
                "{d:.3} deg (95 % Wilson range {} .. {})",
                side(lo),
                side(hi)
            ),
            (None, None, None) => "none in range".to_string(),
            (None, lo, hi) => format!(
                "none in range by the point estimate (its 95 % Wilson range allows {} .. {} deg)",
                side(lo),
                side(hi)
            ),
        }
    }
}

pub struct Corridor {
    pub points: Vec<CorridorPoint>,
    /// The shallowest angle of the unbroken run from the steepest with P(skip-out) <= risk
    /// ([`boundary`]).
    pub shallow: Boundary,
    /// The steepest angle of the unbroken run from the shallowest with P(limit exceeded) <=
    /// risk.
    pub steep: Boundary,
}

/// "width [at least] W deg (why)": "at least" where a boundary is the end of the range tried,
/// and said where the Wilson intervals do not confirm the boundaries, so that the printout and
/// the figure's caption (read from the file's metadata) say it alike.
pub fn width_words(w: &str, lower_bound: bool, confirmed: bool) -> String {
    let mut why = Vec::new();
    if lower_bound {
        why.push("a boundary is the end of the range tried");
    }
    if !confirmed {
        why.push("by the point estimates, which the intervals do not confirm");
    }
    let at_least = if lower_bound { " at least" } else { "" };
    let why = if why.is_empty() {
        String::new()
    } else {
        format!(" ({})", why.join("; "))
    };
    format!("width{at_least} {w} deg{why}")
}

/// Parse "START:STOP:STEP" into the angles, inclusive of STOP (to 1e-9 of a step).
pub fn parse_range(spec: &str) -> Result<Vec<f64>, ConfigError> {
    let bad = |m: &str| {
        ConfigError::Cli(format!(
            "--fpa-deg {spec}: {m} (expected START:STOP:STEP, e.g. -14:-6:0.25)"
        ))
    };
    let parts: Vec<&str> = spec.split(':').collect();
    if parts.len() != 3 {
        return Err(bad("three numbers separated by ':'"));
    }
    let v: Result<Vec<f64>, _> = parts.iter().map(|p| p.trim().parse::<f64>()).collect();
    let v = v.map_err(|_| bad("not numbers"))?;
    let (start, stop, step) = (v[0], v[1], v[2]);
    let finite = step.is_finite() && start.is_finite() && stop.is_finite();
    if !(finite && step > 0.0 && stop >= start) {
        return Err(bad("need START <= STOP and a finite STEP > 0"));
    }
    if stop >= 0.0 || start <= -90.0 {
        return Err(bad("angles must lie in (-90, 0) degrees"));
    }
    // Counted in f64 first: a tiny STEP would overflow the cast.
    let n = ((stop - start) / step + 1e-9).floor() + 1.0;
    if n > 2000.0 {
        return Err(bad("more than 2000 points"));
    }
    let n = n as usize;
    // Each angle rounded to 1e-9 deg, so that -14 + 37 x 0.25 is written -4.75, and -6 + 13 x
    // 0.1 -4.7 rather than -4.700000000000001 (a nanodegree moves an entry by 0.1 mm).
    Ok((0..n)
        .map(|k| ((start + k as f64 * step) * 1e9).round() / 1e9)
        .collect())
}

/// A STOP that the grid from START by STEP does not reach is left out: said, with the last angle
/// flown (-16:-6:3 flew -16 to -7 with nothing said of -6: an entry analyst's trial).
pub fn stop_off_the_grid(spec: &str, angles: &[f64]) -> Option<String> {
    let stop: f64 = spec.split(':').nth(1)?.trim().parse().ok()?;
    let last = *angles.last()?;
    let step = spec.split(':').nth(2)?.trim().parse::<f64>().ok()?;
    ((stop - last).abs() > 1e-9 * step).then(|| {
        format!(
            "--fpa-deg {spec}: STOP {stop} is not on the grid from START by STEP; the last \
             angle flown is {last}"
        )
    })
}

/// A risk that reads as a slip, noted (an entry analyst's trial ran 0.9973, a confidence
/// level, and 0.135, the default's percentage, silently as 99.73 % and 13.5 % risks): above
/// 0.5, a confidence for its complement; from 0.12, a percentage for its hundredth (a plain
/// 10 % risk is not asked about: a review).
fn risk_note(risk: f64) -> Option<String> {
    if risk > 0.5 {
        Some(format!(
            "--risk {risk} accepts an angle where a sample fails that often: was it given as a \
             confidence level? The risk is its complement, {}",
            crate::config::sig(1.0 - risk)
        ))
    } else if risk >= 0.12 {
        Some(format!(
            "--risk {risk} is {} %: was it given in percent? {risk} % is {}",
            crate::config::sig(risk * 100.0),
            crate::config::sig(risk / 100.0)
        ))
    } else {
        None
    }
}

/// The most trajectories (angles x samples per point) one corridor flies: ~10 GB of outputs.
pub const MAX_CORRIDOR_TRAJECTORIES: u64 = 10_000_000;

pub fn corridor(opts: &CorridorOptions) -> Result<(Corridor, PathBuf), RunError> {
    let angles = parse_range(&opts.fpa_deg)?;
    if opts.samples_per_point == 0 {
        return Err(ConfigError::Cli("--samples-per-point must be positive".into()).into());
    }
    // Every output is held until the end (the percentiles of each point): about 1 kB a
    // trajectory, measured at 21 x 20,000 (352 MB peak RSS). A larger sweep is refused here,
    // before any work, rather than aborted by the allocator.
    let total = (angles.len() as u128) * u128::from(opts.samples_per_point);
    if total > MAX_CORRIDOR_TRAJECTORIES as u128 {
        return Err(ConfigError::Cli(format!(
            "--samples-per-point {} at {} angles is {total} trajectories; the corridor holds \
             every output in memory (about 1 kB each), so it takes at most {} in all",
            opts.samples_per_point,
            angles.len(),
            MAX_CORRIDOR_TRAJECTORIES
        ))
        .into());
    }
    if !(opts.risk > 0.0 && opts.risk < 1.0) {
        return Err(ConfigError::Cli("--risk must be in (0, 1)".into()).into());
    }
    let raw = RawConfig::load(&opts.config, &opts.sets)?;
    if raw.scenario_kind()? != "reentry" {
        return Err(ConfigError::key("run.scenario", "the corridor is a reentry analysis").into());
    }
    let mut cfg = ReentryConfig::from_raw(&raw)?;
    if cfg.entry.bplane() {
        return Err(ConfigError::key(
            "entry.mode",
            "the corridor sweeps entry.flight_path_angle_deg, which mode = \"bplane\" derives \
             from the delivery: run the corridor on a mode = \"state\" config",
        )
        .into());
    }
    // The angle is the swept variable: its own dispersion does not apply.
    cfg.dispersions.remove(FPA);
    // `Reentry::checked`'s entry-speed check (an entry under the drogue's Mach trigger at the
    // interface) at the sweep's two ends, not at the config's own angle, which the sweep
    // replaces (a review: refused at -12 deg, though it flew at -45). The Mach number there is
    // monotonic in the angle (the air's velocity is horizontal), so the ends decide: refused
    // where every swept angle would be; where only some are, theirs fail in flight, noted.
    let at = |fpa: f64| {
        let mut c = cfg.clone();
        c.entry.flight_path_angle_deg = Some(fpa);
        Reentry::checked(c).err()
    };
    let ends = (angles.first().copied(), angles.last().copied());
    if let (Some(a), Some(b)) = ends {
        if let (Some(e), Some(_)) = (at(a), at(b)) {
            return Err(e.into());
        }
    }
    let sc = Reentry::new(cfg);
    let seed = sc.cfg.run.seed;
    let draws = Samples::new(&sc, seed, false)?;
    crate::sampling::check_centres(
        &sc.cfg.dispersions,
        &PARAM_NAMES,
        crate::scenario::Scenario::nominal(&sc),
    )?;
    // A backend and precision that cannot be honoured, as `run` refuses them.
    if let Some(m) = crate::engine::refused_choice(opts.backend, opts.precision, &sc) {
        return Err(ConfigError::Cli(m).into());
    }
    // After the config and its dispersions validate (run.rs::prepare), printed and kept in the
    // file's dispersa.run_notes, as a run's (a fuzzing trial found the RK4 and the 16 km/s
    // notes missing here).
    let mut run_notes = raw.unused_override_notes(crate::config::Flights::SweptAngle);
    // Not the config's own angle's radians note: the sweep replaces that angle, and its own
    // note is below (a review found both, or the config's beside a sweep in degrees).
    run_notes.extend(
        crate::scenario::Scenario::run_notes(&sc)
            .into_iter()
            .filter(|n| !n.starts_with(crate::scenario::reentry::CONFIG_FPA_NOTE)),
    );
    run_notes.extend(crate::scenario::off_centre_notes(&sc, |p| {
        p == FPA || raw.overrides_path(p)
    }));
    // The sweep's draws are the run's (a review found the note missing here).
    run_notes.extend(draws.unphysical_notes(&sc, total as u64));
    run_notes.extend(stop_off_the_grid(&opts.fpa_deg, &angles));
    run_notes.extend(risk_note(opts.risk));
    // A sweep in radians (-0.24:-0.08 for -14 to -5 deg) skipped out at every angle with
    // nothing asked, where `run` asks of such an angle (an entry analyst's trial): said where
    // the steepest angle swept would be.
    let steepest = angles.iter().copied().fold(f64::INFINITY, f64::min);
    if angles
        .iter()
        .all(|&a| crate::scenario::reentry::fpa_looks_like_radians(a))
    {
        run_notes.extend(crate::scenario::reentry::fpa_in_radians_note(
            &format!(
                "--fpa-deg {}: every angle swept, the steepest {steepest} deg, grazes",
                opts.fpa_deg
            ),
            steepest,
        ));
    }
    for note in &run_notes {
        eprintln!("dispersa: note: {note}");
    }
    let p_fpa = PARAM_NAMES
        .iter()
        .position(|p| *p == FPA)
        .expect("known parameter");
    let out_dir = opts
        .out
        .clone()
        .unwrap_or_else(|| Path::new("results").join(format!("{}_corridor", sc.cfg.run.name)));
    let mut notice = crate::run::stderr_notice;
    let _lock = claim_out_dir(&out_dir, DirKind::Corridor, opts.force, &mut notice)
        .map_err(ConfigError::Cli)?;
    let mut notice = crate::run::stderr_notice;
    let engine = Engine::select(opts.backend, opts.precision, &mut notice)?;
    for note in crate::scenario::Scenario::precision_notes(&sc, engine.info().precision) {
        notice(format!("note: {note}"));
    }
    let n_per = opts.samples_per_point as usize;
    let total = angles.len() * n_per;
    let (mut runner, chunk) = engine.runner(&sc, engine.default_chunk(&sc).min(total))?;
    let bar = crate::run::progress_bar(total as u64, opts.quiet);
    let mut per_point: Vec<Vec<crate::scenario::SampleOutputs>> =
        vec![Vec::with_capacity(n_per); angles.len()];
    let mut first = 0usize;
    while first < total {
        let n = (total - first).min(chunk);
        // Sample g flies at the angle of point g / n_per, its other inputs dispersed.
        let at_angle = |g: u64, p: &mut [f64]| p[p_fpa] = angles[g as usize / n_per];
        let c = draws.draw(&sc, first as u64..(first + n) as u64, Some(&at_angle));
        let before = first as u64;
        let states = runner.propagate(&sc, &c.inputs, n, &|k| bar.set_position(before + k))?;
        for (j, o) in c.outputs(&sc, &states).into_iter().enumerate() {
            per_point[(first + j) / n_per].push(o);
        }
        first += n;
        bar.set_position(first as u64);
    }
    bar.finish_and_clear();
    if let Some(m) = runner.note(&sc) {
        notice(m);
    }
    let ev = &sc.cfg.events;
    let limits = Limits {
        g: ev.g_limit,
        heat_flux: ev.heat_flux_limit_w_cm2,
        dynamic_pressure: ev.dynamic_pressure_limit_pa,
    };
    let points: Vec<CorridorPoint> = angles
        .iter()
        .zip(&per_point)
        .map(|(&fpa, outs)| point_stats(fpa, outs, &limits))
        .collect();
    let shallow = boundary(&points, opts.risk, true);
    let steep = boundary(&points, opts.risk, false);
    let corridor = Corridor {
        points,
        shallow,
        steep,
    };
    let info = engine.info();
    let mut metadata = provenance(&sc, &raw, seed, &info);
    // The integrator, epoch and density perturbation, as a run's files carry them.
    metadata.extend(crate::scenario::Scenario::metadata(&sc, info.precision));
    if !run_notes.is_empty() {
        metadata.push(("dispersa.run_notes".into(), run_notes.join("\n")));
    }
    metadata.extend([
        ("dispersa.analysis".into(), "corridor".into()),
        ("dispersa.fpa_deg".into(), opts.fpa_deg.clone()),
        (
            "dispersa.samples_per_point".into(),
            opts.samples_per_point.to_string(),
        ),
        ("dispersa.risk".into(), opts.risk.to_string()),
    ]);
    let dir = RunDir::create(&out_dir, DirKind::Corridor)?;
    write_corridor(
        &dir.tmp.join("corridor.parquet"),
        &corridor,
        opts.risk,
        &metadata,
    )?;
    crate::output::manifest::write(&dir.tmp, &["corridor.parquet".into()])?;
    dir.commit()?;
    Ok((corridor, out_dir))
}

/// The `[events]` limits an angle's flights are held to: the steep boundary's.
struct Limits {
    g: f64,
    heat_flux: f64,
    /// `events.dynamic_pressure_limit_pa`, where given (an analyst's structural limit, ignored
    /// without a word until a review: the steep boundary at -11 deg where half the flights at
    /// -10 were beyond 27 kPa).
    dynamic_pressure: Option<f64>,
}

fn point_stats(fpa: f64, outs: &[crate::scenario::SampleOutputs], lim: &Limits) -> CorridorPoint {
    let ok: Vec<_> = outs
        .iter()
        .filter(|o| o.status != ST_FAILED && o.status != ST_TIMEOUT)
        .collect();
    let trials = ok.len() as u64;
    let timed_out = outs.iter().filter(|o| o.status == ST_TIMEOUT).count() as u64;
    let count = |f: &dyn Fn(&crate::scenario::SampleOutputs) -> bool| {
        ok.iter().filter(|o| f(o)).count() as u64
    };
    let g_over =
        |o: &crate::scenario::SampleOutputs| o.metrics[M_PEAK_G].is_some_and(|g| g > lim.g);
    let q_over =
        |o: &crate::scenario::SampleOutputs| o.metrics[M_PEAK_Q].is_some_and(|q| q > lim.heat_flux);
    let qdyn_over = |o: &crate::scenario::SampleOutputs| {
        lim.dynamic_pressure
            .is_some_and(|l| o.metrics[M_PEAK_QD].is_some_and(|q| q > l))
    };
    let pct = |m: usize| -> [Option<f64>; 3] {
        let mut v: Vec<f64> = ok.iter().filter_map(|o| o.metrics[m]).collect();
        if v.is_empty() {
            return [None; 3];
        }
        v.sort_by(f64::total_cmp);
        [
            Some(percentile_sorted(&v, 0.5)),
            Some(percentile_sorted(&v, 0.99865)),
            Some(v[v.len() - 1]),
        ]
    };
    CorridorPoint {
        fpa_deg: fpa,
        trials,
        failed: outs.len() as u64 - trials - timed_out,
        timed_out,
        skip: wilson(count(&|o| o.status == ST_SKIPPED_OUT), trials),
        g_exceed: wilson(count(&g_over), trials),
        heat_exceed: wilson(count(&q_over), trials),
        qdyn_exceed: lim
            .dynamic_pressure
            .map(|_| wilson(count(&qdyn_over), trials)),
        limit_exceed: wilson(count(&|o| g_over(o) || q_over(o) || qdyn_over(o)), trials),
        peak_g: pct(M_PEAK_G),
        peak_heat: pct(M_PEAK_Q),
        heat_load: pct(4),
        peak_qdyn: pct(M_PEAK_QD),
    }
}

/// Each boundary is the edge of an unbroken run of passing angles from its safe end. The
/// shallow boundary: walking from the steepest angle flown towards shallower ones, the last
/// angle before the first whose P(skip-out) exceeds the risk. The steep boundary: walking from
/// the shallowest towards steeper ones, the last before the first whose P(limit exceeded)
/// exceeds it. So every angle between a boundary and its safe end passes: the steepest passing
/// angle anywhere reported a corridor through an angle that failed (1 of 150 samples beyond a
/// limit at -11.35 deg inside a steep boundary at -11.45: a review-package trial). An angle
/// where none flew (all failed or timed out) ends the walk too, nothing saying it passes, but
/// at the safe end itself such angles are passed over. The
/// range comes from the Wilson intervals: the same rule applied to ci_low (optimistic) and to
/// ci_high (conservative).
pub fn boundary(points: &[CorridorPoint], risk: f64, shallow: bool) -> Boundary {
    let mut walk: Vec<&CorridorPoint> = points.iter().collect();
    // From the safe end: skip-out is safe at steep angles, the limits at shallow ones.
    walk.sort_by(|a, b| {
        if shallow {
            a.fpa_deg.total_cmp(&b.fpa_deg)
        } else {
            b.fpa_deg.total_cmp(&a.fpa_deg)
        }
    });
    let pick = |f: &dyn Fn(&Proportion) -> f64| -> Option<f64> {
        let mut last = None;
        // Angles where none flew at the safe end itself are passed over: nothing says they
        // fail, and stopping there left no boundary at all (a review).
        let flown = walk.iter().skip_while(|p| p.trials == 0);
        for p in flown {
            let prop = if shallow { &p.skip } else { &p.limit_exceed };
            let v = f(prop);
            if p.trials == 0 || v.is_nan() || v > risk {
                break;
            }
            last = Some(p.fpa_deg);
        }
        last
    };
    let point = pick(&|p| p.p);
    let optimistic = pick(&|p| p.ci_low);
    let conservative = pick(&|p| p.ci_high);
    // For the shallow boundary the optimistic angle is the shallower one; for the steep one,
    // the steeper one.
    let (low, high) = if shallow {
        (conservative, optimistic)
    } else {
        (optimistic, conservative)
    };
    Boundary {
        deg: point,
        low_deg: low,
        high_deg: high,
    }
}

fn write_corridor(
    path: &Path,
    c: &Corridor,
    risk: f64,
    metadata: &[(String, String)],
) -> Result<(), OutputError> {
    let f = |name: &str, unit: &str| field(name, DataType::Float64, true, Some(unit));
    let mut fields = vec![
        field("fpa_deg", DataType::Float64, false, Some("deg")),
        // Signed, as every count dispersa writes (output::samples_schema).
        field("samples", DataType::Int64, false, Some("samples")),
        field("failed", DataType::Int64, false, Some("samples")),
        field("timed_out", DataType::Int64, false, Some("samples")),
    ];
    // The dynamic pressure's probability is null without its limit.
    for p in [
        "p_skip_out",
        "p_g_exceed",
        "p_heat_exceed",
        "p_dynamic_pressure_exceed",
        "p_limit_exceed",
    ] {
        fields.push(f(p, "probability"));
        fields.push(f(&format!("{p}_ci_low"), "probability"));
        fields.push(f(&format!("{p}_ci_high"), "probability"));
    }
    for (m, unit) in [
        ("peak_g", "g0 (9.80665 m/s^2)"),
        ("peak_heat_flux_w_cm2", "W/cm^2"),
        ("heat_load_j_cm2", "J/cm^2"),
        ("peak_dynamic_pressure_pa", "Pa"),
    ] {
        for s in ["p50", "p99865", "max"] {
            fields.push(f(&format!("{m}_{s}"), unit));
        }
    }
    let schema = Arc::new(Schema::new(fields));
    let pts = &c.points;
    let mut cols: Vec<ArrayRef> = vec![
        Arc::new(Float64Array::from(
            pts.iter().map(|p| p.fpa_deg).collect::<Vec<_>>(),
        )),
        Arc::new(Int64Array::from_iter_values(
            pts.iter().map(|p| p.trials as i64),
        )),
        Arc::new(Int64Array::from_iter_values(
            pts.iter().map(|p| p.failed as i64),
        )),
        Arc::new(Int64Array::from_iter_values(
            pts.iter().map(|p| p.timed_out as i64),
        )),
    ];
    let props: [fn(&CorridorPoint) -> Option<&Proportion>; 5] = [
        |p| Some(&p.skip),
        |p| Some(&p.g_exceed),
        |p| Some(&p.heat_exceed),
        |p| p.qdyn_exceed.as_ref(),
        |p| Some(&p.limit_exceed),
    ];
    for get in props {
        let fin = |x: Option<f64>| x.filter(|v| v.is_finite());
        cols.push(Arc::new(Float64Array::from(
            pts.iter()
                .map(|p| fin(get(p).map(|q| q.p)))
                .collect::<Vec<_>>(),
        )));
        cols.push(Arc::new(Float64Array::from(
            pts.iter()
                .map(|p| fin(get(p).map(|q| q.ci_low)))
                .collect::<Vec<_>>(),
        )));
        cols.push(Arc::new(Float64Array::from(
            pts.iter()
                .map(|p| fin(get(p).map(|q| q.ci_high)))
                .collect::<Vec<_>>(),
        )));
    }
    let pcts: [Percentiles; 4] = [
        |p| p.peak_g,
        |p| p.peak_heat,
        |p| p.heat_load,
        |p| p.peak_qdyn,
    ];
    for get in pcts {
        for k in 0..3 {
            cols.push(Arc::new(Float64Array::from(
                pts.iter().map(|p| get(p)[k]).collect::<Vec<_>>(),
            )));
        }
    }
    let mut md = metadata.to_vec();
    let fmt = |x: Option<f64>| x.map_or("none".to_string(), |v| format!("{v}"));
    for (name, b) in [("shallow", c.shallow), ("steep", c.steep)] {
        md.push((format!("dispersa.corridor.{name}_boundary_deg"), fmt(b.deg)));
        md.push((
            format!("dispersa.corridor.{name}_boundary_low_deg"),
            fmt(b.low_deg),
        ));
        md.push((
            format!("dispersa.corridor.{name}_boundary_high_deg"),
            fmt(b.high_deg),
        ));
    }
    md.push(("dispersa.corridor.width_deg".into(), fmt(c.width_deg())));
    md.push((
        "dispersa.corridor.width_is_a_lower_bound".into(),
        c.width_is_a_lower_bound().to_string(),
    ));
    md.push((
        "dispersa.corridor.boundaries_confirmed".into(),
        c.boundaries_confirmed().to_string(),
    ));
    md.push(("dispersa.corridor.notes".into(), c.notes(risk).join("\n")));
    crate::output::write_table(path, schema, cols, &md)
}

impl Corridor {
    /// What a reader must know before trusting the boundaries: a boundary at the end of the
    /// scanned range may lie beyond it, and too few samples per angle cannot confirm the risk.
    pub fn notes(&self, risk: f64) -> Vec<String> {
        let mut notes = Vec::new();
        let (first, last) = (
            self.points.first().map(|p| p.fpa_deg),
            self.points.last().map(|p| p.fpa_deg),
        );
        if self.shallow.deg.is_some() && self.shallow.deg == last {
            notes.push(
                "the shallow (skip-out) boundary is the shallowest angle tried, so the true one \
                 may lie shallower: extend --fpa-deg towards 0"
                    .to_string(),
            );
        }
        if self.steep.deg.is_some() && self.steep.deg == first {
            notes.push(
                "the steep (limit) boundary is the steepest angle tried, so the true one may lie \
                 steeper: extend --fpa-deg downwards"
                    .to_string(),
            );
        }
        // Angles beyond a boundary that pass again: the boundary stops at the first angle
        // that fails, walking from its safe end, so it says where that was and that more
        // samples an angle would tell a fluke from a real edge.
        for (b, shallow, what) in [
            (&self.steep, false, "P(any limit exceeded)"),
            (&self.shallow, true, "P(skip-out)"),
        ] {
            let Some(edge) = b.deg else { continue };
            let beyond = |p: &&CorridorPoint| {
                if shallow {
                    p.fpa_deg > edge
                } else {
                    p.fpa_deg < edge
                }
            };
            let prop = |p: &CorridorPoint| if shallow { p.skip.p } else { p.limit_exceed.p };
            let outside: Vec<&CorridorPoint> = self.points.iter().filter(beyond).collect();
            // The first failing angle next to the edge, and the passing ones past it.
            let first = if shallow {
                outside.first()
            } else {
                outside.last()
            };
            let again: Vec<String> = outside
                .iter()
                .filter(|p| p.trials > 0 && prop(p) <= risk)
                .map(|p| format!("{:.3}", p.fpa_deg))
                .collect();
            if let (Some(first), false) = (first, again.is_empty()) {
                let why = if first.trials == 0 {
                    "no sample flew".to_string()
                } else {
                    format!("{what} is {:.5}, above the risk", prop(first))
                };
                notes.push(format!(
                    "the {} boundary stops at {edge:.3} deg, before {:.3} deg, where {why}; \
                     beyond it {} deg pass again: more samples an angle (--samples-per-point) \
                     would tell a fluke from the edge",
                    if shallow { "shallow" } else { "steep" },
                    first.fpa_deg,
                    again.join(", ")
                ));
            }
        }
        // The angles where samples flew (at one where all failed or timed out the
        // probabilities are NaN, and hid these notes for every angle: a review).
        let flew: Vec<&CorridorPoint> = self.points.iter().filter(|p| p.trials > 0).collect();
        // Where to look for the corridor: beyond the range only if the range's end on that side
        // flew (with a 150 s limit every angle but the shallowest timed out, and the advice to
        // extend the range steeper contradicted the note to raise the time limit, a review).
        let ends_flew = (
            self.points.first().is_some_and(|p| p.trials > 0),
            self.points.last().is_some_and(|p| p.trials > 0),
        );
        let look = |end_flew: bool, beyond: &str| {
            if end_flew {
                format!("there is no corridor here; it lies {beyond}")
            } else {
                "the corridor may lie among the angles where no sample flew (below)".to_string()
            }
        };
        if !flew.is_empty() && flew.iter().all(|p| p.skip.p > risk) {
            notes.push(format!(
                "every angle where samples flew skips out more often than the risk {risk}: {}",
                look(ends_flew.0, "steeper (extend --fpa-deg downwards)")
            ));
        }
        // The steep boundary's own probability, any limit in a sample: each apart can sit at
        // the risk while their union exceeds it (a review).
        if !flew.is_empty() && flew.iter().all(|p| p.limit_exceed.p > risk) {
            notes.push(format!(
                "every angle where samples flew exceeds a limit of [events] (any, in a sample) \
                 more often than the risk {risk}: {}",
                look(ends_flew.1, "shallower (extend --fpa-deg towards 0)")
            ));
        }
        // The fewest samples that flew at an angle where any did.
        let flown = flew.iter().map(|p| p.trials).min().unwrap_or(0);
        let failed: u64 = self.points.iter().map(|p| p.failed).sum();
        if failed > 0 {
            notes.push(format!(
                "{failed} samples failed (unphysical inputs, or in flight: a `dispersa run` of \
                 the config names why in failure_reason) and are left out of the probabilities, \
                 which count the samples that flew (the `samples` column, at least {flown} at \
                 each angle where any flew; `failed` beside it)"
            ));
        }
        // Angles where no sample flew are in no boundary and no note above: said, since a
        // boundary beside them may lie among them (a fuzzing trial's shallow boundary at -8.5
        // deg bordered angles where nothing flew, with nothing said).
        let none: Vec<String> = self
            .points
            .iter()
            .filter(|p| p.trials == 0)
            .map(|p| format!("{:.3}", p.fpa_deg))
            .collect();
        if !none.is_empty() {
            notes.push(format!(
                "no sample flew at {} deg (all failed or timed out): the boundaries and the \
                 notes are over the other angles, and a boundary beside these may lie among them",
                none.join(", ")
            ));
        }
        let timed_out: u64 = self.points.iter().map(|p| p.timed_out).sum();
        if timed_out > 0 {
            let worst = self
                .points
                .iter()
                .max_by_key(|p| p.timed_out)
                .expect("a point timed out");
            let (who, are) = if timed_out == 1 {
                ("1 sample".to_string(), "is")
            } else {
                (format!("{timed_out} samples"), "are")
            };
            notes.push(format!(
                "{who} reached integrator.time_limit_s before landing or skipping out (most at \
                 {:.3} deg: {} of {}) and {are} left out of the probabilities and percentiles \
                 (the `timed_out` column): raise the time limit",
                worst.fpa_deg,
                worst.timed_out,
                worst.trials + worst.failed + worst.timed_out
            ));
        }
        if let (Some(sh), Some(st)) = (self.shallow.deg, self.steep.deg) {
            if sh < st {
                notes.push(format!(
                    "the skip-out boundary ({sh:.3} deg) is steeper than the limit boundary \
                     ({st:.3} deg): no angle in the range meets both the skip-out risk and the \
                     limits at the risk {risk}, so there is no corridor here"
                ));
            }
        }
        // Wilson's 95% upper bound for zero events in n trials is z^2 / (n + z^2): it falls to
        // the risk at n = z^2 (1 - risk) / risk. Only where n is short of that (the note came
        // with 200 samples against the 73 a 5 % risk needs, a review).
        let z2 = 1.959_963_984_540_054f64.powi(2);
        let bound = z2 / (flown as f64 + z2);
        if (self.shallow.low_deg.is_none() || self.steep.high_deg.is_none())
            && flown > 0
            && bound > risk
        {
            let n = flown;
            let need = (z2 * (1.0 - risk) / risk).ceil();
            notes.push(format!(
                "with {n} samples per angle even zero events only bound a probability below \
                 {bound:.4} (95% Wilson), above the risk {risk}, so the conservative side of a \
                 boundary stays open; --samples-per-point {need} or more can close it"
            ));
        }
        notes
    }

    /// Whether a boundary is the end of the range tried ([`Corridor::notes`] says which), so that
    /// the corridor may be wider than [`Corridor::width_deg`] (an entry analyst's trial read a
    /// width of 0.25 deg from a scan that ended at the shallow boundary).
    pub fn width_is_a_lower_bound(&self) -> bool {
        let (first, last) = (
            self.points.first().map(|p| p.fpa_deg),
            self.points.last().map(|p| p.fpa_deg),
        );
        (self.shallow.deg.is_some() && self.shallow.deg == last)
            || (self.steep.deg.is_some() && self.steep.deg == first)
    }

    /// The width as the printout and the figure's caption say it ([`width_words`]).
    pub fn describe_width(&self) -> Option<String> {
        self.width_deg().map(|w| {
            width_words(
                &format!("{w:.3}"),
                self.width_is_a_lower_bound(),
                self.boundaries_confirmed(),
            )
        })
    }

    /// Whether the Wilson intervals confirm both boundaries on their conservative side (an angle
    /// meets the risk by its interval's upper end): without, the width is the point estimates'
    /// alone (a review board read "width at least 5 deg" from 200 samples an angle, which bound no
    /// probability below 0.0188 against a risk of 0.00135).
    pub fn boundaries_confirmed(&self) -> bool {
        self.shallow.low_deg.is_some() && self.steep.high_deg.is_some()
    }

    /// Shallow minus steep boundary [deg], when both exist and the shallow one is not the
    /// steeper (then no angle meets both risks: there is no corridor, and no width).
    pub fn width_deg(&self) -> Option<f64> {
        // To 1e-9 deg: the difference of two swept angles carries their rounding (0.8 read
        // 0.7999999999999998, a review).
        let w = ((self.shallow.deg? - self.steep.deg?) * 1e9).round() / 1e9;
        (w >= 0.0).then_some(w)
    }
}

#[cfg(test)]
mod tests {
    use super::risk_note;

    /// A confidence level or a percentage given as the risk is asked about; a risk as the
    /// default's, or a plain 5 %, is not.
    #[test]
    fn a_risk_that_reads_as_a_slip_is_noted() {
        let conf = risk_note(0.9973).expect("a note");
        assert!(
            conf.contains("confidence level") && conf.contains("its complement, 0.0027"),
            "{conf}"
        );
        let pct = risk_note(0.135).expect("a note");
        assert!(pct.contains("in percent? 0.135 % is 0.00135"), "{pct}");
        assert_eq!(risk_note(0.00135), None);
        assert_eq!(risk_note(0.05), None);
        assert_eq!(risk_note(0.1), None);
        assert!(risk_note(0.5).is_some_and(|n| n.contains("in percent")));
    }
}
