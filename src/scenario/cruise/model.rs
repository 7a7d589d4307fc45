//! From a validated cruise config to what the engines consume: the dispersable parameters, the
//! constants (ephemeris table of the perturbing bodies, target orbit, guidance), and each
//! sample's input row (post-flyby state, propulsion, outages, thrust noise).

use super::config::*;
use super::departure::{fly_leg, leg_time_s, LegBodies, LEG_TOL};
use super::layout::*;
use crate::integrator::{Method, ERR_PREV_START};
use crate::physics::comet::{comet_311p_osculating, comet_311p_state};
use crate::physics::constants::{EARTH_MU_M3_S2, G0_M_S2, WGS84_A_M};
use crate::physics::ephemeris::{body_gm_m3_s2, body_state_tabulated, Body, DAY_S};
use crate::physics::epoch::parse_tdb_jd;
use crate::physics::flyby::flyby_turn;
use crate::physics::kepler::{AU_M, SUN_MU_M3_S2};
use crate::physics::moon::earth_state;
use crate::physics::qlaw::{qlaw_consts_flat, QLawParams, QLawTarget};
use crate::physics::vec3::norm;
use crate::sampling::dist::Dist;
use crate::sampling::events::missed_thrust_outages;

/// Every scalar a dispersion may target, by its dotted config path.
pub const PARAM_NAMES: [&str; 16] = [
    "departure.periapsis_altitude_km",
    "departure.bplane_angle_deg",
    "spacecraft.wet_mass_kg",
    "spacecraft.propellant_kg",
    "propulsion.thrust_mn",
    "propulsion.isp_s",
    "propulsion.power_per_thruster_kw",
    "propulsion.array_power_1au_kw",
    "propulsion.degradation_per_year",
    "propulsion.bus_power_kw",
    "propulsion.min_power_kw",
    "propulsion.duty_cycle",
    "propulsion.thrust_scale",
    "propulsion.isp_scale",
    "propulsion.pointing_error_1_deg",
    "propulsion.pointing_error_2_deg",
];
pub const N_PARAMS: usize = PARAM_NAMES.len();
/// A parameter's index in [`PARAM_NAMES`], by its path: a misspelt path fails the build.
const fn param(path: &str) -> usize {
    crate::scenario::index_of(&PARAM_NAMES, path)
}
const P_RP_ALT: usize = param("departure.periapsis_altitude_km");
const P_BPLANE: usize = param("departure.bplane_angle_deg");
pub(super) const P_WET: usize = param("spacecraft.wet_mass_kg");
pub(super) const P_PROP: usize = param("spacecraft.propellant_kg");
const P_THRUST: usize = param("propulsion.thrust_mn");
const P_ISP: usize = param("propulsion.isp_s");
const P_PTHR: usize = param("propulsion.power_per_thruster_kw");
const P_P1AU: usize = param("propulsion.array_power_1au_kw");
const P_DEG: usize = param("propulsion.degradation_per_year");
const P_BUS: usize = param("propulsion.bus_power_kw");
const P_PMIN: usize = param("propulsion.min_power_kw");
const P_DUTY: usize = param("propulsion.duty_cycle");
const P_TSCALE: usize = param("propulsion.thrust_scale");
const P_ISCALE: usize = param("propulsion.isp_scale");
const P_PERR1: usize = param("propulsion.pointing_error_1_deg");
const P_PERR2: usize = param("propulsion.pointing_error_2_deg");

pub use crate::physics::constants::EARTH_SOI_M;
/// Ephemeris table spacing [s]: the cubic Hermite between daily nodes (positions and the
/// positions' own rate, `body_state_tabulated`) stays within 39 m of the elements' positions
/// for the EMB, 9 m for Mars, 0.05 m for Jupiter (measured, 4,000 days from 2027-11-20): the
/// cubic's own error, h^4 r w^4 / 384 = 35 m for the EMB. Until 2026-12-05 the nodes carried
/// the two-body velocities and the curve left the positions by up to 2.1 km, 5.4 km and 48 km.
pub const EPH_DT_S: f64 = DAY_S;
pub const JULIAN_YEAR_S: f64 = 365.25 * DAY_S;

#[derive(Debug, Clone)]
pub struct Model {
    pub cfg: CruiseConfig,
    pub nominal: [f64; N_PARAMS],
    pub consts: Vec<f64>,
    pub epoch_jd: f64,
    pub deadline_jd: f64,
    pub bodies: Vec<Body>,
    pub n_eph: usize,
    pub off_eph: usize,
    pub off_bmu: usize,
    pub guidance: u32,
    pub method: Method,
    pub max_events: usize,
    pub n_gm: usize,
    /// Thrust-noise Gauss-Markov coefficient between nodes and 1-sigma.
    pub gm_phi: f64,
    pub gm_sigma: f64,
    /// 311P's osculating orbit at departure: what the Q-law steers to (its a moved by the
    /// phasing term) and what the orbit-match milestone tests; its a, e
    /// vector and normal are also C_TGT_* in `consts`, for the shader.
    pub arrival: QLawTarget,
    /// Q-law tuning (Q-law guidance only; its target is `arrival`), and the offset of target
    /// and tuning in `consts`.
    pub qlaw: Option<QLawParams>,
    pub off_qlaw: usize,
    /// Open-loop profile: per segment OL_ROW reals [t_start, on, direction in
    /// radial/transverse/normal, throttle].
    pub off_ol: usize,
    pub n_ol: usize,
    /// The Moon's and the Sun's tables for a flyby's leg to the sphere of influence
    /// ([`super::departure`]); None for a state departure.
    pub leg: Option<LegBodies>,
}

impl Model {
    pub fn new(cfg: &CruiseConfig) -> Model {
        let epoch_jd = cfg.departure_jd().expect("validated");
        let deadline_jd = parse_tdb_jd("target.deadline", &cfg.target.deadline).expect("validated");
        let mut consts = vec![0.0; CONSTS_FIXED];
        consts[C_SUN_MU] = SUN_MU_M3_S2;
        consts[C_AU] = AU_M;
        consts[C_G0] = G0_M_S2;
        consts[C_DT] = cfg.integrator.step_days * DAY_S;
        consts[C_T_LIMIT] = cfg.integrator.time_limit_days * DAY_S;
        consts[C_EPH_DT] = EPH_DT_S;
        let noise = cfg.propulsion.thrust_noise.as_ref();
        consts[C_GM_DT] = noise.map_or(DAY_S, |n| n.node_spacing_days * DAY_S);
        consts[C_SOI] = EARTH_SOI_M;
        consts[C_TOL_A] = cfg.target.tol_a_au * AU_M;
        consts[C_TOL_E] = cfg.target.tol_e;
        consts[C_COS_TOL_I] = cfg.target.tol_i_deg.to_radians().cos();
        // The orbit the Q-law steers to: the comet's osculating orbit at departure (it moves by
        // < 0.001 au in a, < 0.001 in e and < 0.5 deg in its angles through 2040; the approach
        // law meets the comet itself).
        let target = comet_311p_osculating(epoch_jd);
        let arrival = QLawTarget::from_elements(&target, SUN_MU_M3_S2);
        consts[C_TGT_A] = arrival.a_m;
        consts[C_TGT_E..C_TGT_E + 3].copy_from_slice(&arrival.e_vec);
        consts[C_TGT_H..C_TGT_H + 3].copy_from_slice(&arrival.h_hat);
        if let Some(d) = cfg.guidance.direction {
            let n = norm(d);
            consts[C_DIR..C_DIR + 3].copy_from_slice(&[d[0] / n, d[1] / n, d[2] / n]);
        }
        consts[C_YEAR_S] = JULIAN_YEAR_S;
        consts[C_RTOL] = cfg.integrator.rtol;
        consts[C_ATOL] = cfg.integrator.atol;
        consts[C_MAX_STEP] = cfg.integrator.max_step_days * DAY_S;
        consts[C_MAX_TRIALS] = cfg.integrator.max_trials;
        consts[C_ETA_HYST] = cfg.guidance.eta_hysteresis;
        let g = &cfg.guidance;
        if g.phasing_days > 0.0 {
            let n_t = (SUN_MU_M3_S2 / arrival.a_m.powi(3)).sqrt();
            consts[C_PH_GAIN] = 2.0 / 3.0 / (n_t * g.phasing_days * DAY_S);
        }
        consts[C_PH_MAX] = g.phasing_max_da;
        consts[C_APPROACH] = g.approach_km * 1e3;
        consts[C_APP_TAU] = g.approach_tau_days * DAY_S;
        consts[C_RDV_D] = cfg.target.rendezvous_km * 1e3;
        consts[C_RDV_V] = cfg.target.rendezvous_m_s;

        let bodies: Vec<Body> = cfg
            .perturbations
            .bodies
            .iter()
            .map(|b| match b.as_str() {
                "earth" => Body::EarthMoonBary,
                "mars" => Body::Mars,
                _ => Body::Jupiter,
            })
            .collect();
        // Nodes to the time limit plus the last step's final stage, and one to spare.
        let n_eph = ((cfg.integrator.time_limit_days + cfg.integrator.step_days) * DAY_S / EPH_DT_S)
            .ceil() as usize
            + 3;
        let off_bmu = consts.len();
        for b in &bodies {
            consts.push(body_gm_m3_s2(*b));
        }
        let off_eph = consts.len();
        for b in &bodies {
            for k in 0..n_eph {
                let (r, v) = body_state_tabulated(*b, epoch_jd + k as f64 * EPH_DT_S / DAY_S);
                consts.extend_from_slice(&r);
                consts.extend_from_slice(&v);
            }
        }
        // 311P follows the perturbers in the table (no gravity: for distances only).
        for k in 0..n_eph {
            let (r, v) = comet_311p_state(epoch_jd + k as f64 * EPH_DT_S / DAY_S);
            consts.extend_from_slice(&r);
            consts.extend_from_slice(&v);
        }
        let guidance = match cfg.guidance.mode {
            GuidanceMode::Tangential => GUIDE_TANGENTIAL,
            GuidanceMode::Inertial => GUIDE_INERTIAL,
            GuidanceMode::Qlaw | GuidanceMode::OpenLoop => GUIDE_QLAW,
        };
        let open_loop = cfg.guidance.mode == GuidanceMode::OpenLoop;
        let off_qlaw = consts.len();
        let qlaw = (guidance == GUIDE_QLAW || open_loop).then(|| {
            let p = QLawParams {
                eta_cut: cfg.guidance.eta_cut,
                ..QLawParams::default()
            };
            consts.extend(qlaw_consts_flat(&arrival, &p));
            p
        });
        let max_events = cfg
            .missed_thrust
            .as_ref()
            .map_or(0, |m| m.max_events as usize);
        let (n_gm, gm_phi, gm_sigma) = match noise {
            Some(n) => (
                (cfg.integrator.time_limit_days / n.node_spacing_days).ceil() as usize + 2,
                (-n.node_spacing_days / n.correlation_days).exp(),
                n.sigma,
            ),
            None => (0, 0.0, 0.0),
        };
        let model = Model {
            cfg: cfg.clone(),
            nominal: nominal_params(cfg),
            consts,
            epoch_jd,
            deadline_jd,
            bodies,
            n_eph,
            off_eph,
            off_bmu,
            guidance,
            method: cfg.integrator.method(),
            max_events,
            n_gm,
            gm_phi,
            gm_sigma,
            arrival,
            qlaw,
            off_qlaw,
            off_ol: 0,
            n_ol: 0,
            leg: flyby_leg_bodies(cfg, epoch_jd),
        };
        // With open-loop guidance the profile is not recorded yet: cpu::record_open_loop flies
        // the closed-loop nominal on the CPU reference (Cruise::new does it).
        model
    }

    pub fn param_index(path: &str) -> Option<usize> {
        PARAM_NAMES.iter().position(|p| *p == path)
    }

    /// Offset of the thrust-noise nodes in the input row.
    pub fn off_gm(&self) -> usize {
        I_OUT + 2 * self.max_events
    }

    pub fn input_len(&self) -> usize {
        self.off_gm() + self.n_gm
    }

    /// Where the heliocentric phase starts for these parameters: the time since
    /// `departure.epoch` [s], the heliocentric state there [m, m/s], and the flyby's outgoing
    /// v_inf [m/s] (NaN for a state departure, which starts at the epoch).
    ///
    /// A flyby's periapsis is at the epoch, on the hyperbola aimed about the Earth's GM. From
    /// there the leg is flown on the host ([`super::departure`]: the Earth with J2, the Moon
    /// and the Sun) for the time the two-body hyperbola takes to the sphere of influence (about
    /// 2.2 days on the default config); its end, relative to the Earth
    /// ([`crate::physics::moon::earth_state`]: the barycentre's table and the Earth's offset
    /// from it by a lunar series), is the start. From then on the engines pull with the
    /// Earth-Moon barycentre as one body of the system's GM.
    pub fn departure_state(&self, p: &[f64]) -> Departure {
        let d = &self.cfg.departure;
        match d.mode {
            DepartureMode::Flyby => {
                let (vin, rp, theta) = self.flyby_aim(p);
                let leg = leg_time_s(vin, rp).and_then(|t0| {
                    let (r, v, _) = fly_leg(vin, rp, theta, t0, self.leg.as_ref(), true, LEG_TOL)?;
                    Some((t0, r, v))
                });
                // A degenerate aim leaves NaN, which fails the sample before any engine.
                let (t0, r, v) = leg.unwrap_or((f64::NAN, [f64::NAN; 3], [f64::NAN; 3]));
                let (re, ve) = earth_state(self.epoch_jd + t0 / DAY_S);
                Departure {
                    t0_s: t0,
                    r: std::array::from_fn(|k| re[k] + r[k]),
                    v: std::array::from_fn(|k| ve[k] + v[k]),
                    vinf_out_m_s: self.vinf_out_m_s(p),
                }
            }
            DepartureMode::State => Departure {
                t0_s: 0.0,
                r: d.position_au.expect("validated").map(|x| x * AU_M),
                v: d.velocity_km_s.expect("validated").map(|x| x * 1000.0),
                vinf_out_m_s: f64::NAN,
            },
        }
    }

    /// The flyby's outgoing v_inf [m/s] for parameters `p` (NaN for a state departure): the
    /// turn alone, as [`Self::departure_state`] reports it, without the leg to the sphere of
    /// influence and the Earth's state that the start needs.
    pub fn vinf_out_m_s(&self, p: &[f64]) -> f64 {
        match self.cfg.departure.mode {
            DepartureMode::Flyby => {
                let (vin, rp, theta) = self.flyby_aim(p);
                norm(flyby_turn(vin, rp, theta, EARTH_MU_M3_S2))
            }
            DepartureMode::State => f64::NAN,
        }
    }

    /// A flyby's incoming v_inf [m/s], periapsis radius [m] and B-plane angle [rad] for
    /// parameters `p`.
    pub fn flyby_aim(&self, p: &[f64]) -> ([f64; 3], f64, f64) {
        let vin = self.cfg.departure.vinf_in_km_s.expect("validated");
        (
            vin.map(|x| x * 1000.0),
            WGS84_A_M + p[P_RP_ALT] * 1000.0,
            p[P_BPLANE].to_radians(),
        )
    }

    /// The first parameter of a sample outside its physical range (`path = value`), or None:
    /// such a sample is failed before any engine, and this names why (`failure_reason`).
    pub fn unphysical(&self, p: &[f64]) -> Option<String> {
        let state = self.cfg.departure.mode == DepartureMode::State;
        let solar = self.cfg.propulsion.power_model == PowerModel::Solar;
        let checks = [
            // The bounds on the unit slips that the fixed keys are refused for
            // (CruiseConfig::validate), here for every draw: a dispersion centred on a slip
            // (an array of 14,000 kW, an Isp of 30 s) flew with nothing said (a cruise trial).
            (
                p[P_WET] >= MIN_WET_MASS_KG && p[P_WET] <= MAX_WET_MASS_KG,
                P_WET,
            ),
            (p[P_PROP] >= 0.0 && p[P_PROP] < p[P_WET], P_PROP),
            (p[P_ISP] >= MIN_ISP_S && p[P_ISP] <= MAX_ISP_S, P_ISP),
            (p[P_ISCALE] > 0.0, P_ISCALE),
            (p[P_PTHR] > 0.0 && p[P_PTHR] <= MAX_THRUSTER_KW, P_PTHR),
            (!solar || (p[P_DEG] < 1.0 && p[P_DEG] >= 0.0), P_DEG),
            // Applied through their tangents (config.rs says why).
            (p[P_PERR1].abs() < 90.0, P_PERR1),
            (p[P_PERR2].abs() < 90.0, P_PERR2),
            (p[P_TSCALE] > 0.0, P_TSCALE),
            (
                (p[P_THRUST] >= MIN_THRUST_MN && p[P_THRUST] <= MAX_THRUST_MN)
                    || (p[P_THRUST] == 0.0 && self.cfg.propulsion.thrusters == 0),
                P_THRUST,
            ),
            (p[P_P1AU] >= 0.0 && p[P_P1AU] <= MAX_ARRAY_KW, P_P1AU),
            (
                p[P_BUS] >= 0.0 && !(p[P_BUS] > p[P_P1AU] && p[P_BUS] > MAX_BUS_KW),
                P_BUS,
            ),
            (p[P_PMIN] >= 0.0 && p[P_PMIN] <= MAX_THRUSTER_KW, P_PMIN),
            (p[P_DUTY] > 0.0 && p[P_DUTY] <= 1.0, P_DUTY),
            (
                state
                    || (p[P_RP_ALT] >= MIN_PERIAPSIS_ALTITUDE_KM
                        && WGS84_A_M + p[P_RP_ALT] * 1e3 < EARTH_SOI_M),
                P_RP_ALT,
            ),
        ];
        let bad = checks
            .iter()
            .find(|(ok, _)| !ok)
            .map(|&(_, i)| i)
            .or_else(|| {
                // Unused, and NaN: the flyby's keys for a state departure, the degradation
                // under constant power.
                let unused = |i: usize| (i <= P_BPLANE && state) || (i == P_DEG && !solar);
                (0..p.len()).find(|&i| !(p[i].is_finite() || unused(i)))
            });
        let Some(bad) = bad else {
            // Under constant power, a sample whose array less its bus cannot run one thruster
            // coasts its whole flight (the undispersed config is refused for it; a dispersed
            // array timed out 39 samples of 100 with no thrust and no reason: a cruise trial).
            let spare = p[P_P1AU] - p[P_BUS];
            let needs = p[P_PTHR].max(p[P_PMIN]);
            if !solar && self.cfg.propulsion.thrusters > 0 && spare < needs {
                // Rounded, unless that makes the two read the same ("leaves 1 kW, below the 1
                // kW": a fuzzing trial's 1.5999999999999999 kW array).
                let (mut a, mut b) = (crate::config::sig(spare), crate::config::sig(needs));
                if a == b {
                    (a, b) = (crate::config::full(spare), crate::config::full(needs));
                }
                return Some(format!(
                    "under constant power {} = {} kW less {} = {} kW leaves {} kW, below the \
                     {} kW one thruster needs: no thruster could ever run",
                    PARAM_NAMES[P_P1AU],
                    crate::config::full(p[P_P1AU]),
                    PARAM_NAMES[P_BUS],
                    crate::config::full(p[P_BUS]),
                    a,
                    b
                ));
            }
            // A sample whose thrusters' jets carry more than they draw (an efficiency above 1;
            // the undispersed config is refused for it: CruiseConfig::flight_checks).
            let jet = jet_power_kw(p[P_THRUST], p[P_TSCALE], p[P_ISP], p[P_ISCALE]);
            return (self.cfg.propulsion.thrusters > 0 && jet > p[P_PTHR]).then(|| {
                format!(
                    "a thruster's jet carries {jet:.3} kW, more than the {:.3} kW it draws \
                     (propulsion.power_per_thruster_kw; thrust_mn = {}, thrust_scale = {}, \
                     isp_s = {}, isp_scale = {})",
                    p[P_PTHR], p[P_THRUST], p[P_TSCALE], p[P_ISP], p[P_ISCALE]
                )
            });
        };
        let floor = if bad == P_WET && p[bad] > MAX_WET_MASS_KG {
            format!(
                " (above {MAX_WET_MASS_KG} kg, more than any spacecraft's: was it given in grams?)"
            )
        } else if bad == P_ISP && p[bad] > 0.0 && p[bad] < MIN_ISP_S {
            format!(
                " (below any thruster's specific impulse, {MIN_ISP_S} s: was an exhaust speed \
                 in km/s given?)"
            )
        } else if bad == P_ISP && p[bad] > MAX_ISP_S {
            format!(" (above any thruster's specific impulse, {MAX_ISP_S} s)")
        } else if bad == P_P1AU && p[bad] > MAX_ARRAY_KW {
            format!(" (above any spacecraft's array, {MAX_ARRAY_KW} kW: was it given in W?)")
        } else if bad == P_BUS && p[bad] > MAX_BUS_KW {
            format!(
                " (above the array's {} kW at 1 au and above {MAX_BUS_KW} kW: was it given in W?)",
                crate::config::full(p[P_P1AU])
            )
        } else if bad == P_PMIN && p[bad] > MAX_THRUSTER_KW {
            format!(" (above any thruster's draw, {MAX_THRUSTER_KW} kW: was it given in W?)")
        } else if bad == P_RP_ALT && p[bad] < MIN_PERIAPSIS_ALTITUDE_KM {
            format!(" (below the {MIN_PERIAPSIS_ALTITUDE_KM} km floor of the drag-free flyby)")
        } else if bad == P_PROP && p[bad] >= p[P_WET] {
            // Said why: the value alone read as arbitrary (a cruise trial).
            format!(
                " (not below the wet mass, spacecraft.wet_mass_kg = {}: no dry mass left)",
                crate::config::full(p[P_WET])
            )
        } else {
            String::new()
        };
        Some(format!(
            "{} = {}{floor}",
            PARAM_NAMES[bad],
            crate::config::full(p[bad])
        ))
    }

    /// Fill sample `index`'s input row. `normals` (None for the nominal run) drive the thrust
    /// noise; the outages come from the sample's own missed-thrust stream.
    pub fn pack_input(
        &self,
        seed: u64,
        index: u64,
        p: &[f64],
        normals: Option<&[f64]>,
        row: &mut [f64],
    ) {
        row.fill(0.0);
        let valid = self.unphysical(p).is_none();
        // A sample failed for its inputs is not flown, so its flyby leg is not either (about
        // 100 us of the host a sample): NaN, as a degenerate aim leaves.
        let dep = if valid {
            self.departure_state(p)
        } else {
            Departure {
                t0_s: f64::NAN,
                r: [f64::NAN; 3],
                v: [f64::NAN; 3],
                vinf_out_m_s: f64::NAN,
            }
        };
        row[I_R0..I_R0 + 3].copy_from_slice(&dep.r);
        row[I_V0..I_V0 + 3].copy_from_slice(&dep.v);
        row[I_T0] = dep.t0_s;
        row[I_MASS0] = if valid { p[P_WET] } else { f64::NAN };
        // A coast (no thrusters) spends nothing and cannot run dry: with no propellant loaded
        // it ended at t = 0 as exhausted (a cruise trial). The engines take the dry mass as
        // I_MASS0 - I_PROP0 and nothing else reads I_PROP0.
        row[I_PROP0] = if self.cfg.propulsion.thrusters == 0 {
            p[P_WET]
        } else {
            p[P_PROP]
        };
        row[I_THRUST] = p[P_THRUST] * 1e-3 * p[P_TSCALE];
        // The flow follows the nominal thrust: a thrust bias is a loss of efficiency.
        row[I_MDOT] = p[P_THRUST] * 1e-3 / (p[P_ISP] * p[P_ISCALE] * G0_M_S2);
        row[I_P1AU] = p[P_P1AU];
        // Constant power reads no degradation (its parameter is NaN there).
        row[I_LN_DEG] = if p[P_DEG].is_nan() {
            0.0
        } else {
            (1.0 - p[P_DEG].min(0.999_999)).ln()
        };
        row[I_BUS] = p[P_BUS];
        row[I_PMIN] = p[P_PMIN];
        row[I_PTHR] = p[P_PTHR];
        row[I_NTHR] = self.cfg.propulsion.thrusters as f64;
        row[I_DUTY] = p[P_DUTY];
        row[I_PERR1] = p[P_PERR1].to_radians().tan();
        row[I_PERR2] = p[P_PERR2].to_radians().tan();
        if let (Some(m), true) = (&self.cfg.missed_thrust, normals.is_some()) {
            let between = Dist::Weibull {
                shape: m.between_shape,
                scale: m.between_scale_days,
            };
            let duration = Dist::Weibull {
                shape: m.duration_shape,
                scale: m.duration_scale_days,
            };
            let (events, dropped) = missed_thrust_outages(
                seed,
                index,
                &between,
                &duration,
                self.cfg.integrator.time_limit_days,
                self.max_events,
            );
            // Drawn from the epoch; the flight starts t0 later (the flyby's climb to the
            // sphere of influence). Outages over by then are dropped: the engines move past at
            // most one ended outage a step, and two behind the start made a negative step
            // (a review).
            let events: Vec<_> = events
                .into_iter()
                .filter(|e| e.end_days * DAY_S > dep.t0_s)
                .collect();
            row[I_N_OUT] = events.len() as f64;
            for (k, e) in events.iter().enumerate() {
                row[I_OUT + 2 * k] = e.start_days * DAY_S;
                row[I_OUT + 2 * k + 1] = e.end_days * DAY_S;
            }
            // More outages than the row holds: the sample is failed before any engine, with
            // its reason (outputs.rs `outage_overflow`). They were dropped silently, and a
            // heavy-tailed spacing lost up to 140 days of outages a sample (a cruise trial).
            if dropped > 0 {
                row[I_MASS0] = f64::NAN;
            }
        }
        if let (Some(z), true) = (normals, self.n_gm > 0) {
            let q = (1.0 - self.gm_phi * self.gm_phi).sqrt();
            let mut x = 0.0;
            for k in 0..self.n_gm {
                x = if k == 0 {
                    z[0]
                } else {
                    self.gm_phi * x + q * z[k]
                };
                row[self.off_gm() + k] = self.gm_sigma * x;
            }
        }
    }

    pub fn initial_state(input: &[f64], s: &mut [f64]) {
        s.fill(0.0);
        s[S_R..S_R + 3].copy_from_slice(&input[I_R0..I_R0 + 3]);
        s[S_V..S_V + 3].copy_from_slice(&input[I_V0..I_V0 + 3]);
        s[S_M] = input[I_MASS0];
        s[S_T] = input[I_T0];
        let r = norm([input[I_R0], input[I_R0 + 1], input[I_R0 + 2]]);
        s[S_RMIN] = r;
        s[S_RMAX] = r;
        s[S_CA_DIST] = 1e300;
        s[S_H] = DAY_S;
        s[S_ERR_PREV] = ERR_PREV_START;
        s[S_MODE] = MODE_UNSET;
        s[S_T_SWITCH] = NO_SWITCH;
        s[S_MATCH_T] = -1.0;
        // Unphysical sampled inputs are failed here, on the host, before any engine runs.
        let ok = input[I_MASS0].is_finite();
        s[S_STATUS] = if ok { ST_RUNNING } else { ST_FAILED } as f64;
    }
}

/// Where the heliocentric phase starts ([`Model::departure_state`]).
#[derive(Debug, Clone, Copy)]
pub struct Departure {
    /// Time since `departure.epoch` [s].
    pub t0_s: f64,
    /// Heliocentric position [m] and velocity [m/s] there.
    pub r: [f64; 3],
    pub v: [f64; 3],
    /// The flyby's outgoing v_inf [m/s]; NaN for a state departure.
    pub vinf_out_m_s: f64,
}

/// The Moon's and the Sun's tables over a flyby's leg: 1.5 times the nominal aim's time to the
/// sphere and a day (a dispersed periapsis changes it by little; beyond, the leg evaluates the
/// series directly).
fn flyby_leg_bodies(cfg: &CruiseConfig, epoch_jd: f64) -> Option<LegBodies> {
    (cfg.departure.mode == DepartureMode::Flyby).then(|| {
        let span = cfg
            .flyby_leg_days()
            .filter(|d| d.is_finite())
            .map_or(3.0 * DAY_S, |d| d * DAY_S);
        LegBodies::new(epoch_jd, 1.5 * span + DAY_S)
    })
}

fn nominal_params(cfg: &CruiseConfig) -> [f64; N_PARAMS] {
    let mut p = [f64::NAN; N_PARAMS];
    // The flyby's keys only where the departure is a flyby: a state departure does not read
    // them, so they cannot be dispersed there (a file that keeps them for a `--set
    // departure.mode` switch drew and wrote them, ranked by the tornado, until 2026-12-05).
    if cfg.departure.mode == DepartureMode::Flyby {
        p[P_RP_ALT] = cfg.departure.periapsis_altitude_km.unwrap_or(f64::NAN);
        p[P_BPLANE] = cfg.departure.bplane_angle_deg.unwrap_or(f64::NAN);
    }
    let s = &cfg.spacecraft;
    p[P_WET] = s.wet_mass_kg;
    p[P_PROP] = s.propellant_kg;
    let q = &cfg.propulsion;
    p[P_THRUST] = q.thrust_mn;
    p[P_ISP] = q.isp_s;
    p[P_PTHR] = q.power_per_thruster_kw;
    p[P_P1AU] = q.array_power_1au_kw;
    // Only solar power degrades: under constant power it is not read, so it cannot be
    // dispersed (a dispersion of it drew and wrote a column that the tornado ranked).
    if q.power_model == PowerModel::Solar {
        p[P_DEG] = q.degradation_per_year;
    }
    p[P_BUS] = q.bus_power_kw;
    p[P_PMIN] = q.min_power_kw;
    p[P_DUTY] = q.duty_cycle;
    p[P_TSCALE] = q.thrust_scale;
    p[P_ISCALE] = q.isp_scale;
    p[P_PERR1] = q.pointing_error_1_deg;
    p[P_PERR2] = q.pointing_error_2_deg;
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the engines' cubic Hermite between daily nodes makes of a body's elements: within
    /// 100 m of their positions over 11 years (measured 39 m for the EMB, the cubic's own
    /// truncation, h^4 r w^4 / 384 = 35 m; with the two-body velocities at the nodes it was
    /// 2.1 km, and 48 km for Jupiter).
    #[test]
    fn the_daily_hermite_table_follows_the_elements_within_100_m() {
        let jd0 = 2_461_729.5; // 2027-11-20, the shipped departure
        let h = EPH_DT_S;
        let mut worst = [0.0f64; 3];
        for (b, body) in [Body::EarthMoonBary, Body::Mars, Body::Jupiter]
            .into_iter()
            .enumerate()
        {
            for k in 0..4000 {
                let jd = jd0 + k as f64;
                let (r0, v0) = body_state_tabulated(body, jd);
                let (r1, v1) = body_state_tabulated(body, jd + 1.0);
                for s in [0.25, 0.5, 0.75] {
                    let (s2, s3) = (s * s, s * s * s);
                    let w = [
                        2.0 * s3 - 3.0 * s2 + 1.0,
                        (s3 - 2.0 * s2 + s) * h,
                        -2.0 * s3 + 3.0 * s2,
                        (s3 - s2) * h,
                    ];
                    let (r, _) = crate::physics::ephemeris::body_state(body, jd + s);
                    let e: f64 = (0..3)
                        .map(|i| {
                            let x = w[0] * r0[i] + w[1] * v0[i] + w[2] * r1[i] + w[3] * v1[i];
                            (x - r[i]).powi(2)
                        })
                        .sum::<f64>()
                        .sqrt();
                    worst[b] = worst[b].max(e);
                }
            }
        }
        eprintln!("largest Hermite departure (EMB, Mars, Jupiter): {worst:?} m");
        // 100 m: the EMB's 39 m with a margin of two and a half (2026-12-05).
        assert!(worst.iter().all(|&e| e < 100.0), "{worst:?} m");
    }
}
