//! The integrators, written once for every scenario. This file is the f64 reference;
//! `shaders/integrator.wgsl` is its WGSL twin (same methods, controller, root bracket and
//! maximum prediction; in WGSL the maximum search itself is the scenarios', on the dense
//! output). To change the integrator, or add an adaptive pair, change these two files: the
//! scenarios use only a trial's end state, error, inner stages and interpolant (on the step
//! and a quarter step either side), the method names ([`Method`]) and the dense output's size
//! ([`DENSE_VECTORS`]). A fixed-step method would also meet the reentry's bounds on fixed
//! steps, which are RK4's stability limits (`RK4_MAIN_STEP_S`, `RK4_MAX_DESCENT_STEP_S`).
//!
//! A scenario supplies a right-hand side ([`System`]); the integrator takes trial steps, decides
//! whether to keep them, proposes the next step and offers each step's dense output, on which the
//! scenario locates its events ([`locate_root`], [`max_in_window`]).
//!
//! Methods:
//! - `dopri5` (default): Dormand-Prince 5(4), FSAL, 6 evaluations a step, with the 4th-order
//!   continuous extension of Hairer, Norsett & Wanner (Solving ODEs I, II.6) and a PI step-size
//!   controller on the weighted RMS norm of the embedded error estimate over the whole state.
//! - `rk4`: classical Runge-Kutta with a fixed step (4 evaluations a step), cubic Hermite dense
//!   output; kept for validation.

/// A right-hand side y' = f(t, y) that also returns auxiliary quantities of the state (the
/// scenario's observables: altitude, Mach number, heat flux...).
pub trait System<const N: usize> {
    type Aux: Copy;
    fn rhs(&self, t: f64, y: &[f64; N]) -> ([f64; N], Self::Aux);
    /// The norm of an error estimate `e` of the step y0 -> y1 that decides whether the step is
    /// kept (<= 1). Component by component unless the scenario knows better (vectors whose
    /// weight should not depend on the frame's orientation).
    fn error_norm(&self, e: &[f64; N], y0: &[f64; N], y1: &[f64; N], tol: Tolerance) -> f64 {
        error_norm(e, y0, y1, tol.rtol, tol.atol)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Method {
    Dopri5,
    Rk4,
}

impl Method {
    /// Every method, in the order the configs' error messages list them.
    pub const ALL: [Method; 2] = [Method::Dopri5, Method::Rk4];
    /// The method a config gets when it names none; the host's own legs (the cruise's
    /// departure, the comet's table) fly it too.
    pub const DEFAULT: Method = Method::Dopri5;

    pub fn name(self) -> &'static str {
        match self {
            Method::Dopri5 => "dopri5",
            Method::Rk4 => "rk4",
        }
    }
    /// The method a config's `integrator.method` names, if any.
    pub fn from_name(name: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.name() == name)
    }
    /// The method a config's `integrator.method` names, or the configs' message for a name that
    /// is none, listing the supported ones.
    pub fn parse(name: &str) -> Result<Method, String> {
        Method::from_name(name).ok_or_else(|| {
            format!(
                "unknown method {name:?}; supported: {}",
                Method::supported()
            )
        })
    }
    /// Code passed to the shaders.
    pub fn code(self) -> u32 {
        match self {
            Method::Dopri5 => METHOD_DOPRI5,
            Method::Rk4 => METHOD_RK4,
        }
    }
    /// The method a shader code stands for (the default for a code that is none).
    pub fn from_code(code: u32) -> Method {
        Method::ALL
            .into_iter()
            .find(|m| m.code() == code)
            .unwrap_or(Method::DEFAULT)
    }
    /// Whether the method controls its step by an error estimate (tolerances, a largest step)
    /// rather than taking the configured fixed steps.
    pub const fn is_adaptive(self) -> bool {
        match self {
            Method::Dopri5 => true,
            Method::Rk4 => false,
        }
    }
    /// The PI controller's weight of a step's error: 1 / (q + 1) less 0.75 STEP_BETA for a pair
    /// whose error estimate is of order q. A fixed-step method has no controller; its value
    /// is never used.
    pub const fn step_alpha(self) -> f64 {
        match self {
            Method::Dopri5 | Method::Rk4 => STEP_ALPHA_DOPRI5,
        }
    }
    /// The methods as a config's error message lists them: `"dopri5" (adaptive), "rk4"
    /// (fixed step)`.
    pub fn supported() -> String {
        Method::ALL
            .iter()
            .map(|m| {
                let kind = if m.is_adaptive() {
                    "adaptive"
                } else {
                    "fixed step"
                };
                format!("\"{}\" ({kind})", m.name())
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

// The default must control its step: the configs' defaults and the host's legs give it tolerances.
const _: () = assert!(Method::DEFAULT.is_adaptive());

/// How many vectors of the state's length a trial's dense output holds beyond y0 (Hairer's
/// rcont 2..5 for dopri5). A scenario that keeps a step's dense output between dispatches
/// reserves this many (the reentry's `TG_D`); `integrator.wgsl` writes its vectors out one by
/// one and asserts this count from the generated prelude.
pub const DENSE_VECTORS: usize = 4;

pub const METHOD_DOPRI5: u32 = 0;
pub const METHOD_RK4: u32 = 1;

// Dormand-Prince 5(4) tableau.
const C2: f64 = 1.0 / 5.0;
const C3: f64 = 3.0 / 10.0;
const C4: f64 = 4.0 / 5.0;
const C5: f64 = 8.0 / 9.0;
const A21: f64 = 1.0 / 5.0;
const A31: f64 = 3.0 / 40.0;
const A32: f64 = 9.0 / 40.0;
const A41: f64 = 44.0 / 45.0;
const A42: f64 = -56.0 / 15.0;
const A43: f64 = 32.0 / 9.0;
const A51: f64 = 19372.0 / 6561.0;
const A52: f64 = -25360.0 / 2187.0;
const A53: f64 = 64448.0 / 6561.0;
const A54: f64 = -212.0 / 729.0;
const A61: f64 = 9017.0 / 3168.0;
const A62: f64 = -355.0 / 33.0;
const A63: f64 = 46732.0 / 5247.0;
const A64: f64 = 49.0 / 176.0;
const A65: f64 = -5103.0 / 18656.0;
const B1: f64 = 35.0 / 384.0;
const B3: f64 = 500.0 / 1113.0;
const B4: f64 = 125.0 / 192.0;
const B5: f64 = -2187.0 / 6784.0;
const B6: f64 = 11.0 / 84.0;
// Error estimate: 5th-order minus embedded 4th-order weights.
const E1: f64 = 71.0 / 57600.0;
const E3: f64 = -71.0 / 16695.0;
const E4: f64 = 71.0 / 1920.0;
const E5: f64 = -17253.0 / 339200.0;
const E6: f64 = 22.0 / 525.0;
const E7: f64 = -1.0 / 40.0;
// Continuous extension.
const D1: f64 = -12715105075.0 / 11282082432.0;
const D3: f64 = 87487479700.0 / 32700410799.0;
const D4: f64 = -10690763975.0 / 1880347072.0;
const D5: f64 = 701980252875.0 / 199316789632.0;
const D6: f64 = -1453857185.0 / 822651844.0;
const D7: f64 = 69997945.0 / 29380423.0;

/// One trial step from (t0, y0) of length h.
#[derive(Debug, Clone, Copy)]
pub struct Trial<const N: usize, A: Copy> {
    pub t0: f64,
    pub h: f64,
    pub y0: [f64; N],
    pub y1: [f64; N],
    /// f(t0 + h, y1) and its aux: the next step's first evaluation.
    pub f1: [f64; N],
    pub aux1: A,
    /// The aux of two inner stages, at theta = `thc` and `thd`: approximate states (dopri5's
    /// third and fourth stages, second order; rk4's third twice), good enough to rank steps by
    /// their largest values.
    pub auxc: A,
    pub thc: f64,
    pub auxd: A,
    pub thd: f64,
    /// Weighted RMS norm of the error estimate (0 for a fixed-step method): the step is kept
    /// when <= 1.
    pub err: f64,
    /// Dense output coefficients, DENSE_VECTORS of them (dopri5: Hairer's rcont 2..5; rk4: the
    /// cubic Hermite's, the last 0), read only by [`Trial::dense`].
    dense: [[f64; N]; DENSE_VECTORS],
}

impl<const N: usize, A: Copy> Trial<N, A> {
    /// The dense output at theta = (t - t0) / h (accurate on [0, 1]; usable slightly beyond).
    pub fn dense(&self, theta: f64) -> [f64; N] {
        let th1 = 1.0 - theta;
        let [d2, d3, d4, d5] = &self.dense;
        let mut y = [0.0; N];
        for i in 0..N {
            y[i] = self.y0[i] + theta * (d2[i] + th1 * (d3[i] + theta * (d4[i] + th1 * d5[i])));
        }
        y
    }

    pub fn t_at(&self, theta: f64) -> f64 {
        self.t0 + theta * self.h
    }

    /// The step's largest value of a watched quantity `w` of the aux, predicted from its value
    /// `v0` at the step's start, at its end and at the two inner stages: the larger of the two
    /// parabolas ([`parabola_max`]). To rank steps, not to locate the maximum.
    pub fn predicted_max(&self, v0: f64, w: impl Fn(&A) -> f64) -> f64 {
        let v1 = w(&self.aux1);
        parabola_max(v0, w(&self.auxc), v1, self.thc).max(parabola_max(
            v0,
            w(&self.auxd),
            v1,
            self.thd,
        ))
    }
}

fn axpy<const N: usize>(y: &[f64; N], h: f64, terms: &[(f64, &[f64; N])]) -> [f64; N] {
    let mut out = *y;
    for i in 0..N {
        let mut s = 0.0;
        for (c, k) in terms {
            s += c * k[i];
        }
        out[i] += h * s;
    }
    out
}

/// Weighted RMS norm of `e` with weights atol + rtol max(|y0|, |y1|), component by component.
pub fn error_norm<const N: usize>(
    e: &[f64; N],
    y0: &[f64; N],
    y1: &[f64; N],
    rtol: f64,
    atol: f64,
) -> f64 {
    let mut s = 0.0;
    for i in 0..N {
        let w = atol + rtol * y0[i].abs().max(y1[i].abs());
        let r = e[i] / w;
        s += r * r;
    }
    (s / N as f64).sqrt()
}

/// Relative and absolute tolerance of the weighted RMS error norm.
#[derive(Debug, Clone, Copy)]
pub struct Tolerance {
    pub rtol: f64,
    pub atol: f64,
}

/// A trial step of `method` from (t0, y0), where f0 = f(t0, y0).
pub fn trial<const N: usize, S: System<N>>(
    method: Method,
    sys: &S,
    t0: f64,
    y0: &[f64; N],
    f0: &[f64; N],
    h: f64,
    tol: Tolerance,
) -> Trial<N, S::Aux> {
    match method {
        Method::Dopri5 => dopri5(sys, t0, y0, f0, h, tol),
        Method::Rk4 => rk4(sys, t0, y0, f0, h),
    }
}

fn dopri5<const N: usize, S: System<N>>(
    sys: &S,
    t0: f64,
    y0: &[f64; N],
    k1: &[f64; N],
    h: f64,
    tol: Tolerance,
) -> Trial<N, S::Aux> {
    let (k2, _) = sys.rhs(t0 + C2 * h, &axpy(y0, h, &[(A21, k1)]));
    let (k3, auxc) = sys.rhs(t0 + C3 * h, &axpy(y0, h, &[(A31, k1), (A32, &k2)]));
    let (k4, auxd) = sys.rhs(
        t0 + C4 * h,
        &axpy(y0, h, &[(A41, k1), (A42, &k2), (A43, &k3)]),
    );
    let (k5, _) = sys.rhs(
        t0 + C5 * h,
        &axpy(y0, h, &[(A51, k1), (A52, &k2), (A53, &k3), (A54, &k4)]),
    );
    let (k6, _) = sys.rhs(
        t0 + h,
        &axpy(
            y0,
            h,
            &[(A61, k1), (A62, &k2), (A63, &k3), (A64, &k4), (A65, &k5)],
        ),
    );
    let y1 = axpy(
        y0,
        h,
        &[(B1, k1), (B3, &k3), (B4, &k4), (B5, &k5), (B6, &k6)],
    );
    let (k7, aux1) = sys.rhs(t0 + h, &y1);
    let e = axpy(
        &[0.0; N],
        h,
        &[
            (E1, k1),
            (E3, &k3),
            (E4, &k4),
            (E5, &k5),
            (E6, &k6),
            (E7, &k7),
        ],
    );
    let err = sys.error_norm(&e, y0, &y1, tol);
    let mut dense = hermite_coefficients(h, y0, &y1, k1, &k7);
    dense[3] = axpy(
        &[0.0; N],
        h,
        &[
            (D1, k1),
            (D3, &k3),
            (D4, &k4),
            (D5, &k5),
            (D6, &k6),
            (D7, &k7),
        ],
    );
    Trial {
        t0,
        h,
        y0: *y0,
        y1,
        f1: k7,
        aux1,
        auxc,
        thc: C3,
        auxd,
        thd: C4,
        err,
        dense,
    }
}

fn rk4<const N: usize, S: System<N>>(
    sys: &S,
    t0: f64,
    y0: &[f64; N],
    k1: &[f64; N],
    h: f64,
) -> Trial<N, S::Aux> {
    let (k2, _) = sys.rhs(t0 + 0.5 * h, &axpy(y0, h, &[(0.5, k1)]));
    let (k3, auxc) = sys.rhs(t0 + 0.5 * h, &axpy(y0, h, &[(0.5, &k2)]));
    let (k4, _) = sys.rhs(t0 + h, &axpy(y0, h, &[(1.0, &k3)]));
    let y1 = axpy(
        y0,
        h,
        &[
            (1.0 / 6.0, k1),
            (1.0 / 3.0, &k2),
            (1.0 / 3.0, &k3),
            (1.0 / 6.0, &k4),
        ],
    );
    let (f1, aux1) = sys.rhs(t0 + h, &y1);
    let dense = hermite_coefficients(h, y0, &y1, k1, &f1);
    Trial {
        t0,
        h,
        y0: *y0,
        y1,
        f1,
        aux1,
        auxc,
        thc: 0.5,
        auxd: auxc,
        thd: 0.5,
        err: 0.0,
        dense,
    }
}

/// Dense-output coefficients 2..4 in Hairer's form, the cubic Hermite through (y0, f0) and
/// (y1, f1); the 4th (DP5's correction towards 4th order) is left zero.
fn hermite_coefficients<const N: usize>(
    h: f64,
    y0: &[f64; N],
    y1: &[f64; N],
    f0: &[f64; N],
    f1: &[f64; N],
) -> [[f64; N]; DENSE_VECTORS] {
    let mut d = [[0.0; N]; DENSE_VECTORS];
    for i in 0..N {
        let dy = y1[i] - y0[i];
        let bspl = h * f0[i] - dy;
        d[0][i] = dy;
        d[1][i] = bspl;
        d[2][i] = dy - h * f1[i] - bspl;
    }
    d
}

/// PI step-size control (Hairer & Wanner's dopri5 settings: safety 0.9, factors in [0.2, 10],
/// beta 0.04), in f64 with exp and ln (the shader uses its own f64 exp and log), and the next
/// step rounded down by [`quantize_step`].
///
/// Why the rounding: the scenarios' right-hand sides are only C1 in places (the density
/// perturbation's spline nodes, table nodes), so the embedded error estimate, and with it the
/// next step, depends sensitively on where a step falls. Two engines whose arithmetic differs
/// in the last bits (libm's exp against the shader's) then drift onto different step
/// sequences within a few dozen steps (measured: every one of 256 samples, peaks differing by
/// up to 4e-5). Rounded, the two take the same steps unless an unrounded step falls within
/// their rounding difference of a bin edge (none of 1,024 samples measured), and their results
/// agree to rounding as fixed steps do.
#[derive(Debug, Clone, Copy)]
pub struct Controller {
    /// The method whose error estimates it takes: the exponent on the error is the pair's
    /// ([`Method::step_alpha`]).
    pub method: Method,
    pub err_prev: f64,
}

pub const ERR_PREV_START: f64 = 1e-4;

impl Controller {
    pub fn new(method: Method) -> Self {
        Controller::resume(method, ERR_PREV_START)
    }

    /// A controller whose previous kept error was `err_prev` (kept between dispatches).
    pub fn resume(method: Method, err_prev: f64) -> Self {
        Controller { method, err_prev }
    }

    /// Whether a step with error norm `err` is kept, and the next step length (before the
    /// caller's limits). A rejected step's state is not committed and the caller goes on with
    /// the shorter step.
    pub fn decide(&mut self, err: f64, h: f64) -> (bool, f64) {
        let (accept, fac) = step_factor(err, self.err_prev, self.method.step_alpha());
        if accept {
            self.err_prev = err.max(ERR_PREV_START);
        }
        (accept, quantize_step(h * fac))
    }
}

/// Steps are rounded down to STEP_BINS equal divisions of their binary octave: to a multiple
/// of 2^floor(log2 h) / STEP_BINS (so by at most 1/STEP_BINS of the step, 1/(2 STEP_BINS) on
/// average). Every operation is exact in binary floating point.
pub const STEP_BINS: f64 = 16.0;

/// `h` rounded down to a multiple of 2^floor(log2 h) / STEP_BINS. The power of two is the
/// first of 2^30, 2^29, ... that is not above h, at most 80 halvings down (so steps from 2^-50
/// to 2^30 of the time unit are covered; a step outside is left as it is). It is found by
/// binary lifting, 7 tests of exact powers of two, as `shaders/integrator.wgsl` does without a
/// loop (on llvmpipe every loop iteration counts against the invocation's budget).
pub fn quantize_step(h: f64) -> f64 {
    let mut p = 1073741824.0; // 2^30
    let mut n = 0;
    for k in [64, 32, 16, 8, 4, 2, 1] {
        // Halve k more times when k - 1 more halvings still leave p above h.
        if n + k <= 80 && p * 0.5f64.powi(k - 1) > h {
            p *= 0.5f64.powi(k);
            n += k;
        }
    }
    let q = p / STEP_BINS;
    let hq = (h / q).floor() * q;
    if hq > 0.0 && p <= h {
        hq
    } else {
        h
    }
}

/// The PI controller's safety factor on the next step.
pub const STEP_SAFETY: f64 = 0.9;
/// The PI controller's weight of the previous kept error (its I term).
pub const STEP_BETA: f64 = 0.04;
/// The PI controller's weight of this error for dopri5: 1/5 (its estimate's order 4, plus 1)
/// less 0.75 beta ([`Method::step_alpha`]).
pub const STEP_ALPHA_DOPRI5: f64 = 0.2 - 0.75 * STEP_BETA;
/// The smallest and largest factors on a step (a rejected step's largest is 1).
pub const STEP_FAC_MIN: f64 = 0.2;
pub const STEP_FAC_MAX: f64 = 10.0;
/// The error norm is clamped to [ERR_MIN, ERR_MAX] before its log.
pub const ERR_MIN: f64 = 1e-10;
pub const ERR_MAX: f64 = 1e10;
/// The error norm given to the controller for a trial whose state is not finite: any value
/// above ERR_MAX shrinks the step by STEP_FAC_MIN's bound alone, on both engines.
pub const ERR_NONFINITE: f64 = 1e31;

/// (accepted, factor on h) for error norm `err` after a previous accepted norm `err_prev`.
/// The shader (`integ_next_step`) computes both cases with one log of the error clamped to
/// [ERR_MIN, ERR_MAX] (each case's own clamp where it applies) and one exponential, and
/// carries the previous error's log from step to step: the same values.
pub fn step_factor(err: f64, err_prev: f64, alpha: f64) -> (bool, f64) {
    if err.is_nan() || err > 1.0 {
        // Also a NaN error: shrink hard.
        let e = if err <= ERR_MAX { err } else { ERR_MAX };
        let fac = (STEP_SAFETY * (-alpha * e.ln()).exp()).clamp(STEP_FAC_MIN, 1.0);
        return (false, fac);
    }
    let e = err.max(ERR_MIN);
    let fac = STEP_SAFETY * (STEP_BETA * err_prev.ln() - alpha * e.ln()).exp();
    (true, fac.clamp(STEP_FAC_MIN, STEP_FAC_MAX))
}

/// Illinois (modified regula falsi) on theta in [0, 1] for a root of `f` given
/// fa = f(0) and fb = f(1) of opposite signs (or fb = 0); a fixed number of iterations.
pub fn locate_root(f: impl Fn(f64) -> f64, fa: f64, fb: f64) -> f64 {
    let mut br = RootBracket::new(fa, fb);
    for _ in 0..ROOT_ITERATIONS {
        let c = br.next();
        br.update(c, f(c));
    }
    br.result()
}

/// The Illinois bracket on [a, b]; `shaders/integrator.wgsl` has the same three functions.
#[derive(Debug, Clone, Copy)]
pub struct RootBracket {
    a: f64,
    b: f64,
    fa: f64,
    fb: f64,
    side: i32,
}

impl RootBracket {
    pub fn new(fa: f64, fb: f64) -> Self {
        RootBracket {
            a: 0.0,
            b: 1.0,
            fa,
            fb,
            side: 0,
        }
    }
    /// The next point to evaluate: the secant's root, or the midpoint.
    pub fn next(&self) -> f64 {
        let denom = self.fa - self.fb;
        if denom != 0.0 {
            // max/min, not clamp: a NaN bracket (a state gone non-finite) must fail the sample,
            // not stop the program (a new-user trial's radial start panicked here).
            (self.a + (self.b - self.a) * self.fa / denom)
                .max(self.a)
                .min(self.b)
        } else {
            0.5 * (self.a + self.b)
        }
    }
    pub fn update(&mut self, c: f64, fc: f64) {
        if (fc > 0.0) == (self.fa > 0.0) {
            self.a = c;
            self.fa = fc;
            if self.side == -1 {
                self.fb *= 0.5;
            }
            self.side = -1;
        } else {
            self.b = c;
            self.fb = fc;
            if self.side == 1 {
                self.fa *= 0.5;
            }
            self.side = 1;
        }
    }
    /// The end with the smaller residual.
    pub fn result(&self) -> f64 {
        if self.fa.abs() < self.fb.abs() {
            self.a
        } else {
            self.b
        }
    }
}

/// Root-finder iterations: Illinois converges superlinearly (order ~1.44); 12 iterations take
/// a step-long bracket below 1e-9 of the step on the smooth event functions used here.
pub const ROOT_ITERATIONS: usize = 12;

/// Points of the grid that [`max_in_window`] samples first: the maximum is never sought
/// between samples further apart than (b - a) / MAX_GRID.
pub const MAX_GRID: usize = 16;
/// Golden-section iterations after the grid: the grid's best cell pair (2 / MAX_GRID of the
/// window) shrinks by 0.618^8 ~ 0.021, to 2.7e-3 of the window, so a maximum at a kink of a
/// tabulated model (Cd, Tauber-Sutton) is found within 1.0e-3 of the window (a few ms of a
/// step of seconds; unit test below). Against 14 iterations, the located peaks moved by at
/// most 1.3e-7 relative and their times by 1 ms on the default tianwen2 run's 10,000
/// samples, by 7.8e-7 (the radiative flux) and 4 ms on 20,000 ballistic bench samples: far
/// inside the accuracy budget's 2e-4 and 0.05 s (docs/PERFORMANCE.md, "Fewer golden-section
/// iterations").
pub const GOLDEN_ITERATIONS: usize = 8;
/// 1 / golden ratio.
pub const GOLDEN: f64 = 0.618_033_988_749_894_8;

/// The largest value of w on [a, b], where w may have several local maxima and kinks: w on a
/// grid of MAX_GRID + 1 points, then golden-section search between the best point's
/// neighbours. Returns the best (x, w(x)) evaluated. WGSL has no closures: the reentry kernel
/// writes the same steps around its model (`max_in_window` in shaders/reentry.wgsl).
pub fn max_in_window(w: impl Fn(f64) -> f64, a: f64, b: f64) -> (f64, f64) {
    let dx = (b - a) / MAX_GRID as f64;
    let mut best = (a, w(a));
    let mut j = 0;
    for i in 1..=MAX_GRID {
        let x = a + i as f64 * dx;
        let v = w(x);
        if v > best.1 {
            best = (x, v);
            j = i;
        }
    }
    let lo = a + j.saturating_sub(1) as f64 * dx;
    let hi = a + (j + 1).min(MAX_GRID) as f64 * dx;
    let (x, v) = golden_max(w, lo, hi);
    if v > best.1 {
        (x, v)
    } else {
        best
    }
}

/// The largest value on [0, 1] of the parabola through (0, v0), (c, vc), (1, v1), 0 < c < 1:
/// a step's maximum predicted from its ends and an inner value, to rank the steps a maximum
/// may lie in.
pub fn parabola_max(v0: f64, vc: f64, v1: f64, c: f64) -> f64 {
    let ends = v0.max(vc).max(v1);
    // v(x) = v0 + b x + a x^2.
    let a = (vc - v0 - c * (v1 - v0)) / (c * (c - 1.0));
    let b = v1 - v0 - a;
    if a < 0.0 {
        let x = -b / (2.0 * a);
        if x > 0.0 && x < 1.0 {
            return ends.max(v0 + b * x + a * x * x);
        }
    }
    ends
}

/// Golden-section search for a maximum of w on [a, b], GOLDEN_ITERATIONS after its first two
/// points; returns the best (x, w(x)) evaluated.
pub fn golden_max(w: impl Fn(f64) -> f64, a: f64, b: f64) -> (f64, f64) {
    golden_max_n(w, a, b, GOLDEN_ITERATIONS)
}

/// [`golden_max`] with `iterations` after its first two points.
pub fn golden_max_n(w: impl Fn(f64) -> f64, a: f64, b: f64, iterations: usize) -> (f64, f64) {
    let (mut a, mut b) = (a, b);
    let mut c = b - GOLDEN * (b - a);
    let mut d = a + GOLDEN * (b - a);
    let (mut fc, mut fd) = (w(c), w(d));
    let mut best = if fd > fc { (d, fd) } else { (c, fc) };
    for _ in 0..iterations {
        let x;
        if fc >= fd {
            b = d;
            d = c;
            fd = fc;
            c = b - GOLDEN * (b - a);
            fc = w(c);
            x = (c, fc);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + GOLDEN * (b - a);
            fd = w(d);
            x = (d, fd);
        }
        if x.1 > best.1 {
            best = x;
        }
    }
    best
}

/// The integrator's constants as WGSL declarations, for the generated prelude of every kernel
/// that includes `shaders/integrator.wgsl`.
pub fn wgsl_constants() -> String {
    let mut s = crate::wgsl::declare_u32(&[
        ("METHOD_DOPRI5", METHOD_DOPRI5 as usize),
        ("METHOD_RK4", METHOD_RK4 as usize),
        ("ROOT_ITERATIONS", ROOT_ITERATIONS),
        ("MAX_GRID", MAX_GRID),
        ("GOLDEN_ITERATIONS", GOLDEN_ITERATIONS),
        ("DENSE_VECTORS", DENSE_VECTORS),
    ]);
    s.push_str(&crate::wgsl::declare_real(&[
        ("GOLDEN", GOLDEN),
        ("ERR_PREV_START", ERR_PREV_START),
        ("STEP_BINS", STEP_BINS),
        ("STEP_SAFETY", STEP_SAFETY),
        ("STEP_BETA", STEP_BETA),
        ("STEP_FAC_MIN", STEP_FAC_MIN),
        ("STEP_FAC_MAX", STEP_FAC_MAX),
        ("ERR_MIN", ERR_MIN),
        ("ERR_MAX", ERR_MAX),
        ("ERR_NONFINITE", ERR_NONFINITE),
    ]));
    // Whether METHOD is adaptive, and its controller's exponent, as functions of the override
    // constant, written from the methods' own match arms (a branch on an override constant is
    // folded when the pipeline is built).
    let adaptive: Vec<String> = Method::ALL
        .iter()
        .filter(|m| m.is_adaptive())
        .map(|m| format!("METHOD == {}u", m.code()))
        .collect();
    // Never empty: the default method is adaptive (asserted above).
    s.push_str(&format!(
        "fn integ_adaptive() -> bool {{\n    return {};\n}}\n",
        adaptive.join(" || ")
    ));
    s.push_str("fn integ_step_alpha() -> real {\n    var a: real = 0.0;\n");
    for m in Method::ALL {
        s.push_str(&format!(
            "    if (METHOD == {}u) {{\n        a = {:?};\n    }}\n",
            m.code(),
            m.step_alpha()
        ));
    }
    s.push_str("    return a;\n}\n");
    s
}

#[cfg(test)]
mod tests {
    use super::{max_in_window, parabola_max, quantize_step, STEP_BINS};

    /// A maximum at a kink (a tent of slope 1 either side, as where two linear segments of a
    /// table meet) is located within 1.0e-3 of the window: the grid's cell pair (2 / 16),
    /// shrunk by eight golden-section iterations (0.618^8), holds the apex, and one of its two
    /// inner points, evaluated, lies within 0.382 of its width of any point of it. A smooth
    /// maximum far closer. The apex is put at 402 places across the window, the ends among
    /// them, beside a second, lower and narrower peak. Measured worst 4.7e-4; with six
    /// iterations 1.3e-3, which fails.
    #[test]
    fn max_in_window_locates_a_kinked_maximum_within_its_bracket() {
        let bound = 2.0 / 16.0 * super::GOLDEN.powi(8) * (1.0 - super::GOLDEN);
        assert!(bound < 1.04e-3);
        let mut worst = 0.0f64;
        let apexes = (0..400).map(|k| (k as f64 + 0.37) / 400.0);
        for x0 in apexes.chain([0.0, 1.0]) {
            let tent = |x: f64| {
                let far = 0.9 - (x - (1.0 - x0)).abs() * 20.0;
                (1.0 - (x - x0).abs()).max(far)
            };
            let (a, b) = (-0.5, 2.5);
            let (x, v) = max_in_window(|t| tent((t - a) / (b - a)), a, b);
            let xw = (x - a) / (b - a);
            assert!((xw - x0).abs() <= bound, "apex {x0}: found at {xw}");
            assert!(1.0 - v <= bound, "apex {x0}: value {v}");
            worst = worst.max(1.0 - v);
            let smooth = |x: f64| 1.0 - 4.0 * (x - x0) * (x - x0);
            let (_, v) = max_in_window(smooth, 0.0, 1.0);
            assert!(
                1.0 - v <= 4.0 * bound * bound,
                "smooth apex {x0}: value {v}"
            );
        }
        eprintln!("worst kinked maximum: {worst:.3e} below the apex");
    }

    /// Through three points of a parabola, at any inner node, the vertex when it lies inside
    /// [0, 1] and the larger end otherwise. Tolerance: a few units of f64 rounding on values
    /// of order 1 (the divided difference divides by c (c - 1) >= 0.09 here).
    #[test]
    fn parabola_max_finds_the_vertex_from_any_inner_node() {
        for (x0, top) in [(0.37, 2.5), (0.9, -1.0), (0.05, 10.0)] {
            let v = |x: f64| top - 3.0 * (x - x0) * (x - x0);
            for c in [0.1, 0.3, 0.5, 0.8, 0.9] {
                let p = parabola_max(v(0.0), v(c), v(1.0), c);
                assert!((p - top).abs() < 1e-13, "x0 {x0}, c {c}: {p} against {top}");
            }
        }
        // Vertex beyond the step, or a convex parabola: the largest of the three values.
        for c in [0.3, 0.8] {
            let v = |x: f64| 1.0 - (x - 1.4) * (x - 1.4);
            assert_eq!(parabola_max(v(0.0), v(c), v(1.0), c), v(1.0));
            let u = |x: f64| (x - 0.5) * (x - 0.5);
            assert_eq!(parabola_max(u(0.0), u(c), u(1.0), c), u(0.0).max(u(1.0)));
        }
    }

    /// The definition: halve from 2^30 while above h, at most 80 times.
    fn by_halving(h: f64) -> f64 {
        let mut p = 1073741824.0;
        for _ in 0..80 {
            if p > h {
                p *= 0.5;
            }
        }
        let q = p / STEP_BINS;
        let hq = (h / q).floor() * q;
        if hq > 0.0 && p <= h {
            hq
        } else {
            h
        }
    }

    #[test]
    fn quantize_step_is_the_halving_definition_bit_for_bit() {
        let mut hs = vec![
            0.0,
            -0.0,
            -1.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            1e-300,
        ];
        for e in -60..=40 {
            let p = 2f64.powi(e);
            hs.extend([
                p,
                p * (1.0 + f64::EPSILON),
                p * (1.0 - f64::EPSILON / 2.0),
                1.5 * p,
            ]);
        }
        // A deterministic spread of steps over the range and beyond it.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let u = (x >> 11) as f64 / (1u64 << 53) as f64;
            hs.push(2f64.powf(-60.0 + 100.0 * u));
        }
        for h in hs {
            let (a, b) = (quantize_step(h), by_halving(h));
            assert!(a.to_bits() == b.to_bits(), "h = {h:e}: {a:e} against {b:e}");
        }
    }
}
