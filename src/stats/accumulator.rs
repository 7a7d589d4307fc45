//! What a run accumulates while its chunks stream past: the status and probability counts for
//! summary.parquet, and the first samples' inputs and outputs for sensitivity.parquet. The
//! exact percentiles need every value of a metric: `Accumulator::summary` asks for them one
//! metric at a time on each of its threads (a run passes over the sensitivities' sample where
//! that holds every sample, else reads them back from the files), so memory does not grow with
//! the sample count.

use crate::scenario::{Probability, SampleOutputs, Scenario};
use crate::stats;
use crate::stats::ellipse::{bootstrap_group, FootprintBootstrap, BOOT_RESAMPLES};

/// The footprint's bootstrap for a run of `samples` samples (`None` for a scenario without a
/// footprint): [`BOOT_RESAMPLES`] resamples of [`bootstrap_group`] points a unit, seeded
/// from the run's seed, the config's `run.seed` (which `--seed` sets: a merge, which reads the
/// config and overrides stored with the shards, draws those of the run).
pub fn footprint_bootstrap(sc: &dyn Scenario, samples: u64) -> Option<FootprintBootstrap> {
    sc.footprint()?;
    let seed = sc.run_config().seed ^ 0x9E37_79B9_7F4A_7C15;
    Some(FootprintBootstrap::new(
        BOOT_RESAMPLES,
        seed,
        bootstrap_group(samples),
    ))
}

/// One row of summary.parquet.
#[derive(Debug, Clone, Default)]
pub struct SummaryRow {
    pub metric: String,
    pub unit: String,
    pub count: u64,
    pub mean: Option<f64>,
    pub std: Option<f64>,
    pub min: Option<f64>,
    pub p00135: Option<f64>,
    pub p02275: Option<f64>,
    pub p50: Option<f64>,
    pub p97725: Option<f64>,
    pub p99865: Option<f64>,
    pub max: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub tolerance_lower: Option<f64>,
    pub tolerance_upper: Option<f64>,
}

/// Samples kept for sensitivity.parquet: the first ones, up to this many (rank correlations
/// settle to +-0.005 long before; the cap bounds the memory and the sorting of huge runs).
pub const SENSITIVITY_SAMPLES: usize = 200_000;

/// Inputs and outputs (NaN where undefined or failed) of the first samples, for the
/// sensitivities and, where they hold every sample, the summary's passes over each metric; and
/// which samples the sensitivities take ([`crate::scenario::Scenario::in_sensitivities`]: not a
/// timeout whose values are of the flight so far, which the summary keeps).
pub struct SensitivityData {
    pub inputs: Vec<Vec<f64>>,
    pub outputs: Vec<Vec<f64>>,
    /// Per sample: whether the sensitivities take it.
    pub kept: Vec<bool>,
    /// Whether an output of a sample that did not fail was a NaN value, which `outputs`
    /// cannot tell from an undefined one.
    pub nan_values: bool,
}

impl SensitivityData {
    pub fn new(n_inputs: usize, n_outputs: usize) -> Self {
        SensitivityData {
            inputs: vec![Vec::new(); n_inputs],
            outputs: vec![Vec::new(); n_outputs],
            kept: Vec::new(),
            nan_values: false,
        }
    }

    /// Whether it holds [`SENSITIVITY_SAMPLES`] samples already.
    pub fn full(&self) -> bool {
        self.outputs.first().map_or(0, |c| c.len()) >= SENSITIVITY_SAMPLES
    }

    /// A chunk's samples: their input and output columns, and whether the sensitivities take
    /// each. A failed sample's outputs are all null (`Scenario::outputs`; the summary read
    /// from the files counts on it too), so they are NaN here.
    pub fn add(&mut self, inputs: &[Vec<f64>], outputs: &[Vec<Option<f64>>], kept: &[bool]) {
        let have = self.outputs.first().map_or(0, |c| c.len());
        let take = kept.len().min(SENSITIVITY_SAMPLES.saturating_sub(have));
        for (dst, src) in self.inputs.iter_mut().zip(inputs) {
            dst.extend_from_slice(&src[..take]);
        }
        self.kept.extend_from_slice(&kept[..take]);
        for (dst, src) in self.outputs.iter_mut().zip(outputs) {
            dst.extend(src[..take].iter().map(|v| {
                self.nan_values |= v.is_some_and(f64::is_nan);
                v.unwrap_or(f64::NAN)
            }));
        }
    }
}

/// Running counts of a run: statuses and probability hits.
pub struct Accumulator<'a> {
    scenario: &'a dyn Scenario,
    pub status_names: Vec<&'static str>,
    pub status_counts: Vec<u64>,
    probability_hits: Vec<u64>,
    /// Each probability's denominator: the samples with an outcome for it.
    probability_trials: Vec<u64>,
    /// The samples that did not fail and have no outcome for it: the flights the time limit
    /// stopped before what they flew decided it.
    probability_open: Vec<u64>,
    probabilities: Vec<Probability>,
}

impl<'a> Accumulator<'a> {
    pub fn new(scenario: &'a dyn Scenario) -> Self {
        let probabilities = scenario.probabilities();
        Accumulator {
            scenario,
            status_names: scenario.status_names().to_vec(),
            status_counts: vec![0; scenario.status_names().len()],
            probability_hits: vec![0; probabilities.len()],
            probability_trials: vec![0; probabilities.len()],
            probability_open: vec![0; probabilities.len()],
            probabilities,
        }
    }

    pub fn add(&mut self, o: &SampleOutputs) {
        self.status_counts[o.status as usize] += 1;
        if o.status == self.scenario.failed_status() {
            // No flight: an outcome for the probabilities that count it, and nothing else.
            if o.no_flight {
                for (k, p) in self.probabilities.iter().enumerate() {
                    if let Probability::StatusOrNoFlight { .. } = p {
                        self.probability_trials[k] += 1;
                        self.probability_hits[k] += 1;
                    }
                }
            }
            return;
        }
        for (k, p) in self.probabilities.iter().enumerate() {
            if self.scenario.decided(p, o) {
                self.probability_trials[k] += 1;
                self.probability_hits[k] += p.hit(o) as u64;
            } else {
                self.probability_open[k] += 1;
            }
        }
    }

    /// The rows of summary.parquet. `values()` makes one worker's pass function: `pass(k,
    /// visit)` is one pass over metric k's values, over the samples that did not fail (a failed
    /// sample has no metric), in the same order each time: the exact statistics select their
    /// ranks in a few passes rather than holding the values (a pass function may hold the
    /// metric it last read). `pairs(a, b, visit)` is one pass over the samples that have both
    /// metrics a and b (the landing points), in the same order each time: the footprint passes
    /// over them several times rather than holding them. `bootstrap`: the footprint's bootstrap
    /// when it was fed every landing point already, in order, as the chunks were written
    /// ([`footprint_bootstrap`]); else the footprint draws it in its own pass, with the same
    /// result.
    ///
    /// The metrics and the footprint are independent: `workers` threads take them one at a
    /// time ([`stats::par_jobs`]; the footprint, the longest, first). Each result is the same on
    /// any thread.
    pub fn summary<E: Send, P>(
        &self,
        values: impl Fn() -> P + Sync,
        pairs: impl Fn(usize, usize, &mut dyn FnMut(f64, f64)) -> Result<(), E> + Sync,
        bootstrap: Option<FootprintBootstrap>,
        workers: usize,
    ) -> Result<Vec<SummaryRow>, E>
    where
        P: FnMut(usize, &mut dyn FnMut(f64)) -> Result<(), E>,
    {
        let metrics = self.scenario.metrics();
        let total: u64 = self.status_counts.iter().sum();
        let footprint_keys = self.scenario.footprint();
        // Job 0 is the footprint (when the scenario has one), job 1 + k metric k.
        let skip = usize::from(footprint_keys.is_none());
        let bootstrap = std::sync::Mutex::new(bootstrap);
        enum Done {
            Metric(Option<stats::MetricSummary>),
            Footprint(stats::ellipse::Footprint),
        }
        let done = stats::par_jobs(metrics.len() + 1 - skip, workers, &values, |pass, job| {
            let job = job + skip;
            if job > 0 {
                let k = job - 1;
                let s = if footprint_keys.is_some_and(|(_, lon_k)| lon_k == k) {
                    stats::summarize_longitude_streamed(&mut |visit| pass(k, visit))?
                } else {
                    stats::summarize_streamed(&mut |visit| pass(k, visit))?
                };
                return Ok(Done::Metric(s));
            }
            let (lat_k, lon_k) = footprint_keys.expect("job 0 is the footprint");
            let given = bootstrap.lock().expect("not poisoned").take();
            let bootstrap = given.or_else(|| footprint_bootstrap(self.scenario, total));
            let mut pass = |visit: &mut dyn FnMut(f64, f64)| pairs(lat_k, lon_k, visit);
            let target = self.scenario.target();
            let f = stats::ellipse::footprint(&mut pass, 0.9973, target, bootstrap)?;
            Ok(Done::Footprint(f))
        });
        let mut summaries = Vec::with_capacity(metrics.len());
        let mut footprint = None;
        for d in done {
            match d? {
                Done::Metric(s) => summaries.push(s),
                Done::Footprint(f) => footprint = Some(f),
            }
        }
        let mut rows = Vec::new();
        for ((name, unit), s) in metrics.iter().zip(summaries) {
            let mut row = SummaryRow {
                metric: name.to_string(),
                unit: unit.to_string(),
                ..Default::default()
            };
            if let Some(s) = s {
                row.count = s.count;
                row.mean = Some(s.mean);
                // One value has no sample standard deviation (DuckDB's stddev_samp: NULL).
                row.std = (s.count > 1).then_some(s.std);
                row.min = Some(s.min);
                row.p00135 = Some(s.p00135);
                row.p02275 = Some(s.p02275);
                row.p50 = Some(s.p50);
                row.p97725 = Some(s.p97725);
                row.p99865 = Some(s.p99865);
                row.max = Some(s.max);
                row.tolerance_lower = s.tol_lower;
                row.tolerance_upper = s.tol_upper;
            }
            rows.push(row);
        }
        for (((p, &k), &trials), &open) in self
            .probabilities
            .iter()
            .zip(&self.probability_hits)
            .zip(&self.probability_trials)
            .zip(&self.probability_open)
        {
            let name = p.name();
            let w = stats::wilson(k, trials);
            // The least and the most the probability can be over every flight that did not
            // fail, whatever the open ones would have done: none of them, or all, with the
            // event. Equal to the mean when none is open.
            let flown = (trials + open) as f64;
            let bound = |hits: u64| (flown > 0.0).then(|| hits as f64 / flown);
            // The interval likewise covers the open flights either way: from the Wilson lower
            // end with none of them having the event to the upper end with all. Over the
            // settled flights alone it excluded the value a longer time limit then gave (a
            // cruise analyst's trial: P(propellant exhausted) 0.0021, interval 0.0004-0.0117,
            // and 0.038 once the 20 timeouts had flown on), and a probability by a deadline
            // past the limit read 1 with an interval of 0.98-1. The same as `w`'s when none is
            // open. Where none settled it, from 0 to 1 as the bounds (it was null, which the
            // README does not say: an entry analyst's trial), with no mean.
            let (ci_low, ci_high) = if open == 0 {
                (w.ci_low, w.ci_high)
            } else {
                (
                    stats::wilson(k, trials + open).ci_low,
                    stats::wilson(k + open, trials + open).ci_high,
                )
            };
            rows.push(SummaryRow {
                metric: name.to_string(),
                unit: "probability".into(),
                count: trials,
                mean: Some(w.p).filter(|x| x.is_finite()),
                min: bound(k),
                max: bound(k + open),
                ci_low: Some(ci_low).filter(|x| x.is_finite()),
                ci_high: Some(ci_high).filter(|x| x.is_finite()),
                ..Default::default()
            });
        }
        for (s, name) in self.status_names.iter().enumerate() {
            if *name == "running" {
                continue;
            }
            let c = self.status_counts[s];
            rows.push(SummaryRow {
                metric: format!("status_{name}"),
                unit: "samples".into(),
                count: c,
                mean: Some(c as f64 / total.max(1) as f64),
                ..Default::default()
            });
        }
        if let Some(f) = footprint {
            let ellipse = f.ellipse;
            let axis_ci = |major: bool| {
                f.axes_ci
                    .map(|(a, b)| if major { a } else { b })
                    .map_or((None, None), |(l, h)| (Some(l), Some(h)))
            };
            // The share of the landing points inside the ellipse, beside its nominal 99.73 %.
            let containment = ellipse
                .filter(|e| e.has_area())
                .map(|_| stats::wilson(f.inside, f.count));
            let about = f.about_target;
            let az = "deg from north towards east";
            let none = (None, None);
            let mut footprint = vec![
                (
                    "footprint_containment",
                    "fraction",
                    containment.map(|w| w.p),
                    (
                        containment.map(|w| w.ci_low),
                        containment.map(|w| w.ci_high),
                    ),
                ),
                (
                    "footprint_semi_major_km",
                    "km",
                    ellipse.map(|e| e.semi_major_km),
                    axis_ci(true),
                ),
                (
                    "footprint_semi_minor_km",
                    "km",
                    ellipse.map(|e| e.semi_minor_km),
                    axis_ci(false),
                ),
                (
                    "footprint_orientation_deg",
                    az,
                    ellipse
                        .filter(|e| e.has_direction())
                        .map(|e| e.orientation_deg),
                    none,
                ),
                (
                    "footprint_center_lat_deg",
                    "deg",
                    f.centre.map(|c| c.0),
                    none,
                ),
                (
                    "footprint_center_lon_deg",
                    "deg",
                    f.centre.map(|c| c.1),
                    none,
                ),
            ];
            if self.scenario.target().is_some() {
                footprint.extend([
                    (
                        "footprint_target_semi_major_km",
                        "km",
                        about.map(|e| e.semi_major_km),
                        none,
                    ),
                    (
                        "footprint_target_semi_minor_km",
                        "km",
                        about.map(|e| e.semi_minor_km),
                        none,
                    ),
                    (
                        "footprint_target_orientation_deg",
                        az,
                        about
                            .filter(|e| e.has_direction())
                            .map(|e| e.orientation_deg),
                        none,
                    ),
                ]);
            }
            for (name, unit, mean, (ci_low, ci_high)) in footprint {
                rows.push(SummaryRow {
                    metric: name.into(),
                    unit: unit.into(),
                    count: f.count,
                    mean,
                    ci_low,
                    ci_high,
                    ..Default::default()
                });
            }
        }
        Ok(rows)
    }
}
