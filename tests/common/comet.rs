//! An independent propagation of comet 311P/PANSTARRS for the tests: fixed-step RK4 at
//! 0.25 day, heliocentric, from the MPC/Nakano 2017 elements typed here from docs/SOURCES.md,
//! under the Sun and the given planets (Standish positions from the crate, each with its direct
//! and indirect pull). It shares with the product only the planets' positions and the Kepler
//! conversion of the epoch elements.

use dispersa::physics::ephemeris::{body_gm_m3_s2, body_state, Body, DAY_S};
use dispersa::physics::kepler::{elements_to_state, wrap_pi, Elements, AU_M, SUN_MU_M3_S2};

pub type V = [f64; 3];

/// Epoch of the elements, 2017-04-29.0 TT.
pub const EPOCH_JD: f64 = 2_457_872.5;

pub fn norm(x: V) -> f64 {
    (x[0] * x[0] + x[1] * x[1] + x[2] * x[2]).sqrt()
}

pub fn dist(a: V, b: V) -> f64 {
    norm(std::array::from_fn(|k| a[k] - b[k]))
}

/// The MPC/Nakano 2017 elements (docs/SOURCES.md): a 2.1886932 au, e 0.1156469, i 4.96661 deg,
/// node 279.25823 deg, peri 143.98595 deg, perihelion 2017-07-10.64354 TT (TT = TDB to 2 ms);
/// the mean anomaly at the epoch follows from the perihelion time.
pub fn mpc_elements() -> Elements {
    let a = 2.188_693_2 * AU_M;
    let n = (SUN_MU_M3_S2 / (a * a * a)).sqrt();
    let t_peri = 2_457_944.5 + 0.643_54; // JD of 2017-07-10.0 TT, plus the fraction
    Elements {
        a_m: a,
        e: 0.115_646_9,
        i_rad: 4.966_61_f64.to_radians(),
        raan_rad: 279.258_23_f64.to_radians(),
        argp_rad: 143.985_95_f64.to_radians(),
        mean_anomaly_rad: wrap_pi(n * (EPOCH_JD - t_peri) * DAY_S),
    }
}

/// Heliocentric acceleration: the Sun and each body's pull on the comet less its pull on the
/// Sun.
fn accel(r: V, jd: f64, bodies: &[Body]) -> V {
    let rr = norm(r);
    let mut a: V = std::array::from_fn(|k| -SUN_MU_M3_S2 * r[k] / (rr * rr * rr));
    for &b in bodies {
        let mu = body_gm_m3_s2(b);
        let rb = body_state(b, jd).0;
        let d: V = std::array::from_fn(|k| rb[k] - r[k]);
        let (dn, bn) = (norm(d), norm(rb));
        for k in 0..3 {
            a[k] += mu * (d[k] / (dn * dn * dn) - rb[k] / (bn * bn * bn));
        }
    }
    a
}

/// RK4 from (r0, v0) at the epoch to `jd1` (the last step shortened to land on it); returns
/// the end state and the perihelion dates (JD, the zero of r.v interpolated within the step).
pub fn propagate(r0: V, v0: V, jd1: f64, bodies: &[Body]) -> (V, V, Vec<f64>) {
    let jd0 = EPOCH_JD;
    let steps = ((jd1 - jd0) / 0.25).ceil().max(1.0) as usize;
    let h = (jd1 - jd0) * DAY_S / steps as f64;
    let (mut r, mut v) = (r0, v0);
    let add = |a: V, b: V, c: f64| -> V { std::array::from_fn(|k| a[k] + c * b[k]) };
    let f = |t: f64, r: V| accel(r, jd0 + t / DAY_S, bodies);
    let mut perihelia = Vec::new();
    let mut rv = r[0] * v[0] + r[1] * v[1] + r[2] * v[2];
    for s in 0..steps {
        let t = s as f64 * h;
        let (k1r, k1v) = (v, f(t, r));
        let (k2r, k2v) = (add(v, k1v, h / 2.0), f(t + h / 2.0, add(r, k1r, h / 2.0)));
        let (k3r, k3v) = (add(v, k2v, h / 2.0), f(t + h / 2.0, add(r, k2r, h / 2.0)));
        let (k4r, k4v) = (add(v, k3v, h), f(t + h, add(r, k3r, h)));
        r = std::array::from_fn(|k| r[k] + h / 6.0 * (k1r[k] + 2.0 * (k2r[k] + k3r[k]) + k4r[k]));
        v = std::array::from_fn(|k| v[k] + h / 6.0 * (k1v[k] + 2.0 * (k2v[k] + k3v[k]) + k4v[k]));
        let next = r[0] * v[0] + r[1] * v[1] + r[2] * v[2];
        if rv < 0.0 && next >= 0.0 {
            perihelia.push(jd0 + (t + h * rv / (rv - next)) / DAY_S);
        }
        rv = next;
    }
    (r, v, perihelia)
}

/// 311P at `jd` by this path, under the Sun, the Earth-Moon barycentre, Mars and Jupiter.
pub fn comet_at(jd: f64) -> (V, V) {
    let (r0, v0) = elements_to_state(&mpc_elements(), SUN_MU_M3_S2);
    let (r, v, _) = propagate(
        r0,
        v0,
        jd,
        &[Body::EarthMoonBary, Body::Mars, Body::Jupiter],
    );
    (r, v)
}
