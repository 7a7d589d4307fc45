// Stagnation-point heating [W/cm^2]. Convective: Sutton & Graves (NASA TR R-376),
// q = k sqrt(rho / Rn) V^3. Radiative: Tauber & Sutton (JSR 28(1), 1991),
// q = C Rn^a rho^1.22 f(V), a = 1.072e6 V^-1.88 rho^-0.325 capped by nose radius; 0 below 9 km/s.

fn convective_heat_flux(rho: real, rn: real, v: real) -> real {
    return consts[C_SG_K] * sqrt(rho / rn) * v * v * v * 1.0e-4;
}

fn radiative_heat_flux(ib: u32, ln_rho: real, rho: real, v: real) -> real {
    if (v <= 9000.0 || rho <= 0.0) {
        return 0.0;
    }
    let rn = inputs[ib + I_RN];
    var cap: real = 0.5;
    if (rn < 1.0) {
        cap = 1.0;
    } else if (rn < 2.0) {
        cap = 0.6;
    }
    let a = min(1.072e6 * rexp(-1.88 * rlog(v) - 0.325 * ln_rho), cap);
    let f = consts_held(dims.off_ts, dims.n_ts, v);
    return consts[C_TS_C] * rexp(a * inputs[ib + I_LN_RN] + 1.22 * ln_rho) * f;
}
