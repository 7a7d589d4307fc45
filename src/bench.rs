//! `dispersa bench`: trajectories per second for each available backend and precision, on the
//! same sampled inputs, measured side by side in one process (median of the repeats).

use crate::engine::{BackendChoice, Engine, PrecisionChoice};
use crate::run::{execute, prepare, RunError, RunOptions};
use std::path::Path;

/// The default configs benchmarked when none is named, with their default sample counts.
pub const DEFAULT_BENCH: [(&str, u64); 2] = [
    ("configs/tianwen2_reentry.toml", 4000),
    ("configs/tianwen2_cruise_311p.toml", 500),
];

pub fn bench_all(
    config: Option<&Path>,
    samples: Option<u64>,
    repeats: usize,
    backends: BackendChoice,
) -> Result<(), RunError> {
    match config {
        Some(c) => bench(c, samples.unwrap_or(2000), repeats, backends),
        None => {
            for (c, n) in DEFAULT_BENCH {
                // From the repository root, or from where this binary was built (an installed
                // one run elsewhere).
                let built = Path::new(env!("CARGO_MANIFEST_DIR")).join(c);
                let path = if Path::new(c).is_file() {
                    Path::new(c).to_path_buf()
                } else if built.is_file() {
                    built
                } else {
                    return Err(crate::config::ConfigError::Cli(format!(
                        "dispersa bench without --config measures the shipped {c}, which is not \
                         under the working directory: run it from the repository root, or pass \
                         --config"
                    ))
                    .into());
                };
                bench(&path, samples.unwrap_or(n), repeats, backends)?;
                say!();
            }
            Ok(())
        }
    }
}

/// `backends`: which engines are measured; `Auto` is all of them (a GPU engine that cannot be
/// had is noted and skipped), `Gpu` the GPU's two precisions (an error where there is no
/// adapter), `Cpu` the CPU reference alone.
pub fn bench(
    config: &Path,
    samples: u64,
    repeats: usize,
    backends: BackendChoice,
) -> Result<(), RunError> {
    let out = std::env::temp_dir().join(format!("dispersa-bench-{}", std::process::id()));
    let opts = RunOptions {
        config: config.to_path_buf(),
        samples: Some(samples),
        seed: None,
        out: Some(out.clone()),
        backend: BackendChoice::Auto,
        precision: PrecisionChoice::Auto,
        sets: vec![],
        nominal: false,
        force: true,
        quiet: true,
        resume: false,
        shard: None,
    };
    let prep = prepare(&opts)?;
    let mut engines = Vec::new();
    let mut notice = crate::run::stderr_notice;
    if backends != BackendChoice::Cpu {
        for p in [PrecisionChoice::F64, PrecisionChoice::F32] {
            match Engine::select(BackendChoice::Gpu, p, &mut notice) {
                Ok(e) => engines.push(e),
                Err(e) if backends == BackendChoice::Auto => {
                    eprintln!("dispersa: warning: skipping gpu {p:?}: {e}")
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    if backends != BackendChoice::Gpu {
        engines.push(Engine::select(
            BackendChoice::Cpu,
            PrecisionChoice::Auto,
            &mut notice,
        )?);
    }
    say!("config {}  samples {samples}  repeats {repeats} (median; includes building the kernel, sampling, Parquet output and statistics)", config.display());
    say!("host share: the part of the wall time spent neither building the kernel nor propagating");
    say!("draw, write, gather us: the sampling, writing (Parquet) and gathering (in-flight statistics, GPU engines) stages' busy time a trajectory, each on a thread beside the propagation; the host feeds no engine faster than 1e6 / the largest of the three trajectories a second");
    say!(
        "{:<7} {:<9} {:>10} {:>10} {:>8} {:>8} {:>8} {:>9}  adapter",
        "backend",
        "precision",
        "traj/s",
        "host share",
        "build s",
        "draw us",
        "write us",
        "gather us"
    );
    // Rows whose kernel build is a third or more of their wall time: at this sample count their
    // rate ranks the build, paid once a run, more than the propagation (1,000 samples put the
    // GPU below the CPU engine on lavapipe, unsaid: a review-package trial).
    let mut build_bound = Vec::new();
    for engine in &engines {
        let refused = match engine {
            Engine::Gpu { precision, .. } => prep.scenario.refuses(*precision),
            Engine::Cpu { .. } => None,
        };
        if let Some(why) = refused {
            say!(
                "{:<7} {:<9} {:>10} {:>10} {:>8} {:>8} {:>8} {:>9}  {why}",
                engine.info().backend,
                engine.info().precision.name(),
                "-",
                "-",
                "-",
                "-",
                "-",
                "-"
            );
            continue;
        }
        let mut rates = Vec::new();
        let mut host = Vec::new();
        let mut build = Vec::new();
        let (mut draw, mut write, mut gather) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..repeats.max(1) {
            let report = execute(&prep, engine, true)?;
            rates.push(samples as f64 / report.seconds);
            host.push(1.0 - (report.propagate_seconds + report.build_seconds) / report.seconds);
            build.push(report.build_seconds);
            draw.push(1e6 * report.sample_seconds / samples as f64);
            write.push(1e6 * report.write_seconds / samples as f64);
            gather.push(1e6 * report.gather_seconds / samples as f64);
        }
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let info = engine.info();
        // The CPU engine builds no kernel and gathers nothing beside the propagation: "-", as
        // the README's table has it, not a measured 0.00.
        let gpu = matches!(engine, Engine::Gpu { .. });
        let (rate, built) = (median(rates), median(build.clone()));
        if gpu && built * rate >= samples as f64 / 3.0 {
            build_bound.push(format!(
                "{} {} (build {built:.2} s of {:.2} s)",
                info.backend,
                info.precision.name(),
                samples as f64 / rate
            ));
        }
        let shown = |v: Vec<f64>| {
            if gpu {
                format!("{:.2}", median(v))
            } else {
                "-".to_string()
            }
        };
        say!(
            "{:<7} {:<9} {:>10.0} {:>9.1}% {:>8} {:>8.2} {:>8.2} {:>9}  {} [{}] {}",
            info.backend,
            info.precision.name(),
            rate,
            100.0 * median(host),
            shown(build),
            median(draw),
            median(write),
            shown(gather),
            info.adapter,
            info.adapter_backend,
            info.driver
        );
    }
    if !build_bound.is_empty() {
        say!(
            "note: building the kernel is a third or more of the wall time of {}: at {samples} \
             samples these rates rank the build, paid once a run, more than the propagation; \
             compare engines with more --samples",
            build_bound.join(", ")
        );
    }
    let _ = std::fs::remove_dir_all(&out);
    Ok(())
}
