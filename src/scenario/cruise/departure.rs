//! The flyby's leg from periapsis to the Earth's sphere of influence, flown on the host in f64:
//! the Earth's point mass and J2, the Moon and the Sun (third bodies, direct and indirect
//! terms), from the periapsis of the aimed hyperbola to the time the two-body hyperbola reaches
//! the sphere. The engines start from its end (`Model::departure_state`), where the Earth-Moon
//! barycentre takes over as one body.
//!
//! The shipped flyby passes 48,000 km from the Moon 0.8 days after periapsis; flown as a
//! two-body hyperbola (until 2026-12-06) the leg ended 4,443 km and 40.4 m/s from where these
//! forces take it, and the nominal met 311P 10 days late (a physics audit; docs/DESIGN.md,
//! "The cruise's departure").

use crate::integrator::{trial, Controller, Method, System, Tolerance};
use crate::physics::bplane::Hyperbola;
use crate::physics::constants::{EARTH_J2, EARTH_MU_M3_S2, EARTH_SOI_M, WGS84_A_M};
use crate::physics::ephemeris::{body_gm_m3_s2, Body, DAY_S};
use crate::physics::kepler::SUN_MU_M3_S2;
use crate::physics::moon::{earth_state, moon_state};
use crate::physics::vec3::norm;

/// The mean obliquity of the ecliptic at J2000 (IAU 1976, 84,381.448").
pub const OBLIQUITY_J2000_RAD: f64 = 84_381.448 / 3600.0 * std::f64::consts::PI / 180.0;

/// The Earth's pole (the mean equator's, J2000) in ecliptic J2000 coordinates, for J2: the
/// equatorial z axis turned back by the obliquity about x, (0, sin, cos). (Until a review the
/// sign of its y was wrong, the ecliptic's pole in equatorial coordinates instead, which moved
/// the leg's end by 368 km, as much as J2's whole effect.)
pub fn earth_pole_ecliptic() -> [f64; 3] {
    [0.0, OBLIQUITY_J2000_RAD.sin(), OBLIQUITY_J2000_RAD.cos()]
}

/// Tolerance of the leg's dopri5 (rtol on the position's and the velocity's lengths): against
/// 1e-13 the start moves by under a metre (tests/cruise.rs).
pub const LEG_TOL: Tolerance = Tolerance {
    rtol: 1e-11,
    atol: 1e-6,
};

/// Node spacing of the Moon's and the Sun's geocentric tables [s]: a cubic Hermite over an hour
/// follows the Moon within r (w h)^4 / 384 = 8 mm.
const NODE_S: f64 = 3600.0;

/// The Moon's and the Sun's geocentric states at hourly nodes from periapsis, so that the leg's
/// right-hand side reads tables rather than the lunar series (three series a call).
#[derive(Debug, Clone)]
pub struct LegBodies {
    epoch_jd: f64,
    moon: Vec<([f64; 3], [f64; 3])>,
    sun: Vec<([f64; 3], [f64; 3])>,
}

impl LegBodies {
    /// No tables: every time is evaluated from the series directly (a reference for the
    /// tables, and what a time beyond them gets).
    pub fn direct(epoch_jd: f64) -> Self {
        LegBodies {
            epoch_jd,
            moon: Vec::new(),
            sun: Vec::new(),
        }
    }

    /// Tables from periapsis (`epoch_jd`, TDB) over `span_s`; a time beyond is evaluated
    /// directly.
    pub fn new(epoch_jd: f64, span_s: f64) -> Self {
        let n = (span_s / NODE_S).ceil().max(1.0) as usize + 2;
        let jd = |k: usize| epoch_jd + k as f64 * NODE_S / DAY_S;
        LegBodies {
            epoch_jd,
            moon: (0..n).map(|k| moon_state(jd(k))).collect(),
            sun: (0..n).map(|k| sun_geocentric(jd(k))).collect(),
        }
    }

    fn moon_at(&self, t: f64) -> [f64; 3] {
        hermite(&self.moon, t).unwrap_or_else(|| moon_state(self.epoch_jd + t / DAY_S).0)
    }

    fn sun_at(&self, t: f64) -> [f64; 3] {
        hermite(&self.sun, t).unwrap_or_else(|| sun_geocentric(self.epoch_jd + t / DAY_S).0)
    }
}

fn sun_geocentric(jd_tdb: f64) -> ([f64; 3], [f64; 3]) {
    let (r, v) = earth_state(jd_tdb);
    (r.map(|x| -x), v.map(|x| -x))
}

/// Cubic Hermite between the hourly nodes; None outside them.
fn hermite(nodes: &[([f64; 3], [f64; 3])], t: f64) -> Option<[f64; 3]> {
    let u = t / NODE_S;
    let k = u.floor();
    if !(k >= 0.0 && (k as usize) + 1 < nodes.len()) {
        return None;
    }
    let (s, k) = (u - k, k as usize);
    let ((r0, v0), (r1, v1)) = (nodes[k], nodes[k + 1]);
    let (h00, h10) = (
        (1.0 + 2.0 * s) * (1.0 - s) * (1.0 - s),
        s * (1.0 - s) * (1.0 - s),
    );
    let (h01, h11) = (s * s * (3.0 - 2.0 * s), s * s * (s - 1.0));
    Some(std::array::from_fn(|i| {
        h00 * r0[i] + h10 * NODE_S * v0[i] + h01 * r1[i] + h11 * NODE_S * v1[i]
    }))
}

/// The leg's right-hand side: geocentric position and velocity (ecliptic J2000) [m, m/s] at t
/// from periapsis [s].
struct Leg<'a> {
    bodies: Option<&'a LegBodies>,
    mu_moon: f64,
    /// The Earth's pole, or zero to leave J2 out.
    pole: [f64; 3],
    j2: f64,
}

/// A third body's pull on a point at `r` relative to the centre, whose own pull on the centre
/// is taken out (the indirect term): mu ((b - r) / |b - r|^3 - b / |b|^3).
fn third_body(mu: f64, b: [f64; 3], r: [f64; 3]) -> [f64; 3] {
    let d: [f64; 3] = std::array::from_fn(|i| b[i] - r[i]);
    let (dn, bn) = (norm(d), norm(b));
    let (kd, kb) = (mu / (dn * dn * dn), mu / (bn * bn * bn));
    std::array::from_fn(|i| kd * d[i] - kb * b[i])
}

impl System<6> for Leg<'_> {
    type Aux = ();
    fn rhs(&self, t: f64, y: &[f64; 6]) -> ([f64; 6], ()) {
        let r = [y[0], y[1], y[2]];
        let rn = norm(r);
        let (r2, r3) = (rn * rn, rn * rn * rn);
        // The Earth: point mass and J2 about its pole.
        let z = r[0] * self.pole[0] + r[1] * self.pole[1] + r[2] * self.pole[2];
        let k = 1.5 * self.j2 * EARTH_MU_M3_S2 * WGS84_A_M * WGS84_A_M / (r2 * r3);
        let zr2 = z * z / r2;
        let mut a: [f64; 3] = std::array::from_fn(|i| {
            -EARTH_MU_M3_S2 * r[i] / r3 - k * ((1.0 - 5.0 * zr2) * r[i] + 2.0 * z * self.pole[i])
        });
        if let Some(b) = self.bodies {
            let moon = third_body(self.mu_moon, b.moon_at(t), r);
            let sun = third_body(SUN_MU_M3_S2, b.sun_at(t), r);
            for i in 0..3 {
                a[i] += moon[i] + sun[i];
            }
        }
        ([y[3], y[4], y[5], a[0], a[1], a[2]], ())
    }

    /// By the lengths of the position's and the velocity's errors, so that the frame's
    /// orientation does not set the step.
    fn error_norm(&self, e: &[f64; 6], y0: &[f64; 6], y1: &[f64; 6], tol: Tolerance) -> f64 {
        let part = |o: usize| {
            let len = |y: &[f64; 6]| norm([y[o], y[o + 1], y[o + 2]]);
            let w = tol.atol + tol.rtol * len(y0).max(len(y1));
            norm([e[o], e[o + 1], e[o + 2]]) / w
        };
        ((part(0).powi(2) + part(3).powi(2)) / 2.0).sqrt()
    }
}

/// The geocentric state [m, m/s] at `t_end` from periapsis of the flyby aimed by incoming v_inf
/// `vin` [m/s], periapsis radius `rp` [m] and B-plane angle `theta` [rad]; None for a degenerate
/// aim. With `bodies` None only the Earth pulls, and without `j2` as a point mass; `tol` is the
/// leg's tolerance. Also the number of trial steps taken.
pub fn fly_leg(
    vin: [f64; 3],
    rp: f64,
    theta: f64,
    t_end: f64,
    bodies: Option<&LegBodies>,
    j2: bool,
    tol: Tolerance,
) -> Option<([f64; 3], [f64; 3], u32)> {
    let h = aimed_hyperbola(vin, rp, theta)?;
    let (r0, v0) = h.inbound_at_radius(h.periapsis_radius_m())?;
    let sys = Leg {
        bodies,
        mu_moon: body_gm_m3_s2(Body::EarthMoonBary) - EARTH_MU_M3_S2,
        pole: earth_pole_ecliptic(),
        j2: if j2 { EARTH_J2 } else { 0.0 },
    };
    let mut y = [r0[0], r0[1], r0[2], v0[0], v0[1], v0[2]];
    let (mut f, _) = sys.rhs(0.0, &y);
    let (mut t, mut step) = (0.0, 1.0);
    let mut ctl = Controller::new(Method::DEFAULT);
    let mut trials = 0u32;
    // A fixed bound on the trials: the shipped leg takes about 230 (211 with the Earth alone).
    while t < t_end && trials < 1_000_000 {
        let last = step >= t_end - t;
        let hh = if last { t_end - t } else { step };
        let tr = trial(Method::DEFAULT, &sys, t, &y, &f, hh, tol);
        trials += 1;
        let (kept, next) = ctl.decide(tr.err, hh);
        if kept {
            t = if last { t_end } else { t + hh };
            y = tr.y1;
            f = tr.f1;
        }
        step = next;
    }
    (t >= t_end && y.iter().all(|x| x.is_finite())).then_some((
        [y[0], y[1], y[2]],
        [y[3], y[4], y[5]],
        trials,
    ))
}

/// The hyperbola about the Earth's GM aimed by incoming v_inf `vin` [m/s], periapsis radius
/// `rp` [m] and B-plane angle `theta` [rad]; None for a degenerate aim.
pub fn aimed_hyperbola(vin: [f64; 3], rp: f64, theta: f64) -> Option<Hyperbola> {
    let vinf = norm(vin);
    let b = crate::physics::bplane::b_for_periapsis_m(rp, vinf, EARTH_MU_M3_S2);
    let s = crate::physics::vec3::unit(vin);
    Hyperbola::from_bplane(s, vinf, b * theta.cos(), b * theta.sin(), EARTH_MU_M3_S2)
}

/// The time [s] the two-body hyperbola of this aim takes from periapsis to the sphere of
/// influence, where the leg ends (it does not depend on where B points: B along T); None for a
/// degenerate aim.
pub fn leg_time_s(vin: [f64; 3], rp: f64) -> Option<f64> {
    aimed_hyperbola(vin, rp, 0.0)?.time_from_periapsis_s(EARTH_SOI_M)
}
