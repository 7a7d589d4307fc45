//! The U.S. Standard Atmosphere 1976, 0 to 1000 km geometric altitude, in `f64`.
//!
//! Source: *U.S. Standard Atmosphere, 1976*, NOAA / NASA / USAF, U.S. Government Printing
//! Office, Washington D.C., October 1976 (NOAA-S/T 76-1562, NASA-TM-X-74335), Part 1.
//! The constants below are the published ones: the Category I constants of Table 2
//! (g0, r0, R*, N_A, k, M0), the species molecular weights of Table 3, the seven
//! geopotential layers of Table 4, the molecular-weight ratio M/M0 between 80 and 86 km
//! (Table 8), the diffusion coefficients a_i, b_i, alpha_i (Table 6), the vertical-flux
//! coefficients Q_i, q_i, U_i, u_i, W_i, w_i (Table 7), the 86 km number densities (Table 9)
//! and the hydrogen boundary values (n(H) = 8.0e10 m^-3 at 500 km, flux 7.2e11 m^-2 s^-1).
//! Only the 91-110 km ellipse constants are re-derived without rounding (see `T_C`).
//!
//! # Model
//!
//! * **Below 86 km** the standard's hydrostatic layers in geopotential height
//!   `H = r0 Z / (r0 + Z)`: molecular-scale temperature `T_M` linear in `H`, the published
//!   base pressures, `rho = P M0 / (R* T_M)`. Between 80 and 86 km the kinetic temperature is
//!   `T = T_M (M/M0)` and the mean molar mass `M0 (M/M0)`, with M/M0 interpolated linearly
//!   in the standard's 0.5 km table.
//! * **86 to 1000 km** the kinetic temperature is the standard's piecewise profile
//!   (isothermal, elliptical, linear, exponential) and the number densities of N2, O, O2,
//!   Ar and He follow the standard's diffusion equations: molecular diffusion
//!   `D_i = a_i (T/273.15)^b_i / n`, thermal diffusion `alpha_i`, eddy diffusion `K(Z)`,
//!   the empirical flux terms and gravity `g0 (r0/(r0+Z))^2`. As in the standard, the
//!   system is solved species by species: the `n` and mean molar mass `M` entering the O
//!   and O2 equations are those of N2, those entering Ar and He the sum over N2, O and O2,
//!   and `M = M0` up to 100 km. Hydrogen starts at 150 km (as in the standard, a step of
//!   3e-7 in density and 7e-6 in pressure there) and follows the standard's flux solution
//!   anchored at 500 km; above 500 km the flux term is not applied (diffusive
//!   equilibrium; applying it would change the 1000 km density by -7e-5).
//!   `rho = sum n_i m_i / N_A`, `P = n k T`. The densities reproduce the standard's
//!   Table 1 (4 significant figures) from 86 to 1000 km to within its rounding.
//!
//! The equations above 86 km are integrated once, upward, with the classical fourth-order
//! Runge-Kutta method on a fixed 0.25 km grid whose nodes include every point where an
//! integrand changes form (91, 95, 97, 100, 110, 115, 120, 150, 500 km). The node states
//! are cached on first use; a query between two nodes takes one Runge-Kutta step from the
//! node below, so [`us76`] and [`us76_profile`] return identical values. Against a
//! 0.025 km reference grid the density differs by less than 1e-7 (relative).
//!
//! # Speed of sound
//!
//! `a = sqrt(1.4 R* T / M)` with `M` the mean molar mass. Below 86 km this equals the
//! standard's `sqrt(1.4 R* T_M / M0)`. The standard does not tabulate it above 86 km: the
//! values there are dispersa's extension (a continuum value, of little physical meaning in
//! the free-molecular regime).
//!
//! # The 86 km junction
//!
//! The standard identifies the top of the lower atmosphere, `H = 84.852` km', with
//! `Z = 86` km, but `84.852` is rounded: exactly, `H = 84.852` km' is `Z = 85.999954` km.
//! The published 86 km number densities match the lower atmosphere at `H = 84.852` km'
//! (density within 1e-6), not at `Z = 86` km (8e-6 apart). Here the lower layers end at
//! `H = 84.852` km' and the 4.6 cm between that height and 86 km are bridged by
//! interpolating `ln rho`, `ln P`, `T` and `M` linearly, which keeps every quantity
//! continuous and the density strictly decreasing.
//!
//! # Out-of-range altitudes
//!
//! Nothing panics. Below 0 m the first layer is extrapolated down to -5 km (the standard's
//! own lower limit); below -5 km the -5 km point is returned. Above 1000 km (or `+inf`)
//! the 1000 km point is returned. A NaN altitude gives a point whose fields are all NaN.

use std::sync::OnceLock;

/// The atmosphere at one altitude, SI units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Us76Point {
    /// Mass density, kg/m^3.
    pub density_kg_m3: f64,
    /// Kinetic temperature, K.
    pub temperature_k: f64,
    /// Pressure, Pa.
    pub pressure_pa: f64,
    /// `sqrt(1.4 R* T / M)`, m/s (above 86 km an extension of the standard).
    pub speed_of_sound_m_s: f64,
    /// Mean molar mass of the gas mixture, kg/mol.
    pub mean_molar_mass_kg_mol: f64,
}

// ---- Category I constants (Table 2), in the standard's kmol-based units ----
/// Standard gravity, m/s^2.
const G0: f64 = 9.80665;
/// Effective Earth radius, km.
const R0_KM: f64 = 6356.766;
/// Universal gas constant, J/(kmol K).
const R_STAR: f64 = 8314.32;
/// Sea-level mean molecular weight, kg/kmol.
const M0: f64 = 28.9644;
/// Avogadro constant, 1/kmol.
const N_A: f64 = 6.022169e26;
/// Boltzmann constant, J/K.
const K_BOLTZMANN: f64 = 1.380622e-23;
/// Ratio of specific heats used for the speed of sound.
const GAMMA: f64 = 1.4;

// ---- Lower atmosphere (Table 4) ----
/// Layer base geopotential heights, km'.
const H_BASE: [f64; 7] = [0.0, 11.0, 20.0, 32.0, 47.0, 51.0, 71.0];
/// Layer base molecular-scale temperatures, K.
const T_BASE: [f64; 7] = [288.15, 216.65, 216.65, 228.65, 270.65, 270.65, 214.65];
/// Molecular-scale temperature gradients, K/km'.
const LAPSE: [f64; 7] = [-6.5, 0.0, 1.0, 2.8, 0.0, -2.8, -2.0];
/// Layer base pressures, Pa.
const P_BASE: [f64; 7] = [
    101_325.0, 22_632.06, 5_474.889, 868.0187, 110.9063, 66.93887, 3.956420,
];
/// Top of the lower atmosphere, km'.
const H_TOP: f64 = 84.852;
/// Lowest altitude the first layer is extrapolated to, km.
const Z_MIN: f64 = -5.0;
/// M/M0 at Z = 80, 80.5, ..., 86 km (Table 8).
const M_RATIO: [f64; 13] = [
    1.000000, 0.999996, 0.999989, 0.999971, 0.999941, 0.999909, 0.999870, 0.999829, 0.999786,
    0.999741, 0.999694, 0.999641, 0.999579,
];

// ---- Upper atmosphere ----
/// Base of the diffusion model, km.
const Z7: f64 = 86.0;
/// Top of the model, km.
const Z_MAX: f64 = 1000.0;
/// Kinetic temperature from 86 to 91 km, K.
const T7: f64 = 186.8673;
/// Elliptical segment 91-110 km: centre temperature (K), amplitude (K), half-axis (km).
/// The standard publishes 263.1905, -76.3232 and -19.9429, rounded from its defining
/// conditions (T = 186.8673 K at 91 km, T = 240 K and dT/dZ = 12 K/km at 110 km). These
/// are the unrounded solutions of those conditions; with the rounded ones T would jump by
/// 2.7e-4 K at 110 km.
const T_C: f64 = 263.190_480_022_031_5;
const ELL_A: f64 = -76.323_180_022_031_53;
const ELL_LITTLE_A: f64 = -19.942_874_919_000_1;
/// Temperature at 110 km (K) and gradient from 110 to 120 km (K/km).
const T9: f64 = 240.0;
const LAPSE9: f64 = 12.0;
/// Temperature at 120 km, exospheric temperature (K) and the decay rate (1/km).
const T10: f64 = 360.0;
const T_INF: f64 = 1000.0;
const LAMBDA: f64 = 0.01875;

/// Species order: N2, O, O2, Ar, He, H.
const N2: usize = 0;
const O1: usize = 1;
const O2: usize = 2;
const AR: usize = 3;
const HE: usize = 4;
/// Molecular weights, kg/kmol (Table 3).
const MASS: [f64; 6] = [28.0134, 15.9994, 31.9988, 39.948, 4.0026, 1.00797];
/// Number densities at 86 km, 1/m^3 (Table 9).
const N_86: [f64; 5] = [1.129794e20, 8.6e16, 3.030898e19, 1.351400e18, 7.5817e14];
/// Molecular-diffusion coefficients for O, O2, Ar, He, H (Table 6): a_i in 1/(m s), b_i.
const DIFF_A: [f64; 5] = [6.986e20, 4.863e20, 4.487e20, 1.700e21, 3.305e21];
const DIFF_B: [f64; 5] = [0.750, 0.750, 0.870, 0.691, 0.500];
/// Thermal-diffusion factors for O, O2, Ar, He, H (Table 6).
const ALPHA: [f64; 5] = [0.0, 0.0, 0.0, -0.40, -0.25];
/// Flux-term coefficients for O, O2, Ar, He (Table 7): Q_i (1/km^3), U_i (km), W_i (1/km^3).
const FLUX_Q: [f64; 4] = [-5.809644e-4, 1.366212e-4, 9.434079e-5, -2.457369e-4];
const FLUX_U: [f64; 4] = [56.90311, 86.0, 86.0, 86.0];
const FLUX_W: [f64; 4] = [2.706240e-5, 8.333333e-5, 8.333333e-5, 6.666667e-4];
/// The second flux term, atomic oxygen only, below 97 km.
const FLUX_Q_O: f64 = -3.416248e-3;
const FLUX_U_O: f64 = 97.0;
const FLUX_W_O: f64 = 5.008765e-4;
/// Eddy diffusion: 120 m^2/s up to 95 km, then decaying to zero at 115 km.
const K7: f64 = 120.0;
const Z_EDDY: f64 = 95.0;
const Z_EDDY_END: f64 = 115.0;
/// Above this height the mean molecular weight in the diffusion equations is not M0, km.
const Z_MIX: f64 = 100.0;
/// Hydrogen: lowest height (km), anchor height (km), density there (1/m^3), flux (1/(m^2 s)).
const Z_H_LOW: f64 = 150.0;
const Z_H_ANCHOR: f64 = 500.0;
const N_H_ANCHOR: f64 = 8.0e10;
const PHI_H: f64 = 7.2e11;

/// Integration step, km; 91, 95, 97, 100, 110, 115, 120, 150 and 500 km are nodes.
const STEP_KM: f64 = 0.25;
const N_NODES: usize = 3657; // (1000 - 86) / 0.25 + 1

/// Integrated state: `ln(n_i T / (n_i(86) T7))` for N2, O, O2, Ar, He; then for hydrogen
/// `tau = int_150^Z g M_H / (R* T) dZ` and `I = int_150^Z (T/T500)^(1+alpha_H) e^tau / D_H dZ`
/// (in s/m).
type State = [f64; 7];
const TAU: usize = 5;
const IH: usize = 6;

/// Geometric altitude in metres -> the atmosphere there. See the module documentation for
/// the treatment of altitudes outside 0..=1_000_000 m.
pub fn us76(altitude_m: f64) -> Us76Point {
    point_at(altitude_m, table())
}

/// The model at many altitudes. The equations above 86 km are integrated once (cached for
/// the whole process) and every altitude then costs one Runge-Kutta step, so the altitudes
/// need not be sorted. Pointwise identical to [`us76`].
pub fn us76_profile(altitudes_m: &[f64]) -> Vec<Us76Point> {
    let table = table();
    altitudes_m.iter().map(|&z| point_at(z, table)).collect()
}

fn point_at(altitude_m: f64, table: &UpperTable) -> Us76Point {
    if altitude_m.is_nan() {
        let nan = f64::NAN;
        return Us76Point {
            density_kg_m3: nan,
            temperature_k: nan,
            pressure_pa: nan,
            speed_of_sound_m_s: nan,
            mean_molar_mass_kg_mol: nan,
        };
    }
    let z_km = (altitude_m / 1000.0).clamp(Z_MIN, Z_MAX);
    let z_top = R0_KM * H_TOP / (R0_KM - H_TOP);
    if z_km <= z_top {
        lower_point(z_km)
    } else if z_km < Z7 {
        // Bridge the 4.6 cm between H = 84.852 km' and Z = 86 km (module docs).
        let below = lower_point(z_top);
        let above = table.point(Z7);
        let t = (z_km - z_top) / (Z7 - z_top);
        let lerp = |a: f64, b: f64| a + (b - a) * t;
        let temperature_k = lerp(below.temperature_k, above.temperature_k);
        let molar = lerp(below.mean_molar_mass_kg_mol, above.mean_molar_mass_kg_mol);
        Us76Point {
            density_kg_m3: lerp(below.density_kg_m3.ln(), above.density_kg_m3.ln()).exp(),
            temperature_k,
            pressure_pa: lerp(below.pressure_pa.ln(), above.pressure_pa.ln()).exp(),
            speed_of_sound_m_s: sound_speed(temperature_k, molar * 1000.0),
            mean_molar_mass_kg_mol: molar,
        }
    } else {
        table.point(z_km)
    }
}

fn sound_speed(temperature_k: f64, molar_kg_kmol: f64) -> f64 {
    (GAMMA * R_STAR * temperature_k / molar_kg_kmol).sqrt()
}

/// The seven-layer model at geometric height `z_km` (at most the top of the last layer).
fn lower_point(z_km: f64) -> Us76Point {
    let h = R0_KM * z_km / (R0_KM + z_km);
    let layer = H_BASE.iter().rposition(|&hb| hb <= h).unwrap_or(0);
    let (hb, tb, lapse, pb) = (H_BASE[layer], T_BASE[layer], LAPSE[layer], P_BASE[layer]);
    // g0 M0 / R*, K per km'.
    let gmr = G0 * M0 / R_STAR * 1000.0;
    let tm = tb + lapse * (h - hb);
    let pressure = if lapse == 0.0 {
        pb * (-gmr * (h - hb) / tb).exp()
    } else {
        pb * (tb / tm).powf(gmr / lapse)
    };
    let ratio = molar_ratio(z_km);
    Us76Point {
        density_kg_m3: pressure * M0 / (R_STAR * tm),
        temperature_k: tm * ratio,
        pressure_pa: pressure,
        speed_of_sound_m_s: sound_speed(tm, M0),
        mean_molar_mass_kg_mol: M0 * ratio / 1000.0,
    }
}

/// M/M0, linear in the standard's 0.5 km table between 80 and 86 km, 1 below.
fn molar_ratio(z_km: f64) -> f64 {
    if z_km <= 80.0 {
        return 1.0;
    }
    let x = ((z_km - 80.0) / 0.5).min(12.0);
    let i = (x as usize).min(11);
    let frac = x - i as f64;
    M_RATIO[i] + (M_RATIO[i + 1] - M_RATIO[i]) * frac
}

/// Kinetic temperature (K) and its gradient (K/km) at `z_km` >= 86 km.
fn kinetic_temperature(z_km: f64) -> (f64, f64) {
    if z_km < 91.0 {
        (T7, 0.0)
    } else if z_km < 110.0 {
        let x = (z_km - 91.0) / ELL_LITTLE_A;
        let root = (1.0 - x * x).sqrt();
        (T_C + ELL_A * root, -ELL_A * x / (ELL_LITTLE_A * root))
    } else if z_km < 120.0 {
        (T9 + LAPSE9 * (z_km - 110.0), LAPSE9)
    } else {
        let ratio = (R0_KM + 120.0) / (R0_KM + z_km);
        let decay = (T_INF - T10) * (-LAMBDA * (z_km - 120.0) * ratio).exp();
        (T_INF - decay, LAMBDA * ratio * ratio * decay)
    }
}

/// Gravity, m/s^2.
fn gravity(z_km: f64) -> f64 {
    let r = R0_KM / (R0_KM + z_km);
    G0 * r * r
}

/// Eddy-diffusion coefficient, m^2/s.
fn eddy(z_km: f64) -> f64 {
    if z_km < Z_EDDY {
        K7
    } else if z_km < Z_EDDY_END {
        let d = z_km - Z_EDDY;
        K7 * (1.0 - 400.0 / (400.0 - d * d)).exp()
    } else {
        0.0
    }
}

/// The empirical flux term `v_i / (D_i + K)` for O, O2, Ar, He (index 0..4), 1/km.
fn flux(species: usize, z_km: f64) -> f64 {
    let d = z_km - FLUX_U[species];
    let mut term = FLUX_Q[species] * d * d * (-FLUX_W[species] * d * d * d).exp();
    if species == 0 && z_km < FLUX_U_O {
        let d = FLUX_U_O - z_km;
        term += FLUX_Q_O * d * d * (-FLUX_W_O * d * d * d).exp();
    }
    term
}

/// Number densities of N2, O, O2, Ar, He from the state.
fn heavy_densities(state: &State, temperature: f64) -> [f64; 5] {
    std::array::from_fn(|i| N_86[i] * T7 / temperature * state[i].exp())
}

/// `d state / dZ` (per km). `regime_km` (the middle of the current step) selects the side
/// of the two integrand discontinuities, at 100 km (M0 -> actual M) and 150 km (hydrogen).
fn derivative(z_km: f64, state: &State, regime_km: f64, t500: f64) -> State {
    let (temperature, dtdz_km) = kinetic_temperature(z_km);
    let dtdz = dtdz_km / 1000.0;
    let g = gravity(z_km);
    let k = eddy(z_km);
    let n = heavy_densities(state, temperature);
    let mixed = regime_km < Z_MIX;
    // Per metre -> per km.
    let scale = 1000.0 / (R_STAR * temperature);
    let mut out = [0.0; 7];

    out[N2] = -g * if mixed { M0 } else { MASS[N2] } * scale;
    for species in [O1, O2, AR, HE] {
        let lighter = if species <= O2 { 1 } else { 3 };
        let sum_n: f64 = n[..lighter].iter().sum();
        let mean = if mixed {
            M0
        } else {
            n[..lighter]
                .iter()
                .zip(MASS)
                .map(|(ni, m)| ni * m)
                .sum::<f64>()
                / sum_n
        };
        let c = species - 1;
        let d = DIFF_A[c] * (temperature / 273.15).powf(DIFF_B[c]) / sum_n;
        let thermal = ALPHA[c] * R_STAR * dtdz;
        let weight = (d * (MASS[species] * g + thermal) + k * mean * g) / (d + k);
        out[species] = -(weight * scale + flux(c, z_km));
    }
    if regime_km >= Z_H_LOW {
        let sum_n: f64 = n.iter().sum();
        let d = DIFF_A[4] * (temperature / 273.15).powf(DIFF_B[4]) / sum_n;
        out[TAU] = g * MASS[5] * scale;
        out[IH] = 1000.0 * (temperature / t500).powf(1.0 + ALPHA[4]) * state[TAU].exp() / d;
    }
    out
}

fn rk4_step(z_km: f64, state: &State, h: f64, regime_km: f64, t500: f64) -> State {
    let add = |s: &State, k: &State, f: f64| -> State { std::array::from_fn(|i| s[i] + f * k[i]) };
    let k1 = derivative(z_km, state, regime_km, t500);
    let k2 = derivative(z_km + 0.5 * h, &add(state, &k1, 0.5 * h), regime_km, t500);
    let k3 = derivative(z_km + 0.5 * h, &add(state, &k2, 0.5 * h), regime_km, t500);
    let k4 = derivative(z_km + h, &add(state, &k3, h), regime_km, t500);
    std::array::from_fn(|i| state[i] + h / 6.0 * (k1[i] + 2.0 * (k2[i] + k3[i]) + k4[i]))
}

/// The upward integration from 86 to 1000 km, node by node.
struct UpperTable {
    nodes: Vec<State>,
    t500: f64,
    tau500: f64,
    i500: f64,
}

fn table() -> &'static UpperTable {
    static TABLE: OnceLock<UpperTable> = OnceLock::new();
    TABLE.get_or_init(UpperTable::build)
}

fn node_height(index: usize) -> f64 {
    Z7 + STEP_KM * index as f64
}

impl UpperTable {
    fn build() -> Self {
        let t500 = kinetic_temperature(Z_H_ANCHOR).0;
        let mut nodes = Vec::with_capacity(N_NODES);
        let mut state = [0.0; 7];
        nodes.push(state);
        for i in 0..N_NODES - 1 {
            let z = node_height(i);
            state = rk4_step(z, &state, STEP_KM, z + 0.5 * STEP_KM, t500);
            nodes.push(state);
        }
        let anchor = nodes[((Z_H_ANCHOR - Z7) / STEP_KM).round() as usize];
        Self {
            nodes,
            t500,
            tau500: anchor[TAU],
            i500: anchor[IH],
        }
    }

    /// The state at `z_km` in 86..=1000: one step from the node at or below it.
    fn state(&self, z_km: f64) -> State {
        let index = (((z_km - Z7) / STEP_KM) as usize).min(N_NODES - 1);
        let base = node_height(index);
        let h = z_km - base;
        if h <= 0.0 {
            return self.nodes[index];
        }
        rk4_step(base, &self.nodes[index], h, base + 0.5 * STEP_KM, self.t500)
    }

    fn point(&self, z_km: f64) -> Us76Point {
        let state = self.state(z_km);
        let (temperature, _) = kinetic_temperature(z_km);
        let heavy = heavy_densities(&state, temperature);
        let hydrogen = if z_km < Z_H_LOW {
            0.0
        } else {
            let exponent = 1.0 + ALPHA[4];
            let shape = (self.t500 / temperature).powf(exponent) * (-state[TAU]).exp();
            let flux_part = if z_km < Z_H_ANCHOR {
                PHI_H * (self.i500 - state[IH])
            } else {
                0.0
            };
            (N_H_ANCHOR * self.tau500.exp() + flux_part) * shape
        };
        let mut total = hydrogen;
        let mut mass = hydrogen * MASS[5];
        for (ni, mi) in heavy.iter().zip(MASS) {
            total += ni;
            mass += ni * mi;
        }
        let molar = mass / total;
        Us76Point {
            density_kg_m3: mass / N_A,
            temperature_k: temperature,
            pressure_pa: total * K_BOLTZMANN * temperature,
            speed_of_sound_m_s: sound_speed(temperature, molar),
            mean_molar_mass_kg_mol: molar / 1000.0,
        }
    }
}
