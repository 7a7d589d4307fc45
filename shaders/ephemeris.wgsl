// Perturbing bodies: positions by cubic Hermite interpolation in the host's table (Standish
// elements evaluated daily, physics/ephemeris.rs), and their gravity with the indirect term.

// The table interval of body b at t: the fraction s of the interval and its nodes (cpu.rs
// eph_interval).
struct EphInterval {
    s: real,
    p0: vec3<real>,
    v0: vec3<real>,
    p1: vec3<real>,
    v1: vec3<real>,
};

fn eph_interval(b: u32, t: real) -> EphInterval {
    let u = t / consts[C_EPH_DT];
    let k = clamp(floor(u), 0.0, real(dims.n_eph - 2u));
    let base = dims.off_eph + 6u * (b * dims.n_eph + u32(k));
    var e: EphInterval;
    e.s = u - k;
    e.p0 = vec3<real>(consts[base], consts[base + 1u], consts[base + 2u]);
    e.v0 = vec3<real>(consts[base + 3u], consts[base + 4u], consts[base + 5u]);
    e.p1 = vec3<real>(consts[base + 6u], consts[base + 7u], consts[base + 8u]);
    e.v1 = vec3<real>(consts[base + 9u], consts[base + 10u], consts[base + 11u]);
    return e;
}

fn body_position(b: u32, t: real) -> vec3<real> {
    let h = consts[C_EPH_DT];
    let e = eph_interval(b, t);
    let s = e.s;
    let s2 = s * s;
    let s3 = s2 * s;
    let h00 = 2.0 * s3 - 3.0 * s2 + 1.0;
    let h10 = s3 - 2.0 * s2 + s;
    let h01 = -2.0 * s3 + 3.0 * s2;
    let h11 = s3 - s2;
    return h00 * e.p0 + (h10 * h) * e.v0 + h01 * e.p1 + (h11 * h) * e.v1;
}

// Pull of perturbing body b on a spacecraft at r, with the indirect term [m/s^2].
fn body_gravity(b: u32, r: vec3<real>, t: real) -> vec3<real> {
    let rb = body_position(b, t);
    let d = rb - r;
    let dn = sqrt(dot(d, d));
    let rbn = sqrt(dot(rb, rb));
    let mu = consts[dims.off_bmu + b];
    return (mu / (dn * dn * dn)) * d - (mu / (rbn * rbn * rbn)) * rb;
}

// Sun + up to three perturbing bodies, unrolled: a loop over the bodies here was miscompiled
// inside the cruise kernel on lavapipe (Mesa 22.3), losing the second body at some steps.
fn cruise_gravity(r: vec3<real>, t: real) -> vec3<real> {
    let rn = sqrt(dot(r, r));
    var a = -consts[C_SUN_MU] / (rn * rn * rn) * r;
    if (dims.n_bodies > 0u) {
        a = a + body_gravity(0u, r, t);
    }
    if (dims.n_bodies > 1u) {
        a = a + body_gravity(1u, r, t);
    }
    if (dims.n_bodies > 2u) {
        a = a + body_gravity(2u, r, t);
    }
    return a;
}

// Velocity of body b at t: the derivative of body_position's Hermite (cpu.rs body_velocity).
fn body_velocity(b: u32, t: real) -> vec3<real> {
    let h = consts[C_EPH_DT];
    let e = eph_interval(b, t);
    let s = e.s;
    let s2 = s * s;
    let d00 = 6.0 * s2 - 6.0 * s;
    let d10 = 3.0 * s2 - 4.0 * s + 1.0;
    let d01 = -6.0 * s2 + 6.0 * s;
    let d11 = 3.0 * s2 - 2.0 * s;
    return (d00 * e.p0 + d01 * e.p1) / h + d10 * e.v0 + d11 * e.v1;
}
