//! The Moon's geocentric position from a short lunar series, and what it gives the cruise: the
//! Earth's place beside the Earth-Moon barycentre that `ephemeris` tabulates. Mean ecliptic and
//! equinox of J2000 [m, m/s].
//!
//! The series: O. Montenbruck and E. Gill, "Satellite Orbits" (Springer, 2000), section 3.3.2,
//! the largest terms of the Moon's longitude, latitude and distance in its mean arguments (l,
//! l', F, D), with the mean longitude's precession term that refers the longitude to the
//! equinox of J2000. Its latitude is taken from the ecliptic of date (they part by under 50" a
//! century, under the series' own error).
//!
//! Measured against ELP2000 (heyoka 7.13's `elp2000_cartesian_e2000`, untruncated, a scratch
//! script) every 1.37 days from 2026 to 2050: 185 km median and 518 km largest in position,
//! 2.8 m/s largest in velocity; over Standish's whole span, 1800-2050 (every 3.7
//! days), 574 km at most. The Earth sits the Moon's mass share (0.0122) of that from where the
//! series puts it: 7 km and 0.03 m/s at most.

use super::constants::EARTH_MU_M3_S2;
use super::ephemeris::{
    body_gm_m3_s2, body_state_tabulated, Body, DAY_S, J2000_JD, JULIAN_CENTURY_DAYS,
};

/// The Moon's share of the Earth-Moon system's GM: how far the Earth sits from the barycentre,
/// as a fraction of the Moon's geocentric distance (the GMs: docs/SOURCES.md).
pub fn moon_mass_fraction() -> f64 {
    let system = body_gm_m3_s2(Body::EarthMoonBary);
    (system - EARTH_MU_M3_S2) / system
}

/// The Moon's geocentric position at `jd_tdb` [m].
pub fn moon_position(jd_tdb: f64) -> [f64; 3] {
    let t = (jd_tdb - J2000_JD) / JULIAN_CENTURY_DAYS;
    let deg = |x: f64| x.to_radians();
    let arcsec = |x: f64| (x / 3600.0).to_radians();
    // Mean longitude (with -1.3972 deg a century of precession), the Moon's and the Sun's mean
    // anomalies, the argument of latitude and the mean elongation.
    let l0 = deg(218.316_17 + 481_267.880_88 * t - 1.3972 * t);
    let l = deg(134.962_92 + 477_198.867_53 * t);
    let lp = deg(357.525_43 + 35_999.049_44 * t);
    let f = deg(93.272_83 + 483_202.018_73 * t);
    let d = deg(297.850_27 + 445_267.111_35 * t);
    let s = f64::sin;
    let c = f64::cos;
    let lon = l0
        + arcsec(
            22_640.0 * s(l) + 769.0 * s(2.0 * l) - 4_586.0 * s(l - 2.0 * d) + 2_370.0 * s(2.0 * d)
                - 668.0 * s(lp)
                - 412.0 * s(2.0 * f)
                - 212.0 * s(2.0 * l - 2.0 * d)
                - 206.0 * s(l + lp - 2.0 * d)
                + 192.0 * s(l + 2.0 * d)
                - 165.0 * s(lp - 2.0 * d)
                + 148.0 * s(l - lp)
                - 125.0 * s(d)
                - 110.0 * s(l + lp)
                - 55.0 * s(2.0 * f - 2.0 * d),
        );
    let lat = arcsec(
        18_520.0 * s(f + lon - l0 + arcsec(412.0 * s(2.0 * f) + 541.0 * s(lp)))
            - 526.0 * s(f - 2.0 * d)
            + 44.0 * s(l + f - 2.0 * d)
            - 31.0 * s(-l + f - 2.0 * d)
            - 25.0 * s(-2.0 * l + f)
            - 23.0 * s(lp + f - 2.0 * d)
            + 21.0 * s(-l + f)
            + 11.0 * s(-lp + f - 2.0 * d),
    );
    let r_km = 385_000.0
        - 20_905.0 * c(l)
        - 3_699.0 * c(2.0 * d - l)
        - 2_956.0 * c(2.0 * d)
        - 570.0 * c(2.0 * l)
        + 246.0 * c(2.0 * l - 2.0 * d)
        - 205.0 * c(lp - 2.0 * d)
        - 171.0 * c(l + 2.0 * d)
        - 152.0 * c(l + lp - 2.0 * d);
    let r = r_km * 1e3;
    [
        r * lat.cos() * lon.cos(),
        r * lat.cos() * lon.sin(),
        r * lat.sin(),
    ]
}

/// The Moon's geocentric state at `jd_tdb` [m, m/s]: the velocity is the positions' central
/// difference over +-600 s (the truncation, r w^3 h^2 / 6 with the Moon's 2.7e-6 rad/s, is
/// under 1 mm/s).
pub fn moon_state(jd_tdb: f64) -> ([f64; 3], [f64; 3]) {
    let h_days = 600.0 / DAY_S;
    let (ja, jb) = (jd_tdb - h_days, jd_tdb + h_days);
    let (ra, rb) = (moon_position(ja), moon_position(jb));
    let dt = (jb - ja) * DAY_S;
    (
        moon_position(jd_tdb),
        std::array::from_fn(|k| (rb[k] - ra[k]) / dt),
    )
}

/// The Earth's state relative to the Earth-Moon barycentre at `jd_tdb` [m, m/s]: minus the
/// Moon's mass fraction of the Moon's geocentric state (4,300-4,950 km and 11.7-13.2 m/s).
pub fn earth_from_barycentre(jd_tdb: f64) -> ([f64; 3], [f64; 3]) {
    let k = moon_mass_fraction();
    let (r, v) = moon_state(jd_tdb);
    (r.map(|x| -k * x), v.map(|x| -k * x))
}

/// The Earth's heliocentric state at `jd_tdb` [m, m/s]: the barycentre's
/// ([`body_state_tabulated`]) and the Earth's offset from it.
pub fn earth_state(jd_tdb: f64) -> ([f64; 3], [f64; 3]) {
    let (rb, vb) = body_state_tabulated(Body::EarthMoonBary, jd_tdb);
    let (ro, vo) = earth_from_barycentre(jd_tdb);
    (
        std::array::from_fn(|k| rb[k] + ro[k]),
        std::array::from_fn(|k| vb[k] + vo[k]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::physics::vec3::norm;

    /// ELP2000's geocentric Moon (heyoka 7.13, `elp2000_cartesian_e2000` untruncated, mean
    /// ecliptic and equinox of J2000): JD (TDB), position [km], and velocity [m/s] as the
    /// positions' central difference over +-600 s, from 2026-12-01 to 2049-12-31.
    #[rustfmt::skip]
    const ELP2000: [(f64, [f64; 3], [f64; 3]); 6] = [
        (2461375.50, [-341674.5, 157944.6, -6762.2], [-485.60, -915.27, -90.51]),
        (2462137.25, [-70745.7, 370720.5, 1657.6], [-1014.53, -238.55, -96.36]),
        (2463602.75, [334617.2, -146107.9, 24638.5], [444.20, 974.54, -59.51]),
        (2465000.00, [362095.8, 144277.1, -31954.2], [-418.49, 918.39, -27.36]),
        (2467431.50, [348309.4, 126096.7, 9479.0], [-400.57, 974.45, 87.53]),
        (2469807.00, [368448.4, 72770.9, 25136.9], [-145.49, 1028.23, -59.69]),
    ];

    /// Within the series' measured accuracy of ELP2000 (518 km and 2.8 m/s at most over
    /// 2026-2050, every 1.37 days): bounds 600 km and 3.5 m/s.
    #[test]
    fn the_series_follows_elp2000() {
        for (jd, r_km, v) in ELP2000 {
            let (rs, vs) = moon_state(jd);
            let dr = norm(std::array::from_fn(|k| rs[k] / 1e3 - r_km[k]));
            let dv = norm(std::array::from_fn(|k| vs[k] - v[k]));
            eprintln!("JD {jd}: {dr:.0} km, {dv:.2} m/s");
            assert!(dr < 600.0 && dv < 3.5, "JD {jd}: {dr} km, {dv} m/s");
        }
    }

    /// Meeus, "Astronomical Algorithms" (2nd ed., 1998), example 47.a: on 1992 April 12, 0h TD
    /// (JD 2448724.5), the Moon at geometric longitude 133.162655 deg, latitude -3.229126 deg,
    /// 368,409.7 km, of the mean ecliptic and equinox of date. Referred to J2000 by the general
    /// precession in longitude (5029.0966" a century, IAU 1976), the latitude left of date (a
    /// few arcseconds). The series lands 63 km from it; the bound, 150 km, would catch the
    /// precession left out (661 km).
    #[test]
    fn the_series_meets_meeus_example_47a() {
        let jd = 2_448_724.5;
        let t = (jd - J2000_JD) / JULIAN_CENTURY_DAYS;
        let lon = (133.162_655 - 5_029.096_6 * t / 3600.0).to_radians();
        let lat = f64::to_radians(-3.229_126);
        let r = 368_409.7e3;
        let meeus = [
            r * lat.cos() * lon.cos(),
            r * lat.cos() * lon.sin(),
            r * lat.sin(),
        ];
        let p = moon_position(jd);
        let d_km = norm(std::array::from_fn(|k| p[k] - meeus[k])) / 1e3;
        eprintln!("Meeus 47.a: {d_km:.0} km");
        assert!(d_km < 150.0, "{d_km} km");
    }

    /// The Earth's offset: the Moon's mass share of its distance (356,000-407,000 km) and of its
    /// speed (0.96-1.09 km/s), on the far side of the barycentre. The share from the GMs
    /// against DE440's Earth/Moon mass ratio, 81.3006: 1 / 82.3006 = 0.0121506.
    #[test]
    fn the_earth_sits_on_the_far_side_of_the_barycentre() {
        // 1e-6: the GMs' own digits (the system's is given to 8).
        assert!((moon_mass_fraction() - 1.0 / 82.300_6).abs() < 1e-6);
        for (jd, _, _) in ELP2000 {
            let (re, ve) = earth_from_barycentre(jd);
            let (rm, _) = moon_state(jd);
            let (km, m_s) = (norm(re) / 1e3, norm(ve));
            assert!((4_300.0..4_950.0).contains(&km), "{km} km");
            assert!((11.6..13.3).contains(&m_s), "{m_s} m/s");
            assert!(crate::physics::vec3::dot(re, rm) < 0.0);
        }
    }
}
