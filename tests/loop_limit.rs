//! The kernel contract's loop-limit canary (shaders/kernel_contract.wgsl) and the engine's
//! answer to it. On llvmpipe (lavapipe) every invocation, with the other lanes of its SIMD
//! group, has one budget of 65,535 loop iterations for all its loops; a kernel that spends it
//! goes on with wrong values (the adaptive cruise kernel did, on about 1 dispersed sample in
//! 10, until the engine took such dispatches again with fewer steps). GPU tests fail (not
//! skip) without an adapter.

mod common;
use dispersa::config::RawConfig;
use dispersa::engine::gpu::GpuContext;
use dispersa::engine::{PrecisionChoice, Runner};
use dispersa::pipeline::Samples;
use dispersa::scenario::cruise::{Cruise, CruiseConfig, METRICS};
use dispersa::scenario::Scenario;
use wgpu::util::DeviceExt;

/// A kernel that counts `dims.max_steps` loop iterations (a count no compiler can unroll) and
/// then ends as every scenario kernel does.
const KERNEL: &str = "
struct Dims {
    n: u32,
    in_stride: u32,
    max_steps: u32,
    reserved: u32,
};
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(3) var<storage, read_write> counts: array<u32>;

@compute @workgroup_size(8)
fn burn(@builtin(global_invocation_id) gid: vec3<u32>) {
    var count = 0u;
    for (var k = 0u; k < dims.max_steps; k = k + 1u) {
        count = count + 1u;
    }
    counts[gid.x] = count;
    end_invocation(true);
}
";

/// (loop iterations each of the 8 invocations ran, [running, cut short]) for a loop of `trips`.
fn burn(ctx: &GpuContext, pipeline: &wgpu::ComputePipeline, trips: u32) -> (Vec<u32>, [u32; 2]) {
    let dims = ctx
        .device
        .create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("loop limit dims"),
            contents: bytemuck::cast_slice(&[8u32, 0, trips, 0]),
            usage: wgpu::BufferUsages::UNIFORM,
        });
    let counts = ctx.storage_buffer("loop counts", 32, wgpu::BufferUsages::COPY_SRC);
    // As the engine starts every dispatch: [running, cut short, the canary's trips, unused].
    let counters = ctx
        .device
        .create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("loop counters"),
            contents: bytemuck::cast_slice(&[0u32, 0, 2, 0]),
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        });
    let bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("loop limit"),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: dims.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 3,
                resource: counts.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 4,
                resource: counters.as_entire_binding(),
            },
        ],
    });
    ctx.queue
        .submit([ctx.dispatch_commands("burn", pipeline, &bind, 1)]);
    let staging = ctx.readback_buffer("loop counts read-back", 32);
    let c: Vec<u32> =
        bytemuck::pod_collect_to_vec(&ctx.read_back(&counts, &staging, 32).expect("counts"));
    let staging = ctx.readback_buffer("loop counters read-back", 8);
    let k: Vec<u32> =
        bytemuck::pod_collect_to_vec(&ctx.read_back(&counters, &staging, 8).expect("counters"));
    ctx.check_errors("the loop-limit kernel")
        .expect("no device error");
    (c, [k[0], k[1]])
}

/// Every lane of the test's one SIMD group runs the same loop, so the group's budget and each
/// lane's are the same thing here; with mixed lanes a lane that ran short loops of its own is
/// reported with its group (harmless: its dispatch is taken again).
#[test]
fn the_canary_reports_the_invocations_whose_loops_were_cut_short() {
    let ctx = GpuContext::new().unwrap_or_else(|e| {
        panic!("GPU test needs an adapter ({e}); install mesa-vulkan-drivers (lavapipe)")
    });
    let source = format!(
        "{KERNEL}\n{}",
        include_str!("../shaders/kernel_contract.wgsl")
    );
    let pipeline = ctx
        .pipeline("loop limit", &source, "burn", &[])
        .expect("the canary kernel compiles");
    // Well inside any budget: every loop runs to its end, nothing is reported.
    let (counts, [running, cut]) = burn(&ctx, &pipeline, 1000);
    assert_eq!(counts, vec![1000; 8]);
    assert_eq!((running, cut), (8, 0));
    // Beyond llvmpipe's budget: the canary reports an invocation if and only if its loop ran
    // short, on any adapter (on one without a budget, none runs short and none is reported).
    let trips = 100_000;
    let (counts, [running, cut]) = burn(&ctx, &pipeline, trips);
    let short = counts.iter().filter(|&&c| c < trips).count() as u32;
    eprintln!(
        "{}: a loop of {trips} ran {:?} iterations; the canary reported {cut} of 8",
        ctx.adapter.one_line(),
        counts
    );
    assert_eq!(running, 8);
    assert_eq!(
        cut, short,
        "the canary must report the invocations cut short"
    );
    if ctx.adapter.name.contains("llvmpipe") {
        // The finding this guards (Mesa's gallivm, LP_MAX_TGSI_LOOP_ITERATIONS): should a
        // later Mesa lift the budget, the engine's retry becomes dead code, not wrong.
        assert_eq!(counts, vec![65_535; 8], "llvmpipe's loop budget");
    }
}

/// The engine's answer, on a kernel that spends the budget: the adaptive cruise at 100,000
/// loop iterations a dispatch, more than a whole flight's (on llvmpipe it comes down to 1,562).
/// Before the engine took such dispatches again, 2,000 a dispatch left 10 of 64 dispersed
/// samples up to 260 h and 0.8 kg from the CPU reference; taken again, they agree as the
/// shipped 500 a dispatch do.
#[test]
fn a_dispatch_cut_short_is_taken_again_with_fewer_steps() {
    // More than a whole flight's loop iterations (trials and mode evaluations) in a dispatch.
    const START: u32 = 100_000;
    let config = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/configs/tianwen2_cruise_311p.toml"
    );
    let raw = RawConfig::load(std::path::Path::new(config), &[]).expect("config loads");
    let sc = Cruise::new(CruiseConfig::from_raw(&raw).expect("valid config"));
    let n = 32;
    let chunk = Samples::new(&sc, sc.run_config().seed, false)
        .expect("sampler")
        .draw(&sc, 0..n as u64, None);
    let gpu = common::gpu(PrecisionChoice::F64);
    let software = match &gpu {
        dispersa::engine::Engine::Gpu { ctx, .. } => ctx.adapter.name.contains("llvmpipe"),
        _ => false,
    };
    let (g, runner) = common::outputs_with(&gpu, &sc, &chunk.params, &chunk.inputs, |r| {
        if let Runner::Gpu { kernel, .. } = r {
            kernel.set_steps_per_dispatch(START);
        }
    });
    let Runner::Gpu { kernel, .. } = &runner else {
        panic!("a GPU runner was asked for")
    };
    let after = kernel.steps_per_dispatch();
    let cpu = common::cpu();
    let (c, _) = common::outputs_with(&cpu, &sc, &chunk.params, &chunk.inputs, |_| {});
    let metric = |o: &dispersa::scenario::SampleOutputs, name: &str| {
        let k = METRICS
            .iter()
            .position(|(m, _)| *m == name)
            .expect("metric");
        o.metrics[k].unwrap_or(f64::NAN)
    };
    let (mut worst_t, mut worst_p) = (0.0f64, 0.0f64);
    for (x, y) in c.iter().zip(&g) {
        assert_eq!(x.status, y.status, "same status");
        let dt = (metric(x, "final_epoch_mjd_tdb") - metric(y, "final_epoch_mjd_tdb")).abs();
        let dp = (metric(x, "propellant_used_kg") - metric(y, "propellant_used_kg")).abs();
        worst_t = worst_t.max(dt * 1440.0);
        worst_p = worst_p.max(dp);
    }
    eprintln!(
        "{START} loop iterations a dispatch became {after}; {n} cruises GPU vs CPU: end epoch \
         {worst_t:.3} min, propellant {:.4} g",
        worst_p * 1e3
    );
    if software {
        assert!(
            after < 2000,
            "llvmpipe's budget must have cut 2,000 a dispatch short"
        );
        assert!(kernel.dispatches_retaken() > 0, "the retries are counted");
        let note = kernel
            .loop_limit_note("cruise")
            .expect("a note for the user");
        assert!(
            note.contains(&format!("{START} at first, {after} now")),
            "{note}"
        );
    }
    // The bounds of tests/cruise.rs's GPU-vs-CPU comparison (1 min, 1 g; the issue asks 1 h
    // and 10 g): without the retry the worst sample was 260 h and 819 g off.
    assert!(worst_t <= 1.0, "end epochs differ by {worst_t} min");
    assert!(worst_p <= 1e-3, "propellant differs by {} g", worst_p * 1e3);
}

/// The user is told when the loop limit made a run take dispatches again (results unaffected,
/// the run slower), and not otherwise. `DISPERSA_STEPS_PER_DISPATCH` starts the cruise's
/// dispatches at more loop iterations than llvmpipe allows; on an adapter without the limit
/// nothing is cut and the notice must not appear either.
#[test]
fn a_run_says_when_the_loop_limit_made_it_take_dispatches_again() {
    let config = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/configs/tianwen2_cruise_311p.toml"
    );
    let run = |steps: Option<&str>| {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run");
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_dispersa"));
        cmd.args(["run", config, "--samples", "4", "--backend", "gpu", "--out"])
            .arg(&out)
            .env_remove("DISPERSA_STEPS_PER_DISPATCH");
        if let Some(s) = steps {
            cmd.env("DISPERSA_STEPS_PER_DISPATCH", s);
        }
        let o = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr).to_string();
        assert_eq!(o.status.code(), Some(0), "{stderr}");
        assert!(out.join("samples.parquet").exists());
        // The run names its adapter ("wrote ... (4 samples ...; gpu llvmpipe ...)").
        let software = String::from_utf8_lossy(&o.stdout).contains("gpu llvmpipe");
        (software, stderr)
    };
    let (software, forced) = run(Some("100000"));
    assert_eq!(
        forced.contains("started again from its initial states with half the steps"),
        software,
        "{forced}"
    );
    let (_, shipped) = run(None);
    assert!(!shipped.contains("started again"), "{shipped}");
}
