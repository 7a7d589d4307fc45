//! `dispersa target`: move the aim so that the undispersed trajectory lands on the aim point
//! (`landing.target_lat_deg`, `landing.target_lon_deg`), on the f64 CPU reference.
//!
//! State mode: the entry latitude and longitude are moved by the nominal's miss, turned around,
//! and the nominal flown again. Near the aim the landing moves with the entry point almost as
//! a rigid shift (the Earth's rotation, the winds and the meridians' convergence make it
//! differ by a few per cent), so each pass cuts the miss by a factor of ~20-100. The longitude
//! moves by the east miss measured on the landing's parallel: a change of entry longitude
//! turns the whole trajectory about the polar axis.
//!
//! Bplane mode: the aim point (B.T, B.R) is moved by Newton's method, the landing's east/north
//! miss against B differenced by [`B_STEP_KM`] on both axes each pass. B moves the entry point,
//! the flight path angle and the azimuth at once, so no rigid shift approximates it.

use crate::config::{ConfigError, RawConfig};
use crate::engine::Engine;
use crate::physics::geodesy::{east_north_km, radii_of_curvature_m};
use crate::pipeline::Samples;
use crate::scenario::reentry::{
    Reentry, ReentryConfig, M_LAT, M_LON, M_PEAK_G, M_PEAK_Q, P_AZ, P_FPA, P_LAT, P_LON, P_VEL,
    STATUS_NAMES, ST_FAILED, ST_LANDED,
};
use crate::scenario::SampleOutputs;
use std::path::Path;

/// Stop when the nominal lands this close to the target [m]: well inside the 100 m, and
/// far above the landing's integration error (1.5 m worst, README "Integration accuracy").
pub const AIM_TOLERANCE_M: f64 = 10.0;
/// Passes before giving up.
pub const MAX_PASSES: usize = 16;
/// The most a state-mode pass moves the entry point [km]: the rigid shift holds near the aim,
/// and over thousands of km the meridians' convergence breaks it (a target 15,344 km off moved
/// the latitude past the pole in one pass). A target an ocean away takes a pass per 3,000 km.
pub const MAX_MOVE_KM: f64 = 3000.0;
/// The B-plane difference step [km]: the landing moves ~1 km per km of B near the aim and bends
/// over hundreds of km, so 1 km is linear to ~1e-3, and far above the landing's 1.5 m error.
pub const B_STEP_KM: f64 = 1.0;

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
    Reentry::checked(cfg.clone())?;
    raw.print_unused_override_notes(crate::config::Flights::Nominal);
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
        let (p, o) = nominal(cfg)?;
        if o.status != ST_LANDED {
            let a = get_aim(cfg);
            // A failed flight says why (a B-plane aim above the interface said nothing).
            let why = (o.status == ST_FAILED)
                .then(|| {
                    let sc = Reentry::new(cfg.clone());
                    sc.model.unphysical(p.as_slice().try_into().ok()?)
                })
                .flatten()
                .map_or(String::new(), |w| format!(" ({w})"));
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
    let mut passes = Vec::new();
    for _ in 0..MAX_PASSES {
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
        if pass.miss_m() <= AIM_TOLERANCE_M {
            let notes = aim_notes(&raw, keys, aim, passes[0].aim, cfg.entry.bplane());
            let nominal = aimed_nominal(&cfg, flown);
            return Ok(Aimed {
                keys,
                passes,
                notes,
                nominal,
            });
        }
        let next = if cfg.entry.bplane() {
            // Newton on (B.T, B.R): the Jacobian of (east, north) by forward differences.
            let mut jac = [[0.0; 2]; 2];
            for k in 0..2 {
                let mut probe = cfg.clone();
                let mut a = aim;
                a[k] += B_STEP_KM;
                set_aim(&mut probe, a);
                let (m, _) = miss(&probe).map_err(|err| {
                    let what = format!(
                        "the {B_STEP_KM} km difference probe of {} after pass {}",
                        keys[k],
                        passes.len()
                    );
                    after_passes(err, &what, &passes, keys)
                })?;
                jac[0][k] = (m[0] - e) / B_STEP_KM;
                jac[1][k] = (m[1] - n) / B_STEP_KM;
            }
            let det = jac[0][0] * jac[1][1] - jac[0][1] * jac[1][0];
            if det.abs() < 1e-12 {
                break;
            }
            let full = [
                -(jac[1][1] * e - jac[0][1] * n) / det,
                -(-jac[1][0] * e + jac[0][0] * n) / det,
            ];
            // Damped: the step halved (up to DAMPING times) while the aim it reaches does not
            // land or lands farther off; far from the target the full step can leave the
            // corridor (a target 700 km off skipped out on the first step).
            let mut scale = 1.0;
            let mut closer = false;
            for _ in 0..DAMPING {
                let mut probe = cfg.clone();
                set_aim(
                    &mut probe,
                    [aim[0] + scale * full[0], aim[1] + scale * full[1]],
                );
                match miss(&probe) {
                    Ok((m, _)) if m[0].hypot(m[1]) < e.hypot(n) => {
                        closer = true;
                        break;
                    }
                    _ => scale *= 0.5,
                }
            }
            // No step along Newton's direction lands closer: stop here rather than take the
            // smallest one anyway (the miss grew on every pass from 284 to 1,417 km, a new
            // user's trial of an unreachable target).
            if !closer {
                return Err(AimError::Failed(format!(
                    "after pass {}: no step towards the target, down to 1/{} of Newton's, lands \
                     closer than {:.1} km: the target is out of reach of this asymptote, or the \
                     landing does not follow the aim smoothly here{}",
                    passes.len(),
                    1u32 << DAMPING,
                    e.hypot(n),
                    closest(&passes, keys)
                )));
            }
            [aim[0] + scale * full[0], aim[1] + scale * full[1]]
        } else {
            // Move the entry point by the miss, turned around, in its own east/north plane (at
            // most MAX_MOVE_KM).
            let cap = (MAX_MOVE_KM / e.hypot(n)).min(1.0);
            let (e, n) = (e * cap, n * cap);
            let (m_radius, _) = radii_of_curvature_m(aim[0]);
            let lat = aim[0] - (1000.0 * n / m_radius).to_degrees();
            if lat.abs() >= 90.0 {
                break;
            }
            // A change of the entry longitude turns the trajectory about the polar axis, so
            // the landing's longitude changes by as much: the east miss is turned into degrees
            // on the landing's parallel, not the entry point's (at the entry's, a target at
            // 86 N closed less than half its miss a pass and gave up at 56 m, a new user's
            // trial). Longitude kept in [-180, 180).
            let (_, n_landed) = radii_of_curvature_m(landed_lat);
            let parallel_m = (n_landed * landed_lat.to_radians().cos()).max(1.0);
            let turn = (1000.0 * e / parallel_m).to_degrees().clamp(-180.0, 180.0);
            let lon = aim[1] - turn;
            [lat, (lon + 180.0).rem_euclid(360.0) - 180.0]
        };
        set_aim(&mut cfg, next);
    }
    let last = passes.last().map_or(f64::NAN, Pass::miss_m);
    let best = closest(&passes, keys);
    Err(AimError::Failed(format!(
        "no aim within {AIM_TOLERANCE_M} m after {} passes (last miss {last:.1} m{best}): the \
         landing does not follow the aim closely enough here (near a pole the entry point's \
         longitude moves the landing little), or the target cannot be reached",
        passes.len()
    )))
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
    AimedNominal {
        entry: [p[P_LAT], p[P_LON], p[P_VEL], p[P_FPA], p[P_AZ]],
        peak_g,
        peak_heat_flux_w_cm2: peak_q,
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

/// Halvings of a B-plane Newton step at most, each one nominal trajectory.
const DAMPING: usize = 6;

/// One flight of the nominal: its parameters (in bplane mode, with the entry state derived
/// from the aim) and its outputs.
type Flight = (Vec<f64>, SampleOutputs);

/// The undispersed trajectory of a config on the CPU reference.
fn nominal(cfg: &ReentryConfig) -> Result<Flight, AimError> {
    let sc = Reentry::new(cfg.clone());
    let (mut chunk, mut out) = Samples::new(&sc, cfg.run.seed, true)?
        .fly(&sc, &Engine::cpu(), [0], None)
        .map_err(|e| AimError::Failed(format!("the CPU engine: {e}")))?;
    Ok((chunk.params.remove(0), out.remove(0)))
}
