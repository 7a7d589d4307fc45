// Atmosphere: tabulated U.S. Standard Atmosphere 1976 (ln density, cubic, and speed of sound,
// linear, at uniform altitude spacing, built on the host by physics/us76.rs) or an exponential model (ATM_MODEL, an
// override constant), times the dispersed density scale and the sample's altitude-correlated
// perturbation profile (N_PERT nodes in the sample's input row; 0: none).

struct Air {
    ln_rho: real,
    a_sound: real,
};

// The segment of a uniform table (n nodes from x0, spacing dx = 1 / inv_dx) that holds x, and
// x's fraction along it; the end segments extend beyond the table.
struct Segment {
    k: u32,
    f: real,
};

fn uniform_segment(n: u32, x0: real, inv_dx: real, x: real) -> Segment {
    let u = (x - x0) * inv_dx;
    let fk = clamp(floor(u), 0.0, real(n - 2u));
    return Segment(u32(fk), u - fk);
}

// Linear interpolation in a uniform table of n values in consts4 from vec4 `base4`, one a segment
// (its ends), held beyond its ends: one load. The CPU twin interpolates the config's own rows
// (physics::table::held, in scenario/reentry/cpu.rs); tests/gpu_cpu.rs compares the two.
fn consts4_uniform_held(base4: u32, n: u32, x0: real, dx: real, inv_dx: real, x: real) -> real {
    let xc = clamp(x, x0, x0 + real(n - 1u) * dx);
    let sg = uniform_segment(n, x0, inv_dx, xc);
    let s = consts4[base4 + sg.k];
    return s.x + sg.f * (s.y - s.x);
}

// The cubic through p0 (f = 0) and p1 (f = 1) with slopes m0 and m1 (per unit of f).
fn hermite(p0: real, p1: real, m0: real, m1: real, f: real) -> real {
    let f2 = f * f;
    let f3 = f2 * f;
    return (2.0 * f3 - 3.0 * f2 + 1.0) * p0 + (f3 - 2.0 * f2 + f) * m0
        + (-2.0 * f3 + 3.0 * f2) * p1 + (f3 - f2) * m1;
}

// The segment of n nodes at spacing 1 / inv_dh from 0 m that holds h, held beyond the node
// range, and h's fraction along it (the host's physics::atmosphere::natural_spline).
fn held_segment(n: u32, inv_dh: real, h: real) -> Segment {
    let u = clamp(h * inv_dh, 0.0, real(n - 1u));
    let fk = min(floor(u), real(n - 2u));
    return Segment(u32(fk), u - fk);
}

// A natural cubic spline's segment at fraction t: the values y0, y1 and second derivatives m0,
// m1 at its lower and upper nodes (unit spacing).
fn spline_at(t: real, y0: real, m0: real, y1: real, m1: real) -> real {
    let a = 1.0 - t;
    return a * y0 + t * y1 + ((a * a * a - a) * m0 + (t * t * t - t) * m1) * (1.0 / 6.0);
}

// The sample's ln density multiplier at altitude h: the natural cubic spline through N_PERT nodes,
// held beyond the node range; its segments are vec4s of the input row from PERT_OFF (the lower
// node's value and second derivative, then the upper node's: one load; Model::input_len).
fn perturbation(ib: u32, h: real) -> real {
    if (N_PERT == 0u) {
        return 0.0;
    }
    let sg = held_segment(N_PERT, consts[C_PERT_INV_DH], h);
    let s = inputs4[(ib + PERT_OFF) / 4u + sg.k];
    return spline_at(sg.f, s.x, s.y, s.z, s.w);
}

// The sample's wind [m/s] at altitude h, east and north: natural cubic splines through N_WIND
// nodes at spacing C_WIND_DH from 0 m, held beyond them. Each node is one vec4 of the input row
// (east, its second derivative, north, its second derivative) from WIND_OFF, a multiple of four:
// a look-up is two loads, each of which lavapipe runs as one loop over the lanes for all four
// components, rather than eight (0: no wind).
fn wind_en(ib: u32, h: real) -> vec2<real> {
    if (N_WIND == 0u) {
        return vec2<real>(0.0, 0.0);
    }
    let sg = held_segment(N_WIND, consts[C_WIND_INV_DH], h);
    let k = (ib + WIND_OFF) / 4u + sg.k;
    let n0 = inputs4[k];
    let n1 = inputs4[k + 1u];
    return vec2<real>(spline_at(sg.f, n0.x, n0.y, n1.x, n1.y),
                      spline_at(sg.f, n0.z, n0.w, n1.z, n1.w));
}

// Table rows and exponential parameters arrive as arguments: the function reads no sample
// state but the perturbation nodes of row `ib`.
fn atmosphere(h: real, ib: u32, ln_dscale: real, ln_rho0: real, inv_h: real, a_exp: real) -> Air {
    var air: Air;
    if (ATM_MODEL == 1u) {
        air.ln_rho = ln_rho0 - h * inv_h;
        air.a_sound = a_exp;
    } else {
        // ln density: C1 interpolation, the cubic Hermite with Catmull-Rom tangents (one-sided
        // at the ends), extrapolating the end segments (the host's
        // physics::atmosphere::uniform_cubic); the speed of sound linear. Linear interpolation
        // of ln density would put a kink at every node, which the adaptive integrator pays for
        // in rejected steps. Two vec4s a segment (Model: off_atm4): two loads.
        let sg = uniform_segment(dims.n_atm, consts[C_ATM_H0], consts[C_ATM_INV_DH], h);
        let q = consts4[dims.off_atm + 2u * sg.k];
        let w = consts4[dims.off_atm + 2u * sg.k + 1u];
        air.ln_rho = hermite(q.y, q.z, 0.5 * (q.z - q.x), 0.5 * (q.w - q.y), sg.f);
        air.ln_rho = select(air.ln_rho, LN_ZERO, h > consts[C_ATM_TOP]);
        air.a_sound = w.x + sg.f * (w.y - w.x);
    }
    air.ln_rho = air.ln_rho + ln_dscale + perturbation(ib, h);
    return air;
}
