// Q-law low-thrust guidance in modified equinoctial elements: the WGSL twin of
// src/physics/qlaw.rs (equations, sources and conventions are documented there). Trig-free:
// only + - * /, sqrt, abs, min, max, select and the prelude's rexp / rlog, so it runs in f64 on
// adapters without f64 transcendentals. No bindings: the host concatenates the prelude, this
// file and a kernel that declares `consts: array<real>` (read by qlaw_consts_from).
//
// Rust -> WGSL names: equinoctial_from_state -> qlaw_equinoctial_from_state, qlaw_direction ->
// qlaw_direction, arrived -> qlaw_arrived, qlaw_q -> qlaw_q; Equinoctial -> QLawEquinoctial,
// QLawDecision -> QLawDecision (thrust as bool), QLawTarget + QLawParams -> QLawConsts.

// Samples of the effectivity around the orbit (QLawParams::n_samples), set by the host.
override QLAW_SAMPLES: u32 = 24u;

struct QLawEquinoctial {
    p: real,
    f: real,
    g: real,
    h: real,
    k: real,
    cos_l: real,
    sin_l: real,
    a: real,
}

// Target and parameters. Flat layout (Rust: qlaw_consts_flat, QLAW_CONSTS_LEN = 26):
//  0 a_t [m], 1 f_t, 2 g_t, 3 h_t, 4 k_t, 5..7 e_vec_t, 8..10 hhat_t, 11..15 W_a W_f W_g W_h W_k,
//  16 W_p, 17 k_p, 18 r_p,min [m], 19 eta_cut, 20 N, 21 m, 22 n, 23 r, 24 cos(2 pi/N),
//  25 sin(2 pi/N).
struct QLawConsts {
    a_t: real,
    f_t: real,
    g_t: real,
    h_t: real,
    k_t: real,
    e_t: vec3<real>,
    w_t: vec3<real>,
    weights: array<real, 5>,
    wp: real,
    penalty_k: real,
    rp_min: real,
    eta_cut: real,
    n_samples: u32,
    m: real,
    n: u32,
    r: real,
    cos_step: real,
    sin_step: real,
}

struct QLawDecision {
    dir_rtn: vec3<real>,
    dir_inertial: vec3<real>,
    q: real,
    eta_r: real,
    thrust: bool,
    q_dot_best: real,
}

// Gauss rows of (a, f, g, h, k) per unit RTN acceleration.
struct QLawRows {
    a: vec3<real>,
    f: vec3<real>,
    g: vec3<real>,
    h: vec3<real>,
    k: vec3<real>,
}

struct QLawGrad {
    q: real,
    d: array<real, 5>,
}

fn qlaw_consts_from(base: u32) -> QLawConsts {
    var c: QLawConsts;
    c.a_t = consts[base];
    c.f_t = consts[base + 1u];
    c.g_t = consts[base + 2u];
    c.h_t = consts[base + 3u];
    c.k_t = consts[base + 4u];
    c.e_t = vec3<real>(consts[base + 5u], consts[base + 6u], consts[base + 7u]);
    c.w_t = vec3<real>(consts[base + 8u], consts[base + 9u], consts[base + 10u]);
    for (var i = 0u; i < 5u; i = i + 1u) {
        c.weights[i] = consts[base + 11u + i];
    }
    c.wp = consts[base + 16u];
    c.penalty_k = consts[base + 17u];
    c.rp_min = consts[base + 18u];
    c.eta_cut = consts[base + 19u];
    c.n_samples = max(u32(consts[base + 20u]), 1u);
    c.m = consts[base + 21u];
    c.n = u32(consts[base + 22u]);
    c.r = consts[base + 23u];
    c.cos_step = consts[base + 24u];
    c.sin_step = consts[base + 25u];
    return c;
}

fn qlaw_cross(a: vec3<real>, b: vec3<real>) -> vec3<real> {
    return vec3<real>(a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x);
}

fn qlaw_unit(a: vec3<real>) -> vec3<real> {
    return a / sqrt(dot(a, a));
}

fn qlaw_frame_f(h: real, k: real) -> vec3<real> {
    let s2 = 1.0 + h * h + k * k;
    return vec3<real>((1.0 - k * k + h * h) / s2, 2.0 * h * k / s2, -2.0 * k / s2);
}

fn qlaw_frame_g(h: real, k: real) -> vec3<real> {
    let s2 = 1.0 + h * h + k * k;
    return vec3<real>(2.0 * h * k / s2, (1.0 + k * k - h * h) / s2, 2.0 * h / s2);
}

fn qlaw_equinoctial_from_state(r: vec3<real>, v: vec3<real>, mu: real) -> QLawEquinoctial {
    let hv = qlaw_cross(r, v);
    let h2 = dot(hv, hv);
    let w = qlaw_unit(hv);
    var o: QLawEquinoctial;
    o.k = w.x / (1.0 + w.z);
    o.h = -w.y / (1.0 + w.z);
    let fh = qlaw_frame_f(o.h, o.k);
    let gh = qlaw_frame_g(o.h, o.k);
    let rh = qlaw_unit(r);
    let e = qlaw_cross(v, hv) / mu - rh;
    o.f = dot(e, fh);
    o.g = dot(e, gh);
    o.p = h2 / mu;
    o.cos_l = dot(rh, fh);
    o.sin_l = dot(rh, gh);
    o.a = o.p / (1.0 - o.f * o.f - o.g * o.g);
    return o;
}

// Gauss rows on the osculating orbit of eq at the true longitude (cos L, sin L) = (c, s).
fn qlaw_gauss_rows(eq: QLawEquinoctial, c: real, s: real, mu: real) -> QLawRows {
    let w = sqrt(eq.p / mu);
    let q = 1.0 + eq.f * c + eq.g * s;
    let s2 = 1.0 + eq.h * eq.h + eq.k * eq.k;
    let hk = eq.h * s - eq.k * c;
    let ca = 2.0 * eq.a * eq.a * w / eq.p;
    var o: QLawRows;
    o.a = vec3<real>(ca * (eq.f * s - eq.g * c), ca * q, 0.0);
    o.f = vec3<real>(w * s, w * ((q + 1.0) * c + eq.f) / q, -w * hk * eq.g / q);
    o.g = vec3<real>(-w * c, w * ((q + 1.0) * s + eq.g) / q, w * hk * eq.f / q);
    o.h = vec3<real>(0.0, 0.0, w * s2 * c / (2.0 * q));
    o.k = vec3<real>(0.0, 0.0, w * s2 * s / (2.0 * q));
    return o;
}

// x^n by binary powering with a fixed trip count (n < 256).
fn qlaw_ipow(x: real, n: u32) -> real {
    var b = x;
    var e = n;
    var out: real = 1.0;
    for (var j = 0u; j < 8u; j = j + 1u) {
        out = out * select(real(1.0), b, (e & 1u) == 1u);
        b = b * b;
        e = e >> 1u;
    }
    return out;
}

fn qlaw_sign(x: real) -> real {
    return select(real(-1.0), real(1.0), x >= 0.0);
}

// Q [s^2] and its full gradient with respect to (a, f, g, h, k).
fn qlaw_q_grad(eq: QLawEquinoctial, mu: real, accel: real, c: QLawConsts) -> QLawGrad {
    let a = eq.a;
    let f = eq.f;
    let g = eq.g;
    let h = eq.h;
    let k = eq.k;
    let w = sqrt(eq.p / mu);
    let e = sqrt(f * f + g * g);
    let ef = f / max(e, 1e-30);
    let eg = g / max(e, 1e-30);
    let om = 1.0 - e * e;
    let s2 = 1.0 + h * h + k * k;
    let sg1 = sqrt(1.0 - g * g);
    let sf1 = sqrt(1.0 - f * f);
    let dh = sg1 - abs(f);
    let dk = sf1 - abs(g);

    var x: array<real, 5>;
    x[0] = 2.0 * accel * a * sqrt(a / mu) * sqrt((1.0 + e) / (1.0 - e));
    x[1] = 2.0 * accel * w;
    x[2] = x[1];
    x[3] = 0.5 * accel * w * s2 / dh;
    x[4] = 0.5 * accel * w * s2 / dk;
    let lpa = 1.0 / a;
    let lpf = -2.0 * f / om;
    let lpg = -2.0 * g / om;
    var dlx: array<array<real, 5>, 5>;
    dlx[0] = array<real, 5>(1.5 / a, ef / om, eg / om, 0.0, 0.0);
    dlx[1] = array<real, 5>(0.5 * lpa, 0.5 * lpf, 0.5 * lpg, 0.0, 0.0);
    dlx[2] = dlx[1];
    dlx[3] = array<real, 5>(0.5 * lpa, 0.5 * lpf + qlaw_sign(f) / dh,
        0.5 * lpg + g / (sg1 * dh), 2.0 * h / s2, 2.0 * k / s2);
    dlx[4] = array<real, 5>(0.5 * lpa, 0.5 * lpf + f / (sf1 * dk),
        0.5 * lpg + qlaw_sign(g) / dk, 2.0 * h / s2, 2.0 * k / s2);

    let u = (a - c.a_t) / (c.m * c.a_t);
    let base = 1.0 + qlaw_ipow(abs(u), c.n);
    // r = 2 (the default): a square root (physics::qlaw::q_and_gradient). The branch is the
    // same for every lane.
    var sa: real;
    if (c.r == 2.0) {
        sa = sqrt(base);
    } else {
        sa = rexp(rlog(base) / c.r);
    }
    let un1 = select(real(0.0), qlaw_ipow(abs(u), max(c.n, 1u) - 1u), c.n >= 1u);
    let dlsa = real(c.n) * un1 * qlaw_sign(u) / (c.r * base * c.m * c.a_t);

    var d = array<real, 5>(a - c.a_t, f - c.f_t, g - c.g_t, h - c.h_t, k - c.k_t);
    var sum: real = 0.0;
    var dsum = array<real, 5>(0.0, 0.0, 0.0, 0.0, 0.0);
    for (var i = 0u; i < 5u; i = i + 1u) {
        let si = select(real(1.0), sa, i == 0u);
        let ci = c.weights[i] * si / (x[i] * x[i]);
        sum = sum + ci * d[i] * d[i];
        for (var j = 0u; j < 5u; j = j + 1u) {
            let dls = select(real(0.0), dlsa, i == 0u && j == 0u);
            var term = d[i] * d[i] * (dls - 2.0 * dlx[i][j]);
            if (i == j) {
                term = term + 2.0 * d[i];
            }
            dsum[j] = dsum[j] + ci * term;
        }
    }
    let rp = a * (1.0 - e);
    let pen = rexp(min(c.penalty_k * (1.0 - rp / c.rp_min), 700.0));
    let dpen_drp = -pen * c.penalty_k / c.rp_min;
    let drp = array<real, 5>(1.0 - e, -a * ef, -a * eg, 0.0, 0.0);
    let outer = 1.0 + c.wp * pen;
    var o: QLawGrad;
    o.q = outer * sum;
    for (var j = 0u; j < 5u; j = j + 1u) {
        o.d[j] = c.wp * dpen_drp * drp[j] * sum + outer * dsum[j];
    }
    return o;
}

fn qlaw_descent(gr: QLawGrad, rows: QLawRows) -> vec3<real> {
    return gr.d[0] * rows.a + gr.d[1] * rows.f + gr.d[2] * rows.g + gr.d[3] * rows.h
        + gr.d[4] * rows.k;
}

// physics::qlaw::DescentAround: D(L) round the osculating orbit from coefficients gathered
// once, one division a longitude.
struct QLawAround {
    f: real,
    g: real,
    t0: real,
    tc: real,
    ts: real,
    u0: real,
    wf: real,
    wg: real,
    nc: real,
    ns: real,
}

fn qlaw_around(eq: QLawEquinoctial, gr: QLawGrad, mu: real) -> QLawAround {
    let w = sqrt(eq.p / mu);
    let ca = 2.0 * eq.a * eq.a * w / eq.p;
    let s2 = 1.0 + eq.h * eq.h + eq.k * eq.k;
    var o: QLawAround;
    o.f = eq.f;
    o.g = eq.g;
    o.t0 = ca * gr.d[0];
    o.wf = w * gr.d[1];
    o.wg = w * gr.d[2];
    let x = w * (gr.d[2] * eq.f - gr.d[1] * eq.g);
    let wh = 0.5 * w * s2 * gr.d[3];
    let wk = 0.5 * w * s2 * gr.d[4];
    o.tc = o.t0 * eq.f + o.wf;
    o.ts = o.t0 * eq.g + o.wg;
    o.u0 = o.wf * eq.f + o.wg * eq.g;
    o.nc = wh - eq.k * x;
    o.ns = wk + eq.h * x;
    return o;
}

// |D|^2 at the true longitude (cos L, sin L) = (c, s).
fn qlaw_around_norm_sq(ar: QLawAround, c: real, s: real) -> real {
    let iq = 1.0 / (1.0 + ar.f * c + ar.g * s);
    let dr = ar.tc * s - ar.ts * c;
    let dt = ar.t0 + ar.tc * c + ar.ts * s + (ar.u0 + ar.wf * c + ar.wg * s) * iq;
    let dn = (ar.nc * c + ar.ns * s) * iq;
    return dr * dr + dt * dt + dn * dn;
}

fn qlaw_q(r: vec3<real>, v: vec3<real>, mu: real, accel: real, c: QLawConsts) -> real {
    return qlaw_q_grad(qlaw_equinoctial_from_state(r, v, mu), mu, accel, c).q;
}

// physics::qlaw::qlaw_steering: the inertial direction of steepest descent of Q, without the
// effectivity test.
fn qlaw_steering(r: vec3<real>, v: vec3<real>, mu: real, accel: real, c: QLawConsts)
    -> vec3<real> {
    let eq = qlaw_equinoctial_from_state(r, v, mu);
    let gr = qlaw_q_grad(eq, mu, accel, c);
    let d0 = qlaw_descent(gr, qlaw_gauss_rows(eq, eq.cos_l, eq.sin_l, mu));
    let n0 = sqrt(dot(d0, d0));
    if (!(n0 > 0.0)) {
        return vec3<real>(0.0, 0.0, 0.0);
    }
    return qlaw_rtn_to_inertial(r, v, -d0 / n0);
}

// A direction in the state's radial/transverse/normal frame, in inertial axes.
fn qlaw_rtn_to_inertial(r: vec3<real>, v: vec3<real>, rtn: vec3<real>) -> vec3<real> {
    let rh = qlaw_unit(r);
    let nh = qlaw_unit(qlaw_cross(r, v));
    let th = qlaw_cross(nh, rh);
    return rtn.x * rh + rtn.y * th + rtn.z * nh;
}

fn qlaw_direction(r: vec3<real>, v: vec3<real>, mu: real, accel: real, c: QLawConsts)
    -> QLawDecision {
    let eq = qlaw_equinoctial_from_state(r, v, mu);
    let gr = qlaw_q_grad(eq, mu, accel, c);
    let d0 = qlaw_descent(gr, qlaw_gauss_rows(eq, eq.cos_l, eq.sin_l, mu));
    let n0_sq = dot(d0, d0);
    let n0 = sqrt(n0_sq);
    let ar = qlaw_around(eq, gr, mu);
    var cl = eq.cos_l;
    var sl = eq.sin_l;
    // Compared by |D|^2, one sqrt each at the end (physics::qlaw::qlaw_direction).
    var min_sq = n0_sq;
    var max_sq = n0_sq;
    // A fixed trip count (the override constant QLAW_SAMPLES, equal to c.n_samples): a loop
    // bounded by a value read from a buffer was miscompiled once the cruise kernel grew.
    for (var j = 1u; j < QLAW_SAMPLES; j = j + 1u) {
        let c_next = cl * c.cos_step - sl * c.sin_step;
        sl = sl * c.cos_step + cl * c.sin_step;
        cl = c_next;
        let nj_sq = qlaw_around_norm_sq(ar, cl, sl);
        min_sq = min(min_sq, nj_sq);
        max_sq = max(max_sq, nj_sq);
    }
    let dmin = sqrt(min_sq);
    let dmax = sqrt(max_sq);
    var o: QLawDecision;
    o.eta_r = select((n0 - dmin) / (dmax - dmin), real(1.0), dmax - dmin <= 1e-14 * dmax);
    o.thrust = n0 > 0.0 && o.eta_r >= c.eta_cut;
    o.q = gr.q;
    o.q_dot_best = -accel * n0;
    o.dir_rtn = vec3<real>(0.0, 0.0, 0.0);
    o.dir_inertial = vec3<real>(0.0, 0.0, 0.0);
    if (o.thrust) {
        o.dir_rtn = -d0 / n0;
        o.dir_inertial = qlaw_rtn_to_inertial(r, v, o.dir_rtn);
    }
    return o;
}

// physics::qlaw::match_errors: |a - a_t|, |e_vec - e_vec_t| and 1 - hhat.hhat_t.
fn qlaw_match_errors(r: vec3<real>, v: vec3<real>, mu: real, a_t: real, e_t: vec3<real>,
    w_t: vec3<real>) -> vec3<real> {
    let eq = qlaw_equinoctial_from_state(r, v, mu);
    let de = eq.f * qlaw_frame_f(eq.h, eq.k) + eq.g * qlaw_frame_g(eq.h, eq.k) - e_t;
    let nh = qlaw_unit(qlaw_cross(r, v));
    return vec3<real>(abs(eq.a - a_t), sqrt(dot(de, de)), 1.0 - dot(nh, w_t));
}

// physics::qlaw::match_ratios: qlaw_arrived's criteria as fractions of their tolerances.
fn qlaw_match_ratios(r: vec3<real>, v: vec3<real>, mu: real, a_t: real, e_t: vec3<real>,
    w_t: vec3<real>, tol_a: real, tol_e: real, cos_tol_i: real) -> vec3<real> {
    let m = qlaw_match_errors(r, v, mu, a_t, e_t, w_t);
    return vec3<real>(m.x / tol_a, m.y / tol_e, m.z / (1.0 - cos_tol_i));
}

fn qlaw_arrived(r: vec3<real>, v: vec3<real>, mu: real, a_t: real, e_t: vec3<real>,
    w_t: vec3<real>, tol_a: real, tol_e: real, cos_tol_i: real) -> bool {
    let m = qlaw_match_errors(r, v, mu, a_t, e_t, w_t);
    return m.x <= tol_a && m.y <= tol_e && m.z <= 1.0 - cos_tol_i;
}
