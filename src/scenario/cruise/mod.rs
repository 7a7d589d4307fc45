//! Low-thrust cruise from an Earth gravity assist to comet 311P/PANSTARRS: heliocentric,
//! ecliptic J2000; Sun, tabulated planets, solar-electric thrust with Q-law or fixed guidance,
//! missed-thrust outages and thrust noise.

mod config;
pub mod cpu;
pub mod departure;
mod layout;
mod model;
mod outputs;

pub use config::*;
pub use layout::*;
pub use model::*;
pub use outputs::*;

use crate::config::{ConfigError, CorrelatedConfig, Dispersions, RunConfig};
use crate::scenario::{Probability, RowSummary, SampleOutputs, Scenario};
use crate::wgsl::{prelude, Precision};
use cpu::CruiseSample;

pub struct Cruise {
    pub cfg: CruiseConfig,
    pub model: Model,
    /// Whether the time limit reaches `target.deadline` ([`Cruise::deadline_note`] otherwise).
    limit_reaches_deadline: bool,
    /// Open-loop guidance: why the nominal Q-law flight that records the profile failed, if
    /// it did ([`Cruise::checked`] refuses such a config).
    pub recording_failed: Option<String>,
    /// Open-loop guidance: whether the recording flight reached the time limit, so that its
    /// profile ends there and a longer limit lengthens it (a review).
    recording_timed_out: bool,
}

impl Cruise {
    pub fn new(cfg: CruiseConfig) -> Self {
        let mut model = Model::new(&cfg);
        let mut recording_failed = None;
        let mut recording_timed_out = false;
        if cfg.guidance.mode == GuidanceMode::OpenLoop {
            let end = cpu::record_open_loop(&mut model);
            recording_timed_out = end[S_STATUS] == ST_TIMEOUT as f64;
            // A recording that failed (stalled, or not finite) would end the profile in a coast
            // there, which every sample would replay and time out on, with no reason given (a
            // review). The recording flew under the Q-law.
            if end[S_STATUS] == ST_FAILED as f64 {
                recording_failed = Some(
                    sun_pass(&end)
                        .or_else(|| stalled(&model, true, &end))
                        .unwrap_or_else(|| crate::scenario::FAILED_IN_FLIGHT.to_string()),
                );
            }
        }
        let mut c = Cruise {
            cfg,
            model,
            limit_reaches_deadline: true,
            recording_failed,
            recording_timed_out,
        };
        c.limit_reaches_deadline = c.deadline_note().is_none();
        c
    }

    /// [`Cruise::new`], refusing a config that cannot fly ([`CruiseConfig::flight_checks`]) and
    /// open-loop guidance whose recording flight failed.
    pub fn checked(cfg: CruiseConfig) -> Result<Self, ConfigError> {
        cfg.flight_checks()?;
        let c = Cruise::new(cfg);
        match &c.recording_failed {
            Some(why) => Err(ConfigError::key(
                "guidance.mode",
                format!(
                    "\"open_loop\" replays the nominal flight under the Q-law, and that flight \
                     failed ({why}); its profile would end there"
                ),
            )),
            None => Ok(c),
        }
    }

    /// Flights that stop before the deadline cannot be counted as arriving by it: with the
    /// default 3,000-day limit and a deadline 10 years out, every sample timed out two years
    /// early and the probabilities read as if measured to the deadline (a trial). The note goes
    /// to the terminal, to summary.parquet's metadata and to the report.
    fn deadline_note(&self) -> Option<String> {
        let (Ok(epoch), Ok(deadline)) = (
            self.cfg.departure_jd(),
            crate::physics::epoch::parse_tdb_jd("target.deadline", &self.cfg.target.deadline),
        ) else {
            return None;
        };
        let limit = self.cfg.integrator.time_limit_days;
        if epoch + limit >= deadline {
            return None;
        }
        let iso =
            |jd: f64| crate::physics::epoch::iso_from_mjd(crate::physics::epoch::mjd_from_jd(jd));
        let short = deadline - epoch - limit;
        let short = if short < 1.5 {
            format!("{short:.2} days")
        } else {
            format!("{short:.0} days")
        };
        // The limit can reach the deadline only within the planets' elements (a cruise
        // analyst's trial was advised a limit that the config then refused).
        let (needed, most) = ((deadline - epoch).ceil(), config::max_limit_days(epoch));
        let advice = if needed <= most {
            format!("raise the limit to at least {needed:.0} days to measure them to the deadline")
        } else {
            format!(
                "the limit can reach {most:.0} days at most (20 years, and the planets' \
                 elements end with 2050), so a deadline after that is not measured"
            )
        };
        Some(format!(
            "integrator.time_limit_days = {limit} ends the flights at {}, {short} before \
             target.deadline ({}): prob_rendezvous_by_deadline and prob_orbit_match_by_deadline \
             are over the flights whose outcome the limit settles, and their min and max bound \
             them over the rest (timeouts that had not yet met the comet); {advice}",
            iso(epoch + limit),
            self.cfg.target.deadline,
        ))
    }
}

impl Scenario for Cruise {
    fn kind(&self) -> &'static str {
        "cruise"
    }
    fn run_config(&self) -> &RunConfig {
        &self.cfg.run
    }
    fn dispersions(&self) -> (&Dispersions, &[CorrelatedConfig]) {
        (&self.cfg.dispersions, &self.cfg.correlated)
    }
    fn param_names(&self) -> &[&'static str] {
        &PARAM_NAMES
    }
    fn nominal(&self) -> &[f64] {
        &self.model.nominal
    }
    fn n_normals(&self) -> usize {
        self.model.n_gm
    }
    fn unlisted_randomness(&self) -> Vec<&'static str> {
        let p = &self.cfg.propulsion;
        [
            (p.thrust_noise.is_some(), "the thrust noise"),
            (self.cfg.missed_thrust.is_some(), "the safe-mode outages"),
        ]
        .into_iter()
        .filter_map(|(on, name)| on.then_some(name))
        .collect()
    }
    fn input_len(&self) -> usize {
        self.model.input_len()
    }
    fn pack_input(
        &self,
        seed: u64,
        index: u64,
        p: &mut [f64],
        normals: Option<&[f64]>,
        row: &mut [f64],
    ) {
        self.model.pack_input(seed, index, p, normals, row)
    }
    fn state_len(&self) -> usize {
        STATE_LEN
    }
    fn initial_state(&self, input: &[f64], state: &mut [f64]) {
        Model::initial_state(input, state);
        // The first step's engine mode, evaluated here once for every engine.
        if state[S_STATUS] == ST_RUNNING as f64 {
            CruiseSample {
                model: &self.model,
                input,
            }
            .set_initial_mode(state);
        }
    }
    fn advance_cpu(&self, input: &[f64], state: &mut [f64], max_steps: u64) -> bool {
        CruiseSample {
            model: &self.model,
            input,
        }
        .advance(state, max_steps)
    }
    fn consts(&self) -> &[f64] {
        &self.model.consts
    }
    fn gpu_source(&self, precision: Precision) -> String {
        [
            &prelude(precision),
            &wgsl_layout(),
            include_str!("../../../shaders/cruise_bindings.wgsl"),
            include_str!("../../../shaders/qlaw.wgsl"),
            include_str!("../../../shaders/ephemeris.wgsl"),
            include_str!("../../../shaders/thrust.wgsl"),
            include_str!("../../../shaders/cruise.wgsl"),
            include_str!("../../../shaders/integrator.wgsl"),
        ]
        .join("\n")
    }
    fn gpu_entry(&self) -> &'static str {
        "cruise_step"
    }
    fn gpu_dims(&self) -> Vec<u32> {
        let m = &self.model;
        vec![
            m.bodies.len() as u32,
            m.n_eph as u32,
            m.off_eph as u32,
            m.off_bmu as u32,
            m.guidance,
            (m.cfg.propulsion.power_model == PowerModel::Constant) as u32,
            m.max_events as u32,
            m.off_gm() as u32,
            m.n_gm as u32,
            m.off_qlaw as u32,
            m.off_ol as u32,
            m.n_ol as u32,
        ]
    }
    fn gpu_overrides(&self) -> Vec<(&'static str, f64)> {
        let samples = self.model.qlaw.as_ref().map_or(24, |q| q.n_samples.max(1));
        vec![
            ("METHOD", self.model.method.code() as f64),
            ("QLAW_SAMPLES", samples as f64),
        ]
    }
    fn steps_per_dispatch(&self) -> u32 {
        // Loop iterations (trials and mode evaluations) a dispatch. On llvmpipe, while the
        // step quantizer was an 80-iteration loop, 2,000 and 1,000 spent its loop budget on
        // the default config; now about 1,500 do not (tests/loop_limit.rs). 500 leaves room
        // for configs with more loops (engine/gpu/kernel.rs lowers the count if not).
        500
    }
    fn min_steps_per_dispatch(&self) -> u32 {
        // A step that locates a switch takes its trial and up to SWITCH_BISECTIONS + 1 mode
        // evaluations in one dispatch; a dispatch that ends inside them takes the step again.
        layout::SWITCH_BISECTIONS as u32 + 2
    }
    fn metrics(&self) -> &[(&'static str, &'static str)] {
        &METRICS
    }
    fn status_names(&self) -> &[&'static str] {
        &STATUS_NAMES
    }
    fn failed_status(&self) -> u32 {
        ST_FAILED
    }
    fn outputs(&self, p: &[f64], state: &[f64]) -> SampleOutputs {
        sample_outputs(&self.model, p, state)
    }
    /// A flight the time limit stopped has not decided whether it runs dry: with the shipped
    /// 5,500 days, 14 of 400 timeouts all ran dry by 7,300 days, and counted as not running dry
    /// they read P(propellant exhausted) 0.0025 for a true 0.0375 (a cruise analyst's trial).
    /// Left open, the probability's `min` and `max` bound it over them. A coast cannot run dry:
    /// decided. A deadline's probabilities are decided by a timeout where the limit reaches the
    /// deadline (it did not arrive by it), or where it reached the event before the limit (an
    /// orbit matched: a hit, a review); otherwise they are open too ([`Cruise::deadline_note`]).
    fn decided(&self, p: &Probability, o: &SampleOutputs) -> bool {
        if o.status != ST_TIMEOUT {
            return true;
        }
        match *p {
            // It did not arrive within the limit, which prob_arrived counts: left open, 9
            // timeouts 2e8 km from the comet read P(arrived) 1.000 (a review board's trial).
            Probability::Status { status, .. } => {
                status != ST_PROPELLANT_EXHAUSTED || self.cfg.propulsion.thrusters == 0
            }
            Probability::AtMost { metric, .. } => {
                self.limit_reaches_deadline || o.metrics[metric].is_some()
            }
            _ => true,
        }
    }
    fn probabilities(&self) -> Vec<Probability> {
        vec![
            Probability::AtMost {
                name: "prob_rendezvous_by_deadline",
                metric: M_RENDEZVOUS_MJD,
                limit: crate::physics::epoch::mjd_from_jd(self.model.deadline_jd),
            },
            Probability::AtMost {
                name: "prob_orbit_match_by_deadline",
                metric: M_ORBIT_MATCH_MJD,
                limit: crate::physics::epoch::mjd_from_jd(self.model.deadline_jd),
            },
            // Whether the flight arrives within the time limit, with its interval: the deadline's
            // probabilities are 0 where the deadline lies before every arrival, as the shipped
            // one does, and status_arrived has no interval (a cruise analyst's trial).
            Probability::Status {
                name: "prob_arrived",
                status: ST_ARRIVED,
            },
            Probability::Status {
                name: "prob_propellant_exhausted",
                status: ST_PROPELLANT_EXHAUSTED,
            },
            Probability::Status {
                name: "prob_timeout",
                status: ST_TIMEOUT,
            },
        ]
    }
    fn footprint(&self) -> Option<(usize, usize)> {
        None
    }
    fn iso_epochs(&self) -> &[(&'static str, usize)] {
        &[
            ("rendezvous_epoch_tdb", M_RENDEZVOUS_MJD),
            ("orbit_match_epoch_tdb", M_ORBIT_MATCH_MJD),
        ]
    }
    fn unphysical(&self, p: &[f64]) -> Option<String> {
        self.model.unphysical(p)
    }
    fn failed_in_flight(&self, state: &[f64]) -> Option<String> {
        let qlaw = self.model.guidance == GUIDE_QLAW;
        outage_overflow(&self.model, state)
            .or_else(|| sun_pass(state))
            .or_else(|| stalled(&self.model, qlaw, state))
    }
    fn refuses(&self, precision: Precision) -> Option<String> {
        if precision == Precision::F32 {
            return Some(
                "the heliocentric cruise needs f64: in f32 a position near 2 au is rounded to \
                 ~30 km at every step, which swamps what the thrust changes in a step (metres), \
                 so it runs in f64 only: on an adapter with SHADER_F64, or on the CPU engine"
                    .to_string(),
            );
        }
        None
    }
    fn run_notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        let unread = self.cfg.coast_thrust_dispersions();
        if !unread.is_empty() {
            notes.push(format!(
                "propulsion.thrusters = 0 (a coast): nothing reads the dispersed {}, so in a \
                 dispersed run their columns and sensitivities describe draws that changed no \
                 flight (a --nominal run draws none)",
                unread.join(", ")
            ));
        }
        let p = &self.cfg.propulsion;
        // A solar array that runs no thruster at 1 au, where the cruise starts, and runs one
        // only nearer the Sun (a cruise trial's 0.5 kW array under a 0.6 kW bus timed out every
        // sample with no thrust and nothing said; constant power is refused for it).
        let needs = p.power_per_thruster_kw.max(p.min_power_kw);
        if p.power_model == PowerModel::Solar
            && p.thrusters > 0
            && p.array_power_1au_kw - p.bus_power_kw < needs
        {
            let within = (p.array_power_1au_kw / (p.bus_power_kw + needs)).sqrt();
            notes.push(format!(
                "propulsion.array_power_1au_kw = {} kW less the bus's {} kW is below the {} kW \
                 one thruster needs at 1 au: a thruster runs only within {} au of the Sun \
                 (before the array degrades), so the flights may coast to the time limit",
                p.array_power_1au_kw,
                p.bus_power_kw,
                crate::config::sig(needs),
                crate::config::sig(within)
            ));
        }
        // RK4 beyond the step its error was measured at (a cruise trial: 5-day steps moved the
        // time of flight by a median 15 days against dopri5, with nothing said; 14.2 days over
        // 37 arrivals on 2026-12-07, with approach_tau_days = 25).
        let i = &self.cfg.integrator;
        if !i.method().is_adaptive() && i.step_days > 0.1 {
            notes.push(format!(
                "integrator.step_days = {}, above RK4's default 0.1 day, at which its error was \
                 measured (README, the cruise's integrator): at longer steps the arrival epoch \
                 and the propellant drift (5 days, with the approach_tau_days = 25 they need, \
                 moved the time of flight by a median 14 days against dopri5; 1 day by 0.08); \
                 compare a few samples with method = \"dopri5\"",
                i.step_days
            ));
        }
        notes.extend(self.deadline_note());
        notes
    }
    /// Every arrival after the deadline: the deadline's probabilities read 0 from the flights,
    /// not from too few samples (the shipped spacecraft meets 311P in 2039, the mission plans
    /// ~2035, and a run printed P = 0 with nothing said of how far the arrivals were).
    fn summary_notes(&self, row: &dyn Fn(&str) -> RowSummary) -> Vec<String> {
        let mut notes = Vec::new();
        // An open-loop replay coasts once its recorded commands end: a longer time limit, which
        // the timeout note advises, cannot bring a flight that missed the comet back (a cruise
        // analyst's trial: the nominal replay passed the comet at 1,086 km and coasted away).
        // Where the recording itself reached the limit, a longer one lengthens the profile too.
        let open_loop = self.cfg.guidance.mode == GuidanceMode::OpenLoop;
        if open_loop && row("status_timeout").count > 0 {
            notes.push(if self.recording_timed_out {
                "guidance.mode = \"open_loop\" replays the Q-law nominal's recorded commands, and \
                 that recording flight itself reached integrator.time_limit_days: the profile \
                 ends at the limit, and a longer one lengthens it"
                    .to_string()
            } else {
                "guidance.mode = \"open_loop\" replays the Q-law nominal's recorded commands and \
                 coasts once they end: a timeout that had not met the comet by then coasts on, \
                 and a longer time limit does not make it arrive (final_distance_km and \
                 final_relative_speed_m_s say how far it passed)"
                    .to_string()
            });
        }
        let deadline = crate::physics::epoch::mjd_from_jd(self.model.deadline_jd);
        let date = crate::physics::epoch::date_from_mjd;
        let late = [
            (
                "rendezvous",
                "rendezvous_mjd_tdb",
                "prob_rendezvous_by_deadline",
            ),
            (
                "orbit match",
                "orbit_match_mjd_tdb",
                "prob_orbit_match_by_deadline",
            ),
        ]
        .into_iter()
        .filter_map(|(what, metric, prob)| {
            let r = row(metric);
            let (first, p50) = (r.min?, r.p50?);
            (r.count > 0 && first > deadline).then(|| match r.count {
                1 => format!(
                    "the {what} came on {}, {:.0} days after target.deadline ({}), so {prob} \
                     is 0",
                    date(first),
                    first - deadline,
                    date(deadline)
                ),
                n => format!(
                    "every {what} came after target.deadline ({}), so {prob} is 0: the earliest \
                     of the {n} on {}, {:.0} days after it, the median on {}",
                    date(deadline),
                    date(first),
                    first - deadline,
                    date(p50)
                ),
            })
        });
        notes.extend(late);
        notes
    }
    fn slower_on_software_adapters(&self) -> Option<String> {
        // Measured 2026-12-03 on the 2-core machine: `dispersa bench`, 500 dispersed samples of
        // the default config, llvmpipe f64 115/s, the CPU engine 484/s (docs/PERFORMANCE.md).
        Some(
            "on a software adapter the CPU engine flies the cruise about 4 times faster than \
             the GPU kernel (--backend gpu runs it there anyway)"
                .to_string(),
        )
    }
    fn metadata(&self, _precision: Precision) -> Vec<(String, String)> {
        // The cruise flies in f64 only (its f32 is refused), at the configured tolerances.
        let i = &self.cfg.integrator;
        vec![
            ("dispersa.integrator".into(), i.describe()),
            ("dispersa.epoch".into(), self.cfg.departure.epoch.clone()),
            (
                "dispersa.guidance".into(),
                self.cfg.guidance.mode.name().into(),
            ),
            (
                "dispersa.target_deadline".into(),
                self.cfg.target.deadline.clone(),
            ),
            // The same on the MJD columns' scale, as prob_rendezvous_by_deadline compares it:
            // a notebook recounts without converting time scales.
            (
                "dispersa.target_deadline_mjd_tdb".into(),
                format!(
                    "{:.9}",
                    crate::physics::epoch::mjd_from_jd(self.model.deadline_jd)
                ),
            ),
        ]
    }
}
