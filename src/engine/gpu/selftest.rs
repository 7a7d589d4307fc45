//! Start-up check of the f64 arithmetic the shaders rely on, on the adapter in hand: drivers
//! differ, and some return wrong f64 values without any error (lavapipe's f64 `exp`).

use super::{prelude, GpuContext, GpuError};
use crate::engine::Precision;
use wgpu::util::DeviceExt;

const SHADER: &str = "
@group(0) @binding(0) var<storage, read> xs: array<real>;
@group(0) @binding(1) var<storage, read_write> ys: array<real>;

@compute @workgroup_size(64)
fn selftest_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= arrayLength(&xs)) {
        return;
    }
    let x = xs[i];
    let o = i * 14u;
    ys[o] = rexp(x);
    ys[o + 1u] = rlog(abs(x) + 0.5);
    ys[o + 2u] = sqrt(abs(x));
    ys[o + 3u] = fma(x, x, x);
    ys[o + 4u] = floor(x);
    ys[o + 5u] = round(x * 3.0);
    ys[o + 6u] = length(vec3<real>(x, 2.0 * x, 0.5));
    ys[o + 7u] = clamp(x, -1.0, 1.0) / (abs(x) + 1.0);
    ys[o + 8u] = real(u32(min(abs(x), 4.0e9)));
    ys[o + 9u] = real(i32(clamp(x, -2.0e9, 2.0e9)));
    ys[o + 10u] = dot(vec3<real>(x, 1.0, 2.0), vec3<real>(3.0, x, 0.5));
    ys[o + 11u] = min(x, 0.3) + max(x, -0.7);
    ys[o + 12u] = f64(f32(x));
    let c = cross(vec3<real>(x, 1.0, 2.0), vec3<real>(3.0, x, 0.5));
    ys[o + 13u] = c.x + 3.0 * c.y + 7.0 * c.z;
}
";

/// What each output slot is, and its reference value.
fn reference(x: f64) -> [(&'static str, f64); 14] {
    [
        ("exp (dispersa's f64 routine)", x.exp()),
        ("log (dispersa's f64 routine)", (x.abs() + 0.5).ln()),
        ("sqrt", x.abs().sqrt()),
        ("fma", x.mul_add(x, x)),
        ("floor", x.floor()),
        ("round", (x * 3.0).round_ties_even()),
        ("length", (x * x + 4.0 * x * x + 0.25).sqrt()),
        ("clamp and divide", x.clamp(-1.0, 1.0) / (x.abs() + 1.0)),
        ("f64 -> u32 -> f64 conversion", x.abs().min(4.0e9).trunc()),
        (
            "f64 -> i32 -> f64 conversion",
            x.clamp(-2.0e9, 2.0e9).trunc(),
        ),
        ("dot", 3.0 * x + x + 1.0),
        ("min and max", x.min(0.3) + x.max(-0.7)),
        ("f64 -> f32 -> f64 conversion", x as f32 as f64),
        // cross(a, b) = (1*0.5 - 2x, 2*3 - 0.5x, x*x - 3)
        (
            "cross",
            (0.5 - 2.0 * x) + 3.0 * (6.0 - 0.5 * x) + 7.0 * (x * x - 3.0),
        ),
    ]
}

/// Run the check; Err names the first builtin that is off, with its input and both values.
pub fn check_f64_builtins(ctx: &GpuContext) -> Result<(), GpuError> {
    if !ctx.adapter.shader_f64 {
        return Err(GpuError::Precision(format!(
            "adapter {} does not offer SHADER_F64",
            ctx.adapter.one_line()
        )));
    }
    let mut xs: Vec<f64> = vec![
        0.0,
        1.0,
        -1.0,
        0.5,
        -0.5,
        1e-300,
        2.5,
        -2.5,
        10.0,
        -10.0,
        88.5,
        -88.5,
        300.0,
        -300.0,
        700.0,
        -700.0,
        1e-8,
        7.25,
        12000.0,
        1.2345678901234567,
    ];
    // A deterministic sweep over the ranges the models use.
    for k in 0..236 {
        let u = k as f64 / 235.0;
        xs.push(-700.0 + 1400.0 * u);
        xs.push((u - 0.5) * 40.0 + 1e-3 * k as f64);
    }
    let source = format!("{}\n{}", prelude(Precision::F64), SHADER);
    let pipeline = ctx.pipeline("f64 self-test", &source, "selftest_main", &[])?;
    let input = ctx
        .device
        .create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("self-test inputs"),
            contents: bytemuck::cast_slice(&xs),
            usage: wgpu::BufferUsages::STORAGE,
        });
    let out_size = (xs.len() * 14 * 8) as u64;
    let output = ctx.storage_buffer("self-test outputs", out_size, wgpu::BufferUsages::COPY_SRC);
    let staging = ctx.readback_buffer("self-test staging", out_size);
    let bind = ctx.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("self-test bindings"),
        layout: &pipeline.get_bind_group_layout(0),
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: input.as_entire_binding(),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: output.as_entire_binding(),
            },
        ],
    });
    let groups = (xs.len() as u32).div_ceil(64);
    ctx.queue
        .submit([ctx.dispatch_commands("self-test", &pipeline, &bind, groups)]);
    let bytes = ctx.read_back(&output, &staging, out_size)?;
    ctx.check_errors("running the f64 self-test")?;
    let ys: Vec<f64> = bytemuck::pod_collect_to_vec(&bytes);
    for (i, &x) in xs.iter().enumerate() {
        for (j, (name, want)) in reference(x).iter().enumerate() {
            let got = ys[i * 14 + j];
            // exp/log: a few ulp from range reduction and Horner rounding.
            // fma: some drivers (lavapipe) round the product before the add, 1 ulp off a fused
            // result, which is harmless for the models. The rest are exact.
            let tol = match j {
                0 => 4.0 * f64::EPSILON * want.abs(),
                // log: the Halley correction carries exp's ulp error absolutely, so near
                // x = 1 the bound is absolute (the models take ln of speeds, ~9.4).
                1 => 4.0 * f64::EPSILON * want.abs().max(1.0),
                3 | 10 | 13 => 8.0 * f64::EPSILON * (x * x).abs().max(x.abs()).max(1.0) * 8.0,
                6 | 7 => 2.0 * f64::EPSILON * want.abs(),
                _ => 0.0,
            };
            let ok = (got - want).abs() <= tol || (got == *want);
            if !ok {
                return Err(GpuError::Precision(format!(
                    "adapter {} fails the f64 check: {name}({x:e}) = {got:e}, expected {want:e}; \
                     use --precision f32 or --backend cpu",
                    ctx.adapter.one_line()
                )));
            }
        }
    }
    Ok(())
}
