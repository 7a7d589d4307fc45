//! Physical constants, in one place. They reach the shaders through the constants buffer the
//! host builds (`scenario::reentry::ModelTables`), not retyped in WGSL, with one exception: the
//! Tauber-Sutton exponent's fit (1.072e6, -1.88, -0.325), its caps (1.0, 0.6, 0.5) and the
//! density exponent 1.22 are written in `shaders/heating.wgsl` and in its CPU twin
//! (`scenario/reentry/cpu.rs`), which the GPU-vs-CPU tests hold together.
//! Sources: docs/SOURCES.md (WGS84, EGM96, IUGG, NASA TR R-376, Detra-Kemp-Riddell 1957,
//! Tauber & Sutton 1991, US76).

/// Standard gravity, defines "g" for peak deceleration [m/s^2].
pub const G0_M_S2: f64 = 9.80665;
/// WGS84 semi-major axis [m].
pub const WGS84_A_M: f64 = 6_378_137.0;
/// WGS84 flattening.
pub const WGS84_F: f64 = 1.0 / 298.257_223_563;
/// WGS84 first eccentricity squared.
pub const WGS84_E2: f64 = WGS84_F * (2.0 - WGS84_F);
/// Earth GM (WGS84) [m^3/s^2].
pub const EARTH_MU_M3_S2: f64 = 3.986_004_418e14;
/// Earth J2 (EGM96, -C20 sqrt 5; docs/SOURCES.md).
pub const EARTH_J2: f64 = 1.082_626_68e-3;
/// Earth rotation rate (WGS84) [rad/s].
pub const EARTH_OMEGA_RAD_S: f64 = 7.292_115e-5;
/// Mean Earth radius used for great-circle downrange/crossrange [m] (IUGG R1).
pub const EARTH_MEAN_RADIUS_M: f64 = 6_371_008.8;
/// Sutton-Graves constant for Earth air [kg^0.5/m] (NASA TR R-376).
pub const SUTTON_GRAVES_K: f64 = 1.7415e-4;
/// Detra-Kemp-Riddell convective stagnation heating (Detra, Kemp & Riddell 1957, Jet Propulsion
/// 27(12); recalled: q sqrt(Rn) = 17,600 BTU/(ft^1.5 s) (rho/rho_SL)^0.5 (V/V_c)^3.15 with
/// V_c = 26,000 ft/s): in SI, q [W/cm^2] = 11,030 / sqrt(Rn [m]) (rho / 1.225)^0.5
/// (V / 7,924.8 m/s)^3.15. (17,600 BTU/(ft^1.5 s) converts to 11,035 with the international
/// BTU and 11,027 with the thermochemical one: 11,030 is within 0.05 % of either, far inside the
/// correlation's own scatter.) Its wall-enthalpy factor (h_s - h_w) / (h_s - h_w,300K) is taken as 1
/// (cold wall). At Stardust's peak-heating state it gives 22 % more than Sutton-Graves,
/// docs/SOURCES.md's "about 20 % below Fay-Riddell / Detra-Kemp-Riddell type estimates".
pub const DKR_Q_W_CM2: f64 = 11_030.0;
pub const DKR_RHO_SL_KG_M3: f64 = 1.225;
pub const DKR_V_CIRCULAR_M_S: f64 = 7_924.8;
pub const DKR_VELOCITY_EXPONENT: f64 = 3.15;
/// Tauber-Sutton radiative heating constant C (JSR 28(1), 1991).
pub const TAUBER_SUTTON_C: f64 = 4.736e4;
/// Tauber-Sutton f(V) table: velocity [m/s] and f [-]; linear between points, held above
/// 16 km/s. The published table starts at 9 km/s with f = 1.5 and the correlation is zero
/// below; here f falls linearly to 0 at 8.75 km/s instead (the first row, not published), so
/// that the heat flux has no jump: a jump in the heating rate is a discontinuity in the heat
/// load's derivative, which cost the adaptive integrator ~11 rejected steps a sample (a
/// rejection cascade where every trial step straddled 9 km/s). What it adds is at most 1.5
/// units of f, about 4.6 W/cm^2 on the Tianwen-2 capsule at 9 km/s (near 54 km: rho 6.4e-4
/// kg/m^3, a = 0.43; a hand estimate, as an audit's planar one), over the 0.6-0.7 s it takes
/// to slow from 9 to 8.75 km/s near peak deceleration: about 1.5 J/cm^2 of a heat load of
/// about 16,500 (this comment said under 1 W/cm^2 and 0.2 s until 2026-12-05).
pub const TAUBER_SUTTON_V_M_S: [f64; 20] = [
    8750.0, 9000.0, 9250.0, 9500.0, 9750.0, 10000.0, 10250.0, 10500.0, 10750.0, 11000.0, 11500.0,
    12000.0, 12500.0, 13000.0, 13500.0, 14000.0, 14500.0, 15000.0, 15500.0, 16000.0,
];
pub const TAUBER_SUTTON_F: [f64; 20] = [
    0.0, 1.5, 4.3, 9.7, 19.5, 35.0, 55.0, 81.0, 115.0, 151.0, 238.0, 359.0, 495.0, 660.0, 850.0,
    1065.0, 1313.0, 1550.0, 1780.0, 2040.0,
];
/// Ratio of specific heats of air, for the speed of sound.
pub const AIR_GAMMA: f64 = 1.4;
/// Universal gas constant as used by US76 [J/(mol K)].
pub const R_STAR_J_MOL_K: f64 = 8.31432;
/// Sea-level mean molar mass of air (US76) [kg/mol].
pub const AIR_MOLAR_MASS_KG_MOL: f64 = 0.028_964_4;
/// Earth's sphere of influence about the Sun [m] (Laplace: a (m/M)^(2/5) = 9.25e8 m). The
/// cruise's heliocentric phase starts on it: the flyby's leg carries the spacecraft from
/// periapsis to the sphere (`scenario::cruise::departure`); from then on the Earth-Moon
/// barycentre pulls as a third body, so the energy it takes between the sphere and infinity is
/// counted once.
pub const EARTH_SOI_M: f64 = 9.25e8;
