//! The Earth's orientation at an epoch: the rotation from the EME2000 frame (mean equator and
//! equinox of J2000, the frame of navigation deliveries) to the Earth-fixed frame, as precession
//! (IAU 1976: Lieske et al. 1977) then the Greenwich mean sidereal time (IAU 1982: Aoki et al.
//! 1982).
//!
//! Left out, and what each costs at the entry interface (6,500 km from the centre):
//! - nutation, up to ~17" in longitude and ~9" in obliquity: up to ~0.55 km;
//! - UT1 - UTC (kept under 0.9 s by leap seconds): up to ~13" of rotation, ~0.4 km;
//! - polar motion, ~0.3": ~10 m.
//!
//! An analyst who aims with `dispersa target` on the same config absorbs all of these in the
//! aim point; they matter only when an aim from elsewhere is flown here unchanged.

/// JD of J2000.0 (TDB, and TT to 2 ms).
const J2000_JD: f64 = 2_451_545.0;
const ARCSEC_RAD: f64 = std::f64::consts::PI / (180.0 * 3600.0);

type Matrix = [[f64; 3]; 3];

/// Greenwich mean sidereal time [rad] at a UT1 Julian date (IAU 1982, in the form of Meeus,
/// Astronomical Algorithms, eq. 12.4).
pub fn gmst_rad(jd_ut1: f64) -> f64 {
    let d = jd_ut1 - J2000_JD;
    let t = d / 36_525.0;
    let deg =
        280.460_618_37 + 360.985_647_366_29 * d + 0.000_387_933 * t * t - t * t * t / 38_710_000.0;
    deg.rem_euclid(360.0).to_radians()
}

/// Precession from EME2000 to the mean equator and equinox of date (IAU 1976), at a TDB Julian
/// date: P = R3(-z) R2(theta) R3(-zeta), applied as r_date = P r_J2000.
pub fn precession(jd_tdb: f64) -> Matrix {
    let t = (jd_tdb - J2000_JD) / 36_525.0;
    let zeta = (2306.2181 * t + 0.30188 * t * t + 0.017998 * t * t * t) * ARCSEC_RAD;
    let z = (2306.2181 * t + 1.09468 * t * t + 0.018203 * t * t * t) * ARCSEC_RAD;
    let theta = (2004.3109 * t - 0.42665 * t * t - 0.041833 * t * t * t) * ARCSEC_RAD;
    mul(mul(r3(-z), r2(theta)), r3(-zeta))
}

/// EME2000 -> Earth-fixed at a TDB Julian date: the mean sidereal rotation after precession.
/// UT1 is taken as UTC (hifitime's leap seconds; see the module doc for what that leaves out).
pub fn eme2000_to_earth_fixed(jd_tdb: f64) -> Matrix {
    let jd_ut1 = hifitime::Epoch::from_jde_tdb(jd_tdb).to_jde_utc_days();
    mul(r3(gmst_rad(jd_ut1)), precession(jd_tdb))
}

/// A frame rotation by `a` about z: the coordinates, in the turned frame, of a fixed vector.
fn r3(a: f64) -> Matrix {
    let (s, c) = a.sin_cos();
    [[c, s, 0.0], [-s, c, 0.0], [0.0, 0.0, 1.0]]
}

/// A frame rotation by `a` about y.
fn r2(a: f64) -> Matrix {
    let (s, c) = a.sin_cos();
    [[c, 0.0, -s], [0.0, 1.0, 0.0], [s, 0.0, c]]
}

fn mul(a: Matrix, b: Matrix) -> Matrix {
    std::array::from_fn(|i| std::array::from_fn(|j| (0..3).map(|k| a[i][k] * b[k][j]).sum()))
}

/// `m` times the column vector `v`.
pub fn apply(m: &Matrix, v: [f64; 3]) -> [f64; 3] {
    std::array::from_fn(|i| m[i][0] * v[0] + m[i][1] * v[1] + m[i][2] * v[2])
}

/// The transpose of `m` (its inverse: `m` is a rotation) times `v`.
pub fn apply_transpose(m: &Matrix, v: [f64; 3]) -> [f64; 3] {
    std::array::from_fn(|i| m[0][i] * v[0] + m[1][i] * v[1] + m[2][i] * v[2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gmst_matches_the_almanac_example() {
        // Meeus, example 12.a: 1987 April 10, 0h UT: GMST = 13h10m46.3668s.
        let expect = (13.0 + 10.0 / 60.0 + 46.3668 / 3600.0) * 15.0;
        let got = gmst_rad(2_446_895.5).to_degrees();
        assert!((got - expect).abs() < 1e-6, "{got} vs {expect}");
        // Example 12.b: 1987 April 10, 19h21m00s UT: 8h34m57.0896s.
        let jd = 2_446_895.5 + (19.0 + 21.0 / 60.0) / 24.0;
        let expect = (8.0 + 34.0 / 60.0 + 57.0896 / 3600.0) * 15.0;
        assert!((gmst_rad(jd).to_degrees() - expect).abs() < 1e-6);
    }

    #[test]
    fn precession_matches_the_almanac_example() {
        // Meeus, example 21.b: theta Persei from J2000.0 to 2028 November 13.19 TD:
        // (41.054063, 49.227750) deg -> (41.547214, 49.348483) deg (mean place, rigorous).
        let jd = 2_462_088.69;
        let (ra, dec) = (41.054_063_f64.to_radians(), 49.227_750_f64.to_radians());
        let u = [dec.cos() * ra.cos(), dec.cos() * ra.sin(), dec.sin()];
        let w = apply(&precession(jd), u);
        let ra2 = w[1].atan2(w[0]).to_degrees();
        let dec2 = w[2].asin().to_degrees();
        // Meeus quotes the results to 1e-6 deg.
        assert!((ra2 - 41.547_214).abs() < 2e-6, "{ra2}");
        assert!((dec2 - 49.348_483).abs() < 2e-6, "{dec2}");
    }

    #[test]
    fn rotation_is_orthonormal_and_its_transpose_inverts_it() {
        let m = eme2000_to_earth_fixed(2_461_364.625);
        let v = [1.0, -2.0, 3.0];
        let back = apply_transpose(&m, apply(&m, v));
        for k in 0..3 {
            assert!((back[k] - v[k]).abs() < 1e-14);
        }
    }
}
