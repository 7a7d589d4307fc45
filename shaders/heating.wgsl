// Stagnation-point heating [W/cm^2]. Convective: q = K sqrt(rho / Rn) (V / V_ref)^n 1e-4, with
// Sutton & Graves (NASA TR R-376: n = 3, V_ref = 1, taken as V*V*V) or Detra, Kemp & Riddell
// (CONV_POW = 1: n = 3.15, through the f64 exp and log). Radiative: Tauber & Sutton (JSR 28(1), 1991),
// q = C Rn^a rho^1.22 f(V), a = 1.072e6 V^-1.88 rho^-0.325 capped by nose radius; 0 below the
// table (8.75 km/s: f ramps to 0 there rather than jumping at 9 km/s, physics/constants.rs).

fn convective_heat_flux(rho: real, rn: real, v: real) -> real {
    var f = v * v * v;
    if (CONV_POW == 1u) {
        f = select(rexp(consts[C_CONV_N] * rlog(v / consts[C_CONV_V])), 0.0, v <= 0.0);
    }
    return consts[C_CONV_K] * sqrt(rho / rn) * f * 1.0e-4;
}

fn radiative_heat_flux(ln_rho: real, rho: real, v: real, rn: real, ln_rn: real) -> real {
    var cap: real = 0.5;
    if (rn < 1.0) {
        cap = 1.0;
    } else if (rn < 2.0) {
        cap = 0.6;
    }
    let a = min(1.072e6 * rexp(-1.88 * rlog(v) - 0.325 * ln_rho), cap);
    let f = consts4_uniform_held(dims.off_ts, N_TS, consts[C_TS_V0], consts[C_TS_DV],
                                 consts[C_TS_INV_DV], v);
    let q = consts[C_TS_C] * rexp(a * ln_rn + 1.22 * ln_rho) * f;
    return select(q, 0.0, v <= consts[C_TS_V0] || rho <= 0.0);
}
