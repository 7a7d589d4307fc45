// The integrators, written once for every scenario: the WGSL twin of src/integrator.rs (same
// methods, controller, root and parabola locators; change both to change the integrator).
//
// The scenario supplies, before this file: `struct Y` (the integrated state) with
// `y_add(a, b)`, `y_scale(s, a)`, `y_err_norm(e, y0, y1, rtol, atol)`; `struct P` (one sample's
// parameters); `struct Aux` (observables of a state); `struct Eval { f: Y, aux: Aux }`;
// `fn rhs(t: real, y: Y, p: P) -> Eval`; and `load_y(at)`, `store_y(at, y)` with `Y_LEN`, a Y's
// values in the scenario's state storage. `METHOD` is an override constant (METHOD_DOPRI5 or
// METHOD_RK4).
//
// Generated with the constants, from integrator.rs's own match over the methods (so that no
// method is left out here): integ_adaptive(), whether METHOD controls its step by its error
// estimate (Method::is_adaptive; otherwise the step loops take their configured fixed
// steps), and integ_step_alpha(), the PI controller's exponent for METHOD
// (Method::step_alpha).
//
// What a scenario uses of this file, and all that it may assume of the method: integ_trial (a
// Trial's y1, f1, aux1, err and its two inner stages auxc at thc and auxd at thd),
// integ_adaptive, integ_dense (the step's interpolant on theta in [0, 1], and a quarter step
// either side: the maximum search's window margin), integ_store_dense and integ_load_dense
// (DENSE_VECTORS vectors, to keep a dense output between dispatches), integ_decide and
// integ_ln_prev (the controller), the root bracket and integ_predicted_max. The scenarios'
// maximum and event searches run on integ_dense, so another pair leaves them unchanged.
//
// dopri5: Dormand-Prince 5(4), FSAL, 6 evaluations a step, Hairer's continuous extension, PI
// step-size control. rk4: classical RK4, cubic Hermite dense output (fixed step).

struct Trial {
    t0: real,
    h: real,
    y0: Y,
    y1: Y,
    f1: Y,        // f(t0 + h, y1): the next step's first evaluation
    aux1: Aux,
    auxc: Aux,    // aux at two inner stages, at t0 + thc h and t0 + thd h (approximate
    thc: real,    // states: to rank steps by their largest values)
    auxd: Aux,
    thd: real,
    err: real,    // weighted RMS error norm (0 for rk4); kept when <= 1
    d2: Y,        // dense output coefficients, DENSE_VECTORS (dopri5: Hairer's rcont 2..5)
    d3: Y,
    d4: Y,
    d5: Y,
};

// Dense-output coefficients d2..d4 (Hairer's form): the cubic Hermite through (y0, f0) and
// (y1, f1); d5 is DP5's correction towards 4th order.
fn integ_hermite(tr: ptr<function, Trial>, f0: Y) {
    let dy = y_add((*tr).y1, y_scale(-1.0, (*tr).y0));
    let bspl = y_add(y_scale((*tr).h, f0), y_scale(-1.0, dy));
    (*tr).d2 = dy;
    (*tr).d3 = bspl;
    (*tr).d4 = y_add(y_add(dy, y_scale(-(*tr).h, (*tr).f1)), y_scale(-1.0, bspl));
}

fn integ_trial(t0: real, y0: Y, k1: Y, h: real, p: P, rtol: real, atol: real) -> Trial {
    var tr: Trial;
    tr.t0 = t0;
    tr.h = h;
    tr.y0 = y0;
    if (METHOD == METHOD_RK4) {
        let e2 = rhs(t0 + 0.5 * h, y_add(y0, y_scale(0.5 * h, k1)), p);
        let e3 = rhs(t0 + 0.5 * h, y_add(y0, y_scale(0.5 * h, e2.f)), p);
        tr.auxc = e3.aux;
        tr.thc = 0.5;
        tr.auxd = e3.aux;
        tr.thd = 0.5;
        let e4 = rhs(t0 + h, y_add(y0, y_scale(h, e3.f)), p);
        let s = y_add(y_add(y_scale(1.0 / 6.0, k1), y_scale(1.0 / 3.0, e2.f)),
                      y_add(y_scale(1.0 / 3.0, e3.f), y_scale(1.0 / 6.0, e4.f)));
        tr.y1 = y_add(y0, y_scale(h, s));
        let e7 = rhs(t0 + h, tr.y1, p);
        tr.f1 = e7.f;
        tr.aux1 = e7.aux;
        tr.err = 0.0;
        integ_hermite(&tr, k1);
        tr.d5 = y_scale(0.0, k1);
        return tr;
    }
    let e2 = rhs(t0 + h / 5.0, y_add(y0, y_scale(h / 5.0, k1)), p);
    let k2 = e2.f;
    let e3 = rhs(t0 + 0.3 * h, y_add(y0, y_scale(h, y_add(y_scale(3.0 / 40.0, k1),
                                                          y_scale(9.0 / 40.0, k2)))), p);
    let k3 = e3.f;
    tr.auxc = e3.aux;
    tr.thc = 0.3;
    let e4 = rhs(t0 + 0.8 * h, y_add(y0, y_scale(h, y_add(y_add(y_scale(44.0 / 45.0, k1),
        y_scale(-56.0 / 15.0, k2)), y_scale(32.0 / 9.0, k3)))), p);
    let k4 = e4.f;
    tr.auxd = e4.aux;
    tr.thd = 0.8;
    let e5 = rhs(t0 + 8.0 / 9.0 * h, y_add(y0, y_scale(h, y_add(y_add(
        y_scale(19372.0 / 6561.0, k1), y_scale(-25360.0 / 2187.0, k2)),
        y_add(y_scale(64448.0 / 6561.0, k3), y_scale(-212.0 / 729.0, k4))))), p);
    let k5 = e5.f;
    let e6 = rhs(t0 + h, y_add(y0, y_scale(h, y_add(y_add(y_add(
        y_scale(9017.0 / 3168.0, k1), y_scale(-355.0 / 33.0, k2)),
        y_add(y_scale(46732.0 / 5247.0, k3), y_scale(49.0 / 176.0, k4))),
        y_scale(-5103.0 / 18656.0, k5)))), p);
    let k6 = e6.f;
    tr.y1 = y_add(y0, y_scale(h, y_add(y_add(y_add(y_scale(35.0 / 384.0, k1),
        y_scale(500.0 / 1113.0, k3)), y_add(y_scale(125.0 / 192.0, k4),
        y_scale(-2187.0 / 6784.0, k5))), y_scale(11.0 / 84.0, k6))));
    let e7 = rhs(t0 + h, tr.y1, p);
    let k7 = e7.f;
    tr.f1 = k7;
    tr.aux1 = e7.aux;
    let err = y_scale(h, y_add(y_add(y_add(y_scale(71.0 / 57600.0, k1),
        y_scale(-71.0 / 16695.0, k3)), y_add(y_scale(71.0 / 1920.0, k4),
        y_scale(-17253.0 / 339200.0, k5))), y_add(y_scale(22.0 / 525.0, k6),
        y_scale(-1.0 / 40.0, k7))));
    tr.err = y_err_norm(err, y0, tr.y1, rtol, atol);
    integ_hermite(&tr, k1);
    tr.d5 = y_scale(h, y_add(y_add(y_add(
        y_scale(-12715105075.0 / 11282082432.0, k1),
        y_scale(87487479700.0 / 32700410799.0, k3)),
        y_add(y_scale(-10690763975.0 / 1880347072.0, k4),
        y_scale(701980252875.0 / 199316789632.0, k5))),
        y_add(y_scale(-1453857185.0 / 822651844.0, k6),
        y_scale(69997945.0 / 29380423.0, k7))));
    return tr;
}

// A step's dense output kept in the scenario's storage between dispatches: DENSE_VECTORS
// vectors of Y (integrator::DENSE_VECTORS) from `at`, Y_LEN apart, through the scenario's
// store_y and load_y; the scenario reserves DENSE_VECTORS * Y_LEN values there and needs to
// know nothing of the interpolant. Written out, without a loop or a switch: either costs
// Mesa's compiler time in every kernel build. The four vectors below are integrator.rs's count.
const_assert DENSE_VECTORS == 4u;

fn integ_store_dense(at: u32, tr: Trial) {
    store_y(at, tr.d2);
    store_y(at + Y_LEN, tr.d3);
    store_y(at + 2u * Y_LEN, tr.d4);
    store_y(at + 3u * Y_LEN, tr.d5);
}

fn integ_load_dense(at: u32, tr: ptr<function, Trial>) {
    (*tr).d2 = load_y(at);
    (*tr).d3 = load_y(at + Y_LEN);
    (*tr).d4 = load_y(at + 2u * Y_LEN);
    (*tr).d5 = load_y(at + 3u * Y_LEN);
}

fn integ_dense(tr: Trial, theta: real) -> Y {
    let th1 = 1.0 - theta;
    return y_add(tr.y0, y_scale(theta, y_add(tr.d2, y_scale(th1, y_add(tr.d3,
        y_scale(theta, y_add(tr.d4, y_scale(th1, tr.d5))))))));
}

// PI step-size control (STEP_SAFETY, factors in [STEP_FAC_MIN, STEP_FAC_MAX], STEP_BETA and
// the method's exponent from integ_step_alpha: integrator.rs declares them), in the working
// precision with the prelude's exp and log, the next step rounded down by integ_quantize:
// integrator::Controller::decide (step_factor). Both of its cases in one log and one exponential (llvmpipe would run both
// sides of a branch): the error clamped to [ERR_MIN, ERR_MAX] is each case's own clamp where
// that case applies, and the previous kept error's log,
// `ln_prev`, is carried by the caller (integ_ln_prev). Returns (1 if kept else 0, next step,
// the log of the clamped error).
fn integ_next_step(err: real, ln_prev: real, h: real) -> vec3<real> {
    let kept = err <= 1.0;
    let ln_e = rlog(clamp(err, ERR_MIN, ERR_MAX));
    let alpha = integ_step_alpha();
    let x = select(-alpha * ln_e, STEP_BETA * ln_prev - alpha * ln_e, kept);
    let fac = clamp(STEP_SAFETY * rexp(x), STEP_FAC_MIN, select(real(1.0), STEP_FAC_MAX, kept));
    return vec3<real>(select(real(0.0), real(1.0), kept), integ_quantize(h * fac), ln_e);
}

// Whether a trial is kept (1) or not (0), the next step, and the log of its clamped error
// (integrator::Controller::decide): rk4 keeps every finite trial at its fixed step; dopri5
// asks the controller, a trial that is not finite counting as an error of ERR_NONFINITE.
fn integ_decide(finite: bool, err: real, ln_prev: real, hs: real) -> vec3<real> {
    if (!integ_adaptive()) {
        return vec3<real>(select(real(0.0), real(1.0), finite), hs, 0.0);
    }
    return integ_next_step(select(ERR_NONFINITE, err, finite), ln_prev, hs);
}

// The log of the error a kept trial leaves for the next decision, max(err, ERR_PREV_START)
// (integrator::Controller::decide), from the decision's own log `ln_e` (integ_decide's z) and
// ln_start = rlog(ERR_PREV_START): the same value as rlog(max(err, ERR_PREV_START)).
fn integ_ln_prev(err: real, ln_e: real, ln_start: real) -> real {
    return select(ln_e, ln_start, err < ERR_PREV_START);
}

// integrator::quantize_step: h rounded down to a multiple of 2^floor(log2 h) / STEP_BINS. The
// power of two by binary lifting from 2^30 (at most 80 halvings), without a loop: llvmpipe
// counts every loop iteration against the invocation's budget (shaders/kernel_contract.wgsl).
fn integ_lift(p: ptr<function, real>, n: ptr<function, u32>, k: u32, below: real, step: real,
    h: real) {
    if (*n + k <= 80u && *p * below > h) {
        *p = *p * step;
        *n = *n + k;
    }
}

fn integ_quantize(h: real) -> real {
    var p: real = 1073741824.0;
    var n = 0u;
    // (k, 2^-(k-1), 2^-k): halve k more times when k - 1 more halvings leave p above h.
    integ_lift(&p, &n, 64u, 1.0842021724855044e-19, 5.421010862427522e-20, h);
    integ_lift(&p, &n, 32u, 4.656612873077393e-10, 2.3283064365386963e-10, h);
    integ_lift(&p, &n, 16u, 3.0517578125e-05, 1.52587890625e-05, h);
    integ_lift(&p, &n, 8u, 0.0078125, 0.00390625, h);
    integ_lift(&p, &n, 4u, 0.125, 0.0625, h);
    integ_lift(&p, &n, 2u, 0.5, 0.25, h);
    integ_lift(&p, &n, 1u, 1.0, 0.5, h);
    let q = p / STEP_BINS;
    let hq = floor(h / q) * q;
    if (hq > 0.0 && p <= h) {
        return hq;
    }
    return h;
}

// Illinois bracket on theta in [0, 1], in the same three steps as integrator::RootBracket.
struct RootBracket {
    a: real,
    b: real,
    fa: real,
    fb: real,
    side: i32,
};

fn root_new(fa: real, fb: real) -> RootBracket {
    return RootBracket(0.0, 1.0, fa, fb, 0);
}

fn root_next(br: RootBracket) -> real {
    let denom = br.fa - br.fb;
    if (denom != 0.0) {
        return clamp(br.a + (br.b - br.a) * br.fa / denom, br.a, br.b);
    }
    return 0.5 * (br.a + br.b);
}

fn root_update(br0: RootBracket, c: real, fc: real) -> RootBracket {
    var br = br0;
    if ((fc > 0.0) == (br.fa > 0.0)) {
        br.a = c;
        br.fa = fc;
        if (br.side == -1) {
            br.fb = br.fb * 0.5;
        }
        br.side = -1;
    } else {
        br.b = c;
        br.fb = fc;
        if (br.side == 1) {
            br.fa = br.fa * 0.5;
        }
        br.side = 1;
    }
    return br;
}

fn root_result(br: RootBracket) -> real {
    if (abs(br.fa) < abs(br.fb)) {
        return br.a;
    }
    return br.b;
}

// integrator::parabola_max: the largest value on [0, 1] of the parabola through (0, v0),
// (c, vc), (1, v1), 0 < c < 1.
fn integ_parabola_max(v0: real, vc: real, v1: real, c: real) -> real {
    let ends = max(max(v0, vc), v1);
    // v(x) = v0 + b x + a x^2.
    let a = (vc - v0 - c * (v1 - v0)) / (c * (c - 1.0));
    let b = v1 - v0 - a;
    if (a < 0.0) {
        let x = -b / (2.0 * a);
        if (x > 0.0 && x < 1.0) {
            return max(ends, v0 + b * x + a * x * x);
        }
    }
    return ends;
}

// Trial::predicted_max: a step's largest value of a watched quantity from its values at the
// step's start (v0), its two inner stages (vc at thc, vd at thd) and its end (v1).
fn integ_predicted_max(tr: Trial, v0: real, vc: real, vd: real, v1: real) -> real {
    return max(integ_parabola_max(v0, vc, v1, tr.thc), integ_parabola_max(v0, vd, v1, tr.thd));
}

// The maximum search of integrator::max_in_window is written by the scenario (WGSL has no
// closures) with MAX_GRID, GOLDEN_ITERATIONS and GOLDEN from the generated prelude.
