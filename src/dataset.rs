//! A run's written samples read back as one dataset: the statistics of summary.parquet and
//! sensitivity.parquet computed from the files, in sample-index order. A run, a resumed run, a
//! shard and `dispersa merge` all compute them here, from what is on the disk, so a resumed run
//! equals an uninterrupted one and merged shards equal one run by construction: the same
//! values, in the same order, through the same arithmetic. A GPU run gathers the first pass
//! and the footprint's bootstrap from its chunks as it writes them ([`InFlight`]): the same
//! values again, so the same results.

use crate::output::{for_each_batch, for_each_present, string_column, OutputError, SummaryRow};
use crate::scenario::{RowSummary, SampleOutputs, Scenario};
use crate::stats;
use crate::stats::accumulator::{footprint_bootstrap, Accumulator, SensitivityData};
use crate::stats::ellipse::FootprintBootstrap;
use crate::stats::sensitivity::Sensitivity;
use arrow_array::Array;
use arrow_array::Float64Array;
use std::path::PathBuf;

/// What the statistics of a run are.
pub struct Statistics {
    pub summary: Vec<SummaryRow>,
    pub sensitivity: Vec<Sensitivity>,
    /// (status name, count) for every status.
    pub status_counts: Vec<(String, u64)>,
    /// The notes on the outcome (`Scenario::summary_notes`, and a footprint its ellipse does not
    /// describe).
    pub notes: Vec<String>,
}

/// The Arrow schema of a samples file.
fn file_schema(file: &std::path::Path) -> Result<arrow_schema::SchemaRef, OutputError> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let f = std::fs::File::open(file)
        .map_err(crate::output::io(format!("opening {}", file.display())))?;
    let b = ParquetRecordBatchReaderBuilder::try_new(f).map_err(|source| OutputError::Parquet {
        action: format!("reading the schema of {}", file.display()),
        source,
    })?;
    Ok(b.schema().clone())
}

/// The columns of a Parquet file with their types.
pub fn column_types(
    file: &std::path::Path,
) -> Result<Vec<(String, arrow_schema::DataType)>, OutputError> {
    Ok(file_schema(file)?
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().clone()))
        .collect())
}

/// The input columns of a samples file: its non-nullable Float64 columns (the outputs may be
/// null, `sample` is an integer).
pub fn input_columns(file: &std::path::Path) -> Result<Vec<String>, OutputError> {
    Ok(file_schema(file)?
        .fields()
        .iter()
        .filter(|f| !f.is_nullable() && *f.data_type() == arrow_schema::DataType::Float64)
        .map(|f| f.name().clone())
        .collect())
}

/// Samples up to which each summary thread holds one metric's values in memory (8 bytes each,
/// 32 MB at most) rather than read them from the files for each pass of the exact percentiles.
const HELD_VALUES_MAX: u64 = 4_000_000;

/// Threads that the metrics' summaries and the footprint take (the sensitivities take up to
/// two beside them): the cores, up to 8. Each summary thread holds one metric's values at a
/// time (at most [`HELD_VALUES_MAX`] values) where the sensitivities do not hold them all.
fn statistics_workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().min(8))
}

/// What the first pass over the samples gathers (the counts, the first samples for the
/// sensitivities) and the footprint's bootstrap, gathered from the chunks as a run writes
/// them, in the order the files will hold them: the statistics then skip that pass and draw.
pub struct InFlight<'a> {
    sc: &'a dyn Scenario,
    acc: Accumulator<'a>,
    sens: SensitivityData,
    bootstrap: Option<FootprintBootstrap>,
    /// Whether gathered values that the files contradict are an error (the tests that compare
    /// the two ways) rather than gathered again from the files.
    strict: bool,
}

impl<'a> InFlight<'a> {
    /// For a run of `samples` samples of `sc` with `inputs` input columns; `strict`: see the
    /// field.
    pub fn new(sc: &'a dyn Scenario, samples: u64, inputs: usize, strict: bool) -> Self {
        let bootstrap = footprint_bootstrap(sc, samples);
        InFlight {
            sc,
            acc: Accumulator::new(sc),
            sens: SensitivityData::new(inputs, sc.metrics().len()),
            bootstrap: if strict {
                bootstrap.map(FootprintBootstrap::strict)
            } else {
                bootstrap
            },
            strict,
        }
    }

    /// One chunk's samples as written: each sample's outputs, the input columns and the output
    /// columns (None: null).
    pub fn add(
        &mut self,
        outputs: &[SampleOutputs],
        inputs: &[Vec<f64>],
        columns: &[Vec<Option<f64>>],
    ) {
        for o in outputs {
            self.acc.add(o);
        }
        let sc = self.sc;
        if !self.sens.full() {
            let kept: Vec<bool> = outputs.iter().map(|o| sc.in_sensitivities(o)).collect();
            self.sens.add(inputs, columns, &kept);
        }
        if let (Some(b), Some((la, lo))) = (self.bootstrap.as_mut(), sc.footprint()) {
            for (a, o) in columns[la].iter().zip(&columns[lo]) {
                if let (Some(a), Some(o)) = (a, o) {
                    b.add(*a, *o);
                }
            }
        }
    }
}

/// The statistics of the samples in `files` (samples.parquet, or part files in index order).
/// `gathered`: what the chunks gave as they were written, when they were every sample of the
/// files, in order; else the first pass reads it from the files, with the same result.
/// `reread`: read each metric from the files for every pass of its percentiles even where it
/// could be held ([`HELD_VALUES_MAX`]), with the same result (how the tests compare the two).
pub fn statistics(
    sc: &dyn Scenario,
    files: &[PathBuf],
    gathered: Option<InFlight<'_>>,
    reread: bool,
) -> Result<Statistics, OutputError> {
    let Some(first) = files.first() else {
        return Err(crate::output::io("computing statistics")(
            std::io::Error::other("no sample files"),
        ));
    };
    let inputs = input_columns(first)?;
    let metrics: Vec<&str> = sc.metrics().iter().map(|(n, _)| *n).collect();
    let (acc, sens, bootstrap) = match gathered {
        // The written input columns are the sampler's: gathered from the same values.
        Some(g) if g.sens.inputs.len() == inputs.len() => (g.acc, g.sens, g.bootstrap),
        other => {
            if let Some(g) = &other {
                assert!(
                    !g.strict,
                    "the run gathered {} input columns; the files hold {}",
                    g.sens.inputs.len(),
                    inputs.len()
                );
            }
            let (acc, sens) = first_pass(sc, files, &inputs, &metrics)?;
            (acc, sens, None)
        }
    };
    // The statistics and the sensitivities are independent: computed side by side.
    let workers = statistics_workers();
    let (summary, sensitivity) = std::thread::scope(|scope| {
        let rows = scope.spawn(|| {
            let out_names: Vec<String> = metrics.iter().map(|n| n.to_string()).collect();
            // Two outputs at a time: one defined on only some samples copies the inputs it
            // keeps for its own regression and ranks (about 90 MB for tianwen2's 11 inputs
            // at 200,000 samples).
            // The columns the scenario derives from the sampled ones (bplane mode's entry
            // state) are ranked but not regressed; with no sampled input at all (a bplane
            // config that disperses nothing writes only derived ones) there is nothing to rank
            // against.
            let derived_names: Vec<String> = sc
                .derived_params()
                .iter()
                .map(|&i| crate::scenario::column_name(sc.param_names()[i]))
                .collect();
            let derived: Vec<bool> = inputs.iter().map(|n| derived_names.contains(n)).collect();
            if derived.iter().all(|&d| d) {
                return Vec::new();
            }
            let fixed_names = sc.fixed_outputs();
            let fixed: Vec<bool> = out_names
                .iter()
                .map(|n| fixed_names.contains(&n.as_str()))
                .collect();
            stats::sensitivity::sensitivities(
                &inputs,
                &sens.inputs,
                &derived,
                stats::sensitivity::Outputs {
                    names: &out_names,
                    values: &sens.outputs,
                    kept: &sens.kept,
                    fixed: &fixed,
                },
                workers.min(2),
            )
        });
        // Each metric's values passed over, one metric at a time on each of the workers. Where
        // the sensitivities hold every sample's outputs (NaN standing for absent, and no value
        // a NaN), from there; else read from the files once and held for the selection's later
        // passes where the run is small enough (HELD_VALUES_MAX), else (or `reread`) read again
        // for each pass.
        let total = acc.status_counts.iter().sum::<u64>();
        let held_all = !reread
            && !sens.nan_values
            && sens
                .outputs
                .first()
                .is_some_and(|c| c.len() as u64 == total);
        let outputs = &sens.outputs;
        let hold = !reread && total <= HELD_VALUES_MAX;
        let metrics = &metrics;
        let summary = acc.summary(
            || {
                let mut held: Option<(usize, Vec<f64>)> = None;
                move |k: usize, visit: &mut dyn FnMut(f64)| {
                    if held_all {
                        outputs[k]
                            .iter()
                            .filter(|x| !x.is_nan())
                            .for_each(|&x| visit(x));
                        return Ok(());
                    }
                    if let Some((hk, v)) = &held {
                        if *hk == k {
                            v.iter().for_each(|&x| visit(x));
                            return Ok(());
                        }
                    }
                    if !hold {
                        return for_each_present(files, &[metrics[k]], |v| visit(v[0]));
                    }
                    let mut v = held.take().map_or_else(Vec::new, |(_, mut v)| {
                        v.clear();
                        v
                    });
                    for_each_present(files, &[metrics[k]], |x| v.push(x[0]))?;
                    v.iter().for_each(|&x| visit(x));
                    held = Some((k, v));
                    Ok(())
                }
            },
            |a, b, visit| {
                if held_all {
                    for (&x, &y) in outputs[a].iter().zip(&outputs[b]) {
                        if !(x.is_nan() || y.is_nan()) {
                            visit(x, y);
                        }
                    }
                    return Ok(());
                }
                for_each_present(files, &[metrics[a], metrics[b]], |v| visit(v[0], v[1]))
            },
            bootstrap,
            workers,
        );
        (
            summary,
            rows.join().expect("the sensitivity thread does not panic"),
        )
    });
    let summary = summary?;
    let row = |m: &str| {
        summary
            .iter()
            .find(|r| r.metric == m)
            .map_or(RowSummary::default(), |r| RowSummary {
                count: r.count,
                min: r.min,
                p50: r.p50,
            })
    };
    let count = |m: &str| row(m).count;
    let mut notes = sc.summary_notes(&row);
    notes.extend(footprint_note(&summary));
    notes.extend(timeout_note(sc.kind() == "cruise", count("status_timeout")));
    Ok(Statistics {
        summary,
        notes,
        sensitivity,
        status_counts: acc
            .status_names
            .iter()
            .map(|n| n.to_string())
            .zip(acc.status_counts.iter().copied())
            .collect(),
    })
}

/// The widest footprint whose ellipse the README vouches for [km]: the plane tangent at its
/// centre holds for footprints tens to a few hundred km across.
pub const WIDE_FOOTPRINT_KM: f64 = 500.0;
/// The containment below which a footprint is far from normal: its Wilson interval's upper end
/// under this, where a normal footprint's share is 0.9973 (0.9962-0.9981 at 10,000 landings).
pub const LOW_CONTAINMENT: f64 = 0.99;

/// A note where the 99.73 % ellipse does not describe the footprint: the landings it holds are
/// clearly fewer than 99.73 % (a heavy tail: skip-outs' neighbours flying long), or it is wider
/// than the tangent plane serves (a trial's shallow entries, a quarter of them skipping out, were
/// summed up as a 3,954 x 60 km ellipse holding 97.6 %, with nothing said).
fn footprint_note(summary: &[SummaryRow]) -> Option<String> {
    let row = |m: &str| summary.iter().find(|r| r.metric == m);
    let c = row("footprint_containment")?;
    let (p, lo, hi) = (c.mean?, c.ci_low?, c.ci_high?);
    let a = row("footprint_semi_major_km").and_then(|r| r.mean)?;
    let mut why = Vec::new();
    if hi < LOW_CONTAINMENT {
        why.push(format!(
            "it holds {:.2} % of the landings (95 % interval {:.2}-{:.2} %), not 99.73 %",
            100.0 * p,
            100.0 * lo,
            100.0 * hi
        ));
    }
    if a > WIDE_FOOTPRINT_KM {
        why.push(format!(
            "its semi-major axis, {a:.0} km, is beyond the few hundred km the tangent plane \
             serves"
        ));
    }
    (!why.is_empty()).then(|| {
        format!(
            "the 99.73 % footprint ellipse does not describe these landings: {}; quote the \
             landing and miss-distance percentiles and tolerance bounds instead",
            why.join(", and ")
        )
    })
}

/// The note on flights the time limit stopped: their values are of the flight so far, in every
/// statistic (a 30 s limit read peak g p50 10.9 for a true 45.7, and P(peak g beyond its limit)
/// 0, with nothing said but the counts: an entry analyst's trial). In the scenario's own terms
/// (the reentry's wording misled a cruise trial, whose flights could not arrive however long
/// they flew). Kept with the statistics, so that a report says it too (the run alone did: a
/// cruise analyst's trial).
pub fn timeout_note(cruise: bool, timed_out: u64) -> Option<String> {
    if timed_out == 0 {
        return None;
    }
    let one = timed_out == 1;
    let (this, it, they_may, the_flights, they_were) = if one {
        (
            "this flight",
            "it",
            "it may be the one",
            "the flight",
            "it was",
        )
    } else {
        (
            "these flights",
            "them",
            "they may be the ones",
            "the flights",
            "they were",
        )
    };
    let what = if cruise {
        format!(
            "so the propellant margins read high (rendezvous_margin_kg holds the arrivals' \
             alone, which leaves out {this}: {they_may} with the least left; the times of \
             flight, the rendezvous columns and the sensitivities leave {it} out, and \
             prob_arrived counts {it} as not arriving within the limit); the probabilities leave out those whose outcome \
             was still open at the limit (running dry; arriving by the deadline where the limit \
             ends before it), and their `min` and `max` in summary.parquet bound them over \
             those flights (printed beside them); raise integrator.time_limit_days, unless \
             {the_flights} cannot arrive at all (thrust_on_days and final_distance_km say \
             whether {they_were} getting there)"
        )
    } else {
        "so a peak or a load may be cut; each probability leaves out those whose outcome for it \
         was still open at the limit (skip-out and the peaks before the drogue opened, or with no \
         parachutes at all; a canopy's load before it opened), which biases it where those \
         flights differ from the rest: its `count` in summary.parquet says how many it is over, \
         and its `min` and `max` how far the open ones could move it (printed beside it); the \
         sensitivities leave out those stopped before their drogue opened (every one, with no \
         parachutes); raise integrator.time_limit_s"
            .to_string()
    };
    // One (a --nominal run's) said in the singular, its values not "in the percentiles" (a
    // cruise analyst's trial read "1 samples").
    let (who, values) = if timed_out == 1 {
        (
            "1 sample reached the integrator's time limit before it ended".to_string(),
            "its values are of the flight up to it, and are in the statistics",
        )
    } else {
        (
            format!("{timed_out} samples reached the integrator's time limit before they ended"),
            "the values they have are of the flight up to it, and are in the percentiles",
        )
    };
    Some(format!("{who} (`timeout`): {values}, {what}"))
}

/// The counts and the first samples' inputs and outputs, in one pass over the files.
fn first_pass<'a>(
    sc: &'a dyn Scenario,
    files: &[PathBuf],
    inputs: &[String],
    metrics: &[&str],
) -> Result<(Accumulator<'a>, SensitivityData), OutputError> {
    let names = sc.status_names();
    let mut acc = Accumulator::new(sc);
    let mut sens = SensitivityData::new(inputs.len(), metrics.len());
    // One pass for the counts and the first samples' inputs and outputs.
    let mut columns: Vec<&str> = inputs.iter().map(String::as_str).collect();
    columns.extend(metrics);
    columns.push("status");
    // The failed samples that had no flight are known by their failure_reason.
    let no_flight_reason = sc.no_flight_reason();
    if no_flight_reason.is_some() {
        columns.push("failure_reason");
    }
    for_each_batch(files, &columns, |batch| {
        let status = string_column(batch, "status")?;
        let why = match no_flight_reason {
            Some(_) => Some(string_column(batch, "failure_reason")?),
            None => None,
        };
        let outs: Vec<&Float64Array> = metrics
            .iter()
            .map(|m| crate::output::float_column(batch, m))
            .collect::<Result<_, _>>()?;
        let mut kept = Vec::with_capacity(batch.num_rows());
        for r in 0..batch.num_rows() {
            let name = status.value(r);
            let index = names.iter().position(|n| *n == name).ok_or_else(|| {
                crate::output::io("reading statuses")(std::io::Error::other(format!(
                    "unknown status {name:?} in the samples"
                )))
            })?;
            let o = SampleOutputs {
                status: index as u32,
                metrics: outs
                    .iter()
                    .map(|c| c.is_valid(r).then(|| c.value(r)))
                    .collect(),
                no_flight: why.is_some_and(|w| {
                    w.is_valid(r) && Some(w.value(r)) == no_flight_reason.as_deref()
                }),
            };
            acc.add(&o);
            kept.push(sc.in_sensitivities(&o));
        }
        if !sens.full() {
            let in_cols: Vec<Vec<f64>> = inputs
                .iter()
                .map(|n| crate::output::float_column(batch, n).map(|c| c.values().to_vec()))
                .collect::<Result<_, _>>()?;
            let out_cols: Vec<Vec<Option<f64>>> = outs.iter().map(|c| c.iter().collect()).collect();
            sens.add(&in_cols, &out_cols, &kept);
        }
        Ok(std::ops::ControlFlow::Continue(()))
    })?;
    Ok((acc, sens))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_timeout_is_said_in_the_singular() {
        let one = timeout_note(true, 1).unwrap();
        assert!(
            one.starts_with("1 sample reached the integrator's time limit before it ended"),
            "{one}"
        );
        // The cruise's own words about that flight, in the singular too (a review read "these
        // flights: they may be the ones" of one).
        assert!(
            one.contains("leaves out this flight: it may be the one")
                && one.contains("unless the flight cannot arrive")
                && !one.contains("these flights"),
            "{one}"
        );
        let two = timeout_note(false, 2).unwrap();
        assert!(two.starts_with("2 samples reached"), "{two}");
        let many = timeout_note(true, 3).unwrap();
        assert!(
            many.contains("leaves out these flights: they may be the ones"),
            "{many}"
        );
        assert_eq!(timeout_note(true, 0), None);
    }

    fn rows(p: f64, lo: f64, hi: f64, a: f64) -> Vec<SummaryRow> {
        vec![
            SummaryRow {
                metric: "footprint_containment".into(),
                mean: Some(p),
                ci_low: Some(lo),
                ci_high: Some(hi),
                ..Default::default()
            },
            SummaryRow {
                metric: "footprint_semi_major_km".into(),
                mean: Some(a),
                ..Default::default()
            },
        ]
    }

    /// The note's two reasons, each alone, and neither for a footprint a normal one would give
    /// (the default config's 10,000 landings: 0.9968, 0.9955-0.9977, 8.4 km).
    #[test]
    fn the_footprint_note_speaks_for_a_heavy_tail_or_a_wide_footprint_only() {
        assert_eq!(footprint_note(&rows(0.9968, 0.9955, 0.9977, 8.4)), None);
        let tail = footprint_note(&rows(0.976, 0.971, 0.980, 120.0)).unwrap();
        assert!(tail.contains("it holds 97.60 % of the landings (95 % interval 97.10-98.00 %)"));
        assert!(!tail.contains("semi-major"), "{tail}");
        let wide = footprint_note(&rows(0.9968, 0.9955, 0.9977, 900.0)).unwrap();
        assert!(wide.contains("its semi-major axis, 900 km") && !wide.contains("it holds"));
        // No containment (under 3 landings, or no area): nothing to say.
        assert_eq!(footprint_note(&rows(0.5, 0.1, 0.9, 900.0)[1..]), None);
    }
}
