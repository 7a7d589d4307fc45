//! Comet 311P/PANSTARRS's ephemeris: propagated on the host from the MPC/Nakano 2017 osculating
//! elements with the Sun and the planets of `ephemeris` (the Earth-Moon barycentre, Mars and
//! Jupiter, each pulling directly and through the Sun, the indirect term), then tabulated at
//! daily nodes and read by cubic Hermite interpolation, as the cruise tabulates the planets.
//!
//! Why not two-body: from the same elements the two-body orbit is 1.05 million km and 51 m/s
//! from this propagation by the end of 2036, and the 4-digit element set of docs/SOURCES.md
//! 1.9 million km (tests/comet_ephemeris.rs). A rendezvous is judged to thousands of km.
//!
//! What is left out, and what it is worth: Saturn (in Standish's Table 1, but not transcribed in
//! `ephemeris.rs`; its tidal pull on the comet is ~(M_S / M_J) (d_J / d_S)^3 ~ 5 % of Jupiter's, so of order
//! 5 % of Jupiter's 1 million km over 19 years), the other planets, and the comet's
//! non-gravitational forces (not published for 311P). The modelled comet is the target the
//! Monte Carlo flies to; the real one is found by optical navigation on approach.

use super::ephemeris::{body_gm_m3_s2, body_state, Body, DAY_S};
use super::kepler::{elements_to_state, wrap_pi, Elements, AU_M, SUN_MU_M3_S2};
use super::vec3::norm;
use crate::integrator::{trial, Controller, Method, System, Tolerance};
use std::sync::OnceLock;

/// Epoch of the elements, JD 2457872.5 (2017-04-29.0 TT).
pub const COMET_311P_EPOCH_JD: f64 = 2_457_872.5;
/// JD 2470174.5 = 2051-01-03.0: the end of the table (Standish's Table 1 spans 1800-2050; the
/// cruise's config stops at the end of 2050).
pub const COMET_TABLE_END_JD: f64 = 2_470_174.5;
/// Node spacing of the table [day]: cubic Hermite between daily nodes errs by < 1 m.
pub const COMET_TABLE_DT_DAYS: f64 = 1.0;

/// The MPC/Nakano 2017 osculating elements of 311P (docs/SOURCES.md): a 2.1886932 au,
/// e 0.1156469, i 4.96661 deg, node 279.25823 deg, peri 143.98595 deg, perihelion
/// 2017-07-10.64354 TT; the mean anomaly at the epoch follows from the perihelion time
/// (TT = TDB to 2 ms).
pub fn comet_311p_mpc_elements() -> Elements {
    let a = 2.188_693_2 * AU_M;
    let n = (SUN_MU_M3_S2 / (a * a * a)).sqrt();
    let t_peri_jd = 2_457_944.5 + 0.643_54;
    Elements {
        a_m: a,
        e: 0.115_646_9,
        i_rad: 4.966_61_f64.to_radians(),
        raan_rad: 279.258_23_f64.to_radians(),
        argp_rad: 143.985_95_f64.to_radians(),
        mean_anomaly_rad: wrap_pi(n * (COMET_311P_EPOCH_JD - t_peri_jd) * DAY_S),
    }
}

/// The perturbing planets of the comet's propagation.
pub const COMET_PERTURBERS: [Body; 3] = [Body::EarthMoonBary, Body::Mars, Body::Jupiter];

/// Heliocentric point mass under the Sun and [`COMET_PERTURBERS`] (direct and indirect terms);
/// time is seconds from the elements' epoch.
struct Heliocentric;

impl System<6> for Heliocentric {
    type Aux = ();
    fn rhs(&self, t: f64, y: &[f64; 6]) -> ([f64; 6], ()) {
        let r = [y[0], y[1], y[2]];
        let rn = norm(r);
        let mut f = [y[3], y[4], y[5], 0.0, 0.0, 0.0];
        for k in 0..3 {
            f[3 + k] = -SUN_MU_M3_S2 * r[k] / (rn * rn * rn);
        }
        let jd = COMET_311P_EPOCH_JD + t / DAY_S;
        for b in COMET_PERTURBERS {
            let mu = body_gm_m3_s2(b);
            let (rb, _) = body_state(b, jd);
            let d: [f64; 3] = std::array::from_fn(|k| rb[k] - r[k]);
            let (dn, bn) = (norm(d), norm(rb));
            for k in 0..3 {
                f[3 + k] += mu * (d[k] / (dn * dn * dn) - rb[k] / (bn * bn * bn));
            }
        }
        (f, ())
    }
}

/// The comet's tabulated states.
pub struct CometTable {
    /// (position [m], velocity [m/s]) at COMET_311P_EPOCH_JD + k * COMET_TABLE_DT_DAYS.
    pub nodes: Vec<([f64; 3], [f64; 3])>,
}

/// Relative tolerance of the propagation (dopri5): at 1e-12 the round trip of a two-body orbit
/// over 33 years closes to metres, far below what the perturbations move.
const PROPAGATION_RTOL: f64 = 1e-12;

fn propagate_table() -> CometTable {
    let (r0, v0) = elements_to_state(&comet_311p_mpc_elements(), SUN_MU_M3_S2);
    let mut y = [r0[0], r0[1], r0[2], v0[0], v0[1], v0[2]];
    let n_nodes =
        ((COMET_TABLE_END_JD - COMET_311P_EPOCH_JD) / COMET_TABLE_DT_DAYS).ceil() as usize + 1;
    let dt = COMET_TABLE_DT_DAYS * DAY_S;
    let tol = Tolerance {
        rtol: PROPAGATION_RTOL,
        atol: 1e-6,
    };
    let sys = Heliocentric;
    let mut ctrl = Controller::new(Method::DEFAULT);
    let mut nodes = Vec::with_capacity(n_nodes);
    nodes.push((r0, v0));
    let (mut t, mut h) = (0.0, dt);
    for k in 1..n_nodes {
        let t_node = k as f64 * dt;
        while t < t_node {
            let hs = h.min(t_node - t);
            let (f0, _) = sys.rhs(t, &y);
            let tr = trial(Method::DEFAULT, &sys, t, &y, &f0, hs, tol);
            let (accept, h_next) = ctrl.decide(tr.err, hs);
            if accept {
                y = tr.y1;
                t = if hs == t_node - t { t_node } else { t + hs };
            }
            h = h_next;
        }
        nodes.push(([y[0], y[1], y[2]], [y[3], y[4], y[5]]));
    }
    CometTable { nodes }
}

/// The table, propagated once per process (~0.1 s).
pub fn comet_311p_table() -> &'static CometTable {
    static TABLE: OnceLock<CometTable> = OnceLock::new();
    TABLE.get_or_init(propagate_table)
}

/// Heliocentric ecliptic-J2000 state of 311P at `jd_tdb` [m, m/s]: cubic Hermite on the
/// table's position and velocity nodes, its derivative for the velocity. Valid from the
/// elements' epoch (2017-04-29) to 2051-01-03; outside, the end intervals are extrapolated.
pub fn comet_311p_state(jd_tdb: f64) -> ([f64; 3], [f64; 3]) {
    let table = comet_311p_table();
    let h = COMET_TABLE_DT_DAYS * DAY_S;
    let u = (jd_tdb - COMET_311P_EPOCH_JD) / COMET_TABLE_DT_DAYS;
    let k = u.floor().clamp(0.0, (table.nodes.len() - 2) as f64);
    let s = u - k;
    let (ra, va) = table.nodes[k as usize];
    let (rb, vb) = table.nodes[k as usize + 1];
    let (s2, s3) = (s * s, s * s * s);
    let (h00, h10, h01, h11) = (
        2.0 * s3 - 3.0 * s2 + 1.0,
        s3 - 2.0 * s2 + s,
        -2.0 * s3 + 3.0 * s2,
        s3 - s2,
    );
    let (d00, d10, d01, d11) = (
        6.0 * s2 - 6.0 * s,
        3.0 * s2 - 4.0 * s + 1.0,
        -6.0 * s2 + 6.0 * s,
        3.0 * s2 - 2.0 * s,
    );
    let r = std::array::from_fn(|i| h00 * ra[i] + h10 * h * va[i] + h01 * rb[i] + h11 * h * vb[i]);
    let v = std::array::from_fn(|i| (d00 * ra[i] + d01 * rb[i]) / h + d10 * va[i] + d11 * vb[i]);
    (r, v)
}

/// The osculating heliocentric elements of the propagated comet at `jd_tdb`.
pub fn comet_311p_osculating(jd_tdb: f64) -> Elements {
    let (r, v) = comet_311p_state(jd_tdb);
    super::kepler::state_to_elements(r, v, SUN_MU_M3_S2)
}
