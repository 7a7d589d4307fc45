//! Two-body (Keplerian) mechanics in f64 for the heliocentric cruise: Kepler's equation,
//! classical elements <-> Cartesian state, and propagation along the conic.
//!
//! Frame: heliocentric, mean ecliptic and equinox of J2000 (x towards the equinox, z towards the
//! ecliptic north pole). Units: metres, metres per second, seconds, radians. Elliptic orbits only
//! (0 <= e < 1); hyperbolic arcs (planetary flybys) are handled in `physics::flyby`.
//! Formulas: the textbook conic (e.g. Vallado, "Fundamentals of Astrodynamics", ch. 2).

use super::vec3::{cross, dot, norm};

/// Sun GM [m^3/s^2] (JPL DE405; docs/SOURCES.md).
pub const SUN_MU_M3_S2: f64 = 1.32712440018e20;
/// Astronomical unit [m], exact by definition (IAU 2012 / docs/SOURCES.md).
pub const AU_M: f64 = 1.495978707e11;

const TWO_PI: f64 = std::f64::consts::TAU;
/// Below this eccentricity (or sine of inclination) the perihelion direction (or the node) is
/// not defined beyond the rounding noise of an f64 state; see [`state_to_elements`].
const DEGENERATE: f64 = 1e-14;

/// Classical Keplerian elements of an elliptic orbit (0 <= e < 1, a > 0).
///
/// Angles in radians, relative to the frame of the state (here the ecliptic J2000):
/// inclination `i_rad` in [0, pi] (negative values are accepted on input and mean the same plane
/// with the node turned by pi), longitude of the ascending node `raan_rad` (measured from the
/// frame's x axis in its xy plane: the equinox and the ecliptic here), argument of
/// perihelion `argp_rad`, mean anomaly `mean_anomaly_rad`. [`state_to_elements`] returns the
/// three last angles in [0, 2 pi).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Elements {
    /// Semi-major axis [m].
    pub a_m: f64,
    /// Eccentricity [-].
    pub e: f64,
    pub i_rad: f64,
    pub raan_rad: f64,
    pub argp_rad: f64,
    pub mean_anomaly_rad: f64,
}

impl Elements {
    /// Mean motion sqrt(mu / a^3) [rad/s].
    pub fn mean_motion_rad_s(&self, mu: f64) -> f64 {
        (mu / (self.a_m * self.a_m * self.a_m)).sqrt()
    }

    /// Orbital period [s].
    pub fn period_s(&self, mu: f64) -> f64 {
        TWO_PI / self.mean_motion_rad_s(mu)
    }
}

/// Wraps an angle into [0, 2 pi).
pub fn wrap_two_pi(angle_rad: f64) -> f64 {
    let w = angle_rad.rem_euclid(TWO_PI);
    // rem_euclid can return exactly 2 pi for tiny negative inputs.
    if w >= TWO_PI {
        0.0
    } else {
        w
    }
}

/// Wraps an angle into [-pi, pi).
pub fn wrap_pi(angle_rad: f64) -> f64 {
    wrap_two_pi(angle_rad + std::f64::consts::PI) - std::f64::consts::PI
}

/// Eccentric anomaly E [rad] solving Kepler's equation E - e sin E = M for 0 <= e < 1.
///
/// M is reduced to [-pi, pi] and the turns are added back, so the result satisfies the equation
/// for the M given. Since f(E) = E - e sin E - M is odd, the root for |M| is found and its sign
/// restored. For 0 <= M <= pi the root lies in [M, min(M + e, pi)] (sin E is in [0, 1] there);
/// Newton's method starts at M + 0.85 e (Danby's start, clamped into that bracket) and any step
/// leaving the bracket, which shrinks with the sign of f, is replaced by bisection, so it
/// converges for every e < 1. It stops when the step falls below 1e-15 rad (the rounding level
/// of E near pi).
pub fn solve_kepler(mean_anomaly_rad: f64, e: f64) -> f64 {
    let turns = (mean_anomaly_rad / TWO_PI).round();
    let m_red = mean_anomaly_rad - turns * TWO_PI;
    let m_abs = m_red.abs().min(std::f64::consts::PI);
    if e == 0.0 || m_abs == 0.0 {
        return mean_anomaly_rad;
    }
    let (mut lo, mut hi) = (m_abs, (m_abs + e).min(std::f64::consts::PI));
    let mut ecc = (m_abs + 0.85 * e).clamp(lo, hi);
    for _ in 0..100 {
        let (s, c) = ecc.sin_cos();
        let f = ecc - e * s - m_abs;
        if f == 0.0 {
            break;
        }
        if f > 0.0 {
            hi = ecc;
        } else {
            lo = ecc;
        }
        let mut next = ecc - f / (1.0 - e * c);
        if !(next > lo && next < hi) {
            next = 0.5 * (lo + hi);
        }
        let step = (next - ecc).abs();
        ecc = next;
        if step < 1e-15 || hi - lo < 1e-15 {
            break;
        }
    }
    ecc.copysign(m_red) + turns * TWO_PI
}

/// Perifocal unit vectors P (towards perihelion) and Q (90 deg ahead in the direction of motion)
/// in the reference frame, from the three orientation angles.
fn perifocal_axes(el: &Elements) -> ([f64; 3], [f64; 3]) {
    let (so, co) = el.raan_rad.sin_cos();
    let (sw, cw) = el.argp_rad.sin_cos();
    let (si, ci) = el.i_rad.sin_cos();
    let p = [co * cw - so * sw * ci, so * cw + co * sw * ci, sw * si];
    let q = [-co * sw - so * cw * ci, -so * sw + co * cw * ci, cw * si];
    (p, q)
}

/// Cartesian state (position [m], velocity [m/s]) from elliptic elements, with the central
/// body's GM `mu` [m^3/s^2].
pub fn elements_to_state(el: &Elements, mu: f64) -> ([f64; 3], [f64; 3]) {
    let ecc = solve_kepler(el.mean_anomaly_rad, el.e);
    let (se, ce) = ecc.sin_cos();
    let root = (1.0 - el.e * el.e).sqrt();
    // Perifocal coordinates.
    let x = el.a_m * (ce - el.e);
    let y = el.a_m * root * se;
    let edot = el.mean_motion_rad_s(mu) / (1.0 - el.e * ce);
    let vx = -el.a_m * se * edot;
    let vy = el.a_m * root * ce * edot;
    let (p, q) = perifocal_axes(el);
    let mut r = [0.0; 3];
    let mut v = [0.0; 3];
    for k in 0..3 {
        r[k] = x * p[k] + y * q[k];
        v[k] = vx * p[k] + vy * q[k];
    }
    (r, v)
}

/// Elliptic elements from a Cartesian state (position [m], velocity [m/s]) about a body of GM
/// `mu`. Panics in debug builds if the state is not bound (energy >= 0).
///
/// Conventions (all angles in [0, 2 pi), inclination in [0, pi]):
/// - The node line is z x h. When sin i < 1e-14 (equatorial orbit: the node is undefined) the
///   node is put on the x axis (raan = 0), so argp becomes the longitude of perihelion measured
///   in the direction of motion.
/// - When e < 1e-14 (circular orbit: perihelion undefined) perihelion is put at the node
///   (argp = 0), so the mean anomaly becomes the argument of latitude.
///
/// Either way [`elements_to_state`] gives the state back: below those thresholds the ambiguity is
/// smaller than the state's own rounding (1e-14 of the radius). Near but above them the angles
/// are individually ill-conditioned (raan + argp + M stays well defined).
pub fn state_to_elements(r: [f64; 3], v: [f64; 3], mu: f64) -> Elements {
    let rn = norm(r);
    let v2 = dot(v, v);
    let rv = dot(r, v);
    let h = cross(r, v);
    let hn = norm(h);
    let w = [h[0] / hn, h[1] / hn, h[2] / hn];
    let inv_a = 2.0 / rn - v2 / mu;
    debug_assert!(
        inv_a > 0.0,
        "state_to_elements: unbound state (1/a = {inv_a})"
    );
    let a_m = 1.0 / inv_a;
    let i_rad = w[0].hypot(w[1]).atan2(w[2]);

    // Node direction N (unit, in the orbit plane) and the in-plane axis W x N.
    let sin_i = w[0].hypot(w[1]);
    let node = if sin_i < DEGENERATE {
        [1.0, 0.0, 0.0]
    } else {
        [-w[1] / sin_i, w[0] / sin_i, 0.0]
    };
    let raan_rad = wrap_two_pi(node[1].atan2(node[0]));
    let ahead = cross(w, node);

    // Eccentricity vector ((v^2 - mu/r) r - (r.v) v) / mu.
    let c1 = (v2 - mu / rn) / mu;
    let c2 = rv / mu;
    let evec = [
        c1 * r[0] - c2 * v[0],
        c1 * r[1] - c2 * v[1],
        c1 * r[2] - c2 * v[2],
    ];
    let e = norm(evec);
    let argp_rad = if e < DEGENERATE {
        0.0
    } else {
        wrap_two_pi(dot(evec, ahead).atan2(dot(evec, node)))
    };
    // Argument of latitude, then true, eccentric and mean anomalies.
    let u = dot(r, ahead).atan2(dot(r, node));
    let nu = u - argp_rad;
    let (sn, cn) = nu.sin_cos();
    let ecc = ((1.0 - e * e).sqrt() * sn).atan2(e + cn);
    let mean_anomaly_rad = wrap_two_pi(ecc - e * ecc.sin());
    Elements {
        a_m,
        e,
        i_rad,
        raan_rad,
        argp_rad,
        mean_anomaly_rad,
    }
}

/// Propagates a bound two-body state by `dt_s` seconds (either sign): elements, mean anomaly
/// advanced by n dt and reduced modulo 2 pi, state again. Exact for the two-body problem up to
/// rounding: the phase error is the rounding of n dt (about 1e-15 rad after a few revolutions,
/// i.e. millimetres at 2 au), and repeated calls accumulate only the conversion rounding.
pub fn propagate_kepler(r: [f64; 3], v: [f64; 3], mu: f64, dt_s: f64) -> ([f64; 3], [f64; 3]) {
    let mut el = state_to_elements(r, v, mu);
    let advance = (el.mean_motion_rad_s(mu) * dt_s).rem_euclid(TWO_PI);
    el.mean_anomaly_rad = wrap_two_pi(el.mean_anomaly_rad + advance);
    elements_to_state(&el, mu)
}

/// Specific orbital energy v^2/2 - mu/r [J/kg].
pub fn specific_energy_j_kg(r: [f64; 3], v: [f64; 3], mu: f64) -> f64 {
    0.5 * dot(v, v) - mu / norm(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kepler_solution_is_odd_and_keeps_the_turns() {
        let e = 0.3;
        let m = 1.2;
        let ea = solve_kepler(m, e);
        assert!((solve_kepler(-m, e) + ea).abs() < 1e-15);
        assert!((solve_kepler(m + 2.0 * TWO_PI, e) - (ea + 2.0 * TWO_PI)).abs() < 1e-13);
    }

    #[test]
    fn circular_equatorial_state_maps_to_zero_node_and_perihelion() {
        let r = [AU_M, 0.0, 0.0];
        let v = [0.0, (SUN_MU_M3_S2 / AU_M).sqrt(), 0.0];
        let el = state_to_elements(r, v, SUN_MU_M3_S2);
        assert!(el.e < 1e-15 && el.i_rad == 0.0 && el.raan_rad == 0.0 && el.argp_rad == 0.0);
        let (r2, v2) = elements_to_state(&el, SUN_MU_M3_S2);
        assert!(norm([r2[0] - r[0], r2[1] - r[1], r2[2] - r[2]]) < 1e-3);
        assert!(norm([v2[0] - v[0], v2[1] - v[1], v2[2] - v[2]]) < 1e-9);
    }
}
