//! Memory layout shared by the host, the CPU engine and the shader (as a generated WGSL
//! prelude, [`wgsl_layout`]): each sample's input row, state row and the constants buffer.

macro_rules! layout {
    ($($name:ident = $v:expr),* $(,)?) => {
        $(pub const $name: usize = $v;)*
        /// Every offset above, for the WGSL prelude.
        pub const LAYOUT: &[(&str, usize)] = &[$((stringify!($name), $name)),*];
    };
}

layout! {
    // ---- input row (fixed part; outages and thrust-noise nodes follow, offsets in dims) ----
    I_R0 = 0,        // 3: heliocentric position where the phase starts [m]
    I_V0 = 3,        // 3: velocity [m/s]
    I_MASS0 = 6,     // wet mass [kg]
    I_PROP0 = 7,     // propellant [kg]
    I_THRUST = 8,    // thrust per thruster at full power, times thrust_scale [N]
    I_MDOT = 9,      // mass flow per thruster at full power [kg/s]
    I_P1AU = 10,     // array power at 1 au [kW]
    I_LN_DEG = 11,   // ln(1 - degradation per year)
    I_BUS = 12,      // bus power [kW]
    I_PMIN = 13,     // minimum power to thrust [kW]
    I_PTHR = 14,     // power per thruster [kW]
    I_NTHR = 15,     // number of thrusters
    I_DUTY = 16,     // duty cycle
    I_PERR1 = 17,    // tan(pointing error 1)
    I_PERR2 = 18,    // tan(pointing error 2)
    I_N_OUT = 19,    // number of outages
    I_T0 = 20,       // time since departure.epoch where the heliocentric phase starts [s]
    I_OUT = 21,      // outages: [start_s, end_s] pairs
    IN_FIXED = 21,
    // ---- state row ----
    S_R = 0,
    S_V = 3,
    S_M = 6,
    N_Y = 7,         // the integrated state (r, v, m) from S_R
    S_T = 7,         // time since departure.epoch [s]
    S_THRUST_ON = 8, // [s]
    S_MISSED = 9,    // thrust lost to outages [s]
    S_RMIN = 10,     // [m]
    S_RMAX = 11,
    S_STATUS = 12,
    S_STEPS = 13,
    S_CA_DIST = 14,  // closest approach to 311P so far [m]
    S_CA_T = 15,     // and its time [s]
    S_OUT_IDX = 16,  // index of the current or next outage
    S_H = 17,        // dopri5: the controller's next step [s]
    S_ERR_PREV = 18, // dopri5: the last accepted step's error norm
    S_REJECTED = 19, // trial steps not kept (error too large, or cut back to a switch)
    S_MODE = 20,     // engine mode held over the next step (mode_code; MODE_UNSET until set)
    S_T_SWITCH = 21, // located mode switch the steps are aiming at [s] (NO_SWITCH: none)
    S_SW_MODE = 22,  // the mode past that switch
    S_OL_IDX = 23,   // open-loop guidance: the profile segment in force
    S_ETA = 24,      // Q-law: the effectivity at the current state (0 for other guidance)
    S_PSI = 25,      // phase still to gain on 311P at the step start, unwrapped [rad]
    S_PH_C = 26,     // 2: (cos, sin) of that phase, wrapped (unwraps the next one)
    S_MATCH_T = 28,  // first time the orbit matches 311P's (orbit_match_mjd_tdb) [s], or -1
    STATE_LEN = 29,
    // ---- constants ----
    C_SUN_MU = 0,
    C_AU = 1,
    C_G0 = 2,
    C_DT = 3,        // rk4: the fixed step [s]
    C_T_LIMIT = 4,   // [s]
    C_EPH_DT = 5,    // ephemeris node spacing [s]
    C_GM_DT = 6,     // thrust-noise node spacing [s]
    C_SOI = 7,       // Earth sphere of influence [m], where the heliocentric phase starts
    C_TOL_A = 8,     // [m]
    C_TOL_E = 9,
    C_COS_TOL_I = 10,
    C_TGT_A = 11,    // target semi-major axis [m]
    C_TGT_E = 12,    // 3: target eccentricity vector
    C_TGT_H = 15,    // 3: target angular-momentum unit vector
    C_DIR = 18,      // 3: inertial guidance direction
    C_YEAR_S = 21,   // Julian year [s]
    C_RTOL = 22,     // dopri5 tolerances and largest step [s]
    C_ATOL = 23,
    C_MAX_STEP = 24,
    C_ETA_HYST = 25, // Q-law: eta_cut less this stops a thrust arc
    C_PH_GAIN = 26,  // phasing: relative offset of the Q-law's a target per radian of phase
    C_PH_MAX = 27,   // phasing: largest relative offset of the a target
    C_APPROACH = 28, // approach stage from this distance to 311P [m]
    C_APP_TAU = 29,  // approach: time constant of the velocity loop [s]
    C_RDV_D = 30,    // rendezvous: within this distance [m]
    C_RDV_V = 31,    // and this relative speed [m/s]
    C_MAX_TRIALS = 32, // dopri5: trial steps before a sample is failed (integrator.max_trials)
    CONSTS_FIXED = 33,
}

pub const ST_RUNNING: u32 = 0;
/// Within target.rendezvous_km and target.rendezvous_m_s of 311P.
pub const ST_ARRIVED: u32 = 1;
pub const ST_PROPELLANT_EXHAUSTED: u32 = 2;
pub const ST_TIMEOUT: u32 = 3;
pub const ST_FAILED: u32 = 4;
pub const STATUS_NAMES: [&str; 5] = [
    "running",
    "arrived",
    "propellant_exhausted",
    crate::scenario::TIMEOUT,
    "failed",
];

/// The engine mode held over a step, as one number: 2 x (thrusters the power runs) + (guidance
/// wants thrust), plus APPROACH_MODE in the approach stage. A change inside a step is located (bisection on the dense output) and the
/// step is cut back to it, so that the right-hand side is smooth on every step.
pub fn mode_code(n_on: f64, wants: bool) -> f64 {
    2.0 * n_on + wants as u8 as f64
}
pub const MODE_UNSET: f64 = -1.0;
/// Reals per open-loop profile segment: [t_start, on, radial, transverse, normal, throttle].
pub const OL_ROW: usize = 6;
/// No switch pending.
pub const NO_SWITCH: f64 = 1e30;
/// Bisection iterations on a step for a mode switch or an end condition: a step of at most 30
/// days (integrator.max_step_days' limit) is resolved to 2.6 million s / 2^22 = 0.6 s. A switch
/// of the Q-law's wish to thrust alone (the effectivity crossing its cut) is located instead
/// by Illinois root finding on the effectivity, SWITCH_ROOT_ITERATIONS evaluations.
pub const SWITCH_BISECTIONS: usize = 22;
pub const SWITCH_ROOT_ITERATIONS: usize = 12;
/// Golden-section iterations of the searches inside a step (`cpu::closest_in_step`, the
/// closest approach; `cpu::rendezvous_inside`, the rendezvous margin): the bracket shrinks to
/// 0.618^30 = 5.4e-7 of the step, 0.02 s of the half-day steps near the comet (0.5 s of the
/// 10-day cap). The closest distance found is then at most w dt above the least, at relative
/// speed w and bracket dt: 0.3 m for the nominal's 14 m/s pass within a metre of the comet's
/// centre, and (w dt)^2 / (2 d) for a pass d away (3 mm at 10 m).
pub const CA_ITERATIONS: usize = 30;
/// The located root is rounded up to a multiple of 1/SWITCH_GRID of the step (exact
/// operations), so that the engines' last-bit differences in the effectivity do not move the
/// switch: unrounded, the GPU's RK4 cruise differed from the CPU's by more than a minute in 6
/// arrivals of 200; the bisection's points lie on the same grid.
pub const SWITCH_GRID: f64 = 4194304.0; // 2^22
/// A switch of the Q-law's wish alone (the same thrusters, the same stage) closer than this to
/// the step start is taken this long after the start [s]: it bounds the steps a guidance that
/// chatters about its threshold can cost (one per minute). The power's thruster count and the
/// approach stage do not chatter, and their switches are taken where located, at least
/// SWITCH_MIN_OTHER_S after the start: with this floor on every switch, a thruster-count change
/// met just after a step's start was taken up to a minute late (77.5 mg and 1.5 mm/s in one
/// flight; `tests/cruise.rs`, the open-loop replay's drift).
pub const SWITCH_MIN_S: f64 = 60.0;
/// The floor of the other switches [s]: ten times MIN_STEP_S, so that a trial cut back to it
/// and then rejected is tried again shorter rather than failing the sample.
pub const SWITCH_MIN_OTHER_S: f64 = 10.0 * MIN_STEP_S;

/// The least delay after a step's start at which a located switch is taken [s]: SWITCH_MIN_S
/// for a switch of the Q-law's wish alone (mode codes that differ in the lowest bit only),
/// SWITCH_MIN_OTHER_S for any other.
pub fn switch_floor_s(mode0: f64, mode1: f64) -> f64 {
    if (mode0 * 0.5).floor() == (mode1 * 0.5).floor() {
        SWITCH_MIN_S
    } else {
        SWITCH_MIN_OTHER_S
    }
}
/// The smallest trial step before a sample is failed [s].
pub const MIN_STEP_S: f64 = 1e-3;

/// Added to the mode code in the approach stage (Q-law guidance): within C_APPROACH of 311P the
/// relative-motion law steers instead of the Q-law, until the distance exceeds twice that. A
/// stage change is a mode change, located on the dense output like the others.
pub const APPROACH_MODE: f64 = 64.0;
/// The most thrusters a config may have: the mode code 2 x 16 + 1 stays below APPROACH_MODE.
pub const MAX_THRUSTERS: i64 = 16;
const _: () = assert!(2 * MAX_THRUSTERS + 1 < APPROACH_MODE as i64);
// The integrated state is (r, v, m), contiguous from S_R: N_Y values, which the kernel's
// load_y and store_y move (Y_LEN) and the CPU twin's arrays hold.
const _: () = assert!(S_V == S_R + 3 && S_M == S_V + 3 && N_Y == S_M + 1 - S_R);
/// Fraction of the available acceleration the approach's braking profile plans with: far from
/// the comet the closing speed commanded at distance d is about sqrt(2 APPROACH_ACCEL_SHARE
/// a_max d), and the profile never asks for more deceleration (cpu.rs `approach_command`).
pub const APPROACH_ACCEL_SHARE: f64 = 0.5;

pub const GUIDE_QLAW: u32 = 0;
pub const GUIDE_TANGENTIAL: u32 = 1;
pub const GUIDE_INERTIAL: u32 = 2;
pub const GUIDE_OPEN_LOOP: u32 = 3;

pub fn wgsl_layout() -> String {
    let mut s = String::from("// generated by scenario::cruise::layout::wgsl_layout\n");
    for (name, v) in LAYOUT {
        s.push_str(&format!("const {name}: u32 = {v}u;\n"));
    }
    for (name, v) in [
        ("ST_RUNNING", ST_RUNNING),
        ("ST_ARRIVED", ST_ARRIVED),
        ("ST_PROPELLANT_EXHAUSTED", ST_PROPELLANT_EXHAUSTED),
        ("ST_TIMEOUT", ST_TIMEOUT),
        ("ST_FAILED", ST_FAILED),
        ("GUIDE_QLAW", GUIDE_QLAW),
        ("GUIDE_TANGENTIAL", GUIDE_TANGENTIAL),
        ("GUIDE_INERTIAL", GUIDE_INERTIAL),
        ("GUIDE_OPEN_LOOP", GUIDE_OPEN_LOOP),
        ("SWITCH_BISECTIONS", SWITCH_BISECTIONS as u32),
        ("SWITCH_ROOT_ITERATIONS", SWITCH_ROOT_ITERATIONS as u32),
        ("CA_ITERATIONS", CA_ITERATIONS as u32),
        ("OL_ROW", OL_ROW as u32),
    ] {
        s.push_str(&format!("const {name}: u32 = {v}u;\n"));
    }
    s.push_str(&crate::wgsl::declare_real(&[
        ("SWITCH_GRID", SWITCH_GRID),
        ("NO_SWITCH", NO_SWITCH),
        ("SWITCH_MIN_S", SWITCH_MIN_S),
        ("SWITCH_MIN_OTHER_S", SWITCH_MIN_OTHER_S),
        ("MIN_STEP_S", MIN_STEP_S),
        ("APPROACH_ACCEL_SHARE", APPROACH_ACCEL_SHARE),
        ("APPROACH_MODE", APPROACH_MODE),
    ]));
    s.push_str(&crate::integrator::wgsl_constants());
    s
}
