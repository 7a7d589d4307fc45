// Cruise: one invocation owns one trajectory from the flyby to 311P (or to propellant
// exhaustion or the time limit). The state y = (r, v, m) is integrated by
// shaders/integrator.wgsl; the engine mode (thrusters running, guidance wants thrust, outage)
// is held over each step. Steps end exactly on the known times (outages, thrust-noise nodes
// while thrusting, open-loop segments, the time limit); a mode change inside a step is located
// on the dense output (Illinois or bisection) and the step cut back to it; rendezvous, the
// orbit-match milestone and propellant
// exhaustion are located on their step's dense output. The f64 CPU twin is
// scenario/cruise/cpu.rs (its module comment has the details).

struct Y {
    r: vec3<real>,
    v: vec3<real>,
    m: real,
};

fn y_add(a: Y, b: Y) -> Y {
    return Y(a.r + b.r, a.v + b.v, a.m + b.m);
}

fn y_scale(s: real, a: Y) -> Y {
    return Y(s * a.r, s * a.v, s * a.m);
}

// cpu.rs `error_norm`: one weight per vector (from its length) and one for the mass.
fn y_err_norm(e: Y, y0: Y, y1: Y, rtol: real, atol: real) -> real {
    let wr = atol + rtol * max(length(y0.r), length(y1.r));
    let wv = atol + rtol * max(length(y0.v), length(y1.v));
    let wm = atol + rtol * max(abs(y0.m), abs(y1.m));
    let s = dot(e.r, e.r) / (wr * wr) + dot(e.v, e.v) / (wv * wv) + (e.m / wm) * (e.m / wm);
    return sqrt(s / 7.0);
}

// One sample under the mode held over a step (cpu.rs `Held`).
struct P {
    ib: u32,
    on: bool,
    n_on: real,
    ol_dir: vec3<real>,   // open loop: the segment's direction in radial/transverse/normal
    ol_thr: real,         // and its throttle (1 under other guidance)
    qc: QLawConsts,
    psi0: real,           // the phase still to gain on 311P at the step start, unwrapped
    ph0: vec2<real>,      // and its (cos, sin)
    approach: bool,       // the approach stage is in force
};

fn comet_position(t: real) -> vec3<real> {
    return body_position(dims.n_bodies, t);
}

// cpu.rs `phase_cs`: the comet's (cos, sin) phase ahead of the spacecraft, about 311P's
// orbit normal.
fn phase_cs(r: vec3<real>, t: real) -> vec2<real> {
    let h = target_h_hat();
    let ru = unit3(r);
    let cu = unit3(comet_position(t));
    return vec2<real>(dot(ru, cu), dot(cross(ru, cu), h));
}

// cpu.rs `unwrap_phase`: a phase given as (cos, sin), unwrapped against the step start's.
fn unwrap_phase(cs: vec2<real>, p: P) -> real {
    let c0 = p.ph0.x;
    let s0 = p.ph0.y;
    return p.psi0 + ratan2_small(c0 * cs.y - s0 * cs.x, c0 * cs.x + s0 * cs.y);
}

// cpu.rs `phase_to_gain`: the phase still to gain at (r, t).
fn phase_to_gain(r: vec3<real>, t: real, p: P) -> real {
    return unwrap_phase(phase_cs(r, t), p);
}

// cpu.rs `phased_target`: the Q-law's target with the phasing term on its semi-major axis.
fn phased_qc(r: vec3<real>, v: vec3<real>, t: real, p: P) -> QLawConsts {
    var qc = p.qc;
    let gain = consts[C_PH_GAIN];
    if (gain > 0.0) {
        let inv_a = 2.0 / length(r) - dot(v, v) / consts[C_SUN_MU];
        let ratio = qc.a_t * inv_a;
        var x = -consts[C_PH_MAX];
        if (inv_a > 0.0) {
            x = gain * phase_to_gain(r, t, p) + 2.0 / 3.0 * (1.0 - sqrt(ratio * ratio * ratio));
        }
        qc.a_t = qc.a_t * (1.0 - clamp(x, -consts[C_PH_MAX], consts[C_PH_MAX]));
    }
    return qc;
}

// cpu.rs `approach_command`: (unit direction, throttle in [0, 1]) of the approach law.
fn approach_command(r: vec3<real>, v: vec3<real>, m: real, t: real, p: P) -> vec4<real> {
    let a_max = p.n_on * inputs[p.ib + I_THRUST] * inputs[p.ib + I_DUTY] / m;
    if (a_max <= 0.0) {
        return vec4<real>(0.0, 0.0, 0.0, 0.0);
    }
    let rc = comet_position(t);
    let vc = body_velocity(dims.n_bodies, t);
    let dr = r - rc;
    let dv = v - vc;
    let d = length(dr);
    let tau = consts[C_APP_TAU];
    let mu = consts[C_SUN_MU];
    let rn = length(r);
    let rcn = length(rc);
    let k_r = -mu / (rn * rn * rn);
    let k_c = mu / (rcn * rcn * rcn);
    // The profile c(d) = sqrt(k (d + d0)) - sqrt(k d0), v_ref = -g dr with g = k / (s1 + s0),
    // and its rate along the flight fed forward (cpu.rs).
    let k = 2.0 * APPROACH_ACCEL_SHARE * a_max;
    let s0 = 0.5 * k * tau;
    let s1 = sqrt(k * d + s0 * s0);
    let g = k / (s1 + s0);
    var dg_d: real = 0.0;
    if (d > 0.0) {
        dg_d = -k * k / (2.0 * s1 * (s1 + s0) * (s1 + s0) * d);
    }
    let tidal = k_r * r + k_c * rc;
    let ff = -g * dv - (dg_d * dot(dr, dv)) * dr;
    let a_cmd = ff - tidal + (-g * dr - dv) / tau;
    let an = length(a_cmd);
    if (an <= 0.0) {
        return vec4<real>(0.0, 0.0, 0.0, 0.0);
    }
    return vec4<real>(a_cmd / an, min(an / a_max, 1.0));
}

// cpu.rs `rendezvous`: within the rendezvous distance and relative speed of 311P.
fn rendezvous(r: vec3<real>, v: vec3<real>, t: real) -> bool {
    let dr = r - comet_position(t);
    let dv = v - body_velocity(dims.n_bodies, t);
    return length(dr) <= consts[C_RDV_D] && length(dv) <= consts[C_RDV_V];
}

struct Aux {
    unused: real,
};

struct Eval {
    f: Y,
    aux: Aux,
};

// cpu.rs `steering`: the guidance's thrust direction at a state (before pointing errors).
fn steering(r: vec3<real>, v: vec3<real>, m: real, t: real, p: P) -> vec3<real> {
    if (dims.guidance == GUIDE_TANGENTIAL) {
        return unit3(v);
    } else if (dims.guidance == GUIDE_INERTIAL) {
        return vec3<real>(consts[C_DIR], consts[C_DIR + 1u], consts[C_DIR + 2u]);
    } else if (dims.guidance == GUIDE_OPEN_LOOP) {
        let rh = unit3(r);
        let nh = unit3(cross(r, v));
        let th = cross(nh, rh);
        return p.ol_dir.x * rh + p.ol_dir.y * th + p.ol_dir.z * nh;
    }
    let accel = p.n_on * inputs[p.ib + I_THRUST] * inputs[p.ib + I_DUTY] / m;
    return qlaw_steering(r, v, consts[C_SUN_MU], max(accel, 1.0e-12), phased_qc(r, v, t, p));
}

fn rhs(t: real, y: Y, p: P) -> Eval {
    var a = cruise_gravity(y.r, t);
    var mdot: real = 0.0;
    if (p.on) {
        let duty = inputs[p.ib + I_DUTY];
        var dir_th = vec4<real>(0.0, 0.0, 0.0, 1.0);
        if (p.approach) {
            dir_th = approach_command(y.r, y.v, y.m, t, p);
        } else {
            dir_th = vec4<real>(steering(y.r, y.v, y.m, t, p), p.ol_thr);
        }
        if (dir_th.w > 0.0) {
            // cpu.rs: the noise's factor held at zero.
            let thrust = dir_th.w * p.n_on * inputs[p.ib + I_THRUST] * duty
                * max(1.0 + thrust_noise(p.ib, t), 0.0);
            mdot = dir_th.w * p.n_on * inputs[p.ib + I_MDOT] * duty;
            a = a + (thrust / y.m) * point_thrust(p.ib, dir_th.xyz);
        }
    }
    var e: Eval;
    e.f = Y(y.v, a, -mdot);
    e.aux = Aux(0.0);
    return e;
}

// cpu.rs `mode_at`: (mode_code of the thrusters the power runs at (y, t) and whether the
// guidance wants thrust (open loop: the held segment's command), the Q-law's effectivity (0 for
// other guidance)); the Q-law wants thrust when the effectivity reaches mode_cut(wanting).
fn mode_at(y: Y, t: real, p: P, wanting: bool) -> vec2<real> {
    let n_on = thrusters_on(p.ib, y.r, t);
    var wants = true;
    var eta: real = 0.0;
    // The approach stage: within C_APPROACH of the comet, left beyond twice that.
    var limit = consts[C_APPROACH];
    if (p.approach) {
        limit = 2.0 * limit;
    }
    let approach = dims.guidance == GUIDE_QLAW && length(y.r - comet_position(t)) < limit;
    if (approach) {
        wants = true;
    } else if (dims.guidance == GUIDE_QLAW) {
        let accel = n_on * inputs[p.ib + I_THRUST] * inputs[p.ib + I_DUTY] / y.m;
        let d = qlaw_direction(y.r, y.v, consts[C_SUN_MU], max(accel, 1.0e-12),
            phased_qc(y.r, y.v, t, p));
        wants = d.q_dot_best < 0.0 && d.eta_r >= mode_cut(p, wanting);
        eta = d.eta_r;
    } else if (dims.guidance == GUIDE_OPEN_LOOP) {
        wants = wanting; // the held segment's command (cpu.rs)
    }
    return vec2<real>(2.0 * n_on + select(real(0.0), real(1.0), wants)
        + select(real(0.0), APPROACH_MODE, approach), eta);
}

// cpu.rs `cut`: eta_cut, less the hysteresis band while the Q-law thrusts.
fn mode_cut(p: P, wanting: bool) -> real {
    return p.qc.eta_cut - select(real(0.0), consts[C_ETA_HYST], wanting);
}

// The arrival test of physics::qlaw::arrived (shaders/qlaw.wgsl), against the target orbit in
// the constants: the one formulation that the tests check.
fn arrived_at_target(r: vec3<real>, v: vec3<real>) -> bool {
    return qlaw_arrived(r, v, consts[C_SUN_MU], consts[C_TGT_A], target_e_vec(), target_h_hat(),
        consts[C_TOL_A], consts[C_TOL_E], consts[C_COS_TOL_I]);
}

// cpu.rs `match_ratios`: the orbit match's criteria as fractions of their tolerances.
fn match_ratios_at(y: Y) -> vec3<real> {
    return qlaw_match_ratios(y.r, y.v, consts[C_SUN_MU], consts[C_TGT_A], target_e_vec(),
        target_h_hat(), consts[C_TOL_A], consts[C_TOL_E], consts[C_COS_TOL_I]);
}

// The orbit match's target eccentricity vector and orbit normal (physics::qlaw::QLawTarget).
fn target_e_vec() -> vec3<real> {
    return vec3<real>(consts[C_TGT_E], consts[C_TGT_E + 1u], consts[C_TGT_E + 2u]);
}

fn target_h_hat() -> vec3<real> {
    return vec3<real>(consts[C_TGT_H], consts[C_TGT_H + 1u], consts[C_TGT_H + 2u]);
}

fn finite_y(y: Y) -> bool {
    return abs(y.r.x) <= 1.0e30 && abs(y.r.y) <= 1.0e30 && abs(y.r.z) <= 1.0e30
        && abs(y.v.x) <= 1.0e30 && abs(y.v.y) <= 1.0e30 && abs(y.v.z) <= 1.0e30
        && abs(y.m) <= 1.0e30;
}

fn ol_at(k: u32, j: u32) -> real {
    return consts[dims.off_ol + OL_ROW * k + j];
}

// cpu.rs `next_stop`: the earliest time after t that a step must end on exactly.
fn next_stop(ib: u32, t: real, on: bool, out_idx: real, ol_idx: u32, t_switch: real) -> real {
    var stop = min(consts[C_T_LIMIT], t_switch);
    if (out_idx < inputs[ib + I_N_OUT]) {
        let a = inputs[ib + I_OUT + 2u * u32(out_idx)];
        let b = inputs[ib + I_OUT + 2u * u32(out_idx) + 1u];
        stop = min(stop, select(b, a, t < a));
    }
    if (on && dims.n_gm > 0u) {
        let dt = consts[C_GM_DT];
        var node = (floor(t / dt) + 1.0) * dt;
        if (node <= t) {
            node = node + dt;
        }
        stop = min(stop, node);
    }
    if (dims.guidance == GUIDE_OPEN_LOOP && ol_idx + 1u < dims.n_ol) {
        stop = min(stop, ol_at(ol_idx + 1u, 0u));
    }
    return stop;
}

fn comet_d2(y: Y, t: real) -> real {
    let d = body_position(dims.n_bodies, t) - y.r;
    return dot(d, d);
}

// cpu.rs `range_rate`, a closure in the step's commit: (r - r_311P) . (v - v_311P).
fn comet_range_rate(y: Y, t: real) -> real {
    let n = dims.n_bodies;
    return dot(y.r - body_position(n, t), y.v - body_velocity(n, t));
}

// cpu.rs `rendezvous_ratios`: distance / rendezvous_km and relative speed / rendezvous_m_s.
fn rdv_ratios(y: Y, t: real) -> vec2<real> {
    let n = dims.n_bodies;
    return vec2<real>(length(y.r - body_position(n, t)) / consts[C_RDV_D],
                      length(y.v - body_velocity(n, t)) / consts[C_RDV_V]);
}

// What a step's golden-section search minimises at the fraction x of its search: the squared
// distance to 311P (OBJ_DISTANCE: the closest approach), the rendezvous margin
// (OBJ_RDV_MARGIN: cpu.rs `rendezvous_inside`) or the orbit match's (OBJ_MATCH_MARGIN:
// `match_inside`), at the dense output's fraction x a and the time t + x b.
const OBJ_DISTANCE: u32 = 0u;
const OBJ_RDV_MARGIN: u32 = 1u;
const OBJ_MATCH_MARGIN: u32 = 2u;
fn step_objective(obj: u32, tr: Trial, t: real, a: real, b: real, x: real) -> real {
    let y = integ_dense(tr, x * a);
    let tt = t + x * b;
    if (obj == OBJ_DISTANCE) {
        return comet_d2(y, tt);
    }
    if (obj == OBJ_MATCH_MARGIN) {
        let m = match_ratios_at(y);
        return max(max(m.x, m.y), m.z);
    }
    let q = rdv_ratios(y, tt);
    return max(q.x, q.y);
}

// integrator::golden_max_n on minus the objective over x in [0, 1], CA_ITERATIONS after its
// first two points: the best (x, value) evaluated. One evaluation site in the loop.
fn golden_min_in_step(obj: u32, tr: Trial, t: real, a: real, b: real) -> vec2<real> {
    var g_a: real = 0.0;
    var g_b: real = 1.0;
    var g_c = g_b - GOLDEN * (g_b - g_a);
    var g_d = g_a + GOLDEN * (g_b - g_a);
    var f_c = step_objective(obj, tr, t, a, b, g_c);
    var f_d = step_objective(obj, tr, t, a, b, g_d);
    var best = vec2<real>(g_c, f_c);
    if (f_d < f_c) {
        best = vec2<real>(g_d, f_d);
    }
    for (var j = 0u; j < CA_ITERATIONS; j = j + 1u) {
        let left = f_c <= f_d;
        if (left) {
            g_b = g_d;
            g_d = g_c;
            f_d = f_c;
            g_c = g_b - GOLDEN * (g_b - g_a);
        } else {
            g_a = g_c;
            g_c = g_d;
            f_c = f_d;
            g_d = g_a + GOLDEN * (g_b - g_a);
        }
        let x_new = select(g_d, g_c, left);
        let f_new = step_objective(obj, tr, t, a, b, x_new);
        if (left) {
            f_c = f_new;
        } else {
            f_d = f_new;
        }
        if (f_new < best.y) {
            best = vec2<real>(x_new, f_new);
        }
    }
    return best;
}

// A Y at `sb` of the state storage: the row's (r, v, m) when sb is a row's start (the
// integrator's contract: load_y, store_y, Y_LEN; the cruise keeps no dense output).
const Y_LEN: u32 = N_Y;

fn load_y(sb: u32) -> Y {
    return Y(vec3<real>(states[sb + S_R], states[sb + S_R + 1u], states[sb + S_R + 2u]),
             vec3<real>(states[sb + S_V], states[sb + S_V + 1u], states[sb + S_V + 2u]),
             states[sb + S_M]);
}

fn store_y(sb: u32, y: Y) {
    states[sb + S_R] = y.r.x;
    states[sb + S_R + 1u] = y.r.y;
    states[sb + S_R + 2u] = y.r.z;
    states[sb + S_V] = y.v.x;
    states[sb + S_V + 1u] = y.v.y;
    states[sb + S_V + 2u] = y.v.z;
    states[sb + S_M] = y.m;
}

@compute @workgroup_size(WG)
fn cruise_step(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    if (i >= dims.n) {
        return;
    }
    let ib = i * dims.in_stride;
    let sb = i * STATE_LEN;
    if (states[sb + S_STATUS] != real(ST_RUNNING)) {
        return;
    }
    var y = load_y(sb);
    var t = states[sb + S_T];
    var thrust_on = states[sb + S_THRUST_ON];
    var missed = states[sb + S_MISSED];
    var rmin = states[sb + S_RMIN];
    var rmax = states[sb + S_RMAX];
    var steps = states[sb + S_STEPS];
    var rejected = states[sb + S_REJECTED];
    var ca_dist = states[sb + S_CA_DIST];
    var ca_t = states[sb + S_CA_T];
    var out_idx = states[sb + S_OUT_IDX];
    var h = states[sb + S_H];
    var err_prev = states[sb + S_ERR_PREV];
    let ln_start = rlog(ERR_PREV_START);
    var ln_prev = rlog(err_prev);
    // The host sets the first step's mode (Cruise::initial_state).
    var mode = states[sb + S_MODE];
    var t_switch = states[sb + S_T_SWITCH];
    var sw_mode = states[sb + S_SW_MODE];
    var ol_idx = u32(states[sb + S_OL_IDX]);
    var psi = states[sb + S_PSI];
    var ph = vec2<real>(states[sb + S_PH_C], states[sb + S_PH_C + 1u]);
    var match_t = states[sb + S_MATCH_T];
    var status = ST_RUNNING;
    let dry = inputs[ib + I_MASS0] - inputs[ib + I_PROP0];
    var p: P;
    p.ib = ib;
    if (dims.guidance == GUIDE_QLAW) {
        p.qc = qlaw_consts_from(dims.off_qlaw);
    }
    let tol_rtol = consts[C_RTOL];
    let tol_atol = consts[C_ATOL];

    // An iteration in phase 0 takes a trial step and, when it is kept, evaluates the engine
    // mode at its end; an iteration in phase 1 (the mode changed over the step) evaluates the
    // mode at one of the root finder's points. One evaluation site of the guidance's
    // effectivity test, and no loop around it but this one: a bisection loop around it was
    // miscompiled on lavapipe (Mesa 22.3). (The end-of-step evaluation had an iteration of its
    // own until 2026-12-03: llvmpipe runs both phases' code on every iteration, so a kept step
    // cost two trials' worth.) A dispatch that ends inside phase 1 drops the trial; the next
    // dispatch takes the same step again, identically.
    var phase = 0u;
    var tr: Trial;
    var hs: real = 0.0;
    var h_next: real = 0.0;
    var ln_err: real = 0.0; // the log of the last decision's clamped error (integ_decide)
    var t1: real = 0.0;
    var reaching_switch = false;
    var outage = false;
    var mode0: real = 0.0;
    var n_on: real = 0.0;
    var wants = false;
    var mode1: real = 0.0;
    var x_eval: real = 1.0;
    var n_eval = 0u;
    var lo: real = 0.0;
    var hi: real = 1.0;
    var hi_mode: real = 0.0;
    var eta0 = states[sb + S_ETA];
    var eta1: real = 0.0;
    var illinois = false;
    var br = root_new(1.0, -1.0);
    for (var k = 0u; k < dims.max_steps; k = k + 1u) {
        if (phase == 0u) {
            if (!(finite_y(y) && y.m > 0.0)) {
                status = ST_FAILED;
                break;
            }
            let first = steps == 0.0 && rejected == 0.0;
            if (first && rendezvous(y.r, y.v, t)) {
                status = ST_ARRIVED;
                break;
            }
            if (first && y.m <= dry) {
                status = ST_PROPELLANT_EXHAUSTED;
                break;
            }
            if (t >= consts[C_T_LIMIT]) {
                status = ST_TIMEOUT;
                break;
            }
            if (integ_adaptive() && steps + rejected >= consts[C_MAX_TRIALS]) {
                status = ST_FAILED;
                break;
            }
            // The mode held over this step.
            outage = in_outage(ib, t, &out_idx);
            p.on = false;
            p.ol_dir = vec3<real>(0.0, 0.0, 0.0);
            p.ol_thr = 1.0;
            p.psi0 = psi;
            p.ph0 = ph;
            if (dims.guidance == GUIDE_OPEN_LOOP) {
                if (ol_idx + 1u < dims.n_ol && t >= ol_at(ol_idx + 1u, 0u)) {
                    ol_idx = ol_idx + 1u;
                }
                p.on = ol_at(ol_idx, 1u) != 0.0;
                p.ol_dir = vec3<real>(ol_at(ol_idx, 2u), ol_at(ol_idx, 3u), ol_at(ol_idx, 4u));
                p.ol_thr = ol_at(ol_idx, 5u);
                mode = 2.0 * floor(mode * 0.5) + select(real(0.0), real(1.0), p.on);
            }
            mode0 = mode;
            p.approach = mode0 >= APPROACH_MODE;
            let base = mode0 - select(real(0.0), APPROACH_MODE, p.approach);
            n_on = floor(base * 0.5);
            wants = base - 2.0 * n_on != 0.0;
            p.n_on = n_on;
            p.on = n_on > 0.0 && wants && !outage;

            // The step: the controller's (or rk4's fixed one), ending exactly on the next stop.
            hs = min(h, consts[C_MAX_STEP]);
            if (!integ_adaptive()) {
                hs = consts[C_DT];
            }
            let stop = next_stop(ib, t, p.on, out_idx, ol_idx, t_switch);
            let cut = stop - t <= hs;
            if (cut) {
                hs = stop - t;
            }
            let e0 = rhs(t, y, p);
            tr = integ_trial(t, y, e0.f, hs, p, tol_rtol, tol_atol);
            let finite = finite_y(tr.y1) && finite_y(tr.f1);
            let d = integ_decide(finite, tr.err, ln_prev, hs);
            h_next = d.y;
            ln_err = d.z;
            if (d.x == 0.0) {
                if (!integ_adaptive() || h_next < MIN_STEP_S) {
                    status = ST_FAILED;
                    // The step the control asked for, for the failure's reason.
                    if (integ_adaptive()) {
                        h = h_next;
                    }
                    break;
                }
                rejected = rejected + 1.0;
                h = h_next;
                continue;
            }
            t1 = t + hs;
            if (cut) {
                t1 = stop;
            }
            reaching_switch = cut && stop == t_switch;
            phase = 1u;
            x_eval = 1.0;
            n_eval = 0u;
            lo = 0.0;
            hi = 1.0;
            // On to the mode at the step's end in this same iteration.
        }

        // Phase 1: the mode at the step's end (first evaluation); if it changed, Illinois on
        // the effectivity when only the Q-law's wish changed across its cut (cpu.rs), else
        // bisection on the mode.
        var yx = tr.y1;
        var tx = t1;
        if (n_eval > 0u) {
            yx = integ_dense(tr, x_eval);
            tx = tr.t0 + x_eval * tr.h;
        }
        let me = mode_at(yx, tx, p, wants);
        let md = me.x;
        var done = false;
        if (n_eval == 0u) {
            mode1 = md;
            eta1 = me.y;
            hi_mode = md;
            done = md == mode0 || reaching_switch;
            let g0 = eta0 - mode_cut(p, wants);
            let g1 = me.y - mode_cut(p, wants);
            illinois = dims.guidance == GUIDE_QLAW && !p.approach && floor(md * 0.5) == n_on
                && (g0 >= 0.0) != (g1 >= 0.0);
            br = root_new(g0, g1);
        } else if (illinois) {
            br = root_update(br, x_eval, me.y - mode_cut(p, wants));
            done = n_eval == SWITCH_ROOT_ITERATIONS;
            if (done) {
                hi = -floor(-root_next(br) * SWITCH_GRID) / SWITCH_GRID;
            }
        } else {
            if (md != mode0) {
                hi = x_eval;
                hi_mode = md;
            } else {
                lo = x_eval;
            }
            done = n_eval == SWITCH_BISECTIONS;
        }
        n_eval = n_eval + 1u;
        if (!done) {
            x_eval = select(0.5 * (lo + hi), root_next(br), illinois);
            continue;
        }
        phase = 0u;
        let changed = mode1 != mode0 && !reaching_switch;
        // Cut back to the change (not committed), or to the switch's floor when the change is
        // closer to the start (layout.rs switch_floor_s: SWITCH_MIN_S for the Q-law's wish
        // alone, else SWITCH_MIN_OTHER_S); a step no longer than that is kept as it is.
        let wish_only = floor(mode0 * 0.5) == floor(hi_mode * 0.5);
        let t_cut = t + max(hi * hs, select(SWITCH_MIN_OTHER_S, SWITCH_MIN_S, wish_only));
        if (changed && hi < 1.0 && t_cut < t1) {
            t_switch = t_cut;
            sw_mode = hi_mode;
            rejected = rejected + 1.0;
            continue;
        }
        if (reaching_switch) {
            mode1 = sw_mode;
            t_switch = NO_SWITCH;
        }
        // End conditions inside the step, located on the dense output (the earlier one).
        var th_end: real = 1.0;
        var end_status = ST_RUNNING;
        // The bracket of the rendezvous's first entry: the whole step when its end is in
        // rendezvous, else up to a point inside found by cpu.rs `rendezvous_inside`'s search;
        // then one bisection (cpu.rs `first_hit_before`).
        var a_hi: real = -1.0;
        if (rendezvous(tr.y1.r, tr.y1.v, t1)) {
            a_hi = 1.0;
        } else {
            let q0 = rdv_ratios(y, tr.t0);
            let q1 = rdv_ratios(tr.y1, tr.t0 + tr.h);
            if (min(q0.x, q1.x) <= 2.0 && min(q0.y, q1.y) <= 2.0) {
                let g = golden_min_in_step(OBJ_RDV_MARGIN, tr, tr.t0, 1.0, tr.h);
                let yg = integ_dense(tr, g.x);
                if (rendezvous(yg.r, yg.v, tr.t0 + g.x * tr.h)) {
                    a_hi = g.x;
                }
            }
        }
        if (a_hi > 0.0) {
            var a_lo: real = 0.0;
            for (var j = 0u; j < SWITCH_BISECTIONS; j = j + 1u) {
                let mid = 0.5 * (a_lo + a_hi);
                let ym = integ_dense(tr, mid);
                if (rendezvous(ym.r, ym.v, tr.t0 + mid * tr.h)) {
                    a_hi = mid;
                } else {
                    a_lo = mid;
                }
            }
            th_end = a_hi;
            end_status = ST_ARRIVED;
        }
        if (tr.y1.m <= dry) {
            var m_lo: real = 0.0;
            var m_hi: real = 1.0;
            for (var j = 0u; j < SWITCH_BISECTIONS; j = j + 1u) {
                let mid = 0.5 * (m_lo + m_hi);
                if (integ_dense(tr, mid).m <= dry) {
                    m_hi = mid;
                } else {
                    m_lo = mid;
                }
            }
            if (m_hi < th_end) {
                th_end = m_hi;
                end_status = ST_PROPELLANT_EXHAUSTED;
            }
        }
        var y1 = tr.y1;
        var t_end = t1;
        var h_done = t1 - t;
        if (end_status != ST_RUNNING) {
            y1 = integ_dense(tr, th_end);
            t_end = tr.t0 + th_end * tr.h;
            h_done = th_end * hs;
        }
        // Exhausted: the mass is the dry mass (cpu.rs: the bracket ends just past it).
        if (end_status == ST_PROPELLANT_EXHAUSTED) {
            y1.m = dry;
        }
        // The orbit-match milestone (cpu.rs), located on the dense output: bracketed by the
        // whole step when its end matches, else up to a point inside found by cpu.rs
        // `match_inside`'s search; then one bisection (a point inside lies before th_end).
        if (match_t < 0.0) {
            var o_hi: real = -1.0;
            if (arrived_at_target(y1.r, y1.v)) {
                o_hi = 1.0;
            } else {
                let q0 = match_ratios_at(y);
                let q1 = match_ratios_at(integ_dense(tr, th_end));
                let qn = min(q0, q1);
                if (qn.x <= 2.0 && qn.y <= 2.0 && qn.z <= 2.0) {
                    let g = golden_min_in_step(OBJ_MATCH_MARGIN, tr, t, th_end, 0.0);
                    let yg = integ_dense(tr, g.x * th_end);
                    if (arrived_at_target(yg.r, yg.v)) {
                        o_hi = g.x * th_end;
                    }
                }
            }
            if (o_hi > 0.0) {
                var o_lo: real = 0.0;
                for (var j = 0u; j < SWITCH_BISECTIONS; j = j + 1u) {
                    let mid = 0.5 * (o_lo + o_hi);
                    let ym = integ_dense(tr, mid);
                    if (arrived_at_target(ym.r, ym.v)) {
                        o_hi = mid;
                    } else {
                        o_lo = mid;
                    }
                }
                match_t = tr.t0 + min(o_hi, th_end) * tr.h;
            }
        }
        if (p.on) {
            thrust_on = thrust_on + h_done;
        }
        if (n_on > 0.0 && wants && outage) {
            missed = missed + h_done;
        }
        // Closest approach to 311P: the step's ends, and inside the step when the range rate
        // changes sign over it, located by golden section (cpu.rs `closest_in_step`).
        let d0 = sqrt(comet_d2(y, t));
        if (d0 < ca_dist) {
            ca_dist = d0;
            ca_t = t;
        }
        let d1 = sqrt(comet_d2(y1, t_end));
        if (d1 < ca_dist) {
            ca_dist = d1;
            ca_t = t + h_done;
        }
        if (comet_range_rate(y, t) < 0.0 && comet_range_rate(y1, t_end) > 0.0) {
            let g = golden_min_in_step(OBJ_DISTANCE, tr, t, th_end, h_done);
            let dm = sqrt(g.y);
            if (dm < ca_dist) {
                ca_dist = dm;
                ca_t = t + g.x * h_done;
            }
        }
        let rn = length(y1.r);
        rmin = min(rmin, rn);
        rmax = max(rmax, rn);
        y = y1;
        t = t_end;
        mode = mode1;
        eta0 = eta1;
        steps = steps + 1.0;
        // The phase to gain (cpu.rs, after the step's commit).
        ph = phase_cs(y1.r, t_end);
        psi = unwrap_phase(ph, p);
        if (integ_adaptive()) {
            err_prev = max(tr.err, ERR_PREV_START);
            ln_prev = integ_ln_prev(tr.err, ln_err, ln_start);
            h = h_next;
        }
        if (end_status != ST_RUNNING) {
            status = end_status;
            break;
        }
    }

    store_y(sb, y);
    states[sb + S_T] = t;
    states[sb + S_THRUST_ON] = thrust_on;
    states[sb + S_MISSED] = missed;
    states[sb + S_RMIN] = rmin;
    states[sb + S_RMAX] = rmax;
    states[sb + S_STEPS] = steps;
    states[sb + S_REJECTED] = rejected;
    states[sb + S_CA_DIST] = ca_dist;
    states[sb + S_CA_T] = ca_t;
    states[sb + S_OUT_IDX] = out_idx;
    states[sb + S_H] = h;
    states[sb + S_ERR_PREV] = err_prev;
    states[sb + S_MODE] = mode;
    states[sb + S_T_SWITCH] = t_switch;
    states[sb + S_SW_MODE] = sw_mode;
    states[sb + S_OL_IDX] = real(ol_idx);
    states[sb + S_ETA] = eta0;
    states[sb + S_PSI] = psi;
    states[sb + S_PH_C] = ph.x;
    states[sb + S_PH_C + 1u] = ph.y;
    states[sb + S_MATCH_T] = match_t;
    states[sb + S_STATUS] = real(status);
    end_invocation(status == ST_RUNNING);
}
