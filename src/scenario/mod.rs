//! Scenarios: typed, validated descriptions of what to propagate, and everything the scenario-free
//! machine (sampler, engines, statistics, Parquet) needs to know about them. Adding a scenario is
//! implementing [`Scenario`]: a config, a shader, its f64 CPU twin, and its output columns.

pub mod cruise;
pub mod reentry;

use crate::config::{CorrelatedConfig, Dispersions, RunConfig};
use crate::wgsl::Precision;

/// One sample's outputs: a status (index into [`Scenario::status_names`]) and one value per
/// metric, `None` where the metric has no value for that status.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleOutputs {
    pub status: u32,
    pub metrics: Vec<Option<f64>>,
    /// A failed sample that had no flight because its inputs leave none, which is itself an
    /// outcome a probability counts ([`Probability::StatusOrNoFlight`]): a B-plane delivery
    /// whose hyperbola passes above the entry interface, never captured
    /// ([`Scenario::no_flight_reason`] is its `failure_reason`).
    pub no_flight: bool,
}

/// A probability reported in summary.parquet with its Wilson interval, over the samples whose
/// status is not failed.
#[derive(Debug, Clone)]
pub enum Probability {
    /// Fraction of samples with this status.
    Status { name: &'static str, status: u32 },
    /// Fraction of samples whose metric exceeds `limit`.
    Above {
        name: &'static str,
        metric: usize,
        limit: f64,
    },
    /// Fraction of samples whose metric is at most `limit` (a null counts as not).
    AtMost {
        name: &'static str,
        metric: usize,
        limit: f64,
    },
    /// Fraction of samples with this status or with no flight
    /// ([`SampleOutputs::no_flight`]), over the samples that did not fail and those with no
    /// flight: P(no capture), skip-outs and deliveries that never reach the atmosphere.
    StatusOrNoFlight { name: &'static str, status: u32 },
}

impl Probability {
    /// Its row's name in summary.parquet.
    pub fn name(&self) -> &'static str {
        match *self {
            Probability::Status { name, .. }
            | Probability::StatusOrNoFlight { name, .. }
            | Probability::Above { name, .. }
            | Probability::AtMost { name, .. } => name,
        }
    }

    /// Whether sample `o` has the event.
    pub fn hit(&self, o: &SampleOutputs) -> bool {
        match *self {
            Probability::Status { status, .. } => o.status == status,
            Probability::StatusOrNoFlight { status, .. } => o.no_flight || o.status == status,
            Probability::Above { metric, limit, .. } => {
                o.metrics[metric].is_some_and(|x| x > limit)
            }
            Probability::AtMost { metric, limit, .. } => {
                o.metrics[metric].is_some_and(|x| x <= limit)
            }
        }
    }
}

/// The status of a flight the integrator's time limit stopped, in every scenario: its values are
/// of the flight so far.
pub const TIMEOUT: &str = "timeout";

/// The `failure_reason` of a sample whose inputs were in range but whose state became
/// non-finite (or whose integration could not go on) in flight.
pub const FAILED_IN_FLIGHT: &str = "non-finite state in flight";

/// What [`Scenario::summary_notes`] reads of a summary.parquet row.
#[derive(Clone, Copy, Debug, Default)]
pub struct RowSummary {
    pub count: u64,
    pub min: Option<f64>,
    pub p50: Option<f64>,
}

/// [`crate::sampling::off_centre_notes`] on a scenario's own dispersions and nominal values.
pub fn off_centre_notes(sc: &dyn Scenario, skip: impl Fn(&str) -> bool) -> Vec<String> {
    let (dispersions, correlated) = sc.dispersions();
    crate::sampling::off_centre_notes(
        dispersions,
        correlated,
        sc.param_names(),
        sc.nominal(),
        skip,
    )
}

/// The samples.parquet (and sensitivity.parquet) column of a dispersed parameter's dotted
/// path: `entry.longitude_deg` -> `entry_longitude_deg`.
pub fn column_name(path: &str) -> String {
    path.replace('.', "_")
}

/// The `failure_reason` of a sample failed before any engine, from `Scenario::unphysical`'s
/// reason.
pub fn unphysical_input(why: &str) -> String {
    format!("unphysical input: {why}")
}

pub trait Scenario: Sync {
    /// `run.scenario` name, recorded in the metadata.
    fn kind(&self) -> &'static str;
    fn run_config(&self) -> &RunConfig;
    fn dispersions(&self) -> (&Dispersions, &[CorrelatedConfig]);
    /// Dotted paths of every dispersable scalar, and their nominal values (NaN: unused).
    fn param_names(&self) -> &[&'static str];
    fn nominal(&self) -> &[f64];
    /// Extra standard normals each sample draws after its dispersions (perturbation profiles).
    fn n_normals(&self) -> usize;
    /// The random parts of a sample that are not input columns, as the config has them (for
    /// the report's captions): empty when there are none.
    fn unlisted_randomness(&self) -> Vec<&'static str>;

    /// Length of a sample's input row.
    fn input_len(&self) -> usize;
    /// Fill sample `index`'s input row, every value of it (a run packs rows into buffers that
    /// held an earlier chunk's: `Samples::draw_reusing`); `normals` is None for the
    /// undispersed nominal run.
    /// Parameters the scenario derives from others (see `derived_params`) are written into
    /// `params` first.
    fn pack_input(
        &self,
        seed: u64,
        index: u64,
        params: &mut [f64],
        normals: Option<&[f64]>,
        row: &mut [f64],
    );
    /// Parameters that `pack_input` derives from the sampled ones (indices into
    /// `param_names`), written as input columns after the dispersed ones.
    fn derived_params(&self) -> Vec<usize> {
        Vec::new()
    }
    /// Parameters that no dispersion may set (indices into `param_names`), though they have a
    /// nominal value: the derived ones, constants that the config's model fixes, and values
    /// its models never read. The config refuses their dispersion; a misspelt path's message
    /// leaves them out of the list of dispersable parameters.
    fn fixed_params(&self) -> Vec<usize> {
        self.derived_params()
    }
    /// The config key that disperses the derived parameters' inputs besides `[dispersions]`
    /// (a B-plane delivery's covariance), for a message about draws that all fail.
    fn derived_dispersion_key(&self) -> Option<&'static str> {
        None
    }
    /// Outputs that the configuration fixes to one value, whose spread is then the
    /// integrator's tolerance alone (the drogue's Mach number at a Mach trigger with no delay:
    /// 1.5 within 6e-5 over 1,000 samples in f64). They get no sensitivity rows: ranked and regressed,
    /// that noise read as small sensitivities to every input.
    fn fixed_outputs(&self) -> Vec<&'static str> {
        Vec::new()
    }
    /// What a run of this config should know before it flies, printed as notes: settings that
    /// are valid but limit what the outputs mean.
    fn run_notes(&self) -> Vec<String> {
        Vec::new()
    }
    /// What a run of this config in `precision` should know of it, printed as notes (a tolerance
    /// the precision cannot fly, raised to its floor).
    fn precision_notes(&self, _precision: Precision) -> Vec<String> {
        Vec::new()
    }
    /// What a finished run (or merge) of this config should say of its outcome, from the
    /// summary: `row(name)` is summary.parquet's row of a metric or a `status_*` count (count
    /// 0 and no values where there is none).
    fn summary_notes(&self, _row: &dyn Fn(&str) -> RowSummary) -> Vec<String> {
        Vec::new()
    }
    fn state_len(&self) -> usize;
    fn initial_state(&self, input: &[f64], state: &mut [f64]);
    /// The f64 CPU reference: advance one sample by at most `max_steps`; true when finished.
    fn advance_cpu(&self, input: &[f64], state: &mut [f64], max_steps: u64) -> bool;

    /// Model constants and tables shared by all samples (binding 1 of the kernel).
    fn consts(&self) -> &[f64];
    /// The kernel's WGSL (prelude, layout, models, entry point) for a precision.
    fn gpu_source(&self, precision: Precision) -> String;
    /// The stepping pass's entry point, dispatched until no sample runs.
    fn gpu_entry(&self) -> &'static str;
    /// The finishing pass's entry point, dispatched once after the stepping pass, if any.
    fn gpu_finish_entry(&self) -> Option<&'static str> {
        None
    }
    /// Uniform words after the common header [n, in_stride, max_steps, reserved].
    fn gpu_dims(&self) -> Vec<u32>;
    /// Override constants of the kernel (model switches, table sizes), besides `WG`.
    fn gpu_overrides(&self) -> Vec<(&'static str, f64)> {
        Vec::new()
    }
    /// Steps each invocation takes per dispatch.
    fn steps_per_dispatch(&self) -> u32;
    /// The fewest loop iterations a dispatch may have and still make progress (the engine
    /// lowers the count when the driver's loop limit cuts a dispatch short, down to this).
    fn min_steps_per_dispatch(&self) -> u32 {
        1
    }

    /// Output columns after the dispersed inputs: name and unit.
    fn metrics(&self) -> &[(&'static str, &'static str)];
    fn status_names(&self) -> &[&'static str];
    fn failed_status(&self) -> u32;
    /// Whether a sample that did not fail has an outcome for probability `p` (one of
    /// [`Scenario::probabilities`]): one whose flight was stopped before it was known is left
    /// out of that probability's denominator, as a failed one is, and its `min` and `max` bound it
    /// over such flights. True by default. The cruise's timeouts: open for running dry, and for a
    /// deadline the limit ends before unless the event came first. The reentry's timeouts: a
    /// 150 s limit on a -5.5 deg entry read
    /// P(skip-out) 0 where 0.9 skip out (a review), and leaving every timeout out biased the
    /// opening loads' probabilities, whose slow descents time out with their canopies open and
    /// their loads known (a second review).
    fn decided(&self, _p: &Probability, _o: &SampleOutputs) -> bool {
        true
    }
    /// Whether a flight's outputs enter sensitivity.parquet: not a failed one's, and a
    /// timeout's only where its values are those of the whole flight. By default no timeout's:
    /// the cruise's propellant tornado ranked the unfinished flights' propellant beside the
    /// arrivals' (a cruise analyst's trial).
    fn in_sensitivities(&self, o: &SampleOutputs) -> bool {
        o.status != self.failed_status() && self.status_names()[o.status as usize] != TIMEOUT
    }
    /// The `failure_reason` of a sample with no flight ([`SampleOutputs::no_flight`]), where
    /// this config can have such samples: how results read back from the files find them.
    fn no_flight_reason(&self) -> Option<String> {
        None
    }
    fn outputs(&self, params: &[f64], state: &[f64]) -> SampleOutputs;
    fn probabilities(&self) -> Vec<Probability>;
    /// Metric indices of landing latitude and longitude, for the 99.73% footprint ellipse.
    fn footprint(&self) -> Option<(usize, usize)>;
    /// The aim point (latitude, longitude) [deg]: a second footprint ellipse about it.
    fn target(&self) -> Option<(f64, f64)> {
        None
    }
    /// Why a sample with these parameters is failed before any engine (a parameter outside
    /// its physical range), if it is: for the `failure_reason` column.
    fn unphysical(&self, _params: &[f64]) -> Option<String> {
        None
    }
    /// Why a sample whose inputs were in range failed in flight, from its final state, where
    /// the scenario can say more than "non-finite state in flight".
    fn failed_in_flight(&self, _state: &[f64]) -> Option<String> {
        None
    }
    /// [`Self::failed_in_flight`] for the `failure_reason` column, where the sample's
    /// parameters `params` may say why more precisely.
    fn failed_in_flight_with(&self, _params: &[f64], state: &[f64]) -> Option<String> {
        self.failed_in_flight(state)
    }
    /// Text columns derived from epoch metrics: (column name, metric index of an MJD TDB);
    /// written as ISO 8601 after the numeric outputs.
    fn iso_epochs(&self) -> &[(&'static str, usize)] {
        &[]
    }
    /// Why this scenario cannot be computed at `precision`, if it cannot.
    fn refuses(&self, _precision: Precision) -> Option<String> {
        None
    }
    /// Why the auto backend runs this scenario on the CPU engine rather than on a software
    /// adapter (lavapipe), if it does: measured slower there.
    fn slower_on_software_adapters(&self) -> Option<String> {
        None
    }
    /// Scenario-specific provenance for the Parquet key-value metadata, of a run at
    /// `precision`.
    fn metadata(&self, precision: Precision) -> Vec<(String, String)>;
}

/// The index of `name` in `names`, evaluated at compile time where used in a `const`: a name
/// not in the list fails the build (the scenarios' `P_*` parameter indices, by path).
pub const fn index_of(names: &[&str], name: &str) -> usize {
    let mut i = 0;
    while i < names.len() {
        let (a, b) = (names[i].as_bytes(), name.as_bytes());
        if a.len() == b.len() {
            let mut k = 0;
            while k < a.len() && a[k] == b[k] {
                k += 1;
            }
            if k == a.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("no such name in the list")
}

/// The names of a scenario's output columns, `(name, unit)` pairs, for [`index_of`] in a
/// `const`: each column's index by its name.
pub const fn column_names<const N: usize>(
    columns: &[(&'static str, &'static str); N],
) -> [&'static str; N] {
    let mut names = [""; N];
    let mut i = 0;
    while i < N {
        names[i] = columns[i].0;
        i += 1;
    }
    names
}
