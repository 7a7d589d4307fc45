//! Memory layout shared by the host, the CPU engine and the shader: offsets into each sample's
//! input row, each sample's state row, and the model-constants buffer. The shader receives these
//! as a generated WGSL prelude ([`wgsl_layout`]), so they are written once, here.

// ---- per-sample input row: the fixed part, then the density perturbation's and the wind's
// profiles at multiples of four (Model::input_len, pert_offset, wind_offset) ----
crate::layout! {
    I_R0 = 0, // 3: initial ECI position [m]
    I_V0 = 3, // 3: initial ECI velocity [m/s]
    I_MASS = 6, // [kg]
    I_AREA = 7, // reference area [m^2]
    I_RN = 8, // nose radius [m]
    I_LN_RN = 9, // ln(nose radius / 1 m)
    I_CD = 10, // constant Cd (used when the model has no Cd table)
    I_CD_SCALE = 11, // multiplier on Cd
    I_LD = 12, // lift-to-drag ratio
    I_COS_BANK = 13,
    I_SIN_BANK = 14,
    I_LN_DSCALE = 15, // ln(density_scale)
    I_LN_RHO0 = 16, // exponential model: ln(rho0 / 1 kg m^-3)
    I_INV_H = 17, // exponential model: 1 / scale height [1/m]
    I_A_EXP = 18, // exponential model: isothermal speed of sound [m/s]
    I_MU = 19, // gravitational parameter [m^3/s^2]
    I_AEQ = 20, // equatorial radius [m]
    I_DROGUE_MACH = 21, // the drogue's trigger Mach number
    I_H_ENTRY = 22, // entry interface altitude [m]
    I_DROGUE_DELAY = 23, // drogue opens this long after its trigger [s]
    I_DROGUE_CDA = 24, // drogue drag area Cd A [m^2]
    I_MAIN_LEVEL = 25, // geodetic altitude of the main's trigger [m] (-1e30: no main)
    I_MAIN_DELAY = 26, // main opens this long after its trigger [s]
    I_MAIN_CDA = 27, // main drag area [m^2]
    I_TERRAIN = 28, // touchdown: geodetic altitude of the terrain [m]
    I_GSW = 29, // g-switch threshold [g0] (1e30 with the Mach trigger; then I_DROGUE_MACH is -1)
    IN_FIXED = 30,

    // ---- per-sample state row, kept between dispatches; the engines' result ----
    // The integrated state y = (r, v, heat load) first, then the integrator's and the events' own.
    S_Y = 0, // 7: y
    S_R = 0, // 3: ECI position [m]
    S_V = 3, // 3: ECI velocity [m/s]
    S_HEAT_LOAD = 6, // [J/cm^2]
    N_Y = 7,
    S_T = 7, // time since entry [s]
    S_H = 8, // next step length [s]
    S_ERR_PREV = 9, // the PI controller's previous error norm
    S_STATUS = 10, // Status as a number
    S_STEPS = 11, // steps taken
    S_REJECTED = 12, // steps rejected
    S_DROGUE_DONE = 13, // the drogue's trigger (Mach number or g-switch): 0 not reached, 1 reached, 2 crossed below the terrain
    S_FINISHED = 14, // events located and peaks refined (the finishing pass has run)
    S_CHUTE = 15, // the canopy flown over the step: CH_*
    S_T_NEXT = 16, // when the canopy changes next (a step ends there) [s]; NO_STOP if not planned
    S_NEXT_CHUTE = 17, // the canopy from S_T_NEXT
    S_T_DROGUE = 18, // when the drogue opened [s]; -1 if it has not
    S_T_MAIN = 19, // when the main opened [s]; -1 if it has not
    S_MAIN_DONE = 20, // the main's trigger altitude has been reached
    // Brackets: the step (t0, h, y0) in which an event or a maximum lies, located on that
    // step's dense output by the finishing pass. BR_* are offsets within a bracket.
    BR_T0 = 0,
    BR_H = 1,
    BR_Y0 = 2, // N_Y
    BR_LEN = BR_Y0 + N_Y,
    S_EV = S_MAIN_DONE + 1, // bracket of the terminal event (ground, skip-out)
    S_DROGUE_ALT = S_EV + BR_LEN, // [m] at the drogue's trigger; meaningful when S_DROGUE_DONE = 1
    S_DROGUE_QDYN = S_DROGUE_ALT + 1, // [Pa]
    // Watched maxima: deceleration, total, convective and radiative heat flux, dynamic
    // pressure. Each has a block of PK_LEN slots at S_PK + PK_LEN w (the dynamic pressure's
    // at S_PK_QD: `watch_block`): the largest value at a step end and its time; the step
    // whose predicted maximum is the largest (B1; each step's maximum is predicted by
    // the parabolas through the watched value at its start and end and at each of two inner
    // stages of its trial), the runner-up among the other steps (B2) and the third (B3). The
    // finishing pass searches B1 and B2, and B3 where its prediction is close (cpu.rs
    // `watch_step`). The dynamic pressure (W_QD) is watched only where it is not the
    // deceleration times a constant (`Model::watch_qdyn`); otherwise the row ends before its
    // block and the finishing pass derives it from the deceleration's.
    N_WATCH = 5,
    W_G = 0,
    W_Q = 1,
    W_QC = 2,
    W_QR = 3,
    W_QD = 4,
    // A parachute trigger detected at the end of a step, to be located (by the shader at the
    // start of its next dispatch): which (0 none, 1 drogue, 2 main) and the step's dense output.
    S_PEND = S_DROGUE_QDYN + 1,
    S_TG = S_PEND + 1,
    TG_T0 = 0,
    TG_H = 1,
    TG_G0 = 2, // the trigger function (less its level) at the step's start and end
    TG_G1 = 3,
    TG_Y0 = 4, // N_Y
    TG_D = TG_Y0 + N_Y, // the integrator's dense output: DENSE_VECTORS vectors of N_Y
    TG_LEN = TG_D + crate::integrator::DENSE_VECTORS * N_Y,
    S_PK = S_TG + TG_LEN,
    PK_EXACT = 0,
    PK_EXACT_T = 1,
    PK_P1 = 2, // the largest predicted step maximum
    PK_B1 = 3, // bracket: the step predicted highest
    PK_P2 = PK_B1 + BR_LEN, // the runner-up's predicted maximum
    PK_B2 = PK_P2 + 1, // bracket: the runner-up
    PK_P3 = PK_B2 + BR_LEN, // the third-highest predicted maximum
    PK_B3 = PK_P3 + 1, // bracket: the third
    PK_LEN = PK_B3 + BR_LEN,
    // The blocks of every watch but the dynamic pressure's (W_QD, last) come first.
    S_PEAK = S_PK + PK_LEN * (N_WATCH - 1), // N_WATCH: the located maxima, in watch order
    S_T_PEAK = S_PEAK + N_WATCH, // N_WATCH: their times [s]
    S_PEAK_G = S_PEAK + W_G,
    S_PEAK_Q = S_PEAK + W_Q,
    S_PEAK_QC = S_PEAK + W_QC,
    S_PEAK_QR = S_PEAK + W_QR,
    S_PEAK_QD = S_PEAK + W_QD,
    S_T_PEAK_G = S_T_PEAK + W_G,
    S_T_PEAK_Q = S_T_PEAK + W_Q,
    S_T_PEAK_QD = S_T_PEAK + W_QD,
    S_DROGUE_OPEN_MACH = S_T_PEAK + N_WATCH, // the Mach number where the drogue opened; -1 if it has not
    S_DROGUE_OPEN_QDYN = S_DROGUE_OPEN_MACH + 1, // the dynamic pressure there [Pa]; -1 if it has not
    S_MAIN_OPEN_QDYN = S_DROGUE_OPEN_QDYN + 1, // the dynamic pressure where the main opened [Pa]; -1 if it has not
    S_DROGUE_OPEN_ALT = S_MAIN_OPEN_QDYN + 1, // the geodetic altitude where the drogue opened [m]
    S_MAIN_OPEN_ALT = S_DROGUE_OPEN_ALT + 1, // the geodetic altitude where the main opened [m]
    // Where the peak g and the peak total heat flux were located: the geodetic altitude [m]
    // and the Mach number there, a pair for each of W_G and W_Q (N_AT_PEAK of them) at
    // S_AT_PEAK + 2 w; NO_PEAK where no window held the located time (cpu.rs `finish`).
    S_AT_PEAK = S_MAIN_OPEN_ALT + 1, // 2 N_AT_PEAK
    N_AT_PEAK = 2,
    // The dynamic pressure's watch block, last: a row without that watch ends here
    // (`Model::state_len`), PK_LEN values shorter.
    S_PK_QD = S_AT_PEAK + 2 * N_AT_PEAK,
    STATE_LEN = S_PK_QD + PK_LEN, // the longest row

    // ---- model constants buffer (same for every sample of a run) ----
    C_OMEGA = 0, // Earth rotation rate used [rad/s] (0 without rotation)
    C_J2 = 1,
    C_E2 = 2, // ellipsoid eccentricity squared (0 for a sphere)
    C_G0 = 3,
    C_CONV_K = 4, // convective coefficient: q = C_CONV_K sqrt(rho/Rn) (V/C_CONV_V)^C_CONV_N 1e-4 W/cm^2
    C_TS_C = 5, // Tauber-Sutton constant
    C_DT = 6, // rk4: step before the drogue Mach number [s]
    C_DT_DESCENT = 7, // rk4: step after it [s]
    C_T_LIMIT = 8,
    C_ATM_H0 = 9, // first atmosphere table altitude [m]
    C_ATM_DH = 10, // atmosphere table spacing [m]
    C_PERT_DH = 11, // perturbation node spacing [m] (nodes start at 0 m)
    C_ATM_TOP = 12, // density is zero above this altitude [m]
    C_RTOL = 13, // dopri5 relative tolerance
    C_ATOL = 14, // dopri5 absolute tolerance
    C_MAX_STEP = 15, // dopri5 largest step [s]
    C_H0 = 16, // dopri5 first step [s]
    C_TS_V0 = 17, // first velocity of the uniform Tauber-Sutton table [m/s]
    C_TS_DV = 18, // its spacing [m/s]
    C_CD_X0 = 19, // first Mach number of a uniform Cd table
    C_CD_DX = 20, // its spacing
    C_RTOL_DESCENT = 21, // dopri5 relative tolerance after the drogue Mach number
    C_WIND_DH = 22, // wind node spacing [m] (nodes start at 0 m)
    C_CONV_V = 23, // convective reference velocity [m/s] (Sutton-Graves: 1)
    C_CONV_N = 24, // convective velocity exponent (Sutton-Graves: 3, taken as V*V*V)
    // The reciprocals of the uniform grids' spacings: the shader multiplies where it would
    // divide at every evaluation (an f64 division costs llvmpipe several multiplications).
    C_ATM_INV_DH = 25,
    C_PERT_INV_DH = 26,
    C_WIND_INV_DH = 27,
    C_TS_INV_DV = 28,
    C_CD_INV_DX = 29,
    // The ellipsoid's sqrt(1 - e2) = b / a and e2 / sqrt(1 - e2) = e'^2 b / a, for the shader's
    // geodetic altitude (Bowring's form; 1 and 0 for a sphere).
    C_E2_B = 30,
    C_E2_EP = 31,
    C_TS_F_END = 32, // the Tauber-Sutton f held above the uniform table's last velocity
    CONSTS_FIXED = 33,

}

/// Where watched maximum `w`'s block (PK_*) starts in the state row.
pub const fn watch_block(w: usize) -> usize {
    if w == W_QD {
        S_PK_QD
    } else {
        S_PK + PK_LEN * w
    }
}

/// ln-density floor standing for "zero density" (exp of anything below -700 is taken as 0).
pub const LN_ZERO: f64 = -1000.0;
/// Smallest step the adaptive method may take before the sample is declared failed [s].
pub const MIN_STEP_S: f64 = 1e-9;
/// How far beyond its ends (in steps) each recorded step is searched for a maximum.
pub const WINDOW_MARGIN: f64 = 0.25;
/// The step predicted third highest (B3) is searched only where its prediction is within this
/// fraction of the maximum that B1 and B2 located. Measured on 50,000 samples of the default
/// config (seeds 1-5, every B3 searched): each search that raised a maximum by more than 1e-4
/// had its prediction within 2.0e-4 of what B1 and B2 located; within 5e-4 are 1.3 % of the
/// (sample, watch) pairs, so few SIMD groups search at all.
pub const THIRD_WINDOW_GAP: f64 = 5e-4;

/// "No canopy change planned" in S_T_NEXT.
pub const NO_STOP: f64 = 1e30;
/// A watched maximum not yet found, below any value (the finishing pass's windows then set it).
pub const NO_PEAK: f64 = -1e30;
/// The main is flown dynamically for this long after it opens, then quasi-steadily: falling at
/// the terminal speed of the local density along the effective gravity and drifting with the
/// air. Under the main the vertical speed relaxes to terminal at the rate 2 g / V_t (~4 /s for
/// a 5 m/s canopy) and the horizontal speed to the air's at g / V_t (~2 /s), so 10 s leave
/// less than e^-20 of the opening's transient; the quasi-steady fall then follows the slow
/// change of V_t with altitude (dV_t/dt ~ V_t^2 / 2H ~ 1e-3 m/s^2) with a lag of 1 / rate.
/// An explicit step under the main is stability-limited to ~0.7 s, so flying the whole
/// ~300 s descent dynamically would triple a trajectory's steps (tests/parachutes.rs compares
/// the two).
pub const QS_SETTLE_S: f64 = 10.0;
/// The lift fades linearly to zero within this sine (10 deg) of a vertical flight (relative to
/// the air), where the bank angle's reference, the vertical plane of the flight, is undefined:
/// a constant bank with the lift below the horizon otherwise flipped the lift back and forth
/// across the vertical: 29,635 steps a sample against 196 lift-up (L/D 0.4, -16 deg), and
/// 736,742 for one L/D 1 nominal.
pub const LIFT_FADE_SIN: f64 = 0.173_648_177_666_930_33;
/// rk4 while the main is flown dynamically [s]: at the opening the drag rate 2 D / V reaches
/// ~30 /s (a 36 m^2 canopy at ~40 m/s), and RK4 is stable for rate x step <= 2.785.
pub const RK4_MAIN_STEP_S: f64 = 0.02;

/// Canopy codes as stored in S_CHUTE.
pub const CH_NONE: u32 = 0;
pub const CH_DROGUE: u32 = 1;
pub const CH_MAIN: u32 = 2;
pub const CH_MAIN_QS: u32 = 3;

/// Status codes as stored in S_STATUS.
pub const ST_RUNNING: u32 = 0;
pub const ST_LANDED: u32 = 1;
pub const ST_SKIPPED_OUT: u32 = 2;
pub const ST_TIMEOUT: u32 = 3;
pub const ST_FAILED: u32 = 4;

crate::dims! {
    Dims {
        n,         // samples in this chunk
        in_stride, // input row length
        max_steps, // steps per dispatch
        reserved,  // unused (each pass has its own entry point)
        n_atm,     // atmosphere table nodes
        off_ts,    // uniform Tauber-Sutton table in consts4 (vec4 index, one a segment)
        off_cd,    // Cd table: uniform, in consts4 (one a segment); (Mach, Cd) rows, in consts
        off_atm,   // atmosphere table in consts4 (vec4 index, two a segment)
    }
}

/// The WGSL declarations of every constant above.
pub fn wgsl_layout() -> String {
    let codes: &[(&str, usize)] = &[
        ("ST_RUNNING", ST_RUNNING as usize),
        ("ST_LANDED", ST_LANDED as usize),
        ("ST_SKIPPED_OUT", ST_SKIPPED_OUT as usize),
        ("ST_TIMEOUT", ST_TIMEOUT as usize),
        ("ST_FAILED", ST_FAILED as usize),
    ];
    let chutes: &[(&str, usize)] = &[
        ("CH_NONE", CH_NONE as usize),
        ("CH_DROGUE", CH_DROGUE as usize),
        ("CH_MAIN", CH_MAIN as usize),
        ("CH_MAIN_QS", CH_MAIN_QS as usize),
    ];
    let mut s = String::from("// generated by scenario::reentry::layout::wgsl_layout\n");
    s.push_str(&crate::wgsl::declare_u32(LAYOUT));
    s.push_str(&crate::wgsl::declare_u32(codes));
    s.push_str(&crate::wgsl::declare_u32(chutes));
    s.push_str(&crate::wgsl::declare_real(&[
        ("LN_ZERO", LN_ZERO),
        ("MIN_STEP_S", MIN_STEP_S),
        ("WINDOW_MARGIN", WINDOW_MARGIN),
        ("THIRD_WINDOW_GAP", THIRD_WINDOW_GAP),
        ("NO_STOP", NO_STOP),
        ("NO_PEAK", NO_PEAK),
        ("QS_SETTLE_S", QS_SETTLE_S),
        ("LIFT_FADE_SIN", LIFT_FADE_SIN),
        ("RK4_MAIN_STEP_S", RK4_MAIN_STEP_S),
    ]));
    s.push_str(&Dims::wgsl());
    s.push_str(&crate::integrator::wgsl_constants());
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Blocks (start, length) tile [from, to) in order, with no gap and no overlap.
    fn tile(name: &str, from: usize, to: usize, blocks: &[(&str, usize, usize)]) {
        let mut at = from;
        for &(block, start, len) in blocks {
            assert_eq!(
                start, at,
                "{name}: {block} starts at {start}, not where the last ended"
            );
            at = start + len;
        }
        assert_eq!(at, to, "{name}: the blocks end at {at}, not at {to}");
    }

    /// The state row's slots, the trigger's and a watch's blocks follow one another without
    /// a gap or an overlap, whatever the integrator's dense output takes (DENSE_VECTORS): a
    /// slot added or a block resized moves every later one, and the shader reads the same
    /// numbers from the generated prelude.
    #[test]
    fn the_state_row_is_tiled_by_its_blocks() {
        let one = |name, start| (name, start, 1);
        tile(
            "state row",
            0,
            STATE_LEN,
            &[
                ("S_Y", S_Y, N_Y),
                one("S_T", S_T),
                one("S_H", S_H),
                one("S_ERR_PREV", S_ERR_PREV),
                one("S_STATUS", S_STATUS),
                one("S_STEPS", S_STEPS),
                one("S_REJECTED", S_REJECTED),
                one("S_DROGUE_DONE", S_DROGUE_DONE),
                one("S_FINISHED", S_FINISHED),
                one("S_CHUTE", S_CHUTE),
                one("S_T_NEXT", S_T_NEXT),
                one("S_NEXT_CHUTE", S_NEXT_CHUTE),
                one("S_T_DROGUE", S_T_DROGUE),
                one("S_T_MAIN", S_T_MAIN),
                one("S_MAIN_DONE", S_MAIN_DONE),
                ("S_EV", S_EV, BR_LEN),
                one("S_DROGUE_ALT", S_DROGUE_ALT),
                one("S_DROGUE_QDYN", S_DROGUE_QDYN),
                one("S_PEND", S_PEND),
                ("S_TG", S_TG, TG_LEN),
                ("S_PK", S_PK, PK_LEN * (N_WATCH - 1)),
                ("S_PEAK", S_PEAK, N_WATCH),
                ("S_T_PEAK", S_T_PEAK, N_WATCH),
                one("S_DROGUE_OPEN_MACH", S_DROGUE_OPEN_MACH),
                one("S_DROGUE_OPEN_QDYN", S_DROGUE_OPEN_QDYN),
                one("S_MAIN_OPEN_QDYN", S_MAIN_OPEN_QDYN),
                one("S_DROGUE_OPEN_ALT", S_DROGUE_OPEN_ALT),
                one("S_MAIN_OPEN_ALT", S_MAIN_OPEN_ALT),
                ("S_AT_PEAK", S_AT_PEAK, 2 * N_AT_PEAK),
                ("S_PK_QD", S_PK_QD, PK_LEN),
            ],
        );
        tile(
            "trigger",
            0,
            TG_LEN,
            &[
                one("TG_T0", TG_T0),
                one("TG_H", TG_H),
                one("TG_G0", TG_G0),
                one("TG_G1", TG_G1),
                ("TG_Y0", TG_Y0, N_Y),
                ("TG_D", TG_D, crate::integrator::DENSE_VECTORS * N_Y),
            ],
        );
        tile(
            "watch",
            0,
            PK_LEN,
            &[
                one("PK_EXACT", PK_EXACT),
                one("PK_EXACT_T", PK_EXACT_T),
                one("PK_P1", PK_P1),
                ("PK_B1", PK_B1, BR_LEN),
                one("PK_P2", PK_P2),
                ("PK_B2", PK_B2, BR_LEN),
                one("PK_P3", PK_P3),
                ("PK_B3", PK_B3, BR_LEN),
            ],
        );
        tile(
            "bracket",
            0,
            BR_LEN,
            &[
                one("BR_T0", BR_T0),
                one("BR_H", BR_H),
                ("BR_Y0", BR_Y0, N_Y),
            ],
        );
        // The watched quantities' blocks, in watch order, the dynamic pressure's last.
        for w in 0..N_WATCH - 1 {
            assert_eq!(watch_block(w), S_PK + PK_LEN * w);
        }
        assert_eq!(watch_block(W_QD), S_PK_QD);
        assert_eq!(W_QD, N_WATCH - 1);
    }
}
