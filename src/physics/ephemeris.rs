//! Analytic heliocentric positions of the Earth-Moon barycentre, Mars and Jupiter, in the mean
//! ecliptic and equinox of J2000 [m, m/s] (comet 311P's propagated ephemeris: `comet`).
//!
//! Planets: E. M. Standish, "Keplerian Elements for Approximate Positions of the Major Planets"
//! (JPL Solar System Dynamics, https://ssd.jpl.nasa.gov/planets/approx_pos.html), Table 1:
//! elements and rates per Julian century from J2000, a best fit over 1800-2050. JPL's stated
//! nominal errors for that interval (heliocentric longitude, latitude, distance):
//! EM barycentre 20", 8", 6000 km; Mars 40", 2", 25 000 km; Jupiter 400", 10", 600 000 km.
//! Outside 1800-2050 the elements are not valid (Table 2 would be needed).
//! The GMs: docs/SOURCES.md.

use super::kepler::{elements_to_state, wrap_pi, Elements, AU_M, SUN_MU_M3_S2};

/// J2000.0 epoch, JD 2451545.0 (TDB).
pub const J2000_JD: f64 = 2_451_545.0;
/// Days in a Julian century.
pub const JULIAN_CENTURY_DAYS: f64 = 36_525.0;
/// Seconds per day.
pub const DAY_S: f64 = 86_400.0;

/// Bodies of Standish's Table 1 the cruise needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// Earth-Moon barycentre ("EM Bary" in the table).
    EarthMoonBary,
    Mars,
    /// Jupiter (planet or system barycentre: they differ by far less than the table error).
    Jupiter,
}

/// One body's row pair of Table 1: values at J2000 and rates per Julian century, in the table's
/// units: a [au], e [-], I [deg], L mean longitude [deg], long. of perihelion [deg],
/// long. of the ascending node [deg].
struct StandishRow {
    value: [f64; 6],
    rate: [f64; 6],
}

// Table 1, mean ecliptic and equinox of J2000, valid 1800 AD - 2050 AD (JPL, Standish), digit
// for digit: value at J2000, rate per Julian century.
//          a [au]       e            I [deg]       L [deg]          long.peri.    long.node.
#[rustfmt::skip]
const EM_BARY: StandishRow = StandishRow {
    value: [ 1.00000261,  0.01671123, -0.00001531,   100.46457166, 102.93768193,   0.0       ],
    rate:  [ 0.00000562, -0.00004392, -0.01294668, 35999.37244981,   0.32327364,   0.0       ],
};
#[rustfmt::skip]
const MARS: StandishRow = StandishRow {
    value: [ 1.52371034,  0.09339410,  1.84969142,    -4.55343205, -23.94362959,  49.55953891],
    rate:  [ 0.00001847,  0.00007882, -0.00813131, 19140.30268499,   0.44441088,  -0.29257343],
};
#[rustfmt::skip]
const JUPITER: StandishRow = StandishRow {
    value: [ 5.20288700,  0.04838624,  1.30439695,    34.39644051,  14.72847983, 100.47390909],
    rate:  [-0.00011607, -0.00013253, -0.00183714,  3034.74612775,   0.21252668,   0.20469106],
};

fn row(body: Body) -> &'static StandishRow {
    match body {
        Body::EarthMoonBary => &EM_BARY,
        Body::Mars => &MARS,
        Body::Jupiter => &JUPITER,
    }
}

/// GM of the body's system [m^3/s^2] (docs/SOURCES.md): Earth+Moon 4.0350323e14, Mars system
/// 4.282837e13, Jupiter system 1.26712764e17. For a flyby at Earth itself use the Earth's GM
/// (`constants::EARTH_MU_M3_S2`); the Moon is far from the periapsis.
pub fn body_gm_m3_s2(body: Body) -> f64 {
    match body {
        Body::EarthMoonBary => 4.035_032_3e14,
        Body::Mars => 4.282_837e13,
        Body::Jupiter => 1.267_127_64e17,
    }
}

/// Standish Table 1 elements of `body` at `jd_tdb`, as [`Elements`] in metres and radians:
/// each element is value + rate x T (T in Julian centuries from J2000), then
/// argp = long.peri - long.node and M = L - long.peri wrapped to [-180, 180) deg. (Table 1 needs
/// no extra terms in M; those of Table 2b belong to the 3000 BC - 3000 AD fit.)
/// The EM barycentre's tabulated inclination is slightly negative with node 0; it is kept as
/// given ([`elements_to_state`] accepts it).
pub fn body_elements(body: Body, jd_tdb: f64) -> Elements {
    let t = (jd_tdb - J2000_JD) / JULIAN_CENTURY_DAYS;
    let r = row(body);
    let el: [f64; 6] = std::array::from_fn(|k| r.value[k] + r.rate[k] * t);
    let [a_au, e, i_deg, l_deg, peri_deg, node_deg] = el;
    Elements {
        a_m: a_au * AU_M,
        e,
        i_rad: i_deg.to_radians(),
        raan_rad: node_deg.to_radians(),
        argp_rad: (peri_deg - node_deg).to_radians(),
        mean_anomaly_rad: wrap_pi((l_deg - peri_deg).to_radians()),
    }
}

/// Heliocentric ecliptic-J2000 state of `body` at `jd_tdb`: position [m] from Standish's
/// Table 1 and velocity [m/s] from the two-body relation on the osculating ellipse of those
/// elements with mu = Sun GM. The velocity neglects the element rates (the perihelion and node
/// drift and the difference between the tabulated L rate and the Keplerian mean motion, a few
/// 1e-6 relative for the EMB, 1.5e-5 for Mars, 4.5e-4 for Jupiter) and the planet's own mass in
/// mu (5e-4 relative for Jupiter), so it is good to ~1e-5 (EMB, Mars) and ~1e-3 (Jupiter,
/// ~10 m/s) relative: ample for a patched-conic v_inf budget, not for orbit determination.
pub fn body_state(body: Body, jd_tdb: f64) -> ([f64; 3], [f64; 3]) {
    elements_to_state(&body_elements(body, jd_tdb), SUN_MU_M3_S2)
}

/// [`body_state`]'s position with the velocity of the positions themselves: their central
/// difference over +-0.01 day (divided by the difference of the two rounded dates, so the
/// dates' rounding cancels; the truncation, a third derivative times dt^2 / 6, is below
/// 1 mm/s). The table the engines interpolate by cubic Hermite between daily nodes is built
/// from these: with the two-body velocity, 0.2 m/s (EMB) to ~10 m/s (Jupiter) off the
/// positions' rate, the curve left the positions between nodes by 2.1 km (EMB), 5.4 km (Mars)
/// and 48 km (Jupiter).
pub fn body_state_tabulated(body: Body, jd_tdb: f64) -> ([f64; 3], [f64; 3]) {
    let (r, _) = body_state(body, jd_tdb);
    let (ja, jb) = (jd_tdb - 0.01, jd_tdb + 0.01);
    let (ra, _) = body_state(body, ja);
    let (rb, _) = body_state(body, jb);
    let dt = (jb - ja) * DAY_S;
    (r, std::array::from_fn(|k| (rb[k] - ra[k]) / dt))
}

/// Julian date on the TDB scale for a UTC Gregorian calendar date and time (hifitime: its
/// leap-second table for UTC, its TDB for the periodic TDB - TT term). `month` 1-12, `day`
/// 1-31, `second` may carry a fraction.
pub fn jd_from_calendar_utc(
    year: i32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: f64,
) -> f64 {
    let whole = second.floor();
    let nanos = ((second - whole) * 1e9).round() as u32;
    hifitime::Epoch::from_gregorian_utc(
        year,
        month as u8,
        day as u8,
        hour as u8,
        minute as u8,
        whole as u8,
        nanos,
    )
    .to_jde_tdb_days()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_dates_map_to_known_julian_dates() {
        // TDB - UTC: 32.184 s + the leap seconds (32 in 2000, 37 since 2017), to the periodic
        // TDB - TT term (within 1.7 ms, 2e-8 d).
        let (then, now) = (64.184 / DAY_S, 69.184 / DAY_S);
        // J2000.0 is 2000-01-01 12:00 TT; the 1 Jan 2000 0h UT date is JD 2451544.5.
        assert!((jd_from_calendar_utc(2000, 1, 1, 12, 0, 0.0) - then - J2000_JD).abs() < 2e-8);
        assert!((jd_from_calendar_utc(2024, 1, 1, 0, 0, 0.0) - now - 2_460_310.5).abs() < 2e-8);
        assert!((jd_from_calendar_utc(2027, 3, 30, 0, 0, 0.0) - now - 2_461_494.5).abs() < 2e-8);
        // The 311P epoch, 2017-04-29.0.
        assert!((jd_from_calendar_utc(2017, 4, 29, 0, 0, 0.0) - now - 2_457_872.5).abs() < 2e-8);
        // A leap day and the day after.
        let d = jd_from_calendar_utc(2028, 3, 1, 0, 0, 0.0)
            - jd_from_calendar_utc(2028, 2, 29, 0, 0, 0.0);
        assert!((d - 1.0).abs() < 1e-9);
    }
}
