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

// ln(1 + u) for |u| <= 0.0141 by its series to u^8 (truncation under 3e-18), the polynomial
// u Q(u) with Q by Estrin's scheme (three dependent steps).
fn log1p_small(u: real) -> real {
    let u2 = u * u;
    let q0 = fma(u, -1.0 / 2.0, 1.0);
    let q1 = fma(u, -1.0 / 4.0, 1.0 / 3.0);
    let q2 = fma(u, -1.0 / 6.0, 1.0 / 5.0);
    let q3 = fma(u, -1.0 / 8.0, 1.0 / 7.0);
    return u * fma(fma(q3, u2, q2), u2 * u2, fma(q1, u2, q0));
}

// ln V, for the radiative exponent, comes with f(V) from the table's one load and without an
// f64 logarithm: V halved one to three times when above the table's last velocity 2 V0 (the
// table holds f there), so that Vr lies in (V0, 2 V0]; then ln V = k ln 2 + ln Vm + ln(1 + u),
// u = (Vr - Vm) / Vm, with ln Vm and 1 / Vm at the middle Vm of Vr's segment in the segment's
// vec4 (|u| <= dV / (2 Vm) < 0.0141; Vr - Vm is exact). Within a few ulp of ln V to 140 km/s;
// below V0, where the flux is 0, the value is not used.
fn radiative_heat_flux(ln_rho: real, rho: real, v: real, rn: real, ln_rn: real) -> real {
    var cap: real = 0.5;
    if (rn < 1.0) {
        cap = 1.0;
    } else if (rn < 2.0) {
        cap = 0.6;
    }
    let v0 = consts[C_TS_V0];
    let v_end = 2.0 * v0;
    let h1 = v > v_end;
    let h2 = v > 2.0 * v_end;
    let h3 = v > 4.0 * v_end;
    let halvings = real(select(0u, 1u, h1) + select(0u, 1u, h2) + select(0u, 1u, h3));
    let vr = v * select(real(1.0), real(0.5), h1) * select(real(1.0), real(0.5), h2)
        * select(real(1.0), real(0.5), h3);
    let sg = uniform_segment(N_TS, v0, consts[C_TS_INV_DV], clamp(vr, v0, v_end));
    let s = consts4[dims.off_ts + sg.k];
    let f = select(s.x + sg.f * (s.y - s.x), consts[C_TS_F_END], h1);
    let u = (vr - (v0 + (real(sg.k) + 0.5) * consts[C_TS_DV])) * s.w;
    let ln_v = halvings * 0.6931471805599453 + (s.z + log1p_small(u));
    let a = min(1.072e6 * rexp(-1.88 * ln_v - 0.325 * ln_rho), cap);
    let q = consts[C_TS_C] * rexp(a * ln_rn + 1.22 * ln_rho) * f;
    return select(q, 0.0, v <= v0 || rho <= 0.0);
}
