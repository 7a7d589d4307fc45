//! trajectories.parquet: the time histories of the flights a report flies again on the f64 CPU
//! reference, one row a recorded point, each scenario's own columns (`flights.rs` fills the
//! reentry's, `cruise.rs` the cruise's).

use crate::output::{field, write_table, OutputError};
use arrow_array::{ArrayRef, Float64Array, Int64Array, StringArray};
use arrow_schema::{DataType, Schema};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// The report's file of the flights' time histories.
pub const TRAJECTORIES: &str = "trajectories.parquet";

/// The rows of trajectories.parquet as they are recorded: the flight's label, its row of
/// samples.parquet (None: the nominal of a dispersed run) and how it ended (its `status`, as
/// samples.parquet names it), then the scenario's numbers (name, unit) and texts.
pub struct TrackTable {
    /// What a row is, for the report's facts ("four a kept step").
    pub rows_are: &'static str,
    labels: Vec<String>,
    samples: Vec<Option<i64>>,
    statuses: Vec<String>,
    floats: Vec<(&'static str, &'static str, Vec<f64>)>,
    texts: Vec<(&'static str, Vec<&'static str>)>,
}

impl TrackTable {
    pub fn new(
        rows_are: &'static str,
        floats: &[(&'static str, &'static str)],
        texts: &[&'static str],
    ) -> Self {
        TrackTable {
            rows_are,
            labels: Vec::new(),
            samples: Vec::new(),
            statuses: Vec::new(),
            floats: floats.iter().map(|&(n, u)| (n, u, Vec::new())).collect(),
            texts: texts.iter().map(|&n| (n, Vec::new())).collect(),
        }
    }

    /// One point of flight `label`, which ended `status`: a number for each float column and a
    /// text for each text column, in their order.
    pub fn push(
        &mut self,
        label: &str,
        sample: Option<usize>,
        status: &str,
        floats: &[f64],
        texts: &[&'static str],
    ) {
        assert_eq!(floats.len(), self.floats.len(), "a value a number column");
        assert_eq!(texts.len(), self.texts.len(), "a value a text column");
        self.labels.push(label.to_string());
        self.samples.push(sample.map(|k| k as i64));
        self.statuses.push(status.to_string());
        for (c, v) in self.floats.iter_mut().zip(floats) {
            c.2.push(*v);
        }
        for (c, v) in self.texts.iter_mut().zip(texts) {
            c.1.push(v);
        }
    }

    pub fn rows(&self) -> usize {
        self.labels.len()
    }

    /// How many flights (labels) the rows hold.
    pub fn flights(&self) -> usize {
        let mut n = 0;
        let mut last: Option<&String> = None;
        for l in &self.labels {
            if last != Some(l) {
                n += 1;
                last = Some(l);
            }
        }
        n
    }

    /// Write the table to `path`, each number with its unit, with `metadata`.
    pub fn write(&self, path: &Path, metadata: &[(String, String)]) -> Result<(), OutputError> {
        let mut fields = vec![
            field("trajectory", DataType::Utf8, false, None),
            field("sample", DataType::Int64, true, None),
            field("status", DataType::Utf8, false, None),
        ];
        let mut cols: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(self.labels.clone())),
            Arc::new(Int64Array::from(self.samples.clone())),
            Arc::new(StringArray::from(self.statuses.clone())),
        ];
        for (name, unit, values) in &self.floats {
            fields.push(field(name, DataType::Float64, false, Some(unit)));
            cols.push(Arc::new(Float64Array::from(values.clone())));
        }
        for (name, values) in &self.texts {
            fields.push(field(name, DataType::Utf8, false, None));
            cols.push(Arc::new(StringArray::from(values.clone())));
        }
        write_table(path, Arc::new(Schema::new(fields)), cols, metadata)
    }
}

/// trajectories.parquet's key-value metadata: the run's config, overrides, scenario and seed
/// (what was flown again), the run's build, sample count and engine (`dispersa.run_*`), and
/// this build and the engine that flew it again (the f64 CPU reference).
pub fn metadata(run: &HashMap<String, String>, source: &Path) -> Vec<(String, String)> {
    let kept = [
        "dispersa.scenario",
        "dispersa.config",
        "dispersa.config_overrides",
        "dispersa.seed",
    ];
    let mut m: Vec<(String, String)> = kept
        .iter()
        .filter_map(|k| run.get(*k).map(|v| (k.to_string(), v.clone())))
        .collect();
    // The run's own build and engine beside this one's, under `dispersa.run_*`: a report made
    // by another build than the run's could not be told from the file (a notebook user's trial).
    for k in [
        "version",
        "git_commit",
        "samples",
        "nominal",
        "backend",
        "adapter",
        "precision",
    ] {
        if let Some(v) = run.get(&format!("dispersa.{k}")) {
            m.push((format!("dispersa.run_{k}"), v.clone()));
        }
    }
    for (k, v) in [
        ("dispersa.version", env!("CARGO_PKG_VERSION")),
        ("dispersa.git_commit", env!("DISPERSA_GIT_COMMIT")),
        ("dispersa.backend", "cpu"),
        ("dispersa.adapter", "f64 CPU reference (dispersa report)"),
        ("dispersa.precision", "f64"),
    ] {
        m.push((k.to_string(), v.to_string()));
    }
    m.push(("dispersa.source".to_string(), source.display().to_string()));
    m
}
