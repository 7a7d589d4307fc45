//! One flight's time history on the f64 CPU reference: the state at the start, inside and at the
//! end of every kept step, and at the located event, with the aerodynamic and heating quantities
//! there. The report draws the nominal's and writes them to trajectories.parquet.
//!
//! The flight is the engine's own ([`SampleModel::advance`], one trial a call): the same steps,
//! events and end point as a run's CPU engine, so the last point is the sample's outputs' state.
//! The points inside a step are on its dense output (order 4 for dopri5; rk4's Hermite cubic),
//! from the step flown again over the same interval (its length as the difference of its ends,
//! which can differ from the length taken in the last bit: the values agree to rounding).

use super::cpu::SampleModel;
use super::layout::*;
use super::model::Model;
use super::outputs::landing_point_deg;
use crate::physics::vec3::{dot, norm};

/// Where inside each kept step a point is taken, as fractions of the step: with the step's end,
/// four points a step. Joined by straight lines, the step ends alone read the default config's
/// peaks up to 0.32 % low (12 samples); with these, 0.042 % (and the ballistic bench config's,
/// flown in longer steps at a looser tolerance, 0.25 %).
pub const INSIDE_STEP: [f64; 3] = [0.25, 0.5, 0.75];

/// The flight at one instant. Speeds are inertial (as the entry state is given) and relative
/// to the air (the Earth's rotation plus the wind: what drag, Mach number and heating see).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub t_s: f64,
    pub altitude_km: f64,
    pub lat_deg: f64,
    pub lon_deg: f64,
    pub inertial_speed_m_s: f64,
    /// Inertial, from the geocentric horizon: asin(r_hat . v_hat).
    pub flight_path_angle_deg: f64,
    pub air_speed_m_s: f64,
    pub mach: f64,
    pub dynamic_pressure_pa: f64,
    pub g_load: f64,
    pub q_conv_w_cm2: f64,
    pub q_rad_w_cm2: f64,
    pub heat_load_j_cm2: f64,
    /// The canopy mode flown up to this instant (CH_*; [`canopy_name`] names it).
    pub canopy: u32,
}

/// A flown time history and the engine's final state row (its outputs are the sample's).
pub struct History {
    pub points: Vec<Point>,
    pub state: Vec<f64>,
}

/// Fly one sample's input row, recording points wherever a step is kept.
pub fn fly(model: &Model, input: &[f64]) -> History {
    let sample = SampleModel { model, input };
    let mut s = vec![0.0; STATE_LEN];
    model.initial_state(input, &mut s);
    let y_of = |s: &[f64]| -> [f64; N_Y] { s[S_Y..S_Y + N_Y].try_into().expect("state") };
    let mut points = vec![point(&sample, s[S_T], &y_of(&s), s[S_CHUTE] as u32)];
    // The last kept step's end: where the next step starts.
    let (mut t0, mut y0) = (s[S_T], y_of(&s));
    let inside = |chute: u32, t0: f64, y0: &[f64; N_Y], h: f64, to: f64, pts: &mut Vec<Point>| {
        let thetas: Vec<f64> = INSIDE_STEP.iter().map(|th| th * to).collect();
        for (th, y) in thetas
            .iter()
            .zip(sample.dense_in_step(chute, t0, y0, h, &thetas))
        {
            pts.push(point(&sample, t0 + th * h, &y, chute));
        }
    };
    // One trial a call: a rejected or retried step leaves the time where it was.
    while !sample.advance(&mut s, 1) {
        if s[S_T] > t0 {
            // The canopy flown over the step (one reached at its end opens at the next).
            let chute = s[S_CHUTE] as u32;
            inside(chute, t0, &y0, s[S_T] - t0, 1.0, &mut points);
            points.push(point(&sample, s[S_T], &y_of(&s), chute));
            (t0, y0) = (s[S_T], y_of(&s));
        }
    }
    let status = s[S_STATUS] as u32;
    let chute = s[S_CHUTE] as u32;
    // The event, located inside the step its bracket recorded (from the last kept end; one
    // located at that end adds nothing). A timeout is found before a trial, where the last kept
    // end is already recorded, and a failed flight stops at its last kept step.
    if (status == ST_LANDED || status == ST_SKIPPED_OUT) && s[S_T] > t0 {
        let h = s[S_EV + BR_H];
        if s[S_EV + BR_T0] == t0 && h > 0.0 {
            inside(chute, t0, &y0, h, (s[S_T] - t0) / h, &mut points);
        }
        points.push(point(&sample, s[S_T], &y_of(&s), chute));
    }
    History { points, state: s }
}

/// The flight at time t and state y under canopy mode `chute`.
fn point(sample: &SampleModel, t: f64, y: &[f64; N_Y], chute: u32) -> Point {
    let r = [y[0], y[1], y[2]];
    let v = [y[3], y[4], y[5]];
    let canopy = sample.canopy(chute);
    let d = sample.deriv_in(&r, &v, canopy);
    // Under a quasi-steady canopy the state's v is held; the flight's velocity is dr.
    let vel = if canopy.quasi_steady { d.dr } else { v };
    let speed = norm(vel);
    let (_, a_sound) = sample.atmosphere(d.aux.alt_m);
    let (lat, lon) = landing_point_deg(sample.model, r, t);
    Point {
        t_s: t,
        altitude_km: d.aux.alt_m / 1000.0,
        lat_deg: lat,
        lon_deg: lon,
        inertial_speed_m_s: speed,
        flight_path_angle_deg: (dot(r, vel) / (norm(r) * speed).max(1e-300))
            .clamp(-1.0, 1.0)
            .asin()
            .to_degrees(),
        air_speed_m_s: d.aux.mach * a_sound,
        mach: d.aux.mach,
        dynamic_pressure_pa: d.aux.qdyn_pa,
        g_load: d.aux.g_load,
        q_conv_w_cm2: d.aux.q_conv_w_cm2,
        q_rad_w_cm2: d.aux.q_rad_w_cm2,
        heat_load_j_cm2: y[6],
        canopy: chute,
    }
}

/// The canopy's name as trajectories.parquet writes it.
pub fn canopy_name(chute: u32) -> &'static str {
    match chute {
        CH_DROGUE => "drogue",
        CH_MAIN | CH_MAIN_QS => "main",
        _ => "none",
    }
}
