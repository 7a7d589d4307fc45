//! The reentry config (`configs/tianwen2_reentry.toml` is the worked example) and its validation.

use crate::config::{
    finite, non_negative, positive, tolerances, ConfigError, CorrelatedConfig, Dispersions,
    RawConfig, RunConfig,
};
use serde::Deserialize;

/// The fastest an Earth entry can be for a body bound to the Sun [km/s]: at perihelion (0.983
/// au) the solar escape speed (42.5 km/s) met head-on by the Earth's orbital speed (30.3 km/s)
/// gives a v-infinity of at most 72.8 km/s, and with the Earth's escape speed at the interface
/// (11.1 km/s) in quadrature, 73.6 km/s. Faster is a unit slip (m/s for km/s), refused as bad
/// input.
pub const MAX_VINF_KM_S: f64 = 73.0;
pub const MAX_ENTRY_SPEED_KM_S: f64 = 74.0;
/// The smallest spherical planet accepted [m]: below it, a unit slip (km for m).
pub const MIN_PLANET_RADIUS_M: f64 = 100_000.0;
/// The smallest exponential atmosphere's scale height accepted [m]: below it, a unit slip.
pub const MIN_SCALE_HEIGHT_M: f64 = 1_000.0;
/// The largest `atmosphere.density_scale` accepted: the density's day-to-day departures are
/// tens of per cent.
pub const MAX_DENSITY_SCALE: f64 = 10.0;
/// The smallest, as far below (0.001 flew hypersonic impacts, with a note at the end only: a
/// bad-input trial).
pub const MIN_DENSITY_SCALE: f64 = 0.1;
/// The smallest spherical planet's gravitational parameter accepted [m^3/s^2], but 0 (gravity
/// off, the analytic tests' vacuum fall): Pluto's, the smallest world with an atmosphere, is
/// 8.7e11. Below it, a unit slip (km^3/s^2: the Earth's 3.986e5 skipped every sample out, exit 0).
pub const MIN_MU_M3_S2: f64 = 1e11;
/// The densest exponential atmosphere's base density accepted [kg/m^3]: Venus's surface air,
/// the densest of any planet's, is about 65. Above it, a unit slip (g/m^3: 1,225 for the Earth's
/// 1.225 timed every sample out, exit 0).
pub const MAX_RHO0_KG_M3: f64 = 100.0;
/// The highest entry interface accepted [km].
pub const MAX_ENTRY_ALTITUDE_KM: f64 = 1000.0;
/// The highest main-canopy trigger above the terrain [km]: drogues open near 30 km.
pub const MAX_MAIN_ALTITUDE_KM: f64 = 30.0;

/// An angle [deg] finite and within [-`limit`, `limit`] (a latitude's 90, a longitude's 360).
fn within_deg(key: &str, v: f64, limit: f64) -> Result<f64, ConfigError> {
    if finite(key, v)?.abs() > limit {
        return Err(ConfigError::key(
            key,
            format!("must be within [-{limit}, {limit}]"),
        ));
    }
    Ok(v)
}

/// A speed [km/s] positive and at most `max` (one of the two bounds above).
fn solar_system_speed(key: &str, v: f64, max: f64) -> Result<(), ConfigError> {
    positive(key, v)?;
    if v > max {
        return Err(ConfigError::key(
            key,
            format!(
                "{v} km/s is faster than anything bound to the Sun meets the Earth (at most \
                 {max} km/s); the unit is km/s"
            ),
        ));
    }
    Ok(())
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReentryConfig {
    pub run: RunConfig,
    pub planet: PlanetConfig,
    pub atmosphere: AtmosphereConfig,
    pub vehicle: VehicleConfig,
    pub entry: EntryConfig,
    pub events: EventsConfig,
    #[serde(default)]
    pub parachutes: Option<ParachutesConfig>,
    #[serde(default)]
    pub landing: LandingConfig,
    #[serde(default)]
    pub winds: Option<WindsConfig>,
    #[serde(default)]
    pub heating: HeatingConfig,
    #[serde(default)]
    pub integrator: IntegratorConfig,
    #[serde(default)]
    pub dispersions: Dispersions,
    #[serde(default)]
    pub correlated: Vec<CorrelatedConfig>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanetModel {
    /// WGS84 ellipsoid for altitude, point mass + J2 gravity.
    Wgs84J2,
    /// Sphere of `radius_m`, point-mass gravity `mu_m3_s2`.
    Spherical,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanetConfig {
    pub model: PlanetModel,
    #[serde(default = "yes")]
    pub rotation: bool,
    #[serde(default)]
    pub mu_m3_s2: Option<f64>,
    #[serde(default)]
    pub radius_m: Option<f64>,
}

impl PlanetConfig {
    /// GM [m^3/s^2] and equatorial radius [m] of the planet model (NaN where a spherical
    /// model lacks them: validation names the key).
    pub fn mu_radius(&self) -> (f64, f64) {
        match self.model {
            PlanetModel::Wgs84J2 => (
                crate::physics::constants::EARTH_MU_M3_S2,
                crate::physics::constants::WGS84_A_M,
            ),
            PlanetModel::Spherical => (
                self.mu_m3_s2.unwrap_or(f64::NAN),
                self.radius_m.unwrap_or(f64::NAN),
            ),
        }
    }
}

/// The range of `landing.terrain_height_m` [m]: the Dead Sea shore to above Everest. A sampled
/// value outside it fails the sample (model.rs `unphysical`).
pub const TERRAIN_MIN_M: f64 = -500.0;
pub const TERRAIN_MAX_M: f64 = 9000.0;
/// The largest `vehicle.lift_to_drag` magnitude [1]. Capsules trim at 0-0.4 (Apollo about 0.3);
/// lifting bodies reach about 1 hypersonic. Above it the vehicle is a glider, which flies by
/// bank modulation (guidance) and not the constant bank this model gives it: L/D 100 skipped
/// out every sample (an audit). A configured value beyond it is refused, a sampled one fails
/// the sample (model.rs `unphysical`).
pub const LIFT_TO_DRAG_MAX: f64 = 1.0;
/// The highest Mach number a drogue may open at [1]. Supersonic parachutes have flown to about
/// Mach 2-3 (disk-gap-band, ringsail); above Mach 5, hypersonic, no parachute model holds, and
/// the peaks, watched until the first canopy opens, would miss the pulse still to come. With
/// parachutes, a configured or sampled trigger Mach number above it is refused or fails the
/// sample; a drogue that opens above it (a g-switch's timer) fails the sample, with a margin
/// for the located opening's error (reentry/outputs.rs).
pub const DROGUE_MAX_MACH: f64 = 5.0;
/// The drogue's trigger Mach number as a parameter path, and its old spelling.
pub const DROGUE_KEY: &str = crate::config::RENAMED_PATHS[0].0;
pub const OLD_DROGUE_KEY: &str = crate::config::RENAMED_PATHS[0].1;

fn default_trigger() -> String {
    "mach".into()
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AtmosphereModel {
    Us76,
    Exponential,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AtmosphereConfig {
    pub model: AtmosphereModel,
    #[serde(default)]
    pub rho0_kg_m3: Option<f64>,
    #[serde(default)]
    pub scale_height_m: Option<f64>,
    #[serde(default = "one")]
    pub density_scale: f64,
    #[serde(default)]
    pub perturbation: Option<PerturbationConfig>,
}

fn one() -> f64 {
    1.0
}

/// Altitude-correlated density perturbation: a first-order Gauss-Markov process in altitude
/// (exponential correlation over `correlation_length_km`) scaled by a 1-sigma profile that grows
/// with altitude; the density is multiplied by exp(sigma(h) z(h) - sigma(h)^2 / 2), mean 1.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerturbationConfig {
    pub correlation_length_km: f64,
    /// [[altitude_km, sigma_fraction], ...], ascending altitude; linear between, held outside.
    pub sigma: Vec<[f64; 2]>,
    #[serde(default = "default_node_spacing")]
    pub node_spacing_km: f64,
    #[serde(default = "default_top")]
    pub top_km: f64,
}

fn default_node_spacing() -> f64 {
    1.0
}
fn default_top() -> f64 {
    200.0
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VehicleConfig {
    pub mass_kg: f64,
    pub diameter_m: f64,
    pub nose_radius_m: f64,
    #[serde(default)]
    pub cd: Option<f64>,
    /// [[mach, cd], ...], ascending Mach; linear between, held outside.
    #[serde(default)]
    pub cd_table: Option<Vec<[f64; 2]>>,
    #[serde(default = "one")]
    pub cd_scale: f64,
    #[serde(default)]
    pub lift_to_drag: f64,
    #[serde(default)]
    pub bank_deg: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntryConfig {
    /// "state" (default): the entry state is given. "bplane": it is mapped from a navigation
    /// delivery, the incoming asymptote and a B-plane aim point (physics::bplane).
    #[serde(default = "default_entry_mode")]
    pub mode: String,
    /// ISO 8601, TDB (or UTC with "Z"/" UTC"). The inertial frame is Earth-fixed at this
    /// instant; in bplane mode it also orients the Earth under the asymptote.
    pub epoch: String,
    /// Entry interface, above the ellipsoid.
    pub altitude_km: f64,
    // State mode: inertial speed, flight path angle from the geocentric horizontal
    // (sin gamma = r_hat . v_hat), azimuth from north, geodetic latitude and longitude.
    #[serde(default)]
    pub velocity_km_s: Option<f64>,
    #[serde(default)]
    pub flight_path_angle_deg: Option<f64>,
    #[serde(default)]
    pub azimuth_deg: Option<f64>,
    #[serde(default)]
    pub latitude_deg: Option<f64>,
    #[serde(default)]
    pub longitude_deg: Option<f64>,
    // Bplane mode: the incoming asymptote (EME2000), the aim point, and the delivery covariance
    // of (B.T [km], B.R [km], time of flight [s]).
    #[serde(default)]
    pub vinf_km_s: Option<f64>,
    #[serde(default)]
    pub asymptote_ra_deg: Option<f64>,
    #[serde(default)]
    pub asymptote_dec_deg: Option<f64>,
    #[serde(default)]
    pub b_t_km: Option<f64>,
    #[serde(default)]
    pub b_r_km: Option<f64>,
    #[serde(default)]
    pub delivery_covariance: Option<Vec<Vec<f64>>>,
}

/// Stagnation-point heating models. Radiative heating is Tauber-Sutton's in both cases.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeatingConfig {
    /// CONVECTIVE_SG (default) or CONVECTIVE_DKR.
    #[serde(default = "default_convective")]
    pub convective: String,
}

pub const CONVECTIVE_SG: &str = "sutton_graves";
pub const CONVECTIVE_DKR: &str = "detra_kemp_riddell";

fn default_convective() -> String {
    CONVECTIVE_SG.into()
}

impl Default for HeatingConfig {
    fn default() -> Self {
        HeatingConfig {
            convective: default_convective(),
        }
    }
}

/// A perturbation's nodes must lie no farther apart than its correlation length: its values at
/// nodes farther apart are nearly independent, and the spline between them makes a profile
/// correlated over the spacing instead (0.1 km at 1 km nodes flew peak g 6 % lower than at
/// 0.05 km nodes, with nothing said: an entry analyst's trial).
fn spacing_resolves(
    key: &str,
    spacing_km: f64,
    length_key: &str,
    length_km: f64,
) -> Result<(), ConfigError> {
    if spacing_km > length_km {
        return Err(ConfigError::key(
            key,
            format!(
                "{spacing_km} km is above {length_key} ({length_km} km): nodes farther apart \
                 than the correlation length fly a profile correlated over the spacing instead; \
                 set it to at most {length_km} km (a third of it, {} km, resolves the \
                 correlation)",
                crate::config::sig(length_km / 3.0)
            ),
        ));
    }
    Ok(())
}

fn default_entry_mode() -> String {
    "state".into()
}

/// The keys of each entry mode, and the parameter paths the delivery covariance disperses.
pub const STATE_ENTRY_KEYS: [&str; 5] = [
    "velocity_km_s",
    "flight_path_angle_deg",
    "azimuth_deg",
    "latitude_deg",
    "longitude_deg",
];
pub const BPLANE_ENTRY_KEYS: [&str; 6] = [
    "vinf_km_s",
    "asymptote_ra_deg",
    "asymptote_dec_deg",
    "b_t_km",
    "b_r_km",
    "delivery_covariance",
];
pub const DELIVERY_PATHS: [&str; 3] = ["entry.b_t_km", "entry.b_r_km", "entry.tof_offset_s"];

impl EntryConfig {
    pub fn bplane(&self) -> bool {
        self.mode == "bplane"
    }

    /// The entry state's keys that the mode needs, with their values.
    fn mode_keys(&self) -> [(&'static str, Option<f64>); 5] {
        if self.bplane() {
            [
                ("vinf_km_s", self.vinf_km_s),
                ("asymptote_ra_deg", self.asymptote_ra_deg),
                ("asymptote_dec_deg", self.asymptote_dec_deg),
                ("b_t_km", self.b_t_km),
                ("b_r_km", self.b_r_km),
            ]
        } else {
            [
                ("velocity_km_s", self.velocity_km_s),
                ("flight_path_angle_deg", self.flight_path_angle_deg),
                ("azimuth_deg", self.azimuth_deg),
                ("latitude_deg", self.latitude_deg),
                ("longitude_deg", self.longitude_deg),
            ]
        }
    }

    fn given(&self, key: &str) -> bool {
        match key {
            "velocity_km_s" => self.velocity_km_s.is_some(),
            "flight_path_angle_deg" => self.flight_path_angle_deg.is_some(),
            "azimuth_deg" => self.azimuth_deg.is_some(),
            "latitude_deg" => self.latitude_deg.is_some(),
            "longitude_deg" => self.longitude_deg.is_some(),
            "vinf_km_s" => self.vinf_km_s.is_some(),
            "asymptote_ra_deg" => self.asymptote_ra_deg.is_some(),
            "asymptote_dec_deg" => self.asymptote_dec_deg.is_some(),
            "b_t_km" => self.b_t_km.is_some(),
            "b_r_km" => self.b_r_km.is_some(),
            "delivery_covariance" => self.delivery_covariance.is_some(),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsConfig {
    /// The old spelling of `parachutes.drogue_deploy_mach` (accepted when that key is absent).
    #[serde(default)]
    pub drogue_mach: Option<f64>,
    pub g_limit: f64,
    pub heat_flux_limit_w_cm2: f64,
    /// The structure's rated peak dynamic pressure [Pa], for P(peak dynamic pressure beyond it)
    /// in summary.parquet; optional.
    #[serde(default)]
    pub dynamic_pressure_limit_pa: Option<f64>,
}

/// The parachute sequence. The drogue is triggered when the Mach number falls to
/// `drogue_deploy_mach` and opens `drogue_delay_s` later; the main is triggered, once the drogue
/// is open, at `main_deploy_altitude_km` above the terrain and opens `main_delay_s` later, when
/// the drogue is released. Canopies open to their full drag area at once.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ParachutesConfig {
    /// "mach" (default): the drogue is triggered at `drogue_deploy_mach`; "g_switch": by a
    /// g-switch, when the deceleration first rises through `g_switch_g`, with `drogue_delay_s`
    /// as its timer (the logic Genesis flew).
    #[serde(default = "default_trigger")]
    pub drogue_trigger: String,
    #[serde(default)]
    pub g_switch_g: Option<f64>,
    #[serde(default)]
    pub drogue_deploy_mach: Option<f64>,
    #[serde(default)]
    pub drogue_delay_s: f64,
    pub drogue_cd_area_m2: f64,
    /// Both main keys or neither (a drogue-only descent).
    #[serde(default)]
    pub main_deploy_altitude_km: Option<f64>,
    #[serde(default)]
    pub main_delay_s: f64,
    #[serde(default)]
    pub main_cd_area_m2: Option<f64>,
    /// The drogue's rated opening load: `prob_drogue_q_exceed` in summary.parquet counts the
    /// flights whose drogue opened above it (optional).
    #[serde(default)]
    pub drogue_q_limit_pa: Option<f64>,
    /// The main's rated opening load, as the drogue's (optional; needs a main).
    #[serde(default)]
    pub main_q_limit_pa: Option<f64>,
}

/// Horizontal wind against altitude: a mean profile, and optionally an altitude-correlated random
/// part per sample (east and north independent first-order Gauss-Markov processes in altitude,
/// as the density perturbation). Both are sampled at nodes every `node_spacing_km` from 0 km to
/// 10 km above the entry interface (held above the profile's last row) and joined by a natural
/// cubic spline; the wind is held below 0 km.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindsConfig {
    /// [[altitude_km, east_m_s, north_m_s], ...], ascending altitude; linear between rows.
    pub profile: Vec<[f64; 3]>,
    #[serde(default = "default_wind_spacing")]
    pub node_spacing_km: f64,
    #[serde(default)]
    pub perturbation: Option<WindPerturbationConfig>,
}

fn default_wind_spacing() -> f64 {
    0.5
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindPerturbationConfig {
    /// [[altitude_km, sigma_m_s], ...] per component, ascending altitude; linear between rows.
    pub sigma: Vec<[f64; 2]>,
    pub correlation_length_km: f64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LandingConfig {
    /// Height of the landing terrain above the ellipsoid (or sphere) [m]: touchdown is there.
    #[serde(default)]
    pub terrain_height_m: f64,
    /// The aim point on the ground (both or neither): miss distances are measured from it.
    #[serde(default)]
    pub target_lat_deg: Option<f64>,
    #[serde(default)]
    pub target_lon_deg: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntegratorConfig {
    /// "dopri5" (adaptive, default) or "rk4" (fixed steps, for validation).
    #[serde(default = "default_method")]
    pub method: String,
    /// dopri5: relative and absolute tolerance of the weighted RMS error norm (atol in the
    /// state's units: m, m/s and J/cm^2).
    #[serde(default = "default_rtol")]
    pub rtol: f64,
    #[serde(default = "default_atol")]
    pub atol: f64,
    /// dopri5: relative tolerance after the drogue Mach number, where only the landing point
    /// and the time of flight are left to compute.
    #[serde(default = "default_descent_rtol")]
    pub descent_rtol: f64,
    /// dopri5: largest step [s].
    #[serde(default = "default_max_step")]
    pub max_step_s: f64,
    /// rk4: fixed step while faster than the drogue Mach number [s].
    #[serde(default = "default_step")]
    pub step_s: f64,
    /// rk4: fixed step after the drogue Mach number is crossed [s].
    #[serde(default = "default_descent_step")]
    pub descent_step_s: f64,
    #[serde(default = "default_time_limit")]
    pub time_limit_s: f64,
}

fn default_method() -> String {
    crate::integrator::Method::DEFAULT.name().into()
}
/// Default tolerances: chosen by measurement against converged solutions so that the
/// accuracy budget of README "Integration accuracy" holds with margin (tests/integrator.rs).
pub const DEFAULT_RTOL: f64 = 5e-8;
pub const DEFAULT_ATOL: f64 = 1e-6;
fn default_rtol() -> f64 {
    DEFAULT_RTOL
}
fn default_atol() -> f64 {
    DEFAULT_ATOL
}
/// The descent's tolerance: against converged solutions on 1,002 samples (tests/integrator.rs)
/// it leaves landing 1.3 m and time of flight 0.007 s (budgets 50 m and 0.05 s; README
/// "Integration accuracy", 2026-12-06). Before the
/// parachutes it took a median of 181 accepted steps where rtol 5e-8 throughout took 246
/// (1e-6: 201, 3e-3 s); with them and the winds, 230 where 5e-8 takes 330 (2026-12-06).
pub const DEFAULT_DESCENT_RTOL: f64 = 1e-5;
fn default_descent_rtol() -> f64 {
    DEFAULT_DESCENT_RTOL
}
fn default_max_step() -> f64 {
    20.0
}
fn default_step() -> f64 {
    0.1
}
fn default_descent_step() -> f64 {
    0.5
}
fn default_time_limit() -> f64 {
    3600.0
}

/// RK4's stability limit on the subsonic fall: there the drag linearises to dv/dt ~ -lambda v
/// with lambda = 2 g0 / V_terminal, about 0.43 /s at sea level for a small capsule (V_terminal
/// ~45 m/s), and RK4 is stable for lambda h <= 2.785, so h <= ~6.5 s. 5 s keeps a margin.
pub const RK4_MAX_DESCENT_STEP_S: f64 = 5.0;

impl Default for IntegratorConfig {
    fn default() -> Self {
        IntegratorConfig {
            method: default_method(),
            rtol: default_rtol(),
            atol: default_atol(),
            descent_rtol: default_descent_rtol(),
            max_step_s: default_max_step(),
            step_s: default_step(),
            descent_step_s: default_descent_step(),
            time_limit_s: default_time_limit(),
        }
    }
}

impl IntegratorConfig {
    pub fn method(&self) -> crate::integrator::Method {
        crate::integrator::Method::from_name(&self.method)
            .unwrap_or(crate::integrator::Method::DEFAULT)
    }

    /// The settings the method flies at `precision`, as one line, for the run's metadata: the
    /// relative tolerances as flown, at least the precision's floor (1e-5 in f32), with the
    /// configured ones beside any that the floor raised.
    pub fn describe(&self, precision: crate::wgsl::Precision) -> String {
        let method = self.method();
        match method.is_adaptive() {
            false => format!(
                "{} step_s={} descent_step_s={} time_limit_s={}",
                method.name(),
                self.step_s,
                self.descent_step_s,
                self.time_limit_s
            ),
            true => {
                let floor = precision.rtol_floor();
                let flown = |v: f64| {
                    if v < floor {
                        format!("{floor} (configured {v}; the {} floor)", precision.name())
                    } else {
                        v.to_string()
                    }
                };
                format!(
                    "{} rtol={} atol={} descent_rtol={} max_step_s={} time_limit_s={}",
                    method.name(),
                    flown(self.rtol),
                    self.atol,
                    flown(self.descent_rtol),
                    self.max_step_s,
                    self.time_limit_s
                )
            }
        }
    }
}

impl ReentryConfig {
    pub fn from_raw(raw: &RawConfig) -> Result<Self, ConfigError> {
        let mut cfg: ReentryConfig = raw.typed()?;
        cfg.rename_old_keys()?;
        cfg.validate()?;
        // The delivery covariance is a correlated group over the aim and the time of flight.
        if let Some(c) = &cfg.entry.delivery_covariance {
            cfg.correlated.push(CorrelatedConfig {
                paths: DELIVERY_PATHS.iter().map(|p| p.to_string()).collect(),
                covariance: c.clone(),
                mean: None,
            });
        }
        Ok(cfg)
    }

    /// `events.drogue_mach` is the old spelling of `parachutes.drogue_deploy_mach`: as a value
    /// and as a dispersion key.
    fn rename_old_keys(&mut self) -> Result<(), ConfigError> {
        if let Some(d) = self.dispersions.remove(OLD_DROGUE_KEY) {
            if self.dispersions.contains_key(DROGUE_KEY) {
                return Err(ConfigError::key(
                    format!("dispersions.\"{OLD_DROGUE_KEY}\""),
                    format!(
                        "the old spelling of \"{DROGUE_KEY}\", which is dispersed too: keep one"
                    ),
                ));
            }
            self.dispersions.insert(DROGUE_KEY.into(), d);
        }
        for c in &mut self.correlated {
            for path in &mut c.paths {
                if path == OLD_DROGUE_KEY {
                    *path = DROGUE_KEY.into();
                }
            }
        }
        Ok(())
    }

    /// Whether `path` (a parameter path, `parachutes.drogue_delay_s`) is dispersed, alone or in
    /// a correlated group.
    pub fn disperses(&self, path: &str) -> bool {
        self.dispersed_paths().any(|(_, p)| p == path)
    }

    /// The drogue opens at its trigger Mach number, the same on every sample: a Mach trigger,
    /// no delay, and neither dispersed.
    pub fn drogue_opens_at_fixed_mach(&self) -> bool {
        self.parachutes.as_ref().is_some_and(|p| {
            p.drogue_trigger == "mach"
                && p.drogue_delay_s == 0.0
                && !self.disperses(DROGUE_KEY)
                && !self.disperses("parachutes.drogue_delay_s")
        })
    }

    /// The main opens at its trigger altitude, the same on every sample: a main, no delay, and
    /// neither the trigger, the delay nor the terrain dispersed (3.1 km within 17 mm over 4,000
    /// samples of the shipped config, the event's location tolerance).
    pub fn main_opens_at_fixed_altitude(&self) -> bool {
        self.parachutes.as_ref().is_some_and(|p| {
            p.main_deploy_altitude_km.is_some()
                && p.main_delay_s == 0.0
                && !self.disperses("parachutes.main_deploy_altitude_km")
                && !self.disperses("parachutes.main_delay_s")
                && !self.disperses("landing.terrain_height_m")
        })
    }

    /// The drogue is triggered by a g-switch rather than the Mach number.
    pub fn g_switch(&self) -> bool {
        self.parachutes
            .as_ref()
            .is_some_and(|p| p.drogue_trigger == "g_switch")
    }

    /// The drogue's trigger Mach number, from whichever spelling the config uses.
    pub fn drogue_deploy_mach(&self) -> f64 {
        self.parachutes
            .as_ref()
            .and_then(|p| p.drogue_deploy_mach)
            .or(self.events.drogue_mach)
            .unwrap_or(f64::NAN)
    }

    /// The key the config gives the drogue's trigger Mach number under: `DROGUE_KEY`, or its
    /// old spelling `OLD_DROGUE_KEY` (None: neither, as under a g-switch).
    pub fn drogue_mach_key(&self) -> Option<&'static str> {
        match &self.parachutes {
            Some(p) if p.drogue_deploy_mach.is_some() => Some(DROGUE_KEY),
            _ => self.events.drogue_mach.map(|_| OLD_DROGUE_KEY),
        }
    }

    /// Every key that the config's choices require and that it lacks, named at once
    /// ([`crate::config::choices_missing`]).
    fn choices_missing(&self) -> Result<(), ConfigError> {
        let mut missing: Vec<(String, String)> = Vec::new();
        let mut need = |key: &str, given: bool, with: &str| {
            if !given {
                missing.push((key.to_string(), with.to_string()));
            }
        };
        if self.planet.model == PlanetModel::Spherical {
            let with = "model = \"spherical\"";
            need("planet.mu_m3_s2", self.planet.mu_m3_s2.is_some(), with);
            need("planet.radius_m", self.planet.radius_m.is_some(), with);
        }
        if self.atmosphere.model == AtmosphereModel::Exponential {
            let with = "model = \"exponential\"";
            need(
                "atmosphere.rho0_kg_m3",
                self.atmosphere.rho0_kg_m3.is_some(),
                with,
            );
            let h = self.atmosphere.scale_height_m.is_some();
            need("atmosphere.scale_height_m", h, with);
        }
        let v = &self.vehicle;
        need(
            "vehicle.cd",
            v.cd.is_some() || v.cd_table.is_some(),
            "no vehicle.cd_table",
        );
        let e = &self.entry;
        if matches!(e.mode.as_str(), "state" | "bplane") {
            let with = format!("mode = \"{}\"", e.mode);
            for (k, v) in e.mode_keys() {
                need(&format!("entry.{k}"), v.is_some(), &with);
            }
        }
        let mach = self.parachutes.as_ref().and_then(|p| p.drogue_deploy_mach);
        if !self.g_switch() {
            let (key, with) = if self.parachutes.is_some() {
                (DROGUE_KEY, "drogue_trigger = \"mach\"")
            } else {
                (OLD_DROGUE_KEY, "no [parachutes] table")
            };
            need(
                key,
                mach.is_some() || self.events.drogue_mach.is_some(),
                with,
            );
        }
        crate::config::choices_missing(&missing)
    }

    /// The entry state's keys for the chosen mode: each present and in range, and none of the
    /// other mode's.
    fn validate_entry_mode(&self) -> Result<(), ConfigError> {
        let e = &self.entry;
        let (other, other_mode) = match e.mode.as_str() {
            "state" => (&BPLANE_ENTRY_KEYS[..], "bplane"),
            "bplane" => (&STATE_ENTRY_KEYS[..], "state"),
            m => {
                return Err(ConfigError::key(
                    "entry.mode",
                    format!("unknown mode {m:?}; supported: \"state\", \"bplane\""),
                ))
            }
        };
        if let Some(k) = other.iter().find(|k| e.given(k)) {
            return Err(ConfigError::key(
                format!("entry.{k}"),
                format!(
                    "belongs to mode = \"{other_mode}\", not to this config's mode = \"{}\"",
                    e.mode
                ),
            ));
        }
        let required = |k: &str, v: Option<f64>| -> Result<f64, ConfigError> {
            let key = format!("entry.{k}");
            let v = v.ok_or_else(|| {
                ConfigError::key(&key, format!("required when mode = \"{}\"", e.mode))
            })?;
            finite(&key, v)
        };
        // Every key the mode needs and the config lacks, named at once.
        let needed = e.mode_keys();
        let absent: Vec<&str> = needed
            .iter()
            .filter(|(_, v)| v.is_none())
            .map(|(k, _)| *k)
            .collect();
        if let [first, rest @ ..] = absent.as_slice() {
            if !rest.is_empty() {
                let rest: Vec<String> = rest.iter().map(|k| format!("entry.{k}")).collect();
                return Err(ConfigError::key(
                    format!("entry.{first}"),
                    format!(
                        "required when mode = \"{}\"{}",
                        e.mode,
                        crate::config::so_are_missing(&rest)
                    ),
                ));
            }
        }
        if !e.bplane() {
            let v = required("velocity_km_s", e.velocity_km_s)?;
            solar_system_speed("entry.velocity_km_s", v, MAX_ENTRY_SPEED_KM_S)?;
            let fpa = required("flight_path_angle_deg", e.flight_path_angle_deg)?;
            if fpa >= 0.0 || fpa <= -90.0 {
                return Err(ConfigError::key(
                    "entry.flight_path_angle_deg",
                    format!("must be negative (descending) and above -90 deg, got {fpa}"),
                ));
            }
            let az = required("azimuth_deg", e.azimuth_deg)?;
            within_deg("entry.azimuth_deg", az, 360.0)?;
            let lat = required("latitude_deg", e.latitude_deg)?;
            within_deg("entry.latitude_deg", lat, 90.0)?;
            let lon = required("longitude_deg", e.longitude_deg)?;
            within_deg("entry.longitude_deg", lon, 360.0)?;
            return Ok(());
        }
        let vinf = required("vinf_km_s", e.vinf_km_s)?;
        solar_system_speed("entry.vinf_km_s", vinf, MAX_VINF_KM_S)?;
        let ra = required("asymptote_ra_deg", e.asymptote_ra_deg)?;
        within_deg("entry.asymptote_ra_deg", ra, 360.0)?;
        let dec = required("asymptote_dec_deg", e.asymptote_dec_deg)?;
        within_deg("entry.asymptote_dec_deg", dec, 90.0)?;
        // T = unit(S x z) has no direction for an asymptote along the pole: the frame fell
        // back to another axis, and an aim at +90 landed 146 deg of longitude from one at
        // 89.99999999, with the right ascension ignored (an entry analyst's trial).
        if dec.to_radians().cos() < 1e-9 {
            return Err(ConfigError::key(
                "entry.asymptote_dec_deg",
                format!(
                    "{dec} puts the asymptote along the Earth's pole, where the B-plane's T axis \
                     (S x z) has no direction and B.T, B.R mean nothing; the B-plane convention \
                     needs a declination off +-90"
                ),
            ));
        }
        let bt = required("b_t_km", e.b_t_km)?;
        let br = required("b_r_km", e.b_r_km)?;
        if bt == 0.0 && br == 0.0 {
            return Err(ConfigError::key(
                "entry.b_t_km",
                "B = 0 is a radial fall with no orbit plane; aim off the centre",
            ));
        }
        // The hyperbola must reach the interface: periapsis r_p below it, i.e.
        // |B| < r sqrt(1 + 2 mu / (r v_inf^2)) (r at the interface over the equator, the
        // highest it lies; the validation is for the aim, not for every sampled draw).
        let (mu, a) = self.planet.mu_radius();
        let r = a + self.entry.altitude_km * 1000.0;
        let vinf = vinf * 1000.0;
        let b_max_km = crate::physics::bplane::b_for_periapsis_m(r, vinf, mu) / 1000.0;
        if bt.hypot(br) >= b_max_km {
            // The larger component's key (b_r_km = 1e308 was reported against b_t_km: a
            // fuzzing trial).
            let key = if br.abs() > bt.abs() {
                "entry.b_r_km"
            } else {
                "entry.b_t_km"
            };
            return Err(ConfigError::key(
                key,
                format!(
                    "the aim |B| = {:.1} km passes above the entry interface: at v_inf = {:.3} \
                     km/s it reaches {:.0} km altitude only for |B| < {b_max_km:.1} km",
                    bt.hypot(br),
                    vinf / 1000.0,
                    self.entry.altitude_km
                ),
            ));
        }
        if let Some(c) = &e.delivery_covariance {
            let key = "entry.delivery_covariance";
            if c.len() != 3 || c.iter().any(|r| r.len() != 3) {
                return Err(ConfigError::key(
                    key,
                    "must be a 3 x 3 matrix over (B.T [km], B.R [km], time of flight [s])",
                ));
            }
            crate::sampling::dist::MultiNormal::new(vec![0.0; 3], c.clone())
                .map_err(|m| ConfigError::key(key, m))?;
        }
        Ok(())
    }

    /// The highest entry interface a bounded dispersion of `entry.altitude_km` (uniform,
    /// truncated normal) can draw [km], with the key that disperses it. An unbounded one is
    /// not held to it: its far tail is the per-sample checks' business (a start underground is
    /// failed with its reason), and above the perturbation's top the air is too thin for a
    /// held perturbation to matter.
    fn highest_entry_altitude_km(&self) -> Option<(String, f64)> {
        const PATH: &str = "entry.altitude_km";
        let d = self.dispersions.get(PATH)?;
        match d.dist.as_str() {
            "uniform" | "truncated_normal" => Some((format!("dispersions.\"{PATH}\""), d.high?)),
            _ => None,
        }
    }

    /// Every dispersed parameter path, with the config key that disperses it (a single
    /// dispersion, or a correlated group).
    fn dispersed_paths(&self) -> impl Iterator<Item = (String, &String)> {
        crate::config::dispersed_paths(&self.dispersions, &self.correlated)
    }

    /// Checks beyond types: signs, ranges, consistency. Dispersions are checked by the sampler.
    pub fn validate(&self) -> Result<(), ConfigError> {
        self.run.validate()?;
        if self.run.scenario.as_deref().is_some_and(|s| s != "reentry") {
            return Err(ConfigError::key(
                "run.scenario",
                "this config has reentry tables; set scenario = \"reentry\" or remove the key",
            ));
        }
        // The entry altitude first: the perturbation's and the parachutes' checks compare
        // with it, and would blame their own keys for an entry interface out of range.
        let e_alt = self.entry.altitude_km;
        positive("entry.altitude_km", e_alt)?;
        if e_alt > MAX_ENTRY_ALTITUDE_KM {
            // A value in metres is 1,000 times the kilometres (an entry analyst's trial gave
            // 200000 for 200 km and was told only the bound).
            let metres = in_metres(e_alt, 50.0, MAX_ENTRY_ALTITUDE_KM);
            // A radius for an altitude (6,503.137 km, the README's own example of a + 125 km)
            // was told only the bound (an entry analyst's trial).
            let above = e_alt - 6_378.137;
            let radius = if metres.is_empty() && above > 50.0 && above <= MAX_ENTRY_ALTITUDE_KM {
                format!(
                    " (was it given as a radius from the Earth's centre? the interface is an \
                     altitude above the ellipsoid: {e_alt} km less the equatorial radius \
                     6,378.137 km is {} km)",
                    crate::config::sig(above)
                )
            } else {
                String::new()
            };
            return Err(ConfigError::key(
                "entry.altitude_km",
                format!("must be at most {MAX_ENTRY_ALTITUDE_KM} km{metres}{radius}"),
            ));
        }
        self.choices_missing()?;
        self.validate_planet()?;
        self.refuse_undispersable()?;
        self.validate_atmosphere()?;
        self.validate_vehicle()?;
        self.validate_entry_and_heating()?;
        self.validate_parachutes()?;
        self.validate_winds()?;
        self.validate_landing()?;
        self.validate_events_and_integrator()
    }

    /// The parameter paths this config refuses to disperse, each with why: values that its
    /// models fix, derive or never read, though each has a nominal value (those without one the
    /// sampler refuses itself). The one list behind the refusal here and the misspelt-path
    /// message's list of dispersable parameters (`Scenario::fixed_params`).
    pub fn undispersable(&self) -> Vec<(String, String)> {
        let mut refused = Vec::new();
        // A dispersed radius would be each sample's ellipsoid (tried by a new user: accepted,
        // and the landing followed it).
        if self.planet.model == PlanetModel::Wgs84J2 {
            for path in ["planet.mu_m3_s2", "planet.radius_m"] {
                refused.push((
                    path.to_string(),
                    format!(
                        "`{path}` can be dispersed only for planet.model = \"spherical\"; WGS84 \
                         constants are fixed"
                    ),
                ));
            }
        }
        if self.entry.bplane() {
            // The derived entry state is the model's.
            for k in STATE_ENTRY_KEYS {
                let path = format!("entry.{k}");
                let why = format!(
                    "`{path}` is derived from the delivery in mode = \"bplane\"; disperse the \
                     delivery instead (entry.delivery_covariance)"
                );
                refused.push((path, why));
            }
            if self.entry.delivery_covariance.is_some() {
                for path in DELIVERY_PATHS {
                    refused.push((
                        path.to_string(),
                        format!("`{path}` is dispersed by entry.delivery_covariance already"),
                    ));
                }
            }
        }
        // The bank angle turns the lift: with none, and none dispersed, it is read by nothing
        // (a dispersion of it ran, and the tornado ranked it: a from-scratch trial).
        if self.vehicle.lift_to_drag == 0.0 && !self.disperses("vehicle.lift_to_drag") {
            refused.push((
                "vehicle.bank_deg".to_string(),
                "`vehicle.bank_deg` turns the lift, and vehicle.lift_to_drag is 0 and not \
                 dispersed: nothing reads it, so it cannot be dispersed"
                    .to_string(),
            ));
        }
        // The g-switch times the drogue: its Mach number is read by nothing (a dispersion of it
        // ran, with a note, and the tornados ranked its noise: an entry analyst's trial).
        if self.g_switch() {
            refused.push((
                DROGUE_KEY.to_string(),
                format!(
                    "`{DROGUE_KEY}` is not used: drogue_trigger = \"g_switch\" times the drogue \
                     (from g_switch_g, then drogue_delay_s), so it cannot be dispersed"
                ),
            ));
        }
        // A bare fall flies no canopy: these two have a nominal of 0 (no delay, no area), which
        // the sampler would disperse with nothing reading them.
        if self.parachutes.is_none() {
            for path in ["parachutes.drogue_delay_s", "parachutes.drogue_cd_area_m2"] {
                refused.push((
                    path.to_string(),
                    format!(
                        "`{path}` is not used by this config's models (it has no [parachutes] \
                         table), so it cannot be dispersed"
                    ),
                ));
            }
        }
        refused
    }

    /// A dispersion of a path in [`Self::undispersable`], named with why.
    fn refuse_undispersable(&self) -> Result<(), ConfigError> {
        let refused = self.undispersable();
        for (key, path) in self.dispersed_paths() {
            if let Some((_, why)) = refused.iter().find(|(p, _)| p == path) {
                return Err(ConfigError::key(key, why.clone()));
            }
        }
        Ok(())
    }

    /// `[planet]`: the model and its constants.
    fn validate_planet(&self) -> Result<(), ConfigError> {
        let p = &self.planet;
        match p.model {
            PlanetModel::Spherical => {
                let mu = p.mu_m3_s2.ok_or_else(|| {
                    ConfigError::key("planet.mu_m3_s2", "required when model = \"spherical\"")
                })?;
                if non_negative("planet.mu_m3_s2", mu)? > 0.0 && mu < MIN_MU_M3_S2 {
                    return Err(ConfigError::key(
                        "planet.mu_m3_s2",
                        format!(
                            "{mu} m^3/s^2 is below any world's with an atmosphere to enter \
                             (Pluto's, the smallest, is 8.7e11; the Earth's 3.986e14): was it \
                             given in km^3/s^2? The unit is m^3/s^2 (0 turns gravity off)"
                        ),
                    ));
                }
                let r = p.radius_m.ok_or_else(|| {
                    ConfigError::key("planet.radius_m", "required when model = \"spherical\"")
                })?;
                if positive("planet.radius_m", r)? < MIN_PLANET_RADIUS_M {
                    return Err(ConfigError::key(
                        "planet.radius_m",
                        format!(
                            "{r} m is smaller than any world with an atmosphere to enter (at \
                             least {MIN_PLANET_RADIUS_M} m; Pluto's, the smallest, is 1,188 km): \
                             was it given in km? The unit is m"
                        ),
                    ));
                }
            }
            PlanetModel::Wgs84J2 => {
                for (k, v) in [
                    ("planet.mu_m3_s2", p.mu_m3_s2),
                    ("planet.radius_m", p.radius_m),
                ] {
                    if v.is_some() {
                        return Err(ConfigError::key(
                            k,
                            "only for model = \"spherical\"; WGS84 constants are fixed",
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// `[atmosphere]` and its perturbation (checked against the entry interface).
    fn validate_atmosphere(&self) -> Result<(), ConfigError> {
        let a = &self.atmosphere;
        match a.model {
            AtmosphereModel::Exponential => {
                let rho0 = a.rho0_kg_m3.ok_or_else(|| {
                    ConfigError::key(
                        "atmosphere.rho0_kg_m3",
                        "required when model = \"exponential\"",
                    )
                })?;
                if non_negative("atmosphere.rho0_kg_m3", rho0)? > MAX_RHO0_KG_M3 {
                    return Err(ConfigError::key(
                        "atmosphere.rho0_kg_m3",
                        format!(
                            "{rho0} kg/m^3 is above any planet's air ({MAX_RHO0_KG_M3}; Venus's \
                             surface, the densest, is about 65, the Earth's sea level 1.225): \
                             was it given in g/m^3? The unit is kg/m^3"
                        ),
                    ));
                }
                let h = a.scale_height_m.ok_or_else(|| {
                    ConfigError::key(
                        "atmosphere.scale_height_m",
                        "required when model = \"exponential\"",
                    )
                })?;
                if positive("atmosphere.scale_height_m", h)? < MIN_SCALE_HEIGHT_M {
                    return Err(ConfigError::key(
                        "atmosphere.scale_height_m",
                        format!(
                            "{h} m is below any planet's density scale height ({MIN_SCALE_HEIGHT_M} \
                             m; the Earth's is 7-8.5 km): was it given in km? The unit is m"
                        ),
                    ));
                }
            }
            AtmosphereModel::Us76 => {
                for (k, v) in [
                    ("atmosphere.rho0_kg_m3", a.rho0_kg_m3),
                    ("atmosphere.scale_height_m", a.scale_height_m),
                ] {
                    if v.is_some() {
                        return Err(ConfigError::key(k, "only for model = \"exponential\""));
                    }
                }
            }
        }
        let scale = non_negative("atmosphere.density_scale", a.density_scale)?;
        let beyond = if scale < MIN_DENSITY_SCALE {
            Some(format!("less than {MIN_DENSITY_SCALE}"))
        } else {
            (scale > MAX_DENSITY_SCALE).then(|| format!("more than {MAX_DENSITY_SCALE}"))
        };
        if let Some(beyond) = beyond {
            return Err(ConfigError::key(
                "atmosphere.density_scale",
                format!(
                    "{scale} is {beyond} times the model's density, which no day of the Earth's \
                     atmosphere departs by; for another atmosphere set the model's own (model = \
                     \"exponential\", rho0_kg_m3)"
                ),
            ));
        }
        if let Some(pert) = &a.perturbation {
            positive(
                "atmosphere.perturbation.correlation_length_km",
                pert.correlation_length_km,
            )?;
            positive(
                "atmosphere.perturbation.node_spacing_km",
                pert.node_spacing_km,
            )?;
            positive("atmosphere.perturbation.top_km", pert.top_km)?;
            if pert.top_km > PROFILE_TOP_KM {
                return Err(ConfigError::key(
                    "atmosphere.perturbation.top_km",
                    format!(
                        "{} km is above the atmosphere's top ({PROFILE_TOP_KM} km); the unit is km",
                        pert.top_km
                    ),
                ));
            }
            if pert.node_spacing_km > pert.top_km {
                return Err(ConfigError::key(
                    "atmosphere.perturbation.node_spacing_km",
                    format!(
                        "{} km is above top_km ({} km): the profile needs two nodes or more",
                        pert.node_spacing_km, pert.top_km
                    ),
                ));
            }
            if pert.top_km < self.entry.altitude_km {
                return Err(ConfigError::key(
                    "atmosphere.perturbation.top_km",
                    format!(
                        "{} km is below the entry interface ({} km): the perturbation's nodes \
                         must cover the whole flight",
                        pert.top_km, self.entry.altitude_km
                    ),
                ));
            }
            if let Some((key, high)) = self.highest_entry_altitude_km() {
                if high > pert.top_km {
                    return Err(ConfigError::key(
                        key,
                        format!(
                            "reaches {high:.1} km, above atmosphere.perturbation.top_km = {} km: \
                             the perturbation's nodes must cover every sample's flight",
                            pert.top_km
                        ),
                    ));
                }
            }
            spacing_resolves(
                "atmosphere.perturbation.node_spacing_km",
                pert.node_spacing_km,
                "atmosphere.perturbation.correlation_length_km",
                pert.correlation_length_km,
            )?;
            if pert.top_km / pert.node_spacing_km > 4000.0 {
                return Err(ConfigError::key(
                    "atmosphere.perturbation.node_spacing_km",
                    "too fine for top_km: at most 4000 nodes",
                ));
            }
            check_table("atmosphere.perturbation.sigma", &pert.sigma, true)?;
            altitudes_km(
                "atmosphere.perturbation.sigma",
                pert.sigma.iter().map(|r| r[0]),
            )?;
            if let Some((i, r)) = pert.sigma.iter().enumerate().find(|(_, r)| r[1] > 1.0) {
                return Err(ConfigError::key(
                    "atmosphere.perturbation.sigma",
                    format!(
                        "row {} ({r:?}): {} is more than 1 (sigma is the standard deviation of \
                         ln density: 1 is already a factor e at one sigma, and 5 flies most \
                         samples through near vacuum)",
                        i + 1,
                        r[1]
                    ),
                ));
            }
        }
        Ok(())
    }

    /// `[vehicle]`: mass, size, aerodynamics.
    fn validate_vehicle(&self) -> Result<(), ConfigError> {
        let v = &self.vehicle;
        positive("vehicle.mass_kg", v.mass_kg)?;
        at_most(
            "vehicle.mass_kg",
            v.mass_kg,
            MAX_MASS_KG,
            "kg, more than any capsule (Orion's crew module is about 10,000 kg; was it given in \
             grams?)",
        )?;
        if positive("vehicle.diameter_m", v.diameter_m)? < MIN_DIAMETER_M {
            return Err(ConfigError::key(
                "vehicle.diameter_m",
                format!(
                    "{} m is below {MIN_DIAMETER_M} m, smaller than any entry capsule (Deep \
                     Space 2's Mars probes were 0.35 m): was it given in km? The unit is m",
                    v.diameter_m
                ),
            ));
        }
        at_most(
            "vehicle.diameter_m",
            v.diameter_m,
            MAX_DIAMETER_M,
            "m, more than any capsule (Orion is 5 m; was it given in cm?)",
        )?;
        positive("vehicle.nose_radius_m", v.nose_radius_m)?;
        at_most(
            "vehicle.nose_radius_m",
            v.nose_radius_m,
            MAX_NOSE_RADIUS_M,
            "m, more than any capsule's (Orion's heat shield is about 6 m; was it given in cm?)",
        )?;
        positive("vehicle.cd_scale", v.cd_scale)?;
        finite("vehicle.lift_to_drag", v.lift_to_drag)?;
        if v.lift_to_drag.abs() > LIFT_TO_DRAG_MAX {
            return Err(ConfigError::key(
                "vehicle.lift_to_drag",
                format!(
                    "{} is beyond +/-{LIFT_TO_DRAG_MAX}: capsules trim at 0-0.4 and lifting \
                     bodies at about 1; a higher L/D is a glider flown by bank modulation, \
                     which this model (a constant bank_deg) does not have",
                    v.lift_to_drag
                ),
            ));
        }
        within_deg("vehicle.bank_deg", v.bank_deg, 360.0)?;
        match (&v.cd, &v.cd_table) {
            (Some(cd), None) => {
                if let Some(why) = cd_out_of_range(positive("vehicle.cd", *cd)?) {
                    return Err(ConfigError::key("vehicle.cd", why));
                }
            }
            (None, Some(t)) => {
                check_table("vehicle.cd_table", t, false)?;
                for (i, row) in t.iter().enumerate() {
                    if let Some(why) = cd_out_of_range(row[1]) {
                        return Err(ConfigError::key(
                            "vehicle.cd_table",
                            format!("row {} ({row:?}): {why}", i + 1),
                        ));
                    }
                }
                if t[0][0] < 0.0 {
                    return Err(ConfigError::key(
                        "vehicle.cd_table",
                        format!(
                            "row 1: Mach {} is negative; Mach numbers start at 0",
                            t[0][0]
                        ),
                    ));
                }
                if t.len() > 64 {
                    return Err(ConfigError::key("vehicle.cd_table", "at most 64 rows"));
                }
            }
            _ => {
                return Err(ConfigError::key(
                    "vehicle.cd",
                    "give exactly one of vehicle.cd (constant) and vehicle.cd_table",
                ))
            }
        }
        Ok(())
    }

    /// `[entry]` (its epoch and mode) and `[heating]`.
    fn validate_entry_and_heating(&self) -> Result<(), ConfigError> {
        let e = &self.entry;
        // Parsed in full, as the model parses it (bplane mode orients the Earth by it): a
        // date that does not exist is bad input here, not a panic there.
        crate::physics::epoch::parse_tdb_jd("entry.epoch", &e.epoch)?;
        self.validate_entry_mode()?;
        let conv = self.heating.convective.as_str();
        if conv != CONVECTIVE_SG && conv != CONVECTIVE_DKR {
            return Err(ConfigError::key(
                "heating.convective",
                format!(
                    "unknown correlation {conv:?}; supported: \"{CONVECTIVE_SG}\", \
                     \"{CONVECTIVE_DKR}\""
                ),
            ));
        }
        Ok(())
    }

    /// The drogue trigger (`[parachutes]` or the old `events.drogue_mach`) and the canopies.
    fn validate_parachutes(&self) -> Result<(), ConfigError> {
        let new_mach = self.parachutes.as_ref().and_then(|p| p.drogue_deploy_mach);
        if let Some(pc) = &self.parachutes {
            match (pc.drogue_trigger.as_str(), pc.g_switch_g) {
                ("mach", None) => {}
                ("mach", Some(_)) => {
                    return Err(ConfigError::key(
                        "parachutes.g_switch_g",
                        "only with drogue_trigger = \"g_switch\"",
                    ))
                }
                ("g_switch", Some(g)) => positive("parachutes.g_switch_g", g).map(|_| ())?,
                ("g_switch", None) => {
                    return Err(ConfigError::key(
                        "parachutes.g_switch_g",
                        "required with drogue_trigger = \"g_switch\" (the deceleration [g0] that starts the timer)",
                    ))
                }
                (other, _) => {
                    return Err(ConfigError::key(
                        "parachutes.drogue_trigger",
                        format!("unknown trigger {other:?}; supported: \"mach\", \"g_switch\""),
                    ))
                }
            }
        }
        let g_switch = self.g_switch();
        match (new_mach, self.events.drogue_mach) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::key(
                    OLD_DROGUE_KEY,
                    format!("the old spelling of {DROGUE_KEY}, which is set too: keep one"),
                ))
            }
            (None, None) if !g_switch => {
                // With no [parachutes] table, the key to give is the old spelling: giving the
                // new one creates the table, and a descent under a drogue (a review).
                return Err(if self.parachutes.is_some() {
                    ConfigError::key(
                        DROGUE_KEY,
                        "required (the drogue's trigger Mach number; old spelling \
                         events.drogue_mach)",
                    )
                } else {
                    ConfigError::key(
                        OLD_DROGUE_KEY,
                        "required with no [parachutes] table: the Mach number below which the \
                         bare fall is integrated at integrator.descent_rtol (rk4: \
                         descent_step_s), where the drogue conditions are recorded",
                    )
                });
            }
            (None, None) => {}
            (Some(m), None) => {
                drogue_mach(DROGUE_KEY, m, self.parachutes.is_some())?;
            }
            (None, Some(m)) => {
                drogue_mach(OLD_DROGUE_KEY, m, self.parachutes.is_some())?;
            }
        }
        if let Some(pc) = &self.parachutes {
            non_negative("parachutes.drogue_delay_s", pc.drogue_delay_s)?;
            at_most(
                "parachutes.drogue_delay_s",
                pc.drogue_delay_s,
                MAX_DELAY_S,
                "s (Genesis's timer was about a minute; was it given in ms?)",
            )?;
            non_negative("parachutes.drogue_cd_area_m2", pc.drogue_cd_area_m2)?;
            at_most(
                "parachutes.drogue_cd_area_m2",
                pc.drogue_cd_area_m2,
                MAX_DROGUE_CDA_M2,
                "m^2, more than any drogue (Orion's two give about 40 m^2): a unit slip?",
            )?;
            // A rated load in kPa (5 for 5 kPa) was accepted, and every opening counted as
            // beyond it (a config author's trial), where events.dynamic_pressure_limit_pa
            // refused the same slip.
            for (key, q) in [
                ("parachutes.drogue_q_limit_pa", pc.drogue_q_limit_pa),
                ("parachutes.main_q_limit_pa", pc.main_q_limit_pa),
            ] {
                let Some(q) = q else { continue };
                if positive(key, q)? < MIN_CANOPY_Q_LIMIT_PA {
                    return Err(ConfigError::key(
                        key,
                        format!(
                            "{q} Pa is below {MIN_CANOPY_Q_LIMIT_PA} Pa, under any canopy's \
                             opening (a main opens at a few hundred Pa under its drogue): \
                             was it given in kPa (1,000 times smaller)? The unit is Pa"
                        ),
                    ));
                }
            }
            non_negative("parachutes.main_delay_s", pc.main_delay_s)?;
            at_most(
                "parachutes.main_delay_s",
                pc.main_delay_s,
                MAX_DELAY_S,
                "s (was it given in ms?)",
            )?;
            match (pc.main_deploy_altitude_km, pc.main_cd_area_m2) {
                (Some(h), Some(a)) => {
                    positive("parachutes.main_deploy_altitude_km", h)?;
                    if h > MAX_MAIN_ALTITUDE_KM {
                        return Err(ConfigError::key(
                            "parachutes.main_deploy_altitude_km",
                            format!(
                                "{h} km above the terrain is above where drogues open (Stardust: \
                                 drogue at ~32 km, main at ~3 km); the main is triggered only \
                                 once the drogue is open, so give at most \
                                 {MAX_MAIN_ALTITUDE_KM} km{}",
                                in_metres(h, 0.1, MAX_MAIN_ALTITUDE_KM)
                            ),
                        ));
                    }
                    positive("parachutes.main_cd_area_m2", a)?;
                    at_most(
                        "parachutes.main_cd_area_m2",
                        a,
                        MAX_MAIN_CDA_M2,
                        "m^2, more than any main (Orion's three give about 2,500 m^2): a unit \
                         slip?",
                    )?;
                }
                (None, None) => {
                    if pc.main_q_limit_pa.is_some() {
                        return Err(ConfigError::key(
                            "parachutes.main_q_limit_pa",
                            "set for a drogue-only descent: give main_deploy_altitude_km and \
                             main_cd_area_m2, or remove it",
                        ));
                    }
                }
                (Some(_), None) => {
                    return Err(ConfigError::key(
                        "parachutes.main_cd_area_m2",
                        "required with main_deploy_altitude_km (give both, or neither for a drogue-only descent)",
                    ))
                }
                (None, Some(_)) => {
                    return Err(ConfigError::key(
                        "parachutes.main_deploy_altitude_km",
                        "required with main_cd_area_m2 (give both, or neither for a drogue-only descent)",
                    ))
                }
            }
        }
        Ok(())
    }

    /// `[winds]`: the mean profile and its perturbation.
    fn validate_winds(&self) -> Result<(), ConfigError> {
        if let Some(w) = &self.winds {
            // The altitudes as a table of their own (its second column a stand-in), each row
            // shown as written (a stand-in row shown was a row the user never wrote: a review).
            let rows: Vec<[f64; 2]> = w.profile.iter().map(|r| [r[0], 1.0]).collect();
            check_table_showing("winds.profile", &rows, false, |i| {
                format!("{:?}", w.profile[i])
            })?;
            altitudes_km("winds.profile", w.profile.iter().map(|r| r[0]))?;
            for (i, r) in w.profile.iter().enumerate() {
                if !r[1].is_finite()
                    || !r[2].is_finite()
                    || r[1].abs() > 200.0
                    || r[2].abs() > 200.0
                {
                    return Err(ConfigError::key(
                        "winds.profile",
                        format!(
                            "row {} ({r:?}): east and north must be finite, at most 200 m/s{}",
                            i + 1,
                            // [altitude, speed, direction in degrees] (a trial's row: [5.0,
                            // 30.0, 270.0]).
                            if (0.0..=200.0).contains(&r[1]) && r[2] > 200.0 && r[2] <= 360.0 {
                                " (the rows are [altitude_km, east_m_s, north_m_s]: wind \
                                 components, not a speed and a direction)"
                            } else {
                                ""
                            }
                        ),
                    ));
                }
            }
            if w.profile[0][0] < 0.0 {
                return Err(ConfigError::key(
                    "winds.profile",
                    "altitudes start at 0 km or above (the wind is held below the first row)",
                ));
            }
            positive("winds.node_spacing_km", w.node_spacing_km)?;
            let top = w.profile[w.profile.len() - 1][0].max(self.entry.altitude_km + 10.0);
            // Two nodes at least below the top (1e300 km was accepted: a fuzzing trial), as
            // the density perturbation's spacing is held to its top_km.
            if w.node_spacing_km > top {
                return Err(ConfigError::key(
                    "winds.node_spacing_km",
                    format!(
                        "{} km is above {top} km (the higher of winds.profile's top row and 10 \
                         km above the entry interface): the profile needs two nodes or more",
                        crate::config::full(w.node_spacing_km)
                    ),
                ));
            }
            if top / w.node_spacing_km > 2000.0 {
                return Err(ConfigError::key(
                    "winds.node_spacing_km",
                    format!(
                        "too fine: at most 2000 nodes from 0 km to {top} km (the higher of \
                         winds.profile's top row and 10 km above the entry interface)"
                    ),
                ));
            }
            if let Some(p) = &w.perturbation {
                check_table("winds.perturbation.sigma", &p.sigma, true)?;
                altitudes_km("winds.perturbation.sigma", p.sigma.iter().map(|r| r[0]))?;
                if let Some((i, r)) = p.sigma.iter().enumerate().find(|(_, r)| r[1] > 200.0) {
                    return Err(ConfigError::key(
                        "winds.perturbation.sigma",
                        format!(
                            "row {} ({r:?}): at most 200 m/s, as the mean profile",
                            i + 1
                        ),
                    ));
                }
                positive(
                    "winds.perturbation.correlation_length_km",
                    p.correlation_length_km,
                )?;
                spacing_resolves(
                    "winds.node_spacing_km",
                    w.node_spacing_km,
                    "winds.perturbation.correlation_length_km",
                    p.correlation_length_km,
                )?;
            }
        }
        Ok(())
    }

    /// `[landing]`: the target and the terrain, against the entry interface and the main.
    fn validate_landing(&self) -> Result<(), ConfigError> {
        match (self.landing.target_lat_deg, self.landing.target_lon_deg) {
            (Some(lat), Some(lon)) => {
                within_deg("landing.target_lat_deg", lat, 90.0)?;
                within_deg("landing.target_lon_deg", lon, 360.0)?;
            }
            (None, None) => {}
            (Some(_), None) => {
                return Err(ConfigError::key(
                    "landing.target_lon_deg",
                    "required with target_lat_deg (give both, or neither)",
                ))
            }
            (None, Some(_)) => {
                return Err(ConfigError::key(
                    "landing.target_lat_deg",
                    "required with target_lon_deg (give both, or neither)",
                ))
            }
        }
        let terrain = finite("landing.terrain_height_m", self.landing.terrain_height_m)?;
        if !(TERRAIN_MIN_M..=TERRAIN_MAX_M).contains(&terrain) {
            return Err(ConfigError::key(
                "landing.terrain_height_m",
                format!(
                    "{terrain} m is not a terrain height on Earth (give {TERRAIN_MIN_M} .. \
                     {TERRAIN_MAX_M} m)"
                ),
            ));
        }
        // The descent starts at the interface: below the terrain it starts underground, and
        // below the main's deployment height the parachute sequence cannot run (a new-user
        // trial's interface at 1 km "landed" every sample at 127,000 g).
        let main_km = self
            .parachutes
            .as_ref()
            .and_then(|pc| pc.main_deploy_altitude_km)
            .unwrap_or(0.0);
        let floor_km = terrain / 1000.0 + main_km;
        if self.entry.altitude_km <= floor_km {
            return Err(ConfigError::key(
                "entry.altitude_km",
                format!(
                    "{} km is not above the terrain ({terrain} m, landing.terrain_height_m){}: \
                     the entry interface starts the descent from above both (flight \
                     programmes use 120-125 km)",
                    self.entry.altitude_km,
                    if main_km > 0.0 {
                        format!(
                            " plus the main's deployment height \
                             (parachutes.main_deploy_altitude_km = {main_km} km)"
                        )
                    } else {
                        String::new()
                    }
                ),
            ));
        }
        Ok(())
    }

    /// `[events]` limits and `[integrator]`.
    fn validate_events_and_integrator(&self) -> Result<(), ConfigError> {
        at_most(
            "events.g_limit",
            positive("events.g_limit", self.events.g_limit)?,
            MAX_G_LIMIT,
            "g, beyond any entry flown (Galileo's probe peaked near 230 g): was it given in \
             m/s^2 (9.81 times larger)? The unit is g",
        )?;
        let q = positive(
            "events.heat_flux_limit_w_cm2",
            self.events.heat_flux_limit_w_cm2,
        )?;
        // A limit in W/m^2 is 10,000 times the one meant, and no sample would reach it (15e6
        // read P(heat flux beyond its limit) 0, unsaid: a from-scratch trial).
        if q > MAX_HEAT_FLUX_LIMIT_W_CM2 {
            return Err(ConfigError::key(
                "events.heat_flux_limit_w_cm2",
                format!(
                    "{q} W/cm^2 is above {MAX_HEAT_FLUX_LIMIT_W_CM2} W/cm^2, beyond any entry \
                     flown: was it given in W/m^2 (10,000 times larger)? The unit is W/cm^2"
                ),
            ));
        }
        if let Some(q) = self.events.dynamic_pressure_limit_pa {
            // A limit in kPa is 1,000 times below the one meant, and every sample would exceed
            // it (30 read P(beyond it) 1, unsaid: a review).
            if positive("events.dynamic_pressure_limit_pa", q)? < MIN_DYNAMIC_PRESSURE_LIMIT_PA {
                return Err(ConfigError::key(
                    "events.dynamic_pressure_limit_pa",
                    format!(
                        "{q} Pa is below {MIN_DYNAMIC_PRESSURE_LIMIT_PA} Pa, under the peak of any \
                         entry (a ballistic coefficient of 5 kg/m^2 at 2 g): was it given in kPa \
                         (1,000 times smaller)? The unit is Pa"
                    ),
                ));
            }
        }
        let i = &self.integrator;
        crate::integrator::Method::parse(&i.method)
            .map_err(|why| ConfigError::key("integrator.method", why))?;
        positive("integrator.time_limit_s", i.time_limit_s)?;
        {
            // Above 1e-3 peaks and landing points lose their meaning.
            tolerances(
                &[
                    ("integrator.rtol", i.rtol),
                    ("integrator.descent_rtol", i.descent_rtol),
                ],
                1e-3,
                ("integrator.atol", i.atol),
            )?;
            positive("integrator.max_step_s", i.max_step_s)?;
            if i.max_step_s > 60.0 {
                return Err(ConfigError::key(
                    "integrator.max_step_s",
                    "must be at most 60 s (a longer step can jump over the entry pulse)",
                ));
            }
        }
        positive("integrator.step_s", i.step_s)?;
        positive("integrator.descent_step_s", i.descent_step_s)?;
        // Fixed steps: a too-large step loses the entry pulse, a too-small one (or a time
        // limit far beyond any descent) turns a run into a hang.
        if i.step_s > 2.0 {
            return Err(ConfigError::key(
                "integrator.step_s",
                "must be at most 2 s (the heating pulse lasts ~10 s)",
            ));
        }
        if i.descent_step_s > RK4_MAX_DESCENT_STEP_S {
            return Err(ConfigError::key(
                "integrator.descent_step_s",
                format!(
                    "must be at most {RK4_MAX_DESCENT_STEP_S} s: RK4 is unstable on the subsonic \
                     fall above ~6.5 s (drag rate 2 g0 / V_terminal ~ 0.43 /s at sea level, \
                     stability limit 2.785 / rate)"
                ),
            ));
        }
        // A limit beyond any descent: under rk4 it is also too many steps (a too-small step
        // turns a run into a hang, said as such); under dopri5 the bound was rk4's step count,
        // which dopri5 does not take, and a trial's 3,600,000 (ms for 3,600 s) was told to
        // lengthen the steps (a review found a small step_s refusing dopri5's default limit).
        if i.time_limit_s > MAX_TIME_LIMIT_S {
            return Err(ConfigError::key(
                "integrator.time_limit_s",
                format!(
                    "{} s is {} days, beyond any descent (at most {MAX_TIME_LIMIT_S} s; a capsule \
                     lands about 15 minutes after the interface under parachutes): was it given \
                     in ms? The unit is s",
                    crate::config::full(i.time_limit_s),
                    crate::config::sig(i.time_limit_s / 86_400.0)
                ),
            ));
        }
        let step = i.step_s.min(i.descent_step_s);
        if !i.method().is_adaptive() && i.time_limit_s / step > 1e7 {
            return Err(ConfigError::key(
                "integrator.time_limit_s",
                format!(
                    "{} s is over 1e7 rk4 steps of {} s per trajectory: shorten it, or lengthen \
                     integrator.step_s and descent_step_s",
                    crate::config::full(i.time_limit_s),
                    crate::config::full(step)
                ),
            ));
        }
        Ok(())
    }
}

/// A drogue trigger Mach number: positive, and at most [`DROGUE_MAX_MACH`]. With parachutes
/// no canopy holds above it; in a bare fall, which it only marks, the descent's looser
/// tolerance starts there, and above it would fly the heat pulse (a marker at Mach 35, at
/// the interface, put the time of peak g 0.35 s off, against a 0.05 s budget; a trial).
fn drogue_mach(key: &str, m: f64, chutes: bool) -> Result<(), ConfigError> {
    positive(key, m)?;
    if !chutes && m > DROGUE_MAX_MACH {
        return Err(ConfigError::key(
            key,
            format!(
                "Mach {m} is above {DROGUE_MAX_MACH}: the bare fall's marker also starts the \
                 descent's looser tolerance (integrator.descent_rtol), which above it would fly \
                 the heat pulse and miss the accuracy budget of its peaks"
            ),
        ));
    }
    if chutes && m > DROGUE_MAX_MACH {
        return Err(ConfigError::key(
            key,
            format!(
                "Mach {m} is hypersonic: no parachute model holds above Mach {DROGUE_MAX_MACH} \
                 (supersonic parachutes have flown to about Mach 2-3), and the peaks, watched \
                 until the first canopy opens, would be cut off"
            ),
        ));
    }
    Ok(())
}

/// Plausibility bounds on sizes, against a unit slip (a new user's trial: a diameter of 75,
/// centimetres, or a main's drag area of 36,000 timed out every sample with exit 0): the
/// largest capsule flown (Orion, 5 m) and its canopies (three mains of ~35 m, C_D A about
/// 2,500 m^2; two drogues, about 40 m^2), each with a margin of two or more. A configured
/// value beyond is refused, a sampled one fails its sample (model.rs `unphysical`).
pub const MAX_DIAMETER_M: f64 = 10.0;
pub const MAX_DROGUE_CDA_M2: f64 = 500.0;
pub const MAX_MAIN_CDA_M2: f64 = 10_000.0;
/// The same for the mass (Orion's crew module, about 10,000 kg at entry), the nose radius (its
/// heat shield's, about 6 m) and a canopy's delay (Genesis's g-switch timer, about a minute).
pub const MAX_MASS_KG: f64 = 20_000.0;
/// The highest heat-flux limit accepted [W/cm^2]: above it, a limit given in W/m^2.
pub const MAX_HEAT_FLUX_LIMIT_W_CM2: f64 = 100_000.0;
/// The lowest peak dynamic pressure limit accepted [Pa]: below it, a limit given in kPa.
pub const MIN_DYNAMIC_PRESSURE_LIMIT_PA: f64 = 100.0;
/// The lowest canopy opening-load limit accepted [Pa]: below it, a limit given in kPa (a
/// canopy opening at 20 Pa falls at about 6 m/s at sea level).
pub const MIN_CANOPY_Q_LIMIT_PA: f64 = 20.0;
pub const MAX_NOSE_RADIUS_M: f64 = 20.0;
/// The longest reentry time limit accepted [s] (11.6 days; a descent takes about 15 minutes):
/// beyond it, a limit given in ms. The bound that rk4's 1e7 steps of its default 0.1 s set, and
/// that dopri5 kept.
pub const MAX_TIME_LIMIT_S: f64 = 1e6;
pub const MAX_DELAY_S: f64 = 600.0;

/// The smallest entry capsule's diameter accepted [m]: below it, a unit slip (km).
pub const MIN_DIAMETER_M: f64 = 0.05;
/// The drag coefficients accepted: from a slender cone's (about 0.05 hypersonic) to above a
/// flat plate's (2), each with a margin of five or more. Outside them, a slip (a table a
/// thousand times too large timed every sample out, one a thousand times too small landed at
/// 11.7 km/s: a bad-input trial).
pub const MIN_CD: f64 = 0.01;
pub const MAX_CD: f64 = 10.0;
/// The highest `events.g_limit` accepted [g]: Galileo's probe peaked near 230 g, and above
/// 1,000 g no entry flies; a limit in m/s^2 (60,000 for about 6,000 g) counted no sample.
pub const MAX_G_LIMIT: f64 = 1_000.0;
/// An `events.g_limit` above this [g] is accepted with a note asking whether it was given in
/// m/s^2: above Galileo's 230 g, and above the 200 g that the ballistic benchmark sets to
/// count no sample.
pub const G_LIMIT_NOTED: f64 = 250.0;

/// Why a drag coefficient is outside [`MIN_CD`, `MAX_CD`], or None.
fn cd_out_of_range(cd: f64) -> Option<String> {
    (!(MIN_CD..=MAX_CD).contains(&cd)).then(|| {
        format!(
            "C_D {cd} is outside {MIN_CD}-{MAX_CD}: capsules fly at 0.7-1.7, a slender cone at \
             about 0.05, a flat plate at 2"
        )
    })
}

/// " (was it given in m? ...)" where an altitude [km] above its bound is, read as metres, one
/// within `[min_km, max_km]`; empty otherwise (1500 for an interface is no 1.5 km one: a review).
fn in_metres(km: f64, min_km: f64, max_km: f64) -> String {
    if (min_km..=max_km).contains(&(km / 1000.0)) {
        format!(" (was it given in m? {km} m is {} km)", km / 1000.0)
    } else {
        String::new()
    }
}

/// `value` at most `max`, or an error naming `key`, the value and `what` follows it.
fn at_most(key: &str, value: f64, max: f64, what: &str) -> Result<(), ConfigError> {
    if value > max {
        return Err(ConfigError::key(
            key,
            format!("{value} is above {max} {what}"),
        ));
    }
    Ok(())
}

/// The highest altitude [km] a profile row may name: the atmosphere's top (US76 ends at
/// 1,000 km). A table given in metres (a new user's 30000 for 30 km) was accepted and flew its
/// profile stretched 1,000 times, with exit 0.
const PROFILE_TOP_KM: f64 = 1000.0;

/// Every altitude of a profile's rows at most [`PROFILE_TOP_KM`], with a hint at metres (the
/// lower end is each table's own check).
fn altitudes_km(key: &str, altitudes: impl Iterator<Item = f64>) -> Result<(), ConfigError> {
    for (i, h) in altitudes.enumerate() {
        if h < 0.0 {
            return Err(ConfigError::key(
                key,
                format!(
                    "row {}: {h} km: altitudes start at 0 km or above (the profile is held \
                     below its first row)",
                    i + 1
                ),
            ));
        }
        if h > PROFILE_TOP_KM {
            return Err(ConfigError::key(
                key,
                format!(
                    "row {}: {h} km is above the atmosphere's top ({PROFILE_TOP_KM} km); \
                     altitudes are in km (was it given in metres?)",
                    i + 1
                ),
            ));
        }
    }
    Ok(())
}

/// A table of [x, y] rows: finite, strictly ascending x; y positive (or >= 0 when `allow_zero`).
fn check_table(key: &str, rows: &[[f64; 2]], allow_zero: bool) -> Result<(), ConfigError> {
    check_table_showing(key, rows, allow_zero, |i| format!("{:?}", rows[i]))
}

/// [`check_table`], a message showing row `i` as `show(i)` does (rows counted from 1).
fn check_table_showing(
    key: &str,
    rows: &[[f64; 2]],
    allow_zero: bool,
    show: impl Fn(usize) -> String,
) -> Result<(), ConfigError> {
    if rows.is_empty() {
        return Err(ConfigError::key(key, "must have at least one row"));
    }
    for (i, r) in rows.iter().enumerate() {
        if !r[0].is_finite() || !r[1].is_finite() {
            return Err(ConfigError::key(
                key,
                format!("row {} ({}): values must be finite", i + 1, show(i)),
            ));
        }
        if r[1] < 0.0 || (!allow_zero && r[1] == 0.0) {
            let want = if allow_zero {
                "zero or more"
            } else {
                "positive"
            };
            return Err(ConfigError::key(
                key,
                format!("row {} ({}): second value must be {want}", i + 1, show(i)),
            ));
        }
        if i > 0 && r[0] <= rows[i - 1][0] {
            return Err(ConfigError::key(
                key,
                format!(
                    "row {} ({}): first column must be strictly ascending",
                    i + 1,
                    show(i)
                ),
            ));
        }
    }
    Ok(())
}
