//! Memory layout shared by the host, the CPU engine and the shader: offsets into each sample's
//! input row, each sample's state row, and the model-constants buffer. The shader receives these
//! as a generated WGSL prelude ([`wgsl_layout`]), so they are written once, here.

// ---- per-sample input row (length IN_FIXED + number of perturbation nodes) ----
pub const I_R0: usize = 0; // 3: initial ECI position [m]
pub const I_V0: usize = 3; // 3: initial ECI velocity [m/s]
pub const I_MASS: usize = 6; // [kg]
pub const I_AREA: usize = 7; // reference area [m^2]
pub const I_RN: usize = 8; // nose radius [m]
pub const I_LN_RN: usize = 9; // ln(nose radius / 1 m)
pub const I_CD: usize = 10; // constant Cd (used when the model has no Cd table)
pub const I_CD_SCALE: usize = 11; // multiplier on Cd
pub const I_LD: usize = 12; // lift-to-drag ratio
pub const I_COS_BANK: usize = 13;
pub const I_SIN_BANK: usize = 14;
pub const I_LN_DSCALE: usize = 15; // ln(density_scale)
pub const I_LN_RHO0: usize = 16; // exponential model: ln(rho0 / 1 kg m^-3)
pub const I_INV_H: usize = 17; // exponential model: 1 / scale height [1/m]
pub const I_A_EXP: usize = 18; // exponential model: isothermal speed of sound [m/s]
pub const I_MU: usize = 19; // gravitational parameter [m^3/s^2]
pub const I_AEQ: usize = 20; // equatorial radius [m]
pub const I_DROGUE_MACH: usize = 21;
pub const I_H_ENTRY: usize = 22; // entry interface altitude [m]
pub const I_PERT: usize = 23; // first perturbation node: ln density multiplier
pub const IN_FIXED: usize = 23;

// ---- per-sample state row, kept between dispatches; the engines' result ----
pub const S_R: usize = 0; // 3
pub const S_V: usize = 3; // 3
pub const S_T: usize = 6; // time since entry [s]
pub const S_HEAT_LOAD: usize = 7; // [J/cm^2]
pub const S_PEAK_G: usize = 8;
pub const S_T_PEAK_G: usize = 9;
pub const S_PEAK_Q: usize = 10; // total stagnation heat flux [W/cm^2]
pub const S_T_PEAK_Q: usize = 11;
pub const S_PEAK_QC: usize = 12;
pub const S_PEAK_QR: usize = 13;
pub const S_DROGUE_ALT: usize = 14; // [m]; meaningful when S_DROGUE_DONE = 1
pub const S_DROGUE_QDYN: usize = 15; // [Pa]
pub const S_PREV_MACH: usize = 16;
pub const S_PREV_ALT: usize = 17;
pub const S_PREV_QDYN: usize = 18;
pub const S_STATUS: usize = 19; // Status as a number
pub const S_DROGUE_DONE: usize = 20;
pub const S_STEPS: usize = 21;
pub const STATE_LEN: usize = 22;

// ---- model constants buffer (same for every sample of a run) ----
pub const C_OMEGA: usize = 0; // Earth rotation rate used [rad/s] (0 without rotation)
pub const C_J2: usize = 1;
pub const C_E2: usize = 2; // ellipsoid eccentricity squared (0 for a sphere)
pub const C_G0: usize = 3;
pub const C_SG_K: usize = 4; // Sutton-Graves constant
pub const C_TS_C: usize = 5; // Tauber-Sutton constant
pub const C_DT: usize = 6;
pub const C_DT_DESCENT: usize = 7;
pub const C_T_LIMIT: usize = 8;
pub const C_ATM_H0: usize = 9; // first atmosphere table altitude [m]
pub const C_ATM_DH: usize = 10; // atmosphere table spacing [m]
pub const C_PERT_DH: usize = 11; // perturbation node spacing [m] (nodes start at 0 m)
pub const C_ATM_TOP: usize = 12; // density is zero above this altitude [m]
pub const CONSTS_FIXED: usize = 13;

/// Status codes as stored in S_STATUS.
pub const ST_RUNNING: u32 = 0;
pub const ST_LANDED: u32 = 1;
pub const ST_SKIPPED_OUT: u32 = 2;
pub const ST_TIMEOUT: u32 = 3;
pub const ST_FAILED: u32 = 4;

/// The WGSL declarations of every constant above.
pub fn wgsl_layout() -> String {
    let items: &[(&str, usize)] = &[
        ("I_R0", I_R0),
        ("I_V0", I_V0),
        ("I_MASS", I_MASS),
        ("I_AREA", I_AREA),
        ("I_RN", I_RN),
        ("I_LN_RN", I_LN_RN),
        ("I_CD", I_CD),
        ("I_CD_SCALE", I_CD_SCALE),
        ("I_LD", I_LD),
        ("I_COS_BANK", I_COS_BANK),
        ("I_SIN_BANK", I_SIN_BANK),
        ("I_LN_DSCALE", I_LN_DSCALE),
        ("I_LN_RHO0", I_LN_RHO0),
        ("I_INV_H", I_INV_H),
        ("I_A_EXP", I_A_EXP),
        ("I_MU", I_MU),
        ("I_AEQ", I_AEQ),
        ("I_DROGUE_MACH", I_DROGUE_MACH),
        ("I_H_ENTRY", I_H_ENTRY),
        ("I_PERT", I_PERT),
        ("S_R", S_R),
        ("S_V", S_V),
        ("S_T", S_T),
        ("S_HEAT_LOAD", S_HEAT_LOAD),
        ("S_PEAK_G", S_PEAK_G),
        ("S_T_PEAK_G", S_T_PEAK_G),
        ("S_PEAK_Q", S_PEAK_Q),
        ("S_T_PEAK_Q", S_T_PEAK_Q),
        ("S_PEAK_QC", S_PEAK_QC),
        ("S_PEAK_QR", S_PEAK_QR),
        ("S_DROGUE_ALT", S_DROGUE_ALT),
        ("S_DROGUE_QDYN", S_DROGUE_QDYN),
        ("S_PREV_MACH", S_PREV_MACH),
        ("S_PREV_ALT", S_PREV_ALT),
        ("S_PREV_QDYN", S_PREV_QDYN),
        ("S_STATUS", S_STATUS),
        ("S_DROGUE_DONE", S_DROGUE_DONE),
        ("S_STEPS", S_STEPS),
        ("STATE_LEN", STATE_LEN),
        ("C_OMEGA", C_OMEGA),
        ("C_J2", C_J2),
        ("C_E2", C_E2),
        ("C_G0", C_G0),
        ("C_SG_K", C_SG_K),
        ("C_TS_C", C_TS_C),
        ("C_DT", C_DT),
        ("C_DT_DESCENT", C_DT_DESCENT),
        ("C_T_LIMIT", C_T_LIMIT),
        ("C_ATM_H0", C_ATM_H0),
        ("C_ATM_DH", C_ATM_DH),
        ("C_PERT_DH", C_PERT_DH),
        ("C_ATM_TOP", C_ATM_TOP),
    ];
    let mut s = String::from("// generated by scenario::reentry::layout::wgsl_layout\n");
    for (name, v) in items {
        s.push_str(&format!("const {name}: u32 = {v}u;\n"));
    }
    for (name, v) in [
        ("ST_RUNNING", ST_RUNNING),
        ("ST_LANDED", ST_LANDED),
        ("ST_SKIPPED_OUT", ST_SKIPPED_OUT),
        ("ST_TIMEOUT", ST_TIMEOUT),
        ("ST_FAILED", ST_FAILED),
    ] {
        s.push_str(&format!("const {name}: u32 = {v}u;\n"));
    }
    s
}
