//! Piecewise-linear tables held constant beyond their ends (Cd against Mach, Tauber-Sutton's
//! f(V)). The CPU reference interpolates the tables as given ([`held`]); the kernels read a copy
//! resampled onto a uniform grid that contains every node ([`UniformTable`]), laid out a segment
//! per vec4, so a look-up is one index computation and one load instead of a bisection (each
//! storage load is a loop over the lanes on lavapipe, see docs/PERFORMANCE.md). The resampled
//! table is the same function: every grid point inside a segment lies on that segment's line.

use super::atmosphere::uniform_lerp;

/// Most grid points a resampled table may have (the kernel's copy takes a vec4 a segment in the
/// constants buffer: 32 bytes in f64, 16 in f32).
pub const MAX_UNIFORM_NODES: usize = 65_536;

/// Linear interpolation in the ascending table (xs, ys), held constant beyond its ends.
pub fn held(x: f64, xs: &[f64], ys: &[f64]) -> f64 {
    let n = xs.len();
    if x <= xs[0] {
        return ys[0];
    }
    for i in 1..n {
        if x < xs[i] {
            let f = (x - xs[i - 1]) / (xs[i] - xs[i - 1]);
            return ys[i - 1] + f * (ys[i] - ys[i - 1]);
        }
    }
    ys[n - 1]
}

/// A table's values on the grid x0 + k dx, k = 0..ys.len(), held beyond the last point.
#[derive(Debug, Clone, PartialEq)]
pub struct UniformTable {
    pub x0: f64,
    pub dx: f64,
    pub ys: Vec<f64>,
}

impl UniformTable {
    /// The coarsest uniform grid through every node of the ascending table (xs, ys), with at
    /// most MAX_UNIFORM_NODES points; None when the nodes lie on no such grid (a node offset
    /// must be an integer multiple of the spacing to 1e-9 of a grid step).
    pub fn resample(xs: &[f64], ys: &[f64]) -> Option<UniformTable> {
        let n = xs.len();
        if n < 2 || ys.len() != n {
            return None;
        }
        let x0 = xs[0];
        let span = xs[n - 1] - x0;
        let gap = xs
            .windows(2)
            .map(|w| w[1] - w[0])
            .fold(f64::INFINITY, f64::min);
        if !(gap > 0.0 && span.is_finite()) {
            return None;
        }
        // Every node offset is an integer multiple of dx, so the smallest gap is too.
        for j in 1.. {
            let dx = gap / j as f64;
            let steps = (span / dx).round();
            if steps + 1.0 > MAX_UNIFORM_NODES as f64 {
                return None;
            }
            let on_grid = xs.iter().all(|&x| {
                let u = (x - x0) / dx;
                (u - u.round()).abs() <= 1e-9
            });
            if on_grid {
                let ys = (0..=steps as usize)
                    .map(|k| held(x0 + k as f64 * dx, xs, ys))
                    .collect();
                return Some(UniformTable { x0, dx, ys });
            }
        }
        None
    }

    /// The look-up the kernels do (`consts4_uniform_held` in shaders/atmosphere.wgsl, on the
    /// table's segments): linear interpolation, at x held to the table's range.
    pub fn lookup(&self, x: f64) -> f64 {
        let n = self.ys.len();
        let last = self.x0 + (n - 1) as f64 * self.dx;
        uniform_lerp(x.clamp(self.x0, last), self.x0, self.dx, n, |i| self.ys[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::physics::constants::{TAUBER_SUTTON_F, TAUBER_SUTTON_V_M_S};

    fn assert_same_function(xs: &[f64], ys: &[f64], t: &UniformTable) {
        let (lo, hi) = (xs[0] - 1.0, xs[xs.len() - 1] + 1.0);
        let scale = ys.iter().fold(0.0f64, |m, y| m.max(y.abs()));
        for i in 0..=10_000 {
            let x = lo + (hi - lo) * i as f64 / 10_000.0;
            let (a, b) = (held(x, xs, ys), t.lookup(x));
            // Both are one lerp in f64 on the same line: rounding, a few ulp of the largest value.
            assert!(
                (a - b).abs() <= 1e-13 * scale,
                "x {x}: table {a}, resampled {b}"
            );
        }
    }

    #[test]
    fn tauber_sutton_resamples_to_250_m_s() {
        let t = UniformTable::resample(&TAUBER_SUTTON_V_M_S, &TAUBER_SUTTON_F).unwrap();
        assert_eq!(t.dx, 250.0);
        assert_eq!(t.ys.len(), 30);
        assert_same_function(&TAUBER_SUTTON_V_M_S, &TAUBER_SUTTON_F, &t);
    }

    #[test]
    fn decimal_mach_nodes_resample_exactly() {
        let xs = [0.0, 0.8, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 40.0];
        let ys = [0.70, 0.85, 1.05, 1.25, 1.35, 1.42, 1.48, 1.50, 1.50];
        let t = UniformTable::resample(&xs, &ys).unwrap();
        assert!((t.dx - 0.1).abs() < 1e-15, "dx {}", t.dx);
        assert_eq!(t.ys.len(), 401);
        assert_same_function(&xs, &ys, &t);
    }

    #[test]
    fn nodes_on_no_grid_are_refused() {
        // sqrt(2) is no rational multiple of 1: no grid of 65,536 points contains both.
        assert!(UniformTable::resample(&[0.0, 1.0, 1.0 + 2f64.sqrt()], &[1.0, 2.0, 3.0]).is_none());
        assert!(UniformTable::resample(&[0.0], &[1.0]).is_none());
    }
}
