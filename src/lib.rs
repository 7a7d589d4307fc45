//! dispersa: GPU-accelerated Monte Carlo dispersion analysis for spacecraft trajectories.
//!
//! Data flow, one module each: `config` (TOML) -> `scenario` (typed, validated) -> `sampling`
//! (per-sample inputs) -> `pipeline` (draw, pack) -> `engine` (`gpu` | `cpu`, running the
//! scenarios' kernels and CPU twins, which step with `integrator`) -> the scenario's outputs -> `output` (Parquet
//! part files) -> `dataset` (the written samples read back) -> `stats` -> `output` (summary and
//! sensitivity) -> `report` (figures and report.html from the Parquet). `run` orchestrates
//! (durable part files, resume, shards), `merge` joins shards, `corridor` sweeps the entry
//! angle, `target` aims the entry, `physics` holds the host-side models, `bench` measures,
//! `cli` is the command line.

/// `println!` that ignores a closed or full stdout: what a command writes there is a summary of
/// outputs already on disk, and a reader that went away (`| head`) is no failure of the run.
macro_rules! say {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($t)*);
    }};
}

pub mod bench;
pub mod cli;
pub mod config;
pub mod corridor;
pub mod dataset;
pub mod engine;
pub mod integrator;
pub mod interrupt;
pub mod merge;
pub mod output;
pub mod physics;
pub mod pipeline;
pub mod report;
pub mod run;
pub mod sampling;
pub mod scenario;
pub mod stats;
pub mod target;
pub mod wgsl;
