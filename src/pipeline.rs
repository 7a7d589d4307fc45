//! The one sample pipeline, shared by `run`, `corridor`, `report`, `target` and the tests:
//! draw each sample's parameters and normals from its own stream (`sampling`), pack its input
//! row (the scenario, which also derives parameters such as bplane mode's entry state),
//! propagate the rows on an engine, and turn the final states into outputs.
//!
//! A sample's inputs depend only on (seed, index), so any subset of indices, in any order or
//! chunking, draws the same samples.

use crate::config::ConfigError;
use crate::engine::gpu::GpuError;
use crate::engine::{Engine, EngineInfo};
use crate::sampling::Sampler;
use crate::scenario::{SampleOutputs, Scenario};

/// A change to a sample's drawn parameters before they are packed, given its index.
pub type Adjust<'a> = &'a (dyn Fn(u64, &mut [f64]) + Sync);

/// How the samples of one scenario are drawn under one seed: dispersed, or (`nominal`) every
/// parameter at its nominal value and no perturbation profile. The scenario it was built for is
/// passed to each call.
pub struct Samples {
    pub sampler: Sampler,
    pub seed: u64,
    pub nominal: bool,
    /// Of the run's first [`SUSPECT_DRAWS`] draws, how many are unphysical, and the first one's
    /// reason (none drawn for a nominal run).
    pub first_unphysical: (u64, Option<String>),
    /// Normal dispersions whose 3-sigma end is unphysical with every other parameter nominal:
    /// parameter index, which end ("-" or "+"), and why it is unphysical.
    pub unphysical_tails: Vec<(usize, &'static str, String)>,
}

/// Below this many samples per thread a chunk is drawn on one thread: a thread's start costs
/// about what drawing a few dozen ballistic samples does.
const MIN_SAMPLES_PER_THREAD: usize = 256;

/// Some samples, drawn and packed: indices, input rows, and each one's parameter vector (the
/// outputs and the input columns read it).
pub struct SampledChunk {
    pub indices: Vec<u64>,
    /// One packed input row per sample, back to back.
    pub inputs: Vec<f64>,
    pub params: Vec<Vec<f64>>,
}

impl SampledChunk {
    pub fn n(&self) -> usize {
        self.params.len()
    }

    /// The outputs of these samples from their final states (back to back, as an engine
    /// returns them). A value that is not finite is undefined, as a null is: it becomes one,
    /// so that the samples, the statistics and the sensitivities all leave it out alike.
    pub fn outputs(&self, scenario: &dyn Scenario, states: &[f64]) -> Vec<SampleOutputs> {
        let sl = scenario.state_len();
        self.params
            .iter()
            .zip(states.chunks(sl))
            .map(|(p, s)| {
                let mut o = scenario.outputs(p, s);
                for m in &mut o.metrics {
                    *m = m.filter(|x| x.is_finite());
                }
                o
            })
            .collect()
    }
}

/// The draws that confirm a dispersion whose range looks wholly unphysical ([`Samples::new`]).
pub const SUSPECT_DRAWS: u64 = 64;

impl Samples {
    /// The note, before the work, of dispersions that fail many samples (not all: those are
    /// refused): 10 % or more of the first [`SUSPECT_DRAWS`] draws, which a run of `flown`
    /// samples flies only in part when smaller (a 3-sample run read "13 of the run's first 64",
    /// a review). A Weibull pointing error of scale 1,000 failed 99 % and exited 1 at the end
    /// with nothing said before (an entry analyst's trial).
    pub fn unphysical_notes(&self, scenario: &dyn Scenario, flown: u64) -> Vec<String> {
        let mut notes: Vec<String> = self.unphysical_note(flown).into_iter().collect();
        if notes.is_empty() {
            let names = scenario.param_names();
            notes.extend(self.unphysical_tails.iter().map(|(i, side, why)| {
                format!(
                    "dispersions.\"{}\": its mean {side} 3 sigma is unphysical ({why}): the \
                     draws beyond it (at least 0.13 % of them) fail; is its sigma in the key's \
                     unit?",
                    names[*i]
                )
            }));
        }
        notes
    }

    fn unphysical_note(&self, flown: u64) -> Option<String> {
        let (n, Some(why)) = &self.first_unphysical else {
            return None;
        };
        if *n * 10 < SUSPECT_DRAWS {
            return None;
        }
        let of = if flown < SUSPECT_DRAWS {
            format!("the first {SUSPECT_DRAWS} draws of this seed (this run flies {flown})")
        } else {
            format!("the run's first {SUSPECT_DRAWS} draws")
        };
        Some(format!(
            "{n} of {of} are unphysical (the first: {why}): such samples fail and are left out \
             of the statistics; check the dispersions' centres and spreads"
        ))
    }
}

impl Samples {
    /// The scenario's dispersions (or none, `nominal`), with the parameters the scenario derives
    /// appended to the input columns after the dispersed ones.
    pub fn new(scenario: &dyn Scenario, seed: u64, nominal: bool) -> Result<Self, ConfigError> {
        let (dispersions, correlated) = scenario.dispersions();
        // The dispersions are checked as a dispersed run checks them (their parameters, and a
        // range whose every value is unphysical), though none is drawn: a run that `run
        // --nominal` accepted must also be one that `report` reads (a new-user trial's
        // --nominal run with a negative sigma was written, and its report refused). Its
        // columns are the nominal's too, at their nominal values: a nominal written without
        // them could not be concatenated with a dispersed run, nor pass check_outputs.py (a
        // notebook user's trial).
        let dispersed = if nominal {
            Some(Samples::new(scenario, seed, false)?)
        } else {
            None
        };
        let (dispersions, correlated, n_normals) = if nominal {
            (&Default::default(), &[][..], 0)
        } else {
            (dispersions, correlated, scenario.n_normals())
        };
        let mut sampler = Sampler::new(
            seed,
            dispersions,
            correlated,
            scenario.param_names(),
            scenario.nominal(),
            &scenario.fixed_params(),
            n_normals,
        )?;
        let nominal_params = scenario.nominal();
        match dispersed {
            Some(d) => {
                sampler.columns = d.sampler.columns;
                sampler.column_params = d.sampler.column_params;
            }
            None => {
                for i in scenario.derived_params() {
                    sampler.columns.push(scenario.param_names()[i].to_string());
                    sampler.column_params.push(i);
                }
            }
        }
        let mut samples = Samples {
            sampler,
            seed,
            nominal,
            first_unphysical: (0, None),
            unphysical_tails: Vec::new(),
        };
        // Dispersions that would fail every sample are bad input, refused here (a new-user
        // trial's mass from -5 to -1 kg ran and failed them all), judged by the run's first
        // draws, since a limit may couple two parameters (propellant below the wet mass: both
        // dispersed, most samples can be valid). A bounded dispersion whose ends and middle
        // all fail with every other parameter nominal is named with its range; any other (a
        // normal's mean, a Weibull's scale, a correlated group's means) by its draws.
        if !nominal && scenario.unphysical(nominal_params).is_none() {
            let drawn = samples.draw(scenario, 0..SUSPECT_DRAWS, None);
            let reasons: Vec<String> = drawn
                .params
                .iter()
                .filter_map(|p| scenario.unphysical(p))
                .collect();
            samples.first_unphysical = (reasons.len() as u64, reasons.into_iter().next());
            if samples.first_unphysical.0 == SUSPECT_DRAWS {
                let suspect = samples.sampler.bounded().find_map(|(i, low, high)| {
                    let at = |x: f64| {
                        let mut p = nominal_params.to_vec();
                        p[i] = x;
                        scenario.unphysical(&p)
                    };
                    match (at(low), at(0.5 * (low + high)), at(high)) {
                        (Some(why), Some(_), Some(_)) => Some((i, low, high, why)),
                        _ => None,
                    }
                });
                if let Some((i, low, high, why)) = suspect {
                    let path = scenario.param_names()[i];
                    return Err(ConfigError::key(
                        format!("dispersions.\"{path}\""),
                        format!(
                            "draws from {low} to {high}, where every value is unphysical ({why} \
                             is refused, and so is each of the run's first {SUSPECT_DRAWS} \
                             samples): every sample would fail"
                        ),
                    ));
                }
                return Err(every_draw_unphysical(scenario, &drawn.params));
            }
            if let Some(err) = unphysical_bound(scenario, &samples.sampler, &drawn.params) {
                return Err(err);
            }
            // A sigma in another unit than its key's (5 km/s meant as 5 m/s on a 12 km/s
            // entry) fails only the draws past its unphysical end, 1 in 20 of a trial's run,
            // too few for the note above, with nothing said (a config author's trial).
            samples.unphysical_tails = samples
                .sampler
                .normals()
                .filter_map(|(i, mean, sigma)| {
                    [("-", mean - 3.0 * sigma), ("+", mean + 3.0 * sigma)]
                        .into_iter()
                        .find_map(|(side, end)| {
                            let mut p = nominal_params.to_vec();
                            p[i] = end;
                            scenario.unphysical(&p).map(|why| (i, side, why))
                        })
                })
                .collect();
        }
        Ok(samples)
    }

    /// Draw and pack samples `indices`. `adjust` may change a sample's drawn parameters before
    /// they are packed (the corridor sets its swept angle there). A large chunk is drawn by
    /// several threads, each a contiguous block of it: every sample comes from its own stream,
    /// so the result is the same. Drawing a reentry sample (its perturbation profiles) costs as
    /// much host time as a real GPU takes to propagate ten (docs/PERFORMANCE.md).
    pub fn draw(
        &self,
        sc: &dyn Scenario,
        indices: impl IntoIterator<Item = u64>,
        adjust: Option<Adjust>,
    ) -> SampledChunk {
        self.draw_reusing(sc, indices, adjust, Vec::new())
    }

    /// [`Samples::draw`], packing the rows into `rows`, an earlier chunk's input rows that the
    /// engine is done with, when it has room: the same chunk as a fresh draw gives. A real
    /// GPU's chunks are up to gigabytes of rows, and memory the process has touched already
    /// costs no page faults (a fresh allocation of that size is mapped from the kernel anew).
    pub fn draw_reusing(
        &self,
        sc: &dyn Scenario,
        indices: impl IntoIterator<Item = u64>,
        adjust: Option<Adjust>,
        rows: Vec<f64>,
    ) -> SampledChunk {
        let ni = sc.input_len();
        let indices: Vec<u64> = indices.into_iter().collect();
        let len = indices.len() * ni;
        // `Scenario::pack_input` writes every value of a row: what a reused buffer held is
        // overwritten (tests/input_layout.rs).
        let mut inputs = if rows.capacity() >= len {
            let mut rows = rows;
            rows.resize(len, 0.0); // shortens, or grows within the capacity
            rows
        } else {
            vec![0.0; len]
        };
        let threads = std::thread::available_parallelism()
            .map_or(1, |t| t.get())
            .min(indices.len() / MIN_SAMPLES_PER_THREAD)
            .max(1);
        // A scenario without inputs (none ships) would give no rows to split: one thread.
        let params = if threads == 1 || ni == 0 {
            self.draw_into(sc, &indices, adjust, &mut inputs)
        } else {
            let per = indices.len().div_ceil(threads);
            std::thread::scope(|scope| {
                let blocks: Vec<_> = indices
                    .chunks(per)
                    .zip(inputs.chunks_mut(per * ni))
                    .map(|(ix, rows)| scope.spawn(move || self.draw_into(sc, ix, adjust, rows)))
                    .collect();
                blocks
                    .into_iter()
                    .flat_map(|b| b.join().expect("a drawing thread does not panic"))
                    .collect()
            })
        };
        SampledChunk {
            indices,
            inputs,
            params,
        }
    }

    /// Draw samples `indices` and pack their rows into `inputs` (their rows, back to back);
    /// returns their parameter vectors.
    fn draw_into(
        &self,
        sc: &dyn Scenario,
        indices: &[u64],
        adjust: Option<Adjust>,
        inputs: &mut [f64],
    ) -> Vec<Vec<f64>> {
        let ni = sc.input_len();
        let mut normals = vec![0.0; if self.nominal { 0 } else { sc.n_normals() }];
        let mut params = Vec::with_capacity(indices.len());
        for (k, &index) in indices.iter().enumerate() {
            let mut p = sc.nominal().to_vec();
            self.sampler.draw(index, &mut p, &mut normals);
            if let Some(f) = adjust {
                f(index, &mut p);
            }
            let z = (!self.nominal).then_some(&normals[..]);
            sc.pack_input(
                self.seed,
                index,
                &mut p,
                z,
                &mut inputs[k * ni..(k + 1) * ni],
            );
            params.push(p);
        }
        params
    }

    /// Draw, propagate and take the outputs of samples `indices` on `engine`, in chunks the
    /// engine can hold: for the small jobs (aiming, the report's re-flights, tests).
    pub fn fly(
        &self,
        sc: &dyn Scenario,
        engine: &Engine,
        indices: impl IntoIterator<Item = u64>,
        adjust: Option<Adjust>,
    ) -> Result<(SampledChunk, Vec<SampleOutputs>), GpuError> {
        let chunk = self.draw(sc, indices, adjust);
        let outputs = propagate_all(engine, sc, &chunk)?;
        Ok((chunk, outputs))
    }
}

/// The outputs of a drawn chunk propagated on `engine`, in as many engine chunks as it needs.
pub fn propagate_all(
    engine: &Engine,
    scenario: &dyn Scenario,
    chunk: &SampledChunk,
) -> Result<Vec<SampleOutputs>, GpuError> {
    let n = chunk.n();
    if n == 0 {
        return Ok(Vec::new());
    }
    let (mut runner, size) = engine.runner(scenario, n)?;
    let ni = scenario.input_len();
    let mut states = Vec::with_capacity(n * scenario.state_len());
    for first in (0..n).step_by(size.max(1)) {
        let m = size.min(n - first);
        let rows = &chunk.inputs[first * ni..(first + m) * ni];
        states.extend(runner.propagate(scenario, rows, m, &|_| {})?);
    }
    Ok(chunk.outputs(scenario, &states))
}

/// The provenance every Parquet file of a run or a corridor carries: version, commit, scenario,
/// config text and overrides, seed, and the engine.
pub fn provenance(
    scenario: &dyn Scenario,
    raw: &crate::config::RawConfig,
    seed: u64,
    info: &EngineInfo,
) -> Vec<(String, String)> {
    vec![
        ("dispersa.version".into(), env!("CARGO_PKG_VERSION").into()),
        (
            "dispersa.git_commit".into(),
            env!("DISPERSA_GIT_COMMIT").into(),
        ),
        ("dispersa.scenario".into(), scenario.kind().into()),
        ("dispersa.config".into(), raw.text.clone()),
        ("dispersa.config_overrides".into(), raw.overrides.join("\n")),
        ("dispersa.seed".into(), seed.to_string()),
        ("dispersa.backend".into(), info.backend.into()),
        ("dispersa.adapter".into(), info.adapter.clone()),
        (
            "dispersa.adapter_backend".into(),
            info.adapter_backend.clone(),
        ),
        ("dispersa.driver".into(), info.driver.clone()),
        ("dispersa.precision".into(), info.precision.name().into()),
    ]
}

/// A bound of a dispersion (a uniform's, a truncated normal's) that is itself unphysical in
/// every one of the `drawn` samples that is physical as drawn, set to the bound: the config asks
/// for impossible values by construction, and the samples drawn near it fail (a trial's uniform
/// mass from -10 kg failed 38 of 200, with a note). Judged on the draws rather than beside the
/// other parameters' nominal values, since a limit may couple two parameters (propellant below
/// the wet mass: a propellant bound above the nominal wet mass is physical where the wet mass is
/// drawn higher).
fn unphysical_bound(
    scenario: &dyn Scenario,
    sampler: &crate::sampling::Sampler,
    drawn: &[Vec<f64>],
) -> Option<ConfigError> {
    let physical: Vec<&Vec<f64>> = drawn
        .iter()
        .filter(|p| scenario.unphysical(p).is_none())
        .collect();
    let first = physical.first()?;
    for (i, low, high) in sampler.bounded() {
        for (name, x) in [("low", low), ("high", high)] {
            let at = |p: &Vec<f64>| {
                let mut p = p.clone();
                p[i] = x;
                scenario.unphysical(&p)
            };
            if let Some(why) = at(first).filter(|_| physical[1..].iter().all(|p| at(p).is_some())) {
                let path = scenario.param_names()[i];
                return Some(ConfigError::key(
                    format!("dispersions.\"{path}\".{name}"),
                    format!(
                        "{x} is unphysical ({why} is refused; so is the bound in each of the \
                         run's first draws that are physical as drawn): the samples drawn near \
                         it would fail; move the bound inside the physical range"
                    ),
                ));
            }
        }
    }
    None
}

/// The error of a run whose first draws are all unphysical: the dispersed parameter whose
/// drawn values are refused on their own, every other parameter nominal (its range of draws
/// and the first reason), else the first sample's reason, where parameters only fail
/// together.
fn every_draw_unphysical(scenario: &dyn Scenario, drawn: &[Vec<f64>]) -> ConfigError {
    let nominal = scenario.nominal();
    let alone = |i: usize, x: f64| {
        let mut p = nominal.to_vec();
        p[i] = x;
        scenario.unphysical(&p)
    };
    // A derived parameter (a B-plane entry's speed) fails from its inputs, which are tried
    // alone with the derived ones nominal: they are named below, by the key that disperses
    // them.
    let derived = scenario.derived_params();
    for i in (0..nominal.len()).filter(|i| !derived.contains(i)) {
        let values: Vec<f64> = drawn.iter().map(|p| p[i]).collect();
        if values.iter().all(|&x| x.to_bits() == nominal[i].to_bits()) {
            continue;
        }
        let reasons: Vec<Option<String>> = values.iter().map(|&x| alone(i, x)).collect();
        if reasons.iter().all(|r| r.is_some()) {
            let (lo, hi) = values
                .iter()
                .filter(|x| x.is_finite())
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &x| {
                    (a.min(x), b.max(x))
                });
            let range = if lo <= hi {
                format!("{} to {}", crate::config::sig(lo), crate::config::sig(hi))
            } else {
                "none finite".to_string()
            };
            let path = scenario.param_names()[i];
            // The table that disperses it: its own, or a correlated group's (named by a key
            // the config has: it named `dispersions."path"`, which the config lacked, for a
            // group's mean, a cruise trial).
            let (_, groups) = scenario.dispersions();
            let (key, about) = match groups
                .iter()
                .position(|g| g.paths.iter().any(|p| p == path))
            {
                Some(k) => (format!("correlated[{k}]"), format!("its path `{path}`: ")),
                None => (format!("dispersions.\"{path}\""), String::new()),
            };
            return ConfigError::key(
                key,
                format!(
                    "{about}each of the run's first {SUSPECT_DRAWS} draws ({range}) is unphysical ({} \
                     is refused): every sample would fail; check the distribution's centre and \
                     spread",
                    reasons[0].as_deref().unwrap_or("")
                ),
            );
        }
    }
    // No parameter fails alone: the derived ones' inputs (a B-plane delivery's covariance),
    // or parameters that fail only together.
    ConfigError::key(
        scenario.derived_dispersion_key().unwrap_or("dispersions"),
        format!(
            "each of the run's first {SUSPECT_DRAWS} samples is unphysical (the first: {}): \
             every sample would fail",
            scenario.unphysical(&drawn[0]).unwrap_or_default()
        ),
    )
}
