// Solar-electric propulsion: array power P = P_1au / r_au^2 x (1 - d)^years (or constant),
// less the bus; whole thrusters at their rated power, above the minimum power; thrust noise
// from the sample's Gauss-Markov nodes; outages; constant pointing errors.

fn thrusters_on(ib: u32, r: vec3<real>, t: real) -> real {
    var p_array = inputs[ib + I_P1AU];
    if (dims.power_constant == 0u) {
        let r_au = sqrt(dot(r, r)) / consts[C_AU];
        p_array = p_array / (r_au * r_au) * rexp(inputs[ib + I_LN_DEG] * t / consts[C_YEAR_S]);
    }
    let avail = p_array - inputs[ib + I_BUS];
    if (avail < inputs[ib + I_PMIN] || avail <= 0.0) {
        return 0.0;
    }
    return min(floor(avail / inputs[ib + I_PTHR]), inputs[ib + I_NTHR]);
}

fn thrust_noise(ib: u32, t: real) -> real {
    let n = dims.n_gm;
    if (n == 0u) {
        return 0.0;
    }
    let u = clamp(t / consts[C_GM_DT], 0.0, real(n - 1u));
    let k = min(floor(u), real(n - 2u));
    let f = u - k;
    let j = ib + dims.off_gm + u32(k);
    return inputs[j] + f * (inputs[j + 1u] - inputs[j]);
}

// Whether an outage covers t. The outages are sorted and disjoint; idx (kept in the state)
// points at the current or next one and moves past an outage once it has ended, at most one per
// step. No loop: a loop over the outages was miscompiled in this kernel on lavapipe (Mesa 22.3).
fn in_outage(ib: u32, t: real, idx: ptr<function, real>) -> bool {
    let n = inputs[ib + I_N_OUT];
    if (*idx < n && t >= inputs[ib + I_OUT + 2u * u32(*idx) + 1u]) {
        *idx = *idx + 1.0;
    }
    if (*idx >= n) {
        return false;
    }
    let k = ib + I_OUT + 2u * u32(*idx);
    return t >= inputs[k] && t < inputs[k + 1u];
}

fn unit3(a: vec3<real>) -> vec3<real> {
    return a / sqrt(dot(a, a));
}

fn point_thrust(ib: u32, u: vec3<real>) -> vec3<real> {
    let p1 = inputs[ib + I_PERR1];
    let p2 = inputs[ib + I_PERR2];
    if (p1 == 0.0 && p2 == 0.0) {
        return u;
    }
    var z = vec3<real>(0.0, 0.0, 1.0);
    if (abs(u.z) >= 0.9) {
        z = vec3<real>(1.0, 0.0, 0.0);
    }
    let e1 = unit3(cross(u, z));
    let e2 = cross(u, e1);
    return unit3(u + p1 * e1 + p2 * e2);
}
