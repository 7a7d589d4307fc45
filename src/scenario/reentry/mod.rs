//! Reentry of a capsule from the entry interface to the ground: 3-DOF point mass, Earth-centred
//! inertial frame that coincides with the Earth-fixed frame at the entry epoch.

mod config;
pub mod cpu;
pub mod history;
mod layout;
mod model;
mod outputs;

pub use config::*;
pub use layout::*;
pub use model::*;
pub use outputs::*;

use crate::config::{CorrelatedConfig, Dispersions, RunConfig};
use crate::physics::constants::TAUBER_SUTTON_V_M_S;
use crate::scenario::{Probability, RowSummary, SampleOutputs, Scenario};
use crate::wgsl::{prelude, Precision};
use cpu::SampleModel;

/// The nominal ballistic coefficients [kg/m^2] a run flies without a note: a factor of 10 and
/// more round the capsules of REFERENCE.md (Stardust's ~60, Hayabusa's ~120).
/// A slip of units (grams, centimetres) moves it by 1,000 or 10,000.
const BALLISTIC_COEFFICIENT_NOTED: (f64, f64) = (5.0, 5000.0);

/// The Mach numbers a Cd table must start at or below, and end at or above, to pass without a
/// note (the shipped one runs from 0 to 40).
const CD_TABLE_NOTED_MACH: (f64, f64) = (0.5, 5.0);

/// The ratio of nose radius to diameter above which the nose radius is noted: over three times
/// Apollo's 1.2, the largest of the capsules the note names; a radius in cm on any capsule's
/// diameter is 25 and more.
const NOSE_TO_DIAMETER_NOTED: f64 = 4.0;

/// A perturbation's correlation length [km] beyond which it is noted: more than the deepest
/// atmosphere a config can give (1,000 km, the interface's upper bound).
const LONGEST_CORRELATION_KM: f64 = config::MAX_ENTRY_ALTITUDE_KM;
/// A wind table reaching above this and twice the interface's altitude is noted as one in
/// metres [km]: above any interface's atmosphere (the shipped ones reach 125-150 km).
const WIND_TOP_NOTED_KM: f64 = 200.0;

/// The reentry scenario: a validated config and the model built from it.
pub struct Reentry {
    pub cfg: ReentryConfig,
    pub model: Model,
}

impl Reentry {
    pub fn new(cfg: ReentryConfig) -> Self {
        let model = Model::new(&cfg);
        Reentry { cfg, model }
    }

    /// [`Reentry::new`], refusing a nominal entry at or under the drogue's Mach trigger at the
    /// interface (below), and a bplane aim whose undispersed hyperbola passes above the
    /// entry interface. The config's own check bounds |B| with the interface over the equator,
    /// where it lies highest; where the hyperbola meets it, the bound is lower, and an aim
    /// between the two (16,930-16,949 km on the shipped asymptote) was accepted and every
    /// sample failed (a new-user trial).
    pub fn checked(cfg: ReentryConfig) -> Result<Self, crate::config::ConfigError> {
        let sc = Reentry::new(cfg);
        // The nominal's input row, as the engines fly the undispersed flight: in bplane mode its
        // entry state derived from the delivery first (into `p`).
        let mut p = sc.model.nominal;
        let mut row = vec![0.0; sc.model.input_len()];
        sc.model.pack_input(&mut p, None, &mut row);
        if sc.model.bplane_epoch_jd.is_some() && p[P_FPA].is_nan() {
            return Err(crate::config::ConfigError::key(
                "entry.b_t_km",
                format!(
                    "the aim |B| = {:.1} km passes above the entry interface: its \
                     hyperbola's periapsis lies above {} km where it would cross it; aim \
                     closer to the Earth (a smaller |B|)",
                    p[P_BT].hypot(p[P_BR]),
                    sc.cfg.entry.altitude_km
                ),
            ));
        }
        // A speed in m/s's stead (0.3 for 300 m/s, or a typo) flew every sample to a drogue
        // opened at entry, failed after the run with advice about the trigger (a bad-input
        // trial). The nominal's Mach number at the interface, as the engines take it for the
        // undispersed flight (the rotating air and the mean wind, from its own input row), at
        // or under a Mach trigger with no delay: refused. Without parachutes the trigger opens
        // nothing (it starts the descent's tolerance), and such an entry flies.
        // With a delay the drogue opens later, and a flight whose peaks come first lands (a
        // review): such a run's samples say so in flight if it fails.
        if sc.model.chutes && !sc.model.g_switch {
            let r0 = [row[I_R0], row[I_R0 + 1], row[I_R0 + 2]];
            let v0 = [row[I_V0], row[I_V0 + 1], row[I_V0 + 2]];
            let mach = SampleModel {
                model: &sc.model,
                input: &row,
            }
            .deriv(&r0, &v0)
            .aux
            .mach;
            if mach <= row[I_DROGUE_MACH] && row[I_DROGUE_DELAY] == 0.0 {
                // In bplane mode the speed is the hyperbola's at the interface, 11 km/s and
                // more at any v_inf: named by the key that sets it all the same.
                let bplane = sc
                    .cfg
                    .entry
                    .vinf_km_s
                    .filter(|_| sc.model.bplane_epoch_jd.is_some());
                let (key, v) = match bplane {
                    Some(vinf) => (
                        "entry.vinf_km_s",
                        format!(
                            "{} (entering at {:.3} km/s)",
                            crate::config::full(vinf),
                            p[P_VEL]
                        ),
                    ),
                    None => ("entry.velocity_km_s", crate::config::full(p[P_VEL])),
                };
                // Rounded down, so that it never reads as the trigger's own value.
                let shown = (mach * 100.0).floor() / 100.0;
                return Err(crate::config::ConfigError::key(
                    key,
                    format!(
                        "{v} enters at Mach {shown:.2} against the air, at or under {} = {}: \
                         the drogue would open at the interface (the unit is km/s)",
                        sc.cfg.drogue_mach_key().unwrap_or(config::DROGUE_KEY),
                        crate::config::full(row[I_DROGUE_MACH]),
                    ),
                ));
            }
        }
        Ok(sc)
    }
}

fn params(p: &[f64]) -> &Params {
    p.try_into().expect("one value per reentry parameter")
}

fn params_mut(p: &mut [f64]) -> &mut Params {
    p.try_into().expect("one value per reentry parameter")
}

impl Scenario for Reentry {
    fn kind(&self) -> &'static str {
        "reentry"
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
        self.model.n_normals()
    }
    fn unlisted_randomness(&self) -> Vec<&'static str> {
        let winds = self.cfg.winds.as_ref();
        [
            (
                self.cfg.atmosphere.perturbation.is_some(),
                "the density perturbation profile",
            ),
            (
                winds.is_some_and(|w| w.perturbation.is_some()),
                "the wind perturbation profile",
            ),
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
        _seed: u64,
        _index: u64,
        p: &mut [f64],
        normals: Option<&[f64]>,
        row: &mut [f64],
    ) {
        self.model.pack_input(params_mut(p), normals, row)
    }
    fn unphysical(&self, p: &[f64]) -> Option<String> {
        self.model.unphysical(params(p))
    }
    fn failed_in_flight(&self, state: &[f64]) -> Option<String> {
        outputs::drogue_misopened(state, self.model.g_switch)
    }
    fn failed_in_flight_with(&self, p: &[f64], state: &[f64]) -> Option<String> {
        let why = self.failed_in_flight(state)?;
        let more = self
            .model
            .drogue_at_entry(params(p), state)
            .unwrap_or_default();
        Some(why + &more)
    }
    fn derived_params(&self) -> Vec<usize> {
        if self.cfg.entry.bplane() {
            DERIVED_ENTRY.to_vec()
        } else {
            Vec::new()
        }
    }
    fn fixed_params(&self) -> Vec<usize> {
        // The config's own list (the derived entry state among it).
        self.cfg
            .undispersable()
            .iter()
            .filter_map(|(path, _)| PARAM_NAMES.iter().position(|n| n == path))
            .collect()
    }
    fn derived_dispersion_key(&self) -> Option<&'static str> {
        self.cfg
            .entry
            .delivery_covariance
            .is_some()
            .then_some("entry.delivery_covariance")
    }
    fn fixed_outputs(&self) -> Vec<&'static str> {
        let mut fixed = Vec::new();
        if self.cfg.drogue_opens_at_fixed_mach() {
            fixed.push("drogue_open_mach");
        }
        // Its sensitivities ranked the integrator's 4 micrometres of spread (an entry
        // analyst's trial).
        if self.cfg.main_opens_at_fixed_altitude() {
            fixed.push("main_open_altitude_km");
        }
        fixed
    }
    fn state_len(&self) -> usize {
        self.model.state_len()
    }
    fn initial_state(&self, input: &[f64], state: &mut [f64]) {
        self.model.initial_state(input, state)
    }
    fn advance_cpu(&self, input: &[f64], state: &mut [f64], max_steps: u64) -> bool {
        SampleModel {
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
            include_str!("../../../shaders/reentry_bindings.wgsl"),
            include_str!("../../../shaders/geodesy.wgsl"),
            include_str!("../../../shaders/atmosphere.wgsl"),
            include_str!("../../../shaders/gravity.wgsl"),
            include_str!("../../../shaders/aero.wgsl"),
            include_str!("../../../shaders/heating.wgsl"),
            include_str!("../../../shaders/reentry.wgsl"),
            include_str!("../../../shaders/integrator.wgsl"),
        ]
        .join("\n")
    }
    fn gpu_entry(&self) -> &'static str {
        "reentry_step"
    }
    fn gpu_finish_entry(&self) -> Option<&'static str> {
        Some("reentry_finish")
    }
    fn gpu_dims(&self) -> Vec<u32> {
        let m = &self.model;
        Dims {
            n_atm: m.n_atm as u32,
            off_ts: m.off_ts as u32,
            off_cd: m.off_cd as u32,
            off_atm: m.off_atm4 as u32,
            ..Default::default()
        }
        .words()[4..]
            .to_vec()
    }
    fn gpu_overrides(&self) -> Vec<(&'static str, f64)> {
        let m = &self.model;
        let bisect = |n: usize| (n.max(2) - 1).next_power_of_two().trailing_zeros().max(1) as f64;
        let lift = m.may_lift();
        // The kernel's Cd modes: 0 constant, 1 table rows by bisection, 2 uniform table.
        let cd_mode = match (m.cd_mode, m.cd_uniform) {
            (CD_CONSTANT, _) => 0,
            (_, false) => 1,
            (_, true) => 2,
        };
        vec![
            ("METHOD", m.method as f64),
            ("SPHERICAL", (m.consts[C_E2] == 0.0) as u32 as f64),
            ("ATM_MODEL", m.atm_model as f64),
            ("N_PERT", m.n_pert() as f64),
            ("N_WIND", m.n_wind() as f64),
            ("PERT_OFF", m.pert_offset() as f64),
            ("WIND_OFF", m.wind_offset() as f64),
            ("CD_MODE", cd_mode as f64),
            ("N_CD", m.n_cd.max(2) as f64),
            ("CD_STEPS", bisect(m.n_cd)),
            ("N_TS", m.n_ts as f64),
            ("HAS_LIFT", lift as u32 as f64),
            ("QD_WATCH", m.watch_qdyn as u32 as f64),
            ("STATE_STRIDE", m.state_len() as f64),
            ("CHUTES", m.chutes as u32 as f64),
            ("GSWITCH", m.g_switch as u32 as f64),
            ("CONV_POW", m.conv_pow as u32 as f64),
        ]
    }
    fn run_notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        // Settings no measurement covers, flown without a word (an entry analyst's trial: RK4 at
        // 2 s read a heat load 26 % high on a 16 km/s, -60 deg entry).
        let i = &self.cfg.integrator;
        if !i.method().is_adaptive() && i.step_s > 0.1 {
            notes.push(format!(
                "integrator.step_s = {} s, above RK4's default 0.1 s: its error was measured at \
                 0.02 s (README, \"Integration accuracy\"), and at longer steps a short heating \
                 pulse is resolved by few of them, so its peaks and heat load drift: compare a few \
                 samples with method = \"dopri5\"",
                i.step_s
            ));
        }
        // The g-switch replaces the Mach trigger: a Mach number beside it was flown as if absent
        // with nothing said (an entry analyst's trial: set to 2, the drogue opened at Mach 3.8).
        // A note, not a refusal: `--set parachutes.drogue_trigger="g_switch"` on a config that
        // gives the Mach number cannot remove it.
        if let Some(key) = self.cfg.drogue_mach_key().filter(|_| self.cfg.g_switch()) {
            notes.push(format!(
                "{key} = {} is not used: drogue_trigger = \"g_switch\" times the drogue (from \
                 g_switch_g, then drogue_delay_s), and drogue_open_mach gives the Mach number \
                 it opened at",
                self.cfg.drogue_deploy_mach()
            ));
        }
        // A mass in grams (16,300 for a 16.3 kg capsule) flew 1,000 times too heavy with
        // nothing said, at 7.7 km/s into the ground, and a diameter in metres for centimetres
        // the same way (an entry analyst's trial). Stardust's is about 60 kg/m^2 (REFERENCE.md:
        // 46 kg, 0.8128 m, Cd ~1.5), Hayabusa's about 120 (16.3 kg, 0.40 m, Cd ~1.1).
        let beta = self.model.ballistic_coefficient(self.nominal());
        if !(BALLISTIC_COEFFICIENT_NOTED.0..=BALLISTIC_COEFFICIENT_NOTED.1).contains(&beta) {
            let cd = if self.cfg.vehicle.cd_table.is_some() {
                "the Cd table's highest-Mach row"
            } else {
                "vehicle.cd"
            };
            notes.push(format!(
                "the nominal's ballistic coefficient m / (Cd A) is {} kg/m^2 (Cd: {cd} times \
                 cd_scale), outside {}-{} (Stardust's is about 60, Hayabusa's about 120): are \
                 vehicle.mass_kg (kg) and vehicle.diameter_m (m) in their units?",
                crate::config::sig(beta),
                BALLISTIC_COEFFICIENT_NOTED.0,
                BALLISTIC_COEFFICIENT_NOTED.1
            ));
        }
        // A Cd table that leaves out the subsonic fall or the hypersonic pulse holds its end
        // rows' Cd there, with nothing said (a config author's trial: a table from Mach 2).
        // Tables often end near Mach 10, where a blunt body's Cd no longer changes; one ending
        // below Mach 5 leaves the pulse's drag to a supersonic value.
        if let Some(t) = self.cfg.vehicle.cd_table.as_ref() {
            if let (Some(first), Some(last)) = (t.first(), t.last()) {
                if first[0] > CD_TABLE_NOTED_MACH.0 {
                    notes.push(format!(
                        "vehicle.cd_table starts at Mach {}: below it (the subsonic fall) the Cd \
                         is held at its first row's {}",
                        first[0], first[1]
                    ));
                }
                if last[0] < CD_TABLE_NOTED_MACH.1 {
                    notes.push(format!(
                        "vehicle.cd_table ends at Mach {}: above it (the entry pulse, near Mach \
                         40 at 12 km/s) the Cd is held at its last row's {}",
                        last[0], last[1]
                    ));
                }
            }
        }
        // A nose radius in cm (20 for 0.2 m) passed the 20 m bound with nothing said, and moved
        // the heat between its convective and radiative parts so that their total barely
        // changed (a config author's trial). Blunt capsules' nose radii are 0.25-1.2 times
        // their diameter (REFERENCE.md: Stardust's 0.2286 m on 0.8128 m; Apollo's heat shield
        // about 4.7 m on 3.9 m, recalled).
        let v = &self.cfg.vehicle;
        if v.nose_radius_m > NOSE_TO_DIAMETER_NOTED * v.diameter_m {
            notes.push(format!(
                "vehicle.nose_radius_m = {} m is {} times vehicle.diameter_m ({} m), where blunt \
                 capsules' are 0.25-1.2 times (Stardust's 0.28, Apollo's about 1.2): was it \
                 given in cm? The unit is m",
                v.nose_radius_m,
                crate::config::sig(v.nose_radius_m / v.diameter_m),
                v.diameter_m
            ));
        }
        // A limit in m/s^2 under the bound (588.4 for 60 g) was accepted with nothing said, and
        // no sample exceeded it (an entry analyst's trial); above Galileo's 230 g it is asked.
        let g = self.cfg.events.g_limit;
        if g > G_LIMIT_NOTED {
            notes.push(format!(
                "events.g_limit = {g} g is above any entry flown (Galileo's probe peaked near \
                 230 g; Stardust's capsule near 34 g): was it given in m/s^2? {g} m/s^2 is {} g",
                crate::config::sig(g / crate::physics::constants::G0_M_S2)
            ));
        }
        if let Some(fpa) = self.cfg.entry.flight_path_angle_deg {
            if !self.cfg.entry.bplane() {
                notes.extend(fpa_in_radians_note(
                    &format!("{CONFIG_FPA_NOTE}{fpa} deg grazes"),
                    fpa,
                ));
            }
        }
        // A correlation length in metres for kilometres (3,000 for 3 km) draws one offset for
        // the whole profile with nothing said (an entry analyst's trial); longer than any
        // atmosphere, it is noted (a deliberate bias can say so by a shorter length).
        let lengths = [
            (
                "atmosphere.perturbation.correlation_length_km",
                self.cfg
                    .atmosphere
                    .perturbation
                    .as_ref()
                    .map(|p| p.correlation_length_km),
            ),
            (
                "winds.perturbation.correlation_length_km",
                self.cfg
                    .winds
                    .as_ref()
                    .and_then(|w| w.perturbation.as_ref())
                    .map(|p| p.correlation_length_km),
            ),
        ];
        for (key, length) in lengths {
            if let Some(l) = length.filter(|&l| l > LONGEST_CORRELATION_KM) {
                notes.push(format!(
                    "{key} = {} km is longer than the atmosphere is deep: each sample's \
                     perturbation is one offset over the whole profile (was it given in m?)",
                    crate::config::sig(l)
                ));
            }
        }
        // A wind table's altitudes in metres (0, 300, 600, 900 for 0.9 km) stretch it far
        // above the interface, and the flight sees its lowest rows alone (an entry analyst's
        // trial: 5 m/s all the way down, an 8.5 km miss, nothing said). Rows past twice the
        // interface's altitude, and past WIND_TOP_NOTED_KM (so that the shipped tables beside
        // a low interface are not), are never flown, and are noted.
        let interface_km = self.nominal()[P_ALT];
        let tables = self.cfg.winds.as_ref().map(|w| {
            [
                ("winds.profile", w.profile.last().map(|r| r[0])),
                (
                    "winds.perturbation.sigma",
                    w.perturbation
                        .as_ref()
                        .and_then(|p| p.sigma.last())
                        .map(|r| r[0]),
                ),
            ]
        });
        for (key, top) in tables.into_iter().flatten() {
            if let Some(top) = top.filter(|&t| t > (2.0 * interface_km).max(WIND_TOP_NOTED_KM)) {
                notes.push(format!(
                    "{key}'s altitudes reach {} km, far above the entry interface ({} km), \
                     where no flight goes: were they given in m? The unit is km",
                    crate::config::sig(top),
                    crate::config::sig(interface_km)
                ));
            }
        }
        let top_km_s = TAUBER_SUTTON_V_M_S[TAUBER_SUTTON_V_M_S.len() - 1] / 1000.0;
        let v = self.nominal()[P_VEL];
        if v > top_km_s {
            notes.push(format!(
                "the nominal enters at {v:.2} km/s, above the Tauber-Sutton radiative table's \
                 last row ({top_km_s} km/s): its f(V) is held there, so the radiative heat flux \
                 reads low beyond it"
            ));
        }
        notes.extend(self.wind_rows_between_nodes());
        notes
    }
    fn summary_notes(&self, row: &dyn Fn(&str) -> RowSummary) -> Vec<String> {
        let count = |m: &str| row(m).count;
        // A main configured that opened in no sample: its columns are null and its load's
        // probability 0, as a drogue-only config's (a 600 s main delay read P(main load beyond
        // its limit) 0 with nothing said: a review).
        let landed = count("status_landed");
        // Parachutes configured that opened in no sample: every landing is an impact, and a
        // peak reached at the ground is cut there (a heavy capsule's 200 landings at 9.3 km/s
        // were called landings "under the drogue alone", and a g-switch above the pulse the
        // same: an entry analyst's trial).
        if self.model.chutes && landed > 0 && count("drogue_time_s") == 0 {
            let which = if landed == 1 {
                "the landing is an impact".to_string()
            } else {
                format!("all {landed} landings are impacts")
            };
            return vec![format!(
                "the config has parachutes, but no drogue opened in any sample: {which} of the \
                 bare capsule (touchdown_speed_m_s), whose drogue never opened (its trigger, {}, \
                 was not met, or parachutes.drogue_delay_s outlasted the descent); a peak \
                 reached at touchdown (time_peak_g_s = time_of_flight_s) is cut there",
                drogue_trigger_key(self.model.g_switch)
            )];
        }
        if !self.model.has_main || landed == 0 {
            return Vec::new();
        }
        if count("main_time_s") > 0 {
            return self.main_above_drogue_note(row).into_iter().collect();
        }
        let limit = self
            .cfg
            .parachutes
            .as_ref()
            .and_then(|p| p.main_q_limit_pa)
            .map_or("", |_| {
                ", and prob_main_q_exceed is 0 however low its limit"
            });
        vec![format!(
            "the config has a main canopy, but it opened in no sample: all {landed} landings \
             came under the drogue alone (main_delay_s, or a trigger the descent never \
             reached), so the main's columns are null{limit}"
        )]
    }
    fn steps_per_dispatch(&self) -> u32 {
        2000
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
    fn decided(&self, p: &Probability, o: &SampleOutputs) -> bool {
        outputs::decided(p, o, self.model.chutes)
    }
    /// A timeout whose drogue opened before the limit has flown its pulse: its peaks are the
    /// flight's (the maxima are watched until the first canopy opens), its heat load within
    /// 2.1e-4 (200 default samples stopped at 120 s, about 28 s after their drogues opened,
    /// against the same flown to the ground), and what comes after (the main's opening, the
    /// landing) is null. One stopped before its drogue, or with no parachutes, is left out, as
    /// the probabilities leave it out (`outputs::decided`).
    fn in_sensitivities(&self, o: &SampleOutputs) -> bool {
        o.status != ST_FAILED
            && (o.status != ST_TIMEOUT || (self.model.chutes && o.metrics[M_DROGUE_TIME].is_some()))
    }
    fn no_flight_reason(&self) -> Option<String> {
        self.model
            .bplane_epoch_jd
            .map(|_| crate::scenario::unphysical_input(model::MISSED_INTERFACE))
    }
    fn outputs(&self, p: &[f64], state: &[f64]) -> SampleOutputs {
        sample_outputs(&self.model, params(p), state)
    }
    fn probabilities(&self) -> Vec<Probability> {
        let mut p = vec![
            Probability::Status {
                name: "prob_skip_out",
                status: ST_SKIPPED_OUT,
            },
            Probability::Above {
                name: "prob_g_exceed",
                metric: M_PEAK_G,
                limit: self.cfg.events.g_limit,
            },
            Probability::Above {
                name: "prob_heat_exceed",
                metric: M_PEAK_Q,
                limit: self.cfg.events.heat_flux_limit_w_cm2,
            },
        ];
        // The structure's rated peak dynamic pressure, where given: decided as peak g is
        // (watched until the first canopy opens).
        if let Some(limit) = self.cfg.events.dynamic_pressure_limit_pa {
            p.push(Probability::Above {
                name: "prob_dynamic_pressure_exceed",
                metric: M_PEAK_QD,
                limit,
            });
        }
        // The canopies' rated opening loads, where given: over every flight, as the other
        // limits (a flight whose canopy never opened did not exceed it).
        if let Some(pc) = &self.cfg.parachutes {
            let limits = [
                (
                    "prob_drogue_q_exceed",
                    M_DROGUE_OPEN_Q,
                    pc.drogue_q_limit_pa,
                ),
                ("prob_main_q_exceed", M_MAIN_OPEN_Q, pc.main_q_limit_pa),
            ];
            for (name, metric, limit) in limits {
                if let Some(limit) = limit {
                    p.push(Probability::Above {
                        name,
                        metric,
                        limit,
                    });
                }
            }
        }
        // A B-plane delivery can miss the atmosphere altogether: P(no capture) counts those
        // beside the skip-outs (P(skip-out) is over the flights alone).
        if self.model.bplane_epoch_jd.is_some() {
            p.push(Probability::StatusOrNoFlight {
                name: "prob_no_capture",
                status: ST_SKIPPED_OUT,
            });
        }
        p
    }
    fn footprint(&self) -> Option<(usize, usize)> {
        Some((M_LAT, M_LON))
    }
    fn target(&self) -> Option<(f64, f64)> {
        self.model.target.map(|(lat, lon, _)| (lat, lon))
    }
    fn precision_notes(&self, precision: Precision) -> Vec<String> {
        let i = &self.cfg.integrator;
        let floor = precision.rtol_floor();
        // Only a tolerance the config asks for (the defaults' floor in f32 is the README's: a
        // note on every f32 run of the shipped configs said nothing new, a review).
        use crate::scenario::reentry::config::{DEFAULT_DESCENT_RTOL, DEFAULT_RTOL};
        let raised: Vec<String> = [
            ("rtol", i.rtol, DEFAULT_RTOL),
            ("descent_rtol", i.descent_rtol, DEFAULT_DESCENT_RTOL),
        ]
        .into_iter()
        .filter(|&(_, v, default)| v < floor && v != default)
        .map(|(k, v, _)| (k, v))
        .map(|(k, v)| format!("integrator.{k} {v:e}"))
        .collect();
        if !i.method().is_adaptive() || raised.is_empty() {
            return Vec::new();
        }
        // A trial's rtol 1e-10 in f32 was raised with nothing said but the files' metadata.
        vec![format!(
            "{} flies at {floor:e} in {}, that precision's floor (configured {}): its peaks differ \
             from f64's by up to about 1 % (README \"Integration accuracy\"); --precision f64 \
             flies the configured tolerance",
            if raised.len() == 1 { "the tolerance" } else { "each tolerance" },
            precision.name(),
            raised.join(", ")
        )]
    }
    fn metadata(&self, precision: Precision) -> Vec<(String, String)> {
        let i = &self.cfg.integrator;
        let pert = match &self.cfg.atmosphere.perturbation {
            Some(p) => format!(
                "gauss_markov correlation_length_km={} node_spacing_km={} top_km={} sigma={:?} (not applied in --nominal runs)",
                p.correlation_length_km, p.node_spacing_km, p.top_km, p.sigma
            ),
            None => "none".into(),
        };
        let mut m = vec![
            ("dispersa.integrator".into(), i.describe(precision)),
            ("dispersa.epoch".into(), self.cfg.entry.epoch.clone()),
            ("dispersa.density_perturbation".into(), pert),
        ];
        // The winds' defaults are recorded as the density perturbation's are (the node spacing
        // was in no metadata: a from-scratch trial).
        if let Some(w) = &self.cfg.winds {
            let pert = w.perturbation.as_ref().map_or("none".to_string(), |p| {
                format!(
                    "gauss_markov correlation_length_km={} sigma={:?} (not applied in --nominal runs)",
                    p.correlation_length_km, p.sigma
                )
            });
            m.push((
                "dispersa.winds".into(),
                format!(
                    "profile={:?} node_spacing_km={} perturbation: {pert}",
                    w.profile, w.node_spacing_km
                ),
            ));
        }
        m
    }
}

impl Reentry {
    /// A note where drogues opened below the main's trigger altitude: the main then follows
    /// the drogue by `main_delay_s` wherever it opened, not at its altitude. A main set at 29 km
    /// above drogues opening near 26.6 km opened at Mach 1.1 with nothing said (a config
    /// author's trial). Judged on the nominal trigger altitude and terrain against the lowest
    /// and the median drogue opening.
    fn main_above_drogue_note(&self, row: &dyn Fn(&str) -> RowSummary) -> Option<String> {
        let main_km = self.cfg.parachutes.as_ref()?.main_deploy_altitude_km?;
        let trigger_km = main_km + self.cfg.landing.terrain_height_m / 1000.0;
        let drogue = row("drogue_open_altitude_km");
        let (lowest, median) = (drogue.min?, drogue.p50?);
        if lowest >= trigger_km {
            return None;
        }
        let (share, at) = if median < trigger_km {
            (
                "at least half the flights (the median drogue opening",
                median,
            )
        } else {
            ("some flights (the lowest drogue opening", lowest)
        };
        Some(format!(
            "in {share} was at {} km, below the main's trigger at {} km above the ellipsoid: \
             parachutes.main_deploy_altitude_km {} plus the terrain's {} m), the main opened \
             main_delay_s after the drogue, wherever it was, not at its altitude \
             (main_open_altitude_km, main_open_dynamic_pressure_pa): was the main's altitude \
             meant lower?",
            crate::config::sig(at),
            crate::config::sig(trigger_km),
            main_km,
            self.cfg.landing.terrain_height_m
        ))
    }

    /// A note where the wind profile has rows between the nodes the wind is sampled at that
    /// the nodes miss by more than 1 m/s (each 1 m/s over the descent moves the landing about
    /// 0.66 km): a layer narrower than `winds.node_spacing_km` is smoothed away. A 100 m/s row at
    /// 1.4 km between nodes at 1 and 2 km changed nothing, with nothing said (an entry analyst's
    /// trial). Judged against the straight line between the two nodes.
    fn wind_rows_between_nodes(&self) -> Option<String> {
        let (w, wind) = (self.cfg.winds.as_ref()?, self.model.wind.as_ref()?);
        let spacing = w.node_spacing_km;
        let mut missed = Vec::new();
        let mut worst: f64 = 0.0;
        for r in &w.profile {
            let x = r[0] / spacing;
            let k = x.floor() as usize;
            let f = x - x.floor();
            if !(1e-9..=1.0 - 1e-9).contains(&f) || k + 1 >= wind.n_nodes() {
                continue;
            }
            let at = |v: &[f64]| v[k] + (v[k + 1] - v[k]) * f;
            let off = (r[1] - at(&wind.east)).hypot(r[2] - at(&wind.north));
            if off > 1.0 {
                missed.push(crate::config::sig(r[0]));
                worst = worst.max(off);
            }
        }
        if missed.is_empty() {
            return None;
        }
        Some(format!(
            "winds.profile rows at {} km lie between the nodes every {} km that the wind is \
             sampled at, which miss them by up to {:.0} m/s: a layer narrower than \
             winds.node_spacing_km is smoothed away; a spacing that divides the rows' altitudes \
             keeps them",
            missed.join(", "),
            spacing,
            worst
        ))
    }
}

/// The key that sets when the drogue is triggered, for messages.
pub fn drogue_trigger_key(g_switch: bool) -> &'static str {
    if g_switch {
        "parachutes.g_switch_g, the g-switch's threshold"
    } else {
        "parachutes.drogue_deploy_mach"
    }
}

/// Whether an entry angle `fpa` [deg] reads as one given in radians: in (-1, -0.02), a grazing
/// angle in degrees (-0.209 for -12 deg flew and skipped out with nothing said: an entry
/// analyst's trial). Not 0 nor a climb, which no value in radians explains.
pub fn fpa_looks_like_radians(fpa: f64) -> bool {
    (-1.0..-0.02).contains(&fpa)
}

/// The start of the note [`Reentry`]'s run notes give for the config's own entry angle where
/// [`fpa_looks_like_radians`] (the corridor, which sweeps the angle, leaves it out).
pub const CONFIG_FPA_NOTE: &str = "entry.flight_path_angle_deg = ";

/// The note for an entry angle `fpa` [deg] that [`fpa_looks_like_radians`], whose sentence starts
/// with `what` (a config's angle, or the corridor's sweep).
pub fn fpa_in_radians_note(what: &str, fpa: f64) -> Option<String> {
    fpa_looks_like_radians(fpa).then(|| {
        format!(
            "{what} the interface (Apollo 11 entered at -6.5 deg, Stardust at -8.2, Hayabusa \
             at about -12): was it given in radians? {fpa} rad is {} deg",
            crate::config::sig(fpa.to_degrees())
        )
    })
}
