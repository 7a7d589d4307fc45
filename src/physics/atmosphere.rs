//! Atmosphere on the host: the tabulated U.S. Standard Atmosphere 1976 that both engines
//! interpolate (`shaders/atmosphere.wgsl`, `scenario/reentry/cpu.rs`), and the altitude-correlated density
//! perturbation model.
//!
//! Perturbation model (dispersa's choice, stated in the README): the density is multiplied by
//! exp(sigma(h) z(h) - sigma(h)^2/2), where z(h) is a unit-variance first-order Gauss-Markov
//! process in altitude, z(h + dh) = phi z(h) + sqrt(1 - phi^2) w, phi = exp(-dh / L), sampled
//! at nodes every `node_spacing_km` from 0 km, with sigma(h) the 1-sigma profile of the
//! config; the exponent sigma z - sigma^2/2 is interpolated between the nodes by the natural
//! cubic spline through them ([`natural_spline`], C2). The multiplier has mean 1 at every node
//! and is always positive.

use super::us76::us76_profile;

/// (ln density [ln kg/m^3], speed of sound [m/s]) at 0, dh, 2 dh, ... up to `top_m`.
pub fn us76_table(dh_m: f64, top_m: f64) -> Vec<(f64, f64)> {
    let n = (top_m / dh_m).round() as usize + 1;
    let alts: Vec<f64> = (0..n).map(|i| i as f64 * dh_m).collect();
    us76_profile(&alts)
        .iter()
        .map(|p| (p.density_kg_m3.ln(), p.speed_of_sound_m_s))
        .collect()
}

/// Linear interpolation in a uniform table with extrapolation from the end segments;
/// `get(i)` returns node i. The same rule as the kernel's speed of sound (`atmosphere` in
/// shaders/atmosphere.wgsl) and `consts4_uniform_held`.
pub fn uniform_lerp(x: f64, x0: f64, dx: f64, n: usize, get: impl Fn(usize) -> f64) -> f64 {
    let u = (x - x0) / dx;
    let i = u.floor().clamp(0.0, (n - 2) as f64);
    let f = u - i;
    let i = i as usize;
    let (a, b) = (get(i), get(i + 1));
    a + f * (b - a)
}

/// C1 interpolation in a uniform table: the cubic Hermite through the two nodes around x with
/// Catmull-Rom tangents (one-sided at the ends), extrapolating the end segments' cubics;
/// `get(i)` returns node i. The same rule as the kernel's ln density (`atmosphere` in
/// shaders/atmosphere.wgsl, from the segments `Model` lays out for it). Linear
/// interpolation would put a kink in the function at every node, which an adaptive integrator
/// pays for in rejected steps, and through which two engines' step sequences drift apart.
pub fn uniform_cubic(x: f64, x0: f64, dx: f64, n: usize, get: impl Fn(usize) -> f64) -> f64 {
    let u = (x - x0) / dx;
    let k = u.floor().clamp(0.0, (n - 2) as f64);
    let f = u - k;
    let k = k as usize;
    let (p0, p1) = (get(k), get(k + 1));
    let pm = if k > 0 { get(k - 1) } else { 2.0 * p0 - p1 };
    let pp = if k + 2 < n { get(k + 2) } else { 2.0 * p1 - p0 };
    hermite(p0, p1, 0.5 * (p1 - pm), 0.5 * (pp - p0), f)
}

/// The cubic through p0 (f = 0) and p1 (f = 1) with slopes m0 and m1 (per unit of f).
fn hermite(p0: f64, p1: f64, m0: f64, m1: f64, f: f64) -> f64 {
    let (f2, f3) = (f * f, f * f * f);
    (2.0 * f3 - 3.0 * f2 + 1.0) * p0
        + (f3 - 2.0 * f2 + f) * m0
        + (-2.0 * f3 + 3.0 * f2) * p1
        + (f3 - f2) * m1
}

/// Second derivatives of the natural cubic spline through `y` at unit spacing (zero at both
/// ends), into `m`: the tridiagonal system m[i-1] + 4 m[i] + m[i+1] = 6 (y[i+1] - 2 y[i] +
/// y[i-1]), solved by the Thomas algorithm.
pub fn natural_spline_second_derivatives(y: &[f64], m: &mut [f64]) {
    SplineSolver::new(y.len()).second_derivatives(y, m);
}

/// [`natural_spline_second_derivatives`] for one node count, with the Thomas algorithm's pivot
/// reciprocals, which depend on the count alone, worked out once: each solve is then
/// multiplies and adds, without the two divisions per node in its dependent chain. The
/// sampler solves three splines per reentry sample (about 250 nodes), and they were 44 % of
/// its time (docs/PERFORMANCE.md).
#[derive(Debug, Clone)]
pub struct SplineSolver {
    /// inv[i] = 1 / (4 - inv[i - 1]) inside, 0 at the ends. The off-diagonal is 1, so it is
    /// also the eliminated super-diagonal of row i.
    inv: Vec<f64>,
}

impl SplineSolver {
    pub fn new(n: usize) -> Self {
        let mut inv = vec![0.0; n];
        for i in 1..n.saturating_sub(1) {
            inv[i] = 1.0 / (4.0 - inv[i - 1]);
        }
        SplineSolver { inv }
    }

    /// The second derivatives of the spline through `y` (of the solver's length) into `m`.
    pub fn second_derivatives(&self, y: &[f64], m: &mut [f64]) {
        let n = y.len();
        debug_assert_eq!(n, self.inv.len());
        m[..n].fill(0.0);
        if n < 3 {
            return;
        }
        let mut prev = 0.0;
        for i in 1..n - 1 {
            let r = 6.0 * (y[i + 1] - 2.0 * y[i] + y[i - 1]);
            prev = (r - prev) * self.inv[i];
            m[i] = prev;
        }
        m[n - 1] = 0.0;
        for i in (1..n - 1).rev() {
            m[i] -= self.inv[i] * m[i + 1];
        }
    }
}

/// The natural cubic spline through nodes `y(i)` at unit spacing from 0 with second derivatives
/// `m(i)` ([`natural_spline_second_derivatives`]), at u held to [0, n - 1]: the density
/// perturbation's profile (`perturbation` in shaders/atmosphere.wgsl). C2: the adaptive
/// integrator pays for every discontinuity of a low derivative in rejected steps (the C1
/// Catmull-Rom cubic it replaces cost 10 % more trials on the default config).
pub fn natural_spline(u: f64, n: usize, y: impl Fn(usize) -> f64, m: impl Fn(usize) -> f64) -> f64 {
    let uc = u.clamp(0.0, (n - 1) as f64);
    let k = uc.floor().min((n - 2) as f64);
    let t = uc - k;
    let k = k as usize;
    let a = 1.0 - t;
    a * y(k) + t * y(k + 1) + ((a * a * a - a) * m(k) + (t * t * t - t) * m(k + 1)) / 6.0
}

/// The Gauss-Markov density perturbation of one run (see the module doc).
#[derive(Debug, Clone)]
pub struct Perturbation {
    pub node_spacing_m: f64,
    pub phi: f64,
    pub sigma: Vec<f64>,
    spline: SplineSolver,
}

impl Perturbation {
    /// Nodes every `node_spacing_km` from 0 to `top_km`; `sigma_profile` is
    /// [[altitude_km, sigma], ...], linear between rows and held outside.
    pub fn new(
        correlation_length_km: f64,
        sigma_profile: &[[f64; 2]],
        node_spacing_km: f64,
        top_km: f64,
    ) -> Self {
        let n = (top_km / node_spacing_km).ceil() as usize + 1;
        let sigma = (0..n)
            .map(|k| sigma_at(sigma_profile, k as f64 * node_spacing_km))
            .collect();
        Perturbation {
            node_spacing_m: node_spacing_km * 1000.0,
            phi: (-node_spacing_km / correlation_length_km).exp(),
            sigma,
            spline: SplineSolver::new(n),
        }
    }

    pub fn n_nodes(&self) -> usize {
        self.sigma.len()
    }

    /// Turn independent standard normals `w` into the ln density multipliers at the nodes,
    /// out[..n], and their natural spline's second derivatives, out[n..2 n].
    pub fn ln_factors(&self, w: &[f64], out: &mut [f64]) {
        self.profile(w, out, |s, z| s * z - 0.5 * s * s);
    }

    /// Turn independent standard normals `w` into a zero-mean profile sigma z added to `mean`
    /// at the nodes, out[..n], and its natural spline's second derivatives, out[n..2 n]
    /// (the wind's random part).
    pub fn add_to(&self, w: &[f64], mean: &[f64], out: &mut [f64]) {
        self.values(w, out, |s, z| s * z);
        for (o, m) in out.iter_mut().zip(mean) {
            *o += m;
        }
        self.spline_of_values(out);
    }

    /// The Gauss-Markov values z at the nodes, mapped by `f(sigma, z)` into out[..n], and
    /// their natural spline's second derivatives into out[n..2 n].
    fn profile(&self, w: &[f64], out: &mut [f64], f: impl Fn(f64, f64) -> f64) {
        self.values(w, out, f);
        self.spline_of_values(out);
    }

    /// The Gauss-Markov values z at the nodes, mapped by `f(sigma, z)` into out[..n].
    fn values(&self, w: &[f64], out: &mut [f64], f: impl Fn(f64, f64) -> f64) {
        let q = (1.0 - self.phi * self.phi).sqrt();
        let mut z = 0.0;
        for k in 0..self.sigma.len() {
            z = if k == 0 {
                w[0]
            } else {
                self.phi * z + q * w[k]
            };
            out[k] = f(self.sigma[k], z);
        }
    }

    /// out[n..2 n] from out[..n]: the natural spline's second derivatives.
    fn spline_of_values(&self, out: &mut [f64]) {
        let n = self.sigma.len();
        let (y, m) = out.split_at_mut(n);
        self.spline.second_derivatives(y, &mut m[..n]);
    }
}

/// sigma profile: linear between rows, held beyond the ends.
pub fn sigma_at(rows: &[[f64; 2]], h_km: f64) -> f64 {
    if h_km <= rows[0][0] {
        return rows[0][1];
    }
    for w in rows.windows(2) {
        if h_km <= w[1][0] {
            let f = (h_km - w[0][0]) / (w[1][0] - w[0][0]);
            return w[0][1] + f * (w[1][1] - w[0][1]);
        }
    }
    rows[rows.len() - 1][1]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The solver's second derivatives satisfy the spline's defining system: zero at the ends,
    /// and m[i-1] + 4 m[i] + m[i+1] = 6 (y[i+1] - 2 y[i] + y[i-1]) inside. The residual bound
    /// is f64 rounding: a few ulp of the row's largest term, for a diagonally dominant solve.
    #[test]
    fn spline_second_derivatives_solve_the_natural_spline_system() {
        for n in [3, 4, 5, 51, 151, 400] {
            let y: Vec<f64> = (0..n)
                .map(|k| (0.37 * k as f64).sin() * 2.0 + 1e-3 * (k * k) as f64)
                .collect();
            let mut m = vec![f64::NAN; n];
            SplineSolver::new(n).second_derivatives(&y, &mut m);
            assert_eq!((m[0], m[n - 1]), (0.0, 0.0), "n = {n}: natural ends");
            for i in 1..n - 1 {
                let lhs = m[i - 1] + 4.0 * m[i] + m[i + 1];
                let rhs = 6.0 * (y[i + 1] - 2.0 * y[i] + y[i - 1]);
                let scale = 4.0 * m[i].abs() + rhs.abs() + 1.0;
                assert!(
                    (lhs - rhs).abs() <= 16.0 * f64::EPSILON * scale,
                    "n = {n}, row {i}: {lhs} against {rhs}"
                );
            }
        }
    }

    /// A straight line is its own natural spline: every second derivative is zero.
    #[test]
    fn the_spline_of_a_line_has_no_curvature() {
        let y: Vec<f64> = (0..20).map(|k| 3.0 - 0.25 * k as f64).collect();
        let mut m = vec![f64::NAN; 20];
        natural_spline_second_derivatives(&y, &mut m);
        assert!(m.iter().all(|&v| v.abs() < 1e-14), "{m:?}");
    }
}
