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

// cpu.rs `error_norm`: weighted RMS over the 7 components, one weight per vector (from its
// length) and one for the heat load, so that no weight depends on the frame's orientation.
fn y_err_norm(e: Y, y0: Y, y1: Y, rtol: real, atol: real) -> real {
    let wr = atol + rtol * max(length(y0.r), length(y1.r));
    let wv = atol + rtol * max(length(y0.v), length(y1.v));
    let wq = atol + rtol * max(abs(y0.q), abs(y1.q));
    let s = dot(e.r, e.r) / (wr * wr) + dot(e.v, e.v) / (wv * wv) + (e.q / wq) * (e.q / wq);
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

// A trial step; after the drogue Mach number (`descent`) at the descent's tolerance, which
// decides only whether the step is kept (cpu.rs `trial`).
fn trial_of(t: real, y: Y, f0: Y, h: real, p: P, descent: bool) -> Trial {
    let rtol = select(consts[C_RTOL], consts[C_RTOL_DESCENT], descent);
    return integ_trial(t, y, f0, h, p, max(rtol, RTOL_FLOOR), consts[C_ATOL]);
}

// A step (t0, h, y0) that brackets an event or a maximum.
struct Bracket {
    t0: real,
    h: real,
    y0: Y,
};

fn load_bracket(at: u32) -> Bracket {
    return Bracket(states[at + BR_T0], states[at + BR_H], load_y(at + BR_Y0));
}

fn store_bracket(at: u32, br: Bracket) {
    set_bracket(at, br.t0, br.h, br.y0);
}

// One watched maximum's tracking (the PK_* block), kept in private memory while stepping:
// storage writes inside per-lane branches cost every lane on every step.
struct Watch {
    exact: real,
    exact_t: real,
    p1: real,
    b1: Bracket,
    p2: real,
    b2: Bracket,
};

fn load_watch(b: u32) -> Watch {
    return Watch(states[b + PK_EXACT], states[b + PK_EXACT_T], states[b + PK_P1],
        load_bracket(b + PK_B1), states[b + PK_P2], load_bracket(b + PK_B2));
}

fn store_watch(b: u32, wt: Watch) {
    states[b + PK_EXACT] = wt.exact;
    states[b + PK_EXACT_T] = wt.exact_t;
    states[b + PK_P1] = wt.p1;
    store_bracket(b + PK_B1, wt.b1);
    states[b + PK_P2] = wt.p2;
    store_bracket(b + PK_B2, wt.b2);
}

fn watch_start(v: real, t: real, w0: Watch) -> Watch {
    var wt = w0;
    wt.exact = v;
    wt.exact_t = t;
    wt.p1 = v;
    wt.p2 = v;
    return wt;
}

// Where the maximum of w lies (cpu.rs `watch_step`): each step's largest value is predicted by
// the parabola through w at its start (a0), midpoint (am, on the dense output) and end. B1 is
// the step predicted highest, B2 the runner-up among the others but the step right after B1.
fn watch_step(w: u32, w0: Watch, here: Bracket, a0: Aux, am: Aux, a1: Aux) -> Watch {
    var wt = w0;
    let pr = integ_parabola_max(watch(w, a0), watch(w, am), watch(w, a1));
    // This step follows B1 when it starts where B1 ends (t advances by exactly h).
    let after_b1 = wt.b1.h > 0.0 && wt.b1.t0 + wt.b1.h == here.t0;
    if (pr > wt.p1) {
        wt.b2 = wt.b1;
        wt.p2 = wt.p1;
        wt.p1 = pr;
        wt.b1 = here;
    } else if (!after_b1 && pr > wt.p2) {
        wt.p2 = pr;
        wt.b2 = here;
    }
    let v1 = watch(w, a1);
    if (v1 > wt.exact) {
        wt.exact = v1;
        wt.exact_t = here.t0 + here.h;
    }
    return wt;
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
    var dr = load_bracket(sb + S_DR);
    var ev = load_bracket(sb + S_EV);
    var wg = load_watch(sb + S_PK + PK_LEN * W_G);
    var wq = load_watch(sb + S_PK + PK_LEN * W_Q);
    var wqc = load_watch(sb + S_PK + PK_LEN * W_QC);
    var wqr = load_watch(sb + S_PK + PK_LEN * W_QR);
    var status = ST_RUNNING;
    var e0 = rhs(t, y, p);
    if (!(y_finite(e0.f) && is_finite(e0.aux.alt))) {
        status = ST_FAILED;
    }
    if (steps == 0.0 && rejected == 0.0) {
        wg = watch_start(watch(W_G, e0.aux), t, wg);
        wq = watch_start(watch(W_Q, e0.aux), t, wq);
        wqc = watch_start(watch(W_QC, e0.aux), t, wqc);
        wqr = watch_start(watch(W_QR, e0.aux), t, wqr);
        if (e0.aux.mach <= p.drogue_mach) {
            drogue_done = 1.0;
            dr = Bracket(t, 0.0, y);
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
        let tr = trial_of(t, y, e0.f, hs, p, drogue_done != 0.0);
        let finite = y_finite(tr.f1) && y_finite(tr.y1) && is_finite(tr.aux1.alt);
        var accept = finite;
        var h_next = hs;
        if (METHOD != METHOD_RK4) {
            var err = tr.err;
            if (!finite) {
                err = 1.0e31;
            }
            let d = integ_next_step(err, err_prev, hs);
            accept = d.x != 0.0;
            h_next = d.y;
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
        let here = Bracket(t, hs, y);
        if (drogue_done == 0.0 && a1.mach <= p.drogue_mach) {
            drogue_done = 1.0;
            dr = here;
        }
        if (a1.alt <= 0.0) {
            status = ST_LANDED;
        } else if (a1.alt > p.h_entry && dot(tr.y1.r, tr.y1.v) > 0.0) {
            status = ST_SKIPPED_OUT;
        }
        steps = steps + 1.0;
        if (status != ST_RUNNING) {
            // Not committed: the finishing pass locates the event inside this step.
            ev = here;
            break;
        }
        let am = rhs(t + 0.5 * hs, integ_dense(tr, 0.5), p).aux;
        wg = watch_step(W_G, wg, here, e0.aux, am, a1);
        wq = watch_step(W_Q, wq, here, e0.aux, am, a1);
        wqc = watch_step(W_QC, wqc, here, e0.aux, am, a1);
        wqr = watch_step(W_QR, wqr, here, e0.aux, am, a1);
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
    store_bracket(sb + S_DR, dr);
    store_bracket(sb + S_EV, ev);
    store_watch(sb + S_PK + PK_LEN * W_G, wg);
    store_watch(sb + S_PK + PK_LEN * W_Q, wq);
    store_watch(sb + S_PK + PK_LEN * W_QC, wqc);
    store_watch(sb + S_PK + PK_LEN * W_QR, wqr);
    states[sb + S_STATUS] = real(status);
    if (status == ST_RUNNING) {
        atomicAdd(&n_running, 1u);
    }
}

fn bracket_trial(at: u32, p: P) -> Trial {
    let t0 = states[at + BR_T0];
    let y0 = load_y(at + BR_Y0);
    let e0 = rhs(t0, y0, p);
    return trial_of(t0, y0, e0.f, states[at + BR_H], p, false);
}

// The finishing pass's windows, in order: the terminal event's step, the drogue crossing's
// step, then each watched maximum's B1 and B2 steps.
const WIN_EVENT: u32 = 0u;
const WIN_DROGUE: u32 = 1u;
const WIN_PEAKS: u32 = 2u;

// Phase 1: locate the terminal event and the drogue crossing, refine the watched maxima. One
// loop over the windows with one step re-integration (`bracket_trial`), so the inlined kernel
// holds one copy of it rather than one per window.
fn finish(sb: u32, p: P) {
    let status = u32(states[sb + S_STATUS]);
    let terminal = status == ST_LANDED || status == ST_SKIPPED_OUT;
    let drogue = states[sb + S_DROGUE_DONE] != 0.0;
    var yd = load_y(sb + S_DR + BR_Y0);
    for (var k = 0u; k < WIN_PEAKS + 2u * N_WATCH; k = k + 1u) {
        // Peak windows: watch w, slot 0 (B1) or 1 (B2).
        let w = (k - WIN_PEAKS) / 2u;
        let slot = (k - WIN_PEAKS) % 2u;
        let b = sb + S_PK + PK_LEN * w;
        var at: u32;
        var live: bool;
        if (k == WIN_EVENT) {
            at = sb + S_EV;
            live = terminal;
        } else if (k == WIN_DROGUE) {
            at = sb + S_DR;
            live = drogue && states[at + BR_H] > 0.0;
        } else {
            at = b + select(PK_B2, PK_B1, slot == 0u);
            live = states[at + BR_H] > 0.0;
            if (slot == 0u) {
                states[sb + S_PEAK + w] = states[b + PK_EXACT];
                states[sb + S_T_PEAK + w] = states[b + PK_EXACT_T];
            }
        }
        if (!live) {
            continue;
        }
        let tr = bracket_trial(at, p);
        if (k == WIN_EVENT) {
            let level = select(p.h_entry, 0.0, status == ST_LANDED);
            var br = root_new(altitude_of(tr.y0.r, p) - level, tr.aux1.alt - level);
            for (var i = 0u; i < ROOT_ITERATIONS; i = i + 1u) {
                let c = root_next(br);
                br = root_update(br, c, altitude_of(integ_dense(tr, c).r, p) - level);
            }
            let th = root_result(br);
            store_y(sb + S_Y, integ_dense(tr, th));
            states[sb + S_T] = tr.t0 + th * tr.h;
        } else if (k == WIN_DROGUE) {
            let m_d = p.drogue_mach;
            var br = root_new(mach_of(tr.y0, p) - m_d, tr.aux1.mach - m_d);
            for (var i = 0u; i < ROOT_ITERATIONS; i = i + 1u) {
                let c = root_next(br);
                br = root_update(br, c, mach_of(integ_dense(tr, c), p) - m_d);
            }
            yd = integ_dense(tr, root_result(br));
        } else {
            // Each window is one step, searched a little beyond its ends.
            let m = max_in_window(w, tr.t0 - WINDOW_MARGIN * tr.h,
                                  tr.t0 + (1.0 + WINDOW_MARGIN) * tr.h, tr, p);
            if (m.y > states[sb + S_PEAK + w]) {
                states[sb + S_PEAK + w] = m.y;
                states[sb + S_T_PEAK + w] = m.x;
            }
        }
    }
    if (drogue) {
        let a = rhs(0.0, yd, p).aux;
        if (a.alt >= 0.0) {
            states[sb + S_DROGUE_ALT] = a.alt;
            states[sb + S_DROGUE_QDYN] = a.qdyn;
        } else {
            // Crossed in the landing step, below the ground: no drogue.
            states[sb + S_DROGUE_DONE] = 0.0;
        }
    }
    states[sb + S_FINISHED] = 1.0;
}

// Watched quantity w at time t on the dense output of `tr`.
fn watch_on(w: u32, t: real, tr: Trial, p: P) -> real {
    return watch(w, rhs(t, integ_dense(tr, (t - tr.t0) / tr.h), p).aux);
}

// integrator::max_in_window: w on a grid of MAX_GRID + 1 points over [a, b], then golden
// section between the best point's neighbours; returns (x, w(x)) of the best evaluated. One
// evaluation site per loop keeps the inlined kernel small.
fn max_in_window(w: u32, a: real, b: real, tr: Trial, p: P) -> vec2<real> {
    let dx = (b - a) / real(MAX_GRID);
    var bx = a;
    var bv: real = -1.0e30;
    var j = 0u;
    for (var i = 0u; i <= MAX_GRID; i = i + 1u) {
        let x = a + real(i) * dx;
        let v = watch_on(w, x, tr, p);
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
    var fc: real = 0.0;
    var fd: real = 0.0;
    var gx: real = 0.0;
    var gv: real = -1.0e30;
    // Iterations 0 and 1 evaluate c and d; each later one the new inner point.
    for (var k = 0u; k < GOLDEN_ITERATIONS + 2u; k = k + 1u) {
        var x = c;
        var is_c = k == 0u;
        if (k == 1u) {
            x = d;
        } else if (k >= 2u) {
            if (fc >= fd) {
                hi = d;
                d = c;
                fd = fc;
                c = hi - GOLDEN * (hi - lo);
                x = c;
                is_c = true;
            } else {
                lo = c;
                c = d;
                fc = fd;
                d = lo + GOLDEN * (hi - lo);
                x = d;
            }
        }
        let v = watch_on(w, x, tr, p);
        fc = select(fc, v, is_c);
        fd = select(v, fd, is_c);
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
