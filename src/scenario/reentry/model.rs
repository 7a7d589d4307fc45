//! From a validated config to what the engines consume: the dispersable parameters, the model
//! constants and tables shared by all samples, and each sample's packed input row.

use super::config::{
    AtmosphereModel, PerturbationConfig, PlanetModel, ReentryConfig, WindsConfig, CONVECTIVE_DKR,
    DROGUE_MAX_MACH, LIFT_TO_DRAG_MAX, MAX_CD, MAX_DELAY_S, MAX_DENSITY_SCALE, MAX_DIAMETER_M,
    MAX_DROGUE_CDA_M2, MAX_ENTRY_ALTITUDE_KM, MAX_ENTRY_SPEED_KM_S, MAX_MAIN_ALTITUDE_KM,
    MAX_MAIN_CDA_M2, MAX_MASS_KG, MAX_NOSE_RADIUS_M, MAX_RHO0_KG_M3, MAX_VINF_KM_S, MIN_CD,
    MIN_DENSITY_SCALE, MIN_DIAMETER_M, MIN_MU_M3_S2, MIN_PLANET_RADIUS_M, MIN_SCALE_HEIGHT_M,
    TERRAIN_MAX_M, TERRAIN_MIN_M,
};
use super::layout::*;
use crate::physics::bplane::{radec_unit, Hyperbola};
use crate::physics::constants::*;
use crate::physics::table::UniformTable;
use crate::physics::{atmosphere, earth_orientation, epoch, geodesy};

/// Why a B-plane sample is failed whose delivery never reaches the atmosphere.
pub const MISSED_INTERFACE: &str =
    "the sampled delivery's hyperbola passes above the entry interface";

/// Every scalar a dispersion may target, by its dotted config path.
pub const PARAM_NAMES: [&str; 32] = [
    "planet.mu_m3_s2",
    "planet.radius_m",
    "atmosphere.density_scale",
    "atmosphere.rho0_kg_m3",
    "atmosphere.scale_height_m",
    "vehicle.mass_kg",
    "vehicle.diameter_m",
    "vehicle.nose_radius_m",
    "vehicle.cd",
    "vehicle.cd_scale",
    "vehicle.lift_to_drag",
    "vehicle.bank_deg",
    "entry.altitude_km",
    "entry.velocity_km_s",
    "entry.flight_path_angle_deg",
    "entry.azimuth_deg",
    "entry.latitude_deg",
    "entry.longitude_deg",
    "parachutes.drogue_deploy_mach",
    "parachutes.drogue_delay_s",
    "parachutes.drogue_cd_area_m2",
    "parachutes.main_deploy_altitude_km",
    "parachutes.main_delay_s",
    "parachutes.main_cd_area_m2",
    "landing.terrain_height_m",
    "parachutes.g_switch_g",
    "entry.vinf_km_s",
    "entry.asymptote_ra_deg",
    "entry.asymptote_dec_deg",
    "entry.b_t_km",
    "entry.b_r_km",
    "entry.tof_offset_s",
];
pub const N_PARAMS: usize = PARAM_NAMES.len();
/// A parameter's index in [`PARAM_NAMES`], by its path: a misspelt path fails the build.
const fn param(path: &str) -> usize {
    crate::scenario::index_of(&PARAM_NAMES, path)
}
pub type Params = [f64; N_PARAMS];

const P_MU: usize = param("planet.mu_m3_s2");
pub const P_RADIUS: usize = param("planet.radius_m");
const P_DSCALE: usize = param("atmosphere.density_scale");
const P_RHO0: usize = param("atmosphere.rho0_kg_m3");
const P_H: usize = param("atmosphere.scale_height_m");
const P_MASS: usize = param("vehicle.mass_kg");
const P_DIAM: usize = param("vehicle.diameter_m");
const P_RN: usize = param("vehicle.nose_radius_m");
const P_CD: usize = param("vehicle.cd");
const P_CD_SCALE: usize = param("vehicle.cd_scale");
const P_LD: usize = param("vehicle.lift_to_drag");
const P_BANK: usize = param("vehicle.bank_deg");
pub const P_ALT: usize = param("entry.altitude_km");
pub const P_VEL: usize = param("entry.velocity_km_s");
pub const P_FPA: usize = param("entry.flight_path_angle_deg");
pub const P_AZ: usize = param("entry.azimuth_deg");
pub const P_LAT: usize = param("entry.latitude_deg");
pub const P_LON: usize = param("entry.longitude_deg");
const P_DROGUE: usize = param("parachutes.drogue_deploy_mach");
const P_DROGUE_DELAY: usize = param("parachutes.drogue_delay_s");
const P_DROGUE_CDA: usize = param("parachutes.drogue_cd_area_m2");
const P_MAIN_ALT: usize = param("parachutes.main_deploy_altitude_km");
const P_MAIN_DELAY: usize = param("parachutes.main_delay_s");
const P_MAIN_CDA: usize = param("parachutes.main_cd_area_m2");
const P_TERRAIN: usize = param("landing.terrain_height_m");
const P_GSW: usize = param("parachutes.g_switch_g");
const P_VINF: usize = param("entry.vinf_km_s");
const P_RA: usize = param("entry.asymptote_ra_deg");
const P_DEC: usize = param("entry.asymptote_dec_deg");
pub const P_BT: usize = param("entry.b_t_km");
pub const P_BR: usize = param("entry.b_r_km");
const P_TOF: usize = param("entry.tof_offset_s");
/// The entry state's parameters, which bplane mode derives from the delivery.
pub const DERIVED_ENTRY: [usize; 5] = [P_LAT, P_LON, P_VEL, P_FPA, P_AZ];

/// Cd table type codes for the shader.
pub const CD_CONSTANT: u32 = 0;
pub const CD_TABLE: u32 = 1;
/// Atmosphere model codes for the shader.
pub const ATM_TABLE: u32 = 0;
pub const ATM_EXPONENTIAL: u32 = 1;

/// Spacing of the tabulated US76 profile [m]. The cubic Hermite of ln(rho) at 50 m spacing
/// (Catmull-Rom slopes) stays within 5e-4 of the model even beside the lapse-rate kinks
/// (tests/atmosphere_table.rs).
pub const ATM_TABLE_DH_M: f64 = 50.0;
pub const ATM_TABLE_TOP_M: f64 = 1_000_000.0;

/// The adaptive method's first step [s]: the entry interface is quiet, and the controller
/// settles within a few steps whatever this is.
pub const FIRST_STEP_S: f64 = 2.0;

/// The wind: the mean profile at nodes every `spacing_m` from 0 m, east and north [m/s], and
/// the random part's Gauss-Markov process on the same nodes.
#[derive(Debug, Clone)]
pub struct Wind {
    pub spacing_m: f64,
    pub east: Vec<f64>,
    pub north: Vec<f64>,
    pub perturbation: Option<atmosphere::Perturbation>,
}

impl Wind {
    /// Nodes from 0 km to 10 km above the entry interface (or the profile's top, if higher):
    /// the profile and its sigma are held above their last rows, and a spline that ended
    /// lower would stop with a kink in the flight (at a 35 km top it put a peak-g error of
    /// 1.4e-4 on steep entries, against 2.5e-5 otherwise).
    fn new(w: &WindsConfig, entry_km: f64) -> Wind {
        let top_km = w.profile[w.profile.len() - 1][0].max(entry_km + 10.0);
        let n = (top_km / w.node_spacing_km).ceil() as usize + 1;
        let component = |c: usize| -> Vec<f64> {
            let rows: Vec<[f64; 2]> = w.profile.iter().map(|r| [r[0], r[c]]).collect();
            (0..n)
                .map(|k| atmosphere::sigma_at(&rows, k as f64 * w.node_spacing_km))
                .collect()
        };
        Wind {
            spacing_m: w.node_spacing_km * 1000.0,
            east: component(1),
            north: component(2),
            perturbation: w.perturbation.as_ref().map(|p| {
                atmosphere::Perturbation::new(
                    p.correlation_length_km,
                    &p.sigma,
                    w.node_spacing_km,
                    (n - 1) as f64 * w.node_spacing_km,
                )
            }),
        }
    }

    pub fn n_nodes(&self) -> usize {
        self.east.len()
    }
}

/// Append the uniform table `ys` for the kernel, one vec4 a segment (its two ends, then
/// `extra(k)`, two more values of segment k), at a multiple of four; returns its index in
/// vec4s. On lavapipe each load with a per-lane address is a loop over the lanes, whatever its
/// width: one load a look-up instead of two (docs/PERFORMANCE.md).
fn push_segments(consts: &mut Vec<f64>, ys: &[f64], extra: impl Fn(usize) -> [f64; 2]) -> usize {
    let at = align4(consts);
    for (k, w) in ys.windows(2).enumerate() {
        let [a, b] = extra(k);
        consts.extend([w[0], w[1], a, b]);
    }
    at
}

/// The Tauber-Sutton f(V) on the shader's uniform grid, its last value held from 16 km/s to
/// twice the first velocity (17.5 km/s), so that every speed from there up to 140 km/s halves
/// into the table by one to three halvings (`radiative_heat_flux` in shaders/heating.wgsl).
fn tauber_sutton_table() -> UniformTable {
    let mut ts = UniformTable::resample(&TAUBER_SUTTON_V_M_S, &TAUBER_SUTTON_F)
        .expect("the Tauber-Sutton velocities lie on a 250 m/s grid");
    let f_end = *ts.ys.last().expect("a Tauber-Sutton table");
    while ts.x0 + (ts.ys.len() - 1) as f64 * ts.dx < 2.0 * ts.x0 {
        ts.ys.push(f_end);
    }
    assert_eq!(
        ts.x0 + (ts.ys.len() - 1) as f64 * ts.dx,
        2.0 * ts.x0,
        "the grid reaches twice its first velocity"
    );
    ts
}

/// Pad `consts` with zeros to a multiple of four; returns its length in vec4s.
fn align4(consts: &mut Vec<f64>) -> usize {
    consts.resize(consts.len().div_ceil(4) * 4, 0.0);
    consts.len() / 4
}

/// Everything the engines need that is the same for all samples.
#[derive(Debug, Clone)]
pub struct Model {
    pub cfg: ReentryConfig,
    pub nominal: Params,
    /// Model constants and tables (see layout C_*), f64.
    pub consts: Vec<f64>,
    /// The kernel's uniform Tauber-Sutton table: its index in vec4s (one a segment).
    pub off_ts: usize,
    /// Points of the kernel's uniform Tauber-Sutton table.
    pub n_ts: usize,
    /// The kernel's Cd table: its index in vec4s (uniform grid, one a segment), or in reals
    /// ((Mach, Cd) rows).
    pub off_cd: usize,
    /// Points (uniform grid) or rows (bisection) of the kernel's Cd table.
    pub n_cd: usize,
    /// The atmosphere table as (ln density, speed of sound) pairs, for the CPU reference.
    pub off_atm: usize,
    /// The kernel's copy of the atmosphere table: its index in vec4s (two a segment).
    pub off_atm4: usize,
    pub n_atm: usize,
    pub atm_model: u32,
    pub cd_mode: u32,
    /// The Cd table as configured (empty without one): Mach numbers and Cd.
    pub cd_mach: Vec<f64>,
    pub cd_values: Vec<f64>,
    /// The kernel's Cd table is on a uniform grid (else (Mach, Cd) rows searched by bisection).
    pub cd_uniform: bool,
    /// integrator::METHOD_*
    pub method: u32,
    pub perturbation: Option<atmosphere::Perturbation>,
    /// The wind profile at its nodes, and its random part ([winds] given).
    pub wind: Option<Wind>,
    /// The aim point and the ground track's heading there: (lat, lon, heading) [deg], the
    /// heading that of the great circle from the nominal entry point to the target.
    pub target: Option<(f64, f64, f64)>,
    /// The parachute sequence is flown ([parachutes] given).
    pub chutes: bool,
    /// The drogue is triggered by a g-switch (else by the Mach number).
    pub g_switch: bool,
    /// A main canopy follows the drogue.
    pub has_main: bool,
    /// Bplane mode: the entry epoch's Julian date (TDB), to orient the Earth under the
    /// asymptote (None in state mode).
    pub bplane_epoch_jd: Option<f64>,
    /// Convective heating is a general power of V (Detra-Kemp-Riddell), not Sutton-Graves' V^3.
    pub conv_pow: bool,
    /// The dynamic pressure is watched as a maximum of its own (the kernel's QD_WATCH). Without
    /// a Cd table or lift, the watched deceleration (the drag alone, before any canopy) is the
    /// dynamic pressure times Cd A / (m g0) with Cd fixed, so their maxima fall at the same
    /// time and the finishing pass derives one from the other: the watch costs the ballistic
    /// bench 12 % (docs/PERFORMANCE.md). With a Cd table the two can peak apart: with a
    /// Cd rising through the pulse's Mach numbers, located in the deceleration's windows it
    /// came out 2 s early and 0.8 % low.
    pub watch_qdyn: bool,
}

fn may_lift(cfg: &ReentryConfig) -> bool {
    cfg.vehicle.lift_to_drag != 0.0 || cfg.disperses("vehicle.lift_to_drag")
}

impl Model {
    /// A sample's state row: without the dynamic pressure's watch it ends before its block.
    pub fn state_len(&self) -> usize {
        if self.watch_qdyn {
            STATE_LEN
        } else {
            S_PK_QD
        }
    }

    /// Some sample may fly with lift (the kernel's HAS_LIFT).
    pub fn may_lift(&self) -> bool {
        may_lift(&self.cfg)
    }

    /// The ballistic coefficient m / (Cd A) of parameters `p` [kg/m^2], with the hypersonic Cd
    /// (a table's row at its highest Mach number) times cd_scale.
    pub fn ballistic_coefficient(&self, p: &[f64]) -> f64 {
        let cd = self.cd_values.last().copied().unwrap_or(p[P_CD]) * p[P_CD_SCALE];
        let area = std::f64::consts::PI * 0.25 * p[P_DIAM] * p[P_DIAM];
        p[P_MASS] / (cd * area)
    }

    pub fn new(cfg: &ReentryConfig) -> Model {
        let bplane_epoch_jd = cfg.entry.bplane().then(|| {
            epoch::parse_tdb_jd("entry.epoch", &cfg.entry.epoch).expect("validated epoch")
        });
        let mut nominal = nominal_params(cfg);
        let mut consts = vec![0.0; CONSTS_FIXED];
        let rotation = cfg.planet.rotation;
        consts[C_OMEGA] = if rotation { EARTH_OMEGA_RAD_S } else { 0.0 };
        let ellipsoid = cfg.planet.model == PlanetModel::Wgs84J2;
        consts[C_J2] = if ellipsoid { EARTH_J2 } else { 0.0 };
        consts[C_E2] = if ellipsoid { WGS84_E2 } else { 0.0 };
        consts[C_E2_B] = (1.0 - consts[C_E2]).sqrt();
        consts[C_E2_EP] = consts[C_E2] / consts[C_E2_B];
        consts[C_G0] = G0_M_S2;
        if let Some(jd) = bplane_epoch_jd {
            entry_state_from_delivery(&mut nominal, jd, consts[C_E2], rotation);
        }
        let conv_pow = cfg.heating.convective == CONVECTIVE_DKR;
        (consts[C_CONV_K], consts[C_CONV_V], consts[C_CONV_N]) = if conv_pow {
            // 11,030 W/cm^2 (rho / 1.225)^0.5 / sqrt(Rn), in the 1e-4 W/cm^2 units of K.
            (
                DKR_Q_W_CM2 * 1.0e4 / DKR_RHO_SL_KG_M3.sqrt(),
                DKR_V_CIRCULAR_M_S,
                DKR_VELOCITY_EXPONENT,
            )
        } else {
            (SUTTON_GRAVES_K, 1.0, 3.0)
        };
        consts[C_TS_C] = TAUBER_SUTTON_C;
        consts[C_DT] = cfg.integrator.step_s;
        consts[C_DT_DESCENT] = cfg.integrator.descent_step_s;
        consts[C_T_LIMIT] = cfg.integrator.time_limit_s;
        consts[C_RTOL] = cfg.integrator.rtol;
        consts[C_ATOL] = cfg.integrator.atol;
        consts[C_RTOL_DESCENT] = cfg.integrator.descent_rtol;
        consts[C_MAX_STEP] = cfg.integrator.max_step_s;
        consts[C_H0] = FIRST_STEP_S.min(cfg.integrator.max_step_s);
        consts[C_ATM_H0] = 0.0;
        consts[C_ATM_DH] = ATM_TABLE_DH_M;
        consts[C_ATM_INV_DH] = 1.0 / ATM_TABLE_DH_M;
        consts[C_ATM_TOP] = ATM_TABLE_TOP_M;
        let perturbation = cfg
            .atmosphere
            .perturbation
            .as_ref()
            .map(|p: &PerturbationConfig| {
                atmosphere::Perturbation::new(
                    p.correlation_length_km,
                    &p.sigma,
                    p.node_spacing_km,
                    p.top_km,
                )
            });
        consts[C_PERT_DH] = perturbation.as_ref().map_or(1.0, |p| p.node_spacing_m);
        consts[C_PERT_INV_DH] = 1.0 / consts[C_PERT_DH];
        let wind = cfg
            .winds
            .as_ref()
            .map(|w| Wind::new(w, cfg.entry.altitude_km));
        consts[C_WIND_DH] = wind.as_ref().map_or(1.0, |w| w.spacing_m);
        consts[C_WIND_INV_DH] = 1.0 / consts[C_WIND_DH];

        // The kernel's copies of the tables, on uniform grids (physics::table), segment by
        // segment (`push_segments`); the CPU reference interpolates the tables as given.
        let ts = tauber_sutton_table();
        consts[C_TS_V0] = ts.x0;
        consts[C_TS_DV] = ts.dx;
        consts[C_TS_INV_DV] = 1.0 / ts.dx;
        consts[C_TS_F_END] = *ts.ys.last().expect("a Tauber-Sutton table");
        // With ln V and 1 / V at each segment's middle, from which the shader takes the
        // radiative exponent's ln V by a short series (no f64 logarithm or exponential).
        let off_ts = push_segments(&mut consts, &ts.ys, |k| {
            let mid = ts.x0 + (k as f64 + 0.5) * ts.dx;
            [mid.ln(), 1.0 / mid]
        });
        let n_ts = ts.ys.len();
        let mut off_cd = consts.len();
        // The Cd table as configured, as columns (empty without one).
        let rows = cfg.vehicle.cd_table.iter().flatten();
        let (cd_mach, cd_values): (Vec<f64>, Vec<f64>) = rows.map(|r| (r[0], r[1])).unzip();
        let (cd_mode, cd_uniform, n_cd) = match &cfg.vehicle.cd_table {
            Some(t) => match UniformTable::resample(&cd_mach, &cd_values) {
                Some(u) => {
                    consts[C_CD_X0] = u.x0;
                    consts[C_CD_DX] = u.dx;
                    consts[C_CD_INV_DX] = 1.0 / u.dx;
                    off_cd = push_segments(&mut consts, &u.ys, |_| [0.0, 0.0]);
                    (CD_TABLE, true, u.ys.len())
                }
                None => {
                    for row in t {
                        consts.extend_from_slice(row);
                    }
                    (CD_TABLE, false, t.len())
                }
            },
            None => (CD_CONSTANT, false, 0),
        };
        let off_atm = consts.len();
        let mut off_atm4 = 0;
        let (atm_model, n_atm) = match cfg.atmosphere.model {
            AtmosphereModel::Us76 => {
                let table = atmosphere::us76_table(ATM_TABLE_DH_M, ATM_TABLE_TOP_M);
                for (ln_rho, a) in &table {
                    consts.push(*ln_rho);
                    consts.push(*a);
                }
                // The kernel's copy, two vec4s a segment: the four ln densities of its cubic
                // (Catmull-Rom: the nodes around it, extrapolated linearly at the ends, as
                // `uniform_cubic` does) and its two speeds of sound.
                off_atm4 = align4(&mut consts);
                let n = table.len();
                let p = |k: usize| table[k].0;
                for k in 0..n - 1 {
                    let (p0, p1) = (p(k), p(k + 1));
                    let pm = if k > 0 { p(k - 1) } else { 2.0 * p0 - p1 };
                    let pp = if k + 2 < n { p(k + 2) } else { 2.0 * p1 - p0 };
                    consts.extend([pm, p0, p1, pp, table[k].1, table[k + 1].1, 0.0, 0.0]);
                }
                (ATM_TABLE, n)
            }
            AtmosphereModel::Exponential => (ATM_EXPONENTIAL, 0),
        };
        align4(&mut consts);
        Model {
            cfg: cfg.clone(),
            nominal,
            consts,
            off_ts,
            n_ts,
            off_cd,
            n_cd,
            off_atm,
            off_atm4,
            n_atm,
            atm_model,
            cd_mode,
            cd_uniform,
            cd_mach,
            cd_values,
            method: cfg.integrator.method().code(),
            perturbation,
            wind,
            target: match (cfg.landing.target_lat_deg, cfg.landing.target_lon_deg) {
                (Some(lat), Some(lon)) => Some((
                    lat,
                    lon,
                    geodesy::final_bearing_deg(nominal[P_LAT], nominal[P_LON], lat, lon),
                )),
                _ => None,
            },
            chutes: cfg.parachutes.is_some(),
            g_switch: cfg.g_switch(),
            has_main: cfg
                .parachutes
                .as_ref()
                .is_some_and(|p| p.main_deploy_altitude_km.is_some()),
            bplane_epoch_jd,
            conv_pow,
            watch_qdyn: cd_mode != CD_CONSTANT || may_lift(cfg),
        }
    }

    pub fn param_index(path: &str) -> Option<usize> {
        PARAM_NAMES.iter().position(|p| *p == path)
    }

    /// Number of density perturbation nodes.
    pub fn n_pert(&self) -> usize {
        self.perturbation.as_ref().map_or(0, |p| p.n_nodes())
    }

    /// Number of wind nodes (0 without winds).
    pub fn n_wind(&self) -> usize {
        self.wind.as_ref().map_or(0, |w| w.n_nodes())
    }

    /// Standard normals drawn per sample: the density profile's, then the wind's (east, then
    /// north) when it has a random part.
    pub fn n_normals(&self) -> usize {
        let wind_pert = self.wind.as_ref().is_some_and(|w| w.perturbation.is_some());
        self.n_pert() + if wind_pert { 2 * self.n_wind() } else { 0 }
    }

    /// The fixed part; from `pert_offset()` the density perturbation's spline, one segment
    /// (n_pert - 1 of them) after another, each four values: the ln density multiplier at its
    /// lower node, that node's second derivative, the same at its upper node; from
    /// `wind_offset()` the wind's nodes (n_wind), each four values: east, its second
    /// derivative, north, its second derivative. The row's length and both offsets are
    /// multiples of four, so that the kernel reads a segment or a node as one vec4 (`inputs4`
    /// in shaders/reentry_bindings.wgsl): on lavapipe each load with a per-lane address is a
    /// loop over the lanes, whatever its width (docs/PERFORMANCE.md).
    pub fn input_len(&self) -> usize {
        self.wind_offset() + 4 * self.n_wind()
    }

    /// Where the density perturbation's segments start in the input row.
    pub fn pert_offset(&self) -> usize {
        IN_FIXED.div_ceil(4) * 4
    }

    /// Where the wind's nodes start in the input row.
    pub fn wind_offset(&self) -> usize {
        self.pert_offset() + 4 * self.n_pert().saturating_sub(1)
    }

    /// Fill one sample's input row from its parameters and perturbation normals
    /// (`None`: no density perturbation, as for the nominal run). In bplane mode the entry
    /// state is first derived from the sampled delivery and written into `p` (DERIVED_ENTRY),
    /// so that the outputs and the input columns see it.
    /// A sample whose parameters are unphysical gets a NaN mass: the engines mark it failed.
    /// So does a sampled aim whose hyperbola passes above the entry interface.
    pub fn pack_input(&self, p: &mut Params, pert_z: Option<&[f64]>, row: &mut [f64]) {
        debug_assert_eq!(row.len(), self.input_len());
        if let Some(jd) = self.bplane_epoch_jd {
            entry_state_from_delivery(p, jd, self.consts[C_E2], self.consts[C_OMEGA] != 0.0);
        }
        let a_eq = p[P_RADIUS];
        let (r0, v0) = self.entry_state(p);
        row[I_R0..I_R0 + 3].copy_from_slice(&r0);
        row[I_V0..I_V0 + 3].copy_from_slice(&v0);
        let valid = self.unphysical(p).is_none();
        row[I_MASS] = if valid { p[P_MASS] } else { f64::NAN };
        row[I_AREA] = std::f64::consts::PI * p[P_DIAM] * p[P_DIAM] / 4.0;
        row[I_RN] = p[P_RN];
        row[I_LN_RN] = p[P_RN].ln();
        row[I_CD] = if self.cd_mode == CD_CONSTANT {
            p[P_CD]
        } else {
            0.0
        };
        row[I_CD_SCALE] = p[P_CD_SCALE];
        row[I_LD] = p[P_LD];
        let (sb, cb) = p[P_BANK].to_radians().sin_cos();
        row[I_COS_BANK] = cb;
        row[I_SIN_BANK] = sb;
        row[I_LN_DSCALE] = ln_or_zero(p[P_DSCALE]);
        if self.atm_model == ATM_EXPONENTIAL {
            row[I_LN_RHO0] = ln_or_zero(p[P_RHO0]);
            row[I_INV_H] = 1.0 / p[P_H];
            // Isothermal atmosphere: H = R T / (M g0), so a = sqrt(gamma g0 H).
            row[I_A_EXP] = (AIR_GAMMA * G0_M_S2 * p[P_H]).sqrt();
        } else {
            row[I_LN_RHO0] = 0.0;
            row[I_INV_H] = 0.0;
            row[I_A_EXP] = 0.0;
        }
        row[I_MU] = p[P_MU];
        row[I_AEQ] = a_eq;
        // The g-switch replaces the Mach trigger: no Mach number is at or below -1.
        (row[I_DROGUE_MACH], row[I_GSW]) = if self.g_switch {
            (-1.0, p[P_GSW])
        } else {
            (p[P_DROGUE], NO_STOP)
        };
        row[I_H_ENTRY] = p[P_ALT] * 1000.0;
        row[I_DROGUE_DELAY] = p[P_DROGUE_DELAY];
        row[I_DROGUE_CDA] = p[P_DROGUE_CDA];
        let terrain = p[P_TERRAIN];
        row[I_TERRAIN] = terrain;
        (row[I_MAIN_LEVEL], row[I_MAIN_DELAY], row[I_MAIN_CDA]) = if self.has_main {
            (
                terrain + p[P_MAIN_ALT] * 1000.0,
                p[P_MAIN_DELAY],
                p[P_MAIN_CDA],
            )
        } else {
            (-NO_STOP, 0.0, 0.0)
        };
        let n_pert = self.n_pert();
        row[IN_FIXED..].fill(0.0);
        if let (Some(pert), Some(z)) = (&self.perturbation, pert_z) {
            // Node values, then second derivatives; written out segment by segment.
            let mut nodes = vec![0.0; 2 * n_pert];
            pert.ln_factors(z, &mut nodes);
            let at = self.pert_offset();
            for (k, seg) in row[at..at + 4 * (n_pert - 1)]
                .chunks_exact_mut(4)
                .enumerate()
            {
                seg.copy_from_slice(&[
                    nodes[k],
                    nodes[n_pert + k],
                    nodes[k + 1],
                    nodes[n_pert + k + 1],
                ]);
            }
        }
        if let Some(w) = &self.wind {
            let n = w.n_nodes();
            let i_wind = self.wind_offset();
            for (c, mean) in [&w.east, &w.north].into_iter().enumerate() {
                let out = &mut row[i_wind + 2 * n * c..i_wind + 2 * n * (c + 1)];
                match (&w.perturbation, pert_z) {
                    (Some(wp), Some(z)) => {
                        let zc = &z[n_pert + n * c..n_pert + n * (c + 1)];
                        wp.add_to(zc, mean, out);
                    }
                    _ => {
                        out[..n].copy_from_slice(mean);
                        let (y, m) = out.split_at_mut(n);
                        atmosphere::natural_spline_second_derivatives(y, m);
                    }
                }
            }
            // [east.., east''.., north.., north''..] -> node after node.
            let block = &mut row[i_wind..i_wind + 4 * n];
            let by_part = block.to_vec();
            for (k, node) in block.chunks_exact_mut(4).enumerate() {
                for (c, v) in node.iter_mut().enumerate() {
                    *v = by_part[c * n + k];
                }
            }
        }
    }

    /// The inertial entry position and velocity [m, m/s] of parameters `p` (in bplane mode,
    /// once the entry state is derived into them).
    fn entry_state(&self, p: &Params) -> ([f64; 3], [f64; 3]) {
        let (lat, lon) = (p[P_LAT].to_radians(), p[P_LON].to_radians());
        let r0 = geodesy::geodetic_to_cartesian_m(
            lat,
            lon,
            p[P_ALT] * 1000.0,
            p[P_RADIUS],
            self.consts[C_E2],
        );
        let (up, north, east) = geocentric_frame(r0);
        let (sg, cg) = p[P_FPA].to_radians().sin_cos();
        let (sa, ca) = p[P_AZ].to_radians().sin_cos();
        let speed = p[P_VEL] * 1000.0;
        let mut v0 = [0.0; 3];
        for k in 0..3 {
            v0[k] = speed * (sg * up[k] + cg * (ca * north[k] + sa * east[k]));
        }
        (r0, v0)
    }

    /// What to add to a misopened drogue's failure (`drogue_misopened`'s reason), if the
    /// drogue was triggered at the interface under a Mach trigger: the entry was already slower
    /// there (a speed in the wrong unit, 0.3 for 300 m/s: a bad-input trial), where the
    /// reason alone advised a lower trigger. `state` is the sample's final state; the trigger's
    /// time is the opening's less the delay, to f32's rounding of the delay (relative 1e-6:
    /// the f32 engine stores the delay as f32).
    pub fn drogue_at_entry(&self, p: &Params, state: &[f64]) -> Option<String> {
        let t_open = state[S_T_DROGUE];
        let trigger_t = t_open - p[P_DROGUE_DELAY];
        let at_entry = self.chutes && !self.g_switch && t_open >= 0.0;
        (at_entry && trigger_t <= 1e-6 * t_open.max(1.0)).then(|| {
            format!(
                "; it was triggered at the interface, where the entry was already under {} = \
                 {}: is {} = {} in km/s?",
                self.cfg.drogue_mach_key().unwrap_or(PARAM_NAMES[P_DROGUE]),
                crate::config::full(p[P_DROGUE]),
                PARAM_NAMES[P_VEL],
                crate::config::full(p[P_VEL]),
            )
        })
    }

    /// Whether a B-plane sample's delivery misses the entry interface: no entry state (a NaN
    /// angle) from a hyperbola that exists (a v_inf in range and a positive mu: without one a
    /// NaN angle is the bad input's, named below, not a miss, and not "never captured": a
    /// review).
    pub fn missed_interface(&self, p: &Params) -> bool {
        self.bplane_epoch_jd.is_some()
            && p[P_FPA].is_nan()
            && p[P_VINF] > 0.0
            && p[P_VINF] <= MAX_VINF_KM_S
            && p[P_MU] > 0.0
    }

    /// The first parameter of a sample outside its physical range (`path = value`), or None.
    /// Such a sample is failed before any engine (pack_input gives it a NaN mass); this names
    /// why, for the `failure_reason` column.
    pub fn unphysical(&self, p: &Params) -> Option<String> {
        if self.missed_interface(p) {
            return Some(MISSED_INTERFACE.to_string());
        }
        let exp = self.atm_model == ATM_EXPONENTIAL;
        let main = self.has_main;
        let checks = [
            (p[P_MASS] > 0.0 && p[P_MASS] <= MAX_MASS_KG, P_MASS),
            (
                p[P_DIAM] >= MIN_DIAMETER_M && p[P_DIAM] <= MAX_DIAMETER_M,
                P_DIAM,
            ),
            (p[P_RN] > 0.0 && p[P_RN] <= MAX_NOSE_RADIUS_M, P_RN),
            (p[P_CD_SCALE] > 0.0, P_CD_SCALE),
            (p[P_LD].abs() <= LIFT_TO_DRAG_MAX, P_LD),
            (
                self.cd_mode == CD_TABLE || (MIN_CD..=MAX_CD).contains(&p[P_CD]),
                P_CD,
            ),
            (p[P_VEL] > 0.0 && p[P_VEL] <= MAX_ENTRY_SPEED_KM_S, P_VEL),
            (
                self.bplane_epoch_jd.is_none() || (p[P_VINF] > 0.0 && p[P_VINF] <= MAX_VINF_KM_S),
                P_VINF,
            ),
            (p[P_FPA] < 0.0 && p[P_FPA] > -90.0, P_FPA),
            // Above the terrain and the main's trigger, as the config is refused otherwise.
            (
                p[P_ALT] > 0.0
                    && p[P_ALT] <= MAX_ENTRY_ALTITUDE_KM
                    && p[P_ALT] > p[P_TERRAIN] / 1000.0 + if main { p[P_MAIN_ALT] } else { 0.0 },
                P_ALT,
            ),
            (p[P_LAT].abs() <= 90.0, P_LAT),
            (
                p[P_DSCALE] >= MIN_DENSITY_SCALE && p[P_DSCALE] <= MAX_DENSITY_SCALE,
                P_DSCALE,
            ),
            (!exp || p[P_H] >= MIN_SCALE_HEIGHT_M, P_H),
            (!exp || (0.0..=MAX_RHO0_KG_M3).contains(&p[P_RHO0]), P_RHO0),
            (p[P_RADIUS] >= MIN_PLANET_RADIUS_M, P_RADIUS),
            (p[P_MU] == 0.0 || p[P_MU] >= MIN_MU_M3_S2, P_MU),
            (
                self.g_switch || (p[P_DROGUE] > 0.0 && p[P_DROGUE] <= DROGUE_MAX_MACH),
                P_DROGUE,
            ),
            (!self.g_switch || p[P_GSW] > 0.0, P_GSW),
            (
                (0.0..=MAX_DELAY_S).contains(&p[P_DROGUE_DELAY]),
                P_DROGUE_DELAY,
            ),
            (
                p[P_DROGUE_CDA] >= 0.0 && (!self.chutes || p[P_DROGUE_CDA] <= MAX_DROGUE_CDA_M2),
                P_DROGUE_CDA,
            ),
            (
                !main || (p[P_MAIN_ALT] > 0.0 && p[P_MAIN_ALT] <= MAX_MAIN_ALTITUDE_KM),
                P_MAIN_ALT,
            ),
            (
                !main || (0.0..=MAX_DELAY_S).contains(&p[P_MAIN_DELAY]),
                P_MAIN_DELAY,
            ),
            (
                !main || (p[P_MAIN_CDA] > 0.0 && p[P_MAIN_CDA] <= MAX_MAIN_CDA_M2),
                P_MAIN_CDA,
            ),
            // The range the config refuses outside (config.rs, landing.terrain_height_m).
            (
                (TERRAIN_MIN_M..=TERRAIN_MAX_M).contains(&p[P_TERRAIN]),
                P_TERRAIN,
            ),
        ];
        let bad = checks
            .iter()
            .find(|(ok, _)| !ok)
            .map(|&(_, i)| i)
            .or_else(|| (0..N_PARAMS).find(|&i| !p[i].is_finite() && !is_unused(self, i)))?;
        let why = if bad == P_DROGUE && p[bad] > DROGUE_MAX_MACH {
            if self.chutes {
                format!(" (above Mach {DROGUE_MAX_MACH}, where no parachute model holds)")
            } else {
                format!(" (above Mach {DROGUE_MAX_MACH}: the descent's tolerance would fly the heat pulse)")
            }
        } else if [P_DIAM, P_DROGUE_CDA, P_MAIN_CDA, P_MASS, P_RN].contains(&bad) && p[bad] > 0.0 {
            " (larger than any capsule's: a unit slip?)".to_string()
        } else if [P_DROGUE_DELAY, P_MAIN_DELAY].contains(&bad) && p[bad] > 0.0 {
            format!(" (above {MAX_DELAY_S} s: a unit slip?)")
        } else if [P_VEL, P_VINF].contains(&bad) && p[bad] > 0.0 {
            " (faster than anything bound to the Sun meets the Earth; the unit is km/s)".to_string()
        } else if bad == P_ALT && p[bad] > MAX_ENTRY_ALTITUDE_KM {
            format!(" (above {MAX_ENTRY_ALTITUDE_KM} km)")
        } else if bad == P_ALT && p[bad] > 0.0 {
            format!(
                " (not above the terrain, {} m{}: the descent would start underground)",
                p[P_TERRAIN],
                if main {
                    format!(", plus the main's trigger, {} km", p[P_MAIN_ALT])
                } else {
                    String::new()
                }
            )
        } else if bad == P_RADIUS && p[bad] > 0.0 {
            format!(" (below {MIN_PLANET_RADIUS_M} m: a unit slip?)")
        } else if bad == P_H && p[bad] > 0.0 {
            format!(" (below {MIN_SCALE_HEIGHT_M} m: a unit slip?)")
        } else if bad == P_MAIN_ALT && p[bad] > 0.0 {
            format!(" (above {MAX_MAIN_ALTITUDE_KM} km, where drogues open)")
        } else if bad == P_LD {
            format!(" (beyond +/-{LIFT_TO_DRAG_MAX}, a glider's, which needs guidance)")
        } else {
            String::new()
        };
        Some(format!(
            "{} = {}{why}",
            PARAM_NAMES[bad],
            crate::config::full(p[bad])
        ))
    }

    /// The initial state row of a sample, from its input row.
    pub fn initial_state(&self, input: &[f64], state: &mut [f64]) {
        state.fill(0.0);
        state[S_R..S_R + 3].copy_from_slice(&input[I_R0..I_R0 + 3]);
        state[S_V..S_V + 3].copy_from_slice(&input[I_V0..I_V0 + 3]);
        state[S_H] = self.consts[C_H0];
        state[S_ERR_PREV] = crate::integrator::ERR_PREV_START;
        state[S_DROGUE_ALT] = -1.0;
        state[S_DROGUE_QDYN] = -1.0;
        state[S_CHUTE] = CH_NONE as f64;
        state[S_T_NEXT] = NO_STOP;
        state[S_T_DROGUE] = -1.0;
        state[S_T_MAIN] = -1.0;
        state[S_DROGUE_OPEN_MACH] = -1.0;
        state[S_DROGUE_OPEN_QDYN] = -1.0;
        state[S_MAIN_OPEN_QDYN] = -1.0;
        state[S_DROGUE_OPEN_ALT] = -1.0;
        state[S_MAIN_OPEN_ALT] = -1.0;
        // Unphysical sampled inputs (NaN mass) are failed here, on the host, before any engine.
        let ok = input[I_MASS].is_finite();
        state[S_STATUS] = if ok { ST_RUNNING } else { ST_FAILED } as f64;
    }
}

/// Bplane mode: the entry state (DERIVED_ENTRY) of the delivery in `p`, at the entry
/// interface's geodetic altitude: the hyperbola of the asymptote and aim point
/// (physics::bplane), turned into the Earth-fixed frame of the epoch plus the time-of-flight
/// offset (physics::earth_orientation). The model's inertial frame is Earth-fixed at that
/// instant, so the state needs no other rotation. On a planet that does not rotate
/// (`rotating` false) the frame is the epoch's whatever the offset: a later arrival meets the
/// same entry point (it moved by the Earth's rotation rate, an entry analyst's trial). An aim
/// that passes above the interface gets a NaN flight path angle, which fails the sample.
pub fn entry_state_from_delivery(p: &mut Params, epoch_jd_tdb: f64, e2: f64, rotating: bool) {
    let a = p[P_RADIUS];
    let offset_days = if rotating { p[P_TOF] / 86_400.0 } else { 0.0 };
    let m = earth_orientation::eme2000_to_earth_fixed(epoch_jd_tdb + offset_days);
    let hyp = Hyperbola::from_bplane(
        radec_unit(p[P_RA], p[P_DEC]),
        p[P_VINF] * 1000.0,
        p[P_BT] * 1000.0,
        p[P_BR] * 1000.0,
        p[P_MU],
    );
    let h = p[P_ALT] * 1000.0;
    // The radius of the interface's geodetic altitude where the hyperbola crosses it: the
    // altitude moves with the radius at a rate ~1, so each pass shrinks the error by the
    // ellipsoid's slope along the track (< e2); 1e-6 m is reached within a few passes.
    let mut radius = a + h;
    let mut state = None;
    for _ in 0..20 {
        let Some((r, v)) = hyp.and_then(|hy| hy.inbound_at_radius(radius)) else {
            state = None;
            break;
        };
        let r = earth_orientation::apply(&m, r);
        let (_, _, alt) = geodesy::cartesian_to_geodetic_m(r, a, e2);
        state = Some((r, earth_orientation::apply(&m, v)));
        if (alt - h).abs() < 1e-6 {
            break;
        }
        radius += h - alt;
    }
    let Some((r, v)) = state else {
        // No entry state: every derived column NaN (they held the nominal's, but for the
        // angle: a new user's trial), and the NaN angle fails the sample (`unphysical`).
        for i in DERIVED_ENTRY {
            p[i] = f64::NAN;
        }
        return;
    };
    let (lat, lon, _) = geodesy::cartesian_to_geodetic_m(r, a, e2);
    let (up, north, east) = geocentric_frame(r);
    let speed = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    let dot = |u: [f64; 3]| (u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) / speed;
    p[P_LAT] = lat.to_degrees();
    p[P_LON] = lon.to_degrees();
    p[P_VEL] = speed / 1000.0;
    p[P_FPA] = dot(up).clamp(-1.0, 1.0).asin().to_degrees();
    p[P_AZ] = dot(east).atan2(dot(north)).to_degrees();
}

/// Parameters that the chosen models do not use may be NaN.
fn is_unused(model: &Model, i: usize) -> bool {
    let delivery = [P_VINF, P_RA, P_DEC, P_BT, P_BR, P_TOF].contains(&i);
    (delivery && model.bplane_epoch_jd.is_none())
        || (i == P_CD && model.cd_mode == CD_TABLE)
        || ((i == P_RHO0 || i == P_H) && model.atm_model != ATM_EXPONENTIAL)
        || ((i == P_MAIN_ALT || i == P_MAIN_DELAY || i == P_MAIN_CDA) && !model.has_main)
        || (i == P_GSW && !model.g_switch)
        || (i == P_DROGUE && model.g_switch)
}

fn ln_or_zero(x: f64) -> f64 {
    if x > 0.0 {
        x.ln().max(LN_ZERO)
    } else {
        LN_ZERO
    }
}

/// Unit vectors up, north and east of the geocentric horizon at r: up along r (so the flight
/// path angle has sin gamma = r_hat . v_hat, the convention of navigation and entry tools,
/// docs/SOURCES.md), east along the parallel, north completing the frame. Against the geodetic
/// horizon the two differ by up to ~0.19 deg at mid-latitudes (4.4 km in the default landing).
fn geocentric_frame(r: [f64; 3]) -> ([f64; 3], [f64; 3], [f64; 3]) {
    let rn = (r[0] * r[0] + r[1] * r[1] + r[2] * r[2]).sqrt();
    let up = [r[0] / rn, r[1] / rn, r[2] / rn];
    let p = r[0].hypot(r[1]);
    let east = [-r[1] / p, r[0] / p, 0.0];
    let north = [
        up[1] * east[2] - up[2] * east[1],
        up[2] * east[0] - up[0] * east[2],
        up[0] * east[1] - up[1] * east[0],
    ];
    (up, north, east)
}

fn nominal_params(cfg: &ReentryConfig) -> Params {
    let mut p = [f64::NAN; N_PARAMS];
    (p[P_MU], p[P_RADIUS]) = cfg.planet.mu_radius();
    p[P_DSCALE] = cfg.atmosphere.density_scale;
    p[P_RHO0] = cfg.atmosphere.rho0_kg_m3.unwrap_or(f64::NAN);
    p[P_H] = cfg.atmosphere.scale_height_m.unwrap_or(f64::NAN);
    let v = &cfg.vehicle;
    p[P_MASS] = v.mass_kg;
    p[P_DIAM] = v.diameter_m;
    p[P_RN] = v.nose_radius_m;
    p[P_CD] = v.cd.unwrap_or(f64::NAN);
    p[P_CD_SCALE] = v.cd_scale;
    p[P_LD] = v.lift_to_drag;
    p[P_BANK] = v.bank_deg;
    let e = &cfg.entry;
    let nan = f64::NAN;
    p[P_ALT] = e.altitude_km;
    p[P_VEL] = e.velocity_km_s.unwrap_or(nan);
    p[P_FPA] = e.flight_path_angle_deg.unwrap_or(nan);
    p[P_AZ] = e.azimuth_deg.unwrap_or(nan);
    p[P_LAT] = e.latitude_deg.unwrap_or(nan);
    p[P_LON] = e.longitude_deg.unwrap_or(nan);
    p[P_VINF] = e.vinf_km_s.unwrap_or(nan);
    p[P_RA] = e.asymptote_ra_deg.unwrap_or(nan);
    p[P_DEC] = e.asymptote_dec_deg.unwrap_or(nan);
    p[P_BT] = e.b_t_km.unwrap_or(nan);
    p[P_BR] = e.b_r_km.unwrap_or(nan);
    p[P_TOF] = if e.bplane() { 0.0 } else { nan };
    p[P_DROGUE] = cfg.drogue_deploy_mach();
    let pc = cfg.parachutes.as_ref();
    p[P_DROGUE_DELAY] = pc.map_or(0.0, |c| c.drogue_delay_s);
    p[P_DROGUE_CDA] = pc.map_or(0.0, |c| c.drogue_cd_area_m2);
    p[P_MAIN_ALT] = pc
        .and_then(|c| c.main_deploy_altitude_km)
        .unwrap_or(f64::NAN);
    // Without a main canopy its delay is read by nothing: NaN, so that it cannot be dispersed
    // (a dispersion of it ran, and the tornado ranked it: a from-scratch trial).
    p[P_MAIN_DELAY] = pc
        .filter(|c| c.main_deploy_altitude_km.is_some())
        .map_or(f64::NAN, |c| c.main_delay_s);
    p[P_MAIN_CDA] = pc.and_then(|c| c.main_cd_area_m2).unwrap_or(f64::NAN);
    p[P_TERRAIN] = cfg.landing.terrain_height_m;
    p[P_GSW] = pc.and_then(|c| c.g_switch_g).unwrap_or(f64::NAN);
    p
}
