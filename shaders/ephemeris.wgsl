// Perturbing bodies: positions by cubic Hermite interpolation in the host's table (Standish
// elements evaluated daily, physics/ephemeris.rs), and their gravity with the indirect term.

fn body_position(b: u32, t: real) -> vec3<real> {
    let h = consts[C_EPH_DT];
    let u = t / h;
    let k = clamp(floor(u), 0.0, real(dims.n_eph - 2u));
    let s = u - k;
    let base = dims.off_eph + 6u * (b * dims.n_eph + u32(k));
    let p0 = vec3<real>(consts[base], consts[base + 1u], consts[base + 2u]);
    let v0 = vec3<real>(consts[base + 3u], consts[base + 4u], consts[base + 5u]);
    let p1 = vec3<real>(consts[base + 6u], consts[base + 7u], consts[base + 8u]);
    let v1 = vec3<real>(consts[base + 9u], consts[base + 10u], consts[base + 11u]);
    let s2 = s * s;
    let s3 = s2 * s;
    let h00 = 2.0 * s3 - 3.0 * s2 + 1.0;
    let h10 = s3 - 2.0 * s2 + s;
    let h01 = -2.0 * s3 + 3.0 * s2;
    let h11 = s3 - s2;
    return h00 * p0 + (h10 * h) * v0 + h01 * p1 + (h11 * h) * v1;
}

// Sun + perturbing bodies [m/s^2]; the Earth is left out inside its sphere of influence,
// where the patched-conic flyby has already accounted for it.
fn cruise_gravity(r: vec3<real>, t: real) -> vec3<real> {
    let rn = sqrt(dot(r, r));
    var a = -consts[C_SUN_MU] / (rn * rn * rn) * r;
    for (var b = 0u; b < dims.n_bodies; b = b + 1u) {
        let rb = body_position(b, t);
        let d = rb - r;
        let dn = sqrt(dot(d, d));
        if (b == dims.earth_index && dn < consts[C_SOI]) {
            continue;
        }
        let mu = consts[dims.off_bmu + b];
        let rbn = sqrt(dot(rb, rb));
        a = a + (mu / (dn * dn * dn)) * d - (mu / (rbn * rbn * rbn)) * rb;
    }
    return a;
}
