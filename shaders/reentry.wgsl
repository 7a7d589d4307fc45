// Reentry: one invocation owns one trajectory. 3-DOF point mass in the Earth-centred inertial
// frame (Earth-fixed at the entry epoch); the state y = (r, v, heat load) is integrated by
// shaders/integrator.wgsl. Phase 0 integrates, detecting events at step ends and recording the
// step that brackets each event and each watched maximum; phase 1 (one dispatch when every
// sample of the chunk has stopped) locates them on those steps' dense output. The f64 CPU twin
// is scenario/reentry/cpu.rs.

struct Y {
    r: vec3<real>,
    v: vec3<real>,
    q: real,
};

fn y_add(a: Y, b: Y) -> Y {
    return Y(a.r + b.r, a.v + b.v, a.q + b.q);
}

fn y_scale(s: real, a: Y) -> Y {
    return Y(s * a.r, s * a.v, s * a.q);
}

fn err_term(e: real, a: real, b: real, rtol: real, atol: real) -> real {
    let x = e / (atol + rtol * max(abs(a), abs(b)));
    return x * x;
}

fn y_err_norm(e: Y, y0: Y, y1: Y, rtol: real, atol: real) -> real {
    var s = err_term(e.r.x, y0.r.x, y1.r.x, rtol, atol);
    s = s + err_term(e.r.y, y0.r.y, y1.r.y, rtol, atol);
    s = s + err_term(e.r.z, y0.r.z, y1.r.z, rtol, atol);
    s = s + err_term(e.v.x, y0.v.x, y1.v.x, rtol, atol);
    s = s + err_term(e.v.y, y0.v.y, y1.v.y, rtol, atol);
    s = s + err_term(e.v.z, y0.v.z, y1.v.z, rtol, atol);
    s = s + err_term(e.q, y0.q, y1.q, rtol, atol);
    return sqrt(s / 7.0);
}

// One sample's parameters, read from its input row once.
struct P {
    ib: u32,
    mass: real,
    area: real,
    rn: real,
    ln_rn: real,
    cd: real,
    cd_scale: real,
    ld: real,
    cos_bank: real,
    sin_bank: real,
    ln_dscale: real,
    ln_rho0: real,
    inv_h: real,
    a_exp: real,
    mu: real,
    aeq: real,
    drogue_mach: real,
    h_entry: real,
};

fn load_params(ib: u32) -> P {
    return P(ib, inputs[ib + I_MASS], inputs[ib + I_AREA], inputs[ib + I_RN],
        inputs[ib + I_LN_RN], inputs[ib + I_CD], inputs[ib + I_CD_SCALE], inputs[ib + I_LD],
        inputs[ib + I_COS_BANK], inputs[ib + I_SIN_BANK], inputs[ib + I_LN_DSCALE],
        inputs[ib + I_LN_RHO0], inputs[ib + I_INV_H], inputs[ib + I_A_EXP], inputs[ib + I_MU],
        inputs[ib + I_AEQ], inputs[ib + I_DROGUE_MACH], inputs[ib + I_H_ENTRY]);
}

struct Aux {
    alt: real,
    mach: real,
    qdyn: real,
    g_load: real,
    q_conv: real,
    q_rad: real,
};

struct Eval {
    f: Y,
    aux: Aux,
};

fn altitude_of(r: vec3<real>, p: P) -> real {
    return geodetic_altitude(r, p.aeq, consts[C_E2]);
}

fn air_velocity(r: vec3<real>, v: vec3<real>) -> vec3<real> {
    let w = consts[C_OMEGA];
    return vec3<real>(v.x + w * r.y, v.y - w * r.x, v.z);
}

fn rhs(t: real, y: Y, p: P) -> Eval {
    let alt = altitude_of(y.r, p);
    let air = atmosphere(alt, p.ib, p.ln_dscale, p.ln_rho0, p.inv_h, p.a_exp);
    let rho = select(0.0, rexp(air.ln_rho), air.ln_rho >= -700.0);
    let vrel = air_velocity(y.r, y.v);
    let speed = length(vrel);
    let mach = speed / air.a_sound;
    let qdyn = 0.5 * rho * speed * speed;
    let drag = qdyn * drag_coefficient(mach, p.cd, p.cd_scale) * p.area / p.mass;
    var acc = gravity(y.r, p.mu, p.aeq, consts[C_J2]);
    let vhat = vrel / max(speed, 1.0e-30);
    acc = acc - drag * vhat;
    if (HAS_LIFT == 1u) {
        let n = cross(y.r, vrel);
        let nhat = n / length(n);
        let lift_up = cross(vhat, nhat);
        // Positive bank turns the lift to the right of the air-relative velocity.
        acc = acc + p.ld * drag * (p.cos_bank * lift_up - p.sin_bank * nhat);
    }
    let q_conv = convective_heat_flux(rho, p.rn, speed);
    let q_rad = radiative_heat_flux(air.ln_rho, rho, speed, p.rn, p.ln_rn);
    var e: Eval;
    e.f = Y(y.v, acc, q_conv + q_rad);
    e.aux = Aux(alt, mach, qdyn, drag * sqrt(1.0 + p.ld * p.ld) / consts[C_G0], q_conv, q_rad);
    return e;
}

fn watch(w: u32, a: Aux) -> real {
    if (w == W_G) {
        return a.g_load;
    } else if (w == W_Q) {
        return a.q_conv + a.q_rad;
    } else if (w == W_QC) {
        return a.q_conv;
    }
    return a.q_rad;
}

fn mach_of(y: Y, p: P) -> real {
    let alt = altitude_of(y.r, p);
    let air = atmosphere(alt, p.ib, p.ln_dscale, p.ln_rho0, p.inv_h, p.a_exp);
    return length(air_velocity(y.r, y.v)) / air.a_sound;
}

fn is_finite(x: real) -> bool {
    // NaN fails the comparison; infinities fail the bound.
    return abs(x) <= 1.0e30;
}

fn y_finite(y: Y) -> bool {
    return is_finite(y.r.x) && is_finite(y.r.y) && is_finite(y.r.z) && is_finite(y.v.x)
        && is_finite(y.v.y) && is_finite(y.v.z) && is_finite(y.q);
}

fn load_y(at: u32) -> Y {
    return Y(vec3<real>(states[at], states[at + 1u], states[at + 2u]),
             vec3<real>(states[at + 3u], states[at + 4u], states[at + 5u]), states[at + 6u]);
}

fn store_y(at: u32, y: Y) {
    states[at] = y.r.x;
    states[at + 1u] = y.r.y;
    states[at + 2u] = y.r.z;
    states[at + 3u] = y.v.x;
    states[at + 4u] = y.v.y;
    states[at + 5u] = y.v.z;
    states[at + 6u] = y.q;
}

fn set_bracket(at: u32, t0: real, h: real, y0: Y) {
    states[at + BR_T0] = t0;
    states[at + BR_H] = h;
    store_y(at + BR_Y0, y0);
}

fn trial_of(t: real, y: Y, f0: Y, h: real, p: P) -> Trial {
    return integ_trial(t, y, f0, h, p, max(consts[C_RTOL], RTOL_FLOOR), consts[C_ATOL]);
}

// Phase 0: integrate up to dims.max_steps steps (accepted or rejected).
fn integrate(sb: u32, p: P) {
    var y = load_y(sb + S_Y);
    var t = states[sb + S_T];
    var h = states[sb + S_H];
    var err_prev = states[sb + S_ERR_PREV];
    var steps = states[sb + S_STEPS];
    var rejected = states[sb + S_REJECTED];
    var drogue_done = states[sb + S_DROGUE_DONE];
    var status = ST_RUNNING;
    var e0 = rhs(t, y, p);
    if (!(y_finite(e0.f) && is_finite(e0.aux.alt))) {
        status = ST_FAILED;
    }
    if (steps == 0.0 && rejected == 0.0) {
        for (var w = 0u; w < N_WATCH; w = w + 1u) {
            let b = sb + S_PK + PK_LEN * w;
            let v = watch(w, e0.aux);
            states[b + PK_EXACT] = v;
            states[b + PK_EXACT_T] = t;
            states[b + PK_PENDING] = 1.0;
            states[b + PK_NODE] = v;
        }
        if (e0.aux.mach <= p.drogue_mach) {
            drogue_done = 1.0;
            set_bracket(sb + S_DR, t, 0.0, y);
        }
    }
    let t_limit = consts[C_T_LIMIT];
    for (var k = 0u; k < dims.max_steps; k = k + 1u) {
        if (status != ST_RUNNING) {
            break;
        }
        if (t >= t_limit) {
            status = ST_TIMEOUT;
            break;
        }
        var hs = min(h, consts[C_MAX_STEP]);
        if (METHOD == METHOD_RK4) {
            hs = select(consts[C_DT], consts[C_DT_DESCENT], drogue_done != 0.0);
        }
        hs = min(hs, t_limit - t);
        let tr = trial_of(t, y, e0.f, hs, p);
        let finite = y_finite(tr.f1) && y_finite(tr.y1) && is_finite(tr.aux1.alt);
        var accept = finite;
        var h_next = hs;
        if (METHOD != METHOD_RK4) {
            var err = tr.err;
            if (!finite) {
                err = 1.0e31;
            }
            let d = integ_step_factor(err, err_prev);
            accept = d.x != 0.0;
            h_next = hs * d.y;
            if (accept) {
                err_prev = max(err, ERR_PREV_START);
            }
        }
        if (!accept) {
            if (METHOD == METHOD_RK4 || h_next < MIN_STEP_S) {
                status = ST_FAILED;
                break;
            }
            rejected = rejected + 1.0;
            h = h_next;
            continue;
        }
        let a1 = tr.aux1;
        if (drogue_done == 0.0 && a1.mach <= p.drogue_mach) {
            drogue_done = 1.0;
            set_bracket(sb + S_DR, t, hs, y);
        }
        if (a1.alt <= 0.0) {
            status = ST_LANDED;
        } else if (a1.alt > p.h_entry && dot(tr.y1.r, tr.y1.v) > 0.0) {
            status = ST_SKIPPED_OUT;
        }
        steps = steps + 1.0;
        if (status != ST_RUNNING) {
            // Not committed: the finishing pass locates the event inside this step.
            set_bracket(sb + S_EV, t, hs, y);
            break;
        }
        // Where each watched maximum lies: around the largest value at a step end (B1 ends
        // there, B2 starts there), and in the step whose stage values reach the largest (BN).
        for (var w = 0u; w < N_WATCH; w = w + 1u) {
            let b = sb + S_PK + PK_LEN * w;
            let node = max(max(watch(w, tr.n0), watch(w, tr.n1)),
                           max(watch(w, tr.n2), watch(w, tr.n3)));
            if (node > states[b + PK_NODE]) {
                states[b + PK_NODE] = node;
                set_bracket(b + PK_BN, t, hs, y);
            }
            if (states[b + PK_PENDING] != 0.0) {
                set_bracket(b + PK_B2, t, hs, y);
                states[b + PK_PENDING] = 0.0;
            }
            let v1 = watch(w, a1);
            if (v1 > states[b + PK_EXACT]) {
                states[b + PK_EXACT] = v1;
                states[b + PK_EXACT_T] = t + hs;
                set_bracket(b + PK_B1, t, hs, y);
                states[b + PK_B2 + BR_H] = 0.0;
                states[b + PK_PENDING] = 1.0;
            }
        }
        y = tr.y1;
        t = t + hs;
        e0.f = tr.f1;
        e0.aux = a1;
        h = h_next;
    }
    store_y(sb + S_Y, y);
    states[sb + S_T] = t;
    states[sb + S_H] = h;
    states[sb + S_ERR_PREV] = err_prev;
    states[sb + S_STEPS] = steps;
    states[sb + S_REJECTED] = rejected;
    states[sb + S_DROGUE_DONE] = drogue_done;
    states[sb + S_STATUS] = real(status);
    if (status == ST_RUNNING) {
        atomicAdd(&n_running, 1u);
    }
}

fn bracket_trial(at: u32, p: P) -> Trial {
    let t0 = states[at + BR_T0];
    let y0 = load_y(at + BR_Y0);
    let e0 = rhs(t0, y0, p);
    return trial_of(t0, y0, e0.f, states[at + BR_H], p);
}

// Phase 1: locate the terminal event and the drogue crossing, refine the watched maxima.
fn finish(sb: u32, p: P) {
    let status = u32(states[sb + S_STATUS]);
    if (status == ST_LANDED || status == ST_SKIPPED_OUT) {
        let level = select(p.h_entry, 0.0, status == ST_LANDED);
        let tr = bracket_trial(sb + S_EV, p);
        var br = root_new(altitude_of(tr.y0.r, p) - level, tr.aux1.alt - level);
        for (var i = 0u; i < ROOT_ITERATIONS; i = i + 1u) {
            let c = root_next(br);
            br = root_update(br, c, altitude_of(integ_dense(tr, c).r, p) - level);
        }
        let th = root_result(br);
        store_y(sb + S_Y, integ_dense(tr, th));
        states[sb + S_T] = tr.t0 + th * tr.h;
    }
    if (states[sb + S_DROGUE_DONE] != 0.0) {
        var yd = load_y(sb + S_DR + BR_Y0);
        if (states[sb + S_DR + BR_H] > 0.0) {
            let tr = bracket_trial(sb + S_DR, p);
            let m_d = p.drogue_mach;
            var br = root_new(mach_of(tr.y0, p) - m_d, tr.aux1.mach - m_d);
            for (var i = 0u; i < ROOT_ITERATIONS; i = i + 1u) {
                let c = root_next(br);
                br = root_update(br, c, mach_of(integ_dense(tr, c), p) - m_d);
            }
            yd = integ_dense(tr, root_result(br));
        }
        let a = rhs(0.0, yd, p).aux;
        if (a.alt >= 0.0) {
            states[sb + S_DROGUE_ALT] = a.alt;
            states[sb + S_DROGUE_QDYN] = a.qdyn;
        } else {
            // Crossed in the landing step, below the ground: no drogue.
            states[sb + S_DROGUE_DONE] = 0.0;
        }
    }
    for (var w = 0u; w < N_WATCH; w = w + 1u) {
        let b = sb + S_PK + PK_LEN * w;
        var best = states[b + PK_EXACT];
        var best_t = states[b + PK_EXACT_T];
        let h1 = states[b + PK_B1 + BR_H];
        let h2 = states[b + PK_B2 + BR_H];
        if (h1 > 0.0 || h2 > 0.0) {
            // The window: B1 then B2, either may be missing.
            let tr1 = bracket_trial(b + PK_B1, p);
            let tr2 = bracket_trial(b + PK_B2, p);
            var first = tr1;
            var last = tr2;
            if (h1 <= 0.0) {
                first = tr2;
            }
            if (h2 <= 0.0) {
                last = tr1;
            }
            let m = max_in_window(w, first.t0, last.t0 + last.h, first, last, p);
            if (m.y > best) {
                best = m.y;
                best_t = m.x;
            }
        }
        if (states[b + PK_BN + BR_H] > 0.0) {
            // The stage-value step, a little beyond its ends.
            let tr = bracket_trial(b + PK_BN, p);
            let m = max_in_window(w, tr.t0 - BN_MARGIN * tr.h, tr.t0 + (1.0 + BN_MARGIN) * tr.h,
                                  tr, tr, p);
            if (m.y > best) {
                best = m.y;
                best_t = m.x;
            }
        }
        states[sb + S_PEAK + w] = best;
        states[sb + S_T_PEAK + w] = best_t;
    }
    states[sb + S_FINISHED] = 1.0;
}

// Watched quantity w at time t on the dense output of `first` (up to its end) or `last`.
fn watch_on(w: u32, t: real, first: Trial, last: Trial, p: P) -> real {
    let ya = integ_dense(first, (t - first.t0) / first.h);
    let yb = integ_dense(last, (t - last.t0) / last.h);
    let in_first = t <= first.t0 + first.h;
    let y = Y(select(yb.r, ya.r, in_first), select(yb.v, ya.v, in_first), select(yb.q, ya.q, in_first));
    return watch(w, rhs(t, y, p).aux);
}

// integrator::max_in_window: w on a grid of MAX_GRID + 1 points over [a, b], then golden
// section between the best point's neighbours; returns (x, w(x)) of the best evaluated.
fn max_in_window(w: u32, a: real, b: real, first: Trial, last: Trial, p: P) -> vec2<real> {
    let dx = (b - a) / real(MAX_GRID);
    var bx = a;
    var bv = watch_on(w, a, first, last, p);
    var j = 0u;
    for (var i = 1u; i <= MAX_GRID; i = i + 1u) {
        let x = a + real(i) * dx;
        let v = watch_on(w, x, first, last, p);
        if (v > bv) {
            bx = x;
            bv = v;
            j = i;
        }
    }
    var lo = a + real(max(j, 1u) - 1u) * dx;
    var hi = a + real(min(j + 1u, MAX_GRID)) * dx;
    var c = hi - GOLDEN * (hi - lo);
    var d = lo + GOLDEN * (hi - lo);
    var fc = watch_on(w, c, first, last, p);
    var fd = watch_on(w, d, first, last, p);
    var gx = c;
    var gv = fc;
    if (fd > fc) {
        gx = d;
        gv = fd;
    }
    for (var k = 0u; k < GOLDEN_ITERATIONS; k = k + 1u) {
        var x: real;
        var v: real;
        if (fc >= fd) {
            hi = d;
            d = c;
            fd = fc;
            c = hi - GOLDEN * (hi - lo);
            fc = watch_on(w, c, first, last, p);
            x = c;
            v = fc;
        } else {
            lo = c;
            c = d;
            fc = fd;
            d = lo + GOLDEN * (hi - lo);
            fd = watch_on(w, d, first, last, p);
            x = d;
            v = fd;
        }
        if (v > gv) {
            gx = x;
            gv = v;
        }
    }
    if (gv > bv) {
        return vec2<real>(gx, gv);
    }
    return vec2<real>(bx, bv);
}

@compute @workgroup_size(WG)
fn reentry_main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= dims.n) {
        return;
    }
    let sb = i * STATE_LEN;
    let p = load_params(i * dims.in_stride);
    if (dims.phase == 0u) {
        if (states[sb + S_STATUS] != real(ST_RUNNING)) {
            return;
        }
        integrate(sb, p);
    } else {
        let st = u32(states[sb + S_STATUS]);
        if (st == ST_RUNNING || st == ST_FAILED || states[sb + S_FINISHED] != 0.0) {
            return;
        }
        finish(sb, p);
    }
}
