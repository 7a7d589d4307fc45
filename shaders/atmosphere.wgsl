// Atmosphere: tabulated U.S. Standard Atmosphere 1976 (ln density and speed of sound at uniform
// altitude spacing, built on the host by physics/us76.rs) or an exponential model, times the
// dispersed density scale and the sample's altitude-correlated perturbation profile.

struct Air {
    ln_rho: real,
    a_sound: real,
};

// Linear interpolation in a uniform table of `stride`-wide rows in consts, extrapolating from
// the end segments (the host's physics::atmosphere::uniform_lerp).
fn consts_lerp(base: u32, stride: u32, comp: u32, n: u32, x0: real, dx: real, x: real) -> real {
    let u = (x - x0) / dx;
    let fi = clamp(floor(u), 0.0, real(n - 2u));
    let f = u - fi;
    let k = u32(fi);
    let lo = consts[base + stride * k + comp];
    let hi = consts[base + stride * (k + 1u) + comp];
    return lo + f * (hi - lo);
}

// The sample's ln density multiplier at altitude h, held beyond the node range.
fn perturbation(ib: u32, h: real) -> real {
    let n = dims.n_pert;
    if (n == 0u) {
        return 0.0;
    }
    let dh = consts[C_PERT_DH];
    let hc = clamp(h, 0.0, real(n - 1u) * dh);
    let u = hc / dh;
    let fi = clamp(floor(u), 0.0, real(n - 2u));
    let f = u - fi;
    let k = ib + I_PERT + u32(fi);
    return inputs[k] + f * (inputs[k + 1u] - inputs[k]);
}

fn atmosphere(ib: u32, h: real) -> Air {
    var air: Air;
    if (dims.atm_model == 1u) {
        air.ln_rho = inputs[ib + I_LN_RHO0] - h * inputs[ib + I_INV_H];
        air.a_sound = inputs[ib + I_A_EXP];
    } else {
        let h0 = consts[C_ATM_H0];
        let dh = consts[C_ATM_DH];
        if (h > consts[C_ATM_TOP]) {
            air.ln_rho = -1000.0;
        } else {
            air.ln_rho = consts_lerp(dims.off_atm, 2u, 0u, dims.n_atm, h0, dh, h);
        }
        air.a_sound = consts_lerp(dims.off_atm, 2u, 1u, dims.n_atm, h0, dh, h);
    }
    air.ln_rho = air.ln_rho + inputs[ib + I_LN_DSCALE] + perturbation(ib, h);
    return air;
}
