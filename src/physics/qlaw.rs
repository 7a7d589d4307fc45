//! Q-law low-thrust guidance (Petropoulos) in modified equinoctial elements, f64 reference of
//! `shaders/qlaw.wgsl`. Every step from the Cartesian state to the thrust direction uses only
//! arithmetic, sqrt, abs, min, max, exp and ln, so the WGSL twin computes the same thing on
//! adapters without f64 trigonometry (lavapipe).
//!
//! Sources (equations only):
//! - Modified equinoctial elements (p, f, g, h, k, L) and their Gauss variational equations in
//!   the radial / transverse / normal (RTN) frame: Walker, Ireland & Owens, Celest. Mech. 36
//!   (1985) 409; Betts, "Practical Methods for Optimal Control", 2nd ed., sec. 6.3. The
//!   semi-major axis rate is the classical da/dt = 2a^2/h (e sin(nu) a_r + (p/r) a_t) with
//!   e sin(nu) = f sin L - g cos L and p/r = q = 1 + f cos L + g sin L.
//! - Q-law: Petropoulos, AIAA 2004-5089 and AAS 05-162 (2005); equinoctial form after Varga &
//!   Perez, J. Astronaut. Sci. 63 (2016) 31:
//!   Q = (1 + W_p P) sum_i W_i S_i ((oe_i - oe_t,i) / oedot_xx,i)^2 over oe = (a, f, g, h, k),
//!   P = exp(k_p (1 - r_p / r_p,min)), r_p = a (1 - e), S_a = (1 + |(a - a_t)/(m a_t)|^n)^(1/r),
//!   S_f = S_g = S_h = S_k = 1. Maximum rates over thrust direction and true longitude, for the
//!   thrust acceleration F:
//!   - a: 2 F a sqrt(a/mu) sqrt((1 + e)/(1 - e)) (Petropoulos, exact);
//!   - f, g: 2 F sqrt(p/mu), the approximation Varga & Perez use (Petropoulos' exact maximum
//!     for e; sampled over L, the true maximum of |B_f| or |B_g| exceeds it by 0.2% at e = 0.1
//!     and 3% at e = 0.4);
//!   - h: (1/2) F sqrt(p/mu) s^2 / (sqrt(1 - g^2) - |f|), k: the same with f and g swapped.
//!     These are exact maxima over L of |dh/dt|, |dk/dt| (derived here: d/dL of cos L / q
//!     vanishes where sin L = -g, of sin L / q where cos L = -f), s^2 = 1 + h^2 + k^2.
//! - Thrust direction: steepest descent of Q, u = -D/|D| with D = sum_i dQ/doe_i B_i (B_i the
//!   Gauss row of oe_i per unit acceleration). dQ/doe_i is the FULL derivative: the maximum
//!   rates, S_a and the penalty are differentiated too. Holding the rates constant turns the
//!   direction by 9-26 deg on the way to 311P, and up to 120 deg at e = 0.2 (d/da of
//!   (a - a_t)^2/a^3 differs from 2 (a - a_t)/a^3 by the factor 1 - 1.5 (a - a_t)/a, and
//!   oedot_xx,a grows with e), so that variant would not be the steepest descent of Q. Q does
//!   not depend on L, so this u minimises dQ/dt exactly. At e = 0 (|e| has a kink) the
//!   derivatives through |e| are taken as 0.
//! - Coasting: relative effectivity eta_r = (Qdot_n - Qdot_nx) / (Qdot_nn - Qdot_nx), with
//!   Qdot_n = -F |D(L)| the best rate at L, sampled at N true longitudes L_j = L + 2 pi j / N of
//!   the osculating orbit (j = 0 is the current L), rotating (cos L, sin L) by a fixed
//!   (cos, sin)(2 pi / N). F is taken the same all around the orbit: with solar-electric
//!   propulsion thrust and mass flow both scale with power, so Qdot per unit of propellant is
//!   |D| times a constant and F cancels from eta_r. When |D| is the same at every sample
//!   (max - min <= 1e-14 max) eta_r = 1. Thrust when eta_r >= eta_cut.
//!
//! Conventions: h = tan(i/2) cos(raan), k = tan(i/2) sin(raan), f = e cos(argp + raan),
//! g = e sin(argp + raan), L = raan + argp + nu. Retrograde orbits (i near pi, 1 + hhat.z -> 0)
//! are outside the formulation.

use super::kepler::{elements_to_state, Elements, AU_M};
use super::vec3::unit;
use super::vec3::{cross, dot, norm};

/// Number of reals in the flat constants array ([`qlaw_consts_flat`], `qlaw_consts_from`).
pub const QLAW_CONSTS_LEN: usize = 26;
/// Tiny floor for |e| in divisions f/|e| (f = g = 0 exactly gives 0).
const E_FLOOR: f64 = 1e-30;
/// Largest exponent the penalty exp() takes (the WGSL exp saturates near 709).
const PENALTY_EXP_MAX: f64 = 700.0;

/// Modified equinoctial elements of a state, with the true longitude as (cos L, sin L) and the
/// semi-major axis a = p / (1 - f^2 - g^2) [m].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Equinoctial {
    /// Semi-latus rectum [m].
    pub p: f64,
    pub f: f64,
    pub g: f64,
    pub h: f64,
    pub k: f64,
    pub cos_l: f64,
    pub sin_l: f64,
    pub a: f64,
}

/// The orbit to reach: its five slow equinoctial elements, plus its eccentricity vector and
/// orbit normal for [`arrived`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QLawTarget {
    pub a_m: f64,
    pub f: f64,
    pub g: f64,
    pub h: f64,
    pub k: f64,
    /// Eccentricity vector (in the frame of the states).
    pub e_vec: [f64; 3],
    /// Unit orbit normal.
    pub h_hat: [f64; 3],
}

impl QLawTarget {
    /// From classical elements (the mean anomaly is irrelevant), through the Cartesian state, so
    /// the target follows exactly the conventions of [`equinoctial_from_state`].
    pub fn from_elements(el: &Elements, mu: f64) -> Self {
        let (r, v) = elements_to_state(el, mu);
        let eq = equinoctial_from_state(r, v, mu);
        let (fh, gh) = equinoctial_frame(eq.h, eq.k);
        QLawTarget {
            a_m: eq.a,
            f: eq.f,
            g: eq.g,
            h: eq.h,
            k: eq.k,
            e_vec: std::array::from_fn(|i| eq.f * fh[i] + eq.g * gh[i]),
            h_hat: unit(cross(r, v)),
        }
    }
}

/// Q-law tuning.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QLawParams {
    /// W_a, W_f, W_g, W_h, W_k.
    pub weights: [f64; 5],
    /// Penalty weight W_p.
    pub wp: f64,
    /// Penalty sharpness k_p in P = exp(k_p (1 - r_p / r_p,min)).
    pub penalty_k: f64,
    /// Minimum periapsis radius r_p,min [m].
    pub rp_min_m: f64,
    /// Coast when the relative effectivity is below this.
    pub eta_cut: f64,
    /// True longitudes sampled around the orbit for the effectivity (>= 1).
    pub n_samples: usize,
    /// S_a = (1 + |(a - a_t)/(m a_t)|^n)^(1/r).
    pub m: f64,
    pub n: u32,
    pub r: f64,
}

impl Default for QLawParams {
    /// Petropoulos' W_p = 1, k_p = 100, m = 3, n = 4, r = 2; r_p,min = 0.8 au (assumption:
    /// well inside the cruise's 1-2.4 au); N = 24. Weights (1, 3, 3, 3, 3) and eta_cut = 0.25
    /// are tuned on the test transfer (circular 1 au ecliptic orbit to 311P's, 0.2 N on 1500 kg,
    /// Isp 3000 s), over 16 starting longitudes: they arrive within 6 years from 15 of 16
    /// (mean 4.9 years; 16/16 at 0.19 N, 14/16 at 0.21 N), unit weights from 1 of 16 (4 with
    /// eta_cut = 0.2), and W = (1, 2, 2, 2, 2) or (1, 4, 4, 4, 4) from none (means 6.6 and
    /// 6.7 years). The transfer takes only ~2 revolutions and the law fixes e and i mostly on
    /// the last, ~3.2-year orbit, where it waits for the arcs that still correct them, so the
    /// arrival time jumps by ~1.5 years between neighbouring settings: tune per scenario.
    fn default() -> Self {
        QLawParams {
            weights: [1.0, 3.0, 3.0, 3.0, 3.0],
            wp: 1.0,
            penalty_k: 100.0,
            rp_min_m: 0.8 * AU_M,
            eta_cut: 0.25,
            n_samples: 24,
            m: 3.0,
            n: 4,
            r: 2.0,
        }
    }
}

/// What the guidance commands at one state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QLawDecision {
    /// Unit thrust direction in (radial, transverse, normal), zero when coasting.
    pub direction_rtn: [f64; 3],
    /// The same in the frame of the state, zero when coasting.
    pub direction_inertial: [f64; 3],
    /// Q at the state [s^2].
    pub q: f64,
    /// Relative effectivity in [0, 1].
    pub eta_r: f64,
    pub thrust: bool,
    /// dQ/dt when thrusting at `accel` along the best direction, -F |D| [s] (<= 0), whether or
    /// not the decision is to thrust.
    pub q_dot_best: f64,
}

/// Unit vectors (fhat, ghat) of the equinoctial frame for (h, k).
pub fn equinoctial_frame(h: f64, k: f64) -> ([f64; 3], [f64; 3]) {
    let s2 = 1.0 + h * h + k * k;
    let fh = [(1.0 - k * k + h * h) / s2, 2.0 * h * k / s2, -2.0 * k / s2];
    let gh = [2.0 * h * k / s2, (1.0 + k * k - h * h) / s2, 2.0 * h / s2];
    (fh, gh)
}

/// Modified equinoctial elements of a Cartesian state (position [m], velocity [m/s]), without
/// trigonometry. Prograde orbits (the orbit normal's z > -1).
pub fn equinoctial_from_state(r: [f64; 3], v: [f64; 3], mu: f64) -> Equinoctial {
    let hv = cross(r, v);
    let h2 = dot(hv, hv);
    let w = unit(hv);
    let k = w[0] / (1.0 + w[2]);
    let h = -w[1] / (1.0 + w[2]);
    let (fh, gh) = equinoctial_frame(h, k);
    let rh = unit(r);
    let vxh = cross(v, hv);
    let e: [f64; 3] = std::array::from_fn(|i| vxh[i] / mu - rh[i]);
    let (f, g) = (dot(e, fh), dot(e, gh));
    let p = h2 / mu;
    Equinoctial {
        p,
        f,
        g,
        h,
        k,
        cos_l: dot(rh, fh),
        sin_l: dot(rh, gh),
        a: p / (1.0 - f * f - g * g),
    }
}

/// Gauss rows of (a, f, g, h, k) per unit RTN acceleration at the current true longitude: the
/// rate of element i is `rows[i] . [a_r, a_t, a_n]`.
pub fn gauss_rows(eq: &Equinoctial, mu: f64) -> [[f64; 3]; 5] {
    gauss_rows_at(eq, eq.cos_l, eq.sin_l, mu)
}

/// Gauss rows on the osculating orbit of `eq` at the true longitude (cos L, sin L) = (c, s).
fn gauss_rows_at(eq: &Equinoctial, c: f64, s: f64, mu: f64) -> [[f64; 3]; 5] {
    let (f, g, h, k) = (eq.f, eq.g, eq.h, eq.k);
    let w = (eq.p / mu).sqrt();
    let q = 1.0 + f * c + g * s;
    let s2 = 1.0 + h * h + k * k;
    let hk = h * s - k * c;
    // 2 a^2 / sqrt(mu p) = 2 a^2 w / p.
    let ca = 2.0 * eq.a * eq.a * w / eq.p;
    [
        [ca * (f * s - g * c), ca * q, 0.0],
        [w * s, w * ((q + 1.0) * c + f) / q, -w * hk * g / q],
        [-w * c, w * ((q + 1.0) * s + g) / q, w * hk * f / q],
        [0.0, 0.0, w * s2 * c / (2.0 * q)],
        [0.0, 0.0, w * s2 * s / (2.0 * q)],
    ]
}

/// x^n by binary powering with a fixed trip count (n < 256), as in the shader.
fn ipow(x: f64, n: u32) -> f64 {
    let (mut b, mut e, mut out) = (x, n, 1.0);
    for _ in 0..8 {
        if e & 1 == 1 {
            out *= b;
        }
        b *= b;
        e >>= 1;
    }
    out
}

/// Q [s^2] and its full gradient with respect to (a, f, g, h, k).
fn q_and_gradient(
    eq: &Equinoctial,
    mu: f64,
    accel: f64,
    t: &QLawTarget,
    pr: &QLawParams,
) -> (f64, [f64; 5]) {
    let (a, f, g, h, k) = (eq.a, eq.f, eq.g, eq.h, eq.k);
    let w = (eq.p / mu).sqrt();
    let e = (f * f + g * g).sqrt();
    let (ef, eg) = (f / e.max(E_FLOOR), g / e.max(E_FLOOR));
    let om = 1.0 - e * e;
    let s2 = 1.0 + h * h + k * k;
    let (sg1, sf1) = ((1.0 - g * g).sqrt(), (1.0 - f * f).sqrt());
    let (dh, dk) = (sg1 - f.abs(), sf1 - g.abs());
    let sgn_f = if f >= 0.0 { 1.0 } else { -1.0 };
    let sgn_g = if g >= 0.0 { 1.0 } else { -1.0 };

    // Maximum rates over thrust direction and L.
    let xa = 2.0 * accel * a * (a / mu).sqrt() * ((1.0 + e) / (1.0 - e)).sqrt();
    let xf = 2.0 * accel * w;
    let xh = 0.5 * accel * w * s2 / dh;
    let xk = 0.5 * accel * w * s2 / dk;
    let x = [xa, xf, xf, xh, xk];
    // d ln p / d(a, f, g), p = a (1 - f^2 - g^2).
    let (lpa, lpf, lpg) = (1.0 / a, -2.0 * f / om, -2.0 * g / om);
    // d ln X_i / d oe_j.
    let dlx = [
        [1.5 / a, ef / om, eg / om, 0.0, 0.0],
        [0.5 * lpa, 0.5 * lpf, 0.5 * lpg, 0.0, 0.0],
        [0.5 * lpa, 0.5 * lpf, 0.5 * lpg, 0.0, 0.0],
        [
            0.5 * lpa,
            0.5 * lpf + sgn_f / dh,
            0.5 * lpg + g / (sg1 * dh),
            2.0 * h / s2,
            2.0 * k / s2,
        ],
        [
            0.5 * lpa,
            0.5 * lpf + f / (sf1 * dk),
            0.5 * lpg + sgn_g / dk,
            2.0 * h / s2,
            2.0 * k / s2,
        ],
    ];
    // S_a and d ln S_a / da.
    let u = (a - t.a_m) / (pr.m * t.a_m);
    let base = 1.0 + ipow(u.abs(), pr.n);
    // r = 2 (Petropoulos', the default): a square root, exact and without a log and an exp.
    let sa = if pr.r == 2.0 {
        base.sqrt()
    } else {
        (base.ln() / pr.r).exp()
    };
    let un1 = if pr.n >= 1 {
        ipow(u.abs(), pr.n - 1)
    } else {
        0.0
    };
    let sgn_u = if u >= 0.0 { 1.0 } else { -1.0 };
    let dlsa = f64::from(pr.n) * un1 * sgn_u / (pr.r * base * pr.m * t.a_m);

    let d = [a - t.a_m, f - t.f, g - t.g, h - t.h, k - t.k];
    let mut sum = 0.0;
    let mut dsum = [0.0; 5];
    for i in 0..5 {
        let si = if i == 0 { sa } else { 1.0 };
        let ci = pr.weights[i] * si / (x[i] * x[i]);
        sum += ci * d[i] * d[i];
        for j in 0..5 {
            let dls = if i == 0 && j == 0 { dlsa } else { 0.0 };
            let mut term = d[i] * d[i] * (dls - 2.0 * dlx[i][j]);
            if i == j {
                term += 2.0 * d[i];
            }
            dsum[j] += ci * term;
        }
    }
    // Penalty on the periapsis radius r_p = a (1 - e).
    let rp = a * (1.0 - e);
    let pen = (pr.penalty_k * (1.0 - rp / pr.rp_min_m))
        .min(PENALTY_EXP_MAX)
        .exp();
    let dpen_drp = -pen * pr.penalty_k / pr.rp_min_m;
    let drp = [1.0 - e, -a * ef, -a * eg, 0.0, 0.0];
    let outer = 1.0 + pr.wp * pen;
    let grad = std::array::from_fn(|j| pr.wp * dpen_drp * drp[j] * sum + outer * dsum[j]);
    (outer * sum, grad)
}

/// D = sum_i dQ/doe_i B_i: the gradient of dQ/dt with respect to the RTN acceleration.
fn descent_vector(grad: &[f64; 5], rows: &[[f64; 3]; 5]) -> [f64; 3] {
    std::array::from_fn(|c| (0..5).map(|i| grad[i] * rows[i][c]).sum())
}

/// D(L) = sum_i dQ/doe_i B_i(L) round the osculating orbit, with its coefficients gathered
/// once: with q = 1 + f c + g s (c, s = cos L, sin L) the Gauss rows make
///   D_r = t_c s - t_s c,
///   D_t = t_0 + t_c c + t_s s + (u_0 + w g_f c + w g_g s) / q,
///   D_n = (n_c c + n_s s) / q,
/// where t_0 = ca g_a, t_c = t_0 f + w g_f, t_s = t_0 g + w g_g, u_0 = w (g_f f + g_g g),
/// n_c = w (s^2 g_h / 2 - k x), n_s = w (s^2 g_k / 2 + h x), x = g_g f - g_f g (ca and w as in
/// `gauss_rows_at`, g_i = dQ/doe_i). One division a longitude instead of the rows' five and a
/// square root; equal to `descent_vector(grad, gauss_rows_at(..))` up to rounding.
#[derive(Debug, Clone, Copy)]
struct DescentAround {
    f: f64,
    g: f64,
    t0: f64,
    tc: f64,
    ts: f64,
    u0: f64,
    wf: f64,
    wg: f64,
    nc: f64,
    ns: f64,
}

impl DescentAround {
    fn new(eq: &Equinoctial, grad: &[f64; 5], mu: f64) -> Self {
        let (f, g, h, k) = (eq.f, eq.g, eq.h, eq.k);
        let w = (eq.p / mu).sqrt();
        let ca = 2.0 * eq.a * eq.a * w / eq.p;
        let s2 = 1.0 + h * h + k * k;
        let t0 = ca * grad[0];
        let (wf, wg) = (w * grad[1], w * grad[2]);
        let x = w * (grad[2] * f - grad[1] * g);
        let (wh, wk) = (0.5 * w * s2 * grad[3], 0.5 * w * s2 * grad[4]);
        DescentAround {
            f,
            g,
            t0,
            tc: t0 * f + wf,
            ts: t0 * g + wg,
            u0: wf * f + wg * g,
            wf,
            wg,
            nc: wh - k * x,
            ns: wk + h * x,
        }
    }

    /// |D|^2 at the true longitude (cos L, sin L) = (c, s).
    fn norm_sq(&self, c: f64, s: f64) -> f64 {
        let iq = 1.0 / (1.0 + self.f * c + self.g * s);
        let dr = self.tc * s - self.ts * c;
        let dt = self.t0 + self.tc * c + self.ts * s + (self.u0 + self.wf * c + self.wg * s) * iq;
        let dn = (self.nc * c + self.ns * s) * iq;
        dr * dr + dt * dt + dn * dn
    }
}

/// Q [s^2] of a state for the thrust acceleration `accel` [m/s^2].
pub fn qlaw_q(
    r: [f64; 3],
    v: [f64; 3],
    mu: f64,
    accel_m_s2: f64,
    target: &QLawTarget,
    params: &QLawParams,
) -> f64 {
    let eq = equinoctial_from_state(r, v, mu);
    q_and_gradient(&eq, mu, accel_m_s2, target, params).0
}

/// The Q-law's steering alone: the inertial unit direction of steepest descent of Q, without
/// the effectivity test that decides whether to thrust (the right-hand side steers with it
/// while the engine mode is held over a step; [`qlaw_direction`] decides the mode).
pub fn qlaw_steering(
    r: [f64; 3],
    v: [f64; 3],
    mu: f64,
    accel_m_s2: f64,
    target: &QLawTarget,
    params: &QLawParams,
) -> [f64; 3] {
    let eq = equinoctial_from_state(r, v, mu);
    let (_, grad) = q_and_gradient(&eq, mu, accel_m_s2, target, params);
    let d0 = descent_vector(&grad, &gauss_rows(&eq, mu));
    let n0 = norm(d0);
    if n0 <= 0.0 {
        return [0.0; 3];
    }
    rtn_to_inertial(r, v, [-d0[0] / n0, -d0[1] / n0, -d0[2] / n0])
}

/// A direction in the state's radial/transverse/normal frame, in inertial axes.
fn rtn_to_inertial(r: [f64; 3], v: [f64; 3], rtn: [f64; 3]) -> [f64; 3] {
    let rh = unit(r);
    let nh = unit(cross(r, v));
    let th = cross(nh, rh);
    std::array::from_fn(|i| rtn[0] * rh[i] + rtn[1] * th[i] + rtn[2] * nh[i])
}

/// The Q-law command at a state: steepest descent of Q, or coast when the relative
/// effectivity is below `params.eta_cut`.
pub fn qlaw_direction(
    r: [f64; 3],
    v: [f64; 3],
    mu: f64,
    accel_m_s2: f64,
    target: &QLawTarget,
    params: &QLawParams,
) -> QLawDecision {
    let eq = equinoctial_from_state(r, v, mu);
    let (q, grad) = q_and_gradient(&eq, mu, accel_m_s2, target, params);
    let d0 = descent_vector(&grad, &gauss_rows(&eq, mu));
    let n0_sq = dot(d0, d0);
    let n0 = n0_sq.sqrt();
    // |D| around the orbit, starting at the current L, compared by its square: sqrt is
    // correctly rounded and so monotonic, and the square roots of the least and greatest
    // |D|^2 are the least and greatest |D| to the bit, for one sqrt each instead of one a point.
    let n_samples = params.n_samples.max(1);
    let (sin_step, cos_step) = (std::f64::consts::TAU / n_samples as f64).sin_cos();
    let around = DescentAround::new(&eq, &grad, mu);
    let (mut c, mut s) = (eq.cos_l, eq.sin_l);
    let (mut min_sq, mut max_sq) = (n0_sq, n0_sq);
    for _ in 1..n_samples {
        let c_next = c * cos_step - s * sin_step;
        s = s * cos_step + c * sin_step;
        c = c_next;
        let nj_sq = around.norm_sq(c, s);
        min_sq = min_sq.min(nj_sq);
        max_sq = max_sq.max(nj_sq);
    }
    let (dmin, dmax) = (min_sq.sqrt(), max_sq.sqrt());
    let eta_r = if dmax - dmin <= 1e-14 * dmax {
        1.0
    } else {
        (n0 - dmin) / (dmax - dmin)
    };
    let thrust = n0 > 0.0 && eta_r >= params.eta_cut;
    let (mut rtn, mut inertial) = ([0.0; 3], [0.0; 3]);
    if thrust {
        rtn = [-d0[0] / n0, -d0[1] / n0, -d0[2] / n0];
        inertial = rtn_to_inertial(r, v, rtn);
    }
    QLawDecision {
        direction_rtn: rtn,
        direction_inertial: inertial,
        q,
        eta_r,
        thrust,
        q_dot_best: -accel_m_s2 * n0,
    }
}

/// The orbit match's three errors at a state: |a - a_t| [m], |e_vec - e_vec_t|, and
/// 1 - hhat.hhat_t (the orbit normals' angle, as one minus its cosine).
fn match_errors(r: [f64; 3], v: [f64; 3], mu: f64, target: &QLawTarget) -> [f64; 3] {
    let eq = equinoctial_from_state(r, v, mu);
    let (fh, gh) = equinoctial_frame(eq.h, eq.k);
    let de: [f64; 3] = std::array::from_fn(|i| eq.f * fh[i] + eq.g * gh[i] - target.e_vec[i]);
    let nh = unit(cross(r, v));
    [
        (eq.a - target.a_m).abs(),
        norm(de),
        1.0 - dot(nh, target.h_hat),
    ]
}

/// The orbit match's tolerances: |a - a_t| at most `a_m` [m], |e_vec - e_vec_t| at most `e`,
/// and the angle between the orbit normals within the angle whose cosine is `cos_i`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchTolerance {
    pub a_m: f64,
    pub e: f64,
    pub cos_i: f64,
}

/// Whether the osculating orbit of the state matches the target within `tol` (the normals'
/// criterion as 1 - hhat.hhat_t <= 1 - cos_i).
pub fn arrived(
    r: [f64; 3],
    v: [f64; 3],
    mu: f64,
    target: &QLawTarget,
    tol: &MatchTolerance,
) -> bool {
    let [da, de, di] = match_errors(r, v, mu, target);
    da <= tol.a_m && de <= tol.e && di <= 1.0 - tol.cos_i
}

/// How far the osculating orbit of a state is from matching the target, each criterion of
/// [`arrived`] as a fraction of its tolerance: |a - a_t| / `a_m`, |e_vec - e_vec_t| / `e`,
/// and (1 - hhat.hhat_t) / (1 - `cos_i`); all at most 1 (to rounding) where [`arrived`]
/// holds. The objective of the cruise's search for a match inside a step
/// (`qlaw_match_ratios` in shaders/qlaw.wgsl).
pub fn match_ratios(
    r: [f64; 3],
    v: [f64; 3],
    mu: f64,
    target: &QLawTarget,
    tol: &MatchTolerance,
) -> [f64; 3] {
    let [da, de, di] = match_errors(r, v, mu, target);
    [da / tol.a_m, de / tol.e, di / (1.0 - tol.cos_i)]
}

/// The target and parameters as the flat array `qlaw_consts_from` in `shaders/qlaw.wgsl`
/// reads, [`QLAW_CONSTS_LEN`] reals:
///  0 a_t [m], 1 f_t, 2 g_t, 3 h_t, 4 k_t, 5..=7 e_vec_t, 8..=10 hhat_t,
///  11..=15 W_a W_f W_g W_h W_k, 16 W_p, 17 k_p, 18 r_p,min [m], 19 eta_cut,
///  20 N (integer-valued), 21 m, 22 n (integer-valued), 23 r, 24 cos(2 pi / N), 25 sin(2 pi / N).
pub fn qlaw_consts_flat(target: &QLawTarget, params: &QLawParams) -> Vec<f64> {
    let n_samples = params.n_samples.max(1);
    let (sin_step, cos_step) = (std::f64::consts::TAU / n_samples as f64).sin_cos();
    let mut out = vec![target.a_m, target.f, target.g, target.h, target.k];
    out.extend_from_slice(&target.e_vec);
    out.extend_from_slice(&target.h_hat);
    out.extend_from_slice(&params.weights);
    out.extend_from_slice(&[
        params.wp,
        params.penalty_k,
        params.rp_min_m,
        params.eta_cut,
        n_samples as f64,
        params.m,
        f64::from(params.n),
        params.r,
        cos_step,
        sin_step,
    ]);
    debug_assert_eq!(out.len(), QLAW_CONSTS_LEN);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The gathered coefficients give the Gauss rows' |D|^2 round the orbit, on orbits from
    /// near-circular to e = 0.6 and inclined, with gradients of mixed signs. Tolerance: both are
    /// sums of a few f64 products of the same magnitude, whose rounding (a few eps of the
    /// largest term) the comparison allows 1e-12 relative to the largest |D|^2 for.
    #[test]
    fn descent_around_the_orbit_matches_the_gauss_rows() {
        let mu = 1.327_124_400_18e20;
        let cases = [
            (1.0, 0.001, 0.30, 2.0, 0.05),
            (1.6, 0.2, 0.10, 5.0, 0.3),
            (2.4, 0.6, 0.02, 1.0, 2.0),
            (3.1, 0.45, 0.25, 4.0, 3.5),
        ];
        let mut compared = 0;
        for (a_au, e, i_rad, argp, raan) in cases {
            let el = Elements {
                a_m: a_au * AU_M,
                e,
                i_rad,
                raan_rad: raan,
                argp_rad: argp,
                mean_anomaly_rad: 0.7,
            };
            let (r, v) = elements_to_state(&el, mu);
            let eq = equinoctial_from_state(r, v, mu);
            let target = QLawTarget::from_elements(
                &Elements {
                    a_m: 2.2 * AU_M,
                    e: 0.12,
                    i_rad: 0.09,
                    raan_rad: 1.0,
                    argp_rad: 2.0,
                    mean_anomaly_rad: 0.0,
                },
                mu,
            );
            let (_, grad) = q_and_gradient(&eq, mu, 1e-4, &target, &QLawParams::default());
            let around = DescentAround::new(&eq, &grad, mu);
            let n = 48;
            let from_rows: Vec<f64> = (0..n)
                .map(|j| {
                    let th = std::f64::consts::TAU * j as f64 / n as f64;
                    let d = descent_vector(&grad, &gauss_rows_at(&eq, th.cos(), th.sin(), mu));
                    dot(d, d)
                })
                .collect();
            let scale = from_rows.iter().cloned().fold(0.0, f64::max);
            assert!(scale > 0.0);
            for (j, want) in from_rows.iter().enumerate() {
                let th = std::f64::consts::TAU * j as f64 / n as f64;
                let got = around.norm_sq(th.cos(), th.sin());
                assert!(
                    (got - want).abs() <= 1e-12 * scale,
                    "e {e}, L {th}: {got} against {want}"
                );
                compared += 1;
            }
        }
        assert_eq!(compared, 4 * 48);
    }
}
