//! Engines: `gpu` (wgpu + shaders/) and `cpu` (the f64 reference). Selection and fallback live
//! here; the engines themselves only propagate rows of inputs to rows of final states.

pub mod cpu;
pub mod gpu;

use crate::scenario::Scenario;
use gpu::{AdapterDescription, GpuContext, GpuError, GpuKernel};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BackendChoice {
    Auto,
    Gpu,
    Cpu,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PrecisionChoice {
    Auto,
    F64,
    F32,
}

pub use crate::wgsl::Precision;

/// Largest chunk the CPU backend takes at once (its states and inputs stay in memory).
pub const MAX_CPU_CHUNK: usize = 65_536;

/// The most bytes of input rows a default chunk on a discrete GPU holds
/// ([`Engine::default_chunk`]).
pub const GPU_CHUNK_INPUT_BYTES: usize = 1 << 30;

/// A discrete GPU's default chunk for input rows of `row_bytes` bytes: the largest power of two
/// from 1,024 to 262,144 whose rows take at most [`GPU_CHUNK_INPUT_BYTES`].
pub fn discrete_gpu_chunk(row_bytes: usize) -> usize {
    let fit = (GPU_CHUNK_INPUT_BYTES / row_bytes.max(1)).clamp(1024, 262_144);
    1 << fit.ilog2()
}

/// A chosen engine, ready to propagate.
pub enum Engine {
    Cpu {
        threads: usize,
    },
    Gpu {
        ctx: Box<GpuContext>,
        precision: Precision,
    },
}

/// What the run metadata records about the engine.
#[derive(Debug, Clone)]
pub struct EngineInfo {
    pub backend: &'static str,
    pub adapter: String,
    pub adapter_backend: String,
    pub driver: String,
    pub precision: Precision,
}

/// A backend and precision asked for on the command line that cannot be honoured for this
/// scenario, as a message for bad input (exit 2): checked before any work. (`auto` precision
/// is never refused: it falls back with a notice.)
pub fn refused_choice(
    backend: BackendChoice,
    precision: PrecisionChoice,
    scenario: &dyn Scenario,
) -> Option<String> {
    if precision != PrecisionChoice::F32 {
        return None;
    }
    if backend == BackendChoice::Cpu {
        return Some(
            "--precision f32: the CPU backend computes in f64 only (it is the f64 reference); \
             drop --precision, or use --backend gpu"
                .into(),
        );
    }
    scenario
        .refuses(Precision::F32)
        .map(|why| format!("--precision f32: {why}; drop --precision (f64 is the default)"))
}

impl Engine {
    /// The f64 CPU reference on every core.
    pub fn cpu() -> Engine {
        Engine::Cpu {
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }

    /// Pick the engine. `notice` receives one-line messages for the user (fallbacks).
    pub fn select(
        backend: BackendChoice,
        precision: PrecisionChoice,
        notice: &mut dyn FnMut(String),
    ) -> Result<Engine, GpuError> {
        let cpu = Engine::cpu;
        if backend == BackendChoice::Cpu {
            return Ok(cpu());
        }
        let ctx = match GpuContext::new() {
            Ok(c) => c,
            Err(e) if backend == BackendChoice::Auto => {
                notice(format!(
                    "warning: {e}; using the CPU backend (f64 reference, slower)"
                ));
                return Ok(cpu());
            }
            Err(e) => return Err(e),
        };
        let precision = match precision {
            PrecisionChoice::F32 => Precision::F32,
            PrecisionChoice::F64 => {
                gpu::check_f64_builtins(&ctx)?;
                Precision::F64
            }
            PrecisionChoice::Auto => match gpu::check_f64_builtins(&ctx) {
                Ok(()) => Precision::F64,
                Err(e) => {
                    notice(format!("warning: {e}; computing in f32"));
                    Precision::F32
                }
            },
        };
        Ok(Engine::Gpu {
            ctx: Box::new(ctx),
            precision,
        })
    }

    /// With `backend` auto, the CPU engine in place of a GPU one that the scenario refuses, or
    /// of a software adapter that the scenario runs slower than the CPU engine (the reason goes
    /// to `notice`); otherwise the engine as it is.
    pub fn fitting(
        self,
        backend: BackendChoice,
        scenario: &dyn Scenario,
        notice: &mut dyn FnMut(String),
    ) -> Engine {
        if let Engine::Gpu { ctx, precision } = &self {
            if backend == BackendChoice::Auto {
                let why = scenario.refuses(*precision).or_else(|| {
                    ctx.adapter
                        .is_software()
                        .then(|| scenario.slower_on_software_adapters())
                        .flatten()
                });
                if let Some(why) = why {
                    notice(format!("note: {why}; using the CPU backend"));
                    return Engine::cpu();
                }
            }
        }
        self
    }

    /// Samples per chunk of `scenario` when the config sets none. On a discrete GPU the
    /// largest power of two up to 262,144 whose input rows take at most
    /// [`GPU_CHUNK_INPUT_BYTES`]: enough samples to fill the device,
    /// few enough bytes that the host's copies of a chunk stay cheap (docs/PERFORMANCE.md, "The
    /// H200 again": tianwen2's 9.4 KB rows ran at 111,000/s in chunks of 65,536,
    /// against 80,000/s in chunks of 262,144). On CPU-like adapters (lavapipe, the CPU
    /// backend) small enough for a progress bar that moves every few seconds (a chunk's
    /// samples finish together).
    pub fn default_chunk(&self, scenario: &dyn Scenario) -> usize {
        match self {
            Engine::Gpu { ctx, precision } if !ctx.adapter.is_software() => {
                discrete_gpu_chunk(scenario.input_len() * gpu::real_size(*precision) as usize)
            }
            _ => 1024,
        }
    }

    pub fn info(&self) -> EngineInfo {
        match self {
            Engine::Cpu { threads } => EngineInfo {
                backend: "cpu",
                adapter: format!("CPU reference ({threads} threads)"),
                adapter_backend: "cpu".into(),
                driver: "rust".into(),
                precision: Precision::F64,
            },
            Engine::Gpu { ctx, precision } => {
                let a: &AdapterDescription = &ctx.adapter;
                EngineInfo {
                    backend: "gpu",
                    adapter: a.name.clone(),
                    adapter_backend: a.backend.clone(),
                    driver: a.driver.clone(),
                    precision: *precision,
                }
            }
        }
    }

    /// A runner for `scenario` with room for `chunk` samples per call (clamped to what the
    /// adapter allows); returns the runner and the chunk size it accepts.
    pub fn runner<'a>(
        &'a self,
        scenario: &dyn Scenario,
        chunk: usize,
    ) -> Result<(Runner<'a>, usize), GpuError> {
        match self {
            // The CPU keeps every state of a chunk in memory: cap the chunk.
            Engine::Cpu { threads } => {
                Ok((Runner::Cpu { threads: *threads }, chunk.min(MAX_CPU_CHUNK)))
            }
            Engine::Gpu { ctx, precision } => {
                if let Some(why) = scenario.refuses(*precision) {
                    return Err(GpuError::Precision(format!(
                        "{} at {}: {why}",
                        scenario.kind(),
                        precision.name()
                    )));
                }
                let chunk = chunk
                    .min(GpuKernel::max_chunk(ctx, scenario, *precision))
                    .max(1);
                let kernel = GpuKernel::new(ctx, scenario, *precision, chunk)?;
                Ok((
                    Runner::Gpu {
                        ctx,
                        kernel: Box::new(kernel),
                    },
                    chunk,
                ))
            }
        }
    }
}

/// An engine bound to a scenario, ready to propagate chunks.
pub enum Runner<'a> {
    Cpu {
        threads: usize,
    },
    Gpu {
        ctx: &'a GpuContext,
        kernel: Box<GpuKernel>,
    },
}

impl Runner<'_> {
    /// Final state rows of `n` samples whose input rows are `inputs`.
    pub fn propagate(
        &mut self,
        scenario: &dyn Scenario,
        inputs: &[f64],
        n: usize,
        progress: &dyn Fn(u64),
    ) -> Result<Vec<f64>, GpuError> {
        match self {
            Runner::Cpu { threads } => Ok(cpu::propagate(scenario, inputs, n, *threads, progress)),
            Runner::Gpu { ctx, kernel } => kernel.propagate(ctx, scenario, inputs, n, progress),
        }
    }

    /// What the user should know of how the chunks ran (the GPU kernel's loop-limit retries),
    /// once the run is over.
    pub fn note(&self, scenario: &dyn Scenario) -> Option<String> {
        match self {
            Runner::Cpu { .. } => None,
            Runner::Gpu { kernel, .. } => kernel.loop_limit_note(scenario.kind()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::discrete_gpu_chunk;

    /// The chunks measured on an H200: tianwen2's f64 rows (1,176 values, 9,408 bytes) in
    /// chunks of 65,536; a ballistic row (tens of values) in the largest, 262,144; a row too
    /// large for 1,024 in 1 GiB still gets 1,024.
    #[test]
    fn discrete_gpu_chunks_follow_the_row_size() {
        assert_eq!(discrete_gpu_chunk(1176 * 8), 65_536);
        assert_eq!(discrete_gpu_chunk(1176 * 4), 131_072);
        assert_eq!(discrete_gpu_chunk(40 * 8), 262_144);
        assert_eq!(discrete_gpu_chunk(4 << 20), 1024);
        assert_eq!(discrete_gpu_chunk(0), 262_144);
    }
}
