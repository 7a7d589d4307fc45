// Reentry: one invocation owns one trajectory. 3-DOF point mass in the Earth-centred inertial
// frame (Earth-fixed at the entry epoch); the state y = (r, v, heat load) is integrated by
// shaders/integrator.wgsl. The stepping pass (entry point reentry_step) integrates, detecting
// events at step ends and recording the step that brackets each event and each watched maximum;
// the finishing pass (reentry_finish, one dispatch when every sample of the chunk has stopped)
// locates them on those steps' dense output. The f64 CPU twin
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
    drogue_delay: real,
    drogue_cda: real,
    main_level: real,
    main_delay: real,
    main_cda: real,
    terrain: real,
    gsw: real,
    // The canopy flown over the step (set by `with_canopy`): drag area, and 1 when the fall is
    // flown quasi-steadily (layout QS_SETTLE_S).
    cda: real,
    qs: u32,
};

fn load_params(ib: u32) -> P {
    return P(ib, inputs[ib + I_MASS], inputs[ib + I_AREA], inputs[ib + I_RN],
        inputs[ib + I_LN_RN], inputs[ib + I_CD], inputs[ib + I_CD_SCALE], inputs[ib + I_LD],
        inputs[ib + I_COS_BANK], inputs[ib + I_SIN_BANK], inputs[ib + I_LN_DSCALE],
        inputs[ib + I_LN_RHO0], inputs[ib + I_INV_H], inputs[ib + I_A_EXP], inputs[ib + I_MU],
        inputs[ib + I_AEQ], inputs[ib + I_DROGUE_MACH], inputs[ib + I_H_ENTRY],
        inputs[ib + I_DROGUE_DELAY], inputs[ib + I_DROGUE_CDA], inputs[ib + I_MAIN_LEVEL],
        inputs[ib + I_MAIN_DELAY], inputs[ib + I_MAIN_CDA], inputs[ib + I_TERRAIN],
        inputs[ib + I_GSW], 0.0, 0u);
}

// The parameters with canopy mode `chute` (CH_*) flown (cpu.rs `canopy`).
fn with_canopy(p0: P, chute: u32) -> P {
    var p = p0;
    p.cda = 0.0;
    if (chute == CH_DROGUE) {
        p.cda = p.drogue_cda;
    } else if (chute == CH_MAIN || chute == CH_MAIN_QS) {
        p.cda = p.main_cda;
    }
    p.qs = select(0u, 1u, chute == CH_MAIN_QS);
    return p;
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
    return geodetic_altitude(r, p.aeq, consts[C_E2], consts[C_E2_B], consts[C_E2_EP]);
}

// Velocity of the air at r, given its geodetic frame g = (altitude, cos lat, sin lat): the
// Earth's rotation (the inertial frame is Earth-fixed at t = 0) plus the wind along the local
// east and north (cpu.rs `air_at_geodetic`, `wind_at`).
fn air_at(r: vec3<real>, g: vec3<real>, p: P) -> vec3<real> {
    return air_at_lag(r, g, p, 0.0);
}

// As air_at, with the wind taken `lag_m` higher: a quasi-steady canopy carries the wind
// V_t^2 / g above it (cpu.rs `deriv_in`).
fn air_at_lag(r: vec3<real>, g: vec3<real>, p: P, lag_m: real) -> vec3<real> {
    let w = consts[C_OMEGA];
    var air = vec3<real>(-w * r.y, w * r.x, 0.0);
    if (N_WIND > 0u) {
        let en = wind_en(p.ib, g.x + lag_m);
        let inv_rxy = 1.0 / sqrt(r.x * r.x + r.y * r.y);
        let cl = r.x * inv_rxy;
        let sl = r.y * inv_rxy;
        air = air + vec3<real>(-sl * en.x - g.z * cl * en.y, cl * en.x - g.z * sl * en.y,
                               g.y * en.y);
    }
    return air;
}

fn geodetic_of(r: vec3<real>, p: P) -> vec3<real> {
    return geodetic_frame(r, p.aeq, consts[C_E2], consts[C_E2_B], consts[C_E2_EP]);
}

fn rhs(t: real, y: Y, p: P) -> Eval {
    let geo = geodetic_of(y.r, p);
    let alt = geo.x;
    let air = atmosphere(alt, p.ib, p.ln_dscale, p.ln_rho0, p.inv_h, p.a_exp);
    let rho = select(0.0, rexp(air.ln_rho), air.ln_rho >= -700.0);
    let grav = gravity(y.r, p.mu, p.aeq, consts[C_J2]);
    // Quasi-steady under a canopy: the wind lags by V_t / g, so it is taken V_t^2 / g =
    // 2 m / (rho CdA) higher (cpu.rs `deriv_in`); one wind look-up either way.
    var lag: real = 0.0;
    if (CHUTES == 1u && N_WIND > 0u) {
        lag = select(0.0, 2.0 * p.mass / (rho * p.cda), p.qs != 0u);
    }
    let v_air = air_at_lag(y.r, geo, p, lag);
    let vrel = y.v - v_air;
    let speed = length(vrel);
    let mach = speed / air.a_sound;
    let qdyn = 0.5 * rho * speed * speed;
    let cd = drag_coefficient(mach, p.cd, p.cd_scale);
    let qm = qdyn / p.mass;
    let drag_body = qm * cd * p.area;
    let drag = drag_body + qm * p.cda;
    var acc = grav;
    let vhat = vrel * (1.0 / max(speed, 1.0e-30));
    acc = acc - drag * vhat;
    // The body's lift is its hypersonic trim's: none once a canopy opens (cpu.rs `deriv_in`).
    var ld: real = 0.0;
    if (HAS_LIFT == 1u) {
        let n = cross(y.r, vrel);
        let n_len = length(n);
        // Guarded: r x v_rel is 0 in an exactly vertical fall, where the fade below is 0.
        let nhat = n * (1.0 / max(n_len, 1.0e-30));
        let lift_up = cross(vhat, nhat);
        // Faded within 10 deg of vertical flight (layout LIFT_FADE_SIN; cpu.rs `deriv_in`).
        let fade = min(n_len / (length(y.r) * speed * LIFT_FADE_SIN), 1.0);
        ld = select(p.ld, 0.0, p.cda > 0.0) * fade;
        // Positive bank turns the lift to the right of the air-relative velocity.
        acc = acc + ld * drag_body * (p.cos_bank * lift_up - p.sin_bank * nhat);
    }
    let q_conv = convective_heat_flux(rho, p.rn, speed);
    let q_rad = radiative_heat_flux(air.ln_rho, rho, speed, p.rn, p.ln_rn);
    let lift = ld * drag_body;
    var e: Eval;
    e.f = Y(y.v, acc, q_conv + q_rad);
    e.aux = Aux(alt, mach, qdyn, sqrt(drag * drag + lift * lift) / consts[C_G0], q_conv, q_rad);
    if (CHUTES == 1u && p.qs != 0u) {
        // Quasi-steady fall (cpu.rs `deriv_in`): the air's velocity plus the terminal speed
        // along the effective gravity; v is not used but for the body's Cd. Only arithmetic
        // here: on lavapipe every lane pays for this branch's body.
        let w2 = consts[C_OMEGA] * consts[C_OMEGA];
        let ge = grav + vec3<real>(w2 * y.r.x, w2 * y.r.y, 0.0);
        let g_mag = length(ge);
        let vt = sqrt(2.0 * p.mass * g_mag / (rho * (cd * p.area + p.cda)));
        let qc = convective_heat_flux(rho, p.rn, vt);
        e.f = Y(v_air + vt * (ge * (1.0 / g_mag)), vec3<real>(0.0, 0.0, 0.0), qc);
        e.aux = Aux(alt, vt / air.a_sound, 0.5 * rho * vt * vt, g_mag / consts[C_G0], qc, 0.0);
    }
    return e;
}

fn watch(w: u32, a: Aux) -> real {
    if (w == W_G) {
        return a.g_load;
    } else if (w == W_Q) {
        return a.q_conv + a.q_rad;
    } else if (w == W_QC) {
        return a.q_conv;
    } else if (w == W_QD) {
        return a.qdyn;
    }
    return a.q_rad;
}

fn is_finite(x: real) -> bool {
    // NaN fails the comparison; infinities fail the bound.
    return abs(x) <= 1.0e30;
}

fn y_finite(y: Y) -> bool {
    return is_finite(y.r.x) && is_finite(y.r.y) && is_finite(y.r.z) && is_finite(y.v.x)
        && is_finite(y.v.y) && is_finite(y.v.z) && is_finite(y.q);
}

// A Y's values in the state row (the integrator's contract: load_y, store_y, Y_LEN).
const Y_LEN: u32 = N_Y;

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

// A trial step with the canopy in `p`; after the drogue Mach number (`descent`) at the
// descent's tolerance, which decides only whether the step is kept (cpu.rs `trial`).
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
    p3: real,
    b3: Bracket,
};

fn load_watch(b: u32) -> Watch {
    return Watch(states[b + PK_EXACT], states[b + PK_EXACT_T], states[b + PK_P1],
        load_bracket(b + PK_B1), states[b + PK_P2], load_bracket(b + PK_B2), states[b + PK_P3],
        load_bracket(b + PK_B3));
}

fn store_watch(b: u32, wt: Watch) {
    states[b + PK_EXACT] = wt.exact;
    states[b + PK_EXACT_T] = wt.exact_t;
    states[b + PK_P1] = wt.p1;
    store_bracket(b + PK_B1, wt.b1);
    states[b + PK_P2] = wt.p2;
    store_bracket(b + PK_B2, wt.b2);
    states[b + PK_P3] = wt.p3;
    store_bracket(b + PK_B3, wt.b3);
}

fn watch_start(v: real, t: real, w0: Watch) -> Watch {
    var wt = w0;
    wt.exact = v;
    wt.exact_t = t;
    wt.p1 = v;
    wt.p2 = v;
    wt.p3 = v;
    return wt;
}

// Where the maximum of w lies (cpu.rs `watch_step`): each step's largest value is predicted by
// the parabolas through w at its start (a0), its end and each of two inner stages of the trial
// (approximate states: the loop evaluates nothing beyond the trial). B1, B2 and B3 are the steps
// predicted highest, second and third.
fn watch_step(w: u32, w0: Watch, here: Bracket, a0: Aux, tr: Trial) -> Watch {
    var wt = w0;
    let v1 = watch(w, tr.aux1);
    let pr = integ_predicted_max(tr, watch(w, a0), watch(w, tr.auxc), watch(w, tr.auxd), v1);
    if (pr > wt.p1) {
        wt.b3 = wt.b2;
        wt.p3 = wt.p2;
        wt.b2 = wt.b1;
        wt.p2 = wt.p1;
        wt.p1 = pr;
        wt.b1 = here;
    } else if (pr > wt.p2) {
        wt.b3 = wt.b2;
        wt.p3 = wt.p2;
        wt.p2 = pr;
        wt.b2 = here;
    } else if (pr > wt.p3) {
        wt.p3 = pr;
        wt.b3 = here;
    }
    if (v1 > wt.exact) {
        wt.exact = v1;
        wt.exact_t = here.t0 + here.h;
    }
    return wt;
}

// The canopy plan (cpu.rs `locate_trigger`, `open_canopy`): the canopy flown, when it changes
// next and to what, when the drogue and the main opened, and whether the main was triggered.
struct Chutes {
    chute: u32,
    t_next: real,
    next: u32,
    t_drogue: real,
    t_main: real,
    main_done: real,
};

fn open_canopy(c0: Chutes, t: real) -> Chutes {
    var c = c0;
    c.chute = c.next;
    c.t_next = NO_STOP;
    if (c.chute == CH_DROGUE) {
        c.t_drogue = t;
    } else if (c.chute == CH_MAIN) {
        c.t_main = t;
        c.t_next = t + QS_SETTLE_S;
        c.next = CH_MAIN_QS;
    }
    return c;
}

// A parachute trigger's step: its dense output and the trigger function (less its level) at
// its ends (layout S_TG).
struct Trig {
    t0: real,
    h: real,
    g0: real,
    g1: real,
    tr: Trial,
};

fn store_trig(at: u32, tg: Trig) {
    states[at + TG_T0] = tg.t0;
    states[at + TG_H] = tg.h;
    states[at + TG_G0] = tg.g0;
    states[at + TG_G1] = tg.g1;
    store_y(at + TG_Y0, tg.tr.y0);
    // The integrator's dense output, whatever its form.
    integ_store_dense(at + TG_D, tg.tr);
}

fn load_trig(at: u32) -> Trig {
    var tg: Trig;
    tg.t0 = states[at + TG_T0];
    tg.h = states[at + TG_H];
    tg.g0 = states[at + TG_G0];
    tg.g1 = states[at + TG_G1];
    var tr: Trial;
    tr.t0 = tg.t0;
    tr.h = tg.h;
    tr.y0 = load_y(at + TG_Y0);
    integ_load_dense(at + TG_D, &tr);
    tg.tr = tr;
    return tg;
}

// Altitude, Mach number, dynamic pressure and (with a g-switch) the deceleration [g0] at a
// state, without a canopy (cpu.rs `air_state`, `entry_g`).
fn air_state(y: Y, p: P) -> vec4<real> {
    let geo = geodetic_of(y.r, p);
    let air = atmosphere(geo.x, p.ib, p.ln_dscale, p.ln_rho0, p.inv_h, p.a_exp);
    let rho = select(0.0, rexp(air.ln_rho), air.ln_rho >= -700.0);
    let speed = length(y.v - air_at(y.r, geo, p));
    let mach = speed / air.a_sound;
    let qdyn = 0.5 * rho * speed * speed;
    var g: real = 0.0;
    if (GSWITCH == 1u) {
        g = qdyn * drag_coefficient(mach, p.cd, p.cd_scale) * p.area / p.mass
            * sqrt(1.0 + p.ld * p.ld) / consts[C_G0];
    }
    return vec4<real>(geo.x, mach, qdyn, g);
}

// The trigger as a function that falls through 0 (cpu.rs `locate_trigger`): the Mach number or
// the altitude less its level, the g-switch's threshold less the deceleration.
fn trigger_value(a: vec4<real>, drogue: bool, p: P) -> real {
    if (drogue && GSWITCH == 1u) {
        return p.gsw - a.w;
    }
    return select(a.x - p.main_level, a.y - p.drogue_mach, drogue);
}

// A located trigger: its time, and for the drogue whether it opens (1) or the Mach number was
// crossed below the terrain (2), with the altitude and dynamic pressure there.
struct Located {
    t_c: real,
    done: real,
    alt: real,
    qdyn: real,
};

// cpu.rs `locate_trigger`: the drogue's Mach number or the main's altitude on the step's dense
// output.
fn locate_trig(tg: Trig, drogue: bool, p: P) -> Located {
    var th: real = 0.0;
    // The main is triggered at the step's start when the drogue opened below its level.
    if (tg.g0 > 0.0) {
        var br = root_new(tg.g0, tg.g1);
        for (var i = 0u; i < ROOT_ITERATIONS; i = i + 1u) {
            let c = root_next(br);
            let a = air_state(integ_dense(tg.tr, c), p);
            br = root_update(br, c, trigger_value(a, drogue, p));
        }
        th = root_result(br);
    }
    let a = air_state(integ_dense(tg.tr, th), p);
    let above = a.x >= p.terrain;
    let none = real(-1.0);
    return Located(tg.t0 + th * tg.h, select(real(2.0), real(1.0), above), select(none, a.x, above),
                   select(none, a.z, above));
}

// After the drogue's Mach number, or once a canopy is open: the descent's tolerance and rk4
// step (cpu.rs `descending`; a g-switch triggers before the deceleration pulse).
fn descending(ch: Chutes, drogue_done: real) -> bool {
    return ch.chute != CH_NONE || (drogue_done != 0.0 && GSWITCH == 0u);
}

// The stepping pass: integrate up to dims.max_steps steps (accepted or rejected); whether the
// sample still runs.
fn integrate(sb: u32, p0: P) -> bool {
    var y = load_y(sb + S_Y);
    var t = states[sb + S_T];
    var h = states[sb + S_H];
    var err_prev = states[sb + S_ERR_PREV];
    let ln_start = rlog(ERR_PREV_START);
    var ln_prev = rlog(err_prev);
    var steps = states[sb + S_STEPS];
    var rejected = states[sb + S_REJECTED];
    var drogue_done = states[sb + S_DROGUE_DONE];
    var drogue_alt = states[sb + S_DROGUE_ALT];
    var drogue_qdyn = states[sb + S_DROGUE_QDYN];
    var open_mach = states[sb + S_DROGUE_OPEN_MACH];
    var open_qdyn = states[sb + S_DROGUE_OPEN_QDYN];
    var main_qdyn = states[sb + S_MAIN_OPEN_QDYN];
    var open_alt = states[sb + S_DROGUE_OPEN_ALT];
    var main_alt = states[sb + S_MAIN_OPEN_ALT];
    var pend = u32(states[sb + S_PEND]);
    var ch = Chutes(u32(states[sb + S_CHUTE]), states[sb + S_T_NEXT],
                    u32(states[sb + S_NEXT_CHUTE]), states[sb + S_T_DROGUE],
                    states[sb + S_T_MAIN], states[sb + S_MAIN_DONE]);
    var ev = load_bracket(sb + S_EV);
    var wg = load_watch(sb + S_PK + PK_LEN * W_G);
    var wq = load_watch(sb + S_PK + PK_LEN * W_Q);
    var wqc = load_watch(sb + S_PK + PK_LEN * W_QC);
    var wqr = load_watch(sb + S_PK + PK_LEN * W_QR);
    // The dynamic pressure's watch, where it is not derived from the deceleration's (QD_WATCH).
    var wqd: Watch;
    if (QD_WATCH == 1u) {
        wqd = load_watch(sb + S_PK_QD);
    }
    var status = ST_RUNNING;
    var p = with_canopy(p0, ch.chute);
    var e0 = rhs(t, y, p);
    if (!(y_finite(e0.f) && is_finite(e0.aux.alt))) {
        status = ST_FAILED;
    }
    if (steps == 0.0 && rejected == 0.0) {
        wg = watch_start(watch(W_G, e0.aux), t, wg);
        wq = watch_start(watch(W_Q, e0.aux), t, wq);
        wqc = watch_start(watch(W_QC, e0.aux), t, wqc);
        wqr = watch_start(watch(W_QR, e0.aux), t, wqr);
        if (QD_WATCH == 1u) {
            wqd = watch_start(watch(W_QD, e0.aux), t, wqd);
        }
        if (e0.aux.mach <= p.drogue_mach || e0.aux.g_load >= p.gsw) {
            // Already slow at the start: the drogue is triggered at the initial state.
            drogue_done = 1.0;
            drogue_alt = e0.aux.alt;
            drogue_qdyn = e0.aux.qdyn;
            if (CHUTES == 1u) {
                ch.t_next = t + p.drogue_delay;
                ch.next = CH_DROGUE;
            }
        }
    }
    if (CHUTES == 1u && pend != 0u) {
        // Locate the parachute trigger the previous dispatch stopped at, once per dispatch
        // rather than inside the stepping loop, where every lane would pay for it on every
        // step.
        let lt = locate_trig(load_trig(sb + S_TG), pend == 1u, p);
        if (pend == 1u) {
            drogue_done = lt.done;
            drogue_alt = lt.alt;
            drogue_qdyn = lt.qdyn;
            if (lt.done == 1.0) {
                ch.t_next = lt.t_c + p.drogue_delay;
                ch.next = CH_DROGUE;
            }
        } else {
            ch.main_done = 1.0;
            ch.t_next = lt.t_c + p.main_delay;
            ch.next = CH_MAIN;
        }
        pend = 0u;
    }
    var tg_new: Trig;
    var tg_set = false;
    let t_limit = consts[C_T_LIMIT];
    for (var k = 0u; k < dims.max_steps; k = k + 1u) {
        if (status != ST_RUNNING || (CHUTES == 1u && pend != 0u)) {
            break;
        }
        if (t >= t_limit) {
            status = ST_TIMEOUT;
            break;
        }
        // A canopy opens now (planned at the start, or reached by the last step): this
        // iteration takes no step and only evaluates the right-hand side under it (a trial of
        // length zero, below).
        let opening = CHUTES == 1u && ch.t_next <= t;
        var hs: real = 0.0;
        var reaching = false;
        if (opening) {
            ch = open_canopy(ch, t);
            p = with_canopy(p0, ch.chute);
        } else {
            hs = min(h, consts[C_MAX_STEP]);
            if (!integ_adaptive()) {
                hs = select(consts[C_DT], consts[C_DT_DESCENT], descending(ch, drogue_done));
                if (ch.chute == CH_MAIN) {
                    hs = RK4_MAIN_STEP_S;
                }
            }
            hs = min(hs, t_limit - t);
            reaching = ch.t_next - t <= hs;
            if (reaching) {
                hs = ch.t_next - t;
            }
        }
        // The loop's one call site of the right-hand side: a trial. An opening canopy's first
        // evaluation is a trial of length zero under it, whose last stage is f(t, y) to the
        // bit. llvmpipe predicates branches instead of taking them, so every call site in the
        // loop would cost every lane on every iteration, used or not (docs/PERFORMANCE.md).
        let tr = trial_of(t, y, e0.f, hs, p, descending(ch, drogue_done));
        if (opening) {
            e0.f = tr.f1;
            e0.aux = tr.aux1;
            // The canopies' opening conditions (cpu.rs `advance`).
            if (ch.chute == CH_DROGUE) {
                open_mach = tr.aux1.mach;
                open_qdyn = tr.aux1.qdyn;
                open_alt = tr.aux1.alt;
            }
            if (ch.chute == CH_MAIN) {
                main_qdyn = tr.aux1.qdyn;
                main_alt = tr.aux1.alt;
            }
            continue;
        }
        let finite = y_finite(tr.f1) && y_finite(tr.y1) && is_finite(tr.aux1.alt);
        let d = integ_decide(finite, tr.err, ln_prev, hs);
        let h_next = d.y;
        if (d.x == 0.0) {
            if (!integ_adaptive() || h_next < MIN_STEP_S) {
                status = ST_FAILED;
                break;
            }
            rejected = rejected + 1.0;
            h = h_next;
            continue;
        }
        let t1 = select(t + hs, ch.t_next, reaching);
        // A parachute trigger reached in this step: not committed; the step's dense output
        // is kept, the trigger located at the start of the next dispatch, and the step
        // tried again then (cpu.rs `advance`).
        let a1 = tr.aux1;
        let drogue_hit = drogue_done == 0.0
            && (a1.mach <= p.drogue_mach || a1.g_load >= p.gsw);
        let main_hit = ch.chute == CH_DROGUE && ch.main_done == 0.0
            && a1.alt <= p.main_level;
        if (drogue_hit || main_hit) {
            pend = select(2u, 1u, drogue_hit);
            tg_new.t0 = t;
            tg_new.h = hs;
            tg_new.g0 = trigger_value(vec4<real>(e0.aux.alt, e0.aux.mach, e0.aux.qdyn,
                                                 e0.aux.g_load), drogue_hit, p);
            tg_new.g1 = trigger_value(vec4<real>(a1.alt, a1.mach, a1.qdyn, a1.g_load),
                                      drogue_hit, p);
            tg_new.tr = tr;
            tg_set = true;
            if (CHUTES == 1u) {
                rejected = rejected + 1.0;
                break;
            }
            // Without parachutes the trigger changes nothing: the step is kept and the
            // finishing pass locates it.
            drogue_done = 1.0;
        }
        if (integ_adaptive()) {
            err_prev = max(tr.err, ERR_PREV_START);
            ln_prev = integ_ln_prev(tr.err, d.z, ln_start);
        }
        let here = Bracket(t, hs, y);
        if (a1.alt <= p.terrain) {
            status = ST_LANDED;
        } else if (a1.alt > p.h_entry && dot(tr.y1.r, tr.y1.v) > 0.0) {
            status = ST_SKIPPED_OUT;
        }
        steps = steps + 1.0;
        // The maxima of the entry: watched until a canopy opens (its opening load is not
        // modelled: canopies open to full area at once). The event's step too: a maximum at
        // a hypersonic impact lies in it, and the finishing pass searches it up to the event.
        if (ch.chute == CH_NONE) {
            wg = watch_step(W_G, wg, here, e0.aux, tr);
            wq = watch_step(W_Q, wq, here, e0.aux, tr);
            wqc = watch_step(W_QC, wqc, here, e0.aux, tr);
            wqr = watch_step(W_QR, wqr, here, e0.aux, tr);
            if (QD_WATCH == 1u) {
                wqd = watch_step(W_QD, wqd, here, e0.aux, tr);
            }
        }
        if (status != ST_RUNNING) {
            // Not committed: the finishing pass locates the event inside this step.
            ev = here;
            break;
        }
        y = tr.y1;
        t = t1;
        e0.f = tr.f1;
        e0.aux = tr.aux1;
        h = h_next;
    }
    store_y(sb + S_Y, y);
    states[sb + S_T] = t;
    states[sb + S_H] = h;
    states[sb + S_ERR_PREV] = err_prev;
    states[sb + S_STEPS] = steps;
    states[sb + S_REJECTED] = rejected;
    states[sb + S_DROGUE_DONE] = drogue_done;
    states[sb + S_DROGUE_ALT] = drogue_alt;
    states[sb + S_DROGUE_QDYN] = drogue_qdyn;
    states[sb + S_DROGUE_OPEN_MACH] = open_mach;
    states[sb + S_DROGUE_OPEN_QDYN] = open_qdyn;
    states[sb + S_MAIN_OPEN_QDYN] = main_qdyn;
    states[sb + S_DROGUE_OPEN_ALT] = open_alt;
    states[sb + S_MAIN_OPEN_ALT] = main_alt;
    states[sb + S_CHUTE] = real(ch.chute);
    states[sb + S_T_NEXT] = ch.t_next;
    states[sb + S_NEXT_CHUTE] = real(ch.next);
    states[sb + S_T_DROGUE] = ch.t_drogue;
    states[sb + S_T_MAIN] = ch.t_main;
    states[sb + S_MAIN_DONE] = ch.main_done;
    states[sb + S_PEND] = real(pend);
    if (tg_set) {
        store_trig(sb + S_TG, tg_new);
    }
    store_bracket(sb + S_EV, ev);
    store_watch(sb + S_PK + PK_LEN * W_G, wg);
    store_watch(sb + S_PK + PK_LEN * W_Q, wq);
    store_watch(sb + S_PK + PK_LEN * W_QC, wqc);
    store_watch(sb + S_PK + PK_LEN * W_QR, wqr);
    if (QD_WATCH == 1u) {
        store_watch(sb + S_PK_QD, wqd);
    }
    states[sb + S_STATUS] = real(status);
    return status == ST_RUNNING;
}

fn bracket_trial(at: u32, p: P) -> Trial {
    let t0 = states[at + BR_T0];
    let y0 = load_y(at + BR_Y0);
    let e0 = rhs(t0, y0, p);
    return trial_of(t0, y0, e0.f, states[at + BR_H], p, false);
}

// The finishing pass's windows, in order: the terminal event's step, then each watched
// maximum's B1, B2 and B3 steps.
const WIN_EVENT: u32 = 0u;
const WIN_PEAKS: u32 = 1u;

// The finishing pass: locate the terminal event, refine the watched maxima (recorded only without a
// canopy). One loop over the windows with one step re-integration (`bracket_trial`), so the
// inlined kernel holds one copy of it rather than one per window.
fn finish(sb: u32, p0: P) {
    let status = u32(states[sb + S_STATUS]);
    let terminal = status == ST_LANDED || status == ST_SKIPPED_OUT;
    let chute = u32(states[sb + S_CHUTE]);
    if (CHUTES == 0u && states[sb + S_PEND] == 1.0) {
        let lt = locate_trig(load_trig(sb + S_TG), true, p0);
        states[sb + S_DROGUE_DONE] = lt.done;
        states[sb + S_DROGUE_ALT] = lt.alt;
        states[sb + S_DROGUE_QDYN] = lt.qdyn;
        states[sb + S_PEND] = 0.0;
    }
    for (var k = 0u; k < WIN_PEAKS + 3u * N_WATCH; k = k + 1u) {
        // Peak windows: watch w, slot 0 (B1), 1 (B2) or 2 (B3).
        let w = (k - WIN_PEAKS) / 3u;
        let slot = (k - WIN_PEAKS) % 3u;
        // The dynamic pressure's block is the row's last (layout.rs `watch_block`); a row without
        // its watch ends before it, and none of it is read.
        let b = sb + select(S_PK + PK_LEN * w, S_PK_QD, w == W_QD);
        let watched = w != W_QD || QD_WATCH == 1u;
        var at: u32;
        var live: bool;
        var p = p0;
        if (k == WIN_EVENT) {
            at = sb + S_EV;
            live = terminal;
            p = with_canopy(p0, chute);
        } else {
            at = b + select(select(PK_B3, PK_B2, slot == 1u), PK_B1, slot == 0u);
            live = watched && states[at + BR_H] > 0.0 && (slot < 2u
                || states[b + PK_P3] > states[sb + S_PEAK + w] * (1.0 - THIRD_WINDOW_GAP));
            if (slot == 0u && watched) {
                // Not beyond the flight's end (the event, located above, or the time limit):
                // there the last step's end is an extrapolation below the ground.
                let inside = states[b + PK_EXACT_T] <= states[sb + S_T];
                states[sb + S_PEAK + w] = select(NO_PEAK, states[b + PK_EXACT], inside);
                states[sb + S_T_PEAK + w] = select(0.0, states[b + PK_EXACT_T], inside);
                if (w < N_AT_PEAK) {
                    states[sb + S_AT_PEAK + 2u * w] = NO_PEAK;
                    states[sb + S_AT_PEAK + 2u * w + 1u] = NO_PEAK;
                }
            }
        }
        if (!live) {
            continue;
        }
        let tr = bracket_trial(at, p);
        if (k == WIN_EVENT) {
            let level = select(p.h_entry, p.terrain, status == ST_LANDED);
            var br = root_new(altitude_of(tr.y0.r, p) - level, tr.aux1.alt - level);
            for (var i = 0u; i < ROOT_ITERATIONS; i = i + 1u) {
                let c = root_next(br);
                br = root_update(br, c, altitude_of(integ_dense(tr, c).r, p) - level);
            }
            let th = root_result(br);
            var yl = integ_dense(tr, th);
            if (chute == CH_MAIN_QS) {
                // Under a quasi-steady canopy the velocity is the quasi-steady one.
                yl.v = rhs(0.0, yl, p).f.r;
            }
            store_y(sb + S_Y, yl);
            states[sb + S_T] = tr.t0 + th * tr.h;
        } else {
            // Each window is one step, searched a little beyond its ends, but neither before
            // the entry nor after the flight's end.
            // The dynamic pressure's windows end at the drogue's opening too (cpu.rs `finish`).
            var t_hi = states[sb + S_T];
            if (w == W_QD && states[sb + S_T_DROGUE] >= 0.0) {
                t_hi = min(t_hi, states[sb + S_T_DROGUE]);
            }
            // The altitude and Mach number at the peak g and heat flux, on the dense output of
            // the window that located it, or of the first that holds a step end's maximum
            // no window raised (cpu.rs `finish`): the search's probe.
            let a = sb + S_AT_PEAK + 2u * min(w, N_AT_PEAK - 1u);
            let m = max_in_window(w, max(tr.t0 - WINDOW_MARGIN * tr.h, 0.0),
                                  min(tr.t0 + (1.0 + WINDOW_MARGIN) * tr.h, t_hi), tr, p,
                                  states[sb + S_PEAK + w], states[sb + S_T_PEAK + w],
                                  w < N_AT_PEAK && states[a] == NO_PEAK);
            if (m.v > states[sb + S_PEAK + w]) {
                states[sb + S_PEAK + w] = m.v;
                states[sb + S_T_PEAK + w] = m.x;
            }
            if (w < N_AT_PEAK && m.got) {
                states[a] = m.alt;
                states[a + 1u] = m.mach;
            }
        }
    }
    if (QD_WATCH == 0u) {
        // The drag alone with Cd fixed: the dynamic pressure is the deceleration times
        // g0 m / (Cd A), at its time (cpu.rs `finish`).
        let pg = states[sb + S_PEAK_G];
        states[sb + S_PEAK_QD] = select(pg * consts[C_G0] * p0.mass / (p0.cd * p0.cd_scale * p0.area),
                                        NO_PEAK, pg == NO_PEAK);
        states[sb + S_T_PEAK_QD] = states[sb + S_T_PEAK_G];
    }
    states[sb + S_FINISHED] = 1.0;
}

// What `max_in_window` located: the maximum (x, v), and the altitude and Mach number the probe
// read (`got` where it asked for them: cpu.rs `finish`).
struct WindowMax {
    x: real,
    v: real,
    alt: real,
    mach: real,
    got: bool,
};

// integrator::max_in_window: w on a grid of MAX_GRID + 1 points over [a, b], then golden
// section between the best point's neighbours; (x, w(x)) of the best evaluated. Then one
// probe: the state where the peak now lies, for its altitude and Mach number (cpu.rs
// `finish`): at the window's maximum where it beats `best` (the maximum so far), else at
// `tp` (the maximum's time so far) where `want` and the window holds it. One loop with one
// evaluation site, of a fixed trip count (the probe evaluates even where it is not wanted),
// keeps the inlined kernel small.
fn max_in_window(w: u32, a: real, b: real, tr: Trial, p: P, best: real, tp: real, want: bool)
    -> WindowMax {
    let dx = (b - a) / real(MAX_GRID);
    let n_grid = MAX_GRID + 1u;
    let n_search = n_grid + GOLDEN_ITERATIONS + 2u;
    var bx = a;
    var bv: real = -1.0e30;
    var j = 0u;
    var lo = a;
    var hi = b;
    var c = a;
    var d = b;
    var fc: real = 0.0;
    var fd: real = 0.0;
    var gx: real = 0.0;
    var gv: real = -1.0e30;
    var out: WindowMax;
    for (var i = 0u; i <= n_search; i = i + 1u) {
        var x = a + real(i) * dx;
        var is_c = false;
        if (i == n_grid) {
            // The golden section's bracket, about the grid's best point.
            lo = a + real(max(j, 1u) - 1u) * dx;
            hi = a + real(min(j + 1u, MAX_GRID)) * dx;
            c = hi - GOLDEN * (hi - lo);
            d = lo + GOLDEN * (hi - lo);
            x = c;
            is_c = true;
        } else if (i == n_grid + 1u) {
            x = d;
        } else if (i > n_grid + 1u && i < n_search) {
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
        } else if (i == n_search) {
            if (gv > bv) {
                bx = gx;
                bv = gv;
            }
            out.x = bx;
            out.v = bv;
            let raised = bv > best;
            out.got = raised || (want && tp >= a && tp <= b);
            x = select(tp, bx, raised);
        }
        let aux = rhs(x, integ_dense(tr, (x - tr.t0) / tr.h), p).aux;
        let v = watch(w, aux);
        if (i < n_grid) {
            if (v > bv) {
                bx = x;
                bv = v;
                j = i;
            }
        } else if (i < n_search) {
            fc = select(fc, v, is_c);
            fd = select(v, fd, is_c);
            if (v > gv) {
                gx = x;
                gv = v;
            }
        } else {
            out.alt = aux.alt;
            out.mach = aux.mach;
        }
    }
    return out;
}

// Two entry points, built as two pipelines (engine/gpu/kernel.rs): the stepping pass, dispatched
// until every sample has stopped, and the finishing pass, dispatched once.
@compute @workgroup_size(WG)
fn reentry_step(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= dims.n) {
        return;
    }
    let sb = i * STATE_STRIDE;
    if (states[sb + S_STATUS] != real(ST_RUNNING)) {
        return;
    }
    end_invocation(integrate(sb, load_params(i * dims.in_stride)));
}

@compute @workgroup_size(WG)
fn reentry_finish(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= dims.n) {
        return;
    }
    let sb = i * STATE_STRIDE;
    let st = u32(states[sb + S_STATUS]);
    if (st == ST_RUNNING || st == ST_FAILED || states[sb + S_FINISHED] != 0.0) {
        return;
    }
    finish(sb, load_params(i * dims.in_stride));
    end_invocation(false);
}
