// Atmosphere: tabulated U.S. Standard Atmosphere 1976 (ln density, cubic, and speed of sound,
// linear, at uniform altitude spacing, built on the host by physics/us76.rs) or an exponential model (ATM_MODEL, an
// override constant), times the dispersed density scale and the sample's altitude-correlated
// perturbation profile (N_PERT nodes in the sample's input row; 0: none).

struct Air {
    ln_rho: real,
    a_sound: real,
};

// The segment of a uniform table (n nodes from x0, spacing dx) that holds x, and x's fraction
// along it; the end segments extend beyond the table.
struct Segment {
    k: u32,
    f: real,
};

fn uniform_segment(n: u32, x0: real, dx: real, x: real) -> Segment {
    let u = (x - x0) / dx;
    let fk = clamp(floor(u), 0.0, real(n - 2u));
    return Segment(u32(fk), u - fk);
}

// Linear interpolation in a uniform table of `stride`-wide rows in consts, extrapolating from
// the end segments (the host's physics::atmosphere::uniform_lerp).
fn consts_lerp(base: u32, stride: u32, comp: u32, n: u32, x0: real, dx: real, x: real) -> real {
    let sg = uniform_segment(n, x0, dx, x);
    let lo = consts[base + stride * sg.k + comp];
    let hi = consts[base + stride * (sg.k + 1u) + comp];
    return lo + sg.f * (hi - lo);
}

// The cubic through p0 (f = 0) and p1 (f = 1) with slopes m0 and m1 (per unit of f).
fn hermite(p0: real, p1: real, m0: real, m1: real, f: real) -> real {
    let f2 = f * f;
    let f3 = f2 * f;
    return (2.0 * f3 - 3.0 * f2 + 1.0) * p0 + (f3 - 2.0 * f2 + f) * m0
        + (-2.0 * f3 + 3.0 * f2) * p1 + (f3 - f2) * m1;
}

// C1 interpolation in a uniform table of `stride`-wide rows in consts: cubic Hermite with
// Catmull-Rom tangents (one-sided at the ends), extrapolating the end segments' cubics (the
// host's physics::atmosphere::uniform_cubic). Linear interpolation puts a kink at every node,
// which the adaptive integrator pays for in rejected steps.
fn consts_cubic(base: u32, stride: u32, comp: u32, n: u32, x0: real, dx: real, x: real) -> real {
    let sg = uniform_segment(n, x0, dx, x);
    let k = sg.k;
    let p0 = consts[base + stride * k + comp];
    let p1 = consts[base + stride * (k + 1u) + comp];
    let pm = select(2.0 * p0 - p1, consts[base + stride * (max(k, 1u) - 1u) + comp], k > 0u);
    let pp = select(2.0 * p1 - p0, consts[base + stride * min(k + 2u, n - 1u) + comp],
                    k + 2u < n);
    return hermite(p0, p1, 0.5 * (p1 - pm), 0.5 * (pp - p0), sg.f);
}

// The sample's ln density multiplier at altitude h: the natural cubic spline through the nodes
// (their values, then their second derivatives, in the input row), held beyond the node range;
// the host's physics::atmosphere::natural_spline.
fn perturbation(ib: u32, h: real) -> real {
    if (N_PERT == 0u) {
        return 0.0;
    }
    let u = clamp(h / consts[C_PERT_DH], 0.0, real(N_PERT - 1u));
    let fk = min(floor(u), real(N_PERT - 2u));
    let t = u - fk;
    let k = ib + I_PERT + u32(fk);
    let a = 1.0 - t;
    return a * inputs[k] + t * inputs[k + 1u]
        + ((a * a * a - a) * inputs[k + N_PERT] + (t * t * t - t) * inputs[k + N_PERT + 1u]) / 6.0;
}

// A natural cubic spline through N nodes at spacing dh from 0 m (values at `at`, their second
// derivatives at `at` + n in the input row), held beyond the node range (the host's
// physics::atmosphere::natural_spline).
fn input_spline(at: u32, n: u32, dh: real, h: real) -> real {
    let u = clamp(h / dh, 0.0, real(n - 1u));
    let fk = min(floor(u), real(n - 2u));
    let t = u - fk;
    let k = at + u32(fk);
    let a = 1.0 - t;
    return a * inputs[k] + t * inputs[k + 1u]
        + ((a * a * a - a) * inputs[k + n] + (t * t * t - t) * inputs[k + n + 1u]) / 6.0;
}

// The sample's wind [m/s] at altitude h, east and north (N_WIND nodes a component after the
// density perturbation's in the input row; 0: no wind).
fn wind_en(ib: u32, h: real) -> vec2<real> {
    if (N_WIND == 0u) {
        return vec2<real>(0.0, 0.0);
    }
    let at = ib + I_PERT + 2u * N_PERT;
    let dh = consts[C_WIND_DH];
    return vec2<real>(input_spline(at, N_WIND, dh, h), input_spline(at + 2u * N_WIND, N_WIND, dh, h));
}

// Table rows and exponential parameters arrive as arguments: the function reads no sample
// state but the perturbation nodes of row `ib`.
fn atmosphere(h: real, ib: u32, ln_dscale: real, ln_rho0: real, inv_h: real, a_exp: real) -> Air {
    var air: Air;
    if (ATM_MODEL == 1u) {
        air.ln_rho = ln_rho0 - h * inv_h;
        air.a_sound = a_exp;
    } else {
        let h0 = consts[C_ATM_H0];
        let dh = consts[C_ATM_DH];
        air.ln_rho = consts_cubic(dims.off_atm, 2u, 0u, dims.n_atm, h0, dh, h);
        air.ln_rho = select(air.ln_rho, LN_ZERO, h > consts[C_ATM_TOP]);
        air.a_sound = consts_lerp(dims.off_atm, 2u, 1u, dims.n_atm, h0, dh, h);
    }
    air.ln_rho = air.ln_rho + ln_dscale + perturbation(ib, h);
    return air;
}
