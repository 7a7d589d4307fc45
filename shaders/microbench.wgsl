// Microbenchmark kernels for `dispersa microbench`: one invocation per lane, a loop of
// `params.iters` iterations with a fixed number of operations in its body (unrolled by hand so
// the loop's own cost is small), the result written out so nothing is optimised away. Written
// in `real` (the precision prelude comes first) so the same kernels run in f32 and f64.
// Every entry point touches all three bindings, so one automatic layout serves them all.

struct Params {
    lanes: u32,
    iters: u32,
    table_len: u32, // a power of two
    one: u32,       // 1: a look-up spacing the compiler cannot fold
};

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> table: array<real>;
@group(0) @binding(2) var<storage, read_write> out: array<real>;

override WG: u32 = 64;

// Per-lane inputs from the table: runtime values the compiler cannot fold.
fn seed(i: u32, k: u32) -> real {
    return table[(i * 7u + k) & (params.table_len - 1u)];
}

// ---- dependent fma chains: x = x * a + b, 8 per iteration per chain ----

fn fma8(x: real, a: real, b: real) -> real {
    var y = x;
    y = fma(y, a, b);
    y = fma(y, a, b);
    y = fma(y, a, b);
    y = fma(y, a, b);
    y = fma(y, a, b);
    y = fma(y, a, b);
    y = fma(y, a, b);
    y = fma(y, a, b);
    return y;
}

@compute @workgroup_size(WG)
fn fma_1(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params.lanes) {
        return;
    }
    let a = 0.5 + 0.25 * seed(i, 1u) / real(params.table_len);
    let b = seed(i, 2u);
    var x = seed(i, 0u);
    for (var k = 0u; k < params.iters; k = k + 1u) {
        x = fma8(x, a, b);
    }
    out[i] = x;
}

@compute @workgroup_size(WG)
fn fma_4(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params.lanes) {
        return;
    }
    let a = 0.5 + 0.25 * seed(i, 1u) / real(params.table_len);
    let b = seed(i, 2u);
    var x0 = seed(i, 0u);
    var x1 = seed(i, 3u);
    var x2 = seed(i, 4u);
    var x3 = seed(i, 5u);
    for (var k = 0u; k < params.iters; k = k + 1u) {
        x0 = fma8(x0, a, b);
        x1 = fma8(x1, a, b);
        x2 = fma8(x2, a, b);
        x3 = fma8(x3, a, b);
    }
    out[i] = x0 + x1 + x2 + x3;
}

@compute @workgroup_size(WG)
fn fma_8(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params.lanes) {
        return;
    }
    let a = 0.5 + 0.25 * seed(i, 1u) / real(params.table_len);
    let b = seed(i, 2u);
    var x0 = seed(i, 0u);
    var x1 = seed(i, 3u);
    var x2 = seed(i, 4u);
    var x3 = seed(i, 5u);
    var x4 = seed(i, 6u);
    var x5 = seed(i, 7u);
    var x6 = seed(i, 8u);
    var x7 = seed(i, 9u);
    for (var k = 0u; k < params.iters; k = k + 1u) {
        x0 = fma8(x0, a, b);
        x1 = fma8(x1, a, b);
        x2 = fma8(x2, a, b);
        x3 = fma8(x3, a, b);
        x4 = fma8(x4, a, b);
        x5 = fma8(x5, a, b);
        x6 = fma8(x6, a, b);
        x7 = fma8(x7, a, b);
    }
    out[i] = x0 + x1 + x2 + x3 + x4 + x5 + x6 + x7;
}

// ---- dependent sqrt chains: x = sqrt(x), 8 per iteration per chain ----

fn sqrt8(x: real) -> real {
    var y = x;
    y = sqrt(y);
    y = sqrt(y);
    y = sqrt(y);
    y = sqrt(y);
    y = sqrt(y);
    y = sqrt(y);
    y = sqrt(y);
    y = sqrt(y);
    return y;
}

@compute @workgroup_size(WG)
fn sqrt_1(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params.lanes) {
        return;
    }
    var x = seed(i, 0u) + 2.0;
    for (var k = 0u; k < params.iters; k = k + 1u) {
        x = sqrt8(x);
    }
    out[i] = x;
}

@compute @workgroup_size(WG)
fn sqrt_4(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params.lanes) {
        return;
    }
    var x0 = seed(i, 0u) + 2.0;
    var x1 = seed(i, 3u) + 2.0;
    var x2 = seed(i, 4u) + 2.0;
    var x3 = seed(i, 5u) + 2.0;
    for (var k = 0u; k < params.iters; k = k + 1u) {
        x0 = sqrt8(x0);
        x1 = sqrt8(x1);
        x2 = sqrt8(x2);
        x3 = sqrt8(x3);
    }
    out[i] = x0 + x1 + x2 + x3;
}

// ---- dependent divide chains: x = a / x, 8 per iteration per chain ----

fn div8(x: real, a: real) -> real {
    var y = x;
    y = a / y;
    y = a / y;
    y = a / y;
    y = a / y;
    y = a / y;
    y = a / y;
    y = a / y;
    y = a / y;
    return y;
}

@compute @workgroup_size(WG)
fn div_1(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params.lanes) {
        return;
    }
    let a = seed(i, 1u) + 1.0;
    var x = seed(i, 0u) + 1.0;
    for (var k = 0u; k < params.iters; k = k + 1u) {
        x = div8(x, a);
    }
    out[i] = x;
}

@compute @workgroup_size(WG)
fn div_4(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params.lanes) {
        return;
    }
    let a = seed(i, 1u) + 1.0;
    var x0 = seed(i, 0u) + 1.0;
    var x1 = seed(i, 3u) + 1.0;
    var x2 = seed(i, 4u) + 1.0;
    var x3 = seed(i, 5u) + 1.0;
    for (var k = 0u; k < params.iters; k = k + 1u) {
        x0 = div8(x0, a);
        x1 = div8(x1, a);
        x2 = div8(x2, a);
        x3 = div8(x3, a);
    }
    out[i] = x0 + x1 + x2 + x3;
}

// ---- table lookups; the table holds values in [0, table_len - 1) ----

// The next index comes from floor of the value just loaded: latency-bound, like a chain of
// table look-ups whose argument depends on the previous one.
fn gather8(x: real) -> real {
    var y = x;
    y = table[u32(floor(y))];
    y = table[u32(floor(y))];
    y = table[u32(floor(y))];
    y = table[u32(floor(y))];
    y = table[u32(floor(y))];
    y = table[u32(floor(y))];
    y = table[u32(floor(y))];
    y = table[u32(floor(y))];
    return y;
}

@compute @workgroup_size(WG)
fn gather_dep(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params.lanes) {
        return;
    }
    var x = seed(i, 0u);
    for (var k = 0u; k < params.iters; k = k + 1u) {
        x = gather8(x);
    }
    out[i] = x;
}

// Indices that do not depend on loaded values (lane- and iteration-dependent): throughput.
@compute @workgroup_size(WG)
fn gather_ind(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params.lanes) {
        return;
    }
    let m = params.table_len - 1u;
    var s0: real = 0.0;
    var s1: real = 0.0;
    var j = i * 37u;
    for (var k = 0u; k < params.iters; k = k + 1u) {
        s0 = s0 + table[j & m];
        s1 = s1 + table[(j + 101u) & m];
        s0 = s0 + table[(j + 203u) & m];
        s1 = s1 + table[(j + 307u) & m];
        s0 = s0 + table[(j + 401u) & m];
        s1 = s1 + table[(j + 503u) & m];
        s0 = s0 + table[(j + 601u) & m];
        s1 = s1 + table[(j + 709u) & m];
        j = j + 13u;
    }
    out[i] = s0 + s1;
}

// The US76 look-up as the reentry kernel did it until 2026-12-03 (a linear look-up of two scalar
// loads; the kernel now loads a table segment as vec4s): scale, floor, clamp, two loads,
// interpolate; the next altitude depends on the value looked up.
fn lerp_lookup(x: real) -> real {
    let u = (x - 0.25) / real(params.one);
    let fi = clamp(floor(u), 0.0, real(params.table_len - 2u));
    let f = u - fi;
    let k = u32(fi);
    let lo = table[k];
    let hi = table[k + 1u];
    return lo + f * (hi - lo);
}

@compute @workgroup_size(WG)
fn lerp_dep(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params.lanes) {
        return;
    }
    var x = seed(i, 0u);
    for (var k = 0u; k < params.iters; k = k + 1u) {
        x = lerp_lookup(x);
        x = lerp_lookup(x);
        x = lerp_lookup(x);
        x = lerp_lookup(x);
        x = lerp_lookup(x);
        x = lerp_lookup(x);
        x = lerp_lookup(x);
        x = lerp_lookup(x);
    }
    out[i] = x;
}

// ---- exponentials: dependent chains x = e^-x (converges to 0.567), 4 per iteration ----

@compute @workgroup_size(WG)
fn exp_rexp(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params.lanes) {
        return;
    }
    var x = seed(i, 0u) / real(params.table_len);
    for (var k = 0u; k < params.iters; k = k + 1u) {
        x = rexp(-x);
        x = rexp(-x);
        x = rexp(-x);
        x = rexp(-x);
    }
    out[i] = x;
}

// The builtin exp in f32 (in an f64 build: a cast down and back).
@compute @workgroup_size(WG)
fn exp_f32(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params.lanes) {
        return;
    }
    var x = seed(i, 0u) / real(params.table_len);
    for (var k = 0u; k < params.iters; k = k + 1u) {
        x = real(exp(f32(-x)));
        x = real(exp(f32(-x)));
        x = real(exp(f32(-x)));
        x = real(exp(f32(-x)));
    }
    out[i] = x;
}

// ---- a whole model step: ballistic point mass, spherical Earth, exponential atmosphere,
// explicit Euler; one step per iteration. `euler_f32exp` takes e^x from f32 (the "plain loop"
// ceiling), `euler_rexp` from rexp. ----

fn euler_step(r: ptr<function, vec3<real>>, v: ptr<function, vec3<real>>, use_rexp: bool) {
    let dt: real = 0.01;
    let rr = *r;
    let vv = *v;
    let rn = length(rr);
    let alt = rn - 6378137.0;
    let x = -alt / 7200.0;
    var rho: real;
    if (use_rexp) {
        rho = 1.225 * rexp(x);
    } else {
        rho = 1.225 * real(exp(f32(x)));
    }
    let speed = length(vv);
    let drag = 0.5 * rho * speed * 0.0138; // Cd A / m
    let g = -3.986004418e14 / (rn * rn * rn);
    let acc = g * rr - drag * vv;
    *v = vv + dt * acc;
    *r = rr + dt * vv;
}

@compute @workgroup_size(WG)
fn euler_f32exp(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params.lanes) {
        return;
    }
    var r = vec3<real>(6378137.0 + 80000.0 + seed(i, 0u), 0.0, 0.0);
    var v = vec3<real>(-1000.0, 7500.0 + seed(i, 1u), 0.0);
    for (var k = 0u; k < params.iters; k = k + 1u) {
        euler_step(&r, &v, false);
    }
    out[i] = r.x + v.y;
}

@compute @workgroup_size(WG)
fn euler_rexp(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params.lanes) {
        return;
    }
    var r = vec3<real>(6378137.0 + 80000.0 + seed(i, 0u), 0.0, 0.0);
    var v = vec3<real>(-1000.0, 7500.0 + seed(i, 1u), 0.0);
    for (var k = 0u; k < params.iters; k = k + 1u) {
        euler_step(&r, &v, true);
    }
    out[i] = r.x + v.y;
}

// ldexp exactness: out[i] = ldexp(table[i], e) with e = i32(i % 2100) - 1075 (normal and
// subnormal results, overflow); compared on the host with Rust.
@compute @workgroup_size(WG)
fn ldexp_check(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= params.lanes) {
        return;
    }
    let e = i32(i % 2100u) - 1075;
    out[i] = ldexp(table[i & (params.table_len - 1u)], e);
}
