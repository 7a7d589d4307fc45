//! Three-vector arithmetic on `[f64; 3]`, shared by the host models and the CPU reference.

pub fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

pub fn norm(a: [f64; 3]) -> f64 {
    dot(a, a).sqrt()
}

pub fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

pub fn scale(a: [f64; 3], k: f64) -> [f64; 3] {
    [a[0] * k, a[1] * k, a[2] * k]
}

/// a + k b
pub fn add(a: [f64; 3], b: [f64; 3], k: f64) -> [f64; 3] {
    [a[0] + k * b[0], a[1] + k * b[1], a[2] + k * b[2]]
}

pub fn unit(a: [f64; 3]) -> [f64; 3] {
    scale(a, 1.0 / norm(a))
}

/// atan2(y, x) in (-pi, pi] from arithmetic and sqrt alone, as the shaders compute it where the
/// adapter's f64 trigonometry is missing (prelude_f64.wgsl `ratan2`, the same operations): two
/// half-angle reductions to |u| <= tan(pi/16), then the series to u^25 (remainder < 1e-19).
pub fn atan2_arith(y: f64, x: f64) -> f64 {
    let r = (x * x + y * y).sqrt();
    if r == 0.0 {
        return 0.0;
    }
    // tan(theta/2) = y / (r + x) for x >= 0; for x < 0, theta = sign(y) pi - 2 atan(y / (r - x)).
    let (u, base, k) = if x >= 0.0 {
        (y / (r + x), 0.0, 2.0)
    } else if y == 0.0 {
        return std::f64::consts::PI;
    } else {
        (y / (r - x), std::f64::consts::PI.copysign(y), -2.0)
    };
    base + k * atan_unit(u)
}

/// The small angles of [`atan2_arith`] with less work: when x > 0 and |tan(theta/2)| <= 1/16
/// (|theta| <= 7.15 deg), the series of atan(tan(theta/2)) to u^13 without the two further
/// half-angle reductions (the first term left out, u^15/15, is below 2^-59 |u|, under half an
/// ulp); `atan2_arith` otherwise. For the phase's change within a step, which is a few degrees
/// at most (prelude_f64.wgsl `ratan2_small`, the same operations).
pub fn atan2_small(y: f64, x: f64) -> f64 {
    if x > 0.0 {
        let u = y / ((x * x + y * y).sqrt() + x);
        if u.abs() <= SMALL_TAN_HALF {
            return 2.0 * u * atan_series(u * u, 7);
        }
    }
    atan2_arith(y, x)
}

/// The largest tan(theta/2) that [`atan2_small`] takes its short series for.
const SMALL_TAN_HALF: f64 = 0.0625;

/// atan(u) for |u| <= 1 (see [`atan2_arith`]).
fn atan_unit(u: f64) -> f64 {
    let u1 = u / (1.0 + (1.0 + u * u).sqrt());
    let u2 = u1 / (1.0 + (1.0 + u1 * u1).sqrt());
    4.0 * u2 * atan_series(u2 * u2, 13)
}

/// sum_{k < terms} (-1)^k z^k / (2k + 1) by Horner, so that atan(u) = u atan_series(u^2, terms)
/// (prelude_f64.wgsl `ratan_series`, the same operations).
fn atan_series(z: f64, terms: i32) -> f64 {
    let mut s = 0.0;
    for k in (0..terms).rev() {
        let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
        s = sign / (2 * k + 1) as f64 + z * s;
    }
    s
}

#[cfg(test)]
mod tests {
    use super::{atan2_arith, atan2_small};

    #[test]
    fn atan2_small_matches_the_library_atan2_on_both_sides_of_its_switch() {
        // Angles from 1e-12 rad to 30 deg either side of zero, radii as the phase's (cos, sin)
        // of unit vectors and larger: within 3 eps of the angle, relative (the series is below
        // half an ulp short of atan; the reduction's sqrt, sum and division each round, and so
        // does the library), no worse than atan2_arith, and the same as atan2_arith beyond the
        // switch at 2 atan(1/16) = 7.15 deg.
        let switch = 2.0 * (1.0f64 / 16.0).atan();
        let mut worst_ulps: f64 = 0.0;
        let mut worst_arith: f64 = 0.0;
        for k in 0..=30_000 {
            let th = 1e-12 * (30f64.to_radians() / 1e-12).powf(k as f64 / 30_000.0);
            for sgn in [1.0, -1.0] {
                for r in [1.0, 0.999_999, 3e11] {
                    let (y, x) = (r * (sgn * th).sin(), r * (sgn * th).cos());
                    let (got, want) = (atan2_small(y, x), y.atan2(x));
                    let ulp = f64::EPSILON * want.abs();
                    worst_ulps = worst_ulps.max((got - want).abs() / ulp);
                    worst_arith = worst_arith.max((atan2_arith(y, x) - want).abs() / ulp);
                    if th > switch * 1.000_001 {
                        assert_eq!(got, atan2_arith(y, x));
                    }
                }
            }
        }
        // Measured 2.8 eps (relative to the angle), atan2_arith 3.2 on the same grid.
        assert!(
            worst_ulps <= 3.0 && worst_ulps <= worst_arith,
            "{worst_ulps} eps against atan2_arith's {worst_arith}"
        );
        assert_eq!(atan2_small(0.0, 1.0), 0.0);
        assert_eq!(atan2_small(0.0, 0.0), 0.0);
        assert_eq!(atan2_small(0.0, -1.0), std::f64::consts::PI);
    }

    #[test]
    fn atan2_arith_matches_the_library_atan2() {
        // Every angle of a fine grid round the circle, near the axes and at +-pi, several
        // radii: within 1e-15 rad, two ulps of pi (4.4e-16 each): near +-pi the result is
        // pi - 2 atan(u), rounded at pi's ulp, against the library's own ~1 ulp. Measured 8.9e-16.
        let mut worst: f64 = 0.0;
        for k in 0..=20_000 {
            let th = -std::f64::consts::PI + std::f64::consts::TAU * k as f64 / 20_000.0;
            for r in [1e-3, 1.0, 3e11] {
                let (y, x) = (r * th.sin(), r * th.cos());
                worst = worst.max((atan2_arith(y, x) - y.atan2(x)).abs());
            }
        }
        for (y, x) in [
            (0.0, 1.0),
            (1e-300, -1.0),
            (-1e-300, -1.0),
            (0.0, -1.0),
            (1.0, 0.0),
        ] {
            worst = worst.max((atan2_arith(y, x) - f64::atan2(y, x)).abs());
        }
        assert!(worst < 1e-15, "{worst}");
        assert_eq!(atan2_arith(0.0, 0.0), 0.0);
    }
}
