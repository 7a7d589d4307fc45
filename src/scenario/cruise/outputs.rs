//! From an engine's final state row to the cruise's per-sample outputs, in f64 on the host.

use super::config::SUN_FLOOR_AU;
use super::cpu::CruiseSample;
use super::layout::*;
use super::model::{Model, P_PROP, P_WET};
use crate::physics::ephemeris::DAY_S;
use crate::physics::epoch::{mjd_from_jd, MJD_TDB_UNIT};
use crate::physics::kepler::{state_to_elements, wrap_pi, AU_M, SUN_MU_M3_S2};
use crate::physics::vec3::{add, norm};
use crate::scenario::SampleOutputs;

pub const METRICS: [(&str, &str); 31] = [
    ("time_of_flight_days", "day"),
    ("rendezvous_mjd_tdb", MJD_TDB_UNIT),
    ("propellant_used_kg", "kg"),
    ("final_mass_kg", "kg"),
    ("propellant_margin_kg", "kg"),
    ("thrust_on_days", "day"),
    ("missed_thrust_days", "day"),
    ("a_error_au", "au"),
    ("e_error", "1"),
    ("i_error_deg", "deg"),
    ("node_error_deg", "deg"),
    ("argp_error_deg", "deg"),
    ("final_distance_km", "km"),
    ("flyby_vinf_out_km_s", "km/s"),
    ("min_sun_distance_au", "au"),
    ("max_sun_distance_au", "au"),
    ("final_epoch_mjd_tdb", MJD_TDB_UNIT),
    ("final_x_au", "au"),
    ("final_y_au", "au"),
    ("final_z_au", "au"),
    ("final_vx_km_s", "km/s"),
    ("final_vy_km_s", "km/s"),
    ("final_vz_km_s", "km/s"),
    ("closest_approach_km", "km"),
    ("closest_approach_mjd_tdb", MJD_TDB_UNIT),
    ("steps", "1"),
    ("rejected_steps", "1"),
    ("final_relative_speed_m_s", "m/s"),
    ("orbit_match_mjd_tdb", MJD_TDB_UNIT),
    ("coast_days", "day"),
    ("rendezvous_margin_kg", "kg"),
];
const METRIC_NAMES: [&str; METRICS.len()] = crate::scenario::column_names(&METRICS);
/// A column's index by its name, at compile time: a misspelt name fails the build.
const fn col(name: &str) -> usize {
    crate::scenario::index_of(&METRIC_NAMES, name)
}
pub const M_RENDEZVOUS_MJD: usize = col("rendezvous_mjd_tdb");
pub const M_PROP_USED: usize = col("propellant_used_kg");
pub const M_THRUST_ON: usize = col("thrust_on_days");
pub const M_ORBIT_MATCH_MJD: usize = col("orbit_match_mjd_tdb");
// The final state's columns are written as two runs of three.
const _: () = assert!(
    col("final_z_au") == col("final_x_au") + 2 && col("final_vz_km_s") == col("final_vx_km_s") + 2
);

/// Why a flight that ended in `s` is failed for passing too near the Sun, if it did.
/// Why a sample is failed that never flew although its inputs were in range: its safe-mode
/// outages overflowed `missed_thrust.max_events` (model.rs `pack_input` fails it so).
pub fn outage_overflow(model: &Model, s: &[f64]) -> Option<String> {
    (s[S_STEPS] == 0.0 && !s[S_M].is_finite()).then(|| {
        format!(
            "more safe-mode outages than missed_thrust.max_events = {} holds: raise it",
            model.max_events
        )
    })
}

pub fn sun_pass(s: &[f64]) -> Option<String> {
    let least = s[S_RMIN] / AU_M;
    (least < SUN_FLOOR_AU).then(|| {
        format!(
            "passed {least:.4} au from the Sun's centre, inside {SUN_FLOOR_AU} au, where the \
             models do not hold"
        )
    })
}

/// Why a failed dopri5 flight in `s` could not go on, if its step control gave up: it took
/// integrator.max_trials trial steps, or it cut the step below MIN_STEP_S. Near 180 degrees
/// of inclination of a flight under the Q-law (`qlaw`: the model's guidance, or the recording
/// of an open-loop profile), the reason names the Q-law's singularity.
pub fn stalled(model: &Model, qlaw: bool, s: &[f64]) -> Option<String> {
    if !model.method.is_adaptive() {
        return None;
    }
    let at = format!("{:.1} days after the departure", s[S_T] / DAY_S);
    // The Q-law's equinoctial elements are singular at 180 degrees of inclination: its
    // direction there varies within seconds, or is not finite.
    let r = [s[S_R], s[S_R + 1], s[S_R + 2]];
    let v = [s[S_V], s[S_V + 1], s[S_V + 2]];
    let i_deg = state_to_elements(r, v, SUN_MU_M3_S2).i_rad.to_degrees();
    let singular = (qlaw && i_deg > 179.0).then(|| {
        format!(
            "the orbit there is retrograde in the ecliptic (inclination {i_deg:.2} deg), where \
             the Q-law's equinoctial elements are singular"
        )
    });
    // A narrow hysteresis band lets the engine switch at nearly every step (at 0.0005 the
    // shipped nominal took 50,500 trials; with none it stalled: a new user's trial).
    let band = model.consts[C_ETA_HYST];
    let cut = model.qlaw.as_ref().map(|q| q.eta_cut);
    let narrow = || {
        (qlaw && cut.is_some_and(|c| c > 0.0) && band < 0.01).then(|| {
            format!(
                "the Q-law's hysteresis band is narrow (guidance.eta_hysteresis = {band}): the \
                 engine can switch between thrust and coast at nearly every step (0.02 is the \
                 default)"
            )
        })
    };
    // A Q-law that never coasts thrusts on as it nears its target orbit (the shipped nominal
    // with eta_cut = 0 stalled 1,837 days out, thrusting throughout, its errors in e, i and the
    // node under 0.004, 0.02 deg and 0.07 deg; with a cut of 0.01-0.05 it ran dry: a cruise
    // analyst's trial).
    // A band as wide as the cut does the same once the engine has started.
    let never_coasts = || {
        let cut = cut.filter(|c| qlaw && c - band <= 0.0)?;
        Some(format!(
            "the Q-law never coasts once thrusting (guidance.eta_cut = {cut} less \
             eta_hysteresis = {band} is not above 0): it thrusts on as the orbit nears its \
             target, where the step control can stall (the shipped cruise coasts below 0.25 - \
             0.07)"
        ))
    };
    let cap = model.consts[C_MAX_TRIALS];
    if s[S_STEPS] + s[S_REJECTED] >= cap {
        let why = singular.or_else(never_coasts).or_else(narrow).unwrap_or_else(|| {
            "without arriving, running out of propellant or reaching the time limit (for scale: \
             the shipped config's 10,000 flights took 1,772-5,049)"
                .into()
        });
        return Some(format!(
            "stalled: {cap:.0} trial steps ({} kept; integrator.max_trials) by {at}: {why}",
            s[S_STEPS]
        ));
    }
    (s[S_H] < MIN_STEP_S).then(|| {
        let why = singular.unwrap_or_else(|| {
            "no shorter step passed the error test, or the right-hand side was not finite".into()
        });
        format!(
            "stalled: the error control cut the step to {:.1e} s, below {MIN_STEP_S} s, at {at}: \
             {why}",
            s[S_H]
        )
    })
}

pub fn sample_outputs(model: &Model, p: &[f64], s: &[f64]) -> SampleOutputs {
    let status = s[S_STATUS] as u32;
    let mut m = vec![None; METRICS.len()];
    if status == ST_FAILED || status == ST_RUNNING || sun_pass(s).is_some() {
        return SampleOutputs {
            status: ST_FAILED,
            metrics: m,
            no_flight: false,
        };
    }
    let r = [s[S_R], s[S_R + 1], s[S_R + 2]];
    let v = [s[S_V], s[S_V + 1], s[S_V + 2]];
    let t = s[S_T];
    let wet = p[P_WET];
    let prop = p[P_PROP];
    let used = wet - s[S_M];
    let jd = model.epoch_jd + t / DAY_S;
    if status == ST_ARRIVED {
        m[col("time_of_flight_days")] = Some(t / DAY_S);
        m[col("rendezvous_mjd_tdb")] = Some(mjd_from_jd(jd));
        // The margin of the flights that met the comet alone: `propellant_margin_kg` also holds
        // the unfinished flights a time limit stopped, whose margins read high.
        m[col("rendezvous_margin_kg")] = Some(prop - used);
    }
    // Distance and relative speed to 311P at the end: the engines' own table, read at the
    // engines' time in seconds. (Read from the daily table at the absolute Julian date, whose
    // f64 resolves 40 us, ~0.4 m of the comet's motion, an arrival came out 0.3 m beyond the
    // rendezvous distance and a closest approach 3 cm beyond the final distance at the same
    // epoch.)
    let (rc, vc) = CruiseSample { model, input: &[] }.comet_state(t);
    let end_km = norm(add(r, rc, -1.0)) / 1000.0;
    m[col("final_distance_km")] = Some(end_km);
    m[col("final_relative_speed_m_s")] = Some(norm(add(v, vc, -1.0)));
    if s[S_MATCH_T] >= 0.0 {
        m[col("orbit_match_mjd_tdb")] = Some(mjd_from_jd(model.epoch_jd + s[S_MATCH_T] / DAY_S));
    }
    m[col("coast_days")] = Some((t - s[S_THRUST_ON]) / DAY_S);
    // Element errors against 311P's osculating orbit at the end.
    {
        let el = state_to_elements(r, v, SUN_MU_M3_S2);
        let tg = state_to_elements(rc, vc, SUN_MU_M3_S2);
        m[col("a_error_au")] = Some((el.a_m - tg.a_m) / AU_M);
        m[col("e_error")] = Some(el.e - tg.e);
        m[col("i_error_deg")] = Some((el.i_rad - tg.i_rad).to_degrees());
        m[col("node_error_deg")] = Some(wrap_pi(el.raan_rad - tg.raan_rad).to_degrees());
        m[col("argp_error_deg")] = Some(wrap_pi(el.argp_rad - tg.argp_rad).to_degrees());
    }
    m[col("propellant_used_kg")] = Some(used);
    m[col("final_mass_kg")] = Some(s[S_M]);
    m[col("propellant_margin_kg")] = Some(prop - used);
    m[col("thrust_on_days")] = Some(s[S_THRUST_ON] / DAY_S);
    m[col("missed_thrust_days")] = Some(s[S_MISSED] / DAY_S);
    // The turn alone: the start was computed when the input row was packed.
    let vinf = model.vinf_out_m_s(p);
    m[col("flyby_vinf_out_km_s")] = Some(vinf / 1000.0).filter(|x| x.is_finite());
    m[col("min_sun_distance_au")] = Some(s[S_RMIN] / AU_M);
    m[col("max_sun_distance_au")] = Some(s[S_RMAX] / AU_M);
    m[col("final_epoch_mjd_tdb")] = Some(mjd_from_jd(jd));
    for i in 0..3 {
        m[col("final_x_au") + i] = Some(r[i] / AU_M);
        m[col("final_vx_km_s") + i] = Some(v[i] / 1000.0);
    }
    // The closest approach includes the end, as the host reads it: the engine's own distance
    // there may differ in the last bits (the shader's arithmetic; 6 um seen on lavapipe).
    let (ca_km, ca_t) = if end_km < s[S_CA_DIST] / 1000.0 {
        (end_km, t)
    } else {
        (s[S_CA_DIST] / 1000.0, s[S_CA_T])
    };
    m[col("closest_approach_km")] = Some(ca_km);
    m[col("closest_approach_mjd_tdb")] = Some(mjd_from_jd(model.epoch_jd + ca_t / DAY_S));
    m[col("steps")] = Some(s[S_STEPS]);
    m[col("rejected_steps")] = Some(s[S_REJECTED]);
    SampleOutputs {
        status,
        metrics: m,
        no_flight: false,
    }
}
