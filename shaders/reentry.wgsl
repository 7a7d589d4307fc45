// Reentry kernel: one invocation owns one trajectory. 3-DOF point mass in the Earth-centred
// inertial frame (Earth-fixed at the entry epoch), classical RK4 with a fixed step that changes
// once, at the drogue Mach number; events evaluated at step starts; the zero-altitude crossing
// found by regula falsi on the last step's length. The f64 CPU twin is engine/cpu.rs.

struct Aux {
    alt: real,
    mach: real,
    qdyn: real,
    g_load: real,
    q_conv: real,
    q_rad: real,
};

struct Deriv {
    dr: vec3<real>,
    dv: vec3<real>,
    dq: real,
    aux: Aux,
};

struct Step {
    r: vec3<real>,
    v: vec3<real>,
    dq: real,
};

fn deriv(ib: u32, r: vec3<real>, v: vec3<real>) -> Deriv {
    var d: Deriv;
    let alt = geodetic_altitude(r, inputs[ib + I_AEQ], consts[C_E2]);
    let air = atmosphere(ib, alt);
    var rho: real = 0.0;
    if (air.ln_rho >= -700.0) {
        rho = rexp(air.ln_rho);
    }
    let w = consts[C_OMEGA];
    let vrel = vec3<real>(v.x + w * r.y, v.y - w * r.x, v.z);
    let speed = length(vrel);
    let mach = speed / air.a_sound;
    let qdyn = 0.5 * rho * speed * speed;
    let drag = qdyn * drag_coefficient(ib, mach) * inputs[ib + I_AREA] / inputs[ib + I_MASS];
    let ld = inputs[ib + I_LD];
    var acc = gravity(r, inputs[ib + I_MU], inputs[ib + I_AEQ], consts[C_J2]);
    if (speed > 0.0) {
        let vhat = vrel / speed;
        acc = acc - drag * vhat;
        if (ld != 0.0) {
            let n = cross(r, vrel);
            let nhat = n / length(n);
            let lift_up = cross(vhat, nhat);
            // Positive bank turns the lift to the right of the air-relative velocity.
            acc = acc + ld * drag * (inputs[ib + I_COS_BANK] * lift_up - inputs[ib + I_SIN_BANK] * nhat);
        }
    }
    let q_conv = convective_heat_flux(rho, inputs[ib + I_RN], speed);
    let q_rad = radiative_heat_flux(ib, air.ln_rho, rho, speed);
    d.dr = v;
    d.dv = acc;
    d.dq = q_conv + q_rad;
    d.aux = Aux(alt, mach, qdyn, drag * sqrt(1.0 + ld * ld) / consts[C_G0], q_conv, q_rad);
    return d;
}

fn rk4(ib: u32, r: vec3<real>, v: vec3<real>, k1: Deriv, dt: real) -> Step {
    let h = 0.5 * dt;
    let k2 = deriv(ib, r + h * k1.dr, v + h * k1.dv);
    let k3 = deriv(ib, r + h * k2.dr, v + h * k2.dv);
    let k4 = deriv(ib, r + dt * k3.dr, v + dt * k3.dv);
    let c = dt / 6.0;
    var s: Step;
    s.r = r + c * (k1.dr + 2.0 * k2.dr + 2.0 * k3.dr + k4.dr);
    s.v = v + c * (k1.dv + 2.0 * k2.dv + 2.0 * k3.dv + k4.dv);
    s.dq = c * (k1.dq + 2.0 * k2.dq + 2.0 * k3.dq + k4.dq);
    return s;
}

fn is_finite(x: real) -> bool {
    // NaN fails both comparisons; infinities fail the bound.
    return abs(x) <= 1.0e30;
}

fn vec_finite(x: vec3<real>) -> bool {
    return is_finite(x.x) && is_finite(x.y) && is_finite(x.z);
}

@compute @workgroup_size(64)
fn reentry_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= dims.n) {
        return;
    }
    let ib = i * dims.in_stride;
    let sb = i * STATE_LEN;
    if (states[sb + S_STATUS] != real(ST_RUNNING)) {
        return;
    }
    var r = vec3<real>(states[sb + S_R], states[sb + S_R + 1u], states[sb + S_R + 2u]);
    var v = vec3<real>(states[sb + S_V], states[sb + S_V + 1u], states[sb + S_V + 2u]);
    var t = states[sb + S_T];
    var heat_load = states[sb + S_HEAT_LOAD];
    var peak_g = states[sb + S_PEAK_G];
    var t_peak_g = states[sb + S_T_PEAK_G];
    var peak_q = states[sb + S_PEAK_Q];
    var t_peak_q = states[sb + S_T_PEAK_Q];
    var peak_qc = states[sb + S_PEAK_QC];
    var peak_qr = states[sb + S_PEAK_QR];
    var drogue_alt = states[sb + S_DROGUE_ALT];
    var drogue_q = states[sb + S_DROGUE_QDYN];
    var prev_mach = states[sb + S_PREV_MACH];
    var prev_alt = states[sb + S_PREV_ALT];
    var prev_q = states[sb + S_PREV_QDYN];
    var drogue_done = states[sb + S_DROGUE_DONE];
    var steps = states[sb + S_STEPS];
    var status = ST_RUNNING;
    let drogue_mach = inputs[ib + I_DROGUE_MACH];
    let h_entry = inputs[ib + I_H_ENTRY];

    for (var k = 0u; k < dims.max_steps; k = k + 1u) {
        let k1 = deriv(ib, r, v);
        let x = k1.aux;
        if (!(vec_finite(r) && vec_finite(v) && vec_finite(k1.dv) && is_finite(x.alt) && is_finite(k1.dq))) {
            status = ST_FAILED;
            break;
        }
        if (x.g_load > peak_g) {
            peak_g = x.g_load;
            t_peak_g = t;
        }
        let q = x.q_conv + x.q_rad;
        if (q > peak_q) {
            peak_q = q;
            t_peak_q = t;
        }
        peak_qc = max(peak_qc, x.q_conv);
        peak_qr = max(peak_qr, x.q_rad);
        if (drogue_done == 0.0 && x.mach <= drogue_mach) {
            if (t == 0.0) {
                drogue_alt = x.alt;
                drogue_q = x.qdyn;
            } else {
                let f = (prev_mach - drogue_mach) / (prev_mach - x.mach);
                drogue_alt = prev_alt + f * (x.alt - prev_alt);
                drogue_q = prev_q + f * (x.qdyn - prev_q);
            }
            drogue_done = 1.0;
        }
        prev_mach = x.mach;
        prev_alt = x.alt;
        prev_q = x.qdyn;
        if (x.alt > h_entry && dot(r, v) > 0.0) {
            status = ST_SKIPPED_OUT;
            break;
        }
        if (t >= consts[C_T_LIMIT]) {
            status = ST_TIMEOUT;
            break;
        }
        var dt = consts[C_DT];
        if (drogue_done != 0.0) {
            dt = consts[C_DT_DESCENT];
        }
        var s = rk4(ib, r, v, k1, dt);
        var h1 = geodetic_altitude(s.r, inputs[ib + I_AEQ], consts[C_E2]);
        var tau = dt;
        if (h1 <= 0.0) {
            // Regula falsi on the step length for the zero-altitude crossing.
            var ta: real = 0.0;
            var ha = x.alt;
            var tb = dt;
            var hb = h1;
            for (var j = 0; j < 4; j = j + 1) {
                tau = ta + (tb - ta) * ha / (ha - hb);
                s = rk4(ib, r, v, k1, tau);
                h1 = geodetic_altitude(s.r, inputs[ib + I_AEQ], consts[C_E2]);
                if (h1 > 0.0) {
                    ta = tau;
                    ha = h1;
                } else {
                    tb = tau;
                    hb = h1;
                }
            }
            status = ST_LANDED;
        }
        r = s.r;
        v = s.v;
        t = t + tau;
        heat_load = heat_load + s.dq;
        steps = steps + 1.0;
        if (status != ST_RUNNING) {
            break;
        }
    }

    states[sb + S_R] = r.x;
    states[sb + S_R + 1u] = r.y;
    states[sb + S_R + 2u] = r.z;
    states[sb + S_V] = v.x;
    states[sb + S_V + 1u] = v.y;
    states[sb + S_V + 2u] = v.z;
    states[sb + S_T] = t;
    states[sb + S_HEAT_LOAD] = heat_load;
    states[sb + S_PEAK_G] = peak_g;
    states[sb + S_T_PEAK_G] = t_peak_g;
    states[sb + S_PEAK_Q] = peak_q;
    states[sb + S_T_PEAK_Q] = t_peak_q;
    states[sb + S_PEAK_QC] = peak_qc;
    states[sb + S_PEAK_QR] = peak_qr;
    states[sb + S_DROGUE_ALT] = drogue_alt;
    states[sb + S_DROGUE_QDYN] = drogue_q;
    states[sb + S_PREV_MACH] = prev_mach;
    states[sb + S_PREV_ALT] = prev_alt;
    states[sb + S_PREV_QDYN] = prev_q;
    states[sb + S_DROGUE_DONE] = drogue_done;
    states[sb + S_STEPS] = steps;
    states[sb + S_STATUS] = real(status);
    if (status == ST_RUNNING) {
        atomicAdd(&n_running, 1u);
    }
}
