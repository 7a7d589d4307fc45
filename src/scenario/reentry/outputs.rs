//! From an engine's final state row to the per-sample outputs of DESIGN.md, in f64 on the host
//! (the same code for both engines): status, peaks, drogue, landing point and ranges.

use super::config::DROGUE_MAX_MACH;
use super::layout::*;
use super::model::{Model, Params, P_AZ, P_LAT, P_LON, P_RADIUS};
use crate::physics::geodesy::cartesian_to_geodetic_m;
use crate::physics::geodesy::{crossrange_km, east_north_km, great_circle_km, wgs84_geodetic_deg};
use crate::scenario::{Probability, SampleOutputs};

/// Output columns after the dispersed inputs: name and unit.
pub const METRICS: [(&str, &str); 34] = [
    ("peak_g", "g0 (9.80665 m/s^2)"),
    ("peak_heat_flux_w_cm2", "W/cm^2"),
    ("peak_conv_heat_flux_w_cm2", "W/cm^2"),
    ("peak_rad_heat_flux_w_cm2", "W/cm^2"),
    ("heat_load_j_cm2", "J/cm^2"),
    ("time_peak_g_s", "s"),
    ("time_peak_heat_s", "s"),
    ("drogue_altitude_km", "km"),
    ("drogue_dynamic_pressure_pa", "Pa"),
    ("landing_lat_deg", "deg"),
    ("landing_lon_deg", "deg"),
    ("downrange_km", "km"),
    ("crossrange_km", "km"),
    ("time_of_flight_s", "s"),
    ("steps", "1"),
    ("rejected_steps", "1"),
    ("drogue_time_s", "s"),
    ("main_time_s", "s"),
    ("touchdown_speed_m_s", "m/s"),
    ("miss_distance_km", "km"),
    ("miss_downrange_km", "km"),
    ("miss_crossrange_km", "km"),
    ("drogue_open_mach", "1"),
    ("drogue_open_dynamic_pressure_pa", "Pa"),
    ("main_open_dynamic_pressure_pa", "Pa"),
    ("drogue_open_altitude_km", "km"),
    ("main_open_altitude_km", "km"),
    ("peak_dynamic_pressure_pa", "Pa"),
    ("time_peak_dynamic_pressure_s", "s"),
    ("altitude_peak_g_km", "km"),
    ("mach_peak_g", "1"),
    ("altitude_peak_heat_km", "km"),
    ("mach_peak_heat", "1"),
    ("touchdown_vertical_speed_m_s", "m/s"),
];
pub const N_METRICS: usize = METRICS.len();
const METRIC_NAMES: [&str; N_METRICS] = crate::scenario::column_names(&METRICS);
/// A column's index by its name, at compile time: a misspelt name fails the build.
const fn col(name: &str) -> usize {
    crate::scenario::index_of(&METRIC_NAMES, name)
}
pub const M_PEAK_G: usize = col("peak_g");
pub const M_PEAK_Q: usize = col("peak_heat_flux_w_cm2");
pub const M_PEAK_QD: usize = col("peak_dynamic_pressure_pa");
pub const M_DROGUE_OPEN_Q: usize = col("drogue_open_dynamic_pressure_pa");
pub const M_MAIN_OPEN_Q: usize = col("main_open_dynamic_pressure_pa");
pub const M_LAT: usize = col("landing_lat_deg");
pub const M_LON: usize = col("landing_lon_deg");
pub const M_DROGUE_TIME: usize = col("drogue_time_s");
pub const M_MAIN_TIME: usize = col("main_time_s");
pub const M_TOUCHDOWN_SPEED: usize = col("touchdown_speed_m_s");

pub const STATUS_NAMES: [&str; 5] = [
    "running",
    "landed",
    "skipped_out",
    crate::scenario::TIMEOUT,
    "failed",
];

/// Whether a sample that did not fail has an outcome for probability `p`. A flight that landed
/// or skipped out has one. A flight the time limit stopped has one where what it flew settles
/// it, judged by what it reached, never by its value (counting a timeout whose peak already
/// passed its limit, and leaving out the others, loaded the count with hits: P(peak g beyond
/// 40) read 1.0 at a 75 s limit where whole flights give 0.78, a review):
/// - a canopy's opening load: once that canopy has opened (a slow descent times out under
///   its canopies with both loads known: leaving every timeout out read P(main load beyond
///   640 Pa) 0.625 where the whole flights give 0.469, a review);
/// - skip-out and the peaks, watched until the first canopy opens: once the drogue has opened
///   (a drogue that opens before a peak fails its sample: `drogue_misopened`). With no
///   parachutes nothing marks the end of the pulse (the drogue's Mach number can be reached
///   before it, by an entry slower than Mach 5: a review), so such a timeout is left out.
pub fn decided(p: &Probability, o: &SampleOutputs, chutes: bool) -> bool {
    if o.status != ST_TIMEOUT {
        return true;
    }
    match *p {
        Probability::Above { metric, .. }
            if metric == M_DROGUE_OPEN_Q || metric == M_MAIN_OPEN_Q =>
        {
            o.metrics[metric].is_some()
        }
        _ => chutes && o.metrics[col("drogue_time_s")].is_some(),
    }
}

/// The names of the watched maxima that `drogue_misopened` holds to their peak, in W_* order:
/// all but the dynamic pressure (W_QD, the last).
const WATCH_NAMES: [&str; W_QD] = [
    "deceleration",
    "total heat flux",
    "convective heat flux",
    "radiative heat flux",
];

/// Why a sample's drogue opened where its outputs cannot be trusted, if it did; such a sample
/// is failed with this reason. The maxima are watched only until the first canopy opens (a
/// canopy adds its whole drag area at once, with no opening load to watch), so:
/// - above [`DROGUE_MAX_MACH`], hypersonic, no parachute model holds, and a pulse still to
///   come would go unwatched (a lofting entry's drogue opening in the loft, a review found);
/// - before a watched quantity has passed its peak (a g-switch with a short timer), the pulse
///   would be reported cut off at the opening. The test, once the finishing pass has refined
///   the maxima: a maximum located at or after the opening. Its search window reaches a
///   quarter step past the last watched step, which ends where the drogue opens, so a
///   quantity still rising there peaks beyond it, and a peak passed inside that step is
///   located before it. Relative 1e-6 covers f32's rounding.
pub fn drogue_misopened(s: &[f64], g_switch: bool) -> Option<String> {
    let t_open = s[S_T_DROGUE];
    if t_open < 0.0 || s[S_FINISHED] != 1.0 {
        return None;
    }
    // A trigger at Mach 5 opens there within the located trigger's error (f64 measured 3e-6
    // relative, f32 3e-4: tests/parachutes.rs, tests/gpu_cpu.rs): 1e-3 keeps it clear.
    let mach = s[S_DROGUE_OPEN_MACH];
    if mach > DROGUE_MAX_MACH * (1.0 + 1e-3) {
        return Some(format!(
            "the drogue opened at Mach {mach:.3} ({t_open:.2} s), above Mach \
             {DROGUE_MAX_MACH}, where no parachute model holds and a later pulse would go \
             unwatched (the peaks are watched until the first canopy opens): give {}",
            if g_switch {
                "a longer parachutes.drogue_delay_s"
            } else {
                "a lower parachutes.drogue_deploy_mach"
            }
        ));
    }
    // Not the dynamic pressure: the drogue's opening load is its value there
    // (drogue_open_dynamic_pressure_pa), and on a slow entry, whose Cd falls through Mach 5-1,
    // it can still rise where a g-switch opens the drogue after the deceleration's peak (its
    // windows end at the opening: cpu.rs `finish`).
    let w = (0..W_QD).find(|&w| s[S_T_PEAK + w] >= t_open - 1e-6 * t_open.max(1.0))?;
    let advice = if g_switch {
        "a longer parachutes.drogue_delay_s"
    } else {
        "a lower parachutes.drogue_deploy_mach or a longer parachutes.drogue_delay_s"
    };
    Some(format!(
        "the drogue opened at {t_open:.2} s, before the {} had passed its peak (the peaks are \
         watched until the first canopy opens): give {advice}",
        WATCH_NAMES[w]
    ))
}

pub fn sample_outputs(model: &Model, p: &Params, s: &[f64]) -> SampleOutputs {
    let status = s[S_STATUS] as u32;
    let mut m = vec![None; N_METRICS];
    if status == ST_FAILED || status == ST_RUNNING || drogue_misopened(s, model.g_switch).is_some()
    {
        // No flight: a B-plane delivery that never reaches the interface (Model::unphysical's
        // first reason).
        let no_flight = status == ST_FAILED && model.missed_interface(p);
        return SampleOutputs {
            status: ST_FAILED,
            metrics: m,
            no_flight,
        };
    }
    m[col("peak_g")] = Some(s[S_PEAK_G]);
    m[col("peak_heat_flux_w_cm2")] = Some(s[S_PEAK_Q]);
    m[col("peak_conv_heat_flux_w_cm2")] = Some(s[S_PEAK_QC]);
    m[col("peak_rad_heat_flux_w_cm2")] = Some(s[S_PEAK_QR]);
    m[col("heat_load_j_cm2")] = Some(s[S_HEAT_LOAD]);
    m[col("time_peak_g_s")] = Some(s[S_T_PEAK_G]);
    m[col("time_peak_heat_s")] = Some(s[S_T_PEAK_Q]);
    m[col("peak_dynamic_pressure_pa")] = Some(s[S_PEAK_QD]);
    m[col("time_peak_dynamic_pressure_s")] = Some(s[S_T_PEAK_QD]);
    // Where the peak g and the peak heat flux were located (geodetic altitude, Mach number
    // relative to the air); null where no window held the located time.
    for (w, alt, mach) in [
        (W_G, "altitude_peak_g_km", "mach_peak_g"),
        (W_Q, "altitude_peak_heat_km", "mach_peak_heat"),
    ] {
        // Against half the sentinel: an f32 engine's -1e30 reads back as -1.0000000150e30.
        let a = S_AT_PEAK + 2 * w;
        if s[a] > 0.5 * NO_PEAK && s[S_PEAK + w] > 0.5 * NO_PEAK {
            m[col(alt)] = Some(s[a] / 1000.0);
            m[col(mach)] = Some(s[a + 1]);
        }
    }
    if s[S_DROGUE_DONE] == 1.0 {
        m[col("drogue_altitude_km")] = Some(s[S_DROGUE_ALT] / 1000.0);
        m[col("drogue_dynamic_pressure_pa")] = Some(s[S_DROGUE_QDYN]);
    }
    if status == ST_LANDED {
        let t = s[S_T];
        let (lat, lon) = landing_point_deg(model, [s[S_R], s[S_R + 1], s[S_R + 2]], t);
        m[M_LAT] = Some(lat);
        m[M_LON] = Some(lon);
        m[col("downrange_km")] = Some(great_circle_km(p[P_LAT], p[P_LON], lat, lon));
        m[col("crossrange_km")] = Some(crossrange_km(p[P_LAT], p[P_LON], p[P_AZ], lat, lon));
        m[col("time_of_flight_s")] = Some(t);
        m[col("touchdown_speed_m_s")] = Some(ground_speed_m_s(
            model.consts[C_OMEGA],
            &s[S_R..S_R + 3],
            &s[S_V..S_V + 3],
        ));
        m[col("touchdown_vertical_speed_m_s")] = Some(sink_rate_m_s(model, p, s));
        // From the target, azimuthal equidistant about it: along the ground track's heading there
        // (from the nominal entry point) and across it, positive to the right.
        if let Some((t_lat, t_lon, heading)) = model.target {
            let (e, n) = east_north_km(t_lat, t_lon, lat, lon);
            let (sh, ch) = heading.to_radians().sin_cos();
            m[col("miss_distance_km")] = Some(e.hypot(n));
            m[col("miss_downrange_km")] = Some(e * sh + n * ch);
            m[col("miss_crossrange_km")] = Some(e * ch - n * sh);
        }
    }
    m[col("steps")] = Some(s[S_STEPS]);
    m[col("rejected_steps")] = Some(s[S_REJECTED]);
    if s[S_T_DROGUE] >= 0.0 {
        m[col("drogue_time_s")] = Some(s[S_T_DROGUE]);
        m[col("drogue_open_mach")] = Some(s[S_DROGUE_OPEN_MACH]);
        m[col("drogue_open_dynamic_pressure_pa")] = Some(s[S_DROGUE_OPEN_QDYN]);
        m[col("drogue_open_altitude_km")] = Some(s[S_DROGUE_OPEN_ALT] / 1000.0);
    }
    if s[S_T_MAIN] >= 0.0 {
        m[col("main_time_s")] = Some(s[S_T_MAIN]);
        m[col("main_open_dynamic_pressure_pa")] = Some(s[S_MAIN_OPEN_QDYN]);
        m[col("main_open_altitude_km")] = Some(s[S_MAIN_OPEN_ALT] / 1000.0);
    }
    SampleOutputs {
        status,
        metrics: m,
        no_flight: false,
    }
}

/// Velocity [m/s] against the ground (the Earth-fixed frame, turning at `omega` [rad/s] about
/// z), in inertial axes: the inertial velocity `v` less the rotation's at `r`.
fn ground_velocity(omega: f64, r: &[f64], v: &[f64]) -> [f64; 3] {
    [v[0] + omega * r[1], v[1] - omega * r[0], v[2]]
}

/// Speed [m/s] against the ground ([`ground_velocity`]'s length).
pub fn ground_speed_m_s(omega: f64, r: &[f64], v: &[f64]) -> f64 {
    let g = ground_velocity(omega, r, v);
    (g[0] * g[0] + g[1] * g[1] + g[2] * g[2]).sqrt()
}

/// The sink rate at touchdown [m/s, positive down]: the ground-relative velocity
/// ([`ground_velocity`]) along the geodetic vertical at the touchdown point, the landing
/// load's speed, which the ground speed mixes with the wind's drift (an analyst's trial:
/// 9.0 m/s against the ground, 4.5 m/s of it down under the main).
pub fn sink_rate_m_s(model: &Model, p: &Params, s: &[f64]) -> f64 {
    let (r, v) = (&s[S_R..S_R + 3], &s[S_V..S_V + 3]);
    let g = ground_velocity(model.consts[C_OMEGA], r, v);
    let (_, cp, sp) = crate::physics::geodesy::geodetic_frame(
        [r[0], r[1], r[2]],
        p[P_RADIUS],
        model.consts[C_E2],
        model.consts[C_E2_B],
        model.consts[C_E2_EP],
    );
    let rxy = r[0].hypot(r[1]);
    let up = [cp * r[0] / rxy, cp * r[1] / rxy, sp];
    -(g[0] * up[0] + g[1] * up[1] + g[2] * up[2])
}

/// Geodetic latitude/longitude [deg] of an inertial position at time t after the epoch: the
/// inertial frame is Earth-fixed at t = 0, so the Earth has turned by omega t since.
pub fn landing_point_deg(model: &Model, r_eci: [f64; 3], t: f64) -> (f64, f64) {
    let th = model.consts[C_OMEGA] * t;
    let (s, c) = th.sin_cos();
    let r = [
        c * r_eci[0] + s * r_eci[1],
        -s * r_eci[0] + c * r_eci[1],
        r_eci[2],
    ];
    let e2 = model.consts[C_E2];
    let (lat, lon) = if e2 > 0.0 {
        let (la, lo, _) = wgs84_geodetic_deg(r);
        (la, lo)
    } else {
        let (la, lo, _) = cartesian_to_geodetic_m(r, 1.0, 0.0);
        (la.to_degrees(), lo.to_degrees())
    };
    (lat, lon)
}
