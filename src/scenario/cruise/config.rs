//! The cruise config (`configs/tianwen2_cruise_311p.toml` is the worked example) and its
//! validation.

use crate::config::{
    finite, non_negative, positive, tolerances, ConfigError, CorrelatedConfig, Dispersions,
    RawConfig, RunConfig,
};
use crate::physics::vec3::{cross, norm};
use crate::sampling::dist::Dist;
use serde::Deserialize;

/// The least distance from the Sun [au] a flight may reach: a state departure must start
/// beyond it, and a flight that passes inside it is failed (`outputs::sun_pass`). The
/// point-mass Sun, the 1/r^2 array power and the thrust models do not hold there (a new-user
/// trial's radial start passed 7 m from the Sun's centre and was reported as out of
/// propellant).
pub const SUN_FLOOR_AU: f64 = 0.05;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CruiseConfig {
    pub run: RunConfig,
    pub departure: DepartureConfig,
    pub spacecraft: SpacecraftConfig,
    pub propulsion: PropulsionConfig,
    pub guidance: GuidanceConfig,
    pub target: TargetConfig,
    #[serde(default)]
    pub perturbations: PerturbationsConfig,
    #[serde(default)]
    pub missed_thrust: Option<MissedThrustConfig>,
    #[serde(default)]
    pub integrator: CruiseIntegratorConfig,
    #[serde(default)]
    pub dispersions: Dispersions,
    #[serde(default)]
    pub correlated: Vec<CorrelatedConfig>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DepartureMode {
    Flyby,
    State,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepartureConfig {
    pub mode: DepartureMode,
    /// ISO 8601 date-time, TDB ("2027-11-20T03:00:00 TDB").
    pub epoch: String,
    /// Flyby: incoming v-infinity, Earth-relative, ecliptic J2000 [km/s].
    #[serde(default)]
    pub vinf_in_km_s: Option<[f64; 3]>,
    #[serde(default)]
    pub periapsis_altitude_km: Option<f64>,
    #[serde(default)]
    pub bplane_angle_deg: Option<f64>,
    /// State: heliocentric position [au] and velocity [km/s], ecliptic J2000.
    #[serde(default)]
    pub position_au: Option<[f64; 3]>,
    #[serde(default)]
    pub velocity_km_s: Option<[f64; 3]>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpacecraftConfig {
    pub wet_mass_kg: f64,
    pub propellant_kg: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerModel {
    /// P = array_power_1au_kw / r_au^2 x (1 - degradation_per_year)^years
    Solar,
    /// P = array_power_1au_kw always (validation against constant-thrust solutions)
    Constant,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PropulsionConfig {
    pub thrusters: i64,
    /// Per thruster at full power.
    pub thrust_mn: f64,
    pub isp_s: f64,
    pub power_per_thruster_kw: f64,
    pub power_model: PowerModel,
    pub array_power_1au_kw: f64,
    #[serde(default)]
    pub degradation_per_year: f64,
    #[serde(default)]
    pub bus_power_kw: f64,
    #[serde(default)]
    pub min_power_kw: f64,
    #[serde(default = "one")]
    pub duty_cycle: f64,
    /// Multiplier on thrust (a dispersable bias; DS1 ran ~2% low).
    #[serde(default = "one")]
    pub thrust_scale: f64,
    /// Multiplier on Isp (dispersable).
    #[serde(default = "one")]
    pub isp_scale: f64,
    /// Constant pointing errors about two axes perpendicular to the thrust [deg] (dispersable).
    #[serde(default)]
    pub pointing_error_1_deg: f64,
    #[serde(default)]
    pub pointing_error_2_deg: f64,
    /// Time-correlated thrust-magnitude error: first-order Gauss-Markov in time.
    #[serde(default)]
    pub thrust_noise: Option<ThrustNoiseConfig>,
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThrustNoiseConfig {
    /// 1-sigma relative thrust error.
    pub sigma: f64,
    pub correlation_days: f64,
    #[serde(default = "ten")]
    pub node_spacing_days: f64,
}

fn ten() -> f64 {
    10.0
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GuidanceMode {
    Qlaw,
    OpenLoop,
    Tangential,
    Inertial,
}

impl GuidanceMode {
    /// The mode as the config spells it (`open_loop`), for the run's metadata.
    pub fn name(self) -> &'static str {
        match self {
            GuidanceMode::Qlaw => "qlaw",
            GuidanceMode::OpenLoop => "open_loop",
            GuidanceMode::Tangential => "tangential",
            GuidanceMode::Inertial => "inertial",
        }
    }

    /// Whether the approach law (`approach_km`, `approach_tau_days`) steers: the Q-law flight,
    /// and the open-loop replay of it; not tangential or inertial thrust.
    pub fn has_approach_law(self) -> bool {
        matches!(self, GuidanceMode::Qlaw | GuidanceMode::OpenLoop)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GuidanceConfig {
    pub mode: GuidanceMode,
    /// Inertial mode: thrust direction, ecliptic J2000 (normalised).
    #[serde(default)]
    pub direction: Option<[f64; 3]>,
    /// Q-law relative effectivity below which the engine coasts.
    #[serde(default = "default_eta")]
    pub eta_cut: f64,
    /// Q-law: once thrusting, the engine coasts only when the effectivity falls below
    /// eta_cut - eta_hysteresis. Without a band the law chatters where thrusting itself lowers
    /// the effectivity (a sliding mode), and its thrust arcs then depend on the step size.
    #[serde(default = "default_eta_hysteresis")]
    pub eta_hysteresis: f64,
    /// Q-law phasing: the law aims at a semi-major axis offset from 311P's by
    /// -(2/3) psi / (n_t phasing_days), psi the phase still to gain on the comet, so that a
    /// matched period would close it in phasing_days (0: no phasing term).
    #[serde(default = "default_phasing_days")]
    pub phasing_days: f64,
    /// The offset's bound, relative to 311P's semi-major axis.
    #[serde(default = "default_phasing_max_da")]
    pub phasing_max_da: f64,
    /// Whole laps the spacecraft gains on the comet before the rendezvous (added to the phase
    /// to gain at departure).
    #[serde(default)]
    pub phasing_laps: u32,
    /// The approach stage (relative-motion law) starts within this distance of 311P [km].
    #[serde(default = "default_approach_km")]
    pub approach_km: f64,
    /// Time constant of the approach's velocity loop [day].
    #[serde(default = "default_approach_tau_days")]
    pub approach_tau_days: f64,
}

/// Assumption: two years, measured on the shipped nominal: with one year the phase overshoots
/// (the orbit change lags the target by a year or more) and the nominal does not arrive (out of
/// propellant by 6,500 days); with two it settles and meets the comet (docs/VALIDATION.md, "Orbit match and
/// rendezvous").
fn default_phasing_days() -> f64 {
    730.5
}
/// Assumption: the a target stays within 10 % of 311P's (2.0-2.4 au), inside the range the
/// solar arrays power.
fn default_phasing_max_da() -> f64 {
    0.1
}
/// Assumption: 20 million km (~3.5 deg of phase at 2.2 au), measured on the shipped nominal:
/// the phasing brings the spacecraft there at ~1.3 km/s, which the approach law brakes in about
/// 600 days; from 2 million km the phasing alone circles the comet at ~10^7 km for 2.4 more
/// years (docs/VALIDATION.md's sweep).
fn default_approach_km() -> f64 {
    2.0e7
}
/// Assumption: 5 days, short against the approach's months.
fn default_approach_tau_days() -> f64 {
    5.0
}

fn default_eta() -> f64 {
    0.2
}
/// Assumption: a band of 0.02 turns the nominal's sliding episodes into on/off cycles of
/// several days, as flight software's minimum on and off times do for an ion engine.
pub const DEFAULT_ETA_HYSTERESIS: f64 = 0.02;
fn default_eta_hysteresis() -> f64 {
    DEFAULT_ETA_HYSTERESIS
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetConfig {
    pub body: String,
    pub tol_a_au: f64,
    pub tol_e: f64,
    pub tol_i_deg: f64,
    /// Rendezvous deadline (ISO 8601, TDB) for prob_rendezvous_by_deadline.
    pub deadline: String,
    /// Rendezvous (status `arrived`): within this distance of 311P [km] ...
    #[serde(default = "default_rendezvous_km")]
    pub rendezvous_km: f64,
    /// ... and this relative speed [m/s].
    #[serde(default = "default_rendezvous_m_s")]
    pub rendezvous_m_s: f64,
}

/// Assumption, from approach practice: the low-thrust cruise hands over to optical navigation
/// within ~10^4 km of the target (Hayabusa2 stopped its ion engines ~3,100 km from Ryugu and
/// closed the rest with chemical thrusters [recalled]).
fn default_rendezvous_km() -> f64 {
    10_000.0
}
/// Assumption: 10 m/s, what the approach's chemical or ion manoeuvres remove in hours to a day.
fn default_rendezvous_m_s() -> f64 {
    10.0
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerturbationsConfig {
    #[serde(default)]
    pub bodies: Vec<String>,
}

/// Safe-mode outages (Imken et al.): Weibull time between events and Weibull durations.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MissedThrustConfig {
    pub between_shape: f64,
    pub between_scale_days: f64,
    pub duration_shape: f64,
    pub duration_scale_days: f64,
    #[serde(default = "default_max_events")]
    pub max_events: i64,
}

fn default_max_events() -> i64 {
    32
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CruiseIntegratorConfig {
    /// "dopri5" (adaptive, default) or "rk4" (fixed step, for validation).
    #[serde(default = "default_method")]
    pub method: String,
    /// dopri5: relative tolerance of the weighted RMS error norm.
    #[serde(default = "default_rtol")]
    pub rtol: f64,
    /// dopri5: absolute tolerance (m, m/s and kg alike; the relative part dominates).
    #[serde(default = "default_atol")]
    pub atol: f64,
    /// dopri5: largest step [day].
    #[serde(default = "default_max_step_days")]
    pub max_step_days: f64,
    /// rk4: the fixed step [day].
    #[serde(default = "default_step_days")]
    pub step_days: f64,
    #[serde(default = "default_limit_days")]
    pub time_limit_days: f64,
    /// dopri5: the most trial steps (kept and rejected) a sample may take before it is failed
    /// as stalled (`outputs::stalled`).
    #[serde(default = "default_max_trials")]
    pub max_trials: f64,
}

fn default_method() -> String {
    crate::integrator::Method::DEFAULT.name().into()
}
/// Default relative tolerance, by measurement: 8 years of a Sun-only orbit end 0.77 km from
/// the Kepler solution (bound 1 km; rtol 1e-9: 49 km, 1e-10: 6.5 km), and against converged
/// solutions the arrival epoch and propellant stay within 1 h and 10 g (tests/cruise.rs).
pub const DEFAULT_RTOL: f64 = 1e-11;
pub const DEFAULT_ATOL: f64 = 1e-6;
fn default_rtol() -> f64 {
    DEFAULT_RTOL
}
fn default_atol() -> f64 {
    DEFAULT_ATOL
}
fn default_max_step_days() -> f64 {
    10.0
}
/// The default config's 10,000 samples took 1,772-5,049 trials; a state start retrograde in the
/// ecliptic, where the Q-law's equinoctial elements are singular, took about a million (2.8 s
/// of a core) before its time limit. 100,000 fail such a sample in about 0.3 s. RK4's count is
/// bounded by the config instead (time_limit_days / step_days at most 1e6).
pub const DEFAULT_MAX_TRIALS: f64 = 100_000.0;
fn default_max_trials() -> f64 {
    DEFAULT_MAX_TRIALS
}
fn default_step_days() -> f64 {
    0.1
}
fn default_limit_days() -> f64 {
    3000.0
}

impl Default for CruiseIntegratorConfig {
    fn default() -> Self {
        CruiseIntegratorConfig {
            method: default_method(),
            rtol: default_rtol(),
            atol: default_atol(),
            max_step_days: default_max_step_days(),
            step_days: default_step_days(),
            time_limit_days: default_limit_days(),
            max_trials: default_max_trials(),
        }
    }
}

impl CruiseIntegratorConfig {
    pub fn method(&self) -> crate::integrator::Method {
        crate::integrator::Method::from_name(&self.method)
            .unwrap_or(crate::integrator::Method::DEFAULT)
    }
    /// The configuration as one line, for the run's metadata.
    pub fn describe(&self) -> String {
        let method = self.method();
        match method.is_adaptive() {
            false => format!(
                "{} step_days={} time_limit_days={}",
                method.name(),
                self.step_days,
                self.time_limit_days
            ),
            true => format!(
                "{} rtol={} atol={} max_step_days={} time_limit_days={} max_trials={}",
                method.name(),
                self.rtol,
                self.atol,
                self.max_step_days,
                self.time_limit_days,
                self.max_trials
            ),
        }
    }
}

/// The largest thrust a thruster is taken to give [mN]: above it, a unit slip (uN for mN).
pub const MAX_THRUST_MN: f64 = 10_000.0;
/// The smallest [mN]: below it, a unit slip (N for mN). Micro-newton thrusters (colloid,
/// FEEP) hold attitude; none flies a cruise.
pub const MIN_THRUST_MN: f64 = 1.0;
/// The highest specific impulse accepted [s].
pub const MAX_ISP_S: f64 = 30_000.0;
/// The lowest [s]: below it, an exhaust speed given in km/s (3 for 3,000 s).
pub const MIN_ISP_S: f64 = 100.0;
/// The heaviest wet mass accepted [kg]: above it, a mass given in grams. Cassini-Huygens, the
/// heaviest interplanetary spacecraft flown, launched at about 5,700 kg.
pub const MAX_WET_MASS_KG: f64 = 50_000.0;
/// The lightest accepted [kg]: below it, a mass given in tonnes (1.6 for 1,600 kg flew a 1.6 kg
/// craft on 160 mN, a cruise analyst's trial). Electric-propulsion cubesats weigh 10-25 kg.
pub const MIN_WET_MASS_KG: f64 = 5.0;
/// The fastest relative speed a rendezvous may be declared at [m/s]: faster is a flyby (a
/// cruise analyst's trial "arrived" at 10 km/s).
pub const MAX_RENDEZVOUS_M_S: f64 = 1_000.0;
/// The farthest the approach law may take over [km]: 0.5 au (1e12 km was accepted).
pub const MAX_APPROACH_KM: f64 = 7.5e7;
/// The most power one thruster is taken to draw [kW]: the most powerful electric thrusters
/// flown or tested draw about 100 kW (the X3 Hall thruster); above it, a power given in W.
pub const MAX_THRUSTER_KW: f64 = 200.0;
/// A bus draw [kW] above which, where it is also above the array's, it is taken for one given
/// in W: a probe's bus draws a few kW at most (0.6 kW assumed for Tianwen-2), and a W value of
/// one is hundreds or thousands.
pub const MAX_BUS_KW: f64 = 50.0;
/// How far the Earth's centre can lie from the Earth-Moon barycentre [m]: the Moon's apogee
/// (405,500 km) times its share of the system's mass (1 / 82.3), rounded up.
pub const EARTH_FROM_BARYCENTRE_M: f64 = 5.0e6;
/// The largest solar array's power at 1 au accepted [kW]: above it, a power given in W.
pub const MAX_ARRAY_KW: f64 = 1_000.0;
/// The fastest hyperbolic excess speed at the Earth accepted [km/s]: the Sun's escape speed at
/// 1 au plus the Earth's orbital speed, as the reentry's B-plane delivery (`entry.vinf_km_s`).
pub const MAX_VINF_IN_KM_S: f64 = 73.0;
/// The longest mean safe-mode outage accepted [days].
pub const MAX_OUTAGE_SCALE_DAYS: f64 = 365.0;
/// The farthest state departure from the Sun accepted [au].
pub const MAX_START_AU: f64 = 100.0;
/// The fastest state departure accepted [km/s].
pub const MAX_START_SPEED_KM_S: f64 = 250.0;

/// One thruster's jet power [kW]: thrust T' = thrust_mn x thrust_scale at the flow of the
/// nominal thrust, T / (g0 Isp isp_scale), carries T'^2 / (2 flow).
pub fn jet_power_kw(thrust_mn: f64, thrust_scale: f64, isp_s: f64, isp_scale: f64) -> f64 {
    thrust_mn
        * 1e-3
        * thrust_scale
        * thrust_scale
        * crate::physics::constants::G0_M_S2
        * isp_s
        * isp_scale
        / 2e3
}

pub const KNOWN_BODIES: [&str; 3] = ["earth", "mars", "jupiter"];

/// The lowest flyby periapsis [km]: the reentry's entry interface, where the atmosphere the
/// drag-free patched conic leaves out begins to matter.
pub const MIN_PERIAPSIS_ALTITUDE_KM: f64 = 125.0;

/// The end of 2050 (JD, TDB), where Standish's Table 1 elements stop holding.
const JD_2050_END: f64 = 2_470_172.5;

/// The longest `integrator.time_limit_days` accepted for a departure at `epoch_jd` (TDB), in
/// whole days: to the end of the planets' elements, and at most [`MAX_LIMIT_DAYS`].
pub fn max_limit_days(epoch_jd: f64) -> f64 {
    (JD_2050_END - epoch_jd).floor().min(MAX_LIMIT_DAYS)
}

/// The longest time limit of any cruise: 20 years [days].
pub const MAX_LIMIT_DAYS: f64 = 20.0 * 365.25;

impl CruiseConfig {
    /// `departure.epoch` as a Julian Date (TDB), within the span the cruise flies in:
    /// 311P's ephemeris starts at its elements' epoch, and the planets' elements hold for
    /// 1800-2050.
    pub fn departure_jd(&self) -> Result<f64, ConfigError> {
        crate::physics::epoch::parse_tdb_jd_within(
            "departure.epoch",
            &self.departure.epoch,
            crate::physics::comet::COMET_311P_EPOCH_JD,
            JD_2050_END,
            "2017-04-29T00:00 TDB to before 2051-01-01T00:00 TDB, where the cruise flies: \
             311P's ephemeris starts at its elements' epoch and the planets' elements hold for \
             1800-2050",
        )
    }

    pub fn from_raw(raw: &RawConfig) -> Result<Self, ConfigError> {
        let cfg: CruiseConfig = raw.typed()?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// What a config must hold to fly, beyond what its keys are (`validate`): checked before a
    /// run, a resume or a recording (`Cruise::checked`), not when results already written are
    /// read (a report or a merge of runs from builds that flew such a config).
    pub fn flight_checks(&self) -> Result<(), ConfigError> {
        let (g, p) = (&self.guidance, &self.propulsion);
        // Open-loop guidance records its profile from a Q-law flight.
        let qlaw = g.mode.has_approach_law();
        // The Q-law's equinoctial elements are singular at 180 degrees of inclination. Within
        // 0.05 degrees of it a flight took 100,000 trial steps (steps of seconds) in under 3
        // years; at 180 exactly its direction was not finite, and the engines disagreed on the
        // sample (2026-12-06). Starts at 1 au tilted further (time-outs of 5,500 days, the
        // shipped flights' 1,772-5,049 trials): 0.10 deg took about 60,000-100,000 (a review),
        // 0.13 deg 17,000, 0.19 deg 8,900, 0.38 deg 4,200.
        if let (DepartureMode::State, Some(r), Some(v)) = (
            self.departure.mode,
            self.departure.position_au,
            self.departure.velocity_km_s,
        ) {
            let h = cross(r, v);
            let i_deg = (h[2] / norm(h)).clamp(-1.0, 1.0).acos().to_degrees();
            if qlaw && i_deg > 179.5 {
                return Err(ConfigError::key(
                    "departure.velocity_km_s",
                    format!(
                        "starts retrograde in the ecliptic (inclination {i_deg:.3} deg), within \
                         0.5 deg of 180, where the Q-law guidance's equinoctial elements are \
                         singular (open-loop guidance records its profile under the Q-law); \
                         tilt the start, or use tangential or inertial guidance"
                    ),
                ));
            }
        }
        // With a cut and no band, thrusting itself lowers the effectivity below the cut: the
        // engine switches at every step (a sliding mode) and dopri5's step control stalls. The
        // shipped cruise's nominal stalled at 100,000 trial steps by day 979, with or without
        // the phasing, and at a million by day 3,033 (a new user's trial); 0.0005 flew in
        // 50,500 trials, 0.01 in 4,400. RK4 flies it (1.1 million steps); tangential and
        // inertial guidance have no cut.
        if qlaw
            && self.integrator.method().is_adaptive()
            && g.eta_hysteresis == 0.0
            && g.eta_cut > 0.0
        {
            return Err(ConfigError::key(
                "guidance.eta_hysteresis",
                format!(
                    "must be above 0 under the Q-law with eta_cut = {} and dopri5: without a \
                     band the engine switches between thrust and coast at every step where \
                     thrusting lowers the effectivity below the cut, and the step control \
                     stalls (0.02 is the default, the shipped cruise has 0.07)",
                    g.eta_cut
                ),
            ));
        }
        // A thruster's jet carries T' v_e / 2 of power, with T' = thrust_mn x thrust_scale and
        // the flow at the nominal thrust (model.rs): thrust_mn x thrust_scale^2 x g0 x isp_s x
        // isp_scale / 2. More than it draws is an efficiency above 1 (0.5 kW for 40 mN at
        // 3,000 s flew, and arrived four years early, a new user's trial). A dispersed sample
        // past it fails (`Model::unphysical`).
        let jet_kw = jet_power_kw(p.thrust_mn, p.thrust_scale, p.isp_s, p.isp_scale);
        if p.thrusters > 0 && jet_kw > p.power_per_thruster_kw {
            return Err(ConfigError::key(
                "propulsion.power_per_thruster_kw",
                format!(
                    "{} kW is less than one thruster's jet power, thrust_mn x thrust_scale^2 x \
                     g0 x isp_s x isp_scale / 2 = {jet_kw:.3} kW: an efficiency of {:.2}, above 1",
                    p.power_per_thruster_kw,
                    jet_kw / p.power_per_thruster_kw
                ),
            ));
        }
        Ok(())
    }

    /// The undispersed flyby's outbound leg from periapsis to the sphere of influence [days]
    /// (`departure::leg_time_s`), where the heliocentric flight starts; None for a state
    /// departure or a flyby whose keys are not all given.
    pub fn flyby_leg_days(&self) -> Option<f64> {
        let d = &self.departure;
        if d.mode != DepartureMode::Flyby {
            return None;
        }
        let vin = d.vinf_in_km_s?.map(|x| x * 1000.0);
        let rp = crate::physics::constants::WGS84_A_M + d.periapsis_altitude_km? * 1000.0;
        Some(super::departure::leg_time_s(vin, rp)? / 86_400.0)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        self.run.validate()?;
        // The bodies first: the flyby's check that the Earth is among them would otherwise
        // answer an unknown body.
        for (k, b) in self.perturbations.bodies.iter().enumerate() {
            if !KNOWN_BODIES.contains(&b.as_str()) {
                return Err(ConfigError::key(
                    "perturbations.bodies",
                    format!("unknown body {b:?}; one of earth, mars, jupiter"),
                ));
            }
            if self.perturbations.bodies[..k].contains(b) {
                return Err(ConfigError::key(
                    "perturbations.bodies",
                    format!("{b:?} is listed twice (its pull would count twice)"),
                ));
            }
        }
        self.choices_missing()?;
        // First: the departure's span, the outages' count and the thrust noise's nodes are
        // each checked over it (an infinite limit was refused as too many outages).
        positive(
            "integrator.time_limit_days",
            self.integrator.time_limit_days,
        )?;
        self.validate_departure()?;
        self.validate_spacecraft()?;
        self.validate_propulsion()?;
        self.validate_guidance()?;
        self.validate_target()?;
        self.validate_missed_thrust()?;
        self.validate_integrator()
    }

    /// With no thrusters (a coast) nothing reads `[propulsion]`'s numbers: the paths of those
    /// the config disperses, for a note (a coast with its thrust scale dispersed ran, unsaid,
    /// and the tornado ranked it: a from-scratch trial). A note, not a refusal: `--set
    /// propulsion.thrusters=0` on a config that disperses them is a coast's what-if.
    pub fn coast_thrust_dispersions(&self) -> Vec<String> {
        if self.propulsion.thrusters != 0 {
            return Vec::new();
        }
        let mut paths: Vec<String> =
            crate::config::dispersed_paths(&self.dispersions, &self.correlated)
                .map(|(_, p)| p)
                .filter(|p| p.starts_with("propulsion."))
                .cloned()
                .collect();
        paths.sort();
        paths.dedup();
        paths
    }

    /// Every key that the config's choices require and that it lacks, named at once
    /// ([`crate::config::choices_missing`]): the departure mode's, inertial guidance's direction.
    fn choices_missing(&self) -> Result<(), ConfigError> {
        let d = &self.departure;
        let mut missing = Vec::new();
        let (with, keys) = match d.mode {
            DepartureMode::Flyby => (
                "mode = \"flyby\"",
                vec![
                    ("departure.vinf_in_km_s", d.vinf_in_km_s.is_some()),
                    (
                        "departure.periapsis_altitude_km",
                        d.periapsis_altitude_km.is_some(),
                    ),
                    ("departure.bplane_angle_deg", d.bplane_angle_deg.is_some()),
                ],
            ),
            DepartureMode::State => (
                "mode = \"state\"",
                vec![
                    ("departure.position_au", d.position_au.is_some()),
                    ("departure.velocity_km_s", d.velocity_km_s.is_some()),
                ],
            ),
        };
        for (k, given) in keys {
            if !given {
                missing.push((k.to_string(), with.to_string()));
            }
        }
        let g = &self.guidance;
        if g.mode == GuidanceMode::Inertial && g.direction.is_none() {
            missing.push(("guidance.direction".into(), "mode = \"inertial\"".into()));
        }
        crate::config::choices_missing(&missing)
    }

    /// `[departure]`: the epoch and the flyby or the state.
    fn validate_departure(&self) -> Result<(), ConfigError> {
        let d = &self.departure;
        let epoch = self.departure_jd()?;
        match d.mode {
            DepartureMode::Flyby => {
                let v = d.vinf_in_km_s.ok_or_else(|| {
                    ConfigError::key("departure.vinf_in_km_s", "required when mode = \"flyby\"")
                })?;
                for x in v {
                    finite("departure.vinf_in_km_s", x)?;
                }
                if v.iter().all(|x| *x == 0.0) {
                    return Err(ConfigError::key(
                        "departure.vinf_in_km_s",
                        "must not be zero",
                    ));
                }
                let vinf = norm(v);
                if vinf > MAX_VINF_IN_KM_S {
                    return Err(ConfigError::key(
                        "departure.vinf_in_km_s",
                        format!(
                            "{vinf:.1} km/s is faster than anything bound to the Sun meets the \
                             Earth (at most {MAX_VINF_IN_KM_S} km/s): the unit is km/s"
                        ),
                    ));
                }
                let h = d.periapsis_altitude_km.ok_or_else(|| {
                    ConfigError::key(
                        "departure.periapsis_altitude_km",
                        "required when mode = \"flyby\"",
                    )
                })?;
                if finite("departure.periapsis_altitude_km", h)? < MIN_PERIAPSIS_ALTITUDE_KM {
                    return Err(ConfigError::key(
                        "departure.periapsis_altitude_km",
                        format!(
                            "must be at least {MIN_PERIAPSIS_ALTITUDE_KM} km, got {h}: the flyby is \
                             a drag-free patched conic, and below the 125 km entry interface it \
                             would be an atmospheric entry"
                        ),
                    ));
                }
                let soi = crate::physics::constants::EARTH_SOI_M;
                if crate::physics::constants::WGS84_A_M + h * 1000.0 >= soi {
                    return Err(ConfigError::key(
                        "departure.periapsis_altitude_km",
                        format!(
                            "{h} km puts the periapsis outside the Earth's sphere of influence \
                             ({:.0} km from the centre), where the heliocentric phase starts",
                            soi / 1e3
                        ),
                    ));
                }
                let b = d.bplane_angle_deg.ok_or_else(|| {
                    ConfigError::key(
                        "departure.bplane_angle_deg",
                        "required when mode = \"flyby\"",
                    )
                })?;
                if finite("departure.bplane_angle_deg", b)?.abs() > 360.0 {
                    return Err(ConfigError::key(
                        "departure.bplane_angle_deg",
                        "must be within [-360, 360]",
                    ));
                }
                // The heliocentric phase starts on the sphere of influence at the hyperbolic
                // speed there (Model::departure_state): without the Earth pulling from then on,
                // the spacecraft would leave ~90 m/s faster than its v_inf.
                if !self.perturbations.bodies.iter().any(|b| b == "earth") {
                    return Err(ConfigError::key(
                        "perturbations.bodies",
                        "must include \"earth\" when departure.mode = \"flyby\": the \
                         heliocentric phase starts on the Earth's sphere of influence, where the \
                         Earth still pulls",
                    ));
                }
            }
            DepartureMode::State => {
                let r = d.position_au.ok_or_else(|| {
                    ConfigError::key("departure.position_au", "required when mode = \"state\"")
                })?;
                let v = d.velocity_km_s.ok_or_else(|| {
                    ConfigError::key("departure.velocity_km_s", "required when mode = \"state\"")
                })?;
                for x in r {
                    finite("departure.position_au", x)?;
                }
                for x in v {
                    finite("departure.velocity_km_s", x)?;
                }
                let floor = SUN_FLOOR_AU;
                let rn = norm(r);
                if rn < floor {
                    return Err(ConfigError::key(
                        "departure.position_au",
                        format!("must be at least {floor} au from the Sun"),
                    ));
                }
                if rn > MAX_START_AU {
                    return Err(ConfigError::key(
                        "departure.position_au",
                        format!(
                            "{rn:.4e} au from the Sun is beyond {MAX_START_AU} au, past the planets \
                             and the Kuiper belt: was it given in km? The unit is au"
                        ),
                    ));
                }
                if norm(v) > MAX_START_SPEED_KM_S {
                    return Err(ConfigError::key(
                        "departure.velocity_km_s",
                        format!(
                            "{:.1} km/s is faster than any heliocentric craft (Parker Solar Probe \
                             peaks near 190 km/s; at most {MAX_START_SPEED_KM_S} km/s): was it \
                             given in m/s? The unit is km/s",
                            norm(v)
                        ),
                    ));
                }
                // No orbit plane: a zero or radial velocity falls straight at the Sun, and the
                // Q-law's frame is undefined (it stopped the program on a NaN, a new-user
                // trial).
                if norm(cross(r, v)) <= 1e-6 * rn * norm(v) {
                    return Err(ConfigError::key(
                        "departure.velocity_km_s",
                        "is zero or along the position (a radial fall, with no orbit plane)",
                    ));
                }
                // Inside the Earth's sphere of influence, with the Earth a third body (the
                // barycentre of the Earth-Moon system, whose gravity the integration applies), the
                // heliocentric integration follows a planetocentric orbit: a new-user trial's
                // start at the Earth took 7 million steps (15 s a sample) and meant nothing.
                if self.perturbations.bodies.iter().any(|b| b == "earth") {
                    use crate::physics::ephemeris::{body_state, Body};
                    use crate::physics::kepler::AU_M;
                    let (re, _) = body_state(Body::EarthMoonBary, epoch);
                    let d_m = (0..3)
                        .map(|k| (r[k] * AU_M - re[k]).powi(2))
                        .sum::<f64>()
                        .sqrt();
                    // The flyby hands over on the sphere about the Earth's centre, which lies
                    // up to ~4,900 km from the barycentre (the Moon's 405,500 km apogee times
                    // its 1/82.3 share of the mass): its hand-over state, given as a state
                    // departure, was refused at 920,415 km (a cruise analyst's trial).
                    let soi = crate::physics::constants::EARTH_SOI_M - EARTH_FROM_BARYCENTRE_M;
                    if d_m < soi {
                        return Err(ConfigError::key(
                            "departure.position_au",
                            format!(
                                "is {:.0} km from the Earth-Moon barycentre (whose gravity the \
                                 integration applies) at departure.epoch, inside the Earth's sphere of \
                                 influence ({:.0} km from the Earth's centre, at least {:.0} km \
                                 from the barycentre), which a heliocentric state cannot start \
                                 in; start outside it, or use mode = \"flyby\"",
                                d_m / 1e3,
                                crate::physics::constants::EARTH_SOI_M / 1e3,
                                soi / 1e3
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// `[spacecraft]`: the masses.
    fn validate_spacecraft(&self) -> Result<(), ConfigError> {
        let s = &self.spacecraft;
        if positive("spacecraft.wet_mass_kg", s.wet_mass_kg)? < MIN_WET_MASS_KG {
            return Err(ConfigError::key(
                "spacecraft.wet_mass_kg",
                format!(
                    "{} kg is below {MIN_WET_MASS_KG} kg, lighter than any spacecraft with \
                     electric propulsion (cubesats weigh 10-25 kg): was it given in tonnes? The \
                     unit is kg",
                    s.wet_mass_kg
                ),
            ));
        }
        if s.wet_mass_kg > MAX_WET_MASS_KG {
            return Err(ConfigError::key(
                "spacecraft.wet_mass_kg",
                format!(
                    "{} kg is above {MAX_WET_MASS_KG} kg, more than any spacecraft's \
                     (Cassini-Huygens launched at about 5,700 kg): was it given in grams? The \
                     unit is kg",
                    s.wet_mass_kg
                ),
            ));
        }
        non_negative("spacecraft.propellant_kg", s.propellant_kg)?;
        if s.propellant_kg >= s.wet_mass_kg {
            return Err(ConfigError::key(
                "spacecraft.propellant_kg",
                "must be less than spacecraft.wet_mass_kg",
            ));
        }
        Ok(())
    }

    /// `[propulsion]`: thrusters, power and thrust noise settings.
    fn validate_propulsion(&self) -> Result<(), ConfigError> {
        let p = &self.propulsion;
        if p.thrusters < 0 || p.thrusters > super::layout::MAX_THRUSTERS {
            return Err(ConfigError::key(
                "propulsion.thrusters",
                format!("must be between 0 and {}", super::layout::MAX_THRUSTERS),
            ));
        }
        // Zero thrust with thrusters on would count thrusting time and switches for a coast.
        if non_negative("propulsion.thrust_mn", p.thrust_mn)? == 0.0 && p.thrusters > 0 {
            return Err(ConfigError::key(
                "propulsion.thrust_mn",
                "must be positive with thrusters on, got 0 (a flight without thrust: \
                 propulsion.thrusters = 0)",
            ));
        }
        // Slips of a unit, told before the efficiency check would blame the power.
        if p.thrust_mn > MAX_THRUST_MN {
            return Err(ConfigError::key(
                "propulsion.thrust_mn",
                format!(
                    "{} mN is above any electric thruster's ({MAX_THRUST_MN} mN; the largest Hall \
                     thrusters give ~5 N): was it given in uN? The unit is mN",
                    p.thrust_mn
                ),
            ));
        }
        if p.thrust_mn > 0.0 && p.thrust_mn < MIN_THRUST_MN {
            return Err(ConfigError::key(
                "propulsion.thrust_mn",
                format!(
                    "{} mN is below any propulsion thruster's ({MIN_THRUST_MN} mN; ion engines \
                     give 20-250 mN): was it given in N? The unit is mN",
                    p.thrust_mn
                ),
            ));
        }
        if p.isp_s > 0.0 && p.isp_s < MIN_ISP_S {
            return Err(ConfigError::key(
                "propulsion.isp_s",
                format!(
                    "{} s is below any thruster's specific impulse ({MIN_ISP_S} s; ion engines \
                     give 1,500-4,000 s): was an exhaust speed in km/s given? The unit is s",
                    p.isp_s
                ),
            ));
        }
        if positive("propulsion.isp_s", p.isp_s)? > MAX_ISP_S {
            return Err(ConfigError::key(
                "propulsion.isp_s",
                format!(
                    "{} s is above any thruster's specific impulse ({MAX_ISP_S} s; gridded ion \
                     engines reach ~10,000 s): the unit is s",
                    p.isp_s
                ),
            ));
        }
        if positive("propulsion.power_per_thruster_kw", p.power_per_thruster_kw)? > MAX_THRUSTER_KW
        {
            return Err(ConfigError::key(
                "propulsion.power_per_thruster_kw",
                format!(
                    "{} kW is above any electric thruster's draw ({MAX_THRUSTER_KW} kW; the X3 \
                     Hall thruster draws about 100 kW, Dawn's ion engines 2.6 kW): was it given \
                     in W? The unit is kW",
                    p.power_per_thruster_kw
                ),
            ));
        }
        if non_negative("propulsion.array_power_1au_kw", p.array_power_1au_kw)? > MAX_ARRAY_KW {
            return Err(ConfigError::key(
                "propulsion.array_power_1au_kw",
                format!(
                    "{} kW is above any spacecraft's array ({MAX_ARRAY_KW} kW; Dawn's gave 10 \
                     kW): was it given in W? The unit is kW",
                    p.array_power_1au_kw
                ),
            ));
        }
        // A bus or a minimum in W for kW (600 for 0.6, 1000 for 1) was accepted under solar
        // power, with a note, and every sample coasted to its time limit (a cruise analyst's
        // trial): refused as the array's and the thruster's powers are.
        // A bus above the array but small (a 0.6 kW bus on a 0.5 kW array) is a design the run
        // notes: a thruster runs only nearer the Sun.
        let bus = non_negative("propulsion.bus_power_kw", p.bus_power_kw)?;
        if bus > p.array_power_1au_kw && bus > MAX_BUS_KW {
            return Err(ConfigError::key(
                "propulsion.bus_power_kw",
                format!(
                    "{bus} kW is more than the whole array gives at 1 au \
                     (propulsion.array_power_1au_kw = {} kW), which powers the bus, and more \
                     than {MAX_BUS_KW} kW: was it given in W? The unit is kW",
                    p.array_power_1au_kw
                ),
            ));
        }
        if non_negative("propulsion.min_power_kw", p.min_power_kw)? > MAX_THRUSTER_KW {
            return Err(ConfigError::key(
                "propulsion.min_power_kw",
                format!(
                    "{} kW, the least power at which one thruster runs, is above any electric \
                     thruster's draw ({MAX_THRUSTER_KW} kW): was it given in W? The unit is kW",
                    p.min_power_kw
                ),
            ));
        }
        // Under constant power no thruster can ever run when the array, less the bus, is below
        // one thruster's draw or the minimum: every sample would coast its whole flight, with
        // nothing said (a cruise trial's bus of 600 kW for 0.6).
        if p.power_model == PowerModel::Constant && p.thrusters > 0 {
            let spare = p.array_power_1au_kw - p.bus_power_kw;
            let needs = p.power_per_thruster_kw.max(p.min_power_kw);
            if spare < needs {
                return Err(ConfigError::key(
                    "propulsion.array_power_1au_kw",
                    format!(
                        "{} kW less the bus's {} kW leaves {} kW, below the {needs} kW one \
                         thruster needs (power_per_thruster_kw, min_power_kw): under constant \
                         power no thruster could ever run (check the units: kW)",
                        p.array_power_1au_kw,
                        p.bus_power_kw,
                        crate::config::sig(spare)
                    ),
                ));
            }
        }
        // Read by solar power alone.
        if p.power_model == PowerModel::Solar {
            let deg = non_negative("propulsion.degradation_per_year", p.degradation_per_year)?;
            if deg >= 1.0 {
                return Err(ConfigError::key(
                    "propulsion.degradation_per_year",
                    "must be below 1 (a fraction of the power lost a year: 0.02 is 2 %)",
                ));
            }
        }
        let duty = positive("propulsion.duty_cycle", p.duty_cycle)?;
        if duty > 1.0 {
            return Err(ConfigError::key(
                "propulsion.duty_cycle",
                "must be at most 1",
            ));
        }
        positive("propulsion.thrust_scale", p.thrust_scale)?;
        positive("propulsion.isp_scale", p.isp_scale)?;
        for (key, deg) in [
            ("propulsion.pointing_error_1_deg", p.pointing_error_1_deg),
            ("propulsion.pointing_error_2_deg", p.pointing_error_2_deg),
        ] {
            // Applied through its tangent: 180 deg would read as 0, 135 as -45.
            if finite(key, deg)?.abs() >= 90.0 {
                return Err(ConfigError::key(key, "must be within (-90, 90) deg"));
            }
        }
        if let Some(n) = &p.thrust_noise {
            if non_negative("propulsion.thrust_noise.sigma", n.sigma)? > 1.0 {
                return Err(ConfigError::key(
                    "propulsion.thrust_noise.sigma",
                    "must be at most 1 (a relative 1-sigma of 100 %)",
                ));
            }
            positive(
                "propulsion.thrust_noise.correlation_days",
                n.correlation_days,
            )?;
            positive(
                "propulsion.thrust_noise.node_spacing_days",
                n.node_spacing_days,
            )?;
            // Interpolated between nodes farther apart than the correlation time, nearly
            // independent, the noise's variance shrinks between them (to half midway).
            if n.node_spacing_days > n.correlation_days {
                return Err(ConfigError::key(
                    "propulsion.thrust_noise.node_spacing_days",
                    format!(
                        "{} days is above correlation_days ({}): between nodes that far apart \
                         the interpolated noise loses up to half its variance; space them at \
                         most one correlation time apart",
                        n.node_spacing_days, n.correlation_days
                    ),
                ));
            }
        }
        Ok(())
    }

    /// `[guidance]`, with what it asks of the integrator.
    fn validate_guidance(&self) -> Result<(), ConfigError> {
        let g = &self.guidance;
        if g.mode == GuidanceMode::Inertial {
            let dir = g.direction.ok_or_else(|| {
                ConfigError::key("guidance.direction", "required when mode = \"inertial\"")
            })?;
            for x in dir {
                finite("guidance.direction", x)?;
            }
            if dir.iter().all(|x| *x == 0.0) {
                return Err(ConfigError::key("guidance.direction", "must not be zero"));
            }
        }
        let e = finite("guidance.eta_cut", g.eta_cut)?;
        if !(0.0..1.0).contains(&e) {
            return Err(ConfigError::key("guidance.eta_cut", "must be in [0, 1)"));
        }
        let hy = finite("guidance.eta_hysteresis", g.eta_hysteresis)?;
        if !(0.0..=e).contains(&hy) {
            // Its lower bound said apart: above 0 where the Q-law cuts under dopri5 (below).
            return Err(ConfigError::key(
                "guidance.eta_hysteresis",
                if hy < 0.0 {
                    format!("{hy} must be at least 0")
                } else {
                    format!("{hy} must be at most eta_cut = {e} (the band lies below the cut)")
                },
            ));
        }
        finite("guidance.phasing_days", g.phasing_days)?;
        if g.phasing_days < 0.0 {
            return Err(ConfigError::key(
                "guidance.phasing_days",
                "must be >= 0 (0: no phasing)",
            ));
        }
        let da = finite("guidance.phasing_max_da", g.phasing_max_da)?;
        if !(0.0..0.5).contains(&da) {
            return Err(ConfigError::key(
                "guidance.phasing_max_da",
                "must be in [0, 0.5)",
            ));
        }
        if g.phasing_laps > 10 {
            return Err(ConfigError::key(
                "guidance.phasing_laps",
                "must be at most 10",
            ));
        }
        if positive("guidance.approach_km", g.approach_km)? > MAX_APPROACH_KM {
            return Err(ConfigError::key(
                "guidance.approach_km",
                format!(
                    "{} km is beyond {MAX_APPROACH_KM} km (0.5 au): the approach law steers the \
                     last leg to the comet, not the cruise (the shipped config hands over at \
                     2e7 km)",
                    g.approach_km
                ),
            ));
        }
        positive("guidance.approach_tau_days", g.approach_tau_days)?;
        let i = &self.integrator;
        if g.mode.has_approach_law()
            && !i.method().is_adaptive()
            && g.approach_tau_days < 5.0 * i.step_days
        {
            return Err(ConfigError::key(
                "guidance.approach_tau_days",
                format!(
                    "{} must span at least 5 RK4 steps (integrator.step_days = {}): the \
                     approach's velocity loop relaxes at 1/tau",
                    g.approach_tau_days, i.step_days
                ),
            ));
        }
        Ok(())
    }

    /// `[target]`: the body, the rendezvous and orbit tolerances, the deadline.
    fn validate_target(&self) -> Result<(), ConfigError> {
        let g = &self.guidance;
        let epoch = self.departure_jd()?;
        let t = &self.target;
        positive("target.rendezvous_km", t.rendezvous_km)?;
        if positive("target.rendezvous_m_s", t.rendezvous_m_s)? > MAX_RENDEZVOUS_M_S {
            return Err(ConfigError::key(
                "target.rendezvous_m_s",
                format!(
                    "{} m/s is above {MAX_RENDEZVOUS_M_S} m/s: a pass that fast is a flyby, not a \
                     rendezvous (the shipped config asks for 10 m/s)",
                    t.rendezvous_m_s
                ),
            ));
        }
        if t.rendezvous_km >= g.approach_km {
            return Err(ConfigError::key(
                "target.rendezvous_km",
                format!(
                    "{} must be below guidance.approach_km = {}",
                    t.rendezvous_km, g.approach_km
                ),
            ));
        }
        if t.body != "311P" {
            return Err(ConfigError::key(
                "target.body",
                format!("unknown body {:?}; supported: \"311P\"", t.body),
            ));
        }
        positive("target.tol_a_au", t.tol_a_au)?;
        positive("target.tol_e", t.tol_e)?;
        if positive("target.tol_i_deg", t.tol_i_deg)? > 180.0 {
            return Err(ConfigError::key(
                "target.tol_i_deg",
                "must be at most 180 deg (the angle between the orbit normals)",
            ));
        }
        // 311P's table ends on 2051-01-03 (the departure's own range: `departure_jd`, read
        // first, so that a departure past it is named as such).
        let deadline = crate::physics::epoch::parse_tdb_jd_within(
            "target.deadline",
            &t.deadline,
            crate::physics::comet::COMET_311P_EPOCH_JD,
            crate::physics::comet::COMET_TABLE_END_JD,
            "2017-04-29T00:00 TDB to before 2051-01-03T00:00 TDB, 311P's ephemeris table",
        )?;
        if deadline <= epoch {
            return Err(ConfigError::key(
                "target.deadline",
                "must be after departure.epoch",
            ));
        }
        // A limit that is not a number is named as such by the integrator's checks (an
        // infinite one was refused here as ending too late: a cruise analyst's trial).
        let limit = self.integrator.time_limit_days;
        if limit.is_finite() && epoch + limit > JD_2050_END {
            return Err(ConfigError::key(
                "integrator.time_limit_days",
                format!(
                    "departure.epoch plus the time limit must end by 2051-01-01T00:00 TDB (the \
                     planets' elements hold for 1800-2050), and a cruise flies at most 20 \
                     years: at most {} days from this departure, got {limit}",
                    max_limit_days(epoch)
                ),
            ));
        }
        Ok(())
    }

    /// `[missed_thrust]`: the outages' distributions and their cap.
    fn validate_missed_thrust(&self) -> Result<(), ConfigError> {
        if let Some(m) = &self.missed_thrust {
            // The outages' Weibull shapes are held to the dispersions' floor: below it the
            // draws span more than ten orders of magnitude (a between_shape of 0.05 put the
            // mean gap near 1e20 days, so outages vanished with nothing said: a cruise trial).
            for (key, shape) in [
                ("missed_thrust.between_shape", m.between_shape),
                ("missed_thrust.duration_shape", m.duration_shape),
            ] {
                if positive(key, shape)? < crate::sampling::MIN_WEIBULL_SHAPE {
                    return Err(ConfigError::key(
                        key,
                        format!(
                            "{shape} is below {}: the draws would span more than ten orders of \
                             magnitude (the shipped config assumes 0.9 between outages and 1.5 \
                             for their length)",
                            crate::sampling::MIN_WEIBULL_SHAPE
                        ),
                    ));
                }
            }
            positive("missed_thrust.between_scale_days", m.between_scale_days)?;
            positive("missed_thrust.duration_scale_days", m.duration_scale_days)?;
            // Outages of years are no safe-mode outages but a dead engine (a fuzzing trial's
            // 7e6 days: 19,000 years); judged by the mean, which a tiny shape also makes long
            // (shape 0.05 lost 979 of 1,000 days to outages, a cruise trial).
            let mean_days = Dist::Weibull {
                shape: m.duration_shape,
                scale: m.duration_scale_days,
            }
            .mean();
            if mean_days.is_nan() || mean_days > MAX_OUTAGE_SCALE_DAYS {
                return Err(ConfigError::key(
                    "missed_thrust.duration_scale_days",
                    format!(
                        "with duration_shape = {}, outages last {} days on average, above \
                         {MAX_OUTAGE_SCALE_DAYS} days: safe-mode outages last days to weeks; for \
                         a flight without thrust set propulsion.thrusters = 0",
                        m.duration_shape,
                        crate::config::sig(mean_days)
                    ),
                ));
            }
            if m.max_events < 1 || m.max_events > 256 {
                return Err(ConfigError::key(
                    "missed_thrust.max_events",
                    "must be between 1 and 256",
                ));
            }
            // Outages that do not fit are lost: demand room for well over the expected count.
            let between = Dist::Weibull {
                shape: m.between_shape,
                scale: m.between_scale_days,
            };
            let duration = Dist::Weibull {
                shape: m.duration_shape,
                scale: m.duration_scale_days,
            };
            let expected = self.integrator.time_limit_days / (between.mean() + duration.mean());
            let needed = (2.0 * expected + 10.0).ceil();
            if needed > 256.0 {
                return Err(ConfigError::key(
                    "missed_thrust.between_scale_days",
                    format!(
                        "with {} days between outages and {} days each, ~{expected:.0} are \
                         expected over integrator.time_limit_days = {}, more than the 256 \
                         outages a sample can carry (max_events at most 256, and at least \
                         twice the expected count plus 10); give rarer or longer outages, or a \
                         shorter time limit",
                        m.between_scale_days,
                        m.duration_scale_days,
                        self.integrator.time_limit_days
                    ),
                ));
            }
            if (m.max_events as f64) < needed {
                return Err(ConfigError::key(
                    "missed_thrust.max_events",
                    format!(
                        "{} slots for the ~{expected:.0} outages expected over \
                         integrator.time_limit_days = {}; set at least {needed} (twice the \
                         expected count plus 10), or a shorter time limit",
                        m.max_events, self.integrator.time_limit_days
                    ),
                ));
            }
        }
        Ok(())
    }

    /// `[integrator]`, and the thrust noise's nodes over its time limit.
    fn validate_integrator(&self) -> Result<(), ConfigError> {
        let i = &self.integrator;
        crate::integrator::Method::parse(&i.method)
            .map_err(|why| ConfigError::key("integrator.method", why))?;
        positive("integrator.time_limit_days", i.time_limit_days)?;
        if let Some(leg_days) = self.flyby_leg_days() {
            if i.time_limit_days <= leg_days {
                return Err(ConfigError::key(
                    "integrator.time_limit_days",
                    format!(
                        "{} days ends before the flyby's outbound leg reaches the Earth's sphere \
                         of influence, {:.3} days after periapsis, where the flight starts: \
                         it must be longer than that",
                        i.time_limit_days,
                        (leg_days * 1000.0).ceil() / 1000.0
                    ),
                ));
            }
        }
        // Above 1e-5 the arrival epoch and the propellant lose the accuracy a mission analysis
        // needs.
        tolerances(
            &[("integrator.rtol", i.rtol)],
            1e-5,
            ("integrator.atol", i.atol),
        )?;
        positive("integrator.max_step_days", i.max_step_days)?;
        if i.max_step_days > 30.0 {
            return Err(ConfigError::key(
                "integrator.max_step_days",
                "must be at most 30 days (a longer step can jump over a flyby's pull or an arrival)",
            ));
        }
        if !(i.max_trials >= 100.0 && i.max_trials <= 1e8 && i.max_trials.fract() == 0.0) {
            return Err(ConfigError::key(
                "integrator.max_trials",
                format!(
                    "{}: must be a whole number from 100 to 1e8 (default {DEFAULT_MAX_TRIALS:.0}; \
                     the shipped config's 10,000 flights took 1,772-5,049 trial steps)",
                    i.max_trials
                ),
            ));
        }
        // Every kept step is at most max_step_days long, so max_trials of them reach at most
        // their product: a flight still going there fails as stalled (0.001 days failed every
        // sample of a run after 102 days of flight, naming neither key: a cruise trial).
        let reach_days = i.max_trials * i.max_step_days;
        if i.method().is_adaptive() && reach_days < i.time_limit_days {
            return Err(ConfigError::key(
                "integrator.max_step_days",
                format!(
                    "{} days a step, for integrator.max_trials = {} trial steps, reach at most \
                     {} days of flight, short of integrator.time_limit_days = {}: a flight \
                     still going there would fail as stalled; lengthen the step (default {}) \
                     or raise max_trials",
                    i.max_step_days,
                    i.max_trials,
                    crate::config::sig(reach_days),
                    i.time_limit_days,
                    default_max_step_days()
                ),
            ));
        }
        positive("integrator.step_days", i.step_days)?;
        if i.step_days > 5.0 {
            return Err(ConfigError::key(
                "integrator.step_days",
                "must be at most 5 days",
            ));
        }
        if i.time_limit_days > MAX_LIMIT_DAYS {
            return Err(ConfigError::key(
                "integrator.time_limit_days",
                format!("{} days: at most 20 years", i.time_limit_days),
            ));
        }
        // Named after the step, with the time limit it is over (a trial set only the step and
        // was told about the time limit); the least step rounded up at 3 significant digits, so
        // that the step suggested is accepted (a review found one rounded down and refused).
        let rk4 = !i.method().is_adaptive();
        if rk4 && i.time_limit_days / i.step_days > 1e6 {
            let least = i.time_limit_days / 1e6;
            let scale = 10f64.powi(2 - least.log10().floor() as i32);
            return Err(ConfigError::key(
                "integrator.step_days",
                format!(
                    "{} days over integrator.time_limit_days = {} is {:.3e} RK4 steps, more than \
                     1e6: give a step of at least {} days, or a shorter time limit",
                    i.step_days,
                    i.time_limit_days,
                    i.time_limit_days / i.step_days,
                    (least * scale).ceil() / scale
                ),
            ));
        }
        // The thrust noise's nodes over the time limit, once the limit itself is known good.
        if let Some(n) = &self.propulsion.thrust_noise {
            let nodes = self.integrator.time_limit_days / n.node_spacing_days;
            if nodes > 4000.0 {
                return Err(ConfigError::key(
                    "propulsion.thrust_noise.node_spacing_days",
                    format!(
                        "too fine for integrator.time_limit_days: {} days / {} days = {nodes:.0} \
                     nodes, at most 4000; widen the spacing or shorten the time limit",
                        self.integrator.time_limit_days, n.node_spacing_days
                    ),
                ));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::GuidanceMode;

    /// The metadata's spelling of each mode is the config's (it wrote `openloop` for
    /// `open_loop`, a new user's trial).
    #[test]
    fn guidance_mode_names_read_back_as_the_same_mode() {
        #[derive(serde::Deserialize)]
        struct G {
            mode: GuidanceMode,
        }
        use GuidanceMode::*;
        for m in [Qlaw, OpenLoop, Tangential, Inertial] {
            let g: G = toml::from_str(&format!("mode = \"{}\"", m.name())).unwrap();
            assert_eq!(g.mode, m);
        }
    }
}
