//! The kernel contract's loop-limit canary (shaders/kernel_contract.wgsl): it reports an
//! invocation whose loops the driver cut short, and only such an invocation. On llvmpipe
//! (lavapipe) every invocation has one budget of 65,535 loop iterations for all its loops; a
//! kernel that spends it goes on with wrong values (the adaptive cruise kernel did, on about 1
//! dispersed sample in 10, until the engine took such dispatches again with fewer steps).

use dispersa::engine::gpu::GpuContext;
use wgpu::util::DeviceExt;

/// A kernel that counts `dims.max_steps` loop iterations (a count no compiler can unroll) and
/// then ends as every scenario kernel does.
const KERNEL: &str = "
struct Dims {
    n: u32,
    in_stride: u32,
    max_steps: u32,
    canary: u32,
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
            contents: bytemuck::cast_slice(&[8u32, 0, trips, 2]),
            usage: wgpu::BufferUsages::UNIFORM,
        });
    let counts = ctx.storage_buffer("loop counts", 32, wgpu::BufferUsages::COPY_SRC);
    let counters = ctx.storage_buffer("loop counters", 8, wgpu::BufferUsages::COPY_SRC);
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

#[test]
fn the_canary_reports_exactly_the_invocations_whose_loops_were_cut_short() {
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
    // short, on any adapter.
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
