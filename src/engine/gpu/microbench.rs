//! `dispersa microbench`: operation throughput on the adapter in hand (shaders/microbench.wgsl),
//! to tell where a kernel's time can go: dependent chains of fma, sqrt and divide (latency),
//! interleaved independent chains (throughput), table look-ups with data-dependent indices,
//! exponentials (the f64 `rexp` of the prelude, the f32 builtin), one
//! whole ballistic Euler step, and a workgroup-size sweep. f32 always, f64 when the adapter
//! offers SHADER_F64; the f64 `ldexp` is checked bit for bit against Rust.
//!
//! Method: one invocation per lane; each kernel loops `iters` times over a body of a known
//! number of operations; `iters` is raised until one dispatch takes `target_ms`; then every
//! kernel is timed once per round, rounds interleaved, and the median reported. Time is the
//! wall clock around submit + wait, so it includes the dispatch overhead (well under a
//! millisecond, against dispatches of tens of milliseconds).

use super::{prelude, GpuContext, GpuError};
use crate::engine::Precision;
use std::time::Instant;

const SHADER: &str = include_str!("../../../shaders/microbench.wgsl");
const TABLE_LEN: u32 = 1024;

/// (entry point, what one operation is, operations per loop iteration per lane)
const KERNELS: &[(&str, &str, u32)] = &[
    ("fma_1", "fma, 1 dependent chain", 8),
    ("fma_4", "fma, 4 independent chains", 32),
    ("fma_8", "fma, 8 independent chains", 64),
    ("sqrt_1", "sqrt, 1 dependent chain", 8),
    ("sqrt_4", "sqrt, 4 independent chains", 32),
    ("div_1", "divide, 1 dependent chain", 8),
    ("div_4", "divide, 4 independent chains", 32),
    ("gather_dep", "load, index = floor(last load)", 8),
    ("gather_ind", "load, independent indices", 8),
    ("lerp_dep", "US76-style lerp look-up, dependent", 8),
    ("exp_rexp", "rexp (prelude exp), dependent", 4),
    ("exp_f32", "f32 exp builtin (f64: cast), dependent", 4),
    ("euler_f32exp", "ballistic Euler step, f32 exp", 1),
    ("euler_rexp", "ballistic Euler step, rexp", 1),
];

/// Kernels of the workgroup-size sweep, and the sizes.
const SWEEP_KERNELS: &[&str] = &["fma_4", "lerp_dep", "euler_rexp"];
const SWEEP_SIZES: &[u32] = &[32, 64, 128, 256];

pub struct MicrobenchOptions {
    pub lanes: u32,
    pub repeats: usize,
    pub target_ms: f64,
}

struct Bench<'a> {
    ctx: &'a GpuContext,
    lanes: u32,
    params: wgpu::Buffer,
    table: wgpu::Buffer,
    out: wgpu::Buffer,
}

struct Timed {
    pipeline: wgpu::ComputePipeline,
    bind: wgpu::BindGroup,
    wg: u32,
    iters: u32,
    ops_per_iter: u32,
    seconds: Vec<f64>,
}

impl Timed {
    /// Operations per second (lanes * iters * ops per iteration), median of the rounds.
    fn rate(&self, lanes: u32) -> f64 {
        let mut s = self.seconds.clone();
        s.sort_by(f64::total_cmp);
        let ops = lanes as f64 * self.iters as f64 * self.ops_per_iter as f64;
        ops / s[s.len() / 2]
    }
}

/// Deterministic values in [0, TABLE_LEN - 1): look-up indices after floor, and seeds.
fn table_values() -> Vec<f64> {
    let mut s: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..TABLE_LEN)
        .map(|_| {
            s = s
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (s >> 11) as f64 / (1u64 << 53) as f64 * (TABLE_LEN as f64 - 1.0)
        })
        .collect()
}

impl<'a> Bench<'a> {
    fn new(ctx: &'a GpuContext, precision: Precision, lanes: u32) -> Bench<'a> {
        let rs = super::real_size(precision);
        let params = ctx.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("microbench params"),
            size: 16,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let table = ctx.storage_buffer(
            "microbench table",
            TABLE_LEN as u64 * rs,
            wgpu::BufferUsages::empty(),
        );
        ctx.queue
            .write_buffer(&table, 0, &super::to_real_bytes(&table_values(), precision));
        let out = ctx.storage_buffer(
            "microbench out",
            lanes as u64 * rs,
            wgpu::BufferUsages::COPY_SRC,
        );
        Bench {
            ctx,
            lanes,
            params,
            table,
            out,
        }
    }

    fn prepare(
        &self,
        module: &wgpu::ShaderModule,
        entry: &str,
        wg: u32,
        ops_per_iter: u32,
    ) -> Result<Timed, GpuError> {
        let ctx = self.ctx;
        let scope = ctx.device.push_error_scope(wgpu::ErrorFilter::Validation);
        let pipeline = ctx
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(entry),
                layout: None,
                module,
                entry_point: Some(entry),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants: &[("WG", wg as f64)],
                    ..Default::default()
                },
                cache: None,
            });
        if let Some(e) = pollster::block_on(scope.pop()) {
            return Err(GpuError::Shader(format!("microbench {entry}: {e}")));
        }
        let bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some(entry),
            layout: &pipeline.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: self.params.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: self.table.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: self.out.as_entire_binding(),
                },
            ],
        });
        Ok(Timed {
            pipeline,
            bind,
            wg,
            iters: 1,
            ops_per_iter,
            seconds: Vec::new(),
        })
    }

    /// Seconds for one dispatch of `t` at `iters` iterations: submit and wait.
    fn time(&self, t: &Timed, iters: u32) -> Result<f64, GpuError> {
        let ctx = self.ctx;
        let params = [self.lanes, iters, TABLE_LEN, 1];
        ctx.queue
            .write_buffer(&self.params, 0, bytemuck::cast_slice(&params));
        // Let the parameter upload finish outside the timed interval.
        ctx.queue.submit([]);
        ctx.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| GpuError::Runtime(format!("waiting for the device: {e}")))?;
        let cmd = ctx.dispatch_commands(
            "microbench",
            &t.pipeline,
            &t.bind,
            self.lanes.div_ceil(t.wg),
        );
        let start = Instant::now();
        ctx.queue.submit([cmd]);
        ctx.device
            .poll(wgpu::PollType::wait_indefinitely())
            .map_err(|e| GpuError::Runtime(format!("waiting for the device: {e}")))?;
        let s = start.elapsed().as_secs_f64();
        ctx.check_errors("running a microbenchmark kernel")?;
        Ok(s)
    }

    /// Raise `iters` until one dispatch takes `target` seconds.
    fn calibrate(&self, t: &mut Timed, target: f64) -> Result<(), GpuError> {
        let mut iters = 2u32;
        loop {
            let s = self.time(t, iters)?;
            if s >= target || iters >= 1 << 20 {
                break;
            }
            let factor = (target / s.max(1e-6)).clamp(1.5, 16.0);
            iters = ((iters as f64 * factor).ceil() as u32).min(1 << 20);
        }
        t.iters = iters;
        Ok(())
    }

    /// Calibrate every kernel, then time them in `repeats` interleaved rounds.
    fn measure(&self, set: &mut [Timed], repeats: usize, target: f64) -> Result<(), GpuError> {
        for t in set.iter_mut() {
            self.calibrate(t, target)?;
        }
        for _ in 0..repeats.max(1) {
            for t in set.iter_mut() {
                let s = self.time(t, t.iters)?;
                t.seconds.push(s);
            }
        }
        Ok(())
    }

    /// The output buffer's first `n` values.
    fn read_out(&self, precision: Precision, n: u32) -> Result<Vec<f64>, GpuError> {
        let size = n as u64 * super::real_size(precision);
        let staging = self.ctx.readback_buffer("microbench read-back", size);
        let bytes = self.ctx.read_back(&self.out, &staging, size)?;
        Ok(super::from_real_bytes(&bytes, precision))
    }
}

fn module(ctx: &GpuContext, precision: Precision) -> Result<wgpu::ShaderModule, GpuError> {
    let source = format!("{}\n{}", prelude(precision), SHADER);
    let scope = ctx.device.push_error_scope(wgpu::ErrorFilter::Validation);
    let m = ctx
        .device
        .create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some("microbench"),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
    if let Some(e) = pollster::block_on(scope.pop()) {
        return Err(GpuError::Shader(format!("microbench: {e}")));
    }
    Ok(m)
}

/// x * 2^e, rounded once (the reference for the shader's ldexp).
fn ldexp_ref(x: f64, mut e: i32) -> f64 {
    let pow2 = |e: i32| f64::from_bits(((e + 1023) as u64) << 52);
    let mut y = x;
    while e > 500 {
        y *= pow2(500);
        e -= 500;
    }
    while e < -500 {
        y *= pow2(-500);
        e += 500;
    }
    y * pow2(e)
}

/// Counts of f64 ldexp results that differ from Rust's, by kind of result.
struct LdexpCheck {
    total: usize,
    normal_bad: usize,
    subnormal: usize,
    subnormal_bad: usize,
    overflow: usize,
    overflow_bad: usize,
    first_bad: Option<(f64, i32, f64, f64)>,
}

fn check_ldexp(bench: &Bench, module: &wgpu::ShaderModule) -> Result<LdexpCheck, GpuError> {
    let t = bench.prepare(module, "ldexp_check", 64, 1)?;
    bench.time(&t, 1)?;
    let got = bench.read_out(Precision::F64, bench.lanes)?;
    let table = table_values();
    let mut c = LdexpCheck {
        total: got.len(),
        normal_bad: 0,
        subnormal: 0,
        subnormal_bad: 0,
        overflow: 0,
        overflow_bad: 0,
        first_bad: None,
    };
    for (i, &g) in got.iter().enumerate() {
        let x = table[i & (TABLE_LEN as usize - 1)];
        let e = (i % 2100) as i32 - 1075;
        let want = ldexp_ref(x, e);
        let bad = g.to_bits() != want.to_bits();
        if want.is_infinite() {
            c.overflow += 1;
            c.overflow_bad += bad as usize;
        } else if want != 0.0 && !want.is_normal() || want == 0.0 && x != 0.0 {
            c.subnormal += 1;
            c.subnormal_bad += bad as usize;
        } else {
            c.normal_bad += bad as usize;
        }
        if bad && c.first_bad.is_none() {
            c.first_bad = Some((x, e, g, want));
        }
    }
    Ok(c)
}

fn fmt_rate(r: Option<f64>) -> String {
    match r {
        Some(r) if r >= 1e9 => format!("{:.2} G", r / 1e9),
        Some(r) => format!("{:.1} M", r / 1e6),
        None => "-".into(),
    }
}

/// The most lanes this adapter takes: one dispatch of the smallest swept workgroup, and an f64
/// output buffer within one storage binding.
pub fn max_lanes(ctx: &GpuContext) -> u64 {
    let by_dispatch =
        ctx.limits.max_compute_workgroups_per_dimension as u64 * SWEEP_SIZES[0] as u64;
    let by_binding = ctx.limits.max_storage_buffer_binding_size / 8;
    by_dispatch.min(by_binding)
}

pub fn microbench(ctx: &GpuContext, opts: &MicrobenchOptions) -> Result<(), GpuError> {
    let target = opts.target_ms / 1e3;
    let mut precisions = vec![Precision::F32];
    if ctx.adapter.shader_f64 {
        precisions.push(Precision::F64);
    }
    println!(
        "adapter {} [{}]  SHADER_F64: {}",
        ctx.adapter.one_line(),
        ctx.adapter.device_type,
        if ctx.adapter.shader_f64 { "yes" } else { "no" }
    );
    println!(
        "lanes {}  workgroup 64  dispatches of >= {} ms  median of {} interleaved rounds",
        opts.lanes, opts.target_ms, opts.repeats
    );
    // rates[kernel][precision]
    let mut rates: Vec<Vec<Option<f64>>> = vec![vec![None; 2]; KERNELS.len()];
    let mut sweep: Vec<(Precision, Vec<Vec<f64>>)> = Vec::new();
    let mut ldexp = None;
    for &precision in &precisions {
        let bench = Bench::new(ctx, precision, opts.lanes);
        let m = module(ctx, precision)?;
        let mut set = KERNELS
            .iter()
            .map(|&(entry, _, ops)| bench.prepare(&m, entry, 64, ops))
            .collect::<Result<Vec<_>, _>>()?;
        bench.measure(&mut set, opts.repeats, target)?;
        let col = (precision == Precision::F64) as usize;
        for (k, t) in set.iter().enumerate() {
            rates[k][col] = Some(t.rate(opts.lanes));
        }
        // Workgroup sweep: f64 where offered (the engine's precision), else f32.
        if precision == *precisions.last().expect("f32 at least") {
            let mut set = Vec::new();
            for &entry in SWEEP_KERNELS {
                let ops = KERNELS
                    .iter()
                    .find(|k| k.0 == entry)
                    .expect("known kernel")
                    .2;
                for &wg in SWEEP_SIZES {
                    set.push(bench.prepare(&m, entry, wg, ops)?);
                }
            }
            bench.measure(&mut set, opts.repeats, target)?;
            let rows = set
                .chunks(SWEEP_SIZES.len())
                .map(|c| c.iter().map(|t| t.rate(opts.lanes)).collect())
                .collect();
            sweep.push((precision, rows));
        }
        if precision == Precision::F64 {
            ldexp = Some(check_ldexp(&bench, &m)?);
        }
    }

    println!();
    println!(
        "{:<13} {:<40} {:>10} {:>10} {:>8}",
        "kernel", "operation", "f32 op/s", "f64 op/s", "f32/f64"
    );
    for (k, &(entry, what, _)) in KERNELS.iter().enumerate() {
        let ratio = match (rates[k][0], rates[k][1]) {
            (Some(a), Some(b)) => format!("{:.1}", a / b),
            _ => "-".into(),
        };
        println!(
            "{:<13} {:<40} {:>10} {:>10} {:>8}",
            entry,
            what,
            fmt_rate(rates[k][0]),
            fmt_rate(rates[k][1]),
            ratio
        );
    }
    for (precision, rows) in &sweep {
        println!();
        print!(
            "workgroup size sweep, {} op/s: {:<13}",
            precision.name(),
            "kernel"
        );
        for wg in SWEEP_SIZES {
            print!(" {:>10}", format!("WG {wg}"));
        }
        println!();
        for (entry, row) in SWEEP_KERNELS.iter().zip(rows) {
            print!("{:<43}", entry);
            for r in row {
                print!(" {:>10}", fmt_rate(Some(*r)));
            }
            println!();
        }
    }
    if let Some(c) = ldexp {
        println!();
        println!(
            "f64 ldexp against Rust, {} inputs: {} normal results differ; subnormal {} of {} differ; overflow {} of {} differ{}",
            c.total,
            c.normal_bad,
            c.subnormal_bad,
            c.subnormal,
            c.overflow_bad,
            c.overflow,
            match c.first_bad {
                Some((x, e, g, w)) => format!(" (first: ldexp({x:e}, {e}) = {g:e}, want {w:e})"),
                None => String::new(),
            }
        );
    }
    Ok(())
}
