//! Shared helpers of the integration tests.
#![allow(dead_code)]

pub mod comet;

use dispersa::config::RawConfig;
use dispersa::engine::{BackendChoice, Engine, PrecisionChoice, Runner};
use dispersa::pipeline::Samples;
use dispersa::scenario::reentry::*;
use dispersa::scenario::{SampleOutputs, Scenario};

pub const DEFAULT_CONFIG: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/configs/tianwen2_reentry.toml");

/// The default config with `--set` style overrides applied.
pub fn config_with(sets: &[&str]) -> ReentryConfig {
    let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
    let raw =
        RawConfig::load(std::path::Path::new(DEFAULT_CONFIG), &sets).expect("default config loads");
    ReentryConfig::from_raw(&raw).expect("default config is valid")
}

/// A GPU engine; a missing adapter FAILS the test (CI must run these on lavapipe).
pub fn gpu(precision: PrecisionChoice) -> Engine {
    let mut notice = |m: String| eprintln!("{m}");
    match Engine::select(BackendChoice::Gpu, precision, &mut notice) {
        Ok(e) => e,
        Err(e) => panic!(
            "GPU test needs an adapter ({e}); install mesa-vulkan-drivers and libvulkan1 (lavapipe)"
        ),
    }
}

pub fn cpu() -> Engine {
    let mut notice = |m: String| eprintln!("{m}");
    Engine::select(BackendChoice::Cpu, PrecisionChoice::Auto, &mut notice).expect("cpu engine")
}

/// The scenario, sampled parameters and packed inputs of samples 0..n (nominal when `nominal`).
pub fn sample_inputs(
    cfg: &ReentryConfig,
    n: usize,
    nominal: bool,
) -> (Reentry, Vec<Vec<f64>>, Vec<f64>) {
    let sc = Reentry::new(cfg.clone());
    let c = Samples::new(&sc, cfg.run.seed, nominal)
        .unwrap()
        .draw(&sc, 0..n as u64, None);
    let (params, inputs) = (c.params, c.inputs);
    (sc, params, inputs)
}

/// Propagate on an engine and post-process every sample.
pub fn outputs(
    engine: &Engine,
    sc: &Reentry,
    params: &[Vec<f64>],
    inputs: &[f64],
) -> Vec<SampleOutputs> {
    outputs_with(engine, sc, params, inputs, |_| {}).0
}

/// The same for any scenario, with `tweak` applied to the runner before it propagates; the
/// runner is returned for inspection.
pub fn outputs_with<'e>(
    engine: &'e Engine,
    sc: &dyn Scenario,
    params: &[Vec<f64>],
    inputs: &[f64],
    tweak: impl FnOnce(&mut Runner<'e>),
) -> (Vec<SampleOutputs>, Runner<'e>) {
    let n = params.len();
    let (mut runner, chunk) = engine.runner(sc, n).expect("runner");
    assert!(chunk >= n, "test chunk too large for the adapter");
    tweak(&mut runner);
    let states = runner
        .propagate(sc, inputs, n, &|_| {})
        .expect("propagation");
    let sl = sc.state_len();
    let outs = params
        .iter()
        .enumerate()
        .map(|(j, p)| sc.outputs(p, &states[j * sl..(j + 1) * sl]))
        .collect();
    (outs, runner)
}

/// Great-circle distance between two landing points [m].
pub fn landing_distance_m(a: &SampleOutputs, b: &SampleOutputs) -> f64 {
    let (la1, lo1) = (a.metrics[M_LAT].unwrap(), a.metrics[M_LON].unwrap());
    let (la2, lo2) = (b.metrics[M_LAT].unwrap(), b.metrics[M_LON].unwrap());
    dispersa::physics::geodesy::great_circle_km(la1, lo1, la2, lo2) * 1000.0
}
