//! `dispersa target`: move the aim so that the undispersed trajectory lands on the aim point
//! (`landing.target_lat_deg`, `landing.target_lon_deg`), on the f64 CPU reference.
//!
//! State mode: the entry latitude and longitude are moved by the nominal's miss, turned around,
//! and the nominal flown again. Near the aim the landing moves with the entry point almost as
//! a rigid shift (the Earth's rotation, the winds and the meridians' convergence make it
//! differ by a few per cent), so each pass cuts the miss by a factor of ~20-100. The longitude
//! moves by the east miss measured on the landing's parallel: a change of entry longitude
//! turns the whole trajectory about the polar axis. Near a pole the rigid shift fails (the
//! azimuth is held from the local north, which turns as the entry point moves): once a pass of
//! it closes less than [`RIGID_SHARE`] of its move, or would carry the entry point past the
//! pole, the aim takes Newton's steps in km east and north of the entry point, the landing's
//! miss differenced by [`STATE_STEP_KM`] in each, along great circles that may cross the pole.
//!
//! Bplane mode: the aim point is moved by Newton's method in polar terms, |B| and the B-plane
//! angle, the landing's east/north miss differenced by [`B_STEP_KM`] in each. B moves the entry
//! point, the flight path angle and the azimuth at once, so no rigid shift approximates it. The
//! landings of one |B| form a ring about the asymptote, walked by the angle; |B| sets the flight
//! path angle and so the downrange, steeply near the skip-out edge. In (B.T, B.R) a move along the
//! ring is a tangent that leaves it outwards (735 km of arc at |B| = 16,850 km is 16 km of |B|, past
//! the skip-out edge): Newton there stopped 157-460 km short of targets at 60-65 N that polar
//! steps reach. The aimed nominal's margin to the skip-out edge, in km of |B| and in the
//! delivery's sigmas, is reported ([`SkipMargin`]).

use crate::config::{ConfigError, RawConfig};
use crate::engine::Engine;
use crate::physics::geodesy::{east_north_km, moved_deg, radii_of_curvature_m};
use crate::pipeline::Samples;
use crate::scenario::reentry::{
    Reentry, ReentryConfig, M_DROGUE_OPEN_Q, M_DROGUE_TIME, M_LAT, M_LON, M_MAIN_OPEN_Q,
    M_MAIN_TIME, M_PEAK_G, M_PEAK_Q, M_PEAK_QD, M_TOUCHDOWN_SPEED, PARAM_NAMES, P_AZ, P_FPA, P_LAT,
    P_LON, P_VEL, STATUS_NAMES, ST_FAILED, ST_LANDED,
};
use crate::scenario::SampleOutputs;
use std::path::Path;

/// Stop when the nominal lands this close to the target [m]: well inside the 100 m, and
/// far above the landing's integration error (1.5 m worst, README "Integration accuracy").
pub const AIM_TOLERANCE_M: f64 = 10.0;
/// Passes before giving up.
pub const MAX_PASSES: usize = 16;
/// Passes before giving up on an aim whose miss still falls by a tenth or more a pass. Added
/// when a state-mode aim near a pole closed about a fifth of its miss a pass (85 N: 8.8, 6.8,
/// 5.3, 4.1, 3.2 km, and gave up at 16 passes on a reachable target, a review-package trial);
/// Newton's step now takes that aim in 7 passes ([`RIGID_SHARE`]), and this stays a backstop.
pub const MAX_PASSES_CONVERGING: usize = 64;
/// The most a state-mode pass moves the entry point [km]: the rigid shift holds near the aim,
/// and over thousands of km the meridians' convergence breaks it (a target 15,344 km off moved
/// the latitude past the pole in one pass). A target an ocean away takes a pass per 3,000 km.
pub const MAX_MOVE_KM: f64 = 3000.0;
/// A state-mode aim leaves the rigid shift for Newton's step once a pass of it closes less than
/// this share of the distance it moved the entry point. The shift closes 95-99 % near the aim
/// away from the poles (module doc); near one the meridians' convergence turns the landing's
/// response, and a target at 85 S took 10 passes to close from 2,167 km to 46 km, and 85 N 43
/// passes for its last 8 km, before Newton's step.
pub const RIGID_SHARE: f64 = 0.8;
/// The state-mode Newton step's difference probe [km]: a kilometre moves the landing by about as
/// much, against its 1.5 m integration error (README "Integration accuracy"): the slope to 0.2 %.
pub const STATE_STEP_KM: f64 = 1.0;
/// The B-plane difference step [km], in |B| and along the B-plane angle's arc. Near the skip-out
/// edge the landing moves up to ~1,800 km per km of |B| (16 deg of latitude a km at 75 N on the
/// shipped asymptote) and that slope changes by ~1 deg/km a km: 50 m keeps a difference within ~2 %
/// of the slope there, and elsewhere moves the landing 50 m or more, against its 1.5 m
/// integration error. (1 km was 7 times off near the edge, and Newton's step went the wrong way.)
pub const B_STEP_KM: f64 = 0.05;
/// The skip-out edge is located to this, outwards in |B| from the aim [km].
pub const SKIP_EDGE_TOL_KM: f64 = 0.01;

/// One pass: the aim flown and where the nominal landed against the target.
#[derive(Debug, Clone, Copy)]
pub struct Pass {
    /// The two aim values: entry latitude and longitude [deg] (state mode), or B.T and B.R
    /// [km] (bplane mode); named by [`aim_keys`].
    pub aim: [f64; 2],
    /// East and north of the landing from the target [km].
    pub miss_east_km: f64,
    pub miss_north_km: f64,
}

impl Pass {
    pub fn miss_m(&self) -> f64 {
        1000.0 * self.miss_east_km.hypot(self.miss_north_km)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AimError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Failed(String),
}

impl AimError {
    /// 2 for bad input, 1 when the aim cannot be reached.
    pub fn exit_code(&self) -> i32 {
        match self {
            AimError::Config(_) => 2,
            AimError::Failed(_) => 1,
        }
    }
}

/// `text`, a config file's, with the `--set` overrides `sets` that the aim flew with and the
/// aim's two `[entry]` keys set to `aim` as `target` prints them (6 decimals): what was flown,
/// so that the file lands where the aim did. Edited as a person would (`toml_edit`): each
/// key's value replaced in place with its comment, a missing key or table added, every other
/// line kept. Read back: the file must parse to exactly the config that was flown (the file's
/// table with the overrides applied as `--set` applies them, and the aim), or the edit is
/// refused naming why.
pub fn aimed_config(
    text: &str,
    keys: [&str; 2],
    aim: [f64; 2],
    sets: &[String],
) -> Result<String, String> {
    use toml_edit::{DocumentMut, Item, Value};
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e| format!("the config does not parse: {e}"))?;
    let mut flown: toml::Table = text
        .parse()
        .map_err(|e| format!("the config does not parse: {e}"))?;
    let mut edits: Vec<(Vec<String>, Value)> = Vec::new();
    for spec in sets {
        crate::config::apply_override(&mut flown, spec).map_err(|e| e.to_string())?;
        let (key, value) = spec.split_once('=').unwrap_or((spec, ""));
        let parts = crate::config::split_dotted_key(key.trim())
            .ok_or_else(|| format!("--set {spec}: unbalanced quotes in the key"))?;
        let literal = crate::config::override_value(value.trim()).to_string();
        let v: Value = literal.parse().map_err(|e| format!("--set {spec}: {e}"))?;
        edits.push((parts, v));
    }
    let entry = flown
        .entry("entry")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()));
    for k in 0..2 {
        let literal = format!("{:.6}", aim[k]);
        let x: f64 = literal.parse().expect("a number");
        if let Some(t) = entry.as_table_mut() {
            t.insert(keys[k].to_string(), toml::Value::Float(x));
        }
        edits.push((
            vec!["entry".to_string(), keys[k].to_string()],
            literal.parse().expect("a float literal"),
        ));
    }
    for (path, value) in edits {
        let (last, tables) = path.split_last().expect("a key");
        let mut item: &mut Item = doc.as_item_mut();
        for part in tables {
            if item.get(part).is_none() {
                let t = item
                    .as_table_like_mut()
                    .ok_or_else(|| format!("{}: `{part}` is not a table", path.join(".")))?;
                t.insert(part, Item::Table(toml_edit::Table::new()));
            }
            item = item
                .get_mut(part)
                .ok_or_else(|| format!("{}: `{part}` is not a table", path.join(".")))?;
        }
        let t = item
            .as_table_like_mut()
            .ok_or_else(|| format!("{}: not inside a table", path.join(".")))?;
        match t.get_mut(last).and_then(|i| i.as_value_mut()) {
            // In place: the old value's spacing and comment kept.
            Some(old) => {
                let decor = old.decor().clone();
                *old = value;
                *old.decor_mut() = decor;
            }
            None => {
                t.insert(last, Item::Value(value));
            }
        }
    }
    let mut out = doc.to_string();
    // Its line endings: toml_edit writes '\n'.
    if text.contains("\r\n") && !out.contains("\r\n") {
        out = out.replace('\n', "\r\n");
    }
    let written: toml::Table = out
        .parse()
        .map_err(|e| format!("the edited config does not parse: {e}"))?;
    if written != flown {
        return Err(
            "the edited config does not read back as the config flown: set the printed lines \
             by hand"
                .into(),
        );
    }
    Ok(out)
}

/// The `[entry]` keys that the aim moves, for the config's mode.
pub fn aim_keys(cfg: &ReentryConfig) -> [&'static str; 2] {
    if cfg.entry.bplane() {
        ["b_t_km", "b_r_km"]
    } else {
        ["latitude_deg", "longitude_deg"]
    }
}

fn get_aim(cfg: &ReentryConfig) -> [f64; 2] {
    let e = &cfg.entry;
    let pair = if e.bplane() {
        [e.b_t_km, e.b_r_km]
    } else {
        [e.latitude_deg, e.longitude_deg]
    };
    pair.map(|v| v.expect("validated"))
}

fn set_aim(cfg: &mut ReentryConfig, aim: [f64; 2]) {
    let e = &mut cfg.entry;
    if e.bplane() {
        (e.b_t_km, e.b_r_km) = (Some(aim[0]), Some(aim[1]));
    } else {
        (e.latitude_deg, e.longitude_deg) = (Some(aim[0]), Some(aim[1]));
    }
}

/// A config aimed: the `[entry]` keys moved, every pass first to last (the last one within
/// [`AIM_TOLERANCE_M`]), and a note for each key that the dispersed samples draw about a centre
/// of their own (a uniform's bounds, a normal's or a correlated group's mean) or clip to bounds
/// of their own (a truncated normal's), which the aim printed does not move ([`aim_notes`]).
#[derive(Debug, Clone)]
pub struct Aimed {
    pub keys: [&'static str; 2],
    pub passes: Vec<Pass>,
    pub notes: Vec<String>,
    /// The aimed nominal, what an analyst checks before taking the aim.
    pub nominal: AimedNominal,
    /// How far the aim lies inside the skip-out edge: in |B| (bplane mode) or in the flight
    /// path angle (state mode).
    pub skip_margin: SkipMargin,
}

/// The aimed nominal trajectory: its entry state (in bplane mode the one the aim maps to),
/// its peaks, and a warning for each limit it breaks. An aim can land on the target through an
/// entry no capsule survives (a new user's far target converged at -49.5 deg and 291 g, exit
/// 0, with nothing said).
#[derive(Debug, Clone)]
pub struct AimedNominal {
    /// Geodetic latitude and longitude [deg], speed [km/s], geocentric flight path angle and
    /// azimuth [deg] at the entry interface.
    pub entry: [f64; 5],
    pub peak_g: f64,
    pub peak_heat_flux_w_cm2: f64,
    pub peak_dynamic_pressure_pa: f64,
    pub warnings: Vec<String>,
}

/// Aim the config at `path` (with `--set` overrides).
pub fn aim(path: &Path, sets: &[String]) -> Result<Aimed, AimError> {
    aim_with(path, sets, &mut |_, _, _| {})
}

/// [`aim`], calling `on_pass` with each pass as it is flown (its number from 1, and the names of
/// the two aim values), for progress.
pub fn aim_with(
    path: &Path,
    sets: &[String],
    on_pass: &mut dyn FnMut(usize, &Pass, [&'static str; 2]),
) -> Result<Aimed, AimError> {
    let raw = RawConfig::load(path, sets)?;
    if raw.scenario_kind()? != "reentry" {
        return Err(
            ConfigError::key("run.scenario", "dispersa target aims a reentry config").into(),
        );
    }
    let mut cfg = ReentryConfig::from_raw(&raw)?;
    // The starting aim must reach the interface (the config's bound is the equator's).
    let checked = Reentry::checked(cfg.clone())?;
    raw.print_unused_override_notes(crate::config::Flights::Aim);
    // The other keys' dispersions about centres of their own (the aim's: `aim_notes`).
    let own = aim_keys(&cfg).map(|k| format!("entry.{k}"));
    for note in crate::scenario::off_centre_notes(&checked, |p| {
        own.iter().any(|k| k == p) || raw.overrides_path(p)
    }) {
        eprintln!("dispersa: note: {note}");
    }
    let (Some(t_lat), Some(t_lon)) = (cfg.landing.target_lat_deg, cfg.landing.target_lon_deg)
    else {
        return Err(ConfigError::key(
            "landing.target_lat_deg",
            "dispersa target needs the aim point: landing.target_lat_deg and target_lon_deg",
        )
        .into());
    };
    let keys = aim_keys(&cfg);
    // The nominal's landing east and north of the target [km] and its latitude [deg], with the
    // flight itself (its parameters and outputs: the converged pass's are reported).
    let miss = |cfg: &ReentryConfig| -> Result<([f64; 3], Flight), AimError> {
        let ((p, o), why) = fly_nominal(cfg)?;
        if o.status != ST_LANDED {
            let a = get_aim(cfg);
            // A failed flight says why, as a run's failure_reason does (a B-plane aim above the
            // interface said nothing; nor did a drogue opened hypersonic, an entry analyst's
            // trial).
            let why = why.map_or(String::new(), |w| format!(" ({w})"));
            return Err(AimError::Failed(format!(
                "the nominal trajectory aimed at {} = {:.6}, {} = {:.6} ended {} rather than \
                 landing{why}",
                keys[0], a[0], keys[1], a[1], STATUS_NAMES[o.status as usize]
            )));
        }
        let (lat, lon) = (o.metrics[M_LAT].unwrap(), o.metrics[M_LON].unwrap());
        let (e, n) = east_north_km(t_lat, t_lon, lat, lon);
        Ok(([e, n, lat], (p, o)))
    };
    let mut passes: Vec<Pass> = Vec::new();
    let mut newton = false;
    loop {
        let converging = match passes.as_slice() {
            [.., a, b] => b.miss_m() <= 0.9 * a.miss_m(),
            _ => false,
        };
        if passes.len() >= MAX_PASSES && !(converging && passes.len() < MAX_PASSES_CONVERGING) {
            break;
        }
        let aim = get_aim(&cfg);
        let ([e, n, landed_lat], flown) = miss(&cfg).map_err(|err| {
            after_passes(err, &format!("pass {}", passes.len() + 1), &passes, keys)
        })?;
        let pass = Pass {
            aim,
            miss_east_km: e,
            miss_north_km: n,
        };
        passes.push(pass);
        on_pass(passes.len(), &pass, keys);
        if passes.len() == 1 {
            if let Some(note) = target_in_radians_note(t_lat, t_lon, pass.miss_m()) {
                eprintln!("dispersa: note: {note}");
            }
        }
        if pass.miss_m() <= AIM_TOLERANCE_M {
            let notes = aim_notes(&raw, keys, aim, passes[0].aim, cfg.entry.bplane());
            let nominal = aimed_nominal(&cfg, flown);
            let skip_margin = skip_margin(&cfg, aim);
            return Ok(Aimed {
                keys,
                passes,
                notes,
                nominal,
                skip_margin,
            });
        }
        // The rigid shift until a pass of it closes less than RIGID_SHARE of the distance it
        // moved the entry point, or would carry it past a pole; Newton's step from then on.
        newton |= matches!(passes.as_slice(), [.., a, b]
            if a.miss_m() - b.miss_m() < RIGID_SHARE * a.miss_m().min(1000.0 * MAX_MOVE_KM));
        let rigid = (!cfg.entry.bplane() && !newton)
            .then(|| rigid_shift(aim, [e, n], landed_lat))
            .flatten();
        let next = match rigid {
            Some(next) => next,
            None => {
                newton = true;
                newton_step(&cfg, aim, [e, n], &passes, keys, &miss)?
            }
        };
        set_aim(&mut cfg, next);
    }
    let last = passes.last().map_or(f64::NAN, Pass::miss_m);
    let best = closest(&passes, keys);
    Err(AimError::Failed(format!(
        "no aim within {AIM_TOLERANCE_M} m after {} passes (last miss {last:.1} m{best}): the \
         landing does not follow the aim closely enough here, or the target cannot be reached",
        passes.len()
    )))
}

/// A state-mode pass's rigid shift (module doc): the entry point moved by the miss `r` (east,
/// north) [km], turned around, at most [`MAX_MOVE_KM`]; None where it would pass a pole.
fn rigid_shift(aim: [f64; 2], r: [f64; 2], landed_lat: f64) -> Option<[f64; 2]> {
    let cap = (MAX_MOVE_KM / r[0].hypot(r[1])).min(1.0);
    let (e, n) = (r[0] * cap, r[1] * cap);
    let (m_radius, _) = radii_of_curvature_m(aim[0]);
    let lat = aim[0] - (1000.0 * n / m_radius).to_degrees();
    if lat.abs() >= 90.0 {
        return None;
    }
    // A change of the entry longitude turns the trajectory about the polar axis, so the
    // landing's longitude changes by as much: the east miss is turned into degrees on the
    // landing's parallel, not the entry point's (at the entry's, a target at 86 N closed less
    // than half its miss a pass and gave up at 56 m, a new user's trial). Longitude kept in
    // [-180, 180).
    let (_, n_landed) = radii_of_curvature_m(landed_lat);
    let parallel_m = (n_landed * landed_lat.to_radians().cos()).max(1.0);
    let turn = (1000.0 * e / parallel_m).to_degrees().clamp(-180.0, 180.0);
    let lon = aim[1] - turn;
    Some([lat, (lon + 180.0).rem_euclid(360.0) - 180.0])
}

/// The closest aim flown, which may serve where the tolerance is only missed: "; the closest
/// aim, pass k: ...", or nothing before the first pass.
fn closest(passes: &[Pass], keys: [&'static str; 2]) -> String {
    passes
        .iter()
        .enumerate()
        .min_by(|a, b| a.1.miss_m().total_cmp(&b.1.miss_m()))
        .map_or(String::new(), |(k, p)| {
            format!(
                "; the closest aim, pass {}: {} = {:.6}, {} = {:.6} ({:.1} m)",
                k + 1,
                keys[0],
                p.aim[0],
                keys[1],
                p.aim[1],
                p.miss_m()
            )
        })
}

/// A trajectory of the aim that did not land, named (`what`: the pass, or a difference probe)
/// with the closest aim flown before it; a review found the probe's aim named as if it were a
/// pass, and the passes before it forgotten.
fn after_passes(err: AimError, what: &str, passes: &[Pass], keys: [&'static str; 2]) -> AimError {
    match err {
        AimError::Failed(msg) => {
            AimError::Failed(format!("{what}: {msg}{}", closest(passes, keys)))
        }
        other => other,
    }
}

/// A target given in radians (0.733, 1.944 for 42.0 N, 111.4 E) was aimed into the Gulf of
/// Guinea, with only the aimed entry's limit warnings to say so (an entry analyst's trial):
/// asked where the config's own aim lands over 2,000 km from a target whose two values both
/// lie within radians' range.
fn target_in_radians_note(lat: f64, lon: f64, miss_m: f64) -> Option<String> {
    let radians = lat.abs() <= std::f64::consts::FRAC_PI_2 && lon.abs() <= std::f64::consts::TAU;
    (radians && miss_m > 2.0e6).then(|| {
        format!(
            "landing.target_lat_deg = {lat}, target_lon_deg = {lon} lie {:.0} km from where the \
             config's aim lands: were they given in radians? They are {} deg and {} deg",
            miss_m / 1000.0,
            crate::config::sig(lat.to_degrees()),
            crate::config::sig(lon.to_degrees())
        )
    })
}

/// The aimed nominal's entry state, peaks, and the limits it breaks, from its flight.
fn aimed_nominal(cfg: &ReentryConfig, (p, o): Flight) -> AimedNominal {
    let (peak_g, peak_q) = (
        o.metrics[M_PEAK_G].unwrap_or(f64::NAN),
        o.metrics[M_PEAK_Q].unwrap_or(f64::NAN),
    );
    let ev = &cfg.events;
    let mut warnings = Vec::new();
    if peak_g > ev.g_limit {
        warnings.push(format!(
            "the aimed nominal's peak deceleration, {peak_g:.1} g, is above events.g_limit = {} g",
            ev.g_limit
        ));
    }
    if peak_q > ev.heat_flux_limit_w_cm2 {
        warnings.push(format!(
            "the aimed nominal's peak heat flux, {peak_q:.0} W/cm^2, is above \
             events.heat_flux_limit_w_cm2 = {} W/cm^2",
            ev.heat_flux_limit_w_cm2
        ));
    }
    let peak_qdyn = o.metrics[M_PEAK_QD].unwrap_or(f64::NAN);
    if let Some(limit) = ev.dynamic_pressure_limit_pa.filter(|&l| peak_qdyn > l) {
        warnings.push(format!(
            "the aimed nominal's peak dynamic pressure, {peak_qdyn:.0} Pa, is above \
             events.dynamic_pressure_limit_pa = {} Pa",
            crate::config::sig(limit)
        ));
    }
    // A target reached by an impact: parachutes configured, none opened (a heavy capsule and a
    // g-switch above the pulse were aimed with nothing said: an entry analyst's trial).
    if cfg.parachutes.is_some() && o.metrics[M_DROGUE_TIME].is_none() {
        let speed = o.metrics[M_TOUCHDOWN_SPEED].unwrap_or(f64::NAN);
        let g_switch = cfg
            .parachutes
            .as_ref()
            .is_some_and(|p| p.drogue_trigger == "g_switch");
        warnings.push(format!(
            "the aimed nominal opens no canopy: it hits the ground at {speed:.0} m/s (the \
             drogue's trigger, {}, is not met, or parachutes.drogue_delay_s outlasts the \
             descent)",
            crate::scenario::reentry::drogue_trigger_key(g_switch)
        ));
    }
    // The canopies' rated opening loads and a main that never opens, as the run's outputs say
    // them (an aim whose drogue opened at 1,344 Pa against a 1,000 Pa rating, and one that
    // landed under the drogue alone, were printed with nothing said: an entry analyst's trial).
    if let Some(pc) = &cfg.parachutes {
        for (canopy, q, limit, key) in [
            (
                "drogue",
                M_DROGUE_OPEN_Q,
                pc.drogue_q_limit_pa,
                "drogue_q_limit_pa",
            ),
            ("main", M_MAIN_OPEN_Q, pc.main_q_limit_pa, "main_q_limit_pa"),
        ] {
            let (Some(q), Some(limit)) = (o.metrics[q], limit) else {
                continue;
            };
            if q > limit {
                warnings.push(format!(
                    "the aimed nominal's {canopy} opens at {q:.0} Pa, above parachutes.{key} = \
                     {} Pa",
                    crate::config::sig(limit)
                ));
            }
        }
        let main = pc.main_deploy_altitude_km.is_some();
        if main && o.metrics[M_DROGUE_TIME].is_some() && o.metrics[M_MAIN_TIME].is_none() {
            let speed = o.metrics[M_TOUCHDOWN_SPEED].unwrap_or(f64::NAN);
            warnings.push(format!(
                "the aimed nominal lands under the drogue alone at {speed:.0} m/s, before its \
                 main opens (parachutes.main_delay_s outlasts the fall, or the main's trigger \
                 lies near the terrain)"
            ));
        }
    }
    AimedNominal {
        entry: [p[P_LAT], p[P_LON], p[P_VEL], p[P_FPA], p[P_AZ]],
        peak_g,
        peak_heat_flux_w_cm2: peak_q,
        peak_dynamic_pressure_pa: peak_qdyn,
        warnings,
    }
}

/// Notes for the aim's keys that the dispersed samples draw about a centre of their own (that
/// centre and the shift to the aim), or clip to bounds of their own (a truncated normal's low
/// and high, and how far the aim moved from the config's `first`); none where that centre is
/// already the aim, to the printed digits. Longitude shifts are taken the short way round.
fn aim_notes(
    raw: &RawConfig,
    keys: [&'static str; 2],
    aim: [f64; 2],
    first: [f64; 2],
    bplane: bool,
) -> Vec<String> {
    // Below the printed precision (6 decimals).
    const SAME: f64 = 5e-7;
    (0..2)
        .filter_map(|k| {
            let path = format!("entry.{}", keys[k]);
            let wrap = |d: f64| {
                if !bplane && k == 1 {
                    (d + 180.0).rem_euclid(360.0) - 180.0
                } else {
                    d
                }
            };
            let moved = wrap(aim[k] - first[k]);
            let truncated = raw.dispersion_dist(&path).as_deref() == Some("truncated_normal");
            let bounds_too = if truncated {
                ", and its low and high by the same"
            } else {
                ""
            };
            let (draws, what) = match raw.own_centre(&path) {
                Some((draws, Some(c))) => {
                    let shift = wrap(aim[k] - c);
                    (shift.abs() >= SAME).then_some(())?;
                    let what = format!("move that centre, {c}, by {shift:+.6} to the aim");
                    (draws, what + bounds_too)
                }
                Some((draws, None)) => {
                    (moved.abs() >= SAME).then_some(())?;
                    (
                        draws,
                        format!("shift them by {moved:+.6}, as the aim moved"),
                    )
                }
                None if truncated => {
                    (moved.abs() >= SAME).then_some(())?;
                    let draws = format!(
                        "dispersions.\"{path}\" (truncated_normal) clips the draws to its own \
                         low and high"
                    );
                    (draws, format!("move them by {moved:+.6}, as the aim moved"))
                }
                None => return None,
            };
            Some(format!(
                "{path}: {draws}, so the dispersed samples do not follow this aim: {what}"
            ))
        })
        .collect()
}

/// Newton's step of an aim (module doc), in km along two directions. In bplane mode: |B| and
/// the arc along the B-plane angle at this |B|, the |B| probe inwards first (steeper, away from
/// the skip-out edge), the angle's at most 1e-3 rad (near B = 0 an arc of 50 m is a large
/// angle). In state mode, where the rigid shift fails: east and north of the entry point, along
/// the great circles that leave it ([`moved_deg`]), which cross a pole where degrees of latitude
/// cannot.
fn newton_step(
    cfg: &ReentryConfig,
    aim: [f64; 2],
    r: [f64; 2],
    passes: &[Pass],
    keys: [&'static str; 2],
    miss: &MissFn<'_>,
) -> Result<[f64; 2], AimError> {
    if cfg.entry.bplane() {
        let (b, theta) = polar(aim);
        let chart = |d: [f64; 2]| (b + d[0] > 0.0).then(|| cartesian(b + d[0], theta + d[1] / b));
        let newton = Newton {
            names: ["|B|", "the B-plane angle"],
            probes_km: [-B_STEP_KM, B_STEP_KM.min(1e-3 * b)],
            max_move_km: f64::INFINITY,
            out_of_reach: "the target is out of reach of this asymptote",
        };
        newton.step(cfg, &chart, r, passes, keys, miss)
    } else {
        let chart = |d: [f64; 2]| {
            let (lat, lon) = moved_deg(aim[0], aim[1], d[0], d[1]);
            Some([lat, lon])
        };
        let newton = Newton {
            names: ["the entry point east", "the entry point north"],
            probes_km: [STATE_STEP_KM; 2],
            max_move_km: MAX_MOVE_KM,
            out_of_reach: "the target cannot be reached from this entry speed, angle and azimuth",
        };
        newton.step(cfg, &chart, r, passes, keys, miss)
    }
}

/// One damped Newton step of an aim in a chart about it: two coordinates in km (`chart` maps
/// them to the aim's keys, None where they leave its domain), the landing's east/north miss
/// differenced along each by `probes_km` (the other way where that probe does not land). The
/// step is capped at `max_move_km` and halved (up to [`DAMPING`] times) while the aim it reaches
/// does not land or lands farther off; far from the target the full step can leave the corridor
/// (a target 700 km off skipped out on the first step).
struct Newton {
    names: [&'static str; 2],
    probes_km: [f64; 2],
    max_move_km: f64,
    out_of_reach: &'static str,
}

impl Newton {
    fn step(
        &self,
        cfg: &ReentryConfig,
        chart: &dyn Fn([f64; 2]) -> Option<[f64; 2]>,
        r: [f64; 2],
        passes: &[Pass],
        keys: [&'static str; 2],
        miss: &MissFn<'_>,
    ) -> Result<[f64; 2], AimError> {
        let fly = |d: [f64; 2]| -> Result<[f64; 2], AimError> {
            let Some(at) = chart(d) else {
                return Err(AimError::Failed("leaves the aim's domain".into()));
            };
            let mut probe = cfg.clone();
            set_aim(&mut probe, at);
            miss(&probe).map(|(m, _)| [m[0], m[1]])
        };
        // Columns: d(east, north) / d(coordinate), [km/km].
        let mut jac = [[0.0; 2]; 2];
        for k in 0..2 {
            let at = |s: f64| {
                let mut d = [0.0; 2];
                d[k] = s * self.probes_km[k];
                fly(d).map(|m| [(m[0] - r[0]) / d[k], (m[1] - r[1]) / d[k]])
            };
            let col = at(1.0).or_else(|_| at(-1.0)).map_err(|err| {
                let what = format!(
                    "the {} km difference probes of {} after pass {}",
                    self.probes_km[k].abs(),
                    self.names[k],
                    passes.len()
                );
                after_passes(err, &what, passes, keys)
            })?;
            (jac[0][k], jac[1][k]) = (col[0], col[1]);
        }
        let det = jac[0][0] * jac[1][1] - jac[0][1] * jac[1][0];
        if det.abs() <= 1e-12 {
            return Err(AimError::Failed(format!(
                "after pass {}: the landing does not move with the aim here (the differences of \
                 {} and of {} move it the same way){}",
                passes.len(),
                self.names[0],
                self.names[1],
                closest(passes, keys)
            )));
        }
        let full = [
            -(jac[1][1] * r[0] - jac[0][1] * r[1]) / det,
            -(-jac[1][0] * r[0] + jac[0][0] * r[1]) / det,
        ];
        let mut scale = (self.max_move_km / full[0].hypot(full[1])).min(1.0);
        for _ in 0..DAMPING {
            let d = full.map(|x| scale * x);
            if let (Some(at), Ok(m)) = (chart(d), fly(d)) {
                if m[0].hypot(m[1]) < r[0].hypot(r[1]) {
                    return Ok(at);
                }
            }
            scale *= 0.5;
        }
        // No step along Newton's direction lands closer: stop here rather than take the smallest
        // one anyway (the miss grew on every pass from 284 to 1,417 km, a new user's trial).
        Err(AimError::Failed(format!(
            "after pass {}: no step towards the target, down to 1/{} of Newton's, lands closer \
             than {:.1} km: {}, or the landing does not follow the aim smoothly here{}",
            passes.len(),
            1u32 << DAMPING,
            r[0].hypot(r[1]),
            self.out_of_reach,
            closest(passes, keys)
        )))
    }
}

/// |B| [km] and the B-plane angle [rad] of (B.T, B.R), the angle from T towards R.
fn polar(aim: [f64; 2]) -> (f64, f64) {
    (aim[0].hypot(aim[1]), aim[1].atan2(aim[0]))
}

/// (B.T, B.R) [km] of |B| and the B-plane angle.
fn cartesian(b: f64, theta: f64) -> [f64; 2] {
    [b * theta.cos(), b * theta.sin()]
}

/// What the skip-out margin is measured along: |B| outwards at the aim's B-plane angle (bplane
/// mode), or the entry flight path angle towards the horizontal (state mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarginAxis {
    B,
    FlightPathAngle,
}

impl MarginAxis {
    /// The unit of [`SkipMargin::gap`] and [`SkipMargin::sigma`].
    pub fn unit(self) -> &'static str {
        match self {
            MarginAxis::B => "km",
            MarginAxis::FlightPathAngle => "deg",
        }
    }
}

/// How far an aim lies inside the skip-out edge: the least move along [`MarginAxis`] from the
/// aim at which the nominal no longer lands (it skips out, or passes above the interface).
#[derive(Debug, Clone)]
pub struct SkipMargin {
    pub axis: MarginAxis,
    /// The edge less the aim, in the axis's unit, to [`SKIP_EDGE_TOL_KM`] or
    /// [`SKIP_EDGE_TOL_DEG`] (the last value that lands); infinite where none was found within
    /// `reach`.
    pub gap: f64,
    /// How far from the aim the edge was sought, in the axis's unit.
    pub reach: f64,
    /// How the flight beyond the edge ended, e.g. "skipped_out".
    pub beyond: String,
    /// The sigma of the dispersed B along |B| at the aim's angle [km] (the delivery
    /// covariance's, or else measured on the run's draws), or of the dispersed flight path
    /// angle [deg] (measured on the draws); none where it is not dispersed.
    pub sigma: Option<f64>,
    /// The dispersed values' mean less the aim's, in the axis's unit (0 for the delivery
    /// covariance, drawn about the aim): a normal with its own `mean`, or a uniform's bounds
    /// off the config's value, centre the draws elsewhere (a review).
    pub offset: f64,
}

impl SkipMargin {
    /// Whether the draws' mean lies off the aim by more than their sampling noise (3 standard
    /// errors of a mean of [`SIGMA_DRAWS`] draws): below it, "drawn about +0.001 deg from the
    /// aim" read as a bias (a config author's trial).
    pub fn drawn_off_the_aim(&self) -> bool {
        self.sigma
            .is_some_and(|s| self.offset.abs() > 3.0 * s / (SIGMA_DRAWS as f64).sqrt())
    }

    /// The share of samples beyond the edge, from the axis's dispersion alone (normal,
    /// one-sided, about the draws' mean): the density, the mass and the other dispersions move
    /// the edge as well.
    pub fn share_beyond(&self) -> Option<f64> {
        self.sigma.map(|s| {
            let z = (self.gap - self.offset) / s;
            0.5 * statrs::function::erf::erfc(z / std::f64::consts::SQRT_2)
        })
    }
}

/// How far out in |B| the skip-out edge is sought [km].
pub const SKIP_EDGE_REACH_KM: f64 = 1024.0;
/// How far towards the horizontal the skip-out edge is sought in state mode [deg].
pub const SKIP_EDGE_REACH_DEG: f64 = 10.24;
/// The state mode's edge is located to this [deg] (about 0.1 km of |B| on the shipped asymptote).
pub const SKIP_EDGE_TOL_DEG: f64 = 1e-3;

/// Where `lands(gap)` stops holding: stepped outwards from `first`, doubling, up to `reach`, then
/// bisected to `tol`. (gap, how the flight beyond it ended); infinite where it lands up to
/// `reach` (said so; nothing was printed, a review).
fn edge(
    lands: impl Fn(f64) -> Result<(), String>,
    first: f64,
    reach: f64,
    tol: f64,
) -> (f64, String) {
    let (mut lo, mut hi) = (0.0, first);
    let mut beyond = loop {
        match lands(hi) {
            Ok(()) if hi < reach => (lo, hi) = (hi, (2.0 * hi).min(reach)),
            Ok(()) => return (f64::INFINITY, String::new()),
            Err(how) => break how,
        }
    };
    while hi - lo > tol {
        let mid = 0.5 * (lo + hi);
        match lands(mid) {
            Ok(()) => lo = mid,
            Err(how) => (hi, beyond) = (mid, how),
        }
    }
    (lo, beyond)
}

/// Ok where `cfg`'s nominal lands, else how it ended.
fn nominal_lands(cfg: &ReentryConfig) -> Result<(), String> {
    match nominal(cfg) {
        Ok((_, o)) if o.status == ST_LANDED => Ok(()),
        Ok((_, o)) => Err(STATUS_NAMES[o.status as usize].to_string()),
        Err(_) => Err(STATUS_NAMES[ST_FAILED as usize].to_string()),
    }
}

/// The aim's [`SkipMargin`]: in bplane mode along |B| from 1/4 km out, in state mode along the
/// flight path angle from 0.01 deg shallower (an aim 2,455 km downrange at -9 deg, at the edge
/// the corridor finds, was printed with no margin: an entry analyst's trial).
fn skip_margin(cfg: &ReentryConfig, aim: [f64; 2]) -> SkipMargin {
    if !cfg.entry.bplane() {
        let fpa = cfg.entry.flight_path_angle_deg.unwrap_or(f64::NAN);
        let lands = |gap: f64| {
            let mut probe = cfg.clone();
            probe.entry.flight_path_angle_deg = Some(fpa + gap);
            nominal_lands(&probe)
        };
        // Not up to the horizontal itself: the entry state must descend. An entry within a
        // step of it has no room to search (a review: a probe steeper than the aim was read
        // as "shallower").
        let reach = SKIP_EDGE_REACH_DEG.min(-fpa - SKIP_EDGE_TOL_DEG);
        let (gap, beyond) = if reach >= 0.01 {
            edge(lands, 0.01, reach, SKIP_EDGE_TOL_DEG)
        } else {
            (0.0, "the horizontal".to_string())
        };
        let drawn = moments_drawn(cfg, |p| p[P_FPA]);
        return SkipMargin {
            axis: MarginAxis::FlightPathAngle,
            gap,
            reach: reach.max(0.0),
            beyond,
            sigma: drawn.map(|d| d.1),
            offset: drawn.map_or(0.0, |d| d.0 - fpa),
        };
    }
    let (b, theta) = polar(aim);
    let lands = |gap: f64| {
        let mut probe = cfg.clone();
        set_aim(&mut probe, cartesian(b + gap, theta));
        nominal_lands(&probe)
    };
    let (gap, beyond) = edge(lands, 0.25, SKIP_EDGE_REACH_KM, SKIP_EDGE_TOL_KM);
    let (ct, st) = (theta.cos(), theta.sin());
    let (sigma, offset) = match cfg.entry.delivery_covariance.as_ref() {
        Some(c) => (
            Some((ct * ct * c[0][0] + 2.0 * ct * st * c[0][1] + st * st * c[1][1]).sqrt()),
            0.0,
        ),
        None => {
            let at = |name: &str| PARAM_NAMES.iter().position(|n| *n == name);
            let drawn = match (at("entry.b_t_km"), at("entry.b_r_km")) {
                (Some(it), Some(ir)) => moments_drawn(cfg, |p| p[it] * ct + p[ir] * st),
                _ => None,
            };
            (drawn.map(|d| d.1), drawn.map_or(0.0, |d| d.0 - b))
        }
    };
    SkipMargin {
        axis: MarginAxis::B,
        gap,
        reach: SKIP_EDGE_REACH_KM,
        beyond,
        sigma,
        offset,
    }
}

/// Draws of the run's sampler that measure a dispersed value's spread (B along |B| where it is
/// dispersed by `[dispersions]` or `[[correlated]]` rather than the delivery covariance, the
/// flight path angle): the sigma to 1.1 % (1 / sqrt(2 n)). Without it the margin printed no
/// sigma and no warning, and a 65 N aim with 2.5 km normals on B.T and B.R skipped out in
/// 24.5 % of 400 samples (a review).
const SIGMA_DRAWS: u64 = 4000;

/// The mean and the standard deviation of `value` of the run's first [`SIGMA_DRAWS`] draws'
/// parameters; none where it is not dispersed (a spread under 1e-6 of its unit).
fn moments_drawn(cfg: &ReentryConfig, value: impl Fn(&[f64]) -> f64) -> Option<(f64, f64)> {
    let sc = Reentry::new(cfg.clone());
    let drawn = Samples::new(&sc, cfg.run.seed, false)
        .ok()?
        .draw(&sc, 0..SIGMA_DRAWS, None);
    let x: Vec<f64> = drawn
        .params
        .iter()
        .map(|p| value(p))
        .filter(|x| x.is_finite())
        .collect();
    let m = crate::stats::summarize_owned(x)?;
    // An undispersed value draws the same value to rounding (a spread of ~1e-12 km read as
    // "2.8e9 sigma": a fuzzing trial); a millimetre or a microdegree is far below any spread.
    (m.std > 1e-6).then_some((m.mean, m.std))
}

/// Halvings of a B-plane Newton step at most, each one nominal trajectory.
const DAMPING: usize = 6;

/// The nominal's landing east and north of the target [km] and its latitude [deg], with its
/// flight, for an aimed config; an error where it does not land.
type MissFn<'a> = dyn Fn(&ReentryConfig) -> Result<([f64; 3], Flight), AimError> + 'a;

/// One flight of the nominal: its parameters (in bplane mode, with the entry state derived
/// from the aim) and its outputs.
type Flight = (Vec<f64>, SampleOutputs);

/// The undispersed trajectory of a config on the CPU reference.
fn nominal(cfg: &ReentryConfig) -> Result<Flight, AimError> {
    fly_nominal(cfg).map(|(flight, _)| flight)
}

/// [`nominal`], and where it failed, why: its inputs, or its flight, read from its final state
/// as a run's failure_reason is.
fn fly_nominal(cfg: &ReentryConfig) -> Result<(Flight, Option<String>), AimError> {
    use crate::scenario::Scenario;
    let sc = Reentry::new(cfg.clone());
    let mut chunk = Samples::new(&sc, cfg.run.seed, true)?.draw(&sc, [0], None);
    let engine = Engine::cpu();
    let state = engine
        .runner(&sc, 1)
        .and_then(|(mut runner, _)| runner.propagate(&sc, &chunk.inputs, 1, &|_| {}))
        .map_err(|e| AimError::Failed(format!("the CPU engine: {e}")))?;
    let o = chunk.outputs(&sc, &state).remove(0);
    let p = chunk.params.remove(0);
    let why = (o.status == ST_FAILED)
        .then(|| {
            sc.model
                .unphysical(p.as_slice().try_into().ok()?)
                .or_else(|| sc.failed_in_flight_with(&p, &state))
        })
        .flatten();
    Ok(((p, o), why))
}

#[cfg(test)]
mod tests {
    /// A target in radians far from the aim's landing is asked about; the same miss of a
    /// target in degrees, or a radian-sized target the aim lands near, is not.
    #[test]
    fn a_target_in_radians_far_from_the_aim_is_asked_about() {
        let note = super::target_in_radians_note(0.733, 1.944, 11.5e6).expect("a note");
        assert!(
            note.contains("11500 km") && note.contains("They are 42 deg and 111.4 deg"),
            "{note}"
        );
        assert_eq!(super::target_in_radians_note(42.0, 111.4, 11.5e6), None);
        assert_eq!(super::target_in_radians_note(0.5, 1.0, 50e3), None);
    }

    #[test]
    fn the_overrides_are_written_where_a_person_would_and_line_endings_kept() {
        let text = "[entry]\r\nlatitude_deg = 40.0 # aim\r\n\r\n[landing]\r\ntarget_lon_deg = 111.4   # site\r\n";
        let sets = [
            "landing.target_lon_deg=111.6".to_string(),
            "events.g_limit=50".to_string(),
            "entry.latitude_deg=3".to_string(),
        ];
        let out = aimed_config(
            text,
            ["latitude_deg", "longitude_deg"],
            [41.5, 105.25],
            &sets,
        )
        .unwrap();
        // In place, comment and CRLF kept; a new table at the end; the aim wins over its own
        // override.
        assert!(
            out.contains("target_lon_deg = 111.6   # site\r\n"),
            "{out:?}"
        );
        assert!(
            out.contains("latitude_deg = 41.500000 # aim\r\n"),
            "{out:?}"
        );
        assert!(out.ends_with("[events]\r\ng_limit = 50\r\n"), "{out:?}");
        assert!(!out.replace("\r\n", "").contains('\n'), "{out:?}");
    }

    /// The shipped config's multi-line arrays (its Cd table, its wind profile) are not tables:
    /// an override of a key after one is written in its own table (a review found a line edit
    /// that took an array's second line for a header and wrote the key inside the array), and
    /// a key set twice is written as the last value, as --set uses it.
    #[test]
    fn the_shipped_config_takes_overrides_after_its_arrays_and_repeated_keys() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/configs/tianwen2_reentry.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let sets = [
            "vehicle.lift_to_drag=0.1".to_string(),
            "winds.node_spacing_km=2".to_string(),
            "events.g_limit=50".to_string(),
            "events.g_limit=55".to_string(),
        ];
        let keys = ["latitude_deg", "longitude_deg"];
        let out = aimed_config(&text, keys, [40.0, 104.0], &sets).unwrap();
        let t: toml::Table = out.parse().unwrap();
        assert_eq!(t["vehicle"]["lift_to_drag"].as_float(), Some(0.1));
        assert_eq!(t["events"]["g_limit"].as_integer(), Some(55));
        // Only the edited lines differ.
        let changed = text
            .lines()
            .zip(out.lines())
            .filter(|(a, b)| a != b)
            .count();
        assert_eq!(text.lines().count(), out.lines().count());
        // The aim's two lines, lift_to_drag, node_spacing_km and g_limit (set twice).
        assert_eq!(changed, 5, "{out}");
    }

    #[test]
    fn the_aim_is_written_into_the_entry_table_and_read_back() {
        let text = "[run]\nname = \"x\"\n\n[entry]\nlatitude_deg = 40.0   # kept\nazimuth_deg = 70.0\n\n[events]\ng_limit = 60.0\n";
        let out =
            aimed_config(text, ["latitude_deg", "longitude_deg"], [41.5, 105.25], &[]).unwrap();
        // Replaced in place with its comment; the missing key added after the table's last.
        assert!(out.contains("latitude_deg = 41.500000   # kept\n"), "{out}");
        assert!(
            out.contains("azimuth_deg = 70.0\nlongitude_deg = 105.250000\n\n[events]"),
            "{out}"
        );
        // Dotted keys and quoted keys are edited where they are.
        let dotted = "entry.latitude_deg = 40.0\nentry.longitude_deg = 100.0\n";
        let out = aimed_config(dotted, ["latitude_deg", "longitude_deg"], [1.0, 2.0], &[]).unwrap();
        assert_eq!(
            out,
            "entry.latitude_deg = 1.000000\nentry.longitude_deg = 2.000000\n"
        );
        let quoted = "[entry]\n\"latitude_deg\" = 1.0 # q\nlongitude_deg = 2.0\n";
        let out = aimed_config(quoted, ["latitude_deg", "longitude_deg"], [3.0, 4.0], &[]).unwrap();
        assert!(out.contains("\"latitude_deg\" = 3.000000 # q\n"), "{out}");
        // An override --set refuses (inside an array of tables) is refused here too.
        let groups = "[entry]\nlatitude_deg = 1.0\n[[correlated]]\npaths = []\n";
        let sets = ["correlated.paths=[]".to_string()];
        let err =
            aimed_config(groups, ["latitude_deg", "longitude_deg"], [3.0, 4.0], &sets).unwrap_err();
        assert!(err.contains("array"), "{err}");
    }

    use super::*;

    /// A difference probe that lands nowhere (both ways) names the probe, not a pass, and the
    /// closest aim flown before it (a review found the probe's aim named as if it were a pass).
    /// The nominal is flown by a stand-in that lands only at the aim itself.
    #[test]
    fn a_failed_probe_names_itself_and_the_closest_aim() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/configs/tianwen2_reentry_bplane.toml"
        );
        let raw = RawConfig::load(Path::new(path), &[]).unwrap();
        let cfg = ReentryConfig::from_raw(&raw).unwrap();
        let aim = get_aim(&cfg);
        let flight = nominal(&cfg).unwrap();
        let lands_only_at_the_aim = |c: &ReentryConfig| -> Result<([f64; 3], Flight), AimError> {
            if get_aim(c) == aim {
                Ok(([3.0, 4.0, 0.0], flight.clone()))
            } else {
                Err(AimError::Failed(
                    "ended skipped_out rather than landing".into(),
                ))
            }
        };
        let passes = [Pass {
            aim,
            miss_east_km: 3.0,
            miss_north_km: 4.0,
        }];
        let keys = aim_keys(&cfg);
        let err = newton_step(&cfg, aim, [3.0, 4.0], &passes, keys, &lands_only_at_the_aim)
            .expect_err("no probe lands")
            .to_string();
        assert!(
            err.starts_with("the 0.05 km difference probes of |B| after pass 1: ended skipped_out"),
            "{err}"
        );
        assert!(
            err.contains("; the closest aim, pass 1: b_t_km = "),
            "{err}"
        );
    }
}
