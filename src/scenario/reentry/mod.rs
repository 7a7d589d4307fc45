//! Reentry of a capsule from the entry interface to the ground: 3-DOF point mass, Earth-centred
//! inertial frame that coincides with the Earth-fixed frame at the entry epoch.

mod config;
mod layout;
mod model;
mod outputs;

pub use config::*;
pub use layout::*;
pub use model::*;
pub use outputs::*;

use crate::config::{CorrelatedConfig, Dispersions, RunConfig};
use crate::engine::cpu::reentry::SampleModel;
use crate::engine::gpu::prelude;
use crate::engine::Precision;
use crate::scenario::{Probability, SampleOutputs, Scenario};

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
}

fn params(p: &[f64]) -> &Params {
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
        self.model.n_pert()
    }
    fn input_len(&self) -> usize {
        self.model.input_len()
    }
    fn pack_input(
        &self,
        _seed: u64,
        _index: u64,
        p: &[f64],
        normals: Option<&[f64]>,
        row: &mut [f64],
    ) {
        self.model.pack_input(params(p), normals, row)
    }
    fn state_len(&self) -> usize {
        STATE_LEN
    }
    fn initial_state(&self, input: &[f64], state: &mut [f64]) {
        Model::initial_state(input, state)
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
            prelude(precision),
            &wgsl_layout(),
            include_str!("../../../shaders/reentry_bindings.wgsl"),
            include_str!("../../../shaders/geodesy.wgsl"),
            include_str!("../../../shaders/atmosphere.wgsl"),
            include_str!("../../../shaders/gravity.wgsl"),
            include_str!("../../../shaders/aero.wgsl"),
            include_str!("../../../shaders/heating.wgsl"),
            include_str!("../../../shaders/reentry.wgsl"),
        ]
        .join("\n")
    }
    fn gpu_entry(&self) -> &'static str {
        "reentry_main"
    }
    fn gpu_dims(&self) -> Vec<u32> {
        let m = &self.model;
        vec![
            m.n_atm as u32,
            m.n_cd as u32,
            m.n_pert() as u32,
            m.atm_model,
            m.cd_mode,
            m.off_ts as u32,
            m.n_ts as u32,
            m.off_cd as u32,
            m.off_atm as u32,
        ]
    }
    fn steps_per_dispatch(&self) -> u32 {
        400
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
        sample_outputs(&self.model, params(p), state)
    }
    fn probabilities(&self) -> Vec<Probability> {
        vec![
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
        ]
    }
    fn footprint(&self) -> Option<(usize, usize)> {
        Some((M_LAT, M_LON))
    }
    fn metadata(&self) -> Vec<(String, String)> {
        let i = &self.cfg.integrator;
        let pert = match &self.cfg.atmosphere.perturbation {
            Some(p) => format!(
                "gauss_markov correlation_length_km={} node_spacing_km={} sigma={:?} (not applied in --nominal runs)",
                p.correlation_length_km, p.node_spacing_km, p.sigma
            ),
            None => "none".into(),
        };
        vec![
            (
                "dispersa.integrator".into(),
                format!(
                    "{} step_s={} descent_step_s={} time_limit_s={}",
                    i.method, i.step_s, i.descent_step_s, i.time_limit_s
                ),
            ),
            ("dispersa.epoch".into(), self.cfg.entry.epoch.clone()),
            ("dispersa.density_perturbation".into(), pert),
        ]
    }
}
